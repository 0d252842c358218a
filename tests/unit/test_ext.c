/*
 * test_ext.c - every extension decoder through tsc_ext_decode(), in each
 * context it appears in, and the extension list (tls/ext.c).
 *
 * tsc_ext_decode() never fails its caller: a bad body leaves the extension
 * RAW with the reason in e->status (MALFORMED with decode_error for a length
 * that lies or bytes left over, illegal_parameter for a value out of range).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tls/msg.h"
#include "tls_builders.h"

/* Decode the builder's bytes as extension `type` in `ctx`. */
static void dec(uint16_t type, enum tsc_ext_ctx ctx, const struct tb *t, struct tsc_ext *e)
{
    struct tsc_view v = tb_view(t);
    memset(e, 0xa5, sizeof *e); /* no field may be relied on unless written */
    tsc_ext_decode(type, v, ctx, e);
    assert_int_equal(e->type, type);
    assert_ptr_equal(e->data.p, v.p);
    assert_int_equal(e->data.len, v.len);
}

static void dec_raw(uint16_t type, enum tsc_ext_ctx ctx, const void *p, size_t n, struct tsc_ext *e)
{
    /* static: e's views point into it, and the caller reads them after */
    static struct tb t;
    tb_init(&t);
    tb_raw(&t, p, n);
    dec(type, ctx, &t, e);
}

/* Assert a decode failed: RAW form, status of the given alert. */
#define ASSERT_BAD(e, alert)                                        \
    do {                                                            \
        assert_int_equal((e)->form, TSC_EXTF_RAW);                  \
        ASSERT_RESULT((e)->status, TSC_MALFORMED, (alert));         \
    } while (0)

#define ASSERT_FORM(e, f)                                           \
    do {                                                            \
        ASSERT_OK((e)->status);                                     \
        assert_int_equal((e)->form, (f));                           \
    } while (0)

static const enum tsc_ext_ctx all_ctx[] = {
    TSC_EXT_CLIENT_HELLO,        TSC_EXT_SERVER_HELLO,       TSC_EXT_HRR,
    TSC_EXT_ENCRYPTED_EXTENSIONS, TSC_EXT_CERTIFICATE_REQUEST, TSC_EXT_NEW_SESSION_TICKET,
    TSC_EXT_CERTIFICATE,
};
#define N_CTX (sizeof all_ctx / sizeof all_ctx[0])

/* ---------------------------------------------------------- server_name */

static void sni_entry(struct tb *t, uint8_t kind, const char *name)
{
    tb_u8(t, kind);
    tb_vec16(t, name, strlen(name));
}

static void test_server_name(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;

    tb_init(&t);
    tb_open(&t, 2);
    sni_entry(&t, 0, "example.com");
    tb_close(&t);
    dec(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_NAMES);
    assert_int_equal(e.u.names.n, 1);
    assert_int_equal(e.u.names.stored, 1);
    assert_int_equal(e.u.names.kinds[0], 0);
    ASSERT_VIEW(e.u.names.v[0], "example.com", 11);

    /* more names than kept: n counts all */
    tb_init(&t);
    tb_open(&t, 2);
    sni_entry(&t, 0, "a.example");
    sni_entry(&t, 1, "b");
    sni_entry(&t, 0, "c");
    sni_entry(&t, 0, "d");
    sni_entry(&t, 0, "e");
    sni_entry(&t, 0, "f");
    tb_close(&t);
    dec(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_NAMES);
    assert_int_equal(e.u.names.n, 6);
    assert_int_equal(e.u.names.stored, TSC_MAX_SNI);
    assert_int_equal(e.u.names.kinds[1], 1);
    ASSERT_VIEW(e.u.names.v[3], "d", 1);

    /* server side: empty */
    for (size_t i = 1; i < N_CTX; i++) {
        tb_init(&t);
        dec(TSC_EXT_SERVER_NAME, all_ctx[i], &t, &e);
        ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    }
}

