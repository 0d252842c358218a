/*
 * test_decrypt.c - key schedules and record protection (crypto/decrypt.c).
 *
 * Known answers come from outside this code: RFC 8448 section 3 (the
 * server's first encrypted handshake record of the simple 1-RTT handshake,
 * opened from the server handshake traffic secret), the published TLS 1.2
 * PRF vector (which checks this file's own PRF helper), and records this
 * file seals itself with OpenSSL's EVP ciphers, MACs and KDFs from keys it
 * derives itself. decrypt.c must open what a real sender would write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <zlib.h>

#include "core/text.h"
#include "crypto/decrypt.h"
#include "crypto/primitives.h"
#include "crypto/suites.h"
#include "registry/suite.h"
#include "temp_file.h"
#include "hex_vectors.h"
#include "tls_builders.h"
#include "tls_seal.h"

/* ------------------------------------------------------------ helpers */

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 31u + (i >> 3));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* A library context with the legacy provider, for RC4 (the test's own). */
static OSSL_LIB_CTX *g_legacy_ctx;
static OSSL_PROVIDER *g_prov[2];

static OSSL_LIB_CTX *legacy_ctx(void)
{
    if (!g_legacy_ctx) {
        g_legacy_ctx = OSSL_LIB_CTX_new();
        assert_non_null(g_legacy_ctx);
        g_prov[0] = OSSL_PROVIDER_load(g_legacy_ctx, "default");
        g_prov[1] = OSSL_PROVIDER_load(g_legacy_ctx, "legacy");
        assert_non_null(g_prov[0]);
        assert_non_null(g_prov[1]);
    }
    return g_legacy_ctx;
}

static void legacy_ctx_free(void)
{
    for (int i = 0; i < 2; i++)
        if (g_prov[i])
            OSSL_PROVIDER_unload(g_prov[i]);
    OSSL_LIB_CTX_free(g_legacy_ctx);
}


static size_t hmac(const char *md, const uint8_t *key, size_t klen, const uint8_t *p, size_t n, uint8_t *out)
{
    size_t ol = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_end(),
    };
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, NULL, params, key, klen, p, n, out, EVP_MAX_MD_SIZE, &ol));
    return ol;
}

/* The 13 bytes before a TLS MAC or AEAD: seq, type, version, length. */
static void pseudo_header(uint8_t h[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    put_u64(h, seq);
    h[8] = type;
    h[9] = (uint8_t)(version >> 8);
    h[10] = (uint8_t)version;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
}

/* Open a record into a buffer of exactly n bytes; the result. */
static tsc_result open_rec(struct tsc_rec_cipher *c, uint8_t type, uint16_t version, const uint8_t *in, size_t n,
                           uint8_t **plain, size_t *len, uint8_t *inner)
{
    uint8_t *out = malloc(n ? n : 1);
    assert_non_null(out);
    size_t off = 99, l = 99;
    *inner = 0;
    tsc_result r = tsc_rec_open(c, type, version, in, n, out, &off, &l, inner);
    if (tsc_is_ok(r)) {
        assert_true(off <= n && l <= n - off);
        *plain = malloc(l ? l : 1);
        assert_non_null(*plain);
        memcpy(*plain, out + off, l);
        *len = l;
    } else {
        *plain = NULL;
        *len = 0;
    }
    free(out);
    return r;
}

/* Open and compare with the expected plaintext and inner type. */
static void open_expect(struct tsc_rec_cipher *c, uint8_t type, uint16_t version, const uint8_t *in, size_t n,
                        const uint8_t *want, size_t want_len, uint8_t want_inner)
{
    uint8_t *plain, inner;
    size_t len;
    ASSERT_OK(open_rec(c, type, version, in, n, &plain, &len, &inner));
    assert_int_equal(len, want_len);
    if (want_len)
        assert_memory_equal(plain, want, want_len);
    assert_int_equal(inner, want_inner);
    free(plain);
}

/* Open and expect MALFORMED/decode_error with exactly this reason. */
static void open_refused(struct tsc_rec_cipher *c, uint8_t type, uint16_t version, const uint8_t *in, size_t n,
                         const char *why)
{
    uint8_t *plain, inner;
    size_t len;
    tsc_result r = open_rec(c, type, version, in, n, &plain, &len, &inner);
    ASSERT_DECODE_ERROR(r);
    assert_string_equal(r.why, why);
}

/* ------------------------------------------------------------ TLS 1.3 */

/* RFC 8448 section 3, {server} derive write traffic keys for handshake data */
static const char rfc8448_s_hs_secret[] =
    "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";
static const char rfc8448_key[] = "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
static const char rfc8448_iv[] = "5d 31 3e b2 67 12 76 ee 13 00 0b 30";

/* RFC 8448 section 3, {server} send handshake record: complete record */
static const char rfc8448_record[] =
    "17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e df"
    "78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca 07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11"
    "b4 29 ba 91 91 cd 05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b d9 ae fb"
    "0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09"
    "ae e6 e1 22 a4 cf 51 42 73 25 25 0c 7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd"
    "0c ba e8 bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92 8d 80 98 10 e4 b7"
    "ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed"
    "d8 04 4b 4c 6d e3 fc f2 a8 94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea"
    "52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f 44 15 cf 95 38 d5 1a 20 0c"
    "27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66"
    "d9 02 f4 f2 92 a3 6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1 00 d7 d9"
    "61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e 1b 7a 6c 71 78 af 36 87 90 18 e3 f2"
    "52 10 7f 24 3d 24 3d c7 33 9d 56 84 c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b"
    "48 05 2c f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f c5 08 00 be cc a6"
    "2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be 5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69"
    "18 a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb"
    "56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14 63"
    "6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38 eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31"
    "7f c9 fa 66 a7 3f 60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78 40 16 e4"
    "b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17"
    "19 bf da bf 02 53 fe 51 75 be 89 8e 75 0e dc 53 37 0d 2b";

/* RFC 8448 section 3: the plaintext starts with EncryptedExtensions ... */
static const char rfc8448_ee[] =
    "08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02 40"
    "01 00 00 00 00";
/* ... and ends with the server Finished */
static const char rfc8448_finished[] =
    "14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18";

static void test_rfc8448_key_schedule_helper(void **state)
{
    (void)state;
    /* the test's own HKDF-Expand-Label gives the RFC's key and iv */
    uint8_t secret[32], key[16], iv[12], want[16];
    assert_int_equal(unhex(rfc8448_s_hs_secret, secret, sizeof secret), 32);
    expand_label("SHA256", secret, 32, "key", key, 16);
    expand_label("SHA256", secret, 32, "iv", iv, 12);
    assert_int_equal(unhex(rfc8448_key, want, sizeof want), 16);
    assert_memory_equal(key, want, 16);
    assert_int_equal(unhex(rfc8448_iv, want, sizeof want), 12);
    assert_memory_equal(iv, want, 12);
}

static void test_rfc8448_server_handshake_record(void **state)
{
    (void)state;
    uint8_t secret[32], rec[700], ee[64], fin[36];
    assert_int_equal(unhex(rfc8448_s_hs_secret, secret, sizeof secret), 32);
    size_t n = unhex(rfc8448_record, rec, sizeof rec);
    assert_int_equal(n, 5 + 0x2a2);
    assert_int_equal(unhex(rfc8448_ee, ee, sizeof ee), 40);
    assert_int_equal(unhex(rfc8448_finished, fin, sizeof fin), 36);

    struct tsc_rec_cipher *c;
    ASSERT_OK(tsc_rec_cipher_tls13(0x1301, secret, 32, &c));
    assert_non_null(c);
    uint8_t *plain, inner;
    size_t len;
    ASSERT_OK(open_rec(c, rec[0], (uint16_t)(rec[1] << 8 | rec[2]), rec + 5, n - 5, &plain, &len, &inner));
    /* EncryptedExtensions (40) + Certificate (445) + CertificateVerify (136)
     * + Finished (36); the inner content type is handshake */
    assert_int_equal(len, 657);
    assert_int_equal(inner, TSC_REC_HANDSHAKE);
    assert_memory_equal(plain, ee, 40);
    assert_memory_equal(plain + 40, "\x0b\x00\x01\xb9", 4);
    assert_memory_equal(plain + 485, "\x0f\x00\x00\x84", 4);
    assert_memory_equal(plain + len - 36, fin, 36);
    free(plain);
    /* the same record again is sequence number 1: it does not verify */
    open_refused(c, 0x17, 0x0303, rec + 5, n - 5, "authentication tag does not verify");
    tsc_rec_cipher_free(c);

    /* each byte of the body flipped in turn (tag, ciphertext) is refused */
    static const size_t flip[] = {0, 1, 300, 656, 657, 660, 0x2a2 - 1};
    for (size_t i = 0; i < sizeof flip / sizeof flip[0]; i++) {
        ASSERT_OK(tsc_rec_cipher_tls13(0x1301, secret, 32, &c));
        rec[5 + flip[i]] ^= 0x01;
        open_refused(c, 0x17, 0x0303, rec + 5, n - 5, "authentication tag does not verify");
        rec[5 + flip[i]] ^= 0x01;
        tsc_rec_cipher_free(c);
    }
    /* the header is authenticated too */
    ASSERT_OK(tsc_rec_cipher_tls13(0x1301, secret, 32, &c));
    open_refused(c, 0x17, 0x0301, rec + 5, n - 5, "authentication tag does not verify");
    tsc_rec_cipher_free(c);
    ASSERT_OK(tsc_rec_cipher_tls13(0x1301, secret, 32, &c));
    open_refused(c, 0x16, 0x0303, rec + 5, n - 5, "authentication tag does not verify");
    tsc_rec_cipher_free(c);
    /* a one-bit different secret derives another key */
    secret[0] ^= 0x80;
    ASSERT_OK(tsc_rec_cipher_tls13(0x1301, secret, 32, &c));
    open_refused(c, 0x17, 0x0303, rec + 5, n - 5, "authentication tag does not verify");
    tsc_rec_cipher_free(c);
}

static void test_tls13_every_suite(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof tls13_suites / sizeof tls13_suites[0]; k++) {
        const struct tls13_suite *s = &tls13_suites[k];
        print_message("suite 0x%04x\n", s->suite);
        assert_int_equal(tsc_tls13_hash_len(s->suite), s->hash_len);
        uint8_t secret[48], content[600], body[2048];
        fill(secret, sizeof secret, (uint8_t)(k + 1));
        fill(content, sizeof content, 0x40);
        struct tsc_rec_cipher *c;
        ASSERT_OK(tsc_rec_cipher_tls13(s->suite, secret, s->hash_len, &c));
        /* several records in order: sizes, padding, inner types */
        uint64_t seq = 0;
        static const struct {
            size_t n, pad;
            uint8_t inner;
        } recs[] = {{100, 0, 22}, {0, 0, 21}, {599, 10, 23}, {1, 300, 23}, {2, 0, 21}};
        for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
            size_t n = seal13(s, secret, seq++, recs[i].inner, content, recs[i].n, recs[i].pad, body);
            open_expect(c, 0x17, 0x0303, body, n, content, recs[i].n, recs[i].inner);
        }
        /* the next one with its tag flipped, then one after it still opens */
        size_t n = seal13(s, secret, seq++, 23, content, 50, 0, body);
        body[n - 1] ^= 0x20;
        open_refused(c, 0x17, 0x0303, body, n, "authentication tag does not verify");
        n = seal13(s, secret, seq++, 23, content, 60, 0, body);
        open_expect(c, 0x17, 0x0303, body, n, content, 60, 23);
        /* a lost record: skip it */
        n = seal13(s, secret, seq++, 23, content, 70, 0, body);
        tsc_rec_cipher_skip(c, n);
        n = seal13(s, secret, seq++, 23, content, 80, 0, body);
        open_expect(c, 0x17, 0x0303, body, n, content, 80, 23);
        /* all padding, no content type */
        n = seal13(s, secret, seq++, 0, content, 0, 5, body);
        open_refused(c, 0x17, 0x0303, body, n, "no content type (the record is all padding)");
        /* shorter than tag + type byte */
        open_refused(c, 0x17, 0x0303, body, s->tag_len, "record is shorter than its cipher needs");
        open_refused(c, 0x17, 0x0303, body, 0, "record is shorter than its cipher needs");
        tsc_rec_cipher_free(c);

        /* sequence numbers: record 1 opens only after record 0 */
        uint8_t b0[256], b1[256];
        size_t n0 = seal13(s, secret, 0, 23, content, 20, 0, b0);
        size_t n1 = seal13(s, secret, 1, 23, content + 20, 30, 0, b1);
        ASSERT_OK(tsc_rec_cipher_tls13(s->suite, secret, s->hash_len, &c));
        open_refused(c, 0x17, 0x0303, b1, n1, "authentication tag does not verify");
        tsc_rec_cipher_free(c);
        ASSERT_OK(tsc_rec_cipher_tls13(s->suite, secret, s->hash_len, &c));
        open_expect(c, 0x17, 0x0303, b0, n0, content, 20, 23);
        open_expect(c, 0x17, 0x0303, b1, n1, content + 20, 30, 23);
        tsc_rec_cipher_free(c);
    }
}

