/*
 * session_int.h - private to src/tls: how its stages hand bytes to each
 * other. Sinks and the capture layer use session.h only.
 *
 * The stages, in the order bytes flow:
 *
 *   frame_tcp.c   TLS records from a TCP stream (sniff.c finds where TLS
 *                 starts after plaintext); emits records as tsc_rec_in
 *   protect.c  record protection: opens protected records with the
 *                 connection's keys and hands on (inner type, plaintext)
 *   facts.c       tsc_sess_deliver: a record's content by type; handshake
 *                 bytes go to assembly (assemble.c), whole messages to the
 *                 pure decoders (msg.h), and what they say to the
 *                 connection's facts and the events of the sink
 *
 * A record handed on says what it is (type, version, epoch) and whether it
 * came out of record protection, so no stage keeps a mode flag that another
 * stage reads.
 */
#ifndef TSC_TLS_SESSION_INT_H
#define TSC_TLS_SESSION_INT_H

#include "tls/session.h"

/* Decryption is on for a connection when the run has keys before its
 * ServerHello: a key log that arrives during the run (a pcapng's secrets
 * block in the middle of the file, as `server --pcapng` writes one before
 * each connection, after a DTLS cookie exchange) serves the connections
 * whose handshake it precedes (protect.c takes the client random from the
 * ClientHello already read), never one half read without it. */
static inline void tsc_dec_first_bytes(const struct tsc_session_ctx *sc, struct tsc_conn *c)
{
    /* (early data already sent was not read with keys: not that one either) */
    if (sc->dec && !c->dec.enabled && !c->saw_server_hello && !c->ch_early_data)
        c->dec.enabled = 1;
}

/* A record (or the part of one) as a stage hands it to the next. */
struct tsc_rec_in {
    uint8_t type;       /* content type: the outer one as framed, the inner one once opened
                           (DTLS 1.3 unified header: 0 until opened) */
    uint8_t decrypted;  /* the bytes came out of record protection */
    uint16_t version;   /* the record header's version (DTLS 1.3 unified header: 0xfefc) */
    uint16_t epoch;     /* TLS over TCP: 0 read in the clear, 1 protected; DTLS 1.0/1.2: the
                           header's epoch; DTLS 1.3 unified header: its low 2 bits */
    uint32_t length;    /* the body's length on the wire */
    /* ---- DTLS only (dtls == 0: the rest is zero) ---- */
    uint8_t dtls;       /* framed from a DTLS datagram */
    uint8_t unified;    /* DTLS 1.3 unified header (RFC 9147 4): seq bits still encrypted */
    uint8_t seq_bits;   /* 48 (DTLS 1.0/1.2), 8 or 16 (unified header); 64 once a unified
                           header's record is opened: epoch and seq are then the full
                           numbers protect.c rebuilt (RFC 9147 4.2.2) */
    uint8_t cid_len;    /* connection ID in the header (RFC 9146 tls12_cid, RFC 9147 C bit) */
    uint64_t seq;       /* the header's sequence number as on the wire (seq_bits of it) */
    const uint8_t *cid; /* cid_len bytes inside hdr */
    const uint8_t *hdr; /* the record header as on the wire (AAD of DTLS 1.2 CID and 1.3) */
    uint16_t hdr_len;   /* up to 1 + 255 + 2 + 2 (a unified header with the longest CID) */
};

/* Certificates repeat: every connection to a server sends the same chain.
 * A small cache keyed by a keyed hash of the DER (and checked byte for byte)
 * spares OpenSSL the parse (facts.c). */
struct tsc_cert_cache_entry {
    uint64_t hash;
    uint64_t used;
    size_t len;
    uint8_t *der;
    struct tsc_cert_sum *sum; /* the cache's reference */
    tsc_result status;
};

/* ---- session.c ---- */
int tsc_sess_tls13(const struct tsc_conn *c);
/* tsc_session_error with a result's kind, alert and reason. */
void tsc_sess_error_r(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, tsc_result r, uint64_t detail,
                      int64_t ts);
void tsc_sess_emit(struct tsc_session_ctx *sc, struct tsc_event *ev);
void tsc_sess_ev_init(struct tsc_event *ev, enum tsc_ev_type type, struct tsc_conn *c, int dir, int64_t ts);

/* ---- facts.c: a record's content, plaintext or opened ---- */
/* A whole record body by its content type (handshake bytes go to assembly
 * as a fresh record; application data only when decrypted). */
void tsc_sess_deliver(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                      const uint8_t *p, size_t n, int64_t ts);
/* Handshake bytes of a plaintext record, chunk by chunk (fresh: the first
 * chunk of the record). */
