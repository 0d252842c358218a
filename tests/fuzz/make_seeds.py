#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from real captures (the golden
captures made from real peers): whole files for the pipeline, frames for the
packet decoder, record streams, hellos, handshake messages, extensions and
certificates. Deterministic; run from the repository root:
    python3 tests/fuzz/make_seeds.py tests/golden/captures/*.pcap"""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import pcaplib  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
LIMIT = 40


def put(target, data, seen):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:16]
    if h in seen.setdefault(target, set()) or len(seen[target]) >= LIMIT:
        return
    seen[target].add(h)
    with open(os.path.join(d, "seed-" + h), "wb") as f:
        f.write(data)


def streams(pkts):
    """Concatenated TCP payload per (src, sport), in capture order, by sequence number."""
    out = {}
    for _, _, raw in pkts:
        try:
            p = pcaplib.Pkt(raw)
        except (ValueError, struct.error):
            continue
        if p.tcp_ok and p.payload:
            key = (p.src, p.sport)
            d = out.setdefault(key, {})
            d.setdefault(p.seq, p.payload)
    return {k: b"".join(v[s] for s in sorted(v)) for k, v in out.items()}


def conn_ops(pkts):
    """Per TCP connection, its payloads in capture order as the frame_tcp
    target's ops: [side][len u16][bytes]."""
    conns = {}
    for _, _, raw in pkts:
        try:
            p = pcaplib.Pkt(raw)
        except (ValueError, struct.error):
            continue
        if p.tcp_ok and p.payload:
            a, b = (p.src, p.sport), (p.dst, p.dport)
            key = (a, b) if a < b else (b, a)
            side = 0 if a == key[0] else 1
            conns.setdefault(key, []).append(bytes([side]) + struct.pack("!H", len(p.payload)) + p.payload)
    return [b"".join(ops[:64]) for ops in conns.values()]


def assemble_seeds(hs):
    """Handshake bytes as the assemble target's three modes: a stream in
    records of 100 bytes, DTLS fragments (each message in two, the second
    half first), CRYPTO pieces of 300 bytes, last first."""
    stream = bytes([0x10])
    for i in range(0, len(hs), 100):
        chunk = hs[i:i + 100]
        stream += bytes([1]) + struct.pack("!H", len(chunk)) + chunk
    frags, off, seq = bytes([0x11]), 0, 0
    while off + 4 <= len(hs):
        mt, ml = hs[off], int.from_bytes(hs[off + 1:off + 4], "big")
        body = hs[off + 4:off + 4 + ml]
        if len(body) < ml:
            break
        half = ml // 2
        for fo, fb in ((half, body[half:]), (0, body[:half])):
            frags += bytes([mt]) + ml.to_bytes(3, "big") + struct.pack("!H", seq) + fo.to_bytes(3, "big") + \
                len(fb).to_bytes(3, "big") + fb
        off += 4 + ml
        seq += 1
    crypto = bytes([0x12])
    for i in reversed(range(0, len(hs), 300)):
        chunk = hs[i:i + 300]
        crypto += i.to_bytes(3, "big") + struct.pack("!H", len(chunk)) + chunk
    return stream, frags, crypto


def records(stream):
    off = 0
    while off + 5 <= len(stream):
        t, v, n = stream[off], struct.unpack("!H", stream[off + 1:off + 3])[0], struct.unpack("!H", stream[off + 3:off + 5])[0]
        if t < 20 or t > 24 or (v >> 8) != 3:
            return
        yield t, stream[off + 5:off + 5 + n]
        off += 5 + n


def main():
    seen = {}
    for cap in sys.argv[1:]:
        data = open(cap, "rb").read()
        put("pipeline", data, seen)
        link, pkts = pcaplib.read_pcap(cap) if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4") else (None, [])
        for _, _, raw in pkts[:12]:
            put("packet", b"\x00" + raw, seen)
        for i, ops in enumerate(conn_ops(pkts)):
            put("frame_tcp", bytes([2 * (i & 1)]) + ops, seen)
        for key, st in streams(pkts).items():
            put("record", st[:4096], seen)
            hs = b"".join(body for t, body in records(st) if t == 22)
            for seed in assemble_seeds(hs[:16384]):
                put("assemble", seed, seen)
            off = 0
            while off + 4 <= len(hs):
                mt, ml = hs[off], int.from_bytes(hs[off + 1:off + 4], "big")
                body = hs[off + 4:off + 4 + ml]
                if len(body) < ml:
                    break
                if mt in (1, 2):
                    put("hello", body, seen)
                    # the extension block of a hello, for the extension target
                    sid = body[34] if len(body) > 34 else 0
                    if mt == 1 and len(body) > 35 + sid + 2:
                        o = 35 + sid
                        o += 2 + int.from_bytes(body[o:o + 2], "big")
                        o += 1 + body[o] if o < len(body) else 0
                        ext = body[o + 2:]
                        e = 0
                        while e + 4 <= len(ext):
                            et, el = int.from_bytes(ext[e:e + 2], "big"), int.from_bytes(ext[e + 2:e + 4], "big")
                            put("ext", bytes([0]) + ext[e:e + 2] + ext[e + 4:e + 4 + el], seen)
                            e += 4 + el
                for v in (1, 3, 4):
                    put("handshake", bytes([mt, v, 3]) + body, seen)
                if mt == 11 and len(body) > 6:
                    o = 3
                    while o + 3 <= len(body):
                        cl = int.from_bytes(body[o:o + 3], "big")
                        put("x509", body[o + 3:o + 3 + cl], seen)
                        o += 3 + cl
                off += 4 + ml
    for t, s in sorted(seen.items()):
        print("make_seeds: %s: %d seeds" % (t, len(s)))


if __name__ == "__main__":
    main()
