#!/usr/bin/env python3
"""EVE against suricata-verify: `tlsscope read --format eve` held against
what Suricata's own regression tests expect of its tls events.

usage: eve_diff.py --corpus DIR [--tlsscope BIN] [--known FILE] [-j N]
                   [--only SUBSTRING] [--list] [-v]

The tests: every suricata-verify test in DIR/suricata-verify/tests whose
test.yaml has a check (a `filter`) matching `event_type: tls`. Its capture
is the test's `pcap:` (relative to the test), else the one .pcap beside
test.yaml. tlsscope reads it once (captures shared by tests are read once).

A check is a `match` (field -> expected value, with `has-key` and
`not-has-key`) and a `count`: how many events match every field. Each check
is evaluated on tlsscope's tls events. When the count differs, the fields
to blame are those the closest of tlsscope's events fail (the `count` best
ones); a check whose count still differs without them blames `count`. Each
blamed field is one disagreement, named by the test and the field (its key
as the check spells it: tls.serial, tls.subjectaltname[3], pcap_cnt, ...).

Which fields Suricata writes depends on the test's suricata.yaml (eve-log's
tls entry: `extended`, `custom`, `ja4`, `session-resumption`; without a
suricata.yaml, Suricata's default: extended) and on the Suricata version
the check was written for (a check or test requiring min-version 8 reads
the config as Suricata 8 does, others as Suricata 7). tlsscope's events
are cut to those fields before `has-key` and `not-has-key` are judged, so
that a field the test's config leaves out is not held against tlsscope,
and a connection Suricata writes no tls event for (no certificate, not
resumed nor offering a ticket, not TLS 1.3: suricata_logs) is left out of
the counts.
The expected values are compared as they are (strings, numbers, true).

Reviewed disagreements (default: eve_known.tsv beside this script): test
(its directory under tests/), field, reason; tab-separated, one line per
disagreement, no wildcards. A listed line that no disagreement needs any
more is stale and fails, as does any unlisted disagreement, a tlsscope
crash or a bad exit.

Output: one line per unlisted or stale disagreement, then
    eve-diff: T tests, C checks: A fields agree, K known disagreements, U unlisted
Exit 1 on an unlisted or stale one, 0 otherwise; without the corpus or
PyYAML: `eve-diff: SKIPPED: ...`, exit 77.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- fields

# Suricata's custom field names -> the tls keys they write.
CUSTOM_KEYS = {
    "version": ["version"], "subject": ["subject"], "issuer": ["issuerdn"],
    "serial": ["serial"], "fingerprint": ["fingerprint"],
    "not_before": ["notbefore"], "not_after": ["notafter"], "sni": ["sni"],
    "certificate": ["certificate"], "chain": ["chain"],
    "session_resumed": ["session_resumed"], "ja3": ["ja3"], "ja3s": ["ja3s"],
    "client": ["client"], "client_certificate": ["client.certificate"],
    "client_chain": ["client.chain"], "ja4": ["ja4"],
    "subjectaltname": ["subjectaltname"], "client_alpns": ["client_alpns"],
    "server_alpns": ["server_alpns"], "client_handshake": ["client_handshake"],
    "server_handshake": ["server_handshake"],
}
BASIC7 = {"subject", "issuerdn"}
EXTENDED7 = BASIC7 | {"serial", "fingerprint", "sni", "version", "notbefore",
                      "notafter", "ja3", "ja3s", "client"}
BASIC8 = {"subject", "issuerdn", "subjectaltname"}
EXTENDED8 = BASIC8 | {"version", "serial", "fingerprint", "notbefore", "notafter",
                      "ja3", "ja3s", "ja4", "client", "client_alpns",
                      "server_alpns", "sni"}


def _truthy(v) -> bool:
    return v is True or str(v).lower() in ("yes", "on", "true", "1")


def eve_tls_config(test_dir: str, yaml):
    """eve-log's tls entry of the test's suricata.yaml (a dict), or the
    default Suricata ships (extended)."""
    path = os.path.join(test_dir, "suricata.yaml")
    if not os.path.exists(path):
        return {"extended": True}
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = re.sub(r"^%YAML.*$", "", text, flags=re.M)
    try:
        conf = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {"extended": True}
    for out in conf.get("outputs") or []:
        if not isinstance(out, dict) or "eve-log" not in out:
            continue
        for t in (out["eve-log"] or {}).get("types") or []:
            if t == "tls" or (isinstance(t, dict) and "tls" in t and not t["tls"]):
                return None  # no options at all: Suricata stops reading the config there
            if isinstance(t, dict) and "tls" in t:
                return t["tls"]
    return {"extended": True}


def field_set(conf: dict | None, version: int) -> set:
    """The tls keys Suricata `version` (7 or 8) writes with this config
    (None: a bare `- tls`, the basic fields without session_resumed)."""
    if conf is None:
        return set(BASIC7 if version < 8 else BASIC8)
    if "custom" in conf and conf["custom"] is not None:
        keys = set()
        for name in conf["custom"]:
            keys.update(CUSTOM_KEYS.get(str(name).lower(), []))
        if "client.certificate" in keys or "client.chain" in keys:
            keys.add("client")
    elif _truthy(conf.get("extended", False)):
        keys = set(EXTENDED7 if version < 8 else EXTENDED8)
    else:
        keys = set(BASIC7 if version < 8 else BASIC8)
    if version < 8 and _truthy(conf.get("ja4", False)):
        keys.add("ja4")  # 7.0 logs ja4 only when asked
    sr = conf.get("session-resumption")
    if sr is None or _truthy(sr):
        keys.add("session_resumed")
    return keys


def suricata_logs(ev: dict, keys: set) -> bool:
    """Would Suricata write this connection's tls event? Only when the
    server's certificate gave a subject and an issuer, when the session was
    resumed (and session_resumed is logged), or for TLS 1.3, whose
    certificate is encrypted (output-json-tls.c, JsonTlsLogger). tlsscope
    writes one for every connection."""
    tls = ev.get("tls") or {}
    if "subject" in tls and "issuerdn" in tls:
        return True
    # Suricata flags a session resumed when the session id came back, and
    # as soon as the ClientHello offers a session ticket (extension 35,
    # read here from the JA3 string's extension list)
    ja3 = str((tls.get("ja3") or {}).get("string", "")).split(",")
    ticket = len(ja3) > 2 and "35" in ja3[2].split("-")
    if (tls.get("session_resumed") or ticket) and "session_resumed" in keys:
        return True
    return str(tls.get("version", "")).startswith("TLS 1.3")


def project(ev: dict, keys: set) -> dict:
    """The event with only the tls keys Suricata would have written."""
    out = dict(ev)
    tls = ev.get("tls")
    if isinstance(tls, dict):
        t = {k: v for k, v in tls.items() if k in keys}
        if "client" in t and isinstance(t["client"], dict):
            t["client"] = {k: v for k, v in t["client"].items()
                           if k not in ("certificate", "chain") or f"client.{k}" in keys}
        out["tls"] = t
    return out


# ---------------------------------------------------------------- checks

MISSING = object()


def lookup(ev, key: str):
    """A check's key ("tls.subjectaltname[3]", "alert.signature_id") in an
    event, or MISSING."""
    cur = ev
    for part in key.split("."):
        m = re.fullmatch(r"([^\[\]]*)((?:\[\d+\])*)", part)
        if not m:
            return MISSING
        name, idx = m.group(1), m.group(2)
        if name:
            if not isinstance(cur, dict) or name not in cur:
                return MISSING
            cur = cur[name]
        for i in re.findall(r"\[(\d+)\]", idx):
            if not isinstance(cur, list) or int(i) >= len(cur):
                return MISSING
            cur = cur[int(i)]
    return cur


def conditions(match: dict):
    """(field, predicate, expected-as-text) for every condition but event_type."""
    out = []
    for k, v in match.items():
        if k == "event_type":
            continue
        if k in ("has-key", "not-has-key"):
            for key in (v if isinstance(v, list) else [v]):
                want = k == "has-key"
                out.append((key, (lambda ev, key=key, want=want: (lookup(ev, key) is not MISSING) == want),
                            "present" if want else "absent"))
            continue
        out.append((k, (lambda ev, k=k, v=v: lookup(ev, k) == v), json.dumps(v)))
    return out


def version_of(*requires) -> int:
    for r in requires:
        if not isinstance(r, dict):
            continue
        mv = r.get("min-version")
        if mv is not None:
            try:
                if int(str(mv).split(".")[0]) >= 8:
                    return 8
            except ValueError:
                pass
    return 7


def judge_check(events: list, check: dict):
    """The fields to blame for one check: [] when it agrees; else a list of
    (field, detail)."""
    conds = conditions(check.get("match") or {})
    want = check.get("count")
    fails = [[f for f, pred, _ in conds if not pred(ev)] for ev in events]
    n_all = sum(1 for fl in fails if not fl)
    if (want is None and n_all > 0) or n_all == want:
        return []
    blamed = []
    if want and n_all < want:
        # the `want` closest events: their failing fields are the disagreements
        order = sorted(range(len(events)), key=lambda i: len(fails[i]))
        best = order[:want]
        fields = []
        for i in best:
            for f in fails[i]:
                if f not in fields:
                    fields.append(f)
        expect = {f: e for f, _, e in conds}
        for f in fields:
            ours = sorted({json.dumps(lookup(events[i], f), ensure_ascii=False)
                           if lookup(events[i], f) is not MISSING else "absent" for i in best})
            blamed.append((f, f"Suricata {expect[f]}, tlsscope {' / '.join(ours)}"))
        rest = [(f, p) for f, p, _ in conds if f not in fields]
        n_rest = sum(1 for ev in events if all(p(ev) for _, p in rest))
        if n_rest != want:
            blamed.append(("count", f"Suricata {want} events, tlsscope {n_rest} without the fields above"))
    else:
        blamed.append(("count", f"Suricata {want} events, tlsscope {n_all}"))
    return blamed


# ---------------------------------------------------------------- running

def find_tests(root: str, yaml):
    tests = []
    for y in sorted(glob.glob(os.path.join(root, "**", "test.yaml"), recursive=True)):
        with open(y, encoding="utf-8", errors="replace") as f:
            try:
                t = yaml.safe_load(f) or {}
            except yaml.YAMLError:
                continue
        checks = [c["filter"] for c in t.get("checks") or []
                  if isinstance(c, dict) and isinstance(c.get("filter"), dict)
                  and (c["filter"].get("match") or {}).get("event_type") == "tls"]
        if not checks:
            continue
        d = os.path.dirname(y)
        if t.get("pcap"):
            pcap = os.path.normpath(os.path.join(d, t["pcap"]))
        else:
            found = sorted(glob.glob(os.path.join(d, "*.pcap")) + glob.glob(os.path.join(d, "*.pcapng")))
            pcap = found[0] if len(found) == 1 else None
        tests.append((os.path.relpath(d, root), d, pcap, t, checks))
    return tests


def run_eve(binary: str, pcap: str):
    try:
        p = subprocess.run([binary, "read", "--format", "eve", pcap], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    if p.returncode not in (0, 1) or p.returncode < 0:
        return None, f"exit {p.returncode}: {p.stderr.decode(errors='replace').strip()[:200]}"
    events = []
    for n, line in enumerate(p.stdout.decode("utf-8", errors="strict").splitlines(), 1):
        try:
            events.append(json.loads(line))
        except ValueError as e:
            return None, f"line {n} is not JSON: {e}"
    return events, None


def read_known(path: str):
    known = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("test\t"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not parts[2].strip():
                sys.exit(f"{path}:{n}: want test<TAB>field<TAB>reason")
            if "*" in parts[0] or "*" in parts[1]:
                sys.exit(f"{path}:{n}: no wildcards")
            if (parts[0], parts[1]) in known:
                sys.exit(f"{path}:{n}: listed twice")
            known[(parts[0], parts[1])] = parts[2]
    return known


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tlsscope", default=os.path.join(HERE, "..", "..", "build", "tlsscope"))
    ap.add_argument("--known", default=os.path.join(HERE, "eve_known.tsv"))
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--only")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", action="store_true", help="print known disagreements too")
    a = ap.parse_args()

    root = os.path.join(a.corpus, "suricata-verify", "tests")
    if not os.path.isdir(root):
        print(f"eve-diff: SKIPPED: no suricata-verify tests in {a.corpus} (../shared absent?)")
        return 77
    try:
        import yaml
    except ImportError:
        print("eve-diff: SKIPPED: PyYAML missing (python3-yaml; make deps)")
        return 77

    tests = find_tests(root, yaml)
    if a.only:
        tests = [t for t in tests if a.only in t[0]]
    if a.list:
        for name, _, pcap, _, checks in tests:
            print(f"{name}\t{len(checks)} checks\t{os.path.relpath(pcap, root) if pcap else '-'}")
        return 0

    known = read_known(a.known)
    pcaps = sorted({t[2] for t in tests if t[2]})
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        runs = dict(zip(pcaps, ex.map(lambda p: run_eve(a.tlsscope, p), pcaps)))

    failures = []
    seen = {}
    n_checks = n_agree = 0
    for name, d, pcap, t, checks in tests:
        if not pcap or not os.path.exists(pcap):
            failures.append(f"{name}: capture not found ({t.get('pcap')})")
            continue
        events, err = runs[pcap]
        if err:
            failures.append(f"{name}: tlsscope {err}")
            continue
        conf = eve_tls_config(d, yaml)
        for check in checks:
            n_checks += 1
            ver = version_of(check.get("requires"), t.get("requires"))
            keys = field_set(conf, ver)
            tls = [project(ev, keys) for ev in events
                   if ev.get("event_type") == "tls" and suricata_logs(ev, keys)]
            blamed = judge_check(tls, check)
            n_fields = len(conditions(check.get("match") or {})) + ("count" in check)
            n_agree += n_fields - len({f for f, _ in blamed})
            for f, detail in blamed:
                seen.setdefault((name, f), detail)

    n_known = 0
    for (name, f), detail in sorted(seen.items()):
        if (name, f) in known:
            n_known += 1
            if a.v:
                print(f"known: {name}\t{f}\t{detail}")
        else:
            failures.append(f"{name}\t{f}\t{detail}")
    stale = [k for k in known if k not in seen]
    for name, f in sorted(stale):
        failures.append(f"stale: {name}\t{f}\t(listed in {os.path.basename(a.known)}, agrees now or is gone)")
    for line in failures:
        print(line)
    unlisted = len(failures) - len(stale)
    print(f"eve-diff: {len(tests)} tests, {n_checks} checks: {n_agree} fields agree, "
          f"{n_known} known disagreements, {unlisted} unlisted" + (f", {len(stale)} stale" if stale else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
