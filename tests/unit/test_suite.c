/*
 * test_suite.c - cipher suite meanings parsed from the registry names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry/registry.h"
#include "registry/suite.h"

struct expect_suite {
    uint16_t code;
    const char *protocol, *kx, *auth, *encryption, *cipher;
    unsigned bits;
    const char *mode, *mac;
    int aead, tls13, is_export;
};

static void check_suite(const struct expect_suite *e)
{
    struct tsc_suite_info s;
    assert_int_equal(tsc_suite_describe(e->code, &s), 1);
    assert_int_equal(s.code, e->code);
    assert_non_null(s.name);
    assert_string_equal(s.protocol, e->protocol);
    assert_string_equal(s.key_exchange, e->kx);
    assert_string_equal(s.authentication, e->auth);
    assert_string_equal(s.encryption, e->encryption);
    assert_string_equal(s.cipher, e->cipher);
    assert_int_equal(s.key_bits, e->bits);
    assert_string_equal(s.mode, e->mode);
    assert_string_equal(s.mac, e->mac);
    assert_int_equal(s.aead, e->aead);
    assert_int_equal(s.tls13, e->tls13);
    assert_int_equal(s.is_export, e->is_export);
    assert_int_equal(s.signalling, 0);
    assert_int_equal(s.grease, 0);
}

static const char *meaning_of(uint16_t code, char *buf, size_t n)
{
    struct tsc_suite_info s;
    tsc_suite_describe(code, &s);
    return tsc_suite_meaning(&s, buf, n);
}

/* The line the product prints: "NAME (0xc011): meaning". */
static void test_product_line_c011(void **state)
{
    struct tsc_suite_info s;
    char meaning[256], line[320];
    (void)state;
    assert_int_equal(tsc_suite_describe(0xc011, &s), 1);
    snprintf(line, sizeof line, "%s (0x%04x): %s", s.name, s.code,
             tsc_suite_meaning(&s, meaning, sizeof meaning));
    assert_string_equal(line, "TLS_ECDHE_RSA_WITH_RC4_128_SHA (0xc011): key exchange ECDHE, "
                              "authentication RSA, encryption RC4 128-bit stream, integrity "
                              "HMAC-SHA1");
}

