/*
 * test_registry.c - the generated name tables and their lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "registry/registry.h"

static void expect_name(enum tsc_reg reg, uint16_t code, const char *name, const char *snake)
{
    const char *n = tsc_reg_name(reg, code);
    const char *s = tsc_reg_snake(reg, code);
    assert_non_null(n);
    assert_non_null(s);
    assert_string_equal(n, name);
    assert_string_equal(s, snake);
}

static void test_cipher_suite_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_CIPHER_SUITE, 0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
                "tls_ecdhe_rsa_with_rc4_128_sha");
    expect_name(TSC_REG_CIPHER_SUITE, 0x0000, "TLS_NULL_WITH_NULL_NULL",
                "tls_null_with_null_null");
    expect_name(TSC_REG_CIPHER_SUITE, 0x1301, "TLS_AES_128_GCM_SHA256", "tls_aes_128_gcm_sha256");
    expect_name(TSC_REG_CIPHER_SUITE, 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
                "tls_empty_renegotiation_info_scsv");
    expect_name(TSC_REG_CIPHER_SUITE, 0x5600, "TLS_FALLBACK_SCSV", "tls_fallback_scsv");
    /* DH_anon keeps its lower case in the name, not in the snake form. */
    expect_name(TSC_REG_CIPHER_SUITE, 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5",
                "tls_dh_anon_with_rc4_128_md5");
    /* The last entry of the table. */
    expect_name(TSC_REG_CIPHER_SUITE, 0xffe1, "SSL_RSA_FIPS_WITH_DES_CBC_SHA",
                "ssl_rsa_fips_with_des_cbc_sha");
}

static void test_extension_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_EXTENSION, 0x0000, "server_name", "server_name");
    expect_name(TSC_REG_EXTENSION, 0x002b, "supported_versions", "supported_versions");
    expect_name(TSC_REG_EXTENSION, 0x0033, "key_share", "key_share");
    expect_name(TSC_REG_EXTENSION, 0xff01, "renegotiation_info", "renegotiation_info");
    expect_name(TSC_REG_EXTENSION, 0xfe0d, "encrypted_client_hello", "encrypted_client_hello");
    expect_name(TSC_REG_EXTENSION, 0x0035, "connection_id (deprecated)",
                "connection_id_deprecated");
    expect_name(TSC_REG_EXTENSION, 0x0028, "Reserved (key_share)", "reserved_key_share");
}

static void test_group_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_GROUP, 0x001d, "x25519", "x25519");
    expect_name(TSC_REG_GROUP, 0x0017, "secp256r1", "secp256r1");
    expect_name(TSC_REG_GROUP, 0x0100, "ffdhe2048", "ffdhe2048");
    expect_name(TSC_REG_GROUP, 0x11ec, "X25519MLKEM768", "x25519mlkem768");
    /* 0x0200 is listed twice (frodo640aes, then MLKEM512): the later row wins. */
    expect_name(TSC_REG_GROUP, 0x0200, "MLKEM512", "mlkem512");
    expect_name(TSC_REG_GROUP, 0x0202, "MLKEM1024", "mlkem1024");
}

static void test_sigscheme_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_SIGSCHEME, 0x0804, "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha256");
    expect_name(TSC_REG_SIGSCHEME, 0x0403, "ecdsa_secp256r1_sha256", "ecdsa_secp256r1_sha256");
    expect_name(TSC_REG_SIGSCHEME, 0x0807, "ed25519", "ed25519");
    expect_name(TSC_REG_SIGSCHEME, 0x0201, "rsa_pkcs1_sha1", "rsa_pkcs1_sha1");
    expect_name(TSC_REG_SIGSCHEME, 0x0905, "mldsa65", "mldsa65");
}

