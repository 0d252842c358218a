/*
 * test_hello.c - ClientHello, SSLv2-compatible ClientHello, ServerHello and
 * HelloRetryRequest decoders (tls/hello.c).
 *
 * The decoders are handed complete message bodies, so a vector whose length
 * runs past its container is MALFORMED (decode_error), never TRUNCATED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tls/msg.h"
#include "tls_builders.h"

static const uint16_t suites[] = {0x1301, 0xc02f, 0xc030, 0x009e, 0x00ff};

/* legacy_version .. compression, with `nsuite_bytes` bytes of suites. */
static void ch_head(struct tb *t, uint16_t version, size_t sid_len, size_t nsuite_bytes, size_t ncomp)
{
    tb_u16(t, version);
    for (int i = 0; i < 32; i++)
        tb_u8(t, (uint32_t)(0xa0 + i));
    tb_open(t, 1);
    tb_fill(t, 0x5a, sid_len);
    tb_close(t);
    tb_open(t, 2);
    for (size_t i = 0; i < nsuite_bytes / 2; i++)
        tb_u16(t, suites[i % 5]);
    if (nsuite_bytes % 2)
        tb_u8(t, 0xc0);
    tb_close(t);
    tb_open(t, 1);
    tb_fill(t, 0x00, ncomp);
    tb_close(t);
}

/* server_name "example.com", supported_versions {1.3, 1.2}, ALPN {h2, http/1.1} */
static void ch_exts(struct tb *t)
{
    tb_open(t, 2);
    tb_ext_open(t, TSC_EXT_SERVER_NAME);
    tb_open(t, 2);
    tb_u8(t, 0);
    tb_vec16(t, "example.com", 11);
    tb_close(t);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_SUPPORTED_VERSIONS);
    tb_open(t, 1);
    tb_u16(t, TSC_TLS13);
    tb_u16(t, TSC_TLS12);
    tb_close(t);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_ALPN);
    tb_open(t, 2);
    tb_vec8(t, "h2", 2);
    tb_vec8(t, "http/1.1", 8);
    tb_close(t);
    tb_close(t);
    tb_close(t);
}

/* ---------------------------------------------------------- ClientHello */

static void test_ch_without_extensions(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS10, 0, 10, 1);
    struct tsc_view v = tb_view(&t);
    ASSERT_OK(tsc_client_hello_parse(v, &ch));
    assert_int_equal(ch.sslv2, 0);
    assert_int_equal(ch.legacy_version, TSC_TLS10);
    assert_ptr_equal(ch.random.p, v.p + 2); /* a view, not a copy */
    assert_int_equal(ch.random.len, 32);
    assert_int_equal(ch.random.p[0], 0xa0);
    assert_int_equal(ch.random.p[31], 0xa0 + 31);
    assert_int_equal(ch.session_id.len, 0);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(tsc_client_hello_suite_at(&ch, i), suites[i]);
    assert_int_equal(ch.compression.len, 1);
    assert_int_equal(ch.compression.p[0], 0);
    assert_int_equal(ch.ext.present, 0);
    assert_int_equal(ch.ext.n, 0);
    assert_int_equal(ch.ext.stored, 0);
    assert_null(tsc_ext_find(&ch.ext, TSC_EXT_SERVER_NAME));
}

