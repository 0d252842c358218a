/*
 * test_quic.c - QUIC's wire formats (tls/quic_packet.c, quic_frame.c,
 * ext_quic.c): variable-length integers, packet number reconstruction,
 * long and short headers of versions 1 and 2, Retry and Version
 * Negotiation, coalesced packets, frames, and quic_transport_parameters.
 *
 * Known answers from outside this code: RFC 9000's examples (16 and A.1
 * for integers, A.3 for packet numbers); the packets of RFC 9001 Appendix
 * A and RFC 9369 Appendix A (headers, and the frames of their decrypted
 * payloads: a CRYPTO frame with a ClientHello and PADDING, an ACK and a
 * CRYPTO frame with a ServerHello); the transport parameters of that
 * ClientHello; the quic_transport_parameters of a Chrome ClientHello as
 * tshark 4.0 reads them; and, with the public corpus beside the checkout,
 * the client Initials of a Chrome (version 1) and a version 2 capture
 * opened without keys, their CRYPTO frames joined into a ClientHello whose
 * server name and parameters are tshark 4.0's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/quic.h"
#include "hex_vectors.h"
#include "quic_vectors.h"
#include "tls/msg.h"
#include "tls/quic.h"
#include "tls_builders.h"

#define HEX(s, buf) unhex((s), (buf), sizeof(buf))

/* ------------------------------------------------------------ integers */

static void test_varint(void **state)
{
    (void)state;
    /* RFC 9000 A.1's examples */
    static const struct {
        const char *hex;
        uint64_t v;
        unsigned len;
    } ok[] = {
        {"c2197c5eff14e88c", UINT64_C(151288809941952652), 8},
        {"9d7f3e7d", 494878333, 4},
        {"7bbd", 15293, 2},
        {"25", 37, 1},
        {"4025", 37, 2}, /* not the shortest, still 37 */
        {"ffffffffffffffff", TSC_QUIC_VARINT_MAX, 8},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t b[8];
        size_t n = HEX(ok[i].hex, b);
        struct tsc_cursor c = tsc_cursor_make(b, n);
        uint64_t v;
        unsigned len;
        ASSERT_OK(tsc_quic_varint_len(&c, &v, &len));
        assert_int_equal(v, ok[i].v);
        assert_int_equal(len, ok[i].len);
        assert_int_equal(c.off, n);
        /* one byte short: truncated, the cursor unmoved */
        c = tsc_cursor_make(b, n - 1);
        ASSERT_TRUNCATED(tsc_quic_varint(&c, &v));
        assert_int_equal(c.off, 0);
    }
}

static void test_pn_decode(void **state)
{
    (void)state;
    /* RFC 9000 A.3: largest 0xa82f30ea, 16 bits 0x9b32 -> 0xa82f9b32 */
    assert_int_equal(tsc_quic_pn_decode(0xa82f30eb, 0x9b32, 16), 0xa82f9b32);
    /* the first packet of a space */
    assert_int_equal(tsc_quic_pn_decode(0, 0, 8), 0);
    assert_int_equal(tsc_quic_pn_decode(0, 5, 8), 5);
    /* wrapping forward and back across a window boundary */
    assert_int_equal(tsc_quic_pn_decode(0xff, 0x01, 8), 0x101);
    assert_int_equal(tsc_quic_pn_decode(0x101, 0xff, 8), 0xff);
    assert_int_equal(tsc_quic_pn_decode(0x10000, 0xfffe, 16), 0xfffe);
    /* near 2^62 nothing goes past the largest packet number */
    uint64_t top = (UINT64_C(1) << 62) - 1;
    assert_int_equal(tsc_quic_pn_decode(top, top & 0xff, 8), top);
    assert_int_equal(tsc_quic_pn_decode(top, 0, 8), top & ~UINT64_C(0xff));
    /* 32 bits: the biggest window */
    assert_int_equal(tsc_quic_pn_decode(0x100000000, 0xffffffff, 32), 0xffffffff);
}

/* ------------------------------------------------------------ headers */

static void test_long_headers_v1_v2(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint32_t version;
        int type;
        size_t dcid, scid, pn_offset;
        uint64_t length;
    } pk[] = {
        {QV1_CLIENT_INITIAL, TSC_QUIC_V1, TSC_QUIC_PT_INITIAL, 8, 0, 18, 0x049e},
        {QV1_SERVER_INITIAL, TSC_QUIC_V1, TSC_QUIC_PT_INITIAL, 0, 8, 18, 0x75},
        {QV2_CLIENT_INITIAL, TSC_QUIC_V2, TSC_QUIC_PT_INITIAL, 8, 0, 18, 0x049e},
        {QV2_SERVER_INITIAL, TSC_QUIC_V2, TSC_QUIC_PT_INITIAL, 0, 8, 18, 0x75},
    };
    for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++) {
        uint8_t b[1500];
        size_t n = HEX(pk[i].hex, b);
        struct tsc_quic_hdr h;
        ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
        assert_int_equal(h.type, pk[i].type);
        assert_int_equal(h.version, pk[i].version);
        assert_true(h.long_hdr && h.fixed_bit);
        assert_int_equal(h.dcid.len, pk[i].dcid);
        assert_int_equal(h.scid.len, pk[i].scid);
        assert_int_equal(h.token.len, 0);
        assert_int_equal(h.pn_offset, pk[i].pn_offset);
        assert_int_equal(h.length, pk[i].length);
        assert_int_equal(h.packet.len, n);
        assert_ptr_equal(h.packet.p, b);
        assert_string_equal(tsc_quic_ptype_name(h.type), "Initial");
        /* every cut inside the header or the payload: truncated */
        for (size_t cut = 0; cut < n; cut += (cut < 40 ? 1 : 97)) {
            struct tsc_quic_hdr t;
            tsc_result r = tsc_quic_hdr_parse(b, cut, 0, &t);
            assert_int_equal(r.kind, TSC_TRUNCATED);
        }
    }
    /* the type bits of each version (RFC 9369 3.2) */
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V1, 0), TSC_QUIC_PT_INITIAL);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V1, 1), TSC_QUIC_PT_0RTT);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V1, 2), TSC_QUIC_PT_HANDSHAKE);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V1, 3), TSC_QUIC_PT_RETRY);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V2, 0), TSC_QUIC_PT_RETRY);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V2, 1), TSC_QUIC_PT_INITIAL);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V2, 2), TSC_QUIC_PT_0RTT);
    assert_int_equal(tsc_quic_long_type(TSC_QUIC_V2, 3), TSC_QUIC_PT_HANDSHAKE);
    /* drafts 23 to 34 (and mvfst's) are read as version 1; gQUIC's Q050 is not known */
    assert_int_equal(tsc_quic_long_type(0xff00001d, 0), TSC_QUIC_PT_INITIAL);
    assert_int_equal(tsc_quic_long_type(0xff000022, 2), TSC_QUIC_PT_HANDSHAKE);
    assert_int_equal(tsc_quic_long_type(0xff000016, 0), TSC_QUIC_PT_UNKNOWN_VERSION);
    assert_int_equal(tsc_quic_long_type(0x51303530, 0), TSC_QUIC_PT_UNKNOWN_VERSION);
}

