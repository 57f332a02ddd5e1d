// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* binary_resolve and binary_of_pid: paths, /proc/PID/maps, an ld.so cache the test writes,
 * the real /etc/ld.so.cache, and $PATH. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols/binary_resolve.h"
#include "fixtures/fixtures.h"

/* The canonical path of a fixture, as binary_resolve must give it. */
static void fixture_real(char *buf, const char *name)
{
	char path[PATH_MAX];

	fixture_path(path, sizeof(path), name);
	cr_assert_not_null(realpath(path, buf), "realpath %s", path);
}

static void expect_path(const char *name, int pid, const char *want)
{
	char out[PATH_MAX];
	int err = binary_resolve(name, pid, out, sizeof(out));

	cr_assert_eq(err, 0, "binary_resolve(%s, %d): %s", name, pid, strerror(-err));
	cr_assert_str_eq(out, want, "binary_resolve(%s, %d)", name, pid);
}

static void expect_error(const char *name, int pid, size_t outlen, int want)
{
	char out[PATH_MAX];
	int err = binary_resolve(name, pid, out, outlen);

	cr_assert_eq(err, want, "binary_resolve(%s, %d, outlen %zu): %d (%s), want %d (%s)", name,
		     pid, outlen, err, strerror(-err), want, strerror(-want));
}

/* The file a symbol of this process lives in, canonical. */
static void dso_of(const char *sym, char *buf)
{
	void *p = dlsym(RTLD_DEFAULT, sym);
	Dl_info info;

	cr_assert(p && dladdr(p, &info) && info.dli_fname, "where is %s", sym);
	cr_assert_not_null(realpath(info.dli_fname, buf), "realpath %s", info.dli_fname);
}

static void mkdir_in(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", tmpdir, name);
	cr_assert_eq(mkdir(buf, 0755), 0, "mkdir %s: %s", buf, strerror(errno));
}

/* Keeps the real cache and $PATH out of a test's way. */
static void isolate(void)
{
	char none[PATH_MAX];

	snprintf(none, sizeof(none), "%s/no-ld.so.cache", tmpdir);
	binary_resolve_set_ldcache(none);
	cr_assert_eq(setenv("PATH", tmpdir, 1), 0, "setenv");
}

Test(binary_resolve, path_with_slash, .init = make_tmpdir, .fini = remove_tmpdir)
{
	char lib[PATH_MAX], link[PATH_MAX + 16], name[PATH_MAX + 16], dir[PATH_MAX];

	fixture_real(lib, "libsyms.so");
	expect_path(lib, 0, lib);
	/* Relative to the working directory, and through a symlink: both made canonical. */
	snprintf(dir, sizeof(dir), "%s", lib);
	*strrchr(dir, '/') = '\0';
	cr_assert_eq(chdir(dir), 0, "chdir %s", dir);
	expect_path("./libsyms.so", 0, lib);
	snprintf(name, sizeof(name), "../%s/libsyms.so", strrchr(dir, '/') + 1);
	expect_path(name, getpid(), lib);
	snprintf(link, sizeof(link), "%s/liblink.so", tmpdir);
	cr_assert_eq(symlink(lib, link), 0, "symlink %s", link);
	expect_path(link, 0, lib);

	expect_error("./no-such-file", 0, PATH_MAX, -ENOENT);
	snprintf(name, sizeof(name), "%s/x", lib);
	expect_error(name, 0, PATH_MAX, -ENOENT);
	expect_error(lib, 0, strlen(lib), -ENAMETOOLONG);
	expect_error("", 0, PATH_MAX, -ENOENT);
}

struct cache_ent {
	int32_t flags;
	const char *key;
	const char *value;
};

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * An ld.so cache as ldconfig writes it: header, 24-byte entries, strings at offsets from the
 * header. With old_format, glibc < 2.32's compat layout: an "ld.so-1.7.0" table first, with
 * the new cache hidden in its string table.
 */
