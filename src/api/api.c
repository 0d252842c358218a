/*
 * api.c - libtlsscope (include/tlsscope/tlsscope.h): the same pipeline as
 * `tlsscope read` (capture -> TLS session layer -> analysis), ending in a
 * renderer of its own that hands each finished connection to the caller as
 * an opaque view of its facts, with the JSON renderer's object for it when
 * asked (TLSSCOPE_JSON). Nothing here parses bytes or computes a fact: the
 * accessors read struct tsc_conn and struct tsc_conn_report.
 */
#include "tlsscope/tlsscope.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/findings.h"
#include "capture/packet.h"
#include "capture/pipeline.h"
#include "capture/source.h"
#include "crypto/keylog.h"
#include "registry/registry.h"
#include "report/report.h"
#include "tls/flow_tls.h"
#include "tls/session.h"

#define API __attribute__((visibility("default")))

struct tlsscope_conn {
    const struct tsc_conn *c;
    const struct tsc_conn_report *rep;
    uint64_t id;
    const char *json;
    size_t json_len;
    char client_ip[64], server_ip[64];
    char sni[257];
    char alpn[256];
};

struct tlsscope {
    unsigned options;
    tlsscope_conn_fn fn;
    void *fn_arg;
    char error[600];
    int in_callback;
    struct tsc_sink_impl json; /* the JSON renderer, output kept in json.ob */
    struct tsc_renderer render;
    struct tsc_analysis *an;
    struct tsc_keylog *keylog;
    struct tsc_decrypt_cfg dec;
    struct tsc_flow_tls_cfg tls_cfg;
    struct tsc_limits lim;
    struct tsc_pipeline *pl; /* tlsscope_feed_packet's run, until tlsscope_finish */
    struct tsc_session_ctx sc; /* the streams' */
    int sc_ready;
    uint64_t stream_seq;
    struct tlsscope_stream *streams; /* open, freed unreported by tlsscope_free */
};

struct tlsscope_stream {
    tlsscope *h;
    struct tsc_conn *c;
    struct tlsscope_stream *prev, *next; /* the handle's open streams */
};

static void set_error(tlsscope *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(tlsscope *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof h->error, fmt, ap);
    va_end(ap);
}

API const char *tlsscope_strerror(int code)
{
    switch (code) {
    case TLSSCOPE_OK: return "success";
    case TLSSCOPE_E_ARG: return "invalid argument";
    case TLSSCOPE_E_NOMEM: return "out of memory";
    case TLSSCOPE_E_INPUT: return "cannot read the input";
    case TLSSCOPE_E_KEYLOG: return "cannot read the key log";
    case TLSSCOPE_E_STATE: return "not allowed now";
    case TLSSCOPE_E_LINKTYPE: return "unsupported link type";
    default: return "unknown error";
    }
}

/* ---- the renderer: the JSON renderer's work when asked, then the caller ---- */

static void api_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *facts, void **data)
{
    tlsscope *h = ctx;
    if (h->options & TLSSCOPE_JSON)
        h->json.render.event(h->json.render.ctx, ev, facts, data);
}

static void copy_text(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void api_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                     uint64_t ordinal)
{
    tlsscope *h = ctx;
    struct tlsscope_conn v;
    memset(&v, 0, sizeof v);
    v.c = c;
    v.rep = rep;
    v.id = ordinal;
    if (h->options & TLSSCOPE_JSON) {
        tsc_buf_reset(&h->json.ob);
        h->json.render.emit(h->json.render.ctx, c, rep, data, ordinal);
        /* one object and its newline; the newline becomes the terminator */
        if (h->json.ob.len > 0 && h->json.ob.data[h->json.ob.len - 1] == '\n') {
            h->json.ob.data[h->json.ob.len - 1] = '\0';
            v.json = (const char *)h->json.ob.data;
            v.json_len = h->json.ob.len - 1;
        }
    }
    tsc_endpoint_ip(&c->client, v.client_ip, sizeof v.client_ip);
    tsc_endpoint_ip(&c->server, v.server_ip, sizeof v.server_ip);
    if (c->has_sni)
        copy_text(v.sni, sizeof v.sni, c->sni, c->sni_len);
    if (c->has_alpn_selected)
        copy_text(v.alpn, sizeof v.alpn, c->alpn_selected, c->alpn_selected_len);
    if (h->fn) {
        h->in_callback = 1;
        h->fn(&v, h->fn_arg);
        h->in_callback = 0;
    }
    tsc_buf_reset(&h->json.ob);
}