static void test_tls13_key_update(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof tls13_suites / sizeof tls13_suites[0]; k++) {
        const struct tls13_suite *s = &tls13_suites[k];
        uint8_t secret[48], next[48], next2[48], content[100], body[256];
        fill(secret, sizeof secret, (uint8_t)(0x90 + k));
        fill(content, sizeof content, 0x11);
        /* application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length) */
        expand_label(s->md, secret, s->hash_len, "traffic upd", next, s->hash_len);
        expand_label(s->md, next, s->hash_len, "traffic upd", next2, s->hash_len);
        struct tsc_rec_cipher *c;
        ASSERT_OK(tsc_rec_cipher_tls13(s->suite, secret, s->hash_len, &c));
        size_t n = seal13(s, secret, 0, 23, content, 10, 0, body);
        open_expect(c, 0x17, 0x0303, body, n, content, 10, 23);
        n = seal13(s, secret, 1, 22, content, 20, 0, body); /* the KeyUpdate itself */
        open_expect(c, 0x17, 0x0303, body, n, content, 20, 22);
        ASSERT_OK(tsc_rec_cipher_update(c));
        /* the sequence number starts again at 0 under the new key */
        n = seal13(s, secret, 2, 23, content, 30, 0, body);
        open_refused(c, 0x17, 0x0303, body, n, "authentication tag does not verify");
        tsc_rec_cipher_free(c);

        ASSERT_OK(tsc_rec_cipher_tls13(s->suite, secret, s->hash_len, &c));
        ASSERT_OK(tsc_rec_cipher_update(c));
        n = seal13(s, next, 0, 23, content, 30, 0, body);
        open_expect(c, 0x17, 0x0303, body, n, content, 30, 23);
        n = seal13(s, next, 1, 23, content, 40, 3, body);
        open_expect(c, 0x17, 0x0303, body, n, content, 40, 23);
        ASSERT_OK(tsc_rec_cipher_update(c));
        n = seal13(s, next2, 0, 23, content, 50, 0, body);
        open_expect(c, 0x17, 0x0303, body, n, content, 50, 23);
        tsc_rec_cipher_free(c);
    }
}

static void test_tls13_bad_setup(void **state)
{
    (void)state;
    uint8_t secret[48] = {0};
    struct tsc_rec_cipher *c = (struct tsc_rec_cipher *)1;
    /* set-up refusals are MALFORMED without an alert (no peer sent them) */
    tsc_result r = tsc_rec_cipher_tls13(0x1301, secret, 48, &c); /* SHA-256 suite, 48 bytes */
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "the key log's secret has the wrong length for this cipher suite");
    assert_null(c);
    r = tsc_rec_cipher_tls13(0x1302, secret, 32, &c); /* SHA-384 suite, 32 bytes */
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "the key log's secret has the wrong length for this cipher suite");
    assert_null(c);
    r = tsc_rec_cipher_tls13(0x1306, secret, 32, &c);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "TLS 1.3 cipher suite not supported");
    assert_null(c);
    r = tsc_rec_cipher_tls13(0xc02f, secret, 32, &c);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_null(c);
    assert_int_equal(tsc_tls13_hash_len(0x1306), 0);
    assert_int_equal(tsc_tls13_hash_len(0xc02f), 0);
    tsc_rec_cipher_free(NULL);
}

/* ------------------------------------------------------------ TLS 1.2 */

static void test_prf_helper_vector(void **state)
{
    (void)state;
    /* the TLS 1.2 PRF (SHA-256) test vector posted to the IETF TLS list */
    uint8_t secret[16], seed[16], out[100], want[16];
    unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35", secret, sizeof secret);
    unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c", seed, sizeof seed);
    unhex("e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53", want, sizeof want);
    prf("SHA256", secret, 16, "test label", seed, 16, NULL, 0, out, sizeof out);
    assert_memory_equal(out, want, 16);
}

static uint8_t g_pms[48], g_master[48], g_cr[32], g_sr[32];

static void fixed_inputs(void)
{
    fill(g_pms, 48, 0x03);
    g_pms[0] = 0x03;
    g_pms[1] = 0x03;
    fill(g_master, 48, 0x77);
    fill(g_cr, 32, 0xc1);
    fill(g_sr, 32, 0x51);
}

static void test_master_secret(void **state)
{
    (void)state;
    fixed_inputs();
    static const struct {
        uint16_t version, suite;
        const char *md;
    } t[] = {
        {0x0303, 0xc02f, "SHA256"},   {0x0303, 0x002f, "SHA256"}, {0x0303, 0xc030, "SHA384"},
        {0x0303, 0x009d, "SHA384"},   {0x0303, 0xcca8, "SHA256"}, {0x0302, 0xc013, "MD5-SHA1"},
        {0x0301, 0x0005, "MD5-SHA1"}, {0x0301, 0xc030, "MD5-SHA1"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t got[48], want[48];
        ASSERT_OK(tsc_master_secret(t[i].version, t[i].suite, g_pms, 48, g_cr, g_sr, NULL, 0, got));
        prf(t[i].md, g_pms, 48, "master secret", g_cr, 32, g_sr, 32, want, 48);
        assert_memory_equal(got, want, 48);
        /* extended master secret over a session hash */
        uint8_t hash[64];
        size_t hl = strcmp(t[i].md, "SHA384") == 0 ? 48 : strcmp(t[i].md, "SHA256") == 0 ? 32 : 36;
        fill(hash, hl, 0x33);
        ASSERT_OK(tsc_master_secret(t[i].version, t[i].suite, g_pms, 48, g_cr, g_sr, hash, hl, got));
        prf(t[i].md, g_pms, 48, "extended master secret", hash, hl, NULL, 0, want, 48);
        assert_memory_equal(got, want, 48);
    }
    uint8_t m[48];
    tsc_result r = tsc_master_secret(0x0303, 0x0003, g_pms, 48, g_cr, g_sr, NULL, 0, m);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "export suites are not decrypted");
    r = tsc_master_secret(0x0303, 0x1301, g_pms, 48, g_cr, g_sr, NULL, 0, m);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "a TLS 1.3 suite in an older version");
}

static void test_session_hash(void **state)
{
    (void)state;
    uint8_t msgs[1000], out[64], want[64];
    size_t len = 0, wl = 0;
    fill(msgs, sizeof msgs, 0x5a);
    ASSERT_OK(tsc_session_hash(0x0303, 0xc02f, msgs, sizeof msgs, out, &len));
    assert_int_equal(EVP_Q_digest(NULL, "SHA256", NULL, msgs, sizeof msgs, want, &wl), 1);
    assert_int_equal(len, 32);
    assert_memory_equal(out, want, 32);
    ASSERT_OK(tsc_session_hash(0x0303, 0xc030, msgs, sizeof msgs, out, &len));
    assert_int_equal(EVP_Q_digest(NULL, "SHA384", NULL, msgs, sizeof msgs, want, &wl), 1);
    assert_int_equal(len, 48);
    assert_memory_equal(out, want, 48);
    ASSERT_OK(tsc_session_hash(0x0301, 0xc013, msgs, sizeof msgs, out, &len));
    assert_int_equal(EVP_Q_digest(NULL, "MD5", NULL, msgs, sizeof msgs, want, &wl), 1);
    assert_int_equal(EVP_Q_digest(NULL, "SHA1", NULL, msgs, sizeof msgs, want + 16, &wl), 1);
    assert_int_equal(len, 36);
    assert_memory_equal(out, want, 36);
    uint8_t h[32];
    tsc_sha256(msgs, sizeof msgs, h);
    assert_int_equal(EVP_Q_digest(NULL, "SHA256", NULL, msgs, sizeof msgs, want, &wl), 1);
    assert_memory_equal(h, want, 32);
}

/* The key block split as RFC 5246 6.3 lays it out. */
struct keys12 {
    uint8_t mac[2][48], key[2][32], iv[2][16];
};

static void key_block(const char *md, size_t mac_len, size_t key_len, size_t iv_len, struct keys12 *k)
{
    uint8_t kb[192];
    size_t need = 2 * (mac_len + key_len + iv_len), at = 0;
    assert_true(need <= sizeof kb);
    prf(md, g_master, 48, "key expansion", g_sr, 32, g_cr, 32, kb, need);
    memset(k, 0, sizeof *k);
    for (int s = 0; s < 2; s++, at += mac_len)
        memcpy(k->mac[s], kb + at, mac_len);
    for (int s = 0; s < 2; s++, at += key_len)
        memcpy(k->key[s], kb + at, key_len);
    for (int s = 0; s < 2; s++, at += iv_len)
        memcpy(k->iv[s], kb + at, iv_len);
}

static void states12(uint16_t version, uint16_t suite, int etm, struct tsc_rec_cipher *c[2])
{
    ASSERT_OK(tsc_rec_cipher_tls12(version, suite, etm, g_master, g_cr, g_sr, c));
    assert_non_null(c[0]);
    assert_non_null(c[1]);
}

static void free2(struct tsc_rec_cipher *c[2])
{
    tsc_rec_cipher_free(c[0]);
    tsc_rec_cipher_free(c[1]);
}

