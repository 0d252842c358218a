/*
 * test_frame_quic.c - QUIC datagrams through the session layer
 * (tls/frame_quic.c), with Initial packets sealed here with OpenSSL,
 * independently of src/crypto: the Initial keys of RFC 9001 5.2 from the
 * client's Destination Connection ID, AES-128-GCM, and header protection.
 *
 * What it checks: a ClientHello split over two Initial packets that arrive
 * in reverse order is read once, whole; the server's ServerHello in an
 * Initial coalesced with zero padding; connection IDs and the original one;
 * a Retry whose tag does not verify is ignored, one that verifies moves the
 * Initial keys to its Source Connection ID; Version Negotiation; a
 * CONNECTION_CLOSE with CRYPTO_ERROR is the TLS alert it carries; a short
 * header before any connection ID length is known is counted, unread; a
 * broken long header is an error; which datagram starts the next
 * connection on the same 5-tuple.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "tls/msg.h"
#include "tls/quic.h"
#include "tls/session.h"
#include "tls_builders.h"
#include "tls_seal.h"

/* ------------------------------------------------------------ sealing */

static const uint8_t SALT_V1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t RETRY_KEY_V1[16] = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a,
                                         0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e};
static const uint8_t RETRY_NONCE_V1[12] = {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb};

struct qkeys {
    uint8_t key[16], iv[12], hp[16];
};

/* The Initial keys of one direction ("client in" / "server in"). */
static void initial_keys(const uint8_t *dcid, size_t n, const char *label, struct qkeys *k)
{
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    uint8_t initial[32], secret[32];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *x = EVP_KDF_CTX_new(kdf);
    uint8_t empty = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, n ? (void *)dcid : &empty, n),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)SALT_V1, sizeof SALT_V1),
        OSSL_PARAM_construct_end(),
    };
    assert_int_equal(EVP_KDF_derive(x, initial, 32, params), 1);
    EVP_KDF_CTX_free(x);
    EVP_KDF_free(kdf);
    expand_label("SHA256", initial, 32, label, secret, 32);
    expand_label("SHA256", secret, 32, "quic key", k->key, 16);
    expand_label("SHA256", secret, 32, "quic iv", k->iv, 12);
    expand_label("SHA256", secret, 32, "quic hp", k->hp, 16);
}

static void aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0;
    assert_int_equal(EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, key, NULL), 1);
    EVP_CIPHER_CTX_set_padding(x, 0);
    assert_int_equal(EVP_EncryptUpdate(x, out, &l, in, 16), 1);
    EVP_CIPHER_CTX_free(x);
}

static void cid(struct tb *t, const char *id)
{
    tb_u8(t, (uint32_t)strlen(id));
    tb_str(t, id);
}

/* A version 1 Initial (or Handshake): 4-byte packet number, empty token,
 * the payload sealed, header protection applied. Appended to d. */
static void long_packet(struct tb *d, int handshake, const struct qkeys *k, const char *dcid, const char *scid,
                        uint32_t pn, const uint8_t *payload, size_t n)
{
    struct tb h;
    tb_init(&h);
    tb_u8(&h, handshake ? 0xe3 : 0xc3); /* long header, Initial or Handshake, packet number length 4 */
    tb_u32(&h, 1);
    cid(&h, dcid);
    cid(&h, scid);
    if (!handshake)
        tb_u8(&h, 0); /* token length */
    size_t len = 4 + n + 16;
    tb_u16(&h, 0x4000 | (uint32_t)len);
    size_t pn_off = h.len;
    tb_u32(&h, pn);
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 4; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    uint8_t *ct = malloc(n + 16);
    assert_non_null(ct);
    aead_seal("AES-128-GCM", 0, 16, k->key, nonce, h.b, h.len, payload, n, ct);
    uint8_t pkt[2048];
    assert_true(h.len + n + 16 <= sizeof pkt);
    memcpy(pkt, h.b, h.len);
    memcpy(pkt + h.len, ct, n + 16);
    free(ct);
    uint8_t mask[16];
    aes_ecb(k->hp, pkt + pn_off + 4, mask);
    pkt[0] ^= mask[0] & 0x0f;
    for (int i = 0; i < 4; i++)
        pkt[pn_off + i] ^= mask[1 + i];
    tb_raw(d, pkt, h.len + n + 16);
}

static void initial(struct tb *d, const struct qkeys *k, const char *dcid, const char *scid, uint32_t pn,
                    const uint8_t *payload, size_t n)
{
    long_packet(d, 0, k, dcid, scid, pn, payload, n);
}

