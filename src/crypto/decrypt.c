/*
 * decrypt.c - TLS key schedules and the TLS record format (decrypt.h): the
 * suite's row of the table (suites.h) says what protects a record; the
 * nonce, the additional data and the MAC input are built here and handed
 * to the primitives (primitives.h).
 */
#include "crypto/decrypt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <zlib.h>

#include "crypto/crypto_int.h"
#include "crypto/suites.h"

/* ------------------------------------------------------------ suites */

/* DTLS versions read as the TLS version they are made from: DTLS 1.0 is
 * TLS 1.1 (RFC 4347 1; OpenSSL's pre-standard 0x0100 too), DTLS 1.2 is TLS
 * 1.2 (RFC 6347 1), DTLS 1.3 is TLS 1.3 (RFC 9147 1). */
static uint16_t tls_equiv(uint16_t version)
{
    switch (version) {
    case 0xfeff:
    case 0x0100:
        return 0x0302;
    case 0xfefd:
        return 0x0303;
    case 0xfefc:
        return 0x0304;
    default:
        return version;
    }
}

static int is_dtls(uint16_t version) { return tls_equiv(version) != version; }

/* The row of a suite for TLS 1.0-1.2 or SSL 3.0 records of `version` (or
 * DTLS 1.0 and 1.2), or NULL and why not. */
static const struct tsc_suite_spec *tls12_spec(uint16_t version, uint16_t suite, const char **why)
{
    const struct tsc_suite_spec *s = tsc_suite_spec_find(suite);
    int dtls = is_dtls(version);
    version = tls_equiv(version);
    if (!s) {
        *why = "unknown cipher suite";
        return NULL;
    }
    if (s->tls13) {
        *why = "a TLS 1.3 suite in an older version";
        return NULL;
    }
    if (s->why) {
        *why = s->why;
        return NULL;
    }
    if (version < 0x0300 || version > 0x0303) {
        *why = "protocol version not supported";
        return NULL;
    }
    if (version == 0x0300 && s->prot == TSC_PROT_AEAD) {
        *why = "an AEAD suite in SSL 3.0";
        return NULL;
    }
    if (dtls && s->prot == TSC_PROT_STREAM) {
        /* a stream cipher's state runs over records that may be lost */
        *why = "stream ciphers (RC4) are not used in DTLS (RFC 4347 4.1.2.2)";
        return NULL;
    }
    return s;
}

/* The row of a TLS 1.3 suite that can be decrypted, or NULL. */
static const struct tsc_suite_spec *tls13_spec(uint16_t suite)
{
    const struct tsc_suite_spec *s = tsc_suite_spec_find(suite);
    return s && s->tls13 && !s->why ? s : NULL;
}

/* The PRF's hash: the suite's in TLS 1.2, MD5 and SHA-1 before. */
static enum tsc_hash prf_hash(uint16_t version, const struct tsc_suite_spec *s)
{
    return tls_equiv(version) < 0x0303 ? TSC_HASH_MD5_SHA1 : s->prf;
}

int tsc_decrypt_supported(uint16_t version, uint16_t suite, const char **why)
{
    const char *w = "TLS 1.3 cipher suite not supported";
    const struct tsc_suite_spec *s = tls_equiv(version) == 0x0304 ? tls13_spec(suite) : tls12_spec(version, suite, &w);
    int ok = s && tsc_cipher_available(s->cipher, &w);
    if (!ok && why)
        *why = w;
    return ok;
}

size_t tsc_tls13_hash_len(uint16_t suite)
{
    const struct tsc_suite_spec *s = tls13_spec(suite);
    return s ? tsc_hash_len(s->prf) : 0;
}

/* ------------------------------------------------------------ TLS <= 1.2 key schedule */

