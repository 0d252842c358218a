/*
 * quic.h - QUIC's wire formats, pure: packet headers (RFC 9000 17, the
 * version-independent invariants of RFC 8999, RFC 9369's version 2 type
 * bits), coalesced packets in a datagram, variable-length integers, packet
 * number reconstruction (RFC 9000 A.3), frames (RFC 9000 19, RFC 9221's
 * DATAGRAM) and the names of transport parameters (RFC 9000 18).
 *
 * Nothing here allocates, decrypts or keeps state between calls: header
 * fields that header protection covers (the packet number's length, the
 * reserved bits, the key phase) are left as on the wire; crypto/quic.h
 * removes the protection and opens the payload, and the frame walker then
 * reads the plaintext.
 *
 * Lifetime: every tsc_view in these structs points into the bytes given to
 * the parser, and lives as long as they do.
 *
 * Errors: a header that runs past the datagram is TRUNCATED (a capture's
 * snaplen); lengths that contradict each other are MALFORMED. A decrypted
 * payload is whole and authenticated: a frame that runs past it is
 * MALFORMED (FRAME_ENCODING_ERROR), never TRUNCATED.
 */
#ifndef TSC_TLS_QUIC_H
#define TSC_TLS_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "core/result.h"
#include "crypto/quic.h" /* TSC_QUIC_V1, TSC_QUIC_V2 */

/* ------------------------------------------------------------ integers */

/* Largest value a variable-length integer holds (2^62 - 1). */
#define TSC_QUIC_VARINT_MAX ((UINT64_C(1) << 62) - 1)

/* A variable-length integer (RFC 9000 16): the two high bits of the first
 * byte give its length (1, 2, 4 or 8 bytes). TRUNCATED when it runs past
 * the cursor (the cursor does not move). *len, when not NULL, is the
 * length it had on the wire (frame types must use the shortest). */
tsc_result tsc_quic_varint(struct tsc_cursor *c, uint64_t *out);
tsc_result tsc_quic_varint_len(struct tsc_cursor *c, uint64_t *out, unsigned *len);

/* The full packet number from the `pn_nbits` low bits the packet carried
 * (8, 16, 24 or 32), `expected` one past the largest number opened in the
 * packet number space (0 before any): RFC 9000 A.3's DecodePacketNumber. */
uint64_t tsc_quic_pn_decode(uint64_t expected, uint64_t truncated_pn, unsigned pn_nbits);

/* ------------------------------------------------------------ packets */

enum tsc_quic_ptype {
    TSC_QUIC_PT_INITIAL,
    TSC_QUIC_PT_0RTT,
    TSC_QUIC_PT_HANDSHAKE,
    TSC_QUIC_PT_RETRY,
    TSC_QUIC_PT_VERSION_NEGOTIATION, /* long header, version 0 */
    TSC_QUIC_PT_1RTT,                /* short header */
    TSC_QUIC_PT_UNKNOWN_VERSION,     /* long header of a version not known here: invariants only */
};
/* "Initial", "0-RTT", "Handshake", "Retry", "Version Negotiation", "1-RTT",
 * "unknown version". */
const char *tsc_quic_ptype_name(int type);

/* The packet type of a long header's type bits (0..3) in a version: v1
 * Initial 0, 0-RTT 1, Handshake 2, Retry 3; v2 Initial 1, 0-RTT 2,
 * Handshake 3, Retry 0 (RFC 9369 3.2). TSC_QUIC_PT_UNKNOWN_VERSION for
 * another version. */
enum tsc_quic_ptype tsc_quic_long_type(uint32_t version, unsigned bits);

/* Connection IDs of versions 1 and 2 are at most 20 bytes (RFC 9000 17.2);
 * the invariants allow 255 (RFC 8999 5.1). */
#define TSC_QUIC_CID_MAX 20

struct tsc_quic_hdr {
    uint8_t type;     /* enum tsc_quic_ptype */
    uint8_t first;    /* the first byte as on the wire (bits under header protection still masked) */
    uint8_t long_hdr; /* header form bit */
    uint8_t fixed_bit; /* 0x40 of the first byte: 0 only with grease_quic_bit (RFC 9287) */
    uint32_t version; /* long header; 0 for Version Negotiation and short headers */
    struct tsc_view dcid, scid; /* scid: long header only */
    struct tsc_view token;      /* Initial: the token (may be empty); Retry: the Retry Token */
    struct tsc_view retry_tag;  /* Retry: the 16-byte integrity tag */
    struct tsc_view versions;   /* Version Negotiation: 4-byte supported versions */
    uint64_t length;            /* Initial, 0-RTT, Handshake: the Length field (packet number + payload) */
    size_t pn_offset;           /* Initial, 0-RTT, Handshake, 1-RTT: where the packet number starts */
    struct tsc_view packet;     /* the whole packet: header and protected payload */
};

