/*
 * frame_tcp.c - TLS records from a TCP byte stream, one direction at a time.
 *
 * The capture layer hands in-order bytes and holes per direction
 * (tsc_session_feed, tsc_session_gap). This file decides whether and where
 * TLS starts (an SSLv2 or TLS hello, possibly after a PROXY header or a
 * plaintext exchange: sniff.c), frames records out of the stream (RFC 8446
 * 5.1: type, legacy_record_version, length, fragment), keeps in sync across
 * holes (a hole inside a record whose length is known costs nothing; else it
 * hunts for a segment that starts a run of records), and hands each record
 * on as a tsc_rec_in:
 *   - protected records the connection has keys for: gathered whole, to
 *     record protection (tsc_dec_record);
 *   - plaintext handshake records: chunk by chunk, to assembly
 *     (tsc_sess_handshake), without copying;
 *   - other plaintext records: whole, to tsc_sess_deliver;
 *   - the rest (application data, protected records without keys): their
 *     header is accounted for (tsc_sess_record_opaque) and the body skipped.
 */
#include <stdint.h>
#include <string.h>

#include "tls/session_int.h"
#include "tls/sniff.h"

enum fr_state {
    ST_START,   /* nothing seen yet in this direction: decide whether it is TLS */
    ST_HDR,     /* reading a 5-byte record header */
    ST_BODY,    /* inside a record body */
    ST_SSLV2,   /* inside an SSLv2-format ClientHello */
    ST_HUNT,    /* lost sync (gap, bad header, mid-stream start): wait for a segment that starts a record */
    ST_PLAIN,   /* plaintext so far (STARTTLS, CONNECT, SOCKS...): wait for a segment that starts a hello */
    ST_DEAD,    /* not TLS, or nothing more can be understood */
};

static struct tsc_rec_in rec_in(const struct tsc_tcp_framing *f)
{
    struct tsc_rec_in r = {.type = f->rec.type, .version = f->rec.version, .length = f->rec.length};
    return r;
}

static void start_hunting(struct tsc_conn *c, int dir)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    tsc_dec_lost(c, dir); /* records may be lost: their count is unknown */
    d->fr.state = ST_HUNT;
    d->fr.hdr_have = 0;
    d->fr.rec_decrypt = 0;
    tsc_buf_free(&d->fr.body);
    tsc_asm_lost(&d->hs);
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

/* `take` bytes of the record body being read are consumed. */
static void body_advance(struct tsc_tcp_framing *f, const uint8_t **p, size_t *n, size_t take)
{
    *p += take;
    *n -= take;
    f->offset += take;
    f->body_left -= take;
}

