/*
 * test_protect_dtls.c - DTLS record protection in the session layer
 * (tls/protect.c through tsc_session_datagram): hand-built DTLS datagrams,
 * records sealed here with OpenSSL from keys this file derives itself, and
 * a key log.
 *
 * DTLS 1.2: the Finished before its ChangeCipherSpec, a datagram repeated,
 * records out of order, a record that does not verify, connection IDs. DTLS 1.3: epochs 2
 * and 3 from the key log's secrets, 8-bit sequence numbers past their wrap,
 * KeyUpdates to epochs 4 and 5 with a late record of epoch 3 after them, a
 * record repeated. What goes in must come out once, decrypted, in the
 * order it arrived; the decryption report counts as for TLS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/keylog.h"
#include "tls/msg.h"
#include "tls/session.h"
#include "tls_builders.h"
#include "tls_seal.h"

/* ------------------------------------------------------------ the sink */

#define MAX_EVENTS 512

struct evrec {
    int type, dir, hs_type, decrypted;
    size_t length;
    uint8_t first; /* APP_DATA: the first plaintext byte (which record it was) */
    const char *decrypt_error;
};

struct fx {
    struct evrec ev[MAX_EVENTS];
    int n;
    struct tsc_sink sink;
    struct tsc_session_ctx sc;
    struct tsc_conn *c;
    struct tsc_keylog *kl;
    struct tsc_decrypt_cfg cfg;
    int64_t ts;
};

static void sink_event(void *ctx, const struct tsc_event *ev)
{
    struct fx *f = ctx;
    assert_true(f->n < MAX_EVENTS);
    struct evrec *r = &f->ev[f->n++];
    memset(r, 0, sizeof *r);
    r->type = ev->type;
    r->dir = ev->dir;
    r->hs_type = ev->type == TSC_EV_HANDSHAKE ? ev->msg->type : -1;
    r->decrypted = ev->decrypted;
    r->length = ev->length;
    r->decrypt_error = ev->decrypt_error;
    if (ev->type == TSC_EV_APP_DATA) {
        r->length = ev->data.len;
        r->first = ev->data.len ? ev->data.p[0] : 0;
    }
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->sink.ctx = f;
    f->sink.event = sink_event;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->c)
        tsc_conn_free(f->c);
    tsc_session_ctx_free(&f->sc);
    tsc_keylog_free(f->kl);
    free(f);
    return 0;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 13u + (i >> 3));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint8_t g_cr[32], g_sr[32], g_master[48], g_secret13[4][32];
enum { C_HS, S_HS, C_AP, S_AP };
static const char *const labels13[4] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};

static void keylog_line(struct tsc_keylog *kl, const char *label, const uint8_t *secret, size_t n)
{
    char line[300];
    size_t at = (size_t)snprintf(line, sizeof line, "%s ", label);
    for (int i = 0; i < 32; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, "%02x", g_cr[i]);
    line[at++] = ' ';
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, "%02x", secret[i]);
    line[at++] = '\n';
    ASSERT_OK(tsc_keylog_parse(kl, (const uint8_t *)line, at));
}

/* A session with the key log, and a DTLS connection (side 0 the client). */
static void start(struct fx *f, int v13)
{
    struct tsc_limits lim = {0, 0, 0, 0};
    ASSERT_OK(tsc_session_ctx_init(&f->sc, &f->sink, &lim));
    fill(g_cr, 32, 0x10);
    fill(g_sr, 32, 0x20);
    fill(g_master, 48, 0x30);
    for (int i = 0; i < 4; i++)
        fill(g_secret13[i], 32, (uint8_t)(0x40 + 16 * i));
    f->kl = tsc_keylog_new();
    assert_non_null(f->kl);
    if (v13)
        for (int i = 0; i < 4; i++)
            keylog_line(f->kl, labels13[i], g_secret13[i], 32);
    else
        keylog_line(f->kl, "CLIENT_RANDOM", g_master, 48);
    f->cfg.keylog = f->kl;
    f->cfg.app_data_events = 1;
    tsc_session_set_decrypt(&f->sc, &f->cfg);
    struct tsc_endpoint a = {4, {10, 0, 0, 1}, 40000};
    struct tsc_endpoint b = {4, {10, 0, 0, 2}, 4433};
    f->c = tsc_conn_new(1, &a, &b, 1000);
    assert_non_null(f->c);
    f->c->transport = TSC_TRANSPORT_DTLS;
    f->ts = 1000;
}

