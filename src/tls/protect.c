/*
 * protect.c - record protection, the stage between framing and the
 * handshake layer: which secrets a connection needs and when, the record
 * states per direction, and opening protected records. A protected record
 * comes in with its header (tsc_rec_in); what it holds goes on to
 * tsc_sess_deliver as (inner type, plaintext), marked decrypted. The
 * cryptography (key schedules, nonces, AEAD/CBC/stream openers) is
 * src/crypto's; see session_int.h and docs/architecture.md, "Decryption".
 *
 * DTLS records come lost, repeated and out of order, each with its own
 * epoch and sequence number: keys are kept per epoch (not switched at the
 * ChangeCipherSpec or the Finished), each record opens with its own
 * numbers, and a copy of a record already opened is dropped as a
 * receiver's replay window would drop it (RFC 6347 4.1.2.6, RFC 9147 4.5.1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/decrypt.h"
#include "crypto/keylog.h"
#include "registry/registry.h"
#include "tls/session_int.h"

/* Sequence numbers tried after a hole that lost whole records. */
#define RESYNC_TRIES 256
/* ... and at most this many in all per direction: a capture full of holes
 * costs bounded work (each try is a whole record's decryption) */
#define RESYNC_BUDGET 1024

/* A decompressed record: at most 2^14 bytes (RFC 5246 6.2.2), and room. */
#define DEC_ZOUT ((size_t)16384 + 1024)

/* Master secrets of earlier connections, for the ones that resume them. */
#define SESS_CACHE_N 1024
struct tsc_sess_cache_entry {
    uint8_t kind; /* 0 empty, 1 session id, 2 ticket (SHA-256 of it) */
    uint8_t id_len;
    uint8_t id[32];
    uint8_t master[48];
};
struct tsc_sess_cache {
    struct tsc_sess_cache_entry e[SESS_CACHE_N];
    unsigned next;
};

/* DTLS: the record state of one epoch in one direction, and the replay
 * window of what it opened. */
struct dtls_epoch {
    struct tsc_rec_cipher *c; /* NULL: the slot is free */
    uint64_t epoch;
    uint64_t top;  /* one past the highest sequence number opened (0: none yet) */
    uint64_t seen; /* bit i: sequence number top - 1 - i opened */
};

/* Epochs kept per direction: DTLS 1.3's handshake epoch and two
 * application epochs around a KeyUpdate; DTLS 1.2's one before and after a
 * renegotiation. */
#define DTLS_EPOCHS 3

/* DTLS 1.3 epochs past the last application secret derived that one
 * record may ask for (a KeyUpdate or two lost) */
#define DTLS13_UPDATES_AHEAD 4

struct tsc_dtls_keys {
    struct dtls_epoch ep[2][DTLS_EPOCHS];
    uint64_t hi[2];             /* DTLS 1.3: the highest epoch that opened a record, per direction */
    uint64_t app_epoch[2];      /* DTLS 1.3: the epoch of app_secret (0: not looked up yet) */
    uint8_t app_secret[2][48];
    uint8_t app_len[2];
};

/* Per-connection keys and record states. */
struct tsc_conn_dec {
    struct tsc_rec_cipher *cur[2];  /* protects the records now arriving in each direction */
    struct tsc_rec_cipher *next[2]; /* TLS <= 1.2: switched on at ChangeCipherSpec */
    uint8_t cr[32], sr[32];
    uint8_t have_cr, have_sr;
    uint8_t master[48];
    uint8_t have_master;
    uint8_t next_ready;   /* next[] derived for the current hellos (or tried and failed) */
    uint8_t sh_sid_len;
    uint8_t sh_sid[32];
    uint8_t ch_ticket[32];
    uint8_t have_ch_ticket;
    uint8_t nst_ticket[32];
    uint8_t have_nst;
    uint8_t etm;          /* the server agreed to encrypt_then_mac */
    uint8_t compression;  /* the compression method of the latest ServerHello (1: DEFLATE) */
    uint8_t ems;          /* the latest ServerHello agreed to the extended master secret */
    uint16_t version, suite; /* of the latest ServerHello: a renegotiation may choose others */
    struct tsc_inflate *zin[2]; /* DEFLATE state per direction, from its ChangeCipherSpec */
    uint8_t to_app[2];    /* TLS 1.3: switch to the application keys after this record */
    uint8_t hs_pending[2]; /* TLS 1.3: look the handshake secret up at the direction's first encrypted record */
    uint8_t app_pending[2]; /* TLS 1.3: look this direction's application secret up at its next record */
    uint8_t update[2];    /* TLS 1.3: KeyUpdate after this record */
    uint8_t transcript_done;
    uint8_t waits;        /* keys_missing calls so far */
    uint8_t resync[2];    /* a hole lost whole records: the sequence number is to be found again */
    uint16_t resync_budget[2]; /* sequence numbers still to try after holes (bounds the work) */
    uint8_t z_broken[2];  /* the compression stream lost bytes: nothing after can be decompressed */
    uint8_t cur_ok[2];    /* cur[] opened a record (TLS 1.3: until then a failure does not use up a number) */
    /* TLS 1.3 0-RTT: the client's records after its ClientHello are early
     * data until EndOfEarlyData, or until one opens with the handshake key
     * (the server refused them). The early key's suite is the resumed
     * session's, unknown from the capture: each offered suite whose hash
     * fits the secret is tried on the first record. */
    uint8_t early_on, early_secret_len, n_early_suites, early_end;
    uint8_t early_secret[48];
    uint16_t early_suites[5];
    struct tsc_rec_cipher *early;
    struct tsc_dtls_keys *dtls; /* DTLS: record states by epoch (DTLS connections only) */
    struct tsc_buf transcript; /* handshake messages up to ClientKeyExchange (RSA key + EMS) */
    uint16_t cke_len;
    uint8_t cke[1040];         /* RSA ClientKeyExchange body: up to 8192-bit keys and the length */
};

