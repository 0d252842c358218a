/*
 * test_cursor.c - the bounded reader (core/cursor.h) and the result type.
 *
 * Every reader is checked on exact input, one byte short, and empty input; a
 * failed read must return TSC_TRUNCATED and leave both the cursor and the
 * output untouched. Length-prefixed blocks whose length runs past the end
 * must not move the cursor either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/cursor.h"
#include "core/result.h"
#include "tls/msg.h" /* tsc_complete */
#include "tls_builders.h"

static const uint8_t seq[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

static void test_make_and_left(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, sizeof seq);
    assert_ptr_equal(c.p, seq);
    assert_int_equal(c.len, 8);
    assert_int_equal(c.off, 0);
    assert_int_equal(tsc_cursor_left(&c), 8);

    struct tsc_view v = {seq + 2, 3};
    struct tsc_cursor d = tsc_cursor_of(v);
    assert_ptr_equal(d.p, seq + 2);
    assert_int_equal(d.len, 3);
    assert_int_equal(d.off, 0);
}

static void test_u8(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 2);
    uint8_t v = 0;
    ASSERT_OK(tsc_cursor_u8(&c, &v));
    assert_int_equal(v, 0x01);
    ASSERT_OK(tsc_cursor_u8(&c, &v));
    assert_int_equal(v, 0x02);
    assert_int_equal(c.off, 2);
    v = 0xaa;
    ASSERT_TRUNCATED(tsc_cursor_u8(&c, &v));
    assert_int_equal(v, 0xaa); /* output untouched */
    assert_int_equal(c.off, 2);

    struct tsc_cursor e = tsc_cursor_make(NULL, 0);
    ASSERT_TRUNCATED(tsc_cursor_u8(&e, &v));
    assert_int_equal(e.off, 0);
}

static void test_u16(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 3);
    uint16_t v = 0;
    ASSERT_OK(tsc_cursor_u16(&c, &v));
    assert_int_equal(v, 0x0102);
    assert_int_equal(c.off, 2);
    v = 0xbeef;
    ASSERT_TRUNCATED(tsc_cursor_u16(&c, &v)); /* one byte left */
    assert_int_equal(v, 0xbeef);
    assert_int_equal(c.off, 2);

    static const uint8_t hi[] = {0xff, 0xfe};
    struct tsc_cursor h = tsc_cursor_make(hi, 2);
    ASSERT_OK(tsc_cursor_u16(&h, &v));
    assert_int_equal(v, 0xfffe); /* no sign extension */
}

static void test_u24(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 5);
    uint32_t v = 0;
    ASSERT_OK(tsc_cursor_u24(&c, &v));
    assert_int_equal(v, 0x010203);
    assert_int_equal(c.off, 3);
    v = 77;
    ASSERT_TRUNCATED(tsc_cursor_u24(&c, &v)); /* two bytes left */
    assert_int_equal(v, 77);
    assert_int_equal(c.off, 3);

    static const uint8_t hi[] = {0xff, 0xff, 0xff};
    struct tsc_cursor h = tsc_cursor_make(hi, 3);
    ASSERT_OK(tsc_cursor_u24(&h, &v));
    assert_int_equal(v, 0xffffff);
}

static void test_u32(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 7);
    uint32_t v = 0;
    ASSERT_OK(tsc_cursor_u32(&c, &v));
    assert_int_equal(v, 0x01020304);
    assert_int_equal(c.off, 4);
    v = 99;
    ASSERT_TRUNCATED(tsc_cursor_u32(&c, &v)); /* three bytes left */
    assert_int_equal(v, 99);
    assert_int_equal(c.off, 4);

    static const uint8_t hi[] = {0xff, 0xff, 0xff, 0xfe};
    struct tsc_cursor h = tsc_cursor_make(hi, 4);
    ASSERT_OK(tsc_cursor_u32(&h, &v));
    assert_true(v == 0xfffffffeu);
}

static void test_bytes(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, sizeof seq);
    struct tsc_view v = {NULL, 0};
    ASSERT_OK(tsc_cursor_bytes(&c, 3, &v));
    assert_ptr_equal(v.p, seq); /* borrowed, not copied */
    assert_int_equal(v.len, 3);
    assert_int_equal(c.off, 3);

    ASSERT_OK(tsc_cursor_bytes(&c, 0, &v));
    assert_ptr_equal(v.p, seq + 3);
    assert_int_equal(v.len, 0);
    assert_int_equal(c.off, 3);

    struct tsc_view keep = {seq, 1};
    v = keep;
    ASSERT_TRUNCATED(tsc_cursor_bytes(&c, 6, &v)); /* 5 left */
    assert_ptr_equal(v.p, seq);
    assert_int_equal(v.len, 1);
    assert_int_equal(c.off, 3);

    /* a huge n cannot wrap the check around */
    ASSERT_TRUNCATED(tsc_cursor_bytes(&c, SIZE_MAX, &v));
    ASSERT_TRUNCATED(tsc_cursor_bytes(&c, SIZE_MAX - 2, &v));
    assert_int_equal(c.off, 3);

    ASSERT_OK(tsc_cursor_bytes(&c, 5, &v)); /* exactly what is left */
    assert_ptr_equal(v.p, seq + 3);
    assert_int_equal(c.off, 8);
    assert_int_equal(tsc_cursor_left(&c), 0);
}

