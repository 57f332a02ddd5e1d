// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "report/emitter.h"
#include "report/intern.h"
#include "report/pprof.h"
#include "report/stack_names.h"

/* Field numbers of profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,

	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,

	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,

	LABEL_KEY = 1,
	LABEL_STR = 2,

	MAPPING_ID = 1,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	MAPPING_HAS_INLINE_FRAMES = 10,

	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,

	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,

	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

/* What the locations of a mapping had, for its has_* flags. */
struct mapping_seen {
	bool unnamed, files, lines, inlined;
	uint64_t count;		/* samples of stacks with a frame in it */
	size_t last;		/* the last stack counted, + 1 */
};

struct builder {
	struct pb *out;
	struct pb locs, funcs;	/* Location and Function messages, in order of first use */
	struct intern strings, functions, mappings, locations;
	struct mapping_seen *seen;
	size_t seen_cap;
	/* The stack metrics, in order: metric m has columns 2m (count) and 2m + 1 (weight). */
	const char **metrics;
	size_t nmetrics;
	size_t nstacks;		/* samples written so far */
	int err;
};

/* The string table's index of s. */
static int64_t str(struct builder *b, const char *s)
{
	int64_t id = intern_id(&b->strings, s, strlen(s), NULL);

	if (id < 0)
		b->err = -ENOMEM;
	return id < 0 ? 0 : id;
}

/* An id (from 1) in t of the key, and whether it is new. */
static uint64_t id_of(struct builder *b, struct intern *t, const void *key, size_t len,
		      bool *added)
{
	int64_t id = intern_id(t, key, len, added);

	if (id < 0) {
		b->err = -ENOMEM;
		*added = false;
		return 0;
	}
	return (uint64_t)id + 1;
}

static uint64_t function_id(struct builder *b, const struct frame *f)
{
	char buf[512], *key;
	const char *name = frame_label(f, buf, sizeof(buf));
	const char *file = f->file ? f->file : "";
	size_t nl = strlen(name), len = 1 + nl + 1 + strlen(file);
	uint64_t id;
	bool added;

	/* a kernel and a user function of one name are two functions */
	key = malloc(len);
	if (!key) {
		b->err = -ENOMEM;
		return 0;
	}
	key[0] = (char)f->kind;
	memcpy(key + 1, name, nl + 1);
	memcpy(key + 2 + nl, file, len - 2 - nl);
	id = id_of(b, &b->functions, key, len, &added);
	free(key);
	if (added) {
		size_t m = pb_open(&b->funcs, PROFILE_FUNCTION);

		pb_uint(&b->funcs, FUNCTION_ID, id);
		pb_int(&b->funcs, FUNCTION_NAME, str(b, name));
		pb_int(&b->funcs, FUNCTION_SYSTEM_NAME, str(b, name));
		if (f->file)
			pb_int(&b->funcs, FUNCTION_FILENAME, str(b, f->file));
		pb_close(&b->funcs, m);
	}
	return id;
}

/* A mapping per module and build id. Its addresses are left out: a library sits at another
 * address in each process, and the frames are symbolized already. 0: no module. */
static uint64_t mapping_id(struct builder *b, const struct frame *f)
{
	const char *bid = f->build_id ? f->build_id : "";
	size_t ml, len;
	uint64_t id;
	bool added;
	char *key;

	if (!f->module)
		return 0;
	ml = strlen(f->module);
	len = ml + 1 + strlen(bid);
	key = malloc(len);
	if (!key) {
		b->err = -ENOMEM;
		return 0;
	}
	memcpy(key, f->module, ml + 1);
	memcpy(key + ml + 1, bid, len - ml - 1);
	id = id_of(b, &b->mappings, key, len, &added);
	free(key);
	if (added) {
		size_t n = b->mappings.n;

		if (n > b->seen_cap) {
			size_t cap = b->seen_cap ? b->seen_cap * 2 : 64;
			struct mapping_seen *s = realloc(b->seen, cap * sizeof(*s));

			if (!s) {
				b->err = -ENOMEM;
				return 0;
			}
			b->seen = s;
			b->seen_cap = cap;
		}
		memset(&b->seen[n - 1], 0, sizeof(b->seen[0]));
	}
	return id;
}

