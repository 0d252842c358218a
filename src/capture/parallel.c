/*
 * parallel.c - the parallel reader (see parallel.h).
 */
#include "capture/parallel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/pcapfile.h"
#include "core/hash.h"

/* packets in flight per worker: 4,096 descriptors of about 112 bytes
 * (0.45 MiB a worker); the file buffers (READ_BUFFERS) bound the lag in
 * bytes anyway, and 8,192 made no difference in speed but 0.9 MiB of
 * peak RSS at -j 2 (docs/performance.md) */
#define RING 4096
#define MERGE_EVERY 2048
/* connections waiting to be written: few, since they are held outside
 * --max-memory, and the main thread waits (as it waited for the writes)
 * when the output is slower than the reading */
#define EMIT_QUEUE 256
/* file buffers in flight (TSC_PCAPFILE_BLOCK each): workers may lag this far */
#define READ_BUFFERS 8

/* A finished connection a worker handed over, to be released in order on
 * the emitter (or main) thread with the worker's consumer context. */
struct handed {
    uint64_t order;
    struct tsc_flow_conn *c;
    void *ctx;
};

enum { D_SEGMENT, D_OWNED, D_TICK, D_END };

/* A TCP segment or UDP datagram the main thread decoded to route it: the
 * worker takes the fields as they are instead of decoding the packet again. */
struct seg {
    struct tsc_endpoint src, dst;
    uint32_t seq, ack;
    uint8_t flags;
    uint8_t proto;
    uint32_t payload_len, payload_wire;
    const uint8_t *payload;
};

/* A reassembled IP datagram's segment or datagram, with its bytes. */
struct owned_pkt {
    struct tsc_packet pk;
    uint8_t data[];
};

struct desc {
    uint8_t kind;
    struct seg seg;          /* D_SEGMENT */
    struct owned_pkt *owned; /* D_OWNED */
    int64_t ts;
    uint64_t index;
    uint64_t file_off;
};

/* head and tail on lines of their own, and each side reads the other's
 * index only when its cached copy says the ring is full (main) or empty
 * (worker): no cache line travels between the cores per packet. */
struct worker {
    pthread_t thread;
    struct tsc_pipeline *pl;
    const struct tsc_flow_ops *ops;
    struct desc ring[RING];
    _Alignas(64) _Atomic uint64_t head; /* next to write (main) */
    uint64_t tail_seen;                 /* main's copy of tail */
    _Alignas(64) _Atomic uint64_t tail; /* next to read (worker) */
    _Atomic uint64_t done_off;          /* file offset of the last packet finished */
    _Atomic uint64_t watermark;         /* no connection older than this is still to come */
    _Alignas(64) pthread_mutex_t lock;
    struct handed *done; /* finished connections for the merger */
    size_t ndone, capdone;
};

/* Connections in output order, rendered and written by a thread of their
 * own: the main thread, which reads the whole file, is -j's bottleneck. */
struct emitter {
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t more, room;
    struct handed *q; /* ring of EMIT_QUEUE, ordinals follow from `next` */
    size_t head, n;
    uint64_t next; /* ordinal of q[head] */
    int done;
    const struct tsc_flow_ops *ops;
};

struct par {
    struct worker *w;
    int n;
    struct tsc_hash_key key;
    const struct tsc_flow_ops *ops; /* the consumer of every worker */
    struct handed *heap; /* merger: min-heap by order */
    size_t nheap, capheap;
    uint64_t ordinal, tls; /* connections released with an ordinal */
    struct emitter em;
    uint64_t index;         /* packets read so far */
};

static void nap(long ns)
{
    struct timespec t = {0, ns};
    nanosleep(&t, NULL);
}

/* ---------------------------------------------------------------- worker */