static void test_rest_and_skip(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, sizeof seq);
    ASSERT_OK(tsc_cursor_skip(&c, 2));
    assert_int_equal(c.off, 2);
    ASSERT_TRUNCATED(tsc_cursor_skip(&c, 7));
    ASSERT_TRUNCATED(tsc_cursor_skip(&c, SIZE_MAX));
    assert_int_equal(c.off, 2);
    ASSERT_OK(tsc_cursor_skip(&c, 0));

    struct tsc_view r = tsc_cursor_rest(&c);
    assert_ptr_equal(r.p, seq + 2);
    assert_int_equal(r.len, 6);
    assert_int_equal(c.off, 8);

    r = tsc_cursor_rest(&c); /* nothing left: an empty view */
    assert_int_equal(r.len, 0);
    assert_int_equal(c.off, 8);
    ASSERT_OK(tsc_cursor_skip(&c, 0));
    ASSERT_TRUNCATED(tsc_cursor_skip(&c, 1));
}

static void test_sub_u8(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x02, 0xaa, 0xbb, 0x00, 0x05, 0x01};
    struct tsc_cursor c = tsc_cursor_make(in, sizeof in), sub;
    ASSERT_OK(tsc_cursor_sub_u8(&c, &sub));
    assert_ptr_equal(sub.p, in + 1);
    assert_int_equal(sub.len, 2);
    assert_int_equal(sub.off, 0);
    assert_int_equal(c.off, 3);

    /* a zero-length block */
    ASSERT_OK(tsc_cursor_sub_u8(&c, &sub));
    assert_int_equal(sub.len, 0);
    assert_int_equal(c.off, 4);

    /* length 5 with only 1 byte behind it: truncated, cursor not moved */
    struct tsc_cursor before = sub;
    ASSERT_TRUNCATED(tsc_cursor_sub_u8(&c, &sub));
    assert_int_equal(c.off, 4);
    assert_memory_equal(&sub, &before, sizeof sub); /* sub untouched */

    /* no length byte at all */
    struct tsc_cursor e = tsc_cursor_make(in, 0);
    ASSERT_TRUNCATED(tsc_cursor_sub_u8(&e, &sub));
    assert_int_equal(e.off, 0);
}

static void test_sub_u16(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x00, 0x03, 0x01, 0x02, 0x03, 0x01, 0x00, 0xee};
    struct tsc_cursor c = tsc_cursor_make(in, sizeof in), sub;
    ASSERT_OK(tsc_cursor_sub_u16(&c, &sub));
    assert_ptr_equal(sub.p, in + 2);
    assert_int_equal(sub.len, 3);
    assert_int_equal(c.off, 5);

    /* length 0x0100 with one byte behind it */
    ASSERT_TRUNCATED(tsc_cursor_sub_u16(&c, &sub));
    assert_int_equal(c.off, 5);

    /* half a length */
    struct tsc_cursor h = tsc_cursor_make(in, 1);
    ASSERT_TRUNCATED(tsc_cursor_sub_u16(&h, &sub));
    assert_int_equal(h.off, 0);

    /* the sub-cursor reads only its own bytes */
    struct tsc_cursor c2 = tsc_cursor_make(in, sizeof in), s2;
    ASSERT_OK(tsc_cursor_sub_u16(&c2, &s2));
    uint32_t v;
    ASSERT_OK(tsc_cursor_u24(&s2, &v));
    assert_int_equal(v, 0x010203);
    uint8_t b;
    ASSERT_TRUNCATED(tsc_cursor_u8(&s2, &b));
}

static void test_sub_u24(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x00, 0x00, 0x02, 0x0a, 0x0b, 0xff, 0xff, 0xff, 0x00};
    struct tsc_cursor c = tsc_cursor_make(in, sizeof in), sub;
    ASSERT_OK(tsc_cursor_sub_u24(&c, &sub));
    assert_ptr_equal(sub.p, in + 3);
    assert_int_equal(sub.len, 2);
    assert_int_equal(c.off, 5);

    /* length 0xffffff with one byte behind it */
    ASSERT_TRUNCATED(tsc_cursor_sub_u24(&c, &sub));
    assert_int_equal(c.off, 5);

    struct tsc_cursor h = tsc_cursor_make(in, 2);
    ASSERT_TRUNCATED(tsc_cursor_sub_u24(&h, &sub));
    assert_int_equal(h.off, 0);

    static const uint8_t zero[] = {0, 0, 0};
    struct tsc_cursor z = tsc_cursor_make(zero, 3);
    ASSERT_OK(tsc_cursor_sub_u24(&z, &sub));
    assert_int_equal(sub.len, 0);
    assert_int_equal(z.off, 3);
}

