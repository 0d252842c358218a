/* Fuzz target: QUIC CRYPTO reassembly (tls/assemble.c's offsets,
 * tsc_asm_crypto), checked against a model of its contract: pieces of an
 * epoch's CRYPTO stream out of order, overlapping (with bytes that
 * disagree), repeated, with gaps, too far ahead of what joins up, in too
 * many pieces, and at offsets near and past 2^62 - 1 (RFC 9000 19.6).
 * The model keeps a byte map of what is held ahead of the joined stream
 * and reads the joined stream one byte at a time as handshake messages
 * ([type][u24 length][body]). After every call the assembler must agree
 * with it on
 *   - the verdict (NEW, REPEAT, REFUSED), and for each REFUSED its error
 *     (MALFORMED past 2^62 - 1, LIMIT too far ahead or in too many pieces);
 *   - the messages handed on: exactly those the joined stream holds, in
 *     order, with the first copy of each byte, none over the cap (a
 *     message over the cap is passed over by its length);
 *   - the stream offset joined (tsc_asm_next), whether bytes are held that
 *     did not join (tsc_asm_holes), and the message pending and the bytes
 *     it still needs (tsc_asm_pending).
 * One documented limit of the stream assembler is modelled rather than
 * ignored: a message that straddles calls is buffered within `cap`, so the
 * stream breaks for good exactly when the bytes of the message pending
 * plus those joined by the call exceed the cap (or, with nothing pending,
 * when the partial message left at the end does); after that every call is
 * REFUSED and nothing more is handed on.
 *
 * Input: [cfg u8][lens 6 x u16], then ops [ctl]...; the cap is
 * 64 << (cfg & 7). The stream the generated pieces are cut from holds six
 * messages of types 1, 2, 8, 11, 15, 20 and lengths lens[j], byte o of
 * message j's body being o * 131 + j * 29; past them byte o is o * 7 + 3.
 * A generated piece is at most 4 * cap bytes (n modulo 4 * cap + 1); its
 * bytes are XORed with ctl >> 2 (0: the true bytes;
 * otherwise a copy that disagrees). ctl & 3:
 *   0 a piece as it comes: [offset u24][n u16] and up to n bytes;
 *   1 a generated piece: [offset u24][n u16];
 *   2 a generated piece near the largest offset: [d u16][n u16], at
 *     offset by (ctl >> 2) & 3: 0 2^62 - 1 - d, 1 2^62 + d, 2 2^64 - 1 - d,
 *     3 next + cap - d (next: what joins up so far);
 *   3 a generated piece around the join point: [d u16][n u16] at offset
 *     next + d - 1024 (0 if that is negative). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/assemble.h"

#define CHECK(cond)                                                                                                   \
    do {                                                                                                              \
        if (!(cond))                                                                                                  \
            __builtin_trap();                                                                                         \
    } while (0)

#define OFFSET_MAX (((uint64_t)1 << 62) - 1)
#define NMSG 6

/* ------------------------------------------------------------ the model */

struct model {
    size_t cap;
    uint64_t next;         /* stream bytes joined */
    uint8_t *data, *have;  /* bytes ahead of `next`, by offset - next */
    size_t held;           /* bytes ahead that arrived */
    uint8_t broken;
    uint8_t malformed;     /* the last REFUSED was for a malformed piece, not a limit */
    /* the joined stream read as messages, one byte at a time */
    uint8_t hdr[4];
    uint8_t hdr_have;
    uint8_t oversize;      /* the message being read is over the cap: passed over */
    uint32_t len;
    uint32_t body_have;
    uint8_t *body;         /* cap bytes */
};

/* ---------------------------------------------- what the assembler did */

struct seen {
    size_t cap;
    size_t n, max;         /* messages handed on during the call */
    uint8_t *type;
    uint32_t *len;
    uint8_t **body;
    unsigned errors;
    unsigned limits;
    unsigned malformed;
};

static void on_msg(void *arg, uint8_t type, struct tsc_view body)
{
    struct seen *s = arg;
    CHECK(body.len <= s->cap);
    if (s->n == s->max) {
        size_t nm = s->max ? s->max * 2 : 16;
        uint8_t *nt = realloc(s->type, nm);
        CHECK(nt != NULL);
        s->type = nt;
        uint32_t *nl = realloc(s->len, nm * sizeof *nl);
        CHECK(nl != NULL);
        s->len = nl;
        uint8_t **nb = realloc(s->body, nm * sizeof *nb);
        CHECK(nb != NULL);
        s->body = nb;
        s->max = nm;
    }
    uint8_t *copy = malloc(body.len ? body.len : 1);
    CHECK(copy != NULL);
    if (body.len)
        memcpy(copy, body.p, body.len);
    s->type[s->n] = type;
    s->len[s->n] = (uint32_t)body.len;
    s->body[s->n] = copy;
    s->n++;
}

static void on_err(void *arg, tsc_result why, uint64_t detail)
{
    struct seen *s = arg;
    (void)detail;
    CHECK(why.kind != TSC_INTERNAL); /* only a caller mixing modes gets this */
    s->errors++;
    if (why.kind == TSC_LIMIT)
        s->limits++;
    if (why.kind == TSC_MALFORMED)
        s->malformed++;
}

