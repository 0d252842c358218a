/*
 * buf.h - growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * A buffer never grows past `max`; an append that would is refused with
 * TSC_LIMIT and leaves the contents unchanged. Memory is owned by the buffer
 * and released by tsc_buf_free(). Zero-initialised buffers are valid and empty
 * (with max 0 meaning "use TSC_BUF_DEFAULT_MAX").
 */
#ifndef TSC_CORE_BUF_H
#define TSC_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/result.h"

#define TSC_BUF_DEFAULT_MAX ((size_t)64 << 20)

struct tsc_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};

void tsc_buf_init(struct tsc_buf *b, size_t max);
void tsc_buf_free(struct tsc_buf *b);
void tsc_buf_reset(struct tsc_buf *b); /* len = 0, keeps memory */
/* Appends grow the buffer out of line; with room (cap never exceeds max)
 * they are a copy, inline: the report writes millions of small pieces. */
tsc_result tsc_buf_append_grow(struct tsc_buf *b, const void *p, size_t n);
static inline tsc_result tsc_buf_append(struct tsc_buf *b, const void *p, size_t n)
{
    if (n && n <= b->cap - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return tsc_ok();
    }
    return tsc_buf_append_grow(b, p, n);
}
static inline tsc_result tsc_buf_putc(struct tsc_buf *b, char ch)
{
    if (b->len < b->cap) {
        b->data[b->len++] = (uint8_t)ch;
        return tsc_ok();
    }
    return tsc_buf_append_grow(b, &ch, 1);
}
static inline tsc_result tsc_buf_puts(struct tsc_buf *b, const char *s) { return tsc_buf_append(b, s, strlen(s)); }
tsc_result tsc_buf_printf(struct tsc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Decimal digits of v, without printf (the report's hot path). */
tsc_result tsc_buf_put_u64(struct tsc_buf *b, uint64_t v);
/* Drop the first n bytes (n <= len). */
void tsc_buf_consume(struct tsc_buf *b, size_t n);

#endif
