/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TAILTRACE_DURATION_H
#define TAILTRACE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* "250us", "1.5ms", "5s", "2m", "100ns", "10" (bare number: default_unit_ns per unit).
 * 0 and *ns set, or -EINVAL (not a duration, negative, unknown unit) / -ERANGE (too big). */
int duration_parse(const char *s, uint64_t default_unit_ns, uint64_t *ns);
/* Three significant digits and the unit that keeps the number in [1, 1000): "1.23 ms". */
char *duration_format(uint64_t ns, char *buf, size_t len);

/* A value in its unit for a person: "ns" as a duration ("3.10 ms"), "/s" as a rate
 * ("12.5/s"), anything else as a number ("52"). Returns buf. */
char *value_format(double v, const char *unit, char *buf, size_t len);

#endif
