/*
 * starttls.h - the plaintext exchanges that come before TLS on a connection
 * for SMTP (RFC 3207), IMAP (RFC 3501 6.2.1), POP3 (RFC 2595 4), FTP
 * (RFC 4217 AUTH TLS), XMPP (RFC 6120 5), LDAP (RFC 4511 4.14, the StartTLS
 * extended operation) and PostgreSQL (SSLRequest).
 *
 * Contract
 *   tsc_starttls_run speaks the client's side on a connected TCP socket and
 *   returns 0 when the server agreed to start TLS: the next byte the server
 *   sends is TLS. It never reads past the server's last plaintext byte (it
 *   reads a line, or a length-prefixed message, at a time), so the socket
 *   can go straight to a ClientHello. Every wait is bounded by timeout_ms;
 *   a line or message longer than 8 KiB, a refusal, a close, a reset or
 *   anything not in the protocol is an error: -1 with a one-line reason in
 *   err ("smtp: server refused STARTTLS: 454 4.7.0 TLS not available"),
 *   server text written printable (bytes outside 0x20..0x7e as \xHH) and
 *   cut to fit. It allocates nothing, and works on blocking and
 *   non-blocking sockets alike.
 *   `host` is the name the client greets with or asks for (XMPP's `to`);
 *   may be NULL (then "localhost").
 */
#ifndef TSC_PROBE_STARTTLS_H
#define TSC_PROBE_STARTTLS_H

#include <stddef.h>
#include <stdint.h>

enum tsc_starttls {
    TSC_STARTTLS_NONE,
    TSC_STARTTLS_SMTP,
    TSC_STARTTLS_IMAP,
    TSC_STARTTLS_POP3,
    TSC_STARTTLS_FTP,
    TSC_STARTTLS_XMPP,
    TSC_STARTTLS_LDAP,
    TSC_STARTTLS_POSTGRES,
};

/* "smtp" -> TSC_STARTTLS_SMTP (exact, lower case): 0, or -1 for anything else. */
int tsc_starttls_parse(const char *name, enum tsc_starttls *out);
/* "smtp", ...; "none" for TSC_STARTTLS_NONE; "unknown" outside the enum. */
const char *tsc_starttls_name(enum tsc_starttls p);
/* The protocol's usual port: smtp 25, imap 143, pop3 110, ftp 21, xmpp
 * 5222, ldap 389, postgres 5432; 443 for NONE. */
uint16_t tsc_starttls_default_port(enum tsc_starttls p);
/* See the contract above. */
int tsc_starttls_run(int fd, enum tsc_starttls p, const char *host, int timeout_ms, char *err, size_t errlen);

#endif
