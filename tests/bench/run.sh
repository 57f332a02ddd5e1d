#!/usr/bin/env bash
# Overhead benchmark of tailtrace (issue 3), run by `make bench` as root:
#   TAILTRACE=/abs/build/tailtrace BENCH_BUILD=/abs/build/bench TARGETS=/abs/build/targets \
#       tests/bench/run.sh
# Measures the cost per traced call against no probe, an empty uprobe+uretprobe pair (the
# kernel's floor) and bpftrace; start-up time; memory; BPF run time per event. Then runs
# sched.sh (the sched collector against bpftrace's and bcc's runqlat) and net.sh (loopback TCP
# request/response throughput with and without the net collector) and appends their sections.
# Prints progress on stderr, the results as Markdown on stdout, and writes them to
# tests/bench/RESULTS.md.
# Everything runs pinned to CPU 1 and variants are interleaved run by run: the machine is noisy.
# Knobs (environment): BENCH_RUNS (7), BENCH_N_PUSH (500000), BENCH_N_ENDBR (100000),
# BENCH_START_RUNS (5), BENCH_N_STATS (1000000), BENCH_MANY_ROUNDS (300), BENCH_RESULTS (file),
# BENCH_SCHED (1; 0 leaves out the sched section), BENCH_NET (1; 0 leaves out the net section),
# BENCH_PROFILE (1; 0 leaves out the profile section), BENCH_ONLY (profile: that section
# alone, put in place of its own in RESULTS.md), and sched.sh's BENCH_SCHED_*, net.sh's
# BENCH_NET_* and profile.sh's BENCH_PROFILE_* (see there).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# die, log, show_cmd, machine_facts, tracefs_mount, tracefs_unmount
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

: "${TAILTRACE:?set TAILTRACE to the tailtrace binary (make bench does)}"
: "${BENCH_BUILD:?set BENCH_BUILD to the directory of caller and empty_pair (make bench does)}"
: "${TARGETS:?set TARGETS to the directory of the test targets (make bench does)}"

RUNS=${BENCH_RUNS:-7}
N_PUSH=${BENCH_N_PUSH:-500000}
N_ENDBR=${BENCH_N_ENDBR:-100000}
START_RUNS=${BENCH_START_RUNS:-5}
N_STATS=${BENCH_N_STATS:-1000000}
MANY_ROUNDS=${BENCH_MANY_ROUNDS:-300}
RESULTS=${BENCH_RESULTS:-$HERE/RESULTS.md}

TT=$TAILTRACE
CALLER=$BENCH_BUILD/caller

case ${BENCH_ONLY:-} in
'') ;;
profile)
	SECTION=$(mktemp /tmp/tailtrace-profile-section.XXXXXX)
	trap 'rm -f "$SECTION"' EXIT
	TAILTRACE=$TT BENCH_BUILD=$BENCH_BUILD "$HERE/profile.sh" >"$SECTION" ||
		die "tests/bench/profile.sh failed"
	# its section replaced (or added), the others kept
	python3 - "$RESULTS" "$SECTION" <<'PYEOF'
import re, sys
results, section = open(sys.argv[1]).read(), open(sys.argv[2]).read()
m = re.search(r"^## profile collector\n.*?(?=^## |\Z)", results, re.S | re.M)
results = (results[:m.start()] + section + results[m.end():] if m else
           results.rstrip("\n") + "\n\n" + section)
open(sys.argv[1] + ".tmp", "w").write(results)
PYEOF
	mv "$RESULTS.tmp" "$RESULTS"
	cat "$SECTION"
	log "the profile section written to $RESULTS"
	exit 0
	;;
*) die "BENCH=$BENCH_ONLY: the only section that runs alone is profile" ;;
esac

PAIR=$BENCH_BUILD/empty_pair
MANY=$TARGETS/many

[[ $(id -u) -eq 0 ]] || die "needs root (it loads BPF programs): run 'sudo make bench'"
for f in "$TT" "$CALLER" "$PAIR" "$MANY"; do
	[[ -x $f ]] || die "$f is missing: build it first ('make bench' builds everything)"
done
for t in bpftrace bpftool python3 taskset; do
	command -v "$t" >/dev/null || die "$t is not installed: the benchmark needs it"
