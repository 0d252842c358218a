/*
 * primitives.c - AEAD, CBC, stream ciphers, MACs, digests and KDFs
 * (primitives.h), on OpenSSL 3. Nothing here knows a record format.
 */
#include "crypto/primitives.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/provider.h>

#include "crypto/crypto_int.h"

/* ------------------------------------------------------------ library */

static OSSL_LIB_CTX *g_libctx;
static int g_legacy;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
/* The KDFs every key schedule uses, fetched once: a fetch per derivation
 * was a fifth of the time of decrypting many short QUIC connections. */
static EVP_KDF *g_hkdf, *g_prf;

static void libctx_init(void)
{
    g_libctx = OSSL_LIB_CTX_new();
    if (!g_libctx)
        return;
    if (!OSSL_PROVIDER_load(g_libctx, "default")) {
        OSSL_LIB_CTX_free(g_libctx);
        g_libctx = NULL;
        return;
    }
    g_legacy = OSSL_PROVIDER_load(g_libctx, "legacy") != NULL;
    g_hkdf = EVP_KDF_fetch(g_libctx, "HKDF", NULL);
    g_prf = EVP_KDF_fetch(g_libctx, "TLS1-PRF", NULL);
    ERR_clear_error();
}

OSSL_LIB_CTX *tsc_crypto_libctx(void)
{
    pthread_once(&g_once, libctx_init);
    return g_libctx;
}

int tsc_crypto_legacy(void)
{
    pthread_once(&g_once, libctx_init);
    return g_legacy;
}

void tsc_wipe(void *p, size_t n) { OPENSSL_cleanse(p, n); }

/* ------------------------------------------------------------ hashes */

static const struct {
    const char *name; /* OpenSSL's */
    size_t len;
} hashes[] = {
    [TSC_HASH_NONE] = {NULL, 0},       [TSC_HASH_MD5] = {"MD5", 16},         [TSC_HASH_SHA1] = {"SHA1", 20},
    [TSC_HASH_SHA256] = {"SHA256", 32}, [TSC_HASH_SHA384] = {"SHA384", 48}, [TSC_HASH_MD5_SHA1] = {"MD5-SHA1", 36},
};

static const char *hash_name(enum tsc_hash h)
{
    return (size_t)h < sizeof hashes / sizeof hashes[0] ? hashes[h].name : NULL;
}

size_t tsc_hash_len(enum tsc_hash h) { return (size_t)h < sizeof hashes / sizeof hashes[0] ? hashes[h].len : 0; }

tsc_result tsc_hash_digest(enum tsc_hash h, const uint8_t *p, size_t n, uint8_t *out)
{
    const char *name = hash_name(h);
    if (!name)
        return TSC_ERR(TSC_INTERNAL, "no such hash");
    int ok = EVP_Q_digest(tsc_crypto_libctx(), name, NULL, p, n, out, NULL);
    ERR_clear_error();
    return ok ? tsc_ok() : TSC_ERR(TSC_OPENSSL, "digest failed");
}

/* ------------------------------------------------------------ ciphers */

enum mode { M_NONE, M_STREAM, M_CBC, M_GCM, M_CCM, M_CHACHA };