tsc_result tsc_master_secret(uint16_t version, uint16_t suite, const uint8_t *pms, size_t pms_len,
                             const uint8_t client_random[32], const uint8_t server_random[32],
                             const uint8_t *session_hash, size_t session_hash_len, uint8_t master[48])
{
    const char *why;
    const struct tsc_suite_spec *s = tls12_spec(version, suite, &why);
    if (!s)
        return TSC_ERR(TSC_MALFORMED, why);
    if (version == 0x0300)
        return tsc_prf_ssl3(pms, pms_len, client_random, 32, server_random, 32, master, 48);
    if (session_hash_len)
        return tsc_prf_tls(prf_hash(version, s), pms, pms_len, "extended master secret", session_hash,
                           session_hash_len, NULL, 0, master, 48);
    return tsc_prf_tls(prf_hash(version, s), pms, pms_len, "master secret", client_random, 32, server_random, 32,
                       master, 48);
}

tsc_result tsc_session_hash(uint16_t version, uint16_t suite, const uint8_t *p, size_t n, uint8_t out[64],
                            size_t *len)
{
    const char *why;
    const struct tsc_suite_spec *s = tls12_spec(version, suite, &why);
    if (!s)
        return TSC_ERR(TSC_MALFORMED, why);
    enum tsc_hash h = prf_hash(version, s); /* before TLS 1.2: MD5 || SHA-1 */
    if (!tsc_is_ok(tsc_hash_digest(h, p, n, out)))
        return TSC_ERR(TSC_OPENSSL, "session hash failed");
    *len = tsc_hash_len(h);
    return tsc_ok();
}

void tsc_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    if (!tsc_is_ok(tsc_hash_digest(TSC_HASH_SHA256, p, n, out)))
        memset(out, 0, 32);
}

/* ------------------------------------------------------------ TLS 1.3 key schedule */

const struct tsc_key_labels tsc_key_labels_tls13 = {"tls13 ", "key", "iv", NULL, "traffic upd"};
const struct tsc_key_labels tsc_key_labels_dtls13 = {"dtls13", "key", "iv", "sn", "traffic upd"};
const struct tsc_key_labels tsc_key_labels_quic = {"tls13 ", "quic key", "quic iv", "quic hp", "quic ku"};

static tsc_result traffic_keys(const struct tsc_suite_spec *s, const struct tsc_key_labels *l,
                               const uint8_t *secret, size_t secret_len, struct tsc_traffic_keys *k)
{
    memset(k, 0, sizeof *k);
    k->cipher = s->cipher;
    k->key_len = s->key_len;
    k->tag_len = s->tag_len;
    TSC_GUARD(tsc_hkdf_expand_label(s->prf, secret, secret_len, l->prefix, l->key, NULL, 0, k->key, k->key_len));
    TSC_GUARD(tsc_hkdf_expand_label(s->prf, secret, secret_len, l->prefix, l->iv, NULL, 0, k->iv, sizeof k->iv));
    if (l->hp)
        TSC_GUARD(tsc_hkdf_expand_label(s->prf, secret, secret_len, l->prefix, l->hp, NULL, 0, k->hp, k->key_len));
    return tsc_ok();
}

tsc_result tsc_traffic_keys_derive(uint16_t suite, const struct tsc_key_labels *labels, const uint8_t *secret,
                                   size_t secret_len, struct tsc_traffic_keys *out)
{
    const struct tsc_suite_spec *s = tls13_spec(suite);
    if (!s)
        return TSC_ERR(TSC_MALFORMED, "TLS 1.3 cipher suite not supported");
    if (secret_len != tsc_hash_len(s->prf))
        return TSC_ERR(TSC_MALFORMED, "the secret's length is not the cipher suite's hash length");
    tsc_result r = traffic_keys(s, labels, secret, secret_len, out);
    if (!tsc_is_ok(r))
        tsc_wipe(out, sizeof *out);
    return r;
}

tsc_result tsc_traffic_secret_next(uint16_t suite, const struct tsc_key_labels *labels, const uint8_t *secret,
                                   size_t secret_len, uint8_t *next)
{
    const struct tsc_suite_spec *s = tls13_spec(suite);
    if (!s)
        return TSC_ERR(TSC_MALFORMED, "TLS 1.3 cipher suite not supported");
    if (secret_len != tsc_hash_len(s->prf))
        return TSC_ERR(TSC_MALFORMED, "the secret's length is not the cipher suite's hash length");
    return tsc_hkdf_expand_label(s->prf, secret, secret_len, labels->prefix, labels->update, NULL, 0, next,
                                 secret_len);
}

/* ------------------------------------------------------------ record states */

