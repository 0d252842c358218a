#!/usr/bin/env python3
"""Make DTLS captures from real peers for the DTLS end-to-end tests.

usage: make_dtls_captures.py [--only NAME,...] [--keep-work] [--reuse] OUTDIR

--reuse keeps OUTDIR as it is when its MANIFEST.tsv is newer than this
script and the tshark reader it checks with (dtls_views.py): the ctest
fixture makes the captures once per build directory.

Peers from Debian (OpenSSL's s_server/s_client, GnuTLS's gnutls-serv/
gnutls-cli) run in a network namespace made here, which has only a loopback
interface; tcpdump captures that loopback (only the scenario's UDP port).
Each client writes an NSS key log (s_client -keylogfile; GnuTLS reads
SSLKEYLOGFILE). Once the handshake is done the client sends a line, the
server answers with one (GnuTLS's echo server sends the client's back), and
the client closes (close_notify): there is application data both ways to
decrypt.

Scenarios (OUTDIR/<name>.pcap and <name>.keys):
  dtls12-gcm       DTLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, SNI, 2-cert chain
  dtls12-cbc       DTLS 1.2 ECDHE-RSA-AES256-SHA (CBC, encrypt_then_mac), no SNI
  dtls10-cbc       DTLS 1.0 ECDHE-RSA-AES128-SHA (SECLEVEL 0)
  dtls12-listen    s_server -listen: the stateless cookie exchange
                   (HelloVerifyRequest, then the ClientHello with the cookie)
  dtls12-bigchain  a 3-certificate chain whose leaf has 160 SANs, -mtu 500
                   on both sides: the Certificate message in many fragments
  gnutls-srtp      gnutls-serv --udp / gnutls-cli --udp with SRTP profiles
                   (use_srtp), GnuTLS's cookie exchange, one message per
                   datagram (ChangeCipherSpec and Finished apart)

OUTDIR/MANIFEST.tsv, header row first, one row per scenario:
  name description version cipher_suite sni hvr cert_fragments srtp keylog
  server_port
(version and cipher_suite as 0x hex, sni "-" when none, hvr yes/no,
cert_fragments the records the server's Certificate took, srtp the selected
profile or "-".) Each row is checked with tshark before it is written
(dtls_views.tshark_views, with and without the key log): one connection,
the expected version, suite, SNI, cookie exchange, use_srtp, the Certificate
in at least the expected number of fragments, both Finished messages and
both lines of application data decrypted, and no fragment seen twice (a
flight retransmitted because a peer was slow makes the scenario run again,
on another port; the third attempt's capture is kept even so).

Needs root (ip netns, tcpdump): without it, prints SKIPPED and exits 77.
A missing program is an error naming its Debian package (exit 2): `make
deps` (scripts/deps.sh) installs them. Exit 1 when a scenario fails three
times (and then writes no MANIFEST.tsv). OUTDIR/pki holds the test CA,
intermediate and leaves.
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
import dtls_views as dv  # noqa: E402

NAME = "make_dtls_captures"
TOOLS = {"openssl": "openssl", "gnutls-serv": "gnutls-bin", "gnutls-cli": "gnutls-bin",
         "tcpdump": "tcpdump", "tshark": "tshark", "ip": "iproute2", "ss": "iproute2",
         "timeout": "coreutils"}
PORT_BASE = 24400
ATTEMPTS = 3
PEER_TIMEOUT = 20          # seconds any peer may live (timeout(1) kills it)
STEP_TIMEOUT = 8.0         # seconds to wait for one step of a scenario
PING = b"ping from the DTLS client\n"
PONG = b"pong from the DTLS server\n"
COLUMNS = ("name", "description", "version", "cipher_suite", "sni", "hvr",
           "cert_fragments", "srtp", "keylog", "server_port")


def log(msg):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


# --------------------------------------------------------------- namespace

class Netns:
    def __init__(self):
        self.name = f"tsc-dtls-{os.getpid()}"
        self.made = False

    def setup(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.made = True
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def cleanup(self):
        if not self.made:
            return
        p = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True)
        for pid in p.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        self.made = False


# ------------------------------------------------------------------- peers

class Proc:
    """A program in the namespace, bounded by timeout(1), its output in a
    log file that wait_for polls."""

    def __init__(self, ns: Netns, argv, logpath, env=None, stdin=True):
        self.logpath = logpath
        self.log = open(logpath, "wb")
        self.p = subprocess.Popen(ns.prefix() + ["timeout", str(PEER_TIMEOUT)] + argv,
                                  stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=self.log, stderr=subprocess.STDOUT,
                                  env=env, start_new_session=True)

    def text(self) -> bytes:
        with open(self.logpath, "rb") as f:
            return f.read()

    def alive(self) -> bool:
        return self.p.poll() is None

    def wait_for(self, what: bytes, why: str, timeout=STEP_TIMEOUT):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if what in self.text():
                return
            if not self.alive():
                break
            time.sleep(0.02)
        if what in self.text():
            return
        raise Failed(f"{why}: {what!r} not seen in {os.path.basename(self.logpath)}"
                     f" (exit {self.p.poll()}): {self.tail()}")

    def tail(self) -> str:
        lines = self.text().decode("utf-8", "replace").strip().splitlines()
        return " | ".join(lines[-4:])

    def send(self, data: bytes):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def close_stdin(self):
        if self.p.stdin and not self.p.stdin.closed:
            try:
                self.p.stdin.close()
            except BrokenPipeError:
                pass

    def wait(self, timeout) -> int | None:
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace=2.0):
        """Terminate (timeout(1) passes SIGTERM on), then kill its group."""
        self.close_stdin()
        if self.alive():
            self.p.terminate()
            if self.wait(grace) is None:
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.p.wait()
        self.log.close()


class Capture:
    def __init__(self, ns: Netns, pcap, port, logpath):
        self.pcap = pcap
        if os.path.exists(pcap):
            os.unlink(pcap)
        self.proc = Proc(ns, ["tcpdump", "-i", "lo", "-n", "-s", "65600", "-B", "4096",
                              "-U", "--immediate-mode", "-Z", "root", "-w", pcap,
                              f"udp port {port}"], logpath, stdin=False)
        end = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < end:
            if os.path.exists(pcap) and os.path.getsize(pcap) >= 24 and \
                    b"listening on" in self.proc.text():
                return
            if not self.proc.alive():
                raise Failed(f"tcpdump died: {self.proc.tail()}")
            time.sleep(0.02)
        raise Failed("tcpdump did not start")

    def stop(self):
        size = -1
        for _ in range(40):     # until the file stops growing
            time.sleep(0.05)
            s = os.path.getsize(self.pcap)
            if s == size:
                break
            size = s
        self.proc.p.send_signal(signal.SIGINT)
        if self.proc.wait(5) is None:
            self.proc.stop()
            raise Failed("tcpdump did not stop")
        self.proc.log.close()
        if b"\n0 packets dropped by kernel" not in b"\n" + self.proc.text():
            raise Failed(f"tcpdump dropped packets: {self.proc.tail()}")


def wait_udp_bound(ns: Netns, port: int, server: Proc):
    end = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < end:
        p = subprocess.run(ns.prefix() + ["ss", "-Hlun", f"sport = :{port}"],
                           capture_output=True, text=True)
        if p.stdout.strip():
            return
        if not server.alive():
            raise Failed(f"server exited before binding port {port}: {server.tail()}")
        time.sleep(0.02)
    raise Failed(f"server not bound to UDP port {port}")


# ---------------------------------------------------------------------- PKI

def make_pki(pki: str, work: str):
    os.makedirs(pki, exist_ok=True)
    cnf = os.path.join(HERE, "peers", "pki.cnf")
    keys = ("root", "int", "leaf", "bigleaf")
    procs = [subprocess.Popen(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                               "rsa_keygen_bits:2048", "-out", os.path.join(pki, k + ".key")],
                              stderr=subprocess.DEVNULL) for k in keys]
    for p in procs:
        if p.wait() != 0:
            raise Failed("openssl genpkey failed")
    org = "/C=XX/O=tlsscope DTLS test PKI"

    def run(argv):
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            raise Failed(f"{' '.join(argv[:3])}: {p.stderr.strip()[-300:]}")

    run(["openssl", "req", "-new", "-x509", "-config", cnf, "-extensions", "v3_root",
         "-sha256", "-days", "3650", "-key", f"{pki}/root.key", "-set_serial", "0x5000",
         "-subj", f"{org}/CN=tlsscope DTLS Test Root CA", "-out", f"{pki}/root.crt"])
    for name, issuer, serial, cn, ext in (
            ("int", "root", "0x5001", "tlsscope DTLS Test Intermediate", "v3_int"),
            ("leaf", "int", "0x5002", "test.example", "v3_leaf_rsa"),
            ("bigleaf", "int", "0x5003", "test.example", "v3_leaf_big")):
        csr = os.path.join(work, name + ".csr")
        run(["openssl", "req", "-new", "-config", cnf, "-key", f"{pki}/{name}.key",
             "-subj", f"{org}/CN={cn}", "-out", csr])
        run(["openssl", "x509", "-req", "-in", csr, "-CA", f"{pki}/{issuer}.crt",
             "-CAkey", f"{pki}/{issuer}.key", "-set_serial", serial, "-days", "3650",
             "-sha256", "-extfile", cnf, "-extensions", ext, "-out", f"{pki}/{name}.crt"])
    with open(f"{pki}/leaf.chain.pem", "w") as f:       # GnuTLS: leaf + intermediate
        for n in ("leaf", "int"):
            f.write(open(f"{pki}/{n}.crt").read())
    with open(f"{pki}/bigchain.extra.pem", "w") as f:   # intermediate + root
        for n in ("int", "root"):
            f.write(open(f"{pki}/{n}.crt").read())


# ---------------------------------------------------------------- scenarios

class Scenario:
    def __init__(self, name, description, version, suite, sni="-", hvr="yes",
                 cert_fragments=1, srtp="-", kind="openssl", server=(), client=()):
        self.name, self.description = name, description
        self.version, self.suite, self.sni, self.hvr = version, suite, sni, hvr
        self.cert_fragments, self.srtp, self.kind = cert_fragments, srtp, kind
        self.server, self.client = list(server), list(client)


SCENARIOS = [
    Scenario("dtls12-gcm", "DTLS 1.2 OpenSSL ECDHE-RSA-AES128-GCM-SHA256, SNI test.example, "
             "leaf + intermediate", 0xfefd, 0xc02f, sni="test.example",
             server=["-dtls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
             client=["-dtls1_2", "-servername", "test.example"]),
    Scenario("dtls12-cbc", "DTLS 1.2 OpenSSL ECDHE-RSA-AES256-SHA (CBC, encrypt_then_mac), no SNI",
             0xfefd, 0xc014,
             server=["-dtls1_2", "-cipher", "ECDHE-RSA-AES256-SHA"],
             client=["-dtls1_2", "-noservername"]),
    Scenario("dtls10-cbc", "DTLS 1.0 OpenSSL ECDHE-RSA-AES128-SHA (SECLEVEL=0), SNI test.example",
             0xfeff, 0xc013, sni="test.example",
             server=["-dtls1", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"],
             client=["-dtls1", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", "-auth_level", "0",
                     "-servername", "test.example"]),
    Scenario("dtls12-listen", "DTLS 1.2 OpenSSL s_server -listen: stateless cookie exchange "
             "(HelloVerifyRequest, ClientHello with the cookie), ECDHE-RSA-AES256-GCM-SHA384",
             0xfefd, 0xc030, sni="test.example",
             server=["-dtls1_2", "-listen", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"],
             client=["-dtls1_2", "-servername", "test.example"]),
    Scenario("dtls12-bigchain", "DTLS 1.2 OpenSSL, 3-certificate chain (leaf with 160 SANs), "
             "-mtu 500 on both sides: the Certificate message in many fragments",
             0xfefd, 0xc02f, sni="test.example", cert_fragments=8,
             server=["-dtls1_2", "-mtu", "500", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
             client=["-dtls1_2", "-mtu", "500", "-servername", "test.example"]),
    Scenario("gnutls-srtp", "DTLS 1.2 GnuTLS gnutls-serv --udp --echo / gnutls-cli --udp, "
             "use_srtp (client offers SRTP_AES128_CM_HMAC_SHA1_32, SRTP_AES128_CM_HMAC_SHA1_80, "
             "SRTP_NULL_HMAC_SHA1_80; server selects SRTP_AES128_CM_HMAC_SHA1_80), AES-128-GCM, "
             "SNI test.example", 0xfefd, 0xc02f, sni="test.example", srtp="0x0001",
             kind="gnutls"),
]


def openssl_pair(sc: Scenario, ns: Netns, port: int, out: str, work: str, pki: str):
    keys = os.path.join(out, sc.name + ".keys")
    cert = ["-cert", f"{pki}/leaf.crt", "-key", f"{pki}/leaf.key", "-cert_chain", f"{pki}/int.crt"]
    if sc.name == "dtls12-bigchain":
        cert = ["-cert", f"{pki}/bigleaf.crt", "-key", f"{pki}/bigleaf.key",
                "-cert_chain", f"{pki}/bigchain.extra.pem"]
    srv = Proc(ns, ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "1"]
               + cert + sc.server, os.path.join(work, sc.name + ".server.log"))
    cli = None
    try:
        wait_udp_bound(ns, port, srv)
        cli = Proc(ns, ["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                        "-keylogfile", keys, "-CAfile", f"{pki}/root.crt",
                        "-verify_return_error"] + sc.client,
                   os.path.join(work, sc.name + ".client.log"))
        cli.wait_for(b"Verify return code: 0 (ok)", "client handshake")
        cli.send(PING)
        srv.wait_for(PING, "server received the client's line")
        srv.send(PONG)
        cli.wait_for(PONG, "client received the server's line")
        cli.close_stdin()           # s_client sends close_notify and exits
        if cli.wait(STEP_TIMEOUT) != 0:
            raise Failed(f"s_client exit {cli.p.poll()}: {cli.tail()}")
        if srv.wait(STEP_TIMEOUT) is None:   # -naccept 1: done after one
            raise Failed(f"s_server did not exit: {srv.tail()}")
    finally:
        if cli:
            cli.stop()
        srv.stop()


def gnutls_pair(sc: Scenario, ns: Netns, port: int, out: str, work: str, pki: str):
    keys = os.path.join(out, sc.name + ".keys")
    prio = "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:+AES-128-GCM:-KX-ALL:+ECDHE-RSA"
    srv = Proc(ns, ["gnutls-serv", "--udp", "--echo", "-p", str(port), "--disable-client-cert",
                    "--priority", prio, "--x509certfile", f"{pki}/leaf.chain.pem",
                    "--x509keyfile", f"{pki}/leaf.key",
                    "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_80:SRTP_NULL_HMAC_SHA1_80"],
               os.path.join(work, sc.name + ".server.log"))
    cli = None
    try:
        wait_udp_bound(ns, port, srv)
        env = dict(os.environ, SSLKEYLOGFILE=keys)
        cli = Proc(ns, ["gnutls-cli", "--udp", "-p", str(port), "--priority", prio,
                        "--x509cafile", f"{pki}/root.crt", "--sni-hostname", "test.example",
                        "--verify-hostname", "test.example",
                        "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_32:SRTP_AES128_CM_HMAC_SHA1_80"
                        ":SRTP_NULL_HMAC_SHA1_80", "127.0.0.1"],
                   os.path.join(work, sc.name + ".client.log"), env=env)
        cli.wait_for(b"- Handshake was completed", "client handshake")
        cli.send(PING)
        # the echo server sends the line back: the client prints it
        cli.wait_for(PING.strip(), "client received the echo")
        cli.close_stdin()           # gnutls-cli sends close_notify and exits
        if cli.wait(STEP_TIMEOUT) != 0:
            raise Failed(f"gnutls-cli exit {cli.p.poll()}: {cli.tail()}")
    finally:
        if cli:
            cli.stop()
        srv.stop(grace=1.0)         # gnutls-serv never exits by itself


# ---------------------------------------------------------------- checking

def check(sc: Scenario, pcap: str, keys: str, port: int, last: bool) -> dict:
    """The scenario's facts as tshark reads them; Failed when they are not
    what the scenario expects. A retransmitted flight fails all but the
    last attempt (the tests compare such a capture just as well; the
    variants are made from clean ones where they can be)."""
    bad = []
    plain, keyed = dv.tshark_readings(pcap, keys, [port])
    if len(plain) != 1 or len(keyed) != 1:
        raise Failed(f"tshark sees {len(plain)} DTLS connections, want 1")
    v, k = plain[0], keyed[0]
    dups = k.extra["duplicates"]
    if dups and not last:
        raise Failed(f"{dups} handshake fragments seen twice (a flight was retransmitted)")
    if dups:
        log(f"{sc.name}: kept with {dups} handshake fragments seen twice (a retransmitted flight)")
    server = v.server
    got = {
        "version": dv.dc.hexcode(v.extra["version"]),
        "cipher_suite": dv.dc.hexcode(v.extra["cipher_suite"]),
        "sni": (v.client_hello.sni if v.client_hello else None) or "-",
        "hvr": "yes" if v.extra["hvr_cookies"] else "no",
        "srtp": ",".join(dv.dc.hexcode(x) for x in v.extra["srtp_selected"] or []) or "-",
    }
    want = {"version": dv.dc.hexcode(sc.version), "cipher_suite": dv.dc.hexcode(sc.suite),
            "sni": sc.sni, "hvr": sc.hvr, "srtp": sc.srtp}
    for f in want:
        if got[f] != want[f]:
            bad.append(f"{f}: want {want[f]}, tshark says {got[f]}")
    if sc.hvr == "yes":
        if v.extra["ch_cookies"][:1] != [0] or len(v.extra["ch_cookies"]) != 2 or \
                v.extra["ch_cookies"][1] != v.extra["hvr_cookies"][0]:
            bad.append(f"cookie exchange: ClientHello cookies {v.extra['ch_cookies']}, "
                       f"HelloVerifyRequest cookies {v.extra['hvr_cookies']}")
    frags = sum(n for (src, seq, t), n in v.extra["frags"].items() if t == 11 and src == server)
    got["cert_fragments"] = str(frags)
    if frags < sc.cert_fragments:
        bad.append(f"Certificate in {frags} fragments, want at least {sc.cert_fragments}")
    if v.extra["open"]:
        bad.append(f"handshake messages never completed: {sorted(v.extra['open'].values())}")
    fins = [s for s, kind, t in k.events if kind == "hs" and t == "finished"]
    if sorted(fins, key=str) != sorted([v.client, server], key=str):
        bad.append(f"decrypted Finished messages: {len(fins)} (want one each way)")
    reply = PING if sc.kind == "gnutls" else PONG
    app = k.extra["app"]
    if app.get(v.client) != [PING] or app.get(server) != [reply]:
        bad.append(f"decrypted application data: {app}")
    if bad:
        raise Failed("; ".join(bad))
    return got


def run_scenario(sc: Scenario, idx: int, ns: Netns, out: str, work: str, pki: str) -> list:
    for attempt in range(ATTEMPTS):
        port = PORT_BASE + idx + 100 * attempt
        pcap = os.path.join(out, sc.name + ".pcap")
        keys = os.path.join(out, sc.name + ".keys")
        if os.path.exists(keys):
            os.unlink(keys)
        t0 = time.monotonic()
        cap = None
        try:
            cap = Capture(ns, pcap, port, os.path.join(work, sc.name + ".tcpdump.log"))
            (gnutls_pair if sc.kind == "gnutls" else openssl_pair)(sc, ns, port, out, work, pki)
            cap.stop()
            cap = None
            if not os.path.exists(keys) or os.path.getsize(keys) == 0:
                raise Failed("the client wrote no key log")
            t1 = time.monotonic()
            got = check(sc, pcap, keys, port, attempt == ATTEMPTS - 1)
            log(f"{sc.name:<16} ok   {int((time.monotonic() - t0) * 1000):5d} ms "
                f"(tshark {int((time.monotonic() - t1) * 1000)} ms) "
                f"[{got['cert_fragments']} certificate fragments]")
            return [sc.name, sc.description, got["version"], got["cipher_suite"], got["sni"],
                    got["hvr"], got["cert_fragments"], got["srtp"], "yes", str(port)]
        except (Failed, dv.dc.ToolError, OSError) as e:
            log(f"{sc.name}: attempt {attempt + 1} failed (port {port}): {e}")
            if cap is not None:
                cap.proc.stop()
    return []


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Make DTLS captures from real peers.")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--keep-work", action="store_true", help="keep the peers' logs")
    ap.add_argument("--reuse", action="store_true",
                    help="keep OUTDIR when its MANIFEST.tsv is newer than the scripts")
    ap.add_argument("outdir")
    a = ap.parse_args(argv)
    manifest = os.path.join(a.outdir, "MANIFEST.tsv")
    if a.reuse and os.path.exists(manifest) and all(
            os.path.getmtime(manifest) > os.path.getmtime(os.path.join(HERE, f))
            for f in ("make_dtls_captures.py", "dtls_views.py", "difflib_common.py")):
        print(f"{NAME}: reusing {a.outdir}")
        return 0
    missing = sorted({f"{t} (Debian package {pkg})" for t, pkg in TOOLS.items()
                      if shutil.which(t) is None})
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
    work = tempfile.mkdtemp(prefix="tsc-dtls-cap.")
    ns = Netns()

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
    try:
        make_pki(os.path.join(out, "pki"), work)
        ns.setup()
    except (Failed, subprocess.CalledProcessError) as e:
        log(f"set-up failed: {e}")
        return 1
    rows, failed = [], []
    for i, sc in enumerate(SCENARIOS):
        if only and sc.name not in only:
            continue
        row = run_scenario(sc, i + 1, ns, out, work, os.path.join(out, "pki"))
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
        # no MANIFEST.tsv: the tests that need the captures do not run on a
        # partial set, and --reuse makes them again
        log("failed scenarios: " + " ".join(failed))
        return 1
    with open(os.path.join(out, "MANIFEST.tsv"), "w") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
