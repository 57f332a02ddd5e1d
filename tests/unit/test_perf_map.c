/* perf's JIT maps read as hostile text: what perf documents is read, every other line is
 * counted and skipped, and no link, FIFO, device, other user's file or huge file is read. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbols/perf_map.h"

static char dir[] = "/tmp/tt-perfmap-XXXXXX";
static char path[256];

static void setup(void)
{
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/perf-4242.map", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(perf_map, .init = setup, .fini = teardown);

static void write_map(const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

Test(perf_map, perf_s_format_and_nothing_else)
{
	static const char text[] =
		"7f0000001000 40 jit_a\n"
		"0x7f0000002000 0x10 LazyCompile:*foo /app/x.js:3\r\n"	/* spaces in names */
		"\n"
		"garbage\n"
		"7f0000003000 zz bad_size\n"
		"7f0000004000 0 zero_size\n"
		"ffffffffffffff00 1000 wraps\n"
		"12345678901234567 10 too_many_digits\n"
		"7f0000005000 10\n"					/* no name */
		"7f0000005000 10 \n"					/* empty name */
		"7f0000006000 10 evil\x1b[2Jname\n"
		"7f0000001000 20 jit_a_again\n"				/* same start: later wins */
		"7f0000007000 8 last_without_newline";
	struct perf_map m;

	write_map(text, sizeof(text) - 1);
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), 0);
	cr_assert_eq(m.n, 4, "%zu entries (jit_a replaced by jit_a_again)", m.n);
	cr_assert_eq(m.bad_lines, 7, "%zu bad lines", m.bad_lines);
	cr_assert_str_eq(perf_map_find(&m, 0x7f0000001010)->name, "jit_a_again");
	cr_assert_null(perf_map_find(&m, 0x7f0000001020), "jit_a_again is 0x20 long");
	cr_assert_str_eq(perf_map_find(&m, 0x7f000000200f)->name, "LazyCompile:*foo /app/x.js:3");
	cr_assert_null(perf_map_find(&m, 0x7f0000002010));
	cr_assert_str_eq(perf_map_find(&m, 0x7f0000006000)->name, "evil\x1b[2Jname",
			 "kept as written: the emitters escape it");
	cr_assert_str_eq(perf_map_find(&m, 0x7f0000007007)->name, "last_without_newline");
	cr_assert_null(perf_map_find(&m, 0x1000));
	perf_map_free(&m);
}

Test(perf_map, long_names_are_cut)
{
	size_t n = PERF_MAP_NAME_MAX * 3;
	char *text = malloc(n + 32);
	struct perf_map m;
	int k;

	cr_assert(text);
	k = snprintf(text, 32, "1000 10 ");
	memset(text + k, 'a', n);
	write_map(text, k + n);
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), 0);
	cr_assert_eq(m.n, 1);
	cr_assert_eq(strlen(m.v[0].name), PERF_MAP_NAME_MAX);
	perf_map_free(&m);
	free(text);
}

Test(perf_map, no_map_is_enoent)
{
	struct perf_map m;

	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), -ENOENT);
	cr_assert_eq(m.n, 0);
}

Test(perf_map, a_symlink_is_not_followed)
{
	struct perf_map m;

	cr_assert_eq(symlink("/etc/passwd", path), 0);
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), -ELOOP);
	cr_assert_eq(m.n, 0);
}

Test(perf_map, a_fifo_does_not_block, .timeout = 10)
{
	struct perf_map m;

	cr_assert_eq(mkfifo(path, 0644), 0);
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), -ESPIPE);
}

Test(perf_map, a_directory_or_device_is_refused)
{
	struct perf_map m;

	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), -EISDIR);
	rmdir(path);
	cr_assert_eq(symlink("/dev/null", path), 0, "through a link: refused as a link");
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), -ELOOP);
}

Test(perf_map, another_user_s_map_is_refused)
{
	struct perf_map m;

	write_map("1000 10 a\n", 10);
	if (getuid() != 0)
		cr_skip_test("chown needs root");
	cr_assert_eq(chown(path, 65534, 65534), 0);
	cr_assert_eq(perf_map_load(dir, 4242, 1000, &m), -EPERM, "nobody's, not the process's");
	cr_assert_eq(perf_map_load(dir, 4242, 65534, &m), 0, "the process's own");
	cr_assert_eq(m.n, 1);
	perf_map_free(&m);
	cr_assert_eq(chown(path, 0, 0), 0);
	cr_assert_eq(perf_map_load(dir, 4242, 1000, &m), 0, "root's is believed");
	perf_map_free(&m);
}

Test(perf_map, a_huge_map_is_refused_unread)
{
	struct perf_map m;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	/* sparse: nothing written, the size alone is refused */
	cr_assert_eq(ftruncate(fd, (off_t)PERF_MAP_MAX_BYTES + 1), 0);
	close(fd);
	cr_assert_eq(perf_map_load(dir, 4242, getuid(), &m), -EFBIG);
}

Test(perf_map, reload_only_when_changed)
{
	struct perf_map m = { 0 };
	struct stat st = { 0 };

	write_map("1000 10 a\n", 10);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, PERF_MAP_MAX_BYTES), 0);
	cr_assert_eq(m.n, 1);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, PERF_MAP_MAX_BYTES), 1, "unchanged");
	cr_assert_eq(m.n, 1, "kept");
	write_map("1000 10 a\n2000 10 b\n", 20);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, PERF_MAP_MAX_BYTES), 0);
	cr_assert_eq(m.n, 2, "a JIT's new lines are read");
	unlink(path);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, PERF_MAP_MAX_BYTES), -ENOENT);
	cr_assert_eq(m.n, 2, "a map that went away keeps what was read");
	perf_map_free(&m);
}

/* Random bytes as a map: never a crash, every entry well formed. */
Test(perf_map, random_bytes)
{
	char buf[4096];
	struct perf_map m;

	srand(12345);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)rand() % sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = "0123456789abcdefx \n\r\t"[rand() % 22];
		cr_assert_eq(perf_map_parse(buf, n, &m), 0);
		for (size_t i = 0; i < m.n; i++) {
			cr_assert(m.v[i].size && m.v[i].start + m.v[i].size > m.v[i].start);
			cr_assert(m.v[i].name[0] && !strchr(m.v[i].name, '\n'));
			cr_assert(!i || m.v[i - 1].start < m.v[i].start, "sorted, one per start");
		}
		perf_map_free(&m);
	}
}

/* A reload is bounded by what the caller can still hold (all processes' maps together): a
 * map over it is -EFBIG and leaves the map read before as it was. */
Test(perf_map, a_reload_over_the_room_left_is_refused)
{
	static const char small[] = "7f0000001000 40 jit_a\n";
	static const char big[] = "7f0000001000 40 jit_a\n7f0000002000 40 jit_b_with_a_long_name\n";
	struct perf_map m = { 0 };
	struct stat st = { 0 };

	write_map(small, sizeof(small) - 1);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, 1000), 0);
	cr_assert_eq(m.n, 1);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, 1000), 1, "unchanged");
	write_map(big, sizeof(big) - 1);
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, sizeof(big) - 2), -EFBIG);
	cr_assert_eq(m.n, 1, "the map read before stays");
	cr_assert_eq(perf_map_reload(dir, 4242, getuid(), &m, &st, sizeof(big) - 1), 0);
	cr_assert_eq(m.n, 2);
	perf_map_free(&m);
}
