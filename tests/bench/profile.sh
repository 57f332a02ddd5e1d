#!/usr/bin/env bash
# Overhead benchmark of `tailtrace profile` (issue 12). run.sh (`make bench`) runs it and puts
# its section into RESULTS.md; `make bench BENCH=profile` runs it alone and replaces that
# section; or by hand, as root:
#   TAILTRACE=/abs/build/tailtrace BENCH_BUILD=/abs/build/bench tests/bench/profile.sh >s.md
# The workload (bench/nofp_loop: main -> a -> b -> qsort -> cmp -> c, built -O2
# -fomit-frame-pointer, over Debian's libc without frame pointers) does a fixed amount of work
# pinned to CPU 1 and times itself. Each profiler, pinned to CPU 0, samples that process (-p,
# or bpftrace's /pid == PID/) at 49 and 999 Hz: tailtrace profile --call-graph dwarf and fp,
# perf record -g and --call-graph dwarf, bpftrace's profile:hz with @[ustack] = count(),
# libbpf-tools' profile -f (built here, see below), and the floor: bench/empty_perf, an empty
# BPF program on a cpu-clock event per CPU. A profiler is started, the work begins once it is
# ready and a second more has passed, and it gets SIGINT when the work is done, while the
# process still lives (for symbols). Variants are interleaved run by run in a rotating order;
# medians, the middle half of the runs and a bootstrap interval of each overhead. Per variant:
# the work's CPU time (overhead against none and against the floor), the share of samples
# whose user stack reaches the thread's start (_start, start_thread, clone3), user frames per
# sample, the BPF programs' run time per sample (kernel.bpf_stats_enabled=1 during the run,
# restored at exit), and the profiler's own CPU time (user + sys of its process; for perf
# also `perf script`, which unwinds and symbolizes).
# libbpf-tools' profile is built in the temporary directory, never kept: its source comes from
# `apt-get source bpfcc` with a deb-src entry derived from the machine's own Debian entry (apt
# run on private lists in the temporary directory: the machine's sources stay as they are),
# or, when that fails, from BENCH_LIBBPF_TOOLS_SRC (a directory holding bcc's libbpf-tools/
# files; BENCH_LIBBPF_TOOLS_REV says which version, for the report). Only profile.bpf.c,
# profile.c and the helpers they need, against the system's libbpf, bpftool, clang and the
# project's vmlinux.h, -O2; when that is impossible the section says why, in the words of
# apt or the compiler.
# Prints progress on stderr and a Markdown section ("## profile collector") on stdout.
# Knobs (environment): BENCH_PROFILE_RUNS (9), BENCH_PROFILE_ROUNDS (12000: about 2 s of
# work), BENCH_PROFILE_RATES ("49 999"), BENCH_LIBBPF_TOOLS_SRC, BENCH_LIBBPF_TOOLS_REV,
# BENCH_TT_BEFORE (another tailtrace, an earlier build, measured in dwarf mode beside this one).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# die, log, show_cmd, machine_facts
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

TT=${TAILTRACE:-$HERE/../../build/tailtrace}
BB=${BENCH_BUILD:-$HERE/../../build/bench}
export BENCH_PROFILE_RUNS=${BENCH_PROFILE_RUNS:-9}
export BENCH_PROFILE_ROUNDS=${BENCH_PROFILE_ROUNDS:-12000}
export BENCH_PROFILE_RATES=${BENCH_PROFILE_RATES:-49 999}

[[ $(id -u) -eq 0 ]] || die "needs root (it loads BPF programs): run 'sudo make bench'"
[[ -x $TT ]] || die "$TT is missing: build it first ('make bench' builds everything)"
for b in nofp_loop empty_perf; do
	[[ -x $BB/$b ]] || die "$BB/$b is missing: build it first ('make bench' does)"
done
for t in perf bpftrace python3 taskset clang; do
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
OLD_BPF_STATS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	local rc=$?
	sysctl -q -w kernel.bpf_stats_enabled="$OLD_BPF_STATS" ||
		log "profile.sh: could not restore kernel.bpf_stats_enabled=$OLD_BPF_STATS"
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The deb-src entry of the machine's first Debian entry for its release (deb822 .sources files,
# then sources.list): "URI SUITE KEYRING", or nothing.
debsrc_entry() {
	local f
	# shellcheck disable=SC1091
	. /etc/os-release
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v s="$VERSION_CODENAME" '
			/^URIs:/ { u = $2 } /^Signed-By:/ { k = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = 1 }
			/^$/ { if (found && u) { print u, s, k; exit } u = ""; k = ""; found = 0 }
			END { if (found && u) print u, s, k }' "$f" | head -n 1 | grep . && return
	done
	[[ -f /etc/apt/sources.list ]] &&
		awk -v s="$VERSION_CODENAME" '$1 == "deb" && $3 == s && $2 !~ /^\[/ {
			print $2, s, ""; exit }' /etc/apt/sources.list
}

# Sets LBT_DIR to a directory with libbpf-tools' sources and LBT_FROM to where they came from,
# or returns 1 with LBT_WHY set.
LBT_DIR='' LBT_FROM='' LBT_WHY=''
# apt's errors, one line, without the mirror's address (no host name goes into RESULTS.md)
apt_errors() {
	grep -E '^E:' | grep -v 'Failed to fetch some archives' | head -n 3 |
		sed -E 's#[a-z]+://[^ ]*/##g; s/ *\[IP: [^]]*\]//g; s/  +/ /g' | paste -sd ';' - |
		sed 's/;/; /g'
}

