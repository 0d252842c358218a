/*
 * test_keylog.c - NSS key log parsing and the client-random table
 * (crypto/keylog.c): every label, CRLF, comments, replacement, lines split
 * across calls, the unterminated last line, malformed lines with the number
 * of the first, unknown labels, table growth, load and refresh of a file.
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

#include "crypto/keylog.h"
#include "temp_file.h"
#include "tls_builders.h"

/* ------------------------------------------------------------ helpers */

/* A client random made from a seed: bytes seed, seed+1, ... (mod 256),
 * with the seed's own bytes in the first four so 10,000 seeds differ. */
static void make_random(uint32_t seed, uint8_t r[32])
{
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)(seed * 7u + (uint32_t)i);
    r[0] = (uint8_t)(seed >> 24);
    r[1] = (uint8_t)(seed >> 16);
    r[2] = (uint8_t)(seed >> 8);
    r[3] = (uint8_t)seed;
}

static void make_secret(uint32_t seed, size_t n, uint8_t *s)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (uint8_t)(seed * 13u + (uint32_t)i * 5u + 1u);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* "LABEL <random hex> <secret hex><eol>" into out (NUL-terminated). */
static void make_line(char *out, size_t cap, const char *label, const uint8_t r[32], const uint8_t *s, size_t sn,
                      const char *eol)
{
    char rh[65], sh[2 * TSC_KL_SECRET_MAX + 1];
    hex(r, 32, rh);
    hex(s, sn, sh);
    int k = snprintf(out, cap, "%s %s %s%s", label, rh, sh, eol);
    assert_true(k > 0 && (size_t)k < cap);
}

static struct tsc_keylog *parse_str(const char *text, int end)
{
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text, strlen(text)));
    if (end)
        ASSERT_OK(tsc_keylog_parse_end(kl));
    return kl;
}

static void assert_secret(const struct tsc_keylog *kl, enum tsc_kl_label label, const uint8_t r[32],
                          const uint8_t *want, size_t n)
{
    const uint8_t *got = NULL;
    assert_int_equal(tsc_keylog_get(kl, label, r, &got), n);
    assert_non_null(got);
    assert_memory_equal(got, want, n);
}

static void assert_absent(const struct tsc_keylog *kl, enum tsc_kl_label label, const uint8_t r[32])
{
    const uint8_t *got = NULL;
    assert_int_equal(tsc_keylog_get(kl, label, r, &got), 0);
}

/* A key log of 200 lines and several kinds, used by the split tests. */
static size_t sample_text(char *out, size_t cap)
{
    size_t len = 0;
    char line[400];
    uint8_t r[32], s[48];
    for (uint32_t i = 0; i < 50; i++) {
        make_random(i, r);
        make_secret(i, 48, s);
        make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, i % 2 ? "\r\n" : "\n");
        size_t k = strlen(line);
        assert_true(k < cap - len);
        memcpy(out + len, line, k);
        len += k;
        make_secret(i + 1000, 32, s);
        make_line(line, sizeof line, "SERVER_TRAFFIC_SECRET_0", r, s, 32, "\n");
        k = strlen(line);
        assert_true(k < cap - len);
        memcpy(out + len, line, k);
        len += k;
        const char *extra = i % 3 == 0 ? "# a comment\n" : i % 3 == 1 ? "\n" : "CLIENT_RANDOM 00 11\n";
        k = strlen(extra);
        assert_true(k < cap - len);
        memcpy(out + len, extra, k);
        len += k;
    }
    out[len] = 0;
    return len;
}

static void check_sample(const struct tsc_keylog *kl)
{
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 150);
    assert_int_equal(st->entries, 100);
    assert_int_equal(st->randoms, 50);
    assert_int_equal(st->malformed, 16); /* i = 2, 5, ..., 47 */
    assert_int_equal(st->first_malformed, 9);
    assert_int_equal(st->unknown_labels, 0);
    uint8_t r[32], s[48];
    for (uint32_t i = 0; i < 50; i++) {
        make_random(i, r);
        make_secret(i, 48, s);
        assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
        make_secret(i + 1000, 32, s);
        assert_secret(kl, TSC_KL_SERVER_AP0, r, s, 32);
        assert_absent(kl, TSC_KL_CLIENT_AP0, r);
    }
}