static void test_classic_suites(void **state)
{
    static const struct expect_suite cases[] = {
        {0xc011, "TLS", "ECDHE", "RSA", "RC4_128", "RC4", 128, "stream", "SHA1", 0, 0, 0},
        {0x0005, "TLS", "RSA", "RSA", "RC4_128", "RC4", 128, "stream", "SHA1", 0, 0, 0},
        {0x000a, "TLS", "RSA", "RSA", "3DES_EDE_CBC", "3DES", 168, "CBC", "SHA1", 0, 0, 0},
        {0x002f, "TLS", "RSA", "RSA", "AES_128_CBC", "AES", 128, "CBC", "SHA1", 0, 0, 0},
        {0x003d, "TLS", "RSA", "RSA", "AES_256_CBC", "AES", 256, "CBC", "SHA256", 0, 0, 0},
        {0x0009, "TLS", "RSA", "RSA", "DES_CBC", "DES", 56, "CBC", "SHA1", 0, 0, 0},
        {0x0007, "TLS", "RSA", "RSA", "IDEA_CBC", "IDEA", 128, "CBC", "SHA1", 0, 0, 0},
        {0x0096, "TLS", "RSA", "RSA", "SEED_CBC", "SEED", 128, "CBC", "SHA1", 0, 0, 0},
        {0x0018, "TLS", "DH", "anon", "RC4_128", "RC4", 128, "stream", "MD5", 0, 0, 0},
        {0x0013, "TLS", "DHE", "DSS", "3DES_EDE_CBC", "3DES", 168, "CBC", "SHA1", 0, 0, 0},
        {0xc009, "TLS", "ECDHE", "ECDSA", "AES_128_CBC", "AES", 128, "CBC", "SHA1", 0, 0, 0},
        {0xc028, "TLS", "ECDHE", "RSA", "AES_256_CBC", "AES", 256, "CBC", "SHA384", 0, 0, 0},
        {0xc00e, "TLS", "ECDH", "RSA", "AES_128_CBC", "AES", 128, "CBC", "SHA1", 0, 0, 0},
        {0x0084, "TLS", "RSA", "RSA", "CAMELLIA_256_CBC", "CAMELLIA", 256, "CBC", "SHA1", 0, 0, 0},
        {0x0000, "TLS", "NULL", "NULL", "NULL", "NULL", 0, "none", "NULL", 0, 0, 0},
        {0x0002, "TLS", "RSA", "RSA", "NULL", "NULL", 0, "none", "SHA1", 0, 0, 0},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_suite(&cases[i]);
}

static void test_aead_suites(void **state)
{
    static const struct expect_suite cases[] = {
        {0xc02f, "TLS", "ECDHE", "RSA", "AES_128_GCM", "AES", 128, "GCM", "SHA256", 1, 0, 0},
        {0xc030, "TLS", "ECDHE", "RSA", "AES_256_GCM", "AES", 256, "GCM", "SHA384", 1, 0, 0},
        {0x009e, "TLS", "DHE", "RSA", "AES_128_GCM", "AES", 128, "GCM", "SHA256", 1, 0, 0},
        {0xcca8, "TLS", "ECDHE", "RSA", "CHACHA20_POLY1305", "CHACHA20", 256, "POLY1305",
         "SHA256", 1, 0, 0},
        {0xc0a8, "TLS", "PSK", "PSK", "AES_128_CCM_8", "AES", 128, "CCM_8", "SHA256", 1, 0, 0},
        {0xc0ac, "TLS", "ECDHE", "ECDSA", "AES_128_CCM", "AES", 128, "CCM", "SHA256", 1, 0, 0},
        /* RFC 6655 spells DHE_PSK as PSK_DHE for these two. */
        {0xc0aa, "TLS", "DHE_PSK", "PSK", "AES_128_CCM_8", "AES", 128, "CCM_8", "SHA256", 1, 0,
         0},
        {0xd003, "TLS", "ECDHE_PSK", "PSK", "AES_128_CCM_8", "AES", 128, "CCM_8", "SHA256", 1, 0,
         0},
        {0xc050, "TLS", "RSA", "RSA", "ARIA_128_GCM", "ARIA", 128, "GCM", "SHA256", 1, 0, 0},
        {0xc0b0, "TLS", "ECCPWD", "ECCPWD", "AES_128_GCM", "AES", 128, "GCM", "SHA256", 1, 0, 0},
        {0xc0ff, "TLS", "ECJPAKE", "ECJPAKE", "AES_128_CCM_8", "AES", 128, "CCM_8", "SHA256", 1,
         0, 0},
    };
    size_t i;
    char buf[256];
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_suite(&cases[i]);
    assert_string_equal(meaning_of(0xc02f, buf, sizeof buf),
                        "key exchange ECDHE, authentication RSA, encryption AES 128-bit GCM "
                        "(AEAD), PRF hash SHA-256");
    assert_string_equal(meaning_of(0x009e, buf, sizeof buf),
                        "key exchange DHE, authentication RSA, encryption AES 128-bit GCM "
                        "(AEAD), PRF hash SHA-256");
    assert_string_equal(meaning_of(0xc0a8, buf, sizeof buf),
                        "key exchange PSK, authentication PSK, encryption AES 128-bit CCM_8 "
                        "(AEAD), PRF hash SHA-256");
}

static void test_tls13_suites(void **state)
{
    static const struct expect_suite cases[] = {
        {0x1301, "TLS", "any", "any", "AES_128_GCM", "AES", 128, "GCM", "SHA256", 1, 1, 0},
        {0x1302, "TLS", "any", "any", "AES_256_GCM", "AES", 256, "GCM", "SHA384", 1, 1, 0},
        {0x1303, "TLS", "any", "any", "CHACHA20_POLY1305", "CHACHA20", 256, "POLY1305", "SHA256",
         1, 1, 0},
        {0x1305, "TLS", "any", "any", "AES_128_CCM_8", "AES", 128, "CCM_8", "SHA256", 1, 1, 0},
        {0x00c6, "TLS", "any", "any", "SM4_GCM", "SM4", 128, "GCM", "SM3", 1, 1, 0},
        /* RFC 9150 integrity-only suite. */
        {0xc0b4, "TLS", "any", "any", "NULL", "NULL", 0, "none", "SHA256", 0, 1, 0},
        /* RFC 9367 GOST suites exist only in TLS 1.3. */
        {0xc103, "TLS", "any", "any", "KUZNYECHIK_MGM_L", "KUZNYECHIK", 256, "MGM",
         "GOSTR341112_256", 1, 1, 0},
    };
    size_t i;
    char buf[256];
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_suite(&cases[i]);
    assert_string_equal(meaning_of(0x1301, buf, sizeof buf),
                        "TLS 1.3 suite: encryption AES 128-bit GCM (AEAD), hash SHA-256; key "
                        "exchange and authentication negotiated separately");
    assert_string_equal(meaning_of(0x1303, buf, sizeof buf),
                        "TLS 1.3 suite: encryption CHACHA20-POLY1305 256-bit (AEAD), hash "
                        "SHA-256; key exchange and authentication negotiated separately");
    assert_string_equal(meaning_of(0xc0b4, buf, sizeof buf),
                        "TLS 1.3 suite: encryption none, integrity HMAC-SHA256, hash SHA-256; "
                        "key exchange and authentication negotiated separately");
}

static void test_export_and_legacy_suites(void **state)
{
    static const struct expect_suite cases[] = {
        {0x0003, "TLS", "RSA", "RSA", "RC4_40", "RC4", 40, "stream", "MD5", 0, 0, 1},
        {0x0006, "TLS", "RSA", "RSA", "RC2_CBC_40", "RC2", 40, "CBC", "MD5", 0, 0, 1},
        {0x0008, "TLS", "RSA", "RSA", "DES40_CBC", "DES", 40, "CBC", "SHA1", 0, 0, 1},
        {0x0017, "TLS", "DH", "anon", "RC4_40", "RC4", 40, "stream", "MD5", 0, 0, 1},
        {0x0026, "TLS", "KRB5", "KRB5", "DES_CBC_40", "DES", 40, "CBC", "SHA1", 0, 0, 1},
        {0x0064, "TLS", "RSA", "RSA", "RC4_56", "RC4", 56, "stream", "SHA1", 0, 0, 1},
        {0x0063, "TLS", "DHE", "DSS", "DES_CBC", "DES", 56, "CBC", "SHA1", 0, 0, 1},
        {0x001f, "TLS", "KRB5", "KRB5", "3DES_EDE_CBC", "3DES", 168, "CBC", "SHA1", 0, 0, 0},
        {0x001d, "SSL", "FORTEZZA_KEA", "FORTEZZA", "FORTEZZA_CBC", "SKIPJACK", 80, "CBC", "SHA1",
         0, 0, 0},
        {0xfefe, "SSL", "RSA", "RSA", "DES_CBC", "DES", 56, "CBC", "SHA1", 0, 0, 0},
        {0xffe0, "SSL", "RSA", "RSA", "3DES_EDE_CBC", "3DES", 168, "CBC", "SHA1", 0, 0, 0},
        {0xc01b, "TLS", "SRP", "RSA", "3DES_EDE_CBC", "3DES", 168, "CBC", "SHA1", 0, 0, 0},
        {0xc01d, "TLS", "SRP", "SRP", "AES_128_CBC", "AES", 128, "CBC", "SHA1", 0, 0, 0},
        {0x008a, "TLS", "PSK", "PSK", "RC4_128", "RC4", 128, "stream", "SHA1", 0, 0, 0},
        {0x0094, "TLS", "RSA_PSK", "RSA_PSK", "AES_128_CBC", "AES", 128, "CBC", "SHA1", 0, 0, 0},
        {0xc035, "TLS", "ECDHE_PSK", "PSK", "AES_128_CBC", "AES", 128, "CBC", "SHA1", 0, 0, 0},
        {0x0081, "TLS", "VKO_GOSTR3410_2001", "GOSTR3410_2001", "28147_CNT", "GOST28147", 256,
         "CNT", "GOST28147_IMIT", 0, 0, 0},
        {0xc100, "TLS", "VKO_GOSTR3410_2012", "GOSTR3410_2012", "KUZNYECHIK_CTR", "KUZNYECHIK",
         256, "CTR", "OMAC", 0, 0, 0},
        {0xe011, "GMTLS", "ECDHE", "SM2", "SM4_CBC", "SM4", 128, "CBC", "SM3", 0, 0, 0},
        {0xe053, "GMTLS", "ECC", "SM2", "SM4_GCM", "SM4", 128, "GCM", "SM3", 1, 0, 0},
        {0xe410, "TLS", "RSA", "RSA", "ESTREAM_SALSA20", "SALSA20", 256, "stream", "SHA1", 0, 0,
         0},
    };
    size_t i;
    char buf[256];
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_suite(&cases[i]);
    assert_string_equal(meaning_of(0x0003, buf, sizeof buf),
                        "key exchange RSA, authentication RSA, encryption RC4 40-bit stream, "
                        "integrity HMAC-MD5; export-grade");
    assert_string_equal(meaning_of(0x0000, buf, sizeof buf),
                        "key exchange NULL, authentication NULL, encryption none, integrity none");
}

static void test_signalling_values(void **state)
{
    static const uint16_t scsv[] = {0x00ff, 0x5600};
    struct tsc_suite_info s;
    char buf[256];
    size_t i;
    (void)state;
    for (i = 0; i < 2; i++) {
        assert_int_equal(tsc_suite_describe(scsv[i], &s), 1);
        assert_int_equal(s.signalling, 1);
        assert_int_equal(s.grease, 0);
        assert_int_equal(s.aead, 0);
        assert_int_equal(s.tls13, 0);
        assert_string_equal(s.protocol, "TLS");
        assert_string_equal(s.key_exchange, "none");
        assert_string_equal(s.encryption, "none");
        assert_string_equal(s.mac, "none");
        assert_string_equal(tsc_suite_encryption_text(&s, buf, sizeof buf), "none");
        assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "none");
    }
    assert_string_equal(meaning_of(0x00ff, buf, sizeof buf),
                        "signalling value, not a real cipher suite: the client supports secure "
                        "renegotiation (RFC 5746)");
    assert_string_equal(meaning_of(0x5600, buf, sizeof buf),
                        "signalling value, not a real cipher suite: the client is retrying with "
                        "a lower protocol version (RFC 7507)");
}

