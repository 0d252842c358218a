/*
 * session.c - a connection's life in the TLS layer: the run's context,
 * connections, names, events and errors, and the close that asks every
 * stage what it still held. The stages themselves are frame_tcp.c (records
 * from TCP), protect.c (record protection), assemble.c (handshake
 * messages) and facts.c (what they mean); see session_int.h.
 */
#include <stdatomic.h>
#include "tls/session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "registry/registry.h"
#include "tls/session_int.h"

tsc_result tsc_session_ctx_init(struct tsc_session_ctx *sc, const struct tsc_sink *sink,
                                const struct tsc_limits *lim)
{
    memset(sc, 0, sizeof *sc);
    sc->sink = sink;
    sc->lim = *lim;
    if (!sc->lim.flow_buf_max)
        sc->lim.flow_buf_max = TSC_DEFAULT_FLOW_BUF_MAX;
    if (!sc->lim.max_flows)
        sc->lim.max_flows = TSC_DEFAULT_MAX_FLOWS;
    if (!sc->lim.max_memory)
        sc->lim.max_memory = TSC_DEFAULT_MAX_MEMORY;
    sc->scratch = malloc(sizeof *sc->scratch);
    if (!sc->scratch)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    sc->cert_cache = calloc(TSC_CERT_CACHE, sizeof *sc->cert_cache); /* optional: NULL means no cache */
    tsc_hash_key_random(&sc->cache_key);
    return tsc_ok();
}

void tsc_session_ctx_free(struct tsc_session_ctx *sc)
{
    free(sc->scratch);
    sc->scratch = NULL;
    free(sc->dec_out);
    sc->dec_out = NULL;
    free(sc->quic_buf);
    sc->quic_buf = NULL;
    free(sc->dec_zout);
    sc->dec_zout = NULL;
    free(sc->sess_cache);
    sc->sess_cache = NULL;
    if (sc->cert_cache) {
        for (size_t i = 0; i < TSC_CERT_CACHE; i++) {
            free(sc->cert_cache[i].der);
            if (sc->cert_cache[i].sum)
                tsc_cert_sum_unref(&sc->cert_cache[i].sum->s);
        }
        free(sc->cert_cache);
        sc->cert_cache = NULL;
    }
}

struct tsc_conn *tsc_conn_new(uint64_t seq, const struct tsc_endpoint *a, const struct tsc_endpoint *b,
                              int64_t ts_us)
{
    struct tsc_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->seq = seq;
    c->client = *a;
    c->server = *b;
    c->start_us = c->last_us = ts_us;
    c->client_side = 0;
    return c;
}

void tsc_conn_set_client_side(struct tsc_conn *c, int side, int fixed)
{
    if (c->side_fixed || c->emitted_any)
        return;
    if (side != c->client_side) {
        struct tsc_endpoint t = c->client;
        c->client = c->server;
        c->server = t;
        struct tsc_tlsdir td = c->dir[0];
        c->dir[0] = c->dir[1];
        c->dir[1] = td;
        c->client_side = (uint8_t)side;
    }
    c->side_fixed = (uint8_t)fixed;
}

void tsc_conn_set_midstream(struct tsc_conn *c, int midstream)
{
    c->midstream = (uint8_t)midstream;
    if (midstream) {
        /* message boundaries are unknown until a record starts with one */
        tsc_asm_lost(&c->dir[0].hs);
        tsc_asm_lost(&c->dir[1].hs);
    }
}

void tsc_conn_free(struct tsc_conn *c)
{
    if (!c)
        return;
    tsc_dec_free(c);
    tsc_frame_quic_free(c);
    for (int d = 0; d < 2; d++) {
        tsc_buf_free(&c->dir[d].fr.body);
        tsc_asm_free(&c->dir[d].hs);
    }
    tsc_cert_sums_release(c->certs, c->n_certs);
    free(c->cert_status);
    free(c->alpn_offered);
    free(c);
}

