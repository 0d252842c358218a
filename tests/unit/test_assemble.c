/*
 * test_assemble.c - handshake assembly (tls/assemble.c) in its three ways
 * of being fed: a stream (TLS over TCP), DTLS fragments, QUIC CRYPTO
 * offsets; with holes, repeats, overlaps and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tls/assemble.h"

#define MAXMSG 16
struct seen {
    size_t n;
    uint8_t type[MAXMSG];
    size_t len[MAXMSG];
    uint8_t body[MAXMSG][1100];
    size_t nerr;
    int err_kind[MAXMSG];
    const char *err_why[MAXMSG];
    uint64_t err_detail[MAXMSG];
};

static void on_msg(void *arg, uint8_t type, struct tsc_view body)
{
    struct seen *s = arg;
    assert_true(s->n < MAXMSG);
    assert_true(body.len <= sizeof s->body[0]);
    s->type[s->n] = type;
    s->len[s->n] = body.len;
    if (body.len)
        memcpy(s->body[s->n], body.p, body.len);
    s->n++;
}

static void on_err(void *arg, tsc_result why, uint64_t detail)
{
    struct seen *s = arg;
    assert_true(s->nerr < MAXMSG);
    s->err_kind[s->nerr] = why.kind;
    s->err_why[s->nerr] = why.why;
    s->err_detail[s->nerr] = detail;
    s->nerr++;
}

#define OUT(s) {&(s), on_msg, on_err, NULL}

/* A handshake message: type, 3-byte length, body filled with `fill`. */
static size_t msg(uint8_t *out, uint8_t type, size_t len, uint8_t fill)
{
    out[0] = type;
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    memset(out + 4, fill, len);
    return 4 + len;
}

/* ---------------------------------------------------------------- stream */

static void test_stream_split_anywhere(void **state)
{
    (void)state;
    uint8_t b[1024];
    size_t n = msg(b, 1, 100, 0xaa);
    n += msg(b + n, 2, 0, 0);
    n += msg(b + n, 11, 300, 0xbb);
    /* every split point of the stream in two, and byte by byte */
    for (size_t cut = 0; cut <= n; cut++) {
        struct seen s = {0};
        struct tsc_hs_asm a = {0};
        struct tsc_asm_out out = OUT(s);
        tsc_asm_stream(&a, 4096, b, cut, 1, &out);
        tsc_asm_stream(&a, 4096, b + cut, n - cut, 0, &out);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.type[0], 1);
        assert_int_equal(s.len[0], 100);
        assert_int_equal(s.body[0][99], 0xaa);
        assert_int_equal(s.len[1], 0);
        assert_int_equal(s.type[2], 11);
        assert_int_equal(s.len[2], 300);
        assert_int_equal(s.nerr, 0);
        uint64_t need;
        assert_int_equal(tsc_asm_pending(&a, &need), 0);
        tsc_asm_free(&a);
    }
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    for (size_t i = 0; i < n; i++)
        tsc_asm_stream(&a, 4096, b + i, 1, 0, &out);
    assert_int_equal(s.n, 3);
    tsc_asm_free(&a);
}

static void test_stream_pending_and_oversize(void **state)
{
    (void)state;
    uint8_t b[1024];
    size_t big = msg(b, 11, 500, 0x11);
    size_t n = big + msg(b + big, 14, 0, 0);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    /* a cap of 200: the 500-byte message is skipped by its length */
    tsc_asm_stream(&a, 200, b, 300, 1, &out);
    assert_int_equal(s.nerr, 1);
    assert_int_equal(s.err_kind[0], TSC_LIMIT);
    assert_int_equal(s.err_detail[0], 500);
    tsc_asm_stream(&a, 200, b + 300, n - 300, 0, &out);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.type[0], 14); /* in sync after the skipped one */
    tsc_asm_free(&a);

    /* an unfinished message says how much it still needs */
    struct seen s2 = {0};
    struct tsc_hs_asm a2 = {0};
    struct tsc_asm_out out2 = OUT(s2);
    tsc_asm_stream(&a2, 4096, b, 10, 1, &out2);
    uint64_t need = 0;
    assert_int_equal(tsc_asm_pending(&a2, &need), 1);
    assert_int_equal(need, 504 - 10);
    tsc_asm_free(&a2);
}