static void api_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    tlsscope *h = ctx;
    if (h->options & TLSSCOPE_JSON)
        h->json.render.discard(h->json.render.ctx, c, data);
}

API int tlsscope_new(tlsscope **out, unsigned options)
{
    if (!out)
        return TLSSCOPE_E_ARG;
    *out = NULL;
    if (options & ~TLSSCOPE_JSON)
        return TLSSCOPE_E_ARG;
    tlsscope *h = calloc(1, sizeof *h);
    if (!h)
        return TLSSCOPE_E_NOMEM;
    h->options = options;
    tsc_buf_init(&h->json.ob, 0);
    h->json.out = NULL;
    h->json.opts.format = TSC_FMT_JSON;
    if (tsc_format_at(TSC_FMT_JSON)->init(&h->json) != 0) {
        tsc_buf_free(&h->json.ob);
        free(h);
        return TLSSCOPE_E_NOMEM;
    }
    h->render.ctx = h;
    h->render.need = h->json.render.need; /* the JSON's facts: fingerprints and their texts, the suite's words */
    h->render.event = api_event;
    h->render.emit = api_emit;
    h->render.discard = api_discard;
    h->an = tsc_analysis_new(&h->render);
    if (!h->an) {
        tsc_buf_free(&h->json.ob);
        free(h);
        return TLSSCOPE_E_NOMEM;
    }
    h->lim.flow_buf_max = TSC_DEFAULT_FLOW_BUF_MAX;
    h->lim.max_flows = TSC_DEFAULT_MAX_FLOWS;
    h->lim.max_memory = TSC_DEFAULT_MAX_MEMORY;
    h->lim.idle_timeout_us = TSC_DEFAULT_IDLE_TIMEOUT_US;
    h->tls_cfg.sink = tsc_analysis_sink(h->an);
    h->tls_cfg.dec = NULL;
    *out = h;
    return TLSSCOPE_OK;
}

API void tlsscope_free(tlsscope *h)
{
    if (!h)
        return;
    tsc_pipeline_free(h->pl); /* connections still open are dropped */
    while (h->streams) {
        struct tlsscope_stream *s = h->streams;
        h->streams = s->next;
        tsc_analysis_sink(h->an)->discard(tsc_analysis_sink(h->an)->ctx, s->c);
        tsc_conn_free(s->c);
        free(s);
    }
    if (h->sc_ready)
        tsc_session_ctx_free(&h->sc);
    tsc_analysis_free(h->an);
    if (h->json.close)
        (void)h->json.close(&h->json);
    tsc_buf_free(&h->json.ob);
    tsc_keylog_free(h->keylog);
    free(h);
}

API const char *tlsscope_last_error(const tlsscope *h) { return h ? h->error : "invalid argument"; }

API int tlsscope_set_callback(tlsscope *h, tlsscope_conn_fn fn, void *arg)
{
    if (!h)
        return TLSSCOPE_E_ARG;
    if (h->in_callback) {
        set_error(h, "tlsscope_set_callback: called from the callback");
        return TLSSCOPE_E_STATE;
    }
    h->fn = fn;
    h->fn_arg = arg;
    return TLSSCOPE_OK;
}

