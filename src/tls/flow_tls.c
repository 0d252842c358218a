/*
 * flow_tls.c - the session layer as a consumer of flows (see flow_tls.h).
 *
 * The one file outside the session layer that writes a struct tsc_conn
 * field: reported, when it is shown before it ends.
 */
#include "tls/flow_tls.h"

#include <stdlib.h>

#include "registry/suite.h"

struct flow_tls {
    struct tsc_session_ctx sc;
    const struct tsc_sink *sink; /* written once, in ctx_new: read by release on the emitter thread */
};

static struct tsc_conn *conn_of(struct tsc_flow_conn *h) { return (struct tsc_conn *)(void *)h; }
static const struct tsc_conn *cconn_of(const struct tsc_flow_conn *h)
{
    return (const struct tsc_conn *)(const void *)h;
}

static void *tls_ctx_new(const void *arg, const struct tsc_limits *lim)
{
    const struct tsc_flow_tls_cfg *cfg = arg;
    struct flow_tls *ft = calloc(1, sizeof *ft);
    if (!ft)
        return NULL;
    if (!tsc_is_ok(tsc_session_ctx_init(&ft->sc, cfg->sink, lim))) {
        free(ft);
        return NULL;
    }
    ft->sink = cfg->sink;
    if (cfg->dec)
        tsc_session_set_decrypt(&ft->sc, cfg->dec);
    return ft;
}

void tsc_flow_tls_set_decrypt(void *ctx, const struct tsc_decrypt_cfg *dec)
{
    struct flow_tls *ft = ctx;
    if (ft && dec && !ft->sc.dec)
        tsc_session_set_decrypt(&ft->sc, dec);
}

static void tls_ctx_free(void *ctx)
{
    struct flow_tls *ft = ctx;
    if (!ft)
        return;
    tsc_session_ctx_free(&ft->sc);
    free(ft);
}

/* The weak-suite table session.c consults is built on first use: before
 * threads share it. */
static void tls_prepare(const void *arg)
{
    (void)arg;
    (void)tsc_suite_flags(0);
}

static struct tsc_flow_conn *tls_open(void *ctx, const struct tsc_flow_info *fi)
{
    (void)ctx;
    if (fi->proto == TSC_FLOW_UDP) {
        /* asked again with each datagram until one starts DTLS or QUIC */
        int server_sent = 0;
        int quic = tsc_quic_datagram_starts(fi->payload, fi->payload_len, &server_sent);
        if (!quic && !tsc_dtls_datagram_plausible(fi->payload, fi->payload_len))
            return NULL;
        struct tsc_conn *c = tsc_conn_new(fi->order, &fi->a, &fi->b, fi->start_us);
        if (!c)
            return NULL;
        if (quic) {
            /* QUIC's roles come from the packet types (its per-direction
             * state is not moved once packets are read); when the first
             * packet cannot tell, the lower port is the server's (443, 853
             * against a client's ephemeral port) */
            c->transport = TSC_TRANSPORT_QUIC;
            if (server_sent < 0) {
                uint16_t mine = fi->payload_side == 0 ? fi->a.port : fi->b.port;
                uint16_t theirs = fi->payload_side == 0 ? fi->b.port : fi->a.port;
                server_sent = mine < theirs;
            }
            tsc_conn_set_client_side(c, fi->payload_side ^ server_sent, 1);
            return (struct tsc_flow_conn *)(void *)c;
        }
        c->transport = TSC_TRANSPORT_DTLS;
        /* until a hello says otherwise, the sender of the first DTLS datagram */
        tsc_conn_set_client_side(c, fi->payload_side, 0);
        return (struct tsc_flow_conn *)(void *)c;
    }
    struct tsc_conn *c = tsc_conn_new(fi->order, &fi->a, &fi->b, fi->start_us);
    if (!c)
        return NULL;
    /* a capture that began inside the connection may begin inside a
     * handshake message: wait for a record that starts with one */
    tsc_conn_set_midstream(c, !fi->saw_start);
    tsc_conn_set_client_side(c, fi->client_side, fi->client_known);
    return (struct tsc_flow_conn *)(void *)c;
}

