/*
 * packet.c - Ethernet, LLC, IP, tunnel, TCP and UDP header decoding (see
 * packet.h); the other link layers are link.c's.
 */
#include "capture/packet.h"
#include "capture/packet_int.h"

#include <string.h>

#include "core/cursor.h"
#include "core/flow.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE 0x8864
#define ETH_CISCO_METADATA 0x8909

static enum tsc_pkt_status ethertype(struct tsc_cursor *c, uint16_t type, struct tsc_packet *out, int depth);
static enum tsc_pkt_status ip_by_version(struct tsc_cursor *c, struct tsc_packet *out, int depth);
static enum tsc_pkt_status ethernet(struct tsc_cursor *c, struct tsc_packet *out, int depth);
static enum tsc_pkt_status llc(struct tsc_cursor *c, struct tsc_packet *out, int depth);

/* Tunnels nest: bound the depth so a crafted packet cannot recurse forever. */
#define MAX_DEPTH 6

#define IPPROTO_IPIP_ 4
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_IPV6_ 41
#define IPPROTO_GRE_ 47

/* The payload of an IP packet with protocol `proto`. */
static enum tsc_pkt_status ip_payload(uint8_t proto, struct tsc_cursor *c, struct tsc_packet *out, size_t wire,
                                      int depth);

/*
 * UDP (RFC 768): source port, destination port, length, checksum. Tunnels
 * by well-known port are followed: VXLAN (4789: 8-byte header, then
 * Ethernet), Geneve (6081: 8 bytes plus options, protocol type), GTP-U
 * (2152: 8 bytes plus optional fields, then IP, in a G-PDU). Anything else
 * is a datagram: its payload is clamped to the UDP length, which may not
 * exceed the IP payload (0 is taken for the IP payload: jumbograms).
 */
static enum tsc_pkt_status udp(struct tsc_cursor *c, struct tsc_packet *out, size_t wire, int depth)
{
    uint16_t sport = 0, dport = 0, len = 0;
    if (!tsc_is_ok(tsc_cursor_u16(c, &sport)) || !tsc_is_ok(tsc_cursor_u16(c, &dport)) ||
        !tsc_is_ok(tsc_cursor_u16(c, &len)) || !tsc_is_ok(tsc_cursor_skip(c, 2)))
        return TSC_PKT_TRUNCATED;
    if (depth < MAX_DEPTH && (dport == 4789 || sport == 4789)) {
        if (!tsc_is_ok(tsc_cursor_skip(c, 8)))
            return TSC_PKT_TRUNCATED;
        return ethernet(c, out, depth + 1);
    }
    if (depth < MAX_DEPTH && (dport == 6081 || sport == 6081)) {
        uint8_t vo = 0, flags = 0;
        uint16_t proto = 0;
        if (!tsc_is_ok(tsc_cursor_u8(c, &vo)) || !tsc_is_ok(tsc_cursor_u8(c, &flags)) ||
            !tsc_is_ok(tsc_cursor_u16(c, &proto)) || !tsc_is_ok(tsc_cursor_skip(c, 4 + (size_t)(vo & 0x3f) * 4)))
            return TSC_PKT_TRUNCATED;
        if (proto == 0x6558)
            return ethernet(c, out, depth + 1);
        return ethertype(c, proto, out, depth + 1);
    }
    if (depth < MAX_DEPTH && (dport == 2152 || sport == 2152)) {
        /* a G-PDU (message type 255) carries user IP packets; other GTP-U
         * messages (echo, error indication) are datagrams of their own */
        struct tsc_cursor g = *c;
        uint8_t flags = 0, type = 0;
        if (!tsc_is_ok(tsc_cursor_u8(&g, &flags)) || !tsc_is_ok(tsc_cursor_u8(&g, &type)) ||
            !tsc_is_ok(tsc_cursor_skip(&g, 6)))
            return TSC_PKT_TRUNCATED;
        if (type == 0xff) {
            if (flags & 0x07) {
                uint8_t next = 0;
                if (!tsc_is_ok(tsc_cursor_skip(&g, 3)) || !tsc_is_ok(tsc_cursor_u8(&g, &next)))
                    return TSC_PKT_TRUNCATED;
                while (next) {
                    uint8_t l = 0;
                    if (!tsc_is_ok(tsc_cursor_u8(&g, &l)) || l == 0 ||
                        !tsc_is_ok(tsc_cursor_skip(&g, (size_t)l * 4 - 2)) || !tsc_is_ok(tsc_cursor_u8(&g, &next)))
                        return TSC_PKT_TRUNCATED;
                }
            }
            return ip_by_version(&g, out, depth + 1);
        }
    }
    if (wire < 8 || (len != 0 && (len < 8 || len > wire)))
        return TSC_PKT_MALFORMED;
    out->proto = TSC_FLOW_UDP;
    out->src.port = sport;
    out->dst.port = dport;
    struct tsc_view rest = tsc_cursor_rest(c);
    out->payload = rest.p;
    out->payload_wire = (len ? len : wire) - 8;
    out->payload_len = rest.len < out->payload_wire ? rest.len : out->payload_wire;
    return TSC_PKT_UDP;
}

