/*
 * tap.h - the peers' own wire bytes as a capture: the client and server
 * record exactly the bytes they send and receive on a TCP connection as
 * packets (Ethernet, IPv4 or IPv6, TCP with consistent sequence numbers,
 * segments of at most 1460 bytes, a SYN handshake and FINs), or on a UDP
 * socket (DTLS) as one UDP packet per datagram, which go to a pcap file, to
 * the same pipeline that reads capture files, or both.
 * One dissector, three sources.
 */
#ifndef TSC_PEER_TAP_H
#define TSC_PEER_TAP_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "capture/pipeline.h"

/* A pcap file several taps may write to (a server's connections). */
struct tsc_pcap_writer {
    FILE *f;
    pthread_mutex_t lock;
    int failed;
};

/* Opens and writes the file header; NULL (errno set) on failure. */
struct tsc_pcap_writer *tsc_pcap_writer_open(const char *path);
void tsc_pcap_writer_close(struct tsc_pcap_writer *w);

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
/* Keep a copy of the first `cap` bytes the client sends (the server's --http
 * page shows the client its own ClientHello). */
void tsc_tap_keep_client(struct tsc_tap *t, uint8_t *buf, size_t cap);

#endif
