#!/usr/bin/env bash
# Overhead benchmark of `tailtrace sched` (issue 4). run.sh (`make bench`) runs it and puts its
# section into RESULTS.md; it also runs alone, as root:
#   TAILTRACE=/abs/build/tailtrace tests/bench/sched.sh >section.md
# Runs `perf bench sched pipe` with both ends pinned to CPU 1, so that every op is two context
# switches and two wakeups on that CPU: untraced, and while a tracer traces the whole system
# (tailtrace sched, bpftrace's runqlat.bt, bcc's runqlat-bpfcc), the tracer's own process pinned
# to CPU 0. A tracer is started, perf runs once it said it is tracing, then the tracer gets SIGINT
# and is waited for. Variants are interleaved run by run in a rotating order; medians. Then one
# more traced run of each tracer with kernel.bpf_stats_enabled=1 gives the run time of its BPF
# programs per event. A peer that does not run here is reported with its error, never fatal.
# Prints progress on stderr and a Markdown section ("## sched collector") on stdout.
# Knobs (environment): BENCH_SCHED_RUNS (7), BENCH_SCHED_LOOPS (200000), BENCH_SCHED_READY_S
# (30: how long a tracer may take to say it is tracing), TAILTRACE (default ../../build/tailtrace).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# die, log, show_cmd, machine_facts, tracefs_mount, tracefs_unmount
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

TT=${TAILTRACE:-$HERE/../../build/tailtrace}
RUNS=${BENCH_SCHED_RUNS:-7}
LOOPS=${BENCH_SCHED_LOOPS:-200000}
READY_S=${BENCH_SCHED_READY_S:-30}
BT_SHIPPED=/usr/sbin/runqlat.bt
BCC=runqlat-bpfcc

[[ $(id -u) -eq 0 ]] || die "needs root (it loads BPF programs): run 'sudo make bench'"
[[ -x $TT ]] || die "$TT is missing: build it first ('make bench' builds everything)"
for t in perf bpftool python3 taskset sysctl; do
	command -v "$t" >/dev/null || die "$t is not installed: the benchmark needs it"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCHED_RUNS must be a positive number, not '$RUNS'"