API int tlsscope_add_keylog(tlsscope *h, const char *path)
{
    if (!h || !path)
        return TLSSCOPE_E_ARG;
    if (h->in_callback) {
        set_error(h, "tlsscope_add_keylog: called from the callback");
        return TLSSCOPE_E_STATE;
    }
    if (!h->keylog && !(h->keylog = tsc_keylog_new())) {
        set_error(h, "%s: out of memory", path);
        return TLSSCOPE_E_NOMEM;
    }
    tsc_result r = tsc_keylog_load(h->keylog, path);
    if (!tsc_is_ok(r)) {
        set_error(h, "%s: cannot read the key log: %s", path, r.why);
        return TLSSCOPE_E_KEYLOG;
    }
    h->dec.keylog = h->keylog;
    h->tls_cfg.dec = &h->dec;
    if (h->sc_ready)
        tsc_session_set_decrypt(&h->sc, &h->dec);
    return TLSSCOPE_OK;
}

static int busy(tlsscope *h, const char *fn)
{
    if (h->in_callback) {
        set_error(h, "%s: called from the callback", fn);
        return 1;
    }
    return 0;
}

API int tlsscope_read_file(tlsscope *h, const char *path)
{
    if (!h || !path)
        return TLSSCOPE_E_ARG;
    if (busy(h, "tlsscope_read_file"))
        return TLSSCOPE_E_STATE;
    struct tsc_flow_factory fac = tsc_flow_tls_factory(&h->tls_cfg);
    struct tsc_pipeline *pl = tsc_pipeline_new(&h->lim, &fac);
    if (!pl) {
        set_error(h, "%s: out of memory", path);
        return TLSSCOPE_E_NOMEM;
    }
    struct tsc_source_result res;
    tsc_source_read_file(path, pl, &res, TSC_READER_AUTO, NULL, NULL, NULL);
    tsc_pipeline_finish(pl);
    tsc_pipeline_free(pl);
    if (!res.ok) {
        set_error(h, "%s: %s", path, res.error);
        return TLSSCOPE_E_INPUT;
    }
    if (res.error[0]) /* read, with a warning: kept for the caller to see */
        set_error(h, "%s: warning: %s", path, res.error);
    return TLSSCOPE_OK;
}

API int tlsscope_feed_packet(tlsscope *h, int linktype, int64_t ts_us, const void *data, size_t caplen)
{
    if (!h || (!data && caplen))
        return TLSSCOPE_E_ARG;
    if (busy(h, "tlsscope_feed_packet"))
        return TLSSCOPE_E_STATE;
    if (!tsc_link_supported(linktype)) {
        set_error(h, "link type %d is not one tlsscope decodes", linktype);
        return TLSSCOPE_E_LINKTYPE;
    }
    if (!h->pl) {
        struct tsc_flow_factory fac = tsc_flow_tls_factory(&h->tls_cfg);
        h->pl = tsc_pipeline_new(&h->lim, &fac);
        if (!h->pl) {
            set_error(h, "out of memory");
            return TLSSCOPE_E_NOMEM;
        }
    }
    tsc_pipeline_packet(h->pl, linktype, data, caplen, ts_us);
    return TLSSCOPE_OK;
}

API int tlsscope_finish(tlsscope *h)
{
    if (!h)
        return TLSSCOPE_E_ARG;
    if (busy(h, "tlsscope_finish"))
        return TLSSCOPE_E_STATE;
    if (h->pl) {
        tsc_pipeline_finish(h->pl);
        tsc_pipeline_free(h->pl);
        h->pl = NULL;
    }
    return TLSSCOPE_OK;
}

/* "192.0.2.1:443", "[2001:db8::1]:443"; NULL: 0.0.0.0:0. */
static int parse_endpoint(const char *s, struct tsc_endpoint *e)
{
    memset(e, 0, sizeof *e);
    e->family = 4;
    if (!s)
        return 0;
    char host[64];
    const char *port;
    size_t n;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        n = (size_t)(close - s - 1);
        port = close + 2;
        e->family = 6;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon)
            return -1;
        n = (size_t)(colon - s);
        port = colon + 1;
    }
    if (n == 0 || n >= sizeof host)
        return -1;
    memcpy(host, s + (s[0] == '['), n);
    host[n] = '\0';
    if (inet_pton(e->family == 6 ? AF_INET6 : AF_INET, host, e->addr) != 1)
        return -1;
    char *end;
    errno = 0;
    unsigned long p = strtoul(port, &end, 10);
    if (errno || end == port || *end || p > 65535 || port[0] < '0' || port[0] > '9')
        return -1;
    e->port = (uint16_t)p;
    return 0;
}

