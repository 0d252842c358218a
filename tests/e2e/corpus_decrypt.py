#!/usr/bin/env python3
"""Differential test of decryption over the public capture corpus: tlsscope
against tshark 4.0.17 given the same key material.

usage: corpus_decrypt.py --tlsscope BIN --corpus DIR [--known FILE] [-j N]
                         [--timeout S] [--max-size BYTES] [--only SUBSTRING] [-v]

Captures (MANIFEST.tsv rows whose last column is a CAPTURE: summary, see
difflib_common.corpus_captures) are selected by their `KEYS:` note:

  * `NSS keylog PATH ... [tshark-4.0.17 decrypts with it: yes]`: PATH is
    relative to the capture's source repository, whose copy in the corpus is
    local_path minus source_path (e.g. snet/ for
    snet/tests/pcap/data/decrypt_by_keylog/x.pcap, source path
    tests/pcap/data/decrypt_by_keylog/x.pcap);
  * `Zeek-format keylog ... (NSS conversion in _derived/)` and `Zeek
    SSL::secrets ...`: the NSS key log _derived/zeek_<capture name>.keys;
  * `embedded pcapng Decryption Secrets Block ... yes` / `embedded DSB`:
    tshark reads the block itself; tlsscope (which does not read DSBs) gets
    the block's TLS key log extracted to a temporary file;
  * `RSA key PATH`: `--rsa-key PATH`, tshark with the same key in its
    rsa_keys table (static-RSA key exchange only; the key file must exist).

Left out, and counted: DTLS and QUIC captures (tlsscope reads TLS over TCP),
PSK and PKCS#12 keys (tlsscope has no option for them), key files missing
from the corpus, captures over --max-size (tshark's JSON of a big capture is
slow: default 4 MB, which leaves none of the keyed captures out today).
Key logs tshark does not decrypt with (`... decrypts with it: no`) are run
through tlsscope alone: a crash, hang or bad output is still a failure, the
decryption status is reported with -v.

Per capture: `tlsscope read --json -q --keylog KEYS CAPTURE` (or --rsa-key;
60 s timeout; a signal, a sanitizer report on stderr, output that is not
JSON Lines or an exit other than 0 is a failure) and tshark with the same
keys (difflib_common.tshark_views, plaintext_only=False; when tlsscope finds
TLS on a port tshark does not dissect as TLS, tshark is run again with
`-d tcp.port==PORT,tls`).  Per connection (paired by endpoints,
difflib_common.match_views) the fields compared are COMPARE_FIELDS below:
handshake message types per direction in order (the decrypted ones
included) and their interleaving, ChangeCipherSpec counts, alerts (level
and description, decrypted ones included), server certificate serials (from
decrypted records in TLS 1.3), the session ticket lifetime.  Besides:
  * for each connection tshark decrypted (it shows a handshake message or an
    alert from an encrypted record) tlsscope's decryption.status must be
    "decrypted";
  * a connection whose status is "decrypted" must have a null
    decryption.note (docs/json.md: the note says why something was not
    decrypted);
  * for the snet captures whose tests/pcap/data/tests.conf gives a
    decrypted_records_count, tlsscope's decrypted records (both directions)
    must add up to it: the only reference for the ARIA-GCM captures tshark
    4.0 cannot decrypt.

Reviewed disagreements (default: corpus_decrypt_known.tsv beside this
script): tab-separated  capture (relative to the corpus)  client endpoint
(IP:PORT as printed, [IPv6]:PORT, or *)  field (as printed, or *)  reason.
Lines starting with # are comments.  Entries that no longer occur are noted
on stderr (not failures).

Output: one line per unreviewed disagreement or failure, then
    corpus-decrypt: N connections agree, M reviewed disagreements, K failures
N and M count connections; K counts connections with an unreviewed
disagreement plus captures tlsscope (or tshark) failed on.  Exit 1 when
K > 0, 2 on a set-up error (tlsscope or tshark missing), 77 when the corpus
directory is absent.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

NAME = "corpus-decrypt"

# compare_views fields: handshake messages per direction (types in order)
# and their interleaving, ChangeCipherSpec counts, alerts (decrypted ones
# included), certificate serials, ticket lifetime.
COMPARE_FIELDS = ("handshake", "handshake_order", "ccs", "alerts",
                  "certificates", "ticket_lifetime")

DEFAULT_MAX_SIZE = 4 * 1024 * 1024

PLAIN_HS = {"client_hello", "server_hello", "hello_retry_request",
            "hello_verify_request"}


def default_known() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "corpus_decrypt_known.tsv")


# --------------------------------------------------------------------------
# selecting the captures

class Case:
    def __init__(self, rel, kind, key, tshark_ok, note=""):
        self.rel = rel          # capture path relative to the corpus
        self.kind = kind        # "keylog", "dsb", "rsa"
        self.key = key          # key file (absolute), None for "dsb"
        self.tshark_ok = tshark_ok  # manifest says tshark decrypts with it
        self.note = note

    def label(self):
        return f"{self.rel} [{self.kind}]"


KEYS_RE = re.compile(r"KEYS:\s*(.*?)\s*(?:\|\s*EXPECTED:|$)")


def _transport(what: str) -> str:
    """"TLS", "DTLS", "QUIC", "TLS+QUIC", ... from the CAPTURE: summary."""
    m = re.search(r"CAPTURE:\s*([A-Za-z0-9+/-]+?)[:\s]", what)
    return m.group(1) if m else ""


def _dtls_keys(keys: str) -> bool:
    """Keys the manifest marks as DTLS ones ("DTLS PSK ...", "... (DTLS)");
    not the "such as DTLS1.3" of a tshark failure note."""
    return keys.startswith("DTLS") or "(DTLS)" in keys


def select_cases(corpus: str, max_size: int):
    """(cases, skipped): skipped is a list of (capture, why)."""
    cases, skipped = [], []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "local_path" or len(cols) < 6:
                continue
            rel, src_path, size, what = cols[0], cols[2], cols[4], cols[-1]
            if not dc.CAPTURE_RE.match(what):
                continue
            m = KEYS_RE.search(what)
            if not m:
                continue
            keys = m.group(1)
            if keys.startswith("none") or not keys:
                continue
            root = rel[:-len(src_path)] if src_path and rel.endswith(src_path) else ""
            transport = _transport(what)
            if "TLS" not in transport.split("+") and "TLS" not in transport.split("/"):
                if transport in ("DTLS", "QUIC") or _dtls_keys(keys):
                    skipped.append((rel, f"{transport}: tlsscope reads TLS over TCP only"))
                    continue
                # "TLS/QUIC-named capture; no TLS records seen": nothing to compare
                skipped.append((rel, "no TLS over TCP in the capture (tshark sees none)"))
                continue
            if _dtls_keys(keys):
                skipped.append((rel, "DTLS keys: tlsscope reads TLS over TCP only"))
                continue
            yes = "decrypts with it: yes" in keys
            no = "decrypts with it: no" in keys
            case = None
            if keys.startswith("NSS keylog "):
                kp = keys.split()[2]
                key = os.path.join(corpus, root, kp)
                case = Case(rel, "keylog", key, yes and not no)
            elif keys.startswith("Zeek"):
                key = os.path.join(corpus, "_derived",
                                   "zeek_" + os.path.basename(rel) + ".keys")
                case = Case(rel, "keylog", key, yes and not no,
                            "Zeek secrets converted to NSS format (_derived/)")
            elif keys.startswith("embedded"):
                case = Case(rel, "dsb", None, yes and not no,
                            "pcapng Decryption Secrets Block, extracted for tlsscope")
            elif keys.startswith("RSA key "):
                kp = keys.split()[2]
                key = os.path.join(corpus, root, kp)
                if not os.path.exists(key) and "/." in kp:
                    # "test/keys/rsa-p-lt-q.key/.p8": the .key or the .p8
                    key = os.path.join(corpus, root, kp.split("/.")[0])
                # the manifest does not say whether tshark decrypts with an
                # RSA key: tshark's reading decides
                case = Case(rel, "rsa", key, True)
            else:
                skipped.append((rel, f"keys tlsscope cannot use: {keys[:60]}"))
                continue
            if case.key is not None and not os.path.exists(case.key):
                skipped.append((rel, f"key file absent: {os.path.relpath(case.key, corpus)}"))
                continue
            try:
                sz = int(size)
            except ValueError:
                sz = os.path.getsize(os.path.join(corpus, rel))
            if max_size and sz > max_size:
                skipped.append((rel, f"{sz} bytes > --max-size {max_size} (tshark JSON too slow)"))
                continue
            cases.append(case)
    return cases, skipped


def snet_expected_counts(corpus: str) -> dict:
    """capture (relative to the corpus) -> decrypted_records_count from
    snet's tests/pcap/data/tests.conf (an independent reference: it also
    covers the ARIA-GCM captures tshark 4.0 cannot decrypt)."""
    import configparser
    conf = os.path.join(corpus, "snet", "tests", "pcap", "data", "tests.conf")
    out = {}
    if not os.path.exists(conf):
        return out
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read(conf, encoding="utf-8")
    except configparser.Error:
        return out
    for sec in cp.sections():
        d = cp[sec]
        if "pcap" in d and "decrypted_records_count" in d:
            rel = os.path.normpath(os.path.join("snet", d["pcap"]))
            try:
                out[rel] = int(d["decrypted_records_count"])
            except ValueError:
                pass
    return out


def extract_dsb(pcapng: str, out: str) -> int:
    """Write the TLS key log lines of a pcapng's Decryption Secrets Blocks
    to `out`; return how many bytes were written."""
    with open(pcapng, "rb") as f:
        data = f.read()
    n, i, endian = 0, 0, "<"
    with open(out, "wb") as w:
        while i + 12 <= len(data):
            btype = struct.unpack_from(endian + "I", data, i)[0]
            if btype == 0x0A0D0D0A:     # Section Header: byte order magic
                magic = data[i + 8:i + 12]
                endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
            blen = struct.unpack_from(endian + "I", data, i + 4)[0]
            if blen < 12 or i + blen > len(data):
                break
            if btype == 0x0000000A:     # Decryption Secrets Block
                stype, slen = struct.unpack_from(endian + "II", data, i + 8)
                if stype == 0x544C534B:     # "TLSK"
                    chunk = data[i + 16:i + 16 + slen]
                    w.write(chunk)
                    if not chunk.endswith(b"\n"):
                        w.write(b"\n")
                    n += len(chunk)
            i += blen
    return n


# --------------------------------------------------------------------------
# reviewed disagreements

# --------------------------------------------------------------------------
# tlsscope

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "MemorySanitizer", "ThreadSanitizer", "runtime error:")


def run_scope(binary: str, args: list, timeout: int):
    """`tlsscope read --json ARGS...` (the capture last), judged as
    difflib_common.run_tlsscope judges it (crash, timeout, exit, JSON)."""
    run = dc.run_tlsscope(binary, args[-1], timeout=timeout, extra=args[:-1])
    # TLS over TCP is compared here; a file's DTLS and QUIC connections
    # (its Decryption Secrets Blocks decrypt those too) have their own
    # tests (dtls_corpus, quic_corpus)
    run.conns = [c for c in run.conns if c.get("transport", "tcp") == "tcp"]
    return run


# --------------------------------------------------------------------------
# comparing

def tshark_decrypted(v: dc.ConnView) -> bool:
    """Did tshark decrypt something of this connection: a handshake message
    or an alert's contents from an encrypted record (TLS 1.3: any message
    but the hellos; TLS <= 1.2: after the sender's ChangeCipherSpec)?"""
    sh = v.server_hello
    tls13 = dc._ts_tls13(v) or bool(
        sh and sh.legacy_version and (sh.legacy_version >> 8) == 0x7f) or any(
        k == "hs" and p == "encrypted_extensions" for _, k, p in v.events)
    ccs_from = set()
    for src, kind, payload in v.events:
        if kind == "ccs":
            ccs_from.add(src)
        elif kind == "hs":
            if tls13 and payload not in PLAIN_HS:
                return True
            if not tls13 and src in ccs_from:
                return True
        elif kind == "alert" and payload is not None and src in ccs_from \
                and not tls13:
            return True
    return False


