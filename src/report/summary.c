/*
 * summary.c - one line per connection: when, who, version, suite, name,
 * the transport when it is not TCP, resumption, certificate subject,
 * fingerprints, ticket, alerts, findings, errors.
 */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "registry/registry.h"
#include "report/report.h"

#define W(expr) (void)(expr)

static void summary_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                         uint64_t ordinal)
{
    (void)data; /* nothing kept per connection: the line is the report's */
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
    if (c->transport != TSC_TRANSPORT_TCP) /* TCP lines stay as they were */
        W(tsc_buf_printf(b, " transport=%s", tsc_transport_name(c->transport)));
    if (c->has_alpn_selected) {
        W(tsc_buf_puts(b, " alpn="));
        W(tsc_text_str(b, c->alpn_selected, c->alpn_selected_len));
    }
    if (c->n_certs > 0 && c->certs[0]->subject_cn[0]) {
        W(tsc_buf_puts(b, " cert="));
        W(tsc_text_cstr(b, c->certs[0]->subject_cn));
    }
    if (rep->ja3[0])
        W(tsc_buf_printf(b, " ja3=%s", rep->ja3));
    if (rep->ja4[0])
        W(tsc_buf_printf(b, " ja4=%s", rep->ja4));
    if (rep->ja3s[0])
        W(tsc_buf_printf(b, " ja3s=%s", rep->ja3s));
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
    for (size_t i = 0; i < rep->n_findings; i++)
        W(tsc_buf_printf(b, "%s%s:%s", i ? "," : " findings=", tsc_severity_name(rep->findings[i].rule->severity),
                         rep->findings[i].rule->id));
    if (c->n_errors_total)
        W(tsc_buf_printf(b, " errors=%u(%s)", c->n_errors_total, c->errors[0].why));
    W(tsc_buf_putc(b, '\n'));
    tsc_report_out_flush(s, 0);
}

int tsc_summary_sink_init(struct tsc_sink_impl *s);
int tsc_summary_sink_init(struct tsc_sink_impl *s)
{
    s->render.ctx = s;
    s->render.need = TSC_NEED_FP; /* the connection's fingerprints */
    s->render.event = NULL;       /* everything is in the connection and its report */
    s->render.emit = summary_emit;
    s->render.discard = NULL;
    return 0;
}
