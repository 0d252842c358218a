#!/usr/bin/env python3
"""Memory stays under the configured cap on a capture of 100,000 half-open
connections (each a SYN and a ClientHello, never answered), and the
evictions are reported. Peak RSS is compared with tlsscope's own baseline
(its RSS on a one-connection capture) plus the --max-memory cap.

usage: memory.py --tlsscope BIN [--connections N] [--cap 32M]
Skipped (said so) in sanitizer builds, whose allocator the cap cannot see.
Closing line: 'memory: N passed, M failed'."""
import argparse
import os
import resource
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402


def client_hello(sni):
    name = sni.encode()
    sni_ext = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    exts = sni_ext + struct.pack("!HHH", 0x0a, 4, 2) + b"\x00\x1d"
    suites = b"\x13\x01\x13\x02\xc0\x2f\xc0\x30"
    body = (b"\x03\x03" + os.urandom(32) + b"\x00" + struct.pack("!H", len(suites)) + suites + b"\x01\x00" +
            struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def make_capture(path, n):
    server = bytes([10, 0, 0, 1])
    pkts = []
    ch = client_hello("half-open.example")
    for i in range(n):
        client = bytes([10, 1 + (i >> 16) % 200, (i >> 8) & 255, i & 255])
        sport = 1024 + (i % 60000)
        t = i // 1000
        usec = (i % 1000) * 1000
        pkts.append((t, usec, pcaplib.ether(pcaplib.ipv4(client, server, 6, pcaplib.tcp(sport, 443, 1000, 0, 0x02)))))
        pkts.append((t, usec + 1, pcaplib.ether(pcaplib.ipv4(client, server, 6,
                                                              pcaplib.tcp(sport, 443, 1001, 1, 0x18, ch)))))
    pcaplib.write_pcap(path, pcaplib.LINK_ETHERNET, pkts)


def peak_rss_of(cmd):
    """Run cmd in a fresh child process and return (returncode, stderr, peak RSS in bytes)."""
    code = ("import resource,subprocess,sys;"
            "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
            "sys.stderr.buffer.write(p.stderr);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.exit(p.returncode)")
    p = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, timeout=600)
    return p.returncode, p.stderr.decode(errors="replace"), int(p.stdout.decode().strip() or 0) * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--connections", type=int, default=100000)
    ap.add_argument("--cap", default="32M")
    a = ap.parse_args()
    if os.environ.get("TSC_SANITIZE"):
        print("memory: SKIPPED: sanitizer build (its allocator is invisible to the cap)")
        print("memory: 0 passed, 0 failed")
        return 0
    cap = int(a.cap[:-1]) << 20 if a.cap.endswith("M") else int(a.cap)
    checks = []
    with tempfile.TemporaryDirectory() as tmp:
        small, big = os.path.join(tmp, "one.pcap"), os.path.join(tmp, "many.pcap")
        make_capture(small, 1)
        make_capture(big, a.connections)
        rc0, _, base = peak_rss_of([a.tlsscope, "read", "--summary", small])
        rc, err, peak = peak_rss_of([a.tlsscope, "read", "--summary", "--max-memory", a.cap, big])
        print("memory: baseline RSS %.1f MB, peak RSS %.1f MB with --max-memory %s on %d half-open connections" %
              (base / 2**20, peak / 2**20, a.cap, a.connections))
        checks.append(("both runs exit 0", rc0 == 0 and rc == 0))
        checks.append(("peak RSS %.1f MB <= baseline %.1f MB + cap %.1f MB" % (peak / 2**20, base / 2**20, cap / 2**20),
                       peak <= base + cap))
        checks.append(("evictions reported", "flows evicted" in err))
        rc2, err2, peak2 = peak_rss_of([a.tlsscope, "read", "--summary", big])
        print("memory: without the cap: peak RSS %.1f MB" % (peak2 / 2**20))
        checks.append(("the cap made a difference", peak2 > peak))
    ok = sum(1 for _, v in checks if v)
    for name, v in checks:
        if not v:
            print("memory: FAILED: %s" % name)
    print("memory: %d passed, %d failed" % (ok, len(checks) - ok))
    return 0 if ok == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