API int tlsscope_stream_open(tlsscope *h, const char *client, const char *server, tlsscope_stream **out)
{
    if (!h || !out)
        return TLSSCOPE_E_ARG;
    *out = NULL;
    if (busy(h, "tlsscope_stream_open"))
        return TLSSCOPE_E_STATE;
    struct tsc_endpoint a, b;
    if (parse_endpoint(client, &a) != 0 || parse_endpoint(server, &b) != 0) {
        set_error(h, "tlsscope_stream_open: an endpoint is not ADDRESS:PORT or [IPv6]:PORT");
        return TLSSCOPE_E_ARG;
    }
    if (!h->sc_ready) {
        if (!tsc_is_ok(tsc_session_ctx_init(&h->sc, tsc_analysis_sink(h->an), &h->lim))) {
            set_error(h, "out of memory");
            return TLSSCOPE_E_NOMEM;
        }
        if (h->tls_cfg.dec)
            tsc_session_set_decrypt(&h->sc, h->tls_cfg.dec);
        h->sc_ready = 1;
    }
    tlsscope_stream *s = calloc(1, sizeof *s);
    if (!s || !(s->c = tsc_conn_new(++h->stream_seq, &a, &b, 0))) {
        free(s);
        set_error(h, "out of memory");
        return TLSSCOPE_E_NOMEM;
    }
    tsc_conn_set_client_side(s->c, 0, 1); /* side 0 is the client: the caller said so */
    s->h = h;
    s->next = h->streams;
    if (h->streams)
        h->streams->prev = s;
    h->streams = s;
    *out = s;
    return TLSSCOPE_OK;
}

API int tlsscope_stream_feed(tlsscope_stream *s, int from_client, int64_t ts_us, const void *data, size_t len)
{
    if (!s || (!data && len))
        return TLSSCOPE_E_ARG;
    if (busy(s->h, "tlsscope_stream_feed"))
        return TLSSCOPE_E_STATE;
    if (len)
        tsc_session_feed(&s->h->sc, s->c, from_client ? 0 : 1, data, len, ts_us);
    return TLSSCOPE_OK;
}

API int tlsscope_stream_close(tlsscope_stream *s, int64_t ts_us)
{
    if (!s)
        return TLSSCOPE_E_ARG;
    tlsscope *h = s->h;
    if (busy(h, "tlsscope_stream_close"))
        return TLSSCOPE_E_STATE;
    tsc_session_close(&h->sc, s->c, ts_us);
    const struct tsc_sink *sink = tsc_analysis_sink(h->an);
    if (s->c->is_tls)
        sink->emit(sink->ctx, s->c, s->c->seq);
    else
        sink->discard(sink->ctx, s->c);
    tsc_conn_free(s->c);
    if (s->prev)
        s->prev->next = s->next;
    else
        h->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
    return TLSSCOPE_OK;
}

/* ---- accessors ---- */

#define CONN_OR(c, fallback) \
    do {                     \
        if (!(c))            \
            return fallback; \
    } while (0)

API uint64_t tlsscope_conn_id(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->id;
}

API const char *tlsscope_conn_transport(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return tsc_transport_name(c->c->transport);
}

API const char *tlsscope_conn_client_ip(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->client_ip;
}

API uint16_t tlsscope_conn_client_port(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->client.port;
}

API const char *tlsscope_conn_server_ip(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->server_ip;
}

API uint16_t tlsscope_conn_server_port(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->server.port;
}

API int64_t tlsscope_conn_start_us(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->start_us;
}

