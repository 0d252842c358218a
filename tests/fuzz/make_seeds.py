#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from real captures (the golden
captures made from real peers): whole files for the pipeline, frames for the
packet decoder, record streams, hellos, handshake messages, extensions and
certificates. Deterministic; run from the repository root:
    python3 tests/fuzz/make_seeds.py [--targets=T1,T2] tests/golden/captures/*.pcap

DTLS captures (UDP) give the frame_dtls and dtls_frag seeds: a capture's
key log, when it has one, is CAPTURE.keys beside it or named as
CAPTURE=KEYLOG, and goes into the frame_dtls seeds that decrypt. The DTLS
seeds in the repository came from openssl s_server/s_client -dtls1_2 and
-dtls1 captures with key logs (AES-GCM, AES-CBC, ChaCha20 with -mtu 400,
each with its cookie exchange), and from a few small public captures of
../shared/corpus: a DTLS 1.3 connection with connection IDs and a
HelloRetryRequest (zeek dtls13-cid.pcap, first connection, small datagrams
only), DTLS 1.3 with its key log (illustrated-dtls), fragmented and
interleaved ClientHellos (mercury), DTLS beside STUN (zeek webrtc-stun.pcap),
sequence numbers that jump (zeek).

QUIC captures (UDP datagrams whose first packet is a long header of
version 1 or 2) give the quic seeds, each datagram with the DCID length
its short headers have; the ones in the repository came from the
corpus's illustrated-quic capture.pcap and arkime's quicietf.pcap and
quicietfooo.pcap, plus decrypted payloads written out below
(quic_synthetic). The same captures give the frame_quic seeds: the
corpus's illustrated-quic capture.pcap (its keylog.txt is part of the
target's fixed key log) and the golden quic-*.pcap made by
tests/e2e/make_quic_captures.py (their .keys too)."""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import pcaplib  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
LIMIT = 40
DTLS_SEED_BYTES = 4096  # datagrams of one connection kept in a frame_dtls seed
DTLS_SEED_DATAGRAMS = 32


ONLY = None  # --targets=a,b: write only these targets' seeds


def put(target, data, seen):
    if ONLY is not None and target not in ONLY:
        return
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


def quic_crypto_seeds(hs):
    """Handshake bytes of one direction as the quic_crypto target's CRYPTO
    pieces (op 0, cap 8 KiB): 300-byte pieces 200 bytes apart (each
    overlapping the next), the odd ones first, then the even ones, then the
    first again; and the same bytes from the last piece to the first."""
    def raw(off, b):
        return bytes([0]) + off.to_bytes(3, "big") + struct.pack("!H", len(b)) + b
    head = bytes([7]) + bytes(12)
    starts = list(range(0, len(hs), 200))
    order = starts[1::2] + starts[0::2] + starts[:1]
    yield head + b"".join(raw(o, hs[o:o + 300]) for o in order)
    yield head + b"".join(raw(o, hs[o:o + 200]) for o in reversed(starts))


def quic_crypto_synthetic():
    """The quic_crypto target's edge cases (generated pieces of its six
    messages, and RFC 9001 A.2's ClientHello as it comes)."""
    def gen(off, n, salt=0):
        return bytes([1 | salt << 2]) + off.to_bytes(3, "big") + struct.pack("!H", n)

    def raw(off, b):
        return bytes([0]) + off.to_bytes(3, "big") + struct.pack("!H", len(b)) + b

    def edge(sel, d, n):
        return bytes([2 | sel << 2]) + struct.pack("!HH", d, n)

    def near(d, n, salt=0):
        return bytes([3 | salt << 2]) + struct.pack("!HH", d, n)

    def lens(*ls):
        return struct.pack("!6H", *ls)
    seeds = []
    # RFC 9001 A.2's ClientHello (the CRYPTO frame's data) in three pieces,
    # the last first, as Chrome splits and reorders its ClientHello, one
    # piece sent twice
    ch = RFC9001_CH
    seeds.append(bytes([2]) + bytes(12) + raw(160, ch[160:]) + raw(0, ch[:90]) + raw(160, ch[160:]) +
                 raw(90, ch[90:160]))
    # cap 1 KiB, messages of 40, 0, 300, 1100 (over the cap: passed over),
    # 20 and 5 bytes: a gap filled late, overlaps whose bytes disagree (the
    # first copy kept), a repeat, a piece too far ahead and one that just
    # fits, a piece straight on while nothing is held
    ls = lens(40, 0, 300, 1100, 20, 5)
    ops = gen(0, 10) + gen(30, 20) + gen(20, 30, 5) + gen(30, 20) + gen(10, 15, 3) + gen(5, 60) + \
        near(1024 + 1024, 1) + near(1024 + 1023, 1, 2) + gen(60, 200) + gen(260, 400) + gen(660, 900) + \
        gen(1560, 50) + gen(2000, 10) + gen(1610, 200)
    seeds.append(bytes([4]) + ls + ops)
    # offsets at and past 2^62 - 1, and at 2^64 - 1
    ops = gen(0, 8) + edge(0, 0, 1) + edge(0, 0, 0) + edge(0, 10, 10) + edge(0, 10, 11) + edge(1, 0, 1) + \
        edge(2, 0, 1) + edge(2, 5, 6) + gen(8, 100)
    seeds.append(bytes([4]) + ls + ops)
    # cap 128: 33 pieces held apart (one more than kept), then one that joins
    # them; a piece reaching exactly the cap ahead and one a byte past
    ops = b"".join(gen(4 + 3 * k, 1) for k in range(34)) + gen(0, 120) + edge(3, 10, 10) + edge(3, 10, 11)
    seeds.append(bytes([1]) + lens(60, 62, 64, 65, 3, 0) + ops)
    # cap 128: a message of 120 bytes pending when 20 more bytes join in
    # one piece (the stream's buffer breaks), then nothing more goes on
    ops = gen(0, 100) + gen(100, 40) + gen(140, 20)
    seeds.append(bytes([1]) + lens(120, 10, 0, 0, 0, 0) + ops)
    # cap 128: a message of 126 bytes left over at the end of a piece that
    # began it (buffered with its header: 129 bytes, over the cap)
    seeds.append(bytes([1]) + lens(10, 126, 0, 0, 0, 0) + gen(0, 143) + gen(143, 10))
    return seeds


def records(stream):
    off = 0
    while off + 5 <= len(stream):
        t, v, n = stream[off], struct.unpack("!H", stream[off + 1:off + 3])[0], struct.unpack("!H", stream[off + 3:off + 5])[0]
        if t < 20 or t > 24 or (v >> 8) != 3:
            return
        yield t, stream[off + 5:off + 5 + n]
        off += 5 + n


def udp_datagrams(link, pkts):
    """(src, dst, payload) of each UDP datagram over Ethernet (VLANs too),
    Linux cooked, raw IP or BSD loopback, IPv4 or IPv6 (not IP fragments)."""
    out = []
    for _, _, raw in pkts:
        if link == pcaplib.LINK_ETHERNET:
            off, et = 12, None
            while off + 2 <= len(raw):
                et = struct.unpack("!H", raw[off:off + 2])[0]
                off += 2
                if et not in (0x8100, 0x88a8):
                    break
                off += 2
            ip = raw[off:]
        elif link == pcaplib.LINK_SLL:
            ip = raw[16:]
        elif link == pcaplib.LINK_SLL2:
            ip = raw[20:]
        elif link == 0:
            ip = raw[4:]
        elif link == pcaplib.LINK_RAW:
            ip = raw
        else:
            continue
        if len(ip) < 20:
            continue
        if ip[0] >> 4 == 4:
            ihl = (ip[0] & 15) * 4
            if ip[9] != 17 or struct.unpack("!H", ip[6:8])[0] & 0x3fff:
                continue
            total = struct.unpack("!H", ip[2:4])[0]
            src, dst, seg = ip[12:16], ip[16:20], ip[ihl:total]
        elif ip[0] >> 4 == 6 and len(ip) >= 40:
            if ip[6] != 17:
                continue
            src, dst, seg = ip[8:24], ip[24:40], ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        else:
            continue
        if len(seg) < 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", seg[:6])
        out.append(((src, sport), (dst, dport), seg[8:ulen]))
    return out


def dtls_records(dg):
    """(type, epoch, body) of each DTLSPlaintext record of a datagram (none
    after a unified header or something else)."""
    off = 0
    while off + 13 <= len(dg):
        t, v = dg[off], dg[off + 1:off + 3]
        if not 20 <= t <= 26 or v[0] not in (0xfe, 0x01):
            return
        n = struct.unpack("!H", dg[off + 11:off + 13])[0]
        yield t, struct.unpack("!H", dg[off + 3:off + 5])[0], dg[off + 13:off + 13 + n]
        off += 13 + n


def dtls_plausible(dg):
    recs = list(dtls_records(dg))
    return bool(recs) and sum(13 + len(b) for _, _, b in recs) == len(dg)


def dtls_conns(link, pkts):
    """Per UDP 5-tuple that carries DTLS: [(side, payload)] from its first
    DTLS datagram on, side 0 the sender of that datagram."""
    conns, order = {}, []
    for src, dst, payload in udp_datagrams(link, pkts):
        key = (src, dst) if src < dst else (dst, src)
        if key not in conns:
            if not dtls_plausible(payload):
                continue
            conns[key] = (src, [])
            order.append(key)
        first, dgs = conns[key]
        dgs.append((0 if src == first else 1, payload))
    return [conns[k][1] for k in order]


def read_keys(path):
    """A key log's lines but comments and RSA ones, to keep seeds small."""
    keep = []
    for line in open(path, "rb").read().splitlines():
        f = line.split()
        if len(f) != 3 or f[0].startswith(b"#") or f[0] == b"RSA":
            continue
        keep.append(b" ".join(f))
    return b"\n".join(keep) + b"\n" if keep else b""


def frame_dtls_seed(cfg, dgs, keys=None):
    """The frame_dtls target's input: [cfg]([len u16][key log])[ctl][len u16][datagram]..."""
    out = bytes([cfg | (2 if keys else 0)])
    if keys:
        out += struct.pack("!H", len(keys)) + keys
    total, count = 0, 0
    for side, dg in dgs:
        if total + len(dg) > DTLS_SEED_BYTES or count >= DTLS_SEED_DATAGRAMS:
            continue
        out += bytes([side]) + struct.pack("!H", len(dg)) + dg
        total += len(dg)
        count += 1
    return out


def dtls_frag_seeds(dgs):
    """Per direction, the dtls_frag target's input: the plaintext handshake
    fragments in capture order (op 0), a skip (op 1) wherever the other
    direction answered, as facts.c skips what its peer answered."""
    out = []
    for side in (0, 1):
        ops, answered = b"", False
        for s, dg in dgs:
            for t, epoch, body in dtls_records(dg):
                if t != 22 or epoch != 0:
                    continue
                if s != side:
                    answered = True
                    continue
                if answered:
                    ops += b"\x01"
                    answered = False
                off = 0
                while off + 12 <= len(body):
                    fl = int.from_bytes(body[off + 9:off + 12], "big")
                    ops += b"\x00" + body[off:off + 12 + fl]
                    off += 12 + fl
        if ops:
            out.append(bytes([7, 0, 0]) + bytes(8) + ops[:8192])
    return out


def dtls_frag_synthetic():
    """Compact fragments (op 2) of the dtls_frag target: messages out of
    order, overlapping with other bytes, repeated, a skip between, and
    message_seq wrapping past 65535."""
    def frag(i, off, n, salt=0):
        return bytes([2 | salt << 2, i]) + struct.pack("!HH", off, n)
    lens = bytes([4, 1, 0, 9, 2, 3, 40, 5])
    seeds = []
    # cap 512, from message_seq 0: overlaps, a message of length 0, a skip
    # that gives up a partial message, an absent one and another partial,
    # and hands on the one held after them; fragments that disagree on the
    # type or length of a message
    ops = frag(0, 30, 40) + frag(0, 0, 40, 3) + frag(0, 20, 20, 5) + frag(1, 0, 8) + frag(2, 0, 0) + \
        frag(1, 8, 100) + frag(3, 50, 100) + frag(5, 0, 10) + frag(7, 0, 80) + frag(7, 40, 80, 1) + b"\x01" + \
        frag(4, 0, 100) + frag(8, 0, 2) + frag(0x88, 0, 4) + frag(0x48, 0, 5) + frag(8, 1, 40, 2)
    seeds.append(bytes([3, 0, 0]) + lens + ops)
    # message_seq 65533 on, wrapping to 0; a message too far ahead
    ops = b"".join(frag(j, 0, 0xffff) for j in (0, 2, 1, 3)) + frag(15, 0, 3) + frag(9, 0, 3) + b"\x01" + \
        frag(8, 0, 10)
    seeds.append(bytes([3, 0xff, 0xfd]) + lens + ops)
    # the last message_seq of the window and the one past it; one message in
    # more pieces than are kept apart, then whole
    ops = frag(6, 0, 7) + frag(14, 0, 5) + frag(15, 0, 5) + \
        b"".join(frag(6, k * 19, 7, k & 3) for k in range(1, 36)) + frag(6, 0, 640) + frag(7, 0, 80)
    seeds.append(bytes([5, 0, 9]) + lens + ops)
    # tags: of the fragment that begins a message and of those that bring
    # bytes; message 2 spent too early, 1 spent (OpenSSL's pre-RFC
    # ChangeCipherSpec) while 2 is held, 4 spent while held; restarts (a
    # renegotiation)
    spent = lambda j: bytes([1 | 1 << 2 | j << 4])  # noqa: E731
    ops = frag(0, 0, 30, 1) + frag(3, 0, 10, 2) + frag(0, 30, 40, 4) + frag(0, 10, 40, 8) + spent(2) + \
        frag(2, 0, 0, 16) + spent(1) + frag(3, 0, 200, 32) + frag(4, 0, 5, 1) + spent(4) + b"\x09" + \
        frag(5, 0, 10, 2) + spent(5) + frag(6, 0, 5) + b"\x09" + spent(0) + frag(1, 0, 16, 1)
    seeds.append(bytes([3, 0, 0]) + lens + ops)
    # numbering expected from 2 (a server answering ClientHello 2), message
    # 3 held until 2 completes, a later expectation ignored; then a restart,
    # message 3 first and 1 late, before anything was handed on
    expect = lambda j: bytes([1 | 3 << 2 | j << 4])  # noqa: E731
    ops = expect(2) + frag(3, 0, 200) + frag(2, 0, 0, 1) + expect(0) + b"\x09" + frag(3, 0, 10) + \
        frag(1, 0, 16) + frag(0, 0, 64) + frag(3, 10, 200)
    seeds.append(bytes([3, 0, 0]) + lens + ops)
    # cap 64: a message over the cap passed over, a skip that gives up a partial one
    seeds.append(bytes([0, 0, 0]) + lens + frag(3, 0, 10) + frag(4, 0, 10) + b"\x01" + frag(5, 0, 20))
    return seeds


def add_cid_ext(body, mt, cid):
    """A whole ClientHello or ServerHello body (DTLS form) with a
    connection_id extension (RFC 9146) appended."""
    o = 2 + 32
    o += 1 + body[o]  # session id
    if mt == 1:
        o += 1 + body[o]  # cookie
        o += 2 + int.from_bytes(body[o:o + 2], "big")  # cipher suites
        o += 1 + body[o]  # compression methods
    else:
        o += 3  # cipher suite, compression method
    ext = struct.pack("!HHB", 54, 1 + len(cid), len(cid)) + cid
    if o + 2 > len(body):
        return body + struct.pack("!H", len(ext)) + ext
    el = int.from_bytes(body[o:o + 2], "big")
    return body[:o] + struct.pack("!H", el + len(ext)) + body[o + 2:] + ext


def with_cid(dgs, client_side=0):
    """A DTLS 1.2 connection made to use connection IDs: the hellos gain
    the extension, and each protected record (epoch > 0) becomes a tls12_cid
    record (type 25) carrying the ID its receiver asked for. The records'
    protection does not cover the ID, so they no longer open: this reaches
    the framing of RFC 9146, not its decryption."""
    cids = {1 - client_side: b"CIDc", client_side: b"CIDsrv"}  # the ID each side's records carry
    out = []
    for side, dg in dgs:
        recs, new = list(dtls_records(dg)), b""
        off = 0
        for t, epoch, body in recs:
            hdr = dg[off:off + 11]
            off += 13 + len(body)
            if t == 22 and epoch == 0 and len(body) >= 12 and body[0] in (1, 2) and \
                    body[6:9] == b"\0\0\0" and body[1:4] == body[9:12]:
                mb = add_cid_ext(body[12:], body[0], b"CIDc" if body[0] == 1 else b"CIDsrv")
                ml = len(mb).to_bytes(3, "big")
                body = bytes([body[0]]) + ml + body[4:9] + ml + mb
            if epoch > 0:
                hdr = bytes([25]) + hdr[1:] + cids[side]
            new += hdr + struct.pack("!H", len(body)) + body
        out.append((side, new + dg[off:]))
    # and a datagram that ends inside a tls12_cid header, after the ID
    out.append((client_side, bytes([25, 0xfe, 0xfd, 0, 1]) + bytes(6) + cids[client_side]))
    return out


def cut_first(dgs, keep):
    """The first datagram cut by a snaplen after `keep` bytes (the frame_dtls
    op's ctl says it was longer on the wire), the rest as captured."""
    if not dgs or len(dgs[0][1]) <= keep:
        return None
    return [(dgs[0][0] | 2 | 63 << 2, dgs[0][1][:keep])] + dgs[1:]


def from_server_hello(dgs):
    """The datagrams from the first that begins with a ServerHello on: a
    capture begun at the server's flight."""
    for i, (_, dg) in enumerate(dgs):
        if len(dg) > 13 and dg[0] == 22 and dg[13] == 2:
            return dgs[i:]
    return []


QUIC_VERSIONS = (1, 0x6B3343CF)
# RFC 9001 A.2's ClientHello (its CRYPTO frame's data)
RFC9001_CH = bytes.fromhex(
    "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff")


def quic_seeds(link, pkts):
    """The quic target's input: [cfg = short header DCID length][datagram].
    A datagram's short headers carry the DCID the peer's long headers
    named; the length is taken from the last long header sent to the
    same address."""
    dcid_len, out = {}, []
    for src, dst, dg in udp_datagrams(link, pkts):
        if len(dg) >= 6 and dg[0] & 0x80:
            if int.from_bytes(dg[1:5], "big") not in QUIC_VERSIONS:
                continue
            dcid_len[dst] = dg[5] if dg[5] <= 20 else 0
        elif dst not in dcid_len:
            continue
        out.append(bytes([dcid_len[dst]]) + dg)
    return out


QUIC_SEED_BYTES = 12288  # datagrams of one connection kept in a frame_quic seed (a key update comes late)
QUIC_SEED_DATAGRAMS = 20


def quic_starts(dg):
    """A long header packet of QUIC version 1 or 2, or a Version Negotiation."""
    return len(dg) >= 7 and dg[0] & 0x80 and int.from_bytes(dg[1:5], "big") in QUIC_VERSIONS + (0,)


def quic_conns(link, pkts):
    """Per UDP 5-tuple that carries QUIC: [(side, payload)] from its first
    QUIC datagram on, side 0 the sender of that datagram."""
    conns, order = {}, []
    for src, dst, payload in udp_datagrams(link, pkts):
        key = (src, dst) if src < dst else (dst, src)
        if key not in conns:
            if not quic_starts(payload):
                continue
            conns[key] = (src, [])
            order.append(key)
        first, dgs = conns[key]
        dgs.append((0 if src == first else 1, payload))
    return [conns[k][1] for k in order]


def frame_quic_seed(cfg, dgs):
    """The frame_quic target's input: [cfg][ctl][len u16][datagram]...
    (cfg bit 4: the target's fixed key log, which holds the secrets of the
    captures the seeds come from)."""
    out = bytes([cfg])
    total, count = 0, 0
    for side, dg in dgs:
        if total + len(dg) > QUIC_SEED_BYTES or count >= QUIC_SEED_DATAGRAMS:
            break
        out += bytes([side]) + struct.pack("!H", len(dg)) + dg
        total += len(dg)
        count += 1
    return out


def frame_quic_synthetic():
    """frame_quic inputs with Initials the target seals (ctl bit 7), so
    their frames pass the AEAD: RFC 9001 A.2's ClientHello in two CRYPTO
    frames over two packets, the later bytes first, answered by A.3's
    server Initial (ACK, ServerHello); and frames an Initial may not carry,
    a malformed frame, a CONNECTION_CLOSE with a TLS alert, two packets
    coalesced."""
    kid, cscid, sscid = bytes.fromhex("8394c8f03e515708"), bytes.fromhex("c101"), bytes.fromhex("f067a5502a4262b5")

    def seal(side, flags, dcid, scid, pn, frames, key=kid):
        body = bytes([flags, len(key)]) + key + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid + \
            bytes([pn]) + frames
        return bytes([0x80 | side]) + struct.pack("!H", len(body)) + body

    def crypto(off, data):
        return b"\x06" + struct.pack("!HH", 0x4000 | off, 0x4000 | len(data)) + data
    ch = RFC9001_CH
    server = bytes.fromhex(quic_synthetic_hex()[1])  # ACK + CRYPTO(ServerHello)
    hello = seal(0, 0, kid, cscid, 0, crypto(120, ch[120:])) + seal(0, 0, kid, cscid, 1, b"\x01" + crypto(0, ch[:120]))
    seeds = [bytes([1]) + hello + seal(1, 1, cscid, sscid, 0, server),
             bytes([16 | 8]) + hello + seal(1, 1, cscid, sscid, 0, server)]
    bad = [
        b"\x08\x00\x03abc",                           # STREAM in an Initial
        b"\x07\x02ab",                                 # NEW_TOKEN from the client
        b"\x02\x05\x00\x02",                           # ACK cut short
        b"\x1c\x41\x28\x06\x05alert",                  # CONNECTION_CLOSE, CRYPTO_ERROR 0x128
        b"\x1e",                                       # HANDSHAKE_DONE
        b"\x06\x80\x00\x00\x00\x00\x00\x00\x01\x01",   # CRYPTO at an offset past 2^30 - 1
    ]
    ops = seal(0, 2, kid, cscid, 0, crypto(0, ch[:60])) + seal(0, 0, kid, cscid, 1, crypto(60, ch[60:]))
    for i, f in enumerate(bad):
        ops += seal(i & 1, i & 1, cscid if i & 1 else kid, sscid if i & 1 else cscid, 2 + i, f)
    seeds.append(bytes([0]) + ops)
    return seeds


def quic_synthetic():
    """Decrypted payloads (cfg bit 5): RFC 9001 A.2's and A.3's frames, and
    one of every frame type (tests/unit/test_quic.c)."""
    return [bytes([0x20]) + bytes.fromhex(h) for h in quic_synthetic_hex()]


def quic_synthetic_hex():
    hexes = [
        "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
        "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
        "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
        "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
        "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
        "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
        "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
        "75300901100f088394c8f03e51570806048000ffff" + "00" * 40,
        "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
        "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
        "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00020304",
        "00000001034064050203010200000708090404410005050 80a064100 03aabbcc0702abcd"
        "0f04440003616263104400110480000000121013101410150410161017101805020801020304"
        "0506070800112233445566778899aabbccddeeff19031a01020304050607081b0102030405"
        "0607081c0a0603626164 1d410100 1e 31026869 306869",
        "0408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f08"
        "8394c8f03e51570806048000ffff",
    ]
    return [h.replace(" ", "") for h in hexes]


# The packet target's first byte picks the link type: its index in
# fuzz_packet.c's table (those after 8 came with issue 16).
PACKET_LINKS = {"nflog": 9, "ieee802_11": 10, "radiotap": 11, "ppi": 12, "avs": 13, "prism": 14, "erf": 15,
                "ipnet": 16, "pflog": 17, "c_hdlc": 18, "ppp_with_dir": 19, "c_hdlc_with_dir": 20,
                "ppp_ether": 21, "atm_rfc1483": 22, "ipoib": 23, "netanalyzer": 24, "netanalyzer_transparent": 25,
                "pktap": 26, "null": 4}


def packet_link_seeds(raw):
    """One Ethernet/IPv4 frame (a ClientHello) as every other link type
    reads it, for the packet target: (name, seed)."""
    ip = raw[14:]
    wlan = pcaplib.to_wlan(raw, qos=True)
    frames = [
        ("nflog-le", "nflog", pcaplib.to_nflog(raw, big=False)),
        ("nflog-be", "nflog", pcaplib.to_nflog(raw, big=True)),
        ("ieee802_11-4addr", "ieee802_11", pcaplib.to_wlan(raw, qos=True, four_addr=True)),
        ("radiotap", "radiotap", pcaplib.to_radiotap(raw)),
        ("ppi", "ppi", pcaplib.to_ppi(raw)),
        ("avs", "avs", struct.pack("!II", 0x80211001, 64) + b"\0" * 56 + wlan),
        ("prism", "prism", struct.pack("<II", 0x44, 144) + b"\0" * 136 + wlan),
        ("erf", "erf", pcaplib.to_erf(raw)),
        ("ipnet", "ipnet", pcaplib.to_ipnet(raw)),
        ("pflog", "pflog", pcaplib.to_pflog(raw)),
        ("null-be", "null", pcaplib.to_null(raw, big=True)),
        ("c_hdlc", "c_hdlc", b"\x0f\x00\x08\x00" + ip),
        ("ppp_with_dir", "ppp_with_dir", b"\x01\xff\x03\x00\x21" + ip),
        ("c_hdlc_with_dir", "c_hdlc_with_dir", b"\x00\x8f\x00\x08\x00" + ip),
        ("ppp_ether", "ppp_ether", struct.pack("!BBHHH", 0x11, 0, 7, 2 + len(ip), 0x21) + ip),
        ("atm_rfc1483", "atm_rfc1483", b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip),
        ("ipoib", "ipoib", b"\x08\x00\x00\x00" + ip),
        ("netanalyzer", "netanalyzer", b"\0" * 4 + raw + pcaplib.fcs32(raw)),
        ("netanalyzer_transparent", "netanalyzer_transparent", b"\0" * 4 + b"\x55" * 7 + b"\xd5" + raw),
        ("pktap", "pktap", struct.pack("<III", 108, 1, 1) + b"\0" * 96 + raw),
    ]
    return [(name, bytes([PACKET_LINKS[link]]) + f) for name, link, f in frames]


def is_client_hello(raw):
    try:
        p = pcaplib.Pkt(raw)
    except (ValueError, struct.error):
        return False
    return p.tcp_ok and len(p.payload) > 5 and p.payload[0] == 22 and p.payload[5] == 1


def main():
    global ONLY
    seen = {}
    links_done = False
    args = sys.argv[1:]
    if args and args[0].startswith("--targets="):
        ONLY = set(args.pop(0).split("=", 1)[1].split(","))
    for arg in args:
        cap, _, keyfile = arg.partition("=")
        if not keyfile and os.path.exists(os.path.splitext(cap)[0] + ".keys"):
            keyfile = os.path.splitext(cap)[0] + ".keys"
        data = open(cap, "rb").read()
        put("pipeline", data, seen)
        link, pkts = pcaplib.read_pcap(cap) if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4") else (None, [])
        for _, _, raw in pkts[:12]:
            put("packet", b"\x00" + raw, seen)
        hello = next((r for _, _, r in pkts if link == pcaplib.LINK_ETHERNET and is_client_hello(r)), None)
        if hello and not links_done and (ONLY is None or "packet" in ONLY):
            # the other link types, from the first ClientHello: named seeds
            # beside the LIMIT cut from the captures
            links_done = True
            for name, seed in packet_link_seeds(hello):
                with open(os.path.join(OUT, "packet", "link-" + name), "wb") as f:
                    f.write(seed)
        keys = read_keys(keyfile) if keyfile else None
        for i, dgs in enumerate(dtls_conns(link, pkts)):
            put("frame_dtls", frame_dtls_seed(i & 1, dgs), seen)
            # the first datagram cut inside its first record: a ClientHello,
            # and a capture that begins with the server's flight
            for cut in (cut_first(dgs, 60), cut_first(from_server_hello(dgs), 60)) if i == 0 else ():
                if cut:
                    put("frame_dtls", frame_dtls_seed(0, cut), seen)
            if keys:
                put("frame_dtls", frame_dtls_seed(1 | 4 | 8 * (i & 1), dgs, keys), seen)
            if any(dg[0] == 22 and dg[1:3] == b"\xfe\xfd" for _, dg in dgs) and \
                    not any(dg[0] & 0xe0 == 0x20 for _, dg in dgs):
                put("frame_dtls", frame_dtls_seed(1, with_cid(dgs)), seen)
            for seed in dtls_frag_seeds(dgs):
                put("dtls_frag", seed, seen)
        for seed in quic_seeds(link, pkts)[:24]:
            put("quic", seed, seen)
        for i, dgs in enumerate(quic_conns(link, pkts)[:2]):
            # JSON with the fixed key log, -v without keys (a second
            # connection, as a resumption with 0-RTT, only the first);
            # live with --data for the first capture
            for cfg in (1 | 16, 0, 16 | 8 | 4)[:1 if i else 3 if "frame_quic" not in seen else 2]:
                put("frame_quic", frame_quic_seed(cfg, dgs), seen)
        for i, ops in enumerate(conn_ops(pkts)):
            put("frame_tcp", bytes([2 * (i & 1)]) + ops, seen)
        for key, st in streams(pkts).items():
            put("record", st[:4096], seen)
            hs = b"".join(body for t, body in records(st) if t == 22)
            for seed in assemble_seeds(hs[:16384]):
                put("assemble", seed, seen)
            for seed in quic_crypto_seeds(hs[:8192]) if len(seen.get("quic_crypto", ())) < 12 else ():
                put("quic_crypto", seed, seen)
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
    for seed in dtls_frag_synthetic():
        put("dtls_frag", seed, seen)
    for seed in quic_synthetic():
        put("quic", seed, seen)
    for seed in quic_crypto_synthetic():
        put("quic_crypto", seed, seen)
    for seed in frame_quic_synthetic():
        put("frame_quic", seed, seen)
    for t, s in sorted(seen.items()):
        print("make_seeds: %s: %d seeds" % (t, len(s)))


if __name__ == "__main__":
    main()
