/* Fuzz target: handshake assembly (tls/assemble.c) in its three modes.
 * The first byte picks the mode and the cap:
 *   mode 0, stream:    ops [flags][len u16][len bytes]; flags bit 0: the
 *                      chunk starts a record; bit 1: a gap of len bytes;
 *   mode 1, fragments: DTLS handshake fragments, back to back, each with
 *                      its 12-byte header (message_seq, fragment_offset...);
 *   mode 2, offsets:   ops [offset u24][len u16][len bytes] (QUIC CRYPTO).
 * Every message handed on must lie within the cap and the views must be
 * readable (ASan checks the reads). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tls/assemble.h"

struct sum {
    size_t cap;
    uint64_t bytes;
};

static void on_msg(void *arg, uint8_t type, struct tsc_view body)
{
    struct sum *s = arg;
    if (body.len > s->cap)
        __builtin_trap(); /* a message larger than the cap was assembled */
    for (size_t i = 0; i < body.len; i++)
        s->bytes += body.p[i];
    s->bytes += type;
}

static void on_err(void *arg, tsc_result why, uint64_t detail)
{
    (void)arg;
    (void)detail;
    if (why.kind == TSC_INTERNAL)
        __builtin_trap(); /* only a caller mixing modes gets this, and we do not */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct sum s = {(size_t)64 << ((data[0] >> 2) & 7), 0};
    struct tsc_asm_out out = {&s, on_msg, on_err, NULL};
    struct tsc_hs_asm a;
    memset(&a, 0, sizeof a);
    struct tsc_cursor c = tsc_cursor_make(data + 1, size - 1);
    switch (data[0] & 3) {
    case 0:
        while (tsc_cursor_left(&c) >= 3) {
            uint8_t flags = 0;
            uint16_t len = 0;
            (void)tsc_cursor_u8(&c, &flags);
            (void)tsc_cursor_u16(&c, &len);
            if (flags & 2) {
                tsc_asm_gap(&a, len, &out);
                continue;
            }
            size_t n = len < tsc_cursor_left(&c) ? len : tsc_cursor_left(&c);
            struct tsc_view v = {NULL, 0};
            (void)tsc_cursor_bytes(&c, n, &v);
            tsc_asm_stream(&a, s.cap, v.p, v.len, flags & 1, &out);
        }
        break;
    case 1: {
        struct tsc_hs_frag f;
        while (tsc_is_ok(tsc_hs_frag_parse(&c, &f)))
            (void)tsc_asm_fragment(&a, s.cap, &f, &out);
        break;
    }
    default:
        while (tsc_cursor_left(&c) >= 5) {
            uint32_t off = 0;
            uint16_t len = 0;
            (void)tsc_cursor_u24(&c, &off);
            (void)tsc_cursor_u16(&c, &len);
            size_t n = len < tsc_cursor_left(&c) ? len : tsc_cursor_left(&c);
            struct tsc_view v = {NULL, 0};
            (void)tsc_cursor_bytes(&c, n, &v);
            (void)tsc_asm_crypto(&a, s.cap, off, v.p, v.len, &out);
        }
        break;
    }
    uint64_t need;
    (void)tsc_asm_pending(&a, &need);
    (void)tsc_asm_holes(&a);
    (void)tsc_asm_next(&a);
    tsc_asm_free(&a);
    return 0;
}
