#!/usr/bin/env python3
"""tlsscope's own pcap/pcapng reader against libpcap: every capture
given (and the public corpus, when --corpus names it) must give the same
output with --reader auto and --reader libpcap. Where libpcap cannot read a
file at all (pcapng with interfaces of different link types, which libpcap
refuses) tlsscope's own reader may do better; that is counted, not failed.

usage: readers.py --tlsscope BIN [--corpus DIR] [CAPTURE...]
Closing line: 'readers: N passed, M failed'."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import difflib_common as dc  # noqa: E402

NAME = "readers"


# Reviewed differences: capture (relative to the corpus) -> why tlsscope's own reader is right.
KNOWN = {
    "mercury/unit_tests/pcaps/imap2.pcap":
        "packet 2's seconds field is 2961276382 (2063): pcap timestamps are unsigned, as tshark reads them; "
        "libpcap 1.10 sign-extends it to 1906, which changes which packet starts the connection",
}


def run(binary, reader, path):
    p = subprocess.run([binary, "read", "--json", "-q", "--reader", reader, path], capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def main():
    a, caps = dc.captures_argv(NAME)
    passed = failed = better = 0
    for cap in caps:
        rc1, out1, err1 = run(a.tlsscope, "auto", cap)
        rc2, out2, err2 = run(a.tlsscope, "libpcap", cap)
        if rc1 < 0 or rc2 < 0:
            print("readers: %s: crashed (auto %d, libpcap %d)" % (cap, rc1, rc2))
            failed += 1
        elif rc1 == rc2 and out1 == out2:
            passed += 1
        elif rc2 != 0 and rc1 == 0 and "no packet could be read" in err2:
            better += 1
            passed += 1
        elif a.corpus and os.path.relpath(cap, a.corpus) in KNOWN:
            passed += 1
        else:
            print("readers: %s: auto exit %d (%d bytes), libpcap exit %d (%d bytes): %s | %s" %
                  (cap, rc1, len(out1), rc2, len(out2), err1.strip()[-120:], err2.strip()[-120:]))
            failed += 1
    print("readers: %d files read better by tlsscope's own reader than by libpcap" % better)
    print("readers: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
