// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* elf_funcs_load and elf_funcs_suggest against the fixtures of tests/unit/fixtures.mk. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "symbols/elf_syms.h"
#include "fixtures/fixtures.h"

/* Bytes the fixture puts under the symbol tt_marker (tests/unit/fixtures/syms.c). */
#define MARKER		"TTMARKER-0123456"
#define MARKER_LEN	16

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static const struct elf_func *find(const struct elf_funcs *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].name, name))
			return &fs->v[i];
	return NULL;
}

static size_t count_named(const struct elf_funcs *fs, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n; i++)
		n += !strcmp(fs->v[i].name, name);
	return n;
}

/* What holds for every result: sorted, one entry per (name, address), inside the file. */
static void check_invariants(const char *path, const struct elf_funcs *fs)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat %s", path);
	for (size_t i = 0; i < fs->n; i++) {
		const struct elf_func *f = &fs->v[i];

		cr_assert(f->name && *f->name, "%s: entry %zu has no name", path, i);
		cr_assert_gt(f->size, 0, "%s: %s has size 0", path, f->name);
		cr_assert_leq(f->offset + f->size, (uint64_t)st.st_size,
			      "%s: %s at offset %#lx + %lu is past the end of the file", path,
			      f->name, (unsigned long)f->offset, (unsigned long)f->size);
		if (i) {
			const struct elf_func *p = &fs->v[i - 1];
			int c = strcmp(p->name, f->name);

			cr_assert(c < 0 || (c == 0 && p->addr < f->addr),
				  "%s: not sorted or duplicated: %s@%#lx then %s@%#lx", path,
				  p->name, (unsigned long)p->addr, f->name, (unsigned long)f->addr);
		}
	}
}

static void load_fixture(const char *name, char *path, struct elf_funcs *fs)
{
	int err;

	fixture_path(path, PATH_MAX, name);
	err = elf_funcs_load(path, fs);
	cr_assert_eq(err, 0, "elf_funcs_load(%s): %s", path, strerror(-err));
	check_invariants(path, fs);
}

static void read_at(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len, "pread %s at %#lx", path,
		     (unsigned long)off);
	close(fd);
}

/* The names starting with "tt_" must be exactly want (sorted), so nothing is missing and
 * nothing excluded slipped in. */
static void check_tt_names(const char *path, const struct elf_funcs *fs, const char *const *want,
			   size_t nwant)
{
	size_t k = 0;

	for (size_t i = 0; i < fs->n; i++) {
		const char *name = fs->v[i].name;

		if (strncmp(name, "tt_", 3))
			continue;
		cr_assert_lt(k, nwant, "%s: unexpected function %s", path, name);
		cr_assert_str_eq(name, want[k], "%s: got %s where %s was expected", path, name,
				 want[k]);
		k++;
	}
	cr_assert_eq(k, nwant, "%s: %s missing", path, k < nwant ? want[k] : "");
}

static const char *const all_tt[] = {
	"tt_alias", "tt_alpha", "tt_beta", "tt_ifunc", "tt_ifunc_impl", "tt_ifunc_resolve",
	"tt_marker", "tt_static_fn",
};

/* Exported to .dynsym by -rdynamic: all but the static functions. */
static const char *const exported_tt[] = {
	"tt_alias", "tt_alpha", "tt_beta", "tt_ifunc", "tt_marker",
};

static void check_absent(const char *path, const struct elf_funcs *fs)
{
	/* Imports, an object, and a function label of size 0. */
	static const char *const absent[] = { "puts", "tt_counter", "tt_zero_label",
					      "__libc_start_main" };

	for (size_t i = 0; i < ARRAY_LEN(absent); i++)
		cr_assert_null(find(fs, absent[i]), "%s: %s must be left out", path, absent[i]);
}

static void check_marker(const char *path, const struct elf_funcs *fs)
{
	const struct elf_func *m = find(fs, "tt_marker");
	char buf[MARKER_LEN];

	cr_assert_not_null(m, "%s: tt_marker missing", path);
	cr_assert_eq(m->size, MARKER_LEN, "%s: tt_marker size", path);
	read_at(path, m->offset, buf, sizeof(buf));
	cr_assert(!memcmp(buf, MARKER, MARKER_LEN),
		  "%s: bytes at tt_marker's offset %#lx are not the marker", path,
		  (unsigned long)m->offset);
}