static void test_stream_gaps(void **state)
{
    (void)state;
    uint8_t b[1024];
    size_t m1 = msg(b, 11, 200, 0x11);
    size_t n = m1 + msg(b + m1, 12, 50, 0x22);
    /* a hole inside a message of known length: skipped, next one in sync */
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    tsc_asm_stream(&a, 4096, b, 20, 1, &out);
    tsc_asm_gap(&a, 30, &out);
    assert_int_equal(s.nerr, 1);
    assert_int_equal(s.err_kind[0], TSC_TRUNCATED);
    assert_int_equal(s.err_detail[0], 11);
    tsc_asm_stream(&a, 4096, b + 50, n - 50, 0, &out);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.type[0], 12);
    assert_int_equal(s.len[0], 50);
    tsc_asm_free(&a);

    /* a hole where no message was pending: boundaries lost until a fresh
     * record starts with a plausible header */
    struct seen s2 = {0};
    struct tsc_hs_asm a2 = {0};
    struct tsc_asm_out out2 = OUT(s2);
    tsc_asm_gap(&a2, 7, &out2);
    tsc_asm_stream(&a2, 4096, b + 100, 60, 0, &out2); /* not a record start: ignored */
    assert_int_equal(s2.n, 0);
    static const uint8_t junk[4] = {0xfe, 0, 0, 1};  /* not a handshake type */
    tsc_asm_stream(&a2, 4096, junk, 4, 1, &out2);
    tsc_asm_stream(&a2, 4096, b + m1, n - m1, 0, &out2);
    assert_int_equal(s2.n, 0);
    tsc_asm_stream(&a2, 4096, b + m1, 2, 1, &out2); /* the probe spans chunks */
    tsc_asm_stream(&a2, 4096, b + m1 + 2, n - m1 - 2, 0, &out2);
    assert_int_equal(s2.n, 1);
    assert_int_equal(s2.type[0], 12);
    assert_int_equal(s2.nerr, 0);
    tsc_asm_free(&a2);
}

/* -------------------------------------------------------------- fragments */

static struct tsc_hs_frag frag(const uint8_t *whole, uint8_t type, uint32_t len, uint16_t seq, uint32_t off,
                               uint32_t flen)
{
    struct tsc_hs_frag f = {type, len, seq, off, {whole + off, flen}, 0};
    return f;
}

static enum tsc_asm_verdict feed(struct tsc_hs_asm *a, size_t cap, const struct tsc_asm_out *out,
                                 const uint8_t *whole, uint8_t type, uint32_t len, uint16_t seq, uint32_t off,
                                 uint32_t flen)
{
    struct tsc_hs_frag f = frag(whole, type, len, seq, off, flen);
    return tsc_asm_fragment(a, cap, &f, out);
}

static void test_fragments_out_of_order(void **state)
{
    (void)state;
    uint8_t body[500], body2[40];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    memset(body2, 0x5a, sizeof body2);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    /* message 6 complete before message 5: held, then both in order */
    struct tsc_hs_frag f = frag(body2, 14, 40, 6, 0, 40);
    assert_int_equal(feed(&a, 4096, &out, body, 11, 500, 5, 300, 200), TSC_ASM_NEW);
    assert_int_equal(tsc_asm_fragment(&a, 4096, &f, &out), TSC_ASM_NEW);
    assert_int_equal(s.n, 0);
    assert_int_equal(tsc_asm_next(&a), 5); /* the first message seen sets where the sequence starts */
    assert_int_equal(feed(&a, 4096, &out, body, 11, 500, 5, 100, 250), TSC_ASM_NEW);
    assert_int_equal(feed(&a, 4096, &out, body, 11, 500, 5, 120, 50), TSC_ASM_REPEAT);
    uint64_t need;
    assert_int_equal(tsc_asm_pending(&a, &need), 1);
    assert_int_equal(need, 100);
    assert_true(tsc_asm_holes(&a));
    assert_int_equal(feed(&a, 4096, &out, body, 11, 500, 5, 0, 100), TSC_ASM_NEW);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[0], 11);
    assert_int_equal(s.len[0], 500);
    assert_memory_equal(s.body[0], body, 500);
    assert_int_equal(s.type[1], 14);
    assert_int_equal(tsc_asm_next(&a), 7);
    assert_false(tsc_asm_holes(&a));
    /* the whole flight again (a retransmission): nothing new */
    assert_int_equal(feed(&a, 4096, &out, body, 11, 500, 5, 0, 500), TSC_ASM_REPEAT);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.nerr, 0);
    tsc_asm_free(&a);
}