void tsc_session_set_decrypt(struct tsc_session_ctx *sc, const struct tsc_decrypt_cfg *cfg)
{
    sc->dec = cfg;
    if (cfg && !sc->dec_out)
        sc->dec_out = malloc(65536 + 64);
    if (cfg && !sc->dec_zout)
        sc->dec_zout = malloc(DEC_ZOUT);
    if (cfg && !sc->sess_cache)
        sc->sess_cache = calloc(1, sizeof *sc->sess_cache);
    if (!sc->dec_out || !sc->dec_zout || !sc->sess_cache)
        sc->dec = NULL; /* out of memory: read without decrypting */
}

void tsc_dec_free(struct tsc_conn *c)
{
    struct tsc_conn_dec *k = c->decp;
    if (!k)
        return;
    for (int d = 0; d < 2; d++) {
        tsc_rec_cipher_free(k->cur[d]);
        tsc_rec_cipher_free(k->next[d]);
    }
    tsc_rec_cipher_free(k->early);
    if (k->dtls) {
        for (int d = 0; d < 2; d++)
            for (int i = 0; i < DTLS_EPOCHS; i++)
                tsc_rec_cipher_free(k->dtls->ep[d][i].c);
        tsc_wipe(k->dtls, sizeof *k->dtls);
        free(k->dtls);
    }
    tsc_inflate_free(k->zin[0]);
    tsc_inflate_free(k->zin[1]);
    tsc_buf_free(&k->transcript);
    memset(k, 0, sizeof *k);
    free(k);
    c->decp = NULL;
}

static struct tsc_conn_dec *dec_of(struct tsc_session_ctx *sc, struct tsc_conn *c)
{
    if (!sc->dec || !c->dec.enabled)
        return NULL;
    if (!c->decp) {
        c->decp = calloc(1, sizeof *c->decp);
        if (c->decp && sc->dec->rsa)
            tsc_buf_init(&c->decp->transcript, sc->lim.flow_buf_max);
        if (c->decp)
            c->decp->resync_budget[0] = c->decp->resync_budget[1] = RESYNC_BUDGET;

    }
    return c->decp;
}

/* The client random keys are found by: from the ClientHello as decryption
 * read it, or, when the keys came after it was read (a secrets block
 * between the ClientHello and the ServerHello), the one the session kept. */
static int client_random_known(const struct tsc_conn *c, struct tsc_conn_dec *k)
{
    if (!k->have_cr && c->have_ch_random) {
        memcpy(k->cr, c->ch_random, 32);
        k->have_cr = 1;
    }
    return k->have_cr;
}

static void dec_note(struct tsc_conn *c, const char *why)
{
    if (!c->dec.note)
        c->dec.note = why; /* said once per connection */
}

const char *tsc_decrypt_status(const struct tsc_conn *c)
{
    const struct tsc_decrypt_info *d = &c->dec;
    uint64_t ok = d->ok[0] + d->ok[1], bad = d->failed[0] + d->failed[1], opaque = d->opaque[0] + d->opaque[1];
    if (ok && !bad && !opaque)
        return "decrypted";
    if (ok)
        return "partial";
    if (bad)
        return "failed";
    if (opaque)
        return d->unsupported ? "unsupported" : "no_keys";
    return "not_encrypted";
}

static void cache_put(struct tsc_session_ctx *sc, uint8_t kind, const uint8_t *id, size_t n, const uint8_t m[48])
{
    struct tsc_sess_cache *sk = sc->sess_cache;
    if (!sk || n == 0 || n > 32)
        return;
    struct tsc_sess_cache_entry *e = &sk->e[sk->next++ % SESS_CACHE_N];
    e->kind = kind;
    e->id_len = (uint8_t)n;
    memcpy(e->id, id, n);
    memcpy(e->master, m, 48);
}

static const uint8_t *cache_get(const struct tsc_session_ctx *sc, uint8_t kind, const uint8_t *id, size_t n)
{
    const struct tsc_sess_cache *sk = sc->sess_cache;
    if (!sk || n == 0)
        return NULL;
    /* newest first */
    for (unsigned i = 0; i < SESS_CACHE_N; i++) {
        const struct tsc_sess_cache_entry *e = &sk->e[(sk->next - 1 - i) % SESS_CACHE_N];
        if (e->kind == kind && e->id_len == n && memcmp(e->id, id, n) == 0)
            return e->master;
    }
    return NULL;
}

void tsc_dec_remember(struct tsc_session_ctx *sc, struct tsc_conn *c)
{
    struct tsc_conn_dec *k = c->decp;
    if (!k || !k->have_master)
        return;
    if (k->sh_sid_len)
        cache_put(sc, 1, k->sh_sid, k->sh_sid_len, k->master);
    if (k->have_nst) {
        cache_put(sc, 2, k->nst_ticket, 32, k->master);
        k->have_nst = 0;
    }
}

/* A secret from the key log; a live key log gets a few chances per
 * connection to catch up (the peer writes its lines as the packets pass). */
static size_t key_get(struct tsc_session_ctx *sc, struct tsc_conn *c, enum tsc_kl_label label, const uint8_t **s)
{
    struct tsc_conn_dec *k = c->decp;
    size_t n = tsc_keylog_get(sc->dec->keylog, label, k->cr, s);
    if (!n && sc->dec->keylog && sc->dec->keys_missing && k->waits < 8) {
        k->waits++;
        if (sc->dec->keys_missing(sc->dec->keys_missing_arg, (int)label, k->cr))
            n = tsc_keylog_get(sc->dec->keylog, label, k->cr, s);
    }
    return n;
}

