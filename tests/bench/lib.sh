# shellcheck shell=bash
# Helpers shared by the benchmark scripts (run.sh, sched.sh, net.sh): sourced, never run.
# Messages are prefixed with the name of the script that sourced this file.

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
log() { printf '%s\n' "$*" >&2; }

# A command as a reader would type it: arguments with spaces or specials in single quotes.
show_cmd() {
	local a s=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=+-]+$ ]]; then
			s+="$a "
		else
			s+="'${a//\'/\'\\\'\'}' "
		fi
	done
	printf '%s\n' "${s% }"
}

# machine_facts TAILTRACE: exports what every section's table of the machine shows: M_DATE
# (UTC), M_KERNEL, M_CPU (model), M_NPROC, M_TAILTRACE (version), M_STATS_BEFORE
# (kernel.bpf_stats_enabled as found).
machine_facts() {
	export M_DATE M_KERNEL M_CPU M_NPROC M_TAILTRACE M_STATS_BEFORE
	M_DATE=$(date -u '+%Y-%m-%d %H:%M:%S')
	M_KERNEL=$(uname -r)
	M_CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	M_NPROC=$(nproc)
	M_TAILTRACE=$("$1" --version 2>&1 | head -n 1)
	M_STATS_BEFORE=$(sysctl -n kernel.bpf_stats_enabled)
}

# bpftrace 0.17 attaches uprobes and classic tracepoints through tracefs. tracefs_mount mounts
# it if it is not mounted yet and then sets MOUNTED_TRACEFS=1; the caller's exit trap calls
# tracefs_unmount, which unmounts only what this script mounted.
TRACEFS=/sys/kernel/tracing
MOUNTED_TRACEFS=0
tracefs_mount() {
	if ! grep -qs " $TRACEFS tracefs " /proc/mounts; then
		mount -t tracefs nodev "$TRACEFS" ||
			die "cannot mount tracefs on $TRACEFS (bpftrace needs it)"
		MOUNTED_TRACEFS=1
		log "mounted tracefs on $TRACEFS (unmounted at exit)"
	fi
}
tracefs_unmount() {
	if ((MOUNTED_TRACEFS)); then
		umount "$TRACEFS" || log "${0##*/}: could not unmount $TRACEFS (mounted by this run)"
		MOUNTED_TRACEFS=0
	fi
}