static void check_alias(const char *path, const struct elf_funcs *fs)
{
	const struct elf_func *a = find(fs, "tt_alpha"), *b = find(fs, "tt_alias");

	cr_assert(a && b, "%s: tt_alpha and its alias tt_alias must both be there", path);
	cr_assert_eq(a->addr, b->addr, "%s: alias address", path);
	cr_assert_eq(a->offset, b->offset, "%s: alias offset", path);
	cr_assert_eq(a->size, b->size, "%s: alias size", path);
}

/* What every build of syms.c must show; tt lists the "tt_" functions it has. */
static void load_syms_fixture(const char *name, int is_dyn, const char *const *tt, size_t ntt,
			      char *path, struct elf_funcs *fs)
{
	load_fixture(name, path, fs);
	cr_assert_eq(fs->is_pie_or_dyn, is_dyn, "%s: is_pie_or_dyn", path);
	check_tt_names(path, fs, tt, ntt);
	cr_assert_not_null(find(fs, "main"), "%s: main", path);
	check_absent(path, fs);
	check_alias(path, fs);
	check_marker(path, fs);
}

Test(elf_syms, pie_executable)
{
	char path[PATH_MAX];
	struct elf_funcs fs;

	load_syms_fixture("syms_pie", 1, all_tt, ARRAY_LEN(all_tt), path, &fs);
	/* The IFUNC symbol is kept, at its resolver. */
	cr_assert_eq(find(&fs, "tt_ifunc")->addr, find(&fs, "tt_ifunc_resolve")->addr,
		     "an IFUNC's address is its resolver's");
	elf_funcs_free(&fs);
}

Test(elf_syms, non_pie_executable)
{
	char path[PATH_MAX];
	struct elf_funcs fs;
	const struct elf_func *m;

	/* Linked at a fixed address: the offset is not the address, and check_marker found the
	 * marker's bytes at the offset all the same. */
	load_syms_fixture("syms_nopie", 0, all_tt, ARRAY_LEN(all_tt), path, &fs);
	m = find(&fs, "tt_marker");
	cr_assert_neq(m->addr, m->offset, "non-PIE addresses are not file offsets");
	elf_funcs_free(&fs);
}

Test(elf_syms, stripped_executable_has_dynsym_only)
{
	char path[PATH_MAX];
	struct elf_funcs fs;

	/* Only what -rdynamic exported: the static functions went with .symtab. */
	load_syms_fixture("syms_stripped", 1, exported_tt, ARRAY_LEN(exported_tt), path, &fs);
	cr_assert_null(find(&fs, "tt_static_fn"), "a static function goes with .symtab");
	elf_funcs_free(&fs);
}

/* The loaded library is the reference: a uprobe at the offset hits the bytes the process runs. */
Test(elf_syms, shared_library_offsets_match_loaded_code)
{
	static const char *const globals[] = { "tt_alpha", "tt_alias", "tt_beta", "tt_marker",
					       "main" };
	char path[PATH_MAX];
	struct elf_funcs fs;
	void *h;

	load_syms_fixture("libsyms.so", 1, all_tt, ARRAY_LEN(all_tt), path, &fs);
	/* In .symtab and .dynsym both, listed once. */
	cr_assert_eq(count_named(&fs, "tt_alpha"), 1, "tt_alpha listed once");

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
	for (size_t i = 0; i < ARRAY_LEN(globals); i++) {
		const struct elf_func *f = find(&fs, globals[i]);
		void *sym = dlsym(h, globals[i]);
		unsigned char file[64];
		Dl_info info;
		size_t n;

		cr_assert(f && sym, "%s: %s in the list and in the loaded library", path,
			  globals[i]);
		cr_assert(dladdr(sym, &info), "dladdr %s", globals[i]);
		cr_assert_eq((uintptr_t)sym - (uintptr_t)info.dli_fbase, f->addr,
			     "%s: st_value vs load address", globals[i]);
		n = f->size < sizeof(file) ? f->size : sizeof(file);
		read_at(path, f->offset, file, n);
		cr_assert(!memcmp(file, sym, n),
			  "%s: file bytes at offset %#lx differ from the code", globals[i],
			  (unsigned long)f->offset);
	}
	dlclose(h);
	elf_funcs_free(&fs);
}

