/*
 * html.c - one self-contained HTML page (docs/html.md): an overview table
 * and plots of every connection, and per connection a ladder diagram of its
 * messages, its certificate chain and its findings. No network: the style
 * sheet and the script are inline (html_assets.h), and a
 * Content-Security-Policy lets the browser run that script only.
 *
 * What came off the wire never becomes markup: every connection is its JSON
 * object (docs/json.md, rendered by json.c, so the page shows what --json
 * says) inside <script type="application/json">, with '<', '>', '&' and
 * U+2028/U+2029 written as \u escapes, which the script reads as data and
 * puts in the page as text.
 *
 * Memory: the page is streamed. A connection's object is written when the
 * connection is released (the JSON renderer's per-connection buffers are
 * all it holds meanwhile); the overview's rows go out in blocks of
 * ROWS_BLOCK. What stays for the whole run is a few counters. The objects
 * of the first HTML_DETAIL_MAX connections are kept in the page; past that
 * the page lists the connection in the overview only, so that a capture of
 * a million connections gives a page a browser can open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "registry/registry.h"
#include "report/html_assets.h"
#include "report/report.h"

int tsc_json_sink_init(struct tsc_sink_impl *s);
int tsc_html_sink_init(struct tsc_sink_impl *s);

#define W(expr) (void)(expr)
#define ROWS_BLOCK 512
#define HTML_DETAIL_MAX 20000

/* Per connection: the JSON renderer's slot, and the handshake's times. */
struct hconn {
    void *json;
    int64_t hs_first, hs_last; /* first and last message of the handshake (0: none) */
    uint8_t post;              /* a post-handshake message was seen: later ones do not count */
};

struct html {
    struct tsc_sink_impl *s;      /* the report's: its output block and file */
    struct tsc_sink_impl json;    /* renders each connection's object */
    FILE *jspill;                 /* where it writes when its block fills (a big connection) */
    char *spill_buf;
    size_t spill_len;
    struct tsc_buf rows;          /* overview rows not yet written */
    size_t n_rows;                /* in `rows` */
    uint64_t n_conns, n_detail, part, last_ordinal;
};

/* JSON bytes for inside a <script> element: the characters that could end
 * the element or start markup, and the two line separators older script
 * parsers took for line ends, as \u escapes. json.c writes them only inside
 * strings, where an escape means the same character. */
static void put_script_json(struct tsc_buf *b, const uint8_t *p, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        size_t skip = 1;
        if (p[i] == '<')
            esc = "\\u003c";
        else if (p[i] == '>')
            esc = "\\u003e";
        else if (p[i] == '&')
            esc = "\\u0026";
        else if (p[i] == 0xe2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            esc = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
            skip = 3;
        }
        if (!esc)
            continue;
        W(tsc_buf_append(b, p + from, i - from));
        W(tsc_buf_puts(b, esc));
        i += skip - 1;
        from = i + 1;
    }
    W(tsc_buf_append(b, p + from, n - from));
}

/* A JSON string of wire bytes, made safe for a <script> element. */
static void put_script_str(struct tsc_buf *b, const uint8_t *p, size_t n)
{
    struct tsc_buf t;
    tsc_buf_init(&t, 0);
    W(tsc_json_str(&t, p, n, NULL));
    put_script_json(b, t.data, t.len);
    tsc_buf_free(&t);
}

static void put_script_cstr(struct tsc_buf *b, const char *s)
{
    if (!s)
        W(tsc_buf_puts(b, "null"));
    else
        put_script_str(b, (const uint8_t *)s, strlen(s));
}

static void rows_flush(struct tsc_sink_impl *s, struct html *h)
{
    if (!h->n_rows)
        return;
    W(tsc_buf_puts(&s->ob, "<script type=\"application/json\" class=\"tsc-rows\">["));
    W(tsc_buf_append(&s->ob, h->rows.data, h->rows.len));
    W(tsc_buf_puts(&s->ob, "]</script>\n"));
    tsc_buf_reset(&h->rows);
    h->n_rows = 0;
    tsc_report_out_flush(s, 0);
}

