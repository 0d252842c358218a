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
#include "hex_vectors.h"

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

/* ------------------------------------------------- DTLS (RFC 6347, 9147) */

/*
 * Real datagrams, each one DTLS record holding one unfragmented handshake
 * message: the 13-byte record header (type, version, epoch, 48-bit sequence
 * number, length), the 12-byte handshake header (type, length, message_seq,
 * fragment_offset, fragment_length), the body.
 */
/* ../shared/corpus/illustrated-dtls/captures/caps/01-hello-c: DTLS 1.3 */
static const char dtls13_ch_hex[] =
    "16fefd0000000000000000009d"
    "010000910000000000000091"
    "fefd" "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
    "00" "00" /* legacy_session_id, legacy_cookie: both empty */
    "0006130113021303" "0100"
    "0061"
    "003300260024001d0020358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd16625400"
    "2b000302fefc"
    "000d0020001e06030503040302030806080b0805080a0804080906010501040103010201"
    "00160000"
    "000a00040002001d";
/* ../shared/corpus/arkime/tests/pcap/wireshark-dtls12.pcap frame 2: the
 * server's HelloVerifyRequest, and frame 3: the client's second ClientHello
 * with the cookie (its 332-byte extension 0x0100 cut here to the first two
 * extensions, lengths adjusted) */
static const char dtls12_hvr_hex[] =
    "16fefd00000000000000000017"
    "0300000b000000000000000b"
    "fefd08dd2e7e0916224805";
static const char dtls12_ch_cookie_hex[] =
    "16fefd" "0000" "000000000001" "0052"
    "010000460001000000000046"
    "fefd" "00000001d5b29592ac5bc1437633387efcffa544dc035cc6b94adebd92937b66"
    "00" "08dd2e7e0916224805"
    "0006c0ffc0a8c037" "0100"
    "000e" "000a000400020017" "000b00020100";
/* ../shared/corpus/arkime/tests/pcap/wireshark-dtls0.pcap frame 2: OpenSSL's
 * pre-standard DTLS 1.0 (0x0100) with an empty cookie */
static const char dtls0_hvr_hex[] =
    "1601000000000000000000000f"
    "030000030000000000000003"
    "010000";

/* The body of the one handshake message in a datagram of the form above. */
static struct tsc_view dtls_body(const uint8_t *dg, size_t n, uint8_t type)
{
    assert_true(n >= 25);
    assert_int_equal(dg[0], TSC_CT_HANDSHAKE);
    assert_int_equal((size_t)(dg[11] << 8 | dg[12]), n - 13);
    assert_int_equal(dg[13], type);
    size_t len = (size_t)dg[14] << 16 | (size_t)dg[15] << 8 | dg[16];
    assert_int_equal(len, n - 25);
    assert_memory_equal(dg + 14, dg + 22, 3); /* fragment_length == length */
    assert_memory_equal(dg + 19, "\0\0\0", 3); /* fragment_offset 0 */
    struct tsc_view v = {dg + 25, len};
    return v;
}

static void test_dtls13_client_hello(void **state)
{
    (void)state;
    uint8_t dg[256];
    size_t n = unhex(dtls13_ch_hex, dg, sizeof dg);
    assert_int_equal(n, 170); /* the file's size */
    struct tsc_view body = dtls_body(dg, n, TSC_HS_CLIENT_HELLO);
    struct tsc_client_hello ch;
    ASSERT_OK(tsc_client_hello_parse_as(body, 1, &ch));
    assert_int_equal(ch.dtls, 1);
    assert_int_equal(ch.sslv2, 0);
    assert_int_equal(ch.legacy_version, TSC_DTLS12);
    assert_ptr_equal(ch.random.p, body.p + 2);
    assert_int_equal(ch.random.p[0], 0xe0);
    assert_int_equal(ch.session_id.len, 0);
    assert_int_equal(ch.cookie.len, 0);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 3);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 2), 0x1303);
    assert_int_equal(ch.ext.n, 5);
    const struct tsc_ext *sv = tsc_ext_find(&ch.ext, TSC_EXT_SUPPORTED_VERSIONS);
    assert_non_null(sv);
    assert_int_equal(tsc_ext_list_count(sv), 1);
    assert_int_equal(tsc_ext_list_at(sv, 0), TSC_DTLS13);

    /* read as TLS, the empty cookie is an empty cipher_suites list */
    ASSERT_DECODE_ERROR(tsc_client_hello_parse(body, &ch));
    assert_int_equal(ch.dtls, 0);
    ASSERT_DECODE_ERROR(tsc_client_hello_parse_as(body, 0, &ch));
}

static void test_dtls12_client_hello_cookie(void **state)
{
    (void)state;
    uint8_t dg[256];
    size_t n = unhex(dtls12_ch_cookie_hex, dg, sizeof dg);
    struct tsc_view body = dtls_body(dg, n, TSC_HS_CLIENT_HELLO);
    struct tsc_client_hello ch;
    ASSERT_OK(tsc_client_hello_parse_as(body, 1, &ch));
    assert_int_equal(ch.legacy_version, TSC_DTLS12);
    assert_int_equal(ch.session_id.len, 0);
    ASSERT_VIEW(ch.cookie, "\xdd\x2e\x7e\x09\x16\x22\x48\x05", 8);
    assert_ptr_equal(ch.cookie.p, body.p + 36); /* a view */
    assert_int_equal(tsc_client_hello_n_suites(&ch), 3);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 0), 0xc0ff);
    assert_int_equal(ch.compression.len, 1);
    assert_int_equal(ch.ext.n, 2);
    assert_non_null(tsc_ext_find(&ch.ext, TSC_EXT_SUPPORTED_GROUPS));

    /* a cookie whose length runs past the message: what came before is kept */
    uint8_t bad[128];
    memcpy(bad, body.p, 36);
    bad[35] = 0x40;
    memcpy(bad + 36, body.p + 36, 20);
    struct tsc_view v = {bad, 56};
    ASSERT_DECODE_ERROR(tsc_client_hello_parse_as(v, 1, &ch));
    assert_int_equal(ch.dtls, 1);
    assert_int_equal(ch.random.len, 32);
    assert_int_equal(ch.cookie.len, 0);
    assert_int_equal(ch.cipher_suites.len, 0);

    /* a hello cut right after the session id */
    v.len = 35;
    ASSERT_DECODE_ERROR(tsc_client_hello_parse_as(v, 1, &ch));
}

