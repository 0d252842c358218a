/*
 * ext_quic.c - the quic_transport_parameters extension (RFC 9001 8.2, RFC
 * 9000 18; RFC 9221 3, RFC 9287 3, RFC 9368 3) and the names of transport
 * parameters.
 *
 * Each parameter is an id, a length and a value, all but the value
 * variable-length integers; a value is read by what its id means and must
 * fill its length exactly. An id not known here keeps its bytes.
 */
#include <string.h>

#include "tls/msg.h"
#include "tls/quic.h"

enum {
    TP_ORIGINAL_DCID = 0x00,
    TP_MAX_IDLE_TIMEOUT = 0x01,
    TP_STATELESS_RESET_TOKEN = 0x02,
    TP_MAX_UDP_PAYLOAD_SIZE = 0x03,
    TP_INITIAL_MAX_DATA = 0x04,
    TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL = 0x05,
    TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE = 0x06,
    TP_INITIAL_MAX_STREAM_DATA_UNI = 0x07,
    TP_INITIAL_MAX_STREAMS_BIDI = 0x08,
    TP_INITIAL_MAX_STREAMS_UNI = 0x09,
    TP_ACK_DELAY_EXPONENT = 0x0a,
    TP_MAX_ACK_DELAY = 0x0b,
    TP_DISABLE_ACTIVE_MIGRATION = 0x0c,
    TP_PREFERRED_ADDRESS = 0x0d,
    TP_ACTIVE_CONNECTION_ID_LIMIT = 0x0e,
    TP_INITIAL_SCID = 0x0f,
    TP_RETRY_SCID = 0x10,
    TP_VERSION_INFORMATION = 0x11,     /* RFC 9368 */
    TP_MAX_DATAGRAM_FRAME_SIZE = 0x20, /* RFC 9221 */
    TP_DISCARD = 0x173e,               /* draft-kazuho-quic-quic-discard */
    TP_GOOGLE_HANDSHAKE_MESSAGE = 0x26ab,
    TP_GREASE_QUIC_BIT = 0x2ab2, /* RFC 9287 */
    TP_INITIAL_RTT = 0x3127,     /* Google */
    TP_GOOGLE_CONNECTION_OPTIONS = 0x3128,
    TP_USER_AGENT = 0x3129,
    TP_GOOGLE_SUPPORT_HANDSHAKE_DONE = 0x312a,
    TP_KEY_UPDATE_NOT_YET_SUPPORTED = 0x312b,
    TP_GOOGLE_QUIC_VERSION = 0x4752,
    TP_MIN_ACK_DELAY_DRAFT = 0xde1a,          /* draft-iyengar-quic-delayed-ack */
    TP_VERSION_INFORMATION_DRAFT = 0xff73db,  /* draft-ietf-quic-version-negotiation */
    TP_MIN_ACK_DELAY = 0xff04de1b,            /* draft-ietf-quic-ack-frequency */
};

static const struct {
    uint64_t id;
    const char *name;
} tp_names[] = {
    {TP_ORIGINAL_DCID, "original_destination_connection_id"},
    {TP_MAX_IDLE_TIMEOUT, "max_idle_timeout"},
    {TP_STATELESS_RESET_TOKEN, "stateless_reset_token"},
    {TP_MAX_UDP_PAYLOAD_SIZE, "max_udp_payload_size"},
    {TP_INITIAL_MAX_DATA, "initial_max_data"},
    {TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, "initial_max_stream_data_bidi_local"},
    {TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, "initial_max_stream_data_bidi_remote"},
    {TP_INITIAL_MAX_STREAM_DATA_UNI, "initial_max_stream_data_uni"},
    {TP_INITIAL_MAX_STREAMS_BIDI, "initial_max_streams_bidi"},
    {TP_INITIAL_MAX_STREAMS_UNI, "initial_max_streams_uni"},
    {TP_ACK_DELAY_EXPONENT, "ack_delay_exponent"},
    {TP_MAX_ACK_DELAY, "max_ack_delay"},
    {TP_DISABLE_ACTIVE_MIGRATION, "disable_active_migration"},
    {TP_PREFERRED_ADDRESS, "preferred_address"},
    {TP_ACTIVE_CONNECTION_ID_LIMIT, "active_connection_id_limit"},
    {TP_INITIAL_SCID, "initial_source_connection_id"},
    {TP_RETRY_SCID, "retry_source_connection_id"},
    {TP_VERSION_INFORMATION, "version_information"},
    {TP_MAX_DATAGRAM_FRAME_SIZE, "max_datagram_frame_size"},
    {TP_DISCARD, "discard"},
    {TP_GOOGLE_HANDSHAKE_MESSAGE, "google_handshake_message"},
    {TP_GREASE_QUIC_BIT, "grease_quic_bit"},
    {TP_INITIAL_RTT, "initial_rtt"},
    {TP_GOOGLE_CONNECTION_OPTIONS, "google_connection_options"},
    {TP_USER_AGENT, "user_agent"},
    {TP_GOOGLE_SUPPORT_HANDSHAKE_DONE, "google_support_handshake_done"},
    {TP_KEY_UPDATE_NOT_YET_SUPPORTED, "key_update_not_yet_supported"},
    {TP_GOOGLE_QUIC_VERSION, "google_quic_version"},
    {TP_MIN_ACK_DELAY_DRAFT, "min_ack_delay (draft)"},
    {TP_VERSION_INFORMATION_DRAFT, "version_information (draft)"},
    {TP_MIN_ACK_DELAY, "min_ack_delay"},
};

