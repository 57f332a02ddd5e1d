// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: any bytes as a saved run (tailtrace report, merge, diff read files that
 * anyone may have written), then everything done with a run read back: every report format,
 * objectives on it, a merge with itself. Run by `make fuzz` (tests/fuzz/fuzz.mk). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "gates/slo.h"
#include "report/emitter.h"
#include "report/json.h"

static const char *const objectives[] = {
	"func.latency:p99<2ms", "sched.runq_latency{comm=a*}:count>=1", "m:rate<1/s",
	"func.latency:total<1s", "x:max>=1ns",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "text", "json", "markdown", "folded" };
	struct emit_opts eo = { .final = true };
	struct slo_set set = { 0 };
	struct snapshot s, twice;
	char err[256];
	FILE *sink;

	if (snapshot_from_json((const char *)data, size, &s, err, sizeof(err)))
		return 0;
	for (size_t i = 0; i < sizeof(objectives) / sizeof(objectives[0]); i++)
		if (slo_set_add(&set, objectives[i], err, sizeof(err)))
			abort();
	if (slo_evaluate(&set, &s))
		abort();
	sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		emitter_find(formats[i])->write(sink, &s, &eo);
	if (!snapshot_from_json((const char *)data, size, &twice, err, sizeof(err))) {
		snapshot_merge(&twice, &s, 16);
		emitter_find("text")->write(sink, &twice, &eo);
		snapshot_free(&twice);
	}
	fclose(sink);
	slo_set_free(&set);
	snapshot_free(&s);
	return 0;
}
