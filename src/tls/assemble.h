/*
 * assemble.h - handshake messages from handshake bytes, whatever carried them.
 *
 * One assembler per direction (and, for transports that keep one, per
 * epoch). It is fed the plaintext of handshake records as a stream, split
 * anywhere (TLS over TCP: record bodies chunk by chunk, decrypted record
 * bodies whole), and hands on each complete message (type, body) through
 * tsc_asm_out. A message may span records and a record may hold several.
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
 * grow breaks the direction's handshake stream for good.
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

struct tsc_hs_asm {
    uint8_t broken;      /* the stream cannot be followed any more (buffer could not grow) */
    uint8_t lost;        /* message boundaries lost (a hole, a mid-stream start) */
    uint8_t probing;     /* gathering the first bytes of a record while lost */
    uint8_t probe_have;
    uint8_t probe[4];
    uint32_t skip;       /* bytes of a damaged or oversized message still to drop */
    struct tsc_buf msg;  /* a message that straddles chunks */
};

struct tsc_asm_out {
    void *arg;
    /* A whole message: its type and body (without the 4-byte header). */
    void (*message)(void *arg, uint8_t type, struct tsc_view body);
    /* Something went wrong (LIMIT, TRUNCATED); detail as tsc_conn_error's. */
    void (*error)(void *arg, tsc_result why, uint64_t detail);
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
void tsc_asm_free(struct tsc_hs_asm *a);

#endif
