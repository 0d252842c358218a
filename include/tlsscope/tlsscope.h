/*
 * tlsscope.h - libtlsscope: every TLS, DTLS and QUIC handshake in captured
 * packets or in a byte stream, as a report per connection.
 *
 * A handle reads a pcap or pcapng file, or is fed packets (with their
 * timestamp and link type), or is fed one TLS connection's bytes per
 * direction. Each connection, once it is closed (or the input ends), is
 * handed to the callback as a read-only report: accessors for its facts
 * (version, suite, server name, fingerprints, certificates, findings) and,
 * when asked for, the same JSON object `tlsscope read --json` writes
 * (docs/json.md). Everything from the input is untrusted: any bytes are
 * safe to feed.
 *
 * Thread safety: a handle is used by one thread at a time. Different
 * handles may be used from different threads at once; the library keeps no
 * mutable global state besides thread-local caches.
 *
 * Memory: a report and every string it returns are valid only during the
 * callback that received it. Strings are NUL-terminated UTF-8 as they came
 * off the wire (not validated: escape them before display), or NULL where
 * a fact is absent.
 *
 * Errors: functions returning int return TLSSCOPE_OK (0) or a negative
 * TLSSCOPE_E_* code; tlsscope_strerror() names a code and
 * tlsscope_last_error() says what went wrong on a handle, in one line.
 *
 * Link with `pkg-config --cflags --libs libtlsscope`. Version 0: the API
 * may grow; a change that breaks a caller bumps the soname.
 */
#ifndef TLSSCOPE_TLSSCOPE_H
#define TLSSCOPE_TLSSCOPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSSCOPE_VERSION_MAJOR 0
#define TLSSCOPE_VERSION_MINOR 1

enum tlsscope_error {
    TLSSCOPE_OK = 0,
    TLSSCOPE_E_ARG = -1,      /* a NULL handle or pointer, or a value out of range */
    TLSSCOPE_E_NOMEM = -2,    /* out of memory */
    TLSSCOPE_E_INPUT = -3,    /* a file could not be opened or is no capture */
    TLSSCOPE_E_KEYLOG = -4,   /* a key log could not be read */
    TLSSCOPE_E_STATE = -5,    /* not now: a call from inside the callback, or on a closed stream */
    TLSSCOPE_E_LINKTYPE = -6, /* a link type tlsscope does not decode */
};

/* "invalid argument", ...; "unknown error" for any other value. */
const char *tlsscope_strerror(int code);

typedef struct tlsscope tlsscope;
typedef struct tlsscope_conn tlsscope_conn;
typedef struct tlsscope_stream tlsscope_stream;

/* Called for each finished connection, in order of its first packet (a
 * file, packets) or when its stream ends. */
typedef void (*tlsscope_conn_fn)(const tlsscope_conn *conn, void *arg);

/* Options of tlsscope_new (0 or an OR of them). */
#define TLSSCOPE_JSON 0x1u /* render each connection's JSON (tlsscope_conn_json) */

/* A new handle; *out NULL on failure. */
int tlsscope_new(tlsscope **out, unsigned options);
/* Frees the handle; connections still open, and streams not closed (their
 * tlsscope_stream pointers become invalid), are dropped unreported (call
 * tlsscope_finish and tlsscope_stream_close first to have them). NULL is a
 * no-op. */
void tlsscope_free(tlsscope *h);
/* The reason of the handle's last failure ("capture.pcap: not a pcap or
 * pcapng file"), or the warning of a file that was read with one
 * ("capture.pcap: warning: the file ends inside a packet"); "" when there
 * was neither. */
const char *tlsscope_last_error(const tlsscope *h);

/* Where reports go. Without a callback connections are analysed and
 * dropped. */
int tlsscope_set_callback(tlsscope *h, tlsscope_conn_fn fn, void *arg);
/* Decrypt with an NSS key log (SSLKEYLOGFILE); may be called several times,
 * secrets accumulate. Applies to input fed after it. */
int tlsscope_add_keylog(tlsscope *h, const char *path);

/* ---- input ---- */

/* Read every packet of a pcap or pcapng file, reporting its connections
 * (numbered from 1 per file) before returning. Packets fed with
 * tlsscope_feed_packet before are not mixed in. */
int tlsscope_read_file(tlsscope *h, const char *path);

/* Link types (the pcap LINKTYPE_ values) tlsscope decodes. */
#define TLSSCOPE_LINK_ETHERNET 1
#define TLSSCOPE_LINK_RAW 101
#define TLSSCOPE_LINK_LINUX_SLL 113
#define TLSSCOPE_LINK_IPV4 228
#define TLSSCOPE_LINK_IPV6 229
#define TLSSCOPE_LINK_LINUX_SLL2 276
/* One captured packet: caplen bytes as captured, timestamp in microseconds
 * since the epoch, in non-decreasing order. Connections are reported as
 * they close (FIN/RST, idle) and the rest by tlsscope_finish. */