done
[[ $(nproc) -ge 2 ]] || die "needs at least 2 CPUs: everything measured is pinned to CPU 1"

TMP=$(mktemp -d /tmp/tailtrace-bench.XXXXXX)
RESULTS_TMP=$RESULTS.tmp.$$
OLD_BPF_STATS=

cleanup() {
	local rc=$?
	if [[ -n $OLD_BPF_STATS ]]; then
		sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS" ||
			log "run.sh: could not restore kernel.bpf_stats_enabled=$OLD_BPF_STATS"
	fi
	tracefs_unmount
	rm -rf "$TMP"
	rm -f "$RESULTS_TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bpftrace 0.17 attaches uprobes through tracefs.
tracefs_mount

# Helpers that bash does badly: JSON, timestamps of stderr lines, sampling bpftool, the report.
PY=$TMP/bench.py
cat >"$PY" <<'PYEOF'
import json, os, re, statistics, subprocess, sys, threading, time

def first_number(text):
    m = re.search(r"^\s*(\d+(?:\.\d+)?)\s*$", text, re.M)
    if not m:
        sys.exit("run.sh: no ns/call line in the output:\n" + text[:500])
    return m.group(1)

def ttjson():
    """stdin: caller's line then tailtrace's JSON. Prints: ns count p50 p99."""
    text = sys.stdin.read()
    ns = first_number(text)
    i = text.find("{")
    s = json.loads(text[i:])["series"][0]
    q = s["quantiles"]
    print(ns, s["count"], q["p50"], q["p99"])

def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

def startup(cmd):
    """Runs cmd (tailtrace -v) and times its stderr lines from launch. Prints one JSON line."""
    r = {}
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stderr:
            now = (time.monotonic() - t0) * 1e3
            m = re.search(r"attached (\d+) functions? in (\d+) binar(?:y|ies) with (\d+) links "
                          r"\((\S+)\) in ([\d.]+) ms", line)
            if m:
                r.update(attached_at_ms=now, funcs=int(m[1]), links=int(m[3]), mode=m[4],
                         attach_ms=float(m[5]))
            m = re.search(r"loaded: (\d+) functions, (\d+) histogram shards of (\d+) bytes", line)
            if m:
                r.update(shards=int(m[2]), hist_bytes=int(m[3]))
            m = re.search(r"detached (\d+) links in ([\d.]+) ms", line)
            if m:
                r.update(detach_ms=float(m[2]))
            if line.startswith("Tracing"):
                r["tracing_at_ms"] = now
        r["rc"] = p.wait()
        r["wall_ms"] = (time.monotonic() - t0) * 1e3
    finally:
        stop(p)
    if r["rc"] or "attached_at_ms" not in r or "tracing_at_ms" not in r:
        sys.exit("run.sh: start-up run failed or printed no 'attached'/'Tracing' line: %s" % r)
    print(json.dumps(r))

def maxrss(cmd):
    """Fallback without GNU time: peak RSS (KiB) of cmd, from wait4."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit("run.sh: %s exited with %d" % (cmd[0], p.returncode))
    print(ru.ru_maxrss)

def bpf_ids(pid):
    """Map and program ids held by pid's file descriptors (maps, programs, links)."""
    maps, progs = set(), set()
    d = "/proc/%d/fdinfo" % pid
    try:
        fds = os.listdir(d)
    except OSError:
        return maps, progs
    for fd in fds:
        try:
            with open(os.path.join(d, fd)) as f:
                txt = f.read()
        except OSError:
            continue
        for key, ids in (("map_id", maps), ("prog_id", progs)):
            m = re.search(r"^%s:\s*(\d+)" % key, txt, re.M)
            if m:
                ids.add(int(m[1]))
    return maps, progs

def bpftool(kind):
    out = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True)
    return json.loads(out.stdout or "[]") if out.returncode == 0 else []

