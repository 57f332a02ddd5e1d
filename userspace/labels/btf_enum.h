/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The names of the kernel's enum values, from its own BTF: SKB_DROP_REASON_NO_SOCKET (7) as
 * "no_socket". */
#ifndef TAILTRACE_LABELS_BTF_ENUM_H
#define TAILTRACE_LABELS_BTF_ENUM_H

#include <stddef.h>
#include <stdint.h>

struct btf;

/* The name of value in the kernel's enum enum_name, prefix taken off and in lower case; the
 * number when the kernel has no such value or no BTF. *btf caches the kernel's BTF, loaded at
 * the first call (free it with btf__free). Returns buf. */
const char *btf_enum_name(struct btf **btf, const char *enum_name, const char *prefix,
			  uint32_t value, char *buf, size_t len);

#endif
