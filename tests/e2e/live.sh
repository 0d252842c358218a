#!/usr/bin/env bash
# Live capture: `tlsscope capture -i lo` sees a real openssl s_server/s_client
# handshake, shows it, writes the raw packets with -w (which `tlsscope read`
# reads back to the same connection), and prints its counts on SIGINT; the
# clear errors: a missing interface, missing privileges; and --keylog read
# again as the key log grows during the capture; a DTLS handshake (UDP)
# picked up live like a TCP one; and a QUIC connection, decrypted live.
# Needs root; exit 77 (skipped) otherwise.  usage: live.sh TLSSCOPE_BINARY
set -uo pipefail
bin=$1
if [[ $(id -u) != 0 ]]; then echo "live: SKIPPED: needs root to capture"; exit 77; fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0 fail=0
check() { # name, condition result (0 = ok)
    if [[ $2 == 0 ]]; then pass=$((pass + 1)); else echo "live: FAILED: $1"; fail=$((fail + 1)); fi
}

# 1. a missing interface
"$bin" capture -i tsc-no-such-if0 >"$tmp/o1" 2>"$tmp/e1"
rc=$?
check "missing interface: exit 1" $((rc != 1))
grep -q "^tlsscope: tsc-no-such-if0: no such interface" "$tmp/e1"; check "missing interface: clear message ($(cat "$tmp/e1"))" $?

# 2. no privileges (an unprivileged user without CAP_NET_RAW)
if command -v setpriv >/dev/null; then
    cp "$bin" "$tmp/tlsscope"
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
        "$tmp/tlsscope" capture -i lo >"$tmp/o2" 2>"$tmp/e2"
    rc=$?
    check "no privileges: exit 1" $((rc != 1))
    grep -q "needs root or CAP_NET_RAW" "$tmp/e2"; check "no privileges: says so ($(cat "$tmp/e2"))" $?
fi

# 3. a real handshake, live
port=$((23000 + $$ % 1000))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 30 -subj "/CN=live.example" 2>/dev/null
# `tlsscope capture -i lo ARGS...` with stdout to OUT and stderr to ERR, then
# an s_server for one connection on $port; both ready on return ($cap, $srv)
capture_and_server() {
    local out=$1 err=$2 k
    shift 2
    "$bin" capture -i lo "$@" >"$out" 2>"$err" &
    cap=$!
    pids+=("$cap")
    for ((k = 0; k < 200; k++)); do grep -q "capturing on lo" "$err" && break; sleep 0.025; done
    sleep 0.3
    openssl s_server -accept "127.0.0.1:$port" -www -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
        >/dev/null 2>&1 </dev/null &
    srv=$!
    pids+=("$srv")
    for ((k = 0; k < 200; k++)); do ss -ltn | grep -q ":$port " && break; sleep 0.025; done
}
capture_and_server "$tmp/live.json" "$tmp/live.err" --json -w "$tmp/live.pcap" "tcp port $port"
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername live.example \
    -ign_eof >/dev/null 2>&1
wait "$srv" 2>/dev/null
sleep 0.5
kill -INT "$cap"
wait "$cap"
rc=$?
check "capture: exit 0 after SIGINT (got $rc)" $((rc != 0))
grep -q "kernel: .* packets received, .* dropped" "$tmp/live.err"; check "capture: kernel counts on stop" $?
python3 - "$tmp/live.json" <<'PY'
import json, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(conns) == 1, "expected 1 connection, got %d" % len(conns)
c = conns[0]
assert c["sni"] == "live.example", c["sni"]
assert c["version"] == "TLS 1.3", c["version"]
assert c["client_hello"] and c["server_hello"]
PY
check "capture: the handshake shown as JSON" $?
"$bin" read --json -q "$tmp/live.pcap" >"$tmp/reread.json"
python3 - "$tmp/live.json" "$tmp/reread.json" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(a) == len(b) == 1
for k in ("client", "server", "version", "cipher_suite", "sni", "client_hello", "server_hello"):
    assert a[0][k] == b[0][k], k
PY
check "capture -w: the written file reads back to the same connection" $?
# 4. live decryption: the key log does not exist when the capture starts and
# grows while it runs (s_client writes it during the handshake)
port=$((port + 1))
capture_and_server "$tmp/dec.json" "$tmp/dec.err" --json --keylog "$tmp/live.keys" --export-streams "$tmp/streams" \
    "tcp port $port"
printf 'GET /live-decrypt HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -servername live.example -keylogfile "$tmp/live.keys" -ign_eof >/dev/null 2>&1
wait "$srv" 2>/dev/null
sleep 0.5
kill -INT "$cap"
wait "$cap"
rc=$?
check "capture --keylog: exit 0 after SIGINT (got $rc; $(head -c 300 "$tmp/dec.err"))" $((rc != 0))
python3 - "$tmp/dec.json" "$tmp/streams" <<'PY'
import json, os, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(conns) == 1, "expected 1 connection, got %d" % len(conns)
c = conns[0]
d = c["decryption"]
assert d["status"] == "decrypted", d
assert d["keys"] == "keylog", d
types = [m["type"] for m in c["messages"] if m.get("decrypted")]
for t in ("encrypted_extensions", "certificate", "certificate_verify", "finished"):
    assert t in types, (t, types)
