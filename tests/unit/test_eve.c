/*
 * test_eve.c - --format eve (src/report/eve.c): hostile names escaped, the
 * Suricata spellings (serial, fingerprint, names, times, addresses,
 * versions), and the findings' stable signature ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"
#include "report/report.h"

unsigned tsc_eve_signature_id(const char *rule_id); /* eve.c */

static size_t eve_index(void)
{
    for (size_t i = 0; i < tsc_formats_count(); i++)
        if (strcmp(tsc_format_at(i)->name, "eve") == 0)
            return i;
    fail_msg("no eve row in the format table");
    return 0;
}

/* Pack "A=1\0B=2\0" into a summary's rdns buffer. */
static void pack(char *buf, size_t cap, uint16_t *n, const char *const *attrs, size_t count)
{
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(attrs[i]) + 1;
        assert_true(off + len <= cap);
        memcpy(buf + off, attrs[i], len);
        off += len;
    }
    *n = (uint16_t)count;
}

struct spec {
    const uint8_t *sni;
    size_t sni_len;
    const char *const *subject;
    size_t n_subject;
    const char *serial;
    uint16_t version;
    int v6;
};

/* One connection through a report of format eve; its output in out. */
static void run(const struct spec *sp, char *out, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    struct tsc_report_opts ro = {(enum tsc_format)eve_index(), 0, 0, 0, NULL, NULL};
    char err[256];
    struct tsc_report *rep = tsc_report_new(&ro, f, err, sizeof err);
    assert_non_null(rep);
    const struct tsc_sink *sink = tsc_report_sink(rep);

    struct tsc_endpoint a = {4, {10, 0, 0, 1}, 50000}, b = {4, {10, 0, 0, 2}, 443};
    if (sp->v6) {
        static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
        static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x0e};
        a.family = b.family = 6;
        memcpy(a.addr, c6, 16);
        memcpy(b.addr, s6, 16);
    }
    struct tsc_conn *c = tsc_conn_new(1, &a, &b, (int64_t)1764936000 * 1000000 + 123456);
    assert_non_null(c);
    c->is_tls = 1;
    c->saw_client_hello = c->saw_server_hello = 1;
    c->version = sp->version;
    c->client_version = 0x0303;
    if (sp->sni) {
        c->has_sni = 1;
        c->sni_len = (uint16_t)sp->sni_len;
        memcpy(c->sni, sp->sni, sp->sni_len);
    }
    static const uint8_t alpn[] = "h2\x1b[2J";
    c->alpn_offered = malloc(sizeof alpn);
    assert_non_null(c->alpn_offered);
    memcpy(c->alpn_offered, alpn, sizeof alpn);
    c->n_alpn_offered = 1;
    c->alpn_offered_off[0] = 0;
    c->alpn_offered_len[0] = (uint8_t)(sizeof alpn - 1);

    struct tsc_cert_sum *cs = tsc_cert_sum_new();
    assert_non_null(cs);
    struct tsc_x509_summary *s = &cs->s;
    pack(s->subject_rdns, sizeof s->subject_rdns, &s->subject_rdns_n, sp->subject, sp->n_subject);
    static const char *const issuer[] = {"C=US", "O=Example CA", "+OU=Issuing", "emailAddress=ca@example.com"};
    pack(s->issuer_rdns, sizeof s->issuer_rdns, &s->issuer_rdns_n, issuer, 4);
    snprintf(s->serial, sizeof s->serial, "%s", sp->serial);
    snprintf(s->sha1, sizeof s->sha1, "3a0b3b23152c445c27ac6a0c41d6fa74afb4095b");
    static const char sans[] = "DNS:a.example\0IP:10.0.0.1\0URI:https://x/\0email:a@b";
    memcpy(s->san_buf, sans, sizeof sans);
    s->san_count = 4;
    s->not_before_epoch = -86400;        /* 1969-12-31T00:00:00 */
    s->not_after_epoch = 2177367003;     /* 2038-12-31T00:10:03 */
    c->certs = malloc(sizeof *c->certs);
    c->cert_status = malloc(sizeof *c->cert_status);
    assert_non_null(c->certs);
    assert_non_null(c->cert_status);
    c->certs[0] = s;
    c->cert_status[0] = tsc_ok();
    c->n_certs = c->n_certs_total = 1;

    sink->emit(sink->ctx, c, 1);
    tsc_conn_free(c);
    assert_int_equal(tsc_report_close(rep), 0);
    tsc_report_free(rep);
    rewind(f);
    size_t k = fread(out, 1, n - 1, f);
    out[k] = '\0';
    fclose(f);
}

/* Every line is one object: no raw control byte, valid UTF-8 throughout. */
static void assert_clean_lines(const char *out)
{
    const uint8_t *p = (const uint8_t *)out;
    size_t n = strlen(out), lines = 0;
    assert_true(n > 0);
    assert_int_equal(out[n - 1], '\n');
    for (size_t i = 0; i < n;) {
        if (p[i] == '\n') {
            lines++;
            i++;
            if (i < n)
                assert_int_equal(p[i], '{');
            continue;
        }
        assert_true(p[i] >= 0x20 && p[i] != 0x7f);
        size_t k = tsc_utf8_seq(p + i, n - i);
        assert_true(k > 0);
        i += k;
    }
    assert_int_equal(out[0], '{');
    assert_true(lines >= 1);
}

