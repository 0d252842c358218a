/*
 * assemble.c - handshake messages from handshake bytes. See assemble.h.
 *
 * RFC 8446 4 / RFC 5246 7.4:
 *   struct {
 *       HandshakeType msg_type;    -- 1 byte
 *       uint24 length;             -- bytes in message
 *       ...body...
 *   } Handshake;
 */
#include "tls/assemble.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

static uint32_t hs_len(const uint8_t *h) { return ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3]; }

static void more_free(struct tsc_asm_more *x);

void tsc_asm_free(struct tsc_hs_asm *a)
{
    tsc_buf_free(&a->msg);
    more_free(a->more);
    a->more = NULL;
}

void tsc_asm_lost(struct tsc_hs_asm *a)
{
    /* a partial message cannot be completed across a hole; the next
     * handshake record may well start in the middle of one */
    tsc_buf_free(&a->msg);
    a->skip = 0;
    a->lost = 1;
}

static int frag_pending(const struct tsc_asm_more *x, uint64_t *need);

int tsc_asm_pending(const struct tsc_hs_asm *a, uint64_t *need)
{
    if (a->broken)
        return 0;
    if (a->more && frag_pending(a->more, need))
        return 1;
    if (a->msg.len == 0)
        return 0;
    *need = a->msg.len >= 4 ? 4 + (uint64_t)hs_len(a->msg.data) - a->msg.len : 0;
    return 1;
}

static void broke(struct tsc_hs_asm *a, tsc_result r, uint64_t detail, const struct tsc_asm_out *out)
{
    out->error(out->arg, r, detail);
    a->broken = 1;
    tsc_buf_free(&a->msg);
}

void tsc_asm_stream(struct tsc_hs_asm *a, size_t cap, const uint8_t *p, size_t n, int fresh,
                    const struct tsc_asm_out *out)
{
    if (a->broken)
        return;
    if (a->skip) {
        /* the rest of a message that lost bytes to a gap, or was too big */
        size_t k = a->skip < n ? a->skip : n;
        a->skip -= (uint32_t)k;
        p += k;
        n -= k;
        if (n == 0)
            return;
    }
    if (a->lost) {
        /* boundaries were lost: wait for a record that starts with a
         * plausible message header, gathering its first 4 bytes */
        if (fresh) {
            a->probing = 1;
            a->probe_have = 0;
        }
        if (!a->probing)
            return;
        size_t k = 4u - a->probe_have < n ? 4u - a->probe_have : n;
        memcpy(a->probe + a->probe_have, p, k);
        a->probe_have = (uint8_t)(a->probe_have + k);
        p += k;
        n -= k;
        if (a->probe_have < 4)
            return;
        a->probing = 0;
        if (!tsc_reg_name(TSC_REG_HANDSHAKE, a->probe[0]) || hs_len(a->probe) > cap)
            return;
        a->lost = 0;
        if (a->msg.max == 0)
            tsc_buf_init(&a->msg, cap);
        tsc_buf_reset(&a->msg);
        if (!tsc_is_ok(tsc_buf_append(&a->msg, a->probe, 4)))
            return;
        /* from here the message is assembled in a->msg as usual */
    }
    const uint8_t *q = p;
    size_t left = n;
    if (a->msg.len) {
        /* complete the pending message first */
        tsc_result r = tsc_buf_append(&a->msg, p, n);
        if (!tsc_is_ok(r)) {
            broke(a, r, a->msg.len, out);
            return;
        }
        q = a->msg.data;
        left = a->msg.len;
    }
    size_t used = 0;
    while (left - used >= 4) {
        const uint8_t *h = q + used;
        uint32_t len = hs_len(h);
        if (len > cap) {
            /* too big to assemble: its length says where the next one starts */
            out->error(out->arg, TSC_ERR(TSC_LIMIT, "handshake message larger than the per-flow buffer cap"), len);
            size_t have = left - used, total = 4 + (size_t)len;
            if (have >= total) {
                used += total;
                continue;
            }
            a->skip = (uint32_t)(total - have);
            tsc_buf_free(&a->msg);
            return;
        }
        if (len > left - used - 4)
            break;
        struct tsc_view body = {h + 4, len};
        out->message(out->arg, h[0], body);
        used += 4 + (size_t)len;
    }
    if (a->msg.len) {
        tsc_buf_consume(&a->msg, used);
    } else if (used < left) {
        if (a->msg.max == 0)
            tsc_buf_init(&a->msg, cap);
        tsc_result r = tsc_buf_append(&a->msg, q + used, left - used);
        if (!tsc_is_ok(r))
            broke(a, r, left - used, out);
    }
}