static void write_ldcache(const char *path, const struct cache_ent *e, size_t n, int old_format)
{
	static const char old_magic[] = "ld.so-1.7.0", new_magic[] = "glibc-ld.so.cache1.1";
	size_t old_size = old_format ? (12 + 4 + 12 * n + 7) / 8 * 8 : 0;
	size_t hdr = 48, strs = hdr + 24 * n, len = strs, i;
	unsigned char *buf, *p;

	for (i = 0; i < n; i++)
		len += strlen(e[i].key) + 1 + strlen(e[i].value) + 1;
	buf = calloc(1, old_size + len);
	cr_assert_not_null(buf);
	p = buf + old_size;
	memcpy(p, new_magic, sizeof(new_magic) - 1);
	put32(p + 20, n);
	put32(p + 24, len - strs);
	p[28] = 2;	/* little endian */
	for (i = 0; i < n; i++) {
		unsigned char *ent = p + hdr + 24 * i;
		size_t key = strs, value;

		strs += strlen(strcpy((char *)p + key, e[i].key)) + 1;
		value = strs;
		strs += strlen(strcpy((char *)p + value, e[i].value)) + 1;
		put32(ent, e[i].flags);
		put32(ent + 4, key);
		put32(ent + 8, value);
		if (old_format) {
			/* Old offsets count from the end of the old table, where the new one is. */
			unsigned char *old = buf + 16 + 12 * i;
			size_t pad = old_size - (16 + 12 * n);

			put32(old, e[i].flags);
			put32(old + 4, pad + key);
			put32(old + 8, pad + value);
		}
	}
	if (old_format) {
		memcpy(buf, old_magic, sizeof(old_magic) - 1);
		put32(buf + 12, n);
	}
	write_file(path, buf, old_size + len, 0644);
	free(buf);
}

/* The ABI flags binary_resolve prefers on this machine, and another ABI's (i386). */
#if defined(__x86_64__)
#define HOST_LIB	0x0303
#elif defined(__aarch64__)
#define HOST_LIB	0x0a03
#else
#define HOST_LIB	0x0003
#define NO_ABI_PREFERENCE
#endif
#define OTHER_LIB	0x0003

/* Writes the test cache and makes binary_resolve read it; $PATH is an empty directory. */
static void use_test_cache(int old_format)
{
	char syms[PATH_MAX], ver[PATH_MAX], cache[PATH_MAX];
	const struct cache_ent e[] = {
		/* Shorter, but another ABI's. */
		{ OTHER_LIB, "libttarch.so", ver },
		{ HOST_LIB, "libttarch.so.1", syms },
		{ HOST_LIB, "libttfix-extra.so.2", ver },
		{ HOST_LIB, "libttfixx.so", ver },
		{ HOST_LIB, "libttfix.so.1", syms },
		/* Shorter, but its file is gone. */
		{ HOST_LIB, "libttstale.so", "/nonexistent/libttstale.so" },
		{ HOST_LIB, "libttstale.so.1", ver },
		{ HOST_LIB, "libttgone.so.1", "/nonexistent/libttgone.so.1" },
		{ HOST_LIB, "libelf.so.1", syms },
	};

	isolate();
	fixture_real(syms, "libsyms.so");
	fixture_real(ver, "libver.so");
	snprintf(cache, sizeof(cache), "%s/ld.so.cache", tmpdir);
	write_ldcache(cache, e, sizeof(e) / sizeof(e[0]), old_format);
	binary_resolve_set_ldcache(cache);
}

static void check_test_cache(void)
{
	char syms[PATH_MAX], ver[PATH_MAX];

	fixture_real(syms, "libsyms.so");
	fixture_real(ver, "libver.so");
	expect_path("libttfix", 0, syms);
	expect_path("libttfix.so.1", 0, syms);
	expect_path("libttfix-extra", 0, ver);
	expect_path("libttfixx", 0, ver);
#ifndef NO_ABI_PREFERENCE
	expect_path("libttarch", 0, syms);
#endif
	expect_path("libttstale", 0, ver);
	expect_error("libttgone", 0, PATH_MAX, -ENOENT);
	expect_error("libttfi", 0, PATH_MAX, -ENOENT);
	expect_error("ttfix", 0, PATH_MAX, -ENOENT);
	/* A pid that cannot exist: the cache still answers. */
	expect_path("libttfix", INT_MAX, syms);
	expect_error("libttfix", 0, strlen(syms), -ENAMETOOLONG);
}

Test(binary_resolve, ld_so_cache, .init = make_tmpdir, .fini = remove_tmpdir)
{
	use_test_cache(0);
	check_test_cache();
}

Test(binary_resolve, ld_so_cache_old_format, .init = make_tmpdir, .fini = remove_tmpdir)
{
	use_test_cache(1);
	check_test_cache();
}