/*
 * The location of frames[0..n): the functions inlined at one address (each inlined into the
 * next), innermost first, and the function that holds the address last, as pprof's Lines of
 * one Location are.
 */
static uint64_t location_id(struct builder *b, const struct frame *frames, size_t n)
{
	const struct frame *outer = &frames[n - 1];
	uint64_t *key = malloc((2 + 2 * n) * sizeof(*key)), mid = mapping_id(b, outer), id = 0;
	size_t len = 0;
	bool added;

	if (!key) {
		b->err = -ENOMEM;
		return 0;
	}
	key[len++] = mid;
	key[len++] = outer->addr;
	for (size_t i = 0; i < n; i++) {
		key[len++] = function_id(b, &frames[i]);
		key[len++] = frames[i].line;
	}
	if (!b->err)
		id = id_of(b, &b->locations, key, len * sizeof(key[0]), &added);
	if (!b->err && added) {
		size_t m = pb_open(&b->locs, PROFILE_LOCATION);

		pb_uint(&b->locs, LOCATION_ID, id);
		if (mid)
			pb_uint(&b->locs, LOCATION_MAPPING_ID, mid);
		pb_uint(&b->locs, LOCATION_ADDRESS, outer->addr);
		for (size_t i = 0; i < n; i++) {
			size_t l = pb_open(&b->locs, LOCATION_LINE);

			pb_uint(&b->locs, LINE_FUNCTION_ID, key[2 + 2 * i]);
			if (frames[i].line)
				pb_int(&b->locs, LINE_LINE, frames[i].line);
			pb_close(&b->locs, l);
		}
		pb_close(&b->locs, m);
		if (mid) {
			struct mapping_seen *s = &b->seen[mid - 1];

			for (size_t i = 0; i < n; i++) {
				s->unnamed |= !frames[i].symbol;
				s->files |= !!frames[i].file;
				s->lines |= frames[i].line != 0;
				s->inlined |= frames[i].inlined;
			}
		}
	}
	free(key);
	return id;
}

static void value_type(struct builder *b, uint32_t field, const char *type, const char *unit)
{
	size_t m = pb_open(b->out, field);

	pb_int(b->out, VALUE_TYPE_TYPE, str(b, type));
	pb_int(b->out, VALUE_TYPE_UNIT, str(b, unit));
	pb_close(b->out, m);
}

static void label(struct builder *b, const char *key, const char *value)
{
	size_t m = pb_open(b->out, SAMPLE_LABEL);

	pb_int(b->out, LABEL_KEY, str(b, key));
	pb_int(b->out, LABEL_STR, str(b, value));
	pb_close(b->out, m);
}

static size_t metric_index(const struct builder *b, const char *metric)
{
	size_t m = 0;

	while (m < b->nmetrics && strcmp(b->metrics[m], metric))
		m++;
	return m;
}

static int64_t clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* One Sample: its locations leaf first, a value per column (its own two, zero elsewhere),
 * the labels of the stack and of its series. */
static void sample(struct builder *b, const struct series *se, const struct stack *st)
{
	size_t col = 2 * metric_index(b, se->metric), m, packed;
	uint64_t *ids = calloc(st->nframes + 1, sizeof(*ids));
	size_t nids = 0;

	if (!ids) {
		b->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < st->nframes && !b->err;) {
		size_t j = i;

		while (j + 1 < st->nframes && st->frames[j].inlined)
			j++;
		ids[nids++] = location_id(b, &st->frames[i], j + 1 - i);
		{
			uint64_t mid = mapping_id(b, &st->frames[j]);

			/* each stack counts once per mapping */
			if (mid && b->seen[mid - 1].last != b->nstacks + 1) {
				b->seen[mid - 1].last = b->nstacks + 1;
				b->seen[mid - 1].count += st->count;
			}
		}
		i = j + 1;
	}
	b->nstacks++;
	m = pb_open(b->out, PROFILE_SAMPLE);
	packed = pb_open(b->out, SAMPLE_LOCATION_ID);
	for (size_t i = 0; i < nids; i++)
		pb_raw_varint(b->out, ids[i]);
	pb_close(b->out, packed);
	packed = pb_open(b->out, SAMPLE_VALUE);
	for (size_t c = 0; c < 2 * b->nmetrics; c++)
		pb_raw_varint(b->out, (uint64_t)(c == col ? clamp(st->count) :
					       c == col + 1 ? clamp(st->value) : 0));
	pb_close(b->out, packed);
	for (size_t l = 0; l < st->labels.n; l++)
		label(b, st->labels.v[l].key, st->labels.v[l].value);
	for (size_t l = 0; l < se->labels.n; l++)
		label(b, se->labels.v[l].key, se->labels.v[l].value);
	pb_close(b->out, m);
	free(ids);
}

