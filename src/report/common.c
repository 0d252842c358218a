/*
 * common.c - the report object and what every renderer shares.
 *
 * The sink a report hands out runs, per event: --export-streams (decrypted
 * application data to files), then the analysis step (analysis/analysis.h),
 * which computes the facts and calls the format's renderer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "report/report.h"

struct tsc_report {
    struct tsc_sink_impl impl;    /* the format's renderer */
    struct tsc_analysis *an;      /* in front of the renderer */
    const struct tsc_sink *an_sink;
    struct tsc_sink wrap; /* the sink handed out: exports streams, then the analysis */
    pthread_mutex_t lock; /* export_error (events come from -j workers) */
    char export_error[512];
};

/* --export-streams: each direction's plaintext is gathered in memory and
 * appended to a hidden part file in blocks (so thousands of open connections
 * need no file descriptors), renamed to ID-c2s.bin / ID-s2c.bin when the
 * connection is reported and its ID known. */
#define EXPORT_BLOCK ((size_t)64 << 10)
struct exp_conn {
    struct tsc_buf buf[2];
    uint8_t created[2];
    uint8_t failed;
};

static void exp_fail(struct tsc_report *r, const char *path, int err)
{
    pthread_mutex_lock(&r->lock);
    if (!r->export_error[0])
        snprintf(r->export_error, sizeof r->export_error, "%s: %s", path, strerror(err));
    pthread_mutex_unlock(&r->lock);
}

static void exp_part(const struct tsc_report *r, const struct tsc_conn *c, int dir, char *out, size_t n)
{
    snprintf(out, n, "%s/.tlsscope-%llu-%s.part", r->impl.opts.export_dir, (unsigned long long)c->seq,
             tsc_dir_name(dir));
}

static void exp_flush(struct tsc_report *r, struct tsc_conn *c, struct exp_conn *x, int dir)
{
    if (x->buf[dir].len == 0 || x->failed)
        return;
    char path[4096];
    exp_part(r, c, dir, path, sizeof path);
    FILE *f = fopen(path, x->created[dir] ? "ab" : "wb");
    int ok = f && fwrite(x->buf[dir].data, 1, x->buf[dir].len, f) == x->buf[dir].len;
    int err = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (!ok) {
        x->failed = 1;
        exp_fail(r, path, err);
    }
    x->created[dir] = 1;
    tsc_buf_reset(&x->buf[dir]);
}

static void exp_data(struct tsc_report *r, const struct tsc_event *ev)
{
    struct tsc_conn *c = ev->conn;
    struct exp_conn *x = c->export_data;
    if (ev->has_stream)
        return; /* QUIC multiplexes streams, in any order: one file per direction would mix them */
    if (!x) {
        x = calloc(1, sizeof *x);
        if (!x) {
            exp_fail(r, r->impl.opts.export_dir, ENOMEM);
            return;
        }
        c->export_data = x;
    }
    int d = ev->dir & 1;
    if (x->failed)
        return;
    if (!tsc_is_ok(tsc_buf_append(&x->buf[d], ev->data.p, ev->data.len))) {
        x->failed = 1;
        exp_fail(r, r->impl.opts.export_dir, ENOMEM);
        return;
    }
    if (x->buf[d].len >= EXPORT_BLOCK)
        exp_flush(r, c, x, d);
}

/* The connection is reported as `ordinal` (rename), or dropped (ordinal 0). */
static void exp_done(struct tsc_report *r, struct tsc_conn *c, uint64_t ordinal)
{
    struct exp_conn *x = c->export_data;
    if (!x)
        return;
    for (int d = 0; d < 2; d++) {
        if (ordinal)
            exp_flush(r, c, x, d);
        char part[4096], final[4096];
        exp_part(r, c, d, part, sizeof part);
        if (x->created[d]) {
            if (ordinal && !x->failed) {
                snprintf(final, sizeof final, "%s/%llu-%s.bin", r->impl.opts.export_dir,
                         (unsigned long long)ordinal, tsc_dir_name(d));
                if (rename(part, final) != 0)
                    exp_fail(r, final, errno);
            } else {
                (void)unlink(part);
            }
        }
        tsc_buf_free(&x->buf[d]);
    }
    free(x);
    c->export_data = NULL;
}

static void wrap_event(void *ctx, const struct tsc_event *ev)
{
    struct tsc_report *r = ctx;
    if (ev->type == TSC_EV_APP_DATA) {
        if (r->impl.opts.export_dir)
            exp_data(r, ev);
        if (!r->impl.opts.data_preview)
            return;
    }
    r->an_sink->event(r->an_sink->ctx, ev);
}

static void wrap_emit(void *ctx, struct tsc_conn *c, uint64_t ordinal)
{
    struct tsc_report *r = ctx;
    exp_done(r, c, ordinal);
    r->an_sink->emit(r->an_sink->ctx, c, ordinal);
}

static void wrap_discard(void *ctx, struct tsc_conn *c)
{
    struct tsc_report *r = ctx;
    exp_done(r, c, 0);
    r->an_sink->discard(r->an_sink->ctx, c);
}

const char *tsc_report_export_error(const struct tsc_report *r)
{
    return r->export_error[0] ? r->export_error : NULL;
}

