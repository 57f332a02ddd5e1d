/* profile on a hostile host (tests/targets/hostile: a garbage stack, a 5,000-deep recursion, a
 * fork/exec storm) at a rate whose stack copies cannot all be unwound: the run still ends on
 * time, counts no sample after its end, writes its output, and says what it did not unwind. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)
#define HZ 10000

static char dir[] = "/tmp/tt-bounds-XXXXXX";
static char out[64];

static void setup(void)
{
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(out, sizeof(out), "%s/run.json", dir);
}

static void teardown(void)
{
	unlink(out);
	rmdir(dir);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The -o file parsed: the test fails when it is missing or not JSON. */
static struct json_value *read_run(const char *path)
{
	char err[128], *text;
	struct json_value *j;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0, "the run wrote no %s: %s", path, strerror(errno));
	cr_assert(!fstat(fd, &st) && st.st_size > 0 && st.st_size < (1 << 28),
		  "%s is empty or too big (%lld bytes)", path, (long long)st.st_size);
	text = malloc((size_t)st.st_size + 1);
	cr_assert(text);
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	cr_assert_eq(n, st.st_size, "short read of %s", path);
	text[n] = 0;
	j = json_parse(text, (size_t)n, err, sizeof(err));
	free(text);
	cr_assert(j, "%s is not JSON: %s", path, err);
	return j;
}

static uint64_t counter(const struct json_value *j, const char *metric)
{
	const struct json_value *s = find_series(j, metric, NULL, NULL);

	cr_assert(s, "no %s series", metric);
	return json_u64_at(s, "value");
}

/* Samples in the profile.cpu stacks. */
static uint64_t stack_samples(const struct json_value *j)
{
	const struct json_value *se = find_series(j, "profile.cpu", NULL, NULL);
	const struct json_value *stacks = json_get(se, "stacks");
	uint64_t n = 0;

	cr_assert(se, "no profile.cpu series");
	for (size_t i = 0; i < json_array_len(stacks); i++)
		n += json_u64_at(json_array_at(stacks, i), "count");
	return n;
}

/*
 * Every sample is accounted for: in a stack, or dropped as unwinding fell behind, at the end,
 * or for lack of room. At most a sample per CPU may be in flight when the samplers are
 * detached (counted, its copy sent after the last drain). The samples and idle samples
 * together are CPU time: at most every CPU for the run (with 5% for the rate's jitter and
 * the moment between attaching and the clock's start).
 */
static void check_accounting(const struct json_value *j, double seconds)
{
	const struct json_value *drops = json_get(j, "drops");
	uint64_t samples = counter(j, "profile.samples"), idle = counter(j, "profile.idle_samples");
	uint64_t behind = json_u64_at(drops, "unwind_behind"), end = json_u64_at(drops,
										 "unwind_end");
	uint64_t full = json_u64_at(drops, "map_full"), in_stacks = stack_samples(j);
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	double most = (double)ncpus * seconds * HZ * 1.05;

	cr_assert((double)(samples + idle) <= most,
		  "%llu samples and %llu idle in %.1f s: more than %ld CPUs at %d Hz can give (%.0f)",
		  (unsigned long long)samples, (unsigned long long)idle, seconds, ncpus, HZ, most);
	cr_assert(in_stacks + behind + end + full <= samples &&
		  in_stacks + behind + end + full + (uint64_t)ncpus >= samples,
		  "samples %llu: %llu in stacks + %llu behind + %llu at the end + %llu map_full",
		  (unsigned long long)samples, (unsigned long long)in_stacks,
		  (unsigned long long)behind, (unsigned long long)end, (unsigned long long)full);
	cr_log_info("hostile: %llu samples, %llu idle, %llu in stacks, %llu behind, %llu at the end",
		    (unsigned long long)samples, (unsigned long long)idle,
		    (unsigned long long)in_stacks, (unsigned long long)behind,
		    (unsigned long long)end);
}

static pid_t start_hostile(void)
{
	pid_t p = spawn_bg((char *[]){ TG("hostile"), "8", NULL });

	usleep(300000);
	return p;
}

Test(profile_bounds, hostile_host_ends_on_time_and_says_what_it_dropped, .init = setup,
     .fini = teardown)
{
	pid_t h = start_hostile();
	struct json_value *j;
	struct run r;
	uint64_t dropped;
	double reports_at;
	char said[64];

	run_cmd(&r, 30, (char *[]){ TT, "profile", "-F", "10000", "-d", "2s", "-o", out, NULL });
	kill_bg(h);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	j = read_run(out);
	/* the samplers stop at -d's end, the last drain takes at most 1 s: the reports begin
	 * (duration_ns is taken then) by 2 + 1 s and a margin for the loop's tick */
	reports_at = (double)json_u64_at(j, "duration_ns") / 1e9;
	cr_assert(reports_at < 2 + 1 + 0.5, "-d 2s: the reports began %.2f s after the start",
		  reports_at);
	/* then symbolizing and writing what was kept (at most MAX_DWARF_STACKS stacks): on
	 * this mix 1-3 s on an idle machine, more under the other tests' load */
	cr_assert(r.seconds < 2 + 10, "-d 2s took %.1f s", r.seconds);
	check_accounting(j, 2);
	dropped = json_u64_at(json_get(j, "drops"), "unwind_behind");
	/* the text summary names the drop whenever there is one */
	snprintf(said, sizeof(said), "unwind_behind %llu", (unsigned long long)dropped);
	cr_assert(!dropped || strstr(r.out, said), "%llu dropped, but the text does not say '%s':\n%s",
		  (unsigned long long)dropped, said, r.out);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("a hostile profile");
}

/* SIGTERM (or two, at once) on a host-wide profile: it ends within about a second, with its
 * output. A second signal cuts the last drain short instead of killing the reports. */
static void ends_on_signals(int nsig)
{
	pid_t h = start_hostile();
	struct json_value *j;
	struct bg b;
	struct run r;
	double sent;

	bg_start(&b, (char *[]){ TT, "profile", "-F", "10000", "-o", out, NULL });
	bg_wait_for(&b, "Tracing", 10);
	usleep(1000000);
	sent = now_s();
	for (int i = 1; i < nsig; i++) {
		kill(b.pid, SIGTERM);
		usleep(1000);
	}
	bg_finish(&b, SIGTERM, 30, &r);
	kill_bg(h);
	cr_assert_eq(r.status, 0, "exit %d after %d SIGTERM: %s", r.status, nsig, r.err);
	j = read_run(out);
	/* the last drain ends within 1 s of the signal, then the reports are written */
	cr_assert((double)json_u64_at(j, "duration_ns") / 1e9 < sent - b.start + 1.5,
		  "%d SIGTERM at +%.2f s: the reports began at +%.2f s", nsig, sent - b.start,
		  (double)json_u64_at(j, "duration_ns") / 1e9);
	cr_assert(now_s() - sent < 5, "%d SIGTERM: exit %.1f s later", nsig, now_s() - sent);
	check_accounting(j, (double)json_u64_at(j, "duration_ns") / 1e9);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("a profile ended by SIGTERM");
}

Test(profile_bounds, sigterm_ends_within_a_second_or_two_with_output, .init = setup,
     .fini = teardown)
{
	ends_on_signals(1);
}

Test(profile_bounds, a_second_sigterm_still_writes_the_output, .init = setup, .fini = teardown)
{
	ends_on_signals(2);
}
