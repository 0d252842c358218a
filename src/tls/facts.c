/*
 * facts.c - the handshake layer after framing and protection: a record's
 * content by type, handshake messages from assembly (assemble.c) through the
 * pure decoders (msg.h), what they mean for the connection (versions, roles,
 * phases, resumption, certificates, the facts findings judge), and the
 * events handed to the sink. Transport-independent: TLS over TCP reaches it
 * through frame_tcp.c, and every other transport will through its own
 * framing, as records (tsc_rec_in) and handshake bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "registry/registry.h"
#include "registry/suite.h"
#include "tls/session_int.h"

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

/* The first TSC_MAX_ALPN_COPY names (each cut at 255 bytes), packed. */
static tsc_result copy_alpn_offered(struct tsc_conn *c, const struct tsc_ext *e)
{
    size_t total = 0, k = 0;
    for (uint16_t i = 0; i < e->u.names.stored && k < TSC_MAX_ALPN_COPY; i++, k++)
        total += e->u.names.v[i].len < 255 ? e->u.names.v[i].len : 255;
    free(c->alpn_offered);
    c->n_alpn_offered = 0;
    c->alpn_offered = malloc(total ? total : 1);
    if (!c->alpn_offered)
        return TSC_ERR(TSC_LIMIT, "out of memory for the offered ALPN names");
    size_t at = 0;
    for (uint16_t i = 0; i < e->u.names.stored && c->n_alpn_offered < TSC_MAX_ALPN_COPY; i++) {
        struct tsc_view v = e->u.names.v[i];
        size_t n = v.len < 255 ? v.len : 255;
        memcpy(c->alpn_offered + at, v.p, n);
        c->alpn_offered_off[c->n_alpn_offered] = (uint16_t)at;
        c->alpn_offered_len[c->n_alpn_offered++] = (uint8_t)n;
        at += n;
    }
    return tsc_ok();
}

static void on_client_hello(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int64_t ts,
                            const struct tsc_client_hello *ch)
{
    if (c->saw_client_hello)
        return; /* the first ClientHello describes the connection */
    c->saw_client_hello = 1;
    c->client_version = ch->legacy_version;
    if (ch->random.len == 32) {
        memcpy(c->ch_random, ch->random.p, 32);
        c->have_ch_random = 1;
    }
    c->ch_early_data = tsc_ext_find(&ch->ext, TSC_EXT_EARLY_DATA) != NULL;
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
    if (e && e->form == TSC_EXTF_NAMES) {
        tsc_result r = copy_alpn_offered(c, e);
        if (!tsc_is_ok(r))
            tsc_sess_error_r(sc, c, dir, r, 0, ts);
    }
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
    /* DTLS connection_id (RFC 9146 3): the ID the client asks to be sent,
     * carried by the server's records once the server agrees */
    e = tsc_ext_find(&ch->ext, TSC_EXT_CONNECTION_ID);
    if (e && e->data.len >= 1 && e->data.p[0] == e->data.len - 1) {
        c->dir[TSC_S2C].dg.cid_len = e->data.p[0];
        c->ch_cid_offered = 1;
    }
}

/* The protocol the server selected: in its ServerHello (TLS 1.2 and
 * below), in EncryptedExtensions (TLS 1.3: read with keys). */
