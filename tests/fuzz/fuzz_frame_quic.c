/* Fuzz target: QUIC from the UDP seam on (tls/frame_quic.c: packets,
 * header protection, Initial keys from the client's DCID, Handshake, 0-RTT
 * and 1-RTT keys from a key log with key updates, Retry and Version
 * Negotiation, frames, CRYPTO reassembly per packet number space, then the
 * decoders, facts and events), without the capture layer: the datagrams of
 * one 5-tuple handed to the TLS layer the way flow_tls.c and the pipeline
 * hand them, then closed and rendered.
 *
 * The first byte: bit 0 JSON (else -v); bit 1 a key log follows as
 * [len u16][len bytes]; bit 4 the fixed key log below (the secrets of the
 * captures the seeds come from, so mutated handshakes still reach the
 * Handshake and 1-RTT keys); with either the run decrypts; bit 2 decrypted
 * application data goes to the sink (--data); bit 3 live capture (a
 * connection is shown as soon as its handshake completes or it ends).
 * Then datagrams [ctl][len u16][len bytes]: ctl bit 0 the side; bit 7
 * clear: the bytes are the datagram, and bit 1 says the snaplen cut it, its
 * length on the wire being len + 1 + ((ctl >> 2) & 31); bit 7 set: the
 * bytes are a version 1 Initial packet to seal here, so that frames the
 * fuzzer makes reach frame_quic.c's frame handling past the AEAD (which a
 * mutated packet never passes): [flags u8][key DCID: len u8, bytes]
 * [DCID: len u8, bytes][SCID: len u8, bytes][pn u8][plaintext frames...],
 * sealed with the Initial keys of the key DCID, the server's if flags bit
 * 0, padded to 20 bytes, with a 4-byte packet number; flags bit 1 keeps
 * it back, to go in one datagram with the next sealed packets (coalesced,
 * sent once one without bit 1 comes or they pass 1,500 bytes).
 *
 * As in flow_tls.c: no connection until a datagram starts QUIC (the client
 * side told by its packet type, and fixed), and a datagram that starts the
 * next connection on the 5-tuple closes the one before. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/keylog.h"
#include "report/report.h"
#include "fuzz_format.h"
#include "tls/session.h"

#define MAX_CONNS 16 /* connections one input may start on its 5-tuple */

/* The key logs of the seeds' captures: illustrated-quic (the corpus's
 * capture.pcap) and tests/golden/captures/quic-{key-update,retry,
 * resume-0rtt}.keys, exporter secrets left out. */
