// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Separate debug files: by build id, then by .gnu_debuglink with its CRC checked. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "core/safe_open.h"
#include "symbols/debug_file.h"
#include "symbols/elf_syms.h"

#define SYSTEM_DEBUG_DIR	"/usr/lib/debug"
#define BUILD_ID_HEX		129	/* 64 bytes as hex, and the NUL */

/* Calls fn on each debug folder, the environment's first; stops at fn's first fd >= 0 or
 * error other than -ENOENT. */
static int each_debug_dir(int (*fn)(const char *dir, size_t dirlen, void *arg), void *arg)
{
	const char *env = getenv(DEBUG_DIRS_ENV);
	int r;

	while (env && *env) {
		size_t n = strcspn(env, ":");

		if (n) {
			r = fn(env, n, arg);
			if (r != -ENOENT)
				return r;
		}
		env += n + (env[n] == ':');
	}
	return fn(SYSTEM_DEBUG_DIR, strlen(SYSTEM_DEBUG_DIR), arg);
}

/* An ELF file is an ELF file of the same build: a debug file of another build has addresses
 * that mean other functions. */
static bool same_build_id(int fd, const char *want)
{
	char got[BUILD_ID_HEX];

	return !elf_build_id(fd, got, sizeof(got)) && !strcmp(got, want);
}

static int by_build_id(const char *dir, size_t dirlen, void *arg)
{
	const char *hex = arg;
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%.*s/.build-id/%.2s/%s.debug", (int)dirlen, dir,
			     hex, hex + 2) >= sizeof(path))
		return -ENOENT;
	fd = safe_open(path, SAFE_ELF_MAX, NULL);
	if (fd < 0)
		return -ENOENT;
	if (!same_build_id(fd, hex)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

int debug_file_crc(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	for (;;) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		c = crc32(c, buf, n);
		off += n;
	}
	*crc = (uint32_t)c;
	return 0;
}

int debug_link(int fd, char *name, size_t len, uint32_t *crc)
{
	Elf_Scn *scn = NULL;
	int err = -ENOENT;
	size_t shstrndx;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -EBADMSG;
	if (elf_getshdrstrndx(elf, &shstrndx)) {
		elf_end(elf);
		return -EBADMSG;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sname, *s;
		Elf_Data *d;
		GElf_Shdr sh;
		size_t nlen, at;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".gnu_debuglink"))
			continue;
		d = elf_getdata(scn, NULL);
		err = -EBADMSG;
		if (!d || !d->d_buf)
			break;
		/* "name\0", padding to 4 bytes, then the CRC in the file's byte order */
		s = d->d_buf;
		nlen = strnlen(s, d->d_size);
		at = (nlen + 4) & ~(size_t)3;
		if (!nlen || nlen == d->d_size || at + 4 > d->d_size || memchr(s, '/', nlen) ||
		    !strcmp(s, ".") || !strcmp(s, ".."))
			break;
		if (nlen >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		memcpy(name, s, nlen + 1);
		{
			Elf_Data src = { .d_buf = (char *)s + at, .d_size = 4,
					 .d_type = ELF_T_WORD, .d_version = EV_CURRENT };
			Elf_Data dst = { .d_buf = crc, .d_size = 4, .d_type = ELF_T_WORD,
					 .d_version = EV_CURRENT };
			GElf_Ehdr eh;

			if (!gelf_getehdr(elf, &eh) ||
			    !gelf_xlatetom(elf, &dst, &src, eh.e_ident[EI_DATA]))
				break;
		}
		err = 0;
		break;
	}
	elf_end(elf);
	return err;
}

struct link_search {
	const char *name;	/* the debuglink's file name */
	const char *bindir;	/* the binary's folder, absolute, no trailing '/' ("" for /) */
	uint32_t crc;
};

/* Checksums of the files read for debuglinks, by identity: a file is read whole once a run.
 * A file another user could have written is at most CRC_FILE_MAX, all of them together
 * CRC_BYTES_MAX: a process's folder is its owner's, who could plant a 4 GiB (sparse) file of
 * the linked name beside each of many binaries (2 s of CPU each). */
