/* Fuzz target: DTLS handshake reassembly (tls/assemble.c's fragments,
 * tsc_asm_frag_skip, _spent and _restart), checked against a model of its
 * contract: fragments out of order, overlapping, repeated, conflicting,
 * over the cap or too far ahead, with skips (the capture will not bring
 * what is missing), spent message numbers (OpenSSL's pre-RFC
 * ChangeCipherSpec) and restarts (a renegotiation) between them. After
 * every call the assembler must agree with the model on
 *   - the verdict (NEW, REPEAT, REFUSED);
 *   - the messages handed on: each once, in message_seq order, the first
 *     copy of every byte (as TCP reassembly keeps it), none over the cap,
 *     each with the OR of the tags of the fragment that began it and of
 *     those that brought new bytes;
 *   - the next message_seq expected (numbering moves back to an earlier
 *     message captured late while nothing has been handed on), what a skip
 *     gave up (messages and missing bytes), tsc_asm_holes and
 *     tsc_asm_pending.
 *
 * Input: [cap u8][base u16][lens 8 bytes], then ops [ctl]...; ctl & 3:
 *   0 a fragment on the wire: its 12-byte header and body
 *     (tsc_hs_frag_parse; the input ends where one does not parse);
 *   1 by (ctl >> 2) & 3: 0 a skip (tsc_asm_frag_skip), 1 message_seq
 *     base + (ctl >> 4) spent (tsc_asm_frag_spent), 2 a restart
 *     (tsc_asm_frag_restart), 3 message_seq base + (ctl >> 4) expected
 *     first (tsc_asm_frag_expect);
 *   2 a fragment of one of 16 messages: [i u8][offset u16][n u16]; message
 *     j = i & 15 is message_seq base + j, type j + 1 (0x42 if i bit 7), its
 *     length lens[j & 7] * 16 for j < 8, lens[j & 7] for the others (one
 *     more if i bit 6); offset and n are cut to fit; byte o of the body is
 *     o * 131 + (ctl >> 2) * 29 + j, so copies that overlap may disagree;
 *   3 a fragment taken as it comes, bounds unchecked: [type u8][length u24]
 *     [message_seq u16][offset u24][n u16] and up to n bytes.
 * A fragment's tag is ctl >> 2. The cap is 64 << (cap & 7). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/assemble.h"

#define WINDOW (TSC_ASM_AHEAD + 1)

#define CHECK(cond)                                                                                                   \
    do {                                                                                                              \
        if (!(cond))                                                                                                  \
            __builtin_trap();                                                                                         \
    } while (0)

/* ------------------------------------------------------------ the model */

struct mmsg {
    uint8_t used;
    uint8_t oversize;
    uint8_t type;
    uint8_t tag;
    uint16_t seq;
    uint32_t length;
    uint32_t held; /* bytes of it that arrived */
    uint8_t *data;
    uint8_t *have; /* have[o]: byte o arrived */
};

struct model {
    size_t cap;
    uint8_t started;
    uint8_t handed; /* a message was handed on or given up */
    uint16_t next;
    struct mmsg m[WINDOW];
};

static struct mmsg *model_find(struct model *md, uint16_t seq)
{
    for (size_t i = 0; i < WINDOW; i++)
        if (md->m[i].used && md->m[i].seq == seq)
            return &md->m[i];
    return NULL;
}

static int model_any(const struct model *md)
{
    for (size_t i = 0; i < WINDOW; i++)
        if (md->m[i].used)
            return 1;
    return 0;
}

static void model_drop(struct mmsg *e)
{
    free(e->data);
    free(e->have);
    memset(e, 0, sizeof *e);
}

/* Separate runs of bytes held, were [lo, hi) added. */
static size_t runs_with(const struct mmsg *e, uint32_t lo, uint32_t hi)
{
    size_t runs = 0;
    int prev = 0;
    for (uint32_t o = 0; o < e->length; o++) {
        int h = e->have[o] || (o >= lo && o < hi);
        if (h && !prev)
            runs++;
        prev = h;
    }
    return runs;
}

