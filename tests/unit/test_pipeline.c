/*
 * test_pipeline.c - the flow table and what it hands to a consumer
 * (capture/pipeline.c through core/flow.h), with a test consumer that
 * records every call: a TCP and a UDP flow on the same addresses and ports
 * are two flows, each with its own connection; UDP datagrams arrive in
 * capture order with the first sender as the client hint; a UDP flow ends
 * at the idle timeout or the end of input and is released in order of first
 * packet; a fragmented datagram arrives whole; a consumer that declines UDP
 * gets nothing of it; an evicted flow gets the error before its close; and
 * the TLS layer's consumer reports the TCP connection but not the UDP flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pipeline.h"
#include "core/result.h"
#include "tls/flow_tls.h"
#include "pkt_builders.h"
#include "tls_builders.h"

/* ------------------------------------------------------- test consumer */

#define MAX_CALLS 64
#define MAX_CONNS 8

struct tconn {
    int id;
    struct tsc_flow_info fi;
    int closed, released, freed;
    int datagrams;
    int over; /* a datagram "bye" ended it */
    uint64_t ordinal;
};

struct tctx {
    int decline_udp;
    char log[MAX_CALLS][96]; /* one line per call, in order */
    int ncalls;
    struct tconn conns[MAX_CONNS];
    int nconns;
};

static struct tctx *g_ctx; /* the context the pipeline made, for the test to read */

static void logf_(struct tctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct tctx *t, const char *fmt, ...)
{
    assert_true(t->ncalls < MAX_CALLS);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->log[t->ncalls++], sizeof t->log[0], fmt, ap);
    va_end(ap);
}

static struct tconn *tc(struct tsc_flow_conn *h) { return (struct tconn *)(void *)h; }

static void *t_ctx_new(const void *arg, const struct tsc_limits *lim)
{
    (void)lim;
    struct tctx *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->decline_udp = arg != NULL;
    g_ctx = t;
    return t;
}

static void t_ctx_free(void *ctx) { free(ctx); }

static struct tsc_flow_conn *t_open(void *ctx, const struct tsc_flow_info *fi)
{
    struct tctx *t = ctx;
    /* declining: every UDP flow, except from a datagram that says "take" or "new" */
    if (fi->proto == TSC_FLOW_UDP && t->decline_udp &&
        !(fi->payload_len >= 4 && memcmp(fi->payload, "take", 4) == 0) &&
        !(fi->payload_len >= 3 && memcmp(fi->payload, "new", 3) == 0)) {
        logf_(t, "decline udp");
        return NULL;
    }
    assert_true(t->nconns < MAX_CONNS);
    struct tconn *c = &t->conns[t->nconns];
    c->id = t->nconns++;
    c->fi = *fi;
    logf_(t, "open %d %s start=%d client=%d/%d", c->id, fi->proto == TSC_FLOW_UDP ? "udp" : "tcp", fi->saw_start,
          fi->client_side, fi->client_known);
    return (struct tsc_flow_conn *)(void *)c;
}

static void t_bytes(void *ctx, struct tsc_flow_conn *h, int side, const uint8_t *p, size_t n, int64_t ts)
{
    (void)ts;
    logf_(ctx, "bytes %d side=%d %.*s", tc(h)->id, side, (int)n, (const char *)p);
}

static void t_gap(void *ctx, struct tsc_flow_conn *h, int side, uint64_t missing, int64_t ts)
{
    (void)ts;
    logf_(ctx, "gap %d side=%d %llu", tc(h)->id, side, (unsigned long long)missing);
}

static int t_datagram(void *ctx, struct tsc_flow_conn *h, int side, const uint8_t *p, size_t n, size_t wire,
                      int64_t ts)
{
    /* "new" begins the next connection, unless it is the connection's first */
    if (n >= 3 && memcmp(p, "new", 3) == 0 && tc(h)->datagrams > 0) {
        logf_(ctx, "new %d", tc(h)->id);
        return TSC_FLOW_NEW_CONN;
    }
    tc(h)->datagrams++;
    if (n >= 3 && memcmp(p, "bye", 3) == 0)
        tc(h)->over = 1;
    logf_(ctx, "datagram %d side=%d %.*s %zu/%zu t=%lld", tc(h)->id, side, (int)n, (const char *)p, n, wire,
          (long long)ts);
    return 0;
}

