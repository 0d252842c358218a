/*
 * hex_vectors.h - hex test vectors into bytes, for the unit tests (cmocka
 * asserts; include after cmocka.h).
 */
#ifndef TSC_TESTS_HEX_VECTORS_H
#define TSC_TESTS_HEX_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/text.h"

/* Hex with any blanks between bytes into out; returns the byte count. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v = tsc_hex_digit((unsigned char)*s);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

#endif
