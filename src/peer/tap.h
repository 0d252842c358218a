/*
 * tap.h - the peers' own wire bytes as a capture: the client and server
 * record exactly the bytes they send and receive on a TCP connection as
 * packets (Ethernet, IPv4 or IPv6, TCP with consistent sequence numbers,
 * segments of at most 1460 bytes, a SYN handshake and FINs), or on a UDP
 * socket (DTLS) as one UDP packet per datagram, which go to a pcap file, a
 * pcapng file with the connections' TLS secrets in it, the same pipeline
 * that reads capture files, or any of them.
 * One dissector, three sources.
 */
#ifndef TSC_PEER_TAP_H
#define TSC_PEER_TAP_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "capture/pipeline.h"
#include "core/buf.h"

/* A pcap file several taps may write to (a server's connections). */
struct tsc_pcap_writer {
    FILE *f;
    pthread_mutex_t lock;
    int failed;
};

/* Opens and writes the file header; NULL (errno set) on failure. */
struct tsc_pcap_writer *tsc_pcap_writer_open(const char *path);
void tsc_pcap_writer_close(struct tsc_pcap_writer *w);

/* A pcapng file several taps may write to (--pcapng): a Section Header, one
 * Interface Description (Ethernet, nanosecond timestamps), Enhanced Packet
 * Blocks, and the connections' NSS key log lines in Decryption Secrets
 * Blocks (type 0x544c534b), each written before the packets it decrypts, so
 * that Wireshark and tshark decrypt the file in one pass with no settings.
 * Where each block goes, and why, is said at the top of tap.c. */
struct tsc_pcapng_writer;

/* TSC_PCAPNG_WHOLE: keep the file in memory until it is closed, then write
 * the secrets of every connection in one block before the first packet (the
 * client and the demo: short runs, and a reader that takes only the secrets
 * before the first packet, as tlsscope's does, reads them all). Without it
 * (the server) each connection's block goes before its own packets as soon
 * as its handshake is done. */
#define TSC_PCAPNG_WHOLE 0x1u

/* Opens and writes the file's header; NULL (errno set) on failure. */
struct tsc_pcapng_writer *tsc_pcapng_writer_open(const char *path, unsigned flags);

/* What a writer did, for the command line to say (tsc_pcapng_writer_close). */
struct tsc_pcapng_stats {
    uint64_t packets;        /* Enhanced Packet Blocks written */
    uint64_t secrets_blocks; /* Decryption Secrets Blocks written */
    uint64_t held_over;      /* connections whose packets passed the bound before their handshake was done:
                              * their secrets were written with what was known then */
    int whole_given_up;      /* TSC_PCAPNG_WHOLE: the file passed its bound in memory and was written from there
                              * on as it came (later secrets after the first packet) */
    int write_errno;         /* the first write error, 0 if none */
};
/* Writes what is still held and closes the file; fills st (may be NULL).
 * 0, or -1 when a write failed (st->write_errno says why). NULL is a no-op. */
int tsc_pcapng_writer_close(struct tsc_pcapng_writer *w, struct tsc_pcapng_stats *st);

struct tsc_tap {
    struct tsc_endpoint ep[2]; /* 0 client, 1 server */
    uint32_t next_seq[2];
    struct tsc_pipeline *pl;   /* may be NULL */
    pthread_mutex_t *pl_lock;  /* held around pipeline calls when shared, may be NULL */
    struct tsc_pcap_writer *w; /* may be NULL */
    int opened, closed;
    int local_is_client; /* the side whose socket is tapped */
    uint8_t *keep;       /* when set, the client's first bytes are kept here */
    size_t keep_len, keep_cap;
    int udp;             /* datagrams (tsc_tap_init_udp) */
    uint8_t *dgram_buf;  /* UDP: room for one packet (freed by tsc_tap_close) */
    int follow_peer;     /* UDP, unconnected socket: the client is whoever the datagram came from or goes to */
    /* --pcapng (tsc_tap_pcapng) */
    struct tsc_pcapng_writer *ng;
    struct tsc_buf ng_held;  /* this connection's packet blocks, until its secrets are known */
    struct tsc_buf ng_keys;  /* its key log lines not yet written */
    uint32_t ng_count;       /* packets in ng_held */
    int ng_streaming;        /* its secrets are out: blocks go to the writer as they come */
};

/* client/server: the connection's addresses (from getsockname/getpeername). */
void tsc_tap_init(struct tsc_tap *t, const struct sockaddr_storage *client, const struct sockaddr_storage *server,
                  struct tsc_pipeline *pl, pthread_mutex_t *pl_lock, struct tsc_pcap_writer *w);
/* The same for a UDP socket: each tsc_tap_data call is one datagram, there is
 * no open and no close (tsc_tap_close frees the packet buffer). -1 when out
 * of memory (nothing is recorded then; tsc_tap_close is still safe). */
int tsc_tap_init_udp(struct tsc_tap *t, const struct sockaddr_storage *client, const struct sockaddr_storage *server,
                     struct tsc_pipeline *pl, pthread_mutex_t *pl_lock, struct tsc_pcap_writer *w);
/* Change the address of side 0 (client) or 1 (server) (a UDP server's
 * listening socket hears every client). */
void tsc_tap_set_endpoint(struct tsc_tap *t, int side, const struct sockaddr_storage *ss);
void tsc_tap_open(struct tsc_tap *t);                                        /* SYN, SYN-ACK, ACK */
void tsc_tap_data(struct tsc_tap *t, int from_client, const uint8_t *p, size_t n);
void tsc_tap_close(struct tsc_tap *t);                                       /* FIN, ACK both ways */
/* Also write this connection to a pcapng file. hold: keep its packets until
 * tsc_tap_secrets_known (or close) so that its secrets go before them; 0
 * for a tap that never learns secrets (a DTLS server's listening socket:
 * the cookie exchange is in clear). Call after tsc_tap_init. */
void tsc_tap_pcapng(struct tsc_tap *t, struct tsc_pcapng_writer *w, int hold);
/* A key log line (NSS format, without its newline) of this connection, from
 * OpenSSL's key log callback. */
void tsc_tap_secret(struct tsc_tap *t, const char *line);
/* The handshake is done (or failed): every secret the connection needs is
 * known, write them and the packets held. Later lines (a renegotiation's)
 * are written as they come, before the packets that follow them. */
void tsc_tap_secrets_known(struct tsc_tap *t);
/* Keep a copy of the first `cap` bytes the client sends (the server's --http
 * page shows the client its own ClientHello). */
void tsc_tap_keep_client(struct tsc_tap *t, uint8_t *buf, size_t cap);

#endif
