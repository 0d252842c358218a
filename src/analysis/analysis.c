/*
 * analysis.c - the analysis step (contract in analysis.h): facts per
 * handshake message, a report per connection, findings, and the most severe
 * finding of the run.
 */
#include "analysis/analysis.h"

#include <stdlib.h>
#include <string.h>

struct tsc_analysis {
    struct tsc_sink sink;
    struct tsc_renderer r;
    int max_severity; /* written by emit only (one thread at a time) */
};

/* What the analysis keeps of a connection between its events and its emit
 * (conn->sink_data). */
struct an_conn {
    void *render; /* the renderer's slot */
    uint32_t dh_bits;
    char ja3[TSC_FP_MD5_HEX];
    char ja4[TSC_FP_JA4_SIZE];
    char ja3s[TSC_FP_MD5_HEX];
};

/* ------------------------------------------------------------ facts ---- */

uint32_t tsc_analysis_bits(struct tsc_view v)
{
    size_t i = 0;
    while (i < v.len && v.p[i] == 0)
        i++;
    if (i == v.len)
        return 0;
    uint32_t bits = (uint32_t)(v.len - i) * 8;
    for (uint8_t top = v.p[i]; !(top & 0x80); top = (uint8_t)(top << 1))
        bits--;
    return bits;
}

void tsc_analysis_client_hello(const struct tsc_client_hello *ch, unsigned need, struct tsc_msg_facts *out)
{
    struct tsc_fp_client *fp = &out->ch;
    if (need & TSC_NEED_FP_TEXT) {
        tsc_fp_client_hello(ch, fp);
    } else {
        /* the hashes, and the JA3 string if asked for: no other text kept */
        int ja3_text = (need & TSC_NEED_JA3_TEXT) != 0;
        fp->ja3_status = tsc_fp_ja3(ch, ja3_text ? fp->ja3 : NULL, ja3_text ? sizeof fp->ja3 : 0, fp->ja3_md5);
        fp->ja4_status = tsc_fp_ja4(ch, fp->ja4, NULL, 0);
        if (!ja3_text)
            fp->ja3[0] = '\0';
        fp->ja4_r[0] = '\0';
    }
    out->ja3_usable = (uint8_t)tsc_fp_usable(fp->ja3_status);
    out->ja4_usable = (uint8_t)tsc_fp_usable(fp->ja4_status);
    out->have |= TSC_HAVE_CH_FP;
}

static void server_hello_fp(const struct tsc_server_hello *sh, unsigned need, struct tsc_msg_facts *out)
{
    struct tsc_fp_server *fp = &out->sh;
    if (need & TSC_NEED_FP_TEXT) {
        tsc_fp_server_hello(sh, fp);
    } else {
        fp->ja3s_status = tsc_fp_ja3s(sh, NULL, 0, fp->ja3s_md5);
        fp->ja3s[0] = '\0';
    }
    out->ja3s_usable = (uint8_t)tsc_fp_usable(fp->ja3s_status);
    out->have |= TSC_HAVE_SH_FP;
}

static void server_key_exchange(const struct tsc_server_key_exchange *k, struct tsc_msg_facts *out)
{
    out->dh_bits = out->rsa_bits = out->srp_bits = 0;
    if (k->kx == TSC_KX_DHE || k->kx == TSC_KX_DHE_PSK)
        out->dh_bits = tsc_analysis_bits(k->dh_p);
    else if (k->kx == TSC_KX_RSA)
        out->rsa_bits = tsc_analysis_bits(k->rsa_modulus);
    else if (k->kx == TSC_KX_SRP)
        out->srp_bits = tsc_analysis_bits(k->srp_n);
    out->have |= TSC_HAVE_KEY;
}

