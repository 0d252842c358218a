/*
 * test_ecs.c - the ECS renderer (--format ecs, report/ecs.c) on hand-built
 * connections whose strings are hostile: an SNI, ALPN name, certificate
 * names and SANs with quotes, backslashes, control characters, terminal
 * escapes and invalid UTF-8.
 *
 * What is checked: every document is one line of printable, valid UTF-8
 * (controls escaped as \u00XX, newline and tab too, invalid bytes replaced by U+FFFD) with the
 * hostile values escaped exactly; the certificate's names split by
 * attribute type (a multi-valued RDN's '+' dropped); SAN values bare for
 * DNS/IP/email/URI and typed for the rest; uppercase hashes and serial; Go's
 * signature name; an exponent too large for a long left out; a time ECS
 * cannot read left out; the client's certificate and offered suites from
 * the events; one alert document per finding with its rule; nothing
 * written for a value that is absent (no null, no "", no empty object).
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
#include "core/text.h"
#include "report/report.h"
#include "tls/msg.h"
#include "tls/session.h"

static const struct tsc_format_row *ecs_row(void)
{
    for (size_t i = 0; i < tsc_formats_count(); i++) {
        const struct tsc_format_row *r = tsc_format_at(i);
        if (strcmp(r->name, "ecs") == 0)
            return r;
    }
    return NULL;
}

/* Pack NUL-terminated strings one after another (the summary's lists). */
static uint16_t pack(char *buf, size_t cap, const char *const *v, size_t n)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]) + 1;
        assert_true(off + l <= cap);
        memcpy(buf + off, v[i], l);
        off += l;
    }
    return (uint16_t)n;
}

static void hostile_cert(struct tsc_x509_summary *s)
{
    memset(s, 0, sizeof *s);
    s->version = 3;
    snprintf(s->serial, sizeof s->serial, "-0a1b");
    snprintf(s->subject, sizeof s->subject, "CN=a\"b\\c\x1b[31m,O=x\n");
    snprintf(s->issuer, sizeof s->issuer, "CN=\xff\xfe issuer");
    static const char *const subj[] = {"C=X\"X", "O=Org \"1\"", "+O=Org\t2", "OU=\x01unit", "CN=a\"b\\c\x1b[31m",
                                       "L=caf\xc3\xa9", "ST=\xc3"};
    s->subject_rdns_n = pack(s->subject_rdns, sizeof s->subject_rdns, subj, sizeof subj / sizeof subj[0]);
    static const char *const iss[] = {"CN=\xff\xfe issuer", "emailAddress=x@y"};
    s->issuer_rdns_n = pack(s->issuer_rdns, sizeof s->issuer_rdns, iss, 2);
    snprintf(s->not_before, sizeof s->not_before, "2026-01-01T00:00:00Z");
    snprintf(s->not_after, sizeof s->not_after, "+12345-01-01T00:00:00Z"); /* no date ECS reads */
    snprintf(s->pubkey_algorithm, sizeof s->pubkey_algorithm, "RSA");
    s->pubkey_bits = 2048;
    snprintf(s->pubkey_exponent, sizeof s->pubkey_exponent, "1234567890123456789012"); /* past a long */
    snprintf(s->signature_algorithm, sizeof s->signature_algorithm, "sha256WithRSAEncryption");
    static const char *const san[] = {"DNS:evil\"\n.example", "IP:192.0.2.1", "DirName:CN=x", "email:", "URI:\x7f"};
    s->san_count = pack(s->san_buf, sizeof s->san_buf, san, sizeof san / sizeof san[0]);
    snprintf(s->sha256, sizeof s->sha256, "%s", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    snprintf(s->sha1, sizeof s->sha1, "%s", "00112233445566778899aabbccddeeff00112233");
    snprintf(s->md5, sizeof s->md5, "%s", "00112233445566778899aabbccddeeff");
}

struct out {
    char *p;
    size_t n;
};

/* Render one connection (events, then emit) with the ECS format. */
static void render(const struct tsc_conn *c, const struct tsc_conn_report *rep, const struct tsc_event *ev,
                   size_t n_ev, struct out *o)
{
    const struct tsc_format_row *row = ecs_row();
    assert_non_null(row);
    assert_null(row->flag);
    static struct tsc_sink_impl s;
    memset(&s, 0, sizeof s);
    s.out = tmpfile();
    assert_non_null(s.out);
    tsc_buf_init(&s.ob, 0);
    assert_int_equal(row->init(&s), 0);
    void *data = NULL;
    struct tsc_msg_facts f;
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < n_ev; i++)
        s.render.event(s.render.ctx, &ev[i], &f, &data);
    s.render.emit(s.render.ctx, c, rep, &data, 7);
    assert_null(data);
    tsc_report_out_flush(&s, 1);
    tsc_buf_free(&s.ob);
    long len = ftell(s.out);
    assert_true(len > 0);
    o->p = malloc((size_t)len + 1);
    assert_non_null(o->p);
    rewind(s.out);
    o->n = fread(o->p, 1, (size_t)len, s.out);
    o->p[o->n] = '\0';
    fclose(s.out);
}

