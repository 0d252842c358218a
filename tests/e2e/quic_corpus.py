#!/usr/bin/env python3
"""QUIC over the public corpus: tlsscope against tshark, connection by
connection, on every QUIC capture of ../shared/corpus.

usage: quic_corpus.py --corpus DIR [--tlsscope BIN] [--known FILE] [-j N]
                      [--timeout S] [--only SUBSTRING] [--list]

The captures: MANIFEST.tsv's CAPTURE rows whose summary says tshark found
QUIC ("CAPTURE: QUIC:", "TLS+QUIC...", "QUIC 0x...", "gQUIC versions") or
whose path says quic (tshark 4.0 finds no IETF QUIC handshake in some of
those: tlsscope's reading is then held against tshark's, which may be
empty). `--list` prints them. A .gz capture is decompressed into a
temporary directory first.

Each capture is read without keys; one with an NSS key log named by the
manifest (illustrated-quic) is read a second time with it. A pcapng with a
Decryption Secrets Block carries its keys: both tlsscope and tshark read
the block, so it is read once, with keys ("REL [keys]"). The comparison is quic_corpus_views.compare_quic
(handshake messages per direction and in order, both hellos, the suite,
SNI, ALPN offered and, with keys, selected, certificate serials (with keys:
QUIC carries them in Handshake packets), the session ticket's lifetime, the
QUIC version, Retry, and the packets per direction and type). Without keys
only what Initial packets carry is compared (anyone can decrypt those).
Only QUIC connections are compared: the TLS over TCP of mixed captures is
e2e/corpus_diff's. When tlsscope reports a QUIC connection tshark did not,
tshark reads the capture once more decoding that connection's server port
as QUIC (-d udp.port==N,quic), and the connection is compared with that
reading.

Reviewed disagreements (default: quic_corpus_known.tsv beside this
script): tab-separated capture (relative to the corpus; "REL [keys]" for the
reading with keys), connection (CLIENT->SERVER as printed), field (as
printed), reason. One line per disagreement: no wildcards. A line whose
disagreement is gone (or whose capture is) is stale and fails, so that the
list stays what tlsscope does today. Crashes, hangs, bad exits and tshark
failures cannot be listed.

Output: one line per unlisted disagreement or failure, then
    quic-corpus: N connections agree, M known disagreements, K failures
    quic-corpus: P passed, F failed
(P/F count captures and readings). Exit 1 when F > 0 or a reviewed line is
stale; 0 otherwise. Without the corpus: `quic-corpus: SKIPPED: ...`, exit 77.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
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
import quic_corpus_views as qv  # noqa: E402

QUIC_RE = re.compile(r"CAPTURE:\s*(?:[A-Za-z0-9]+\+)*QUIC[:+]|QUIC 0x|gQUIC versions")


def default_known() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "quic_corpus_known.tsv")


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
            if not (QUIC_RE.search(what) or "quic" in rel.lower()):
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
    out what only decryption shows), and once more decoding as QUIC the
    server ports of connections only tlsscope reported."""
    text = qv.tshark_text(cap, keylog)
    views = {label: qv.parse_views(text, kl is None) for label, (kl, sc) in runs.items()}
    ports, want = set(), set()
    for label, (kl, sc) in runs.items():
        _, _, only_sc = dc.match_views(list(views[label]), list(sc))
        ports |= {s.server[1] for s in only_sc if s.server and s.server[1]}
        want |= {s.key() for s in only_sc}
    if ports:
        text2 = qv.tshark_text(cap, keylog, ports)
        for label, (kl, sc) in runs.items():
            have = {v.key() for v in views[label]}
            for v in qv.parse_views(text2, kl is None):
                if v.key() in want and v.key() not in have:
                    v.extra["reading"] = "decode-as"
                    views[label].append(v)
            views[label].sort(key=lambda v: v.first_frame)
    return views


