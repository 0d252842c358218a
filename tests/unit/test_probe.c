/*
 * test_probe.c - the probe's pieces that need no server: the hellos it
 * builds, read back by the project's own ClientHello decoder; the reader of
 * answers on hand-built server flights, whole and byte by byte; the
 * probe-only rules and the filter that keeps the server's findings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "analysis/findings.h"
#include "probe/probe.h"
#include "tls/msg.h"

/* The handshake message inside the records of buf (records concatenated). */
static size_t unrecord(const struct tsc_buf *b, uint8_t *out, size_t cap, uint16_t *record_version, int *records)
{
    size_t n = 0, off = 0;
    *records = 0;
    while (off + 5 <= b->len) {
        assert_int_equal(b->data[off], 22);
        *record_version = (uint16_t)(b->data[off + 1] << 8 | b->data[off + 2]);
        size_t len = (size_t)b->data[off + 3] << 8 | b->data[off + 4];
        assert_true(len <= 16384);
        assert_true(off + 5 + len <= b->len);
        assert_true(n + len <= cap);
        memcpy(out + n, b->data + off + 5, len);
        n += len;
        off += 5 + len;
        (*records)++;
    }
    assert_int_equal(off, b->len);
    return n;
}

static uint8_t msg[1 << 17];

static void parse_hello(const struct tsc_buf *b, struct tsc_client_hello *ch, uint16_t *rv, int *records)
{
    size_t n = unrecord(b, msg, sizeof msg, rv, records);
    assert_true(n >= 4);
    assert_int_equal(msg[0], 1);
    size_t len = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
    assert_int_equal(len + 4, n);
    struct tsc_view body = {msg + 4, len};
    tsc_result r = tsc_client_hello_parse(body, ch);
    assert_true(tsc_is_ok(r));
}

static void test_hello_tls13(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x1301, 0x1302};
    static const uint16_t versions[] = {0x0304};
    static const uint16_t groups[] = {0x0017, 0x001d, 0x11ec}; /* the shares follow this order */
    static const uint16_t shares[] = {0x001d, 0x0017, 0x11ec}; /* no share can be made for the hybrid */
    static const uint16_t sigalgs[] = {0x0804, 0x0403};
    static const char *const alpn[] = {"h2", "http/1.1"};
    struct tsc_probe_hello h = {0};
    h.version = 0x0303;
    h.suites = suites;
    h.n_suites = 2;
    h.versions = versions;
    h.n_versions = 1;
    h.groups = groups;
    h.n_groups = 3;
    h.shares = shares;
    h.n_shares = 3;
    h.sigalgs = sigalgs;
    h.n_sigalgs = 2;
    h.alpn = alpn;
    h.n_alpn = 2;
    h.sni = "example.test";
    h.flags = TSC_PH_SUPPORTED_VERSIONS | TSC_PH_EMS;
    struct tsc_buf b = {0};
    tsc_buf_init(&b, 1 << 20);
    assert_int_equal(tsc_probe_hello_build(&h, &b), 0);
    static struct tsc_client_hello ch;
    uint16_t rv;
    int records;
    parse_hello(&b, &ch, &rv, &records);
    assert_int_equal(rv, 0x0301);
    assert_int_equal(records, 1);
    assert_int_equal(ch.legacy_version, 0x0303);
    /* the suites, then the renegotiation SCSV (no renegotiation_info asked) */
    assert_int_equal(tsc_client_hello_n_suites(&ch), 3);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 0), 0x1301);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 2), 0x00ff);
    const struct tsc_ext *e = tsc_ext_find(&ch.ext, TSC_EXT_SERVER_NAME);
    assert_non_null(e);
    assert_int_equal(e->form, TSC_EXTF_NAMES);
    assert_int_equal(e->u.names.v[0].len, strlen("example.test"));
    assert_memory_equal(e->u.names.v[0].p, "example.test", strlen("example.test"));
    e = tsc_ext_find(&ch.ext, TSC_EXT_KEY_SHARE);
    assert_non_null(e);
    assert_int_equal(e->form, TSC_EXTF_KEY_SHARE);
    assert_int_equal(e->u.key_share.n, 2);
    assert_int_equal(e->u.key_share.s[0].group, 0x0017); /* RFC 8446 4.2.8: supported_groups' order */
    assert_int_equal(e->u.key_share.s[0].key.len, 65);
    assert_int_equal(e->u.key_share.s[1].group, 0x001d);
    assert_int_equal(e->u.key_share.s[1].key.len, 32);
    e = tsc_ext_find(&ch.ext, TSC_EXT_SUPPORTED_VERSIONS);
    assert_non_null(e);
    assert_int_equal(tsc_ext_list_count(e), 1);
    assert_int_equal(tsc_ext_list_at(e, 0), 0x0304);
    e = tsc_ext_find(&ch.ext, TSC_EXT_SUPPORTED_GROUPS);
    assert_non_null(e);
    assert_int_equal(tsc_ext_list_count(e), 3);
    assert_int_equal(tsc_ext_list_at(e, 2), 0x11ec);
    e = tsc_ext_find(&ch.ext, TSC_EXT_ALPN);
    assert_non_null(e);
    assert_int_equal(e->u.names.n, 2);
    assert_non_null(tsc_ext_find(&ch.ext, TSC_EXT_EXTENDED_MASTER_SECRET));
    assert_null(tsc_ext_find(&ch.ext, TSC_EXT_RENEGOTIATION_INFO));
    /* RFC 7685: a hello under 256 bytes is left alone, one of 256..511
     * bytes is padded to 512 */
    assert_true(b.len - 5 < 256);
    assert_null(tsc_ext_find(&ch.ext, TSC_EXT_PADDING));
    static uint16_t more[60];
    for (size_t i = 0; i < 60; i++)
        more[i] = (uint16_t)(0xc000 + i);
    h.suites = more;
    h.n_suites = 60;
    tsc_buf_reset(&b);
    assert_int_equal(tsc_probe_hello_build(&h, &b), 0);
    parse_hello(&b, &ch, &rv, &records);
    assert_int_equal(b.len - 5, 512);
    assert_non_null(tsc_ext_find(&ch.ext, TSC_EXT_PADDING));
    tsc_buf_free(&b);
}