static const char fixed_keys[] =
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f b8902ab5f9fe52fdec3aea54e9293e4b8eabf955fcd88536bf44b8b584f14982\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 88ad8d3b0986a71965a28d108b0f40ffffe629284a6028c80ddc5dc083b3f5d1\n"
    "CLIENT_TRAFFIC_SECRET_0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f a877a82fd5f89ba622eb03dc5868fd00a31cc2eb8646b362a75bc14893a8ef07\n"
    "SERVER_TRAFFIC_SECRET_0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f a1bfa69e7051fd609946fd9431a51992617c4ddb9c1269c9c0b70cc91b297751\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 9374d198861609d11a13f0a9ae953f46117098e8bd33e637e028eaeb55d6b974 1d36e0e9d90493f97fb1e2fd264063d8cb7252617f002a29821cf19faad952bd\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 9374d198861609d11a13f0a9ae953f46117098e8bd33e637e028eaeb55d6b974 afd4247c7ac46dda55ee81bde9e8f8e2fc32175a2e64cc2b41914aa47e06da94\n"
    "CLIENT_TRAFFIC_SECRET_0 9374d198861609d11a13f0a9ae953f46117098e8bd33e637e028eaeb55d6b974 fed859a247b2054883ec47a7800bfee16f2ebed2408a8b3c1edae4a8e84f155b\n"
    "SERVER_TRAFFIC_SECRET_0 9374d198861609d11a13f0a9ae953f46117098e8bd33e637e028eaeb55d6b974 f49b74ab35fec84549c45f416d9501c597becd2afb7081dc8bf902204d295dac\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 888e2c0cf0760b0e945d1193831152b1b9dd3e80fc62fc46e5b1db3503db3d51 d716c048b1eb6a31ed46d37634623e0849fc128d0cc8834ba382e576e3bd32b6\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 888e2c0cf0760b0e945d1193831152b1b9dd3e80fc62fc46e5b1db3503db3d51 e746dc8a387e490a7089995ea67cda1469f8ea93608b54eb93297b2ecdf48397\n"
    "CLIENT_TRAFFIC_SECRET_0 888e2c0cf0760b0e945d1193831152b1b9dd3e80fc62fc46e5b1db3503db3d51 566320bc649b26784ee0d3549d58a9702dd04f6b61977a82b30ae12925ba33d0\n"
    "SERVER_TRAFFIC_SECRET_0 888e2c0cf0760b0e945d1193831152b1b9dd3e80fc62fc46e5b1db3503db3d51 43915570615b1362838b6e59c6e53e9e1ff4455af42cf6b1dbbfe0a4e6930b25\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET d67dcef4f90e9a32be26966e450bbe263462b4bbaacb5b94fa9a947aa2f00cfc 31a2c9995b86570db7e5fdda4246ce80abfdc1ae7487d267cb2cab9098334546\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET d67dcef4f90e9a32be26966e450bbe263462b4bbaacb5b94fa9a947aa2f00cfc ac2822facd6710d37d81e603a71da6bcb53a92c6f6675499ced7b3ffbe2fdebf\n"
    "CLIENT_TRAFFIC_SECRET_0 d67dcef4f90e9a32be26966e450bbe263462b4bbaacb5b94fa9a947aa2f00cfc 678efd95f41cf9738a479a8fc9c6ac1d00e5e7258adec20cf7915fe41326d8af\n"
    "SERVER_TRAFFIC_SECRET_0 d67dcef4f90e9a32be26966e450bbe263462b4bbaacb5b94fa9a947aa2f00cfc 20c6b063b4227ed4d08d2ae29d45ab96012fdd12a7f0eea72737a390b83b4f91\n"
    "CLIENT_EARLY_TRAFFIC_SECRET a5820a684ebad86a7d78aeddb2656b4b736ead0308c2ce4413228c137f89f68f 3a27244924102dc212bc1a5b49864f83bb115f4fbac4734ab7c82cca08ae65bc\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET a5820a684ebad86a7d78aeddb2656b4b736ead0308c2ce4413228c137f89f68f e8f9361d8e39d9f1bb38fae78e6a339b1b59da44782bdfa90cc1ce89ab7b779d\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET a5820a684ebad86a7d78aeddb2656b4b736ead0308c2ce4413228c137f89f68f b17b8e0168fae9dfef092518816caf408d0e9be9213657b6ec308b782874576e\n"
    "CLIENT_TRAFFIC_SECRET_0 a5820a684ebad86a7d78aeddb2656b4b736ead0308c2ce4413228c137f89f68f 8012fc883cbccfac4bcfc6334d757b815b749a66114dbc5ef41f9e34a318a6f3\n"
    "SERVER_TRAFFIC_SECRET_0 a5820a684ebad86a7d78aeddb2656b4b736ead0308c2ce4413228c137f89f68f cdb009bbaa7b00f8696ff878241cddc976068049bc5ab19ad10edf9ccde172b3\n";

/* ------------------------------------------- sealing an Initial here */

static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}; /* RFC 9001 5.2 */

