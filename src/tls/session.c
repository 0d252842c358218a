/*
 * session.c - from in-order bytes to TLS events. See session.h.
 */
#include "tls/session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "registry/registry.h"
#include "tls/session_int.h"
#include "registry/suite.h"

enum dir_state {
    ST_START,   /* nothing seen yet in this direction: decide whether it is TLS */
    ST_HDR,     /* reading a 5-byte record header */
    ST_BODY,    /* inside a record body */
    ST_SSLV2,   /* inside an SSLv2-format ClientHello */
    ST_HUNT,    /* lost sync (gap, bad header, mid-stream start): wait for a segment that starts a record */
    ST_PLAIN,   /* plaintext so far (STARTTLS, CONNECT, SOCKS...): wait for a segment that starts a hello */
    ST_DEAD,    /* not TLS, or nothing more can be understood */
};

/* Certificates repeat: every connection to a server sends the same chain.
 * A small cache keyed by a keyed hash of the DER (and checked byte for byte)
 * spares OpenSSL the parse. */
struct tsc_cert_cache_entry {
    uint64_t hash;
    uint64_t used;
    size_t len;
    uint8_t *der;
    struct tsc_x509_summary sum;
    tsc_result status;
};

tsc_result tsc_session_ctx_init(struct tsc_session_ctx *sc, const struct tsc_sink *sink,
                                const struct tsc_limits *lim)
{
    memset(sc, 0, sizeof *sc);
    sc->sink = sink;
    sc->lim = *lim;
    if (!sc->lim.flow_buf_max)
        sc->lim.flow_buf_max = TSC_DEFAULT_FLOW_BUF_MAX;
    if (!sc->lim.max_flows)
        sc->lim.max_flows = TSC_DEFAULT_MAX_FLOWS;
    if (!sc->lim.max_memory)
        sc->lim.max_memory = TSC_DEFAULT_MAX_MEMORY;
    sc->scratch = malloc(sizeof *sc->scratch);
    if (!sc->scratch)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    sc->cert_cache = calloc(TSC_CERT_CACHE, sizeof *sc->cert_cache); /* optional: NULL means no cache */
    tsc_hash_key_random(&sc->cache_key);
    return tsc_ok();
}

void tsc_session_ctx_free(struct tsc_session_ctx *sc)
{
    free(sc->scratch);
    sc->scratch = NULL;
    free(sc->dec_out);
    sc->dec_out = NULL;
    free(sc->dec_zout);
    sc->dec_zout = NULL;
    free(sc->sess_cache);
    sc->sess_cache = NULL;
    if (sc->cert_cache) {
        for (size_t i = 0; i < TSC_CERT_CACHE; i++)
            free(sc->cert_cache[i].der);
        free(sc->cert_cache);
        sc->cert_cache = NULL;
    }
}

struct tsc_conn *tsc_conn_new(uint64_t seq, const struct tsc_endpoint *a, const struct tsc_endpoint *b,
                              int64_t ts_us)
{
    struct tsc_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->seq = seq;
    c->client = *a;
    c->server = *b;
    c->start_us = c->last_us = ts_us;
    c->client_side = 0;
    return c;
}

void tsc_conn_set_client_side(struct tsc_conn *c, int side, int fixed)
{
    if (c->side_fixed || c->emitted_any)
        return;
    if (side != c->client_side) {
        struct tsc_endpoint t = c->client;
        c->client = c->server;
        c->server = t;
        struct tsc_tlsdir td = c->dir[0];
        c->dir[0] = c->dir[1];
        c->dir[1] = td;
        c->client_side = (uint8_t)side;
    }
    c->side_fixed = (uint8_t)fixed;
}

void tsc_conn_free(struct tsc_conn *c)
{
    if (!c)
        return;
    tsc_dec_free(c);
    for (int d = 0; d < 2; d++) {
        tsc_buf_free(&c->dir[d].body);
        tsc_buf_free(&c->dir[d].hs);
    }
    free(c->certs);
    free(c->cert_status);
    free(c);
}

/* ---------------------------------------------------------------- names */

const char *tsc_version_name(uint16_t v)
{
    switch (v) {
    case 0x0002: return "SSL 2.0";
    case TSC_SSL30: return "SSL 3.0";
    case TSC_TLS10: return "TLS 1.0";
    case TSC_TLS11: return "TLS 1.1";
    case TSC_TLS12: return "TLS 1.2";
    case TSC_TLS13: return "TLS 1.3";
    default: return tsc_reg_name(TSC_REG_VERSION, v);
    }
}

int tsc_version_is_tls13(uint16_t v)
{
    return v == TSC_TLS13 || (v >> 8) == 0x7f || v == 0xfb17 || v == 0xfb1a;
}

const char *tsc_hs_type_snake(uint16_t type)
{
    if (type == TSC_HS_HELLO_RETRY_REQUEST)
        return "hello_retry_request";
    if (type == TSC_HS_NEXT_PROTOCOL)
        return "next_protocol";
    const char *s = tsc_reg_snake(TSC_REG_HANDSHAKE, (uint16_t)type);
    return s ? s : "unknown";
}

const char *tsc_hs_type_title(uint16_t type)
{
    switch (type) {
    case TSC_HS_HELLO_REQUEST: return "HelloRequest";
    case TSC_HS_CLIENT_HELLO: return "ClientHello";
    case TSC_HS_SERVER_HELLO: return "ServerHello";
    case TSC_HS_HELLO_VERIFY_REQUEST: return "HelloVerifyRequest";
    case TSC_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case TSC_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case TSC_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case TSC_HS_CERTIFICATE: return "Certificate";
    case TSC_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case TSC_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case TSC_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
    case TSC_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case TSC_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case TSC_HS_FINISHED: return "Finished";
    case TSC_HS_CERTIFICATE_URL: return "CertificateURL";
    case TSC_HS_CERTIFICATE_STATUS: return "CertificateStatus";
    case TSC_HS_SUPPLEMENTAL_DATA: return "SupplementalData";
    case TSC_HS_KEY_UPDATE: return "KeyUpdate";
    case TSC_HS_COMPRESSED_CERTIFICATE: return "CompressedCertificate";
    case TSC_HS_NEXT_PROTOCOL: return "NextProtocol";
    case TSC_HS_MESSAGE_HASH: return "MessageHash";
    case TSC_HS_HELLO_RETRY_REQUEST: return "HelloRetryRequest";
    default: return "Unknown";
    }
}

const char *tsc_phase_name(int phase)
{
    static const char *n[] = {"", "hello", "server_auth", "key_exchange", "finish"};
    return phase >= 1 && phase <= 4 ? n[phase] : "";
}

