/*
 * test_analysis.c - the analysis step (analysis/analysis.h) and the format
 * table (report/report.h): hand-built TLS 1.2 DHE handshakes go through the
 * session layer into the analysis, in front of a recording renderer and in
 * front of the real formats.
 *
 * What is checked: key sizes in bits with leading zero bits excluded; the
 * facts of each message (fingerprints, suite meaning, key sizes) computed as
 * the renderer asked and equal to the fingerprint functions' own; the
 * connection report (first hellos' fingerprints, DH size, findings most
 * severe first, judged on the analysis's DH size); the most severe finding
 * of the run; the renderer's per-connection slot; every format showing the
 * same DH size, fingerprints and findings; the format table's rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/fingerprint.h"
#include "registry/suite.h"
#include "report/report.h"
#include "tls/msg.h"
#include "tls/session.h"
#include "tls_builders.h"

#define DHE_SUITE 0x009e /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */

/* ------------------------------------------------------------ bits */

static struct tsc_view view_of(const uint8_t *p, size_t n)
{
    struct tsc_view v = {p, n};
    return v;
}

static void test_bits(void **state)
{
    (void)state;
    static const uint8_t zero2[] = {0, 0}, one[] = {1}, top[] = {0x80}, mid[] = {0x00, 0x7f, 0xff};
    assert_int_equal(tsc_analysis_bits(view_of(NULL, 0)), 0);
    assert_int_equal(tsc_analysis_bits(view_of(zero2, 2)), 0);
    assert_int_equal(tsc_analysis_bits(view_of(one, 1)), 1);
    assert_int_equal(tsc_analysis_bits(view_of(top, 1)), 8);
    assert_int_equal(tsc_analysis_bits(view_of(mid, 3)), 15);
    uint8_t p[256];
    memset(p, 0xff, sizeof p);
    assert_int_equal(tsc_analysis_bits(view_of(p, 128)), 1024);
    p[0] = 0x7f;
    assert_int_equal(tsc_analysis_bits(view_of(p, 128)), 1023);
    p[0] = 0x01;
    assert_int_equal(tsc_analysis_bits(view_of(p, 256)), 2041);
    p[0] = 0x00; /* a leading zero byte, as DER-minded servers send */
    p[1] = 0x80;
    assert_int_equal(tsc_analysis_bits(view_of(p, 129)), 1024);
}

/* The key sizes of each kind of ServerKeyExchange. */
static void test_ske_facts(void **state)
{
    (void)state;
    static struct tsc_hs_msg m;
    struct tsc_msg_facts f;
    uint8_t big[128];
    memset(big, 0xee, sizeof big);
    big[0] = 0x3f; /* 1022 bits */
    memset(&m, 0, sizeof m);
    m.type = TSC_HS_SERVER_KEY_EXCHANGE;
    static const enum tsc_kx kinds[] = {TSC_KX_DHE, TSC_KX_DHE_PSK, TSC_KX_RSA, TSC_KX_SRP, TSC_KX_ECDHE};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        memset(&m.u.ske, 0, sizeof m.u.ske);
        m.u.ske.kx = kinds[i];
        if (kinds[i] == TSC_KX_RSA)
            m.u.ske.rsa_modulus = view_of(big, 64);
        else if (kinds[i] == TSC_KX_SRP)
            m.u.ske.srp_n = view_of(big, 96);
        else if (kinds[i] != TSC_KX_ECDHE)
            m.u.ske.dh_p = view_of(big, 128);
        memset(&f, 0x5a, sizeof f);
        tsc_analysis_message(&m, 0, &f);
        assert_int_equal(f.have, TSC_HAVE_KEY);
        assert_int_equal(f.dh_bits, kinds[i] == TSC_KX_DHE || kinds[i] == TSC_KX_DHE_PSK ? 1022 : 0);
        assert_int_equal(f.rsa_bits, kinds[i] == TSC_KX_RSA ? 510 : 0);
        assert_int_equal(f.srp_bits, kinds[i] == TSC_KX_SRP ? 766 : 0);
    }
    /* other messages have no facts */
    m.type = TSC_HS_FINISHED;
    tsc_analysis_message(&m, TSC_NEED_FP | TSC_NEED_FP_TEXT | TSC_NEED_SUITE, &f);
    assert_int_equal(f.have, 0);
}

