#!/usr/bin/env bash
# tests/e2e/make_weak_captures.sh OUTDIR
#
# Real peers configured to be weak, one small capture per family of findings
# rules (docs/findings.md), for tests/e2e/findings_test.py. Modelled on
# make_captures.sh: tcpdump on the loopback, OpenSSL s_server/s_client,
# GnuTLS gnutls-cli (and gnutls-serv inside a network namespace that has
# only a loopback interface, because gnutls-serv binds the wildcard address),
# node's tls module for the one thing only it can do; every peer bounded by
# `timeout`; OpenSSL servers bind 127.0.0.1 only.
#
# Output (all in OUTDIR):
#   <name>.pcap     one capture per scenario (only the scenario's TCP port)
#   pki/            the weak test PKI (CA, good and deliberately bad leaves)
#   MANIFEST.tsv    name, description, version, cipher_suite, alert,
#                   server_port; version/cipher_suite/alert are what tshark
#                   reads in the capture ("-" for none), checked against the
#                   scenario's expectation before the row is written, plus
#                   one scenario-specific tshark filter that must match
#   SKIPPED.tsv     scenarios whose peer is missing here (name, reason)
#
# What no peer here can produce (covered by unit tests only, see
# docs/findings.md): SSL 2.0 and SSL 3.0 (Debian's OpenSSL 3 and GnuTLS 3.7
# are built without them; neither sends an SSLv2-format ClientHello), export
# and single-DES suites (removed from both libraries), TLS compression
# (OpenSSL is built without zlib, GnuTLS dropped compression in 3.6), MD2/MD4
# signatures.
#
# Needs root (tcpdump, ip netns). Exit 0 when every scenario that could run
# produced its capture; 1 otherwise; 2 on a usage error; 77 (ctest's "skipped")
# without root or without one of the tools it needs (node is optional: the
# one scenario that needs it is listed in SKIPPED.tsv). About 20 s.
# Environment: TLSSCOPE_WEAK_PORT_BASE (default 21000) first port to try;
#   TLSSCOPE_CAPTURE_KEEP_WORK=1 keeps the peers' logs (temp dir).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
for tool in openssl tshark tcpdump gnutls-cli gnutls-serv ss ip timeout stat; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make_weak_captures: SKIPPED: missing tool: $tool"; exit 77; }
done
if [[ $(id -u) -ne 0 ]]; then
    echo "make_weak_captures: SKIPPED: needs root (tcpdump, ip netns)"
    exit 77
fi

T_START=$(date +%s%N)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
PKI=$OUT/pki
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tsc-weak.XXXXXX")
NS_GNU=tsc-weak-$$-gnu
PORT_BASE=${TLSSCOPE_WEAK_PORT_BASE:-21000}
GET_REQ='GET / HTTP/1.0\r\n\r\n'
DH_PID=

log() { printf 'make_weak_captures: %s\n' "$*" >&2; }

SRV_TIMEOUT=15
CLI_TIMEOUT=8
ATTEMPTS=2 # a third try rarely helps a weak configuration
# shellcheck source=capture_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture_lib.sh"
trap 'main_cleanup "$NS_GNU"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- PKI ------

