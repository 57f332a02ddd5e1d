// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "labels/btf_enum.h"

const char *btf_enum_name(struct btf **btf, const char *enum_name, const char *prefix,
			  uint32_t value, char *buf, size_t len)
{
	size_t plen = strlen(prefix);
	const struct btf_type *t;
	int id;

	snprintf(buf, len, "%u", value);
	if (!*btf)
		*btf = btf__load_vmlinux_btf();
	if (!*btf)
		return buf;
	id = btf__find_by_name_kind(*btf, enum_name, BTF_KIND_ENUM);
	if (id < 0)
		return buf;
	t = btf__type_by_id(*btf, id);
	for (int i = 0; i < btf_vlen(t); i++) {
		const struct btf_enum *e = btf_enum(t) + i;
		const char *name = btf__name_by_offset(*btf, e->name_off);
		size_t k = 0;

		if ((uint32_t)e->val != value || !name)
			continue;
		if (!strncmp(name, prefix, plen))
			name += plen;
		for (; name[k] && k < len - 1; k++)
			buf[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		buf[k] = 0;
		break;
	}
	return buf;
}
