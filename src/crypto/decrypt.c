/*
 * decrypt.c - key schedules and record protection (decrypt.h), on OpenSSL 3.
 */
#include "crypto/decrypt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <zlib.h>

#include "registry/suite.h"

/* ------------------------------------------------------------ library */

static OSSL_LIB_CTX *g_libctx;
static int g_legacy;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void libctx_init(void)
{
    /* a context of our own: loading the legacy provider (RC4, DES, SEED,
     * IDEA) must not change what the rest of the process gets */
    g_libctx = OSSL_LIB_CTX_new();
    if (!g_libctx)
        return;
    if (!OSSL_PROVIDER_load(g_libctx, "default")) {
        OSSL_LIB_CTX_free(g_libctx);
        g_libctx = NULL;
        return;
    }
    g_legacy = OSSL_PROVIDER_load(g_libctx, "legacy") != NULL;
    ERR_clear_error();
}

static OSSL_LIB_CTX *libctx(void)
{
    pthread_once(&g_once, libctx_init);
    return g_libctx;
}

/* ------------------------------------------------------------ suites */

enum kind { K_NULL, K_STREAM, K_CBC, K_AEAD_EXPLICIT, K_AEAD_XOR };

struct spec {
    enum kind kind;
    char cipher[24];  /* OpenSSL cipher name, "" for NULL */
    size_t key_len;
    size_t iv_len;    /* key block IV (CBC: block; GCM/CCM: 4; ChaCha: 12) */
    size_t block;     /* CBC block size */
    size_t tag_len;   /* AEAD tag */
    int ccm;
    const char *mac;  /* HMAC digest, NULL for AEAD */
    size_t mac_len;
    const char *prf;  /* TLS 1.2 PRF digest / TLS 1.3 hash */
    int legacy;       /* needs the legacy provider */
};

static int tls13_spec(uint16_t suite, struct spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->kind = K_AEAD_XOR;
    sp->iv_len = 12;
    sp->tag_len = 16;
    sp->prf = "SHA256";
    switch (suite) {
    case 0x1301:
        snprintf(sp->cipher, sizeof sp->cipher, "AES-128-GCM");
        sp->key_len = 16;
        return 1;
    case 0x1302:
        snprintf(sp->cipher, sizeof sp->cipher, "AES-256-GCM");
        sp->key_len = 32;
        sp->prf = "SHA384";
        return 1;
    case 0x1303:
        snprintf(sp->cipher, sizeof sp->cipher, "ChaCha20-Poly1305");
        sp->key_len = 32;
        return 1;
    case 0x1304:
    case 0x1305:
        snprintf(sp->cipher, sizeof sp->cipher, "AES-128-CCM");
        sp->key_len = 16;
        sp->ccm = 1;
        sp->tag_len = suite == 0x1305 ? 8 : 16;
        return 1;
    default:
        return 0;
    }
}

static const char *mac_digest(const char *m, size_t *len)
{
    static const struct {
        const char *name;
        size_t len;
    } t[] = {{"SHA1", 20}, {"MD5", 16}, {"SHA256", 32}, {"SHA384", 48}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(m, t[i].name) == 0) {
            *len = t[i].len;
            return t[i].name;
        }
    return NULL;
}

/* Block ciphers of CBC suites: OpenSSL name (NULL: NAME-BITS-CBC), key and
 * block sizes, whether the legacy provider has them. */
static const struct cbc_cipher {
    const char *name, *evp;
    size_t key_len, block;
    int legacy;
} cbc_ciphers[] = {
    {"AES", NULL, 0, 16, 0},
    {"CAMELLIA", NULL, 0, 16, 0},
    {"ARIA", NULL, 0, 16, 0},
    {"3DES", "DES-EDE3-CBC", 24, 8, 0},
    {"DES", "DES-CBC", 8, 8, 1},
    {"SEED", "SEED-CBC", 16, 16, 1},
    {"IDEA", "IDEA-CBC", 16, 8, 1},
};