/* Printable ASCII or valid UTF-8, lines ending in '\n'; the number of lines. */
static size_t check_clean(const struct out *o)
{
    size_t lines = 0;
    const uint8_t *p = (const uint8_t *)o->p;
    for (size_t i = 0; i < o->n;) {
        if (p[i] == '\n') {
            lines++;
            i++;
            continue;
        }
        assert_true(p[i] >= 0x20 && p[i] != 0x7f);
        size_t k = tsc_utf8_seq(p + i, o->n - i);
        assert_true(k >= 1);
        i += k;
    }
    assert_true(o->n && p[o->n - 1] == '\n');
    return lines;
}

static void has(const struct out *o, const char *s)
{
    if (!strstr(o->p, s)) {
        fprintf(stderr, "missing: %s\nin: %s\n", s, o->p);
        fail();
    }
}

static void lacks(const struct out *o, const char *s)
{
    if (strstr(o->p, s)) {
        fprintf(stderr, "unexpected: %s\nin: %s\n", s, o->p);
        fail();
    }
}

static void base_conn(struct tsc_conn *c)
{
    memset(c, 0, sizeof *c);
    c->transport = TSC_TRANSPORT_TCP;
    c->client.family = 4;
    memcpy(c->client.addr, "\xc0\x00\x02\x01", 4);
    c->client.port = 50000;
    c->server.family = 4;
    memcpy(c->server.addr, "\xc0\x00\x02\x02", 4);
    c->server.port = 443;
    c->start_us = 1764547200000000; /* 2025-12-01 */
    c->last_us = c->start_us + 1500;
    c->version = TSC_TLS12;
}