static void test_retry_and_vn(void **state)
{
    (void)state;
    uint8_t b[128];
    struct tsc_quic_hdr h;
    size_t n = HEX(QV1_RETRY, b);
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_RETRY);
    assert_int_equal(h.scid.len, 8);
    assert_int_equal(h.token.len, 5);
    assert_memory_equal(h.token.p, "token", 5);
    assert_int_equal(h.retry_tag.len, 16);
    assert_ptr_equal(h.retry_tag.p, b + n - 16);
    assert_int_equal(h.packet.len, n);
    n = HEX(QV2_RETRY, b);
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_RETRY);
    assert_int_equal(h.version, TSC_QUIC_V2);
    assert_memory_equal(h.token.p, "token", 5);
    /* a Retry with no token (its header, then the tag): malformed */
    uint8_t nt[64];
    memcpy(nt, b, 15);
    memcpy(nt + 15, b + n - 16, 16);
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(nt, 31, 0, &h));

    /* Version Negotiation: version 0, the versions after the IDs; its other
     * bits arbitrary (RFC 8999 6) */
    n = HEX("8a 00000000 04 01020304 02 0a0b 00000001 6b3343cf 1a2a3a4a", b);
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_VERSION_NEGOTIATION);
    assert_int_equal(h.dcid.len, 4);
    assert_int_equal(h.scid.len, 2);
    assert_int_equal(h.versions.len, 12);
    assert_false(h.fixed_bit);
    assert_true(tsc_quic_datagram_plausible(b, n));
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, n - 1, 0, &h)); /* not whole versions */
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, 13, 0, &h));    /* no versions */

    /* an unknown version: the invariants only (here a 25-byte DCID, an
     * empty SCID, 30 bytes the version defines) */
    memset(b, 0, sizeof b);
    HEX("c0 51303530 19", b);
    n = 6 + 25 + 1 + 30;
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_UNKNOWN_VERSION);
    assert_int_equal(h.dcid.len, 25);
    assert_int_equal(h.scid.len, 0);
    assert_int_equal(h.packet.len, n);
    assert_false(tsc_quic_datagram_plausible(b, n));
    /* version 1 has no 25-byte IDs */
    b[1] = 0, b[2] = 0, b[3] = 0, b[4] = 1;
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, n, 0, &h));
}

static void test_short_header_and_coalesced(void **state)
{
    (void)state;
    uint8_t b[1600];
    struct tsc_quic_hdr h;
    /* the ChaCha20 packet of RFC 9001 A.5: empty DCID, 21 bytes in all */
    size_t n = HEX(QV1_CHACHA_PACKET, b);
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_1RTT);
    assert_false(h.long_hdr);
    assert_int_equal(h.pn_offset, 1);
    assert_int_equal(h.packet.len, n);
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, n - 1, 0, &h)); /* no room for the sample */
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, n, 21, &h));    /* no 21-byte IDs */
    ASSERT_TRUNCATED(tsc_quic_hdr_parse(b, 5, 8, &h));        /* cut inside the DCID */
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));

    /* a datagram: the server's Initial, a short packet, trailing zeros are
     * not reached (the short packet runs to the end) */
    size_t a = HEX(QV1_SERVER_INITIAL, b);
    size_t c = unhex(QV1_CHACHA_PACKET, b + a, sizeof b - a);
    struct tsc_cursor d = tsc_cursor_make(b, a + c);
    int got;
    ASSERT_OK(tsc_quic_datagram_next(&d, 0, &h, &got));
    assert_true(got);
    assert_int_equal(h.type, TSC_QUIC_PT_INITIAL);
    assert_int_equal(h.packet.len, a);
    ASSERT_OK(tsc_quic_datagram_next(&d, 0, &h, &got));
    assert_true(got);
    assert_int_equal(h.type, TSC_QUIC_PT_1RTT);
    assert_ptr_equal(h.packet.p, b + a);
    ASSERT_OK(tsc_quic_datagram_next(&d, 0, &h, &got));
    assert_false(got);

    /* two long packets and zeros after them (datagram padding) */
    a = HEX(QV2_SERVER_INITIAL, b);
    c = unhex(QV2_SERVER_INITIAL, b + a, sizeof b - a);
    memset(b + a + c, 0, 40);
    d = tsc_cursor_make(b, a + c + 40);
    int count = 0;
    for (;;) {
        ASSERT_OK(tsc_quic_datagram_next(&d, 0, &h, &got));
        if (!got)
            break;
        assert_int_equal(h.version, TSC_QUIC_V2);
        count++;
    }
    assert_int_equal(count, 2);
    assert_int_equal(d.off, d.len);
    /* a second packet cut short: the first is read, then truncated, the
     * cursor left at the second */
    d = tsc_cursor_make(b, a + c - 1);
    ASSERT_OK(tsc_quic_datagram_next(&d, 0, &h, &got));
    ASSERT_TRUNCATED(tsc_quic_datagram_next(&d, 0, &h, &got));
    assert_int_equal(d.off, a);
    /* a zero first byte is not padding at the start of a datagram */
    memset(b, 0, 40);
    d = tsc_cursor_make(b, 40);
    ASSERT_OK(tsc_quic_datagram_next(&d, 8, &h, &got));
    assert_true(got);
    assert_int_equal(h.type, TSC_QUIC_PT_1RTT);
}

