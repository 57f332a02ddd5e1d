#!/usr/bin/env bash
# Overhead benchmark of `tailtrace net`: loopback TCP request/response throughput. It runs
# alone, as root:
#   TAILTRACE=/abs/build/tailtrace TARGETS=/abs/build/targets tests/bench/net.sh >section.md
# build/targets/rrbench (tests/targets/rrbench.c; `make build/targets/rrbench`) serves on
# 127.0.0.1 and, as client, does a 1-byte write and a 1-byte read over one TCP connection in a
# tight loop, both ends pinned to CPU 1 (`taskset -c 1`): every transaction is two data packets
# through lo, and the softirq work of both runs on CPU 1 too. Each round runs the client once
# untraced and once while `tailtrace net` traces the whole system, its process pinned to CPU 0:
# started before the client, waited for until it says "Tracing", stopped with SIGINT after the
# client and waited for. A third run has empty programs on the same tracepoints
# (build/bench/empty_net, tests/bench/empty_net.c): the floor that any tracer of these
# tracepoints pays. The order rotates round by round; medians. The lo device's packet
# counters, read before and after each client run, give packets/s. Then more traced runs with
# kernel.bpf_stats_enabled=1 (restored at exit) give the run time of tailtrace's programs per
# packet (medians). Target: under 5% throughput loss at 100k packets/s.
# Prints progress on stderr and a Markdown section ("## net collector") on stdout.
# Knobs (environment): BENCH_NET_RUNS (7 rounds), BENCH_NET_SECONDS (4: one client run),
# BENCH_NET_STATS_RUNS (3 runs with the statistics on),
# BENCH_NET_READY_S (30: how long tailtrace may take to say it is tracing), TAILTRACE (default
# ../../build/tailtrace), TARGETS (default ../../build/targets).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# die, log, show_cmd, machine_facts
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

TT=${TAILTRACE:-$HERE/../../build/tailtrace}
TARGETS=${TARGETS:-$HERE/../../build/targets}
EMPTY_NET=${BENCH_BUILD:-$HERE/../../build/bench}/empty_net
RR=$TARGETS/rrbench
RUNS=${BENCH_NET_RUNS:-7}
SECS=${BENCH_NET_SECONDS:-4}
STATS_RUNS=${BENCH_NET_STATS_RUNS:-3}
READY_S=${BENCH_NET_READY_S:-30}
ADDR=127.0.0.1
LO=/sys/class/net/lo/statistics

