"""BPF programs as the benchmarks see them: which a process holds, their statistics, and what
else is loaded. Imported by the Python helpers of sched.sh and net.sh."""
import json, os, re, subprocess


def prog_ids(pid):
    """Program ids held by pid's file descriptors (programs, and links to them)."""
    ids = set()
    d = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(d):
        try:
            with open(os.path.join(d, fd)) as f:
                m = re.search(r"^prog_id:\s*(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m[1]))
    return ids


def bpftool_progs():
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout or "[]")


def stats(pid, prefix=""):
    """The statistics of the programs pid holds (whose names start with prefix), now: a list
    of {id, name, run_cnt, run_time_ns}. OSError when pid is gone."""
    ids = prog_ids(pid)
    return [{"id": g["id"], "name": g.get("name", "?"), "run_cnt": g.get("run_cnt", 0),
             "run_time_ns": g.get("run_time_ns", 0)}
            for g in bpftool_progs()
            if g.get("id") in ids and g.get("name", "").startswith(prefix)]


def others():
    """The BPF programs loaded now, before a benchmark loads any: 'N (name, ...; held by
    comm, ...)'. They run in every variant, the untraced one too."""
    gs = bpftool_progs()
    names = sorted(set(g.get("name", "?") for g in gs))
    holders = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if prog_ids(int(pid)):
                with open("/proc/%s/comm" % pid) as f:
                    holders.add(f.read().strip())
        except OSError:
            continue
    return "%d%s" % (len(gs), " (%s%s)" % (", ".join("`%s`" % x for x in names),
                                           "; held by " + ", ".join(sorted(holders))
                                           if holders else "") if gs else "")