static const struct cipher_info {
    const char *name; /* OpenSSL's */
    size_t key_len, block;
    enum mode mode;
    int legacy; /* in OpenSSL's legacy provider */
} ciphers[] = {
    [TSC_CIPHER_NULL] = {NULL, 0, 0, M_NONE, 0},
    [TSC_CIPHER_RC4_128] = {"RC4", 16, 0, M_STREAM, 1},
    [TSC_CIPHER_DES_CBC] = {"DES-CBC", 8, 8, M_CBC, 1},
    [TSC_CIPHER_3DES_EDE_CBC] = {"DES-EDE3-CBC", 24, 8, M_CBC, 0},
    [TSC_CIPHER_IDEA_CBC] = {"IDEA-CBC", 16, 8, M_CBC, 1},
    [TSC_CIPHER_SEED_CBC] = {"SEED-CBC", 16, 16, M_CBC, 1},
    [TSC_CIPHER_AES_128_CBC] = {"AES-128-CBC", 16, 16, M_CBC, 0},
    [TSC_CIPHER_AES_256_CBC] = {"AES-256-CBC", 32, 16, M_CBC, 0},
    [TSC_CIPHER_CAMELLIA_128_CBC] = {"CAMELLIA-128-CBC", 16, 16, M_CBC, 0},
    [TSC_CIPHER_CAMELLIA_256_CBC] = {"CAMELLIA-256-CBC", 32, 16, M_CBC, 0},
    [TSC_CIPHER_ARIA_128_CBC] = {"ARIA-128-CBC", 16, 16, M_CBC, 0},
    [TSC_CIPHER_ARIA_256_CBC] = {"ARIA-256-CBC", 32, 16, M_CBC, 0},
    [TSC_CIPHER_AES_128_GCM] = {"AES-128-GCM", 16, 0, M_GCM, 0},
    [TSC_CIPHER_AES_256_GCM] = {"AES-256-GCM", 32, 0, M_GCM, 0},
    [TSC_CIPHER_ARIA_128_GCM] = {"ARIA-128-GCM", 16, 0, M_GCM, 0},
    [TSC_CIPHER_ARIA_256_GCM] = {"ARIA-256-GCM", 32, 0, M_GCM, 0},
    [TSC_CIPHER_AES_128_CCM] = {"AES-128-CCM", 16, 0, M_CCM, 0},
    [TSC_CIPHER_AES_256_CCM] = {"AES-256-CCM", 32, 0, M_CCM, 0},
    [TSC_CIPHER_CHACHA20_POLY1305] = {"ChaCha20-Poly1305", 32, 0, M_CHACHA, 0},
};

static const struct cipher_info *cipher_info(enum tsc_cipher c)
{
    return (size_t)c < sizeof ciphers / sizeof ciphers[0] ? &ciphers[c] : &ciphers[TSC_CIPHER_NULL];
}

size_t tsc_cipher_key_len(enum tsc_cipher c) { return cipher_info(c)->key_len; }

size_t tsc_cipher_block_len(enum tsc_cipher c) { return cipher_info(c)->block; }

int tsc_cipher_available(enum tsc_cipher c, const char **why)
{
    const struct cipher_info *ci = cipher_info(c);
    if (!ci->name)
        return 1;
    if (ci->legacy && !tsc_crypto_legacy()) {
        *why = "the cipher needs OpenSSL's legacy provider, which is not available";
        return 0;
    }
    /* built without it (IDEA, say), or a provider that lacks it */
    EVP_CIPHER *e = EVP_CIPHER_fetch(tsc_crypto_libctx(), ci->name, NULL);
    EVP_CIPHER_free(e);
    ERR_clear_error();
    if (!e) {
        *why = "the cipher is not available in this OpenSSL";
        return 0;
    }
    return 1;
}

/* The cipher and a context for it, of the expected mode. */
static tsc_result cipher_fetch(enum tsc_cipher c, enum mode want, EVP_CIPHER **cipher, EVP_CIPHER_CTX **ctx)
{
    const struct cipher_info *ci = cipher_info(c);
    if (!ci->name || ci->mode != want)
        return TSC_ERR(TSC_INTERNAL, "cipher of another kind");
    *cipher = EVP_CIPHER_fetch(tsc_crypto_libctx(), ci->name, NULL);
    *ctx = EVP_CIPHER_CTX_new();
    if (!*cipher || !*ctx) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, ci->legacy ? "cipher not available (OpenSSL's legacy provider is needed)"
                                               : "cipher not available in OpenSSL");
    }
    return tsc_ok();
}

/* ------------------------------------------------------------ AEAD */

struct tsc_aead {
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    int ccm;
    size_t tag_len, key_len;
    uint8_t key[32];
};

void tsc_aead_free(struct tsc_aead *a)
{
    if (!a)
        return;
    EVP_CIPHER_CTX_free(a->ctx);
    EVP_CIPHER_free(a->cipher);
    OPENSSL_cleanse(a, sizeof *a);
    free(a);
}