const char *tsc_phase_title(int phase)
{
    static const char *n[] = {"", "Hello", "Server authentication", "Key exchange and the switch",
                              "Finish"};
    return phase >= 1 && phase <= 4 ? n[phase] : "";
}

const char *tsc_dir_name(int dir) { return dir == TSC_C2S ? "c2s" : "s2c"; }

const char *tsc_error_kind_name(int kind)
{
    return kind == TSC_KIND_GAP ? "gap" : tsc_kind_name(kind);
}

/* --------------------------------------------------------------- events */

void tsc_sess_emit(struct tsc_session_ctx *sc, struct tsc_event *ev)
{
    if (ev->conn->reported)
        return; /* live capture showed it already */
    ev->conn->emitted_any = 1;
    ev->conn->side_fixed = 1;
    if (sc->sink && sc->sink->event)
        sc->sink->event(sc->sink->ctx, ev);
}

void tsc_sess_ev_init(struct tsc_event *ev, enum tsc_ev_type type, struct tsc_conn *c, int dir, int64_t ts)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->conn = c;
    ev->dir = (uint8_t)dir;
    ev->ts_us = ts;
    ev->decrypted = c->decrypting;
}

void tsc_session_error(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int kind, uint8_t alert,
                       const char *why, uint64_t detail, int64_t ts_us)
{
    sc->errors++;
    if (c->n_errors_total < UINT16_MAX)
        c->n_errors_total++;
    if (c->n_errors >= TSC_MAX_CONN_ERRORS)
        return;
    struct tsc_conn_error *e = &c->errors[c->n_errors++];
    e->dir = (uint8_t)dir;
    e->kind = (uint8_t)kind;
    e->alert = alert;
    e->why = why;
    e->detail = detail;
    e->ts_us = ts_us;
    if (c->is_tls) {
        struct tsc_event ev;
        tsc_sess_ev_init(&ev, TSC_EV_ERROR, c, dir, ts_us);
        ev.error = e;
        tsc_sess_emit(sc, &ev);
    }
}

static void conn_error(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, tsc_result r, uint64_t detail,
                       int64_t ts)
{
    tsc_session_error(sc, c, dir, r.kind, r.alert, r.why, detail, ts);
}

/* ---------------------------------------------------------------- phases */

static int phase_of(const struct tsc_conn *c, int dir, uint16_t type)
{
    switch (type) {
    case TSC_HS_CLIENT_HELLO:
    case TSC_HS_SERVER_HELLO:
    case TSC_HS_HELLO_RETRY_REQUEST:
    case TSC_HS_HELLO_VERIFY_REQUEST:
    case TSC_HS_ENCRYPTED_EXTENSIONS:
        return TSC_PHASE_HELLO;
    case TSC_HS_CERTIFICATE:
    case TSC_HS_COMPRESSED_CERTIFICATE:
    case TSC_HS_CERTIFICATE_VERIFY:
        return dir == TSC_S2C ? TSC_PHASE_SERVER_AUTH : TSC_PHASE_KEY_EXCHANGE;
    case TSC_HS_SERVER_KEY_EXCHANGE:
    case TSC_HS_CERTIFICATE_REQUEST:
    case TSC_HS_SERVER_HELLO_DONE:
    case TSC_HS_CERTIFICATE_STATUS:
    case TSC_HS_CERTIFICATE_URL:
    case TSC_HS_SUPPLEMENTAL_DATA:
        return TSC_PHASE_SERVER_AUTH;
    case TSC_HS_CLIENT_KEY_EXCHANGE:
    case TSC_HS_END_OF_EARLY_DATA:
        return TSC_PHASE_KEY_EXCHANGE;
    default:
        (void)c;
        return TSC_PHASE_FINISH;
    }
}

/* ------------------------------------------------------- handshake layer */

static void copy_alpn_offered(struct tsc_conn *c, const struct tsc_ext *e)
{
    c->n_alpn_offered = 0;
    for (uint16_t i = 0; i < e->u.names.stored && c->n_alpn_offered < TSC_MAX_ALPN_COPY; i++) {
        struct tsc_view v = e->u.names.v[i];
        size_t n = v.len < 255 ? v.len : 255;
        memcpy(c->alpn_offered[c->n_alpn_offered], v.p, n);
        c->alpn_offered_len[c->n_alpn_offered++] = (uint8_t)n;
    }
}

static void on_client_hello(struct tsc_conn *c, const struct tsc_client_hello *ch)
{
    if (c->saw_client_hello)
        return; /* the first ClientHello describes the connection */
    c->saw_client_hello = 1;
    c->client_version = ch->legacy_version;
    c->sslv2 = (uint8_t)ch->sslv2;
    if (!ch->sslv2 && ch->session_id.len <= 32) {
        c->ch_session_id_len = (uint8_t)ch->session_id.len;
        if (ch->session_id.len)
            memcpy(c->ch_session_id, ch->session_id.p, ch->session_id.len);
    }
    const struct tsc_ext *e = tsc_ext_find(&ch->ext, TSC_EXT_SERVER_NAME);
    if (e && e->form == TSC_EXTF_NAMES) {
        for (uint16_t i = 0; i < e->u.names.stored; i++) {
            if (e->u.names.kinds[i] != 0)
                continue; /* host_name only */
            struct tsc_view v = e->u.names.v[i];
            size_t n = v.len < sizeof c->sni ? v.len : sizeof c->sni;
            memcpy(c->sni, v.p, n);
            c->sni_len = (uint16_t)n;
            c->has_sni = 1;
            break;
        }
    }
    e = tsc_ext_find(&ch->ext, TSC_EXT_ALPN);
    if (e && e->form == TSC_EXTF_NAMES)
        copy_alpn_offered(c, e);
    /* what the client offered that findings judge */
    size_t ns = tsc_client_hello_n_suites(ch);
    for (size_t i = 0; i < ns; i++) {
        uint32_t code = tsc_client_hello_suite_at(ch, i);
        if (code > 0xffff) {
            c->offered_flags |= TSC_OFFER_SSLV2_SUITE;
            continue;
        }
        if (code == 0x00ff)
            c->ch_reneg = 1; /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
        uint8_t f = tsc_suite_flags((uint16_t)code);
        c->offered_flags |= (f & TSC_SUITE_F_RC4 ? TSC_OFFER_RC4 : 0) | (f & TSC_SUITE_F_3DES ? TSC_OFFER_3DES : 0) |
                            (f & TSC_SUITE_F_DES ? TSC_OFFER_DES : 0) | (f & TSC_SUITE_F_NULL ? TSC_OFFER_NULL : 0) |
                            (f & TSC_SUITE_F_EXPORT ? TSC_OFFER_EXPORT : 0) | (f & TSC_SUITE_F_ANON ? TSC_OFFER_ANON : 0);
    }
    for (size_t i = 0; i < ch->compression.len; i++)
        if (ch->compression.p[i] != 0)
            c->ch_compression = 1;
    if (tsc_ext_find(&ch->ext, TSC_EXT_RENEGOTIATION_INFO))
        c->ch_reneg = 1;
    if (tsc_ext_find(&ch->ext, TSC_EXT_HEARTBEAT))
        c->heartbeat_offered = 1;
}