static void test_hostile_strings(void **state)
{
    (void)state;
    static struct tsc_conn c;
    static struct tsc_conn_report rep;
    static struct tsc_x509_summary leaf, ccert;
    static const struct tsc_x509_summary *certs[1];
    static tsc_result st[1];
    base_conn(&c);
    static const char sni[] = "a\"b\\c\x01\x1b[2J\xff\xc3\xa9";
    c.has_sni = 1;
    c.sni_len = (uint16_t)(sizeof sni - 1);
    memcpy(c.sni, sni, sizeof sni - 1);
    c.has_alpn_selected = 1;
    c.alpn_selected_len = 4;
    memcpy(c.alpn_selected, "h\"2\x00", 4);
    c.complete = 1;
    hostile_cert(&leaf);
    certs[0] = &leaf;
    st[0] = tsc_ok();
    c.certs = certs;
    c.cert_status = st;
    c.n_certs = c.n_certs_total = 1;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.ja3, sizeof rep.ja3, "%s", "0123456789abcdef0123456789abcdef");

    /* the events: a ClientHello's suites (one unknown), the client's certificate */
    static struct tsc_hs_msg chm, certm;
    static const uint8_t suites[] = {0x13, 0x01, 0x13, 0x99};
    memset(&chm, 0, sizeof chm);
    chm.type = TSC_HS_CLIENT_HELLO;
    chm.u.ch.cipher_suites.p = suites;
    chm.u.ch.cipher_suites.len = sizeof suites;
    memset(&certm, 0, sizeof certm);
    certm.type = TSC_HS_CERTIFICATE;
    hostile_cert(&ccert);
    snprintf(ccert.subject, sizeof ccert.subject, "CN=client\x7f");
    snprintf(ccert.signature_algorithm, sizeof ccert.signature_algorithm, "rsassaPss");
    static const struct tsc_x509_summary *ccerts[1];
    ccerts[0] = &ccert;
    struct tsc_event ev[2];
    memset(ev, 0, sizeof ev);
    ev[0].type = TSC_EV_HANDSHAKE;
    ev[0].dir = TSC_C2S;
    ev[0].msg = &chm;
    ev[0].status = tsc_ok();
    ev[1].type = TSC_EV_HANDSHAKE;
    ev[1].dir = TSC_C2S;
    ev[1].msg = &certm;
    ev[1].status = tsc_ok();
    ev[1].certs = ccerts;
    ev[1].cert_status = st;
    ev[1].n_certs = 1;

    struct out o;
    render(&c, &rep, ev, 2, &o);
    assert_int_equal(check_clean(&o), 1);
    /* the SNI, escaped: quote, backslash, \u0001, ESC, 0xff replaced, é kept */
    has(&o, "\"server_name\":\"a\\\"b\\\\c\\u0001\\u001b[2J\xef\xbf\xbd\xc3\xa9\"");
    has(&o, "\"domain\":\"a\\\"b\\\\c\\u0001\\u001b[2J\xef\xbf\xbd\xc3\xa9\"");
    has(&o, "\"next_protocol\":\"h\\\"2\\u0000\"");
    /* names by attribute, DER order, the multi-valued RDN's second value too */
    has(&o, "\"subject\":{\"distinguished_name\":\"CN=a\\\"b\\\\c\\u001b[31m,O=x\\u000a\","
            "\"common_name\":[\"a\\\"b\\\\c\\u001b[31m\"],\"country\":[\"X\\\"X\"],"
            "\"locality\":[\"caf\xc3\xa9\"],\"organization\":[\"Org \\\"1\\\"\",\"Org\\u00092\"],"
            "\"organizational_unit\":[\"\\u0001unit\"],\"state_or_province\":[\"\xef\xbf\xbd\"]}");
    has(&o, "\"issuer\":{\"distinguished_name\":\"CN=\xef\xbf\xbd\xef\xbf\xbd issuer\","
            "\"common_name\":[\"\xef\xbf\xbd\xef\xbf\xbd issuer\"]}");
    lacks(&o, "emailAddress");
    /* SANs: bare DNS and IP, typed DirName, an empty email left out, DEL escaped */
    has(&o, "\"alternative_names\":[\"evil\\\"\\u000a.example\",\"192.0.2.1\",\"DirName:CN=x\",\"\\u007f\"]");
    has(&o, "\"serial_number\":\"-0A1B\"");
    has(&o, "\"sha256\":\"00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\"");
    has(&o, "\"md5\":\"00112233445566778899AABBCCDDEEFF\"");
    has(&o, "\"signature_algorithm\":\"SHA256-RSA\"");
    has(&o, "\"signature_algorithm\":\"rsassaPss\""); /* the client's: no Go name says its hash */
    has(&o, "\"public_key_size\":2048");
    lacks(&o, "public_key_exponent");
    has(&o, "\"not_before\":\"2026-01-01T00:00:00Z\"");
    lacks(&o, "+12345");
    lacks(&o, "\"not_after\"");
    has(&o, "\"version_number\":\"3\"");
    /* the client side: its certificate and its offer (an unknown suite in hex) */
    has(&o, "\"client\":{\"hash\":{\"md5\":");
    has(&o, "\"subject\":\"CN=client\\u007f\"");
    has(&o, "\"supported_ciphers\":[\"TLS_AES_128_GCM_SHA256\",\"0x1399\"]");
    has(&o, "\"ja3\":\"0123456789abcdef0123456789abcdef\"");
    has(&o, "\"version\":\"1.2\",\"version_protocol\":\"tls\"");
    has(&o, "\"established\":true");
    has(&o, "\"duration\":1500000");
    has(&o, "\"@timestamp\":\"2025-12-01T00:00:00.000000Z\"");
    has(&o, "\"tlsscope\":{\"connection_id\":7}");
    /* absent values are left out: no JA3S, JA4, cipher or curve */
    lacks(&o, "null");
    lacks(&o, "\":\"\"");
    lacks(&o, "[\"\"");
    lacks(&o, ",\"\",");
    lacks(&o, "{}");
    lacks(&o, "ja3s");
    lacks(&o, "ja4");
    lacks(&o, "\"cipher\"");
    lacks(&o, "curve");
    free(o.p);
}