/*
 * Parse the packet at the start of p[0..n) (a datagram, or what follows
 * the packets before it). A short header's Destination Connection ID has
 * no length on the wire: `short_dcid_len` is the length the connection
 * chose (0..20). A packet with a Length (Initial, 0-RTT, Handshake) ends
 * where it says; any other runs to n. The packet must hold a packet number
 * and a header protection sample (pn_offset + 20 bytes) or is MALFORMED.
 */
tsc_result tsc_quic_hdr_parse(const uint8_t *p, size_t n, size_t short_dcid_len, struct tsc_quic_hdr *h);

/*
 * The next packet of a datagram: `dgram` is a cursor over the datagram,
 * moved past each packet. *got is 1 with h filled, or 0 when nothing
 * is left, or when what is left is zeros after a first packet (padding a
 * sender put after coalesced packets: RFC 9000 14.1 has servers and
 * clients pad datagrams, and a zero byte cannot start a packet). An
 * error leaves the cursor where it was.
 */
/* Whether the rest of a datagram after a packet is zeros: padding, no packet. */
int tsc_quic_is_padding(const uint8_t *p, size_t n);
tsc_result tsc_quic_datagram_next(struct tsc_cursor *dgram, size_t short_dcid_len, struct tsc_quic_hdr *h,
                                  int *got);

/*
 * Open one protected packet h (Initial, 0-RTT, Handshake or 1-RTT) with
 * its direction's keys: header protection off (crypto/quic.h), the full
 * packet number from `expected` (one past the largest opened in its
 * space, 0 before any), the payload opened. hdr must hold h->pn_offset +
 * 4 bytes and receives the unprotected header (*hdr_len bytes: its first
 * byte says the key phase); out holds h->packet.len bytes and receives the
 * payload (*out_len). *pn is set once the header is unprotected, whether
 * or not the payload then opens. MALFORMED for a packet of another type.
 */
tsc_result tsc_quic_packet_open(struct tsc_quic_keys *q, const struct tsc_quic_hdr *h, uint64_t expected,
                                uint8_t *hdr, size_t *hdr_len, uint8_t *out, size_t *out_len, uint64_t *pn);

/* Whether a UDP payload starts like a QUIC long header packet of a known
 * version (1, 2, a draft) or a Version Negotiation: the fixed bit set (or
 * a version 1/2 Initial with grease_quic_bit, not decidable here: not
 * accepted), connection IDs within 20 bytes, and it parses (an Initial
 * the snaplen cut after its header's connection IDs is taken); or a long
 * header of a reserved version (0x?a?a?a?a), which a client sends to
 * force Version Negotiation. */
int tsc_quic_datagram_plausible(const uint8_t *p, size_t n);
/* A version of the form 0x?a?a?a?a, reserved to exercise version
 * negotiation (RFC 9000 15). */
int tsc_quic_version_reserved(uint32_t v);

/* ------------------------------------------------------------ frames */

enum {
    TSC_QF_PADDING = 0x00,
    TSC_QF_PING = 0x01,
    TSC_QF_ACK = 0x02,
    TSC_QF_ACK_ECN = 0x03,
    TSC_QF_RESET_STREAM = 0x04,
    TSC_QF_STOP_SENDING = 0x05,
    TSC_QF_CRYPTO = 0x06,
    TSC_QF_NEW_TOKEN = 0x07,
    TSC_QF_STREAM = 0x08, /* 0x08..0x0f: OFF 0x04, LEN 0x02, FIN 0x01 */
    TSC_QF_MAX_DATA = 0x10,
    TSC_QF_MAX_STREAM_DATA = 0x11,
    TSC_QF_MAX_STREAMS_BIDI = 0x12,
    TSC_QF_MAX_STREAMS_UNI = 0x13,
    TSC_QF_DATA_BLOCKED = 0x14,
    TSC_QF_STREAM_DATA_BLOCKED = 0x15,
    TSC_QF_STREAMS_BLOCKED_BIDI = 0x16,
    TSC_QF_STREAMS_BLOCKED_UNI = 0x17,
    TSC_QF_NEW_CONNECTION_ID = 0x18,
    TSC_QF_RETIRE_CONNECTION_ID = 0x19,
    TSC_QF_PATH_CHALLENGE = 0x1a,
    TSC_QF_PATH_RESPONSE = 0x1b,
    TSC_QF_CONNECTION_CLOSE = 0x1c,     /* a QUIC error */
    TSC_QF_CONNECTION_CLOSE_APP = 0x1d, /* an application's error */
    TSC_QF_HANDSHAKE_DONE = 0x1e,
    TSC_QF_DATAGRAM = 0x30, /* RFC 9221: 0x30 without Length, 0x31 with */
    TSC_QF_DATAGRAM_LEN = 0x31,
};