def sample(cmd):
    """Runs cmd; while it runs, reads the maps and programs it holds with bpftool: the largest
    set of maps seen and the last statistics of each program. Prints one JSON line."""
    maps, progs = {}, {}
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = []
    reader = threading.Thread(target=lambda: err.extend(p.stderr), daemon=True)
    reader.start()
    try:
        while p.poll() is None:
            map_ids, prog_ids = bpf_ids(p.pid)
            if map_ids:
                seen = {m["id"]: m for m in bpftool("map") if m.get("id") in map_ids}
                if sum(m.get("bytes_memlock", 0) for m in seen.values()) > \
                   sum(m.get("bytes_memlock", 0) for m in maps.values()):
                    maps = seen
            if prog_ids:
                for g in bpftool("prog"):
                    if g.get("id") in prog_ids and g.get("run_cnt", 0) >= \
                       progs.get(g["id"], {}).get("run_cnt", 0):
                        progs[g["id"]] = g
            time.sleep(0.1)
        rc = p.wait()
    finally:
        stop(p)
    reader.join(1)
    if rc:
        sys.exit("run.sh: %s exited with %d:\n%s" % (cmd[0], rc, "".join(err[-5:])))
    print(json.dumps({
        "maps": [{"id": m["id"], "name": m.get("name", "?"), "type": m.get("type", "?"),
                  "max_entries": m.get("max_entries"), "bytes": m.get("bytes_memlock", 0)}
                 for m in sorted(maps.values(), key=lambda m: m["id"])],
        "progs": [{"id": g["id"], "name": g.get("name", "?"), "run_cnt": g.get("run_cnt", 0),
                   "run_time_ns": g.get("run_time_ns", 0)}
                  for g in sorted(progs.values(), key=lambda g: g["id"])]}))

# ---------------------------------------------------------------------------------------------
# The report: reads what the runs left in the work directory, prints Markdown.