static void t_client(void *ctx, struct tsc_flow_conn *h, int side) { logf_(ctx, "client %d %d", tc(h)->id, side); }

static void t_error(void *ctx, struct tsc_flow_conn *h, int kind, const char *why, uint64_t detail, int64_t ts)
{
    (void)why;
    (void)detail;
    (void)ts;
    logf_(ctx, "error %d kind=%d", tc(h)->id, kind);
}

static void t_close(void *ctx, struct tsc_flow_conn *h, int64_t ts)
{
    assert_false(tc(h)->closed);
    tc(h)->closed = 1;
    logf_(ctx, "close %d t=%lld", tc(h)->id, (long long)ts);
}

/* every connection is reported */
static int t_reportable(void *ctx, const struct tsc_flow_conn *h)
{
    (void)ctx;
    (void)h;
    return 1;
}

static int t_complete(void *ctx, const struct tsc_flow_conn *h)
{
    (void)ctx;
    (void)h;
    return 0;
}

static int t_over(void *ctx, const struct tsc_flow_conn *h)
{
    (void)ctx;
    return ((const struct tconn *)(const void *)h)->over;
}

static void t_release(void *ctx, struct tsc_flow_conn *h, uint64_t ordinal)
{
    tc(h)->released = 1;
    tc(h)->ordinal = ordinal;
    logf_(ctx, "release %d #%llu", tc(h)->id, (unsigned long long)ordinal);
}

static void t_free(void *ctx, struct tsc_flow_conn *h)
{
    (void)ctx;
    tc(h)->freed = 1;
}

static const struct tsc_flow_ops t_ops = {
    .ctx_new = t_ctx_new,
    .ctx_free = t_ctx_free,
    .open = t_open,
    .bytes = t_bytes,
    .gap = t_gap,
    .datagram = t_datagram,
    .client = t_client,
    .error = t_error,
    .close = t_close,
    .reportable = t_reportable,
    .complete = t_complete,
    .over = t_over,
    .release = t_release,
    .free = t_free,
    .conn_size = sizeof(struct tconn),
};

/* ---------------------------------------------------------------- helpers */

static const uint8_t CLI[4] = {10, 0, 0, 1}, SRV[4] = {10, 0, 0, 2};

static struct tsc_pipeline *new_pipeline(int decline_udp, size_t max_flows, int64_t idle_us)
{
    struct tsc_limits lim = {0, max_flows, 0, idle_us};
    struct tsc_flow_factory fac = {&t_ops, decline_udp ? "decline" : NULL};
    struct tsc_pipeline *pl = tsc_pipeline_new(&lim, &fac);
    assert_non_null(pl);
    assert_ptr_equal(tsc_pipeline_consumer(pl), g_ctx);
    return pl;
}

static void udp(struct tsc_pipeline *pl, int from_client, uint16_t cport, uint16_t sport, const char *s, int64_t ts)
{
    struct pb f;
    if (from_client)
        pb_udp4(&f, CLI, SRV, cport, sport, s, strlen(s));
    else
        pb_udp4(&f, SRV, CLI, sport, cport, s, strlen(s));
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len, ts);
}

static void tcp(struct tsc_pipeline *pl, int from_client, uint16_t cport, uint16_t sport, uint32_t seq,
                uint32_t ack, uint8_t flags, const char *s, int64_t ts)
{
    struct pb f;
    size_t n = s ? strlen(s) : 0;
    if (from_client)
        pb_tcp4(&f, CLI, SRV, cport, sport, seq, ack, flags, s, n);
    else
        pb_tcp4(&f, SRV, CLI, sport, cport, seq, ack, flags, s, n);
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len, ts);
}

static void assert_log(const struct tctx *t, const char *const *want, int n)
{
    for (int i = 0; i < n && i < t->ncalls; i++)
        assert_string_equal(t->log[i], want[i]);
    if (t->ncalls != n) {
        for (int i = 0; i < t->ncalls; i++)
            fprintf(stderr, "  call %d: %s\n", i, t->log[i]);
    }
    assert_int_equal(t->ncalls, n);
}

