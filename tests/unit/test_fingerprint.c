/*
 * test_fingerprint.c - JA3, JA3S and JA4 (analysis/fingerprint.c) on hellos
 * written by hand and decoded by tls/hello.c.
 *
 * Expected values come from outside tlsscope where they exist: FoxIO's worked
 * example in technical_details/JA4.md (t13d1516h2_8daaf6152771_e5627efa2ab1),
 * suricata-verify's tls-ja3s test (771,49199,65281-0-11-16-23 =
 * 5d79edf64e03689ff559a54e9d9487bc), and tshark 4.0's ja3_full for a hello
 * without extensions ("768,...,,,"); for DTLS, Arkime's expected JA4 values
 * (the .test files beside its DTLS captures) and tshark 4.0's
 * dtls.handshake.ja3/ja3s on the same hellos; the others were computed with
 * Python's hashlib from the strings asserted beside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "analysis/fingerprint.h"
#include "tls/msg.h"
#include "tls_builders.h"
#include "hex_vectors.h"

/* Big structs live outside the stack. */
static struct tb t;
static struct tsc_client_hello ch;
static struct tsc_server_hello sh;
static struct tsc_fp_client fc;
static struct tsc_fp_server fs;

/* ---- builders ---- */

static void ch_begin(uint16_t version, const uint16_t *suites, size_t n)
{
    tb_init(&t);
    tb_u16(&t, version);
    for (int i = 0; i < 32; i++)
        tb_u8(&t, (uint32_t)i);
    tb_vec8(&t, NULL, 0); /* session id */
    tb_open(&t, 2);
    for (size_t i = 0; i < n; i++)
        tb_u16(&t, suites[i]);
    tb_close(&t);
    tb_open(&t, 1);
    tb_u8(&t, 0);
    tb_close(&t);
}

static void ext_empty(uint16_t type)
{
    tb_ext_open(&t, type);
    tb_close(&t);
}

static void ext_u16_list16(uint16_t type, const uint16_t *v, size_t n)
{
    tb_ext_open(&t, type);
    tb_open(&t, 2);
    for (size_t i = 0; i < n; i++)
        tb_u16(&t, v[i]);
    tb_close(&t);
    tb_close(&t);
}

static void ext_u16_list8(uint16_t type, const uint16_t *v, size_t n)
{
    tb_ext_open(&t, type);
    tb_open(&t, 1);
    for (size_t i = 0; i < n; i++)
        tb_u16(&t, v[i]);
    tb_close(&t);
    tb_close(&t);
}

static void ext_u8_list8(uint16_t type, const uint8_t *v, size_t n)
{
    tb_ext_open(&t, type);
    tb_vec8(&t, v, n);
    tb_close(&t);
}

static void ext_raw(uint16_t type, const void *p, size_t n)
{
    tb_ext_open(&t, type);
    tb_raw(&t, p, n);
    tb_close(&t);
}

static void ext_sni(const char *name)
{
    tb_ext_open(&t, TSC_EXT_SERVER_NAME);
    tb_open(&t, 2);
    tb_u8(&t, 0);
    tb_vec16(&t, name, strlen(name));
    tb_close(&t);
    tb_close(&t);
}

/* ALPN with the given names (a name may hold any bytes; lengths given). */
static void ext_alpn(const char *const *names, const size_t *lens, size_t n)
{
    tb_ext_open(&t, TSC_EXT_ALPN);
    tb_open(&t, 2);
    for (size_t i = 0; i < n; i++)
        tb_vec8(&t, names[i], lens[i]);
    tb_close(&t);
    tb_close(&t);
}

static void ext_alpn1(const char *name, size_t len) { ext_alpn(&name, &len, 1); }

static void parse_ch(void)
{
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &ch));
    tsc_fp_client_hello(&ch, &fc);
}

/* ---- FoxIO's example, with GREASE added everywhere ---- */

static const uint16_t fox_suites[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                      0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t fox_sigs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

/* Chrome-like: extensions in the order of JA4.md's example, GREASE first and last. */
static void fox_hello(const uint16_t *sigs, size_t nsigs)
{
    static const uint16_t groups[] = {0x3a3a, 0x001d, 0x0017, 0x0018};
    static const uint16_t versions[] = {0x4a4a, TSC_TLS13, TSC_TLS12};
    static const uint8_t formats[] = {0};
    static const uint8_t modes[] = {1};
    static const uint8_t alps[] = {0x00, 0x03, 0x02, 'h', '2'};
    static const uint8_t status[] = {1, 0, 0, 0, 0};
    static const uint8_t padding[40] = {0};
    const char *alpn[] = {"h2", "http/1.1"};
    const size_t alpn_len[] = {2, 8};

    ch_begin(TSC_TLS12, fox_suites, sizeof fox_suites / 2);
    tb_open(&t, 2);
    ext_empty(0x1a1a);
    tb_ext_open(&t, TSC_EXT_COMPRESS_CERTIFICATE); /* 001b */
    tb_open(&t, 1);
    tb_u16(&t, 2);
    tb_close(&t);
    tb_close(&t);
    ext_sni("example.com"); /* 0000 */
    tb_ext_open(&t, TSC_EXT_KEY_SHARE); /* 0033 */
    tb_open(&t, 2);
    tb_u16(&t, 0x001d);
    tb_open(&t, 2);
    tb_fill(&t, 0x42, 32);
    tb_close(&t);
    tb_close(&t);
    tb_close(&t);
    ext_alpn(alpn, alpn_len, 2);                         /* 0010 */
    ext_raw(0x4469, alps, sizeof alps);                  /* 4469 */
    ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);           /* 0017 */
    ext_u8_list8(TSC_EXT_PSK_KEY_EXCHANGE_MODES, modes, 1); /* 002d */
    ext_u16_list16(TSC_EXT_SIGNATURE_ALGORITHMS, sigs, nsigs); /* 000d */
    ext_raw(TSC_EXT_STATUS_REQUEST, status, sizeof status); /* 0005 */
    ext_empty(TSC_EXT_SESSION_TICKET);                   /* 0023 */
    ext_empty(TSC_EXT_SCT);                              /* 0012 */
    ext_u16_list8(TSC_EXT_SUPPORTED_VERSIONS, versions, 3); /* 002b */
    ext_u8_list8(TSC_EXT_RENEGOTIATION_INFO, NULL, 0);   /* ff01 */
    ext_u8_list8(TSC_EXT_EC_POINT_FORMATS, formats, 1);  /* 000b */
    ext_u16_list16(TSC_EXT_SUPPORTED_GROUPS, groups, 4); /* 000a */
    ext_raw(TSC_EXT_PADDING, padding, sizeof padding);   /* 0015 */
    ext_empty(0x2a2a);
    tb_close(&t);
}