/* ------------------------------------------------------------ labels */

static void test_client_random(void **state)
{
    (void)state;
    uint8_t r[32], s[48];
    char line[400];
    make_random(1, r);
    make_secret(1, 48, s);
    make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "\n");
    struct tsc_keylog *kl = parse_str(line, 0);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    assert_true(tsc_keylog_has_random(kl, r));
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 1);
    assert_int_equal(st->entries, 1);
    assert_int_equal(st->randoms, 1);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(st->first_malformed, 0);
    assert_int_equal(st->unknown_labels, 0);
    /* only the label that was logged */
    for (int l = 1; l < TSC_KL_N; l++)
        assert_absent(kl, (enum tsc_kl_label)l, r);
    tsc_keylog_free(kl);
}

static void test_every_tls13_label(void **state)
{
    (void)state;
    static const char *const names[TSC_KL_N] = {
        "CLIENT_RANDOM",           "CLIENT_EARLY_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",         "EARLY_EXPORTER_SECRET",
    };
    char text[4096] = "", line[400];
    uint8_t r32[32], r48[32], s[48];
    make_random(32, r32);
    make_random(48, r48);
    for (int l = 0; l < TSC_KL_N; l++) {
        assert_string_equal(tsc_keylog_label_name((enum tsc_kl_label)l), names[l]);
        if (l == TSC_KL_CLIENT_RANDOM)
            continue;
        /* SHA-256 suites log 32-byte secrets, SHA-384 suites 48 */
        make_secret((uint32_t)l, 32, s);
        make_line(line, sizeof line, names[l], r32, s, 32, "\n");
        strncat(text, line, sizeof text - strlen(text) - 1);
        make_secret((uint32_t)l + 100, 48, s);
        make_line(line, sizeof line, names[l], r48, s, 48, "\n");
        strncat(text, line, sizeof text - strlen(text) - 1);
    }
    assert_null(tsc_keylog_label_name(TSC_KL_N));
    struct tsc_keylog *kl = parse_str(text, 0);
    for (int l = 1; l < TSC_KL_N; l++) {
        make_secret((uint32_t)l, 32, s);
        assert_secret(kl, (enum tsc_kl_label)l, r32, s, 32);
        make_secret((uint32_t)l + 100, 48, s);
        assert_secret(kl, (enum tsc_kl_label)l, r48, s, 48);
    }
    assert_absent(kl, TSC_KL_CLIENT_RANDOM, r32);
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 14);
    assert_int_equal(st->entries, 14);
    assert_int_equal(st->randoms, 2);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(st->unknown_labels, 0);
    tsc_keylog_free(kl);
}

static void test_uppercase_hex(void **state)
{
    (void)state;
    struct tsc_keylog *kl = parse_str(
        "CLIENT_RANDOM 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F "
        "AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899\n",
        0);
    uint8_t r[32], s[48];
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)i;
    static const uint8_t pat[16] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
                                    0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};
    for (int i = 0; i < 48; i++)
        s[i] = pat[i % 16];
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    tsc_keylog_free(kl);
}

/* ------------------------------------------------------------ line syntax */

static void test_crlf_comments_blank(void **state)
{
    (void)state;
    uint8_t r[32], s[48], s2[32];
    char l1[400], l2[400], text[1200];
    make_random(7, r);
    make_secret(7, 48, s);
    make_secret(8, 32, s2);
    make_line(l1, sizeof l1, "CLIENT_RANDOM", r, s, 48, "\r\n");
    make_line(l2, sizeof l2, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", r, s2, 32, "\r\n");
    snprintf(text, sizeof text,
             "# SSL/TLS secrets log file, generated by OpenSSL\r\n"
             "\r\n"
             "   \t \n"
             "#CLIENT_RANDOM not a line at all\n"
             "   # indented comment\r\n"
             "%s\n%s",
             l1, l2);
    struct tsc_keylog *kl = parse_str(text, 0);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    assert_secret(kl, TSC_KL_CLIENT_HS, r, s2, 32);
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 8); /* 5 comment/blank, l1, an empty line, l2 */
    assert_int_equal(st->entries, 2);
    assert_int_equal(st->randoms, 1);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(st->unknown_labels, 0);
    tsc_keylog_free(kl);
}

