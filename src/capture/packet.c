/*
 * packet.c - link, IP and TCP header decoding (see packet.h).
 */
#include "capture/packet.h"

#include <string.h>

#include "core/cursor.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE 0x8864

int tsc_link_supported(int linktype)
{
    switch (linktype) {
    case TSC_LINK_NULL:
    case TSC_LINK_ETHERNET:
    case TSC_LINK_RAW:
    case TSC_LINK_RAW_ALT:
    case TSC_LINK_LOOP:
    case TSC_LINK_LINUX_SLL:
    case TSC_LINK_IPV4:
    case TSC_LINK_IPV6:
    case TSC_LINK_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

const char *tsc_link_name(int linktype)
{
    switch (linktype) {
    case TSC_LINK_NULL: return "BSD loopback";
    case TSC_LINK_ETHERNET: return "Ethernet";
    case TSC_LINK_RAW:
    case TSC_LINK_RAW_ALT: return "raw IP";
    case TSC_LINK_LOOP: return "OpenBSD loopback";
    case TSC_LINK_LINUX_SLL: return "Linux cooked (SLL)";
    case TSC_LINK_IPV4: return "raw IPv4";
    case TSC_LINK_IPV6: return "raw IPv6";
    case TSC_LINK_LINUX_SLL2: return "Linux cooked (SLL2)";
    default: return "unsupported";
    }
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
    out->src.port = sport;
    out->dst.port = dport;
    out->flags = flags;
    struct tsc_view rest = tsc_cursor_rest(c);
    out->payload = rest.p;
    out->payload_wire = wire_len - hlen;
    out->payload_len = rest.len < out->payload_wire ? rest.len : out->payload_wire;
    return TSC_PKT_TCP;
}

static enum tsc_pkt_status ipv4(struct tsc_cursor *c, struct tsc_packet *out)
{
    const uint8_t *h = c->p + c->off;
    size_t caplen = tsc_cursor_left(c);
    if (caplen < 20)
        return TSC_PKT_TRUNCATED;
    if ((h[0] >> 4) != 4)
        return TSC_PKT_MALFORMED;
    size_t ihl = (size_t)(h[0] & 0x0f) * 4;
    size_t total = ((size_t)h[2] << 8) | h[3];
    if (ihl < 20 || total < ihl)
        return TSC_PKT_MALFORMED;
    if (caplen < ihl)
        return TSC_PKT_TRUNCATED;
    uint16_t frag = (uint16_t)((h[6] << 8) | h[7]);
    out->src.family = out->dst.family = 4;
    memset(out->src.addr, 0, 16);
    memset(out->dst.addr, 0, 16);
    memcpy(out->src.addr, h + 12, 4);
    memcpy(out->dst.addr, h + 16, 4);
    if (h[9] != 6)
        return TSC_PKT_NOT_TCP;
    if ((frag & 0x2000) || (frag & 0x1fff))
        return TSC_PKT_FRAGMENT;
    /* TSO captures carry total length 0: trust the captured length then */
    size_t avail = total ? (total < caplen ? total : caplen) : caplen;
    if (total == 0)
        total = caplen;
    struct tsc_cursor t = tsc_cursor_make(h + ihl, avail - ihl);
    return tcp(&t, out, total - ihl);
}

static enum tsc_pkt_status ipv6(struct tsc_cursor *c, struct tsc_packet *out)
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
        if (next == 6) {
            return tcp(&x, out, wire);
        }
        if (next == 44)
            return TSC_PKT_FRAGMENT;
        if (next != 0 && next != 43 && next != 60 && next != 51)
            return TSC_PKT_NOT_TCP;
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
    return TSC_PKT_NOT_TCP;
}

static enum tsc_pkt_status ip_by_version(struct tsc_cursor *c, struct tsc_packet *out)
{
    if (tsc_cursor_left(c) < 1)
        return TSC_PKT_TRUNCATED;
    uint8_t v = c->p[c->off] >> 4;
    if (v == 4)
        return ipv4(c, out);
    if (v == 6)
        return ipv6(c, out);
    return TSC_PKT_NOT_IP;
}

static enum tsc_pkt_status ethertype(struct tsc_cursor *c, uint16_t type, struct tsc_packet *out)
{
    for (int depth = 0; depth < 8; depth++) {
        switch (type) {
        case ETH_IPV4:
            return ipv4(c, out);
        case ETH_IPV6:
            return ipv6(c, out);
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
            return ip_by_version(c, out);
        }
        case ETH_PPPOE: {
            uint16_t proto;
            if (!tsc_is_ok(tsc_cursor_skip(c, 6)) || !tsc_is_ok(tsc_cursor_u16(c, &proto)))
                return TSC_PKT_TRUNCATED;
            if (proto == 0x0021)
                return ipv4(c, out);
            if (proto == 0x0057)
                return ipv6(c, out);
            return TSC_PKT_NOT_IP;
        }
        default:
            return TSC_PKT_NOT_IP;
        }
    }
    return TSC_PKT_NOT_IP;
}

enum tsc_pkt_status tsc_packet_decode(int linktype, const uint8_t *p, size_t caplen, struct tsc_packet *out)
{
    struct tsc_cursor c = tsc_cursor_make(p, caplen);
    uint16_t type;
    memset(out, 0, sizeof *out);
    switch (linktype) {
    case TSC_LINK_ETHERNET:
        if (!tsc_is_ok(tsc_cursor_skip(&c, 12)) || !tsc_is_ok(tsc_cursor_u16(&c, &type)))
            return TSC_PKT_TRUNCATED;
        return ethertype(&c, type, out);
    case TSC_LINK_LINUX_SLL:
        /* packet type, ARPHRD, address length, address[8], protocol */
        if (!tsc_is_ok(tsc_cursor_skip(&c, 14)) || !tsc_is_ok(tsc_cursor_u16(&c, &type)))
            return TSC_PKT_TRUNCATED;
        return ethertype(&c, type, out);
    case TSC_LINK_LINUX_SLL2:
        /* protocol, reserved, ifindex, ARPHRD, packet type, address length, address[8] */
        if (!tsc_is_ok(tsc_cursor_u16(&c, &type)) || !tsc_is_ok(tsc_cursor_skip(&c, 18)))
            return TSC_PKT_TRUNCATED;
        return ethertype(&c, type, out);
    case TSC_LINK_NULL:
    case TSC_LINK_LOOP: {
        if (caplen < 4)
            return TSC_PKT_TRUNCATED;
        (void)tsc_cursor_skip(&c, 4);
        return ip_by_version(&c, out);
    }
    case TSC_LINK_RAW:
    case TSC_LINK_RAW_ALT:
        return ip_by_version(&c, out);
    case TSC_LINK_IPV4:
        return ipv4(&c, out);
    case TSC_LINK_IPV6:
        return ipv6(&c, out);
    default:
        return TSC_PKT_LINK_UNSUPPORTED;
    }
}