static void test_hello_ssl3_and_flags(void **state)
{
    (void)state;
    static const uint16_t suites[] = {0x0005, 0x000a};
    struct tsc_probe_hello h = {0};
    h.version = 0x0300;
    h.suites = suites;
    h.n_suites = 2;
    h.flags = TSC_PH_NO_EXTENSIONS | TSC_PH_FALLBACK_SCSV | TSC_PH_DEFLATE;
    struct tsc_buf b = {0};
    tsc_buf_init(&b, 1 << 20);
    assert_int_equal(tsc_probe_hello_build(&h, &b), 0);
    static struct tsc_client_hello ch;
    uint16_t rv;
    int records;
    parse_hello(&b, &ch, &rv, &records);
    assert_int_equal(rv, 0x0300);
    assert_int_equal(ch.legacy_version, 0x0300);
    assert_false(ch.ext.present);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 4);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 2), 0x00ff);
    assert_int_equal(tsc_client_hello_suite_at(&ch, 3), 0x5600);
    assert_int_equal(ch.compression.len, 2);
    assert_int_equal(ch.compression.p[0], 1);
    assert_int_equal(ch.compression.p[1], 0);
    tsc_buf_free(&b);
}

static void test_hello_split_records(void **state)
{
    (void)state;
    /* 12000 suites: 24 KB, more than one record holds */
    static uint16_t suites[12000];
    for (size_t i = 0; i < 12000; i++)
        suites[i] = (uint16_t)(0x1000 + i);
    struct tsc_probe_hello h = {0};
    h.version = 0x0303;
    h.suites = suites;
    h.n_suites = 12000;
    h.flags = TSC_PH_RENEG_EXT;
    struct tsc_buf b = {0};
    tsc_buf_init(&b, 1 << 20);
    assert_int_equal(tsc_probe_hello_build(&h, &b), 0);
    static struct tsc_client_hello ch;
    uint16_t rv;
    int records;
    parse_hello(&b, &ch, &rv, &records);
    assert_int_equal(records, 2);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 12000);
    assert_non_null(tsc_ext_find(&ch.ext, TSC_EXT_RENEGOTIATION_INFO));
    /* a list too long for its length field is refused, not cut */
    static uint16_t many[40000];
    h.suites = many;
    h.n_suites = 40000;
    tsc_buf_reset(&b);
    assert_int_equal(tsc_probe_hello_build(&h, &b), -1);
    tsc_buf_free(&b);
}

static void test_hello_v2(void **state)
{
    (void)state;
    struct tsc_buf b = {0};
    tsc_buf_init(&b, 1 << 16);
    assert_int_equal(tsc_probe_hello_v2(&b), 0);
    assert_true(tsc_sslv2_hello_plausible(b.data, b.len));
    size_t len = ((size_t)(b.data[0] & 0x7f) << 8) | b.data[1];
    assert_int_equal(len + 2, b.len);
    static struct tsc_client_hello ch;
    struct tsc_view body = {b.data + 2, len};
    assert_true(tsc_is_ok(tsc_sslv2_client_hello_parse(body, &ch)));
    assert_int_equal(ch.legacy_version, 0x0002);
    assert_int_equal(tsc_client_hello_n_suites(&ch), 7);
    assert_int_equal(ch.random.len, 16);
    tsc_buf_free(&b);
}