def report(tmp):
    E = os.environ
    def lines(name):
        with open(os.path.join(tmp, name)) as f:
            return [l.split() for l in f if l.strip()]
    def col(name, i=0):
        return [float(l[i]) for l in lines(name)]
    def cmd(name):
        with open(os.path.join(tmp, "cmd", name)) as f:
            return f.read().strip()
    def jl(name):
        with open(os.path.join(tmp, name)) as f:
            return [json.loads(l) for l in f if l.strip()]
    med = statistics.median
    def ns(x):
        return "%s ns" % ("{:,.1f}".format(x) if x < 100 else "{:,.0f}".format(x))
    out = []
    w = out.append

    w("# tailtrace overhead benchmark")
    w("")
    w("Written by `tests/bench/run.sh` (`make bench`); every figure below was measured by that "
      "run, none typed in. Processes measured are pinned to CPU 1 (`taskset -c 1`); variants "
      "are interleaved run by run, in a rotating order.")
    w("")
    w("| | |")
    w("|---|---|")
    for k, v in (("Date (UTC)", E["M_DATE"]), ("Kernel (`uname -r`)", E["M_KERNEL"]),
                 ("CPU model", E["M_CPU"]), ("CPUs (`nproc`)", E["M_NPROC"]),
                 ("libbpf (`pkg-config`)", E["M_LIBBPF"]), ("bpftrace", E["M_BPFTRACE"]),
                 ("tailtrace", E["M_TAILTRACE"]),
                 ("kernel.bpf_stats_enabled during per-call runs", E["M_STATS_BEFORE"]),
                 ("Duration of the benchmark", "%s s" % E["M_ELAPSED"])):
        w("| %s | %s |" % (k, v))
    w("")

    def target(value, op, limit, added, floor):
        """Met, or by how much missed: in the ratio and in ns per call over the allowance."""
        if value <= limit if op == "<=" else value < limit:
            return "met"
        return "**missed** by %.3f (%.0f%% over); %s per call above the %s allowed" % (
            value - limit, (value / limit - 1) * 100, ns(added - limit * floor),
            ns(limit * floor))

    def per_call(title, fn, n, variants, ratios):
        w("## %s" % title)
        w("")
        w("%s calls of `%s` per run, %d runs; ns per call as printed by `caller` (wall time of "
          "its loop / calls). Added = variant - no probe." % ("{:,}".format(n), fn, runs))
        w("")
        w("| variant | median | min | max | added per call |")
        w("|---|---:|---:|---:|---:|")
        m = {}
        for key, label in variants:
            v = col(key)
            m[key] = med(v)
            added = "-" if key.endswith("_none") else ns(m[key] - m[variants[0][0]])
            w("| %s | %s | %s | %s | %s |" % (label, ns(m[key]), ns(min(v)), ns(max(v)), added))
        w("")
        a = m[variants[0][0]]
        w("| ratio of added costs | value | target | result |")
        w("|---|---:|---:|---|")
        for label, num, den, op, limit in ratios:
            r = (m[num] - a) / (m[den] - a)
            w("| %s | %.3f | %s %s | %s |" % (label, r, op, limit,
                                             target(r, op, limit, m[num] - a, m[den] - a)))
        w("")
        for key, label in variants:
            rows = lines(key)
            if len(rows[0]) > 1:
                counts = sorted(set(int(r[1]) for r in rows))
                w("%s counted %s calls a run (%s made)%s." % (
                    label, " / ".join("{:,}".format(c) for c in counts), "{:,}".format(n),
                    "" if counts == [n] else " **mismatch**"))
        w("")
        w("Commands:")
        w("")
        for key, label in variants:
            w("- %s: `%s`" % (label, cmd(key)))
        w("")
        return m

    runs = int(E["RUNS"])
    push = per_call("Per-call cost on `bench_push` (first instruction `push %rbp`, emulated by the "
             "kernel)", "bench_push", int(E["N_PUSH"]),
             [("push_none", "(a) no probe"), ("push_pair", "(b) empty uprobe+uretprobe"),
              ("push_tt", "(c) tailtrace func"), ("push_bpftrace", "(d) bpftrace 0.17")],
             [("(c-a)/(b-a): tailtrace / empty pair", "push_tt", "push_pair", "<=", 1.25),
              ("(c-a)/(d-a): tailtrace / bpftrace", "push_tt", "push_bpftrace", "<", 1)])

    m = per_call("Per-call cost on `bench_endbr` (first instruction `endbr64`, single-stepped "
                 "by the kernel)", "bench_endbr", int(E["N_ENDBR"]),
                 [("endbr_none", "(a) no probe"), ("endbr_pair", "(b) empty uprobe+uretprobe"),
                  ("endbr_tt", "(c) tailtrace func (probe past the endbr64)"),
                  ("endbr_keep", "(c') tailtrace func, TAILTRACE_KEEP_ENDBR=1"),
                  ("endbr_bpftrace", "(d) bpftrace 0.17")],
                 [("(c-a)/(b-a): tailtrace / empty pair", "endbr_tt", "endbr_pair", "<=", 1.25),
                  ("(c-a)/(d-a): tailtrace / bpftrace", "endbr_tt", "endbr_bpftrace", "<", 1),
                  ("(c'-a)/(b-a): tailtrace on the endbr64 / empty pair", "endbr_keep",
                   "endbr_pair", "<=", 1.25),
                  ("(c'-a)/(d-a): tailtrace on the endbr64 / bpftrace", "endbr_keep",
                   "endbr_bpftrace", "<", 1)])
    a = m["endbr_none"]
    w("Skipping the endbr64 cuts tailtrace's added cost by %.1fx (%s -> %s per call). What "
      "tailtrace measured in each mode (`--format json`, `.series[0]`):"
      % ((m["endbr_keep"] - a) / (m["endbr_tt"] - a), ns(m["endbr_keep"] - a),
         ns(m["endbr_tt"] - a)))
    w("")
    w("| mode | counts (runs) | expected | median p50 | median p99 |")
    w("|---|---|---:|---:|---:|")
    n = int(E["N_ENDBR"])
    for key, label in (("endbr_tt", "probe past the endbr64 (default)"),
                       ("endbr_keep", "probe on the endbr64")):
        rows = lines(key)
        counts = sorted(set(int(r[1]) for r in rows))
        w("| %s | %s (%d runs) | %s | %s | %s |" % (
            label, ", ".join("{:,}".format(c) for c in counts), len(rows), "{:,}".format(n),
            ns(med(float(r[2]) for r in rows)), ns(med(float(r[3]) for r in rows))))
    same = all(int(r[1]) == n for k in ("endbr_tt", "endbr_keep") for r in lines(k))
    w("")
    p50 = {k: med(float(r[2]) for r in lines(k)) for k in ("endbr_tt", "endbr_keep")}
    w("Counts %s in both modes. The p50 with the probe on the endbr64 is %.1fx the default's "
      "(%s more): the kernel single-steps the endbr64 after the entry program took its "
      "timestamp, so the single-step is counted in every call."
      % ("equal the calls made" if same else "**differ from the calls made**",
         p50["endbr_keep"] / p50["endbr_tt"], ns(p50["endbr_keep"] - p50["endbr_tt"])))
    w("")

    w("## Start-up and shut-down")
    w("")
    w("Median of %s runs each, `tailtrace func -v` on `many` (1,000 functions f000..f999, each "
      "called once). *launch ->* is wall time from starting the process to reading its stderr "
      "line; *attach* and *detach* are tailtrace's own `-v` figures." % E["START_RUNS"])
    w("")
    w("| functions | links | launch -> \"attached\" | launch -> \"Tracing\" | attach (-v) | "
      "detach (-v) | whole run |")
    w("|---:|---:|---:|---:|---:|---:|---:|")
    su = {}
    for k in ("1", "1000"):
        rs = su[k] = jl("startup_" + k)
        f = lambda key: "%.1f ms" % med(r[key] for r in rs)
        w("| {:,} | {} ({}) | {} | {} | {} | {} | {} |".format(
            rs[0]["funcs"], rs[0]["links"], rs[0]["mode"], f("attached_at_ms"),
            f("tracing_at_ms"), f("attach_ms"), f("detach_ms"), f("wall_ms")))
    w("")
    a1, a1000 = (med(r["attached_at_ms"] for r in su[k]) for k in ("1", "1000"))
    w("| goal | value | target | result |")
    w("|---|---:|---:|---|")
    w("| launch -> attached, 1 function | %.1f ms | <= 40 ms | %s |"
      % (a1, "met" if a1 <= 40 else "**not met**"))
    w("| launch -> attached, 1,000 functions | %.1f ms | <= 2,000 ms | %s |"
      % (a1000, "met" if a1000 <= 2000 else "**not met**"))
    w("")
    for k in ("1", "1000"):
        w("- %s function%s: `%s`" % (k, "" if k == "1" else "s", cmd("startup_" + k)))
    w("")

    w("## Memory")
    w("")
    w("Peak RSS of the tailtrace process (%s, median of %s runs; it includes the traced "
      "child's if that were larger, which `many` is not):" % (E["M_RSS_HOW"], E["START_RUNS"]))
    w("")
    w("| functions | peak RSS |")
    w("|---:|---:|")
    for k in ("1", "1000"):
        w("| {:,} | {:,.0f} KiB |".format(int(k), med(col("rss_" + k))))
    w("")
    r1 = med(col("rss_1"))
    w("Goal: a traced trivial run (1 function) peaks under 8 MiB: %.1f MiB, %s." %
      (r1 / 1024, "met" if r1 < 8 * 1024 else "**not met**"))
    w("")
    for k in ("1", "1000"):
        w("- %s: `%s`" % (k, cmd("rss_" + k)))
    w("")
    w("BPF map memory (`bytes_memlock` from `bpftool -j map show`) of the maps held by the "
      "tailtrace process, read while it traced:")
    w("")
    samples = (("sample_tt_push", "1 (`caller:bench_push`)"),
               ("sample_tt_many", "1,000 (`many:f*`)"))
    sm = {k: jl(k)[0] for k, _ in samples}
    names = []
    for k, _ in samples:
        for mp in sm[k]["maps"]:
            if mp["name"] not in names:
                names.append(mp["name"])
    w("| functions | " + " | ".join("`%s`" % x for x in names) + " | total |")
    w("|---:|" + "---:|" * (len(names) + 1))
    for k, label in samples:
        by = {}
        for mp in sm[k]["maps"]:
            by[mp["name"]] = by.get(mp["name"], 0) + mp["bytes"]
        w("| %s | %s | **{:,} B** |".format(sum(by.values())) % (
            label, " | ".join("{:,} B".format(by[x]) if x in by else "-" for x in names)))
    w("")
    for k, label in samples:
        w("- %s: `%s`" % (label, cmd(k)))
    w("")
    w("Histogram memory = sizeof(struct hist) x functions x shards, shards = min(CPUs, 8) "
      "rounded to a power of two and halved until the whole fits 48 MiB (as `-v` reported):")
    w("")
    w("| functions | sizeof(struct hist) | shards | histogram memory |")
    w("|---:|---:|---:|---:|")
    for k in ("1", "1000"):
        r = su[k][0]
        total = r["hist_bytes"] * r["funcs"] * r["shards"]
        w("| {:,} | {:,} B | {} | {:,} B ({:,.1f} KiB) |".format(
            r["funcs"], r["hist_bytes"], r["shards"], total, total / 1024))
    w("")

    w("## BPF run time per event")
    w("")
    w("From the kernel's statistics (`kernel.bpf_stats_enabled=1` for these runs only; "
      "`run_time_ns / run_cnt` from `bpftool -j prog show`, last sample while running):")
    w("")
    w("| run | program | events | run time | per event |")
    w("|---|---|---:|---:|---:|")
    bpf_runs = (("sample_tt_push", "tailtrace, 1 function"),
            ("sample_pair_push", "empty pair, 1 function"),
            ("sample_tt_many", "tailtrace, 1,000 functions"))
    def per_call_bpf(k):
        return sum(g["run_time_ns"] / g["run_cnt"] for g in jl(k)[0]["progs"] if g["run_cnt"])
    for k, label in bpf_runs:
        for g in (jl(k)[0]["progs"]):
            if not g["run_cnt"]:
                continue
            w("| {} | `{}` | {:,} | {:,} ns | {:.0f} ns |".format(
                label, g["name"], g["run_cnt"], g["run_time_ns"],
                g["run_time_ns"] / g["run_cnt"]))
    w("")
    extra = per_call_bpf("sample_tt_push") - per_call_bpf("sample_pair_push")
    floor = push["push_pair"] - push["push_none"]
    w("On `bench_push`, tailtrace's programs run %s per call (entry + return) more than the "
      "empty pair's: %.1f%% of the empty pair's added cost measured above (%s), i.e. an "
      "expected (c-a)/(b-a) of %.3f without the noise of the wall-clock runs."
      % (ns(extra), extra / floor * 100, ns(floor), (floor + extra) / floor))
    w("")
    for k, label in bpf_runs:
        w("- %s: `%s`" % (label, cmd(k)))
    w("")
    print("\n".join(out))

