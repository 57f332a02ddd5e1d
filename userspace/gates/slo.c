// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/safe_open.h"
#include "gates/slo.h"
#include "model/duration.h"
#include "model/histogram.h"
#include "model/text_escape.h"

struct parser {
	const char *s;		/* the expression, trimmed */
	size_t p;
	char *err;
	size_t errlen;
};

/* "at character N: ..." (N counted from 1); returns -EINVAL. */
static int __attribute__((format(printf, 2, 3))) fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "at character %zu: ", ps->p + 1);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void blanks(struct parser *ps)
{
	while (ps->s[ps->p] == ' ' || ps->s[ps->p] == '\t')
		ps->p++;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* A run of name characters as a new string; NULL with *len 0 when there is none. */
static char *take_name(struct parser *ps, size_t *len)
{
	size_t start = ps->p;

	while (name_char(ps->s[ps->p]))
		ps->p++;
	*len = ps->p - start;
	return *len ? strndup(ps->s + start, *len) : NULL;
}

/* A word with its first character kept visible in messages: what was found there. */
static const char *found(const struct parser *ps, char *buf, size_t len)
{
	char raw[24], esc[TEXT_ESCAPE_SIZE(24)];

	if (!ps->s[ps->p])
		return "the end";
	snprintf(raw, sizeof(raw), "%.20s", ps->s + ps->p);
	snprintf(buf, len, "'%s'", text_escape(raw, esc, sizeof(esc)));
	return buf;
}

static int parse_matchers(struct parser *ps, struct slo *o)
{
	char what[128];
	size_t len;

	ps->p++;	/* '{' */
	for (;;) {
		size_t start;

		blanks(ps);
		if (o->nm == SLO_MAX_MATCHERS)
			return fail(ps, "at most %d label matchers", SLO_MAX_MATCHERS);
		o->m[o->nm].key = take_name(ps, &len);
		if (!len)
			return fail(ps, "expected a label name (func, comm, ...), found %s",
				    found(ps, what, sizeof(what)));
		if (!o->m[o->nm].key)
			return -ENOMEM;
		blanks(ps);
		if (ps->s[ps->p] != '=') {
			free(o->m[o->nm].key);
			o->m[o->nm].key = NULL;
			return fail(ps, "expected '=' after the label name, found %s",
				    found(ps, what, sizeof(what)));
		}
		ps->p++;
		blanks(ps);
		start = ps->p;
		while (ps->s[ps->p] && ps->s[ps->p] != ',' && ps->s[ps->p] != '}')
			ps->p++;
		len = ps->p - start;
		while (len && (ps->s[start + len - 1] == ' ' || ps->s[start + len - 1] == '\t'))
			len--;
		o->m[o->nm].value = strndup(ps->s + start, len);
		if (!o->m[o->nm].value) {
			free(o->m[o->nm].key);
			o->m[o->nm].key = NULL;
			return -ENOMEM;
		}
		o->nm++;
		if (!len)
			return fail(ps, "the label %s has no value", o->m[o->nm - 1].key);
		if (ps->s[ps->p] == '}') {
			ps->p++;
			return 0;
		}
		if (!ps->s[ps->p])
			return fail(ps, "expected '}' to close the label matchers");
		ps->p++;	/* ',' */
	}
}

static const char stat_list[] = "count, rate, total, mean, min, max or a quantile (p50, p90, "
				"p99, p99.9)";

static int parse_stat(struct parser *ps, struct slo *o)
{
	static const struct {
		const char *name;
		enum slo_stat stat;
	} names[] = {
		{ "count", SLO_COUNT }, { "rate", SLO_RATE }, { "total", SLO_TOTAL },
		{ "mean", SLO_MEAN }, { "min", SLO_MIN }, { "max", SLO_MAX },
	};
	size_t start = ps->p, len;
	char word[16], *end;
	double pct;

	while (isalnum((unsigned char)ps->s[ps->p]) || ps->s[ps->p] == '.')
		ps->p++;
	len = ps->p - start;
	if (!len || len >= sizeof(word)) {
		ps->p = start;
		return fail(ps, "expected a statistic: %s", stat_list);
	}
	memcpy(word, ps->s + start, len);
	word[len] = 0;
	snprintf(o->stat_name, sizeof(o->stat_name), "%s", word);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(word, names[i].name)) {
			o->stat = names[i].stat;
			return 0;
		}
	}
	/* pNN: any quantile the histograms hold, p999 as the JSON report spells p99.9 */
	if (word[0] == 'p' && isdigit((unsigned char)word[1])) {
		if (!strcmp(word, "p999"))
			snprintf(word, sizeof(word), "p99.9");
		errno = 0;
		pct = strtod(word + 1, &end);
		if (!*end && !errno && pct > 0 && pct < 100 && !strpbrk(word, "eExX")) {
			o->stat = SLO_QUANTILE;
			o->q = pct / 100;
			snprintf(o->stat_name, sizeof(o->stat_name), "%s", word);
			return 0;
		}
	}
	ps->p = start;
	return fail(ps, "unknown statistic '%s': use %s", word, stat_list);
}