static void check_versioned(void *h, const char *path, const struct elf_funcs *fs,
			    const char *listed, const char *sym, const char *ver, const char *impl)
{
	const struct elf_func *f = find(fs, listed), *i = find(fs, impl);
	void *p = ver ? dlvsym(h, sym, ver) : dlsym(h, sym);
	unsigned char file[16];

	cr_assert_not_null(f, "%s: %s missing", path, listed);
	cr_assert_eq(count_named(fs, listed), 1, "%s: %s listed once", path, listed);
	cr_assert_not_null(i, "%s: %s missing", path, impl);
	cr_assert_eq(f->addr, i->addr, "%s is %s", listed, impl);
	cr_assert_not_null(p, "dl(v)sym %s %s: %s", sym, ver ? ver : "", dlerror());
	cr_assert_leq(f->size, sizeof(file), "%s size", listed);
	read_at(path, f->offset, file, f->size);
	cr_assert(!memcmp(file, p, f->size), "%s: file bytes at offset %#lx differ from the code",
		  listed, (unsigned long)f->offset);
}

Test(elf_syms, symbol_versions)
{
	static const char *const absent[] = { "old_fn", "new_fn@VER_2", "new_fn@@VER_2",
					      "both_fn@VER_2", "both_fn@@VER_2", "plain_fn@VER_2" };
	char path[PATH_MAX];
	struct elf_funcs fs;
	void *h;

	load_fixture("libver.so", path, &fs);
	for (size_t i = 0; i < ARRAY_LEN(absent); i++)
		cr_assert_null(find(&fs, absent[i]), "%s: %s must not be listed", path, absent[i]);
	for (size_t i = 0; i < fs.n; i++)
		cr_assert_null(strstr(fs.v[i].name, "@@"), "%s: default version kept in %s", path,
			       fs.v[i].name);

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
	/* Non-default versions carry "@VER"; default ones are plain, whichever table said so. */
	check_versioned(h, path, &fs, "old_fn@VER_1", "old_fn", "VER_1", "old_fn_v1");
	check_versioned(h, path, &fs, "new_fn", "new_fn", NULL, "new_fn_v2");
	check_versioned(h, path, &fs, "both_fn@VER_1", "both_fn", "VER_1", "both_fn_v1");
	check_versioned(h, path, &fs, "both_fn", "both_fn", NULL, "both_fn_v2");
	check_versioned(h, path, &fs, "plain_fn", "plain_fn", "VER_2", "plain_fn");
	dlclose(h);
	elf_funcs_free(&fs);
}

static void expect_error(const char *path, int want, const char *what)
{
	struct elf_funcs fs;
	int err = elf_funcs_load(path, &fs);

	cr_assert_eq(err, want, "%s: got %d (%s), want %d (%s)", what, err, strerror(-err), want,
		     strerror(-want));
	cr_assert(fs.n == 0 && fs.v == NULL, "%s: nothing returned on error", what);
}

/* A copy of a fixture with one byte of the ELF header flipped by mask. */
static void patched_copy(const char *dst, size_t off, unsigned char mask)
{
	char src[PATH_MAX];
	unsigned char buf[65536];
	FILE *f;
	size_t n;

	fixture_path(src, sizeof(src), "libsyms.so");
	f = fopen(src, "r");
	cr_assert_not_null(f, "open %s", src);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cr_assert_gt(n, off, "%s too short", src);
	buf[off] ^= mask;
	write_file(dst, buf, n, 0644);
}

