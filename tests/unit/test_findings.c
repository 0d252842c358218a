/*
 * test_findings.c - the findings rules (analysis/findings.h) on hand-built
 * connections: each rule fires on the weakness it names and stays quiet on
 * the healthy case next to it; ordering by severity, truncation at `max`,
 * severity names, the table's shape, and docs/findings.md in step with it.
 * Rules judge the connection and the analysis's report of it (the suite's
 * meaning, the DH size): judge() builds the report as the analysis does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/findings.h"
#include "registry/suite.h"
#include "tls/msg.h"
#include "tls/session.h"

#define T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z: when the test connections start */
#define DAY INT64_C(86400)

/* ------------------------------------------------------------ helpers */

static void set_san(struct tsc_x509_summary *s, const char *const *sans, unsigned n)
{
    size_t off = 0;
    memset(s->san_buf, 0, sizeof s->san_buf);
    for (unsigned i = 0; i < n; i++) {
        size_t len = strlen(sans[i]);
        assert_true(off + len + 1 <= sizeof s->san_buf);
        memcpy(s->san_buf + off, sans[i], len + 1);
        off += len + 1;
    }
    s->san_count = (uint16_t)n;
}

static void set_cert(struct tsc_x509_summary *s, const char *cn, int64_t nb, int64_t na)
{
    memset(s, 0, sizeof *s);
    s->version = 3;
    snprintf(s->subject_cn, sizeof s->subject_cn, "%s", cn);
    snprintf(s->subject, sizeof s->subject, "CN=%s", cn);
    s->not_before_epoch = nb;
    s->not_after_epoch = na;
    snprintf(s->not_before, sizeof s->not_before, "nb%lld", (long long)nb);
    snprintf(s->not_after, sizeof s->not_after, "na%lld", (long long)na);
    snprintf(s->pubkey_algorithm, sizeof s->pubkey_algorithm, "RSA");
    s->pubkey_bits = 2048;
    snprintf(s->signature_algorithm, sizeof s->signature_algorithm, "sha256WithRSAEncryption");
}

#define GOOD_CERTS 3 /* good_conn's chain: leaf, intermediate, root */

/* A certificate of a test connection, to set its fields: the summaries
 * are the connection's own (made by tsc_cert_sum_new), shared with no one. */
static struct tsc_x509_summary *cert(struct tsc_conn *c, int i)
{
    return (struct tsc_x509_summary *)(uintptr_t)c->certs[i];
}

/* A healthy TLS 1.2 connection: ECDHE-RSA-AES128-GCM, x25519, secure
 * renegotiation and EMS, SNI test.example, leaf (90 days) + intermediate +
 * the self-signed root sent along. Fires no rule. */
static struct tsc_conn *good_conn(void)
{
    struct tsc_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->start_us = T0 * 1000000;
    c->is_tls = 1;
    c->saw_client_hello = c->saw_server_hello = c->saw_server_cert = 1;
    c->complete = 1;
    c->version = TSC_TLS12;
    c->client_version = TSC_TLS12;
    c->suite = 0xc02f;
    c->have_suite = 1;
    c->has_sni = 1;
    snprintf((char *)c->sni, sizeof c->sni, "test.example");
    c->sni_len = (uint16_t)strlen((char *)c->sni);
    c->ch_reneg = c->sh_reneg = 1;
    c->sh_ems = 1;
    c->have_ske_group = 1;
    c->ske_group = 0x001d;
    c->has_ticket = 1;
    c->ticket_lifetime = 7200;
    c->n_certs = c->n_certs_total = GOOD_CERTS;
    c->certs = calloc(GOOD_CERTS, sizeof *c->certs);
    assert_non_null(c->certs);
    for (int i = 0; i < GOOD_CERTS; i++) {
        struct tsc_cert_sum *p = tsc_cert_sum_new();
        assert_non_null(p);
        c->certs[i] = &p->s;
    }
    set_cert(cert(c, 0), "test.example", T0 - 30 * DAY, T0 + 60 * DAY);
    static const char *const sans[] = {"DNS:test.example", "DNS:*.wild.example", "IP:127.0.0.1",
                                       "IP:::1", "email:admin@test.example"};
    set_san(cert(c, 0), sans, 5);
    set_cert(cert(c, 1), "Test Intermediate", T0 - 300 * DAY, T0 + 3000 * DAY);
    cert(c, 1)->is_ca = 1;
    set_cert(cert(c, 2), "Test Root", T0 - 400 * DAY, T0 + 3000 * DAY);
    cert(c, 2)->is_ca = 1;
    cert(c, 2)->self_signed = 1;
    return c;
}

static void free_conn(struct tsc_conn *c)
{
    if (c) {
        tsc_cert_sums_release(c->certs, c->certs ? GOOD_CERTS : 0); /* tests lower n_certs */
        free(c->cert_status);
        free(c);
    }
}

static int64_t now_of(const struct tsc_conn *c)
{
    return c->start_us / 1000000;
}

/* The DH prime size the analysis found in the connection's
 * ServerKeyExchange (a test sets it; 0: none). */
static uint32_t ske_dh_bits;

/* The findings of c at `now`, with its report made as the analysis makes it. */
static size_t judge(const struct tsc_conn *c, int64_t now, struct tsc_finding *out, size_t max)
{
    struct tsc_conn_report rep;
    tsc_conn_report_init(&rep, c, 0);
    rep.dh_bits = ske_dh_bits;
    return tsc_findings_eval(c, &rep, now, out, max);
}

#define MAXF 64
static struct tsc_finding found[MAXF];
static size_t n_found;
static char note[64]; /* what the current case is, printed on failure */

static size_t eval(const struct tsc_conn *c)
{
    memset(found, 0, sizeof found);
    n_found = judge(c, now_of(c), found, MAXF);
    assert_true(n_found <= MAXF);
    for (size_t i = 0; i < n_found; i++) {
        assert_non_null(found[i].rule);
        /* details are printable ASCII, NUL-terminated inside the array */
        size_t len = strnlen(found[i].detail, sizeof found[i].detail);
        assert_true(len < sizeof found[i].detail);
        for (size_t k = 0; k < len; k++)
            assert_true(found[i].detail[k] >= 0x20 && found[i].detail[k] < 0x7f);
    }
    return n_found;
}

/* The detail of rule `id` after eval(), or NULL when it did not fire. */
static const char *fired(const char *id)
{
    for (size_t i = 0; i < n_found; i++)
        if (strcmp(found[i].rule->id, id) == 0)
            return found[i].detail;
    return NULL;
}

static void print_found(void)
{
    if (note[0])
        print_message("  case: %s\n", note);
    for (size_t i = 0; i < n_found; i++)
        print_message("  fired: %s [%s] %s\n", found[i].rule->id,
                      tsc_severity_name(found[i].rule->severity), found[i].detail);
}

static void expect_fires(struct tsc_conn *c, const char *id)
{
    eval(c);
    if (!fired(id)) {
        print_message("expected %s to fire\n", id);
        print_found();
        fail();
    }
}

