/*
 * pipeline.c - IP fragments, flow table, TCP reassembly, UDP datagrams,
 * ordered release (see pipeline.h).
 */
#include "capture/pipeline.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/result.h"

/* ------------------------------------------------------------ structures */

/* a - b for timestamps from hostile files: saturated, never overflowing */
static int64_t elapsed(int64_t a, int64_t b)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return a > b ? INT64_MAX : INT64_MIN;
    return d;
}

struct seg {
    struct seg *next;
    uint32_t seq;
    uint32_t len;
    int64_t ts;
    uint8_t data[];
};

struct tcpdir {
    uint8_t init; /* next_seq is known */
    uint8_t fin;
    uint8_t syn;  /* isn is known */
    uint8_t has_alt;
    uint32_t isn;
    uint32_t alt_isn; /* another ISN seen in a repeated SYN-ACK */
    uint8_t hole_acked; /* from a file: the peer ACKed past a hole at hole_seq, at hole_us */
    uint32_t fin_seq; /* the FIN's sequence number: the direction's data ends before it */
    uint32_t hole_seq;
    int64_t hole_us;
    uint32_t next_seq;
    struct seg *ooo; /* sorted by seq, each starting after next_seq */
    size_t ooo_bytes;
};

struct flow_key {
    uint8_t family;
    uint8_t proto; /* TSC_FLOW_TCP or TSC_FLOW_UDP: the same ports in each are two flows */
    uint8_t pad[2];
    uint16_t port[2];
    uint8_t addr[2][16];
};

struct flow;

/* The pipeline's record of one consumer connection: its place in the
 * release queue, and what the pipeline decided about it. */
struct conn_rec {
    struct conn_rec *next, *prev; /* release queue, in order of first packet */
    struct flow *owner;           /* the flow feeding it; NULL once closed */
    struct tsc_flow_conn *h;      /* the consumer's connection */
    uint64_t order;
    uint8_t closed;
    uint8_t reported;             /* released with an ordinal already (live) */
};

struct flow {
    struct flow *hnext;
    struct flow *lru_prev, *lru_next;
    uint64_t hash;
    struct flow_key key;  /* side 0 = the lower (addr, port) */
    struct tcpdir tcp[2];
    struct tsc_flow_conn *conn; /* opened with the first payload byte (UDP: datagram) */
    struct conn_rec *rec;       /* conn's record */
    uint64_t seq;          /* the connection's order of first packet */
    int64_t start_us, last_us;
    uint8_t client_side;   /* hint for the connection: flow side of the client */
    uint8_t client_fixed;  /* the hint comes from a SYN */
    uint8_t closed;        /* the connection is over; the flow absorbs its tail */
    uint8_t reset;         /* an RST was seen (the connection closes at a new SYN, idle or the end) */
    uint8_t declined;      /* the consumer does not follow this connection */
    uint8_t on_over;       /* UDP: its connection is over, on the pipeline's over list */
    struct flow *over_prev, *over_next;
    int64_t over_us;       /* when it was over */
};

#define FRAG_MAX_PENDING 64
#define FRAG_TIMEOUT_US ((int64_t)30 * 1000000)
#define FRAG_MAX_LEN 65535

struct frag {
    struct frag *next;
    struct tsc_fragment info; /* of the first fragment seen; data not used */
    int64_t first_us;
    uint32_t total; /* 0 until the last fragment is seen */
    uint32_t have;
    uint8_t *buf;
    uint8_t bits[(FRAG_MAX_LEN + 7) / 8];
};

struct tsc_pipeline {
    const struct tsc_flow_ops *ops; /* the consumer */
    void *ctx;                      /* its context for this pipeline */
    struct tsc_limits lim;
    struct tsc_hash_key key;
    struct flow **buckets;
    size_t nbuckets, nflows, nconns;
    struct flow *lru_head, *lru_tail; /* head = most recent */
    struct flow *over_head, *over_tail; /* UDP flows whose connection is over, oldest first */
    struct conn_rec *q_head, *q_tail; /* connections in order of first packet */
    struct frag *frags;
    size_t nfrags;
    size_t ooo_total;
    uint64_t next_seq, ordinal, created;
    int64_t clock, jump_to; /* the capture's clock for idle timeouts */
    void (*handoff)(void *arg, struct tsc_flow_conn *c, uint64_t order); /* -j: to the merger */
    void *handoff_arg;
    void (*reassembled)(void *arg, const struct tsc_packet *pk, int64_t ts); /* -j: datagrams to route */
    void *reassembled_arg;
    int own_estimate; /* -j: judge memory by this pipeline's own estimate */
    size_t heap_base;  /* heap in use when the pipeline was made (a key log, the report) */
    int clock_set, jump_seen;
    int live;
    struct tsc_pipeline_stats st;
};

/* What the pipeline itself holds: flows, connections, queued segments, fragments. */
static size_t mem_estimate(const struct tsc_pipeline *pl)
{
    return pl->nflows * sizeof(struct flow) + pl->nconns * (sizeof(struct conn_rec) + pl->ops->conn_size) +
           pl->ooo_total +
           pl->nfrags * (sizeof(struct frag) + FRAG_MAX_LEN) + pl->nbuckets * sizeof(struct flow *);
}

/* Heap in use by the whole process where the C library can tell (glibc):
 * that also counts record and message buffers, certificate summaries and the
 * report's pending output. Else the pipeline's own estimate. */