static void test_hostile_strings(void **state)
{
    (void)state;
    static char out[1 << 16];
    static const uint8_t sni[] = "a\"b\\c\x01\x1b[31m\xff\xc3(.example";
    static const char *const subject[] = {"O=Evil \"Corp\"\\", "CN=\x1b]0;pwned\x07\xfe\xed"};
    struct spec sp = {sni, sizeof sni - 1, subject, 2, "97e647098eeac9b4", 0x0303, 0};
    run(&sp, out, sizeof out);
    assert_clean_lines(out);
    /* quotes and backslashes escaped, controls as \u00XX, invalid UTF-8 as U+FFFD */
    assert_non_null(strstr(out, "\"sni\":\"a\\\"b\\\\c\\u0001\\u001b[31m\xef\xbf\xbd\xef\xbf\xbd(.example\""));
    assert_non_null(strstr(out, "\"subject\":\"O=Evil \\\"Corp\\\"\\\\, CN=\\u001b]0;pwned\\u0007"
                                "\xef\xbf\xbd\xef\xbf\xbd\""));
    assert_non_null(strstr(out, "\"client_alpns\":[\"h2\\u001b[2J\"]"));
    assert_null(strstr(out, "\x1b"));
}

static void test_suricata_spellings(void **state)
{
    (void)state;
    static char out[1 << 16];
    static const char *const subject[] = {"C=FR", "ST=IDF", "CN=SELKS"};
    struct spec sp = {(const uint8_t *)"example.com", 11, subject, 3, "97e647098eeac9b4", 0x0301, 0};
    run(&sp, out, sizeof out);
    assert_clean_lines(out);
    assert_non_null(strstr(out, "{\"timestamp\":\"2025-12-05T12:00:00.123456+0000\",\"flow_id\":"));
    assert_non_null(strstr(out, ",\"event_type\":\"tls\",\"src_ip\":\"10.0.0.1\",\"src_port\":50000,"
                                "\"dest_ip\":\"10.0.0.2\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{"));
    assert_null(strstr(out, "in_iface"));
    assert_non_null(strstr(out, "\"tls\":{\"subject\":\"C=FR, ST=IDF, CN=SELKS\","
                                "\"issuerdn\":\"C=US, O=Example CA + OU=Issuing, Email=ca@example.com\""));
    assert_non_null(strstr(out, "\"subjectaltname\":[\"a.example\",\"[10, 0, 0, 1]\",\"https://x/\","
                                "\"email:a@b\"]"));
    assert_non_null(strstr(out, "\"serial\":\"00:97:E6:47:09:8E:EA:C9:B4\""));
    assert_non_null(strstr(out, "\"fingerprint\":\"3a:0b:3b:23:15:2c:44:5c:27:ac:6a:0c:41:d6:fa:74:af:b4:09:5b\""));
    assert_non_null(strstr(out, "\"sni\":\"example.com\",\"version\":\"TLSv1\","
                                "\"notbefore\":\"1969-12-31T00:00:00\",\"notafter\":\"2038-12-31T00:10:03\""));
    /* TLS 1.0 is a finding: an alert with its stable number, severity 2 (medium) */
    char want[160];
    snprintf(want, sizeof want, "\"event_type\":\"alert\"");
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "\"signature_id\":%u,\"rev\":1,\"signature\":\"TLS 1.0 negotiated\"",
             tsc_eve_signature_id("tls10-negotiated"));
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "\"severity\":2,\"metadata\":{\"tlsscope_rule\":[\"tls10-negotiated\"]"));

    /* short, zero and negative serials; IPv6 in all eight groups */
    struct spec s2 = sp;
    s2.serial = "32";
    s2.v6 = 1;
    s2.version = 0x7f1c;
    run(&s2, out, sizeof out);
    assert_non_null(strstr(out, "\"serial\":\"32\""));
    assert_non_null(strstr(out, "\"src_ip\":\"2001:0db8:0000:0000:0000:0000:0000:0001\""));
    assert_non_null(strstr(out, "\"dest_ip\":\"2001:0db8:0000:0000:0000:0000:0000:020e\""));
    assert_non_null(strstr(out, "\"version\":\"TLS 1.3 draft-28\""));
    s2.serial = "00";
    s2.version = 0;
    run(&s2, out, sizeof out);
    assert_non_null(strstr(out, "\"serial\":\"00\""));
    assert_non_null(strstr(out, "\"version\":\"TLS 1.2\"")); /* no ServerHello version: the client's */
    s2.serial = "-01";
    run(&s2, out, sizeof out);
    assert_non_null(strstr(out, "\"serial\":\"FF\""));
    s2.serial = "-80";
    run(&s2, out, sizeof out);
    assert_non_null(strstr(out, "\"serial\":\"80\""));
    s2.serial = "-81";
    run(&s2, out, sizeof out);
    assert_non_null(strstr(out, "\"serial\":\"FF:7F\""));
}

/* Every rule has a signature id, and no two share one. */
static void test_signature_ids(void **state)
{
    (void)state;
    size_t n = tsc_rules_count();
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        unsigned sid = tsc_eve_signature_id(tsc_rule_at(i)->id);
        if (sid == 0)
            fail_msg("rule %s has no EVE signature_id (src/report/eve.c)", tsc_rule_at(i)->id);
        for (size_t k = 0; k < i; k++)
            assert_int_not_equal(sid, tsc_eve_signature_id(tsc_rule_at(k)->id));
    }
    assert_int_equal(tsc_eve_signature_id("no-such-rule"), 0);
    assert_int_equal(tsc_eve_signature_id("tls10-negotiated"), 9830012);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_suricata_spellings),
        cmocka_unit_test(test_signature_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
