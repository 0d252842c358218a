/*
 * test_zeek.c - --format zeek and zeek-json (src/report/zeek.c): Zeek's
 * string escaping on hostile bytes (tabs, commas, newlines, backslashes,
 * invalid UTF-8, the unset and empty markers), the TSV header and trailer,
 * RFC 2253 names, and the logs a connection with a hostile server name and
 * certificate makes, in both forms.
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

#include "core/buf.h"
#include "report/report.h"

/* zeek.c's escapers and constructors (not in a header: only formats.c and
 * this test call them) */
void tsc_zeek_tsv_str(struct tsc_buf *out, const uint8_t *p, size_t n, int in_set);
void tsc_zeek_json_str(struct tsc_buf *out, const uint8_t *p, size_t n);
int tsc_zeek_sink_init(struct tsc_sink_impl *s);
int tsc_zeek_json_sink_init(struct tsc_sink_impl *s);

static void check_tsv(const char *in, size_t n, int in_set, const char *want)
{
    struct tsc_buf b;
    tsc_buf_init(&b, 0);
    tsc_zeek_tsv_str(&b, (const uint8_t *)in, n, in_set);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    tsc_buf_free(&b);
}

static void check_json(const char *in, size_t n, const char *want)
{
    struct tsc_buf b;
    tsc_buf_init(&b, 0);
    tsc_zeek_json_str(&b, (const uint8_t *)in, n);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    tsc_buf_free(&b);
}

#define TSV(s, set, want) check_tsv(s, sizeof s - 1, set, want)
#define JSON(s, want) check_json(s, sizeof s - 1, want)

/* As Zeek's ASCII writer (ODesc with UTF-8 on): the separator and backslash
 * always, the set separator inside containers, every control byte, and
 * invalid UTF-8 (which turns the whole run's non-ASCII bytes into \xHH). */
static void test_tsv_escaping(void **state)
{
    (void)state;
    TSV("", 0, "(empty)");
    TSV("-", 0, "\\x2d");
    TSV("(empty)", 0, "\\x28empty)");
    TSV("--", 0, "--");
    TSV("a\tb", 0, "a\\x09b");
    TSV("a,b", 0, "a,b");
    TSV("a,b", 1, "a\\x2cb");
    TSV("a\\b", 0, "a\\\\b");
    TSV("line\nnext\r", 0, "line\\x0anext\\x0d");
    TSV("\x1b[31mred", 0, "\\x1b[31mred");
    TSV("caf\xc3\xa9", 0, "caf\xc3\xa9");            /* valid UTF-8 stays */
    TSV("\xff", 0, "\\xff");
    TSV("caf\xc3\xa9\xff", 0, "caf\\xc3\\xa9\\xff"); /* one bad byte: the run's all escaped */
    TSV("\xc3\xa9\tx\xff", 0, "\xc3\xa9\\x09x\\xff"); /* runs split at the tab */
    TSV("\xc0\xaf", 0, "\\xc0\\xaf");                /* overlong */
    TSV("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");       /* surrogate */
    TSV("\xc2\x85", 0, "\\xc2\\x85");                /* C1 control */
    TSV("\xee\x80\x80", 0, "\\xee\\x80\\x80");       /* private use */
    TSV("\xf0\x9f\x94\x92", 0, "\xf0\x9f\x94\x92");  /* emoji */
    TSV("\xe2\x82", 0, "\\xe2\\x82");                /* cut short */
    TSV("a\0b", 0, "a\\x00b");
}

/* As Zeek's JSON writer: escape_utf8 without the printable controls, then
 * rapidjson's quoting (the \x of an escaped byte becomes \\x). */
static void test_json_escaping(void **state)
{
    (void)state;
    JSON("", "\"\"");
    JSON("a\"b\\c", "\"a\\\"b\\\\c\"");
    JSON("tab\there\n", "\"tab\\there\\n\"");
    JSON("\xff", "\"\\\\xff\"");
    JSON("x\x01", "\"x\\\\x01\"");
    JSON("caf\xc3\xa9", "\"caf\xc3\xa9\"");
    JSON("-", "\"-\"");
}

/* ---------------------------------------------------- whole connections */

