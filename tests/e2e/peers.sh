#!/usr/bin/env bash
# The client, the server and the demo against real peers, loopback only:
# tlsscope client against openssl s_server and gnutls-serv; openssl
# s_client, gnutls-cli and curl against tlsscope server; client against
# server with --reconnect (resumed); a verification failure with its reason;
# the tap's pcap read by tshark with the same handshake messages and
# decrypted with the key log; the demo's phases and files; the server keeps
# serving while a client stalls.  usage: peers.sh TLSSCOPE_BINARY
set -uo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0 fail=0
check() { if [[ $2 == 0 ]]; then pass=$((pass + 1)); else echo "peers: FAILED: $1"; fail=$((fail + 1)); fi; }
wait_port() { for ((k = 0; k < 200; k++)); do ss -ltn | grep -q "127.0.0.1:$1 " && return 0; sleep 0.025; done; return 1; }
base=$((25000 + $$ % 1000))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 30 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null

# 1. client against openssl s_server (TLS 1.2 and 1.3), with its own pcap and key log
p=$((base + 1))
openssl s_server -accept "127.0.0.1:$p" -www -naccept 2 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -quiet </dev/null >/dev/null 2>&1 &
pids+=($!)
wait_port $p
"$bin" client --cafile "$tmp/cert.pem" --tls1.2 --send 'GET / HTTP/1.0\r\n\r\n' --pcap "$tmp/c1.pcap" \
    --keylog "$tmp/c1.keys" --json "localhost:$p" >"$tmp/c1.json" 2>"$tmp/c1.err"
check "client vs s_server: exit 0 ($(tail -1 "$tmp/c1.err"))" $?
python3 -c "import json,sys; c=json.loads(open(sys.argv[1]).readline()); assert c['version']=='TLS 1.2' and c['complete'] and c['sni']=='localhost', c" "$tmp/c1.json"
check "client vs s_server: TLS 1.2, complete, SNI" $?
grep -q "certificate verified" "$tmp/c1.err"; check "client vs s_server: verdict" $?
# tshark reads the tap's pcap: the same handshake messages, and decrypts it
ours=$(python3 -c "import json,sys; c=json.loads(open(sys.argv[1]).readline()); print(','.join(m['type'] for m in c['messages'] if m['type'] in ('client_hello','server_hello','certificate','server_key_exchange','server_hello_done','client_key_exchange','new_session_ticket')))" "$tmp/c1.json")
theirs=$(tshark -r "$tmp/c1.pcap" -Y tls.handshake.type -T fields -e tls.handshake.type 2>/dev/null | tr ',' '\n' |
    awk '{n=split("1:client_hello 2:server_hello 11:certificate 12:server_key_exchange 14:server_hello_done 16:client_key_exchange 4:new_session_ticket",m," "); for(i=1;i<=n;i++){split(m[i],kv,":"); if(kv[1]==$1) print kv[2]}}' | paste -sd,)
[[ $ours == "$theirs" ]]; check "tshark reads the tap's pcap with the same messages ($ours | $theirs)" $?
tshark -r "$tmp/c1.pcap" -o "tls.keylog_file:$tmp/c1.keys" -Y http.request -T fields -e http.request.method 2>/dev/null | grep -q GET
check "tshark decrypts the tap's pcap with the key log" $?
python3 -c "import json,sys; c=json.loads(open(sys.argv[1]).readline()); d=c['decryption']; assert d['status']=='decrypted' and d['keys']=='keylog', d; assert [m['dir'] for m in c['messages'] if m['type']=='finished' and m.get('decrypted')]==['c2s','s2c'], c['messages']" "$tmp/c1.json"
check "client vs s_server: its report decrypts its own Finished messages" $?
"$bin" client --cafile "$tmp/cert.pem" --tls1.3 --json "localhost:$p" >"$tmp/c13.json" 2>"$tmp/c13.err"
python3 -c "import json,sys; c=json.loads(open(sys.argv[1]).readline()); assert c['version']=='TLS 1.3', c['version']; assert c['decryption']['status']=='decrypted', c['decryption']; assert len(c['certificates'])==1, c['certificates']; assert 'certificate_verify' in [m['type'] for m in c['messages'] if m.get('decrypted')]" "$tmp/c13.json"
check "client vs s_server: TLS 1.3, the certificate read from its own decrypted flight" $?