static void test_handshake_names(void **state)
{
    (void)state;
    /* The file lists SSLv2 types first; the TLS rows with the same codes win. */
    expect_name(TSC_REG_HANDSHAKE, 0x0000, "Hello Request", "hello_request");
    expect_name(TSC_REG_HANDSHAKE, 0x0001, "Client Hello", "client_hello");
    expect_name(TSC_REG_HANDSHAKE, 0x0002, "Server Hello", "server_hello");
    expect_name(TSC_REG_HANDSHAKE, 0x0004, "New Session Ticket", "new_session_ticket");
    expect_name(TSC_REG_HANDSHAKE, 0x0006, "Hello Retry Request", "hello_retry_request");
    expect_name(TSC_REG_HANDSHAKE, 0x0008, "Encrypted Extensions", "encrypted_extensions");
    expect_name(TSC_REG_HANDSHAKE, 0x000b, "Certificate", "certificate");
    expect_name(TSC_REG_HANDSHAKE, 0x0014, "Finished", "finished");
    expect_name(TSC_REG_HANDSHAKE, 0x0018, "Key Update", "key_update");
}

static void test_alert_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_ALERT, 0x0000, "Close Notify", "close_notify");
    expect_name(TSC_REG_ALERT, 0x0028, "Handshake Failure", "handshake_failure");
    expect_name(TSC_REG_ALERT, 0x0032, "Decode Error", "decode_error");
    expect_name(TSC_REG_ALERT, 0x0030, "Unknown CA", "unknown_ca");
    expect_name(TSC_REG_ALERT, 0x0078, "No application Protocol", "no_application_protocol");
}

static void test_content_type_and_version_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_CONTENT_TYPE, 0x0014, "Change Cipher Spec", "change_cipher_spec");
    expect_name(TSC_REG_CONTENT_TYPE, 0x0016, "Handshake", "handshake");
    expect_name(TSC_REG_CONTENT_TYPE, 0x0017, "Application Data", "application_data");
    expect_name(TSC_REG_VERSION, 0x0300, "SSL 3.0", "ssl_3_0");
    expect_name(TSC_REG_VERSION, 0x0303, "TLS 1.2", "tls_1_2");
    expect_name(TSC_REG_VERSION, 0x0304, "TLS 1.3", "tls_1_3");
    expect_name(TSC_REG_VERSION, 0x7f1c, "TLS 1.3 (draft 28)", "tls_1_3_draft_28");
    expect_name(TSC_REG_VERSION, 0xfefd, "DTLS 1.2", "dtls_1_2");
    expect_name(TSC_REG_VERSION, 0xfeff, "DTLS 1.0", "dtls_1_0");
    expect_name(TSC_REG_VERSION, 0xfefc, "DTLS 1.3", "dtls_1_3");
    expect_name(TSC_REG_VERSION, 0x0100, "DTLS 1.0 (OpenSSL pre 0.9.8f)", "dtls_1_0_openssl_pre_0_9_8f");
}

/* The IANA DTLS-SRTP Protection Profiles, ends and gaps included. */
static void test_srtp_profile_names(void **state)
{
    (void)state;
    expect_name(TSC_REG_SRTP_PROFILE, 0x0001, "SRTP_AES128_CM_HMAC_SHA1_80", "srtp_aes128_cm_hmac_sha1_80");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0002, "SRTP_AES128_CM_HMAC_SHA1_32", "srtp_aes128_cm_hmac_sha1_32");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0005, "SRTP_NULL_HMAC_SHA1_80", "srtp_null_hmac_sha1_80");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0006, "SRTP_NULL_HMAC_SHA1_32", "srtp_null_hmac_sha1_32");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0007, "SRTP_AEAD_AES_128_GCM", "srtp_aead_aes_128_gcm");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0008, "SRTP_AEAD_AES_256_GCM", "srtp_aead_aes_256_gcm");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0009, "DOUBLE_AEAD_AES_128_GCM_AEAD_AES_128_GCM",
                "double_aead_aes_128_gcm_aead_aes_128_gcm");
    expect_name(TSC_REG_SRTP_PROFILE, 0x000b, "SRTP_ARIA_128_CTR_HMAC_SHA1_80", "srtp_aria_128_ctr_hmac_sha1_80");
    expect_name(TSC_REG_SRTP_PROFILE, 0x0010, "SRTP_AEAD_ARIA_256_GCM", "srtp_aead_aria_256_gcm");
    assert_int_equal(tsc_reg_count(TSC_REG_SRTP_PROFILE), 14);
    assert_null(tsc_reg_name(TSC_REG_SRTP_PROFILE, 0x0000)); /* reserved */
    assert_null(tsc_reg_name(TSC_REG_SRTP_PROFILE, 0x0003)); /* unassigned */
    assert_null(tsc_reg_name(TSC_REG_SRTP_PROFILE, 0x0004));
    assert_null(tsc_reg_name(TSC_REG_SRTP_PROFILE, 0x0011));
    assert_null(tsc_reg_name(TSC_REG_SRTP_PROFILE, 0x0a0a)); /* no GREASE here */
}

