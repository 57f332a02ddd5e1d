// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/duration.h"
#include "model/text_escape.h"
#include "report/emitter.h"
#include "report/intern.h"
#include "report/stack_names.h"
#include "report/svg.h"

#define WIDTH		1200	/* px */
#define PAD		10	/* left and right margins */
#define FRAME_H		16	/* a frame's row */
#define CHAR_W		7.2	/* a character of the 12 px monospace font */
#define MIN_PX		0.1	/* frames narrower than this are left out */
#define GRAPH_TOP	46	/* a graph's title and note above its frames */

enum node_kind { NODE_USER, NODE_KERNEL, NODE_INTERP, NODE_ROOT, NODE_COMM };

/* A frame of the merged tree: the stacks that share a path from the root share its nodes. */
struct node {
	uint32_t parent;
	uint32_t depth;
	enum node_kind kind;
	const char *name;	/* the intern table's copy */
	const struct frame *frame;	/* the first frame seen here (its file, module), or NULL */
	uint64_t value, count;
	uint64_t x;		/* its start, in weight from the left of its graph */
	bool shown;
};

struct tree {
	struct node *v;
	size_t n, cap;
	struct intern keys;	/* parent, kind and name to node */
	uint32_t max_depth;
	size_t left_out;
};

void svg_escape(FILE *f, const char *name, size_t max)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t chars = 0;

	while (*p) {
		unsigned c = *p, len = 1;
		uint32_t cp = c;

		if (max && chars == max) {
			fputs("...", f);
			return;
		}
		/* a well-formed UTF-8 sequence at p is written whole (XML 1.0 takes every
		 * character but U+FFFE and U+FFFF), one that reorders or hides text escaped */
		len = text_utf8(p, &cp);
		if (len > 1 && (cp == 0xfffe || cp == 0xffff))
			len = 0;
		chars++;
		if (len > 1 && text_hidden(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp);
			p += len;
			continue;
		}
		if (!len)
			len = 1;
		if (len > 1)
			fwrite(p, 1, len, f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\'')
			fputs("&#39;", f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc((int)c, f);
		p += len;
	}
}

static int64_t node_of(struct tree *t, uint32_t parent, enum node_kind kind, const char *name)
{
	size_t nl = strlen(name), len = sizeof(parent) + 1 + nl;
	char stackbuf[512], *key = len <= sizeof(stackbuf) ? stackbuf : malloc(len);
	int64_t id;
	bool added;

	if (!key)
		return -ENOMEM;
	memcpy(key, &parent, sizeof(parent));
	key[sizeof(parent)] = (char)kind;
	memcpy(key + sizeof(parent) + 1, name, nl);
	id = intern_id(&t->keys, key, len, &added);
	if (key != stackbuf)
		free(key);
	if (id < 0 || !added)
		return id;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct node *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = (struct node){
		.parent = parent,
		.depth = t->n ? t->v[parent].depth + 1 : 0,
		.kind = kind,
		.name = intern_key(&t->keys, (size_t)id, NULL) + sizeof(parent) + 1,
	};
	if (t->v[t->n].depth > t->max_depth)
		t->max_depth = t->v[t->n].depth;
	return (int64_t)t->n++;
}

/* Adds a stack's weight along its path: the root, its comm, then its frames from the
 * outermost. */
static int add_stack(struct tree *t, const struct stack *st)
{
	static const enum node_kind kinds[] = {
		[FRAME_USER] = NODE_USER, [FRAME_KERNEL] = NODE_KERNEL, [FRAME_INTERP] = NODE_INTERP,
	};
	const char *comm = labels_get(&st->labels, "comm");
	int64_t at = 0;
	char buf[512];

	t->v[0].value += st->value;
	t->v[0].count += st->count;
	if (comm) {
		at = node_of(t, 0, NODE_COMM, comm);
		if (at < 0)
			return (int)at;
		t->v[at].value += st->value;
		t->v[at].count += st->count;
	}
	for (size_t i = st->nframes; i-- > 0;) {
		const struct frame *f = &st->frames[i];

		at = node_of(t, (uint32_t)at, kinds[f->kind], frame_label(f, buf, sizeof(buf)));
		if (at < 0)
			return (int)at;
		if (!t->v[at].frame)
			t->v[at].frame = f;
		t->v[at].value += st->value;
		t->v[at].count += st->count;
	}
	return 0;
}