/* ------------------------------------------------------------ answers */

struct flight {
    uint8_t b[65536];
    size_t n;
};

static void put(struct flight *f, const void *p, size_t n)
{
    assert_true(f->n + n <= sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

/* handshake bytes as records of at most `frag` bytes */
static void records(struct flight *out, const uint8_t *hs, size_t n, size_t frag)
{
    for (size_t off = 0; off < n; off += frag) {
        size_t k = n - off < frag ? n - off : frag;
        uint8_t h[5] = {22, 3, 3, (uint8_t)(k >> 8), (uint8_t)k};
        put(out, h, 5);
        put(out, hs + off, k);
    }
}

static size_t server_hello(uint8_t *p, uint16_t suite, const uint8_t *ext, size_t ext_len, int hrr)
{
    static const uint8_t hrr_random[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                           0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                           0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    size_t n = 0;
    p[n++] = 2;
    size_t len_at = n;
    n += 3;
    p[n++] = 3;
    p[n++] = 3;
    if (hrr)
        memcpy(p + n, hrr_random, 32);
    else
        memset(p + n, 0x42, 32);
    n += 32;
    p[n++] = 4; /* session id */
    memset(p + n, 0x11, 4);
    n += 4;
    p[n++] = (uint8_t)(suite >> 8);
    p[n++] = (uint8_t)suite;
    p[n++] = 0;
    p[n++] = (uint8_t)(ext_len >> 8);
    p[n++] = (uint8_t)ext_len;
    memcpy(p + n, ext, ext_len);
    n += ext_len;
    size_t body = n - 4;
    p[len_at] = (uint8_t)(body >> 16);
    p[len_at + 1] = (uint8_t)(body >> 8);
    p[len_at + 2] = (uint8_t)body;
    return n;
}

static void test_answer_tls12_flight(void **state)
{
    (void)state;
    static const uint8_t ext[] = {0xff, 0x01, 0x00, 0x01, 0x00,             /* renegotiation_info */
                                  0x00, 0x17, 0x00, 0x00,                   /* extended_master_secret */
                                  0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 2, 'h', '2'}; /* ALPN h2 */
    static uint8_t hs[40000];
    size_t n = server_hello(hs, 0xc02f, ext, sizeof ext, 0);
    /* a Certificate of 30000 bytes (bigger than a record, not kept) */
    hs[n++] = 11;
    hs[n++] = 0;
    hs[n++] = 30000 >> 8;
    hs[n++] = 30000 & 0xff;
    memset(hs + n, 0x30, 30000);
    n += 30000;
    /* ServerHelloDone */
    hs[n++] = 14;
    hs[n++] = 0;
    hs[n++] = 0;
    hs[n++] = 0;
    static struct flight f;
    f.n = 0;
    records(&f, hs, n, 16384);
    struct tsc_probe_answer a;
    /* byte by byte: pending until the last byte */
    for (size_t k = 0; k < f.n; k += 97)
        assert_int_equal(tsc_probe_answer_read(f.b, k, 0, &a), 0);
    assert_int_equal(tsc_probe_answer_read(f.b, f.n, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_HELLO);
    assert_int_equal(a.version, 0x0303);
    assert_int_equal(a.suite, 0xc02f);
    assert_int_equal(a.session_id_len, 4);
    assert_true(a.reneg);
    assert_true(a.ems);
    assert_false(a.etm);
    assert_true(a.done);
    assert_string_equal(a.alpn, "h2");
    /* the same flight in 7-byte records: the header of a message split too */
    f.n = 0;
    records(&f, hs, n, 7);
    assert_int_equal(tsc_probe_answer_read(f.b, f.n, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_HELLO);
    assert_int_equal(a.suite, 0xc02f);
    /* cut before the ServerHelloDone and closed: what was known */
    assert_int_equal(tsc_probe_answer_read(f.b, f.n - 20, 1, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_HELLO);
    assert_false(a.done);
}

static void test_answer_hrr_and_13(void **state)
{
    (void)state;
    static const uint8_t hrr_ext[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,  /* supported_versions */
                                      0x00, 0x33, 0x00, 0x02, 0x00, 0x17}; /* key_share: secp256r1 */
    uint8_t hs[256];
    size_t n = server_hello(hs, 0x1302, hrr_ext, sizeof hrr_ext, 1);
    struct flight f = {0};
    records(&f, hs, n, 16384);
    struct tsc_probe_answer a;
    assert_int_equal(tsc_probe_answer_read(f.b, f.n, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_HRR);
    assert_int_equal(a.version, 0x0304);
    assert_int_equal(a.suite, 0x1302);
    assert_int_equal(a.group, 0x0017);
    /* a TLS 1.3 ServerHello is decided at once: the rest is encrypted */
    uint8_t sh_ext[6 + 4 + 4 + 32] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 36, 0x00, 0x1d, 0x00, 32};
    n = server_hello(hs, 0x1301, sh_ext, sizeof sh_ext, 0);
    f.n = 0;
    records(&f, hs, n, 16384);
    assert_int_equal(tsc_probe_answer_read(f.b, f.n, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_HELLO);
    assert_int_equal(a.version, 0x0304);
    assert_int_equal(a.group, 0x001d);
}

static void test_answer_refusals(void **state)
{
    (void)state;
    struct tsc_probe_answer a;
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    assert_int_equal(tsc_probe_answer_read(alert, sizeof alert, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_ALERT);
    assert_int_equal(a.alert_desc, 40);
    assert_int_equal(tsc_probe_answer_read(alert, 6, 0, &a), 0);
    assert_int_equal(a.kind, TSC_ANS_PENDING);
    assert_int_equal(tsc_probe_answer_read(alert, 6, 1, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_MALFORMED);
    /* a warning (unrecognized_name) before the ServerHello is read past */
    {
        static const uint8_t ext[] = {0xff, 0x01, 0x00, 0x01, 0x00};
        uint8_t hs[128];
        size_t n = server_hello(hs, 0xc02f, ext, sizeof ext, 0);
        hs[n++] = 14;
        hs[n++] = 0;
        hs[n++] = 0;
        hs[n++] = 0;
        struct flight f = {0};
        static const uint8_t warn[] = {21, 3, 3, 0, 2, 1, 112};
        put(&f, warn, sizeof warn);
        records(&f, hs, n, 16384);
        assert_int_equal(tsc_probe_answer_read(f.b, f.n, 0, &a), 1);
        assert_int_equal(a.kind, TSC_ANS_HELLO);
        assert_int_equal(a.suite, 0xc02f);
        /* but a close_notify (a warning too) is the end */
        static const uint8_t close_notify[] = {21, 3, 3, 0, 2, 1, 0};
        assert_int_equal(tsc_probe_answer_read(close_notify, sizeof close_notify, 0, &a), 1);
        assert_int_equal(a.kind, TSC_ANS_ALERT);
    }
    static const uint8_t http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
    assert_int_equal(tsc_probe_answer_read(http, sizeof http - 1, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_NOT_TLS);
    assert_int_equal(tsc_probe_answer_read(http, 0, 1, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_CLOSED);
    /* an application data record before any ServerHello */
    static const uint8_t appdata[] = {23, 3, 3, 0, 1, 0};
    assert_int_equal(tsc_probe_answer_read(appdata, sizeof appdata, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_MALFORMED);
    /* a first message that is no ServerHello */
    static const uint8_t cert_first[] = {22, 3, 3, 0, 4, 11, 0, 0, 0};
    assert_int_equal(tsc_probe_answer_read(cert_first, sizeof cert_first, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_MALFORMED);
    /* a ServerHello whose body does not decode */
    static const uint8_t bad_sh[] = {22, 3, 3, 0, 6, 2, 0, 0, 2, 3, 3};
    assert_int_equal(tsc_probe_answer_read(bad_sh, sizeof bad_sh, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_MALFORMED);
    assert_true(strlen(a.why) > 0);
    /* a record length past the largest record */
    static const uint8_t huge[] = {22, 3, 3, 0xff, 0xff};
    assert_int_equal(tsc_probe_answer_read(huge, sizeof huge, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_NOT_TLS);
}

static void test_answer_sslv2(void **state)
{
    (void)state;
    /* SERVER-HELLO: hit 0, cert type 1, version 2, cert 2 bytes, specs 2 x 3, cid 16 */
    uint8_t p[64];
    size_t n = 0;
    p[n++] = 0x80;
    n++; /* length below */
    static const uint8_t head[] = {4, 0, 1, 0, 2, 0, 2, 0, 6, 0, 16};
    memcpy(p + n, head, sizeof head);
    n += sizeof head;
    p[n++] = 0x30;
    p[n++] = 0x00;
    static const uint8_t specs[] = {0x01, 0x00, 0x80, 0x07, 0x00, 0xc0};
    memcpy(p + n, specs, sizeof specs);
    n += sizeof specs;
    memset(p + n, 0x55, 16);
    n += 16;
    p[1] = (uint8_t)(n - 2);
    struct tsc_probe_answer a;
    assert_int_equal(tsc_probe_answer_read(p, n, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_SSLV2);
    assert_int_equal(a.n_v2, 2);
    assert_int_equal(a.v2_specs[0], 0x010080);
    assert_int_equal(a.v2_specs[1], 0x0700c0);
    assert_int_equal(tsc_probe_answer_read(p, n - 1, 0, &a), 0);
    /* a SERVER-HELLO of another version is no SSL 2.0 acceptance */
    p[6] = 3;
    assert_int_equal(tsc_probe_answer_read(p, n, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_MALFORMED);
    /* an empty SSL 2.0 record */
    static const uint8_t empty[] = {0x80, 0};
    assert_int_equal(tsc_probe_answer_read(empty, sizeof empty, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_MALFORMED);
    /* an SSL 2.0 ERROR */
    static const uint8_t err[] = {0x80, 3, 0, 0, 1};
    assert_int_equal(tsc_probe_answer_read(err, sizeof err, 0, &a), 1);
    assert_int_equal(a.kind, TSC_ANS_ALERT);
}

/* ------------------------------------------------------------ findings */

static int has(const struct tsc_finding *f, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].rule->id, id) == 0)
            return 1;
    return 0;
}

static void test_server_rules(void **state)
{
    (void)state;
    struct tsc_server_profile p = {-1, NULL, -1, 0, -1, 0};
    struct tsc_finding f[8];
    assert_int_equal(tsc_findings_eval_server(&p, f, 8), 0);
    p.chain_verified = 0;
    p.verify_error = "self-signed certificate";
    p.fallback_scsv_honoured = 0;
    p.fallback_version = 0x0302;
    p.follows_client_order = 1;
    p.order_version = 0x0303;
    size_t n = tsc_findings_eval_server(&p, f, 8);
    assert_int_equal(n, 3);
    assert_string_equal(f[0].rule->id, "cert-untrusted"); /* high first */
    assert_string_equal(f[0].detail, "self-signed certificate");
    assert_true(has(f, n, "fallback-scsv-ignored"));
    assert_non_null(strstr(f[1].detail, "TLS 1.1") ? f[1].detail : f[2].detail);
    assert_true(has(f, n, "server-follows-client-order"));
    p.chain_verified = 1;
    p.fallback_scsv_honoured = 1;
    p.follows_client_order = 0;
    assert_int_equal(tsc_findings_eval_server(&p, f, 8), 0);
    /* the connection rules do not judge a profile, nor the profile rules a connection */
    for (size_t i = 0; i < tsc_rules_count(); i++)
        assert_true(tsc_rule_at(i)->scope <= TSC_SCOPE_CONNECTION);
    assert_int_equal(tsc_rule_find("rc4-offered")->scope, TSC_SCOPE_CLIENT);
    assert_int_equal(tsc_rule_find("fatal-alert")->scope, TSC_SCOPE_CONNECTION);
    assert_int_equal(tsc_rule_find("rc4-negotiated")->scope, TSC_SCOPE_SERVER);
}

static void test_add_findings(void **state)
{
    (void)state;
    static struct tsc_probe_result res;
    memset(&res, 0, sizeof res);
    struct tsc_finding f[4];
    memset(f, 0, sizeof f);
    f[0].rule = tsc_rule_find("rc4-negotiated");
    snprintf(f[0].detail, sizeof f[0].detail, "first");
    f[1].rule = tsc_rule_find("rc4-offered"); /* what the probe offered: not the server's */
    f[2].rule = tsc_rule_find("fatal-alert"); /* the probe provokes alerts */
    f[3].rule = tsc_rule_find("rc4-negotiated");
    snprintf(f[3].detail, sizeof f[3].detail, "second");
    tsc_probe_add_findings(&res, f, 4);
    assert_int_equal(res.n_findings, 1);
    assert_string_equal(res.findings[0].detail, "first");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_tls13),        cmocka_unit_test(test_hello_ssl3_and_flags),
        cmocka_unit_test(test_hello_split_records), cmocka_unit_test(test_hello_v2),
        cmocka_unit_test(test_answer_tls12_flight), cmocka_unit_test(test_answer_hrr_and_13),
        cmocka_unit_test(test_answer_refusals),    cmocka_unit_test(test_answer_sslv2),
        cmocka_unit_test(test_server_rules),       cmocka_unit_test(test_add_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
