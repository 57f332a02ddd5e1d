// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "labels/inet.h"

int inet_prefix_parse(const char *arg, int *family, uint8_t addr[16], uint32_t *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long bits;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	*prefix = *family == AF_INET ? 32 : 128;
	if (!slash)
		return 0;
	errno = 0;
	bits = strtoul(slash, &end, 10);
	if (!*slash || *end || errno || *slash < '0' || *slash > '9' || bits > *prefix)
		return -ERANGE;
	*prefix = (uint32_t)bits;
	return 0;
}

const char *inet_endpoint(int family, const uint8_t addr[16], uint16_t port, char *buf,
			  size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (!port)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

int inet_proc_addr(const char *hex, uint32_t *family, uint8_t addr[16])
{
	size_t n = strlen(hex);

	memset(addr, 0, 16);
	if (n != 8 && n != 32)
		return -EINVAL;
	for (size_t w = 0; w < n / 8; w++) {
		char word[9], *end;
		uint32_t v;

		memcpy(word, hex + w * 8, 8);
		word[8] = 0;
		v = (uint32_t)strtoul(word, &end, 16);
		if (*end)
			return -EINVAL;
		memcpy(addr + w * 4, &v, 4);
	}
	*family = n == 8 ? AF_INET : AF_INET6;
	if (n == 32 && !memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		*family = AF_INET;
	}
	return 0;
}