static void seen_clear(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->body[i]);
    s->n = 0;
    s->errors = 0;
    s->limits = 0;
    s->malformed = 0;
}

static void seen_free(struct seen *s)
{
    seen_clear(s);
    free(s->type);
    free(s->len);
    free(s->body);
}

/* Bytes of the message being read that a stream assembler must buffer. */
static uint64_t model_partial(const struct model *md)
{
    if (md->hdr_have < 4)
        return md->hdr_have;
    return md->oversize ? 0 : 4 + (uint64_t)md->body_have;
}

/* A whole message read from the joined stream: the assembler's next one. */
static void model_emit(struct model *md, const struct seen *s, size_t *k, const uint8_t *body)
{
    CHECK(*k < s->n);
    CHECK(s->type[*k] == md->hdr[0] && s->len[*k] == md->len);
    CHECK(md->len == 0 || memcmp(s->body[*k], body, md->len) == 0);
    (*k)++;
    md->hdr_have = 0;
}

/* Read the bytes that joined up in one call, as the stream assembler
 * must, breaking where its buffer must. */
static void model_stream(struct model *md, const struct seen *s, size_t *k, const uint8_t *p, size_t n)
{
    uint64_t before = model_partial(md);
    if (before > 0 && before + n > md->cap) {
        md->broken = 1; /* the pending message and the call's bytes do not fit */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (md->hdr_have < 4) {
            md->hdr[md->hdr_have++] = p[i];
            if (md->hdr_have < 4)
                continue;
            md->len = (uint32_t)md->hdr[1] << 16 | (uint32_t)md->hdr[2] << 8 | md->hdr[3];
            md->oversize = md->len > md->cap;
            md->body_have = 0;
            if (md->len == 0)
                model_emit(md, s, k, NULL);
            continue;
        }
        if (!md->oversize)
            md->body[md->body_have] = p[i];
        md->body_have++;
        if (md->body_have < md->len)
            continue;
        if (md->oversize)
            md->hdr_have = 0;
        else
            model_emit(md, s, k, md->body);
    }
    if (before == 0 && model_partial(md) > md->cap)
        md->broken = 1; /* the message left over does not fit */
}

static int model_holes(const struct model *md) { return md->held > 0; }

/* Separate runs of bytes held ahead, were [lo, hi) added. */
static size_t runs_with(const struct model *md, size_t lo, size_t hi)
{
    size_t runs = 0;
    int prev = 0;
    for (size_t o = 0; o < md->cap; o++) {
        int h = md->have[o] || (o >= lo && o < hi);
        if (h && !prev)
            runs++;
        prev = h;
    }
    return runs;
}

/* The assembler's answer to n bytes at `offset`, as the contract says it;
 * what joins up is read and checked against what was handed on. */
static enum tsc_asm_verdict model_crypto(struct model *md, const struct seen *s, size_t *k, uint64_t offset,
                                         const uint8_t *p, size_t n)
{
    if (md->broken)
        return TSC_ASM_REFUSED;
    md->malformed = 0;
    if (offset > OFFSET_MAX || n > OFFSET_MAX - offset) {
        md->malformed = 1; /* past the largest offset a stream has */
        return TSC_ASM_REFUSED;
    }
    if (n == 0 || offset + n <= md->next)
        return TSC_ASM_REPEAT; /* all of it joined already */
    if (offset < md->next) {
        size_t cut = (size_t)(md->next - offset);
        p += cut;
        n -= cut;
        offset = md->next;
    }
    if (offset == md->next && !model_holes(md)) {
        md->next += n; /* joins up, nothing held: on at once, whatever its size */
        model_stream(md, s, k, p, n);
        return TSC_ASM_NEW;
    }
    uint64_t rel = offset - md->next;
    if (rel > md->cap || n > md->cap - rel)
        return TSC_ASM_REFUSED; /* too far ahead of what joins up */
    size_t lo = (size_t)rel, hi = (size_t)rel + n;
    int fresh = 0;
    for (size_t o = lo; o < hi && !fresh; o++)
        fresh = !md->have[o];
    if (!fresh)
        return TSC_ASM_REPEAT;
    if (runs_with(md, lo, hi) > TSC_ASM_RANGES)
        return TSC_ASM_REFUSED;
    for (size_t o = lo; o < hi; o++) {
        if (!md->have[o]) { /* the first copy of a byte is the one kept */
            md->have[o] = 1;
            md->data[o] = p[o - lo];
            md->held++;
        }
    }
    size_t joined = 0;
    while (joined < md->cap && md->have[joined])
        joined++;
    if (joined) {
        md->next += joined;
        md->held -= joined;
        model_stream(md, s, k, md->data, joined);
        memmove(md->data, md->data + joined, md->cap - joined);
        memmove(md->have, md->have + joined, md->cap - joined);
        memset(md->have + md->cap - joined, 0, joined);
    }
    return TSC_ASM_NEW;
}