/* A message gives back the OR of its fragments' tags (DTLS: decrypted),
 * whatever fragment completes it. */
static void test_fragments_tag(void **state)
{
    (void)state;
    uint8_t body[100];
    memset(body, 7, sizeof body);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    uint8_t tag = 9;
    struct tsc_asm_out out = {&s, on_msg, on_err, &tag};
    struct tsc_hs_frag f = frag(body, 20, 100, 0, 0, 60);
    f.tag = 1;
    assert_int_equal(tsc_asm_fragment(&a, 4096, &f, &out), TSC_ASM_NEW);
    assert_int_equal(feed(&a, 4096, &out, body, 20, 100, 0, 60, 40), TSC_ASM_NEW);
    assert_int_equal(s.n, 1);
    assert_int_equal(tag, 1);
    assert_int_equal(feed(&a, 4096, &out, body, 20, 100, 1, 0, 100), TSC_ASM_NEW);
    assert_int_equal(s.n, 2);
    assert_int_equal(tag, 0);
    tsc_asm_free(&a);
}

/* Lost fragments given up: a gap of what is missing, then what was held
 * after it; a message number spent otherwise; numbering restarted. */
static void test_fragments_skip_spent_restart(void **state)
{
    (void)state;
    uint8_t body[100];
    memset(body, 3, sizeof body);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    uint32_t skipped = 0;
    assert_int_equal(tsc_asm_frag_skip(&a, &out, &skipped), 0); /* nothing held: nothing to do */
    assert_int_equal(skipped, 0);
    assert_int_equal(feed(&a, 4096, &out, body, 1, 100, 0, 0, 30), TSC_ASM_NEW);
    assert_int_equal(feed(&a, 4096, &out, body, 2, 10, 1, 0, 10), TSC_ASM_NEW);
    assert_int_equal(feed(&a, 4096, &out, body, 3, 10, 3, 0, 10), TSC_ASM_NEW);
    assert_int_equal(s.n, 0);
    /* message 0 misses 70 bytes; message 2 never came at all */
    assert_int_equal(tsc_asm_frag_skip(&a, &out, &skipped), 70);
    assert_int_equal(skipped, 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[0], 2);
    assert_int_equal(s.type[1], 3);
    assert_int_equal(tsc_asm_next(&a), 4);
    assert_false(tsc_asm_holes(&a));
    /* message 4 spent (a pre-RFC ChangeCipherSpec): 5 is handed on at once */
    assert_int_equal(feed(&a, 4096, &out, body, 20, 10, 5, 0, 10), TSC_ASM_NEW);
    assert_int_equal(s.n, 2);
    tsc_asm_frag_spent(&a, 5, &out); /* not the one expected: nothing */
    assert_int_equal(s.n, 2);
    tsc_asm_frag_spent(&a, 4, &out);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.type[2], 20);
    assert_int_equal(tsc_asm_next(&a), 6);
    /* a renegotiation numbers from 0 again: 0 is new, not a repeat */
    assert_int_equal(feed(&a, 4096, &out, body, 1, 10, 0, 0, 10), TSC_ASM_REPEAT);
    tsc_asm_frag_restart(&a);
    assert_int_equal(feed(&a, 4096, &out, body, 1, 10, 0, 0, 10), TSC_ASM_NEW);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.nerr, 0);
    tsc_asm_free(&a);
}

static void test_fragments_first_copy_kept(void **state)
{
    (void)state;
    uint8_t one[100], two[100];
    memset(one, 1, sizeof one);
    memset(two, 2, sizeof two);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    assert_int_equal(feed(&a, 4096, &out, one, 1, 100, 0, 40, 20), TSC_ASM_NEW);
    /* overlaps [40, 60) with other bytes: those of the first copy stay */
    assert_int_equal(feed(&a, 4096, &out, two, 1, 100, 0, 0, 100), TSC_ASM_NEW);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.body[0][39], 2);
    assert_int_equal(s.body[0][40], 1);
    assert_int_equal(s.body[0][59], 1);
    assert_int_equal(s.body[0][60], 2);
    tsc_asm_free(&a);
}

