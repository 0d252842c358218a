/*
 * msg.h - pure decoders for TLS/SSL records, handshake messages and extensions.
 *
 * Every decoder is a function from a bounded cursor (or view) to a struct of
 * views into the bytes it was given. Decoders never allocate, print, or know
 * what a flow is. Views live as long as the bytes passed in.
 *
 * Handshake message decoders are handed a complete message body: a vector that
 * runs past its container there is MALFORMED (alert decode_error), not
 * TRUNCATED. TRUNCATED is left for the layers that know a capture ended early.
 * Lists are bounded by the TSC_MAX_* constants; entries past them are counted
 * (`n_*` keeps the true count) but not stored.
 */
#ifndef TSC_TLS_MSG_H
#define TSC_TLS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "core/result.h"

/* ---- versions and content types ---- */
#define TSC_SSL30 0x0300
#define TSC_TLS10 0x0301
#define TSC_TLS11 0x0302
#define TSC_TLS12 0x0303
#define TSC_TLS13 0x0304
#define TSC_DTLS10 0xfeff /* RFC 4347 */
#define TSC_DTLS12 0xfefd /* RFC 6347 */
#define TSC_DTLS13 0xfefc /* RFC 9147 */
/* DTLS versions count down from 0xfeff: the one's complement of 1.x's minor. */
static inline int tsc_version_is_dtls(uint16_t v) { return (v >> 8) == 0xfe || v == 0x0100; }

/*
 * The TLS version a DTLS version is built on, so that "at least TLS 1.2" and
 * "TLS 1.3" tests read right for DTLS, whose numbers run the other way (0xfeff
 * is larger than 0x0304): DTLS 1.0 is TLS 1.1 (RFC 4347 1), DTLS 1.2 is
 * TLS 1.2 (RFC 6347 1), DTLS 1.3 is TLS 1.3 (RFC 9147 1); OpenSSL's
 * pre-standard DTLS 1.0 (0x0100) is DTLS 1.0; a later DTLS 1.x is TLS 1.x.
 * Every other value (TLS, SSL, drafts, unknown) is returned unchanged.
 */
static inline uint16_t tsc_version_tls_equiv(uint16_t v)
{
    if (v == 0x0100 || v == TSC_DTLS10 || v == 0xfefe) /* 0xfefe: "DTLS 1.1" was skipped */
        return TSC_TLS11;
    if ((v >> 8) == 0xfe)
        return (uint16_t)(0x0301 + (0xff - (v & 0xff))); /* 1.x, x >= 2 -> 0x0301 + x */
    return v;
}

enum tsc_content_type {
    TSC_CT_CHANGE_CIPHER_SPEC = 20,
    TSC_CT_ALERT = 21,
    TSC_CT_HANDSHAKE = 22,
    TSC_CT_APPLICATION_DATA = 23,
    TSC_CT_HEARTBEAT = 24,
    TSC_CT_TLS12_CID = 25, /* DTLS 1.2 with connection IDs (RFC 9146) */
    TSC_CT_ACK = 26,       /* DTLS 1.3 (RFC 9147 7) */
};

enum tsc_hs_type {
    TSC_HS_HELLO_REQUEST = 0,
    TSC_HS_CLIENT_HELLO = 1,
    TSC_HS_SERVER_HELLO = 2,
    TSC_HS_HELLO_VERIFY_REQUEST = 3,
    TSC_HS_NEW_SESSION_TICKET = 4,
    TSC_HS_END_OF_EARLY_DATA = 5,
    TSC_HS_ENCRYPTED_EXTENSIONS = 8,
    TSC_HS_CERTIFICATE = 11,
    TSC_HS_SERVER_KEY_EXCHANGE = 12,
    TSC_HS_CERTIFICATE_REQUEST = 13,
    TSC_HS_SERVER_HELLO_DONE = 14,
    TSC_HS_CERTIFICATE_VERIFY = 15,
    TSC_HS_CLIENT_KEY_EXCHANGE = 16,
    TSC_HS_FINISHED = 20,
    TSC_HS_CERTIFICATE_URL = 21,
    TSC_HS_CERTIFICATE_STATUS = 22,
    TSC_HS_SUPPLEMENTAL_DATA = 23,
    TSC_HS_KEY_UPDATE = 24,
    TSC_HS_COMPRESSED_CERTIFICATE = 25,
    TSC_HS_NEXT_PROTOCOL = 67,
    TSC_HS_MESSAGE_HASH = 254,
    /* not a wire code: a ServerHello whose random is the HRR value */
    TSC_HS_HELLO_RETRY_REQUEST = 0x106,
};