tsc_result tsc_aead_rekey(struct tsc_aead *a, const uint8_t *key)
{
    memcpy(a->key, key, a->key_len);
    if (a->ccm)
        return tsc_ok(); /* CCM is set up per record: the tag goes in before the key */
    int ok = EVP_DecryptInit_ex2(a->ctx, a->cipher, a->key, NULL, NULL);
    ERR_clear_error();
    return ok ? tsc_ok() : TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
}

tsc_result tsc_aead_new(enum tsc_cipher c, size_t tag_len, const uint8_t *key, struct tsc_aead **out)
{
    *out = NULL;
    const struct cipher_info *ci = cipher_info(c);
    enum mode m = ci->mode;
    if ((m != M_GCM && m != M_CCM && m != M_CHACHA) || tag_len > 16 || tag_len < 4)
        return TSC_ERR(TSC_INTERNAL, "not an AEAD cipher");
    struct tsc_aead *a = calloc(1, sizeof *a);
    if (!a)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    a->ccm = m == M_CCM;
    a->tag_len = tag_len;
    a->key_len = ci->key_len;
    tsc_result r = cipher_fetch(c, m, &a->cipher, &a->ctx);
    if (tsc_is_ok(r))
        r = tsc_aead_rekey(a, key);
    if (!tsc_is_ok(r)) {
        tsc_aead_free(a);
        return r;
    }
    *out = a;
    return tsc_ok();
}

size_t tsc_aead_tag_len(const struct tsc_aead *a) { return a->tag_len; }

tsc_result tsc_aead_open(struct tsc_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, size_t n, uint8_t *out)
{
    if (n < a->tag_len)
        return TSC_MALFORMED_ERR("shorter than the authentication tag");
    if (n > INT_MAX || aad_len > INT_MAX)
        return TSC_ERR(TSC_LIMIT, "AEAD input too long");
    size_t ct_len = n - a->tag_len;
    const uint8_t *tag = in + ct_len;
    int l = 0, l2 = 0, ok;
    if (a->ccm) {
        ok = EVP_DecryptInit_ex2(a->ctx, a->cipher, NULL, NULL, NULL) &&
             EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0 &&
             EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->tag_len, (void *)tag) > 0 &&
             EVP_DecryptInit_ex2(a->ctx, NULL, a->key, nonce, NULL) &&
             EVP_DecryptUpdate(a->ctx, NULL, &l, NULL, (int)ct_len) &&
             EVP_DecryptUpdate(a->ctx, NULL, &l, aad, (int)aad_len);
        if (!ok) {
            ERR_clear_error();
            return TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
        }
        /* CCM verifies the tag in this one call */
        ok = EVP_DecryptUpdate(a->ctx, out, &l, in, (int)ct_len) > 0;
    } else {
        ok = EVP_DecryptInit_ex2(a->ctx, NULL, NULL, nonce, NULL) &&
             EVP_DecryptUpdate(a->ctx, NULL, &l, aad, (int)aad_len) &&
             EVP_DecryptUpdate(a->ctx, out, &l, in, (int)ct_len);
        if (!ok) {
            ERR_clear_error();
            return TSC_ERR(TSC_OPENSSL, "cipher failed");
        }
        ok = EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->tag_len, (void *)tag) > 0 &&
             EVP_DecryptFinal_ex(a->ctx, out + l, &l2) > 0;
    }
    if (!ok) {
        ERR_clear_error();
        return TSC_MALFORMED_ERR("authentication tag does not verify");
    }
    return tsc_ok();
}

/* ------------------------------------------------------------ CBC */

struct tsc_cbc {
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    size_t block;
};

void tsc_cbc_free(struct tsc_cbc *c)
{
    if (!c)
        return;
    EVP_CIPHER_CTX_free(c->ctx);
    EVP_CIPHER_free(c->cipher);
    free(c);
}

