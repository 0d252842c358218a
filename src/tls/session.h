/*
 * session.h - per-connection meaning: TLS record framing, handshake message
 * assembly, versions, phases, resumption, and the events handed to sinks.
 *
 * The session layer is fed in-order bytes per direction (from TCP reassembly
 * or the peers' tap), gap notices, and a close. It frames records, assembles
 * handshake messages (split across records or several per record), calls the
 * pure decoders of msg.h and turns what they return into events for the one
 * sink of the run. Application data is counted, never buffered.
 *
 * Memory: a direction buffers at most one record body and one handshake
 * message, each capped by tsc_limits.flow_buf_max; reaching the cap is a
 * LIMIT error on the connection, never an abort.
 */
#ifndef TSC_TLS_SESSION_H
#define TSC_TLS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/result.h"
#include "core/types.h"
#include "tls/assemble.h"
#include "tls/msg.h"
#include "x509/x509.h"

struct tsc_keylog;
struct tsc_rsa_keys;
struct tsc_conn_dec;
struct tsc_sess_cache;

/* Decryption for a run (--keylog, --rsa-key): read-only while sessions run. */
struct tsc_decrypt_cfg {
    const struct tsc_keylog *keylog; /* NSS key log, or NULL */
    const struct tsc_rsa_keys *rsa;  /* servers' RSA private keys, or NULL */
    int app_data_events;             /* hand decrypted application data to the sink */
    /* A live key log: called when a secret is missing (a few times per
     * connection at most), to wait a little for the file to gain it;
     * returns nonzero if the secret is there now. */
    int (*keys_missing)(void *arg, int label, const uint8_t client_random[32]);
    void *keys_missing_arg;
};

/* Where a connection's secrets came from. */
enum tsc_key_source { TSC_KEYS_NONE = 0, TSC_KEYS_KEYLOG, TSC_KEYS_RSA, TSC_KEYS_RESUMED };

/* What decryption did on a connection (read by sinks). */
struct tsc_decrypt_info {
    uint8_t enabled;         /* the run had keys */
    uint8_t keys;            /* enum tsc_key_source */
    uint64_t ok[2];          /* records decrypted and verified, per direction */
    uint64_t failed[2];      /* records whose MAC or tag did not verify (or did not parse) */
    uint64_t opaque[2];      /* encrypted records left unread (no keys, unsupported suite) */
    uint64_t plaintext[2];   /* application data plaintext bytes */
    uint8_t unsupported;     /* the version or suite cannot be decrypted */
    const char *note;        /* why something was not decrypted (static string), or NULL */
};

/* The four phases of design.md. */
enum tsc_phase {
    TSC_PHASE_HELLO = 1,
    TSC_PHASE_SERVER_AUTH = 2,
    TSC_PHASE_KEY_EXCHANGE = 3,
    TSC_PHASE_FINISH = 4,
};

#define TSC_MAX_CONN_ERRORS 16
struct tsc_conn_error {
    uint8_t dir;
    uint8_t kind;     /* enum tsc_kind, or TSC_KIND_GAP */
    uint8_t alert;
    const char *why;  /* static string */
    uint64_t detail;  /* missing bytes for a gap, message type, record offset */
    int64_t ts_us;
};
#define TSC_KIND_GAP 100 /* an error kind of the stream layer: bytes missing in the capture */

struct tsc_alert_entry {
    uint8_t dir;
    uint8_t encrypted;
    uint8_t level, description;
    int64_t ts_us;
};
#define TSC_MAX_ALERTS 16

#define TSC_MAX_ALPN_COPY 8

#define TSC_OFFER_RC4 0x01
#define TSC_OFFER_3DES 0x02
#define TSC_OFFER_DES 0x04
#define TSC_OFFER_NULL 0x08
#define TSC_OFFER_EXPORT 0x10
#define TSC_OFFER_ANON 0x20
#define TSC_OFFER_SSLV2_SUITE 0x40

/* TLS over TCP: one direction's record framing (frame_tcp.c). */
struct tsc_tcp_framing {
    uint8_t state;
    uint8_t hdr_have;
    uint8_t hdr[16];
    uint8_t rec_fresh;    /* the next body bytes are the first of a record */
    uint8_t rec_decrypt;  /* the record being read goes to record protection (its body is gathered) */
    struct tsc_record_hdr rec;
    size_t body_left;
    struct tsc_buf body; /* a record body that straddles segments */
    uint64_t skipped;    /* bytes skipped while hunting for a record header */
    uint64_t offset;     /* stream offset of the next byte */
};

