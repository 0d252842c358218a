/*
 * tee.c - two sinks behind one (tee.h).
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "report/tee.h"

struct tsc_tee {
    struct tsc_sink sink;
    const struct tsc_sink *to[2];
    _Atomic uint64_t dropped;
};

/* Each sink's own slots of one connection. */
struct tee_slots {
    void *sink_data[2];
    void *export_data[2];
};

static struct tee_slots *slots_of(struct tsc_conn *c, int create)
{
    if (!c->sink_data && create)
        c->sink_data = calloc(1, sizeof(struct tee_slots));
    return c->sink_data;
}

/* Run sink i with its own slots in the connection, then keep what it left there. */
#define TEE_CALL(t, c, sl, i, call)                                                                                   \
    do {                                                                                                              \
        (c)->sink_data = (sl) ? (sl)->sink_data[i] : NULL;                                                            \
        (c)->export_data = (sl) ? (sl)->export_data[i] : NULL;                                                        \
        call;                                                                                                         \
        if (sl) {                                                                                                     \
            (sl)->sink_data[i] = (c)->sink_data;                                                                      \
            (sl)->export_data[i] = (c)->export_data;                                                                  \
        }                                                                                                             \
    } while (0)

static void tee_event(void *ctx, const struct tsc_event *ev)
{
    struct tsc_tee *t = ctx;
    struct tsc_conn *c = ev->conn;
    struct tee_slots *sl = slots_of(c, 1);
    if (!sl) {
        atomic_fetch_add(&t->dropped, 1);
        return;
    }
    for (int i = 0; i < 2; i++)
        TEE_CALL(t, c, sl, i, t->to[i]->event(t->to[i]->ctx, ev));
    c->sink_data = sl;
    c->export_data = NULL;
}

static void tee_emit(void *ctx, struct tsc_conn *c, uint64_t ordinal)
{
    struct tsc_tee *t = ctx;
    struct tee_slots *sl = slots_of(c, 0);
    for (int i = 0; i < 2; i++)
        TEE_CALL(t, c, sl, i, t->to[i]->emit(t->to[i]->ctx, c, ordinal));
    free(sl);
    c->sink_data = NULL;
    c->export_data = NULL;
}

static void tee_discard(void *ctx, struct tsc_conn *c)
{
    struct tsc_tee *t = ctx;
    struct tee_slots *sl = slots_of(c, 0);
    for (int i = 0; i < 2; i++)
        TEE_CALL(t, c, sl, i, t->to[i]->discard(t->to[i]->ctx, c));
    free(sl);
    c->sink_data = NULL;
    c->export_data = NULL;
}

struct tsc_tee *tsc_tee_new(const struct tsc_sink *a, const struct tsc_sink *b)
{
    struct tsc_tee *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->to[0] = a;
    t->to[1] = b;
    t->sink.ctx = t;
    t->sink.event = tee_event;
    t->sink.emit = tee_emit;
    t->sink.discard = tee_discard;
    return t;
}

const struct tsc_sink *tsc_tee_sink(struct tsc_tee *t) { return &t->sink; }

uint64_t tsc_tee_dropped(const struct tsc_tee *t) { return atomic_load(&t->dropped); }

void tsc_tee_free(struct tsc_tee *t) { free(t); }