/* ------------------------------------------------------ TLS bytes */

/* ClientHello offering DHE and ECDHE, with SNI, EMS, renegotiation_info and
 * supported_groups; `alpn` adds ALPN (another JA4). */
static void m_client_hello(struct tb *t, int alpn)
{
    tb_hs_open(t, TSC_HS_CLIENT_HELLO);
    tb_u16(t, TSC_TLS12);
    tb_fill(t, 0xc1, 32);
    tb_vec8(t, NULL, 0);
    tb_open(t, 2);
    tb_u16(t, 0x0a0a); /* GREASE: left out of JA3 */
    tb_u16(t, DHE_SUITE);
    tb_u16(t, 0xc02f);
    tb_close(t);
    tb_vec8(t, "\x00", 1);
    tb_open(t, 2);
    tb_ext_open(t, TSC_EXT_SERVER_NAME);
    tb_open(t, 2);
    tb_u8(t, 0);
    tb_vec16(t, "example.com", 11);
    tb_close(t);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_SUPPORTED_GROUPS);
    tb_vec16(t, "\x00\x1d\x00\x17", 4);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_RENEGOTIATION_INFO);
    tb_u8(t, 0);
    tb_close(t);
    if (alpn) {
        tb_ext_open(t, TSC_EXT_ALPN);
        tb_open(t, 2);
        tb_vec8(t, "h2", 2);
        tb_close(t);
        tb_close(t);
    }
    tb_close(t);
    tb_close(t);
}

static void m_server_hello(struct tb *t, uint16_t suite)
{
    tb_hs_open(t, TSC_HS_SERVER_HELLO);
    tb_u16(t, TSC_TLS12);
    tb_fill(t, 0x5e, 32);
    tb_vec8(t, NULL, 0);
    tb_u16(t, suite);
    tb_u8(t, 0);
    tb_open(t, 2);
    tb_ext_open(t, TSC_EXT_RENEGOTIATION_INFO);
    tb_u8(t, 0);
    tb_close(t);
    tb_ext_open(t, TSC_EXT_EXTENDED_MASTER_SECRET);
    tb_close(t);
    tb_close(t);
    tb_close(t);
}

/* DHE ServerKeyExchange with a `bytes`-byte prime whose first byte is `top`. */
static void m_ske_dhe(struct tb *t, size_t bytes, uint8_t top)
{
    tb_hs_open(t, TSC_HS_SERVER_KEY_EXCHANGE);
    tb_open(t, 2);
    tb_u8(t, top);
    tb_fill(t, 0xff, bytes - 1);
    tb_close(t);
    tb_vec16(t, "\x02", 1);
    tb_open(t, 2);
    tb_fill(t, 0x42, bytes);
    tb_close(t);
    tb_u16(t, 0x0401);
    tb_open(t, 2);
    tb_fill(t, 0x51, 64);
    tb_close(t);
    tb_close(t);
}

static void m_empty(struct tb *t, uint8_t type)
{
    tb_hs_open(t, type);
    tb_close(t);
}

static void rec_msg(struct tb *out, struct tb *msg)
{
    struct tsc_view v = tb_view(msg);
    tb_record(out, TSC_CT_HANDSHAKE, TSC_TLS12, v.p, v.len);
    tb_init(msg);
}

/* A handshake as the session sees it: `n_ch` ClientHellos (the second with
 * ALPN), then ServerHello, a DHE ServerKeyExchange with the given prime,
 * ServerHelloDone. */
struct hs_spec {
    int n_ch;
    size_t prime_bytes;
    uint8_t prime_top;
};

static struct tb cli, srv, msg;

static void build(const struct hs_spec *h)
{
    tb_init(&cli);
    tb_init(&srv);
    tb_init(&msg);
    for (int i = 0; i < h->n_ch; i++) {
        m_client_hello(&msg, i > 0);
        rec_msg(&cli, &msg);
    }
    m_server_hello(&msg, DHE_SUITE);
    rec_msg(&srv, &msg);
    m_ske_dhe(&msg, h->prime_bytes, h->prime_top);
    rec_msg(&srv, &msg);
    m_empty(&msg, TSC_HS_SERVER_HELLO_DONE);
    rec_msg(&srv, &msg);
}

