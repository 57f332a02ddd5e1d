/* The svg and pprof outputs of real runs, read by the standard tools: pprof's totals are
 * the JSON's, and the flame graph runs its script in a browser, with the frames and a
 * search that marks them. */
#include <criterion/criterion.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

/* The program called name in $PATH (into buf), or the test is skipped, saying so. */
static char *tool(const char *name, const char *package, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin"), *save = NULL;

	cr_assert(copy);
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/%s", d, name);
		if (!access(buf, X_OK)) {
			free(copy);
			return buf;
		}
	}
	free(copy);
	cr_skip_test("%s is not installed (Debian package %s; `make deps` installs it)", name,
		     package);
	return NULL;
}

static char *scratch(char *dir)
{
	strcpy(dir, "/tmp/tt-stackfmt-XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp");
	return dir;
}

static void remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The sums of the stacks' value and count of the series metric in a JSON run. */
static void json_totals(const struct json_value *j, const char *metric, unsigned long long *value,
			unsigned long long *count, size_t *nstacks)
{
	const struct json_value *all = json_get(j, "series");

	*value = *count = 0;
	*nstacks = 0;
	for (size_t i = 0; i < json_array_len(all); i++) {
		const struct json_value *s = json_array_at(all, i), *st;

		if (strcmp(json_as_string(json_get(s, "metric"), NULL), metric))
			continue;
		st = json_get(s, "stacks");
		for (size_t k = 0; k < json_array_len(st); k++) {
			*value += json_u64_at(json_array_at(st, k), "value");
			*count += json_u64_at(json_array_at(st, k), "count");
			(*nstacks)++;
		}
	}
}

Test(stack_formats, pprof_read_by_go_tool_pprof_totals_the_json_of_the_run)
{
	char go[4096], dir[64], pb[128], *line, *save = NULL;
	unsigned long long jv, jc, pv = 0, pc = 0;
	size_t nstacks, samples = 0;
	struct json_value *j;
	struct run r;
	bool in_samples = false;

	tool("go", "golang-go", go, sizeof(go));
	scratch(dir);
	snprintf(pb, sizeof(pb), "%s/run.pb.gz", dir);
	/* one run: JSON on standard output, the profile saved beside it */
	j = run_json_ok(&r, (char *[]){ TT, "sched", "--comm", "sleeper", "--offcpu-stacks=1ms",
					"--format", "json", "-o", pb, "--", TG("sleeper"), "50",
					"5", NULL });
	json_totals(j, "sched.offcpu_stack", &jv, &jc, &nstacks);
	cr_assert_geq(jc, 48, "the sleeps were seen: %llu blocks", jc);
	json_free(j);
	run_free(&r);

	run_cmd(&r, 120, (char *[]){ go, "tool", "pprof", "-raw", pb, NULL });
	cr_assert_eq(r.status, 0, "go tool pprof -raw: %s", r.err);
	cr_log_info("go tool pprof -raw took %.2f s", r.seconds);
	cr_assert(strstr(r.out, "blocks/count off_cpu/nanoseconds"), "sample types:\n%s", r.out);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long c, v;

		if (!strcmp(line, "Samples:"))
			in_samples = true;
		else if (!strncmp(line, "Locations", 9))
			in_samples = false;
		else if (in_samples && sscanf(line, " %llu %llu:", &c, &v) == 2) {
			pc += c;
			pv += v;
			samples++;
		}
	}
	cr_assert_eq(samples, nstacks, "a sample per stack");
	cr_assert_eq(pc, jc, "blocks: pprof %llu, JSON %llu", pc, jc);
	cr_assert_eq(pv, jv, "off-CPU ns: pprof %llu, JSON %llu", pv, jv);
	run_free(&r);

	/* the functions, and the labels, as pprof's own report shows them */
	run_cmd(&r, 120, (char *[]){ go, "tool", "pprof", "-traces", pb, NULL });
	cr_assert_eq(r.status, 0, "go tool pprof -traces: %s", r.err);
	cr_assert(strstr(r.out, "do_nanosleep") && strstr(r.out, "clock_nanosleep") &&
		  strstr(r.out, "__schedule"), "kernel and user frames:\n%s", r.out);
	cr_assert(strstr(r.out, "comm:  sleeper\n"), "the comm label:\n%s", r.out);
	run_free(&r);
	remove_tree(dir);
	assert_no_leftovers("sched -o run.pb.gz");
}

