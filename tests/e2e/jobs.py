#!/usr/bin/env python3
"""-j N gives the same output as one thread, and both give the expected
output.

Same output: every capture given (and the public corpus with --corpus) read
with -j 1, -j 2 and -j 3 must print the same bytes and exit the same way, in
JSON and in the verbose text (-j 3). So must -j 1 reading the file 100 bytes
at a time and -j 3 reading it 2 KiB at a time (TSC_READ_BLOCK): the reader's
buffers are then refilled many times even in small captures, packets
straddle them, and with threads the reader waits for the workers before it
reuses a buffer (with the default 1 MiB, only captures over 8 MiB would).

Expected output, which does not come from this run of tlsscope:
  * with --golden DIR, every row of DIR/TESTLIST (capture + flags) read as
    tests/golden/run.sh reads it, with -j 1, -j 3 and -j 3 in 2 KiB blocks,
    must print DIR/expected/NAME.out exactly (stdout, stderr, exit code);
  * each corpus capture's JSON from every run above (-j 1 and -j N; outputs
    that are the same bytes are judged once) is held against tshark 4.0.17's
    reading of its Client and ServerHellos, as corpus_diff.py does: the
    corpus's _derived/tshark-4.0.17_hello_fields.tsv, and tshark itself where
    that file is not enough or disagrees. A disagreement passes only when
    corpus_known_disagreements.tsv (the list corpus_diff.py reads) has it.

usage: jobs.py --tlsscope BIN [--corpus DIR] [--golden DIR] [--known FILE]
               [-j N] [CAPTURE...]
Closing line: 'jobs: N passed, M failed'."""
import concurrent.futures
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import corpus_diff  # noqa: E402
import difflib_common as dc  # noqa: E402

NAME = "jobs"

# the runs compared with -j 1 --json: (jobs, TSC_READ_BLOCK)
VARIANTS = ((2, None), (3, None), (1, 100), (3, 2048))
# the golden rows are read with these
GOLDEN_RUNS = ((1, None), (3, None), (3, 2048))


def _env(block):
    env = dict(os.environ)
    env.pop("TSC_READ_BLOCK", None)
    if block:
        env["TSC_READ_BLOCK"] = str(block)
    return env


def run(binary, jobs, path, fmt, block=None):
    p = subprocess.run([binary, "read", fmt, "-q", "-j", str(jobs), path], capture_output=True, timeout=300,
                       env=_env(block))
    return p.returncode, p.stdout, p.stderr


def variant_name(j, block):
    return "-j %d%s" % (j, " reading %d bytes at a time" % block if block else "")


def check_capture(a, cap, rows, known):
    """-> (lines, judged): failure lines, and whether the corpus check ran."""
    lines = []
    base = run(a.tlsscope, 1, cap, "--json")
    outputs = [("-j 1", base)]
    for j, block in VARIANTS:
        got = run(a.tlsscope, j, cap, "--json", block)
        outputs.append((variant_name(j, block), got))
        if got[:2] != base[:2]:
            lines.append("%s: %s differs from -j 1 (exit %d vs %d, %d vs %d bytes)" %
                         (cap, variant_name(j, block), got[0], base[0], len(got[1]), len(base[1])))
    if run(a.tlsscope, 3, cap, "-v")[:2] != run(a.tlsscope, 1, cap, "-v")[:2]:
        lines.append("%s: -j 3 -v differs from -j 1 -v" % cap)
    if rows is None:
        return lines, False
    # each distinct output against tshark's reading of the hellos
    rel = dc.capture_key(cap, a.corpus)
    live, seen = {}, {}
    for name, (rc, out, err) in outputs:
        seen.setdefault((rc, out), []).append((name, err))
    for (rc, out), runs in seen.items():
        names = ", ".join(n for n, _ in runs)
        res = corpus_diff.judge_run(a.corpus, rel, rows, dc.judge_output(cap, rc, out, runs[0][1]),
                                    known, live)
        for line in res.lines:
            if line.startswith(rel + ": "):
                line = line[len(rel) + 2:]
            lines.append("%s [%s] against tshark: %s" % (rel, names, line))
    return lines, True