/* The TLS form is what it was: a TLS hello parses the same through both. */
static void test_dtls_flag_off_is_tls(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_client_hello a, b;
    tb_init(&t);
    ch_head(&t, TSC_TLS12, 32, 4, 1);
    ch_exts(&t);
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &a));
    ASSERT_OK(tsc_client_hello_parse_as(tb_view(&t), 0, &b));
    assert_int_equal(a.dtls, 0);
    assert_int_equal(a.cookie.len, 0);
    assert_null(a.cookie.p);
    assert_int_equal(b.session_id.len, 32);
    assert_int_equal(a.cipher_suites.len, b.cipher_suites.len);
    assert_ptr_equal(a.cipher_suites.p, b.cipher_suites.p);
    assert_int_equal(a.ext.n, b.ext.n);

    /* the SSLv2 form never has a cookie, whatever the struct held before */
    static const uint8_t v2[] = {1, 0x03, 0x01, 0, 3, 0, 0, 0, 16, 0x00, 0x00, 0x2f,
                                 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    struct tsc_view v2v = {v2, sizeof v2};
    b.dtls = 1;
    ASSERT_OK(tsc_sslv2_client_hello_parse(v2v, &b));
    assert_int_equal(b.dtls, 0);
    assert_int_equal(b.cookie.len, 0);
}

static void test_hello_verify_request(void **state)
{
    (void)state;
    uint8_t dg[64];
    size_t n = unhex(dtls12_hvr_hex, dg, sizeof dg);
    struct tsc_view body = dtls_body(dg, n, TSC_HS_HELLO_VERIFY_REQUEST);
    struct tsc_hello_verify_request hvr;
    ASSERT_OK(tsc_hello_verify_request_parse(body, &hvr));
    assert_int_equal(hvr.server_version, TSC_DTLS12);
    ASSERT_VIEW(hvr.cookie, "\xdd\x2e\x7e\x09\x16\x22\x48\x05", 8);
    assert_ptr_equal(hvr.cookie.p, body.p + 3);

    n = unhex(dtls0_hvr_hex, dg, sizeof dg);
    body = dtls_body(dg, n, TSC_HS_HELLO_VERIFY_REQUEST);
    ASSERT_OK(tsc_hello_verify_request_parse(body, &hvr));
    assert_int_equal(hvr.server_version, 0x0100);
    assert_int_equal(hvr.cookie.len, 0);

    /* the longest cookie RFC 6347 allows (255 bytes) */
    struct tb t;
    tb_init(&t);
    tb_u16(&t, TSC_DTLS12);
    tb_open(&t, 1);
    tb_fill(&t, 0xc5, 255);
    tb_close(&t);
    ASSERT_OK(tsc_hello_verify_request_parse(tb_view(&t), &hvr));
    assert_int_equal(hvr.cookie.len, 255);

    /* a cookie past the message, bytes after it, a message cut short */
    uint8_t b[16] = {0xfe, 0xfd, 4, 1, 2, 3};
    struct tsc_view v = {b, 6};
    ASSERT_DECODE_ERROR(tsc_hello_verify_request_parse(v, &hvr));
    b[2] = 2;
    ASSERT_DECODE_ERROR(tsc_hello_verify_request_parse(v, &hvr));
    b[2] = 3;
    ASSERT_OK(tsc_hello_verify_request_parse(v, &hvr));
    v.len = 2;
    ASSERT_DECODE_ERROR(tsc_hello_verify_request_parse(v, &hvr));
    v.len = 1;
    ASSERT_DECODE_ERROR(tsc_hello_verify_request_parse(v, &hvr));
}

static void test_version_tls_equiv(void **state)
{
    (void)state;
    assert_int_equal(tsc_version_tls_equiv(TSC_DTLS10), TSC_TLS11);
    assert_int_equal(tsc_version_tls_equiv(0x0100), TSC_TLS11);
    assert_int_equal(tsc_version_tls_equiv(TSC_DTLS12), TSC_TLS12);
    assert_int_equal(tsc_version_tls_equiv(TSC_DTLS13), TSC_TLS13);
    assert_int_equal(tsc_version_tls_equiv(0xfefb), 0x0305);
    /* TLS, SSL, drafts and GREASE are left alone */
    static const uint16_t same[] = {0x0002, TSC_SSL30, TSC_TLS10, TSC_TLS12, TSC_TLS13, 0x7f17, 0x0a0a, 0};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_int_equal(tsc_version_tls_equiv(same[i]), same[i]);
    assert_true(tsc_version_is_dtls(TSC_DTLS13));
    assert_false(tsc_version_is_dtls(TSC_TLS13));
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
        cmocka_unit_test(test_dtls13_client_hello),
        cmocka_unit_test(test_dtls12_client_hello_cookie),
        cmocka_unit_test(test_dtls_flag_off_is_tls),
        cmocka_unit_test(test_hello_verify_request),
        cmocka_unit_test(test_version_tls_equiv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
