// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "model/text_escape.h"

const char *text_escape(const char *in, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!len)
		return buf;
	for (const unsigned char *p = (const unsigned char *)in; *p && n + 5 < len; p++) {
		if (*p == '\\') {
			buf[n++] = '\\';
			buf[n++] = '\\';
		} else if (*p == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (*p < 0x20 || *p == 0x7f) {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		} else {
			buf[n++] = (char)*p;
		}
	}
	buf[n] = 0;
	return buf;
}
