#!/usr/bin/env python3
"""`tlsscope probe` against two scanners nobody here wrote, on the same
local servers: nmap's ssl-enum-ciphers script and testssl.sh.

usage: probe_compare.py --tlsscope BIN [--known TSV] [--keep DIR]
                        [--baseline probe|config] [--ports LO-HI]

Servers (ports from --ports, default 24000-24499), with a fresh RSA 2048
certificate:
  openssl  `openssl s_server` on 127.0.0.1, TLS 1.2 and 1.3 only, with the
           -cipher and -ciphersuites sets OPENSSL_TLS12 and OPENSSL_TLS13
           below (GCM, ChaCha20, CCM, CCM_8, ARIA, Camellia, NULL);
  gnutls   `gnutls-serv`, TLS 1.0 only, with the priority string
           GNUTLS_PRIORITY that enables RC4 (TLS_ECDHE_RSA_WITH_RC4_128_SHA
           and three more), 3DES and Camellia. gnutls-serv has no option
           for its address: it listens on every interface for the run.

Each server is asked, one tool after the other (never two at a time: both
servers answer one connection at a time), by
  probe    `tlsscope probe --json -q 127.0.0.1:PORT` (docs/probe.md);
  nmap     `nmap -n -Pn --script ssl-enum-ciphers -p PORT 127.0.0.1 -oX -`
           (the suites' names are nmap's: they are turned into code points
           with nmap's own table, nselib/tls.lua; TLS_AKE_WITH_X is TLS
           1.3's TLS_X);
  testssl  `testssl --quiet --color 0 -n none --warnings off --jsonfile F
           -p -E 127.0.0.1:PORT`: -p the protocols, -E each suite per
           protocol (its JSON has the code point in each cipher-* id). Not
           --fast: it would ask only the suites the local OpenSSL has.
           --warnings off, not batch: Debian's OpenSSL 3.0 refuses TLS 1.0
           at its default security level, testssl then warns "Your OpenSSL
           cannot connect" and batch stops there; the checks go on over
           testssl's own sockets.
The two servers are asked at the same time (a thread each).

Compared, per server and tool: which of SSL 2.0 ... TLS 1.3 are accepted,
and for each version both accept, the set of accepted suites (code
points). The server's configuration is a fourth reading ("config"): what
the -cipher/-ciphersuites or priority string say the server accepts.

A disagreement is (tool, server, version, suite, found_by): suite is the
code point (0xc011) or "(version)" when the version itself differs;
found_by is the side that found it ("probe", or the tool). It is reviewed
when --known (default tests/e2e/probe_compare_known.tsv) has its line, with
the suite's IANA name and a reason; where the probe finds more than the
tool, the reason says why the tool missed it. No wildcards. A line that no
disagreement needs is stale and fails too.

Closing line: `probe-compare: N agree, K known, M failed (T s)`, where N
counts the versions and suites on which the probe and a tool agree.
Exit 0, 1 on any failure, 77 (with the reason) when nmap, testssl,
openssl or gnutls-serv is absent. --baseline config compares nmap and
testssl with the configuration instead of the probe and ignores the list
(to check this harness without a probe).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REGISTRY = os.path.join(ROOT, "data", "registry", "cipher_suites.tsv")
KNOWN = os.path.join(HERE, "probe_compare_known.tsv")
NAME = "probe-compare"

VERSIONS = ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"]
VERSION_BY_CODE = {0x0002: "SSL 2.0", 0x0200: "SSL 2.0", 0x0300: "SSL 3.0",
                   0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
                   0x0304: "TLS 1.3"}
NMAP_VERSIONS = {"SSLv3": "SSL 3.0", "TLSv1.0": "TLS 1.0", "TLSv1.1": "TLS 1.1",
                 "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}
TESTSSL_VERSIONS = {"SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0", "TLS1": "TLS 1.0",
                    "TLS1_1": "TLS 1.1", "TLS1_2": "TLS 1.2", "TLS1_3": "TLS 1.3"}
# testssl's "no" for a protocol: "not offered", "likely not offered", "TLSv1.1
# is not offered, and downgraded to a weaker protocol", "connection failed
# rather than downgrading to ...", "server responded with higher version
# number ... than requested by client" (the server answered another version).
TESTSSL_REFUSED = re.compile(r"not offered|^connection failed rather than downgrading|"
                             r"^server responded with higher version number")
TESTSSL_CIPHER_ID = re.compile(r"^cipher-(ssl2|ssl3|tls1|tls1_1|tls1_2|tls1_3)_x([0-9a-fA-F]+)$")
TESTSSL_CIPHER_VERSIONS = {"ssl2": "SSL 2.0", "ssl3": "SSL 3.0", "tls1": "TLS 1.0",
                           "tls1_1": "TLS 1.1", "tls1_2": "TLS 1.2", "tls1_3": "TLS 1.3"}
TOOLS = ["nmap", "testssl", "config"]

# The servers: how each is started, and what its configuration accepts
# (the reading called "config").
OPENSSL_TLS12 = [  # OpenSSL's name, the code point
    ("ECDHE-RSA-AES256-GCM-SHA384", 0xc030),
    ("ECDHE-RSA-CHACHA20-POLY1305", 0xcca8),
    ("ECDHE-ARIA128-GCM-SHA256", 0xc060),
    ("DHE-RSA-AES128-CCM8", 0xc0a2),
    ("DHE-RSA-AES128-CCM", 0xc09e),
    ("ECDHE-RSA-CAMELLIA128-SHA256", 0xc076),
    ("AES128-SHA", 0x002f),
    ("NULL-SHA256", 0x003b),
    ("ECDHE-RSA-NULL-SHA", 0xc010),
]
OPENSSL_TLS13 = [("TLS_AES_256_GCM_SHA384", 0x1302), ("TLS_CHACHA20_POLY1305_SHA256", 0x1303),
                 ("TLS_AES_128_CCM_SHA256", 0x1304), ("TLS_AES_128_CCM_8_SHA256", 0x1305)]
# Debian's gnutls 3.7: `gnutls-cli -l --priority P` lists these eight.
GNUTLS_PRIORITY = ("NONE:+VERS-TLS1.0:+ECDHE-RSA:+RSA:+ARCFOUR-128:+AES-128-CBC:"
                   "+3DES-CBC:+CAMELLIA-128-CBC:+SHA1:+MD5:+COMP-NULL:+SIGN-ALL:+CURVE-ALL")
GNUTLS_TLS10 = [("TLS_ECDHE_RSA_ARCFOUR_128_SHA1", 0xc011), ("TLS_ECDHE_RSA_AES_128_CBC_SHA1", 0xc013),
                ("TLS_ECDHE_RSA_3DES_EDE_CBC_SHA1", 0xc012), ("TLS_RSA_ARCFOUR_128_SHA1", 0x0005),
                ("TLS_RSA_ARCFOUR_128_MD5", 0x0004), ("TLS_RSA_AES_128_CBC_SHA1", 0x002f),
                ("TLS_RSA_3DES_EDE_CBC_SHA1", 0x000a), ("TLS_RSA_CAMELLIA_128_CBC_SHA1", 0x0041)]


def server_commands(tmp, ports):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    ossl = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % ports["openssl"], "-www",
            "-quiet", "-cert", cert, "-key", key,
            "-min_protocol", "TLSv1.2", "-max_protocol", "TLSv1.3",
            # level 0: the NULL suites
            "-cipher", ":".join(o for o, _ in OPENSSL_TLS12) + ":@SECLEVEL=0",
            "-ciphersuites", ":".join(o for o, _ in OPENSSL_TLS13)]
    gnutls = ["gnutls-serv", "-p", str(ports["gnutls"]), "--x509certfile", cert,
              "--x509keyfile", key, "--priority", GNUTLS_PRIORITY]
    return {"openssl": ossl, "gnutls": gnutls}


def config_reading():
    return {
        "openssl": {"TLS 1.2": {c for _, c in OPENSSL_TLS12},
                    "TLS 1.3": {c for _, c in OPENSSL_TLS13}},
        "gnutls": {"TLS 1.0": {c for _, c in GNUTLS_TLS10}},
    }


# ------------------------------------------------------------------ helpers

def load_registry():
    """(code -> name, unique name -> code) from data/registry."""
    by_code, by_name, dup = {}, {}, set()
    with open(REGISTRY, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 2 or not cols[0].startswith("0x"):
                continue
            code = int(cols[0], 16)
            by_code[code] = cols[1]
            if cols[1] in by_name:
                dup.add(cols[1])
            by_name[cols[1]] = code
    for n in dup:
        del by_name[n]
    return by_code, by_name


def fmt_code(code):
    return "0x%06x" % code if code > 0xffff else "0x%04x" % code


def nmap_cipher_table(by_name):
    """nmap's name -> code, read from its own nselib/tls.lua (the names
    ssl-enum-ciphers prints); the registry's unique names when absent."""
    table = dict(by_name)
    candidates = ["/usr/share/nmap/nselib/tls.lua", "/usr/local/share/nmap/nselib/tls.lua"]
    for path in candidates:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            src = f.read()
        start = src.find("\nCIPHERS = {")
        end = src.find("\n}", start)
        if start < 0 or end < 0:
            continue
        for m in re.finditer(r'^\s*(?:\["([^"]+)"\]|([A-Za-z0-9_]+))\s*=\s*(0x[0-9A-Fa-f]+)',
                             src[start:end], re.M):
            table[m.group(1) or m.group(2)] = int(m.group(3), 16)
        return table, path
    return table, "the registry (no nselib/tls.lua in %s)" % " or ".join(candidates)


