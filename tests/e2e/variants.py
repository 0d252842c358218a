#!/usr/bin/env python3
"""Capture-layer test: each capture (Ethernet/IPv4 pcap from real peers) is
transformed into variants that a real network produces -- segments split
into 1- to 7-byte pieces, adjacent segments swapped, every third segment
duplicated, overlapping retransmissions, the SYN handshake removed, sequence numbers that wrap past 2^32, VLAN and
QinQ tags, Linux cooked (SLL, SLL2), raw IP, IPv6, IPv4 fragments (also out
of order), and the other link types real captures come in: Linux NFLOG (TLVs
in either byte order, IPv4 and IPv6), IEEE 802.11 data frames in LLC/SNAP
(bare, under radiotap with the FCS and header padding, under PPI), BSD
loopback with the family in the other byte order, Solaris IPNET, OpenBSD
PFLOG, Endace ERF with extension headers -- and each variant must give the same connection-level JSON as
the original (messages, suites, names, certificates, tickets, alerts,
application data counts, errors), apart from timestamps and, for IPv6, the
addresses.

usage: variants.py --tlsscope BIN CAPTURE...
Closing line: 'variants: N passed, M failed'."""
import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402

DROP_KEYS = {"ts", "start", "end", "id"}


def norm(obj, drop_ip=False):
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in DROP_KEYS:
                continue
            if drop_ip and k == "ip":
                continue
            out[k] = norm(v, drop_ip)
        return out
    if isinstance(obj, list):
        return [norm(v, drop_ip) for v in obj]
    return obj