/* The weight of one sample when every stack of a sampled metric weighs a whole multiple of
 * its count by one factor (the sampling period), else 0. Blocks or calls have no period. */
static uint64_t period_of(const struct snapshot *s, const char *metric)
{
	uint64_t period = 0;

	if (strcmp(stack_count_name(metric), "samples"))
		return 0;

	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];

		if (se->kind != SERIES_STACKS || strcmp(se->metric, metric))
			continue;
		for (size_t k = 0; k < se->nstacks; k++) {
			const struct stack *st = &se->stacks[k];

			if (!st->count || st->value % st->count ||
			    (period && st->value / st->count != period))
				return 0;
			period = st->value / st->count;
		}
	}
	return period;
}

static void header(struct builder *b, const struct snapshot *s)
{
	char c[512];

	if (b->nmetrics) {
		const struct series *first = NULL;

		for (size_t i = 0; i < s->nseries && !first; i++)
			if (s->series[i].kind == SERIES_STACKS)
				first = &s->series[i];
		value_type(b, PROFILE_PERIOD_TYPE, stack_weight_name(first->metric),
			   stack_unit_name(first->unit));
		pb_int(b->out, PROFILE_PERIOD, clamp(period_of(s, first->metric)));
		pb_int(b->out, PROFILE_DEFAULT_SAMPLE_TYPE, str(b, stack_weight_name(first->metric)));
	}
	pb_int(b->out, PROFILE_TIME_NANOS, clamp(s->start_unix_ns));
	pb_int(b->out, PROFILE_DURATION_NANOS, clamp(s->duration_ns));
	snprintf(c, sizeof(c), "tailtrace %s%s%s%s%s", s->command, s->host[0] ? " on " : "",
		 s->host, s->kernel[0] ? ", Linux " : "", s->kernel);
	pb_int(b->out, PROFILE_COMMENT, str(b, c));
	for (size_t i = 0; i < s->ndrops; i++) {
		if (!s->drops[i].count)
			continue;
		snprintf(c, sizeof(c), "not recorded: %s %llu", s->drops[i].name,
			 (unsigned long long)s->drops[i].count);
		pb_int(b->out, PROFILE_COMMENT, str(b, c));
	}
}

/* Whether a mapping's file is a program's, not a library (libz.so.1) nor the kernel's. */
static bool is_program(const char *file)
{
	const char *base = strrchr(file, '/');

	return file[0] == '/' && !strstr(base ? base : file, ".so");
}

/* pprof takes the first mapping for the profile's main binary ("File:" in its header): the
 * program found in the most samples, else the mapping found in the most. */
static size_t main_mapping(const struct builder *b)
{
	size_t best = 0;
	bool prog = false;

	for (size_t i = 0; i < b->mappings.n; i++) {
		bool p = is_program(intern_key(&b->mappings, i, NULL));

		if ((p && !prog) || (p == prog && b->seen[i].count > b->seen[best].count)) {
			best = i;
			prog = p;
		}
	}
	return best;
}

static void mappings(struct builder *b)
{
	size_t first = b->mappings.n ? main_mapping(b) : 0;

	for (size_t k = 0; k < b->mappings.n; k++) {
		size_t i = !k ? first : k <= first ? k - 1 : k;
		const char *key = intern_key(&b->mappings, i, NULL);
		const struct mapping_seen *s = &b->seen[i];
		size_t m = pb_open(b->out, PROFILE_MAPPING);

		pb_uint(b->out, MAPPING_ID, i + 1);
		pb_int(b->out, MAPPING_FILENAME, str(b, key));
		if (key[strlen(key) + 1])
			pb_int(b->out, MAPPING_BUILD_ID, str(b, key + strlen(key) + 1));
		pb_bool(b->out, MAPPING_HAS_FUNCTIONS, !s->unnamed);
		if (s->files)
			pb_bool(b->out, MAPPING_HAS_FILENAMES, true);
		if (s->lines)
			pb_bool(b->out, MAPPING_HAS_LINE_NUMBERS, true);
		if (s->inlined)
			pb_bool(b->out, MAPPING_HAS_INLINE_FRAMES, true);
		pb_close(b->out, m);
	}
}