Test(binary_resolve, ld_so_cache_malformed, .init = make_tmpdir, .fini = remove_tmpdir)
{
	unsigned char bad[48 + 24] = "glibc-ld.so.cache1.1";
	char syms[PATH_MAX], cache[PATH_MAX];
	const struct cache_ent e[] = { { HOST_LIB, "libttfix.so.1", syms } };
	struct stat st;

	isolate();
	fixture_real(syms, "libsyms.so");
	snprintf(cache, sizeof(cache), "%s/ld.so.cache", tmpdir);
	binary_resolve_set_ldcache(cache);
	/* A huge entry count, then one entry whose strings lie past the end. */
	put32(bad + 20, UINT32_MAX);
	write_file(cache, bad, sizeof(bad), 0644);
	expect_error("libttfix", 0, PATH_MAX, -ENOENT);
	put32(bad + 20, 1);
	put32(bad + 48 + 4, UINT32_MAX - 8);
	put32(bad + 48 + 8, sizeof(bad));
	write_file(cache, bad, sizeof(bad), 0644);
	expect_error("libttfix", 0, PATH_MAX, -ENOENT);
	/* A header cut short, strings cut short, an empty file. */
	write_file(cache, bad, 30, 0644);
	expect_error("libttfix", 0, PATH_MAX, -ENOENT);
	write_ldcache(cache, e, 1, 0);
	expect_path("libttfix", 0, syms);
	cr_assert_eq(stat(cache, &st), 0);
	cr_assert_eq(truncate(cache, st.st_size - 3), 0, "truncate");
	expect_error("libttfix", 0, PATH_MAX, -ENOENT);
	write_file(cache, "", 0, 0644);
	expect_error("libttfix", 0, PATH_MAX, -ENOENT);
}

Test(binary_resolve, real_ld_so_cache_finds_libc)
{
	char out[PATH_MAX], libc[PATH_MAX];
	struct stat a, b;
	const char *base;
	int err;

	if (access("/etc/ld.so.cache", R_OK))
		cr_skip_test("no /etc/ld.so.cache here");
	binary_resolve_set_ldcache(NULL);
	err = binary_resolve("libc", 0, out, sizeof(out));
	cr_assert_eq(err, 0, "binary_resolve(libc): %s", strerror(-err));
	base = strrchr(out, '/') + 1;
	cr_assert(!strcmp(base, "libc.so.6") || !strncmp(base, "libc-", 5),
		  "libc resolved to %s", out);
	/* The very file this process runs, whichever of its names the cache gave. */
	dso_of("gnu_get_libc_version", libc);
	cr_assert(!stat(out, &a) && !stat(libc, &b) && a.st_ino == b.st_ino &&
		  a.st_dev == b.st_dev, "libc: %s is not the loaded %s", out, libc);
}

Test(binary_resolve, process_mappings_come_first, .init = make_tmpdir, .fini = remove_tmpdir)
{
	char elf[PATH_MAX], crit[PATH_MAX], syms[PATH_MAX], exe[PATH_MAX];

	use_test_cache(0);
	fixture_real(syms, "libsyms.so");
	dso_of("elf_version", elf);
	dso_of("cr_log", crit);
	/* libelf-0.188.so on Debian: the "name-" form, found in this process's maps. */
	expect_path("libelf", getpid(), elf);
	expect_path("libcriterion", getpid(), crit);
	/* Without the pid, the (test) cache answers for libelf instead. */
	expect_path("libelf", 0, syms);
	/* The executable itself, by its own name. */
	cr_assert_not_null(realpath("/proc/self/exe", exe));
	expect_path(strrchr(exe, '/') + 1, getpid(), exe);
	expect_error("libelf", getpid(), strlen(elf), -ENAMETOOLONG);
	expect_error("tt-no-such-library", getpid(), PATH_MAX, -ENOENT);
}

/* A copy of a fixture library at tmpdir/name, loaded into this process. */
static void load_copy(const char *name, char *path)
{
	char src[PATH_MAX];
	static char buf[1 << 20];
	size_t n;
	FILE *f;

	fixture_path(src, sizeof(src), "libsyms.so");
	f = fopen(src, "r");
	cr_assert_not_null(f, "open %s", src);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
	write_file(path, buf, n, 0755);
	cr_assert_not_null(dlopen(path, RTLD_NOW | RTLD_LOCAL), "dlopen %s: %s", path, dlerror());
}

Test(binary_resolve, mappings_shortest_name_not_deleted, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
	char longer[PATH_MAX], shorter[PATH_MAX], deleted[PATH_MAX];

	isolate();
	/* Mapped in this order, so the first or the last match alone would be the long one. */
	load_copy("libttmap-long.so", longer);
	load_copy("libttmap.so.1", shorter);
	load_copy("libttmap-longest.so", longer);
	expect_path("libttmap", getpid(), shorter);
	/* Still mapped, but its path names nothing any more. */
	load_copy("libttdel.so", deleted);
	cr_assert_eq(unlink(deleted), 0);
	expect_error("libttdel", getpid(), PATH_MAX, -ENOENT);
}

/* A library renamed over (a package upgrade) while mapped: still found by name, at its path,
 * and binary_open_mapped reaches the copy mapped, not the new file there. */
