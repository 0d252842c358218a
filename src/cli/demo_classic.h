/*
 * demo_classic.h - `tlsscope demo --classic`: the textbook's TLS 1.0 RC4
 * handshake between gnutls-serv and gnutls-cli, recorded (demo_classic.c).
 */
#ifndef TSC_CLI_DEMO_CLASSIC_H
#define TSC_CLI_DEMO_CLASSIC_H

#include <stddef.h>

struct tsc_demo_classic {
    const char *cert_path, *key_path; /* the server's certificate and key (PEM) */
    const char *server_name;          /* in the certificate: the client's SNI and the name it verifies */
    const char *pcap_path, *keys_path;
    const char *pcapng_path;          /* --pcapng, or NULL */
};

/* Record one handshake into pcap_path (and pcapng_path) with gnutls-cli's
 * key log in keys_path. 0, or -1 with the reason in why. */
int tsc_demo_classic(const struct tsc_demo_classic *d, char *why, size_t n);

#endif