void tsc_asm_gap(struct tsc_hs_asm *a, uint64_t missing, const struct tsc_asm_out *out)
{
    if (a->broken)
        return;
    if (a->skip) {
        if (missing < a->skip) {
            a->skip -= (uint32_t)missing;
            return;
        }
        missing -= a->skip;
        a->skip = 0;
        if (missing == 0)
            return;
        a->lost = 1;
        return;
    }
    if (a->lost)
        return;
    if (a->msg.len >= 4) {
        uint64_t need = 4 + (uint64_t)hs_len(a->msg.data) - a->msg.len;
        out->error(out->arg, TSC_ERR(TSC_TRUNCATED, "a handshake message lost bytes to a gap"), a->msg.data[0]);
        tsc_buf_free(&a->msg);
        if (missing < need) {
            a->skip = (uint32_t)(need - missing);
            return;
        }
        if (missing == need)
            return; /* the hole ended with the message: in sync */
    } else {
        tsc_buf_free(&a->msg);
    }
    a->lost = 1;
}

/* ------------------------------------------------ fragments and offsets */

/* Which bytes of a piece of data have arrived: sorted, disjoint,
 * non-adjacent [lo, hi) ranges. */
struct ranges {
    uint16_t n;
    uint32_t lo[TSC_ASM_RANGES], hi[TSC_ASM_RANGES];
};

/* One DTLS message being gathered. */
struct frag_msg {
    uint8_t used;
    uint8_t oversize; /* larger than the cap: skipped when its turn comes */
    uint8_t type;
    uint8_t tag;      /* OR of its fragments' tags */
    uint32_t length;
    uint8_t *data;
    struct ranges got;
};

enum { MODE_NONE, MODE_FRAGMENTS, MODE_OFFSETS };

struct tsc_asm_more {
    uint8_t mode;
    uint8_t started;
    uint8_t handed;                          /* fragments: a message was handed on (or given up) */
    uint16_t next_seq;                       /* fragments: the message expected next */
    uint64_t next_off;                       /* offsets: stream bytes joined so far */
    uint8_t *ahead;                          /* offsets: bytes past next_off, by offset - next_off */
    size_t ahead_cap;
    struct ranges ahead_got;
    /* fragments only, and last: offsets' state is allocated without it
     * (QUIC keeps six assemblers a connection) */
    struct frag_msg m[TSC_ASM_AHEAD + 1];    /* m[k]: message next_seq + k */
};

/* Add [lo, hi): 1 if it brought bytes not held before, 0 if all were held,
 * -1 if it would take more than TSC_ASM_RANGES pieces (nothing changed). */
static int ranges_add(struct ranges *r, uint32_t lo, uint32_t hi)
{
    for (uint16_t i = 0; i < r->n; i++)
        if (r->lo[i] <= lo && hi <= r->hi[i])
            return 0;
    uint32_t nlo[TSC_ASM_RANGES + 1], nhi[TSC_ASM_RANGES + 1];
    size_t k = 0;
    int placed = 0;
    for (uint16_t i = 0; i < r->n; i++) {
        if (r->hi[i] < lo) {
            nlo[k] = r->lo[i], nhi[k++] = r->hi[i];
        } else if (r->lo[i] > hi) {
            if (!placed) {
                nlo[k] = lo, nhi[k++] = hi;
                placed = 1;
            }
            nlo[k] = r->lo[i], nhi[k++] = r->hi[i];
        } else {
            lo = r->lo[i] < lo ? r->lo[i] : lo; /* overlapping or adjacent: merge */
            hi = r->hi[i] > hi ? r->hi[i] : hi;
        }
        if (k > TSC_ASM_RANGES)
            return -1;
    }
    if (!placed)
        nlo[k] = lo, nhi[k++] = hi;
    if (k > TSC_ASM_RANGES)
        return -1;
    memcpy(r->lo, nlo, k * sizeof *nlo);
    memcpy(r->hi, nhi, k * sizeof *nhi);
    r->n = (uint16_t)k;
    return 1;
}

