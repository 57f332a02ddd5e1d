// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The ELF files of traced processes, opened once and shared between processes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>
#include "core/array.h"
#include "core/safe_open.h"
#include "unwind/elf_cache.h"

#define BUILD_ID_MAX	64
/* Inodes remembered as one file: a host's containers each have their copy of libc. */
#define KEYS_MAX	64

struct file_key {
	uint64_t dev, ino;
};

struct elf_file {
	Elf *elf;		/* read, not mapped: a file its owner truncates must not SIGBUS us */
	int fd;			/* libelf reads sections through it as they are needed */
	unsigned int users;	/* elf_cache_get minus elf_cache_put */
	uint64_t last_used;
	unsigned char build_id[BUILD_ID_MAX];
	size_t build_id_len;	/* 0: none, or not a file others may share by it */
	struct file_key *keys;
	size_t nkeys, keys_cap;
	void *image;		/* the vDSO's copy */
	size_t image_size;
};

struct elf_cache {
	struct elf_file **v;
	size_t n, cap, max;
	uint64_t clock;
	struct elf_file *vdso;
	bool vdso_tried;
	struct elf_cache_stats st;
};

struct elf_cache *elf_cache_new(size_t max_files)
{
	struct elf_cache *c;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c)
		c->max = max_files ? max_files : 1;
	return c;
}

static void file_close(struct elf_file *f)
{
	elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	free(f->keys);
	free(f->image);
	free(f);
}

void elf_cache_free(struct elf_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		file_close(c->v[i]);
	if (c->vdso)
		file_close(c->vdso);
	free(c->v);
	free(c);
}

void elf_cache_stats(const struct elf_cache *c, struct elf_cache_stats *st)
{
	*st = c->st;
}

Elf *elf_file_ref(struct elf_file *f)
{
	/* With a reference Elf, elf_begin only counts one more user of it. */
	return elf_begin(-1, ELF_C_READ, f->elf);
}

Elf *elf_file_elf(struct elf_file *f)
{
	return f->elf;
}

void elf_cache_put(struct elf_cache *c, struct elf_file *f)
{
	(void)c;
	if (f && f->users)
		f->users--;
}

