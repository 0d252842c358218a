/*
 * test_primitives.c - the cryptography under record protection
 * (crypto/primitives.c), with no record format: published vectors only.
 *
 *   HKDF-Extract            RFC 5869 A.1; RFC 8448 3 (early and handshake secrets)
 *   HKDF-Expand-Label       RFC 8448 3 ("derived", "s hs traffic"), RFC 9001 A.1
 *                           ("client in"), and the "dtls13" prefix's HkdfLabel
 *   AEAD open               RFC 9001 A.5 (ChaCha20-Poly1305, nonce and AAD of QUIC's)
 *   masks                   RFC 9001 A.2, A.3 (AES-128-ECB) and A.5 (ChaCha20): the
 *                           header protection masks, which DTLS 1.3's record
 *                           number encryption computes the same way
 *   CBC                     NIST SP 800-38A F.2.5 / F.2.6 (AES-128 CBC)
 *   stream                  RC4, RFC 6229 (128-bit key 0102...10)
 *   HMAC                    RFC 2202 (MD5, SHA-1) and RFC 4231 (SHA-256, SHA-384) test case 2
 *   TLS 1.2 PRF             the SHA-256 vector posted to the IETF TLS list
 *   digests                 FIPS 180 "abc"; MD5-SHA1 is MD5 || SHA-1
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/text.h"
#include "crypto/primitives.h"
#include "hex_vectors.h"
#include "tls_builders.h"

/* Compare n bytes with the hex string `want` (exactly n bytes). */
static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[128];
    assert_int_equal(unhex(want, w, sizeof w), n);
    assert_memory_equal(got, w, n);
}

/* ------------------------------------------------------------ HKDF */

static void test_hkdf_extract_rfc5869(void **state)
{
    (void)state;
    /* RFC 5869 A.1, test case 1 (SHA-256) */
    uint8_t ikm[22], salt[13], prk[32];
    memset(ikm, 0x0b, sizeof ikm);
    assert_int_equal(unhex("000102030405060708090a0b0c", salt, sizeof salt), 13);
    ASSERT_OK(tsc_hkdf_extract(TSC_HASH_SHA256, salt, sizeof salt, ikm, sizeof ikm, prk));
    assert_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    /* RFC 5869 A.3, test case 3: no salt is HashLen zeros */
    ASSERT_OK(tsc_hkdf_extract(TSC_HASH_SHA256, NULL, 0, ikm, sizeof ikm, prk));
    assert_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
}

/* RFC 8448 section 3 (simple 1-RTT handshake), the server's key schedule */
static void test_tls13_schedule_rfc8448(void **state)
{
    (void)state;
    uint8_t zero[32] = {0}, early[32], empty_hash[32], derived[32], shared[32], hs[32], th[32], s_hs[32];
    /* {server} extract secret "early": HKDF-Extract(0, 0^32) */
    ASSERT_OK(tsc_hkdf_extract(TSC_HASH_SHA256, NULL, 0, zero, sizeof zero, early));
    assert_hex(early, 32, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    /* {server} derive secret for handshake "tls13 derived": context Hash("") */
    ASSERT_OK(tsc_hash_digest(TSC_HASH_SHA256, NULL, 0, empty_hash));
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, early, 32, "tls13 ", "derived", empty_hash, 32, derived, 32));
    assert_hex(derived, 32, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
    /* {server} extract secret "handshake" with the (EC)DHE shared secret */
    assert_int_equal(unhex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d", shared, 32), 32);
    ASSERT_OK(tsc_hkdf_extract(TSC_HASH_SHA256, derived, 32, shared, 32, hs));
    assert_hex(hs, 32, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
    /* {server} derive secret "tls13 s hs traffic" over ClientHello..ServerHello */
    assert_int_equal(unhex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8", th, 32), 32);
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, hs, 32, "tls13 ", "s hs traffic", th, 32, s_hs, 32));
    assert_hex(s_hs, 32, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    /* {server} derive write traffic keys for handshake data */
    uint8_t key[16], iv[12];
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, s_hs, 32, "tls13 ", "key", NULL, 0, key, 16));
    assert_hex(key, 16, "3fce516009c21727d0f2e4e86ee403bc");
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, s_hs, 32, "tls13 ", "iv", NULL, 0, iv, 12));
    assert_hex(iv, 12, "5d313eb2671276ee13000b30");
}