static int parse_bound(struct parser *ps, struct slo *o)
{
	size_t start = ps->p, len;
	char word[64], *end;
	uint64_t ns;
	int err;

	while (ps->s[ps->p] && ps->s[ps->p] != ' ' && ps->s[ps->p] != '\t')
		ps->p++;
	len = ps->p - start;
	ps->p = start;
	if (!len)
		return fail(ps, "expected a bound after the comparison (2ms, 50)");
	if (len >= sizeof(word))
		return fail(ps, "the bound is too long");
	memcpy(word, ps->s + start, len);
	word[len] = 0;
	switch (o->stat) {
	case SLO_COUNT:
	case SLO_RATE:
		if (o->stat == SLO_RATE && len > 2 && !strcmp(word + len - 2, "/s"))
			word[len - 2] = 0;
		errno = 0;
		o->bound = strtod(word, &end);
		if (!isdigit((unsigned char)word[0]) || *end || errno || !isfinite(o->bound) ||
		    strpbrk(word, "xX"))
			return fail(ps, "%s needs a plain number as its bound (%s), found '%s'",
				    o->stat_name, o->stat == SLO_RATE ? "rate>=100 or rate>=100/s" :
				    "count>=50", word);
		break;
	default:
		if (isdigit((unsigned char)word[len - 1])) {
			/* "5 us": the unit a word of its own */
			size_t u = start + len, ulen;

			while (ps->s[u] == ' ' || ps->s[u] == '\t')
				u++;
			for (ulen = 0; isalpha((unsigned char)ps->s[u + ulen]); ulen++)
				;
			if (ulen && ulen <= 2 && len + ulen < sizeof(word) &&
			    (!ps->s[u + ulen] || ps->s[u + ulen] == ' ' || ps->s[u + ulen] == '\t')) {
				memcpy(word + len, ps->s + u, ulen);
				word[len + ulen] = 0;
				len = u + ulen - start;
			}
		}
		if (isdigit((unsigned char)word[strlen(word) - 1]))
			return fail(ps, "%s is a time: give the bound a unit (ns, us, ms, s), as "
				    "in %s<2ms", o->stat_name, o->stat_name);
		err = duration_parse(word, 1, &ns);
		if (err)
			return fail(ps, "invalid duration '%s': use a number and a unit (ns, us, ms, "
				    "s, m), e.g. 500us", word);
		o->bound = (double)ns;
		break;
	}
	ps->p += len;
	return 0;
}