#define TLS13_SECRET_MAX 48 /* SHA-384 */

struct tsc_rec_cipher {
    const struct tsc_suite_spec *spec;
    int tls13, ssl3, etm;
    int dtls;         /* DTLS 1.0/1.2: each record says its own epoch and sequence number */
    int dtls_bad;     /* OpenSSL's pre-standard DTLS 1.0 (0x0100) and its MAC */
    struct tsc_mask *sn; /* labels with an hp label: DTLS 1.3's record number key (QUIC's header protection) */
    size_t record_iv; /* IV or explicit nonce bytes that start each record */
    size_t block;     /* CBC */
    uint8_t iv[16];   /* AEAD: the fixed IV; CBC in SSL 3.0 and TLS 1.0: the last ciphertext block */
    struct tsc_aead *aead;
    struct tsc_cbc *cbc;
    struct tsc_stream *stream;
    struct tsc_mac *mac;
    uint64_t seq;
    /* TLS 1.3, for KeyUpdate */
    const struct tsc_key_labels *labels;
    uint8_t secret[TLS13_SECRET_MAX];
    size_t secret_len;
};

void tsc_rec_cipher_free(struct tsc_rec_cipher *c)
{
    if (!c)
        return;
    tsc_aead_free(c->aead);
    tsc_cbc_free(c->cbc);
    tsc_stream_free(c->stream);
    tsc_mac_free(c->mac);
    tsc_mask_free(c->sn);
    tsc_wipe(c, sizeof *c);
    free(c);
}

/* The cipher (and the MAC) of one direction of TLS <= 1.2. */
static tsc_result state12_keys(struct tsc_rec_cipher *c, const uint8_t *mac_key, const uint8_t *key)
{
    const struct tsc_suite_spec *s = c->spec;
    switch (s->prot) {
    case TSC_PROT_NULL:
        break;
    case TSC_PROT_STREAM:
        TSC_GUARD(tsc_stream_new(s->cipher, key, &c->stream));
        break;
    case TSC_PROT_CBC:
        TSC_GUARD(tsc_cbc_new(s->cipher, key, &c->cbc));
        break;
    case TSC_PROT_AEAD:
        TSC_GUARD(tsc_aead_new(s->cipher, s->tag_len, key, &c->aead));
        break;
    }
    if (s->mac == TSC_HASH_NONE)
        return tsc_ok();
    if (c->ssl3)
        return tsc_mac_new_ssl3(s->mac, mac_key, s->mac_len, &c->mac);
    return tsc_mac_new_hmac(s->mac, mac_key, s->mac_len, &c->mac);
}

tsc_result tsc_rec_cipher_tls12(uint16_t version, uint16_t suite, int encrypt_then_mac, const uint8_t master[48],
                                const uint8_t client_random[32], const uint8_t server_random[32],
                                struct tsc_rec_cipher *out[2])
{
    const char *why;
    const struct tsc_suite_spec *s;
    out[0] = out[1] = NULL;
    if (!tsc_decrypt_supported(version, suite, &why) || !(s = tls12_spec(version, suite, &why)))
        return TSC_ERR(TSC_MALFORMED, why);
    /* client_MAC server_MAC client_key server_key client_IV server_IV (RFC 5246 6.3) */
    uint8_t kb[2 * (48 + 32 + 16)];
    size_t need = 2 * ((size_t)s->mac_len + s->key_len + s->fixed_iv_len);
    if (need > sizeof kb)
        return TSC_ERR(TSC_INTERNAL, "key block too long");
    tsc_result r;
    if (version == 0x0300)
        r = tsc_prf_ssl3(master, 48, server_random, 32, client_random, 32, kb, need);
    else
        r = tsc_prf_tls(prf_hash(version, s), master, 48, "key expansion", server_random, 32, client_random, 32,
                        kb, need);
    for (int side = 0; side < 2 && tsc_is_ok(r); side++) {
        struct tsc_rec_cipher *c = calloc(1, sizeof *c);
        if (!c) {
            r = TSC_ERR(TSC_LIMIT, "out of memory");
            break;
        }
        out[side] = c;
        c->spec = s;
        c->ssl3 = version == 0x0300;
        c->dtls = is_dtls(version);
        c->dtls_bad = version == 0x0100;
        c->etm = encrypt_then_mac && s->prot == TSC_PROT_CBC;
        c->block = tsc_cipher_block_len(s->cipher);
        /* CBC's IV goes in each record from TLS 1.1 (RFC 4346 6.2.3.2) */
        c->record_iv = s->prot == TSC_PROT_AEAD || (s->prot == TSC_PROT_CBC && tls_equiv(version) >= 0x0302)
                           ? s->record_iv_len
                           : 0;
        const uint8_t *mac_key = kb + side * s->mac_len;
        const uint8_t *key = kb + 2 * s->mac_len + side * s->key_len;
        memcpy(c->iv, kb + 2 * (s->mac_len + s->key_len) + side * s->fixed_iv_len, s->fixed_iv_len);
        r = state12_keys(c, mac_key, key);
    }
    tsc_wipe(kb, sizeof kb);
    if (!tsc_is_ok(r)) {
        tsc_rec_cipher_free(out[0]);
        tsc_rec_cipher_free(out[1]);
        out[0] = out[1] = NULL;
    }
    return r;
}

