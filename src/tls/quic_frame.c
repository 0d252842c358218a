/*
 * quic_frame.c - QUIC frames of a decrypted packet payload (RFC 9000 12.4,
 * 19; RFC 9221 4), and the names of frame types and transport errors.
 *
 * A payload is a sequence of frames, each a variable-length type and the
 * type's fields; no frame says its own length, so a frame that cannot be
 * read ends the walk. The payload came out of an AEAD whole: a field that
 * runs past it is malformed (FRAME_ENCODING_ERROR), not a capture cut
 * short.
 */
#include <string.h>

#include "tls/msg.h" /* tsc_complete */
#include "tls/quic.h"

/* Every read below goes through these: TRUNCATED inside a payload is
 * MALFORMED. */
static tsc_result vi(struct tsc_cursor *c, uint64_t *out)
{
    tsc_result r = tsc_quic_varint(c, out);
    if (r.kind == TSC_TRUNCATED)
        return TSC_MALFORMED_ERR("frame runs past the end of the payload");
    return r;
}

static tsc_result take(struct tsc_cursor *c, uint64_t n, struct tsc_view *out)
{
    if (!(n <= tsc_cursor_left(c)))
        return TSC_MALFORMED_ERR("frame runs past the end of the payload");
    return tsc_cursor_bytes(c, (size_t)n, out);
}

/* ACK Frame { Type (i) = 0x02..0x03, Largest Acknowledged (i), ACK Delay (i),
 *   ACK Range Count (i), First ACK Range (i), ACK Range (..) ...,
 *   [ECN Counts (..)] }  ACK Range { Gap (i), ACK Range Length (i) }
 *   ECN Counts { ECT0 Count (i), ECT1 Count (i), ECN-CE Count (i) } */
static tsc_result ack(struct tsc_cursor *c, struct tsc_quic_frame *f)
{
    TSC_GUARD(vi(c, &f->u.ack.largest));
    TSC_GUARD(vi(c, &f->u.ack.delay));
    TSC_GUARD(vi(c, &f->u.ack.range_count));
    TSC_GUARD(vi(c, &f->u.ack.first_range));
    TSC_ENSURE(f->u.ack.first_range <= f->u.ack.largest, "ACK range below packet number 0");
    uint64_t smallest = f->u.ack.largest - f->u.ack.first_range;
    size_t start = c->off;
    /* each range is at least 2 bytes: the loop ends with the payload */
    for (uint64_t i = 0; i < f->u.ack.range_count; i++) {
        uint64_t gap, len;
        TSC_GUARD(vi(c, &gap));
        TSC_GUARD(vi(c, &len));
        /* largest of this range = smallest of the one before - gap - 2 */
        TSC_ENSURE(smallest >= 2 && gap <= smallest - 2, "ACK range below packet number 0");
        uint64_t hi = smallest - gap - 2;
        TSC_ENSURE(len <= hi, "ACK range below packet number 0");
        smallest = hi - len;
    }
    f->u.ack.ranges.p = c->p + start;
    f->u.ack.ranges.len = c->off - start;
    if (f->type == TSC_QF_ACK_ECN) {
        TSC_GUARD(vi(c, &f->u.ack.ect0));
        TSC_GUARD(vi(c, &f->u.ack.ect1));
        TSC_GUARD(vi(c, &f->u.ack.ce));
    }
    return tsc_ok();
}

tsc_result tsc_quic_ack_range(const struct tsc_quic_frame *f, uint64_t i, uint64_t *lo, uint64_t *hi)
{
    TSC_ENSURE(i <= f->u.ack.range_count, "no such ACK range");
    TSC_ENSURE(f->u.ack.first_range <= f->u.ack.largest, "ACK range below packet number 0");
    uint64_t h = f->u.ack.largest, l = h - f->u.ack.first_range;
    struct tsc_cursor c = tsc_cursor_of(f->u.ack.ranges);
    for (uint64_t k = 0; k < i; k++) {
        uint64_t gap, len;
        TSC_GUARD(vi(&c, &gap));
        TSC_GUARD(vi(&c, &len));
        TSC_ENSURE(l >= 2 && gap <= l - 2, "ACK range below packet number 0");
        h = l - gap - 2;
        TSC_ENSURE(len <= h, "ACK range below packet number 0");
        l = h - len;
    }
    *lo = l;
    *hi = h;
    return tsc_ok();
}