static void test_ja4_foxio_example(void **state)
{
    (void)state;
    fox_hello(fox_sigs, 8);
    parse_ch();
    for (uint16_t i = 0; i < ch.ext.stored; i++)
        ASSERT_OK(ch.ext.ext[i].status);
    assert_int_equal(fc.ja4_status, TSC_FP_OK);
    assert_string_equal(fc.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(fc.ja4_r,
                        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
                        "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
                        "0403,0804,0401,0503,0805,0501,0806,0601");
}

static void test_ja3_chrome_like(void **state)
{
    (void)state;
    fox_hello(fox_sigs, 8);
    parse_ch();
    assert_int_equal(fc.ja3_status, TSC_FP_OK);
    assert_string_equal(fc.ja3, "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                                "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
    assert_string_equal(fc.ja3_md5, "c000e2caf3a25423f9de6c8a4b12a975");
}

/* GREASE in signature_algorithms is left out; JA4.md's example without signature
 * algorithms hashes the extension list alone (no trailing '_'). */
static void test_ja4_sigalgs(void **state)
{
    (void)state;
    static const uint16_t sigs_grease[] = {0x0403, 0x5a5a, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
    fox_hello(sigs_grease, 9);
    parse_ch();
    assert_string_equal(fc.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");

    /* only GREASE: no '_' part, as if there were no signature algorithms */
    static const uint16_t only_grease[] = {0x6a6a};
    fox_hello(only_grease, 1);
    parse_ch();
    assert_non_null(strstr(fc.ja4_r, "_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"));
    assert_null(strstr(fc.ja4_r, "ff01_"));
    /* JA4.md: "0005,...,ff01 = 6d807ffa2a79" */
    assert_string_equal(fc.ja4 + 24, "6d807ffa2a79");
}

/* A TLS 1.0 hello with no extensions block at all: tshark 4.0 gives empty
 * fields ("768,49172-...-255,,,"), JA4 an all-zero extension hash. */
static void test_no_extensions(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x002f, 0x0035, 0x000a};
    ch_begin(TSC_TLS10, suites, 3);
    parse_ch();
    assert_int_equal(ch.ext.present, 0);
    assert_int_equal(fc.ja3_status, TSC_FP_OK);
    assert_string_equal(fc.ja3, "769,47-53-10,,,");
    assert_string_equal(fc.ja3_md5, "7bc4acc37e8095387bed8c0b30a6081a");
    assert_int_equal(fc.ja4_status, TSC_FP_OK);
    assert_string_equal(fc.ja4, "t10i030000_5704bdfc91c6_000000000000");
    assert_string_equal(fc.ja4_r, "t10i030000_000a,002f,0035_");

    /* an empty extensions block is the same */
    ch_begin(TSC_SSL30, suites, 3);
    tb_open(&t, 2);
    tb_close(&t);
    parse_ch();
    assert_int_equal(ch.ext.present, 1);
    assert_string_equal(fc.ja3, "768,47-53-10,,,");
    assert_string_equal(fc.ja4, "ts3i030000_5704bdfc91c6_000000000000");
}

/* Extensions without groups or point formats: those JA3 fields are empty. */
static void test_ja3_empty_fields(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0xc02f, 0x00ff};
    static const uint8_t formats[] = {0, 1, 2};
    ch_begin(TSC_TLS12, suites, 2);
    tb_open(&t, 2);
    ext_sni("a.example");
    ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja3, "771,49199-255,0-23,,");

    ch_begin(TSC_TLS12, suites, 2);
    tb_open(&t, 2);
    ext_u8_list8(TSC_EXT_EC_POINT_FORMATS, formats, 3);
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja3, "771,49199-255,11,,0-1-2");

    /* a malformed supported_groups (odd length) is kept as RAW by the decoder;
     * tshark 4.0 still lists its whole items: "771,49199,10,29," */
    ch_begin(TSC_TLS12, suites, 2);
    tb_open(&t, 2);
    static const uint8_t odd[] = {0x00, 0x03, 0x00, 0x1d, 0x00};
    ext_raw(TSC_EXT_SUPPORTED_GROUPS, odd, sizeof odd);
    tb_close(&t);
    parse_ch();
    assert_int_equal(ch.ext.ext[0].form, TSC_EXTF_RAW);
    assert_string_equal(fc.ja3, "771,49199-255,10,29,");

    /* a list length running past the body: no values (tshark: the same) */
    ch_begin(TSC_TLS12, suites, 2);
    tb_open(&t, 2);
    static const uint8_t past[] = {0x00, 0x08, 0x00, 0x1d};
    ext_raw(TSC_EXT_SUPPORTED_GROUPS, past, sizeof past);
    static const uint8_t formats_past[] = {0x03, 0x00};
    ext_raw(TSC_EXT_EC_POINT_FORMATS, formats_past, sizeof formats_past);
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja3, "771,49199-255,10-11,,");

    /* GREASE-only groups and an empty list: empty fields */
    ch_begin(TSC_TLS12, suites, 2);
    tb_open(&t, 2);
    static const uint16_t grease_groups[] = {0x2a2a};
    ext_u16_list16(TSC_EXT_SUPPORTED_GROUPS, grease_groups, 1);
    ext_u8_list8(TSC_EXT_EC_POINT_FORMATS, NULL, 0);
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja3, "771,49199-255,10-11,,");
}

