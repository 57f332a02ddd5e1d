/* An address and port from the command line of a test target, IPv4 or IPv6. */
#ifndef TT_TARGETS_NETADDR_H
#define TT_TARGETS_NETADDR_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Fills ss with host:port and returns its length; exits with 2 on a bad address. */
static socklen_t make_addr(const char *prog, const char *host, int port,
			   struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	fprintf(stderr, "%s: bad address %s (an IPv4 or IPv6 address)\n", prog, host);
	exit(2);
}

#endif