static void on_server_hello(struct tsc_conn *c, const struct tsc_server_hello *sh)
{
    if (sh->hrr) {
        c->hello_retry = 1;
        c->suite = sh->cipher_suite;
        c->have_suite = 1;
        c->version = tsc_server_hello_version(sh);
        return;
    }
    if (c->saw_server_hello)
        return;
    c->saw_server_hello = 1;
    c->version = tsc_server_hello_version(sh);
    c->suite = sh->cipher_suite;
    c->have_suite = 1;
    if (tsc_version_is_tls13(c->version)) {
        if (tsc_ext_find(&sh->ext, TSC_EXT_PRE_SHARED_KEY))
            c->resumed = 1;
        /* everything the server sends after this is encrypted (outer type 23) */
        c->dir[TSC_S2C].tls13_flight = 1;
    } else if (sh->session_id.len > 0 && sh->session_id.len == c->ch_session_id_len &&
               memcmp(sh->session_id.p, c->ch_session_id, sh->session_id.len) == 0) {
        c->resumed = 1;
    }
    c->sh_compression = sh->compression;
    c->sh_reneg = tsc_ext_find(&sh->ext, TSC_EXT_RENEGOTIATION_INFO) != NULL;
    c->sh_ems = tsc_ext_find(&sh->ext, TSC_EXT_EXTENDED_MASTER_SECRET) != NULL;
    const struct tsc_ext *e = tsc_ext_find(&sh->ext, TSC_EXT_ALPN);
    if (e && e->form == TSC_EXTF_NAMES && e->u.names.stored > 0) {
        struct tsc_view v = e->u.names.v[0];
        size_t n = v.len < 255 ? v.len : 255;
        memcpy(c->alpn_selected, v.p, n);
        c->alpn_selected_len = (uint8_t)n;
        c->has_alpn_selected = 1;
    }
}

static void summarize_cached(struct tsc_session_ctx *sc, const uint8_t *der, size_t len,
                             struct tsc_x509_summary *out, tsc_result *status)
{
    struct tsc_cert_cache_entry *cache = sc->cert_cache;
    if (!cache || len > TSC_CERT_CACHE_MAX_DER) {
        *status = tsc_x509_summarize(der, len, out);
        return;
    }
    uint64_t h = tsc_siphash(&sc->cache_key, der, len);
    struct tsc_cert_cache_entry *victim = &cache[0];
    sc->cache_clock++;
    for (size_t i = 0; i < TSC_CERT_CACHE; i++) {
        struct tsc_cert_cache_entry *e = &cache[i];
        if (e->der && e->hash == h && e->len == len && memcmp(e->der, der, len) == 0) {
            e->used = sc->cache_clock;
            *out = e->sum;
            *status = e->status;
            return;
        }
        if (e->used < victim->used)
            victim = e;
    }
    *status = tsc_x509_summarize(der, len, out);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    free(victim->der);
    memcpy(copy, der, len);
    victim->der = copy;
    victim->len = len;
    victim->hash = h;
    victim->used = sc->cache_clock;
    victim->sum = *out;
    victim->status = *status;
}

static void on_certificate(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_event *ev,
                           const struct tsc_certificate *cert, struct tsc_x509_summary **tmp,
                           tsc_result **tmp_status)
{
    uint16_t n = cert->stored;
    if (n == 0)
        return;
    struct tsc_x509_summary *sum = calloc(n, sizeof *sum);
    tsc_result *st = calloc(n, sizeof *st);
    if (!sum || !st) {
        free(sum);
        free(st);
        conn_error(sc, c, ev->dir, TSC_ERR(TSC_LIMIT, "out of memory for certificate summaries"), 0,
                   ev->ts_us);
        return;
    }
    for (uint16_t i = 0; i < n; i++)
        summarize_cached(sc, cert->cert[i].p, cert->cert[i].len, &sum[i], &st[i]);
    ev->certs = sum;
    ev->cert_status = st;
    ev->n_certs = n;
    if (ev->dir == TSC_S2C && !c->certs) {
        /* the server's chain is kept for the connection's report */
        c->certs = sum;
        c->cert_status = st;
        c->n_certs = n;
        c->n_certs_total = cert->n;
    } else {
        *tmp = sum;
        *tmp_status = st;
    }
}

static void dispatch_message(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint8_t type,
                             struct tsc_view body, uint16_t rec_version, int64_t ts)
{
    struct tsc_hs_ctx hctx = {c->version, c->have_suite ? c->suite : 0};
    struct tsc_hs_msg *m = sc->scratch;
    struct tsc_event ev;
    struct tsc_x509_summary *tmp = NULL;
    tsc_result *tmp_status = NULL;

    sc->messages++;
    c->hs_messages[dir]++;
    memset(m, 0, offsetof(struct tsc_hs_msg, u));
    tsc_sess_ev_init(&ev, TSC_EV_HANDSHAKE, c, dir, ts);
    ev.status = tsc_hs_decode(type, body, &hctx, m);
    ev.msg = m;
    ev.wire_type = type;
    ev.length = body.len;
    ev.record_version = rec_version;