static void test_fragments_refused(void **state)
{
    (void)state;
    uint8_t b[600] = {0};
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    /* past the end of its message */
    assert_int_equal(feed(&a, 4096, &out, b, 1, 10, 0, 8, 5), TSC_ASM_REFUSED);
    assert_int_equal(s.err_kind[0], TSC_MALFORMED);
    /* message 0 starts the sequence; 9 ahead is too far */
    assert_int_equal(feed(&a, 4096, &out, b, 1, 10, 0, 0, 4), TSC_ASM_NEW);
    assert_int_equal(feed(&a, 4096, &out, b, 2, 10, TSC_ASM_AHEAD + 1, 0, 4),
                     TSC_ASM_REFUSED);
    assert_int_equal(s.err_kind[1], TSC_LIMIT);
    /* a fragment that disagrees on the message's length */
    assert_int_equal(feed(&a, 4096, &out, b, 1, 11, 0, 4, 4), TSC_ASM_REFUSED);
    assert_int_equal(s.err_kind[2], TSC_MALFORMED);
    /* too many pieces: every other byte */
    struct seen s2 = {0};
    struct tsc_hs_asm a2 = {0};
    struct tsc_asm_out out2 = OUT(s2);
    enum tsc_asm_verdict v = TSC_ASM_NEW;
    for (uint32_t i = 0; i <= TSC_ASM_RANGES && v == TSC_ASM_NEW; i++)
        v = feed(&a2, 4096, &out2, b, 1, 200, 0, 2 * i, 1);
    assert_int_equal(v, TSC_ASM_REFUSED);
    assert_int_equal(s2.err_kind[0], TSC_LIMIT);
    /* a byte that joins two pieces still fits */
    assert_int_equal(feed(&a2, 4096, &out2, b, 1, 200, 0, 1, 1), TSC_ASM_NEW);
    tsc_asm_free(&a2);
    tsc_asm_free(&a);
}

static void test_fragments_oversize_and_empty(void **state)
{
    (void)state;
    uint8_t b[600] = {0};
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    /* message 3 is over the cap: reported, skipped when its turn comes */
    assert_int_equal(feed(&a, 256, &out, b, 14, 0, 2, 0, 0), TSC_ASM_NEW);
    assert_int_equal(feed(&a, 256, &out, b, 11, 600, 3, 0, 100), TSC_ASM_REFUSED);
    assert_int_equal(s.nerr, 1);
    assert_int_equal(s.err_kind[0], TSC_LIMIT);
    assert_int_equal(s.err_detail[0], 600);
    assert_int_equal(s.n, 1); /* message 2, empty, went out at once */
    assert_int_equal(s.type[0], 14);
    assert_int_equal(feed(&a, 256, &out, b, 12, 10, 4, 0, 10), TSC_ASM_NEW);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[1], 12);
    assert_int_equal(tsc_asm_next(&a), 5);
    tsc_asm_free(&a);
}

static void test_frag_parse(void **state)
{
    (void)state;
    static const uint8_t good[] = {1, 0, 0, 10, 0, 2, 0, 0, 4, 0, 0, 3, 0xa, 0xb, 0xc, 0xff};
    struct tsc_cursor c = tsc_cursor_make(good, sizeof good);
    struct tsc_hs_frag f;
    assert_int_equal(tsc_hs_frag_parse(&c, &f).kind, TSC_OK);
    assert_int_equal(f.type, 1);
    assert_int_equal(f.length, 10);
    assert_int_equal(f.message_seq, 2);
    assert_int_equal(f.offset, 4);
    assert_int_equal(f.body.len, 3);
    assert_int_equal(f.body.p[2], 0xc);
    assert_int_equal(c.off, 15);
    static const uint8_t past[] = {1, 0, 0, 10, 0, 2, 0, 0, 8, 0, 0, 3, 0xa, 0xb, 0xc};
    c = tsc_cursor_make(past, sizeof past);
    assert_int_equal(tsc_hs_frag_parse(&c, &f).kind, TSC_MALFORMED);
    c = tsc_cursor_make(good, 13);
    assert_int_equal(tsc_hs_frag_parse(&c, &f).kind, TSC_TRUNCATED);
}

/* ---------------------------------------------------------------- offsets */

