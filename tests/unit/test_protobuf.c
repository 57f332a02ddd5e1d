/* The protobuf writer and the intern table, byte for byte against encodings worked out by
 * hand from the protocol buffers encoding rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "report/intern.h"
#include "report/protobuf.h"

static void expect(const struct pb *p, const uint8_t *want, size_t n, const char *what)
{
	cr_assert_eq(pb_error(p), 0, "%s: no error", what);
	cr_assert_eq(p->len, n, "%s: %zu bytes, want %zu", what, p->len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(p->buf[i], want[i], "%s: byte %zu is %02x, want %02x", what, i,
			     p->buf[i], want[i]);
}

Test(protobuf, varints_are_shortest_little_endian_groups_of_seven)
{
	static const struct {
		uint64_t v;
		uint8_t bytes[10];
		size_t n;
	} cases[] = {
		{ 0, { 0x00 }, 1 },
		{ 1, { 0x01 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0x80, 0x01 }, 2 },
		{ 300, { 0xac, 0x02 }, 2 },
		{ 16383, { 0xff, 0x7f }, 2 },
		{ 16384, { 0x80, 0x80, 0x01 }, 3 },
		{ 0xffffffffULL, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb p;
		char what[64];

		pb_init(&p);
		pb_raw_varint(&p, cases[i].v);
		snprintf(what, sizeof(what), "varint %llu", (unsigned long long)cases[i].v);
		expect(&p, cases[i].bytes, cases[i].n, what);
		pb_free(&p);
	}
}

Test(protobuf, scalar_fields)
{
	struct pb p;

	pb_init(&p);
	pb_uint(&p, 1, 150);		/* key 1 << 3 | 0, then 150 */
	expect(&p, (const uint8_t[]){ 0x08, 0x96, 0x01 }, 3, "field 1 = 150");
	pb_free(&p);

	pb_int(&p, 2, -1);		/* int64: two's complement, ten bytes */
	expect(&p, (const uint8_t[]){ 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0x01 }, 11, "field 2 = -1");
	pb_free(&p);

	pb_bool(&p, 7, true);
	pb_bool(&p, 16, false);		/* field 16: a two-byte key, 16 << 3 = 0x80 */
	expect(&p, (const uint8_t[]){ 0x38, 0x01, 0x80, 0x01, 0x00 }, 5, "bools");
	pb_free(&p);
}

Test(protobuf, strings_and_bytes_carry_their_length)
{
	struct pb p;

	pb_init(&p);
	pb_string(&p, 2, "testing");
	expect(&p, (const uint8_t[]){ 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g' }, 9,
	       "field 2 = \"testing\"");
	pb_free(&p);

	pb_string(&p, 6, "");
	pb_bytes(&p, 1, "\0\xff", 2);
	expect(&p, (const uint8_t[]){ 0x32, 0x00, 0x0a, 0x02, 0x00, 0xff }, 6,
	       "an empty string, then two raw bytes");
	pb_free(&p);
}

Test(protobuf, nested_messages_and_packed_fields)
{
	struct pb p;
	size_t m, k;

	pb_init(&p);
	m = pb_open(&p, 3);
	pb_uint(&p, 1, 150);
	pb_close(&p, m);
	expect(&p, (const uint8_t[]){ 0x1a, 0x03, 0x08, 0x96, 0x01 }, 5, "field 3 = { 1: 150 }");
	pb_free(&p);

	/* the packed example of the encoding guide: 3, 270, 86942 */
	m = pb_open(&p, 4);
	pb_raw_varint(&p, 3);
	pb_raw_varint(&p, 270);
	pb_raw_varint(&p, 86942);
	pb_close(&p, m);
	expect(&p, (const uint8_t[]){ 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05 }, 8,
	       "packed 3, 270, 86942");
	pb_free(&p);

	/* a message in a message, and an empty one after it */
	m = pb_open(&p, 1);
	k = pb_open(&p, 2);
	pb_uint(&p, 1, 1);
	pb_close(&p, k);
	pb_close(&p, m);
	m = pb_open(&p, 5);
	pb_close(&p, m);
	expect(&p, (const uint8_t[]){ 0x0a, 0x04, 0x12, 0x02, 0x08, 0x01, 0x2a, 0x00 }, 8,
	       "{ 2: { 1: 1 } }, { }");
	pb_free(&p);
}

Test(protobuf, a_long_body_moves_up_for_a_two_byte_length)
{
	char body[198];
	uint8_t want[6 + sizeof(body)];
	struct pb p;
	size_t m;

	memset(body, 'x', sizeof(body));
	pb_init(&p);
	m = pb_open(&p, 3);
	pb_bytes(&p, 1, body, sizeof(body));	/* 0x0a, 198 (0xc6 0x01), then 198 bytes */
	pb_close(&p, m);
	want[0] = 0x1a;
	want[1] = 0xc9;		/* 201 = 0b1_1001001: 0xc9 0x01 */
	want[2] = 0x01;
	want[3] = 0x0a;
	want[4] = 0xc6;
	want[5] = 0x01;
	memset(want + 6, 'x', sizeof(body));
	expect(&p, want, 6 + sizeof(body), "a 201-byte message");
	pb_free(&p);
}

Test(intern, ids_are_dense_in_order_of_first_sight)
{
	struct intern t;
	bool added;
	size_t len;

	intern_init(&t);
	cr_assert_eq(intern_id(&t, "", 0, &added), 0);
	cr_assert(added);
	cr_assert_eq(intern_id(&t, "main", 4, &added), 1);
	cr_assert(added);
	cr_assert_eq(intern_id(&t, "a\0b", 3, &added), 2, "keys may hold zero bytes");
	cr_assert_eq(intern_id(&t, "a", 1, &added), 3, "a prefix is another key");
	cr_assert_eq(intern_id(&t, "main", 4, &added), 1);
	cr_assert_not(added, "seen before");
	cr_assert_str_eq(intern_key(&t, 1, &len), "main");
	cr_assert_eq(len, 4);
	/* enough keys to grow the table several times, each found again */
	for (int i = 0; i < 100000; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		cr_assert_eq(intern_id(&t, k, strlen(k), NULL), 4 + i);
	}
	for (int i = 0; i < 100000; i += 997) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		cr_assert_eq(intern_id(&t, k, strlen(k), &added), 4 + i);
		cr_assert_not(added);
	}
	cr_assert_eq(t.n, 100004);
	intern_free(&t);
}
