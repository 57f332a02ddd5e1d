// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "abi/pystack.h"
#include "python/pycode.h"

static int read_mem(int fd, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	if (!addr || addr + len < addr)
		return -EFAULT;
	n = pread(fd, buf, len, (off_t)addr);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c >= 0xd800 && c < 0xe000)
		c = 0xfffd;	/* a lone surrogate: not UTF-8 */
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	if (c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x10000)
		return put_utf8(out, c);
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* state: interned:2 kind:3 compact:1 ascii:1 ready:1 (Include/cpython/unicodeobject.h) */
static int unicode_layout(const uint8_t *obj, uint64_t *length, unsigned *kind, size_t *data)
{
	uint32_t state;

	memcpy(&state, obj + PY311_UNICODE_STATE, sizeof(state));
	*length = u64_at(obj + PY311_UNICODE_LENGTH);
	*kind = (state >> 2) & 7;
	if (!(state & (1u << 5)) || !(state & (1u << 7)))
		return -EBADMSG;	/* not compact, or not ready: not what code objects hold */
	if (state & (1u << 6)) {
		if (*kind != 1)
			return -EBADMSG;
		*data = PY311_UNICODE_ASCII_DATA;
	} else {
		if (*kind != 1 && *kind != 2 && *kind != 4)
			return -EBADMSG;
		*data = PY311_UNICODE_COMPACT_DATA;
	}
	if (*length > PYCODE_STR_MAX)
		return -EBADMSG;
	return 0;
}