Test(elf_syms, errors, .init = make_tmpdir, .fini = remove_tmpdir)
{
	static const char text[] = "#!/bin/sh\necho not an ELF file\n";
	static const char truncated[] = "\177ELF\002\001\001";
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	expect_error(path, -ENOENT, "missing file");
	snprintf(path, sizeof(path), "%s/text", tmpdir);
	write_file(path, text, sizeof(text) - 1, 0644);
	expect_error(path, -ENOEXEC, "text file");
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	write_file(path, "", 0, 0644);
	expect_error(path, -ENOEXEC, "empty file");
	snprintf(path, sizeof(path), "%s/truncated", tmpdir);
	write_file(path, truncated, sizeof(truncated) - 1, 0644);
	expect_error(path, -EBADMSG, "truncated ELF header");
	expect_error(tmpdir, -EISDIR, "directory");

	/* Another class's or machine's ELF: its symbols would not be this machine's code. */
	snprintf(path, sizeof(path), "%s/other_class", tmpdir);
	patched_copy(path, EI_CLASS, ELFCLASS32 ^ ELFCLASS64);
	expect_error(path, -ENOEXEC, "other ELF class");
	snprintf(path, sizeof(path), "%s/other_machine", tmpdir);
	patched_copy(path, offsetof(Elf64_Ehdr, e_machine), 0x80);
	expect_error(path, -ENOEXEC, "other machine");
}

/* A file cut short is corrupt, not a program without symbols ("stripped?"). */
Test(elf_syms, truncated_file_is_corrupt)
{
	char path[PATH_MAX];

	fixture_path(path, sizeof(path), "syms_truncated");
	expect_error(path, -EBADMSG, "first half of syms_pie");
}

/* A count from the file is checked against the section holding the entries, not allocated
 * (0xffffffff verdefs asked calloc for 64 GB). */
Test(elf_syms, huge_verdef_count_is_corrupt, .timeout = 10)
{
	char path[PATH_MAX];

	fixture_path(path, sizeof(path), "libver_verdef_count.so");
	expect_error(path, -EBADMSG, "libver.so with 0xffffffff verdefs");
}

/* What a traced process can put where its binary was: refused at once, without waiting for a
 * writer (the timeout fails a hang). */
Test(elf_syms, fifo_is_refused_without_waiting, .init = make_tmpdir, .fini = remove_tmpdir,
     .timeout = 10)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/prog (deleted)", tmpdir);
	cr_assert_eq(mkfifo(path, 0644), 0, "mkfifo");
	expect_error(path, -ESPIPE, "FIFO");
	expect_error("/dev/null", -ENODEV, "device");
}

/* The file's own mode is what stops the reader. Root reads anything, so as root the load
 * runs in a child that is nobody (uid and gid 65534, no supplementary group), in a directory
 * it may enter; its exit status says what it got (0: -EACCES and nothing returned). */
Test(elf_syms, unreadable_file, .init = make_tmpdir, .fini = remove_tmpdir)
{
	char path[PATH_MAX], readable[PATH_MAX];
	int st = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/secret", tmpdir);
	snprintf(readable, sizeof(readable), "%s/open", tmpdir);
	write_file(path, "x", 1, 0644);
	write_file(readable, "x", 1, 0644);
	cr_assert_eq(chmod(path, 0), 0, "chmod");
	if (geteuid() != 0) {
		expect_error(path, -EACCES, "unreadable file");
		return;
	}
	cr_assert_eq(chmod(tmpdir, 0755), 0, "chmod %s", tmpdir);
	pid = fork();
	cr_assert_geq(pid, 0, "fork");
	if (pid == 0) {
		struct elf_funcs fs;
		int err;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		if (access(readable, R_OK))
			_exit(101);
		err = elf_funcs_load(path, &fs);
		if (fs.n || fs.v)
			_exit(102);
		_exit(err == -EACCES ? 0 : err < 0 && -err < 100 ? -err : 103);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "the child as nobody was killed by signal %d", WTERMSIG(st));
	cr_assert_neq(WEXITSTATUS(st), 100, "cannot become nobody (uid 65534)");
	cr_assert_neq(WEXITSTATUS(st), 101, "nobody cannot read a 0644 file in %s", tmpdir);
	cr_assert_neq(WEXITSTATUS(st), 102, "something returned on error");
	cr_assert_eq(WEXITSTATUS(st), 0, "unreadable file, as nobody: got %s, want -EACCES",
		     WEXITSTATUS(st) < 100 ? strerror(WEXITSTATUS(st)) : "success");
}

