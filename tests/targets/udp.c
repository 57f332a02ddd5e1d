/* udp: UDP sender and receiver of known behaviour for the net tests (IPv4 and IPv6).
 *   udp send ADDR PORT N BYTES     N datagrams of BYTES bytes, back to back
 *   udp recv ADDR PORT N MS        binds, prints "ready", then reads N datagrams, sleeping MS
 *                                   before each read; prints "received N" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "netaddr.h"

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, n;
	static char buf[65536];

	if (argc != 6 || (strcmp(argv[1], "send") && strcmp(argv[1], "recv"))) {
		fprintf(stderr, "usage: udp send ADDR PORT N BYTES | udp recv ADDR PORT N MS\n");
		return 2;
	}
	len = make_addr("udp", argv[2], atoi(argv[3]), &ss);
	n = atoi(argv[4]);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp: socket");
		return 1;
	}
	if (!strcmp(argv[1], "send")) {
		size_t bytes = (size_t)atoi(argv[5]);

		if (bytes > sizeof(buf))
			bytes = sizeof(buf);
		memset(buf, 'u', bytes);
		for (int i = 0; i < n; i++)
			if (sendto(fd, buf, bytes, 0, (struct sockaddr *)&ss, len) < 0) {
				perror("udp: sendto");
				return 1;
			}
		return 0;
	}
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		perror("udp: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		struct timespec d = { atoi(argv[5]) / 1000, atoi(argv[5]) % 1000 * 1000000L };

		nanosleep(&d, NULL);
		if (recv(fd, buf, sizeof(buf), 0) < 0) {
			perror("udp: recv");
			return 1;
		}
	}
	printf("received %d\n", n);
	return 0;
}