static void datagram(struct fx *f, int side, const struct tb *t)
{
    struct tsc_view v = tb_view(t);
    tsc_session_datagram(&f->sc, f->c, side, v.p, v.len, v.len, ++f->ts);
}

/* A DTLS record: type, version, epoch, 48-bit sequence number, body. */
static void rec12(struct tb *t, uint8_t type, uint16_t version, uint16_t epoch, uint64_t seq, const uint8_t *p,
                  size_t n)
{
    tb_u8(t, type);
    tb_u16(t, version);
    tb_u16(t, epoch);
    tb_u16(t, (uint32_t)(seq >> 32));
    tb_u32(t, (uint32_t)seq);
    tb_vec16(t, p, n);
}

/* A handshake message as one DTLS fragment (RFC 6347 4.2.2). */
static void hs_frag(struct tb *t, uint8_t type, uint16_t message_seq, const uint8_t *body, size_t n)
{
    tb_u8(t, type);
    tb_u24(t, (uint32_t)n);
    tb_u16(t, message_seq);
    tb_u24(t, 0);
    tb_u24(t, (uint32_t)n);
    tb_raw(t, body, n);
}

/* Connection IDs (RFC 9146): the one each side asks to receive; none when NULL. */
static const char *g_cid_c, *g_cid_s;

static void cid_ext(struct tb *m, const char *cid)
{
    if (!cid)
        return;
    tb_ext_open(m, TSC_EXT_CONNECTION_ID);
    tb_vec8(m, cid, strlen(cid));
    tb_close(m);
}

/* ClientHello (DTLS: a cookie after the session id), 1.2 or 1.3 offered. */
static void client_hello(struct tb *m, int v13)
{
    tb_u16(m, TSC_DTLS12);
    tb_raw(m, g_cr, 32);
    tb_u8(m, 0); /* session id */
    tb_u8(m, 0); /* cookie */
    tb_open(m, 2);
    if (v13)
        tb_u16(m, 0x1301);
    tb_u16(m, 0xc02f);
    tb_close(m);
    tb_u8(m, 1);
    tb_u8(m, 0);
    tb_open(m, 2);
    if (v13) {
        tb_ext_open(m, TSC_EXT_SUPPORTED_VERSIONS);
        tb_u8(m, 2);
        tb_u16(m, TSC_DTLS13);
        tb_close(m);
    }
    cid_ext(m, g_cid_c);
    tb_close(m);
}

static void server_hello(struct tb *m, int v13)
{
    tb_u16(m, TSC_DTLS12);
    tb_raw(m, g_sr, 32);
    tb_u8(m, 0);
    tb_u16(m, v13 ? 0x1301 : 0xc02f);
    tb_u8(m, 0);
    tb_open(m, 2);
    if (v13) {
        tb_ext_open(m, TSC_EXT_SUPPORTED_VERSIONS);
        tb_u16(m, TSC_DTLS13);
        tb_close(m);
    }
    cid_ext(m, g_cid_s);
    tb_close(m);
}

/* The plaintext hellos: client's ClientHello, server's ServerHello (and,
 * in DTLS 1.2, ServerHelloDone) in epoch 0. */
static void hellos(struct fx *f, int v13)
{
    struct tb m, frag, d;
    tb_init(&m);
    client_hello(&m, v13);
    tb_init(&frag);
    hs_frag(&frag, TSC_HS_CLIENT_HELLO, 0, tb_view(&m).p, tb_view(&m).len);
    tb_init(&d);
    rec12(&d, TSC_CT_HANDSHAKE, TSC_DTLS10, 0, 0, tb_view(&frag).p, tb_view(&frag).len);
    datagram(f, 0, &d);
    tb_init(&m);
    server_hello(&m, v13);
    tb_init(&frag);
    hs_frag(&frag, TSC_HS_SERVER_HELLO, 0, tb_view(&m).p, tb_view(&m).len);
    if (!v13)
        hs_frag(&frag, TSC_HS_SERVER_HELLO_DONE, 1, NULL, 0);
    tb_init(&d);
    rec12(&d, TSC_CT_HANDSHAKE, TSC_DTLS12, 0, 0, tb_view(&frag).p, tb_view(&frag).len);
    datagram(f, 1, &d);
}