static void tls_bytes(void *ctx, struct tsc_flow_conn *h, int side, const uint8_t *p, size_t n, int64_t ts)
{
    struct flow_tls *ft = ctx;
    tsc_session_feed(&ft->sc, conn_of(h), side, p, n, ts);
}

static void tls_gap(void *ctx, struct tsc_flow_conn *h, int side, uint64_t missing, int64_t ts)
{
    struct flow_tls *ft = ctx;
    tsc_session_gap(&ft->sc, conn_of(h), side, missing, ts);
}

static int tls_datagram(void *ctx, struct tsc_flow_conn *h, int side, const uint8_t *p, size_t n, size_t wire,
                        int64_t ts)
{
    struct flow_tls *ft = ctx;
    struct tsc_conn *c = conn_of(h);
    if (c->is_tls && tsc_session_datagram_starts_new(c, p, n))
        return TSC_FLOW_NEW_CONN;
    tsc_session_datagram(&ft->sc, c, side, p, n, wire, ts);
    return 0;
}

static void tls_client(void *ctx, struct tsc_flow_conn *h, int side)
{
    (void)ctx;
    tsc_conn_set_client_side(conn_of(h), side, 1);
}

static void tls_error(void *ctx, struct tsc_flow_conn *h, int kind, const char *why, uint64_t detail, int64_t ts)
{
    struct flow_tls *ft = ctx;
    tsc_session_error(&ft->sc, conn_of(h), TSC_C2S, kind, 0, why, detail, ts);
}

static void tls_close(void *ctx, struct tsc_flow_conn *h, int64_t ts)
{
    struct flow_tls *ft = ctx;
    tsc_session_close(&ft->sc, conn_of(h), ts);
}

static int tls_reportable(void *ctx, const struct tsc_flow_conn *h)
{
    (void)ctx;
    return cconn_of(h)->is_tls;
}

static int tls_complete(void *ctx, const struct tsc_flow_conn *h)
{
    (void)ctx;
    /* the handshake is done, or an alert ended it (DTLS has no FIN to wait for) */
    return cconn_of(h)->complete || cconn_of(h)->ended;
}

static int tls_over(void *ctx, const struct tsc_flow_conn *h)
{
    (void)ctx;
    return cconn_of(h)->ended;
}

static void tls_release(void *ctx, struct tsc_flow_conn *h, uint64_t ordinal)
{
    const struct flow_tls *ft = ctx;
    struct tsc_conn *c = conn_of(h);
    if (ordinal) {
        if (ft->sink && ft->sink->emit)
            ft->sink->emit(ft->sink->ctx, c, ordinal);
        c->reported = 1; /* live: the session sends no more events for it */
    } else if (ft->sink && ft->sink->discard) {
        ft->sink->discard(ft->sink->ctx, c);
    }
}

static void tls_free(void *ctx, struct tsc_flow_conn *h)
{
    (void)ctx;
    tsc_conn_free(conn_of(h));
}

static const struct tsc_flow_ops tls_ops = {
    .ctx_new = tls_ctx_new,
    .ctx_free = tls_ctx_free,
    .prepare = tls_prepare,
    .open = tls_open,
    .bytes = tls_bytes,
    .gap = tls_gap,
    .datagram = tls_datagram,
    .client = tls_client,
    .error = tls_error,
    .close = tls_close,
    .reportable = tls_reportable,
    .complete = tls_complete,
    .over = tls_over,
    .release = tls_release,
    .free = tls_free,
    .conn_size = sizeof(struct tsc_conn),
};

struct tsc_flow_factory tsc_flow_tls_factory(const struct tsc_flow_tls_cfg *cfg)
{
    struct tsc_flow_factory f = {&tls_ops, cfg};
    return f;
}
