#!/usr/bin/env python3
"""Make QUIC captures from real peers for the QUIC end-to-end tests.

usage: make_quic_captures.py [--only NAME,...] [--keep-work] [--reuse] OUTDIR

--reuse keeps OUTDIR as it is when its MANIFEST.tsv is newer than this
script and the tshark reader it checks with (quic_views.py): the ctest
fixture makes the captures once per build directory.

Peers from Debian: ngtcp2's example HTTP/3 server and client built on
GnuTLS (gtlsserver, package ngtcp2-server; gtlsclient, ngtcp2-client). They
run in a network namespace made here, which has only a loopback interface;
tcpdump captures that loopback (only the scenario's UDP port). The client
writes an NSS key log (GnuTLS reads SSLKEYLOGFILE) and GETs a small file
the server serves; the server sends one datagram per packet train
(--max-gso-dgrams=1: with segmentation offload tcpdump would see one
oversized "datagram" holding several). The certificate is a throwaway:
an RSA leaf (serial 0x5102, for localhost) and its CA (0x5101), both sent, made with
openssl in a temporary directory, so the Certificate message spans
several CRYPTO frames.

Scenarios (OUTDIR/<name>.pcap and <name>.keys):
  h3-get          one HTTP/3 GET: Initial, Handshake, 1-RTT; the client
                  sends SNI localhost (gtlsclient does for a numeric host)
  retry           the server asks for address validation (-V): Retry, then
                  the client's second Initial with the token
  resume-0rtt     two connections: the first saves the session ticket and
                  transport parameters, the second resumes (PSK, no
                  Certificate) and sends its request in 0-RTT packets
  key-update      the client updates its 1-RTT keys 10 ms after the
                  handshake and sends its request 40 ms after it, in the
                  new key phase; the server follows
  client-auth     the server asks for a client certificate: the client
                  sends Certificate and CertificateVerify (ECDSA, serial
                  0x5103) in its Handshake packets
  vn-then-v1      the client starts with version 0x1a2a3a4a; the server
                  answers with a Version Negotiation and the client starts
                  a new connection (new connection IDs, same UDP port) in
                  version 1
  vn-fail         the same first flight, but the client has no version to
                  fall back on: an Initial and a Version Negotiation only
  no-shared-suite the client offers only ChaCha20-Poly1305, the server only
                  AES-128-GCM: the server closes in its Initial
                  (CONNECTION_CLOSE 0x128, TLS handshake_failure)

QUIC version 2 is not made: Debian's ngtcp2 (0.12) speaks only a draft of it
(0x709a50c4), which tshark 4.0 does not read.

OUTDIR/MANIFEST.tsv, header row first, one row per scenario:
  name description connections versions cipher_suite sni alpn retry
  zero_rtt key_updates close keylog server_port
(connections: the QUIC connections tshark finds; versions: the version of
each one's first client packet, comma separated, as tlsscope writes them; cipher_suite 0x hex or "-"; retry,
zero_rtt yes/no; key_updates as tshark counts them with keys; close: the
CONNECTION_CLOSE error code a peer sent during the handshake, or "-".)
Each row is checked with tshark before it is written (quic_views, with the
key log): the expected connections, versions, suite, SNI,
ALPN, Retry, 0-RTT, key updates and close, every packet opened with keys,
and both Finished messages decrypted in the connections that complete. A
scenario that does not come out as expected (a peer was slow) runs again,
on another port, up to three times.

Needs root (ip netns, tcpdump): without it, prints SKIPPED and exits 77.
A missing program is an error naming its Debian package (exit 2): `make
deps` (scripts/deps.sh) installs them. Exit 1 when a scenario fails three
times (and then writes no MANIFEST.tsv).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_dtls_captures as mdc  # noqa: E402  (namespace, peers, tcpdump)
import quic_views as qv  # noqa: E402

NAME = "make_quic_captures"
TOOLS = {"gtlsserver": "ngtcp2-server", "gtlsclient": "ngtcp2-client", "openssl": "openssl",
         "tcpdump": "tcpdump", "tshark": "tshark", "ip": "iproute2", "ss": "iproute2",
         "timeout": "coreutils"}
PORT_BASE = 24700
ATTEMPTS = 3
SNI = "localhost"   # gtlsclient sends it for a numeric host, --sni or not
BODY = b"hello from the QUIC server\n"
COLUMNS = ("name", "description", "connections", "versions", "cipher_suite", "sni", "alpn",
           "retry", "zero_rtt", "key_updates", "close", "keylog", "server_port")
UNKNOWN_VERSION = "0x1a2a3a4a"
SERVER_SUITE = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"
CLIENT_CHACHA = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305"


def log(msg):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


Failed = mdc.Failed


class Scenario:
    def __init__(self, name, description, server=(), clients=((),), connections=1,
                 versions=("1",), suite=0x1301, complete=(True,), retry=False,
                 zero_rtt=False, key_updates=0, close=None, client_cert=False):
        self.name, self.description = name, description
        self.server, self.clients = list(server), [list(c) for c in clients]
        self.connections, self.versions, self.suite = connections, list(versions), suite
        self.complete = list(complete)   # per connection: both Finished expected
        self.retry, self.zero_rtt, self.key_updates = retry, zero_rtt, key_updates
        self.close = close
        self.client_cert = client_cert


SCENARIOS = [
    Scenario("h3-get", "QUIC v1 HTTP/3 GET (ngtcp2 + GnuTLS), SNI localhost, "
             "TLS_AES_128_GCM_SHA256, 2-certificate RSA chain"),
    Scenario("retry", "QUIC v1, the server sends a Retry (address validation); the client's "
             "second Initial carries the token", server=["-V"], retry=True),
    Scenario("resume-0rtt", "QUIC v1, two connections: a full handshake saving the ticket and "
             "transport parameters, then a resumption (PSK) with the request in 0-RTT",
             clients=(["--session-file={work}/session", "--tp-file={work}/tp"],
                      ["--session-file={work}/session", "--tp-file={work}/tp"]),
             connections=2, versions=("1", "1"), complete=(True, True), zero_rtt=True),
    Scenario("key-update", "QUIC v1, the client updates its 1-RTT keys after the handshake and "
             "sends its request in the new key phase; the server follows",
             clients=(["--key-update=10ms", "--delay-stream=40ms"],), key_updates=2),
    Scenario("client-auth", "QUIC v1, the server asks for a client certificate "
             "(--verify-client), the client sends its ECDSA certificate (serial 0x5103) and "
             "CertificateVerify in its Handshake packets",
             server=["--verify-client"],
             clients=(["--key={pki}/client.key", "--cert={pki}/client.crt"],), client_cert=True),
    Scenario("vn-then-v1", f"the client starts in version {UNKNOWN_VERSION}, the server answers "
             "with a Version Negotiation, the client starts a new connection in version 1 "
             "from the same port",
             clients=([f"-v{UNKNOWN_VERSION}", "--preferred-versions=v1"],), connections=2,
             versions=(UNKNOWN_VERSION, "1"), complete=(False, True)),
    Scenario("vn-fail", f"the client sends an Initial in version {UNKNOWN_VERSION}, the server "
             "a Version Negotiation, and the client gives up",
             clients=([f"-v{UNKNOWN_VERSION}"],), versions=(UNKNOWN_VERSION,), suite=None,
             complete=(False,)),
    Scenario("no-shared-suite", "QUIC v1, the client offers only TLS_CHACHA20_POLY1305_SHA256, "
             "the server only TLS_AES_128_GCM_SHA256: the server closes in its Initial "
             "(CONNECTION_CLOSE 0x128, handshake_failure)",
             server=[f"--ciphers={SERVER_SUITE}"], clients=([f"--ciphers={CLIENT_CHACHA}"],),
             suite=None, complete=(False,), close=0x128),
]


def make_pki(pki: str):
    """A CA, an RSA leaf for localhost (the server sends both) and an ECDSA
    client certificate."""
    os.makedirs(pki, exist_ok=True)
    cnf = os.path.join(HERE, "peers", "pki.cnf")

    def run(argv):
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            raise Failed(f"{' '.join(argv[:3])}: {p.stderr.strip()[-300:]}")

    org = "/C=XX/O=tlsscope QUIC test PKI"
    for k in ("ca", "leaf"):
        run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", f"{pki}/{k}.key"])
    run(["openssl", "req", "-new", "-x509", "-config", cnf, "-extensions", "v3_root",
         "-sha256", "-days", "3650", "-key", f"{pki}/ca.key", "-set_serial", "0x5101",
         "-subj", f"{org}/CN=tlsscope QUIC Test CA", "-out", f"{pki}/ca.crt"])
    run(["openssl", "req", "-new", "-config", cnf, "-key", f"{pki}/leaf.key",
         "-subj", f"{org}/CN=localhost", "-out", f"{pki}/leaf.csr"])
    run(["openssl", "x509", "-req", "-in", f"{pki}/leaf.csr", "-CA", f"{pki}/ca.crt",
         "-CAkey", f"{pki}/ca.key", "-set_serial", "0x5102", "-days", "3650", "-sha256",
         "-extfile", cnf, "-extensions", "v3_leaf_rsa", "-out", f"{pki}/leaf.crt"])
    run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", f"{pki}/client.key"])
    run(["openssl", "req", "-new", "-config", cnf, "-key", f"{pki}/client.key",
         "-subj", f"{org}/CN=tlsscope QUIC test client", "-out", f"{pki}/client.csr"])
    run(["openssl", "x509", "-req", "-in", f"{pki}/client.csr", "-CA", f"{pki}/ca.crt",
         "-CAkey", f"{pki}/ca.key", "-set_serial", "0x5103", "-days", "3650", "-sha256",
         "-extfile", cnf, "-extensions", "v3_client", "-out", f"{pki}/client.crt"])
    with open(f"{pki}/chain.pem", "w") as f:
        for n in ("leaf", "ca"):
            with open(f"{pki}/{n}.crt") as c:
                f.write(c.read())


def run_peers(sc: Scenario, ns, port: int, out: str, work: str, pki: str, htdocs: str):
    keys = os.path.join(out, sc.name + ".keys")
    srv = mdc.Proc(ns, ["gtlsserver", "-q", "--max-gso-dgrams=1", "-d", htdocs] + sc.server
                   + ["127.0.0.1", str(port), f"{pki}/leaf.key", f"{pki}/chain.pem"],
                   os.path.join(work, sc.name + ".server.log"), stdin=False)
    try:
        mdc.wait_udp_bound(ns, port, srv)
        env = dict(os.environ, SSLKEYLOGFILE=keys)
        for i, extra in enumerate(sc.clients):
            extra = [a.format(work=work, pki=pki) for a in extra]
            cli = mdc.Proc(ns, ["gtlsclient", "-q", "--exit-on-all-streams-close",
                                "--handshake-timeout=3s", "--timeout=3s",
                                f"--download={work}"] + extra
                           + ["127.0.0.1", str(port), "https://localhost/index.html"],
                           os.path.join(work, f"{sc.name}.client{i}.log"), env=env, stdin=False)
            rc = cli.wait(mdc.STEP_TIMEOUT)
            cli.stop()
            if rc is None:
                raise Failed(f"client {i} did not finish: {cli.tail()}")
            got = os.path.join(work, "index.html")
            if sc.complete[i]:
                if rc != 0:
                    raise Failed(f"client {i} exit {rc}: {cli.tail()}")
                with open(got, "rb") as f:
                    if f.read() != BODY:
                        raise Failed(f"client {i} downloaded something else")
            if os.path.exists(got):
                os.unlink(got)
        time.sleep(0.05)    # the server's last packets (it answers a close)
    finally:
        srv.stop(grace=1.0)     # the server never exits by itself


def check(sc: Scenario, pcap: str, keys: str, port: int) -> dict:
    """The scenario's facts as tshark reads them; Failed when they are not
    what the scenario expects."""
    bad = []
    keyed = qv.tshark_views(pcap, keys, [port])
    if len(keyed) != sc.connections:
        raise Failed(f"tshark sees {len(keyed)} QUIC connections, want {sc.connections}")
    first = keyed[0] if sc.connections == 1 else keyed[-1]
    got = {
        "versions": ",".join(v.extra["version"] or "-" for v in keyed),
        "cipher_suite": ",".join(sorted({dc_hex(v.extra["cipher_suite"]) for v in keyed
                                         if v.extra["cipher_suite"] is not None})) or "-",
        "sni": (first.client_hello.sni if first.client_hello else None) or "-",
        "alpn": first.extra["alpn_selected"] or "-",
        "retry": "yes" if any(v.extra["retry"] for v in keyed) else "no",
        "zero_rtt": "yes" if any(n.get("0rtt") for v in keyed
                                 for n in v.extra["packets"].values()) else "no",
        "key_updates": str(sum(n for v in keyed for n in v.extra["key_updates"].values())),
        "close": ",".join("0x%x" % code for v in keyed for s, t, code in v.extra["close_codes"]
                          if s == v.server and not v.extra["handshake_done"]
                          and code is not None) or "-",
    }
    want = {
        "versions": ",".join(sc.versions),
        "cipher_suite": dc_hex(sc.suite) if sc.suite is not None else "-",
        "sni": SNI,
        "alpn": "h3" if sc.complete[-1] else "-",
        "retry": "yes" if sc.retry else "no",
        "zero_rtt": "yes" if sc.zero_rtt else "no",
        "key_updates": str(sc.key_updates),
        "close": "0x%x" % sc.close if sc.close is not None else "-",
    }
    for f in want:
        if got[f] != want[f]:
            bad.append(f"{f}: want {want[f]}, tshark says {got[f]}")
    for i, v in enumerate(keyed):
        if any(v.extra["undecryptable"].values()):
            bad.append(f"connection {i + 1}: packets that did not open with keys: "
                       f"{sorted(v.extra['undecryptable'].values())}")
        fins = sorted(("c2s" if s == v.client else "s2c") for s, k, t in v.events
                      if k == "hs" and t == "finished")
        if sc.complete[i] and fins != ["c2s", "s2c"]:
            bad.append(f"connection {i + 1}: decrypted Finished messages {fins}")
    if sc.client_cert:
        c2s = [t for s, k, t in first.events if k == "hs" and s == first.client]
        if c2s != ["client_hello", "certificate", "certificate_verify", "finished"]:
            bad.append(f"the client's handshake messages: {c2s}")
    if sc.zero_rtt:
        second = keyed[1]
        if second.certs:
            bad.append("the resumption has a Certificate")
        if 41 not in (second.server_hello.extensions or []):
            bad.append("the resumption's ServerHello has no pre_shared_key")
    if bad:
        raise Failed("; ".join(bad))
    got["connections"] = str(len(keyed))
    return got


def dc_hex(v):
    return qv.dc.hexcode(v)


def run_scenario(sc: Scenario, idx: int, ns, out: str, work: str, pki: str,
                 htdocs: str) -> list:
    for attempt in range(ATTEMPTS):
        port = PORT_BASE + idx + 100 * attempt
        pcap = os.path.join(out, sc.name + ".pcap")
        keys = os.path.join(out, sc.name + ".keys")
        for f in (keys, os.path.join(work, "session"), os.path.join(work, "tp")):
            if os.path.exists(f):
                os.unlink(f)
        t0 = time.monotonic()
        cap = None
        try:
            cap = mdc.Capture(ns, pcap, port, os.path.join(work, sc.name + ".tcpdump.log"))
            run_peers(sc, ns, port, out, work, pki, htdocs)
            cap.stop()
            cap = None
            if not os.path.exists(keys):
                open(keys, "w").close()     # a handshake that failed early logs nothing
            if any(sc.complete) and os.path.getsize(keys) == 0:
                raise Failed("the client wrote no key log")
            t1 = time.monotonic()
            got = check(sc, pcap, keys, port)
            log(f"{sc.name:<16} ok   {int((time.monotonic() - t0) * 1000):5d} ms "
                f"(tshark {int((time.monotonic() - t1) * 1000)} ms)")
            return [sc.name, sc.description, got["connections"], got["versions"],
                    got["cipher_suite"], got["sni"], got["alpn"], got["retry"], got["zero_rtt"],
                    got["key_updates"], got["close"], "yes", str(port)]
        except (Failed, qv.dc.ToolError, OSError) as e:
            log(f"{sc.name}: attempt {attempt + 1} failed (port {port}): {e}")
            if cap is not None:
                cap.proc.stop()
    return []


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Make QUIC captures from real peers.")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--keep-work", action="store_true", help="keep the peers' logs")
    ap.add_argument("--reuse", action="store_true",
                    help="keep OUTDIR when its MANIFEST.tsv is newer than the scripts")
    ap.add_argument("outdir")
    a = ap.parse_args(argv)
    manifest = os.path.join(a.outdir, "MANIFEST.tsv")
    if a.reuse and os.path.exists(manifest) and all(
            os.path.getmtime(manifest) > os.path.getmtime(os.path.join(HERE, f))
            for f in ("make_quic_captures.py", "quic_views.py", "difflib_common.py",
                      "make_dtls_captures.py")):
        print(f"{NAME}: reusing {a.outdir}")
        return 0
    missing = sorted({f"{t} (Debian package {pkg})" for t, pkg in TOOLS.items()
                      if shutil.which(t) is None and not os.path.exists("/usr/sbin/" + t)})
    if missing:
        log("missing programs: " + ", ".join(missing)
            + "; `make deps` (scripts/deps.sh) installs them")
        return 2
    if os.geteuid() != 0:
        print(f"{NAME}: SKIPPED: needs root for tcpdump and network namespaces")
        return 77
    only = {x for x in a.only.split(",") if x}
    unknown = only - {s.name for s in SCENARIOS}
    if unknown:
        ap.error("unknown scenario(s): " + ",".join(sorted(unknown)))
    os.makedirs(a.outdir, exist_ok=True)
    out = os.path.abspath(a.outdir)
    for f in os.listdir(out):
        if f == "MANIFEST.tsv" or (not only and f.endswith((".pcap", ".keys"))):
            os.unlink(os.path.join(out, f))
    work = tempfile.mkdtemp(prefix="tsc-quic-cap.")
    ns = mdc.Netns()
    ns.name = f"tsc-quic-{os.getpid()}"

    def cleanup():
        ns.cleanup()
        if a.keep_work:
            log(f"peer logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))

    t0 = time.monotonic()
    pki = os.path.join(work, "pki")
    htdocs = os.path.join(work, "htdocs")
    try:
        make_pki(pki)
        os.makedirs(htdocs)
        with open(os.path.join(htdocs, "index.html"), "wb") as f:
            f.write(BODY)
        ns.setup()
    except (Failed, OSError, subprocess.CalledProcessError) as e:
        log(f"set-up failed: {e}")
        return 1
    # the client downloads into work/; the server's files are elsewhere
    rows, failed = [], []
    for i, sc in enumerate(SCENARIOS):
        if only and sc.name not in only:
            continue
        row = run_scenario(sc, i + 1, ns, out, work, pki, htdocs)
        if row:
            rows.append(row)
        else:
            failed.append(sc.name)
            for ext in (".pcap", ".keys"):
                if os.path.exists(os.path.join(out, sc.name + ext)):
                    os.unlink(os.path.join(out, sc.name + ext))
    log(f"done: {len(rows)} ok, {len(failed)} failed, "
        f"{int((time.monotonic() - t0) * 1000)} ms")
    if failed:
        log("failed scenarios: " + " ".join(failed))
        return 1
    with open(os.path.join(out, "MANIFEST.tsv"), "w") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