static void test_blanks_between_fields(void **state)
{
    (void)state;
    uint8_t r[32], s[48];
    char rh[65], sh[97], text[400];
    make_random(9, r);
    make_secret(9, 48, s);
    hex(r, 32, rh);
    hex(s, 48, sh);
    snprintf(text, sizeof text, "  CLIENT_RANDOM\t %s  \t%s \t\r\n", rh, sh);
    struct tsc_keylog *kl = parse_str(text, 0);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    assert_int_equal(tsc_keylog_stats(kl)->malformed, 0);
    tsc_keylog_free(kl);
}

static void test_later_line_replaces(void **state)
{
    (void)state;
    uint8_t r[32], a[48], b[48], c[32];
    char l1[400], l2[400], l3[400], text[1300];
    make_random(3, r);
    make_secret(1, 48, a);
    make_secret(2, 48, b);
    make_secret(3, 32, c);
    make_line(l1, sizeof l1, "CLIENT_RANDOM", r, a, 48, "\n");
    make_line(l2, sizeof l2, "CLIENT_TRAFFIC_SECRET_0", r, c, 32, "\n");
    make_line(l3, sizeof l3, "CLIENT_RANDOM", r, b, 48, "\n");
    snprintf(text, sizeof text, "%s%s%s", l1, l2, l3);
    struct tsc_keylog *kl = parse_str(text, 0);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, b, 48);
    assert_secret(kl, TSC_KL_CLIENT_AP0, r, c, 32); /* the other label is kept */
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->entries, 3);
    assert_int_equal(st->randoms, 1);
    tsc_keylog_free(kl);

    /* a 48-byte secret replaced by a 32-byte one: the length follows */
    uint8_t s48[48], s32[32];
    make_secret(4, 48, s48);
    make_secret(5, 32, s32);
    make_line(l1, sizeof l1, "SERVER_HANDSHAKE_TRAFFIC_SECRET", r, s48, 48, "\n");
    make_line(l2, sizeof l2, "SERVER_HANDSHAKE_TRAFFIC_SECRET", r, s32, 32, "\n");
    snprintf(text, sizeof text, "%s%s", l1, l2);
    kl = parse_str(text, 0);
    assert_secret(kl, TSC_KL_SERVER_HS, r, s32, 32);
    tsc_keylog_free(kl);
}

/* ------------------------------------------------------------ split input */

static void test_split_everywhere(void **state)
{
    (void)state;
    static char text[40000];
    size_t n = sample_text(text, sizeof text);
    /* one call */
    struct tsc_keylog *kl = parse_str(text, 0);
    check_sample(kl);
    tsc_keylog_free(kl);
    /* byte by byte */
    kl = tsc_keylog_new();
    assert_non_null(kl);
    for (size_t i = 0; i < n; i++)
        ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text + i, 1));
    ASSERT_OK(tsc_keylog_parse_end(kl));
    check_sample(kl);
    tsc_keylog_free(kl);
    /* chunks of every size up to a line and a half, and empty calls */
    for (size_t chunk = 2; chunk < 300; chunk += 7) {
        kl = tsc_keylog_new();
        assert_non_null(kl);
        for (size_t i = 0; i < n; i += chunk) {
            size_t k = n - i < chunk ? n - i : chunk;
            ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text + i, k));
            ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text + i, 0));
        }
        ASSERT_OK(tsc_keylog_parse_end(kl));
        check_sample(kl);
        tsc_keylog_free(kl);
    }
}

