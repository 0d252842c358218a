/*
 * tap.c - synthesised packets for the peers' own traffic (see tap.h).
 */
#include "peer/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSS 1460
#define UDP_MAX (65535 - 8 - 40) /* the largest UDP payload IPv6 carries without jumbograms */

struct tsc_pcap_writer *tsc_pcap_writer_open(const char *path)
{
    struct tsc_pcap_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->f = fopen(path, "wb");
    if (!w->f) {
        int e = errno;
        free(w);
        errno = e;
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    /* classic pcap, microseconds, Ethernet */
    const uint32_t hdr[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 262144, 1};
    if (fwrite(hdr, 4, 6, w->f) != 6)
        w->failed = 1;
    return w;
}

void tsc_pcap_writer_close(struct tsc_pcap_writer *w)
{
    if (!w)
        return;
    fclose(w->f);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

static void endpoint_of(struct tsc_endpoint *e, const struct sockaddr_storage *ss)
{
    memset(e, 0, sizeof *e);
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        e->family = 6;
        memcpy(e->addr, &a->sin6_addr, 16);
        e->port = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        e->family = 4;
        memcpy(e->addr, &a->sin_addr, 4);
        e->port = ntohs(a->sin_port);
    }
}

void tsc_tap_init(struct tsc_tap *t, const struct sockaddr_storage *client, const struct sockaddr_storage *server,
                  struct tsc_pipeline *pl, pthread_mutex_t *pl_lock, struct tsc_pcap_writer *w)
{
    memset(t, 0, sizeof *t);
    endpoint_of(&t->ep[0], client);
    endpoint_of(&t->ep[1], server);
    /* initial sequence numbers: anything consistent will do */
    t->next_seq[0] = 0x10000000u ^ ((uint32_t)t->ep[0].port << 8);
    t->next_seq[1] = 0x20000000u ^ ((uint32_t)t->ep[1].port << 8);
    t->pl = pl;
    t->pl_lock = pl_lock;
    t->w = w;
}

int tsc_tap_init_udp(struct tsc_tap *t, const struct sockaddr_storage *client, const struct sockaddr_storage *server,
                     struct tsc_pipeline *pl, pthread_mutex_t *pl_lock, struct tsc_pcap_writer *w)
{
    tsc_tap_init(t, client, server, pl, pl_lock, w);
    t->udp = 1;
    /* one packet's room, on the heap: a datagram may be 64 KiB, and the
     * server's threads have small stacks to spare */
    t->dgram_buf = malloc(14 + 40 + 8 + UDP_MAX);
    return t->dgram_buf ? 0 : -1;
}

void tsc_tap_set_endpoint(struct tsc_tap *t, int side, const struct sockaddr_storage *ss)
{
    endpoint_of(&t->ep[side ? 1 : 0], ss);
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    return s;
}

/* Ethernet and IP headers for `l4len` bytes of protocol `proto` from side
 * `from`; returns the offset of the transport header. */
static size_t link_ip(const struct tsc_tap *t, int from, uint8_t proto, uint8_t *pkt, size_t l4len)
{
    const struct tsc_endpoint *src = &t->ep[from], *dst = &t->ep[from ^ 1];
    int v6 = src->family == 6;
    size_t ip = v6 ? 40 : 20;
    memset(pkt, 0, 14);
    pkt[12] = v6 ? 0x86 : 0x08;
    pkt[13] = v6 ? 0xdd : 0x00;
    uint8_t *iph = pkt + 14;
    if (v6) {
        memset(iph, 0, 40);
        iph[0] = 0x60;
        iph[4] = (uint8_t)(l4len >> 8);
        iph[5] = (uint8_t)l4len;
        iph[6] = proto;
        iph[7] = 64;
        memcpy(iph + 8, src->addr, 16);
        memcpy(iph + 24, dst->addr, 16);
    } else {
        size_t total = 20 + l4len;
        memset(iph, 0, 20);
        iph[0] = 0x45;
        iph[2] = (uint8_t)(total >> 8);
        iph[3] = (uint8_t)total;
        iph[6] = 0x40; /* don't fragment */
        iph[8] = 64;
        iph[9] = proto;
        memcpy(iph + 12, src->addr, 4);
        memcpy(iph + 16, dst->addr, 4);
        uint16_t c = fold(sum16(iph, 20, 0));
        iph[10] = (uint8_t)(c >> 8);
        iph[11] = (uint8_t)c;
    }
    return 14 + ip;
}

/* The transport checksum's pseudo-header sum. */
static uint32_t pseudo_sum(const struct tsc_tap *t, int from, uint8_t proto, size_t l4len)
{
    const struct tsc_endpoint *src = &t->ep[from], *dst = &t->ep[from ^ 1];
    uint32_t s = 0;
    if (src->family == 6) {
        s = sum16(src->addr, 16, s);
        s = sum16(dst->addr, 16, s);
        s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff) + proto;
    } else {
        s = sum16(src->addr, 4, s);
        s = sum16(dst->addr, 4, s);
        s += proto + (uint32_t)l4len;
    }
    return s;
}