static void handoff(void *arg, struct tsc_flow_conn *c, uint64_t order)
{
    struct worker *w = arg;
    struct handed h = {order, c, tsc_pipeline_consumer(w->pl)};
    pthread_mutex_lock(&w->lock);
    if (w->ndone == w->capdone) {
        size_t cap = w->capdone ? w->capdone * 2 : 256;
        struct handed *nd = realloc(w->done, cap * sizeof *nd);
        if (!nd) {
            pthread_mutex_unlock(&w->lock);
            w->ops->free(h.ctx, c); /* out of memory: this report is lost, the run goes on */
            return;
        }
        w->done = nd;
        w->capdone = cap;
    }
    w->done[w->ndone++] = h;
    pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t last_index = 0, head = 0;
    for (;;) {
        uint64_t tail = atomic_load_explicit(&w->tail, memory_order_relaxed);
        if (tail == head)
            head = atomic_load_explicit(&w->head, memory_order_acquire);
        if (tail == head) {
            uint64_t wm = tsc_pipeline_watermark(w->pl);
            atomic_store_explicit(&w->watermark, wm < last_index + 1 ? wm : last_index + 1, memory_order_release);
            nap(20000);
            continue;
        }
        struct desc *d = &w->ring[tail % RING];
        switch (d->kind) {
        case D_SEGMENT: {
            struct tsc_packet pk;
            pk.src = d->seg.src;
            pk.dst = d->seg.dst;
            pk.proto = d->seg.proto;
            pk.seq = d->seg.seq;
            pk.ack = d->seg.ack;
            pk.flags = d->seg.flags;
            pk.payload = d->seg.payload;
            pk.payload_len = d->seg.payload_len;
            pk.payload_wire = d->seg.payload_wire;
            tsc_pipeline_transport(w->pl, &pk, d->ts, d->index);
            break;
        }
        case D_OWNED:
            tsc_pipeline_transport(w->pl, &d->owned->pk, d->ts, d->index);
            free(d->owned);
            break;
        case D_TICK:
            tsc_pipeline_tick(w->pl, d->ts);
            break;
        case D_END:
            tsc_pipeline_finish(w->pl);
            atomic_store_explicit(&w->watermark, UINT64_MAX, memory_order_release);
            atomic_store_explicit(&w->tail, tail + 1, memory_order_release);
            return NULL;
        }
        if (d->index)
            last_index = d->index;
        /* release: the main thread refills a buffer once done_off is past it,
         * so every read of this packet's bytes must come before */
        atomic_store_explicit(&w->done_off, d->file_off, memory_order_release);
        atomic_store_explicit(&w->tail, tail + 1, memory_order_release);
        if ((tail & 255) == 0) {
            uint64_t wm = tsc_pipeline_watermark(w->pl);
            atomic_store_explicit(&w->watermark, wm < last_index + 1 ? wm : last_index + 1, memory_order_release);
        }
    }
}

static void push(struct worker *w, const struct desc *d)
{
    uint64_t head = atomic_load_explicit(&w->head, memory_order_relaxed);
    while (head - w->tail_seen >= RING) {
        w->tail_seen = atomic_load_explicit(&w->tail, memory_order_acquire);
        if (head - w->tail_seen >= RING)
            nap(10000);
    }
    w->ring[head % RING] = *d;
    atomic_store_explicit(&w->head, head + 1, memory_order_release);
}

/* ---------------------------------------------------------------- merger */

static void heap_push(struct par *p, struct handed c)
{
    if (p->nheap == p->capheap) {
        size_t cap = p->capheap ? p->capheap * 2 : 1024;
        struct handed *nh = realloc(p->heap, cap * sizeof *nh);
        if (!nh) {
            p->ops->free(c.ctx, c.c);
            return;
        }
        p->heap = nh;
        p->capheap = cap;
    }
    size_t i = p->nheap++;
    p->heap[i] = c;
    while (i && p->heap[(i - 1) / 2].order > p->heap[i].order) {
        struct handed t = p->heap[i];
        p->heap[i] = p->heap[(i - 1) / 2];
        p->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static struct handed heap_pop(struct par *p)
{
    struct handed top = p->heap[0];
    p->heap[0] = p->heap[--p->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < p->nheap && p->heap[l].order < p->heap[m].order)
            m = l;
        if (r < p->nheap && p->heap[r].order < p->heap[m].order)
            m = r;
        if (m == i)
            break;
        struct handed t = p->heap[i];
        p->heap[i] = p->heap[m];
        p->heap[m] = t;
        i = m;
    }
    return top;
}

/* ---------------------------------------------------------------- emitter */

static void *emitter_main(void *arg)
{
    struct emitter *e = arg;
    struct handed take[64];
    for (;;) {
        pthread_mutex_lock(&e->mu);
        while (e->n == 0 && !e->done)
            pthread_cond_wait(&e->more, &e->mu);
        if (e->n == 0) {
            pthread_mutex_unlock(&e->mu);
            return NULL;
        }
        size_t k = 0;
        uint64_t ordinal = e->next;
        while (k < 64 && e->n) {
            take[k++] = e->q[e->head];
            e->head = (e->head + 1) % EMIT_QUEUE;
            e->n--;
        }
        e->next += k;
        pthread_cond_signal(&e->room);
        pthread_mutex_unlock(&e->mu);
        for (size_t i = 0; i < k; i++) {
            e->ops->release(take[i].ctx, take[i].c, ordinal + i);
            e->ops->free(take[i].ctx, take[i].c);
        }
    }
}

static void emit_push(struct emitter *e, struct handed c)
{
    pthread_mutex_lock(&e->mu);
    while (e->n == EMIT_QUEUE)
        pthread_cond_wait(&e->room, &e->mu);
    e->q[(e->head + e->n) % EMIT_QUEUE] = c;
    if (e->n++ == 0)
        pthread_cond_signal(&e->more);
    pthread_mutex_unlock(&e->mu);
}

static void emitter_start(struct emitter *e, const struct tsc_flow_ops *ops)
{
    memset(e, 0, sizeof *e);
    e->ops = ops;
    e->next = 1;
    e->q = malloc(EMIT_QUEUE * sizeof *e->q);
    if (!e->q)
        return; /* the main thread emits, as without the emitter */
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->more, NULL);
    pthread_cond_init(&e->room, NULL);
    if (pthread_create(&e->thread, NULL, emitter_main, e) != 0) {
        pthread_mutex_destroy(&e->mu);
        pthread_cond_destroy(&e->more);
        pthread_cond_destroy(&e->room);
        free(e->q);
        e->q = NULL;
        return;
    }
    e->running = 1;
}

