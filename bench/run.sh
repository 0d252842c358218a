#!/usr/bin/env bash
# Run tlsscope, ssldump and tshark on one capture (default: make the
# 3,000-connection capture with make_capture.sh) and print, for each, the best
# wall time of RUNS rounds (slow tools: 3), the peak RSS, the handshakes
# found, and the ratios.
# With the capture's key log (CAPTURE minus .pcap plus .keys, as
# make_capture.sh writes it), also decryption: tlsscope --keylog (connections
# whose every record decrypted and verified) against ssldump -l (connections
# whose Finished it decrypted).
# With BASE=/path/to/another/tlsscope (e.g. a build of the previous main),
# that binary runs in the same rounds (read --json, -j 2, --keylog) and the
# ratios new/old are printed: a change measured against what it replaces.
# usage: [BASE=OLD_BINARY] bench/run.sh [CAPTURE] [RUNS=3]   (installs ssldump and time when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cap=${1:-}
runs=${2:-3}
for p in ssldump time tshark; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z $cap ]]; then
    cap=$tmp/bench.pcap
    bash "$here/make_capture.sh" "$cap" 3000 131072 >/dev/null
fi
gcc -O2 -o "$tmp/pcap_loop" "$here/pcap_loop.c" -lpcap
bin=$root/build/tlsscope
cat "$cap" >/dev/null # warm the page cache

# Tools are registered, then run in rounds (each round runs every tool
# once), so a noisy moment on a shared machine hits every tool alike; each
# keeps its best time. Slow tools (seconds per run) run at most 3 rounds.
names=() counts=() cmds=() slow=()
tool() { # name, count-command, slow (0/1), command...
    names+=("$1")
    counts+=("$2")
    slow+=("$3")
    shift 3
    cmds+=("$(printf '%q ' "$@")")
}
tool "bare libpcap loop" "echo -" 0 "$tmp/pcap_loop" "$cap"
hellos="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin if json.loads(l)[\"client_hello\"]))'"
tool "tlsscope read --json" "$hellos" 0 "$bin" read --json -q "$cap"
tool "tlsscope read --json -j 2" "$hellos" 0 "$bin" read --json -q -j 2 "$cap"
tool "tlsscope read --json --reader libpcap" "$hellos" 0 "$bin" read --json -q --reader libpcap "$cap"
base=${BASE:-}
if [[ -n $base ]]; then
    tool "base read --json" "$hellos" 0 "$base" read --json -q "$cap"
    tool "base read --json -j 2" "$hellos" 0 "$base" read --json -q -j 2 "$cap"
fi
tool "ssldump -n" "grep -c ClientHello" 0 ssldump -n -r "$cap"
tool "tshark (two hello fields)" "wc -l" 1 tshark -r "$cap" -Y "tls.handshake.type==1" -T fields \
    -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite
keys=${cap%.pcap}.keys
if [[ -s $keys ]]; then
    decrypted="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin if json.loads(l)[\"decryption\"][\"status\"] == \"decrypted\"))'"
    tool "tlsscope read --json --keylog" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" "$cap"
    tool "tlsscope read --json --keylog -j 2" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" -j 2 "$cap"
    if [[ -n $base ]]; then
        tool "base read --json --keylog" "$decrypted" 0 "$base" read --json -q --keylog "$keys" "$cap"
    fi
    # ssldump prints a "Finished" line per direction it could decrypt: count
    # the connections with both (its TLS 1.3 records stay encrypted)
    tool "ssldump -n -l (key log)" \
        "awk '/^[0-9]+ [0-9]+ / {c=\$1} /Finished/ {f[c]++} END {n=0; for (k in f) if (f[k]>=2) n++; print n}'" \
        1 ssldump -n -l "$keys" -r "$cap"