if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if args and args[0] == "--":
        args = args[1:]
    try:
        {"ttjson": lambda: ttjson(), "startup": lambda: startup(args),
         "maxrss": lambda: maxrss(args), "sample": lambda: sample(args),
         "report": lambda: report(args[0])}[what]()
    except KeyboardInterrupt:
        sys.exit(130)
PYEOF

BT_PUSH="uprobe:$CALLER:bench_push { @s[tid] = nsecs; } uretprobe:$CALLER:bench_push /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }"
BT_ENDBR=${BT_PUSH//bench_push/bench_endbr}

# variant_cmd NAME: sets CMD to the command line of one per-call variant.
variant_cmd() {
	local pin=(taskset -c 1)
	case $1 in
	push_none) CMD=("${pin[@]}" "$CALLER" push "$N_PUSH") ;;
	push_pair) CMD=("${pin[@]}" "$PAIR" "$CALLER" bench_push -- "$CALLER" push "$N_PUSH") ;;
	push_tt) CMD=(env -u TAILTRACE_KEEP_ENDBR "${pin[@]}" "$TT" func --format json
		"$CALLER:bench_push" -- "$CALLER" push "$N_PUSH") ;;
	push_bpftrace) CMD=("${pin[@]}" bpftrace -e "$BT_PUSH" -c "$CALLER push $N_PUSH") ;;
	endbr_none) CMD=("${pin[@]}" "$CALLER" endbr "$N_ENDBR") ;;
	endbr_pair) CMD=("${pin[@]}" "$PAIR" "$CALLER" bench_endbr -- "$CALLER" endbr "$N_ENDBR") ;;
	endbr_tt) CMD=(env -u TAILTRACE_KEEP_ENDBR "${pin[@]}" "$TT" func --format json
		"$CALLER:bench_endbr" -- "$CALLER" endbr "$N_ENDBR") ;;
	endbr_keep) CMD=(env TAILTRACE_KEEP_ENDBR=1 "${pin[@]}" "$TT" func --format json
		"$CALLER:bench_endbr" -- "$CALLER" endbr "$N_ENDBR") ;;
	endbr_bpftrace) CMD=("${pin[@]}" bpftrace -e "$BT_ENDBR" -c "$CALLER endbr $N_ENDBR") ;;
	*) die "unknown variant $1" ;;
	esac
}