size_t tsc_dec_secret(struct tsc_session_ctx *sc, struct tsc_conn *c, int label, const uint8_t **s)
{
    struct tsc_conn_dec *k = dec_of(sc, c);
    if (!k)
        return 0;
    if (!client_random_known(c, k)) {
        dec_note(c, "the ClientHello was not seen: no client random to find keys by");
        return 0;
    }
    size_t n = key_get(sc, c, (enum tsc_kl_label)label, s);
    if (n)
        c->dec.keys = TSC_KEYS_KEYLOG;
    else if (tsc_keylog_has_random(sc->dec->keylog, k->cr))
        dec_note(c, "the key log has no TLS 1.3 traffic secrets for this connection's client random");
    else
        dec_note(c, "no key log entry for this connection's client random");
    return n;
}

void tsc_dec_note(struct tsc_conn *c, const char *why) { dec_note(c, why); }

/* TLS 1.3, after the server's or the client's Finished: the application keys. */
static void dec_tls13_app_keys(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir)
{
    struct tsc_conn_dec *k = c->decp;
    const uint8_t *s;
    size_t n = key_get(sc, c, dir == TSC_C2S ? TSC_KL_CLIENT_AP0 : TSC_KL_SERVER_AP0, &s);
    tsc_rec_cipher_free(k->cur[dir]);
    k->cur[dir] = NULL;
    k->cur_ok[dir] = 0;
    if (!n) {
        dec_note(c, "the key log has no application traffic secret for this connection");
        return;
    }
    tsc_result r = tsc_rec_cipher_tls13(c->suite, s, n, &k->cur[dir]);
    if (!tsc_is_ok(r))
        dec_note(c, r.why);
}

/* TLS 1.3, at a direction's first encrypted record: its handshake traffic key. */
static void dec_tls13_keys(struct tsc_session_ctx *sc, struct tsc_conn *c, int d)
{
    struct tsc_conn_dec *k = c->decp;
    const char *why;
    if (!client_random_known(c, k)) {
        dec_note(c, "the ClientHello was not seen: no client random to find keys by");
        return;
    }
    if (c->version != TSC_TLS13 || !tsc_decrypt_supported(TSC_TLS13, c->suite, &why)) {
        dec_note(c, c->version != TSC_TLS13 ? "TLS 1.3 drafts are not supported for decryption" : why);
        c->dec.unsupported = 1;
        return;
    }
    const uint8_t *s;
    size_t n = key_get(sc, c, d == TSC_C2S ? TSC_KL_CLIENT_HS : TSC_KL_SERVER_HS, &s);
    if (n) {
        tsc_rec_cipher_free(k->cur[d]);
        k->cur[d] = NULL;
        k->cur_ok[d] = 0;
        tsc_result r = tsc_rec_cipher_tls13(c->suite, s, n, &k->cur[d]);
        if (!tsc_is_ok(r))
            dec_note(c, r.why);
    }
    if (n)
        c->dec.keys = TSC_KEYS_KEYLOG;
    else if (tsc_keylog_has_random(sc->dec->keylog, k->cr))
        dec_note(c, "the key log has no TLS 1.3 traffic secrets for this connection's client random");
    else
        dec_note(c, "no key log entry for this connection's client random");
}

/* TLS <= 1.2, at the first ChangeCipherSpec of a handshake: both directions' keys. */
static void dec_tls12_keys(struct tsc_session_ctx *sc, struct tsc_conn *c)
{
    struct tsc_conn_dec *k = c->decp;
    const char *why;
    k->next_ready = 1;
    if (!client_random_known(c, k) || !k->have_sr || !k->version) {
        dec_note(c, "the hellos were not seen: no randoms to derive keys from");
        return;
    }
    if (!tsc_decrypt_supported(k->version, k->suite, &why)) {
        dec_note(c, why);
        c->dec.unsupported = 1;
        return;
    }
    if (!k->have_master) {
        const uint8_t *s = NULL, *m = NULL;
        uint8_t pms[48];
        if (key_get(sc, c, TSC_KL_CLIENT_RANDOM, &s) == 48) {
            memcpy(k->master, s, 48);
            c->dec.keys = TSC_KEYS_KEYLOG;
        } else if (k->cke_len && tsc_rsa_decrypt_pms(sc->dec->rsa, k->version, k->cke, k->cke_len, pms)) {
            uint8_t h[64];
            size_t hl = 0;
            tsc_result r = tsc_ok();
            if (k->ems)
                r = tsc_session_hash(k->version, k->suite, k->transcript.data, k->transcript.len, h, &hl);
            if (tsc_is_ok(r))
                r = tsc_master_secret(k->version, k->suite, pms, 48, k->cr, k->sr, h, hl, k->master);
            memset(pms, 0, sizeof pms);
            if (!tsc_is_ok(r)) {
                dec_note(c, r.why);
                return;
            }
            c->dec.keys = TSC_KEYS_RSA;
        } else if (!k->cke_len && (((m = cache_get(sc, 1, k->sh_sid, k->sh_sid_len)) != NULL) ||
                                   (k->have_ch_ticket && (m = cache_get(sc, 2, k->ch_ticket, 32)) != NULL))) {
            /* no key exchange in this handshake: it resumed a session seen before */
            memcpy(k->master, m, 48);
            c->dec.keys = TSC_KEYS_RESUMED;
        } else {
            if (sc->dec->keylog && tsc_keylog_has_random(sc->dec->keylog, k->cr))
                dec_note(c, "the key log has no CLIENT_RANDOM line for this connection's client random");
            else if (sc->dec->rsa && k->cke_len)
                dec_note(c, "no key log entry, and no RSA key given decrypts the ClientKeyExchange");
            else if (sc->dec->rsa && !sc->dec->keylog)
                dec_note(c, "no RSA key exchange to decrypt (an RSA key only helps static-RSA suites) and no key log");
            else
                dec_note(c, "no key log entry for this connection's client random");
            return;
        }
        k->have_master = 1;
    }
    struct tsc_rec_cipher *nx[2];
    tsc_result r = tsc_rec_cipher_tls12(k->version, k->suite, k->etm, k->master, k->cr, k->sr, nx);
    if (!tsc_is_ok(r)) {
        dec_note(c, r.why);
        return;
    }
    for (int d = 0; d < 2; d++) {
        tsc_rec_cipher_free(k->next[d]);
        k->next[d] = nx[d];
    }
    tsc_dec_remember(sc, c);
}

