/*
 * frame_quic.c - the TLS 1.3 handshake inside QUIC (RFC 9000, 9001; RFC
 * 9369's version 2): UDP datagrams to packets, packets opened, CRYPTO
 * frames to handshake assembly.
 *
 * QUIC has no TLS records: the handshake's bytes travel in CRYPTO frames,
 * one stream per packet number space (Initial, Handshake, application
 * data), each numbered from offset 0 (RFC 9001 4.1.3). So where TLS over
 * TCP frames records, this file
 *
 *   - walks the packets of a datagram (coalesced: RFC 9000 12.2), short
 *     headers read with the connection ID length each side chose;
 *   - removes header protection and opens the payload with the keys of the
 *     packet's space and direction: Initial keys from the client's first
 *     Destination Connection ID (no key log needed: RFC 9001 5.2), or from
 *     a Retry's Source Connection ID after a Retry; the Handshake, 0-RTT
 *     and 1-RTT keys from the key log's TLS 1.3 secrets with QUIC's labels
 *     (RFC 9001 5.1); a 1-RTT key phase change is a key update (6);
 *   - walks the frames: CRYPTO bytes go to the direction's assembler of
 *     that space (tsc_sess_crypto), then to the same decoders and facts as
 *     every other TLS; the others are counted by type, and a few say
 *     something about the connection (NEW_CONNECTION_ID, CONNECTION_CLOSE,
 *     HANDSHAKE_DONE, STREAM data with --data).
 *
 * A packet that does not open is counted and never guessed at. Packet
 * numbers are rebuilt from the largest opened in the space (RFC 9000 A.3).
 *
 * Memory: per connection one struct tsc_quic_state, the keys (freed when
 * the connection closes) and six assemblers, each bounded by
 * tsc_limits.flow_buf_max; one header and payload buffer per run.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/primitives.h"
#include "crypto/keylog.h"
#include "crypto/quic.h"
#include "tls/quic.h"
#include "tls/session_int.h"

enum { SP_INITIAL, SP_HANDSHAKE, SP_APP, SPACES };

#define QUIC_BUF 65536 /* the largest UDP payload */

struct tsc_quic_state {
    struct tsc_quic_info info;
    /* Initial keys: of which version, from which connection ID */
    uint32_t init_version;
    struct tsc_quic_cid init_dcid;
    struct tsc_quic_keys *initial[2], *handshake[2], *app[2], *early;
    struct tsc_quic_keys *app_prev[2]; /* the generation before app[]: packets reordered around a key update */
    uint64_t app_first_pn[2];          /* the first packet number app[] opened after an update */
    uint8_t early_tries;               /* 0-RTT packets the early secret was tried on without opening */
    uint8_t server_pkts;               /* the server sent a packet other than Version Negotiation */
    uint32_t hs_version, app_version[2];
    uint8_t hs_looked[2], app_looked[2];
    uint8_t app_phase[2];          /* the key phase bit of app[] */
    uint8_t app_opened[2];         /* app[] opened a packet: its phase is known */
    uint8_t app_secret_len[2];
    uint8_t app_secret[2][48];     /* of app[]: the next generation's comes from it */
    uint8_t app_hp[2][32];         /* header protection key: the same in every generation */
    uint64_t largest[2][SPACES];
    uint8_t have_pn[2][SPACES];
    struct tsc_hs_asm hs[2][SPACES];
    uint8_t short_len[2];          /* Destination Connection ID length of short headers sent each way */
    uint8_t short_known[2];
    uint8_t enc_hs_shown[2];       /* the event of an unread Handshake flight went out */
    uint8_t server_hs_packet;      /* the server sent a Handshake packet */
    uint8_t vn_restart;            /* after Version Negotiation: the client's next Initial starts over */
    uint8_t cut_reported;
};

int tsc_quic_frame_kind(uint64_t type)
{
    if (type <= 0x07)
        return (int)type;
    if (type <= 0x0f)
        return 8; /* STREAM and its flag bits */
    if (type <= 0x1e)
        return (int)type - 7;
    if (type == 0x30 || type == 0x31)
        return 24; /* DATAGRAM */
    return -1;
}

uint64_t tsc_quic_frame_kind_type(int kind)
{
    if (kind <= 8)
        return (uint64_t)kind;
    if (kind <= 23)
        return (uint64_t)kind + 7;
    return 0x30;
}

static int cid_eq(const struct tsc_quic_cid *a, struct tsc_view b)
{
    return a->len == b.len && (b.len == 0 || memcmp(a->id, b.p, b.len) == 0);
}

static void cid_set(struct tsc_quic_cid *a, struct tsc_view b)
{
    a->len = (uint8_t)(b.len <= TSC_QUIC_CID_LEN ? b.len : TSC_QUIC_CID_LEN);
    if (a->len)
        memcpy(a->id, b.p, a->len);
}

/* A connection ID a side chose (its long headers' Source Connection ID,
 * or one it issued in NEW_CONNECTION_ID), kept once. */
