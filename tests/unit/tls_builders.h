/*
 * tls_builders.h - small helpers the unit tests use to write TLS bytes by
 * hand: big-endian integers, raw bytes, and length-prefixed blocks that are
 * opened, filled, and closed (the length is patched in at close).
 *
 * Everything is static inline so each test program takes only what it uses.
 * A builder never writes past its array: an overflow sets `overflow`, which
 * tb_view() turns into a failed test, so a too-small TB_MAX cannot hide.
 * Include after <cmocka.h>.
 */
#ifndef TSC_TESTS_TLS_BUILDERS_H
#define TSC_TESTS_TLS_BUILDERS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/cursor.h"
#include "core/result.h"

#define TB_MAX 24576
#define TB_DEPTH 16

struct tb {
    uint8_t b[TB_MAX];
    size_t len;
    size_t open_at[TB_DEPTH];
    uint8_t open_width[TB_DEPTH];
    int depth;
    int overflow;
};

static inline void tb_init(struct tb *t)
{
    t->len = 0;
    t->depth = 0;
    t->overflow = 0;
}

static inline int tb_room(struct tb *t, size_t n)
{
    if (n > TB_MAX - t->len) {
        t->overflow = 1;
        return 0;
    }
    return 1;
}

static inline void tb_u8(struct tb *t, uint32_t v)
{
    if (tb_room(t, 1))
        t->b[t->len++] = (uint8_t)v;
}

static inline void tb_u16(struct tb *t, uint32_t v)
{
    tb_u8(t, v >> 8);
    tb_u8(t, v);
}

static inline void tb_u24(struct tb *t, uint32_t v)
{
    tb_u8(t, v >> 16);
    tb_u8(t, v >> 8);
    tb_u8(t, v);
}

static inline void tb_u32(struct tb *t, uint32_t v)
{
    tb_u16(t, v >> 16);
    tb_u16(t, v);
}

static inline void tb_raw(struct tb *t, const void *p, size_t n)
{
    if (n && tb_room(t, n)) {
        memcpy(t->b + t->len, p, n);
        t->len += n;
    }
}

static inline void tb_str(struct tb *t, const char *s) { tb_raw(t, s, strlen(s)); }

/* n bytes of value v */
static inline void tb_fill(struct tb *t, uint8_t v, size_t n)
{
    if (tb_room(t, n)) {
        memset(t->b + t->len, v, n);
        t->len += n;
    }
}

/* Open a block whose length prefix is `width` bytes (1, 2 or 3). */
static inline void tb_open(struct tb *t, int width)
{
    if (t->depth >= TB_DEPTH) {
        t->overflow = 1;
        return;
    }
    t->open_at[t->depth] = t->len;
    t->open_width[t->depth++] = (uint8_t)width;
    for (int i = 0; i < width; i++)
        tb_u8(t, 0);
}

/* Close the innermost open block, patching its length prefix. */
static inline void tb_close(struct tb *t)
{
    if (t->depth <= 0) {
        t->overflow = 1;
        return;
    }
    t->depth--;
    size_t at = t->open_at[t->depth];
    int w = t->open_width[t->depth];
    size_t n = t->len - at - (size_t)w;
    if (n >> (8 * w)) {
        t->overflow = 1;
        return;
    }
    for (int i = 0; i < w; i++)
        t->b[at + (size_t)i] = (uint8_t)(n >> (8 * (w - 1 - i)));
}

/* Common one-liners: a length-prefixed byte string. */
static inline void tb_vec8(struct tb *t, const void *p, size_t n)
{
    tb_open(t, 1);
    tb_raw(t, p, n);
    tb_close(t);
}

static inline void tb_vec16(struct tb *t, const void *p, size_t n)
{
    tb_open(t, 2);
    tb_raw(t, p, n);
    tb_close(t);
}

static inline void tb_vec24(struct tb *t, const void *p, size_t n)
{
    tb_open(t, 3);
    tb_raw(t, p, n);
    tb_close(t);
}

/* Overwrite a big-endian u16 already written at `at` (to make a length lie). */
static inline void tb_patch_u16(struct tb *t, size_t at, uint32_t v)
{
    if (at + 2 > t->len) {
        t->overflow = 1;
        return;
    }
    t->b[at] = (uint8_t)(v >> 8);
    t->b[at + 1] = (uint8_t)v;
}

/* The bytes built so far; fails the test if the builder overflowed or a
 * block was left open. */
static inline struct tsc_view tb_view(const struct tb *t)
{
    assert_int_equal(t->overflow, 0);
    assert_int_equal(t->depth, 0);
    struct tsc_view v = {t->b, t->len};
    return v;
}

/* The first n bytes (n <= len): a message cut short. */
static inline struct tsc_view tb_prefix(const struct tb *t, size_t n)
{
    assert_true(n <= t->len);
    struct tsc_view v = {t->b, n};
    return v;
}

/* ---- TLS framing ---- */

/* An extension: type, then a u16-prefixed body opened for the caller. */
static inline void tb_ext_open(struct tb *t, uint16_t type)
{
    tb_u16(t, type);
    tb_open(t, 2);
}

/* A handshake message header: type and an open u24 length. */
static inline void tb_hs_open(struct tb *t, uint8_t type)
{
    tb_u8(t, type);
    tb_open(t, 3);
}

/* A whole record: content type, version, u16 length, fragment. */
static inline void tb_record(struct tb *t, uint8_t type, uint16_t version, const uint8_t *p, size_t n)
{
    tb_u8(t, type);
    tb_u16(t, version);
    tb_vec16(t, p, n);
}

/* ---- result assertions ---- */

/* Assert the exact kind and alert of a result (the macro's one local is its own). */
#define ASSERT_RESULT(expr, want_kind, want_alert)                  \
    do {                                                            \
        tsc_result tb_r_ = (expr);                                  \
        assert_int_equal(tb_r_.kind, (want_kind));                  \
        assert_int_equal(tb_r_.alert, (want_alert));                \
        if (tb_r_.kind != TSC_OK) {                                 \
            assert_non_null(tb_r_.why);                             \
            assert_non_null(tb_r_.file);                            \
        }                                                           \
    } while (0)

#define ASSERT_OK(expr) ASSERT_RESULT((expr), TSC_OK, TSC_ALERT_NONE)
#define ASSERT_DECODE_ERROR(expr) ASSERT_RESULT((expr), TSC_MALFORMED, TSC_ALERT_DECODE_ERROR)
#define ASSERT_ILLEGAL(expr) ASSERT_RESULT((expr), TSC_MALFORMED, TSC_ALERT_ILLEGAL_PARAMETER)
#define ASSERT_TRUNCATED(expr) ASSERT_RESULT((expr), TSC_TRUNCATED, TSC_ALERT_NONE)

/* Compare a view with expected bytes. */
#define ASSERT_VIEW(view, bytes, n)                                 \
    do {                                                            \
        assert_int_equal((view).len, (n));                          \
        if ((n) > 0)                                                \
            assert_memory_equal((view).p, (bytes), (n));            \
    } while (0)

#endif