static int tls12_spec(uint16_t version, uint16_t suite, struct spec *sp, const char **why)
{
    struct tsc_suite_info si;
    memset(sp, 0, sizeof *sp);
    if (!tsc_suite_describe(suite, &si) || si.signalling || si.grease) {
        *why = "unknown cipher suite";
        return 0;
    }
    if (si.tls13) {
        *why = "a TLS 1.3 suite in an older version";
        return 0;
    }
    if (si.is_export) {
        *why = "export suites are not decrypted";
        return 0;
    }
    if (strcmp(si.protocol, "TLS") != 0 && strcmp(si.protocol, "SSL") != 0) {
        *why = "cipher suite family not supported";
        return 0;
    }
    unsigned bits = si.key_bits;
    if (si.aead) {
        sp->prf = strcmp(si.mac, "SHA384") == 0 ? "SHA384" : "SHA256";
        sp->tag_len = 16;
        if (strcmp(si.mode, "GCM") == 0 && (strcmp(si.cipher, "AES") == 0 || strcmp(si.cipher, "ARIA") == 0)) {
            snprintf(sp->cipher, sizeof sp->cipher, "%s-%u-GCM", si.cipher, bits);
            sp->kind = K_AEAD_EXPLICIT;
            sp->iv_len = 4;
        } else if ((strcmp(si.mode, "CCM") == 0 || strcmp(si.mode, "CCM_8") == 0) && strcmp(si.cipher, "AES") == 0) {
            snprintf(sp->cipher, sizeof sp->cipher, "AES-%u-CCM", bits);
            sp->kind = K_AEAD_EXPLICIT;
            sp->iv_len = 4;
            sp->ccm = 1;
            if (strcmp(si.mode, "CCM_8") == 0)
                sp->tag_len = 8;
        } else if (strcmp(si.cipher, "CHACHA20") == 0) {
            snprintf(sp->cipher, sizeof sp->cipher, "ChaCha20-Poly1305");
            sp->kind = K_AEAD_XOR;
            sp->iv_len = 12;
            bits = 256;
        } else {
            *why = "AEAD cipher not supported";
            return 0;
        }
        sp->key_len = bits / 8;
    } else {
        sp->mac = mac_digest(si.mac, &sp->mac_len);
        if (!sp->mac) {
            *why = "MAC algorithm not supported";
            return 0;
        }
        sp->prf = strcmp(si.mac, "SHA384") == 0 ? "SHA384" : "SHA256";
        if (strcmp(si.cipher, "NULL") == 0) {
            sp->kind = K_NULL;
        } else if (strcmp(si.cipher, "RC4") == 0 && bits == 128) {
            sp->kind = K_STREAM;
            snprintf(sp->cipher, sizeof sp->cipher, "RC4");
            sp->key_len = 16;
            sp->legacy = 1;
        } else if (strcmp(si.mode, "CBC") == 0) {
            const struct cbc_cipher *cc = NULL;
            for (size_t i = 0; i < sizeof cbc_ciphers / sizeof cbc_ciphers[0] && !cc; i++)
                if (strcmp(si.cipher, cbc_ciphers[i].name) == 0)
                    cc = &cbc_ciphers[i];
            if (!cc) {
                *why = "block cipher not supported";
                return 0;
            }
            sp->kind = K_CBC;
            sp->block = cc->block;
            sp->legacy = cc->legacy;
            sp->key_len = cc->evp ? cc->key_len : bits / 8;
            if (cc->evp)
                snprintf(sp->cipher, sizeof sp->cipher, "%s", cc->evp);
            else
                snprintf(sp->cipher, sizeof sp->cipher, "%s-%u-CBC", si.cipher, bits);
            sp->iv_len = sp->block;
        } else {
            *why = "cipher not supported";
            return 0;
        }
    }
    if (version < 0x0303)
        sp->prf = "MD5-SHA1";
    if (version < 0x0300 || version > 0x0303) {
        *why = "protocol version not supported";
        return 0;
    }
    if (version == 0x0300 && sp->kind != K_NULL && sp->kind != K_STREAM && sp->kind != K_CBC) {
        *why = "an AEAD suite in SSL 3.0";
        return 0;
    }
    return 1;
}

int tsc_decrypt_supported(uint16_t version, uint16_t suite, const char **why)
{
    struct spec sp;
    const char *w = "protocol version not supported";
    int ok;
    if (version == 0x0304)
        ok = tls13_spec(suite, &sp);
    else
        ok = tls12_spec(version, suite, &sp, &w);
    if (ok && sp.legacy && (libctx(), !g_legacy)) {
        w = "the cipher needs OpenSSL's legacy provider, which is not available";
        ok = 0;
    }
    if (ok && sp.cipher[0]) {
        /* built without it (IDEA, say), or a provider that lacks it */
        EVP_CIPHER *c = EVP_CIPHER_fetch(libctx(), sp.cipher, NULL);
        if (!c) {
            w = "the cipher is not available in this OpenSSL";
            ok = 0;
        }
        EVP_CIPHER_free(c);
        ERR_clear_error();
    }
    if (!ok && why)
        *why = version == 0x0304 && !sp.cipher[0] ? "TLS 1.3 cipher suite not supported" : w;
    return ok;
}

size_t tsc_tls13_hash_len(uint16_t suite)
{
    struct spec sp;
    if (!tls13_spec(suite, &sp))
        return 0;
    return strcmp(sp.prf, "SHA384") == 0 ? 48 : 32;
}

/* ------------------------------------------------------------ KDFs */