void tsc_dec_on_ccs(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir)
{
    struct tsc_conn_dec *k = dec_of(sc, c);
    if (!k || tsc_sess_tls13(c) || !k->have_sr)
        return; /* before any ServerHello: TLS 1.3's middlebox ChangeCipherSpec */
    if (c->transport == TSC_TRANSPORT_DTLS)
        return; /* DTLS records say their epoch: a reordered Finished may come before the CCS */
    if (!k->next_ready)
        dec_tls12_keys(sc, c);
    tsc_rec_cipher_free(k->cur[dir]);
    k->cur[dir] = k->next[dir];
    k->next[dir] = NULL;
    /* a new connection state starts a new compression stream */
    tsc_inflate_free(k->zin[dir]);
    k->zin[dir] = NULL;
    k->z_broken[dir] = 0;
    if (k->compression == 1 && k->cur[dir]) {
        k->zin[dir] = tsc_inflate_new();
        if (!k->zin[dir]) {
            dec_note(c, "out of memory for decompression");
            tsc_rec_cipher_free(k->cur[dir]);
            k->cur[dir] = NULL;
        }
    } else if (k->compression && k->cur[dir]) {
        dec_note(c, "records are compressed with a method other than DEFLATE");
        c->dec.unsupported = 1;
        tsc_rec_cipher_free(k->cur[dir]);
        k->cur[dir] = NULL;
    }
}

/* The ClientHello offers early data: keep the early secret and the suites it may go with. */
static void dec_early_setup(struct tsc_session_ctx *sc, struct tsc_conn *c, const struct tsc_client_hello *ch)
{
    struct tsc_conn_dec *k = c->decp;
    const uint8_t *s;
    size_t n = key_get(sc, c, TSC_KL_CLIENT_EARLY, &s);
    if (!n || n > sizeof k->early_secret)
        return;
    size_t ns = tsc_client_hello_n_suites(ch);
    k->n_early_suites = 0;
    for (size_t i = 0; i < ns && k->n_early_suites < 5; i++) {
        uint32_t code = tsc_client_hello_suite_at(ch, i);
        if (code <= 0xffff && tsc_tls13_hash_len((uint16_t)code) == n)
            k->early_suites[k->n_early_suites++] = (uint16_t)code;
    }
    if (!k->n_early_suites)
        return;
    memcpy(k->early_secret, s, n);
    k->early_secret_len = (uint8_t)n;
    k->early_on = 1;
}

/* Open a client record while early data may still flow: the early key
 * (found by trying the candidate suites once), else the handshake key. */
static tsc_result early_open(struct tsc_conn_dec *k, const struct tsc_rec_in *rec, const uint8_t *in, size_t n,
                             uint8_t *out, size_t *off, size_t *len, uint8_t *inner)
{
    tsc_result r = TSC_MALFORMED_ERR("no early data key");
    if (k->early) {
        r = tsc_rec_open(k->early, rec->type, rec->version, in, n, out, off, len, inner);
    } else {
        for (unsigned i = 0; i < k->n_early_suites && !k->early; i++) {
            struct tsc_rec_cipher *e = NULL;
            if (!tsc_is_ok(tsc_rec_cipher_tls13(k->early_suites[i], k->early_secret, k->early_secret_len, &e)))
                continue;
            r = tsc_rec_open(e, rec->type, rec->version, in, n, out, off, len, inner);
            if (tsc_is_ok(r))
                k->early = e;
            else
                tsc_rec_cipher_free(e);
        }
    }
    if (tsc_is_ok(r))
        return r;
    if (!k->cur[TSC_C2S])
        return r;
    /* not early data (any more): the server refused it, or it has ended */
    k->early_on = 0;
    return tsc_rec_open(k->cur[TSC_C2S], rec->type, rec->version, in, n, out, off, len, inner);
}