static void test_ch_with_extensions(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 32, 4, 1);
    ch_exts(&t);
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.legacy_version, TSC_TLS12);
    assert_int_equal(ch.session_id.len, 32);
    assert_int_equal(ch.session_id.p[0], 0x5a);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 2);
    assert_int_equal(ch.ext.present, 1);
    assert_int_equal(ch.ext.n, 3);
    assert_int_equal(ch.ext.stored, 3);

    const struct tsc_ext *sni = tsc_ext_find(&ch.ext, TSC_EXT_SERVER_NAME);
    assert_non_null(sni);
    ASSERT_OK(sni->status);
    assert_int_equal(sni->form, TSC_EXTF_NAMES);
    assert_int_equal(sni->u.names.n, 1);
    ASSERT_VIEW(sni->u.names.v[0], "example.com", 11);

    const struct tsc_ext *sv = tsc_ext_find(&ch.ext, TSC_EXT_SUPPORTED_VERSIONS);
    assert_non_null(sv);
    assert_int_equal(sv->form, TSC_EXTF_U16_LIST);
    assert_int_equal(tsc_ext_list_count(sv), 2);
    assert_int_equal(tsc_ext_list_at(sv, 0), TSC_TLS13);

    const struct tsc_ext *alpn = tsc_ext_find(&ch.ext, TSC_EXT_ALPN);
    assert_non_null(alpn);
    assert_int_equal(alpn->u.names.n, 2);
    ASSERT_VIEW(alpn->u.names.v[1], "http/1.1", 8);
}

static void test_ch_empty_extension_block(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    tb_u16(&t, 0);
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.ext.present, 1);
    assert_int_equal(ch.ext.n, 0);
}

static void test_ch_session_id_too_long(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 33, 2, 1);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
}

static void test_ch_cipher_suites_bad_length(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 3, 1); /* odd */
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 0, 1); /* empty */
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
}

static void test_ch_no_compression(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 0);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
}

/* Lengths that claim more than the message holds are lies: MALFORMED. */
static void test_ch_lying_lengths(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;

    /* session id length 20 with only 10 bytes in the whole rest */
    tb_init(&t);
    tb_u16(&t, TSC_TLS12);
    tb_fill(&t, 1, 32);
    tb_u8(&t, 20);
    tb_fill(&t, 2, 10);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));

    /* cipher_suites length 0x0100 */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 4, 1);
    tb_patch_u16(&t, 2 + 32 + 1, 0x0100);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));

    /* extension block longer than the message */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    size_t at = t.len;
    ch_exts(&t);
    tb_patch_u16(&t, at, (uint32_t)(t.len - at - 2 + 1));
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));

    /* one extension's length runs past the block */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    tb_open(&t, 2);
    tb_u16(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_u16(&t, 5);
    tb_u8(&t, 0);
    tb_close(&t);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));

    /* the body ends inside the random */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_prefix(&t, 20), &ch));
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_prefix(&t, 0), &ch));
}

static void test_ch_trailing_bytes(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;

    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    ch_exts(&t);
    tb_u8(&t, 0);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));

    /* one stray byte after compression cannot be an extension block */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    tb_u8(&t, 0);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
}

/* A malformed extension does not fail the hello: it stays RAW with its status. */
static void test_ch_bad_extension_kept(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 2, 1);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_SUPPORTED_GROUPS);
    tb_open(&t, 2);
    tb_u8(&t, 0x1d); /* odd list */
    tb_close(&t);
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    tb_close(&t);
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.ext.n, 2);
    const struct tsc_ext *g = tsc_ext_find(&ch.ext, TSC_EXT_SUPPORTED_GROUPS);
    assert_non_null(g);
    assert_int_equal(g->form, TSC_EXTF_RAW);
    ASSERT_DECODE_ERROR(g->status);
    const struct tsc_ext *ems = tsc_ext_find(&ch.ext, TSC_EXT_EXTENDED_MASTER_SECRET);
    assert_non_null(ems);
    assert_int_equal(ems->form, TSC_EXTF_EMPTY);
    ASSERT_OK(ems->status);
}

/* On an error the hello keeps what was read before it (msg.h), so a broken
 * hello can still be shown as far as it went. */
static void test_ch_partial_fields_kept(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;

    /* no compression method: everything before it is there */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 32, 4, 0);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.legacy_version, TSC_TLS12);
    assert_int_equal(ch.random.len, 32);
    assert_int_equal(ch.session_id.len, 32);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 2);
    assert_int_equal(ch.ext.n, 0);

    /* an odd cipher_suites length: only whole suites are kept */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 0, 5, 1);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.cipher_suites.len, 4);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 2);

    /* a session id that is too long: the fields after it stay empty */
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 33, 4, 1);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.random.len, 32);
    assert_int_equal(ch.session_id.len, 0);
    assert_int_equal(ch.cipher_suites.len, 0);
    assert_int_equal(ch.compression.len, 0);
}