static void pack(char *buf, size_t cap, uint16_t *n, const char *const *items, unsigned count)
{
    size_t off = 0;
    for (unsigned i = 0; i < count; i++) {
        size_t l = strlen(items[i]);
        assert_true(off + l + 1 <= cap);
        memcpy(buf + off, items[i], l + 1);
        off += l + 1;
    }
    *n = (uint16_t)count;
}

static struct tsc_x509_summary cert;
static const struct tsc_x509_summary *certs[1] = {&cert};
static tsc_result cert_status[1];

static void hostile_cert(void)
{
    memset(&cert, 0, sizeof cert);
    cert.version = 3;
    snprintf(cert.serial, sizeof cert.serial, "0a1b");
    /* DER order: least specific first; the CN a multi-valued RDN with UID */
    static const char *const subj[] = {"C=US", "O=Evil, Inc.", "CN=a+b\tc\xc3\xa9", "+UID= x "};
    static const char *const iss[] = {"CN=#issuer;<x>"};
    pack(cert.subject_rdns, sizeof cert.subject_rdns, &cert.subject_rdns_n, subj, 4);
    pack(cert.issuer_rdns, sizeof cert.issuer_rdns, &cert.issuer_rdns_n, iss, 1);
    snprintf(cert.subject_cn, sizeof cert.subject_cn, "a+b\tc\xc3\xa9");
    cert.not_before_epoch = 1700000000;
    cert.not_after_epoch = 1800000000;
    snprintf(cert.pubkey_algorithm, sizeof cert.pubkey_algorithm, "EC");
    cert.pubkey_bits = 256;
    snprintf(cert.pubkey_curve, sizeof cert.pubkey_curve, "prime256v1");
    snprintf(cert.pubkey_oid_name, sizeof cert.pubkey_oid_name, "id-ecPublicKey");
    snprintf(cert.signature_algorithm, sizeof cert.signature_algorithm, "ecdsa-with-SHA256");
    uint16_t n = 0;
    static const char *const san[] = {"DNS:x,y.example", "DNS:-", "IP:192.0.2.1", "email:a\tb@example"};
    pack(cert.san_buf, sizeof cert.san_buf, &n, san, 4);
    cert.san_count = n;
    cert.has_basic_constraints = 1;
    cert.path_len = -1;
    memset(cert.sha256, 'a', 64);
    cert_status[0] = tsc_ok();
}

static const char SNI[] = "evil\tname,\n\xff";

static void run_one(struct tsc_sink_impl *s)
{
    hostile_cert();
    struct tsc_conn *c = calloc(1, sizeof *c);
    struct tsc_hs_msg *m = calloc(1, sizeof *m);
    assert_non_null(c);
    assert_non_null(m);
    c->transport = TSC_TRANSPORT_TCP;
    c->client = (struct tsc_endpoint){4, {10, 0, 0, 1}, 50000};
    c->server = (struct tsc_endpoint){4, {10, 0, 0, 2}, 443};
    c->start_us = (int64_t)1767225600 * 1000000;
    c->last_us = c->start_us + 500000;
    c->saw_client_hello = c->saw_server_hello = 1;
    c->version = 0x0303;
    c->have_suite = 1;
    c->suite = 0xc02b;
    c->has_sni = 1;
    c->sni_len = sizeof SNI - 1;
    memcpy(c->sni, SNI, sizeof SNI - 1);
    c->n_certs = c->n_certs_total = 1;
    c->certs = certs;
    c->cert_status = cert_status;

    void *data = NULL;
    struct tsc_msg_facts facts;
    memset(&facts, 0, sizeof facts);
    struct tsc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = TSC_EV_HANDSHAKE;
    ev.conn = c;
    ev.status = tsc_ok();
    ev.msg = m;
    /* ClientHello, ServerHello, Certificate */
    static const uint16_t types[] = {TSC_HS_CLIENT_HELLO, TSC_HS_SERVER_HELLO, TSC_HS_CERTIFICATE};
    for (int i = 0; i < 3; i++) {
        m->type = types[i];
        ev.dir = i ? TSC_S2C : TSC_C2S;
        ev.ts_us = c->start_us + 1000 * (i + 1);
        if (types[i] == TSC_HS_CERTIFICATE) {
            ev.certs = certs;
            ev.cert_status = cert_status;
            ev.n_certs = 1;
        }
        s->render.event(s->render.ctx, &ev, &facts, &data);
    }
    struct tsc_conn_report *rep = calloc(1, sizeof *rep);
    assert_non_null(rep);
    snprintf(rep->ja3, sizeof rep->ja3, "0123456789abcdef0123456789abcdef");
    static const struct tsc_rule rule = {"test-rule", TSC_SEV_HIGH, "A\ttitle", "", "", TSC_SCOPE_SERVER};
    rep->n_findings = 1;
    rep->findings[0].rule = &rule;
    snprintf(rep->findings[0].detail, sizeof rep->findings[0].detail, "-");
    s->render.emit(s->render.ctx, c, rep, &data, 1);
    assert_null(data);
    free(rep);
    free(m);
    free(c);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    buf[k] = '\0';
    fclose(f);
    return strdup(buf);
}