static struct hconn *hc_of(void **data)
{
    if (!*data)
        *data = calloc(1, sizeof(struct hconn));
    return *data;
}

static void html_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    struct html *h = ctx;
    struct hconn *hc = hc_of(data);
    if (!hc)
        return;
    h->json.render.event(&h->json, ev, f, &hc->json);
    /* the handshake's duration: from its first message to the last before
     * a post-handshake one (a ticket, a key update) or application data */
    int hs = ev->type == TSC_EV_HANDSHAKE || ev->type == TSC_EV_ENCRYPTED_HS || ev->type == TSC_EV_CCS;
    if (ev->type == TSC_EV_HANDSHAKE && ev->msg && tsc_is_ok(ev->status) &&
        (ev->msg->type == TSC_HS_NEW_SESSION_TICKET || ev->msg->type == TSC_HS_KEY_UPDATE) &&
        hc->hs_first)
        hc->post = 1;
    if (ev->type == TSC_EV_APP_DATA && hc->hs_first)
        hc->post = 1;
    if (hs && !hc->post) {
        if (!hc->hs_first)
            hc->hs_first = ev->ts_us;
        hc->hs_last = ev->ts_us;
    }
}

static void put_endpoint(struct tsc_buf *b, const struct tsc_endpoint *e)
{
    char ip[64];
    tsc_endpoint_ip(e, ip, sizeof ip);
    if (e->family == 6)
        W(tsc_buf_printf(b, "\"[%s]:%u\"", ip, e->port));
    else
        W(tsc_buf_printf(b, "\"%s:%u\"", ip, e->port));
}

/* One row of the overview: what the table, its filter and the plots read. */
static void put_row(struct tsc_buf *b, const struct tsc_conn *c, const struct tsc_conn_report *rep,
                    const struct hconn *hc, const char *key, uint64_t ordinal, int detail)
{
    W(tsc_buf_printf(b, "{\"k\":\"%s\",\"id\":%llu,\"t\":%lld,\"e\":%lld,\"hs\":%lld,\"x\":\"%s\",\"c\":", key,
                     (unsigned long long)ordinal, (long long)c->start_us, (long long)c->last_us,
                     (long long)(hc && hc->hs_first && c->complete ? hc->hs_last - hc->hs_first : -1),
                     tsc_transport_name(c->transport)));
    put_endpoint(b, &c->client);
    W(tsc_buf_puts(b, ",\"s\":"));
    put_endpoint(b, &c->server);
    W(tsc_buf_puts(b, ",\"sni\":"));
    if (c->has_sni)
        put_script_str(b, c->sni, c->sni_len);
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_puts(b, ",\"v\":"));
    put_script_cstr(b, c->version ? tsc_version_name(c->version) : NULL);
    W(tsc_buf_puts(b, ",\"cs\":"));
    if (rep->have_suite) {
        char hex[7];
        tsc_code_hex(c->suite, hex);
        put_script_cstr(b, rep->suite.name ? rep->suite.name : hex);
    } else {
        W(tsc_buf_puts(b, "null"));
    }
    W(tsc_buf_puts(b, ",\"ja4\":"));
    put_script_cstr(b, rep->ja4[0] ? rep->ja4 : NULL);
    W(tsc_buf_puts(b, ",\"f\":["));
    for (size_t i = 0; i < rep->n_findings; i++) {
        W(tsc_buf_puts(b, i ? ",[" : "["));
        put_script_cstr(b, rep->findings[i].rule->id);
        W(tsc_buf_printf(b, ",%d]", (int)rep->findings[i].rule->severity));
    }
    W(tsc_buf_printf(b, "],\"ok\":%d,\"al\":%u,\"d\":%d}", c->complete ? 1 : 0, c->n_alerts_total, detail));
}