static void test_alerts(void **state)
{
    (void)state;
    static struct tsc_conn c;
    static struct tsc_conn_report rep;
    base_conn(&c);
    c.transport = TSC_TRANSPORT_QUIC;
    c.version = TSC_TLS13;
    c.client.family = c.server.family = 6;
    memset(c.client.addr, 0, 16);
    c.client.addr[15] = 1;
    memset(rep.ja4, 0, sizeof rep.ja4);
    memset(&rep, 0, sizeof rep);
    snprintf(rep.ja4, sizeof rep.ja4, "%s", "q13d0310h3_55b375c5d22e_cd85d2d88918");
    const struct tsc_rule *fatal = tsc_rule_find("fatal-alert");
    assert_non_null(fatal);
    rep.n_findings = 2;
    rep.findings[0].rule = fatal;
    snprintf(rep.findings[0].detail, sizeof rep.findings[0].detail, "quote \" and \\x1b");
    rep.findings[1].rule = fatal;

    /* TLS 1.3's group: the ServerHello's KeyShareEntry */
    static struct tsc_hs_msg shm;
    memset(&shm, 0, sizeof shm);
    shm.type = TSC_HS_SERVER_HELLO;
    shm.u.sh.ext.n = shm.u.sh.ext.stored = 1;
    struct tsc_ext *ks = &shm.u.sh.ext.ext[0];
    ks->type = TSC_EXT_KEY_SHARE;
    ks->form = TSC_EXTF_KEY_SHARE;
    ks->status = tsc_ok();
    ks->u.key_share.n = ks->u.key_share.stored = 1;
    ks->u.key_share.s[0].group = 0x001d;
    struct tsc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = TSC_EV_HANDSHAKE;
    ev.dir = TSC_S2C;
    ev.msg = &shm;
    ev.status = tsc_ok();

    struct out o;
    render(&c, &rep, &ev, 1, &o);
    assert_int_equal(check_clean(&o), 3);
    has(&o, "\"curve\":\"x25519\"");
    has(&o, "\"network\":{\"transport\":\"udp\",\"iana_number\":\"17\",\"type\":\"ipv6\",\"protocol\":\"quic\"}");
    has(&o, "\"source\":{\"address\":\"::1\",\"ip\":\"::1\",\"port\":50000}");
    has(&o, "\"ja4\":\"q13d0310h3_55b375c5d22e_cd85d2d88918\"");
    /* each alert: its rule, the detail as reason and in the message */
    char want[512];
    snprintf(want, sizeof want, "\"message\":\"%s: quote \\\" and \\\\x1b\"", fatal->title);
    has(&o, want);
    has(&o, "\"reason\":\"quote \\\" and \\\\x1b\"");
    snprintf(want, sizeof want, "\"rule\":{\"id\":\"fatal-alert\",\"name\":\"%s\"", fatal->title);
    has(&o, want);
    has(&o, "\"kind\":\"alert\",\"category\":[\"network\"],\"type\":[\"info\"]");
    has(&o, "\"severity\":");
    /* the second finding has no detail: no reason, the title alone */
    snprintf(want, sizeof want, "\"message\":\"%s\"", fatal->title);
    has(&o, want);
    /* the alerts link to their connection; JA4 is in the event document only */
    const char *second = strchr(o.p, '\n') + 1;
    assert_null(strstr(second, "ja4"));
    assert_non_null(strstr(second, "\"tlsscope\":{\"connection_id\":7}"));
    lacks(&o, "null");
    free(o.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_alerts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