/* Every handshake message, plaintext or decrypted: what keys need. */
void tsc_dec_on_message(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint8_t type,
                        struct tsc_view body, const struct tsc_hs_msg *m, int ok, int decrypted)
{
    struct tsc_conn_dec *k = dec_of(sc, c);
    if (!k)
        return;
    /* DTLS: the ClientHello that answers a HelloVerifyRequest is the one
     * the keys come from (it should repeat the first one's random; early
     * OpenSSL did not) */
    int dtls_retry = c->transport == TSC_TRANSPORT_DTLS && !k->have_sr;
    if (m->type == TSC_HS_CLIENT_HELLO && ok && (!k->have_cr || decrypted || dtls_retry)) {
        /* a new handshake (the first, or a renegotiation): its own key exchange and transcript */
        k->cke_len = 0;
        k->transcript_done = 0;
        tsc_buf_reset(&k->transcript);
    }
    if (sc->dec->rsa && !k->transcript_done) {
        uint8_t h[12] = {type, (uint8_t)(body.len >> 16), (uint8_t)(body.len >> 8), (uint8_t)body.len};
        size_t hl = 4;
        if (c->transport == TSC_TRANSPORT_DTLS) {
            /* DTLS hashes each message as one fragment with its 12-byte
             * header (RFC 6347 4.2.6); the assembler hands messages on in
             * message_seq order and has counted this one already */
            uint16_t mseq = (uint16_t)(tsc_asm_next(&c->dir[dir].hs) - 1);
            h[4] = (uint8_t)(mseq >> 8);
            h[5] = (uint8_t)mseq;
            memset(h + 6, 0, 3);
            memcpy(h + 9, h + 1, 3);
            hl = 12;
        }
        if (!tsc_is_ok(tsc_buf_append(&k->transcript, h, hl)) ||
            !tsc_is_ok(tsc_buf_append(&k->transcript, body.p, body.len)))
            k->transcript_done = 1; /* too long: no extended master secret from it */
    }
    if (!ok)
        return;
    switch (m->type) {
    case TSC_HS_CLIENT_HELLO:
        if ((m->u.ch.sslv2 ? m->u.ch.random.len >= 16 && m->u.ch.random.len <= 32 : m->u.ch.random.len == 32) &&
            (!k->have_cr || decrypted || dtls_retry)) {
            /* an SSLv2-format hello's challenge is the random, right-aligned (RFC 5246 E.2) */
            memset(k->cr, 0, 32);
            memcpy(k->cr + 32 - m->u.ch.random.len, m->u.ch.random.p, m->u.ch.random.len);
            k->have_cr = 1;
            k->next_ready = 0;
            k->have_master = 0;
            const struct tsc_ext *e = tsc_ext_find(&m->u.ch.ext, TSC_EXT_SESSION_TICKET);
            k->have_ch_ticket = e && e->data.len > 0;
            if (k->have_ch_ticket)
                tsc_sha256(e->data.p, e->data.len, k->ch_ticket);
            if (!decrypted && tsc_ext_find(&m->u.ch.ext, TSC_EXT_EARLY_DATA) && sc->dec->keylog)
                dec_early_setup(sc, c, &m->u.ch);
        }
        break;
    case TSC_HS_SERVER_HELLO:
        if (m->u.sh.random.len == 32 && (!k->have_sr || decrypted)) {
            memcpy(k->sr, m->u.sh.random.p, 32);
            k->have_sr = 1;
            k->next_ready = 0;
            k->sh_sid_len = m->u.sh.session_id.len <= 32 ? (uint8_t)m->u.sh.session_id.len : 0;
            if (k->sh_sid_len)
                memcpy(k->sh_sid, m->u.sh.session_id.p, k->sh_sid_len);
            k->etm = tsc_ext_find(&m->u.sh.ext, TSC_EXT_ENCRYPT_THEN_MAC) != NULL;
            k->compression = m->u.sh.compression;
            k->ems = tsc_ext_find(&m->u.sh.ext, TSC_EXT_EXTENDED_MASTER_SECRET) != NULL;
            k->version = tsc_server_hello_version(&m->u.sh);
            k->suite = m->u.sh.cipher_suite;
            if (tsc_sess_tls13(c))
                k->hs_pending[0] = k->hs_pending[1] = 1; /* looked up when needed: a live key log, or OpenSSL's own, may not have it yet */
        }
        break;
    case TSC_HS_CLIENT_KEY_EXCHANGE:
        k->transcript_done = 1;
        if (sc->dec->rsa && body.len && body.len <= sizeof k->cke) {
            memcpy(k->cke, body.p, body.len);
            k->cke_len = (uint16_t)body.len;
        }
        break;
    case TSC_HS_NEW_SESSION_TICKET:
        if (!tsc_sess_tls13(c) && m->u.nst.ticket.len) {
            tsc_sha256(m->u.nst.ticket.p, m->u.nst.ticket.len, k->nst_ticket);
            k->have_nst = 1;
            tsc_dec_remember(sc, c);
        }
        break;
    case TSC_HS_FINISHED:
        if (decrypted && tsc_sess_tls13(c))
            k->to_app[dir] = 1;
        if (decrypted && c->finished_seen[TSC_C2S] && c->finished_seen[TSC_S2C])
            c->complete = 1;
        break;
    case TSC_HS_KEY_UPDATE:
        if (decrypted && tsc_sess_tls13(c))
            k->update[dir] = 1;
        break;
    case TSC_HS_END_OF_EARLY_DATA:
        if (decrypted && dir == TSC_C2S)
            k->early_end = 1;
        break;
    default:
        break;
    }
}

/* Secrets looked up late, at the record that needs them (a live key log, or
 * a peer's own, is written as the handshake proceeds). */
static void dec_prepare(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r)
{
    struct tsc_conn_dec *k = c->decp;
    if (!k || !tsc_sess_tls13(c) || !c->saw_server_hello || r->type != TSC_CT_APPLICATION_DATA)
        return;
    if (k->hs_pending[dir]) {
        k->hs_pending[dir] = 0;
        dec_tls13_keys(sc, c, dir);
    }
    if (k->app_pending[dir]) {
        k->app_pending[dir] = 0;
        dec_tls13_app_keys(sc, c, dir);
    }
}