/* RFC 9001 A.1: Initial secrets from the client's Destination Connection ID */
static void test_quic_initial_secrets_rfc9001(void **state)
{
    (void)state;
    uint8_t salt[20], dcid[8], initial[32], client[32], server[32];
    assert_int_equal(unhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a", salt, sizeof salt), 20);
    assert_int_equal(unhex("8394c8f03e515708", dcid, sizeof dcid), 8);
    ASSERT_OK(tsc_hkdf_extract(TSC_HASH_SHA256, salt, 20, dcid, 8, initial));
    assert_hex(initial, 32, "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44");
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, initial, 32, "tls13 ", "client in", NULL, 0, client, 32));
    assert_hex(client, 32, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, initial, 32, "tls13 ", "server in", NULL, 0, server, 32));
    assert_hex(server, 32, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
    /* packet protection keys: "quic key", "quic iv", "quic hp" under "tls13 " */
    uint8_t key[16], iv[12], hp[16];
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, client, 32, "tls13 ", "quic key", NULL, 0, key, 16));
    assert_hex(key, 16, "1f369613dd76d5467730efcbe3b1a22d");
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, client, 32, "tls13 ", "quic iv", NULL, 0, iv, 12));
    assert_hex(iv, 12, "fa044b2f42a3fd3b46fb255c");
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA256, client, 32, "tls13 ", "quic hp", NULL, 0, hp, 16));
    assert_hex(hp, 16, "9f50449e04a0e810283a1e9933adedd2");
}

/* The "dtls13" prefix (RFC 9147 5.9): the HkdfLabel is length || label
 * length || "dtls13" || label || context length || context, checked against
 * OpenSSL's HKDF fed that structure by hand. */
static void test_expand_label_prefix(void **state)
{
    (void)state;
    uint8_t secret[48], got[40], want[40], ctx[5] = {1, 2, 3, 4, 5};
    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (uint8_t)(i * 7 + 1);
    static const uint8_t info[] = {0x00, 0x28, 0x09, 'd', 't', 'l', 's', '1', '3', 'k', 'e', 'y', 0x05, 1, 2, 3, 4, 5};
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    assert_non_null(kdf);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    assert_non_null(k);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA384", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret, sizeof secret),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, sizeof info),
        OSSL_PARAM_construct_end(),
    };
    assert_int_equal(EVP_KDF_derive(k, want, sizeof want, params), 1);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA384, secret, sizeof secret, "dtls13", "key", ctx, 5, got, 40));
    assert_memory_equal(got, want, 40);
    /* another prefix, another key */
    ASSERT_OK(tsc_hkdf_expand_label(TSC_HASH_SHA384, secret, sizeof secret, "tls13 ", "key", ctx, 5, got, 40));
    assert_memory_not_equal(got, want, 40);
    /* labels and contexts over 255 bytes are refused */
    char longlabel[260];
    memset(longlabel, 'a', sizeof longlabel - 1);
    longlabel[sizeof longlabel - 1] = 0;
    ASSERT_RESULT(tsc_hkdf_expand_label(TSC_HASH_SHA256, secret, 32, "tls13 ", longlabel, NULL, 0, got, 16),
                  TSC_INTERNAL, TSC_ALERT_NONE);
    uint8_t bigctx[256] = {0};
    ASSERT_RESULT(tsc_hkdf_expand_label(TSC_HASH_SHA256, secret, 32, "tls13 ", "key", bigctx, 256, got, 16),
                  TSC_INTERNAL, TSC_ALERT_NONE);
}

/* ------------------------------------------------------------ AEAD */

/* RFC 9001 A.5: a short header packet with one PING frame, ChaCha20-Poly1305:
 * nonce = iv XOR packet number 654360564, AAD = the unprotected header. */
