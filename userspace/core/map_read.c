// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/map_read.h"

void map_percpu_sums(int fd, uint32_t n, uint64_t *out)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals = calloc(ncpus > 0 ? ncpus : 1, sizeof(*vals));

	memset(out, 0, n * sizeof(*out));
	for (__u32 k = 0; vals && k < n; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			out[k] += vals[c];
	}
	free(vals);
}

int map_read_hist(int fd, uint32_t idx, struct hist *out)
{
	return bpf_map_lookup_elem(fd, &idx, out) ? -errno : 0;
}