/* Lists read as tshark reads them; a repeated supported_groups gives its first. */
static void test_lenient_lists(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0xc02f};
    static const uint8_t sigs_odd[] = {0x00, 0x05, 0x04, 0x03, 0x08, 0x04, 0x01};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_raw(TSC_EXT_SIGNATURE_ALGORITHMS, sigs_odd, sizeof sigs_odd);
    tb_close(&t);
    parse_ch();
    assert_int_equal(ch.ext.ext[0].form, TSC_EXTF_RAW);
    assert_string_equal(fc.ja4_r, "t12i010100_c02f_000d_0403,0804");

    /* tshark 4.0 writes "771,49199,10-10,29-23,24," here (six fields) */
    static const uint16_t g1[] = {29, 23}, g2[] = {24};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_u16_list16(TSC_EXT_SUPPORTED_GROUPS, g1, 2);
    ext_u16_list16(TSC_EXT_SUPPORTED_GROUPS, g2, 1);
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja3, "771,49199,10-10,29-23,");
    assert_string_equal(fc.ja4_r, "t12i010200_c02f_000a,000a");
}

static void test_ja3s(void **state)
{
    (void)state;
    /* suricata-verify tests/tls/tls-ja3s */
    tb_init(&t);
    tb_u16(&t, TSC_TLS12);
    tb_fill(&t, 0x11, 32);
    tb_vec8(&t, NULL, 0);
    tb_u16(&t, 0xc02f);
    tb_u8(&t, 0);
    tb_open(&t, 2);
    ext_u8_list8(TSC_EXT_RENEGOTIATION_INFO, NULL, 0);
    ext_empty(TSC_EXT_SERVER_NAME);
    static const uint8_t formats[] = {0};
    ext_u8_list8(TSC_EXT_EC_POINT_FORMATS, formats, 1);
    tb_ext_open(&t, TSC_EXT_ALPN);
    tb_open(&t, 2);
    tb_vec8(&t, "h2", 2);
    tb_close(&t);
    tb_close(&t);
    ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    tsc_fp_server_hello(&sh, &fs);
    assert_int_equal(fs.ja3s_status, TSC_FP_OK);
    assert_string_equal(fs.ja3s, "771,49199,65281-0-11-16-23");
    assert_string_equal(fs.ja3s_md5, "5d79edf64e03689ff559a54e9d9487bc");

    /* TLS 1.3: the legacy version, not supported_versions; GREASE left out */
    tb_init(&t);
    tb_u16(&t, TSC_TLS12);
    tb_fill(&t, 0x22, 32);
    tb_vec8(&t, NULL, 0);
    tb_u16(&t, 0x1301);
    tb_u8(&t, 0);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_SUPPORTED_VERSIONS);
    tb_u16(&t, TSC_TLS13);
    tb_close(&t);
    ext_empty(0xcaca);
    tb_ext_open(&t, TSC_EXT_KEY_SHARE);
    tb_u16(&t, 0x001d);
    tb_open(&t, 2);
    tb_fill(&t, 0x33, 32);
    tb_close(&t);
    tb_close(&t);
    tb_close(&t);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    tsc_fp_server_hello(&sh, &fs);
    assert_string_equal(fs.ja3s, "771,4865,43-51");
    assert_string_equal(fs.ja3s_md5, "f4febc55ea12b31ae17cfb7e614afda8");

    /* no extensions */
    tb_init(&t);
    tb_u16(&t, TSC_TLS10);
    tb_fill(&t, 0x44, 32);
    tb_vec8(&t, NULL, 0);
    tb_u16(&t, 0x0005);
    tb_u8(&t, 0);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    tsc_fp_server_hello(&sh, &fs);
    assert_string_equal(fs.ja3s, "769,5,");
}

/* JA4 version: supported_versions wins; GREASE is ignored; unknown is "00". */
static void test_ja4_version(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x1301};
    struct {
        uint16_t legacy;
        uint16_t versions[3];
        size_t n; /* 0: no supported_versions */
        const char *want;
    } cases[] = {
        {TSC_TLS12, {0}, 0, "t12i010100"},
        {TSC_TLS11, {0}, 0, "t11i010100"},
        {TSC_TLS10, {0}, 0, "t10i010100"},
        {TSC_SSL30, {0}, 0, "ts3i010100"},
        {0x0002, {0}, 0, "ts2i010100"},
        {0x0200, {0}, 0, "t00i010100"},
        {0xfefd, {0}, 0, "td2i010100"},
        {TSC_TLS12, {TSC_TLS12, 0x1a1a, TSC_TLS13}, 3, "t13i010100"},
        {TSC_TLS12, {0x2a2a}, 1, "t00i010100"},            /* only GREASE */
        {TSC_TLS12, {TSC_TLS13, 0x7f1c}, 2, "t00i010100"}, /* a draft is the highest */
        {TSC_TLS10, {TSC_TLS11}, 1, "t11i010100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ch_begin(cases[i].legacy, suites, 1);
        tb_open(&t, 2);
        if (cases[i].n)
            ext_u16_list8(TSC_EXT_SUPPORTED_VERSIONS, cases[i].versions, cases[i].n);
        else
            ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);
        tb_close(&t);
        parse_ch();
        char got[11];
        snprintf(got, sizeof got, "%s", fc.ja4);
        assert_string_equal(got, cases[i].want);
    }

    /* a malformed supported_versions (odd length): its whole items count */
    ch_begin(TSC_TLS11, suites, 1);
    tb_open(&t, 2);
    static const uint8_t odd[] = {0x03, 0x03, 0x04, 0x03};
    ext_raw(TSC_EXT_SUPPORTED_VERSIONS, odd, sizeof odd);
    tb_close(&t);
    parse_ch();
    assert_memory_equal(fc.ja4, "t13i010100", 10);

    /* one whose length runs past its body holds no version: "00" */
    ch_begin(TSC_TLS11, suites, 1);
    tb_open(&t, 2);
    static const uint8_t past[] = {0x06, 0x03, 0x04};
    ext_raw(TSC_EXT_SUPPORTED_VERSIONS, past, sizeof past);
    tb_close(&t);
    parse_ch();
    assert_memory_equal(fc.ja4, "t00i010100", 10);
}

