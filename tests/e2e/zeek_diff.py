#!/usr/bin/env python3
"""Differential test of --format zeek: tlsscope's ssl.log and x509.log
against the logs Zeek itself wrote, the baselines of Zeek's test suite
(and of FoxIO's JA4 Zeek package) in the public corpus.

usage: zeek_diff.py [--tlsscope BIN] [--corpus DIR] [--known TSV]
                    [--only SUBSTRING] [-j N] [-v]

Baselines: every ssl.log and x509.log (a Zeek TSV log: "#path ssl" or
"#path x509", whatever its file name) under
zeek/testing/btest/Baseline/TEST/, with the capture its test read: the
test script (TEST with its dots as directories, .zeek/.test) runs
`zeek ... -r $TRACES/CAPTURE`, then `btest-diff LOG` or `cp ssl.log LOG`
for the log that capture wrote. The JA4 package's
Scripts.ja4-tls-handshake/ssl.log is ja4/pcap/tls-handshake.pcapng (its
test script is not published).

Each capture is read once: `tlsscope read --format zeek --output-dir TMP
CAPTURE`, and its logs compared with the baselines, row by row:
  ssl.log   rows matched by the 4-tuple (id.orig_h, id.orig_p, id.resp_h,
            id.resp_p; the k-th row of a 4-tuple with the k-th);
  x509.log  rows matched by (fingerprint, host_cert, client_cert), k-th
            with k-th: Zeek logs a certificate once a day per that triple,
            so does tlsscope.
Compared: every field both logs have (Zeek's policy scripts add some,
tlsscope adds validation_status, ja3, ja3s, ja4), as the TSV text, except
uid (Zeek's come from its random seed) and a ts the baseline masks as
XXXXXXXXXX.XXXXXX. A row only one side has is a disagreement on the field
"(row)".

A disagreement is reviewed when --known (default tests/e2e/zeek_known.tsv)
has its exact line: baseline (TEST/LOG), connection (ORIG_H:ORIG_P->RESP_H:RESP_P[#k]
or the x509 key FINGERPRINT/host/client[#k]), field, reason. No wildcards.
A line no disagreement needs fails the test too.

Prints each disagreement, then `zeek-diff: N rows agree, K known, M failed
(B baselines)`. Exit 1 on an unreviewed disagreement or unused line, or
when tlsscope fails; 77 when the corpus is absent.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BTEST = "zeek/testing/btest"
MASKED_TS = "XXXXXXXXXX.XXXXXX"
JA4_CASES = {"ja4/zeek/tests/Traces/Scripts.ja4-tls-handshake/ssl.log": "ja4/pcap/tls-handshake.pcapng"}


def read_log(path: str):
    """(path name, fields, rows as dicts) of a Zeek TSV log, or None."""
    fields, kind, rows = None, None, []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("###") or not line:
                continue
            if line.startswith("#"):
                if line.startswith("#path"):
                    kind = line.split("\t", 1)[1] if "\t" in line else line.split()[1]
                elif line.startswith("#fields\t"):
                    fields = line.split("\t")[1:]
                continue
            if fields is None:
                return None
            cols = line.split("\t")
            rows.append(dict(zip(fields, cols)))
    if fields is None or kind not in ("ssl", "x509"):
        return None
    return kind, fields, rows


def find_script(corpus: str, test: str):
    """TEST's script: its dot-separated parts joined by "/" or "." (names
    such as tls-1.2 hold dots), ending in .zeek, .test or .btest."""
    parts = test.split(".")
    base = os.path.join(corpus, BTEST)

    def walk(d, i):
        for j in range(i + 1, len(parts) + 1):
            name = ".".join(parts[i:j])
            if j == len(parts):
                for ext in (".zeek", ".test", ".btest"):
                    p = os.path.join(d, name + ext)
                    if os.path.isfile(p):
                        return p
            elif os.path.isdir(os.path.join(d, name)):
                r = walk(os.path.join(d, name), j)
                if r:
                    return r
        return None

    return walk(base, 0)


def baseline_cases(corpus: str):
    """[(baseline rel path, [capture rel paths], x509 dedup disabled by the test)]."""
    cases = []
    bdir = os.path.join(corpus, BTEST, "Baseline")
    for test in sorted(os.listdir(bdir)):
        tdir = os.path.join(bdir, test)
        logs = {}
        for name in sorted(os.listdir(tdir)):
            p = os.path.join(tdir, name)
            if os.path.isfile(p) and read_log(p):
                logs[name] = p
        if not logs:
            continue
        script = find_script(corpus, test)
        if not script:
            continue
        trace, sources, text = None, {}, ""
        with open(script, encoding="utf-8", errors="replace") as f:
            text = f.read()
        nodedup = re.search(r"relog_known_certificates_after\s*=\s*0\s*secs", text) is not None
        for line in text.splitlines():
            if "@TEST-EXEC" not in line:
                continue
            m = re.search(r"-r\s+\$TRACES/(\S+)", line)
            if m:
                trace = m.group(1)
            # `cp ssl.log LOG`, `cat ssl.log > LOG`, `cat ssl.log >> LOG`: LOG
            # holds what the current capture wrote (appended: several)
            m = re.search(r"\b(?:cp|cat)\s+(?:ssl|x509)\.log\s+(>>|>)?\s*(\S+)", line)
            if m and trace:
                name = m.group(2)
                if m.group(1) == ">>":
                    sources.setdefault(name, []).append(trace)
                else:
                    sources[name] = [trace]
            for m in re.finditer(r"btest-diff\s+(\S+)", line):
                name = m.group(1)
                ts = sources.get(name, [trace] if trace else [])
                if name in logs and ts:
                    cases.append((os.path.relpath(logs[name], corpus),
                                  [os.path.join(BTEST, "Traces", t) for t in ts], nodedup))
    for log, cap in JA4_CASES.items():
        if os.path.exists(os.path.join(corpus, log)) and os.path.exists(os.path.join(corpus, cap)):
            cases.append((log, [cap], False))
    return [(b, cs, nd) for b, cs, nd in cases if all(os.path.exists(os.path.join(corpus, c)) for c in cs)]


def run_tlsscope(binary: str, corpus: str, capture: str, timeout: int):
    """{path name: (fields, rows)} of tlsscope's logs for capture, or an error string."""
    tmp = tempfile.mkdtemp(prefix="zeek-diff-")
    try:
        path = os.path.join(corpus, capture)
        if path.endswith(".gz"):
            plain = os.path.join(tmp, os.path.basename(path)[:-3])
            with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
            path = plain
        out = os.path.join(tmp, "logs")
        try:
            p = subprocess.run([binary, "read", "-q", "--format", "zeek", "--output-dir", out, path],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout"
        if p.returncode not in (0, 2):  # 2: the capture had errors (still read)
            return f"exit {p.returncode}: {p.stderr.decode(errors='replace').strip()[:300]}"
        logs = {}
        for name in ("ssl.log", "x509.log"):
            r = read_log(os.path.join(out, name))
            if not r:
                return f"{name}: not a Zeek log"
            logs[r[0]] = (r[1], r[2])
        return logs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def keyed(kind: str, rows):
    """{connection label: row}: the k-th row of a key labelled #k (k > 1)."""
    out, seen = {}, {}
    for r in rows:
        if kind == "ssl":
            k = f"{r.get('id.orig_h')}:{r.get('id.orig_p')}->{r.get('id.resp_h')}:{r.get('id.resp_p')}"
        else:
            k = f"{r.get('fingerprint')}/{r.get('host_cert')}/{r.get('client_cert')}"
        seen[k] = seen.get(k, 0) + 1
        out[k if seen[k] == 1 else f"{k}#{seen[k]}"] = r
    return out


def compare(kind: str, base_fields, base_rows, our_fields, our_rows, nodedup: bool):
    """[(connection, field, text)] and the number of rows that agree. When
    the test disabled Zeek's x509.log deduplication (relog after 0 secs),
    Zeek's repeats of a (fingerprint, host_cert, client_cert) are left out:
    tlsscope always deduplicates as Zeek does by default."""
    fields = [f for f in base_fields if f in our_fields and f != "uid"]
    b, o = keyed(kind, base_rows), keyed(kind, our_rows)
    if nodedup and kind == "x509":
        b = {k: v for k, v in b.items() if "#" not in k}
    diffs, agree = [], 0
    for conn in list(b) + [k for k in o if k not in b]:
        if conn not in o:
            diffs.append((conn, "(row)", "only in Zeek's log"))
            continue
        if conn not in b:
            diffs.append((conn, "(row)", "only in tlsscope's log"))
            continue
        bad = False
        for f in fields:
            bv, ov = b[conn].get(f), o[conn].get(f)
            if f == "ts" and bv == MASKED_TS:
                continue
            if bv != ov:
                diffs.append((conn, f, f"tlsscope={ov} zeek={bv}"))
                bad = True
        agree += not bad
    return diffs, agree


def load_known(path: str):
    entries = {}
    if not path or not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0] == "baseline":
                continue
            if len(cols) < 4 or not cols[3].strip():
                print(f"zeek-diff: {path}:{n}: expected baseline<TAB>connection<TAB>field<TAB>reason",
                      file=sys.stderr)
                sys.exit(1)
            entries[(cols[0], cols[1], cols[2])] = [cols[3], False]
    return entries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tlsscope", default=os.environ.get("TLSSCOPE", os.path.join(ROOT, "build", "tlsscope")))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--known", default=os.path.join(HERE, "zeek_known.tsv"))
    ap.add_argument("--only", default=None)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.corpus, BTEST, "Baseline")):
        print(f"zeek-diff: SKIPPED: no Zeek baselines under {a.corpus} (the public corpus is absent)")
        return 77
    cases = baseline_cases(a.corpus)
    if a.only:
        cases = [c for c in cases if a.only in c[0] or a.only in c[1]]
    known = load_known(a.known)
    captures = sorted({c for _, cs, _ in cases for c in cs})
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        results = dict(zip(captures, ex.map(lambda c: run_tlsscope(a.tlsscope, a.corpus, c, a.timeout), captures)))
    agree = known_n = failed = 0
    errors = 0
    for base, caps, nodedup in cases:
        rel = base.split("/Baseline/", 1)[1] if "/Baseline/" in base else base
        kind, bf, brows = read_log(os.path.join(a.corpus, base))
        our_fields, our_rows, bad = None, [], False
        for cap in caps:
            logs = results[cap]
            if isinstance(logs, str):
                print(f"{rel}: {cap}: tlsscope failed: {logs}")
                errors += 1
                bad = True
                break
            our_fields = logs[kind][0]
            our_rows += logs[kind][1]
        if bad:
            continue
        diffs, ok = compare(kind, bf, brows, our_fields, our_rows, nodedup)
        agree += ok
        for conn, field, text in diffs:
            k = known.get((rel, conn, field))
            if k:
                k[1] = True
                known_n += 1
                if a.v:
                    print(f"known: {rel}: {conn}: {field}: {text} ({k[0]})")
            else:
                failed += 1
                print(f"{rel}: {conn}: {field}: {text}   [{' '.join(caps)}]")
    unused = [k for k, v in known.items() if not v[1]]
    for k in unused:
        print(f"zeek-diff: unused line in {a.known}: {k[0]}\t{k[1]}\t{k[2]}")
    print(f"zeek-diff: {agree} rows agree, {known_n} known, {failed} failed "
          f"({len(cases)} baselines, {len(captures)} captures)")
    return 1 if failed or unused or errors else 0


if __name__ == "__main__":
    sys.exit(main())
