#!/usr/bin/env python3
"""Same output before and after: a tlsscope under test against a baseline
tlsscope (the previous main), byte for byte, on every capture there is.

usage: same_output.py --tlsscope BIN (--base BIN | --build-base BUILDDIR)
                      [--source DIR] [--ref-file FILE] [--corpus DIR]
                      [--golden DIR] [--build-dir DIR] [--known FILE]
                      [-j N] [--timeout S] [--only SUBSTRING] [-v]

Issue 13 rebuilds the middle of the data path; it is done when the text,
-v, --json and --summary output is the same as before on every capture,
except for reviewed bug fixes.  This is that comparison.

Captures, each under a root whose name prefixes its path in the report:
  corpus/            every .pcap, .pcapng, .cap (and .pcap.gz, .pcapng.gz,
                     decompressed to a temporary file) under --corpus;
                     skipped, and said so, when the directory is absent
  golden/            tests/golden/captures
  captures/          BUILD/captures, BUILD/decrypt_captures and
  decrypt_captures/  BUILD/weak_captures (--build-dir BUILD): what the
  weak_captures/     fixtures e2e/make_captures, e2e/make_decrypt_captures
                     and e2e/make_weak_captures make (they need root and
                     real peers); each absent directory is named and skipped

Runs: each capture in the four formats, `--text`, `-v`, `--json`,
`--summary`; and a capture with keys once more in the four formats with
the keys and `--data`:
  * the corpus's keyed captures as tests/e2e/corpus_decrypt.py selects them
    (NSS and Zeek key logs: --keylog; RSA keys: --rsa-key; a pcapng's
    Decryption Secrets Block: its TLS key log extracted to a temporary
    file, shown as <DSB> in the args);
  * outside the corpus, NAME.keys beside NAME.pcap (--keylog) and
    NAME.server.key (--rsa-key, a run of its own): the key logs
    make_captures.sh and make_decrypt_captures.sh write, and the golden
    tls10-rc4-gnutls.keys.
Every run is `BIN read -q --color never ARGS CAPTURE`; the args printed
(and listed in the known file) are ARGS with key paths relative to the
capture's root.  Compared: stdout byte for byte, and the exit code.  A run
over --timeout seconds (default 120) counts as exit "timeout".  -j runs
(default 2) go at a time, each running the baseline and then the binary
under test.

The baseline may predate DTLS: connections the binary under test reads over
another transport (JSON "transport" other than "tcp") are left out of its
output before the comparison, the rest numbered again (a second --json run
of that binary, only for a run whose output differs); the DTLS tests judge
those. A baseline without JSON's "transport" key is compared with the
binary's output without `"transport":"tcp",` (the one key added with DTLS,
docs/json.md); any other difference in a TCP connection still counts.

Each unexpected difference prints the capture, the args, both exit codes
(and the first stderr lines of a binary that did not exit 0), and the first
differing lines as a short unified diff:

    DIFF golden/tls13-hrr.pcap  --text
      exit: base 0, tlsscope 0
      @@ -3,7 +3,7 @@
       ...
      -   C>S ClientHello TLS 1.2, ...
      +   C>S ClientHelo TLS 1.2, ...

Reviewed differences (--known, default same_output_known.tsv beside this
script): tab-separated  capture (ROOT/path, as printed)  args (exactly as
printed)  reason (the bug the new output fixes).  One line per run: no
wildcards, no entry for a whole file or a class of files.  A listed run
that differs passes; a listed run that is the same on both sides, or that
names no run made, is stale and fails (delete it), unless its root was not
read this time (then it is named as not checked).

Output: the differences as they are found, then
    same-output: R runs over C captures (K with keys): I identical,
                 D reviewed differences, U unexpected, S stale entries; T s
    N passed, M failed
(the last line plain: N counts identical and reviewed runs, M unexpected
differences plus stale or malformed known entries).  Exit 0 when M is 0,
1 otherwise, 2 on a set-up error (a binary missing, the baseline failing to
build), 77 when --build-base cannot build the baseline because git or the
ref is unavailable (a tarball checkout, a shallow clone).

--build-base BUILDDIR: the baseline is the commit named in --ref-file
(default tests/e2e/same_output.base: one 40-hex commit), exported with
`git -C SOURCE archive REF | tar -x -C BUILDDIR/baseline-src` and built
with its own CMakeLists.txt in BUILDDIR/baseline-build (RelWithDebInfo,
-DTSC_WERROR=OFF, target tlsscope only; always a plain build, also when the
binary under test is an ASan one).  It is rebuilt only when the ref
changes (BUILDDIR/baseline-build/same_output.ref records what was built).
No network: git reads the local object store (lazy fetching is off).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import difflib_common  # noqa: E402

NAME = "same-output"
FORMATS = (("--text",), ("-v",), ("--json",), ("--summary",))
COMMON = ("-q", "--color", "never")
CAPTURE_EXTS = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")
BUILD_ROOTS = ("captures", "decrypt_captures", "weak_captures")
DSB = "<DSB>"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")
DIFF_LINES = 24       # lines of unified diff shown per difference
CONTEXT = 3


class SetupError(Exception):
    pass


class Skip(Exception):
    pass


# --------------------------------------------------------------------------
# the baseline build

def git_env() -> dict:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_NO_LAZY_FETCH"] = "1"     # a partial clone must not fetch
    return env


def read_ref(ref_file: str) -> str:
    try:
        with open(ref_file, encoding="utf-8") as f:
            words = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    except OSError as e:
        raise SetupError(f"cannot read {ref_file}: {e.strerror}")
    if len(words) != 1 or not re.fullmatch(r"[0-9a-f]{40}", words[0]):
        raise SetupError(f"{ref_file}: want one line holding a 40-hex commit")
    return words[0]


def build_baseline(source: str, ref_file: str, builddir: str) -> str:
    """Path of the baseline tlsscope, built from the ref if not yet built."""
    ref = read_ref(ref_file)
    src = os.path.join(builddir, "baseline-src")
    out = os.path.join(builddir, "baseline-build")
    stamp = os.path.join(out, "same_output.ref")
    binary = os.path.join(out, "tlsscope")
    try:
        with open(stamp, encoding="utf-8") as f:
            if f.read().strip() == ref and os.access(binary, os.X_OK):
                print(f"{NAME}: baseline {ref[:12]}: reusing {binary}", flush=True)
                return binary
    except OSError:
        pass
    if shutil.which("git") is None:
        raise Skip("git is not installed, so the baseline cannot be built")
    p = subprocess.run(["git", "-C", source, "rev-parse", "--verify", "--quiet",
                        ref + "^{commit}"], capture_output=True, env=git_env())
    if p.returncode != 0:
        raise Skip(f"baseline commit {ref[:12]} is not in {source} "
                   "(not a git checkout, or a shallow clone)")
    t0 = time.monotonic()
    print(f"{NAME}: baseline {ref[:12]}: building in {out}", flush=True)
    for d in (src, out):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    log_path = os.path.join(builddir, "baseline-build.log")
    with open(log_path, "wb") as log:
        git = subprocess.Popen(["git", "-C", source, "archive", "--format=tar", ref],
                               stdout=subprocess.PIPE, stderr=log, env=git_env())
        tar = subprocess.run(["tar", "-x", "-C", src], stdin=git.stdout, stderr=log)
        git.stdout.close()
        steps = [["cmake", "-S", src, "-B", out, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                  "-DTSC_WERROR=OFF"],
                 ["cmake", "--build", out, "--target", "tlsscope", "-j2"]]
        if git.wait() != 0 or tar.returncode != 0:
            failed = "git archive | tar"
        else:
            failed = None
            for cmd in steps:
                log.write(("$ " + " ".join(cmd) + "\n").encode())
                log.flush()
                if subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode != 0:
                    failed = " ".join(cmd[:2])
                    break
    if failed or not os.access(binary, os.X_OK):
        with open(log_path, "rb") as f:
            tail = f.read().decode("utf-8", "replace").splitlines()[-15:]
        raise SetupError(f"baseline {ref[:12]}: {failed or 'no tlsscope built'} failed "
                         f"(log: {log_path}):\n    " + "\n    ".join(tail))
    with open(stamp, "w", encoding="utf-8") as f:
        f.write(ref + "\n")
    print(f"{NAME}: baseline {ref[:12]}: built in {time.monotonic() - t0:.0f}s", flush=True)
    return binary


# --------------------------------------------------------------------------
# the runs

class Run:
    """One comparison: a capture and the args both binaries get."""

    def __init__(self, root, rootdir, rel, args, keyed=False, dsb=None):
        self.root = root          # "corpus", "golden", ...
        self.rootdir = rootdir
        self.rel = rel            # capture path relative to rootdir
        self.args = list(args)    # as passed (absolute key paths)
        self.keyed = keyed
        self.dsb = dsb            # extracted DSB key log replacing DSB in args

    @property
    def capture(self) -> str:
        return f"{self.root}/{self.rel}"

    @property
    def shown(self) -> str:
        """The args as printed and listed: key paths relative to the root."""
        out = []
        for a in self.args:
            if a != DSB and os.path.isabs(a):
                a = os.path.relpath(a, self.rootdir)
            out.append(a)
        return " ".join(out)

    @property
    def key(self):
        return (self.capture, self.shown)


def find_captures(rootdir: str) -> list:
    out = []
    for d, dirs, files in os.walk(rootdir):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(CAPTURE_EXTS):
                out.append(os.path.relpath(os.path.join(d, f), rootdir))
    return out


def keys_beside(rootdir: str, rel: str) -> list:
    """[key args] for NAME.keys and NAME.server.key beside NAME.pcap."""
    base = os.path.join(rootdir, re.sub(r"\.(pcap|pcapng|cap)(\.gz)?$", "", rel))
    out = []
    if os.path.isfile(base + ".keys"):
        out.append(["--keylog", base + ".keys"])
    if os.path.isfile(base + ".server.key"):
        out.append(["--rsa-key", base + ".server.key"])
    return out


def corpus_keys(corpus: str, notes: list) -> dict:
    """rel -> [key args] for the corpus's keyed captures."""
    try:
        import corpus_decrypt
        cases, _skipped = corpus_decrypt.select_cases(corpus, 0)
    except (ImportError, OSError) as e:
        notes.append(f"corpus: keyed runs skipped: {e}")
        return {}
    out = {}
    for c in cases:
        if c.kind == "keylog":
            out.setdefault(c.rel, []).append(["--keylog", c.key])
        elif c.kind == "rsa":
            out.setdefault(c.rel, []).append(["--rsa-key", c.key])
        elif c.kind == "dsb":
            out.setdefault(c.rel, []).append(["--keylog", DSB])
    return out


