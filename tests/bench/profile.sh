#!/usr/bin/env bash
# Overhead benchmark of `tailtrace profile` (issue 12). run.sh (`make bench`) runs it and puts
# its section into RESULTS.md; `make bench BENCH=profile` runs it alone and replaces that
# section; or by hand, as root:
#   TAILTRACE=/abs/build/tailtrace BENCH_BUILD=/abs/build/bench tests/bench/profile.sh >s.md
# The workload (bench/nofp_loop: main -> a -> b -> qsort -> cmp -> c, built -O2
# -fomit-frame-pointer, over Debian's libc without frame pointers) does a fixed amount of work
# pinned to CPU 1 and times itself. Each profiler, pinned to CPU 0, samples that process (-p,
# or bpftrace's /pid == PID/) at 49 and 999 Hz: tailtrace profile --call-graph dwarf and fp,
# perf record -g and --call-graph dwarf, bpftrace's profile:hz with @[ustack] = count(). A
# profiler is started, the work begins once it is ready and a second more has passed, and it
# gets SIGINT when the work is done, while the process still lives (for symbols). Variants
# are interleaved run by run in a rotating order; medians. Per variant: the work's time
# (overhead against none), the share of samples whose user stack reaches the thread's start
# (_start, start_thread, clone3), user frames per sample, and the profiler's own CPU time
# (user + sys of its process; for perf also `perf script`, which unwinds and symbolizes).
# Prints progress on stderr and a Markdown section ("## profile collector") on stdout.
# Knobs (environment): BENCH_PROFILE_RUNS (5), BENCH_PROFILE_ROUNDS (12000: about 3 s of
# work), BENCH_PROFILE_RATES ("49 999").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# die, log, show_cmd, machine_facts
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

TT=${TAILTRACE:-$HERE/../../build/tailtrace}
BB=${BENCH_BUILD:-$HERE/../../build/bench}
export BENCH_PROFILE_RUNS=${BENCH_PROFILE_RUNS:-5}
export BENCH_PROFILE_ROUNDS=${BENCH_PROFILE_ROUNDS:-12000}
export BENCH_PROFILE_RATES=${BENCH_PROFILE_RATES:-49 999}

[[ $(id -u) -eq 0 ]] || die "needs root (it loads BPF programs): run 'sudo make bench'"
[[ -x $TT ]] || die "$TT is missing: build it first ('make bench' builds everything)"
[[ -x $BB/nofp_loop ]] || die "$BB/nofp_loop is missing: build it first ('make bench' does)"
for t in perf bpftrace python3 taskset; do
	command -v "$t" >/dev/null || die "$t is not installed: the benchmark needs it"
done
[[ $BENCH_PROFILE_RUNS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_PROFILE_RUNS must be a positive number, not '$BENCH_PROFILE_RUNS'"
[[ $BENCH_PROFILE_ROUNDS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_PROFILE_ROUNDS must be a positive number, not '$BENCH_PROFILE_ROUNDS'"
[[ $BENCH_PROFILE_RATES =~ ^[1-9][0-9]*( [1-9][0-9]*)*$ ]] ||
	die "BENCH_PROFILE_RATES must be rates in Hz separated by spaces, not '$BENCH_PROFILE_RATES'"
[[ $(nproc) -ge 2 ]] || die "needs at least 2 CPUs: the work is pinned to CPU 1, profilers to 0"

TMP=$(mktemp -d /tmp/tailtrace-profile-bench.XXXXXX)
cleanup() {
	local rc=$?
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

machine_facts "$TT"
export BENCH_TT=$TT BENCH_LOOP=$BB/nofp_loop BENCH_TMP=$TMP
python3 "$HERE/profile_bench.py"