/* Messages already framed, copied as they are. */
static void append(struct builder *b, const struct pb *part)
{
	if (part->err)
		b->err = part->err;
	else
		pb_raw(b->out, part->buf, part->len);
}

int pprof_encode(const struct snapshot *s, struct pb *out)
{
	struct builder b = { .out = out };
	int err;

	pb_init(out);
	pb_init(&b.locs);
	pb_init(&b.funcs);
	intern_init(&b.strings);
	intern_init(&b.functions);
	intern_init(&b.mappings);
	intern_init(&b.locations);
	str(&b, "");		/* index 0 is the empty string */
	b.metrics = calloc(s->nseries + 1, sizeof(*b.metrics));
	if (!b.metrics)
		b.err = -ENOMEM;
	for (size_t i = 0; i < s->nseries && !b.err; i++) {
		const struct series *se = &s->series[i];

		if (se->kind != SERIES_STACKS || metric_index(&b, se->metric) < b.nmetrics)
			continue;
		b.metrics[b.nmetrics++] = se->metric;
		/* pprof picks a column by its name: two metrics must not share one */
		if (!strcmp(stack_count_name(se->metric), "count")) {
			char name[256];

			snprintf(name, sizeof(name), "%s.count", se->metric);
			value_type(&b, PROFILE_SAMPLE_TYPE, name, "count");
		} else {
			value_type(&b, PROFILE_SAMPLE_TYPE, stack_count_name(se->metric), "count");
		}
		value_type(&b, PROFILE_SAMPLE_TYPE, stack_weight_name(se->metric),
			   stack_unit_name(se->unit));
	}
	for (size_t i = 0; i < s->nseries && !b.err; i++)
		for (size_t k = 0; s->series[i].kind == SERIES_STACKS && k < s->series[i].nstacks &&
				   !b.err; k++)
			sample(&b, &s->series[i], &s->series[i].stacks[k]);
	if (!b.err)
		header(&b, s);
	if (!b.err)
		mappings(&b);
	append(&b, &b.locs);
	append(&b, &b.funcs);
	for (size_t i = 0; i < b.strings.n && !b.err; i++) {
		size_t len;
		const char *k = intern_key(&b.strings, i, &len);

		pb_bytes(out, PROFILE_STRING_TABLE, k, len);
	}
	err = b.err ? b.err : pb_error(out);
	free(b.metrics);
	free(b.seen);
	pb_free(&b.locs);
	pb_free(&b.funcs);
	intern_free(&b.strings);
	intern_free(&b.functions);
	intern_free(&b.mappings);
	intern_free(&b.locations);
	if (err)
		pb_free(out);
	return err;
}

/* gzip of buf to f, as pprof readers expect it (a gzip member: deflate with its header). */
static int gzip_write(FILE *f, const uint8_t *buf, size_t len)
{
	unsigned char chunk[16384];
	z_stream z = { 0 };
	int ret, err = 0;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)buf;
	do {
		/* avail_in is 32 bits: a bigger buffer goes in pieces */
		size_t done = (size_t)(z.next_in - buf);
		size_t left = len - done;

		if (!z.avail_in)
			z.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		ret = deflate(&z, z.avail_in == left ? Z_FINISH : Z_NO_FLUSH);
		if (ret == Z_STREAM_ERROR) {
			err = -EINVAL;
			break;
		}
		if (fwrite(chunk, 1, sizeof(chunk) - z.avail_out, f) != sizeof(chunk) - z.avail_out) {
			err = -EIO;
			break;
		}
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
	return err;
}

/* Every stack series as one profile: a count and a weight column per metric. */
int report_pprof_write(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	struct pb p;
	int err;

	(void)o;
	err = pprof_encode(s, &p);
	if (!err)
		err = gzip_write(f, p.buf, p.len);
	pb_free(&p);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