/* AES-GCM / AES-CCM (TLS 1.2): explicit nonce || ct || tag. */
static size_t seal_explicit(const char *cipher, int ccm, size_t tag_len, const struct keys12 *k, int side,
                            uint64_t seq, uint8_t type, uint16_t version, const uint8_t *pt, size_t n, uint8_t *body)
{
    uint8_t nonce[12], aad[13];
    memcpy(nonce, k->iv[side], 4);
    put_u64(nonce + 4, seq ^ 0x0102030405060708u); /* any explicit part will do */
    memcpy(body, nonce + 4, 8);
    pseudo_header(aad, seq, type, version, n);
    aead_seal(cipher, ccm, tag_len, k->key[side], nonce, aad, 13, pt, n, body + 8);
    return 8 + n + tag_len;
}

/* ChaCha20-Poly1305 (RFC 7905): nonce = iv XOR seq, ct || tag. */
static size_t seal_chacha(const struct keys12 *k, int side, uint64_t seq, uint8_t type, uint16_t version,
                          const uint8_t *pt, size_t n, uint8_t *body)
{
    uint8_t nonce[12], aad[13];
    memcpy(nonce, k->iv[side], 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    pseudo_header(aad, seq, type, version, n);
    aead_seal("ChaCha20-Poly1305", 0, 16, k->key[side], nonce, aad, 13, pt, n, body);
    return n + 16;
}

/* What can go wrong on purpose in a CBC record. */
enum cbc_fault { CBC_OK, CBC_BAD_MAC, CBC_BAD_PAD_BYTE, CBC_PAD_TOO_LONG };

/* CBC with HMAC, explicit IV (TLS 1.1+) or the chained IV `chain` (TLS
 * 1.0, updated to the last ciphertext block). MAC-then-encrypt, or with
 * `etm` encrypt-then-MAC (RFC 7366). `padlen` is the padding length byte. */
static size_t seal_cbc(const char *cipher, size_t block, const char *md, size_t mac_len, const struct keys12 *k,
                       int side, int etm, uint8_t *chain, uint64_t seq, uint8_t type, uint16_t version,
                       const uint8_t *pt, size_t n, size_t padlen, enum cbc_fault fault, uint8_t *body)
{
    uint8_t buf[4096], h[13], mac[EVP_MAX_MD_SIZE], iv[16];
    size_t ivb = chain ? 0 : block, len = 0;
    if (chain) {
        memcpy(iv, chain, block);
    } else {
        fill(iv, block, (uint8_t)(seq * 3 + 0x21)); /* the explicit IV, sent first */
        memcpy(body, iv, block);
    }
    if (!etm) {
        memcpy(buf, pt, n);
        len = n;
        pseudo_header(h, seq, type, version, n);
        uint8_t macin[4096];
        memcpy(macin, h, 13);
        memcpy(macin + 13, pt, n);
        assert_int_equal(hmac(md, k->mac[side], mac_len, macin, 13 + n, mac), mac_len);
        if (fault == CBC_BAD_MAC)
            mac[mac_len / 2] ^= 0x04;
        memcpy(buf + len, mac, mac_len);
        len += mac_len;
    } else {
        memcpy(buf, pt, n);
        len = n;
    }
    assert_true((len + 1 + padlen) % block == 0);
    memset(buf + len, (int)padlen, padlen + 1);
    if (fault == CBC_BAD_PAD_BYTE)
        buf[len] ^= 0x01; /* the first padding byte */
    if (fault == CBC_PAD_TOO_LONG)
        buf[len + padlen] = 0xff; /* claims more padding than there is */
    len += padlen + 1;
    cbc_encrypt(cipher, k->key[side], iv, buf, len, body + ivb);
    if (chain)
        memcpy(chain, body + ivb + len - block, block);
    len += ivb;
    if (etm) {
        /* MAC(seq, type, version, length of IV + ciphertext, IV + ciphertext) */
        uint8_t macin[4200];
        pseudo_header(h, seq, type, version, len);
        memcpy(macin, h, 13);
        memcpy(macin + 13, body, len);
        assert_int_equal(hmac(md, k->mac[side], mac_len, macin, 13 + len, mac), mac_len);
        if (fault == CBC_BAD_MAC)
            mac[0] ^= 0x80;
        memcpy(body + len, mac, mac_len);
        len += mac_len;
    }
    return len;
}

static void test_tls12_gcm(void **state)
{
    (void)state;
    fixed_inputs();
    static const struct {
        uint16_t suite;
        const char *md, *cipher;
        size_t key_len;
    } t[] = {
        {0xc02f, "SHA256", "AES-128-GCM", 16},
        {0x009c, "SHA256", "AES-128-GCM", 16},
        {0xc030, "SHA384", "AES-256-GCM", 32},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct keys12 k;
        key_block(t[i].md, 0, t[i].key_len, 4, &k);
        struct tsc_rec_cipher *c[2];
        states12(0x0303, t[i].suite, 0, c);
        uint8_t pt[1500], body[1600];
        fill(pt, sizeof pt, 0x20);
        for (int side = 0; side < 2; side++) {
            /* a Finished, then application data, then an empty record */
            size_t n = seal_explicit(t[i].cipher, 0, 16, &k, side, 0, 22, 0x0303, pt, 16, body);
            open_expect(c[side], 22, 0x0303, body, n, pt, 16, 22);
            n = seal_explicit(t[i].cipher, 0, 16, &k, side, 1, 23, 0x0303, pt, 1500, body);
            open_expect(c[side], 23, 0x0303, body, n, pt, 1500, 23);
            n = seal_explicit(t[i].cipher, 0, 16, &k, side, 2, 23, 0x0303, pt, 0, body);
            open_expect(c[side], 23, 0x0303, body, n, pt, 0, 23);
            /* flipped tag */
            n = seal_explicit(t[i].cipher, 0, 16, &k, side, 3, 23, 0x0303, pt, 100, body);
            body[n - 3] ^= 0x10;
            open_refused(c[side], 23, 0x0303, body, n, "authentication tag does not verify");
            /* the state moved on: record 4 opens */
            n = seal_explicit(t[i].cipher, 0, 16, &k, side, 4, 21, 0x0303, pt, 2, body);
            open_expect(c[side], 21, 0x0303, body, n, pt, 2, 21);
            /* shorter than explicit nonce + tag */
            open_refused(c[side], 23, 0x0303, body, 8 + 15, "record is shorter than its cipher needs");
            open_refused(c[side], 23, 0x0303, body, 3, "record is shorter than its cipher needs");
        }
        /* the wrong direction's state does not open it */
        uint8_t *plain, inner;
        size_t len;
        size_t n = seal_explicit(t[i].cipher, 0, 16, &k, 0, 7, 23, 0x0303, pt, 10, body);
        tsc_result r = open_rec(c[1], 23, 0x0303, body, n, &plain, &len, &inner);
        ASSERT_DECODE_ERROR(r);
        free2(c);

        /* sequence numbers: the second record only after the first (or a skip) */
        size_t n0, n1;
        uint8_t b0[200], b1[200];
        n0 = seal_explicit(t[i].cipher, 0, 16, &k, 0, 0, 23, 0x0303, pt, 30, b0);
        n1 = seal_explicit(t[i].cipher, 0, 16, &k, 0, 1, 23, 0x0303, pt + 30, 40, b1);
        states12(0x0303, t[i].suite, 0, c);
        open_refused(c[0], 23, 0x0303, b1, n1, "authentication tag does not verify");
        free2(c);
        states12(0x0303, t[i].suite, 0, c);
        open_expect(c[0], 23, 0x0303, b0, n0, pt, 30, 23);
        open_expect(c[0], 23, 0x0303, b1, n1, pt + 30, 40, 23);
        free2(c);
        states12(0x0303, t[i].suite, 0, c);
        tsc_rec_cipher_skip(c[0], n0);
        open_expect(c[0], 23, 0x0303, b1, n1, pt + 30, 40, 23);
        free2(c);
    }
}

static void test_tls12_ccm(void **state)
{
    (void)state;
    fixed_inputs();
    static const struct {
        uint16_t suite;
        size_t tag_len;
    } t[] = {{0xc09c, 16}, {0xc0ac, 16}, {0xc0a0, 8}, {0xc0ae, 8}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct keys12 k;
        key_block("SHA256", 0, 16, 4, &k);
        struct tsc_rec_cipher *c[2];
        states12(0x0303, t[i].suite, 0, c);
        uint8_t pt[600], body[700];
        fill(pt, sizeof pt, 0x61);
        for (int side = 0; side < 2; side++) {
            size_t n = seal_explicit("AES-128-CCM", 1, t[i].tag_len, &k, side, 0, 22, 0x0303, pt, 16, body);
            open_expect(c[side], 22, 0x0303, body, n, pt, 16, 22);
            n = seal_explicit("AES-128-CCM", 1, t[i].tag_len, &k, side, 1, 23, 0x0303, pt, 600, body);
            open_expect(c[side], 23, 0x0303, body, n, pt, 600, 23);
            n = seal_explicit("AES-128-CCM", 1, t[i].tag_len, &k, side, 2, 23, 0x0303, pt, 33, body);
            body[n - 1] ^= 1;
            open_refused(c[side], 23, 0x0303, body, n, "authentication tag does not verify");
            n = seal_explicit("AES-128-CCM", 1, t[i].tag_len, &k, side, 3, 23, 0x0303, pt, 34, body);
            body[9] ^= 1; /* ciphertext */
            open_refused(c[side], 23, 0x0303, body, n, "authentication tag does not verify");
            n = seal_explicit("AES-128-CCM", 1, t[i].tag_len, &k, side, 4, 23, 0x0303, pt, 35, body);
            open_expect(c[side], 23, 0x0303, body, n, pt, 35, 23);
            n = seal_explicit("AES-128-CCM", 1, t[i].tag_len, &k, side, 5, 23, 0x0303, pt, 0, body);
            open_expect(c[side], 23, 0x0303, body, n, pt, 0, 23); /* an empty record */
            open_refused(c[side], 23, 0x0303, body, 8 + t[i].tag_len - 1, "record is shorter than its cipher needs");
        }
        free2(c);
    }
}

static void test_tls12_chacha(void **state)
{
    (void)state;
    fixed_inputs();
    struct keys12 k;
    key_block("SHA256", 0, 32, 12, &k);
    struct tsc_rec_cipher *c[2];
    states12(0x0303, 0xcca8, 0, c);
    uint8_t pt[2000], body[2100];
    fill(pt, sizeof pt, 0x7e);
    for (int side = 0; side < 2; side++) {
        size_t n = seal_chacha(&k, side, 0, 22, 0x0303, pt, 16, body);
        open_expect(c[side], 22, 0x0303, body, n, pt, 16, 22);
        n = seal_chacha(&k, side, 1, 23, 0x0303, pt, 2000, body);
        open_expect(c[side], 23, 0x0303, body, n, pt, 2000, 23);
        n = seal_chacha(&k, side, 2, 23, 0x0303, pt, 0, body);
        open_expect(c[side], 23, 0x0303, body, n, pt, 0, 23);
        n = seal_chacha(&k, side, 3, 23, 0x0303, pt, 64, body);
        body[n - 16] ^= 0x01;
        open_refused(c[side], 23, 0x0303, body, n, "authentication tag does not verify");
        tsc_rec_cipher_skip(c[side], 99);
        n = seal_chacha(&k, side, 5, 23, 0x0303, pt, 65, body);
        open_expect(c[side], 23, 0x0303, body, n, pt, 65, 23);
        open_refused(c[side], 23, 0x0303, body, 15, "record is shorter than its cipher needs");
    }
    free2(c);
}

static void test_tls12_cbc_sha1(void **state)
{
    (void)state;
    fixed_inputs();
    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA and TLS_RSA_WITH_3DES_EDE_CBC_SHA in
     * TLS 1.2 (and 1.1): explicit IV, MAC-then-encrypt, and encrypt-then-MAC */
    static const struct {
        uint16_t version, suite;
        const char *cipher;
        size_t key_len, block;
    } t[] = {
        {0x0303, 0xc013, "AES-128-CBC", 16, 16},
        {0x0302, 0xc013, "AES-128-CBC", 16, 16},
        {0x0303, 0x000a, "DES-EDE3-CBC", 24, 8},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *md = t[i].version == 0x0303 ? "SHA256" : "MD5-SHA1";
        size_t b = t[i].block;
        struct keys12 k;
        key_block(md, 20, t[i].key_len, b, &k);
        for (int etm = 0; etm < 2; etm++) {
            print_message("suite 0x%04x version 0x%04x etm %d\n", t[i].suite, t[i].version, etm);
            struct tsc_rec_cipher *c[2];
            states12(t[i].version, t[i].suite, etm, c);
            uint8_t pt[1200], body[1400];
            fill(pt, sizeof pt, 0x30);
            uint16_t v = t[i].version;
            for (int side = 0; side < 2; side++) {
                uint64_t seq = 0;
                /* content + MAC (+ padding) to a whole number of blocks, with
                 * minimal and with long padding */
                size_t pad0 = etm ? b - 1 - (16 % b) : b - 1 - ((16 + 20) % b);
                size_t n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 22, v, pt, 16, pad0,
                                    CBC_OK, body);
                open_expect(c[side], 22, v, body, n, pt, 16, 22);
                size_t pad1 = (etm ? b - 1 - (1000 % b) : b - 1 - ((1000 + 20) % b)) + 8 * b;
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 1000, pad1, CBC_OK,
                             body);
                open_expect(c[side], 23, v, body, n, pt, 1000, 23);
                size_t pad2 = etm ? b - 1 : b - 1 - (20 % b); /* empty content */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 0, pad2, CBC_OK,
                             body);
                open_expect(c[side], 23, v, body, n, pt, 0, 23);
                /* a bad MAC */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 16, pad0,
                             CBC_BAD_MAC, body);
                open_refused(c[side], 23, v, body, n, "bad record MAC");
                /* bad padding bytes */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 16, pad0 + b,
                             CBC_BAD_PAD_BYTE, body);
                open_refused(c[side], 23, v, body, n, "bad padding");
                /* a padding length longer than the record */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 16, pad0,
                             CBC_PAD_TOO_LONG, body);
                open_refused(c[side], 23, v, body, n, "bad padding");
                /* the state moved on past the refused ones */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 21, v, pt, 2,
                             etm ? b - 3 : b - 1 - (22 % b), CBC_OK, body);
                open_expect(c[side], 21, v, body, n, pt, 2, 21);
                /* a flipped byte of the ciphertext's last block breaks the padding or the MAC */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 16, pad0, CBC_OK,
                             body);
                body[etm ? n - 21 : n - 1] ^= 0x01;
                uint8_t *plain, inner;
                size_t len;
                tsc_result r = open_rec(c[side], 23, v, body, n, &plain, &len, &inner);
                ASSERT_DECODE_ERROR(r);
                if (etm)
                    assert_string_equal(r.why, "bad record MAC");
                /* not a multiple of the block size */
                n = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, side, etm, NULL, seq++, 23, v, pt, 16, pad0, CBC_OK,
                             body);
                open_refused(c[side], 23, v, body, n - 1, "record length is not a multiple of the block size");
                /* too short for IV + one block (+ MAC) */
                open_refused(c[side], 23, v, body, b, "record is shorter than its cipher needs");
                open_refused(c[side], 23, v, body, 0, "record is shorter than its cipher needs");
            }
            free2(c);

            /* sequence numbers (the MAC covers them): record 1 opens only
             * after record 0 was opened or skipped */
            uint8_t b0[200], b1[200];
            size_t pad0 = etm ? b - 1 - (16 % b) : b - 1 - ((16 + 20) % b);
            size_t n0 = seal_cbc(t[i].cipher, b, "SHA1", 20, &k, 0, etm, NULL, 0, 23, v, pt, 16, pad0, CBC_OK, b0);
            size_t n1 =
                seal_cbc(t[i].cipher, b, "SHA1", 20, &k, 0, etm, NULL, 1, 23, v, pt + 16, 16, pad0, CBC_OK, b1);
            states12(v, t[i].suite, etm, c);
            open_refused(c[0], 23, v, b1, n1, "bad record MAC");
            free2(c);
            states12(v, t[i].suite, etm, c);
            open_expect(c[0], 23, v, b0, n0, pt, 16, 23);
            open_expect(c[0], 23, v, b1, n1, pt + 16, 16, 23);
            free2(c);
            states12(v, t[i].suite, etm, c);
            tsc_rec_cipher_skip(c[0], n0);
            open_expect(c[0], 23, v, b1, n1, pt + 16, 16, 23);
            free2(c);
        }
    }
}