/* GRE (RFC 2784/2890): flags, protocol type, optional checksum, key, sequence. */
static enum tsc_pkt_status gre(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    uint16_t flags = 0, proto = 0;
    if (!tsc_is_ok(tsc_cursor_u16(c, &flags)) || !tsc_is_ok(tsc_cursor_u16(c, &proto)))
        return TSC_PKT_TRUNCATED;
    if ((flags & 7) != 0)
        return TSC_PKT_OTHER_PROTO; /* version 1 is PPTP's enhanced GRE */
    size_t opt = ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
    if (!tsc_is_ok(tsc_cursor_skip(c, opt)))
        return TSC_PKT_TRUNCATED;
    if (proto == 0x6558)
        return ethernet(c, out, depth + 1);
    return ethertype(c, proto, out, depth + 1);
}

static enum tsc_pkt_status tcp(struct tsc_cursor *c, struct tsc_packet *out, size_t wire_len)
{
    uint16_t sport = 0, dport = 0, win = 0;
    uint8_t off = 0, flags = 0;
    if (tsc_cursor_left(c) < 20)
        return TSC_PKT_TRUNCATED;
    (void)tsc_cursor_u16(c, &sport);
    (void)tsc_cursor_u16(c, &dport);
    (void)tsc_cursor_u32(c, &out->seq);
    (void)tsc_cursor_u32(c, &out->ack);
    (void)tsc_cursor_u8(c, &off);
    (void)tsc_cursor_u8(c, &flags);
    (void)tsc_cursor_u16(c, &win);
    (void)tsc_cursor_skip(c, 4); /* checksum, urgent pointer */
    size_t hlen = (size_t)(off >> 4) * 4;
    if (hlen < 20 || hlen > wire_len)
        return TSC_PKT_MALFORMED;
    if (!tsc_is_ok(tsc_cursor_skip(c, hlen - 20)))
        return TSC_PKT_TRUNCATED;
    out->proto = TSC_FLOW_TCP;
    out->src.port = sport;
    out->dst.port = dport;
    out->flags = flags;
    struct tsc_view rest = tsc_cursor_rest(c);
    out->payload = rest.p;
    out->payload_wire = wire_len - hlen;
    out->payload_len = rest.len < out->payload_wire ? rest.len : out->payload_wire;
    return TSC_PKT_TCP;
}

