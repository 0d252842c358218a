/* Fuzz target: NSS key log parsing (crypto/keylog.c).
 *
 * The input is parsed twice: in one call, and in chunks whose sizes come
 * from the input (byte by byte included). Both must end with the same
 * statistics and the same secrets for every client random written in the
 * input as 64 hex digits; a difference, or a statistic that contradicts
 * another, aborts (so libFuzzer reports it). A first byte with its top bit
 * set also caps the table at a few client randoms (tsc_keylog_set_max). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "crypto/keylog.h"

static void check_stats(const struct tsc_keylog_stats *st)
{
    if ((st->malformed == 0) != (st->first_malformed == 0) || st->first_malformed > st->lines ||
        st->malformed + st->unknown_labels > st->lines || st->entries > st->lines || st->randoms > st->entries)
        abort();
}

static void same_secrets(const struct tsc_keylog *a, const struct tsc_keylog *b, const uint8_t r[32])
{
    if (tsc_keylog_has_random(a, r) != tsc_keylog_has_random(b, r))
        abort();
    for (int l = 0; l < TSC_KL_N; l++) {
        const uint8_t *sa = NULL, *sb = NULL;
        size_t na = tsc_keylog_get(a, (enum tsc_kl_label)l, r, &sa);
        size_t nb = tsc_keylog_get(b, (enum tsc_kl_label)l, r, &sb);
        if (na != nb || na > TSC_KL_SECRET_MAX || (na && memcmp(sa, sb, na) != 0))
            abort();
        if (na && !tsc_keylog_has_random(a, r))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tsc_keylog *whole = tsc_keylog_new(), *split = tsc_keylog_new();
    if (!whole || !split)
        goto out;
    if (size > 1 && (data[0] & 0x80)) {
        /* a small table that turns over (tsc_keylog_set_max) */
        tsc_keylog_set_max(whole, (size_t)data[1] % 8 + 1);
        tsc_keylog_set_max(split, (size_t)data[1] % 8 + 1);
    }
    tsc_result r1 = tsc_keylog_parse(whole, data, size);
    if (tsc_is_ok(r1))
        r1 = tsc_keylog_parse_end(whole);

    /* chunk sizes: the first byte picks a scheme, the bytes read so far vary it */
    tsc_result r2 = tsc_ok();
    uint8_t scheme = size ? data[0] : 0;
    size_t chunk = scheme % 4 == 0 ? 1 : (size_t)scheme + 1;
    for (size_t i = 0; i < size && tsc_is_ok(r2);) {
        size_t k = size - i < chunk ? size - i : chunk;
        r2 = tsc_keylog_parse(split, data + i, k);
        i += k;
        if (scheme % 4 == 2)
            chunk = (size_t)data[i - 1] % 300 + 1;
        else if (scheme % 4 == 3)
            r2 = tsc_is_ok(r2) ? tsc_keylog_parse(split, data + i, 0) : r2; /* empty calls between */
    }
    if (tsc_is_ok(r2))
        r2 = tsc_keylog_parse_end(split);
    if (r1.kind != r2.kind)
        abort();

    const struct tsc_keylog_stats *a = tsc_keylog_stats(whole), *b = tsc_keylog_stats(split);
    check_stats(a);
    if (memcmp(a, b, sizeof *a) != 0)
        abort();

    /* every run of 64 hex digits is a client random to look up (up to 64),
     * and the raw bytes at a few places too */
    unsigned looked = 0;
    for (size_t i = 0; i + 64 <= size && looked < 64; i++) {
        uint8_t rnd[32];
        size_t k = 0;
        size_t got = 0;
        while (k < 64 && tsc_hex_digit(data[i + k]) >= 0)
            k++;
        if (k < 64 || tsc_unhex((const char *)data + i, 64, rnd, sizeof rnd, &got)) {
            i += k;
            continue;
        }
        same_secrets(whole, split, rnd);
        looked++;
        i += 63;
    }
    for (size_t i = 0; i + 32 <= size && i < 256; i += 61)
        same_secrets(whole, split, data + i);
    (void)tsc_keylog_label_name((enum tsc_kl_label)(scheme % (TSC_KL_N + 1)));
out:
    tsc_keylog_free(whole);
    tsc_keylog_free(split);
    return 0;
}