/* Key and iv from the state's traffic secret; the sequence number starts at 0. */
static tsc_result state13_keys(struct tsc_rec_cipher *c)
{
    struct tsc_traffic_keys k;
    tsc_result r = traffic_keys(c->spec, c->labels, c->secret, c->secret_len, &k);
    if (tsc_is_ok(r))
        r = c->aead ? tsc_aead_rekey(c->aead, k.key) : tsc_aead_new(k.cipher, k.tag_len, k.key, &c->aead);
    if (tsc_is_ok(r) && c->labels->hp) {
        /* a KeyUpdate changes the record number key too (RFC 9147 4.2.3) */
        tsc_mask_free(c->sn);
        c->sn = NULL;
        r = tsc_mask_new(k.cipher, k.hp, &c->sn);
    }
    if (tsc_is_ok(r))
        memcpy(c->iv, k.iv, sizeof k.iv);
    tsc_wipe(&k, sizeof k);
    c->seq = 0;
    return r;
}

tsc_result tsc_rec_cipher_tls13_labels(uint16_t suite, const struct tsc_key_labels *labels, const uint8_t *secret,
                                       size_t secret_len, struct tsc_rec_cipher **out)
{
    *out = NULL;
    const struct tsc_suite_spec *s = tls13_spec(suite);
    if (!s)
        return TSC_ERR(TSC_MALFORMED, "TLS 1.3 cipher suite not supported");
    if (secret_len != tsc_hash_len(s->prf) || secret_len > TLS13_SECRET_MAX)
        return TSC_ERR(TSC_MALFORMED, "the key log's secret has the wrong length for this cipher suite");
    struct tsc_rec_cipher *c = calloc(1, sizeof *c);
    if (!c)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    c->spec = s;
    c->tls13 = 1;
    c->labels = labels;
    memcpy(c->secret, secret, secret_len);
    c->secret_len = secret_len;
    tsc_result r = state13_keys(c);
    if (!tsc_is_ok(r)) {
        tsc_rec_cipher_free(c);
        return r;
    }
    *out = c;
    return tsc_ok();
}

tsc_result tsc_rec_cipher_tls13(uint16_t suite, const uint8_t *secret, size_t secret_len,
                                struct tsc_rec_cipher **out)
{
    return tsc_rec_cipher_tls13_labels(suite, &tsc_key_labels_tls13, secret, secret_len, out);
}

tsc_result tsc_rec_cipher_update(struct tsc_rec_cipher *c)
{
    if (!c->tls13)
        return TSC_ERR(TSC_INTERNAL, "KeyUpdate outside TLS 1.3");
    uint8_t next[TLS13_SECRET_MAX];
    TSC_GUARD(tsc_hkdf_expand_label(c->spec->prf, c->secret, c->secret_len, c->labels->prefix, c->labels->update,
                                    NULL, 0, next, c->secret_len));
    memcpy(c->secret, next, c->secret_len);
    tsc_wipe(next, sizeof next);
    return state13_keys(c);
}