struct tsc_cert_sum tsc_cert_sum_none = {1, {0}};

struct tsc_cert_sum *tsc_cert_sum_new(void)
{
    struct tsc_cert_sum *p = calloc(1, sizeof *p);
    if (p)
        atomic_init(&p->refs, 1);
    return p;
}

const struct tsc_x509_summary *tsc_cert_sum_ref(struct tsc_cert_sum *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return &p->s;
}

void tsc_cert_sum_unref(const struct tsc_x509_summary *s)
{
    if (!s || s == &tsc_cert_sum_none.s)
        return;
    struct tsc_cert_sum *p = (struct tsc_cert_sum *)((char *)(uintptr_t)s - offsetof(struct tsc_cert_sum, s));
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
        free(p);
}

void tsc_cert_sums_release(const struct tsc_x509_summary **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        tsc_cert_sum_unref(v[i]);
    free(v);
}

/* ---------------------------------------------------------------- names */

const char *tsc_version_name(uint16_t v)
{
    switch (v) {
    case 0x0002: return "SSL 2.0";
    case TSC_SSL30: return "SSL 3.0";
    case TSC_TLS10: return "TLS 1.0";
    case TSC_TLS11: return "TLS 1.1";
    case TSC_TLS12: return "TLS 1.2";
    case TSC_TLS13: return "TLS 1.3";
    default: return tsc_reg_name(TSC_REG_VERSION, v);
    }
}

int tsc_version_is_tls13(uint16_t v)
{
    return v == TSC_TLS13 || v == TSC_DTLS13 || (v >> 8) == 0x7f || v == 0xfb17 || v == 0xfb1a;
}

const char *tsc_transport_name(int transport)
{
    switch (transport) {
    case TSC_TRANSPORT_DTLS: return "dtls";
    case TSC_TRANSPORT_QUIC: return "quic";
    default: return "tcp";
    }
}

const char *tsc_hs_type_snake(uint16_t type)
{
    if (type == TSC_HS_HELLO_RETRY_REQUEST)
        return "hello_retry_request";
    if (type == TSC_HS_NEXT_PROTOCOL)
        return "next_protocol";
    const char *s = tsc_reg_snake(TSC_REG_HANDSHAKE, (uint16_t)type);
    return s ? s : "unknown";
}

const char *tsc_hs_type_title(uint16_t type)
{
    switch (type) {
    case TSC_HS_HELLO_REQUEST: return "HelloRequest";
    case TSC_HS_CLIENT_HELLO: return "ClientHello";
    case TSC_HS_SERVER_HELLO: return "ServerHello";
    case TSC_HS_HELLO_VERIFY_REQUEST: return "HelloVerifyRequest";
    case TSC_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case TSC_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case TSC_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case TSC_HS_CERTIFICATE: return "Certificate";
    case TSC_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case TSC_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case TSC_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
    case TSC_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case TSC_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case TSC_HS_FINISHED: return "Finished";
    case TSC_HS_CERTIFICATE_URL: return "CertificateURL";
    case TSC_HS_CERTIFICATE_STATUS: return "CertificateStatus";
    case TSC_HS_SUPPLEMENTAL_DATA: return "SupplementalData";
    case TSC_HS_KEY_UPDATE: return "KeyUpdate";
    case TSC_HS_COMPRESSED_CERTIFICATE: return "CompressedCertificate";
    case TSC_HS_NEXT_PROTOCOL: return "NextProtocol";
    case TSC_HS_MESSAGE_HASH: return "MessageHash";
    case TSC_HS_HELLO_RETRY_REQUEST: return "HelloRetryRequest";
    default: return "Unknown";
    }
}

const char *tsc_phase_name(int phase)
{
    static const char *n[] = {"", "hello", "server_auth", "key_exchange", "finish"};
    return phase >= 1 && phase <= 4 ? n[phase] : "";
}