    if (tsc_is_ok(ev.status)) {
        switch (m->type) {
        case TSC_HS_CLIENT_HELLO:
            if (c->complete)
                c->renegotiated = 1;
            on_client_hello(c, &m->u.ch);
            break;
        case TSC_HS_SERVER_HELLO:
        case TSC_HS_HELLO_RETRY_REQUEST:
            on_server_hello(c, &m->u.sh);
            break;
        case TSC_HS_CERTIFICATE:
            if (dir == TSC_S2C)
                c->saw_server_cert = 1;
            on_certificate(sc, c, &ev, &m->u.cert, &tmp, &tmp_status);
            break;
        case TSC_HS_SERVER_KEY_EXCHANGE:
            c->saw_ske = 1;
            if (m->u.ske.kx == TSC_KX_ECDHE || m->u.ske.kx == TSC_KX_ECDHE_PSK) {
                c->ske_group = m->u.ske.named_curve;
                c->have_ske_group = 1;
            } else if (m->u.ske.dh_p.len) {
                /* the prime's size in bits, leading zero bits excluded */
                size_t i = 0;
                while (i < m->u.ske.dh_p.len && m->u.ske.dh_p.p[i] == 0)
                    i++;
                uint32_t bits = (uint32_t)(m->u.ske.dh_p.len - i) * 8;
                for (uint8_t top = i < m->u.ske.dh_p.len ? m->u.ske.dh_p.p[i] : 0; bits && !(top & 0x80); top <<= 1)
                    bits--;
                c->dh_bits = bits;
            }
            break;
        case TSC_HS_SERVER_HELLO_DONE:
            c->saw_shd = 1;
            break;
        case TSC_HS_NEW_SESSION_TICKET:
            if (!c->has_ticket) {
                c->has_ticket = 1;
                c->ticket_lifetime = m->u.nst.lifetime;
                c->ticket_len = (uint32_t)m->u.nst.ticket.len;
            }
            break;
        case TSC_HS_FINISHED:
            c->finished_seen[dir] = 1;
            break;
        default:
            break;
        }
    } else {
        /* a hello that breaks part way still tells what it got to: keep it */
        ev.partial = (type == TSC_HS_CLIENT_HELLO || type == TSC_HS_SERVER_HELLO) && m->u.ch.random.len == 32;
        if (ev.partial && type == TSC_HS_CLIENT_HELLO)
            on_client_hello(c, &m->u.ch);
        else if (ev.partial && !m->u.sh.hrr)
            on_server_hello(c, &m->u.sh);
        else if (type == TSC_HS_SERVER_HELLO && dir == TSC_S2C)
            c->saw_server_hello = 1;
        conn_error(sc, c, dir, ev.status, type, ts);
    }
    ev.phase = (uint8_t)phase_of(c, dir, m->type);
    if (sc->dec)
        tsc_dec_on_message(sc, c, dir, type, body, m, tsc_is_ok(ev.status));
    tsc_sess_emit(sc, &ev);
    free(tmp);
    free(tmp_status);
}

/* Handshake record body: split into messages, keeping a partial one. */
void tsc_sess_handshake_bytes(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p,
                              size_t n, uint16_t rec_version, int64_t ts)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    int fresh = d->rec_fresh;
    d->rec_fresh = 0;
    if (d->hs_broken)
        return;
    if (d->hs_skip) {
        /* the rest of a message that lost bytes to a gap */
        size_t k = d->hs_skip < n ? d->hs_skip : n;
        d->hs_skip -= k;
        p += k;
        n -= k;
        if (n == 0)
            return;
    }
    if (d->hs_lost) {
        /* message boundaries were lost (a gap, or a capture that began
         * inside the connection): wait for a record that starts with a
         * plausible message header, gathering its first 4 bytes */
        if (fresh) {
            d->probing = 1;
            d->probe_have = 0;
        }
        if (!d->probing)
            return;
        size_t k = 4u - d->probe_have < n ? 4u - d->probe_have : n;
        memcpy(d->probe + d->probe_have, p, k);
        d->probe_have = (uint8_t)(d->probe_have + k);
        p += k;
        n -= k;
        if (d->probe_have < 4)
            return;
        d->probing = 0;
        const uint8_t *h = d->probe;
        if (!tsc_reg_name(TSC_REG_HANDSHAKE, h[0]) ||
            (((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3]) > sc->lim.flow_buf_max)
            return;
        d->hs_lost = 0;
        if (d->hs.max == 0)
            tsc_buf_init(&d->hs, sc->lim.flow_buf_max);
        tsc_buf_reset(&d->hs);
        if (!tsc_is_ok(tsc_buf_append(&d->hs, d->probe, 4)))
            return;
        /* from here the message is assembled in d->hs as usual */
    }
    const uint8_t *q = p;
    size_t left = n;
    if (d->hs.len) {
        /* complete the pending message first */
        tsc_result r = tsc_buf_append(&d->hs, p, n);
        if (!tsc_is_ok(r)) {
            conn_error(sc, c, dir, r, d->hs.len, ts);
            d->hs_broken = 1;
            tsc_buf_free(&d->hs);
            return;
        }
        q = d->hs.data;
        left = d->hs.len;
    }
    size_t used = 0;
    while (left - used >= 4) {
        const uint8_t *h = q + used;
        uint32_t len = ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
        if (len > sc->lim.flow_buf_max) {
            /* too big to assemble: its length says where the next one starts */
            conn_error(sc, c, dir, TSC_ERR(TSC_LIMIT, "handshake message larger than the per-flow buffer cap"),
                       len, ts);
            size_t have = left - used, total = 4 + (size_t)len;
            if (have >= total) {
                used += total;
                continue;
            }
            d->hs_skip = (uint32_t)(total - have);
            tsc_buf_free(&d->hs);
            return;
        }
        if (len > left - used - 4)
            break;
        struct tsc_view body = {h + 4, len};
        dispatch_message(sc, c, dir, h[0], body, rec_version, ts);
        used += 4 + (size_t)len;
    }
    if (d->hs.len) {
        tsc_buf_consume(&d->hs, used);
    } else if (used < left) {
        if (d->hs.max == 0)
            tsc_buf_init(&d->hs, sc->lim.flow_buf_max);
        tsc_result r = tsc_buf_append(&d->hs, q + used, left - used);
        if (!tsc_is_ok(r)) {
            conn_error(sc, c, dir, r, left - used, ts);
            d->hs_broken = 1;
            tsc_buf_free(&d->hs);
        }
    }
}

/* ---------------------------------------------------------- record layer */

int tsc_sess_tls13(const struct tsc_conn *c) { return tsc_version_is_tls13(c->version); }

static void record_ccs(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                       int64_t ts)
{
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_CCS, c, dir, ts);
    ev.phase = TSC_PHASE_KEY_EXCHANGE;
    ev.length = n;
    ev.record_version = c->dir[dir].rec.version;
    if (n != 1 || p[0] != 1)
        ev.status = TSC_MALFORMED_ERR("ChangeCipherSpec is not the single byte 1");
    c->ccs_seen[dir] = 1;
    if (!tsc_sess_tls13(c)) {
        c->dir[dir].encrypted = 1;
        if (sc->dec)
            tsc_dec_on_ccs(sc, c, dir);
        /* a server that switches before sending any certificate resumed the session */
        if (dir == TSC_S2C && c->saw_server_hello && !c->saw_server_cert && !c->saw_shd && !c->saw_ske)
            c->resumed = 1;
    }
    tsc_sess_emit(sc, &ev);
    if (!tsc_is_ok(ev.status))
        conn_error(sc, c, dir, ev.status, 0, ts);
}