static void test_header_malformed(void **state)
{
    (void)state;
    uint8_t b[256];
    struct tsc_quic_hdr h;
    /* Initial with a 3-byte token, Length 20 */
    size_t n = HEX("c3 00000001 08 0102030405060708 00 03 aabbcc 14", b);
    memset(b + n, 0x55, 20);
    ASSERT_OK(tsc_quic_hdr_parse(b, n + 20, 0, &h));
    assert_int_equal(h.token.len, 3);
    assert_int_equal(h.pn_offset, n);
    assert_int_equal(h.packet.len, n + 20);
    assert_true(tsc_quic_datagram_plausible(b, n + 20));
    /* Length below a packet number and a sample */
    b[n - 1] = 19;
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, n + 20, 0, &h));
    b[n - 1] = 20;
    /* a token longer than the datagram */
    b[n - 5] = 0x3f;
    ASSERT_TRUNCATED(tsc_quic_hdr_parse(b, n + 20, 0, &h));
    b[n - 5] = 3;
    /* Length past the datagram */
    ASSERT_TRUNCATED(tsc_quic_hdr_parse(b, n + 19, 0, &h));
    /* a 21-byte DCID in version 1 */
    n = HEX("e3 00000001 15", b);
    memset(b + n, 1, 21);
    b[n + 21] = 0;
    b[n + 22] = 20;
    memset(b + n + 23, 0, 20);
    ASSERT_DECODE_ERROR(tsc_quic_hdr_parse(b, n + 43, 0, &h));
    /* Handshake (v1 type 2) with its Length */
    n = HEX("e0 00000001 00 00 14", b);
    memset(b + n, 0, 20);
    ASSERT_OK(tsc_quic_hdr_parse(b, n + 20, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_HANDSHAKE);
    assert_int_equal(h.token.len, 0);
    /* 0-RTT */
    b[0] = 0xd0;
    ASSERT_OK(tsc_quic_hdr_parse(b, n + 20, 0, &h));
    assert_int_equal(h.type, TSC_QUIC_PT_0RTT);
    /* nothing at all */
    ASSERT_TRUNCATED(tsc_quic_hdr_parse(b, 0, 0, &h));
    assert_false(tsc_quic_datagram_plausible(b, 0));
    /* plausibility wants a long header with the fixed bit */
    b[0] = 0xa0;
    assert_false(tsc_quic_datagram_plausible(b, n + 20));
    b[0] = 0x40;
    assert_false(tsc_quic_datagram_plausible(b, n + 20));
}

/* Header, protection and payload in one call, as frame_quic.c will use
 * them: RFC 9001 A.3's server Initial, A.5's short header. */
static void test_packet_open(void **state)
{
    (void)state;
    uint8_t b[256], dcid[8], hdr[64], out[256], secret[32];
    struct tsc_quic_hdr h;
    struct tsc_traffic_keys k[2], ck;
    struct tsc_quic_keys *q;
    size_t hl, ol, n = HEX(QV1_SERVER_INITIAL, b);
    uint64_t pn;
    HEX(QV_DCID, dcid);
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    ASSERT_OK(tsc_quic_initial_keys(TSC_QUIC_V1, dcid, 8, k));
    ASSERT_OK(tsc_quic_keys_new(&k[1], &q));
    ASSERT_OK(tsc_quic_packet_open(q, &h, 0, hdr, &hl, out, &ol, &pn));
    assert_int_equal(pn, 1);
    assert_int_equal(hl, 20);
    assert_int_equal(ol, 99);
    assert_int_equal(out[0], TSC_QF_ACK);
    /* a Retry has no packet protection */
    uint8_t r[64];
    struct tsc_quic_hdr rh;
    ASSERT_OK(tsc_quic_hdr_parse(r, HEX(QV1_RETRY, r), 0, &rh));
    ASSERT_DECODE_ERROR(tsc_quic_packet_open(q, &rh, 0, hdr, &hl, out, &ol, &pn));
    tsc_quic_keys_free(q);

    n = HEX(QV1_CHACHA_PACKET, b);
    HEX(QV_CHACHA_SECRET, secret);
    ASSERT_OK(tsc_quic_hdr_parse(b, n, 0, &h));
    ASSERT_OK(tsc_traffic_keys_derive(0x1303, &tsc_key_labels_quic, secret, 32, &ck));
    ASSERT_OK(tsc_quic_keys_new(&ck, &q));
    /* the largest opened so far decides the upper bits */
    ASSERT_OK(tsc_quic_packet_open(q, &h, QV_CHACHA_PN - 1000, hdr, &hl, out, &ol, &pn));
    assert_int_equal(pn, QV_CHACHA_PN);
    assert_int_equal(ol, 1);
    /* far from it, another number: the tag does not verify */
    ASSERT_DECODE_ERROR(tsc_quic_packet_open(q, &h, 0, hdr, &hl, out, &ol, &pn));
    assert_int_equal(pn, QV_CHACHA_PN & 0xffffff);
    tsc_quic_keys_free(q);
}

/* ------------------------------------------------------------ frames */

/* Walk a payload; return the count of frames, with their types in types[]. */
static size_t walk(const uint8_t *p, size_t n, uint64_t *types, size_t cap, tsc_result *last)
{
    struct tsc_cursor c = tsc_cursor_make(p, n);
    struct tsc_quic_frame f;
    size_t k = 0;
    *last = tsc_ok();
    while (tsc_cursor_left(&c)) {
        size_t before = c.off;
        *last = tsc_quic_frame_next(&c, &f);
        if (!tsc_is_ok(*last)) {
            assert_int_equal(c.off, before);
            break;
        }
        assert_int_equal(f.offset, before);
        assert_int_equal(f.size, c.off - before);
        if (k < cap)
            types[k] = f.type;
        k++;
    }
    return k;
}