Test(elf_syms, free_is_idempotent)
{
	struct elf_funcs fs = { 0 };

	elf_funcs_free(&fs);
	elf_funcs_free(NULL);
	cr_assert_eq(fs.n, 0);
}

static void check_suggest(const struct elf_funcs *fs, const char *name, size_t max,
			  const char *const *want, size_t nwant)
{
	const char *out[16];
	size_t n = elf_funcs_suggest(fs, name, out, max);

	cr_assert_eq(n, nwant, "suggest(%s, max %zu): %zu names, want %zu", name, max, n, nwant);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(out[i], want[i], "suggest(%s) #%zu: %s, want %s", name, i, out[i],
				 want[i]);
}

Test(elf_syms, suggestions)
{
	static const char *const alpah[] = { "tt_alpha", "tt_alias" };
	static const char *const alpha[] = { "tt_alpha" };
	static const char *const tt_i[] = { "tt_ifunc", "tt_ifunc_impl", "tt_ifunc_resolve" };
	static const char *const main_[] = { "main" };
	char path[PATH_MAX];
	struct elf_funcs fs;

	load_fixture("syms_pie", path, &fs);
	/* A transposition is one edit; tt_alias is two away, tt_beta too far. */
	check_suggest(&fs, "tt_alpah", 8, alpah, 2);
	check_suggest(&fs, "tt_alpah", 1, alpah, 1);
	/* Case-insensitive substring. */
	check_suggest(&fs, "ALPHA", 8, alpha, 1);
	/* Substrings, fewest extra characters first. */
	check_suggest(&fs, "tt_i", 8, tt_i, 3);
	check_suggest(&fs, "tt_i", 2, tt_i, 2);
	check_suggest(&fs, "mian", 8, main_, 1);
	check_suggest(&fs, "completely_unrelated", 8, NULL, 0);
	check_suggest(&fs, "", 8, NULL, 0);
	check_suggest(&fs, "tt_alpah", 0, NULL, 0);
	elf_funcs_free(&fs);
}

Test(elf_syms, suggestions_are_distinct_and_ranked)
{
	/* Sorted as elf_funcs_load leaves them: a name at two addresses, ties, an exact match. */
	struct elf_func v[] = {
		{ .name = "Work" }, { .name = "do_work" }, { .name = "do_work" },
		{ .name = "fork" }, { .name = "word" }, { .name = "work" }, { .name = "worker" },
	};
	struct elf_funcs fs = { .v = v, .n = ARRAY_LEN(v) };
	static const char *const want[] = { "Work", "work", "worker", "do_work", "fork", "word" };

	check_suggest(&fs, "work", 8, want, 6);
}

static int libc_path(char *buf, size_t len)
{
	struct link_map *lm = NULL;
	void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) || !lm || !lm->l_name[0])
		return -1;
	snprintf(buf, len, "%s", lm->l_name);
	dlclose(h);
	return 0;
}

Test(elf_syms, libc_loads_fast)
{
	char path[PATH_MAX];
	struct elf_funcs fs;
	struct timespec a, b;
	double ms;
	int err;

	if (libc_path(path, sizeof(path)))
		cr_skip_test("libc.so.6 is not loaded here (not glibc?)");
	clock_gettime(CLOCK_MONOTONIC, &a);
	err = elf_funcs_load(path, &fs);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_eq(err, 0, "elf_funcs_load(%s): %s", path, strerror(-err));
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	cr_log_info("%s: %zu functions in %.2f ms", path, fs.n, ms);
	cr_assert_lt(ms, 50.0, "%s took %.1f ms", path, ms);
	cr_assert_gt(fs.n, 1000, "%s: only %zu functions", path, fs.n);
	check_invariants(path, &fs);
	cr_assert_not_null(find(&fs, "malloc"), "malloc in libc");
	cr_assert_null(find(&fs, "malloc@@GLIBC_2.2.5"), "default versions are plain names");
#if defined(__x86_64__)
	/* glibc keeps the old memcpy (overlap-tolerant) as a non-default version. */
	cr_assert_not_null(find(&fs, "memcpy@GLIBC_2.2.5"), "memcpy@GLIBC_2.2.5");
	cr_assert_not_null(find(&fs, "memcpy"), "memcpy");
#endif
	elf_funcs_free(&fs);
}