static void add_alert(struct tsc_conn *c, int dir, int encrypted, uint8_t level, uint8_t desc, int64_t ts)
{
    if (c->n_alerts_total < UINT16_MAX)
        c->n_alerts_total++;
    if (c->n_alerts >= TSC_MAX_ALERTS)
        return;
    struct tsc_alert_entry *a = &c->alerts[c->n_alerts++];
    a->dir = (uint8_t)dir;
    a->encrypted = (uint8_t)encrypted;
    a->level = level;
    a->description = desc;
    a->ts_us = ts;
}

static void record_alert(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                         int64_t ts)
{
    int plaintext_size = n == 1 || (n % 2 == 0 && n <= 8); /* one to four alerts, or a broken one */
    if (!plaintext_size) {
        /* not the size of plaintext alerts: an encrypted one (a capture that
         * began after the ChangeCipherSpec, or a ChangeCipherSpec we missed) */
        struct tsc_event ev;
        tsc_sess_ev_init(&ev, TSC_EV_ALERT, c, dir, ts);
        ev.phase = TSC_PHASE_FINISH;
        ev.record_version = c->dir[dir].rec.version;
        ev.length = n;
        ev.encrypted = 1;
        add_alert(c, dir, 1, 0, 0, ts);
        tsc_sess_emit(sc, &ev);
        return;
    }
    size_t off = 0;
    do {
        struct tsc_event ev;
        tsc_sess_ev_init(&ev, TSC_EV_ALERT, c, dir, ts);
        ev.phase = TSC_PHASE_FINISH;
        ev.record_version = c->dir[dir].rec.version;
        size_t take = n - off >= 2 ? 2 : n - off;
        struct tsc_view v = {p + off, take};
        ev.length = take;
        ev.status = tsc_alert_parse(v, &ev.alert);
        if (tsc_is_ok(ev.status))
            add_alert(c, dir, 0, ev.alert.level, ev.alert.description, ts);
        tsc_sess_emit(sc, &ev);
        if (!tsc_is_ok(ev.status))
            conn_error(sc, c, dir, ev.status, 0, ts);
        off += take;
    } while (off < n);
}

static void record_heartbeat(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p,
                             size_t n, int64_t ts)
{
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_HEARTBEAT, c, dir, ts);
    ev.phase = TSC_PHASE_FINISH;
    ev.length = n;
    ev.record_version = c->dir[dir].rec.version;
    struct tsc_view v = {p, n};
    ev.status = tsc_heartbeat_parse(v, &ev.hb);
    tsc_sess_emit(sc, &ev);
    if (!tsc_is_ok(ev.status))
        conn_error(sc, c, dir, ev.status, 0, ts);
}

/* A whole plaintext record body. */
void tsc_sess_record_body(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                          int64_t ts)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    sc->records++;
    switch (d->rec.type) {
    case TSC_CT_CHANGE_CIPHER_SPEC:
        record_ccs(sc, c, dir, p, n, ts);
        break;
    case TSC_CT_ALERT:
        record_alert(sc, c, dir, p, n, ts);
        break;
    case TSC_CT_HEARTBEAT:
        record_heartbeat(sc, c, dir, p, n, ts);
        break;
    default:
        break;
    }
}

/* A record that will not be read: decide what it is when its header
 * arrives (or, with `why`, after it failed to decrypt for that reason). */
int tsc_sess_record_opaque(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int64_t ts, const char *why)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    struct tsc_tlsdir *o = &c->dir[dir ^ 1];
    uint8_t type = d->rec.type;
    struct tsc_event ev;
    if (c->dec.enabled && !why && (d->encrypted || (type == TSC_CT_APPLICATION_DATA && c->saw_server_hello)))
        c->dec.opaque[dir]++;

    if (type == TSC_CT_APPLICATION_DATA) {
        if (tsc_sess_tls13(c) && c->saw_server_hello) {
            /* TLS 1.3 hides the rest of the handshake in application_data
             * records: the server's flight runs until the client's first
             * encrypted record; the client's first encrypted record carries
             * its Finished. Inferred from the order, not read. */
            int hs = 0;
            if (dir == TSC_S2C && d->tls13_flight) {
                hs = 1;
            } else if (dir == TSC_C2S && !c->finished_seen[TSC_C2S]) {
                hs = 1;
                if (!why) { /* a record that failed to decrypt proves nothing */
                    c->finished_seen[TSC_C2S] = 1;
                    o->tls13_flight = 0;
                    c->complete = 1;
                }
            }
            if (hs) {
                sc->records++;
                tsc_sess_ev_init(&ev, TSC_EV_ENCRYPTED_HS, c, dir, ts);
                ev.decrypt_error = why;
                ev.length = d->rec.length;
                ev.record_version = d->rec.version;
                ev.encrypted = 1;
                ev.phase = dir == TSC_S2C ? TSC_PHASE_SERVER_AUTH : TSC_PHASE_FINISH;
                tsc_sess_emit(sc, &ev);
                return 1;
            }
        }
        c->app_records[dir]++;
        c->app_bytes[dir] += d->rec.length;
        return 1;
    }
    if (!d->encrypted)
        return 0;
    sc->records++;
    if (type == TSC_CT_HANDSHAKE) {
        tsc_sess_ev_init(&ev, TSC_EV_ENCRYPTED_HS, c, dir, ts);
                ev.decrypt_error = why;
        ev.length = d->rec.length;
        ev.record_version = d->rec.version;
        ev.phase = TSC_PHASE_FINISH;
        if (c->ccs_seen[dir] && !c->finished_seen[dir]) {
            c->finished_seen[dir] = 1; /* the first encrypted handshake message is Finished */
            if (c->finished_seen[dir ^ 1])
                c->complete = 1;
        } else if (c->complete) {
            c->renegotiated = 1;
        }
        tsc_sess_emit(sc, &ev);
    } else if (type == TSC_CT_ALERT) {
        tsc_sess_ev_init(&ev, TSC_EV_ALERT, c, dir, ts);
        ev.decrypt_error = why;
        ev.length = d->rec.length;
        ev.record_version = d->rec.version;
        ev.encrypted = 1;
        ev.phase = TSC_PHASE_FINISH;
        add_alert(c, dir, 1, 0, 0, ts);
        tsc_sess_emit(sc, &ev);
    } else if (type == TSC_CT_HEARTBEAT) {
        tsc_sess_ev_init(&ev, TSC_EV_HEARTBEAT, c, dir, ts);
        ev.decrypt_error = why;
        ev.length = d->rec.length;
        ev.record_version = d->rec.version;
        ev.encrypted = 1;
        ev.phase = TSC_PHASE_FINISH;
        tsc_sess_emit(sc, &ev);
    } else {
        return 0;
    }
    return 1;
}