/* DTLS: one direction's record framing (frame_dtls.c). */
struct tsc_dtls_framing {
    uint64_t datagrams;  /* datagrams of this direction read as DTLS */
    uint64_t others;     /* datagrams multiplexed beside DTLS (STUN, RTP...: RFC 7983) */
    uint8_t cid_len;     /* connection ID length of this direction's records (RFC 9146, 9147) */
    uint8_t cid_known;   /* the hellos said it */
    uint8_t cut_reported;
    uint16_t reneg_epoch; /* the epoch whose renegotiation restarted message numbering */
    uint64_t copies;     /* records seen before (same epoch and sequence number): dropped */
    /* which sequence numbers arrived (RFC 6347 4.1.2.6's window, kept for
     * epoch 0 and for the newest epoch past it) */
    struct tsc_dtls_window {
        uint8_t used;
        uint16_t epoch;
        uint64_t top;  /* the highest sequence number seen */
        uint64_t bits; /* bit i: top - i seen */
    } win[2];
};

/* One direction of a connection, layer by layer. */
struct tsc_tlsdir {
    struct tsc_tcp_framing fr; /* transport framing: TLS over TCP */
    struct tsc_dtls_framing dg; /* transport framing: DTLS */
    struct tsc_hs_asm hs;      /* handshake assembly */
    uint8_t encrypted;    /* TLS <= 1.2: after this side's ChangeCipherSpec */
    uint8_t tls13_flight; /* TLS 1.3: encrypted records are still the handshake flight */
};

/* What carries a connection's TLS (JSON "transport"). */
enum tsc_transport {
    TSC_TRANSPORT_TCP = 0,  /* TLS records over TCP (and the peers' own streams) */
    TSC_TRANSPORT_DTLS = 1, /* DTLS records in UDP datagrams */
    TSC_TRANSPORT_QUIC = 2, /* TLS 1.3 handshake in QUIC CRYPTO frames */
};
const char *tsc_transport_name(int transport); /* "tcp", "dtls", "quic" */

/* QUIC: what a connection's packets said (frame_quic.c), read by sinks. */
#define TSC_QUIC_CID_LEN 20
#define TSC_QUIC_CIDS 8       /* connection IDs kept per side (more are counted) */
#define TSC_QUIC_PTYPES 7     /* enum tsc_quic_ptype (tls/quic.h) */
#define TSC_QUIC_FRAME_KINDS 25 /* frame types counted (tsc_quic_frame_kind) */
#define TSC_QUIC_VN_MAX 8
#define TSC_QUIC_REASON_MAX 128
struct tsc_quic_cid {
    uint8_t len;
    uint8_t id[TSC_QUIC_CID_LEN];
};
struct tsc_quic_info {
    uint32_t version;        /* of the client's first Initial (0: none seen) */
    uint32_t server_version; /* of the server's Initial (compatible version negotiation, RFC 9368), 0: none */
    uint8_t have_odcid;
    struct tsc_quic_cid odcid; /* the client's first Destination Connection ID: the Initial keys' */
    uint8_t retry;           /* the server sent a Retry */
    uint8_t retry_tag_bad;   /* its integrity tag did not verify against odcid */
    struct tsc_quic_cid retry_scid; /* the Retry's Source Connection ID: the next Initial keys' */
    uint8_t vn;              /* the server sent a Version Negotiation */
    uint8_t n_vn;
    uint32_t vn_versions[TSC_QUIC_VN_MAX];
    uint8_t n_cids[2];       /* per side (TSC_C2S: the client's): source connection IDs and NEW_CONNECTION_ID */
    uint16_t n_cids_total[2]; /* past TSC_QUIC_CIDS, IDs are counted without telling repeats apart */
    struct tsc_quic_cid cids[2][TSC_QUIC_CIDS];
    uint64_t datagrams[2];
    uint64_t packets[2][TSC_QUIC_PTYPES]; /* by enum tsc_quic_ptype */
    uint64_t opened[2];      /* packets whose payload was read */
    uint64_t no_keys[2];     /* packets left unread: no keys for them */
    uint64_t failed[2];      /* packets that did not open with the keys there were */
    uint64_t key_updates[2]; /* 1-RTT key phase changes that opened (RFC 9001 6) */
    uint64_t zero_rtt_opened;
    uint8_t handshake_done;  /* the server's HANDSHAKE_DONE was read */
    uint64_t frames[2][TSC_QUIC_FRAME_KINDS];
    uint64_t stream_bytes[2]; /* STREAM frame data read */
    uint8_t have_close;      /* the first CONNECTION_CLOSE read */
    uint8_t close_dir, close_app;
    uint64_t close_code, close_frame_type;
    uint8_t close_reason_len;
    uint8_t close_reason[TSC_QUIC_REASON_MAX];
};
/* The counting slot of a frame type (STREAM's eight types share one, as
 * DATAGRAM's two), -1 for none; the type a slot names. */