const char *tsc_quic_tp_name(uint64_t id)
{
    for (size_t i = 0; i < sizeof tp_names / sizeof tp_names[0]; i++)
        if (tp_names[i].id == id)
            return tp_names[i].name;
    return NULL;
}

/* RFC 9000 18.1: ids of the form 31 * N + 27 are reserved, to exercise
 * the rule that unknown parameters are ignored. */
int tsc_quic_tp_is_grease(uint64_t id) { return id >= 27 && (id - 27) % 31 == 0; }

/* One integer that fills the value exactly. */
static tsc_result tp_int(struct tsc_cursor *v, struct tsc_quic_tp *tp)
{
    TSC_GUARD(tsc_quic_varint(v, &tp->num));
    tp->kind = TSC_QTP_INT;
    return tsc_ok();
}

static tsc_result tp_value(struct tsc_cursor *v, struct tsc_quic_tp *tp)
{
    struct tsc_view b;
    switch (tp->id) {
    case TP_ORIGINAL_DCID:
    case TP_INITIAL_SCID:
    case TP_RETRY_SCID:
        TSC_ENSURE(tp->value.len <= TSC_QUIC_CID_MAX, "connection ID longer than 20 bytes");
        (void)tsc_cursor_rest(v);
        tp->kind = TSC_QTP_CID;
        return tsc_ok();
    case TP_STATELESS_RESET_TOKEN:
        TSC_ENSURE(tp->value.len == 16, "stateless_reset_token is not 16 bytes");
        (void)tsc_cursor_rest(v);
        tp->kind = TSC_QTP_TOKEN;
        return tsc_ok();
    case TP_MAX_UDP_PAYLOAD_SIZE:
        TSC_GUARD(tp_int(v, tp));
        TSC_ENSURE(tp->num >= 1200, "max_udp_payload_size below 1200");
        return tsc_ok();
    case TP_ACK_DELAY_EXPONENT:
        TSC_GUARD(tp_int(v, tp));
        TSC_ENSURE(tp->num <= 20, "ack_delay_exponent above 20");
        return tsc_ok();
    case TP_MAX_ACK_DELAY:
        TSC_GUARD(tp_int(v, tp));
        TSC_ENSURE(tp->num < (1u << 14), "max_ack_delay of 2^14 or more");
        return tsc_ok();
    case TP_ACTIVE_CONNECTION_ID_LIMIT:
        TSC_GUARD(tp_int(v, tp));
        TSC_ENSURE(tp->num >= 2, "active_connection_id_limit below 2");
        return tsc_ok();
    case TP_INITIAL_MAX_STREAMS_BIDI:
    case TP_INITIAL_MAX_STREAMS_UNI:
        TSC_GUARD(tp_int(v, tp));
        TSC_ENSURE(tp->num <= (UINT64_C(1) << 60), "stream count above 2^60");
        return tsc_ok();
    case TP_MAX_IDLE_TIMEOUT:
    case TP_INITIAL_MAX_DATA:
    case TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL:
    case TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE:
    case TP_INITIAL_MAX_STREAM_DATA_UNI:
    case TP_MAX_DATAGRAM_FRAME_SIZE:
    case TP_INITIAL_RTT:
    case TP_MIN_ACK_DELAY_DRAFT:
    case TP_MIN_ACK_DELAY:
        return tp_int(v, tp);
    case TP_DISABLE_ACTIVE_MIGRATION:
    case TP_GREASE_QUIC_BIT:
    case TP_GOOGLE_SUPPORT_HANDSHAKE_DONE:
    case TP_KEY_UPDATE_NOT_YET_SUPPORTED:
        TSC_ENSURE(tp->value.len == 0, "flag transport parameter is not empty");
        tp->kind = TSC_QTP_EMPTY;
        return tsc_ok();
    case TP_PREFERRED_ADDRESS: {
        /* Preferred Address { IPv4 Address (32), IPv4 Port (16),
         *   IPv6 Address (128), IPv6 Port (16), Connection ID Length (8),
         *   Connection ID (..), Stateless Reset Token (128) } */
        struct tsc_cursor cid;
        TSC_GUARD(tsc_cursor_bytes(v, 4, &b));
        tp->pref.v4 = b.p;
        TSC_GUARD(tsc_cursor_u16(v, &tp->pref.v4_port));
        TSC_GUARD(tsc_cursor_bytes(v, 16, &b));
        tp->pref.v6 = b.p;
        TSC_GUARD(tsc_cursor_u16(v, &tp->pref.v6_port));
        TSC_GUARD(tsc_cursor_sub_u8(v, &cid));
        tp->pref.cid = tsc_cursor_rest(&cid);
        TSC_ENSURE(tp->pref.cid.len <= TSC_QUIC_CID_MAX, "connection ID longer than 20 bytes");
        TSC_GUARD(tsc_cursor_bytes(v, 16, &b));
        tp->pref.reset_token = b.p;
        tp->kind = TSC_QTP_PREFERRED_ADDRESS;
        return tsc_ok();
    }
    case TP_VERSION_INFORMATION:
    case TP_VERSION_INFORMATION_DRAFT: {
        /* Version Information { Chosen Version (32), Available Versions (32) ... } */
        uint32_t chosen;
        TSC_GUARD(tsc_cursor_u32(v, &chosen));
        tp->vi.chosen = chosen;
        tp->vi.available = tsc_cursor_rest(v);
        TSC_ENSURE(tp->vi.available.len % 4 == 0, "version_information's versions are not whole versions");
        tp->kind = TSC_QTP_VERSION_INFO;
        return tsc_ok();
    }
    default:
        (void)tsc_cursor_rest(v);
        tp->kind = TSC_QTP_BYTES;
        return tsc_ok();
    }
}

