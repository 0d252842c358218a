#!/usr/bin/env bash
# STARTTLS: for SMTP, IMAP, POP3, FTP (AUTH TLS), XMPP, LDAP (StartTLS
# extended operation) and PostgreSQL (SSLRequest), a scripted plaintext
# server hands its connection to a real TLS handshake (Python's ssl, i.e.
# OpenSSL) with `openssl s_client -starttls PROTO` as the client; the
# exchange is captured on the loopback and tlsscope must find the TLS
# connection after the plaintext: starttls true, both hellos, the version and
# the server name. Needs root (tcpdump); exit 77 (skipped) otherwise.
# usage: starttls.sh TLSSCOPE_BINARY
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
if [[ $(id -u) != 0 ]]; then echo "starttls: SKIPPED: needs root for tcpdump"; exit 77; fi
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 30 -subj "/CN=test.example" 2>/dev/null
pass=0 fail=0
base=$((21000 + $$ % 1000))
i=0
for proto in smtp imap pop3 ftp xmpp ldap postgres; do
    i=$((i + 1))
    port=$((base + i))
    pcap=$tmp/$proto.pcap
    tcpdump -i lo -n -U --immediate-mode -w "$pcap" "tcp port $port" 2>"$tmp/$proto.tcpdump" &
    dump=$!
    pids+=("$dump")
    for ((k = 0; k < 200; k++)); do
        grep -q "listening on" "$tmp/$proto.tcpdump" && [[ -s $pcap ]] && break
        sleep 0.025
    done
    python3 "$here/starttls_server.py" "$proto" "$port" "$tmp/cert.pem" "$tmp/key.pem" 2>"$tmp/$proto.server" &
    srv=$!
    pids+=("$srv")
    for ((k = 0; k < 200; k++)); do ss -ltn | grep -q ":$port " && break; sleep 0.025; done
    extra=()
    [[ $proto == xmpp ]] && extra=(-xmpphost test.example)
    printf 'Q\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" -starttls "$proto" \
        -servername test.example "${extra[@]}" >"$tmp/$proto.client" 2>&1
    wait "$srv" 2>/dev/null
    sleep 0.1
    kill -INT "$dump" 2>/dev/null
    wait "$dump" 2>/dev/null
    out=$("$bin" read --json -q "$pcap")
    why=$(python3 - "$out" <<'PY'
import json, sys
lines = [l for l in sys.argv[1].splitlines() if l.strip()]
if len(lines) != 1:
    print("expected 1 TLS connection, got %d" % len(lines)); sys.exit()
c = json.loads(lines[0])
problems = []
if not c["starttls"]: problems.append("starttls is false")
if not c["client_hello"]: problems.append("no ClientHello")
if not c["server_hello"]: problems.append("no ServerHello")
if c["version"] not in ("TLS 1.2", "TLS 1.3"): problems.append("version %r" % c["version"])
if c["sni"] != "test.example": problems.append("sni %r" % c["sni"])
if c["errors"]: problems.append("errors %r" % c["errors"])
print("; ".join(problems))
PY
)
    if [[ -z $why ]]; then
        pass=$((pass + 1))
    else
        echo "starttls: $proto: $why"
        echo "  server: $(tail -c 300 "$tmp/$proto.server")"
        echo "  client: $(grep -m3 -iE 'error|verify|Protocol|Cipher is' "$tmp/$proto.client" | tr '\n' ' ')"
        fail=$((fail + 1))
    fi
done
echo "starttls: $pass passed, $fail failed"
((fail == 0))
