// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "report/emitter.h"
#include "report/folded.h"
#include "report/json.h"
#include "report/markdown.h"
#include "report/pprof.h"
#include "report/svg.h"
#include "report/text.h"

static int write_json(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	(void)o;
	return report_json_write(f, s, true);
}

static int write_ndjson(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	(void)o;
	return report_json_write(f, s, false);
}

static const struct emitter emitters[] = {
	{ .name = "text", .ext = ".txt", .streams = true, .write = report_text_write,
	  .event = report_text_event },
	{ .name = "json", .ext = ".json", .write = write_json },
	{ .name = "ndjson", .ext = ".ndjson", .streams = true, .write = write_ndjson },
	{ .name = "folded", .ext = ".folded", .stacks_only = true, .write = report_folded_write },
	{ .name = "markdown", .ext = ".md", .write = report_markdown_write },
	{ .name = "svg", .ext = ".svg", .stacks_only = true, .write = report_svg_write },
	{ .name = "pprof", .ext = ".pb.gz", .ext2 = ".pprof", .stacks_only = true,
	  .binary = true, .write = report_pprof_write },
};
#define NEMITTERS (sizeof(emitters) / sizeof(emitters[0]))

const struct emitter *emitter_find(const char *name)
{
	for (size_t i = 0; i < NEMITTERS; i++)
		if (!strcmp(emitters[i].name, name))
			return &emitters[i];
	return NULL;
}

const struct emitter *emitter_for_path(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < NEMITTERS; i++) {
		const char *exts[] = { emitters[i].ext, emitters[i].ext2 };

		for (size_t k = 0; k < 2 && exts[k]; k++) {
			size_t e = strlen(exts[k]);

			if (n > e && !strcmp(path + n - e, exts[k]))
				return &emitters[i];
		}
	}
	return emitter_find("json");
}

const char *emitter_names(void)
{
	static char names[128];
	size_t n = 0;

	if (names[0])
		return names;
	for (size_t i = 0; i < NEMITTERS; i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
				      i == 0 ? "" : i + 1 == NEMITTERS ? " or " : ", ",
				      emitters[i].name);
	return names;
}