int tsc_quic_frame_kind(uint64_t type);
uint64_t tsc_quic_frame_kind_type(int kind);
struct tsc_quic_state;

struct tsc_conn {
    /* ---- read by sinks ---- */
    uint64_t seq; /* order of first packet, from 1 */
    uint8_t transport; /* enum tsc_transport */
    struct tsc_endpoint client, server;
    int64_t start_us, last_us;
    uint8_t is_tls;       /* some direction carried TLS records */
    uint8_t sslv2;        /* SSLv2-format ClientHello */
    uint8_t resumed, hello_retry, renegotiated, complete;
    uint8_t starttls;     /* TLS began after plaintext (STARTTLS, a proxy) */
    uint8_t midstream;    /* the capture began inside this connection (no SYN seen) */
    uint8_t saw_client_hello, saw_server_hello, saw_server_cert;
    uint16_t version;     /* negotiated, 0 unknown */
    uint16_t suite;       /* selected, valid when have_suite */
    uint8_t have_suite;
    uint16_t client_version; /* ClientHello legacy_version */
    uint8_t has_sni;
    uint16_t sni_len;
    uint8_t sni[256];
    uint8_t n_alpn_offered;
    uint8_t alpn_offered_len[TSC_MAX_ALPN_COPY];
    uint16_t alpn_offered_off[TSC_MAX_ALPN_COPY];
    uint8_t *alpn_offered; /* the names one after another (heap: a few bytes, where
                            * room for 8 of 255 bytes each was 2 KB of every connection) */
    uint8_t has_alpn_selected;
    uint8_t alpn_selected_len;
    uint8_t alpn_selected[255];
    uint8_t has_ticket;
    uint32_t ticket_lifetime;
    uint32_t ticket_len;
    uint16_t n_certs;                 /* server chain certificates stored */
    uint16_t n_certs_total;
    const struct tsc_x509_summary **certs; /* n_certs shared summaries (tsc_cert_sum) */
    tsc_result *cert_status;          /* per certificate: ok or why it did not parse */
    uint64_t app_bytes[2], app_records[2];
    uint64_t hs_messages[2];
    uint16_t n_alerts, n_alerts_total;
    struct tsc_alert_entry alerts[TSC_MAX_ALERTS];
    uint16_t n_errors, n_errors_total;
    struct tsc_conn_error errors[TSC_MAX_CONN_ERRORS];
    /* facts the findings judge (src/analysis/findings.c) */
    uint32_t offered_flags;   /* TSC_OFFER_*: weak suites the first ClientHello offered */
    uint8_t ch_compression;   /* the client offered a compression method other than null */
    uint8_t sh_compression;   /* the compression method the server selected */
    uint8_t ch_reneg;         /* the client signalled secure renegotiation (extension or SCSV) */
    uint8_t sh_reneg;         /* the server answered with renegotiation_info */
    uint8_t sh_ems;           /* the server agreed to extended_master_secret */
    uint8_t heartbeat_offered;
    uint8_t have_ske_group;
    uint16_t ske_group;       /* ECDHE group of the ServerKeyExchange */
    struct tsc_decrypt_info dec;
    const struct tsc_quic_info *quic; /* QUIC connections only, else NULL */
    void *sink_data;   /* owned by the sink */
    void *export_data; /* owned by the stream exporter of the report layer */

    /* ---- private to the TLS layer (src/tls) ---- */
    uint8_t closed;
    uint8_t client_side;   /* flow side (0/1) that is the client */
    uint8_t side_fixed;    /* client_side decided for good */
    uint8_t emitted_any;   /* an event went out: roles can no longer swap */
    uint8_t ccs_seen[2];
    uint8_t finished_seen[2];
    uint8_t saw_shd, saw_ske;
    uint8_t ch_session_id_len;
    uint8_t ch_session_id[32];
    uint8_t ch_cid_offered; /* the ClientHello carried connection_id (RFC 9146) */
    uint8_t have_ch_random;
    uint8_t ch_early_data; /* the first ClientHello offered early data (0-RTT) */
    uint8_t ch_random[32]; /* the first ClientHello's: a copy of it is no new connection */
    struct tsc_tlsdir dir[2];
    struct tsc_conn_dec *decp; /* keys and record states (only with a decrypt config) */
    uint8_t reported;      /* handed to the sink already (live capture; set by flow_tls.c) */
    uint8_t ended;         /* a fatal alert or close_notify ended it (DTLS: the 5-tuple may begin another) */
    struct tsc_quic_state *quicp; /* QUIC: packet protection, spaces, CRYPTO streams (frame_quic.c) */
};