const char *tsc_phase_title(int phase)
{
    static const char *n[] = {"", "Hello", "Server authentication", "Key exchange and the switch",
                              "Finish"};
    return phase >= 1 && phase <= 4 ? n[phase] : "";
}

const char *tsc_dir_name(int dir) { return dir == TSC_C2S ? "c2s" : "s2c"; }

const char *tsc_error_kind_name(int kind)
{
    return kind == TSC_KIND_GAP ? "gap" : tsc_kind_name(kind);
}

/* --------------------------------------------------------------- events */

void tsc_sess_emit(struct tsc_session_ctx *sc, struct tsc_event *ev)
{
    if (ev->conn->reported)
        return; /* live capture showed it already */
    ev->conn->emitted_any = 1;
    ev->conn->side_fixed = 1;
    if (sc->sink && sc->sink->event)
        sc->sink->event(sc->sink->ctx, ev);
}

void tsc_sess_ev_init(struct tsc_event *ev, enum tsc_ev_type type, struct tsc_conn *c, int dir, int64_t ts)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->conn = c;
    ev->dir = (uint8_t)dir;
    ev->ts_us = ts;
}

void tsc_session_error(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int kind, uint8_t alert,
                       const char *why, uint64_t detail, int64_t ts_us)
{
    sc->errors++;
    if (c->n_errors_total < UINT16_MAX)
        c->n_errors_total++;
    if (c->n_errors >= TSC_MAX_CONN_ERRORS)
        return;
    struct tsc_conn_error *e = &c->errors[c->n_errors++];
    e->dir = (uint8_t)dir;
    e->kind = (uint8_t)kind;
    e->alert = alert;
    e->why = why;
    e->detail = detail;
    e->ts_us = ts_us;
    if (c->is_tls) {
        struct tsc_event ev;
        tsc_sess_ev_init(&ev, TSC_EV_ERROR, c, dir, ts_us);
        ev.error = e;
        tsc_sess_emit(sc, &ev);
    }
}
void tsc_sess_error_r(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, tsc_result r, uint64_t detail,
                      int64_t ts)
{
    tsc_session_error(sc, c, dir, r.kind, r.alert, r.why, detail, ts);
}

int tsc_sess_tls13(const struct tsc_conn *c) { return tsc_version_is_tls13(c->version); }

void tsc_session_datagram(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                          size_t wire, int64_t ts)
{
    if (c->transport == TSC_TRANSPORT_QUIC)
        tsc_frame_quic_datagram(sc, c, side, p, n, wire, ts);
    else
        tsc_frame_dtls_datagram(sc, c, side, p, n, wire, ts);
}

int tsc_session_datagram_starts_new(const struct tsc_conn *c, const uint8_t *p, size_t n)
{
    return c->transport == TSC_TRANSPORT_QUIC ? tsc_frame_quic_starts_new(c, p, n)
                                              : tsc_frame_dtls_starts_new(c, p, n);
}

void tsc_session_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int64_t ts)
{
    if (c->closed)
        return;
    if (c->transport == TSC_TRANSPORT_QUIC)
        tsc_frame_quic_close(sc, c, ts); /* its CRYPTO streams, before the keys go */
    for (int dir = 0; dir < 2 && c->is_tls; dir++) {
        struct tsc_tlsdir *d = &c->dir[dir];
        uint64_t need = 0;
        if (c->transport == TSC_TRANSPORT_DTLS)
            tsc_sess_handshake_skip(sc, c, dir, ts); /* a gap, then the messages held after it */
        int in_message = tsc_asm_pending(&d->hs, &need);
        if (c->transport == TSC_TRANSPORT_TCP)
            tsc_frame_tcp_close(sc, c, dir, in_message, ts);
        if (in_message)
            tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a handshake message", need, ts);
        tsc_asm_free(&d->hs);
    }
    if (c->decp) {
        tsc_dec_remember(sc, c);
        tsc_dec_free(c);
    }
    c->closed = 1;
}