/* ------------------------------------------------------------ DTLS */

static struct dtls_epoch *dtls_find(struct tsc_dtls_keys *d, int dir, uint64_t epoch)
{
    for (int i = 0; i < DTLS_EPOCHS; i++)
        if (d->ep[dir][i].c && d->ep[dir][i].epoch == epoch)
            return &d->ep[dir][i];
    return NULL;
}

/* The highest epoch with a state in this direction, 0 if none. */
static uint64_t dtls_top_epoch(const struct tsc_dtls_keys *d, int dir)
{
    uint64_t top = 0;
    for (int i = 0; i < DTLS_EPOCHS; i++)
        if (d->ep[dir][i].c && d->ep[dir][i].epoch > top)
            top = d->ep[dir][i].epoch;
    return top;
}

/* Keep `cs` as the state of `epoch` (taking it), in place of the oldest. */
static struct dtls_epoch *dtls_keep(struct tsc_dtls_keys *d, int dir, uint64_t epoch, struct tsc_rec_cipher *cs)
{
    struct dtls_epoch *e = &d->ep[dir][0];
    for (int i = 1; i < DTLS_EPOCHS && e->c; i++)
        if (!d->ep[dir][i].c || d->ep[dir][i].epoch < e->epoch)
            e = &d->ep[dir][i];
    tsc_rec_cipher_free(e->c);
    memset(e, 0, sizeof *e);
    e->c = cs;
    e->epoch = epoch;
    return e;
}

/* The replay window: was this sequence number opened already? Numbers
 * older than the window are not known, and are read. */
static int dtls_seen(const struct dtls_epoch *e, uint64_t seq)
{
    if (seq >= e->top)
        return 0;
    uint64_t back = e->top - 1 - seq;
    return back < 64 && ((e->seen >> back) & 1);
}

static void dtls_mark(struct dtls_epoch *e, uint64_t seq)
{
    if (seq >= e->top) {
        uint64_t shift = seq + 1 - e->top;
        e->seen = shift >= 64 ? 0 : e->seen << shift;
        e->seen |= 1;
        e->top = seq + 1;
    } else if (e->top - 1 - seq < 64) {
        e->seen |= (uint64_t)1 << (e->top - 1 - seq);
    }
}

/* DTLS 1.0/1.2: the state of the record's epoch. The first record of a
 * new epoch takes the keys of the latest hellos, derived then if they are
 * not yet: the record's epoch says which keys, whichever of the
 * ChangeCipherSpec and the Finished arrived first. */
static struct dtls_epoch *dtls12_state(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir,
                                       const struct tsc_rec_in *r, int derive)
{
    struct tsc_conn_dec *k = c->decp;
    struct tsc_dtls_keys *d = k->dtls;
    struct dtls_epoch *e = dtls_find(d, dir, r->epoch);
    if (e || !derive || r->epoch == 0 || r->epoch != dtls_top_epoch(d, dir) + 1)
        return e; /* known, or not the next epoch (records of a later one cannot be told from noise) */
    if (!k->next_ready)
        dec_tls12_keys(sc, c);
    if (!k->next[dir]) {
        if (r->epoch > 1 && k->have_master)
            dec_note(c, "no keys for a renegotiated epoch: its hellos were not read");
        return NULL;
    }
    if (k->compression) {
        /* a lost record would break the compression stream for good */
        dec_note(c, "compressed DTLS records are not supported");
        c->dec.unsupported = 1;
        return NULL;
    }
    e = dtls_keep(d, dir, r->epoch, k->next[dir]);
    k->next[dir] = NULL;
    return e;
}

/* DTLS 1.3: the secret of a traffic key from the key log, or a note why not. */
static size_t dtls13_secret(struct tsc_session_ctx *sc, struct tsc_conn *c, enum tsc_kl_label label,
                            const uint8_t **s)
{
    struct tsc_conn_dec *k = c->decp;
    const char *why;
    if (!client_random_known(c, k)) {
        dec_note(c, "the ClientHello was not seen: no client random to find keys by");
        return 0;
    }
    if (!tsc_decrypt_supported(TSC_DTLS13, c->suite, &why)) {
        dec_note(c, why);
        c->dec.unsupported = 1;
        return 0;
    }
    size_t n = key_get(sc, c, label, s);
    if (n)
        c->dec.keys = TSC_KEYS_KEYLOG;
    else if (tsc_keylog_has_random(sc->dec->keylog, k->cr))
        dec_note(c, "the key log has no TLS 1.3 traffic secrets for this connection's client random");
    else
        dec_note(c, "no key log entry for this connection's client random");
    return n;
}

/* DTLS 1.3: the state of the record's full epoch (RFC 9147 6.1): 1 early
 * data, 2 the handshake, 3 the first application keys, each later one the
 * next KeyUpdate's. */