/* Run the KDF `name` of our library context with params into out. */
static tsc_result kdf_derive(const char *name, const OSSL_PARAM params[], uint8_t *out, size_t outlen,
                             const char *why)
{
    EVP_KDF *kdf = EVP_KDF_fetch(libctx(), name, NULL);
    EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int ok = k && EVP_KDF_derive(k, out, outlen, params) > 0;
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    ERR_clear_error();
    return ok ? tsc_ok() : TSC_ERR(TSC_OPENSSL, why);
}

static tsc_result tls_prf(const char *md, const uint8_t *secret, size_t slen, const char *label,
                          const uint8_t *s1, size_t n1, const uint8_t *s2, size_t n2, uint8_t *out, size_t outlen)
{
    uint8_t seed[160];
    size_t ll = strlen(label);
    if (ll + n1 + n2 > sizeof seed)
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

/* SSL 3.0: MD5(secret + SHA1("A" + secret + s1 + s2)) + MD5(secret + SHA1("BB" ...)) ... */
static tsc_result ssl3_prf(const uint8_t *secret, size_t slen, const uint8_t *s1, size_t n1, const uint8_t *s2,
                           size_t n2, uint8_t *out, size_t outlen)
{
    EVP_MD *md5 = EVP_MD_fetch(libctx(), "MD5", NULL), *sha1 = EVP_MD_fetch(libctx(), "SHA1", NULL);
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

/* HKDF-Expand-Label(secret, label, "", outlen) of RFC 8446 section 7.1 */
static tsc_result hkdf_expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label,
                                    uint8_t *out, size_t outlen)
{
    uint8_t info[2 + 1 + 255 + 1];
    size_t ll = strlen(label);
    if (6 + ll > 255)
        return TSC_ERR(TSC_INTERNAL, "HKDF label too long");
    info[0] = (uint8_t)(outlen >> 8);
    info[1] = (uint8_t)outlen;
    info[2] = (uint8_t)(6 + ll);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll);
    info[9 + ll] = 0; /* empty context */
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 10 + ll),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("HKDF", params, out, outlen, "HKDF-Expand-Label failed");
}

tsc_result tsc_master_secret(uint16_t version, uint16_t suite, const uint8_t *pms, size_t pms_len,
                             const uint8_t client_random[32], const uint8_t server_random[32],
                             const uint8_t *session_hash, size_t session_hash_len, uint8_t master[48])
{
    struct spec sp;
    const char *why;
    if (!tls12_spec(version, suite, &sp, &why))
        return TSC_ERR(TSC_MALFORMED, why);
    if (version == 0x0300)
        return ssl3_prf(pms, pms_len, client_random, 32, server_random, 32, master, 48);
    if (session_hash_len)
        return tls_prf(sp.prf, pms, pms_len, "extended master secret", session_hash, session_hash_len, NULL, 0,
                       master, 48);
    return tls_prf(sp.prf, pms, pms_len, "master secret", client_random, 32, server_random, 32, master, 48);
}

tsc_result tsc_session_hash(uint16_t version, uint16_t suite, const uint8_t *p, size_t n, uint8_t out[64],
                            size_t *len)
{
    struct spec sp;
    const char *why;
    if (!tls12_spec(version, suite, &sp, &why))
        return TSC_ERR(TSC_MALFORMED, why);
    if (version < 0x0303) {
        if (!EVP_Q_digest(libctx(), "MD5", NULL, p, n, out, NULL) ||
            !EVP_Q_digest(libctx(), "SHA1", NULL, p, n, out + 16, NULL))
            return TSC_ERR(TSC_OPENSSL, "session hash failed");
        *len = 36;
        return tsc_ok();
    }
    size_t l = 0;
    if (!EVP_Q_digest(libctx(), sp.prf, NULL, p, n, out, &l))
        return TSC_ERR(TSC_OPENSSL, "session hash failed");
    *len = l;
    return tsc_ok();
}

void tsc_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    if (!EVP_Q_digest(libctx(), "SHA256", NULL, p, n, out, NULL))
        memset(out, 0, 32);
}

/* ------------------------------------------------------------ record states */

struct tsc_rec_cipher {
    enum kind kind;
    int tls13, ssl3, etm, explicit_iv, ccm;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    size_t key_len, iv_len, block, tag_len, mac_len;
    uint8_t key[32], iv[16];
    uint8_t mac_key[48];
    EVP_MAC_CTX *hmac;
    EVP_MD *md;     /* SSL 3.0 MAC digest */
    EVP_MD_CTX *mdc;
    uint64_t seq;
    /* TLS 1.3, for KeyUpdate */
    uint16_t suite;
    const char *hash;
    uint8_t secret[48];
    size_t secret_len;
};

void tsc_rec_cipher_free(struct tsc_rec_cipher *c)
{
    if (!c)
        return;
    EVP_CIPHER_CTX_free(c->ctx);
    EVP_CIPHER_free(c->cipher);
    EVP_MAC_CTX_free(c->hmac);
    EVP_MD_CTX_free(c->mdc);
    EVP_MD_free(c->md);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
}

