/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internet addresses: --remote prefixes, endpoints as people write them, and the addresses
 * of /proc/net/tcp. Addresses are 16 bytes in network order; an IPv4 one in the first 4. */
#ifndef TAILTRACE_LABELS_INET_H
#define TAILTRACE_LABELS_INET_H

#include <stddef.h>
#include <stdint.h>

/* "192.0.2.0/24", "2001:db8::1": family (AF_INET or AF_INET6), address and prefix length
 * (the whole address without one). 0; -EINVAL for an address neither family reads; -ERANGE
 * for a prefix that is no number from 0 to the address's bits. */
int inet_prefix_parse(const char *arg, int *family, uint8_t addr[16], uint32_t *prefix);
/* "192.0.2.1:80", "[2001:db8::1]:443", or the address alone for port 0. Returns buf. */
const char *inet_endpoint(int family, const uint8_t addr[16], uint16_t port, char *buf,
			  size_t len);
/* An address of /proc/net/tcp{,6} ("0100007F", or 32 digits for IPv6, each 32-bit word as
 * the host prints it) into family and network-order bytes; an IPv4-mapped IPv6 address as
 * IPv4. 0, or -EINVAL. */
int inet_proc_addr(const char *hex, uint32_t *family, uint8_t addr[16]);

#endif