# run_variant NAME: one run; appends "ns" (tailtrace: "ns count p50 p99") to $TMP/NAME.
run_variant() {
	local name=$1 out fig
	variant_cmd "$name"
	if ! out=$("${CMD[@]}" 2>"$TMP/last.err"); then
		tail -n 5 "$TMP/last.err" >&2
		die "$name failed: $(show_cmd "${CMD[@]}")"
	fi
	if [[ $name == *_tt || $name == *_keep ]]; then
		fig=$(python3 "$PY" ttjson <<<"$out")
	else
		fig=$(grep -m1 -E '^[0-9]+(\.[0-9]+)?$' <<<"$out") ||
			die "$name printed no ns/call line: $(show_cmd "${CMD[@]}")"
	fi
	printf '%s\n' "$fig" >>"$TMP/$name"
	LAST=${fig%% *}
}

# per_call TITLE VARIANT...: RUNS rounds, each running every variant once, in a rotating order.
per_call() {
	local title=$1 r i n line
	shift
	local vs=("$@")
	n=${#vs[@]}
	for v in "${vs[@]}"; do
		variant_cmd "$v"
		show_cmd "${CMD[@]}" >"$TMP/cmd/$v"
	done
	for ((r = 0; r < RUNS; r++)); do
		line=
		for ((i = 0; i < n; i++)); do
			v=${vs[(r + i) % n]}
			run_variant "$v"
			line+=" $v=$LAST"
		done
		log "  $title run $((r + 1))/$RUNS (ns/call):$line"
	done
}

START=$SECONDS
mkdir -p "$TMP/cmd"
export RUNS N_PUSH N_ENDBR START_RUNS
machine_facts "$TT"
export M_LIBBPF M_BPFTRACE M_RSS_HOW
M_LIBBPF=$(pkg-config --modversion libbpf 2>/dev/null || echo "unknown (no pkg-config data)")
M_BPFTRACE=$(bpftrace --version 2>&1 | head -n 1)

log "tailtrace overhead benchmark: $RUNS runs of each variant, pinned to CPU 1"
log "a. bench_push, $N_PUSH calls a run"
per_call push push_none push_pair push_tt push_bpftrace
log "b. bench_endbr, $N_ENDBR calls a run"
per_call endbr endbr_none endbr_pair endbr_tt endbr_keep endbr_bpftrace

log "c. start-up, 1 and 1,000 functions, $START_RUNS runs each"
start_cmd() { # start_cmd 1|1000 [-v]: sets CMD to a run of tailtrace on many
	local spec=$MANY:f000
	[[ $1 == 1000 ]] && spec="$MANY:f*"
	CMD=(taskset -c 1 "$TT" func ${2:+"$2"} "$spec" -- "$MANY" 1)
}
for k in 1 1000; do
	start_cmd "$k" -v
	show_cmd "${CMD[@]}" >"$TMP/cmd/startup_$k"
done
for ((r = 0; r < START_RUNS; r++)); do
	for k in 1 1000; do
		start_cmd "$k" -v
		python3 "$PY" startup -- "${CMD[@]}" >>"$TMP/startup_$k"
	done
	log "  start-up run $((r + 1))/$START_RUNS: $(tail -qn 1 "$TMP/startup_1" "$TMP/startup_1000" |
		python3 -c 'import json,sys; print("  ".join("%d funcs: attached at %.1f ms, Tracing at %.1f ms" % (r["funcs"], r["attached_at_ms"], r["tracing_at_ms"]) for r in map(json.loads, sys.stdin)))')"
