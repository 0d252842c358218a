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

/* The last OpenSSL error as one line (and the queue cleared). */
const char *tsc_peer_ssl_error(char *buf, size_t n);

#endif
