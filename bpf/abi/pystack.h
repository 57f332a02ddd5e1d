/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Python stacks taken in the kernel (bpf/lib/pystack.bpf.h) and named in userspace
 * (userspace/python/): per frame, the address of its code object and of its last
 * instruction, never strings. CPython 3.11 only: the layout below is 3.11's, as its own
 * headers give it (Include/internal/pycore_*.h, the same in every 3.11 release), and is
 * checked against each process before its stacks are taken (userspace/python/pyproc.c).
 */
#ifndef TAILTRACE_PYSTACK_H
#define TAILTRACE_PYSTACK_H

/* Most frames taken of one thread, innermost first; a deeper stack is cut (its outermost
 * frames are missing, PYSTACK_F_TRUNCATED). */
#define PYSTACK_MAX_FRAMES	64
/* Most threads of one interpreter looked through for the current one. */
#define PYSTACK_MAX_THREADS	64

/* CPython 3.11 (x86-64): offsets within the interpreter's structures. */
#define PY311_RUNTIME_INTERP_HEAD	40	/* _PyRuntimeState.interpreters.head */
#define PY311_RUNTIME_TSTATE_CURRENT	576	/* _PyRuntimeState.gilstate.tstate_current */
#define PY311_INTERP_THREADS_HEAD	16	/* PyInterpreterState.threads.head */
#define PY311_TSTATE_NEXT		8	/* PyThreadState.next */
#define PY311_TSTATE_CFRAME		56	/* PyThreadState.cframe */
#define PY311_TSTATE_NATIVE_TID		160	/* PyThreadState.native_thread_id */
#define PY311_CFRAME_CURRENT_FRAME	8	/* _PyCFrame.current_frame */
#define PY311_FRAME_CODE		32	/* _PyInterpreterFrame.f_code */
#define PY311_FRAME_PREVIOUS		48	/* _PyInterpreterFrame.previous */
#define PY311_FRAME_PREV_INSTR		56	/* _PyInterpreterFrame.prev_instr */
#define PY311_FRAME_IS_ENTRY		68	/* _PyInterpreterFrame.is_entry */
#define PY311_FRAME_OWNER		69	/* _PyInterpreterFrame.owner */
#define PY311_FRAME_SIZE		72	/* through owner, read in one go */
#define PY311_CODE_FIRSTLINENO		72	/* PyCodeObject.co_firstlineno (int) */
#define PY311_CODE_FILENAME		112	/* PyCodeObject.co_filename */
#define PY311_CODE_NAME			120	/* PyCodeObject.co_name */
#define PY311_CODE_QUALNAME		128	/* PyCodeObject.co_qualname */
#define PY311_CODE_LINETABLE		136	/* PyCodeObject.co_linetable (bytes) */
#define PY311_CODE_ADAPTIVE		184	/* PyCodeObject.co_code_adaptive: the code units */
#define PY311_OBJECT_TYPE		8	/* PyObject.ob_type */
#define PY311_VAROBJECT_SIZE		16	/* PyVarObject.ob_size */
#define PY311_BYTES_DATA		32	/* PyBytesObject.ob_sval */
#define PY311_UNICODE_LENGTH		16	/* PyASCIIObject.length */
#define PY311_UNICODE_HEAD		24	/* length through state, read in one go */
#define PY311_UNICODE_STATE		32	/* PyASCIIObject.state (bit fields) */
#define PY311_UNICODE_ASCII_DATA	48	/* sizeof(PyASCIIObject) */
#define PY311_UNICODE_COMPACT_DATA	72	/* sizeof(PyCompactUnicodeObject) */

/* A Python process, as userspace found it (keyed by thread group id). */
struct pystack_proc {
	__u64 runtime;		/* the address of _PyRuntime in the process */
};

/* One frame: code is the code object's address, bit 0 set when the frame is the first one
 * of its _PyEval_EvalFrameDefault call (is_entry: the calls above it were run by another
 * call of the evaluator, or it is the outermost); instr is the address of its last
 * instruction (prev_instr); ident tells apart the code objects that were at that address
 * one after another (a function freed, another allocated in its place): see
 * pystack_ident. */
struct pystack_frame {
	__u64 code;
	__u64 instr;
	__u64 ident;
};

/*
 * A code object's identity, from what it holds rather than where: its first line, and its
 * qualified name's and file name's lengths and up to 8 bytes of their characters (the name's
 * first, the file's last; the bytes past a short string's end are zero). Computed the same
 * way in the kernel when a frame is taken and in userspace when it is named: a different
 * value is another code object. Only fields fixed for an object's life are read (never a
 * str's hash, computed when first needed).
 */
static inline __u64 pystack_fold(__u64 h, __u64 v)
{
	return (h ^ v) * 1099511628211ull;
}

/* The length in bytes of a str's characters, and where they start, from its length and state
 * (interned:2 kind:3 compact:1 ascii:1 ready:1); 0 bytes when it is none we read. */
static inline __u64 pystack_str_span(__u64 length, __u32 state, __u64 *data)
{
	__u64 kind = (state >> 2) & 7;

	*data = state & (1u << 6) ? PY311_UNICODE_ASCII_DATA : PY311_UNICODE_COMPACT_DATA;
	if (!(state & (1u << 5)) || (kind != 1 && kind != 2 && kind != 4) || length > 4096)
		return 0;
	return length * kind;
}

/* The 8 bytes read at the start (or the end, last) of a str's characters of bytes in all
 * kept: those past a shorter string's end cleared. */
static inline __u64 pystack_str_bits(__u64 v, __u64 bytes)
{
	return bytes >= 8 ? v : v & ((1ull << (8 * bytes)) - 1);
}

#define PYSTACK_IDENT_SEED	1469598103934665603ull

#define PYSTACK_ENTRY		1ull

enum pystack_flag {
	PYSTACK_F_TRUNCATED = 1 << 0,	/* more than PYSTACK_MAX_FRAMES frames */
};

/* A thread's Python frames, innermost first; kept in the collector's pystacks map under a
 * hash of the process and the frames (the id a sample carries). */
struct pystack {
	__u32 tgid;
	__u16 nframes;
	__u16 flags;		/* enum pystack_flag */
	struct pystack_frame frames[PYSTACK_MAX_FRAMES];
};

#endif /* TAILTRACE_PYSTACK_H */