static void cid_add(struct tsc_quic_info *qi, int side, struct tsc_view id)
{
    if (id.len > TSC_QUIC_CID_LEN)
        return;
    for (unsigned i = 0; i < qi->n_cids[side]; i++)
        if (cid_eq(&qi->cids[side][i], id))
            return;
    if (qi->n_cids_total[side] < UINT16_MAX)
        qi->n_cids_total[side]++;
    if (qi->n_cids[side] < TSC_QUIC_CIDS)
        cid_set(&qi->cids[side][qi->n_cids[side]++], id);
}

static int cid_known(const struct tsc_quic_info *qi, struct tsc_view id)
{
    if (qi->have_odcid && cid_eq(&qi->odcid, id))
        return 1;
    if (qi->retry && cid_eq(&qi->retry_scid, id))
        return 1;
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < qi->n_cids[s]; i++)
            if (cid_eq(&qi->cids[s][i], id))
                return 1;
    return 0;
}

static struct tsc_quic_state *state_of(struct tsc_conn *c)
{
    if (!c->quicp) {
        c->quicp = calloc(1, sizeof *c->quicp);
        if (c->quicp)
            c->quic = &c->quicp->info;
    }
    return c->quicp;
}

static void keys_drop(struct tsc_quic_keys **k)
{
    tsc_quic_keys_free(*k);
    *k = NULL;
}

static void keys_free_all(struct tsc_quic_state *st)
{
    for (int d = 0; d < 2; d++) {
        keys_drop(&st->initial[d]);
        keys_drop(&st->handshake[d]);
        keys_drop(&st->app[d]);
        keys_drop(&st->app_prev[d]);
    }
    keys_drop(&st->early);
    tsc_wipe(st->app_secret, sizeof st->app_secret);
    tsc_wipe(st->app_hp, sizeof st->app_hp);
}

void tsc_frame_quic_free(struct tsc_conn *c)
{
    struct tsc_quic_state *st = c->quicp;
    if (!st)
        return;
    keys_free_all(st);
    for (int d = 0; d < 2; d++)
        for (int s = 0; s < SPACES; s++)
            tsc_asm_free(&st->hs[d][s]);
    free(st);
    c->quicp = NULL;
    c->quic = NULL;
}

void tsc_frame_quic_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int64_t ts)
{
    struct tsc_quic_state *st = c->quicp;
    if (!st)
        return;
    for (int d = 0; d < 2 && c->is_tls; d++)
        for (int s = 0; s < SPACES; s++)
            tsc_sess_crypto_close(sc, c, d, &st->hs[d][s], ts);
    keys_free_all(st);
}

static int dir_of(const struct tsc_conn *c, int side) { return side == c->client_side ? TSC_C2S : TSC_S2C; }

/* ------------------------------------------------------------------ keys */

/* The Initial keys for a packet of `version`: from the client's first
 * Destination Connection ID, or after a Retry from the Retry's Source
 * Connection ID (RFC 9001 5.2; RFC 9000 17.2.5.2). NULL when the client's
 * first Initial was not seen. */
static struct tsc_quic_keys *initial_keys(struct tsc_quic_state *st, int dir, uint32_t version)
{
    struct tsc_quic_info *qi = &st->info;
    if (!qi->have_odcid)
        return NULL;
    const struct tsc_quic_cid *from = qi->retry ? &qi->retry_scid : &qi->odcid;
    if (st->initial[dir] && st->init_version == version && st->init_dcid.len == from->len &&
        memcmp(st->init_dcid.id, from->id, from->len) == 0)
        return st->initial[dir];
    keys_drop(&st->initial[0]);
    keys_drop(&st->initial[1]);
    struct tsc_traffic_keys k[2];
    if (!tsc_is_ok(tsc_quic_initial_keys(version, from->id, from->len, k)))
        return NULL;
    for (int d = 0; d < 2; d++)
        if (!tsc_is_ok(tsc_quic_keys_new(&k[d], &st->initial[d])))
            st->initial[d] = NULL;
    tsc_wipe(k, sizeof k);
    st->init_version = version;
    st->init_dcid = *from;
    return st->initial[dir];
}

/* Keys of a TLS 1.3 traffic secret with the version's QUIC labels. */
static struct tsc_quic_keys *secret_keys(uint16_t suite, uint32_t version, const uint8_t *s, size_t n,
                                         struct tsc_traffic_keys *tk_out)
{
    const struct tsc_key_labels *labels = tsc_quic_labels(version);
    struct tsc_traffic_keys tk;
    struct tsc_quic_keys *q = NULL;
    if (!labels || !tsc_is_ok(tsc_traffic_keys_derive(suite, labels, s, n, &tk)))
        return NULL;
    if (!tsc_is_ok(tsc_quic_keys_new(&tk, &q)))
        q = NULL;
    if (tk_out)
        *tk_out = tk;
    tsc_wipe(&tk, sizeof tk);
    return q;
}

/* Whether the ServerHello said enough to look secrets up: TLS 1.3 and a
 * suite the key schedule knows. */