/* Copy into dst[lo, hi) only the bytes not held yet: the first copy of a
 * byte is the one kept, as in TCP reassembly. */
static void copy_new(uint8_t *dst, const struct ranges *r, uint32_t lo, uint32_t hi, const uint8_t *src)
{
    uint32_t at = lo;
    for (uint16_t i = 0; i < r->n && at < hi; i++) {
        if (r->hi[i] <= at)
            continue;
        if (r->lo[i] >= hi)
            break;
        if (r->lo[i] > at)
            memcpy(dst + at, src + (at - lo), r->lo[i] - at);
        at = r->hi[i];
    }
    if (at < hi)
        memcpy(dst + at, src + (at - lo), hi - at);
}

/* Drop [0, k) and renumber what remains from 0. */
static void ranges_shift(struct ranges *r, uint32_t k)
{
    uint16_t j = 0;
    for (uint16_t i = 0; i < r->n; i++) {
        if (r->hi[i] <= k)
            continue;
        r->lo[j] = r->lo[i] > k ? r->lo[i] - k : 0;
        r->hi[j] = r->hi[i] - k;
        j++;
    }
    r->n = j;
}

static uint64_t ranges_bytes(const struct ranges *r)
{
    uint64_t t = 0;
    for (uint16_t i = 0; i < r->n; i++)
        t += r->hi[i] - r->lo[i];
    return t;
}

static struct tsc_asm_more *more_of(struct tsc_hs_asm *a, uint8_t mode, const struct tsc_asm_out *out)
{
    if (!a->more) {
        a->more = calloc(1, mode == MODE_OFFSETS ? offsetof(struct tsc_asm_more, m) : sizeof *a->more);
        if (!a->more) {
            out->error(out->arg, TSC_ERR(TSC_LIMIT, "out of memory for handshake reassembly"), 0);
            return NULL;
        }
        a->more->mode = mode;
    }
    if (a->more->mode != mode) {
        out->error(out->arg, TSC_ERR(TSC_INTERNAL, "handshake bytes fed as fragments and as offsets"), 0);
        return NULL;
    }
    return a->more;
}

static void more_free(struct tsc_asm_more *x)
{
    if (!x)
        return;
    for (size_t i = 0; i <= TSC_ASM_AHEAD && x->mode == MODE_FRAGMENTS; i++)
        free(x->m[i].data);
    free(x->ahead);
    free(x);
}

tsc_result tsc_hs_frag_parse(struct tsc_cursor *c, struct tsc_hs_frag *out)
{
    uint32_t flen;
    TSC_GUARD(tsc_cursor_u8(c, &out->type));
    TSC_GUARD(tsc_cursor_u24(c, &out->length));
    TSC_GUARD(tsc_cursor_u16(c, &out->message_seq));
    TSC_GUARD(tsc_cursor_u24(c, &out->offset));
    TSC_GUARD(tsc_cursor_u24(c, &flen));
    TSC_ENSURE(out->offset <= out->length && flen <= out->length - out->offset,
               "handshake fragment reaches past the end of its message");
    return tsc_cursor_bytes(c, flen, &out->body);
}

static int frag_complete(const struct frag_msg *m)
{
    return m->oversize || m->length == 0 || (m->got.n == 1 && m->got.lo[0] == 0 && m->got.hi[0] == m->length);
}