# 2. client against gnutls-serv
p=$((base + 2))
gnutls-serv --port "$p" --x509certfile "$tmp/cert.pem" --x509keyfile "$tmp/key.pem" >/dev/null 2>&1 &
pids+=($!)
for ((k = 0; k < 200; k++)); do ss -ltn | grep -q ":$p " && break; sleep 0.025; done
"$bin" client --cafile "$tmp/cert.pem" --send 'hello\n' --summary "localhost:$p" >"$tmp/c2.out" 2>"$tmp/c2.err"
check "client vs gnutls-serv: exit 0" $?
grep -qE "TLS 1\.[23] .* complete" "$tmp/c2.out"; check "client vs gnutls-serv: complete handshake" $?

# 3. tlsscope server against openssl s_client, gnutls-cli, curl; then client --reconnect
p=$((base + 3))
"$bin" server --port "$p" --http --summary --count 5 --keylog "$tmp/s.keys" >"$tmp/s.out" 2>"$tmp/s.err" &
srv=$!
pids+=($srv)
wait_port $p
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$p" -ign_eof >"$tmp/sc.out" 2>&1
grep -q "Your ClientHello" "$tmp/sc.out"; check "s_client against the server: the --http page" $?
timeout 10 gnutls-cli --insecure --port "$p" 127.0.0.1 </dev/null >"$tmp/gc.out" 2>&1
grep -q "Handshake was completed" "$tmp/gc.out"; check "gnutls-cli against the server" $?
curl -sk "https://127.0.0.1:$p/json" >"$tmp/curl.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['client_hello']['ja4'], d" "$tmp/curl.json"
check "curl against the server: /json with the client's own hello" $?
"$bin" client --no-verify --reconnect --tls1.2 --summary "127.0.0.1:$p" >"$tmp/rc.out" 2>"$tmp/rc.err"
[[ $(grep -c " resumed" "$tmp/rc.out") == 1 ]]; check "client --reconnect against the server: resumed ($(cat "$tmp/rc.out"))" $?
wait "$srv"
grep -q "5 connections served" "$tmp/s.err"; check "server: served 5 and stopped" $?
[[ $(grep -c "complete" "$tmp/s.out") -ge 4 ]]; check "server: shows each client's handshake" $?

# 4. a verification failure, with its reason
p=$((base + 4))
openssl s_server -accept "127.0.0.1:$p" -www -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -quiet </dev/null >/dev/null 2>&1 &
pids+=($!)
wait_port $p
"$bin" client --summary "localhost:$p" >/dev/null 2>"$tmp/v.err"
rc=$?
[[ $rc == 1 ]] && grep -q "certificate verification failed: self-signed certificate" "$tmp/v.err"
check "verification failure reported with its reason ($(cat "$tmp/v.err" | tr '\n' ' '))" $?

# 5. a refused connection
"$bin" client "127.0.0.1:$((base + 9))" >/dev/null 2>"$tmp/r.err"
[[ $? == 1 ]] && grep -q "Connection refused" "$tmp/r.err"; check "refused connection: clear error" $?

# 5b. a handshake failure (no common version) and a server that never answers
p=$((base + 6))
"$bin" server --port "$p" --tls1.2 --count 1 --summary >/dev/null 2>&1 &
pids+=($!)
wait_port $p
"$bin" client --tls1.3 --no-verify "127.0.0.1:$p" >"$tmp/hf.out" 2>"$tmp/hf.err"
[[ $? == 1 ]] && grep -q "handshake failed: tlsv1 alert protocol version" "$tmp/hf.err" && grep -q "protocol_version" "$tmp/hf.out"
check "handshake failure: reason and the alert shown ($(cat "$tmp/hf.err"))" $?
p=$((base + 7))
python3 -c "import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(1); time.sleep(4)" "$p" &
pids+=($!)
wait_port $p
"$bin" client --timeout 1 --no-verify "127.0.0.1:$p" >/dev/null 2>"$tmp/to.err"
[[ $? == 1 ]] && grep -q "no answer from the server within 1 s" "$tmp/to.err"
check "timeout: clear error ($(cat "$tmp/to.err"))" $?

