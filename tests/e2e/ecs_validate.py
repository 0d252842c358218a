#!/usr/bin/env python3
"""`tlsscope read --format ecs` over many captures: every field of every
document checked against Elastic Common Schema 8.17, and every document
against the same capture's `--json` (docs/ecs.md is the contract).

Per document (one JSON object per line, UTF-8, no duplicate keys, no NaN):
  * nested objects only (a key holding a dot is an error), and every leaf
    is a field of tests/e2e/ecs_fields.tsv (taken from ECS's ecs_flat.yml)
    or of tests/e2e/ecs_custom_fields.tsv (the one custom namespace,
    "tlsscope.");
  * the value has the field's type: keyword/text a non-empty string of valid
    Unicode, long/integer an integer in range, float a finite number,
    boolean, date an ISO 8601 time with a four-digit year, ip an IPv4/IPv6
    address; a list only where ECS normalizes the field to an array, never
    empty; ECS's allowed values where it has them (event.kind, .category,
    .type); an object only where the schema has fields below it;
  * ecs.version 8.17.0; an event document (event.kind "event") and its
    alerts (event.kind "alert", with rule.id, rule.name, event.severity);
    hashes and serial numbers in uppercase hex, as ECS asks.
Per capture, against `tlsscope read --json` of the same capture: one event
document per JSON connection, with the same client and server, SNI, JA3,
JA3S, JA4, cipher, curve, ALPN, resumed/established, leaf certificate
(SHA-256, serial, subject), and one alert per finding, in the same order.

Every field of both lists must be written somewhere in the run, when the
corpus is there (a field never written is a stale line, or a renderer that
lost it); docs/ecs.md must name every field of both lists (an x509 field as
`x509.REST` beside `tls.server.x509.*` / `tls.client.x509.*`).

Captures: the public corpus's MANIFEST.tsv CAPTURE rows (--corpus; skipped
with a message when absent) and the captures given (the project's own,
each with NAME.keys beside it as its key log when there is one).

usage: ecs_validate.py --tlsscope BIN [--corpus DIR] [-j N] [CAPTURE...]
Closing line: 'ecs-validate: N passed, M failed'."""
import argparse
import concurrent.futures
import ipaddress
import json
import math
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import difflib_common as dc  # noqa: E402

NAME = "ecs-validate"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ECS_VERSION = "8.17.0"

INT_RANGE = {
    "long": (-(1 << 63), (1 << 63) - 1),
    "integer": (-(1 << 31), (1 << 31) - 1),
    "short": (-(1 << 15), (1 << 15) - 1),
    "byte": (-128, 127),
    "unsigned_long": (0, (1 << 64) - 1),
}
STRING_TYPES = {"keyword", "constant_keyword", "wildcard", "text", "match_only_text"}
FLOAT_TYPES = {"float", "half_float", "scaled_float", "double"}
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
UPPER_HEX = {"md5": 32, "sha1": 40, "sha256": 64}


class Field:
    def __init__(self, name, typ, norm, allowed):
        self.name = name
        self.type = typ
        self.array = "array" in norm.split(",")
        self.allowed = None if allowed in ("", "-") else set(allowed.split(","))


def load_fields(path):
    fields = {}
    for n, cols in dc.reviewed_rows(path):
        if cols[0] == "name":
            continue
        if len(cols) < 3:
            raise SystemExit(f"{NAME}: {path}:{n}: expected name<TAB>type<TAB>normalization[<TAB>allowed]")
        fields[cols[0]] = Field(cols[0], cols[1], cols[2], cols[3] if len(cols) > 3 else "-")
    return fields


def _no_dupes(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"duplicate key {dup[0]!r}")
    return dict(pairs)


def _no_constant(s):
    raise ValueError(f"{s} is not JSON ECS can store")


def check_date(s):
    m = DATE_RE.match(s)
    if not m:
        return False
    mo, d, h, mi, sec = (int(m.group(i)) for i in range(2, 7))
    return 1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and sec <= 60