static int suite_ready(struct tsc_conn *c)
{
    const char *why;
    if (!c->have_suite || !c->saw_server_hello)
        return 0;
    if (!tsc_decrypt_supported(TSC_TLS13, c->suite, &why)) {
        tsc_dec_note(c, why);
        c->dec.unsupported = 1;
        return 0;
    }
    return 1;
}

static struct tsc_quic_keys *handshake_keys(struct tsc_session_ctx *sc, struct tsc_conn *c,
                                            struct tsc_quic_state *st, int dir, uint32_t version)
{
    if (st->handshake[dir] && st->hs_version == version)
        return st->handshake[dir];
    if (!sc->dec || !sc->dec->keylog || st->hs_looked[dir] || !suite_ready(c))
        return NULL;
    st->hs_looked[dir] = 1;
    const uint8_t *s;
    size_t n = tsc_dec_secret(sc, c, dir == TSC_C2S ? TSC_KL_CLIENT_HS : TSC_KL_SERVER_HS, &s);
    if (!n)
        return NULL;
    keys_drop(&st->handshake[dir]);
    st->handshake[dir] = secret_keys(c->suite, version, s, n, NULL);
    st->hs_version = version;
    return st->handshake[dir];
}

static struct tsc_quic_keys *app_keys(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st,
                                      int dir, uint32_t version)
{
    if (st->app[dir])
        return st->app[dir];
    if (!sc->dec || !sc->dec->keylog || st->app_looked[dir] || !suite_ready(c))
        return NULL;
    st->app_looked[dir] = 1;
    const uint8_t *s;
    size_t n = tsc_dec_secret(sc, c, dir == TSC_C2S ? TSC_KL_CLIENT_AP0 : TSC_KL_SERVER_AP0, &s);
    if (!n || n > sizeof st->app_secret[dir])
        return NULL;
    struct tsc_traffic_keys tk;
    st->app[dir] = secret_keys(c->suite, version, s, n, &tk);
    if (!st->app[dir])
        return NULL;
    memcpy(st->app_secret[dir], s, n);
    st->app_secret_len[dir] = (uint8_t)n;
    memcpy(st->app_hp[dir], tk.hp, sizeof st->app_hp[dir]);
    tsc_wipe(&tk, sizeof tk);
    st->app_version[dir] = version;
    return st->app[dir];
}

/* 0-RTT: the client's early traffic secret, once its ClientHello (whose
 * random finds it) was read. Its suite is the resumed session's, which the
 * capture may not show: each TLS 1.3 suite whose hash fits the secret is
 * tried, on the first few 0-RTT packets (the caller keeps the one that
 * opens). */
#define EARLY_TRIES 4
static size_t early_secret(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st,
                           const uint8_t **s)
{
    if (!sc->dec || !sc->dec->keylog || !c->saw_client_hello || st->early_tries >= EARLY_TRIES)
        return 0;
    return tsc_dec_secret(sc, c, TSC_KL_CLIENT_EARLY, s);
}

/* ------------------------------------------------------------------ frames */

static void on_close_frame(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_quic_frame *f,
                           int decrypted, int64_t ts)
{
    struct tsc_quic_info *qi = &c->quicp->info;
    c->ended = 1;
    if (qi->have_close)
        return;
    qi->have_close = 1;
    qi->close_dir = (uint8_t)dir;
    qi->close_app = f->type == TSC_QF_CONNECTION_CLOSE_APP;
    qi->close_code = f->u.close.error_code;
    qi->close_frame_type = f->u.close.frame_type;
    size_t n = f->u.close.reason.len < TSC_QUIC_REASON_MAX ? f->u.close.reason.len : TSC_QUIC_REASON_MAX;
    qi->close_reason_len = (uint8_t)n;
    if (n)
        memcpy(qi->close_reason, f->u.close.reason.p, n);
    /* a TLS alert the handshake raised travels as CRYPTO_ERROR (0x0100 +
     * the alert's description, RFC 9001 4.8): an alert like any other */
    if (!qi->close_app && qi->close_code >= 0x100 && qi->close_code <= 0x1ff)
        tsc_sess_alert(sc, c, dir, decrypted, 2, (uint8_t)(qi->close_code & 0xff), ts);
}