static void expect_quiet(struct tsc_conn *c, const char *id)
{
    eval(c);
    if (fired(id)) {
        print_message("expected %s not to fire (detail \"%s\")\n", id, fired(id));
        fail();
    }
}

static void expect_only(struct tsc_conn *c, const char *const *ids, size_t n)
{
    eval(c);
    int bad = n_found != n;
    for (size_t i = 0; i < n; i++)
        if (!fired(ids[i]))
            bad = 1;
    if (bad) {
        print_message("expected exactly %zu findings:", n);
        for (size_t i = 0; i < n; i++)
            print_message(" %s", ids[i]);
        print_message("\n");
        print_found();
        fail();
    }
}

/* ------------------------------------------------------------ healthy */

static void test_good_tls12_fires_nothing(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    assert_int_equal(eval(c), 0);
    /* no output buffer at all */
    assert_int_equal(judge(c, now_of(c), NULL, 0), 0);
    free_conn(c);
}

static void test_good_tls13_fires_nothing(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    /* TLS 1.3 without keys: no certificates, no renegotiation_info or EMS */
    c->version = TSC_TLS13;
    c->suite = 0x1302;
    c->sh_reneg = c->sh_ems = 0;
    c->have_ske_group = 0;
    tsc_cert_sums_release(c->certs, GOOD_CERTS);
    c->certs = NULL;
    c->n_certs = c->n_certs_total = 0;
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

static void test_empty_conn_fires_nothing(void **state)
{
    (void)state;
    struct tsc_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(eval(c), 0);
    assert_int_equal(tsc_findings_eval(NULL, NULL, 0, found, MAXF), 0);
    assert_int_equal(tsc_findings_eval(c, NULL, 0, found, MAXF), 0); /* no report, nothing judged */
    free(c);
}

/* ------------------------------------------------------------ versions */

static void test_versions(void **state)
{
    (void)state;
    static const struct {
        uint16_t v;
        const char *id;
    } cases[] = {
        {0x0002, "sslv2-negotiated"},
        {TSC_SSL30, "sslv3-negotiated"},
        {TSC_TLS10, "tls10-negotiated"},
        {TSC_TLS11, "tls11-negotiated"},
        {TSC_TLS12, NULL},
        {TSC_TLS13, NULL},
    };
    static const char *const all[] = {"sslv2-negotiated", "sslv3-negotiated", "tls10-negotiated",
                                      "tls11-negotiated", "dtls10-negotiated"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tsc_conn *c = good_conn();
        c->version = cases[i].v;
        if (cases[i].v == 0x0002) {
            c->have_suite = 0;
            c->sslv2 = 1;
            c->saw_server_hello = 0;
        }
        if (cases[i].v == TSC_TLS13)
            c->suite = 0x1301;
        eval(c);
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
            int want = cases[i].id && strcmp(cases[i].id, all[k]) == 0;
            if (!!fired(all[k]) != want) {
                print_message("version 0x%04x: %s %s\n", cases[i].v, all[k],
                              want ? "did not fire" : "fired");
                fail();
            }
        }
        /* an SSLv2 session is not also an "SSLv2 hello" finding */
        assert_null(fired("sslv2-client-hello"));
        free_conn(c);
    }
}

static void test_tls10_alone(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->version = TSC_TLS10;
    c->suite = 0xc013; /* ECDHE-RSA-AES128-SHA, the usual TLS 1.0 suite */
    static const char *const ids[] = {"tls10-negotiated", "cbc-sha1-negotiated"};
    expect_only(c, ids, 2);
    /* the more severe one first */
    assert_string_equal(found[0].rule->id, "tls10-negotiated");
    free_conn(c);
}

static void test_sslv2_client_hello(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->sslv2 = 1;
    expect_fires(c, "sslv2-client-hello");
    assert_string_equal(fired("sslv2-client-hello"), "TLS suites only");
    c->offered_flags = TSC_OFFER_SSLV2_SUITE;
    expect_fires(c, "sslv2-client-hello");
    assert_string_equal(fired("sslv2-client-hello"), "offering SSL 2.0 cipher kinds");
    c->sslv2 = 0;
    expect_quiet(c, "sslv2-client-hello");
    free_conn(c);
}

/* ------------------------------------------------------------ suites */

struct suite_case {
    uint16_t code;
    uint16_t version;
    const char *const ids[4]; /* exactly these fire */
};

static void test_negotiated_suites(void **state)
{
    (void)state;
    static const struct suite_case cases[] = {
        {0xc02f, TSC_TLS12, {NULL}},                                   /* ECDHE-RSA-AES128-GCM */
        {0x1301, TSC_TLS13, {NULL}},                                   /* TLS_AES_128_GCM_SHA256 */
        {0xcca8, TSC_TLS12, {NULL}},                                   /* ECDHE-RSA-CHACHA20 */
        {0x009e, TSC_TLS12, {NULL}},                                   /* DHE-RSA-AES128-GCM */
        {0xc027, TSC_TLS12, {NULL}},                                   /* ECDHE-RSA-AES128-SHA256 (CBC, SHA-256) */
        {0xc011, TSC_TLS12, {"rc4-negotiated"}},                       /* ECDHE-RSA-RC4-SHA */
        {0x0005, TSC_TLS12, {"rc4-negotiated", "no-forward-secrecy"}}, /* RSA-RC4-SHA */
        {0xc012, TSC_TLS12, {"3des-negotiated", "cbc-sha1-negotiated"}},
        {0x000a, TSC_TLS12, {"3des-negotiated", "no-forward-secrecy", "cbc-sha1-negotiated"}},
        {0x0015, TSC_TLS12, {"des-negotiated", "cbc-sha1-negotiated"}}, /* DHE-RSA-DES-CBC-SHA */
        {0x0002, TSC_TLS12, {"null-cipher-negotiated", "no-forward-secrecy"}}, /* RSA-NULL-SHA */
        {0xc010, TSC_TLS12, {"null-cipher-negotiated"}},                       /* ECDHE-RSA-NULL-SHA */
        {0xc0b4, TSC_TLS13, {"null-cipher-negotiated"}},                       /* TLS_SHA256_SHA256 */
        {0x0034, TSC_TLS12, {"anonymous-suite-negotiated", "cbc-sha1-negotiated"}}, /* DH_anon AES128 */
        {0xc018, TSC_TLS12, {"anonymous-suite-negotiated", "cbc-sha1-negotiated"}}, /* ECDH_anon AES128 */
        {0x0018, TSC_TLS12, {"anonymous-suite-negotiated", "rc4-negotiated"}},      /* DH_anon RC4 MD5 */
        {0x0003, TSC_TLS10, {"export-suite-negotiated", "rc4-negotiated", "tls10-negotiated", "no-forward-secrecy"}},
        {0x0014, TSC_TLS10, {"export-suite-negotiated", "des-negotiated", "tls10-negotiated", "cbc-sha1-negotiated"}},
        {0x009c, TSC_TLS12, {"no-forward-secrecy"}},                           /* RSA-AES128-GCM */
        {0xc02d, TSC_TLS12, {"no-forward-secrecy"}},                           /* ECDH-ECDSA-AES128-GCM */
        {0x00a0, TSC_TLS12, {"no-forward-secrecy"}},                           /* DH-RSA-AES128-GCM */
        {0xc013, TSC_TLS12, {"cbc-sha1-negotiated"}},                          /* ECDHE-RSA-AES128-SHA */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tsc_conn *c = good_conn();
        c->suite = cases[i].code;
        c->version = cases[i].version;
        if (cases[i].version == TSC_TLS13)
            c->sh_reneg = c->sh_ems = c->have_ske_group = 0;
        size_t n = 0;
        while (n < 4 && cases[i].ids[n])
            n++;
        snprintf(note, sizeof note, "suite 0x%04x", cases[i].code);
        expect_only(c, cases[i].ids, n);
        free_conn(c);
    }
    note[0] = '\0';
}