/* Feed one connection to `sink` and release it as `ordinal` (or drop it). */
static void run_conn(const struct tsc_sink *sink, const struct hs_spec *h, uint64_t ordinal)
{
    struct tsc_session_ctx sc;
    struct tsc_limits lim = {0, 0, 0, 0};
    ASSERT_OK(tsc_session_ctx_init(&sc, sink, &lim));
    struct tsc_endpoint a = {4, {10, 0, 0, 1}, 50000};
    struct tsc_endpoint b = {4, {10, 0, 0, 2}, 443};
    struct tsc_conn *c = tsc_conn_new(ordinal ? ordinal : 99, &a, &b, (int64_t)1767225600 * 1000000);
    assert_non_null(c);
    build(h);
    struct tsc_view v = tb_view(&cli);
    tsc_session_feed(&sc, c, 0, v.p, v.len, 1);
    v = tb_view(&srv);
    tsc_session_feed(&sc, c, 1, v.p, v.len, 2);
    tsc_session_close(&sc, c, 3);
    assert_true(c->is_tls);
    if (ordinal)
        sink->emit(sink->ctx, c, ordinal);
    else
        sink->discard(sink->ctx, c);
    assert_null(c->sink_data); /* the analysis freed its own */
    tsc_conn_free(c);
    tsc_session_ctx_free(&sc);
}

/* The fingerprints of the i-th ClientHello of build(), computed here
 * directly, to compare with the analysis's. */
static void expected_ch_fp(int alpn, struct tsc_fp_client *out)
{
    static struct tsc_hs_msg m;
    struct tb t;
    tb_init(&t);
    m_client_hello(&t, alpn);
    struct tsc_view v = tb_view(&t);
    struct tsc_view body = {v.p + 4, v.len - 4};
    struct tsc_hs_ctx hctx = {0, 0, 0};
    ASSERT_OK(tsc_hs_decode(TSC_HS_CLIENT_HELLO, body, &hctx, &m));
    tsc_fp_client_hello(&m.u.ch, out);
}

static void expected_sh_fp(struct tsc_fp_server *out)
{
    static struct tsc_hs_msg m;
    struct tb t;
    tb_init(&t);
    m_server_hello(&t, DHE_SUITE);
    struct tsc_view v = tb_view(&t);
    struct tsc_view body = {v.p + 4, v.len - 4};
    struct tsc_hs_ctx hctx = {0, 0, 0};
    ASSERT_OK(tsc_hs_decode(TSC_HS_SERVER_HELLO, body, &hctx, &m));
    tsc_fp_server_hello(&m.u.sh, out);
}

/* ------------------------------------------------ recording renderer */

struct slot {
    int events;
};

struct rec {
    unsigned need;
    int n_events, n_ch, n_sh, n_ske;
    unsigned ch_have[2], sh_have, ske_have;
    int ch_usable[2], sh_usable;
    struct tsc_fp_client ch[2];
    struct tsc_fp_server sh;
    uint16_t suite_code;
    const char *suite_name;
    char suite_meaning[256];
    uint32_t dh_bits;
    struct slot *slot_seen; /* the slot the renderer keeps, across events */
    int slot_events_at_end;
    int emits, discards;
    struct tsc_conn_report rep; /* as handed to emit */
};

static void rec_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    struct rec *r = ctx;
    assert_non_null(f);
    assert_non_null(data);
    if (!*data) {
        assert_null(r->slot_seen); /* NULL only at the connection's first event */
        *data = calloc(1, sizeof(struct slot));
        assert_non_null(*data);
        r->slot_seen = *data;
    }
    assert_ptr_equal(*data, r->slot_seen);
    ((struct slot *)*data)->events++;
    r->n_events++;
    if (ev->type != TSC_EV_HANDSHAKE) {
        assert_int_equal(f->have, 0);
        return;
    }
    switch (ev->msg->type) {
    case TSC_HS_CLIENT_HELLO:
        if (r->n_ch < 2) {
            r->ch_have[r->n_ch] = f->have;
            r->ch[r->n_ch] = f->ch;
            r->ch_usable[r->n_ch] = f->ja3_usable && f->ja4_usable;
        }
        r->n_ch++;
        break;
    case TSC_HS_SERVER_HELLO:
        r->sh_have = f->have;
        r->sh = f->sh;
        r->sh_usable = f->ja3s_usable;
        if (f->have & TSC_HAVE_SUITE) {
            r->suite_code = f->suite.code;
            r->suite_name = f->suite.name;
            memcpy(r->suite_meaning, f->suite_meaning, sizeof r->suite_meaning);
        }
        r->n_sh++;
        break;
    case TSC_HS_SERVER_KEY_EXCHANGE:
        r->ske_have = f->have;
        r->dh_bits = f->dh_bits;
        r->n_ske++;
        break;
    default:
        assert_int_equal(f->have, 0);
        break;
    }
}

