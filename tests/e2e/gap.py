#!/usr/bin/env python3
"""A hole in the middle of a certificate chain: one server segment of the
Certificate message is removed from a real capture. tlsscope must report a
gap of exactly that many bytes, not misparse what follows, and still decode
the connection's later records (the server's ChangeCipherSpec, its
NewSessionTicket and Finished).

usage: gap.py --tlsscope BIN CAPTURE   (a capture whose certificate spans several segments)
Closing line: 'gap: N passed, M failed'."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("capture")
    a = ap.parse_args()
    link, pkts = pcaplib.read_pcap(a.capture)
    parsed = [pcaplib.Pkt(r) for _, _, r in pkts]
    server_port = min(p.sport for p in parsed if p.tcp_ok and p.flags & 0x12 == 0x12)
    data = [i for i, p in enumerate(parsed) if p.tcp_ok and p.sport == server_port and p.payload]
    # the first server flight: ServerHello, Certificate (many segments), ...
    victim = data[3]
    missing = len(parsed[victim].payload)
    kept = [rec for i, rec in enumerate(pkts) if i != victim]
    checks = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "gap.pcap")
        pcaplib.write_pcap(path, link, kept)
        p = subprocess.run([a.tlsscope, "read", "--json", "-q", path], capture_output=True, timeout=60)
        checks.append(("exit 0", p.returncode == 0))
        conns = [json.loads(l) for l in p.stdout.decode().splitlines()]
        checks.append(("one connection", len(conns) == 1))
        c = conns[0] if conns else {"errors": [], "messages": []}
        gaps = [e for e in c["errors"] if e["kind"] == "gap"]
        checks.append(("a gap of %d bytes on s2c" % missing,
                       any(g["dir"] == "s2c" and g.get("missing_bytes") == missing for g in gaps)))
        s2c = [m["type"] for m in c["messages"] if m["dir"] == "s2c"]
        checks.append(("server_hello before the gap", "server_hello" in s2c))
        checks.append(("no certificate misparsed as another message",
                       not any(m.get("error") for m in c["messages"])))
        for t in ("change_cipher_spec", "new_session_ticket", "encrypted_handshake"):
            checks.append(("s2c %s after the gap" % t, t in s2c))
        checks.append(("the client's side intact",
                       [m["type"] for m in c["messages"] if m["dir"] == "c2s"][:3] ==
                       ["client_hello", "client_key_exchange", "change_cipher_spec"]))
    passed = sum(1 for _, ok in checks if ok)
    for name, ok in checks:
        if not ok:
            print("gap: FAILED: %s" % name)
    print("gap: %d passed, %d failed" % (passed, len(checks) - passed))
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
