/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Names of C++ and Rust functions as their authors wrote them, by binutils' demangler. */
#ifndef TAILTRACE_DEMANGLE_H
#define TAILTRACE_DEMANGLE_H

#include <stddef.h>

/* Names longer than this stay as they are: a traced binary's symbol table is anyone's, and a
 * demangler's time grows with what a crafted name nests. */
#define DEMANGLE_MAX_IN 4096

/*
 * The readable name of a mangled one (C++'s _Z..., Rust's legacy _ZN...17h<hash>E without its
 * hash, and Rust's v0 _R...), without parameter types, as perf shows them: "std::sort<...>",
 * "redis::Server::handle". A "@VERSION" suffix is kept. NULL when name is not mangled, cannot
 * be demangled, or memory ran out; else a string to free().
 */
char *demangle(const char *name);
/* The same with the parameter types, which tell the overloads of a function apart:
 * "redis::Server::handle(long)". */
char *demangle_params(const char *name);

#endif