# 6. the server keeps serving while one client stalls
p=$((base + 5))
"$bin" server --port "$p" --summary --count 2 --handshake-timeout 3 >"$tmp/st.out" 2>"$tmp/st.err" &
srv=$!
pids+=($srv)
wait_port $p
exec 9<>/dev/tcp/127.0.0.1/$p   # connects and says nothing
"$bin" client --no-verify --summary "127.0.0.1:$p" >"$tmp/st2.out" 2>&1
check "server answers another client while one stalls" $?
exec 9>&-
wait "$srv"

# 7. the demo, in a directory of its own
(cd "$tmp" && "$bin" demo >"$tmp/demo.out" 2>&1)
check "demo: exit 0" $?
for ph in "Phase 1, Hello" "Phase 2, Server authentication" "Phase 3, Key exchange" "Phase 4, Finish" \
    "ServerHello: TLS 1.2" "NewSessionTicket: lifetime 7200 s" "ChangeCipherSpec from the client"; do
    grep -q "$ph" "$tmp/demo.out"; check "demo: '$ph'" $?
done
[[ -s $tmp/demo.pcap && -s $tmp/demo.keys ]]; check "demo: demo.pcap and demo.keys written" $?
tshark -r "$tmp/demo.pcap" -o "tls.keylog_file:$tmp/demo.keys" -Y http.request 2>/dev/null | grep -q GET
check "demo: tshark decrypts demo.pcap with demo.keys" $?
(cd "$tmp" && "$bin" demo --tls13 >"$tmp/d13.out" 2>&1) && grep -q "EncryptedExtensions (decrypted)" "$tmp/d13.out" &&
    grep -q "CertificateVerify from the server (decrypted)" "$tmp/d13.out" &&
    grep -q "Finished from the client (decrypted)" "$tmp/d13.out"
check "demo --tls13: the encrypted flights shown decrypted with the demo's key log" $?
(cd "$tmp" && "$bin" demo --legacy >"$tmp/dl.out" 2>&1) &&
    grep -q "ServerHello: TLS 1.0, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" "$tmp/dl.out"
check "demo --legacy" $?

# 8. demo --classic: the textbook's handshake by gnutls-serv and gnutls-cli,
# in a directory that does not exist yet, read back by tlsscope and tshark
cdir=$tmp/classic/sub
"$bin" demo --classic --dir "$cdir" >"$tmp/dc.out" 2>&1
check "demo --classic --dir (new directory): exit 0 ($(tail -n 1 "$tmp/dc.out"))" $?
for ph in "ServerHello: TLS 1.0, TLS_ECDHE_RSA_WITH_RC4_128_SHA" "session_ticket extension is empty" \
    "NewSessionTicket: lifetime 21600 s" "Finished from the server (decrypted)"; do
    grep -q "$ph" "$tmp/dc.out"; check "demo --classic: '$ph'" $?
done
"$bin" read --json --keylog "$cdir/demo.keys" "$cdir/demo.pcap" 2>/dev/null | python3 -c '
import json, sys
c = json.loads(sys.stdin.readline())
ext = [e for e in c["client_hello"]["extensions"] if e["name"] == "session_ticket"]
assert c["version"] == "TLS 1.0" and c["cipher_suite"]["code"] == "0xc011", c["cipher_suite"]
assert ext and ext[0]["length"] == 0, ext
assert c["session_ticket"]["lifetime_hint"] == 21600 and c["decryption"]["status"] == "decrypted", c["decryption"]
assert c["app_data"]["c2s"]["plaintext_bytes"] > 0
'
check "demo --classic: read --json: TLS 1.0, 0xc011, empty session_ticket, ticket lifetime, decrypted" $?
tshark -r "$cdir/demo.pcap" -o "tls.keylog_file:$cdir/demo.keys" -Y http.request 2>/dev/null | grep -q GET
check "demo --classic: tshark decrypts demo.pcap with demo.keys" $?
[[ $(stat -c %a "$cdir/demo-classic.key") == 600 ]]; check "demo --classic: the server key is private (0600)" $?
printf 'x' >"$tmp/notadir"
"$bin" demo --dir "$tmp/notadir/d" >/dev/null 2>"$tmp/nd.err"
[[ $? == 1 ]] && grep -q "notadir/d: cannot create the directory" "$tmp/nd.err"
check "demo --dir under a file: clear error ($(cat "$tmp/nd.err"))" $?
echo "peers: $pass passed, $fail failed"
((fail == 0))