assert len(c["certificates"]) == 1, c["certificates"]
assert open(os.path.join(sys.argv[2], "1-c2s.bin"), "rb").read() == b"GET /live-decrypt HTTP/1.0\r\n\r\n"
PY
check "capture --keylog: a key log written during the capture decrypts the connection" $?
# 5. DTLS, live: UDP datagrams picked up like TCP streams
port=$((port + 1))
"$bin" capture -i lo --json "udp port $port" >"$tmp/dtls.json" 2>"$tmp/dtls.err" &
cap=$!
pids+=("$cap")
for ((k = 0; k < 200; k++)); do grep -q "capturing on lo" "$tmp/dtls.err" && break; sleep 0.025; done
sleep 0.3
# (s_server's DTLS loop ends at the end of its stdin: keep it open)
sleep 8 | openssl s_server -dtls1_2 -accept "127.0.0.1:$port" -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
    >/dev/null 2>&1 &
srv=$!
pids+=("$srv")
for ((k = 0; k < 200; k++)); do ss -lun | grep -q ":$port " && break; sleep 0.025; done
(echo "hello over dtls"; sleep 0.5) | timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
    -servername live.example >/dev/null 2>&1
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
sleep 0.5
kill -INT "$cap"
wait "$cap"
rc=$?
check "capture DTLS: exit 0 after SIGINT (got $rc; $(head -c 300 "$tmp/dtls.err"))" $((rc != 0))
python3 - "$tmp/dtls.json" <<'PY'
import json, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(conns) == 1, "expected 1 connection, got %d" % len(conns)
c = conns[0]
assert c["transport"] == "dtls", c["transport"]
assert c["version"] == "DTLS 1.2", c["version"]
assert c["sni"] == "live.example", c["sni"]
assert c["complete"], c
types = [m["type"] for m in c["messages"]]
for t in ("client_hello", "hello_verify_request", "server_hello", "certificate", "client_key_exchange",
          "encrypted_handshake"):
    assert t in types, (t, types)
PY
check "capture DTLS: the DTLS 1.2 handshake shown as JSON" $?
# 6. QUIC, live: ngtcp2's GnuTLS peers; the key log written during the
# capture (SSLKEYLOGFILE) is read again as it grows, so the Handshake and
# 1-RTT packets open too
if command -v gtlsserver >/dev/null && command -v gtlsclient >/dev/null; then
    port=$((port + 1))
    mkdir -p "$tmp/htdocs" "$tmp/dl"
    echo "hello over quic" >"$tmp/htdocs/index.html"
    "$bin" capture -i lo --json --keylog "$tmp/quic.keys" "udp port $port" >"$tmp/quic.json" 2>"$tmp/quic.err" &
    cap=$!
    pids+=("$cap")
    for ((k = 0; k < 200; k++)); do grep -q "capturing on lo" "$tmp/quic.err" && break; sleep 0.025; done
    sleep 0.3
    gtlsserver -q -d "$tmp/htdocs" 127.0.0.1 "$port" "$tmp/key.pem" "$tmp/cert.pem" >/dev/null 2>&1 &
    srv=$!
    pids+=("$srv")
    for ((k = 0; k < 200; k++)); do ss -lun | grep -q ":$port " && break; sleep 0.025; done
    SSLKEYLOGFILE="$tmp/quic.keys" timeout 10 gtlsclient -q --exit-on-all-streams-close --timeout=3s \
        --download="$tmp/dl" 127.0.0.1 "$port" https://localhost/index.html >/dev/null 2>&1
    check "capture QUIC: the client fetched the page ($(cat "$tmp/dl/index.html" 2>/dev/null))" \
        $(cmp -s "$tmp/htdocs/index.html" "$tmp/dl/index.html"; echo $?)
    kill "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
    sleep 0.5
    kill -INT "$cap"
    wait "$cap"
    rc=$?
    check "capture QUIC: exit 0 after SIGINT (got $rc; $(head -c 300 "$tmp/quic.err"))" $((rc != 0))
    python3 - "$tmp/quic.json" <<'PY'
import json, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(conns) == 1, "expected 1 connection, got %d" % len(conns)
c = conns[0]
assert c["transport"] == "quic", c["transport"]
assert c["version"] == "TLS 1.3", c["version"]
assert c["quic"]["version"] == "1", c["quic"]
assert c["sni"] == "localhost", c["sni"]
assert c["alpn"]["selected"] == "h3", c["alpn"]
assert c["complete"], c
types = [m["type"] for m in c["messages"]]
for t in ("client_hello", "server_hello", "encrypted_extensions", "certificate", "certificate_verify", "finished"):
    assert t in types, (t, types)
assert c["decryption"]["status"] in ("decrypted", "partial"), c["decryption"]
PY
    check "capture QUIC: the handshake shown as JSON, decrypted with a key log written during the capture" $?
else
    echo "live: QUIC part SKIPPED: gtlsserver/gtlsclient (ngtcp2-server, ngtcp2-client) not installed"
fi
echo "live: $pass passed, $fail failed"
((fail == 0))
