#!/usr/bin/env bash
# Time tlsscope against the floor of reading the capture, ssldump and tshark,
# on one or more captures (by default the two shapes make_capture.sh makes:
# 1514-byte frames, and the 64 KiB segments of a capture taken with
# segmentation offload on), and print, for each, every tool's best wall time
# over RUNS rounds (slow tools: 3), that run's peak RSS (/usr/bin/time -f %M),
# the handshakes it found, and the ratios issue 17 sets as goals.
#
# The floors: `dd bs=1M` of the file to /dev/null (reading its bytes at all),
# and a bare libpcap loop that touches one byte per packet (pcap_loop.c).
# Rounds are interleaved: each round runs every tool on every capture once,
# so a noisy moment on a shared machine hits every tool alike.
# Before the rounds each capture is put in one page-cache state: evicted
# (dd iflag=nocache) and read once with cat, so the kernel caches it the way
# a read from disk does. (A file just written by tcpdump may sit in smaller
# cache pages, from which every reader, dd included, copies 2 to 3 times
# slower: runs of the same file would not compare.)
# With a capture's key log beside it (CAPTURE minus .pcap plus .keys, as
# make_capture.sh writes it), also decryption: tlsscope --keylog
# (connections whose every record decrypted and verified) against ssldump -l
# (connections whose two Finished it decrypted).
# With BASE=/path/to/another/tlsscope, that build runs in the same rounds
# (read --json, -j 2, --keylog) and the ratios new/old are printed.
#
# usage: [BASE=OLD_BINARY] [SKIP_SLOW=1] bench/run.sh [-r RUNS] [CAPTURE...]
#   RUNS defaults to 7 (a bare number among the captures is taken as RUNS,
#   the usage before: run.sh CAPTURE RUNS). With no capture, both shapes are made first
#   (make_capture.sh, as root: about a minute each) in a temporary directory.
#   SKIP_SLOW=1 leaves out tshark and ssldump -l (seconds per run).
# Installs ssldump, time, tshark when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=7
if [[ ${1:-} == -r ]]; then
    runs=${2:-}
    shift 2 || true
fi
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -r takes a number of rounds (1 or more), not '$runs'" >&2; exit 2; }
caps=()
for a in "$@"; do
    # the usage before issue 17, run.sh CAPTURE RUNS: a bare number that is
    # not a file is the rounds
    if [[ $a =~ ^[0-9]+$ && ! -e $a ]]; then runs=$a; else caps+=("$a"); fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/rounds.sh"
