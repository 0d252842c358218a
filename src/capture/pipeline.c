/*
 * pipeline.c - flow table, TCP reassembly, ordered release (see pipeline.h).
 */
#include "capture/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

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
    uint32_t isn;
    uint32_t next_seq;
    struct seg *ooo; /* sorted by seq, not overlapping next_seq */
    size_t ooo_bytes;
};

struct flow_key {
    uint8_t family;
    uint8_t pad[3];
    uint16_t port[2];
    uint8_t addr[2][16];
};

struct flow {
    struct flow *hnext;
    struct flow *lru_prev, *lru_next;
    uint64_t hash;
    struct flow_key key; /* side 0 = the lower (addr, port) */
    struct tcpdir tcp[2];
    struct tsc_conn *conn; /* NULL once closed */
    int64_t last_us;
};

struct tsc_pipeline {
    struct tsc_session_ctx sc;
    struct tsc_limits lim;
    const struct tsc_sink *sink;
    struct tsc_hash_key key;
    struct flow **buckets;
    size_t nbuckets, nflows;
    struct flow *lru_head, *lru_tail; /* head = most recent */
    struct tsc_conn *q_head, *q_tail; /* connections in order of first packet */
    uint64_t next_seq, ordinal;
    struct tsc_pipeline_stats st;
};

struct tsc_pipeline *tsc_pipeline_new(const struct tsc_limits *lim, const struct tsc_sink *sink)
{
    struct tsc_pipeline *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    if (!tsc_is_ok(tsc_session_ctx_init(&pl->sc, sink, lim))) {
        free(pl);
        return NULL;
    }
    pl->lim = pl->sc.lim;
    pl->sink = sink;
    tsc_hash_key_random(&pl->key);
    pl->nbuckets = 1024;
    pl->buckets = calloc(pl->nbuckets, sizeof *pl->buckets);
    if (!pl->buckets) {
        tsc_session_ctx_free(&pl->sc);
        free(pl);
        return NULL;
    }
    pl->next_seq = 1;
    return pl;
}

const struct tsc_pipeline_stats *tsc_pipeline_stats(const struct tsc_pipeline *pl) { return &pl->st; }
struct tsc_session_ctx *tsc_pipeline_session(struct tsc_pipeline *pl) { return &pl->sc; }

/* ---------------------------------------------------------- release queue */

static void release(struct tsc_pipeline *pl)
{
    while (pl->q_head && pl->q_head->closed) {
        struct tsc_conn *c = pl->q_head;
        pl->q_head = c->next;
        if (!pl->q_head)
            pl->q_tail = NULL;
        if (c->is_tls) {
            pl->st.tls_connections++;
            if (pl->sink && pl->sink->emit)
                pl->sink->emit(pl->sink->ctx, c, ++pl->ordinal);
        } else if (pl->sink && pl->sink->discard) {
            pl->sink->discard(pl->sink->ctx, c);
        }
        tsc_conn_free(c);
    }
}

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

static void seg_free_all(struct tcpdir *t)
{
    struct seg *s = t->ooo;
    while (s) {
        struct seg *nx = s->next;
        free(s);
        s = nx;
    }
    t->ooo = NULL;
    t->ooo_bytes = 0;
}

/* Deliver what is buffered, reporting the holes, then close the connection. */
static void flush_dir(struct tsc_pipeline *pl, struct flow *f, int side, int64_t ts)
{
    struct tcpdir *t = &f->tcp[side];
    struct tsc_conn *c = f->conn;
    while (t->ooo) {
        struct seg *s = t->ooo;
        t->ooo = s->next;
        t->ooo_bytes -= s->len;
        int32_t off = (int32_t)(s->seq - t->next_seq);
        if (off > 0) {
            pl->st.gaps++;
            tsc_session_gap(&pl->sc, c, side, (uint64_t)off, s->ts);
            t->next_seq = s->seq;
            off = 0;
        }
        uint32_t skip = (uint32_t)(-off);
        if (skip < s->len) {
            tsc_session_feed(&pl->sc, c, side, s->data + skip, s->len - skip, s->ts);
            t->next_seq = s->seq + s->len;
        }
        free(s);
    }
    (void)ts;
}

static void close_conn(struct tsc_pipeline *pl, struct flow *f, int64_t ts)
{
    if (!f->conn)
        return;
    flush_dir(pl, f, 0, ts);
    flush_dir(pl, f, 1, ts);
    tsc_session_close(&pl->sc, f->conn, ts);
    f->conn->owner = NULL;
    f->conn = NULL;
    release(pl);
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
    seg_free_all(&f->tcp[0]);
    seg_free_all(&f->tcp[1]);
    pl->nflows--;
    free(f);
}