/* Everything queued is written, then the thread ends. */
static void emitter_stop(struct emitter *e)
{
    if (!e->running)
        return;
    pthread_mutex_lock(&e->mu);
    e->done = 1;
    pthread_cond_signal(&e->more);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->thread, NULL);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->more);
    pthread_cond_destroy(&e->room);
    free(e->q);
    e->running = 0;
}

/* Emit, in order, every finished connection no worker can precede. */
static void merge(struct par *p)
{
    uint64_t wm = UINT64_MAX;
    for (int i = 0; i < p->n; i++) {
        uint64_t v = atomic_load_explicit(&p->w[i].watermark, memory_order_acquire);
        if (v < wm)
            wm = v;
    }
    for (int i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        pthread_mutex_lock(&w->lock);
        for (size_t k = 0; k < w->ndone; k++)
            heap_push(p, w->done[k]);
        w->ndone = 0;
        pthread_mutex_unlock(&w->lock);
    }
    while (p->nheap && p->heap[0].order < wm) {
        struct handed c = heap_pop(p);
        p->tls++;
        ++p->ordinal;
        if (p->em.running) {
            emit_push(&p->em, c);
            continue;
        }
        p->ops->release(c.ctx, c.c, p->ordinal);
        p->ops->free(c.ctx, c.c);
    }
}

/* ------------------------------------------------------------------ main */

/* The reader is about to reuse a buffer whose bytes end at file offset
 * `upto`: wait until every worker has finished the packets before it. */
static void wait_workers(void *arg, uint64_t upto)
{
    struct par *p = arg;
    for (int i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        while (atomic_load_explicit(&w->tail, memory_order_acquire) !=
                   atomic_load_explicit(&w->head, memory_order_relaxed) &&
               atomic_load_explicit(&w->done_off, memory_order_acquire) < upto)
            nap(10000);
    }
}

static uint64_t route_hash(const struct par *p, const struct tsc_packet *pk)
{
    struct {
        uint8_t a[16], b[16];
        uint16_t pa, pb;
        uint8_t family;
    } k;
    memset(&k, 0, sizeof k);
    int lo = memcmp(pk->src.addr, pk->dst.addr, 16) < 0 ||
             (memcmp(pk->src.addr, pk->dst.addr, 16) == 0 && pk->src.port <= pk->dst.port);
    const struct tsc_endpoint *x = lo ? &pk->src : &pk->dst, *y = lo ? &pk->dst : &pk->src;
    memcpy(k.a, x->addr, 16);
    memcpy(k.b, y->addr, 16);
    k.pa = x->port;
    k.pb = y->port;
    k.family = pk->src.family;
    return tsc_siphash(&p->key, &k, sizeof k);
}

