/* Looking for a process's interpreter reads each python* file it maps once: a hostile process
 * mapped one 24 MB python_fake.so 2000 times, and each mapping cost a .dynsym scan, inside
 * the ring's drain (profile ran 122 s for -d 2s). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "python/pyproc.h"

/* A copy of an ELF file that is not an interpreter (no _PyRuntime), named like one. */
static int fake_python(const char *dir, int i)
{
	char path[256], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/python_fake%d.so", dir, i);
	in = open("/bin/true", O_RDONLY);
	out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	close(in);
	return out;
}

/* The files go; their mappings stay until the test's process ends. */
static void remove_all(const char *dir, int n)
{
	char path[256];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/python_fake%d.so", dir, i);
		unlink(path);
	}
	rmdir(dir);
}

static void map_many(int fd, int n)
{
	for (int i = 0; i < n; i++)
		cr_assert_neq(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), MAP_FAILED);
}

Test(pyproc, a_file_mapped_many_times_is_read_once)
{
	char dir[] = "/tmp/tt-pyproc-XXXXXX";
	struct pyproc p;
	uint64_t before;
	int fd;

	cr_assert(mkdtemp(dir));
	fd = fake_python(dir, 0);
	map_many(fd, 500);
	before = pyproc_elf_reads();
	cr_assert_eq(pyproc_find(getpid(), &p), PYPROC_NONE);
	cr_assert_eq(pyproc_elf_reads() - before, 1, "%llu reads of one file",
		     (unsigned long long)(pyproc_elf_reads() - before));
	/* its verdict is kept for the next look-up (another process of the same file) */
	cr_assert_eq(pyproc_find(getpid(), &p), PYPROC_NONE);
	cr_assert_eq(pyproc_elf_reads() - before, 1);
	remove_all(dir, 1);
}

Test(pyproc, at_most_a_few_files_are_read)
{
	char dir[] = "/tmp/tt-pyproc-XXXXXX";
	struct pyproc p;
	uint64_t before;

	cr_assert(mkdtemp(dir));
	for (int i = 0; i < 3 * PYPROC_FILES_MAX; i++)
		map_many(fake_python(dir, i), 2);
	before = pyproc_elf_reads();
	cr_assert_eq(pyproc_find(getpid(), &p), PYPROC_NONE);
	cr_assert_eq(pyproc_elf_reads() - before, PYPROC_FILES_MAX, "%llu files read",
		     (unsigned long long)(pyproc_elf_reads() - before));
	remove_all(dir, 3 * PYPROC_FILES_MAX);
}
