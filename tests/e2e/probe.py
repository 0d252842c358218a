#!/usr/bin/env python3
"""End-to-end test of `tlsscope probe` (docs/probe.md) against real servers
on 127.0.0.1, and against small misbehaving servers written here.

Servers (a self-signed RSA certificate made with `openssl req` in a temp dir):

  tls12-serverpref  openssl s_server -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256:
                    ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA' -serverpref
                    -> versions {TLS 1.2}; TLS 1.2 suites exactly that set (IANA
                    codes from `openssl ciphers -V`), order "server", in the
                    configured order; no server-follows-client-order finding
  tls12-clientpref  the same without -serverpref -> the same set, order "client"
                    (the list then in the registry's order: ascending codes);
                    findings hold server-follows-client-order and, for the
                    self-signed chain, cert-untrusted
  tls13             s_server -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256:
                    TLS_CHACHA20_POLY1305_SHA256 -groups X25519:P-256
                    -> versions {TLS 1.3}; TLS 1.3 suites exactly those two;
                    groups exactly {x25519, secp256r1}; hello_retry_request a bool
  tls10             s_server -min_protocol TLSv1 -cipher 'DEFAULT:@SECLEVEL=0'
                    -> versions exactly {TLS 1.0 .. TLS 1.3}; findings hold
                    tls10-negotiated; features.fallback_scsv true and no
                    fallback-scsv-ignored finding (OpenSSL honours RFC 7507)
  gnutls-rc4        gnutls-serv NORMAL:-VERS-ALL:+VERS-TLS1.0:+ARCFOUR-128
                    -> versions {TLS 1.0} (the TLS 1.1 and 1.2 hellos answered
                    server_hello_other); suites hold 0xc011, findings hold
                    rc4-negotiated; and (own case) the TLS 1.0 suites exactly
                    those of `gnutls-cli --priority P --list` an RSA key can use
  gnutls-gcm        gnutls-serv NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:
                    +AES-128-GCM:+AES-256-GCM -> versions {TLS 1.2}; suites
                    exactly the --list set an RSA key can use
  alpn              s_server -alpn h2,http/1.1, probed with --pcap FILE
                    -> alpn accepted exactly {h2, http/1.1}; `tlsscope read
                    --json FILE` has as many connections as the probe's
                    "connections", and a ClientHello of every version asked
  max-connections   --max-connections 3 through a counting TCP proxy to the
                    tls13 server -> exit 1, "complete": false, at most 3
                    connections at the proxy and in the --pcap file; the
                    sections after "versions" null (docs/probe.md)
  ipv6              the tls12 server's configuration on [::1], probed as
                    [::1]:PORT -> target host and address ::1, no SNI, the
                    same TLS 1.2 set (skipped without IPv6 on the loopback)
  bad input         a closed port; "HTTP/1.0 400 Bad Request" and close; an
                    accept then RST; an accept then silence (--timeout 1);
                    random bytes; a TLS record header with a truncated
                    ServerHello then close; a whole record with a garbage
                    ServerHello, connection left open
                    -> exit 1, exactly one stderr line (with -q) naming
                    127.0.0.1 and the port, within 3 x --timeout + 2 s
  usage             no target; 127.0.0.1:99999; --starttls nosuch; --rate 0
                    -> exit 2, something on stderr, no connection attempt

Every probe runs with --timeout 2 (the stall case 1) and -q. Servers use
ports PORT_BASE.. (default 23600, this helper's range 23500-23999) and are
all stopped at the end (also on SIGTERM/SIGINT).

usage: probe.py --tlsscope BIN [--port-base N] [--only SUBSTR] [--keep] [-v]
Every full probe (case '<server>: run'): exit 0, one JSON object,
"complete": true, "connections" > 0, "target" as given.

exit 0 all cases passed; 1 one line per failing case; 77 when openssl,
gnutls-serv or gnutls-cli is missing. Closing line: 'probe: N cases passed'."""
import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True

HOST = "127.0.0.1"
TIMEOUT = 2            # --timeout of every probe except the stall case
PROBE_LIMIT = 120      # seconds a full probe may take before it counts as hung
VERBOSE = False

# version name -> code, as the probe's "versions" entries give them
VERSION_CODES = {"SSL 2.0": 0x0002, "SSL 3.0": 0x0300, "TLS 1.0": 0x0301,
                 "TLS 1.1": 0x0302, "TLS 1.2": 0x0303, "TLS 1.3": 0x0304}


