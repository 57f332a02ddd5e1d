/* fifoexe: a hostile traced process. It deletes its own executable and puts a FIFO where the
 * kernel's name for it, "PATH (deleted)", points, so that whoever opens that name to read its
 * symbols waits for a writer forever. Says "ready" on stderr, then naps in nap() until
 * killed. Run a copy: it deletes the file it was started from. */
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int main(void)
{
	char exe[PATH_MAX], fifo[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return 1;
	exe[n] = 0;
	snprintf(fifo, sizeof(fifo), "%s (deleted)", exe);
	if (unlink(exe) || mkfifo(fifo, 0644)) {
		perror("fifoexe");
		return 1;
	}
	fprintf(stderr, "ready: %s\n", fifo);
	for (;;)
		nap();
}
