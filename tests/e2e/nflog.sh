#!/usr/bin/env bash
# Linux NFLOG captures made for real (issue 16): in a network namespace,
# iptables (ip6tables; nft's `log group` when iptables cannot) sends the
# packets of a TLS port to an NFLOG group on their way out and in, `tcpdump -i
# nflog:N` writes them (link type 239), and openssl s_server/s_client make
# three handshakes over the namespace's loopback: TLS 1.3 and TLS 1.2 over
# IPv4, TLS 1.3 over IPv6. tlsscope must read the file to the same
# connections tshark reads (tshark_diff.py), with its own reader and
# libpcap's, with one thread and two; and `tlsscope capture -i nflog:M` must
# show a handshake live from another group.
# Needs root, ip, iptables or nft, tcpdump, openssl, tshark; exit 77
# (skipped) otherwise.  usage: [NFLOG_KEEP=FILE] nflog.sh TLSSCOPE_BINARY
# (NFLOG_KEEP: keep a copy of the NFLOG capture there)
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
if [[ $(id -u) != 0 ]]; then echo "nflog: SKIPPED: needs root for network namespaces and netfilter"; exit 77; fi
for t in ip tcpdump openssl tshark python3; do
    command -v "$t" >/dev/null || { echo "nflog: SKIPPED: $t is not installed"; exit 77; }
done
if ! command -v iptables >/dev/null && ! command -v nft >/dev/null; then
    echo "nflog: SKIPPED: neither iptables nor nft is installed (make deps installs iptables)"
    exit 77
fi

ns=tsc-nflog-$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0
check() { # name, condition result (0 = ok)
    if [[ $2 == 0 ]]; then pass=$((pass + 1)); else echo "nflog: FAILED: $1"; fail=$((fail + 1)); fi
}
# (background processes are started with `ip netns exec` itself, which execs
# them: $! is then the process, not a subshell that would ignore SIGINT)
inns() { ip netns exec "$ns" "$@"; }

if ! ip netns add "$ns" 2>"$tmp/ns.err"; then
    echo "nflog: SKIPPED: cannot create a network namespace ($(cat "$tmp/ns.err"))"
    exit 77
fi
inns ip link set lo up

port=$((24000 + $$ % 1000))
port2=$((port + 1000))
group=$((100 + $$ % 100))
group2=$((group + 100))

# Log a port's packets to a group: client to server on the way out, server
# to client on the way in (on loopback every packet passes both hooks; each
# is logged once). iptables first, nft's log statement if iptables fails.
nflog_rules() { # port group
    local p=$1 g=$2 ok=1 ipt
    for ipt in iptables ip6tables; do
        command -v "$ipt" >/dev/null || { ok=0; break; }
        inns "$ipt" -A OUTPUT -p tcp --dport "$p" -j NFLOG --nflog-group "$g" 2>>"$tmp/rules.err" &&
            inns "$ipt" -A INPUT -p tcp --sport "$p" -j NFLOG --nflog-group "$g" 2>>"$tmp/rules.err" || { ok=0; break; }
    done
    if [[ $ok == 1 ]]; then echo iptables; return 0; fi
    command -v nft >/dev/null || return 1
    inns nft add table inet tsc 2>/dev/null
    inns nft add chain inet tsc out "{ type filter hook output priority 0; }" 2>/dev/null
    inns nft add chain inet tsc in "{ type filter hook input priority 0; }" 2>/dev/null
    inns nft add rule inet tsc out tcp dport "$p" log group "$g" 2>>"$tmp/rules.err" &&
        inns nft add rule inet tsc in tcp sport "$p" log group "$g" 2>>"$tmp/rules.err" && echo nft && return 0
    return 1
}
if ! how=$(nflog_rules "$port" "$group"); then
    echo "nflog: SKIPPED: netfilter rules cannot be set here: $(tr '\n' ' ' <"$tmp/rules.err")"
    exit 77
