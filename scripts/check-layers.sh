#!/usr/bin/env bash
# The include direction of the tree (README, "Layout"): each folder may include only the
# folders listed for it. Run by `make test`; exits 1 naming every include that breaks it.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
	[bpf/abi]=""
	[bpf/lib]="abi lib"
	[bpf]="abi lib net"
	[bpf/net]=""
	[userspace/model]="model abi"
	[userspace/json]="json"
	[userspace/report]="report model json abi"
	[userspace/core]="core model json abi"
	[userspace/symbols]="symbols core"
	[userspace/labels]="labels core"
	[userspace/uprobe]="uprobe symbols core"
	[userspace/unwind]="unwind core abi"
	[userspace/python]="python core model abi"
	[userspace/collectors]="collectors uprobe symbols unwind python labels model core abi skel"
	[userspace/runtime]="runtime core model report symbols json gates"
	[userspace/gates]="gates model json report core abi"
	[userspace/offline]="offline gates model report json core runtime abi"
	[userspace]="collectors core runtime offline"
)

# Headers that depend on nothing (libc only), so any folder may use them.
leaves=" core/array.h "

bad=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	if [ -z "${allowed[$dir]+set}" ]; then
		echo "check-layers: $file is in a folder with no rule: add one to $0" >&2
		bad=1
		continue
	fi
	while IFS= read -r inc; do
		[[ "$leaves" == *" $inc "* ]] && continue
		case "$inc" in
		vmlinux.h) [ "${dir%%/*}" = bpf ] && continue ;;
		*.skel.h) what=skel ;;
		*/*) what=${inc%%/*} ;;
		*) what="" ;;
		esac
		if [ -z "$what" ] || [[ " ${allowed[$dir]} " != *" $what "* ]]; then
			echo "check-layers: $file includes \"$inc\": $dir may include only: ${allowed[$dir]:-nothing of the project}" >&2
			bad=1
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done < <(git ls-files 'userspace/*.c' 'userspace/*.h' 'bpf/*.c' 'bpf/*.h'; \
	 git ls-files --others --exclude-standard 'userspace/*.c' 'userspace/*.h' 'bpf/*.c' 'bpf/*.h')
if [ "$bad" -ne 0 ]; then
	exit 1
fi
echo "check-layers: every include runs the way the layout says"
