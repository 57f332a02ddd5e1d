/* record's options, made from the collectors' own: names, keys, help. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "core/collector.h"

static const struct option a_opts[] = {
	{ "by", required_argument, NULL, 3001 },
	{ "stacks", optional_argument, NULL, 3002 },
	{ NULL, 0, NULL, 0 },
};

static const struct collector a = {
	.name = "alpha",
	.summary = "the first",
	.doc = "What alpha does.\n\nOptions:\n"
	       "      --by KEY        comm or pid\n"
	       "                      (a second line)\n"
	       "      --stacks[=DUR]  stacks too\n"
	       "\nExamples:\n  tailtrace alpha --by pid\n",
	.options = a_opts,
};

static const struct collector b = {
	.name = "beta",
	.summary = "the second",
	.args_name = "PROBE",
	.doc = "What beta does.\n",
};

static const struct option g_opts[] = {
	{ "rate", required_argument, NULL, 'R' },
	{ NULL, 0, NULL, 0 },
};

static const struct collector g = {
	.name = "gamma",
	.summary = "the third",
	.doc = "What gamma does.\n\nOptions:\n"
	       "  -R, --rate HZ       how often\n",
	.options = g_opts,
	.shortopts = "R:",
};

Test(record_options, names_and_keys)
{
	const struct collector *all[] = { &a, &b };
	struct option o[9];
	char names[8][RECORD_NAME_MAX];
	size_t n = record_options(all, 2, o, 8, names), idx;
	int own;

	cr_assert_eq(n, 4, "--alpha, --alpha-by, --alpha-stacks, --beta");
	cr_assert_str_eq(o[0].name, "alpha");
	cr_assert_eq(o[0].has_arg, no_argument, "alpha takes no positional argument");
	cr_assert_str_eq(o[1].name, "alpha-by");
	cr_assert_eq(o[1].has_arg, required_argument);
	cr_assert_str_eq(o[2].name, "alpha-stacks");
	cr_assert_eq(o[2].has_arg, optional_argument);
	cr_assert_str_eq(o[3].name, "beta");
	cr_assert_eq(o[3].has_arg, required_argument, "--beta PROBE");
	cr_assert_null(o[4].name, "a zero entry ends them");
	cr_assert_eq(record_option_decode(o[3].val, 2, &idx, &own), 0);
	cr_assert_eq(idx, 1);
	cr_assert_eq(own, 0, "--beta enables beta");
	cr_assert_eq(record_option_decode(o[2].val, 2, &idx, &own), 0);
	cr_assert_eq(idx, 0);
	cr_assert_eq(own, 3002, "alpha's own key comes back");
	cr_assert_eq(record_option_decode('p', 2, &idx, &own), -EINVAL);
	cr_assert_eq(record_option_decode((3 << 16) | 1, 2, &idx, &own), -EINVAL,
		     "no third collector");
}

Test(record_options, a_table_too_small_is_cut_not_overrun)
{
	const struct collector *all[] = { &a, &b };
	struct option o[3];
	char names[2][RECORD_NAME_MAX];

	cr_assert_eq(record_options(all, 2, o, 2, names), 2);
	cr_assert_null(o[2].name);
}

Test(record_options, help_renames_the_options)
{
	char doc[1024];

	record_doc(&a, doc, sizeof(doc));
	cr_assert(strstr(doc, "  --alpha\n      the first\n"), "%s", doc);
	cr_assert(strstr(doc, "      --alpha-by KEY        comm or pid\n"), "%s", doc);
	cr_assert(strstr(doc, "                            (a second line)\n"),
		  "a description's next line moves as far as the name did:\n%s", doc);
	cr_assert(strstr(doc, "--alpha-stacks[=DUR]"), "%s", doc);

	cr_assert_null(strstr(doc, "Examples"), "only the options:\n%s", doc);
	record_doc(&b, doc, sizeof(doc));
	cr_assert_str_eq(doc, "  --beta PROBE\n      the second\n");
}

Test(record_options, a_short_option_is_the_command_s_own)
{
	char doc[512];

	record_doc(&g, doc, sizeof(doc));
	cr_assert(strstr(doc, "\n      --gamma-rate HZ       how often\n"),
		  "record knows it by its long name only:\n%s", doc);
	cr_assert_null(strstr(doc, "-R"), "%s", doc);
}