/* The frames of an opened payload (RFC 9000 12.4). */
static void frames(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                   enum tsc_quic_ptype pt, const uint8_t *p, size_t n, int64_t ts)
{
    struct tsc_quic_info *qi = &st->info;
    int space = pt == TSC_QUIC_PT_INITIAL ? SP_INITIAL : pt == TSC_QUIC_PT_HANDSHAKE ? SP_HANDSHAKE : SP_APP;
    int decrypted = pt != TSC_QUIC_PT_INITIAL; /* Initial keys are public: its messages are as plain as TLS's */
    struct tsc_cursor cur = tsc_cursor_make(p, n);
    int bad_placed = 0;
    while (tsc_cursor_left(&cur) > 0) {
        struct tsc_quic_frame f;
        tsc_result r = tsc_quic_frame_next(&cur, &f);
        if (!tsc_is_ok(r)) {
            tsc_sess_error_r(sc, c, dir, tsc_complete(r), cur.off, ts);
            return;
        }
        int kind = tsc_quic_frame_kind(f.type);
        if (kind >= 0)
            qi->frames[dir][kind]++;
        if (!tsc_quic_frame_allowed(f.type, pt) && !bad_placed) {
            bad_placed = 1; /* said once per packet */
            tsc_session_error(sc, c, dir, TSC_MALFORMED, 0, "a QUIC frame of a type its packet type may not carry",
                              f.type, ts);
        }
        switch (f.type) {
        case TSC_QF_CRYPTO: {
            if (pt == TSC_QUIC_PT_0RTT)
                break; /* not allowed there, said above */
            struct tsc_rec_in rec;
            memset(&rec, 0, sizeof rec);
            rec.type = TSC_CT_HANDSHAKE;
            rec.decrypted = (uint8_t)decrypted;
            rec.epoch = (uint16_t)space;
            rec.length = (uint32_t)f.u.crypto.data.len;
            tsc_sess_crypto(sc, c, dir, &st->hs[dir][space], &rec, f.u.crypto.offset, f.u.crypto.data.p,
                            f.u.crypto.data.len, ts);
            break;
        }
        case TSC_QF_NEW_CONNECTION_ID:
            cid_add(qi, dir, f.u.new_cid.cid);
            break;
        case TSC_QF_CONNECTION_CLOSE:
        case TSC_QF_CONNECTION_CLOSE_APP:
            on_close_frame(sc, c, dir, &f, decrypted, ts);
            break;
        case TSC_QF_HANDSHAKE_DONE:
            if (dir == TSC_S2C) {
                qi->handshake_done = 1;
                c->complete = 1; /* the server confirmed the handshake (RFC 9001 4.1.2) */
            }
            break;
        default:
            if ((f.type & ~(uint64_t)7) == TSC_QF_STREAM) {
                qi->stream_bytes[dir] += f.u.stream.data.len;
                tsc_sess_stream(sc, c, dir, f.u.stream.stream_id, f.u.stream.offset, f.u.stream.fin,
                                f.u.stream.data.p, f.u.stream.data.len, ts);
            }
            break;
        }
    }
}

/* ------------------------------------------------------------------ packets */

/* A Handshake packet nobody can read: the handshake goes on inside, as a
 * TLS 1.3 flight does in application_data records. Shown once per
 * direction (the server's certificate flight, the client's Finished). */
static void unread_handshake(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                             size_t len, int64_t ts, const char *why)
{
    if (st->enc_hs_shown[dir] || !c->saw_server_hello)
        return;
    st->enc_hs_shown[dir] = 1;
    struct tsc_event ev;
    tsc_sess_ev_init(&ev, TSC_EV_ENCRYPTED_HS, c, dir, ts);
    ev.encrypted = 1;
    ev.length = len;
    ev.decrypt_error = why;
    ev.phase = dir == TSC_S2C ? TSC_PHASE_SERVER_AUTH : TSC_PHASE_FINISH;
    sc->records++;
    tsc_sess_emit(sc, &ev);
}

/* A protected packet nobody could open: counted, and what can be said
 * without reading it. */
static void unopened(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                     const struct tsc_quic_hdr *h, int failed, int64_t ts)
{
    struct tsc_quic_info *qi = &st->info;
    if (failed)
        qi->failed[dir]++;
    else
        qi->no_keys[dir]++;
    if (h->type != TSC_QUIC_PT_INITIAL && c->dec.enabled) {
        if (failed)
            c->dec.failed[dir]++;
        else
            c->dec.opaque[dir]++;
    }
    if (h->type == TSC_QUIC_PT_HANDSHAKE)
        unread_handshake(sc, c, st, dir, h->packet.len, ts,
                         failed ? "the packet did not open with the key log's handshake secret" : NULL);
}

/* Which keys open packet h, by its type (and for 1-RTT its key phase,
 * decided after header protection is off). */
static struct tsc_quic_keys *keys_for(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st,
                                      int dir, const struct tsc_quic_hdr *h)
{
    switch (h->type) {
    case TSC_QUIC_PT_INITIAL:
        return initial_keys(st, dir, h->version);
    case TSC_QUIC_PT_HANDSHAKE:
        return handshake_keys(sc, c, st, dir, h->version);
    case TSC_QUIC_PT_1RTT:
        return app_keys(sc, c, st, dir, st->info.server_version ? st->info.server_version : st->info.version);
    default:
        return NULL;
    }
}

/* 1-RTT: the packet's key phase differs from app[dir]'s: the next
 * generation (RFC 9001 6), kept if it opens the packet; the one before
 * stays for packets the network delays past the update (6.5). */