static void test_unknown_codes(void **state)
{
    (void)state;
    assert_null(tsc_reg_name(TSC_REG_CIPHER_SUITE, 0x0047));
    assert_null(tsc_reg_snake(TSC_REG_CIPHER_SUITE, 0x0047));
    assert_null(tsc_reg_name(TSC_REG_CIPHER_SUITE, 0xffff));
    assert_null(tsc_reg_name(TSC_REG_EXTENSION, 0x1234));
    assert_null(tsc_reg_name(TSC_REG_GROUP, 0x0000));
    assert_null(tsc_reg_name(TSC_REG_SIGSCHEME, 0x0000));
    assert_null(tsc_reg_name(TSC_REG_HANDSHAKE, 0x00ff));
    assert_null(tsc_reg_name(TSC_REG_HANDSHAKE, 0x0101));
    assert_null(tsc_reg_name(TSC_REG_ALERT, 0x00ff));
    assert_null(tsc_reg_name(TSC_REG_CONTENT_TYPE, 0x0013));
    assert_null(tsc_reg_name(TSC_REG_VERSION, 0x0305));
    /* A registry outside the enum. */
    assert_null(tsc_reg_name(TSC_REG_COUNT, 0x0001));
    assert_null(tsc_reg_snake(TSC_REG_COUNT, 0x0001));
    assert_int_equal(tsc_reg_count(TSC_REG_COUNT), 0);
}

static void test_grease(void **state)
{
    unsigned hi;
    (void)state;
    for (hi = 0; hi < 16; hi++) {
        uint16_t g = (uint16_t)((hi << 12) | 0x0a00 | (hi << 4) | 0x0a);
        assert_true(tsc_reg_is_grease(g));
        /* Named in every 16-bit registry, even those whose file lacks them. */
        assert_string_equal(tsc_reg_name(TSC_REG_CIPHER_SUITE, g), "Reserved (GREASE)");
        assert_string_equal(tsc_reg_name(TSC_REG_EXTENSION, g), "Reserved (GREASE)");
        assert_string_equal(tsc_reg_name(TSC_REG_GROUP, g), "Reserved (GREASE)");
        assert_string_equal(tsc_reg_name(TSC_REG_SIGSCHEME, g), "Reserved (GREASE)");
        assert_string_equal(tsc_reg_snake(TSC_REG_SIGSCHEME, g), "reserved_grease");
        assert_string_equal(tsc_reg_name(TSC_REG_VERSION, g), "Reserved (GREASE)");
        /* Not in the 8-bit registries. */
        assert_null(tsc_reg_name(TSC_REG_HANDSHAKE, g));
        assert_null(tsc_reg_name(TSC_REG_ALERT, g));
        assert_null(tsc_reg_name(TSC_REG_CONTENT_TYPE, g));
    }
    assert_int_equal(tsc_reg_is_grease(0x0a0a), 1);
    assert_int_equal(tsc_reg_is_grease(0xfafa), 1);
    assert_int_equal(tsc_reg_is_grease(0x0a1a), 0);
    assert_int_equal(tsc_reg_is_grease(0x1a0a), 0);
    assert_int_equal(tsc_reg_is_grease(0x0a0b), 0);
    assert_int_equal(tsc_reg_is_grease(0x0b0b), 0);
    assert_int_equal(tsc_reg_is_grease(0x0000), 0);
    assert_int_equal(tsc_reg_is_grease(0x000a), 0);
    assert_int_equal(tsc_reg_is_grease(0xaaab), 0);
    assert_int_equal(tsc_reg_is_grease(0xffff), 0);
}

