#!/usr/bin/env bash
# Make the benchmark capture: N real TLS connections (openssl s_server -WWW,
# curl clients; half TLS 1.2, half TLS 1.3), each fetching a SIZE-byte file,
# captured with tcpdump inside a network namespace whose loopback has MTU
# 1500. SHAPE says what the capture's packets look like:
#   frames  segmentation offload off: every packet is wire-sized (<= 1514 B)
#   tso     offload left on, as on most laptops and servers: tcpdump sees the
#           segments the stack hands the device, up to 64 KiB each
# Also writes the clients' key log (SSLKEYLOGFILE) beside the capture.
# usage: make_capture.sh OUT.pcap [CONNECTIONS=3000] [SIZE=131072] [SHAPE=frames]   (root)
set -euo pipefail
out=$(realpath -m "$1")
n=${2:-3000}
size=${3:-131072}
shape=${4:-frames}
[[ $shape == frames || $shape == tso ]] || { echo "make_capture: SHAPE is frames or tso, not '$shape'" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "make_capture: needs root (ip netns, tcpdump)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/rounds.sh"
if [[ $shape == frames ]]; then bench_netns tsc-bench off; else bench_netns tsc-bench on; fi
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 30 \
    -subj "/CN=bench.example" -addext "subjectAltName=DNS:bench.example" 2>/dev/null
head -c "$size" /dev/urandom >"$tmp/page.bin"
port=4433
rm -f "$out" "${out%.pcap}.keys"
ip netns exec "$ns" tcpdump -i lo -n -s 0 -B 262144 -U -w "$out" "tcp port $port" 2>"$tmp/tcpdump.log" &
for ((i = 0; i < 200; i++)); do grep -q "listening on" "$tmp/tcpdump.log" && break; sleep 0.025; done
(cd "$tmp" && exec ip netns exec "$ns" openssl s_server -accept "127.0.0.1:$port" -WWW -cert cert.pem -key key.pem \
    -quiet >/dev/null 2>&1 </dev/null) &
for ((i = 0; i < 200; i++)); do ip netns exec "$ns" ss -ltn | grep -q ":$port " && break; sleep 0.025; done
fetch() { # from to
    for ((k = $1; k < $2; k++)); do
        if ((k % 2)); then v=(--tlsv1.3); else v=(--tlsv1.2 --tls-max 1.2); fi
        SSLKEYLOGFILE=${out%.pcap}.keys ip netns exec "$ns" curl -sk "${v[@]}" -o /dev/null --max-time 10 \
            --resolve "bench.example:$port:127.0.0.1" "https://bench.example:$port/page.bin" || echo "curl $k failed" >&2
    done
}
half=$((n / 2))
fetch 0 "$half" &
f1=$!
fetch "$half" "$n" &
f2=$!
wait "$f1" "$f2"
sleep 0.5
kill -INT %1 2>/dev/null || pkill -INT -f "tcpdump -i lo -n -s 0 -B 262144 -U -w $out" || true
sleep 1
cat "$tmp/tcpdump.log" >&2
# a capture that lost packets, or holds none (tcpdump can stop before a
# very short run's packets reach it), is no benchmark: say so
captured=$(awk '/packets captured/ {print $1}' "$tmp/tcpdump.log")
dropped=$(awk '/dropped by kernel/ {print $1}' "$tmp/tcpdump.log")
if [[ ${captured:-0} == 0 || ${dropped:-0} != 0 ]]; then
    echo "make_capture: $out: ${captured:-0} packets captured, ${dropped:-?} dropped by the kernel: not usable" >&2
    exit 1
fi
ls -l "$out"