enum tsc_ev_type {
    TSC_EV_HANDSHAKE,    /* msg (status tells whether it decoded) */
    TSC_EV_ENCRYPTED_HS, /* a handshake record that cannot be read */
    TSC_EV_CCS,
    TSC_EV_ALERT,
    TSC_EV_HEARTBEAT,
    TSC_EV_ERROR,
    TSC_EV_APP_DATA,     /* decrypted application data (only with app_data_events) */
};

struct tsc_event {
    enum tsc_ev_type type;
    uint8_t dir;
    uint8_t phase;
    uint16_t record_version;
    int64_t ts_us;
    struct tsc_conn *conn;
    size_t length;                 /* message or record body length */
    const struct tsc_hs_msg *msg;  /* HANDSHAKE */
    tsc_result status;             /* HANDSHAKE: decode result */
    uint8_t partial;               /* HANDSHAKE: a hello that failed part way; msg holds what was read */
    uint8_t wire_type;             /* HANDSHAKE: the type byte on the wire */
    const struct tsc_x509_summary *const *certs; /* HANDSHAKE certificate: summaries */
    const tsc_result *cert_status;
    uint16_t n_certs;
    struct tsc_alert alert;        /* ALERT (plaintext) */
    uint8_t encrypted;             /* ALERT / HEARTBEAT encrypted; ENCRYPTED_HS inferred (TLS 1.3) */
    struct tsc_heartbeat hb;       /* HEARTBEAT */
    const struct tsc_conn_error *error; /* ERROR */
    uint8_t decrypted;             /* read from a decrypted record */
    const char *decrypt_error;     /* ENCRYPTED_HS / ALERT / HEARTBEAT: why the record did not decrypt */
    struct tsc_view data;          /* APP_DATA: the plaintext (valid during the call) */
    uint8_t has_stream;            /* APP_DATA: QUIC STREAM frame data */
    uint8_t fin;                   /* APP_DATA: the STREAM frame ended its stream */
    uint64_t stream_id, stream_offset;
};

struct tsc_sink {
    void *ctx;
    void (*event)(void *ctx, const struct tsc_event *ev);
    /* Render a finished connection (ordinal counts TLS connections from 1),
     * then free conn->sink_data. Called in order of first packet. */
    void (*emit)(void *ctx, struct tsc_conn *conn, uint64_t ordinal);
    /* Drop a connection's sink data without output (not TLS). */
    void (*discard)(void *ctx, struct tsc_conn *conn);
};

#define TSC_CERT_CACHE 64
#define TSC_CERT_CACHE_MAX_DER ((size_t)64 << 10)
struct tsc_cert_cache_entry;

struct tsc_session_ctx {
    const struct tsc_sink *sink;
    struct tsc_limits lim;
    struct tsc_hs_msg *scratch; /* one decode area for the whole run */
    struct tsc_cert_cache_entry *cert_cache; /* recent certificate summaries */
    struct tsc_hash_key cache_key;
    uint64_t cache_clock;
    uint64_t messages, records, errors;
    const struct tsc_decrypt_cfg *dec; /* NULL: no decryption */
    uint8_t *dec_out;                  /* plaintext of the record being opened */
    uint8_t *dec_zout;                 /* the same decompressed (TLS compression) */
    struct tsc_sess_cache *sess_cache; /* master secrets by session id and ticket, for resumption */
    uint8_t *quic_buf;                 /* QUIC: an unprotected header and a payload (frame_quic.c) */
};

tsc_result tsc_session_ctx_init(struct tsc_session_ctx *sc, const struct tsc_sink *sink,
                                const struct tsc_limits *lim);
void tsc_session_ctx_free(struct tsc_session_ctx *sc);
/* Decrypt with these keys from now on (cfg must outlive the context). */
void tsc_session_set_decrypt(struct tsc_session_ctx *sc, const struct tsc_decrypt_cfg *cfg);
/* "decrypted", "partial", "failed", "no_keys", "unsupported" or "not_encrypted". */
const char *tsc_decrypt_status(const struct tsc_conn *c);