static void test_last_line_needs_end(void **state)
{
    (void)state;
    uint8_t r[32], s[48];
    char line[400];
    make_random(11, r);
    make_secret(11, 48, s);
    make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "");
    struct tsc_keylog *kl = parse_str(line, 0);
    assert_absent(kl, TSC_KL_CLIENT_RANDOM, r);
    assert_false(tsc_keylog_has_random(kl, r));
    assert_int_equal(tsc_keylog_stats(kl)->lines, 0);
    ASSERT_OK(tsc_keylog_parse_end(kl));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    assert_int_equal(tsc_keylog_stats(kl)->lines, 1);
    /* parse_end again: nothing left, nothing counted */
    ASSERT_OK(tsc_keylog_parse_end(kl));
    assert_int_equal(tsc_keylog_stats(kl)->lines, 1);
    assert_int_equal(tsc_keylog_stats(kl)->entries, 1);
    tsc_keylog_free(kl);

    /* an unterminated CRLF-less last line split over two calls */
    kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line, 50));
    ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line + 50, strlen(line) - 50));
    ASSERT_OK(tsc_keylog_parse_end(kl));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    tsc_keylog_free(kl);
}

/* ------------------------------------------------------------ malformed */

#define R64 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define S96 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"

static const char *const bad_lines[] = {
    "CLIENT_RANDOM " R64 " " S96 "a",                                       /* odd hex */
    "CLIENT_RANDOM " R64 " a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecg",
    "CLIENT_RANDOM 0g0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f " S96, /* bad hex in random */
    "CLIENT_RANDOM 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f " S96, /* 31-byte random */
    "CLIENT_RANDOM " R64 "20 " S96,                                          /* 33-byte random */
    "CLIENT_RANDOM " R64 " a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdce", /* 47 */
    "CLIENT_RANDOM " R64 " " S96 "d0",                                       /* 49-byte secret */
    "CLIENT_RANDOM " R64,                                                    /* 2 fields */
    "CLIENT_RANDOM " R64 " " S96 " extra",                                   /* 4 fields */
    "CLIENT_RANDOM",                                                         /* 1 field */
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R64 " " S96 S96 "",                   /* 96 bytes: longer than SHA-384 */
    "SERVER_TRAFFIC_SECRET_0 " R64 " 000102030405060708090a0b0c0d0e",       /* 15 bytes: too short */
};

static void test_malformed_each(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        char text[600];
        snprintf(text, sizeof text, "# header\n%s\n", bad_lines[i]);
        struct tsc_keylog *kl = parse_str(text, 0);
        const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
        print_message("bad line %zu\n", i);
        assert_int_equal(st->lines, 2);
        assert_int_equal(st->malformed, 1);
        assert_int_equal(st->first_malformed, 2);
        assert_int_equal(st->unknown_labels, 0);
        assert_int_equal(st->entries, 0);
        assert_int_equal(st->randoms, 0);
        tsc_keylog_free(kl);
    }
}

static void test_malformed_counts_and_first(void **state)
{
    (void)state;
    static char text[20000];
    size_t len = 0;
    uint8_t r1[32], r2[32], s[48];
    char line[400];
    make_random(21, r1);
    make_random(22, r2);
    make_secret(21, 48, s);
    make_line(line, sizeof line, "CLIENT_RANDOM", r1, s, 48, "\n");
    len += (size_t)snprintf(text + len, sizeof text - len, "%s# comment\n\n", line); /* lines 1-3 */
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++)          /* lines 4-15 */
        len += (size_t)snprintf(text + len, sizeof text - len, "%s\r\n", bad_lines[i]);
    /* line 16: 5000 characters of an otherwise good line */
    len += (size_t)snprintf(text + len, sizeof text - len, "CLIENT_RANDOM " R64 " ");
    for (int i = 0; i < 5000 - 80; i++)
        text[len++] = 'a';
    text[len++] = '\n';
    make_line(line, sizeof line, "CLIENT_RANDOM", r2, s, 48, "\n");
    len += (size_t)snprintf(text + len, sizeof text - len, "%s", line); /* line 17 */
    len += (size_t)snprintf(text + len, sizeof text - len, "RSA 0011223344556677 " S96 "\n"); /* 18 */

    for (int split = 0; split < 2; split++) {
        struct tsc_keylog *kl = tsc_keylog_new();
        assert_non_null(kl);
        if (split) {
            for (size_t i = 0; i < len; i += 333)
                ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text + i, len - i < 333 ? len - i : 333));
        } else {
            ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text, len));
        }
        ASSERT_OK(tsc_keylog_parse_end(kl));
        const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
        assert_int_equal(st->lines, 18);
        assert_int_equal(st->malformed, 13);
        assert_int_equal(st->first_malformed, 4);
        assert_int_equal(st->unknown_labels, 1);
        assert_int_equal(st->entries, 2);
        assert_int_equal(st->randoms, 2);
        /* the lines around the bad ones still count */
        assert_secret(kl, TSC_KL_CLIENT_RANDOM, r1, s, 48);
        assert_secret(kl, TSC_KL_CLIENT_RANDOM, r2, s, 48);
        tsc_keylog_free(kl);
    }
}