static void alpn_selected(struct tsc_conn *c, const struct tsc_ext_list *ext)
{
    const struct tsc_ext *e = tsc_ext_find(ext, TSC_EXT_ALPN);
    if (e && e->form == TSC_EXTF_NAMES && e->u.names.stored > 0) {
        struct tsc_view v = e->u.names.v[0];
        size_t n = v.len < 255 ? v.len : 255;
        memcpy(c->alpn_selected, v.p, n);
        c->alpn_selected_len = (uint8_t)n;
        c->has_alpn_selected = 1;
    }
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
    const struct tsc_ext *cid = tsc_ext_find(&sh->ext, TSC_EXT_CONNECTION_ID);
    /* connection IDs are used only when both hellos carry the extension
     * (RFC 9146 3) */
    if (cid && cid->data.len >= 1 && cid->data.p[0] == cid->data.len - 1 && c->ch_cid_offered) {
        c->dir[TSC_C2S].dg.cid_len = cid->data.p[0];
        c->dir[TSC_C2S].dg.cid_known = 1;
        c->dir[TSC_S2C].dg.cid_known = 1;
    }
    c->sh_compression = sh->compression;
    c->sh_reneg = tsc_ext_find(&sh->ext, TSC_EXT_RENEGOTIATION_INFO) != NULL;
    c->sh_ems = tsc_ext_find(&sh->ext, TSC_EXT_EXTENDED_MASTER_SECRET) != NULL;
    alpn_selected(c, &sh->ext);
}

/* The summary of one certificate (a reference for the caller) and its
 * status: from the session's cache of recent certificates when the same
 * DER was seen, else made (and cached). Out of memory: the empty summary,
 * with a status that says so. */
static void summarize_cached(struct tsc_session_ctx *sc, const uint8_t *der, size_t len,
                             const struct tsc_x509_summary **out, tsc_result *status)
{
    struct tsc_cert_cache_entry *cache = sc->cert_cache;
    uint64_t h = 0;
    struct tsc_cert_cache_entry *victim = NULL;
    if (cache && len <= TSC_CERT_CACHE_MAX_DER) {
        h = tsc_siphash(&sc->cache_key, der, len);
        victim = &cache[0];
        sc->cache_clock++;
        for (size_t i = 0; i < TSC_CERT_CACHE; i++) {
            struct tsc_cert_cache_entry *e = &cache[i];
            if (e->der && e->hash == h && e->len == len && memcmp(e->der, der, len) == 0) {
                e->used = sc->cache_clock;
                *out = tsc_cert_sum_ref(e->sum);
                *status = e->status;
                return;
            }
            if (e->used < victim->used)
                victim = e;
        }
    }
    struct tsc_cert_sum *p = tsc_cert_sum_new();
    if (!p) {
        *out = &tsc_cert_sum_none.s;
        *status = TSC_ERR(TSC_LIMIT, "out of memory for a certificate summary");
        return;
    }
    *status = tsc_x509_summarize(der, len, &p->s);
    *out = &p->s;
    if (!victim)
        return;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return; /* not cached: the connection holds the only reference */
    free(victim->der);
    if (victim->sum)
        tsc_cert_sum_unref(&victim->sum->s);
    memcpy(copy, der, len);
    victim->der = copy;
    victim->len = len;
    victim->hash = h;
    victim->used = sc->cache_clock;
    victim->sum = p;
    (void)tsc_cert_sum_ref(p);
    victim->status = *status;
}

