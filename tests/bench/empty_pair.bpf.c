// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel's floor for timing a function: an entry and a return probe that do nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int empty_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int empty_return(void *ctx)
{
	return 0;
}