/* The largest record a peer may send: 2^14 plus the TLS 1.2 expansion. */
#define TSC_RECORD_MAX (16384 + 2048)

struct tsc_record_hdr {
    uint8_t type;
    uint16_t version;
    uint16_t length;
};

/* Parse a 5-byte record header; MALFORMED when it cannot be a TLS record. */
tsc_result tsc_record_hdr_parse(struct tsc_cursor *c, struct tsc_record_hdr *out);
/* 1 if the 5 bytes at p look like a TLS record header (type 20..24, version
 * 3.0..3.4, length 1..TSC_RECORD_MAX). */
int tsc_record_plausible(const uint8_t *p, size_t n);
/* 1 if the bytes look like an SSLv2-format ClientHello (2-byte header, msg 1). */
int tsc_sslv2_hello_plausible(const uint8_t *p, size_t n);

/* ---- extensions ---- */
#define TSC_MAX_EXTENSIONS 64
#define TSC_MAX_ALPN 16
#define TSC_MAX_KEY_SHARES 16
#define TSC_MAX_PSK_IDS 8
#define TSC_MAX_SNI 4

enum tsc_ext_ctx {
    TSC_EXT_CLIENT_HELLO,
    TSC_EXT_SERVER_HELLO,
    TSC_EXT_HRR,
    TSC_EXT_ENCRYPTED_EXTENSIONS,
    TSC_EXT_CERTIFICATE_REQUEST,
    TSC_EXT_NEW_SESSION_TICKET,
    TSC_EXT_CERTIFICATE,
};

