// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Function symbols of an ELF file through libelf, and close names for misspelled ones. */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/safe_open.h"
#include "symbols/elf_syms.h"

#if defined(__x86_64__)
#define HOST_MACHINE	EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE	EM_AARCH64
#elif defined(__riscv)
#define HOST_MACHINE	EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE	EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE	EM_S390
#elif defined(__i386__)
#define HOST_MACHINE	EM_386
#elif defined(__arm__)
#define HOST_MACHINE	EM_ARM
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA	ELFDATA2LSB
#else
#define HOST_DATA	ELFDATA2MSB
#endif
#define HOST_CLASS	(sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)

/* .gnu.version entries: the low 15 bits index .gnu.version_d, the top bit marks "name@VER". */
#define VERSYM_HIDDEN	0x8000
#define VERSYM_INDEX	0x7fff

/* What the names and entries of one file may take, whatever its tables claim: names are
 * copied per symbol, so many symbols sharing one long name would otherwise cost far more
 * than the file's size. Real programs stay far below (a browser's 1.5 M symbols: ~200 MB). */
#define FUNCS_BYTES_MAX	(1ULL << 30)

struct verdef_name {
	unsigned int ndx;
	const char *name;
};

struct loader {
	Elf *elf;
	uint64_t file_size;
	uint64_t bytes;		/* taken by fs so far, against FUNCS_BYTES_MAX */
	GElf_Phdr *loads;
	size_t nloads;
	struct verdef_name *vers;
	size_t nvers;
	struct elf_funcs *fs;
	size_t cap;
};

static int load_segments(struct loader *l)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(l->elf, &n))
		return -EBADMSG;
	if (n > l->file_size / gelf_fsize(l->elf, ELF_T_PHDR, 1, EV_CURRENT))
		return -EBADMSG;
	l->loads = calloc(n ? n : 1, sizeof(*l->loads));
	if (!l->loads)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(l->elf, i, &ph))
			return -EBADMSG;
		if (ph.p_type == PT_LOAD)
			l->loads[l->nloads++] = ph;
	}
	return 0;
}

