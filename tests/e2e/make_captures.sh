#!/usr/bin/env bash
# tests/e2e/make_captures.sh OUTDIR
#
# Creates real TLS captures from real peers (OpenSSL s_server/s_client,
# GnuTLS gnutls-serv/gnutls-cli, curl) for tlsscope's end-to-end tests, which
# compare tlsscope's output against tshark.
#
# Output (all in OUTDIR):
#   <name>.pcap        classic pcap (tcpdump -w), only the scenario's TCP port
#   <name>.keys        NSS key log written by the client (when it can)
#   tls12-rsa-kx.server.key   RSA private key of the static-RSA scenario
#   pki/               CA, intermediates, leaves, client cert (fixed serials)
#   MANIFEST.tsv       one row per scenario (header row first), columns:
#     name            scenario / file base name
#     description     free text
#     version         negotiated version (ServerHello, supported_versions
#                     for TLS 1.3), e.g. 0x0303; "-" if none negotiated
#     cipher_suite    selected suite, e.g. 0xc02f; "-" if none
#     resumed         per TLS connection in capture order: yes|no
#     hrr             per TLS connection in capture order: yes|no
#     sni             server_name sent by the client ("-" if none)
#     alpn            ALPN protocol selected by the server ("-" if none)
#     ticket_lifetime lifetime hint(s) of NewSessionTicket messages, seconds,
#                     comma separated unique values ("-" if no ticket)
#     connections     number of TLS connections (TCP streams with a ClientHello)
#     alert           fatal alert description code(s) seen ("-" if none)
#     server_certs    number of certificates in the server's Certificate
#                     message of the first full handshake ("-" if none)
#     keylog          yes if <name>.keys exists
#     server_port     TCP port of the server
#   Where a column has several values (several connections) they are joined
#   with ",": version/cipher_suite/sni/alpn/ticket_lifetime/alert list the
#   distinct values sorted; resumed/hrr list one value per connection.
#
# Every fact in MANIFEST.tsv is checked with tshark before the row is written
# (a scenario whose capture does not show the expected facts is retried, then
# reported as failed and the script exits non-zero).
#
# Needs root (tcpdump, network namespaces).  Only loopback is used: OpenSSL
# servers bind 127.0.0.1 / ::1 explicitly; gnutls-serv (which always binds the
# wildcard address) and the big-chain scenario (small MTU) run inside network
# namespaces created here, which only have a loopback interface.
#
# Environment: TLSSCOPE_PORT_BASE (default 20000) first port to try;
#   TLSSCOPE_CAPTURE_KEEP_WORK=1 keeps the peers' logs (temp dir) for debugging.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
for tool in openssl tshark tcpdump gnutls-cli gnutls-serv curl ss ip timeout stat; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make_captures: missing tool: $tool" >&2; exit 2; }
done
if [[ $(id -u) -ne 0 ]]; then
    echo "make_captures: must run as root (tcpdump, ip netns)" >&2
    exit 2
fi