/* ------------------------------------------------------------------ tests */

/* A TCP connection and UDP datagrams on the same addresses and ports: two
 * flows, two connections, each fed only its own transport. */
static void tcp_and_udp_same_ports_are_two_flows(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    tcp(pl, 1, 40000, 443, 100, 0, TSC_TCP_SYN, NULL, 1);
    tcp(pl, 0, 40000, 443, 500, 101, TSC_TCP_SYN | TSC_TCP_ACK, NULL, 2);
    udp(pl, 1, 40000, 443, "u1", 3);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "t1", 4);
    udp(pl, 0, 40000, 443, "u2", 5);
    tcp(pl, 0, 40000, 443, 501, 103, TSC_TCP_ACK, "t2", 6);
    const struct tsc_pipeline_stats *st = tsc_pipeline_stats(pl);
    assert_int_equal(st->flows, 1);
    assert_int_equal(st->udp_flows, 1);
    assert_int_equal(st->tcp_packets, 4);
    assert_int_equal(st->udp_packets, 2);
    tsc_pipeline_finish(pl);
    /* flow side 0 is the lower endpoint: the client 10.0.0.1 */
    static const char *const want[] = {
        "open 0 udp start=1 client=0/0",
        "datagram 0 side=0 u1 2/2 t=3",
        "open 1 tcp start=1 client=0/1",
        "bytes 1 side=0 t1",
        "datagram 0 side=1 u2 2/2 t=5",
        "bytes 1 side=1 t2",
        /* the end: closed and released in order of first packet (TCP's SYN came first) */
        "close 1 t=6",
        "release 1 #1",
        "close 0 t=5",
        "release 0 #2",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(t->conns[0].fi.proto, TSC_FLOW_UDP);
    assert_int_equal(t->conns[1].fi.proto, TSC_FLOW_TCP);
    assert_true(t->conns[1].fi.order < t->conns[0].fi.order);
    assert_int_equal(t->conns[0].fi.a.port, 40000);
    assert_int_equal(t->conns[0].fi.b.port, 443);
    assert_true(t->conns[0].freed && t->conns[1].freed);
    tsc_pipeline_free(pl);
}

/* The first datagram's sender is the client hint (here the server port
 * talks first); a datagram cut by the snaplen says so; the flow closes at
 * the idle timeout, seen by a later packet of another flow. */
static void udp_order_and_idle_close(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 1000);
    struct tctx *t = g_ctx;
    udp(pl, 0, 5000, 6000, "first", 10);
    udp(pl, 1, 5000, 6000, "second", 20);
    struct pb f;
    pb_udp4(&f, CLI, SRV, 5000, 6000, "third!", 6);
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len - 2, 30);
    /* 1,970 us later, another flow: the first is idle, closed once a second
     * packet confirms that the capture's clock jumped */
    udp(pl, 1, 7000, 6000, "other", 2000);
    udp(pl, 1, 7000, 6000, "again", 2001);
    static const char *const want[] = {
        "open 0 udp start=1 client=1/0",
        "datagram 0 side=1 first 5/5 t=10",
        "datagram 0 side=0 second 6/6 t=20",
        "datagram 0 side=0 thir 4/6 t=30",
        "open 1 udp start=1 client=0/0",
        "datagram 1 side=0 other 5/5 t=2000",
        "close 0 t=30",
        "release 0 #1",
        "datagram 1 side=0 again 5/5 t=2001",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(tsc_pipeline_stats(pl)->idle_closed, 0); /* counts TCP connections only */
    assert_int_equal(tsc_pipeline_stats(pl)->udp_flows, 2);
    tsc_pipeline_finish(pl);
    assert_int_equal(t->conns[1].ordinal, 2);
    tsc_pipeline_free(pl);
}

