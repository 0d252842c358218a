#!/usr/bin/env python3
"""Differential test of decryption: tlsscope against tshark and the payloads.

usage: decrypt_diff.py [--tlsscope BIN] [--timeout S] CAPTURE_DIR

CAPTURE_DIR is what tests/e2e/make_decrypt_captures.sh makes: one capture
per cipher family with its NSS key log (<name>.keys), the exact application
bytes each side wrote (<name>.<k>.c2s / .s2c, k = TLS connection in capture
order) and MANIFEST.tsv.  For each MANIFEST row:

  1. `tlsscope read --json --keylog <name>.keys --export-streams TMP` (rows
     with an rsa_key: `--rsa-key <file>` and no key log) against tshark given
     the same key material, per connection (difflib_common.compare_views on
     tshark's decrypted reading): handshake messages per direction in order
     (including those only decryption shows: encrypted_extensions,
     certificate, certificate_verify, finished, new_session_ticket,
     key_update, end_of_early_data), their interleaving, change_cipher_spec
     counts, alerts, hellos, server certificate serials (in TLS 1.3 read
     from decrypted records), session ticket lifetime;
  2. the exported plaintext, TMP/<id>-c2s.bin and TMP/<id>-s2c.bin (<id>:
     the connection's JSON "id"), equals the payload files byte for byte,
     and app_data.<dir>.plaintext_bytes their length;
  3. JSON facts: messages from decrypted records (TLS 1.3: all but the
     hellos; TLS <= 1.2: after the sender's ChangeCipherSpec) carry
     "decrypted": true, the others do not, none is left
     "encrypted_handshake" or carries "decrypt_error"; the connection's
     "decryption" says status "decrypted", keys "keylog" / "rsa_key" /
     "resumed_session", records decrypted > 0 and failed 0 both ways;
  4. the first TLS 1.2 and the first TLS 1.3 capture read with another
     scenario's key log: exit 0, no "decrypted": true, decryption.status
     "no_keys" with a non-empty note, nothing exported;
  (5. rows with an rsa_key are step 1-3 with the RSA key alone.)

Prints one line per disagreement
    NAME: conn K: FIELD: tlsscope=... tshark=...
(checks against the payload files or the JSON contract say expected=
instead of tshark=), then `decrypt-diff: N passed, M failed` (N/M count
connections, plus one per wrong-key-log run).  Exit 1 on any failure, 2 on
a set-up error (tshark missing or failing, tlsscope binary missing or
without --keylog), 77 when CAPTURE_DIR has no MANIFEST.tsv (the capture
fixture was skipped: it needs root).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402
import pcaplib  # noqa: E402

# handshake types that are never encrypted
PLAIN_HS = {"client_hello", "server_hello", "hello_retry_request", "hello_verify_request"}


def run_scope(binary: str, args: list, timeout: int):
    """`tlsscope read --json ARGS...` (the capture last), judged as
    difflib_common.run_tlsscope judges it (crash, timeout, exit, JSON)."""
    return dc.run_tlsscope(binary, args[-1], timeout=timeout, extra=args[:-1])


def describe_diff(got: bytes | None, want: bytes) -> tuple[str, str]:
    if got is None:
        return "no file", f"{len(want)} bytes"
    i = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
    return (f"{len(got)} bytes (first difference at offset {i})", f"{len(want)} bytes")


def is_tls13(c: dict) -> bool:
    v = dc._version_code(c.get("version"))
    if v is None and isinstance(c.get("version"), dict):
        v = dc._version_code(c["version"].get("code"))
    return v == 0x0304


class Checker:
    def __init__(self, args, capdir):
        self.args = args
        self.capdir = capdir
        self.passed = 0
        self.failed = 0

    def out(self, line):
        print(line, flush=True)

    def path(self, f):
        return os.path.join(self.capdir, f)

    # ------------------------------------------------------------ a row ---
    def check_row(self, row):
        name = row["name"]
        pcap = self.path(name + ".pcap")
        rsa = row.get("rsa_key", "-")
        if rsa and rsa != "-":
            key_args = ["--rsa-key", self.path(rsa)]
            keylog = None
            extra = ["-o", f'uat:rsa_keys:"{self.path(rsa)}",""']
            keys_kind = "rsa_key"
        else:
            keylog = self.path(name + ".keys")
            key_args = ["--keylog", keylog]
            extra = []
            keys_kind = "keylog"
        nconn = int(row.get("connections") or 1)
        payloads = set(p for p in (row.get("payloads") or "-").split(",") if p and p != "-")

        tmp = tempfile.mkdtemp(prefix="tsc-decdiff-")
        try:
            run = run_scope(self.args.tlsscope, key_args + ["--export-streams", tmp, pcap],
                            self.args.timeout)
            ts = dc.tshark_views(pcap, keylog, extra=extra, plaintext_only=False)
            if run.status != "ok":
                first = next((l for l in run.stderr.splitlines() if l.strip()), "")
                self.out(f"{name}: conn -: tlsscope: {run.status}: {run.detail} {first[:200]}")
                self.failed += nconn
                return
            conns = sorted(run.conns, key=lambda c: (c.get("id") is None, c.get("id") or 0))
            if len(conns) != nconn:
                self.out(f"{name}: conn -: connections: tlsscope={len(conns)} expected={nconn}")
            sc = [dc.tlsscope_view(c) for c in conns]
            pairs, only_ts, only_sc = dc.match_views(ts, sc)
            by_id = {id(s): t for t, s in pairs}
            for k, (c, s) in enumerate(zip(conns, sc), 1):
                diffs = []
                t = by_id.get(id(s))
                if t is None:
                    diffs.append(("connection", "present", "absent"))
                else:
                    diffs += [(f, a, b) for f, a, b in dc.compare_views(t, s, dc.ALL_FIELDS)]
                diffs += self.json_facts(c, keys_kind, k)
                diffs += self.exports(name, c, k, tmp, payloads)
                for f, a, b in diffs:
                    if f.startswith("="):   # a check against an expectation
                        self.out(f"{name}: conn {k}: {f[1:]}: tlsscope={a} expected={b}")
                    else:
                        self.out(f"{name}: conn {k}: {f}: tlsscope={a} tshark={b}")
                if diffs:
                    self.failed += 1
                else:
                    self.passed += 1
            for t in only_ts:
                self.out(f"{name}: conn -: connection: tlsscope=absent tshark=present "
                         f"({dc.conn_label(t.client or t.a, t.server or t.b)})")
                self.failed += 1
            # connections tlsscope lacks entirely
            for k in range(len(conns) + 1, nconn + 1):
                self.failed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def json_facts(self, c, keys_kind, k):
        """Contract checks on one connection object (field names start with
        "=": compared against an expectation, not tshark)."""
        d = []
        tls13 = is_tls13(c)
        ccs_seen = set()
        bad_flag = []
        for i, m in enumerate(c.get("messages") or []):
            t, di = m.get("type"), m.get("dir")
            if t == "change_cipher_spec":
                ccs_seen.add(di)
                continue
            if t == "encrypted_handshake" or "decrypt_error" in m:
                bad_flag.append(f"#{i} {di} {t} decrypt_error={m.get('decrypt_error')!r}")
                continue
            if t == "alert" and m.get("encrypted") is True:
                bad_flag.append(f"#{i} {di} alert encrypted")
                continue
            if t in (None, "heartbeat"):
                continue
            if tls13:
                want = t not in PLAIN_HS
            else:
                want = di in ccs_seen
            if bool(m.get("decrypted")) != want or (want and m.get("decrypted") is not True):
                bad_flag.append(f"#{i} {di} {t} decrypted={json.dumps(m.get('decrypted'))}")
        if bad_flag:
            d.append(("=messages.decrypted", "[" + "; ".join(bad_flag[:6]) +
                      (" ..." if len(bad_flag) > 6 else "") + "]", "every message from a decrypted record"))
        dec = c.get("decryption")
        if not isinstance(dec, dict):
            d.append(("=decryption", json.dumps(dec), "an object"))
            return d
        if dec.get("status") != "decrypted":
            d.append(("=decryption.status", json.dumps(dec.get("status")) +
                      f" (note {json.dumps(dec.get('note'))})", '"decrypted"'))
        ok_keys = {keys_kind, "resumed_session"}
        if dec.get("keys") not in ok_keys:
            d.append(("=decryption.keys", json.dumps(dec.get("keys")),
                      " or ".join(json.dumps(x) for x in sorted(ok_keys))))
        recs = dec.get("records") or {}
        for di in ("c2s", "s2c"):
            r = recs.get(di) if isinstance(recs, dict) else None
            if not isinstance(r, dict):
                d.append((f"=decryption.records.{di}", json.dumps(r), "an object"))
                continue
            if r.get("failed") != 0:
                d.append((f"=decryption.records.{di}.failed", json.dumps(r.get("failed")), "0"))
            if not isinstance(r.get("decrypted"), int) or r["decrypted"] <= 0:
                d.append((f"=decryption.records.{di}.decrypted", json.dumps(r.get("decrypted")), "> 0"))
        return d

    def exports(self, name, c, k, tmp, payloads):
        d = []
        cid = c.get("id")
        ad = c.get("app_data") or {}
        for di in ("c2s", "s2c"):
            pf = f"{name}.{k}.{di}"
            if pf not in payloads:
                continue
            want = open(self.path(pf), "rb").read()
            fn = os.path.join(tmp, f"{cid}-{di}.bin")
            got = open(fn, "rb").read() if os.path.exists(fn) else None
            if got != want:
                a, b = describe_diff(got, want)
                d.append((f"=export {cid}-{di}.bin", a, f"{pf} {b}"))
            pb = (ad.get(di) or {}).get("plaintext_bytes") if isinstance(ad, dict) else None
            if pb != len(want):
                d.append((f"=app_data.{di}.plaintext_bytes", json.dumps(pb), str(len(want))))
        return d

    def verdict(self, label, bad):
        """Print each (field, got, expected) and count the check."""
        for f, a, b in bad:
            self.out(f"{label}: {f}: tlsscope={a} expected={b}")
        if bad:
            self.failed += 1
        else:
            self.passed += 1

    # ---------------------------------------------------- wrong key log ---
    def wrong_keys(self, row, other):
        name = row["name"]
        pcap = self.path(name + ".pcap")
        wrong = self.path(other + ".keys")
        tmp = tempfile.mkdtemp(prefix="tsc-decdiff-")
        label = f"{name}: conn -: wrong key log ({other}.keys)"
        bad = []
        try:
            run = run_scope(self.args.tlsscope, ["--keylog", wrong, "--export-streams", tmp, pcap],
                            self.args.timeout)
            if run.status != "ok":
                bad.append(("exit", f"{run.status}: {run.detail}", "exit 0"))
            if not run.conns:
                bad.append(("connections", "0", ">= 1"))
            for c in run.conns:
                n = sum(1 for m in c.get("messages") or [] if m.get("decrypted") is True)
                if n:
                    bad.append((f"conn {c.get('id')}: decrypted messages", str(n), "0"))
                dec = c.get("decryption")
                st = dec.get("status") if isinstance(dec, dict) else None
                if st != "no_keys":
                    bad.append((f"conn {c.get('id')}: decryption.status", json.dumps(st), '"no_keys"'))
                note = dec.get("note") if isinstance(dec, dict) else None
                if not isinstance(note, str) or not note.strip():
                    bad.append((f"conn {c.get('id')}: decryption.note", json.dumps(note), "a non-empty string"))
            files = sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []
            if files:
                bad.append(("exported files", ",".join(files), "none"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.verdict(label, bad)


    # ------------------------------------------------------- a hole ---
    def hole(self, row):
        """25 of the server's full-sized data segments dropped from the
        middle of its application data: the records they touched fail with
        a reason, whole records vanish, and after the hole the reader finds
        the record boundary and the sequence number again, so the server's
        close_notify still decrypts; nothing fails silently."""
        name = row["name"]
        label = f"{name}: conn -: a hole of 25 server segments"
        link, pkts = pcaplib.read_pcap(self.path(name + ".pcap"))
        kept, seen, port = [], 0, None
        for p in pkts:
            b = p[2]
            ip = b[14:] if link == pcaplib.LINK_ETHERNET else b
            ihl = (ip[0] & 15) * 4
            tcp = ip[ihl:]
            sport = struct.unpack(">H", tcp[0:2])[0]
            plen = struct.unpack(">H", ip[2:4])[0] - ihl - (tcp[12] >> 4) * 4
            if tcp[13] & 0x12 == 0x12:  # SYN-ACK: the server's port
                port = sport
            if sport == port and plen >= 1400:
                seen += 1
                if 10 <= seen < 35:
                    continue
            kept.append(p)
        tmp = tempfile.mkdtemp(prefix="tsc-decdiff-")
        bad = []
        try:
            cap = os.path.join(tmp, "hole.pcap")
            pcaplib.write_pcap(cap, link, kept)
            run = run_scope(self.args.tlsscope, ["--keylog", self.path(name + ".keys"), cap], self.args.timeout)
            bad = recovers(run, "gap")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.verdict(label, bad)


    # ------------------------------------------- a small --flow-buffer ---
    def small_buffer(self, row):
        """--flow-buffer 4096: the 16 KiB records spread over segments cannot
        be gathered; each fails with that reason, and the records after
        them still open (the server's close_notify)."""
        name = row["name"]
        label = f"{name}: conn -: --flow-buffer 4096"
        run = run_scope(self.args.tlsscope, ["--flow-buffer", "4096", "--keylog", self.path(name + ".keys"),
                                             self.path(name + ".pcap")], self.args.timeout)
        bad = recovers(run, "limit")
        self.verdict(label, bad)


def recovers(run, error_kind):
    """A server direction that lost records (a hole, a record over the
    buffer cap): they fail with a reason, an error of error_kind is
    reported, and the server's close_notify after them still decrypts."""
    if run.status != "ok" or len(run.conns) != 1:
        return [("run", f"{run.status} {run.detail}, {len(run.conns)} connections", "ok, 1")]
    bad = []
    c = run.conns[0]
    d = c["decryption"]
    if d["status"] != "partial" or d["records"]["s2c"]["failed"] < 1:
        bad.append(("decryption", json.dumps(d), "partial, failures in s2c"))
    if not any(e["kind"] == error_kind and e["dir"] == "s2c" for e in c["errors"]):
        bad.append(("errors", json.dumps(c["errors"]), f"a s2c {error_kind} error"))
    last = [m for m in c["messages"] if m["dir"] == "s2c"][-1:]
    if not last or last[0]["type"] != "alert" or last[0].get("decrypted") is not True or \
            last[0].get("description") != "close_notify":
        bad.append(("last server message", json.dumps(last), "close_notify, decrypted"))
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Decryption differential test (tlsscope vs tshark and the payloads).")
    ap.add_argument("--tlsscope", default=dc.default_tlsscope(),
                    help="tlsscope binary (default: $TLSSCOPE or build/tlsscope)")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per tlsscope run (default 60)")
    ap.add_argument("--only", default="", help="comma-separated scenario names to check (default: all)")
    ap.add_argument("capdir", metavar="CAPTURE_DIR")
    args = ap.parse_args(argv)

    manifest = os.path.join(args.capdir, "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print(f"decrypt-diff: SKIPPED: no {manifest} (the decryption captures were not made: "
              "tests/e2e/make_decrypt_captures.sh needs root)")
        return 77
    if not os.path.exists(args.tlsscope):
        print(f"decrypt-diff: tlsscope binary not found: {args.tlsscope}", file=sys.stderr)
        return 2
    for opt in ("--keylog", "--rsa-key", "--export-streams"):
        if not dc.tlsscope_has_option(args.tlsscope, opt):
            print(f"decrypt-diff: tlsscope read has no {opt} option", file=sys.stderr)
            return 2
    try:
        p = subprocess.run([dc.tshark_bin(), "-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise OSError(f"exit {p.returncode}")
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"decrypt-diff: tshark does not run: {e}", file=sys.stderr)
        return 2

    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    only = {x for x in args.only.split(",") if x}
    ck = Checker(args, os.path.abspath(args.capdir))
    try:
        for row in rows:
            if only and row["name"] not in only:
                continue
            ck.check_row(row)
        # wrong key log: the first TLS 1.2 and TLS 1.3 captures with a key
        # log, each read with another scenario's key log
        keyed = [r for r in rows if r.get("keylog") == "yes"]
        for ver in ("0x0303", "0x0304"):
            row = next((r for r in keyed if r["version"] == ver and (r.get("rsa_key") or "-") == "-"), None)
            if row is None or (only and row["name"] not in only):
                continue
            other = next((r for r in keyed if r["name"] != row["name"]), None)
            if other is not None:
                ck.wrong_keys(row, other["name"])
        # a hole in the server's data: TLS 1.3, TLS 1.2 GCM, ChaCha20, CBC with explicit IVs
        for name in ("tls13-aes128-gcm", "tls12-aes256-gcm", "tls12-chacha20", "tls12-cbc-etm"):
            row = next((r for r in rows if r["name"] == name), None)
            if row is not None and not (only and name not in only):
                ck.hole(row)
        for name in ("tls13-aes128-gcm", "tls12-cbc-noetm"):
            row = next((r for r in rows if r["name"] == name), None)
            if row is not None and not (only and name not in only):
                ck.small_buffer(row)
    except dc.ToolError as e:
        print(f"decrypt-diff: tshark failed: {e}", file=sys.stderr)
        print(f"decrypt-diff: {ck.passed} passed, {ck.failed} failed")
        return 2
    print(f"decrypt-diff: {ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main())