done

log "d. peak RSS and map memory"
if /usr/bin/time --version 2>&1 | grep -q GNU; then
	M_RSS_HOW="GNU time \`%M\`"
	rss() { /usr/bin/time -f %M -o "$TMP/rss.out" "$@" >/dev/null 2>"$TMP/last.err" ||
		{ tail -n 5 "$TMP/last.err" >&2; die "failed: $(show_cmd "$@")"; }
		tail -n 1 "$TMP/rss.out"; }
else
	M_RSS_HOW='wait4() ru_maxrss (GNU time not installed)'
	rss() { python3 "$PY" maxrss -- "$@"; }
fi
for k in 1 1000; do
	start_cmd "$k"
	show_cmd "${CMD[@]}" >"$TMP/cmd/rss_$k"
done
for ((r = 0; r < START_RUNS; r++)); do
	for k in 1 1000; do
		start_cmd "$k"
		rss "${CMD[@]}" >>"$TMP/rss_$k"
	done
done
log "  peak RSS (KiB), 1 function: $(tr '\n' ' ' <"$TMP/rss_1")  1,000: $(tr '\n' ' ' <"$TMP/rss_1000")"

log "e. BPF run time per event (kernel.bpf_stats_enabled=1 for this part)"
OLD_BPF_STATS=$M_STATS_BEFORE
sysctl -q -w kernel.bpf_stats_enabled=1
sample_run() { # sample_run NAME CMD...: one run with its maps and programs sampled
	local name=$1
	shift
	show_cmd "$@" >"$TMP/cmd/$name"
	python3 "$PY" sample -- "$@" >"$TMP/$name.tmp"
	mv "$TMP/$name.tmp" "$TMP/$name"
	log "  $name: $(python3 -c 'import json,sys; d=json.load(sys.stdin); print(", ".join("%s %.0f ns/event" % (g["name"], g["run_time_ns"] / g["run_cnt"]) for g in d["progs"] if g["run_cnt"]), "; maps %d B" % sum(m["bytes"] for m in d["maps"]))' <"$TMP/$name")"
}
sample_run sample_tt_push env -u TAILTRACE_KEEP_ENDBR taskset -c 1 "$TT" func \
	"$CALLER:bench_push" -- "$CALLER" push "$N_STATS"