static void test_server_name_bad(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;

    dec_raw(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e); /* empty list */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, "", 0, &e); /* no list at all */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    /* a name whose length runs past the list */
    dec_raw(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, "\x00\x05\x00\x00\x09" "ab", 7, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    /* a list length running past the body */
    dec_raw(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, "\x00\x09\x00\x00\x01" "a", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);

    /* a byte after the list */
    tb_init(&t);
    tb_open(&t, 2);
    sni_entry(&t, 0, "x");
    tb_close(&t);
    tb_u8(&t, 0);
    dec(TSC_EXT_SERVER_NAME, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);

    /* the server's must be empty */
    dec_raw(TSC_EXT_SERVER_NAME, TSC_EXT_SERVER_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* -------------------------------------------------- max_fragment_length */

static void test_max_fragment_length(void **state)
{
    (void)state;
    struct tsc_ext e;
    for (uint8_t v = 1; v <= 4; v++) {
        dec_raw(TSC_EXT_MAX_FRAGMENT_LENGTH, TSC_EXT_CLIENT_HELLO, &v, 1, &e);
        ASSERT_FORM(&e, TSC_EXTF_U8);
        assert_int_equal(e.u.num, v);
        dec_raw(TSC_EXT_MAX_FRAGMENT_LENGTH, TSC_EXT_ENCRYPTED_EXTENSIONS, &v, 1, &e);
        ASSERT_FORM(&e, TSC_EXTF_U8);
    }
    dec_raw(TSC_EXT_MAX_FRAGMENT_LENGTH, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_ILLEGAL_PARAMETER);
    dec_raw(TSC_EXT_MAX_FRAGMENT_LENGTH, TSC_EXT_CLIENT_HELLO, "\x05", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_ILLEGAL_PARAMETER);
    dec_raw(TSC_EXT_MAX_FRAGMENT_LENGTH, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_MAX_FRAGMENT_LENGTH, TSC_EXT_CLIENT_HELLO, "\x01\x01", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* ------------------------------------------------------- status_request */

static void test_status_request(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;

    /* ClientHello: ocsp, no responder ids, no extensions */
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, "\x01\x00\x00\x00\x00", 5, &e);
    ASSERT_FORM(&e, TSC_EXTF_STATUS);
    assert_int_equal(e.u.status.status_type, 1);
    assert_int_equal(e.u.status.responder_ids.len, 0);
    assert_int_equal(e.u.status.request_extensions.len, 0);

    /* with a responder id and request extensions */
    tb_init(&t);
    tb_u8(&t, 1);
    tb_open(&t, 2);
    tb_vec16(&t, "rid", 3);
    tb_close(&t);
    tb_vec16(&t, "ext", 3);
    dec(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_STATUS);
    assert_int_equal(e.u.status.responder_ids.len, 5);
    ASSERT_VIEW(e.u.status.request_extensions, "ext", 3);

    /* an unknown status type: the rest kept as is */
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, "\x07" "abc", 4, &e);
    ASSERT_FORM(&e, TSC_EXTF_STATUS);
    assert_int_equal(e.u.status.status_type, 7);
    ASSERT_VIEW(e.u.status.responder_ids, "abc", 3);

    /* server side and certificate requests: empty */
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_SERVER_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CERTIFICATE_REQUEST, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);

    /* TLS 1.3 Certificate entry: a CertificateStatus (u24 OCSP response) */
    tb_init(&t);
    tb_u8(&t, 1);
    tb_vec24(&t, "ocsp-response", 13);
    dec(TSC_EXT_STATUS_REQUEST, TSC_EXT_CERTIFICATE, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_STATUS);
    ASSERT_VIEW(e.u.status.responder_ids, "ocsp-response", 13);
}

static void test_status_request_bad(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, "\x01\x00\x05\x00\x00", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, "\x01\x00\x00", 3, &e); /* no extensions */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CLIENT_HELLO, "\x01\x00\x00\x00\x00\x00", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_CERTIFICATE, "\x01\x00\x00\x09" "ab", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_STATUS_REQUEST, TSC_EXT_SERVER_HELLO, "\x01", 1, &e); /* SH with one byte */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* ------------------------------------------------- u16 / u8 list families */