static void rec_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                     uint64_t ordinal)
{
    struct rec *r = ctx;
    (void)c;
    (void)ordinal;
    assert_ptr_equal(*data, r->slot_seen);
    r->slot_events_at_end = *data ? ((struct slot *)*data)->events : 0;
    free(*data);
    *data = NULL;
    r->slot_seen = NULL; /* the next connection starts with an empty slot */
    r->rep = *rep;
    r->emits++;
}

static void rec_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    struct rec *r = ctx;
    (void)c;
    assert_ptr_equal(*data, r->slot_seen);
    free(*data);
    *data = NULL;
    r->slot_seen = NULL;
    r->discards++;
}

static struct tsc_analysis *rec_analysis(struct rec *r, unsigned need)
{
    memset(r, 0, sizeof *r);
    r->need = need;
    struct tsc_renderer rr = {r, need, rec_event, rec_emit, rec_discard};
    struct tsc_analysis *a = tsc_analysis_new(&rr);
    assert_non_null(a);
    return a;
}

/* ------------------------------------------------------------ tests */

/* Everything asked for: the facts equal the fingerprint functions' own,
 * once per hello; the report holds the first hello's, the DH size and the
 * findings judged on it. */
static void test_facts_and_report(void **state)
{
    (void)state;
    static struct rec r;
    static struct tsc_fp_client want_ch[2];
    static struct tsc_fp_server want_sh;
    struct tsc_analysis *a =
        rec_analysis(&r, TSC_NEED_FP | TSC_NEED_FP_TEXT | TSC_NEED_SUITE | TSC_NEED_SUITE_TEXT);
    assert_int_equal(tsc_analysis_max_severity(a), -1);
    struct hs_spec h = {2, 128, 0x7f}; /* a 1023-bit prime in 128 bytes */
    run_conn(tsc_analysis_sink(a), &h, 1);
    expected_ch_fp(0, &want_ch[0]);
    expected_ch_fp(1, &want_ch[1]);
    expected_sh_fp(&want_sh);

    assert_int_equal(r.n_ch, 2);
    assert_int_equal(r.n_sh, 1);
    assert_int_equal(r.n_ske, 1);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(r.ch_have[i], TSC_HAVE_CH_FP);
        assert_int_equal(r.ch[i].ja3_status, want_ch[i].ja3_status);
        assert_true(tsc_fp_usable(r.ch[i].ja3_status));
        assert_true(r.ch_usable[i]);
        assert_string_equal(r.ch[i].ja3_md5, want_ch[i].ja3_md5);
        assert_string_equal(r.ch[i].ja3, want_ch[i].ja3);
        assert_string_equal(r.ch[i].ja4, want_ch[i].ja4);
        assert_string_equal(r.ch[i].ja4_r, want_ch[i].ja4_r);
    }
    assert_string_not_equal(r.ch[0].ja4, r.ch[1].ja4); /* ALPN in the second */
    assert_string_equal(r.ch[0].ja3, "771,158-49199,0-10-23-65281,29-23,");
    assert_int_equal(r.sh_have, TSC_HAVE_SH_FP | TSC_HAVE_SUITE);
    assert_true(r.sh_usable);
    assert_string_equal(r.sh.ja3s_md5, want_sh.ja3s_md5);
    assert_string_equal(r.sh.ja3s, want_sh.ja3s);
    /* the suite's meaning, as tsc_suite_meaning gives it */
    struct tsc_suite_info si;
    char meaning[256];
    assert_int_equal(tsc_suite_describe(DHE_SUITE, &si), 1);
    tsc_suite_meaning(&si, meaning, sizeof meaning);
    assert_int_equal(r.suite_code, DHE_SUITE);
    assert_string_equal(r.suite_name, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_string_equal(r.suite_meaning, meaning);
    assert_int_equal(r.ske_have, TSC_HAVE_KEY);
    assert_int_equal(r.dh_bits, 1023);

    /* the connection's report */
    assert_int_equal(r.emits, 1);
    assert_int_equal(r.slot_events_at_end, r.n_events);
    assert_string_equal(r.rep.ja3, want_ch[0].ja3_md5); /* the first ClientHello's */
    assert_string_equal(r.rep.ja4, want_ch[0].ja4);
    assert_string_equal(r.rep.ja3s, want_sh.ja3s_md5);
    assert_int_equal(r.rep.dh_bits, 1023);
    assert_true(r.rep.have_suite);
    assert_true(r.rep.suite_known);
    assert_int_equal(r.rep.suite.code, DHE_SUITE);
    assert_string_equal(r.rep.suite_encryption, "AES 128-bit GCM");
    assert_string_equal(r.rep.suite_mac, "AEAD");
    /* findings: judged on the analysis's 1023 bits, most severe first */
    assert_true(r.rep.n_findings >= 1);
    int seen_dh = 0;
    for (size_t i = 0; i < r.rep.n_findings; i++) {
        if (i)
            assert_true(r.rep.findings[i - 1].rule->severity >= r.rep.findings[i].rule->severity);
        if (strcmp(r.rep.findings[i].rule->id, "weak-dh-group") == 0) {
            assert_string_equal(r.rep.findings[i].detail, "DH 1023 bits");
            seen_dh = 1;
        }
    }
    assert_true(seen_dh);
    assert_int_equal(tsc_analysis_max_severity(a), (int)r.rep.findings[0].rule->severity);
    assert_int_equal(tsc_analysis_max_severity(a), TSC_SEV_MEDIUM);
    tsc_analysis_free(a);
}