/* A UDP datagram in two IPv4 fragments reaches the consumer whole. */
static void udp_fragmented_datagram(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    const char *msg = "0123456789abcdefghijklmnopqrstuv"; /* 32 bytes: 8 + 32 = 40 in the datagram */
    struct pb u = {.len = 0};
    pb_udp(&u, 4433, 4434, 32, 0);
    pb_raw(&u, msg, 32);
    struct pb f = {.len = 0};
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, CLI, SRV, 17, 16, 99, 0x2000);
    pb_raw(&f, u.b, 16);
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len, 1);
    assert_int_equal(t->ncalls, 0);
    f.len = 0;
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, CLI, SRV, 17, u.len - 16, 99, 16 / 8);
    pb_raw(&f, u.b + 16, u.len - 16);
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len, 2);
    static const char *const want[] = {
        "open 0 udp start=1 client=0/0",
        "datagram 0 side=0 0123456789abcdefghijklmnopqrstuv 32/32 t=2",
    };
    assert_log(t, want, 2);
    assert_int_equal(tsc_pipeline_stats(pl)->fragments_reassembled, 1);
    tsc_pipeline_free(pl); /* unreleased connections are dropped and freed */
    /* (g_ctx is gone with the pipeline) */
}

/* A consumer that declines UDP flows hears nothing of them, and they hold
 * nothing back: the TCP connection after them is released at its close. */