/* JA4.md's ALPN rules, including its five hex examples. */
static void test_ja4_alpn(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x1301};
    struct {
        const char *name;
        size_t len;
        const char *want;
    } cases[] = {
        {"h2", 2, "h2"},
        {"http/1.1", 8, "h1"},
        {"x", 1, "xx"},
        {"\xab", 1, "ab"},
        {"\xab\xcd", 2, "ad"},
        {"\x30\xab", 2, "3b"},
        {"\x30\x31\xab\xcd", 4, "3d"},
        {"\x30\xab\xcd\x31", 4, "01"},
        {"\xba\xad", 2, "bd"}, /* FoxIO's tls-non-ascii-alpn.pcapng (their tools print "99") */
        {"h2-", 3, "6d"},
        {"Z9", 2, "Z9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ch_begin(TSC_TLS12, suites, 1);
        tb_open(&t, 2);
        ext_alpn1(cases[i].name, cases[i].len);
        tb_close(&t);
        parse_ch();
        assert_memory_equal(fc.ja4 + 8, cases[i].want, 2);
        assert_memory_equal(fc.ja4, "t12i0101", 8);
    }

    /* no ALPN, and an ALPN whose first name is empty (malformed: kept RAW) */
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    parse_ch();
    assert_memory_equal(fc.ja4, "t12i010100_", 11);

    const char *names[] = {"", "h2"};
    const size_t lens[] = {0, 2};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_alpn(names, lens, 2);
    tb_close(&t);
    parse_ch();
    assert_memory_equal(fc.ja4, "t12i010100_", 11);

    /* a good first name before a malformed (empty) second one still counts */
    const char *names2[] = {"h2", ""};
    const size_t lens2[] = {2, 0};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_alpn(names2, lens2, 2);
    tb_close(&t);
    parse_ch();
    assert_int_equal(ch.ext.ext[0].form, TSC_EXTF_RAW);
    assert_memory_equal(fc.ja4, "t12i0101h2_", 11);

    /* an ALPN body too short to hold a name */
    static const uint8_t bad[] = {0x00, 0x05, 0x02, 'h'};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_raw(TSC_EXT_ALPN, bad, sizeof bad);
    tb_close(&t);
    parse_ch();
    assert_memory_equal(fc.ja4, "t12i010100_", 11);
}

/* SNI: presence decides, not content; counts include SNI and ALPN. */
static void test_ja4_sni_and_counts(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x1301};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    ext_raw(TSC_EXT_SERVER_NAME, "\x00", 1); /* malformed, still present */
    ext_alpn1("h2", 2);
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja4_r, "t12d0102h2_1301_");
    /* the extension list is empty once SNI and ALPN are out */
    assert_string_equal(fc.ja4, "t12d0102h2_0f2cb44170f4_000000000000");
}

/* Sorting: across high bytes, duplicates kept; more than 99 counts as 99. */
static void test_ja4_sort_and_cap(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0xc030, 0x0035, 0x1301, 0x002f, 0x0035, 0xff85, 0x0a0a, 0x00ff};
    ch_begin(TSC_TLS12, suites, sizeof suites / 2);
    tb_open(&t, 2);
    ext_u8_list8(TSC_EXT_RENEGOTIATION_INFO, NULL, 0);
    ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);
    static const uint16_t groups[] = {0x001d};
    ext_u16_list16(TSC_EXT_SUPPORTED_GROUPS, groups, 1);
    static const uint8_t formats[] = {0};
    ext_u8_list8(TSC_EXT_EC_POINT_FORMATS, formats, 1);
    ext_empty(TSC_EXT_STATUS_REQUEST); /* status_request with an empty body: malformed, still listed */
    tb_close(&t);
    parse_ch();
    assert_string_equal(fc.ja4_r, "t12i070500_002f,0035,0035,00ff,1301,c030,ff85_0005,000a,000b,0017,ff01");

    uint16_t many[120];
    for (size_t i = 0; i < 120; i++)
        many[i] = (uint16_t)(0x0100 + 120 - i);
    ch_begin(TSC_TLS12, many, 120);
    parse_ch();
    assert_memory_equal(fc.ja4, "t12i990000_", 11);
    assert_memory_equal(fc.ja4_r, "t12i990000_0101,0102,0103,", 26);
    assert_int_equal(fc.ja4_status, TSC_FP_OK);
}

/* A cipher list of only GREASE: zero count and an all-zero hash. */
static void test_ja4_no_ciphers(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x0a0a, 0xfafa};
    ch_begin(TSC_TLS12, suites, 2);
    parse_ch();
    assert_string_equal(fc.ja4, "t12i000000_000000000000_000000000000");
    assert_string_equal(fc.ja4_r, "t12i000000__");
    assert_string_equal(fc.ja3, "771,,,,");
}

/* A text that does not fit: cut at a whole item, flagged, hash still exact. */
static void test_cut_text(void **state)
{
    (void)state;
    char small[20], md5[TSC_FP_MD5_HEX], ja4[TSC_FP_JA4_SIZE], ja4_r[24];
    fox_hello(fox_sigs, 8);
    parse_ch();
    assert_int_equal(tsc_fp_ja3(&ch, small, sizeof small, md5), TSC_FP_CUT);
    assert_string_equal(small, "771,4865-4866-4867");
    assert_string_equal(md5, "c000e2caf3a25423f9de6c8a4b12a975");
    assert_int_equal(tsc_fp_ja4(&ch, ja4, ja4_r, sizeof ja4_r), TSC_FP_CUT);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(ja4_r, "t13d1516h2_002f,0035");

    /* hash only */
    assert_int_equal(tsc_fp_ja3(&ch, NULL, 0, md5), TSC_FP_OK);
    assert_string_equal(md5, "c000e2caf3a25423f9de6c8a4b12a975");
    assert_int_equal(tsc_fp_ja4(&ch, ja4, NULL, 0), TSC_FP_OK);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");

    /* a buffer of one byte holds the empty string */
    assert_int_equal(tsc_fp_ja3(&ch, small, 1, md5), TSC_FP_CUT);
    assert_string_equal(small, "");
}