/* The fields of one frame of type f->type. */
static tsc_result frame_body(struct tsc_cursor *c, struct tsc_quic_frame *f)
{
    uint64_t t = f->type, len;
    switch (t) {
    case TSC_QF_PADDING: {
        /* PADDING Frame { Type (i) = 0x00 }: a run of them is one frame here */
        uint64_t run = 1;
        while (tsc_cursor_left(c) && c->p[c->off] == 0) {
            c->off++;
            run++;
        }
        f->u.padding = run;
        return tsc_ok();
    }
    case TSC_QF_PING:
    case TSC_QF_HANDSHAKE_DONE:
        return tsc_ok();
    case TSC_QF_ACK:
    case TSC_QF_ACK_ECN:
        return ack(c, f);
    case TSC_QF_RESET_STREAM:
        /* { Stream ID (i), Application Protocol Error Code (i), Final Size (i) } */
        TSC_GUARD(vi(c, &f->u.reset_stream.stream_id));
        TSC_GUARD(vi(c, &f->u.reset_stream.error_code));
        return vi(c, &f->u.reset_stream.final_size);
    case TSC_QF_STOP_SENDING:
        /* { Stream ID (i), Application Protocol Error Code (i) } */
        TSC_GUARD(vi(c, &f->u.stop_sending.stream_id));
        return vi(c, &f->u.stop_sending.error_code);
    case TSC_QF_CRYPTO:
        /* { Offset (i), Length (i), Crypto Data (..) } */
        TSC_GUARD(vi(c, &f->u.crypto.offset));
        TSC_GUARD(vi(c, &len));
        TSC_GUARD(take(c, len, &f->u.crypto.data));
        TSC_ENSURE(len <= TSC_QUIC_VARINT_MAX - f->u.crypto.offset, "CRYPTO data past 2^62 - 1");
        return tsc_ok();
    case TSC_QF_NEW_TOKEN:
        /* { Token Length (i), Token (..) }: an empty token is an error (19.7) */
        TSC_GUARD(vi(c, &len));
        TSC_ENSURE(len > 0, "NEW_TOKEN with an empty token");
        return take(c, len, &f->u.token);
    case TSC_QF_MAX_DATA:
    case TSC_QF_DATA_BLOCKED:
        return vi(c, &f->u.max);
    case TSC_QF_MAX_STREAMS_BIDI:
    case TSC_QF_MAX_STREAMS_UNI:
    case TSC_QF_STREAMS_BLOCKED_BIDI:
    case TSC_QF_STREAMS_BLOCKED_UNI:
        /* a stream count above 2^60 could not be encoded as a stream ID (19.11, 19.14) */
        TSC_GUARD(vi(c, &f->u.max));
        TSC_ENSURE(f->u.max <= (UINT64_C(1) << 60), "stream count above 2^60");
        return tsc_ok();
    case TSC_QF_MAX_STREAM_DATA:
    case TSC_QF_STREAM_DATA_BLOCKED:
        TSC_GUARD(vi(c, &f->u.stream_max.stream_id));
        return vi(c, &f->u.stream_max.max);
    case TSC_QF_NEW_CONNECTION_ID: {
        /* { Sequence Number (i), Retire Prior To (i), Length (8),
         *   Connection ID (8..160), Stateless Reset Token (128) } */
        uint8_t l;
        struct tsc_view tok;
        TSC_GUARD(vi(c, &f->u.new_cid.seq));
        TSC_GUARD(vi(c, &f->u.new_cid.retire_prior_to));
        TSC_ENSURE(f->u.new_cid.retire_prior_to <= f->u.new_cid.seq, "Retire Prior To above the sequence number");
        TSC_ENSURE(tsc_cursor_left(c) >= 1, "frame runs past the end of the payload");
        TSC_GUARD(tsc_cursor_u8(c, &l));
        TSC_ENSURE(l >= 1 && l <= TSC_QUIC_CID_MAX, "NEW_CONNECTION_ID length not 1..20");
        TSC_GUARD(take(c, l, &f->u.new_cid.cid));
        TSC_GUARD(take(c, 16, &tok));
        f->u.new_cid.reset_token = tok.p;
        return tsc_ok();
    }
    case TSC_QF_RETIRE_CONNECTION_ID:
        return vi(c, &f->u.retire_seq);
    case TSC_QF_PATH_CHALLENGE:
    case TSC_QF_PATH_RESPONSE: {
        struct tsc_view d;
        TSC_GUARD(take(c, 8, &d));
        f->u.path_data = d.p;
        return tsc_ok();
    }
    case TSC_QF_CONNECTION_CLOSE:
    case TSC_QF_CONNECTION_CLOSE_APP:
        /* { Error Code (i), [Frame Type (i)], Reason Phrase Length (i), Reason Phrase (..) } */
        TSC_GUARD(vi(c, &f->u.close.error_code));
        f->u.close.frame_type = 0;
        if (t == TSC_QF_CONNECTION_CLOSE)
            TSC_GUARD(vi(c, &f->u.close.frame_type));
        TSC_GUARD(vi(c, &len));
        return take(c, len, &f->u.close.reason);
    case TSC_QF_DATAGRAM:
        /* RFC 9221 4: { Type (i) = 0x30..0x31, [Length (i)], Datagram Data (..) } */
        f->u.datagram = tsc_cursor_rest(c);
        return tsc_ok();
    case TSC_QF_DATAGRAM_LEN:
        TSC_GUARD(vi(c, &len));
        return take(c, len, &f->u.datagram);
    default:
        break;
    }
    if (t >= TSC_QF_STREAM && t <= TSC_QF_STREAM + 7) {
        /* STREAM Frame { Type (i) = 0x08..0x0f, Stream ID (i), [Offset (i)],
         *   [Length (i)], Stream Data (..) }: OFF 0x04, LEN 0x02, FIN 0x01 */
        f->u.stream.offset = 0;
        TSC_GUARD(vi(c, &f->u.stream.stream_id));
        if (t & 0x04)
            TSC_GUARD(vi(c, &f->u.stream.offset));
        if (t & 0x02) {
            TSC_GUARD(vi(c, &len));
            TSC_GUARD(take(c, len, &f->u.stream.data));
        } else {
            f->u.stream.data = tsc_cursor_rest(c);
        }
        f->u.stream.fin = (int)(t & 0x01);
        TSC_ENSURE(f->u.stream.data.len <= TSC_QUIC_VARINT_MAX - f->u.stream.offset, "STREAM data past 2^62 - 1");
        return tsc_ok();
    }
    return TSC_MALFORMED_ERR("unknown frame type");
}

