/*
 * link.c - the link layers of capture files and interfaces, down to the
 * network layer (packet.c): one decoder per LINKTYPE_ value (the numbers of
 * pcap and pcapng files; tcpdump.org/linktypes.html), and the table of their
 * names for the message that refuses the others.
 *
 * Every header is read through the cursor; a header cut by the snaplen is
 * TRUNCATED, one whose fields contradict each other (or the bytes it sits
 * in) is MALFORMED; a frame that holds no IP packet (802.11 management
 * frames, protected frames not decrypted, other protocols) is NOT_IP.
 */
#include "capture/packet.h"
#include "capture/packet_int.h"

#include <stdio.h>
#include <string.h>

#include "core/cursor.h"

/* ---------------------------------------------------------------- helpers */

static int be16_at(const uint8_t *p) { return (p[0] << 8) | p[1]; }
static int le16_at(const uint8_t *p) { return p[0] | (p[1] << 8); }

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t be32_at(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* The next n bytes as a view; 0 when fewer are left. */
static int take(struct tsc_cursor *c, size_t n, struct tsc_view *v)
{
    return tsc_is_ok(tsc_cursor_bytes(c, n, v));
}

/* The next n bytes as a view, without moving c. */
static int peek(const struct tsc_cursor *c, size_t n, struct tsc_view *v)
{
    struct tsc_cursor k = *c;
    return take(&k, n, v);
}

/* What is left of c less its last `trim` bytes (a frame check sequence), as
 * a cursor of its own. */
static struct tsc_cursor rest_less(struct tsc_cursor *c, size_t trim)
{
    struct tsc_view r = tsc_cursor_rest(c);
    if (r.len >= trim)
        r.len -= trim;
    return tsc_cursor_of(r);
}

/* Address families of the loopback and firewall-log headers: AF_INET is 2
 * everywhere; AF_INET6 is 10 on Linux, 24 on NetBSD, OpenBSD and BSD/OS
 * (and what Npcap's loopback adapter writes), 28 on FreeBSD and DragonFly,
 * 30 on macOS, 26 on Solaris. */
static enum tsc_pkt_status by_family(uint32_t af, struct tsc_cursor *c, struct tsc_packet *out)
{
    switch (af) {
    case 2:
        return tsc_pkt_ipv4(c, out, 0);
    case 10:
    case 24:
    case 26:
    case 28:
    case 30:
        return tsc_pkt_ipv6(c, out, 0);
    default:
        return TSC_PKT_NOT_IP;
    }
}

/* ---------------------------------------------------------------- PPP, HDLC */

/* PPP (RFC 1661/1662): optional address/control 0xff 0x03, then the
 * protocol (one byte when compressed: odd). */
static enum tsc_pkt_status ppp(struct tsc_cursor *c, struct tsc_packet *out)
{
    uint16_t proto = 0;
    struct tsc_view v;
    if (peek(c, 2, &v) && v.p[0] == 0xff && v.p[1] == 0x03)
        (void)tsc_cursor_skip(c, 2);
    if (peek(c, 1, &v) && (v.p[0] & 1)) {
        uint8_t p8 = 0;
        (void)tsc_cursor_u8(c, &p8);
        proto = p8;
    } else if (!tsc_is_ok(tsc_cursor_u16(c, &proto))) {
        return TSC_PKT_TRUNCATED;
    }
    if (proto == 0x0021)
        return tsc_pkt_ipv4(c, out, 0);
    if (proto == 0x0057)
        return tsc_pkt_ipv6(c, out, 0);
    return TSC_PKT_NOT_IP;
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, ethertype. */
static enum tsc_pkt_status c_hdlc(struct tsc_cursor *c, struct tsc_packet *out)
{
    uint16_t type = 0;
    if (!tsc_is_ok(tsc_cursor_skip(c, 2)) || !tsc_is_ok(tsc_cursor_u16(c, &type)))
        return TSC_PKT_TRUNCATED;
    return tsc_pkt_ethertype(c, type, out, 0);
}

/* HDLC-framed packet over SONET (ERF's POS records): PPP in HDLC-like
 * framing (0xff 0x03) or Cisco HDLC. */
static enum tsc_pkt_status pos_hdlc(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view v;
    if (peek(c, 1, &v) && v.p[0] == 0xff)
        return ppp(c, out);
    return c_hdlc(c, out);
}

/* ---------------------------------------------------------------- Linux cooked */

#define ARPHRD_IPGRE 778
#define ARPHRD_NETLINK 824

/*
 * The protocol field of Linux cooked headers (SLL, SLL2): an ethertype,
 * except 0x0001 (Novell 802.3 without LLC) and 0x0004 (an 802.2 LLC frame
 * follows) and what the device type gives another meaning: a netlink
 * family on ARPHRD_NETLINK, a GRE protocol (an ethertype too, 0x6558 for
 * Ethernet) on ARPHRD_IPGRE.
 */
static enum tsc_pkt_status sll_protocol(struct tsc_cursor *c, uint16_t arphrd, uint16_t proto,
                                        struct tsc_packet *out)
{
    if (arphrd == ARPHRD_NETLINK)
        return TSC_PKT_NOT_IP;
    if (proto == 0x0004)
        return tsc_pkt_llc(c, out, 0);
    if (proto == 0x6558 && arphrd == ARPHRD_IPGRE)
        return tsc_pkt_ethernet(c, out, 0);
    return tsc_pkt_ethertype(c, proto, out, 0);
}

/* LINKTYPE_LINUX_SLL: packet type, ARPHRD type, address length, address
 * (8 bytes, padded), protocol; all big-endian. */
static enum tsc_pkt_status linux_sll(struct tsc_cursor *c, struct tsc_packet *out)
{
    uint16_t ptype = 0, arphrd = 0, proto = 0;
    if (!tsc_is_ok(tsc_cursor_u16(c, &ptype)) || !tsc_is_ok(tsc_cursor_u16(c, &arphrd)) ||
        !tsc_is_ok(tsc_cursor_skip(c, 10)) || !tsc_is_ok(tsc_cursor_u16(c, &proto)))
        return TSC_PKT_TRUNCATED;
    return sll_protocol(c, arphrd, proto, out);
}

/* LINKTYPE_LINUX_SLL2: protocol, reserved, interface index, ARPHRD type,
 * packet type, address length, address (8 bytes, padded). */
static enum tsc_pkt_status linux_sll2(struct tsc_cursor *c, struct tsc_packet *out)
{
    uint16_t proto = 0, arphrd = 0;
    if (!tsc_is_ok(tsc_cursor_u16(c, &proto)) || !tsc_is_ok(tsc_cursor_skip(c, 6)) ||
        !tsc_is_ok(tsc_cursor_u16(c, &arphrd)) || !tsc_is_ok(tsc_cursor_skip(c, 10)))
        return TSC_PKT_TRUNCATED;
    return sll_protocol(c, arphrd, proto, out);
}

/* ---------------------------------------------------------------- loopback, firewall logs */

/* LINKTYPE_NULL (the address family in the byte order of the host that
 * captured) and LINKTYPE_LOOP (network order, but not every writer kept
 * to it): a family below 2^16 read one way is far above it the other. */
static enum tsc_pkt_status null_loop(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h;
    if (!take(c, 4, &h))
        return TSC_PKT_TRUNCATED;
    uint32_t af = le32_at(h.p);
    if (af > 0xffff)
        af = be32_at(h.p);
    return by_family(af, c, out);
}

/* LINKTYPE_IPNET (Solaris ipnet): version, family (2, or Solaris's 26 for
 * IPv6), hook type, packet length, interface index, group interface
 * index, source and destination zones; 24 bytes, big-endian. */
static enum tsc_pkt_status ipnet(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h;
    if (!take(c, 24, &h))
        return TSC_PKT_TRUNCATED;
    uint8_t family = h.p[1];
    if (family != 2 && family != 26)
        return TSC_PKT_NOT_IP;
    return by_family(family, c, out);
}

/*
 * LINKTYPE_PFLOG (OpenBSD/FreeBSD pf): a header whose first byte is its
 * length without the final padding (61 for the classic header, more in
 * newer ones; at least 45 in the oldest), then the address family, action,
 * reason, interface and ruleset names, rule numbers, ids, direction; the
 * packet starts at that length rounded up to 4.
 */
static enum tsc_pkt_status pflog(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h;
    if (!take(c, 2, &h))
        return TSC_PKT_TRUNCATED;
    size_t hlen = ((size_t)h.p[0] + 3) & ~(size_t)3;
    uint8_t af = h.p[1];
    if (h.p[0] < 45)
        return TSC_PKT_MALFORMED;
    if (!tsc_is_ok(tsc_cursor_skip(c, hlen - 2)))
        return TSC_PKT_TRUNCATED;
    return by_family(af, c, out);
}

/* ---------------------------------------------------------------- NFLOG */

#define NFULA_PACKET_HDR 1
#define NFULA_PAYLOAD 9
/* Attribute types of nfnetlink_log stay far below this; one read in the
 * wrong byte order is a multiple of 256. */
#define NFULA_TYPE_LIMIT 0x100

enum nf_walk { NF_FOUND, NF_NO_PAYLOAD, NF_CUT, NF_IMPLAUSIBLE };

struct nf_found {
    struct tsc_view payload;
    uint16_t hw_protocol; /* NFULA_PACKET_HDR's ethertype, 0 without one */
};

/*
 * One pass over NFLOG's TLVs with their length and type read in one byte
 * order: each TLV is a length (with its own 4 bytes), a type (the top two
 * bits are netlink's nested and byte-order flags), the value, padding to 4.
 * NF_IMPLAUSIBLE: a length below 4 or a type no kernel writes (then it is
 * the other byte order, or damage); NF_CUT: a TLV before the payload runs
 * past the captured bytes. The payload TLV may be cut (the snaplen).
 */
static enum nf_walk nflog_walk(struct tsc_cursor c, int big, struct nf_found *f)
{
    memset(f, 0, sizeof *f);
    while (tsc_cursor_left(&c) >= 4) {
        struct tsc_view h, v;
        (void)take(&c, 4, &h);
        size_t len = (size_t)(big ? be16_at(h.p) : le16_at(h.p));
        int type = (big ? be16_at(h.p + 2) : le16_at(h.p + 2)) & 0x3fff;
        if (len < 4 || type >= NFULA_TYPE_LIMIT)
            return NF_IMPLAUSIBLE;
        if (type == NFULA_PAYLOAD) {
            struct tsc_view rest = tsc_cursor_rest(&c);
            f->payload.p = rest.p;
            f->payload.len = len - 4 < rest.len ? len - 4 : rest.len;
            return NF_FOUND;
        }
        if (!take(&c, len - 4, &v))
            return NF_CUT;
        if (type == NFULA_PACKET_HDR && v.len >= 2)
            f->hw_protocol = (uint16_t)be16_at(v.p); /* struct nfulnl_msg_packet_hdr: network order */
        if (!tsc_is_ok(tsc_cursor_skip(&c, ((len + 3) & ~(size_t)3) - len)))
            (void)tsc_cursor_rest(&c);
    }
    return tsc_cursor_left(&c) == 0 ? NF_NO_PAYLOAD : NF_CUT;
}

/*
 * LINKTYPE_NFLOG (Linux netfilter's log, what `iptables -j NFLOG` and
 * `tcpdump -i nflog:N` write): family (2 AF_INET, 10 AF_INET6; others,
 * bridge logs, say it in NFULA_PACKET_HDR's ethertype), version (0),
 * resource id (the group, big-endian), then TLVs whose length and type are
 * in the byte order of the host that captured. libpcap swaps them when it
 * reads a file of the other byte order, tlsscope's own reader does not:
 * both orders arrive here. Little-endian is tried first (nearly every
 * capturing host); a walk that meets an implausible length or type is
 * tried big-endian, as Wireshark does.
 */
static enum tsc_pkt_status nflog(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h;
    if (!take(c, 4, &h))
        return TSC_PKT_TRUNCATED;
    uint8_t family = h.p[0], version = h.p[1];
    if (version != 0)
        return TSC_PKT_NOT_IP;
    struct nf_found le, be;
    enum nf_walk w = nflog_walk(*c, 0, &le);
    struct nf_found *f = &le;
    if (w == NF_CUT || w == NF_IMPLAUSIBLE) {
        enum nf_walk b = nflog_walk(*c, 1, &be);
        if (b == NF_FOUND || b == NF_NO_PAYLOAD || (b == NF_CUT && w == NF_IMPLAUSIBLE)) {
            w = b;
            f = &be;
        }
    }
    switch (w) {
    case NF_NO_PAYLOAD:
        return TSC_PKT_NOT_IP; /* logged without its packet (--nflog-size 0) */
    case NF_CUT:
        return TSC_PKT_TRUNCATED;
    case NF_IMPLAUSIBLE:
        return TSC_PKT_MALFORMED;
    case NF_FOUND:
        break;
    }
    struct tsc_cursor p = tsc_cursor_of(f->payload);
    if (family == 2)
        return tsc_pkt_ipv4(&p, out, 0);
    if (family == 10)
        return tsc_pkt_ipv6(&p, out, 0);
    if (f->hw_protocol == 0x0800)
        return tsc_pkt_ipv4(&p, out, 0);
    if (f->hw_protocol == 0x86dd)
        return tsc_pkt_ipv6(&p, out, 0);
    return TSC_PKT_NOT_IP;
}

/* ---------------------------------------------------------------- IEEE 802.11 */

#define WLAN_TYPE_DATA 2
#define WLAN_FLAG_TODS 0x01
#define WLAN_FLAG_FROMDS 0x02
#define WLAN_FLAG_MOREFRAG 0x04
#define WLAN_FLAG_PROTECTED 0x40
#define WLAN_FLAG_ORDER 0x80
#define WLAN_QOS_AMSDU 0x0080

/*
 * An IEEE 802.11 MAC frame (802.11-2020 9.2.3): Frame Control (2 bytes,
 * little-endian: version, type, subtype; flags), Duration, Address 1-3,
 * Sequence Control, Address 4 (To DS and From DS both set), QoS Control
 * (QoS subtypes), HT Control (QoS with the +HTC/Order flag); with `pad`
 * (radiotap's flag) the header is padded to 4 bytes. Only data frames
 * carry IP: data subtypes without a body (Null, CF-Ack/Poll, QoS Null) and
 * management, control and extension frames are not IP. The body is LLC
 * (SNAP and an ethertype). Not read, and said so: a protected frame not
 * decrypted, a fragment of an MSDU, an A-MSDU (several packets in one frame).
 */
static enum tsc_pkt_status ieee80211(struct tsc_cursor *c, struct tsc_packet *out, int pad)
{
    struct tsc_view fc, seq;
    size_t start = c->off;
    if (!take(c, 2, &fc))
        return TSC_PKT_TRUNCATED;
    uint8_t version = fc.p[0] & 3, type = (fc.p[0] >> 2) & 3, subtype = fc.p[0] >> 4, flags = fc.p[1];
    if (version != 0 || type != WLAN_TYPE_DATA || (subtype & 4))
        return TSC_PKT_NOT_IP;
    /* duration, addresses 1-3 */
    if (!tsc_is_ok(tsc_cursor_skip(c, 2 + 18)) || !take(c, 2, &seq))
        return TSC_PKT_TRUNCATED;
    if ((flags & (WLAN_FLAG_TODS | WLAN_FLAG_FROMDS)) == (WLAN_FLAG_TODS | WLAN_FLAG_FROMDS) &&
        !tsc_is_ok(tsc_cursor_skip(c, 6)))
        return TSC_PKT_TRUNCATED;
    int amsdu = 0;
    if (subtype & 8) {
        struct tsc_view qos;
        if (!take(c, 2, &qos))
            return TSC_PKT_TRUNCATED;
        amsdu = (le16_at(qos.p) & WLAN_QOS_AMSDU) != 0;
        if ((flags & WLAN_FLAG_ORDER) && !tsc_is_ok(tsc_cursor_skip(c, 4)))
            return TSC_PKT_TRUNCATED;
    }
    if (pad && !tsc_is_ok(tsc_cursor_skip(c, (4 - (c->off - start) % 4) % 4)))
        return TSC_PKT_TRUNCATED;
    if ((flags & WLAN_FLAG_MOREFRAG) || (le16_at(seq.p) & 0x000f))
        return TSC_PKT_NOT_IP;
    if ((flags & WLAN_FLAG_PROTECTED) || amsdu)
        return TSC_PKT_NOT_IP;
    return tsc_pkt_llc(c, out, 0);
}

#define RADIOTAP_F_FCS 0x10    /* the frame ends with its FCS */
#define RADIOTAP_F_DATAPAD 0x20 /* padding between the 802.11 header and the body */
#define RADIOTAP_F_BADFCS 0x40

/*
 * LINKTYPE_IEEE802_11_RADIOTAP: version (0), pad, length of the whole
 * header and a presence bitmap (little-endian; bit 31: another bitmap
 * follows), then the fields present, each aligned to its own size from the
 * header's start. Only Flags (bit 1, one byte) is read, after TSFT (bit 0,
 * 8 bytes). A frame received with a bad FCS is damage, not a packet.
 */
static enum tsc_pkt_status radiotap(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h;
    if (!peek(c, 8, &h))
        return TSC_PKT_TRUNCATED;
    size_t len = (size_t)le16_at(h.p + 2);
    if (h.p[0] != 0 || len < 8)
        return TSC_PKT_MALFORMED;
    if (!take(c, len, &h))
        return TSC_PKT_TRUNCATED;
    uint32_t present = le32_at(h.p + 4), word = present;
    size_t at = 8;
    while (word & 0x80000000u) {
        if (len - at < 4)
            return TSC_PKT_MALFORMED;
        word = le32_at(h.p + at);
        at += 4;
    }
    uint8_t flags = 0;
    if (present & 2) {
        if (present & 1)
            at = ((at + 7) & ~(size_t)7) + 8;
        if (at >= len)
            return TSC_PKT_MALFORMED;
        flags = h.p[at];
    }
    if (flags & RADIOTAP_F_BADFCS)
        return TSC_PKT_MALFORMED;
    struct tsc_cursor f = rest_less(c, (flags & RADIOTAP_F_FCS) ? 4 : 0);
    return ieee80211(&f, out, (flags & RADIOTAP_F_DATAPAD) != 0);
}

#define PPI_FIELD_80211_COMMON 2
#define PPI_80211_FCS 0x0001
#define PPI_80211_BADFCS 0x0004

/*
 * LINKTYPE_PPI (Per-Packet Information): version (0), flags, header length,
 * the link type of what follows (all little-endian), then fields: type,
 * length, data (padded to 4 bytes when the header's flags say so). The
 * 802.11-Common field's flags say whether the frame
 * ends with its FCS and whether that was bad. What follows is decoded by
 * its own link type (802.11, or another; PPI does not nest).
 */
static enum tsc_pkt_status ppi(struct tsc_cursor *c, struct tsc_packet *out, int nested)
{
    struct tsc_view h;
    if (nested)
        return TSC_PKT_NOT_IP;
    if (!peek(c, 8, &h))
        return TSC_PKT_TRUNCATED;
    size_t len = (size_t)le16_at(h.p + 2);
    if (h.p[0] != 0 || len < 8)
        return TSC_PKT_MALFORMED;
    if (!take(c, len, &h))
        return TSC_PKT_TRUNCATED;
    int aligned = h.p[1] & 1; /* fields padded to 4 bytes */
    uint32_t dlt = le32_at(h.p + 4);
    int fcs = 0;
    struct tsc_cursor fields = tsc_cursor_make(h.p + 8, len - 8);
    struct tsc_view fh, fd;
    while (take(&fields, 4, &fh)) {
        if (!take(&fields, (size_t)le16_at(fh.p + 2), &fd))
            return TSC_PKT_MALFORMED;
        if (le16_at(fh.p) == PPI_FIELD_80211_COMMON && fd.len >= 10) {
            int fl = le16_at(fd.p + 8);
            if (fl & PPI_80211_BADFCS)
                return TSC_PKT_MALFORMED;
            fcs = (fl & PPI_80211_FCS) != 0;
        }
        if (aligned && !tsc_is_ok(tsc_cursor_skip(&fields, (4 - fd.len % 4) % 4)))
            break;
    }
    if (dlt > 0xffff)
        return TSC_PKT_NOT_IP;
    struct tsc_cursor f = rest_less(c, fcs ? 4 : 0);
    if (dlt == TSC_LINK_IEEE802_11)
        return ieee80211(&f, out, 0);
    return tsc_link_decode((int)dlt, &f, out, 1);
}

/*
 * Two older headers before an 802.11 frame. LINKTYPE_IEEE802_11_AVS:
 * version/magic 0x8021100x and header length, big-endian. LINKTYPE_
 * IEEE802_11_PRISM: message code and message length in the byte order of
 * the capturing host (144 in practice), or an AVS header in its place.
 */
static enum tsc_pkt_status avs_prism(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h;
    if (!peek(c, 8, &h))
        return TSC_PKT_TRUNCATED;
    const uint8_t *p = h.p;
    size_t len = 0;
    if ((be32_at(p) & 0xfffffff0u) == 0x80211000u)
        len = be32_at(p + 4);
    else if (le32_at(p + 4) <= 0xffff)
        len = le32_at(p + 4);
    else if (be32_at(p + 4) <= 0xffff)
        len = be32_at(p + 4);
    if (len < 8 || len > 0xffff)
        return TSC_PKT_MALFORMED;
    if (!take(c, len, &h))
        return TSC_PKT_TRUNCATED;
    return ieee80211(c, out, 0);
}

/* ---------------------------------------------------------------- ERF */

/*
 * LINKTYPE_ERF (Endace DAG cards' Extensible Record Format): timestamp
 * (8 bytes), type (bit 7: extension headers follow), flags, record length,
 * loss counter / colour, wire length (big-endian); extension headers of 8
 * bytes while the top bit of each one's first byte is set; then by type:
 * Ethernet (2, 11, 16, 20: two bytes of offset/pad, then the frame),
 * HDLC over SONET (1, 10, 15, 19), IPv4 (22), IPv6 (23). The record
 * length bounds the record.
 */
static enum tsc_pkt_status erf_record(struct tsc_cursor *c, struct tsc_packet *out)
{
    struct tsc_view h, e;
    if (!take(c, 16, &h))
        return TSC_PKT_TRUNCATED;
    uint8_t type = h.p[8];
    size_t rlen = (size_t)be16_at(h.p + 10);
    if (rlen < 16)
        return TSC_PKT_MALFORMED;
    struct tsc_view body = tsc_cursor_rest(c);
    if (body.len > rlen - 16)
        body.len = rlen - 16;
    struct tsc_cursor r = tsc_cursor_of(body);
    for (int more = type & 0x80; more;) {
        if (!take(&r, 8, &e))
            return TSC_PKT_TRUNCATED;
        more = e.p[0] & 0x80;
    }
    switch (type & 0x7f) {
    case 2:
    case 11:
    case 16:
    case 20:
        if (!tsc_is_ok(tsc_cursor_skip(&r, 2)))
            return TSC_PKT_TRUNCATED;
        return tsc_pkt_ethernet(&r, out, 0);
    case 1:
    case 10:
    case 15:
    case 19:
        return pos_hdlc(&r, out);
    case 22:
        return tsc_pkt_ipv4(&r, out, 0);
    case 23:
        return tsc_pkt_ipv6(&r, out, 0);
    default:
        return TSC_PKT_NOT_IP;
    }
}

/* ---------------------------------------------------------------- PKTAP */

/* LINKTYPE_PKTAP (Apple): header length, record type, the link type of
 * what follows, interface name, ... in the capturing host's byte order
 * (little-endian on every Mac that writes it; big-endian tried when that
 * does not fit). */
static enum tsc_pkt_status pktap(struct tsc_cursor *c, struct tsc_packet *out, int nested)
{
    struct tsc_view h;
    if (nested)
        return TSC_PKT_NOT_IP;
    if (!peek(c, 12, &h))
        return TSC_PKT_TRUNCATED;
    const uint8_t *p = h.p;
    int big = le32_at(p) > 0xffff;
    size_t len = big ? be32_at(p) : le32_at(p);
    uint32_t dlt = big ? be32_at(p + 8) : le32_at(p + 8);
    if (len < 12 || len > 0xffff)
        return TSC_PKT_MALFORMED;
    if (!take(c, len, &h))
        return TSC_PKT_TRUNCATED;
    if (dlt > 0xffff)
        return TSC_PKT_NOT_IP;
    return tsc_link_decode((int)dlt, c, out, 1);
}

/* ---------------------------------------------------------------- dispatch */

enum tsc_pkt_status tsc_link_decode(int linktype, struct tsc_cursor *c, struct tsc_packet *out, int nested)
{
    uint16_t type = 0;
    switch (linktype) {
    case TSC_LINK_ETHERNET:
        return tsc_pkt_ethernet(c, out, 0);
    case TSC_LINK_PPP:
    case TSC_LINK_PPP_HDLC:
        return ppp(c, out);
    case TSC_LINK_PPP_WITH_DIR:
        /* a direction byte, then PPP */
        if (!tsc_is_ok(tsc_cursor_skip(c, 1)))
            return TSC_PKT_TRUNCATED;
        return ppp(c, out);
    case TSC_LINK_PPP_ETHER:
        /* a PPPoE session header (what follows its ethertype) */
        return tsc_pkt_ethertype(c, 0x8864, out, 0);
    case TSC_LINK_C_HDLC:
        return c_hdlc(c, out);
    case TSC_LINK_C_HDLC_WITH_DIR:
        if (!tsc_is_ok(tsc_cursor_skip(c, 1)))
            return TSC_PKT_TRUNCATED;
        return c_hdlc(c, out);
    case TSC_LINK_ATM_RFC1483:
    case TSC_LINK_ATM_RFC1483_DLT:
        return tsc_pkt_llc(c, out, 0);
    case TSC_LINK_LINUX_SLL:
        return linux_sll(c, out);
    case TSC_LINK_LINUX_SLL2:
        return linux_sll2(c, out);
    case TSC_LINK_NULL:
    case TSC_LINK_LOOP:
        return null_loop(c, out);
    case TSC_LINK_RAW:
    case TSC_LINK_RAW_ALT:
        return tsc_pkt_ip(c, out, 0);
    case TSC_LINK_IPV4:
        return tsc_pkt_ipv4(c, out, 0);
    case TSC_LINK_IPV6:
        return tsc_pkt_ipv6(c, out, 0);
    case TSC_LINK_IPNET:
        return ipnet(c, out);
    case TSC_LINK_PFLOG:
        return pflog(c, out);
    case TSC_LINK_NFLOG:
        return nflog(c, out);
    case TSC_LINK_IEEE802_11:
        return ieee80211(c, out, 0);
    case TSC_LINK_IEEE802_11_RADIOTAP:
        return radiotap(c, out);
    case TSC_LINK_IEEE802_11_PRISM:
    case TSC_LINK_IEEE802_11_AVS:
        return avs_prism(c, out);
    case TSC_LINK_PPI:
        return ppi(c, out, nested);
    case TSC_LINK_ERF:
        return erf_record(c, out);
    case TSC_LINK_IPOIB:
        /* protocol (an ethertype), reserved */
        if (!tsc_is_ok(tsc_cursor_u16(c, &type)) || !tsc_is_ok(tsc_cursor_skip(c, 2)))
            return TSC_PKT_TRUNCATED;
        return tsc_pkt_ethertype(c, type, out, 0);
    case TSC_LINK_NETANALYZER:
    case TSC_LINK_NETANALYZER_TRANSPARENT:
        /* a 4-byte status header (and the preamble and SFD), then Ethernet with its FCS */
        if (!tsc_is_ok(tsc_cursor_skip(c, linktype == TSC_LINK_NETANALYZER ? 4 : 12)))
            return TSC_PKT_TRUNCATED;
        return tsc_pkt_ethernet(c, out, 0);
    case TSC_LINK_PKTAP:
        return pktap(c, out, nested);
    default:
        return TSC_PKT_LINK_UNSUPPORTED;
    }
}

/* ---------------------------------------------------------------- names */

/*
 * LINKTYPE_ names (without the prefix) of tcpdump.org/linktypes.html, and
 * for those read here what the error message calls them. Values below 104
 * that libpcap hands as other DLT_ numbers (12 for raw IP, 11 for RFC 1483)
 * are rows of their own.
 */
static const struct {
    int value;
    const char *name;
    const char *reads; /* non-NULL: supported, under this description */
} link_names[] = {
    {1, "ETHERNET", "Ethernet"}, /* first: the list of what is read starts with it */
    {0, "NULL", "BSD loopback (NULL, LOOP)"},
    {3, "AX25", NULL},
    {6, "IEEE802_5", NULL},
    {7, "ARCNET_BSD", NULL},
    {8, "SLIP", NULL},
    {9, "PPP", "PPP"},
    {10, "FDDI", NULL},
    {11, "ATM_RFC1483", "ATM (RFC 1483)"},
    {12, "RAW", "raw IP"},
    {50, "PPP_HDLC", "PPP"},
    {51, "PPP_ETHER", "PPPoE"},
    {100, "ATM_RFC1483", "ATM (RFC 1483)"},
    {101, "RAW", "raw IP"},
    {104, "C_HDLC", "Cisco HDLC"},
    {105, "IEEE802_11", "802.11 (plain, radiotap, PPI, AVS, Prism)"},
    {107, "FRELAY", NULL},
    {108, "LOOP", "BSD loopback (NULL, LOOP)"},
    {113, "LINUX_SLL", "Linux cooked (SLL, SLL2)"},
    {114, "LTALK", NULL},
    {117, "PFLOG", "PFLOG"},
    {119, "IEEE802_11_PRISM", "802.11 (plain, radiotap, PPI, AVS, Prism)"},
    {122, "IP_OVER_FC", NULL},
    {123, "SUNATM", NULL},
    {127, "IEEE802_11_RADIOTAP", "802.11 (plain, radiotap, PPI, AVS, Prism)"},
    {129, "ARCNET_LINUX", NULL},
    {138, "APPLE_IP_OVER_IEEE1394", NULL},
    {139, "MTP2_WITH_PHDR", NULL},
    {140, "MTP2", NULL},
    {141, "MTP3", NULL},
    {142, "SCCP", NULL},
    {143, "DOCSIS", NULL},
    {144, "LINUX_IRDA", NULL},
    {147, "USER0", NULL},
    {148, "USER1", NULL},
    {149, "USER2", NULL},
    {150, "USER3", NULL},
    {151, "USER4", NULL},
    {152, "USER5", NULL},
    {153, "USER6", NULL},
    {154, "USER7", NULL},
    {155, "USER8", NULL},
    {156, "USER9", NULL},
    {157, "USER10", NULL},
    {158, "USER11", NULL},
    {159, "USER12", NULL},
    {160, "USER13", NULL},
    {161, "USER14", NULL},
    {162, "USER15", NULL},
    {163, "IEEE802_11_AVS", "802.11 (plain, radiotap, PPI, AVS, Prism)"},
    {165, "BACNET_MS_TP", NULL},
    {166, "PPP_PPPD", NULL},
    {169, "GPRS_LLC", NULL},
    {170, "GPF_T", NULL},
    {171, "GPF_F", NULL},
    {177, "LINUX_LAPD", NULL},
    {178, "JUNIPER_ETHER", NULL},
    {179, "JUNIPER_PPP", NULL},
    {180, "JUNIPER_FRELAY", NULL},
    {181, "JUNIPER_CHDLC", NULL},
    {182, "MFR", NULL},
    {187, "BLUETOOTH_HCI_H4", NULL},
    {189, "USB_LINUX", NULL},
    {192, "PPI", "802.11 (plain, radiotap, PPI, AVS, Prism)"},
    {195, "IEEE802_15_4_WITHFCS", NULL},
    {196, "SITA", NULL},
    {197, "ERF", "ERF"},
    {201, "BLUETOOTH_HCI_H4_WITH_PHDR", NULL},
    {202, "AX25_KISS", NULL},
    {203, "LAPD", NULL},
    {204, "PPP_WITH_DIR", "PPP"},
    {205, "C_HDLC_WITH_DIR", "Cisco HDLC"},
    {206, "FRELAY_WITH_DIR", NULL},
    {207, "LAPB_WITH_DIR", NULL},
    {209, "IPMB_LINUX", NULL},
    {210, "FLEXRAY", NULL},
    {212, "LIN", NULL},
    {215, "IEEE802_15_4_NONASK_PHY", NULL},
    {220, "USB_LINUX_MMAPPED", NULL},
    {224, "FC_2", NULL},
    {225, "FC_2_WITH_FRAME_DELIMS", NULL},
    {226, "IPNET", "Solaris IPNET"},
    {227, "CAN_SOCKETCAN", NULL},
    {228, "IPV4", "raw IP"},
    {229, "IPV6", "raw IP"},
    {230, "IEEE802_15_4_NOFCS", NULL},
    {231, "DBUS", NULL},
    {235, "DVB_CI", NULL},
    {236, "MUX27010", NULL},
    {237, "STANAG_5066_D_PDU", NULL},
    {239, "NFLOG", "Linux NFLOG"},
    {240, "NETANALYZER", "netANALYZER"},
    {241, "NETANALYZER_TRANSPARENT", "netANALYZER"},
    {242, "IPOIB", "IP over InfiniBand"},
    {243, "MPEG_2_TS", NULL},
    {244, "NG40", NULL},
    {245, "NFC_LLCP", NULL},
    {247, "INFINIBAND", NULL},
    {248, "SCTP", NULL},
    {249, "USBPCAP", NULL},
    {250, "RTAC_SERIAL", NULL},
    {251, "BLUETOOTH_LE_LL", NULL},
    {252, "WIRESHARK_UPPER_PDU", NULL},
    {253, "NETLINK", NULL},
    {254, "BLUETOOTH_LINUX_MONITOR", NULL},
    {255, "BLUETOOTH_BREDR_BB", NULL},
    {256, "BLUETOOTH_LE_LL_WITH_PHDR", NULL},
    {257, "PROFIBUS_DL", NULL},
    {258, "PKTAP", "Apple PKTAP"},
    {259, "EPON", NULL},
    {260, "IPMI_HPM_2", NULL},
    {261, "ZWAVE_R1_R2", NULL},
    {262, "ZWAVE_R3", NULL},
    {263, "WATTSTOPPER_DLM", NULL},
    {264, "ISO_14443", NULL},
    {265, "RDS", NULL},
    {266, "USB_DARWIN", NULL},
    {268, "SDLC", NULL},
    {270, "LORATAP", NULL},
    {271, "VSOCK", NULL},
    {272, "NORDIC_BLE", NULL},
    {273, "DOCSIS31_XRA31", NULL},
    {274, "ETHERNET_MPACKET", NULL},
    {275, "DISPLAYPORT_AUX", NULL},
    {276, "LINUX_SLL2", "Linux cooked (SLL, SLL2)"},
    {278, "OPENVIZSLA", NULL},
    {279, "EBHSCR", NULL},
    {280, "VPP_DISPATCH", NULL},
    {281, "DSA_TAG_BRCM", NULL},
    {282, "DSA_TAG_BRCM_PREPEND", NULL},
    {283, "IEEE802_15_4_TAP", NULL},
    {284, "DSA_TAG_DSA", NULL},
    {285, "DSA_TAG_EDSA", NULL},
    {286, "ELEE", NULL},
    {287, "Z_WAVE_SERIAL", NULL},
    {288, "USB_2_0", NULL},
    {289, "ATSC_ALP", NULL},
    {290, "ETW", NULL},
};

#define N_LINK_NAMES (sizeof link_names / sizeof link_names[0])

int tsc_link_supported(int linktype)
{
    for (size_t i = 0; i < N_LINK_NAMES; i++)
        if (link_names[i].value == linktype)
            return link_names[i].reads != NULL;
    return 0;
}

const char *tsc_link_name(int linktype)
{
    for (size_t i = 0; i < N_LINK_NAMES; i++)
        if (link_names[i].value == linktype)
            return link_names[i].name;
    return "unknown";
}

void tsc_link_supported_list(char *buf, size_t n)
{
    size_t used = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < N_LINK_NAMES; i++) {
        const char *r = link_names[i].reads;
        int seen = 0;
        if (!r)
            continue;
        for (size_t j = 0; j < i && !seen; j++)
            seen = link_names[j].reads && strcmp(link_names[j].reads, r) == 0;
        if (seen)
            continue;
        int k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", r);
        if (k < 0 || (size_t)k >= n - used) {
            buf[used] = '\0'; /* the names that fit whole */
            return;
        }
        used += (size_t)k;
    }
}

void tsc_link_unsupported_message(int linktype, char *buf, size_t n)
{
    char list[400];
    tsc_link_supported_list(list, sizeof list);
    snprintf(buf, n, "link type %d (%s) is not supported: tlsscope reads %s", linktype, tsc_link_name(linktype),
             list);
}
