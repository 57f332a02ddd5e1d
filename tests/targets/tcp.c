/* tcp: small TCP client and server of known behaviour for the net tests (IPv4 and IPv6).
 *   tcp serve ADDR PORT [MS]     accept forever; read each connection to EOF, answer each
 *                                 1-byte read with one byte; sleep MS before each read
 *   tcp connect ADDR PORT N      N connects, each closed at once; prints "refused K",
 *                                 then waits 0.2 s for the last closes
 *   tcp send ADDR PORT BYTES     one connection sending BYTES, then waits for the close
 *   tcp hold ADDR PORT SECONDS   one connection, a 1-byte ping-pong every 10 ms */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "busy.h"
#include "netaddr.h"

static int connect_to(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr("tcp", host, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int serve(const char *host, int port, long delay_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr("tcp", host, port, &ss);
	int one = 1, lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	char buf[65536];

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 1024)) {
		perror("tcp serve");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			continue;
		for (;;) {
			if (delay_ms)
				usleep(delay_ms * 1000);
			n = read(fd, buf, sizeof(buf));
			if (n <= 0 || (n == 1 && write(fd, buf, 1) != 1))
				break;
		}
		close(fd);
	}
}

int main(int argc, char **argv)
{
	long n;

	if (argc < 5 && !(argc == 4 && !strcmp(argv[1], "serve"))) {
		fprintf(stderr, "usage: tcp serve|connect|send|hold ADDR PORT [N]\n");
		return 2;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(argv[2], atoi(argv[3]), argc > 4 ? atol(argv[4]) : 0);
	n = atol(argv[4]);
	if (!strcmp(argv[1], "connect")) {
		long refused = 0;

		for (long i = 0; i < n; i++) {
			int fd = connect_to(argv[2], atoi(argv[3]));

			if (fd < 0)
				refused++;
			else
				close(fd);
		}
		printf("refused %ld\n", refused);
		/* the last closes finish (FIN, ACK) while a tracer still watches */
		usleep(200000);
		return 0;
	}
	int fd = connect_to(argv[2], atoi(argv[3]));
	char buf[65536] = { 0 };

	if (fd < 0) {
		fprintf(stderr, "tcp: connect: %s\n", strerror(-fd));
		return 1;
	}
	if (!strcmp(argv[1], "send")) {
		for (long left = n; left > 0;) {
			ssize_t k = write(fd, buf, left > (long)sizeof(buf) ? sizeof(buf) : left);

			if (k <= 0)
				return 1;
			left -= k;
		}
		shutdown(fd, SHUT_WR);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	} else {
		uint64_t end = now_ns() + (uint64_t)n * 1000000000ull;

		while (now_ns() < end) {
			if (write(fd, "p", 1) != 1 || read(fd, buf, 1) != 1)
				return 1;
			usleep(10000);
		}
	}
	close(fd);
	return 0;
}