static int hkdf(int mode, const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len,
                const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *x = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    static const uint8_t none = 0;
    OSSL_PARAM params[6];
    size_t k = 0;
    params[k++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[k++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key_len ? (void *)key : (void *)&none, key_len);
    if (salt)
        params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info)
        params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    params[k] = OSSL_PARAM_construct_end();
    int ok = x && EVP_KDF_derive(x, out, out_len, params) == 1;
    EVP_KDF_CTX_free(x);
    EVP_KDF_free(kdf);
    return ok;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int expand_label(const uint8_t *secret, const char *label, uint8_t *out, size_t n)
{
    uint8_t info[64];
    size_t ll = strlen(label), k = 0;
    info[k++] = (uint8_t)(n >> 8);
    info[k++] = (uint8_t)n;
    info[k++] = (uint8_t)(6 + ll);
    memcpy(info + k, "tls13 ", 6);
    k += 6;
    memcpy(info + k, label, ll);
    k += ll;
    info[k++] = 0;
    return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, k, out, n);
}

struct ikeys {
    uint8_t kid[20], kid_len, server, ok;
    uint8_t key[16], iv[12], hp[16];
};

/* The Initial keys of one direction for a key DCID (the last ones kept:
 * the inputs seal most packets with the same). */
static const struct ikeys *initial_keys(const uint8_t *kid, uint8_t kid_len, int server)
{
    static struct ikeys k;
    if (k.ok && k.kid_len == kid_len && k.server == server && memcmp(k.kid, kid, kid_len) == 0)
        return &k;
    memset(&k, 0, sizeof k);
    uint8_t initial[32], secret[32];
    if (!hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, kid, kid_len, salt_v1, sizeof salt_v1, NULL, 0, initial, 32) ||
        !expand_label(initial, server ? "server in" : "client in", secret, 32) ||
        !expand_label(secret, "quic key", k.key, 16) || !expand_label(secret, "quic iv", k.iv, 12) ||
        !expand_label(secret, "quic hp", k.hp, 16))
        return NULL;
    memcpy(k.kid, kid, kid_len);
    k.kid_len = kid_len;
    k.server = (uint8_t)server;
    k.ok = 1;
    return &k;
}

static int cipher(const EVP_CIPHER *alg, const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0, ok = x && EVP_EncryptInit_ex(x, alg, NULL, key, iv) == 1;
    if (ok && !tag)
        EVP_CIPHER_CTX_set_padding(x, 0);
    if (ok && aad_len)
        ok = EVP_EncryptUpdate(x, NULL, &l, aad, (int)aad_len) == 1;
    if (ok && n)
        ok = EVP_EncryptUpdate(x, out, &l, in, (int)n) == 1;
    if (ok)
        ok = EVP_EncryptFinal_ex(x, out + l, &l) == 1;
    if (ok && tag)
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok;
}

#define SEAL_MAX 1500 /* plaintext kept of one sealed packet */

/* Append to out[*len..] the Initial the op at the cursor describes;
 * 0 if the op is cut short. */