/* Cipher context with the key (and for CBC and stream ciphers the IV). */
static tsc_result cipher_setup(struct tsc_rec_cipher *c, const struct spec *sp)
{
    if (sp->kind == K_NULL)
        return tsc_ok();
    c->cipher = EVP_CIPHER_fetch(libctx(), sp->cipher, NULL);
    c->ctx = EVP_CIPHER_CTX_new();
    if (!c->cipher || !c->ctx) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, sp->legacy ? "cipher not available (OpenSSL's legacy provider is needed)"
                                               : "cipher not available in OpenSSL");
    }
    int ok;
    if (sp->kind == K_CBC || sp->kind == K_STREAM) {
        ok = EVP_DecryptInit_ex2(c->ctx, c->cipher, c->key, sp->kind == K_CBC ? c->iv : NULL, NULL) &&
             EVP_CIPHER_CTX_set_padding(c->ctx, 0);
    } else if (sp->ccm) {
        ok = 1; /* CCM is set up per record: the tag goes in before the key */
    } else {
        ok = EVP_DecryptInit_ex2(c->ctx, c->cipher, c->key, NULL, NULL);
    }
    ERR_clear_error();
    return ok ? tsc_ok() : TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
}

static tsc_result mac_setup(struct tsc_rec_cipher *c, const struct spec *sp)
{
    if (!sp->mac)
        return tsc_ok();
    if (c->ssl3) {
        c->md = EVP_MD_fetch(libctx(), sp->mac, NULL);
        c->mdc = EVP_MD_CTX_new();
        if (!c->md || !c->mdc) {
            ERR_clear_error();
            return TSC_ERR(TSC_OPENSSL, "MAC digest not available");
        }
        return tsc_ok();
    }
    EVP_MAC *mac = EVP_MAC_fetch(libctx(), "HMAC", NULL);
    c->hmac = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)sp->mac, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!c->hmac || !EVP_MAC_init(c->hmac, c->mac_key, c->mac_len, params)) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "HMAC set-up failed");
    }
    return tsc_ok();
}

tsc_result tsc_rec_cipher_tls12(uint16_t version, uint16_t suite, int encrypt_then_mac, const uint8_t master[48],
                                const uint8_t client_random[32], const uint8_t server_random[32],
                                struct tsc_rec_cipher *out[2])
{
    struct spec sp;
    const char *why;
    out[0] = out[1] = NULL;
    if (!tsc_decrypt_supported(version, suite, &why) || !tls12_spec(version, suite, &sp, &why))
        return TSC_ERR(TSC_MALFORMED, why);
    uint8_t kb[2 * (48 + 32 + 16)];
    size_t need = 2 * (sp.mac_len + sp.key_len + sp.iv_len);
    tsc_result r;
    if (version == 0x0300)
        r = ssl3_prf(master, 48, server_random, 32, client_random, 32, kb, need);
    else
        r = tls_prf(sp.prf, master, 48, "key expansion", server_random, 32, client_random, 32, kb, need);
    if (!tsc_is_ok(r))
        return r;
    for (int side = 0; side < 2 && tsc_is_ok(r); side++) {
        struct tsc_rec_cipher *c = calloc(1, sizeof *c);
        if (!c) {
            r = TSC_ERR(TSC_LIMIT, "out of memory");
            break;
        }
        out[side] = c;
        c->kind = sp.kind;
        c->ssl3 = version == 0x0300;
        c->etm = encrypt_then_mac && sp.kind == K_CBC;
        c->explicit_iv = sp.kind == K_CBC && version >= 0x0302;
        c->ccm = sp.ccm;
        c->key_len = sp.key_len;
        c->iv_len = sp.iv_len;
        c->block = sp.block;
        c->tag_len = sp.tag_len;
        c->mac_len = sp.mac_len;
        /* client_MAC server_MAC client_key server_key client_IV server_IV */
        memcpy(c->mac_key, kb + side * sp.mac_len, sp.mac_len);
        memcpy(c->key, kb + 2 * sp.mac_len + side * sp.key_len, sp.key_len);
        memcpy(c->iv, kb + 2 * (sp.mac_len + sp.key_len) + side * sp.iv_len, sp.iv_len);
        r = cipher_setup(c, &sp);
        if (tsc_is_ok(r))
            r = mac_setup(c, &sp);
    }
    OPENSSL_cleanse(kb, sizeof kb);
    if (!tsc_is_ok(r)) {
        tsc_rec_cipher_free(out[0]);
        tsc_rec_cipher_free(out[1]);
        out[0] = out[1] = NULL;
    }
    return r;
}