/* The shortest encoding of a frame type's value (RFC 9000 12.4). */
static unsigned shortest(uint64_t v) { return v < 64 ? 1 : v < 16384 ? 2 : v < (UINT64_C(1) << 30) ? 4 : 8; }

tsc_result tsc_quic_frame_next(struct tsc_cursor *c, struct tsc_quic_frame *f)
{
    struct tsc_cursor w = *c;
    unsigned tlen;
    memset(f, 0, sizeof *f);
    f->offset = c->off;
    TSC_GUARD(tsc_complete(tsc_quic_varint_len(&w, &f->type, &tlen)));
    TSC_ENSURE(tlen == shortest(f->type), "frame type not in its shortest encoding");
    TSC_GUARD(frame_body(&w, f));
    f->size = w.off - c->off;
    *c = w;
    return tsc_ok();
}

const char *tsc_quic_frame_name(uint64_t type)
{
    static const char *const names[] = {
        "PADDING", "PING", "ACK", "ACK_ECN", "RESET_STREAM", "STOP_SENDING", "CRYPTO", "NEW_TOKEN",
        "STREAM", "STREAM", "STREAM", "STREAM", "STREAM", "STREAM", "STREAM", "STREAM",
        "MAX_DATA", "MAX_STREAM_DATA", "MAX_STREAMS_BIDI", "MAX_STREAMS_UNI", "DATA_BLOCKED",
        "STREAM_DATA_BLOCKED", "STREAMS_BLOCKED_BIDI", "STREAMS_BLOCKED_UNI", "NEW_CONNECTION_ID",
        "RETIRE_CONNECTION_ID", "PATH_CHALLENGE", "PATH_RESPONSE", "CONNECTION_CLOSE",
        "CONNECTION_CLOSE_APP", "HANDSHAKE_DONE",
    };
    if (type < sizeof names / sizeof names[0])
        return names[type];
    if (type == TSC_QF_DATAGRAM || type == TSC_QF_DATAGRAM_LEN)
        return "DATAGRAM";
    return NULL;
}

