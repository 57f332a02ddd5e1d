// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: any bytes as a JIT's /tmp/perf-PID.map (symbols/perf_map.c), which the
 * traced process writes; every entry kept must be well formed and findable. Run by `make fuzz`
 * (tests/fuzz/fuzz.mk). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/perf_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_map m;

	if (perf_map_parse((const char *)data, size, &m))
		return 0;
	for (size_t i = 0; i < m.n; i++) {
		const struct perf_sym *e = &m.v[i];

		if (!e->size || e->start + e->size < e->start || !e->name[0] ||
		    strlen(e->name) > PERF_MAP_NAME_MAX || strchr(e->name, '\n') ||
		    (i && m.v[i - 1].start >= e->start) || perf_map_find(&m, e->start) != e)
			abort();
	}
	perf_map_free(&m);
	return 0;
}