/* JA4 names the transport: the same ClientHello gives 't...' on a TCP
 * connection and 'q...' on a QUIC one (its hello is in the TLS form; only
 * the connection says QUIC), in the message facts, JA4_r and the report;
 * JA3 does not change. */
static void ja4_on(int transport, struct rec *r)
{
    static struct tsc_hs_msg m;
    struct tb t;
    tb_init(&t);
    m_client_hello(&t, 1);
    struct tsc_view v = tb_view(&t);
    struct tsc_view body = {v.p + 4, v.len - 4};
    struct tsc_hs_ctx hctx = {0, 0, 0};
    ASSERT_OK(tsc_hs_decode(TSC_HS_CLIENT_HELLO, body, &hctx, &m));
    struct tsc_analysis *a = rec_analysis(r, TSC_NEED_FP | TSC_NEED_FP_TEXT);
    const struct tsc_sink *sink = tsc_analysis_sink(a);
    struct tsc_endpoint ca = {4, {10, 0, 0, 1}, 50000};
    struct tsc_endpoint sa = {4, {10, 0, 0, 2}, 443};
    struct tsc_conn *c = tsc_conn_new(1, &ca, &sa, (int64_t)1767225600 * 1000000);
    assert_non_null(c);
    c->transport = transport;
    struct tsc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = TSC_EV_HANDSHAKE;
    ev.conn = c;
    ev.msg = &m;
    ev.length = body.len;
    ev.status = tsc_ok();
    sink->event(sink->ctx, &ev);
    sink->emit(sink->ctx, c, 1);
    tsc_conn_free(c);
    tsc_analysis_free(a);
}

