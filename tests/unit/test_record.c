/*
 * test_record.c - the record layer (tls/record.c): the 5-byte header, the
 * plausibility checks used to find TLS in a stream, the SSLv2 hello header;
 * and the record-level bodies Alert and Heartbeat (tls/handshake.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tls/msg.h"
#include "tls_builders.h"

/* ---------------------------------------------------------- header parse */

static tsc_result parse_hdr(uint8_t type, uint16_t version, uint16_t length, struct tsc_record_hdr *h)
{
    uint8_t b[5] = {type, (uint8_t)(version >> 8), (uint8_t)version, (uint8_t)(length >> 8),
                    (uint8_t)length};
    struct tsc_cursor c = tsc_cursor_make(b, sizeof b);
    return tsc_record_hdr_parse(&c, h);
}

static void test_hdr_valid(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0xaa};
    struct tsc_cursor c = tsc_cursor_make(b, sizeof b);
    struct tsc_record_hdr h;
    ASSERT_OK(tsc_record_hdr_parse(&c, &h));
    assert_int_equal(h.type, TSC_CT_HANDSHAKE);
    assert_int_equal(h.version, TSC_TLS10);
    assert_int_equal(h.length, 0x200);
    assert_int_equal(c.off, 5); /* only the header is consumed */

    for (uint8_t t = TSC_CT_CHANGE_CIPHER_SPEC; t <= TSC_CT_HEARTBEAT; t++)
        ASSERT_OK(parse_hdr(t, TSC_TLS12, 1, &h));
    ASSERT_OK(parse_hdr(TSC_CT_ALERT, TSC_SSL30, 2, &h));
    ASSERT_OK(parse_hdr(TSC_CT_APPLICATION_DATA, TSC_TLS13, 2, &h));
    ASSERT_OK(parse_hdr(TSC_CT_APPLICATION_DATA, TSC_TLS12, 0, &h)); /* empty record */
    ASSERT_OK(parse_hdr(TSC_CT_APPLICATION_DATA, TSC_TLS12, TSC_RECORD_MAX, &h));
    assert_int_equal(h.length, TSC_RECORD_MAX);
}