/* Siblings in the order of their names, as flame graphs are drawn (the x axis is not time). */
static int by_parent_name(const void *a, const void *b, void *nodes)
{
	const struct node *x = &((const struct node *)nodes)[*(const uint32_t *)a];
	const struct node *y = &((const struct node *)nodes)[*(const uint32_t *)b];
	int c;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : (int)x->kind - (int)y->kind;
}

static int by_value_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Places every node (its x from the left, in weight) and decides which are drawn: those at
 * least MIN_PX wide, and no more than SVG_MAX_FRAMES, the widest. A caller weighs at least
 * as much as its callees, so what is drawn hangs together.
 */
static int layout(struct tree *t)
{
	uint32_t *order = malloc(t->n * sizeof(*order));
	uint64_t *next = calloc(t->n, sizeof(*next)), min = 0;
	double total = (double)t->v[0].value;

	if (!order || !next) {
		free(order);
		free(next);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order + 1, t->n - 1, sizeof(*order), by_parent_name, t->v);
	/* a parent comes before its children in order: their place follows from its */
	for (size_t k = 1; k < t->n; k++) {
		struct node *nd = &t->v[order[k]];

		nd->x = t->v[nd->parent].x + next[nd->parent];
		next[nd->parent] += nd->value;
	}
	if (t->n > SVG_MAX_FRAMES) {
		uint64_t *w = next;	/* its work is done: reused for the weights */

		for (size_t i = 0; i < t->n; i++)
			w[i] = t->v[i].value;
		qsort(w, t->n, sizeof(*w), by_value_desc);
		min = w[SVG_MAX_FRAMES - 1] + 1;
	}
	t->left_out = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct node *nd = &t->v[i];

		nd->shown = total > 0 && nd->value >= min &&
			    (double)nd->value * (WIDTH - 2 * PAD) / total >= MIN_PX;
		t->left_out += !nd->shown;
	}
	free(order);
	free(next);
	return 0;
}

/* A deterministic colour of its kind's palette, varied by the name so that one function
 * keeps its colour across the graph. */
