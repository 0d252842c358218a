/*
 * sniff.h - where TLS begins in a TCP stream that did not start with it:
 * PROXY protocol headers before the client's hello, and the hello that
 * follows a plaintext exchange (STARTTLS in SMTP, IMAP, POP3, FTP, XMPP,
 * LDAP, PostgreSQL's SSLRequest; HTTP CONNECT; SOCKS; RDP). Pure functions
 * over the bytes of one segment; frame_tcp.c decides what to do with them.
 */
#ifndef TSC_TLS_SNIFF_H
#define TSC_TLS_SNIFF_H

#include <stddef.h>
#include <stdint.h>

/* How much plaintext a direction may carry before TLS starts (STARTTLS and
 * proxies need a few hundred bytes; the cap bounds false positives). */
#define TSC_SNIFF_PLAIN_MAX ((uint64_t)256 << 10)

/* Length of a PROXY protocol header (HAProxy, v1 text or v2 binary) at the
 * start of a client's stream, or 0. */
size_t tsc_sniff_proxy_header(const uint8_t *p, size_t n);
/* 1 if the segment starts a TLS hello after plaintext: a handshake record
 * holding a ClientHello or ServerHello, or an SSLv2 ClientHello. */
int tsc_sniff_starts_hello(const uint8_t *p, size_t n);

#endif