static int key_update(struct tsc_quic_state *st, uint16_t suite, int dir, uint64_t pn, const uint8_t *hdr,
                      size_t hdr_len, const struct tsc_quic_hdr *h, uint8_t *out, size_t *out_len)
{
    uint8_t next[48];
    size_t n = st->app_secret_len[dir];
    if (!n || !tsc_is_ok(tsc_quic_secret_next(st->app_version[dir], suite, st->app_secret[dir], n, next)))
        return 0;
    struct tsc_traffic_keys tk;
    struct tsc_quic_keys *q = NULL;
    const struct tsc_key_labels *labels = tsc_quic_labels(st->app_version[dir]);
    int ok = 0;
    if (labels && tsc_is_ok(tsc_traffic_keys_derive(suite, labels, next, n, &tk))) {
        memcpy(tk.hp, st->app_hp[dir], sizeof tk.hp); /* header protection does not change */
        if (tsc_is_ok(tsc_quic_keys_new(&tk, &q)) &&
            tsc_is_ok(tsc_quic_payload_open(q, pn, hdr, hdr_len, h->packet.p + hdr_len, h->packet.len - hdr_len,
                                            out, out_len))) {
            keys_drop(&st->app_prev[dir]);
            st->app_prev[dir] = st->app[dir];
            st->app[dir] = q;
            st->app_first_pn[dir] = pn;
            q = NULL;
            memcpy(st->app_secret[dir], next, n);
            st->app_phase[dir] ^= 1;
            st->info.key_updates[dir]++;
            ok = 1;
        }
        tsc_wipe(&tk, sizeof tk);
    }
    tsc_quic_keys_free(q);
    tsc_wipe(next, sizeof next);
    return ok;
}

/* 0-RTT packets: the early secret's keys, trying the suites its length
 * fits. 1: opened; 0: no keys; -1: keys that did not open it. */
static int open_0rtt(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st,
                     const struct tsc_quic_hdr *h, uint64_t expected, uint8_t *hdr, size_t *hdr_len, uint8_t *out,
                     size_t *out_len, uint64_t *pn)
{
    if (st->early)
        return tsc_is_ok(tsc_quic_packet_open(st->early, h, expected, hdr, hdr_len, out, out_len, pn)) ? 1 : -1;
    const uint8_t *s;
    size_t n = early_secret(sc, c, st, &s);
    if (!n)
        return 0;
    st->early_tries++;
    static const uint16_t suites[] = {0x1301, 0x1303, 0x1302};
    for (size_t i = 0; n && i < sizeof suites / sizeof suites[0]; i++) {
        if (tsc_tls13_hash_len(suites[i]) != n)
            continue;
        struct tsc_quic_keys *q = secret_keys(suites[i], h->version, s, n, NULL);
        if (q && tsc_is_ok(tsc_quic_packet_open(q, h, expected, hdr, hdr_len, out, out_len, pn))) {
            st->early = q;
            return 1;
        }
        tsc_quic_keys_free(q);
    }
    return -1;
}

static void protected_packet(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                             const struct tsc_quic_hdr *h, int64_t ts)
{
    struct tsc_quic_info *qi = &st->info;
    int space = h->type == TSC_QUIC_PT_INITIAL ? SP_INITIAL : h->type == TSC_QUIC_PT_HANDSHAKE ? SP_HANDSHAKE : SP_APP;
    uint64_t expected = st->have_pn[dir][space] ? st->largest[dir][space] + 1 : 0;
    uint8_t *hdr = sc->quic_buf, *out = sc->quic_buf + QUIC_BUF;
    size_t hdr_len = 0, out_len = 0;
    uint64_t pn = 0;
    int ok = 0, had_keys = 0;

    if (h->packet.len > QUIC_BUF) {
        /* only an IPv6 jumbogram carries more: no QUIC stack sends one */
        tsc_session_error(sc, c, dir, TSC_LIMIT, 0, "QUIC packet larger than 64 KiB", h->packet.len, ts);
        qi->no_keys[dir]++;
        return;
    }
    if (h->type == TSC_QUIC_PT_1RTT || h->type == TSC_QUIC_PT_0RTT) {
        /* application data: counted as records are */
        c->app_records[dir]++;
        c->app_bytes[dir] += h->packet.len - h->pn_offset;
    }
    if (h->type == TSC_QUIC_PT_0RTT) {
        int r = open_0rtt(sc, c, st, h, expected, hdr, &hdr_len, out, &out_len, &pn);
        ok = r > 0;
        had_keys = r != 0;
        if (ok)
            qi->zero_rtt_opened++;
    } else {
        struct tsc_quic_keys *k = keys_for(sc, c, st, dir, h);
        had_keys = k != NULL;
        if (k && h->type == TSC_QUIC_PT_1RTT) {
            unsigned pn_len;
            uint64_t truncated;
            if (tsc_is_ok(tsc_quic_hp_remove(k, h->packet.p, h->packet.len, h->pn_offset, hdr, &hdr_len, &pn_len,
                                             &truncated))) {
                pn = tsc_quic_pn_decode(expected, truncated, 8 * pn_len);
                uint8_t phase = (hdr[0] >> 2) & 1;
                if (!st->app_opened[dir] || phase == st->app_phase[dir]) {
                    ok = tsc_is_ok(tsc_quic_payload_open(k, pn, hdr, hdr_len, h->packet.p + hdr_len,
                                                         h->packet.len - hdr_len, out, &out_len));
                    if (ok && !st->app_opened[dir]) {
                        st->app_opened[dir] = 1;
                        st->app_phase[dir] = phase;
                    }
                } else if (st->app_prev[dir] && pn < st->app_first_pn[dir]) {
                    ok = tsc_is_ok(tsc_quic_payload_open(st->app_prev[dir], pn, hdr, hdr_len, h->packet.p + hdr_len,
                                                         h->packet.len - hdr_len, out, &out_len));
                } else {
                    ok = key_update(st, c->suite, dir, pn, hdr, hdr_len, h, out, &out_len);
                }
            }
        } else if (k) {
            ok = tsc_is_ok(tsc_quic_packet_open(k, h, expected, hdr, &hdr_len, out, &out_len, &pn));
        }
    }
    if (!ok) {
        unopened(sc, c, st, dir, h, had_keys, ts);
        return;
    }
    if (!st->have_pn[dir][space] || pn > st->largest[dir][space]) {
        st->largest[dir][space] = pn;
        st->have_pn[dir][space] = 1;
    }
    qi->opened[dir]++;
    if (h->type != TSC_QUIC_PT_INITIAL && c->dec.enabled)
        c->dec.ok[dir]++;
    frames(sc, c, st, dir, (enum tsc_quic_ptype)h->type, out, out_len, ts);
}