int slo_parse(const char *expr, struct slo *out, char *err, size_t errlen)
{
	struct parser ps = { .err = err, .errlen = errlen };
	size_t len, n = strlen(expr);
	char what[128];
	int ret;

	memset(out, 0, sizeof(*out));
	while (*expr == ' ' || *expr == '\t')
		expr++, n--;
	while (n && (expr[n - 1] == ' ' || expr[n - 1] == '\t' || expr[n - 1] == '\r'))
		n--;
	out->text = strndup(expr, n);
	if (!out->text)
		return -ENOMEM;
	ps.s = out->text;
	if (!*ps.s) {
		ret = fail(&ps, "empty objective: write METRIC[{LABEL=VALUE}]:STAT<BOUND, e.g. "
			   "func.latency:p99<2ms");
		goto out;
	}
	out->metric = take_name(&ps, &len);
	ret = len ? (out->metric ? 0 : -ENOMEM) :
	      fail(&ps, "expected a metric name (func.latency, sched.runq_latency, ...), found %s",
		   found(&ps, what, sizeof(what)));
	if (!ret && ps.s[ps.p] == '{')
		ret = parse_matchers(&ps, out);
	if (!ret) {
		blanks(&ps);
		if (ps.s[ps.p] != ':')
			ret = fail(&ps, "expected ':' and a statistic after the metric, found %s",
				   found(&ps, what, sizeof(what)));
		else
			ps.p++;
	}
	if (!ret) {
		blanks(&ps);
		ret = parse_stat(&ps, out);
	}
	if (!ret) {
		blanks(&ps);
		if (ps.s[ps.p] == '<' || ps.s[ps.p] == '>') {
			bool eq = ps.s[ps.p + 1] == '=';

			out->op = ps.s[ps.p] == '<' ? (eq ? SLO_LE : SLO_LT) : (eq ? SLO_GE : SLO_GT);
			ps.p += eq ? 2 : 1;
		} else {
			ret = fail(&ps, "expected a comparison (<, <=, > or >=) after the statistic, "
				   "found %s", found(&ps, what, sizeof(what)));
		}
	}
	if (!ret) {
		blanks(&ps);
		ret = parse_bound(&ps, out);
	}
	if (!ret) {
		blanks(&ps);
		if (ps.s[ps.p])
			ret = fail(&ps, "unexpected %s after the bound", found(&ps, what,
									   sizeof(what)));
	}
out:
	if (ret)
		slo_free(out);
	return ret;
}

void slo_free(struct slo *o)
{
	free(o->text);
	free(o->metric);
	for (size_t i = 0; i < o->nm; i++) {
		free(o->m[i].key);
		free(o->m[i].value);
	}
	memset(o, 0, sizeof(*o));
}

int slo_set_add(struct slo_set *set, const char *expr, char *err, size_t errlen)
{
	struct slo *v = realloc(set->v, (set->n + 1) * sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	set->v = v;
	ret = slo_parse(expr, &v[set->n], err, errlen);
	if (!ret)
		set->n++;
	return ret;
}

int slo_set_load(struct slo_set *set, const char *path, char *err, size_t errlen)
{
	char *text, *line, *next, msg[256];
	struct stat st;
	size_t lineno = 0, used;
	ssize_t got = 0;
	int fd, ret = 0;

	fd = safe_open(path, SLO_FILE_MAX, &st);
	if (fd < 0) {
		const char *kind = safe_open_kind(fd);

		if (fd == -EFBIG)
			snprintf(err, errlen, "%s: larger than %u bytes, too large for a file of "
				 "objectives", path, SLO_FILE_MAX);
		else
			snprintf(err, errlen, "%s: %s", path, kind ? kind : strerror(-fd));
		return fd;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	/* st_size bounds what is read: a file that grows meanwhile is read as it was */
	for (used = 0; used < (size_t)st.st_size; used += (size_t)got) {
		got = read(fd, text + used, (size_t)st.st_size - used);
		if (got <= 0)
			break;
	}
	ret = got < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		free(text);
		return ret;
	}
	text[used] = 0;
	if (strlen(text) != used) {
		snprintf(err, errlen, "%s: a NUL byte: not a text file of objectives", path);
		free(text);
		return -EINVAL;
	}
	for (line = text; line && !ret; line = next) {
		char *hash;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		if (!line[strspn(line, " \t\r")])
			continue;
		ret = slo_set_add(set, line, msg, sizeof(msg));
		if (ret == -EINVAL)
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, msg);
	}
	free(text);
	return ret;
}

