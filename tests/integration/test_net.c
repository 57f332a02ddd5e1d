/* The net collector on the real kernel: a network namespace and a veth pair of the test's
 * own, with documentation addresses (198.51.100.0/24 and 2001:db8::/32: 192.0.2.0/24 may be
 * the host's own network), created before each test and removed after it. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)
#define NS "tt-net-test"
#define HOST_DEV "ttn0"
#define NS_DEV "ttn1"
#define HOST4 "198.51.100.1"
#define PEER4 "198.51.100.2"
#define PEER6 "2001:db8:7474::2"

static pid_t servers[2];

static void sh(const char *cmd)
{
	int rc = system(cmd);

	cr_assert(rc == 0, "'%s' failed (%d)", cmd, rc);
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++)
		if (servers[i] > 0)
			kill_bg(servers[i]);
	if (system("ip link del " HOST_DEV " 2>/dev/null; ip netns del " NS " 2>/dev/null")) {
		/* nothing to remove */
	}
}

/* The peer in its namespace, a server on 8080 (v4 and v6), no traffic but the test's:
 * no IPv6 on the host side (no router or neighbour solicitations), a permanent neighbour
 * entry (no ARP). */
static void setup(void)
{
	tt_bin();	/* skips when not root */
	teardown();
	sh("ip netns add " NS " && ip link add " HOST_DEV " type veth peer name " NS_DEV
	   " && ip link set " NS_DEV " netns " NS
	   " && sysctl -qw net.ipv6.conf." HOST_DEV ".disable_ipv6=1"
	   " && ip addr add " HOST4 "/24 dev " HOST_DEV " && ip link set " HOST_DEV " up"
	   " && ip -n " NS " link set lo up"
	   " && ip -n " NS " addr add " PEER4 "/24 dev " NS_DEV
	   " && ip -n " NS " addr add " PEER6 "/64 dev " NS_DEV " nodad"
	   " && ip -n " NS " link set " NS_DEV " up"
	   " && ip neigh replace " PEER4 " dev " HOST_DEV " nud permanent lladdr"
	   " $(ip -n " NS " -br link show " NS_DEV " | awk '{print $3}')");
	servers[0] = spawn_bg((char *[]){ "/usr/sbin/ip", "netns", "exec", NS, TG("tcp"),
					  "serve", PEER4, "8080", NULL });
	servers[1] = spawn_bg((char *[]){ "/usr/sbin/ip", "netns", "exec", NS, TG("tcp"),
					  "serve", PEER6, "8080", NULL });
	/* the servers listen once ss in the namespace says so */
	for (int i = 0; i < 100; i++) {
		if (!system("ip netns exec " NS " ss -ltnH | grep -q '" PEER4 ":8080'") &&
		    !system("ip netns exec " NS " ss -ltnH | grep -q '" PEER6 "\\]:8080'"))
			return;
		usleep(20000);
	}
	cr_assert_fail("the test servers did not start");
}

TestSuite(net, .init = setup, .fini = teardown);

static const struct json_value *series_where(const struct json_value *root, const char *metric,
					     const char *key, const char *value)
{
	return find_series(root, metric, key, value);
}

static uint64_t counter_of(const struct json_value *root, const char *metric, const char *remote,
			   const char *label, const char *value)
{
	const struct json_value *all = json_get(root, "series");

	for (size_t i = 0; i < json_array_len(all); i++) {
		const struct json_value *s = json_array_at(all, i);
		const struct json_value *l = json_get(s, "labels");
		const struct json_value *r = json_get(l, "remote");
		const struct json_value *x = label ? json_get(l, label) : NULL;

		if (strcmp(json_as_string(json_get(s, "metric"), NULL), metric) || !r ||
		    strcmp(json_as_string(r, NULL), remote))
			continue;
		if (label && (!x || strcmp(json_as_string(x, NULL), value)))
			continue;
		return json_u64_at(s, "value");
	}
	return 0;
}

/* The JSON after the traced command's own line ("refused N"). */
static struct json_value *report_after(const struct run *r)
{
	const char *start = strstr(r->out, "{\n");
	char err[128];
	struct json_value *j;

	cr_assert(start, "no JSON in:\n%s\n%s", r->out, r->err);
	j = json_parse(start, strlen(start), err, sizeof(err));
	cr_assert(j, "%s", err);
	return j;
}

