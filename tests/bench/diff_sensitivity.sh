#!/usr/bin/env bash
# What `tailtrace diff` tells apart (issue 10, "Measure"), run as root by `make bench-diff`:
#   TAILTRACE=/abs/build/tailtrace TARGETS=/abs/build/targets tests/bench/diff_sensitivity.sh
# 1. False alarms: PAIRS pairs of identical runs (delay 200 us x 2000 calls), how many exit 3,
#    with the target SCHED_FIFO (as the tests run it) and without (the machine's load then
#    preempts calls), under the default thresholds and under 5% for every quantile.
# 2. The smallest shift detected, of p50 (every call slower) and of p99 (only the slowest 2%
#    slower: delay --bimodal at 4x the delay, far above the other calls' own tail), at 1,000
#    calls a run (200 us) and at 100,000 (20 us, so that a run takes 2 s): shifts of the
#    delay tried from small to large, REPEATS new runs each against one base run; the first
#    shift that every repeat flags, at that quantile, exit 3. Under the default thresholds and
#    with --threshold 0% (only noise stands in the way).
# Knobs: BENCH_DIFF_PAIRS (20), BENCH_DIFF_REPEATS (3), BENCH_DIFF_SHIFTS (percents),
# BENCH_DIFF_FALSE (1; 0 leaves out part 1), BENCH_DIFF_CONFIGS ("STAT CALLS US;..."),
# BENCH_DIFF_RESULTS (file).
# Markdown on stdout (progress on stderr); tests/bench/DIFF.md gets a copy.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

: "${TAILTRACE:?set TAILTRACE to the tailtrace binary (make bench-diff does)}"
: "${TARGETS:?set TARGETS to the directory of the test targets (make bench-diff does)}"
PAIRS=${BENCH_DIFF_PAIRS:-20}
REPEATS=${BENCH_DIFF_REPEATS:-3}
SHIFTS=${BENCH_DIFF_SHIFTS:-"1 2 3 4 5 6 8 10 12 15 20 25 30 40"}
FALSE=${BENCH_DIFF_FALSE:-1}
CONFIGS=${BENCH_DIFF_CONFIGS:-"p50 1000 200;p99 1000 200;p50 100000 20;p99 100000 20"}
RESULTS=${BENCH_DIFF_RESULTS:-$HERE/DIFF.md}