/* -------------------------------------------------- SSLv2 ClientHello */

/* The SSLv2 message after its 2-byte header. */
static void sslv2_body(struct tb *t, uint8_t type, uint16_t nspec, uint16_t nsid, uint16_t nchal)
{
    tb_init(t);
    tb_u8(t, type);
    tb_u16(t, TSC_TLS10);
    tb_u16(t, nspec);
    tb_u16(t, nsid);
    tb_u16(t, nchal);
    for (uint16_t i = 0; i + 3 <= nspec; i += 3) {
        tb_u8(t, i == 0 ? 0x01 : 0x00); /* 0x010080 SSL_CK_RC4_128_WITH_MD5, then 0x00002f */
        tb_u8(t, i == 0 ? 0x00 : 0x00);
        tb_u8(t, i == 0 ? 0x80 : 0x2f);
    }
    tb_fill(t, 0x77, nspec % 3);
    tb_fill(t, 0x22, nsid);
    tb_fill(t, 0x33, nchal);
}

static void test_sslv2_ch_ok(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    sslv2_body(&t, 1, 6, 0, 16);
    ASSERT_OK(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.sslv2, 1);
    assert_int_equal(ch.legacy_version, TSC_TLS10);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 2);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 0), 0x010080);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 1), 0x00002f);
    assert_int_equal(ch.session_id.len, 0);
    assert_int_equal(ch.random.len, 16); /* the challenge */
    assert_int_equal(ch.random.p[0], 0x33);
    assert_int_equal(ch.compression.len, 0);
    assert_int_equal(ch.ext.present, 0);
    assert_int_equal(ch.ext.n, 0);

    sslv2_body(&t, 1, 3, 16, 32);
    ASSERT_OK(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    assert_int_equal(ch.session_id.len, 16);
    assert_int_equal(ch.random.len, 32);
}

static void test_sslv2_ch_bad(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello ch;
    sslv2_body(&t, 2, 3, 0, 16); /* not CLIENT-HELLO */
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    sslv2_body(&t, 1, 4, 0, 16);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    sslv2_body(&t, 1, 0, 0, 16);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    sslv2_body(&t, 1, 3, 8, 16);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    sslv2_body(&t, 1, 3, 0, 15);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    sslv2_body(&t, 1, 3, 0, 33);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));

    /* the fields claim more than is there */
    sslv2_body(&t, 1, 3, 0, 16);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_prefix(&t, t.len - 1), &ch));
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_prefix(&t, 5), &ch));

    /* trailing bytes */
    sslv2_body(&t, 1, 3, 0, 16);
    tb_u8(&t, 0);
    ASSERT_DECODE_ERROR(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
}

/* ---------------------------------------------------------- ServerHello */

static void sh_head(struct tb *t, uint16_t version, const uint8_t *random, size_t sid_len, uint16_t suite)
{
    tb_u16(t, version);
    if (random)
        tb_raw(t, random, 32);
    else
        tb_fill(t, 0x44, 32);
    tb_open(t, 1);
    tb_fill(t, 0x66, sid_len);
    tb_close(t);
    tb_u16(t, suite);
    tb_u8(t, 0);
}

static void test_sh_tls12(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_server_hello sh;
    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 32, 0xc02f);
    struct tsc_view v = tb_view(&t);
    ASSERT_OK(tsc_server_hello_parse(v, &sh));
    assert_int_equal(sh.hrr, 0);
    assert_int_equal(sh.legacy_version, TSC_TLS12);
    assert_ptr_equal(sh.random.p, v.p + 2);
    assert_int_equal(sh.random.len, 32);
    assert_int_equal(sh.session_id.len, 32);
    assert_int_equal(sh.cipher_suite, 0xc02f);
    assert_int_equal(sh.compression, 0);
    assert_int_equal(sh.ext.present, 0);
    assert_int_equal(tsc_server_hello_version(&sh), TSC_TLS12);

    /* with renegotiation_info and extended_master_secret */
    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 0, 0x009e);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_RENEGOTIATION_INFO);
    tb_u8(&t, 0);
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    tb_close(&t);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    assert_int_equal(sh.ext.present, 1);
    assert_int_equal(sh.ext.n, 2);
    assert_int_equal(sh.cipher_suite, 0x009e);
    assert_int_equal(tsc_server_hello_version(&sh), TSC_TLS12);
}