/* A finished packet to the pcap file and the pipeline. */
static void emit(struct tsc_tap *t, const uint8_t *pkt, size_t len)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    if (t->w) {
        uint32_t rec[4] = {(uint32_t)now.tv_sec, (uint32_t)(now.tv_nsec / 1000), (uint32_t)len, (uint32_t)len};
        pthread_mutex_lock(&t->w->lock);
        if (fwrite(rec, 4, 4, t->w->f) != 4 || fwrite(pkt, 1, len, t->w->f) != len)
            t->w->failed = 1;
        fflush(t->w->f);
        pthread_mutex_unlock(&t->w->lock);
    }
    if (t->pl) {
        if (t->pl_lock)
            pthread_mutex_lock(t->pl_lock);
        tsc_pipeline_packet(t->pl, 1, pkt, len, us);
        if (t->pl_lock)
            pthread_mutex_unlock(t->pl_lock);
    }
}

/* One segment from side `from` (0 client, 1 server). */
static void segment(struct tsc_tap *t, int from, uint8_t flags, const uint8_t *data, size_t n)
{
    uint8_t pkt[14 + 40 + 20 + MSS];
    const struct tsc_endpoint *src = &t->ep[from], *dst = &t->ep[from ^ 1];
    size_t tcplen = 20 + n;
    size_t off = link_ip(t, from, 6, pkt, tcplen);
    uint8_t *tcp = pkt + off;
    uint32_t seq = t->next_seq[from], ack = t->next_seq[from ^ 1];
    tcp[0] = (uint8_t)(src->port >> 8);
    tcp[1] = (uint8_t)src->port;
    tcp[2] = (uint8_t)(dst->port >> 8);
    tcp[3] = (uint8_t)dst->port;
    for (int i = 0; i < 4; i++) {
        tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        tcp[8 + i] = (uint8_t)((flags & 0x10 ? ack : 0) >> (24 - 8 * i));
    }
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
    if (n)
        memcpy(tcp + 20, data, n);
    /* TCP checksum over the pseudo-header */
    uint16_t c = fold(sum16(tcp, tcplen, pseudo_sum(t, from, 6, tcplen)));
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;
    t->next_seq[from] = seq + (uint32_t)n + ((flags & 0x03) ? 1 : 0); /* SYN and FIN take one */
    emit(t, pkt, off + tcplen);
}

/* One UDP datagram from side `from`, whole: a datagram is the unit DTLS
 * frames its records in, so it is never split. */
static void datagram(struct tsc_tap *t, int from, const uint8_t *data, size_t n)
{
    const struct tsc_endpoint *src = &t->ep[from], *dst = &t->ep[from ^ 1];
    if (n > UDP_MAX)
        n = UDP_MAX; /* no socket delivers more: a caller's mistake, not a packet */
    uint8_t *pkt = t->dgram_buf;
    size_t udplen = 8 + n;
    size_t off = link_ip(t, from, 17, pkt, udplen);
    uint8_t *udp = pkt + off;
    udp[0] = (uint8_t)(src->port >> 8);
    udp[1] = (uint8_t)src->port;
    udp[2] = (uint8_t)(dst->port >> 8);
    udp[3] = (uint8_t)dst->port;
    udp[4] = (uint8_t)(udplen >> 8);
    udp[5] = (uint8_t)udplen;
    udp[6] = udp[7] = 0;
    if (n)
        memcpy(udp + 8, data, n);
    uint16_t c = fold(sum16(udp, udplen, pseudo_sum(t, from, 17, udplen)));
    if (c == 0)
        c = 0xffff; /* 0 means "no checksum" in UDP */
    udp[6] = (uint8_t)(c >> 8);
    udp[7] = (uint8_t)c;
    emit(t, pkt, off + udplen);
}

void tsc_tap_open(struct tsc_tap *t)
{
    if (t->opened || t->udp)
        return;
    t->opened = 1;
    segment(t, 0, 0x02, NULL, 0);   /* SYN */
    segment(t, 1, 0x12, NULL, 0);   /* SYN-ACK */
    segment(t, 0, 0x10, NULL, 0);   /* ACK */
}

void tsc_tap_keep_client(struct tsc_tap *t, uint8_t *buf, size_t cap)
{
    t->keep = buf;
    t->keep_len = 0;
    t->keep_cap = cap;
}

void tsc_tap_data(struct tsc_tap *t, int from_client, const uint8_t *p, size_t n)
{
    int from = from_client ? 0 : 1;
    if (from_client && t->keep && t->keep_len < t->keep_cap) {
        size_t k = n < t->keep_cap - t->keep_len ? n : t->keep_cap - t->keep_len;
        memcpy(t->keep + t->keep_len, p, k);
        t->keep_len += k;
    }
    if (t->udp) {
        if (t->dgram_buf)
            datagram(t, from, p, n);
        return;
    }
    if (!t->opened)
        tsc_tap_open(t);
    while (n) {
        size_t k = n < MSS ? n : MSS;
        segment(t, from, k == n ? 0x18 : 0x10, p, k); /* PSH on the last */
        p += k;
        n -= k;
    }
}

void tsc_tap_close(struct tsc_tap *t)
{
    if (t->udp) {
        free(t->dgram_buf);
        t->dgram_buf = NULL;
        return;
    }
    if (!t->opened || t->closed)
        return;
    t->closed = 1;
    segment(t, 0, 0x11, NULL, 0); /* FIN-ACK */
    segment(t, 1, 0x11, NULL, 0);
    segment(t, 0, 0x10, NULL, 0);
}