/* A CRYPTO frame (2-byte varints), then PADDING up to at least 24 bytes. */
static size_t crypto_frame(uint8_t *out, uint32_t off, const uint8_t *p, size_t n)
{
    size_t i = 0;
    out[i++] = 0x06;
    out[i++] = (uint8_t)(0x40 | off >> 8);
    out[i++] = (uint8_t)off;
    out[i++] = (uint8_t)(0x40 | n >> 8);
    out[i++] = (uint8_t)n;
    memcpy(out + i, p, n);
    i += n;
    while (i < 24)
        out[i++] = 0;
    return i;
}

/* A TLS 1.3 ClientHello (SNI quic.test, one suite, supported_versions). */
static void client_hello(struct tb *m)
{
    tb_init(m);
    tb_hs_open(m, TSC_HS_CLIENT_HELLO);
    tb_u16(m, 0x0303);
    tb_fill(m, 0xaa, 32);
    tb_u8(m, 0);
    tb_u16(m, 2);
    tb_u16(m, 0x1301);
    tb_u8(m, 1);
    tb_u8(m, 0);
    tb_open(m, 2);
    tb_ext_open(m, 0); /* server_name */
    tb_open(m, 2);
    tb_u8(m, 0);
    tb_vec16(m, "quic.test", 9);
    tb_close(m);
    tb_close(m);
    tb_ext_open(m, 43); /* supported_versions */
    tb_u8(m, 2);
    tb_u16(m, 0x0304);
    tb_close(m);
    tb_ext_open(m, 51); /* key_share */
    tb_open(m, 2);
    tb_u16(m, 0x001d);
    tb_open(m, 2);
    tb_fill(m, 0x11, 32);
    tb_close(m);
    tb_close(m);
    tb_close(m);
    tb_close(m);
    tb_close(m);
}

static void server_hello(struct tb *m)
{
    tb_init(m);
    tb_hs_open(m, TSC_HS_SERVER_HELLO);
    tb_u16(m, 0x0303);
    tb_fill(m, 0xbb, 32);
    tb_u8(m, 0);
    tb_u16(m, 0x1301);
    tb_u8(m, 0);
    tb_open(m, 2);
    tb_ext_open(m, 43);
    tb_u16(m, 0x0304);
    tb_close(m);
    tb_ext_open(m, 51);
    tb_u16(m, 0x001d);
    tb_open(m, 2);
    tb_fill(m, 0x22, 32);
    tb_close(m);
    tb_close(m);
    tb_close(m);
    tb_close(m);
}

/* ------------------------------------------------------------ the session */

struct fx {
    struct tsc_sink sink;
    struct tsc_session_ctx sc;
    struct tsc_conn *c;
    int64_t ts;
    int ch, sh, alerts, errors;
    uint8_t alert_desc;
    const char *last_error;
};

static void sink_event(void *ctx, const struct tsc_event *ev)
{
    struct fx *f = ctx;
    if (ev->type == TSC_EV_HANDSHAKE && tsc_is_ok(ev->status)) {
        f->ch += ev->msg->type == TSC_HS_CLIENT_HELLO;
        f->sh += ev->msg->type == TSC_HS_SERVER_HELLO;
    } else if (ev->type == TSC_EV_ALERT) {
        f->alerts++;
        f->alert_desc = ev->alert.description;
    } else if (ev->type == TSC_EV_ERROR) {
        f->errors++;
        f->last_error = ev->error->why;
    }
}

static struct fx *fx_new(void)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->sink.ctx = f;
    f->sink.event = sink_event;
    struct tsc_limits lim = {1 << 16, 0, 0, 0};
    assert_true(tsc_is_ok(tsc_session_ctx_init(&f->sc, &f->sink, &lim)));
    struct tsc_endpoint a = {0}, b = {0};
    a.family = b.family = 4;
    a.port = 50000;
    b.port = 443;
    f->c = tsc_conn_new(1, &a, &b, 0);
    assert_non_null(f->c);
    f->c->transport = TSC_TRANSPORT_QUIC;
    tsc_conn_set_client_side(f->c, 0, 1);
    return f;
}

static void fx_free(struct fx *f)
{
    tsc_session_close(&f->sc, f->c, ++f->ts);
    tsc_conn_free(f->c);
    tsc_session_ctx_free(&f->sc);
    free(f);
}

static void send(struct fx *f, int side, const struct tb *d)
{
    tsc_session_datagram(&f->sc, f->c, side, d->b, d->len, d->len, ++f->ts);
}

#define CDCID "\x83\x94\xc8\xf0\x3e\x51\x57\x08"
#define CSCID "cli1"
#define SSCID "srv01"

/* The client's ClientHello in two Initial packets, the second first;
 * then the server's ServerHello, padded with zeros after it. */