libbpf_tools_source() {
	local a=$TMP/apt entry uri suite key dir err
	entry=$(debsrc_entry || true)
	if [[ -z $entry ]]; then
		LBT_WHY="no Debian entry for this release in the apt sources to derive a deb-src from"
	else
		read -r uri suite key <<<"$entry"
		mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/src"
		echo "deb-src [signed-by=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}]" \
			"$uri $suite main" >"$a/sources.list"
		local opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
			    -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache"
			    -o "APT::Sandbox::User=root")
		log "libbpf-tools: apt-get source bpfcc ($suite's deb-src, on private lists)"
		if ! err=$(apt-get -q "${opts[@]}" update 2>&1); then
			LBT_WHY="apt-get update of $suite's deb-src failed: $(apt_errors <<<"$err")"
		elif ! err=$(cd "$a/src" && apt-get -q "${opts[@]}" source bpfcc 2>&1); then
			LBT_WHY="\`apt-get source bpfcc\` failed: $(apt_errors <<<"$err")"
		else
			dir=$(find "$a/src" -maxdepth 3 -type d -name libbpf-tools | head -n 1)
			if [[ -n $dir && -f $dir/profile.c ]]; then
				LBT_DIR=$dir
				LBT_FROM="Debian's bpfcc source package ($(find "$a/src" -maxdepth 1 \
					-name '*.dsc' -printf '%f\n' | head -n 1))"
				return 0
			fi
			LBT_WHY="Debian's bpfcc source has no libbpf-tools/profile.c"
		fi
	fi
	log "libbpf-tools: $LBT_WHY"
	if [[ -n ${BENCH_LIBBPF_TOOLS_SRC:-} ]]; then
		if [[ -f $BENCH_LIBBPF_TOOLS_SRC/profile.c ]]; then
			LBT_DIR=$BENCH_LIBBPF_TOOLS_SRC
			LBT_FROM="bcc's libbpf-tools sources given in BENCH_LIBBPF_TOOLS_SRC${BENCH_LIBBPF_TOOLS_REV:+ (${BENCH_LIBBPF_TOOLS_REV})}"
			return 0
		fi
		LBT_WHY+="; BENCH_LIBBPF_TOOLS_SRC=$BENCH_LIBBPF_TOOLS_SRC holds no profile.c"
	fi
	return 1
}

# Builds libbpf-tools' profile in $TMP/lbt: sets BENCH_LBT, or BENCH_LBT_NOTE says why not.
build_libbpf_tools_profile() {
	local b=$TMP/lbt f err vmlinux_dir arch
	arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
	vmlinux_dir=$HERE/../../vmlinux/$arch
	if ! libbpf_tools_source; then
		BENCH_LBT_NOTE="libbpf-tools' \`profile\` is not measured: $LBT_WHY"
		return
	fi
	mkdir -p "$b"
	for f in profile.bpf.c profile.c profile.h maps.bpf.h trace_helpers.c trace_helpers.h \
		 uprobe_helpers.c uprobe_helpers.h compat.bpf.h core_fixes.bpf.h bits.bpf.h; do
		[[ -f $LBT_DIR/$f ]] && cp "$LBT_DIR/$f" "$b/"
	done
	log "libbpf-tools: building profile from $LBT_FROM"
	if ! err=$(cd "$b" &&
		clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -I. -I"$vmlinux_dir" \
			-c profile.bpf.c -o profile.bpf.o 2>&1 &&
		bpftool gen skeleton profile.bpf.o >profile.skel.h 2>&1 &&
		cc -g -O2 -Wall -I. profile.c trace_helpers.c uprobe_helpers.c -lbpf -lelf -lz \
			-o profile 2>&1); then
		BENCH_LBT_NOTE="libbpf-tools' \`profile\` is not measured: its build from $LBT_FROM failed: $(tail -n 3 <<<"$err" | paste -sd ' ' -)"
		return
	fi
	BENCH_LBT=$b/profile
	BENCH_LBT_NOTE="libbpf-tools' \`profile\` (frame pointers only, like \`perf -g\`) was built \
from $LBT_FROM: profile.bpf.c, profile.c, trace_helpers.c and uprobe_helpers.c with clang \
$(clang -dumpversion) and the system's libbpf $(pkg-config --modversion libbpf 2>/dev/null), \
-O2, without blazesym (its own syms_cache symbolizes)${LBT_WHY:+; the Debian source was not \
reachable: $LBT_WHY}"
}

BENCH_LBT='' BENCH_LBT_NOTE=''
build_libbpf_tools_profile
export BENCH_LBT BENCH_LBT_NOTE

# Without CONFIG_IRQ_TIME_ACCOUNTING the kernel charges interrupts to the task they interrupt:
# the work's CPU time then holds each sample's cost (profile_bench.py's measure).
# Where the kernel's configuration cannot be read, the work's wall time is the measure.
KCONFIG=$({ zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null; } ||
	true)
BENCH_IRQ_TIME=unknown
if [[ -n $KCONFIG ]]; then
	BENCH_IRQ_TIME=n
	grep -q '^CONFIG_IRQ_TIME_ACCOUNTING=y' <<<"$KCONFIG" && BENCH_IRQ_TIME=y
fi
export BENCH_IRQ_TIME

machine_facts "$TT"
sysctl -q -w kernel.bpf_stats_enabled=1 || die "cannot set kernel.bpf_stats_enabled=1"
[[ -z ${BENCH_TT_BEFORE:-} || -x $BENCH_TT_BEFORE ]] ||
	die "BENCH_TT_BEFORE=$BENCH_TT_BEFORE is no executable"
export BENCH_TT=$TT BENCH_LOOP=$BB/nofp_loop BENCH_FLOOR=$BB/empty_perf BENCH_TMP=$TMP
python3 "$HERE/profile_bench.py"