int tsc_quic_frame_allowed(uint64_t type, enum tsc_quic_ptype pt)
{
    switch (pt) {
    case TSC_QUIC_PT_INITIAL:
    case TSC_QUIC_PT_HANDSHAKE:
        /* Table 3's "IH" frames */
        return type == TSC_QF_PADDING || type == TSC_QF_PING || type == TSC_QF_ACK || type == TSC_QF_ACK_ECN ||
               type == TSC_QF_CRYPTO || type == TSC_QF_CONNECTION_CLOSE;
    case TSC_QUIC_PT_0RTT:
        if (type == TSC_QF_ACK || type == TSC_QF_ACK_ECN || type == TSC_QF_CRYPTO || type == TSC_QF_NEW_TOKEN ||
            type == TSC_QF_HANDSHAKE_DONE || type == TSC_QF_PATH_RESPONSE)
            return 0;
        return tsc_quic_frame_name(type) != NULL;
    case TSC_QUIC_PT_1RTT:
        return tsc_quic_frame_name(type) != NULL;
    default:
        return 0; /* Retry and Version Negotiation carry no frames */
    }
}

const char *tsc_quic_error_name(uint64_t code)
{
    static const char *const names[] = {
        "NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED", "FLOW_CONTROL_ERROR", "STREAM_LIMIT_ERROR",
        "STREAM_STATE_ERROR", "FINAL_SIZE_ERROR", "FRAME_ENCODING_ERROR", "TRANSPORT_PARAMETER_ERROR",
        "CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION", "INVALID_TOKEN", "APPLICATION_ERROR",
        "CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR", "AEAD_LIMIT_REACHED", "NO_VIABLE_PATH",
    };
    if (code < sizeof names / sizeof names[0])
        return names[code];
    if (code == 0x11)
        return "VERSION_NEGOTIATION_ERROR"; /* RFC 9368 */
    if (code >= 0x0100 && code <= 0x01ff)
        return "CRYPTO_ERROR";
    return NULL;
}

const char *tsc_quic_app_error_name(const uint8_t *alpn, size_t alpn_len, uint64_t code)
{
    static const char *const h3[] = {
        "H3_NO_ERROR", "H3_GENERAL_PROTOCOL_ERROR", "H3_INTERNAL_ERROR", "H3_STREAM_CREATION_ERROR",
        "H3_CLOSED_CRITICAL_STREAM", "H3_FRAME_UNEXPECTED", "H3_FRAME_ERROR", "H3_EXCESSIVE_LOAD",
        "H3_ID_ERROR", "H3_SETTINGS_ERROR", "H3_MISSING_SETTINGS", "H3_REQUEST_REJECTED",
        "H3_REQUEST_CANCELLED", "H3_REQUEST_INCOMPLETE", "H3_MESSAGE_ERROR", "H3_CONNECT_ERROR",
        "H3_VERSION_FALLBACK",
    };
    static const char *const qpack[] = {"QPACK_DECOMPRESSION_FAILED", "QPACK_ENCODER_STREAM_ERROR",
                                        "QPACK_DECODER_STREAM_ERROR"};
    static const char *const doq[] = {"DOQ_NO_ERROR", "DOQ_INTERNAL_ERROR", "DOQ_PROTOCOL_ERROR",
                                      "DOQ_REQUEST_CANCELLED", "DOQ_EXCESSIVE_LOAD", "DOQ_UNSPECIFIED_ERROR"};
    if (alpn_len == 2 && memcmp(alpn, "h3", 2) == 0) {
        if (code >= 0x100 && code - 0x100 < sizeof h3 / sizeof h3[0])
            return h3[code - 0x100];
        if (code >= 0x200 && code - 0x200 < sizeof qpack / sizeof qpack[0])
            return qpack[code - 0x200];
    }
    if (alpn_len == 3 && memcmp(alpn, "doq", 3) == 0 && code < sizeof doq / sizeof doq[0])
        return doq[code];
    return NULL;
}
