#!/usr/bin/env bash
# Make the QUIC benchmark capture: N real QUIC connections (ngtcp2's
# gtlsserver and gtlsclient, GnuTLS, HTTP/3), each fetching a SIZE-byte file,
# captured with tcpdump inside a network namespace whose loopback has MTU
# 1500 and no segmentation offload (the server sends one datagram per
# sendmsg, --max-gso-dgrams=1), so datagrams are real-sized (at most 1500
# bytes). Every connection is a real handshake with its own connection IDs,
# keys and client port; half use TLS_AES_128_GCM_SHA256, half
# TLS_CHACHA20_POLY1305_SHA256 (AES-ECB and ChaCha20 header protection), and
# every tenth initiates a key update 1 ms after the handshake (its request
# waits 5 ms, so the transfer runs under the updated keys).
# Also writes the clients' key log (SSLKEYLOGFILE) beside the capture.
# usage: make_quic_capture.sh OUT.pcap [CONNECTIONS=3000] [SIZE=32768]   (root; installs ngtcp2-client/-server)
set -euo pipefail
out=$(realpath -m "$1")
n=${2:-3000}
size=${3:-32768}
[[ $(id -u) == 0 ]] || { echo "make_quic_capture: needs root (ip netns, tcpdump)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/rounds.sh"
need_packages ngtcp2-client ngtcp2-server tcpdump
bench_netns tsc-qbench off
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 30 \
    -subj "/CN=bench.example" -addext "subjectAltName=DNS:bench.example" 2>/dev/null
mkdir "$tmp/htdocs" "$tmp/dl0" "$tmp/dl1"
head -c "$size" /dev/urandom >"$tmp/htdocs/page.bin"
port=4433
keys=${out%.pcap}.keys
rm -f "$out" "$keys"
# --immediate-mode: a SIGINT must not lose the last block of the ring
ip netns exec "$ns" tcpdump -i lo -n -s 65535 -B 262144 --immediate-mode -U -w "$out" "udp port $port" \
    2>"$tmp/tcpdump.log" &
td=$!
for ((i = 0; i < 200; i++)); do grep -q "listening on" "$tmp/tcpdump.log" && break; sleep 0.025; done
ip netns exec "$ns" gtlsserver -q --max-gso-dgrams=1 --timeout=5s -d "$tmp/htdocs" 127.0.0.1 "$port" \
    "$tmp/key.pem" "$tmp/cert.pem" >"$tmp/server.log" 2>&1 &
for ((i = 0; i < 200; i++)); do ip netns exec "$ns" ss -lun | grep -q ":$port " && break; sleep 0.025; done
fetch() { # from to download-dir
    for ((k = $1; k < $2; k++)); do
        o=(-q --exit-on-all-streams-close --timeout=5s --download "$3")
        if ((k % 2)); then
            o+=(--ciphers "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305")
        else
            o+=(--ciphers "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM")
        fi
        if ((k % 10 == 5)); then o+=(--key-update=1ms --delay-stream=5ms); fi
        SSLKEYLOGFILE=$keys timeout 10 ip netns exec "$ns" gtlsclient "${o[@]}" \
            127.0.0.1 "$port" "https://bench.example:$port/page.bin" >/dev/null 2>&1 || echo "gtlsclient $k failed" >&2
        cmp -s "$3/page.bin" "$tmp/htdocs/page.bin" || echo "gtlsclient $k: download differs" >&2
        rm -f "$3/page.bin"
    done
}
half=$((n / 2))
fetch 0 "$half" "$tmp/dl0" &
f1=$!
fetch "$half" "$n" "$tmp/dl1" &
f2=$!
wait "$f1" "$f2"
sleep 1
kill -INT "$td" 2>/dev/null || true
wait "$td" 2>/dev/null || true
cat "$tmp/tcpdump.log" >&2
secrets=$(grep -c '^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]\{64\} [0-9a-f]\{64,96\}$' "$keys" || true)
echo "key log: $keys ($secrets connections' CLIENT_TRAFFIC_SECRET_0)" >&2
ls -l "$out"