static void on_certificate(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_event *ev,
                           const struct tsc_certificate *cert, const struct tsc_x509_summary ***tmp,
                           tsc_result **tmp_status)
{
    uint16_t n = cert->stored;
    if (n == 0)
        return;
    const struct tsc_x509_summary **sum = calloc(n, sizeof *sum);
    tsc_result *st = calloc(n, sizeof *st);
    if (!sum || !st) {
        free(sum);
        free(st);
        tsc_sess_error_r(sc, c, ev->dir, TSC_ERR(TSC_LIMIT, "out of memory for certificate summaries"), 0,
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
/* What the assembler hands on a message to: the connection and the record
 * that completed it. */
struct hs_call {
    struct tsc_session_ctx *sc;
    struct tsc_conn *c;
    int dir;
    const struct tsc_rec_in *rec;
    int64_t ts;
    uint8_t tag; /* DTLS: the message came from decrypted records (assembly's tag) */
};

/* A whole handshake message: decode it, take its facts, tell the sink. */
static void on_message(void *arg, uint8_t type, struct tsc_view body)
{
    const struct hs_call *hc = arg;
    struct tsc_session_ctx *sc = hc->sc;
    struct tsc_conn *c = hc->c;
    int dir = hc->dir;
    int64_t ts = hc->ts;
    struct tsc_hs_ctx hctx = {c->version, c->have_suite ? c->suite : 0, c->transport == TSC_TRANSPORT_DTLS};
    struct tsc_hs_msg *m = sc->scratch;
    struct tsc_event ev;
    const struct tsc_x509_summary **tmp = NULL;
    tsc_result *tmp_status = NULL;

    sc->messages++;
    c->hs_messages[dir]++;
    memset(m, 0, offsetof(struct tsc_hs_msg, u));
    tsc_sess_ev_init(&ev, TSC_EV_HANDSHAKE, c, dir, ts);
    int decrypted = hc->rec->decrypted || hc->tag;
    ev.decrypted = (uint8_t)decrypted;
    ev.status = tsc_hs_decode(type, body, &hctx, m);
    ev.msg = m;
    ev.wire_type = type;
    ev.length = body.len;
    ev.record_version = hc->rec->version;

    if (tsc_is_ok(ev.status)) {
        switch (m->type) {
        case TSC_HS_CLIENT_HELLO:
            if (c->complete)
                c->renegotiated = 1;
            on_client_hello(hc->sc, c, hc->dir, hc->ts, &m->u.ch);
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
        case TSC_HS_ENCRYPTED_EXTENSIONS:
            if (dir == TSC_S2C && !c->has_alpn_selected)
                alpn_selected(c, &m->u.ee);
            break;
        case TSC_HS_SERVER_KEY_EXCHANGE:
            c->saw_ske = 1;
            if (m->u.ske.kx == TSC_KX_ECDHE || m->u.ske.kx == TSC_KX_ECDHE_PSK) {
                c->ske_group = m->u.ske.named_curve;
                c->have_ske_group = 1;
            }
            /* the DH prime's size is the analysis step's (src/analysis/analysis.c) */
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
            on_client_hello(hc->sc, c, hc->dir, hc->ts, &m->u.ch);
        else if (ev.partial && !m->u.sh.hrr)
            on_server_hello(c, &m->u.sh);
        else if (type == TSC_HS_SERVER_HELLO && dir == TSC_S2C)
            c->saw_server_hello = 1;
        tsc_sess_error_r(sc, c, dir, ev.status, type, ts);
    }
    ev.phase = (uint8_t)phase_of(c, dir, m->type);
    if (sc->dec)
        tsc_dec_on_message(sc, c, dir, type, body, m, tsc_is_ok(ev.status), decrypted);
    tsc_sess_emit(sc, &ev);
    tsc_cert_sums_release(tmp, tmp ? ev.n_certs : 0);
    free(tmp_status);
}

static void on_asm_error(void *arg, tsc_result why, uint64_t detail)
{
    const struct hs_call *hc = arg;
    tsc_sess_error_r(hc->sc, hc->c, hc->dir, why, detail, hc->ts);
}

void tsc_sess_handshake(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                        const uint8_t *p, size_t n, int fresh, int64_t ts)
{
    struct hs_call hc = {sc, c, dir, r, ts, 0};
    struct tsc_asm_out out = {&hc, on_message, on_asm_error, NULL};
    tsc_asm_stream(&c->dir[dir].hs, sc->lim.flow_buf_max, p, n, fresh, &out);
}

void tsc_sess_crypto(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, struct tsc_hs_asm *a,
                     const struct tsc_rec_in *r, uint64_t offset, const uint8_t *p, size_t n, int64_t ts)
{
    struct hs_call hc = {sc, c, dir, r, ts, 0};
    struct tsc_asm_out out = {&hc, on_message, on_asm_error, NULL};
    (void)tsc_asm_crypto(a, sc->lim.flow_buf_max, offset, p, n, &out);
}

void tsc_sess_crypto_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, struct tsc_hs_asm *a, int64_t ts)
{
    uint64_t need = 0;
    if (tsc_asm_holes(a))
        tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0, "CRYPTO data missing from the capture", 0, ts);
    else if (tsc_asm_pending(a, &need))
        tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a handshake message", need, ts);
    tsc_asm_free(a);
}

/* DTLS: give up the messages of direction `dir` the capture will not
 * complete, reported as a gap, handing on what was held after them. */
void tsc_sess_handshake_skip(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int64_t ts)
{
    if (!tsc_asm_holes(&c->dir[dir].hs))
        return;
    struct tsc_rec_in none = {.type = TSC_CT_HANDSHAKE, .dtls = 1};
    struct hs_call hc = {sc, c, dir, &none, ts, 0};
    struct tsc_asm_out out = {&hc, on_message, on_asm_error, &hc.tag};
    uint32_t skipped = 0;
    uint64_t missing = tsc_asm_frag_skip(&c->dir[dir].hs, &out, &skipped);
    if (skipped)
        tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0,
                          missing ? "handshake fragments missing from the capture"
                                  : "a handshake message missing from the capture",
                          missing, ts);
}

/* DTLS: the handshake fragments of one record (RFC 6347 4.2.2, RFC 9147
 * 5.2), each to reassembly by (message_seq, offset). A message handed on
 * here means the peer's flight was answered: what the peer's direction
 * still misses will not come. */
static void handshake_fragments(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                                const uint8_t *p, size_t n, int cut, int64_t ts)
{
    struct hs_call hc = {sc, c, dir, r, ts, 0};
    struct tsc_asm_out out = {&hc, on_message, on_asm_error, &hc.tag};
    struct tsc_cursor cur = tsc_cursor_of((struct tsc_view){p, n});
    uint64_t before = c->hs_messages[dir];
    while (tsc_cursor_left(&cur) > 0) {
        struct tsc_hs_frag f;
        struct tsc_cursor at = cur;
        tsc_result res = tsc_hs_frag_parse(&cur, &f);
        if (!tsc_is_ok(res) && cut && res.kind == TSC_TRUNCATED && tsc_cursor_left(&at) > 12) {
            /* the snaplen cut this fragment's body: the bytes captured go on */
            cur = at;
            (void)tsc_cursor_skip(&cur, 12);
            f.body = tsc_cursor_rest(&cur);
            (void)tsc_cursor_skip(&cur, f.body.len);
            res = tsc_ok();
        }
        if (!tsc_is_ok(res)) {
            if (!cut) /* a cut record's last bytes were reported with the cut */
                tsc_sess_error_r(sc, c, dir, tsc_complete(res), tsc_cursor_left(&cur), ts);
            break;
        }
        f.tag = r->decrypted;
        struct tsc_dtls_framing *g = &c->dir[dir].dg;
        if (r->decrypted && c->complete && f.message_seq == 0 && r->epoch > g->reneg_epoch &&
            (f.type == TSC_HS_CLIENT_HELLO || f.type == TSC_HS_SERVER_HELLO || f.type == TSC_HS_HELLO_REQUEST)) {
            /* a renegotiation (under the keys of this epoch) numbers its
             * messages from 0 again: once per epoch, not per retransmission */
            g->reneg_epoch = r->epoch;
            tsc_asm_frag_restart(&c->dir[dir].hs);
        }
        if (f.type == TSC_HS_CLIENT_HELLO && !r->decrypted && dir == TSC_C2S) {
            /* the server answers with the same message_seq (RFC 6347
             * 4.2.2): its first message is known even if a later datagram
             * of its flight is captured first */
            struct hs_call hs = {sc, c, dir ^ 1, r, ts, 0};
            struct tsc_asm_out o2 = {&hs, on_message, on_asm_error, &hs.tag};
            tsc_asm_frag_expect(&c->dir[dir ^ 1].hs, f.message_seq, &o2);
        }
        (void)tsc_asm_fragment(&c->dir[dir].hs, sc->lim.flow_buf_max, &f, &out);
    }
    if (c->hs_messages[dir] != before)
        tsc_sess_handshake_skip(sc, c, dir ^ 1, ts);
}

void tsc_sess_handshake_cut(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                            const uint8_t *p, size_t n, int64_t ts)
{
    sc->records++;
    handshake_fragments(sc, c, dir, r, p, n, 1, ts);
}

void tsc_sess_handshake_gap(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint64_t missing, int64_t ts)
{
    struct tsc_rec_in none = {.type = TSC_CT_HANDSHAKE};
    struct hs_call hc = {sc, c, dir, &none, ts, 0};
    struct tsc_asm_out out = {&hc, on_message, on_asm_error, NULL};
    tsc_asm_gap(&c->dir[dir].hs, missing, &out);
}


/* ---------------------------------------------------------- record layer */

/* OpenSSL's pre-RFC DTLS gives its ChangeCipherSpec a message_seq: the
 * Finished after it has the next one. */
static void spend_message_seq(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint16_t seq, int64_t ts)
{
    struct tsc_rec_in none = {.type = TSC_CT_HANDSHAKE, .dtls = 1};
    struct hs_call hc = {sc, c, dir, &none, ts, 0};
    struct tsc_asm_out out = {&hc, on_message, on_asm_error, &hc.tag};
    tsc_asm_frag_spent(&c->dir[dir].hs, seq, &out);
}

static void record_ccs(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                        const uint8_t *p, size_t n,
                       int64_t ts)
{
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_CCS, c, dir, ts);
        ev.decrypted = r->decrypted;
    ev.phase = TSC_PHASE_KEY_EXCHANGE;
    ev.length = n;
    ev.record_version = r->version;
    /* OpenSSL's pre-RFC DTLS (0x0100) adds the message_seq to it */
    int bad_ver = r->dtls && r->version == 0x0100 && n == 3;
    if ((n != 1 && !bad_ver) || p[0] != 1)
        ev.status = TSC_MALFORMED_ERR("ChangeCipherSpec is not the single byte 1");
    else if (bad_ver)
        spend_message_seq(sc, c, dir, (uint16_t)(p[1] << 8 | p[2]), ts);
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
        tsc_sess_error_r(sc, c, dir, ev.status, 0, ts);
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

static void record_alert(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                        const uint8_t *p, size_t n,
                         int64_t ts)
{
    int plaintext_size = n == 1 || (n % 2 == 0 && n <= 8); /* one to four alerts, or a broken one */
    if (!plaintext_size) {
        /* not the size of plaintext alerts: an encrypted one (a capture that
         * began after the ChangeCipherSpec, or a ChangeCipherSpec we missed) */
        struct tsc_event ev;
        tsc_sess_ev_init(&ev, TSC_EV_ALERT, c, dir, ts);
        ev.decrypted = r->decrypted;
        ev.phase = TSC_PHASE_FINISH;
        ev.record_version = r->version;
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
        ev.decrypted = r->decrypted;
        ev.phase = TSC_PHASE_FINISH;
        ev.record_version = r->version;
        size_t take = n - off >= 2 ? 2 : n - off;
        struct tsc_view v = {p + off, take};
        ev.length = take;
        ev.status = tsc_alert_parse(v, &ev.alert);
        if (tsc_is_ok(ev.status)) {
            add_alert(c, dir, 0, ev.alert.level, ev.alert.description, ts);
            if (ev.alert.level == 2 || ev.alert.description == 0)
                c->ended = 1; /* fatal, or close_notify */
        }
        tsc_sess_emit(sc, &ev);
        if (!tsc_is_ok(ev.status))
            tsc_sess_error_r(sc, c, dir, ev.status, 0, ts);
        off += take;
    } while (off < n);
}

void tsc_sess_alert(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int decrypted, uint8_t level,
                    uint8_t desc, int64_t ts)
{
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_ALERT, c, dir, ts);
    ev.decrypted = (uint8_t)decrypted;
    ev.phase = TSC_PHASE_FINISH;
    ev.length = 2;
    ev.alert.level = level;
    ev.alert.description = desc;
    add_alert(c, dir, 0, level, desc, ts);
    if (level == 2 || desc == 0)
        c->ended = 1;
    tsc_sess_emit(sc, &ev);
}