static tsc_result tls13_keys(struct tsc_rec_cipher *c, const struct spec *sp)
{
    TSC_GUARD(hkdf_expand_label(c->hash, c->secret, c->secret_len, "key", c->key, sp->key_len));
    TSC_GUARD(hkdf_expand_label(c->hash, c->secret, c->secret_len, "iv", c->iv, 12));
    c->seq = 0;
    if (c->ctx && !c->ccm) {
        if (!EVP_DecryptInit_ex2(c->ctx, NULL, c->key, NULL, NULL)) {
            ERR_clear_error();
            return TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
        }
    }
    return tsc_ok();
}

tsc_result tsc_rec_cipher_tls13(uint16_t suite, const uint8_t *secret, size_t secret_len,
                                struct tsc_rec_cipher **out)
{
    struct spec sp;
    *out = NULL;
    if (!tls13_spec(suite, &sp))
        return TSC_ERR(TSC_MALFORMED, "TLS 1.3 cipher suite not supported");
    size_t hl = strcmp(sp.prf, "SHA384") == 0 ? 48 : 32;
    if (secret_len != hl)
        return TSC_ERR(TSC_MALFORMED, "the key log's secret has the wrong length for this cipher suite");
    struct tsc_rec_cipher *c = calloc(1, sizeof *c);
    if (!c)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    c->kind = K_AEAD_XOR;
    c->tls13 = 1;
    c->ccm = sp.ccm;
    c->key_len = sp.key_len;
    c->iv_len = 12;
    c->tag_len = sp.tag_len;
    c->suite = suite;
    c->hash = sp.prf;
    memcpy(c->secret, secret, secret_len);
    c->secret_len = secret_len;
    tsc_result r = tsc_ok();
    if (tsc_is_ok(r = hkdf_expand_label(c->hash, c->secret, c->secret_len, "key", c->key, sp.key_len)) &&
        tsc_is_ok(r = cipher_setup(c, &sp)))
        r = tls13_keys(c, &sp);
    if (!tsc_is_ok(r)) {
        tsc_rec_cipher_free(c);
        return r;
    }
    *out = c;
    return tsc_ok();
}

tsc_result tsc_rec_cipher_update(struct tsc_rec_cipher *c)
{
    struct spec sp;
    if (!c->tls13 || !tls13_spec(c->suite, &sp))
        return TSC_ERR(TSC_INTERNAL, "KeyUpdate outside TLS 1.3");
    uint8_t next[48];
    TSC_GUARD(hkdf_expand_label(c->hash, c->secret, c->secret_len, "traffic upd", next, c->secret_len));
    memcpy(c->secret, next, c->secret_len);
    OPENSSL_cleanse(next, sizeof next);
    return tls13_keys(c, &sp);
}

/* ------------------------------------------------------------ records */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* seq_num, type, version, length: what the MAC and TLS 1.2's AEAD cover
 * (RFC 5246 6.2.3.1, 6.2.3.3); TLS 1.3's AAD is its last 5 bytes, the
 * record header (RFC 8446 5.2). */
static void put_pseudo_header(uint8_t h[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    put_u64(h, seq);
    h[8] = type;
    h[9] = (uint8_t)(version >> 8);
    h[10] = (uint8_t)version;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
}

/* AEAD open: nonce is 12 bytes. */
static tsc_result aead_open(struct tsc_rec_cipher *c, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                            const uint8_t *ct, size_t ct_len, const uint8_t *tag, uint8_t *out)
{
    int l = 0, l2 = 0, ok;
    if (c->ccm) {
        ok = EVP_DecryptInit_ex2(c->ctx, c->cipher, NULL, NULL, NULL) &&
             EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0 &&
             EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, (int)c->tag_len, (void *)tag) > 0 &&
             EVP_DecryptInit_ex2(c->ctx, NULL, c->key, nonce, NULL) &&
             EVP_DecryptUpdate(c->ctx, NULL, &l, NULL, (int)ct_len) &&
             EVP_DecryptUpdate(c->ctx, NULL, &l, aad, (int)aad_len);
        if (!ok) {
            ERR_clear_error();
            return TSC_ERR(TSC_OPENSSL, "cipher set-up failed");
        }
        ok = EVP_DecryptUpdate(c->ctx, out, &l, ct, (int)ct_len) > 0;
    } else {
        ok = EVP_DecryptInit_ex2(c->ctx, NULL, NULL, nonce, NULL) &&
             EVP_DecryptUpdate(c->ctx, NULL, &l, aad, (int)aad_len) &&
             EVP_DecryptUpdate(c->ctx, out, &l, ct, (int)ct_len);
        if (!ok) {
            ERR_clear_error();
            return TSC_ERR(TSC_OPENSSL, "cipher failed");
        }
        ok = EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, (int)c->tag_len, (void *)tag) > 0 &&
             EVP_DecryptFinal_ex(c->ctx, out + l, &l2) > 0;
    }
    if (!ok) {
        ERR_clear_error();
        return TSC_MALFORMED_ERR("authentication tag does not verify");
    }
    return tsc_ok();
}