[[ $(id -u) -eq 0 ]] || die "needs root (it loads BPF programs): run it with sudo"
[[ -x $TT ]] || die "$TT is missing: build it first ('make') or set TAILTRACE"
[[ -x $EMPTY_NET ]] || die "$EMPTY_NET is missing: build it first ('make build/bench/empty_net') or set BENCH_BUILD"
[[ -x $RR ]] || die "$RR is missing: build it first ('make build/targets/rrbench') or set TARGETS"
for t in bpftool python3 taskset sysctl; do
	command -v "$t" >/dev/null || die "$t is not installed: the benchmark needs it"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_NET_RUNS must be a positive number, not '$RUNS'"
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "BENCH_NET_SECONDS must be a positive number, not '$SECS'"
[[ $STATS_RUNS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_NET_STATS_RUNS must be a positive number, not '$STATS_RUNS'"
[[ $READY_S =~ ^[1-9][0-9]*$ ]] || die "BENCH_NET_READY_S must be a positive number of seconds"
[[ $(nproc) -ge 2 ]] || die "needs at least 2 CPUs: client and server on CPU 1, tailtrace on CPU 0"
[[ -r $LO/tx_packets ]] || die "no loopback device statistics in $LO"

TMP=$(mktemp -d /tmp/tailtrace-net-bench.XXXXXX)
OLD_BPF_STATS=
TRACER_PID=
SERVER_PID=
CLIENT_PID=

cleanup() {
	local rc=$?
	if [[ -n $CLIENT_PID ]]; then
		kill -KILL "$CLIENT_PID" 2>/dev/null || true
		wait "$CLIENT_PID" 2>/dev/null || true
	fi
	if [[ -n $TRACER_PID ]]; then
		stop_tracer || true
	fi
	if [[ -n $SERVER_PID ]]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [[ -n $OLD_BPF_STATS ]]; then
		sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS" ||
			log "net.sh: could not restore kernel.bpf_stats_enabled=$OLD_BPF_STATS"
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Helpers that bash does badly: reading BPF program statistics, the report.
PY=$TMP/net.py
export BENCH_HERE=$HERE
cat >"$PY" <<'PYEOF'
import json, os, re, statistics, subprocess, sys

sys.path.insert(0, os.environ["BENCH_HERE"])
import bpfprogs  # tests/bench/bpfprogs.py

def progs(pid):
    """One JSON line: the statistics of the tt_net_* programs that pid holds, now."""
    try:
        print(json.dumps(bpfprogs.stats(pid, "tt_net_")))
    except OSError:
        sys.exit("net.sh: the tailtrace process (pid %d) is gone" % pid)

def others():
    print(bpfprogs.others())

def tracepoints(src):
    """Program name -> tracepoint, from bpf/net.bpf.c if it is there."""
    try:
        with open(src) as f:
            text = f.read()
    except OSError:
        return {}
    return {m[2]: m[1] for m in re.finditer(
        r'SEC\("tp_btf/(\w+)"\)\s*int\s+BPF_PROG\((\w+)', text)}

# ---------------------------------------------------------------------------------------------
# The report: reads what the runs left in the work directory, prints Markdown.

def report(tmp):
    E = os.environ
    med = statistics.median
    def read(name):
        with open(os.path.join(tmp, name)) as f:
            return f.read().strip()
    def rows(name):  # one run a line: transactions/s, packets/s, packets, transactions,
                     # others% and steal% of CPU 1
        return [[float(x) for x in l.split()] for l in read(name).splitlines()]
    def num(x, d=0):
        return "{:,.{}f}".format(x, d)
    out = []
    w = out.append
    runs, secs = int(E["RUNS"]), int(E["SECS"])
    V = (("none", "untraced"), ("floor", "empty programs on the tracepoints of `tailtrace net`"),
         ("tt", "`tailtrace net`"),
         ("floor_p", "empty programs on the tracepoints of `tailtrace net --packets`"),
         ("tt_p", "`tailtrace net --packets`"))
    v = {k: rows("runs/" + k) for k, _ in V}
    tps = {k: [r[0] for r in v[k]] for k in v}
    pps = {k: [r[1] for r in v[k]] for k in v}
    ppt = {k: [r[2] / r[3] for r in v[k]] for k in v}
    usec = {k: [1e6 / x for x in tps[k]] for k in v}
    m = {k: med(tps[k]) for k in v}
    pkt = med(ppt["none"])

    w("## net collector")
    w("")
    w("Written by `tests/bench/net.sh`; every figure below was measured by that run. Loopback "
      "TCP request/response: `rrbench` (`tests/targets/rrbench.c`) serves on %s and, as client, "
      "does a 1-byte write and a 1-byte read over one connection (`TCP_NODELAY`) in a tight "
      "loop for %d s; server and client are both pinned to CPU 1 (`taskset -c 1`), so the "
      "kernel's work for both sides' packets (lo's transmit and its receive softirq) runs on "
      "CPU 1 too. %d rounds, each running the client five times, in an order that rotates "
      "round by round: untraced; with `tailtrace net` (connections, RTT, drops: two programs "
      "run per packet, `tcp_probe` and `netif_receive_skb`); with `tailtrace net --packets` "
      "(also every packet's transmit queueing and wait for its reader: five programs per "
      "packet); and, for each, with empty programs on the same tracepoints (`empty_net`, "
      "`tests/bench/empty_net.c`): the floor that any tracer of those tracepoints pays. Medians. "
      "A traced run starts the tracer on the whole system, its process pinned to CPU 0 "
      "(`taskset -c 0`), waits until it says \"Tracing\", runs the client, then stops the "
      "tracer with SIGINT and waits for it. Packets are lo's `tx_packets` (every lo packet is "
      "counted once sent and once received), read before and after each client run."
      % (E["ADDR"], secs, runs))
    w("")
    w("| | |")
    w("|---|---|")
    for k, val in (("Date (UTC)", E["M_DATE"]), ("Kernel (`uname -r`)", E["M_KERNEL"]),
                   ("CPU", "%s, %s CPUs" % (E["M_CPU"], E["M_NPROC"])),
                   ("Clock source", E["M_CLOCK"]),
                   ("tailtrace", E["M_TAILTRACE"]),
                   ("BPF programs of other processes at the start", E["M_OTHERS"]),
                   ("kernel.bpf_stats_enabled during the timed runs", E["M_STATS_BEFORE"]),
                   ("Duration of this part", "%s s" % E["M_ELAPSED"])):
        w("| %s | %s |" % (k, val))
    w("")

    w("### Throughput")
    w("")
    w("| variant | transactions/s (median) | min | max | us per transaction | packets/s "
      "(median) | loss (medians) | loss (paired) | added per packet (paired) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    loss, paired, best, added = {}, {}, {}, {}
    for k, label in V:
        loss[k] = (1 - m[k] / m["none"]) * 100
        paired[k] = med((1 - t / n) * 100 for t, n in zip(tps[k], tps["none"]))
        best[k] = (1 - max(tps[k]) / max(tps["none"])) * 100
        added[k] = med(t - n for t, n in zip(usec[k], usec["none"])) * 1000 / pkt
        w("| %s | %s | %s | %s | %.2f | %s | %s | %s | %s |" % (
            label, num(m[k]), num(min(tps[k])), num(max(tps[k])), med(usec[k]),
            num(med(pps[k])), "-" if k == "none" else "%.1f%%" % loss[k],
            "-" if k == "none" else "%.1f%%" % paired[k],
            "-" if k == "none" else "%.0f ns" % added[k]))
    w("")

    def verdict(k):
        est = (loss[k], paired[k], best[k])
        if all(x < 5 for x in est):
            return "met"
        if all(x >= 5 for x in est):
            return "**missed**"
        return ("**not shown**: met by %d of the 3 estimates, missed by the others (the runs "
                "are too noisy, see the rounds below)" % sum(x < 5 for x in est))
    rate = med(pps["none"])
    if abs(rate - 100e3) <= 10e3:
        at = "at about 100k packets/s: %s packets/s untraced" % num(rate)
    else:
        at = ("at %s packets/s untraced, not 100k: the rate this loop reaches on lo here"
              % num(rate))
    base_ns = 1e9 / rate
    budget = base_ns * 5 / 95
    w("| tracer | loss (medians) | loss (paired) | loss (best runs) | floor's loss (paired) | "
      "own work per packet (paired, less the floor) | target | result |")
    w("|---|---:|---:|---:|---:|---:|---|---|")
    for k, f in (("tt", "floor"), ("tt_p", "floor_p")):
        w("| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.0f ns | < 5%% loss at 100k packets/s | "
          "%s |" % (dict(V)[k], loss[k], paired[k], best[k], paired[f], added[k] - added[f],
                    verdict(k)))
    w("")
    w("Three estimates of the loss, and the result says met or missed only when all three "
      "agree. *Medians*: from the two variants' median throughputs. *Paired*: the median over "
      "rounds of the loss within one round (the runs of a round are back to back, so that "
      "changes in the machine's load between rounds cancel). *Best runs*: from each variant's "
      "fastest run (other work on the machine only ever slows a run down). "
      "Measured %s (median; fastest run %s). Client and server saturate CPU 1, so the loss is "
      "the share of CPU 1's time that tracing adds at this rate; at a lower, fixed rate the "
      "same per-packet cost would show as CPU time, not as lost throughput."
      % (at, num(max(pps["none"]))))
    w("")
    w("Per packet: untraced, a packet (with its share of the transaction's system calls and "
      "context switches) takes %.0f ns of CPU 1; a loss under 5%% leaves at most %.0f ns to add "
      "per packet (5/95 of that). Empty programs alone add %.0f ns per packet on the two "
      "tracepoints per packet of `tailtrace net` (%.0f ns a tracepoint) and %.0f ns on the "
      "five of `--packets` (%.0f ns a tracepoint): calling a BPF program from a tracepoint "
      "costs that much on this machine before the program does anything. %s" % (
          base_ns, budget, added["floor"], added["floor"] / 2, added["floor_p"],
          added["floor_p"] / 5,
          "There were no separate ACKs: every segment carries the ACK of the one before it "
          "(the answer comes back well within the delayed-ACK timeout)."
          if abs(pkt - 2) < 0.01 else
          "%.3f packets a transaction: %.3f more than the two data segments, pure ACKs and "
          "other lo traffic." % (pkt, pkt - 2)))
    w("")
    w("Round by round (transactions/s):")
    w("")
    w("| round | order | " + " | ".join(k for k, _ in V) + " | CPU 1 to others (max) | "
      "steal (max) |")
    w("|---:|---|" + "---:|" * (len(V) + 2))
    order = read("order").split()
    noisy = []
    for i in range(runs):
        o = max(v[k][i][4] for k, _ in V)
        st = max(v[k][i][5] for k, _ in V)
        w("| %d | %s | %s | %.1f%% | %.1f%% |" % (
            i + 1, order[i], " | ".join(num(v[k][i][0]) for k, _ in V), o, st))
        if max(o, st) >= 3:
            noisy.append(str(i + 1))
    w("")
    w("*CPU 1 to others*: CPU 1's busy time over the run (`/proc/stat`, in ticks of 1/%s s) "
      "less the server's and the client's own CPU time: other processes and kernel threads "
      "that took CPU 1 from the benchmark; the largest of the round's runs. *Steal*: CPU 1's "
      "time taken by the hypervisor. %s" % (
          E["CLK_TCK"], "Rounds where either reached 3%%: %s; their runs are slowed by "
          "something else, not by tracing alone." % ", ".join(noisy) if noisy else
          "Neither reached 3% in any run."))
    w("")
    w("Commands:")
    w("")
    for k, label in (("server", "server"), ("client", "client"),
                     ("floor", "empty programs"), ("tt", "tailtrace net"),
                     ("floor_p", "empty programs, per packet"),
                     ("tt_p", "tailtrace net --packets")):
        w("- %s: `%s`" % (label, read("cmd/" + k)))
    w("")

    w("### BPF run time per packet")
    w("")
    sr = [json.loads(l) for l in read("stats/runs").splitlines()]
    tp = tracepoints(E["NET_BPF_SRC"])
    # per run: {name: (runs, run time)}, packets, transactions
    deltas = []
    for d in sr:
        before = {g["id"]: g for g in d["before"]}
        dd = {}
        for g in d["after"]:
            b = before.get(g["id"], {"run_cnt": 0, "run_time_ns": 0})
            dd[g["name"]] = (g["run_cnt"] - b["run_cnt"], g["run_time_ns"] - b["run_time_ns"])
        deltas.append(dd)
    names = list(deltas[0])
    w("%s more run%s of `tailtrace net --packets` (%d s each) with "
      "`kernel.bpf_stats_enabled=1`: `run_cnt` and "
      "`run_time_ns` of the `tt_net_*` programs that the tailtrace process holds (found "
      "through its `/proc/PID/fdinfo` `prog_id` lines; `bpftool -j prog show`), read after it "
      "said \"Tracing\" and again after the client ended, differences; lo's packets counted "
      "over the same span. Per packet = run time / lo packets; tailtrace traces every device, "
      "so the runs include any other packets of the machine meanwhile. Figures are medians "
      "over the runs; *runs* is their total." % (
          E["STATS_RUNS"], "" if len(sr) == 1 else "s", secs))
    w("")
    w("| statistics run | transactions/s | lo packets | transactions | CPU 1 to others | steal "
      "| programs' run time per packet |")
    w("|---:|---:|---:|---:|---:|---:|---:|")
    for i, (d, dd) in enumerate(zip(sr, deltas)):
        w("| %d | %s | %s | %s | %.1f%% | %.1f%% | %.0f ns |" % (
            i + 1, num(d["tps"]), num(d["packets"]), num(d["transactions"]), d["others"],
            d["steal"], sum(t for _, t in dd.values()) / d["packets"]))
    w("")
    w("| program | tracepoint | runs (`run_cnt`) | runs per packet | per run | per packet |")
    w("|---|---|---:|---:|---:|---:|")
    per = []
    for nm in names:
        runs_ = [dd[nm][0] for dd in deltas]
        rpp = med(dd[nm][0] / d["packets"] for d, dd in zip(sr, deltas))
        pr = [dd[nm][1] / dd[nm][0] for dd in deltas if dd[nm][0]]
        npk = med(dd[nm][1] / d["packets"] for d, dd in zip(sr, deltas))
        per.append((npk, nm, med(pr) if pr else 0, rpp))
        w("| `%s` | %s | %s | %.2f | %s | %.0f ns |" % (
            nm, "`%s`" % tp[nm] if nm in tp else "?", num(sum(runs_)), rpp,
            "%.0f ns" % med(pr) if pr else "-", npk))
    totals = [sum(t for _, t in dd.values()) / d["packets"] for d, dd in zip(sr, deltas)]
    total_pk = med(totals)
    w("| **all** | | | | | **%.0f ns** |" % total_pk)
    w("")
    per.sort(reverse=True)
    if per and total_pk:
        top = per[0]
        w("The largest share: `%s`, %.0f%% of the programs' run time per packet (%.0f ns a run, "
          "%.2f runs a packet)." % (top[1], top[0] / total_pk * 100, top[2], top[3]))
        w("")
    own = added["tt_p"] - added["floor_p"]
    w("With `--packets`, the programs ran %.0f ns per packet by these statistics; in the "
      "timed runs tailtrace added %.0f ns per packet (paired), of which %.0f ns is the floor of "
      "calling empty programs on the same tracepoints and %.0f ns tailtrace's own work. "
      "`kernel.bpf_stats_enabled` adds two clock reads to every program run (%s clock), so "
      "the run times here are upper bounds; they also include the part of the floor spent in "
      "the program call." % (total_pk, added["tt_p"], added["floor_p"], own, E["M_CLOCK"]))
    w("")
    try:
        d = json.loads(read("stats/tt.json"))
        cnt = {}
        for x in d.get("series", []):
            if x["metric"] == "net.tx_queue" and x["labels"].get("dev") == "lo":
                cnt["tx_queue"] = cnt.get("tx_queue", 0) + x.get("count", 0)
            elif x["metric"] == "net.rx_to_user":
                cnt["rx_to_user"] = cnt.get("rx_to_user", 0) + x.get("count", 0)
            elif x["metric"] == "net.tcp_rtt":
                cnt["tcp_rtt"] = cnt.get("tcp_rtt", 0) + x.get("count", 0)
        w("What tailtrace reported for the last statistics run (from its start to SIGINT, so a little more "
          "than the client's span): `net.tx_queue` on lo %s packets, `net.rx_to_user` %s, "
          "`net.tcp_rtt` %s samples (both ends of the connection); drops %s." % (
              num(cnt.get("tx_queue", 0)), num(cnt.get("rx_to_user", 0)),
              num(cnt.get("tcp_rtt", 0)), json.dumps(d.get("drops", {}))))
        w("")
    except (OSError, ValueError, KeyError) as e:
        w("(tailtrace's own report of that run could not be read: %s)" % e)
        w("")
    w("- statistics run: `%s`" % read("cmd/tt_stats"))
    w("")
    print("\n".join(out))

if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    {"progs": lambda: progs(int(args[0])), "others": others,
     "report": lambda: report(args[0])}[what]()
PYEOF

TT_CMD=(taskset -c 0 "$TT" net)
FLOOR_CMD=(taskset -c 0 "$EMPTY_NET")
SERVER_CMD=(taskset -c 1 "$RR" serve "$ADDR" 0 120)

# start_tracer [ARGS]: starts `tailtrace net ARGS` (with TRACER=floor: empty_net) in the
# background (TRACER_PID), its report in $TMP/tt.out, and waits until it says it traces.
start_tracer() {
	local i
	local cmd=("${TT_CMD[@]}" "$@")
	case ${TRACER:-tt} in
	floor) cmd=("${FLOOR_CMD[@]}") ;;
	floor_p) cmd=("${FLOOR_CMD[@]}" packets) ;;
	tt_p) cmd=("${TT_CMD[@]}" --packets "$@") ;;
	esac
	# bash starts background commands with SIGINT ignored: a signal that is ignored is
	# discarded, and tailtrace would never see the SIGINT that stops it.
	env --default-signal=INT "${cmd[@]}" >"$TMP/tt.out" 2>"$TMP/tt.err" &
	TRACER_PID=$!
	for ((i = 0; i < READY_S * 20; i++)); do
		grep -q '^Tracing' "$TMP/tt.err" && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	stop_tracer || true
	tail -n 5 "$TMP/tt.err" >&2
	die "the tracer did not say it was tracing within $READY_S s: $(show_cmd "${cmd[@]}")"
}

# stop_tracer: SIGINT, then waits (20 s at most, then SIGKILL and a failure). Returns its
# exit status.
stop_tracer() {
	local rc=0 i
	kill -INT "$TRACER_PID" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		[[ $(ps -o stat= -p "$TRACER_PID" 2>/dev/null) == Z* ]] && break
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ((i == 200)); then
		log "  tailtrace did not exit within 20 s of SIGINT: killed (SIGKILL)"
		kill -KILL "$TRACER_PID" 2>/dev/null || true
		wait "$TRACER_PID" || true
		rc=137
	else
		wait "$TRACER_PID" || rc=$?
	fi
	TRACER_PID=
	return "$rc"
}

# cpu1_ticks: "BUSY STEAL", CPU 1's time in USER_HZ ticks (/proc/stat) less idle and iowait.
cpu1_ticks() { awk '$1 == "cpu1" { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; }
# server_ticks: the server's user + system time in ticks.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# run_client: one client run; sets LAST to "transactions/s packets/s packets transactions
# others% steal%": others% is the share of CPU 1's time over the run that went neither to the
# client nor to the server (other processes, kernel threads), steal% the hypervisor's.
# The client runs in the background, so that the exit trap can stop it on Ctrl-C.
CLK_TCK=$(getconf CLK_TCK)
run_client() {
	local rc=0 p0 p1 n s c c0 c1 s0 s1 t0 t1
	s0=$(server_ticks)
	c0=$(cpu1_ticks)
	t0=$EPOCHREALTIME
	p0=$(<"$LO/tx_packets")
	"${CLIENT_CMD[@]}" >"$TMP/client.out" 2>&1 &
	CLIENT_PID=$!
	wait "$CLIENT_PID" || rc=$?
	CLIENT_PID=
	p1=$(<"$LO/tx_packets")
	t1=$EPOCHREALTIME
	c1=$(cpu1_ticks)
	s1=$(server_ticks)
	if ((rc != 0)); then
		tail -n 5 "$TMP/client.out" >&2
		die "the client failed: $(show_cmd "${CLIENT_CMD[@]}")"
	fi
	n=$(sed -n 's/^transactions \([0-9]*\)$/\1/p' "$TMP/client.out")
	s=$(sed -n 's/^seconds \([0-9.]*\)$/\1/p' "$TMP/client.out")
	c=$(sed -n 's/^cpu_seconds \([0-9.]*\)$/\1/p' "$TMP/client.out")
	[[ -n $n && -n $s && -n $c ]] ||
		die "the client printed no transactions: $(show_cmd "${CLIENT_CMD[@]}")"
	LAST=$(awk -v n="$n" -v s="$s" -v c="$c" -v p=$((p1 - p0)) -v hz="$CLK_TCK" \
		-v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v t0="$t0" -v t1="$t1" 'BEGIN {
		split(c0, a, " "); split(c1, b, " "); w = t1 - t0
		others = ((b[1] - a[1]) / hz - (s1 - s0) / hz - c) / w * 100
		printf "%.1f %.1f %d %d %.1f %.1f\n", n / s, p / s, p, n, others < 0 ? 0 : others,
			(b[2] - a[2]) / hz / w * 100 }')
}

# run_variant none|floor|tt|floor_p|tt_p: one timed run; appends LAST to $TMP/runs/KEY.
run_variant() {
	local rc=0
	if [[ $1 != none ]]; then
		TRACER=$1 start_tracer
	fi
	run_client
	if [[ $1 != none ]]; then
		stop_tracer || rc=$?
		((rc == 0)) || die "the tracer ($1) exited with $rc after SIGINT: $(tail -n 1 "$TMP/tt.err")"
	fi
	printf '%s\n' "$LAST" >>"$TMP/runs/$1"
}

START=$SECONDS
mkdir -p "$TMP/runs" "$TMP/cmd" "$TMP/stats"
export RUNS SECS STATS_RUNS ADDR CLK_TCK NET_BPF_SRC=$HERE/../../bpf/net.bpf.c
machine_facts "$TT"
export M_OTHERS M_CLOCK
M_CLOCK=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)
M_OTHERS=$(python3 "$PY" others)

log "net collector benchmark: loopback TCP request/response, $RUNS rounds of $SECS s, client and server on CPU 1, tailtrace on CPU 0"
"${SERVER_CMD[@]}" >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
for ((i = 0; i < 100; i++)); do
	PORT=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$TMP/server.out")
	[[ -n $PORT ]] && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.05
done
[[ -n ${PORT:-} ]] || die "the server did not start: $(show_cmd "${SERVER_CMD[@]}"): $(cat "$TMP/server.err")"
CLIENT_CMD=(taskset -c 1 "$RR" "$ADDR" "$PORT" "$SECS")
show_cmd "${SERVER_CMD[@]}" >"$TMP/cmd/server"
show_cmd "${CLIENT_CMD[@]}" >"$TMP/cmd/client"
show_cmd "${TT_CMD[@]}" >"$TMP/cmd/tt"
show_cmd "${FLOOR_CMD[@]}" >"$TMP/cmd/floor"
show_cmd "${TT_CMD[@]}" --packets >"$TMP/cmd/tt_p"
show_cmd "${FLOOR_CMD[@]}" packets >"$TMP/cmd/floor_p"

log "a. warm-up: one start and stop of tailtrace net, one 1 s client run"
start_tracer
stop_tracer || die "tailtrace net exited with $? after SIGINT: $(tail -n 1 "$TMP/tt.err")"
CLIENT_CMD[-1]=1
run_client
CLIENT_CMD[-1]=$SECS

log "b. $RUNS rounds: untraced; empty programs, tailtrace net; the same with --packets"
: >"$TMP/order"
variants=(none floor tt floor_p tt_p)
for ((r = 0; r < RUNS; r++)); do
	order=("${variants[@]:r % 5}" "${variants[@]:0:r % 5}")
	line=
	for k in "${order[@]}"; do
		run_variant "$k"
		line+=" $k=${LAST%% *}"
	done
	echo "${order[*]}" | sed 's/ /→/g' >>"$TMP/order"
	log "  round $((r + 1))/$RUNS (transactions/s):$line"
done

log "c. BPF run time per packet: $STATS_RUNS traced runs with kernel.bpf_stats_enabled=1"
OLD_BPF_STATS=$M_STATS_BEFORE
sysctl -q -w kernel.bpf_stats_enabled=1
show_cmd "${TT_CMD[@]}" --packets --format json >"$TMP/cmd/tt_stats"
for ((r = 1; r <= STATS_RUNS; r++)); do
	TRACER=tt_p start_tracer --format json
	p0=$(<"$LO/tx_packets")
	python3 "$PY" progs "$TRACER_PID" >"$TMP/stats/before" ||
		die "tailtrace net ended early: $(tail -n 1 "$TMP/tt.err")"
	run_client
	python3 "$PY" progs "$TRACER_PID" >"$TMP/stats/after" ||
		die "tailtrace net ended during the client run: $(tail -n 1 "$TMP/tt.err")"
	p1=$(<"$LO/tx_packets")
	stop_tracer || die "tailtrace net exited with $? after SIGINT: $(tail -n 1 "$TMP/tt.err")"
	[[ $(<"$TMP/stats/after") != "[]" ]] ||
		die "found no tt_net_* programs held by the tailtrace process"
	cp "$TMP/tt.out" "$TMP/stats/tt.json"
	# the client's figures, with lo's packets over the same span as the statistics
	read -r tps _ _ n others steal <<<"$LAST"
	printf '{"tps": %s, "packets": %d, "transactions": %d, "others": %s, "steal": %s, ' \
		"$tps" $((p1 - p0)) "$n" "$others" "$steal" >>"$TMP/stats/runs"
	printf '"before": %s, "after": %s}\n' "$(<"$TMP/stats/before")" \
		"$(<"$TMP/stats/after")" >>"$TMP/stats/runs"
	log "  run $r/$STATS_RUNS: $(tail -n 1 "$TMP/stats/runs" | python3 -c 'import json,sys; d=json.load(sys.stdin); b={g["id"]: g for g in d["before"]}; print("%.0f transactions/s; " % d["tps"] + ", ".join("%s %.0f ns/run" % (g["name"], (g["run_time_ns"]-b[g["id"]]["run_time_ns"]) / (g["run_cnt"]-b[g["id"]]["run_cnt"])) for g in d["after"] if g["run_cnt"] > b[g["id"]]["run_cnt"]))')"
done
sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS"
OLD_BPF_STATS=

kill -TERM "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

export M_ELAPSED=$((SECONDS - START))
python3 "$PY" report "$TMP"
log "done in $M_ELAPSED s"