tsc_result tsc_cbc_new(enum tsc_cipher c, const uint8_t *key, struct tsc_cbc **out)
{
    *out = NULL;
    struct tsc_cbc *x = calloc(1, sizeof *x);
    if (!x)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    x->block = cipher_info(c)->block;
    tsc_result r = cipher_fetch(c, M_CBC, &x->cipher, &x->ctx);
    if (tsc_is_ok(r) && !(EVP_DecryptInit_ex2(x->ctx, x->cipher, key, NULL, NULL) &&
                          EVP_CIPHER_CTX_set_padding(x->ctx, 0))) {
        ERR_clear_error();
        r = TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
    }
    if (!tsc_is_ok(r)) {
        tsc_cbc_free(x);
        return r;
    }
    *out = x;
    return tsc_ok();
}

tsc_result tsc_cbc_decrypt(struct tsc_cbc *c, const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out)
{
    if (n % c->block)
        return TSC_MALFORMED_ERR("not a whole number of cipher blocks");
    if (n > INT_MAX)
        return TSC_ERR(TSC_LIMIT, "CBC input too long");
    if (n == 0)
        return tsc_ok();
    int l = 0;
    /* padding stays the caller's: none removed, no block held back */
    if (!EVP_DecryptInit_ex2(c->ctx, NULL, NULL, iv, NULL) || !EVP_CIPHER_CTX_set_padding(c->ctx, 0) ||
        !EVP_DecryptUpdate(c->ctx, out, &l, in, (int)n) || (size_t)l != n) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "cipher failed");
    }
    return tsc_ok();
}

/* ------------------------------------------------------------ stream */

struct tsc_stream {
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
};

void tsc_stream_free(struct tsc_stream *s)
{
    if (!s)
        return;
    EVP_CIPHER_CTX_free(s->ctx);
    EVP_CIPHER_free(s->cipher);
    free(s);
}

tsc_result tsc_stream_new(enum tsc_cipher c, const uint8_t *key, struct tsc_stream **out)
{
    *out = NULL;
    struct tsc_stream *s = calloc(1, sizeof *s);
    if (!s)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    tsc_result r = cipher_fetch(c, M_STREAM, &s->cipher, &s->ctx);
    if (tsc_is_ok(r) &&
        !(EVP_DecryptInit_ex2(s->ctx, s->cipher, key, NULL, NULL) && EVP_CIPHER_CTX_set_padding(s->ctx, 0))) {
        ERR_clear_error();
        r = TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
    }
    if (!tsc_is_ok(r)) {
        tsc_stream_free(s);
        return r;
    }
    *out = s;
    return tsc_ok();
}

tsc_result tsc_stream_xor(struct tsc_stream *s, const uint8_t *in, size_t n, uint8_t *out)
{
    if (n > INT_MAX)
        return TSC_ERR(TSC_LIMIT, "stream cipher input too long");
    int l = 0;
    if (n && (!EVP_DecryptUpdate(s->ctx, out, &l, in, (int)n) || (size_t)l != n)) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "cipher failed");
    }
    return tsc_ok();
}

tsc_result tsc_stream_skip(struct tsc_stream *s, size_t n)
{
    uint8_t zero[1024], junk[1024];
    memset(zero, 0, sizeof zero);
    while (n) {
        size_t k = n < sizeof zero ? n : sizeof zero;
        TSC_GUARD(tsc_stream_xor(s, zero, k, junk));
        n -= k;
    }
    return tsc_ok();
}

/* ------------------------------------------------------------ masks */

struct tsc_mask {
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    int chacha;
    uint8_t key[32];
};

void tsc_mask_free(struct tsc_mask *m)
{
    if (!m)
        return;
    EVP_CIPHER_CTX_free(m->ctx);
    EVP_CIPHER_free(m->cipher);
    OPENSSL_cleanse(m, sizeof *m);
    free(m);
}