static void test_suite_detail(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->suite = 0xc011;
    expect_fires(c, "rc4-negotiated");
    assert_string_equal(fired("rc4-negotiated"), "TLS_ECDHE_RSA_WITH_RC4_128_SHA (0xc011)");
    c->suite = 0x009c;
    expect_fires(c, "no-forward-secrecy");
    assert_string_equal(fired("no-forward-secrecy"), "key exchange RSA: TLS_RSA_WITH_AES_128_GCM_SHA256 (0x009c)");
    /* a suite nobody knows is not judged */
    c->suite = 0x0a0b;
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

static void test_offered_suites(void **state)
{
    (void)state;
    static const struct {
        uint32_t flag;
        const char *offered;
        uint16_t weak_suite; /* when negotiated, only the negotiated rule fires */
        const char *negotiated;
    } cases[] = {
        {TSC_OFFER_RC4, "rc4-offered", 0xc011, "rc4-negotiated"},
        {TSC_OFFER_3DES, "3des-offered", 0xc012, "3des-negotiated"},
        {TSC_OFFER_DES, "des-offered", 0x0015, "des-negotiated"},
        {TSC_OFFER_NULL, "null-cipher-offered", 0xc010, "null-cipher-negotiated"},
        {TSC_OFFER_EXPORT, "export-suite-offered", 0x0003, "export-suite-negotiated"},
        {TSC_OFFER_ANON, "anonymous-suite-offered", 0xc018, "anonymous-suite-negotiated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tsc_conn *c = good_conn();
        c->offered_flags = cases[i].flag;
        static const char *one[1];
        one[0] = cases[i].offered;
        expect_only(c, one, 1);
        assert_string_equal(fired(cases[i].offered), "the server chose another suite");
        /* no ServerHello seen */
        c->have_suite = 0;
        c->saw_server_hello = 0;
        c->version = 0;
        expect_only(c, one, 1);
        assert_string_equal(fired(cases[i].offered), "no suite was seen negotiated");
        /* negotiated: the offered rule stays quiet */
        c->have_suite = 1;
        c->saw_server_hello = 1;
        c->version = TSC_TLS12;
        c->suite = cases[i].weak_suite;
        expect_fires(c, cases[i].negotiated);
        assert_null(fired(cases[i].offered));
        free_conn(c);
    }
    /* all flags at once: six findings, LOW ones before the INFO one */
    struct tsc_conn *c = good_conn();
    c->offered_flags = TSC_OFFER_RC4 | TSC_OFFER_3DES | TSC_OFFER_DES | TSC_OFFER_NULL |
                       TSC_OFFER_EXPORT | TSC_OFFER_ANON;
    assert_int_equal(eval(c), 6);
    assert_string_equal(found[5].rule->id, "3des-offered");
    assert_int_equal(found[5].rule->severity, TSC_SEV_INFO);
    free_conn(c);
}

/* ------------------------------------------------------------ features */

static void test_compression(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->ch_compression = 1;
    static const char *const off[] = {"compression-offered"};
    expect_only(c, off, 1);
    c->sh_compression = 1;
    static const char *const neg[] = {"compression-negotiated"};
    expect_only(c, neg, 1);
    assert_string_equal(fired("compression-negotiated"), "DEFLATE (method 1)");
    c->sh_compression = 64;
    expect_fires(c, "compression-negotiated");
    assert_string_equal(fired("compression-negotiated"), "method 64");
    /* a compression byte without a ServerHello is nothing */
    c->saw_server_hello = 0;
    c->ch_compression = 0;
    expect_quiet(c, "compression-negotiated");
    free_conn(c);
}

static void test_secure_renegotiation(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->sh_reneg = 0;
    expect_fires(c, "no-secure-renegotiation");
    assert_string_equal(fired("no-secure-renegotiation"), "the client signalled it, the server did not answer");
    c->ch_reneg = 0;
    expect_fires(c, "no-secure-renegotiation");
    assert_string_equal(fired("no-secure-renegotiation"), "neither side signalled it");
    c->version = TSC_SSL30;
    expect_fires(c, "no-secure-renegotiation");
    c->version = TSC_TLS13;
    c->suite = 0x1301;
    expect_quiet(c, "no-secure-renegotiation");
    c->version = TSC_TLS12;
    c->suite = 0xc02f;
    c->saw_server_hello = 0; /* nothing to judge without a ServerHello */
    expect_quiet(c, "no-secure-renegotiation");
    free_conn(c);
}

static void test_extended_master_secret(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->sh_ems = 0;
    static const char *const ids[] = {"no-extended-master-secret"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("no-extended-master-secret"), "TLS 1.2");
    c->version = TSC_TLS11;
    expect_fires(c, "no-extended-master-secret");
    c->version = TSC_SSL30; /* EMS is a TLS extension: SSL 3.0 has its own finding */
    expect_quiet(c, "no-extended-master-secret");
    c->version = TSC_TLS13;
    c->suite = 0x1301;
    expect_quiet(c, "no-extended-master-secret");
    c->version = TSC_TLS12;
    c->suite = 0xc02f;
    c->saw_server_hello = 0;
    expect_quiet(c, "no-extended-master-secret");
    free_conn(c);
}

static void test_heartbeat(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->heartbeat_offered = 1;
    static const char *const ids[] = {"heartbeat-offered"};
    expect_only(c, ids, 1);
    c->heartbeat_offered = 0;
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

static void test_weak_dh(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->suite = 0x009e;
    c->have_ske_group = 0;
    ske_dh_bits = 1024;
    static const char *const ids[] = {"weak-dh-group"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("weak-dh-group"), "DH 1024 bits");
    ske_dh_bits = 1023; /* a 1024-bit field whose top bit is clear: the analysis's size is judged */
    expect_fires(c, "weak-dh-group");
    assert_string_equal(fired("weak-dh-group"), "DH 1023 bits");
    ske_dh_bits = 2047;
    expect_fires(c, "weak-dh-group");
    ske_dh_bits = 2048;
    expect_quiet(c, "weak-dh-group");
    ske_dh_bits = 0;
    expect_quiet(c, "weak-dh-group");
    free_conn(c);
}

/* Suite rules judge the suite as the report describes it: the analysis
 * describes it once, and findings do not describe conn->suite again. */
static void test_judges_report_suite(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn(); /* conn->suite: ECDHE-RSA-AES128-GCM */
    struct tsc_conn_report rep;
    tsc_conn_report_init(&rep, c, TSC_NEED_SUITE_TEXT);
    assert_true(rep.have_suite);
    assert_true(rep.suite_known);
    assert_int_equal(rep.suite.code, 0xc02f);
    assert_string_equal(rep.suite_encryption, "AES 128-bit GCM");
    assert_string_equal(rep.suite_mac, "AEAD");
    assert_int_equal(tsc_findings_eval(c, &rep, now_of(c), found, MAXF), 0);
    /* the report says RC4: RC4 is judged */
    assert_int_equal(tsc_suite_describe(0x0005, &rep.suite), 1);
    n_found = tsc_findings_eval(c, &rep, now_of(c), found, MAXF);
    assert_string_equal(fired("rc4-negotiated"), "TLS_RSA_WITH_RC4_128_SHA (0x0005)");
    assert_non_null(fired("no-forward-secrecy"));
    /* a suite the report does not know is not judged, whatever the conn says */
    c->suite = 0x0005;
    tsc_conn_report_init(&rep, c, TSC_NEED_SUITE_TEXT);
    rep.suite_known = 0;
    assert_int_equal(tsc_findings_eval(c, &rep, now_of(c), found, MAXF), 0);
    /* no suite at all */
    c->have_suite = 0;
    tsc_conn_report_init(&rep, c, TSC_NEED_SUITE_TEXT);
    assert_false(rep.have_suite);
    assert_null(rep.suite.name);
    assert_string_equal(rep.suite_encryption, "");
    /* the words only when asked for; the suite is judged all the same */
    c->have_suite = 1;
    c->suite = 0x0005;
    tsc_conn_report_init(&rep, c, 0);
    assert_string_equal(rep.suite_encryption, "");
    assert_string_equal(rep.suite_mac, "");
    n_found = tsc_findings_eval(c, &rep, now_of(c), found, MAXF);
    assert_non_null(fired("rc4-negotiated"));
    free_conn(c);
}

static void test_weak_curve(void **state)
{
    (void)state;
    static const struct {
        uint16_t group;
        int weak;
        const char *detail;
    } cases[] = {
        {0x0013, 1, "secp192r1 (0x0013)"},
        {0x0015, 1, "secp224r1 (0x0015)"},
        {0x0009, 1, "sect283k1 (0x0009)"},
        {0x0016, 1, "secp256k1 (0x0016)"},
        {0xff01, 1, "arbitrary_explicit_prime_curves (0xff01)"},
        {0x7777, 1, "unknown group (0x7777)"},
        {0x0017, 0, NULL},
        {0x0018, 0, NULL},
        {0x0019, 0, NULL},
        {0x001d, 0, NULL},
        {0x001e, 0, NULL},
        {0x001a, 0, NULL},
        {0x11ec, 0, NULL},
        {0x11eb, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tsc_conn *c = good_conn();
        c->ske_group = cases[i].group;
        eval(c);
        if (cases[i].weak) {
            assert_non_null(fired("weak-ecdhe-curve"));
            assert_string_equal(fired("weak-ecdhe-curve"), cases[i].detail);
            assert_int_equal(n_found, 1);
        } else {
            assert_int_equal(n_found, 0);
        }
        c->have_ske_group = 0;
        expect_quiet(c, "weak-ecdhe-curve");
        free_conn(c);
    }
}

static void test_ticket_lifetime(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->ticket_lifetime = 604800;
    expect_quiet(c, "ticket-lifetime-over-7-days");
    c->ticket_lifetime = 604801;
    static const char *const ids[] = {"ticket-lifetime-over-7-days"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("ticket-lifetime-over-7-days"), "lifetime 604801 s (7 days)");
    c->ticket_lifetime = 864000;
    expect_fires(c, "ticket-lifetime-over-7-days");
    assert_string_equal(fired("ticket-lifetime-over-7-days"), "lifetime 864000 s (10 days)");
    c->has_ticket = 0;
    expect_quiet(c, "ticket-lifetime-over-7-days");
    free_conn(c);
}

static void add_alert(struct tsc_conn *c, uint8_t dir, uint8_t enc, uint8_t level, uint8_t desc)
{
    struct tsc_alert_entry *a = &c->alerts[c->n_alerts++];
    a->dir = dir;
    a->encrypted = enc;
    a->level = level;
    a->description = desc;
    c->n_alerts_total = c->n_alerts;
}

static void test_fatal_alert(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    add_alert(c, TSC_C2S, 0, 1, 0); /* warning close_notify */
    add_alert(c, TSC_S2C, 1, 0, 0); /* encrypted: level unknown */
    assert_int_equal(eval(c), 0);
    add_alert(c, TSC_S2C, 0, 2, 40);
    static const char *const ids[] = {"fatal-alert"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("fatal-alert"), "handshake_failure (40) from the server");
    add_alert(c, TSC_C2S, 0, 2, 42);
    expect_fires(c, "fatal-alert");
    assert_string_equal(fired("fatal-alert"), "handshake_failure (40) from the server, 2 fatal alerts");
    free_conn(c);

    c = good_conn();
    add_alert(c, TSC_C2S, 0, 2, 48);
    expect_fires(c, "fatal-alert");
    assert_string_equal(fired("fatal-alert"), "unknown_ca (48) from the client");
    free_conn(c);

    c = good_conn();
    add_alert(c, TSC_S2C, 0, 2, 250); /* not in the registry */
    expect_fires(c, "fatal-alert");
    assert_string_equal(fired("fatal-alert"), "unknown (250) from the server");
    free_conn(c);
}

/* ------------------------------------------------------------ certificates */

static void test_cert_expired(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    cert(c, 0)->not_after_epoch = T0 - 10 * DAY;
    snprintf(cert(c, 0)->not_after, sizeof cert(c, 0)->not_after, "2025-12-22T00:00:00Z");
    static const char *const ids[] = {"cert-expired"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("cert-expired"),
                        "leaf (test.example): not after 2025-12-22T00:00:00Z, 10 days before the connection");
    /* valid up to and including its notAfter second */
    cert(c, 0)->not_after_epoch = T0;
    expect_quiet(c, "cert-expired");
    cert(c, 0)->not_after_epoch = T0 - 1;
    expect_fires(c, "cert-expired");
    /* judged at the time given, not the wall clock */
    assert_int_equal(judge(c, T0 - 5, found, MAXF), 0);
    cert(c, 0)->not_after_epoch = T0 + 60 * DAY;
    /* an expired intermediate */
    cert(c, 1)->not_after_epoch = T0 - 2 * DAY;
    expect_fires(c, "cert-expired");
    assert_non_null(strstr(fired("cert-expired"), "certificate 1 (Test Intermediate)"));
    cert(c, 1)->not_after_epoch = T0 + 60 * DAY;
    /* an expired self-signed root sent along is not judged */
    cert(c, 2)->not_after_epoch = T0 - 2 * DAY;
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

static void test_cert_not_yet_valid(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    cert(c, 0)->not_before_epoch = T0 + 3 * DAY;
    static const char *const ids[] = {"cert-not-yet-valid"};
    expect_only(c, ids, 1);
    assert_non_null(strstr(fired("cert-not-yet-valid"), "3 days after the connection"));
    cert(c, 0)->not_before_epoch = T0 + 30;
    expect_fires(c, "cert-not-yet-valid");
    assert_non_null(strstr(fired("cert-not-yet-valid"), "30 s after the connection"));
    cert(c, 0)->not_before_epoch = T0;
    expect_quiet(c, "cert-not-yet-valid");
    free_conn(c);
}

/* A capture dated before 1995 has no real time (synthetic captures start at
 * the epoch): validity dates are not judged against it. */
static void test_cert_time_implausible(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->n_certs = 1;
    cert(c, 0)->not_before_epoch = 0;
    cert(c, 0)->not_after_epoch = 1000;
    assert_int_equal(judge(c, 500, found, MAXF), 0);
    assert_int_equal(judge(c, 788918399, found, MAXF), 0);
    assert_int_equal(judge(c, 788918400, found, MAXF), 1);
    assert_string_equal(found[0].rule->id, "cert-expired");
    cert(c, 0)->not_before_epoch = T0 - DAY;
    cert(c, 0)->not_after_epoch = T0 + DAY;
    assert_int_equal(judge(c, 0, found, MAXF), 0); /* not "not yet valid" either */
    free_conn(c);
}

static void test_cert_unparsed_not_judged(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->cert_status = calloc(3, sizeof *c->cert_status);
    assert_non_null(c->cert_status);
    /* a certificate that did not parse has an all-zero summary */
    memset(cert(c, 0), 0, sizeof *cert(c, 0));
    c->cert_status[0] = TSC_ERR(TSC_OPENSSL, "not a certificate");
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

static void test_cert_self_signed(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    cert(c, 0)->self_signed = 1;
    static const char *const ids[] = {"cert-self-signed"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("cert-self-signed"), "leaf (test.example)");
    cert(c, 0)->self_signed = 0;
    cert(c, 1)->self_signed = 1; /* a trust anchor after the leaf is normal */
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

struct name_case {
    const char *sni;
    int mismatch;
};

static void run_names(struct tsc_conn *c, const struct name_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf((char *)c->sni, sizeof c->sni, "%s", cases[i].sni);
        c->sni_len = (uint16_t)strlen(cases[i].sni);
        eval(c);
        if (!!fired("cert-name-mismatch") != cases[i].mismatch) {
            print_message("SNI \"%s\": expected %s\n", cases[i].sni, cases[i].mismatch ? "mismatch" : "match");
            print_found();
            fail();
        }
    }
}

static void test_cert_name_san(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    static const struct name_case cases[] = {
        {"test.example", 0},
        {"TEST.Example", 0},
        {"test.example.", 0},
        {"other.example", 1},
        {"test.example.com", 1},
        {"est.example", 1},
        {"a.wild.example", 0},
        {"A-1.Wild.Example", 0},
        {"wild.example", 1},
        {"a.b.wild.example", 1},
        {".wild.example", 1},
        {"127.0.0.1", 0},  /* IP literal: compared with the IP SANs */
        {"127.0.0.2", 1},
        {"::1", 0},
        {"::2", 1},
        {"admin@test.example", 1},
    };
    run_names(c, cases, sizeof cases / sizeof cases[0]);
    snprintf((char *)c->sni, sizeof c->sni, "other.example");
    c->sni_len = 13;
    expect_fires(c, "cert-name-mismatch");
    assert_string_equal(fired("cert-name-mismatch"), "SNI other.example not in DNS:test.example, DNS:*.wild.example");
    snprintf((char *)c->sni, sizeof c->sni, "10.0.0.1");
    c->sni_len = 8;
    expect_fires(c, "cert-name-mismatch");
    assert_string_equal(fired("cert-name-mismatch"), "SNI 10.0.0.1 not in IP:127.0.0.1, IP:::1");
    /* a SAN list cut short may hold the name: not judged */
    cert(c, 0)->san_truncated = 1;
    expect_quiet(c, "cert-name-mismatch");
    cert(c, 0)->san_truncated = 0;
    /* no SNI: nothing to compare */
    c->has_sni = 0;
    expect_quiet(c, "cert-name-mismatch");
    free_conn(c);
}

static void test_cert_name_wildcards(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    static const char *const sans[] = {"DNS:*.example", "DNS:f*.part.example", "DNS:www.*.mid.example",
                                       "DNS:*.ok.example."};
    set_san(cert(c, 0), sans, 4);
    static const struct name_case cases[] = {
        {"x.example", 1},        /* "*.example": too wide */
        {"foo.part.example", 1}, /* partial wildcards are not honoured */
        {"www.a.mid.example", 1},
        {"a.ok.example", 0},
        {"ok.example", 1},
    };
    run_names(c, cases, sizeof cases / sizeof cases[0]);
    free_conn(c);
}

static void test_cert_name_cn(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    /* no DNS SAN: the CN is the name */
    static const char *const ip_only[] = {"IP:192.0.2.1"};
    set_san(cert(c, 0), ip_only, 1);
    static const struct name_case cases[] = {
        {"test.example", 0},
        {"Test.Example", 0},
        {"www.test.example", 1},
        {"192.0.2.1", 0},
        {"192.0.2.2", 1},
    };
    run_names(c, cases, sizeof cases / sizeof cases[0]);
    set_san(cert(c, 0), NULL, 0);
    snprintf((char *)c->sni, sizeof c->sni, "other.example");
    c->sni_len = 13;
    expect_fires(c, "cert-name-mismatch");
    assert_string_equal(fired("cert-name-mismatch"), "SNI other.example not in CN=test.example");
    /* an IP literal with no IP SAN: not judged */
    snprintf((char *)c->sni, sizeof c->sni, "192.0.2.2");
    c->sni_len = 9;
    expect_quiet(c, "cert-name-mismatch");
    /* a wildcard CN */
    snprintf(cert(c, 0)->subject_cn, sizeof cert(c, 0)->subject_cn, "*.test.example");
    snprintf((char *)c->sni, sizeof c->sni, "www.test.example");
    c->sni_len = 16;
    expect_quiet(c, "cert-name-mismatch");
    /* no name at all */
    cert(c, 0)->subject_cn[0] = '\0';
    expect_quiet(c, "cert-name-mismatch");
    free_conn(c);
}

static void test_cert_name_hostile_sni(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    static const uint8_t sni[] = "evil\x1b[31m\\x.example";
    memcpy(c->sni, sni, sizeof sni - 1);
    c->sni_len = (uint16_t)(sizeof sni - 1);
    expect_fires(c, "cert-name-mismatch");
    assert_string_equal(fired("cert-name-mismatch"),
                        "SNI evil\\x1b[31m\\x5cx.example not in DNS:test.example, DNS:*.wild.example");
    /* a long name of control bytes: cut with "...", never inside an escape */
    memset(c->sni, 0x01, sizeof c->sni);
    c->sni_len = 255;
    expect_fires(c, "cert-name-mismatch");
    const char *d = fired("cert-name-mismatch");
    size_t len = strlen(d);
    assert_true(len <= TSC_FINDING_DETAIL - 1);
    assert_true(len > 100);
    assert_string_equal(d + len - 3, "...");
    assert_memory_equal(d + len - 7, "\\x01", 4);
    free_conn(c);
}

static void test_cert_weak_rsa(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    cert(c, 0)->pubkey_bits = 1024;
    static const char *const ids[] = {"cert-weak-rsa-key"};
    expect_only(c, ids, 1);
    assert_string_equal(fired("cert-weak-rsa-key"), "leaf (test.example): RSA 1024 bits");
    cert(c, 0)->pubkey_bits = 2048;
    cert(c, 1)->pubkey_bits = 1024;
    expect_fires(c, "cert-weak-rsa-key");
    assert_string_equal(fired("cert-weak-rsa-key"), "certificate 1 (Test Intermediate): RSA 1024 bits");
    cert(c, 1)->pubkey_bits = 4096;
    cert(c, 2)->pubkey_bits = 1024; /* the trust anchor */
    expect_quiet(c, "cert-weak-rsa-key");
    /* EC keys are not RSA keys */
    snprintf(cert(c, 0)->pubkey_algorithm, sizeof cert(c, 0)->pubkey_algorithm, "EC");
    cert(c, 0)->pubkey_bits = 256;
    expect_quiet(c, "cert-weak-rsa-key");
    snprintf(cert(c, 0)->pubkey_algorithm, sizeof cert(c, 0)->pubkey_algorithm, "RSA-PSS");
    cert(c, 0)->pubkey_bits = 1536;
    expect_fires(c, "cert-weak-rsa-key");
    cert(c, 0)->pubkey_bits = 0; /* undecodable key: not judged */
    expect_quiet(c, "cert-weak-rsa-key");
    free_conn(c);
}

static void test_cert_signatures(void **state)
{
    (void)state;
    static const struct {
        const char *alg;
        const char *id;
    } cases[] = {
        {"sha1WithRSAEncryption", "cert-sha1-signature"},
        {"ecdsa-with-SHA1", "cert-sha1-signature"},
        {"dsaWithSHA1", "cert-sha1-signature"},
        {"md5WithRSAEncryption", "cert-md5-signature"},
        {"md2WithRSAEncryption", "cert-md5-signature"},
        {"sha256WithRSAEncryption", NULL},
        {"ecdsa-with-SHA384", NULL},
        {"ED25519", NULL},
        {"RSASSA-PSS", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t at = 0; at < 3; at++) {
            struct tsc_conn *c = good_conn();
            snprintf(cert(c, (int)at)->signature_algorithm, sizeof cert(c, (int)at)->signature_algorithm, "%s",
                     cases[i].alg);
            eval(c);
            /* the self-signed root (index 2) is never judged */
            if (cases[i].id && at < 2) {
                assert_int_equal(n_found, 1);
                assert_non_null(fired(cases[i].id));
                assert_non_null(strstr(fired(cases[i].id), cases[i].alg));
            } else {
                assert_int_equal(n_found, 0);
            }
            free_conn(c);
        }
    }
}

static void test_cert_validity(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    struct tsc_x509_summary *leaf = cert(c, 0);
    leaf->not_before_epoch = T0 - 30 * DAY;
    /* notBefore through notAfter inclusive: 398 days exactly is allowed */
    leaf->not_after_epoch = leaf->not_before_epoch + 398 * DAY - 1;
    expect_quiet(c, "cert-validity-over-398-days");
    leaf->not_after_epoch++;
    static const char *const ids[] = {"cert-validity-over-398-days"};
    expect_only(c, ids, 1);
    assert_non_null(strstr(fired("cert-validity-over-398-days"), "398 days + 1 s ("));
    leaf->not_after_epoch = leaf->not_before_epoch + 825 * DAY - 1;
    expect_fires(c, "cert-validity-over-398-days");
    assert_non_null(strstr(fired("cert-validity-over-398-days"), "825 days ("));
    /* issued before 2020-09-01: the 398-day limit did not apply yet (the
     * leaf alone, judged in 2020) */
    leaf->not_before_epoch = INT64_C(1598918399);
    leaf->not_after_epoch = leaf->not_before_epoch + 825 * DAY;
    c->start_us = (leaf->not_before_epoch + DAY) * 1000000;
    c->n_certs = 1;
    assert_int_equal(eval(c), 0);
    leaf->not_before_epoch++; /* 2020-09-01T00:00:00Z: it does */
    expect_fires(c, "cert-validity-over-398-days");
    /* intermediates are not judged by this rule */
    c->n_certs = 3;
    c->start_us = T0 * 1000000;
    leaf->not_before_epoch = T0 - 30 * DAY;
    leaf->not_after_epoch = T0 + 60 * DAY;
    cert(c, 1)->not_before_epoch = T0 - DAY;
    cert(c, 1)->not_after_epoch = T0 + 5000 * DAY;
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

static void test_no_certificates_no_cert_findings(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    /* what would fire if the chain had been seen... */
    cert(c, 0)->self_signed = 1;
    cert(c, 0)->not_after_epoch = T0 - DAY;
    assert_int_equal(eval(c), 2);
    /* ...is not judged when it was not (resumption, TLS 1.3) */
    c->n_certs = 0;
    assert_int_equal(eval(c), 0);
    free_conn(c);
}

/* ------------------------------------------------------------ ordering */

static struct tsc_conn *bad_conn(void)
{
    struct tsc_conn *c = good_conn();
    c->version = TSC_TLS10;                 /* medium */
    c->suite = 0x0005;                      /* RSA-RC4-SHA: high rc4, medium no-fs */
    c->offered_flags = TSC_OFFER_3DES | TSC_OFFER_EXPORT; /* info, low */
    c->sh_reneg = 0;                        /* medium */
    c->sh_ems = 0;                          /* low */
    c->heartbeat_offered = 1;               /* low */
    c->have_ske_group = 0;
    cert(c, 0)->not_after_epoch = T0 - DAY; /* high */
    cert(c, 0)->self_signed = 1;            /* medium */
    add_alert(c, TSC_S2C, 0, 2, 40);        /* info */
    return c;
}

static size_t index_of(const struct tsc_rule *r)
{
    for (size_t i = 0; i < tsc_rules_count(); i++)
        if (tsc_rule_at(i) == r)
            return i;
    fail_msg("finding points outside the rule table");
    return 0;
}

static void test_order_by_severity(void **state)
{
    (void)state;
    struct tsc_conn *c = bad_conn();
    size_t n = eval(c);
    assert_int_equal(n, 11);
    for (size_t i = 1; i < n; i++) {
        const struct tsc_rule *a = found[i - 1].rule, *b = found[i].rule;
        assert_true(a->severity >= b->severity);
        if (a->severity == b->severity)
            assert_true(index_of(a) < index_of(b)); /* stable: table order */
    }
    assert_int_equal(found[0].rule->severity, TSC_SEV_HIGH);
    assert_int_equal(found[n - 1].rule->severity, TSC_SEV_INFO);
    /* the same order whatever the table position of the severities */
    static const char *const want[] = {
        "rc4-negotiated",          "cert-expired",   "tls10-negotiated",  "no-forward-secrecy",
        "no-secure-renegotiation", "cert-self-signed", "no-extended-master-secret",
        "export-suite-offered",    "heartbeat-offered", "3des-offered",   "fatal-alert",
    };
    for (size_t i = 0; i < n; i++)
        assert_string_equal(found[i].rule->id, want[i]);
    free_conn(c);
}

static void test_max_truncation(void **state)
{
    (void)state;
    struct tsc_conn *c = bad_conn();
    struct tsc_finding all[MAXF], few[4];
    size_t n = judge(c, now_of(c), all, MAXF);
    assert_int_equal(n, 11);
    memset(few, 0x5a, sizeof few);
    assert_int_equal(judge(c, now_of(c), few, 3), 11);
    for (size_t i = 0; i < 3; i++) {
        assert_ptr_equal(few[i].rule, all[i].rule);
        assert_string_equal(few[i].detail, all[i].detail);
    }
    /* nothing written past max */
    const unsigned char *p = (const unsigned char *)&few[3];
    for (size_t k = 0; k < sizeof few[3]; k++)
        assert_int_equal(p[k], 0x5a);
    assert_int_equal(judge(c, now_of(c), NULL, 0), 11);
    assert_int_equal(judge(c, now_of(c), few, 0), 11);
    free_conn(c);
}

/* ------------------------------------------------------------ names, table */

static void test_severity_names(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        enum tsc_severity sev;
    } cases[] = {
        {"info", 1, TSC_SEV_INFO},     {"low", 1, TSC_SEV_LOW},     {"medium", 1, TSC_SEV_MEDIUM},
        {"high", 1, TSC_SEV_HIGH},     {"HIGH", 1, TSC_SEV_HIGH},   {"Medium", 1, TSC_SEV_MEDIUM},
        {"", 0, TSC_SEV_INFO},         {"hi", 0, TSC_SEV_INFO},     {"highx", 0, TSC_SEV_INFO},
        {"critical", 0, TSC_SEV_INFO}, {" low", 0, TSC_SEV_INFO},   {"low ", 0, TSC_SEV_INFO},
        {"med", 0, TSC_SEV_INFO},      {"3", 0, TSC_SEV_INFO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum tsc_severity out = (enum tsc_severity)99;
        int r = tsc_severity_parse(cases[i].s, &out);
        if (cases[i].ok) {
            assert_int_equal(r, 0);
            assert_int_equal(out, cases[i].sev);
        } else {
            assert_int_equal(r, -1);
            assert_int_equal(out, 99); /* untouched */
        }
    }
    enum tsc_severity out;
    assert_int_equal(tsc_severity_parse(NULL, &out), -1);
    assert_int_equal(tsc_severity_parse("low", NULL), -1);
    assert_string_equal(tsc_severity_name(TSC_SEV_INFO), "info");
    assert_string_equal(tsc_severity_name(TSC_SEV_LOW), "low");
    assert_string_equal(tsc_severity_name(TSC_SEV_MEDIUM), "medium");
    assert_string_equal(tsc_severity_name(TSC_SEV_HIGH), "high");
    assert_string_equal(tsc_severity_name((enum tsc_severity)7), "unknown");
    /* the names round-trip, and their order is the enum's */
    for (int s = TSC_SEV_INFO; s <= TSC_SEV_HIGH; s++) {
        assert_int_equal(tsc_severity_parse(tsc_severity_name((enum tsc_severity)s), &out), 0);
        assert_int_equal(out, s);
    }
    assert_true(TSC_SEV_INFO < TSC_SEV_LOW && TSC_SEV_LOW < TSC_SEV_MEDIUM && TSC_SEV_MEDIUM < TSC_SEV_HIGH);
}

static void test_rule_table(void **state)
{
    (void)state;
    size_t n = tsc_rules_count();
    assert_true(n >= 30);
    assert_null(tsc_rule_at(n));
    for (size_t i = 0; i < n; i++) {
        const struct tsc_rule *r = tsc_rule_at(i);
        assert_non_null(r);
        /* kebab-case: [a-z0-9]+(-[a-z0-9]+)* */
        size_t len = strlen(r->id);
        assert_true(len > 0 && len <= 40);
        assert_true(r->id[0] != '-' && r->id[len - 1] != '-');
        for (size_t k = 0; k < len; k++) {
            char ch = r->id[k];
            assert_true((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-');
            if (ch == '-')
                assert_true(r->id[k + 1] != '-');
        }
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(tsc_rule_at(j)->id, r->id);
        assert_true(strlen(r->title) > 0 && strlen(r->title) <= 80);
        assert_null(strchr(r->title, '\n'));
        assert_true(strlen(r->explanation) > 20);
        assert_true(strlen(r->reference) > 0);
        assert_true(r->severity >= TSC_SEV_INFO && r->severity <= TSC_SEV_HIGH);
        if (i > 0)
            assert_true(tsc_rule_at(i - 1)->severity >= r->severity); /* listed most severe first */
        assert_ptr_equal(tsc_rule_find(r->id), r);
    }
    assert_null(tsc_rule_find("no-such-rule"));
    assert_null(tsc_rule_find(NULL));
    /* ids promised in docs and the brief */
    static const char *const promised[] = {
        "sslv2-negotiated", "sslv3-negotiated", "tls10-negotiated", "tls11-negotiated",
        "rc4-negotiated", "3des-negotiated", "des-negotiated", "null-cipher-negotiated",
        "export-suite-negotiated", "anonymous-suite-negotiated", "rc4-offered", "3des-offered",
        "des-offered", "null-cipher-offered", "export-suite-offered", "anonymous-suite-offered",
        "no-forward-secrecy", "cbc-sha1-negotiated", "compression-negotiated",
        "no-secure-renegotiation", "no-extended-master-secret", "heartbeat-offered",
        "cert-expired", "cert-not-yet-valid", "cert-self-signed", "cert-name-mismatch",
        "cert-weak-rsa-key", "cert-sha1-signature", "cert-md5-signature",
        "cert-validity-over-398-days", "weak-dh-group", "weak-ecdhe-curve",
        "ticket-lifetime-over-7-days", "fatal-alert", "dtls10-negotiated",
    };
    for (size_t i = 0; i < sizeof promised / sizeof promised[0]; i++)
        assert_non_null(tsc_rule_find(promised[i]));
}

/* docs/findings.md lists every rule as "| `id` | severity | ..." */
static void test_docs_in_step(void **state)
{
    (void)state;
    const char *src = getenv("TSC_SOURCE_DIR");
    if (!src) {
        print_message("TSC_SOURCE_DIR unset: docs check skipped\n");
        skip();
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/findings.md", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[131072];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    size_t rows = 0;
    for (const char *p = text; (p = strstr(p, "\n| `")) != NULL; p++)
        rows++;
    for (size_t i = 0; i < tsc_rules_count(); i++) {
        const struct tsc_rule *r = tsc_rule_at(i);
        char row[256];
        snprintf(row, sizeof row, "\n| `%s` | %s | %s | ", r->id, tsc_severity_name(r->severity), r->title);
        if (!strstr(text, row)) {
            print_message("docs/findings.md lacks the row starting %s\n", row + 1);
            fail();
        }
    }
    assert_int_equal(rows, tsc_rules_count());
}

/* ------------------------------------------------------------ DTLS */

/* A healthy DTLS 1.2 connection (good_conn over UDP) fires nothing; DTLS 1.0
 * fires its own rule and no TLS one; DTLS 1.3 nothing. */
static void test_dtls_versions(void **state)
{
    (void)state;
    static const char *const versions[] = {"sslv2-negotiated", "sslv3-negotiated", "tls10-negotiated",
                                           "tls11-negotiated", "dtls10-negotiated"};
    static const struct {
        uint16_t v;
        const char *id;
    } cases[] = {
        {TSC_DTLS12, NULL},
        {TSC_DTLS10, "dtls10-negotiated"},
        {0x0100, "dtls10-negotiated"},
        {TSC_DTLS13, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tsc_conn *c = good_conn();
        c->transport = TSC_TRANSPORT_DTLS;
        c->version = c->client_version = cases[i].v;
        if (cases[i].v == TSC_DTLS13) {
            c->suite = 0x1301;
            c->sh_reneg = c->sh_ems = 0; /* as in TLS 1.3 */
        }
        snprintf(note, sizeof note, "version 0x%04x", cases[i].v);
        eval(c);
        if (!cases[i].id && n_found) {
            print_found();
            fail();
        }
        for (size_t k = 0; k < sizeof versions / sizeof versions[0]; k++) {
            int want = cases[i].id && strcmp(cases[i].id, versions[k]) == 0;
            if (!!fired(versions[k]) != want) {
                print_message("%s %s\n", versions[k], want ? "did not fire" : "fired");
                print_found();
                fail();
            }
        }
        if (cases[i].v == 0x0100)
            assert_non_null(strstr(fired("dtls10-negotiated"), "0x0100"));
        else if (cases[i].id)
            assert_string_equal(fired("dtls10-negotiated"), "");
        free_conn(c);
    }
    note[0] = '\0';
}

/* The rules about TLS 1.2-and-below mechanisms apply to DTLS 1.0 and 1.2,
 * whose numbers (0xfeff, 0xfefd) are above TLS 1.3's; not to DTLS 1.3. */
static void test_dtls_tls12_mechanisms(void **state)
{
    (void)state;
    static const uint16_t dtls12_and_below[] = {TSC_DTLS10, TSC_DTLS12};
    for (size_t i = 0; i < 2; i++) {
        struct tsc_conn *c = good_conn();
        c->transport = TSC_TRANSPORT_DTLS;
        c->version = dtls12_and_below[i];
        c->sh_reneg = c->ch_reneg = 0;
        c->sh_ems = 0;
        c->suite = 0x002f; /* TLS_RSA_WITH_AES_128_CBC_SHA */
        eval(c);
        assert_non_null(fired("no-secure-renegotiation"));
        const char *ems = fired("no-extended-master-secret");
        assert_non_null(ems);
        assert_string_equal(ems, i == 0 ? "DTLS 1.0" : "DTLS 1.2");
        assert_non_null(fired("no-forward-secrecy"));
        assert_non_null(fired("cbc-sha1-negotiated"));
        free_conn(c);
    }
    struct tsc_conn *c = good_conn();
    c->transport = TSC_TRANSPORT_DTLS;
    c->version = TSC_DTLS13;
    c->suite = 0x1301;
    c->sh_reneg = c->ch_reneg = c->sh_ems = 0;
    assert_int_equal(eval(c), 0);
    free_conn(c);

    /* a TCP connection whose ServerHello names a DTLS version is taken at its word */
    c = good_conn();
    c->version = TSC_DTLS12;
    c->sh_reneg = c->sh_ems = 0;
    eval(c);
    assert_null(fired("no-secure-renegotiation"));
    assert_null(fired("no-extended-master-secret"));
    free_conn(c);
}

/* Heartbeats are DTLS's own feature (RFC 6520): offered there, not flagged. */
static void test_dtls_heartbeat(void **state)
{
    (void)state;
    struct tsc_conn *c = good_conn();
    c->transport = TSC_TRANSPORT_DTLS;
    c->version = TSC_DTLS12;
    c->heartbeat_offered = 1;
    assert_int_equal(eval(c), 0);
    c->transport = TSC_TRANSPORT_TCP;
    c->version = TSC_TLS12;
    expect_fires(c, "heartbeat-offered");
    free_conn(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_tls12_fires_nothing),
        cmocka_unit_test(test_good_tls13_fires_nothing),
        cmocka_unit_test(test_empty_conn_fires_nothing),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_tls10_alone),
        cmocka_unit_test(test_dtls_versions),
        cmocka_unit_test(test_dtls_tls12_mechanisms),
        cmocka_unit_test(test_dtls_heartbeat),
        cmocka_unit_test(test_sslv2_client_hello),
        cmocka_unit_test(test_negotiated_suites),
        cmocka_unit_test(test_suite_detail),
        cmocka_unit_test(test_offered_suites),
        cmocka_unit_test(test_compression),
        cmocka_unit_test(test_secure_renegotiation),
        cmocka_unit_test(test_extended_master_secret),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_weak_dh),
        cmocka_unit_test(test_judges_report_suite),
        cmocka_unit_test(test_weak_curve),
        cmocka_unit_test(test_ticket_lifetime),
        cmocka_unit_test(test_fatal_alert),
        cmocka_unit_test(test_cert_expired),
        cmocka_unit_test(test_cert_not_yet_valid),
        cmocka_unit_test(test_cert_time_implausible),
        cmocka_unit_test(test_cert_unparsed_not_judged),
        cmocka_unit_test(test_cert_self_signed),
        cmocka_unit_test(test_cert_name_san),
        cmocka_unit_test(test_cert_name_wildcards),
        cmocka_unit_test(test_cert_name_cn),
        cmocka_unit_test(test_cert_name_hostile_sni),
        cmocka_unit_test(test_cert_weak_rsa),
        cmocka_unit_test(test_cert_signatures),
        cmocka_unit_test(test_cert_validity),
        cmocka_unit_test(test_no_certificates_no_cert_findings),
        cmocka_unit_test(test_order_by_severity),
        cmocka_unit_test(test_max_truncation),
        cmocka_unit_test(test_severity_names),
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_docs_in_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