static int count(const struct fx *f, int type, int dir, int hs_type, int decrypted)
{
    int n = 0;
    for (int i = 0; i < f->n; i++)
        if (f->ev[i].type == type && f->ev[i].dir == dir && (hs_type < 0 || f->ev[i].hs_type == hs_type) &&
            f->ev[i].decrypted == decrypted)
            n++;
    return n;
}

/* The first bytes of the application data events of a direction, in order. */
static size_t app_firsts(const struct fx *f, int dir, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < f->n; i++)
        if (f->ev[i].type == TSC_EV_APP_DATA && f->ev[i].dir == dir && n < cap)
            out[n++] = f->ev[i].first;
    return n;
}

/* ------------------------------------------------------------ DTLS 1.2 */

/* The key block of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: keys and
 * 4-byte IVs (RFC 5246 6.3), with OpenSSL's TLS1-PRF. */
static void keys12(uint8_t key[2][16], uint8_t iv[2][4])
{
    uint8_t kb[40];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    assert_non_null(kdf);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    assert_non_null(k);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, g_master, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, "key expansion", 13),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, g_sr, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, g_cr, 32),
        OSSL_PARAM_construct_end(),
    };
    assert_int_equal(EVP_KDF_derive(k, kb, sizeof kb, params), 1);
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    memcpy(key[0], kb, 16);
    memcpy(key[1], kb + 16, 16);
    memcpy(iv[0], kb + 32, 4);
    memcpy(iv[1], kb + 36, 4);
}

/* An AES-128-GCM record of DTLS 1.2: the explicit nonce, then ciphertext
 * and tag; AAD epoch || seq, type, version, length (RFC 6347 4.1.2.1). */
static void sealed12(struct tb *t, int dir, uint8_t type, uint16_t epoch, uint64_t seq, const uint8_t *p, size_t n)
{
    uint8_t key[2][16], iv[2][4], nonce[12], aad[13], body[600];
    keys12(key, iv);
    memcpy(nonce, iv[dir], 4);
    put_u64(nonce + 4, seq * 7 + 3); /* the explicit part: any value */
    put_u64(aad, (uint64_t)epoch << 48 | seq);
    aad[8] = type;
    aad[9] = 0xfe;
    aad[10] = 0xfd;
    aad[11] = (uint8_t)(n >> 8);
    aad[12] = (uint8_t)n;
    memcpy(body, nonce + 4, 8);
    aead_seal("AES-128-GCM", 0, 16, key[dir], nonce, aad, 13, p, n, body + 8);
    rec12(t, type, TSC_DTLS12, epoch, seq, body, 8 + n + 16);
}

/* A record with a connection ID (RFC 9146): type tls12_cid, the CID after
 * the sequence number; AES-128-GCM over DTLSInnerPlaintext (content, real
 * type, `zeros` zero bytes); AAD seq_num_placeholder, tls12_cid,
 * cid_length, tls12_cid, version, epoch, sequence_number, cid, length. */
