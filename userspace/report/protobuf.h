/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small protocol buffers writer: varints, length-delimited fields and nested messages into
 * a growing buffer, in the canonical encoding (shortest varints), enough for pprof's
 * profile.proto. An allocation failure is kept and reported once, by pb_error.
 */
#ifndef TAILTRACE_PROTOBUF_H
#define TAILTRACE_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb {
	uint8_t *buf;
	size_t len, cap;
	int err;		/* 0, or -ENOMEM since the first failed append */
};

/* Wire types of the fields written here. */
enum { PB_VARINT = 0, PB_LEN = 2 };

void pb_init(struct pb *p);
void pb_free(struct pb *p);
/* 0, or -ENOMEM if any append failed. */
static inline int pb_error(const struct pb *p)
{
	return p->err;
}

void pb_raw_varint(struct pb *p, uint64_t v);
/* Bytes as they are (fields encoded elsewhere). */
void pb_raw(struct pb *p, const void *data, size_t len);
/* field = v as a varint; int64 values are their two's complement (10 bytes when negative). */
void pb_uint(struct pb *p, uint32_t field, uint64_t v);
void pb_int(struct pb *p, uint32_t field, int64_t v);
void pb_bool(struct pb *p, uint32_t field, bool v);
void pb_bytes(struct pb *p, uint32_t field, const void *data, size_t len);
void pb_string(struct pb *p, uint32_t field, const char *s);

/* A nested message or a packed repeated field: pb_open writes the key and returns a mark;
 * write the contents, then pb_close(mark) puts their length in front. Nest freely. */
size_t pb_open(struct pb *p, uint32_t field);
void pb_close(struct pb *p, size_t mark);

#endif