static void check_state(const struct model *md, const struct tsc_hs_asm *a)
{
    CHECK(tsc_asm_next(a) == md->next);
    CHECK(!!tsc_asm_holes(a) == model_holes(md));
    CHECK(!!a->broken == md->broken);
    uint64_t need = 0;
    int pending = tsc_asm_pending(a, &need);
    uint64_t partial = md->broken ? 0 : model_partial(md);
    CHECK(pending == (partial > 0));
    if (partial > 0)
        CHECK(need == (md->hdr_have < 4 ? 0 : (uint64_t)md->len - md->body_have));
}

static void crypto(struct model *md, struct tsc_hs_asm *a, struct seen *s, const struct tsc_asm_out *out,
                   uint64_t offset, const uint8_t *p, size_t n)
{
    uint8_t was_broken = md->broken;
    enum tsc_asm_verdict v = tsc_asm_crypto(a, md->cap, offset, p, n, out);
    size_t k = 0;
    enum tsc_asm_verdict want = model_crypto(md, s, &k, offset, p, n);
    CHECK(v == want);
    CHECK(k == s->n); /* nothing handed on that the stream does not hold */
    if (v == TSC_ASM_REPEAT)
        CHECK(s->errors == 0);
    if (v == TSC_ASM_REFUSED && !was_broken)
        CHECK(md->malformed ? s->malformed > 0 && s->limits == 0 : s->limits > 0);
    if (md->broken && !was_broken)
        CHECK(s->limits > 0);
    seen_clear(s);
    check_state(md, a);
}

/* ------------------------------------------------------- the input */

static const uint8_t types[NMSG] = {1, 2, 8, 11, 15, 20};

/* Byte o of the generated stream. */
static uint8_t stream_byte(const uint32_t *lens, uint64_t o)
{
    uint64_t at = 0;
    for (unsigned j = 0; j < NMSG; j++) {
        uint64_t end = at + 4 + lens[j];
        if (o < end) {
            uint64_t i = o - at;
            if (i == 0)
                return types[j];
            if (i < 4)
                return (uint8_t)(lens[j] >> (8 * (3 - i)));
            return (uint8_t)((i - 4) * 131 + j * 29);
        }
        at = end;
    }
    return (uint8_t)(o * 7 + 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 + 2 * NMSG)
        return 0;
    struct model md;
    memset(&md, 0, sizeof md);
    md.cap = (size_t)64 << (data[0] & 7);
    md.data = calloc(md.cap, 1);
    md.have = calloc(md.cap, 1);
    md.body = calloc(md.cap, 1);
    CHECK(md.data && md.have && md.body);
    uint32_t lens[NMSG];
    for (unsigned j = 0; j < NMSG; j++)
        lens[j] = (uint32_t)data[1 + 2 * j] << 8 | data[2 + 2 * j];
    struct seen s;
    memset(&s, 0, sizeof s);
    s.cap = md.cap;
    struct tsc_asm_out out = {&s, on_msg, on_err, NULL};
    struct tsc_hs_asm a;
    memset(&a, 0, sizeof a);
    static uint8_t gen[65536];
    struct tsc_cursor c = tsc_cursor_make(data + 1 + 2 * NMSG, size - 1 - 2 * NMSG);
    while (tsc_cursor_left(&c) > 0) {
        uint8_t ctl = 0;
        (void)tsc_cursor_u8(&c, &ctl);
        uint64_t offset = 0;
        uint16_t n = 0;
        if ((ctl & 3) <= 1) {
            uint32_t off = 0;
            if (!tsc_is_ok(tsc_cursor_u24(&c, &off)) || !tsc_is_ok(tsc_cursor_u16(&c, &n)))
                break;
            offset = off;
        } else {
            uint16_t d = 0;
            if (!tsc_is_ok(tsc_cursor_u16(&c, &d)) || !tsc_is_ok(tsc_cursor_u16(&c, &n)))
                break;
            if ((ctl & 3) == 3)
                offset = md.next + d >= 1024 ? md.next + d - 1024 : 0;
            else if (((ctl >> 2) & 3) == 0)
                offset = OFFSET_MAX - d;
            else if (((ctl >> 2) & 3) == 1)
                offset = OFFSET_MAX + 1 + d;
            else if (((ctl >> 2) & 3) == 2)
                offset = UINT64_MAX - d;
            else
                offset = md.next + md.cap - d;
        }
        if ((ctl & 3) == 0) {
            struct tsc_view v = {NULL, 0};
            size_t take = n < tsc_cursor_left(&c) ? n : tsc_cursor_left(&c);
            (void)tsc_cursor_bytes(&c, take, &v);
            crypto(&md, &a, &s, &out, offset, v.p, v.len);
            continue;
        }
        n = (uint16_t)(n % (4 * md.cap + 1)); /* more is only ever taken straight on */
        uint8_t salt = ctl >> 2;
        for (size_t i = 0; i < n; i++)
            gen[i] = (uint8_t)(stream_byte(lens, offset + i) ^ salt);
        crypto(&md, &a, &s, &out, offset, gen, n);
    }
    free(md.data);
    free(md.have);
    free(md.body);
    seen_free(&s);
    tsc_asm_free(&a);
    return 0;
}