/* Digests are remembered per thread (a capture repeats its hellos): what
 * the memo gives must be what a thread that never saw the hello computes,
 * for hellos of the same length that differ in one value, more of them than
 * the memo has slots, seen in both orders. */
#define MEMO_VARIANTS 80
static struct tsc_fp_client memo_ref[MEMO_VARIANTS];
static struct tsc_fp_server memo_ref_s[MEMO_VARIANTS];

static void memo_variant(size_t i)
{
    uint16_t suites[] = {0x1301, (uint16_t)(0x0100 + i), 0xc02f};
    ch_begin(TSC_TLS12, suites, 3);
    tb_open(&t, 2);
    ext_sni("memo.example");
    tb_close(&t);
}

static void *memo_fresh(void *arg)
{
    size_t i = *(size_t *)arg;
    memo_variant(i);
    if (!tsc_is_ok(tsc_client_hello_parse(tb_view(&t), &ch)))
        return arg; /* the failure is asserted on the test's own thread */
    tsc_fp_client_hello(&ch, &memo_ref[i]);
    sh.legacy_version = TSC_TLS12;
    sh.cipher_suite = (uint16_t)(0x0100 + i);
    tsc_fp_server_hello(&sh, &memo_ref_s[i]);
    return NULL;
}

static void memo_check(size_t i)
{
    memo_variant(i);
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &ch));
    tsc_fp_client_hello(&ch, &fc);
    assert_string_equal(fc.ja3_md5, memo_ref[i].ja3_md5);
    assert_string_equal(fc.ja4, memo_ref[i].ja4);
    assert_string_equal(fc.ja3, memo_ref[i].ja3);
    sh.legacy_version = TSC_TLS12;
    sh.cipher_suite = (uint16_t)(0x0100 + i);
    tsc_fp_server_hello(&sh, &fs);
    assert_string_equal(fs.ja3s_md5, memo_ref_s[i].ja3s_md5);
}

static void test_digest_memo(void **state)
{
    (void)state;
    memset(&sh, 0, sizeof sh);
    for (size_t i = 0; i < MEMO_VARIANTS; i++) {
        pthread_t th;
        void *failed = &th;
        assert_int_equal(pthread_create(&th, NULL, memo_fresh, &i), 0);
        assert_int_equal(pthread_join(th, &failed), 0);
        assert_null(failed);
    }
    for (size_t i = 1; i < MEMO_VARIANTS; i++)
        assert_string_not_equal(memo_ref[i].ja4, memo_ref[i - 1].ja4);
    for (size_t i = 0; i < MEMO_VARIANTS; i++)
        memo_check(i);
    for (size_t i = MEMO_VARIANTS; i-- > 0;)
        memo_check(i);
    /* an MD5 input and a SHA-256 input can be the same bytes: JA3S
     * "1234,1234,4865" and JA4's part b of the suites 0x1234, 0x4865,
     * 0x1234 (sorted: "1234,1234,4865"); each digest is its own */
    memset(&sh, 0, sizeof sh);
    sh.legacy_version = 1234;
    sh.cipher_suite = 1234;
    sh.ext.n = sh.ext.stored = 1;
    sh.ext.ext[0].type = 4865;
    tsc_fp_server_hello(&sh, &fs);
    assert_string_equal(fs.ja3s, "1234,1234,4865");
    assert_string_equal(fs.ja3s_md5, "73ccab8a57651b4ec6d6286066033178");
    static const uint16_t same_bytes[] = {0x1234, 0x4865, 0x1234};
    ch_begin(TSC_TLS12, same_bytes, 3);
    parse_ch();
    assert_memory_equal(fc.ja4_r, "t12i030000_1234,1234,4865_", 26);
    assert_memory_equal(fc.ja4 + 11, "31eb4d06b642", 12);
    memset(&sh, 0, sizeof sh);

    /* one of them checked against a value computed elsewhere (Python's hashlib) */
    memo_variant(0);
    ASSERT_OK(tsc_client_hello_parse(tb_view(&t), &ch));
    tsc_fp_client_hello(&ch, &fc);
    assert_string_equal(fc.ja3, "771,4865-256-49199,0,,");
    assert_string_equal(fc.ja3_md5, "cd9b39bcd71e616c712061f791e99319");
}

/* An SSLv2-format hello: no fingerprints (tshark gives no ja3 either). */
static void test_sslv2(void **state)
{
    (void)state;
    tb_init(&t);
    tb_u8(&t, 1);          /* CLIENT-HELLO */
    tb_u16(&t, TSC_TLS10); /* version */
    tb_u16(&t, 6);         /* cipher specs */
    tb_u16(&t, 0);         /* session id */
    tb_u16(&t, 16);        /* challenge */
    tb_u24(&t, 0x010080);
    tb_u24(&t, 0x00002f);
    tb_fill(&t, 0x77, 16);
    ASSERT_OK(tsc_sslv2_client_hello_parse(tb_view(&t), &ch));
    memset(&fc, 'x', sizeof fc);
    tsc_fp_client_hello(&ch, &fc);
    assert_int_equal(fc.ja3_status, TSC_FP_NONE);
    assert_int_equal(fc.ja4_status, TSC_FP_NONE);
    assert_string_equal(fc.ja3, "");
    assert_string_equal(fc.ja3_md5, "");
    assert_string_equal(fc.ja4, "");
    assert_string_equal(fc.ja4_r, "");
    assert_false(tsc_fp_usable(fc.ja3_status));
}