/* Whether an Initial opens with the client keys of its own Destination
 * Connection ID: the client's first (or first after a Version
 * Negotiation), from which the Initial keys come. A later one, addressed
 * to the server's chosen ID, does not: a capture that missed the first
 * has no Initial keys, and says so rather than deriving wrong ones. */
static int opens_as_first(const struct tsc_quic_hdr *h, uint8_t *hdr, uint8_t *out)
{
    struct tsc_traffic_keys k[2];
    struct tsc_quic_keys *q = NULL;
    int ok = 0;
    if (h->dcid.len <= TSC_QUIC_CID_LEN && h->packet.len <= QUIC_BUF &&
        tsc_is_ok(tsc_quic_initial_keys(h->version, h->dcid.p, h->dcid.len, k)) &&
        tsc_is_ok(tsc_quic_keys_new(&k[0], &q))) {
        size_t hl, ol;
        uint64_t pn;
        ok = tsc_is_ok(tsc_quic_packet_open(q, h, 0, hdr, &hl, out, &ol, &pn));
    }
    tsc_quic_keys_free(q);
    tsc_wipe(k, sizeof k);
    return ok;
}

static int first_initial(struct tsc_session_ctx *sc, const struct tsc_quic_hdr *h)
{
    return opens_as_first(h, sc->quic_buf, sc->quic_buf + QUIC_BUF);
}

/* A Retry (RFC 9000 17.2.5): its tag checked against the client's first
 * Destination Connection ID; the client's next Initials, and both
 * directions' Initial keys, take the Retry's Source Connection ID. */
static void retry(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                  const struct tsc_quic_hdr *h, int64_t ts)
{
    struct tsc_quic_info *qi = &st->info;
    if (dir != TSC_S2C || qi->retry || !qi->have_odcid) {
        tsc_session_error(sc, c, dir, TSC_MALFORMED, 0,
                          dir != TSC_S2C ? "a Retry sent by the client" : "a Retry not answering a client Initial",
                          0, ts);
        return;
    }
    if (!tsc_quic_version_is_draft(h->version) &&
        !tsc_is_ok(tsc_quic_retry_verify(h->version, qi->odcid.id, qi->odcid.len, h->packet.p, h->packet.len))) {
        qi->retry_tag_bad = 1;
        tsc_session_error(sc, c, dir, TSC_MALFORMED, 0, "Retry integrity tag does not verify", 0, ts);
        return; /* a client discards it (RFC 9001 5.8): so does the reading */
    }
    qi->retry = 1;
    cid_set(&qi->retry_scid, h->scid);
}

static void version_negotiation(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                                const struct tsc_quic_hdr *h, int64_t ts)
{
    struct tsc_quic_info *qi = &st->info;
    if (dir != TSC_S2C)
        return;
    /* a client discards one after any other packet from the server, after
     * an earlier one, or one that lists the version it chose (RFC 9000
     * 6.2; a reserved version a client sends to force negotiation may come
     * back as the server's own greasing): so does the reading, or a stray
     * datagram would restart it */
    int lists_own = 0;
    for (size_t i = 0; i + 4 <= h->versions.len && qi->version && !tsc_quic_version_reserved(qi->version); i += 4) {
        const uint8_t *v = h->versions.p + i;
        lists_own |= ((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]) == qi->version;
    }
    if (st->server_pkts || qi->vn || lists_own) {
        tsc_session_error(sc, c, dir, TSC_MALFORMED, 0,
                          "a Version Negotiation a client discards (after other packets, or listing its version)",
                          0, ts);
        return;
    }
    qi->vn = 1;
    qi->n_vn = 0;
    for (size_t i = 0; i + 4 <= h->versions.len && qi->n_vn < TSC_QUIC_VN_MAX; i += 4) {
        const uint8_t *v = h->versions.p + i;
        qi->vn_versions[qi->n_vn++] = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    }
    /* its connection IDs mirror the client's packet (RFC 9000 17.2.1):
     * what the client chose, even when its packet (a version not known
     * here) was not taken for QUIC */
    cid_add(qi, TSC_C2S, h->dcid);
    if (!qi->have_odcid && h->scid.len <= TSC_QUIC_CID_LEN) {
        qi->have_odcid = 1;
        cid_set(&qi->odcid, h->scid);
    }
    /* the client starts over with another version: its next Initial
     * sets the connection ID the keys come from (RFC 9000 6.2) */
    st->vn_restart = 1;
}