/* The MAC of a record's content: HMAC (TLS) or SSL 3.0's construction. */
static int mac_compute(struct tsc_rec_cipher *c, uint64_t seq, uint8_t type, uint16_t version, const uint8_t *p,
                       size_t n, uint8_t *mac)
{
    uint8_t h[13];
    if (c->ssl3) {
        /* seq_num, type, length: no version */
        put_u64(h, seq);
        h[8] = type;
        h[9] = (uint8_t)(n >> 8);
        h[10] = (uint8_t)n;
        static const uint8_t pad1[48] = {0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
                                         0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
                                         0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36,
                                         0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36, 0x36};
        uint8_t pad2[48], inner[EVP_MAX_MD_SIZE];
        memset(pad2, 0x5c, sizeof pad2);
        size_t padn = c->mac_len == 16 ? 48 : 40;
        unsigned il = 0;
        return EVP_DigestInit_ex(c->mdc, c->md, NULL) && EVP_DigestUpdate(c->mdc, c->mac_key, c->mac_len) &&
               EVP_DigestUpdate(c->mdc, pad1, padn) && EVP_DigestUpdate(c->mdc, h, 11) &&
               EVP_DigestUpdate(c->mdc, p, n) && EVP_DigestFinal_ex(c->mdc, inner, &il) &&
               EVP_DigestInit_ex(c->mdc, c->md, NULL) && EVP_DigestUpdate(c->mdc, c->mac_key, c->mac_len) &&
               EVP_DigestUpdate(c->mdc, pad2, padn) && EVP_DigestUpdate(c->mdc, inner, il) &&
               EVP_DigestFinal_ex(c->mdc, mac, NULL);
    }
    put_pseudo_header(h, seq, type, version, n);
    size_t ml = 0;
    return EVP_MAC_init(c->hmac, NULL, 0, NULL) && EVP_MAC_update(c->hmac, h, 13) && EVP_MAC_update(c->hmac, p, n) &&
           EVP_MAC_final(c->hmac, mac, &ml, EVP_MAX_MD_SIZE);
}

static tsc_result mac_check(struct tsc_rec_cipher *c, uint64_t seq, uint8_t type, uint16_t version,
                            const uint8_t *p, size_t n, const uint8_t *expect)
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    if (!mac_compute(c, seq, type, version, p, n, mac)) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "MAC computation failed");
    }
    if (memcmp(mac, expect, c->mac_len) != 0)
        return TSC_MALFORMED_ERR("bad record MAC");
    return tsc_ok();
}

static tsc_result cbc_decrypt(struct tsc_rec_cipher *c, const uint8_t *in, size_t n, uint8_t *out)
{
    int l = 0;
    if (n % c->block)
        return TSC_MALFORMED_ERR("record length is not a multiple of the block size");
    /* one continuous CBC stream per direction: in TLS 1.0 the IV of a record
     * is the last block of the one before; from TLS 1.1 the first block is
     * the IV, whose own "plaintext" is dropped */
    if (n && (!EVP_DecryptUpdate(c->ctx, out, &l, in, (int)n) || (size_t)l != n)) {
        ERR_clear_error();
        return TSC_ERR(TSC_OPENSSL, "cipher failed");
    }
    return tsc_ok();
}

/* Padding of a decrypted CBC body p[0..n): the content length before it. */
static tsc_result cbc_unpad(const struct tsc_rec_cipher *c, const uint8_t *p, size_t n, size_t *content)
{
    if (n == 0)
        return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
    size_t pad = p[n - 1];
    if (pad + 1 > n)
        return TSC_MALFORMED_ERR("bad padding");
    if (c->ssl3) {
        if (pad >= c->block)
            return TSC_MALFORMED_ERR("bad padding");
    } else {
        for (size_t i = n - 1 - pad; i < n - 1; i++)
            if (p[i] != pad)
                return TSC_MALFORMED_ERR("bad padding");
    }
    *content = n - 1 - pad;
    return tsc_ok();
}

