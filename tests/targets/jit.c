/* jit SECONDS [NAME]: code made at run time, as a JIT compiler makes it: a spin loop copied
 * into anonymous memory made executable, named NAME (default jit_spin_loop) in
 * /tmp/perf-PID.map as perf documents ("START SIZE name", hex), among lines perf would skip;
 * then called over and over for SECONDS (default 2), so that nearly every sample is in it.
 * Prints "ready" on stderr once spinning; removes its map at the end. x86-64 only. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "busy.h"

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

/* long spin(long n) { while (--n); return 0; } without a frame of its own */
static const unsigned char spin_code[] = {
	0x48, 0x89, 0xf8,	/* mov %rdi,%rax */
	0x48, 0xff, 0xc8,	/* 1: dec %rax */
	0x75, 0xfb,		/* jnz 1b */
	0xc3,			/* ret */
};

int main(int argc, char **argv)
{
	const char *name = argc > 2 ? argv[2] : "jit_spin_loop";
	char path[64];
	long (*spin)(long);
	unsigned char *code;
	FILE *map;

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return 1;
	/* 256 bytes in: the page's start is not where the code is */
	memcpy(code + 256, spin_code, sizeof(spin_code));
	if (mprotect(code, 4096, PROT_READ | PROT_EXEC))
		return 1;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	map = fopen(path, "w");
	if (!map)
		return 1;
	fprintf(map, "not a line of a perf map\n%lx zz bad_size\n%lx 0 zero_size\n"
		"%lx %zx %s\n", (unsigned long)code, (unsigned long)code,
		(unsigned long)(code + 256), sizeof(spin_code), name);
	fclose(map);
	spin = (long (*)(long))(code + 256);
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)arg_or(argc, argv, 1, 2));
	fprintf(stderr, "ready\n");
	while (!stop)
		spin(100000);
	unlink(path);
	return 0;
}
