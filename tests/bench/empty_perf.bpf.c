// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel's floor for sampling: a perf_event program that does nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("perf_event")
int empty_sample(void *ctx)
{
	return 0;
}