static void evict_one(struct tsc_pipeline *pl, int64_t ts)
{
    struct flow *f = pl->lru_tail;
    if (!f)
        return;
    if (f->conn) {
        pl->st.evictions++;
        tsc_session_error(&pl->sc, f->conn, TSC_C2S, TSC_LIMIT, 0,
                          "flow evicted: flow table full (raise --max-flows)", pl->nflows, ts);
    }
    close_conn(pl, f, ts);
    flow_remove(pl, f);
}

static struct tsc_conn *new_conn(struct tsc_pipeline *pl, struct flow *f, int64_t ts)
{
    struct tsc_endpoint a = {f->key.family, {0}, f->key.port[0]};
    struct tsc_endpoint b = {f->key.family, {0}, f->key.port[1]};
    memcpy(a.addr, f->key.addr[0], 16);
    memcpy(b.addr, f->key.addr[1], 16);
    struct tsc_conn *c = tsc_conn_new(pl->next_seq++, &a, &b, ts);
    if (!c)
        return NULL;
    c->owner = f;
    if (pl->q_tail)
        pl->q_tail->next = c;
    else
        pl->q_head = c;
    pl->q_tail = c;
    memset(f->tcp, 0, sizeof f->tcp);
    /* until TCP or TLS says otherwise, the higher port is the client's */
    tsc_conn_set_client_side(c, f->key.port[0] > f->key.port[1] ? 0 : 1, 0);
    return c;
}

static struct flow *flow_lookup(struct tsc_pipeline *pl, const struct tsc_packet *pk, int *side,
                                int create, int64_t ts)
{
    struct flow_key k;
    memset(&k, 0, sizeof k);
    k.family = pk->src.family;
    int s = ep_cmp(&pk->src, &pk->dst) <= 0 ? 0 : 1;
    const struct tsc_endpoint *lo = s == 0 ? &pk->src : &pk->dst;
    const struct tsc_endpoint *hi = s == 0 ? &pk->dst : &pk->src;
    memcpy(k.addr[0], lo->addr, 16);
    memcpy(k.addr[1], hi->addr, 16);
    k.port[0] = lo->port;
    k.port[1] = hi->port;
    *side = s;
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
    while (pl->nflows >= pl->lim.max_flows && pl->lru_tail)
        evict_one(pl, ts);
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
    pl->st.flows++;
    f->conn = new_conn(pl, f, ts);
    if (!f->conn) {
        flow_remove(pl, f);
        return NULL;
    }
    return f;
}

/* --------------------------------------------------------- reassembly */

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
        flush_dir(pl, f, side, ts);
        int32_t off = (int32_t)(seq - t->next_seq);
        if (off > 0) {
            pl->st.gaps++;
            tsc_session_gap(&pl->sc, f->conn, side, (uint64_t)off, ts);
            t->next_seq = seq;
        }
        tsc_session_feed(&pl->sc, f->conn, side, p, n, ts);
        t->next_seq = seq + (uint32_t)n;
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
}

/* Deliver queued segments that now continue the stream. */
static void drain(struct tsc_pipeline *pl, struct flow *f, int side)
{
    struct tcpdir *t = &f->tcp[side];
    while (t->ooo && f->conn) {
        struct seg *s = t->ooo;
        int32_t off = (int32_t)(s->seq - t->next_seq);
        if (off > 0)
            return;
        t->ooo = s->next;
        t->ooo_bytes -= s->len;
        uint32_t skip = (uint32_t)(-off);
        if (skip < s->len) {
            tsc_session_feed(&pl->sc, f->conn, side, s->data + skip, s->len - skip, s->ts);
            t->next_seq = s->seq + s->len;
        }
        free(s);
    }
}

static void tcp_data(struct tsc_pipeline *pl, struct flow *f, int side, uint32_t seq, const uint8_t *p,
                     size_t n, int64_t ts)
{
    struct tcpdir *t = &f->tcp[side];
    if (!t->init) {
        /* no SYN seen: start where the capture starts */
        t->init = 1;
        t->next_seq = seq;
    }
    int32_t off = (int32_t)(seq - t->next_seq);
    if (off > 0) {
        if ((uint64_t)off > (uint64_t)pl->lim.flow_buf_max * 4) {
            /* far ahead: the capture lost a lot; resync here */
            flush_dir(pl, f, side, ts);
            pl->st.gaps++;
            tsc_session_gap(&pl->sc, f->conn, side, (uint64_t)(uint32_t)off, ts);
            t->next_seq = seq;
            off = 0;
        } else {
            queue_segment(pl, f, side, seq, p, n, ts);
            return;
        }
    }
    size_t skip = (size_t)(uint32_t)(-off);
    if (skip >= n)
        return; /* a retransmission of what we have */
    tsc_session_feed(&pl->sc, f->conn, side, p + skip, n - skip, ts);
    t->next_seq = seq + (uint32_t)n;
    if (t->ooo)
        drain(pl, f, side);
}

