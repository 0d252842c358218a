/*
 * test_quic_crypto.c - QUIC packet protection (crypto/quic.c): Initial
 * secrets and keys, header protection, payload AEAD, Retry integrity tags
 * and key updates, for QUIC versions 1 and 2.
 *
 * Known answers from outside this code: every value of RFC 9001 Appendix A
 * (version 1) and RFC 9369 Appendix A (version 2): the client's and
 * server's Initial secrets and keys, the header protection sample and
 * mask, the whole protected client and server Initial packets, the Retry
 * packets, and the ChaCha20-Poly1305 short header packet with its key
 * update secret (tests/unit/quic_vectors.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto/quic.h"
#include "hex_vectors.h"
#include "quic_vectors.h"
#include "tls_builders.h"

#define HEX(s, buf) unhex((s), (buf), sizeof(buf))

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[2048];
    size_t wn = HEX(want, w);
    assert_int_equal(n, wn);
    assert_memory_equal(got, w, n);
}

/* ------------------------------------------------------------ Initial keys */

static void test_initial_secrets(void **state)
{
    (void)state;
    uint8_t dcid[8], c[32], s[32];
    HEX(QV_DCID, dcid);
    ASSERT_OK(tsc_quic_initial_secrets(TSC_QUIC_V1, dcid, 8, c, s));
    assert_hex(c, 32, QV1_CLIENT_SECRET);
    assert_hex(s, 32, QV1_SERVER_SECRET);
    ASSERT_OK(tsc_quic_initial_secrets(TSC_QUIC_V2, dcid, 8, c, s));
    assert_hex(c, 32, QV2_CLIENT_SECRET);
    assert_hex(s, 32, QV2_SERVER_SECRET);

    /* no salt for another version; no connection ID past 20 bytes */
    uint8_t big[21] = {0};
    ASSERT_DECODE_ERROR(tsc_quic_initial_secrets(0x51303530, dcid, 8, c, s)); /* gQUIC Q050 */
    ASSERT_OK(tsc_quic_initial_secrets(0xff00001d, dcid, 8, c, s));             /* draft-29: its own salt */
    uint8_t c1[32], s1[32];
    ASSERT_OK(tsc_quic_initial_secrets(TSC_QUIC_V1, dcid, 8, c1, s1));
    assert_memory_not_equal(c, c1, 32);
    ASSERT_DECODE_ERROR(tsc_quic_initial_secrets(TSC_QUIC_V1, big, 21, c, s));
    /* an empty DCID has keys too: HMAC-SHA256(salt, "") then "client in"
     * (the value from Python's hmac module) */
    ASSERT_OK(tsc_quic_initial_secrets(TSC_QUIC_V1, NULL, 0, c, s));
    assert_hex(c, 32, "594cb3b06a53f6d6e1c3af415ec6b91a5b97c13c4f38d3008cd4c50c224a8288");
    assert_true(tsc_quic_version_known(TSC_QUIC_V1) && tsc_quic_version_known(TSC_QUIC_V2));
    assert_false(tsc_quic_version_known(0));
    assert_ptr_equal(tsc_quic_labels(0xfaceb002), &tsc_key_labels_quic); /* mvfst: version 1's labels */
    assert_null(tsc_quic_labels(0x51303530));
}

static void test_initial_keys(void **state)
{
    (void)state;
    uint8_t dcid[8];
    struct tsc_traffic_keys k[2];
    HEX(QV_DCID, dcid);
    ASSERT_OK(tsc_quic_initial_keys(TSC_QUIC_V1, dcid, 8, k));
    assert_int_equal(k[0].cipher, TSC_CIPHER_AES_128_GCM);
    assert_hex(k[0].key, k[0].key_len, QV1_CLIENT_KEY);
    assert_hex(k[0].iv, 12, QV1_CLIENT_IV);
    assert_hex(k[0].hp, k[0].key_len, QV1_CLIENT_HP);
    assert_hex(k[1].key, k[1].key_len, QV1_SERVER_KEY);
    assert_hex(k[1].iv, 12, QV1_SERVER_IV);
    assert_hex(k[1].hp, k[1].key_len, QV1_SERVER_HP);
    ASSERT_OK(tsc_quic_initial_keys(TSC_QUIC_V2, dcid, 8, k));
    assert_hex(k[0].key, k[0].key_len, QV2_CLIENT_KEY);
    assert_hex(k[0].iv, 12, QV2_CLIENT_IV);
    assert_hex(k[0].hp, k[0].key_len, QV2_CLIENT_HP);
    assert_hex(k[1].key, k[1].key_len, QV2_SERVER_KEY);
    assert_hex(k[1].iv, 12, QV2_SERVER_IV);
    assert_hex(k[1].hp, k[1].key_len, QV2_SERVER_HP);
}

