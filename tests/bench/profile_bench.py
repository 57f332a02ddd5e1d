"""The profile benchmark's runs and report (tests/bench/profile.sh sets its environment)."""
import json, os, re, signal, statistics, subprocess, sys, time

TT = os.environ["BENCH_TT"]
LOOP = os.environ["BENCH_LOOP"]
TMP = os.environ["BENCH_TMP"]
RUNS = int(os.environ["BENCH_PROFILE_RUNS"])
ROUNDS = int(os.environ["BENCH_PROFILE_ROUNDS"])
RATES = [int(r) for r in os.environ["BENCH_PROFILE_RATES"].split()]
READY_S = 30      # how long a profiler may take to say it samples
SETTLE_S = 1.0    # then this long before the work starts
STARTS = {"_start", "start_thread", "clone3", "__clone3", "clone", "__clone"}

VARIANTS = ["none", "tt_dwarf", "tt_fp", "perf_dwarf", "perf_fp", "bpftrace"]
NAMES = {
    "none": "no profiler",
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
    if v == "perf_dwarf":
        return ["perf", "record", "-q", "-F", str(hz), "--call-graph", "dwarf", "-p",
                str(pid), "-o", out]
    if v == "perf_fp":
        return ["perf", "record", "-q", "-F", str(hz), "-g", "-p", str(pid), "-o", out]
    return ["bpftrace", "-e", "profile:hz:%d /pid == %d/ { @[ustack] = count(); }" % (hz, pid)]


def ready(v, out_path, err_path):
    """Whether the profiler said it samples (perf says nothing: its data file exists)."""
    if v.startswith("tt_"):
        with open(err_path) as f:
            return "Tracing " in f.read()
    if v.startswith("perf_"):
        return os.path.exists(out_path) and os.path.getsize(out_path) > 0
    with open(out_path) as f:
        return "Attaching" in f.read()


def wait_rusage(pid, timeout):
    end = time.monotonic() + timeout
    while True:
        wpid, status, ru = os.wait4(pid, os.WNOHANG)
        if wpid:
            return status, ru.ru_utime + ru.ru_stime
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            raise RuntimeError("profiler %d did not end in %d s" % (pid, timeout))
        time.sleep(0.02)


def one_run(v, hz, n):
    """Runs the work under variant v: its time in ns, the profiler's CPU s and its data."""
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
            while not ready(v, data if v.startswith("perf_") else out, err):
                if prof.poll() is not None or time.monotonic() > end:
                    raise RuntimeError("%s did not start: %s" % (NAMES[v], open(err).read()))
                time.sleep(0.05)
            time.sleep(SETTLE_S)
        work.stdin.write("go\n")
        work.stdin.flush()
        m = re.match(r"elapsed_ns (\d+) cpu_ns (\d+)", work.stdout.readline())
        if not m:
            raise RuntimeError("the workload said no time")
        elapsed = int(m.group(1))
        cpu = None
        if prof:
            prof.send_signal(signal.SIGINT)
            status, cpu = wait_rusage(prof.pid, 120)
            prof.returncode = 0
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) not in (0, 130):
                raise RuntimeError("%s exited %d: %s" % (NAMES[v], os.WEXITSTATUS(status),
                                                         open(err).read()[-2000:]))
    finally:
        work.stdin.close()
        work.wait()
    return elapsed, cpu, (out, data)


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
                elapsed, cpu, (out, data) = one_run(v, hz, r)
                row = {"elapsed": elapsed, "cpu": cpu}
                if v.startswith("tt_"):
                    row["n"], row["whole"], row["frames"] = tt_stacks(out)
                elif v.startswith("perf_"):
                    row["n"], row["whole"], row["frames"], row["script_cpu"] = \
                        perf_stacks(data)
                    os.unlink(data)
                    os.unlink(data + ".txt")
                elif v == "bpftrace":
                    row["n"], row["whole"], row["frames"] = bpftrace_stacks(out)
                res[(hz, v)].append(row)
                log("round %d/%d, %d Hz, %-10s %7.1f ms%s" % (
                    r + 1, RUNS, hz, v, elapsed / 1e6,
                    ", %d samples, %d whole" % (row["n"], row["whole"]) if "n" in row else ""))
    report(res)


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def report(res):
    e = os.environ
    print("## profile collector\n")
    print("Measured by `tests/bench/profile.sh` (`make bench BENCH=profile` runs it alone) on "
          "%s UTC, Linux %s, %s x %s, %s; %d runs of each variant, interleaved; medians.\n" % (
              e["M_DATE"], e["M_KERNEL"], e["M_NPROC"], e["M_CPU"], e["M_TAILTRACE"], RUNS))
    print("The work: `nofp_loop %d` (tests/bench/nofp_loop.c), main -> a -> b -> qsort "
          "(Debian's libc) -> cmp -> c, built -O2 -fomit-frame-pointer, pinned to CPU 1; a "
          "profiler pinned to CPU 0 samples that process. *Overhead*: the work's time against "
          "no profiler (medians). *Whole*: the share of samples whose outermost user frame is "
          "the thread's start (`_start`, `start_thread`, `clone3`; tailtrace: its own "
          "`user_stacks`, which also counts the unwinder's word). *Frames*: user frames per "
          "sample. *Profiler CPU*: user + sys of the profiler's process over the run, its "
          "unwinding and symbols included; perf unwinds and symbolizes in `perf script`, "
          "shown apart.\n" % ROUNDS)
    for hz in RATES:
        none = med(res[(hz, "none")], "elapsed")
        print("### %d Hz\n" % hz)
        print("| profiler | work (ms) | overhead | whole stacks | frames | samples | "
              "profiler CPU (s) | perf script CPU (s) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for v in VARIANTS:
            rows = res[(hz, v)]
            t = med(rows, "elapsed")
            line = "| %s | %.1f | %s |" % (NAMES[v], t / 1e6,
                                          "-" if v == "none" else "%+.2f%%" % pct(t - none, none))
            if v == "none":
                line += " - | - | - | - | - |"
            else:
                n = sum(r["n"] for r in rows)
                line += " %.1f%% | %.1f | %d | %.3f | %s |" % (
                    pct(sum(r["whole"] for r in rows), n),
                    sum(r["frames"] for r in rows) / n if n else 0.0, n // len(rows),
                    med(rows, "cpu"),
                    "%.3f" % med(rows, "script_cpu") if v.startswith("perf_") else "-")
            print(line)
        print()
        d, p = res[(hz, "tt_dwarf")], res[(hz, "perf_dwarf")]
        dw = pct(sum(r["whole"] for r in d), sum(r["n"] for r in d))
        pw = pct(sum(r["whole"] for r in p), sum(r["n"] for r in p))
        do = med(d, "elapsed") - none
        po = med(p, "elapsed") - none
        met = dw >= pw and do < po / 2
        print("Goal at %d Hz (whole stacks at least as often as `perf --call-graph dwarf`, "
              "at less than half its overhead): **%s** (%.1f%% whole against %.1f%%; "
              "overhead %+.2f%% against %+.2f%%).\n" % (
                  hz, "met" if met else "missed", dw, pw, pct(do, none), pct(po, none)))
    print("Runs (work in ms, each variant in order of rounds):\n")
    for hz in RATES:
        for v in VARIANTS:
            print("- %d Hz, %s: %s" % (hz, NAMES[v], ", ".join(
                "%.1f" % (r["elapsed"] / 1e6) for r in res[(hz, v)])))
    print("\nlibbpf-tools' `profile` is not measured: Debian's archive has no package of "
          "libbpf-tools (bpfcc-tools ships bcc's Python tools only), its source tarballs "
          "are not reachable from this machine (404), and nothing else may be fetched. "
          "bpftrace symbolizes at its end, while the work still lives.\n")


main()