T_START=$(date +%s%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS=$HERE/peers
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
PKI=$OUT/pki
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tsc-cap.XXXXXX")
NS_BIG=tsc-cap-$$-big
NS_GNU=tsc-cap-$$-gnu
PORT_BASE=${TLSSCOPE_PORT_BASE:-20000}
HRR_RANDOM=cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c
GET_REQ='GET / HTTP/1.0\r\n\r\n'

log() { printf 'make_captures: %s\n' "$*" >&2; }

# shellcheck source=capture_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture_lib.sh"
trap 'main_cleanup "$NS_BIG" "$NS_GNU"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- PKI ------

# mk_root NAME SERIAL SUBJECT
mk_root() {
    openssl req -new -x509 -config "$PEERS/pki.cnf" -extensions v3_root -sha256 -days 3650 \
        -key "$PKI/$1.key" -set_serial "$2" -subj "$3" -out "$PKI/$1.crt"
}
# mk_cert NAME ISSUER SERIAL SUBJECT EXTSECTION
mk_cert() {
    openssl req -new -config "$PEERS/pki.cnf" -key "$PKI/$1.key" -subj "$4" -out "$WORK/$1.csr"
    openssl x509 -req -in "$WORK/$1.csr" -CA "$PKI/$2.crt" -CAkey "$PKI/$2.key" \
        -set_serial "$3" -days 3650 -sha256 -extfile "$PEERS/pki.cnf" -extensions "$5" \
        -out "$PKI/$1.crt" 2>/dev/null
}

make_pki() {
    rm -rf "$PKI"
    mkdir -p "$PKI"
    local -a kp=()
    # key generation in parallel (the 4096-bit ones dominate)
    mk_key "$PKI/root-ca.key"     rsa:2048 & kp+=($!)
    mk_key "$PKI/int-rsa.key"     rsa:2048 & kp+=($!)
    mk_key "$PKI/leaf-rsa.key"    rsa:2048 & kp+=($!)
    mk_key "$PKI/client.key"      rsa:2048 & kp+=($!)
    mk_key "$PKI/int-ec.key"      ec:P-256 & kp+=($!)
    mk_key "$PKI/leaf-ec.key"     ec:P-256 & kp+=($!)
    mk_key "$PKI/big-root.key"    rsa:4096 & kp+=($!)
    mk_key "$PKI/big-int1.key"    rsa:4096 & kp+=($!)
    mk_key "$PKI/big-int2.key"    rsa:4096 & kp+=($!)
    mk_key "$PKI/big-leaf.key"    rsa:4096 & kp+=($!)
    local p
    for p in "${kp[@]}"; do wait "$p"; done

    local O="/C=XX/O=tlsscope test PKI"
    mk_root root-ca  0x1000                        "$O/CN=tlsscope Test Root CA"
    mk_cert int-rsa  root-ca  0x1001               "$O/CN=tlsscope Test Intermediate RSA" v3_int
    mk_cert leaf-rsa int-rsa  0x1002               "$O/CN=test.example"                  v3_leaf_rsa
    mk_cert client   int-rsa  0x1003               "$O/CN=tlsscope test client"          v3_client
    mk_cert int-ec   root-ca  0x2001               "$O/CN=tlsscope Test Intermediate ECDSA" v3_int
    mk_cert leaf-ec  int-ec   0x2002               "$O/CN=test.example"                  v3_leaf_ec
    mk_root big-root 0x4000                        "$O/CN=tlsscope Big Root CA 4096"
    mk_cert big-int1 big-root 0x4001               "$O/CN=tlsscope Big Intermediate 1 4096" v3_int
    mk_cert big-int2 big-int1 0x4002               "$O/CN=tlsscope Big Intermediate 2 4096" v3_int
    mk_cert big-leaf big-int2 0x4003               "$O/CN=test.example"                  v3_leaf_big

    # convenience bundles
    cat "$PKI/leaf-rsa.crt" "$PKI/int-rsa.crt" > "$PKI/leaf-rsa.chain.pem"
    cat "$PKI/leaf-ec.crt"  "$PKI/int-ec.crt"  > "$PKI/leaf-ec.chain.pem"
    cat "$PKI/big-int2.crt" "$PKI/big-int1.crt" "$PKI/big-root.crt" > "$PKI/big-chain.intermediates.pem"
    cat "$PKI/big-leaf.crt" "$PKI/big-chain.intermediates.pem" > "$PKI/big-leaf.chain.pem"
    cat > "$PKI/SERIALS.tsv" <<'EOF'
file	serial	key	issuer
root-ca.crt	0x1000	rsa2048	root-ca (self-signed)
int-rsa.crt	0x1001	rsa2048	root-ca
leaf-rsa.crt	0x1002	rsa2048	int-rsa
client.crt	0x1003	rsa2048	int-rsa
int-ec.crt	0x2001	ecdsa-p256	root-ca
leaf-ec.crt	0x2002	ecdsa-p256	int-ec
big-root.crt	0x4000	rsa4096	big-root (self-signed)
big-int1.crt	0x4001	rsa4096	big-root
big-int2.crt	0x4002	rsa4096	big-int1
big-leaf.crt	0x4003	rsa4096	big-int2
EOF
    # sanity: chains verify
    openssl verify -CAfile "$PKI/root-ca.crt" -untrusted "$PKI/int-rsa.crt" "$PKI/leaf-rsa.crt" "$PKI/client.crt" >/dev/null
    openssl verify -CAfile "$PKI/root-ca.crt" -untrusted "$PKI/int-ec.crt" "$PKI/leaf-ec.crt" >/dev/null
    openssl verify -CAfile "$PKI/big-root.crt" -untrusted "$PKI/big-int1.crt" -untrusted "$PKI/big-int2.crt" \
        "$PKI/big-leaf.crt" >/dev/null
}

# ------------------------------------------------- per-scenario helpers ----
# These run inside the per-attempt subshell (see run_scenario).


# Common OpenSSL argument sets
set_openssl_args() {
    SRV_RSA=(-cert "$PKI/leaf-rsa.crt" -key "$PKI/leaf-rsa.key" -cert_chain "$PKI/int-rsa.crt")
    SRV_EC=(-cert "$PKI/leaf-ec.crt" -key "$PKI/leaf-ec.key" -cert_chain "$PKI/int-ec.crt")
    CLI_VERIFY=(-CAfile "$PKI/root-ca.crt" -verify_return_error)
    KEYS=$OUT/$NAME.keys
    rm -f "$KEYS"
}
s_server() { srv_start openssl s_server -accept "127.0.0.1:$PORT" -www "$@"; }
s_client() { client openssl s_client -connect "127.0.0.1:$PORT" -ign_eof -keylogfile "$KEYS" "$@"; }

# --------------------------------------------------------- verification ----

# Expected facts, set by each scenario with expect KEY=VALUE...
declare -A E
expect() {
    local kv
    for kv in "$@"; do E[${kv%%=*}]=${kv#*=}; done
}

# derive facts from the capture with one tshark pass (using the key log when
# there is one) into array D.  One line per frame carrying TLS or HTTP; each
# field lists all its occurrences in the frame, comma separated.
declare -A D
derive() {
    local -a ko=()
    [[ -s $KEYS ]] && ko=(-o "tls.keylog_file:$KEYS")
    local k v
    D=()
    while IFS='=' read -r k v; do
        D[$k]=$v
    done < <(
        tshark -n -r "$PCAP" ${ko[@]+"${ko[@]}"} -Y 'tls || http' -T fields -E 'separator=|' \
            -e tcp.stream -e tcp.srcport -e tls.handshake.type -e tls.handshake.version \
            -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite \
            -e tls.handshake.random -e tls.handshake.extension.type \
            -e tls.handshake.extensions_alpn_str -e tls.handshake.extensions_server_name \
            -e tls.handshake.certificate_length -e tls.handshake.session_ticket_lifetime_hint \
            -e tls.alert_message.level -e tls.alert_message.desc -e http.request.method 2>/dev/null |
            awk -F'|' -v port="$PORT" -v hrrrand="$HRR_RANDOM" '
            function has(list, v,    a, n, i) {
                n = split(list, a, ",")
                for (i = 1; i <= n; i++) if (a[i] == v) return 1
                return 0
            }
            function add(set, list,    a, n, i) {
                n = split(list, a, ",")
                for (i = 1; i <= n; i++) if (a[i] != "") set[a[i]] = 1
            }
            function join(set,    k, a, n, i, j, x, out) {
                n = 0
                for (k in set) a[++n] = k
                for (i = 2; i <= n; i++) {   # insertion sort (tiny sets)
                    x = a[i]
                    for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]
                    a[j + 1] = x
                }
                out = ""
                for (i = 1; i <= n; i++) out = out (i > 1 ? "," : "") a[i]
                return out == "" ? "-" : out
            }
            {
                s = $1
                if (has($3, 1) && !(s in seen)) { seen[s] = 1; order[++ns] = s; add(sni, $10) }
                if (has($3, 2)) {
                    if ($7 == hrrrand) hrr[s] = 1
                    else {
                        ver = ($5 != "") ? $5 : $4
                        sver[s] = ver; vers[ver] = 1; suites[$6] = 1; add(alpn, $9)
                        psk[s] = has($8, 41)
                    }
                }
                if (has($3, 11)) {
                    cert[s] = 1
                    if ($2 == port && ncerts == "") ncerts = split($11, tmp, ",")
                }
                if (has($3, 4)) add(life, $12)
                n = split($3, t, ","); for (i = 1; i <= n; i++) if (t[i] == 20) fin++
                n = split($13, lv, ","); split($14, ds, ",")
                for (i = 1; i <= n; i++) if (lv[i] == 2) alerts[ds[i]] = 1
                if ($15 != "") http++
            }
            END {
                res = ""; hr = ""
                for (i = 1; i <= ns; i++) {
                    s = order[i]
                    if (!(s in sver)) r = "no"
                    else if (sver[s] == "0x0304") r = psk[s] ? "yes" : "no"
                    else r = (s in cert) ? "no" : "yes"
                    res = res (i > 1 ? "," : "") r
                    hr = hr (i > 1 ? "," : "") ((s in hrr) ? "yes" : "no")
                }
                print "connections=" ns
                print "version=" join(vers)
                print "cipher_suite=" join(suites)
                print "resumed=" (res == "" ? "-" : res)
                print "hrr=" (hr == "" ? "-" : hr)
                print "sni=" join(sni)
                print "alpn=" join(alpn)
                print "ticket_lifetime=" join(life)
                print "alert=" join(alerts)
                print "server_certs=" (ncerts == "" ? "-" : ncerts)
                print "finished=" fin + 0
                print "http=" http + 0
            }'
    )
    D[keylog]=no
    [[ -s $KEYS ]] && D[keylog]=yes
    return 0
}

COLUMNS_LIST=(name description version cipher_suite resumed hrr sni alpn ticket_lifetime
    connections alert server_certs keylog server_port)

verify() {
    derive
    local k bad=0
    for k in version cipher_suite resumed hrr sni alpn ticket_lifetime connections alert server_certs keylog; do
        if [[ ${E[$k]} != "${D[$k]}" ]]; then
            log "$NAME: $k: expected '${E[$k]}', tshark says '${D[$k]}'"
            bad=1
        fi
    done
    if [[ -s $KEYS && ${E[alert]} == - ]]; then
        local want=$((2 * ${E[connections]}))
        if ((D[finished] != want)); then
            log "$NAME: decrypted Finished messages: ${D[finished]}, want $want"
            bad=1
        fi
        if ((D[http] < E[connections])); then
            log "$NAME: decrypted HTTP requests: ${D[http]}, want >= ${E[connections]}"
            bad=1
        fi
    fi
    ((bad == 0)) || return 1
    local row="" c v
    for c in "${COLUMNS_LIST[@]}"; do
        case $c in
            name) v=$NAME ;;
            server_port) v=$PORT ;;
            *) v=${E[$c]} ;;
        esac
        row+=$v$'\t'
    done
    printf '%s\n' "${row%$'\t'}" >"$WORK/$NAME.row"
}

