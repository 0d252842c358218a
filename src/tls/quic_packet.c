/*
 * quic_packet.c - QUIC packet headers and the datagrams that carry them
 * (RFC 9000 12.2, 16, 17, A.3; RFC 8999; RFC 9369 3.2).
 *
 *   Long Header Packet {                     Short Header (1-RTT) Packet {
 *     Header Form (1) = 1,                     Header Form (1) = 0,
 *     Fixed Bit (1) = 1,                       Fixed Bit (1) = 1,
 *     Long Packet Type (2),                    Spin Bit (1), Reserved Bits (2),
 *     Type-Specific Bits (4),                  Key Phase (1),
 *     Version (32),                            Packet Number Length (2),
 *     Destination Connection ID Length (8),    Destination Connection ID (0..160),
 *     Destination Connection ID (0..160),      Packet Number (8..32),
 *     Source Connection ID Length (8),         Packet Payload (8..),
 *     Source Connection ID (0..160),         }
 *     Type-Specific Payload (..),
 *   }
 *
 * The type-specific part: Initial { Token Length (i), Token, Length (i),
 * Packet Number, Payload }; 0-RTT and Handshake { Length (i), Packet
 * Number, Payload }; Retry { Retry Token, Retry Integrity Tag (128) };
 * Version Negotiation (version 0) { Supported Version (32) ... }. Several
 * packets with a Length may share a datagram (coalesced, 12.2); a packet
 * without one runs to its end.
 */
#include <string.h>

#include "tls/quic.h"

tsc_result tsc_quic_varint_len(struct tsc_cursor *c, uint64_t *out, unsigned *len)
{
    TSC_ENSURE_KIND(1 <= tsc_cursor_left(c), TSC_TRUNCATED, "need 1 byte");
    const uint8_t *q = c->p + c->off;
    unsigned n = 1u << (q[0] >> 6);
    TSC_ENSURE_KIND(n <= tsc_cursor_left(c), TSC_TRUNCATED, "variable-length integer runs past the end");
    uint64_t v = q[0] & 0x3f;
    for (unsigned i = 1; i < n; i++)
        v = v << 8 | q[i];
    c->off += n;
    *out = v;
    if (len)
        *len = n;
    return tsc_ok();
}

tsc_result tsc_quic_varint(struct tsc_cursor *c, uint64_t *out) { return tsc_quic_varint_len(c, out, NULL); }