/* Hand on every message that is complete from next_seq on. */
static void frag_deliver(struct tsc_asm_more *x, const struct tsc_asm_out *out)
{
    while (x->m[0].used && frag_complete(&x->m[0])) {
        struct frag_msg done = x->m[0];
        memmove(&x->m[0], &x->m[1], TSC_ASM_AHEAD * sizeof x->m[0]);
        memset(&x->m[TSC_ASM_AHEAD], 0, sizeof x->m[0]);
        x->next_seq++;
        x->handed = 1;
        if (!done.oversize) {
            struct tsc_view body = {done.data, done.length};
            if (out->tag)
                *out->tag = done.tag;
            out->message(out->arg, done.type, body);
        }
        free(done.data);
    }
}

enum tsc_asm_verdict tsc_asm_fragment(struct tsc_hs_asm *a, size_t cap, const struct tsc_hs_frag *f,
                                      const struct tsc_asm_out *out)
{
    if (a->broken)
        return TSC_ASM_REFUSED;
    struct tsc_asm_more *x = more_of(a, MODE_FRAGMENTS, out);
    if (!x)
        return TSC_ASM_REFUSED;
    if (f->offset > f->length || f->body.len > f->length - f->offset) {
        out->error(out->arg, TSC_MALFORMED_ERR("handshake fragment reaches past the end of its message"), f->type);
        return TSC_ASM_REFUSED;
    }
    if (!x->started) {
        /* the first message seen: a capture may begin after message 0 */
        x->started = 1;
        x->next_seq = f->message_seq;
    }
    if (f->message_seq < x->next_seq && !x->handed) {
        /* nothing handed on yet: the capture began with a later datagram
         * of the flight (reordered); number from this earlier message,
         * what is held moving up, if it still fits */
        uint32_t back = (uint32_t)(x->next_seq - f->message_seq);
        int fits = back <= TSC_ASM_AHEAD;
        for (size_t i = 0; fits && i <= TSC_ASM_AHEAD; i++)
            if (x->m[i].used && i + back > TSC_ASM_AHEAD)
                fits = 0;
        if (fits) {
            memmove(&x->m[back], &x->m[0], (TSC_ASM_AHEAD + 1 - back) * sizeof x->m[0]);
            memset(&x->m[0], 0, back * sizeof x->m[0]);
            x->next_seq = f->message_seq;
        }
    }
    if (f->message_seq < x->next_seq)
        return TSC_ASM_REPEAT; /* a message handed on already: a retransmitted flight */
    uint32_t k = (uint32_t)(f->message_seq - x->next_seq);
    if (k > TSC_ASM_AHEAD) {
        out->error(out->arg, TSC_ERR(TSC_LIMIT, "handshake message too far ahead of the one expected"),
                   f->message_seq);
        return TSC_ASM_REFUSED;
    }
    struct frag_msg *m = &x->m[k];
    if (m->used && (m->type != f->type || m->length != f->length)) {
        out->error(out->arg, TSC_MALFORMED_ERR("fragments of one handshake message disagree on its type or length"),
                   f->type);
        return TSC_ASM_REFUSED;
    }
    if (!m->used) {
        m->used = 1;
        m->tag = f->tag;
        m->type = f->type;
        m->length = f->length;
        if (f->length > cap) {
            m->oversize = 1;
            out->error(out->arg, TSC_ERR(TSC_LIMIT, "handshake message larger than the per-flow buffer cap"),
                       f->length);
        } else if (f->length > 0) {
            m->data = malloc(f->length);
            if (!m->data) {
                m->oversize = 1;
                out->error(out->arg, TSC_ERR(TSC_LIMIT, "out of memory for handshake reassembly"), f->length);
            }
        }
        if (m->oversize || f->length == 0) {
            enum tsc_asm_verdict v = m->oversize ? TSC_ASM_REFUSED : TSC_ASM_NEW;
            frag_deliver(x, out); /* moves the slots: m is not to be read after it */
            return v;
        }
    }
    if (m->oversize)
        return TSC_ASM_REFUSED;
    if (f->body.len == 0)
        return TSC_ASM_REPEAT;
    uint32_t lo = f->offset, hi = f->offset + (uint32_t)f->body.len;
    struct ranges before = m->got;
    int r = ranges_add(&m->got, lo, hi);
    if (r < 0) {
        out->error(out->arg, TSC_ERR(TSC_LIMIT, "a handshake message in too many fragments"), f->type);
        return TSC_ASM_REFUSED;
    }
    if (r == 0)
        return TSC_ASM_REPEAT;
    m->tag |= f->tag;
    copy_new(m->data, &before, lo, hi, f->body.p);
    frag_deliver(x, out);
    return TSC_ASM_NEW;
}