def check_case(corpus: str, case: Case, args, known: dc.Known) -> Result:
    res = Result()
    path = os.path.join(corpus, case.rel)
    tmp = tempfile.mkdtemp(prefix="tsc-quic-corpus.")
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
        readings = [(case.rel, None)] + ([(case.rel + " [keys]", keylog)] if keylog else [])
        if case.keys_kind == "dsb" and keylog:
            # tlsscope reads the key log of a pcapng's Decryption Secrets
            # Blocks itself, as tshark does: the capture carries its keys,
            # there is no reading without them
            readings = [(case.rel + " [keys]", keylog)]
        for label, kl in readings:
            run = dc.run_tlsscope(args.tlsscope, cap, None if case.keys_kind == "dsb" else kl,
                                  args.timeout)
            if run.status != "ok":
                first = next((l for l in run.stderr.splitlines() if l.strip()), "")
                res.lines.append(f"{label}: tlsscope: {run.status}: {run.detail} {first.strip()[:200]}")
                res.failed += 1
                res.fail_conns += 1
                continue
            runs[label] = (kl, qv.scope_views(run.conns)[0])
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
            dc.tally(res, label, qv.compare_capture(views[label], sc, keys=kl is not None), known)
            if res.fail_conns > before:
                res.failed += 1
            else:
                res.passed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def show_tshark(corpus: str, case: Case):
    """tshark's views of one capture, as compare_quic sees them."""
    tmp = tempfile.mkdtemp(prefix="tsc-quic-corpus.")
    try:
        cap = dc.unpacked(os.path.join(corpus, case.rel), tmp)
        keylog = case.key
        if case.keys_kind == "dsb":
            keylog = os.path.join(tmp, "dsb.keys")
            if corpus_decrypt.extract_dsb(cap, keylog) == 0:
                keylog = None
        text = qv.tshark_text(cap, keylog)
        for label, plain in [(case.rel, True)] + ([(case.rel + " [keys]", False)] if keylog else []):
            views = qv.parse_views(text, plain)
            print(f"{label}: {len(views)} connections")
            for v in views:
                ex = v.extra
                hs = [("c2s:" if s == v.client else "s2c:") + p for s, k, p in v.events if k == "hs"]
                print(f"  {dc.conn_label(v.client, v.server)} udp.stream {ex['stream']} "
                      f"version {ex['quic_version']} retry {ex['retry']} "
                      f"suite {dc.hexcode(ex['cipher_suite'])} "
                      f"sni {json.dumps(v.client_hello.sni if v.client_hello else None)} "
                      f"alpn {json.dumps(ex['alpn_offered'])}/{json.dumps(ex['alpn_selected'])}")
                print(f"    messages [{','.join(hs)}] certs {v.extra['certs_by_src'].get(v.server)}"
                      f" duplicates {ex['duplicates']}")
                for d, ep in (("c2s", v.client), ("s2c", v.server)):
                    print(f"    packets {d} {qv._fmt_packets(ex['packets'].get(ep, {}))}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="tlsscope against tshark on the corpus's QUIC captures.")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--known", default=default_known())
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true", help="list the captures and exit")
    ap.add_argument("--show-tshark", action="store_true",
                    help="print tshark's reading of each capture (for triage) and exit")
    a = ap.parse_args(argv)
    if not os.path.exists(os.path.join(a.corpus, "MANIFEST.tsv")):
        print(f"quic-corpus: SKIPPED: {a.corpus} not present")
        return 77
    cases = [c for c in select(a.corpus) if a.only in c.rel]
    if a.list:
        for c in cases:
            print(c.rel + (f"\t[{c.keys_kind}]" if c.keys_kind else ""))
        return 0
    if a.show_tshark:
        for c in cases:
            show_tshark(a.corpus, c)
        return 0
    if not os.path.exists(a.tlsscope):
        print(f"quic-corpus: tlsscope binary not found: {a.tlsscope}", file=sys.stderr)
        return 2
    known = dc.Known(a.known, "quic-corpus")
    broad = [e for e in known.entries if "*" in (e[0] + e[1] + e[2]) or not e[3].strip()]
    for e in broad:
        print(f"quic-corpus: {a.known}: a reviewed line names one capture, connection and "
              f"field, with its reason (no wildcards): {e[0]}\t{e[1]}\t{e[2]}")
    if broad:
        return 1
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
            print(f"quic-corpus: stale reviewed line (no such disagreement now): "
                  f"{e[0]}\t{e[1]}\t{e[2]}")
            stale += 1
    print(f"quic-corpus: {total.agree} connections agree, {total.known} known disagreements, "
          f"{total.fail_conns} failures ({len(cases)} captures, "
          f"{time.monotonic() - t0:.1f} s)")
    print(f"quic-corpus: {total.passed} passed, {total.failed + stale} failed")
    return 1 if total.failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