static void test_tls12_cbc_sha256(void **state)
{
    (void)state;
    fixed_inputs();
    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 32-byte MAC key and MAC */
    struct keys12 k;
    key_block("SHA256", 32, 16, 16, &k);
    for (int etm = 0; etm < 2; etm++) {
        struct tsc_rec_cipher *c[2];
        states12(0x0303, 0xc027, etm, c);
        uint8_t pt[500], body[700];
        fill(pt, sizeof pt, 0x44);
        for (int side = 0; side < 2; side++) {
            size_t pad = etm ? 15 - (100 % 16) : 15 - ((100 + 32) % 16);
            size_t n = seal_cbc("AES-128-CBC", 16, "SHA256", 32, &k, side, etm, NULL, 0, 23, 0x0303, pt, 100, pad,
                                CBC_OK, body);
            open_expect(c[side], 23, 0x0303, body, n, pt, 100, 23);
            n = seal_cbc("AES-128-CBC", 16, "SHA256", 32, &k, side, etm, NULL, 1, 23, 0x0303, pt, 100, pad,
                         CBC_BAD_MAC, body);
            open_refused(c[side], 23, 0x0303, body, n, "bad record MAC");
        }
        free2(c);
    }
}

static void test_tls10_cbc_chained_iv(void **state)
{
    (void)state;
    fixed_inputs();
    /* TLS 1.0: no explicit IV; the IV of a record is the last ciphertext
     * block of the one before, the first from the key block */
    struct keys12 k;
    key_block("MD5-SHA1", 20, 16, 16, &k);
    for (int etm = 0; etm < 2; etm++) {
        struct tsc_rec_cipher *c[2];
        states12(0x0301, 0x002f, etm, c);
        uint8_t pt[800], body[1000];
        fill(pt, sizeof pt, 0x13);
        for (int side = 0; side < 2; side++) {
            uint8_t chain[16];
            memcpy(chain, k.iv[side], 16);
            static const size_t sizes[] = {16, 0, 700, 1, 31};
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                size_t m = etm ? sizes[i] : sizes[i] + 20;
                size_t pad = 15 - (m % 16) + (i % 2) * 32;
                size_t n = seal_cbc("AES-128-CBC", 16, "SHA1", 20, &k, side, etm, chain, i, 23, 0x0301, pt,
                                    sizes[i], pad, CBC_OK, body);
                open_expect(c[side], 23, 0x0301, body, n, pt, sizes[i], 23);
            }
            /* a bad MAC, and the chain still continues */
            size_t pad = etm ? 15 : 15 - (36 % 16);
            size_t n = seal_cbc("AES-128-CBC", 16, "SHA1", 20, &k, side, etm, chain, 5, 23, 0x0301, pt, 16, pad,
                                CBC_BAD_MAC, body);
            open_refused(c[side], 23, 0x0301, body, n, "bad record MAC");
            n = seal_cbc("AES-128-CBC", 16, "SHA1", 20, &k, side, etm, chain, 6, 23, 0x0301, pt, 16, pad, CBC_OK,
                         body);
            open_expect(c[side], 23, 0x0301, body, n, pt, 16, 23);
        }
        free2(c);
    }
}

static void test_tls12_null_sha(void **state)
{
    (void)state;
    fixed_inputs();
    struct keys12 k;
    key_block("SHA256", 20, 0, 0, &k);
    struct tsc_rec_cipher *c[2];
    states12(0x0303, 0x0002, 0, c);
    uint8_t pt[300], body[400], h[13], macin[400];
    fill(pt, sizeof pt, 0x01);
    for (int side = 0; side < 2; side++) {
        for (uint64_t seq = 0; seq < 3; seq++) {
            size_t n = (size_t)(seq * 100);
            pseudo_header(h, seq, 23, 0x0303, n);
            memcpy(macin, h, 13);
            memcpy(macin + 13, pt, n);
            memcpy(body, pt, n);
            hmac("SHA1", k.mac[side], 20, macin, 13 + n, body + n);
            if (seq == 2) {
                body[n] ^= 1;
                open_refused(c[side], 23, 0x0303, body, n + 20, "bad record MAC");
            } else {
                open_expect(c[side], 23, 0x0303, body, n + 20, pt, n, 23);
            }
        }
        open_refused(c[side], 23, 0x0303, body, 19, "record is shorter than its MAC");
    }
    free2(c);
}