def log(msg):
    if VERBOSE:
        print("  " + msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# processes and servers, all stopped by Cleanup.stop()

class Cleanup:
    def __init__(self):
        self.procs = []     # (name, Popen)
        self.servers = []   # objects with stop()

    def spawn(self, name, argv, logdir):
        out = open(os.path.join(logdir, name + ".log"), "wb")
        log("start %s: %s" % (name, " ".join(argv)))
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.procs.append((name, p))
        return p

    def stop(self):
        for s in self.servers:
            try:
                s.stop()
            except Exception:
                pass
        self.servers = []
        for _, p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)   # its own session: only it
                except OSError:
                    pass
        for _, p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                p.wait()
        self.procs = []


def listening(port):
    """Whether something listens on TCP port `port` (any address), read
    from /proc/net/tcp{,6}: waiting this way opens no connection, which the
    servers would count or log."""
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(f) as fh:
                next(fh)
                for line in fh:
                    parts = line.split()
                    if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            continue
    return False


def wait_listen(port, proc=None, limit=10.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if listening(port):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


class PyServer:
    """A TCP server on HOST:port running handler(conn) in a thread per
    connection until stop(). Counts the connections it accepted."""

    def __init__(self, port, handler):
        self.handler = handler
        self.stopping = threading.Event()
        self.accepted = 0
        self.conns = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, port))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(c)
            threading.Thread(target=self._run, args=(c,), daemon=True).start()

    def _run(self, c):
        try:
            self.handler(c, self.stopping)
        except OSError:
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def stop(self):
        self.stopping.set()
        self.thread.join(2)
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


def read_some(c, stopping, limit=2.0):
    """The client's first bytes (its hello), or b'' after `limit` seconds."""
    c.settimeout(limit)
    try:
        return c.recv(4096)
    except socket.timeout:
        return b""


def hold_open(c, stopping):
    """Keep the connection open, reading and dropping whatever comes, until
    the client closes it or the test stops."""
    c.settimeout(0.2)
    while not stopping.is_set():
        try:
            if not c.recv(4096):
                return
        except socket.timeout:
            continue


def h_http400(c, stopping):
    read_some(c, stopping)
    c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")


def h_reset(c, stopping):
    read_some(c, stopping)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def h_stall(c, stopping):
    hold_open(c, stopping)


def random_answer(seed):
    rnd = random.Random(seed)
    body = bytes(rnd.randrange(256) for _ in range(512))
    # first byte neither a TLS content type (0x14-0x17) nor an SSLv2 record
    # header (high bit set): bytes no reader can take for a TLS answer
    first = rnd.choice([b for b in range(0x00, 0x80) if not 0x14 <= b <= 0x17])
    return bytes([first]) + body


RANDOM_BYTES = random_answer(20)


def h_random(c, stopping):
    read_some(c, stopping)
    c.sendall(RANDOM_BYTES)


def h_truncated_sh(c, stopping):
    # record header for 74 bytes, a ServerHello header for 70, then only
    # 2 + 10 bytes of its body, and close
    read_some(c, stopping)
    c.sendall(b"\x16\x03\x03\x00\x4a" + b"\x02\x00\x00\x46" + b"\x03\x03" + bytes(range(10)))


def h_garbage_sh(c, stopping):
    # a whole record holding a whole ServerHello message whose body is
    # nonsense: version 0x0303, 32 random bytes, a session id length of 200
    # that runs past its end; then the connection stays open
    read_some(c, stopping)
    body = b"\x03\x03" + bytes(range(32)) + b"\xc8" + b"\xff" * 3
    msg = b"\x02" + struct.pack(">I", len(body))[1:] + body
    c.sendall(b"\x16\x03\x03" + struct.pack(">H", len(msg)) + msg)
    hold_open(c, stopping)


class CountingProxy:
    """TCP proxy HOST:port -> HOST:backend counting the connections it
    accepted (the ones the probe opened)."""

    def __init__(self, port, backend):
        self.backend = backend
        self.server = PyServer(port, self._relay)

    @property
    def accepted(self):
        return self.server.accepted

    def stop(self):
        self.server.stop()

    def _relay(self, c, stopping):
        b = socket.create_connection((HOST, self.backend), timeout=5)
        try:
            c.setblocking(True)
            b.setblocking(True)
            peers = {c: b, b: c}
            while not stopping.is_set():
                r, _, _ = select.select([c, b], [], [], 0.2)
                for s in r:
                    data = s.recv(16384)
                    if not data:
                        return
                    peers[s].sendall(data)
        finally:
            b.close()