/* Bytes for one direction whose start has been decided. */
static void feed_dir(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                     int64_t ts)
{
    struct tsc_tlsdir *d = &c->dir[dir];
    struct tsc_tcp_framing *f = &d->fr;
    while (n > 0) {
        switch (f->state) {
        case ST_SSLV2: {
            size_t take = f->body_left < n ? f->body_left : n;
            tsc_result r = tsc_buf_append(&f->body, p, take);
            body_advance(f, &p, &n, take);
            if (!tsc_is_ok(r)) {
                tsc_sess_error_r(sc, c, dir, r, 0, ts);
                f->state = ST_DEAD;
                return;
            }
            if (f->body_left == 0) {
                if (f->body.len > 2)
                    tsc_sess_sslv2_hello(sc, c, dir, f->body.data + 2, f->body.len - 2, ts);
                tsc_buf_free(&f->body);
                f->state = ST_HDR;
            }
            continue;
        }
        case ST_HDR: {
            size_t take = 5u - f->hdr_have < n ? 5u - f->hdr_have : n;
            memcpy(f->hdr + f->hdr_have, p, take);
            f->hdr_have = (uint8_t)(f->hdr_have + take);
            p += take;
            n -= take;
            f->offset += take;
            if (f->hdr_have < 5)
                return;
            struct tsc_cursor hc = tsc_cursor_make(f->hdr, 5);
            tsc_result r = tsc_record_hdr_parse(&hc, &f->rec);
            f->hdr_have = 0;
            if (!tsc_is_ok(r)) {
                if ((f->hdr[0] & 0x80) && dir == TSC_S2C && c->sslv2 && !c->saw_server_hello) {
                    /* an SSLv2 server answering an SSLv2 hello: nothing more we decode */
                    c->version = 0x0002;
                    f->state = ST_DEAD;
                    return;
                }
                tsc_sess_error_r(sc, c, dir, r, f->offset - 5, ts);
                start_hunting(c, dir);
                f->skipped += n;
                f->offset += n;
                return;
            }
            f->state = ST_BODY;
            f->body_left = f->rec.length;
            f->rec_fresh = 1;
            struct tsc_rec_in ri = rec_in(f);
            f->rec_decrypt = (uint8_t)tsc_dec_begin(sc, c, dir, &ri);
            if (!f->rec_decrypt && tsc_sess_record_opaque(sc, c, dir, &ri, ts, NULL))
                f->rec.type = 0; /* skip the body without buffering */
            continue;
        }
        case ST_BODY: {
            size_t take = f->body_left < n ? f->body_left : n;
            if (f->rec_decrypt) {
                /* a protected record we have keys for: gather its body */
                const uint8_t *whole = NULL;
                if (f->body.len == 0 && take == f->body_left) {
                    whole = p; /* all in this segment: no copy */
                } else {
                    if (f->body.max == 0)
                        tsc_buf_init(&f->body, sc->lim.flow_buf_max);
                    if (!tsc_is_ok(tsc_buf_append(&f->body, p, take))) {
                        static const char why[] = "record larger than the per-flow buffer cap";
                        tsc_sess_error_r(sc, c, dir, TSC_ERR(TSC_LIMIT, why), 0, ts);
                        f->rec_decrypt = 0;
                        tsc_buf_reset(&f->body);
                        struct tsc_rec_in ri = rec_in(f);
                        tsc_dec_unreadable(sc, c, dir, &ri, ts, why);
                        f->rec.type = 0;
                        continue;
                    }
                }
                body_advance(f, &p, &n, take);
                if (f->body_left == 0) {
                    f->state = ST_HDR;
                    f->rec_decrypt = 0;
                    struct tsc_rec_in ri = rec_in(f);
                    if (whole)
                        tsc_dec_record(sc, c, dir, &ri, whole, take, ts);
                    else
                        tsc_dec_record(sc, c, dir, &ri, f->body.data, f->body.len, ts);
                    tsc_buf_reset(&f->body);
                }
                continue;
            }
            if (f->rec.type == 0) {
                /* application data and encrypted records: skipped by length */
                body_advance(f, &p, &n, take);
                if (f->body_left == 0)
                    f->state = ST_HDR;
                continue;
            }
            if (f->rec.type == TSC_CT_HANDSHAKE) {
                /* handshake bytes go straight to message assembly, chunk by chunk */
                const uint8_t *chunk = p;
                body_advance(f, &p, &n, take);
                if (f->body_left == 0) {
                    f->state = ST_HDR;
                    sc->records++;
                }
                int fresh = f->rec_fresh;
                f->rec_fresh = 0;
                struct tsc_rec_in ri = rec_in(f);
                tsc_sess_handshake(sc, c, dir, &ri, chunk, take, fresh, ts);
                continue;
            }
            if (f->body.len == 0 && take == f->body_left) {
                /* the whole body is in this segment: no copy */
                const uint8_t *body = p;
                body_advance(f, &p, &n, take);
                f->state = ST_HDR;
                struct tsc_rec_in ri = rec_in(f);
                tsc_sess_deliver(sc, c, dir, &ri, body, take, ts);
                continue;
            }
            if (f->body.max == 0)
                tsc_buf_init(&f->body, sc->lim.flow_buf_max);
            tsc_result r = tsc_buf_append(&f->body, p, take);
            body_advance(f, &p, &n, take);
            if (!tsc_is_ok(r)) {
                tsc_sess_error_r(sc, c, dir, r, 0, ts);
                start_hunting(c, dir);
                f->skipped += n;
                f->offset += n;
                return;
            }
            if (f->body_left == 0) {
                f->state = ST_HDR;
                struct tsc_rec_in ri = rec_in(f);
                tsc_sess_deliver(sc, c, dir, &ri, f->body.data, f->body.len, ts);
                tsc_buf_reset(&f->body);
            }
            continue;
        }
        case ST_HUNT:
            /* only a segment boundary can resynchronise (see tsc_session_feed) */
            f->skipped += n;
            f->offset += n;
            return;
        case ST_START:
        case ST_DEAD:
        default:
            f->offset += n;
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

void tsc_session_feed(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                      int64_t ts)
{
    if (ts > c->last_us) /* queued bytes come with their own, earlier, time */
        c->last_us = ts;
    if (n == 0)
        return;
    tsc_dec_first_bytes(sc, c); /* whatever the first bytes were (a direction may begin with a gap) */
    struct tsc_tcp_framing *f = &c->dir[dir_of(c, side)].fr;
    if (f->state == ST_START && f->offset == 0 && f->hdr_have == 0) {
        size_t skip = tsc_sniff_proxy_header(p, n);
        if (skip) {
            c->starttls = 1; /* TLS after a plaintext preamble */
            f->offset += skip;
            p += skip;
            n -= skip;
            if (n == 0)
                return;
        }
    }
    if (f->state == ST_PLAIN) {
        if (!tsc_sniff_starts_hello(p, n)) {
            if (c->midstream && resync_point(p, n, 1) == 0) {
                /* a capture that began inside the connection: records resume here */
                f->state = ST_HUNT;
            } else {
                f->offset += n;
                if (f->offset > TSC_SNIFF_PLAIN_MAX)
                    f->state = ST_DEAD;
                return;
            }
        } else {
            c->starttls = !c->midstream;
            f->state = ST_START;
            f->hdr_have = 0;
        }
    }
    if (f->state == ST_HUNT) {
        /* lost sync: find where records start again in this segment */
        size_t at = resync_point(p, n, !c->is_tls);
        if (at == SIZE_MAX) {
            f->skipped += n;
            f->offset += n;
            return;
        }
        f->skipped += at;
        f->offset += at;
        p += at;
        n -= at;
        c->is_tls = 1;
        f->state = ST_HDR;
        f->hdr_have = 0;
    }
    if (f->state == ST_START && f->hdr_have > 0 && tsc_sniff_starts_hello(p, n)) {
        /* a few bytes of plaintext (PostgreSQL's 'S') and now a hello */
        c->starttls = 1;
        f->offset += f->hdr_have;
        f->hdr_have = 0;
    }
    if (f->state == ST_START) {
        size_t want = ((f->hdr_have ? f->hdr[0] : p[0]) & 0x80) ? 11 : 6;
        size_t take = want - f->hdr_have < n ? want - f->hdr_have : n;
        memcpy(f->hdr + f->hdr_have, p, take);
        f->hdr_have = (uint8_t)(f->hdr_have + take);
        p += take;
        n -= take;
        int k = decide_start(c, side, f->hdr, f->hdr_have);
        if (k < 0)
            return; /* n is 0: wait for more */
        f = &c->dir[dir_of(c, side)].fr; /* the roles may have been fixed just now */
        if (k == 3) {
            f->state = ST_DEAD;
            c->dir[dir_of(c, side) ^ 1].fr.state = ST_DEAD;
            return;
        }
        if (k == 0) {
            /* not TLS (yet): TLS may still start after a plaintext exchange */
            f->state = ST_PLAIN;
            f->offset += f->hdr_have;
            f->hdr_have = 0;
            f->offset += n;
            if (f->offset > TSC_SNIFF_PLAIN_MAX)
                f->state = ST_DEAD;
            return;
        }
        c->is_tls = 1;
        uint8_t replay[16];
        size_t rn = f->hdr_have;
        memcpy(replay, f->hdr, rn);
        f->hdr_have = 0;
        if (k == 2) {
            f->state = ST_SSLV2;
            f->body_left = (((size_t)replay[0] & 0x7f) << 8 | replay[1]) + 2;
            tsc_buf_init(&f->body, sc->lim.flow_buf_max);
        } else {
            f->state = ST_HDR;
        }
        feed_dir(sc, c, dir_of(c, side), replay, rn, ts);
    }
    feed_dir(sc, c, dir_of(c, side), p, n, ts);
}

void tsc_session_gap(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, uint64_t missing, int64_t ts)
{
    int dir = dir_of(c, side);
    struct tsc_tcp_framing *f = &c->dir[dir].fr;
    if (f->state == ST_DEAD)
        return;
    if (f->state == ST_START) {
        /* the direction's first bytes are missing: look for a record at the
         * next segment. When the capture saw the connection start (its SYN),
         * they were the side's first bytes of TLS, and that is a loss to say */
        if (c->is_tls && !c->midstream)
            tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0, "bytes missing from the capture", missing, ts);
        f->state = ST_HUNT;
        f->offset += missing;
        return;
    }
    if (c->is_tls)
        tsc_session_error(sc, c, dir, TSC_KIND_GAP, 0, "bytes missing from the capture", missing, ts);
    f->offset += missing;
    if (f->state == ST_BODY && missing < f->body_left) {
        /* a hole inside a record whose length we know: the next record
         * header is still where it was, so the record layer stays in sync */
        if (f->rec_decrypt) {
            /* a protected record with a hole cannot be opened */
            f->rec_decrypt = 0;
            tsc_buf_reset(&f->body);
            struct tsc_rec_in ri = rec_in(f);
            tsc_dec_unreadable(sc, c, dir, &ri, ts, "bytes of the record are missing from the capture");
            f->rec.type = 0;
        } else if (f->rec.type == TSC_CT_HANDSHAKE) {
            tsc_sess_handshake_gap(sc, c, dir, missing, ts);
        } else if (f->rec.type != 0) {
            tsc_buf_reset(&f->body); /* a ChangeCipherSpec or alert with a hole: lost */
            f->rec.type = 0;
        }
        f->body_left -= missing;
        return;
    }
    start_hunting(c, dir);
}

void tsc_frame_tcp_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int in_message, int64_t ts)
{
    struct tsc_tcp_framing *f = &c->dir[dir].fr;
    if ((f->state == ST_BODY || f->state == ST_SSLV2) && f->body_left > 0 && !in_message)
        tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a record", f->body_left, ts);
    else if (f->state == ST_HDR && f->hdr_have > 0)
        tsc_session_error(sc, c, dir, TSC_TRUNCATED, 0, "capture ends inside a record header", f->hdr_have, ts);
    tsc_buf_free(&f->body);
}