static void test_grease_values(void **state)
{
    struct tsc_suite_info s;
    char buf[256];
    (void)state;
    assert_int_equal(tsc_suite_describe(0x0a0a, &s), 1);
    assert_int_equal(s.grease, 1);
    assert_int_equal(s.signalling, 0);
    assert_string_equal(s.name, "Reserved (GREASE)");
    assert_string_equal(s.key_exchange, "none");
    assert_string_equal(s.cipher, "none");
    assert_int_equal(s.key_bits, 0);
    assert_int_equal(tsc_suite_describe(0x2a2a, &s), 1);
    assert_int_equal(s.grease, 1);
    assert_int_equal(tsc_suite_describe(0xfafa, &s), 1);
    assert_int_equal(s.grease, 1);
    assert_string_equal(tsc_suite_meaning(&s, buf, sizeof buf),
                        "GREASE value (RFC 8701), not a real cipher suite: reserved so that "
                        "peers learn to tolerate values they do not recognise");
}

static void test_unknown_suite(void **state)
{
    struct tsc_suite_info s;
    char buf[64];
    (void)state;
    assert_int_equal(tsc_suite_describe(0x0047, &s), 0);
    assert_null(s.name);
    assert_int_equal(s.code, 0x0047);
    assert_string_equal(s.protocol, "unknown");
    assert_string_equal(s.key_exchange, "unknown");
    assert_string_equal(s.authentication, "unknown");
    assert_string_equal(s.encryption, "unknown");
    assert_string_equal(s.cipher, "unknown");
    assert_string_equal(s.mode, "unknown");
    assert_string_equal(s.mac, "unknown");
    assert_int_equal(s.key_bits, 0);
    assert_int_equal(s.grease, 0);
    assert_int_equal(s.signalling, 0);
    assert_string_equal(tsc_suite_meaning(&s, buf, sizeof buf), "unknown cipher suite");
    assert_string_equal(tsc_suite_encryption_text(&s, buf, sizeof buf), "unknown");
    assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "unknown");
    assert_int_equal(tsc_suite_describe(0xffff, &s), 0);
    assert_int_equal(tsc_suite_describe(0x1306, &s), 0);
}