# One CA; leaves issued by `openssl ca`, which (unlike `openssl x509` in
# OpenSSL 3.0) can set any notBefore/notAfter: that is how the expired and
# not-yet-valid certificates are made without faking the clock.
write_ca_config() {
    mkdir -p "$WORK/ca/newcerts"
    : >"$WORK/ca/index.txt"
    echo 1000 >"$WORK/ca/serial"
    cat >"$WORK/ca.cnf" <<EOF
[ ca ]
default_ca = weak_ca
[ weak_ca ]
dir             = $WORK/ca
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
default_md      = sha256
policy          = pol_any
unique_subject  = no
copy_extensions = none
x509_extensions = v3_leaf
[ pol_any ]
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder
[ v3_root ]
basicConstraints     = critical, CA:TRUE
keyUsage             = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:test.example, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

mk_rsa() { openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$PKI/$1.key" 2>/dev/null; }

# issue NAME KEY MD DATEARGS...: a leaf for CN=test.example signed by the CA
issue() {
    local name=$1 key=$2 md=$3
    shift 3
    openssl req -new -config "$WORK/ca.cnf" -key "$PKI/$key.key" -subj "/O=tlsscope weak PKI/CN=test.example" \
        -out "$WORK/$name.csr"
    openssl ca -batch -notext -config "$WORK/ca.cnf" -cert "$PKI/ca.crt" -keyfile "$PKI/ca.key" -md "$md" \
        -in "$WORK/$name.csr" -out "$PKI/$name.crt" "$@" 2>"$WORK/$name.ca.log" ||
        { cat "$WORK/$name.ca.log" >&2; return 1; }
}

make_pki() {
    rm -rf "$PKI"
    mkdir -p "$PKI"
    write_ca_config
    local -a kp=()
    mk_rsa ca 2048 & kp+=($!)
    mk_rsa leaf 2048 & kp+=($!)
    mk_rsa rsa1024 1024 & kp+=($!)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
        -out "$PKI/ec.key" 2>/dev/null & kp+=($!)
    local p
    for p in "${kp[@]}"; do wait "$p"; done

    openssl req -new -x509 -config "$WORK/ca.cnf" -extensions v3_root -sha256 -days 3650 -key "$PKI/ca.key" \
        -set_serial 0x5000 -subj "/O=tlsscope weak PKI/CN=tlsscope Weak Test CA" -out "$PKI/ca.crt"
    issue good    leaf    sha256 -days 90      # the healthy leaf: 90 days, RSA 2048, SHA-256
    issue ec      ec      sha256 -days 90
    issue expired leaf    sha256 -startdate 20200101000000Z -enddate 20210101000000Z
    issue future  leaf    sha256 -startdate 20990101000000Z -enddate 20990401000000Z
    issue rsa1024 rsa1024 sha256 -days 90
    issue sha1    leaf    sha1   -days 90
    issue md5     leaf    md5    -days 90
    issue long    leaf    sha256 -days 825
    # a self-signed leaf (no CA involved)
    openssl req -new -x509 -config "$WORK/ca.cnf" -extensions v3_root -sha256 -days 90 -key "$PKI/leaf.key" \
        -set_serial 0x5001 -subj "/O=tlsscope weak PKI/CN=test.example" \
        -addext "subjectAltName=DNS:test.example,DNS:localhost,IP:127.0.0.1" -out "$PKI/self.crt"
    openssl verify -CAfile "$PKI/ca.crt" "$PKI/good.crt" "$PKI/ec.crt" "$PKI/long.crt" >/dev/null
}

# A 1024-bit finite-field DH group, generated at run time (a safe prime takes
# 0.5-4 s, so it is started in the background first thing and waited for by
# the main shell just before the scenario that needs it); the RFC 3526
# 1536-bit group, also under 2048 bits, if it does not arrive in time.
DH_FILE=
start_dh_gen() {
    timeout 20 openssl dhparam -out "$WORK/dh1024.pem" 1024 >/dev/null 2>&1 &
    DH_PID=$!
}
dh_ready() {
    [[ -n $DH_FILE ]] && return 0
    wait "$DH_PID" 2>/dev/null || true
    if [[ -s $WORK/dh1024.pem ]] && grep -q 'BEGIN DH PARAMETERS' "$WORK/dh1024.pem"; then
        DH_FILE=$WORK/dh1024.pem
    else
        log "no 1024-bit DH group in time: using RFC 3526 modp_1536"
        openssl genpkey -genparam -algorithm DH -pkeyopt group:modp_1536 -out "$WORK/dh1536.pem" 2>/dev/null
        DH_FILE=$WORK/dh1536.pem
    fi
}

# ------------------------------------------------- per-scenario helpers ----
# (beside those of capture_lib.sh; they run inside the per-attempt subshell)

leaf() { SRV_CERT=(-cert "$PKI/$1.crt" -key "$PKI/$2.key"); }
s_server() { srv_start openssl s_server -accept "127.0.0.1:$PORT" -www -naccept 1 "$@"; }
s_client() { client openssl s_client -connect "127.0.0.1:$PORT" -ign_eof -CAfile "$PKI/ca.crt" "$@"; }
g_client() { # PRIORITY [more gnutls-cli args]: to a server on 127.0.0.1
    local prio=$1
    shift
    client gnutls-cli -p "$PORT" --priority "$prio" --x509cafile "$PKI/ca.crt" \
        --sni-hostname test.example --verify-hostname test.example "$@" 127.0.0.1
}

# one OpenSSL server + client pair around a capture
pair() { # SERVER-ARGS... -- CLIENT-ARGS...
    local -a sa=() ca=()
    while [[ $1 != -- ]]; do sa+=("$1"); shift; done
    shift
    ca=("$@")
    s_server "${sa[@]}"
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client "${ca[@]}" || fail "client failed: $(tail -3 "$WORK/$NAME.client.log")"
    srv_stop
    cap_stop
}

# an OpenSSL server and a gnutls-cli client
pair_gnutls_client() { # PRIORITY [gnutls-cli args] -- SERVER-ARGS...
    local prio=$1
    shift
    local -a ga=() sa=()
    while [[ $1 != -- ]]; do ga+=("$1"); shift; done
    shift
    sa=("$@")
    s_server "${sa[@]}"
    wait_listen "$PORT"
    cap_start "$PORT"
    g_client "$prio" ${ga[@]+"${ga[@]}"} || fail "gnutls-cli failed: $(tail -3 "$WORK/$NAME.client.log")"
    srv_stop
    cap_stop
}

# --------------------------------------------------------- verification ----

declare -A E
expect() {
    local kv
    for kv in "$@"; do E[${kv%%=*}]=${kv#*=}; done
}

verify() {
    local ver suite alert
    IFS=$'\t' read -r ver suite < <(tshark -n -r "$PCAP" -Y 'tls.handshake.type == 2' -T fields \
        -e tls.handshake.extensions.supported_version -e tls.handshake.version -e tls.handshake.ciphersuite \
        2>/dev/null | head -n 1 | awk -F'\t' '{ print ($1 != "" ? $1 : $2) "\t" $3 }') || true
    alert=$(tshark -n -r "$PCAP" -Y 'tls.alert_message.level == 2' -T fields -e tls.alert_message.desc \
        2>/dev/null | head -n 1) || true
    ver=${ver:--}
    suite=${suite:--}
    alert=${alert:--}
    local bad=0
    [[ $ver == "${E[version]}" ]] || { log "$NAME: version: expected ${E[version]}, tshark says $ver"; bad=1; }
    [[ $suite == "${E[cipher_suite]}" ]] || { log "$NAME: cipher_suite: expected ${E[cipher_suite]}, tshark says $suite"; bad=1; }
    [[ $alert == "${E[alert]}" ]] || { log "$NAME: alert: expected ${E[alert]}, tshark says $alert"; bad=1; }
    if [[ -n ${E[check]} ]]; then
        local n
        n=$(tshark -n -r "$PCAP" -Y "${E[check]}" 2>/dev/null | wc -l) || n=0
        ((n > 0)) || { log "$NAME: no frame matches '${E[check]}'"; bad=1; }
    fi
    ((bad == 0)) || return 1
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$NAME" "${E[description]}" "$ver" "$suite" "$alert" "$PORT" \
        >"$WORK/$NAME.row"
}

expect_defaults() {
    E=()
    expect description=- version=0x0303 cipher_suite=- alert=- check=
}

# ------------------------------------------------------------ scenarios ----
# Each sc_<name> runs with NAME and PORT set, inside its own subshell.
# SL0: OpenSSL's security level 0, without which it refuses what is weak.
SL0=':@SECLEVEL=0'

sc_good_tls13() {
    expect description="healthy TLS 1.3: OpenSSL defaults, ECDSA P-256 leaf (90 days), SNI test.example" \
        version=0x0304 cipher_suite=0x1302
    leaf ec ec
    pair "${SRV_CERT[@]}" -tls1_3 -- -tls1_3 -servername test.example
}
sc_good_tls12() {
    expect description="healthy TLS 1.2: ECDHE-RSA-AES128-GCM, x25519, EMS, secure renegotiation, RSA 2048 leaf (90 days, SHA-256), SNI test.example" \
        cipher_suite=0xc02f
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername test.example
}
sc_tls10() {
    expect description="TLS 1.0, ECDHE-RSA-AES128-SHA (SECLEVEL=0)" version=0x0301 cipher_suite=0xc013
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1 -cipher "ECDHE-RSA-AES128-SHA$SL0" -- -tls1 -cipher "ECDHE-RSA-AES128-SHA$SL0" \
        -servername test.example
}
sc_tls11() {
    expect description="TLS 1.1, ECDHE-RSA-AES128-SHA (SECLEVEL=0)" version=0x0302 cipher_suite=0xc013
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_1 -cipher "ECDHE-RSA-AES128-SHA$SL0" -- -tls1_1 -cipher "ECDHE-RSA-AES128-SHA$SL0" \
        -servername test.example
}
# GnuTLS on both sides, the server in a loopback-only namespace (gnutls-serv
# binds the wildcard address): for what Debian's libssl no longer has at all
# (RC4 and 3DES suites are compiled out, whatever the security level).
gnutls_pair() { # PRIORITY
    NSX=(ip netns exec "$NS_GNU")
    srv_start gnutls-serv -p "$PORT" --http --disable-client-cert --priority "$1" \
        --x509certfile "$PKI/good.crt" --x509keyfile "$PKI/leaf.key"
    wait_listen "$PORT"
    cap_start "$PORT"
    g_client "$1" || fail "gnutls-cli failed: $(tail -3 "$WORK/$NAME.client.log")"
    srv_stop 0 # gnutls-serv never exits by itself
    cap_stop
}
sc_rc4() {
    expect description="TLS 1.2 ECDHE-RSA-RC4-128-SHA, GnuTLS client and server" cipher_suite=0xc011
    gnutls_pair 'NONE:+VERS-TLS1.2:+ARCFOUR-128:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+CURVE-ALL'
}
sc_3des() {
    expect description="TLS 1.2 ECDHE-RSA-3DES-EDE-CBC-SHA, GnuTLS client and server" cipher_suite=0xc012
    gnutls_pair 'NONE:+VERS-TLS1.2:+3DES-CBC:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+CURVE-ALL'
}
sc_null() {
    expect description="TLS 1.2 ECDHE-RSA-NULL-SHA: no encryption (SECLEVEL=0)" cipher_suite=0xc010
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher "ECDHE-RSA-NULL-SHA$SL0" -- -tls1_2 -cipher "ECDHE-RSA-NULL-SHA$SL0" \
        -servername test.example
}
sc_anon() {
    expect description="TLS 1.2 AECDH-AES128-SHA: anonymous ECDH, no certificate (SECLEVEL=0)" cipher_suite=0xc018
    pair -nocert -tls1_2 -cipher "AECDH-AES128-SHA$SL0" -- -tls1_2 -cipher "AECDH-AES128-SHA$SL0" \
        -servername test.example
}
sc_static_rsa() {
    expect description="TLS 1.2 AES128-GCM-SHA256: static RSA key transport, no forward secrecy" cipher_suite=0x009c
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher AES128-GCM-SHA256 -- -tls1_2 -cipher AES128-GCM-SHA256 \
        -servername test.example
}
sc_cbc_sha1() {
    expect description="TLS 1.2 ECDHE-RSA-AES128-SHA: CBC with HMAC-SHA1" cipher_suite=0xc013
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-SHA -- -tls1_2 -cipher ECDHE-RSA-AES128-SHA \
        -servername test.example
}
sc_weak_offer() {
    expect description="gnutls-cli offers RC4, 3DES, NULL and anonymous suites; OpenSSL server picks ECDHE-RSA-AES128-GCM" \
        cipher_suite=0xc02f check='tls.handshake.type == 1 && tls.handshake.ciphersuite == 0xc011 && tls.handshake.ciphersuite == 0xc012 && tls.handshake.ciphersuite == 0xc010 && tls.handshake.ciphersuite == 0xc018'
    leaf good leaf
    pair_gnutls_client 'NORMAL:-VERS-TLS1.3:+ARCFOUR-128:+3DES-CBC:+NULL:+ANON-ECDH:+ANON-DH' -- \
        "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
}
sc_no_ems() {
    expect description="gnutls-cli with %NO_SESSION_HASH: TLS 1.2 without extended_master_secret" \
        cipher_suite=0xc02f check='tls.handshake.type == 2 && !(tls.handshake.extension.type == 23)'
    leaf good leaf
    pair_gnutls_client 'NORMAL:-VERS-TLS1.3:%NO_SESSION_HASH' -- \
        "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
}
sc_no_reneg() {
    expect description="gnutls-cli with %DISABLE_SAFE_RENEGOTIATION: no renegotiation_info either way" \
        cipher_suite=0xc02f check='tls.handshake.type == 2 && !(tls.handshake.extension.type == 65281)'
    leaf good leaf
    pair_gnutls_client 'NORMAL:-VERS-TLS1.3:%DISABLE_SAFE_RENEGOTIATION' -- \
        "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
}
sc_heartbeat() {
    expect description="gnutls-cli --heartbeat: ClientHello offers the heartbeat extension" \
        cipher_suite=0xc02f check='tls.handshake.type == 1 && tls.handshake.extension.type == 15'
    leaf good leaf
    pair_gnutls_client 'NORMAL:-VERS-TLS1.3' --heartbeat -- \
        "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
}
sc_cert_expired() {
    expect description="leaf valid 2020-01-01 to 2021-01-01 (openssl ca -startdate/-enddate)" cipher_suite=0xc02f
    leaf expired leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername test.example
}
sc_cert_not_yet_valid() {
    expect description="leaf valid from 2099-01-01 (openssl ca -startdate/-enddate)" cipher_suite=0xc02f
    leaf future leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername test.example
}
sc_cert_self_signed() {
    expect description="self-signed leaf for test.example" cipher_suite=0xc02f
    leaf self leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername test.example
}
sc_sni_mismatch() {
    expect description="client asks for other.example, the leaf names test.example, localhost, 127.0.0.1" \
        cipher_suite=0xc02f
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername other.example
}
sc_cert_rsa1024() {
    expect description="leaf with a 1024-bit RSA key (SECLEVEL=0 on both sides)" cipher_suite=0xc02f
    leaf rsa1024 rsa1024
    pair "${SRV_CERT[@]}" -tls1_2 -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -- -tls1_2 \
        -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -servername test.example
}
sc_cert_sha1() {
    expect description="leaf signed with sha1WithRSAEncryption (SECLEVEL=0 on both sides)" cipher_suite=0xc02f
    leaf sha1 leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -- -tls1_2 \
        -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -servername test.example
}
sc_cert_md5() {
    expect description="leaf signed with md5WithRSAEncryption (SECLEVEL=0 on both sides)" cipher_suite=0xc02f
    leaf md5 leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -- -tls1_2 \
        -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -servername test.example
}
sc_cert_long_validity() {
    expect description="leaf valid for 825 days" cipher_suite=0xc02f
    leaf long leaf
    pair "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- -tls1_2 -servername test.example
}
sc_weak_dh() {
    expect description="DHE-RSA-AES128-GCM with a DH group under 2048 bits (1024 generated at run time; SECLEVEL=0)" \
        cipher_suite=0x009e check='tls.handshake.p_len < 256'
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -dhparam "$DH_FILE" -cipher "DHE-RSA-AES128-GCM-SHA256$SL0" -- -tls1_2 \
        -cipher "DHE-RSA-AES128-GCM-SHA256$SL0" -servername test.example
}
sc_weak_curve() {
    expect description="ECDHE over secp192r1 (SECLEVEL=0)" cipher_suite=0xc02f \
        check='tls.handshake.server_named_curve == 0x0013'
    leaf good leaf
    pair "${SRV_CERT[@]}" -tls1_2 -groups secp192r1 -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -- -tls1_2 \
        -groups secp192r1 -cipher "ECDHE-RSA-AES128-GCM-SHA256$SL0" -servername test.example
}
sc_ticket_lifetime() {
    # Neither s_server nor gnutls-serv can set the lifetime hint; node's
    # sessionTimeout is OpenSSL's SSL_CTX_set_timeout, which TLS 1.2 sends as
    # the hint (TLS 1.3 caps it at 7 days).
    expect description="node tls server, sessionTimeout 864000: TLS 1.2 ticket lifetime hint of 10 days" \
        cipher_suite=0xc02f check='tls.handshake.session_ticket_lifetime_hint == 864000'
    srv_start node -e '
        const tls = require("tls"), fs = require("fs");
        const [cert, key, port] = process.argv.slice(1);
        const s = tls.createServer({cert: fs.readFileSync(cert), key: fs.readFileSync(key),
            sessionTimeout: 864000, minVersion: "TLSv1.2", maxVersion: "TLSv1.2"}, (c) => {
            c.once("data", () => { c.end("HTTP/1.0 200 OK\r\n\r\nok\n"); s.close(); });
        });
        s.listen(Number(port), "127.0.0.1");' "$PKI/good.crt" "$PKI/leaf.key" "$PORT"
    wait_listen "$PORT"
    cap_start "$PORT"
    s_client -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername test.example || fail "client failed"
    srv_stop
    cap_stop
}
sc_fatal_alert() {
    expect description="client offers only ECDHE-RSA-AES128-SHA, server allows only ECDHE-RSA-AES256-GCM-SHA384: handshake_failure" \
        version=- alert=40
    leaf good leaf
    s_server "${SRV_CERT[@]}" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
    wait_listen "$PORT"
    cap_start "$PORT"
    if s_client -tls1_2 -cipher ECDHE-RSA-AES128-SHA -servername test.example; then
        fail "client unexpectedly succeeded"
    fi
    srv_stop
    cap_stop
}

# --------------------------------------------------------------- driver ----

SCENARIOS=(
    good-tls13 good-tls12 tls10 tls11 rc4 3des null anon static-rsa cbc-sha1 weak-offer no-ems
    no-reneg heartbeat cert-expired cert-not-yet-valid cert-self-signed sni-mismatch cert-rsa1024
    cert-sha1 cert-md5 cert-long-validity weak-dh weak-curve ticket-lifetime fatal-alert
)

# scenarios that need a peer this machine may lack: name -> command
declare -A NEEDS=([ticket-lifetime]=node)

port_ok() { port_free "$1" && port_free "$1" ip netns exec "$NS_GNU"; }

start_dh_gen
log "PKI -> $PKI"
make_pki
ns_kill_all "$NS_GNU"
ip netns add "$NS_GNU"
ip -n "$NS_GNU" link set lo up

scenario_before() {
    local need=${NEEDS[$1]:-}
    if [[ -n $need ]] && ! command -v "$need" >/dev/null 2>&1; then
        SKIP_WHY="needs $need"
    elif [[ $1 == weak-dh ]]; then
        dh_ready
    fi
    return 0
}
rm -f "$OUT/SKIPPED.tsv"
run_scenarios $'name\tdescription\tversion\tcipher_suite\talert\tserver_port'
{
    printf 'name\treason\n'
    for r in ${SKIPPED[@]+"${SKIPPED[@]}"}; do printf '%s\n' "$r"; done
} >"$OUT/SKIPPED.tsv"
finish_scenarios