static void test_frames_rfc_payloads(void **state)
{
    (void)state;
    uint8_t p[1200];
    size_t n = HEX(QV_CLIENT_PAYLOAD, p);
    memset(p + n, 0, QV_CLIENT_PADDING);
    n += QV_CLIENT_PADDING;
    struct tsc_cursor c = tsc_cursor_make(p, n);
    struct tsc_quic_frame f;
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.type, TSC_QF_CRYPTO);
    assert_int_equal(f.u.crypto.offset, 0);
    assert_int_equal(f.u.crypto.data.len, 241);
    assert_int_equal(f.u.crypto.data.p[0], 1); /* ClientHello */
    assert_true(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_INITIAL));
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.type, TSC_QF_PADDING);
    assert_int_equal(f.u.padding, QV_CLIENT_PADDING);
    assert_int_equal(tsc_cursor_left(&c), 0);

    n = HEX(QV_SERVER_PAYLOAD, p);
    c = tsc_cursor_make(p, n);
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.type, TSC_QF_ACK);
    assert_int_equal(f.u.ack.largest, 0);
    assert_int_equal(f.u.ack.range_count, 0);
    uint64_t lo, hi;
    ASSERT_OK(tsc_quic_ack_range(&f, 0, &lo, &hi));
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 0);
    ASSERT_DECODE_ERROR(tsc_quic_ack_range(&f, 1, &lo, &hi));
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.type, TSC_QF_CRYPTO);
    assert_int_equal(f.u.crypto.data.len, 90);
    assert_int_equal(f.u.crypto.data.p[0], 2); /* ServerHello */
    assert_int_equal(tsc_cursor_left(&c), 0);
}

static void test_frames_each_type(void **state)
{
    (void)state;
    uint8_t p[512];
    /* one of every frame, in order; the STREAM frame without LEN would
     * run to the end, so the one here has LEN, and DATAGRAM 0x30 comes last */
    size_t n = HEX("00 00 00"                               /* PADDING x3 */
                   "01"                                     /* PING */
                   "03 4064 05 02 03 01 02 00 00 07 08 09"  /* ACK_ECN: largest 100, 2 ranges, ECN */
                   "04 04 4100 05"                          /* RESET_STREAM */
                   "05 08 0a"                               /* STOP_SENDING */
                   "06 4100 03 aabbcc"                      /* CRYPTO */
                   "07 02 abcd",                            /* NEW_TOKEN */
                   p);
    n += unhex("0f 04 4400 03 616263"  /* STREAM OFF|LEN|FIN, id 4, offset 0x400 */
             "10 44 00"              /* MAX_DATA */
             "11 04 8000 0000"       /* MAX_STREAM_DATA */
             "12 10"                 /* MAX_STREAMS_BIDI */
             "13 10"                 /* MAX_STREAMS_UNI */
             "14 10"                 /* DATA_BLOCKED */
             "15 04 10"              /* STREAM_DATA_BLOCKED */
             "16 10"                 /* STREAMS_BLOCKED_BIDI */
             "17 10"                 /* STREAMS_BLOCKED_UNI */
             "18 05 02 08 0102030405060708 00112233445566778899aabbccddeeff" /* NEW_CONNECTION_ID */
             "19 03"                 /* RETIRE_CONNECTION_ID */
             "1a 0102030405060708"   /* PATH_CHALLENGE */
             "1b 0102030405060708"   /* PATH_RESPONSE */
             "1c 0a 06 03 626164"    /* CONNECTION_CLOSE: PROTOCOL_VIOLATION in CRYPTO, "bad" */
             "1d 4101 00"            /* CONNECTION_CLOSE_APP: 0x101, no reason */
             "1e"                    /* HANDSHAKE_DONE */
             "31 02 6869"            /* DATAGRAM with length */
             "30 6869",              /* DATAGRAM to the end */
             p + n, sizeof p - n);
    uint64_t types[64];
    tsc_result last;
    size_t k = walk(p, n, types, 64, &last);
    ASSERT_OK(last);
    static const uint64_t want[] = {0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0f, 0x10, 0x11, 0x12, 0x13,
                                    0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x31, 0x30};
    assert_int_equal(k, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < k; i++) {
        assert_int_equal(types[i], want[i]);
        assert_non_null(tsc_quic_frame_name(types[i]));
    }

    /* the fields of a few */
    struct tsc_cursor c = tsc_cursor_make(p, n);
    struct tsc_quic_frame f;
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.u.padding, 3);
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* PING */
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* ACK_ECN */
    assert_int_equal(f.u.ack.largest, 100);
    assert_int_equal(f.u.ack.delay, 5);
    assert_int_equal(f.u.ack.range_count, 2);
    assert_int_equal(f.u.ack.first_range, 3);
    assert_int_equal(f.u.ack.ect0, 7);
    assert_int_equal(f.u.ack.ect1, 8);
    assert_int_equal(f.u.ack.ce, 9);
    uint64_t lo, hi;
    ASSERT_OK(tsc_quic_ack_range(&f, 0, &lo, &hi));
    assert_true(lo == 97 && hi == 100);
    ASSERT_OK(tsc_quic_ack_range(&f, 1, &lo, &hi)); /* gap 1: 97 - 1 - 2 = 94, length 2 */
    assert_true(lo == 92 && hi == 94);
    ASSERT_OK(tsc_quic_ack_range(&f, 2, &lo, &hi)); /* gap 0: 90, length 0 */
    assert_true(lo == 90 && hi == 90);
    assert_false(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_0RTT));
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* RESET_STREAM */
    assert_true(f.u.reset_stream.stream_id == 4 && f.u.reset_stream.error_code == 0x100 &&
                f.u.reset_stream.final_size == 5);
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* STOP_SENDING */
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* CRYPTO */
    assert_int_equal(f.u.crypto.offset, 0x100);
    assert_int_equal(f.u.crypto.data.len, 3);
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* NEW_TOKEN */
    assert_int_equal(f.u.token.len, 2);
    assert_false(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_INITIAL));
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* STREAM */
    assert_true(f.u.stream.stream_id == 4 && f.u.stream.offset == 0x400 && f.u.stream.fin);
    assert_memory_equal(f.u.stream.data.p, "abc", 3);
    assert_string_equal(tsc_quic_frame_name(f.type), "STREAM");
    for (int i = 0; i < 9; i++)
        ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.type, TSC_QF_NEW_CONNECTION_ID);
    assert_true(f.u.new_cid.seq == 5 && f.u.new_cid.retire_prior_to == 2 && f.u.new_cid.cid.len == 8);
    assert_int_equal(f.u.new_cid.reset_token[15], 0xff);
    for (int i = 0; i < 4; i++)
        ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.type, TSC_QF_CONNECTION_CLOSE);
    assert_int_equal(f.u.close.error_code, 0x0a);
    assert_string_equal(tsc_quic_error_name(f.u.close.error_code), "PROTOCOL_VIOLATION");
    assert_int_equal(f.u.close.frame_type, TSC_QF_CRYPTO);
    assert_memory_equal(f.u.close.reason.p, "bad", 3);
    assert_true(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_HANDSHAKE));
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.u.close.error_code, 0x101);
    assert_false(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_HANDSHAKE));
    ASSERT_OK(tsc_quic_frame_next(&c, &f)); /* HANDSHAKE_DONE */
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.u.datagram.len, 2);
    assert_true(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_1RTT));
    ASSERT_OK(tsc_quic_frame_next(&c, &f));
    assert_int_equal(f.u.datagram.len, 2);
    assert_int_equal(tsc_cursor_left(&c), 0);

    assert_string_equal(tsc_quic_error_name(0x0128), "CRYPTO_ERROR");
    assert_null(tsc_quic_error_name(0x4000));
    assert_null(tsc_quic_frame_name(0x1f));
    assert_false(tsc_quic_frame_allowed(TSC_QF_PING, TSC_QUIC_PT_RETRY));
}