# --------------------------------------------------------------------------
# running tlsscope

class Run:
    def __init__(self, argv, rc, out, err, elapsed):
        self.argv, self.rc, self.out, self.err, self.elapsed = argv, rc, out, err, elapsed

    def json(self):
        """The one JSON object of stdout, or raise ValueError saying why."""
        lines = [l for l in self.out.splitlines() if l.strip()]
        if len(lines) != 1:
            raise ValueError("stdout has %d non-empty lines, expected one JSON object" % len(lines))
        obj = json.loads(lines[0])
        if not isinstance(obj, dict) or obj.get("type") != "probe":
            raise ValueError("stdout is not a {\"type\":\"probe\"} object")
        return obj

    def describe(self):
        err = self.err.strip().replace("\n", " | ")
        return "exit %s after %.1fs, stderr %r" % (self.rc, self.elapsed, err[:300])


def run(argv, limit):
    log("run: " + " ".join(argv))
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=limit)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "killed (still running after %ds)" % limit, e.stdout or b"", e.stderr or b""
    r = Run(argv, rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
            time.monotonic() - t0)
    log("  -> " + r.describe())
    if VERBOSE and r.out.strip():
        log("  stdout: " + r.out.strip()[:4000])
    return r


def probe(tlsscope, port, *extra, timeout=TIMEOUT, limit=PROBE_LIMIT):
    argv = [tlsscope, "probe", "--json", "-q", "--timeout", str(timeout)] + list(extra) + \
           ["%s:%d" % (HOST, port)]
    return run(argv, limit)


# --------------------------------------------------------------------------
# expectations from the peers' own tools