/* The part of s from the element that holds text back to its start tag. */
static const char *element_with(const char *s, const char *text)
{
	const char *at = strstr(s, text);

	if (!at)
		return NULL;
	while (at > s && strncmp(at, "<g ", 3))
		at--;
	return at;
}

/* A copy of the SVG at from, with a script of the test's that clicks the widest frame whose
 * name is name when the document has loaded. */
static void add_clicker(const char *from, const char *to, const char *name)
{
	static const char clicker[] =
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"window.addEventListener('load', function () {\n"
		"  var best = null, bw = -1;\n"
		"  document.querySelectorAll('g.f').forEach(function (e) {\n"
		"    var w = parseFloat(e.querySelector('rect').getAttribute('width'));\n"
		"    if (e.querySelector('title').textContent.indexOf(NAME + '\\n') === 0 && w > bw) {\n"
		"      best = e; bw = w;\n"
		"    }\n"
		"  });\n"
		"  best.dispatchEvent(new MouseEvent('click'));\n"
		"  document.documentElement.setAttribute('data-clicked', bw);\n"
		"});\n"
		"]]></script>\n</svg>\n";
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	char *buf = NULL, *end;
	size_t len = 0;

	cr_assert(in && out, "copy %s to %s", from, to);
	cr_assert_eq(getdelim(&buf, &len, 0, in) > 0, true, "read %s", from);
	end = strstr(buf, "</svg>");
	cr_assert(end, "no </svg> in %s", from);
	fwrite(buf, 1, (size_t)(end - buf), out);
	fprintf(out, "<script type=\"text/ecmascript\">var NAME = '%s';</script>\n", name);
	fputs(clicker, out);
	cr_assert_eq(fclose(out), 0);
	fclose(in);
	free(buf);
}

/* Whether the element at g (from element_with) has class c. */
static bool has_class(const char *g, const char *c)
{
	const char *at = g ? strstr(g, "class=\"") : NULL, *end;
	char list[128];

	if (!at)
		return false;
	at += 7;
	end = strchr(at, '"');
	if (!end || (size_t)(end - at) + 3 > sizeof(list))
		return false;
	snprintf(list, sizeof(list), " %.*s ", (int)(end - at), at);
	for (const char *p = strstr(list, c); p; p = strstr(p + 1, c))
		if (p[-1] == ' ' && p[strlen(c)] == ' ')
			return true;
	return false;
}