static void declined_udp_flows(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(1, 0, 0);
    struct tctx *t = g_ctx;
    udp(pl, 1, 40000, 53, "query", 1);
    udp(pl, 0, 40000, 53, "answer", 2);
    tcp(pl, 1, 40001, 443, 100, 0, TSC_TCP_SYN, NULL, 3);
    tcp(pl, 1, 40001, 443, 101, 0, TSC_TCP_ACK, "x", 4);
    tcp(pl, 1, 40001, 443, 102, 0, TSC_TCP_ACK | TSC_TCP_FIN, NULL, 5);
    tcp(pl, 0, 40001, 443, 900, 103, TSC_TCP_ACK | TSC_TCP_FIN, NULL, 6);
    static const char *const want[] = {
        "decline udp",
        "decline udp", /* asked again: a datagram says what it carries */
        "open 0 tcp start=1 client=0/1",
        "bytes 0 side=0 x",
        "close 0 t=6",
        "release 0 #1",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(tsc_pipeline_watermark(pl), UINT64_MAX);
    assert_int_equal(tsc_pipeline_stats(pl)->udp_flows, 1);
    assert_int_equal(tsc_pipeline_stats(pl)->udp_packets, 2);
    tsc_pipeline_finish(pl);
    assert_int_equal(t->ncalls, 6);
    tsc_pipeline_free(pl);
}

/* A UDP flow declined for its first datagrams (STUN before DTLS, RFC 7983)
 * is taken by a later one; a datagram that begins the next connection on
 * the 5-tuple closes this one and opens that one with it. */
static void udp_taken_late_and_restarted(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(1, 0, 0);
    struct tctx *t = g_ctx;
    udp(pl, 1, 40000, 3478, "stun", 1);
    udp(pl, 0, 40000, 3478, "take it", 2);
    udp(pl, 1, 40000, 3478, "more", 3);
    udp(pl, 1, 40000, 3478, "new one", 4);
    tsc_pipeline_finish(pl);
    static const char *const want[] = {
        "decline udp",
        "open 0 udp start=1 client=0/0",
        "datagram 0 side=1 take it 7/7 t=2",
        "datagram 0 side=0 more 4/4 t=3",
        "new 0",
        "close 0 t=4",
        "release 0 #1",
        "open 1 udp start=1 client=0/0",
        "datagram 1 side=0 new one 7/7 t=4",
        "close 1 t=4",
        "release 1 #2",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    tsc_pipeline_free(pl);
}

/* A UDP connection that says it is over ends TSC_FLOW_OVER_US after,
 * without waiting for the idle timeout: a datagram within the grace still
 * goes to it, the first packet past it (any flow's) ends it, and its
 * 5-tuple then starts afresh. */
static void udp_over_ends_early(void **state)
{
    (void)state;
    const int64_t s = 1000000;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 600 * s);
    struct tctx *t = g_ctx;
    udp(pl, 1, 40000, 443, "hello", 1 * s);
    udp(pl, 1, 40000, 443, "bye", 2 * s);
    udp(pl, 0, 40000, 443, "late", 3 * s);
    udp(pl, 1, 40001, 443, "other", 2 * s + TSC_FLOW_OVER_US + 1);
    udp(pl, 1, 40000, 443, "after", 9 * s);
    tsc_pipeline_finish(pl);
    static const char *const want[] = {
        "open 0 udp start=1 client=0/0",
        "datagram 0 side=0 hello 5/5 t=1000000",
        "datagram 0 side=0 bye 3/3 t=2000000",
        "datagram 0 side=1 late 4/4 t=3000000",
        "close 0 t=3000000",
        "release 0 #1",
        "open 1 udp start=1 client=0/0",
        "datagram 1 side=0 other 5/5 t=7000001",
        "open 2 udp start=1 client=0/0",
        "datagram 2 side=0 after 5/5 t=9000000",
        "close 1 t=7000001",
        "release 1 #2",
        "close 2 t=9000000",
        "release 2 #3",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    tsc_pipeline_free(pl);
}

/* Two flows at most: a third evicts the least recently active, whose
 * connection gets the error (a LIMIT) before its close. TCP data before any
 * SYN is a connection the capture saw begin mid-way. */
static void eviction_and_midstream(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 2, 0);
    struct tctx *t = g_ctx;
    tcp(pl, 1, 40000, 443, 100, 0, TSC_TCP_ACK, "a", 1);
    udp(pl, 1, 40000, 443, "b", 2);
    udp(pl, 1, 40002, 443, "c", 3);
    static const char *const want[] = {
        "open 0 tcp start=0 client=0/0",
        "bytes 0 side=0 a",
        "open 1 udp start=1 client=0/0",
        "datagram 1 side=0 b 1/1 t=2",
        "error 0 kind=3",
        "close 0 t=3",
        "release 0 #1",
        "open 2 udp start=1 client=0/0",
        "datagram 2 side=0 c 1/1 t=3",
    };
    assert_int_equal(TSC_LIMIT, 3);
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(tsc_pipeline_stats(pl)->evictions, 1);
    tsc_pipeline_finish(pl);
    tsc_pipeline_free(pl);
}

/* ------------------------------------------------- the TLS layer's consumer */

struct count_sink {
    int emitted, discarded;
    uint16_t port;
};

static void cs_emit(void *ctx, struct tsc_conn *c, uint64_t ordinal)
{
    struct count_sink *s = ctx;
    s->emitted++;
    s->port = c->server.port;
    assert_int_equal(ordinal, (uint64_t)s->emitted);
}

static void cs_discard(void *ctx, struct tsc_conn *c)
{
    (void)c;
    ((struct count_sink *)ctx)->discarded++;
}

/* A ClientHello record (TLS 1.2, one suite, no extensions). */
static void client_hello(struct tb *t)
{
    uint8_t random[32] = {1};
    tb_init(t);
    tb_u8(t, 22);
    tb_u16(t, 0x0301);
    tb_open(t, 2);
    tb_hs_open(t, 1);
    tb_u16(t, 0x0303);
    tb_raw(t, random, sizeof random);
    tb_u8(t, 0);
    tb_u16(t, 2);
    tb_u16(t, 0xc02f);
    tb_u8(t, 1);
    tb_u8(t, 0);
    tb_close(t);
    tb_close(t);
}

static void tls_consumer_reports_tcp_not_udp(void **state)
{
    (void)state;
    struct count_sink cs = {0};
    struct tsc_sink sink = {&cs, NULL, cs_emit, cs_discard};
    struct tsc_flow_tls_cfg cfg = {&sink, NULL};
    struct tsc_flow_factory fac = tsc_flow_tls_factory(&cfg);
    struct tsc_limits lim = {0};
    struct tsc_pipeline *pl = tsc_pipeline_new(&lim, &fac);
    assert_non_null(pl);
    struct tb ch;
    client_hello(&ch);
    struct tsc_view v = tb_view(&ch);
    struct pb f;
    /* the same ClientHello bytes in a UDP datagram first, then on TCP */
    pb_udp4(&f, CLI, SRV, 40000, 443, v.p, v.len);
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len, 1);
    tcp(pl, 1, 40000, 443, 100, 0, TSC_TCP_SYN, NULL, 2);
    pb_tcp4(&f, CLI, SRV, 40000, 443, 101, 0, TSC_TCP_ACK, v.p, v.len);
    tsc_pipeline_packet(pl, TSC_LINK_ETHERNET, f.b, f.len, 3);
    tsc_pipeline_finish(pl);
    assert_int_equal(cs.emitted, 1);
    assert_int_equal(cs.port, 443);
    assert_int_equal(cs.discarded, 0);
    assert_int_equal(tsc_pipeline_stats(pl)->tls_connections, 1);
    assert_int_equal(tsc_pipeline_stats(pl)->udp_flows, 1);
    tsc_pipeline_free(pl);
}