int elf_file_read(const struct elf_file *f, uint64_t off, void *buf, size_t len)
{
	ssize_t n;

	if (f->image) {
		if (off > f->image_size || len > f->image_size - off)
			return -EIO;
		memcpy(buf, (const char *)f->image + off, len);
		return 0;
	}
	do
		n = pread(f->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* The file in the process's own mount namespace: symlinks in the path resolve inside its
 * root, not ours, and it must still be the inode its maps showed. */
static int open_in_root(const struct mapped_file *m, struct stat *st)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[32], self[32];
	int rootfd, pfd, fd;

	snprintf(root, sizeof(root), "/proc/%d/root", m->pid);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	pfd = syscall(SYS_openat2, rootfd, m->path, &how, sizeof(how));
	fd = pfd < 0 ? -errno : 0;
	close(rootfd);
	if (pfd < 0)
		return fd;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = safe_open(self, SAFE_ELF_MAX, st);
	close(pfd);
	if (fd >= 0 && (st->st_dev != m->dev || st->st_ino != m->ino)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* map_files is the very file mapped, deleted or replaced since; it needs CAP_SYS_ADMIN. */
static int open_mapped(const struct mapped_file *m, struct stat *st)
{
	char link[96];
	int fd;

	snprintf(link, sizeof(link), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, m->pid, m->start,
		 m->end);
	fd = safe_open(link, SAFE_ELF_MAX, st);
	if (fd == -ENOENT || fd == -EPERM || fd == -EACCES)
		return open_in_root(m, st);
	/* The range may have been mapped again since maps was read. */
	if (fd >= 0 && (st->st_dev != m->dev || st->st_ino != m->ino)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static bool has_key(const struct elf_file *f, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < f->nkeys; i++)
		if (f->keys[i].dev == dev && f->keys[i].ino == ino)
			return true;
	return false;
}

static void add_key(struct elf_file *f, uint64_t dev, uint64_t ino)
{
	if (f->nkeys >= KEYS_MAX ||
	    array_grow((void **)&f->keys, f->nkeys, &f->keys_cap, sizeof(*f->keys)))
		return;		/* only slower: the next process's copy is opened to compare */
	f->keys[f->nkeys++] = (struct file_key){ dev, ino };
}

static struct elf_file *use(struct elf_cache *c, struct elf_file *f)
{
	f->users++;
	f->last_used = ++c->clock;
	return f;
}

/* An ELF file for this machine, as a process would map it. */
static Elf *elf_for_host(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	GElf_Ehdr eh;

	if (!elf)
		return NULL;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		elf_end(elf);
		return NULL;
	}
	return elf;
}

/* Room for one more file: the least recently used one nobody uses goes. */
static int make_room(struct elf_cache *c)
{
	size_t victim = SIZE_MAX;

	if (c->n < c->max)
		return array_grow((void **)&c->v, c->n, &c->cap, sizeof(*c->v));
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i]->users && (victim == SIZE_MAX ||
					c->v[i]->last_used < c->v[victim]->last_used))
			victim = i;
	if (victim == SIZE_MAX)
		return -ENOSPC;
	/* libdwfl modules of forgotten processes held their own libelf references; the
	 * last elf_end is this one. */
	file_close(c->v[victim]);
	c->v[victim] = c->v[--c->n];
	c->st.evicted++;
	return 0;
}

struct elf_file *elf_cache_get(struct elf_cache *c, const struct mapped_file *m)
{
	const void *bid = NULL;
	struct elf_file *f;
	struct stat st;
	ssize_t bid_len;
	bool shareable;
	Elf *elf;
	int fd;

	for (size_t i = 0; i < c->n; i++)
		if (has_key(c->v[i], m->dev, m->ino)) {
			c->st.shared++;
			return use(c, c->v[i]);
		}
	fd = open_mapped(m, &st);
	if (fd < 0) {
		c->st.failed++;
		return NULL;
	}
	elf = elf_for_host(fd);
	if (!elf) {
		close(fd);
		c->st.failed++;
		return NULL;
	}
	/* A build id is the file's own claim: only files no user but root can write are
	 * believed, so no one can pass a file of theirs off as everyone's libc. */
	shareable = st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
	bid_len = dwelf_elf_gnu_build_id(elf, &bid);
	if (bid_len <= 0 || bid_len > BUILD_ID_MAX)
		shareable = false;
	for (size_t i = 0; shareable && i < c->n; i++) {
		f = c->v[i];
		if (f->build_id_len == (size_t)bid_len && !memcmp(f->build_id, bid, bid_len)) {
			elf_end(elf);
			close(fd);
			add_key(f, st.st_dev, st.st_ino);
			c->st.shared++;
			return use(c, f);
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f || make_room(c)) {
		free(f);
		elf_end(elf);
		close(fd);
		c->st.failed++;
		return NULL;
	}
	f->elf = elf;
	f->fd = fd;
	if (shareable) {
		memcpy(f->build_id, bid, bid_len);
		f->build_id_len = bid_len;
	}
	add_key(f, st.st_dev, st.st_ino);
	if (!f->nkeys) {
		file_close(f);
		c->st.failed++;
		return NULL;
	}
	c->v[c->n++] = f;
	c->st.opened++;
	return use(c, f);
}

/* Our own vDSO's size, from the end of its last PT_LOAD. */
static size_t vdso_size(const void *image)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	size_t size = 0;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	/* Section headers, which libelf reads for .eh_frame, may lie past the segments. */
	if (eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize > size)
		size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	return size;
}

struct elf_file *elf_cache_vdso(struct elf_cache *c)
{
	const void *ours = (const void *)getauxval(AT_SYSINFO_EHDR);
	struct elf_file *f;
	size_t size;

	if (c->vdso_tried)
		return c->vdso;
	c->vdso_tried = true;
	if (!ours || !(size = vdso_size(ours)))
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fd = -1;
	/* A copy: elf_memory may write to what it is given. */
	f->image = malloc(size);
	if (f->image) {
		memcpy(f->image, ours, size);
		f->image_size = size;
		f->elf = elf_memory(f->image, size);
	}
	if (!f->elf) {
		file_close(f);
		return NULL;
	}
	c->vdso = f;
	return f;
}