/* ------------------------------------------------------------ records */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* The per-record nonce of RFC 8446 5.3 and RFC 7905 2: the sequence number,
 * left-padded to 12 bytes, XOR the fixed IV. */
static void nonce_xor_seq(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
}

/* What a record's MAC and AEAD additional data say of it (TLS <= 1.2, DTLS 1.0/1.2). */
struct rec_meta {
    uint64_t seq;     /* TLS: the implicit counter; DTLS: epoch || sequence_number from the header */
    uint8_t type;
    uint16_t version;
    const struct tsc_dtls_hdr *cid; /* a DTLS 1.2 record with a connection ID (RFC 9146), else NULL */
};

/* placeholder, 3 type/length bytes, version, epoch || sequence_number, cid, length */
#define AD_MAX (8 + 3 + 2 + 8 + 255 + 2)

/* What the MAC and TLS 1.2's AEAD cover before the content, whose length
 * is `len`: seq_num || type || version || length (RFC 5246 6.2.3.1,
 * 6.2.3.3); in DTLS seq_num is the header's epoch || sequence_number (RFC
 * 6347 4.1.2.1); SSL 3.0's MAC has no version (RFC 6101 5.2.3.1); a DTLS
 * 1.2 record with a connection ID has seq_num_placeholder || tls12_cid ||
 * cid_length || tls12_cid || version || epoch || sequence_number || cid ||
 * length (RFC 9146 5). Returns the length. */
static size_t rec_ad(const struct tsc_rec_cipher *c, const struct rec_meta *m, size_t len, uint8_t h[AD_MAX])
{
    size_t i = 0;
    if (m->cid) {
        memset(h, 0xff, 8);
        i = 8;
        h[i++] = TSC_REC_TLS12_CID;
        h[i++] = m->cid->cid_len;
        h[i++] = TSC_REC_TLS12_CID;
        h[i++] = (uint8_t)(m->version >> 8);
        h[i++] = (uint8_t)m->version;
        put_u64(h + i, m->seq);
        i += 8;
        if (m->cid->cid_len)
            memcpy(h + i, m->cid->cid, m->cid->cid_len);
        i += m->cid->cid_len;
    } else {
        put_u64(h, m->seq);
        i = 8;
        h[i++] = m->type;
        if (!c->ssl3) {
            h[i++] = (uint8_t)(m->version >> 8);
            h[i++] = (uint8_t)m->version;
        }
    }
    h[i++] = (uint8_t)(len >> 8);
    h[i++] = (uint8_t)len;
    return i;
}

static tsc_result mac_check(struct tsc_rec_cipher *c, const struct rec_meta *m, const uint8_t *p, size_t n,
                            const uint8_t *expect)
{
    uint8_t h[AD_MAX], mac[48];
    size_t hl = rec_ad(c, m, n, h);
    TSC_GUARD(tsc_mac_compute(c->mac, h, hl, p, n, mac));
    if (memcmp(mac, expect, c->spec->mac_len) != 0)
        return TSC_MALFORMED_ERR("bad record MAC");
    return tsc_ok();
}

/* A CBC record's n bytes (IV included from TLS 1.1) into out[0..n): from
 * TLS 1.1 the first block is the IV and out's first block is left as it
 * was; in SSL 3.0 and TLS 1.0 the IV is the last block of the record
 * before, whether or not that one verified. */
