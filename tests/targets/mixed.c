/* mixed ADDR PORT N: N rounds of each of: work() for 1 ms, a 2 ms sleep, a TCP connect to
 * ADDR:PORT closed at once; then exits 0. One known target for func, sched and net in one
 * run (tailtrace record). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "busy.h"
#include "netaddr.h"

__attribute__((noinline)) void work(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long n;

	if (argc != 4) {
		fprintf(stderr, "usage: mixed ADDR PORT N\n");
		return 2;
	}
	len = make_addr("mixed", argv[1], atoi(argv[2]), &ss);
	n = atol(argv[3]);
	for (long i = 0; i < n; i++) {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0);

		work(1000000);
		usleep(2000);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
			perror("mixed: connect");
			return 1;
		}
		close(fd);
	}
	usleep(200000);	/* the last closes are seen */
	return 0;
}