static void record_heartbeat(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                             const uint8_t *p, size_t n, int64_t ts)
{
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_HEARTBEAT, c, dir, ts);
        ev.decrypted = r->decrypted;
    ev.phase = TSC_PHASE_FINISH;
    ev.length = n;
    ev.record_version = r->version;
    struct tsc_view v = {p, n};
    ev.status = tsc_heartbeat_parse(v, &ev.hb);
    tsc_sess_emit(sc, &ev);
    if (!tsc_is_ok(ev.status))
        tsc_sess_error_r(sc, c, dir, ev.status, 0, ts);
}



static void app_data(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                     const uint8_t *p, size_t n, int64_t ts)
{
    c->app_records[dir]++;
    c->app_bytes[dir] += r->length;
    if (sc->dec && sc->dec->app_data_events && n) {
        struct tsc_event ev;
        tsc_sess_ev_init(&ev, TSC_EV_APP_DATA, c, dir, ts);
        ev.decrypted = r->decrypted;
        ev.phase = TSC_PHASE_FINISH;
        ev.length = n;
        ev.record_version = r->version;
        ev.data.p = p;
        ev.data.len = n;
        tsc_sess_emit(sc, &ev);
    }
}

void tsc_sess_stream(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint64_t stream_id, uint64_t offset,
                     int fin, const uint8_t *p, size_t n, int64_t ts)
{
    if (!sc->dec || !sc->dec->app_data_events || (!n && !fin))
        return;
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_APP_DATA, c, dir, ts);
    ev.decrypted = 1;
    ev.phase = TSC_PHASE_FINISH;
    ev.length = n;
    ev.data.p = p;
    ev.data.len = n;
    ev.has_stream = 1;
    ev.fin = (uint8_t)fin;
    ev.stream_id = stream_id;
    ev.stream_offset = offset;
    tsc_sess_emit(sc, &ev);
}

