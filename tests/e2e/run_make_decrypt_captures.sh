#!/usr/bin/env bash
# ctest fixture: make the decryption captures once per build directory.
# Exit 77 (skipped) when not root: the loopback capture needs it.
set -euo pipefail
out=$1
here=$(dirname "$0")
if [[ $(id -u) != 0 ]]; then
    echo "make_decrypt_captures: SKIPPED: needs root for tcpdump and network namespaces"
    exit 77
fi
if [[ -f $out/MANIFEST.tsv && $out/MANIFEST.tsv -nt $here/make_decrypt_captures.sh && $out/MANIFEST.tsv -nt $here/capture_lib.sh ]]; then
    echo "make_decrypt_captures: reusing $out"
    exit 0
fi
rm -rf "$out"
exec bash "$here/make_decrypt_captures.sh" "$out"