/* Values at their limits are accepted. */
static void test_frames_limits(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "06 ffffffffffffffff 00",            /* CRYPTO ending exactly at 2^62 - 1 */
        "0e 00 fffffffffffffffe 01 61",      /* STREAM ending exactly at 2^62 - 1 */
        "12 d000000000000000",               /* MAX_STREAMS of 2^60 */
        "02 05 00 01 02 00 01",              /* ACK: 3..5, then 0..1 */
        "18 01 01 14 0102030405060708090a0b0c0d0e0f1011121314 00112233445566778899aabbccddeeff",
        "1c 00 00 00",                       /* CONNECTION_CLOSE, no reason */
        "30",                                /* empty DATAGRAM */
        "00",                                /* one PADDING byte */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t p[128];
        size_t n = HEX(ok[i], p);
        struct tsc_cursor c = tsc_cursor_make(p, n);
        struct tsc_quic_frame f;
        ASSERT_OK(tsc_quic_frame_next(&c, &f));
        assert_int_equal(c.off, n);
    }
}

/* Each malformed payload fails with decode_error at its first frame. */
static void test_frames_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "1f",                     /* unknown type (IMMEDIATE_ACK is not known here) */
        "4001",                   /* PING in two bytes: not the shortest encoding */
        "02 05 00 00 06",         /* ACK first range below 0 */
        "02 05 00 01 02 03 00",   /* ACK gap below 0 */
        "02 05 00 01 00 00 05",   /* ACK range length below 0 */
        "02 05 00 05 00",         /* ACK range count past the payload */
        "03 05 00 00 00 01 02",   /* ACK_ECN without its third count */
        "06 00 05 aabb",          /* CRYPTO data past the payload */
        "06 ffffffffffffffff 02 aabb", /* CRYPTO past 2^62 - 1 */
        "07 00",                  /* empty NEW_TOKEN */
        "0e 00 00 05 61",         /* STREAM with LEN past the payload */
        "0c 00 ffffffffffffffff 61", /* STREAM past 2^62 - 1 */
        "12 d000000000000001",    /* MAX_STREAMS above 2^60 */
        "18 01 02 08 0102030405060708 00112233445566778899aabbccddeeff", /* retire prior to above seq */
        "18 01 00 00 00112233445566778899aabbccddeeff", /* zero-length connection ID */
        "18 01 00 15 0102030405060708090a0b0c0d0e0f101112131415 00112233445566778899aabbccddeeff",
        "18 01 00 08 0102030405060708 0011", /* reset token cut */
        "1a 01020304",            /* PATH_CHALLENGE short */
        "1c 0a 06 09 626164",     /* reason past the payload */
        "1d 0a",                  /* no reason length */
        "31 05 61",               /* DATAGRAM length past the payload */
        "04 04",                  /* RESET_STREAM cut */
        "40",                     /* type cut */
    };
    /* all of them decode_error: a payload came out of the AEAD whole */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t p[128];
        size_t n = HEX(bad[i], p);
        struct tsc_cursor c = tsc_cursor_make(p, n);
        struct tsc_quic_frame f;
        ASSERT_DECODE_ERROR(tsc_quic_frame_next(&c, &f));
        assert_int_equal(c.off, 0);
    }
}

/* ------------------------------------------------------------ transport parameters */

static void test_tp_rfc_client_hello(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = HEX(QV_CLIENT_TP, b);
    struct tsc_ext e;
    tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){b, n}, TSC_EXT_CLIENT_HELLO, &e);
    ASSERT_OK(e.status);
    assert_int_equal(e.form, TSC_EXTF_QUIC_TP);
    assert_int_equal(e.u.quic_tp.n, 8);
    static const struct {
        uint64_t id, num;
        int kind;
        const char *name;
    } want[] = {
        {0x04, UINT64_C(0x3fffffffffffffff), TSC_QTP_INT, "initial_max_data"},
        {0x05, 0xffff, TSC_QTP_INT, "initial_max_stream_data_bidi_local"},
        {0x07, 0xffff, TSC_QTP_INT, "initial_max_stream_data_uni"},
        {0x08, 0x10, TSC_QTP_INT, "initial_max_streams_bidi"},
        {0x01, 30000, TSC_QTP_INT, "max_idle_timeout"},
        {0x09, 0x10, TSC_QTP_INT, "initial_max_streams_uni"},
        {0x0f, 0, TSC_QTP_CID, "initial_source_connection_id"},
        {0x06, 0xffff, TSC_QTP_INT, "initial_max_stream_data_bidi_remote"},
    };
    struct tsc_cursor c = tsc_cursor_of(e.data);
    for (size_t i = 0; i < 8; i++) {
        struct tsc_quic_tp tp;
        ASSERT_OK(tsc_quic_tp_next(&c, &tp));
        assert_int_equal(tp.id, want[i].id);
        assert_int_equal(tp.kind, want[i].kind);
        if (tp.kind == TSC_QTP_INT)
            assert_int_equal(tp.num, want[i].num);
        assert_string_equal(tsc_quic_tp_name(tp.id), want[i].name);
    }
    assert_int_equal(tsc_cursor_left(&c), 0);
    /* a ServerHello does not carry it: left as bytes */
    tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){b, n}, TSC_EXT_SERVER_HELLO, &e);
    ASSERT_OK(e.status);
    assert_int_equal(e.form, TSC_EXTF_RAW);
}