def status_text(c: dict) -> str:
    d = c.get("decryption")
    if not isinstance(d, dict):
        return json.dumps(d)
    recs = d.get("records") or {}
    r = ";".join(f"{k}:{(recs.get(k) or {}).get('decrypted')}/"
                 f"{(recs.get(k) or {}).get('failed')}/"
                 f"{(recs.get(k) or {}).get('encrypted')}"
                 for k in ("c2s", "s2c")) if isinstance(recs, dict) else "?"
    note = d.get("note")
    return (json.dumps(d.get("status")) + f" (records dec/failed/enc {r}"
            + (f"; note {json.dumps(note)}" if note else "") + ")")


class Result:
    def __init__(self, case: Case):
        self.case = case
        self.lines = []         # unreviewed disagreements / failures
        self.known_lines = []
        self.info = []          # -v notes
        self.agree = 0
        self.known = 0
        self.fail_conns = 0
        self.fail_capture = False
        self.informational = False
        self.snet_only = False   # checked against snet's tests.conf, not tshark


def _unmatched_ports(only_sc, conns_by_view):
    ports = set()
    for s in only_sc:
        if s.server is not None and s.server[1]:
            ports.add(s.server[1])
    return sorted(ports)


def snet_check(case: Case, conns: list, expected: dict):
    """[(field, tlsscope, expected)] when snet's tests.conf gives the number
    of records its own decryption test expects for this capture."""
    want = expected.get(os.path.normpath(case.rel)) if case.kind == "keylog" else None
    if want is None:
        return None
    got = 0
    for c in conns:
        r = (c.get("decryption") or {}).get("records") or {}
        for d in ("c2s", "s2c"):
            v = (r.get(d) or {}).get("decrypted")
            got += v if isinstance(v, int) else 0
    if got != want:
        return [("snet.decrypted_records_count", str(got), str(want))]
    return []


