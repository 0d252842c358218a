#!/usr/bin/env python3
"""Hostile-input test: every capture given is truncated at many points and
has bytes flipped; tlsscope must read each variant and exit 0 (read) or 1
(the file could not be read, with a one-line 'tlsscope: FILE: reason'), never
crash (signal, sanitizer report), hang, or print invalid JSON. A capture
with a key log beside it (NAME.keys, and NAME.server.key) is read with
--keylog (--rsa-key) and --data, so damaged records go through decryption;
CAPTURE=KEYLOG names a key log kept elsewhere.

usage: mutate.py --tlsscope BIN [--variants N] [--head-cuts H] [--seed S]
                 [--corpus DIR] [--list FILE] CAPTURE...
(cuts at each of the first H bytes, default 64, then N/2 random cuts and N
variants with bytes overwritten per capture)
--corpus: CAPTURE (and KEYLOG) are paths inside DIR, the public corpus; when
DIR is absent the run is skipped with a message (exit 77). --list FILE adds
the captures FILE lists, one a line ('#' comments).
Closing line: 'mutate: N passed, M failed'."""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile


def key_args(cap, keylog=None):
    if keylog:
        return ["--keylog", keylog, "--data=64"]
    base = cap[:-5] if cap.endswith(".pcap") else cap
    args = []
    if os.path.exists(base + ".keys"):
        args += ["--keylog", base + ".keys"]
    if os.path.exists(base + ".server.key"):
        args += ["--rsa-key", base + ".server.key"]
    return args + ["--data=64"] if args else []


def run(binary, path, timeout, extra=()):
    try:
        p = subprocess.run([binary, "read", "--json", "-q"] + list(extra) + [path], capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang (over %ds)" % timeout
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        return "killed by signal %d" % -p.returncode
    if "Sanitizer" in err or "runtime error" in err:
        return "sanitizer report: " + err.strip().splitlines()[0]
    if p.returncode not in (0, 1):
        return "exit code %d" % p.returncode
    if p.returncode == 1:
        lines = [l for l in err.splitlines() if l.strip()]
        if not lines or not lines[-1].startswith("tlsscope: " + path + ": "):
            return "exit 1 without a 'tlsscope: FILE: reason' line: %r" % err[-200:]
    for i, line in enumerate(p.stdout.decode("utf-8", "strict").splitlines()):
        try:
            obj = json.loads(line)
        except ValueError as e:
            return "invalid JSON on line %d: %s" % (i + 1, e)
        if not isinstance(obj, dict) or "messages" not in obj:
            return "JSON line %d is not a connection object" % (i + 1)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--variants", type=int, default=60)
    ap.add_argument("--head-cuts", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--corpus")
    ap.add_argument("--list")
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    names = list(a.captures)
    if a.list:
        for line in open(a.list):
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    if a.corpus and not os.path.isdir(a.corpus):
        print("mutate: SKIPPED: no corpus at %s" % a.corpus)
        return 77
    jobs = []
    for name in names:
        cap, _, keylog = name.partition("=")
        if a.corpus:
            cap = os.path.join(a.corpus, cap)
            keylog = os.path.join(a.corpus, keylog) if keylog else ""
        if not os.path.exists(cap):
            print("mutate: %s: no such capture" % cap)
            return 1
        jobs.append((cap, keylog or None))
    if not jobs:
        ap.error("no captures")
    rnd = random.Random(a.seed)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap, keylog in jobs:
            data = open(cap, "rb").read()
            variants = []
            # truncations: every byte of the first 64 (the file and first
            # packet headers), then spread over the file
            cuts = sorted(set(list(range(0, min(a.head_cuts, len(data)))) +
                              [rnd.randrange(len(data)) for _ in range(a.variants // 2)]))
            for c in cuts:
                variants.append(("cut%d" % c, data[:c]))
            # flips: a few bytes each, past the 24-byte file header mostly
            for k in range(a.variants):
                b = bytearray(data)
                for _ in range(rnd.randint(1, 8)):
                    i = rnd.randrange(len(b))
                    b[i] = rnd.randrange(256)
                variants.append(("flip%d" % k, bytes(b)))
            for name, blob in variants:
                path = os.path.join(tmp, os.path.basename(cap) + "." + name)
                with open(path, "wb") as f:
                    f.write(blob)
                why = run(a.tlsscope, path, a.timeout, key_args(cap, keylog))
                if why:
                    failed += 1
                    keep = os.path.join(os.environ.get("TSC_MUTATE_KEEP", tmp), os.path.basename(path))
                    if keep != path:
                        with open(keep, "wb") as f:
                            f.write(blob)
                    print("mutate: %s %s: %s" % (cap, name, why))
                else:
                    passed += 1
                os.unlink(path)
    print("mutate: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