fi
nflog_rules "$port2" "$group2" >/dev/null || { echo "nflog: SKIPPED: a second group cannot be set"; exit 77; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 30 -subj "/CN=nflog.example" 2>/dev/null

# one handshake and an HTTP exchange against a one-shot s_server: address, port, s_client options...
handshake() {
    local addr=$1 p=$2 k
    shift 2
    ip netns exec "$ns" openssl s_server -accept "$addr:$p" -www -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
        >/dev/null 2>&1 </dev/null &
    local srv=$!
    pids+=("$srv")
    for ((k = 0; k < 200; k++)); do inns ss -ltn | grep -q ":$p " && break; sleep 0.025; done
    printf 'GET / HTTP/1.0\r\n\r\n' | inns timeout 10 openssl s_client -connect "$addr:$p" \
        -servername nflog.example -ign_eof "$@" >/dev/null 2>&1
    wait "$srv" 2>/dev/null
}

# 1. tcpdump -i nflog:N writes the file
ip netns exec "$ns" tcpdump -Z root -U -i "nflog:$group" -w "$tmp/nflog.pcap" 2>"$tmp/tcpdump.err" &
td=$!
pids+=("$td")
for ((k = 0; k < 200; k++)); do grep -q "listening on" "$tmp/tcpdump.err" && break; sleep 0.025; done
handshake 127.0.0.1 "$port"
handshake 127.0.0.1 "$port" -tls1_2
handshake "[::1]" "$port"
sleep 1.5 # the kernel hands logged packets to the group once a second (nflog's flush timeout)
kill -INT "$td"
wait "$td" 2>/dev/null
[[ -n ${NFLOG_KEEP:-} ]] && cp "$tmp/nflog.pcap" "$NFLOG_KEEP" # (how tests/golden/captures/nflog.pcap was made)
grep -q "link-type NFLOG" "$tmp/tcpdump.err"; check "tcpdump: listening with link type NFLOG ($(head -1 "$tmp/tcpdump.err"))" $?
python3 - "$tmp/nflog.pcap" <<'PY'
import struct, sys
h = open(sys.argv[1], "rb").read(24)
e = "<" if h[:4] == b"\xd4\xc3\xb2\xa1" else ">"
assert struct.unpack(e + "I", h[20:24])[0] & 0xffff == 239, "not link type 239"
PY
check "the file's link type is NFLOG (239)" $?

"$bin" read --json -q "$tmp/nflog.pcap" >"$tmp/read.json" 2>"$tmp/read.err"
check "read: exit 0 ($(cat "$tmp/read.err"))" $?
python3 - "$tmp/read.json" "$port" <<'PY'
import json, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(conns) == 3, "expected 3 connections, got %d" % len(conns)
versions = sorted(c["version"] for c in conns)
assert versions == ["TLS 1.2", "TLS 1.3", "TLS 1.3"], versions
for c in conns:
    assert c["sni"] == "nflog.example", c["sni"]
    assert c["client_hello"] and c["server_hello"], "a hello is missing"
    assert c["server"]["port"] == int(sys.argv[2]), c["server"]
assert any(":" in c["server"]["ip"] for c in conns), "no IPv6 connection"
PY
check "read: three handshakes (TLS 1.3, 1.2, IPv6) from the NFLOG capture" $?

python3 "$here/tshark_diff.py" --tlsscope "$bin" "$tmp/nflog.pcap" >"$tmp/diff.out" 2>&1
check "tshark_diff: $(tail -1 "$tmp/diff.out")" $?
grep -q "3 passed, 0 failed" "$tmp/diff.out"; check "tshark_diff compared the three connections" $?

"$bin" read --reader libpcap --json -q "$tmp/nflog.pcap" >"$tmp/libpcap.json" 2>&1
cmp -s "$tmp/read.json" "$tmp/libpcap.json"; check "libpcap's reader: the same JSON" $?
"$bin" read -j 2 --json -q "$tmp/nflog.pcap" >"$tmp/j2.json" 2>&1
cmp -s "$tmp/read.json" "$tmp/j2.json"; check "-j 2: the same JSON" $?

# 2. live, from another group
ip netns exec "$ns" "$bin" capture -i "nflog:$group2" --json >"$tmp/live.json" 2>"$tmp/live.err" &
cap=$!
pids+=("$cap")
for ((k = 0; k < 200; k++)); do grep -q "capturing on" "$tmp/live.err" && break; sleep 0.025; done
handshake 127.0.0.1 "$port2"
sleep 1.5
kill -INT "$cap"
wait "$cap"
check "capture -i nflog:$group2: exit 0 after SIGINT ($(head -2 "$tmp/live.err" | tr '\n' ' '))" $?
python3 - "$tmp/live.json" <<'PY'
import json, sys
conns = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(conns) == 1, "expected 1 connection, got %d" % len(conns)
assert conns[0]["sni"] == "nflog.example" and conns[0]["version"] == "TLS 1.3", conns[0]
PY
check "capture -i nflog:$group2: the handshake shown live" $?

echo "nflog: rules set with $how"
echo "nflog: $pass passed, $fail failed"
[[ $fail == 0 ]]
