// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>
#include "python/pyelf.h"

/* Py_Version's value: 4 bytes of the section its address lies in, read from the file. */
static uint32_t read_version(int fd, Elf *elf, uint64_t addr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint32_t v;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		if (addr < sh.sh_addr || addr - sh.sh_addr > sh.sh_size ||
		    sh.sh_size - (addr - sh.sh_addr) < sizeof(v))
			continue;
		if (pread(fd, &v, sizeof(v), (off_t)(sh.sh_offset + (addr - sh.sh_addr))) !=
		    sizeof(v))
			return 0;
		return v;
	}
	return 0;
}

static int read_symbols(int fd, Elf *elf, struct pyelf *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t version = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			return -EBADMSG;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			const char *name;
			GElf_Sym sym;

			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			if (!strcmp(name, "_PyRuntime"))
				out->runtime = sym.st_value;
			else if (!strcmp(name, "PyCode_Type"))
				out->code_type = sym.st_value;
			else if (!strcmp(name, "PyUnicode_Type"))
				out->unicode_type = sym.st_value;
			else if (!strcmp(name, "PyBytes_Type"))
				out->bytes_type = sym.st_value;
			else if (!strcmp(name, "Py_Version") && sym.st_size >= 4)
				version = sym.st_value;
		}
	}
	if (!out->runtime || !out->code_type || !out->unicode_type || !out->bytes_type)
		return -ENOENT;
	if (version)
		out->version = read_version(fd, elf, version);
	return 0;
}

int pyelf_read(int fd, struct pyelf *out)
{
	GElf_Ehdr eh;
	size_t nph;
	Elf *elf;
	int err;

	memset(out, 0, sizeof(*out));
	elf_version(EV_CURRENT);
	/* read, never mmapped: the file is the traced process's, which may shrink it while it
	 * is read (a mapping past its end is a SIGBUS that would end tailtrace) */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    gelf_getclass(elf) != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		elf_end(elf);
		return -ENOEXEC;
	}
	out->dyn = eh.e_type == ET_DYN;
	err = -EBADMSG;	/* no PT_LOAD */
	for (size_t i = 0; !elf_getphdrnum(elf, &nph) && i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			out->first_load = ph.p_vaddr - ph.p_offset;
			err = 0;
			break;
		}
	}
	if (!err)
		err = read_symbols(fd, elf, out);
	elf_end(elf);
	return err;
}
