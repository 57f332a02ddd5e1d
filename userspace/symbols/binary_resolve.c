// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The BINARY part of a probe spec as an absolute path: a path, a mapping of the traced
 * process, an ld.so cache entry or an executable in $PATH. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/safe_open.h"
#include "symbols/binary_resolve.h"

#define LDCACHE_DEFAULT	"/etc/ld.so.cache"
#define LDCACHE_MAGIC	"glibc-ld.so.cache1.1"
/* Real caches are a few hundred kB; the whole file is mapped and searched. */
#define LDCACHE_MAX	(64 << 20)

static char ldcache_path[PATH_MAX] = LDCACHE_DEFAULT;

/* glibc's struct cache_file_new and struct file_entry_new (sysdeps/generic/dl-cache.h). */
struct ldcache_header {
	char magic[sizeof(LDCACHE_MAGIC) - 1];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct ldcache_entry {
	int32_t flags;		/* low byte: kind of library; next byte: required arch */
	uint32_t key;		/* soname, offset from the header */
	uint32_t value;		/* path, offset from the header */
	uint32_t osversion;
	uint64_t hwcap;
};

_Static_assert(sizeof(struct ldcache_header) == 48, "ld.so cache header layout");
_Static_assert(sizeof(struct ldcache_entry) == 24, "ld.so cache entry layout");

/* The cache also lists other ABIs' libraries (i386, x32) under the same sonames. */
#define LDCACHE_ARCH_MASK	0xff00
#if defined(__x86_64__) && defined(__LP64__)
#define LDCACHE_HOST_ARCH	0x0300	/* FLAG_X8664_LIB64 */
#elif defined(__aarch64__) && defined(__LP64__)
#define LDCACHE_HOST_ARCH	0x0a00	/* FLAG_AARCH64_LIB64 */
#endif

void binary_resolve_set_ldcache(const char *path)
{
	snprintf(ldcache_path, sizeof(ldcache_path), "%s", path ? path : LDCACHE_DEFAULT);
}

static int copy_out(const char *s, char *out, size_t outlen)
{
	size_t len = strlen(s);

	if (len >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, s, len + 1);
	return 0;
}

/* realpath into buf[PATH_MAX]: 0 or -errno, with a missing directory also -ENOENT. */
static int canonical(const char *path, char *buf)
{
	if (!realpath(path, buf))
		return errno == ENOTDIR ? -ENOENT : -errno;
	return 0;
}

/* "libc" matches libc, libc.so, libc.so.6 and libc-2.31.so; "libsqlite3" matches
 * libsqlite3.so.0.8.6 but not libsqlite3x.so. */
static int name_matches(const char *base, const char *name, size_t nlen)
{
	if (strncmp(base, name, nlen))
		return 0;
	base += nlen;
	return !*base || !strcmp(base, ".so") || !strncmp(base, ".so.", 4) || *base == '-';
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

#define DELETED_SUFFIX " (deleted)"

/* Removes the " (deleted)" the kernel adds to the path of a file unlinked (or renamed over)
 * since it was mapped or executed; true if it was there. */
static bool strip_deleted(char *path)
{
	size_t len = strlen(path), slen = strlen(DELETED_SUFFIX);

	if (len <= slen || strcmp(path + len - slen, DELETED_SUFFIX))
		return false;
	path[len - slen] = '\0';
	return true;
}

static int resolve_in_maps(const char *name, int pid, char *out, size_t outlen)
{
	size_t nlen = strlen(name), best_len = SIZE_MAX, cap = 0;
	char maps[64], *line = NULL, *best = NULL;
	char buf[PATH_MAX];
	ssize_t len;
	FILE *f;
	int err = -ENOENT;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = safe_fopen(maps, SAFE_TEXT_MAX);
	if (!f)
		return -ENOENT;
	while ((len = getline(&line, &cap, f)) > 0) {
		/* No field before the path has a '/'; anonymous and special mappings have none. */
		char *path = strchr(line, '/');
		const char *base;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!path)
			continue;
		/* A file replaced at its path (a package upgrade) is still the library meant:
		 * its path is found, and binary_open_mapped() reaches the copy mapped. One
		 * whose path names nothing any more is not found. */
		if (strip_deleted(path) && access(path, F_OK))
			continue;
		base = base_name(path);
		if (!name_matches(base, name, nlen) || strlen(base) >= best_len)
			continue;
		free(best);
		best = strdup(path);
		if (!best) {
			err = -ENOMEM;
			break;
		}
		best_len = strlen(base);
	}
	free(line);
	fclose(f);
	if (best) {
		err = canonical(best, buf);
		if (!err)
			err = copy_out(buf, out, outlen);
		else if (err != -ENAMETOOLONG)
			err = -ENOENT;
	}
	free(best);
	return err;
}

/* NUL-terminated string at off in the mapping, or NULL. */
static const char *cache_string(const char *map, size_t size, uint64_t off)
{
	if (off >= size || !memchr(map + off, '\0', size - off))
		return NULL;
	return map + off;
}

/* The best of the cache's entries for name, by this machine's ABI first, then the shortest
 * soname; entries whose file is gone (a stale cache) are skipped. */
static int search_ldcache(const char *map, size_t size, const char *name, char *buf)
{
	size_t nlen = strlen(name), best_len = SIZE_MAX, i;
	const char *magic = memmem(map, size, LDCACHE_MAGIC, sizeof(LDCACHE_MAGIC) - 1);
	struct ldcache_header h;
	int best_arch = 2, found = 0;
	size_t base;

	/* A cache in the old "ld.so-1.7.0" format hides the new one after its entries. */
	if (!magic)
		return -ENOENT;
	base = magic - map;
	if (size - base < sizeof(h))
		return -ENOENT;
	memcpy(&h, magic, sizeof(h));
	if (h.nlibs > (size - base - sizeof(h)) / sizeof(struct ldcache_entry))
		return -ENOENT;
	for (i = 0; i < h.nlibs; i++) {
		char path[PATH_MAX];
		struct ldcache_entry e;
		const char *key, *value;
		size_t klen;
		int arch = 1;

		memcpy(&e, map + base + sizeof(h) + i * sizeof(e), sizeof(e));
		key = cache_string(map, size, base + (uint64_t)e.key);
		value = cache_string(map, size, base + (uint64_t)e.value);
		if (!key || !value)
			continue;
		key = base_name(key);
		if (!name_matches(key, name, nlen))
			continue;
#ifdef LDCACHE_HOST_ARCH
		arch = (e.flags & LDCACHE_ARCH_MASK) != LDCACHE_HOST_ARCH;
#endif
		klen = strlen(key);
		if (arch > best_arch || (arch == best_arch && klen >= best_len))
			continue;
		if (canonical(value, path))
			continue;
		memcpy(buf, path, sizeof(path));
		best_arch = arch;
		best_len = klen;
		found = 1;
	}
	return found ? 0 : -ENOENT;
}

/* Read directly: ldconfig -p would mean a child process, and dlopen would run the library. */
static int resolve_in_ldcache(const char *name, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	struct stat st;
	void *map;
	int fd, err;

	fd = safe_open(ldcache_path, LDCACHE_MAX, &st);
	if (fd < 0)
		return -ENOENT;
	if (!st.st_size) {
		close(fd);
		return -ENOENT;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -ENOENT;
	err = search_ldcache(map, st.st_size, name, buf);
	munmap(map, st.st_size);
	if (err)
		return err;
	return copy_out(buf, out, outlen);
}

/* Like execvp: an empty element of $PATH is the working directory. */
static int resolve_in_path(const char *name, char *out, size_t outlen)
{
	const char *dir = getenv("PATH"), *end;
	char cand[PATH_MAX], buf[PATH_MAX];
	struct stat st;
	int n, err;

	if (!dir)
		dir = "/usr/local/bin:/usr/bin:/bin";
	for (;; dir = end + 1) {
		end = strchrnul(dir, ':');
		if (end == dir)
			n = snprintf(cand, sizeof(cand), "./%s", name);
		else
			n = snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - dir), dir, name);
		if (n > 0 && (size_t)n < sizeof(cand) && !stat(cand, &st) && S_ISREG(st.st_mode) &&
		    !access(cand, X_OK)) {
			err = canonical(cand, buf);
			if (!err)
				return copy_out(buf, out, outlen);
		}
		if (!*end)
			break;
	}
	return -ENOENT;
}

