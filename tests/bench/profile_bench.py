"""The profile benchmark's runs and report (tests/bench/profile.sh sets its environment)."""
import json, os, random, re, signal, statistics, subprocess, sys, time

TT = os.environ["BENCH_TT"]
LOOP = os.environ["BENCH_LOOP"]
FLOOR = os.environ["BENCH_FLOOR"]
LBT = os.environ.get("BENCH_LBT", "")      # libbpf-tools' profile, built by profile.sh; or ""
LBT_NOTE = os.environ.get("BENCH_LBT_NOTE", "")
# another tailtrace (an earlier build) measured beside this one in dwarf mode, or ""
TT_BEFORE = os.environ.get("BENCH_TT_BEFORE", "")
TMP = os.environ["BENCH_TMP"]
RUNS = int(os.environ["BENCH_PROFILE_RUNS"])
ROUNDS = int(os.environ["BENCH_PROFILE_ROUNDS"])
RATES = [int(r) for r in os.environ["BENCH_PROFILE_RATES"].split()]
READY_S = 30      # how long a profiler may take to say it samples
SETTLE_S = 1.0    # then this long before the work starts
# The work's CPU time is its measure where the kernel charges interrupts to the task they
# interrupt (no CONFIG_IRQ_TIME_ACCOUNTING): each sample's cost, and not the time that other
# processes of a shared machine take; else its wall time (profile.sh tells which).
METRIC = "work_cpu" if os.environ["BENCH_IRQ_TIME"] == "n" else "elapsed"
METRIC_TEXT = ("its CPU time (CLOCK_PROCESS_CPUTIME_ID: this kernel has no "
               "CONFIG_IRQ_TIME_ACCOUNTING, so the sampling interrupts and their BPF programs on "
               "its CPU are charged to it, while the time other processes of this shared "
               "machine take from it is not)" if METRIC == "work_cpu" else
               "its wall time (this kernel accounts interrupt time apart, or its configuration "
               "cannot be read: the work's CPU time could miss the profilers' cost)")
STARTS = {"_start", "start_thread", "clone3", "__clone3", "clone", "__clone"}

VARIANTS = ["none", "floor", "tt_dwarf", "tt_fp", "perf_dwarf", "perf_fp", "bpftrace"] + \
    (["lbt"] if LBT else []) + (["tt_before"] if TT_BEFORE else [])
NAMES = {
    "none": "no profiler",
    "floor": "floor: empty BPF program on cpu-clock",
    "lbt": "libbpf-tools profile -f",
    "tt_before": "BENCH_TT_BEFORE profile --call-graph dwarf",
    "tt_dwarf": "tailtrace profile --call-graph dwarf",
    "tt_fp": "tailtrace profile --call-graph fp",
    "perf_dwarf": "perf record --call-graph dwarf",
    "perf_fp": "perf record -g",
    "bpftrace": "bpftrace profile:hz, @[ustack]",
}


def log(*a):
    print("profile.sh:", *a, file=sys.stderr, flush=True)


def command(v, hz, pid, out):
    if v == "tt_dwarf" or v == "tt_fp":
        return [TT, "profile", "--call-graph", v[3:], "-F", str(hz), "-p", str(pid),
                "--format", "json"]
    if v == "tt_before":
        return [TT_BEFORE, "profile", "--call-graph", "dwarf", "-F", str(hz), "-p", str(pid),
                "--format", "json"]
    if v == "perf_dwarf":
        return ["perf", "record", "-q", "-F", str(hz), "--call-graph", "dwarf", "-p",
                str(pid), "-o", out]
    if v == "perf_fp":
        return ["perf", "record", "-q", "-F", str(hz), "-g", "-p", str(pid), "-o", out]
    if v == "floor":
        return [FLOOR, str(hz)]
    if v == "lbt":
        return [LBT, "-F", str(hz), "-p", str(pid), "-f", "-d"]
    return ["bpftrace", "-e", "profile:hz:%d /pid == %d/ { @[ustack] = count(); }" % (hz, pid)]