static struct dtls_epoch *dtls13_state(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir,
                                       const struct tsc_rec_in *r, int derive)
{
    struct tsc_conn_dec *k = c->decp;
    struct tsc_dtls_keys *d = k->dtls;
    uint64_t epoch = tsc_dtls13_epoch_reconstruct(d->hi[dir], r->epoch);
    struct dtls_epoch *e = dtls_find(d, dir, epoch);
    if (e || !derive || epoch == 0)
        return e;
    uint16_t suite = c->suite;
    const uint8_t *s = NULL;
    uint8_t next[48];
    size_t n = 0;
    if (epoch == 1) {
        /* early data: the resumed session's suite, which the server
         * chooses again if it takes the data; before its ServerHello, the
         * one suite the client offered that fits the secret */
        if (dir != TSC_C2S || !k->early_secret_len)
            return NULL;
        if (!c->have_suite)
            suite = k->n_early_suites == 1 ? k->early_suites[0] : 0;
        if (!suite)
            return NULL;
        s = k->early_secret;
        n = k->early_secret_len;
    } else if (!c->saw_server_hello || !c->have_suite) {
        return NULL;
    } else if (epoch == 2) {
        n = dtls13_secret(sc, c, dir == TSC_C2S ? TSC_KL_CLIENT_HS : TSC_KL_SERVER_HS, &s);
    } else {
        if (!d->app_epoch[dir]) {
            n = dtls13_secret(sc, c, dir == TSC_C2S ? TSC_KL_CLIENT_AP0 : TSC_KL_SERVER_AP0, &s);
            if (!n || n > sizeof d->app_secret[dir])
                return NULL;
            memcpy(d->app_secret[dir], s, n);
            d->app_len[dir] = (uint8_t)n;
            d->app_epoch[dir] = 3;
        }
        /* an epoch whose keys were let go, or one too far ahead to be a KeyUpdate */
        if (epoch < d->app_epoch[dir] || epoch - d->app_epoch[dir] > DTLS13_UPDATES_AHEAD)
            return NULL;
        n = d->app_len[dir];
        for (; d->app_epoch[dir] < epoch; d->app_epoch[dir]++) {
            if (!tsc_is_ok(tsc_traffic_secret_next(suite, &tsc_key_labels_dtls13, d->app_secret[dir], n, next)))
                return NULL;
            memcpy(d->app_secret[dir], next, n);
        }
        tsc_wipe(next, sizeof next);
        s = d->app_secret[dir];
    }
    if (!n)
        return NULL;
    struct tsc_rec_cipher *cs;
    tsc_result res = tsc_rec_cipher_tls13_labels(suite, &tsc_key_labels_dtls13, s, n, &cs);
    if (!tsc_is_ok(res)) {
        dec_note(c, res.why);
        return NULL;
    }
    return dtls_keep(d, dir, epoch, cs);
}

static struct dtls_epoch *dtls_state(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir,
                                     const struct tsc_rec_in *r, int derive)
{
    struct tsc_conn_dec *k = c->decp;
    if (!k->dtls && derive)
        k->dtls = calloc(1, sizeof *k->dtls);
    if (!k->dtls)
        return NULL;
    if (r->unified)
        return dtls13_state(sc, c, dir, r, derive);
    if (tsc_sess_tls13(c))
        return NULL; /* DTLS 1.3 protects records under the unified header only */
    return dtls12_state(sc, c, dir, r, derive);
}

/* A DTLS record body: open it with its epoch's state and its own numbers. */
static void dtls_record(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *rec,
                        const uint8_t *in, size_t n, int64_t ts)
{
    struct tsc_conn_dec *k = c->decp;
    struct dtls_epoch *e = dtls_state(sc, c, dir, rec, 0);
    size_t off = 0, len = 0;
    uint8_t inner = rec->type;
    uint64_t seq = rec->seq;
    tsc_result r;
    if (!e) {
        r = TSC_ERR(TSC_INTERNAL, "no keys for the record's epoch");
    } else if (rec->unified) {
        r = tsc_rec_open_dtls13(e->c, rec->hdr, rec->hdr_len, e->top, in, n, sc->dec_out, &len, &inner, &seq);
    } else {
        if (dtls_seen(e, seq))
            return; /* a copy of a record already read (the network's, or a retransmission's) */
        struct tsc_dtls_hdr h = {rec->type, rec->version, rec->epoch, seq, rec->cid, rec->cid_len};
        r = tsc_rec_open_dtls(e->c, &h, in, n, sc->dec_out, &off, &len, &inner);
    }
    if (!tsc_is_ok(r)) {
        c->dec.failed[dir]++;
        if (c->dec.ok[0] + c->dec.ok[1] == 0)
            dec_note(c, rec->unified ? "records do not decrypt: the key log's secrets are not this connection's"
                                     : "records do not decrypt: the master secret is not this connection's");
        tsc_sess_record_opaque(sc, c, dir, rec, ts, r.why);
        return;
    }
    if (rec->unified && dtls_seen(e, seq))
        return;
    dtls_mark(e, seq);
    if (rec->unified && e->epoch > k->dtls->hi[dir])
        k->dtls->hi[dir] = e->epoch;
    c->dec.ok[dir]++;
    struct tsc_rec_in opened = *rec;
    opened.type = inner;
    opened.decrypted = 1;
    if (rec->unified) {
        /* the numbers in full, as rebuilt from their low bits */
        opened.epoch = e->epoch > 0xffff ? 0xffff : (uint16_t)e->epoch;
        opened.seq = seq;
        opened.seq_bits = 64;
    }
    if (inner == TSC_CT_APPLICATION_DATA)
        c->dec.plaintext[dir] += len;
    tsc_sess_deliver(sc, c, dir, &opened, sc->dec_out + off, len, ts);
    /* the epoch in each record says which keys: nothing to switch after a
     * Finished or a KeyUpdate */
    if (k->to_app[dir])
        c->dir[dir].tls13_flight = 0; /* the flight ended with its Finished */
    k->to_app[dir] = 0;
    k->update[dir] = 0;
}

