/*
 * assemble.h - handshake messages from handshake bytes, whatever carried them.
 *
 * One assembler per direction (and, for transports that keep one, per
 * epoch), fed in one of three ways, and handing on each complete message
 * (type, body) through tsc_asm_out:
 *   - a stream (tsc_asm_stream): TLS over TCP, the plaintext of handshake
 *     records split anywhere; a message may span records and a record may
 *     hold several;
 *   - fragments (tsc_asm_fragment): DTLS, each fragment carrying its
 *     message_seq, fragment_offset and fragment_length (RFC 9147 5.2, RFC
 *     6347 4.2.2); fragments may come out of order, overlap, repeat
 *     (retransmitted flights) or never come; messages go out in
 *     message_seq order;
 *   - offsets (tsc_asm_crypto): QUIC CRYPTO frames (RFC 9000 19.6), bytes at
 *     an offset of the epoch's stream, out of order and overlapping; the
 *     bytes that join up go on as a stream.
 *
 * Holes: tsc_asm_gap says N bytes of the stream are gone. If the message
 * being assembled has a known length the rest of it is skipped and the next
 * message is read in sync; otherwise boundaries are lost until a record
 * that starts with a plausible message header (tsc_asm_lost does the same
 * for a capture that begins mid-connection, or a record layer that lost
 * sync).
 *
 * Memory: one message buffer, at most `cap` bytes. A message larger than the
 * cap is reported (LIMIT) and skipped by its length; a buffer that cannot
 * grow breaks the direction's handshake stream for good. Fragments and
 * offsets need more state, allocated on their first use: at most
 * TSC_ASM_AHEAD messages are held beside the one expected next, each within
 * `cap`, and at most `cap` bytes of a stream ahead of what joins up, in at
 * most TSC_ASM_RANGES pieces.
 *
 * Nothing here knows about connections, records or sinks: errors and
 * messages go out through the callbacks, and the views handed to `message`
 * are valid during the call only.
 */
#ifndef TSC_TLS_ASSEMBLE_H
#define TSC_TLS_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/cursor.h"
#include "core/result.h"

#define TSC_ASM_AHEAD 8    /* DTLS messages held while an earlier one is incomplete */
#define TSC_ASM_RANGES 32  /* pieces of one message or of the bytes ahead of a stream */

struct tsc_asm_more; /* fragment and offset state (assemble.c) */

struct tsc_hs_asm {
    uint8_t broken;      /* the stream cannot be followed any more (buffer could not grow) */
    uint8_t lost;        /* message boundaries lost (a hole, a mid-stream start) */
    uint8_t probing;     /* gathering the first bytes of a record while lost */
    uint8_t probe_have;
    uint8_t probe[4];
    uint32_t skip;       /* bytes of a damaged or oversized message still to drop */
    struct tsc_buf msg;  /* a message that straddles chunks */
    struct tsc_asm_more *more; /* fragments or offsets, NULL for a stream */
};

struct tsc_asm_out {
    void *arg;
    /* A whole message: its type and body (without the 4-byte header). */
    void (*message)(void *arg, uint8_t type, struct tsc_view body);
    /* Something went wrong (LIMIT, TRUNCATED); detail as tsc_conn_error's. */
    void (*error)(void *arg, tsc_result why, uint64_t detail);
    /* Fragments: if not NULL, set before each message() to the OR of the
     * tags of the fragments that made the message (DTLS: read from a
     * decrypted record); the tag of a message completed by a later record
     * is not that record's. */
    uint8_t *tag;
};

/* Handshake bytes in stream order. `fresh` says p starts a new record:
 * after lost boundaries, only a record start can bring them back. */
void tsc_asm_stream(struct tsc_hs_asm *a, size_t cap, const uint8_t *p, size_t n, int fresh,
                    const struct tsc_asm_out *out);
/* `missing` bytes of the stream will never arrive. */
void tsc_asm_gap(struct tsc_hs_asm *a, uint64_t missing, const struct tsc_asm_out *out);
/* Boundaries are lost (the layer below lost sync): wait for a record that
 * starts with a message. */
void tsc_asm_lost(struct tsc_hs_asm *a);
/* Bytes of an unfinished message still wanted (0 if none is pending). */
int tsc_asm_pending(const struct tsc_hs_asm *a, uint64_t *need);

/* One DTLS handshake fragment, its header parsed:
 *   struct {
 *       HandshakeType msg_type;
 *       uint24 length;           -- of the whole message
 *       uint16 message_seq;
 *       uint24 fragment_offset;
 *       uint24 fragment_length;
 *       opaque body[fragment_length];
 *   } Handshake;                 -- RFC 9147 5.2 */
struct tsc_hs_frag {
    uint8_t type;
    uint32_t length;
    uint16_t message_seq;
    uint32_t offset;
    struct tsc_view body; /* fragment_length bytes */
    uint8_t tag;          /* the caller's: handed back with the message (tsc_asm_out.tag) */
};
enum tsc_asm_verdict {
    TSC_ASM_NEW,       /* bytes not seen before (a message may have gone out) */
    TSC_ASM_REPEAT,    /* nothing new: a retransmission or an overlap already held */
    TSC_ASM_REFUSED,   /* malformed, over a limit, or too far ahead (error reported) */
};
/* Parse a DTLS handshake fragment header at the cursor (the body is a view). */
tsc_result tsc_hs_frag_parse(struct tsc_cursor *c, struct tsc_hs_frag *out);
enum tsc_asm_verdict tsc_asm_fragment(struct tsc_hs_asm *a, size_t cap, const struct tsc_hs_frag *f,
                                      const struct tsc_asm_out *out);
/* QUIC: n bytes at `offset` of the epoch's CRYPTO stream. */
enum tsc_asm_verdict tsc_asm_crypto(struct tsc_hs_asm *a, size_t cap, uint64_t offset, const uint8_t *p, size_t n,
                                    const struct tsc_asm_out *out);
/* Fragments and offsets: the next message seq expected, or the stream
 * offset joined so far; and whether anything is held that did not join up
 * (bytes the capture lost, reported by the caller at close). */
uint64_t tsc_asm_next(const struct tsc_hs_asm *a);
/* Fragments: the capture will not bring what is missing (the peer answered
 * the flight, or the connection closed): give up every message that is
 * incomplete or absent while later ones are held, handing those on.
 * Returns the bytes missing of the messages given up (their count in
 * *skipped; a message of which nothing arrived counts no bytes). */
/* Fragments: message `seq` will not come as a handshake message, it was
 * spent otherwise (OpenSSL's pre-RFC DTLS numbers its ChangeCipherSpec):
 * if it is the one expected next and nothing of it is held, go past it. */
void tsc_asm_frag_spent(struct tsc_hs_asm *a, uint16_t seq, const struct tsc_asm_out *out);
/* Fragments: the first message of this direction will be number `seq`
 * (a DTLS server answers a ClientHello with the same message_seq), unless
 * numbering has begun: a later message captured first is then held. */
void tsc_asm_frag_expect(struct tsc_hs_asm *a, uint16_t seq, const struct tsc_asm_out *out);
/* Fragments: a new handshake on the same connection numbers its messages
 * from 0 again (DTLS renegotiation): forget the numbering and what is held. */
void tsc_asm_frag_restart(struct tsc_hs_asm *a);
uint64_t tsc_asm_frag_skip(struct tsc_hs_asm *a, const struct tsc_asm_out *out, uint32_t *skipped);
int tsc_asm_holes(const struct tsc_hs_asm *a);
void tsc_asm_free(struct tsc_hs_asm *a);

#endif