tsc_result tsc_rec_open(struct tsc_rec_cipher *c, uint8_t type, uint16_t version, const uint8_t *in, size_t n,
                        uint8_t *out, size_t *off, size_t *len, uint8_t *inner)
{
    uint64_t seq = c->seq++;
    uint8_t nonce[12], aad[13];
    *off = 0;
    *len = 0;
    *inner = type;
    if (n > 0xffff)
        return TSC_MALFORMED_ERR("record too long");
    switch (c->kind) {
    case K_AEAD_XOR: {
        if (n < c->tag_len + (c->tls13 ? 1u : 0u))
            return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
        memcpy(nonce, c->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
        size_t ct = n - c->tag_len;
        /* TLS 1.3: the record header as sent; 1.2: the plaintext's length */
        put_pseudo_header(aad, seq, type, version, c->tls13 ? n : ct);
        size_t aad_off = c->tls13 ? 8 : 0;
        TSC_GUARD(aead_open(c, nonce, aad + aad_off, sizeof aad - aad_off, in, ct, in + ct, out));
        if (c->tls13) {
            /* TLSInnerPlaintext: content, type, zero padding */
            size_t i = ct;
            while (i > 0 && out[i - 1] == 0)
                i--;
            if (i == 0)
                return TSC_MALFORMED_ERR("no content type (the record is all padding)");
            *inner = out[i - 1];
            *len = i - 1;
        } else {
            *len = ct;
        }
        return tsc_ok();
    }
    case K_AEAD_EXPLICIT: {
        if (n < 8 + c->tag_len)
            return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
        memcpy(nonce, c->iv, 4);
        memcpy(nonce + 4, in, 8);
        size_t ct = n - 8 - c->tag_len;
        put_pseudo_header(aad, seq, type, version, ct);
        TSC_GUARD(aead_open(c, nonce, aad, sizeof aad, in + 8, ct, in + 8 + ct, out));
        *len = ct;
        return tsc_ok();
    }
    case K_NULL:
    case K_STREAM: {
        if (c->kind == K_STREAM) {
            /* the key stream moves on over every byte, whatever follows */
            int l = 0;
            if (n && (!EVP_DecryptUpdate(c->ctx, out, &l, in, (int)n) || (size_t)l != n)) {
                ERR_clear_error();
                return TSC_ERR(TSC_OPENSSL, "cipher failed");
            }
        } else if (n) {
            memcpy(out, in, n);
        }
        if (n < c->mac_len)
            return TSC_MALFORMED_ERR("record is shorter than its MAC");
        size_t content = n - c->mac_len;
        TSC_GUARD(mac_check(c, seq, type, version, out, content, out + content));
        *len = content;
        return tsc_ok();
    }
    case K_CBC: {
        size_t ivb = c->explicit_iv ? c->block : 0;
        if (c->etm) {
            if (n < c->mac_len + ivb + c->block)
                return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
            size_t enc = n - c->mac_len;
            tsc_result m = mac_check(c, seq, type, version, in, enc, in + enc);
            TSC_GUARD(cbc_decrypt(c, in, enc, out)); /* keeps the CBC chain in step */
            TSC_GUARD(m);
            size_t content;
            TSC_GUARD(cbc_unpad(c, out + ivb, enc - ivb, &content));
            *off = ivb;
            *len = content;
            return tsc_ok();
        }
        if (n < ivb + c->mac_len + 1 || n < ivb + c->block)
            return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
        TSC_GUARD(cbc_decrypt(c, in, n, out));
        size_t body;
        TSC_GUARD(cbc_unpad(c, out + ivb, n - ivb, &body));
        if (body < c->mac_len)
            return TSC_MALFORMED_ERR("bad padding");
        size_t content = body - c->mac_len;
        TSC_GUARD(mac_check(c, seq, type, version, out + ivb, content, out + ivb + content));
        *off = ivb;
        *len = content;
        return tsc_ok();
    }
    }
    return TSC_ERR(TSC_INTERNAL, "unknown record protection");
}

uint64_t tsc_rec_cipher_seq(const struct tsc_rec_cipher *c) { return c->seq; }

void tsc_rec_cipher_set_seq(struct tsc_rec_cipher *c, uint64_t seq) { c->seq = seq; }

int tsc_rec_cipher_resumable(const struct tsc_rec_cipher *c)
{
    return c->kind == K_AEAD_XOR || c->kind == K_AEAD_EXPLICIT || c->kind == K_NULL ||
           (c->kind == K_CBC && c->explicit_iv);
}

void tsc_rec_cipher_skip(struct tsc_rec_cipher *c, size_t n)
{
    c->seq++;
    if (c->kind != K_STREAM)
        return; /* AEAD nonces follow the sequence number; CBC recovers after one record */
    uint8_t zero[1024], junk[1024];
    memset(zero, 0, sizeof zero);
    while (n) {
        int l = 0;
        size_t k = n < sizeof zero ? n : sizeof zero;
        if (!EVP_DecryptUpdate(c->ctx, junk, &l, zero, (int)k)) {
            ERR_clear_error();
            return;
        }
        n -= k;
    }
}

/* ------------------------------------------------------------ compression */

struct tsc_inflate {
    z_stream zs;
};

struct tsc_inflate *tsc_inflate_new(void)
{
    struct tsc_inflate *z = calloc(1, sizeof *z);
    if (z && inflateInit(&z->zs) != Z_OK) {
        free(z);
        return NULL;
    }
    return z;
}

void tsc_inflate_free(struct tsc_inflate *z)
{
    if (!z)
        return;
    inflateEnd(&z->zs);
    free(z);
}

tsc_result tsc_inflate_record(struct tsc_inflate *z, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                              size_t *out_len)
{
    *out_len = 0;
    if (n == 0)
        return tsc_ok();
    z->zs.next_in = (Bytef *)(uintptr_t)in;
    z->zs.avail_in = (uInt)n;
    z->zs.next_out = out;
    z->zs.avail_out = (uInt)cap;
    int rc = inflate(&z->zs, Z_SYNC_FLUSH);
    *out_len = cap - z->zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return TSC_MALFORMED_ERR("compressed record does not decompress (DEFLATE)");
    if (z->zs.avail_in || z->zs.avail_out == 0) /* a full buffer may hide more output */
        return TSC_MALFORMED_ERR("compressed record expands past the record size limit");
    return tsc_ok();
}

/* ------------------------------------------------------------ RSA */

#define MAX_RSA_KEYS 16

struct tsc_rsa_keys {
    EVP_PKEY *key[MAX_RSA_KEYS];
    int n;
};

tsc_result tsc_rsa_keys_load(struct tsc_rsa_keys **keys, const char *path)
{
    if (!*keys) {
        *keys = calloc(1, sizeof **keys);
        if (!*keys)
            return TSC_ERR(TSC_LIMIT, "out of memory");
    }
    struct tsc_rsa_keys *k = *keys;
    BIO *bio = BIO_new_file(path, "rb");
    if (!bio) {
        ERR_clear_error();
        return TSC_ERR(TSC_MALFORMED, "cannot open the file");
    }
    int found = 0, not_rsa = 0;
    EVP_PKEY *pk;
    while ((pk = PEM_read_bio_PrivateKey_ex(bio, NULL, NULL, NULL, libctx(), NULL)) != NULL) {
        if (!EVP_PKEY_is_a(pk, "RSA") || k->n >= MAX_RSA_KEYS) {
            not_rsa += !EVP_PKEY_is_a(pk, "RSA");
            EVP_PKEY_free(pk);
            continue;
        }
        k->key[k->n++] = pk;
        found++;
    }
    ERR_clear_error();
    if (!found && !not_rsa) {
        /* DER */
        (void)BIO_reset(bio);
        pk = d2i_PrivateKey_ex_bio(bio, NULL, libctx(), NULL);
        if (pk && EVP_PKEY_is_a(pk, "RSA") && k->n < MAX_RSA_KEYS) {
            k->key[k->n++] = pk;
            found++;
        } else {
            not_rsa += pk != NULL;
            EVP_PKEY_free(pk);
        }
        ERR_clear_error();
    }
    BIO_free(bio);
    if (!found)
        return TSC_ERR(TSC_MALFORMED, not_rsa ? "not an RSA private key (static key exchange needs RSA)"
                                              : "no private key in the file (PEM or DER, unencrypted)");
    return tsc_ok();
}

void tsc_rsa_keys_free(struct tsc_rsa_keys *keys)
{
    if (!keys)
        return;
    for (int i = 0; i < keys->n; i++)
        EVP_PKEY_free(keys->key[i]);
    free(keys);
}

int tsc_rsa_decrypt_pms(const struct tsc_rsa_keys *keys, uint16_t version, const uint8_t *cke, size_t n,
                        uint8_t pms[48])
{
    if (!keys)
        return 0;
    if (version != 0x0300) {
        if (n < 2 || (((size_t)cke[0] << 8) | cke[1]) != n - 2)
            return 0;
        cke += 2;
        n -= 2;
    }
    if (n == 0)
        return 0;
    for (int i = 0; i < keys->n; i++) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(libctx(), keys->key[i], NULL);
        uint8_t buf[1024];
        size_t ol = sizeof buf;
        unsigned int no = 0;
        /* OpenSSL 3.2 and later answer a bad padding with a random secret
         * ("implicit rejection"); a passive reader must see the failure to
         * try the next key (unknown to older versions: ignored there) */
        OSSL_PARAM ir[] = {OSSL_PARAM_construct_uint("implicit-rejection", &no), OSSL_PARAM_construct_end()};
        int ok = pc && EVP_PKEY_decrypt_init(pc) > 0 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 &&
                 (size_t)EVP_PKEY_get_size(keys->key[i]) <= sizeof buf;
        if (ok)
            (void)EVP_PKEY_CTX_set_params(pc, ir);
        ok = ok && EVP_PKEY_decrypt(pc, buf, &ol, cke, n) > 0 && ol == 48 && buf[0] == 0x03;
        EVP_PKEY_CTX_free(pc);
        ERR_clear_error();
        if (ok) {
            memcpy(pms, buf, 48);
            OPENSSL_cleanse(buf, sizeof buf);
            return 1;
        }
    }
    return 0;
}
