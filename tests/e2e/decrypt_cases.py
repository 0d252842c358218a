#!/usr/bin/env python3
"""Decryption cases on the real-peer captures of make_captures.sh.

usage: decrypt_cases.py --tlsscope BIN CAPTURE_DIR

What tshark cannot tell us, checked against what the captures are:
  - every capture with a key log decrypts completely (status "decrypted",
    no failed record), with -j 1 and -j 2 giving the same JSON;
  - a resumed TLS 1.2 session (by session id, by ticket) decrypts with the
    master secret of the connection it resumes when the key log has only the
    first connection's line (keys "resumed_session");
  - the static-RSA capture decrypts with the server's key alone (keys
    "rsa_key");
  - a wrong key log: no_keys with a note, nothing marked decrypted, nothing
    exported;
  - a key log whose secret is damaged: every record fails with a reason
    (decrypt_error), status "failed", no plaintext and no exported bytes;
  - malformed key log lines: one warning with their count and the first line
    number, the good lines still used;
  - errors: a missing key log, a file that is not an RSA key, --data without
    keys: one line naming the file or the option, the right exit status;
  - --data shows the client's request as text.
Prints `decrypt-cases: N passed, M failed`; exit 1 on a failure, 77 when the
captures are missing (make_captures needs root).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def run(binary, args, ok_codes=(0,)):
    p = subprocess.run([binary] + args, capture_output=True, timeout=120)
    if p.returncode < 0:
        raise AssertionError("tlsscope died on signal %d: %s" % (-p.returncode, " ".join(args)))
    return p


def conns(p):
    return [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("captures")
    a = ap.parse_args()
    cap = a.captures
    if not os.path.exists(os.path.join(cap, "MANIFEST.tsv")):
        print("decrypt-cases: SKIPPED: no captures in %s (make_captures needs root)" % cap)
        return 77
    b = a.tlsscope
    passed = failed = 0
    tmp = tempfile.mkdtemp(prefix="tsc-dec-")

    def check(name, fn):
        nonlocal passed, failed
        try:
            fn()
            passed += 1
        except AssertionError as e:
            failed += 1
            print("decrypt-cases: FAILED: %s: %s" % (name, e))

    def path(n, ext):
        return os.path.join(cap, n + ext)

    keyed = sorted(f[:-5] for f in os.listdir(cap) if f.endswith(".keys"))

    def all_decrypt():
        assert keyed, "no captures with key logs"
        for n in keyed:
            p1 = run(b, ["read", "--json", "-q", "--keylog", path(n, ".keys"), path(n, ".pcap")])
            p2 = run(b, ["read", "--json", "-q", "-j", "2", "--keylog", path(n, ".keys"), path(n, ".pcap")])
            assert p1.returncode == 0, (n, p1.stderr)
            assert p1.stdout == p2.stdout, "%s: -j 2 differs from -j 1" % n
            for c in conns(p1):
                d = c["decryption"]
                if d["status"] == "not_encrypted":
                    continue
                assert d["status"] == "decrypted", (n, c["id"], d)
                assert d["keys"] == "keylog", (n, d)
                assert any(m.get("decrypted") for m in c["messages"]), (n, "no decrypted message")
                fin = [m["dir"] for m in c["messages"] if m["type"] == "finished" and m.get("decrypted")]
                assert sorted(fin) == ["c2s", "s2c"], (n, c["id"], fin)

    def resumed():
        for n in ("tls12-resume-sessionid", "tls12-resume-ticket"):
            first = [l for l in open(path(n, ".keys")) if l.startswith("CLIENT_RANDOM")][:1]
            k = os.path.join(tmp, n + ".first.keys")
            open(k, "w").writelines(first)
            cs = conns(run(b, ["read", "--json", "-q", "--keylog", k, path(n, ".pcap")]))
            assert len(cs) == 2, (n, len(cs))
            assert cs[0]["decryption"]["keys"] == "keylog", (n, cs[0]["decryption"])
            assert cs[1]["resumed"], n
            assert cs[1]["decryption"]["status"] == "decrypted", (n, cs[1]["decryption"])
            assert cs[1]["decryption"]["keys"] == "resumed_session", (n, cs[1]["decryption"])

    def rsa():
        n = "tls12-rsa-kx"
        cs = conns(run(b, ["read", "--json", "-q", "--rsa-key", path(n, ".server.key"), path(n, ".pcap")]))
        assert len(cs) == 1
        d = cs[0]["decryption"]
        assert d["status"] == "decrypted" and d["keys"] == "rsa_key", d
        # an RSA key cannot help an ECDHE connection: said, not fatal
        cs = conns(run(b, ["read", "--json", "-q", "--rsa-key", path(n, ".server.key"),
                           path("tls12-ecdhe-rsa", ".pcap")]))
        d = cs[0]["decryption"]
        assert d["status"] == "no_keys" and d["note"], d

    def wrong_keylog():
        for n, other in (("tls12-ecdhe-rsa", "tls12-dhe"), ("tls13-openssl", "tls13-hrr")):
            out = os.path.join(tmp, "wrong-" + n)
            p = run(b, ["read", "--json", "-q", "--keylog", path(other, ".keys"), "--export-streams", out,
                        path(n, ".pcap")])
            assert p.returncode == 0, p.stderr
            for c in conns(p):
                d = c["decryption"]
                assert d["status"] == "no_keys", (n, d)
                assert d["note"] and "client random" in d["note"], (n, d)
                assert not any(m.get("decrypted") for m in c["messages"]), n
            assert os.listdir(out) == [], (n, os.listdir(out))

    def damaged_keylog():
        for n in ("tls12-ecdhe-rsa", "tls13-openssl", "tls10-rc4-gnutls", "tls10-openssl"):
            lines = []
            for l in open(path(n, ".keys")):
                f = l.split()
                if len(f) == 3:
                    s = f[2]
                    f[2] = ("0" if s[0] != "0" else "1") + s[1:]  # one flipped nibble
                    l = " ".join(f) + "\n"
                lines.append(l)
            k = os.path.join(tmp, n + ".bad.keys")
            open(k, "w").writelines(lines)
            out = os.path.join(tmp, "bad-" + n)
            p = run(b, ["read", "--json", "-q", "--keylog", k, "--export-streams", out, path(n, ".pcap")])
            assert p.returncode == 0, p.stderr
            c = conns(p)[0]
            d = c["decryption"]
            assert d["status"] == "failed", (n, d)
            assert d["records"]["c2s"]["decrypted"] == 0 and d["records"]["s2c"]["decrypted"] == 0, (n, d)
            assert d["note"] and "do not decrypt" in d["note"], (n, d)
            errs = [m["decrypt_error"] for m in c["messages"] if "decrypt_error" in m]
            assert errs, (n, "no message marked with decrypt_error")
            assert all(e in ("bad record MAC", "authentication tag does not verify", "bad padding") for e in errs), errs
            assert not any(m.get("decrypted") for m in c["messages"]), n
            assert "plaintext_bytes" not in c["app_data"]["c2s"], (n, c["app_data"])
            assert os.listdir(out) == [], (n, os.listdir(out))

    def malformed_lines():
        n = "tls12-ecdhe-rsa"
        good = [l for l in open(path(n, ".keys")) if l.startswith("CLIENT_RANDOM")]
        k = os.path.join(tmp, "mixed.keys")
        open(k, "w").writelines(["# comment\n", "CLIENT_RANDOM zz\n", "\n"] + good +
                                ["CLIENT_RANDOM 00 11\n", "RSA 0011223344556677 " + "ab" * 48 + "\n"])
        p = run(b, ["read", "--json", "-q", "--keylog", k, path(n, ".pcap")])
        assert p.returncode == 0
        err = p.stderr.decode()
        assert "2 malformed lines skipped (the first is line 2)" in err, err
        assert err.count("\n") == 1, err
        assert conns(p)[0]["decryption"]["status"] == "decrypted"

    def errors():
        n = "tls12-ecdhe-rsa"
        missing = os.path.join(tmp, "no-such.keys")
        p = run(b, ["read", "--json", "-q", "--keylog", missing, path(n, ".pcap")])
        err = p.stderr.decode()
        assert p.returncode == 1 and err.startswith("tlsscope: %s: cannot read the key log: " % missing), (p.returncode, err)
        assert err.count("\n") == 1 and not p.stdout, err
        p = run(b, ["read", "--json", "-q", "--rsa-key", path(n, ".keys"), path(n, ".pcap")])
        err = p.stderr.decode()
        assert p.returncode == 1 and err.startswith("tlsscope: %s: no private key" % path(n, ".keys")), err
        p = run(b, ["read", "--json", "-q", "--rsa-key", os.path.join(cap, "pki", "leaf-ec.key"), path(n, ".pcap")])
        err = p.stderr.decode()
        assert p.returncode == 1 and "not an RSA private key" in err, err
        p = run(b, ["read", "--json", "-q", "--data", path(n, ".pcap")])
        err = p.stderr.decode()
        assert p.returncode == 1 and "need keys" in err, (p.returncode, err)
        p = run(b, ["read", "--json", "-q", "--keylog", path(n, ".keys"), "--export-streams", tmp,
                    path(n, ".pcap"), path(n, ".pcap")])
        assert p.returncode == 2 and b"one capture file" in p.stderr, p.stderr

    def data_preview():
        n = "tls12-ecdhe-rsa"
        c = conns(run(b, ["read", "--json", "-q", "--keylog", path(n, ".keys"), "--data=200", path(n, ".pcap")]))[0]
        ad = [m for m in c["messages"] if m["type"] == "application_data"]
        assert ad and ad[0]["dir"] == "c2s", ad
        assert ad[0]["data"] == "GET / HTTP/1.0\r\n\r\n" and ad[0]["data_encoding"] == "text", ad[0]
        t = run(b, ["read", "-q", "--keylog", path(n, ".keys"), "--data", path(n, ".pcap")]).stdout.decode()
        assert '(decrypted) application data 18 bytes: "GET / HTTP/1.0' in t, t
        assert "decryption: decrypted with keys from the key log" in t, t

    check("every key log capture decrypts, -j 2 = -j 1", all_decrypt)
    check("resumed sessions use the master secret they resume", resumed)
    check("static RSA with the server key alone", rsa)
    check("wrong key log: a note, no garbage", wrong_keylog)
    check("damaged key log: records fail with a reason", damaged_keylog)
    check("malformed key log lines: counted, not fatal", malformed_lines)
    check("errors name the file", errors)
    check("--data preview", data_preview)
    print("decrypt-cases: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
