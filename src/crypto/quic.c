/*
 * quic.c - QUIC packet protection (RFC 9001 5, 6; RFC 9369 3.3).
 *
 * Built on the primitives (HKDF, AEAD, header protection masks) and on the
 * TLS 1.3 traffic key derivation of decrypt.c with QUIC's labels: this file
 * holds only what QUIC adds, its constants and the order of the steps.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/quic.h"

const struct tsc_key_labels tsc_key_labels_quic_v2 = {"tls13 ", "quicv2 key", "quicv2 iv", "quicv2 hp",
                                                      "quicv2 ku"};

/* Per-version constants: the Initial salt (RFC 9001 5.2, RFC 9369 3.3.1)
 * and the Retry integrity key and nonce (RFC 9001 5.8, RFC 9369 3.3.3). */
struct quic_version_consts {
    uint32_t version;
    const struct tsc_key_labels *labels;
    uint8_t salt[20];
    uint8_t retry_key[16];
    uint8_t retry_nonce[12];
};

static const struct quic_version_consts versions[] = {
    {TSC_QUIC_V1,
     &tsc_key_labels_quic,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e},
     {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb}},
    {TSC_QUIC_V2,
     &tsc_key_labels_quic_v2,
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
     {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92},
     {0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a}},
};

/* The IETF drafts that still turn up in captures (draft-23 to draft-34,
 * and Facebook mvfst's builds of draft-22 and draft-27) differ from
 * version 1 only in the Initial salt, which changed at draft-23, draft-29
 * and draft-33 (draft-22's is mvfst's 0xfaceb001's); their
 * Retry integrity keys are not kept: a draft's Retry is not checked. */
struct quic_draft {
    uint32_t first, last;
    uint8_t salt[20];
};
static const struct quic_draft drafts[] = {
    {0xfaceb001, 0xfaceb001, /* mvfst's draft-22 */
     {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
      0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a}},
    {0xfaceb00e, 0xfaceb00e, /* mvfst's experimental version, on draft-27's salt */
     {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02}},
    {0xff000017, 0xff00001c,
     {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02}},
    {0xfaceb002, 0xfaceb002,
     {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02}},
    {0xff00001d, 0xff000020,
     {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99}},
    {0xff000021, 0xff000022,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}},
};

static const struct quic_version_consts *consts_of(uint32_t version)
{
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
        if (versions[i].version == version)
            return &versions[i];
    return NULL;
}

static const struct quic_draft *draft_of(uint32_t version)
{
    for (size_t i = 0; i < sizeof drafts / sizeof drafts[0]; i++)
        if (version >= drafts[i].first && version <= drafts[i].last)
            return &drafts[i];
    return NULL;
}

int tsc_quic_version_is_draft(uint32_t version) { return draft_of(version) != NULL; }

int tsc_quic_version_known(uint32_t version) { return consts_of(version) != NULL || draft_of(version) != NULL; }

const struct tsc_key_labels *tsc_quic_labels(uint32_t version)
{
    const struct quic_version_consts *v = consts_of(version);
    return v ? v->labels : draft_of(version) ? &tsc_key_labels_quic : NULL;
}

/* The connection ID limit of versions 1 and 2 (RFC 9000 17.2). */
#define QUIC_CID_MAX 20

tsc_result tsc_quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t client[32],
                                    uint8_t server[32])
{
    const struct quic_version_consts *v = consts_of(version);
    const struct quic_draft *dr = v ? NULL : draft_of(version);
    if (!v && !dr)
        return TSC_MALFORMED_ERR("QUIC version without known Initial keys");
    const uint8_t *salt = v ? v->salt : dr->salt;
    if (dcid_len > QUIC_CID_MAX)
        return TSC_MALFORMED_ERR("connection ID longer than 20 bytes");
    uint8_t initial[32];
    /* initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id),
     * which is HMAC-SHA256(salt, dcid) (RFC 5869 2.2): written as the HMAC
     * because OpenSSL's HKDF refuses the empty key a zero-length DCID gives.
     * The labels "client in" / "server in" are the same in version 2. */
    struct tsc_mac *m = NULL;
    tsc_result r = tsc_mac_new_hmac(TSC_HASH_SHA256, salt, 20, &m);
    if (tsc_is_ok(r))
        r = tsc_mac_compute(m, dcid, dcid_len, NULL, 0, initial);
    tsc_mac_free(m);
    if (tsc_is_ok(r))
        r = tsc_hkdf_expand_label(TSC_HASH_SHA256, initial, 32, "tls13 ", "client in", NULL, 0, client, 32);
    if (tsc_is_ok(r))
        r = tsc_hkdf_expand_label(TSC_HASH_SHA256, initial, 32, "tls13 ", "server in", NULL, 0, server, 32);
    tsc_wipe(initial, sizeof initial);
    return r;
}

tsc_result tsc_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                                 struct tsc_traffic_keys out[2])
{
    uint8_t s[2][32];
    tsc_result r = tsc_quic_initial_secrets(version, dcid, dcid_len, s[0], s[1]);
    for (int i = 0; i < 2 && tsc_is_ok(r); i++)
        r = tsc_traffic_keys_derive(TSC_QUIC_INITIAL_SUITE, tsc_quic_labels(version), s[i], 32, &out[i]);
    tsc_wipe(s, sizeof s);
    return r;
}

tsc_result tsc_quic_secret_next(uint32_t version, uint16_t suite, const uint8_t *secret, size_t secret_len,
                                uint8_t *next)
{
    const struct tsc_key_labels *l = tsc_quic_labels(version);
    if (!l)
        return TSC_MALFORMED_ERR("QUIC version without known key update labels");
    return tsc_traffic_secret_next(suite, l, secret, secret_len, next);
}