# default expectations; scenarios override
expect_defaults() {
    E=()
    expect description=- version=0x0303 cipher_suite=- resumed=no hrr=no sni=- alpn=- \
        ticket_lifetime=- connections=1 alert=- server_certs=2 keylog=yes
}

# ------------------------------------------------------------ scenarios ----
# Each sc_<name> runs with NAME and PORT set, inside its own subshell.

sc_tls12_ecdhe_rsa() {
    expect description="TLS 1.2 ECDHE-RSA AES128-GCM, RSA leaf + intermediate, SNI test.example, ALPN h2,http/1.1 offered / http/1.1 selected, session ticket" \
        cipher_suite=0xc02f sni=test.example alpn=http/1.1 ticket_lifetime=7200
    s_server "${SRV_RSA[@]}" -naccept 1 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -alpn http/1.1
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" -tls1_2 -servername test.example -verify_hostname test.example \
        -alpn h2,http/1.1 || fail "client failed"
    srv_stop
    cap_stop
}

sc_tls13_openssl() {
    expect description="TLS 1.3 OpenSSL default suites, ECDSA P-256 leaf + intermediate, SNI localhost, two NewSessionTickets" \
        version=0x0304 cipher_suite=0x1302 sni=localhost ticket_lifetime=7200
    s_server "${SRV_EC[@]}" -naccept 1 -tls1_3
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" -tls1_3 -servername localhost || fail "client failed"
    srv_stop
    cap_stop
}