int tsc_data_is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '\n' || ch == '\r' || ch == '\t' || (ch >= 0x20 && ch < 0x7f))
            continue;
        /* past ASCII only as UTF-8 (RFC 3629: no overlong forms, no
         * surrogates, nothing past U+10FFFF); a sequence the end of the
         * preview cuts is let through. A lone 0x80 is binary, not text. */
        size_t more = ch >= 0xc2 && ch <= 0xdf ? 1 : ch >= 0xe0 && ch <= 0xef ? 2 : ch >= 0xf0 && ch <= 0xf4 ? 3 : 0;
        if (!more)
            return 0;
        for (size_t k = 1; k <= more && i + k < n; k++) {
            uint8_t c2 = p[i + k];
            uint8_t lo = 0x80, hi = 0xbf;
            if (k == 1 && ch == 0xe0)
                lo = 0xa0;
            else if (k == 1 && ch == 0xed)
                hi = 0x9f;
            else if (k == 1 && ch == 0xf0)
                lo = 0x90;
            else if (k == 1 && ch == 0xf4)
                hi = 0x8f;
            if (c2 < lo || c2 > hi)
                return 0;
        }
        i += more;
    }
    return 1;
}

#define OUT_BLOCK ((size_t)1 << 16)

struct tsc_report *tsc_report_new(const struct tsc_report_opts *opts, FILE *out, char *err, size_t errlen)
{
    struct tsc_report *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->impl.out = out;
    r->impl.opts = *opts;
    tsc_buf_init(&r->impl.ob, 0);
    const struct tsc_format_row *f = tsc_format_at((size_t)opts->format);
    if (!f)
        f = tsc_format_at(TSC_FMT_TEXT);
    if (f->init(&r->impl) != 0) {
        snprintf(err, errlen, "%s", r->impl.error[0] ? r->impl.error : "out of memory");
        if (r->impl.close)
            (void)r->impl.close(&r->impl);
        tsc_buf_free(&r->impl.ob);
        free(r);
        return NULL;
    }
    r->an = tsc_analysis_new(&r->impl.render);
    if (!r->an) {
        snprintf(err, errlen, "out of memory");
        if (r->impl.close)
            (void)r->impl.close(&r->impl);
        tsc_buf_free(&r->impl.ob);
        free(r);
        return NULL;
    }
    r->an_sink = tsc_analysis_sink(r->an);
    pthread_mutex_init(&r->lock, NULL);
    r->wrap.ctx = r;
    r->wrap.event = wrap_event;
    r->wrap.emit = wrap_emit;
    r->wrap.discard = wrap_discard;
    return r;
}

const struct tsc_sink *tsc_report_sink(struct tsc_report *r) { return &r->wrap; }

int tsc_report_max_severity(const struct tsc_report *r) { return tsc_analysis_max_severity(r->an); }

void tsc_report_peer_verdict(struct tsc_report *r, const struct tsc_peer_verdict *v)
{
    if (r->impl.n_verdicts < TSC_REPORT_PEER_VERDICTS)
        r->impl.verdicts[r->impl.n_verdicts++] = *v;
}

const struct tsc_peer_verdict *tsc_sink_peer_verdict(const struct tsc_sink_impl *s, const struct tsc_endpoint *client)
{
    for (size_t i = 0; i < s->n_verdicts; i++) {
        const struct tsc_endpoint *e = &s->verdicts[i].client;
        if (e->family == client->family && e->port == client->port &&
            memcmp(e->addr, client->addr, e->family == 6 ? 16 : 4) == 0)
            return &s->verdicts[i];
    }
    return NULL;
}

void tsc_report_out_flush(struct tsc_sink_impl *s, int force)
{
    if (!s->out || s->ob.len == 0 || (!force && s->ob.len < OUT_BLOCK))
        return;
    if (fwrite(s->ob.data, 1, s->ob.len, s->out) != s->ob.len) {
        /* the reason now, while errno is fwrite's */
        if (!s->error[0])
            snprintf(s->error, sizeof s->error, "writing the output failed: %s", strerror(errno));
        s->write_error = 1;
    }
    tsc_buf_reset(&s->ob);
}

int tsc_report_flush(struct tsc_report *r)
{
    tsc_report_out_flush(&r->impl, 1);
    if (fflush(r->impl.out) != 0) {
        if (!r->impl.error[0])
            snprintf(r->impl.error, sizeof r->impl.error, "writing the output failed: %s", strerror(errno));
        r->impl.write_error = 1;
    }
    if (r->impl.flush && r->impl.flush(&r->impl) != 0)
        r->impl.write_error = 1;
    return r->impl.write_error ? -1 : 0;
}

int tsc_report_close(struct tsc_report *r)
{
    if (r->impl.closed)
        return r->impl.write_error ? -1 : 0;
    int rc = tsc_report_flush(r);
    r->impl.closed = 1;
    if (r->impl.close && r->impl.close(&r->impl) != 0) {
        r->impl.write_error = 1;
        rc = -1;
    }
    return rc;
}

const char *tsc_report_error(const struct tsc_report *r)
{
    if (r->impl.error[0])
        return r->impl.error;
    /* a format that failed without saying why still failed */
    return r->impl.write_error ? "writing the report failed" : NULL;
}

void tsc_report_free(struct tsc_report *r)
{
    if (!r)
        return;
    tsc_analysis_free(r->an);
    if (!r->impl.closed && r->impl.close)
        (void)r->impl.close(&r->impl);
    tsc_buf_free(&r->impl.ob);
    pthread_mutex_destroy(&r->lock);
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
    if (e->family != 6 && n >= 16) {
        /* dotted quad by hand: glibc's inet_ntop formats it with sprintf,
         * and every connection's report writes two */
        size_t k = 0;
        for (int i = 0; i < 4; i++) {
            unsigned v = e->addr[i];
            if (i)
                out[k++] = '.';
            if (v >= 100)
                out[k++] = (char)('0' + v / 100);
            if (v >= 10)
                out[k++] = (char)('0' + v / 10 % 10);
            out[k++] = (char)('0' + v % 10);
        }
        out[k] = '\0';
        return;
    }
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