def check_scalar(f, v):
    """'' when v is a valid value of field f, else why not."""
    t = f.type
    if t in STRING_TYPES:
        if not isinstance(v, str):
            return f"{t} wants a string, got {type(v).__name__}"
        if not v:
            return "empty string (a field without a value is left out)"
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return "not valid Unicode (a lone surrogate)"
    elif t in INT_RANGE:
        if isinstance(v, bool) or not isinstance(v, int):
            return f"{t} wants an integer, got {type(v).__name__}"
        lo, hi = INT_RANGE[t]
        if not lo <= v <= hi:
            return f"{v} out of {t} range"
    elif t in FLOAT_TYPES:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return f"{t} wants a finite number"
    elif t == "boolean":
        if not isinstance(v, bool):
            return f"boolean wants true/false, got {type(v).__name__}"
    elif t == "date":
        if not isinstance(v, str) or not check_date(v):
            return f"not an ISO 8601 date: {v!r}"
    elif t == "ip":
        if not isinstance(v, str):
            return "ip wants a string"
        try:
            ipaddress.ip_address(v)
        except ValueError:
            return f"not an IP address: {v!r}"
    else:
        return f"type {t} not handled by this test"
    if f.allowed is not None and v not in f.allowed:
        return f"{v!r} is not one of ECS's allowed values"
    return ""


def check_field(f, v):
    if isinstance(v, list):
        if not f.array:
            return "a list where ECS does not normalize the field to an array"
        if not v:
            return "an empty list (a field without a value is left out)"
        for x in v:
            why = check_scalar(f, x)
            if why:
                return "element " + why
        return ""
    if isinstance(v, dict):
        return "an object where ECS has a leaf field"
    return check_scalar(f, v)


def walk(obj, prefix, fields, prefixes, errors, seen, flat):
    for k, v in obj.items():
        if "." in k:
            errors.append(f"dotted key {prefix + k!r} (documents are nested objects)")
            continue
        name = prefix + k
        f = fields.get(name)
        if f:
            seen.add(name)
            why = check_field(f, v)
            if why:
                errors.append(f"{name}: {why}")
            flat[name] = v
        elif isinstance(v, dict):
            if name not in prefixes:
                errors.append(f"{name}: an object ECS (and the custom list) has no fields under")
            elif not v:
                errors.append(f"{name}: an empty object")
            else:
                walk(v, name + ".", fields, prefixes, errors, seen, flat)
        else:
            errors.append(f"{name}: not an ECS field nor a documented custom one")


def doc_rules(flat, errors):
    """What every document must hold, and ECS's formats for hex values."""
    if flat.get("ecs.version") != ECS_VERSION:
        errors.append(f"ecs.version is {flat.get('ecs.version')!r}, not {ECS_VERSION}")
    kind = flat.get("event.kind")
    if kind not in ("event", "alert"):
        errors.append(f"event.kind {kind!r}")
    for need in ("event.category", "event.type", "event.dataset", "event.module", "network.transport",
                 "source.ip", "source.port", "destination.ip", "destination.port", "tlsscope.connection_id"):
        if need not in flat:
            errors.append(f"{need} missing")
    if kind == "alert":
        for need in ("rule.id", "rule.name", "rule.description", "event.severity", "message"):
            if need not in flat:
                errors.append(f"alert without {need}")
    elif kind == "event" and any(k.startswith("rule.") for k in flat):
        errors.append("rule.* in an event document")
    for name, v in flat.items():
        last = name.rsplit(".", 1)[-1]
        if ".hash." in name and last in UPPER_HEX and isinstance(v, str):
            if not re.fullmatch("[0-9A-F]{%d}" % UPPER_HEX[last], v):
                errors.append(f"{name}: {v!r} is not uppercase hex of {UPPER_HEX[last]} digits")
        if last == "serial_number" and isinstance(v, str) and not re.fullmatch("-?[0-9A-F]+", v):
            errors.append(f"{name}: {v!r} is not uppercase hex without colons")
    if flat.get("source.ip") != flat.get("client.ip") or flat.get("destination.ip") != flat.get("server.ip"):
        errors.append("source/destination differ from client/server")


def parse_lines(out, errors, what):
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        errors.append(f"{what}: not UTF-8: {e}")
        return []
    docs = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        try:
            o = json.loads(line, object_pairs_hook=_no_dupes, parse_constant=_no_constant)
        except ValueError as e:
            errors.append(f"{what} line {n}: {e}")
            continue
        if not isinstance(o, dict):
            errors.append(f"{what} line {n}: not an object")
            continue
        docs.append(o)
    return docs


def run(binary, capture, fmt, keylog):
    cmd = [binary, "read"] + fmt + ["-q"]
    if keylog:
        cmd += ["--keylog", keylog]
    cmd.append(capture)
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out"
    return p.returncode, p.stdout, p.stderr