static int seal_initial(struct tsc_cursor *c, uint8_t *out, size_t *len, size_t room)
{
    uint8_t flags = 0, kl = 0, dl = 0, sl = 0, pn = 0;
    struct tsc_view kid, dcid, scid;
    if (!tsc_is_ok(tsc_cursor_u8(c, &flags)) || !tsc_is_ok(tsc_cursor_u8(c, &kl)) || kl > 20 ||
        !tsc_is_ok(tsc_cursor_bytes(c, kl, &kid)) || !tsc_is_ok(tsc_cursor_u8(c, &dl)) || dl > 20 ||
        !tsc_is_ok(tsc_cursor_bytes(c, dl, &dcid)) || !tsc_is_ok(tsc_cursor_u8(c, &sl)) || sl > 20 ||
        !tsc_is_ok(tsc_cursor_bytes(c, sl, &scid)) || !tsc_is_ok(tsc_cursor_u8(c, &pn)))
        return 0;
    const struct ikeys *k = initial_keys(kid.p, kl, flags & 1);
    if (!k)
        return 0;
    uint8_t plain[SEAL_MAX];
    size_t n = tsc_cursor_left(c) < SEAL_MAX ? tsc_cursor_left(c) : SEAL_MAX;
    struct tsc_view body;
    (void)tsc_cursor_bytes(c, n, &body);
    if (n)
        memcpy(plain, body.p, n);
    while (n < 20)
        plain[n++] = 0; /* PADDING: the header protection sample needs 16 bytes past the packet number + 4 */
    uint8_t h[64];
    size_t hl = 0;
    h[hl++] = 0xc3; /* long header, Initial, a 4-byte packet number */
    h[hl++] = 0, h[hl++] = 0, h[hl++] = 0, h[hl++] = 1;
    h[hl++] = dl;
    memcpy(h + hl, dcid.p, dl);
    hl += dl;
    h[hl++] = sl;
    memcpy(h + hl, scid.p, sl);
    hl += sl;
    h[hl++] = 0; /* no token */
    size_t plen = 4 + n + 16;
    h[hl++] = (uint8_t)(0x40 | plen >> 8);
    h[hl++] = (uint8_t)plen;
    size_t pn_off = hl;
    h[hl++] = 0, h[hl++] = 0, h[hl++] = 0, h[hl++] = pn;
    if (hl + n + 16 > room - *len)
        return 0;
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    nonce[11] ^= pn;
    uint8_t *p = out + *len;
    memcpy(p, h, hl);
    if (!cipher(EVP_aes_128_gcm(), k->key, nonce, h, hl, plain, n, p + hl, p + hl + n))
        return 0;
    uint8_t mask[16];
    if (!cipher(EVP_aes_128_ecb(), k->hp, NULL, NULL, 0, p + pn_off + 4, 16, mask, NULL))
        return 0;
    p[0] ^= mask[0] & 0x0f;
    for (int i = 0; i < 4; i++)
        p[pn_off + i] ^= mask[1 + i];
    *len += hl + n + 16;
    return 1;
}

/* ------------------------------------------------------------ the run */

struct run {
    struct tsc_session_ctx sc;
    const struct tsc_sink *sink;
    int live;
    struct tsc_conn *c;
    uint64_t seq;
};

static void conn_open(struct run *r, int side, int server_sent, int64_t ts)
{
    static const struct tsc_endpoint a = {4, {10, 0, 0, 1}, 40000}, b = {4, {10, 0, 0, 2}, 443};
    r->c = tsc_conn_new(++r->seq, &a, &b, ts);
    if (!r->c)
        return;
    r->c->transport = TSC_TRANSPORT_QUIC;
    tsc_conn_set_client_side(r->c, side ^ server_sent, 1);
}

/* End the connection as the pipeline does: closed, then shown if it is
 * TLS and live capture has not shown it, else dropped. */
static void conn_end(struct run *r, int64_t ts)
{
    struct tsc_conn *c = r->c;
    if (!c)
        return;
    tsc_session_close(&r->sc, c, ts);
    if (c->is_tls && !c->reported)
        r->sink->emit(r->sink->ctx, c, r->seq);
    else
        r->sink->discard(r->sink->ctx, c);
    tsc_conn_free(c);
    r->c = NULL;
}

