/* Symbolization speed (`make bench-symbols`): 100,000 addresses of a busy python3.11 (half in
 * the interpreter, half in libc, whose names and lines come from libc6-dbg's debug file),
 * drawn at random (fixed seed) from their executable mappings, symbolized cold (a new
 * symbolizer: maps read, files and debug files opened, DWARF read as addresses need it), warm
 * (the same addresses again) and for a second python3.11 process, other addresses (its files
 * found read already: only its maps and the answers for new addresses are new). Prints one Markdown table.
 * Usage: symbols_bench [N] [PYTHON] (100000, /usr/bin/python3.11). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "symbols/symbolizer.h"

struct range {
	uint64_t start, end;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static pid_t spawn_busy(const char *python)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(python, python, "-c", "while True: pass", (char *)NULL);
		_exit(127);
	}
	usleep(300000);	/* its libraries mapped */
	return pid;
}

/* The executable mappings of pid whose path contains what. */
static size_t ranges_of(pid_t pid, const char *what, struct range *out, size_t max)
{
	char path[64], line[4096], perms[8];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		uint64_t s, e;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &s, &e, perms) == 3 &&
		    perms[2] == 'x' && strstr(line, what))
			out[n++] = (struct range){ s, e };
	}
	fclose(f);
	return n;
}

static uint64_t pick(const struct range *r, size_t n, unsigned int *seed)
{
	const struct range *x = &r[rand_r(seed) % n];
	uint64_t span = x->end - x->start;

	return x->start + (((uint64_t)rand_r(seed) << 31 | rand_r(seed)) % span);
}

struct pass {
	double ms;
	size_t named, lines, inlined;
};

static struct pass run(struct symbolizer *s, pid_t pid, const uint64_t *addrs, size_t n)
{
	struct sym_frame f[16];
	struct pass p = { 0 };
	double t0 = now_ms();

	for (size_t i = 0; i < n; i++) {
		size_t k = symbolizer_user_frames(s, pid, addrs[i], false, f, 16);

		p.named += f[k - 1].symbol != NULL;
		p.lines += f[k - 1].line != 0;
		p.inlined += k > 1;
	}
	p.ms = now_ms() - t0;
	return p;
}

static void row(const char *what, struct pass p, size_t n)
{
	printf("| %s | %.1f ms | %.2f us | %zu | %zu | %zu |\n", what, p.ms, p.ms * 1e3 / n,
	       p.named, p.lines, p.inlined);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	const char *python = argc > 2 ? argv[2] : "/usr/bin/python3.11";
	struct range py[16], libc[16];
	size_t npy, nlibc;
	unsigned int seed = 12345;
	uint64_t *addrs = calloc(n ? n : 1, sizeof(*addrs));
	struct symbolizer *s = symbolizer_new(NULL);
	struct symbolizer_stats st;
	pid_t a, b;
	struct pass cold, warm, second;
	double t0;

	if (!addrs || !s)
		return 1;
	a = spawn_busy(python);
	b = spawn_busy(python);
	npy = ranges_of(a, "python3", py, 16);
	nlibc = ranges_of(a, "libc.so", libc, 16);
	if (!npy || !nlibc) {
		fprintf(stderr, "symbols_bench: %s (pid %d) maps no python3 or libc code\n",
			python, a);
		kill(a, SIGKILL);
		kill(b, SIGKILL);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		addrs[i] = i % 2 ? pick(libc, nlibc, &seed) : pick(py, npy, &seed);
	t0 = now_ms();
	symbolizer_cache_pid(s, a);
	cold = run(s, a, addrs, n);
	cold.ms += now_ms() - t0 - cold.ms;
	warm = run(s, a, addrs, n);
	/* the second process: the same binaries at other places (ASLR), other addresses */
	{
		struct range py2[16], libc2[16];
		size_t n2py = ranges_of(b, "python3", py2, 16), n2libc = ranges_of(b, "libc.so",
									    libc2, 16);

		seed = 54321;
		for (size_t i = 0; i < n && n2py && n2libc; i++)
			addrs[i] = i % 2 ? pick(libc2, n2libc, &seed) : pick(py2, n2py, &seed);
		t0 = now_ms();
		symbolizer_cache_pid(s, b);
		second = run(s, b, addrs, n);
		second.ms += now_ms() - t0 - second.ms;
	}
	symbolizer_stats(s, &st);
	{
		time_t t = time(NULL);
		char date[64];

		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", gmtime(&t));
		printf("# Symbolization speed\n\nWritten by `make bench-symbols` "
		       "(tests/bench/symbols_bench.c) on %s UTC; every figure measured by that "
		       "run. %zu addresses drawn at random (fixed seed) from the code of %s and "
		       "of libc (names and lines from libc6-dbg), half each; one thread, a "
		       "machine shared with other work.\n\n", date, n, python);
	}
	printf("| pass (%zu addresses, python3.11 and libc) | time | per address | named | with "
	       "file:line | with inlined frames |\n|---|---:|---:|---:|---:|---:|\n", n);
	row("cold: maps, files, debug files, DWARF read", cold, n);
	row("warm: the same addresses again", warm, n);
	row("a second python3.11 process, other addresses (files read already)", second, n);
	printf("\nFiles read: %" PRIu64 " (of them %" PRIu64 " with a debug file); found read "
	       "already: %" PRIu64 ".\n", st.files_read, st.debug_files, st.files_shared);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	symbolizer_free(s);
	free(addrs);
	return 0;
}