def compare_json(ecs_docs, json_conns, errors):
    """The event document of each connection says what --json says."""
    events = [d for d in ecs_docs if d.get("event", {}).get("kind") == "event"]
    if len(events) != len(json_conns):
        errors.append(f"{len(events)} event documents, --json has {len(json_conns)} connections")
        return
    alerts = {}
    for d in ecs_docs:
        if d.get("event", {}).get("kind") == "alert":
            alerts.setdefault(d.get("tlsscope", {}).get("connection_id"), []).append(d)
    for ev, jc in zip(events, json_conns):
        cid = ev.get("tlsscope", {}).get("connection_id")
        lab = f"connection {jc.get('id')}"
        tls = ev.get("tls", {})
        ch = jc.get("client_hello") or {}
        sh = jc.get("server_hello") or {}
        suite = jc.get("cipher_suite") or {}
        want = {
            "tlsscope.connection_id": (cid, jc.get("id")),
            "source.ip": (ev.get("source", {}).get("ip"), jc["client"]["ip"]),
            "source.port": (ev.get("source", {}).get("port"), jc["client"]["port"]),
            "destination.ip": (ev.get("destination", {}).get("ip"), jc["server"]["ip"]),
            "destination.port": (ev.get("destination", {}).get("port"), jc["server"]["port"]),
            "tls.client.server_name": (tls.get("client", {}).get("server_name"), jc.get("sni") or None),
            "tls.client.ja3": (tls.get("client", {}).get("ja3"), ch.get("ja3")),
            "tlsscope.ja4": (ev.get("tlsscope", {}).get("ja4"), ch.get("ja4")),
            "tls.server.ja3s": (tls.get("server", {}).get("ja3s"), sh.get("ja3s")),
            "tls.cipher": (tls.get("cipher"), suite.get("name")),
            "tls.resumed": (tls.get("resumed"), jc.get("resumed")),
            "tls.established": (tls.get("established"), jc.get("complete")),
            "tls.next_protocol": (tls.get("next_protocol"), (jc.get("alpn") or {}).get("selected") or None),
        }
        # the key exchange's group: TLS 1.3's ServerHello key_share, else the
        # ECDHE ServerKeyExchange's
        curve = None
        for x in sh.get("extensions") or []:
            if x.get("name") == "key_share" and x.get("shares"):
                curve = (x["shares"][0].get("group") or {}).get("name")
        if curve is None:
            curve = ((jc.get("server_key_exchange") or {}).get("group") or {}).get("name")
        want["tls.curve"] = (tls.get("curve"), curve)
        for name, (got, exp) in want.items():
            # the hellos' fingerprints in --json are of the first hello that
            # decoded; a hello cut part way shows null there and may still
            # give the connection's (the first usable one's) in ECS
            if got != exp and not (exp is None and name in ("tls.client.ja3", "tlsscope.ja4", "tls.server.ja3s")
                                   and got is not None and (ch.get("error") or sh.get("error"))):
                errors.append(f"{lab}: {name} {got!r}, --json says {exp!r}")
        certs = jc.get("certificates") or []
        leaf = certs[0] if certs and "error" not in certs[0] else None
        sx = tls.get("server", {}).get("x509", {})
        if leaf:
            if tls.get("server", {}).get("hash", {}).get("sha256") != leaf["sha256"].upper():
                errors.append(f"{lab}: tls.server.hash.sha256 is not the leaf's")
            if sx.get("serial_number") != leaf["serial"].upper():
                errors.append(f"{lab}: tls.server.x509.serial_number {sx.get('serial_number')!r}, "
                              f"--json {leaf['serial']!r}")
            if sx.get("subject", {}).get("distinguished_name") != (leaf["subject"] or None):
                errors.append(f"{lab}: tls.server.x509.subject.distinguished_name is not the leaf's subject")
        elif sx:
            errors.append(f"{lab}: tls.server.x509 without a leaf certificate in --json")
        got_rules = [a.get("rule", {}).get("id") for a in alerts.get(cid, [])]
        exp_rules = [f["id"] for f in jc.get("findings", [])]
        if got_rules != exp_rules:
            errors.append(f"{lab}: alerts {got_rules}, --json findings {exp_rules}")
    known_ids = {ev.get("tlsscope", {}).get("connection_id") for ev in events}
    for cid in alerts:
        if cid not in known_ids:
            errors.append(f"alert for connection {cid}, which has no event document")


