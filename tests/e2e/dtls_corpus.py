#!/usr/bin/env python3
"""DTLS over the public corpus: tlsscope against tshark, connection by
connection, on every DTLS capture of ../shared/corpus.

usage: dtls_corpus.py --corpus DIR [--tlsscope BIN] [--known FILE] [-j N]
                      [--timeout S] [--only SUBSTRING] [--list]

The captures: MANIFEST.tsv's CAPTURE rows whose summary says tshark found
DTLS ("CAPTURE: DTLS:", "TLS+DTLS...", "DTLSrec=N" with N > 0) or whose file
name says dtls (tshark 4.0 finds no DTLS in some of those: tlsscope's
reading is then held against an empty one). `--list` prints them. A
.gz capture is decompressed into a temporary directory first.

Each capture is read without keys; one with keys is read a second time
with them: an NSS key log named by the manifest (illustrated-dtls), or the
key log of a pcapng Decryption Secrets Block (extracted for tlsscope; tshark
reads the block itself). Other key material (an RSA key, a PSK) is not
used, and said so. The comparison is dtls_views.compare_dtls (messages
per direction and in order, ChangeCipherSpec, alerts, both hellos, the
negotiated version, the suite, SNI, certificate serials, the cookie
exchange, use_srtp; with keys also the decrypted messages and application
data). Only DTLS connections are compared: the TLS over TCP of mixed
captures is e2e/corpus_diff's. tshark reads each capture with its own
dissectors and heuristics; when tlsscope reports a DTLS connection tshark
did not, tshark reads the capture once more decoding that connection's
server port as DTLS (-d udp.port==N,dtls), and the connection is compared
with that reading.

Reviewed disagreements (default: dtls_corpus_known.tsv beside this
script): tab-separated capture (relative to the corpus; "REL [keys]" for the
reading with keys), connection (CLIENT->SERVER as printed), field (as
printed), reason. One line per disagreement: no wildcards. A line whose
disagreement is gone (or whose capture is) is stale and fails, so that the
list stays what tlsscope does today. Crashes, hangs, bad exits and tshark
failures cannot be listed.

Output: one line per unlisted disagreement or failure, then
    dtls-corpus: N connections agree, M known disagreements, K failures
    dtls-corpus: P passed, F failed
(P/F count captures and readings). Exit 1 when F > 0 or a reviewed line is
stale; 0 otherwise. Without the corpus: `dtls-corpus: SKIPPED: ...`, exit 77.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_decrypt  # noqa: E402  (extract_dsb, KEYS_RE)
import difflib_common as dc  # noqa: E402
import dtls_views as dv  # noqa: E402

DTLS_RE = re.compile(r"CAPTURE:\s*(?:[A-Za-z0-9]+\+)*DTLS[:+]|DTLSrec=[1-9]")


def default_known() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "dtls_corpus_known.tsv")


class Case:
    def __init__(self, rel, keys_kind=None, key=None, keys_note=""):
        self.rel = rel
        self.keys_kind = keys_kind  # None, "keylog", "dsb"
        self.key = key
        self.keys_note = keys_note  # why keys beside it are not used


def select(corpus: str) -> list[Case]:
    cases = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "local_path" or len(cols) < 3:
                continue
            rel, src_path, what = cols[0], cols[2], cols[-1]
            if not dc.CAPTURE_RE.search(what):
                continue
            if not (DTLS_RE.search(what) or "dtls" in os.path.basename(rel).lower()):
                continue
            case = Case(rel)
            m = corpus_decrypt.KEYS_RE.search(what)
            keys = m.group(1) if m else ""
            root = rel[:-len(src_path)] if src_path and rel.endswith(src_path) else ""
            if keys.startswith("NSS keylog "):
                case.keys_kind, case.key = "keylog", os.path.join(corpus, root, keys.split()[2])
                if not os.path.exists(case.key):
                    case.keys_kind, case.keys_note = None, "key log absent"
            elif keys.startswith("embedded"):
                case.keys_kind = "dsb"
            elif keys and not keys.startswith("none"):
                case.keys_note = "keys tlsscope does not take: " + keys[:50]
            cases.append(case)
    return cases


class Result:
    def __init__(self):
        self.agree = self.known = self.fail_conns = 0
        self.lines, self.known_lines, self.notes = [], [], []
        self.passed = self.failed = 0


def compare_readings(cap: str, keylog, runs: dict) -> dict:
    """label -> tshark's views for tlsscope's readings runs (label ->
    (key log or None, tlsscope's views)). tshark reads the capture once
    (with the key log when there is one; the reading without keys leaves
    out what only decryption shows), and once more decoding as DTLS the
    server ports of connections only tlsscope reported."""
    text = dv.tshark_text(cap, keylog)
    views = {label: dv.parse_views(text, kl is None) for label, (kl, sc) in runs.items()}
    ports, want = set(), set()
    for label, (kl, sc) in runs.items():
        _, _, only_sc = dc.match_views(list(views[label]), list(sc))
        ports |= {s.server[1] for s in only_sc if s.server and s.server[1]}
        want |= {s.key() for s in only_sc}
    if ports:
        text2 = dv.tshark_text(cap, keylog, ports)
        for label, (kl, sc) in runs.items():
            have = {v.key() for v in views[label]}
            for v in dv.parse_views(text2, kl is None):
                if v.key() in want and v.key() not in have:
                    v.extra["reading"] = "decode-as"
                    views[label].append(v)
            views[label].sort(key=lambda v: v.first_frame)
    return views


def check_case(corpus: str, case: Case, args, known: dc.Known) -> Result:
    res = Result()
    path = os.path.join(corpus, case.rel)
    tmp = tempfile.mkdtemp(prefix="tsc-dtls-corpus.")
    try:
        cap = dc.unpacked(path, tmp)
        keylog = case.key
        if case.keys_kind == "dsb":
            keylog = os.path.join(tmp, "dsb.keys")
            if corpus_decrypt.extract_dsb(cap, keylog) == 0:
                res.notes.append(f"{case.rel}: no key log in its Decryption Secrets Blocks")
                keylog = None
        if case.keys_note:
            res.notes.append(f"{case.rel}: read without keys ({case.keys_note})")
        runs = {}
        # a file that carries its keys (Decryption Secrets Blocks) is read
        # with them by both tools whatever the options: no run without keys
        plain = [] if case.keys_kind == "dsb" and keylog else [(case.rel, None)]
        for label, kl in plain + ([(case.rel + " [keys]", keylog)] if keylog else []):
            run = dc.run_tlsscope(args.tlsscope, cap, kl, args.timeout,
                                  ["--data=4096"] if kl else [])
            if run.status != "ok":
                first = next((l for l in run.stderr.splitlines() if l.strip()), "")
                res.lines.append(f"{label}: tlsscope: {run.status}: {run.detail} {first.strip()[:200]}")
                res.failed += 1
                res.fail_conns += 1
                continue
            runs[label] = (kl, dv.scope_views(run.conns)[0])
        if not runs:
            return res
        try:
            views = compare_readings(cap, keylog, runs)
        except dc.ToolError as e:
            res.lines.append(f"{case.rel}: tshark failed: {e}")
            res.failed += 1
            return res
        for label, (kl, sc) in runs.items():
            before = res.fail_conns
            dc.tally(res, label, dv.compare_capture(views[label], sc, keys=kl is not None), known)
            if res.fail_conns > before:
                res.failed += 1
            else:
                res.passed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="tlsscope against tshark on the corpus's DTLS captures.")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--known", default=default_known())
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true", help="list the captures and exit")
    a = ap.parse_args(argv)
    if not os.path.exists(os.path.join(a.corpus, "MANIFEST.tsv")):
        print(f"dtls-corpus: SKIPPED: {a.corpus} not present")
        return 77
    cases = [c for c in select(a.corpus) if a.only in c.rel]
    if a.list:
        for c in cases:
            print(c.rel + (f"\t[{c.keys_kind}]" if c.keys_kind else ""))
        return 0
    if not os.path.exists(a.tlsscope):
        print(f"dtls-corpus: tlsscope binary not found: {a.tlsscope}", file=sys.stderr)
        return 2
    known = dc.Known(a.known, "dtls-corpus")
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as ex:
        results = list(ex.map(lambda c: check_case(a.corpus, c, a, known), cases))
    total = Result()
    for r in results:
        for line in r.lines:
            print(line)
        for line in r.notes:
            print("note: " + line)
        total.agree += r.agree
        total.known += r.known
        total.fail_conns += r.fail_conns
        total.passed += r.passed
        total.failed += r.failed
    stale = 0
    if not a.only:
        for e in known.unused():
            print(f"dtls-corpus: stale reviewed line (no such disagreement now): "
                  f"{e[0]}\t{e[1]}\t{e[2]}")
            stale += 1
    print(f"dtls-corpus: {total.agree} connections agree, {total.known} known disagreements, "
          f"{total.fail_conns} failures ({len(cases)} captures, "
          f"{time.monotonic() - t0:.1f} s)")
    print(f"dtls-corpus: {total.passed} passed, {total.failed + stale} failed")
    return 1 if total.failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