static void test_short_texts(void **state)
{
    struct tsc_suite_info s;
    char buf[64];
    (void)state;
    tsc_suite_describe(0xc011, &s);
    assert_string_equal(tsc_suite_encryption_text(&s, buf, sizeof buf), "RC4 128-bit stream");
    assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "HMAC-SHA1");
    tsc_suite_describe(0xc02f, &s);
    assert_string_equal(tsc_suite_encryption_text(&s, buf, sizeof buf), "AES 128-bit GCM");
    assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "AEAD");
    tsc_suite_describe(0x000a, &s);
    assert_string_equal(tsc_suite_encryption_text(&s, buf, sizeof buf), "3DES 168-bit CBC");
    tsc_suite_describe(0x003c, &s);
    assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "HMAC-SHA256");
    tsc_suite_describe(0x0001, &s);
    assert_string_equal(tsc_suite_encryption_text(&s, buf, sizeof buf), "none");
    assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "HMAC-MD5");
    tsc_suite_describe(0x0081, &s);
    assert_string_equal(tsc_suite_mac_text(&s, buf, sizeof buf), "GOST28147-89 IMIT");
}

static void test_buffer_limits(void **state)
{
    struct tsc_suite_info s;
    char buf[16];
    (void)state;
    tsc_suite_describe(0xc011, &s);
    memset(buf, 'x', sizeof buf);
    assert_ptr_equal(tsc_suite_meaning(&s, buf, 10), buf);
    assert_int_equal(strlen(buf), 9);
    assert_memory_equal(buf, "key excha", 10);
    assert_int_equal(buf[10], 'x'); /* nothing written past n */
    tsc_suite_meaning(&s, buf, 1);
    assert_string_equal(buf, "");
    buf[0] = 'y';
    tsc_suite_meaning(&s, buf, 0); /* n == 0: untouched */
    assert_int_equal(buf[0], 'y');
    tsc_suite_encryption_text(&s, buf, 4);
    assert_string_equal(buf, "RC4");
    tsc_suite_mac_text(&s, buf, 5);
    assert_string_equal(buf, "HMAC");
}

