#!/usr/bin/env python3
"""Differential test: tlsscope's reading of captures against tshark's.

usage: tshark_diff.py [--tlsscope BIN] [--keylog K] [--timeout S]
                      [--skip FIELD[,FIELD...]] [--ignore-appdata-only]
                      CAPTURE...

For each capture, runs `tlsscope read --json CAPTURE` once (with
`--keylog K` when given and `tlsscope read --help` lists that option) and
tshark once (-T json, TCP/TLS reassembly on; a second time with
tcp.reassemble_out_of_order on only when tshark flags reordered or
retransmitted segments, see difflib_common.TSHARK_PREFS for why), groups
tshark's records per TCP stream, pairs the connections with tlsscope's by
endpoint pair (in order of first packet when a pair repeats) and compares,
connection by connection:

  handshake c2s / s2c   plaintext handshake message types in wire order per
                        direction (tlsscope "encrypted_handshake" entries and
                        tshark's "Encrypted Handshake Message" are ignored)
  handshake order       the interleaving of both directions (only reported
                        when the per-direction lists agree)
  change_cipher_spec    count per direction
  alerts                plaintext alerts (dir, level, description) in order
  client_hello.*        first ClientHello: offered suites in wire order,
                        legacy_version, extension codes in order,
                        supported_versions, SNI
  server_hello.*        first ServerHello that is not a HelloRetryRequest:
                        selected suite (tlsscope's top-level cipher_suite),
                        legacy_version, extension codes, supported_versions
  hello_retry           an RFC 8446 HRR (type 2 + HRR random) or draft type 6
  certificates.serial   first server Certificate message, in wire order
  session_ticket.lifetime_hint   first NewSessionTicket from the server
  connections           connections only one tool reports

Prints one line per disagreement
    CAPTURE: CLIENT->SERVER: FIELD: tlsscope=... tshark=...
then `tshark-diff: N passed, M failed` (N/M count connections; a connection
only one side reports, or every connection of a capture tlsscope could not
read, counts as failed).  Exit status 1 on any disagreement, if tlsscope
dies on a signal, exits non-zero, prints something that is not JSON Lines,
or takes longer than --timeout (60 s); 0 otherwise.  Exit 2 when tshark
itself fails (a broken test set-up, not a tlsscope result).

tshark's view is "what tshark 4.0 dissects": TLS on a port no dissector
claims is found by tshark's TLS heuristic, STARTTLS only where tshark's
SMTP/IMAP/POP/FTP/XMPP/LDAP/MySQL/PostgreSQL dissectors follow the upgrade
(not IRC, not RDP's X.224 switch, not TLS on port 80).  TLS that tshark finds
outside TCP (EAP-TLS, DTLS, QUIC) is ignored.

Only what is readable without keys is compared (unless both tools get
--keylog): tshark decrypts on its own when a pcapng carries a Decryption
Secrets Block, so handshake messages and alert contents it could only have
decrypted (after the sender's ChangeCipherSpec in TLS <= 1.2, records with
an opaque outer type in TLS 1.3) are dropped from its side.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402


def diff_capture(capture, binary, keylog, scope_keylog, timeout, fields, out,
                 ignore_appdata_only=False):
    """Compare one capture.  Returns (passed, failed) connection counts."""
    run = dc.run_tlsscope(binary, capture, scope_keylog, timeout)
    try:
        # with keys on both sides compare everything tshark decrypts;
        # otherwise only what is readable without keys
        ts = dc.tshark_views(capture, keylog if scope_keylog else None,
                             plaintext_only=not scope_keylog)
    except dc.ToolError as e:
        print(f"{capture}: tshark failed: {e}", file=sys.stderr)
        raise
    if run.status != "ok":
        msg = run.detail
        first = next((l for l in run.stderr.splitlines() if l.strip()), "")
        if first:
            msg += f" ({first.strip()[:200]})"
        out(f"{capture}: tlsscope: {run.status}: {msg}")
        return 0, max(1, len(ts))

    sc = [dc.tlsscope_view(c) for c in run.conns]
    passed = failed = 0
    if ignore_appdata_only:
        n_ts = sum(1 for t in ts
                   if any(e[1] in ("hs", "ccs", "alert") for e in t.events))
        n_sc = len(sc)
    else:
        n_ts, n_sc = len(ts), len(sc)
    if n_sc != n_ts and not (ignore_appdata_only and n_sc >= n_ts):
        out(f"{capture}: connections: tlsscope={len(sc)} tshark={len(ts)}")
    pairs, only_ts, only_sc = dc.match_views(ts, sc)
    # report in tlsscope's order
    for t, s in pairs:
        label = dc.conn_label(s.client, s.server)
        diffs = list(dc.compare_views(t, s, fields))
        for f, a, b in diffs:
            out(f"{capture}: {label}: {f}: tlsscope={a} tshark={b}")
        if diffs:
            failed += 1
        else:
            passed += 1
    for s in only_sc:
        out(f"{capture}: {dc.conn_label(s.client, s.server)}: connection: "
            f"tlsscope=present tshark=absent")
        failed += 1
    for t in only_ts:
        appdata_only = not any(e[1] in ("hs", "ccs", "alert") for e in t.events)
        if appdata_only and ignore_appdata_only:
            continue
        what = "application data only" if appdata_only else "handshake seen"
        out(f"{capture}: {dc.conn_label(t.client or t.a, t.server or t.b)}: "
            f"connection: tlsscope=absent tshark=present "
            f"(tcp.stream {t.extra.get('stream')}, {what})")
        failed += 1
    return passed, failed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Compare tlsscope read --json against tshark, per TLS connection.")
    ap.add_argument("--tlsscope", default=dc.default_tlsscope(),
                    help="tlsscope binary (default: $TLSSCOPE or build/tlsscope)")
    ap.add_argument("--keylog", help="NSS key log given to both tools")
    ap.add_argument("--timeout", type=int, default=60,
                    help="seconds allowed per tlsscope run (default 60)")
    ap.add_argument("--skip", default="",
                    help="comma-separated fields not to compare: "
                    + ",".join(dc.ALL_FIELDS))
    ap.add_argument("--ignore-appdata-only", action="store_true",
                    help="do not require tlsscope to report TCP streams where "
                    "tshark saw only application data records (no handshake, "
                    "CCS or alert: a capture that starts mid-connection)")
    ap.add_argument("captures", nargs="+", metavar="CAPTURE")
    args = ap.parse_args(argv)

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    bad = skip - set(dc.ALL_FIELDS)
    if bad:
        ap.error("unknown field(s) for --skip: " + ",".join(sorted(bad)))
    fields = tuple(f for f in dc.ALL_FIELDS if f not in skip)
    if not os.path.exists(args.tlsscope):
        print(f"tshark-diff: tlsscope binary not found: {args.tlsscope}",
              file=sys.stderr)
        return 2

    scope_keylog = args.keylog
    if args.keylog and not dc.tlsscope_has_option(args.tlsscope, "--keylog"):
        print("tshark-diff: note: tlsscope read has no --keylog option; "
              "comparing only what is readable without keys", file=sys.stderr)
        scope_keylog = None

    def out(line):
        print(line, flush=True)

    total_p = total_f = 0
    for cap in args.captures:
        try:
            p, f = diff_capture(cap, args.tlsscope, args.keylog, scope_keylog,
                                args.timeout, fields, out,
                                args.ignore_appdata_only)
        except dc.ToolError:
            print(f"tshark-diff: {total_p} passed, {total_f} failed")
            return 2
        total_p += p
        total_f += f
    print(f"tshark-diff: {total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