#define F_SA (TSC_TCP_SYN | TSC_TCP_ACK)
#define F_FA (TSC_TCP_FIN | TSC_TCP_ACK)

/* The SYN (ISN 100) and SYN-ACK (ISN 500) of the client port 40000, at 1 and 2. */
static void syn_synack(struct tsc_pipeline *pl)
{
    tcp(pl, 1, 40000, 443, 100, 0, TSC_TCP_SYN, NULL, 1);
    tcp(pl, 0, 40000, 443, 500, 101, F_SA, NULL, 2);
}

/* The server's first segment is lost; both sides close; its retransmission
 * comes after both FINs. The bytes below the server's FIN still belong to
 * the stream: delivered in order, no gap, and the connection closes then. */
static void tcp_late_data_after_both_fins(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    syn_synack(pl);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "hello", 3);
    /* server's "AAAA" at 501 lost; "BB" at 505 arrives */
    tcp(pl, 0, 40000, 443, 505, 106, TSC_TCP_ACK, "BB", 4);
    tcp(pl, 1, 40000, 443, 106, 501, F_FA, NULL, 5);
    tcp(pl, 0, 40000, 443, 507, 107, F_FA, NULL, 6);
    assert_int_equal(t->ncalls, 2); /* open, bytes: nothing closed yet */
    tcp(pl, 0, 40000, 443, 501, 107, TSC_TCP_ACK, "AAAA", 7);
    static const char *const want[] = {
        "open 0 tcp start=1 client=0/1",
        "bytes 0 side=0 hello",
        "bytes 0 side=1 AAAA",
        "bytes 0 side=1 BB",
        "close 0 t=7",
        "release 0 #1",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    /* the last ACK and another copy of the FIN: the closed connection's tail */
    tcp(pl, 1, 40000, 443, 107, 508, TSC_TCP_ACK, NULL, 8);
    tcp(pl, 0, 40000, 443, 507, 107, F_FA, NULL, 9);
    tsc_pipeline_finish(pl);
    assert_int_equal(t->ncalls, 6);
    assert_int_equal(tsc_pipeline_stats(pl)->gaps, 0);
    tsc_pipeline_free(pl);
}

/* The same, but the lost bytes never come: at the end of the file what is
 * missing below the FIN is a gap of exactly that size, reported before the
 * bytes after it and the close. */
static void tcp_hole_before_fin_is_a_gap_at_the_end(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    syn_synack(pl);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "hello", 3);
    tcp(pl, 0, 40000, 443, 505, 106, F_FA, "BB", 4); /* data and FIN in one segment */
    tcp(pl, 1, 40000, 443, 106, 501, F_FA, NULL, 5);
    /* a lost tail: the client's FIN says its data ended at 110, 4 bytes after "hello" */
    tcp(pl, 1, 40000, 443, 110, 501, F_FA, NULL, 6);
    tsc_pipeline_finish(pl);
    static const char *const want[] = {
        "open 0 tcp start=1 client=0/1",
        "bytes 0 side=0 hello",
        "gap 0 side=0 4",
        "gap 0 side=1 4",
        "bytes 0 side=1 BB",
        "close 0 t=6",
        "release 0 #1",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(tsc_pipeline_stats(pl)->gaps, 2);
    tsc_pipeline_free(pl);
}

/* A connection waiting for bytes below its FINs ends TSC_FLOW_OVER_US of
 * capture time after both FINs (as Zeek's tcp_close_delay), not at the idle
 * timeout, so that later connections are released; what came late after
 * that is the closed connection's tail, which opens nothing. */
