#!/bin/bash
# libtlsscope as a user gets it: installed into a DESTDIR, found by
# pkg-config, the two examples built against it with examples/Makefile and
# run on the golden captures; their answers checked against `tlsscope read
# --json`; only the API exported, under its soname.
# usage: library.sh BUILD_DIR TLSSCOPE [EXTRA_CFLAGS]
# (the sanitizer build passes its -fsanitize flags: the examples link its
# instrumented library)
set -u
build=$1 bin=$2 extra=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [[ $2 == 0 ]]; then pass=$((pass + 1)); else echo "library: FAILED: $1"; fail=$((fail + 1)); fi; }

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local --component library >/dev/null &&
    DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local --component development >/dev/null
check "cmake --install the library and development components into a DESTDIR" $?
lib=$(find "$tmp/root" -name 'libtlsscope.so.0' | head -n 1)
[[ -n $lib ]]; check "libtlsscope.so.0 installed" $?
objdump -p "$lib" | grep -q 'SONAME *libtlsscope.so.0$'; check "soname libtlsscope.so.0" $?
others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^tlsscope_')
[[ -z $others ]]; check "only tlsscope_* exported (not: $(echo $others | head -c 200))" $?
n=$(nm -D --defined-only "$lib" | grep -c ' T tlsscope_')
want=$(grep -c '^[a-z].* \**tlsscope_[a-z_0-9]*(' "$top/include/tlsscope/tlsscope.h")
[[ $n == "$want" ]]; check "every function of tlsscope.h exported ($n of $want)" $?
pc=$(dirname "$(find "$tmp/root" -name libtlsscope.pc | head -n 1)")
export PKG_CONFIG_PATH=$pc
flags=$(pkg-config --cflags --libs libtlsscope); check "pkg-config --cflags --libs libtlsscope: $flags" $?
grep -rlE 'openssl|pcap\.h' "$tmp/root/usr/local/include" >/dev/null
[[ $? == 1 ]]; check "the public header names no OpenSSL or pcap" $?

cp "$top"/examples/*.c "$top"/examples/Makefile "$tmp/"
make -s -C "$tmp" CFLAGS="-O2 -Wall -Wextra -Werror -std=c11 -D_POSIX_C_SOURCE=200809L $extra" >"$tmp/make.log" 2>&1
check "examples build against the installed library ($(tail -n 3 "$tmp/make.log"))" $?
export LD_LIBRARY_PATH=$(dirname "$lib")
ldd "$tmp/ja4_count" | grep -q "$(dirname "$lib")/libtlsscope.so.0"; check "ja4_count runs with the installed libtlsscope" $?

caps=("$top"/tests/golden/captures/*.pcap)
"$tmp/ja4_count" "${caps[@]}" >"$tmp/ja4.out" 2>"$tmp/ja4.err"
check "ja4_count over the golden captures ($(head -c 200 "$tmp/ja4.err"))" $?
for c in "${caps[@]}"; do "$bin" read --json -q "$c"; done >"$tmp/all.json" 2>/dev/null
python3 - "$tmp/all.json" "$tmp/ja4.out" <<'PY'
import collections, json, sys
want = collections.Counter(json.loads(l).get("client_hello") and (json.loads(l)["client_hello"].get("ja4") or "(no ClientHello)") or "(no ClientHello)" for l in open(sys.argv[1]))
got = collections.Counter()
for line in open(sys.argv[2]):
    n, ja4 = line.strip().split(None, 1)
    got[ja4] = int(n)
if got != want:
    print("ja4_count:", dict(got), "\nread --json:", dict(want))
    sys.exit(1)
PY
check "ja4_count's counts are read --json's ja4 counts" $?

"$tmp/cert_expiry" 36500 "${caps[@]}" >"$tmp/exp.out" 2>"$tmp/exp.err"
check "cert_expiry over the golden captures" $?
python3 - "$tmp/all.json" "$tmp/exp.out" <<'PY'
import json, sys
want = {}
for l in open(sys.argv[1]):
    for c in json.loads(l).get("certificates", []):
        if c.get("sha256") and c.get("subject") is not None:
            want[c["sha256"]] = c["subject"]
got = [l.rstrip("\n") for l in open(sys.argv[2])]
if len(got) != len(want) or not want:
    print("cert_expiry lists", len(got), "certificates; read --json has", len(want)); sys.exit(1)
for s in want.values():
    if not any(f"  {s}  (" in l for l in got):
        print("missing:", s); sys.exit(1)
dates = [l.split()[0] for l in got]
if dates != sorted(dates):
    print("not soonest first:", dates); sys.exit(1)
PY
check "cert_expiry lists each distinct certificate of read --json once, soonest first" $?
"$tmp/cert_expiry" 0 /nonexistent.pcap >/dev/null 2>"$tmp/ce.err"
[[ $? == 1 ]] && grep -q "cert_expiry: /nonexistent.pcap: " "$tmp/ce.err"
check "cert_expiry: a missing file is one line naming it ($(cat "$tmp/ce.err"))" $?

echo "library: $pass passed, $fail failed"
((fail == 0))
