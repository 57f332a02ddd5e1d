// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/duration.h"

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "µs", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	{ "sec", 1000000000 }, { "m", 60000000000ull }, { "min", 60000000000ull },
	{ "h", 3600000000000ull },
};

int duration_parse(const char *s, uint64_t default_unit_ns, uint64_t *ns)
{
	uint64_t unit = default_unit_ns;
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	/* hex floats and "inf"/"nan" are numbers to strtod, not durations to a person */
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -EINVAL;
	if (strpbrk(s, "xXpP"))
		return -EINVAL;
	if (*end) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].name))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		unit = units[i].ns;
	}
	v *= (double)unit;
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*ns = (uint64_t)llround(v);
	return 0;
}

char *duration_format(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		const char *name;
		double ns;
	} f[] = { { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 } };
	double v = (double)ns;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (v >= f[i].ns) {
			double x = v / f[i].ns;

			if (x >= 100)
				snprintf(buf, len, "%.0f %s", x, f[i].name);
			else if (x >= 10)
				snprintf(buf, len, "%.1f %s", x, f[i].name);
			else
				snprintf(buf, len, "%.2f %s", x, f[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	return buf;
}

char *value_format(double v, const char *unit, char *buf, size_t len)
{
	if (!strcmp(unit, "ns"))
		return duration_format(v > 0 ? (uint64_t)llround(v) : 0, buf, len);
	if (!strcmp(unit, "/s"))
		snprintf(buf, len, v >= 100 || v == floor(v) ? "%.0f/s" : "%.1f/s", v);
	else
		snprintf(buf, len, v == floor(v) ? "%.0f" : "%.2f", v);
	return buf;
}
