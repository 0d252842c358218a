/*
 * common.c - the report object and what every renderer shares.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "report/report.h"

struct tsc_report {
    struct tsc_sink_impl impl;
};

#define OUT_BLOCK ((size_t)1 << 16)

struct tsc_report *tsc_report_new(const struct tsc_report_opts *opts, FILE *out)
{
    struct tsc_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->impl.out = out;
    r->impl.opts = *opts;
    r->impl.max_severity = -1;
    tsc_buf_init(&r->impl.ob, 0);
    switch (opts->format) {
    case TSC_FMT_JSON:
        tsc_json_sink_init(&r->impl);
        break;
    case TSC_FMT_SUMMARY:
        tsc_summary_sink_init(&r->impl);
        break;
    case TSC_FMT_WALKTHROUGH:
        tsc_walkthrough_sink_init(&r->impl);
        break;
    case TSC_FMT_TEXT:
    case TSC_FMT_VERBOSE:
    default:
        tsc_text_sink_init(&r->impl);
        break;
    }
    return r;
}

const struct tsc_sink *tsc_report_sink(struct tsc_report *r) { return &r->impl.sink; }

int tsc_report_max_severity(const struct tsc_report *r) { return r->impl.max_severity; }

size_t tsc_report_findings(struct tsc_sink_impl *s, const struct tsc_conn *c, struct tsc_finding *out, size_t max)
{
    size_t n = tsc_findings_eval(c, c->start_us / 1000000, out, max);
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++)
        if ((int)out[i].rule->severity > s->max_severity)
            s->max_severity = (int)out[i].rule->severity;
    return n;
}

void tsc_report_out_flush(struct tsc_sink_impl *s, int force)
{
    if (s->ob.len == 0 || (!force && s->ob.len < OUT_BLOCK))
        return;
    if (fwrite(s->ob.data, 1, s->ob.len, s->out) != s->ob.len)
        s->write_error = 1;
    tsc_buf_reset(&s->ob);
}

int tsc_report_flush(struct tsc_report *r)
{
    tsc_report_out_flush(&r->impl, 1);
    if (fflush(r->impl.out) != 0)
        r->impl.write_error = 1;
    return r->impl.write_error ? -1 : 0;
}

void tsc_report_free(struct tsc_report *r)
{
    if (!r)
        return;
    tsc_buf_free(&r->impl.ob);
    free(r);
}

void tsc_code_hex(uint16_t code, char out[7])
{
    static const char h[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    out[2] = h[(code >> 12) & 15];
    out[3] = h[(code >> 8) & 15];
    out[4] = h[(code >> 4) & 15];
    out[5] = h[code & 15];
    out[6] = 0;
}

void tsc_endpoint_ip(const struct tsc_endpoint *e, char *out, size_t n)
{
    if (!inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, out, (socklen_t)n))
        snprintf(out, n, "?");
}

const char *tsc_alert_level_name(uint8_t level)
{
    return level == 1 ? "warning" : level == 2 ? "fatal" : NULL;
}

const char *tsc_alert_desc_snake(uint8_t desc) { return tsc_reg_snake(TSC_REG_ALERT, desc); }

const char *tsc_ext_name(uint16_t type) { return tsc_reg_name(TSC_REG_EXTENSION, type); }

int tsc_ext_list_registry(uint16_t type)
{
    switch (type) {
    case TSC_EXT_SUPPORTED_GROUPS: return TSC_REG_GROUP;
    case TSC_EXT_SIGNATURE_ALGORITHMS:
    case TSC_EXT_SIGNATURE_ALGORITHMS_CERT: return TSC_REG_SIGSCHEME;
    case TSC_EXT_SUPPORTED_VERSIONS: return TSC_REG_VERSION;
    default: return -1;
    }
}

const char *tsc_ext_list_key(uint16_t type)
{
    switch (type) {
    case TSC_EXT_SUPPORTED_GROUPS: return "groups";
    case TSC_EXT_SIGNATURE_ALGORITHMS:
    case TSC_EXT_SIGNATURE_ALGORITHMS_CERT: return "schemes";
    case TSC_EXT_SUPPORTED_VERSIONS: return "versions";
    case TSC_EXT_EC_POINT_FORMATS: return "formats";
    case TSC_EXT_PSK_KEY_EXCHANGE_MODES: return "modes";
    case TSC_EXT_COMPRESS_CERTIFICATE: return "algorithms";
    default: return "values";
    }
}