tsc_result tsc_mask_new(enum tsc_cipher c, const uint8_t *key, struct tsc_mask **out)
{
    *out = NULL;
    const char *name;
    /* the AEAD's own cipher underneath: AES in ECB, or ChaCha20 */
    switch (c) {
    case TSC_CIPHER_AES_128_GCM:
    case TSC_CIPHER_AES_128_CCM:
        name = "AES-128-ECB";
        break;
    case TSC_CIPHER_AES_256_GCM:
    case TSC_CIPHER_AES_256_CCM:
        name = "AES-256-ECB";
        break;
    case TSC_CIPHER_CHACHA20_POLY1305:
        name = "ChaCha20";
        break;
    default:
        return TSC_ERR(TSC_INTERNAL, "no mask cipher for this AEAD");
    }
    struct tsc_mask *m = calloc(1, sizeof *m);
    if (!m)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    m->chacha = c == TSC_CIPHER_CHACHA20_POLY1305;
    memcpy(m->key, key, cipher_info(c)->key_len);
    m->cipher = EVP_CIPHER_fetch(tsc_crypto_libctx(), name, NULL);
    m->ctx = EVP_CIPHER_CTX_new();
    /* AES: the key goes in once; ChaCha20 takes it with each sample's IV */
    if (!m->cipher || !m->ctx ||
        (!m->chacha && !(EVP_EncryptInit_ex2(m->ctx, m->cipher, m->key, NULL, NULL) &&
                         EVP_CIPHER_CTX_set_padding(m->ctx, 0)))) {
        ERR_clear_error();
        tsc_mask_free(m);
        return TSC_ERR(TSC_OPENSSL, "mask cipher set-up failed");
    }
    *out = m;
    return tsc_ok();
}

tsc_result tsc_mask_compute(struct tsc_mask *m, const uint8_t sample[16], uint8_t out[16])
{
    static const uint8_t zeros[16];
    int l = 0, ok;
    if (m->chacha)
        /* OpenSSL's ChaCha20 IV is the 32-bit little-endian block counter
         * and the 96-bit nonce: the sample as it is (RFC 9001 5.4.4) */
        ok = EVP_EncryptInit_ex2(m->ctx, m->cipher, m->key, sample, NULL) &&
             EVP_EncryptUpdate(m->ctx, out, &l, zeros, 16);
    else
        ok = EVP_EncryptUpdate(m->ctx, out, &l, sample, 16);
    if (!ok || l != 16) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "mask computation failed");
    }
    return tsc_ok();
}

/* ------------------------------------------------------------ MACs */

struct tsc_mac {
    int ssl3;
    size_t len;
    EVP_MAC_CTX *hmac;
    /* SSL 3.0 */
    EVP_MD *md;
    EVP_MD_CTX *mdc;
    uint8_t key[48];
};

void tsc_mac_free(struct tsc_mac *m)
{
    if (!m)
        return;
    EVP_MAC_CTX_free(m->hmac);
    EVP_MD_CTX_free(m->mdc);
    EVP_MD_free(m->md);
    OPENSSL_cleanse(m, sizeof *m);
    free(m);
}

static tsc_result mac_alloc(enum tsc_hash h, size_t key_len, struct tsc_mac **out)
{
    *out = NULL;
    if (!hash_name(h) || h == TSC_HASH_MD5_SHA1 || key_len > sizeof((*out)->key))
        return TSC_ERR(TSC_INTERNAL, "no such MAC");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    (*out)->len = hashes[h].len;
    return tsc_ok();
}

tsc_result tsc_mac_new_hmac(enum tsc_hash h, const uint8_t *key, size_t key_len, struct tsc_mac **out)
{
    struct tsc_mac *m;
    TSC_GUARD(mac_alloc(h, key_len, &m));
    EVP_MAC *mac = EVP_MAC_fetch(tsc_crypto_libctx(), "HMAC", NULL);
    m->hmac = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)hash_name(h), 0),
        OSSL_PARAM_construct_end(),
    };
    if (!m->hmac || !EVP_MAC_init(m->hmac, key, key_len, params)) {
        ERR_clear_error();
        tsc_mac_free(m);
        return TSC_ERR(TSC_OPENSSL, "HMAC set-up failed");
    }
    *out = m;
    return tsc_ok();
}

tsc_result tsc_mac_new_ssl3(enum tsc_hash h, const uint8_t *key, size_t key_len, struct tsc_mac **out)
{
    struct tsc_mac *m;
    *out = NULL;
    if (key_len != tsc_hash_len(h))
        return TSC_ERR(TSC_INTERNAL, "an SSL 3.0 MAC key is as long as its hash");
    TSC_GUARD(mac_alloc(h, key_len, &m));
    m->ssl3 = 1;
    memcpy(m->key, key, key_len);
    m->md = EVP_MD_fetch(tsc_crypto_libctx(), hash_name(h), NULL);
    m->mdc = EVP_MD_CTX_new();
    if (!m->md || !m->mdc) {
        ERR_clear_error();
        tsc_mac_free(m);
        return TSC_ERR(TSC_OPENSSL, "MAC digest not available");
    }
    *out = m;
    return tsc_ok();
}