API int64_t tlsscope_conn_end_us(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->last_us;
}

API const char *tlsscope_conn_version(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->c->version ? tsc_version_name(c->c->version) : NULL;
}

API int tlsscope_conn_cipher_suite(const tlsscope_conn *c)
{
    CONN_OR(c, -1);
    return c->rep->have_suite ? (int)c->c->suite : -1;
}

API const char *tlsscope_conn_cipher_suite_name(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->rep->have_suite ? c->rep->suite.name : NULL;
}

API const char *tlsscope_conn_sni(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->c->has_sni ? c->sni : NULL;
}

API const char *tlsscope_conn_alpn(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->c->has_alpn_selected ? c->alpn : NULL;
}

API const char *tlsscope_conn_ja3(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->rep->ja3[0] ? c->rep->ja3 : NULL;
}

API const char *tlsscope_conn_ja3s(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->rep->ja3s[0] ? c->rep->ja3s : NULL;
}

API const char *tlsscope_conn_ja4(const tlsscope_conn *c)
{
    CONN_OR(c, NULL);
    return c->rep->ja4[0] ? c->rep->ja4 : NULL;
}

API int tlsscope_conn_complete(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->complete != 0;
}

API int tlsscope_conn_resumed(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->resumed != 0;
}

API size_t tlsscope_conn_cert_count(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->c->n_certs;
}

/* The i-th certificate's summary when it parsed, else NULL. */
static const struct tsc_x509_summary *cert(const tlsscope_conn *c, size_t i)
{
    if (!c || i >= c->c->n_certs || !c->c->certs || !c->c->certs[i])
        return NULL;
    if (c->c->cert_status && !tsc_is_ok(c->c->cert_status[i]))
        return NULL;
    return c->c->certs[i];
}

API const char *tlsscope_conn_cert_subject(const tlsscope_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = cert(c, i);
    return s ? s->subject : NULL;
}

API const char *tlsscope_conn_cert_issuer(const tlsscope_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = cert(c, i);
    return s ? s->issuer : NULL;
}

API const char *tlsscope_conn_cert_serial(const tlsscope_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = cert(c, i);
    return s ? s->serial : NULL;
}

API const char *tlsscope_conn_cert_sha256(const tlsscope_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = cert(c, i);
    return s ? s->sha256 : NULL;
}

API int64_t tlsscope_conn_cert_not_before(const tlsscope_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = cert(c, i);
    return s ? s->not_before_epoch : 0;
}

API int64_t tlsscope_conn_cert_not_after(const tlsscope_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = cert(c, i);
    return s ? s->not_after_epoch : 0;
}

API size_t tlsscope_conn_finding_count(const tlsscope_conn *c)
{
    CONN_OR(c, 0);
    return c->rep->n_findings;
}

static const struct tsc_finding *finding(const tlsscope_conn *c, size_t i)
{
    return c && i < c->rep->n_findings ? &c->rep->findings[i] : NULL;
}

API const char *tlsscope_conn_finding_id(const tlsscope_conn *c, size_t i)
{
    const struct tsc_finding *f = finding(c, i);
    return f ? f->rule->id : NULL;
}

API const char *tlsscope_conn_finding_severity(const tlsscope_conn *c, size_t i)
{
    const struct tsc_finding *f = finding(c, i);
    return f ? tsc_severity_name(f->rule->severity) : NULL;
}

API const char *tlsscope_conn_finding_title(const tlsscope_conn *c, size_t i)
{
    const struct tsc_finding *f = finding(c, i);
    return f ? f->rule->title : NULL;
}

API const char *tlsscope_conn_finding_detail(const tlsscope_conn *c, size_t i)
{
    const struct tsc_finding *f = finding(c, i);
    return f ? f->detail : NULL;
}

API const char *tlsscope_conn_json(const tlsscope_conn *c, size_t *len)
{
    if (len)
        *len = c ? c->json_len : 0;
    return c ? c->json : NULL;
}