void tsc_sess_deliver(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                      const uint8_t *p, size_t n, int64_t ts)
{
    switch (r->type) {
    case TSC_CT_HANDSHAKE:
        sc->records++;
        if (r->dtls)
            handshake_fragments(sc, c, dir, r, p, n, 0, ts);
        else
            tsc_sess_handshake(sc, c, dir, r, p, n, 1, ts);
        break;
    case TSC_CT_ACK: /* DTLS 1.3: which records arrived (RFC 9147 7), no handshake meaning */
        sc->records++;
        break;
    case TSC_CT_CHANGE_CIPHER_SPEC: /* in a renegotiation, under the old keys */
        sc->records++;
        record_ccs(sc, c, dir, r, p, n, ts);
        break;
    case TSC_CT_ALERT:
        sc->records++;
        record_alert(sc, c, dir, r, p, n, ts);
        break;
    case TSC_CT_HEARTBEAT:
        sc->records++;
        record_heartbeat(sc, c, dir, r, p, n, ts);
        break;
    case TSC_CT_APPLICATION_DATA:
        if (r->decrypted)
            app_data(sc, c, dir, r, p, n, ts);
        break;
    default:
        if (r->decrypted)
            tsc_session_error(sc, c, dir, TSC_MALFORMED, TSC_ALERT_UNEXPECTED_MESSAGE,
                              "a decrypted record has an unexpected content type", r->type, ts);
        else
            sc->records++;
        break;
    }
}