static int snake_is_well_formed(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || s[0] == '_' || s[n - 1] == '_')
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
        if (c == '_' && s[i + 1] == '_')
            return 0;
    }
    return 1;
}

/* Every table is strictly ascending, and binary search finds every entry. */
static void test_tables_sorted_and_searchable(void **state)
{
    int reg;
    (void)state;
    for (reg = 0; reg < TSC_REG_COUNT; reg++) {
        size_t i, n = tsc_reg_count((enum tsc_reg)reg);
        assert_true(n > 0);
        for (i = 0; i < n; i++) {
            uint16_t code = tsc_reg_code_at((enum tsc_reg)reg, i);
            const char *name = tsc_reg_name((enum tsc_reg)reg, code);
            const char *snake = tsc_reg_snake((enum tsc_reg)reg, code);
            if (i > 0)
                assert_true(tsc_reg_code_at((enum tsc_reg)reg, i - 1) < code);
            assert_non_null(name);
            assert_non_null(snake);
            assert_true(name[0] != '\0');
            assert_true(snake_is_well_formed(snake));
        }
    }
    /* Codes that fit the 8-bit registries. */
    assert_true(tsc_reg_code_at(TSC_REG_HANDSHAKE, tsc_reg_count(TSC_REG_HANDSHAKE) - 1) <= 0xff);
    assert_true(tsc_reg_code_at(TSC_REG_ALERT, tsc_reg_count(TSC_REG_ALERT) - 1) <= 0xff);
    assert_true(tsc_reg_count(TSC_REG_CIPHER_SUITE) >= 400);
}

/* Every code the lookup names is a table entry (or a GREASE fallback). */
static void test_lookup_matches_table(void **state)
{
    int reg;
    (void)state;
    for (reg = 0; reg < TSC_REG_COUNT; reg++) {
        size_t named = 0, grease_fallback = 0, i, n = tsc_reg_count((enum tsc_reg)reg);
        unsigned code;
        for (code = 0; code <= 0xffff; code++) {
            if (tsc_reg_name((enum tsc_reg)reg, (uint16_t)code) != NULL)
                named++;
        }
        for (code = 0; code <= 0xffff; code++) {
            int in_table = 0;
            if (!tsc_reg_is_grease((uint16_t)code) ||
                tsc_reg_name((enum tsc_reg)reg, (uint16_t)code) == NULL)
                continue;
            for (i = 0; i < n; i++)
                if (tsc_reg_code_at((enum tsc_reg)reg, i) == code)
                    in_table = 1;
            if (!in_table)
                grease_fallback++;
        }
        assert_int_equal(named, n + grease_fallback);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cipher_suite_names),
        cmocka_unit_test(test_extension_names),
        cmocka_unit_test(test_srtp_profile_names),
        cmocka_unit_test(test_group_names),
        cmocka_unit_test(test_sigscheme_names),
        cmocka_unit_test(test_handshake_names),
        cmocka_unit_test(test_alert_names),
        cmocka_unit_test(test_content_type_and_version_names),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_grease),
        cmocka_unit_test(test_tables_sorted_and_searchable),
        cmocka_unit_test(test_lookup_matches_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
