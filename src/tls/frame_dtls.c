/*
 * frame_dtls.c - DTLS records from UDP datagrams.
 *
 * A datagram holds whole records, one after another (RFC 6347 4.1.1, RFC
 * 9147 4.3): a record never spans datagrams, so there is no stream to keep
 * in sync and nothing is buffered here. Each record is one of
 *
 *   DTLSPlaintext / DTLS 1.0-1.2 DTLSCiphertext (RFC 6347 4.1, 9147 4):
 *       ContentType type; ProtocolVersion version; uint16 epoch;
 *       uint48 sequence_number; [opaque cid[cid_len] if type is tls12_cid
 *       (RFC 9146)]; uint16 length; opaque fragment[length];
 *   DTLS 1.3 unified header (RFC 9147 4, first byte 001CSLEE):
 *       C: a connection ID follows; S: the sequence number is 16 bits (else
 *       8), still encrypted on the wire; L: a 16-bit length follows (else
 *       the record runs to the end of the datagram); EE: epoch's low bits.
 *
 * and is handed on as a tsc_rec_in: epoch 0 in the clear to
 * tsc_sess_deliver (whose handshake content goes to fragment reassembly),
 * later epochs to record protection when the run has keys, else accounted
 * for unread (tsc_sess_record_opaque).
 *
 * Several protocols may share the 5-tuple (WebRTC: STUN, DTLS, RTP/RTCP):
 * RFC 7983's first-byte ranges tell them apart; only 20..63 is DTLS.
 */
#include <stdint.h>
#include <string.h>

#include "tls/session_int.h"

#define DTLS_HDR 13 /* type, version, epoch, sequence_number, length */

static int version_ok(uint8_t hi, uint8_t lo)
{
    /* DTLS 1.0 (0xfeff), 1.2 (0xfefd), 1.3's legacy 0xfefd / 0xfefc, and
     * OpenSSL's pre-RFC DTLS 1.0 (0x0100) */
    return (hi == 0xfe && lo >= 0xfc) || (hi == 0x01 && lo == 0x00);
}

