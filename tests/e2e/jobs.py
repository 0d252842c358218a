#!/usr/bin/env python3
"""-j N gives the same output as one thread: every capture given (and the
public corpus with --corpus) read with -j 1, -j 2 and -j 3 must print the
same bytes and exit the same way, in JSON and in the verbose text (-j 3).
So must -j 1 reading the file 100 bytes at
a time and -j 3 reading it 2 KiB at a time (TSC_READ_BLOCK): the reader's
buffers are then refilled many times even in small captures, packets
straddle them, and with threads the reader waits for the workers before it
reuses a buffer (with the default 1 MiB, only captures over 8 MiB would).

usage: jobs.py --tlsscope BIN [--corpus DIR] [CAPTURE...]
Closing line: 'jobs: N passed, M failed'."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import difflib_common as dc  # noqa: E402

NAME = "jobs"


def run(binary, jobs, path, fmt, block=None):
    env = dict(os.environ)
    env.pop("TSC_READ_BLOCK", None)
    if block:
        env["TSC_READ_BLOCK"] = str(block)
    p = subprocess.run([binary, "read", fmt, "-q", "-j", str(jobs), path], capture_output=True, timeout=300,
                       env=env)
    return p.returncode, p.stdout


def main():
    a, caps = dc.captures_argv(NAME)
    passed = failed = 0
    for cap in caps:
        base = run(a.tlsscope, 1, cap, "--json")
        ok = True
        for j, block in ((2, None), (3, None), (1, 100), (3, 2048)):
            got = run(a.tlsscope, j, cap, "--json", block)
            if got != base:
                print("jobs: %s: -j %d%s differs from -j 1 (exit %d vs %d, %d vs %d bytes)" %
                      (cap, j, " reading %d bytes at a time" % block if block else "", got[0], base[0],
                       len(got[1]), len(base[1])))
                ok = False
        if run(a.tlsscope, 3, cap, "-v") != run(a.tlsscope, 1, cap, "-v"):
            print("jobs: %s: -j 3 -v differs from -j 1 -v" % cap)
            ok = False
        if ok:
            passed += 1
        else:
            failed += 1
    print("jobs: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