/* One line of text, by its first characters. */
static const char *line_starting(const char *text, const char *prefix)
{
    for (const char *p = text; p && *p;) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            return p;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

static void assert_header(const char *text, const char *path, const char *fields_start)
{
    char want[256];
    assert_true(strncmp(text, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n",
                        strlen("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n")) ==
                0);
    snprintf(want, sizeof want, "#path\t%s\n#open\t", path);
    assert_non_null(strstr(text, want));
    const char *open = strstr(text, "#open\t") + 6;
    /* 2026-12-05-16-40-00 */
    assert_int_equal(strcspn(open, "\n"), 19);
    assert_non_null(line_starting(text, fields_start));
    assert_non_null(line_starting(text, "#types\ttime\t"));
    const char *close = line_starting(text, "#close\t");
    assert_non_null(close);
    assert_int_equal(strlen(close), 7 + 19 + 1); /* the last line */
}

static void test_logs_tsv(void **state)
{
    (void)state;
    char dir[] = "/tmp/tsc-zeek-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct tsc_sink_impl s;
    memset(&s, 0, sizeof s);
    tsc_buf_init(&s.ob, 0);
    s.out = tmpfile();
    s.opts.output_dir = dir;
    assert_int_equal(tsc_zeek_sink_init(&s), 0);
    run_one(&s);
    assert_int_equal(s.flush(&s), 0);
    assert_int_equal(s.close(&s), 0);

    char path[256];
    snprintf(path, sizeof path, "%s/ssl.log", dir);
    char *ssl = slurp(path);
    assert_header(ssl, "ssl", "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\t");
    const char *row = line_starting(ssl, "1767225600.001000\tC");
    assert_non_null(row);
    /* the SNI: tab and newline escaped, the comma kept (not a set), the bad byte \xff */
    assert_non_null(strstr(row, "\tTLSv12\tTLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\t-\tevil\\x09name,\\x0a\\xff\tF\t-\t-\tF\t"
                                "Csx\t"));
    assert_non_null(strstr(row, "\t(empty)\tF\t-\t0123456789abcdef0123456789abcdef\t-\t-\n"));
    free(ssl);

    snprintf(path, sizeof path, "%s/x509.log", dir);
    char *x = slurp(path);
    assert_header(x, "x509", "#fields\tts\tfingerprint\tcertificate.version\t");
    row = line_starting(x, "1767225600.003000\taaaa");
    assert_non_null(row);
    /* RFC 2253, most specific first, escaped; then Zeek's backslash escaping */
    assert_non_null(strstr(row, "\t3\t0A1B\tUID=\\\\ x\\\\ +CN=a\\\\+b\\\\09c\\\\C3\\\\A9,O=Evil\\\\, Inc.,C=US\t"
                                "CN=\\\\#issuer\\\\;\\\\<x\\\\>\t1700000000.000000\t1800000000.000000\t"
                                "id-ecPublicKey\tecdsa-with-SHA256\tecdsa\t256\t-\tprime256v1\t"
                                "x\\x2cy.example,\\x2d\t-\ta\\x09b@example\t192.0.2.1\tF\t-\tT\tF\n"));
    free(x);

    snprintf(path, sizeof path, "%s/notice.log", dir);
    char *n = slurp(path);
    assert_header(n, "notice", "#fields\tts\tuid\tid.orig_h\t");
    row = line_starting(n, "1767225600.500000\tC");
    assert_non_null(row);
    assert_non_null(strstr(row, "\t-\t-\t-\ttcp\tTLSScope::test-rule\tA\\x09title\t\\x2d\t10.0.0.1\t10.0.0.2\t443\t-\t-\t"
                                "Notice::ACTION_LOG\t(empty)\t3600.000000\t-\t-\t-\t-\t-\n"));
    free(n);
    fclose(s.out);
    tsc_buf_free(&s.ob);
    for (const char *f = "ssl\0x509\0notice\0"; *f; f += strlen(f) + 1) {
        snprintf(path, sizeof path, "%s/%s.log", dir, f);
        unlink(path);
    }
    rmdir(dir);
}

static void test_logs_json_stdout(void **state)
{
    (void)state;
    struct tsc_sink_impl s;
    memset(&s, 0, sizeof s);
    tsc_buf_init(&s.ob, 0);
    s.out = tmpfile();
    assert_int_equal(tsc_zeek_json_sink_init(&s), 0);
    run_one(&s);
    assert_int_equal(s.close(&s), 0);
    rewind(s.out);
    static char out[1 << 16];
    size_t k = fread(out, 1, sizeof out - 1, s.out);
    out[k] = '\0';
    assert_true(out[0] == '{'); /* no TSV header */
    assert_null(strstr(out, "#close"));
    const char *x = line_starting(out, "{\"_path\":\"x509\",\"ts\":1767225600.003,\"fingerprint\":\"aaaa");
    assert_non_null(x);
    assert_non_null(strstr(x, "\"san.dns\":[\"x,y.example\",\"-\"],\"san.email\":[\"a\\tb@example\"],"
                              "\"san.ip\":[\"192.0.2.1\"],\"basic_constraints.ca\":false,\"host_cert\":true,"
                              "\"client_cert\":false}\n"));
    const char *ssl = line_starting(out, "{\"_path\":\"ssl\",\"ts\":1767225600.001,\"uid\":\"C");
    assert_non_null(ssl);
    assert_non_null(strstr(ssl, "\"server_name\":\"evil\\tname,\\n\\\\xff\",\"resumed\":false,\"established\":false,"
                                "\"ssl_history\":\"Csx\",\"cert_chain_fps\":[\"aaaa"));
    assert_non_null(strstr(ssl, "\"client_cert_chain_fps\":[],\"sni_matches_cert\":false,"
                                "\"ja3\":\"0123456789abcdef0123456789abcdef\"}\n"));
    const char *n = line_starting(out, "{\"_path\":\"notice\",\"ts\":1767225600.5,");
    assert_non_null(n);
    assert_non_null(strstr(n, "\"note\":\"TLSScope::test-rule\",\"msg\":\"A\\ttitle\",\"sub\":\"-\","));
    assert_non_null(strstr(n, "\"actions\":[\"Notice::ACTION_LOG\"],\"email_dest\":[],\"suppress_for\":3600.0}\n"));
    fclose(s.out);
    tsc_buf_free(&s.ob);
}

/* A log that cannot be created stops the format with the reason. */
static void test_init_failure(void **state)
{
    (void)state;
    struct tsc_sink_impl s;
    memset(&s, 0, sizeof s);
    tsc_buf_init(&s.ob, 0);
    s.opts.output_dir = "/nonexistent/tsc-zeek";
    assert_int_equal(tsc_zeek_sink_init(&s), -1);
    assert_string_equal(s.error, "/nonexistent/tsc-zeek/ssl.log: No such file or directory");
    assert_int_equal(s.close(&s), 0);
    tsc_buf_free(&s.ob);
}

/* Both rows are in the table, chosen by --format only, and write logs. */
static void test_format_rows(void **state)
{
    (void)state;
    int found = 0;
    for (size_t i = 0; tsc_format_at(i); i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        if (strcmp(f->name, "zeek") == 0 || strcmp(f->name, "zeek-json") == 0) {
            assert_null(f->flag);
            assert_true(f->flags & TSC_FORMAT_LOGS);
            assert_false(f->flags & TSC_FORMAT_HIDDEN);
            found++;
        }
    }
    assert_int_equal(found, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv_escaping),     cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_logs_tsv),         cmocka_unit_test(test_logs_json_stdout),
        cmocka_unit_test(test_init_failure),     cmocka_unit_test(test_format_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