static void test_crypto_out_of_order(void **state)
{
    (void)state;
    uint8_t b[1200];
    size_t n = msg(b, 1, 1000, 0x33);
    n += msg(b + n, 20, 32, 0x44);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    /* a ClientHello in three packets, last first (post-quantum key shares) */
    assert_int_equal(tsc_asm_crypto(&a, 4096, 800, b + 800, n - 800, &out), TSC_ASM_NEW);
    assert_int_equal(tsc_asm_crypto(&a, 4096, 400, b + 400, 400, &out), TSC_ASM_NEW);
    assert_int_equal(tsc_asm_crypto(&a, 4096, 500, b + 500, 100, &out), TSC_ASM_REPEAT);
    assert_int_equal(s.n, 0);
    assert_true(tsc_asm_holes(&a));
    assert_int_equal(tsc_asm_next(&a), 0);
    assert_int_equal(tsc_asm_crypto(&a, 4096, 0, b, 450, &out), TSC_ASM_NEW);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.type[0], 1);
    assert_int_equal(s.len[0], 1000);
    assert_int_equal(s.body[0][999], 0x33);
    assert_int_equal(s.type[1], 20);
    assert_int_equal(tsc_asm_next(&a), n);
    assert_false(tsc_asm_holes(&a));
    /* a retransmission of all of it */
    assert_int_equal(tsc_asm_crypto(&a, 4096, 0, b, n, &out), TSC_ASM_REPEAT);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.nerr, 0);
    tsc_asm_free(&a);
}

static void test_crypto_in_order_and_first_copy(void **state)
{
    (void)state;
    uint8_t b[200], other[200];
    size_t n = msg(b, 2, 100, 0x55);
    memset(other, 0x66, sizeof other);
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    assert_int_equal(tsc_asm_crypto(&a, 4096, 0, b, 50, &out), TSC_ASM_NEW);
    assert_int_equal(tsc_asm_crypto(&a, 4096, 70, b + 70, n - 70, &out), TSC_ASM_NEW);
    /* bytes [50, 90) from a copy that disagrees: [70, 90) were held first */
    assert_int_equal(tsc_asm_crypto(&a, 4096, 50, other, 40, &out), TSC_ASM_NEW);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.body[0][45], 0x55);  /* offset 49 */
    assert_int_equal(s.body[0][46], 0x66);  /* offset 50: the first copy of it */
    assert_int_equal(s.body[0][65], 0x66);  /* offset 69 */
    assert_int_equal(s.body[0][66], 0x55);  /* offset 70: held before */
    tsc_asm_free(&a);
}

static void test_crypto_refused(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    struct seen s = {0};
    struct tsc_hs_asm a = {0};
    struct tsc_asm_out out = OUT(s);
    assert_int_equal(tsc_asm_crypto(&a, 1024, 1000, b, 64, &out), TSC_ASM_REFUSED);
    assert_int_equal(s.err_kind[0], TSC_LIMIT);
    assert_int_equal(tsc_asm_crypto(&a, 1024, ((uint64_t)1 << 62) - 10, b, 64, &out), TSC_ASM_REFUSED);
    assert_int_equal(s.err_kind[1], TSC_MALFORMED);
    /* fed as fragments after offsets: a caller's mistake, refused */
    struct tsc_hs_frag f = frag(b, 1, 4, 0, 0, 4);
    assert_int_equal(tsc_asm_fragment(&a, 1024, &f, &out), TSC_ASM_REFUSED);
    assert_int_equal(s.err_kind[2], TSC_INTERNAL);
    assert_int_equal(s.n, 0);
    tsc_asm_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_split_anywhere),
        cmocka_unit_test(test_stream_pending_and_oversize),
        cmocka_unit_test(test_stream_gaps),
        cmocka_unit_test(test_fragments_out_of_order),
        cmocka_unit_test(test_fragments_tag),
        cmocka_unit_test(test_fragments_skip_spent_restart),
        cmocka_unit_test(test_fragments_first_copy_kept),
        cmocka_unit_test(test_fragments_refused),
        cmocka_unit_test(test_fragments_oversize_and_empty),
        cmocka_unit_test(test_frag_parse),
        cmocka_unit_test(test_crypto_out_of_order),
        cmocka_unit_test(test_crypto_in_order_and_first_copy),
        cmocka_unit_test(test_crypto_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
