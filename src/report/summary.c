/*
 * summary.c - one line per connection: when, who, version, suite, name,
 * resumption, certificate subject, ticket, alerts, errors.
 */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "analysis/fingerprint.h"
#include "registry/registry.h"
#include "report/report.h"

#define W(expr) (void)(expr)

/* The fingerprints of the first hellos, kept until the line is written. */
struct sconn {
    char ja3[TSC_FP_MD5_HEX], ja4[TSC_FP_JA4_SIZE], ja3s[TSC_FP_MD5_HEX];
};

static void summary_event(void *ctx, const struct tsc_event *ev)
{
    (void)ctx;
    if (ev->type != TSC_EV_HANDSHAKE || !tsc_is_ok(ev->status))
        return;
    uint16_t t = ev->msg->type;
    if (t != TSC_HS_CLIENT_HELLO && t != TSC_HS_SERVER_HELLO)
        return;
    struct tsc_conn *c = ev->conn;
    if (!c->sink_data && !(c->sink_data = calloc(1, sizeof(struct sconn))))
        return;
    struct sconn *sc = c->sink_data;
    if (t == TSC_HS_CLIENT_HELLO && !sc->ja3[0]) {
        if (!tsc_fp_usable(tsc_fp_ja3(&ev->msg->u.ch, NULL, 0, sc->ja3)))
            sc->ja3[0] = 0;
        if (!tsc_fp_usable(tsc_fp_ja4(&ev->msg->u.ch, sc->ja4, NULL, 0)))
            sc->ja4[0] = 0;
    } else if (t == TSC_HS_SERVER_HELLO && !sc->ja3s[0]) {
        if (!tsc_fp_usable(tsc_fp_ja3s(&ev->msg->u.sh, NULL, 0, sc->ja3s)))
            sc->ja3s[0] = 0;
    }
}

static void summary_discard(void *ctx, struct tsc_conn *c)
{
    (void)ctx;
    free(c->sink_data);
    c->sink_data = NULL;
}

static void summary_emit(void *ctx, struct tsc_conn *c, uint64_t ordinal)
{
    struct tsc_sink_impl *s = ctx;
    struct tsc_buf *b = &s->ob;
    char cip[64], sip[64], ts[40], hex[7];
    tsc_endpoint_ip(&c->client, cip, sizeof cip);
    tsc_endpoint_ip(&c->server, sip, sizeof sip);
    tsc_iso8601_us(c->start_us, ts, sizeof ts);
    const char *vn = c->version ? tsc_version_name(c->version) : NULL;
    W(tsc_buf_printf(b, "%llu %s %s:%u -> %s:%u %s", (unsigned long long)ordinal, ts, cip, c->client.port, sip,
                     c->server.port, vn ? vn : "-"));
    if (c->have_suite) {
        const char *sn = tsc_reg_name(TSC_REG_CIPHER_SUITE, c->suite);
        tsc_code_hex(c->suite, hex);
        W(tsc_buf_printf(b, " %s", sn ? sn : hex));
    } else {
        W(tsc_buf_puts(b, " -"));
    }
    W(tsc_buf_puts(b, " sni="));
    if (c->has_sni)
        W(tsc_text_str(b, c->sni, c->sni_len));
    else
        W(tsc_buf_putc(b, '-'));
    if (c->has_alpn_selected) {
        W(tsc_buf_puts(b, " alpn="));
        W(tsc_text_str(b, c->alpn_selected, c->alpn_selected_len));
    }
    if (c->n_certs > 0 && c->certs[0].subject_cn[0]) {
        W(tsc_buf_puts(b, " cert="));
        W(tsc_text_cstr(b, c->certs[0].subject_cn));
    }
    struct sconn *sc = c->sink_data;
    if (sc && sc->ja3[0])
        W(tsc_buf_printf(b, " ja3=%s", sc->ja3));
    if (sc && sc->ja4[0])
        W(tsc_buf_printf(b, " ja4=%s", sc->ja4));
    if (sc && sc->ja3s[0])
        W(tsc_buf_printf(b, " ja3s=%s", sc->ja3s));
    if (c->resumed)
        W(tsc_buf_puts(b, " resumed"));
    if (c->hello_retry)
        W(tsc_buf_puts(b, " hrr"));
    if (c->has_ticket)
        W(tsc_buf_printf(b, " ticket=%us", c->ticket_lifetime));
    W(tsc_buf_puts(b, c->complete ? " complete" : " incomplete"));
    for (uint16_t i = 0; i < c->n_alerts; i++) {
        const struct tsc_alert_entry *a = &c->alerts[i];
        if (a->encrypted)
            continue;
        const char *d = tsc_alert_desc_snake(a->description);
        W(tsc_buf_printf(b, " alert=%s:%s", tsc_alert_level_name(a->level) ? tsc_alert_level_name(a->level) : "?",
                         d ? d : "?"));
    }
    {
        struct tsc_finding fs[64];
        size_t nf = tsc_report_findings(s, c, fs, 64);
        for (size_t i = 0; i < nf; i++)
            W(tsc_buf_printf(b, "%s%s:%s", i ? "," : " findings=", tsc_severity_name(fs[i].rule->severity),
                             fs[i].rule->id));
    }
    if (c->n_errors_total)
        W(tsc_buf_printf(b, " errors=%u(%s)", c->n_errors_total, c->errors[0].why));
    W(tsc_buf_putc(b, '\n'));
    summary_discard(ctx, c);
    tsc_report_out_flush(s, 0);
}

void tsc_summary_sink_init(struct tsc_sink_impl *s)
{
    s->sink.ctx = s;
    s->sink.event = summary_event;
    s->sink.emit = summary_emit;
    s->sink.discard = summary_discard;
}
