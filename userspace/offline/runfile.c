// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/msg.h"
#include "core/safe_open.h"
#include "json/json_parse.h"
#include "offline/runfile.h"
#include "report/json.h"

/* The whole of fd, at most max bytes: a buffer with a NUL after the *len bytes, or NULL
 * with errno set (EFBIG past max). */
static char *read_all(int fd, uint64_t max, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1), *p;
	ssize_t got;

	if (!buf)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap = cap * 2 > max ? (size_t)max : cap * 2;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* What the parser's complaint means for a file that was meant to be a run. */
static void say_parse_error(const char *path, const char *text, size_t len, const char *err)
{
	size_t i = strspn(text, " \t\r\n");

	if (i == len) {
		msg_error("%s: empty: not a tailtrace run; give a run saved with -o FILE.json",
			  path);
	} else if (text[i] != '{' && text[i] != '[') {
		/* a text or folded report saved with -o run.txt: not readable back */
		msg_error("%s: not a tailtrace run (not JSON: it begins with '%.12s'); give a run "
			  "saved as JSON (-o FILE.json; .txt, .md and .folded files cannot be read "
			  "back)", path, text + i);
	} else if (strstr(err, "found end of input") || strstr(err, "unterminated string")) {
		msg_error("%s: truncated JSON (%s): the run was cut short; save it again, or "
			  "give the whole file", path, err);
	} else {
		msg_error("%s: not valid JSON (%s); give a run saved with -o FILE.json", path,
			  err);
	}
}

/* A JSON document that is not a run of this version: what it is, and what to do. 1 when
 * it was said. */
static int say_not_a_run(const char *path, const struct json_value *doc)
{
	const struct json_value *schema = json_get(doc, "schema");
	const char *tool = json_as_string(json_get(doc, "tool"), NULL);
	uint64_t v;

	if (doc->type != JSON_OBJECT || (!schema && (!tool || strcmp(tool, "tailtrace")))) {
		msg_error("%s: not a tailtrace run (a JSON %s without \"schema\" and \"tool\": "
			  "\"tailtrace\"); give a run saved with -o FILE.json", path,
			  json_type_name(doc->type));
		return 1;
	}
	if (schema && !json_as_u64(schema, &v) && v > MODEL_SCHEMA) {
		msg_error("%s: written by a newer tailtrace (schema %llu; this one reads schema "
			  "%d); read it with that version, or upgrade", path,
			  (unsigned long long)v, MODEL_SCHEMA);
		return 1;
	}
	return 0;
}

int runfile_load(const char *path, struct snapshot *out)
{
	bool std_in = !strcmp(path, "-");
	const char *name = std_in ? "standard input" : path;
	struct json_value *doc;
	char err[512], *text;
	size_t len = 0;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = std_in ? 0 : safe_open(path, RUNFILE_MAX, NULL);
	if (fd < 0) {
		const char *kind = safe_open_kind(fd);

		if (fd == -EFBIG)
			msg_error("%s: larger than %llu MiB: no run tailtrace saves is that large; "
				  "give a run saved with -o FILE.json", name, RUNFILE_MAX >> 20);
		else if (kind)
			msg_error("%s: %s, not a file; give a run saved with -o FILE.json", name,
				  kind);
		else
			msg_error("%s: %s; give the path of a run saved with -o FILE.json", name,
				  strerror(-fd));
		return -1;
	}
	text = read_all(fd, RUNFILE_MAX, &len);
	if (!std_in)
		close(fd);
	if (!text) {
		if (errno == EFBIG)
			msg_error("%s: larger than %llu MiB: no run tailtrace saves is that large; "
				  "give a run saved with -o FILE.json", name, RUNFILE_MAX >> 20);
		else
			msg_error("%s: cannot read it: %s; check the file and try again", name,
				  strerror(errno));
		return -1;
	}
	/* the parser tells the kind of document apart before the model reads it */
	doc = json_parse(text, len, err, sizeof(err));
	if (!doc) {
		if (errno == ENOMEM)
			msg_error("%s: out of memory reading it; free some memory", name);
		else
			say_parse_error(name, text, len, err);
		free(text);
		return -1;
	}
	/* the text is no longer needed: the tree holds it all */
	free(text);
	if (say_not_a_run(name, doc)) {
		json_free(doc);
		return -1;
	}
	ret = snapshot_from_json_value(doc, out, err, sizeof(err));
	json_free(doc);
	if (ret == -ENOMEM) {
		msg_error("%s: out of memory reading it; free some memory", name);
		return -1;
	}
	if (ret) {
		msg_error("%s: not a run this tailtrace can read: %s; give a run saved by "
			  "tailtrace with -o FILE.json, unaltered", name, err);
		return -1;
	}
	return 0;
}
