#!/usr/bin/env python3
"""Differential test of QUIC: tlsscope against tshark on the captures
make_quic_captures.py made from real peers.

usage: quic_diff.py [--tlsscope BIN] [--known TSV] [--timeout S] [--only NAME,...]
                    CAPTURE_DIR

For each MANIFEST.tsv row (NAME.pcap, its key log NAME.keys, the server's
port, which tshark is told to decode as QUIC), twice:

  without keys  `tlsscope read --json NAME.pcap` against tshark's reading
                (both open the Initial packets: ClientHello, ServerHello);
  with keys     `tlsscope read --json --keylog NAME.keys --data=4096
                NAME.pcap` against tshark given the same key log: the
                Handshake, 0-RTT and 1-RTT packets open, the rest of the
                handshake appears, every STREAM frame's bytes are compared,
                and tlsscope's decryption.status is "decrypted" where both
                Finished messages were read.

Compared per QUIC connection (quic_views.compare_quic): handshake messages
per direction in order and their interleaving, both hellos, the suite, the
server name, the certificate serials, the ticket lifetime, "transport":
"quic", the QUIC version, the original Destination Connection ID, the
Source Connection IDs, Retry, the packets per type and direction, the
packets that did not open, key updates, frames per type, the STREAM
frames (with keys: stream, offset, FIN, bytes), ALPN offered and (with
keys) selected; a connection only one side reports is a disagreement
too. The peers did nothing wrong, so any entry in tlsscope's "errors" is a
disagreement as well.

A disagreement is reviewed when --known (default
tests/e2e/quic_known_disagreements.tsv) has its line: capture (NAME, or
NAME+keys for the reading with keys), connection (#N, the Nth QUIC
connection of the capture in tshark's order: client ports change from run
to run), field (as printed), reason. A line no disagreement needs fails
the test too (what it excused went away: the line should go).

Prints one line per disagreement
    NAME[+keys]: #N CLIENT->SERVER: FIELD: tlsscope=... tshark=...
(reviewed ones prefixed "known: "), then `quic-diff: N passed, K known,
M failed` (connections, each counted once per reading). Exit 1 on an
unreviewed disagreement, an unused line, or when tlsscope crashes, hangs,
exits non-zero or prints something that is not JSON Lines; 2 when tshark
fails; 77 when CAPTURE_DIR has no MANIFEST.tsv (the capture fixture was
skipped: it needs root).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import difflib_common as dc  # noqa: E402
import quic_views as qv  # noqa: E402

NAME = "quic-diff"


def read_manifest(capdir: str) -> list[dict]:
    with open(os.path.join(capdir, "MANIFEST.tsv"), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def diff_reading(pcap: str, keylog: str | None, ts: list, binary: str,
                 timeout: int) -> list:
    """[(connection "#N", label, [(field, text)])] for one reading of one
    capture; a tlsscope failure is one entry with field "tlsscope"."""
    run = dc.run_tlsscope(binary, pcap, keylog, timeout, ["--data=4096"] if keylog else [])
    if run.status != "ok":
        first = next((l for l in run.stderr.splitlines() if l.strip()), "")
        return [("*", "", [("tlsscope", f"tlsscope: {run.status}: {run.detail} "
                                        f"{first.strip()[:200]}")])]
    sc, other = qv.scope_views(run.conns)
    by_id = {c.get("id"): c for c in run.conns}
    out = []
    for c in other:
        out.append(("*", "", [("transport", f"connection {c.get('id')}: transport: "
                                            f"tlsscope={c.get('transport')!r} tshark=\"quic\"")]))
    for number, label, diffs, t, s in qv.compare_capture(ts, sc, keys=bool(keylog)):
        diffs = list(diffs)
        c = by_id.get(s.extra["id"], {}) if s is not None else {}
        if c.get("errors"):
            diffs.append(("errors", f"{label}: errors: tlsscope="
                                    f"{json.dumps(c['errors'])[:400]} expected=[]"))
        fins = sorted(("c2s" if e[0] == t.client else "s2c") for e in (t.events if t else [])
                      if e[1] == "hs" and e[2] == "finished")
        st = (c.get("decryption") or {}).get("status")
        if s is not None and keylog and fins == ["c2s", "s2c"] and st != "decrypted":
            diffs.append(("decryption.status", f"{label}: decryption.status: "
                                               f"tlsscope={st!r} expected=\"decrypted\""))
        out.append((number, label, diffs))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Compare tlsscope with tshark on QUIC captures "
                                 "made from real peers.")
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--known", default=os.path.join(HERE, "quic_known_disagreements.tsv"))
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--only", default="", help="comma-separated capture names")
    ap.add_argument("capdir")
    a = ap.parse_args(argv)
    if not os.path.exists(os.path.join(a.capdir, "MANIFEST.tsv")):
        print(f"{NAME}: SKIPPED: no {a.capdir}/MANIFEST.tsv (make_quic_captures needs root)")
        return 77
    if not os.path.exists(a.tlsscope):
        print(f"{NAME}: tlsscope binary not found: {a.tlsscope}", file=sys.stderr)
        return 2
    only = {x for x in a.only.split(",") if x}
    rows = [r for r in read_manifest(a.capdir) if not only or r["name"] in only]
    if not rows:
        print(f"{NAME}: the manifest lists no capture", file=sys.stderr)
        return 2
    known = dc.Known(a.known, NAME)
    passed = nknown = failed = 0
    for row in rows:
        name = row["name"]
        pcap = os.path.join(a.capdir, name + ".pcap")
        keys = os.path.join(a.capdir, name + ".keys")
        ports = [int(row["server_port"])]
        try:
            readings = ((name, None, qv.tshark_views(pcap, None, ports)),
                        (name + "+keys", keys, qv.tshark_views(pcap, keys, ports)))
        except dc.ToolError as e:
            print(f"{NAME}: {name}: tshark failed: {e}", file=sys.stderr)
            print(f"{NAME}: {passed} passed, {nknown} known, {failed} failed")
            return 2
        for cap, keylog, ts in readings:
            for conn, label, diffs in diff_reading(pcap, keylog, ts, a.tlsscope,
                                                   a.timeout):
                all_known = True
                for fld, text in diffs:
                    if known.lookup(cap, conn, fld):
                        print(f"known: {cap}: {conn} {text}")
                    else:
                        print(f"{cap}: {conn} {text}")
                        all_known = False
                if not diffs:
                    passed += 1
                elif all_known:
                    nknown += 1
                else:
                    failed += 1
    names = {r["name"] for r in rows}
    stale = [e for e in known.unused() if e[0].split("+")[0] in names]
    for e in stale:
        print(f"{NAME}: {a.known}: no disagreement needs: {e[0]}\t{e[1]}\t{e[2]}")
    print(f"{NAME}: {passed} passed, {nknown} known, {failed} failed")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