void tsc_pipeline_packet(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen, int64_t ts)
{
    struct tsc_packet pk;
    pl->st.packets++;
    pl->st.bytes += caplen;
    switch (tsc_packet_decode(linktype, p, caplen, &pk)) {
    case TSC_PKT_TCP:
        break;
    case TSC_PKT_NOT_IP: pl->st.not_ip++; return;
    case TSC_PKT_NOT_TCP: pl->st.not_tcp++; return;
    case TSC_PKT_FRAGMENT: pl->st.fragments++; return;
    case TSC_PKT_TRUNCATED: pl->st.truncated++; return;
    case TSC_PKT_MALFORMED: pl->st.malformed++; return;
    default: pl->st.link_unsupported++; return;
    }
    pl->st.tcp_packets++;
    int syn = pk.flags & TSC_TCP_SYN, ack = pk.flags & TSC_TCP_ACK;
    int side;
    /* create flows on SYN or data only: a stray ACK or FIN opens nothing */
    struct flow *f = flow_lookup(pl, &pk, &side, syn || pk.payload_len > 0, ts);
    if (!f)
        return;
    f->last_us = ts;
    if (syn && !ack && f->conn && (f->tcp[side].init || f->tcp[side ^ 1].init) &&
        !(f->tcp[side].syn && f->tcp[side].isn == pk.seq)) {
        /* a new SYN on a port pair in use: the old connection is over */
        close_conn(pl, f, ts);
    }
    if (!f->conn) {
        if (!syn)
            return; /* the tail of a closed connection */
        f->conn = new_conn(pl, f, ts);
        if (!f->conn)
            return;
    }
    struct tcpdir *t = &f->tcp[side];
    if (syn) {
        tsc_conn_set_client_side(f->conn, ack ? side ^ 1 : side, 1);
        if (!t->syn || t->isn != pk.seq) {
            t->syn = 1;
            t->isn = pk.seq;
            t->init = 1;
            t->next_seq = pk.seq + 1;
        }
        if (pk.payload_len)
            tcp_data(pl, f, side, pk.seq + 1, pk.payload, pk.payload_len, ts);
    } else if (pk.payload_len) {
        tcp_data(pl, f, side, pk.seq, pk.payload, pk.payload_len, ts);
        if (pk.payload_len < pk.payload_wire && f->conn) {
            /* the snaplen cut this segment: the rest is a hole */
            uint32_t missing = (uint32_t)(pk.payload_wire - pk.payload_len);
            if ((int32_t)(t->next_seq - (pk.seq + (uint32_t)pk.payload_len)) == 0) {
                pl->st.gaps++;
                tsc_session_gap(&pl->sc, f->conn, side, missing, ts);
                t->next_seq += missing;
            }
        }
    }
    if (!f->conn)
        return;
    if (pk.flags & TSC_TCP_RST) {
        close_conn(pl, f, ts);
        return;
    }
    if (pk.flags & TSC_TCP_FIN) {
        t->fin = 1;
        if (f->tcp[0].fin && f->tcp[1].fin && !f->tcp[0].ooo && !f->tcp[1].ooo)
            close_conn(pl, f, ts);
    }
}

void tsc_pipeline_finish(struct tsc_pipeline *pl)
{
    /* close in order of first packet; each close releases what it can */
    while (pl->q_head) {
        struct tsc_conn *c = pl->q_head;
        if (!c->closed) {
            struct flow *f = c->owner;
            if (f && f->conn == c) {
                close_conn(pl, f, c->last_us);
                continue;
            }
            tsc_session_close(&pl->sc, c, c->last_us);
        }
        release(pl);
    }
}

void tsc_pipeline_free(struct tsc_pipeline *pl)
{
    if (!pl)
        return;
    while (pl->lru_head)
        flow_remove(pl, pl->lru_head);
    struct tsc_conn *c = pl->q_head;
    while (c) {
        struct tsc_conn *nx = c->next;
        if (pl->sink && pl->sink->discard)
            pl->sink->discard(pl->sink->ctx, c);
        tsc_conn_free(c);
        c = nx;
    }
    free(pl->buckets);
    tsc_session_ctx_free(&pl->sc);
    free(pl);
}