static void datagram(struct run *r, int side, const uint8_t *p, size_t n, size_t wire, int64_t ts)
{
    if (r->c && r->c->is_tls && tsc_session_datagram_starts_new(r->c, p, n)) {
        conn_end(r, ts);
        if (r->seq >= MAX_CONNS)
            return;
    }
    if (!r->c) {
        int server_sent = 0;
        if (r->seq >= MAX_CONNS || !tsc_quic_datagram_starts(p, n, &server_sent))
            return;
        conn_open(r, side, server_sent, ts);
        if (!r->c)
            return;
    }
    tsc_session_datagram(&r->sc, r->c, side, p, n, wire, ts);
    if (r->live && !r->c->reported && (r->c->complete || r->c->ended)) {
        /* live: shown as soon as its handshake is done or it ended (the
         * pipeline's live_report, flow_tls.c's complete and release) */
        r->sink->emit(r->sink->ctx, r->c, r->seq);
        r->c->reported = 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (size < 1 || !devnull)
        return 0;
    uint8_t cfg = data[0];
    struct tsc_cursor cur = tsc_cursor_make(data + 1, size - 1);
    struct tsc_keylog *kl = NULL;
    struct tsc_decrypt_cfg dc;
    memset(&dc, 0, sizeof dc);
    if (cfg & (2 | 16)) {
        kl = tsc_keylog_new();
        if (!kl)
            return 0;
        if (cfg & 16)
            (void)tsc_keylog_parse(kl, (const uint8_t *)fixed_keys, sizeof fixed_keys - 1);
        if (cfg & 2) {
            uint16_t len = 0;
            struct tsc_view v = {NULL, 0};
            if (!tsc_is_ok(tsc_cursor_u16(&cur, &len)) || !tsc_is_ok(tsc_cursor_bytes(&cur, len, &v))) {
                tsc_keylog_free(kl);
                return 0;
            }
            (void)tsc_keylog_parse(kl, v.p, v.len);
        }
        (void)tsc_keylog_parse_end(kl);
        dc.keylog = kl;
        dc.app_data_events = (cfg & 4) != 0;
    }
    struct tsc_report_opts ro = {tsc_fuzz_format((unsigned)cfg >> 5), 0, 1, cfg & 4 ? 64 : 0, NULL, NULL};
    char rerr[256];
    struct tsc_report *rep = tsc_report_new(&ro, devnull, rerr, sizeof rerr);
    if (!rep) {
        tsc_keylog_free(kl);
        return 0;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.sink = tsc_report_sink(rep);
    r.live = (cfg & 8) != 0;
    struct tsc_limits lim = {1 << 14, 64, 8 << 20, 0};
    if (!tsc_is_ok(tsc_session_ctx_init(&r.sc, r.sink, &lim))) {
        tsc_report_free(rep);
        tsc_keylog_free(kl);
        return 0;
    }
    if (kl)
        tsc_session_set_decrypt(&r.sc, &dc);
    int64_t ts = 1;
    static uint8_t sealed[2 * (SEAL_MAX + 128)];
    size_t sealed_len = 0;
    while (tsc_cursor_left(&cur) >= 3) {
        uint8_t ctl = 0;
        uint16_t len = 0;
        (void)tsc_cursor_u8(&cur, &ctl);
        (void)tsc_cursor_u16(&cur, &len);
        size_t n = len < tsc_cursor_left(&cur) ? len : tsc_cursor_left(&cur);
        struct tsc_view v = {NULL, 0};
        (void)tsc_cursor_bytes(&cur, n, &v);
        if (ctl & 0x80) {
            struct tsc_cursor op = tsc_cursor_make(v.p, v.len);
            uint8_t flags = v.len ? v.p[0] : 0;
            if (!seal_initial(&op, sealed, &sealed_len, sizeof sealed))
                sealed_len = 0;
            else if (!(flags & 2) || sealed_len > SEAL_MAX) {
                ts += 1000;
                datagram(&r, ctl & 1, sealed, sealed_len, sealed_len, ts);
                sealed_len = 0;
            }
            continue;
        }
        size_t wire = (ctl & 2) ? v.len + 1 + ((ctl >> 2) & 31) : v.len;
        ts += 1000;
        datagram(&r, ctl & 1, v.p, v.len, wire, ts); /* empty ones too, as the pipeline does */
    }
    conn_end(&r, ts);
    tsc_session_ctx_free(&r.sc);
    (void)tsc_report_flush(rep);
    tsc_report_free(rep);
    tsc_keylog_free(kl);
    return 0;
}