static void sh_tls13_exts(struct tb *t, int hrr)
{
    tb_open(t, 2);
    tb_ext_open(t, TSC_EXT_SUPPORTED_VERSIONS);
    tb_u16(t, TSC_TLS13);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_KEY_SHARE);
    tb_u16(t, 0x001d);
    if (!hrr) {
        tb_open(t, 2);
        tb_fill(t, 0x99, 32);
        tb_close(t);
    }
    tb_close(t);
    tb_close(t);
}

static void test_sh_tls13_supported_versions(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_server_hello sh;
    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 32, 0x1301);
    sh_tls13_exts(&t, 0);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    assert_int_equal(sh.hrr, 0);
    assert_int_equal(sh.legacy_version, TSC_TLS12);
    assert_int_equal(tsc_server_hello_version(&sh), TSC_TLS13);
    const struct tsc_ext *ks = tsc_ext_find(&sh.ext, TSC_EXT_KEY_SHARE);
    assert_non_null(ks);
    assert_int_equal(ks->form, TSC_EXTF_KEY_SHARE); /* the server's one share */
    assert_int_equal(ks->u.key_share.n, 1);
    assert_int_equal(ks->u.key_share.s[0].group, 0x001d);
    assert_int_equal(ks->u.key_share.s[0].key.len, 32);
}

/* A malformed supported_versions is not believed: the legacy version stands. */
static void test_sh_bad_supported_versions(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_server_hello sh;
    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 0, 0xc02f);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_SUPPORTED_VERSIONS);
    tb_u16(&t, TSC_TLS13);
    tb_u8(&t, 0);
    tb_close(&t);
    tb_close(&t);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    const struct tsc_ext *sv = tsc_ext_find(&sh.ext, TSC_EXT_SUPPORTED_VERSIONS);
    assert_non_null(sv);
    assert_int_equal(sv->form, TSC_EXTF_RAW);
    ASSERT_DECODE_ERROR(sv->status);
    assert_int_equal(tsc_server_hello_version(&sh), TSC_TLS12);
}

static void test_sh_hrr(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_server_hello sh;
    tb_init(&t);
    sh_head(&t, TSC_TLS12, tsc_hrr_random, 32, 0x1301);
    sh_tls13_exts(&t, 1);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    assert_int_equal(sh.hrr, 1);
    assert_int_equal(tsc_server_hello_version(&sh), TSC_TLS13);
    /* in an HRR, key_share is only the selected group */
    const struct tsc_ext *ks = tsc_ext_find(&sh.ext, TSC_EXT_KEY_SHARE);
    assert_non_null(ks);
    ASSERT_OK(ks->status);
    assert_int_equal(ks->form, TSC_EXTF_U16);
    assert_int_equal(ks->u.num, 0x001d);

    /* one bit off the special random is an ordinary ServerHello */
    uint8_t almost[32];
    memcpy(almost, tsc_hrr_random, 32);
    almost[31] ^= 1;
    tb_init(&t);
    sh_head(&t, TSC_TLS12, almost, 32, 0x1301);
    sh_tls13_exts(&t, 1); /* now a server_share without its key: malformed */
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    assert_int_equal(sh.hrr, 0);
    ks = tsc_ext_find(&sh.ext, TSC_EXT_KEY_SHARE);
    assert_non_null(ks);
    assert_int_equal(ks->form, TSC_EXTF_RAW);
    ASSERT_DECODE_ERROR(ks->status);
}