static enum tsc_pkt_status ipv4(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    const uint8_t *h = c->p + c->off;
    size_t caplen = tsc_cursor_left(c);
    if (caplen < 20)
        return TSC_PKT_TRUNCATED;
    if ((h[0] >> 4) != 4)
        return TSC_PKT_MALFORMED;
    size_t ihl = (size_t)(h[0] & 0x0f) * 4;
    size_t total = ((size_t)h[2] << 8) | h[3];
    if (ihl < 20 || (total != 0 && total < ihl))
        return TSC_PKT_MALFORMED; /* total 0: segmentation offload, see below */
    if (caplen < ihl)
        return TSC_PKT_TRUNCATED;
    uint16_t frag = (uint16_t)((h[6] << 8) | h[7]);
    out->src.family = out->dst.family = 4;
    memset(out->src.addr, 0, 16);
    memset(out->dst.addr, 0, 16);
    memcpy(out->src.addr, h + 12, 4);
    memcpy(out->dst.addr, h + 16, 4);
    if (h[9] != IPPROTO_TCP_ && h[9] != IPPROTO_UDP_ && h[9] != IPPROTO_IPIP_ && h[9] != IPPROTO_IPV6_ &&
        h[9] != IPPROTO_GRE_)
        return TSC_PKT_OTHER_PROTO;
    if ((frag & 0x2000) || (frag & 0x1fff)) {
        size_t end = total < caplen ? total : caplen;
        struct tsc_fragment *f = &out->frag;
        f->family = 4;
        memcpy(f->src, out->src.addr, 16);
        memcpy(f->dst, out->dst.addr, 16);
        f->id = (uint32_t)((h[4] << 8) | h[5]);
        f->proto = h[9];
        f->offset = (uint32_t)(frag & 0x1fff) * 8;
        f->more = (frag & 0x2000) != 0;
        f->data = h + ihl;
        f->len = total > ihl ? end - ihl : 0;
        f->complete_len = total > ihl ? total - ihl : 0;
        f->depth = depth;
        return TSC_PKT_FRAGMENT;
    }
    /* TSO captures carry total length 0: trust the captured length then */
    size_t avail = total ? (total < caplen ? total : caplen) : caplen;
    if (total == 0)
        total = caplen;
    struct tsc_cursor t = tsc_cursor_make(h + ihl, avail - ihl);
    return ip_payload(h[9], &t, out, total - ihl, depth);
}

static enum tsc_pkt_status ipv6(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    const uint8_t *h = c->p + c->off;
    size_t caplen = tsc_cursor_left(c);
    if (caplen < 40)
        return TSC_PKT_TRUNCATED;
    if ((h[0] >> 4) != 6)
        return TSC_PKT_MALFORMED;
    size_t plen = ((size_t)h[4] << 8) | h[5];
    uint8_t next = h[6];
    out->src.family = out->dst.family = 6;
    memcpy(out->src.addr, h + 8, 16);
    memcpy(out->dst.addr, h + 24, 16);
    if (plen == 0)
        plen = caplen - 40; /* jumbogram or TSO: trust the capture */
    size_t avail = caplen - 40 < plen ? caplen - 40 : plen;
    struct tsc_cursor x = tsc_cursor_make(h + 40, avail);
    size_t wire = plen;
    /* walk the extension headers */
    for (int i = 0; i < 8; i++) {
        if (next == IPPROTO_TCP_ || next == IPPROTO_UDP_ || next == IPPROTO_IPIP_ || next == IPPROTO_IPV6_ ||
            next == IPPROTO_GRE_)
            return ip_payload(next, &x, out, wire, depth);
        if (next == 44) {
            /* Fragment header: next header, reserved, offset|res|M, identification */
            uint8_t nh = 0, res = 0;
            uint16_t offm = 0;
            uint32_t id = 0;
            if (!tsc_is_ok(tsc_cursor_u8(&x, &nh)) || !tsc_is_ok(tsc_cursor_u8(&x, &res)) ||
                !tsc_is_ok(tsc_cursor_u16(&x, &offm)) || !tsc_is_ok(tsc_cursor_u32(&x, &id)))
                return TSC_PKT_TRUNCATED;
            if (wire < 8)
                return TSC_PKT_MALFORMED;
            struct tsc_fragment *f = &out->frag;
            struct tsc_view rest = tsc_cursor_rest(&x);
            f->family = 6;
            memcpy(f->src, out->src.addr, 16);
            memcpy(f->dst, out->dst.addr, 16);
            f->id = id;
            f->proto = nh;
            f->offset = (uint32_t)(offm & 0xfff8);
            f->more = offm & 1;
            f->data = rest.p;
            f->len = rest.len;
            f->complete_len = wire - 8;
            f->depth = depth;
            return TSC_PKT_FRAGMENT;
        }
        if (next != 0 && next != 43 && next != 60 && next != 51)
            return TSC_PKT_OTHER_PROTO;
        uint8_t nh = 0, hl = 0;
        if (tsc_cursor_left(&x) < 2)
            return TSC_PKT_TRUNCATED;
        (void)tsc_cursor_u8(&x, &nh);
        (void)tsc_cursor_u8(&x, &hl);
        size_t len = next == 51 ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
        if (len > wire)
            return TSC_PKT_MALFORMED;
        if (!tsc_is_ok(tsc_cursor_skip(&x, len - 2)))
            return TSC_PKT_TRUNCATED;
        wire -= len;
        next = nh;
    }
    return TSC_PKT_OTHER_PROTO;
}