/* The JSON renderer's object of this connection, taken from where it wrote
 * it: its output block, and before that, for a connection whose object
 * outgrew the block, the memory stream it flushed the block to. */
static void take_json(struct html *h, struct tsc_buf *out)
{
    if (fflush(h->jspill) == 0 && h->spill_len) {
        W(tsc_buf_append(out, h->spill_buf, h->spill_len));
        /* back to the start: the next flush makes the stream's size the
         * position (POSIX open_memstream), so the buffer is reused */
        (void)fseeko(h->jspill, 0, SEEK_SET);
        (void)fflush(h->jspill);
    }
    W(tsc_buf_append(out, h->json.ob.data, h->json.ob.len));
    tsc_buf_reset(&h->json.ob);
}

static void html_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                      uint64_t ordinal)
{
    struct html *h = ctx;
    struct tsc_sink_impl *s = h->s;
    struct hconn *hc = *data;
    void *jdata = hc ? hc->json : NULL;
    if (ordinal <= h->last_ordinal || h->n_conns == 0)
        h->part++; /* the numbering starts again: the next input file */
    h->last_ordinal = ordinal;
    h->n_conns++;
    char key[48];
    snprintf(key, sizeof key, "%llu-%llu", (unsigned long long)h->part, (unsigned long long)ordinal);
    memcpy(h->json.verdicts, s->verdicts, sizeof s->verdicts);
    h->json.n_verdicts = s->n_verdicts;
    int detail = h->n_detail < HTML_DETAIL_MAX;
    if (detail) {
        h->json.render.emit(&h->json, c, rep, &jdata, ordinal);
        struct tsc_buf j;
        tsc_buf_init(&j, 0);
        take_json(h, &j);
        while (j.len && (j.data[j.len - 1] == '\n'))
            j.len--;
        W(tsc_buf_printf(&s->ob, "<script type=\"application/json\" class=\"tsc-conn\" id=\"tsc-c-%s\">", key));
        W(tsc_buf_printf(&s->ob, "{\"key\":\"%s\",\"file\":%llu,\"gaps\":[", key, (unsigned long long)h->part));
        /* where the stream layer's errors happened (gaps first of all): the
         * ladder draws them at their time */
        for (uint16_t i = 0; i < c->n_errors; i++) {
            const struct tsc_conn_error *e = &c->errors[i];
            W(tsc_buf_printf(&s->ob, "%s{\"dir\":\"%s\",\"kind\":\"%s\",\"t\":%lld,\"missing\":%llu,\"reason\":",
                             i ? "," : "", tsc_dir_name(e->dir), tsc_error_kind_name(e->kind), (long long)e->ts_us,
                             (unsigned long long)(e->kind == TSC_KIND_GAP ? e->detail : 0)));
            put_script_cstr(&s->ob, e->why);
            W(tsc_buf_putc(&s->ob, '}'));
        }
        W(tsc_buf_puts(&s->ob, "],\"conn\":"));
        put_script_json(&s->ob, j.data, j.len);
        W(tsc_buf_puts(&s->ob, "}</script>\n"));
        tsc_buf_free(&j);
        h->n_detail++;
    } else if (jdata) {
        h->json.render.discard(&h->json, c, &jdata);
    }
    if (h->n_rows)
        W(tsc_buf_putc(&h->rows, ','));
    put_row(&h->rows, c, rep, hc, key, ordinal, detail);
    if (++h->n_rows >= ROWS_BLOCK)
        rows_flush(s, h);
    free(hc);
    *data = NULL;
    tsc_report_out_flush(s, 0);
}

static void html_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    struct html *h = ctx;
    struct hconn *hc = *data;
    if (hc && hc->json)
        h->json.render.discard(&h->json, c, &hc->json);
    free(hc);
    *data = NULL;
}