def openssl_codes(cipher, ciphersuites="", tls13=False):
    """IANA codes of an OpenSSL cipher string (or with tls13, of the TLS 1.3
    -ciphersuites string alone), in OpenSSL's order, from `openssl ciphers -V`."""
    p = subprocess.run(["openssl", "ciphers", "-V", "-ciphersuites", ciphersuites, cipher],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    codes = []
    for line in p.stdout.decode().splitlines():
        m = re.match(r"\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2}) - (\S+)", line)
        if m and (" TLSv1.3 " in line) == tls13:
            codes.append(int(m.group(1) + m.group(2), 16))
    return codes


def gnutls_rsa_codes(priority):
    """IANA codes of the suites `gnutls-cli --priority P --list` lists that a
    server with an RSA certificate can use (not ECDSA-signed ones)."""
    p = subprocess.run(["gnutls-cli", "--priority", priority, "--list"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    codes = []
    for line in p.stdout.decode().splitlines():
        m = re.match(r"(TLS_\S+)\s+0x([0-9a-f]{2}), 0x([0-9a-f]{2})", line)
        if m and "_ECDSA_" not in m.group(1) and "_PSK_" not in m.group(1) \
                and "_SRP_" not in m.group(1) and "_ANON_" not in m.group(1):
            codes.append(int(m.group(2) + m.group(3), 16))
    return codes


def hexes(codes):
    return "{" + ", ".join("0x%04x" % c for c in sorted(codes)) + "}"


def hexlist(codes):
    return "[" + ", ".join("0x%04x" % c for c in codes) + "]"


# --------------------------------------------------------------------------
# reading the probe's JSON

def accepted_versions(obj):
    return {v.get("version") for v in obj.get("versions") or [] if v.get("accepted") is True}


def suites_entry(obj, version):
    for s in obj.get("suites") or []:
        if s.get("version") == version:
            return s
    return None


def code_list(entries):
    return [int(e["code"], 16) for e in entries]


def finding_ids(obj):
    return {f.get("id") for f in obj.get("findings") or []}


def vset(names):
    order = list(VERSION_CODES)
    return "{" + ", ".join(sorted(names, key=lambda n: order.index(n) if n in order else 99)) + "}"


def hello_version(ch):
    """The version a ClientHello of `tlsscope read --json` asks for: SSL 2.0
    for a v2-format hello of version 2; the highest of supported_versions when
    present; else its legacy_version."""
    legacy = int(ch.get("legacy_version") or "0", 16)
    if ch.get("sslv2_format") and legacy == 0x0002:
        return 0x0002
    for e in ch.get("extensions") or []:
        if e.get("name") == "supported_versions" and e.get("versions"):
            vs = [int(v["code"], 16) for v in e["versions"] if (int(v["code"], 16) & 0x0f0f) != 0x0a0a]
            if vs:
                return max(vs)
    return legacy


# --------------------------------------------------------------------------
# the cases

class Cases:
    def __init__(self, only):
        self.only = only
        self.passed = 0
        self.failed = []

    def wanted(self, name):
        return not self.only or any(o in name for o in self.only)

    def check(self, name, problems):
        """problems: list of strings (empty: the case passed), or a function
        returning one; JSON of an unexpected shape fails the case, not the test."""
        if callable(problems):
            try:
                problems = problems()
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                problems = ["the probe's JSON is not of the documented shape (%s: %s)"
                            % (type(e).__name__, e)]
        if problems:
            self.failed.append("%s: %s" % (name, "; ".join(problems)))
            log("FAIL " + self.failed[-1])
        else:
            self.passed += 1
            log("ok   " + name)


def get_json(r, problems, want_rc=0):
    if r.rc != want_rc:
        problems.append("expected exit %d, seen %s" % (want_rc, r.describe()))
    try:
        return r.json()
    except ValueError as e:
        problems.append("%s (%s)" % (e, r.describe()))
    return None


def case_versions(obj, want, exact=True):
    seen = accepted_versions(obj)
    if (seen != want) if exact else not want <= seen:
        answers = ", ".join("%s=%s" % (v.get("version"), v.get("answer"))
                            for v in obj.get("versions") or [])
        return ["versions accepted: expected %s %s, seen %s (answers: %s)"
                % ("exactly" if exact else "at least", vset(want), vset(seen), answers)]
    return []


def case_suites(obj, version, want_codes, order=None, in_order=None, exact=True, ascending=False):
    p = []
    s = suites_entry(obj, version)
    if s is None:
        return ["no suites entry for %s (entries for: %s)"
                % (version, [e.get("version") for e in obj.get("suites") or []])]
    seen = code_list(s.get("accepted") or [])
    if want_codes is None:
        pass
    elif exact and set(seen) != set(want_codes):
        p.append("%s suites: expected exactly %s, seen %s (missing %s, extra %s)"
                 % (version, hexes(want_codes), hexes(seen),
                    hexes(set(want_codes) - set(seen)), hexes(set(seen) - set(want_codes))))
    elif not exact and not set(want_codes) <= set(seen):
        p.append("%s suites: expected to include %s, seen %s"
                 % (version, hexes(want_codes), hexes(seen)))
    if len(seen) != len(set(seen)):
        p.append("%s suites: a code listed twice: %s" % (version, hexlist(seen)))
    if order is not None and s.get("order") != order:
        p.append("%s order: expected %r, seen %r" % (version, order, s.get("order")))
    if in_order is not None and seen != in_order:
        p.append("%s suites order: expected %s, seen %s" % (version, hexlist(in_order), hexlist(seen)))
    if ascending and seen != sorted(seen):
        p.append("%s suites order: expected the registry's (ascending codes), seen %s" % (version, hexlist(seen)))
    return p


def case_groups(obj):
    g = obj.get("groups")
    if not isinstance(g, dict):
        return ["groups: expected an object, seen %r" % (g,)]
    p = []
    seen = {int(e["code"], 16): e.get("name") for e in g.get("accepted") or []}
    if set(seen) != {0x001d, 0x0017}:
        p.append("groups: expected exactly {0x001d x25519, 0x0017 secp256r1}, seen {%s}"
                 % ", ".join("0x%04x %s" % kv for kv in sorted(seen.items())))
    elif seen != {0x001d: "x25519", 0x0017: "secp256r1"}:
        p.append("group names: expected x25519, secp256r1, seen %r" % sorted(seen.values()))
    if g.get("version") != "TLS 1.3":
        p.append("groups version: expected 'TLS 1.3', seen %r" % g.get("version"))
    return p


def case_hrr(obj):
    g = obj.get("groups")
    hrr = g.get("hello_retry_request") if isinstance(g, dict) else "(no groups object)"
    return [] if isinstance(hrr, bool) else ["expected true or false, seen %r" % (hrr,)]


def case_finding(obj, fid):
    ids = finding_ids(obj)
    return [] if fid in ids else ["expected %s among findings, seen %s" % (fid, sorted(map(str, ids)))]


def case_no_finding(obj, fid):
    ids = finding_ids(obj)
    return ["expected no %s among findings, seen it" % fid] if fid in ids else []


def wait_listen6(port, proc, limit=10.0):
    """An IPv6 listener on ::1 (wait_listen asks the IPv4 loopback)."""
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("::1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def case_alpn(obj, want):
    alpn = obj.get("alpn")
    seen = alpn.get("accepted") if isinstance(alpn, dict) else None
    if isinstance(seen, list) and len(seen) == len(want) and sorted(seen) == sorted(want):
        return []
    return ["alpn: expected exactly {%s}, seen %s" % (", ".join(want), json.dumps(alpn))]


def case_answers(obj, want):
    """The "answer" of some versions: a server of TLS 1.0 only answers a
    TLS 1.1 or 1.2 hello with a TLS 1.0 ServerHello (server_hello_other)."""
    seen = {v.get("version"): v.get("answer") for v in obj.get("versions") or []}
    return ["answer to the %s hello: expected %r, seen %r" % (k, w, seen.get(k))
            for k, w in want.items() if seen.get(k) != w]


def case_unreached(obj):
    """docs/probe.md: with "complete": false, "the sections not reached are
    null". Three connections cannot get past the versions step (six hellos),
    so every later section is unreached."""
    later = ("suites", "groups", "signature_algorithms", "alpn", "features", "certificate")
    def short(v):
        t = json.dumps(v)
        return t if len(t) <= 60 else t[:60] + "...}"
    notnull = ["\"%s\": %s" % (k, short(obj.get(k))) for k in later if obj.get(k) is not None]
    missing = [k for k in later if k not in obj]
    p = []
    if notnull:
        p.append("expected null, seen " + ", ".join(notnull))
    if missing:
        p.append("fields absent: %s" % ", ".join(missing))
    return p


def bad_input(cases, tlsscope, name, port, timeout=TIMEOUT):
    if not cases.wanted(name):
        return
    limit = 3 * timeout + 2
    r = probe(tlsscope, port, timeout=timeout, limit=limit + 30)
    p = []
    if r.rc != 1:
        p.append("expected exit 1, seen %s" % r.describe())
    lines = [l for l in r.err.splitlines() if l.strip()]
    if len(lines) != 1:
        p.append("expected one stderr line, seen %d: %r" % (len(lines), r.err[:300]))
    elif HOST not in lines[0] or str(port) not in lines[0]:
        p.append("stderr line does not name %s:%d: %r" % (HOST, port, lines[0]))
    if r.elapsed >= limit:
        p.append("took %.1fs, expected < %ds (3 x --timeout %s + 2)" % (r.elapsed, limit, timeout))
    cases.check(name, p)


def usage_error(cases, tlsscope, name, args, names):
    """exit 2, with a stderr naming `names` (what was wrong), and at once."""
    if not cases.wanted(name):
        return
    r = run([tlsscope, "probe"] + args, 20)
    p = []
    if r.rc != 2:
        p.append("expected exit 2, seen %s" % r.describe())
    if not r.err.strip():
        p.append("nothing on stderr")
    elif names.lower() not in r.err.lower():
        p.append("stderr does not name %r: %r" % (names, r.err.strip()[:300]))
    if r.elapsed > 3:
        p.append("took %.1fs: a usage error should not connect" % r.elapsed)
    cases.check(name, p)


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--port-base", type=int, default=23600)
    ap.add_argument("--only", action="append", help="run only cases whose name holds this (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (server logs, pcaps)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    VERBOSE = a.verbose
    tlsscope = os.path.abspath(a.tlsscope)

    missing = [t for t in ("openssl", "gnutls-serv", "gnutls-cli") if shutil.which(t) is None]
    if missing:
        print("probe: SKIPPED: %s not installed" % ", ".join(missing))
        return 77
    if not os.access(tlsscope, os.X_OK):
        print("probe: FAIL: %s is not an executable" % tlsscope)
        return 1

    def on_signal(signum, frame):
        raise SystemExit("probe: stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # the command exists at all (else every case below fails for that one reason)
    r = run([tlsscope, "probe", "--help"], 20)
    if r.rc != 0 or "probe" not in r.out:
        print("probe: FAIL: `tlsscope probe --help`: %s" % r.describe())
        print("probe: 0 cases passed, 1 failed")
        return 1

    tmp = tempfile.mkdtemp(prefix="tlsscope-probe-e2e-")
    cl = Cleanup()
    cases = Cases(a.only)
    t_start = time.monotonic()
    try:
        body(a, tlsscope, tmp, cl, cases)
    finally:
        cl.stop()
        if a.keep:
            print("probe: kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for f in cases.failed:
        print("probe: FAIL: " + f)
    print("probe: %d cases passed%s (%.0fs)" % (
        cases.passed, ", %d failed" % len(cases.failed) if cases.failed else "",
        time.monotonic() - t_start))
    return 1 if cases.failed else 0


def body(a, tlsscope, tmp, cl, cases):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

    port = iter(range(a.port_base, a.port_base + 100))
    ports = {}

    def s_server(name, args):
        pt = ports[name] = next(port)
        proc = cl.spawn(name, ["openssl", "s_server", "-accept", "%s:%d" % (HOST, pt),
                               "-cert", cert, "-key", key, "-www"] + args, tmp)
        return proc, pt

    def gnutls_serv(name, priority):
        pt = ports[name] = next(port)
        proc = cl.spawn(name, ["gnutls-serv", "-q", "--echo", "-a", "-p", str(pt),
                               "--x509certfile", cert, "--x509keyfile", key,
                               "--priority", priority], tmp)
        return proc, pt

    tls12_ciphers = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA"
    tls13_suites = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"
    rc4_prio = "NORMAL:-VERS-ALL:+VERS-TLS1.0:+ARCFOUR-128"
    gcm_prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM"

    servers = {
        "tls12-serverpref": s_server("tls12-serverpref", ["-tls1_2", "-cipher", tls12_ciphers, "-serverpref"]),
        "tls12-clientpref": s_server("tls12-clientpref", ["-tls1_2", "-cipher", tls12_ciphers]),
        "tls13": s_server("tls13", ["-tls1_3", "-ciphersuites", tls13_suites, "-groups", "X25519:P-256"]),
        "tls10": s_server("tls10", ["-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"]),
        "gnutls-rc4": gnutls_serv("gnutls-rc4", rc4_prio),
        "gnutls-gcm": gnutls_serv("gnutls-gcm", gcm_prio),
        "alpn": s_server("alpn", ["-alpn", "h2,http/1.1"]),
    }
    # IPv6: the same server on ::1 (skipped where the loopback has no IPv6)
    v6_port = next(port)
    v6 = None
    if socket.has_ipv6 and os.path.exists("/proc/net/if_inet6"):
        v6 = cl.spawn("ipv6", ["openssl", "s_server", "-accept", "[::1]:%d" % v6_port, "-cert", cert,
                               "-key", key, "-www", "-tls1_2", "-cipher", tls12_ciphers], tmp)
    proxy_port = next(port)
    closed_port = next(port)
    while listening(closed_port):
        closed_port = next(port)
    py = {}
    for name, handler in (("http400", h_http400), ("reset", h_reset), ("stall", h_stall),
                          ("random", h_random), ("truncated-server-hello", h_truncated_sh),
                          ("garbage-server-hello", h_garbage_sh)):
        pt = next(port)
        py[name] = (PyServer(pt, handler), pt)
        cl.servers.append(py[name][0])
    proxy = CountingProxy(proxy_port, ports["tls13"])
    cl.servers.append(proxy)

    down = set()
    for name, (proc, pt) in servers.items():
        if not wait_listen(pt, proc):
            with open(os.path.join(tmp, name + ".log"), "rb") as f:
                out = f.read().decode("utf-8", "replace").strip().replace("\n", " | ")
            cases.check(name + ": server", ["did not start listening on %d: %s" % (pt, out[:300])])
            down.add(name)

    def full(name, *extra):
        """The probe's JSON for server `name`, or None. Case '<name>: run':
        exit 0, one JSON object, "complete": true, a count of connections,
        and the target as given (an address: no SNI)."""
        p = []
        r = probe(tlsscope, ports[name], *extra)
        obj = get_json(r, p)
        if obj is not None:
            if obj.get("complete") is not True:
                p.append("\"complete\": expected true, seen %r" % obj.get("complete"))
            if not isinstance(obj.get("connections"), int) or obj["connections"] < 1:
                p.append("\"connections\": expected a positive integer, seen %r" % obj.get("connections"))
            t = obj.get("target")
            want = {"host": HOST, "port": ports[name], "address": HOST, "sni": None, "starttls": None}
            seen = {k: t.get(k) for k in want} if isinstance(t, dict) else t
            if seen != want:
                p.append("\"target\": expected %s, seen %s" % (json.dumps(want), json.dumps(seen)))
        cases.check(name + ": run", p)
        return obj

    # ---- openssl TLS 1.2, server order and client order
    want12 = openssl_codes(tls12_ciphers)
    for name, order in (("tls12-serverpref", "server"), ("tls12-clientpref", "client")):
        if name in down or not cases.wanted(name):
            continue
        obj = full(name)
        if obj is None:
            continue
        cases.check(name + ": versions", lambda: case_versions(obj, {"TLS 1.2"}))
        cases.check(name + ": suites", lambda: case_suites(obj, "TLS 1.2", want12))
        if order == "server":
            cases.check(name + ": order", lambda: case_suites(obj, "TLS 1.2", None, order="server", in_order=want12))
            cases.check(name + ": no client-order finding",
                        lambda: case_no_finding(obj, "server-follows-client-order"))
        else:
            cases.check(name + ": order", lambda: case_suites(obj, "TLS 1.2", None, order="client"))
            cases.check(name + ": client-order finding",
                        lambda: case_finding(obj, "server-follows-client-order"))
            # the probe-only rule on the chain: a self-signed leaf does not verify
            cases.check(name + ": cert-untrusted", lambda: case_finding(obj, "cert-untrusted"))
            cases.check(name + ": registry order",
                        case_suites(obj, "TLS 1.2", None, ascending=True))

    # ---- openssl TLS 1.3 only: suites, groups, hello_retry_request
    name = "tls13"
    if name not in down and cases.wanted(name):
        obj = full(name)
        if obj is not None:
            want13 = openssl_codes("DEFAULT", tls13_suites, tls13=True)
            cases.check(name + ": versions", lambda: case_versions(obj, {"TLS 1.3"}))
            cases.check(name + ": suites", lambda: case_suites(obj, "TLS 1.3", want13))
            cases.check(name + ": groups", lambda: case_groups(obj))
            cases.check(name + ": hello_retry_request", lambda: case_hrr(obj))

    # ---- openssl with TLS 1.0 and 1.1 allowed
    name = "tls10"
    if name not in down and cases.wanted(name):
        obj = full(name)
        if obj is not None:
            cases.check(name + ": versions",
                        lambda: case_versions(obj, {"TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"}))
            cases.check(name + ": findings", lambda: case_finding(obj, "tls10-negotiated"))
            # OpenSSL answers a downgraded hello carrying TLS_FALLBACK_SCSV with
            # inappropriate_fallback (RFC 7507)
            cases.check(name + ": fallback SCSV honoured", lambda: (
                [] if (obj.get("features") or {}).get("fallback_scsv") is True else
                ["features.fallback_scsv: expected true, seen %r" % (obj.get("features") or {}).get("fallback_scsv")]))
            cases.check(name + ": no fallback finding", lambda: case_no_finding(obj, "fallback-scsv-ignored"))

    # ---- gnutls-serv: RC4 with TLS 1.0 only
    name = "gnutls-rc4"
    if name not in down and cases.wanted(name):
        obj = full(name)
        if obj is not None:
            cases.check(name + ": versions", lambda: case_versions(obj, {"TLS 1.0"}))
            cases.check(name + ": answers", lambda: case_answers(
                obj, {"TLS 1.1": "server_hello_other", "TLS 1.2": "server_hello_other"}))
            cases.check(name + ": suites", lambda: case_suites(obj, "TLS 1.0", [0xc011], exact=False))
            cases.check(name + ": suite set", lambda: case_suites(obj, "TLS 1.0", gnutls_rsa_codes(rc4_prio)))
            cases.check(name + ": findings", lambda: case_finding(obj, "rc4-negotiated"))

    # ---- gnutls-serv: TLS 1.2 with AES-GCM only
    name = "gnutls-gcm"
    if name not in down and cases.wanted(name):
        obj = full(name)
        if obj is not None:
            cases.check(name + ": versions", lambda: case_versions(obj, {"TLS 1.2"}))
            cases.check(name + ": suites", lambda: case_suites(obj, "TLS 1.2", gnutls_rsa_codes(gcm_prio)))

    # ---- ALPN, with --pcap
    name = "alpn"
    if name not in down and (cases.wanted(name) or cases.wanted("pcap")):
        pcap = os.path.join(tmp, "alpn.pcap")
        obj = full(name, "--pcap", pcap)
        if obj is not None:
            cases.check(name + ": accepted", lambda: case_alpn(obj, ["h2", "http/1.1"]))
            cases.check("pcap: connections and hellos", lambda: check_pcap(tlsscope, pcap, obj))

    # ---- --max-connections 3, counted at a proxy in front of the tls13 server
    name = "max-connections"
    if "tls13" not in down and cases.wanted(name):
        pcap = os.path.join(tmp, "max.pcap")
        r = probe(tlsscope, proxy_port, "--max-connections", "3", "--pcap", pcap)
        p = []
        obj = get_json(r, p, want_rc=1)
        if obj is not None:
            if obj.get("complete") is not False:
                p.append("\"complete\": expected false, seen %r" % obj.get("complete"))
            if not isinstance(obj.get("connections"), int) or obj["connections"] > 3:
                p.append("\"connections\": expected at most 3, seen %r" % obj.get("connections"))
        time.sleep(0.3)   # the proxy's last accept
        if proxy.accepted > 3:
            p.append("the server saw %d connections, expected at most 3" % proxy.accepted)
        if not any(HOST in l and str(proxy_port) in l for l in r.err.splitlines()):
            p.append("no stderr line names %s:%d: %r" % (HOST, proxy_port, r.err[:300]))
        n = pcap_connections(tlsscope, pcap, p)
        if n is not None and len(n) > 3:
            p.append("the --pcap file holds %d connections, expected at most 3" % len(n))
        cases.check(name, p)
        if obj is not None:
            cases.check(name + ": sections not reached are null", lambda: case_unreached(obj))

    # ---- IPv6: [::1]:PORT
    if v6 is not None and cases.wanted("ipv6"):
        p = []
        if not wait_listen6(v6_port, v6):
            p.append("s_server did not start listening on [::1]:%d" % v6_port)
        else:
            r = run([tlsscope, "probe", "-q", "--json", "--timeout", str(TIMEOUT), "[::1]:%d" % v6_port], PROBE_LIMIT)
            obj = get_json(r, p)
            if obj is not None:
                t = obj.get("target") or {}
                if t.get("host") != "::1" or t.get("address") != "::1" or t.get("sni") is not None:
                    p.append("target: expected host and address ::1 and no SNI, seen %s" % json.dumps(t))
                p += case_versions(obj, {"TLS 1.2"})
                p += case_suites(obj, "TLS 1.2", want12)
        cases.check("ipv6", p)

    # ---- bad input: each exits 1 with one stderr line, in time
    bad_input(cases, tlsscope, "bad: closed port", closed_port)
    for nm in ("http400", "reset", "random", "truncated-server-hello", "garbage-server-hello"):
        bad_input(cases, tlsscope, "bad: " + nm, py[nm][1])
    bad_input(cases, tlsscope, "bad: stall", py["stall"][1], timeout=1)

    # ---- usage errors: exit 2
    tgt = "%s:%d" % (HOST, closed_port)
    usage_error(cases, tlsscope, "usage: no target", [], "probe")
    usage_error(cases, tlsscope, "usage: port 99999", ["%s:99999" % HOST], "99999")
    usage_error(cases, tlsscope, "usage: --starttls nosuch", ["--starttls", "nosuch", tgt], "nosuch")
    usage_error(cases, tlsscope, "usage: --rate 0", ["--rate", "0", tgt], "rate")


def pcap_connections(tlsscope, pcap, problems):
    """The connections `tlsscope read --json PCAP` reports, or None after
    adding the reason to problems."""
    if not os.path.exists(pcap):
        problems.append("--pcap %s: no file written" % os.path.basename(pcap))
        return None
    r = run([tlsscope, "read", "--json", "-q", pcap], 60)
    if r.rc != 0:
        problems.append("read --json of the --pcap file: %s" % r.describe())
        return None
    try:
        return [json.loads(l) for l in r.out.splitlines() if l.strip()]
    except ValueError as e:
        problems.append("read --json of the --pcap file: not JSON lines: %s" % e)
        return None


def check_pcap(tlsscope, pcap, obj):
    p = []
    conns = pcap_connections(tlsscope, pcap, p)
    if conns is None:
        return p
    want = obj.get("connections")
    if len(conns) != want:
        no_hello = sum(1 for c in conns if not c.get("client_hello"))
        p.append("read --json shows %d connections (%d without a ClientHello), the probe's "
                 "\"connections\" is %r" % (len(conns), no_hello, want))
    seen = {hello_version(c["client_hello"]) for c in conns if c.get("client_hello")}
    asked = [(v.get("version"), v.get("code")) for v in obj.get("versions") or []]
    if not asked:
        p.append("the probe's \"versions\" is empty")
    lacking = [n for n, code in asked if code not in seen]
    if lacking:
        p.append("no ClientHello in the pcap for %s (hello versions there: %s)"
                 % (", ".join(str(x) for x in lacking), hexes(seen)))
    return p


if __name__ == "__main__":
    sys.exit(main())
