"""Minimal pcap reading and writing, and packet building, for the e2e tests.
Python 3 standard library only. Classic pcap (microsecond) files."""
import struct

LINK_NULL = 0
LINK_ETHERNET = 1
LINK_RAW = 101
LINK_IEEE802_11 = 105
LINK_SLL = 113
LINK_PFLOG = 117
LINK_RADIOTAP = 127
LINK_PPI = 192
LINK_ERF = 197
LINK_IPNET = 226
LINK_NFLOG = 239
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


def write_pcap(path, link, pkts, snaplen=262144, big_endian=False):
    """A microsecond pcap file, in a big-endian host's byte order when asked."""
    e = ">" if big_endian else "<"
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, link))
        for sec, usec, b in pkts:
            f.write(struct.pack(e + "IIII", sec, usec, len(b), len(b)))
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


# ---------------------------------------------------------------- other link types
# An Ethernet II frame carrying IPv4 or IPv6 rewritten as another link type
# would capture it (the layouts of tcpdump.org/linktypes.html); each takes
# the Ethernet frame and returns the new frame.

def _ether_ip(raw):
    """(ethertype, IP packet) of an untagged Ethernet II frame."""
    return struct.unpack("!H", raw[12:14])[0], raw[14:]


def to_nflog(raw, big=False, group=5, hook=3):
    """LINKTYPE_NFLOG as `tcpdump -i nflog:N` writes it: family, version 0,
    the group (big-endian), then TLVs whose length and type are in the
    capturing host's byte order (`big`): NFULA_PACKET_HDR (ethertype, hook),
    NFULA_PREFIX (empty), NFULA_IFINDEX_OUTDEV, NFULA_UID, NFULA_GID, and
    NFULA_PAYLOAD with the IP packet; values padded to 4 bytes."""
    et, ip = _ether_ip(raw)
    e = ">" if big else "<"

    def tlv(t, v):
        return struct.pack(e + "HH", 4 + len(v), t) + v + b"\0" * (-len(v) % 4)
    family = 10 if et == 0x86dd else 2
    return (struct.pack("!BBH", family, 0, group) + tlv(1, struct.pack("!HBB", et, hook, 0)) + tlv(10, b"\0") +
            tlv(5, struct.pack("!I", 1)) + tlv(11, struct.pack("!I", 0)) + tlv(14, struct.pack("!I", 0)) + tlv(9, ip))


def to_wlan(raw, qos=True, four_addr=False, datapad=False, seq=0):
    """An IEEE 802.11 data frame (QoS data unless told otherwise; From DS, or
    between access points with four addresses) with the IP packet in
    LLC/SNAP; `datapad`: the header padded to 4 bytes (radiotap's flag)."""
    et, ip = _ether_ip(raw)
    fc0 = 0x88 if qos else 0x08
    fc1 = 0x03 if four_addr else 0x02
    hdr = struct.pack("<BBH", fc0, fc1, 0x2c) + raw[0:6] + b"\x02\x00\x00\x00\x00\x01" + raw[6:12]
    hdr += struct.pack("<H", (seq & 0xfff) << 4)
    if four_addr:
        hdr += raw[6:12]
    if qos:
        hdr += struct.pack("<H", 0x0000)
    if datapad:
        hdr += b"\0" * (-len(hdr) % 4)
    return hdr + b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", et) + ip


def fcs32(frame):
    """The 802.3/802.11 frame check sequence (CRC-32, little-endian on the wire)."""
    import zlib
    return struct.pack("<I", zlib.crc32(frame) & 0xffffffff)


def to_radiotap(raw, seq=0):
    """A radiotap header (TSFT, Flags: FCS at end and header padding, Rate,
    Channel, antenna signal) before a QoS data frame whose header is padded
    to 4 bytes, and the frame's FCS."""
    frame = to_wlan(raw, qos=True, datapad=True, seq=seq)
    nopad = to_wlan(raw, qos=True, datapad=False, seq=seq)
    present = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5)
    fields = struct.pack("<Q", 123456789) + struct.pack("<BB", 0x10 | 0x20, 12) + struct.pack("<HH", 2437, 0x00a0)
    fields += struct.pack("<b", -40)
    hdr = struct.pack("<BBHI", 0, 0, 8 + len(fields), present) + fields
    return hdr + frame + fcs32(nopad)


def to_ppi(raw, seq=0):
    """PPI (version 0, fields aligned) with an 802.11-Common field saying the
    frame ends with its FCS, before a plain data frame and that FCS."""
    frame = to_wlan(raw, qos=False, seq=seq)
    common = struct.pack("<QHHHHBBbb", 0, 0x0001, 108, 2437, 0x00a0, 0, 0, -40, -95)
    fields = struct.pack("<HH", 2, len(common)) + common
    hdr = struct.pack("<BBHI", 0, 1, 8 + len(fields), LINK_IEEE802_11) + fields
    return hdr + frame + fcs32(frame)


def to_null(raw, big=True, af6=30):
    """LINKTYPE_NULL: the address family in the capturing host's byte order
    (`big`: a big-endian host's), AF_INET6 as the BSD that wrote it numbers it."""
    et, ip = _ether_ip(raw)
    af = af6 if et == 0x86dd else 2
    return struct.pack(">I" if big else "<I", af) + ip


def to_ipnet(raw):
    """LINKTYPE_IPNET (Solaris): version 1, family (2, or 26 for IPv6), hook
    (outbound), packet length, interface index, group, zones."""
    et, ip = _ether_ip(raw)
    return struct.pack("!BBHIIIII", 1, 26 if et == 0x86dd else 2, 1, len(ip), 2, 0, 0, 0) + ip


def to_pflog(raw):
    """LINKTYPE_PFLOG (OpenBSD): length 61 (the packet at 64), family,
    action pass, reason match, interface, ruleset, rule numbers, ids, direction."""
    et, ip = _ether_ip(raw)
    hdr = struct.pack("!BBBB16s16sIIIiIiB3x", 61, 24 if et == 0x86dd else 2, 0, 0, b"em0", b"", 1, 0xffffffff,
                      0, 0, 0, 0, 2)
    return hdr + ip


def to_erf(raw):
    """LINKTYPE_ERF: an Ethernet record (type 2) with two extension headers
    (a flow ID, then a host ID), two bytes of offset and pad, the frame and
    its FCS; the record length covers all of it."""
    frame = raw + fcs32(raw)
    ext = struct.pack("!Q", (0x80 | 16) << 56 | 0x1234) + struct.pack("!Q", 17 << 56 | 0x42)
    rlen = 16 + len(ext) + 2 + len(frame)
    hdr = struct.pack("<Q", 0x5f0000001234) + struct.pack("!BBHHH", 0x80 | 2, 0x04, rlen, 0, len(frame))
    return hdr + ext + b"\0\0" + frame