/* ---------------------------------------------- what the assembler did */

struct seen {
    size_t cap;
    uint8_t tag;              /* set by the assembler before each message */
    size_t n;                 /* messages handed on during the call */
    uint8_t tags[WINDOW];
    uint8_t type[WINDOW];
    uint32_t len[WINDOW];
    uint8_t *body[WINDOW];
};

static void on_msg(void *arg, uint8_t type, struct tsc_view body)
{
    struct seen *s = arg;
    CHECK(body.len <= s->cap);
    CHECK(s->n < WINDOW); /* no call hands on more than the window holds */
    uint8_t *copy = malloc(body.len ? body.len : 1);
    CHECK(copy != NULL);
    if (body.len)
        memcpy(copy, body.p, body.len);
    s->type[s->n] = type;
    s->tags[s->n] = s->tag;
    s->len[s->n] = (uint32_t)body.len;
    s->body[s->n] = copy;
    s->n++;
}

static void on_err(void *arg, tsc_result why, uint64_t detail)
{
    (void)arg;
    (void)detail;
    CHECK(why.kind != TSC_INTERNAL); /* only a caller mixing modes gets this */
}

static void seen_clear(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->body[i]);
    s->n = 0;
}

/* The model hands on what is complete from `next` on: each must be the
 * assembler's next message, type and bytes. */
static void model_deliver(struct model *md, const struct seen *s, size_t *k)
{
    for (;;) {
        struct mmsg *e = model_find(md, md->next);
        if (!e || (!e->oversize && e->held < e->length))
            break;
        if (!e->oversize) {
            CHECK(*k < s->n);
            CHECK(s->type[*k] == e->type && s->len[*k] == e->length && s->tags[*k] == e->tag);
            CHECK(e->length == 0 || memcmp(s->body[*k], e->data, e->length) == 0);
            (*k)++;
        }
        model_drop(e);
        md->next++;
        md->handed = 1;
    }
}

/* The assembler's answer to one fragment, as the contract says it. */
static enum tsc_asm_verdict model_fragment(struct model *md, const struct tsc_hs_frag *f)
{
    if (f->offset > f->length || f->body.len > f->length - f->offset)
        return TSC_ASM_REFUSED; /* malformed */
    if (!md->started) {
        md->started = 1; /* a capture may begin after message 0 */
        md->next = f->message_seq;
    }
    if (f->message_seq < md->next && !md->handed) {
        /* nothing handed on: numbering moves back to an earlier message
         * captured late, if what is held still fits ahead of it */
        int fits = (uint32_t)(md->next - f->message_seq) <= TSC_ASM_AHEAD;
        for (size_t i = 0; i < WINDOW; i++)
            if (md->m[i].used && (uint32_t)(md->m[i].seq - f->message_seq) > TSC_ASM_AHEAD)
                fits = 0;
        if (fits)
            md->next = f->message_seq;
    }
    if (f->message_seq < md->next)
        return TSC_ASM_REPEAT; /* handed on already */
    if ((uint32_t)(f->message_seq - md->next) > TSC_ASM_AHEAD)
        return TSC_ASM_REFUSED;
    struct mmsg *e = model_find(md, f->message_seq);
    if (e && (e->type != f->type || e->length != f->length))
        return TSC_ASM_REFUSED;
    if (!e) {
        for (size_t i = 0; i < WINDOW && !e; i++)
            if (!md->m[i].used)
                e = &md->m[i];
        CHECK(e != NULL); /* a window of WINDOW seqs never holds more */
        e->used = 1;
        e->seq = f->message_seq;
        e->tag = f->tag; /* the fragment that began it, whatever it brought */
        e->type = f->type;
        e->length = f->length;
        if (f->length > md->cap) {
            e->oversize = 1;
            return TSC_ASM_REFUSED;
        }
        if (f->length > 0) {
            e->data = calloc(f->length, 1);
            e->have = calloc(f->length, 1);
            CHECK(e->data && e->have);
        }
        if (f->length == 0)
            return TSC_ASM_NEW;
    }
    if (e->oversize)
        return TSC_ASM_REFUSED;
    if (f->body.len == 0)
        return TSC_ASM_REPEAT;
    uint32_t lo = f->offset, hi = f->offset + (uint32_t)f->body.len;
    int fresh = 0;
    for (uint32_t o = lo; o < hi; o++)
        fresh |= !e->have[o];
    if (!fresh)
        return TSC_ASM_REPEAT;
    if (runs_with(e, lo, hi) > TSC_ASM_RANGES)
        return TSC_ASM_REFUSED;
    e->tag |= f->tag;
    for (uint32_t o = lo; o < hi; o++) {
        if (!e->have[o]) { /* the first copy of a byte is the one kept */
            e->have[o] = 1;
            e->data[o] = f->body.p[o - lo];
            e->held++;
        }
    }
    return TSC_ASM_NEW;
}