static int file_offset(const struct loader *l, uint64_t addr, uint64_t *off)
{
	size_t i;

	for (i = 0; i < l->nloads; i++) {
		const GElf_Phdr *ph = &l->loads[i];

		if (addr >= ph->p_vaddr && addr - ph->p_vaddr < ph->p_memsz) {
			*off = addr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* A section's data, only when the file holds all of it: libelf checks that too, and this
 * says it the same way for every table read. */
static Elf_Data *section_data(const struct loader *l, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data;

	if (sh->sh_type == SHT_NOBITS || sh->sh_offset > l->file_size ||
	    sh->sh_size > l->file_size - sh->sh_offset)
		return NULL;
	data = elf_getdata(scn, NULL);
	return data && (data->d_buf || !data->d_size) ? data : NULL;
}

static int load_verdefs(struct loader *l, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data = section_data(l, scn, sh);
	size_t off = 0, i;
	GElf_Verdef vd;
	GElf_Verdaux va;

	if (!data)
		return -EBADMSG;
	/* Each entry takes at least its 20 bytes (in either class): a count beyond what the
	 * section holds is a corrupt one, not an allocation to make. */
	if (sh->sh_info > data->d_size / sizeof(Elf64_Verdef))
		return -EBADMSG;
	l->vers = calloc(sh->sh_info ? sh->sh_info : 1, sizeof(*l->vers));
	if (!l->vers)
		return -ENOMEM;
	for (i = 0; i < sh->sh_info; i++) {
		const char *name;

		if (!gelf_getverdef(data, off, &vd) ||
		    !gelf_getverdaux(data, off + vd.vd_aux, &va))
			break;
		name = elf_strptr(l->elf, sh->sh_link, va.vda_name);
		if (name) {
			l->vers[l->nvers].ndx = vd.vd_ndx & VERSYM_INDEX;
			l->vers[l->nvers].name = name;
			l->nvers++;
		}
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
	return 0;
}

static const char *verdef_name(const struct loader *l, unsigned int ndx)
{
	size_t i;

	for (i = 0; i < l->nvers; i++)
		if (l->vers[i].ndx == ndx)
			return l->vers[i].name;
	return NULL;
}

/* name[0..len) plus "@ver" when ver is set. */
static char *func_name(const char *name, size_t len, const char *ver)
{
	size_t vlen = ver ? strlen(ver) + 1 : 0;
	char *s = malloc(len + vlen + 1);

	if (!s)
		return NULL;
	memcpy(s, name, len);
	if (ver) {
		s[len] = '@';
		memcpy(s + len + 1, ver, vlen - 1);
	}
	s[len + vlen] = '\0';
	return s;
}

static int push_func(struct loader *l, const GElf_Sym *sym, const char *name, size_t len,
		     const char *ver)
{
	struct elf_funcs *fs = l->fs;
	struct elf_func *f;
	uint64_t off;

	/* Outside every loaded segment there is nothing a uprobe could attach to. */
	if (file_offset(l, sym->st_value, &off))
		return 0;
	l->bytes += sizeof(*f) + len + (ver ? strlen(ver) + 1 : 0) + 1;
	if (l->bytes > FUNCS_BYTES_MAX)
		return -EFBIG;
	if (fs->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct elf_func *v = realloc(fs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		fs->v = v;
		l->cap = cap;
	}
	f = &fs->v[fs->n];
	f->name = func_name(name, len, ver);
	if (!f->name)
		return -ENOMEM;
	f->addr = sym->st_value;
	f->size = sym->st_size;
	f->offset = off;
	f->ifunc = GELF_ST_TYPE(sym->st_info) == STT_GNU_IFUNC;
	f->shown = NULL;
	f->shown_set = false;
	fs->n++;
	return 0;
}

/* versym is the .gnu.version data of a .dynsym, NULL for .symtab. */
static int read_syms(struct loader *l, Elf_Scn *scn, const GElf_Shdr *sh, Elf_Data *versym)
{
	Elf_Data *data = section_data(l, scn, sh);
	Elf_Scn *strtab = elf_getscn(l->elf, sh->sh_link);
	GElf_Shdr strtab_sh;
	size_t i, n;
	int err;

	/* The count is what the section holds, whatever sh_entsize claims; names come from
	 * the linked string table, which must be one and be whole. */
	if (!data || !strtab || !gelf_getshdr(strtab, &strtab_sh) ||
	    strtab_sh.sh_type != SHT_STRTAB || !section_data(l, strtab, &strtab_sh))
		return -EBADMSG;
	n = data->d_size / gelf_fsize(l->elf, ELF_T_SYM, 1, EV_CURRENT);
	for (i = 1; i < n; i++) {
		const char *name, *ver = NULL, *at;
		size_t len;
		GElf_Versym vs;
		GElf_Sym sym;
		int type;

		if (!gelf_getsym(data, i, &sym))
			return -EBADMSG;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_size)
			continue;
		name = elf_strptr(l->elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		len = strlen(name);
		if (versym && gelf_getversym(versym, i, &vs) && (vs & VERSYM_HIDDEN) &&
		    (vs & VERSYM_INDEX) > 1)
			ver = verdef_name(l, vs & VERSYM_INDEX);
		/* Some builds (libc's .symtab) carry versions in the name: a default one is the
		 * plain name, as in .dynsym, so the two tables agree. */
		if (!versym && (at = strstr(name, "@@")))
			len = at - name;
		err = push_func(l, &sym, name, len, ver);
		if (err)
			return err;
	}
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct elf_func *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sorts, and keeps one entry of each (name, address) found in both tables. */
static void sort_unique(struct elf_funcs *fs)
{
	size_t i, j = 0;

	if (!fs->n)
		return;
	qsort(fs->v, fs->n, sizeof(*fs->v), cmp_func);
	for (i = 1; i < fs->n; i++) {
		if (fs->v[i].addr == fs->v[j].addr && !strcmp(fs->v[i].name, fs->v[j].name))
			free(fs->v[i].name);
		else
			fs->v[++j] = fs->v[i];
	}
	fs->n = j + 1;
}

/* The identification bytes, read before libelf is given the file: not an ELF file at all,
 * or another machine's, is -ENOEXEC; an ELF file cut short is -EBADMSG. */
static int check_ident(int fd)
{
	unsigned char ident[EI_NIDENT];
	ssize_t n = pread(fd, ident, sizeof(ident), 0);

	if (n < 0)
		return -errno;
	if (n < SELFMAG || memcmp(ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (n < EI_NIDENT)
		return -EBADMSG;
	if (ident[EI_CLASS] != HOST_CLASS || ident[EI_DATA] != HOST_DATA)
		return -ENOEXEC;
	return 0;
}

static int check_header(struct loader *l)
{
	size_t shnum;
	GElf_Ehdr eh;

	if (elf_kind(l->elf) != ELF_K_ELF || !gelf_getehdr(l->elf, &eh))
		return -EBADMSG;
#ifdef HOST_MACHINE
	if (eh.e_machine != HOST_MACHINE)
		return -ENOEXEC;
#endif
	/* Relocatable objects and core files have no segments to attach a uprobe in. */
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	/* A file cut short loses its section headers first (they come last), and libelf then
	 * shows none: without this check it would read as one with no symbols at all. */
	if (elf_getshdrnum(l->elf, &shnum) || (eh.e_shnum && shnum != eh.e_shnum))
		return -EBADMSG;
	if (eh.e_shoff && (eh.e_shoff > l->file_size ||
			   (shnum ? shnum : 1) > (l->file_size - eh.e_shoff) /
						 gelf_fsize(l->elf, ELF_T_SHDR, 1, EV_CURRENT)))
		return -EBADMSG;
	l->fs->is_pie_or_dyn = eh.e_type == ET_DYN;
	return 0;
}

static int load_funcs(struct loader *l)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL, *versym = NULL;
	GElf_Shdr sh, symtab_sh, dynsym_sh, versym_sh;
	Elf_Data *vdata = NULL;
	int err;

	err = check_header(l);
	if (err)
		return err;
	err = load_segments(l);
	if (err)
		return err;
	while ((scn = elf_nextscn(l->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return -EBADMSG;
		switch (sh.sh_type) {
		case SHT_SYMTAB:
			symtab = scn;
			symtab_sh = sh;
			break;
		case SHT_DYNSYM:
			dynsym = scn;
			dynsym_sh = sh;
			break;
		case SHT_GNU_versym:
			versym = scn;
			versym_sh = sh;
			break;
		case SHT_GNU_verdef:
			if (!l->vers) {
				err = load_verdefs(l, scn, &sh);
				if (err)
					return err;
			}
			break;
		}
	}
	if (symtab) {
		err = read_syms(l, symtab, &symtab_sh, NULL);
		if (err)
			return err;
	}
	if (dynsym) {
		if (versym && versym_sh.sh_link == elf_ndxscn(dynsym)) {
			vdata = section_data(l, versym, &versym_sh);
			if (!vdata)
				return -EBADMSG;
		}
		err = read_syms(l, dynsym, &dynsym_sh, vdata);
		if (err)
			return err;
	}
	sort_unique(l->fs);
	return 0;
}

int elf_funcs_load_fd(int fd, struct elf_funcs *out)
{
	struct loader l = { .fs = out };
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	if (fstat(fd, &st))
		return -errno;
	l.file_size = st.st_size;
	err = check_ident(fd);
	if (err)
		return err;
	/* Read, not mapped: a file its owner truncates meanwhile must not SIGBUS tailtrace. */
	l.elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!l.elf)
		return -EBADMSG;
	err = load_funcs(&l);
	elf_end(l.elf);
	free(l.loads);
	free(l.vers);
	if (err)
		elf_funcs_free(out);
	return err;
}

int elf_funcs_load(const char *path, struct elf_funcs *out)
{
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = safe_open(path, SAFE_ELF_MAX, NULL);
	if (fd < 0)
		return fd;
	err = elf_funcs_load_fd(fd, out);
	close(fd);
	return err;
}

void elf_funcs_free(struct elf_funcs *fs)
{
	size_t i;

	if (!fs)
		return;
	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].shown);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

static inline int lower(char c)
{
	return tolower((unsigned char)c);
}

/* Case-insensitive optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, the commonest typo); rows holds 3 * (lb + 1) entries. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb, size_t *rows)
{
	size_t *prev2 = rows, *prev = rows + lb + 1, *cur = rows + 2 * (lb + 1), *t;
	size_t i, j;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t d = prev[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

size_t elf_funcs_suggest(const struct elf_funcs *fs, const char *name, const char **out,
			 size_t max)
{
	size_t lb = name ? strlen(name) : 0, n = 0, i, k;
	/* Beyond about a third of the name a "suggestion" is a different name altogether. */
	size_t limit = lb <= 3 ? 1 : lb / 3 > 2 ? lb / 3 : 2;
	uint64_t *scores;
	size_t *rows;

	if (!fs || !lb || !max)
		return 0;
	scores = malloc(max * sizeof(*scores));
	rows = malloc(3 * (lb + 1) * sizeof(*rows));
	if (!scores || !rows)
		goto out;
	for (i = 0; i < fs->n; i++) {
		const char *cand = fs->v[i].name;
		size_t la = strlen(cand);
		uint64_t score;

		/* Sorted by name: the same name at several addresses is suggested once. */
		if (i && !strcmp(cand, fs->v[i - 1].name))
			continue;
		if (strcasestr(cand, name)) {
			score = la - lb;
		} else {
			size_t d;

			if ((la > lb ? la - lb : lb - la) > limit)
				continue;
			d = edit_distance(cand, la, name, lb, rows);
			if (d > limit)
				continue;
			/* Every substring match ranks before every edit. */
			score = (1ULL << 32) + d;
		}
		if (n == max && score >= scores[n - 1])
			continue;
		/* Ties keep the earlier, alphabetically smaller name. */
		for (k = n < max ? n : max - 1; k > 0 && scores[k - 1] > score; k--) {
			scores[k] = scores[k - 1];
			out[k] = out[k - 1];
		}
		scores[k] = score;
		out[k] = cand;
		if (n < max)
			n++;
	}
out:
	free(scores);
	free(rows);
	return n;
}

int elf_build_id(int fd, char *hex, size_t len)
{
	Elf_Scn *scn = NULL;
	int err = -ENOENT;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -ENOEXEC;
	while (err == -ENOENT && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *id = (const unsigned char *)d->d_buf + desc_off;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) ||
			    !nh.n_descsz || nh.n_descsz * 2 + 1 > len)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", id[i]);
			err = 0;
			break;
		}
	}
	elf_end(elf);
	return err;
}

bool elf_has_section(int fd, const char *a, const char *b)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool found = false;
	Elf *elf;

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return false;
	if (!elf_getshdrstrndx(elf, &shstrndx))
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			found = name && (!strcmp(name, a) || (b && !strcmp(name, b)));
		}
	elf_end(elf);
	return found;
}

bool elf_is_go(int fd)
{
	return elf_has_section(fd, ".go.buildinfo", ".note.go.buildid");
}
