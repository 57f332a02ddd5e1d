#!/usr/bin/env bash
# What the Python walk costs a traced program (issue 12): Debian's python3.11 doing a fixed
# amount of pure-Python work (python_walk.py) pinned to CPU 1, untraced, then sampled by
# `tailtrace profile -F 999 -p PID` pinned to CPU 0 with --no-python (native frames: the
# stack copy and unwinding) and without it (the walk of the frame chain in the kernel and the
# naming of code objects in userspace too). Variants interleaved run by run; medians of the
# work's time. As root:  TAILTRACE=/abs/build/tailtrace tests/bench/python_walk.sh
# Knobs (environment): RUNS (7), ROUNDS (600: about 2 s of work), HZ (999).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TT=${TAILTRACE:-$HERE/../../build/tailtrace}
PY=/usr/bin/python3.11
RUNS=${RUNS:-7}
ROUNDS=${ROUNDS:-600}
HZ=${HZ:-999}

[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (it loads BPF programs)" >&2; exit 1; }
[[ -x $TT && -x $PY ]] || { echo "$0: needs $TT and $PY" >&2; exit 1; }

declare -A times
run() {
	local variant=$1 pid t
	exec 3< <(taskset -c 1 "$PY" "$HERE/python_walk.py" "$ROUNDS")
	pid=$!
	case $variant in
	none) ;;
	native) taskset -c 0 "$TT" profile -F "$HZ" -p "$pid" --no-python -d 60s \
			--format json >/dev/null 2>&1 & ;;
	python) taskset -c 0 "$TT" profile -F "$HZ" -p "$pid" -d 60s --format json \
			>/dev/null 2>&1 & ;;
	esac
	read -r t <&3
	exec 3<&-
	wait
	times[$variant]+="$t "
	echo "run $variant: $t s" >&2
}

for ((r = 0; r < RUNS; r++)); do
	for v in none native python; do
		run "$v"
	done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
n=$(echo "${times[none]}" | median)
a=$(echo "${times[native]}" | median)
p=$(echo "${times[python]}" | median)
echo "python3.11, $ROUNDS rounds, profile -F $HZ, medians of $RUNS runs (s):"
echo "  untraced              $n"
echo "  profile --no-python   $a  ($(awk -v a="$a" -v n="$n" 'BEGIN { printf "%.3f", a / n }') x untraced)"
echo "  profile (Python walk) $p  ($(awk -v a="$p" -v n="$n" 'BEGIN { printf "%.3f", a / n }') x untraced, $(awk -v a="$p" -v n="$a" 'BEGIN { printf "%.3f", a / n }') x --no-python)"