struct tsc_conn *tsc_conn_new(uint64_t seq, const struct tsc_endpoint *a, const struct tsc_endpoint *b,
                              int64_t ts_us);
/* Which flow side is the client: a hint from TCP (SYN) is fixed, a guess is not. */
void tsc_conn_set_client_side(struct tsc_conn *c, int side, int fixed);
/* The capture began inside this connection (no SYN seen): records and
 * messages are picked up where they can be told apart. */
void tsc_conn_set_midstream(struct tsc_conn *c, int midstream);
void tsc_conn_free(struct tsc_conn *c);

/* A certificate's summary, shared by the session's cache and every
 * connection that sent the same certificate (a server sends the same chain
 * to each of its clients; a copy per connection was 5.8 KB per certificate
 * for as long as the connection lived). Reference counted, atomically: a
 * connection is freed on another thread than the one whose cache holds it
 * (-j). Immutable once made. */
struct tsc_cert_sum {
    _Atomic unsigned refs;
    struct tsc_x509_summary s;
};
/* A new summary (zeroed) with one reference, or NULL. */
struct tsc_cert_sum *tsc_cert_sum_new(void);
/* One more reference to p's summary. */
const struct tsc_x509_summary *tsc_cert_sum_ref(struct tsc_cert_sum *p);
/* Drop a reference to a summary from tsc_cert_sum_new/_ref or
 * tsc_cert_sum_none (never freed); NULL is ignored. */
void tsc_cert_sum_unref(const struct tsc_x509_summary *s);
/* Drop each of n references, then free the array. */
void tsc_cert_sums_release(const struct tsc_x509_summary **v, size_t n);
/* An empty summary that is never freed: where one could not be made. */
extern struct tsc_cert_sum tsc_cert_sum_none;

/* In-order bytes from flow side `side` (0 = endpoint a -> b). */
void tsc_session_feed(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p,
                      size_t n, int64_t ts_us);
/* One UDP datagram from flow side `side`: `n` bytes captured of `wire`.
 * DTLS records (frame_dtls.c); the connection's transport says which. */
void tsc_session_datagram(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, const uint8_t *p, size_t n,
                          size_t wire, int64_t ts_us);
/* Does this datagram, on a connection that has one, begin the next
 * connection on the same 5-tuple (a new handshake after this one ended)? */
int tsc_session_datagram_starts_new(const struct tsc_conn *c, const uint8_t *p, size_t n);
/* Does this datagram start QUIC (a long header packet of version 1, 2 or
 * a known draft, or a Version Negotiation)? *server_sent: 1 the server
 * sent it, 0 the client, -1 it cannot tell. */
int tsc_quic_datagram_starts(const uint8_t *p, size_t n, int *server_sent);
/* Does this datagram start DTLS (RFC 7983: first byte 20..63, then a DTLS
 * record header or DTLS 1.3 unified header that holds together)? */
int tsc_dtls_datagram_plausible(const uint8_t *p, size_t n);
/* `missing` bytes will never arrive on `side` (a hole in the capture). */
void tsc_session_gap(struct tsc_session_ctx *sc, struct tsc_conn *c, int side, uint64_t missing,
                     int64_t ts_us);
/* Record an error on the connection (used by the flow layer too). */
void tsc_session_error(struct tsc_session_ctx *sc, struct tsc_conn *c, int dir, int kind, uint8_t alert,
                       const char *why, uint64_t detail, int64_t ts_us);
/* The connection ended (FIN/RST, eviction, end of capture). */
void tsc_session_close(struct tsc_session_ctx *sc, struct tsc_conn *c, int64_t ts_us);

/* Names for output. */
const char *tsc_version_name(uint16_t v);        /* "TLS 1.2", "SSL 3.0", ... or NULL */
int tsc_version_is_tls13(uint16_t v);            /* TLS 1.3 and its drafts */
const char *tsc_hs_type_snake(uint16_t type);    /* "client_hello", ..., "hello_retry_request" */
const char *tsc_hs_type_title(uint16_t type);    /* "ClientHello", ... */
const char *tsc_phase_name(int phase);           /* "hello", "server_auth", "key_exchange", "finish" */
const char *tsc_phase_title(int phase);          /* "Hello", "Server authentication", ... */
const char *tsc_dir_name(int dir);               /* "c2s" / "s2c" */
const char *tsc_error_kind_name(int kind);       /* tsc_kind_name, or "gap" */

#endif