void tsc_sess_handshake(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                        const uint8_t *p, size_t n, int fresh, int64_t ts);
/* DTLS: give up the messages of `dir` the capture will not complete
 * (reported as a gap), handing on those held after them. */
void tsc_sess_handshake_skip(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int64_t ts);
/* DTLS: the handshake fragments of a record the snaplen cut: what was
 * captured goes to reassembly (the message stays incomplete). */
void tsc_sess_handshake_cut(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                            const uint8_t *p, size_t n, int64_t ts);
/* `missing` bytes of a handshake record's body are gone. */
void tsc_sess_handshake_gap(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint64_t missing,
                            int64_t ts);
/* An SSLv2-format ClientHello (the bytes after its 2-byte header). */
void tsc_sess_sslv2_hello(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                          int64_t ts);
/* A record that will not be read (why: the reason it did not decrypt, or
 * NULL when its header arrives): 1 if it was accounted for (application
 * data, an encrypted record), 0 if its body is to be read. */
int tsc_sess_record_opaque(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                           int64_t ts, const char *why);

/* QUIC: n bytes at `offset` of a CRYPTO stream (one per direction and
 * packet number space, assembler `a`), r saying whether they were
 * decrypted with keys from the key log. */
void tsc_sess_crypto(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, struct tsc_hs_asm *a,
                     const struct tsc_rec_in *r, uint64_t offset, const uint8_t *p, size_t n, int64_t ts);
/* QUIC: bytes `offset` of a CRYPTO stream will never come (reported as a
 * gap) when `a` holds bytes past them. */
void tsc_sess_crypto_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, struct tsc_hs_asm *a,
                           int64_t ts);
/* An alert that did not come in a record (QUIC's CONNECTION_CLOSE with a
 * CRYPTO_ERROR carries a TLS alert's description, RFC 9001 4.8). */
void tsc_sess_alert(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int decrypted, uint8_t level,
                    uint8_t desc, int64_t ts);
/* QUIC: the data of a STREAM frame, read (an event with --data). */
void tsc_sess_stream(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint64_t stream_id, uint64_t offset,
                     int fin, const uint8_t *p, size_t n, int64_t ts);

/* ---- frame_dtls.c ---- */
void tsc_frame_dtls_datagram(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                             size_t wire, int64_t ts);
int tsc_frame_dtls_starts_new(const struct tsc_conn *c, const uint8_t *p, size_t n);

/* ---- frame_quic.c ---- */
void tsc_frame_quic_datagram(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                             size_t wire, int64_t ts);
int tsc_frame_quic_starts_new(const struct tsc_conn *c, const uint8_t *p, size_t n);
/* The connection closes: what the CRYPTO streams still held, keys freed. */
void tsc_frame_quic_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int64_t ts);
void tsc_frame_quic_free(struct tsc_conn *c);

/* ---- frame_tcp.c ---- */
/* The connection closes: what the framing of direction `dir` still held
 * (in_message: assembly holds an unfinished message, reported by the caller). */
void tsc_frame_tcp_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int in_message, int64_t ts);

/* ---- protect.c: record protection (each a no-op without keys) ---- */
/* Every handshake message, plaintext or decrypted, as it is dispatched. */
void tsc_dec_on_message(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint8_t type, struct tsc_view body,
                        const struct tsc_hs_msg *m, int ok, int decrypted);
/* A ChangeCipherSpec in TLS <= 1.2: the direction switches keys. */
void tsc_dec_on_ccs(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir);
/* A record header arrived: 1 if its body is to be gathered and opened
 * (the secrets it needs are looked up here). */
int tsc_dec_begin(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r);
/* A whole protected record body: open it and deliver what is inside. */
void tsc_dec_record(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                    const uint8_t *in, size_t n, int64_t ts);
/* A protected record that cannot be opened (bytes missing, too large):
 * shown as unread with the reason, and the direction's state stepped past it. */
void tsc_dec_unreadable(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const struct tsc_rec_in *r,
                        int64_t ts, const char *why);
/* A TLS 1.3 secret of this connection from the key log (found by the
 * ClientHello's random; a live key log gets a few chances to catch up):
 * its length, 0 with a note on the connection when there is none. */
size_t tsc_dec_secret(struct tsc_session_ctx *sc, struct tsc_conn *c, int label, const uint8_t **s);
/* Say once per connection why something was not decrypted. */
void tsc_dec_note(struct tsc_conn *c, const char *why);
/* The connection closes: remember its master secret for resumptions. */
void tsc_dec_remember(struct tsc_session_ctx *sc, struct tsc_conn *c);
/* Records of this direction may have been lost whole (a hole, a resync). */
void tsc_dec_lost(struct tsc_conn *c, int dir);
void tsc_dec_free(struct tsc_conn *c);

#endif
