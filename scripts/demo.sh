#!/usr/bin/env bash
# make demo: record one real TLS 1.2 handshake on loopback between openssl
# s_server and s_client (with a session ticket), then show it with
# `tlsscope read`. The capture uses tcpdump on lo (root).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_DIR:-demo}
mkdir -p "$out"
tmp=$(mktemp -d)
srv= dump=
cleanup() {
    [[ -n $srv ]] && kill "$srv" 2>/dev/null || true
    [[ -n $dump ]] && kill -INT "$dump" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
if [[ $(id -u) != 0 ]]; then
    echo "demo: capturing on the loopback needs root (tcpdump); run 'sudo make demo'" >&2
    exit 1
fi
port=$((20000 + $$ % 20000))
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 30 \
    -subj "/CN=demo.tlsscope.test" -addext "subjectAltName=DNS:demo.tlsscope.test" 2>/dev/null
rm -f "$out/demo.pcap" "$out/demo.keys"
tcpdump -i lo -n -s 65600 -U --immediate-mode -w "$out/demo.pcap" "tcp port $port" 2>"$tmp/tcpdump.log" &
dump=$!
openssl s_server -accept "127.0.0.1:$port" -www -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
    -tls1_2 >/dev/null 2>&1 </dev/null &
srv=$!
for ((i = 0; i < 200; i++)); do
    if grep -q "listening on" "$tmp/tcpdump.log" && [[ -s $out/demo.pcap ]] && ss -ltn | grep -q ":$port "; then
        break
    fi
    sleep 0.025
done
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
    -servername demo.tlsscope.test -keylogfile "$out/demo.keys" -ign_eof >/dev/null 2>&1 || true
wait "$srv" 2>/dev/null || true
srv=
sleep 0.2
kill -INT "$dump" 2>/dev/null || true
wait "$dump" 2>/dev/null || true
dump=
echo "Recorded $out/demo.pcap (key log: $out/demo.keys). What tlsscope sees in it:"
echo
./build/tlsscope read "$out/demo.pcap"
