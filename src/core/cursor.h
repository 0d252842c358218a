/*
 * cursor.h - the one bounded reader for untrusted bytes.
 *
 * A cursor is a view { p, len, off } over bytes it does not own. Only the
 * cursor does pointer arithmetic; every check has the form `n <= len - off`,
 * which cannot overflow (off <= len is an invariant). Reads past the end
 * return TSC_TRUNCATED and leave the cursor where it was.
 *
 * Lifetime: views returned by tsc_cursor_bytes() and sub-cursors point into
 * the cursor's bytes and live exactly as long as those bytes do.
 */
#ifndef TSC_CORE_CURSOR_H
#define TSC_CORE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

struct tsc_cursor {
    const uint8_t *p;
    size_t len;
    size_t off;
};

/* A borrowed byte range. */
struct tsc_view {
    const uint8_t *p;
    size_t len;
};

static inline struct tsc_cursor tsc_cursor_make(const uint8_t *p, size_t len)
{
    struct tsc_cursor c = {p, len, 0};
    return c;
}

static inline struct tsc_cursor tsc_cursor_of(struct tsc_view v)
{
    return tsc_cursor_make(v.p, v.len);
}

static inline size_t tsc_cursor_left(const struct tsc_cursor *c) { return c->len - c->off; }

static inline tsc_result tsc_cursor_u8(struct tsc_cursor *c, uint8_t *out)
{
    TSC_ENSURE_KIND(1 <= c->len - c->off, TSC_TRUNCATED, "need 1 byte");
    *out = c->p[c->off];
    c->off += 1;
    return tsc_ok();
}

static inline tsc_result tsc_cursor_u16(struct tsc_cursor *c, uint16_t *out)
{
    TSC_ENSURE_KIND(2 <= c->len - c->off, TSC_TRUNCATED, "need 2 bytes");
    const uint8_t *q = c->p + c->off;
    *out = (uint16_t)((q[0] << 8) | q[1]);
    c->off += 2;
    return tsc_ok();
}

static inline tsc_result tsc_cursor_u24(struct tsc_cursor *c, uint32_t *out)
{
    TSC_ENSURE_KIND(3 <= c->len - c->off, TSC_TRUNCATED, "need 3 bytes");
    const uint8_t *q = c->p + c->off;
    *out = ((uint32_t)q[0] << 16) | ((uint32_t)q[1] << 8) | q[2];
    c->off += 3;
    return tsc_ok();
}

static inline tsc_result tsc_cursor_u32(struct tsc_cursor *c, uint32_t *out)
{
    TSC_ENSURE_KIND(4 <= c->len - c->off, TSC_TRUNCATED, "need 4 bytes");
    const uint8_t *q = c->p + c->off;
    *out = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
    c->off += 4;
    return tsc_ok();
}

/* Borrow the next n bytes. */
static inline tsc_result tsc_cursor_bytes(struct tsc_cursor *c, size_t n, struct tsc_view *out)
{
    TSC_ENSURE_KIND(n <= c->len - c->off, TSC_TRUNCATED, "vector runs past its container");
    out->p = c->p + c->off;
    out->len = n;
    c->off += n;
    return tsc_ok();
}

/* Borrow everything left. */
static inline struct tsc_view tsc_cursor_rest(struct tsc_cursor *c)
{
    /* no arithmetic on a NULL base (an empty view): that is undefined in C */
    struct tsc_view v = {c->p ? c->p + c->off : c->p, c->len - c->off};
    c->off = c->len;
    return v;
}

static inline tsc_result tsc_cursor_skip(struct tsc_cursor *c, size_t n)
{
    TSC_ENSURE_KIND(n <= c->len - c->off, TSC_TRUNCATED, "skip runs past the end");
    c->off += n;
    return tsc_ok();
}

/* Open a length-prefixed block (1, 2 or 3 length bytes) as a sub-cursor. */
static inline tsc_result tsc_cursor_sub_u8(struct tsc_cursor *c, struct tsc_cursor *sub)
{
    uint8_t n;
    size_t save = c->off;
    TSC_GUARD(tsc_cursor_u8(c, &n));
    if (!(n <= c->len - c->off)) {
        c->off = save;
        return TSC_ERR(TSC_TRUNCATED, "vector runs past its container");
    }
    *sub = tsc_cursor_make(c->p + c->off, n);
    c->off += n;
    return tsc_ok();
}

static inline tsc_result tsc_cursor_sub_u16(struct tsc_cursor *c, struct tsc_cursor *sub)
{
    uint16_t n;
    size_t save = c->off;
    TSC_GUARD(tsc_cursor_u16(c, &n));
    if (!(n <= c->len - c->off)) {
        c->off = save;
        return TSC_ERR(TSC_TRUNCATED, "vector runs past its container");
    }
    *sub = tsc_cursor_make(c->p + c->off, n);
    c->off += n;
    return tsc_ok();
}

static inline tsc_result tsc_cursor_sub_u24(struct tsc_cursor *c, struct tsc_cursor *sub)
{
    uint32_t n;
    size_t save = c->off;
    TSC_GUARD(tsc_cursor_u24(c, &n));
    if (!(n <= c->len - c->off)) {
        c->off = save;
        return TSC_ERR(TSC_TRUNCATED, "vector runs past its container");
    }
    *sub = tsc_cursor_make(c->p + c->off, n);
    c->off += n;
    return tsc_ok();
}

/* Leftover bytes in a block that must be consumed exactly are malformed. */
static inline tsc_result tsc_cursor_expect_empty(const struct tsc_cursor *c, const char *why)
{
    TSC_ENSURE(c->off == c->len, why);
    return tsc_ok();
}

/* Read the i-th big-endian u16 of a view known to hold at least 2*(i+1) bytes. */
static inline uint16_t tsc_view_u16(struct tsc_view v, size_t i)
{
    return (uint16_t)((v.p[2 * i] << 8) | v.p[2 * i + 1]);
}

#endif
