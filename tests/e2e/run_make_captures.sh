#!/usr/bin/env bash
# ctest fixture: make the real-peer captures once per build directory.
# Exit 77 (skipped) when not root: the loopback capture needs it.
set -euo pipefail
out=$1
if [[ $(id -u) != 0 ]]; then
    echo "make_captures: SKIPPED: needs root for tcpdump and network namespaces"
    exit 77
fi
if [[ -f $out/MANIFEST.tsv && $out/MANIFEST.tsv -nt $(dirname "$0")/make_captures.sh && $out/MANIFEST.tsv -nt $(dirname "$0")/capture_lib.sh ]]; then
    echo "make_captures: reusing $out"
    exit 0
fi
rm -rf "$out"
exec bash "$(dirname "$0")/make_captures.sh" "$out"
