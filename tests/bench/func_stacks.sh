#!/usr/bin/env bash
# Cost per call of `tailtrace func --stacks` (issue 12 item 5), by hand, as root:
#   TAILTRACE=/abs/build/tailtrace BENCH_BUILD=/abs/build/bench tests/bench/func_stacks.sh
# bench/caller calls bench_push (first instruction push %r12) N times pinned to CPU 1 and
# prints the ns per call. Variants, interleaved run by run, medians of BENCH_STACKS_RUNS:
# nothing attached; func timing only; --slower-than 1s with and without --stacks (no call
# is slow: what --stacks costs a fast call); --slower-than 1ns with and without --stacks
# (every call is slow and streamed: what a slow call's stack costs; the 4 MiB ring fills,
# so most copies are taken and then dropped: the copy's cost is counted, not the unwind).
# Prints a Markdown table on stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"
TT=${TAILTRACE:-$HERE/../../build/tailtrace}
BB=${BENCH_BUILD:-$HERE/../../build/bench}
RUNS=${BENCH_STACKS_RUNS:-5}
N=${BENCH_STACKS_CALLS:-200000}
C=$BB/caller
[[ -x $C && -x $TT ]] || die "build first: make build/tailtrace build/bench/caller"

variants=(none timing fast fast_stacks slow slow_stacks)
run() {
	local tt=("$TT" func --format json "$C:bench_push")
	case $1 in
	none) taskset -c 1 "$C" push "$N" ;;
	timing) taskset -c 1 "${tt[@]}" -- "$C" push "$N" ;;
	fast) taskset -c 1 "${tt[@]}" --slower-than 1s -- "$C" push "$N" ;;
	fast_stacks) taskset -c 1 "${tt[@]}" --slower-than 1s --stacks -- "$C" push "$N" ;;
	slow) taskset -c 1 "${tt[@]}" --slower-than 1ns -- "$C" push "$N" ;;
	slow_stacks) taskset -c 1 "${tt[@]}" --slower-than 1ns --stacks -- "$C" push "$N" ;;
	esac 2>/dev/null | grep -m1 -E '^[0-9]+(\.[0-9]+)?$'
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for ((i = 0; i < RUNS; i++)); do
	for v in "${variants[@]}"; do
		run "$v" >>"$TMP/$v" || die "$v failed"
	done
	log "run $((i + 1))/$RUNS done"
done
med() { sort -n "$TMP/$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| variant (bench_push, $N calls, medians of $RUNS) | ns per call |"
echo "|---|---|"
for v in "${variants[@]}"; do
	echo "| $v | $(med "$v") |"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
