#include "core/text.h"

#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

size_t tsc_utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t need;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (need > n)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

/* Bytes written as they are inside a JSON string: printable ASCII but '"'
 * and '\\' (a table: names and hostnames are scanned a byte per step). */
static const uint8_t json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Nonzero when one of the 8 bytes in w is not written as it is: below
 * 0x20, '"', '\\', DEL, or not ASCII. Each test is the classic "has a zero
 * byte" check ((x - 0x01..) & ~x & 0x80..), which is exact as to whether
 * some byte matches (a borrow only ever marks bytes above a true match). */
static inline uint64_t json_special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);
    uint64_t ctl = (w - ones * 0x20) & ~w;
    return (ctl | ((q - ones) & ~q) | ((bs - ones) & ~bs) | ((del - ones) & ~del) | w) & high;
}

tsc_result tsc_json_str(struct tsc_buf *b, const uint8_t *p, size_t n, int *replaced)
{
    static const char hexd[] = "0123456789abcdef";
    int rep = 0;
    TSC_GUARD(tsc_buf_putc(b, '"'));
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            TSC_GUARD(tsc_buf_append(b, e, 2));
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
            TSC_GUARD(tsc_buf_append(b, e, 6));
            i++;
        } else if (c < 0x80) {
            size_t j = i + 1;
            for (uint64_t w; j + 8 <= n; j += 8) { /* names and hostnames: 8 plain bytes a step */
                memcpy(&w, p + j, 8);
                if (json_special8(w))
                    break;
            }
            while (j < n && json_plain[p[j]])
                j++;
            TSC_GUARD(tsc_buf_append(b, p + i, j - i));
            i = j;
        } else {
            size_t k = tsc_utf8_seq(p + i, n - i);
            if (k == 0) {
                TSC_GUARD(tsc_buf_append(b, "\xef\xbf\xbd", 3));
                rep = 1;
                i++;
            } else {
                TSC_GUARD(tsc_buf_append(b, p + i, k));
                i += k;
            }
        }
    }
    TSC_GUARD(tsc_buf_putc(b, '"'));
    if (replaced)
        *replaced = rep;
    return tsc_ok();
}

tsc_result tsc_json_cstr(struct tsc_buf *b, const char *s)
{
    if (!s)
        return tsc_buf_puts(b, "null");
    return tsc_json_str(b, (const uint8_t *)s, strlen(s), NULL);
}

tsc_result tsc_text_str(struct tsc_buf *b, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '\\') {
            TSC_GUARD(tsc_buf_append(b, "\\\\", 2));
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            TSC_GUARD(tsc_buf_putc(b, (char)c));
            i++;
        } else {
            size_t k = c >= 0x80 ? tsc_utf8_seq(p + i, n - i) : 0;
            /* C1 controls (U+0080..U+009F) are terminal controls too */
            if (k == 2 && c == 0xc2 && p[i + 1] < 0xa0)
                k = 0;
            if (k) {
                TSC_GUARD(tsc_buf_append(b, p + i, k));
                i += k;
            } else {
                char e[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
                TSC_GUARD(tsc_buf_append(b, e, 4));
                i++;
            }
        }
    }
    return tsc_ok();
}

tsc_result tsc_text_cstr(struct tsc_buf *b, const char *s)
{
    return tsc_text_str(b, (const uint8_t *)s, strlen(s));
}

tsc_result tsc_hex(struct tsc_buf *b, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    char tmp[128];
    size_t t = 0;
    for (size_t i = 0; i < n; i++) {
        tmp[t++] = hexd[p[i] >> 4];
        tmp[t++] = hexd[p[i] & 15];
        if (t == sizeof tmp) {
            TSC_GUARD(tsc_buf_append(b, tmp, t));
            t = 0;
        }
    }
    return tsc_buf_append(b, tmp, t);
}

void tsc_iso8601_us(int64_t us, char *out, size_t n)
{
    /* gmtime_r and snprintf for every message showed in profiles: the
     * "YYYY-MM-DDTHH:MM:SS" part is kept for the last second seen */
    static _Thread_local int64_t last_sec = INT64_MIN;
    static _Thread_local char last[32];
    int64_t sec = us / 1000000;
    int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec -= 1;
    }
    if (sec != last_sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) {
            snprintf(out, n, "invalid-time");
            return;
        }
        char tmp[96];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (strlen(tmp) >= sizeof last) {
            snprintf(out, n, "invalid-time");
            return;
        }
        memcpy(last, tmp, strlen(tmp) + 1);
        last_sec = sec;
    }
    char full[48];
    size_t k = strlen(last);
    memcpy(full, last, k);
    full[k] = '.';
    for (int i = 6; i >= 1; i--) {
        full[k + (size_t)i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    full[k + 7] = 'Z';
    full[k + 8] = 0;
    if (n == 0)
        return;
    size_t m = k + 8 < n - 1 ? k + 8 : n - 1; /* cut to fit, always terminated */
    memcpy(out, full, m);
    out[m] = 0;
}

int tsc_hex_digit(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int tsc_unhex(const char *s, size_t n, uint8_t *out, size_t max, size_t *len)
{
    if (n == 0 || n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = tsc_hex_digit((unsigned char)s[2 * i]), lo = tsc_hex_digit((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return 0;
}