int binary_resolve(const char *name, int pid, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	int err;

	if (!name || !*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		err = canonical(name, buf);
		return err ? err : copy_out(buf, out, outlen);
	}
	/* The traced process's own mappings first: that is the file its probes must be in. */
	if (pid > 0) {
		err = resolve_in_maps(name, pid, out, outlen);
		if (err != -ENOENT)
			return err;
	}
	err = resolve_in_ldcache(name, out, outlen);
	if (err != -ENOENT)
		return err;
	return resolve_in_path(name, out, outlen);
}

int binary_of_pid(int pid, char *out, size_t outlen)
{
	char link[32];
	ssize_t n;

	if (!outlen)
		return -ENAMETOOLONG;
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, out, outlen);
	if (n < 0)
		return -errno;
	/* readlink truncates silently: a full buffer may be a cut path. */
	if ((size_t)n >= outlen)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int binary_find_command(const char *cmd, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	struct stat st;
	int err;

	if (!strchr(cmd, '/'))
		return resolve_in_path(cmd, out, outlen);
	if (stat(cmd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(cmd, X_OK))
		return -errno;
	err = canonical(cmd, buf);
	return err ? err : copy_out(buf, out, outlen);
}

int binary_open_mapped(int pid, char *path, int *fd)
{
	char maps[64], link[96], *line = NULL;
	uint64_t start = 0, end = 0, dev = 0, ino = 0;
	struct stat now, st;
	bool have_now, other = false;
	size_t cap = 0;
	FILE *f;

	*fd = -1;
	strip_deleted(path);
	have_now = !stat(path, &now);
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	/* Unreadable (gone, or not ours to read): nothing to tell, path it is. */
	f = safe_fopen(maps, SAFE_TEXT_MAX);
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		uint64_t s, e, off, i;
		unsigned int major, minor;
		char perms[8];
		int name = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n", &s,
			   &e, perms, &off, &major, &minor, &i, &name) < 7 || !name)
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* Probes fire in executable mappings only: those decide which file is run. */
		if (perms[2] != 'x' || line[name] != '/')
			continue;
		strip_deleted(line + name);
		if (strcmp(line + name, path))
			continue;
		if (have_now && makedev(major, minor) == now.st_dev && i == now.st_ino) {
			other = false;	/* the file at path is the one run */
			break;
		}
		if (!other) {
			start = s;
			end = e;
			dev = makedev(major, minor);
			ino = i;
			other = true;
		}
	}
	free(line);
	fclose(f);
	if (!other)
		return 0;
	snprintf(link, sizeof(link), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, start, end);
	*fd = safe_open(link, SAFE_ELF_MAX, &st);
	if (*fd < 0)
		return *fd;
	/* The range may have been unmapped and mapped again since maps was read. */
	if (st.st_dev != dev || st.st_ino != ino) {
		close(*fd);
		*fd = -1;
		return -ESTALE;
	}
	return 0;
}

int binary_mapped(int pid, const char *path)
{
	char maps[64], *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = safe_fopen(maps, SAFE_TEXT_MAX);
	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) > 0) {
		char perms[8];
		int name = 0;

		if (sscanf(line, "%*x-%*x %7s %*x %*x:%*x %*u %n", perms, &name) < 1 || !name ||
		    perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		strip_deleted(line + name);
		found = !strcmp(line + name, path);
	}
	free(line);
	fclose(f);
	return found;
}