def check_capture(binary, capture, keylog, fields, prefixes):
    errors, seen = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        path = dc.unpacked(capture, tmp)
        rc, out, err = run(binary, path, ["--format", "ecs"], keylog)
        jrc, jout, jerr = run(binary, path, ["--json"], keylog)
    if rc is None or rc < 0 or 128 < rc <= 192:
        return [f"tlsscope crashed or timed out (exit {rc}): {err.decode('utf-8', 'replace')[-300:]}"], seen, 0
    if b"AddressSanitizer" in err or b"runtime error:" in err:
        return ["sanitizer report on stderr"], seen, 0
    if rc != jrc:
        errors.append(f"exit {rc}, --json exits {jrc}")
    docs = parse_lines(out, errors, "stdout")
    for i, d in enumerate(docs, 1):
        derr, flat = [], {}
        walk(d, "", fields, prefixes, derr, seen, flat)
        doc_rules(flat, derr)
        errors += [f"document {i}: {e}" for e in derr]
    jconns = parse_lines(jout, [], "--json")
    compare_json(docs, jconns, errors)
    return errors, seen, len(docs)


def corpus_captures(corpus):
    out = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 6 and "CAPTURE:" in cols[5]:
                out.append(os.path.join(corpus, cols[0]))
    return out


def documented(path, names):
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return sorted(names)
    def named(n):
        if f"`{n}`" in text:
            return True
        # the x509 fields are documented once for both sides: `x509.REST`
        # in the x509 table, and the side as `tls.server.x509.*`
        head, sep, rest = n.partition(".x509.")
        return bool(sep) and f"`x509.{rest}`" in text and f"`{head}.x509.*`" in text
    return sorted(n for n in names if not named(n))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlsscope", default=dc.default_tlsscope())
    ap.add_argument("--corpus")
    ap.add_argument("--fields", default=os.path.join(HERE, "ecs_fields.tsv"))
    ap.add_argument("--custom", default=os.path.join(HERE, "ecs_custom_fields.tsv"))
    ap.add_argument("--docs", default=os.path.join(ROOT, "docs", "ecs.md"))
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args(argv)

    ecs_fields = load_fields(a.fields)
    custom = load_fields(a.custom)
    bad_custom = [n for n in custom if not n.startswith("tlsscope.") or n in ecs_fields]
    if bad_custom:
        print(f"{NAME}: custom fields outside the tlsscope. namespace or shadowing ECS: {bad_custom}")
        print(f"{NAME}: 0 passed, 1 failed")
        return 1
    fields = dict(ecs_fields)
    fields.update(custom)
    prefixes = {n.rsplit(".", i)[0] for n in fields for i in range(1, n.count(".") + 1)}

    work = []
    for c in a.captures:
        keys = os.path.splitext(c)[0] + ".keys"
        work.append((c, os.path.relpath(c, ROOT), keys if os.path.exists(keys) else None))
    have_corpus = bool(a.corpus) and os.path.isdir(a.corpus)
    if a.corpus and not have_corpus:
        print(f"{NAME}: corpus SKIPPED: {a.corpus} not present")
    if have_corpus:
        work += [(p, os.path.relpath(p, a.corpus), None) for p in corpus_captures(a.corpus)]
    if not work:
        print(f"{NAME}: SKIPPED: no captures")
        return 77

    passed = failed = ndocs = 0
    seen_all = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        futs = {ex.submit(check_capture, a.tlsscope, p, k, fields, prefixes): rel for p, rel, k in work}
        for fut in concurrent.futures.as_completed(futs):
            rel = futs[fut]
            errors, seen, n = fut.result()
            seen_all |= seen
            ndocs += n
            if errors:
                failed += 1
                print(f"FAIL {rel}: {len(errors)} problem(s)")
                for e in errors[:10]:
                    print(f"  {e}")
            else:
                passed += 1

    unseen = sorted(set(fields) - seen_all)
    print(f"{NAME}: {ndocs} documents from {len(work)} captures; {len(seen_all)} of {len(fields)} fields written")
    if unseen:
        print(f"{NAME}: never written: {', '.join(unseen)}")
        if have_corpus:
            print(f"{NAME}: FAIL: a listed field no capture gives (a stale line, or a renderer that lost it)")
            failed += 1
    missing_doc = documented(a.docs, fields)
    if missing_doc:
        print(f"{NAME}: FAIL: {a.docs} does not name {', '.join(missing_doc)}")
        failed += 1
    print(f"{NAME}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
