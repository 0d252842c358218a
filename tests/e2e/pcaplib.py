"""Minimal pcap reading and writing, and packet building, for the e2e tests.
Python 3 standard library only. Classic pcap (microsecond) files."""
import struct

LINK_ETHERNET = 1
LINK_RAW = 101
LINK_SLL = 113
LINK_SLL2 = 276


def read_pcap(path):
    """-> (linktype, [(ts_sec, ts_usec, bytes)])"""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xa1b2c3d4:
        e = "<"
    elif magic == 0xd4c3b2a1:
        e = ">"
    else:
        raise ValueError("%s: not a microsecond pcap file" % path)
    _, _, _, _, _, link = struct.unpack(e + "HHiIII", data[4:24])
    pkts = []
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        pkts.append((sec, usec, data[off:off + incl]))
        off += incl
    return link, pkts


def write_pcap(path, link, pkts, snaplen=262144):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, link))
        for sec, usec, b in pkts:
            f.write(struct.pack("<IIII", sec, usec, len(b), len(b)))
            f.write(b)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, ident=0, frag=0, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, ttl, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", win=65535):
    off = 5 << 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, off, flags, win, 0, 0) + payload


def ether(payload, ethertype=0x0800):
    return b"\x00" * 12 + struct.pack("!H", ethertype) + payload


class Pkt:
    """A decoded Ethernet/IPv4 packet from a test capture: TCP (tcp_ok) or
    UDP (udp_ok) with its ports and payload."""

    def __init__(self, raw):
        self.raw = raw
        et = struct.unpack("!H", raw[12:14])[0]
        if et != 0x0800:
            raise ValueError("not IPv4 over Ethernet")
        ip = raw[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        self.src, self.dst, self.proto = ip[12:16], ip[16:20], ip[9]
        self.ip_id = struct.unpack("!H", ip[4:6])[0]
        seg = ip[ihl:total]
        self.tcp_ok = self.proto == 6
        if self.tcp_ok:
            self.sport, self.dport, self.seq, self.ack, off, self.flags, self.win = struct.unpack("!HHIIBBH", seg[:16])
            thl = (off >> 4) * 4
            self.payload = seg[thl:]
            self.tcp_header = seg[:thl]
        self.udp_ok = self.proto == 17 and len(seg) >= 8
        if self.udp_ok:
            self.sport, self.dport, ulen = struct.unpack("!HHH", seg[:6])
            self.payload = seg[8:max(8, ulen)]

    def rebuild(self, seq=None, payload=None, flags=None):
        seq = self.seq if seq is None else seq
        payload = self.payload if payload is None else payload
        flags = self.flags if flags is None else flags
        t = tcp(self.sport, self.dport, seq, self.ack, flags, payload, self.win)
        return ether(ipv4(self.src, self.dst, 6, t, self.ip_id))