/* More extensions than are stored: flagged INCOMPLETE, not usable. */
static void test_incomplete(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x1301};
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    for (unsigned i = 0; i < TSC_MAX_EXTENSIONS + 6; i++)
        ext_empty((uint16_t)(0x1000 + i));
    tb_close(&t);
    parse_ch();
    assert_int_equal(ch.ext.n, TSC_MAX_EXTENSIONS + 6);
    assert_int_equal(fc.ja3_status, TSC_FP_INCOMPLETE);
    assert_int_equal(fc.ja4_status, TSC_FP_INCOMPLETE);
    assert_false(tsc_fp_usable(fc.ja4_status));
    assert_true(tsc_fp_usable(TSC_FP_CUT));
    assert_memory_equal(fc.ja4, "t12i0164", 8); /* the 64 stored */

    tb_init(&t);
    tb_u16(&t, TSC_TLS12);
    tb_fill(&t, 0x11, 32);
    tb_vec8(&t, NULL, 0);
    tb_u16(&t, 0xc02f);
    tb_u8(&t, 0);
    tb_open(&t, 2);
    for (unsigned i = 0; i < TSC_MAX_EXTENSIONS + 1; i++)
        ext_empty((uint16_t)(0x2000 + i));
    tb_close(&t);
    ASSERT_OK(tsc_server_hello_parse(tb_view(&t), &sh));
    tsc_fp_server_hello(&sh, &fs);
    assert_int_equal(fs.ja3s_status, TSC_FP_INCOMPLETE);
}

/* The longest cipher list a hello can hold: the text is cut, the hashes are
 * computed over all 32767 suites (values checked with Python's hashlib). */
static void test_huge_cipher_list(void **state)
{
    (void)state;
    static uint16_t suites[32767];
    for (size_t i = 0; i < 32767; i++)
        suites[i] = (uint16_t)(65535 - 2 * i);
    /* too long for the builder's buffer, so the body is written in place */
    static uint8_t body[2 + 32 + 1 + 2 + 65534 + 2];
    size_t o = 0;
    body[o++] = 0x03;
    body[o++] = 0x03;
    memset(body + o, 0, 32);
    o += 32;
    body[o++] = 0;
    body[o++] = 0xff;
    body[o++] = 0xfe;
    for (size_t i = 0; i < 32767; i++) {
        body[o++] = (uint8_t)(suites[i] >> 8);
        body[o++] = (uint8_t)suites[i];
    }
    body[o++] = 1;
    body[o++] = 0;
    struct tsc_view v = {body, o};
    ASSERT_OK(tsc_client_hello_parse(v, &ch));
    tsc_fp_client_hello(&ch, &fc);
    assert_int_equal(fc.ja3_status, TSC_FP_CUT);
    assert_int_equal(fc.ja4_status, TSC_FP_CUT);
    assert_string_equal(fc.ja3_md5, "349b7a4245104dba00c1f684fbd15f80");
    assert_string_equal(fc.ja4, "t12i990000_b933fc391cf8_000000000000");
    assert_true(strlen(fc.ja3) < TSC_FP_TEXT_MAX);
    assert_memory_equal(fc.ja4_r, "t12i990000_0003,0005,0007,", 26);
}

/* JA4's sorted lists: the short-list sort (up to 128 values) and the long
 * one give the same order, duplicates and GREASE (dropped) included. */
static void test_ja4_sort_both_ways(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 127, 128, 129, 200};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        uint16_t suites[200];
        for (size_t i = 0; i < n; i++)
            suites[i] = i % 10 == 3 ? 0x2a2a : (uint16_t)(0xc0ff - (i * 37) % 101); /* GREASE, repeats */
        ch_begin(TSC_TLS12, suites, n);
        parse_ch();
        uint16_t want[200];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (suites[i] != 0x2a2a)
                want[m++] = suites[i];
        for (size_t i = 1; i < m; i++) /* the test's own sort */
            for (size_t j = i; j > 0 && want[j - 1] > want[j]; j--) {
                uint16_t x = want[j];
                want[j] = want[j - 1];
                want[j - 1] = x;
            }
        char expect[1200] = "_";
        size_t o = 1;
        for (size_t i = 0; i < m; i++)
            o += (size_t)snprintf(expect + o, sizeof expect - o, "%s%04x", i ? "," : "", want[i]);
        snprintf(expect + o, sizeof expect - o, "_");
        if (!strstr(fc.ja4_r, expect))
            fail_msg("%zu suites: ja4_r %s lacks %s", n, fc.ja4_r, expect);
    }
}

/* ---- DTLS: real hellos of ../shared/corpus (handshake bodies) ---- */

/* arkime/tests/pcap/cloudshark-dtls1.pcap frame 1 (DTLS 1.0) */
static const char cloudshark_dtls1_ch[] =
    "feff0998ba991c8aaad305408542281890caf8cf1107e6ee7b9fe3521aa35a386ed500000058c014c00ac022c0210039"
    "003800880087c00fc00500350084c012c008c01cc01b00160013c00dc003000ac013c009c01fc01e00330032009a0099"
    "00450044c00ec004002f00960041001500120009001400110008000600ff0100000900230000000f000101";
/* the same capture's ServerHello (frame 2, first record) */
static const char cloudshark_dtls1_sh[] =
    "feff53b93aaaf847a096be55a03333d2651b0efb2d9d24a6c3071fcf1255a1a11f8d00003500000eff01000100002300"
    "00000f000101";
/* arkime/tests/pcap/wireshark-dtls12.pcap frame 1 (DTLS 1.2, before the
 * cookie exchange; extension 0x0100 holds 332 bytes of EC J-PAKE data) */