static void test_overlong_line(void **state)
{
    (void)state;
    static char text[6000];
    uint8_t r[32], s[48];
    char line[400];
    make_random(5, r);
    make_secret(5, 48, s);
    memset(text, 'A', 5000);
    text[5000] = '\n';
    make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "\n");
    memcpy(text + 5001, line, strlen(line) + 1);
    size_t n = strlen(text);
    /* in one call, and byte by byte */
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        struct tsc_keylog *kl = tsc_keylog_new();
        assert_non_null(kl);
        if (bytewise) {
            for (size_t i = 0; i < n; i++)
                ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text + i, 1));
        } else {
            ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text, n));
        }
        const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
        assert_int_equal(st->lines, 2);
        assert_int_equal(st->malformed, 1);
        assert_int_equal(st->first_malformed, 1);
        assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48); /* the line after it is whole */
        tsc_keylog_free(kl);
    }
    /* an overlong unterminated last line is counted at parse_end */
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)text, 5000));
    assert_int_equal(tsc_keylog_stats(kl)->lines, 0);
    ASSERT_OK(tsc_keylog_parse_end(kl));
    assert_int_equal(tsc_keylog_stats(kl)->lines, 1);
    assert_int_equal(tsc_keylog_stats(kl)->malformed, 1);
    assert_int_equal(tsc_keylog_stats(kl)->first_malformed, 1);
    tsc_keylog_free(kl);
}

static void test_unknown_labels(void **state)
{
    (void)state;
    struct tsc_keylog *kl = parse_str("RSA 0011223344556677 " S96 "\n"
                                      "SOME_FUTURE_SECRET " R64 " " S96 "\n"
                                      "CLIENT_TRAFFIC_SECRET_1 " R64 " " S96 "\n",
                                      0);
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 3);
    assert_int_equal(st->unknown_labels, 3);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(st->first_malformed, 0);
    assert_int_equal(st->entries, 0);
    assert_int_equal(st->randoms, 0);
    uint8_t r[32];
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)i;
    assert_false(tsc_keylog_has_random(kl, r));
    for (int l = 0; l < TSC_KL_N; l++)
        assert_absent(kl, (enum tsc_kl_label)l, r);
    tsc_keylog_free(kl);
}

/* CLIENT_TRAFFIC_SECRET / SERVER_TRAFFIC_SECRET without "_0" (the key log
 * of The Illustrated DTLS Connection) are the first application secrets. */
static void test_traffic_secret_without_0(void **state)
{
    (void)state;
    struct tsc_keylog *kl = parse_str("CLIENT_TRAFFIC_SECRET " R64 " " S96 "\n"
                                      "SERVER_TRAFFIC_SECRET " R64 " a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"
                                      "CLIENT_TRAFFIC_SECRET_ " R64 " " S96 "\n",
                                      0);
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->entries, 2);
    assert_int_equal(st->unknown_labels, 1);
    uint8_t r[32];
    for (int i = 0; i < 32; i++)
        r[i] = (uint8_t)i;
    const uint8_t *s;
    assert_int_equal(tsc_keylog_get(kl, TSC_KL_CLIENT_AP0, r, &s), 48);
    assert_int_equal(s[0], 0xa0);
    assert_int_equal(tsc_keylog_get(kl, TSC_KL_SERVER_AP0, r, &s), 32);
    tsc_keylog_free(kl);
}

/* ------------------------------------------------------------ lookups */