def run(binary, path):
    p = subprocess.run([binary, "read", "--json", "-q", path], capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("tlsscope exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-300:]))
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


def parsed(pkts):
    out = []
    for sec, usec, raw in pkts:
        try:
            out.append((sec, usec, pcaplib.Pkt(raw)))
        except (ValueError, struct.error):
            out.append((sec, usec, None))
    return out


# ---------------------------------------------------------------- variants

def v_split(pkts, rnd):
    out = []
    for sec, usec, raw in pkts:
        p = pcaplib.Pkt(raw)
        if not p.tcp_ok or not p.payload:
            out.append((sec, usec, raw))
            continue
        off = 0
        while off < len(p.payload):
            n = rnd.randint(1, 7)
            piece = p.payload[off:off + n]
            flags = p.flags if off + n >= len(p.payload) else (p.flags & ~0x09)  # FIN/PSH on the last piece only
            out.append((sec, usec, p.rebuild(seq=p.seq + off, payload=piece, flags=flags)))
            off += n
    return out


def v_swap(pkts, rnd):
    """Adjacent data segments of the same direction arrive in the wrong order."""
    out = list(pkts)
    i = 0
    swapped = 0
    while i + 1 < len(out):
        a, b = pcaplib.Pkt(out[i][2]), pcaplib.Pkt(out[i + 1][2])
        if a.tcp_ok and b.tcp_ok and a.payload and b.payload and (a.src, a.sport) == (b.src, b.sport):
            out[i], out[i + 1] = (out[i][0], out[i][1], out[i + 1][2]), (out[i + 1][0], out[i + 1][1], out[i][2])
            swapped += 1
            i += 2
        else:
            i += 1
    return out


def v_dup3(pkts, rnd):
    out = []
    n = 0
    for rec in pkts:
        out.append(rec)
        p = pcaplib.Pkt(rec[2])
        if p.tcp_ok and p.payload:
            n += 1
            if n % 3 == 0:
                out.append(rec)
    return out


def v_overlap(pkts, rnd):
    """After each data segment, a retransmission that overlaps it and the next one."""
    out = []
    last = {}
    for sec, usec, raw in pkts:
        p = pcaplib.Pkt(raw)
        if p.tcp_ok and p.payload:
            key = (p.src, p.sport)
            prev = last.get(key)
            out.append((sec, usec, raw))
            if prev is not None and prev.seq + len(prev.payload) == p.seq and len(prev.payload) > 1:
                # the back half of the previous segment and the front half of this one
                h = len(prev.payload) // 2
                body = prev.payload[h:] + p.payload[:len(p.payload) // 2 + 1]
                out.append((sec, usec, p.rebuild(seq=prev.seq + h, payload=body, flags=p.flags & ~0x01)))
            last[key] = p
        else:
            out.append((sec, usec, raw))
    return out


def v_nosyn(pkts, rnd):
    return [(s, u, r) for s, u, r in pkts if not (pcaplib.Pkt(r).tcp_ok and pcaplib.Pkt(r).flags & 0x02)]


def v_wrap(pkts, rnd):
    """Sequence numbers shifted so that both directions wrap past 2^32 mid-stream."""
    isn = {}
    out = []
    for sec, usec, raw in pkts:
        p = pcaplib.Pkt(raw)
        if not p.tcp_ok:
            out.append((sec, usec, raw))
            continue
        me, peer = (p.src, p.sport), (p.dst, p.dport)
        isn.setdefault(me, p.seq if p.flags & 0x02 else p.seq - 1)
        shift = lambda key: (0x100000000 - 300) - isn[key] if key in isn else 0
        seq = (p.seq + shift(me)) & 0xffffffff
        ack = (p.ack + shift(peer)) & 0xffffffff if p.flags & 0x10 else p.ack
        t = pcaplib.tcp(p.sport, p.dport, seq, ack, p.flags, p.payload, p.win)
        out.append((sec, usec, pcaplib.ether(pcaplib.ipv4(p.src, p.dst, 6, t, p.ip_id))))
    return out


def relink(pkts, fn):
    return [(s, u, fn(r)) for s, u, r in pkts]


def v_vlan(pkts, rnd):
    return relink(pkts, lambda r: r[:12] + b"\x81\x00\x00\x64" + r[12:])


def v_qinq(pkts, rnd):
    return relink(pkts, lambda r: r[:12] + b"\x88\xa8\x00\x0a\x81\x00\x00\x64" + r[12:])


def v_sll(pkts, rnd):
    # packet type, ARPHRD_ETHER, address length, address (8), protocol
    return relink(pkts, lambda r: struct.pack("!HHH8s", 0, 1, 6, b"\0" * 8) + r[12:14] + r[14:])


def v_sll2(pkts, rnd):
    # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address (8)
    return relink(pkts, lambda r: r[12:14] + struct.pack("!HIHBB8s", 0, 1, 1, 0, 6, b"\0" * 8) + r[14:])


def v_raw(pkts, rnd):
    return relink(pkts, lambda r: r[14:])


def v_ipv6(pkts, rnd):
    def conv(r):
        p = pcaplib.Pkt(r)
        if not p.tcp_ok:
            return r
        t = pcaplib.tcp(p.sport, p.dport, p.seq, p.ack, p.flags, p.payload, p.win)
        src = b"\xfd\x00" + b"\0" * 10 + p.src
        dst = b"\xfd\x00" + b"\0" * 10 + p.dst
        return pcaplib.ether(pcaplib.ipv6(src, dst, 6, t), 0x86dd)
    return relink(pkts, conv)


def v_frag(pkts, rnd, shuffle=False):
    out = []
    ident = 1000
    for sec, usec, raw in pkts:
        p = pcaplib.Pkt(raw)
        if not p.tcp_ok or len(p.payload) < 64:
            out.append((sec, usec, raw))
            continue
        ident += 1
        seg = pcaplib.tcp(p.sport, p.dport, p.seq, p.ack, p.flags, p.payload, p.win)
        frags = []
        off = 0
        while off < len(seg):
            n = min(len(seg) - off, 8 * rnd.randint(1, 24))
            more = 0x2000 if off + n < len(seg) else 0
            frags.append(pcaplib.ether(pcaplib.ipv4(p.src, p.dst, 6, seg[off:off + n], ident, more | (off // 8))))
            off += n
        if shuffle:
            rnd.shuffle(frags)
        out.extend((sec, usec, f) for f in frags)
    return out


def v_link(fn):
    """Every frame rewritten by fn(raw, index) as another link type captures it."""
    def variant(pkts, rnd):
        return [(s, u, fn(r, i)) for i, (s, u, r) in enumerate(pkts)]
    return variant


def v_ipv6_then(fn):
    """The IPv6 variant, then rewritten as another link type."""
    return lambda pkts, rnd: v_link(fn)(v_ipv6(pkts, rnd), rnd)


def wlan_mixed(raw, i):
    # plain data, QoS data, QoS data between access points (four addresses), in turn
    return pcaplib.to_wlan(raw, qos=i % 3 != 0, four_addr=i % 3 == 2, seq=i)


BIG_ENDIAN_FILE = {"big_endian_file": True}

VARIANTS = [
    ("split-1-7", pcaplib.LINK_ETHERNET, v_split, False),
    ("swap-adjacent", pcaplib.LINK_ETHERNET, v_swap, False),
    ("duplicate-every-3rd", pcaplib.LINK_ETHERNET, v_dup3, False),
    ("overlapping-retransmissions", pcaplib.LINK_ETHERNET, v_overlap, False),
    ("no-syn", pcaplib.LINK_ETHERNET, v_nosyn, False),
    ("seq-wraparound", pcaplib.LINK_ETHERNET, v_wrap, False),
    ("vlan", pcaplib.LINK_ETHERNET, v_vlan, False),
    ("qinq", pcaplib.LINK_ETHERNET, v_qinq, False),
    ("linux-sll", pcaplib.LINK_SLL, v_sll, False),
    ("linux-sll2", pcaplib.LINK_SLL2, v_sll2, False),
    ("raw-ip", pcaplib.LINK_RAW, v_raw, False),
    ("ipv6", pcaplib.LINK_ETHERNET, v_ipv6, True),
    ("ipv4-fragments", pcaplib.LINK_ETHERNET, v_frag, False),
    ("ipv4-fragments-shuffled", pcaplib.LINK_ETHERNET, lambda p, r: v_frag(p, r, True), False),
    # other link types (issue 16): what firewalls, Wi-Fi monitors, capture
    # cards and other systems write, rewritten from the Ethernet original
    ("nflog-little-endian", pcaplib.LINK_NFLOG, v_link(lambda r, i: pcaplib.to_nflog(r, big=False)), False),
    # a big-endian host's capture (a MIPS or PowerPC firewall): the file and the TLVs big-endian
    ("nflog-big-endian", pcaplib.LINK_NFLOG, v_link(lambda r, i: pcaplib.to_nflog(r, big=True)), False,
     BIG_ENDIAN_FILE),
    # big-endian TLVs in a little-endian file (one converted without swapping them)
    ("nflog-big-endian-tlvs", pcaplib.LINK_NFLOG, v_link(lambda r, i: pcaplib.to_nflog(r, big=True)), False),
    ("nflog-ipv6", pcaplib.LINK_NFLOG, v_ipv6_then(lambda r, i: pcaplib.to_nflog(r, big=False)), True),
    ("ieee802.11-llc-snap", pcaplib.LINK_IEEE802_11, v_link(wlan_mixed), False),
    ("radiotap-802.11", pcaplib.LINK_RADIOTAP, v_link(lambda r, i: pcaplib.to_radiotap(r, seq=i)), False),
    ("ppi-802.11", pcaplib.LINK_PPI, v_link(lambda r, i: pcaplib.to_ppi(r, seq=i)), False),
    ("null-big-endian", pcaplib.LINK_NULL, v_link(lambda r, i: pcaplib.to_null(r, big=True)), False),
    ("null-ipv6-af24", pcaplib.LINK_NULL, v_ipv6_then(lambda r, i: pcaplib.to_null(r, big=False, af6=24)), True),
    ("ipnet", pcaplib.LINK_IPNET, v_link(lambda r, i: pcaplib.to_ipnet(r)), False),
    ("pflog", pcaplib.LINK_PFLOG, v_link(lambda r, i: pcaplib.to_pflog(r)), False),
    ("erf-ethernet", pcaplib.LINK_ERF, v_link(lambda r, i: pcaplib.to_erf(r)), False),
]


def first_diff(a, b, path="$"):
    if type(a) != type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: present in only one" % (path, k)
            d = first_diff(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap in a.captures:
            link, pkts = pcaplib.read_pcap(cap)
            if link != pcaplib.LINK_ETHERNET:
                print("variants: %s: skipped, link type %d (the variants start from Ethernet)" % (cap, link))
                continue
            try:
                [pcaplib.Pkt(r) for _, _, r in pkts]
            except (ValueError, struct.error):
                print("variants: %s: skipped, not all packets are IPv4 over Ethernet" % cap)
                continue
            base = run(a.tlsscope, cap)
            if not base:
                print("variants: %s: no TLS connection in the original" % cap)
                failed += 1
                continue
            for name, vlink, fn, drop_ip, *opt in VARIANTS:
                rnd = random.Random("%s/%s/%d" % (os.path.basename(cap), name, a.seed))
                path = os.path.join(tmp, "%s.%s.pcap" % (os.path.basename(cap), name))
                big = bool(opt and opt[0].get("big_endian_file"))
                pcaplib.write_pcap(path, vlink, fn(pkts, rnd), big_endian=big)
                try:
                    got = run(a.tlsscope, path)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print("variants: %s %s: %s" % (cap, name, e))
                    failed += 1
                    continue
                d = first_diff(norm(base, drop_ip), norm(got, drop_ip))
                if d:
                    print("variants: %s %s: differs from the original: %s" % (cap, name, d))
                    failed += 1
                else:
                    passed += 1
    print("variants: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