def perf_fds(pid):
    """The perf event fds that process holds."""
    n = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:[perf_event]"
            except OSError:
                pass
    except OSError:
        pass
    return n


def ready(v, out_path, err_path, pid):
    """Whether the profiler said it samples (perf says nothing: its data file exists;
    libbpf-tools' profile -f neither: it holds an event on every CPU)."""
    if v.startswith("tt_") or v == "floor":
        with open(err_path) as f:
            return "Tracing" in f.read()
    if v == "lbt":
        return perf_fds(pid) >= os.cpu_count()
    if v.startswith("perf_"):
        return os.path.exists(out_path) and os.path.getsize(out_path) > 0
    with open(out_path) as f:
        return "Attaching" in f.read()


def bpf_stats(pid):
    """run_time_ns and run_cnt summed over the perf_event BPF programs that process holds
    (kernel.bpf_stats_enabled is on: profile.sh sets it)."""
    seen, t, c = set(), 0, 0
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            info = dict(l.split(":", 1) for l in open("/proc/%d/fdinfo/%s" % (pid, fd))
                        if ":" in l)
        except OSError:
            continue
        pid_ = info.get("prog_id", "").strip()
        if info.get("prog_type", "").strip() != "7" or not pid_ or pid_ in seen:
            continue
        seen.add(pid_)
        t += int(info.get("run_time_ns", "0"))
        c += int(info.get("run_cnt", "0"))
    return t, c


def wait_rusage(pid, timeout, nudge=False):
    """Waits for pid: its status and CPU seconds. nudge: SIGINT again every 5 s (bpftrace
    0.17 now and then misses the first, and would wait forever)."""
    end = time.monotonic() + timeout
    again = time.monotonic() + 5
    while True:
        wpid, status, ru = os.wait4(pid, os.WNOHANG)
        if wpid:
            return status, ru.ru_utime + ru.ru_stime
        if nudge and time.monotonic() > again:
            log("pid %d still runs 5 s after SIGINT: SIGINT again" % pid)
            os.kill(pid, signal.SIGINT)
            again = time.monotonic() + 5
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            raise RuntimeError("profiler %d did not end in %d s" % (pid, timeout))
        time.sleep(0.02)


