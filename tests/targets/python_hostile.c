/* python_hostile MS: a process that passes for CPython 3.11 (its name starts with "python",
 * it exports _PyRuntime, PyCode_Type, PyUnicode_Type, PyBytes_Type and Py_Version 3.11 in
 * .dynsym, and its runtime leads to a thread state of its own thread whose frame's code
 * object is of PyCode_Type: tailtrace's start-up check passes) but whose frames are garbage
 * that it keeps changing while it spins in hostile_spin for MS milliseconds (default 1500):
 * a frame chain that loops, code objects whose names point nowhere, at objects of the wrong
 * type, at strings of absurd lengths or states, location tables of absurd sizes. Every one
 * of its Python stacks must fail to be named: tailtrace must show its native frames, and
 * neither crash nor hang. Offsets: bpf/abi/pystack.h. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "busy.h"

#define NFRAMES 8

unsigned long Py_Version = 0x030b02f0;
char _PyRuntime[1024] __attribute__((aligned(64)));
char PyCode_Type[408] __attribute__((aligned(64)));
char PyUnicode_Type[408] __attribute__((aligned(64)));
char PyBytes_Type[408] __attribute__((aligned(64)));

static char interp[256] __attribute__((aligned(64)));
static char tstate[256] __attribute__((aligned(64)));
static char cframe[64] __attribute__((aligned(64)));
static char frames[NFRAMES][128] __attribute__((aligned(64)));
static char codes[NFRAMES][256] __attribute__((aligned(64)));
/* objects a name may point at: a str of 2^40 characters, a str not compact, a bytes of
 * 2^50 bytes, a str whose type is bytes */
static char huge_str[128] __attribute__((aligned(64)));
static char odd_str[128] __attribute__((aligned(64)));
static char huge_bytes[128] __attribute__((aligned(64)));
static char wrong_type[128] __attribute__((aligned(64)));

static void put(void *at, size_t off, uint64_t v)
{
	memcpy((char *)at + off, &v, sizeof(v));
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A name that can never be read as one. */
static uint64_t bad_name(void)
{
	static const uint64_t unmapped = 0xdead0000ull;

	switch (next() % 5) {
	case 0: return (uint64_t)huge_str;
	case 1: return (uint64_t)odd_str;
	case 2: return (uint64_t)wrong_type;
	case 3: return unmapped;
	default: return next();
	}
}

static void scramble(void)
{
	for (int i = 0; i < NFRAMES; i++) {
		put(codes[i], 8, (uint64_t)PyCode_Type);	/* ob_type: a code object */
		put(codes[i], 128, bad_name());			/* co_qualname */
		put(codes[i], 112, bad_name());			/* co_filename */
		put(codes[i], 136, next() % 2 ? (uint64_t)huge_bytes : next());
		put(codes[i], 72, next());			/* co_firstlineno */
		put(frames[i], 32, (uint64_t)codes[next() % NFRAMES]);
		put(frames[i], 56, next());			/* prev_instr */
		frames[i][68] = (char)(next() & 1);		/* is_entry */
		/* previous: the next frame, itself, the first (a loop), or garbage */
		switch (next() % 4) {
		case 0: put(frames[i], 48, (uint64_t)frames[(i + 1) % NFRAMES]); break;
		case 1: put(frames[i], 48, (uint64_t)frames[i]); break;
		case 2: put(frames[i], 48, (uint64_t)frames[0]); break;
		default: put(frames[i], 48, next() & ~7ull); break;
		}
	}
	/* the start-up check reads the first frame's code: a code object always */
	put(frames[0], 32, (uint64_t)codes[0]);
}

__attribute__((noinline)) void hostile_spin(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		scramble();
}

int main(int argc, char **argv)
{
	long ms = arg_or(argc, argv, 1, 1500);

	put(_PyRuntime, 40, (uint64_t)interp);		/* interpreters.head */
	put(interp, 16, (uint64_t)tstate);		/* threads.head */
	put(tstate, 16, (uint64_t)interp);		/* interp */
	put(tstate, 160, (uint64_t)syscall(SYS_gettid));	/* native_thread_id */
	put(tstate, 56, (uint64_t)cframe);		/* cframe */
	put(cframe, 8, (uint64_t)frames[0]);		/* current_frame */
	put(huge_str, 8, (uint64_t)PyUnicode_Type);
	put(huge_str, 16, 1ull << 40);
	put(huge_str, 32, 0xe4);			/* compact ascii ready */
	put(odd_str, 8, (uint64_t)PyUnicode_Type);
	put(odd_str, 16, 5);
	put(odd_str, 32, 0x9c);				/* kind 7: no such kind */
	put(huge_bytes, 8, (uint64_t)PyBytes_Type);
	put(huge_bytes, 16, 1ull << 50);
	put(wrong_type, 8, (uint64_t)PyBytes_Type);
	scramble();
	hostile_spin((uint64_t)ms * 1000000);
	return 0;
}