int pycode_unicode_utf8(const uint8_t *obj, size_t len, char **out)
{
	uint64_t length;
	unsigned kind;
	size_t data, o = 0;
	char *s;

	*out = NULL;
	if (len < PY311_UNICODE_ASCII_DATA || unicode_layout(obj, &length, &kind, &data) ||
	    len < data || (len - data) / kind < length)
		return -EBADMSG;
	s = malloc(length * 4 + 1);
	if (!s)
		return -ENOMEM;
	for (uint64_t i = 0; i < length; i++) {
		const uint8_t *p = obj + data + i * kind;
		uint32_t c = kind == 1 ? p[0] : kind == 2 ? (uint32_t)(p[0] | p[1] << 8) :
			     (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;

		if (!c)
			c = 0xfffd;	/* a NUL would end the name early */
		o += put_utf8(s + o, c);
	}
	s[o] = 0;
	*out = s;
	return 0;
}

/* A str object of the process at addr, as UTF-8. */
static int read_str(int fd, const struct pytypes *types, uint64_t addr, char **out)
{
	uint8_t head[PY311_UNICODE_COMPACT_DATA], *obj;
	uint64_t length;
	unsigned kind;
	size_t data, len;
	int err;

	*out = NULL;
	if (read_mem(fd, addr, head, sizeof(head)))
		return -EFAULT;
	if (u64_at(head + PY311_OBJECT_TYPE) != types->unicode ||
	    unicode_layout(head, &length, &kind, &data))
		return -EBADMSG;
	len = data + length * kind;
	obj = malloc(len);
	if (!obj)
		return -ENOMEM;
	err = read_mem(fd, addr, obj, len);
	if (!err)
		err = pycode_unicode_utf8(obj, len, out);
	free(obj);
	return err;
}

/* A bytes object at addr: where its bytes are and how many, one byte past them read to
 * know they are there. */
static int check_bytes(int fd, const struct pytypes *types, uint64_t addr, uint64_t *data,
		       size_t *len)
{
	uint8_t head[PY311_BYTES_DATA], last;
	uint64_t size;

	if (read_mem(fd, addr, head, sizeof(head)))
		return -EFAULT;
	size = u64_at(head + PY311_VAROBJECT_SIZE);
	if (u64_at(head + PY311_OBJECT_TYPE) != types->bytes || size > PYCODE_LINETABLE_MAX)
		return -EBADMSG;
	if (size && read_mem(fd, addr + PY311_BYTES_DATA + size - 1, &last, 1))
		return -EFAULT;
	*data = addr + PY311_BYTES_DATA;
	*len = size;
	return 0;
}

/* One str into a code object's identity, as the kernel side reads it (pystack.bpf.h). */
static uint64_t ident_str(int fd, uint64_t h, uint64_t str, int last)
{
	uint8_t head[PY311_UNICODE_HEAD];
	uint64_t bytes, v = 0;
	__u64 data;
	uint32_t state;

	if (read_mem(fd, str + PY311_UNICODE_LENGTH, head, sizeof(head)))
		return pystack_fold(h, 0);
	memcpy(&state, head + (PY311_UNICODE_STATE - PY311_UNICODE_LENGTH), sizeof(state));
	bytes = pystack_str_span(u64_at(head), state, &data);
	if (last && bytes > 8)
		data += bytes - 8;
	if (bytes && read_mem(fd, str + data, &v, sizeof(v)))
		v = 0;
	return pystack_fold(pystack_fold(h, bytes), pystack_str_bits(v, bytes));
}

int pycode_read(int mem_fd, const struct pytypes *types, uint64_t addr, struct pycode *out)
{
	uint8_t co[PY311_CODE_ADAPTIVE];
	int32_t first;
	int err;

	memset(out, 0, sizeof(*out));
	if (read_mem(mem_fd, addr, co, sizeof(co)))
		return -EFAULT;
	if (u64_at(co + PY311_OBJECT_TYPE) != types->code)
		return -EBADMSG;
	memcpy(&first, co + PY311_CODE_FIRSTLINENO, sizeof(first));
	out->firstlineno = first;
	out->ident = pystack_fold(PYSTACK_IDENT_SEED, (uint32_t)first);
	out->ident = ident_str(mem_fd, out->ident, u64_at(co + PY311_CODE_QUALNAME), 0);
	out->ident = ident_str(mem_fd, out->ident, u64_at(co + PY311_CODE_FILENAME), 1);
	err = read_str(mem_fd, types, u64_at(co + PY311_CODE_QUALNAME), &out->qualname);
	if (!err)
		err = read_str(mem_fd, types, u64_at(co + PY311_CODE_FILENAME), &out->filename);
	if (!err)
		err = check_bytes(mem_fd, types, u64_at(co + PY311_CODE_LINETABLE),
				  &out->linetable, &out->linetable_len);
	if (err)
		pycode_free(out);
	return err;
}

void pycode_free(struct pycode *c)
{
	free(c->qualname);
	free(c->filename);
	memset(c, 0, sizeof(*c));
}

/* Varints of the location table: 6 bits a byte, low first, bit 6 set when more follow. */
static bool read_varint(const uint8_t *t, size_t len, size_t *i, uint64_t *v)
{
	unsigned shift = 0;
	uint8_t b;

	*v = 0;
	do {
		if (*i >= len || shift > 60)
			return false;
		b = t[(*i)++];
		*v |= (uint64_t)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	return true;
}

static bool read_svarint(const uint8_t *t, size_t len, size_t *i, int64_t *v)
{
	uint64_t u;

	if (!read_varint(t, len, i, &u))
		return false;
	*v = u & 1 ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
	return true;
}

int pycode_line(const uint8_t *t, size_t len, int firstlineno, int64_t addr)
{
	int64_t line = firstlineno, at = 0;
	size_t i = 0;

	if (addr < 0)
		return firstlineno;
	while (i < len) {
		uint8_t b = t[i++];
		unsigned code = (b >> 3) & 15;
		int64_t delta = 0, units = (b & 7) + 1;
		bool has_line = true;
		uint64_t skip;

		if (!(b & 0x80))
			break;	/* not the first byte of an entry: a corrupt table */
		if (code == 15) {
			has_line = false;
		} else if (code == 14) {
			if (!read_svarint(t, len, &i, &delta) || !read_varint(t, len, &i, &skip) ||
			    !read_varint(t, len, &i, &skip) || !read_varint(t, len, &i, &skip))
				break;
		} else if (code == 13) {
			if (!read_svarint(t, len, &i, &delta))
				break;
		} else if (code >= 10) {
			delta = code - 10;
			i += 2;
		} else {
			i += 1;
		}
		/* no real table moves a line by 2^31; a corrupt one must not overflow it */
		if (delta > INT32_MAX || delta < -(int64_t)INT32_MAX)
			break;
		if (has_line)
			line += delta;
		if (line > INT32_MAX || line < -(int64_t)INT32_MAX)
			break;
		if (addr < at + units * 2)
			return has_line && line > 0 && line <= INT32_MAX ? (int)line : firstlineno;
		at += units * 2;
	}
	return firstlineno;
}

int pycode_line_at(int mem_fd, const struct pycode *c, int64_t addr, uint8_t *scratch)
{
	size_t len = c->linetable_len;

	if (addr < 0)
		return c->firstlineno;
	/* an entry covers a code unit (2 bytes) at least: addr / 2 + 1 entries reach it */
	if ((uint64_t)addr / 2 + 1 <= len / PYCODE_ENTRY_MAX)
		len = ((size_t)addr / 2 + 1) * PYCODE_ENTRY_MAX;
	if (len > PYCODE_LINETABLE_MAX || read_mem(mem_fd, c->linetable, scratch, len))
		return c->firstlineno;
	return pycode_line(scratch, len, c->firstlineno, addr);
}
