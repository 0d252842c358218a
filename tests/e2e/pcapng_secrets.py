#!/usr/bin/env python3
"""pcapng files with their TLS secrets inside (issue 16), loopback only.

usage: pcapng_secrets.py [--tlsscope BIN] peers
       pcapng_secrets.py [--tlsscope BIN] inject CAPTURE_DIR

peers: tlsscope's own peers write pcapng files (--pcapng) whose Decryption
Secrets Blocks tshark uses with no settings at all (`tshark -r FILE`, one
pass, an empty configuration directory, no key log option):

  a. `client --pcapng` against `tlsscope server` (TLS 1.2, TLS 1.3,
     --reconnect) and openssl s_server (TLS 1.2 and 1.3, HTTP), and
     `client --dtls --pcapng` against `server --dtls`: plain tshark shows
     the decrypted messages (Finished both ways; TLS 1.3's
     EncryptedExtensions and Certificate; the HTTP request); tshark's
     decrypted reading (difflib_common, as tshark_diff.py and
     decrypt_diff.py compare) equals tlsscope's `read --json FILE` with no
     --keylog, whose messages after the switch say "decrypted": true;
     --pcapng combined with --keylog writes both;
  b. `server --pcapng` (and --keylog) with several clients at once, TLS and
     DTLS: tshark decrypts every connection with no key log, as tlsscope
     does with the server's key log; `tlsscope read` of the file alone
     decrypts the connection whose secrets came before the first packet and
     names the file in its warning about the blocks after it;
  c. `demo --pcapng` (TLS 1.2, 1.3, DTLS): decrypted by tshark and by
     tlsscope, demo.pcap and demo.keys still written;
  e. a Decryption Secrets Block of another type (WireGuard, SSH, unknown)
     put into such a file before the first packet: one line per file on
     stderr says which were skipped, the TLS secrets are still used; a block
     after the first packet: the warning names the file (-j 1 and -j 2);
     half of a key log embedded with editcap and the other half given with
     --keylog: decrypted as with the whole key log;
  f. `client -k` / `--insecure` / `--no-verify` against a self-signed
     server: exit 0, the reason on stderr, in the text and in the JSON
     (peer_verify); without it exit 1; with --cafile: verified.

inject: d. every capture of CAPTURE_DIR (tests/e2e/make_decrypt_captures.sh:
real peers in a network namespace) with a key log, its secrets injected
with `editcap --inject-secrets tls,KEYS`: tlsscope's JSON of the pcapng
with no --keylog equals that of the pcap with --keylog, and tshark's
reading of the pcapng with no key log equals tlsscope's, field by field
(difflib_common.compare_views over ALL_FIELDS, as decrypt_diff.py).  Exit
77 when CAPTURE_DIR has no MANIFEST.tsv (that fixture needs root).

Prints one line per failed check, then `pcapng-secrets: N passed, M failed`.
Exit 1 on a failure, 77 when tshark, editcap or openssl is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

TIMEOUT = 60


class Run:
    def __init__(self, binary, tmp):
        self.bin = binary
        self.tmp = tmp
        self.passed = 0
        self.failed = 0

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"pcapng-secrets: FAILED: {what}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def path(self, name):
        return os.path.join(self.tmp, name)

    def scope(self, *args, timeout=TIMEOUT):
        return subprocess.run([self.bin, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, stdin=subprocess.DEVNULL)


# ------------------------------------------------------------------ helpers

def json_lines(out: bytes):
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def plain_tshark(capture, *args):
    """`tshark -r CAPTURE [ARGS]` with an empty configuration directory: no
    key log, no preferences."""
    p = subprocess.run([dc.tshark_bin(), "-n", "-r", capture, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=dc._tshark_env(), timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def finished_both_ways(view) -> bool:
    srcs = {e[0] for e in view.events if e[1] == "hs" and e[2] == "finished"}
    return len(srcs) == 2


def decrypted_finished_both_ways(conn) -> bool:
    return sorted(m["dir"] for m in conn.get("messages", [])
                  if m.get("type") == "finished" and m.get("decrypted")) == ["c2s", "s2c"]


def compare_with_tshark(r: Run, label, capture, conns, tshark_keylog=None):
    """tshark's decrypted reading of capture (keys from its own Decryption
    Secrets Blocks, or tshark_keylog) against tlsscope's JSON conns, every
    field of difflib_common.ALL_FIELDS."""
    ts = dc.tshark_views(capture, tshark_keylog, plaintext_only=False)
    sc = [dc.tlsscope_view(c) for c in conns]
    pairs, only_ts, only_sc = dc.match_views(ts, sc)
    diffs = []
    for t, s in pairs:
        for f, a, b in dc.compare_views(t, s, dc.ALL_FIELDS):
            diffs.append(f"{dc.conn_label(s.client, s.server)}: {f}: tlsscope={a} tshark={b}")
    diffs += [f"only tshark: {dc.conn_label(t.client or t.a, t.server or t.b)}" for t in only_ts]
    diffs += [f"only tlsscope: {dc.conn_label(s.client, s.server)}" for s in only_sc]
    r.check(f"{label}: tshark's reading equals tlsscope's", not diffs, "; ".join(diffs[:5]))
    return ts


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listen(port, secs=10.0):
    """A TCP listener on 127.0.0.1:port (asked of ss, not by connecting: an
    openssl s_server -naccept 1 would take the probe for its client)."""
    end = time.time() + secs
    while time.time() < end:
        out = subprocess.run(["ss", "-ltnH"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        if f"127.0.0.1:{port} " in out:
            return True
        time.sleep(0.05)
    return False


class Server:
    """`tlsscope server --port 0 ARGS`, its port read from its stderr."""

    def __init__(self, r: Run, name, *args):
        self.err_path = r.path(name + ".err")
        self.err = open(self.err_path, "w")
        self.p = subprocess.Popen([r.bin, "server", "--port", "0", *args], stdout=subprocess.DEVNULL,
                                  stderr=self.err, stdin=subprocess.DEVNULL)
        self.port = None
        end = time.time() + 10
        while time.time() < end and self.port is None:
            with open(self.err_path) as f:
                for line in f:
                    if "listening on" in line:
                        self.port = int(line.split(" port ")[1].split()[0])
            time.sleep(0.05)

    def finish(self):
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.err.close()
        with open(self.err_path) as f:
            return self.p.returncode, f.read()


# ------------------------------------------------------------------ a

def client_case(r: Run, label, target, extra, tls13=False, http=False, dtls=False, keylog=None):
    pcapng = r.path(label + ".pcapng")
    args = ["client", "-k", "--pcapng", pcapng, "--json", *extra]
    if keylog:
        args += ["--keylog", keylog]
    p = r.scope(*args, target)
    if not r.check(f"{label}: client exit 0", p.returncode == 0, p.stderr.decode()[-300:]):
        return
    own = json_lines(p.stdout)
    # plain tshark, no settings: the decrypted messages show
    rc, text = plain_tshark(pcapng)
    r.check(f"{label}: tshark -r reads the file", rc == 0, text[-200:])
    if dtls:
        rc, types = plain_tshark(pcapng, "-Y", "dtls.handshake.type", "-T", "fields", "-e", "udp.srcport",
                                 "-e", "dtls.handshake.type")
        fin_from = {line.split("\t")[0] for line in types.splitlines()
                    if "20" in line.split("\t")[-1].split(",")}
        r.check(f"{label}: tshark decrypts DTLS Finished both ways with no key log", len(fin_from) == 2, types)
    else:
        nfin = text.count("Finished")
        r.check(f"{label}: tshark shows Finished with no key log", nfin >= 2 or "Change Cipher Spec, Finished" in text,
                text[-500:])
        if tls13:
            r.check(f"{label}: tshark shows TLS 1.3's EncryptedExtensions and Certificate with no key log",
                    "Encrypted Extensions" in text and "Certificate" in text, text[-500:])
        if http:
            r.check(f"{label}: tshark shows the HTTP request with no key log", "GET / HTTP/1.0" in text, text[-500:])
    # tlsscope read, no --keylog
    p2 = r.scope("read", "--json", pcapng)
    conns = json_lines(p2.stdout)
    r.check(f"{label}: tlsscope read exit 0", p2.returncode == 0, p2.stderr.decode())
    r.check(f"{label}: tlsscope read: every connection decrypted with no --keylog",
            conns and all(c.get("decryption", {}).get("status") == "decrypted" and decrypted_finished_both_ways(c)
                          for c in conns),
            json.dumps([c.get("decryption") for c in conns]))
    r.check(f"{label}: the file has the client's connections", len(conns) == len(own), f"{len(conns)} vs {len(own)}")
    if tls13:
        r.check(f"{label}: TLS 1.3 certificate read from the decrypted flight",
                all("certificate" in [m["type"] for m in c["messages"] if m.get("decrypted")] for c in conns[:1]))
    if not dtls:
        compare_with_tshark(r, label, pcapng, conns)
    if keylog:
        with open(keylog) as f:
            lines = [l for l in f if l.strip()]
        r.check(f"{label}: --keylog written beside --pcapng", len(lines) >= 1)


def part_a(r: Run):
    srv = Server(r, "a-srv", "--count", "4", "--echo")
    if not r.check("a: tlsscope server listens", srv.port is not None):
        return
    t = f"127.0.0.1:{srv.port}"
    client_case(r, "a-tls12", t, ["--tls1.2", "--send", "hello\\n"])
    client_case(r, "a-tls13", t, ["--tls1.3", "--send", "hello\\n"], tls13=True, keylog=r.path("a-tls13.keys"))
    client_case(r, "a-tls13-reconnect", t, ["--tls1.3", "--reconnect"], tls13=True)
    srv.finish()
    # openssl s_server, -www: an HTTP answer
    cert, key = r.path("cert.pem"), r.path("key.pem")
    for ver in ("1.2", "1.3"):
        port = free_port()
        s = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-naccept", "1",
                              "-cert", cert, "-key", key, "-quiet"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if r.check(f"a: openssl s_server {ver} listens", wait_listen(port)):
                client_case(r, f"a-s_server-{ver}", f"localhost:{port}",
                            [f"--tls{ver}", "--send", "GET / HTTP/1.0\\r\\n\\r\\n"], tls13=ver == "1.3", http=True)
        finally:
            s.kill()
            s.wait()
    # DTLS
    srv = Server(r, "a-dsrv", "--dtls", "--count", "1", "--echo")
    if r.check("a: tlsscope server --dtls listens", srv.port is not None):
        client_case(r, "a-dtls", f"127.0.0.1:{srv.port}", ["--dtls", "--send", "hello dtls\\n"], dtls=True)
    srv.finish()


# ------------------------------------------------------------------ b

def part_b(r: Run):
    for dtls in (False, True):
        label = "b-dtls" if dtls else "b-tls"
        pcapng, keys = r.path(label + ".pcapng"), r.path(label + ".keys")
        n = 3
        srv = Server(r, label, *(["--dtls"] if dtls else []), "--count", str(n), "--echo", "--pcapng", pcapng,
                     "--keylog", keys, "--handshake-timeout", "3")
        if not r.check(f"{label}: server listens", srv.port is not None):
            srv.finish()
            continue
        t = f"127.0.0.1:{srv.port}"
        vers = [[]] * n if dtls else [["--tls1.2"], ["--tls1.3"], ["--tls1.3"]]
        clients = [subprocess.Popen([r.bin, "client", "-k", *(["--dtls"] if dtls else []), *v, "--send", f"c{i}\\n",
                                     "--summary", t], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for i, v in enumerate(vers)]
        rcs = [c.wait(timeout=30) for c in clients]
        for c in clients:
            c.stdout.close()
            c.stderr.close()
        r.check(f"{label}: {n} clients at once exit 0", rcs == [0] * n, str(rcs))
        rc, err = srv.finish()
        r.check(f"{label}: server exit 0", rc == 0, err[-300:])
        rc, text = plain_tshark(pcapng)
        r.check(f"{label}: tshark -r reads the server's file", rc == 0, text[-200:])
        if dtls:
            rc, types = plain_tshark(pcapng, "-Y", "dtls.handshake.type", "-T", "fields", "-e", "udp.srcport",
                                     "-e", "udp.dstport", "-e", "dtls.handshake.type")
            fins = {tuple(line.split("\t")[:2]) for line in types.splitlines()
                    if "20" in line.split("\t")[-1].split(",")}
            r.check(f"{label}: tshark decrypts every connection's Finished both ways with no key log",
                    len(fins) == 2 * n, types)
        else:
            ts = dc.tshark_views(pcapng, None, plaintext_only=False)
            r.check(f"{label}: tshark decrypts every connection's Finished both ways with no key log",
                    len(ts) == n and all(finished_both_ways(v) for v in ts),
                    str([(v.a, [e[2] for e in v.events]) for v in ts]))
            # tlsscope with the server's own key log reads what tshark reads from the file alone
            p = r.scope("read", "--json", "--keylog", keys, pcapng)
            compare_with_tshark(r, label + " (tlsscope with the server's key log)", pcapng, json_lines(p.stdout))
        p = r.scope("read", "--json", pcapng)
        conns = json_lines(p.stdout)
        err = p.stderr.decode()
        r.check(f"{label}: tlsscope read exit 0, {n} connections", p.returncode == 0 and len(conns) == n,
                f"{p.returncode} {len(conns)} {err}")
        dec = [c.get("decryption", {}).get("status") == "decrypted" for c in conns]
        # each connection's secrets block comes before its handshake (after a
        # DTLS cookie exchange): read in one pass, as tshark does
        r.check(f"{label}: tlsscope read decrypts every connection with no key log, no warning",
                dec and all(dec) and "warning" not in err, json.dumps([c.get("decryption") for c in conns]) + err)
        p2 = r.scope("read", "-j", "2", "--json", pcapng)
        r.check(f"{label}: the same with -j 2", p2.stdout == p.stdout and p2.returncode == 0,
                p2.stderr.decode())


# ------------------------------------------------------------------ c

def part_c(r: Run):
    for mode in ([], ["--tls13"], ["--dtls"]):
        label = "c-demo" + (mode[0].replace("--", "-") if mode else "-tls12")
        d = r.path(label)
        os.makedirs(d, exist_ok=True)
        pcapng = os.path.join(d, "demo.pcapng")
        p = r.scope("demo", *mode, "--dir", d, "--pcapng", pcapng)
        if not r.check(f"{label}: exit 0", p.returncode == 0, p.stderr.decode()[-300:]):
            continue
        r.check(f"{label}: demo.pcap and demo.keys still written",
                os.path.getsize(os.path.join(d, "demo.pcap")) > 24 and os.path.getsize(os.path.join(d, "demo.keys")) > 0)
        r.check(f"{label}: the walk-through names the pcapng", pcapng in p.stdout.decode())
        if "--dtls" in mode:
            rc, types = plain_tshark(pcapng, "-Y", "dtls.handshake.type", "-T", "fields", "-e", "udp.srcport",
                                     "-e", "dtls.handshake.type")
            fin_from = {line.split("\t")[0] for line in types.splitlines()
                        if "20" in line.split("\t")[-1].split(",")}
            r.check(f"{label}: tshark decrypts Finished both ways with no key log", len(fin_from) == 2, types)
        else:
            rc, text = plain_tshark(pcapng)
            r.check(f"{label}: tshark shows the decrypted HTTP request with no key log", "GET / HTTP/1.0" in text,
                    text[-400:])
        p2 = r.scope("read", "--json", pcapng)
        conns = json_lines(p2.stdout)
        r.check(f"{label}: tlsscope read decrypts it with no --keylog",
                len(conns) == 1 and conns[0].get("decryption", {}).get("status") == "decrypted"
                and decrypted_finished_both_ways(conns[0]), json.dumps([c.get("decryption") for c in conns]))
        if "--dtls" not in mode:
            compare_with_tshark(r, label, pcapng, conns)


# ------------------------------------------------------------------ e

def ng_blocks(data: bytes):
    """The blocks of a little-endian pcapng file: [(type, bytes)]."""
    out, off = [], 0
    while off < len(data):
        t, n = struct.unpack_from("<II", data, off)
        out.append((t, data[off:off + n]))
        off += n
    return out


def dsb(stype: int, secrets: bytes) -> bytes:
    pad = (4 - len(secrets) % 4) % 4
    total = 20 + len(secrets) + pad
    return struct.pack("<IIII", 10, total, stype, len(secrets)) + secrets + b"\0" * pad + struct.pack("<I", total)


def part_e(r: Run):
    srv = Server(r, "e-srv", "--count", "3", "--echo")
    if not r.check("e: server listens", srv.port is not None):
        srv.finish()
        return
    t = f"127.0.0.1:{srv.port}"
    base = r.path("e-base.pcapng")
    p = r.scope("client", "-k", "--tls1.3", "--send", "x\\n", "--pcapng", base, t)
    r.check("e: client --pcapng exit 0", p.returncode == 0, p.stderr.decode())
    # the same connection as a plain pcap with its key log, for editcap
    pcap, keys = r.path("e-half.pcap"), r.path("e-half.keys")
    p = r.scope("client", "-k", "--tls1.3", "--reconnect", "--send", "y\\n", "--pcap", pcap, "--keylog", keys, t)
    r.check("e: client --pcap --keylog exit 0", p.returncode == 0, p.stderr.decode())
    srv.finish()
    with open(base, "rb") as f:
        blocks = ng_blocks(f.read())
    types = [b[0] for b in blocks]
    r.check("e: the client's file is SHB, IDB, one DSB, then packets",
            types[:3] == [0x0A0D0D0A, 1, 10] and set(types[3:]) == {6}, str(types[:6]))
    wg = dsb(0x57474B4C, b"LOCAL_STATIC_PRIVATE_KEY = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    ssh = dsb(0x5353484B, b"0011223344556677 SHARED_SECRET 00\n")
    odd = dsb(0x12345678, b"?")

    def write(name, parts):
        path = r.path(name)
        with open(path, "wb") as f:
            f.write(b"".join(parts))
        return path

    hdr = [b[1] for b in blocks[:3]]
    pkts = [b[1] for b in blocks[3:]]
    one = write("e-wg.pcapng", hdr + [wg] + pkts)
    p = r.scope("read", "--json", one)
    err = p.stderr.decode()
    want = f"tlsscope: {one}: 1 Decryption Secrets Block of type WireGuard key log skipped: tlsscope reads TLS key logs"
    r.check("e: a WireGuard block: one line naming the file and the type", err.count("Decryption Secrets") == 1
            and want in err.splitlines(), err)
    conns = json_lines(p.stdout)
    r.check("e: the TLS secrets beside it still used",
            len(conns) == 1 and conns[0]["decryption"]["status"] == "decrypted", json.dumps(conns[:1])[:300])
    many = write("e-many.pcapng", hdr + [wg, ssh, wg, odd] + pkts)
    p = r.scope("read", "--summary", many)
    err = p.stderr.decode()
    want = (f"tlsscope: {many}: 4 Decryption Secrets Blocks skipped (2 WireGuard key log, 1 SSH key log, "
            f"1 0x12345678): tlsscope reads TLS key logs")
    r.check("e: several types: one line with each type and count", want in err.splitlines(), err)
    # a second file in the same run gets its own line; a file with none, none
    p = r.scope("read", "--summary", one, base)
    err = p.stderr.decode()
    r.check("e: one line per file", err.count("skipped: tlsscope reads TLS key logs") == 1 and f"{one}: 1 " in err, err)
    # secrets after the first packet (the SYN) but before the handshake: used
    # from there on, with one thread and with two; after the ServerHello, too
    # late for that connection (tshark's one pass would take them, since it
    # looks keys up at the first encrypted record: a known difference)
    late = write("e-late.pcapng", hdr[:2] + pkts[:1] + [hdr[2]] + pkts[1:])
    sh = next(i for i, b in enumerate(pkts) if len(b) > 200 and i > 3)  # a packet after the ClientHello's
    too_late = write("e-too-late.pcapng", hdr[:2] + pkts[:sh + 1] + [hdr[2]] + pkts[sh + 1:])
    for jobs in ("1", "2"):
        p = r.scope("read", "--json", "-j", jobs, late)
        conns = json_lines(p.stdout)
        r.check(f"e: a block after the SYN: the connection is decrypted (-j {jobs})",
                len(conns) == 1 and conns[0].get("decryption", {}).get("status") == "decrypted"
                and "warning" not in p.stderr.decode(), p.stderr.decode() + json.dumps(conns)[:300])
        p = r.scope("read", "--json", "-j", jobs, too_late)
        conns = json_lines(p.stdout)
        r.check(f"e: a block after the ServerHello: that connection is read as without keys (-j {jobs})",
                len(conns) == 1 and "decryption" not in conns[0] and p.returncode == 0,
                p.stderr.decode() + json.dumps(conns)[:300])
    # half of the key log embedded, the other half with --keylog: decrypted as with all of it
    with open(keys) as f:
        lines = [l for l in f if l.strip()]
    even, oddl = "".join(lines[0::2]), "".join(lines[1::2])
    half_in, half_out = r.path("e-half-in.keys"), r.path("e-half-out.keys")
    with open(half_in, "w") as f:
        f.write(even)
    with open(half_out, "w") as f:
        f.write(oddl)
    inj = r.path("e-half.pcapng")
    e = subprocess.run(["editcap", "--inject-secrets", f"tls,{half_in}", pcap, inj], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    r.check("e: editcap --inject-secrets", e.returncode == 0, e.stderr.decode())
    full = r.scope("read", "--json", "--keylog", keys, pcap).stdout
    both = r.scope("read", "--json", "--keylog", half_out, inj).stdout
    alone = r.scope("read", "--json", inj).stdout
    r.check("e: half embedded + half in --keylog = the whole key log", both == full and len(json_lines(full)) == 2,
            f"{both[:200]!r} vs {full[:200]!r}")
    r.check("e: half embedded alone does not decrypt everything (the test can tell)", alone != full)
    r.check("e: the whole key log decrypts both connections",
            all(c["decryption"]["status"] == "decrypted" for c in json_lines(full)))


# ------------------------------------------------------------------ f

def part_f(r: Run):
    srv = Server(r, "f-srv", "--count", "7")
    if not r.check("f: server listens", srv.port is not None):
        srv.finish()
        return
    t = f"127.0.0.1:{srv.port}"
    reason = "self-signed certificate"
    p = r.scope("client", "-k", t)
    err = p.stderr.decode()
    r.check("f: -k against a self-signed certificate: exit 0", p.returncode == 0, err)
    r.check("f: -k: the reason on stderr",
            f"certificate verification failed: {reason} (accepted: --insecure)" in err, err)
    r.check("f: -k: the reason in the text output",
            f"certificate verification (this client, OpenSSL): failed: {reason} (accepted: --insecure)"
            in p.stdout.decode(), p.stdout.decode()[-400:])
    for flag in ("--insecure", "--no-verify"):
        p = r.scope("client", flag, "--json", t)
        conns = json_lines(p.stdout)
        r.check(f"f: {flag}: exit 0, peer_verify in the JSON",
                p.returncode == 0 and len(conns) == 1 and
                conns[0].get("peer_verify") == {"verified": False, "reason": reason, "insecure": True},
                f"{p.returncode} {[c.get('peer_verify') for c in conns]}")
    p = r.scope("client", "--json", t)
    conns = json_lines(p.stdout)
    r.check("f: without -k: exit 1, the reason on stderr and in the JSON",
            p.returncode == 1 and f"certificate verification failed: {reason}\n" in p.stderr.decode()
            and conns and conns[0].get("peer_verify") == {"verified": False, "reason": reason, "insecure": False},
            f"{p.returncode} {p.stderr.decode()} {[c.get('peer_verify') for c in conns]}")
    p = r.scope("client", "--json", "--send", "secret-password", "--reconnect", t)
    conns = json_lines(p.stdout)
    r.check("f: without -k: nothing sent to the server that did not verify, and no --reconnect",
            p.returncode == 1 and len(conns) == 1 and conns[0]["app_data"]["c2s"]["records"] == 0,
            f"{p.returncode} {len(conns)} {[c.get('app_data') for c in conns]}")
    p = r.scope("client", "-k", "--json", "--send", "secret-password", t)
    conns = json_lines(p.stdout)
    r.check("f: with -k: the data is sent",
            p.returncode == 0 and len(conns) == 1 and conns[0]["app_data"]["c2s"]["records"] >= 1,
            f"{p.returncode} {[c.get('app_data') for c in conns]}")
    p = r.scope("client", "--help")
    r.check("f: --help documents -k, --insecure", "-k, --insecure" in p.stdout.decode())
    # an empty connection so that --count is reached
    p = r.scope("client", "-k", "--summary", t)
    srv.finish()
    # a certificate the client trusts: verified
    srv = Server(r, "f-srv2", "--count", "1", "--cert", r.path("cert.pem"), "--key", r.path("key.pem"))
    if r.check("f: server --cert listens", srv.port is not None):
        p = r.scope("client", "--cafile", r.path("cert.pem"), "--sni", "localhost", "--json",
                    f"localhost:{srv.port}")
        conns = json_lines(p.stdout)
        r.check("f: --cafile: verified, exit 0",
                p.returncode == 0 and conns and
                conns[0].get("peer_verify") == {"verified": True, "reason": None, "insecure": False},
                f"{p.returncode} {p.stderr.decode()} {[c.get('peer_verify') for c in conns]}")
    srv.finish()


# ------------------------------------------------------------------ d

def part_d(r: Run, capdir):
    with open(os.path.join(capdir, "MANIFEST.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    rows = [row for row in rows if row.get("keylog") == "yes" and row.get("rsa_key", "-") in ("", "-")]
    r.check("d: captures with key logs", len(rows) > 0)
    for row in rows:
        name = row["name"]
        pcap = os.path.join(capdir, name + ".pcap")
        keys = os.path.join(capdir, name + ".keys")
        inj = r.path(name + ".pcapng")
        e = subprocess.run(["editcap", "--inject-secrets", f"tls,{keys}", pcap, inj], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if not r.check(f"d: {name}: editcap --inject-secrets", e.returncode == 0, e.stderr.decode()):
            continue
        want = r.scope("read", "--json", "--keylog", keys, pcap)
        got = r.scope("read", "--json", inj)
        r.check(f"d: {name}: tlsscope read exit 0", got.returncode == 0 and want.returncode == 0,
                got.stderr.decode())
        a, b = json_lines(want.stdout), json_lines(got.stdout)
        diff = [k for x, y in zip(a, b) for k in x if x.get(k) != y.get(k)]
        r.check(f"d: {name}: the pcapng with no --keylog gives the JSON of the pcap with --keylog",
                len(a) == len(b) and not diff and a == b, f"{len(a)} vs {len(b)} connections; fields {diff[:5]}")
        r.check(f"d: {name}: decrypted", all(c.get("decryption", {}).get("status") == "decrypted" for c in b),
                json.dumps([c.get("decryption") for c in b])[:300])
        compare_with_tshark(r, f"d: {name}", inj, b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("what", choices=("peers", "inject"))
    ap.add_argument("capdir", nargs="?")
    args = ap.parse_args(argv)
    for tool in ("tshark", "editcap", "openssl", "ss"):
        if not shutil.which(tool):
            print(f"pcapng-secrets: SKIPPED: {tool} missing")
            return 77
    if args.what == "inject" and not (args.capdir and os.path.exists(os.path.join(args.capdir, "MANIFEST.tsv"))):
        print("pcapng-secrets: SKIPPED: no MANIFEST.tsv in the capture directory (make_decrypt_captures needs root)")
        return 77
    tmp = tempfile.mkdtemp(prefix="tsc-pcapng-")
    r = Run(os.path.abspath(args.tlsscope), tmp)
    try:
        if args.what == "inject":
            part_d(r, args.capdir)
        else:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", r.path("key.pem"), "-out", r.path("cert.pem"), "-days", "30",
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            for part in (part_a, part_b, part_c, part_e, part_f):
                t0 = time.time()
                part(r)
                print(f"pcapng-secrets: {part.__name__}: {time.time() - t0:.1f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"pcapng-secrets: {r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
