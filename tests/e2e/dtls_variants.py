#!/usr/bin/env python3
"""Mangled DTLS: the real-peer captures with their datagrams reordered,
duplicated and dropped, as a network does to UDP, read by tlsscope.

usage: dtls_variants.py --tlsscope BIN CAPTURE_DIR

CAPTURE_DIR is what make_dtls_captures.py makes. Each capture is read as it
is and as each variant, without keys and with its key log (--keylog
NAME.keys --data=4096); the JSON is compared apart from timestamps and ids:

  reorder    the datagrams of each flight (a run of datagrams one side sends
             during the handshake) that carry only epoch-0 records in
             reverse order: handshake fragments arrive out of order (a
             Certificate's last fragment first): the same JSON as the
             original, with and without keys.
  duplicate  every datagram of the handshake, up to the first one with
             application data, sent twice in a row: the same JSON.
  early-epoch  (captures whose ChangeCipherSpec and Finished travel in
             separate datagrams: GnuTLS's) each Finished datagram moved
             before the ChangeCipherSpec datagram ahead of it: with keys,
             both Finished messages still decrypt, the decryption status is
             "decrypted" and the same messages are reported in each
             direction (their order may follow arrival).
  drop       (captures whose Certificate took at least 4 fragments) the
             datagram of one middle Certificate fragment removed: the
             connection reports a "gap" error on s2c (its missing_bytes, when
             given, the fragment's length); the server's Certificate
             is not reported (nor misread), every other message of both
             sides is, in the original order; with keys both Finished
             messages still decrypt.

Prints one line per failure, then `dtls-variants: N passed, M failed`
(one per capture, variant and reading). Exit 1 on any failure; 77 when
CAPTURE_DIR has no MANIFEST.tsv (the fixture was skipped: it needs root).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402
import variants  # noqa: E402  (norm, first_diff)

CCS, ALERT, HANDSHAKE, APP = 20, 21, 22, 23


def records(payload: bytes):
    """(content type, epoch, body) of each DTLS record of a datagram
    (13-byte headers; what does not parse ends the list)."""
    out, off = [], 0
    while off + 13 <= len(payload):
        ctype = payload[off]
        epoch, = struct.unpack_from("!H", payload, off + 3)
        length, = struct.unpack_from("!H", payload, off + 11)
        body = payload[off + 13:off + 13 + length]
        if len(body) != length:
            break
        out.append((ctype, epoch, body))
        off += 13 + length
    return out


def fragment(body: bytes):
    """(msg_type, message_seq, fragment_offset, fragment_length) of a
    plaintext handshake record body."""
    if len(body) < 12:
        return None
    t = body[0]
    seq, = struct.unpack_from("!H", body, 4)
    off = int.from_bytes(body[6:9], "big")
    flen = int.from_bytes(body[9:12], "big")
    return t, seq, off, flen


class Datagram:
    def __init__(self, rec):
        self.rec = rec                      # (sec, usec, raw)
        p = pcaplib.Pkt(rec[2])
        self.src = (p.src, p.sport)
        self.recs = records(p.payload) if p.udp_ok else []

    def types(self):
        return {r[0] for r in self.recs}

    def epoch0_handshake(self):
        return self.recs and all(r[0] == HANDSHAKE and r[1] == 0 for r in self.recs)


def handshake_part(dgs):
    """Index of the first datagram with application data (the end of the
    handshake), or len(dgs)."""
    for i, d in enumerate(dgs):
        if APP in d.types():
            return i
    return len(dgs)


def flights(dgs, end):
    """[start, stop) index ranges of runs of consecutive datagrams from one
    sender before `end`."""
    out, i = [], 0
    while i < end:
        j = i
        while j + 1 < end and dgs[j + 1].src == dgs[i].src:
            j += 1
        out.append((i, j + 1))
        i = j + 1
    return out


def v_reorder(dgs):
    end = handshake_part(dgs)
    out = list(dgs)
    for a, b in flights(dgs, end):
        idx = [k for k in range(a, b) if dgs[k].epoch0_handshake()]
        for k, src in zip(idx, reversed(idx)):
            out[k] = dgs[src]
    return out if out != dgs else None


def v_duplicate(dgs):
    end = handshake_part(dgs)
    out = []
    for i, d in enumerate(dgs):
        out.append(d)
        if i < end:
            out.append(d)
    return out


def v_early_epoch(dgs):
    out, moved = list(dgs), False
    for i in range(1, len(out)):
        d, prev = out[i], out[i - 1]
        if d.src == prev.src and d.recs and all(r[0] == HANDSHAKE and r[1] > 0 for r in d.recs) \
                and prev.types() == {CCS}:
            out[i - 1], out[i] = d, prev
            moved = True
    return out if moved else None


def cert_fragments(dgs):
    """Indexes of the datagrams carrying only one plaintext Certificate
    fragment, in order."""
    out = []
    for i, d in enumerate(dgs):
        if len(d.recs) == 1 and d.recs[0][0] == HANDSHAKE and d.recs[0][1] == 0:
            f = fragment(d.recs[0][2])
            if f and f[0] == 11:
                out.append((i, f))
    return out


def v_drop(dgs):
    frags = cert_fragments(dgs)
    if len(frags) < 3:
        return None
    i, f = frags[len(frags) // 2]
    return [d for k, d in enumerate(dgs) if k != i], f


def run(binary, path, extra):
    p = subprocess.run([binary, "read", "--json", "-q"] + extra + [path], capture_output=True,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError("tlsscope exit %d: %s" % (p.returncode,
                                                     p.stderr.decode(errors="replace")[-300:]))
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


def types(c, d):
    return [m["type"] for m in c.get("messages", []) if m.get("dir") == d]


def decrypted_finished(c):
    return sorted(m["dir"] for m in c.get("messages", [])
                  if m.get("type") == "finished" and m.get("decrypted"))


def msg_lists(base, got):
    """The message lists of the first connection whose lists differ."""
    for b, g in zip(base, got):
        mb = [m["dir"] + ":" + m["type"] for m in b.get("messages", [])]
        mg = [m["dir"] + ":" + m["type"] for m in g.get("messages", [])]
        if mb != mg:
            return f" (messages {mg}; the original's {mb})"
    return ""


def check_drop(base, got, keyed, frag):
    """Why the dropped-fragment reading is wrong, or None."""
    if len(got) != 1 or len(base) != 1:
        return f"{len(got)} connections (the original has {len(base)})"
    b, g = base[0], got[0]
    why = []
    gaps = [e for e in g.get("errors", []) if e.get("kind") == "gap" and e.get("dir") == "s2c"]
    if not gaps:
        why.append("no s2c gap error (errors: %s)" % json.dumps(g.get("errors", []))[:300])
    elif "missing_bytes" in gaps[0] and gaps[0]["missing_bytes"] != frag[3]:
        why.append(f"gap of {gaps[0]['missing_bytes']} bytes, the fragment dropped had {frag[3]}")
    if types(g, "c2s") != types(b, "c2s"):
        why.append(f"c2s messages {types(g, 'c2s')} != original {types(b, 'c2s')}")
    want = [t for t in types(b, "s2c") if t != "certificate"]
    if types(g, "s2c") != want:
        why.append(f"s2c messages {types(g, 's2c')}, want {want}")
    # errors the original has too (a decoder's) are not the hole's
    old = [json.dumps(e, sort_keys=True) for e in b.get("errors", [])]
    new = [e for e in g.get("errors", []) if e.get("kind") != "gap"
           and json.dumps(e, sort_keys=True) not in old]
    if new:
        why.append("errors the original does not have: " + json.dumps(new)[:300])
    bad = [m["type"] for m in g.get("messages", []) if m.get("error")]
    if bad != [m["type"] for m in b.get("messages", []) if m.get("error")]:
        why.append(f"messages reported malformed: {bad}")
    if g.get("certificates"):
        why.append("certificates reported from an incomplete Certificate message")
    if keyed and decrypted_finished(g) != ["c2s", "s2c"]:
        why.append(f"decrypted Finished: {decrypted_finished(g)}")
    return "; ".join(why) or None


def check_early_epoch(base, got):
    if len(got) != len(base):
        return f"{len(got)} connections (the original has {len(base)})"
    why = []
    for b, g in zip(base, got):
        for d in ("c2s", "s2c"):
            if sorted(types(g, d)) != sorted(types(b, d)):
                why.append(f"{d} messages {types(g, d)} != original {types(b, d)}")
        if decrypted_finished(g) != ["c2s", "s2c"]:
            why.append(f"decrypted Finished: {decrypted_finished(g)}")
        st = (g.get("decryption") or {}).get("status")
        if st != "decrypted":
            why.append(f"decryption.status {st!r}")
    return "; ".join(why) or None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="DTLS captures reordered, duplicated and dropped.")
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("capdir")
    a = ap.parse_args(argv)
    manifest = os.path.join(a.capdir, "MANIFEST.tsv")
    if not os.path.exists(manifest):
        print(f"dtls-variants: SKIPPED: no {manifest} (make_dtls_captures needs root)")
        return 77
    with open(manifest, encoding="utf-8") as f:
        names = [r["name"] for r in csv.DictReader(f, delimiter="\t")]
    passed = failed = 0

    def verdict(label, why):
        nonlocal passed, failed
        if why:
            print(f"dtls-variants: {label}: {why}")
            failed += 1
        else:
            passed += 1

    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            cap = os.path.join(a.capdir, name + ".pcap")
            keys = os.path.join(a.capdir, name + ".keys")
            link, pkts = pcaplib.read_pcap(cap)
            dgs = [Datagram(r) for r in pkts]
            readings = [("", [])] + ([(" [keys]", ["--keylog", keys, "--data=4096"])]
                                     if os.path.exists(keys) else [])
            base = {}
            try:
                for lab, extra in readings:
                    base[lab] = run(a.tlsscope, cap, extra)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                verdict(f"{name}: original", str(e))
                continue
            if not base[""]:
                verdict(f"{name}: original", "no connection in the original")
                continue
            made = [("reorder", v_reorder(dgs), None), ("duplicate", v_duplicate(dgs), None),
                    ("early-epoch", v_early_epoch(dgs), None)]
            dropped = v_drop(dgs)
            if dropped:
                made.append(("drop", dropped[0], dropped[1]))
            for vname, vdgs, frag in made:
                if vdgs is None:
                    continue
                path = os.path.join(tmp, f"{name}.{vname}.pcap")
                pcaplib.write_pcap(path, link, [d.rec for d in vdgs])
                for lab, extra in readings:
                    if vname == "early-epoch" and not extra:
                        continue    # without keys the arrival order is what there is
                    label = f"{name} {vname}{lab}"
                    try:
                        got = run(a.tlsscope, path, extra)
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        verdict(label, str(e))
                        continue
                    if vname == "drop":
                        verdict(label, check_drop(base[lab], got, bool(extra), frag))
                    elif vname == "early-epoch":
                        verdict(label, check_early_epoch(base[lab], got))
                    else:
                        d = variants.first_diff(variants.norm(base[lab]), variants.norm(got))
                        verdict(label, d and f"differs from the original: {d}{msg_lists(base[lab], got)}")
    print(f"dtls-variants: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