def one_run(v, hz, n):
    """Runs the work under variant v: its wall and CPU time in ns, the profiler's CPU s, the
    run time and runs of its perf_event BPF programs over the work, and its data."""
    work = subprocess.Popen(["taskset", "-c", "1", LOOP, str(ROUNDS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        if work.stdout.readline().strip() != "ready":
            raise RuntimeError("the workload did not start")
        prof = None
        base = os.path.join(TMP, "%s-%d-%d" % (v, hz, n))
        out, err = base + ".out", base + ".err"
        data = base + ".data"
        if v != "none":
            with open(out, "w") as fo, open(err, "w") as fe:
                prof = subprocess.Popen(["taskset", "-c", "0"] + command(v, hz, work.pid, data),
                                        stdout=fo, stderr=fe)
            end = time.monotonic() + READY_S
            while not ready(v, data if v.startswith("perf_") else out, err, prof.pid):
                if prof.poll() is not None or time.monotonic() > end:
                    raise RuntimeError("%s did not start: %s" % (NAMES[v], open(err).read()))
                time.sleep(0.05)
            time.sleep(SETTLE_S)
        bpf0 = bpf_stats(prof.pid) if prof and not v.startswith("perf_") else None
        work.stdin.write("go\n")
        work.stdin.flush()
        m = re.match(r"elapsed_ns (\d+) cpu_ns (\d+)", work.stdout.readline())
        if not m:
            raise RuntimeError("the workload said no time")
        elapsed, work_cpu = int(m.group(1)), int(m.group(2))
        bpf = None
        if bpf0:
            bpf1 = bpf_stats(prof.pid)
            bpf = (bpf1[0] - bpf0[0], bpf1[1] - bpf0[1])
        cpu = None
        if prof:
            prof.send_signal(signal.SIGINT)
            status, cpu = wait_rusage(prof.pid, 120, nudge=v == "bpftrace")
            prof.returncode = 0
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) not in (0, 130):
                raise RuntimeError("%s exited %d: %s" % (NAMES[v], os.WEXITSTATUS(status),
                                                         open(err).read()[-2000:]))
    finally:
        work.stdin.close()
        work.wait()
    return elapsed, work_cpu, cpu, bpf, (out, data)


def tt_stacks(out):
    doc = json.load(open(out))
    for se in doc["series"]:
        if se["metric"] == "profile.cpu":
            frames = 0
            for st in se["stacks"]:
                user = [f for f in st["frames"] if f["kind"] != "kernel"]
                frames += st["count"] * len(user)
            us = se["user_stacks"]
            return us["samples"], us["complete"], frames
    raise RuntimeError("no profile.cpu in tailtrace's output")


def perf_stacks(data):
    """Samples, those whose outermost user frame is a thread's start, user frames; and the
    CPU time of perf script (its unwinding and symbols)."""
    with open(data + ".txt", "w") as fo:
        p = subprocess.Popen(["perf", "script", "-i", data, "-F", "comm,ip,sym"], stdout=fo,
                             stderr=subprocess.DEVNULL)
        status, cpu = wait_rusage(p.pid, 600)
    n = whole = frames = 0
    for block in open(data + ".txt").read().split("\n\n"):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines or not lines[0].startswith("nofp_loop"):
            continue
        syms = []
        for l in lines[1:]:
            parts = l.split(None, 1)
            if len(parts) < 2 or "[kernel.kallsyms]" in l:
                continue
            syms.append(parts[1].split("+")[0].split(" ")[0])
        n += 1
        frames += len(syms)
        if syms and syms[-1] in STARTS:
            whole += 1
    return n, whole, frames, cpu


def lbt_stacks(out):
    """libbpf-tools' profile -f -d: "comm;user frames, outermost first[;-;kernel frames] N"."""
    n = whole = frames = 0
    for line in open(out):
        m = re.match(r"(.*) (\d+)$", line.rstrip("\n"))
        if not m:
            continue
        c = int(m.group(2))
        parts = m.group(1).split(";")[1:]
        user = parts[:parts.index("-")] if "-" in parts else parts
        user = [f.split("+")[0] for f in user]
        n += c
        frames += c * len(user)
        if user and user[0] in STARTS:
            whole += c
    return n, whole, frames


def bpftrace_stacks(out):
    n = whole = frames = 0
    for m in re.finditer(r"@\[\n(.*?)\n?\]: (\d+)", open(out).read(), re.S):
        c = int(m.group(2))
        syms = [l.strip().split("+")[0] for l in m.group(1).split("\n") if l.strip()]
        n += c
        frames += c * len(syms)
        if syms and syms[-1] in STARTS:
            whole += c
    return n, whole, frames


def main():
    res = {(hz, v): [] for hz in RATES for v in VARIANTS}
    for r in range(RUNS):
        for hz in RATES:
            order = VARIANTS[r % len(VARIANTS):] + VARIANTS[:r % len(VARIANTS)]
            for v in order:
                elapsed, work_cpu, cpu, bpf, (out, data) = one_run(v, hz, r)
                row = {"elapsed": elapsed, "work_cpu": work_cpu, "cpu": cpu, "bpf": bpf}
                if v.startswith("tt_"):
                    row["n"], row["whole"], row["frames"] = tt_stacks(out)
                elif v.startswith("perf_"):
                    row["n"], row["whole"], row["frames"], row["script_cpu"] = \
                        perf_stacks(data)
                    os.unlink(data)
                    os.unlink(data + ".txt")
                elif v == "bpftrace":
                    row["n"], row["whole"], row["frames"] = bpftrace_stacks(out)
                elif v == "lbt":
                    row["n"], row["whole"], row["frames"] = lbt_stacks(out)
                res[(hz, v)].append(row)
                log("round %d/%d, %d Hz, %-10s %7.1f ms, CPU %7.1f ms%s" % (
                    r + 1, RUNS, hz, v, elapsed / 1e6, work_cpu / 1e6,
                    ", %d samples, %d whole" % (row["n"], row["whole"]) if "n" in row else ""))
    report(res)


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def quartiles(xs):
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
    return q[0], q[2]


def paired(xs, base):
    """Each round's ratio of a variant's work to the base's in the same round, in %: rounds
    are 20-40 s apart and the machine's speed drifts between them (other jobs on the other
    hyperthread, the host), much less within one."""
    return [pct(x - b, b) for x, b in zip(xs, base)]


def boot_median(ds, rng, times=2000):
    """A 90% bootstrap interval of the median of ds: where it could be with other draws of
    the same noise."""
    m = sorted(statistics.median(rng.choice(ds) for _ in ds) for _ in range(times))
    return m[int(0.05 * times)], m[int(0.95 * times) - 1]


def report(res):
    e = os.environ
    rng = random.Random(12)
    key = METRIC
    print("## profile collector\n")
    print("Measured by `tests/bench/profile.sh` (`make bench BENCH=profile` runs it alone) on "
          "%s UTC, Linux %s, %s x %s, %s; %d runs of each variant, interleaved in a rotating "
          "order; medians.\n" % (e["M_DATE"], e["M_KERNEL"], e["M_NPROC"], e["M_CPU"],
                                 e["M_TAILTRACE"], RUNS))
    print("The work: `nofp_loop %d` (tests/bench/nofp_loop.c), main -> a -> b -> qsort "
          "(Debian's libc) -> cmp -> c, built -O2 -fomit-frame-pointer, pinned to CPU 1; a "
          "profiler pinned to CPU 0 samples that process. *Work*: %s, median of the runs, "
          "and the middle half of the runs (IQR). *Overhead*: the work's median against no "
          "profiler: the median over rounds of each round's ratio to the no-profiler run of the "
          "same round (the machine's speed drifts between rounds more than within one), with "
          "a 90%% bootstrap interval of that median (an interval that holds 0 is noise). "
          "*Above floor*: the same, against the floor, an empty BPF program on a "
          "cpu-clock event at the same rate on every CPU (tests/bench/empty_perf.c): what the "
          "sampling interrupt itself costs every profiler, perf's included. *Whole*: the share "
          "of samples whose outermost user frame is the thread's start (`_start`, "
          "`start_thread`, `clone3`; tailtrace: its own `user_stacks`, which also counts the "
          "unwinder's word). *Frames*: user frames per sample. *BPF us/sample*: the run time "
          "of the profiler's perf_event programs over the work (`kernel.bpf_stats_enabled=1` "
          "during the whole benchmark; it adds two clock reads to every run of every BPF "
          "variant), on both CPUs, divided by the work's samples, and in brackets what that is of a CPU at this rate (a "
          "lower bound of the overhead, which also pays the interrupt and the caches); for "
          "the floor, per run. "
          "*Profiler CPU*: user + sys of the profiler's process over the run, its unwinding "
          "and symbols included; perf unwinds and symbolizes in `perf script`, shown apart.\n"
          % (ROUNDS, METRIC_TEXT))
    for hz in RATES:
        none = [r[key] for r in res[(hz, "none")]]
        print("### %d Hz\n" % hz)
        print("| profiler | work (ms) | IQR (ms) | overhead [90% interval] | above floor | "
              "whole stacks | frames | samples | BPF us/sample | profiler CPU (s) | "
              "perf script CPU (s) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for v in VARIANTS:
            rows = res[(hz, v)]
            xs = [r[key] for r in rows]
            t = statistics.median(xs)
            lo, hi = quartiles(xs)
            line = "| %s | %.1f | %.1f-%.1f |" % (NAMES[v], t / 1e6, lo / 1e6, hi / 1e6)
            if v == "none":
                print(line + " - | - | - | - | - | - | - | - |")
                continue
            ds = paired(xs, none)
            blo, bhi = boot_median(ds, rng)
            line += " %+.2f%% [%+.2f, %+.2f] |" % (statistics.median(ds), blo, bhi)
            line += " - |" if v == "floor" else " %+.2f%% |" % statistics.median(
                paired(xs, [r[key] for r in res[(hz, "floor")]]))
            bt = sum(r["bpf"][0] for r in rows if r["bpf"])
            bc = sum(r["bpf"][1] for r in rows if r["bpf"])
            if v == "floor":
                print(line + " - | - | - | %.2f per run | %.3f | - |" % (
                    bt / bc / 1e3 if bc else 0.0, med(rows, "cpu")))
                continue
            n = sum(r["n"] for r in rows)
            line += " %.1f%% | %.1f | %d | %s | %.3f | %s |" % (
                pct(sum(r["whole"] for r in rows), n),
                sum(r["frames"] for r in rows) / n if n else 0.0, n // len(rows),
                "%.2f (%.2f%%)" % (bt / n / 1e3, bt / n * hz / 1e7) if bc and n else "-",
                med(rows, "cpu"),
                "%.3f" % med(rows, "script_cpu") if v.startswith("perf_") else "-")
            print(line)
        print()
        d, p = res[(hz, "tt_dwarf")], res[(hz, "perf_dwarf")]
        dw = pct(sum(r["whole"] for r in d), sum(r["n"] for r in d))
        pw = pct(sum(r["whole"] for r in p), sum(r["n"] for r in p))
        dd = paired([r[key] for r in d], none)
        pd = paired([r[key] for r in p], none)
        do, po = statistics.median(dd), statistics.median(pd)
        fo = statistics.median(paired([r[key] for r in res[(hz, "floor")]], none))
        met = dw >= pw and do < po / 2
        dlo, dhi = boot_median(dd, random.Random(hz))
        plo, phi = boot_median(pd, random.Random(hz + 1))
        # perf dwarf's overhead must stand out of the noise for "half of it" to mean anything
        verdict = ("not decided: perf dwarf's own overhead is not told apart from this "
                   "machine's noise (its interval holds 0)" if plo <= 0 else
                   "met" if met else "missed")
        ds = [r["bpf"][0] for r in d if r["bpf"]]
        print("Goal at %d Hz (whole stacks at least as often as `perf --call-graph dwarf`, "
              "at less than half its overhead): **%s** (%.1f%% whole against %.1f%%; "
              "overhead %+.2f%% [%+.2f, %+.2f] against %+.2f%% [%+.2f, %+.2f], half of it "
              "%+.2f%%). The floor alone costs %+.2f%%%s. What tailtrace's sampling program "
              "itself takes is measured directly, and far more precisely: %.2f us a sample, "
              "%.2f%% of the work's CPU at this rate.\n" % (
                  hz, verdict, dw, pw, do, dlo, dhi, po, plo, phi, po / 2, fo,
                  ", more than half of perf dwarf's overhead: on this machine no BPF profiler on "
                  "a cpu-clock event could meet the goal at this rate" if fo > po / 2 else
                  ", less than half of perf dwarf's overhead",
                  sum(ds) / max(1, sum(r["n"] for r in d)) / 1e3,
                  sum(ds) / max(1, sum(r["n"] for r in d)) * hz / 1e7))
    print("Runs (the work's CPU ms / wall ms, each variant in order of rounds):\n")
    for hz in RATES:
        for v in VARIANTS:
            print("- %d Hz, %s: %s" % (hz, NAMES[v], ", ".join(
                "%.1f/%.1f" % (r["work_cpu"] / 1e6, r["elapsed"] / 1e6)
                for r in res[(hz, v)])))
    print("\n" + LBT_NOTE.rstrip(" .") + ". bpftrace symbolizes at its end, while the work "
          "still lives.\n")


main()
