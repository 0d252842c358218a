#!/usr/bin/env bash
# Run tlsscope and tshark on one QUIC capture (default: make the
# 3,000-connection capture with make_quic_capture.sh) and print, for each,
# the best wall time of RUNS rounds (tshark: 3 rounds at most), the peak RSS,
# and the connections found, with the floor: reading the file at all
# (dd bs=1M from the page cache) and a libpcap loop that touches one byte
# per packet.
# Without keys: connections whose ClientHello was found (tlsscope: QUIC
# connections with a ClientHello; tshark: ClientHello frames, the Initials
# it decrypts itself). With the capture's key log (CAPTURE minus .pcap plus
# .keys, as make_quic_capture.sh writes it): tlsscope --keylog (QUIC
# connections whose every packet decrypted) against tshark with the key log
# (connections whose two Finished messages it decrypted); both open every
# 1-RTT packet. tshark is told the server's port is QUIC (-d
# udp.port==4433,quic, the port make_quic_capture.sh uses): without it, a
# connection whose random client port belongs to another dissector (44818
# EtherNet/IP, 41170 Manolito, ...) is not read as QUIC.
# usage: bench/run_quic.sh [CAPTURE] [RUNS=3]   (installs time and tshark when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cap=${1:-}
runs=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/rounds.sh"
need_packages time tshark
if [[ -z $cap ]]; then
    cap=$tmp/qbench.pcap
    bash "$here/make_quic_capture.sh" "$cap" 3000 32768 >/dev/null
fi
gcc -O2 -o "$tmp/pcap_loop" "$here/pcap_loop.c" -lpcap
bin=$root/build/tlsscope
settle_cache "$cap"

# Tools are registered, then run in rounds (bench/rounds.sh).
tool 0 "dd bs=1M (reading the file)" "echo -" 0 dd if="$cap" of=/dev/null bs=1M status=none
tool 0 "libpcap loop, a byte per packet" "echo -" 0 "$tmp/pcap_loop" "$cap"
hellos="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin for c in [json.loads(l)] if c.get(\"transport\") == \"quic\" and c[\"client_hello\"]))'"
tool 0 "tlsscope read --json" "$hellos" 0 "$bin" read --json -q "$cap"
tool 0 "tlsscope read --json -j 2" "$hellos" 0 "$bin" read --json -q -j 2 "$cap"
# the same with UDP flows closed after 1 s without a datagram (the default
# is 600 s): the cost of holding every connection until the end of the file
tool 0 "tlsscope read --json --idle-timeout 1" "$hellos" 0 "$bin" read --json -q --idle-timeout 1 "$cap"
tool 0 "tshark (two hello fields)" "wc -l" 1 tshark -r "$cap" -d udp.port==4433,quic -Y "tls.handshake.type==1" -T fields \
    -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite
keys=${cap%.pcap}.keys
if [[ -s $keys ]]; then
    decrypted="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin for c in [json.loads(l)] if c.get(\"transport\") == \"quic\" and c[\"decryption\"][\"status\"] == \"decrypted\" and not any(c[\"quic\"][\"packets\"][d][k] for d in (\"c2s\", \"s2c\") for k in (\"failed\", \"no_keys\"))))'"
    tool 0 "tlsscope read --json --keylog" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" "$cap"
    tool 0 "tlsscope read --json --keylog -j 2" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" -j 2 "$cap"
    tool 0 "tlsscope --keylog --idle-timeout 1" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" \
        --idle-timeout 1 "$cap"
    # one line per QUIC packet (every 1-RTT packet decrypted and dissected);
    # count the connections where both Finished messages (type 20) appear
    tool 0 "tshark -Y quic (key log)" \
        "awk -F'\t' '{n = split(\$2, t, \",\"); for (i = 1; i <= n; i++) if (t[i] == 20) f[\$1]++} END {c = 0; for (k in f) if (f[k] >= 2) c++; print c}'" \
        1 tshark -r "$cap" -d udp.port==4433,quic -o "tls.keylog_file:$keys" -Y quic -T fields -e quic.connection.number -e tls.handshake.type
fi
run_rounds "$runs"
printf 'capture: %s (%s bytes, %s packets)\n' "$cap" "$(stat -c %s "$cap")" "$("$tmp/pcap_loop" "$cap" | cut -d' ' -f1)"
print_rows 0 connections
get() { result 0 "$1"; }
dd=$(get "dd bs=1M (reading the file)")
tj=$(get "tlsscope read --json")
t2=$(get "tlsscope read --json -j 2")
tk=$(get "tshark (two hello fields)")
ratio "tlsscope --json / dd" "$tj" "$dd"
ratio "tlsscope --json -j 2 / dd" "$t2" "$dd"
ratio "tshark / tlsscope --json" "$tk" "$tj" %.1f
ratio "tshark / tlsscope --json -j 2" "$tk" "$t2" %.1f
if [[ -s $keys ]]; then
    tk1=$(get "tlsscope read --json --keylog")
    tk2=$(get "tlsscope read --json --keylog -j 2")
    sk=$(get "tshark -Y quic (key log)")
    ratio "tlsscope --keylog / dd" "$tk1" "$dd"
    ratio "tshark (keys) / tlsscope --keylog" "$sk" "$tk1" %.1f
    ratio "tshark (keys) / tlsscope --keylog -j 2" "$sk" "$tk2" %.1f
fi