[[ $LOOPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCHED_LOOPS must be a positive number, not '$LOOPS'"
[[ $READY_S =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCHED_READY_S must be a positive number of seconds"
[[ $(nproc) -ge 2 ]] || die "needs at least 2 CPUs: perf is pinned to CPU 1, the tracers to CPU 0"

TMP=$(mktemp -d /tmp/tailtrace-sched-bench.XXXXXX)
OLD_BPF_STATS=
TRACER_PID=

cleanup() {
	local rc=$?
	if [[ -n $PERF_PID ]]; then # perf and the other end of its pipe, a child of it
		pkill -KILL -P "$PERF_PID" 2>/dev/null || true
		kill -KILL "$PERF_PID" 2>/dev/null || true
		wait "$PERF_PID" 2>/dev/null || true
	fi
	if [[ -n $TRACER_PID ]]; then
		stop_tracer "the tracer" || true
	fi
	if [[ -n $OLD_BPF_STATS ]]; then
		sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS" ||
			log "sched.sh: could not restore kernel.bpf_stats_enabled=$OLD_BPF_STATS"
	fi
	tracefs_unmount
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bpftrace 0.17 attaches classic tracepoints through tracefs.
tracefs_mount

# Helpers that bash does badly: reading BPF program statistics, the report.
PY=$TMP/sched.py
export BENCH_HERE=$HERE
cat >"$PY" <<'PYEOF'
import json, os, re, statistics, subprocess, sys

sys.path.insert(0, os.environ["BENCH_HERE"])
import bpfprogs  # tests/bench/bpfprogs.py

def progs(pid):
    """Prints one JSON line: the statistics of the programs pid holds, now."""
    print(json.dumps(bpfprogs.stats(pid)))

def others():
    print(bpfprogs.others())

# ---------------------------------------------------------------------------------------------
# The report: reads what the runs left in the work directory, prints Markdown.

def report(tmp):
    E = os.environ
    med = statistics.median
    def read(name):
        with open(os.path.join(tmp, name)) as f:
            return f.read().strip()
    def nums(name):
        return [float(x) for x in read(name).split()]
    def us(x):
        return "{:,.2f} us".format(x)
    def ns(x):
        return "{:,.0f} ns".format(x)
    out = []
    w = out.append
    loops = int(E["LOOPS"])
    variants = [("none", "(a) untraced"), ("tt", "(b) tailtrace sched"),
                ("bt", "(c) bpftrace 0.17, runqlat.bt"), ("bcc", "(d) bcc, runqlat-bpfcc")]
    runs = [k for k, _ in variants if os.path.exists(os.path.join(tmp, "runs", k))]
    label = dict(variants)

    w("## sched collector")
    w("")
    w("Written by `tests/bench/sched.sh` (run by `tests/bench/run.sh`); every figure below was "
      "measured by that run. `perf bench sched pipe -l %s` with both ends of the pipe pinned to "
      "CPU 1 (`taskset -c 1`), so that every op is two context switches on that CPU "
      "(and the wakeups counted below), %s runs per variant, interleaved run by run in a rotating order. A traced run starts "
      "the tracer tracing the whole system, its process pinned to CPU 0 (`taskset -c 0`), waits "
      "until it says it is tracing, runs perf, then stops the tracer with SIGINT and waits for "
      "it." % ("{:,}".format(loops), E["RUNS"]))
    w("")
    w("| | |")
    w("|---|---|")
    for k, v in (("Date (UTC)", E["M_DATE"]), ("Kernel (`uname -r`)", E["M_KERNEL"]),
                 ("perf", E["M_PERF"]), ("bpftrace", E["M_BPFTRACE"]),
                 ("bcc (`bpfcc-tools`)", E["M_BCC"]), ("tailtrace", E["M_TAILTRACE"]),
                 ("BPF programs of other processes at the start", E["M_OTHERS"]),
                 ("kernel.bpf_stats_enabled during the timed runs", E["M_STATS_BEFORE"]),
                 ("Duration of this part", "%s s" % E["M_ELAPSED"])):
        w("| %s | %s |" % (k, v))
    w("")

    w("### Cost per op")
    w("")
    w("us per op as printed by perf (`usecs/op`: wall time / loops). *Added* = the variant's "
      "median - the untraced median. *Paired* = the median over rounds of (variant - untraced) "
      "within one round: a round runs every variant once, back to back, so that changes in the "
      "machine's load between rounds cancel.")
    w("")
    w("| variant | median | min | max | added per op | paired |")
    w("|---|---:|---:|---:|---:|---:|")
    m, v, p = {}, {}, {}
    for k in runs:
        v[k] = nums("runs/" + k)
    for k in runs:
        m[k] = med(v[k])
        if k != "none":
            p[k] = med(x - y for x, y in zip(v[k], v["none"]))
        w("| %s | %s | %s | %s | %s | %s |" % (
            label[k], us(m[k]), us(min(v[k])), us(max(v[k])),
            "-" if k == "none" else us(m[k] - m["none"]), "-" if k == "none" else us(p[k])))
    for k, _ in variants:
        if k not in runs:
            w("| %s | does not run here (below) | | | | |" % label[k])
    w("")
    a = m["none"]
    w("| ratio of added costs | medians | paired | target | result | rounds where (b) < peer |")
    w("|---|---:|---:|---:|---|---:|")
    for k, peer in (("bt", "bpftrace runqlat.bt"), ("bcc", "bcc runqlat-bpfcc")):
        name = "(b-a)/(%s-a): tailtrace / %s" % (label[k][1], peer)
        if k not in m:
            w("| %s | - | - | < 1 | not measured: the peer does not run here | - |" % name)
            continue
        r = (m["tt"] - a) / (m[k] - a)
        rp = p["tt"] / p[k]
        if r < 1 and rp < 1:
            res = "met"
        elif r >= 1 and rp >= 1:
            res = "**missed**: tailtrace adds %s (paired: %s) per op more than %s" % (
                us(m["tt"] - m[k]), us(p["tt"] - p[k]), peer)
        else:
            res = ("**not shown**: met by one estimate, missed by the other; the difference "
                   "(%s medians, %s paired) is within the noise" % (us(m["tt"] - m[k]),
                                                                   us(p["tt"] - p[k])))
        w("| %s | %.3f | %.3f | < 1 | %s | %d of %d |" % (
            name, r, rp, res, sum(x < y for x, y in zip(v["tt"], v[k])), len(v[k])))
    w("")
    spread = max(v["none"]) - min(v["none"])
    w("Noise: the untraced runs alone spread over %s (max - min), %.1fx tailtrace's added cost "
      "(paired). Round by round (us/op):" % (us(spread), spread / p["tt"] if p["tt"] > 0
                                             else float("inf")))
    w("")
    w("| round | " + " | ".join(label[k].split(" ")[0] for k in runs) + " |")
    w("|---:|" + "---:|" * len(runs))
    for r in range(len(v["none"])):
        w("| %d | %s |" % (r + 1, " | ".join("%.2f" % v[k][r] for k in runs)))
    w("")
    for k, _ in variants:
        f = os.path.join(tmp, "notes", k)
        if os.path.exists(f):
            w("- %s: %s" % (label[k], read("notes/" + k)))
        f = os.path.join(tmp, "killed", k)
        if os.path.exists(f):
            w("- %s did not exit within %s s of SIGINT %d time(s): killed (SIGKILL); perf had "
              "ended, so those runs stand." % (label[k], E["STOP_S"], len(read("killed/" + k)
                                                                         .split())))
    w("")
    w("Commands:")
    w("")
    for k, _ in variants:
        if os.path.exists(os.path.join(tmp, "cmd", k)):
            w("- %s: `%s`" % (label[k], read("cmd/" + k)))
    w("")

    w("### BPF run time per event")
    w("")
    w("One more traced run of each tracer with `kernel.bpf_stats_enabled=1`: `run_cnt` and "
      "`run_time_ns` of the programs its process holds (`bpftool -j prog show`), read after it "
      "said it was tracing and again after perf ended, differences. Events per op = events / "
      "%s loops; they include whatever else ran on the machine meanwhile." % "{:,}".format(loops))
    w("")
    w("| tracer | program | events | events per op | run time | per event | per op |")
    w("|---|---|---:|---:|---:|---:|---:|")
    tot = {}
    for k in [k for k in runs if k != "none"]:
        f = os.path.join(tmp, "stats", k)
        if not os.path.exists(f):
            continue
        s = json.loads(read("stats/" + k))
        before = {g["id"]: g for g in s["before"]}
        total = 0
        for g in s["after"]:
            b = before.get(g["id"], {"run_cnt": 0, "run_time_ns": 0})
            cnt, t = g["run_cnt"] - b["run_cnt"], g["run_time_ns"] - b["run_time_ns"]
            if cnt <= 0:
                continue
            total += t
            w("| %s | `%s` | {:,} | {:.2f} | {:,} ns | {:.0f} ns | {:.0f} ns |".format(
                cnt, cnt / loops, t, t / cnt, t / loops) % (label[k], g["name"]))
        tot[k] = (total / loops, s["usecs"])
        w("| %s | **all** | | | | | **%s** |" % (label[k], ns(total / loops)))
    w("")
    for k in [k for k in tot if k != "tt" and "tt" in tot]:
        w("tailtrace's programs ran %s per op, %.0f%% of the %s of %s's, while keeping three "
          "histograms (run queue, off-CPU, on-CPU) and counters to its one." % (
              ns(tot["tt"][0]), tot["tt"][0] / tot[k][0] * 100, ns(tot[k][0]), label[k]))
        w("")
    if tot:
        w("Where the added cost goes, per op: the timed runs' added cost against the BPF "
          "programs' run time in the statistics run. `kernel.bpf_stats_enabled` adds two clock "
          "reads to every program run, so run times are upper bounds. The remainder is what "
          "invoking the programs costs the kernel, plus noise: `tp_btf` (tailtrace) is a direct "
          "call from the tracepoint with its arguments; a classic tracepoint (bpftrace) first "
          "fills the event's record in a per-CPU buffer (for `sched_switch`, both comms "
          "included), then runs the programs through a perf event.")
        w("")
        w("| tracer | added per op (medians / paired) | BPF run time per op | remainder "
          "(paired) | perf in the statistics run |")
        w("|---|---:|---:|---:|---:|")
        for k, (per_op, u) in tot.items():
            w("| %s | %s / %s | %s | %s | %s |" % (
                label[k], ns((m[k] - a) * 1000), ns(p[k] * 1000), ns(per_op),
                ns(p[k] * 1000 - per_op), us(float(u))))
        w("")
    print("\n".join(out))

if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    {"progs": lambda: progs(int(args[0])), "others": others,
     "report": lambda: report(args[0])}[what]()
PYEOF

# error_line FILE: the first line that says what went wrong (bpftrace's RLIMIT_MEMLOCK warning
# is harmless and skipped), and the last line if it is another one.
error_line() {
	local first last
	first=$(grep -v -e RLIMIT_MEMLOCK -e '^[[:space:]]*$' "$1" | grep -i -m1 -e error -e fail \
		-e unable -e 'not found' || true)
	last=$(grep -v -e RLIMIT_MEMLOCK -e '^[[:space:]]*$' "$1" | tail -n 1 || true)
	if [[ -z $first ]]; then
		printf '%s\n' "${last:-(no message)}"
	elif [[ $first == "$last" || -z $last ]]; then
		printf '%s\n' "$first"
	else
		printf '%s ... %s\n' "$first" "$last"
	fi
}

# tracer_cmd KEY: sets CMD to the command line of one tracer, READY to the regex of the line
# (on stdout or stderr) that says it traces: tailtrace's after attaching, the BEGIN probe's
# line for bpftrace (later than its "Attaching N probes...", which it prints before attaching),
# bcc's after attaching.
BT_SCRIPT=$BT_SHIPPED
tracer_cmd() {
	case $1 in
	tt) CMD=(taskset -c 0 "$TT" sched) READY='^Tracing' ;;
	bt) CMD=(taskset -c 0 bpftrace "$BT_SCRIPT") READY='^Tracing CPU scheduler' ;;
	bcc) CMD=(taskset -c 0 "$BCC") READY='^Tracing' ;;
	*) die "unknown tracer $1" ;;
	esac
}

# start_tracer KEY: starts it in the background (TRACER_PID) and waits until it traces. On
# failure: stops it, leaves the error in $TMP/err/KEY and returns 1.
start_tracer() {
	local key=$1 i
	tracer_cmd "$key"
	# bash starts background commands with SIGINT ignored; a tracer that only keeps the default
	# (Python's, bcc's) would then never see the SIGINT that stops it.
	env --default-signal=INT "${CMD[@]}" >"$TMP/out/$key" 2>"$TMP/out/$key.err" &
	TRACER_PID=$!
	for ((i = 0; i < READY_S * 20; i++)); do
		if grep -qE "$READY" "$TMP/out/$key" "$TMP/out/$key.err"; then
			return 0
		fi
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		printf 'did not say it was tracing within %s s\n' "$READY_S" >>"$TMP/out/$key.err"
	fi
	stop_tracer "$key" || true
	cat "$TMP/out/$key" "$TMP/out/$key.err" >"$TMP/err/$key"
	return 1
}

# stop_tracer KEY: SIGINT, then waits (STOP_S at most, then SIGKILL: counted in
# $TMP/killed/KEY, and the status is 0, since what was measured before is unaffected). Returns
# its exit status.
STOP_S=20
stop_tracer() {
	local rc=0 i
	kill -INT "$TRACER_PID" 2>/dev/null || true
	for ((i = 0; i < STOP_S * 10; i++)); do
		[[ $(ps -o stat= -p "$TRACER_PID" 2>/dev/null) == Z* ]] && break
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ((i == STOP_S * 10)); then
		log "  $1 did not exit within $STOP_S s of SIGINT: killed (SIGKILL)"
		kill -KILL "$TRACER_PID" 2>/dev/null || true
		wait "$TRACER_PID" || true
		echo x >>"$TMP/killed/$1"
	else
		wait "$TRACER_PID" || rc=$?
	fi
	TRACER_PID=
	return "$rc"
}

PERF_CMD=(taskset -c 1 perf bench sched pipe -l "$LOOPS")
# run_perf: one run of perf; sets LAST to its us/op. perf bench catches SIGINT and exits 0, so
# that bash would take a Ctrl-C as handled by it and go on: perf runs in the background instead,
# where `wait` returns at once on SIGINT and the exit trap stops it.
PERF_PID=
run_perf() {
	local rc=0
	"${PERF_CMD[@]}" >"$TMP/perf.out" 2>&1 &
	PERF_PID=$!
	wait "$PERF_PID" || rc=$?
	PERF_PID=
	if ((rc != 0)); then
		tail -n 5 "$TMP/perf.out" >&2
		die "perf failed: $(show_cmd "${PERF_CMD[@]}")"
	fi
	LAST=$(sed -n 's/^[[:space:]]*\([0-9.]*\) usecs\/op.*/\1/p' "$TMP/perf.out" | tail -n 1)
	[[ -n $LAST ]] || die "perf printed no usecs/op line: $(show_cmd "${PERF_CMD[@]}")"
}

# run_variant KEY: one timed run; appends its us/op to $TMP/runs/KEY.
run_variant() {
	local key=$1 rc
	if [[ $key != none ]]; then
		start_tracer "$key" || die "$key stopped working: $(error_line "$TMP/err/$key")"
	fi
	run_perf
	if [[ $key != none ]]; then
		rc=0
		stop_tracer "$key" || rc=$?
		((rc == 0)) || die "$key exited with $rc after SIGINT: $(error_line "$TMP/out/$key.err")"
	fi
	printf '%s\n' "$LAST" >>"$TMP/runs/$key"
}

START=$SECONDS
mkdir -p "$TMP/out" "$TMP/err" "$TMP/runs" "$TMP/cmd" "$TMP/notes" "$TMP/stats" "$TMP/killed"
machine_facts "$TT"
export LOOPS RUNS STOP_S M_PERF M_BPFTRACE M_BCC M_OTHERS
M_PERF=$(perf --version 2>&1 | head -n 1)
M_BPFTRACE="not installed"
if command -v bpftrace >/dev/null; then M_BPFTRACE=$(bpftrace --version 2>&1 | head -n 1); fi
M_BCC=$(dpkg-query -W -f '${Version}' bpfcc-tools 2>/dev/null || echo "not installed")
M_OTHERS=$(python3 "$PY" others)

log "sched collector benchmark: perf bench sched pipe -l $LOOPS on CPU 1, tracers on CPU 0"
show_cmd "${PERF_CMD[@]}" >"$TMP/cmd/none"

# Which tracers run here: one start and stop each (also a warm-up).
VARIANTS=(none)
log "a. which tracers run here"
start_tracer tt || die "tailtrace sched does not run: $(error_line "$TMP/err/tt")"
stop_tracer tt || die "tailtrace sched exited with an error after SIGINT"
tracer_cmd tt
show_cmd "${CMD[@]}" >"$TMP/cmd/tt"
VARIANTS+=(tt)
log "  tailtrace sched: runs"

if ! command -v bpftrace >/dev/null; then
	echo "does not run here: bpftrace is not installed." >"$TMP/notes/bt"
elif [[ ! -r $BT_SHIPPED ]]; then
	echo "does not run here: $BT_SHIPPED is missing (Debian's bpftrace package ships it)." \
		>"$TMP/notes/bt"
elif start_tracer bt; then
	stop_tracer bt || true
	VARIANTS+=(bt)
else
	# runqlat.bt includes <linux/sched.h> for TASK_RUNNING; with no kernel headers installed
	# bpftrace 0.17 finds the uapi header, which does not define it and does not compile
	# (bpftrace issue 3255). The same script with TASK_RUNNING defined as the kernel does.
	shipped_err=$(error_line "$TMP/err/bt")
	BT_SCRIPT=$TMP/runqlat.bt
	sed 's|^#include <linux/sched.h>$|#define TASK_RUNNING 0 // include/linux/sched.h|' \
		"$BT_SHIPPED" >"$BT_SCRIPT"
	if ! cmp -s "$BT_SHIPPED" "$BT_SCRIPT" && start_tracer bt; then
		stop_tracer bt || true
		VARIANTS+=(bt)
		printf '%s\n' "\`$BT_SHIPPED\` as shipped does not run here (\`$shipped_err\`): it" \
			"includes \`<linux/sched.h>\` for \`TASK_RUNNING\`, and with no kernel headers" \
			"installed bpftrace 0.17 compiles the uapi header, which fails (bpftrace issue" \
			"3255). Measured: a copy with that line replaced by \`#define TASK_RUNNING 0\`" \
			"(the kernel's value); the probes and their code are the shipped ones." |
			tr '\n' ' ' >"$TMP/notes/bt"
	else
		# shellcheck disable=SC2016 # Markdown backquotes
		printf 'does not run here: `%s`\n' "$shipped_err" >"$TMP/notes/bt"
	fi
fi
if [[ ${VARIANTS[*]} == *bt* ]]; then
	tracer_cmd bt
	if [[ $BT_SCRIPT == "$TMP/runqlat.bt" ]]; then
		printf '%s && %s\n' \
			"$(show_cmd sed 's|^#include <linux/sched.h>$|#define TASK_RUNNING 0|' "$BT_SHIPPED") >runqlat.bt" \
			"$(show_cmd "${CMD[@]/#$BT_SCRIPT/runqlat.bt}")" >"$TMP/cmd/bt"
	else
		show_cmd "${CMD[@]}" >"$TMP/cmd/bt"
	fi
	log "  bpftrace runqlat.bt: runs ($BT_SCRIPT)"
else
	log "  bpftrace runqlat.bt: $(cat "$TMP/notes/bt")"
fi

if ! command -v "$BCC" >/dev/null; then
	echo "does not run here: $BCC is not installed (\`apt-get install -y bpfcc-tools\`)." \
		>"$TMP/notes/bcc"
elif start_tracer bcc; then
	stop_tracer bcc || true
	VARIANTS+=(bcc)
else
	# shellcheck disable=SC2016 # Markdown backquotes
	printf 'does not run here: `%s`\n' "$(error_line "$TMP/err/bcc")" >"$TMP/notes/bcc"
fi
tracer_cmd bcc
show_cmd "${CMD[@]}" >"$TMP/cmd/bcc"
if [[ ${VARIANTS[*]} == *bcc* ]]; then
	log "  bcc runqlat-bpfcc: runs"
else
	log "  bcc runqlat-bpfcc: $(cat "$TMP/notes/bcc")"
fi

log "b. $RUNS timed runs of each of: ${VARIANTS[*]}"
n=${#VARIANTS[@]}
for ((r = 0; r < RUNS; r++)); do
	line=
	for ((i = 0; i < n; i++)); do
		v=${VARIANTS[(r + i) % n]}
		run_variant "$v"
		line+=" $v=$LAST"
	done
	log "  run $((r + 1))/$RUNS (us/op):$line"
done

log "c. BPF run time per event (kernel.bpf_stats_enabled=1 for this part)"
OLD_BPF_STATS=$M_STATS_BEFORE
sysctl -q -w kernel.bpf_stats_enabled=1
for v in "${VARIANTS[@]:1}"; do
	start_tracer "$v" || die "$v stopped working: $(error_line "$TMP/err/$v")"
	before=$(python3 "$PY" progs "$TRACER_PID")
	run_perf
	after=$(python3 "$PY" progs "$TRACER_PID")
	stop_tracer "$v" || die "$v exited with an error after SIGINT"
	printf '{"before": %s, "after": %s, "usecs": "%s"}\n' "$before" "$after" "$LAST" \
		>"$TMP/stats/$v"
	log "  $v: $(python3 -c 'import json,sys
s = json.load(sys.stdin); b = {g["id"]: g for g in s["before"]}
print(", ".join("%s %.0f ns/event" % (g["name"], (g["run_time_ns"] - b[g["id"]]["run_time_ns"]) /
      (g["run_cnt"] - b[g["id"]]["run_cnt"])) for g in s["after"]
      if g["id"] in b and g["run_cnt"] > b[g["id"]]["run_cnt"]))' <"$TMP/stats/$v")"
done
sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS"
OLD_BPF_STATS=

export M_ELAPSED=$((SECONDS - START))
python3 "$PY" report "$TMP"
log "sched collector benchmark done ($M_ELAPSED s)"