enum tsc_ext_code {
    TSC_EXT_SERVER_NAME = 0,
    TSC_EXT_MAX_FRAGMENT_LENGTH = 1,
    TSC_EXT_STATUS_REQUEST = 5,
    TSC_EXT_SUPPORTED_GROUPS = 10,
    TSC_EXT_EC_POINT_FORMATS = 11,
    TSC_EXT_SIGNATURE_ALGORITHMS = 13,
    TSC_EXT_USE_SRTP = 14,
    TSC_EXT_HEARTBEAT = 15,
    TSC_EXT_ALPN = 16,
    TSC_EXT_STATUS_REQUEST_V2 = 17,
    TSC_EXT_SCT = 18,
    TSC_EXT_PADDING = 21,
    TSC_EXT_ENCRYPT_THEN_MAC = 22,
    TSC_EXT_EXTENDED_MASTER_SECRET = 23,
    TSC_EXT_COMPRESS_CERTIFICATE = 27,
    TSC_EXT_RECORD_SIZE_LIMIT = 28,
    TSC_EXT_SESSION_TICKET = 35,
    TSC_EXT_PRE_SHARED_KEY = 41,
    TSC_EXT_EARLY_DATA = 42,
    TSC_EXT_SUPPORTED_VERSIONS = 43,
    TSC_EXT_COOKIE = 44,
    TSC_EXT_CONNECTION_ID = 54, /* RFC 9146 */
    TSC_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    TSC_EXT_CERTIFICATE_AUTHORITIES = 47,
    TSC_EXT_OID_FILTERS = 48,
    TSC_EXT_POST_HANDSHAKE_AUTH = 49,
    TSC_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    TSC_EXT_KEY_SHARE = 51,
    TSC_EXT_QUIC_TRANSPORT_PARAMETERS = 57, /* RFC 9001 8.2 */
    TSC_EXT_NPN = 13172,
    TSC_EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
    TSC_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* How an extension's body was understood. */
enum tsc_ext_form {
    TSC_EXTF_RAW,        /* not decoded: name and hex */
    TSC_EXTF_EMPTY,      /* a flag extension with no body */
    TSC_EXTF_U8,         /* one number: max_fragment_length, heartbeat mode */
    TSC_EXTF_U16,        /* one number: record_size_limit, selected version, group, identity */
    TSC_EXTF_U32,        /* one number: max_early_data_size */
    TSC_EXTF_U16_LIST,   /* groups, signature schemes, versions, algorithms */
    TSC_EXTF_U8_LIST,    /* point formats, psk modes */
    TSC_EXTF_NAMES,      /* server_name, ALPN, NPN: a list of byte strings */
    TSC_EXTF_KEY_SHARE,  /* client shares, or the server's one share */
    TSC_EXTF_PSK,        /* client identities and binders */
    TSC_EXTF_STATUS,     /* status_request */
    TSC_EXTF_BYTES,      /* one opaque value: ticket, cookie, renegotiated_connection, padding */
    TSC_EXTF_SRTP,
    TSC_EXTF_ECH,
    TSC_EXTF_CAS,        /* certificate_authorities: count of DNs */
    TSC_EXTF_QUIC_TP,    /* quic_transport_parameters: walk e->data with tsc_quic_tp_next */
};

struct tsc_key_share {
    uint16_t group;
    struct tsc_view key;
};

struct tsc_psk_id {
    struct tsc_view identity;
    uint32_t obfuscated_ticket_age;
};

struct tsc_ext {
    uint16_t type;
    uint8_t form; /* enum tsc_ext_form */
    struct tsc_view data; /* the whole extension body */
    tsc_result status;    /* decode result: a malformed body keeps form RAW */
    union {
        uint32_t num;             /* U8, U16, U32 */
        struct tsc_view list;     /* U16_LIST / U8_LIST: the raw list bytes */
        struct tsc_view bytes;    /* BYTES */
        struct {
            uint16_t n, stored;
            uint8_t kinds[TSC_MAX_ALPN]; /* server_name: name_type */
            struct tsc_view v[TSC_MAX_ALPN];
        } names;
        struct {
            uint16_t n, stored;
            struct tsc_key_share s[TSC_MAX_KEY_SHARES];
        } key_share;
        struct {
            uint16_t n, stored, n_binders;
            struct tsc_psk_id id[TSC_MAX_PSK_IDS];
        } psk;
        struct {
            uint8_t status_type;
            struct tsc_view responder_ids, request_extensions;
        } status;
        struct {
            struct tsc_view profiles, mki;
        } srtp;
        struct {
            uint8_t ech_type; /* 0 outer, 1 inner; 0xff for server retry_configs/HRR confirmation */
            uint16_t kdf_id, aead_id;
            uint8_t config_id;
            struct tsc_view enc, payload;
        } ech;
        struct {
            uint16_t n;
        } cas;
        struct {
            uint32_t n; /* how many parameters, every one valid */
        } quic_tp;
    } u;
};

/*
 * QUIC transport parameters (RFC 9000 18): the body of extension 57 is
 *   Transport Parameter { Transport Parameter ID (i),
 *                         Transport Parameter Length (i),
 *                         Transport Parameter Value (..) } ...
 * with variable-length integers (tls/quic.h). Each parameter's value is
 * decoded by its id (RFC 9000 18.2, RFC 9221, RFC 9287, RFC 9368, and the
 * ids of drafts and of Google's QUIC the IANA registry lists); names come
 * from tsc_quic_tp_name (tls/quic.h). Views point into the extension body.
 */
enum tsc_quic_tp_kind {
    TSC_QTP_BYTES,  /* opaque, or an id not known here: the value as it is */
    TSC_QTP_INT,    /* one variable-length integer: num */
    TSC_QTP_EMPTY,  /* a flag: disable_active_migration, grease_quic_bit */
    TSC_QTP_CID,    /* a connection ID (value, 0..20 bytes) */
    TSC_QTP_TOKEN,  /* stateless_reset_token: 16 bytes */
    TSC_QTP_PREFERRED_ADDRESS,
    TSC_QTP_VERSION_INFO, /* version_information (RFC 9368 3) */
};

struct tsc_quic_tp {
    uint64_t id;
    struct tsc_view value;
    uint8_t kind; /* enum tsc_quic_tp_kind */
    uint64_t num; /* INT */
    struct {
        const uint8_t *v4, *v6; /* 4 and 16 bytes */
        uint16_t v4_port, v6_port;
        struct tsc_view cid;
        const uint8_t *reset_token; /* 16 bytes */
    } pref;
    struct {
        uint32_t chosen;
        struct tsc_view available; /* 4-byte versions */
    } vi;
};

/* The next transport parameter of a quic_transport_parameters body,
 * checked as RFC 9000 18.2 says (a length that does not fit its value,
 * max_udp_payload_size below 1200, ack_delay_exponent above 20,
 * max_ack_delay of 2^14 or more, active_connection_id_limit below 2,
 * stream counts above 2^60, a connection ID above 20 bytes): MALFORMED,
 * with the cursor where it was. */
tsc_result tsc_quic_tp_next(struct tsc_cursor *c, struct tsc_quic_tp *tp);
/* Extension 57's body for tsc_ext_decode: every parameter, none twice;
 * sets e->u.quic_tp and the form (ext_quic.c). */
tsc_result tsc_ext_quic_tp_decode(struct tsc_cursor *c, struct tsc_ext *e);

/* Count of items in a list extension (U16_LIST: len/2, U8_LIST: len). */
size_t tsc_ext_list_count(const struct tsc_ext *e);
uint16_t tsc_ext_list_at(const struct tsc_ext *e, size_t i);

/* Decode one extension body in its context. Never fails the caller: on a bad
 * body, e->form stays TSC_EXTF_RAW and e->status holds why. */
void tsc_ext_decode(uint16_t type, struct tsc_view body, enum tsc_ext_ctx ctx, struct tsc_ext *e);

struct tsc_ext_list {
    uint16_t n;      /* how many extensions the block holds */
    uint16_t stored; /* how many are in ext[] */
    int present;     /* the extensions block was there at all */
    struct tsc_ext ext[TSC_MAX_EXTENSIONS];
};

/* Parse `Extension extensions<0..2^16-1>` (the u16 length included). Each
 * extension appears at most once (a duplicate is MALFORMED, as RFC 8446 4.2). */
tsc_result tsc_ext_list_parse(struct tsc_cursor *c, enum tsc_ext_ctx ctx, struct tsc_ext_list *out);
const struct tsc_ext *tsc_ext_find(const struct tsc_ext_list *l, uint16_t type);

/* ---- hello messages ---- */
struct tsc_client_hello {
    int sslv2; /* SSLv2-compatible format (cipher specs are 3 bytes) */
    uint16_t legacy_version;
    struct tsc_view random;     /* 32 bytes (SSLv2: the challenge) */
    struct tsc_view session_id;
    int dtls;                   /* DTLS format: a cookie follows the session id */
    struct tsc_view cookie;     /* DTLS only (empty in TLS): the HelloVerifyRequest's cookie
                                 * echoed (RFC 6347 4.2.1); DTLS 1.3's legacy_cookie, always
                                 * empty (RFC 9147 5.3) */
    struct tsc_view cipher_suites; /* u16 each (SSLv2: u24 each) */
    struct tsc_view compression;
    struct tsc_ext_list ext;
};

struct tsc_server_hello {
    int hrr;
    uint16_t legacy_version;
    struct tsc_view random;
    struct tsc_view session_id;
    uint16_t cipher_suite;
    uint8_t compression;
    struct tsc_ext_list ext;
};

/* facts.c reads a partial hello's random through u.ch whatever the message
 * type: the two hellos keep their first fields at the same offsets. */
_Static_assert(offsetof(struct tsc_client_hello, random) == offsetof(struct tsc_server_hello, random) &&
                   offsetof(struct tsc_client_hello, session_id) == offsetof(struct tsc_server_hello, session_id),
               "ClientHello and ServerHello views must line up");

/* On an error the hello holds what was read before it (fields after the
 * error are empty, extensions counted up to it): callers may show it. */
tsc_result tsc_client_hello_parse(struct tsc_view body, struct tsc_client_hello *out);
/* The same, in the TLS form (dtls 0: exactly tsc_client_hello_parse) or the
 * DTLS form (dtls 1: `opaque cookie<0..2^8-1>` after the session id). */
tsc_result tsc_client_hello_parse_as(struct tsc_view body, int dtls, struct tsc_client_hello *out);
/* body = the SSLv2 record without its 2-byte header (msg_type first). */
tsc_result tsc_sslv2_client_hello_parse(struct tsc_view body, struct tsc_client_hello *out);
size_t tsc_client_hello_n_suites(const struct tsc_client_hello *ch);
uint32_t tsc_client_hello_suite_at(const struct tsc_client_hello *ch, size_t i);
tsc_result tsc_server_hello_parse(struct tsc_view body, struct tsc_server_hello *out);
/* The negotiated version: supported_versions when present, else legacy. */
uint16_t tsc_server_hello_version(const struct tsc_server_hello *sh);
extern const uint8_t tsc_hrr_random[32];

/* DTLS 1.0 and 1.2 (RFC 6347 4.2.1; RFC 4347 had cookie<0..32>):
 * struct { ProtocolVersion server_version; opaque cookie<0..2^8-1>; } HelloVerifyRequest; */
struct tsc_hello_verify_request {
    uint16_t server_version;
    struct tsc_view cookie;
};
tsc_result tsc_hello_verify_request_parse(struct tsc_view body, struct tsc_hello_verify_request *out);

/* ---- certificates ---- */
#define TSC_MAX_CERTS 16
struct tsc_certificate {
    int tls13;
    struct tsc_view request_context;
    uint16_t n, stored;
    struct tsc_view cert[TSC_MAX_CERTS];
    struct tsc_view cert_ext[TSC_MAX_CERTS]; /* TLS 1.3 per-entry extensions */
};
tsc_result tsc_certificate_parse(struct tsc_view body, int tls13, struct tsc_certificate *out);

/* ---- key exchange ---- */
enum tsc_kx {
    TSC_KX_UNKNOWN,
    TSC_KX_RSA,
    TSC_KX_DHE,
    TSC_KX_ECDHE,
    TSC_KX_PSK,
    TSC_KX_DHE_PSK,
    TSC_KX_ECDHE_PSK,
    TSC_KX_RSA_PSK,
    TSC_KX_SRP,
    TSC_KX_ECDH, /* static, no ServerKeyExchange */
    TSC_KX_DH,
};
/* The key exchange of a cipher suite, from its name (TLS 1.3 suites: UNKNOWN). */
enum tsc_kx tsc_kx_of_suite(uint16_t suite);
int tsc_kx_is_anon(uint16_t suite);

struct tsc_server_key_exchange {
    enum tsc_kx kx;
    uint8_t curve_type; /* ECDHE: 3 = named_curve */
    uint16_t named_curve;
    struct tsc_view point;   /* ECDHE public */
    struct tsc_view dh_p, dh_g, dh_ys;
    struct tsc_view rsa_modulus, rsa_exponent; /* export RSA */
    struct tsc_view psk_hint;
    struct tsc_view srp_n, srp_g, srp_s, srp_b;
    int has_sig_alg;
    uint16_t sig_alg;
    struct tsc_view signature;
};
/* version selects the TLS 1.2 signature algorithm field. */
tsc_result tsc_server_key_exchange_parse(struct tsc_view body, enum tsc_kx kx, uint16_t version,
                                         int anon, struct tsc_server_key_exchange *out);

struct tsc_client_key_exchange {
    enum tsc_kx kx;
    struct tsc_view psk_identity;
    struct tsc_view exchange; /* encrypted premaster / public value */
};
tsc_result tsc_client_key_exchange_parse(struct tsc_view body, enum tsc_kx kx, uint16_t version,
                                         struct tsc_client_key_exchange *out);

struct tsc_certificate_request {
    int tls13;
    struct tsc_view context;       /* 1.3 */
    struct tsc_view cert_types;    /* <= 1.2 */
    struct tsc_view sig_algs;      /* 1.2: u16 list */
    uint16_t n_cas;
    struct tsc_ext_list ext;       /* 1.3 */
};
tsc_result tsc_certificate_request_parse(struct tsc_view body, uint16_t version,
                                         struct tsc_certificate_request *out);

struct tsc_certificate_verify {
    int has_sig_alg;
    uint16_t sig_alg;
    struct tsc_view signature;
};
tsc_result tsc_certificate_verify_parse(struct tsc_view body, uint16_t version,
                                        struct tsc_certificate_verify *out);

struct tsc_new_session_ticket {
    int tls13;
    uint32_t lifetime; /* hint (1.2) or lifetime (1.3), seconds */
    uint32_t age_add;
    struct tsc_view nonce;
    struct tsc_view ticket;
    struct tsc_ext_list ext;
};
tsc_result tsc_new_session_ticket_parse(struct tsc_view body, int tls13,
                                        struct tsc_new_session_ticket *out);

struct tsc_certificate_status {
    uint8_t status_type;
    struct tsc_view response;
};
tsc_result tsc_certificate_status_parse(struct tsc_view body, struct tsc_certificate_status *out);

tsc_result tsc_key_update_parse(struct tsc_view body, uint8_t *request_update);

struct tsc_compressed_certificate {
    uint16_t algorithm;
    uint32_t uncompressed_length;
    struct tsc_view data;
};
tsc_result tsc_compressed_certificate_parse(struct tsc_view body, struct tsc_compressed_certificate *out);

struct tsc_alert {
    uint8_t level, description;
};
tsc_result tsc_alert_parse(struct tsc_view body, struct tsc_alert *out);

struct tsc_heartbeat {
    uint8_t type; /* 1 request, 2 response */
    uint16_t payload_length;
    size_t actual_payload; /* bytes actually present for the payload */
};
tsc_result tsc_heartbeat_parse(struct tsc_view body, struct tsc_heartbeat *out);

/* A decoded handshake message: the union of everything above. */
struct tsc_hs_msg {
    uint16_t type; /* enum tsc_hs_type (HRR as TSC_HS_HELLO_RETRY_REQUEST) */
    uint8_t dtls;  /* decoded in the DTLS forms (tsc_hs_ctx.dtls): u.hvr holds a
                    * HelloVerifyRequest only then */
    uint32_t length;
    struct tsc_view body;
    union {
        struct tsc_client_hello ch;
        struct tsc_server_hello sh;
        struct tsc_hello_verify_request hvr;
        struct tsc_certificate cert;
        struct tsc_server_key_exchange ske;
        struct tsc_client_key_exchange cke;
        struct tsc_certificate_request cr;
        struct tsc_certificate_verify cv;
        struct tsc_new_session_ticket nst;
        struct tsc_certificate_status cs;
        struct tsc_compressed_certificate cc;
        struct tsc_ext_list ee;
        uint8_t key_update;
        struct tsc_view finished;
    } u;
};

/* What a message decoder needs to know of the connection. */
struct tsc_hs_ctx {
    uint16_t version;     /* negotiated so far (0 before ServerHello) */
    uint16_t suite;       /* selected suite (0 before ServerHello) */
    int dtls;             /* the connection is DTLS: the ClientHello has a cookie,
                           * type 3 is a HelloVerifyRequest, and `version` is a
                           * DTLS number (read as tsc_version_tls_equiv) */
};

/* Decode a complete handshake message body of the given wire type. In TLS
 * (ctx->dtls 0) a HelloVerifyRequest is named, not decoded. */
tsc_result tsc_hs_decode(uint8_t type, struct tsc_view body, const struct tsc_hs_ctx *ctx,
                         struct tsc_hs_msg *out);

/* Map a cursor's TRUNCATED to MALFORMED: inside a complete message, a vector
 * running past its container is a lie, not a short capture. */
static inline tsc_result tsc_complete(tsc_result r)
{
    if (r.kind == TSC_TRUNCATED) {
        r.kind = TSC_MALFORMED;
        r.alert = TSC_ALERT_DECODE_ERROR;
    }
    return r;
}

#endif
