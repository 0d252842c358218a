#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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


/* The conversions the fast path of tsc_buf_printf takes: %s %c %%, and %d
 * %u %x alone or with l, ll or z; no flags, width or precision. */
static int simple_format(const char *fmt)
{
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%')) {
        const char *c = p + 1;
        if (*c == 'l')
            c += c[1] == 'l' ? 2 : 1;
        else if (*c == 'z')
            c++;
        if (!strchr("sdux%c", *c) || *c == '\0')
            return 0;
        if (c != p + 1 && !strchr("dux", *c))
            return 0; /* %ls, %zs... */
        p = c - 1;
    }
    return 1;
}

static tsc_result put_signed(struct tsc_buf *b, long long v)
{
    if (v < 0) {
        TSC_GUARD(tsc_buf_putc(b, '-'));
        return tsc_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
    }
    return tsc_buf_put_u64(b, (uint64_t)v);
}

static tsc_result put_hex(struct tsc_buf *b, unsigned long long v)
{
    char tmp[16];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    return tsc_buf_append(b, tmp + i, sizeof tmp - i);
}

/* printf without printf for the simple formats the reports use (they write
 * millions of pieces); the whole piece is refused when it would not fit. */
static tsc_result fast_printf(struct tsc_buf *b, const char *fmt, va_list ap)
{
    size_t start = b->len;
    tsc_result r = tsc_ok();
    const char *p = fmt;
    while (*p && tsc_is_ok(r)) {
        const char *q = strchr(p, '%');
        if (!q) {
            r = tsc_buf_append(b, p, strlen(p));
            break;
        }
        if (q > p && !tsc_is_ok(r = tsc_buf_append(b, p, (size_t)(q - p))))
            break;
        q++;
        int len = 0; /* 1 l, 2 ll, 3 z */
        if (*q == 'l') {
            len = q[1] == 'l' ? 2 : 1;
            q += len;
        } else if (*q == 'z') {
            len = 3;
            q++;
        }
        switch (*q) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            r = tsc_buf_puts(b, str ? str : "(null)");
            break;
        }
        case 'c': r = tsc_buf_putc(b, (char)va_arg(ap, int)); break;
        case '%': r = tsc_buf_putc(b, '%'); break;
        case 'd':
            r = put_signed(b, len == 0 ? va_arg(ap, int) : len == 1 ? va_arg(ap, long)
                              : len == 2 ? va_arg(ap, long long) : (long long)va_arg(ap, ssize_t));
            break;
        case 'u':
            r = tsc_buf_put_u64(b, len == 0 ? va_arg(ap, unsigned) : len == 1 ? va_arg(ap, unsigned long)
                                   : len == 2 ? va_arg(ap, unsigned long long) : va_arg(ap, size_t));
            break;
        default: /* 'x' */
            r = put_hex(b, len == 0 ? va_arg(ap, unsigned) : len == 1 ? va_arg(ap, unsigned long)
                           : len == 2 ? va_arg(ap, unsigned long long) : va_arg(ap, size_t));
            break;
        }
        p = q + 1;
    }
    if (!tsc_is_ok(r))
        b->len = start;
    return r;
}

tsc_result tsc_buf_printf(struct tsc_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    if (simple_format(fmt)) {
        tsc_result r = fast_printf(b, fmt, ap);
        va_end(ap);
        return r;
    }
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