static void test_tls10_rc4_sha(void **state)
{
    (void)state;
    fixed_inputs();
    /* TLS_RSA_WITH_RC4_128_SHA in TLS 1.0: one key stream per direction
     * across records, MAC-then-encrypt */
    struct keys12 k;
    key_block("MD5-SHA1", 20, 16, 0, &k);
    EVP_CIPHER *rc4 = EVP_CIPHER_fetch(legacy_ctx(), "RC4", NULL);
    assert_non_null(rc4);
    uint8_t pt[1000];
    fill(pt, sizeof pt, 0x52);
    static const size_t sizes[] = {16, 1000, 0, 5, 300, 7, 8};
    uint8_t recs[2][7][1100];
    size_t lens[2][7];
    for (int side = 0; side < 2; side++) {
        EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
        assert_non_null(x);
        assert_int_equal(EVP_EncryptInit_ex2(x, rc4, k.key[side], NULL, NULL), 1);
        for (size_t i = 0; i < 7; i++) {
            uint8_t buf[1100], h[13], macin[1100];
            size_t n = sizes[i];
            pseudo_header(h, i, i == 0 ? 22 : 23, 0x0301, n);
            memcpy(macin, h, 13);
            memcpy(macin + 13, pt, n);
            memcpy(buf, pt, n);
            hmac("SHA1", k.mac[side], 20, macin, 13 + n, buf + n);
            if (i == 5)
                buf[n + 3] ^= 0x40; /* a bad MAC */
            int l = 0;
            assert_int_equal(EVP_EncryptUpdate(x, recs[side][i], &l, buf, (int)(n + 20)), 1);
            assert_int_equal((size_t)l, n + 20);
            lens[side][i] = n + 20;
        }
        EVP_CIPHER_CTX_free(x);
    }
    EVP_CIPHER_free(rc4);

    struct tsc_rec_cipher *c[2];
    states12(0x0301, 0x0005, 0, c);
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < 7; i++) {
            if (i == 3) {
                tsc_rec_cipher_skip(c[side], lens[side][i]); /* lost in the capture */
                continue;
            }
            if (i == 5)
                open_refused(c[side], 23, 0x0301, recs[side][i], lens[side][i], "bad record MAC");
            else
                open_expect(c[side], i == 0 ? 22 : 23, 0x0301, recs[side][i], lens[side][i], pt, sizes[i],
                            i == 0 ? 22 : 23);
        }
    }
    free2(c);
    /* without the skip the key stream is out of step: record 4 fails */
    states12(0x0301, 0x0005, 0, c);
    for (size_t i = 0; i < 3; i++)
        open_expect(c[0], i == 0 ? 22 : 23, 0x0301, recs[0][i], lens[0][i], pt, sizes[i], i == 0 ? 22 : 23);
    open_refused(c[0], 23, 0x0301, recs[0][4], lens[0][4], "bad record MAC");
    free2(c);
}

