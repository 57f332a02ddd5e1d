#!/bin/sh
# other-version.sh PYTHON3.11 OUT: a copy of Debian's python3.11 whose Py_Version says 3.12.0:
# what tailtrace reads to tell an interpreter's version, so that the copy plays a Python of
# another version while it runs as 3.11 (Debian has no other). Py_Version lies in a section
# whose file offset is its address less the section's address plus the section's offset.
set -eu
in=$1 out=$2
addr=$(readelf -Ws "$in" | awk '$8 == "Py_Version" { print $2; exit }')
[ -n "$addr" ] || { echo "$0: $in has no Py_Version" >&2; exit 1; }
off=
a=$((0x$addr))
# name type address offset size of every section (mawk has no hex: the shell does it)
for sec in $(readelf -SW "$in" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
	     awk '$2 == "PROGBITS" { print $3 ":" $4 ":" $5 }'); do
	sa=$((0x${sec%%:*})); rest=${sec#*:}; so=$((0x${rest%%:*})); sz=$((0x${rest#*:}))
	if [ "$a" -ge "$sa" ] && [ "$a" -lt $((sa + sz)) ]; then
		off=$((a - sa + so))
		break
	fi
done
[ -n "$off" ] || { echo "$0: no section of $in holds Py_Version" >&2; exit 1; }
cp "$in" "$out.tmp"
# 0x030c00f0, little-endian
printf '\360\000\014\003' | dd of="$out.tmp" bs=1 seek="$off" conv=notrunc status=none
mv "$out.tmp" "$out"