static void sealed_cid(struct tb *t, int dir, const char *cid, uint64_t seq, uint8_t real_type, const uint8_t *p,
                       size_t n, size_t zeros)
{
    uint8_t key[2][16], iv[2][4], nonce[12], aad[300], inner[600], body[700];
    size_t cl = strlen(cid), al = 0, in_len = n + 1 + zeros;
    keys12(key, iv);
    memcpy(inner, p, n);
    inner[n] = real_type;
    memset(inner + n + 1, 0, zeros);
    memcpy(nonce, iv[dir], 4);
    put_u64(nonce + 4, seq + 1000);
    memset(aad, 0xff, 8);
    al = 8;
    aad[al++] = 25;
    aad[al++] = (uint8_t)cl;
    aad[al++] = 25;
    aad[al++] = 0xfe;
    aad[al++] = 0xfd;
    put_u64(aad + al, (uint64_t)1 << 48 | seq);
    al += 8;
    memcpy(aad + al, cid, cl);
    al += cl;
    aad[al++] = (uint8_t)(in_len >> 8);
    aad[al++] = (uint8_t)in_len;
    memcpy(body, nonce + 4, 8);
    aead_seal("AES-128-GCM", 0, 16, key[dir], nonce, aad, al, inner, in_len, body + 8);
    tb_u8(t, TSC_CT_TLS12_CID);
    tb_u16(t, TSC_DTLS12);
    tb_u16(t, 1);
    tb_u16(t, (uint32_t)(seq >> 32));
    tb_u32(t, (uint32_t)seq);
    tb_raw(t, cid, cl);
    tb_vec16(t, body, 8 + in_len + 16);
}

static void finished12(struct tb *t, int dir, uint16_t message_seq)
{
    uint8_t vd[12];
    struct tb frag;
    fill(vd, 12, (uint8_t)(0xa0 + dir));
    tb_init(&frag);
    hs_frag(&frag, TSC_HS_FINISHED, message_seq, vd, 12);
    sealed12(t, dir, TSC_CT_HANDSHAKE, 1, 0, tb_view(&frag).p, tb_view(&frag).len);
}

static void test_dtls12_reordered_repeated(void **state)
{
    struct fx *f = *state;
    start(f, 0);
    hellos(f, 0);
    uint8_t ccs = 1, point[33], data[100];
    struct tb d, frag;
    fill(point, sizeof point, 0x04);
    /* the client: ClientKeyExchange, ChangeCipherSpec, Finished (the
     * ChangeCipherSpec switches nothing: the Finished's epoch does) */
    tb_init(&frag);
    tb_u8(&frag, TSC_HS_CLIENT_KEY_EXCHANGE);
    tb_u24(&frag, 1 + sizeof point);
    tb_u16(&frag, 1);
    tb_u24(&frag, 0);
    tb_u24(&frag, 1 + sizeof point);
    tb_vec8(&frag, point, sizeof point);
    tb_init(&d);
    rec12(&d, TSC_CT_HANDSHAKE, TSC_DTLS12, 0, 1, tb_view(&frag).p, tb_view(&frag).len);
    rec12(&d, TSC_CT_CHANGE_CIPHER_SPEC, TSC_DTLS12, 0, 2, &ccs, 1);
    finished12(&d, 0, 2);
    datagram(f, 0, &d);
    /* the server: its Finished before its ChangeCipherSpec (reordered) */
    tb_init(&d);
    finished12(&d, 1, 2);
    datagram(f, 1, &d);
    tb_init(&d);
    rec12(&d, TSC_CT_CHANGE_CIPHER_SPEC, TSC_DTLS12, 0, 2, &ccs, 1);
    datagram(f, 1, &d);
    assert_int_equal(count(f, TSC_EV_HANDSHAKE, TSC_C2S, TSC_HS_FINISHED, 1), 1);
    assert_int_equal(count(f, TSC_EV_HANDSHAKE, TSC_S2C, TSC_HS_FINISHED, 1), 1);
    /* application data: 1, 1 again (a repeated datagram), 3, 2 */
    static const uint64_t order[] = {1, 1, 3, 2};
    for (size_t i = 0; i < 4; i++) {
        fill(data, sizeof data, (uint8_t)order[i]);
        tb_init(&d);
        sealed12(&d, 0, TSC_CT_APPLICATION_DATA, 1, order[i], data, 20 + order[i]);
        datagram(f, 0, &d);
    }
    uint8_t firsts[8];
    assert_int_equal(app_firsts(f, TSC_C2S, firsts, 8), 3);
    assert_int_equal(firsts[0], 1);
    assert_int_equal(firsts[1], 3);
    assert_int_equal(firsts[2], 2);
    /* a record whose tag does not verify: reported with the reason */
    tb_init(&d);
    fill(data, sizeof data, 9);
    sealed12(&d, 1, TSC_CT_APPLICATION_DATA, 1, 1, data, 30);
    struct tsc_view v = tb_view(&d);
    uint8_t bad[200];
    memcpy(bad, v.p, v.len);
    bad[v.len - 1] ^= 1;
    tsc_session_datagram(&f->sc, f->c, 1, bad, v.len, v.len, ++f->ts);
    /* and the same record as sent still opens */
    datagram(f, 1, &d);
    assert_int_equal(app_firsts(f, TSC_S2C, firsts, 8), 1);
    assert_int_equal(f->c->dec.ok[TSC_C2S], 4);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 2);
    assert_int_equal(f->c->dec.failed[TSC_C2S], 0);
    assert_int_equal(f->c->dec.failed[TSC_S2C], 1);
    assert_int_equal(f->c->dec.plaintext[TSC_C2S], 21 + 23 + 22);
    assert_int_equal(f->c->dec.keys, TSC_KEYS_KEYLOG);
    assert_string_equal(tsc_decrypt_status(f->c), "partial");
    /* a record of an epoch that did not come next (2 without a renegotiation): not opened */
    tb_init(&d);
    sealed12(&d, 0, TSC_CT_APPLICATION_DATA, 2, 0, data, 10);
    datagram(f, 0, &d);
    assert_int_equal(f->c->dec.ok[TSC_C2S], 4);
    assert_int_equal(f->c->dec.opaque[TSC_C2S], 1);
}