tsc_result tsc_quic_tp_next(struct tsc_cursor *c, struct tsc_quic_tp *tp)
{
    struct tsc_cursor w = *c, v;
    uint64_t len;
    memset(tp, 0, sizeof *tp);
    TSC_GUARD(tsc_complete(tsc_quic_varint(&w, &tp->id)));
    TSC_GUARD(tsc_complete(tsc_quic_varint(&w, &len)));
    TSC_ENSURE(len <= tsc_cursor_left(&w), "transport parameter runs past the extension");
    TSC_GUARD(tsc_cursor_bytes(&w, (size_t)len, &tp->value));
    v = tsc_cursor_of(tp->value);
    TSC_GUARD(tsc_complete(tp_value(&v, tp)));
    TSC_GUARD(tsc_cursor_expect_empty(&v, "transport parameter's value does not fill its length"));
    *c = w;
    return tsc_ok();
}

/* The whole extension: every parameter valid, none twice (RFC 9000 7.4:
 * a repeated parameter is a TRANSPORT_PARAMETER_ERROR). Repeats are found
 * for the ids below 64, the ones RFC 9000 and its extensions define. */
tsc_result tsc_ext_quic_tp_decode(struct tsc_cursor *c, struct tsc_ext *e)
{
    uint64_t seen = 0;
    uint32_t n = 0;
    while (tsc_cursor_left(c)) {
        struct tsc_quic_tp tp;
        TSC_GUARD(tsc_quic_tp_next(c, &tp));
        if (tp.id < 64) {
            if ((seen >> tp.id) & 1)
                return TSC_ILLEGAL_ERR("the same transport parameter appears twice");
            seen |= UINT64_C(1) << tp.id;
        }
        n++;
    }
    e->u.quic_tp.n = n;
    e->form = TSC_EXTF_QUIC_TP;
    return tsc_ok();
}
