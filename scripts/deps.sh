#!/usr/bin/env bash
# Install what tailtrace needs to build, test and benchmark, from Debian's archive only.
# libbpf >= 1.3 (uprobe_multi) and a matching bpftool come from bookworm-backports there;
# the backports entry is derived from the mirror the machine already uses, so no host name
# is written here.
set -euo pipefail

# libclang-rt-14-dev: clang's libFuzzer and sanitizer runtimes, for `make fuzz`.
# libdw-dev: DWARF unwinding (userspace/unwind); libbz2-dev and liblzma-dev are what its static
# library needs for `make static`. python3.11: the unwinding tests' no-frame-pointer workload.
# golang-go (go tool pprof) and chromium (headless) read the pprof and svg outputs in the tests.
# libiberty-dev: binutils' demangler (C++ and Rust names), symbols/demangle.c.
# libc6-dev: libc.a, for the statically linked profile target. libc6-dbg: libc's debug file
# under /usr/lib/debug/.build-id, whose names the symbol tests look for (symbols/debug_file.c).
# dpkg-dev: dpkg-source, with which the profile benchmark unpacks `apt-get source bpfcc` (it
# builds libbpf-tools' profile to compare with).
need_pkgs=(clang llvm libelf-dev libc6-dev libdw-dev libbz2-dev liblzma-dev zlib1g-dev libzstd-dev
           libcriterion-dev pkg-config make gcc iproute2 bpftrace linux-perf libclang-rt-14-dev
           python3.11 golang-go chromium libc6-dbg libiberty-dev dpkg-dev)
backports_pkgs=(libbpf-dev bpftool)

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

libbpf_ok() {
	pkg-config --atleast-version=1.3 libbpf 2>/dev/null && command -v bpftool >/dev/null &&
		bpftool version >/dev/null 2>&1
}

missing=()
for p in "${need_pkgs[@]}"; do have_pkg "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && libbpf_ok; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (${missing[*]:-libbpf>=1.3 bpftool}); run 'make deps' as root" >&2
	exit 1
fi

. /etc/os-release
export DEBIAN_FRONTEND=noninteractive

# Derive a backports entry from the first Debian (not -security) entry already configured.
add_backports() {
	local suite="${VERSION_CODENAME}-backports" uri="" f
	if grep -rqs -- "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
		return 0
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v s="$VERSION_CODENAME" '
			/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = u }
			/^$/ { u = "" } END { print found }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk -v s="$VERSION_CODENAME" '$1 == "deb" && $3 == s { print $2; exit }' \
			/etc/apt/sources.list)
	fi
	if [ -z "$uri" ]; then
		echo "deps: no '$VERSION_CODENAME' entry in apt sources to derive backports from" >&2
		exit 1
	fi
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" "$suite" >/etc/apt/sources.list.d/tailtrace-backports.sources
	echo "deps: enabled $suite from the configured mirror"
}

if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
	add_backports
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
	apt-get install -y -qq -t "${VERSION_CODENAME}-backports" "${backports_pkgs[@]}" >/dev/null
else
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" "${backports_pkgs[@]}" >/dev/null
fi

if ! libbpf_ok; then
	echo "deps: libbpf >= 1.3 and bpftool are required; found libbpf $(pkg-config --modversion libbpf 2>/dev/null || echo none)" >&2
	exit 1
fi
echo "deps: libbpf $(pkg-config --modversion libbpf), $(bpftool version | head -1)"