static int same_ep(const struct tsc_endpoint *a, const struct tsc_endpoint *b)
{
    return a->port == b->port && a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* The worker of a packet's connection: that of the packet before when both
 * belong to the same connection (either direction; bursts), else by hash. */
struct router {
    struct tsc_endpoint a, b;
    uint64_t worker;
    int valid;
};

static uint64_t route(struct router *r, const struct par *p, const struct tsc_packet *pk)
{
    if (r->valid && ((same_ep(&pk->src, &r->a) && same_ep(&pk->dst, &r->b)) ||
                     (same_ep(&pk->src, &r->b) && same_ep(&pk->dst, &r->a))))
        return r->worker;
    r->a = pk->src;
    r->b = pk->dst;
    r->worker = route_hash(p, pk) % (uint64_t)p->n;
    r->valid = 1;
    return r->worker;
}

struct frag_route {
    struct par *p;
    uint64_t index;
    uint64_t file_off;
};

/* A reassembled datagram from the main thread's fragment table (a TCP
 * segment or a UDP datagram): copy it (its buffer is reused) and send it to
 * the worker of its flow. */
static void route_reassembled(void *arg, const struct tsc_packet *pk, int64_t ts)
{
    struct frag_route *fr = arg;
    struct owned_pkt *o = malloc(sizeof *o + pk->payload_len + 1);
    if (!o)
        return;
    o->pk = *pk;
    memcpy(o->data, pk->payload, pk->payload_len);
    o->pk.payload = o->data;
    struct desc d = {.kind = D_OWNED, .owned = o, .ts = ts, .index = fr->index, .file_off = fr->file_off};
    push(&fr->p->w[route_hash(fr->p, pk) % (uint64_t)fr->p->n], &d);
}

/* A secrets block between packets: every packet pushed so far is through
 * its worker (the workers are idle until the next push), then the keys go
 * to every worker's consumer context. */
struct par_secrets {
    struct par *p;
    const struct tsc_source_secrets *s;
};

static void par_secrets(void *arg, uint32_t type, const uint8_t *data, size_t n)
{
    struct par_secrets *ps = arg;
    struct par *p = ps->p;
    void *ctxs[TSC_PAR_MAX_WORKERS];
    size_t k = 0;
    for (int i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        while (atomic_load_explicit(&w->tail, memory_order_acquire) !=
               atomic_load_explicit(&w->head, memory_order_relaxed))
            nap(10000);
        if (k < TSC_PAR_MAX_WORKERS)
            ctxs[k++] = tsc_pipeline_consumer(w->pl);
    }
    ps->s->fn(ps->s->arg, type, data, n, ctxs, k);
}

int tsc_parallel_read_file(const char *path, int workers, const struct tsc_limits *lim,
                           const struct tsc_flow_factory *fac, struct tsc_source_result *res,
                           struct tsc_pipeline_stats *stats, const struct tsc_source_secrets *secrets)
{
    struct tsc_pcapfile f;
    memset(res, 0, sizeof *res);
    memset(stats, 0, sizeof *stats);
    int rc = tsc_pcapfile_open(&f, path);
    if (rc <= 0) {
        if (rc < 0)
            snprintf(res->error, sizeof res->error, "%s", f.error);
        return rc < 0 ? 1 : 0;
    }
    if (!f.ng && !tsc_link_supported(f.linktype)) {
        tsc_pcapfile_close(&f);
        return 0; /* the single-threaded path says why */
    }
    /* what workers share read-only must be built before they start */
    if (fac->ops->prepare)
        fac->ops->prepare(fac->arg);

    struct par p;
    memset(&p, 0, sizeof p);
    p.n = workers;
    p.ops = fac->ops;
    tsc_hash_key_random(&p.key);
    p.w = aligned_alloc(_Alignof(struct worker), (size_t)workers * sizeof *p.w); /* a multiple of 64 */
    if (p.w)
        memset(p.w, 0, (size_t)workers * sizeof *p.w);
    struct tsc_limits wl = *lim;
    wl.max_flows = lim->max_flows / (size_t)workers + 1;
    wl.max_memory = lim->max_memory / (size_t)workers;
    /* the main thread's pipeline only reassembles IP fragments: no consumer */
    struct frag_route fr = {&p, 0, 0};
    struct tsc_pipeline *main_pl = tsc_pipeline_new(lim, NULL);
    int started = 0, ready = 0; /* not ready: threads could not start, read with one */
    if (!p.w || !main_pl)
        goto out;
    tsc_pipeline_set_reassembled(main_pl, route_reassembled, &fr);
    tsc_pcapfile_set_buffers(&f, READ_BUFFERS, wait_workers, &p);
    for (int i = 0; i < workers; i++) {
        struct worker *w = &p.w[i];
        atomic_init(&w->head, 0);
        atomic_init(&w->tail, 0);
        atomic_init(&w->watermark, 0);
        atomic_init(&w->done_off, 0);
        w->pl = tsc_pipeline_new(&wl, fac);
        if (!w->pl)
            goto out;
        w->ops = fac->ops;
        pthread_mutex_init(&w->lock, NULL); /* destroyed with the pipeline */
        tsc_pipeline_set_parallel(w->pl, handoff, w);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            goto out;
        started++;
    }
    ready = 1;
    emitter_start(&p.em, fac->ops);
    struct par_secrets ps = {&p, secrets};
    if (secrets && secrets->fn) {
        f.on_secrets = par_secrets;
        f.on_secrets_arg = &ps;
    }
    struct tsc_pcap_packet pkt;
    struct router rt = {0};
    while ((rc = tsc_pcapfile_next(&f, &pkt)) == 1) {
        struct tsc_packet pk;
        uint64_t index = ++p.index;
        uint64_t off = tsc_pcapfile_offset(&f);
        res->packets++;
        stats->packets++;
        stats->bytes += pkt.caplen;
        switch (tsc_packet_decode(pkt.linktype, pkt.data, pkt.caplen, &pk)) {
        case TSC_PKT_TCP:
        case TSC_PKT_UDP: {
            struct desc d = {.kind = D_SEGMENT, .ts = pkt.ts_us, .index = index, .file_off = off};
            d.seg.src = pk.src;
            d.seg.dst = pk.dst;
            d.seg.proto = pk.proto;
            d.seg.seq = pk.seq;
            d.seg.ack = pk.ack;
            d.seg.flags = pk.flags;
            d.seg.payload = pk.payload;
            d.seg.payload_len = (uint32_t)pk.payload_len;
            d.seg.payload_wire = (uint32_t)pk.payload_wire;
            push(&p.w[route(&rt, &p, &pk)], &d);
            break;
        }
        case TSC_PKT_FRAGMENT:
            fr.index = index;
            fr.file_off = off;
            tsc_pipeline_packet(main_pl, pkt.linktype, pkt.data, pkt.caplen, pkt.ts_us);
            break;
        case TSC_PKT_NOT_IP: stats->not_ip++; break;
        case TSC_PKT_OTHER_PROTO: stats->other_proto++; break;
        case TSC_PKT_TRUNCATED: stats->truncated++; break;
        case TSC_PKT_MALFORMED: stats->malformed++; break;
        default: stats->link_unsupported++; break;
        }
        if ((index % MERGE_EVERY) == 0) {
            /* time passes for every worker */
            for (int i = 0; i < workers; i++) {
                struct desc t = {.kind = D_TICK, .ts = pkt.ts_us, .file_off = off};
                push(&p.w[i], &t);
            }
            merge(&p);
        }
    }
    tsc_source_result_end(res, rc, f.error);
    tsc_source_secrets_late(res, f.secrets_late);
    tsc_source_links_unread(res, f.unsupported_packets, f.unsupported_link, f.unsupported_more);
out:
    if (main_pl)
        tsc_pipeline_finish(main_pl);
    for (int i = 0; i < started; i++) {
        struct desc e = {.kind = D_END};
        push(&p.w[i], &e);
    }
    for (int i = 0; i < started; i++)
        pthread_join(p.w[i].thread, NULL);
    if (ready)
        merge(&p);
    emitter_stop(&p.em);
    stats->tls_connections = p.tls;
    if (main_pl) {
        const struct tsc_pipeline_stats *m = tsc_pipeline_stats(main_pl);
        stats->fragments += m->fragments;
        stats->fragments_reassembled += m->fragments_reassembled;
        stats->fragments_dropped += m->fragments_dropped;
        tsc_pipeline_free(main_pl);
    }
    for (int i = 0; p.w && i < workers; i++) {
        struct worker *w = &p.w[i];
        if (!w->pl)
            continue;
        const struct tsc_pipeline_stats *s = tsc_pipeline_stats(w->pl);
        stats->tcp_packets += s->tcp_packets;
        stats->udp_packets += s->udp_packets;
        stats->flows += s->flows;
        stats->udp_flows += s->udp_flows;
        stats->evictions += s->evictions;
        stats->overlaps_conflicting += s->overlaps_conflicting;
        stats->gaps += s->gaps;
        stats->idle_closed += s->idle_closed;
        tsc_pipeline_free(w->pl);
        pthread_mutex_destroy(&w->lock);
        free(w->done);
    }
    free(p.w);
    free(p.heap);
    tsc_pcapfile_close(&f);
    if (!ready) {
        memset(stats, 0, sizeof *stats);
        return 0; /* out of memory or threads: the caller reads with one thread */
    }
    return 1;
}
