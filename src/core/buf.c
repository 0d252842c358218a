#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tsc_buf_init(struct tsc_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : TSC_BUF_DEFAULT_MAX;
}

void tsc_buf_free(struct tsc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void tsc_buf_reset(struct tsc_buf *b) { b->len = 0; }

static tsc_result buf_reserve(struct tsc_buf *b, size_t n)
{
    size_t max = b->max ? b->max : TSC_BUF_DEFAULT_MAX;
    if (b->len > max || n > max - b->len)
        return TSC_ERR(TSC_LIMIT, "buffer limit reached");
    if (n <= b->cap - b->len)
        return tsc_ok();
    size_t want = b->len + n;
    size_t cap = b->cap ? b->cap : (max < 256 ? max : 256);
    while (cap < want)
        cap = cap > max / 2 ? max : cap * 2;
    if (cap < want)
        cap = want;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    b->data = p;
    b->cap = cap;
    return tsc_ok();
}

tsc_result tsc_buf_append_grow(struct tsc_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return tsc_ok();
    TSC_GUARD(buf_reserve(b, n));
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return tsc_ok();
}


tsc_result tsc_buf_printf(struct tsc_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TSC_ERR(TSC_INTERNAL, "format error");
    if ((size_t)n < sizeof small)
        return tsc_buf_append(b, small, (size_t)n);
    TSC_GUARD(buf_reserve(b, (size_t)n));
    char *tmp = malloc((size_t)n + 1);
    if (!tmp)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tsc_result r = tsc_buf_append(b, tmp, (size_t)n);
    free(tmp);
    return r;
}

tsc_result tsc_buf_put_u64(struct tsc_buf *b, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return tsc_buf_append(b, tmp + i, sizeof tmp - i);
}

void tsc_buf_consume(struct tsc_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}