static void test_get_absent(void **state)
{
    (void)state;
    uint8_t r[32], other[32], s[48];
    char line[400];
    /* an empty key log */
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    make_random(1, r);
    assert_absent(kl, TSC_KL_CLIENT_RANDOM, r);
    assert_false(tsc_keylog_has_random(kl, r));
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 0);
    assert_int_equal(st->entries, 0);
    tsc_keylog_free(kl);
    tsc_keylog_free(NULL);

    make_secret(1, 48, s);
    make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "\n");
    kl = parse_str(line, 0);
    memcpy(other, r, 32);
    other[31] ^= 1; /* one bit away */
    assert_absent(kl, TSC_KL_CLIENT_RANDOM, other);
    assert_false(tsc_keylog_has_random(kl, other));
    assert_absent(kl, TSC_KL_SERVER_AP0, r);
    assert_absent(kl, TSC_KL_N, r); /* out of range label */
    assert_true(tsc_keylog_has_random(kl, r));
    tsc_keylog_free(kl);
}

static void test_many_randoms(void **state)
{
    (void)state;
    enum { N = 10000 };
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    char line[400];
    uint8_t r[32], s[48];
    for (uint32_t i = 0; i < N; i++) {
        make_random(i, r);
        make_secret(i, i % 2 ? 48 : 32, s);
        make_line(line, sizeof line, i % 2 ? "CLIENT_RANDOM" : "CLIENT_TRAFFIC_SECRET_0", r, s, i % 2 ? 48 : 32,
                  "\n");
        ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line, strlen(line)));
    }
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, N);
    assert_int_equal(st->entries, N);
    assert_int_equal(st->randoms, N);
    assert_int_equal(st->malformed, 0);
    for (uint32_t i = 0; i < N; i++) {
        make_random(i, r);
        make_secret(i, i % 2 ? 48 : 32, s);
        assert_secret(kl, i % 2 ? TSC_KL_CLIENT_RANDOM : TSC_KL_CLIENT_AP0, r, s, i % 2 ? 48 : 32);
        assert_absent(kl, i % 2 ? TSC_KL_CLIENT_AP0 : TSC_KL_CLIENT_RANDOM, r);
    }
    make_random(N, r);
    assert_false(tsc_keylog_has_random(kl, r));
    tsc_keylog_free(kl);
}

/* ------------------------------------------------------------ files */

static void append_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void test_load_missing(void **state)
{
    (void)state;
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    tsc_result r = tsc_keylog_load(kl, "/nonexistent-dir/no-such.keys");
    assert_int_not_equal(r.kind, TSC_OK);
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_non_null(r.why);
    assert_true(strlen(r.why) > 0);
    /* a directory is not a key log either */
    r = tsc_keylog_load(kl, "/");
    assert_int_not_equal(r.kind, TSC_OK);
    /* refresh without a loaded file does nothing */
    struct tsc_keylog *k2 = tsc_keylog_new();
    assert_non_null(k2);
    ASSERT_OK(tsc_keylog_refresh(k2));
    assert_int_equal(tsc_keylog_stats(k2)->lines, 0);
    tsc_keylog_free(k2);
    tsc_keylog_free(kl);
}