/* Without the key log's line: the records are counted unread, with the reason. */
static void test_dtls12_no_keys(void **state)
{
    struct fx *f = *state;
    start(f, 0);
    g_cr[0] ^= 0xff; /* a client random the key log does not have */
    hellos(f, 0);
    struct tb d;
    uint8_t data[16] = {0};
    tb_init(&d);
    finished12(&d, 1, 2);
    sealed12(&d, 1, TSC_CT_APPLICATION_DATA, 1, 1, data, sizeof data);
    datagram(f, 1, &d);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 0);
    assert_int_equal(f->c->dec.opaque[TSC_S2C], 2);
    assert_string_equal(tsc_decrypt_status(f->c), "no_keys");
    assert_string_equal(f->c->dec.note, "no key log entry for this connection's client random");
}

/* Connection IDs: each direction's records carry the ID its receiver
 * asked for; what is inside comes out with its real type. */
static void test_dtls12_connection_ids(void **state)
{
    struct fx *f = *state;
    g_cid_c = "client-cid";
    g_cid_s = "srv";
    start(f, 0);
    hellos(f, 0);
    g_cid_c = g_cid_s = NULL;
    struct tb d;
    uint8_t data[64];
    tb_init(&d);
    finished12(&d, 1, 2);
    datagram(f, 1, &d);
    fill(data, sizeof data, 0x61);
    tb_init(&d);
    sealed_cid(&d, 0, "srv", 1, TSC_CT_APPLICATION_DATA, data, 30, 0);
    sealed_cid(&d, 0, "srv", 2, TSC_CT_APPLICATION_DATA, data + 1, 20, 7);
    datagram(f, 0, &d);
    tb_init(&d);
    sealed_cid(&d, 1, "client-cid", 1, TSC_CT_APPLICATION_DATA, data + 2, 10, 0);
    uint8_t alert[2] = {1, 0};
    sealed_cid(&d, 1, "client-cid", 2, TSC_CT_ALERT, alert, 2, 3);
    datagram(f, 1, &d);
    uint8_t got[8];
    assert_int_equal(app_firsts(f, TSC_C2S, got, 8), 2);
    assert_int_equal(got[0], data[0]);
    assert_int_equal(got[1], data[1]);
    assert_int_equal(app_firsts(f, TSC_S2C, got, 8), 1);
    assert_int_equal(got[0], data[2]);
    assert_int_equal(count(f, TSC_EV_ALERT, TSC_S2C, -1, 1), 1);
    assert_int_equal(f->c->dec.plaintext[TSC_C2S], 50);
    assert_int_equal(f->c->dec.failed[TSC_C2S] + f->c->dec.failed[TSC_S2C], 0);
    assert_int_equal(f->c->dec.ok[TSC_C2S], 2);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 3);
}