static void handshake(struct fx *f, const struct qkeys *ck, const struct qkeys *sk)
{
    struct tb m, d;
    uint8_t pl[1200];
    client_hello(&m);
    size_t half = m.len / 2;
    tb_init(&d);
    initial(&d, ck, CDCID, CSCID, 1, pl, crypto_frame(pl, (uint32_t)half, m.b + half, m.len - half));
    send(f, 0, &d);
    assert_int_equal(f->ch, 0); /* the first half is missing */
    tb_init(&d);
    initial(&d, ck, CDCID, CSCID, 0, pl, crypto_frame(pl, 0, m.b, half));
    send(f, 0, &d);
    assert_int_equal(f->ch, 1);
    server_hello(&m);
    tb_init(&d);
    initial(&d, sk, CSCID, SSCID, 0, pl, crypto_frame(pl, 0, m.b, m.len));
    tb_fill(&d, 0, 300);
    send(f, 1, &d);
    assert_int_equal(f->sh, 1);
}

static void test_initials_without_keys(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct qkeys ck, sk;
    initial_keys((const uint8_t *)CDCID, 8, "client in", &ck);
    initial_keys((const uint8_t *)CDCID, 8, "server in", &sk);
    handshake(f, &ck, &sk);
    const struct tsc_quic_info *q = f->c->quic;
    assert_non_null(q);
    assert_int_equal(q->version, 1);
    assert_int_equal(q->server_version, 1);
    assert_true(q->have_odcid);
    assert_memory_equal(q->odcid.id, CDCID, 8);
    assert_int_equal(q->n_cids[TSC_C2S], 1);
    assert_memory_equal(q->cids[TSC_C2S][0].id, CSCID, 4);
    assert_int_equal(q->n_cids[TSC_S2C], 1);
    assert_int_equal(q->packets[TSC_C2S][TSC_QUIC_PT_INITIAL], 2); /* zeros after a packet are no packet */
    assert_int_equal(q->packets[TSC_S2C][TSC_QUIC_PT_INITIAL], 1);
    assert_int_equal(q->opened[TSC_C2S] + q->opened[TSC_S2C], 3);
    assert_int_equal(f->c->version, TSC_TLS13);
    assert_true(f->c->has_sni);
    assert_int_equal(f->errors, 0);
    /* a Handshake packet follows, unread without keys: counted */
    struct tb d;
    uint8_t pl[64];
    memset(pl, 0, sizeof pl);
    tb_init(&d);
    long_packet(&d, 1, &sk, CSCID, SSCID, 0, pl, crypto_frame(pl, 0, (const uint8_t *)"x", 1));
    send(f, 1, &d);
    assert_int_equal(q->packets[TSC_S2C][TSC_QUIC_PT_HANDSHAKE], 1);
    assert_int_equal(q->no_keys[TSC_S2C], 1);
    fx_free(f);
}

/* The Retry integrity tag (RFC 9001 5.8) over the pseudo-packet. */
static void retry(struct tb *d, const char *odcid, const char *dcid, const char *scid, int spoil)
{
    struct tb r, pseudo;
    tb_init(&r);
    tb_u8(&r, 0xf0);
    tb_u32(&r, 1);
    cid(&r, dcid);
    cid(&r, scid);
    tb_str(&r, "a retry token");
    tb_init(&pseudo);
    cid(&pseudo, odcid);
    tb_raw(&pseudo, r.b, r.len);
    uint8_t tag[16];
    aead_seal("AES-128-GCM", 0, 16, RETRY_KEY_V1, RETRY_NONCE_V1, pseudo.b, pseudo.len, NULL, 0, tag);
    tag[0] ^= (uint8_t)spoil;
    tb_raw(d, r.b, r.len);
    tb_raw(d, tag, 16);
}

static void test_retry(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct qkeys ck;
    initial_keys((const uint8_t *)CDCID, 8, "client in", &ck);
    struct tb m, d;
    uint8_t pl[1200];
    client_hello(&m);
    tb_init(&d);
    initial(&d, &ck, CDCID, CSCID, 0, pl, crypto_frame(pl, 0, m.b, m.len));
    send(f, 0, &d);
    assert_int_equal(f->ch, 1);
    const struct tsc_quic_info *q = f->c->quic;
    /* a Retry whose tag does not verify: reported, ignored */
    tb_init(&d);
    retry(&d, CDCID, CSCID, "retry-cid", 1);
    send(f, 1, &d);
    assert_false(q->retry);
    assert_true(q->retry_tag_bad);
    assert_int_equal(f->errors, 1);
    /* one that verifies: the client's next Initial is keyed from its SCID */
    tb_init(&d);
    retry(&d, CDCID, CSCID, "retry-cid", 0);
    send(f, 1, &d);
    assert_true(q->retry);
    assert_int_equal(q->retry_scid.len, 9);
    struct qkeys rk;
    initial_keys((const uint8_t *)"retry-cid", 9, "client in", &rk);
    tb_init(&d);
    initial(&d, &rk, "retry-cid", CSCID, 1, pl, crypto_frame(pl, 0, m.b, m.len));
    send(f, 0, &d);
    assert_int_equal(q->opened[TSC_C2S], 2);
    assert_int_equal(q->failed[TSC_C2S], 0);
    assert_int_equal(f->ch, 1); /* the same ClientHello again: not a second one */
    fx_free(f);
}