sc_tls13_hrr() {
    expect description="TLS 1.3 HelloRetryRequest: client key share X25519, server only accepts P-256; CHACHA20-POLY1305" \
        version=0x0304 cipher_suite=0x1303 hrr=yes sni=localhost ticket_lifetime=7200
    s_server "${SRV_RSA[@]}" -naccept 1 -tls1_3 -groups P-256 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" -tls1_3 -servername localhost -groups X25519:P-256 \
        -ciphersuites TLS_CHACHA20_POLY1305_SHA256 || fail "client failed"
    srv_stop
    cap_stop
}

sc_tls12_rsa_kx() {
    expect description="TLS 1.2 static RSA key exchange AES128-GCM-SHA256 (decryptable with tls12-rsa-kx.server.key), no SNI" \
        cipher_suite=0x009c ticket_lifetime=7200
    cp "$PKI/leaf-rsa.key" "$OUT/$NAME.server.key"
    s_server "${SRV_RSA[@]}" -naccept 1 -tls1_2 -cipher AES128-GCM-SHA256
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" -tls1_2 -cipher AES128-GCM-SHA256 -noservername || fail "client failed"
    srv_stop
    cap_stop
    # the RSA private key alone (no key log) must decrypt it too
    local n
    n=$(tshark -n -r "$PCAP" -o "uat:rsa_keys:\"$OUT/$NAME.server.key\",\"\"" \
        -Y 'tls.handshake.type == 20' -T fields -e frame.number 2>/dev/null | wc -l)
    ((n == 2)) || fail "RSA key decryption shows $n Finished messages, want 2"
}