/* Chrome 92's ClientHello in the corpus (arkime/tests/pcap/quicietf.pcap):
 * the body of its quic_transport_parameters, taken from tshark -x's
 * "Decrypted QUIC" bytes; the expected values are tshark 4.0's -V reading. */
#define CHROME92_TP                                                                \
    "010480007530030245c0040480f00000050480600000060480600000070480600000080240640902406720048001" \
    "000071270480015c900f0071292b4368726f6d652f39322e302e343531352e31353920496e74656c204d6163204f" \
    "5320582031305f31355f37800047520400000001f125e1214afdbefb0b9eb267471577a8affd4e0f"

static void test_tp_chrome(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = HEX(CHROME92_TP, b);
    assert_int_equal(n, 132);
    struct tsc_ext e;
    tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){b, n}, TSC_EXT_CLIENT_HELLO, &e);
    ASSERT_OK(e.status);
    assert_int_equal(e.form, TSC_EXTF_QUIC_TP);
    assert_int_equal(e.u.quic_tp.n, 14);
    static const struct {
        uint64_t id, num;
        int kind;
        size_t len;
        const char *name;
    } want[] = {
        {0x01, 30000, TSC_QTP_INT, 4, "max_idle_timeout"},
        {0x03, 1472, TSC_QTP_INT, 2, "max_udp_payload_size"},
        {0x04, 15728640, TSC_QTP_INT, 4, "initial_max_data"},
        {0x05, 6291456, TSC_QTP_INT, 4, "initial_max_stream_data_bidi_local"},
        {0x06, 6291456, TSC_QTP_INT, 4, "initial_max_stream_data_bidi_remote"},
        {0x07, 6291456, TSC_QTP_INT, 4, "initial_max_stream_data_uni"},
        {0x08, 100, TSC_QTP_INT, 2, "initial_max_streams_bidi"},
        {0x09, 103, TSC_QTP_INT, 2, "initial_max_streams_uni"},
        {0x20, 65536, TSC_QTP_INT, 4, "max_datagram_frame_size"},
        {0x3127, 89232, TSC_QTP_INT, 4, "initial_rtt"},
        {0x0f, 0, TSC_QTP_CID, 0, "initial_source_connection_id"},
        {0x3129, 0, TSC_QTP_BYTES, 43, "user_agent"},
        {0x4752, 0, TSC_QTP_BYTES, 4, "google_quic_version"},
    };
    struct tsc_cursor c = tsc_cursor_of(e.data);
    struct tsc_quic_tp tp;
    for (size_t i = 0; i < 13; i++) {
        ASSERT_OK(tsc_quic_tp_next(&c, &tp));
        assert_int_equal(tp.id, want[i].id);
        assert_int_equal(tp.kind, want[i].kind);
        assert_int_equal(tp.value.len, want[i].len);
        if (tp.kind == TSC_QTP_INT)
            assert_int_equal(tp.num, want[i].num);
        assert_string_equal(tsc_quic_tp_name(tp.id), want[i].name);
    }
    assert_memory_equal(tp.value.p, "\0\0\0\1", 4);
    ASSERT_OK(tsc_quic_tp_next(&c, &tp)); /* the 14th: GREASE, an 8-byte id */
    assert_true(tsc_quic_tp_is_grease(tp.id));
    assert_true(tp.id == UINT64_C(0x3125e1214afdbefb));
    assert_int_equal(tp.value.len, 11);
    assert_int_equal(tsc_cursor_left(&c), 0);
}

static void test_tp_every_kind(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = HEX("00 08 0102030405060708"                 /* original_destination_connection_id */
                   "02 10 00112233445566778899aabbccddeeff" /* stateless_reset_token */
                   "03 02 44b0"                             /* max_udp_payload_size 1200 */
                   "0a 01 14"                               /* ack_delay_exponent 20 */
                   "0b 02 7fff"                             /* max_ack_delay 2^14 - 1 */
                   "0c 00"                                  /* disable_active_migration */
                   "0d 2d 7f000001 01bb 00000000000000000000000000000001 01bb 04 0a0b0c0d "
                   "00112233445566778899aabbccddeeff"       /* preferred_address */
                   "0e 01 02"                               /* active_connection_id_limit 2 */
                   "10 00"                                  /* retry_source_connection_id, empty */
                   "11 0c 00000001 00000001 6b3343cf"       /* version_information */
                   "20 02 4100"                             /* max_datagram_frame_size */
                   "6ab2 00"                                /* grease_quic_bit */
                   "7127 02 4064"                           /* initial_rtt 100 */
                   "7128 04 42424242"                       /* google_connection_options */
                   "40 3a 03 aabbcc",                       /* GREASE id 58 = 31 + 27 */
                   b);
    struct tsc_ext e;
    tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){b, n}, TSC_EXT_ENCRYPTED_EXTENSIONS, &e);
    ASSERT_OK(e.status);
    assert_int_equal(e.form, TSC_EXTF_QUIC_TP);
    assert_int_equal(e.u.quic_tp.n, 15);
    struct tsc_cursor c = tsc_cursor_of(e.data);
    struct tsc_quic_tp tp;
    static const int kinds[] = {TSC_QTP_CID,   TSC_QTP_TOKEN, TSC_QTP_INT,  TSC_QTP_INT,
                                TSC_QTP_INT,   TSC_QTP_EMPTY, TSC_QTP_PREFERRED_ADDRESS,
                                TSC_QTP_INT,   TSC_QTP_CID,   TSC_QTP_VERSION_INFO,
                                TSC_QTP_INT,   TSC_QTP_EMPTY, TSC_QTP_INT,  TSC_QTP_BYTES,
                                TSC_QTP_BYTES};
    for (size_t i = 0; i < 15; i++) {
        ASSERT_OK(tsc_quic_tp_next(&c, &tp));
        assert_int_equal(tp.kind, kinds[i]);
        if (tp.kind == TSC_QTP_PREFERRED_ADDRESS) {
            assert_int_equal(tp.pref.v4[0], 0x7f);
            assert_int_equal(tp.pref.v4_port, 443);
            assert_int_equal(tp.pref.v6[15], 1);
            assert_int_equal(tp.pref.cid.len, 4);
            assert_int_equal(tp.pref.reset_token[0], 0x00);
        }
        if (tp.kind == TSC_QTP_VERSION_INFO) {
            assert_int_equal(tp.vi.chosen, 1);
            assert_int_equal(tp.vi.available.len, 8);
        }
        if (i == 14) {
            assert_int_equal(tp.id, 58);
            assert_true(tsc_quic_tp_is_grease(tp.id));
            assert_null(tsc_quic_tp_name(tp.id));
        }
    }
    assert_string_equal(tsc_quic_tp_name(0x2ab2), "grease_quic_bit");
    assert_string_equal(tsc_quic_tp_name(0x11), "version_information");
    assert_string_equal(tsc_quic_tp_name(0x20), "max_datagram_frame_size");
    assert_false(tsc_quic_tp_is_grease(0x20));
}