static void test_hdr_bad_type(void **state)
{
    (void)state;
    struct tsc_record_hdr h;
    ASSERT_ILLEGAL(parse_hdr(19, TSC_TLS12, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(25, TSC_TLS12, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(0, TSC_TLS12, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(0x80, TSC_TLS12, 10, &h));
    ASSERT_ILLEGAL(parse_hdr('G', 0x4554, 0x202f, &h)); /* "GET /" */
}

static void test_hdr_bad_version(void **state)
{
    (void)state;
    struct tsc_record_hdr h;
    ASSERT_ILLEGAL(parse_hdr(TSC_CT_HANDSHAKE, 0x0002, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(TSC_CT_HANDSHAKE, 0x0200, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(TSC_CT_HANDSHAKE, 0x0305, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(TSC_CT_HANDSHAKE, 0x0403, 10, &h));
    ASSERT_ILLEGAL(parse_hdr(TSC_CT_HANDSHAKE, 0xfeff, 10, &h)); /* DTLS 1.0 */
}

static void test_hdr_too_long(void **state)
{
    (void)state;
    struct tsc_record_hdr h;
    ASSERT_RESULT(parse_hdr(TSC_CT_APPLICATION_DATA, TSC_TLS12, TSC_RECORD_MAX + 1, &h), TSC_MALFORMED,
                  TSC_ALERT_RECORD_OVERFLOW);
    ASSERT_RESULT(parse_hdr(TSC_CT_HANDSHAKE, TSC_TLS12, 0xffff, &h), TSC_MALFORMED,
                  TSC_ALERT_RECORD_OVERFLOW);
}

static void test_hdr_truncated(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x16, 0x03, 0x03, 0x00, 0x10};
    struct tsc_record_hdr h;
    for (size_t n = 0; n < 5; n++) {
        struct tsc_cursor c = tsc_cursor_make(b, n);
        ASSERT_TRUNCATED(tsc_record_hdr_parse(&c, &h));
    }
}

/* ------------------------------------------------------------ plausible */

static void test_record_plausible(void **state)
{
    (void)state;
    uint8_t b[5] = {0x16, 0x03, 0x01, 0x00, 0x30};
    assert_int_equal(tsc_record_plausible(b, 5), 1);
    assert_int_equal(tsc_record_plausible(b, 4), 0);
    assert_int_equal(tsc_record_plausible(b, 0), 0);

    uint8_t t[5];
    memcpy(t, b, 5);
    t[0] = 19;
    assert_int_equal(tsc_record_plausible(t, 5), 0);
    t[0] = 25;
    assert_int_equal(tsc_record_plausible(t, 5), 0);
    t[0] = 20;
    assert_int_equal(tsc_record_plausible(t, 5), 1);
    t[0] = 24;
    assert_int_equal(tsc_record_plausible(t, 5), 1);

    memcpy(t, b, 5);
    t[1] = 2;
    assert_int_equal(tsc_record_plausible(t, 5), 0);
    t[1] = 3;
    t[2] = 5;
    assert_int_equal(tsc_record_plausible(t, 5), 0);
    t[2] = 4;
    assert_int_equal(tsc_record_plausible(t, 5), 1);
    t[2] = 0;
    assert_int_equal(tsc_record_plausible(t, 5), 1);

    memcpy(t, b, 5);
    t[3] = 0;
    t[4] = 0; /* zero length: not how a stream starts */
    assert_int_equal(tsc_record_plausible(t, 5), 0);
    t[3] = (uint8_t)(TSC_RECORD_MAX >> 8);
    t[4] = (uint8_t)TSC_RECORD_MAX;
    assert_int_equal(tsc_record_plausible(t, 5), 1);
    t[4] = (uint8_t)(TSC_RECORD_MAX + 1);
    assert_int_equal(tsc_record_plausible(t, 5), 0);

    assert_int_equal(tsc_record_plausible((const uint8_t *)"GET / HTTP/1.1", 14), 0);
    assert_int_equal(tsc_record_plausible((const uint8_t *)"SSH-2.0-OpenSSH", 15), 0);
}

/* An SSLv2-format ClientHello, header included. */
static void build_sslv2(struct tb *t, uint16_t version, size_t nspec, size_t nsid, size_t nchal)
{
    size_t len = 9 + nspec + nsid + nchal;
    tb_init(t);
    tb_u8(t, 0x80 | (len >> 8));
    tb_u8(t, len & 0xff);
    tb_u8(t, 1);
    tb_u16(t, version);
    tb_u16(t, (uint32_t)nspec);
    tb_u16(t, (uint32_t)nsid);
    tb_u16(t, (uint32_t)nchal);
    tb_fill(t, 0x01, nspec);
    tb_fill(t, 0x22, nsid);
    tb_fill(t, 0x33, nchal);
}

static void test_sslv2_plausible(void **state)
{
    (void)state;
    struct tb t;
    build_sslv2(&t, TSC_TLS10, 9, 0, 16);
    struct tsc_view v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 1);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, 10), 0); /* header not all there */

    build_sslv2(&t, 0x0002, 3, 16, 32);
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 1);
    build_sslv2(&t, TSC_TLS12, 3, 32, 16);
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 1);

    /* each field out of range */
    build_sslv2(&t, TSC_TLS10, 4, 0, 16); /* specs not a multiple of 3 */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);
    build_sslv2(&t, TSC_TLS10, 0, 0, 16); /* no specs */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);
    build_sslv2(&t, TSC_TLS10, 3, 8, 16); /* session id of 8 */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);
    build_sslv2(&t, TSC_TLS10, 3, 0, 15); /* challenge too short */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);
    build_sslv2(&t, TSC_TLS10, 3, 0, 33); /* challenge too long */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);
    build_sslv2(&t, 0x0400, 3, 0, 16); /* version */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);
    build_sslv2(&t, 0x0305, 3, 0, 16);
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);

    build_sslv2(&t, TSC_TLS10, 3, 0, 16);
    t.b[2] = 2; /* not CLIENT-HELLO */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);

    build_sslv2(&t, TSC_TLS10, 3, 0, 16);
    t.b[1] += 1; /* record length disagrees with the fields */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);

    build_sslv2(&t, TSC_TLS10, 3, 0, 16);
    t.b[0] &= 0x7f; /* no high bit: not the 2-byte SSLv2 header */
    v = tb_view(&t);
    assert_int_equal(tsc_sslv2_hello_plausible(v.p, v.len), 0);

    /* a TLS record is not an SSLv2 hello */
    static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03};
    assert_int_equal(tsc_sslv2_hello_plausible(tls, sizeof tls), 0);
}