Test(stack_formats, svg_runs_in_chromium_and_its_search_marks_the_frames)
{
	char chromium[4096], dir[64], svg[128], zoomed[128], url[192], profile[128], *dom;
	const char *g, *m;
	struct run r;
	double pct;

	tool("chromium", "chromium", chromium, sizeof(chromium));
	scratch(dir);
	snprintf(svg, sizeof(svg), "%s/run.svg", dir);
	/* a comm made to break a terminal and a document, beside an ordinary one */
	run_cmd(&r, 60, (char *[]){ TT, "sched", "--offcpu-stacks=1ms", "-o", svg, "--", "/bin/sh",
				    "-c", "\"$0\" 20 5; \"$1\" 5", TG("sleeper"), TG("evilname"),
				    NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);

	/* a copy that clicks the widest clock_nanosleep (the sleeper's) once the graph has
	 * loaded, as a user would, to zoom on it */
	snprintf(zoomed, sizeof(zoomed), "%s/zoomed.svg", dir);
	add_clicker(svg, zoomed, "clock_nanosleep");
	snprintf(url, sizeof(url), "file://%s#search=nanosleep", zoomed);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/chromium", dir);
	run_cmd(&r, 60, (char *[]){ chromium, "--headless", "--no-sandbox", "--disable-gpu",
				    profile, "--enable-logging=stderr", "--v=0", "--dump-dom", url,
				    NULL });
	cr_assert_eq(r.status, 0, "chromium: %s", r.err);
	cr_log_info("chromium loaded and searched the flame graph in %.2f s", r.seconds);
	dom = r.out;
	cr_assert_null(strstr(r.err, "Uncaught"), "a script error:\n%s", r.err);
	cr_assert_null(strstr(dom, "parsererror"), "the SVG is not well-formed XML:\n%s", dom);
	cr_assert(strstr(dom, "data-ready=\"1\""), "the script ran to its end:\n%s", dom);

	g = element_with(dom, "<title>do_nanosleep\n");
	cr_assert(g, "the kernel's do_nanosleep is a frame:\n%s", dom);
	cr_assert(has_class(g, "match") && strstr(g, "data-k=\"k\""), "searched, marked: %.80s", g);
	g = element_with(dom, "<title>clock_nanosleep\n");
	cr_assert(has_class(g, "match") && strstr(g, "data-k=\"u\""),
		  "libc's clock_nanosleep, a user frame, marked: %.80s", g ? g : dom);
	g = element_with(dom, "<title>__schedule\n");
	cr_assert(g && !has_class(g, "match"), "not a match, not marked: %.80s", g ? g : dom);
	cr_assert(element_with(dom, "<title>sleeper\n"), "the comm's frame:\n%s", dom);
	cr_assert(element_with(dom, "<title>\\x1b[2Jevil\\x0a\n"),
		  "the hostile comm, escaped:\n%s", dom);
	cr_assert_null(strchr(dom, '\x1b'), "no raw escape in the document");
	m = strstr(dom, ">Matched: ");
	cr_assert(m && sscanf(m, ">Matched: %lf%%", &pct) == 1, "the matched share:\n%s", dom);
	/* the shell's own wait for its children (about as long) is not a sleep */
	cr_assert(pct > 20 && pct < 90, "nanosleep holds %.1f%% of the blocked time:\n%s", pct,
		  dom);

	/* zoomed: the frame spans the graph, its callers too (dimmed), the rest is hidden */
	g = element_with(dom, "<title>sleeper\n");
	cr_assert(has_class(g, "dim") && strstr(g, "width=\"1180.00\"") < strstr(g, "</g>"),
		  "the caller below the zoomed frame: %.300s", g);
	g = element_with(dom, "<title>sh\n");
	cr_assert(has_class(g, "hide"), "sh is beside it, hidden: %.300s",
		  g ? g : dom);
	g = strstr(dom, "data-clicked=\"");
	cr_assert(g, "the click happened:\n%s", dom);
	g = element_with(dom, "<title>clock_nanosleep\n2");
	cr_assert(g && strstr(g, "width=\"1180.00\"") && strstr(g, "width=\"1180.00\"") <
		  strstr(g, "</g>"), "the sleeper's clock_nanosleep (20 blocks) spans the graph: "
		  "%.300s", g ? g : dom);
	run_free(&r);
	remove_tree(dir);
	assert_no_leftovers("sched -o run.svg");
}

Test(stack_formats, bad_input)
{
	struct bad_case cases[] = {
		{ { NULL, "sched", "--format", "pprof", NULL }, 2, "add --offcpu-stacks" },
		{ { NULL, "sched", "-o", "/tmp/tt-never.svg", NULL }, 2, "add --offcpu-stacks" },
		{ { NULL, "func", "work", "--format", "svg", NULL }, 2,
		  "add --slower-than DUR --stacks" },
		{ { NULL, "sched", "--offcpu-stacks", "-i", "1s", "--format", "svg", NULL }, 2,
		  "--format svg is one document for the whole run" },
		{ { NULL, "sched", "--offcpu-stacks", "-i", "1s", "--format", "pprof", NULL }, 2,
		  "--format pprof is one document for the whole run" },
	};

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
	cr_assert(access("/tmp/tt-never.svg", F_OK), "nothing left behind");
}

/* A compressed profile is refused on a terminal, before anything is traced. */
Test(stack_formats, pprof_is_not_written_to_a_terminal)
{
	const char *tt = tt_bin();
	char buf[4096];
	size_t n = 0;
	ssize_t got;
	int fd, status;
	pid_t pid;

	pid = forkpty(&fd, NULL, NULL, NULL);
	cr_assert_geq(pid, 0, "forkpty");
	if (!pid) {
		execl(tt, tt, "sched", "--offcpu-stacks", "--format", "pprof", "-d", "1", NULL);
		_exit(127);
	}
	while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	close(fd);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "a usage error: %s", buf);
	cr_assert(strstr(buf, "--format pprof is binary: redirect standard output to a file, or "
			      "save it with -o FILE.pb.gz"), "%s", buf);
}