uint64_t tsc_quic_pn_decode(uint64_t expected, uint64_t truncated_pn, unsigned pn_nbits)
{
    if (pn_nbits == 0 || pn_nbits > 32)
        return truncated_pn;
    uint64_t win = UINT64_C(1) << pn_nbits, hwin = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | (truncated_pn & mask);
    /* the RFC's signed comparisons, written so that nothing wraps */
    if (expected >= hwin && candidate <= expected - hwin && candidate < (UINT64_C(1) << 62) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}

const char *tsc_quic_ptype_name(int type)
{
    switch (type) {
    case TSC_QUIC_PT_INITIAL:
        return "Initial";
    case TSC_QUIC_PT_0RTT:
        return "0-RTT";
    case TSC_QUIC_PT_HANDSHAKE:
        return "Handshake";
    case TSC_QUIC_PT_RETRY:
        return "Retry";
    case TSC_QUIC_PT_VERSION_NEGOTIATION:
        return "Version Negotiation";
    case TSC_QUIC_PT_1RTT:
        return "1-RTT";
    default:
        return "unknown version";
    }
}

enum tsc_quic_ptype tsc_quic_long_type(uint32_t version, unsigned bits)
{
    static const uint8_t v1[4] = {TSC_QUIC_PT_INITIAL, TSC_QUIC_PT_0RTT, TSC_QUIC_PT_HANDSHAKE, TSC_QUIC_PT_RETRY};
    /* RFC 9369 3.2: the same four, rotated so that no type keeps its bits */
    static const uint8_t v2[4] = {TSC_QUIC_PT_RETRY, TSC_QUIC_PT_INITIAL, TSC_QUIC_PT_0RTT, TSC_QUIC_PT_HANDSHAKE};
    if (version == TSC_QUIC_V1 || tsc_quic_version_is_draft(version))
        return (enum tsc_quic_ptype)v1[bits & 3];
    if (version == TSC_QUIC_V2)
        return (enum tsc_quic_ptype)v2[bits & 3];
    return TSC_QUIC_PT_UNKNOWN_VERSION;
}

/* A packet number (at most 4 bytes) and the 16-byte header protection
 * sample after it: what a protected packet needs past pn_offset (RFC 9001
 * 5.4.2). */
#define PN_AND_SAMPLE 20
#define RETRY_TAG 16

static tsc_result long_header(struct tsc_cursor *c, struct tsc_quic_hdr *h)
{
    uint32_t version;
    struct tsc_cursor cid;
    TSC_GUARD(tsc_cursor_u32(c, &version));
    h->version = version;
    TSC_GUARD(tsc_cursor_sub_u8(c, &cid));
    h->dcid = tsc_cursor_rest(&cid);
    TSC_GUARD(tsc_cursor_sub_u8(c, &cid));
    h->scid = tsc_cursor_rest(&cid);

    if (version == 0) {
        /* Version Negotiation (RFC 8999 6): the rest is the versions */
        h->type = TSC_QUIC_PT_VERSION_NEGOTIATION;
        h->versions = tsc_cursor_rest(c);
        TSC_ENSURE(h->versions.len > 0 && h->versions.len % 4 == 0,
                   "Version Negotiation's version list is empty or not whole versions");
        return tsc_ok();
    }
    h->type = (uint8_t)tsc_quic_long_type(version, (h->first >> 4) & 3);
    if (h->type == TSC_QUIC_PT_UNKNOWN_VERSION) {
        /* beyond the invariants nothing is known: the packet is the rest */
        (void)tsc_cursor_rest(c);
        return tsc_ok();
    }
    TSC_ENSURE(h->dcid.len <= TSC_QUIC_CID_MAX && h->scid.len <= TSC_QUIC_CID_MAX,
               "connection ID longer than 20 bytes");

    if (h->type == TSC_QUIC_PT_RETRY) {
        struct tsc_view rest = tsc_cursor_rest(c);
        TSC_ENSURE(rest.len > RETRY_TAG, "Retry without a token before its integrity tag");
        h->token.p = rest.p;
        h->token.len = rest.len - RETRY_TAG;
        h->retry_tag.p = rest.p + h->token.len;
        h->retry_tag.len = RETRY_TAG;
        return tsc_ok();
    }
    if (h->type == TSC_QUIC_PT_INITIAL) {
        uint64_t tlen;
        TSC_GUARD(tsc_quic_varint(c, &tlen));
        TSC_ENSURE_KIND(tlen <= tsc_cursor_left(c), TSC_TRUNCATED, "Initial token runs past the datagram");
        TSC_GUARD(tsc_cursor_bytes(c, (size_t)tlen, &h->token));
    }
    TSC_GUARD(tsc_quic_varint(c, &h->length));
    h->pn_offset = c->off;
    TSC_ENSURE(h->length >= PN_AND_SAMPLE, "Length too short for a packet number and a protection sample");
    TSC_ENSURE_KIND(h->length <= tsc_cursor_left(c), TSC_TRUNCATED, "packet runs past the datagram");
    c->off += (size_t)h->length;
    return tsc_ok();
}

tsc_result tsc_quic_hdr_parse(const uint8_t *p, size_t n, size_t short_dcid_len, struct tsc_quic_hdr *h)
{
    memset(h, 0, sizeof *h);
    struct tsc_cursor c = tsc_cursor_make(p, n);
    uint8_t first;
    TSC_GUARD(tsc_cursor_u8(&c, &first));
    h->first = first;
    h->long_hdr = (first & 0x80) != 0;
    h->fixed_bit = (first & 0x40) != 0;
    if (h->long_hdr) {
        TSC_GUARD(long_header(&c, h));
    } else {
        TSC_ENSURE(short_dcid_len <= TSC_QUIC_CID_MAX, "connection ID longer than 20 bytes");
        h->type = TSC_QUIC_PT_1RTT;
        TSC_GUARD(tsc_cursor_bytes(&c, short_dcid_len, &h->dcid));
        h->pn_offset = c.off;
        TSC_ENSURE(PN_AND_SAMPLE <= tsc_cursor_left(&c),
                   "short header packet too short for a packet number and a protection sample");
        (void)tsc_cursor_rest(&c);
    }
    h->packet.p = p;
    h->packet.len = c.off;
    return tsc_ok();
}

int tsc_quic_is_padding(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

tsc_result tsc_quic_datagram_next(struct tsc_cursor *dgram, size_t short_dcid_len, struct tsc_quic_hdr *h,
                                  int *got)
{
    *got = 0;
    size_t left = tsc_cursor_left(dgram);
    if (left == 0)
        return tsc_ok();
    const uint8_t *p = dgram->p + dgram->off;
    if (dgram->off > 0 && tsc_quic_is_padding(p, left)) {
        dgram->off = dgram->len;
        return tsc_ok();
    }
    TSC_GUARD(tsc_quic_hdr_parse(p, left, short_dcid_len, h));
    dgram->off += h->packet.len;
    *got = 1;
    return tsc_ok();
}

int tsc_quic_version_reserved(uint32_t v) { return (v & 0x0f0f0f0fu) == 0x0a0a0a0au; }

int tsc_quic_datagram_plausible(const uint8_t *p, size_t n)
{
    struct tsc_quic_hdr h;
    /* a long header; a Version Negotiation's other bits are arbitrary
     * (RFC 8999 6), version 1's and 2's have the fixed bit */
    if (n < 7 || !(p[0] & 0x80))
        return 0;
    tsc_result r = tsc_quic_hdr_parse(p, n, 0, &h);
    if (!tsc_is_ok(r)) {
        /* an Initial of a known version that the snaplen cut: its header
         * up to the packet number holds together (the version makes it
         * QUIC) */
        return r.kind == TSC_TRUNCATED && h.pn_offset > 0 && h.type == TSC_QUIC_PT_INITIAL && h.fixed_bit;
    }
    if (h.type == TSC_QUIC_PT_VERSION_NEGOTIATION)
        return h.dcid.len <= TSC_QUIC_CID_MAX && h.scid.len <= TSC_QUIC_CID_MAX;
    if (h.type == TSC_QUIC_PT_UNKNOWN_VERSION)
        /* a version reserved to make servers answer with Version
         * Negotiation (RFC 9000 15): a client tries it first, and its
         * pattern (16 fixed bits) does not come by chance */
        return tsc_quic_version_reserved(h.version) && h.dcid.len <= TSC_QUIC_CID_MAX &&
               h.scid.len <= TSC_QUIC_CID_MAX;
    return h.fixed_bit;
}

tsc_result tsc_quic_packet_open(struct tsc_quic_keys *q, const struct tsc_quic_hdr *h, uint64_t expected,
                                uint8_t *hdr, size_t *hdr_len, uint8_t *out, size_t *out_len, uint64_t *pn)
{
    TSC_ENSURE(h->type == TSC_QUIC_PT_INITIAL || h->type == TSC_QUIC_PT_0RTT || h->type == TSC_QUIC_PT_HANDSHAKE ||
                   h->type == TSC_QUIC_PT_1RTT,
               "packet type without packet protection");
    unsigned pn_len;
    uint64_t truncated;
    TSC_GUARD(tsc_quic_hp_remove(q, h->packet.p, h->packet.len, h->pn_offset, hdr, hdr_len, &pn_len, &truncated));
    *pn = tsc_quic_pn_decode(expected, truncated, 8 * pn_len);
    return tsc_quic_payload_open(q, *pn, hdr, *hdr_len, h->packet.p + *hdr_len, h->packet.len - *hdr_len, out,
                                 out_len);
}