def check_case(corpus: str, case: Case, args, known: dc.Known, snet: dict) -> Result:
    res = Result(case)
    rel = case.rel
    path = os.path.join(corpus, rel)
    tmp = tempfile.mkdtemp(prefix="tsc-corpdec-")
    try:
        cap = dc.unpacked(path, tmp)
        ts_keylog, ts_extra = None, []
        if case.kind == "keylog":
            scope_args = ["--keylog", case.key]
            ts_keylog = case.key
        elif case.kind == "dsb":
            kl = os.path.join(tmp, "dsb.keys")
            if extract_dsb(cap, kl) == 0:
                res.lines.append(f"{rel}: no TLS key log in the pcapng's "
                                 f"Decryption Secrets Blocks (set-up)")
                res.fail_capture = True
                return res
            scope_args = ["--keylog", kl]
        else:
            scope_args = ["--rsa-key", case.key]
            ts_extra = ["-o", f'uat:rsa_keys:"{case.key}",""']

        run = run_scope(args.tlsscope, scope_args + [cap], args.timeout)
        if run.status != "ok":
            first = next((l.strip() for l in run.stderr.splitlines() if l.strip()), "")
            res.lines.append(f"{rel}: tlsscope {' '.join(scope_args[:1])}: {run.status}: "
                             f"{run.detail}" + (f" ({first[:200]})" if first else ""))
            res.fail_capture = True
            return res

        snet_diffs = snet_check(case, run.conns, snet)
        if not case.tshark_ok:
            # tshark cannot decrypt with these keys: tlsscope's reading alone
            # (checked against snet's expected record count where there is one)
            res.informational = snet_diffs is None
            if snet_diffs is not None:
                res.snet_only = True
                items = []
                for c in run.conns:
                    v = dc.tlsscope_view(c)
                    items.append((dc.ep_str(v.client), dc.conn_label(v.client, v.server), []))
                if items and snet_diffs:
                    cl, label, _ = items[0]
                    items[0] = (cl, label, [(f, f"{label}: {f}: tlsscope={a} snet tests.conf={b}")
                                            for f, a, b in snet_diffs])
                dc.tally(res, rel, [(client, diffs) for client, _label, diffs in items], known)
            for c in run.conns:
                v = dc.tlsscope_view(c)
                res.info.append(f"{rel}: {dc.conn_label(v.client, v.server)}: "
                                f"tlsscope-only ({c.get('cipher_suite', {}).get('name') if isinstance(c.get('cipher_suite'), dict) else c.get('cipher_suite')}): "
                                f"decryption.status={status_text(c)}")
            return res

        sc_conns = run.conns
        sc = [dc.tlsscope_view(c) for c in sc_conns]
        json_by_view = {id(v): c for v, c in zip(sc, sc_conns)}
        try:
            ts = dc.tshark_views(cap, ts_keylog, extra=ts_extra, plaintext_only=False)
            pairs, only_ts, only_sc = dc.match_views(ts, sc)
            ports = _unmatched_ports(only_sc, json_by_view)
            if ports:
                # TLS on a port tshark does not dissect as TLS
                extra2 = list(ts_extra)
                for p in ports:
                    extra2 += ["-d", f"tcp.port=={p},tls"]
                ts2 = dc.tshark_views(cap, ts_keylog, extra=extra2, plaintext_only=False)
                pairs2, only_ts2, only_sc2 = dc.match_views(ts2, sc)
                if len(pairs2) > len(pairs):
                    res.info.append(f"{rel}: tshark run again with decode-as "
                                    f"tls on port(s) {','.join(map(str, ports))}")
                    ts, pairs, only_ts, only_sc = ts2, pairs2, only_ts2, only_sc2
        except dc.ToolError as e:
            res.lines.append(f"{rel}: tshark failed (set-up problem): {e}")
            res.fail_capture = True
            return res

        items = []   # (client_key, label, [(field, text)])
        first = True
        for t, s in pairs:
            c = json_by_view[id(s)]
            label = dc.conn_label(s.client, s.server)
            diffs = [(f, a, b) for f, a, b in dc.compare_views(t, s, args.fields)]
            if tshark_decrypted(t):
                d = c.get("decryption")
                st = d.get("status") if isinstance(d, dict) else None
                if st != "decrypted":
                    diffs.append(("decryption.status", status_text(c), '"decrypted"'))
            else:
                res.info.append(f"{rel}: {label}: tshark decrypted nothing; "
                                f"tlsscope decryption.status={status_text(c)}")
            texts = [(f, f"{label}: {f}: tlsscope={a} tshark={b}") for f, a, b in diffs]
            d = c.get("decryption")
            if isinstance(d, dict) and d.get("status") == "decrypted" and d.get("note"):
                # docs/json.md: the note says why something was NOT decrypted
                texts.append(("decryption.note", f"{label}: decryption.note: tlsscope="
                              f"{json.dumps(d.get('note'))} expected=null (status \"decrypted\")"))
            if first and snet_diffs:
                texts += [(f, f"{label}: {f}: tlsscope={a} snet tests.conf={b}")
                          for f, a, b in snet_diffs]
            first = False
            items.append((dc.ep_str(s.client), label, texts))
        for s in only_sc:
            label = dc.conn_label(s.client, s.server)
            items.append((dc.ep_str(s.client), label,
                          [("connection", f"{label}: connection: tlsscope=present tshark=absent")]))
        for t in only_ts:
            cl = t.client or t.a
            label = dc.conn_label(cl, t.server or t.b)
            items.append((dc.ep_str(cl), label,
                          [("connection", f"{label}: connection: tlsscope=absent tshark=present")]))
        dc.tally(res, rel, [(client, diffs) for client, _label, diffs in items], known)
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compressed_hole(binary: str, corpus: str, timeout: int) -> str | None:
    """A hole in a DEFLATE-compressed direction: in wireshark-notes/all (TLS
    1.2, TLS_RSA_WITH_AES_128_GCM_SHA256, compression 1, client port 39017)
    the client's one application data record is dropped (editcap). The
    client's close_notify after it still verifies (the GCM sequence number
    found again), but the compression stream lost bytes: it must fail with
    that reason, not decompress into plaintext against a broken window.
    Returns why it failed, or None."""
    base = os.path.join(corpus, "wireshark-notes", "all")
    cap, keys = os.path.join(base, "dump.pcapng"), os.path.join(base, "premaster.txt")
    if not (os.path.exists(cap) and os.path.exists(keys)):
        return None
    frames = subprocess.run([dc.tshark_bin(), "-r", cap, "-Y", "tcp.port == 39017 && tls.record.content_type == 23 "
                             "&& tcp.dstport == 4430", "-T", "fields", "-e", "frame.number"],
                            capture_output=True, text=True, timeout=120).stdout.split()
    if not frames:
        return "the compressed connection (client port 39017) was not found"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "hole.pcapng")
        p = subprocess.run(["editcap", cap, out, frames[0]], capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            return "editcap failed: " + p.stderr.strip()
        run = run_scope(binary, ["--keylog", keys, out], timeout)
        if run.status != "ok":
            return f"tlsscope: {run.status} {run.detail}"
        conn = [c for c in run.conns if c["client"]["port"] == 39017]
        if len(conn) != 1:
            return f"{len(conn)} connections from port 39017"
        c = conn[0]
        last = [m for m in c["messages"] if m["dir"] == "c2s"][-1]
        want = "the compression stream lost bytes to a hole: what follows cannot be decompressed"
        if last["type"] != "alert" or last.get("decrypted") or last.get("decrypt_error") != want:
            return f"the client's last record: {json.dumps(last)}; expected an alert failing with {want!r}"
        if c["decryption"]["records"]["c2s"]["failed"] != 1:
            return f"decryption: {json.dumps(c['decryption'])}"
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Compare tlsscope's decryption with tshark's over the public corpus.")
    ap.add_argument("--corpus", required=True, help="corpus directory")
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--known", default=default_known(), help="reviewed disagreements TSV")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=60,
                    help="seconds per tlsscope run (default 60)")
    ap.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE,
                    help=f"skip captures larger than this (default {DEFAULT_MAX_SIZE}; 0: no limit)")
    ap.add_argument("--only", action="append", default=[],
                    help="only captures whose path contains this (repeatable)")
    ap.add_argument("--fields", default=",".join(COMPARE_FIELDS),
                    help="compare_views fields (default %(default)s; see "
                         "difflib_common.ALL_FIELDS)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print reviewed disagreements, skips and notes")
    args = ap.parse_args(argv)
    args.fields = tuple(f for f in args.fields.split(",") if f)
    bad = [f for f in args.fields if f not in dc.ALL_FIELDS]
    if bad:
        ap.error("unknown field(s): " + ",".join(bad))

    if not os.path.isfile(os.path.join(args.corpus, "MANIFEST.tsv")):
        print(f"{NAME}: SKIPPED: {args.corpus} absent")
        return 77
    if not os.path.exists(args.tlsscope):
        print(f"{NAME}: tlsscope binary not found: {args.tlsscope}", file=sys.stderr)
        return 2
    for opt in ("--keylog", "--rsa-key"):
        if not dc.tlsscope_has_option(args.tlsscope, opt):
            print(f"{NAME}: tlsscope read has no {opt} option", file=sys.stderr)
            return 2
    try:
        p = subprocess.run([dc.tshark_bin(), "-v"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise OSError(f"exit {p.returncode}")
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"{NAME}: tshark does not run: {e}", file=sys.stderr)
        return 2

    t0 = time.monotonic()
    cases, skipped = select_cases(args.corpus, args.max_size)
    if args.only:
        cases = [c for c in cases if any(o in c.rel for o in args.only)]
        skipped = [s for s in skipped if any(o in s[0] for o in args.only)]
    known = dc.Known(args.known, NAME)
    snet = snet_expected_counts(args.corpus)

    results: list[Result] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(check_case, args.corpus, c, args, known, snet) for c in cases]
        for fu in futs:     # manifest order: deterministic output
            r = fu.result()
            results.append(r)
            for l in r.lines:
                print(l, flush=True)
            if args.verbose:
                for l in r.known_lines:
                    print("reviewed: " + l)
                for l in r.info:
                    print("note: " + l)

    if args.verbose:
        for rel, why in skipped:
            print(f"skipped: {rel}: {why}")
    if not args.only:
        for e in known.unused():
            print(f"{NAME}: note: reviewed disagreement no longer seen: "
                  f"{e[0]}\t{e[1]}\t{e[2]}", file=sys.stderr)

    compared = [r for r in results if not r.informational]
    agree = sum(r.agree for r in compared)
    nknown = sum(r.known for r in compared)
    failures = sum(r.fail_conns + (1 if r.fail_capture else 0) for r in results)
    kinds = {}
    for why in (w.split(":")[0] if w.startswith(("DTLS", "QUIC")) else w.split(" (")[0].split(":")[0]
                for _, w in skipped):
        kinds[why] = kinds.get(why, 0) + 1
    skip_txt = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    snet_only = sum(1 for r in results if r.snet_only)
    print(f"{NAME}: {len(compared) - snet_only} captures compared with tshark, "
          f"{snet_only} (tshark cannot decrypt) with snet's expected record counts only, "
          f"{len(results) - len(compared)} read by tlsscope alone, "
          f"{len(skipped)} skipped ({skip_txt or 'none'}), {time.monotonic() - t0:.1f}s")
    why = compressed_hole(args.tlsscope, args.corpus, 60) if not args.only else None
    if why:
        print(f"{NAME}: FAILED: a hole in a compressed direction: {why}")
        failures += 1
    print(f"{NAME}: {agree} connections agree, {nknown} reviewed disagreements, "
          f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