/* ---------------------------------------------------------------- alert */

static void test_alert(void **state)
{
    (void)state;
    struct tsc_alert a;
    static const uint8_t fatal_hf[] = {2, 40};
    struct tsc_view v = {fatal_hf, 2};
    ASSERT_OK(tsc_alert_parse(v, &a));
    assert_int_equal(a.level, 2);
    assert_int_equal(a.description, 40);

    static const uint8_t close_notify[] = {1, 0};
    v.p = close_notify;
    ASSERT_OK(tsc_alert_parse(v, &a));
    assert_int_equal(a.level, 1);
    assert_int_equal(a.description, 0);

    static const uint8_t three[] = {2, 40, 0};
    v.p = three;
    v.len = 3;
    ASSERT_DECODE_ERROR(tsc_alert_parse(v, &a));
    v.len = 1; /* half an alert inside a complete record: malformed */
    ASSERT_DECODE_ERROR(tsc_alert_parse(v, &a));
    v.len = 0;
    ASSERT_DECODE_ERROR(tsc_alert_parse(v, &a));
}

/* ------------------------------------------------------------ heartbeat */

static struct tsc_view heartbeat(struct tb *t, uint8_t type, uint16_t claimed, size_t payload, size_t padding)
{
    tb_init(t);
    tb_u8(t, type);
    tb_u16(t, claimed);
    tb_fill(t, 0x41, payload);
    tb_fill(t, 0x00, padding);
    return tb_view(t);
}

static void test_heartbeat_ok(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_heartbeat hb;
    ASSERT_OK(tsc_heartbeat_parse(heartbeat(&t, 1, 3, 3, 16), &hb));
    assert_int_equal(hb.type, 1);
    assert_int_equal(hb.payload_length, 3);
    assert_int_equal(hb.actual_payload, 3);

    ASSERT_OK(tsc_heartbeat_parse(heartbeat(&t, 2, 0, 0, 16), &hb));
    assert_int_equal(hb.type, 2);
    assert_int_equal(hb.payload_length, 0);
    assert_int_equal(hb.actual_payload, 0);

    ASSERT_OK(tsc_heartbeat_parse(heartbeat(&t, 1, 100, 100, 40), &hb)); /* more padding is fine */
    assert_int_equal(hb.actual_payload, 100);
}

/* The Heartbleed request: payload_length far beyond what the record holds. */
static void test_heartbeat_heartbleed(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_heartbeat hb;
    ASSERT_ILLEGAL(tsc_heartbeat_parse(heartbeat(&t, 1, 0x4000, 3, 16), &hb));
    assert_int_equal(hb.type, 1);
    assert_int_equal(hb.payload_length, 0x4000);
    assert_int_equal(hb.actual_payload, 19); /* what was really there */

    ASSERT_ILLEGAL(tsc_heartbeat_parse(heartbeat(&t, 1, 0xffff, 0, 0), &hb));
    assert_int_equal(hb.actual_payload, 0);

    /* payload present, but the 16 bytes of padding are not */
    ASSERT_ILLEGAL(tsc_heartbeat_parse(heartbeat(&t, 1, 3, 3, 15), &hb));
    assert_int_equal(hb.actual_payload, 3);
}

static void test_heartbeat_short(void **state)
{
    (void)state;
    static const uint8_t b[] = {1, 0x00};
    struct tsc_heartbeat hb;
    struct tsc_view v = {b, 2};
    ASSERT_DECODE_ERROR(tsc_heartbeat_parse(v, &hb));
    v.len = 0;
    ASSERT_DECODE_ERROR(tsc_heartbeat_parse(v, &hb));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hdr_valid),
        cmocka_unit_test(test_hdr_bad_type),
        cmocka_unit_test(test_hdr_bad_version),
        cmocka_unit_test(test_hdr_too_long),
        cmocka_unit_test(test_hdr_truncated),
        cmocka_unit_test(test_record_plausible),
        cmocka_unit_test(test_sslv2_plausible),
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_heartbeat_ok),
        cmocka_unit_test(test_heartbeat_heartbleed),
        cmocka_unit_test(test_heartbeat_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
