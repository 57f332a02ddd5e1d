/* Names a traced process controls, shown in a terminal, a folded line or an SVG: bytes that are
 * no UTF-8 and characters that reorder or hide text never reach the reader raw. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/text_escape.h"

Test(text_escape, controls_bidi_and_bad_bytes_are_escaped)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80", "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80" },
		{ "a\nb\\c\x1b[31m", "a\\nb\\\\c\\x1b[31m" },
		{ "del\x7f", "del\\x7f" },
		/* U+202E RIGHT-TO-LEFT OVERRIDE: "gnp.exe" would read "exe.png" */
		{ "evil\xe2\x80\xaegnp.exe", "evil\\u202egnp.exe" },
		{ "\xe2\x81\xa6iso\xe2\x81\xa9", "\\u2066iso\\u2069" },
		{ "zw\xe2\x80\x8bsp", "zw\\u200bsp" },
		{ "c1\xc2\x9b", "c1\\u009b" },
		/* not UTF-8: a lone continuation, an overlong '/', a surrogate, a cut sequence */
		{ "x\x80y", "x\\x80y" },
		{ "\xc0\xaf", "\\xc0\\xaf" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
		{ "cut\xe6\x97", "cut\\xe6\\x97" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[TEXT_ESCAPE_SIZE(64)];

		cr_expect_str_eq(text_escape(cases[i].in, buf, sizeof(buf)), cases[i].want,
				 "case %zu", i);
	}
}

Test(text_escape, a_short_buffer_never_cuts_an_escape)
{
	char buf[12];

	text_escape("ab\xe2\x80\xae\xe2\x80\xae", buf, sizeof(buf));
	cr_assert_str_eq(buf, "ab\\u202e", "%s", buf);
}
