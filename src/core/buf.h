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
tsc_result tsc_buf_append(struct tsc_buf *b, const void *p, size_t n);
tsc_result tsc_buf_putc(struct tsc_buf *b, char ch);
tsc_result tsc_buf_puts(struct tsc_buf *b, const char *s);
tsc_result tsc_buf_printf(struct tsc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Decimal digits of v, without printf (the report's hot path). */
tsc_result tsc_buf_put_u64(struct tsc_buf *b, uint64_t v);
/* Drop the first n bytes (n <= len). */
void tsc_buf_consume(struct tsc_buf *b, size_t n);

#endif