static void test_aead_open_rfc9001_chacha(void **state)
{
    (void)state;
    uint8_t key[32], iv[12], nonce[12], aad[4], in[17], out[17];
    assert_int_equal(unhex("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8", key, 32), 32);
    assert_int_equal(unhex("e0459b3474bdd0e44a41c144", iv, 12), 12);
    assert_int_equal(unhex("4200bff4", aad, 4), 4);
    /* the protected packet is 4cfe4189 (header, protected) || this */
    assert_int_equal(unhex("655e5cd55c41f69080575d7999c25a5bfb", in, sizeof in), 17);
    uint64_t pn = 654360564;
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(pn >> (56 - 8 * i));
    assert_hex(nonce, 12, "e0459b3474bdd0e46d417eb0");

    struct tsc_aead *a;
    ASSERT_OK(tsc_aead_new(TSC_CIPHER_CHACHA20_POLY1305, 16, key, &a));
    assert_int_equal(tsc_aead_tag_len(a), 16);
    memset(out, 0xee, sizeof out);
    ASSERT_OK(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    assert_int_equal(out[0], 0x01); /* PING */
    /* the AAD, the nonce, the tag and the ciphertext are all bound */
    aad[3] ^= 1;
    ASSERT_DECODE_ERROR(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    aad[3] ^= 1;
    nonce[11] ^= 1;
    tsc_result r = tsc_aead_open(a, nonce, aad, 4, in, 17, out);
    ASSERT_DECODE_ERROR(r);
    assert_string_equal(r.why, "authentication tag does not verify");
    nonce[11] ^= 1;
    in[16] ^= 0x80;
    ASSERT_DECODE_ERROR(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    in[16] ^= 0x80;
    in[0] ^= 1;
    ASSERT_DECODE_ERROR(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    in[0] ^= 1;
    ASSERT_OK(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    assert_int_equal(out[0], 0x01);
    /* shorter than the tag */
    ASSERT_DECODE_ERROR(tsc_aead_open(a, nonce, aad, 4, in, 15, out));
    /* a new key */
    key[0] ^= 1;
    ASSERT_OK(tsc_aead_rekey(a, key));
    ASSERT_DECODE_ERROR(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    key[0] ^= 1;
    ASSERT_OK(tsc_aead_rekey(a, key));
    ASSERT_OK(tsc_aead_open(a, nonce, aad, 4, in, 17, out));
    tsc_aead_free(a);
    tsc_aead_free(NULL);
    /* not an AEAD cipher */
    ASSERT_RESULT(tsc_aead_new(TSC_CIPHER_AES_128_CBC, 16, key, &a), TSC_INTERNAL, TSC_ALERT_NONE);
    assert_null(a);
}

/* ------------------------------------------------------------ CBC, stream */

/* NIST SP 800-38A F.2.5 (CBC-AES128.Encrypt) read backwards, F.2.6 */
/* The mask of QUIC header protection and DTLS 1.3 record number
 * encryption: RFC 9001 gives its first 5 bytes. */
static void test_mask_rfc9001(void **state)
{
    (void)state;
    static const struct {
        enum tsc_cipher aead;
        const char *key, *sample, *mask5;
    } v[] = {
        /* A.2 client Initial, A.3 server Initial (AES-128-GCM's hp) */
        {TSC_CIPHER_AES_128_GCM, "9f50449e04a0e810283a1e9933adedd2", "d1b1c98dd7689fb8ec11d242b123dc9b", "437b9aec36"},
        {TSC_CIPHER_AES_128_GCM, "c206b8d9b9f0f37644430b490eeaa314", "2cd0991cd25b0aac406a5816b6394100", "2ec0d8356a"},
        /* A.5 ChaCha20-Poly1305 short header packet */
        {TSC_CIPHER_CHACHA20_POLY1305, "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4",
         "5e5cd55c41f69080575d7999c25a5bfb", "aefefe7d03"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t key[32], sample[16], mask[16], again[16];
        unhex(v[i].key, key, sizeof key);
        assert_int_equal(unhex(v[i].sample, sample, sizeof sample), 16);
        struct tsc_mask *m;
        ASSERT_OK(tsc_mask_new(v[i].aead, key, &m));
        ASSERT_OK(tsc_mask_compute(m, sample, mask));
        assert_hex(mask, 5, v[i].mask5);
        /* the object is reused record after record */
        ASSERT_OK(tsc_mask_compute(m, sample, again));
        assert_memory_equal(mask, again, 16);
        tsc_mask_free(m);
    }
    /* the same AES key under CCM gives the same mask; other ciphers have none */
    uint8_t key[16], sample[16], mask[16];
    unhex(v[0].key, key, sizeof key);
    unhex(v[0].sample, sample, sizeof sample);
    struct tsc_mask *m;
    ASSERT_OK(tsc_mask_new(TSC_CIPHER_AES_128_CCM, key, &m));
    ASSERT_OK(tsc_mask_compute(m, sample, mask));
    assert_hex(mask, 5, v[0].mask5);
    tsc_mask_free(m);
    ASSERT_RESULT(tsc_mask_new(TSC_CIPHER_AES_128_CBC, key, &m), TSC_INTERNAL, TSC_ALERT_NONE);
    assert_null(m);
}

static void test_cbc_sp800_38a(void **state)
{
    (void)state;
    uint8_t key[16], iv[16], ct[64], pt[64], want[64];
    unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
    unhex("000102030405060708090a0b0c0d0e0f", iv, 16);
    unhex("7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
          "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
          ct, 64);
    unhex("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
          want, 64);
    struct tsc_cbc *c;
    ASSERT_OK(tsc_cbc_new(TSC_CIPHER_AES_128_CBC, key, &c));
    ASSERT_OK(tsc_cbc_decrypt(c, iv, ct, 64, pt));
    assert_memory_equal(pt, want, 64);
    /* the IV is the caller's on each call: blocks 3 and 4 alone, with block 2
     * as their IV, give the same plaintext (no padding removed, none held back) */
    memset(pt, 0, sizeof pt);
    ASSERT_OK(tsc_cbc_decrypt(c, ct + 16, ct + 32, 32, pt));
    assert_memory_equal(pt, want + 32, 32);
    /* and a wrong IV spoils the first block only */
    ASSERT_OK(tsc_cbc_decrypt(c, iv, ct + 32, 32, pt));
    assert_memory_not_equal(pt, want + 32, 16);
    assert_memory_equal(pt + 16, want + 48, 16);
    ASSERT_OK(tsc_cbc_decrypt(c, iv, ct, 0, pt));
    ASSERT_DECODE_ERROR(tsc_cbc_decrypt(c, iv, ct, 63, pt));
    tsc_cbc_free(c);
    assert_int_equal(tsc_cipher_block_len(TSC_CIPHER_AES_128_CBC), 16);
    assert_int_equal(tsc_cipher_block_len(TSC_CIPHER_3DES_EDE_CBC), 8);
    assert_int_equal(tsc_cipher_key_len(TSC_CIPHER_3DES_EDE_CBC), 24);
    ASSERT_RESULT(tsc_cbc_new(TSC_CIPHER_AES_128_GCM, key, &c), TSC_INTERNAL, TSC_ALERT_NONE);
    assert_null(c);
}

/* RC4 with the 128-bit key 0102...10 of RFC 6229, key stream from offset 0 */
static void test_stream_rc4(void **state)
{
    (void)state;
    const char *why = NULL;
    if (!tsc_cipher_available(TSC_CIPHER_RC4_128, &why)) {
        assert_non_null(why);
        skip();
    }
    uint8_t key[16], zero[32] = {0}, ks[32];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(i + 1);
    struct tsc_stream *s;
    ASSERT_OK(tsc_stream_new(TSC_CIPHER_RC4_128, key, &s));
    ASSERT_OK(tsc_stream_xor(s, zero, 16, ks));
    assert_hex(ks, 16, "9ac7cc9a609d1ef7b2932899cde41b97");
    tsc_stream_free(s);
    /* a skip moves the key stream on as if the bytes had been read */
    ASSERT_OK(tsc_stream_new(TSC_CIPHER_RC4_128, key, &s));
    ASSERT_OK(tsc_stream_skip(s, 5));
    ASSERT_OK(tsc_stream_xor(s, zero, 11, ks + 5));
    assert_hex(ks + 5, 11, "9d1ef7b2932899cde41b97");
    tsc_stream_free(s);
}

/* ------------------------------------------------------------ MACs */

static void test_hmac_vectors(void **state)
{
    (void)state;
    /* test case 2 of RFC 2202 and RFC 4231: key "Jefe", data split in two */
    static const struct {
        enum tsc_hash h;
        const char *want;
    } t[] = {
        {TSC_HASH_MD5, "750c783e6ab0b503eaa86e310a5db738"},
        {TSC_HASH_SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {TSC_HASH_SHA256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {TSC_HASH_SHA384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
                          "8e2240ca5e69e2c78b3239ecfab21649"},
    };
    const char *data = "what do ya want for nothing?";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct tsc_mac *m;
        uint8_t out[48];
        ASSERT_OK(tsc_mac_new_hmac(t[i].h, (const uint8_t *)"Jefe", 4, &m));
        assert_int_equal(tsc_mac_len(m), tsc_hash_len(t[i].h));
        ASSERT_OK(tsc_mac_compute(m, (const uint8_t *)data, 10, (const uint8_t *)data + 10, strlen(data) - 10, out));
        assert_hex(out, tsc_mac_len(m), t[i].want);
        /* again: each computation starts afresh */
        ASSERT_OK(tsc_mac_compute(m, (const uint8_t *)data, strlen(data), NULL, 0, out));
        assert_hex(out, tsc_mac_len(m), t[i].want);
        tsc_mac_free(m);
    }
}

/* SSL 3.0's MAC (RFC 6101 5.2.3.1): hash(key || pad_2 || hash(key || pad_1
 * || data)), written out here with OpenSSL's digests. */
static void test_ssl3_mac(void **state)
{
    (void)state;
    static const struct {
        enum tsc_hash h;
        const char *md;
        size_t len, pad;
    } t[] = {{TSC_HASH_MD5, "MD5", 16, 48}, {TSC_HASH_SHA1, "SHA1", 20, 40}};
    uint8_t key[20], data[300], pads[48], inner[64], want[64], out[20];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(0xa0 + i);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    for (size_t k = 0; k < 2; k++) {
        EVP_MD_CTX *x = EVP_MD_CTX_new();
        assert_non_null(x);
        unsigned il = 0;
        memset(pads, 0x36, sizeof pads);
        assert_int_equal(EVP_DigestInit_ex2(x, EVP_get_digestbyname(t[k].md), NULL), 1);
        EVP_DigestUpdate(x, key, t[k].len);
        EVP_DigestUpdate(x, pads, t[k].pad);
        EVP_DigestUpdate(x, data, sizeof data);
        EVP_DigestFinal_ex(x, inner, &il);
        memset(pads, 0x5c, sizeof pads);
        assert_int_equal(EVP_DigestInit_ex2(x, EVP_get_digestbyname(t[k].md), NULL), 1);
        EVP_DigestUpdate(x, key, t[k].len);
        EVP_DigestUpdate(x, pads, t[k].pad);
        EVP_DigestUpdate(x, inner, il);
        EVP_DigestFinal_ex(x, want, NULL);
        EVP_MD_CTX_free(x);

        struct tsc_mac *m;
        ASSERT_OK(tsc_mac_new_ssl3(t[k].h, key, t[k].len, &m));
        ASSERT_OK(tsc_mac_compute(m, data, 11, data + 11, sizeof data - 11, out));
        assert_memory_equal(out, want, t[k].len);
        tsc_mac_free(m);
        /* the key is as long as the hash */
        ASSERT_RESULT(tsc_mac_new_ssl3(t[k].h, key, t[k].len - 1, &m), TSC_INTERNAL, TSC_ALERT_NONE);
        assert_null(m);
    }
}

/* ------------------------------------------------------------ PRF, digests */

static void test_prf_and_digests(void **state)
{
    (void)state;
    /* the TLS 1.2 PRF (SHA-256) vector posted to the IETF TLS list */
    uint8_t secret[16], seed[16], out[100];
    unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35", secret, sizeof secret);
    unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c", seed, sizeof seed);
    ASSERT_OK(tsc_prf_tls(TSC_HASH_SHA256, secret, 16, "test label", seed, 8, seed + 8, 8, out, sizeof out));
    assert_hex(out, 16, "e3f229ba727be17b8d122620557cd453");

    /* FIPS 180-2 "abc"; MD5 of "abc" (RFC 1321); MD5-SHA1 is the two side by side */
    uint8_t d[48];
    ASSERT_OK(tsc_hash_digest(TSC_HASH_SHA256, (const uint8_t *)"abc", 3, d));
    assert_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ASSERT_OK(tsc_hash_digest(TSC_HASH_MD5_SHA1, (const uint8_t *)"abc", 3, d));
    assert_hex(d, 36, "900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_int_equal(tsc_hash_len(TSC_HASH_MD5_SHA1), 36);
    assert_int_equal(tsc_hash_len(TSC_HASH_SHA384), 48);
    assert_int_equal(tsc_hash_len(TSC_HASH_NONE), 0);
    ASSERT_RESULT(tsc_hash_digest(TSC_HASH_NONE, d, 1, d), TSC_INTERNAL, TSC_ALERT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf_extract_rfc5869),
        cmocka_unit_test(test_tls13_schedule_rfc8448),
        cmocka_unit_test(test_quic_initial_secrets_rfc9001),
        cmocka_unit_test(test_expand_label_prefix),
        cmocka_unit_test(test_aead_open_rfc9001_chacha),
        cmocka_unit_test(test_mask_rfc9001),
        cmocka_unit_test(test_cbc_sp800_38a),
        cmocka_unit_test(test_stream_rc4),
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_ssl3_mac),
        cmocka_unit_test(test_prf_and_digests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