/* After a call: what is held and pending agrees. */
static void check_state(const struct model *md, const struct tsc_hs_asm *a)
{
    CHECK(tsc_asm_next(a) == md->next);
    CHECK(!!tsc_asm_holes(a) == model_any(md));
    uint64_t need = 0;
    int pending = tsc_asm_pending(a, &need);
    const struct mmsg *e = NULL;
    for (size_t i = 0; i < WINDOW; i++)
        if (md->m[i].used && md->m[i].seq == md->next && !md->m[i].oversize)
            e = &md->m[i];
    CHECK(pending == (e != NULL));
    CHECK(!e || need == (uint64_t)e->length - e->held);
}

static void fragment(struct model *md, struct tsc_hs_asm *a, struct seen *s, const struct tsc_asm_out *out,
                     const struct tsc_hs_frag *f)
{
    enum tsc_asm_verdict v = tsc_asm_fragment(a, md->cap, f, out);
    enum tsc_asm_verdict want = model_fragment(md, f);
    CHECK(v == want);
    size_t k = 0;
    model_deliver(md, s, &k);
    CHECK(k == s->n);
    seen_clear(s);
    check_state(md, a);
}

static void skip(struct model *md, struct tsc_hs_asm *a, struct seen *s, const struct tsc_asm_out *out)
{
    uint32_t skipped = 0;
    uint64_t missing = tsc_asm_frag_skip(a, out, &skipped);
    uint64_t want_missing = 0;
    uint32_t want_skipped = 0;
    size_t k = 0;
    while (model_any(md)) {
        /* what is expected next never arrived whole: given up */
        struct mmsg *e = model_find(md, md->next);
        if (e) {
            CHECK(!e->oversize && e->held < e->length); /* else handed on already */
            want_missing += e->length - e->held;
            model_drop(e);
        }
        md->next++;
        md->handed = 1;
        want_skipped++;
        model_deliver(md, s, &k);
    }
    CHECK(k == s->n);
    CHECK(skipped == want_skipped && missing == want_missing);
    seen_clear(s);
    check_state(md, a);
    CHECK(!tsc_asm_holes(a));
}

/* Message `seq` was spent otherwise: passed over if it is the one expected
 * and nothing of it is held. */
static void spent(struct model *md, struct tsc_hs_asm *a, struct seen *s, const struct tsc_asm_out *out, uint16_t seq)
{
    tsc_asm_frag_spent(a, seq, out);
    size_t k = 0;
    if (md->started && seq == md->next && !model_find(md, seq)) {
        md->next++;
        md->handed = 1;
        model_deliver(md, s, &k);
    }
    CHECK(k == s->n);
    seen_clear(s);
    check_state(md, a);
}

/* The first message will be `seq`, unless numbering has begun. */
static void expect(struct model *md, struct tsc_hs_asm *a, struct seen *s, const struct tsc_asm_out *out, uint16_t seq)
{
    tsc_asm_frag_expect(a, seq, out);
    if (!md->started) {
        md->started = 1;
        md->next = seq;
    }
    CHECK(s->n == 0);
    check_state(md, a);
}