Test(binary_resolve, replaced_mapping, .init = make_tmpdir, .fini = remove_tmpdir)
{
	char lib[PATH_MAX], path[PATH_MAX + 16], other[PATH_MAX];
	struct stat old, now, got;
	int fd, err;

	isolate();
	load_copy("libttrepl.so", lib);
	cr_assert_eq(stat(lib, &old), 0);
	/* nothing replaced yet: the path itself is probed */
	strcpy(path, lib);
	cr_assert_eq(binary_open_mapped(getpid(), path, &fd), 0);
	cr_assert_eq(fd, -1, "the file at the path is the one mapped");

	snprintf(other, sizeof(other), "%s/.new", tmpdir);
	write_file(other, "not the library", 15, 0755);
	cr_assert_eq(rename(other, lib), 0, "rename over %s", lib);
	cr_assert_eq(stat(lib, &now), 0);
	expect_path("libttrepl", getpid(), lib);

	/* as /proc/PID/exe shows a replaced executable: the suffix goes */
	snprintf(path, sizeof(path), "%s (deleted)", lib);
	err = binary_open_mapped(getpid(), path, &fd);
	cr_assert_str_eq(path, lib);
	if (err == -EPERM)
		cr_skip_test("/proc/PID/map_files needs CAP_SYS_ADMIN");
	cr_assert_eq(err, 0, "binary_open_mapped: %s", strerror(-err));
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &got), 0);
	cr_assert(got.st_ino == old.st_ino && got.st_dev == old.st_dev && got.st_ino != now.st_ino,
		  "the file mapped (inode %llu), not the one at the path now (%llu): got %llu",
		  (unsigned long long)old.st_ino, (unsigned long long)now.st_ino,
		  (unsigned long long)got.st_ino);
	close(fd);

	/* a file this process does not run from */
	strcpy(path, other);
	cr_assert_eq(binary_open_mapped(getpid(), path, &fd), 0);
	cr_assert_eq(fd, -1);
}

Test(binary_resolve, path_search, .init = make_tmpdir, .fini = remove_tmpdir)
{
	static const char script[] = "#!/bin/sh\nexit 0\n";
	char d1[PATH_MAX], d2[PATH_MAX], d3[PATH_MAX], f[PATH_MAX + 16], cmd[PATH_MAX + 16];
	char dir[PATH_MAX + 16], link[PATH_MAX + 16], path[4 * PATH_MAX], real[PATH_MAX];

	isolate();
	mkdir_in(d1, "d1");
	mkdir_in(d2, "d2");
	mkdir_in(d3, "d3");
	/* Not executable, a directory, then the one to find. */
	snprintf(f, sizeof(f), "%s/ttfakecmd", d1);
	write_file(f, script, sizeof(script) - 1, 0644);
	snprintf(dir, sizeof(dir), "%s/ttfakecmd", d2);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(cmd, sizeof(cmd), "%s/ttfakecmd", d3);
	write_file(cmd, script, sizeof(script) - 1, 0755);
	snprintf(link, sizeof(link), "%s/ttlink", d3);
	cr_assert_eq(symlink("ttfakecmd", link), 0);
	snprintf(path, sizeof(path), "%s:%s:%s", d1, d2, d3);
	cr_assert_eq(setenv("PATH", path, 1), 0);
	cr_assert_not_null(realpath(cmd, real));

	expect_path("ttfakecmd", 0, real);
	expect_path("ttfakecmd", getpid(), real);
	expect_path("ttlink", 0, real);
	expect_error("ttfakecmd", 0, strlen(real), -ENAMETOOLONG);
	expect_error("tt-no-such-command", 0, PATH_MAX, -ENOENT);

	/* An empty element is the working directory, as for execvp. */
	cr_assert_eq(setenv("PATH", "/nonexistent:", 1), 0);
	cr_assert_eq(chdir(d3), 0);
	expect_path("ttfakecmd", 0, real);
	cr_assert_eq(chdir(d1), 0);
	expect_error("ttfakecmd", 0, PATH_MAX, -ENOENT);
}

Test(binary_resolve, binary_of_pid)
{
	char out[PATH_MAX], want[PATH_MAX];
	ssize_t n;
	long pid_max = 0;
	FILE *f;

	n = readlink("/proc/self/exe", want, sizeof(want) - 1);
	cr_assert_gt(n, 0, "readlink /proc/self/exe");
	want[n] = '\0';
	cr_assert_eq(binary_of_pid(getpid(), out, sizeof(out)), 0);
	cr_assert_str_eq(out, want);
	cr_assert_eq(binary_of_pid(getpid(), out, n), -ENAMETOOLONG, "buffer one byte short");
	cr_assert_eq(binary_of_pid(getpid(), out, 0), -ENAMETOOLONG, "no buffer");

	/* pids stay below pid_max: that one never exists. */
	f = fopen("/proc/sys/kernel/pid_max", "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%ld", &pid_max), 1);
	fclose(f);
	cr_assert_eq(binary_of_pid((int)pid_max, out, sizeof(out)), -ENOENT);
	cr_assert_eq(binary_of_pid(0, out, sizeof(out)), -ENOENT);
}