static void packet(struct tsc_session_ctx *sc, struct tsc_conn *c, struct tsc_quic_state *st, int dir,
                   const struct tsc_quic_hdr *h, int64_t ts)
{
    struct tsc_quic_info *qi = &st->info;
    if (h->type < TSC_QUIC_PTYPES)
        qi->packets[dir][h->type]++;
    if (h->long_hdr && h->type != TSC_QUIC_PT_VERSION_NEGOTIATION && h->type != TSC_QUIC_PT_UNKNOWN_VERSION) {
        /* the Source Connection ID is the one the peer puts in the short
         * headers it sends this side */
        if (h->scid.len <= TSC_QUIC_CID_LEN) {
            cid_add(qi, dir, h->scid);
            if (!st->short_known[dir ^ 1]) {
                st->short_known[dir ^ 1] = 1;
                st->short_len[dir ^ 1] = (uint8_t)h->scid.len;
            }
        }
        if (dir == TSC_C2S && !qi->version && h->type == TSC_QUIC_PT_INITIAL)
            qi->version = h->version;
        if (dir == TSC_S2C)
            st->server_pkts = 1;
        if (dir == TSC_S2C && !qi->server_version && h->type != TSC_QUIC_PT_RETRY)
            qi->server_version = h->version;
    }
    switch (h->type) {
    case TSC_QUIC_PT_INITIAL:
        if (dir == TSC_C2S && (!qi->have_odcid || st->vn_restart) && first_initial(sc, h)) {
            qi->have_odcid = 1;
            cid_set(&qi->odcid, h->dcid);
            if (st->vn_restart) {
                st->vn_restart = 0;
                /* a new attempt after Version Negotiation: its ClientHello
                 * starts its Initial stream afresh */
                qi->version = h->version;
                for (int d = 0; d < 2; d++) {
                    tsc_asm_free(&st->hs[d][SP_INITIAL]);
                    memset(&st->hs[d][SP_INITIAL], 0, sizeof st->hs[d][SP_INITIAL]);
                    st->have_pn[d][SP_INITIAL] = 0;
                }
            }
        }
        protected_packet(sc, c, st, dir, h, ts);
        break;
    case TSC_QUIC_PT_HANDSHAKE:
        if (dir == TSC_S2C)
            st->server_hs_packet = 1;
        protected_packet(sc, c, st, dir, h, ts);
        break;
    case TSC_QUIC_PT_0RTT:
        if (dir == TSC_C2S)
            protected_packet(sc, c, st, dir, h, ts);
        else
            tsc_session_error(sc, c, dir, TSC_MALFORMED, 0, "a 0-RTT packet sent by the server", 0, ts);
        break;
    case TSC_QUIC_PT_1RTT:
        if (dir == TSC_C2S && st->server_hs_packet && c->saw_server_hello && !c->complete)
            /* read or not: a client sends 1-RTT once it has the server's
             * Finished, so after its own (RFC 9001 4.1.1) */
            c->complete = 1;
        protected_packet(sc, c, st, dir, h, ts);
        break;
    case TSC_QUIC_PT_RETRY:
        retry(sc, c, st, dir, h, ts);
        break;
    case TSC_QUIC_PT_VERSION_NEGOTIATION:
        version_negotiation(sc, c, st, dir, h, ts);
        break;
    default:
        /* a version not known here: only the invariants (RFC 8999). A
         * client's (a reserved version forcing Version Negotiation) says
         * its version and connection IDs */
        if (dir == TSC_C2S && h->long_hdr) {
            if (!qi->version)
                qi->version = h->version;
            cid_add(qi, TSC_C2S, h->scid);
            if (!qi->have_odcid && h->dcid.len <= TSC_QUIC_CID_LEN) {
                qi->have_odcid = 1;
                cid_set(&qi->odcid, h->dcid);
            }
        }
        break;
    }
}

/* A long header packet that the snaplen cut: it cannot be opened, but
 * its header was captured: counted, with the connection IDs it gives; a
 * client's Initial also gives its version and the Destination Connection
 * ID the Initial keys come from (the server's Initial, which opens with
 * them, is the check). */
