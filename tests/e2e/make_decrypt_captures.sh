#!/usr/bin/env bash
# tests/e2e/make_decrypt_captures.sh OUTDIR
#
# Real TLS captures with their NSS key logs and the exact application bytes
# each side wrote, one capture per cipher family, for the decryption test
# (tests/e2e/decrypt_diff.py): tlsscope's decrypted handshake messages are
# held against tshark's, and its exported plaintext against the payload files
# byte for byte.
#
# Peers: a small Python ssl peer (written to the work directory at start; it
# is the system libssl, and lets both sides send exact bytes and check what
# they receive), OpenSSL s_client (KeyUpdate, early data), GnuTLS
# gnutls-cli/gnutls-serv (RC4 and 3DES, which Debian's libssl no longer has,
# and a GnuTLS TLS 1.3 pair) and curl.  Everything runs inside one network
# namespace made here with only a loopback interface, MTU 1500 and no
# segmentation offload, so that TLS records span several TCP segments;
# tcpdump captures that loopback (only the scenario's port).
#
# Output (all in OUTDIR):
#   <name>.pcap       one capture per scenario
#   <name>.keys       NSS key log written by the client
#   <name>.<k>.c2s    the bytes the client application sent on TLS connection
#                     k (1-based, capture order)
#   <name>.<k>.s2c    the bytes the server application sent on connection k
#   tls12-static-rsa.server.key, tls12-static-rsa-noems.server.key
#                     the server's RSA private key (decrypts without key log)
#   pki/              CA, RSA 2048 and ECDSA P-256 server leaves, client leaf
#   MANIFEST.tsv      header row first; columns:
#     name          scenario / file base name
#     description   free text
#     version       negotiated version(s) seen by tshark, e.g. 0x0303
#     cipher_suite  selected suite(s), distinct values comma separated
#     connections   TLS connections in the capture
#     resumed       yes|no per connection (comma list)
#     keylog        yes if <name>.keys was written
#     rsa_key       file name of the server key that decrypts it, or -
#     payloads      comma list of the payload files written, or -
#     keyupdate     KeyUpdate messages tshark decrypted (both directions)
#
# Before a row is written tshark must, with the key log (and separately with
# only the RSA key for the static-RSA scenarios): show the expected version
# and suite, a Finished message in both directions of every connection, the
# expected resumption, KeyUpdate where expected, and a decrypted TLS stream
# (follow,tls,raw) equal to the payload files in both directions.  A scenario
# that fails is retried twice, then the script exits 1.
#
# Needs root (tcpdump, ip netns).  Exit 0 when every scenario made its
# capture, 1 otherwise, 2 on usage errors, 77 without root or a tool.
# Environment: TLSSCOPE_DECRYPT_PORT_BASE (default 22000) first port;
#   TLSSCOPE_CAPTURE_KEEP_WORK=1 keeps the peers' logs (temp dir);
#   TLSSCOPE_DECRYPT_ONLY="NAME..." makes only those scenarios.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
for tool in openssl python3 tshark tcpdump gnutls-cli gnutls-serv curl ss ip timeout stat; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make_decrypt_captures: SKIPPED: missing tool: $tool"; exit 77; }
done
if [[ $(id -u) -ne 0 ]]; then
    echo "make_decrypt_captures: SKIPPED: needs root (tcpdump, ip netns)"
    exit 77
fi

T_START=$(date +%s%N)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
PKI=$OUT/pki
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tsc-dec.XXXXXX")
NS=tsc-dec-$$
PORT_BASE=${TLSSCOPE_DECRYPT_PORT_BASE:-22000}
GET_REQ='GET / HTTP/1.0\r\n\r\n'

log() { printf 'make_decrypt_captures: %s\n' "$*" >&2; }

SRV_TIMEOUT=20
CLI_TIMEOUT=15
PEERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/peers
# shellcheck source=capture_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture_lib.sh"
trap 'main_cleanup "$NS"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- PKI ------

mk_cert() { # NAME SERIAL SUBJECT EXTSECTION (issued by the CA)
    openssl req -new -config "$PEERS/pki.cnf" -key "$PKI/$1.key" -subj "$3" -out "$WORK/$1.csr"
    openssl x509 -req -in "$WORK/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial "$2" \
        -days 3650 -sha256 -extfile "$PEERS/pki.cnf" -extensions "$4" -out "$PKI/$1.crt" 2>/dev/null
}
make_pki() {
    rm -rf "$PKI"
    mkdir -p "$PKI"
    local -a kp=()
    mk_key "$PKI/ca.key" rsa:2048 & kp+=($!)
    mk_key "$PKI/leaf-rsa.key" rsa:2048 & kp+=($!)
    mk_key "$PKI/client.key" rsa:2048 & kp+=($!)
    mk_key "$PKI/leaf-ec.key" ec:P-256 & kp+=($!)
    local p
    for p in "${kp[@]}"; do wait "$p"; done
    local O="/C=XX/O=tlsscope decrypt test PKI"
    openssl req -new -x509 -config "$PEERS/pki.cnf" -extensions v3_root -sha256 -days 3650 \
        -key "$PKI/ca.key" -set_serial 0x3000 -subj "$O/CN=tlsscope Decrypt Test CA" -out "$PKI/ca.crt"
    mk_cert leaf-rsa 0x3001 "$O/CN=test.example" v3_leaf_rsa
    mk_cert leaf-ec 0x3002 "$O/CN=test.example" v3_leaf_ec
    mk_cert client 0x3003 "$O/CN=tlsscope decrypt test client" v3_client
    printf 'file\tserial\tkey\nca.crt\t0x3000\trsa2048\nleaf-rsa.crt\t0x3001\trsa2048\nleaf-ec.crt\t0x3002\tecdsa-p256\nclient.crt\t0x3003\trsa2048\n' \
        >"$PKI/SERIALS.tsv"
    openssl verify -CAfile "$PKI/ca.crt" "$PKI/leaf-rsa.crt" "$PKI/leaf-ec.crt" "$PKI/client.crt" >/dev/null
}