def tool_versions():
    """One line naming the versions of the tools, for the log."""
    def first(cmd):
        p = subprocess.run(cmd, capture_output=True, text=True)
        return (p.stdout.strip() or p.stderr.strip()).split("\n")[0]

    out = []
    out.append(first(["nmap", "--version"]))
    try:
        with open(shutil.which("testssl"), encoding="utf-8", errors="replace") as f:
            m = re.search(r'^(?:declare -r )?VERSION="([^"]+)"', f.read(), re.M)
        out.append("testssl " + (m.group(1) if m else "(version not found)"))
    except OSError:
        out.append("testssl (unreadable)")
    out.append(first(["openssl", "version"]))
    out.append(first(["gnutls-serv", "--version"]))
    return "; ".join(out)


def free_port(lo, hi, taken):
    """A port of [lo, hi] free on 0.0.0.0 and :: (gnutls-serv binds both)."""
    ports = list(range(lo, hi + 1))
    random.shuffle(ports)
    for p in ports:
        if p in taken:
            continue
        ok = True
        for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            try:
                s = socket.socket(fam, socket.SOCK_STREAM)
            except OSError:
                continue
            try:
                if fam == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((addr, p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return p
    raise SystemExit("%s: no free port in %d-%d" % (NAME, lo, hi))


def wait_listening(port, proc, what, seconds=15.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("%s exited (status %s) before listening" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("%s not listening on %d after %.0f s" % (what, port, seconds))


PROCS = []       # the servers
TOOL_PROCS = []  # the tools, each the leader of its process group


def stop_all():
    for p in TOOL_PROCS:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in PROCS:
        if p.poll() is None:
            p.terminate()
    for p in PROCS:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# ------------------------------------------------------------------ readings
# A reading: {version: set(code)} for each accepted version (an accepted
# version with no suite read has an empty set).

def run_tool(cmd, timeout, cwd=None):
    """Run a tool in a process group of its own; on timeout the whole group
    (testssl's openssl and socket helpers too) is killed."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=cwd, start_new_session=True)
    TOOL_PROCS.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise RuntimeError("%s: no end after %d s, stopped" % (cmd[0], timeout))
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def keep(tmp, name, text):
    with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
        f.write(text)


def read_probe(binary, port, tmp, log):
    cmd = [binary, "probe", "--json", "-q", "127.0.0.1:%d" % port]
    p = run_tool(cmd, 150)
    log.append("$ %s  -> exit %d" % (" ".join(cmd), p.returncode))
    keep(tmp, "probe-%d.json" % port, p.stdout)
    if p.returncode != 0:
        raise RuntimeError("tlsscope probe exit %d: %s" % (p.returncode, p.stderr.strip()[-500:]))
    obj = json.loads(p.stdout)
    if obj.get("type") != "probe" or obj.get("complete") is not True:
        raise RuntimeError("tlsscope probe: not a complete probe report: %.300s" % p.stdout)
    reading = {}
    for v in obj.get("versions") or []:
        name = VERSION_BY_CODE.get(v.get("code"), v.get("version"))
        if v.get("accepted") is True:
            reading[name] = set()
    for s in obj.get("suites") or []:
        name = s.get("version")
        if name not in reading:
            raise RuntimeError("tlsscope probe: suites for %s, a version it did not accept" % name)
        for a in s.get("accepted") or []:
            reading[name].add(int(a["code"], 16))
    log.append("   %d connections" % obj.get("connections", -1))
    return reading


def read_nmap(port, table, tmp, log):
    cmd = ["nmap", "-n", "-Pn", "--script", "ssl-enum-ciphers", "-p", str(port), "127.0.0.1", "-oX", "-"]
    p = run_tool(cmd, 120)
    log.append("$ %s  -> exit %d" % (" ".join(cmd), p.returncode))
    keep(tmp, "nmap-%d.xml" % port, p.stdout)
    if p.returncode != 0:
        raise RuntimeError("nmap exit %d: %s" % (p.returncode, p.stderr.strip()[-500:]))
    root = ET.fromstring(p.stdout)
    state = root.find(".//port/state")
    if state is None or state.get("state") != "open":
        raise RuntimeError("nmap: port %d not open (%s)" % (port, None if state is None else state.get("state")))
    reading, unknown = {}, []
    script = root.find(".//port/script[@id='ssl-enum-ciphers']")
    if script is None:
        log.append("   nmap: no ssl-enum-ciphers output (no TLS version accepted)")
        return reading, unknown
    for vt in script.findall("table"):
        version = NMAP_VERSIONS.get(vt.get("key"))
        if version is None:
            continue
        suites = reading.setdefault(version, set())
        for e in vt.findall("table[@key='ciphers']/table/elem[@key='name']"):
            code = table.get(e.text)
            if code is None and e.text.startswith("TLS_AKE_WITH_"):
                code = table.get("TLS_" + e.text[len("TLS_AKE_WITH_"):])
            if code is None:
                unknown.append("%s: %s" % (version, e.text))
            else:
                suites.add(code)
    return reading, unknown


def read_testssl(port, tmp, log):
    jf = os.path.join(tmp, "testssl-%d.json" % port)
    if os.path.exists(jf):
        os.unlink(jf)
    cmd = ["testssl", "--quiet", "--color", "0", "-n", "none", "--warnings", "off",
           "--connect-timeout", "10",
           "--jsonfile", jf, "-p", "-E", "127.0.0.1:%d" % port]
    p = run_tool(cmd, 180, cwd=tmp)
    log.append("$ %s  -> exit %d" % (" ".join(cmd), p.returncode))
    if not os.path.exists(jf):
        raise RuntimeError("testssl wrote no JSON (exit %d): %s" % (p.returncode, (p.stdout + p.stderr).strip()[-500:]))
    with open(jf, encoding="utf-8") as f:
        items = json.load(f)
    reading, verdicts = {}, {}
    for it in items:
        ident, finding = it.get("id", ""), it.get("finding", "")
        if it.get("severity") in ("WARN", "FATAL") or ident == "scanProblem":
            log.append("   testssl %s %s: %s" % (it.get("severity"), ident, finding))
        if ident in TESTSSL_VERSIONS:
            v = TESTSSL_VERSIONS[ident]
            if finding.startswith("offered"):
                verdicts[v] = True
                reading.setdefault(v, set())
            elif TESTSSL_REFUSED.search(finding):
                verdicts[v] = False
            else:
                raise RuntimeError("testssl: no yes/no for %s: %r" % (v, finding))
            continue
        m = TESTSSL_CIPHER_ID.match(ident)
        if m:
            v = TESTSSL_CIPHER_VERSIONS[m.group(1)]
            reading.setdefault(v, set()).add(int(m.group(2), 16))
    missing = [v for v in VERSIONS if v not in verdicts]
    if missing:
        raise RuntimeError("testssl: no verdict for %s" % ", ".join(missing))
    for v in list(reading):
        if not verdicts[v] and reading[v]:
            raise RuntimeError("testssl: suites for %s, which it calls not offered" % v)
    return reading


# ------------------------------------------------------------------ compare

def compare(base, other):
    """(items compared, [(version, suite or None, found_by_base)]): an item
    is a version or a suite of a version both accept; None = the version."""
    out, items = [], 0
    for v in VERSIONS:
        a, b = v in base, v in other
        items += 1
        if a != b:
            out.append((v, None, a))
        elif a:
            items += len(base[v] | other[v])
            for c in sorted(base[v] - other[v]):
                out.append((v, c, True))
            for c in sorted(other[v] - base[v]):
                out.append((v, c, False))
    return items, out


def load_known(path, by_code):
    """{(tool, server, version, suite, found_by): (lineno, reason)}, errors."""
    known, errors = {}, []
    if not os.path.exists(path):
        return known, errors
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0] == "tool":
                continue  # the header
            if len(cols) != 7:
                errors.append("%s:%d: %d columns, want 7 (tool server version suite name found_by reason)"
                              % (path, n, len(cols)))
                continue
            tool, server, version, suite, name, found_by, reason = cols
            if tool not in TOOLS or server not in ("openssl", "gnutls") or version not in VERSIONS \
                    or found_by not in ("probe", tool) or len(reason.strip()) < 10:
                errors.append("%s:%d: bad line (tool %s, server %s, version %s, found_by %s, reason %r)"
                              % (path, n, tool, server, version, found_by, reason))
                continue
            if suite != "(version)":
                try:
                    code = int(suite, 16)
                except ValueError:
                    errors.append("%s:%d: suite %r is not a code point" % (path, n, suite))
                    continue
                if by_code.get(code, "-") != name:
                    errors.append("%s:%d: %s is %s in the registry, the line says %s"
                                  % (path, n, suite, by_code.get(code), name))
                    continue
                suite = fmt_code(code)
            key = (tool, server, version, suite, found_by)
            if key in known:
                errors.append("%s:%d: the same disagreement as line %d" % (path, n, known[key][0]))
            known[key] = (n, reason)
    return known, errors


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tlsscope", help="the tlsscope binary")
    ap.add_argument("--known", default=KNOWN)
    ap.add_argument("--keep", help="write logs and the tools' outputs into this directory")
    ap.add_argument("--baseline", choices=["probe", "config"], default="probe")
    ap.add_argument("--ports", default="24000-24499")
    a = ap.parse_args()
    if a.baseline == "probe" and not a.tlsscope:
        ap.error("--tlsscope BIN is required (or --baseline config)")

    for tool, why in (("nmap", "apt-get install nmap"), ("testssl", "apt-get install testssl.sh"),
                      ("openssl", "apt-get install openssl"), ("gnutls-serv", "apt-get install gnutls-bin")):
        if shutil.which(tool) is None:
            print("%s: SKIPPED: %s is not installed (%s)" % (NAME, tool, why))
            return 77

    t0 = time.monotonic()
    by_code, by_name = load_registry()
    table, table_src = nmap_cipher_table(by_name)
    config = config_reading()
    lo, hi = (int(x) for x in a.ports.split("-"))
    tmp = a.keep or tempfile.mkdtemp(prefix="probe-compare-")
    os.makedirs(tmp, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        return run(a, tmp, lo, hi, by_code, table, table_src, config, t0)
    finally:
        stop_all()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def run(a, tmp, lo, hi, by_code, table, table_src, config, t0):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=localhost", "-keyout", os.path.join(tmp, "key.pem"),
                    "-out", os.path.join(tmp, "cert.pem")], check=True, capture_output=True)
    ports = {}
    ports["openssl"] = free_port(lo, hi, set())
    ports["gnutls"] = free_port(lo, hi, {ports["openssl"]})
    cmds = server_commands(tmp, ports)
    for server in ("openssl", "gnutls"):
        errf = open(os.path.join(tmp, "%s-server.log" % server), "w")
        PROCS.append(subprocess.Popen(cmds[server], stdin=subprocess.DEVNULL, stdout=errf,
                                      stderr=subprocess.STDOUT, start_new_session=True))
        wait_listening(ports[server], PROCS[-1], server)
    print("%s: servers openssl on %d, gnutls on %d; nmap's suite names from %s\n%s: %s"
          % (NAME, ports["openssl"], ports["gnutls"], table_src, NAME, tool_versions()))

    readings = {s: {"config": config[s]} for s in ports}
    logs = {s: [] for s in ports}
    times = {s: {} for s in ports}
    failures = {s: [] for s in ports}

    def ask(server):
        port, log = ports[server], logs[server]
        steps = [("nmap", lambda: read_nmap(port, table, tmp, log)),
                 ("testssl", lambda: read_testssl(port, tmp, log))]
        if a.baseline == "probe":
            steps.insert(0, ("probe", lambda: read_probe(a.tlsscope, port, tmp, log)))
        for tool, fn in steps:
            t = time.monotonic()
            try:
                r = fn()
                if tool == "nmap":
                    r, unknown = r
                    for u in unknown:
                        failures[server].append("nmap named a suite not in its table: %s" % u)
                readings[server][tool] = r
            except Exception as e:  # noqa: BLE001  (reported, and the test fails)
                failures[server].append("%s: %s" % (tool, e))
            times[server][tool] = time.monotonic() - t

    threads = [threading.Thread(target=ask, args=(s,), daemon=True) for s in ports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    for server in ports:
        print("== %s (port %d): %s" % (server, ports[server],
              ", ".join("%s %.1f s" % kv for kv in times[server].items())))
        for line in logs[server]:
            print("  " + line)
        for tool in ("probe", "nmap", "testssl", "config"):
            r = readings[server].get(tool)
            if r is None:
                continue
            print("  %-8s %s" % (tool, "; ".join("%s: %d suites" % (v, len(r[v]))
                                                 for v in VERSIONS if v in r) or "nothing accepted"))

    failed = [("%s: %s" % (s, f)) for s in ports for f in failures[s]]
    known, errors = load_known(a.known, by_code) if a.baseline == "probe" else ({}, [])
    failed += errors
    used, agree, n_known = set(), 0, 0
    base = a.baseline
    for server in ports:
        if base not in readings[server]:
            continue
        for tool in TOOLS:
            if tool == base or tool not in readings[server]:
                continue
            items, diffs = compare(readings[server][base], readings[server][tool])
            agree += items - len(diffs)
            for version, code, by_base in diffs:
                suite = "(version)" if code is None else fmt_code(code)
                name = "-" if code is None else by_code.get(code, "-")
                found_by = base if by_base else tool
                key = (tool, server, version, suite, found_by)
                what = "%s %s %s %s %s: found by %s only" % (tool, server, version, suite, name, found_by)
                if key in known:
                    used.add(key)
                    n_known += 1
                    print("KNOWN    %s (%s)" % (what, known[key][1]))
                else:
                    failed.append("disagreement: %s\n    list line: %s" % (
                        what, "\t".join([tool, server, version, suite, name, found_by, "REASON"])))
    skipped = {s for s in ports if any(f.startswith("probe:") for f in failures[s])}
    for key, (n, reason) in sorted(known.items(), key=lambda kv: kv[1][0]):
        if key not in used and key[1] not in skipped:
            failed.append("%s:%d: stale: no such disagreement now: %s" % (a.known, n, " ".join(key)))
    for f in failed:
        print("FAIL     " + f)
    print("%s: %d agree, %d known, %d failed (%.0f s)" % (NAME, agree, n_known, len(failed),
                                                         time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
