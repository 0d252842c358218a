/*
 * session_int.h - private to src/tls: what session.c (records, messages,
 * events) and session_decrypt.c (keys and record decryption) call of each
 * other. Not for sinks or the capture layer: they use session.h.
 */
#ifndef TSC_TLS_SESSION_INT_H
#define TSC_TLS_SESSION_INT_H

#include "tls/session.h"

/* ---- session.c ---- */
int tsc_sess_tls13(const struct tsc_conn *c);
void tsc_sess_emit(struct tsc_session_ctx *sc, struct tsc_event *ev);
void tsc_sess_ev_init(struct tsc_event *ev, enum tsc_ev_type type, struct tsc_conn *c, int dir, int64_t ts);
/* A handshake record's body (plaintext or decrypted): split into messages. */
void tsc_sess_handshake_bytes(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                              uint16_t rec_version, int64_t ts);
/* A whole ChangeCipherSpec, alert or heartbeat record body (type in c->dir[dir].rec). */
void tsc_sess_record_body(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *p, size_t n,
                          int64_t ts);
/* A record not read (why: the reason it did not decrypt, or NULL). */
int tsc_sess_record_opaque(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int64_t ts, const char *why);

/* ---- session_decrypt.c (each a no-op without keys for the connection) ---- */
/* Every handshake message, plaintext or decrypted, as it is dispatched. */
void tsc_dec_on_message(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, uint8_t type, struct tsc_view body,
                        const struct tsc_hs_msg *m, int ok);
/* A ChangeCipherSpec in TLS <= 1.2: the direction switches keys. */
void tsc_dec_on_ccs(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir);
/* A record header arrived: look up the secrets it needs. */
void tsc_dec_prepare(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir);
/* Will the record whose header arrived be decrypted? */
int tsc_dec_wanted(const struct tsc_conn *c, int dir);
/* A whole encrypted record body: open it and hand the plaintext on. */
void tsc_dec_record(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, const uint8_t *in, size_t n, int64_t ts);
/* The connection closes: remember its master secret for resumptions. */
void tsc_dec_remember(struct tsc_session_ctx *sc, struct tsc_conn *c);
/* Records of this direction may have been lost whole (a hole, a resync). */
void tsc_dec_lost(struct tsc_conn *c, int dir);
/* The record being read (n body bytes) lost bytes: step its state past it. */
void tsc_dec_skip(struct tsc_conn *c, int dir, size_t n);
void tsc_dec_free(struct tsc_conn *c);

#endif
