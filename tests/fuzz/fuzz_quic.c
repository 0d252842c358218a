/* Fuzz target: the QUIC packet layer (issue 15). The first byte says what
 * the rest is:
 *   bit 5 clear: a UDP datagram; bits 0..4 (mod 21) the short header's DCID
 *     length. Each packet is parsed (tsc_quic_datagram_next); an Initial of
 *     version 1 or 2 has its header protection removed and its payload
 *     opened with both Initial keys of its DCID, a 1-RTT packet with fixed
 *     ChaCha20 and AES keys, a Retry's tag is checked against its DCID;
 *     whatever opens is walked as frames, and the packet's own bytes are
 *     too (frames the protection would have hidden).
 *   bit 5 set: a decrypted payload: its frames, every ACK range, and the
 *     same bytes as quic_transport_parameters.
 * Deterministic; every key is freed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/quic.h"
#include "tls/msg.h"
#include "tls/quic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void frames(const uint8_t *p, size_t n)
{
    struct tsc_cursor c = tsc_cursor_make(p, n);
    struct tsc_quic_frame f;
    while (tsc_cursor_left(&c) && tsc_is_ok(tsc_quic_frame_next(&c, &f))) {
        (void)tsc_quic_frame_name(f.type);
        (void)tsc_quic_frame_allowed(f.type, TSC_QUIC_PT_INITIAL);
        if (f.type == TSC_QF_ACK || f.type == TSC_QF_ACK_ECN) {
            uint64_t lo, hi;
            /* ranges are at least 2 bytes each: bounded by the payload */
            for (uint64_t i = 0; i <= f.u.ack.range_count && i < 64; i++)
                if (!tsc_is_ok(tsc_quic_ack_range(&f, i, &lo, &hi)))
                    break;
        }
        if (f.type == TSC_QF_CONNECTION_CLOSE)
            (void)tsc_quic_error_name(f.u.close.error_code);
    }
}

static uint8_t out[65536], hdr[65536 + 4];

/* Open a protected packet with keys k; walk what opens. */
static void try_open(const struct tsc_traffic_keys *k, const struct tsc_quic_hdr *h)
{
    struct tsc_quic_keys *q = NULL;
    if (!tsc_is_ok(tsc_quic_keys_new(k, &q)))
        return;
    size_t hl, ol;
    uint64_t pn;
    /* expected 0: the first packets of a space, as Initials are */
    if (tsc_is_ok(tsc_quic_packet_open(q, h, 0, hdr, &hl, out, &ol, &pn)))
        frames(out, ol);
    tsc_quic_keys_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    uint8_t cfg = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    if (cfg & 0x20) {
        frames(p, n);
        static struct tsc_ext e;
        tsc_ext_decode(TSC_EXT_QUIC_TRANSPORT_PARAMETERS, (struct tsc_view){p, n}, TSC_EXT_CLIENT_HELLO, &e);
        return 0;
    }
    (void)tsc_quic_datagram_plausible(p, n);
    struct tsc_cursor d = tsc_cursor_make(p, n);
    struct tsc_quic_hdr h;
    int got, packets = 0;
    while (packets++ < 16 && tsc_is_ok(tsc_quic_datagram_next(&d, (size_t)(cfg & 0x1f) % 21, &h, &got)) && got) {
        (void)tsc_quic_ptype_name(h.type);
        if (h.type == TSC_QUIC_PT_RETRY) {
            (void)tsc_quic_retry_verify(h.version, h.dcid.p, h.dcid.len, h.packet.p, h.packet.len);
        } else if (h.type == TSC_QUIC_PT_INITIAL) {
            struct tsc_traffic_keys k[2];
            if (tsc_is_ok(tsc_quic_initial_keys(h.version, h.dcid.p, h.dcid.len, k))) {
                try_open(&k[0], &h);
                try_open(&k[1], &h);
            }
        } else if (h.type == TSC_QUIC_PT_1RTT) {
            /* fixed keys: the header protection paths of both mask ciphers */
            static const uint8_t secret[32] = {1, 2, 3, 4, 5, 6, 7, 8};
            struct tsc_traffic_keys k;
            if (tsc_is_ok(tsc_traffic_keys_derive(0x1303, &tsc_key_labels_quic, secret, 32, &k)))
                try_open(&k, &h);
            if (tsc_is_ok(tsc_traffic_keys_derive(0x1302, &tsc_key_labels_quic_v2, (const uint8_t[48]){9}, 48, &k)))
                try_open(&k, &h);
        }
        if (h.pn_offset && h.pn_offset < h.packet.len)
            frames(h.packet.p + h.pn_offset, h.packet.len - h.pn_offset);
    }
    return 0;
}