/* func, sched and net in one run over one target: one document with every collector's
 * series, exact counts from each. */
Test(net, record_runs_func_sched_and_net_together)
{
	char probe[512];
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	snprintf(probe, sizeof(probe), "%s:work", TG("mixed"));
	run_cmd(&r, 60, (char *[]){ TT, "record", "--func", probe, "--sched", "--sched-comm",
				    "mixed", "--net", "--net-remote", "198.51.100.0/24", "--format",
				    "json", "--", TG("mixed"), PEER4, "8080", "40", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	cr_assert_str_eq(json_as_string(json_get(j, "command"), NULL), "record");
	s = series_where(j, "func.latency", "func", "work");
	cr_assert(s, "func's series:\n%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 40, "40 calls of work");
	cr_assert(quantile(s, "p50") >= 1e6 && quantile(s, "p50") < 1.5e6, "1 ms each");
	s = series_where(j, "net.tcp_connect", "remote", PEER4 ":8080");
	cr_assert(s, "net's series:\n%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 40, "40 connects");
	cr_assert_eq(counter_of(j, "net.tcp_opened", PEER4 ":8080", NULL, NULL), 40);
	{
		const struct json_value *all = json_get(j, "series");
		uint64_t sleeps = 0;

		for (size_t i = 0; i < json_array_len(all); i++) {
			const struct json_value *x = json_array_at(all, i);
			const struct json_value *l = json_get(x, "labels");
			const struct json_value *reason = json_get(l, "reason");

			if (!strcmp(json_as_string(json_get(x, "metric"), NULL), "sched.offcpu") &&
			    reason && !strcmp(json_as_string(reason, NULL), "sleep"))
				sleeps += json_u64_at(x, "count");
		}
		/* 40 sleeps of 2 ms and the last one; a connect may block too */
		cr_assert(sleeps >= 40 && sleeps <= 40 * 3, "%llu sleeps of mixed:\n%s",
			  (unsigned long long)sleeps, r.out);
	}
	cr_assert(json_get(j, "summaries") && json_array_len(json_get(j, "summaries")) >= 3,
		  "sched's and net's summaries:\n%s", r.out);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("record");
}

Test(net, connects_are_counted_exactly_per_remote)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	run_cmd(&r, 60, (char *[]){ TT, "net", "--remote", "198.51.100.0/24", "--format", "json",
				    "--", TG("tcp"), "connect", PEER4, "8080", "50", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "refused 0"), "%s", r.out);
	j = report_after(&r);
	s = series_where(j, "net.tcp_connect", "remote", PEER4 ":8080");
	cr_assert(s, "%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 50);
	cr_assert_eq(counter_of(j, "net.tcp_opened", PEER4 ":8080", NULL, NULL), 50);
	cr_assert_eq(counter_of(j, "net.tcp_closed", PEER4 ":8080", NULL, NULL), 50);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_lifetime", "remote", PEER4 ":8080"),
				 "count"), 50);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("net");
}

Test(net, accepts_from_the_syn_per_client_address)
{
	struct bg b;
	struct run r, conn;
	struct json_value *j;
	const struct json_value *s;

	/* the server is in the namespace: its accepts see the client's address */
	bg_start(&b, (char *[]){ TT, "net", "--port", "8080", "--format", "json", NULL });
	bg_wait_for(&b, "Tracing", 30);
	run_cmd(&conn, 60, (char *[]){ TG("tcp"), "connect", PEER4, "8080", "30", NULL });
	cr_assert_eq(conn.status, 0, "%s", conn.err);
	bg_finish(&b, SIGINT, 30, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	s = series_where(j, "net.tcp_accept", "remote", HOST4);
	cr_assert(s, "one series for the client, whatever its ports:\n%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 30);
	cr_assert_lt(quantile(s, "p50"), 10e6, "a handshake across a veth");
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_connect", "remote", PEER4 ":8080"),
				 "count"), 30, "and the connects, the other side of the same");
	json_free(j);
	run_free(&r);
	run_free(&conn);
}

/* net with --by KEY around 20 connects: the JSON of the run */
static struct json_value *connects_by(struct run *r, char *key)
{
	run_cmd(r, 60, (char *[]){ TT, "net", "--by", key, "--port", "8080", "--format", "json",
				   "--", TG("tcp"), "connect", PEER4, "8080", "20", NULL });
	cr_assert_eq(r->status, 0, "%s", r->err);
	return report_after(r);
}

Test(net, by_comm_rport_pid_and_lport)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	j = connects_by(&r, "comm");
	s = series_where(j, "net.tcp_connect", "comm", "tcp");
	cr_assert(s, "%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 20);
	cr_assert_null(json_get(json_get(s, "labels"), "remote"));
	json_free(j);
	run_free(&r);

	j = connects_by(&r, "rport");
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_connect", "rport", "8080"), "count"), 20);
	json_free(j);
	run_free(&r);

	j = connects_by(&r, "pid");
	s = series_where(j, "net.tcp_connect", NULL, NULL);
	cr_assert(s && atoi(json_as_string(json_get(json_get(s, "labels"), "pid"), NULL)) > 0,
		  "keyed by the connecting process: %s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 20);
	json_free(j);
	run_free(&r);

	/* the server's side: its accepts by local port */
	{
		struct bg b;
		struct run conn;

		bg_start(&b, (char *[]){ TT, "net", "--by", "lport", "--format", "json", NULL });
		bg_wait_for(&b, "Tracing", 30);
		run_cmd(&conn, 60, (char *[]){ TG("tcp"), "connect", PEER4, "8080", "20", NULL });
		bg_finish(&b, SIGINT, 30, &r);
		cr_assert_eq(r.status, 0, "%s", r.err);
		j = run_json(&r);
		cr_assert_eq(json_u64_at(series_where(j, "net.tcp_accept", "lport", "8080"), "count"),
			     20, "%s", r.out);
		json_free(j);
		run_free(&r);
		run_free(&conn);
	}
}

Test(net, ipv6_remotes_in_their_notation)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	/* IPv6 on the host end too (the other tests keep the link quiet without it) */
	sh("sysctl -qw net.ipv6.conf." HOST_DEV ".disable_ipv6=0 && ip addr add "
	   "2001:db8:7474::1/64 dev " HOST_DEV " nodad");
	run_cmd(&r, 60, (char *[]){ TT, "net", "--remote", "2001:db8::/32", "--format", "json",
				    "--", TG("tcp"), "connect", PEER6, "8080", "10", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = report_after(&r);
	s = series_where(j, "net.tcp_connect", "remote", "[" PEER6 "]:8080");
	cr_assert(s, "%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 10);
	json_free(j);
	run_free(&r);
}

Test(net, a_closed_port_is_a_failed_connect_by_reset)
{
	struct run r;
	struct json_value *j;

	run_cmd(&r, 60, (char *[]){ TT, "net", "--format", "json", "--", TG("tcp"), "connect",
				    PEER4, "9", "3", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "refused 3"), "%s", r.out);
	j = report_after(&r);
	cr_assert_eq(counter_of(j, "net.tcp_connect_failed", PEER4 ":9", "reason", "reset"), 3);
	cr_assert_eq(counter_of(j, "net.tcp_resets", PEER4 ":9", "direction", "received"), 3);
	cr_assert_null(series_where(j, "net.tcp_connect", "remote", PEER4 ":9"),
		       "no latency for a connect that failed");
	json_free(j);
	run_free(&r);
}

/* A series of net.tx_queue on device ifindex of network namespace netns. */
static const struct json_value *tx_series(const struct json_value *root, unsigned ifindex,
					  unsigned long netns)
{
	const struct json_value *series = json_get(root, "series");
	char dev[32], ns[32];

	snprintf(dev, sizeof(dev), "ifindex %u", ifindex);
	snprintf(ns, sizeof(ns), "%lu", netns);
	for (size_t i = 0; series && i < json_array_len(series); i++) {
		const struct json_value *s = json_array_at(series, i);
		const struct json_value *labels = json_get(s, "labels");
		const char *m = json_as_string(json_get(s, "metric"), NULL);
		const char *d = json_as_string(json_get(labels, "dev"), NULL);
		const char *n = json_as_string(json_get(labels, "netns"), NULL);

		if (m && d && n && !strcmp(m, "net.tx_queue") && !strcmp(d, dev) && !strcmp(n, ns))
			return s;
	}
	return NULL;
}

/* /sys/class/net/DEV/FILE of a device in namespace ns: "ifindex", "statistics/tx_packets" */
static unsigned sys_in(const char *ns, const char *dev, const char *file)
{
	char cmd[160];
	unsigned v = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/%s", ns, dev, file);
	f = popen(cmd, "r");
	cr_assert(f && fscanf(f, "%u", &v) == 1, "%s", cmd);
	pclose(f);
	return v;
}

/* A packet goes down a bridge into its port, whose qdisc holds it (tbf, 200 kbit/s): the
 * port's queueing is the shaping delay, the bridge's next to none. Both devices in a
 * namespace of their own, labelled with it. */
Test(net, a_bridge_and_its_shaped_port_are_timed_apart)
{
	struct stat st;
	struct bg b;
	struct run r, send;
	struct json_value *j;
	const struct json_value *port, *bridge;
	unsigned port_if, bridge_if, port_tx, bridge_tx;

	/* no IPv6 in the namespaces: no traffic but the test's */
	sh("ip netns add tt-br-test && ip netns add tt-br-peer"
	   " && ip netns exec tt-br-test sysctl -qw net.ipv6.conf.all.disable_ipv6=1"
	   " net.ipv6.conf.default.disable_ipv6=1"
	   " && ip netns exec tt-br-peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1"
	   " net.ipv6.conf.default.disable_ipv6=1"
	   " && ip -n tt-br-test link add ttbv0 type veth peer name ttbv1 netns tt-br-peer"
	   " && ip -n tt-br-test link add ttbr0 type bridge"
	   " && ip -n tt-br-test link set ttbv0 master ttbr0"
	   " && ip -n tt-br-test addr add 203.0.113.1/24 dev ttbr0"
	   " && ip -n tt-br-peer addr add 203.0.113.2/24 dev ttbv1"
	   " && ip -n tt-br-test link set ttbv0 up && ip -n tt-br-test link set ttbr0 up"
	   " && ip -n tt-br-peer link set ttbv1 up"
	   " && ip netns exec tt-br-test tc qdisc add dev ttbv0 root tbf rate 200kbit burst 1600"
	   " latency 5s"
	   " && ip -n tt-br-test neigh replace 203.0.113.2 dev ttbr0 nud permanent lladdr"
	   " $(ip -n tt-br-peer -br link show ttbv1 | awk '{print $3}')");
	cr_assert_eq(stat("/run/netns/tt-br-test", &st), 0);
	port_if = sys_in("tt-br-test", "ttbv0", "ifindex");
	bridge_if = sys_in("tt-br-test", "ttbr0", "ifindex");
	bg_start(&b, (char *[]){ TT, "net", "--packets", "--format", "json", NULL });
	bg_wait_for(&b, "Tracing", 30);
	port_tx = sys_in("tt-br-test", "ttbv0", "statistics/tx_packets");
	bridge_tx = sys_in("tt-br-test", "ttbr0", "statistics/tx_packets");
	run_cmd(&send, 30, (char *[]){ "/usr/sbin/ip", "netns", "exec", "tt-br-test", TG("udp"),
				       "send", "203.0.113.2", "9", "20", "1000", NULL });
	usleep(1500000);	/* 20 x 1,042 bytes at 200 kbit/s: 0.83 s */
	port_tx = sys_in("tt-br-test", "ttbv0", "statistics/tx_packets") - port_tx;
	bridge_tx = sys_in("tt-br-test", "ttbr0", "statistics/tx_packets") - bridge_tx;
	bg_finish(&b, SIGINT, 30, &r);
	if (system("ip netns del tt-br-test; ip netns del tt-br-peer")) {
		/* gone already */
	}
	cr_assert_eq(send.status, 0, "%s", send.err);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	port = tx_series(j, port_if, (unsigned long)st.st_ino);
	bridge = tx_series(j, bridge_if, (unsigned long)st.st_ino);
	cr_assert(port && bridge, "%s", r.out);
	/* every packet each device sent, once (the datagrams, and what the kernel adds) */
	cr_assert_geq(port_tx, 20);
	cr_assert_eq(json_u64_at(port, "count"), port_tx, "%s", r.out);
	cr_assert_eq(json_u64_at(bridge, "count"), bridge_tx, "%s", r.out);
	cr_assert_gt(quantile(port, "p99"), 500e6, "the last datagrams wait ~0.8 s in tbf");
	cr_assert_lt(quantile(bridge, "p99"), 5e6, "the bridge hands each on at once");
	json_free(j);
	run_free(&r);
	run_free(&send);
}

/* Large UDP datagrams (held in more than one piece) are timed from arrival to read: a
 * reader that sleeps 60 ms before each of 6 reads of datagrams sent at once (6 x 20 kB fit
 * the default receive buffer). */
Test(net, udp_datagrams_wait_for_a_slow_reader)
{
	pid_t rcv = spawn_bg((char *[]){ TG("udp"), "recv", "127.0.0.1", "9561", "6", "60",
					 NULL });
	struct bg b;
	struct run r, send;
	struct json_value *j;
	const struct json_value *s;

	bg_start(&b, (char *[]){ TT, "net", "--packets", "--port", "9561", "--format", "json",
				 NULL });
	bg_wait_for(&b, "Tracing", 30);
	run_cmd(&send, 30, (char *[]){ TG("udp"), "send", "127.0.0.1", "9561", "6", "20000",
				       NULL });
	usleep(700000);
	bg_finish(&b, SIGINT, 30, &r);
	kill_bg(rcv);
	cr_assert_eq(send.status, 0, "%s", send.err);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	s = series_where(j, "net.rx_to_user", "lport", "9561");
	cr_assert(s, "%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 6, "%s", r.out);
	/* the i-th datagram waits about 60 ms x i: the largest about 360 ms */
	cr_assert_gt(json_u64_at(s, "max"), 250e6, "%s", r.out);
	json_free(j);
	run_free(&r);
	run_free(&send);
}

/* A server's accepted connections are its own: with -p of a server listening already (found
 * in /proc), and with the server as the command (its listen() is seen). */
Test(net, a_servers_accepted_connections_are_its_own)
{
	pid_t srv = spawn_bg((char *[]){ TG("tcp"), "serve", "127.0.0.1", "9563", NULL });
	char pid[16];
	struct bg b;
	struct run r, conn;
	struct json_value *j;

	for (int i = 0; i < 100 && system("ss -ltnH | grep -q '127.0.0.1:9563'"); i++)
		usleep(20000);
	snprintf(pid, sizeof(pid), "%d", srv);
	bg_start(&b, (char *[]){ TT, "net", "-p", pid, "--by", "pid", "--format", "json", NULL });
	bg_wait_for(&b, "Tracing", 30);
	run_cmd(&conn, 30, (char *[]){ TG("tcp"), "connect", "127.0.0.1", "9563", "5", NULL });
	bg_finish(&b, SIGINT, 30, &r);
	kill_bg(srv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_accept", "pid", pid), "count"), 5,
		     "%s", r.out);
	cr_assert_null(series_where(j, "net.tcp_connect", NULL, NULL), "the client is not -p");
	json_free(j);
	run_free(&r);
	run_free(&conn);

	bg_start(&b, (char *[]){ TT, "net", "--by", "comm", "--format", "json", "--", TG("tcp"),
				 "serve", "127.0.0.1", "9564", NULL });
	bg_wait_for(&b, "Tracing", 30);
	for (int i = 0; i < 100 && system("ss -ltnH | grep -q '127.0.0.1:9564'"); i++)
		usleep(20000);
	run_cmd(&conn, 30, (char *[]){ TG("tcp"), "connect", "127.0.0.1", "9564", "3", NULL });
	bg_finish(&b, SIGINT, 30, &r);
	j = run_json(&r);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_accept", "comm", "tcp"), "count"), 3,
		     "%s", r.out);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_lifetime", "comm", "tcp"), "count"), 3,
		     "%s", r.out);
	json_free(j);
	run_free(&r);
	run_free(&conn);
}

/* A dual-stack server ([::]) accepting IPv4 clients: their remote is the IPv4 address, which
 * --remote matches; by local port, closes and lifetimes count under the server's port (the
 * kernel clears it at close). */
Test(net, ipv4_clients_of_a_dual_stack_server)
{
	pid_t srv = spawn_bg((char *[]){ TG("tcp"), "serve", "::", "9565", NULL });
	struct bg b;
	struct run r, conn;
	struct json_value *j;

	for (int i = 0; i < 100 && system("ss -ltnH | grep -q ':9565'"); i++)
		usleep(20000);
	bg_start(&b, (char *[]){ TT, "net", "--remote", "127.0.0.1", "--port", "9565", "--by",
				 "lport", "--format", "json", NULL });
	bg_wait_for(&b, "Tracing", 30);
	run_cmd(&conn, 30, (char *[]){ TG("tcp"), "connect", "127.0.0.1", "9565", "4", NULL });
	bg_finish(&b, SIGINT, 30, &r);
	kill_bg(srv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_accept", "lport", "9565"), "count"), 4,
		     "%s", r.out);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_lifetime", "lport", "9565"), "count"),
		     4, "%s", r.out);
	cr_assert_null(series_where(j, "net.tcp_lifetime", "lport", "0"), "%s", r.out);
	json_free(j);
	run_free(&r);
	run_free(&conn);
}

/* Intervals carry the drops of each interval by reason: two connects to a closed port are
 * two SYNs dropped for want of a socket, in one interval, none in the others. */
Test(net, intervals_carry_drops_by_reason)
{
	struct bg b;
	struct run r, conn;
	uint64_t no_socket = 0;

	bg_start(&b, (char *[]){ TT, "net", "-i", "300ms", "--format", "ndjson", NULL });
	bg_wait_for(&b, "Tracing", 30);
	usleep(400000);
	run_cmd(&conn, 30, (char *[]){ TG("tcp"), "connect", "127.0.0.1", "9", "2", NULL });
	usleep(700000);
	bg_finish(&b, SIGINT, 30, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (char *line = r.out, *end; line && *line; line = end ? end + 1 : NULL) {
		struct json_value *j;
		const struct json_value *s;

		end = strchr(line, '\n');
		j = json_parse(line, end ? (size_t)(end - line) : strlen(line), NULL, 0);
		cr_assert(j, "each line is a JSON object: %s", line);
		s = series_where(j, "net.drops", "reason", "no_socket");
		if (s)
			no_socket += json_u64_at(s, "value");
		json_free(j);
	}
	cr_assert_eq(no_socket, 2, "%s", r.out);
	run_free(&r);
	run_free(&conn);
}

/* -p of a client whose connection was open before tracing began (found in /proc): its RTT
 * samples are traced, the server's end of the same connection is not. */
Test(net, connections_open_before_p_are_traced)
{
	pid_t srv = spawn_bg((char *[]){ TG("tcp"), "serve", "127.0.0.1", "9568", NULL });
	pid_t hold;
	char pid[16];
	struct run r;
	struct json_value *j;

	for (int i = 0; i < 100 && system("ss -ltnH | grep -q '127.0.0.1:9568'"); i++)
		usleep(20000);
	hold = spawn_bg((char *[]){ TG("tcp"), "hold", "127.0.0.1", "9568", "3", NULL });
	for (int i = 0; i < 100 && system("ss -tnH state established | grep -q ':9568'"); i++)
		usleep(20000);
	snprintf(pid, sizeof(pid), "%d", hold);
	run_cmd(&r, 30, (char *[]){ TT, "net", "-p", pid, "-d", "1s", "--format", "json", NULL });
	kill_bg(hold);
	kill_bg(srv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	/* a ping every 10 ms: about 100 samples in the second */
	cr_assert_gt(json_u64_at(series_where(j, "net.tcp_rtt", "remote", "127.0.0.1:9568"),
				 "count"), 50, "%s", r.out);
	cr_assert_null(series_where(j, "net.tcp_rtt", "remote", "127.0.0.1"),
		       "the server's end is not -p's: %s", r.out);
	json_free(j);
	run_free(&r);
}

/* A command's children open its connections: a shell around the client. */
Test(net, a_commands_children_are_followed)
{
	char script[256];
	struct run r;
	struct json_value *j;

	snprintf(script, sizeof(script), "%s connect " PEER4 " 8080 5; exit 3", TG("tcp"));
	run_cmd(&r, 60, (char *[]){ TT, "net", "--format", "json", "--", "/bin/sh", "-c", script,
				    NULL });
	cr_assert_eq(r.status, 3, "exits with the command's status: %s", r.err);
	j = report_after(&r);
	cr_assert_eq(json_u64_at(series_where(j, "net.tcp_connect", "remote", PEER4 ":8080"),
				 "count"), 5, "%s", r.out);
	json_free(j);
	run_free(&r);
}

/* Per-packet timing costs three more programs a packet: only with --packets (or --dev). */
Test(net, packets_are_timed_only_with_packets)
{
	char *modes[][3] = { { "--by", "remote", "--remote=198.51.100.0/24" },
			     { "--packets", "--by", "remote" } };

	for (int m = 0; m < 2; m++) {
		struct run r;
		struct json_value *j;

		run_cmd(&r, 60, (char *[]){ TT, "net", "--port", "8080", modes[m][0], modes[m][1],
					    modes[m][2], "--format", "json", "--", TG("tcp"), "connect",
					    PEER4, "8080", "3", NULL });
		cr_assert_eq(r.status, 0, "%s", r.err);
		j = report_after(&r);
		cr_assert_eq(json_u64_at(series_where(j, "net.tcp_connect", "remote",
						      PEER4 ":8080"), "count"), 3, "%s", r.out);
		if (m == 0) {
			cr_assert_null(series_where(j, "net.tx_queue", NULL, NULL), "%s", r.out);
			cr_assert(strstr(r.err, "Tracing TCP (filtered"), "%s", r.err);
		} else {
			cr_assert(series_where(j, "net.tx_queue", "dev", HOST_DEV), "%s", r.out);
			cr_assert(strstr(r.err, "Tracing TCP and packets"), "%s", r.err);
		}
		json_free(j);
		run_free(&r);
	}
}

static uint64_t tx_packets(void)
{
	FILE *f = fopen("/sys/class/net/" HOST_DEV "/statistics/tx_packets", "r");
	unsigned long long v = 0;

	cr_assert(f);
	cr_assert_eq(fscanf(f, "%llu", &v), 1);
	fclose(f);
	return v;
}

Test(net, tx_queue_counts_every_packet_of_the_device)
{
	struct bg b;
	struct run r, send;
	struct json_value *j;
	const struct json_value *s;
	uint64_t before, after;

	bg_start(&b, (char *[]){ TT, "net", "--dev", HOST_DEV, "--format", "json", NULL });
	bg_wait_for(&b, "Tracing", 30);
	before = tx_packets();
	run_cmd(&send, 60, (char *[]){ TG("tcp"), "send", PEER4, "8080", "4000000", NULL });
	cr_assert_eq(send.status, 0, "%s", send.err);
	after = tx_packets();
	bg_finish(&b, SIGINT, 30, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	s = series_where(j, "net.tx_queue", "dev", HOST_DEV);
	cr_assert(s, "%s", r.out);
	cr_assert_gt(after - before, 10);
	cr_assert_eq(json_u64_at(s, "count"), after - before,
		     "every packet the device sent (tx_packets) was timed once");
	/* data bytes, without the SYN and FIN that the kernel's counters include */
	cr_assert_eq(counter_of(j, "net.tcp_bytes", PEER4 ":8080", "direction", "sent"), 4000000,
		     "%s", r.out);
	cr_assert_eq(counter_of(j, "net.tcp_bytes", HOST4, "direction", "received"), 4000000,
		     "%s", r.out);
	json_free(j);
	run_free(&r);
	run_free(&send);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

Test(net, rtt_agrees_with_ss)
{
	/* Both ends on one CPU: on a veth the RTT is scheduling, steadier so. */
	pid_t hold = spawn_bg((char *[]){ "/usr/bin/taskset", "-c", "0", TG("tcp"), "hold", PEER4,
					  "8080", "4", NULL });
	struct bg b;
	struct run r;
	struct json_value *j;
	const struct json_value *s;
	double ss_rtt[100], p50_ms;
	int n = 0;

	sh("for p in $(pgrep -f 'tcp serve " PEER4 "'); do taskset -pc 0 $p >/dev/null; done");
	usleep(300000);
	/* the connection is older than the trace: its RTT samples count all the same */
	bg_start(&b, (char *[]){ TT, "net", "--remote", PEER4, "--format", "json", NULL });
	bg_wait_for(&b, "Tracing", 30);
	/* ss reads the same smoothed RTT (tcp_info): its median over the trace is the truth */
	for (int i = 0; i < 40; i++) {
		char line[256];
		FILE *p = popen("ss -tinH dst " PEER4 " | grep -o ' rtt:[0-9.]*' | head -1", "r");

		if (p && fgets(line, sizeof(line), p) && n < 100)
			ss_rtt[n++] = strtod(strchr(line, ':') + 1, NULL);
		if (p)
			pclose(p);
		usleep(50000);
	}
	bg_finish(&b, SIGINT, 30, &r);
	waitpid(hold, NULL, 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_geq(n, 30, "ss saw the connection %d times", n);
	qsort(ss_rtt, n, sizeof(ss_rtt[0]), cmp_double);
	j = run_json(&r);
	s = series_where(j, "net.tcp_rtt", "remote", PEER4 ":8080");
	cr_assert(s, "%s", r.out);
	cr_assert_gt(json_u64_at(s, "count"), 50, "a sample per ping");
	p50_ms = quantile(s, "p50") / 1e6;
	cr_assert(fabs(p50_ms - ss_rtt[n / 2]) <= 0.25 * ss_rtt[n / 2],
		  "p50 RTT %.3f ms, ss's median %.3f ms (min %.3f, max %.3f, %d samples)", p50_ms,
		  ss_rtt[n / 2], ss_rtt[0], ss_rtt[n - 1], n);
	json_free(j);
	run_free(&r);
}

/* The p50 of the wait of received data for its reader, while `tcp hold` pings (a byte,
 * then 10 ms of sleep) a server on port that sleeps delay_ms before each read. */
static double rx_wait_p50_ms(const char *port, const char *delay_ms)
{
	pid_t server = spawn_bg((char *[]){ "/usr/sbin/ip", "netns", "exec", NS, TG("tcp"),
					    "serve", PEER4, (char *)port, (char *)delay_ms, NULL });
	struct bg b;
	struct run r, hold;
	struct json_value *j;
	const struct json_value *s;
	char cmd[128];
	double p50;

	snprintf(cmd, sizeof(cmd), "ip netns exec " NS " ss -ltnH | grep -q '" PEER4 ":%s'", port);
	for (int i = 0; i < 100 && system(cmd); i++)
		usleep(20000);
	bg_start(&b, (char *[]){ TT, "net", "--packets", "--port", (char *)port, "--format", "json",
				 NULL });
	bg_wait_for(&b, "Tracing", 30);
	run_cmd(&hold, 30, (char *[]){ TG("tcp"), "hold", PEER4, (char *)port, "2", NULL });
	cr_assert_eq(hold.status, 0, "%s", hold.err);
	bg_finish(&b, SIGINT, 30, &r);
	kill_bg(server);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	s = series_where(j, "net.rx_to_user", "lport", port);
	cr_assert(s, "no rx_to_user for port %s:\n%s", port, r.out);
	cr_assert_str_eq(json_as_string(json_get(json_get(s, "labels"), "comm"), NULL), "tcp");
	cr_assert_gt(json_u64_at(s, "count"), 10);
	p50 = quantile(s, "p50") / 1e6;
	json_free(j);
	run_free(&r);
	run_free(&hold);
	return p50;
}

Test(net, rx_to_user_grows_with_the_readers_delay)
{
	double fast = rx_wait_p50_ms("8082", "0"), slow = rx_wait_p50_ms("8083", "60");

	/* the ping waits 60 ms less the client's 10 ms of sleep */
	cr_assert(fabs(slow - 50) <= 0.2 * 50, "p50 %.2f ms with a 60 ms reader, expected 50", slow);
	cr_assert_lt(fast, 5, "p50 %.3f ms with a reader that waits in read()", fast);
}

Test(net, bad_input)
{
	struct bad_case cases[] = {
		{ { NULL, "net", "--dev", "nosuchdev0", NULL }, 1, "unknown network device" },
		{ { NULL, "net", "--remote", "300.1.2.3", NULL }, 2, "invalid --remote '300.1.2.3'" },
		{ { NULL, "net", "--remote", "198.51.100.0/33", NULL }, 2, "invalid prefix length" },
		{ { NULL, "net", "--remote", "2001:db8::/129", NULL }, 2, "invalid prefix length" },
		{ { NULL, "net", "--port", "70000", NULL }, 2, "--port needs a whole number" },
		{ { NULL, "net", "--port", "0", NULL }, 2, "--port needs a whole number" },
		{ { NULL, "net", "--format", "folded", NULL }, 2, "no stacks to fold" },
		{ { NULL, "net", "--by", "host", NULL }, 2, "unknown --by key 'host'" },
	};

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
}