static void test_ja4_quic(void **state)
{
    (void)state;
    static struct rec tcp, quic;
    static struct tsc_fp_client want;
    expected_ch_fp(1, &want);
    assert_int_equal(want.ja4[0], 't');
    ja4_on(TSC_TRANSPORT_TCP, &tcp);
    ja4_on(TSC_TRANSPORT_QUIC, &quic);
    assert_int_equal(tcp.n_ch, 1);
    assert_int_equal(quic.n_ch, 1);
    assert_string_equal(tcp.ch[0].ja4, want.ja4);
    assert_string_equal(tcp.ch[0].ja4_r, want.ja4_r);
    assert_string_equal(tcp.rep.ja4, want.ja4);
    assert_int_equal(quic.ch[0].ja4[0], 'q');
    assert_string_equal(quic.ch[0].ja4 + 1, want.ja4 + 1);
    assert_int_equal(quic.ch[0].ja4_r[0], 'q');
    assert_string_equal(quic.ch[0].ja4_r + 1, want.ja4_r + 1);
    assert_string_equal(quic.rep.ja4, quic.ch[0].ja4);
    assert_string_equal(quic.ch[0].ja3_md5, want.ja3_md5);
    assert_string_equal(quic.ch[0].ja3, want.ja3);

    /* an empty fingerprint stays empty; a DTLS one keeps its 'd' */
    struct tsc_fp_client fp;
    memset(&fp, 0, sizeof fp);
    tsc_fp_client_quic(&fp);
    assert_string_equal(fp.ja4, "");
    assert_string_equal(fp.ja4_r, "");
    memcpy(fp.ja4, "d12i0500h2", 11);
    tsc_fp_client_quic(&fp);
    assert_string_equal(fp.ja4, "d12i0500h2");
}

/* Only what the renderer asks for is computed. */
static void test_need(void **state)
{
    (void)state;
    static struct rec r;
    struct hs_spec h = {1, 256, 0xc3};
    static struct tsc_fp_client want;
    expected_ch_fp(0, &want);

    struct tsc_analysis *a = rec_analysis(&r, 0);
    run_conn(tsc_analysis_sink(a), &h, 1);
    assert_int_equal(r.ch_have[0], 0);
    assert_int_equal(r.sh_have, 0);
    assert_int_equal(r.ske_have, TSC_HAVE_KEY); /* findings need it anyway */
    assert_int_equal(r.dh_bits, 2048);
    assert_string_equal(r.rep.ja3, "");
    assert_string_equal(r.rep.ja3s, "");
    assert_int_equal(r.rep.dh_bits, 2048);
    assert_true(r.rep.have_suite); /* the suite and findings are always there */
    assert_true(r.rep.suite_known);
    assert_int_equal(r.rep.suite.code, DHE_SUITE);
    assert_string_equal(r.rep.suite_encryption, ""); /* its words only when asked for */
    assert_int_equal(r.rep.n_findings, 0);
    assert_int_equal(tsc_analysis_max_severity(a), -1);
    tsc_analysis_free(a);

    /* hashes without their texts */
    a = rec_analysis(&r, TSC_NEED_FP);
    run_conn(tsc_analysis_sink(a), &h, 1);
    assert_int_equal(r.ch_have[0], TSC_HAVE_CH_FP);
    assert_string_equal(r.ch[0].ja3_md5, want.ja3_md5);
    assert_string_equal(r.ch[0].ja4, want.ja4);
    assert_string_equal(r.ch[0].ja3, "");
    assert_string_equal(r.ch[0].ja4_r, "");
    assert_int_equal(r.sh_have, TSC_HAVE_SH_FP);
    assert_string_equal(r.sh.ja3s, "");
    assert_string_equal(r.rep.ja3, want.ja3_md5);
    tsc_analysis_free(a);

    /* and the JA3 string (-v) */
    a = rec_analysis(&r, TSC_NEED_FP | TSC_NEED_JA3_TEXT);
    run_conn(tsc_analysis_sink(a), &h, 1);
    assert_int_equal(r.ch_have[0], TSC_HAVE_CH_FP);
    assert_string_equal(r.ch[0].ja3_md5, want.ja3_md5);
    assert_string_equal(r.ch[0].ja3, want.ja3);
    assert_string_equal(r.ch[0].ja4, want.ja4);
    assert_string_equal(r.ch[0].ja4_r, "");
    assert_string_equal(r.sh.ja3s, "");
    tsc_analysis_free(a);

    /* the suite's meaning alone */
    a = rec_analysis(&r, TSC_NEED_SUITE);
    run_conn(tsc_analysis_sink(a), &h, 1);
    assert_int_equal(r.ch_have[0], 0);
    assert_int_equal(r.sh_have, TSC_HAVE_SUITE);
    assert_int_equal(r.suite_code, DHE_SUITE);
    tsc_analysis_free(a);
}