static enum tsc_pkt_status ip_payload(uint8_t proto, struct tsc_cursor *c, struct tsc_packet *out, size_t wire,
                                      int depth)
{
    if (proto == IPPROTO_TCP_)
        return tcp(c, out, wire);
    if (proto == IPPROTO_UDP_)
        return udp(c, out, wire, depth);
    if (depth >= MAX_DEPTH)
        return TSC_PKT_OTHER_PROTO;
    switch (proto) {
    case IPPROTO_IPIP_:
    case IPPROTO_IPV6_:
        return ip_by_version(c, out, depth + 1);
    case IPPROTO_GRE_:
        return gre(c, out, depth);
    default:
        return TSC_PKT_OTHER_PROTO;
    }
}

static enum tsc_pkt_status ip_by_version(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    if (tsc_cursor_left(c) < 1)
        return TSC_PKT_TRUNCATED;
    uint8_t v = c->p[c->off] >> 4;
    if (v == 4)
        return ipv4(c, out, depth);
    if (v == 6)
        return ipv6(c, out, depth);
    return TSC_PKT_NOT_IP;
}

static enum tsc_pkt_status ethernet(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    uint16_t type = 0;
    if (depth >= MAX_DEPTH)
        return TSC_PKT_NOT_IP;
    if (!tsc_is_ok(tsc_cursor_skip(c, 12)) || !tsc_is_ok(tsc_cursor_u16(c, &type)))
        return TSC_PKT_TRUNCATED;
    if (type <= 1500) {
        /* IEEE 802.3: a length, and an 802.2 LLC header; the length bounds
         * the frame (what follows is padding, or the FCS) */
        struct tsc_view body;
        int whole = tsc_is_ok(tsc_cursor_bytes(c, type, &body));
        if (!whole)
            body = tsc_cursor_rest(c);
        struct tsc_cursor b = tsc_cursor_of(body);
        enum tsc_pkt_status st = llc(&b, out, depth);
        /* headers that run past a length the capture holds whole contradict it */
        return st == TSC_PKT_TRUNCATED && whole ? TSC_PKT_MALFORMED : st;
    }
    return ethertype(c, type, out, depth);
}

static enum tsc_pkt_status ethertype(struct tsc_cursor *c, uint16_t type, struct tsc_packet *out, int depth)
{
    for (int tags = 0; tags < 8; tags++) {
        switch (type) {
        case ETH_IPV4:
            return ipv4(c, out, depth);
        case ETH_IPV6:
            return ipv6(c, out, depth);
        case ETH_CISCO_METADATA: {
            /* version, length (in 8-byte units, with the ethertype), options */
            uint8_t ver = 0, len = 0;
            if (!tsc_is_ok(tsc_cursor_u8(c, &ver)) || !tsc_is_ok(tsc_cursor_u8(c, &len)) || len == 0 ||
                !tsc_is_ok(tsc_cursor_skip(c, (size_t)len * 8 - 4)) || !tsc_is_ok(tsc_cursor_u16(c, &type)))
                return TSC_PKT_TRUNCATED;
            continue;
        }
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD:
            /* 802.1Q tag: TCI, then the next ethertype */
            if (!tsc_is_ok(tsc_cursor_skip(c, 2)) || !tsc_is_ok(tsc_cursor_u16(c, &type)))
                return TSC_PKT_TRUNCATED;
            continue;
        case ETH_MPLS:
        case ETH_MPLS_MC: {
            uint32_t label;
            do {
                if (!tsc_is_ok(tsc_cursor_u32(c, &label)))
                    return TSC_PKT_TRUNCATED;
            } while (!(label & 0x100));
            return ip_by_version(c, out, depth);
        }
        case ETH_PPPOE: {
            uint16_t proto;
            if (!tsc_is_ok(tsc_cursor_skip(c, 6)) || !tsc_is_ok(tsc_cursor_u16(c, &proto)))
                return TSC_PKT_TRUNCATED;
            if (proto == 0x0021)
                return ipv4(c, out, depth);
            if (proto == 0x0057)
                return ipv6(c, out, depth);
            return TSC_PKT_NOT_IP;
        }
        default:
            return TSC_PKT_NOT_IP;
        }
    }
    return TSC_PKT_NOT_IP;
}