static void test_expect_empty(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 2);
    tsc_result r = tsc_cursor_expect_empty(&c, "two bytes left");
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_int_equal(r.alert, TSC_ALERT_DECODE_ERROR);
    assert_string_equal(r.why, "two bytes left");
    assert_non_null(r.file);
    assert_true(r.line > 0);
    assert_int_equal(c.off, 0);

    ASSERT_OK(tsc_cursor_skip(&c, 1));
    ASSERT_DECODE_ERROR(tsc_cursor_expect_empty(&c, "one byte left"));
    ASSERT_OK(tsc_cursor_skip(&c, 1));
    ASSERT_OK(tsc_cursor_expect_empty(&c, "unused"));

    struct tsc_cursor e = tsc_cursor_make(NULL, 0);
    ASSERT_OK(tsc_cursor_expect_empty(&e, "unused"));
}

static void test_view_u16(void **state)
{
    (void)state;
    struct tsc_view v = {seq, sizeof seq};
    assert_int_equal(tsc_view_u16(v, 0), 0x0102);
    assert_int_equal(tsc_view_u16(v, 1), 0x0304);
    assert_int_equal(tsc_view_u16(v, 3), 0x0708);
    static const uint8_t hi[] = {0x80, 0x01, 0xff, 0xff};
    struct tsc_view h = {hi, 4};
    assert_int_equal(tsc_view_u16(h, 0), 0x8001);
    assert_int_equal(tsc_view_u16(h, 1), 0xffff);
}

/* TSC_GUARD keeps the first error; TSC_ENSURE_KIND picks the kind. */
static tsc_result guard_two(struct tsc_cursor *c)
{
    uint32_t v;
    TSC_GUARD(tsc_cursor_u32(c, &v));
    TSC_ENSURE(0, "never reached when the read fails");
    return tsc_ok();
}

static tsc_result ensure_limit(int cond)
{
    TSC_ENSURE_KIND(cond, TSC_LIMIT, "cap reached");
    return tsc_ok();
}

static void test_result_macros(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 2);
    tsc_result r = guard_two(&c);
    assert_int_equal(r.kind, TSC_TRUNCATED);
    assert_string_equal(r.why, "need 4 bytes");

    struct tsc_cursor ok = tsc_cursor_make(seq, 4);
    ASSERT_DECODE_ERROR(guard_two(&ok));

    ASSERT_RESULT(ensure_limit(0), TSC_LIMIT, TSC_ALERT_NONE);
    ASSERT_OK(ensure_limit(1));
    assert_true(tsc_is_ok(tsc_ok()));

    assert_string_equal(tsc_kind_name(TSC_OK), "ok");
    assert_string_equal(tsc_kind_name(TSC_TRUNCATED), "truncated");
    assert_string_equal(tsc_kind_name(TSC_MALFORMED), "malformed");
    assert_string_equal(tsc_kind_name(TSC_LIMIT), "limit");
    assert_string_equal(tsc_kind_name(TSC_OPENSSL), "openssl");
    assert_string_equal(tsc_kind_name(TSC_INTERNAL), "internal");
}

/* tsc_complete: TRUNCATED inside a complete message becomes MALFORMED/decode_error. */
static void test_complete_mapping(void **state)
{
    (void)state;
    struct tsc_cursor c = tsc_cursor_make(seq, 1);
    uint16_t v;
    ASSERT_DECODE_ERROR(tsc_complete(tsc_cursor_u16(&c, &v)));
    ASSERT_OK(tsc_complete(tsc_ok()));
    ASSERT_RESULT(tsc_complete(TSC_ERR(TSC_LIMIT, "x")), TSC_LIMIT, TSC_ALERT_NONE);
    ASSERT_ILLEGAL(tsc_complete(TSC_ILLEGAL_ERR("x")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_and_left), cmocka_unit_test(test_u8),
        cmocka_unit_test(test_u16),           cmocka_unit_test(test_u24),
        cmocka_unit_test(test_u32),           cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_rest_and_skip), cmocka_unit_test(test_sub_u8),
        cmocka_unit_test(test_sub_u16),       cmocka_unit_test(test_sub_u24),
        cmocka_unit_test(test_expect_empty),  cmocka_unit_test(test_view_u16),
        cmocka_unit_test(test_result_macros), cmocka_unit_test(test_complete_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