static const char wireshark_dtls12_ch[] =
    "fefd00000001d5b29592ac5bc1437633387efcffa544dc035cc6b94adebd92937b6600000006c0ffc0a8c0370100015c"
    "000a000400020017000b000201000100014a410465fbe14d9fe1318061410696098bdd559ee1b9e1fa7c7fb6436c3330"
    "b9cce2054f607a523f8e4fc11361cc9382382c34725070571c1e01615498208174435f524104cfc746589e4a140785b3"
    "bf94c7269ad1b17ad259fbe717c276ae0b0e749833af9ee25d020b5be979be4f9367e271322ce8a1006aef0e41f611e7"
    "bb1930978ef820895eb778e329c2176ca80b4beb88ab99b54b12d008ef7b5a505524a9eb116c4f41048b4718c80cd243"
    "037186fe9e849aa60dbe52abdbddb4e27df93f7f33434a923ce38c1f5a81933411aa24b4cb504bec14fb5a9cd53b08bc"
    "f68bed4def4185e9ae4104cfc746589e4a140785b3bf94c7269ad1b17ad259fbe717c276ae0b0e749833af9ee25d020b"
    "5be979be4f9367e271322ce8a1006aef0e41f611e7bb1930978ef820593a8e63a1e30583b95ed6f2904f3543a9c0bc2f"
    "50df9d0e34c174469cc69892";
/* its ServerHello (frame 4), the EC J-PAKE data cut off and lengths adjusted */
static const char wireshark_dtls12_sh[] =
    "fefdbec237ebe70bf146ac1697ac74fdd6d90261357269f6fa3a92a60b503b4615e02058d85a52b9b4405ec1bec8271c"
    "f67786556d9299158b3ea945903e0406da654ac0ff00" "000a" "000b00020100" "01000000";
/* arkime/tests/pcap/wireshark-dtls0.pcap frame 1 (OpenSSL's pre-standard DTLS 0x0100, no extensions) */
static const char wireshark_dtls0_ch[] =
    "0100448d75287c77401e8ac822a0a018ff9308caac0a642fc92264bc08a81689193f0000003600390038003500160013"
    "000a00330032002f0007006600050004006300620061001500120009006500640060001400110008000600030100";
/* illustrated-dtls/captures/caps/01-hello-c (DTLS 1.3) */
static const char illustrated_dtls13_ch[] =
    "fefde0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00000006130113021303010000"
    "61003300260024001d0020358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254002b0003"
    "02fefc000d0020001e06030503040302030806080b0805080a0804080906010501040103010201001600000"
    "00a00040002001d";

static uint8_t dtls_buf[1024];

static void parse_dtls_ch(const char *hex)
{
    struct tsc_view v = {dtls_buf, unhex(hex, dtls_buf, sizeof dtls_buf)};
    ASSERT_OK(tsc_client_hello_parse_as(v, 1, &ch));
    tsc_fp_client_hello(&ch, &fc);
    assert_int_equal(fc.ja3_status, TSC_FP_OK);
    assert_int_equal(fc.ja4_status, TSC_FP_OK);
}

static void parse_dtls_sh(const char *hex)
{
    struct tsc_view v = {dtls_buf, unhex(hex, dtls_buf, sizeof dtls_buf)};
    ASSERT_OK(tsc_server_hello_parse(v, &sh));
    tsc_fp_server_hello(&sh, &fs);
    assert_int_equal(fs.ja3s_status, TSC_FP_OK);
}

static void test_dtls_arkime_and_tshark(void **state)
{
    (void)state;
    parse_dtls_ch(cloudshark_dtls1_ch);
    assert_string_equal(fc.ja4, "dd1i440200_49bcda3e7ebf_18d1e47e0978");
    assert_string_equal(fc.ja4_r,
                        "dd1i440200_0006,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,"
                        "0039,0041,0044,0045,0084,0087,0088,0096,0099,009a,00ff,c003,c004,c005,c008,c009,c00a,"
                        "c00d,c00e,c00f,c012,c013,c014,c01b,c01c,c01e,c01f,c021,c022_000f,0023");
    assert_string_equal(fc.ja3, "65279,49172-49162-49186-49185-57-56-136-135-49167-49157-53-132-49170-49160-"
                                "49180-49179-22-19-49165-49155-10-49171-49161-49183-49182-51-50-154-153-69-68-"
                                "49166-49156-47-150-65-21-18-9-20-17-8-6-255,35-15,,");
    assert_string_equal(fc.ja3_md5, "1f12ed4be0b680eb539364fa1b55b8d4");

    parse_dtls_ch(wireshark_dtls12_ch);
    assert_string_equal(fc.ja4, "dd2i030300_f7e428980f70_6c817ce3d217");
    assert_string_equal(fc.ja4_r, "dd2i030300_c037,c0a8,c0ff_000a,000b,0100");
    assert_string_equal(fc.ja3, "65277,49407-49320-49207,10-11-256,23,0");
    assert_string_equal(fc.ja3_md5, "b873950d512f587035f617fb93b988ac");

    parse_dtls_ch(wireshark_dtls0_ch);
    assert_string_equal(fc.ja4, "d00i270000_fd1a708466c1_000000000000");
    assert_string_equal(fc.ja4_r, "d00i270000_0003,0004,0005,0006,0007,0008,0009,000a,0011,0012,0013,0014,0015,"
                                  "0016,002f,0032,0033,0035,0038,0039,0060,0061,0062,0063,0064,0065,0066_");
    assert_string_equal(fc.ja3, "256,57-56-53-22-19-10-51-50-47-7-102-5-4-99-98-97-21-18-9-101-100-96-20-17-8-"
                                "6-3,,,");
    assert_string_equal(fc.ja3_md5, "af322fd164d4c667145802d082cca779");

    /* DTLS 1.3: tshark's JA3; the JA4 computed by hand from the hello */
    parse_dtls_ch(illustrated_dtls13_ch);
    assert_string_equal(fc.ja3, "65277,4865-4866-4867,51-43-13-22-10,29,");
    assert_string_equal(fc.ja3_md5, "a8e674b659403926e0fc263a59eff1cf");
    assert_string_equal(fc.ja4, "dd3i030500_55b375c5d22e_06a427f2011b");
    assert_string_equal(fc.ja4_r, "dd3i030500_1301,1302,1303_000a,000d,0016,002b,0033_0603,0503,0403,0203,0806,"
                                  "080b,0805,080a,0804,0809,0601,0501,0401,0301,0201");

    /* JA3S as tshark's dtls.handshake.ja3s */
    parse_dtls_sh(cloudshark_dtls1_sh);
    assert_string_equal(fs.ja3s, "65279,53,65281-35-15");
    assert_string_equal(fs.ja3s_md5, "d45798bc098cd930de7eb2f5f866e994");
    parse_dtls_sh(wireshark_dtls12_sh);
    assert_string_equal(fs.ja3s, "65277,49407,11-256");
    assert_string_equal(fs.ja3s_md5, "6070981cae5ee8ae4e5db0c2b23115f3");
}