size_t tsc_mac_len(const struct tsc_mac *m) { return m->len; }

static int ssl3_mac(struct tsc_mac *m, const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t *out)
{
    uint8_t pad1[48], pad2[48], inner[EVP_MAX_MD_SIZE];
    memset(pad1, 0x36, sizeof pad1);
    memset(pad2, 0x5c, sizeof pad2);
    /* SSL 3.0 has MD5 (48) and SHA-1 (40); the later SHA-2 suites, should
     * a peer use them in SSL 3.0, get SHA-1's 40 */
    size_t padn = m->len == 16 ? 48 : 40;
    unsigned il = 0;
    return EVP_DigestInit_ex(m->mdc, m->md, NULL) && EVP_DigestUpdate(m->mdc, m->key, m->len) &&
           EVP_DigestUpdate(m->mdc, pad1, padn) && EVP_DigestUpdate(m->mdc, a, an) &&
           EVP_DigestUpdate(m->mdc, b, bn) && EVP_DigestFinal_ex(m->mdc, inner, &il) &&
           EVP_DigestInit_ex(m->mdc, m->md, NULL) && EVP_DigestUpdate(m->mdc, m->key, m->len) &&
           EVP_DigestUpdate(m->mdc, pad2, padn) && EVP_DigestUpdate(m->mdc, inner, il) &&
           EVP_DigestFinal_ex(m->mdc, out, NULL);
}

tsc_result tsc_mac_compute(struct tsc_mac *m, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                           uint8_t *out)
{
    size_t ml = 0;
    int ok = m->ssl3 ? ssl3_mac(m, a, an, b, bn, out)
                     : EVP_MAC_init(m->hmac, NULL, 0, NULL) && EVP_MAC_update(m->hmac, a, an) &&
                           EVP_MAC_update(m->hmac, b, bn) && EVP_MAC_final(m->hmac, out, &ml, m->len);
    if (!ok) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "MAC computation failed");
    }
    return tsc_ok();
}

/* ------------------------------------------------------------ KDFs */

/* Run the KDF `name` of our library context with params into out. */
static tsc_result kdf_derive(const char *name, const OSSL_PARAM params[], uint8_t *out, size_t outlen,
                             const char *why)
{
    OSSL_LIB_CTX *lib = tsc_crypto_libctx(); /* fetches the KDFs once */
    EVP_KDF *cached = strcmp(name, "HKDF") == 0 ? g_hkdf : strcmp(name, "TLS1-PRF") == 0 ? g_prf : NULL;
    EVP_KDF *kdf = cached ? cached : EVP_KDF_fetch(lib, name, NULL);
    EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int ok = k && EVP_KDF_derive(k, out, outlen, params) > 0;
    EVP_KDF_CTX_free(k);
    if (!cached)
        EVP_KDF_free(kdf);
    ERR_clear_error();
    return ok ? tsc_ok() : TSC_ERR(TSC_OPENSSL, why);
}

tsc_result tsc_prf_tls(enum tsc_hash h, const uint8_t *secret, size_t slen, const char *label, const uint8_t *s1,
                       size_t n1, const uint8_t *s2, size_t n2, uint8_t *out, size_t outlen)
{
    uint8_t seed[160];
    size_t ll = strlen(label);
    const char *md = hash_name(h);
    if (!md)
        return TSC_ERR(TSC_INTERNAL, "no PRF hash");
    if (ll > sizeof seed || n1 > sizeof seed - ll || n2 > sizeof seed - ll - n1)
        return TSC_ERR(TSC_INTERNAL, "PRF seed too long");
    memcpy(seed, label, ll);
    if (n1)
        memcpy(seed + ll, s1, n1);
    if (n2)
        memcpy(seed + ll + n1, s2, n2);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, ll + n1 + n2),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("TLS1-PRF", params, out, outlen, "the TLS PRF failed");
}