static void test_tls12_bad_setup(void **state)
{
    (void)state;
    fixed_inputs();
    static const struct {
        uint16_t version, suite;
        const char *why;
    } t[] = {
        {0x0303, 0x0003, "export suites are not decrypted"},
        {0x0303, 0x1301, "a TLS 1.3 suite in an older version"},
        {0x0304, 0xc02f, "TLS 1.3 cipher suite not supported"},
        {0x0303, 0x5600, "unknown cipher suite"}, /* TLS_FALLBACK_SCSV */
        {0x0303, 0x4242, "unknown cipher suite"},
        {0x0300, 0xc02f, "an AEAD suite in SSL 3.0"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct tsc_rec_cipher *c[2] = {(struct tsc_rec_cipher *)1, (struct tsc_rec_cipher *)1};
        tsc_result r = tsc_rec_cipher_tls12(t[i].version, t[i].suite, 0, g_master, g_cr, g_sr, c);
        ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
        assert_string_equal(r.why, t[i].why);
        assert_null(c[0]);
        assert_null(c[1]);
    }
    /* KeyUpdate is TLS 1.3 only */
    struct tsc_rec_cipher *c[2];
    states12(0x0303, 0xc02f, 0, c);
    ASSERT_RESULT(tsc_rec_cipher_update(c[0]), TSC_INTERNAL, TSC_ALERT_NONE);
    free2(c);
}

/* ------------------------------------------------------------ support */

static void test_supported(void **state)
{
    (void)state;
    const char *why = NULL;
    for (uint16_t s = 0x1301; s <= 0x1305; s++) {
        why = NULL;
        assert_true(tsc_decrypt_supported(0x0304, s, &why));
        assert_true(tsc_decrypt_supported(0x0304, s, NULL));
    }
    static const uint16_t ok12[] = {0x0002, 0x0005, 0x000a, 0x002f, 0x003c, 0x009c, 0x009d, 0xc013,
                                    0xc027, 0xc02f, 0xc030, 0xc09c, 0xc0a0, 0xc0ac, 0xc0ae, 0xcca8};
    for (size_t i = 0; i < sizeof ok12 / sizeof ok12[0]; i++)
        assert_true(tsc_decrypt_supported(0x0303, ok12[i], &why));
    assert_true(tsc_decrypt_supported(0x0301, 0x0005, &why));
    assert_true(tsc_decrypt_supported(0x0300, 0x000a, &why));

    /* export suites */
    static const uint16_t exp[] = {0x0003, 0x0006, 0x0008, 0x0011, 0x0014};
    for (size_t i = 0; i < sizeof exp / sizeof exp[0]; i++) {
        why = NULL;
        assert_false(tsc_decrypt_supported(0x0301, exp[i], &why));
        assert_non_null(why);
        assert_string_equal(why, "export suites are not decrypted");
    }
    /* unknown, signalling, GREASE */
    static const uint16_t unk[] = {0x4242, 0x00ff, 0x5600, 0x0a0a, 0xfafa};
    for (size_t i = 0; i < sizeof unk / sizeof unk[0]; i++) {
        why = NULL;
        assert_false(tsc_decrypt_supported(0x0303, unk[i], &why));
        assert_non_null(why);
        assert_string_equal(why, "unknown cipher suite");
    }
    /* TLS 1.3 suites belong to TLS 1.3, and TLS 1.3 to them */
    why = NULL;
    assert_false(tsc_decrypt_supported(0x0303, 0x1301, &why));
    assert_string_equal(why, "a TLS 1.3 suite in an older version");
    why = NULL;
    assert_false(tsc_decrypt_supported(0x0304, 0xc02f, &why));
    assert_string_equal(why, "TLS 1.3 cipher suite not supported");
    why = NULL;
    assert_false(tsc_decrypt_supported(0x0304, 0x1306, &why));
    assert_string_equal(why, "TLS 1.3 cipher suite not supported");
    /* versions */
    why = NULL;
    assert_false(tsc_decrypt_supported(0x0305, 0xc02f, &why));
    assert_string_equal(why, "protocol version not supported");
    why = NULL;
    assert_false(tsc_decrypt_supported(0x0200, 0x002f, &why));
    assert_string_equal(why, "protocol version not supported");
    why = NULL;
    assert_false(tsc_decrypt_supported(0x0300, 0x009c, &why));
    assert_string_equal(why, "an AEAD suite in SSL 3.0");
}

/* Why each kind of suite is refused, as tsc_decrypt_supported says it. */
static void test_supported_reasons(void **state)
{
    (void)state;
    static const struct {
        uint16_t version, suite;
        const char *why;
    } t[] = {
        {0x0303, 0x0000, "MAC algorithm not supported"},   /* TLS_NULL_WITH_NULL_NULL */
        {0x0303, 0x0081, "MAC algorithm not supported"},   /* TLS_GOSTR341001_WITH_28147_CNT_IMIT */
        {0x0301, 0xc102, "MAC algorithm not supported"},   /* TLS_GOSTR341112_256_WITH_28147_CNT_IMIT */
        {0x0300, 0x001d, "block cipher not supported"},    /* SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA */
        {0x0303, 0xc07a, "AEAD cipher not supported"},     /* TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256 */
        {0x0303, 0xe011, "cipher suite family not supported"}, /* ECDHE_SM4_CBC_SM3 */
        {0x0303, 0xe410, "cipher not supported"},          /* TLS_RSA_WITH_ESTREAM_SALSA20_SHA1 */
        {0x0303, 0x0065, "export suites are not decrypted"}, /* TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA */
        {0x0303, 0x00c6, "a TLS 1.3 suite in an older version"}, /* TLS_SM4_GCM_SM3 */
        {0x0304, 0x00c6, "TLS 1.3 cipher suite not supported"},
        {0x0304, 0xc0b4, "TLS 1.3 cipher suite not supported"}, /* TLS_SHA256_SHA256 */
        {0x0304, 0xc103, "TLS 1.3 cipher suite not supported"}, /* TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L */
        {0x0304, 0x0000, "TLS 1.3 cipher suite not supported"},
        /* the suite's reason comes before the version's */
        {0x0200, 0x0003, "export suites are not decrypted"},
        {0x0305, 0x4242, "unknown cipher suite"},
        {0x0305, 0x002f, "protocol version not supported"},
        {0x0304 + 0x100, 0x1301, "a TLS 1.3 suite in an older version"},
        {0xfefd, 0x0005, "stream ciphers (RC4) are not used in DTLS (RFC 4347 4.1.2.2)"}, /* DTLS 1.2 */
        {0xfeff, 0x0005, "stream ciphers (RC4) are not used in DTLS (RFC 4347 4.1.2.2)"}, /* DTLS 1.0 */
        {0xfefd, 0x1301, "a TLS 1.3 suite in an older version"},
        {0xfefc, 0xc02f, "TLS 1.3 cipher suite not supported"}, /* DTLS 1.3 */
        {0x0300, 0xcca8, "an AEAD suite in SSL 3.0"},
        {0x0300, 0xc0a0, "an AEAD suite in SSL 3.0"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *why = NULL;
        print_message("version 0x%04x suite 0x%04x\n", t[i].version, t[i].suite);
        assert_false(tsc_decrypt_supported(t[i].version, t[i].suite, &why));
        assert_non_null(why);
        assert_string_equal(why, t[i].why);
    }
    /* SSL 3.0 takes every MAC-then-encrypt suite of the table, SHA-2 ones too */
    const char *why = NULL;
    assert_true(tsc_decrypt_supported(0x0300, 0x003c, &why)); /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
    assert_true(tsc_decrypt_supported(0x0300, 0x00b1, &why)); /* TLS_PSK_WITH_NULL_SHA384 */
    assert_true(tsc_decrypt_supported(0x0301, 0xc0a0, &why)); /* AES-CCM_8 before TLS 1.2 */
    /* DTLS: 1.0 and 1.2 as TLS 1.1 and 1.2, 1.3 as TLS 1.3, OpenSSL's pre-standard 0x0100 as DTLS 1.0 */
    assert_true(tsc_decrypt_supported(0xfefd, 0xc02f, &why)); /* ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    assert_true(tsc_decrypt_supported(0xfeff, 0x0035, &why)); /* RSA_WITH_AES_256_CBC_SHA */
    assert_true(tsc_decrypt_supported(0x0100, 0x0035, &why));
    assert_true(tsc_decrypt_supported(0xfefc, 0x1301, &why));
    assert_true(tsc_decrypt_supported(0xfefc, 0x1303, &why));

    /* legacy ciphers: what this OpenSSL has decides (IDEA is often left out) */
    static const struct {
        uint16_t suite;
        const char *cipher;
    } legacy[] = {{0x0007, "IDEA-CBC"}, {0x0009, "DES-CBC"}, {0x0096, "SEED-CBC"}, {0x0005, "RC4"}};
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
        EVP_CIPHER *c = EVP_CIPHER_fetch(legacy_ctx(), legacy[i].cipher, NULL);
        ERR_clear_error();
        why = NULL;
        int ok = tsc_decrypt_supported(0x0303, legacy[i].suite, &why);
        print_message("%s: %s\n", legacy[i].cipher, c ? "available" : "absent");
        if (c) {
            assert_true(ok);
        } else {
            assert_false(ok);
            assert_string_equal(why, "the cipher is not available in this OpenSSL");
        }
        EVP_CIPHER_free(c);
    }
}

/* The suite table itself: consistent rows, in order, and the same set of
 * suites as before it existed (300 TLS 1.0-1.2 suites and 5 TLS 1.3 ones
 * decrypted, 99 registry suites refused with a reason, 8 of them TLS 1.3
 * suites). */
static void test_suite_table(void **state)
{
    (void)state;
    size_t n, ok12 = 0, ok13 = 0, refused = 0;
    const struct tsc_suite_spec *t = tsc_suite_spec_all(&n);
    for (size_t i = 0; i < n; i++) {
        const struct tsc_suite_spec *s = &t[i];
        print_message("0x%04x\n", s->code);
        if (i)
            assert_true(t[i - 1].code < s->code);
        assert_ptr_equal(tsc_suite_spec_find(s->code), s);
        if (s->why) {
            refused++;
            continue;
        }
        if (s->tls13)
            ok13++;
        else
            ok12++;
        assert_int_equal(s->key_len, tsc_cipher_key_len(s->cipher));
        assert_int_equal(s->mac_len, tsc_hash_len(s->mac));
        assert_true(s->prf == TSC_HASH_SHA256 || s->prf == TSC_HASH_SHA384);
        switch (s->prot) {
        case TSC_PROT_NULL:
        case TSC_PROT_STREAM:
            assert_int_equal(s->cipher == TSC_CIPHER_NULL, s->prot == TSC_PROT_NULL);
            assert_int_equal(s->fixed_iv_len + s->record_iv_len + s->tag_len, 0);
            assert_int_not_equal(s->mac, TSC_HASH_NONE);
            break;
        case TSC_PROT_CBC:
            assert_int_equal(s->fixed_iv_len, tsc_cipher_block_len(s->cipher));
            assert_int_equal(s->record_iv_len, tsc_cipher_block_len(s->cipher));
            assert_int_equal(s->tag_len, 0);
            assert_int_not_equal(s->mac, TSC_HASH_NONE);
            break;
        case TSC_PROT_AEAD:
            assert_int_equal(s->fixed_iv_len + s->record_iv_len, 12);
            assert_true(s->record_iv_len == 8 || s->record_iv_len == 0);
            assert_true(s->tag_len == 16 || s->tag_len == 8);
            assert_int_equal(s->mac, TSC_HASH_NONE);
            break;
        }
        if (s->tls13)
            assert_int_equal(s->prot, TSC_PROT_AEAD);
    }
    assert_int_equal(ok12, 300);
    assert_int_equal(ok13, 5);
    assert_int_equal(refused, 99);
    /* every suite of the registry has a row (a suite added to
     * data/registry/cipher_suites.tsv needs one here too); SCSVs, GREASE
     * and unassigned codes have none */
    for (uint32_t code = 0; code <= 0xffff; code++) {
        struct tsc_suite_info si;
        int known = tsc_suite_describe((uint16_t)code, &si) && !si.signalling && !si.grease;
        if (known != (tsc_suite_spec_find((uint16_t)code) != NULL))
            print_message("0x%04x: %s\n", code, known ? "in the registry, not in the table" : "only in the table");
        assert_int_equal(known, tsc_suite_spec_find((uint16_t)code) != NULL);
    }
    static const uint16_t none[] = {0x00ff, 0x5600, 0x0a0a, 0xfafa, 0x4242, 0x1306, 0xffff};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        assert_null(tsc_suite_spec_find(none[i]));

    /* some rows as the RFCs define them */
    static const struct tsc_suite_spec want[] = {
        /* TLS_RSA_WITH_RC4_128_SHA */
        {0x0005, 0, TSC_PROT_STREAM, TSC_CIPHER_RC4_128, 16, 0, 0, 0, TSC_HASH_SHA1, 20, TSC_HASH_SHA256, NULL},
        /* TLS_RSA_WITH_AES_128_CBC_SHA */
        {0x002f, 0, TSC_PROT_CBC, TSC_CIPHER_AES_128_CBC, 16, 16, 16, 0, TSC_HASH_SHA1, 20, TSC_HASH_SHA256, NULL},
        /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
        {0x000a, 0, TSC_PROT_CBC, TSC_CIPHER_3DES_EDE_CBC, 24, 8, 8, 0, TSC_HASH_SHA1, 20, TSC_HASH_SHA256, NULL},
        /* TLS_PSK_WITH_NULL_SHA384 */
        {0x00b1, 0, TSC_PROT_NULL, TSC_CIPHER_NULL, 0, 0, 0, 0, TSC_HASH_SHA384, 48, TSC_HASH_SHA384, NULL},
        /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
        {0x009d, 0, TSC_PROT_AEAD, TSC_CIPHER_AES_256_GCM, 32, 4, 8, 16, TSC_HASH_NONE, 0, TSC_HASH_SHA384, NULL},
        /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
        {0xc024, 0, TSC_PROT_CBC, TSC_CIPHER_AES_256_CBC, 32, 16, 16, 0, TSC_HASH_SHA384, 48, TSC_HASH_SHA384, NULL},
        /* TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 */
        {0xc060, 0, TSC_PROT_AEAD, TSC_CIPHER_ARIA_128_GCM, 16, 4, 8, 16, TSC_HASH_NONE, 0, TSC_HASH_SHA256, NULL},
        /* TLS_RSA_WITH_AES_128_CCM_8 */
        {0xc0a0, 0, TSC_PROT_AEAD, TSC_CIPHER_AES_128_CCM, 16, 4, 8, 8, TSC_HASH_NONE, 0, TSC_HASH_SHA256, NULL},
        /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
        {0xcca8, 0, TSC_PROT_AEAD, TSC_CIPHER_CHACHA20_POLY1305, 32, 12, 0, 16, TSC_HASH_NONE, 0, TSC_HASH_SHA256,
         NULL},
        /* TLS_AES_256_GCM_SHA384 */
        {0x1302, 1, TSC_PROT_AEAD, TSC_CIPHER_AES_256_GCM, 32, 12, 0, 16, TSC_HASH_NONE, 0, TSC_HASH_SHA384, NULL},
        /* TLS_AES_128_CCM_8_SHA256 */
        {0x1305, 1, TSC_PROT_AEAD, TSC_CIPHER_AES_128_CCM, 16, 12, 0, 8, TSC_HASH_NONE, 0, TSC_HASH_SHA256, NULL},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct tsc_suite_spec *s = tsc_suite_spec_find(want[i].code), *w = &want[i];
        print_message("pinned 0x%04x\n", w->code);
        assert_non_null(s);
        assert_int_equal(s->tls13, w->tls13);
        assert_int_equal(s->prot, w->prot);
        assert_int_equal(s->cipher, w->cipher);
        assert_int_equal(s->key_len, w->key_len);
        assert_int_equal(s->fixed_iv_len, w->fixed_iv_len);
        assert_int_equal(s->record_iv_len, w->record_iv_len);
        assert_int_equal(s->tag_len, w->tag_len);
        assert_int_equal(s->mac, w->mac);
        assert_int_equal(s->mac_len, w->mac_len);
        assert_int_equal(s->prf, w->prf);
        assert_null(s->why);
    }
    const struct tsc_suite_spec *s = tsc_suite_spec_find(0x0017); /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 */
    assert_non_null(s);
    assert_string_equal(s->why, "export suites are not decrypted");
    s = tsc_suite_spec_find(0xc104); /* TLS_GOSTR341112_256_WITH_MAGMA_MGM_L */
    assert_non_null(s);
    assert_true(s->tls13);
    assert_string_equal(s->why, "TLS 1.3 cipher suite not supported");
}

/* ------------------------------------------------------------ TLS 1.3 key labels */

/* RFC 9001 A.1 and A.5: QUIC's packet protection keys from a secret, with
 * QUIC's labels under the "tls13 " prefix. */
static void test_quic_keys_rfc9001(void **state)
{
    (void)state;
    static const struct {
        uint16_t suite;
        const char *secret, *key, *iv, *hp;
    } t[] = {
        /* A.1, client_initial_secret (AEAD_AES_128_GCM) */
        {0x1301, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea",
         "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2"},
        /* A.1, server_initial_secret */
        {0x1301, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b",
         "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314"},
        /* A.5, ChaCha20-Poly1305 */
        {0x1303, "9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b",
         "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8", "e0459b3474bdd0e44a41c144",
         "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t secret[32], want[32];
        assert_int_equal(unhex(t[i].secret, secret, sizeof secret), 32);
        struct tsc_traffic_keys k;
        ASSERT_OK(tsc_traffic_keys_derive(t[i].suite, &tsc_key_labels_quic, secret, 32, &k));
        size_t kl = unhex(t[i].key, want, sizeof want);
        assert_int_equal(k.key_len, kl);
        assert_memory_equal(k.key, want, kl);
        assert_int_equal(unhex(t[i].iv, want, sizeof want), 12);
        assert_memory_equal(k.iv, want, 12);
        assert_int_equal(unhex(t[i].hp, want, sizeof want), kl);
        assert_memory_equal(k.hp, want, kl);
        assert_int_equal(k.tag_len, 16);
    }
    /* A.5: ku = HKDF-Expand-Label(secret, "quic ku", "", 32) */
    uint8_t secret[32], next[32];
    unhex(t[2].secret, secret, sizeof secret);
    ASSERT_OK(tsc_traffic_secret_next(0x1303, &tsc_key_labels_quic, secret, 32, next));
    uint8_t want[32];
    unhex("1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9", want, sizeof want);
    assert_memory_equal(next, want, 32);

    /* the keys open a packet: A.5's, with an AEAD of the primitives */
    struct tsc_traffic_keys k;
    ASSERT_OK(tsc_traffic_keys_derive(0x1303, &tsc_key_labels_quic, secret, 32, &k));
    struct tsc_aead *a;
    ASSERT_OK(tsc_aead_new(k.cipher, k.tag_len, k.key, &a));
    uint8_t nonce[12], aad[4] = {0x42, 0x00, 0xbf, 0xf4}, in[17], out[17];
    unhex("655e5cd55c41f69080575d7999c25a5bfb", in, sizeof in);
    memcpy(nonce, k.iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)((uint64_t)654360564 >> (56 - 8 * i));
    ASSERT_OK(tsc_aead_open(a, nonce, aad, sizeof aad, in, sizeof in, out));
    assert_int_equal(out[0], 0x01);
    tsc_aead_free(a);

    /* TLS 1.3's labels: RFC 8448's server handshake keys; no third key */
    uint8_t s_hs[32];
    unhex(rfc8448_s_hs_secret, s_hs, sizeof s_hs);
    ASSERT_OK(tsc_traffic_keys_derive(0x1301, &tsc_key_labels_tls13, s_hs, 32, &k));
    unhex(rfc8448_key, want, sizeof want);
    assert_memory_equal(k.key, want, 16);
    unhex(rfc8448_iv, want, sizeof want);
    assert_memory_equal(k.iv, want, 12);
    static const uint8_t zero[32];
    assert_memory_equal(k.hp, zero, 32);
    /* refusals */
    ASSERT_RESULT(tsc_traffic_keys_derive(0x1302, &tsc_key_labels_quic, secret, 32, &k), TSC_MALFORMED,
                  TSC_ALERT_NONE);
    ASSERT_RESULT(tsc_traffic_keys_derive(0xc02f, &tsc_key_labels_quic, secret, 32, &k), TSC_MALFORMED,
                  TSC_ALERT_NONE);
    ASSERT_RESULT(tsc_traffic_secret_next(0x1301, &tsc_key_labels_quic, secret, 48, next), TSC_MALFORMED,
                  TSC_ALERT_NONE);
}

/* HKDF-Expand-Label with any prefix, written out here with OpenSSL's HKDF. */
/* A DTLS 1.3-style record: keys under the "dtls13" prefix, the record's
 * sequence number (epoch << 48 | seq) and its header as the AAD come from
 * the caller. */
static size_t seal_dtls13(const struct tls13_suite *s, const uint8_t *secret, uint64_t seq, const uint8_t *aad,
                          size_t aad_len, uint8_t inner, const uint8_t *content, size_t n, uint8_t *body)
{
    uint8_t key[32], iv[12], nonce[12], pt[600];
    expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "key", key, s->key_len);
    expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "iv", iv, 12);
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    assert_true(n + 1 <= sizeof pt);
    memcpy(pt, content, n);
    pt[n] = inner;
    aead_seal(s->cipher, s->ccm, s->tag_len, key, nonce, aad, aad_len, pt, n + 1, body);
    return n + 1 + s->tag_len;
}

