#!/usr/bin/env python3
"""tlsscope probe over STARTTLS: for SMTP, IMAP, POP3, FTP, XMPP, LDAP and
PostgreSQL, a scripted plaintext server (starttls_server.py --forever) hands
each connection to a real TLS handshake (Python's ssl, i.e. OpenSSL, TLS 1.2
and 1.3); the probe must get through the plaintext exchange on every one of
its connections and find exactly what Python's OpenSSL offers for TLS 1.3
(the three default TLS 1.3 suites), TLS 1.2 accepted, and the chain seen.
A server that never says it can start TLS must fail the probe with exit 1
and a one-line reason naming the protocol.

usage: probe_starttls.py --tlsscope BIN   (exit 77 when openssl is missing)"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def wait_port(port, proc, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def refusing_smtp(port, stop):
    """An SMTP server whose EHLO answer has no STARTTLS."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        try:
            c.sendall(b"220 test.example ESMTP\r\n")
            c.recv(1024)
            c.sendall(b"250-test.example\r\n250 SIZE 1000\r\n")
            c.recv(1024)
        except OSError:
            pass
        c.close()
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    a = ap.parse_args()
    if not shutil.which("openssl"):
        print("probe_starttls: SKIPPED: openssl is missing")
        return 77
    tmp = tempfile.mkdtemp()
    procs = []
    fails = []
    passed = 0
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp + "/key.pem",
                        "-out", tmp + "/cert.pem", "-days", "30", "-subj", "/CN=test.example"],
                       check=True, capture_output=True)
        base = 25000 + os.getpid() % 400
        for i, proto in enumerate(["smtp", "imap", "pop3", "ftp", "xmpp", "ldap", "postgres"]):
            port = base + i
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "starttls_server.py"), "--forever", proto,
                                  str(port), tmp + "/cert.pem", tmp + "/key.pem"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(p)
            if not wait_port(port, p):
                fails.append("%s: the server did not start" % proto)
                continue
            r = subprocess.run([a.tlsscope, "probe", "-q", "--json", "--timeout", "3", "--starttls", proto,
                                "--sni", "test.example", "127.0.0.1:%d" % port],
                               capture_output=True, text=True, timeout=120)
            try:
                d = json.loads(r.stdout)
            except ValueError:
                fails.append("%s: exit %d, no JSON: %s" % (proto, r.returncode, r.stderr.strip()[:200]))
                continue
            acc = {v["version"] for v in d["versions"] if v["accepted"]}
            s13 = [s for s in d["suites"] if s["version"] == "TLS 1.3"]
            codes13 = {x["code"] for x in s13[0]["accepted"]} if s13 else set()
            problems = []
            if r.returncode != 0:
                problems.append("exit %d (%s)" % (r.returncode, r.stderr.strip()[:200]))
            if d["target"]["starttls"] != proto:
                problems.append("target.starttls is %r" % d["target"]["starttls"])
            if acc != {"TLS 1.2", "TLS 1.3"}:
                problems.append("versions accepted %s, expected TLS 1.2 and TLS 1.3" % sorted(acc))
            if codes13 != {"0x1301", "0x1302", "0x1303"}:
                problems.append("TLS 1.3 suites %s" % sorted(codes13))
            cert = d.get("certificate") or {}
            if not cert.get("chain") or "test.example" not in cert["chain"][0]["subject"]:
                problems.append("no chain with CN=test.example: %s" % d.get("certificate_error"))
            if problems:
                fails.append("%s: %s" % (proto, "; ".join(problems)))
            else:
                passed += 1
        # a server that does not offer STARTTLS
        port = base + 20
        stop = threading.Event()
        t = threading.Thread(target=refusing_smtp, args=(port, stop), daemon=True)
        t.start()
        time.sleep(0.3)
        start = time.time()
        r = subprocess.run([a.tlsscope, "probe", "-q", "--json", "--timeout", "1", "--starttls", "smtp",
                            "127.0.0.1:%d" % port], capture_output=True, text=True, timeout=60)
        took = time.time() - start
        stop.set()
        err = r.stderr.strip().splitlines()
        if r.returncode != 1 or len(err) != 1 or "smtp" not in err[0].lower() or took > 5:
            fails.append("refusing smtp: exit %d in %.1f s, stderr %r" % (r.returncode, took, r.stderr[:300]))
        else:
            passed += 1
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL " + f)
    print("probe_starttls: %d passed, %d failed" % (passed, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