/* The run's most severe finding: kept across connections, not lowered. */
static void test_max_severity(void **state)
{
    (void)state;
    static struct rec r;
    struct tsc_analysis *a = rec_analysis(&r, TSC_NEED_FP);
    struct hs_spec good = {1, 256, 0x80}, weak = {1, 128, 0x80};
    run_conn(tsc_analysis_sink(a), &good, 1);
    assert_int_equal(r.rep.n_findings, 0);
    assert_int_equal(tsc_analysis_max_severity(a), -1);
    run_conn(tsc_analysis_sink(a), &weak, 2);
    assert_int_equal(r.rep.dh_bits, 1024);
    assert_int_equal(tsc_analysis_max_severity(a), TSC_SEV_MEDIUM);
    run_conn(tsc_analysis_sink(a), &good, 3);
    assert_int_equal(tsc_analysis_max_severity(a), TSC_SEV_MEDIUM);
    /* a dropped connection is not judged */
    struct hs_spec weaker = {1, 64, 0x80};
    memset(&r, 0, sizeof r);
    run_conn(tsc_analysis_sink(a), &weaker, 0);
    assert_int_equal(r.discards, 1);
    assert_int_equal(r.emits, 0);
    assert_int_equal(tsc_analysis_max_severity(a), TSC_SEV_MEDIUM);
    tsc_analysis_free(a);
}

/* ------------------------------------------------------ real formats */

/* Run one connection through a report of format `fmt`; its output in out. */
static int run_format(enum tsc_format fmt, const struct hs_spec *h, char *out, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    struct tsc_report_opts ro = {fmt, 0, 0, 0, NULL, NULL};
    char err[256];
    struct tsc_report *rep = tsc_report_new(&ro, f, err, sizeof err);
    assert_non_null(rep);
    run_conn(tsc_report_sink(rep), h, 1);
    assert_int_equal(tsc_report_close(rep), 0);
    int sev = tsc_report_max_severity(rep);
    tsc_report_free(rep);
    rewind(f);
    size_t k = fread(out, 1, n - 1, f);
    out[k] = '\0';
    fclose(f);
    return sev;
}

/* Text, -v, JSON and summary show the same facts: the DH size with its
 * leading zero bit excluded (text gave bytes * 8 before), the same
 * fingerprints, the same findings, and the same --fail-on severity. */