static void tcp_waiting_after_fins_ends_after_the_grace(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    syn_synack(pl);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "hi", 3);
    tcp(pl, 0, 40000, 443, 503, 103, F_FA, "BB", 4); /* 2 bytes at 501 missing */
    tcp(pl, 1, 40000, 443, 103, 501, F_FA, NULL, 5);
    tcp(pl, 1, 40001, 443, 100, 0, TSC_TCP_SYN, NULL, 5 + TSC_FLOW_OVER_US / 2);
    tcp(pl, 1, 40001, 443, 101, 0, TSC_TCP_ACK, "x", 6 + TSC_FLOW_OVER_US / 2);
    assert_int_equal(t->ncalls, 4); /* open 0, bytes 0, open 1, bytes 1: the first still waits */
    tcp(pl, 1, 40001, 443, 102, 0, TSC_TCP_ACK, "y", 6 + TSC_FLOW_OVER_US);
    tcp(pl, 0, 40000, 443, 501, 104, TSC_TCP_ACK, "AA", 7 + TSC_FLOW_OVER_US); /* too late */
    tsc_pipeline_finish(pl);
    static const char *const want[] = {
        "open 0 tcp start=1 client=0/1",
        "bytes 0 side=0 hi",
        "open 1 tcp start=1 client=0/1",
        "bytes 1 side=0 x",
        "gap 0 side=1 2",
        "bytes 0 side=1 BB",
        "close 0 t=5",
        "release 0 #1",
        "bytes 1 side=0 y",
        "close 1 t=" ,
    };
    assert_int_equal(t->nconns, 2);
    for (int i = 0; i < 9; i++)
        assert_string_equal(t->log[i], want[i]);
    assert_int_equal(strncmp(t->log[9], want[9], strlen(want[9])), 0);
    assert_int_equal(t->ncalls, 11); /* ... and release 1 */
    tsc_pipeline_free(pl);
}

/* The same SYN (same ISN) again after the connection closed is that
 * connection's retransmission: nothing new. A SYN with another ISN after the
 * close is a new connection on the same ports (port reuse), and so is one
 * after an RST. */
static void tcp_repeated_syn_and_port_reuse(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    syn_synack(pl);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "one", 3);
    tcp(pl, 1, 40000, 443, 104, 501, F_FA, NULL, 4);
    tcp(pl, 0, 40000, 443, 501, 105, F_FA, NULL, 5);
    tcp(pl, 1, 40000, 443, 100, 0, TSC_TCP_SYN, NULL, 6); /* the first SYN again */
    tcp(pl, 0, 40000, 443, 500, 101, F_SA, NULL, 7);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "one", 8); /* and its data */
    assert_int_equal(t->nconns, 1);
    tcp(pl, 1, 40000, 443, 9000, 0, TSC_TCP_SYN, NULL, 9); /* port reuse */
    tcp(pl, 0, 40000, 443, 7000, 9001, F_SA, NULL, 10);
    tcp(pl, 1, 40000, 443, 9001, 7001, TSC_TCP_ACK, "two", 11);
    tcp(pl, 0, 40000, 443, 7001, 9004, TSC_TCP_RST, NULL, 12);
    tcp(pl, 1, 40000, 443, 9000, 0, TSC_TCP_SYN, NULL, 13); /* the same SYN after the RST: a retransmission */
    assert_int_equal(t->nconns, 2);
    tcp(pl, 1, 40000, 443, 300, 0, TSC_TCP_SYN, NULL, 14); /* another ISN after the RST: new */
    tcp(pl, 1, 40000, 443, 301, 0, TSC_TCP_ACK, "three", 15);
    tsc_pipeline_finish(pl);
    static const char *const want[] = {
        "open 0 tcp start=1 client=0/1",
        "bytes 0 side=0 one",
        "close 0 t=5",
        "release 0 #1",
        "open 1 tcp start=1 client=0/1",
        "bytes 1 side=0 two",
        "client 1 0", /* the SYN again after the RST: the same connection, its client confirmed */
        "close 1 t=14",
        "release 1 #2",
        "open 2 tcp start=1 client=0/1",
        "bytes 2 side=0 three",
        "close 2 t=15",
        "release 2 #3",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(tsc_pipeline_stats(pl)->flows, 3);
    tsc_pipeline_free(pl);
}


