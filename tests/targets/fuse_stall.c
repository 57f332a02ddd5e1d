/* fuse_stall MOUNTPOINT FILE SECONDS [NAME]: mounts a FUSE filesystem on MOUNTPOINT that holds
 * FILE as MOUNTPOINT/prog, or MOUNTPOINT/NAME (executable), says "mounted" on stderr, and answers the kernel's
 * requests until SIGUSR1, after which it answers none: a stat or open of prog then waits
 * forever, as on a FUSE mount whose daemon hung. Exits after SECONDS (the kernel then fails
 * what waits), so that nothing can wait longer. Speaks the FUSE protocol over /dev/fuse
 * itself, needing no library. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stalled;
static char *content;
static const char *name = "prog";
static size_t csize;
static int dev;

static void on_usr1(int sig)
{
	(void)sig;
	stalled = 1;
}

static void reply(uint64_t unique, int err, const void *body, size_t len)
{
	static char buf[sizeof(struct fuse_out_header) + 65536];
	struct fuse_out_header h = { sizeof(h) + len, err, unique };

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	if (write(dev, buf, sizeof(h) + len) < 0)
		perror("fuse_stall: write");
}

static void attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0755;
	a->size = ino == FUSE_ROOT_ID ? 0 : csize;
	a->blocks = (a->size + 511) / 512;
}

int main(int argc, char **argv)
{
	static char buf[(1 << 20) + 4096];
	char opts[256];
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: fuse_stall MOUNTPOINT FILE SECONDS\n");
		return 2;
	}
	if (argc > 4)
		name = argv[4];
	f = fopen(argv[2], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (long)(csize = ftell(f)) < 0)
		return 1;
	rewind(f);
	content = malloc(csize);
	if (!content || fread(content, 1, csize, f) != csize)
		return 1;
	fclose(f);
	signal(SIGUSR1, on_usr1);
	alarm(atoi(argv[3]));
	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("fuse_stall: /dev/fuse");
		return 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 dev);
	if (mount("fuse_stall", argv[1], "fuse.fuse_stall", MS_NOSUID | MS_NODEV, opts)) {
		perror("fuse_stall: mount");
		return 1;
	}
	fprintf(stderr, "mounted\n");
	for (;;) {
		ssize_t n = read(dev, buf, sizeof(buf));
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = buf + sizeof(*in);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(*in))
			return 0;	/* unmounted */
		if (stalled && in->opcode != FUSE_INIT)
			continue;	/* never answered */
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
						   .minor = ii->minor < 31 ? ii->minor : 31,
						   .max_readahead = ii->max_readahead,
						   .max_write = 65536, .max_background = 16,
						   .congestion_threshold = 12 };

			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out e = { .nodeid = 2, .generation = 1 };

			if (strcmp(arg, name)) {
				reply(in->unique, -ENOENT, NULL, 0);
				break;
			}
			attr(&e.attr, 2);
			reply(in->unique, 0, &e, sizeof(e));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			attr(&o.attr, in->nodeid);
			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { 0 };

			reply(in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ: {
			struct fuse_read_in *r = arg;
			size_t off = r->offset < csize ? r->offset : csize, len = r->size;

			if (len > csize - off)
				len = csize - off;
			if (len > 65536)
				len = 65536;
			reply(in->unique, 0, content + off, len);
			break;
		}
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_FLUSH:
			reply(in->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;
		default:
			reply(in->unique, -ENOSYS, NULL, 0);
		}
	}
}