static void test_formats_agree(void **state)
{
    (void)state;
    static char out[65536];
    static struct tsc_fp_client want;
    static struct tsc_fp_server want_sh;
    expected_ch_fp(0, &want);
    expected_sh_fp(&want_sh);
    struct hs_spec h = {1, 128, 0x7f};
    char line[256];

    for (int v = 0; v < 2; v++) {
        assert_int_equal(run_format(v ? TSC_FMT_VERBOSE : TSC_FMT_TEXT, &h, out, sizeof out), TSC_SEV_MEDIUM);
        assert_non_null(strstr(out, "DHE with a 1023-bit prime"));
        assert_null(strstr(out, "1024"));
        snprintf(line, sizeof line, "JA3 %s, JA4 %s\n", want.ja3_md5, want.ja4);
        assert_non_null(strstr(out, line));
        snprintf(line, sizeof line, "JA3S %s\n", want_sh.ja3s_md5);
        assert_non_null(strstr(out, line));
        assert_non_null(strstr(out, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009e): key exchange DHE"));
        assert_non_null(strstr(out, "weak-dh-group: Finite-field DH group under 2048 bits (DH 1023 bits)"));
        snprintf(line, sizeof line, "JA3 string %s\n", want.ja3);
        if (v)
            assert_non_null(strstr(out, line));
        else
            assert_null(strstr(out, "JA3 string"));
    }

    assert_int_equal(run_format(TSC_FMT_JSON, &h, out, sizeof out), TSC_SEV_MEDIUM);
    assert_non_null(strstr(out, "\"dh_bits\":1023"));
    snprintf(line, sizeof line, "\"ja3\":\"%s\",\"ja3_string\":\"%s\"", want.ja3_md5, want.ja3);
    assert_non_null(strstr(out, line));
    snprintf(line, sizeof line, "\"ja4\":\"%s\",\"ja4_r\":\"%s\"", want.ja4, want.ja4_r);
    assert_non_null(strstr(out, line));
    snprintf(line, sizeof line, "\"ja3s\":\"%s\",\"ja3s_string\":\"%s\"", want_sh.ja3s_md5, want_sh.ja3s);
    assert_non_null(strstr(out, line));
    assert_non_null(strstr(out, "\"name\":\"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256\",\"key_exchange\":\"DHE\""));
    assert_non_null(strstr(out, "\"encryption\":\"AES 128-bit GCM\",\"mac\":\"AEAD\""));
    assert_non_null(strstr(out, "{\"id\":\"weak-dh-group\",\"severity\":\"medium\""));
    assert_non_null(strstr(out, "\"detail\":\"DH 1023 bits\""));

    assert_int_equal(run_format(TSC_FMT_SUMMARY, &h, out, sizeof out), TSC_SEV_MEDIUM);
    snprintf(line, sizeof line, " ja3=%s ja4=%s ja3s=%s ", want.ja3_md5, want.ja4, want_sh.ja3s_md5);
    assert_non_null(strstr(out, line));
    assert_non_null(strstr(out, "findings=medium:weak-dh-group"));

    assert_int_equal(run_format(TSC_FMT_WALKTHROUGH, &h, out, sizeof out), TSC_SEV_MEDIUM);
    assert_non_null(strstr(out, "ServerHello: TLS 1.2, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_non_null(strstr(out, "medium: Finite-field DH group under 2048 bits (weak-dh-group)"));

    /* a healthy prime: no finding anywhere, nothing for --fail-on */
    struct hs_spec good = {1, 256, 0x80};
    assert_int_equal(run_format(TSC_FMT_TEXT, &good, out, sizeof out), -1);
    assert_non_null(strstr(out, "DHE with a 2048-bit prime"));
    assert_null(strstr(out, "Findings"));
}

/* The format table: the built-in rows at their enum's index, the command
 * line's flags, colour only where rendered. */
static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        enum tsc_format fmt;
        const char *name, *flag;
        char short_flag;
        unsigned flags;
    } want[] = {
        {TSC_FMT_TEXT, "text", "text", 0, TSC_FORMAT_COLOR},
        {TSC_FMT_VERBOSE, "verbose", "verbose", 'v', TSC_FORMAT_COLOR},
        {TSC_FMT_JSON, "json", "json", 0, 0},
        {TSC_FMT_SUMMARY, "summary", "summary", 0, 0},
        {TSC_FMT_WALKTHROUGH, "walkthrough", NULL, 0, TSC_FORMAT_HIDDEN},
    };
    assert_true(tsc_formats_count() >= sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct tsc_format_row *f = tsc_format_at((size_t)want[i].fmt);
        assert_non_null(f);
        assert_string_equal(f->name, want[i].name);
        if (want[i].flag)
            assert_string_equal(f->flag, want[i].flag);
        else
            assert_null(f->flag);
        assert_int_equal(f->short_flag, want[i].short_flag);
        assert_int_equal(f->flags, want[i].flags);
        assert_non_null(f->help);
        assert_true(strlen(f->help) < 56); /* fits the help's column */
        assert_non_null(f->init);
    }
    /* the rows after the built-in ones: chosen by --format NAME, each name once */
    for (size_t i = sizeof want / sizeof want[0]; i < tsc_formats_count(); i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        assert_non_null(f->name);
        assert_non_null(f->help);
        assert_true(strlen(f->help) < 56);
        assert_non_null(f->init);
        assert_false(f->flags & TSC_FORMAT_HIDDEN);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(tsc_format_at(k)->name, f->name);
    }
    assert_null(tsc_format_at(tsc_formats_count()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_ske_facts),
        cmocka_unit_test(test_facts_and_report),
        cmocka_unit_test(test_need),
        cmocka_unit_test(test_ja4_quic),
        cmocka_unit_test(test_max_severity),
        cmocka_unit_test(test_formats_agree),
        cmocka_unit_test(test_format_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