static tsc_result cbc_open(struct tsc_rec_cipher *c, const uint8_t *in, size_t n, uint8_t *out)
{
    if (n % c->block)
        return TSC_MALFORMED_ERR("record length is not a multiple of the block size");
    if (c->record_iv)
        return tsc_cbc_decrypt(c->cbc, in, in + c->record_iv, n - c->record_iv, out + c->record_iv);
    TSC_GUARD(tsc_cbc_decrypt(c->cbc, c->iv, in, n, out));
    memcpy(c->iv, in + n - c->block, c->block);
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

static tsc_result open_cbc(struct tsc_rec_cipher *c, const struct rec_meta *m, const uint8_t *in, size_t n,
                           uint8_t *out, size_t *off, size_t *len)
{
    size_t ivb = c->record_iv, mac_len = c->spec->mac_len, content;
    if (c->etm) {
        /* RFC 7366: the MAC covers IV and ciphertext, and comes after them */
        if (n < mac_len + ivb + c->block)
            return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
        size_t enc = n - mac_len;
        tsc_result r = mac_check(c, m, in, enc, in + enc);
        TSC_GUARD(cbc_open(c, in, enc, out)); /* keeps TLS 1.0's CBC chain in step */
        TSC_GUARD(r);
        TSC_GUARD(cbc_unpad(c, out + ivb, enc - ivb, &content));
    } else {
        if (n < ivb + mac_len + 1 || n < ivb + c->block)
            return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
        TSC_GUARD(cbc_open(c, in, n, out));
        size_t body;
        TSC_GUARD(cbc_unpad(c, out + ivb, n - ivb, &body));
        if (body < mac_len)
            return TSC_MALFORMED_ERR("bad padding");
        content = body - mac_len;
        TSC_GUARD(mac_check(c, m, out + ivb, content, out + ivb + content));
    }
    *off = ivb;
    *len = content;
    return tsc_ok();
}

/* TLS 1.2 AEAD (RFC 5288 3, RFC 6655 3, RFC 7905 2): GCM and CCM send 8
 * bytes of the nonce first, ChaCha20-Poly1305 XORs the sequence number. */
static tsc_result open_aead12(struct tsc_rec_cipher *c, const struct rec_meta *m, const uint8_t *in, size_t n,
                              uint8_t *out, size_t *len)
{
    const struct tsc_suite_spec *s = c->spec;
    size_t riv = c->record_iv;
    if (n < riv + s->tag_len)
        return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
    uint8_t nonce[12], aad[AD_MAX];
    if (riv) {
        memcpy(nonce, c->iv, s->fixed_iv_len);
        memcpy(nonce + s->fixed_iv_len, in, riv);
    } else {
        nonce_xor_seq(nonce, c->iv, m->seq);
    }
    size_t ct = n - riv - s->tag_len;
    size_t al = rec_ad(c, m, ct, aad);
    TSC_GUARD(tsc_aead_open(c->aead, nonce, aad, al, in + riv, n - riv, out));
    *len = ct;
    return tsc_ok();
}

/* A record of TLS <= 1.2 or DTLS 1.0/1.2 (not TLS 1.3's format). */
static tsc_result open12(struct tsc_rec_cipher *c, const struct rec_meta *m, const uint8_t *in, size_t n,
                         uint8_t *out, size_t *off, size_t *len)
{
    switch (c->spec->prot) {
    case TSC_PROT_AEAD:
        return open_aead12(c, m, in, n, out, len);
    case TSC_PROT_NULL:
    case TSC_PROT_STREAM: {
        /* the key stream moves on over every byte, whatever follows */
        if (c->stream)
            TSC_GUARD(tsc_stream_xor(c->stream, in, n, out));
        else if (n)
            memcpy(out, in, n);
        if (n < c->spec->mac_len)
            return TSC_MALFORMED_ERR("record is shorter than its MAC");
        size_t content = n - c->spec->mac_len;
        TSC_GUARD(mac_check(c, m, out, content, out + content));
        *len = content;
        return tsc_ok();
    }
    case TSC_PROT_CBC:
        return open_cbc(c, m, in, n, out, off, len);
    }
    return TSC_ERR(TSC_INTERNAL, "unknown record protection");
}

/* The content type at the end of TLS 1.3's TLSInnerPlaintext, DTLS 1.3's
 * and RFC 9146's DTLSInnerPlaintext (content, type, zero padding) in
 * p[0..*len): *len becomes the content's length. */
static tsc_result inner_type(const uint8_t *p, size_t *len, uint8_t *inner)
{
    size_t i = *len;
    while (i > 0 && p[i - 1] == 0)
        i--;
    if (i == 0)
        return TSC_MALFORMED_ERR("no content type (the record is all padding)");
    *inner = p[i - 1];
    *len = i - 1;
    return tsc_ok();
}

tsc_result tsc_rec_open_tls13_at(struct tsc_rec_cipher *c, uint64_t seq, const uint8_t *aad, size_t aad_len,
                                 const uint8_t *in, size_t n, uint8_t *out, size_t *len, uint8_t *inner)
{
    *len = 0;
    if (!c->tls13)
        return TSC_ERR(TSC_INTERNAL, "not a TLS 1.3 record state");
    if (n < c->spec->tag_len + 1u)
        return TSC_MALFORMED_ERR("record is shorter than its cipher needs");
    uint8_t nonce[12];
    nonce_xor_seq(nonce, c->iv, seq);
    TSC_GUARD(tsc_aead_open(c->aead, nonce, aad, aad_len, in, n, out));
    size_t l = n - c->spec->tag_len;
    TSC_GUARD(inner_type(out, &l, inner));
    *len = l;
    return tsc_ok();
}

tsc_result tsc_rec_open(struct tsc_rec_cipher *c, uint8_t type, uint16_t version, const uint8_t *in, size_t n,
                        uint8_t *out, size_t *off, size_t *len, uint8_t *inner)
{
    uint64_t seq = c->seq++;
    *off = 0;
    *len = 0;
    *inner = type;
    if (n > 0xffff)
        return TSC_MALFORMED_ERR("record too long");
    if (c->tls13) {
        /* the record header as sent: opaque_type, legacy_record_version, length (RFC 8446 5.2) */
        uint8_t aad[5] = {type, (uint8_t)(version >> 8), (uint8_t)version, (uint8_t)(n >> 8), (uint8_t)n};
        return tsc_rec_open_tls13_at(c, seq, aad, sizeof aad, in, n, out, len, inner);
    }
    struct rec_meta m = {seq, type, version, NULL};
    return open12(c, &m, in, n, out, off, len);
}

/* ------------------------------------------------------------ DTLS records */

tsc_result tsc_rec_open_dtls(struct tsc_rec_cipher *c, const struct tsc_dtls_hdr *h, const uint8_t *in, size_t n,
                             uint8_t *out, size_t *off, size_t *len, uint8_t *inner)
{
    *off = 0;
    *len = 0;
    *inner = h->type;
    if (c->tls13 || !c->dtls)
        return TSC_ERR(TSC_INTERNAL, "not a DTLS 1.0/1.2 record state");
    if (n > 0xffff)
        return TSC_MALFORMED_ERR("record too long");
    int cid = h->type == TSC_REC_TLS12_CID;
    /* no implicit counter: the record's own epoch and sequence number (RFC 6347 4.1.2.1) */
    struct rec_meta m = {(uint64_t)h->epoch << 48 | (h->seq & 0xffffffffffffu), h->type, h->version,
                         cid ? h : NULL};
    if (c->dtls_bad) {
        /* OpenSSL before 0.9.8f MACs the sequence number without the epoch,
         * and TLS 1.0's version (its tls1_mac; Wireshark's snakeoil-dtls.pcap) */
        m.seq = h->seq & 0xffffffffffffu;
        m.version = 0x0301;
    }
    TSC_GUARD(open12(c, &m, in, n, out, off, len));
    if (!cid)
        return tsc_ok();
    /* the real type inside, then zero padding (RFC 9146 4) */
    return inner_type(out + *off, len, inner);
}

uint64_t tsc_dtls_seq_reconstruct(uint64_t expect, uint64_t low, unsigned bits)
{
    if (bits == 0 || bits >= 64)
        return low;
    uint64_t win = (uint64_t)1 << bits, hwin = win / 2, mask = win - 1;
    uint64_t cand = (expect & ~mask) | (low & mask);
    /* the candidate one window up or down when that is closer to what was expected */
    if (cand + hwin <= expect && cand <= UINT64_MAX - win)
        return cand + win;
    if (cand > expect + hwin && cand >= win)
        return cand - win;
    return cand;
}

uint64_t tsc_dtls13_epoch_reconstruct(uint64_t current, unsigned low)
{
    /* epochs 0 to 3 as they are until the handshake is over; then the
     * current one, the next (a KeyUpdate), or the two before it */
    uint64_t top = (current < 2 ? 2 : current) + 1;
    return top - ((top - (low & 3)) & 3);
}

/* 1 byte of flags, a connection ID, 2 bytes of sequence number, 2 of length */
#define DTLS13_HDR_MAX (1 + 255 + 2 + 2)

tsc_result tsc_rec_open_dtls13(struct tsc_rec_cipher *c, const uint8_t *hdr, size_t hdr_len, uint64_t expect,
                               const uint8_t *in, size_t n, uint8_t *out, size_t *len, uint8_t *inner,
                               uint64_t *seq)
{
    *len = 0;
    *seq = 0;
    if (!c->tls13 || !c->sn)
        return TSC_ERR(TSC_INTERNAL, "not a DTLS 1.3 record state");
    /* 0 0 1 C S L E E (RFC 9147 4) */
    if (hdr_len < 2 || hdr_len > DTLS13_HDR_MAX || (hdr[0] & 0xe0) != 0x20)
        return TSC_MALFORMED_ERR("not a DTLS 1.3 unified header");
    size_t sn_len = hdr[0] & 0x08 ? 2 : 1, len_len = hdr[0] & 0x04 ? 2 : 0;
    if (hdr_len < 1 + sn_len + len_len)
        return TSC_MALFORMED_ERR("unified header shorter than its flags say");
    if (n > 0xffff)
        return TSC_MALFORMED_ERR("record too long");
    /* the mask comes from the first 16 bytes of ciphertext (4.2.3) */
    if (n < 16)
        return TSC_MALFORMED_ERR("record shorter than the 16 bytes its record number mask is made from");
    uint8_t mask[16], aad[DTLS13_HDR_MAX];
    TSC_GUARD(tsc_mask_compute(c->sn, in, mask));
    /* the additional data is the header with the sequence number in the
     * clear (4: "prior to record number encryption"); the connection ID
     * sits between the flags and it */
    memcpy(aad, hdr, hdr_len);
    size_t at = hdr_len - len_len - sn_len;
    uint64_t low = 0;
    for (size_t i = 0; i < sn_len; i++) {
        aad[at + i] ^= mask[i];
        low = low << 8 | aad[at + i];
    }
    *seq = tsc_dtls_seq_reconstruct(expect, low, (unsigned)(8 * sn_len));
    return tsc_rec_open_tls13_at(c, *seq, aad, hdr_len, in, n, out, len, inner);
}

uint64_t tsc_rec_cipher_seq(const struct tsc_rec_cipher *c) { return c->seq; }

void tsc_rec_cipher_set_seq(struct tsc_rec_cipher *c, uint64_t seq) { c->seq = seq; }

int tsc_rec_cipher_resumable(const struct tsc_rec_cipher *c)
{
    enum tsc_prot p = c->spec->prot;
    return p == TSC_PROT_AEAD || p == TSC_PROT_NULL || (p == TSC_PROT_CBC && c->record_iv);
}

void tsc_rec_cipher_skip(struct tsc_rec_cipher *c, size_t n)
{
    c->seq++;
    /* AEAD nonces follow the sequence number; CBC recovers after one record */
    if (c->stream)
        (void)tsc_stream_skip(c->stream, n);
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
    while ((pk = PEM_read_bio_PrivateKey_ex(bio, NULL, NULL, NULL, tsc_crypto_libctx(), NULL)) != NULL) {
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
        pk = d2i_PrivateKey_ex_bio(bio, NULL, tsc_crypto_libctx(), NULL);
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
    /* SSL 3.0 and OpenSSL's pre-standard DTLS 1.0 send the encrypted
     * secret without its length */
    if (version != 0x0300 && version != 0x0100) {
        if (n < 2 || (((size_t)cke[0] << 8) | cke[1]) != n - 2)
            return 0;
        cke += 2;
        n -= 2;
    }
    if (n == 0)
        return 0;
    /* the pre-master secret starts with the client's version: 3 in SSL and
     * TLS, 0xfe in DTLS (0x01 in OpenSSL's pre-standard DTLS 1.0) */
    uint8_t major = is_dtls(version) ? (uint8_t)(version >> 8) : 0x03;
    for (int i = 0; i < keys->n; i++) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(tsc_crypto_libctx(), keys->key[i], NULL);
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
        ok = ok && EVP_PKEY_decrypt(pc, buf, &ol, cke, n) > 0 && ol == 48 && buf[0] == major;
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
