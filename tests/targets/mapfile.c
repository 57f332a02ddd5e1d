/* mapfile FILE COUNT SECONDS: maps the first page of FILE COUNT times (each its own mapping),
 * says "ready" on stderr, and spins on the CPU for SECONDS. What a hostile process does to a
 * reader of its mappings: thousands of mappings of one file named like an interpreter. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "busy.h"

int main(int argc, char **argv)
{
	int fd, n, k = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: mapfile FILE COUNT SECONDS\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror("mapfile");
		return 1;
	}
	n = atoi(argv[2]);
	for (; k < n; k++)
		if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
			break;
	fprintf(stderr, "mapped %d\nready\n", k);
	spin_ns((uint64_t)(atof(argv[3]) * 1e9));
	return 0;
}