/* `missing` bytes of a handshake record's body are gone: where does the
 * next message start? If the message being assembled has a known length and
 * the hole ends inside it, skip the rest of that message; otherwise the
 * boundaries are lost until a record starts with a message. */
static void handshake_gap(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint64_t missing, int64_t ts)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    if (d->hs_broken)
        return;
    if (d->hs_skip) {
        if (missing < d->hs_skip) {
            d->hs_skip -= (uint32_t)missing;
            return;
        }
        missing -= d->hs_skip;
        d->hs_skip = 0;
        if (missing == 0)
            return;
        d->hs_lost = 1;
        return;
    }
    if (d->hs_lost)
        return;
    if (d->hs.len >= 4) {
        const uint8_t *h = d->hs.data;
        uint64_t total = 4 + (((uint64_t)h[1] << 16) | ((uint64_t)h[2] << 8) | h[3]);
        uint64_t need = total - d->hs.len;
        tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "a handshake message lost bytes to a gap", h[0], ts);
        tsc_buf_free(&d->hs);
        if (missing < need) {
            d->hs_skip = (uint32_t)(need - missing);
            return;
        }
        if (missing == need)
            return; /* the hole ended with the message: in sync */
    } else {
        tsc_buf_free(&d->hs);
    }
    d->hs_lost = 1;
}

static void start_hunting(struct tsc_conn *c, int dir)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    if (c->decp)
        tsc_dec_lost(c, dir); /* records may be lost: their count is unknown */
    d->state = ST_HUNT;
    d->hdr_have = 0;
    d->rec_decrypt = 0;
    tsc_buf_free(&d->body);
    /* a partial handshake message cannot be completed across a hole; the
     * next handshake record may well start in the middle of one */
    tsc_buf_free(&d->hs);
    d->hs_skip = 0;
    d->hs_lost = 1;
}

/* The first bytes of a direction: TLS record, SSLv2 hello, or not TLS at all. */
static int decide_start(struct tsc_conn *c, int side, const uint8_t *h, size_t have)
{
    if (h[0] & 0x80) {
        if (have < 11)
            return -1; /* need more */
        if (tsc_sslv2_hello_plausible(h, have)) {
            tsc_conn_set_client_side(c, side, 1);
            return 2;
        }
        if (c->sslv2 && h[2] == 4 && h[5] == 0 && h[6] == 2) {
            /* an SSLv2 SERVER-HELLO: the whole session is SSL 2.0, which
             * tlsscope names but does not decode further */
            c->version = 0x0002;
            return 3;
        }
        return 0;
    }
    if (have < 5)
        return -1;
    if (!tsc_record_plausible(h, have))
        return 0;
    if (h[0] == TSC_CT_HANDSHAKE) {
        if (have < 6)
            return -1;
        if (h[5] == TSC_HS_CLIENT_HELLO)
            tsc_conn_set_client_side(c, side, 1);
        else if (h[5] == TSC_HS_SERVER_HELLO)
            tsc_conn_set_client_side(c, side ^ 1, 1);
    }
    return 1;
}

static void sslv2_done(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                       int64_t ts)
{
    struct tsc_hs_msg *m = sc->scratch;
    struct tsc_event ev;
    memset(m, 0, offsetof(struct tsc_hs_msg, u));
    m->type = TSC_HS_CLIENT_HELLO;
    m->length = (uint32_t)n;
    m->body.p = p;
    m->body.len = n;
    tsc_sess_ev_init(&ev, TSC_EV_HANDSHAKE, c, dir, ts);
    struct tsc_view v = {p, n};
    ev.status = tsc_sslv2_client_hello_parse(v, &m->u.ch);
    ev.msg = m;
    ev.wire_type = TSC_HS_CLIENT_HELLO;
    ev.length = n;
    ev.record_version = 0x0002;
    ev.phase = TSC_PHASE_HELLO;
    sc->messages++;
    c->hs_messages[dir]++;
    if (tsc_is_ok(ev.status))
        on_client_hello(c, &m->u.ch);
    if (sc->dec)
        tsc_dec_on_message(sc, c, dir, TSC_HS_CLIENT_HELLO, v, m, tsc_is_ok(ev.status));
    tsc_sess_emit(sc, &ev);
    if (!tsc_is_ok(ev.status))
        conn_error(sc, c, dir, ev.status, 1, ts);
}

/* `take` bytes of the record body being read are consumed. */
static void body_advance(struct tsc_tlsdir *d, const uint8_t **p, size_t *n, size_t take)
{
    *p += take;
    *n -= take;
    d->offset += take;
    d->body_left -= take;
}