/* ------------------------------------------------------------ protection */

struct tsc_quic_keys {
    struct tsc_aead *aead;
    struct tsc_mask *hp;
    enum tsc_cipher cipher;
    uint8_t iv[12];
};

void tsc_quic_keys_free(struct tsc_quic_keys *q)
{
    if (!q)
        return;
    tsc_aead_free(q->aead);
    tsc_mask_free(q->hp);
    tsc_wipe(q, sizeof *q);
    free(q);
}

tsc_result tsc_quic_keys_new(const struct tsc_traffic_keys *k, struct tsc_quic_keys **out)
{
    *out = NULL;
    struct tsc_quic_keys *q = calloc(1, sizeof *q);
    if (!q)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    q->cipher = k->cipher;
    memcpy(q->iv, k->iv, sizeof q->iv);
    tsc_result r = tsc_aead_new(k->cipher, k->tag_len, k->key, &q->aead);
    if (tsc_is_ok(r))
        r = tsc_mask_new(k->cipher, k->hp, &q->hp);
    if (!tsc_is_ok(r)) {
        tsc_quic_keys_free(q);
        return r;
    }
    *out = q;
    return tsc_ok();
}

tsc_result tsc_quic_keys_update(struct tsc_quic_keys *q, const struct tsc_traffic_keys *next)
{
    if (next->cipher != q->cipher)
        return TSC_ERR(TSC_INTERNAL, "key update to another cipher");
    TSC_GUARD(tsc_aead_rekey(q->aead, next->key));
    memcpy(q->iv, next->iv, sizeof q->iv);
    return tsc_ok();
}

#define HP_SAMPLE 16

tsc_result tsc_quic_hp_remove(struct tsc_quic_keys *q, const uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                              uint8_t *hdr, size_t *hdr_len, unsigned *pn_len, uint64_t *truncated_pn)
{
    /* the sample assumes a 4-byte packet number (RFC 9001 5.4.2): it starts
     * at pn_offset + 4 whatever the real length */
    if (pn_offset >= pkt_len || !(TSC_QUIC_PN_MAX + HP_SAMPLE <= pkt_len - pn_offset))
        return TSC_MALFORMED_ERR("packet too short for a header protection sample");
    uint8_t mask[16];
    TSC_GUARD(tsc_mask_compute(q->hp, pkt + pn_offset + TSC_QUIC_PN_MAX, mask));
    memcpy(hdr, pkt, pn_offset + TSC_QUIC_PN_MAX);
    /* long header: the low 4 bits (reserved bits, packet number length);
     * short header: the low 5 (reserved bits, key phase, length) */
    hdr[0] ^= mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f);
    unsigned n = (unsigned)(hdr[0] & 0x03) + 1;
    uint64_t pn = 0;
    for (unsigned i = 0; i < n; i++) {
        hdr[pn_offset + i] ^= mask[1 + i];
        pn = pn << 8 | hdr[pn_offset + i];
    }
    *pn_len = n;
    *truncated_pn = pn;
    *hdr_len = pn_offset + n;
    return tsc_ok();
}

tsc_result tsc_quic_payload_open(struct tsc_quic_keys *q, uint64_t pn, const uint8_t *hdr, size_t hdr_len,
                                 const uint8_t *in, size_t n, uint8_t *out, size_t *out_len)
{
    /* the 62-bit packet number, left-padded to the IV's length, XOR the IV
     * (RFC 9001 5.3) */
    uint8_t nonce[12];
    memcpy(nonce, q->iv, sizeof nonce);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    TSC_GUARD(tsc_aead_open(q->aead, nonce, hdr, hdr_len, in, n, out));
    *out_len = n - tsc_aead_tag_len(q->aead);
    return tsc_ok();
}

#define RETRY_TAG 16

tsc_result tsc_quic_retry_verify(uint32_t version, const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                                 size_t n)
{
    const struct quic_version_consts *v = consts_of(version);
    if (!v)
        return TSC_MALFORMED_ERR("QUIC version without a known Retry key");
    if (odcid_len > QUIC_CID_MAX)
        return TSC_MALFORMED_ERR("connection ID longer than 20 bytes");
    if (n < RETRY_TAG)
        return TSC_MALFORMED_ERR("Retry packet shorter than its integrity tag");
    /* Retry Pseudo-Packet {
     *   ODCID Length (8), Original Destination Connection ID (0..160),
     *   the Retry packet without its tag } : the additional data of
     * AES-128-GCM over an empty plaintext; the tag is the packet's last 16 */
    size_t body = n - RETRY_TAG;
    uint8_t *pseudo = malloc(1 + odcid_len + body);
    if (!pseudo)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    pseudo[0] = (uint8_t)odcid_len;
    if (odcid_len)
        memcpy(pseudo + 1, odcid, odcid_len);
    if (body)
        memcpy(pseudo + 1 + odcid_len, retry, body);
    struct tsc_aead *a = NULL;
    uint8_t none[1];
    tsc_result r = tsc_aead_new(TSC_CIPHER_AES_128_GCM, RETRY_TAG, v->retry_key, &a);
    if (tsc_is_ok(r))
        r = tsc_aead_open(a, v->retry_nonce, pseudo, 1 + odcid_len + body, retry + body, RETRY_TAG, none);
    tsc_aead_free(a);
    free(pseudo);
    if (r.kind == TSC_MALFORMED)
        return TSC_MALFORMED_ERR("Retry integrity tag does not verify");
    return r;
}
