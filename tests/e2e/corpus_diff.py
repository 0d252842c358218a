#!/usr/bin/env python3
"""Differential test of tlsscope's Client/ServerHello reading over the public
capture corpus (../shared/corpus, see its README.md).

usage: corpus_diff.py --corpus DIR [--tlsscope BIN] [--known FILE] [-j N]
                      [--timeout S] [--only SUBSTRING] [-v]

Captures are the MANIFEST.tsv rows whose last column is a CAPTURE: summary
(some carry a "[copy of ...]" note before it).  tshark's reading comes from
the precomputed _derived/tshark-4.0.17_hello_fields.tsv (one row per frame
holding a ClientHello or ServerHello, default preferences) so tshark does not
have to run 747 times.  Where that file is not enough, tshark is run on the
capture (same invocation as tshark_diff.py) and its reading replaces the
file's for that whole capture:
  * a frame with several hellos: the columns are comma-joined with no way to
    tell which value belongs to which message (e.g. wireshark's
    tls-fragmented-handshakes, 10 ClientHellos per stream);
  * an SSLv2-format ClientHello: the file has no cipher specs for it.

Only TCP connections are compared: tlsscope reads TLS over TCP, so the DTLS
(udp) and QUIC (udp/quic) rows of the file are out of scope.  A connection is
in scope when tshark saw a Client or ServerHello on it, or when tlsscope
reports a client_hello or server_hello for it.

Per connection: offered suites, selected suite, SNI, legacy versions,
supported_versions, extension code lists of both hellos, hello_retry (JA3
is not compared yet).

tlsscope runs once per capture, -j at a time (default 2), with a 30 s
timeout.  Failures: a crash (signal), a hang, output that is not JSON Lines,
a non-zero exit other than exit 1 with a `tlsscope: FILE: reason` message on
a capture that libpcap cannot read (checked with libpcap itself), and any
disagreement not listed in the known-disagreements file.

Known disagreements (default: corpus_known_disagreements.tsv beside this
script): tab-separated  capture (relative to the corpus)  connection
(CLIENT->SERVER as printed, or *)  field (as printed, or *)  reason.
Lines starting with # are comments.  Listed entries that no longer occur
are reported as notes (not failures).

Output: one line per unlisted disagreement or failure, then
    corpus-diff: N connections agree, M known disagreements, K failures
    corpus-diff: P passed, F failed
where N/M count connections, K counts failing connections plus captures
tlsscope failed on, and P/F count captures.  Exit 1 when F > 0.
If DIR does not exist: `corpus-diff: SKIPPED: DIR not present`, exit 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import os
import re
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

HELLO_TSV = os.path.join("_derived", "tshark-4.0.17_hello_fields.tsv")

# A frame holding several hellos cannot be split; see module doc.
TSV_COLUMNS = ("local_path", "frame", "transport", "stream", "src", "dst_port",
               "msg", "record_version", "hs_version", "supported_versions",
               "cipher_suites", "n_cipher_suites", "extensions", "sni",
               "ja3", "ja3s")


def default_known() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "corpus_known_disagreements.tsv")


# --------------------------------------------------------------------------
# corpus files

def read_hello_tsv(corpus: str) -> dict[str, list[dict]]:
    """local_path -> TCP rows of the derived tshark hello file."""
    rows: dict[str, list[dict]] = {}
    path = os.path.join(corpus, HELLO_TSV)
    with open(path, encoding="utf-8") as f:
        header = None
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                missing = set(TSV_COLUMNS) - set(header)
                if missing:
                    raise SystemExit(f"corpus-diff: {path}: missing columns "
                                     + ",".join(sorted(missing)))
                continue
            r = dict(zip(header, cols))
            # DTLS ("udp") and QUIC ("udp/quic") are out of scope: tlsscope
            # reads TLS over TCP only.
            if r.get("transport") != "tcp":
                continue
            rows.setdefault(r["local_path"], []).append(r)
    return rows


def _split(s: str) -> list[str]:
    return [x for x in s.split(",") if x != ""] if s else []


def _ints(s: str) -> list[int]:
    return [dc._int(x) for x in _split(s)]


def _endpoint(s: str):
    """"10.0.0.1:443" / "2001:db8::1:443" -> (ip, port).

    Tunnelled traffic has every ip.src of the frame comma-joined
    ("outer,inner:port"); the innermost one is last."""
    ip, _, port = s.rpartition(":")
    ip = ip.split(",")[-1]
    return (dc.norm_ip(ip), dc._int(port))


def _row_needs_tshark(r: dict) -> bool:
    hs = _split(r.get("hs_version", ""))
    if len(hs) != 1:
        return True     # several hellos in the frame (or none parsed)
    rv = _split(r.get("record_version", ""))
    if r["msg"] == "CH" and rv and rv[0] == "0x0002":
        return True     # SSLv2-format ClientHello: no cipher specs in the file
    return False


def _is_tls13ish(versions: list[int]) -> bool:
    return any(v == 0x0304 or (v is not None and (v >> 8) == 0x7f) for v in versions)


def views_from_tsv(rows: list[dict]) -> tuple[list[dc.ConnView], bool]:
    """Build hello-only views from the file.  Returns (views, needs_tshark)."""
    streams: dict[int, list[dict]] = {}
    order = []
    for r in rows:
        s = int(r["stream"])
        if s not in streams:
            streams[s] = []
            order.append(s)
        streams[s].append(r)
    views = []
    for s in order:
        rs = sorted(streams[s], key=lambda r: int(r["frame"]))
        chs = [r for r in rs if r["msg"] == "CH"]
        shs = [r for r in rs if r["msg"] == "SH"]
        first_ch = chs[0] if chs else None
        if first_ch is not None and _row_needs_tshark(first_ch):
            return [], True
        # A ServerHello followed by another ClientHello in the stream is a
        # HelloRetryRequest (the file has no random to check the HRR value).
        real_sh, hrr = None, False
        for r in shs:
            later_ch = any(int(c["frame"]) > int(r["frame"]) for c in chs)
            if later_ch and _is_tls13ish(_ints(r["supported_versions"])):
                hrr = True
                continue
            real_sh = r
            break
        if real_sh is not None and _row_needs_tshark(real_sh):
            return [], True
        if first_ch is not None:
            client = _endpoint(first_ch["src"])
            server_ip = _endpoint(shs[0]["src"])[0] if shs else None
            server = (server_ip, dc._int(first_ch["dst_port"]))
        elif shs:
            server = _endpoint(shs[0]["src"])
            client = (None, dc._int(shs[0]["dst_port"]))
        else:
            continue
        v = dc.ConnView(a=client, b=server, client=client if first_ch else None,
                        first_frame=int(rs[0]["frame"]))
        v.extra["stream"] = s
        v.hello_retry = hrr
        # the file holds hellos only
        v.unknown = {"handshake", "handshake_order", "ccs", "alerts",
                     "certificates", "ticket_lifetime"}
        if first_ch is not None:
            v.client_hello = dc.Hello(
                legacy_version=dc._int(first_ch["hs_version"]),
                suites=_ints(first_ch["cipher_suites"]),
                extensions=_ints(first_ch["extensions"]),
                sni=first_ch["sni"] or None,
                supported_versions=_ints(first_ch["supported_versions"]) or None)
        if real_sh is not None:
            rv = _split(real_sh.get("record_version", ""))
            sslv2 = bool(rv) and rv[0] == "0x0002"
            v.server_hello = dc.Hello(
                legacy_version=dc._int(real_sh["hs_version"]),
                suite=dc._int(real_sh["cipher_suites"]),
                extensions=None if sslv2 else _ints(real_sh["extensions"]),
                supported_versions=_ints(real_sh["supported_versions"]) or None,
                sslv2=sslv2)
        views.append(v)
    return views, False


# --------------------------------------------------------------------------
# matching with partial endpoints (the file lacks the server IP when there
# is no ServerHello, and the client IP when there is no ClientHello)

def _ep_match(p, q) -> bool:
    return p[1] == q[1] and (p[0] is None or q[0] is None or p[0] == q[0])


def match_partial(ts: list[dc.ConnView], sc: list[dc.ConnView]):
    full = [v for v in ts if v.a[0] is not None and v.b[0] is not None]
    part = [v for v in ts if not (v.a[0] is not None and v.b[0] is not None)]
    pairs, left_ts, left_sc = dc.match_views(full, sc)
    left_ts += part
    left_ts.sort(key=lambda v: v.first_frame)
    still_ts = []
    for t in left_ts:
        hit = None
        for s in left_sc:
            if (_ep_match(t.a, s.a) and _ep_match(t.b, s.b)) or \
               (_ep_match(t.a, s.b) and _ep_match(t.b, s.a)):
                hit = s
                break
        if hit is None:
            still_ts.append(t)
        else:
            left_sc.remove(hit)
            pairs.append((t, hit))
    return pairs, still_ts, left_sc


# --------------------------------------------------------------------------
# known disagreements

# --------------------------------------------------------------------------

class CaptureResult:
    def __init__(self, capture):
        self.capture = capture
        self.lines = []         # unlisted disagreements / failures
        self.known_lines = []
        self.agree = 0
        self.known = 0
        self.fail_conns = 0
        self.fail_capture = False
        self.note = ""
        self.live_tshark = False


def check_capture(corpus, rel, rows, binary, timeout, known: dc.Known) -> CaptureResult:
    path = os.path.join(corpus, rel)
    return judge_run(corpus, rel, rows, dc.run_tlsscope(binary, path, None, timeout), known)


def judge_run(corpus, rel, rows, run: dc.ScopeRun, known: dc.Known,
              live: dict | None = None) -> CaptureResult:
    """tlsscope's reading of one capture (a judged run) against tshark's:
    the derived file's rows first, tshark itself where they are not enough.
    live, a dict kept by the caller, holds tshark's reading between calls on
    the same capture (jobs.py judges several outputs of one capture)."""
    res = CaptureResult(rel)
    path = os.path.join(corpus, rel)
    # tshark's rows here are TLS over TCP; DTLS connections are judged
    # against tshark's DTLS reading by dtls_corpus.py
    run.conns = [c for c in run.conns if c.get("transport", "tcp") == "tcp"]

    if run.status != "ok":
        first = next((l.strip() for l in run.stderr.splitlines() if l.strip()), "")
        if run.status == "exit" and run.returncode == 1 and \
                dc.clear_error_message(run.stderr, path):
            readable, why = dc.libpcap_reads(path)
            if readable is False:
                res.note = f"unreadable, accepted: {first[:160]} (libpcap: {why})"
                return res
            res.lines.append(f"{rel}: tlsscope: exit 1 on a capture libpcap "
                             f"reads: {first[:200]}")
        else:
            res.lines.append(f"{rel}: tlsscope: {run.status}: {run.detail}"
                             + (f" ({first[:200]})" if first else ""))
        res.fail_capture = True
        return res

    sc = [dc.tlsscope_view(c) for c in run.conns]
    sc = [v for v in sc if v.client_hello is not None or v.server_hello is not None]

    # Fast path: the precomputed file.  Any disagreement found that way is
    # re-checked against tshark run on the capture (same preferences as
    # tshark_diff.py, out-of-order reassembly on), whose reading is what gets
    # reported: the file was made with default preferences (no out-of-order
    # reassembly), records ip.src only (wrong for 6in4), cannot recognise an
    # HRR that ends the capture, and so on.
    diffs = None
    ts, needs = views_from_tsv(rows)
    if not needs:
        diffs = diff_views(ts, sc)
    if needs or diffs:
        res.live_tshark = True
        if live is not None and "views" in live:
            ts = live["views"]
        else:
            try:
                ts = [v for v in dc.tshark_views(path)
                      if v.client_hello is not None or v.server_hello is not None]
            except dc.ToolError as e:
                res.lines.append(f"{rel}: tshark failed (set-up problem): {e}")
                res.fail_capture = True
                return res
            if live is not None:
                live["views"] = ts
        diffs = diff_views(ts, sc)

    dc.tally(res, rel, diffs, known)
    return res


def diff_views(ts, sc):
    """One (conn_label, [(field, text), ...]) per connection, the list empty
    when the connection agrees; text is the report line without the capture
    prefix.  The result is false when no connection disagrees."""
    out = []
    pairs, only_ts, only_sc = match_partial(ts, sc)
    for t, s in pairs:
        label = dc.conn_label(s.client, s.server)
        out.append((label, [(f, f"{label}: {f}: tlsscope={a} tshark={b}")
                            for f, a, b in dc.compare_views(t, s, dc.HELLO_FIELDS)]))
    for s in only_sc:
        label = dc.conn_label(s.client, s.server)
        out.append((label, [("connection",
                             f"{label}: connection: tlsscope=present tshark=absent")]))
    for t in only_ts:
        label = dc.conn_label(t.client or t.a, t.server or t.b)
        out.append((label, [("connection",
                             f"{label}: connection: tlsscope=absent tshark=present")]))
    return DiffList(out)


class DiffList(list):
    def __bool__(self):
        return any(d for _, d in self)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Compare tlsscope's hellos with tshark's over the public corpus.")
    ap.add_argument("--corpus", required=True, help="corpus directory")
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--known", default=default_known(),
                    help="known-disagreements TSV")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=30,
                    help="seconds per tlsscope run (default 30)")
    ap.add_argument("--only", action="append", default=[],
                    help="only captures whose path contains this (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print known disagreements and notes")
    args = ap.parse_args(argv)

    if not os.path.isdir(args.corpus):
        print(f"corpus-diff: SKIPPED: {args.corpus} not present")
        return 0
    if not os.path.exists(args.tlsscope):
        print(f"corpus-diff: tlsscope binary not found: {args.tlsscope}",
              file=sys.stderr)
        return 2

    t0 = time.monotonic()
    caps = dc.corpus_captures(args.corpus)
    if args.only:
        caps = [c for c in caps if any(o in c for o in args.only)]
    rows = read_hello_tsv(args.corpus)
    known = dc.Known(args.known, "corpus-diff")

    results: list[CaptureResult] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(check_capture, args.corpus, c, rows.get(c, []),
                          args.tlsscope, args.timeout, known) for c in caps]
        for fu in futs:         # manifest order, so output is deterministic
            r = fu.result()
            results.append(r)
            for l in r.lines:
                print(l, flush=True)
            if args.verbose:
                for l in r.known_lines:
                    print("known: " + l)
                if r.note:
                    print(f"note: {r.capture}: {r.note}")

    if not args.only:
        for e in known.unused():
            print(f"note: known disagreement no longer seen: "
                  f"{e[0]}\t{e[1]}\t{e[2]}", file=sys.stderr)

    agree = sum(r.agree for r in results)
    nknown = sum(r.known for r in results)
    failures = sum(r.fail_conns + (1 if r.fail_capture else 0) for r in results)
    failed_caps = sum(1 for r in results if r.fail_conns or r.fail_capture)
    live = sum(1 for r in results if r.live_tshark)
    if args.verbose:
        print(f"corpus-diff: {len(results)} captures, tshark run live on {live}, "
              f"{time.monotonic() - t0:.1f}s")
    print(f"corpus-diff: {agree} connections agree, {nknown} known "
          f"disagreements, {failures} failures")
    print(f"corpus-diff: {len(results) - failed_caps} passed, {failed_caps} failed")
    return 1 if failed_caps else 0


if __name__ == "__main__":
    sys.exit(main())