/* ------------------------------------------------------------ DTLS 1.3 */

/* The traffic secret of an epoch of one direction: handshake (2), the
 * first application secret (3), then one KeyUpdate per epoch. */
static void secret13(int dir, uint64_t epoch, uint8_t out[32])
{
    if (epoch == 2) {
        memcpy(out, g_secret13[dir == TSC_C2S ? C_HS : S_HS], 32);
        return;
    }
    memcpy(out, g_secret13[dir == TSC_C2S ? C_AP : S_AP], 32);
    for (uint64_t e = 3; e < epoch; e++) {
        uint8_t next[32];
        expand_label_prefix("SHA256", out, 32, "dtls13", "traffic upd", next, 32);
        memcpy(out, next, 32);
    }
}

/* A DTLS 1.3 record (RFC 9147 4): unified header with an 8-bit sequence
 * number and a length, AES-128-GCM with the header in the clear as AAD,
 * then the sequence number masked with AES-ECB(sn_key, ciphertext[0..16)). */
static void sealed13(struct tb *t, int dir, uint64_t epoch, uint64_t seq, uint8_t inner, const uint8_t *p, size_t n)
{
    uint8_t secret[32], key[16], iv[12], sn[16], nonce[12], pt[600], body[700], hdr[4], mask[16];
    secret13(dir, epoch, secret);
    expand_label_prefix("SHA256", secret, 32, "dtls13", "key", key, 16);
    expand_label_prefix("SHA256", secret, 32, "dtls13", "iv", iv, 12);
    expand_label_prefix("SHA256", secret, 32, "dtls13", "sn", sn, 16);
    memcpy(pt, p, n);
    pt[n] = inner;
    size_t len = n + 1 + 16;
    hdr[0] = (uint8_t)(0x24 | (epoch & 3)); /* 001 C=0 S=0 L=1 EE */
    hdr[1] = (uint8_t)seq;
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    aead_seal("AES-128-GCM", 0, 16, key, nonce, hdr, 4, pt, n + 1, body);
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    assert_int_equal(EVP_EncryptInit_ex2(x, c, sn, NULL, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(x, mask, &l, body, 16), 1);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    hdr[1] ^= mask[0];
    tb_raw(t, hdr, 4);
    tb_raw(t, body, len);
}

static void hs13(struct tb *t, int dir, uint64_t epoch, uint64_t seq, uint8_t type, uint16_t message_seq,
                 const uint8_t *body, size_t n)
{
    struct tb frag;
    tb_init(&frag);
    hs_frag(&frag, type, message_seq, body, n);
    sealed13(t, dir, epoch, seq, TSC_CT_HANDSHAKE, tb_view(&frag).p, tb_view(&frag).len);
}

static void app13(struct fx *f, int dir, uint64_t epoch, uint64_t seq, uint8_t first)
{
    uint8_t data[40];
    struct tb d;
    fill(data, sizeof data, first);
    tb_init(&d);
    sealed13(&d, dir, epoch, seq, TSC_CT_APPLICATION_DATA, data, 10 + first % 20);
    datagram(f, dir == TSC_C2S ? 0 : 1, &d);
}

static void test_dtls13_epochs(void **state)
{
    struct fx *f = *state;
    start(f, 1);
    hellos(f, 1);
    assert_int_equal(f->c->version, TSC_DTLS13);
    struct tb d;
    uint8_t ee[2] = {0, 0}, vd[32], ku = 0;
    fill(vd, 32, 0x77);
    /* the server's flight in epoch 2, then the client's Finished */
    tb_init(&d);
    hs13(&d, TSC_S2C, 2, 0, TSC_HS_ENCRYPTED_EXTENSIONS, 1, ee, 2);
    hs13(&d, TSC_S2C, 2, 1, TSC_HS_FINISHED, 2, vd, 32);
    datagram(f, 1, &d);
    tb_init(&d);
    hs13(&d, TSC_C2S, 2, 0, TSC_HS_FINISHED, 1, vd, 32);
    datagram(f, 0, &d);
    assert_int_equal(count(f, TSC_EV_HANDSHAKE, TSC_S2C, TSC_HS_ENCRYPTED_EXTENSIONS, 1), 1);
    assert_int_equal(count(f, TSC_EV_HANDSHAKE, TSC_S2C, TSC_HS_FINISHED, 1), 1);
    assert_int_equal(count(f, TSC_EV_HANDSHAKE, TSC_C2S, TSC_HS_FINISHED, 1), 1);
    /* epoch 3: records 0-3, a loss, 250-259 (8-bit numbers past their wrap), 7 late */
    uint8_t want[64];
    size_t nw = 0;
    for (uint64_t s = 0; s < 4; s++) {
        app13(f, TSC_S2C, 3, s, (uint8_t)s);
        want[nw++] = (uint8_t)s;
    }
    for (uint64_t s = 250; s < 260; s++) {
        app13(f, TSC_S2C, 3, s, (uint8_t)s);
        want[nw++] = (uint8_t)s;
    }
    app13(f, TSC_S2C, 3, 255, 255); /* a copy */
    /* KeyUpdate (in epoch 3), then epoch 4 and 5, then a late record of 3 */
    tb_init(&d);
    hs13(&d, TSC_S2C, 3, 260, TSC_HS_KEY_UPDATE, 3, &ku, 1);
    datagram(f, 1, &d);
    app13(f, TSC_S2C, 4, 0, 100);
    want[nw++] = 100;
    app13(f, TSC_S2C, 4, 1, 101);
    want[nw++] = 101;
    app13(f, TSC_S2C, 5, 0, 110);
    want[nw++] = 110;
    app13(f, TSC_S2C, 3, 261, 120);
    want[nw++] = 120;
    app13(f, TSC_S2C, 5, 1, 111);
    want[nw++] = 111;
    uint8_t got[64];
    assert_int_equal(app_firsts(f, TSC_S2C, got, 64), nw);
    assert_memory_equal(got, want, nw);
    assert_int_equal(count(f, TSC_EV_HANDSHAKE, TSC_S2C, TSC_HS_KEY_UPDATE, 1), 1);
    /* the client's first application record */
    app13(f, TSC_C2S, 3, 0, 42);
    assert_int_equal(app_firsts(f, TSC_C2S, got, 64), 1);
    assert_int_equal(got[0], 42);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 2 + nw + 1);
    assert_int_equal(f->c->dec.ok[TSC_C2S], 2);
    assert_int_equal(f->c->dec.failed[TSC_S2C] + f->c->dec.failed[TSC_C2S], 0);
    assert_string_equal(tsc_decrypt_status(f->c), "decrypted");
    assert_int_equal(f->c->dec.keys, TSC_KEYS_KEYLOG);
    /* the next epoch whose KeyUpdate was lost: opened all the same */
    app13(f, TSC_S2C, 6, 0, 1);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 2 + nw + 2);
    /* epoch 9's low bits while 6 is the newest read as epoch 5's, whose
     * keys do not open it */
    app13(f, TSC_S2C, 9, 0, 1);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 2 + nw + 2);
    assert_int_equal(f->c->dec.failed[TSC_S2C], 1);
}

/* The key log without this connection's secrets. */
static void test_dtls13_no_keys(void **state)
{
    struct fx *f = *state;
    start(f, 1);
    g_cr[5] ^= 0x55;
    hellos(f, 1);
    struct tb d;
    uint8_t ee[2] = {0, 0};
    tb_init(&d);
    hs13(&d, TSC_S2C, 2, 0, TSC_HS_ENCRYPTED_EXTENSIONS, 1, ee, 2);
    datagram(f, 1, &d);
    app13(f, TSC_S2C, 3, 0, 1);
    assert_int_equal(f->c->dec.ok[TSC_S2C], 0);
    assert_int_equal(f->c->dec.opaque[TSC_S2C], 2);
    assert_string_equal(tsc_decrypt_status(f->c), "no_keys");
    assert_string_equal(f->c->dec.note, "no key log entry for this connection's client random");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dtls12_reordered_repeated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtls12_no_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtls12_connection_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtls13_epochs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtls13_no_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