int tlsscope_feed_packet(tlsscope *h, int linktype, int64_t ts_us, const void *data, size_t caplen);
/* End of the packets: every connection still open is reported. Feeding
 * again starts a new run (connections numbered from 1). */
int tlsscope_finish(tlsscope *h);

/* One TLS connection's bytes, without packets: what each side sent, in
 * order (a proxy's view, a socket's, a reassembled TCP stream). client and
 * server are "192.0.2.1:443" or "[2001:db8::1]:443", or NULL (shown as
 * 0.0.0.0:0); they only label the report. */
int tlsscope_stream_open(tlsscope *h, const char *client, const char *server, tlsscope_stream **out);
/* Bytes the client (from_client 1) or the server sent. */
int tlsscope_stream_feed(tlsscope_stream *s, int from_client, int64_t ts_us, const void *data, size_t len);
/* The stream ends: its connection is reported (when it carried TLS) and
 * the stream freed. */
int tlsscope_stream_close(tlsscope_stream *s, int64_t ts_us);

/* ---- a finished connection (valid during the callback) ---- */

uint64_t tlsscope_conn_id(const tlsscope_conn *c);
/* "tcp", "dtls" or "quic". */
const char *tlsscope_conn_transport(const tlsscope_conn *c);
/* "192.0.2.1" or "2001:db8::1" and the port. */
const char *tlsscope_conn_client_ip(const tlsscope_conn *c);
uint16_t tlsscope_conn_client_port(const tlsscope_conn *c);
const char *tlsscope_conn_server_ip(const tlsscope_conn *c);
uint16_t tlsscope_conn_server_port(const tlsscope_conn *c);
/* First and last packet, microseconds since the epoch. */
int64_t tlsscope_conn_start_us(const tlsscope_conn *c);
int64_t tlsscope_conn_end_us(const tlsscope_conn *c);
/* "TLS 1.2", "DTLS 1.2", ...; NULL when no ServerHello was seen. */
const char *tlsscope_conn_version(const tlsscope_conn *c);
/* The selected suite's code point, -1 when none; its IANA name or NULL. */
int tlsscope_conn_cipher_suite(const tlsscope_conn *c);
const char *tlsscope_conn_cipher_suite_name(const tlsscope_conn *c);
/* The server name the client asked for, or NULL. */
const char *tlsscope_conn_sni(const tlsscope_conn *c);
/* The protocol the server selected by ALPN, or NULL. */
const char *tlsscope_conn_alpn(const tlsscope_conn *c);
/* JA3 and JA3S (MD5 hex) and JA4 of the connection, or NULL. */
const char *tlsscope_conn_ja3(const tlsscope_conn *c);
const char *tlsscope_conn_ja3s(const tlsscope_conn *c);
const char *tlsscope_conn_ja4(const tlsscope_conn *c);
/* 1 or 0: both Finished seen; resumed session. */
int tlsscope_conn_complete(const tlsscope_conn *c);
int tlsscope_conn_resumed(const tlsscope_conn *c);

/* The server's certificate chain as sent (the first is the server's own). */
size_t tlsscope_conn_cert_count(const tlsscope_conn *c);
/* "CN=example.com,O=Example,C=US" (RFC 2253 order); NULL past the end. */
const char *tlsscope_conn_cert_subject(const tlsscope_conn *c, size_t i);
const char *tlsscope_conn_cert_issuer(const tlsscope_conn *c, size_t i);
/* Lowercase hex of the serial; SHA-256 of the DER. */
const char *tlsscope_conn_cert_serial(const tlsscope_conn *c, size_t i);
const char *tlsscope_conn_cert_sha256(const tlsscope_conn *c, size_t i);
/* Validity, seconds since the epoch (0 past the end). */
int64_t tlsscope_conn_cert_not_before(const tlsscope_conn *c, size_t i);
int64_t tlsscope_conn_cert_not_after(const tlsscope_conn *c, size_t i);

/* Findings (docs/findings.md), most severe first. */
size_t tlsscope_conn_finding_count(const tlsscope_conn *c);
/* "rc4-negotiated"; "info", "low", "medium" or "high"; the rule's title;
 * what fired it on this connection. NULL past the end. */
const char *tlsscope_conn_finding_id(const tlsscope_conn *c, size_t i);
const char *tlsscope_conn_finding_severity(const tlsscope_conn *c, size_t i);
const char *tlsscope_conn_finding_title(const tlsscope_conn *c, size_t i);
const char *tlsscope_conn_finding_detail(const tlsscope_conn *c, size_t i);

/* The connection as one JSON object (docs/json.md; no newline), its length
 * in *len when len is not NULL; NULL without the TLSSCOPE_JSON option. */
const char *tlsscope_conn_json(const tlsscope_conn *c, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
