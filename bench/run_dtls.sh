#!/usr/bin/env bash
# Run tlsscope and tshark on one DTLS capture (default: make the
# 2,000-connection capture with make_dtls_capture.sh) and print, for each,
# the best wall time of RUNS rounds (tshark: 3 rounds at most), the peak RSS,
# and the connections found, with the floor: reading the file at all
# (dd bs=1M from the page cache).
# Without keys: connections whose ClientHello was found (tlsscope: DTLS
# connections with a ClientHello; tshark: ClientHello frames that carry the
# server's cookie, one per connection: each connection's first ClientHello
# is answered with a HelloVerifyRequest and sent again with the cookie).
# With the capture's key log (CAPTURE minus .pcap plus .keys, as
# make_dtls_capture.sh writes it): tlsscope --keylog (DTLS connections whose
# decryption.status is "decrypted": every encrypted record decrypted and
# verified) against tshark with the key log, one line per DTLS datagram
# with the length of the decrypted application data (so every record is
# decrypted and dissected), counting the connections whose two Finished
# messages it decrypted. tshark is told the server ports are DTLS (-d
# udp.port==4433,dtls and 4434, the ports make_dtls_capture.sh uses): it
# would otherwise take a datagram to or from a client port registered to
# another protocol for that protocol.
# Before the rounds the capture and its key log are put in one page-cache
# state: evicted, then read once (as bench/run.sh does), so runs compare.
# usage: bench/run_dtls.sh [CAPTURE] [RUNS=7]   (installs time and tshark when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cap=${1:-}
runs=${2:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/rounds.sh"
need_packages time tshark
if [[ -z $cap ]]; then
    cap=$tmp/dbench.pcap
    bash "$here/make_dtls_capture.sh" "$cap" 2000 32768 >/dev/null
fi
keys=${cap%.pcap}.keys
gcc -O2 -o "$tmp/pcap_loop" "$here/pcap_loop.c" -lpcap # only to count the packets
bin=$root/build/tlsscope
settle_cache "$cap" "$keys"

# Tools are registered, then run in rounds (bench/rounds.sh).
dports=(-d "udp.port==4433,dtls" -d "udp.port==4434,dtls")
tool 0 "dd bs=1M (reading the file)" "echo -" 0 dd if="$cap" of=/dev/null bs=1M status=none
hellos="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin for c in [json.loads(l)] if c.get(\"transport\") == \"dtls\" and c[\"client_hello\"]))'"
tool 0 "tlsscope read --json" "$hellos" 0 "$bin" read --json -q "$cap"
tool 0 "tlsscope read --json -j 2" "$hellos" 0 "$bin" read --json -q -j 2 "$cap"
# the ClientHello fields of the TLS bench, and the cookie's length to count
# each connection once (its second ClientHello)
tool 0 "tshark (two hello fields)" "awk -F'\t' '\$3 > 0' | wc -l" 1 tshark -r "$cap" "${dports[@]}" \
    -Y "dtls.handshake.type==1" -T fields \
    -e dtls.handshake.extensions_server_name -e dtls.handshake.ciphersuite -e dtls.handshake.cookie_length
if [[ -s $keys ]]; then
    decrypted="python3 -c 'import sys,json; print(sum(1 for l in sys.stdin for c in [json.loads(l)] if c.get(\"transport\") == \"dtls\" and c[\"decryption\"][\"status\"] == \"decrypted\"))'"
    tool 0 "tlsscope read --json --keylog" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" "$cap"
    tool 0 "tlsscope read --json --keylog -j 2" "$decrypted" 0 "$bin" read --json -q --keylog "$keys" -j 2 "$cap"
    # per UDP conversation, the Finished messages (type 20) it decrypted
    # from the client and from the server (ports 4433/4434); a conversation
    # counts min(client's, server's) connections, as a 5-tuple can carry
    # two connections one after the other
    tool 0 "tshark -Y dtls (key log)" \
        "awk -F'\t' '{n = split(\$3, t, \",\"); for (i = 1; i <= n; i++) if (t[i] == 20) f[\$1 SUBSEP (\$2 == 4433 || \$2 == 4434)]++; s[\$1]} END {c = 0; for (k in s) c += (f[k SUBSEP 0] < f[k SUBSEP 1] ? f[k SUBSEP 0] : f[k SUBSEP 1]); print c + 0}'" \
        1 tshark -r "$cap" "${dports[@]}" -o "tls.keylog_file:$keys" -Y dtls -T fields \
        -e udp.stream -e udp.srcport -e dtls.handshake.type -e data.len
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
    sk=$(get "tshark -Y dtls (key log)")
    ratio "tlsscope --keylog / dd" "$tk1" "$dd"
    ratio "tlsscope --keylog -j 2 / dd" "$tk2" "$dd"
    ratio "tshark (keys) / tlsscope --keylog" "$sk" "$tk1" %.1f
    ratio "tshark (keys) / tlsscope --keylog -j 2" "$sk" "$tk2" %.1f
fi