static void colour(const struct node *nd, char *buf, size_t len)
{
	uint32_t h = 2166136261u;
	double a, b;

	for (const char *c = nd->name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	a = (h & 0xff) / 255.0;
	b = ((h >> 8) & 0xff) / 255.0;
	switch (nd->kind) {
	case NODE_KERNEL:	/* blues */
		snprintf(buf, len, "rgb(%d,%d,%d)", 90 + (int)(50 * a), 150 + (int)(50 * b), 230);
		break;
	case NODE_INTERP:	/* greens */
		snprintf(buf, len, "rgb(%d,%d,%d)", 70 + (int)(60 * a), 190 + (int)(50 * b), 90);
		break;
	case NODE_USER:		/* reds to yellows */
		snprintf(buf, len, "rgb(%d,%d,%d)", 225 + (int)(30 * b), 80 + (int)(130 * a), 50);
		break;
	default:		/* the root and the process names */
		snprintf(buf, len, "rgb(%d,%d,%d)", 200, 200, 200);
	}
}

/* "1.23 s" for a weight in ns, else the number and the unit. */
static const char *amount(uint64_t v, const char *unit, char *buf, size_t len)
{
	if (!strcmp(unit, "ns"))
		return duration_format(v, buf, len);
	snprintf(buf, len, "%llu %s", (unsigned long long)v, unit);
	return buf;
}

/* Where a frame's function is: its source file, else its module (not the kernel's), and
 * whether it was inlined. */
static void where(FILE *f, const struct frame *fr)
{
	const char *slash;

	if (!fr)
		return;
	if (fr->file) {
		fputs(", ", f);
		svg_escape(f, fr->file, 0);
	} else if (fr->module && fr->kind != FRAME_KERNEL) {
		slash = strrchr(fr->module, '/');
		fputs(", ", f);
		svg_escape(f, slash && slash[1] ? slash + 1 : fr->module, 0);
	}
	if (fr->inlined)
		fputs(", inlined", f);
}

static void draw_node(FILE *f, const struct tree *t, const struct node *nd,
		      const struct series *se, int y0)
{
	static const char *const kinds[] = { "u", "k", "i", "r", "c" };
	double total = (double)t->v[0].value, scale = (WIDTH - 2 * PAD) / total;
	double x = PAD + (double)nd->x * scale, w = (double)nd->value * scale;
	int y = y0 + (int)(t->max_depth - nd->depth) * FRAME_H;
	char fill[40], v[32];
	size_t fit = w > 8 ? (size_t)((w - 6) / CHAR_W) : 0;

	colour(nd, fill, sizeof(fill));
	fprintf(f, "<g class=\"f\" data-k=\"%s\" data-d=\"%u\"><title>", kinds[nd->kind],
		nd->depth);
	if (nd->kind == NODE_ROOT)
		fputs("all", f);
	else
		svg_escape(f, nd->name, 0);
	/* the name, then what it holds: the script reads the name back from the first line */
	fprintf(f, "\n%llu %s, %s, %.2f%%%s", (unsigned long long)nd->count,
		stack_count_name(se->metric), amount(nd->value, se->unit, v, sizeof(v)),
		100.0 * (double)nd->value / total, nd->kind == NODE_KERNEL ? " (kernel)" :
		nd->kind == NODE_INTERP ? " (interpreted)" : "");
	where(f, nd->frame);
	fputs("</title>", f);
	fprintf(f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" rx=\"2\"/>",
		x, y, w, FRAME_H - 1, fill);
	fprintf(f, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FRAME_H - 4);
	/* what fits: the name, or its start and "...", or nothing (as the script does) */
	if (nd->kind == NODE_ROOT && fit >= 3)
		fputs("all", f);
	else if (nd->kind != NODE_ROOT && strlen(nd->name) <= fit)
		svg_escape(f, nd->name, 0);
	else if (nd->kind != NODE_ROOT && fit > 3)
		svg_escape(f, nd->name, fit - 3);
	fputs("</text></g>\n", f);
}

static void tree_free(struct tree *t)
{
	free(t->v);
	intern_free(&t->keys);
}

/* The merged tree of a series' stacks, placed. 0 or -ENOMEM. */
static int tree_build(struct tree *t, const struct series *se)
{
	int err = 0;

	memset(t, 0, sizeof(*t));
	intern_init(&t->keys);
	if (node_of(t, 0, NODE_ROOT, "") < 0)
		err = -ENOMEM;
	for (size_t k = 0; k < se->nstacks && !err; k++)
		err = add_stack(t, &se->stacks[k]);
	if (!err)
		err = layout(t);
	if (err)
		tree_free(t);
	return err;
}

static int graph_height(const struct tree *t)
{
	return GRAPH_TOP + (int)(t->max_depth + 1) * FRAME_H + 10;
}

/* One series' graph, its top at y0. */
static void draw_graph(FILE *f, const struct series *se, const struct tree *t, int y0)
{
	char v[32];

	fprintf(f, "<g class=\"graph\">\n<text class=\"gtitle\" x=\"%d\" y=\"%d\">", PAD, y0 + 18);
	svg_escape(f, se->metric, 0);
	for (size_t l = 0; l < se->labels.n; l++) {
		fputc(' ', f);
		svg_escape(f, se->labels.v[l].key, 0);
		fputc('=', f);
		svg_escape(f, se->labels.v[l].value, 0);
	}
	fprintf(f, ": %s in %llu %s, %zu stacks</text>\n", amount(t->v[0].value, se->unit, v,
								  sizeof(v)),
		(unsigned long long)t->v[0].count, stack_count_name(se->metric), se->nstacks);
	fprintf(f, "<text class=\"note\" x=\"%d\" y=\"%d\">", PAD, y0 + 36);
	if (!t->v[0].value)
		fputs("no stacks recorded", f);
	else if (t->left_out)
		fprintf(f, "%zu of %zu frames too narrow to draw are left out: their weight stays "
			"in their callers", t->left_out, t->n);
	fprintf(f, "</text>\n<text class=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\">"
		"</text>\n", WIDTH - PAD, y0 + 36);
	for (size_t i = 0; t->v[0].value && i < t->n; i++)
		if (t->v[i].shown)
			draw_node(f, t, &t->v[i], se, y0 + GRAPH_TOP);
	fputs("</g>\n", f);
}

/* The script: a constant that reads names from the document (textContent) and writes them
 * back only as text, never as markup or code. */
static const char script[] =
	"var W = 1200, PAD = 10, CW = 7.2, graphs = [], details, resetBtn, searchBtn, query = null;\n"
	"function fit(o, w) {\n"
	"  var n = Math.floor((w - 6) / CW), s = o.name;\n"
	"  o.t.textContent = s.length <= n ? s : n > 3 ? s.slice(0, n - 3) + '...' : '';\n"
	"}\n"
	"function place(o, x, w) {\n"
	"  o.r.setAttribute('x', x.toFixed(2));\n"
	"  o.r.setAttribute('width', w.toFixed(2));\n"
	"  o.t.setAttribute('x', (x + 3).toFixed(2));\n"
	"  fit(o, w);\n"
	"}\n"
	"function zoom(gr, z) {\n"
	"  var scale = (W - 2 * PAD) / z.w, eps = 0.02;\n"
	"  gr.frames.forEach(function (o) {\n"
	"    var c = o.e.classList;\n"
	"    if (o.x + o.w <= z.x + eps || o.x >= z.x + z.w - eps) { c.add('hide'); return; }\n"
	"    c.remove('hide');\n"
	"    c.toggle('dim', o.d < z.d);\n"
	"    if (o.d < z.d) place(o, PAD, W - 2 * PAD);\n"
	"    else place(o, PAD + (o.x - z.x) * scale, o.w * scale);\n"
	"  });\n"
	"  resetBtn.classList.remove('hide');\n"
	"}\n"
	"function resetZoom() {\n"
	"  graphs.forEach(function (gr) {\n"
	"    gr.frames.forEach(function (o) {\n"
	"      o.e.classList.remove('hide', 'dim');\n"
	"      place(o, o.x, o.w);\n"
	"    });\n"
	"  });\n"
	"  resetBtn.classList.add('hide');\n"
	"}\n"
	"function search(term) {\n"
	"  var re = null;\n"
	"  if (term) {\n"
	"    try { re = new RegExp(term); }\n"
	"    catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')); }\n"
	"  }\n"
	"  query = re ? term : null;\n"
	"  graphs.forEach(function (gr) {\n"
	"    var iv = [], sum = 0, end = -1;\n"
	"    gr.frames.forEach(function (o) {\n"
	"      var m = re !== null && o.k !== 'r' && re.test(o.name);\n"
	"      o.e.classList.toggle('match', m);\n"
	"      if (m) iv.push([o.x, o.x + o.w]);\n"
	"    });\n"
	"    /* a callee of a match is inside it: count what they cover once */\n"
	"    iv.sort(function (a, b) { return a[0] - b[0]; });\n"
	"    iv.forEach(function (v) {\n"
	"      if (v[1] <= end) return;\n"
	"      sum += v[1] - Math.max(v[0], end);\n"
	"      end = v[1];\n"
	"    });\n"
	"    gr.matched.textContent = re ? 'Matched: ' + (100 * sum / (W - 2 * PAD)).toFixed(1) + '%' : '';\n"
	"  });\n"
	"  searchBtn.textContent = re ? 'Clear search' : 'Search';\n"
	"}\n"
	"function askSearch() {\n"
	"  if (query !== null) { search(null); return; }\n"
	"  var term = prompt('Search for (a regular expression)', '');\n"
	"  if (term) search(term);\n"
	"}\n"
	"function init() {\n"
	"  var svg = document.documentElement;\n"
	"  details = document.getElementById('details');\n"
	"  resetBtn = document.getElementById('reset');\n"
	"  searchBtn = document.getElementById('search');\n"
	"  svg.querySelectorAll('g.graph').forEach(function (g) {\n"
	"    var gr = { frames: [], matched: g.querySelector('text.matched') };\n"
	"    g.querySelectorAll('g.f').forEach(function (e) {\n"
	"      var r = e.querySelector('rect'), title = e.querySelector('title').textContent;\n"
	"      var nl = title.lastIndexOf('\\n');\n"
	"      var o = { e: e, r: r, t: e.querySelector('text'), name: title.slice(0, nl),\n"
	"                info: title.slice(nl + 1), k: e.getAttribute('data-k'),\n"
	"                x: parseFloat(r.getAttribute('x')), w: parseFloat(r.getAttribute('width')),\n"
	"                d: parseInt(e.getAttribute('data-d'), 10) };\n"
	"      e.addEventListener('click', function () { zoom(gr, o); });\n"
	"      e.addEventListener('mouseover', function () {\n"
	"        details.textContent = o.name + ': ' + o.info;\n"
	"      });\n"
	"      e.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"      gr.frames.push(o);\n"
	"    });\n"
	"    graphs.push(gr);\n"
	"  });\n"
	"  resetBtn.addEventListener('click', resetZoom);\n"
	"  searchBtn.addEventListener('click', askSearch);\n"
	"  window.addEventListener('keydown', function (e) {\n"
	"    if ((e.ctrlKey && e.key === 'f') || e.key === '/') { e.preventDefault(); askSearch(); }\n"
	"    else if (e.key === 'Escape') { resetZoom(); search(null); }\n"
	"  });\n"
	"  /* file.svg#search=TERM opens with TERM searched */\n"
	"  var m = /^#search=(.*)$/.exec(location.hash);\n"
	"  if (m) search(decodeURIComponent(m[1]));\n"
	"  svg.setAttribute('data-ready', '1');\n"
	"}\n";

static const char style[] =
	"text { font-family: monospace; font-size: 12px; fill: #000; }\n"
	".title { font-size: 17px; }\n"
	".gtitle { font-size: 14px; font-weight: bold; }\n"
	".note, .matched { fill: #555; }\n"
	".btn { cursor: pointer; fill: #1a4fa0; }\n"
	".f { cursor: pointer; }\n"
	".f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	".f text { pointer-events: none; }\n"
	".match rect { fill: rgb(230,0,230); }\n"
	".dim { opacity: 0.6; }\n"
	".hide { display: none; }\n";

#define HEAD_H	50	/* the title, buttons and legend */
#define FOOT_H	24	/* the details line */

static void legend(FILE *f, int x, const char *fill, const char *what)
{
	fprintf(f, "<rect x=\"%d\" y=\"33\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"43\">%s</text>\n", x, fill, x + 16, what);
}

/* Every stack series as a flame graph, one above the other, in one self-contained file. */
int report_svg_write(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	struct tree *trees = calloc(s->nseries + 1, sizeof(*trees));
	size_t ntrees = 0;
	int err = 0, height = HEAD_H + FOOT_H, y;

	(void)o;
	if (!trees)
		return -ENOMEM;
	for (size_t i = 0; i < s->nseries && !err; i++)
		if (s->series[i].kind == SERIES_STACKS) {
			err = tree_build(&trees[ntrees], &s->series[i]);
			if (!err)
				height += graph_height(&trees[ntrees++]);
		}
	if (err)
		goto out;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init()\">\n"
		"<style type=\"text/css\"><![CDATA[\n%s]]></style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#f8f8f4\"/>\n",
		WIDTH, height, WIDTH, height, style, script);
	fprintf(f, "<text class=\"title\" x=\"%d\" y=\"22\" text-anchor=\"middle\">tailtrace ",
		WIDTH / 2);
	svg_escape(f, s->command, 0);
	if (s->host[0]) {
		fputs(" on ", f);
		svg_escape(f, s->host, 64);
	}
	if (s->duration_ns) {
		char d[32];

		fprintf(f, ", %s", duration_format(s->duration_ns, d, sizeof(d)));
	}
	fputs(": flame graph</text>\n", f);
	fprintf(f, "<text id=\"reset\" class=\"btn hide\" x=\"%d\" y=\"22\">Reset zoom</text>\n"
		"<text id=\"search\" class=\"btn\" x=\"%d\" y=\"22\" text-anchor=\"end\">Search"
		"</text>\n", PAD, WIDTH - PAD);
	legend(f, PAD, "rgb(240,150,50)", "user");
	legend(f, PAD + 70, "rgb(115,175,230)", "kernel");
	legend(f, PAD + 150, "rgb(100,215,90)", "interpreted (Python)");
	if (!ntrees)
		fprintf(f, "<text x=\"%d\" y=\"%d\">no stack series in this run</text>\n", PAD,
			HEAD_H + 12);
	y = HEAD_H;
	ntrees = 0;
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].kind == SERIES_STACKS) {
			draw_graph(f, &s->series[i], &trees[ntrees], y);
			y += graph_height(&trees[ntrees++]);
		}
	fprintf(f, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n</svg>\n", PAD,
		height - 8);
out:
	for (size_t i = 0; i < ntrees; i++)
		tree_free(&trees[i]);
	free(trees);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