static void test_dtls13_labels(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof tls13_suites / sizeof tls13_suites[0]; k++) {
        const struct tls13_suite *s = &tls13_suites[k];
        print_message("suite 0x%04x\n", s->suite);
        uint8_t secret[48], next[48], content[200], body[300], out[300];
        fill(secret, sizeof secret, (uint8_t)(0x31 + k));
        fill(content, sizeof content, 0x5d);
        /* unified header: 001CSLEE, C=0, S=1, L=1, epoch 3; seq 0x0005; length */
        uint64_t seq = (uint64_t)3 << 48 | 5;
        size_t n = 150 + 1 + s->tag_len;
        uint8_t hdr[5] = {0x2f, 0x00, 0x05, (uint8_t)(n >> 8), (uint8_t)n};
        assert_int_equal(seal_dtls13(s, secret, seq, hdr, sizeof hdr, 23, content, 150, body), n);

        struct tsc_rec_cipher *c;
        ASSERT_OK(tsc_rec_cipher_tls13_labels(s->suite, &tsc_key_labels_dtls13, secret, s->hash_len, &c));
        size_t len = 0;
        uint8_t inner = 0;
        ASSERT_OK(tsc_rec_open_tls13_at(c, seq, hdr, sizeof hdr, body, n, out, &len, &inner));
        assert_int_equal(len, 150);
        assert_int_equal(inner, 23);
        assert_memory_equal(out, content, 150);
        assert_int_equal(tsc_rec_cipher_seq(c), 0); /* the state's own number is not used */
        /* another sequence number, another header: refused */
        tsc_result r = tsc_rec_open_tls13_at(c, seq + 1, hdr, sizeof hdr, body, n, out, &len, &inner);
        ASSERT_DECODE_ERROR(r);
        assert_string_equal(r.why, "authentication tag does not verify");
        hdr[2] ^= 1;
        ASSERT_DECODE_ERROR(tsc_rec_open_tls13_at(c, seq, hdr, sizeof hdr, body, n, out, &len, &inner));
        hdr[2] ^= 1;
        r = tsc_rec_open_tls13_at(c, seq, hdr, sizeof hdr, body, s->tag_len, out, &len, &inner);
        ASSERT_DECODE_ERROR(r);
        assert_string_equal(r.why, "record is shorter than its cipher needs");
        /* KeyUpdate under the same prefix */
        expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "traffic upd", next, s->hash_len);
        ASSERT_OK(tsc_rec_cipher_update(c));
        n = seal_dtls13(s, next, 7, hdr, sizeof hdr, 22, content, 40, body);
        ASSERT_OK(tsc_rec_open_tls13_at(c, 7, hdr, sizeof hdr, body, n, out, &len, &inner));
        assert_int_equal(len, 40);
        assert_int_equal(inner, 22);
        tsc_rec_cipher_free(c);

        /* TLS 1.3's prefix derives other keys */
        n = seal_dtls13(s, secret, seq, hdr, sizeof hdr, 23, content, 150, body);
        ASSERT_OK(tsc_rec_cipher_tls13(s->suite, secret, s->hash_len, &c));
        ASSERT_DECODE_ERROR(tsc_rec_open_tls13_at(c, seq, hdr, sizeof hdr, body, n, out, &len, &inner));
        tsc_rec_cipher_free(c);
        /* the key labels of DTLS 1.3 */
        struct tsc_traffic_keys tk;
        ASSERT_OK(tsc_traffic_keys_derive(s->suite, &tsc_key_labels_dtls13, secret, s->hash_len, &tk));
        uint8_t want[32];
        expand_label_prefix(s->md, secret, s->hash_len, "dtls13", "sn", want, s->key_len);
        assert_memory_equal(tk.hp, want, s->key_len);
    }
    /* only TLS 1.3-style states open this way */
    fixed_inputs();
    struct tsc_rec_cipher *c2[2];
    states12(0x0303, 0xc02f, 0, c2);
    uint8_t b[64] = {0}, o[64], inner;
    size_t len;
    ASSERT_RESULT(tsc_rec_open_tls13_at(c2[0], 0, b, 5, b, 64, o, &len, &inner), TSC_INTERNAL, TSC_ALERT_NONE);
    free2(c2);
}

/* ------------------------------------------------------------ SSL 3.0 */

/* SSL 3.0's key derivation (RFC 6101 6.1, 6.2.2), written out here. */
static void ssl3_derive(const uint8_t *secret, size_t slen, const uint8_t *s1, const uint8_t *s2, uint8_t *out,
                        size_t outlen)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_non_null(m);
    for (unsigned i = 0, done = 0; done < outlen; i++) {
        uint8_t label[16], h1[20], h2[16];
        assert_true(i < sizeof label);
        memset(label, 'A' + (int)i, i + 1);
        assert_int_equal(EVP_DigestInit_ex2(m, EVP_sha1(), NULL), 1);
        EVP_DigestUpdate(m, label, i + 1);
        EVP_DigestUpdate(m, secret, slen);
        EVP_DigestUpdate(m, s1, 32);
        EVP_DigestUpdate(m, s2, 32);
        EVP_DigestFinal_ex(m, h1, NULL);
        assert_int_equal(EVP_DigestInit_ex2(m, EVP_md5(), NULL), 1);
        EVP_DigestUpdate(m, secret, slen);
        EVP_DigestUpdate(m, h1, 20);
        EVP_DigestFinal_ex(m, h2, NULL);
        size_t k = outlen - done < 16 ? outlen - done : 16;
        memcpy(out + done, h2, k);
        done += (unsigned)k;
    }
    EVP_MD_CTX_free(m);
}

/* SSL 3.0's MAC over seq_num || type || length || content. */
static void ssl3_mac(const char *md, const uint8_t *key, size_t mac_len, uint64_t seq, uint8_t type,
                     const uint8_t *p, size_t n, uint8_t *out)
{
    uint8_t h[11], pad[48], inner[20];
    size_t padn = mac_len == 16 ? 48 : 40;
    unsigned il = 0;
    put_u64(h, seq);
    h[8] = type;
    h[9] = (uint8_t)(n >> 8);
    h[10] = (uint8_t)n;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_non_null(m);
    memset(pad, 0x36, sizeof pad);
    assert_int_equal(EVP_DigestInit_ex2(m, EVP_get_digestbyname(md), NULL), 1);
    EVP_DigestUpdate(m, key, mac_len);
    EVP_DigestUpdate(m, pad, padn);
    EVP_DigestUpdate(m, h, sizeof h);
    EVP_DigestUpdate(m, p, n);
    EVP_DigestFinal_ex(m, inner, &il);
    memset(pad, 0x5c, sizeof pad);
    assert_int_equal(EVP_DigestInit_ex2(m, EVP_get_digestbyname(md), NULL), 1);
    EVP_DigestUpdate(m, key, mac_len);
    EVP_DigestUpdate(m, pad, padn);
    EVP_DigestUpdate(m, inner, il);
    EVP_DigestFinal_ex(m, out, NULL);
    EVP_MD_CTX_free(m);
}

static void test_ssl30(void **state)
{
    (void)state;
    fixed_inputs();
    /* the master secret: SSL 3.0's own derivation over pms, client and server random */
    uint8_t master[48], want[48];
    ASSERT_OK(tsc_master_secret(0x0300, 0x000a, g_pms, 48, g_cr, g_sr, NULL, 0, master));
    ssl3_derive(g_pms, 48, g_cr, g_sr, want, 48);
    assert_memory_equal(master, want, 48);

    /* SSL_RSA_WITH_3DES_EDE_CBC_SHA: the key block from the server random
     * first; the IV of a record is the last block of the one before;
     * padding bytes may be anything, its length less than a block */
    uint8_t kb[2 * (20 + 24 + 8)];
    ssl3_derive(g_master, 48, g_sr, g_cr, kb, sizeof kb);
    const uint8_t *mac_key[2] = {kb, kb + 20}, *key[2] = {kb + 40, kb + 64};
    uint8_t chain[2][8];
    memcpy(chain[0], kb + 88, 8);
    memcpy(chain[1], kb + 96, 8);
    struct tsc_rec_cipher *c[2];
    states12(0x0300, 0x000a, 0, c);
    assert_false(tsc_rec_cipher_resumable(c[0]));
    uint8_t pt[300];
    fill(pt, sizeof pt, 0x21);
    for (int side = 0; side < 2; side++) {
        static const size_t sizes[] = {16, 0, 250, 7};
        for (uint64_t i = 0; i < 6; i++) {
            size_t n = sizes[i % 4];
            uint8_t buf[320], body[320];
            memcpy(buf, pt, n);
            ssl3_mac("SHA1", mac_key[side], 20, i, 23, pt, n, buf + n);
            size_t len = n + 20, pad = 7 - (len % 8);
            for (size_t k = 0; k < pad; k++)
                buf[len + k] = (uint8_t)(0x90 + k); /* not the padding length: SSL 3.0 does not care */
            buf[len + pad] = (uint8_t)pad;
            len += pad + 1;
            if (i == 4)
                buf[len - 1] = 8; /* a padding length of a whole block */
            if (i == 5)
                buf[n] ^= 1; /* a bad MAC */
            cbc_encrypt("DES-EDE3-CBC", key[side], chain[side], buf, len, body);
            memcpy(chain[side], body + len - 8, 8);
            if (i == 4)
                open_refused(c[side], 23, 0x0300, body, len, "bad padding");
            else if (i == 5)
                open_refused(c[side], 23, 0x0300, body, len, "bad record MAC");
            else
                open_expect(c[side], 23, 0x0300, body, len, pt, n, 23);
        }
    }
    free2(c);

    /* SSL_RSA_WITH_RC4_128_MD5: an MD5 MAC with 48-byte pads */
    EVP_CIPHER *rc4 = EVP_CIPHER_fetch(legacy_ctx(), "RC4", NULL);
    assert_non_null(rc4);
    uint8_t kb2[2 * (16 + 16)];
    ssl3_derive(g_master, 48, g_sr, g_cr, kb2, sizeof kb2);
    states12(0x0300, 0x0004, 0, c);
    for (int side = 0; side < 2; side++) {
        EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
        assert_non_null(x);
        assert_int_equal(EVP_EncryptInit_ex2(x, rc4, kb2 + 32 + 16 * side, NULL, NULL), 1);
        for (uint64_t i = 0; i < 3; i++) {
            uint8_t buf[200], body[200];
            size_t n = 50 * (size_t)i;
            memcpy(buf, pt, n);
            ssl3_mac("MD5", kb2 + 16 * side, 16, i, 22, pt, n, buf + n);
            int l = 0;
            assert_int_equal(EVP_EncryptUpdate(x, body, &l, buf, (int)(n + 16)), 1);
            open_expect(c[side], 22, 0x0300, body, n + 16, pt, n, 22);
        }
        EVP_CIPHER_CTX_free(x);
    }
    free2(c);
    EVP_CIPHER_free(rc4);
}