static void test_load_and_refresh(void **state)
{
    (void)state;
    char *path = temp_path("test_keylog");
    uint8_t r1[32], r2[32], r3[32], s1[48], s2[48], s3[32];
    char l1[400], l2[400], l3[400];
    make_random(31, r1);
    make_random(32, r2);
    make_random(33, r3);
    make_secret(31, 48, s1);
    make_secret(32, 48, s2);
    make_secret(33, 32, s3);
    make_line(l1, sizeof l1, "CLIENT_RANDOM", r1, s1, 48, "\n");
    make_line(l2, sizeof l2, "CLIENT_RANDOM", r2, s2, 48, "\r\n");
    make_line(l3, sizeof l3, "SERVER_TRAFFIC_SECRET_0", r3, s3, 32, "\n");
    append_file(path, "# SSL/TLS secrets log file\n");
    append_file(path, l1);

    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_load(kl, path));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r1, s1, 48);
    assert_absent(kl, TSC_KL_CLIENT_RANDOM, r2);
    assert_int_equal(tsc_keylog_stats(kl)->lines, 2);

    /* nothing new: nothing happens */
    ASSERT_OK(tsc_keylog_refresh(kl));
    assert_int_equal(tsc_keylog_stats(kl)->lines, 2);

    /* a whole line and the first half of another are appended */
    append_file(path, l2);
    char half[400];
    memcpy(half, l3, 60);
    half[60] = 0;
    append_file(path, half);
    ASSERT_OK(tsc_keylog_refresh(kl));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r2, s2, 48);
    assert_absent(kl, TSC_KL_SERVER_AP0, r3); /* not complete yet */
    assert_int_equal(tsc_keylog_stats(kl)->lines, 3);
    assert_int_equal(tsc_keylog_stats(kl)->malformed, 0);

    /* the rest of it */
    append_file(path, l3 + 60);
    ASSERT_OK(tsc_keylog_refresh(kl));
    assert_secret(kl, TSC_KL_SERVER_AP0, r3, s3, 32);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r1, s1, 48);
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 4);
    assert_int_equal(st->entries, 3);
    assert_int_equal(st->randoms, 3);
    assert_int_equal(st->malformed, 0);
    tsc_keylog_free(kl);

    /* a file whose last line has no newline: load reads it whole */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(l1, 1, strlen(l1) - 1, f), strlen(l1) - 1);
    assert_int_equal(fclose(f), 0);
    kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_load(kl, path));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r1, s1, 48);
    tsc_keylog_free(kl);

    unlink(path);
    free(path);
}

/* A file of 2000 lines (about 350 KiB): more than one 64 KiB read, with
 * lines across the read boundaries. */
static char *big_file(void)
{
    char *path = temp_path("test_keylog");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char line[400];
    uint8_t r[32], s[48];
    for (uint32_t i = 0; i < 2000; i++) {
        make_random(i + 50000, r);
        make_secret(i, 48, s);
        make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, i % 5 ? "\n" : "\r\n");
        assert_int_equal(fwrite(line, 1, strlen(line), f), strlen(line));
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

static void check_big(const struct tsc_keylog *kl)
{
    const struct tsc_keylog_stats *st = tsc_keylog_stats(kl);
    assert_int_equal(st->lines, 2000);
    assert_int_equal(st->entries, 2000);
    assert_int_equal(st->malformed, 0);
    uint8_t r[32], s[48];
    for (uint32_t i = 0; i < 2000; i++) {
        make_random(i + 50000, r);
        make_secret(i, 48, s);
        assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    }
}

static void test_load_big_file(void **state)
{
    (void)state;
    char *path = big_file();
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_load(kl, path));
    check_big(kl);
    tsc_keylog_free(kl);
    unlink(path);
    free(path);
}

/* A refresh reads everything appended, past its 64 KiB reads that end
 * inside a line (350 KiB appended at once). */
static void test_refresh_reads_all_appended(void **state)
{
    (void)state;
    char *src = big_file(), *path = temp_path("test_keylog");
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_load(kl, path)); /* empty so far */
    FILE *f = fopen(src, "rb"), *g = fopen(path, "ab");
    assert_non_null(f);
    assert_non_null(g);
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        assert_int_equal(fwrite(buf, 1, k, g), k);
    fclose(f);
    assert_int_equal(fclose(g), 0);
    ASSERT_OK(tsc_keylog_refresh(kl));
    check_big(kl);
    tsc_keylog_free(kl);
    unlink(src);
    unlink(path);
    free(src);
    free(path);
}

/* A key log loaded while its writer is in the middle of a line (a live
 * capture): the half line is not counted malformed, and the refresh after
 * the writer finished it finds the secret. */
static void test_load_mid_line_then_refresh(void **state)
{
    (void)state;
    char *path = temp_path("test_keylog");
    uint8_t r[32], s[48];
    char line[400];
    make_random(77, r);
    make_secret(77, 48, s);
    make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "\n");
    char half[400];
    memcpy(half, line, 100);
    half[100] = 0;
    append_file(path, half);
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_load(kl, path));
    append_file(path, line + 100);
    ASSERT_OK(tsc_keylog_refresh(kl));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    assert_int_equal(tsc_keylog_stats(kl)->malformed, 0);
    tsc_keylog_free(kl);
    unlink(path);
    free(path);
}