[[ $(id -u) -eq 0 ]] || die "needs root (it loads BPF programs): run 'sudo make bench-diff'"
WORK=$(mktemp -d /tmp/tt-bench-diff.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# a copy, and of the target: minutes of runs must not meet a rebuild half-way
cp "$TAILTRACE" "$WORK/tailtrace"
cp "$TARGETS/delay" "$TARGETS/libttdemo.so" "$WORK/"
TAILTRACE=$WORK/tailtrace
TARGETS=$WORK

# run FILE ARGS...: func work over delay ARGS, saved to FILE; tailtrace on CPU 0, delay on
# the last CPU (as the diff tests do: tailtrace's wake-ups on the target's CPU widen the tail).
CPU=$(($(nproc) - 1))
run() {
	local f=$1
	shift
	taskset -c 0 "$TAILTRACE" func work -o "$f" -- "$TARGETS/delay" "$@" --cpu "$CPU" \
		>/dev/null 2>&1 ||
		die "tailtrace func work -- delay $* failed"
}

# verdict BASE NEW STAT [diff options]: the verdict of work's STAT, and diff's exit status.
verdict() {
	local base=$1 new=$2 stat=$3 out st=0
	shift 3
	out=$("$TAILTRACE" diff "$base" "$new" --format json "$@" 2>/dev/null) || st=$?
	printf '%s %s\n' "$(printf '%s' "$out" | python3 -c '
import json, sys
stat = sys.argv[1]
for r in json.load(sys.stdin)["rows"]:
    if r["labels"].get("func") == "work" and r["stat"] == stat:
        print(r["verdict"]); break
else:
    print("none")' "$stat")" "$st"
}

false_alarms() {	# false_alarms FIFO(--fifo or "") -> "defaults 5%-everywhere"
	local fifo=$1 d=0 f=0 i
	for ((i = 0; i < PAIRS; i++)); do
		run "$WORK/a.json" 200 2000 $fifo
		run "$WORK/b.json" 200 2000 $fifo
		"$TAILTRACE" diff "$WORK/a.json" "$WORK/b.json" >/dev/null 2>&1 || [ $? -ne 3 ] || d=$((d + 1))
		"$TAILTRACE" diff "$WORK/a.json" "$WORK/b.json" --threshold 5% >/dev/null 2>&1 ||
			[ $? -ne 3 ] || f=$((f + 1))
	done
	echo "$d $f"
}

# smallest STAT CALLS US THRESHOLD: the smallest shift in SHIFTS that REPEATS of REPEATS new
# runs flag as regressed at STAT, or "> last".
smallest() {
	local stat=$1 calls=$2 us=$3 thr=$4 s k hits v slow base_args
	if [ "$stat" = p99 ]; then
		slow=$(python3 -c "print($us * 4)")
		base_args=(--bimodal "$slow")
	else
		base_args=()
	fi
	run "$WORK/base.json" "$us" "$calls" "${base_args[@]}" --fifo
	for s in $SHIFTS; do
		hits=0
		for ((k = 0; k < REPEATS; k++)); do
			if [ "$stat" = p99 ]; then
				run "$WORK/new.json" "$us" "$calls" --bimodal \
					"$(python3 -c "print($slow * (1 + $s / 100))")" --fifo
			else
				run "$WORK/new.json" "$(python3 -c "print($us * (1 + $s / 100))")" \
					"$calls" --fifo
			fi
			read -r v st < <(verdict "$WORK/base.json" "$WORK/new.json" "$stat" $thr)
			[ "$v" = regressed ] && [ "$st" = 3 ] && hits=$((hits + 1))
		done
		log "  $stat, $calls calls, ${thr:-defaults}: +$s%: $hits of $REPEATS"
		if [ "$hits" = "$REPEATS" ]; then
			echo "+$s%"
			return
		fi
	done
	echo "not up to +${SHIFTS##* }%"
}

machine_facts "$TAILTRACE"
{
	echo "## diff: false alarms and the smallest shift detected"
	echo
	echo "$M_DATE UTC, Linux $M_KERNEL, $M_NPROC x $M_CPU, $M_TAILTRACE;"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	if [ "$FALSE" = 1 ]; then
		log "false alarms, SCHED_FIFO"
		read -r fd ff < <(false_alarms --fifo)
		log "false alarms, SCHED_OTHER"
		read -r od of < <(false_alarms "")
		echo "| $PAIRS pairs of identical runs (200 us x 2000 calls) | default thresholds | 5% for every quantile |"
		echo "|---|--:|--:|"
		echo "| target SCHED_FIFO | $fd | $ff |"
		echo "| target SCHED_OTHER (preempted by the machine's load) | $od | $of |"
		echo
	fi
	echo "Smallest shift flagged in $REPEATS of $REPEATS new runs against one base run (shifts tried: $SHIFTS %):"
	echo
	echo "| shift of | calls a run | delay | default thresholds | --threshold 0% |"
	echo "|---|--:|--:|--:|--:|"
	IFS=';' read -r -a cfgs <<<"$CONFIGS"
	for cfg in "${cfgs[@]}"; do
		read -r stat calls us <<<"$cfg"
		log "smallest $stat at $calls calls"
		a=$(smallest "$stat" "$calls" "$us" "")
		b=$(smallest "$stat" "$calls" "$us" "--threshold 0%")
		echo "| $stat | $calls | $us us | $a | $b |"
	done
	echo
	echo "p99 shifts move only the slowest 2% of calls (delay --bimodal, at 4x the delay); p50"
	echo "shifts move every call. A shift is of the delay: the time measured adds the probe's"
	echo "own 2-3 us, so at 20 us the measured change is about 0.9x the shift. The target runs"
	echo "SCHED_FIFO. Made by \`make bench-diff\` (tests/bench/diff_sensitivity.sh)."
} | tee "$RESULTS"