static void put_head(struct tsc_buf *b)
{
    W(tsc_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; base-uri 'none'; form-action 'none'; "
                      "img-src data:; style-src 'unsafe-inline'; script-src 'sha256-"));
    W(tsc_buf_puts(b, tsc_html_js_sha256));
    W(tsc_buf_puts(b, "'\">\n<meta name=\"generator\" content=\"tlsscope\">\n"
                      "<title>tlsscope report</title>\n<style>"));
    W(tsc_buf_puts(b, tsc_html_css));
    W(tsc_buf_puts(b, "</style>\n</head>\n<body>\n"
                      "<a class=\"skip\" href=\"#main\">Skip to the report</a>\n"
                      "<header><h1>tlsscope report</h1><p id=\"summary\"></p></header>\n"
                      "<main id=\"main\" tabindex=\"-1\"><p id=\"loading\">Loading the report...</p>\n"
                      "<noscript><p>This report draws its tables and diagrams with JavaScript, which is "
                      "off: the data is in the page source as JSON (docs/json.md).</p></noscript></main>\n"));
    /* the rules: what a finding means, for the badges' explanations */
    W(tsc_buf_puts(b, "<script type=\"application/json\" id=\"tsc-rules\">{"));
    for (size_t i = 0; i < tsc_rules_count(); i++) {
        const struct tsc_rule *r = tsc_rule_at(i);
        if (i)
            W(tsc_buf_putc(b, ','));
        put_script_cstr(b, r->id);
        W(tsc_buf_printf(b, ":{\"severity\":%d,\"title\":", (int)r->severity));
        put_script_cstr(b, r->title);
        W(tsc_buf_puts(b, ",\"explanation\":"));
        put_script_cstr(b, r->explanation);
        W(tsc_buf_puts(b, ",\"reference\":"));
        put_script_cstr(b, r->reference);
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_puts(b, "}</script>\n"));
}

static int html_close(struct tsc_sink_impl *s)
{
    struct html *h = s->render.ctx;
    if (!h)
        return 0;
    rows_flush(s, h);
    W(tsc_buf_printf(&s->ob,
                     "<script type=\"application/json\" id=\"tsc-meta\">{\"connections\":%llu,\"detailed\":%llu,"
                     "\"detail_max\":%d,\"files\":%llu}</script>\n<script>",
                     (unsigned long long)h->n_conns, (unsigned long long)h->n_detail, HTML_DETAIL_MAX,
                     (unsigned long long)h->part));
    W(tsc_buf_puts(&s->ob, tsc_html_js));
    W(tsc_buf_puts(&s->ob, "</script>\n</body>\n</html>\n"));
    tsc_report_out_flush(s, 1);
    int rc = 0;
    if (fflush(s->out) != 0 || ferror(s->out))
        s->write_error = 1;
    if (s->write_error) {
        if (!s->error[0]) /* the report's flush may have said why already */
            snprintf(s->error, sizeof s->error, "writing the output failed: %s", strerror(errno));
        rc = -1;
    }
    if (h->jspill)
        fclose(h->jspill);
    free(h->spill_buf);
    tsc_buf_free(&h->json.ob);
    tsc_buf_free(&h->rows);
    free(h);
    s->render.ctx = NULL;
    return rc;
}

int tsc_html_sink_init(struct tsc_sink_impl *s)
{
    struct html *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->s = s;
    h->json.opts = s->opts;
    tsc_buf_init(&h->json.ob, 0);
    tsc_buf_init(&h->rows, 0);
    h->jspill = open_memstream(&h->spill_buf, &h->spill_len);
    if (!h->jspill || tsc_json_sink_init(&h->json) != 0) {
        if (h->jspill)
            fclose(h->jspill);
        free(h->spill_buf);
        free(h);
        return -1;
    }
    h->json.out = h->jspill;
    s->render.ctx = h;
    s->render.need = h->json.render.need;
    s->render.event = html_event;
    s->render.emit = html_emit;
    s->render.discard = html_discard;
    s->close = html_close;
    put_head(&s->ob);
    return 0;
}