/* The event of a record that is not read: its header's facts, the reason
 * it did not decrypt, if any, and the phase it belongs to. */
static void unread_event(struct tsc_event *ev, enum tsc_ev_type type, struct tsc_conn *c, int dir,
                         const struct tsc_rec_in *r, int64_t ts, const char *why, int phase)
{
    tsc_sess_ev_init(ev, type, c, dir, ts);
    ev->decrypt_error = why;
    ev->length = r->length;
    ev->record_version = r->version;
    ev->phase = (uint8_t)phase;
}

/* A record that will not be read: decide what it is when its header
 * arrives (or, with `why`, after it failed to decrypt for that reason). */
int tsc_sess_record_opaque(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                           int64_t ts, const char *why)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    struct tsc_tlsdir *o = &c->dir[dir ^ 1];
    uint8_t type = r->type;
    struct tsc_event ev;
    if (c->dec.enabled && !why && (d->encrypted || (type == TSC_CT_APPLICATION_DATA && c->saw_server_hello)))
        c->dec.opaque[dir]++;

    if (type == TSC_CT_TLS12_CID && r->dtls && !why) {
        /* DTLS 1.2 with connection IDs hides the inner type: the first one
         * of a direction is its Finished, the rest application data */
        if (c->finished_seen[dir]) {
            c->app_records[dir]++;
            c->app_bytes[dir] += r->length;
            return 1;
        }
        type = TSC_CT_HANDSHAKE;
    }
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
                unread_event(&ev, TSC_EV_ENCRYPTED_HS, c, dir, r, ts, why,
                             dir == TSC_S2C ? TSC_PHASE_SERVER_AUTH : TSC_PHASE_FINISH);
                ev.encrypted = 1;
                tsc_sess_emit(sc, &ev);
                return 1;
            }
        }
        c->app_records[dir]++;
        c->app_bytes[dir] += r->length;
        return 1;
    }
    if (!d->encrypted)
        return 0;
    sc->records++;
    if (type == TSC_CT_HANDSHAKE) {
        unread_event(&ev, TSC_EV_ENCRYPTED_HS, c, dir, r, ts, why, TSC_PHASE_FINISH);
        /* the first encrypted handshake message is Finished (DTLS: whether
         * or not the ChangeCipherSpec came first, datagrams reorder) */
        if ((c->ccs_seen[dir] || r->dtls) && !c->finished_seen[dir]) {
            c->finished_seen[dir] = 1;
            if (c->finished_seen[dir ^ 1])
                c->complete = 1;
        } else if (c->complete && !r->dtls) {
            /* DTLS retransmits a lost Finished in the same epoch: a
             * renegotiation shows there as the next epoch (frame_dtls.c) */
            c->renegotiated = 1;
        }
        tsc_sess_emit(sc, &ev);
    } else if (type == TSC_CT_ALERT) {
        unread_event(&ev, TSC_EV_ALERT, c, dir, r, ts, why, TSC_PHASE_FINISH);
        ev.encrypted = 1;
        add_alert(c, dir, 1, 0, 0, ts);
        tsc_sess_emit(sc, &ev);
    } else if (type == TSC_CT_HEARTBEAT) {
        unread_event(&ev, TSC_EV_HEARTBEAT, c, dir, r, ts, why, TSC_PHASE_FINISH);
        ev.encrypted = 1;
        tsc_sess_emit(sc, &ev);
    } else {
        return 0;
    }
    return 1;
}

/* An SSLv2-format ClientHello: a message of its own format, without a
 * handshake header, decoded like a ClientHello. */
void tsc_sess_sslv2_hello(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
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
        on_client_hello(sc, c, dir, ts, &m->u.ch);
    if (sc->dec)
        tsc_dec_on_message(sc, c, dir, TSC_HS_CLIENT_HELLO, v, m, tsc_is_ok(ev.status), 0);
    tsc_sess_emit(sc, &ev);
    if (!tsc_is_ok(ev.status))
        tsc_sess_error_r(sc, c, dir, ev.status, 1, ts);
}
