#!/usr/bin/env python3
"""Every capture of the public corpus read once through one of the pipeline
formats (zeek, zeek-json with --output-dir, eve, ecs, in turn), for the
sanitizer build: no crash, no sanitizer report, the usual exit status
(0, or 1 for a file that is no capture), and output that holds together:
each JSON line parses, each Zeek TSV row has as many columns as its
#fields line and each log ends with #close. The plain build checks the
values (zeek_diff, eve_diff, ecs_validate); this one, run under ASan and
UBSan, is there for the hostile bytes real captures carry.

usage: formats_corpus.py --tlsscope BIN --corpus DIR [-j N]
Exit 77 (skipped) when the corpus is absent. Closing line:
'formats_corpus: N passed, M failed'."""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

FORMATS = ["zeek", "zeek-json", "eve", "ecs"]
SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: UndefinedBehavior")


def captures(corpus):
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 6 and cols[5].startswith("CAPTURE"):
                path = os.path.join(corpus, cols[0])
                if os.path.isfile(path):
                    yield path


def check_tsv(text, name):
    fields = None
    closed = False
    for n, row in enumerate(text.split("\n")[:-1], 1):
        if row.startswith("#fields\t"):
            fields = row.count("\t")
        elif row.startswith("#close"):
            closed = True
        elif not row.startswith("#"):
            if fields is None or row.count("\t") + 1 != fields:
                return f"{name} line {n}: {row.count(chr(9)) + 1} columns, #fields has {fields}"
    if text and not closed:
        return f"{name}: no #close"
    return None


def check_json(text, name):
    for n, row in enumerate(text.split("\n")[:-1], 1):
        try:
            json.loads(row)
        except ValueError as e:
            return f"{name} line {n}: not JSON ({e})"
    return None


def one(binary, path, fmt):
    with tempfile.TemporaryDirectory() as d:
        cmd = [binary, "read", "-q", "--format", fmt, path]
        if fmt.startswith("zeek"):
            cmd[3:3] = ["--output-dir", d]
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            return "timed out after 300 s"
        err = p.stderr.decode(errors="replace")
        if any(s in err for s in SANITIZER):
            return "sanitizer: " + err[:600]
        if p.returncode not in (0, 1) or (p.returncode == 1 and not err.strip()):
            return f"exit {p.returncode}: {err[:300]}"
        out = p.stdout.decode("utf-8", errors="strict") if fmt != "zeek" else None
        if fmt == "zeek":
            for log in sorted(os.listdir(d)):
                why = check_tsv(open(os.path.join(d, log), encoding="utf-8", errors="replace").read(), log)
                if why:
                    return why
        elif fmt == "zeek-json":
            for log in sorted(os.listdir(d)):
                why = check_json(open(os.path.join(d, log), encoding="utf-8").read(), log)
                if why:
                    return why
        else:
            return check_json(out, "stdout")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    if not os.path.isfile(os.path.join(a.corpus, "MANIFEST.tsv")):
        print(f"formats_corpus: SKIPPED: the public corpus is absent ({a.corpus})")
        return 77
    jobs = [(p, FORMATS[i % len(FORMATS)]) for i, p in enumerate(captures(a.corpus))]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        for (path, fmt), why in zip(jobs, ex.map(lambda j: one(a.tlsscope, *j), jobs)):
            if why:
                failed += 1
                print(f"formats_corpus: FAILED: {os.path.relpath(path, a.corpus)} --format {fmt}: {why}")
    print(f"formats_corpus: {len(jobs) - failed} passed, {failed} failed")
    return 1 if failed or not jobs else 0


if __name__ == "__main__":
    sys.exit(main())