# ------------------------------------------------------ the Python peer ----
# peer.py server|client --port P [options]: a TLS peer on the system libssl.
# Each --conn is one TLS connection: comma-separated steps C2S=S2C (files);
# per step the client sends C2S and reads exactly len(S2C) bytes, the server
# reads exactly len(C2S) bytes and sends S2C; each side checks that what it
# read is what the other side sent.  TLS 1.3 suites and groups come from the
# OPENSSL_CONF file given (system_default section), the rest from options.
write_peer() {
    cat >"$WORK/peer.py" <<'EOF'
import argparse, socket, ssl, sys

ap = argparse.ArgumentParser()
ap.add_argument("role", choices=["server", "client"])
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--cert"); ap.add_argument("--key"); ap.add_argument("--ca")
ap.add_argument("--require-client-cert", action="store_true")
ap.add_argument("--ciphers"); ap.add_argument("--min"); ap.add_argument("--max")
ap.add_argument("--no-etm", action="store_true")
ap.add_argument("--no-ems", action="store_true")
ap.add_argument("--no-ticket", action="store_true")
ap.add_argument("--keylog")
ap.add_argument("--conn", action="append", default=[])
ap.add_argument("--resume", action="store_true")
ap.add_argument("--http-out")
ap.add_argument("--sni", default="test.example")
a = ap.parse_args()
VER = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
       "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
OP_NO_EMS, OP_NO_TICKET, OP_NO_ETM = 1 << 0, 1 << 14, 1 << 19

def die(msg):
    print(f"peer {a.role}: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if a.role == "server" else ssl.PROTOCOL_TLS_CLIENT)
if a.ciphers:
    ctx.set_ciphers(a.ciphers)
if a.min:
    ctx.minimum_version = VER[a.min]
if a.max:
    ctx.maximum_version = VER[a.max]
ctx.options |= (OP_NO_ETM if a.no_etm else 0) | (OP_NO_EMS if a.no_ems else 0) | \
    (OP_NO_TICKET if a.no_ticket else 0)
if a.role == "server":
    ctx.load_cert_chain(a.cert, a.key)
    if a.require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(a.ca)
else:
    ctx.load_verify_locations(a.ca)
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    if a.keylog:
        ctx.keylog_filename = a.keylog

def steps(spec):
    out = []
    for st in spec.split(","):
        c, s = st.split("=")
        out.append((open(c, "rb").read(), open(s, "rb").read()))
    return out

def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(min(65536, n - len(buf)))
        if not d:
            die(f"EOF after {len(buf)} of {n} bytes")
        buf += d
    return bytes(buf)

def close(s):
    try:
        s.unwrap()
    except (OSError, ssl.SSLError, ValueError):
        pass
    s.close()

def serve_http(s, k, body):
    req = bytearray()
    while b"\r\n\r\n" not in req:
        d = s.recv(65536)
        if not d:
            die("EOF in HTTP request head")
        req += d
    head = req[:req.index(b"\r\n\r\n")].decode("latin-1").lower()
    clen = 0
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            clen = int(line.split(":", 1)[1])
    rest = clen - (len(req) - req.index(b"\r\n\r\n") - 4)
    if rest > 0:
        req += recv_exact(s, rest)
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
    s.sendall(resp)
    open(f"{a.http_out}.{k}.c2s", "wb").write(req)
    open(f"{a.http_out}.{k}.s2c", "wb").write(resp)

if a.role == "server":
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(4)
    for k, spec in enumerate(a.conn, 1):
        raw, _ = ls.accept()
        raw.settimeout(15)
        s = ctx.wrap_socket(raw, server_side=True)
        if a.http_out:
            serve_http(s, k, steps(spec)[0][1])
        else:
            for i, (c2s, s2c) in enumerate(steps(spec), 1):
                got = recv_exact(s, len(c2s))
                if got != c2s:
                    die(f"conn {k} step {i}: received bytes differ from the payload")
                s.sendall(s2c)
                print(f"server conn {k} step {i} done", flush=True)
        print(f"server conn {k}: {s.version()} {s.cipher()[0]}", flush=True)
        close(s)
else:
    sess = None
    for k, spec in enumerate(a.conn, 1):
        raw = socket.create_connection(("127.0.0.1", a.port), timeout=15)
        s = ctx.wrap_socket(raw, server_hostname=a.sni, session=sess if a.resume else None)
        for i, (c2s, s2c) in enumerate(steps(spec), 1):
            s.sendall(c2s)
            if recv_exact(s, len(s2c)) != s2c:
                die(f"conn {k} step {i}: received bytes differ from the payload")
        if a.resume and k > 1 and not s.session_reused:
            die(f"conn {k}: session not resumed")
        print(f"client conn {k}: {s.version()} {s.cipher()[0]} reused={s.session_reused}", flush=True)
        sess = s.session
        close(s)
EOF
}

# ----------------------------------------------------------- verification --
# verify.py: one tshark pass over the capture (fields + follow,tls,raw for
# each connection) with the key material given; checks the expectations and
# prints the MANIFEST row.
write_verify() {
    cat >"$WORK/verify.py" <<'EOF'
import argparse, os, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--pcap", required=True); ap.add_argument("--port", type=int, required=True)
ap.add_argument("--keys"); ap.add_argument("--rsa-key")
ap.add_argument("--name", required=True); ap.add_argument("--description", required=True)
ap.add_argument("--version", required=True); ap.add_argument("--suite", required=True)
ap.add_argument("--connections", type=int, default=1)
ap.add_argument("--resumed", default="")
ap.add_argument("--keyupdate-min", type=int, default=0)
ap.add_argument("--payload-dir", required=True)
ap.add_argument("--row", help="write the MANIFEST row here")
a = ap.parse_args()
HRR = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
bad = []

cmd = ["tshark", "-n", "-r", a.pcap, "-o", "tls.desegment_ssl_application_data:TRUE",
       "-o", "tcp.reassemble_out_of_order:TRUE"]
if a.keys:
    cmd += ["-o", "tls.keylog_file:" + a.keys]
if a.rsa_key:
    cmd += ["-o", f'uat:rsa_keys:"{a.rsa_key}",""']
cmd += ["-Y", "tls", "-T", "fields", "-E", "separator=|", "-e", "tcp.stream", "-e", "tcp.srcport",
        "-e", "tls.handshake.type", "-e", "tls.handshake.extensions.supported_version",
        "-e", "tls.handshake.version", "-e", "tls.handshake.ciphersuite",
        "-e", "tls.handshake.extension.type", "-e", "tls.handshake.random"]
for i in range(a.connections):
    cmd += ["-z", f"follow,tls,raw,{i}"]
env = dict(os.environ)   # WIRESHARK_CONFIG_DIR: an empty directory (set by the script)
p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
if p.returncode != 0:
    print(f"{a.name}: tshark failed: {p.stderr.decode()[:300]}", file=sys.stderr)
    sys.exit(1)
text = p.stdout.decode("latin-1")
sep = "=" * 67
fields_part, _, follow_part = text.partition(sep)
conns = {}
order = []
for line in fields_part.splitlines():
    f = line.split("|")
    if len(f) < 8 or f[0] == "":
        continue
    st = int(f[0]); frm_srv = int(f[1]) == a.port
    c = conns.get(st)
    if c is None:
        c = conns[st] = dict(fin_c=0, fin_s=0, ku=0, ver=None, suite=None, cert=False, psk=False)
        order.append(st)
    types = [int(x) for x in f[2].split(",") if x]
    c["fin_s" if frm_srv else "fin_c"] += types.count(20)
    c["ku"] += types.count(24)
    if frm_srv and 11 in types:
        c["cert"] = True
    if frm_srv and 2 in types and HRR not in f[7].split(","):
        sv = [x for x in f[3].split(",") if x]
        hv = [x for x in f[4].split(",") if x]
        c["ver"] = sv[0] if sv else hv[0]
        c["suite"] = f[5].split(",")[0]
        c["psk"] = "41" in f[6].split(",")
# follow blocks: Node 0/1 lines, then hex lines (tab-indented = node 1)
follows = {}
for blk in follow_part.split(sep):
    if "Follow: tls,raw" not in blk:
        continue
    nodes, data, stream = {}, {0: bytearray(), 1: bytearray()}, None
    for line in blk.splitlines():
        if line.startswith("Filter: tcp.stream eq "):
            stream = int(line.split()[-1])
        elif line.startswith("Node 0:") or line.startswith("Node 1:"):
            nodes[int(line[5])] = int(line.rsplit(":", 1)[1])
        elif line.strip() and all(ch in "0123456789abcdef" for ch in line.strip()):
            data[1 if line.startswith("\t") else 0] += bytes.fromhex(line.strip())
    # tshark 4.0 names node 0 (the sender of the first decrypted data)
    # correctly but prints node 1 as ":0"; tab-indented lines are node 1's
    srv0 = nodes.get(0) == a.port
    c2s, s2c = (data[1], data[0]) if srv0 else (data[0], data[1])
    follows[stream] = (bytes(c2s), bytes(s2c))

if len(order) != a.connections:
    bad.append(f"connections: {len(order)}, want {a.connections}")
vers, suites, res, payloads, ku = [], [], [], [], 0
for k, st in enumerate(order, 1):
    c = conns[st]
    if c["ver"] not in vers:
        vers.append(c["ver"])
    if c["suite"] not in suites:
        suites.append(c["suite"])
    r = ("yes" if c["psk"] else "no") if c["ver"] == "0x0304" else ("no" if c["cert"] else "yes")
    res.append(r)
    ku += c["ku"]
    if c["fin_c"] < 1 or c["fin_s"] < 1:
        bad.append(f"conn {k}: decrypted Finished c2s={c['fin_c']} s2c={c['fin_s']}")
    got = follows.get(st, (b"", b""))
    for d, data in zip(("c2s", "s2c"), got):
        fn = os.path.join(a.payload_dir, f"{a.name}.{k}.{d}")
        if not os.path.exists(fn):
            continue
        want = open(fn, "rb").read()
        if data != want:
            bad.append(f"conn {k}: decrypted {d} stream ({len(data)} bytes) differs from {os.path.basename(fn)} ({len(want)} bytes)")
        payloads.append(os.path.basename(fn))
ver_s = ",".join(v or "-" for v in vers)
suite_s = ",".join(s or "-" for s in suites)
if ver_s != a.version:
    bad.append(f"version: {ver_s}, want {a.version}")
if suite_s != a.suite:
    bad.append(f"cipher_suite: {suite_s}, want {a.suite}")
want_res = a.resumed or ",".join(["no"] * a.connections)
if ",".join(res) != want_res:
    bad.append(f"resumed: {','.join(res)}, want {want_res}")
if ku < a.keyupdate_min:
    bad.append(f"KeyUpdate messages: {ku}, want >= {a.keyupdate_min}")
if not payloads:
    bad.append("no payload file checked")
for b in bad:
    print(f"{a.name}: {b}", file=sys.stderr)
if bad:
    sys.exit(1)
if a.row:
    rsa = os.path.basename(a.rsa_key) if a.rsa_key else "-"
    with open(a.row, "w") as f:
        f.write("\t".join([a.name, a.description, ver_s, suite_s, str(a.connections), ",".join(res),
                           "yes" if a.keys else "no", rsa, ",".join(payloads), str(ku)]) + "\n")
EOF
}

# ------------------------------------------------- per-scenario helpers ----
# (beside those of capture_lib.sh; they run inside the per-attempt subshell)

# detbytes NAME SIZE: SIZE bytes that look random, the same for NAME on every
# run (SHA-256 of NAME and a counter): a reading of them (text or hex, in
# same_output's comparison too) does not change from run to run
detbytes() {
    python3 -c 'import hashlib, sys
n, k, out, i = int(sys.argv[2]), sys.argv[1].encode(), bytearray(), 0
while len(out) < n:
    out += hashlib.sha256(k + i.to_bytes(8, "big")).digest()
    i += 1
sys.stdout.buffer.write(out[:n])' "$1" "$2"
}

# mkpay FILE SIZE [FILTER]: a text line, SIZE random-looking bytes, a text line
mkpay() {
    {
        printf 'tlsscope decrypt test payload %s\n' "${1##*/}"
        if [[ -n ${3:-} ]]; then detbytes "${1##*/}" "$2" | tr -d "$3"; else detbytes "${1##*/}" "$2"; fi
        printf '\nend of %s\n' "${1##*/}"
    } >"$1"
}

# payloads N [C2S-SIZE S2C-SIZE]: OUT/NAME.<k>.c2s/.s2c for connections 1..N
payloads() {
    local n=$1 cs=${2:-48000} ss=${3:-65000} k
    for ((k = 1; k <= n; k++)); do
        mkpay "$OUT/$NAME.$k.c2s" $((cs + 97 * k))
        mkpay "$OUT/$NAME.$k.s2c" $((ss + 131 * k))
    done
}

# ossl_conf FILE LINE...: an OPENSSL_CONF with a system_default section
ossl_conf() {
    local f=$1 l
    shift
    {
        printf 'openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n'
        printf '[ssl_sect]\nsystem_default = sys\n[sys]\n'
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$f"
}

SRV_RSA=()
SRV_EC=()
set_common() {
    NSX=(ip netns exec "$NS")
    KEYS=$OUT/$NAME.keys
    rm -f "$KEYS" "$OUT/$NAME".*.c2s "$OUT/$NAME".*.s2c
    SRV_RSA=(--cert "$PKI/leaf-rsa.crt" --key "$PKI/leaf-rsa.key")
    SRV_EC=(--cert "$PKI/leaf-ec.crt" --key "$PKI/leaf-ec.key")
    ossl_conf "$WORK/$NAME.default.cnf" 'CipherString = DEFAULT'
    SRV_CONF=$WORK/$NAME.default.cnf
    CLI_CONF=$WORK/$NAME.default.cnf
}

conn_specs() { # N: --conn arguments for connections 1..N (one step each)
    local k
    CONN_ARGS=()
    for ((k = 1; k <= $1; k++)); do
        CONN_ARGS+=(--conn "$OUT/$NAME.$k.c2s=$OUT/$NAME.$k.s2c")
    done
}

py_server() { # ARGS...: the Python server (OPENSSL_CONF=$SRV_CONF)
    srv_start env OPENSSL_CONF="$SRV_CONF" python3 "$WORK/peer.py" server --port "$PORT" "$@"
}
py_client() { # ARGS...
    ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" env OPENSSL_CONF="$CLI_CONF" python3 "$WORK/peer.py" client \
        --port "$PORT" --ca "$PKI/ca.crt" --keylog "$KEYS" "$@" </dev/null >>"$WORK/$NAME.client.log" 2>&1
}

# py_pair N SERVER-ARGS... -- CLIENT-ARGS...: N connections, fresh payloads
py_pair() {
    local n=$1
    shift
    local -a sa=() ca=()
    while [[ $1 != -- ]]; do sa+=("$1"); shift; done
    shift
    ca=("$@")
    payloads "$n"
    conn_specs "$n"
    py_server "${sa[@]}" "${CONN_ARGS[@]}"
    wait_listen "$PORT"
    cap_start "$PORT"
    py_client ${ca[@]+"${ca[@]}"} "${CONN_ARGS[@]}" || fail "client failed: $(tail -3 "$WORK/$NAME.client.log")"
    srv_stop 200
    alive "$SRV_PID" && fail "server still running"
    cap_stop
}

declare -A E
expect() {
    local kv
    for kv in "$@"; do E[${kv%%=*}]=${kv#*=}; done
}
expect_defaults() {
    E=()
    expect description=- version=0x0303 cipher_suite=- connections=1 resumed= keyupdate=0 rsa_key=
}

verify() {
    local -a extra=()
    [[ -n ${E[resumed]} ]] && extra+=(--resumed "${E[resumed]}")
    python3 "$WORK/verify.py" --pcap "$PCAP" --port "$PORT" --keys "$KEYS" --name "$NAME" \
        --description "${E[description]}" --version "${E[version]}" --suite "${E[cipher_suite]}" \
        --connections "${E[connections]}" --keyupdate-min "${E[keyupdate]}" --payload-dir "$OUT" \
        ${extra[@]+"${extra[@]}"} --row "$WORK/$NAME.row.tmp" || return 1
    if [[ -n ${E[rsa_key]} ]]; then
        # the server's RSA key alone (no key log) must decrypt it too
        python3 "$WORK/verify.py" --pcap "$PCAP" --port "$PORT" --rsa-key "$OUT/${E[rsa_key]}" --name "$NAME" \
            --description "${E[description]}" --version "${E[version]}" --suite "${E[cipher_suite]}" \
            --connections "${E[connections]}" --payload-dir "$OUT" ${extra[@]+"${extra[@]}"} || return 1
        awk -F'\t' -v OFS='\t' -v k="${E[rsa_key]}" '{ $8 = k; print }' "$WORK/$NAME.row.tmp" >"$WORK/$NAME.row"
    else
        mv "$WORK/$NAME.row.tmp" "$WORK/$NAME.row"
    fi
}

# ------------------------------------------------------------ scenarios ----
# Each sc_<name> runs with NAME and PORT set, inside its own subshell.
SL0=':@SECLEVEL=0'

sc_tls10_aes_cbc() {
    expect description="TLS 1.0 ECDHE-RSA-AES256-SHA (implicit IV), no encrypt_then_mac (SECLEVEL=0)" \
        version=0x0301 cipher_suite=0xc014
    py_pair 1 "${SRV_RSA[@]}" --min 1.0 --max 1.0 --ciphers "ECDHE-RSA-AES256-SHA$SL0" --no-etm -- \
        --min 1.0 --max 1.0 --ciphers "ECDHE-RSA-AES256-SHA$SL0" --no-etm
    etm_check no
}
sc_tls11_aes_cbc() {
    expect description="TLS 1.1 ECDHE-RSA-AES128-SHA (explicit IV), encrypt_then_mac (SECLEVEL=0)" \
        version=0x0302 cipher_suite=0xc013
    py_pair 1 "${SRV_RSA[@]}" --min 1.1 --max 1.1 --ciphers "ECDHE-RSA-AES128-SHA$SL0" -- \
        --min 1.1 --max 1.1 --ciphers "ECDHE-RSA-AES128-SHA$SL0"
}
sc_tls12_cbc_etm() {
    expect description="TLS 1.2 ECDHE-RSA-AES128-SHA256 with encrypt_then_mac" cipher_suite=0xc027
    py_pair 1 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-SHA256 -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-SHA256
    etm_check yes
}
sc_tls12_cbc_noetm() {
    expect description="TLS 1.2 ECDHE-RSA-AES256-SHA (HMAC-SHA1), no encrypt_then_mac" cipher_suite=0xc014
    py_pair 1 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers "ECDHE-RSA-AES256-SHA$SL0" --no-etm -- \
        --min 1.2 --max 1.2 --ciphers "ECDHE-RSA-AES256-SHA$SL0" --no-etm
    etm_check no
}
etm_check() { # yes|no: encrypt_then_mac (22) in the ServerHello
    local n
    n=$(tshark -n -r "$PCAP" -Y 'tls.handshake.type == 2 && tls.handshake.extension.type == 22' 2>/dev/null | wc -l)
    if [[ $1 == yes ]]; then ((n > 0)) || fail "encrypt_then_mac not negotiated"; else ((n == 0)) || fail "encrypt_then_mac negotiated"; fi
}
sc_tls12_aes256_gcm() {
    expect description="TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 (SHA-384 PRF)" cipher_suite=0xc030
    py_pair 1 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384
}
sc_tls12_chacha20() {
    expect description="TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305" cipher_suite=0xcca8
    py_pair 1 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305
}
sc_tls12_aes_ccm() {
    expect description="TLS 1.2 ECDHE-ECDSA-AES128-CCM, ECDSA P-256 leaf" cipher_suite=0xc0ac
    py_pair 1 "${SRV_EC[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-ECDSA-AES128-CCM -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-ECDSA-AES128-CCM
}
sc_tls12_aes_ccm8() {
    expect description="TLS 1.2 ECDHE-ECDSA-AES128-CCM8 (8-byte tag), ECDSA P-256 leaf" cipher_suite=0xc0ae
    py_pair 1 "${SRV_EC[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-ECDSA-AES128-CCM8 -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-ECDSA-AES128-CCM8
}
sc_tls12_static_rsa() {
    expect description="TLS 1.2 AES128-GCM-SHA256, static RSA key exchange, extended master secret (decryptable with tls12-static-rsa.server.key alone)" \
        cipher_suite=0x009c rsa_key=$NAME.server.key
    cp "$PKI/leaf-rsa.key" "$OUT/$NAME.server.key"
    py_pair 1 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers AES128-GCM-SHA256 -- \
        --min 1.2 --max 1.2 --ciphers AES128-GCM-SHA256
    ems_check yes
}
sc_tls12_static_rsa_noems() {
    expect description="TLS 1.2 AES128-GCM-SHA256, static RSA key exchange, no extended master secret (decryptable with tls12-static-rsa-noems.server.key alone)" \
        cipher_suite=0x009c rsa_key=$NAME.server.key
    cp "$PKI/leaf-rsa.key" "$OUT/$NAME.server.key"
    py_pair 1 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers AES128-GCM-SHA256 -- \
        --min 1.2 --max 1.2 --ciphers AES128-GCM-SHA256 --no-ems
    ems_check no
}
ems_check() { # yes|no: extended_master_secret (23) in the ServerHello
    local n
    n=$(tshark -n -r "$PCAP" -Y 'tls.handshake.type == 2 && tls.handshake.extension.type == 23' 2>/dev/null | wc -l)
    if [[ $1 == yes ]]; then ((n > 0)) || fail "EMS not negotiated"; else ((n == 0)) || fail "EMS negotiated"; fi
}

tls13_suite() { # SUITE-NAME [LEAF-ARGS]: both sides allow only that TLS 1.3 suite
    ossl_conf "$WORK/$NAME.tls13.cnf" "Ciphersuites = $1"
    SRV_CONF=$WORK/$NAME.tls13.cnf
    CLI_CONF=$WORK/$NAME.tls13.cnf
    py_pair 1 "${SRV_EC[@]}" --min 1.3 -- --min 1.3
}
sc_tls13_aes128_gcm() {
    expect description="TLS 1.3 TLS_AES_128_GCM_SHA256, ECDSA leaf" version=0x0304 cipher_suite=0x1301
    tls13_suite TLS_AES_128_GCM_SHA256
}
sc_tls13_aes256_gcm() {
    expect description="TLS 1.3 TLS_AES_256_GCM_SHA384, ECDSA leaf" version=0x0304 cipher_suite=0x1302
    tls13_suite TLS_AES_256_GCM_SHA384
}
sc_tls13_chacha20() {
    expect description="TLS 1.3 TLS_CHACHA20_POLY1305_SHA256, ECDSA leaf" version=0x0304 cipher_suite=0x1303
    tls13_suite TLS_CHACHA20_POLY1305_SHA256
}
sc_tls13_aes128_ccm() {
    expect description="TLS 1.3 TLS_AES_128_CCM_SHA256, ECDSA leaf" version=0x0304 cipher_suite=0x1304
    tls13_suite TLS_AES_128_CCM_SHA256
}
sc_tls13_aes128_ccm8() {
    expect description="TLS 1.3 TLS_AES_128_CCM_8_SHA256, ECDSA leaf" version=0x0304 cipher_suite=0x1305
    tls13_suite TLS_AES_128_CCM_8_SHA256
}

sc_tls13_hrr() {
    expect description="TLS 1.3 HelloRetryRequest: client key share X25519, server only P-256; RSA leaf" \
        version=0x0304 cipher_suite=0x1302
    ossl_conf "$WORK/$NAME.srv.cnf" 'Groups = P-256'
    ossl_conf "$WORK/$NAME.cli.cnf" 'Groups = X25519:P-256'
    SRV_CONF=$WORK/$NAME.srv.cnf
    CLI_CONF=$WORK/$NAME.cli.cnf
    py_pair 1 "${SRV_RSA[@]}" --min 1.3 -- --min 1.3
    local n
    n=$(tshark -n -r "$PCAP" -Y 'tls.handshake.random == cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c' 2>/dev/null | wc -l)
    ((n == 1)) || fail "no HelloRetryRequest"
}

sc_tls13_client_cert() {
    expect description="TLS 1.3 mutual authentication: client certificate (RSA) sent encrypted; RSA server leaf" \
        version=0x0304 cipher_suite=0x1302
    py_pair 1 "${SRV_RSA[@]}" --min 1.3 --require-client-cert --ca "$PKI/ca.crt" -- \
        --min 1.3 --cert "$PKI/client.crt" --key "$PKI/client.key"
    local n
    n=$(tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y "tls.handshake.type == 11 && tcp.dstport == $PORT" \
        2>/dev/null | wc -l)
    ((n == 1)) || fail "no decrypted client Certificate"
}

sc_tls12_resume_ticket() {
    expect description="TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, two connections; the second resumes with the session ticket of the first" \
        cipher_suite=0xc02f connections=2 resumed=no,yes
    py_pair 2 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --resume
}
sc_tls12_resume_sessionid() {
    expect description="TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, two connections, no tickets; the second resumes by session id" \
        cipher_suite=0xc02f connections=2 resumed=no,yes
    py_pair 2 "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --no-ticket -- \
        --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 --resume
    local n
    n=$(tshark -n -r "$PCAP" -Y 'tls.handshake.type == 4' 2>/dev/null | wc -l)
    ((n == 0)) || fail "a NewSessionTicket was sent"
}
sc_tls13_resume_psk() {
    expect description="TLS 1.3 TLS_AES_256_GCM_SHA384, two connections; the second resumes with a PSK from a NewSessionTicket of the first" \
        version=0x0304 cipher_suite=0x1302 connections=2 resumed=no,yes
    py_pair 2 "${SRV_RSA[@]}" --min 1.3 -- --min 1.3 --resume
}

step_done() { # I: wait (up to 5 s) until the Python server has answered step I
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "conn 1 step $1 done" "$WORK/$NAME.server.log" && break
        sleep 0.05
    done
    sleep 0.2 # and the client has read the answer
}
sc_tls13_keyupdate() {
    # s_client sends part 1, a KeyUpdate with update_requested ('K'), part 2,
    # a KeyUpdate without ('k'), part 3; the Python server answers each part
    # and its libssl answers the requested update before its second answer.
    # The payloads have no Q/R/K/k (s_client command letters at the start of
    # a read from stdin).
    expect description="TLS 1.3 TLS_AES_128_GCM_SHA256, OpenSSL s_client sends KeyUpdate(update_requested) and KeyUpdate(update_not_requested) between data; the server answers with its own KeyUpdate" \
        version=0x0304 cipher_suite=0x1301 keyupdate=3
    local i
    for i in 1 2 3; do
        mkpay "$WORK/$NAME.c$i" $((15000 + 1000 * i)) QRKk
        mkpay "$WORK/$NAME.s$i" $((20000 + 1000 * i))
    done
    cat "$WORK/$NAME".c{1,2,3} >"$OUT/$NAME.1.c2s"
    cat "$WORK/$NAME".s{1,2,3} >"$OUT/$NAME.1.s2c"
    py_server "${SRV_EC[@]}" --min 1.3 \
        --conn "$WORK/$NAME.c1=$WORK/$NAME.s1,$WORK/$NAME.c2=$WORK/$NAME.s2,$WORK/$NAME.c3=$WORK/$NAME.s3"
    wait_listen "$PORT"
    cap_start "$PORT"
    {
        cat "$WORK/$NAME.c1"; step_done 1; printf 'K\n'; sleep 0.3
        cat "$WORK/$NAME.c2"; step_done 2; printf 'k\n'; sleep 0.3
        cat "$WORK/$NAME.c3"; step_done 3
    } | ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 \
        -ciphersuites TLS_AES_128_GCM_SHA256 -keylogfile "$KEYS" -CAfile "$PKI/ca.crt" -verify_return_error \
        -servername test.example >"$WORK/$NAME.client.out" 2>>"$WORK/$NAME.client.log" || true
    srv_stop 200
    alive "$SRV_PID" && fail "server still running"
    cap_stop
    grep -q 'server conn 1' "$WORK/$NAME.server.log" || fail "server did not finish: $(tail -3 "$WORK/$NAME.server.log")"
    local c s
    c=$(tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y "tls.handshake.type == 24 && tcp.dstport == $PORT" 2>/dev/null | wc -l)
    s=$(tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y "tls.handshake.type == 24 && tcp.srcport == $PORT" 2>/dev/null | wc -l)
    ((c >= 2 && s >= 1)) || fail "KeyUpdate frames c2s=$c s2c=$s, want >= 2 and >= 1"
}

sc_tls13_early_data() {
    # Connection 1: full handshake, session saved.  Connection 2: resumed,
    # 0-RTT early data from a file, then more data from stdin after the
    # handshake; <name>.2.c2s is the two together.  s_server (without -www,
    # fed by a silent stdin) only prints what it reads, so nothing goes s2c
    # but handshake messages.  No Q/R/K/k in the stdin payloads (s_client
    # command letters).
    expect description="TLS 1.3 0-RTT: the second connection resumes and sends early data, then more data (OpenSSL s_client/s_server)" \
        version=0x0304 cipher_suite=0x1302 connections=2 resumed=no,yes
    local sess=$WORK/$NAME.sess.pem
    mkpay "$OUT/$NAME.1.c2s" 20000 QRKk
    mkpay "$WORK/$NAME.early" 6000
    mkpay "$WORK/$NAME.late" 20000 QRKk
    cat "$WORK/$NAME.early" "$WORK/$NAME.late" >"$OUT/$NAME.2.c2s"
    # stdin: a FIFO opened read-write, which never has data nor reaches EOF
    mkfifo "$WORK/$NAME.fifo"
    ${NSX[@]+"${NSX[@]}"} timeout "$SRV_TIMEOUT" openssl s_server -accept "127.0.0.1:$PORT" -naccept 2 \
        -tls1_3 -early_data -cert "$PKI/leaf-rsa.crt" -key "$PKI/leaf-rsa.key" \
        0<>"$WORK/$NAME.fifo" >>"$WORK/$NAME.server.log" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$PORT"
    cap_start "$PORT"
    { cat "$OUT/$NAME.1.c2s"; sleep 0.5; } | ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" openssl s_client \
        -connect "127.0.0.1:$PORT" -tls1_3 -keylogfile "$KEYS" -CAfile "$PKI/ca.crt" -servername test.example \
        -sess_out "$sess" >>"$WORK/$NAME.client.log" 2>&1 || fail "first client failed"
    [[ -s $sess ]] || fail "no session written"
    { cat "$WORK/$NAME.late"; sleep 0.5; } | ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" openssl s_client \
        -connect "127.0.0.1:$PORT" -tls1_3 -keylogfile "$KEYS" -CAfile "$PKI/ca.crt" -servername test.example \
        -sess_in "$sess" -early_data "$WORK/$NAME.early" >>"$WORK/$NAME.client2.log" 2>&1 || fail "second client failed"
    grep -q 'Early data was accepted' "$WORK/$NAME.client2.log" || fail "early data not accepted: $(tail -5 "$WORK/$NAME.client2.log")"
    srv_stop 80
    cap_stop
    local n
    n=$(tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y 'tls.handshake.type == 5' 2>/dev/null | wc -l)
    ((n == 1)) || fail "no decrypted EndOfEarlyData"
}

sc_tls12_renegotiation() {
    # s_client sends part 1, renegotiates ('R': a second full handshake,
    # encrypted under the first one's keys), sends part 2. OpenSSL 3 servers
    # refuse client renegotiation unless told (-client_renegotiation).
    expect description="TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, the client renegotiates between two parts of its data (s_client 'R' against s_server -client_renegotiation)" \
        version=0x0303 cipher_suite=0xc02f
    mkpay "$WORK/$NAME.p1" 20000 QRKk
    mkpay "$WORK/$NAME.p2" 20000 QRKk
    cat "$WORK/$NAME.p1" "$WORK/$NAME.p2" >"$OUT/$NAME.1.c2s"
    mkfifo "$WORK/$NAME.fifo"
    ${NSX[@]+"${NSX[@]}"} timeout "$SRV_TIMEOUT" openssl s_server -accept "127.0.0.1:$PORT" -naccept 1 -tls1_2 \
        -client_renegotiation -cert "$PKI/leaf-rsa.crt" -key "$PKI/leaf-rsa.key" \
        0<>"$WORK/$NAME.fifo" >>"$WORK/$NAME.server.log" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    wait_listen "$PORT"
    cap_start "$PORT"
    { cat "$WORK/$NAME.p1"; sleep 0.5; printf 'R\n'; sleep 0.5; cat "$WORK/$NAME.p2"; sleep 0.5; } |
        ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 \
            -cipher ECDHE-RSA-AES128-GCM-SHA256 -keylogfile "$KEYS" -CAfile "$PKI/ca.crt" -servername test.example \
            >>"$WORK/$NAME.client.log" 2>&1 || fail "client failed"
    srv_stop 80
    cap_stop
    local n
    n=$(tshark -n -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l)
    ((n == 2)) || fail "ClientHellos (the second decrypted): $n, want 2"
}

# GnuTLS pair: gnutls-serv --echo (which treats what it reads as commands
# and answers in its own way, so only the c2s bytes are exact)
gnutls_echo() { # PRIORITY CERT KEY
    mkpay "$OUT/$NAME.1.c2s" 40097
    srv_start gnutls-serv -p "$PORT" --echo --disable-client-cert --priority "$1" \
        --x509certfile "$2" --x509keyfile "$3"
    wait_listen "$PORT"
    cap_start "$PORT"
    { cat "$OUT/$NAME.1.c2s"; sleep 1; } | SSLKEYLOGFILE=$KEYS ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" \
        gnutls-cli -p "$PORT" --priority "$1" --x509cafile "$PKI/ca.crt" --sni-hostname test.example \
        --verify-hostname test.example 127.0.0.1 >"$WORK/$NAME.client.out" 2>>"$WORK/$NAME.client.log" ||
        fail "gnutls-cli failed: $(tail -3 "$WORK/$NAME.client.log")"
    srv_stop 0 # gnutls-serv never exits by itself
    cap_stop
}
sc_tls10_rc4() {
    expect description="TLS 1.0 TLS_ECDHE_RSA_WITH_RC4_128_SHA (0xc011), GnuTLS client and server (echo)" \
        version=0x0301 cipher_suite=0xc011
    gnutls_echo 'NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+CURVE-ALL' \
        "$PKI/leaf-rsa.crt" "$PKI/leaf-rsa.key"
}
sc_tls12_3des() {
    expect description="TLS 1.2 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA (0xc012), GnuTLS client and server (echo)" \
        cipher_suite=0xc012
    gnutls_echo 'NONE:+VERS-TLS1.2:+3DES-CBC:+SHA1:+ECDHE-RSA:+COMP-NULL:+SIGN-ALL:+CURVE-ALL' \
        "$PKI/leaf-rsa.crt" "$PKI/leaf-rsa.key"
}
sc_gnutls_tls13() {
    expect description="TLS 1.3 TLS_AES_256_GCM_SHA384, GnuTLS client and server (echo), ECDSA leaf" \
        version=0x0304 cipher_suite=0x1302
    gnutls_echo 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM' "$PKI/leaf-ec.crt" "$PKI/leaf-ec.key"
}

sc_curl_tls12() {
    # the Python server records the request it received and the response it
    # sent: those are the exact bytes of each direction
    expect description="curl (OpenSSL backend, SSLKEYLOGFILE) POSTs a payload over TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 to a Python server" \
        cipher_suite=0xc02f
    mkpay "$WORK/$NAME.body" 45000
    mkpay "$WORK/$NAME.resp" 60000
    py_server "${SRV_RSA[@]}" --min 1.2 --max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 \
        --http-out "$OUT/$NAME" --conn "$WORK/$NAME.body=$WORK/$NAME.resp"
    wait_listen "$PORT"
    cap_start "$PORT"
    SSLKEYLOGFILE=$KEYS ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" curl -sS --max-time 10 --http1.1 \
        --tlsv1.2 --tls-max 1.2 --cacert "$PKI/ca.crt" --resolve "test.example:$PORT:127.0.0.1" \
        -H 'Expect:' --data-binary "@$WORK/$NAME.body" -o "$WORK/$NAME.got" "https://test.example:$PORT/upload" \
        >>"$WORK/$NAME.client.log" 2>&1 || fail "curl failed: $(tail -3 "$WORK/$NAME.client.log")"
    srv_stop 200
    cap_stop
    cmp -s "$WORK/$NAME.got" "$WORK/$NAME.resp" || fail "curl received a different body"
    [[ -s $OUT/$NAME.1.c2s && -s $OUT/$NAME.1.s2c ]] || fail "server wrote no request/response record"
}

# --------------------------------------------------------------- driver ----

SCENARIOS=(
    tls10-aes-cbc tls11-aes-cbc tls12-cbc-etm tls12-cbc-noetm tls12-3des tls12-aes256-gcm tls12-chacha20
    tls12-aes-ccm tls12-aes-ccm8 tls10-rc4 tls12-static-rsa tls12-static-rsa-noems
    tls13-aes128-gcm tls13-aes256-gcm tls13-chacha20 tls13-aes128-ccm tls13-aes128-ccm8
    tls13-keyupdate tls13-hrr tls13-client-cert tls12-resume-ticket tls12-resume-sessionid tls13-resume-psk
    tls13-early-data tls12-renegotiation curl-tls12 gnutls-tls13
)
# TLSSCOPE_DECRYPT_ONLY="a b": make only these (for debugging)
if [[ -n ${TLSSCOPE_DECRYPT_ONLY:-} ]]; then
    read -r -a SCENARIOS <<<"$TLSSCOPE_DECRYPT_ONLY"
fi

port_ok() { port_free "$1" ip netns exec "$NS"; }
scenario_setup() { set_common; }

setup_namespace() {
    ns_kill_all "$NS"
    ip netns add "$NS"
    # MTU 1500 and no segmentation offload on lo: tcpdump sees wire-sized
    # segments, so one TLS record spans many TCP segments
    ip -n "$NS" link set lo mtu 1500
    ip -n "$NS" link set lo gso_max_size 1500 gso_max_segs 1 2>/dev/null ||
        ip -n "$NS" link set lo gso_max_segs 1 2>/dev/null || true
    ip -n "$NS" link set lo up
}

# tshark with an empty personal configuration (no user RSA keys, key logs)
mkdir -p "$WORK/wireshark"
export WIRESHARK_CONFIG_DIR=$WORK/wireshark
log "PKI -> $PKI"
make_pki
write_peer
write_verify
setup_namespace

scenario_failed() { rm -f "$OUT/$1".*.c2s "$OUT/$1".*.s2c "$OUT/$1.server.key"; }
run_scenarios $'name\tdescription\tversion\tcipher_suite\tconnections\tresumed\tkeylog\trsa_key\tpayloads\tkeyupdate'
finish_scenarios
