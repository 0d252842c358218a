#!/usr/bin/env python3
"""The findings rules on real weak peers: for each capture made by
tests/e2e/make_weak_captures.sh, the rules that must fire and those that must
not, read from the `findings` field of `tlsscope read --json`
([{"id","severity","title","detail"}], docs/findings.md).

  findings_test.py --tlsscope BIN --captures DIR [-v] [--only SUBSTR]

Each capture has one connection (EXPECT below). Its check passes when every
rule of `fire` is there (with the severity of the rule table and, where
given, a detail matching `detail`), and no other rule of ALL_RULES is; a
finding with an id this script does not know fails too (a new rule must be
added here, with what it means for each capture). A capture listed in
DIR/SKIPPED.tsv (its peer is not installed) is skipped and said so.

Until tlsscope's JSON carries the `findings` field, the test prints
`findings: SKIPPED: tlsscope has no findings field yet` and exits 0. Without
DIR/MANIFEST.tsv (no weak captures: they need root) it says so and exits 77.
The last line is `findings: N passed, M failed`; the exit status is 1 when
M > 0. Python 3.11 standard library.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difflib_common import run_tlsscope  # noqa: E402

# The rule table (src/analysis/findings.c, docs/findings.md): id -> severity.
ALL_RULES = {
    "sslv2-negotiated": "high",
    "sslv3-negotiated": "high",
    "null-cipher-negotiated": "high",
    "anonymous-suite-negotiated": "high",
    "export-suite-negotiated": "high",
    "rc4-negotiated": "high",
    "des-negotiated": "high",
    "cert-expired": "high",
    "cert-not-yet-valid": "high",
    "cert-name-mismatch": "high",
    "cert-md5-signature": "high",
    "tls10-negotiated": "medium",
    "tls11-negotiated": "medium",
    "3des-negotiated": "medium",
    "no-forward-secrecy": "medium",
    "compression-negotiated": "medium",
    "no-secure-renegotiation": "medium",
    "weak-dh-group": "medium",
    "weak-ecdhe-curve": "medium",
    "cert-self-signed": "medium",
    "cert-weak-rsa-key": "medium",
    "cert-sha1-signature": "medium",
    "cbc-sha1-negotiated": "low",
    "no-extended-master-secret": "low",
    "sslv2-client-hello": "low",
    "null-cipher-offered": "low",
    "anonymous-suite-offered": "low",
    "export-suite-offered": "low",
    "rc4-offered": "low",
    "des-offered": "low",
    "compression-offered": "low",
    "heartbeat-offered": "low",
    "ticket-lifetime-over-7-days": "low",
    "cert-validity-over-398-days": "low",
    "3des-offered": "info",
    "fatal-alert": "info",
}

# capture -> rules that must fire, with an optional regex for the detail.
# Every other rule of ALL_RULES must not fire.
EXPECT: dict[str, dict[str, str | None]] = {
    "good-tls13": {},
    "good-tls12": {},
    "tls10": {"tls10-negotiated": None,
              "cbc-sha1-negotiated": r"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA \(0xc013\)"},
    "tls11": {"tls11-negotiated": None, "cbc-sha1-negotiated": None},
    "rc4": {"rc4-negotiated": r"TLS_ECDHE_RSA_WITH_RC4_128_SHA \(0xc011\)"},
    "3des": {"3des-negotiated": r"0xc012", "cbc-sha1-negotiated": None},
    "null": {"null-cipher-negotiated": r"TLS_ECDHE_RSA_WITH_NULL_SHA \(0xc010\)"},
    "anon": {"anonymous-suite-negotiated": r"TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
             "cbc-sha1-negotiated": None},
    "static-rsa": {"no-forward-secrecy": r"^key exchange RSA: .*\(0x009c\)$"},
    "cbc-sha1": {"cbc-sha1-negotiated": None},
    "weak-offer": {"rc4-offered": r"the server chose another suite",
                   "3des-offered": None, "null-cipher-offered": None,
                   "anonymous-suite-offered": None},
    "no-ems": {"no-extended-master-secret": r"^TLS 1\.2$"},
    "no-reneg": {"no-secure-renegotiation": r"neither side signalled it"},
    "heartbeat": {"heartbeat-offered": None},
    "cert-expired": {"cert-expired": r"^leaf \(test\.example\): not after 2021-01-01T00:00:00Z, \d+ days before"},
    "cert-not-yet-valid": {"cert-not-yet-valid": r"^leaf \(test\.example\): not before 2099-01-01T00:00:00Z"},
    "cert-self-signed": {"cert-self-signed": r"^leaf \(test\.example\)$"},
    "sni-mismatch": {"cert-name-mismatch": r"^SNI other\.example not in DNS:test\.example, DNS:localhost$"},
    "cert-rsa1024": {"cert-weak-rsa-key": r"RSA 1024 bits$"},
    "cert-sha1": {"cert-sha1-signature": r"sha1WithRSAEncryption$"},
    "cert-md5": {"cert-md5-signature": r"md5WithRSAEncryption$"},
    "cert-long-validity": {"cert-validity-over-398-days": r"^825 days"},
    "weak-dh": {"weak-dh-group": r"^DH (1024|1536) bits$"},
    "weak-curve": {"weak-ecdhe-curve": r"^secp192r1 \(0x0013\)$"},
    "ticket-lifetime": {"ticket-lifetime-over-7-days": r"^lifetime 864000 s"},
    "fatal-alert": {"fatal-alert": r"^handshake_failure \(40\) from the server$"},
}


def read_tsv(path: str) -> list[dict[str, str]]:
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def check_capture(name: str, conns: list, verbose: bool) -> list[str]:
    """Problems with one capture's findings ([] when it passes)."""
    problems = []
    if len(conns) != 1:
        return [f"{len(conns)} connections, expected 1"]
    findings = conns[0].get("findings")
    if not isinstance(findings, list):
        return ["`findings` is not a list"]
    seen: dict[str, dict] = {}
    for f in findings:
        if not isinstance(f, dict) or not isinstance(f.get("id"), str):
            problems.append(f"malformed finding {f!r}")
            continue
        for key in ("severity", "title", "detail"):
            if not isinstance(f.get(key), str):
                problems.append(f"{f['id']}: `{key}` missing or not a string")
        if f["id"] in seen:
            problems.append(f"{f['id']} reported twice")
        seen[f["id"]] = f
    if verbose:
        for f in findings:
            print(f"  {name}: {f.get('severity')} {f.get('id')}: {f.get('detail')}")
    want = EXPECT[name]
    for rid, pattern in want.items():
        f = seen.get(rid)
        if f is None:
            problems.append(f"{rid} did not fire")
            continue
        if f.get("severity") != ALL_RULES[rid]:
            problems.append(f"{rid}: severity {f.get('severity')!r}, table says {ALL_RULES[rid]!r}")
        if pattern and not re.search(pattern, f.get("detail") or ""):
            problems.append(f"{rid}: detail {f.get('detail')!r} does not match /{pattern}/")
    for rid, f in seen.items():
        if rid in want:
            continue
        if rid not in ALL_RULES:
            problems.append(f"unknown rule {rid} fired ({f.get('detail')!r}): add it to ALL_RULES/EXPECT")
        else:
            problems.append(f"{rid} fired but must not ({f.get('detail')!r})")
    # most severe first
    order = {"high": 3, "medium": 2, "low": 1, "info": 0}
    sev = [order.get(f.get("severity"), -1) for f in findings if isinstance(f, dict)]
    if sev != sorted(sev, reverse=True):
        problems.append(f"findings not ordered by severity: {[f.get('id') for f in findings]}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    manifest = read_tsv(os.path.join(a.captures, "MANIFEST.tsv"))
    if not manifest:
        print(f"findings: SKIPPED: no weak captures in {a.captures} "
              "(tests/e2e/make_weak_captures.sh makes them, as root)")
        return 77
    made = {row["name"] for row in manifest}
    skipped = {row["name"]: row.get("reason", "") for row in
               read_tsv(os.path.join(a.captures, "SKIPPED.tsv"))}

    field_seen = False
    results = []  # (name, problems before judging, connections)
    for name in EXPECT:
        if a.only and a.only not in name:
            continue
        if name in skipped:
            print(f"findings: {name}: skipped ({skipped[name]})")
            continue
        if name not in made:
            results.append((name, ["capture missing from MANIFEST.tsv"], []))
            continue
        run = run_tlsscope(a.tlsscope, os.path.join(a.captures, name + ".pcap"))
        if run.status != "ok":
            results.append((name, [f"tlsscope {run.status}: {run.detail} {run.stderr.strip()[:200]}"], []))
            continue
        field_seen = field_seen or any("findings" in c for c in run.conns)
        results.append((name, [], run.conns))

    if not field_seen:
        for name, problems, _ in results:
            for p in problems:
                print(f"findings: note: {name}: {p}")
        print("findings: SKIPPED: tlsscope has no findings field yet")
        return 0

    passed = failed = 0
    for name, problems, conns in results:
        if not problems:
            problems = check_capture(name, conns, a.verbose)
        if problems:
            failed += 1
            print(f"findings: FAIL {name}")
            for p in problems:
                print(f"    {p}")
        else:
            passed += 1
            if a.verbose:
                print(f"findings: ok   {name}")
    print(f"findings: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
