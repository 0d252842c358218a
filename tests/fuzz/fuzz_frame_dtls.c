/* Fuzz target: DTLS from the UDP seam on (tls/frame_dtls.c, then record
 * protection, fragment reassembly, decoders, facts, events), without the
 * capture layer: the datagrams of one 5-tuple handed to the TLS layer the
 * way flow_tls.c and the pipeline hand them, then closed and rendered.
 *
 * The first byte: bit 0 JSON (else -v); bit 1 a key log follows as
 * [len u16][len bytes] and the run decrypts with it; bit 2 decrypted
 * application data goes to the sink (--data); bit 3 live capture (a
 * connection is shown as soon as its handshake completes or an alert ends
 * it). Then datagrams [ctl][len u16][len bytes]: ctl bit 0 the side; bit 1
 * the snaplen cut the datagram, whose length on the wire was
 * len + 1 + (ctl >> 2).
 *
 * As in the pipeline: no connection until a datagram is plausibly DTLS
 * (its sender taken for the client until a hello says otherwise), and a
 * datagram that starts the next connection on the 5-tuple closes the one
 * before. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/keylog.h"
#include "report/report.h"
#include "fuzz_format.h"
#include "tls/session.h"

#define MAX_CONNS 16 /* connections one input may start on its 5-tuple */

struct run {
    struct tsc_session_ctx sc;
    const struct tsc_sink *sink;
    int live;
    struct tsc_conn *c;
    uint64_t seq;
};

static void conn_open(struct run *r, int side, int64_t ts)
{
    static const struct tsc_endpoint a = {4, {10, 0, 0, 1}, 40000}, b = {4, {10, 0, 0, 2}, 4433};
    r->c = tsc_conn_new(++r->seq, &a, &b, ts);
    if (!r->c)
        return;
    r->c->transport = TSC_TRANSPORT_DTLS;
    tsc_conn_set_client_side(r->c, side, 0);
}

/* End the connection as the pipeline does: closed, then shown if it is
 * TLS and live capture has not shown it, else dropped. */
static void conn_end(struct run *r, int64_t ts)
{
    struct tsc_conn *c = r->c;
    if (!c)
        return;
    tsc_session_close(&r->sc, c, ts);
    if (c->is_tls && !c->reported)
        r->sink->emit(r->sink->ctx, c, r->seq);
    else
        r->sink->discard(r->sink->ctx, c);
    tsc_conn_free(c);
    r->c = NULL;
}

static void datagram(struct run *r, int side, const uint8_t *p, size_t n, size_t wire, int64_t ts)
{
    if (r->c && r->c->is_tls && tsc_session_datagram_starts_new(r->c, p, n)) {
        conn_end(r, ts);
        if (r->seq >= MAX_CONNS)
            return;
    }
    if (!r->c) {
        if (r->seq >= MAX_CONNS || !tsc_dtls_datagram_plausible(p, n))
            return;
        conn_open(r, side, ts);
        if (!r->c)
            return;
    }
    tsc_session_datagram(&r->sc, r->c, side, p, n, wire, ts);
    if (r->live && !r->c->reported && (r->c->complete || r->c->ended)) {
        /* live: shown as soon as its handshake is done or an alert ended it
         * (the pipeline's live_report, flow_tls.c's complete and release) */
        r->sink->emit(r->sink->ctx, r->c, r->seq);
        r->c->reported = 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (size < 1 || !devnull)
        return 0;
    uint8_t cfg = data[0];
    struct tsc_cursor cur = tsc_cursor_make(data + 1, size - 1);
    struct tsc_keylog *kl = NULL;
    struct tsc_decrypt_cfg dc;
    memset(&dc, 0, sizeof dc);
    if (cfg & 2) {
        uint16_t len = 0;
        struct tsc_view v = {NULL, 0};
        if (!tsc_is_ok(tsc_cursor_u16(&cur, &len)) || !tsc_is_ok(tsc_cursor_bytes(&cur, len, &v)))
            return 0;
        kl = tsc_keylog_new();
        if (!kl)
            return 0;
        (void)tsc_keylog_parse(kl, v.p, v.len);
        (void)tsc_keylog_parse_end(kl);
        dc.keylog = kl;
        dc.app_data_events = (cfg & 4) != 0;
    }
    struct tsc_report_opts ro = {tsc_fuzz_format((unsigned)cfg >> 4), 0, 1, cfg & 4 ? 64 : 0, NULL, NULL};
    char rerr[256];
    struct tsc_report *rep = tsc_report_new(&ro, devnull, rerr, sizeof rerr);
    if (!rep) {
        tsc_keylog_free(kl);
        return 0;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.sink = tsc_report_sink(rep);
    r.live = (cfg & 8) != 0;
    struct tsc_limits lim = {1 << 14, 64, 8 << 20, 0};
    if (!tsc_is_ok(tsc_session_ctx_init(&r.sc, r.sink, &lim))) {
        tsc_report_free(rep);
        tsc_keylog_free(kl);
        return 0;
    }
    if (kl)
        tsc_session_set_decrypt(&r.sc, &dc);
    int64_t ts = 1;
    while (tsc_cursor_left(&cur) >= 3) {
        uint8_t ctl = 0;
        uint16_t len = 0;
        (void)tsc_cursor_u8(&cur, &ctl);
        (void)tsc_cursor_u16(&cur, &len);
        size_t n = len < tsc_cursor_left(&cur) ? len : tsc_cursor_left(&cur);
        struct tsc_view v = {NULL, 0};
        (void)tsc_cursor_bytes(&cur, n, &v);
        size_t wire = (ctl & 2) ? v.len + 1 + (ctl >> 2) : v.len;
        ts += 1000;
        datagram(&r, ctl & 1, v.p, v.len, wire, ts); /* empty ones too, as the pipeline does */
    }
    conn_end(&r, ts);
    tsc_session_ctx_free(&r.sc);
    (void)tsc_report_flush(rep);
    tsc_report_free(rep);
    tsc_keylog_free(kl);
    return 0;
}
