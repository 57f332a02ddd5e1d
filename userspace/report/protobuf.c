// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/protobuf.h"

void pb_init(struct pb *p)
{
	memset(p, 0, sizeof(*p));
}

void pb_free(struct pb *p)
{
	free(p->buf);
	pb_init(p);
}

static bool room(struct pb *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 256;
	uint8_t *nb;

	if (p->err)
		return false;
	if (p->len + n <= p->cap)
		return true;
	while (cap < p->len + n)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (!nb) {
		p->err = -ENOMEM;
		return false;
	}
	p->buf = nb;
	p->cap = cap;
	return true;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_varint(uint8_t *at, uint64_t v)
{
	while (v >= 0x80) {
		*at++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*at = (uint8_t)v;
}

void pb_raw_varint(struct pb *p, uint64_t v)
{
	size_t n = varint_len(v);

	if (!room(p, n))
		return;
	put_varint(p->buf + p->len, v);
	p->len += n;
}

void pb_raw(struct pb *p, const void *data, size_t len)
{
	if (len && room(p, len)) {
		memcpy(p->buf + p->len, data, len);
		p->len += len;
	}
}

static void key(struct pb *p, uint32_t field, unsigned wire)
{
	pb_raw_varint(p, (uint64_t)field << 3 | wire);
}

void pb_uint(struct pb *p, uint32_t field, uint64_t v)
{
	key(p, field, PB_VARINT);
	pb_raw_varint(p, v);
}

void pb_int(struct pb *p, uint32_t field, int64_t v)
{
	pb_uint(p, field, (uint64_t)v);
}

void pb_bool(struct pb *p, uint32_t field, bool v)
{
	pb_uint(p, field, v);
}

void pb_bytes(struct pb *p, uint32_t field, const void *data, size_t len)
{
	key(p, field, PB_LEN);
	pb_raw_varint(p, len);
	pb_raw(p, data, len);
}

void pb_string(struct pb *p, uint32_t field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

/* The contents are written first and moved up by their length's size when closed: one
 * move per message, and they are small (a sample, a location); the profile itself is not
 * nested. */
size_t pb_open(struct pb *p, uint32_t field)
{
	key(p, field, PB_LEN);
	return p->len;
}

void pb_close(struct pb *p, size_t mark)
{
	size_t body, n;

	if (p->err)
		return;
	body = p->len - mark;
	n = varint_len(body);
	if (!room(p, n))
		return;
	memmove(p->buf + mark + n, p->buf + mark, body);
	put_varint(p->buf + mark, body);
	p->len += n;
}