static void cut_packet(struct tsc_conn *c, struct tsc_quic_state *st, int dir, const struct tsc_quic_hdr *h)
{
    struct tsc_quic_info *qi = &st->info;
    c->is_tls = 1;
    qi->packets[dir][h->type]++;
    qi->no_keys[dir]++;
    if (h->scid.len <= TSC_QUIC_CID_LEN) {
        cid_add(qi, dir, h->scid);
        if (!st->short_known[dir ^ 1]) {
            st->short_known[dir ^ 1] = 1;
            st->short_len[dir ^ 1] = (uint8_t)h->scid.len;
        }
    }
    if (dir != TSC_C2S || h->type != TSC_QUIC_PT_INITIAL)
        return;
    if (!qi->version)
        qi->version = h->version;
    if (!qi->have_odcid && h->dcid.len <= TSC_QUIC_CID_LEN) {
        qi->have_odcid = 1;
        cid_set(&qi->odcid, h->dcid);
    }
}

void tsc_frame_quic_datagram(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                             size_t wire, int64_t ts)
{
    if (c->closed || n == 0)
        return;
    c->last_us = ts;
    int dir = dir_of(c, side);
    struct tsc_quic_state *st = state_of(c);
    if (!sc->quic_buf)
        sc->quic_buf = malloc(2 * QUIC_BUF);
    if (!st || !sc->quic_buf) {
        tsc_session_error(sc, c, dir, TSC_LIMIT, 0, "out of memory for QUIC state", n, ts);
        return;
    }
    st->info.datagrams[dir]++;
    tsc_dec_first_bytes(sc, c);
    int cut = n < wire;
    struct tsc_cursor cur = tsc_cursor_make(p, n);
    for (;;) {
        struct tsc_quic_hdr h;
        int got = 0;
        size_t at = cur.off;
        if (at < n && !(p[at] & 0x80) && !st->short_known[dir] && !(at > 0 && tsc_quic_is_padding(p + at, n - at))) {
            /* a short header before this direction's connection ID length
             * is known (the capture missed the long headers) */
            st->info.packets[dir][TSC_QUIC_PT_1RTT]++;
            st->info.no_keys[dir]++;
            c->app_records[dir]++;
            c->app_bytes[dir] += n - at;
            break;
        }
        tsc_result r = tsc_quic_datagram_next(&cur, st->short_len[dir], &h, &got);
        if (!tsc_is_ok(r)) {
            if (cut && r.kind == TSC_TRUNCATED) {
                if (h.long_hdr && h.pn_offset > 0 && h.type < TSC_QUIC_PTYPES)
                    cut_packet(c, st, dir, &h);
                if (!st->cut_reported) {
                    st->cut_reported = 1;
                    tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0, "QUIC packet cut by the capture's snaplen",
                                      wire - n, ts);
                }
            } else {
                tsc_sess_error_r(sc, c, dir, tsc_complete(r), at, ts);
            }
            break;
        }
        if (!got)
            break;
        c->is_tls = 1;
        packet(sc, c, st, dir, &h, ts);
        if (c->closed)
            break;
    }
}

int tsc_quic_datagram_starts(const uint8_t *p, size_t n, int *server_sent)
{
    if (!tsc_quic_datagram_plausible(p, n))
        return 0;
    struct tsc_quic_hdr h;
    if (!tsc_is_ok(tsc_quic_hdr_parse(p, n, 0, &h))) {
        *server_sent = -1; /* an Initial the snaplen cut: either side's */
        return 1;
    }
    /* Version Negotiation and Retry come from servers only, and a
     * Handshake packet first seen is the server's flight; 0-RTT is the
     * client's, as is an Initial that opens with its own Destination
     * Connection ID's keys (the client's first). Any other Initial cannot
     * tell (a server's, or a client's later one): -1 */
    if (h.type == TSC_QUIC_PT_VERSION_NEGOTIATION || h.type == TSC_QUIC_PT_RETRY || h.type == TSC_QUIC_PT_HANDSHAKE) {
        *server_sent = 1;
    } else if (h.type == TSC_QUIC_PT_INITIAL) {
        uint8_t *buf = malloc(2 * (h.packet.len + 8));
        *server_sent = buf && opens_as_first(&h, buf, buf + h.packet.len + 8) ? 0 : -1;
        free(buf);
    } else {
        *server_sent = 0;
    }
    return 1;
}

int tsc_frame_quic_starts_new(const struct tsc_conn *c, const uint8_t *p, size_t n)
{
    /* after the connection ended, an Initial with connection IDs it never
     * used: a new connection from the same port */
    const struct tsc_quic_state *st = c->quicp;
    if (!st || !(c->ended || c->complete) || n == 0 || !(p[0] & 0x80))
        return 0;
    struct tsc_quic_hdr h;
    if (!tsc_is_ok(tsc_quic_hdr_parse(p, n, 0, &h)) || h.type != TSC_QUIC_PT_INITIAL)
        return 0;
    return !cid_known(&st->info, h.dcid) && !cid_known(&st->info, h.scid);
}