sc_tls12_dhe() {
    expect description="TLS 1.2 finite-field DHE-RSA-AES256-GCM-SHA384, no SNI" \
        cipher_suite=0x009f ticket_lifetime=7200
    s_server "${SRV_RSA[@]}" -naccept 1 -tls1_2 -cipher DHE-RSA-AES256-GCM-SHA384
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" -tls1_2 -cipher DHE-RSA-AES256-GCM-SHA384 -noservername || fail "client failed"
    srv_stop
    cap_stop
}

old_tls() { # $1 = -tls1 | -tls1_1
    s_server "${SRV_RSA[@]}" -naccept 1 "$1" -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0'
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" "$1" -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -auth_level 0 \
        -servername test.example || fail "client failed"
    srv_stop
    cap_stop
}
sc_tls10_openssl() {
    expect description="TLS 1.0 OpenSSL ECDHE-RSA-AES128-SHA (SECLEVEL=0), SNI test.example" \
        version=0x0301 cipher_suite=0xc013 sni=test.example ticket_lifetime=7200
    old_tls -tls1
}
sc_tls11_openssl() {
    expect description="TLS 1.1 OpenSSL ECDHE-RSA-AES128-SHA (SECLEVEL=0), SNI test.example" \
        version=0x0302 cipher_suite=0xc013 sni=test.example ticket_lifetime=7200
    old_tls -tls1_1
}