/* A record header arrived: is its body to be opened? */
int tsc_dec_begin(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r)
{
    if (r->dtls)
        return c->decp && !c->reported && dtls_state(sc, c, dir, r, 1) != NULL;
    if (c->decp)
        dec_prepare(sc, c, dir, r);
    const struct tsc_conn_dec *k = c->decp;
    if (c->reported)
        return 0; /* shown already (a live report): nothing would see the plaintext */
    if (k && k->early_on && dir == TSC_C2S && r->type == TSC_CT_APPLICATION_DATA)
        return 1;
    if (!k || !k->cur[dir])
        return 0;
    if (tsc_sess_tls13(c))
        return r->type == TSC_CT_APPLICATION_DATA && c->saw_server_hello;
    return c->dir[dir].encrypted;
}

static void dec_skip(struct tsc_conn *c, int dir, size_t n)
{
    if (!c->decp)
        return;
    if (c->decp->cur[dir])
        tsc_rec_cipher_skip(c->decp->cur[dir], n);
    if (c->decp->zin[dir])
        c->decp->z_broken[dir] = 1;
}

void tsc_dec_unreadable(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                        int64_t ts, const char *why)
{
    tsc_sess_record_opaque(sc, c, dir, r, ts, why);
    c->dec.failed[dir]++;
    dec_skip(c, dir, r->length); /* the next record still opens */
}

/* A whole protected record body: open it, deliver what is inside. */
void tsc_dec_record(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *rec,
                    const uint8_t *in, size_t n, int64_t ts)
{
    struct tsc_conn_dec *k = c->decp;
    if (rec->dtls) {
        dtls_record(sc, c, dir, rec, in, n, ts);
        return;
    }
    size_t off, len;
    uint8_t inner;
    tsc_result r;
    uint64_t seq0 = k->cur[dir] ? tsc_rec_cipher_seq(k->cur[dir]) : 0;
    if (dir == TSC_C2S && k->early_on)
        r = early_open(k, rec, in, n, sc->dec_out, &off, &len, &inner);
    else
        r = tsc_rec_open(k->cur[dir], rec->type, rec->version, in, n, sc->dec_out, &off, &len, &inner);
    if (!tsc_is_ok(r) && k->resync[dir] && k->cur[dir] && tsc_rec_cipher_resumable(k->cur[dir])) {
        /* the first record after a hole that swallowed records: try the next
         * sequence numbers, once per hole, within the direction's budget */
        uint64_t base = tsc_rec_cipher_seq(k->cur[dir]); /* one past the failed try */
        for (uint64_t i = 0; i < RESYNC_TRIES && k->resync_budget[dir] && !tsc_is_ok(r); i++) {
            k->resync_budget[dir]--;
            tsc_rec_cipher_set_seq(k->cur[dir], base + i);
            r = tsc_rec_open(k->cur[dir], rec->type, rec->version, in, n, sc->dec_out, &off, &len, &inner);
        }
        if (!tsc_is_ok(r))
            tsc_rec_cipher_set_seq(k->cur[dir], base);
    }
    k->resync[dir] = 0;
    if (!tsc_is_ok(r) && k->cur[dir] && tsc_sess_tls13(c) && !k->cur_ok[dir])
        /* RFC 8446 4.2.10: a record that fails before the key first worked
         * (refused early data) does not use up a sequence number */
        tsc_rec_cipher_set_seq(k->cur[dir], seq0);
    if (tsc_is_ok(r) && k->cur[dir] && !(dir == TSC_C2S && k->early_on))
        k->cur_ok[dir] = 1;
    if (tsc_is_ok(r) && k->zin[dir] && k->z_broken[dir])
        r = TSC_MALFORMED_ERR("the compression stream lost bytes to a hole: what follows cannot be decompressed");
    if (!tsc_is_ok(r)) {
        c->dec.failed[dir]++;
        if (c->dec.ok[0] + c->dec.ok[1] == 0)
            dec_note(c, tsc_sess_tls13(c) ? "records do not decrypt: the key log's secrets are not this connection's"
                                 : "records do not decrypt: the master secret is not this connection's");
        tsc_sess_record_opaque(sc, c, dir, rec, ts, r.why);
        return;
    }
    const uint8_t *pt = sc->dec_out + off;
    if (k->zin[dir]) {
        size_t zl;
        r = tsc_inflate_record(k->zin[dir], pt, len, sc->dec_zout, DEC_ZOUT, &zl);
        if (!tsc_is_ok(r)) {
            c->dec.failed[dir]++;
            tsc_sess_record_opaque(sc, c, dir, rec, ts, r.why);
            return;
        }
        pt = sc->dec_zout;
        len = zl;
    }
    c->dec.ok[dir]++;
    struct tsc_rec_in opened = *rec;
    opened.type = inner;
    opened.decrypted = 1;
    if (inner == TSC_CT_APPLICATION_DATA)
        c->dec.plaintext[dir] += len;
    tsc_sess_deliver(sc, c, dir, &opened, pt, len, ts);
    if (k->early_end) {
        k->early_end = 0;
        k->early_on = 0;
    }
    if (k->to_app[dir]) {
        k->to_app[dir] = 0;
        c->dir[dir].tls13_flight = 0; /* the flight ended with its Finished */
        tsc_rec_cipher_free(k->cur[dir]);
        k->cur[dir] = NULL;
        k->app_pending[dir] = 1;
    }
    if (k->update[dir]) {
        k->update[dir] = 0;
        k->cur_ok[dir] = 0;
        if (k->cur[dir] && !tsc_is_ok(tsc_rec_cipher_update(k->cur[dir]))) {
            tsc_rec_cipher_free(k->cur[dir]);
            k->cur[dir] = NULL;
        }
    }
}

void tsc_dec_lost(struct tsc_conn *c, int dir)
{
    if (!c->decp)
        return;
    c->decp->resync[dir] = 1;
    if (c->decp->zin[dir])
        c->decp->z_broken[dir] = 1;
}
