/*
 * test_tee.c - the tee sink (report/tee.h): two sinks behind one, each
 * seeing a connection's sink_data and export_data slots as if it were
 * alone; both get every event, emit and discard, in order; the slots are
 * empty again after emit and discard. And the HTML report (--format html)
 * run behind a tee beside JSON on a hand-made connection: the page holds
 * the connection's object with the wire's '<', '>', '&' and U+2028 escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/tee.h"
#include "tls/session.h"

struct fake {
    int tag;
    int events, emits, discards;
    int wrong; /* saw a slot value that was not its own */
    char log[256];
};

static void note(struct fake *f, char what)
{
    size_t n = strlen(f->log);
    if (n + 1 < sizeof f->log) {
        f->log[n] = what;
        f->log[n + 1] = 0;
    }
}

/* Each sink keeps its own tag in the connection's slots and checks it finds it again. */
static void f_event(void *ctx, const struct tsc_event *ev)
{
    struct fake *f = ctx;
    struct tsc_conn *c = ev->conn;
    if (!c->sink_data) {
        c->sink_data = malloc(sizeof(int));
        *(int *)c->sink_data = f->tag;
        c->export_data = &f->tag;
    } else if (*(int *)c->sink_data != f->tag || c->export_data != &f->tag) {
        f->wrong++;
    }
    f->events++;
    note(f, 'e');
}

static void f_emit(void *ctx, struct tsc_conn *c, uint64_t ordinal)
{
    struct fake *f = ctx;
    if (c->sink_data && *(int *)c->sink_data != f->tag)
        f->wrong++;
    free(c->sink_data);
    c->sink_data = NULL;
    c->export_data = NULL;
    f->emits++;
    note(f, (char)('0' + (int)ordinal));
}

static void f_discard(void *ctx, struct tsc_conn *c)
{
    struct fake *f = ctx;
    if (c->sink_data && *(int *)c->sink_data != f->tag)
        f->wrong++;
    free(c->sink_data);
    c->sink_data = NULL;
    c->export_data = NULL;
    f->discards++;
    note(f, 'd');
}

static void test_tee_slots(void **state)
{
    (void)state;
    struct fake a = {.tag = 1}, b = {.tag = 2};
    struct tsc_sink sa = {&a, f_event, f_emit, f_discard}, sb = {&b, f_event, f_emit, f_discard};
    struct tsc_tee *t = tsc_tee_new(&sa, &sb);
    assert_non_null(t);
    const struct tsc_sink *s = tsc_tee_sink(t);
    struct tsc_conn c1, c2;
    memset(&c1, 0, sizeof c1);
    memset(&c2, 0, sizeof c2);
    struct tsc_event ev;
    memset(&ev, 0, sizeof ev);
    for (int i = 0; i < 3; i++) {
        ev.conn = &c1;
        s->event(s->ctx, &ev);
        ev.conn = &c2;
        s->event(s->ctx, &ev);
    }
    assert_null(c1.export_data); /* between calls the slots are the tee's */
    assert_non_null(c1.sink_data);
    s->emit(s->ctx, &c1, 1);
    s->discard(s->ctx, &c2);
    assert_null(c1.sink_data);
    assert_null(c2.sink_data);
    assert_null(c1.export_data);
    assert_int_equal(a.wrong + b.wrong, 0);
    assert_int_equal(a.events, 6);
    assert_int_equal(b.events, 6);
    assert_string_equal(a.log, "eeeeee1d");
    assert_string_equal(b.log, "eeeeee1d");
    /* a connection with no event still reaches both */
    struct tsc_conn c3;
    memset(&c3, 0, sizeof c3);
    s->emit(s->ctx, &c3, 2);
    assert_string_equal(a.log, "eeeeee1d2");
    assert_string_equal(b.log, "eeeeee1d2");
    assert_int_equal((int)tsc_tee_dropped(t), 0);
    tsc_tee_free(t);
}

static size_t html_row(void)
{
    for (size_t i = 0; i < tsc_formats_count(); i++)
        if (strcmp(tsc_format_at(i)->name, "html") == 0)
            return i;
    fail_msg("no html row in the format table");
    return 0;
}

/* The page of one connection whose server name is hostile, made beside JSON. */
static void test_html_escapes(void **state)
{
    (void)state;
    FILE *jf = tmpfile(), *hf = tmpfile();
    assert_non_null(jf);
    assert_non_null(hf);
    char err[256];
    struct tsc_report_opts jo = {TSC_FMT_JSON, 0, 0, 0, NULL, NULL};
    struct tsc_report_opts ho = {(enum tsc_format)html_row(), 0, 0, 0, NULL, NULL};
    struct tsc_report *jr = tsc_report_new(&jo, jf, err, sizeof err);
    struct tsc_report *hr = tsc_report_new(&ho, hf, err, sizeof err);
    assert_non_null(jr);
    assert_non_null(hr);
    struct tsc_tee *t = tsc_tee_new(tsc_report_sink(jr), tsc_report_sink(hr));
    assert_non_null(t);
    const struct tsc_sink *s = tsc_tee_sink(t);
    struct tsc_endpoint a = {0}, b = {0};
    a.family = 4;
    a.port = 40000;
    b.family = 4;
    b.port = 443;
    struct tsc_conn *c = tsc_conn_new(1, &a, &b, INT64_C(1767225600000000));
    assert_non_null(c);
    c->client = a;
    c->server = b;
    c->is_tls = 1;
    static const char sni[] = "</script><b>&x\xe2\x80\xa8";
    c->has_sni = 1;
    c->sni_len = (uint16_t)strlen(sni);
    memcpy(c->sni, sni, c->sni_len);
    s->emit(s->ctx, c, 1);
    assert_int_equal(tsc_report_close(jr), 0);
    assert_int_equal(tsc_report_close(hr), 0);
    char page[1 << 16];
    rewind(hf);
    size_t n = fread(page, 1, sizeof page - 1, hf);
    page[n] = 0;
    assert_non_null(strstr(page, "\\u003c/script\\u003e\\u003cb\\u003e\\u0026x\\u2028"));
    assert_null(strstr(page, "<b>"));
    assert_null(strstr(page, "\xe2\x80\xa8"));
    assert_non_null(strstr(page, "id=\"tsc-c-1-1\""));
    assert_non_null(strstr(page, "</html>"));
    /* the JSON report beside it is what it is alone */
    char line[4096];
    rewind(jf);
    assert_non_null(fgets(line, sizeof line, jf));
    assert_non_null(strstr(line, "\"sni\":\"</script><b>&x\xe2\x80\xa8\""));
    tsc_conn_free(c);
    tsc_tee_free(t);
    tsc_report_free(jr);
    tsc_report_free(hr);
    fclose(jf);
    fclose(hf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tee_slots),
        cmocka_unit_test(test_html_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