# GnuTLS server + client inside NS_GNU (gnutls-serv binds the wildcard address)
gnutls_pair() { # PRIORITY CERTCHAIN KEY
    NSX=(ip netns exec "$NS_GNU")
    KEYS=$OUT/$NAME.keys
    rm -f "$KEYS"
    srv_start gnutls-serv -p "$PORT" --http --disable-client-cert --priority "$1" \
        --x509certfile "$2" --x509keyfile "$3"
    wait_listen "$PORT"
    cap_start "$PORT"
    printf '%b' "$GET_REQ" | SSLKEYLOGFILE=$KEYS "${NSX[@]}" timeout 10 gnutls-cli -p "$PORT" \
        --priority "$1" --x509cafile "$PKI/root-ca.crt" --sni-hostname test.example \
        --verify-hostname test.example 127.0.0.1 >>"$WORK/$NAME.client.log" 2>&1 || fail "gnutls-cli failed"
    srv_stop 0 # gnutls-serv never exits by itself
    cap_stop
}
sc_tls10_rc4_gnutls() {
    expect description="TLS 1.0 GnuTLS ECDHE-RSA-RC4-128-SHA (0xc011), session ticket, SNI test.example" \
        version=0x0301 cipher_suite=0xc011 sni=test.example ticket_lifetime=21600
    gnutls_pair 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+CURVE-ALL' \
        "$PKI/leaf-rsa.chain.pem" "$PKI/leaf-rsa.key"
}
sc_gnutls_tls13() {
    expect description="TLS 1.3 GnuTLS client+server, AES-128-GCM, RSA leaf (RSA-PSS), SNI test.example" \
        version=0x0304 cipher_suite=0x1301 sni=test.example ticket_lifetime=21600
    gnutls_pair 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM' \
        "$PKI/leaf-rsa.chain.pem" "$PKI/leaf-rsa.key"
}
sc_gnutls_tls12() {
    expect description="TLS 1.2 GnuTLS client+server, ECDHE-ECDSA-AES128-GCM, ECDSA leaf, SNI test.example, session ticket" \
        version=0x0303 cipher_suite=0xc02b sni=test.example ticket_lifetime=21600
    gnutls_pair 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:-KX-ALL:+ECDHE-ECDSA' \
        "$PKI/leaf-ec.chain.pem" "$PKI/leaf-ec.key"
}

sc_tls12_client_cert() {
    expect description="TLS 1.2 mutual auth: server requires a client certificate (client leaf + intermediate sent), ECDHE-RSA-AES256-GCM" \
        cipher_suite=0xc030 sni=test.example ticket_lifetime=7200
    s_server "${SRV_RSA[@]}" -naccept 1 -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 \
        -Verify 1 -CAfile "$PKI/root-ca.crt" -verify_return_error
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" -tls1_2 -servername test.example \
        -cert "$PKI/client.crt" -key "$PKI/client.key" -cert_chain "$PKI/int-rsa.crt" || fail "client failed"
    srv_stop
    cap_stop
}

