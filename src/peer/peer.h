/*
 * peer.h - what tlsscope's client, server and demo share (OpenSSL here only):
 * recording an SSL connection's wire bytes through a tap, the NSS key log,
 * and a self-signed certificate made in memory.
 */
#ifndef TSC_PEER_PEER_H
#define TSC_PEER_PEER_H

#include <openssl/ssl.h>

#include "peer/tap.h"

/* Record every byte the SSL object reads from and writes to its socket. */
void tsc_peer_tap_ssl(SSL *ssl, struct tsc_tap *tap, int is_client);

/* Append NSS key log lines (CLIENT_RANDOM, *_TRAFFIC_SECRET_*) to `path`
 * for every connection of ctx. 0 on success, -1 (errno) if it cannot be opened. */
int tsc_peer_keylog(SSL_CTX *ctx, const char *path);
void tsc_peer_keylog_close(void);
/* Hand the key log lines of ctx's connections to their taps too
 * (tsc_tap_secret: --pcapng writes them into the file). */
void tsc_peer_keylog_taps(SSL_CTX *ctx);

/* The peers show their own traffic decrypted: OpenSSL's key log lines for
 * ctx's connections are also kept in memory, and the returned configuration
 * (for tsc_session_set_decrypt) reads them when a secret is looked up. The
 * lookups must run where the pipeline runs (under its lock when shared).
 * NULL when out of memory. tsc_peer_keylog_close() releases it. */
const struct tsc_decrypt_cfg *tsc_peer_decrypt_cfg(SSL_CTX *ctx);

/* A fresh EC P-256 key and a self-signed certificate for `cn` (with it as a
 * DNS name), valid from now for `days`. 0 on success. */
int tsc_peer_self_signed(const char *cn, int days, EVP_PKEY **key, X509 **cert);
/* The same with an RSA-2048 key when rsa is set (for ECDHE-RSA suites). */
int tsc_peer_self_signed_key(const char *cn, int days, int rsa, EVP_PKEY **key, X509 **cert);

/* Version bounds (0: OpenSSL's default), TLS 1.2-and-below suites, TLS 1.3
 * suites and groups (NULL: default) of the client's and the server's
 * command line. 0 on success, -1 with the reason in OpenSSL's error queue. */
int tsc_peer_ctx_settings(SSL_CTX *ctx, int min, int max, const char *ciphers, const char *suites,
                          const char *groups);

/* "1.0", "1.1", "1.2", "1.3" as OpenSSL's version constants; -1 otherwise. */
int tsc_peer_version_arg(const char *s);

/* DTLS: "1.0", "1.2" as OpenSSL's DTLS version constants; -1 otherwise
 * (DTLS 1.1 does not exist; OpenSSL 3.0 has no DTLS 1.3). */
int tsc_peer_dtls_version_arg(const char *s);

/* --min/--max (NULL: not given) as version constants for TLS or, with dtls,
 * DTLS (0: OpenSSL's default). 0, or -1 with the usage error in why. */
int tsc_peer_versions(int dtls, const char *min_arg, const char *max_arg, int *min, int *max, char *why, size_t n);

/* DTLS servers: the cookie callbacks DTLSv1_listen uses, so that every
 * client goes through HelloVerifyRequest (an HMAC of the client's address
 * under a secret made for this run). */
void tsc_peer_dtls_cookies(SSL_CTX *ctx);

/* DTLS: the path MTU (IP and UDP headers included, as openssl's -mtu), once
 * the SSL has its datagram BIO; 0 leaves it to OpenSSL (it asks the socket).
 * 0 on success, -1 with the reason in why. */
int tsc_peer_dtls_mtu(SSL *ssl, long mtu, char *why, size_t n);

/* A monotonic deadline `seconds` from now, for the calls below. */
int64_t tsc_peer_deadline(int seconds);

/* DTLS on a non-blocking UDP socket fd: drive the handshake, sending a
 * flight again each time OpenSSL's timer runs out (DTLSv1_handle_timeout),
 * until it completes or the deadline passes. 0 done; 1 the deadline passed;
 * -1 failed (why: the reason, one line). */
int tsc_peer_dtls_handshake(SSL *ssl, int fd, int is_client, int64_t deadline, char *why, size_t n);
/* SSL_read with the same waiting: > 0 bytes; 0 the peer closed (close_notify);
 * -1 an error; -2 the deadline passed. */
int tsc_peer_dtls_read(SSL *ssl, int fd, void *buf, int len, int64_t deadline);
/* SSL_write in records that fit the MTU. 0, or -1. */
int tsc_peer_dtls_write(SSL *ssl, const void *buf, size_t len);

/* A datagram BIO on the connected UDP socket fd (peer: its peer), or NULL. */
BIO *tsc_peer_dgram_bio(int fd, const struct sockaddr_storage *peer);
/* Point a datagram BIO at another UDP socket, connected to peer (a server's
 * connection leaving the listening socket after DTLSv1_listen). 0 or -1. */
int tsc_peer_dgram_connect(BIO *b, int fd, const struct sockaddr_storage *peer);

/* The address this host sends from toward `peer` (a UDP connect that sends
 * nothing). 0 on success. */
int tsc_peer_local_toward(const struct sockaddr_storage *peer, struct sockaddr_storage *local);

/* The last OpenSSL error as one line (and the queue cleared). */
const char *tsc_peer_ssl_error(char *buf, size_t n);

#endif