def golden_rows(golden):
    with open(os.path.join(golden, "TESTLIST"), encoding="utf-8") as f:
        for line in f:
            cols = line.split()
            if cols and not cols[0].startswith("#"):
                yield cols[0], cols[1], cols[2:-1], cols[-1]


def check_golden(a, name, cap, flags, code):
    """One TESTLIST row read as tests/golden/run.sh reads it (in the captures
    directory, TZ=UTC, stdout and stderr together, then 'exit N'), with each
    of GOLDEN_RUNS, against its expected file."""
    with open(os.path.join(a.golden, "expected", name + ".out"), encoding="utf-8", errors="replace") as f:
        want = f.read()
    lines = []
    for j, block in GOLDEN_RUNS:
        env = _env(block)
        env["TZ"] = "UTC"
        p = subprocess.run([os.path.abspath(a.tlsscope), "read"] + flags +
                           ["--color", "never", "-j", str(j), cap],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300, env=env,
                           cwd=os.path.join(a.golden, "captures"))
        # as run.sh's $(...; echo "exit $?") then printf '%s\n'
        got = (p.stdout.decode("utf-8", "replace") + "exit %d\n" % p.returncode).rstrip("\n") + "\n"
        if got != want:
            first = next((i for i, (x, y) in enumerate(zip(got.splitlines(), want.splitlines())) if x != y),
                         min(len(got.splitlines()), len(want.splitlines())))
            lines.append("golden %s (%s %s): %s differs from expected/%s.out at line %d" %
                         (name, cap, " ".join(flags), variant_name(j, block), name, first + 1))
    if code != "0" and not want.rstrip("\n").endswith("exit " + code):
        lines.append("golden %s: expected/%s.out does not end with 'exit %s'" % (name, name, code))
    return lines


def main():
    def more(ap):
        ap.add_argument("--golden", help="tests/golden: TESTLIST, captures/, expected/")
        ap.add_argument("--known", default=corpus_diff.default_known(),
                        help="reviewed disagreements with tshark (corpus_diff.py's list)")
        ap.add_argument("-j", "--parallel", type=int, default=2, help="captures at a time")
    a, caps = dc.captures_argv(NAME, more)
    passed = failed = 0
    judged = 0

    if a.golden:
        n = 0
        for name, cap, flags, code in golden_rows(a.golden):
            lines = check_golden(a, name, cap, flags, code)
            n += 1
            for line in lines:
                print("jobs: " + line)
            if lines:
                failed += 1
            else:
                passed += 1
        print("jobs: %d golden rows read with %s against tests/golden/expected" %
              (n, ", ".join(variant_name(j, b) for j, b in GOLDEN_RUNS)))

    rows = corpus_diff.read_hello_tsv(a.corpus) if a.corpus else {}
    known = dc.Known(a.known, NAME)
    in_corpus = set(dc.corpus_captures(a.corpus)) if a.corpus else set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.parallel)) as ex:
        futs = []
        for cap in caps:
            rel = dc.capture_key(cap, a.corpus) if a.corpus else None
            futs.append((cap, ex.submit(check_capture, a, cap,
                                        rows.get(rel, []) if rel in in_corpus else None, known)))
        for cap, fu in futs:        # in the order given, so the output is too
            lines, was_judged = fu.result()
            judged += was_judged
            for line in lines:
                print("jobs: " + line, flush=True)
            if lines:
                failed += 1
            else:
                passed += 1
    if a.corpus:
        print("jobs: %d corpus captures' outputs (-j 1 and -j N) held against tshark's hellos "
              "(%s: %d entries, %d used)" % (judged, os.path.basename(a.known), len(known.entries),
                                            sum(1 for e in known.entries if e[4])))
    print("jobs: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