resume_pair() { # SERVER-ARGS... -- CLIENT-ARGS...
    local -a sa=() ca=()
    while [[ $1 != -- ]]; do sa+=("$1"); shift; done
    shift
    ca=("$@")
    local sess=$WORK/$NAME.sess.pem
    rm -f "$sess"
    s_server "${SRV_RSA[@]}" -naccept 2 "${sa[@]}"
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${CLI_VERIFY[@]}" "${ca[@]}" -sess_out "$sess" || fail "first client failed"
    [[ -s $sess ]] || fail "no session written"
    s_client "${CLI_VERIFY[@]}" "${ca[@]}" -sess_in "$sess" || fail "second client failed"
    grep -q '^Reused' "$WORK/$NAME.client.log" || fail "s_client did not report a reused session"
    srv_stop
    cap_stop
}
sc_tls12_resume_ticket() {
    expect description="TLS 1.2 two connections; the second resumes with the session ticket of the first (abbreviated handshake: ServerHello, ChangeCipherSpec, Finished; no new ticket)" \
        cipher_suite=0xc02f sni=test.example ticket_lifetime=7200 connections=2 resumed=no,yes hrr=no,no
    resume_pair -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername test.example
}
sc_tls12_resume_sessionid() {
    expect description="TLS 1.2 two connections, tickets disabled on the server; the second resumes by session id" \
        cipher_suite=0xc02f sni=test.example connections=2 resumed=no,yes hrr=no,no
    resume_pair -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -no_ticket -- -tls1_2 -servername test.example
}
sc_tls13_resume_psk() {
    expect description="TLS 1.3 two connections; the second resumes with a PSK from a NewSessionTicket of the first (psk_dhe_ke)" \
        version=0x0304 cipher_suite=0x1302 sni=test.example ticket_lifetime=7200 connections=2 resumed=no,yes hrr=no,no
    resume_pair -tls1_3 -- -tls1_3 -servername test.example
}

sc_alert_handshake_failure() {
    expect description="TLS 1.2 client offers only ECDHE-RSA-AES128-SHA, server only allows ECDHE-RSA-AES256-GCM-SHA384: fatal handshake_failure alert, no ServerHello" \
        version=- cipher_suite=- sni=test.example alert=40 server_certs=- keylog=no
    s_server "${SRV_RSA[@]}" -naccept 1 -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
    wait_listen "$PORT"
    cap_start "$PORT"
    if s_client "${CLI_VERIFY[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-SHA -servername test.example; then
        fail "client unexpectedly succeeded"
    fi
    srv_stop
    cap_stop
    rm -f "$KEYS" # nothing to log without a handshake
}

sc_big_chain() {
    expect description="TLS 1.2 with a 4-certificate chain of 4096-bit RSA keys (leaf with 160 SANs), >8 KB Certificate message over many TCP segments (MTU 1280, no GSO/TSO)" \
        cipher_suite=0xc02f sni=test.example ticket_lifetime=7200 server_certs=4
    NSX=(ip netns exec "$NS_BIG")
    srv_start openssl s_server -accept "127.0.0.1:$PORT" -www -naccept 1 -tls1_2 \
        -cipher ECDHE-RSA-AES128-GCM-SHA256 -cert "$PKI/big-leaf.crt" -key "$PKI/big-leaf.key" \
        -cert_chain "$PKI/big-chain.intermediates.pem"
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client -CAfile "$PKI/big-root.crt" -verify_return_error -tls1_2 -servername test.example || fail "client failed"
    srv_stop
    cap_stop
    local segs len
    IFS=$'\t' read -r segs len < <(tshark -n -r "$PCAP" -Y 'tls.handshake.type == 11' -T fields \
        -E separator=/t -e tcp.segment.count -e tls.handshake.certificates_length 2>/dev/null | head -n 1)
    ((${segs:-0} >= 4)) || fail "Certificate reassembled from ${segs:-0} segments, want >= 4"
    ((${len:-0} > 8192)) || fail "certificate list is ${len:-0} bytes, want > 8192"
    echo "$segs $len" >"$WORK/$NAME.info"
}

sc_curl_tls13() {
    expect description="curl (OpenSSL backend) GET https://localhost against openssl s_server -www, TLS 1.3, ALPN h2,http/1.1 offered but not selected" \
        version=0x0304 cipher_suite=0x1302 sni=localhost ticket_lifetime=7200
    s_server "${SRV_RSA[@]}" -naccept 1
    wait_listen "$PORT"
    cap_start "$PORT"
    SSLKEYLOGFILE=$KEYS timeout 10 curl -sS --max-time 8 --cacert "$PKI/root-ca.crt" \
        --resolve "localhost:$PORT:127.0.0.1" -o "$WORK/$NAME.body" "https://localhost:$PORT/" \
        >>"$WORK/$NAME.client.log" 2>&1 || fail "curl failed: $(cat "$WORK/$NAME.client.log")"
    srv_stop
    cap_stop
}

