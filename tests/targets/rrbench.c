/* rrbench: TCP request/response throughput over one connection, for the net benchmark.
 *   rrbench serve ADDR PORT [IDLE_S]   accept connections one at a time; echo what each sends
 *                                      (a 1-byte request gets a 1-byte response). PORT 0: the
 *                                      kernel picks one; prints "port N" once listening. Exits
 *                                      after IDLE_S seconds without a connection (0: never).
 *   rrbench ADDR PORT SECONDS          one connection: 1-byte write, 1-byte read, in a tight
 *                                      loop for SECONDS; prints "transactions N", "seconds S",
 *                                      "usecs/transaction X", "transactions/s R" and
 *                                      "cpu_seconds C" (its own user + system time).
 * Both ends set TCP_NODELAY, so that no byte waits for Nagle's algorithm. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "busy.h"
#include "netaddr.h"

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(const char *host, int port, long idle_s)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr("rrbench", host, port, &ss);
	int one = 1, lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	char buf[4096];

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 16)) {
		perror("rrbench serve");
		return 1;
	}
	len = sizeof(ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &len)) {
		perror("rrbench serve: getsockname");
		return 1;
	}
	printf("port %d\n", ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
				  ((struct sockaddr_in6 *)&ss)->sin6_port));
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int r = poll(&p, 1, idle_s > 0 ? (int)(idle_s * 1000) : -1), fd;
		ssize_t n;

		if (r == 0) {
			fprintf(stderr, "rrbench serve: no connection for %ld s, exiting\n", idle_s);
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			perror("rrbench serve: poll");
			return 1;
		}
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		nodelay(fd);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				break;
		close(fd);
	}
}

static int client(const char *host, int port, double secs)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr("rrbench", host, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	uint64_t start, end, now, n = 0;
	struct rusage ru;
	char c = 'r';

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		fprintf(stderr, "rrbench: connect to %s port %d: %s\n", host, port, strerror(errno));
		return 1;
	}
	nodelay(fd);
	start = now = now_ns();
	end = start + (uint64_t)(secs * 1e9);
	while (now < end) {
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
			fprintf(stderr, "rrbench: transaction %llu: %s\n", (unsigned long long)n,
				errno ? strerror(errno) : "connection closed");
			return 1;
		}
		n++;
		now = now_ns();
	}
	close(fd);
	printf("transactions %llu\n", (unsigned long long)n);
	printf("seconds %.6f\n", (now - start) / 1e9);
	printf("usecs/transaction %.3f\n", n ? (now - start) / 1e3 / n : 0.0);
	printf("transactions/s %.1f\n", n * 1e9 / (now - start));
	if (!getrusage(RUSAGE_SELF, &ru))
		printf("cpu_seconds %.6f\n", ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && argc <= 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], atoi(argv[3]), argc > 4 ? atol(argv[4]) : 0);
	if (argc == 4 && strcmp(argv[1], "serve") && atof(argv[3]) > 0)
		return client(argv[1], atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: rrbench serve ADDR PORT [IDLE_S] | rrbench ADDR PORT SECONDS\n");
	return 2;
}