tsc_result tsc_prf_ssl3(const uint8_t *secret, size_t slen, const uint8_t *s1, size_t n1, const uint8_t *s2,
                        size_t n2, uint8_t *out, size_t outlen)
{
    OSSL_LIB_CTX *lc = tsc_crypto_libctx();
    EVP_MD *md5 = EVP_MD_fetch(lc, "MD5", NULL), *sha1 = EVP_MD_fetch(lc, "SHA1", NULL);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    tsc_result r = tsc_ok();
    size_t done = 0;
    for (unsigned i = 0; done < outlen && md5 && sha1 && m; i++) {
        uint8_t label[26], h1[20], h2[16];
        if (i >= sizeof label) {
            r = TSC_ERR(TSC_INTERNAL, "SSL 3.0 key block too long");
            break;
        }
        memset(label, 'A' + (int)i, i + 1);
        if (!EVP_DigestInit_ex(m, sha1, NULL) || !EVP_DigestUpdate(m, label, i + 1) ||
            !EVP_DigestUpdate(m, secret, slen) || !EVP_DigestUpdate(m, s1, n1) || !EVP_DigestUpdate(m, s2, n2) ||
            !EVP_DigestFinal_ex(m, h1, NULL) || !EVP_DigestInit_ex(m, md5, NULL) ||
            !EVP_DigestUpdate(m, secret, slen) || !EVP_DigestUpdate(m, h1, 20) || !EVP_DigestFinal_ex(m, h2, NULL)) {
            r = TSC_ERR(TSC_OPENSSL, "SSL 3.0 key derivation failed");
            break;
        }
        size_t k = outlen - done < 16 ? outlen - done : 16;
        memcpy(out + done, h2, k);
        done += k;
    }
    if (tsc_is_ok(r) && done < outlen)
        r = TSC_ERR(TSC_OPENSSL, "SSL 3.0 key derivation failed");
    EVP_MD_CTX_free(m);
    EVP_MD_free(md5);
    EVP_MD_free(sha1);
    ERR_clear_error();
    return r;
}

tsc_result tsc_hkdf_extract(enum tsc_hash h, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                            size_t ikm_len, uint8_t *out)
{
    static const uint8_t zeros[64];
    const char *md = hash_name(h);
    if (!md || h == TSC_HASH_MD5_SHA1)
        return TSC_ERR(TSC_INTERNAL, "no HKDF hash");
    if (!salt_len) {
        salt = zeros;
        salt_len = hashes[h].len;
    }
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("HKDF", params, out, hashes[h].len, "HKDF-Extract failed");
}

tsc_result tsc_hkdf_expand_label(enum tsc_hash h, const uint8_t *secret, size_t slen, const char *prefix,
                                 const char *label, const uint8_t *context, size_t context_len, uint8_t *out,
                                 size_t outlen)
{
    /* struct {
     *     uint16 length = Length;
     *     opaque label<7..255> = prefix + Label;
     *     opaque context<0..255> = Context;
     * } HkdfLabel; */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t pl = strlen(prefix), ll = strlen(label), i = 0;
    const char *md = hash_name(h);
    if (!md || h == TSC_HASH_MD5_SHA1)
        return TSC_ERR(TSC_INTERNAL, "no HKDF hash");
    if (pl > 255 || ll > 255 - pl)
        return TSC_ERR(TSC_INTERNAL, "HKDF label too long");
    if (context_len > 255 || outlen > 0xffff)
        return TSC_ERR(TSC_INTERNAL, "HKDF context or output too long");
    info[i++] = (uint8_t)(outlen >> 8);
    info[i++] = (uint8_t)outlen;
    info[i++] = (uint8_t)(pl + ll);
    memcpy(info + i, prefix, pl);
    i += pl;
    memcpy(info + i, label, ll);
    i += ll;
    info[i++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + i, context, context_len);
    i += context_len;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, i),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("HKDF", params, out, outlen, "HKDF-Expand-Label failed");
}