/* One frame as on the wire. Which member of u holds depends on type. */
struct tsc_quic_frame {
    uint64_t type;
    size_t offset, size; /* where the frame sits in the payload, and its bytes */
    union {
        uint64_t padding; /* PADDING: how many zero bytes in a row (one frame for the run) */
        struct {
            uint64_t largest, delay, range_count, first_range;
            struct tsc_view ranges; /* range_count (Gap, ACK Range Length) pairs, for tsc_quic_ack_range */
            uint64_t ect0, ect1, ce; /* ACK_ECN only */
        } ack;
        struct {
            uint64_t stream_id, error_code, final_size;
        } reset_stream;
        struct {
            uint64_t stream_id, error_code;
        } stop_sending;
        struct {
            uint64_t offset;
            struct tsc_view data;
        } crypto;
        struct tsc_view token; /* NEW_TOKEN */
        struct {
            uint64_t stream_id, offset;
            int fin;
            struct tsc_view data;
        } stream;
        uint64_t max;        /* MAX_DATA, MAX_STREAMS_*, DATA_BLOCKED, STREAMS_BLOCKED_* */
        struct {
            uint64_t stream_id, max;
        } stream_max;        /* MAX_STREAM_DATA, STREAM_DATA_BLOCKED */
        struct {
            uint64_t seq, retire_prior_to;
            struct tsc_view cid;
            const uint8_t *reset_token; /* 16 bytes */
        } new_cid;
        uint64_t retire_seq; /* RETIRE_CONNECTION_ID */
        const uint8_t *path_data; /* PATH_CHALLENGE, PATH_RESPONSE: 8 bytes */
        struct {
            uint64_t error_code;
            uint64_t frame_type; /* 0x1c only */
            struct tsc_view reason;
        } close;
        struct tsc_view datagram; /* DATAGRAM */
    } u;
};

/*
 * The next frame of a decrypted payload: `c` is a cursor over the
 * payload, moved past the frame. A run of PADDING bytes is one frame. An
 * unknown frame type cannot be skipped (frames carry no length) and is
 * MALFORMED, as is a type not in its shortest encoding (RFC 9000 12.4), a
 * field past the payload, a value out of range (a CRYPTO or STREAM frame
 * past 2^62 - 1, a connection ID of 0 or more than 20 bytes, an ACK range
 * below packet 0). An error leaves the cursor where it was.
 */
tsc_result tsc_quic_frame_next(struct tsc_cursor *c, struct tsc_quic_frame *f);

/* ACK range i (0..range_count) of an ACK frame, as packet numbers
 * [*lo, *hi]: range 0 is [largest - first_range, largest]. MALFORMED when
 * the ranges run below 0 (checked already by tsc_quic_frame_next). */
tsc_result tsc_quic_ack_range(const struct tsc_quic_frame *f, uint64_t i, uint64_t *lo, uint64_t *hi);

/* "PADDING", "ACK", "STREAM", "CONNECTION_CLOSE", ...; NULL if unknown. */
const char *tsc_quic_frame_name(uint64_t type);
/* Whether a frame type may appear in a packet type (RFC 9000 12.4, Table
 * 3: Initial and Handshake carry PADDING, PING, ACK, CRYPTO and the QUIC
 * CONNECTION_CLOSE only; 0-RTT no ACK, CRYPTO, NEW_TOKEN, HANDSHAKE_DONE
 * or PATH_RESPONSE; RFC 9221's DATAGRAM in 0-RTT and 1-RTT). */
int tsc_quic_frame_allowed(uint64_t type, enum tsc_quic_ptype pt);

/* ------------------------------------------------------------ transport parameters */

/* The QUIC transport error codes' names (RFC 9000 20.1): "NO_ERROR",
 * "PROTOCOL_VIOLATION", ... and "CRYPTO_ERROR" for 0x0100..0x01ff (the
 * TLS alert is the low byte); NULL if unknown. */
const char *tsc_quic_error_name(uint64_t code);
/* An application protocol's error code in CONNECTION_CLOSE (0x1d) by the
 * ALPN the server selected: HTTP/3's and QPACK's ("h3", RFC 9114 8.1, RFC
 * 9204 6), DNS over QUIC's ("doq", RFC 9250 4.3); NULL otherwise. */
const char *tsc_quic_app_error_name(const uint8_t *alpn, size_t alpn_len, uint64_t code);

/* A transport parameter's name (RFC 9000 18.2, RFC 9221, RFC 9287, RFC
 * 9368, and the numbers the IANA registry lists for drafts and Google);
 * NULL if unknown. A reserved (GREASE) id is 31 * N + 27 (RFC 9000 18.1). */
const char *tsc_quic_tp_name(uint64_t id);
int tsc_quic_tp_is_grease(uint64_t id);

#endif