def make_runs(roots: list, corpus_keyed: dict) -> list:
    runs = []
    for root, rootdir in roots:
        for rel in find_captures(rootdir):
            keysets = corpus_keyed.get(rel, []) if root == "corpus" else keys_beside(rootdir, rel)
            for fmt in FORMATS:
                runs.append(Run(root, rootdir, rel, fmt))
            for ks in keysets:
                for fmt in FORMATS:
                    runs.append(Run(root, rootdir, rel, list(fmt) + ks + ["--data"], keyed=True))
    return runs


def execute(binary: str, args: list, capture: str, timeout: int):
    """(exit code or "timeout", stdout bytes, stderr text)"""
    try:
        p = subprocess.run([binary, "read", *COMMON, *args, capture],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", b"", f"no exit within {timeout}s"
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def prepare(run: Run, tmp: str):
    """(capture path to read, args with the DSB key log) for a run."""
    path = os.path.join(run.rootdir, run.rel)
    args = run.args
    path = difflib_common.unpacked(path, tmp)
    if DSB in args:
        import corpus_decrypt
        kl = os.path.join(tmp, "dsb.keys")
        if corpus_decrypt.extract_dsb(path, kl) == 0:
            raise SetupError("no TLS key log in the pcapng's Decryption Secrets Blocks")
        args = [kl if a == DSB else a for a in args]
    return path, args


class Outcome:
    def __init__(self, run):
        self.run = run
        self.same = True
        self.report = []          # lines describing the difference
        self.unlistable = False   # a sanitizer report: never a reviewed difference


def _hunk_shift(line: str, off: int) -> str:
    m = re.match(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", line)
    if not m:
        return line
    a, b = int(m.group(1)) + off, int(m.group(3)) + off
    return f"@@ -{a}{m.group(2) or ''} +{b}{m.group(4) or ''} @@"


def first_diff(a: bytes, b: bytes) -> list:
    """A short unified diff around the first differing line of a and b."""
    la, lb = a.split(b"\n"), b.split(b"\n")
    i = 0
    while i < len(la) and i < len(lb) and la[i] == lb[i]:
        i += 1
    lo = max(0, i - CONTEXT)
    wa = [x.decode("utf-8", "replace") for x in la[lo:i + DIFF_LINES]]
    wb = [x.decode("utf-8", "replace") for x in lb[lo:i + DIFF_LINES]]
    out = [_hunk_shift(l, lo) for l in difflib.unified_diff(wa, wb, "base", "tlsscope",
                                                           n=CONTEXT, lineterm="")][2:]
    out = out[:DIFF_LINES]
    if len(la) == len(lb):
        n = sum(1 for x, y in zip(la, lb) if x != y)
        size = f"{n} of {len(la)} lines differ"
    else:
        size = f"{len(la)} lines against {len(lb)}"
    return out + [f"(stdout: {size}, {len(a)} bytes against {len(b)}; "
                  f"first difference at line {i + 1})"]


def _renumber(out: bytes, fmt: str, drop: set) -> bytes:
    """out without the connections whose ids are in drop, the others
    numbered again from 1 in the same order."""
    lines = out.split(b"\n")
    tail = lines.pop()  # what follows the last newline: not part of a block
    kept, nid, cur_drop = [], 0, False
    for line in lines:
        if fmt == "--json":
            m = re.match(rb'\{"id":(\d+),', line)
            if m:
                if int(m.group(1)) in drop:
                    continue
                nid += 1
                line = b'{"id":%d,' % nid + line[m.end():]
        elif fmt == "--summary":
            m = re.match(rb"(\d+) ", line)
            if m:
                if int(m.group(1)) in drop:
                    continue
                nid += 1
                line = b"%d " % nid + line[m.end():]
        else:  # --text, -v: a block per connection, from its header line on
            m = re.match(rb"Connection (\d+)  ", line)
            if m:
                cur_drop = int(m.group(1)) in drop
                if not cur_drop:
                    nid += 1
                    line = b"Connection %d  " % nid + line[m.end():]
            if cur_drop:
                continue
        kept.append(line)
    return b"\n".join(kept + [tail])


def without_new_transports(new: str, args: list, cap: str, timeout: int, out: bytes) -> bytes:
    """The baseline reads TLS over TCP only: the connections the binary
    under test finds over other transports (DTLS, QUIC: "transport" in its
    JSON) are left out of its output, and the rest numbered again, so what
    is compared is every connection both can read. Their own correctness
    is the DTLS and QUIC differential tests' (dtls_*.py)."""
    fmt = next((a for a in args if a in {f[0] for f in FORMATS}), "--text")
    jargs = [a for a in args if a not in {f[0] for f in FORMATS}] + ["--json"]
    rc, js, _ = execute(new, jargs, cap, timeout)
    if rc == "timeout":
        return out
    drop = set()
    for line in js.splitlines():
        try:
            c = json.loads(line)
        except ValueError:
            continue
        if c.get("transport", "tcp") != "tcp":
            drop.add(c["id"])
    return _renumber(out, fmt, drop) if drop else out


def compare(run: Run, base: str, new: str, timeout: int) -> Outcome:
    res = Outcome(run)
    # a temporary directory only for what needs one (.gz, a DSB key log)
    tmp = tempfile.mkdtemp(prefix="tsc-same-") if run.rel.endswith(".gz") or DSB in run.args else None
    try:
        try:
            cap, args = prepare(run, tmp)
        except (SetupError, OSError) as e:
            res.same = False
            res.unlistable = True
            res.report = [f"set-up: {e}"]
            return res
        rb, ob, eb = execute(base, args, cap, timeout)
        rn, on, en = execute(new, args, cap, timeout)
        if ob != on and rb == rn:
            on = without_new_transports(new, args, cap, timeout, on)
            if b'"transport":' not in ob:
                on = on.replace(b'"transport":"tcp",', b"")  # the key the baseline predates
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    san = next((l for l in en.splitlines() if any(m in l for m in SANITIZER_MARKS)), None)
    if san:
        res.same = False
        res.unlistable = True
        res.report.append(f"sanitizer report from tlsscope: {san.strip()[:300]}")
    if rb != rn:
        res.same = False
        res.report.append(f"exit: base {rb}, tlsscope {rn}")
        for who, rc, err in (("base", rb, eb), ("tlsscope", rn, en)):
            lines = [l for l in err.splitlines() if l.strip()]
            if rc != 0 and lines:
                res.report += [f"{who} stderr: {l[:300]}" for l in lines[:3]]
    if ob != on:
        res.same = False
        if rb == rn:
            res.report.append(f"exit: both {rb}")
        res.report += first_diff(ob, on)
    if not res.same:
        res.report.append("repro: BIN read " + " ".join(COMMON + tuple(run.args)) +
                          f" {os.path.join(run.rootdir, run.rel)}")
    return res


# --------------------------------------------------------------------------
# the reviewed differences

def load_known(path: str):
    """({(capture, args): reason}, [problems])"""
    entries, problems = {}, []
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        return entries, [f"{path}: {e.strerror}"]
    with f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{os.path.basename(path)}:{n}"
            cols = line.split("\t")
            if len(cols) != 3 or not all(c.strip() for c in cols):
                problems.append(f"{where}: want three tab-separated columns "
                                "(capture, args, reason), none empty")
                continue
            cap, args, reason = (c.strip() for c in cols)
            if any(ch in cap + args for ch in "*?[]"):
                problems.append(f"{where}: wildcards are not allowed: one entry per run")
                continue
            if not cap.endswith(CAPTURE_EXTS) or "/" not in cap:
                problems.append(f"{where}: {cap!r} is not ROOT/path of one capture")
                continue
            if args.split()[0] not in {f[0] for f in FORMATS}:
                problems.append(f"{where}: args {args!r} must start with the format "
                                "(--text, -v, --json or --summary), exactly as printed")
                continue
            if (cap, args) in entries:
                problems.append(f"{where}: duplicate entry")
                continue
            entries[(cap, args)] = reason
    return entries, problems


# --------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="tlsscope's output against a baseline tlsscope's, byte for byte.")
    ap.add_argument("--tlsscope", required=True, help="the binary under test")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--base", help="the baseline binary")
    g.add_argument("--build-base", metavar="BUILDDIR",
                   help="build the baseline from --ref-file in BUILDDIR/baseline-*")
    src_default = os.path.dirname(os.path.dirname(HERE))
    ap.add_argument("--source", default=src_default,
                    help="git checkout holding the baseline commit (default: this one)")
    ap.add_argument("--ref-file", default=os.path.join(HERE, "same_output.base"))
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(src_default),
                                                     "shared", "corpus"))
    ap.add_argument("--golden", default=os.path.join(src_default, "tests", "golden", "captures"))
    ap.add_argument("--build-dir", help="the build directory whose captures, "
                    "decrypt_captures and weak_captures are read")
    ap.add_argument("--known", default=os.path.join(HERE, "same_output_known.tsv"))
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per tlsscope run")
    ap.add_argument("--only", action="append", default=[],
                    help="only captures whose ROOT/path contains this (repeatable; "
                         "stale entries are then not judged)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print the reviewed differences")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    try:
        base = args.base or build_baseline(os.path.abspath(args.source), args.ref_file,
                                           os.path.abspath(args.build_base))
    except Skip as e:
        print(f"{NAME}: SKIPPED: {e}")
        return 77
    except SetupError as e:
        print(f"{NAME}: {e}")
        return 2
    for who, b in (("baseline", base), ("tlsscope", args.tlsscope)):
        if not os.access(b, os.X_OK):
            print(f"{NAME}: {who} binary not found: {b}")
            return 2
    base, new = os.path.abspath(base), os.path.abspath(args.tlsscope)

    roots, notes, unread = [], [], set()
    for root, d in ([("corpus", args.corpus), ("golden", args.golden)] +
                    [(r, os.path.join(args.build_dir, r) if args.build_dir else None)
                     for r in BUILD_ROOTS]):
        if d and os.path.isdir(d):
            roots.append((root, os.path.abspath(d)))
        else:
            unread.add(root)
            why = f"{d} absent" if d else "no --build-dir given"
            if root in BUILD_ROOTS:
                why += f" (made by the fixture e2e/make_{root}, which needs root)"
            print(f"{NAME}: {root}: SKIPPED: {why}")
    corpus_dir = dict(roots).get("corpus")
    keyed = corpus_keys(corpus_dir, notes) if corpus_dir else {}
    runs = make_runs(roots, keyed)
    if args.only:
        runs = [r for r in runs if any(o in r.capture for o in args.only)]
    for n in notes:
        print(f"{NAME}: {n}")
    known, problems = load_known(args.known)
    counts = {root: len({r.rel for r in runs if r.root == root}) for root, _ in roots}
    print(f"{NAME}: {len(runs)} runs: " + ", ".join(f"{root} {n} captures"
                                                     for root, n in counts.items()) +
          f"; baseline {base}", flush=True)

    same = reviewed = unexpected = 0
    differing = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for res in ex.map(lambda r: compare(r, base, new, args.timeout), runs):
            r = res.run
            if res.same:
                same += 1
                continue
            differing.add(r.key)
            if r.key in known and not res.unlistable:
                reviewed += 1
                if args.verbose:
                    print(f"reviewed: {r.capture}  {r.shown}  ({known[r.key]})")
                continue
            unexpected += 1
            print(f"DIFF {r.capture}  {r.shown}")
            for l in res.report:
                print("  " + l)
            sys.stdout.flush()

    made = {r.key for r in runs}
    stale = 0
    for (cap, a), reason in known.items():
        root = cap.split("/", 1)[0]
        if root in unread:
            print(f"{NAME}: note: known entry not checked ({root} not read): {cap}\t{a}")
            continue
        if args.only:
            continue
        if (cap, a) not in made:
            problems.append(f"stale known entry (no such run): {cap}\t{a}")
            stale += 1
        elif (cap, a) not in differing:
            problems.append(f"stale known entry (the output is now the same; delete it): "
                            f"{cap}\t{a}")
            stale += 1
    for p in problems:
        print(f"{NAME}: {p}")

    failed = unexpected + len(problems)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru.ru_utime + ru.ru_stime
    ncap = sum(counts.values())
    nkeyed = len({(r.root, r.rel) for r in runs if r.keyed})
    print(f"{NAME}: {len(runs)} runs over {ncap} captures ({nkeyed} with keys): "
          f"{same} identical, {reviewed} reviewed differences, {unexpected} unexpected, "
          f"{stale} stale entries; {time.monotonic() - t0:.0f}s, "
          f"{cpu:.0f}s CPU in the two binaries and the baseline build")
    print(f"{same + reviewed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