/* tsc_keylog_set_max: past max client randoms a new table starts, the one
 * before stays readable until the next turn. */
static void test_set_max_generations(void **state)
{
    (void)state;
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    tsc_keylog_set_max(kl, 100);
    char line[400];
    uint8_t r[32], s[48];
    for (uint32_t i = 0; i < 250; i++) {
        make_random(i, r);
        make_secret(i, 48, s);
        make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "\n");
        ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line, strlen(line)));
    }
    /* generations: 0-99 (gone), 100-199 (previous), 200-249 (current) */
    for (uint32_t i = 0; i < 250; i++) {
        make_random(i, r);
        make_secret(i, 48, s);
        if (i < 100) {
            assert_absent(kl, TSC_KL_CLIENT_RANDOM, r);
            assert_false(tsc_keylog_has_random(kl, r));
        } else {
            assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
            assert_true(tsc_keylog_has_random(kl, r));
        }
    }
    /* a random of the previous generation given another label: both found */
    uint8_t t[32];
    make_random(150, r);
    make_secret(9999, 32, t);
    make_line(line, sizeof line, "CLIENT_TRAFFIC_SECRET_0", r, t, 32, "\n");
    ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line, strlen(line)));
    assert_secret(kl, TSC_KL_CLIENT_AP0, r, t, 32);
    make_secret(150, 48, s);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    assert_int_equal(tsc_keylog_stats(kl)->entries, 251);
    tsc_keylog_free(kl);

    /* 0 is no limit */
    kl = tsc_keylog_new();
    assert_non_null(kl);
    tsc_keylog_set_max(kl, 0);
    for (uint32_t i = 0; i < 300; i++) {
        make_random(i, r);
        make_secret(i, 48, s);
        make_line(line, sizeof line, "CLIENT_RANDOM", r, s, 48, "\n");
        ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line, strlen(line)));
    }
    make_random(0, r);
    make_secret(0, 48, s);
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, r, s, 48);
    tsc_keylog_free(kl);
}

/* tsc_keylog_watch: a key log that does not exist yet is read by refresh
 * once it appears. */
static void test_watch_then_refresh(void **state)
{
    (void)state;
    char *path = temp_path("test_keylog");
    unlink(path);
    struct tsc_keylog *kl = tsc_keylog_new();
    assert_non_null(kl);
    ASSERT_OK(tsc_keylog_watch(kl, path));
    tsc_result r = tsc_keylog_refresh(kl); /* not there yet */
    assert_int_not_equal(r.kind, TSC_OK);
    assert_non_null(r.why);
    assert_int_equal(tsc_keylog_stats(kl)->lines, 0);
    uint8_t rnd[32], s[48];
    char line[400];
    make_random(88, rnd);
    make_secret(88, 48, s);
    make_line(line, sizeof line, "CLIENT_RANDOM", rnd, s, 48, "\n");
    append_file(path, line);
    ASSERT_OK(tsc_keylog_refresh(kl));
    assert_secret(kl, TSC_KL_CLIENT_RANDOM, rnd, s, 48);
    assert_int_equal(tsc_keylog_stats(kl)->lines, 1);
    tsc_keylog_free(kl);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_random),
        cmocka_unit_test(test_every_tls13_label),
        cmocka_unit_test(test_uppercase_hex),
        cmocka_unit_test(test_crlf_comments_blank),
        cmocka_unit_test(test_blanks_between_fields),
        cmocka_unit_test(test_later_line_replaces),
        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_last_line_needs_end),
        cmocka_unit_test(test_malformed_each),
        cmocka_unit_test(test_malformed_counts_and_first),
        cmocka_unit_test(test_overlong_line),
        cmocka_unit_test(test_unknown_labels),
        cmocka_unit_test(test_traffic_secret_without_0),
        cmocka_unit_test(test_get_absent),
        cmocka_unit_test(test_many_randoms),
        cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_load_and_refresh),
        cmocka_unit_test(test_load_big_file),
        cmocka_unit_test(test_refresh_reads_all_appended),
        cmocka_unit_test(test_load_mid_line_then_refresh),
        cmocka_unit_test(test_set_max_generations),
        cmocka_unit_test(test_watch_then_refresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
