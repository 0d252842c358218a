/*
 * test_fingerprint.c - JA3, JA3S and JA4 (analysis/fingerprint.c) on hellos
 * written by hand and decoded by tls/hello.c.
 *
 * Expected values come from outside tlsscope where they exist: FoxIO's worked
 * example in technical_details/JA4.md (t13d1516h2_8daaf6152771_e5627efa2ab1),
 * suricata-verify's tls-ja3s test (771,49199,65281-0-11-16-23 =
 * 5d79edf64e03689ff559a54e9d9487bc), and tshark 4.0's ja3_full for a hello
 * without extensions ("768,...,,,"); the others were computed with Python's
 * hashlib from the strings asserted beside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analysis/fingerprint.h"
#include "tls/msg.h"
#include "tls_builders.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
