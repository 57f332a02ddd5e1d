// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel's floor for tracing packets: empty programs on the tracepoints of `tailtrace net`
 * (the same list, the same tp_btf attachment). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EMPTY(tp)					\
	SEC("tp_btf/" #tp)				\
	int BPF_PROG(empty_##tp)			\
	{						\
		return 0;				\
	}

EMPTY(inet_sock_set_state)
EMPTY(tcp_probe)
EMPTY(tcp_retransmit_skb)
EMPTY(tcp_send_reset)
EMPTY(tcp_receive_reset)
EMPTY(net_dev_queue)
EMPTY(net_dev_xmit)
EMPTY(netif_receive_skb)
EMPTY(skb_copy_datagram_iovec)
EMPTY(kfree_skb)