static void test_tp_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int alert;
    } bad[] = {
        {"03 02 44af", TSC_ALERT_DECODE_ERROR},        /* max_udp_payload_size 1199 */
        {"0a 01 15", TSC_ALERT_DECODE_ERROR},          /* ack_delay_exponent 21 */
        {"0b 02 8000", TSC_ALERT_DECODE_ERROR},        /* max_ack_delay: 4 bytes promised, 2 there */
        {"0b 04 80004000", TSC_ALERT_DECODE_ERROR},    /* max_ack_delay 2^14 */
        {"0e 01 01", TSC_ALERT_DECODE_ERROR},          /* active_connection_id_limit 1 */
        {"08 08 d000000000000001", TSC_ALERT_DECODE_ERROR}, /* streams above 2^60 */
        {"02 0f 00112233445566778899aabbccddee", TSC_ALERT_DECODE_ERROR}, /* token of 15 */
        {"00 15 0102030405060708090a0b0c0d0e0f101112131415", TSC_ALERT_DECODE_ERROR},
        {"0c 01 00", TSC_ALERT_DECODE_ERROR},          /* flag with a value */
        {"01 02 05 05", TSC_ALERT_DECODE_ERROR},       /* integer does not fill the value */
        {"01 05 05", TSC_ALERT_DECODE_ERROR},          /* length past the extension */
        {"11 03 000001", TSC_ALERT_DECODE_ERROR},      /* version_information cut */
        {"11 06 00000001 0000", TSC_ALERT_DECODE_ERROR},
        {"0d 05 7f00000101", TSC_ALERT_DECODE_ERROR},  /* preferred_address cut */
        {"01 01 05 01 01 06", TSC_ALERT_ILLEGAL_PARAMETER}, /* max_idle_timeout twice */
        {"40", TSC_ALERT_DECODE_ERROR},                /* id cut */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[64];
        size_t n = HEX(bad[i].hex, b);
        struct tsc_ext e;
        tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){b, n}, TSC_EXT_CLIENT_HELLO, &e);
        assert_int_equal(e.form, TSC_EXTF_RAW);
        ASSERT_RESULT(e.status, TSC_MALFORMED, bad[i].alert);
    }
    /* an empty body is valid: no parameters */
    struct tsc_ext e;
    tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){NULL, 0}, TSC_EXT_CLIENT_HELLO, &e);
    ASSERT_OK(e.status);
    assert_int_equal(e.u.quic_tp.n, 0);
}

/* ------------------------------------------------------------ real captures */

/* The UDP payloads of a classic pcap over Ethernet (IPv4 or IPv6, VLANs
 * skipped), in order: calls fn for each. */
static void pcap_udp(const uint8_t *f, size_t n, void (*fn)(const uint8_t *, size_t, void *), void *arg)
{
    assert_true(n >= 24 && f[0] == 0xd4 && f[1] == 0xc3 && f[20] == 1); /* LE, Ethernet */
    size_t at = 24;
    while (n - at >= 16) {
        uint32_t cap = (uint32_t)f[at + 8] | (uint32_t)f[at + 9] << 8 | (uint32_t)f[at + 10] << 16 |
                       (uint32_t)f[at + 11] << 24;
        at += 16;
        assert_true(cap <= n - at);
        const uint8_t *p = f + at;
        size_t l = cap, o = 12;
        at += cap;
        while (o + 2 <= l && p[o] == 0x81 && p[o + 1] == 0x00)
            o += 4;
        if (o + 2 > l)
            continue;
        int v6 = p[o] == 0x86 && p[o + 1] == 0xdd;
        if (!v6 && !(p[o] == 0x08 && p[o + 1] == 0x00))
            continue;
        o += 2;
        size_t udp;
        if (v6) {
            if (o + 40 > l || p[o + 6] != 17)
                continue;
            udp = o + 40;
        } else {
            if (o + 20 > l || p[o + 9] != 17)
                continue;
            udp = o + (size_t)(p[o] & 15) * 4;
        }
        if (udp + 8 > l)
            continue;
        size_t ulen = (size_t)(p[udp + 4] << 8 | p[udp + 5]);
        if (ulen < 8 || udp + ulen > l)
            continue;
        fn(p + udp + 8, ulen - 8, arg);
    }
}

/* The client's Initials of one connection: opened with the keys of the
 * first Initial's DCID, CRYPTO frames put in place by offset. */
struct initials {
    uint8_t dcid[20];
    size_t dcid_len;
    int have_dcid, opened, failed;
    uint32_t version;
    uint8_t crypto[16384];
    size_t crypto_len; /* highest end written */
};

