#!/usr/bin/env bash
# The DTLS peers (issue 14), loopback only: tlsscope client --dtls against
# tlsscope server --dtls (the cookie exchange shown by both, JSON, the tap's
# pcap read and decrypted by tshark with the client's key log, resumption),
# DTLS 1.0; interop both ways with openssl s_server/s_client -dtls1_2, a
# certificate flight fragmented by a small --mtu; the errors (no answer,
# nothing listening, usage); demo --dtls.  usage: peers_dtls.sh TLSSCOPE_BINARY
set -uo pipefail
shopt -s extglob
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
command -v openssl >/dev/null || { echo "peers_dtls: openssl not found: skipped"; exit 77; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0 fail=0
check() { if [[ $2 == 0 ]]; then pass=$((pass + 1)); else echo "peers_dtls: FAILED: $1"; fail=$((fail + 1)); fi; }
wait_udp() { for ((k = 0; k < 200; k++)); do ss -lun | grep -q "127.0.0.1:$1 " && return 0; sleep 0.025; done; return 1; }
base=$((26000 + $$ % 1000))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 30 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" 2>/dev/null
have_tshark=0
command -v tshark >/dev/null && have_tshark=1
# a UDP port that takes datagrams and never answers (started now: python is slow to start)
silent=$((base + 5))
python3 -c "import socket,sys,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',int(sys.argv[1]))); time.sleep(30)" "$silent" &
pids+=($!)

# JSON connections, one line each (one python run: it is slow to start):
# file, version, complete, application data records each way, the message
# types in order, the plaintext ones as numbers, the first certificate's serial.
conns() {
    python3 -c "import json,sys
n={'client_hello':1,'hello_verify_request':3,'server_hello':2,'certificate':11,'server_key_exchange':12,
   'server_hello_done':14,'client_key_exchange':16,'new_session_ticket':4}
for f in sys.argv[1:]:
    c=json.loads(open(f).readline())
    a=c.get('app_data',{})
    print(f.rsplit('/',1)[-1], c['version'].replace(' ','_'), c['complete'], a.get('c2s',{}).get('records',0),
          a.get('s2c',{}).get('records',0), ','.join(m['type'] for m in c['messages']),
          ','.join(str(n[m['type']]) for m in c['messages'] if m['type'] in n) or '-',
          c['certificates'][0]['serial'].replace(':','').lower().lstrip('0') if c.get('certificates') else '-')" "$@"
}
hello_seq="client_hello,hello_verify_request,client_hello,server_hello,certificate,server_key_exchange,server_hello_done,client_key_exchange"

# 1. client --dtls against server --dtls: both show the cookie exchange
p=$((base + 1))
"$bin" server --dtls --port "$p" --count 3 --echo --keylog "$tmp/s.keys" >"$tmp/s.out" 2>"$tmp/s.err" &
srv=$!
pids+=($srv)
wait_udp $p
"$bin" client --dtls --cafile "$tmp/cert.pem" --no-verify --send 'hello dtls\n' --pcap "$tmp/c1.pcap" \
    --keylog "$tmp/c1.keys" --json "localhost:$p" >"$tmp/c1.json" 2>"$tmp/c1.err"
check "client --dtls vs server --dtls: exit 0 ($(tail -1 "$tmp/c1.err"))" $?
[[ -s $tmp/c1.keys ]] && grep -q '^CLIENT_RANDOM ' "$tmp/c1.keys"; check "client --dtls --keylog writes CLIENT_RANDOM" $?
"$bin" client --dtls --no-verify --reconnect --summary "127.0.0.1:$p" >"$tmp/rc.out" 2>"$tmp/rc.err"
[[ $(grep -c " resumed" "$tmp/rc.out") == 1 ]] && grep -q "session resumed" "$tmp/rc.err"
check "client --dtls --reconnect: the second connection resumed ($(cat "$tmp/rc.out"))" $?
wait "$srv"; check "server exit 0" $?
grep -q "3 connections served" "$tmp/s.err"; check "server --dtls: served 3 and stopped" $?
[[ $(grep -c "HelloVerifyRequest" "$tmp/s.out") == 3 && $(grep -c "^Connection " "$tmp/s.out") == 3 ]]
check "server --dtls: each connection with its cookie exchange ($(grep -c HelloVerifyRequest "$tmp/s.out"))" $?
awk '/^Connection 1 /{on=1; next} /^Connection /{on=0} on' "$tmp/s.out" >"$tmp/s1.out"
[[ $(grep -c "C>S ClientHello" "$tmp/s1.out") == 2 ]] && grep -q "S>C ServerHello DTLS 1.2" "$tmp/s1.out" &&
    grep -q "S>C Certificate 1 certificate" "$tmp/s1.out" && grep -q "C>S Finished" "$tmp/s1.out" &&
    grep -q "S>C Finished" "$tmp/s1.out"
check "server --dtls: ClientHello twice, ServerHello, Certificate, both Finished" $?
[[ $(grep -c '^CLIENT_RANDOM ' "$tmp/s.keys") == 3 ]]; check "server --dtls --keylog: a line per connection" $?

# 2. DTLS 1.0 (OpenSSL's security level 0, said)
p=$((base + 2))
"$bin" server --dtls1.0 --port "$p" --count 1 --summary >"$tmp/s10.out" 2>"$tmp/s10.err" &
srv=$!
pids+=($srv)
wait_udp $p
"$bin" client --dtls --min 1.0 --max 1.0 --no-verify --json "127.0.0.1:$p" >"$tmp/c10.json" 2>"$tmp/c10.err"
grep -q "DTLS 1.0: OpenSSL security level 0" "$tmp/c10.err"; check "client --dtls --min 1.0: security level 0, said" $?
wait "$srv"; check "server exit 0" $?

# 3. interop: client --dtls against openssl s_server -dtls1_2 (its certificate
# flight comes in fragments: s_server's unconnected socket uses a small MTU)
p=$((base + 3))
serial=$(openssl x509 -in "$tmp/cert.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
openssl s_server -dtls1_2 -accept "127.0.0.1:$p" -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -quiet \
    </dev/null >/dev/null 2>&1 &
pids+=($!)
wait_udp $p
"$bin" client --dtls1.2 --cafile "$tmp/cert.pem" --json "localhost:$p" >"$tmp/c3.json" 2>"$tmp/c3.err"
check "client --dtls vs s_server -dtls1_2: exit 0, verified ($(tail -1 "$tmp/c3.err"))" $?

# what the three JSON reports say
conns "$tmp/c1.json" "$tmp/c10.json" "$tmp/c3.json" >"$tmp/conns"
read -r _ ver complete c2s s2c t ours _ < <(grep '^c1.json ' "$tmp/conns")
[[ "$ver $complete $c2s $s2c" == "DTLS_1.2 True 1 1" ]]
check "client --dtls: DTLS 1.2, complete, the echo came back ($ver $complete $c2s $s2c)" $?
[[ $t == "$hello_seq",* ]]; check "client --dtls: HelloVerifyRequest between two ClientHellos, then the TLS 1.2 flights ($t)" $?
if ((have_tshark)); then
    # tshark reads the tap's UDP packets: the same plaintext handshake messages
    tshark -r "$tmp/c1.pcap" -o "tls.keylog_file:$tmp/c1.keys" -T fields -E 'separator=;' -e dtls.handshake.type \
        -e dtls.handshake.extensions_server_name -e data.data >"$tmp/c1.tshark" 2>/dev/null
    theirs=$(cut -d';' -f1 "$tmp/c1.tshark" | tr ',' '\n' | grep -xE '1|2|3|4|11|12|14|16' | uniq | paste -sd,)
    [[ $ours != - && $ours == "$theirs" ]]; check "tshark reads the tap's pcap with the same messages ($ours | $theirs)" $?
    [[ $(cut -d';' -f2 "$tmp/c1.tshark" | grep -c localhost) == 2 ]]
    check "client --dtls sends the server name in both ClientHellos (tshark)" $?
    cut -d';' -f3 "$tmp/c1.tshark" | grep -q "$(printf 'hello dtls' | od -An -tx1 | tr -d ' \n')"
    check "tshark decrypts the tap's pcap with the client's key log" $?
fi
read -r _ ver complete _ < <(grep '^c10.json ' "$tmp/conns")
[[ "$ver $complete" == "DTLS_1.0 True" ]]; check "client --dtls --min/--max 1.0 vs server --dtls1.0: DTLS 1.0 ($ver)" $?
read -r _ _ _ _ _ t _ cserial < <(grep '^c3.json ' "$tmp/conns")
[[ $t == "$hello_seq",* ]]; check "client --dtls vs s_server: the cookie exchange and the flights ($t)" $?
[[ $cserial == "${serial##+(0)}" && -n $cserial ]]
check "client --dtls vs s_server: the certificate reassembled from its fragments (serial $serial)" $?

# 4. interop: openssl s_client -dtls1_2 against server --dtls, certificate
# flight fragmented by --mtu 256 (the smallest OpenSSL takes)
p=$((base + 4))
"$bin" server --dtls --port "$p" --mtu 256 --count 1 --pcap "$tmp/s4.pcap" >"$tmp/s4.out" 2>"$tmp/s4.err" &
srv=$!
pids+=($srv)
wait_udp $p
# stdin's end after the handshake: s_client sends close_notify and leaves
printf 'ping\n' | timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$p" >"$tmp/sc.out" 2>&1
grep -q "New, TLSv1.2, Cipher is ECDHE-ECDSA" "$tmp/sc.out"; check "s_client -dtls1_2 against server --dtls: handshake done" $?
wait "$srv"; check "server exit 0" $?
grep -q "S>C HelloVerifyRequest" "$tmp/s4.out" && grep -q "S>C Certificate 1 certificate" "$tmp/s4.out" &&
    grep -q "DTLS 1.2" "$tmp/s4.out"
check "server --dtls shows s_client's handshake" $?
if ((have_tshark)); then
    tshark -r "$tmp/s4.pcap" -T fields -E 'separator=;' -e udp.srcport -e ip.len -e dtls.handshake.type >"$tmp/s4.tshark" 2>/dev/null
    n=$(grep -cE ';(.*,)?11(,|$)' "$tmp/s4.tshark")
    big=$(awk -F';' -v p="$p" '$1 == p {print $2}' "$tmp/s4.tshark" | sort -n | tail -1)
    ((n >= 2 && big <= 256)); check "server --dtls --mtu 256: the certificate in $n datagrams, none over the MTU ($big)" $?
fi

# 5. errors: nothing listening, no answer, usage
"$bin" client --dtls "127.0.0.1:$((base + 9))" >/dev/null 2>"$tmp/r.err"
[[ $? == 1 ]] && grep -q "127.0.0.1: handshake failed: Connection refused" "$tmp/r.err"
check "client --dtls, nothing listening: one clear line ($(cat "$tmp/r.err"))" $?
p=$silent
wait_udp $p
start=$(date +%s%N)
"$bin" client --dtls --timeout 1 "127.0.0.1:$p" >/dev/null 2>"$tmp/to.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[[ $rc == 1 ]] && grep -q "127.0.0.1: handshake failed: no answer from UDP port $p within 1 s" "$tmp/to.err" && ((ms < 2500))
check "client --dtls, a silent port: gives up at its deadline ($ms ms: $(cat "$tmp/to.err"))" $?
"$bin" client --dtls --tls1.3 127.0.0.1:1 2>/dev/null; [[ $? == 2 ]]; check "usage: --dtls with --tls1.3" $?
"$bin" client --dtls --min 1.1 127.0.0.1:1 2>/dev/null; [[ $? == 2 ]]; check "usage: --dtls --min 1.1" $?
"$bin" client --mtu 500 127.0.0.1:1 2>/dev/null; [[ $? == 2 ]]; check "usage: --mtu without --dtls" $?
"$bin" server --dtls --http 2>/dev/null; [[ $? == 2 ]]; check "usage: server --dtls --http" $?

# 6. demo --dtls
(cd "$tmp" && "$bin" demo --dtls >"$tmp/demo.out" 2>&1)
check "demo --dtls: exit 0" $?
for s in "a DTLS 1.2 client and server" "HelloVerifyRequest: a cookie" "ServerHello: DTLS 1.2" \
    "Certificate: 1 certificate" "Phase 4, Finish" "Finished from the server"; do
    grep -q "$s" "$tmp/demo.out"; check "demo --dtls: '$s'" $?
done
[[ -s $tmp/demo.pcap ]] && grep -q '^CLIENT_RANDOM ' "$tmp/demo.keys"; check "demo --dtls: demo.pcap and demo.keys written" $?
echo "peers_dtls: $pass passed, $fail failed"
((fail == 0))