/* Bytes for one direction whose start has been decided. */
static void feed_dir(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                     int64_t ts)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    while (n > 0) {
        switch (d->state) {
        case ST_SSLV2: {
            size_t take = d->body_left < n ? d->body_left : n;
            tsc_result r = tsc_buf_append(&d->body, p, take);
            body_advance(d, &p, &n, take);
            if (!tsc_is_ok(r)) {
                conn_error(sc, c, dir, r, 0, ts);
                d->state = ST_DEAD;
                return;
            }
            if (d->body_left == 0) {
                if (d->body.len > 2)
                    sslv2_done(sc, c, dir, d->body.data + 2, d->body.len - 2, ts);
                tsc_buf_free(&d->body);
                d->state = ST_HDR;
            }
            continue;
        }
        case ST_HDR: {
            size_t take = 5u - d->hdr_have < n ? 5u - d->hdr_have : n;
            memcpy(d->hdr + d->hdr_have, p, take);
            d->hdr_have = (uint8_t)(d->hdr_have + take);
            p += take;
            n -= take;
            d->offset += take;
            if (d->hdr_have < 5)
                return;
            struct tsc_cursor hc = tsc_cursor_make(d->hdr, 5);
            tsc_result r = tsc_record_hdr_parse(&hc, &d->rec);
            d->hdr_have = 0;
            if (!tsc_is_ok(r)) {
                if ((d->hdr[0] & 0x80) && dir == TSC_S2C && c->sslv2 && !c->saw_server_hello) {
                    /* an SSLv2 server answering an SSLv2 hello: nothing more we decode */
                    c->version = 0x0002;
                    d->state = ST_DEAD;
                    return;
                }
                conn_error(sc, c, dir, r, d->offset - 5, ts);
                start_hunting(c, dir);
                d->skipped += n;
                d->offset += n;
                return;
            }
            d->state = ST_BODY;
            d->body_left = d->rec.length;
            d->rec_fresh = 1;
            if (c->decp)
                tsc_dec_prepare(sc, c, dir);
            d->rec_decrypt = (uint8_t)tsc_dec_wanted(c, dir);
            if (!d->rec_decrypt && tsc_sess_record_opaque(sc, c, dir, ts, NULL))
                d->rec.type = 0; /* skip the body without buffering */
            continue;
        }
        case ST_BODY: {
            size_t take = d->body_left < n ? d->body_left : n;
            if (d->rec_decrypt) {
                /* an encrypted record we have keys for: gather its body */
                const uint8_t *whole = NULL;
                if (d->body.len == 0 && take == d->body_left) {
                    whole = p; /* all in this segment: no copy */
                } else {
                    if (d->body.max == 0)
                        tsc_buf_init(&d->body, sc->lim.flow_buf_max);
                    if (!tsc_is_ok(tsc_buf_append(&d->body, p, take))) {
                        conn_error(sc, c, dir, TSC_ERR(TSC_LIMIT, "record larger than the per-flow buffer cap"), 0, ts);
                        d->rec_decrypt = 0;
                        tsc_buf_reset(&d->body);
                        tsc_sess_record_opaque(sc, c, dir, ts, "record larger than the per-flow buffer cap");
                        c->dec.failed[dir]++;
                        tsc_dec_skip(c, dir, d->rec.length); /* the next record still opens */
                        d->rec.type = 0;
                        continue;
                    }
                }
                body_advance(d, &p, &n, take);
                if (d->body_left == 0) {
                    d->state = ST_HDR;
                    d->rec_decrypt = 0;
                    if (whole)
                        tsc_dec_record(sc, c, dir, whole, take, ts);
                    else
                        tsc_dec_record(sc, c, dir, d->body.data, d->body.len, ts);
                    tsc_buf_reset(&d->body);
                }
                continue;
            }
            if (d->rec.type == 0) {
                /* application data and encrypted records: skipped by length */
                body_advance(d, &p, &n, take);
                if (d->body_left == 0)
                    d->state = ST_HDR;
                continue;
            }
            if (d->rec.type == TSC_CT_HANDSHAKE) {
                /* handshake bytes go straight to message assembly, chunk by chunk */
                const uint8_t *chunk = p;
                body_advance(d, &p, &n, take);
                if (d->body_left == 0) {
                    d->state = ST_HDR;
                    sc->records++;
                }
                tsc_sess_handshake_bytes(sc, c, dir, chunk, take, d->rec.version, ts);
                continue;
            }
            if (d->body.len == 0 && take == d->body_left) {
                /* the whole body is in this segment: no copy */
                const uint8_t *body = p;
                body_advance(d, &p, &n, take);
                d->state = ST_HDR;
                tsc_sess_record_body(sc, c, dir, body, take, ts);
                continue;
            }
            if (d->body.max == 0)
                tsc_buf_init(&d->body, sc->lim.flow_buf_max);
            tsc_result r = tsc_buf_append(&d->body, p, take);
            body_advance(d, &p, &n, take);
            if (!tsc_is_ok(r)) {
                conn_error(sc, c, dir, r, 0, ts);
                start_hunting(c, dir);
                d->skipped += n;
                d->offset += n;
                return;
            }
            if (d->body_left == 0) {
                d->state = ST_HDR;
                tsc_sess_record_body(sc, c, dir, d->body.data, d->body.len, ts);
                tsc_buf_reset(&d->body);
            }
            continue;
        }
        case ST_HUNT:
            /* only a segment boundary can resynchronise (see tsc_session_feed) */
            d->skipped += n;
            d->offset += n;
            return;
        case ST_START:
        case ST_DEAD:
        default:
            d->offset += n;
            return;
        }
    }
}

static int dir_of(const struct tsc_conn *c, int side) { return side == c->client_side ? TSC_C2S : TSC_S2C; }

/* Where a run of records starts in a segment after lost sync, or SIZE_MAX.
 * At the segment's start one plausible header is enough on a connection
 * known to be TLS (strict = 0); otherwise its record must end at or past the
 * segment's end or be followed by another plausible header. Inside the
 * segment, a chain of records must end exactly at the segment's end (random
 * bytes almost never do that), so a resync does not misparse. */
static size_t resync_point(const uint8_t *p, size_t n, int strict)
{
    if (!strict && tsc_record_plausible(p, n))
        return 0;
    for (size_t i = 0; i + 5 <= n; i++) {
        if (!tsc_record_plausible(p + i, n - i))
            continue;
        size_t at = i, records = 0;
        while (at + 5 <= n && tsc_record_plausible(p + at, n - at)) {
            at += 5 + (((size_t)p[at + 3] << 8) | p[at + 4]);
            records++;
        }
        if (i == 0 && (at >= n || records >= 2))
            return 0;
        if (at == n)
            return i;
    }
    return SIZE_MAX;
}

/* How much plaintext a direction may carry before TLS starts (STARTTLS and
 * proxies need a few hundred bytes; the cap bounds false positives). */
#define PLAIN_MAX ((uint64_t)256 << 10)

/* A segment that starts a TLS hello after plaintext: a handshake record
 * holding a ClientHello or ServerHello, or an SSLv2 ClientHello. */
static int starts_hello(const uint8_t *p, size_t n)
{
    if (tsc_sslv2_hello_plausible(p, n))
        return 1;
    return n >= 9 && tsc_record_plausible(p, n) && p[0] == TSC_CT_HANDSHAKE &&
           (p[5] == TSC_HS_CLIENT_HELLO || p[5] == TSC_HS_SERVER_HELLO) && p[6] == 0;
}

/* Length of a PROXY protocol header (HAProxy, v1 text or v2 binary) at the
 * start of a client's stream, or 0. */
