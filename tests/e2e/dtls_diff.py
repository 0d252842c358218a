#!/usr/bin/env python3
"""Differential test of DTLS: tlsscope against tshark on the captures
make_dtls_captures.py made from real peers.

usage: dtls_diff.py [--tlsscope BIN] [--timeout S] [--only NAME,...] CAPTURE_DIR

For each MANIFEST.tsv row (NAME.pcap, its key log NAME.keys, the server's
port, which tshark is told to decode as DTLS), twice:

  without keys  `tlsscope read --json NAME.pcap` against tshark's reading
                of what is readable without keys;
  with keys     `tlsscope read --json --keylog NAME.keys --data=4096
                NAME.pcap` against tshark given the same key log: the
                Finished messages and the close_notify alert decrypted, each
                application_data record's bytes both ways, and tlsscope's
                decryption.status "decrypted".

Compared per connection (dtls_views.compare_dtls): handshake messages per
direction in order and their interleaving, ChangeCipherSpec, alerts, the
first ClientHello (suites, legacy version, extensions, SNI) and the
ServerHello (suite, legacy version, extensions), the server's certificate
serials, the ticket lifetime, "transport": "dtls", the negotiated version,
the cookie of each HelloVerifyRequest and ClientHello, use_srtp's profiles;
a connection only one side reports is a disagreement too. The peers did
nothing wrong, so any entry in tlsscope's "errors" fails too. There is no
reviewed list: these captures are made to be read whole.

Prints one line per disagreement
    NAME [keys]: CLIENT->SERVER: FIELD: tlsscope=... tshark=...
then `dtls-diff: N passed, M failed` (connections, each counted once per
reading). Exit 1 on any disagreement or when tlsscope crashes, hangs,
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402
import dtls_views as dv  # noqa: E402


def read_manifest(capdir: str) -> list[dict]:
    with open(os.path.join(capdir, "MANIFEST.tsv"), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def diff_row(row: dict, capdir: str, binary: str, timeout: int, out) -> tuple[int, int]:
    name = row["name"]
    pcap = os.path.join(capdir, name + ".pcap")
    keys = os.path.join(capdir, name + ".keys")
    ports = [int(row["server_port"])]
    ts_plain, ts_keyed = dv.tshark_readings(pcap, keys, ports)
    passed = failed = 0
    for label, keylog, ts, extra in (("", None, ts_plain, []),
                                     (" [keys]", keys, ts_keyed, ["--data=4096"])):
        run = dc.run_tlsscope(binary, pcap, keylog, timeout, extra)
        if run.status != "ok":
            first = next((l for l in run.stderr.splitlines() if l.strip()), "")
            out(f"{name}{label}: tlsscope: {run.status}: {run.detail} {first.strip()[:200]}")
            failed += max(1, len(ts))
            continue
        sc, other = dv.scope_views(run.conns)
        by_id = {c.get("id"): c for c in run.conns}
        for c in other:
            out(f"{name}{label}: connection {c.get('id')}: transport: "
                f"tlsscope={c.get('transport')!r} tshark=\"dtls\"")
            failed += 1
        for conn, diffs in dv.compare_capture(ts, sc, keys=bool(keylog)):
            for _, text in diffs:
                out(f"{name}{label}: {text}")
            for s in sc:
                if dc.conn_label(s.client, s.server) != conn:
                    continue
                c = by_id.get(s.extra["id"], {})
                # the peers did nothing wrong: any error is tlsscope's
                if c.get("errors"):
                    out(f"{name}{label}: {conn}: errors: tlsscope="
                        f"{json.dumps(c['errors'])[:400]} expected=[]")
                    diffs = diffs + [("errors", "")]
                # tshark decrypts all of these captures (the maker checked)
                st = (c.get("decryption") or {}).get("status")
                if keylog and st != "decrypted":
                    out(f"{name}{label}: {conn}: decryption.status: tlsscope={st!r} "
                        f"expected=\"decrypted\"")
                    diffs = diffs + [("decryption", "")]
            if diffs:
                failed += 1
            else:
                passed += 1
    return passed, failed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Compare tlsscope with tshark on DTLS captures made "
                                 "from real peers.")
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--only", default="", help="comma-separated capture names")
    ap.add_argument("capdir")
    a = ap.parse_args(argv)
    if not os.path.exists(os.path.join(a.capdir, "MANIFEST.tsv")):
        print(f"dtls-diff: SKIPPED: no {a.capdir}/MANIFEST.tsv (make_dtls_captures needs root)")
        return 77
    if not os.path.exists(a.tlsscope):
        print(f"dtls-diff: tlsscope binary not found: {a.tlsscope}", file=sys.stderr)
        return 2
    only = {x for x in a.only.split(",") if x}
    rows = [r for r in read_manifest(a.capdir) if not only or r["name"] in only]
    if not rows:
        print("dtls-diff: the manifest lists no capture", file=sys.stderr)
        return 2

    def out(line):
        print(line, flush=True)

    passed = failed = 0
    for row in rows:
        try:
            p, f = diff_row(row, a.capdir, a.tlsscope, a.timeout, out)
        except dc.ToolError as e:
            print(f"dtls-diff: {row['name']}: tshark failed: {e}", file=sys.stderr)
            print(f"dtls-diff: {passed} passed, {failed} failed")
            return 2
        passed += p
        failed += f
    print(f"dtls-diff: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