need_packages ssldump time tshark
if ((${#caps[@]} == 0)); then
    bash "$here/make_capture.sh" "$tmp/frames.pcap" 3000 131072 frames >/dev/null
    bash "$here/make_capture.sh" "$tmp/tso.pcap" 3000 131072 tso >/dev/null
    caps=("$tmp/frames.pcap" "$tmp/tso.pcap")
fi
gcc -O2 -o "$tmp/pcap_loop" "$here/pcap_loop.c" -lpcap
bin=$root/build/tlsscope
base=${BASE:-}
for c in "${caps[@]}"; do
    [[ -r $c ]] || { echo "run.sh: $c: cannot read it" >&2; exit 1; }
done
settle_cache "${caps[@]}"

# Tools are registered per capture (their group), then run in rounds.
hellos="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin if json.loads(l)[\"client_hello\"]))'"
decrypted="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin if json.loads(l)[\"decryption\"][\"status\"] == \"decrypted\"))'"
# ssldump prints a "Finished" line per direction it could decrypt: count the
# connections with both (its TLS 1.3 records stay encrypted)
finished="awk '/^[0-9]+ [0-9]+ / {c=\$1} /Finished/ {f[c]++} END {n=0; for (k in f) if (f[k]>=2) n++; print n}'"
for ((ci = 0; ci < ${#caps[@]}; ci++)); do
    cap=${caps[ci]}
    keys=${cap%.pcap}.keys
    tool "$ci" "dd bs=1M (reading the file)" "echo -" 0 dd if="$cap" of=/dev/null bs=1M status=none
    tool "$ci" "libpcap loop, a byte per packet" "echo -" 0 "$tmp/pcap_loop" "$cap"
    tool "$ci" "tlsscope read --json" "$hellos" 0 "$bin" read --json -q "$cap"
    tool "$ci" "tlsscope read --json -j 2" "$hellos" 0 "$bin" read --json -q -j 2 "$cap"
    tool "$ci" "tlsscope --json --reader libpcap" "$hellos" 0 "$bin" read --json -q --reader libpcap "$cap"
    if [[ -n $base ]]; then
        tool "$ci" "base read --json" "$hellos" 0 "$base" read --json -q "$cap"
        tool "$ci" "base read --json -j 2" "$hellos" 0 "$base" read --json -q -j 2 "$cap"
    fi
    tool "$ci" "ssldump -n" "grep -c ClientHello" 0 ssldump -n -r "$cap"
    if [[ -z ${SKIP_SLOW:-} ]]; then
        tool "$ci" "tshark (two hello fields)" "wc -l" 1 tshark -r "$cap" -Y "tls.handshake.type==1" -T fields \
            -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite
    fi
    if [[ -s $keys ]]; then
        tool "$ci" "tlsscope read --json --keylog" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" "$cap"
        tool "$ci" "tlsscope --json --keylog -j 2" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" -j 2 "$cap"
        if [[ -n $base ]]; then
            tool "$ci" "base read --json --keylog" "$decrypted" 0 "$base" read --json -q --keylog "$keys" "$cap"
        fi
        if [[ -z ${SKIP_SLOW:-} ]]; then
            tool "$ci" "ssldump -n -l (key log)" "$finished" 1 ssldump -n -l "$keys" -r "$cap"
        fi
    fi
done

run_rounds "$runs"

echo "tlsscope: $bin ($(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')); $runs rounds (slow tools 3); $(nproc) cores"
for ((ci = 0; ci < ${#caps[@]}; ci++)); do
    cap=${caps[ci]}
    echo
    printf 'capture: %s (%s bytes, %s packets)\n' "$cap" "$(stat -c %s "$cap")" "$("$tmp/pcap_loop" "$cap" | cut -d' ' -f1)"
    print_rows "$ci" handshakes
    get() { result "$ci" "$1"; }
    dd_t=$(get "dd bs=1M (reading the file)")
    loop=$(get "libpcap loop, a byte per packet")
    t1=$(get "tlsscope read --json")
    t2=$(get "tlsscope read --json -j 2")
    sd=$(get "ssldump -n")
    tk=$(get "tshark (two hello fields)")
    k1=$(get "tlsscope read --json --keylog")
    k2=$(get "tlsscope --json --keylog -j 2")
    sk=$(get "ssldump -n -l (key log)")
    rss=$(awk -F'\t' '$1 ~ /^tlsscope/ && $3 > m {m = $3} END {printf "%.1f", m / 1024}' "$tmp/results.$ci")
    # a ratio is shown only when both of its tools ran (a row that failed
    # every run, or was left out, has no time)
    awk -v dd="$dd_t" -v l="$loop" -v t="$t1" -v t2="$t2" -v s="$sd" -v k="$tk" -v k1="$k1" -v k2="$k2" \
        -v sk="$sk" -v rss="$rss" '
    function row(label, a, b, op, want, fmt,   v, g) {
        if (a == "" || b == "" || b + 0 == 0)
            return
        v = a / b
        g = ""
        if (op == "<=") g = sprintf("%-2s %-4s  %s", op, want, v <= want ? "met" : "not met")
        if (op == ">=") g = sprintf("%-2s %-4s  %s", op, want, v >= want ? "met" : "not met")
        printf "%-40s " fmt "  %s\n", label, v, g
    }
    BEGIN {
        printf "%-40s %6s  %s\n", "ratio", "value", "goal"
        row("tlsscope --json / dd", t, dd, "<=", 2, "%6.2f")
        row("tlsscope --json -j 2 / dd", t2, dd, "<=", 1.5, "%6.2f")
        row("tlsscope --json / libpcap loop", t, l, "", 0, "%6.2f")
        row("ssldump / tlsscope --json", s, t, ">=", 3, "%6.2f")
        row("ssldump / tlsscope --json -j 2", s, t2, "", 0, "%6.2f")
        row("-j 1 / -j 2", t, t2, "", 0, "%6.2f")
        row("tshark / tlsscope --json", k, t, "", 0, "%6.1f")
        row("tlsscope --keylog / dd", k1, dd, "", 0, "%6.2f")
        row("ssldump -l / tlsscope --keylog", sk, k1, ">=", 20, "%6.1f")
        row("ssldump -l / tlsscope --keylog -j 2", sk, k2, "", 0, "%6.1f")
        if (rss + 0 > 0)
            printf "%-40s %6.1f  %-2s %-4s  %s (MB)\n", "largest tlsscope peak RSS", rss, "<=", 16, rss <= 16 ? "met" : "not met"
    }'
    if [[ -n $base ]]; then
        b1=$(get "base read --json")
        b2=$(get "base read --json -j 2")
        bk=$(get "base read --json --keylog")
        awk -v t="$t1" -v b="$b1" -v t2="$t2" -v b2="$b2" -v tk="$k1" -v bk="$bk" '
        function row(label, x, y) { if (x != "" && y != "" && y + 0 > 0) printf "%-40s %6.3f\n", label, x / y }
        BEGIN {
            row("tlsscope / base, --json", t, b)
            row("tlsscope / base, --json -j 2", t2, b2)
            row("tlsscope / base, --json --keylog", tk, bk)
        }'
    fi
done