static void test_sh_hrr_random_value(void **state)
{
    (void)state;
    /* RFC 8446 4.1.3: CF 21 AD 74 E5 9A 61 11 BE 1D 8C 02 1E 65 B8 91
     *                 C2 A2 11 16 7A BB 8C 5E 07 9E 09 E2 C8 A8 33 9C */
    static const uint8_t rfc[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    assert_memory_equal(tsc_hrr_random, rfc, 32);
}

/* TLS 1.3 drafts before -22: the version in the legacy field, no session id, no compression. */
static void test_sh_tls13_draft_form(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_server_hello sh;
    tb_init(&t);
    tb_u16(&t, 0x7f12); /* draft-18 */
    tb_fill(&t, 0x44, 32);
    tb_u16(&t, 0x1301);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_KEY_SHARE);
    tb_u16(&t, 0x001d);
    tb_vec16(&t, "0123456789abcdef0123456789abcdef", 32);
    tb_close(&t);
    tb_close(&t);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    assert_int_equal(sh.legacy_version, 0x7f12);
    assert_int_equal(sh.session_id.len, 0);
    assert_int_equal(sh.cipher_suite, 0x1301);
    assert_int_equal(sh.compression, 0);
    assert_int_equal(sh.ext.n, 1);
    assert_int_equal(tsc_server_hello_version(&sh), 0x7f12);

    /* draft-22 and later look like TLS 1.2 on the wire: a 0x7f16 hello has a session id */
    tb_init(&t);
    sh_head(&t, 0x7f16, NULL, 32, 0x1301);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    assert_int_equal(sh.session_id.len, 32);
}

static void test_sh_bad(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_server_hello sh;

    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 33, 0xc02f);
    ASSERT_DECODE_ERROR(tsc_server_hello_parse(tb_view(&t), &sh));

    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 0, 0xc02f);
    size_t full = t.len;
    ASSERT_DECODE_ERROR(tsc_server_hello_parse(tb_prefix(&t, full - 1), &sh)); /* no compression */
    ASSERT_DECODE_ERROR(tsc_server_hello_parse(tb_prefix(&t, 30), &sh));

    tb_u8(&t, 0); /* a stray byte */
    ASSERT_DECODE_ERROR(tsc_server_hello_parse(tb_view(&t), &sh));

    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 0, 0xc02f);
    sh_tls13_exts(&t, 0);
    tb_u16(&t, 0); /* bytes after the extensions */
    ASSERT_DECODE_ERROR(tsc_server_hello_parse(tb_view(&t), &sh));

    tb_init(&t);
    sh_head(&t, TSC_TLS12, NULL, 0, 0xc02f);
    tb_u16(&t, 10); /* extension block claims 10, holds 4 */
    tb_u16(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_u16(&t, 0);
    ASSERT_DECODE_ERROR(tsc_server_hello_parse(tb_view(&t), &sh));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ch_without_extensions),
        cmocka_unit_test(test_ch_with_extensions),
        cmocka_unit_test(test_ch_empty_extension_block),
        cmocka_unit_test(test_ch_session_id_too_long),
        cmocka_unit_test(test_ch_cipher_suites_bad_length),
        cmocka_unit_test(test_ch_no_compression),
        cmocka_unit_test(test_ch_lying_lengths),
        cmocka_unit_test(test_ch_trailing_bytes),
        cmocka_unit_test(test_ch_bad_extension_kept),
        cmocka_unit_test(test_ch_partial_fields_kept),
        cmocka_unit_test(test_sslv2_ch_ok),
        cmocka_unit_test(test_sslv2_ch_bad),
        cmocka_unit_test(test_sh_tls12),
        cmocka_unit_test(test_sh_tls13_supported_versions),
        cmocka_unit_test(test_sh_bad_supported_versions),
        cmocka_unit_test(test_sh_hrr),
        cmocka_unit_test(test_sh_hrr_random_value),
        cmocka_unit_test(test_sh_tls13_draft_form),
        cmocka_unit_test(test_sh_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
