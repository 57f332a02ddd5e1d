// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "model/text_escape.h"

size_t text_utf8(const unsigned char *p, uint32_t *cp)
{
	unsigned c = p[0];

	*cp = c;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf && (p[1] & 0xc0) == 0x80) {
		*cp = (c & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		*cp = (c & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		return *cp >= 0x800 && (*cp < 0xd800 || *cp > 0xdfff) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
	    (p[3] & 0xc0) == 0x80) {
		*cp = (c & 0x07) << 18 | (p[1] & 0x3f) << 12 | (p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		return *cp >= 0x10000 && *cp <= 0x10ffff ? 4 : 0;
	}
	return 0;
}

bool text_hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

const char *text_escape(const char *in, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!len)
		return buf;
	for (const unsigned char *p = (const unsigned char *)in; *p && n + 7 < len;) {
		uint32_t cp;
		size_t k = text_utf8(p, &cp);

		if (*p == '\\') {
			buf[n++] = '\\';
			buf[n++] = '\\';
		} else if (*p == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (!k || (k == 1 && text_hidden(cp))) {
			/* a byte that is no character, or a control character */
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		} else if (text_hidden(cp)) {
			buf[n++] = '\\';
			buf[n++] = 'u';
			for (int s = 12; s >= 0; s -= 4)
				buf[n++] = hex[(cp >> s) & 15];
		} else {
			for (size_t i = 0; i < k; i++)
				buf[n++] = (char)p[i];
		}
		p += k ? k : 1;
	}
	buf[n] = 0;
	return buf;
}