sc_ipv6() {
    expect description="TLS 1.2 ECDHE-RSA-AES128-GCM over IPv6 loopback (::1), SNI test.example" \
        cipher_suite=0xc02f sni=test.example ticket_lifetime=7200
    srv_start openssl s_server -accept "[::1]:$PORT" -www -naccept 1 "${SRV_RSA[@]}" -tls1_2 \
        -cipher ECDHE-RSA-AES128-GCM-SHA256
    wait_listen "$PORT"
    cap_start "$PORT"
    client openssl s_client -connect "[::1]:$PORT" -ign_eof -keylogfile "$KEYS" "${CLI_VERIFY[@]}" \
        -tls1_2 -servername test.example || fail "client failed"
    srv_stop
    cap_stop
    [[ $(tshark -n -r "$PCAP" -Y 'ipv6 && tls.handshake.type == 1' 2>/dev/null | wc -l) -eq 1 ]] ||
        fail "no ClientHello over IPv6"
}

sc_multi_conn() {
    expect description="three independent full TLS 1.2 handshakes (different client ports) in one capture" \
        cipher_suite=0xc02f sni=test.example ticket_lifetime=7200 connections=3 resumed=no,no,no hrr=no,no,no
    s_server "${SRV_RSA[@]}" -naccept 3 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
    wait_listen "$PORT"
    cap_start "$PORT"
    local i
    for i in 1 2 3; do
        s_client "${CLI_VERIFY[@]}" -tls1_2 -servername test.example || fail "client $i failed"
    done
    srv_stop
    cap_stop
    [[ $(tshark -n -r "$PCAP" -Y 'tls.handshake.type == 1' -T fields -e tcp.srcport 2>/dev/null |
        sort -u | wc -l) -eq 3 ]] || fail "expected 3 distinct client ports"
}

# --------------------------------------------------------------- driver ----

SCENARIOS=(
    tls12-ecdhe-rsa tls13-openssl tls13-hrr tls12-rsa-kx tls12-dhe tls10-openssl tls11-openssl
    tls10-rc4-gnutls tls12-client-cert tls12-resume-ticket tls12-resume-sessionid tls13-resume-psk
    alert-handshake-failure big-chain curl-tls13 gnutls-tls13 gnutls-tls12 ipv6 multi-conn
)

port_ok() { # free here and in both namespaces
    port_free "$1" && port_free "$1" ip netns exec "$NS_GNU" && port_free "$1" ip netns exec "$NS_BIG"
}
scenario_setup() { set_openssl_args; }

setup_namespaces() {
    ns_kill_all "$NS_BIG"
    ns_kill_all "$NS_GNU"
    ip netns add "$NS_GNU"
    ip -n "$NS_GNU" link set lo up
    ip netns add "$NS_BIG"
    # Small MTU and no segmentation offload on lo, so that tcpdump sees
    # wire-sized segments instead of 64 KB GSO super-packets.
    ip -n "$NS_BIG" link set lo mtu 1280
    ip -n "$NS_BIG" link set lo gso_max_size 1280 gso_max_segs 1 2>/dev/null ||
        ip -n "$NS_BIG" link set lo gso_max_segs 1 2>/dev/null || true
    ip -n "$NS_BIG" link set lo up
}

log "PKI -> $PKI"
make_pki
setup_namespaces

scenario_info() { [[ -s $WORK/$1.info ]] && printf ' [%s]' "$(cat "$WORK/$1.info")"; return 0; }
run_scenarios "$(IFS=$'\t'; echo "${COLUMNS_LIST[*]}")"
finish_scenarios