sample_run sample_pair_push taskset -c 1 "$PAIR" "$CALLER" bench_push -- \
	"$CALLER" push "$N_STATS"
sample_run sample_tt_many taskset -c 1 "$TT" func "$MANY:f*" -- "$MANY" "$MANY_ROUNDS"
sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS"
OLD_BPF_STATS=

if [[ ${BENCH_SCHED:-1} != 0 ]]; then
	log "f. sched collector (tests/bench/sched.sh)"
	TAILTRACE=$TT "$HERE/sched.sh" >"$TMP/sched.md" || die "tests/bench/sched.sh failed"
fi
if [[ ${BENCH_NET:-1} != 0 ]]; then
	log "g. net collector (tests/bench/net.sh)"
	TAILTRACE=$TT TARGETS=$TARGETS BENCH_BUILD=$BENCH_BUILD "$HERE/net.sh" >"$TMP/net.md" || die "tests/bench/net.sh failed"
fi
if [[ ${BENCH_PROFILE:-1} != 0 ]]; then
	log "h. profile collector (tests/bench/profile.sh)"
	TAILTRACE=$TT BENCH_BUILD=$BENCH_BUILD "$HERE/profile.sh" >"$TMP/profile.md" ||
		die "tests/bench/profile.sh failed"
fi

export M_ELAPSED=$((SECONDS - START))
python3 "$PY" report "$TMP" >"$TMP/RESULTS.md"
for section in sched net profile; do
	if [[ -s $TMP/$section.md ]]; then
		cat "$TMP/$section.md" >>"$TMP/RESULTS.md"
	fi
done
cp "$TMP/RESULTS.md" "$RESULTS_TMP"
mv "$RESULTS_TMP" "$RESULTS"
cat "$TMP/RESULTS.md"
log "results written to $RESULTS ($M_ELAPSED s)"