/* A FIN far from the stream (forged, or another connection's) says nothing
 * about where the data ends: no hole of gigabytes. And a FIN that is the
 * first thing after two SYN-ACKs with different ISNs follows the second. */
static void tcp_fin_out_of_reach_and_after_two_syn_acks(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    syn_synack(pl);
    tcp(pl, 1, 40000, 443, 101, 501, TSC_TCP_ACK, "hello", 3);
    tcp(pl, 1, 40000, 443, 106u + 0x7fffff00u, 501, F_FA, NULL, 4); /* far off */
    tcp(pl, 1, 40000, 443, 106, 501, F_FA, NULL, 5);
    tcp(pl, 0, 40000, 443, 501, 107, F_FA, NULL, 6);
    /* the second connection: the server answers twice, then only closes */
    tcp(pl, 1, 40001, 443, 100, 0, TSC_TCP_SYN, NULL, 7);
    tcp(pl, 0, 40001, 443, 500, 101, F_SA, NULL, 8);
    tcp(pl, 0, 40001, 443, 9000, 101, F_SA, NULL, 9);
    tcp(pl, 1, 40001, 443, 101, 9001, TSC_TCP_ACK, "hi", 10);
    tcp(pl, 0, 40001, 443, 9001, 103, F_FA, NULL, 11);
    tcp(pl, 1, 40001, 443, 103, 9002, F_FA, NULL, 12);
    static const char *const want[] = {
        "open 0 tcp start=1 client=0/1",
        "bytes 0 side=0 hello",
        "close 0 t=6",
        "release 0 #1",
        "open 1 tcp start=1 client=0/1",
        "bytes 1 side=0 hi",
        "close 1 t=12",
        "release 1 #2",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    assert_int_equal(tsc_pipeline_stats(pl)->gaps, 0);
    tsc_pipeline_finish(pl);
    tsc_pipeline_free(pl);
}

/* From a file, a hole the peer ACKed stays open TSC_FLOW_OVER_US of capture
 * time for a late copy; after that the next ACK gives up on it. */
static void tcp_acked_hole_waits_then_gives_up(void **state)
{
    (void)state;
    struct tsc_pipeline *pl = new_pipeline(0, 0, 0);
    struct tctx *t = g_ctx;
    syn_synack(pl);
    tcp(pl, 0, 40000, 443, 505, 101, TSC_TCP_ACK, "BB", 3); /* 4 bytes at 501 not captured */
    tcp(pl, 1, 40000, 443, 101, 507, TSC_TCP_ACK, NULL, 4); /* the client has them all */
    tcp(pl, 1, 40000, 443, 101, 507, TSC_TCP_ACK, NULL, 5 + TSC_FLOW_OVER_US / 2);
    assert_int_equal(t->ncalls, 0); /* still waiting for a copy */
    tcp(pl, 1, 40000, 443, 101, 507, TSC_TCP_ACK, NULL, 5 + TSC_FLOW_OVER_US);
    static const char *const want[] = {
        "open 0 tcp start=1 client=0/1",
        "gap 0 side=1 4",
        "bytes 0 side=1 BB",
    };
    assert_log(t, want, (int)(sizeof want / sizeof want[0]));
    tsc_pipeline_finish(pl);
    tsc_pipeline_free(pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_and_udp_same_ports_are_two_flows),
        cmocka_unit_test(udp_order_and_idle_close),
        cmocka_unit_test(udp_fragmented_datagram),
        cmocka_unit_test(udp_taken_late_and_restarted),
        cmocka_unit_test(udp_over_ends_early),
        cmocka_unit_test(declined_udp_flows),
        cmocka_unit_test(eviction_and_midstream),
        cmocka_unit_test(tls_consumer_reports_tcp_not_udp),
        cmocka_unit_test(tcp_late_data_after_both_fins),
        cmocka_unit_test(tcp_hole_before_fin_is_a_gap_at_the_end),
        cmocka_unit_test(tcp_waiting_after_fins_ends_after_the_grace),
        cmocka_unit_test(tcp_repeated_syn_and_port_reuse),
        cmocka_unit_test(tcp_fin_out_of_reach_and_after_two_syn_acks),
        cmocka_unit_test(tcp_acked_hole_waits_then_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