/* ------------------------------------------------------------ packets */

/* Open a long header Initial of known pn_offset with one direction's keys;
 * check the unprotected header, the packet number and the payload. */
static void open_initial(uint32_t version, int side, const char *pkt_hex, size_t pn_offset, const char *hdr_hex,
                         uint64_t want_pn, const char *payload_hex, size_t padding)
{
    uint8_t dcid[8], pkt[1500], hdr[64], out[1500], want[1500];
    struct tsc_traffic_keys k[2];
    struct tsc_quic_keys *q = NULL;
    size_t n = HEX(pkt_hex, pkt), hdr_len, out_len;
    unsigned pn_len;
    uint64_t tpn;
    HEX(QV_DCID, dcid);
    ASSERT_OK(tsc_quic_initial_keys(version, dcid, 8, k));
    ASSERT_OK(tsc_quic_keys_new(&k[side], &q));
    ASSERT_OK(tsc_quic_hp_remove(q, pkt, n, pn_offset, hdr, &hdr_len, &pn_len, &tpn));
    assert_hex(hdr, hdr_len, hdr_hex);
    /* the first packets of their spaces: the number sent is the number */
    uint64_t pn = tpn;
    assert_int_equal(pn, want_pn);
    ASSERT_OK(tsc_quic_payload_open(q, pn, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    size_t wn = HEX(payload_hex, want);
    assert_int_equal(out_len, wn + padding);
    assert_memory_equal(out, want, wn);
    for (size_t i = wn; i < out_len; i++)
        assert_int_equal(out[i], 0);

    /* a flipped bit anywhere in the payload: the tag does not verify */
    pkt[n - 20] ^= 0x01;
    ASSERT_OK(tsc_quic_hp_remove(q, pkt, n, pn_offset, hdr, &hdr_len, &pn_len, &tpn));
    ASSERT_DECODE_ERROR(tsc_quic_payload_open(q, pn, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    pkt[n - 20] ^= 0x01;
    /* the other packet number: another nonce */
    ASSERT_DECODE_ERROR(tsc_quic_payload_open(q, pn + 1, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    /* the other direction's keys */
    struct tsc_quic_keys *other = NULL;
    ASSERT_OK(tsc_quic_keys_new(&k[!side], &other));
    ASSERT_OK(tsc_quic_hp_remove(other, pkt, n, pn_offset, hdr, &hdr_len, &pn_len, &tpn));
    ASSERT_DECODE_ERROR(tsc_quic_payload_open(other, tpn, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    tsc_quic_keys_free(other);
    tsc_quic_keys_free(q);
}

static void test_v1_client_initial(void **state)
{
    (void)state;
    uint8_t dcid[8], pkt[1500], hdr[64], mask_sample[16];
    struct tsc_traffic_keys k[2];
    struct tsc_quic_keys *q = NULL;
    size_t n = HEX(QV1_CLIENT_INITIAL, pkt), hdr_len;
    unsigned pn_len;
    uint64_t tpn;
    assert_int_equal(n, 1200);
    /* the sample RFC 9001 A.2 shows is 4 bytes past the packet number's start */
    HEX(QV1_CLIENT_SAMPLE, mask_sample);
    assert_memory_equal(pkt + 18 + 4, mask_sample, 16);
    HEX(QV_DCID, dcid);
    ASSERT_OK(tsc_quic_initial_keys(TSC_QUIC_V1, dcid, 8, k));
    ASSERT_OK(tsc_quic_keys_new(&k[0], &q));
    ASSERT_OK(tsc_quic_hp_remove(q, pkt, n, 18, hdr, &hdr_len, &pn_len, &tpn));
    assert_int_equal(pn_len, 4);
    assert_int_equal(tpn, 2);
    /* the mask of A.2 (437b9aec36) is what turned c3 into c0 and
     * 00000002 into 7b9aec34 */
    uint8_t mask[5];
    HEX(QV1_CLIENT_MASK, mask);
    assert_int_equal(hdr[0] ^ pkt[0], mask[0] & 0x0f);
    for (int i = 0; i < 4; i++)
        assert_int_equal(hdr[18 + i] ^ pkt[18 + i], mask[1 + i]);
    tsc_quic_keys_free(q);

    open_initial(TSC_QUIC_V1, 0, QV1_CLIENT_INITIAL, 18, QV1_CLIENT_HEADER, 2, QV_CLIENT_PAYLOAD,
                 QV_CLIENT_PADDING);
}

static void test_v1_server_initial(void **state)
{
    (void)state;
    open_initial(TSC_QUIC_V1, 1, QV1_SERVER_INITIAL, 18, QV1_SERVER_HEADER, 1, QV_SERVER_PAYLOAD, 0);
}

static void test_v2_initials(void **state)
{
    (void)state;
    open_initial(TSC_QUIC_V2, 0, QV2_CLIENT_INITIAL, 18, QV2_CLIENT_HEADER, 2, QV_CLIENT_PAYLOAD,
                 QV_CLIENT_PADDING);
    open_initial(TSC_QUIC_V2, 1, QV2_SERVER_INITIAL, 18, QV2_SERVER_HEADER, 1, QV_SERVER_PAYLOAD, 0);
}

/* A.5: the ChaCha20-Poly1305 short header packet of each version, and its
 * key update secret. */
static void chacha(uint32_t version, const char *key, const char *iv, const char *hp, const char *ku,
                   const char *packet)
{
    uint8_t secret[32], next[32], pkt[64], hdr[32], out[64];
    struct tsc_traffic_keys k;
    struct tsc_quic_keys *q = NULL;
    size_t n, hdr_len, out_len;
    unsigned pn_len;
    uint64_t tpn;
    HEX(QV_CHACHA_SECRET, secret);
    ASSERT_OK(tsc_traffic_keys_derive(0x1303, tsc_quic_labels(version), secret, 32, &k));
    assert_int_equal(k.cipher, TSC_CIPHER_CHACHA20_POLY1305);
    assert_hex(k.key, 32, key);
    assert_hex(k.iv, 12, iv);
    assert_hex(k.hp, 32, hp);
    ASSERT_OK(tsc_quic_secret_next(version, 0x1303, secret, 32, next));
    assert_hex(next, 32, ku);

    n = HEX(packet, pkt);
    ASSERT_OK(tsc_quic_keys_new(&k, &q));
    /* empty DCID: the packet number is at 1, and the packet is exactly
     * long enough for the sample */
    ASSERT_OK(tsc_quic_hp_remove(q, pkt, n, 1, hdr, &hdr_len, &pn_len, &tpn));
    assert_hex(hdr, hdr_len, QV_CHACHA_HEADER);
    assert_int_equal(pn_len, 3);
    /* the low 24 bits of 654360564 (tls/quic.h reconstructs the rest) */
    assert_int_equal(tpn, QV_CHACHA_PN & 0xffffff);
    uint64_t pn = QV_CHACHA_PN;
    ASSERT_OK(tsc_quic_payload_open(q, pn, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    assert_int_equal(out_len, 1);
    assert_int_equal(out[0], 0x01); /* PING */

    /* a key update: the next generation's keys do not open this packet,
     * the header protection key is kept (the header still unmasks the same) */
    struct tsc_traffic_keys k2;
    ASSERT_OK(tsc_traffic_keys_derive(0x1303, tsc_quic_labels(version), next, 32, &k2));
    ASSERT_OK(tsc_quic_keys_update(q, &k2));
    ASSERT_OK(tsc_quic_hp_remove(q, pkt, n, 1, hdr, &hdr_len, &pn_len, &tpn));
    assert_hex(hdr, hdr_len, QV_CHACHA_HEADER);
    ASSERT_DECODE_ERROR(tsc_quic_payload_open(q, pn, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    /* back to the first generation (a packet of the old phase arriving late) */
    ASSERT_OK(tsc_quic_keys_update(q, &k));
    ASSERT_OK(tsc_quic_payload_open(q, pn, hdr, hdr_len, pkt + hdr_len, n - hdr_len, out, &out_len));
    /* a key update cannot change the cipher */
    struct tsc_traffic_keys aes;
    ASSERT_OK(tsc_traffic_keys_derive(0x1301, tsc_quic_labels(version), secret, 32, &aes));
    ASSERT_RESULT(tsc_quic_keys_update(q, &aes), TSC_INTERNAL, TSC_ALERT_NONE);

    /* one byte short of the sample */
    ASSERT_DECODE_ERROR(tsc_quic_hp_remove(q, pkt, n - 1, 1, hdr, &hdr_len, &pn_len, &tpn));
    ASSERT_DECODE_ERROR(tsc_quic_hp_remove(q, pkt, n, n, hdr, &hdr_len, &pn_len, &tpn));
    ASSERT_DECODE_ERROR(tsc_quic_hp_remove(q, pkt, n, (size_t)-1, hdr, &hdr_len, &pn_len, &tpn));
    tsc_quic_keys_free(q);
}

static void test_chacha_short_header(void **state)
{
    (void)state;
    chacha(TSC_QUIC_V1, QV1_CHACHA_KEY, QV1_CHACHA_IV, QV1_CHACHA_HP, QV1_CHACHA_KU, QV1_CHACHA_PACKET);
    chacha(TSC_QUIC_V2, QV2_CHACHA_KEY, QV2_CHACHA_IV, QV2_CHACHA_HP, QV2_CHACHA_KU, QV2_CHACHA_PACKET);
    uint8_t s[32] = {0}, next[32];
    ASSERT_DECODE_ERROR(tsc_quic_secret_next(0x12345678, 0x1301, s, 32, next));
}

/* ------------------------------------------------------------ Retry */

static void test_retry(void **state)
{
    (void)state;
    uint8_t odcid[8], r1[64], r2[64];
    HEX(QV_DCID, odcid);
    size_t n1 = HEX(QV1_RETRY, r1), n2 = HEX(QV2_RETRY, r2);
    ASSERT_OK(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r1, n1));
    ASSERT_OK(tsc_quic_retry_verify(TSC_QUIC_V2, odcid, 8, r2, n2));
    /* the other version's key */
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V2, odcid, 8, r1, n1));
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r2, n2));
    /* another ODCID: the tag binds the Retry to the client's first Initial */
    odcid[7] ^= 1;
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r1, n1));
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 7, r1, n1));
    odcid[7] ^= 1;
    /* a changed token, a changed tag */
    r1[n1 - 17] ^= 0x20;
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r1, n1));
    r1[n1 - 17] ^= 0x20;
    r1[n1 - 1] ^= 0x80;
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r1, n1));
    r1[n1 - 1] ^= 0x80;
    ASSERT_OK(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r1, n1));
    /* shorter than a tag; unknown version; ODCID too long */
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, odcid, 8, r1, 15));
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(0xff00001d, odcid, 8, r1, n1));
    uint8_t big[21] = {0};
    ASSERT_DECODE_ERROR(tsc_quic_retry_verify(TSC_QUIC_V1, big, 21, r1, n1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_secrets),    cmocka_unit_test(test_initial_keys),
        cmocka_unit_test(test_v1_client_initial),  cmocka_unit_test(test_v1_server_initial),
        cmocka_unit_test(test_v2_initials),        cmocka_unit_test(test_chacha_short_header),
        cmocka_unit_test(test_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