enum tsc_pkt_status tsc_packet_decode_reassembled(const struct tsc_fragment *f, const uint8_t *data, size_t len,
                                                  struct tsc_packet *out)
{
    struct tsc_cursor c = tsc_cursor_make(data, len);
    memset(out, 0, sizeof *out);
    out->src.family = out->dst.family = f->family;
    memcpy(out->src.addr, f->src, 16);
    memcpy(out->dst.addr, f->dst, 16);
    return ip_payload(f->proto, &c, out, len, f->depth);
}


/*
 * IEEE 802.2 LLC: DSAP, SSAP, control (one byte for unnumbered frames, two
 * otherwise); with DSAP = SSAP = 0xAA and UI control, SNAP follows: an OUI
 * and a protocol, an ethertype when the OUI is 00-00-00 (RFC 1042) or
 * 00-00-F8 (802.1H bridge tunnel). DSAP 0x06 is IPv4 without SNAP.
 */
static enum tsc_pkt_status llc(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    uint8_t dsap = 0, ssap = 0, control = 0;
    if (!tsc_is_ok(tsc_cursor_u8(c, &dsap)) || !tsc_is_ok(tsc_cursor_u8(c, &ssap)) ||
        !tsc_is_ok(tsc_cursor_u8(c, &control)))
        return TSC_PKT_TRUNCATED;
    if ((control & 3) != 3)
        return TSC_PKT_NOT_IP; /* information and supervisory frames: LLC type 2 connections, not IP */
    if (dsap == 0xaa && ssap == 0xaa) {
        uint8_t oui[3];
        uint16_t type = 0;
        for (int i = 0; i < 3; i++)
            if (!tsc_is_ok(tsc_cursor_u8(c, &oui[i])))
                return TSC_PKT_TRUNCATED;
        if (!tsc_is_ok(tsc_cursor_u16(c, &type)))
            return TSC_PKT_TRUNCATED;
        if (oui[0] != 0 || oui[1] != 0 || (oui[2] != 0 && oui[2] != 0xf8))
            return TSC_PKT_NOT_IP;
        return ethertype(c, type, out, depth);
    }
    if (dsap == 0x06 && ssap == 0x06)
        return ipv4(c, out, depth);
    return TSC_PKT_NOT_IP;
}

/* The seam for link.c (packet_int.h). */
enum tsc_pkt_status tsc_pkt_ethernet(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    return ethernet(c, out, depth);
}

enum tsc_pkt_status tsc_pkt_ethertype(struct tsc_cursor *c, uint16_t type, struct tsc_packet *out, int depth)
{
    return ethertype(c, type, out, depth);
}

enum tsc_pkt_status tsc_pkt_llc(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    return llc(c, out, depth);
}

enum tsc_pkt_status tsc_pkt_ip(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    return ip_by_version(c, out, depth);
}

enum tsc_pkt_status tsc_pkt_ipv4(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    return ipv4(c, out, depth);
}

enum tsc_pkt_status tsc_pkt_ipv6(struct tsc_cursor *c, struct tsc_packet *out, int depth)
{
    return ipv6(c, out, depth);
}

enum tsc_pkt_status tsc_packet_decode(int linktype, const uint8_t *p, size_t caplen, struct tsc_packet *out)
{
    struct tsc_cursor c = tsc_cursor_make(p, caplen);
    memset(out, 0, sizeof *out);
    return tsc_link_decode(linktype, &c, out, 0);
}