/* ------------------------------------------------------------ RSA */

static void write_key(const char *path, EVP_PKEY *pk, const char *mode)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL), 1);
    assert_int_equal(fclose(f), 0);
}

/* RSA-PKCS1 v1.5 encryption of pms, with the 2-byte length first. */
static size_t rsa_cke(EVP_PKEY *pk, const uint8_t *pms, size_t pms_len, uint8_t *out, size_t cap)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
    assert_non_null(pc);
    assert_true(EVP_PKEY_encrypt_init(pc) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0);
    size_t ol = cap - 2;
    assert_true(EVP_PKEY_encrypt(pc, out + 2, &ol, pms, pms_len) > 0);
    EVP_PKEY_CTX_free(pc);
    out[0] = (uint8_t)(ol >> 8);
    out[1] = (uint8_t)ol;
    return ol + 2;
}

static void test_rsa_pms(void **state)
{
    (void)state;
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(k1);
    assert_non_null(k2);
    char *path = temp_path("test_decrypt");
    write_key(path, k1, "wb");

    struct tsc_rsa_keys *keys = NULL;
    ASSERT_OK(tsc_rsa_keys_load(&keys, path));
    assert_non_null(keys);

    uint8_t pms[48], got[48], cke[600];
    fill(pms, 48, 0x99);
    pms[0] = 0x03;
    pms[1] = 0x03;
    size_t n = rsa_cke(k1, pms, 48, cke, sizeof cke);
    assert_int_equal(n, 2 + 256);
    memset(got, 0, sizeof got);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 1);
    assert_memory_equal(got, pms, 48);
    /* SSL 3.0 has no length prefix */
    memset(got, 0, sizeof got);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0300, cke + 2, n - 2, got), 1);
    assert_memory_equal(got, pms, 48);
    /* a wrong length prefix, a missing one, nothing at all */
    cke[1] ^= 1;
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 0);
    cke[1] ^= 1;
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke + 2, n - 2, got), 0);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n - 1, got), 0);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, 1, got), 0);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, 0, got), 0);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, (const uint8_t *)"\x00\x00", 2, got), 0);
    assert_int_equal(tsc_rsa_decrypt_pms(NULL, 0x0303, cke, n, got), 0);
    /* DTLS: the secret starts with the client's DTLS version (0xfe), and
     * OpenSSL's pre-standard 0x0100 sends it bare, starting with 1 */
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0xfefd, cke, n, got), 0);
    uint8_t dpms[48], dcke[600];
    memcpy(dpms, pms, 48);
    dpms[0] = 0xfe;
    dpms[1] = 0xfd;
    size_t dn = rsa_cke(k1, dpms, 48, dcke, sizeof dcke);
    memset(got, 0, sizeof got);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0xfefd, dcke, dn, got), 1);
    assert_memory_equal(got, dpms, 48);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0xfeff, dcke, dn, got), 1);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, dcke, dn, got), 0);
    dpms[0] = 0x01;
    dpms[1] = 0x00;
    dn = rsa_cke(k1, dpms, 48, dcke, sizeof dcke);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0100, dcke, dn, got), 0);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0100, dcke + 2, dn - 2, got), 1);
    assert_memory_equal(got, dpms, 48);
    /* a flipped ciphertext byte */
    cke[100] ^= 0x08;
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 0);
    cke[100] ^= 0x08;
    /* a pre-master secret of another length */
    n = rsa_cke(k1, pms, 47, cke, sizeof cke);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 0);
    /* encrypted to a key that is not loaded */
    n = rsa_cke(k2, pms, 48, cke, sizeof cke);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 0);
    /* load the second key too (a second file, added to the same set) */
    char *path2 = temp_path("test_decrypt");
    write_key(path2, k2, "wb");
    ASSERT_OK(tsc_rsa_keys_load(&keys, path2));
    memset(got, 0, sizeof got);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 1);
    assert_memory_equal(got, pms, 48);
    tsc_rsa_keys_free(keys);

    /* two keys in one PEM file */
    write_key(path, k2, "ab");
    keys = NULL;
    ASSERT_OK(tsc_rsa_keys_load(&keys, path));
    memset(got, 0, sizeof got);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0303, cke, n, got), 1);
    assert_memory_equal(got, pms, 48);
    tsc_rsa_keys_free(keys);
    tsc_rsa_keys_free(NULL);

    unlink(path);
    unlink(path2);
    free(path);
    free(path2);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

static void test_rsa_load_errors(void **state)
{
    (void)state;
    struct tsc_rsa_keys *keys = NULL;
    tsc_result r = tsc_rsa_keys_load(&keys, "/nonexistent-dir/server.key");
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "cannot open the file");
    tsc_rsa_keys_free(keys);

    /* an EC key */
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(ec);
    char *path = temp_path("test_decrypt");
    write_key(path, ec, "wb");
    keys = NULL;
    r = tsc_rsa_keys_load(&keys, path);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "not an RSA private key (static key exchange needs RSA)");
    tsc_rsa_keys_free(keys);
    EVP_PKEY_free(ec);

    /* a file with no key in it */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", f);
    assert_int_equal(fclose(f), 0);
    keys = NULL;
    r = tsc_rsa_keys_load(&keys, path);
    ASSERT_RESULT(r, TSC_MALFORMED, TSC_ALERT_NONE);
    assert_string_equal(r.why, "no private key in the file (PEM or DER, unencrypted)");
    tsc_rsa_keys_free(keys);

    /* DER works as well */
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(rsa);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(i2d_PrivateKey_fp(f, rsa), 1);
    assert_int_equal(fclose(f), 0);
    keys = NULL;
    ASSERT_OK(tsc_rsa_keys_load(&keys, path));
    uint8_t pms[48], got[48], cke[300];
    fill(pms, 48, 0x03);
    size_t n = rsa_cke(rsa, pms, 48, cke, sizeof cke);
    assert_int_equal(tsc_rsa_decrypt_pms(keys, 0x0301, cke, n, got), 1);
    assert_memory_equal(got, pms, 48);
    tsc_rsa_keys_free(keys);
    EVP_PKEY_free(rsa);

    unlink(path);
    free(path);
}

/* TLS DEFLATE (RFC 3749): one zlib stream across records, each record
 * ending on a sync flush; garbage is refused, not passed on. */
static void test_inflate_records(void **state)
{
    (void)state;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit(&zs, Z_DEFAULT_COMPRESSION), Z_OK);
    const char *parts[2] = {"GET / HTTP/1.0\r\nHost: example\r\n\r\n", "HTTP/1.0 200 ok\r\n\r\nhello hello hello"};
    uint8_t rec[2][512];
    size_t rl[2];
    for (int i = 0; i < 2; i++) {
        zs.next_in = (Bytef *)(uintptr_t)parts[i];
        zs.avail_in = (uInt)strlen(parts[i]);
        zs.next_out = rec[i];
        zs.avail_out = sizeof rec[i];
        assert_int_equal(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
        rl[i] = sizeof rec[i] - zs.avail_out;
    }
    deflateEnd(&zs);
    struct tsc_inflate *z = tsc_inflate_new();
    assert_non_null(z);
    uint8_t out[17408];
    size_t n;
    for (int i = 0; i < 2; i++) {
        tsc_result r = tsc_inflate_record(z, rec[i], rl[i], out, sizeof out, &n);
        assert_true(tsc_is_ok(r));
        assert_int_equal(n, strlen(parts[i]));
        assert_memory_equal(out, parts[i], n);
    }
    tsc_inflate_free(z);
    /* garbage: a clear refusal */
    z = tsc_inflate_new();
    uint8_t junk[64];
    memset(junk, 0xa5, sizeof junk);
    tsc_result r = tsc_inflate_record(z, junk, sizeof junk, out, sizeof out, &n);
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_string_equal(r.why, "compressed record does not decompress (DEFLATE)");
    tsc_inflate_free(z);
    /* a record that expands past what fits: refused */
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit(&zs, Z_DEFAULT_COMPRESSION), Z_OK);
    static uint8_t big[40000];
    memset(big, 'a', sizeof big);
    uint8_t comp[1024];
    zs.next_in = big;
    zs.avail_in = sizeof big;
    zs.next_out = comp;
    zs.avail_out = sizeof comp;
    assert_int_equal(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
    size_t cl = sizeof comp - zs.avail_out;
    deflateEnd(&zs);
    z = tsc_inflate_new();
    r = tsc_inflate_record(z, comp, cl, out, sizeof out, &n);
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_string_equal(r.why, "compressed record expands past the record size limit");
    tsc_inflate_free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8448_key_schedule_helper),
        cmocka_unit_test(test_rfc8448_server_handshake_record),
        cmocka_unit_test(test_tls13_every_suite),
        cmocka_unit_test(test_tls13_key_update),
        cmocka_unit_test(test_tls13_bad_setup),
        cmocka_unit_test(test_prf_helper_vector),
        cmocka_unit_test(test_master_secret),
        cmocka_unit_test(test_session_hash),
        cmocka_unit_test(test_tls12_gcm),
        cmocka_unit_test(test_tls12_ccm),
        cmocka_unit_test(test_tls12_chacha),
        cmocka_unit_test(test_tls12_cbc_sha1),
        cmocka_unit_test(test_tls12_cbc_sha256),
        cmocka_unit_test(test_tls10_cbc_chained_iv),
        cmocka_unit_test(test_tls12_null_sha),
        cmocka_unit_test(test_tls10_rc4_sha),
        cmocka_unit_test(test_tls12_bad_setup),
        cmocka_unit_test(test_supported),
        cmocka_unit_test(test_supported_reasons),
        cmocka_unit_test(test_suite_table),
        cmocka_unit_test(test_quic_keys_rfc9001),
        cmocka_unit_test(test_dtls13_labels),
        cmocka_unit_test(test_ssl30),
        cmocka_unit_test(test_rsa_pms),
        cmocka_unit_test(test_rsa_load_errors),
        cmocka_unit_test(test_inflate_records),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    legacy_ctx_free();
    return rc;
}