fi
declare -a best bestm
for ((k = 0; k < ${#names[@]}; k++)); do best[k]=999999; bestm[k]=0; done
for ((i = 0; i < runs; i++)); do
    for ((k = 0; k < ${#names[@]}; k++)); do
        if [[ ${slow[k]} == 1 && $i -ge 3 ]]; then continue; fi
        # wall time to the microsecond from bash's clock (/usr/bin/time's %e
        # has 10 ms steps, too coarse for ratios of 0.1 s runs); peak RSS
        # from /usr/bin/time; the output goes to a file, as a user's would
        t0=$EPOCHREALTIME
        eval "/usr/bin/time -f '%e %M' -o '$tmp/time' ${cmds[k]}" >"$tmp/out.$k" 2>"$tmp/err" || true
        t1=$EPOCHREALTIME
        read -r _ m <"$tmp/time"
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
        if awk "BEGIN{exit !($t < ${best[k]})}"; then best[k]=$t; bestm[k]=$m; fi
    done
done
printf 'capture: %s (%s bytes, %s packets)\n' "$cap" "$(stat -c %s "$cap")" "$("$tmp/pcap_loop" "$cap" | cut -d' ' -f1)"
printf '%-38s %9s %12s %8s\n' tool time "peak RSS" handshakes
for ((k = 0; k < ${#names[@]}; k++)); do
    found=$(eval "${counts[k]}" <"$tmp/out.$k")
    printf '%-38s %7.3f s %9.1f MB %8s\n' "${names[k]}" "${best[k]}" "$(awk "BEGIN{print ${bestm[k]}/1024}")" "$found"
    echo "${names[k]} ${best[k]}" >>"$tmp/results"
done
loop=$(awk '/^bare/ {print $NF}' "$tmp/results")
tj=$(awk '/^tlsscope read --json [0-9]/ {print $NF}' "$tmp/results")
sd=$(awk '/^ssldump/ {print $NF}' "$tmp/results")
tk=$(awk '/^tshark/ {print $NF}' "$tmp/results")
t2=$(awk '/^tlsscope read --json -j 2/ {print $NF}' "$tmp/results")
tk1=$(awk '/^tlsscope read --json --keylog [0-9]/ {print $NF}' "$tmp/results")
tk2=$(awk '/^tlsscope read --json --keylog -j 2/ {print $NF}' "$tmp/results")
sk=$(awk '/^ssldump -n -l/ {print $NF}' "$tmp/results")
awk -v l="$loop" -v t="$tj" -v s="$sd" -v k="$tk" -v t2="$t2" 'BEGIN {
    printf "tlsscope --json / bare libpcap loop: %.2f\n", t / l
    printf "ssldump / tlsscope --json:          %.2f\n", s / t
    printf "ssldump / tlsscope --json -j 2:     %.2f\n", s / t2
    printf "-j 1 / -j 2:                        %.2f\n", t / t2
    printf "tshark / tlsscope --json:           %.1f\n", k / t
}'
if [[ -n $tk1 ]]; then
    awk -v a="$tk1" -v b="$tk2" -v s="$sk" 'BEGIN {
        printf "ssldump -l / tlsscope --keylog:      %.1f\n", s / a
        printf "ssldump -l / tlsscope --keylog -j 2: %.1f\n", s / b
    }'
fi
if [[ -n $base ]]; then
    b1=$(awk '/^base read --json [0-9]/ {print $NF}' "$tmp/results")
    b2=$(awk '/^base read --json -j 2/ {print $NF}' "$tmp/results")
    bk=$(awk '/^base read --json --keylog/ {print $NF}' "$tmp/results")
    awk -v t="$tj" -v b="$b1" -v t2="$t2" -v b2="$b2" -v tk="$tk1" -v bk="$bk" 'BEGIN {
        printf "tlsscope / base, --json:            %.3f\n", t / b
        printf "tlsscope / base, --json -j 2:       %.3f\n", t2 / b2
        if (tk != "" && bk != "") printf "tlsscope / base, --json --keylog:   %.3f\n", tk / bk
    }'
fi