static void client_initials(const uint8_t *p, size_t n, void *arg)
{
    struct initials *st = arg;
    struct tsc_cursor d = tsc_cursor_make(p, n);
    struct tsc_quic_hdr h;
    int got;
    while (tsc_is_ok(tsc_quic_datagram_next(&d, 0, &h, &got)) && got) {
        if (h.type != TSC_QUIC_PT_INITIAL)
            continue;
        if (!st->have_dcid) {
            memcpy(st->dcid, h.dcid.p, h.dcid.len);
            st->dcid_len = h.dcid.len;
            st->have_dcid = 1;
            st->version = h.version;
        }
        if (h.dcid.len != st->dcid_len || memcmp(h.dcid.p, st->dcid, st->dcid_len) != 0)
            continue; /* the server's: its DCID is the client's SCID */
        struct tsc_traffic_keys k[2];
        struct tsc_quic_keys *q;
        ASSERT_OK(tsc_quic_initial_keys(h.version, st->dcid, st->dcid_len, k));
        ASSERT_OK(tsc_quic_keys_new(&k[0], &q));
        static uint8_t hdr[1600], out[1600];
        size_t hl, ol;
        unsigned pl;
        uint64_t tpn;
        ASSERT_OK(tsc_quic_hp_remove(q, h.packet.p, h.packet.len, h.pn_offset, hdr, &hl, &pl, &tpn));
        tsc_result r = tsc_quic_payload_open(q, tsc_quic_pn_decode(0, tpn, 8 * pl), hdr, hl, h.packet.p + hl,
                                             h.packet.len - hl, out, &ol);
        tsc_quic_keys_free(q);
        if (!tsc_is_ok(r)) {
            st->failed++;
            continue;
        }
        st->opened++;
        struct tsc_cursor c = tsc_cursor_make(out, ol);
        struct tsc_quic_frame f;
        while (tsc_cursor_left(&c)) {
            ASSERT_OK(tsc_quic_frame_next(&c, &f));
            assert_true(tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_INITIAL));
            if (f.type != TSC_QF_CRYPTO)
                continue;
            assert_true(f.u.crypto.offset <= sizeof st->crypto &&
                        f.u.crypto.data.len <= sizeof st->crypto - f.u.crypto.offset);
            memcpy(st->crypto + f.u.crypto.offset, f.u.crypto.data.p, f.u.crypto.data.len);
            if (f.u.crypto.offset + f.u.crypto.data.len > st->crypto_len)
                st->crypto_len = (size_t)(f.u.crypto.offset + f.u.crypto.data.len);
        }
    }
}

/* Open a corpus capture's client Initials without keys; the ClientHello in
 * their CRYPTO frames must name `sni` (tshark 4.0's reading) and carry
 * `n_tp` transport parameters. */
static void corpus_client_hello(const char *rel, uint32_t version, const char *sni, uint32_t n_tp)
{
    const char *src = getenv("TSC_SOURCE_DIR");
    char path[1200];
    snprintf(path, sizeof path, "%s/../shared/corpus/%s", src ? src : ".", rel);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        print_message("%s: not found, corpus check skipped\n", path);
        skip();
    }
    static uint8_t file[1 << 20];
    size_t n = fread(file, 1, sizeof file, fp);
    fclose(fp);
    static struct initials st;
    memset(&st, 0, sizeof st);
    pcap_udp(file, n, client_initials, &st);
    assert_true(st.opened >= 1);
    assert_int_equal(st.failed, 0);
    /* Handshake { msg_type (1), length (24), ClientHello } */
    assert_true(st.crypto_len > 4);
    assert_int_equal(st.crypto[0], 1);
    size_t len = (size_t)st.crypto[1] << 16 | (size_t)st.crypto[2] << 8 | st.crypto[3];
    assert_true(len <= st.crypto_len - 4);
    static struct tsc_client_hello ch;
    ASSERT_OK(tsc_client_hello_parse((struct tsc_view){st.crypto + 4, len}, &ch));
    const struct tsc_ext *e = tsc_ext_find(&ch.ext, TSC_EXT_SERVER_NAME);
    assert_non_null(e);
    assert_int_equal(e->form, TSC_EXTF_NAMES);
    assert_int_equal(e->u.names.v[0].len, strlen(sni));
    assert_memory_equal(e->u.names.v[0].p, sni, strlen(sni));
    e = tsc_ext_find(&ch.ext, TSC_EXT_QUIC_TRANSPORT_PARAMETERS);
    assert_non_null(e);
    ASSERT_OK(e->status);
    assert_int_equal(e->form, TSC_EXTF_QUIC_TP);
    assert_int_equal(e->u.quic_tp.n, n_tp);
    assert_int_equal(st.version, version);
}

static void test_corpus_initials(void **state)
{
    (void)state;
    /* Chrome 92, version 1 (the parameters of test_tp_chrome) */
    corpus_client_hello("arkime/tests/pcap/quicietf.pcap", TSC_QUIC_V1, "ssl.gstatic.com", 14);
}

static void test_corpus_initials_v2(void **state)
{
    (void)state;
    corpus_client_hello("mercury/unit_tests/pcaps/quic_v2.pcap", TSC_QUIC_V2, "localhost", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint),
        cmocka_unit_test(test_pn_decode),
        cmocka_unit_test(test_long_headers_v1_v2),
        cmocka_unit_test(test_retry_and_vn),
        cmocka_unit_test(test_short_header_and_coalesced),
        cmocka_unit_test(test_header_malformed),
        cmocka_unit_test(test_packet_open),
        cmocka_unit_test(test_frames_rfc_payloads),
        cmocka_unit_test(test_frames_each_type),
        cmocka_unit_test(test_frames_limits),
        cmocka_unit_test(test_frames_malformed),
        cmocka_unit_test(test_tp_rfc_client_hello),
        cmocka_unit_test(test_tp_chrome),
        cmocka_unit_test(test_tp_every_kind),
        cmocka_unit_test(test_tp_malformed),
        cmocka_unit_test(test_corpus_initials),
        cmocka_unit_test(test_corpus_initials_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