/* QUIC's CRYPTO offsets stop at 2^62 - 1 (RFC 9000 19.6). */
#define CRYPTO_OFFSET_MAX (((uint64_t)1 << 62) - 1)

/* Bytes [0, k) ahead of the joined stream are no longer ahead. */
static void ahead_drop(struct tsc_asm_more *x, uint32_t k)
{
    uint32_t held = x->ahead_got.n ? x->ahead_got.hi[x->ahead_got.n - 1] : 0;
    if (k >= held) {
        x->ahead_got.n = 0;
        return;
    }
    memmove(x->ahead, x->ahead + k, held - k);
    ranges_shift(&x->ahead_got, k);
}

enum tsc_asm_verdict tsc_asm_crypto(struct tsc_hs_asm *a, size_t cap, uint64_t offset, const uint8_t *p, size_t n,
                                    const struct tsc_asm_out *out)
{
    if (a->broken)
        return TSC_ASM_REFUSED;
    struct tsc_asm_more *x = more_of(a, MODE_OFFSETS, out);
    if (!x)
        return TSC_ASM_REFUSED;
    if (offset > CRYPTO_OFFSET_MAX || n > CRYPTO_OFFSET_MAX - offset) {
        out->error(out->arg, TSC_MALFORMED_ERR("CRYPTO data past the largest stream offset"), 0);
        return TSC_ASM_REFUSED;
    }
    if (n == 0 || offset + n <= x->next_off)
        return TSC_ASM_REPEAT;
    if (offset < x->next_off) {
        size_t k = (size_t)(x->next_off - offset); /* the part joined already */
        p += k;
        n -= k;
        offset = x->next_off;
    }
    if (offset == x->next_off && x->ahead_got.n == 0) {
        /* it joins up and nothing is held: straight on, no copy */
        x->next_off += n;
        tsc_asm_stream(a, cap, p, n, 0, out);
        return TSC_ASM_NEW;
    }
    /* hold it beside what is held (the first copy of a byte is kept) */
    uint64_t rel = offset - x->next_off;
    if (rel > cap || n > cap - rel) {
        out->error(out->arg, TSC_ERR(TSC_LIMIT, "CRYPTO data too far ahead of the bytes that join up"), rel + n);
        return TSC_ASM_REFUSED;
    }
    size_t need = (size_t)rel + n;
    if (need > x->ahead_cap) {
        size_t nc = x->ahead_cap ? x->ahead_cap : 4096;
        while (nc < need)
            nc *= 2;
        if (nc > cap)
            nc = cap;
        uint8_t *nb = realloc(x->ahead, nc);
        if (!nb) {
            out->error(out->arg, TSC_ERR(TSC_LIMIT, "out of memory for handshake reassembly"), need);
            return TSC_ASM_REFUSED;
        }
        x->ahead = nb;
        x->ahead_cap = nc;
    }
    struct ranges before = x->ahead_got;
    int r = ranges_add(&x->ahead_got, (uint32_t)rel, (uint32_t)need);
    if (r < 0) {
        out->error(out->arg, TSC_ERR(TSC_LIMIT, "CRYPTO data in too many pieces"), need);
        return TSC_ASM_REFUSED;
    }
    if (r == 0)
        return TSC_ASM_REPEAT;
    copy_new(x->ahead, &before, (uint32_t)rel, (uint32_t)need, p);
    /* what now joins up goes on as a stream (views into x->ahead are
     * valid during the calls; the stream keeps its own copy of a partial
     * message) */
    while (x->ahead_got.n && x->ahead_got.lo[0] == 0 && !a->broken) {
        uint32_t k = x->ahead_got.hi[0];
        x->next_off += k;
        tsc_asm_stream(a, cap, x->ahead, k, 0, out);
        ahead_drop(x, k);
    }
    return TSC_ASM_NEW;
}