void tsc_analysis_message(const struct tsc_hs_msg *m, unsigned need, struct tsc_msg_facts *out)
{
    out->have = 0;
    switch (m->type) {
    case TSC_HS_CLIENT_HELLO:
        if (need & (TSC_NEED_FP | TSC_NEED_JA3_TEXT | TSC_NEED_FP_TEXT))
            tsc_analysis_client_hello(&m->u.ch, need, out);
        break;
    case TSC_HS_SERVER_HELLO:
        if (need & TSC_NEED_SUITE) {
            tsc_suite_describe(m->u.sh.cipher_suite, &out->suite);
            tsc_suite_meaning(&out->suite, out->suite_meaning, sizeof out->suite_meaning);
            out->have |= TSC_HAVE_SUITE;
        }
        /* fall through */
    case TSC_HS_HELLO_RETRY_REQUEST:
        if (need & (TSC_NEED_FP | TSC_NEED_FP_TEXT))
            server_hello_fp(&m->u.sh, need, out);
        break;
    case TSC_HS_SERVER_KEY_EXCHANGE:
        server_key_exchange(&m->u.ske, out);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------ the sink ---- */

static struct an_conn *an_conn_of(struct tsc_conn *c)
{
    if (!c->sink_data)
        c->sink_data = calloc(1, sizeof(struct an_conn));
    return c->sink_data;
}

/* What the connection's report takes from this message. Mirrors what the
 * session layer judges a connection by: a ServerKeyExchange that decoded
 * sets the DH size (the last one wins, as after a renegotiation); the first
 * decoded hellos with usable fingerprints set the connection's. */
static void note_message(struct an_conn *s, const struct tsc_event *ev, const struct tsc_msg_facts *f)
{
    if (!tsc_is_ok(ev->status))
        return;
    if ((f->have & TSC_HAVE_KEY) &&
        (ev->msg->u.ske.kx == TSC_KX_DHE || ev->msg->u.ske.kx == TSC_KX_DHE_PSK))
        s->dh_bits = f->dh_bits;
    if ((f->have & TSC_HAVE_CH_FP) && !s->ja3[0]) {
        if (f->ja3_usable)
            memcpy(s->ja3, f->ch.ja3_md5, sizeof s->ja3);
        if (f->ja4_usable)
            memcpy(s->ja4, f->ch.ja4, sizeof s->ja4);
        else
            s->ja4[0] = '\0';
    }
    if ((f->have & TSC_HAVE_SH_FP) && ev->msg->type == TSC_HS_SERVER_HELLO && !s->ja3s[0] && f->ja3s_usable)
        memcpy(s->ja3s, f->sh.ja3s_md5, sizeof s->ja3s);
}

static void an_event(void *ctx, const struct tsc_event *ev)
{
    struct tsc_analysis *a = ctx;
    struct an_conn *s = an_conn_of(ev->conn);
    if (!s)
        return; /* out of memory: the event goes unreported, as a renderer's own failure would */
    struct tsc_msg_facts f;
    f.have = 0;
    if (ev->type == TSC_EV_HANDSHAKE && (tsc_is_ok(ev->status) || ev->partial)) {
        tsc_analysis_message(ev->msg, a->r.need, &f);
        /* JA4 names the transport, which a QUIC ClientHello (TLS form)
         * does not show; the connection does */
        if ((f.have & TSC_HAVE_CH_FP) && ev->conn->transport == TSC_TRANSPORT_QUIC)
            tsc_fp_client_quic(&f.ch);
        if (!tsc_is_ok(ev->status)) {
            /* a hello read only in part: a fingerprint of what was read is
             * not the hello's, and no format shows one */
            f.ja3_usable = f.ja4_usable = f.ja3s_usable = 0;
        }
        note_message(s, ev, &f);
    }
    if (a->r.event)
        a->r.event(a->r.ctx, ev, &f, &s->render);
}

void tsc_conn_report_init(struct tsc_conn_report *r, const struct tsc_conn *c, unsigned need)
{
    r->ja3[0] = r->ja4[0] = r->ja3s[0] = '\0';
    r->have_suite = c->have_suite;
    r->suite_known = 0;
    r->suite_encryption[0] = r->suite_mac[0] = '\0';
    if (c->have_suite) {
        r->suite_known = (uint8_t)tsc_suite_describe(c->suite, &r->suite);
        if (need & TSC_NEED_SUITE_TEXT) {
            tsc_suite_encryption_text(&r->suite, r->suite_encryption, sizeof r->suite_encryption);
            tsc_suite_mac_text(&r->suite, r->suite_mac, sizeof r->suite_mac);
        }
    } else {
        memset(&r->suite, 0, sizeof r->suite);
    }
    r->dh_bits = 0;
    r->n_findings = 0;
}

static void an_emit(void *ctx, struct tsc_conn *c, uint64_t ordinal)
{
    struct tsc_analysis *a = ctx;
    struct an_conn *s = c->sink_data;
    void *none = NULL;
    struct tsc_conn_report rep;
    tsc_conn_report_init(&rep, c, a->r.need);
    if (s) {
        rep.dh_bits = s->dh_bits;
        memcpy(rep.ja3, s->ja3, sizeof rep.ja3);
        memcpy(rep.ja4, s->ja4, sizeof rep.ja4);
        memcpy(rep.ja3s, s->ja3s, sizeof rep.ja3s);
    }
    size_t n = tsc_findings_eval(c, &rep, c->start_us / 1000000, rep.findings, TSC_REPORT_MAX_FINDINGS);
    rep.n_findings = n < TSC_REPORT_MAX_FINDINGS ? n : TSC_REPORT_MAX_FINDINGS;
    if (rep.n_findings && (int)rep.findings[0].rule->severity > a->max_severity)
        a->max_severity = (int)rep.findings[0].rule->severity; /* most severe first */
    if (a->r.emit)
        a->r.emit(a->r.ctx, c, &rep, s ? &s->render : &none, ordinal);
    free(s);
    c->sink_data = NULL;
}

static void an_discard(void *ctx, struct tsc_conn *c)
{
    struct tsc_analysis *a = ctx;
    struct an_conn *s = c->sink_data;
    void *none = NULL;
    if (a->r.discard)
        a->r.discard(a->r.ctx, c, s ? &s->render : &none);
    free(s);
    c->sink_data = NULL;
}

struct tsc_analysis *tsc_analysis_new(const struct tsc_renderer *r)
{
    struct tsc_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->r = *r;
    a->max_severity = -1;
    a->sink.ctx = a;
    a->sink.event = an_event;
    a->sink.emit = an_emit;
    a->sink.discard = an_discard;
    return a;
}

const struct tsc_sink *tsc_analysis_sink(struct tsc_analysis *a) { return &a->sink; }

int tsc_analysis_max_severity(const struct tsc_analysis *a) { return a->max_severity; }

void tsc_analysis_free(struct tsc_analysis *a) { free(a); }