/* Every suite in the registry decomposes fully (signalling values and GREASE
   excepted, which have "none"). */
static void test_every_registry_suite_decomposes(void **state)
{
    size_t i, n = tsc_reg_count(TSC_REG_CIPHER_SUITE), full = 0;
    (void)state;
    assert_true(n >= 400);
    for (i = 0; i < n; i++) {
        uint16_t code = tsc_reg_code_at(TSC_REG_CIPHER_SUITE, i);
        struct tsc_suite_info s;
        char buf[256], enc[64], mac[32];
        assert_int_equal(tsc_suite_describe(code, &s), 1);
        assert_non_null(s.name);
        assert_int_equal(s.code, code);
        if (s.signalling || s.grease) {
            assert_true(strcmp(s.key_exchange, "none") == 0);
            continue;
        }
        if (strcmp(s.key_exchange, "unknown") == 0 || strcmp(s.authentication, "unknown") == 0 ||
            strcmp(s.encryption, "unknown") == 0 || strcmp(s.cipher, "unknown") == 0 ||
            strcmp(s.mode, "unknown") == 0 || strcmp(s.mac, "unknown") == 0 ||
            strcmp(s.protocol, "unknown") == 0)
            fail_msg("0x%04x %s does not decompose: kx=%s auth=%s enc=%s cipher=%s mode=%s mac=%s",
                     code, s.name, s.key_exchange, s.authentication, s.encryption, s.cipher,
                     s.mode, s.mac);
        if (strcmp(s.cipher, "NULL") == 0)
            assert_int_equal(s.key_bits, 0);
        else
            assert_true(s.key_bits >= 40 && s.key_bits <= 256);
        assert_int_equal(s.aead, strcmp(s.mode, "GCM") == 0 || strcmp(s.mode, "CCM") == 0 ||
                                     strcmp(s.mode, "CCM_8") == 0 ||
                                     strcmp(s.mode, "POLY1305") == 0 ||
                                     strcmp(s.mode, "MGM") == 0);
        if (s.tls13) {
            assert_string_equal(s.key_exchange, "any");
            assert_string_equal(s.authentication, "any");
        }
        tsc_suite_meaning(&s, buf, sizeof buf);
        tsc_suite_encryption_text(&s, enc, sizeof enc);
        tsc_suite_mac_text(&s, mac, sizeof mac);
        if (strstr(buf, "unknown") != NULL || strlen(buf) + 1 >= sizeof buf)
            fail_msg("0x%04x %s: bad meaning \"%s\"", code, s.name, buf);
        assert_null(strstr(enc, "unknown"));
        assert_null(strstr(mac, "unknown"));
        full++;
    }
    assert_true(full >= 380);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_line_c011),
        cmocka_unit_test(test_classic_suites),
        cmocka_unit_test(test_aead_suites),
        cmocka_unit_test(test_tls13_suites),
        cmocka_unit_test(test_export_and_legacy_suites),
        cmocka_unit_test(test_signalling_values),
        cmocka_unit_test(test_grease_values),
        cmocka_unit_test(test_unknown_suite),
        cmocka_unit_test(test_short_texts),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_every_registry_suite_decomposes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