static size_t mem_used(const struct tsc_pipeline *pl)
{
    if (pl->own_estimate)
        return mem_estimate(pl);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    size_t heap = mi.uordblks + mi.hblkhd;
    if (heap > 0)
        return heap > pl->heap_base ? heap - pl->heap_base : 0;
#endif
    return mem_estimate(pl);
}

static size_t heap_now(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

/* Keep memory under the cap: checked every 64 new flows, since asking the
 * allocator costs more than a packet; evicts in batches. */
static void enforce_memory(struct tsc_pipeline *pl, int64_t ts);

/* Without a consumer: every flow declined. */
static struct tsc_flow_conn *open_none(void *ctx, const struct tsc_flow_info *fi)
{
    (void)ctx;
    (void)fi;
    return NULL;
}
static const struct tsc_flow_ops no_consumer = {.open = open_none};

struct tsc_pipeline *tsc_pipeline_new(const struct tsc_limits *lim, const struct tsc_flow_factory *fac)
{
    struct tsc_pipeline *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->lim = *lim;
    if (!pl->lim.flow_buf_max)
        pl->lim.flow_buf_max = TSC_DEFAULT_FLOW_BUF_MAX;
    if (!pl->lim.max_flows)
        pl->lim.max_flows = TSC_DEFAULT_MAX_FLOWS;
    if (!pl->lim.max_memory)
        pl->lim.max_memory = TSC_DEFAULT_MAX_MEMORY;
    pl->ops = &no_consumer;
    if (fac) {
        pl->ctx = fac->ops->ctx_new(fac->arg, &pl->lim);
        if (!pl->ctx) {
            free(pl);
            return NULL;
        }
        pl->ops = fac->ops;
    }
    tsc_hash_key_random(&pl->key);
    pl->nbuckets = 1024;
    pl->buckets = calloc(pl->nbuckets, sizeof *pl->buckets);
    if (!pl->buckets) {
        if (pl->ops->ctx_free)
            pl->ops->ctx_free(pl->ctx);
        free(pl);
        return NULL;
    }
    pl->next_seq = 1;
    pl->heap_base = heap_now(); /* what was there before (a big key log) is not the flows' */
    return pl;
}

void tsc_pipeline_set_live(struct tsc_pipeline *pl, int live) { pl->live = live; }
const struct tsc_pipeline_stats *tsc_pipeline_stats(const struct tsc_pipeline *pl) { return &pl->st; }
void *tsc_pipeline_consumer(const struct tsc_pipeline *pl) { return pl->ctx; }

/* ---------------------------------------------------------- release queue */

/* Release a closed connection here: shown (an ordinal) when the consumer
 * reports it and live capture has not shown it already, else dropped. */
static void emit_conn(struct tsc_pipeline *pl, struct conn_rec *r)
{
    if (!r->reported && pl->ops->reportable(pl->ctx, r->h)) {
        pl->st.tls_connections++;
        pl->ops->release(pl->ctx, r->h, ++pl->ordinal);
    } else {
        pl->ops->release(pl->ctx, r->h, 0);
    }
    pl->ops->free(pl->ctx, r->h);
    free(r);
}

static void unqueue(struct tsc_pipeline *pl, struct conn_rec *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        pl->q_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        pl->q_tail = r->prev;
    r->next = r->prev = NULL;
}

/* -j: a connection to report goes to the merger, which releases it in order
 * with the others; the rest are dropped here. */
static void hand_over(struct tsc_pipeline *pl, struct conn_rec *r)
{
    if (!r->reported && pl->ops->reportable(pl->ctx, r->h)) {
        pl->handoff(pl->handoff_arg, r->h, r->order);
    } else {
        pl->ops->release(pl->ctx, r->h, 0);
        pl->ops->free(pl->ctx, r->h);
    }
    free(r);
}

/* Release closed connections: in order of first packet when reading a
 * file; as soon as each closes when live. */
static void release(struct tsc_pipeline *pl, struct conn_rec *just_closed)
{
    if (pl->handoff) {
        while (pl->q_head && pl->q_head->closed) {
            struct conn_rec *r = pl->q_head;
            unqueue(pl, r);
            pl->nconns--;
            hand_over(pl, r);
        }
        return;
    }
    if (pl->live && just_closed) {
        unqueue(pl, just_closed);
        pl->nconns--;
        emit_conn(pl, just_closed);
        return;
    }
    while (pl->q_head && pl->q_head->closed) {
        struct conn_rec *r = pl->q_head;
        unqueue(pl, r);
        pl->nconns--;
        emit_conn(pl, r);
    }
}

static void enqueue(struct tsc_pipeline *pl, struct conn_rec *r)
{
    /* usually the newest; walk back past connections that started later */
    struct conn_rec *after = pl->q_tail;
    while (after && after->order > r->order)
        after = after->prev;
    r->prev = after;
    r->next = after ? after->next : pl->q_head;
    if (r->next)
        r->next->prev = r;
    else
        pl->q_tail = r;
    if (after)
        after->next = r;
    else
        pl->q_head = r;
}

static void deliver(struct tsc_pipeline *pl, struct flow *f, int side, const uint8_t *p, size_t n, int64_t ts);
static void drain(struct tsc_pipeline *pl, struct flow *f, int side);

/* ------------------------------------------------------------ flow table */

static int ep_cmp(const struct tsc_endpoint *a, const struct tsc_endpoint *b)
{
    int r = memcmp(a->addr, b->addr, 16);
    if (r)
        return r;
    return (int)a->port - (int)b->port;
}

static void lru_unlink(struct tsc_pipeline *pl, struct flow *f)
{
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        pl->lru_head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        pl->lru_tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void over_unlink(struct tsc_pipeline *pl, struct flow *f)
{
    if (!f->on_over)
        return;
    if (f->over_prev)
        f->over_prev->over_next = f->over_next;
    else
        pl->over_head = f->over_next;
    if (f->over_next)
        f->over_next->over_prev = f->over_prev;
    else
        pl->over_tail = f->over_prev;
    f->over_prev = f->over_next = NULL;
    f->on_over = 0;
}

static void over_push(struct tsc_pipeline *pl, struct flow *f, int64_t ts)
{
    f->on_over = 1;
    f->over_us = ts;
    f->over_next = NULL;
    f->over_prev = pl->over_tail;
    if (pl->over_tail)
        pl->over_tail->over_next = f;
    else
        pl->over_head = f;
    pl->over_tail = f;
}

static void lru_push(struct tsc_pipeline *pl, struct flow *f)
{
    f->lru_prev = NULL;
    f->lru_next = pl->lru_head;
    if (pl->lru_head)
        pl->lru_head->lru_prev = f;
    pl->lru_head = f;
    if (!pl->lru_tail)
        pl->lru_tail = f;
}

static void grow(struct tsc_pipeline *pl)
{
    size_t n = pl->nbuckets * 2;
    struct flow **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep the longer chains */
    for (size_t i = 0; i < pl->nbuckets; i++) {
        struct flow *f = pl->buckets[i];
        while (f) {
            struct flow *nx = f->hnext;
            size_t j = f->hash & (n - 1);
            f->hnext = b[j];
            b[j] = f;
            f = nx;
        }
    }
    free(pl->buckets);
    pl->buckets = b;
    pl->nbuckets = n;
}

static void seg_free_all(struct tsc_pipeline *pl, struct tcpdir *t)
{
    struct seg *s = t->ooo;
    while (s) {
        struct seg *nx = s->next;
        free(s);
        s = nx;
    }
    pl->ooo_total -= t->ooo_bytes;
    t->ooo = NULL;
    t->ooo_bytes = 0;
}

/* The consumer's connection on this flow, opened on first use (the first
 * payload byte or gap of a TCP connection, the first datagram of a UDP
 * flow); NULL when the consumer declined it. */
static struct tsc_flow_conn *ensure_conn_with(struct tsc_pipeline *pl, struct flow *f, const uint8_t *dg,
                                              size_t dg_len, int dg_side)
{
    if (f->conn)
        return f->conn;
    if (f->declined && f->key.proto == TSC_FLOW_TCP)
        return NULL; /* a UDP flow is asked again with each datagram */
    struct tsc_flow_info fi;
    memset(&fi, 0, sizeof fi);
    fi.order = f->seq;
    fi.a.family = fi.b.family = f->key.family;
    memcpy(fi.a.addr, f->key.addr[0], 16);
    memcpy(fi.b.addr, f->key.addr[1], 16);
    fi.a.port = f->key.port[0];
    fi.b.port = f->key.port[1];
    /* UDP: the connection starts with the datagram it is opened for (STUN
     * may have run on the flow before DTLS did) */
    fi.start_us = dg ? f->last_us : f->start_us;
    fi.proto = f->key.proto;
    fi.saw_start = f->key.proto != TSC_FLOW_TCP || f->tcp[0].syn || f->tcp[1].syn;
    fi.client_side = f->client_side;
    fi.client_known = f->client_fixed;
    fi.payload = dg;
    fi.payload_len = dg_len;
    fi.payload_side = (uint8_t)dg_side;
    struct tsc_flow_conn *h = pl->ops->open(pl->ctx, &fi);
    if (!h) {
        f->declined = 1;
        return NULL;
    }
    struct conn_rec *r = calloc(1, sizeof *r);
    if (!r) {
        pl->ops->release(pl->ctx, h, 0);
        pl->ops->free(pl->ctx, h);
        f->declined = 1;
        return NULL;
    }
    r->h = h;
    r->owner = f;
    r->order = f->seq;
    enqueue(pl, r);
    pl->nconns++;
    f->conn = h;
    f->rec = r;
    return h;
}

static struct tsc_flow_conn *ensure_conn(struct tsc_pipeline *pl, struct flow *f)
{
    return ensure_conn_with(pl, f, NULL, 0, 0);
}

/* The one place bytes at `seq` join a direction's stream: a hole before them
 * is reported as a gap (the capture will not fill it), bytes already
 * delivered are trimmed (retransmissions and overlaps: the first copy
 * wins), and the rest goes to the consumer. */
static void accept_at(struct tsc_pipeline *pl, struct flow *f, int side, uint32_t seq, const uint8_t *p, size_t n,
                      int64_t ts)
{
    struct tcpdir *t = &f->tcp[side];
    int32_t off = (int32_t)(seq - t->next_seq);
    if (off > 0) {
        pl->st.gaps++;
        struct tsc_flow_conn *c = ensure_conn(pl, f);
        if (c)
            pl->ops->gap(pl->ctx, c, side, (uint64_t)(uint32_t)off, ts);
        t->next_seq = seq;
        off = 0;
    }
    size_t skip = (size_t)(0u - (uint32_t)off); /* unsigned: -INT32_MIN is not an int */
    if (skip >= n)
        return;
    deliver(pl, f, side, p + skip, n - skip, ts);
    t->next_seq = seq + (uint32_t)n;
}

static struct seg *pop_segment(struct tsc_pipeline *pl, struct tcpdir *t)
{
    struct seg *s = t->ooo;
    t->ooo = s->next;
    t->ooo_bytes -= s->len;
    pl->ooo_total -= s->len;
    return s;
}

/* Deliver what is buffered in order, reporting the holes. */
static void flush_dir(struct tsc_pipeline *pl, struct flow *f, int side)
{
    struct tcpdir *t = &f->tcp[side];
    while (t->ooo) {
        struct seg *s = pop_segment(pl, t);
        accept_at(pl, f, side, s->seq, s->data, s->len, s->ts);
        free(s);
    }
}

/* The peer acknowledged bytes up to `ack`: queued segments that end at or
 * before it will not get their holes filled by the capture (the peer has the
 * missing bytes, the capture does not). Deliver them now, with the gaps. */
static void flush_acked(struct tsc_pipeline *pl, struct flow *f, int side, uint32_t ack)
{
    struct tcpdir *t = &f->tcp[side];
    while (t->ooo && (int32_t)(ack - (t->ooo->seq + t->ooo->len)) >= 0) {
        struct seg *s = pop_segment(pl, t);
        accept_at(pl, f, side, s->seq, s->data, s->len, s->ts);
        free(s);
    }
    drain(pl, f, side);
}

/* The connection on this flow is over (FIN/RST, a new SYN, idle, evicted, end). */
static void close_conn(struct tsc_pipeline *pl, struct flow *f, int64_t ts)
{
    for (int side = 0; side < 2; side++) {
        struct tcpdir *t = &f->tcp[side];
        flush_dir(pl, f, side);
        /* bytes before the FIN that the capture never had: a hole at the end */
        int32_t missing = (int32_t)(t->fin_seq - t->next_seq);
        if (f->key.proto == TSC_FLOW_TCP && t->fin && t->init && missing > 0 && f->conn && !f->closed) {
            pl->st.gaps++;
            pl->ops->gap(pl->ctx, f->conn, side, (uint64_t)missing, ts);
            t->next_seq = t->fin_seq;
        }
    }
    f->closed = 1;
    struct conn_rec *r = f->rec;
    if (!r)
        return;
    pl->ops->close(pl->ctx, r->h, ts);
    r->closed = 1;
    r->owner = NULL;
    f->conn = NULL;
    f->rec = NULL;
    release(pl, r);
}

static void flow_remove(struct tsc_pipeline *pl, struct flow *f)
{
    size_t i = f->hash & (pl->nbuckets - 1);
    struct flow **pp = &pl->buckets[i];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    lru_unlink(pl, f);
    over_unlink(pl, f);
    seg_free_all(pl, &f->tcp[0]);
    seg_free_all(pl, &f->tcp[1]);
    pl->nflows--;
    free(f);
}

/* Make room: the least recently active flow goes, reported when it carried a connection. */
static void evict_one(struct tsc_pipeline *pl, int64_t ts, const char *why)
{
    struct flow *f = pl->lru_tail;
    if (!f)
        return;
    pl->st.evictions++;
    if (f->conn)
        pl->ops->error(pl->ctx, f->conn, TSC_LIMIT, why, pl->nflows, ts);
    close_conn(pl, f, ts);
    flow_remove(pl, f);
}

static void enforce_memory(struct tsc_pipeline *pl, int64_t ts)
{
    while (pl->lru_tail && mem_used(pl) > pl->lim.max_memory) {
        size_t batch = pl->nflows / 16 + 1;
        while (batch-- && pl->lru_tail)
            evict_one(pl, ts, "flow evicted: memory cap reached (raise --max-memory)");
#if defined(__GLIBC__)
        malloc_trim(0);
#endif
    }
}

/* Idle flows are closed by the packets' own timestamps, except that one
 * packet stamped far ahead of the rest (they exist: decades ahead) closes
 * nothing until a second packet agrees with it. Timestamps that go back
 * (merged captures) close nothing either: the flows look newer than them. */
static void expire_idle(struct tsc_pipeline *pl, int64_t ts)
{
    /* connections that said they are over, once their grace has passed
     * (by this packet's time: the same with one thread or several) */
    while (pl->over_head && ts > pl->over_head->over_us && elapsed(ts, pl->over_head->over_us) > TSC_FLOW_OVER_US) {
        struct flow *f = pl->over_head;
        close_conn(pl, f, f->last_us);
        if (f->key.proto == TSC_FLOW_TCP)
            over_unlink(pl, f); /* the flow stays, closed: it absorbs the connection's tail */
        else
            flow_remove(pl, f);
    }
    if (pl->lim.idle_timeout_us <= 0)
        return;
    if (!pl->clock_set) {
        pl->clock = ts;
        pl->clock_set = 1;
    } else if (ts > pl->clock && elapsed(ts, pl->clock) > pl->lim.idle_timeout_us) {
        if (!(pl->jump_seen && ts >= pl->jump_to && elapsed(ts, pl->jump_to) <= pl->lim.idle_timeout_us)) {
            pl->jump_seen = 1;
            pl->jump_to = ts;
            return;
        }
        pl->clock = ts;
        pl->jump_seen = 0;
    } else if (ts > pl->clock) {
        pl->clock = ts;
    }
    while (pl->lru_tail && elapsed(ts, pl->lru_tail->last_us) > pl->lim.idle_timeout_us) {
        struct flow *f = pl->lru_tail;
        if (f->conn && f->key.proto == TSC_FLOW_TCP)
            pl->st.idle_closed++;
        close_conn(pl, f, f->last_us);
        flow_remove(pl, f);
    }
}

static void start_connection(struct tsc_pipeline *pl, struct flow *f, int64_t ts)
{
    over_unlink(pl, f);
    seg_free_all(pl, &f->tcp[0]);
    seg_free_all(pl, &f->tcp[1]);
    memset(f->tcp, 0, sizeof f->tcp);
    f->seq = pl->next_seq++;
    f->start_us = ts;
    f->closed = 0;
    f->reset = 0;
    f->declined = 0;
    /* until a SYN (or the consumer, TLS: the ClientHello) says otherwise, the
     * higher port is the client's; UDP: the first datagram's sender */
    f->client_side = f->key.port[0] > f->key.port[1] ? 0 : 1;
    f->client_fixed = 0;
    if (f->key.proto == TSC_FLOW_TCP)
        pl->st.flows++;
    else
        pl->st.udp_flows++;
}

static struct flow *flow_lookup(struct tsc_pipeline *pl, const struct tsc_packet *pk, int *side, int create,
                                int64_t ts)
{
    struct flow_key k;
    memset(&k, 0, sizeof k);
    k.family = pk->src.family;
    k.proto = pk->proto;
    int s = ep_cmp(&pk->src, &pk->dst) <= 0 ? 0 : 1;
    const struct tsc_endpoint *lo = s == 0 ? &pk->src : &pk->dst;
    const struct tsc_endpoint *hi = s == 0 ? &pk->dst : &pk->src;
    memcpy(k.addr[0], lo->addr, 16);
    memcpy(k.addr[1], hi->addr, 16);
    k.port[0] = lo->port;
    k.port[1] = hi->port;
    *side = s;
    /* a packet of the most recently active flow (a burst): no hashing */
    if (pl->lru_head && memcmp(&pl->lru_head->key, &k, sizeof k) == 0)
        return pl->lru_head;
    uint64_t h = tsc_siphash(&pl->key, &k, sizeof k);
    for (struct flow *f = pl->buckets[h & (pl->nbuckets - 1)]; f; f = f->hnext) {
        if (f->hash == h && memcmp(&f->key, &k, sizeof k) == 0) {
            lru_unlink(pl, f);
            lru_push(pl, f);
            return f;
        }
    }
    if (!create)
        return NULL;
    while (pl->lru_tail && pl->nflows >= pl->lim.max_flows)
        evict_one(pl, ts, "flow evicted: flow table full (raise --max-flows)");
    if ((++pl->created & 63) == 0)
        enforce_memory(pl, ts);
    if (pl->nflows >= pl->nbuckets)
        grow(pl);
    struct flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->key = k;
    f->hash = h;
    size_t i = h & (pl->nbuckets - 1);
    f->hnext = pl->buckets[i];
    pl->buckets[i] = f;
    lru_push(pl, f);
    pl->nflows++;
    start_connection(pl, f, ts);
    return f;
}

/* --------------------------------------------------------- reassembly */

static void deliver(struct tsc_pipeline *pl, struct flow *f, int side, const uint8_t *p, size_t n, int64_t ts)
{
    struct tsc_flow_conn *c = ensure_conn(pl, f);
    if (c)
        pl->ops->bytes(pl->ctx, c, side, p, n, ts);
}

static void queue_segment(struct tsc_pipeline *pl, struct flow *f, int side, uint32_t seq, const uint8_t *p,
                          size_t n, int64_t ts)
{
    struct tcpdir *t = &f->tcp[side];
    /* find the insertion point; an identical or covered segment is a retransmission */
    struct seg **pp = &t->ooo;
    while (*pp && (int32_t)((*pp)->seq - seq) < 0)
        pp = &(*pp)->next;
    if (*pp && (*pp)->seq == seq && (*pp)->len >= n) {
        if (memcmp((*pp)->data, p, n) != 0)
            pl->st.overlaps_conflicting++;
        return; /* first copy wins */
    }
    if (t->ooo_bytes + n > pl->lim.flow_buf_max) {
        /* the hole is not going to be filled in time: give up on it */
        flush_dir(pl, f, side);
        accept_at(pl, f, side, seq, p, n, ts);
        return;
    }
    struct seg *s = malloc(sizeof *s + n);
    if (!s)
        return;
    s->seq = seq;
    s->len = (uint32_t)n;
    s->ts = ts;
    memcpy(s->data, p, n);
    s->next = *pp;
    *pp = s;
    t->ooo_bytes += n;
    pl->ooo_total += n;
}

/* Deliver queued segments that now continue the stream. */
static void drain(struct tsc_pipeline *pl, struct flow *f, int side)
{
    struct tcpdir *t = &f->tcp[side];
    while (t->ooo && (int32_t)(t->ooo->seq - t->next_seq) <= 0) {
        struct seg *s = pop_segment(pl, t);
        accept_at(pl, f, side, s->seq, s->data, s->len, s->ts);
        free(s);
    }
}

/* Two SYN-ACKs with different ISNs: the first segment after them (data or a
 * FIN) says which one the stream follows. */
static void follow_alt_isn(struct tcpdir *t, uint32_t seq)
{
    if (t->has_alt && t->next_seq == t->isn + 1 && seq == t->alt_isn + 1 && !t->ooo) {
        /* nothing came after the first ISN and the stream follows the other one */
        t->isn = t->alt_isn;
        t->next_seq = seq;
    }
    t->has_alt = 0;
}

/* The peer ACKed bytes up to `ack` of direction `side`, which has queued
 * segments behind a hole. Live, the capture lost those bytes: what follows
 * is shown now. From a file a copy can still come later (a retransmission
 * the capture sees after the ACK, even after the FINs), so the hole stays
 * open for TSC_FLOW_OVER_US of capture time after the first such ACK (the
 * flow's end gives up on it sooner), which also bounds what a long lossy
 * connection holds. */
static void acked_past_hole(struct tsc_pipeline *pl, struct flow *f, int side, uint32_t ack, int64_t ts)
{
    struct tcpdir *t = &f->tcp[side];
    if ((int32_t)(ack - (t->ooo->seq + t->ooo->len)) < 0)
        return; /* the queued bytes are not all acknowledged: the hole may still fill */
    if (!pl->live) {
        if (!t->hole_acked || t->hole_seq != t->next_seq) {
            t->hole_acked = 1;
            t->hole_seq = t->next_seq;
            t->hole_us = ts;
            return;
        }
        if (!(ts > t->hole_us && elapsed(ts, t->hole_us) > TSC_FLOW_OVER_US))
            return;
    }
    t->hole_acked = 0;
    flush_acked(pl, f, side, ack);
}

static void tcp_data(struct tsc_pipeline *pl, struct flow *f, int side, uint32_t seq, const uint8_t *p, size_t n,
                     int64_t ts)
{
    struct tcpdir *t = &f->tcp[side];
    if (!t->init) {
        /* no SYN seen: start where the capture starts */
        t->init = 1;
        t->next_seq = seq;
    }
    follow_alt_isn(t, seq);
    int32_t off = (int32_t)(seq - t->next_seq);
    if (off > 0 && (uint64_t)off <= (uint64_t)pl->lim.flow_buf_max * 4) {
        queue_segment(pl, f, side, seq, p, n, ts);
        return;
    }
    if (off > 0)
        flush_dir(pl, f, side); /* far ahead: the capture lost a lot; resync here */
    accept_at(pl, f, side, seq, p, n, ts);
    if (t->ooo)
        drain(pl, f, side);
}

/* Live: show a connection as soon as the consumer says it is complete (its
 * handshake done, or ended by an alert), before it closes. */
static void live_report(struct tsc_pipeline *pl, struct flow *f)
{
    if (f->conn && pl->live == 1 && !f->rec->reported && pl->ops->complete(pl->ctx, f->conn)) {
        pl->st.tls_connections++;
        pl->ops->release(pl->ctx, f->conn, ++pl->ordinal);
        f->rec->reported = 1;
    }
}

/* Has this direction's data up to its FIN all been delivered? (A direction
 * whose start the capture never showed cannot be known to miss anything.) */
static int dir_done(const struct tcpdir *t)
{
    return !t->ooo && (!t->init || (int32_t)(t->next_seq - t->fin_seq) >= 0);
}

static void tcp_packet(struct tsc_pipeline *pl, const struct tsc_packet *pk, int64_t ts)
{
    pl->st.tcp_packets++;
    int syn = pk->flags & TSC_TCP_SYN, ack = pk->flags & TSC_TCP_ACK;
    int side;
    /* flows start with a SYN or data: a stray ACK, FIN or RST opens nothing */
    struct flow *f = flow_lookup(pl, pk, &side, syn || pk->payload_len > 0, ts);
    if (!f)
        return;
    f->last_us = ts;
    struct tcpdir *t = &f->tcp[side];
    if (syn && !ack && !(t->syn && t->isn == pk->seq) &&
        (f->closed || f->reset || t->init || f->tcp[side ^ 1].init)) {
        /* a SYN with another ISN after the end or on a port pair in use: a
         * new connection (port reuse). The same SYN again (same ISN), even
         * after the close, is a retransmission of this one, as for tshark. */
        close_conn(pl, f, ts);
        start_connection(pl, f, ts);
    }
    if (f->closed)
        return; /* the tail of a closed connection */
    if (syn) {
        int client = ack ? side ^ 1 : side;
        f->client_side = (uint8_t)client;
        f->client_fixed = 1;
        if (f->conn)
            pl->ops->client(pl->ctx, f->conn, client);
        if (!t->syn) {
            t->syn = 1;
            t->isn = pk->seq;
            t->init = 1;
            t->next_seq = pk->seq + 1;
        } else if (t->isn != pk->seq) {
            /* a SYN-ACK again with another ISN: which one the data follows decides */
            t->alt_isn = pk->seq;
            t->has_alt = 1;
        }
        if (pk->payload_len)
            tcp_data(pl, f, side, pk->seq + 1, pk->payload, pk->payload_len, ts);
    } else if (pk->payload_len) {
        tcp_data(pl, f, side, pk->seq, pk->payload, pk->payload_len, ts);
        if (pk->payload_len < pk->payload_wire && f->conn &&
            t->next_seq == pk->seq + (uint32_t)pk->payload_len) {
            /* the snaplen cut this segment: the rest is a hole */
            uint32_t missing = (uint32_t)(pk->payload_wire - pk->payload_len);
            pl->st.gaps++;
            pl->ops->gap(pl->ctx, f->conn, side, missing, ts);
            t->next_seq += missing;
        }
    }
    if (ack && f->tcp[side ^ 1].ooo)
        acked_past_hole(pl, f, side ^ 1, pk->ack, ts);
    live_report(pl, f);
    if (pk->flags & TSC_TCP_RST) {
        /* live: done now. From a file: the other side's data already on the
         * wire still arrives after a reset; the flow closes at a new SYN,
         * when idle, or at the end. */
        if (pl->live)
            close_conn(pl, f, ts);
        else
            f->reset = 1;
        return;
    }
    if (pk->flags & TSC_TCP_FIN) {
        uint32_t fs = pk->seq + (syn ? 1u : 0u) + (uint32_t)pk->payload_wire;
        if (!pk->payload_len && !syn)
            follow_alt_isn(t, pk->seq); /* a FIN that is the first thing after two SYN-ACKs */
        /* A FIN says where the data ends only within reach of the stream
         * (the bound tcp_data queues within): one far off (forged, or of
         * another connection) must not make a hole of gigabytes. */
        int32_t ahead = (int32_t)(fs - t->next_seq);
        int in_reach = !t->init || (ahead >= 0 && (uint64_t)ahead <= (uint64_t)pl->lim.flow_buf_max * 4);
        if (!t->fin)
            t->fin_seq = in_reach ? fs : t->next_seq;
        else if (in_reach && (int32_t)(fs - t->fin_seq) > 0)
            t->fin_seq = fs;
        t->fin = 1;
    }
    if (f->tcp[0].fin && f->tcp[1].fin) {
        /* Both sides closed. The connection ends once each side's bytes
         * below its FIN are all here (a retransmission of something the
         * capture missed can come after both FINs); until then it waits,
         * as Zeek's tcp_close_delay, TSC_FLOW_OVER_US of the capture's time
         * (or a new SYN, or the end), and what is still missing is a gap. */
        if (dir_done(&f->tcp[0]) && dir_done(&f->tcp[1]))
            close_conn(pl, f, ts);
        else if (!f->on_over)
            over_push(pl, f, ts);
    }
}

/* A UDP datagram: the flow is the 5-tuple's, its connection opens with the
 * first datagram (whose sender is taken for the client) and every datagram
 * goes to it as captured. The flow ends idle, evicted, or at the end. */
static void udp_packet(struct tsc_pipeline *pl, const struct tsc_packet *pk, int64_t ts)
{
    pl->st.udp_packets++;
    int side;
    struct flow *f = flow_lookup(pl, pk, &side, 1, ts);
    if (!f)
        return;
    f->last_us = ts;
    if (!f->conn && !f->declined) {
        f->client_side = (uint8_t)side;
        f->client_fixed = 0;
    }
    struct tsc_flow_conn *c = ensure_conn_with(pl, f, pk->payload, pk->payload_len, side);
    if (c && pl->ops->datagram(pl->ctx, c, side, pk->payload, pk->payload_len, pk->payload_wire, ts) ==
                 TSC_FLOW_NEW_CONN) {
        /* the connection on this 5-tuple ended and this datagram starts the next */
        close_conn(pl, f, ts);
        start_connection(pl, f, ts);
        f->client_side = (uint8_t)side;
        c = ensure_conn_with(pl, f, pk->payload, pk->payload_len, side);
        if (c)
            (void)pl->ops->datagram(pl->ctx, c, side, pk->payload, pk->payload_len, pk->payload_wire, ts);
    }
    if (c && !f->on_over && pl->ops->over && pl->ops->over(pl->ctx, c))
        over_push(pl, f, ts);
    live_report(pl, f);
}

static void transport_packet(struct tsc_pipeline *pl, const struct tsc_packet *pk, int64_t ts)
{
    if (pk->proto == TSC_FLOW_UDP)
        udp_packet(pl, pk, ts);
    else
        tcp_packet(pl, pk, ts);
}

/* ----------------------------------------------------------- IP fragments */

static void frag_free(struct tsc_pipeline *pl, struct frag **pp)
{
    struct frag *d = *pp;
    *pp = d->next;
    free(d->buf);
    free(d);
    pl->nfrags--;
}

static int frag_same(const struct tsc_fragment *a, const struct tsc_fragment *b)
{
    return a->family == b->family && a->id == b->id && a->proto == b->proto && memcmp(a->src, b->src, 16) == 0 &&
           memcmp(a->dst, b->dst, 16) == 0;
}

static void fragment(struct tsc_pipeline *pl, const struct tsc_fragment *fr, int64_t ts)
{
    pl->st.fragments++;
    /* drop datagrams that waited too long */
    for (struct frag **pp = &pl->frags; *pp;) {
        if (elapsed(ts, (*pp)->first_us) > FRAG_TIMEOUT_US) {
            pl->st.fragments_dropped++;
            frag_free(pl, pp);
        } else {
            pp = &(*pp)->next;
        }
    }
    struct frag **pp = &pl->frags;
    while (*pp && !frag_same(&(*pp)->info, fr))
        pp = &(*pp)->next;
    struct frag *d = *pp;
    if (!d) {
        if (pl->nfrags >= FRAG_MAX_PENDING) {
            /* the oldest waiting datagram gives way */
            struct frag **old = &pl->frags;
            while ((*old)->next)
                old = &(*old)->next;
            pl->st.fragments_dropped++;
            frag_free(pl, old);
        }
        d = calloc(1, sizeof *d);
        if (!d)
            return;
        d->buf = malloc(FRAG_MAX_LEN);
        if (!d->buf) {
            free(d);
            return;
        }
        d->info = *fr;
        d->first_us = ts;
        d->next = pl->frags;
        pl->frags = d;
        pl->nfrags++;
        pp = &pl->frags;
    }
    if (fr->offset > FRAG_MAX_LEN || fr->complete_len > FRAG_MAX_LEN - fr->offset) {
        pl->st.fragments_dropped++;
        frag_free(pl, pp);
        return;
    }
    /* first copy wins */
    for (size_t i = 0; i < fr->len; i++) {
        uint32_t o = fr->offset + (uint32_t)i;
        if (!(d->bits[o >> 3] & (1u << (o & 7)))) {
            d->bits[o >> 3] |= (uint8_t)(1u << (o & 7));
            d->buf[o] = fr->data[i];
            d->have++;
        }
    }
    if (!fr->more)
        d->total = fr->offset + (uint32_t)fr->complete_len;
    if (d->total == 0 || d->have < d->total)
        return;
    for (uint32_t o = 0; o < d->total; o++)
        if (!(d->bits[o >> 3] & (1u << (o & 7))))
            return;
    pl->st.fragments_reassembled++;
    struct tsc_packet pk;
    enum tsc_pkt_status st = tsc_packet_decode_reassembled(&d->info, d->buf, d->total, &pk);
    if (st == TSC_PKT_TCP || st == TSC_PKT_UDP) {
        if (pl->reassembled)
            pl->reassembled(pl->reassembled_arg, &pk, ts);
        else
            transport_packet(pl, &pk, ts);
    }
    frag_free(pl, pp);
}

/* ---------------------------------------------------------------- entry */

void tsc_pipeline_packet(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen, int64_t ts)
{
    struct tsc_packet pk;
    pl->st.packets++;
    pl->st.bytes += caplen;
    expire_idle(pl, ts);
    switch (tsc_packet_decode(linktype, p, caplen, &pk)) {
    case TSC_PKT_TCP:
        tcp_packet(pl, &pk, ts);
        return;
    case TSC_PKT_UDP:
        udp_packet(pl, &pk, ts);
        return;
    case TSC_PKT_FRAGMENT:
        fragment(pl, &pk.frag, ts);
        return;
    case TSC_PKT_NOT_IP: pl->st.not_ip++; return;
    case TSC_PKT_OTHER_PROTO: pl->st.other_proto++; return;
    case TSC_PKT_TRUNCATED: pl->st.truncated++; return;
    case TSC_PKT_MALFORMED: pl->st.malformed++; return;
    default: pl->st.link_unsupported++; return;
    }
}

void tsc_pipeline_set_parallel(struct tsc_pipeline *pl,
                               void (*handoff)(void *arg, struct tsc_flow_conn *c, uint64_t order), void *arg)
{
    pl->handoff = handoff;
    pl->handoff_arg = arg;
    pl->own_estimate = 1;
}

void tsc_pipeline_set_reassembled(struct tsc_pipeline *pl,
                                  void (*fn)(void *, const struct tsc_packet *, int64_t), void *arg)
{
    pl->reassembled = fn;
    pl->reassembled_arg = arg;
}

void tsc_pipeline_transport(struct tsc_pipeline *pl, const struct tsc_packet *pk, int64_t ts, uint64_t index)
{
    if (index)
        pl->next_seq = index;
    pl->st.packets++;
    expire_idle(pl, ts);
    transport_packet(pl, pk, ts);
}

void tsc_pipeline_packet_at(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen, int64_t ts,
                            uint64_t index)
{
    pl->next_seq = index;
    tsc_pipeline_packet(pl, linktype, p, caplen, ts);
}

void tsc_pipeline_tick(struct tsc_pipeline *pl, int64_t ts) { expire_idle(pl, ts); }

uint64_t tsc_pipeline_watermark(const struct tsc_pipeline *pl)
{
    return pl->q_head ? pl->q_head->order : UINT64_MAX;
}

void tsc_pipeline_finish(struct tsc_pipeline *pl)
{
    /* close in order of first packet; each close releases what it can (a
     * record not closed has its flow: only close_conn ends both) */
    while (pl->q_head) {
        struct conn_rec *r = pl->q_head;
        if (!r->closed) {
            close_conn(pl, r->owner, r->owner->last_us);
            continue;
        }
        release(pl, NULL);
    }
    while (pl->frags) {
        pl->st.fragments_dropped++;
        frag_free(pl, &pl->frags);
    }
}

void tsc_pipeline_free(struct tsc_pipeline *pl)
{
    if (!pl)
        return;
    while (pl->lru_head)
        flow_remove(pl, pl->lru_head);
    struct conn_rec *r = pl->q_head;
    while (r) {
        struct conn_rec *nx = r->next;
        pl->ops->release(pl->ctx, r->h, 0);
        pl->ops->free(pl->ctx, r->h);
        free(r);
        r = nx;
    }
    while (pl->frags)
        frag_free(pl, &pl->frags);
    free(pl->buckets);
    if (pl->ops->ctx_free)
        pl->ops->ctx_free(pl->ctx);
    free(pl);
}
