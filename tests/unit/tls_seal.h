/*
 * tls_seal.h - sealing TLS records in tests with OpenSSL, independently of
 * src/crypto (the code under test): HKDF-Expand-Label, AEAD seal, TLS 1.3
 * records of the five suites, the TLS 1.0-1.2 PRF and CBC encryption.
 * Header-only, for test_decrypt.c, test_decrypt_dtls.c and test_session.c.
 * Needs cmocka, <string.h> and the OpenSSL headers included first.
 */
#ifndef TSC_TESTS_TLS_SEAL_H
#define TSC_TESTS_TLS_SEAL_H

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

/* HKDF-Expand-Label(secret, label, "", len) of RFC 8446 7.1 under a label
 * prefix ("tls13 "; DTLS 1.3's "dtls13"), with HKDF in expand-only mode. */
static inline void expand_label_prefix(const char *md, const uint8_t *secret, size_t slen, const char *prefix,
                                       const char *label, uint8_t *out, size_t len)
{
    uint8_t info[64];
    size_t pl = strlen(prefix), ll = strlen(label), i = 0;
    info[i++] = (uint8_t)(len >> 8);
    info[i++] = (uint8_t)len;
    info[i++] = (uint8_t)(pl + ll);
    memcpy(info + i, prefix, pl);
    i += pl;
    memcpy(info + i, label, ll);
    i += ll;
    info[i++] = 0;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    assert_non_null(kdf);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    assert_non_null(k);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, i),
        OSSL_PARAM_construct_end(),
    };
    assert_int_equal(EVP_KDF_derive(k, out, len, params), 1);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

/* HKDF-Expand-Label of TLS 1.3 (the "tls13 " prefix), computed here with
 * OpenSSL directly: an independent reading to check tlsscope's against. */
static inline void expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label, uint8_t *out,
                         size_t len)
{
    expand_label_prefix(md, secret, slen, "tls13 ", label, out, len);
}

/* AEAD seal with a 12-byte nonce: ct (n bytes) then the tag into out. */
static inline void aead_seal(const char *name, int ccm, size_t tag_len, const uint8_t *key, const uint8_t nonce[12],
                      const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t n, uint8_t *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    assert_non_null(c);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    assert_non_null(x);
    int l = 0;
    assert_int_equal(EVP_EncryptInit_ex2(x, c, NULL, NULL, NULL), 1);
    assert_true(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0);
    if (ccm)
        assert_true(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, NULL) > 0);
    assert_int_equal(EVP_EncryptInit_ex2(x, NULL, key, nonce, NULL), 1);
    if (ccm)
        assert_int_equal(EVP_EncryptUpdate(x, NULL, &l, NULL, (int)n), 1);
    assert_int_equal(EVP_EncryptUpdate(x, NULL, &l, aad, (int)aad_len), 1);
    if (n || ccm) {
        assert_int_equal(EVP_EncryptUpdate(x, out, &l, pt, (int)n), 1);
        assert_int_equal((size_t)l, n);
    }
    assert_int_equal(EVP_EncryptFinal_ex(x, out + n, &l), 1);
    assert_true(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, out + n) > 0);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
}

struct tls13_suite {
    uint16_t suite;
    const char *cipher, *md;
    size_t key_len, tag_len, hash_len;
    int ccm;
};

static const struct tls13_suite tls13_suites[] = {
    {0x1301, "AES-128-GCM", "SHA256", 16, 16, 32, 0},
    {0x1302, "AES-256-GCM", "SHA384", 32, 16, 48, 0},
    {0x1303, "ChaCha20-Poly1305", "SHA256", 32, 16, 32, 0},
    {0x1304, "AES-128-CCM", "SHA256", 16, 16, 32, 1},
    {0x1305, "AES-128-CCM", "SHA256", 16, 8, 32, 1},
};

/* Seal a TLS 1.3 record: content || type || pad zeros, AAD = the header. */
static inline size_t seal13(const struct tls13_suite *s, const uint8_t *secret, uint64_t seq, uint8_t inner,
                     const uint8_t *content, size_t n, size_t pad, uint8_t *body)
{
    uint8_t key[32], iv[12], nonce[12], aad[5], pt[2048];
    expand_label(s->md, secret, s->hash_len, "key", key, s->key_len);
    expand_label(s->md, secret, s->hash_len, "iv", iv, 12);
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    assert_true(n + 1 + pad <= sizeof pt);
    memcpy(pt, content, n);
    pt[n] = inner;
    memset(pt + n + 1, 0, pad);
    size_t ptn = n + 1 + pad, len = ptn + s->tag_len;
    aad[0] = 0x17;
    aad[1] = 0x03;
    aad[2] = 0x03;
    aad[3] = (uint8_t)(len >> 8);
    aad[4] = (uint8_t)len;
    aead_seal(s->cipher, s->ccm, s->tag_len, key, nonce, aad, 5, pt, ptn, body);
    return len;
}

/* TLS 1.0-1.2 PRF, OpenSSL's TLS1-PRF KDF, with label and seeds given as
 * separate seed parameters (OpenSSL concatenates them). */
static inline void prf(const char *md, const uint8_t *secret, size_t slen, const char *label, const uint8_t *s1,
                       size_t n1, const uint8_t *s2, size_t n2, uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    assert_non_null(kdf);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    assert_non_null(k);
    OSSL_PARAM params[6], *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)s1, n1);
    if (n2)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)s2, n2);
    *p = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_KDF_derive(k, out, outlen, params), 1);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

/* CBC encryption without padding (n a multiple of the block). */
static inline void cbc_encrypt(const char *name, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t n,
                               uint8_t *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    assert_non_null(c);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    assert_non_null(x);
    int l = 0, l2 = 0;
    assert_int_equal(EVP_EncryptInit_ex2(x, c, key, iv, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(x, 0), 1);
    assert_int_equal(EVP_EncryptUpdate(x, out, &l, in, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(x, out + l, &l2), 1);
    assert_int_equal((size_t)(l + l2), n);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
}

#endif