/* The second ClientHello of a cookie exchange fingerprints like the first:
 * the cookie is no part of JA3 or JA4. */
static void test_dtls_cookie_not_fingerprinted(void **state)
{
    (void)state;
    static uint8_t with_cookie[1024];
    parse_dtls_ch(wireshark_dtls12_ch);
    char ja3[TSC_FP_MD5_HEX], ja4[TSC_FP_JA4_SIZE];
    memcpy(ja3, fc.ja3_md5, sizeof ja3);
    memcpy(ja4, fc.ja4, sizeof ja4);
    size_t n = unhex(wireshark_dtls12_ch, dtls_buf, sizeof dtls_buf);
    /* wireshark-dtls12.pcap frame 3: the cookie dd2e7e0916224805 after the empty session id */
    memcpy(with_cookie, dtls_buf, 35);
    memcpy(with_cookie + 35, "\x08\xdd\x2e\x7e\x09\x16\x22\x48\x05", 9);
    memcpy(with_cookie + 44, dtls_buf + 36, n - 36);
    struct tsc_view v = {with_cookie, n + 8};
    ASSERT_OK(tsc_client_hello_parse_as(v, 1, &ch));
    assert_int_equal(ch.cookie.len, 8);
    tsc_fp_client_hello(&ch, &fc);
    assert_string_equal(fc.ja3_md5, ja3);
    assert_string_equal(fc.ja4, ja4);
}

/* JA4's protocol letter and DTLS version: the newest DTLS version offered. */
static void test_ja4_dtls_version(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x1301};
    struct {
        uint16_t legacy;
        uint16_t versions[3];
        size_t n; /* 0: no supported_versions */
        const char *want;
    } cases[] = {
        {TSC_DTLS10, {0}, 0, "dd1i010100"},
        {TSC_DTLS12, {0}, 0, "dd2i010100"},
        {0x0100, {0}, 0, "d00i010100"},
        {TSC_DTLS12, {TSC_DTLS13, TSC_DTLS12}, 2, "dd3i010100"},
        {TSC_DTLS12, {TSC_DTLS12, 0x2a2a, TSC_DTLS13}, 3, "dd3i010100"},
        {TSC_DTLS12, {0x1a1a, TSC_DTLS12}, 2, "dd2i010100"},
        {TSC_DTLS12, {0x3a3a}, 1, "d00i010100"},
        {TSC_DTLS10, {TSC_DTLS10, TSC_DTLS12}, 2, "dd2i010100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tb_init(&t);
        tb_u16(&t, cases[i].legacy);
        tb_fill(&t, 7, 32);
        tb_vec8(&t, NULL, 0); /* session id */
        tb_vec8(&t, NULL, 0); /* cookie */
        tb_vec16(&t, "\x13\x01", 2);
        tb_vec8(&t, "\x00", 1);
        tb_open(&t, 2);
        if (cases[i].n)
            ext_u16_list8(TSC_EXT_SUPPORTED_VERSIONS, cases[i].versions, cases[i].n);
        else
            ext_empty(TSC_EXT_EXTENDED_MASTER_SECRET);
        tb_close(&t);
        ASSERT_OK(tsc_client_hello_parse_as(tb_view(&t), 1, &ch));
        tsc_fp_client_hello(&ch, &fc);
        char got[11];
        snprintf(got, sizeof got, "%s", fc.ja4);
        assert_string_equal(got, cases[i].want);
    }

    /* a TLS hello keeps the numeric rule and the letter 't' */
    ch_begin(TSC_TLS12, suites, 1);
    tb_open(&t, 2);
    static const uint16_t both[] = {TSC_DTLS13, TSC_DTLS12};
    ext_u16_list8(TSC_EXT_SUPPORTED_VERSIONS, both, 2);
    tb_close(&t);
    parse_ch();
    assert_memory_equal(fc.ja4, "td2i010100", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja4_foxio_example),
        cmocka_unit_test(test_ja3_chrome_like),
        cmocka_unit_test(test_ja4_sigalgs),
        cmocka_unit_test(test_no_extensions),
        cmocka_unit_test(test_ja3_empty_fields),
        cmocka_unit_test(test_lenient_lists),
        cmocka_unit_test(test_ja3s),
        cmocka_unit_test(test_ja4_version),
        cmocka_unit_test(test_ja4_alpn),
        cmocka_unit_test(test_ja4_sni_and_counts),
        cmocka_unit_test(test_ja4_sort_and_cap),
        cmocka_unit_test(test_ja4_no_ciphers),
        cmocka_unit_test(test_cut_text),
        cmocka_unit_test(test_sslv2),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_huge_cipher_list),
        cmocka_unit_test(test_ja4_sort_both_ways),
        cmocka_unit_test(test_dtls_arkime_and_tshark),
        cmocka_unit_test(test_dtls_cookie_not_fingerprinted),
        cmocka_unit_test(test_ja4_dtls_version),
        cmocka_unit_test(test_digest_memo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