static int type_ok(uint8_t t) { return t >= TSC_CT_CHANGE_CIPHER_SPEC && t <= TSC_CT_ACK; }

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Does a datagram start DTLS? Its first record must be one a connection
 * (or a capture begun inside one) starts with: a handshake record of epoch
 * 0 whose first fragment holds together and names a message of the start
 * of a handshake, or a protected record (epoch past 0) of DTLS 1.0 or 1.2;
 * and the records must fill the datagram exactly: a datagram holds whole
 * records. Only a handshake start may run past the bytes captured (the
 * snaplen): a bare record header is too common in other protocols' first
 * bytes (LLMNR's 0x18 0x01 0x00 reads as a heartbeat of version 0x0100). */
int tsc_dtls_datagram_plausible(const uint8_t *p, size_t n)
{
    if (n < DTLS_HDR)
        return 0;
    int hello = 0;
    uint16_t epoch = be16(p + 3);
    if (p[0] == TSC_CT_HANDSHAKE && epoch == 0 && n >= DTLS_HDR + 12) {
        const uint8_t *h = p + DTLS_HDR;
        uint32_t mlen = (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        uint32_t off = (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
        uint32_t flen = (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
        hello = (h[0] == TSC_HS_CLIENT_HELLO || h[0] == TSC_HS_SERVER_HELLO ||
                 h[0] == TSC_HS_HELLO_VERIFY_REQUEST) &&
                off <= mlen && flen <= mlen - off && 12 + (size_t)flen <= be16(p + 11);
    }
    /* begun inside a connection: DTLS 1.0 or 1.2, or the pre-RFC version
     * Cisco AnyConnect still speaks, past epoch 0 */
    int midway = epoch > 0 && p[0] >= TSC_CT_CHANGE_CIPHER_SPEC && p[0] <= TSC_CT_APPLICATION_DATA &&
                 ((p[1] == 0xfe && (p[2] == 0xff || p[2] == 0xfd)) || (p[1] == 0x01 && p[2] == 0x00));
    if (!hello && !midway)
        return 0;
    size_t at = 0;
    while (at < n) {
        const uint8_t *h = p + at;
        if (n - at < DTLS_HDR)
            return hello && at > 0; /* a snaplen cut inside a header */
        if (!type_ok(h[0]) || h[0] == TSC_CT_TLS12_CID || !version_ok(h[1], h[2]))
            return 0;
        size_t len = be16(h + 11);
        if (len == 0 || len > TSC_RECORD_MAX)
            return 0;
        at += DTLS_HDR + len;
    }
    return at == n || hello;
}

/* Has this record (epoch, sequence number) been seen in this direction?
 * Marks it seen. A network's duplicate has the same numbers; a DTLS
 * retransmission does not (its records are new), and is left to
 * reassembly. A number older than the window is not known to be a copy. */
static int seen_before(struct tsc_dtls_framing *g, uint16_t epoch, uint64_t seq)
{
    struct tsc_dtls_window *w = &g->win[epoch == 0 ? 0 : 1];
    if (!w->used || (epoch != 0 && epoch > w->epoch)) {
        w->used = 1;
        w->epoch = epoch;
        w->top = seq;
        w->bits = 1;
        return 0;
    }
    if (epoch != w->epoch)
        return 0; /* an older epoch past 0: not tracked */
    if (seq > w->top) {
        uint64_t shift = seq - w->top;
        w->bits = shift >= 64 ? 1 : (w->bits << shift) | 1;
        w->top = seq;
        return 0;
    }
    uint64_t back = w->top - seq;
    if (back >= 64)
        return 0;
    if (w->bits & ((uint64_t)1 << back))
        return 1;
    w->bits |= (uint64_t)1 << back;
    return 0;
}

static int dir_of(const struct tsc_conn *c, int side) { return side == c->client_side ? TSC_C2S : TSC_S2C; }

/* A copy the network made of a record already read: dropped, counted. */
static int copy(struct tsc_conn *c, int dir, const struct tsc_rec_in *r)
{
    if (r->unified || !seen_before(&c->dir[dir].dg, r->epoch, r->seq))
        return 0; /* DTLS 1.3's numbers are encrypted: protection tells copies */
    c->dir[dir].dg.copies++;
    return 1;
}

/* A record this direction cannot read: accounted for as TLS accounts for
 * one (a handshake flight inferred in 1.3, application data counted). */
static void unread(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r, int64_t ts)
{
    if (!tsc_sess_record_opaque(sc, c, dir, r, ts, NULL))
        sc->records++;
}

/* A protected record: opened with the connection's keys, or left unread. */
static void protected_record(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, struct tsc_rec_in *r,
                             const uint8_t *body, size_t n, int64_t ts)
{
    if (sc->dec && tsc_dec_begin(sc, c, dir, r)) {
        /* protection drops copies, once a record is authentic: a forged
         * record cannot hide the real one */
        tsc_dec_record(sc, c, dir, r, body, n, ts);
        return;
    }
    if (copy(c, dir, r))
        return;
    unread(sc, c, dir, r, ts);
}

/* Which side sent the first hello decides the roles (a ClientHello's
 * sender is the client; a HelloVerifyRequest's or ServerHello's the server). */
static void roles_from(struct tsc_conn *c, int side, const uint8_t *body, size_t n)
{
    if (n < 1)
        return;
    if (body[0] == TSC_HS_CLIENT_HELLO)
        tsc_conn_set_client_side(c, side, 1);
    else if (body[0] == TSC_HS_SERVER_HELLO || body[0] == TSC_HS_HELLO_VERIFY_REQUEST)
        tsc_conn_set_client_side(c, side ^ 1, 1);
}

/* A plaintext ClientHello that starts a handshake (message_seq 0, its
 * first fragment), and not the one this connection began with (a copy the
 * network made, or one replayed, has its random). */
static int starts_handshake(const struct tsc_conn *c, const uint8_t *rec, size_t n)
{
    const uint8_t *h = rec + DTLS_HDR;
    if (n < DTLS_HDR + 12 + 2 + 32 || rec[0] != TSC_CT_HANDSHAKE || be16(rec + 3) != 0 ||
        h[0] != TSC_HS_CLIENT_HELLO || be16(h + 4) != 0 || h[6] != 0 || h[7] != 0 || h[8] != 0)
        return 0;
    return !(c->have_ch_random && memcmp(h + 12 + 2, c->ch_random, 32) == 0);
}

/* Parse one record at p[0..n): its length on the wire (header included), 0
 * if the datagram's remaining bytes do not make a record (reported). */
static size_t one_record(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                         int cut, int64_t ts)
{
    int dir = dir_of(c, side);
    struct tsc_rec_in r;
    memset(&r, 0, sizeof r);
    r.dtls = 1;
    r.hdr = p;
    const char *bad = NULL;
    size_t hl, len;
    if ((p[0] & 0xe0) == 0x20) {
        /* DTLS 1.3 unified header */
        struct tsc_dtls_framing *g = &c->dir[dir].dg;
        r.unified = 1;
        r.version = TSC_DTLS13;
        r.epoch = p[0] & 0x03;
        r.seq_bits = (p[0] & 0x08) ? 16 : 8;
        hl = 1;
        if (p[0] & 0x10) {
            if (!g->cid_known) {
                bad = "a DTLS 1.3 record with a connection ID the hellos did not negotiate";
                goto malformed;
            }
            r.cid_len = g->cid_len;
            r.cid = p + hl;
            hl += g->cid_len;
        }
        size_t sl = r.seq_bits / 8;
        if (n < hl + sl)
            goto short_hdr;
        r.seq = sl == 2 ? be16(p + hl) : p[hl];
        hl += sl;
        if (p[0] & 0x04) {
            if (n < hl + 2)
                goto short_hdr;
            len = be16(p + hl);
            hl += 2;
        } else {
            len = n - hl;
        }
        r.type = TSC_CT_APPLICATION_DATA; /* as TLS 1.3's outer type, until opened */
    } else {
        if (n < DTLS_HDR)
            goto short_hdr;
        if (!type_ok(p[0]) || !version_ok(p[1], p[2])) {
            bad = "not a DTLS record header";
            goto malformed;
        }
        r.type = p[0];
        r.version = be16(p + 1);
        r.epoch = be16(p + 3);
        r.seq_bits = 48;
        r.seq = (uint64_t)be16(p + 5) << 32 | (uint64_t)be16(p + 7) << 16 | be16(p + 9);
        hl = 11;
        if (r.type == TSC_CT_TLS12_CID) {
            struct tsc_dtls_framing *g = &c->dir[dir].dg;
            if (!g->cid_known) {
                bad = "a tls12_cid record with a connection ID the hellos did not negotiate";
                goto malformed;
            }
            r.cid_len = g->cid_len;
            r.cid = p + hl;
            hl += g->cid_len;
        }
        if (n < hl + 2)
            goto short_hdr;
        len = be16(p + hl);
        hl += 2;
    }
    r.hdr_len = (uint16_t)hl;
    r.length = (uint32_t)len;
    if (len > n - hl) {
        if (cut) {
            /* the snaplen cut this record: what was captured of a handshake
             * record goes to reassembly (its message stays incomplete) */
            c->is_tls = 1;
            int hs = r.epoch == 0 && !r.unified && r.type == TSC_CT_HANDSHAKE;
            if (hs && !c->emitted_any && !c->side_fixed) {
                /* before the error below, whose event fixes the roles */
                roles_from(c, side, p + hl, n - hl);
                dir = dir_of(c, side);
            }
            if (!c->dir[dir].dg.cut_reported) {
                c->dir[dir].dg.cut_reported = 1;
                tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0, "DTLS record cut by the capture's snaplen",
                                  len - (n - hl), ts);
            }
            if (r.epoch != 0 || r.unified)
                unread(sc, c, dir, &r, ts);
            else if (hs)
                tsc_sess_handshake_cut(sc, c, dir, &r, p + hl, n - hl, ts);
            return 0;
        }
        bad = "DTLS record longer than its datagram";
        goto malformed;
    }
    const uint8_t *body = p + hl;
    c->is_tls = 1;

    if (r.epoch == 0 && !r.unified && r.type != TSC_CT_TLS12_CID) {
        if (r.type == TSC_CT_HANDSHAKE && !c->emitted_any && !c->side_fixed) {
            roles_from(c, side, body, len);
            dir = dir_of(c, side);
        }
        if (copy(c, dir, &r))
            return hl + len;
        sc->records++;
        tsc_sess_deliver(sc, c, dir, &r, body, len, ts);
    } else {
        if (!r.unified && r.type != TSC_CT_APPLICATION_DATA)
            c->dir[dir].encrypted = 1; /* an epoch past 0: protected, whatever the order of the CCS */
        if (!r.unified && r.epoch >= 2 && c->complete && !tsc_sess_tls13(c))
            c->renegotiated = 1; /* DTLS 1.0/1.2: a second ChangeCipherSpec took effect */
        protected_record(sc, c, dir, &r, body, len, ts);
    }
    return hl + len;

short_hdr:
    if (cut)
        return 0; /* the snaplen cut the header: nothing more to read */
    bad = "DTLS record header cut short by the end of its datagram";
malformed:
    tsc_session_error(sc, c, dir, TSC_MALFORMED, 0, bad, n, ts);
    return 0;
}

void tsc_frame_dtls_datagram(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                             size_t wire, int64_t ts)
{
    if (c->closed || n == 0)
        return;
    c->last_us = ts;
    int dir = dir_of(c, side);
    /* RFC 7983: 20..63 is DTLS; STUN, ZRTP, TURN channels and RTP/RTCP
     * share the port in WebRTC */
    if (p[0] < 20 || p[0] > 63) {
        c->dir[dir].dg.others++;
        return;
    }
    c->dir[dir].dg.datagrams++;
    tsc_dec_first_bytes(sc, c); /* the decryption report, as frame_tcp.c gives it */
    int cut = n < wire;
    size_t at = 0;
    while (at < n) {
        size_t used = one_record(sc, c, side, p + at, n - at, cut, ts);
        if (used == 0)
            break;
        at += used;
    }
}

int tsc_frame_dtls_starts_new(const struct tsc_conn *c, const uint8_t *p, size_t n)
{
    /* a handshake that ended (or failed) and a new ClientHello from the
     * start: the next connection on the same 5-tuple (a client that reuses
     * its port). A ClientHello retransmitted during a handshake is not. */
    return (c->complete || c->ended) && starts_handshake(c, p, n);
}