static size_t proxy_header_len(const uint8_t *p, size_t n)
{
    static const uint8_t v2sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    if (n >= 16 && memcmp(p, v2sig, 12) == 0) {
        size_t len = 16 + (((size_t)p[14] << 8) | p[15]);
        return len <= n ? len : 0;
    }
    if (n >= 8 && memcmp(p, "PROXY ", 6) == 0) {
        for (size_t i = 6; i + 1 < n && i < 107; i++)
            if (p[i] == '\r' && p[i + 1] == '\n')
                return i + 2;
    }
    return 0;
}

void tsc_session_feed(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                      int64_t ts)
{
    c->last_us = ts;
    if (n == 0)
        return;
    if (sc->dec && !c->dec.enabled)
        c->dec.enabled = 1; /* whatever the first bytes were (a direction may begin with a gap) */
    struct tsc_tlsdir *d = &c->dir[dir_of(c, side)];
    if (d->state == ST_START && d->offset == 0 && d->hdr_have == 0) {
        size_t skip = proxy_header_len(p, n);
        if (skip) {
            c->starttls = 1; /* TLS after a plaintext preamble */
            d->offset += skip;
            p += skip;
            n -= skip;
            if (n == 0)
                return;
        }
    }
    if (d->state == ST_PLAIN) {
        if (!starts_hello(p, n)) {
            if (c->midstream && resync_point(p, n, 1) == 0) {
                /* a capture that began inside the connection: records resume here */
                d->state = ST_HUNT;
            } else {
                d->offset += n;
                if (d->offset > PLAIN_MAX)
                    d->state = ST_DEAD;
                return;
            }
        } else {
            c->starttls = !c->midstream;
            d->state = ST_START;
            d->hdr_have = 0;
        }
    }
    if (d->state == ST_HUNT) {
        /* lost sync: find where records start again in this segment */
        size_t at = resync_point(p, n, !c->is_tls);
        if (at == SIZE_MAX) {
            d->skipped += n;
            d->offset += n;
            return;
        }
        d->skipped += at;
        d->offset += at;
        p += at;
        n -= at;
        c->is_tls = 1;
        d->state = ST_HDR;
        d->hdr_have = 0;
    }
    if (d->state == ST_START && d->hdr_have > 0 && starts_hello(p, n)) {
        /* a few bytes of plaintext (PostgreSQL's 'S') and now a hello */
        c->starttls = 1;
        d->offset += d->hdr_have;
        d->hdr_have = 0;
    }
    if (d->state == ST_START) {
        size_t want = ((d->hdr_have ? d->hdr[0] : p[0]) & 0x80) ? 11 : 6;
        size_t take = want - d->hdr_have < n ? want - d->hdr_have : n;
        memcpy(d->hdr + d->hdr_have, p, take);
        d->hdr_have = (uint8_t)(d->hdr_have + take);
        p += take;
        n -= take;
        int k = decide_start(c, side, d->hdr, d->hdr_have);
        if (k < 0)
            return; /* n is 0: wait for more */
        d = &c->dir[dir_of(c, side)]; /* the roles may have been fixed just now */
        if (k == 3) {
            d->state = ST_DEAD;
            c->dir[dir_of(c, side) ^ 1].state = ST_DEAD;
            return;
        }
        if (k == 0) {
            /* not TLS (yet): TLS may still start after a plaintext exchange */
            d->state = ST_PLAIN;
            d->offset += d->hdr_have;
            d->hdr_have = 0;
            d->offset += n;
            if (d->offset > PLAIN_MAX)
                d->state = ST_DEAD;
            return;
        }
        c->is_tls = 1;
        uint8_t replay[16];
        size_t rn = d->hdr_have;
        memcpy(replay, d->hdr, rn);
        d->hdr_have = 0;
        if (k == 2) {
            d->state = ST_SSLV2;
            d->body_left = (((size_t)replay[0] & 0x7f) << 8 | replay[1]) + 2;
            tsc_buf_init(&d->body, sc->lim.flow_buf_max);
        } else {
            d->state = ST_HDR;
        }
        feed_dir(sc, c, dir_of(c, side), replay, rn, ts);
    }
    feed_dir(sc, c, dir_of(c, side), p, n, ts);
}

void tsc_session_gap(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, uint64_t missing, int64_t ts)
{
    int dir = side == c->client_side ? TSC_C2S : TSC_S2C;
    struct tsc_tlsdir *d = &c->dir[dir];
    if (d->state == ST_DEAD)
        return;
    if (d->state == ST_START) {
        /* we never saw this direction begin: look for a record at the next segment */
        d->state = ST_HUNT;
        d->offset += missing;
        return;
    }
    if (c->is_tls)
        tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0, "bytes missing from the capture", missing, ts);
    d->offset += missing;
    if (d->state == ST_BODY && missing < d->body_left) {
        /* a hole inside a record whose length we know: the next record
         * header is still where it was, so the record layer stays in sync */
        if (d->rec_decrypt) {
            /* an encrypted record with a hole cannot be opened */
            d->rec_decrypt = 0;
            tsc_buf_reset(&d->body);
            tsc_sess_record_opaque(sc, c, dir, ts, "bytes of the record are missing from the capture");
            c->dec.failed[dir]++;
            d->rec.type = 0;
            if (c->decp)
                tsc_dec_skip(c, dir, d->rec.length);
        } else if (d->rec.type == TSC_CT_HANDSHAKE) {
            handshake_gap(sc, c, dir, missing, ts);
        } else if (d->rec.type != 0) {
            tsc_buf_reset(&d->body); /* a ChangeCipherSpec or alert with a hole: lost */
            d->rec.type = 0;
        }
        d->body_left -= missing;
        return;
    }
    start_hunting(c, dir);
}

void tsc_session_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int64_t ts)
{
    if (c->closed)
        return;
    for (int dir = 0; dir < 2 && c->is_tls; dir++) {
        struct tsc_tlsdir *d = &c->dir[dir];
        int in_message = d->hs.len > 0 && !d->hs_broken;
        if ((d->state == ST_BODY || d->state == ST_SSLV2) && d->body_left > 0 && !in_message)
            tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a record", d->body_left, ts);
        else if (d->state == ST_HDR && d->hdr_have > 0)
            tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a record header",
                              d->hdr_have, ts);
        if (in_message) {
            uint64_t need = 0;
            if (d->hs.len >= 4)
                need = 4 + (((uint64_t)d->hs.data[1] << 16) | ((uint64_t)d->hs.data[2] << 8) | d->hs.data[3]) -
                       d->hs.len;
            tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a handshake message", need, ts);
        }
        tsc_buf_free(&d->body);
        tsc_buf_free(&d->hs);
    }
    if (c->decp) {
        tsc_dec_remember(sc, c);
        tsc_dec_free(c);
    }
    c->closed = 1;
}
