/* Separate debug files: found by build id in the folders of TAILTRACE_DEBUG_DIRS and by
 * .gnu_debuglink beside the binary, refused when the build id or the CRC do not match; their
 * names and DWARF then serve the stripped binary (fixtures: tests/unit/fixtures.mk). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols/debug_file.h"
#include "symbols/elf_syms.h"
#include "symbols/sym_file.h"

static const char *fixture(const char *name)
{
	static char path[4][4096];
	static int next;
	const char *dir = getenv("TT_FIXTURES");
	char *p = path[next++ % 4];

	cr_assert(dir, "TT_FIXTURES is not set (run through make unit)");
	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static int open_fixture(const char *name)
{
	int fd = open(fixture(name), O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0, "%s: %s", fixture(name), strerror(errno));
	return fd;
}

Test(debug_file, debuglink_name_and_crc)
{
	char name[256], path[4200];
	uint32_t crc, file_crc;
	int fd = open_fixture("dbg_linked"), dfd;

	cr_assert_eq(debug_link(fd, name, sizeof(name), &crc), 0);
	cr_assert_str_eq(name, "dbg_linked.debug");
	snprintf(path, sizeof(path), "%s.debug", fixture("dbg_linked"));
	dfd = open(path, O_RDONLY);
	cr_assert_geq(dfd, 0);
	cr_assert_eq(debug_file_crc(dfd, &file_crc), 0);
	cr_assert_eq(crc, file_crc, "the CRC objcopy wrote is zlib's CRC32 of the file");
	cr_assert_eq(debug_link(dfd, name, 4, &crc), -ENOENT, "a debug file has no link");
	close(dfd);
	cr_assert_eq(debug_link(fd, name, 8, &crc), -ENAMETOOLONG);
	close(fd);
}

Test(debug_file, found_by_debuglink_beside_the_binary)
{
	int fd = open_fixture("dbg_linked"), dfd;
	char id[129], did[129];

	unsetenv(DEBUG_DIRS_ENV);
	dfd = debug_file_open(fd, fixture("dbg_linked"), 0);
	cr_assert_geq(dfd, 0, "%s", strerror(-dfd));
	cr_assert_eq(elf_build_id(fd, id, sizeof(id)), 0);
	cr_assert_eq(elf_build_id(dfd, did, sizeof(did)), 0);
	cr_assert_str_eq(id, did);
	close(dfd);
	cr_assert_eq(debug_file_open(fd, NULL, 0), -ENOENT, "no path: nowhere to look beside");
	close(fd);
}

Test(debug_file, a_bad_crc_is_refused)
{
	int fd = open_fixture("dbg_badcrc");

	unsetenv(DEBUG_DIRS_ENV);
	cr_assert_eq(debug_file_open(fd, fixture("dbg_badcrc"), 0), -ENOENT);
	close(fd);
}

Test(debug_file, found_by_build_id_in_the_folders_given)
{
	char dirs[8400];
	int fd = open_fixture("dbg_stripped"), dfd;

	unsetenv(DEBUG_DIRS_ENV);
	cr_assert_eq(debug_file_open(fd, fixture("dbg_stripped"), 0), -ENOENT);
	snprintf(dirs, sizeof(dirs), "/nonexistent::%s", fixture("debugdir"));
	setenv(DEBUG_DIRS_ENV, dirs, 1);
	dfd = debug_file_open(fd, fixture("dbg_stripped"), 0);
	cr_assert_geq(dfd, 0, "%s", strerror(-dfd));
	close(dfd);
	/* another build's file at the path of this build id: its addresses mean other code */
	setenv(DEBUG_DIRS_ENV, fixture("wrongdir"), 1);
	cr_assert_eq(debug_file_open(fd, fixture("dbg_stripped"), 0), -ENOENT);
	close(fd);
	unsetenv(DEBUG_DIRS_ENV);
}

/* The file offset of name in the unstripped build: the same in the stripped one. */
static uint64_t offset_of(const char *name)
{
	struct elf_funcs fs;
	uint64_t off = 0;

	cr_assert_eq(elf_funcs_load(fixture("dbg_full"), &fs), 0);
	for (size_t i = 0; i < fs.n; i++)
		if (!strcmp(fs.v[i].name, name))
			off = fs.v[i].offset;
	elf_funcs_free(&fs);
	cr_assert(off, "%s in dbg_full", name);
	return off;
}

static void lookup_in(const char *name, const char *expect_static)
{
	struct sym_file_frame fr[4];
	uint64_t off = offset_of("tt_static_fn");
	struct sym_file *f;
	struct stat st;
	int fd = open_fixture(name);
	size_t n;

	cr_assert_eq(fstat(fd, &st), 0);
	f = sym_file_load(fd, &st, fixture(name), 0);
	cr_assert(f);
	n = sym_file_lookup(f, off + 1, false, true, fr, 4);
	cr_assert_eq(n, 1);
	if (expect_static) {
		cr_assert(sym_file_has_debug_file(f));
		cr_assert_str_eq(fr[0].symbol, expect_static, "a local only the debug file has");
		cr_assert_eq(fr[0].offset, 1);
		cr_assert(fr[0].file && strstr(fr[0].file, "syms.c"), "DWARF's file: %s",
			  fr[0].file ? fr[0].file : "none");
		cr_assert_gt(fr[0].line, 0);
	} else {
		cr_assert(!sym_file_has_debug_file(f));
		cr_assert_null(fr[0].symbol, "%s", fr[0].symbol);
		cr_assert_null(fr[0].file);
	}
	/* again: the same answer, from the cache */
	cr_assert_eq(sym_file_lookup(f, off + 1, false, true, fr + 1, 3), 1);
	cr_assert_eq(fr[1].symbol, fr[0].symbol);
	cr_assert_eq(fr[1].line, fr[0].line);
	/* the name alone: no line */
	cr_assert_eq(sym_file_lookup(f, off + 1, false, false, fr + 2, 2), 1);
	cr_assert_eq(fr[2].symbol, fr[0].symbol);
	cr_assert_null(fr[2].file);
	cr_assert_eq(fr[2].line, 0);
	sym_file_free(f);
	close(fd);
}

Test(debug_file, stripped_binary_named_from_its_debug_file)
{
	unsetenv(DEBUG_DIRS_ENV);
	lookup_in("dbg_linked", "tt_static_fn");
	lookup_in("dbg_badcrc", NULL);
	setenv(DEBUG_DIRS_ENV, fixture("debugdir"), 1);
	lookup_in("dbg_stripped", "tt_static_fn");
	unsetenv(DEBUG_DIRS_ENV);
}