static void test_version_negotiation(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct tb d;
    tb_init(&d);
    tb_u8(&d, 0x80);
    tb_u32(&d, 0);
    cid(&d, CSCID);
    cid(&d, CDCID);
    tb_u32(&d, 0x6b3343cf);
    tb_u32(&d, 1);
    send(f, 1, &d);
    const struct tsc_quic_info *q = f->c->quic;
    assert_true(q->vn);
    assert_int_equal(q->n_vn, 2);
    assert_int_equal(q->vn_versions[0], 0x6b3343cf);
    assert_int_equal(q->vn_versions[1], 1);
    fx_free(f);
}

static void test_close_with_crypto_error(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct qkeys ck, sk;
    initial_keys((const uint8_t *)CDCID, 8, "client in", &ck);
    initial_keys((const uint8_t *)CDCID, 8, "server in", &sk);
    struct tb m, d;
    uint8_t pl[1200];
    client_hello(&m);
    tb_init(&d);
    initial(&d, &ck, CDCID, CSCID, 0, pl, crypto_frame(pl, 0, m.b, m.len));
    send(f, 0, &d);
    /* CONNECTION_CLOSE: code 0x128 (CRYPTO_ERROR, handshake_failure), frame type 6, reason "no suite" */
    static const uint8_t close[] = {0x1c, 0x41, 0x28, 0x06, 0x08, 'n', 'o', ' ', 's', 'u', 'i', 't', 'e',
                                    0,    0,    0,    0,    0,    0,   0,   0,   0,   0,   0,   0,   0};
    tb_init(&d);
    initial(&d, &sk, CSCID, SSCID, 0, close, sizeof close);
    send(f, 1, &d);
    const struct tsc_quic_info *q = f->c->quic;
    assert_true(q->have_close);
    assert_int_equal(q->close_dir, TSC_S2C);
    assert_int_equal(q->close_code, 0x128);
    assert_int_equal(q->close_reason_len, 8);
    assert_int_equal(f->alerts, 1);
    assert_int_equal(f->alert_desc, 40);
    assert_true(f->c->ended);
    /* after it ended: an Initial with new connection IDs is the next
     * connection; the first one again (a copy) is not */
    struct qkeys nk;
    initial_keys((const uint8_t *)"newdcid1", 8, "client in", &nk);
    tb_init(&d);
    initial(&d, &nk, "newdcid1", "cli2", 0, pl, crypto_frame(pl, 0, m.b, m.len));
    assert_true(tsc_session_datagram_starts_new(f->c, d.b, d.len));
    tb_init(&d);
    initial(&d, &ck, CDCID, CSCID, 0, pl, crypto_frame(pl, 0, m.b, m.len));
    assert_false(tsc_session_datagram_starts_new(f->c, d.b, d.len));
    fx_free(f);
}

static void test_unreadable(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    /* a short header before any long header: its connection ID's length
     * is unknown, so it is counted and not parsed */
    struct tb d;
    tb_init(&d);
    tb_u8(&d, 0x41);
    tb_fill(&d, 0x5a, 40);
    send(f, 0, &d);
    const struct tsc_quic_info *q = f->c->quic;
    assert_int_equal(q->packets[TSC_C2S][TSC_QUIC_PT_1RTT], 1);
    assert_int_equal(q->no_keys[TSC_C2S], 1);
    assert_int_equal(f->c->app_records[TSC_C2S], 1);
    /* a long header whose Length runs past its datagram */
    tb_init(&d);
    tb_u8(&d, 0xc3);
    tb_u32(&d, 1);
    cid(&d, CDCID);
    cid(&d, CSCID);
    tb_u8(&d, 0);
    tb_u16(&d, 0x4400);
    tb_fill(&d, 0, 30);
    send(f, 0, &d);
    assert_int_equal(q->packets[TSC_C2S][TSC_QUIC_PT_INITIAL], 0);
    assert_non_null(f->c->errors[0].why);
    assert_int_equal(f->c->n_errors, 1);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initials_without_keys),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_version_negotiation),
        cmocka_unit_test(test_close_with_crypto_error),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