uint64_t tsc_asm_next(const struct tsc_hs_asm *a)
{
    if (!a->more)
        return 0;
    return a->more->mode == MODE_FRAGMENTS ? a->more->next_seq : a->more->next_off;
}

void tsc_asm_frag_spent(struct tsc_hs_asm *a, uint16_t seq, const struct tsc_asm_out *out)
{
    struct tsc_asm_more *x = a->more;
    if (!x || x->mode != MODE_FRAGMENTS || !x->started || seq != x->next_seq || x->m[0].used)
        return;
    memmove(&x->m[0], &x->m[1], TSC_ASM_AHEAD * sizeof x->m[0]);
    memset(&x->m[TSC_ASM_AHEAD], 0, sizeof x->m[0]);
    x->next_seq++;
    x->handed = 1;
    frag_deliver(x, out);
}

void tsc_asm_frag_expect(struct tsc_hs_asm *a, uint16_t seq, const struct tsc_asm_out *out)
{
    if (a->broken || (a->more && a->more->mode != MODE_FRAGMENTS))
        return;
    struct tsc_asm_more *x = more_of(a, MODE_FRAGMENTS, out);
    if (x && !x->started) {
        x->started = 1;
        x->next_seq = seq;
    }
}

void tsc_asm_frag_restart(struct tsc_hs_asm *a)
{
    struct tsc_asm_more *x = a->more;
    if (!x || x->mode != MODE_FRAGMENTS)
        return;
    for (size_t i = 0; i <= TSC_ASM_AHEAD; i++)
        free(x->m[i].data);
    memset(x->m, 0, sizeof x->m);
    x->started = 0;
    x->handed = 0;
    x->next_seq = 0;
}

uint64_t tsc_asm_frag_skip(struct tsc_hs_asm *a, const struct tsc_asm_out *out, uint32_t *skipped)
{
    struct tsc_asm_more *x = a->more;
    uint64_t missing = 0;
    *skipped = 0;
    if (!x || x->mode != MODE_FRAGMENTS)
        return 0;
    for (;;) {
        int held = 0;
        for (size_t i = 0; i <= TSC_ASM_AHEAD; i++)
            held |= x->m[i].used;
        if (!held)
            break;
        /* m[0] is incomplete or absent (frag_deliver hands on complete
         * ones at once): give it up, and hand on what joins up after it */
        if (x->m[0].used && !x->m[0].oversize)
            missing += x->m[0].length - ranges_bytes(&x->m[0].got);
        free(x->m[0].data);
        memmove(&x->m[0], &x->m[1], TSC_ASM_AHEAD * sizeof x->m[0]);
        memset(&x->m[TSC_ASM_AHEAD], 0, sizeof x->m[0]);
        x->next_seq++;
        x->handed = 1;
        (*skipped)++;
        frag_deliver(x, out);
    }
    return missing;
}

int tsc_asm_holes(const struct tsc_hs_asm *a)
{
    const struct tsc_asm_more *x = a->more;
    if (!x)
        return 0;
    if (x->mode == MODE_OFFSETS)
        return x->ahead_got.n > 0;
    for (size_t i = 0; i <= TSC_ASM_AHEAD; i++)
        if (x->m[i].used)
            return 1;
    return 0;
}

static int frag_pending(const struct tsc_asm_more *x, uint64_t *need)
{
    if (x->mode != MODE_FRAGMENTS || !x->m[0].used || x->m[0].oversize)
        return 0;
    *need = x->m[0].length - ranges_bytes(&x->m[0].got);
    return 1;
}