void slo_set_free(struct slo_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		slo_free(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

bool slo_per_interval(const struct slo *o)
{
	return !((o->stat == SLO_COUNT || o->stat == SLO_TOTAL) &&
		 (o->op == SLO_GT || o->op == SLO_GE));
}

static bool series_matches(const struct slo *o, const struct series *se)
{
	if (se->kind == SERIES_STACKS || strcmp(se->metric, o->metric))
		return false;
	for (size_t i = 0; i < o->nm; i++) {
		const char *v = labels_get(&se->labels, o->m[i].key);

		if (!v || fnmatch(o->m[i].value, v, 0))
			return false;
	}
	return true;
}

static const char *unit_of(const struct slo *o)
{
	return o->stat == SLO_COUNT ? "count" : o->stat == SLO_RATE ? "/s" : "ns";
}

/* The statistic of se; false with *note when it has none. */
static bool measure(const struct slo *o, const struct snapshot *s, const struct series *se,
		    double *v, const char **note)
{
	double scale = s->sampling > 1 ? s->sampling : 1, secs = s->duration_ns / 1e9;
	double count = se->kind == SERIES_HIST ? (double)se->hist->count * scale :
					      (double)se->value;

	switch (o->stat) {
	case SLO_COUNT:
		*v = count;
		return true;
	case SLO_RATE:
		if (!s->duration_ns) {
			*note = "the run lasted no time: no rate";
			return false;
		}
		*v = count / secs;
		return true;
	default:
		break;
	}
	if (se->kind != SERIES_HIST) {
		*note = "a counter: only count and rate apply";
		return false;
	}
	if (o->stat == SLO_TOTAL) {
		*v = (double)se->hist->sum * scale;
		return true;
	}
	if (!se->hist->count) {
		*note = "no samples";
		return false;
	}
	switch (o->stat) {
	case SLO_MEAN: *v = hist_mean(se->hist); break;
	case SLO_MIN: *v = (double)hist_min(se->hist); break;
	case SLO_MAX: *v = (double)se->hist->max; break;
	default: *v = (double)hist_quantile(se->hist, o->q); break;
	}
	return true;
}

static bool holds(const struct slo *o, double v)
{
	switch (o->op) {
	case SLO_LT: return v < o->bound;
	case SLO_LE: return v <= o->bound;
	case SLO_GT: return v > o->bound;
	default: return v >= o->bound;
	}
}

static int add_check(struct snapshot *s, const struct slo *o, struct check **c,
		     const char *note)
{
	if (snapshot_add_check(s, o->text, o->stat_name, unit_of(o), c))
		return -ENOMEM;
	(*c)->bound = o->bound;
	if (note && !((*c)->note = strdup(note)))
		return -ENOMEM;
	return 0;
}

/* The check of an objective that matched nothing: what there is instead. */
static int add_unmatched(struct snapshot *s, const struct slo *o)
{
	bool metric_seen = false;
	char note[256];
	struct check *c;

	for (size_t i = 0; i < s->nseries && !metric_seen; i++)
		metric_seen = s->series[i].kind != SERIES_STACKS &&
			      !strcmp(s->series[i].metric, o->metric);
	if (metric_seen)
		snprintf(note, sizeof(note), "no series of %s has these labels", o->metric);
	else
		snprintf(note, sizeof(note), "no series of %s in this run", o->metric);
	return add_check(s, o, &c, note);
}

int slo_evaluate(const struct slo_set *set, struct snapshot *s)
{
	for (size_t k = 0; k < set->n; k++) {
		const struct slo *o = &set->v[k];
		size_t matched = 0, nseries = s->nseries;

		for (size_t i = 0; i < nseries; i++) {
			const struct series *se = &s->series[i];
			const char *note = NULL;
			struct check *c;
			double v = 0;

			if (!series_matches(o, se))
				continue;
			matched++;
			if (add_check(s, o, &c, NULL))
				return -ENOMEM;
			c->have = measure(o, s, se, &v, &note);
			c->value = v;
			c->passed = c->have && holds(o, v);
			if (note && !(c->note = strdup(note)))
				return -ENOMEM;
			for (size_t l = 0; l < se->labels.n; l++)
				if (check_add_label(c, se->labels.v[l].key, se->labels.v[l].value))
					return -ENOMEM;
		}
		if (!matched && add_unmatched(s, o))
			return -ENOMEM;
	}
	return 0;
}

const char *slo_check_text(const struct check *c, char *buf, size_t len)
{
	char v[32], labels[256] = "", e[TEXT_ESCAPE_SIZE(64)], obj[TEXT_ESCAPE_SIZE(96)];
	size_t n = 0;

	for (size_t i = 0; i < c->labels.n && n < sizeof(labels); i++)
		n += (size_t)snprintf(labels + n, sizeof(labels) - n, "%s%s=%s", i ? ", " : " (",
				      c->labels.v[i].key, text_escape(c->labels.v[i].value, e,
								     sizeof(e)));
	if (n && n < sizeof(labels))
		snprintf(labels + n, sizeof(labels) - n, ")");
	text_escape(c->objective, obj, sizeof(obj));
	if (c->have)
		snprintf(buf, len, "%s: %s %s%s", obj, c->stat,
			 value_format(c->value, c->unit, v, sizeof(v)), labels);
	else
		snprintf(buf, len, "%s: %s%s", obj, c->note ? c->note : "no value", labels);
	return buf;
}