#define CRC_CACHE	64
#define CRC_FILE_MAX	(1ull << 30)
#define CRC_BYTES_MAX	(2ull << 30)

static struct crc_seen {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	uint32_t crc;
} crc_cache[CRC_CACHE];
static size_t crc_cached, crc_next;
static uint64_t crc_bytes;

static int cached_crc(int fd, const struct stat *st, uint32_t *crc)
{
	struct crc_seen *e;

	for (size_t i = 0; i < crc_cached; i++) {
		e = &crc_cache[i];
		if (e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
		    e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec) {
			*crc = e->crc;
			return 0;
		}
	}
	/* a file only root could have written is root's own (a large debug file of its):
	 * read whatever its size, and not counted */
	if (!safe_file_trusted(st)) {
		if ((uint64_t)st->st_size > CRC_FILE_MAX ||
		    crc_bytes + (uint64_t)st->st_size > CRC_BYTES_MAX)
			return -EFBIG;
		crc_bytes += (uint64_t)st->st_size;
	}
	if (debug_file_crc(fd, crc))
		return -EIO;
	e = &crc_cache[crc_next];
	crc_next = (crc_next + 1) % CRC_CACHE;
	if (crc_cached < CRC_CACHE)
		crc_cached++;
	*e = (struct crc_seen){ st->st_dev, st->st_ino, st->st_size, st->st_mtim, *crc };
	return 0;
}

static int try_link(const char *path, int pid, uint32_t crc)
{
	struct stat st;
	uint32_t got;
	int fd = safe_open_in_root(pid, path, SAFE_ELF_MAX, &st);

	if (fd < 0)
		return -ENOENT;
	/* A file of that name from another build, or a planted one: its addresses would lie. */
	if (cached_crc(fd, &st, &got) || got != crc) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static int by_link_in_dir(const char *dir, size_t dirlen, void *arg)
{
	const struct link_search *ls = arg;
	char path[4096];

	/* The host's debug folders, not the process's: it is our debug files we install. */
	if ((size_t)snprintf(path, sizeof(path), "%.*s%s/%s", (int)dirlen, dir, ls->bindir,
			     ls->name) >= sizeof(path))
		return -ENOENT;
	return try_link(path, 0, ls->crc);
}

static int by_debug_link(int fd, const char *path, int pid)
{
	char name[256], dir[4096], file[4096];
	struct link_search ls;
	const char *slash;
	size_t n;
	int r;

	if (debug_link(fd, name, sizeof(name), &ls.crc))
		return -ENOENT;
	if (!path || path[0] != '/' || !(slash = strrchr(path, '/')))
		return -ENOENT;
	n = slash - path;
	if (n >= sizeof(dir))
		return -ENOENT;
	memcpy(dir, path, n);
	dir[n] = 0;
	ls.name = name;
	ls.bindir = dir;
	/* beside the binary, and in its .debug folder, where the process sees them */
	if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir, name) < sizeof(file)) {
		r = try_link(file, pid, ls.crc);
		if (r >= 0)
			return r;
	}
	if ((size_t)snprintf(file, sizeof(file), "%s/.debug/%s", dir, name) < sizeof(file)) {
		r = try_link(file, pid, ls.crc);
		if (r >= 0)
			return r;
	}
	return each_debug_dir(by_link_in_dir, &ls);
}

int debug_file_open(int fd, const char *path, int pid)
{
	char hex[BUILD_ID_HEX], *clean = NULL;
	const char *del = " (deleted)";
	int r = -ENOENT;

	if (!elf_build_id(fd, hex, sizeof(hex)) && strlen(hex) >= 4)
		r = each_debug_dir(by_build_id, hex);
	if (r >= 0)
		return r;
	if (path) {
		size_t n = strlen(path), dl = strlen(del);

		/* the folder of a deleted binary is still where its debug file was */
		if (n > dl && !strcmp(path + n - dl, del)) {
			clean = strndup(path, n - dl);
			if (!clean)
				return -ENOMEM;
			path = clean;
		}
	}
	r = by_debug_link(fd, path, pid);
	free(clean);
	return r;
}