static void test_supported_groups(void **state)
{
    (void)state;
    struct tsc_ext e;
    static const uint8_t g[] = {0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18};
    dec_raw(TSC_EXT_SUPPORTED_GROUPS, TSC_EXT_CLIENT_HELLO, g, sizeof g, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16_LIST);
    assert_int_equal(tsc_ext_list_count(&e), 3);
    assert_int_equal(tsc_ext_list_at(&e, 0), 0x001d);
    assert_int_equal(tsc_ext_list_at(&e, 2), 0x0018);
    dec_raw(TSC_EXT_SUPPORTED_GROUPS, TSC_EXT_ENCRYPTED_EXTENSIONS, g, sizeof g, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16_LIST);

    dec_raw(TSC_EXT_SUPPORTED_GROUPS, TSC_EXT_CLIENT_HELLO, "\x00\x03\x00\x1d\x00", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* odd */
    dec_raw(TSC_EXT_SUPPORTED_GROUPS, TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* empty */
    dec_raw(TSC_EXT_SUPPORTED_GROUPS, TSC_EXT_CLIENT_HELLO, "\x00\x04\x00\x1d", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* lying length */
    dec_raw(TSC_EXT_SUPPORTED_GROUPS, TSC_EXT_CLIENT_HELLO, "\x00\x02\x00\x1d\x00", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* trailing */
}

static void test_ec_point_formats(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_EC_POINT_FORMATS, TSC_EXT_CLIENT_HELLO, "\x03\x00\x01\x02", 4, &e);
    ASSERT_FORM(&e, TSC_EXTF_U8_LIST);
    assert_int_equal(tsc_ext_list_count(&e), 3);
    assert_int_equal(tsc_ext_list_at(&e, 0), 0);
    assert_int_equal(tsc_ext_list_at(&e, 2), 2);
    dec_raw(TSC_EXT_EC_POINT_FORMATS, TSC_EXT_SERVER_HELLO, "\x01\x00", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U8_LIST);
    assert_int_equal(tsc_ext_list_count(&e), 1);

    dec_raw(TSC_EXT_EC_POINT_FORMATS, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_EC_POINT_FORMATS, TSC_EXT_CLIENT_HELLO, "\x02\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_signature_algorithms(void **state)
{
    (void)state;
    struct tsc_ext e;
    static const uint8_t s[] = {0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01};
    static const uint16_t types[] = {TSC_EXT_SIGNATURE_ALGORITHMS, TSC_EXT_SIGNATURE_ALGORITHMS_CERT};
    for (int i = 0; i < 2; i++) {
        dec_raw(types[i], TSC_EXT_CLIENT_HELLO, s, sizeof s, &e);
        ASSERT_FORM(&e, TSC_EXTF_U16_LIST);
        assert_int_equal(tsc_ext_list_count(&e), 3);
        assert_int_equal(tsc_ext_list_at(&e, 1), 0x0804);
        dec_raw(types[i], TSC_EXT_CERTIFICATE_REQUEST, s, sizeof s, &e);
        ASSERT_FORM(&e, TSC_EXTF_U16_LIST);
        dec_raw(types[i], TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e);
        ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
        dec_raw(types[i], TSC_EXT_CLIENT_HELLO, "\x00\x01\x04", 3, &e);
        ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    }
}

static void test_use_srtp(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_USE_SRTP, TSC_EXT_CLIENT_HELLO, "\x00\x04\x00\x01\x00\x02\x00", 7, &e);
    ASSERT_FORM(&e, TSC_EXTF_SRTP);
    assert_int_equal(e.u.srtp.profiles.len, 4);
    assert_int_equal(e.u.srtp.mki.len, 0);
    dec_raw(TSC_EXT_USE_SRTP, TSC_EXT_SERVER_HELLO, "\x00\x02\x00\x01\x02\xaa\xbb", 7, &e);
    ASSERT_FORM(&e, TSC_EXTF_SRTP);
    ASSERT_VIEW(e.u.srtp.mki, "\xaa\xbb", 2);

    dec_raw(TSC_EXT_USE_SRTP, TSC_EXT_CLIENT_HELLO, "\x00\x03\x00\x01\x00\x00", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* odd profiles */
    dec_raw(TSC_EXT_USE_SRTP, TSC_EXT_CLIENT_HELLO, "\x00\x00\x00", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* no profile */
    dec_raw(TSC_EXT_USE_SRTP, TSC_EXT_CLIENT_HELLO, "\x00\x02\x00\x01", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* no mki byte */
    dec_raw(TSC_EXT_USE_SRTP, TSC_EXT_CLIENT_HELLO, "\x00\x02\x00\x01\x03\xaa", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* mki runs past */
}

static void test_heartbeat_ext(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_HEARTBEAT, TSC_EXT_CLIENT_HELLO, "\x01", 1, &e);
    ASSERT_FORM(&e, TSC_EXTF_U8);
    assert_int_equal(e.u.num, 1);
    dec_raw(TSC_EXT_HEARTBEAT, TSC_EXT_ENCRYPTED_EXTENSIONS, "\x02", 1, &e);
    ASSERT_FORM(&e, TSC_EXTF_U8);
    assert_int_equal(e.u.num, 2);
    dec_raw(TSC_EXT_HEARTBEAT, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_HEARTBEAT, TSC_EXT_CLIENT_HELLO, "\x01\x01", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* ---------------------------------------------------------------- ALPN */

static void test_alpn(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;
    tb_init(&t);
    tb_open(&t, 2);
    tb_vec8(&t, "h2", 2);
    tb_vec8(&t, "http/1.1", 8);
    tb_close(&t);
    dec(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_NAMES);
    assert_int_equal(e.u.names.n, 2);
    assert_int_equal(e.u.names.stored, 2);
    ASSERT_VIEW(e.u.names.v[0], "h2", 2);
    ASSERT_VIEW(e.u.names.v[1], "http/1.1", 8);

    tb_init(&t);
    tb_open(&t, 2);
    tb_vec8(&t, "h2", 2);
    tb_close(&t);
    dec(TSC_EXT_ALPN, TSC_EXT_ENCRYPTED_EXTENSIONS, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_NAMES);
    assert_int_equal(e.u.names.n, 1);

    /* 20 names: 16 kept */
    tb_init(&t);
    tb_open(&t, 2);
    for (int i = 0; i < 20; i++)
        tb_vec8(&t, "p", 1);
    tb_close(&t);
    dec(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_NAMES);
    assert_int_equal(e.u.names.n, 20);
    assert_int_equal(e.u.names.stored, TSC_MAX_ALPN);
}

static void test_alpn_bad(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, "\x00\x02\x00\x00", 4, &e); /* empty names */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, "\x00\x01\x00", 3, &e); /* list too short */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, "\x00\x03\x05h2", 5, &e); /* name runs past */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_ALPN, TSC_EXT_CLIENT_HELLO, "\x00\x03\x02h2\x00", 6, &e); /* trailing */
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* ------------------------------------------------------------ NPN, SCT */

static void test_npn(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_NPN, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    /* the server's list has no outer length */
    dec_raw(TSC_EXT_NPN, TSC_EXT_SERVER_HELLO, "\x02h2\x08http/1.1", 12, &e);
    ASSERT_FORM(&e, TSC_EXTF_NAMES);
    assert_int_equal(e.u.names.n, 2);
    ASSERT_VIEW(e.u.names.v[0], "h2", 2);
    ASSERT_VIEW(e.u.names.v[1], "http/1.1", 8);
    dec_raw(TSC_EXT_NPN, TSC_EXT_SERVER_HELLO, "\x02h2\x09http/1.1", 12, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_sct(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_SCT, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    dec_raw(TSC_EXT_SCT, TSC_EXT_SERVER_HELLO, "\x00\x03" "sct", 5, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    ASSERT_VIEW(e.u.bytes, "sct", 3);
    dec_raw(TSC_EXT_SCT, TSC_EXT_CERTIFICATE, "\x00\x03" "sct", 5, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    dec_raw(TSC_EXT_SCT, TSC_EXT_SERVER_HELLO, "\x00\x09" "sct", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_SCT, TSC_EXT_SERVER_HELLO, "\x00\x01" "sct", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* ------------------------------------------------ opaque and flag bodies */

static void test_padding(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;
    tb_init(&t);
    tb_fill(&t, 0, 200);
    dec(TSC_EXT_PADDING, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    assert_int_equal(e.u.bytes.len, 200);
    dec_raw(TSC_EXT_PADDING, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    assert_int_equal(e.u.bytes.len, 0);
}

static void test_flag_extensions(void **state)
{
    (void)state;
    struct tsc_ext e;
    static const uint16_t flags[] = {TSC_EXT_ENCRYPT_THEN_MAC, TSC_EXT_EXTENDED_MASTER_SECRET,
                                     TSC_EXT_POST_HANDSHAKE_AUTH};
    for (size_t i = 0; i < 3; i++) {
        for (size_t c = 0; c < N_CTX; c++) {
            dec_raw(flags[i], all_ctx[c], "", 0, &e);
            ASSERT_FORM(&e, TSC_EXTF_EMPTY);
        }
        dec_raw(flags[i], TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
        ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
        dec_raw(flags[i], TSC_EXT_SERVER_HELLO, "\x00\x00", 2, &e);
        ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    }
}

static void test_record_size_limit(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_CLIENT_HELLO, "\x40\x01", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16);
    assert_int_equal(e.u.num, 0x4001);
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_ENCRYPTED_EXTENSIONS, "\x00\x40", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16);
    assert_int_equal(e.u.num, 64);
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_CLIENT_HELLO, "\x00\x3f", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_ILLEGAL_PARAMETER);
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_ILLEGAL_PARAMETER);
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_CLIENT_HELLO, "\x40", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_CLIENT_HELLO, "\x40\x00\x00", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_compress_certificate(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_COMPRESS_CERTIFICATE, TSC_EXT_CLIENT_HELLO, "\x04\x00\x02\x00\x01", 5, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16_LIST);
    assert_int_equal(tsc_ext_list_count(&e), 2);
    assert_int_equal(tsc_ext_list_at(&e, 0), 2); /* brotli */
    assert_int_equal(tsc_ext_list_at(&e, 1), 1); /* zlib */
    dec_raw(TSC_EXT_COMPRESS_CERTIFICATE, TSC_EXT_CERTIFICATE_REQUEST, "\x02\x00\x03", 3, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16_LIST);
    dec_raw(TSC_EXT_COMPRESS_CERTIFICATE, TSC_EXT_CLIENT_HELLO, "\x03\x00\x02\x00", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_COMPRESS_CERTIFICATE, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_COMPRESS_CERTIFICATE, TSC_EXT_CLIENT_HELLO, "\x04\x00\x02", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_session_ticket(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_SESSION_TICKET, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    dec_raw(TSC_EXT_SESSION_TICKET, TSC_EXT_SERVER_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    dec_raw(TSC_EXT_SESSION_TICKET, TSC_EXT_CLIENT_HELLO, "0123456789", 10, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    ASSERT_VIEW(e.u.bytes, "0123456789", 10);
}

/* -------------------------------------------------------- pre_shared_key */

static void psk_body(struct tb *t, int n_ids, int n_binders, size_t binder_len, size_t id_len)
{
    tb_init(t);
    tb_open(t, 2);
    for (int i = 0; i < n_ids; i++) {
        tb_open(t, 2);
        tb_fill(t, (uint8_t)('A' + i), id_len);
        tb_close(t);
        tb_u32(t, 0x01020304u + (uint32_t)i);
    }
    tb_close(t);
    tb_open(t, 2);
    for (int i = 0; i < n_binders; i++) {
        tb_open(t, 1);
        tb_fill(t, 0xbb, binder_len);
        tb_close(t);
    }
    tb_close(t);
}

static void test_pre_shared_key(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;

    psk_body(&t, 1, 1, 32, 4);
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_PSK);
    assert_int_equal(e.u.psk.n, 1);
    assert_int_equal(e.u.psk.stored, 1);
    assert_int_equal(e.u.psk.n_binders, 1);
    ASSERT_VIEW(e.u.psk.id[0].identity, "AAAA", 4);
    assert_int_equal(e.u.psk.id[0].obfuscated_ticket_age, 0x01020304);

    psk_body(&t, 2, 2, 48, 10);
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_PSK);
    assert_int_equal(e.u.psk.n, 2);
    assert_int_equal(e.u.psk.id[1].obfuscated_ticket_age, 0x01020305);

    /* more identities than kept */
    psk_body(&t, TSC_MAX_PSK_IDS + 2, TSC_MAX_PSK_IDS + 2, 32, 1);
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_PSK);
    assert_int_equal(e.u.psk.n, TSC_MAX_PSK_IDS + 2);
    assert_int_equal(e.u.psk.stored, TSC_MAX_PSK_IDS);
    assert_int_equal(e.u.psk.n_binders, TSC_MAX_PSK_IDS + 2);

    /* ServerHello: the selected identity */
    dec_raw(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_SERVER_HELLO, "\x00\x01", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16);
    assert_int_equal(e.u.num, 1);
}

static void test_pre_shared_key_bad(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;
    psk_body(&t, 2, 1, 32, 4); /* binder count mismatch */
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    psk_body(&t, 1, 2, 32, 4);
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    psk_body(&t, 1, 1, 31, 4); /* binder too short */
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    psk_body(&t, 1, 1, 32, 0); /* empty identity */
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    psk_body(&t, 0, 0, 32, 4); /* no identities */
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    psk_body(&t, 1, 1, 32, 4);
    tb_u8(&t, 0); /* trailing */
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    psk_body(&t, 1, 1, 32, 4);
    t.len -= 1; /* binders cut */
    dec(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);

    dec_raw(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_SERVER_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_PRE_SHARED_KEY, TSC_EXT_SERVER_HELLO, "\x00\x00\x00", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* ----------------------------------------------------------- early_data */

static void test_early_data(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_ENCRYPTED_EXTENSIONS, "", 0, &e);
    ASSERT_FORM(&e, TSC_EXTF_EMPTY);
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_NEW_SESSION_TICKET, "\x00\x00\x40\x00", 4, &e);
    ASSERT_FORM(&e, TSC_EXTF_U32);
    assert_int_equal(e.u.num, 0x4000);
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_NEW_SESSION_TICKET, "\xff\xff\xff\xff", 4, &e);
    ASSERT_FORM(&e, TSC_EXTF_U32);
    assert_true(e.u.num == 0xffffffffu);

    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_CLIENT_HELLO, "\x00\x00\x40\x00", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_NEW_SESSION_TICKET, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_NEW_SESSION_TICKET, "\x00\x40", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_EARLY_DATA, TSC_EXT_NEW_SESSION_TICKET, "\x00\x00\x40\x00\x00", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* --------------------------------------------------- supported_versions */

static void test_supported_versions(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_CLIENT_HELLO, "\x06\x03\x04\x03\x03\x7a\x7a", 7, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16_LIST);
    assert_int_equal(tsc_ext_list_count(&e), 3);
    assert_int_equal(tsc_ext_list_at(&e, 0), TSC_TLS13);
    assert_int_equal(tsc_ext_list_at(&e, 2), 0x7a7a);

    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_SERVER_HELLO, "\x03\x04", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16);
    assert_int_equal(e.u.num, TSC_TLS13);
    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_HRR, "\x03\x04", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16);
    assert_int_equal(e.u.num, TSC_TLS13);

    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_CLIENT_HELLO, "\x03\x03\x04\x03", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* odd */
    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* empty */
    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_CLIENT_HELLO, "\x03\x04", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* the server's form in a ClientHello */
    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_SERVER_HELLO, "\x02\x03\x04", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* the client's form in a ServerHello */
    dec_raw(TSC_EXT_SUPPORTED_VERSIONS, TSC_EXT_SERVER_HELLO, "\x03", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* -------------------------------------------------- cookie, psk modes, CAs */

static void test_cookie(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_COOKIE, TSC_EXT_HRR, "\x00\x04" "ckie", 6, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    ASSERT_VIEW(e.u.bytes, "ckie", 4);
    dec_raw(TSC_EXT_COOKIE, TSC_EXT_CLIENT_HELLO, "\x00\x04" "ckie", 6, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    dec_raw(TSC_EXT_COOKIE, TSC_EXT_HRR, "\x00\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_COOKIE, TSC_EXT_HRR, "\x00\x05" "ckie", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_COOKIE, TSC_EXT_HRR, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_psk_key_exchange_modes(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_PSK_KEY_EXCHANGE_MODES, TSC_EXT_CLIENT_HELLO, "\x02\x01\x00", 3, &e);
    ASSERT_FORM(&e, TSC_EXTF_U8_LIST);
    assert_int_equal(tsc_ext_list_count(&e), 2);
    assert_int_equal(tsc_ext_list_at(&e, 0), 1);
    dec_raw(TSC_EXT_PSK_KEY_EXCHANGE_MODES, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_PSK_KEY_EXCHANGE_MODES, TSC_EXT_CLIENT_HELLO, "\x01\x01\x01", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_certificate_authorities(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;
    tb_init(&t);
    tb_open(&t, 2);
    tb_vec16(&t, "\x30\x03\x31\x01\x00", 5);
    tb_vec16(&t, "\x30\x00", 2);
    tb_close(&t);
    dec(TSC_EXT_CERTIFICATE_AUTHORITIES, TSC_EXT_CERTIFICATE_REQUEST, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_CAS);
    assert_int_equal(e.u.cas.n, 2);
    dec(TSC_EXT_CERTIFICATE_AUTHORITIES, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_CAS);

    dec_raw(TSC_EXT_CERTIFICATE_AUTHORITIES, TSC_EXT_CERTIFICATE_REQUEST, "\x00\x03\x00\x00\x00", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* empty DN */
    dec_raw(TSC_EXT_CERTIFICATE_AUTHORITIES, TSC_EXT_CERTIFICATE_REQUEST, "\x00\x02\x00\x00", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* shorter than 3 */
    dec_raw(TSC_EXT_CERTIFICATE_AUTHORITIES, TSC_EXT_CERTIFICATE_REQUEST, "\x00\x03\x00\x05\x30", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* DN runs past */
}

/* ------------------------------------------------------------ key_share */

static void test_key_share_client(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;
    tb_init(&t);
    tb_open(&t, 2);
    tb_u16(&t, 0x001d);
    tb_open(&t, 2);
    tb_fill(&t, 0x11, 32);
    tb_close(&t);
    tb_u16(&t, 0x0017);
    tb_open(&t, 2);
    tb_fill(&t, 0x04, 65);
    tb_close(&t);
    tb_close(&t);
    dec(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_KEY_SHARE);
    assert_int_equal(e.u.key_share.n, 2);
    assert_int_equal(e.u.key_share.stored, 2);
    assert_int_equal(e.u.key_share.s[0].group, 0x001d);
    assert_int_equal(e.u.key_share.s[0].key.len, 32);
    assert_int_equal(e.u.key_share.s[1].group, 0x0017);
    assert_int_equal(e.u.key_share.s[1].key.len, 65);

    /* an empty client_shares asks for an HRR: allowed */
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_KEY_SHARE);
    assert_int_equal(e.u.key_share.n, 0);

    /* more shares than kept */
    tb_init(&t);
    tb_open(&t, 2);
    for (int i = 0; i < TSC_MAX_KEY_SHARES + 3; i++) {
        tb_u16(&t, (uint32_t)(0x0100 + i));
        tb_vec16(&t, "k", 1);
    }
    tb_close(&t);
    dec(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_KEY_SHARE);
    assert_int_equal(e.u.key_share.n, TSC_MAX_KEY_SHARES + 3);
    assert_int_equal(e.u.key_share.stored, TSC_MAX_KEY_SHARES);
    assert_int_equal(e.u.key_share.s[TSC_MAX_KEY_SHARES - 1].group, 0x0100 + TSC_MAX_KEY_SHARES - 1);

    /* bad: an empty key, a key running past, a list running past, trailing */
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, "\x00\x04\x00\x1d\x00\x00", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, "\x00\x05\x00\x1d\x00\x02\x01", 7, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, "\x00\x09\x00\x1d\x00\x01\x01", 7, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, "\x00\x05\x00\x1d\x00\x01\x01\x00", 8, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_CLIENT_HELLO, "\x00\x03\x00\x1d\x00", 5, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

static void test_key_share_server_and_hrr(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;
    tb_init(&t);
    tb_u16(&t, 0x001d);
    tb_open(&t, 2);
    tb_fill(&t, 0x22, 32);
    tb_close(&t);
    dec(TSC_EXT_KEY_SHARE, TSC_EXT_SERVER_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_KEY_SHARE);
    assert_int_equal(e.u.key_share.n, 1);
    assert_int_equal(e.u.key_share.stored, 1);
    assert_int_equal(e.u.key_share.s[0].group, 0x001d);
    assert_int_equal(e.u.key_share.s[0].key.len, 32);
    assert_int_equal(e.u.key_share.s[0].key.p[0], 0x22);

    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_SERVER_HELLO, "\x00\x1d\x00\x00", 4, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* empty key */
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_SERVER_HELLO, "\x00\x1d", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* no key at all */
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_SERVER_HELLO, "\x00\x1d\x00\x01\x01\x00", 6, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* trailing */

    /* HRR: only the selected group */
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_HRR, "\x00\x17", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_U16);
    assert_int_equal(e.u.num, 0x0017);
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_HRR, "\x00", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_KEY_SHARE, TSC_EXT_HRR, "\x00\x17\x00", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* -------------------------------------------------- renegotiation_info */

static void test_renegotiation_info(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_RENEGOTIATION_INFO, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    assert_int_equal(e.u.bytes.len, 0);
    dec_raw(TSC_EXT_RENEGOTIATION_INFO, TSC_EXT_SERVER_HELLO, "\x0c" "123456789012", 13, &e);
    ASSERT_FORM(&e, TSC_EXTF_BYTES);
    ASSERT_VIEW(e.u.bytes, "123456789012", 12);
    dec_raw(TSC_EXT_RENEGOTIATION_INFO, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_RENEGOTIATION_INFO, TSC_EXT_CLIENT_HELLO, "\x05" "ab", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_RENEGOTIATION_INFO, TSC_EXT_CLIENT_HELLO, "\x00\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
}

/* -------------------------------------------------------------- ECH */

static void test_ech(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext e;

    /* outer */
    tb_init(&t);
    tb_u8(&t, 0);
    tb_u16(&t, 0x0001); /* HKDF-SHA256 */
    tb_u16(&t, 0x0001); /* AES-128-GCM */
    tb_u8(&t, 0x2a);
    tb_open(&t, 2);
    tb_fill(&t, 0xee, 32);
    tb_close(&t);
    tb_open(&t, 2);
    tb_fill(&t, 0xcc, 100);
    tb_close(&t);
    dec(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO, &t, &e);
    ASSERT_FORM(&e, TSC_EXTF_ECH);
    assert_int_equal(e.u.ech.ech_type, 0);
    assert_int_equal(e.u.ech.kdf_id, 1);
    assert_int_equal(e.u.ech.aead_id, 1);
    assert_int_equal(e.u.ech.config_id, 0x2a);
    assert_int_equal(e.u.ech.enc.len, 32);
    assert_int_equal(e.u.ech.payload.len, 100);

    /* outer after HRR: enc may be empty */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO,
            "\x00\x00\x01\x00\x01\x07\x00\x00\x00\x01\xcc", 11, &e);
    ASSERT_FORM(&e, TSC_EXTF_ECH);
    assert_int_equal(e.u.ech.enc.len, 0);
    assert_int_equal(e.u.ech.payload.len, 1);

    /* inner: the type byte alone */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO, "\x01", 1, &e);
    ASSERT_FORM(&e, TSC_EXTF_ECH);
    assert_int_equal(e.u.ech.ech_type, 1);
    assert_int_equal(e.u.ech.payload.len, 0);

    /* server side: retry_configs / HRR confirmation kept as bytes */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_ENCRYPTED_EXTENSIONS, "\x00\x03" "cfg", 5, &e);
    ASSERT_FORM(&e, TSC_EXTF_ECH);
    assert_int_equal(e.u.ech.ech_type, 0xff);
    assert_int_equal(e.u.ech.payload.len, 5);
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_HRR, "12345678", 8, &e);
    ASSERT_FORM(&e, TSC_EXTF_ECH);
    assert_int_equal(e.u.ech.ech_type, 0xff);
    ASSERT_VIEW(e.u.ech.payload, "12345678", 8);
}

static void test_ech_bad(void **state)
{
    (void)state;
    struct tsc_ext e;
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO, "\x01\x00", 2, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* inner with bytes after the type */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO, "\x02", 1, &e);
    ASSERT_BAD(&e, TSC_ALERT_ILLEGAL_PARAMETER); /* unknown type */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO, "", 0, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR);
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO,
            "\x00\x00\x01\x00\x01\x07\x00\x00\x00\x00", 10, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* empty payload */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO,
            "\x00\x00\x01\x00\x01\x07\x00\x05\x00\x00\x01\xcc", 12, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* enc runs into payload */
    dec_raw(TSC_EXT_ENCRYPTED_CLIENT_HELLO, TSC_EXT_CLIENT_HELLO, "\x00\x00\x01", 3, &e);
    ASSERT_BAD(&e, TSC_ALERT_DECODE_ERROR); /* cut in the suite */
}

/* ------------------------------------------------------------- unknown */

static void test_unknown_is_raw(void **state)
{
    (void)state;
    struct tsc_ext e;
    for (size_t c = 0; c < N_CTX; c++) {
        dec_raw(0x1234, all_ctx[c], "\x01\x02\x03", 3, &e);
        ASSERT_FORM(&e, TSC_EXTF_RAW);
        assert_int_equal(e.data.len, 3);
    }
    dec_raw(0x0a0a, TSC_EXT_CLIENT_HELLO, "", 0, &e); /* GREASE */
    ASSERT_FORM(&e, TSC_EXTF_RAW);
    dec_raw(TSC_EXT_OID_FILTERS, TSC_EXT_CERTIFICATE_REQUEST, "\x00\x00", 2, &e);
    ASSERT_FORM(&e, TSC_EXTF_RAW);
    dec_raw(TSC_EXT_STATUS_REQUEST_V2, TSC_EXT_CLIENT_HELLO, "\x00", 1, &e);
    ASSERT_FORM(&e, TSC_EXTF_RAW);

    /* list helpers on forms that are not lists */
    dec_raw(TSC_EXT_RECORD_SIZE_LIMIT, TSC_EXT_CLIENT_HELLO, "\x40\x00", 2, &e);
    assert_int_equal(tsc_ext_list_count(&e), 0);
}

/* -------------------------------------------------------- the ext list */

static tsc_result parse_list(const struct tb *t, enum tsc_ext_ctx ctx, struct tsc_ext_list *l,
                             size_t *consumed)
{
    struct tsc_view v = tb_view(t);
    struct tsc_cursor c = tsc_cursor_of(v);
    tsc_result r = tsc_ext_list_parse(&c, ctx, l);
    *consumed = c.off;
    return r;
}

static void test_ext_list(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext_list l;
    size_t used;
    tb_init(&t);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_RENEGOTIATION_INFO);
    tb_u8(&t, 0);
    tb_close(&t);
    tb_ext_open(&t, 0x4469); /* unknown, above 63 */
    tb_str(&t, "xy");
    tb_close(&t);
    tb_close(&t);
    tb_u8(&t, 0x99); /* not the list's: left for the caller */
    ASSERT_OK(parse_list(&t, TSC_EXT_SERVER_HELLO, &l, &used));
    assert_int_equal(used, t.len - 1);
    assert_int_equal(l.present, 1);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.stored, 3);
    assert_int_equal(l.ext[0].type, TSC_EXT_EXTENDED_MASTER_SECRET);
    assert_int_equal(l.ext[1].form, TSC_EXTF_BYTES);
    assert_int_equal(l.ext[2].form, TSC_EXTF_RAW);
    ASSERT_VIEW(l.ext[2].data, "xy", 2);
    assert_ptr_equal(tsc_ext_find(&l, 0x4469), &l.ext[2]);
    assert_null(tsc_ext_find(&l, TSC_EXT_SERVER_NAME));

    /* an empty block */
    tb_init(&t);
    tb_u16(&t, 0);
    ASSERT_OK(parse_list(&t, TSC_EXT_ENCRYPTED_EXTENSIONS, &l, &used));
    assert_int_equal(l.present, 1);
    assert_int_equal(l.n, 0);
    assert_int_equal(used, 2);
}

static void test_ext_list_duplicates(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext_list l;
    size_t used;
    tb_init(&t);
    tb_open(&t, 2);
    tb_ext_open(&t, TSC_EXT_EXTENDED_MASTER_SECRET); /* a type below 64 ... */
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_RENEGOTIATION_INFO);     /* ... and one above */
    tb_u8(&t, 0);
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_RENEGOTIATION_INFO);
    tb_u8(&t, 0);
    tb_close(&t);
    tb_ext_open(&t, TSC_EXT_SESSION_TICKET);
    tb_close(&t);
    tb_close(&t);
    ASSERT_OK(parse_list(&t, TSC_EXT_CLIENT_HELLO, &l, &used)); /* the list itself decodes */
    assert_int_equal(l.n, 5);
    assert_int_equal(l.stored, 5);
    /* the first of each is fine, the repeat is kept but marked */
    ASSERT_FORM(&l.ext[0], TSC_EXTF_EMPTY);
    ASSERT_FORM(&l.ext[1], TSC_EXTF_BYTES);
    assert_int_equal(l.ext[2].type, TSC_EXT_EXTENDED_MASTER_SECRET);
    ASSERT_BAD(&l.ext[2], TSC_ALERT_ILLEGAL_PARAMETER);
    assert_int_equal(l.ext[3].type, TSC_EXT_RENEGOTIATION_INFO);
    ASSERT_BAD(&l.ext[3], TSC_ALERT_ILLEGAL_PARAMETER);
    ASSERT_FORM(&l.ext[4], TSC_EXTF_EMPTY);
    /* find returns the first */
    assert_ptr_equal(tsc_ext_find(&l, TSC_EXT_EXTENDED_MASTER_SECRET), &l.ext[0]);
}

static void test_ext_list_limit(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext_list l;
    size_t used;
    const int total = TSC_MAX_EXTENSIONS + 6;
    tb_init(&t);
    tb_open(&t, 2);
    for (int i = 0; i < total; i++) {
        tb_ext_open(&t, (uint16_t)(0x3000 + i));
        tb_u8(&t, (uint32_t)i);
        tb_close(&t);
    }
    tb_close(&t);
    ASSERT_OK(parse_list(&t, TSC_EXT_CLIENT_HELLO, &l, &used));
    assert_int_equal(used, t.len);
    assert_int_equal(l.n, total);
    assert_int_equal(l.stored, TSC_MAX_EXTENSIONS);
    assert_int_equal(l.ext[TSC_MAX_EXTENSIONS - 1].type, 0x3000 + TSC_MAX_EXTENSIONS - 1);
    assert_null(tsc_ext_find(&l, (uint16_t)(0x3000 + TSC_MAX_EXTENSIONS)));
}

/* The list parser reports a cut as TRUNCATED; message decoders map it to MALFORMED. */
static void test_ext_list_truncated(void **state)
{
    (void)state;
    struct tb t;
    struct tsc_ext_list l;
    size_t used;

    tb_init(&t);
    tb_u16(&t, 8); /* claims 8, holds 4 */
    tb_u16(&t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_u16(&t, 0);
    ASSERT_TRUNCATED(parse_list(&t, TSC_EXT_CLIENT_HELLO, &l, &used));
    assert_int_equal(used, 0); /* the cursor did not move */

    tb_init(&t);
    tb_u8(&t, 0); /* half a length */
    ASSERT_TRUNCATED(parse_list(&t, TSC_EXT_CLIENT_HELLO, &l, &used));

    tb_init(&t);
    tb_open(&t, 2);
    tb_u16(&t, TSC_EXT_SERVER_NAME);
    tb_u16(&t, 10); /* the extension's body runs past the block */
    tb_u8(&t, 0);
    tb_close(&t);
    ASSERT_TRUNCATED(parse_list(&t, TSC_EXT_CLIENT_HELLO, &l, &used));

    tb_init(&t);
    tb_open(&t, 2);
    tb_u8(&t, 0); /* half an extension type */
    tb_close(&t);
    ASSERT_TRUNCATED(parse_list(&t, TSC_EXT_CLIENT_HELLO, &l, &used));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_name),
        cmocka_unit_test(test_server_name_bad),
        cmocka_unit_test(test_max_fragment_length),
        cmocka_unit_test(test_status_request),
        cmocka_unit_test(test_status_request_bad),
        cmocka_unit_test(test_supported_groups),
        cmocka_unit_test(test_ec_point_formats),
        cmocka_unit_test(test_signature_algorithms),
        cmocka_unit_test(test_use_srtp),
        cmocka_unit_test(test_heartbeat_ext),
        cmocka_unit_test(test_alpn),
        cmocka_unit_test(test_alpn_bad),
        cmocka_unit_test(test_npn),
        cmocka_unit_test(test_sct),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_flag_extensions),
        cmocka_unit_test(test_record_size_limit),
        cmocka_unit_test(test_compress_certificate),
        cmocka_unit_test(test_session_ticket),
        cmocka_unit_test(test_pre_shared_key),
        cmocka_unit_test(test_pre_shared_key_bad),
        cmocka_unit_test(test_early_data),
        cmocka_unit_test(test_supported_versions),
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_psk_key_exchange_modes),
        cmocka_unit_test(test_certificate_authorities),
        cmocka_unit_test(test_key_share_client),
        cmocka_unit_test(test_key_share_server_and_hrr),
        cmocka_unit_test(test_renegotiation_info),
        cmocka_unit_test(test_ech),
        cmocka_unit_test(test_ech_bad),
        cmocka_unit_test(test_unknown_is_raw),
        cmocka_unit_test(test_ext_list),
        cmocka_unit_test(test_ext_list_duplicates),
        cmocka_unit_test(test_ext_list_limit),
        cmocka_unit_test(test_ext_list_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