/* A new handshake numbers from 0 again: nothing held, no start yet. */
static void restart(struct model *md, struct tsc_hs_asm *a, struct seen *s)
{
    tsc_asm_frag_restart(a);
    for (size_t i = 0; i < WINDOW; i++)
        model_drop(&md->m[i]);
    md->started = 0;
    md->handed = 0;
    md->next = 0;
    CHECK(s->n == 0);
    check_state(md, a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 11)
        return 0;
    struct model md;
    memset(&md, 0, sizeof md);
    md.cap = (size_t)64 << (data[0] & 7);
    uint16_t base = (uint16_t)(data[1] << 8 | data[2]);
    const uint8_t *lens = data + 3;
    struct seen s;
    memset(&s, 0, sizeof s);
    s.cap = md.cap;
    struct tsc_asm_out out = {&s, on_msg, on_err, &s.tag};
    struct tsc_hs_asm a;
    memset(&a, 0, sizeof a);
    static uint8_t gen[255 * 16 + 1]; /* a compact fragment's body */
    struct tsc_cursor c = tsc_cursor_make(data + 11, size - 11);
    while (tsc_cursor_left(&c) > 0) {
        uint8_t ctl = 0;
        (void)tsc_cursor_u8(&c, &ctl);
        struct tsc_hs_frag f;
        memset(&f, 0, sizeof f);
        if ((ctl & 3) == 1) {
            if (((ctl >> 2) & 3) == 0)
                skip(&md, &a, &s, &out);
            else if (((ctl >> 2) & 3) == 1)
                spent(&md, &a, &s, &out, (uint16_t)(base + (ctl >> 4)));
            else if (((ctl >> 2) & 3) == 2)
                restart(&md, &a, &s);
            else
                expect(&md, &a, &s, &out, (uint16_t)(base + (ctl >> 4)));
            continue;
        }
        if ((ctl & 3) == 0) {
            if (!tsc_is_ok(tsc_hs_frag_parse(&c, &f)))
                break;
        } else if ((ctl & 3) == 2) {
            uint8_t i = 0;
            uint16_t off = 0, n = 0;
            if (!tsc_is_ok(tsc_cursor_u8(&c, &i)) || !tsc_is_ok(tsc_cursor_u16(&c, &off)) ||
                !tsc_is_ok(tsc_cursor_u16(&c, &n)))
                break;
            uint8_t j = i & 15;
            f.message_seq = (uint16_t)(base + j);
            f.type = (i & 0x80) ? 0x42 : (uint8_t)(j + 1);
            f.length = (uint32_t)lens[j & 7] * (j < 8 ? 16 : 1) + ((i & 0x40) ? 1 : 0);
            f.offset = off % (f.length + 1);
            uint32_t len = n < f.length - f.offset ? n : f.length - f.offset;
            for (uint32_t t = 0; t < len; t++)
                gen[t] = (uint8_t)((f.offset + t) * 131 + (ctl >> 2) * 29 + j);
            f.body.p = gen;
            f.body.len = len;
        } else {
            uint16_t n = 0;
            if (!tsc_is_ok(tsc_cursor_u8(&c, &f.type)) || !tsc_is_ok(tsc_cursor_u24(&c, &f.length)) ||
                !tsc_is_ok(tsc_cursor_u16(&c, &f.message_seq)) || !tsc_is_ok(tsc_cursor_u24(&c, &f.offset)) ||
                !tsc_is_ok(tsc_cursor_u16(&c, &n)))
                break;
            size_t take = n < tsc_cursor_left(&c) ? n : tsc_cursor_left(&c);
            (void)tsc_cursor_bytes(&c, take, &f.body);
        }
        f.tag = ctl >> 2;
        fragment(&md, &a, &s, &out, &f);
    }
    for (size_t i = 0; i < WINDOW; i++)
        model_drop(&md.m[i]);
    tsc_asm_free(&a);
    return 0;
}
