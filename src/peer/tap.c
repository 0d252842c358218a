/*
 * tap.c - synthesised packets for the peers' own traffic (see tap.h).
 *
 * pcapng with the secrets inside (--pcapng). Wireshark and tshark read a
 * pcapng file once, block by block, and give a Decryption Secrets Block's
 * key log to TLS when they pass it: a packet is decrypted only with the
 * secrets of blocks before it. The tap, though, records bytes before
 * OpenSSL has the secrets that open them: a TLS 1.3 client reads the
 * server's flight (ServerHello, then EncryptedExtensions to Finished under
 * the handshake keys, often in one read) before it derives those keys; a
 * TLS 1.2 server reads ClientKeyExchange, ChangeCipherSpec and the
 * encrypted Finished in one read and only then logs CLIENT_RANDOM.
 * So a connection's packet blocks are held (ng_held) until its handshake is
 * done: the peer calls tsc_tap_secrets_known once SSL_connect, SSL_accept or
 * the DTLS handshake returns, when OpenSSL has logged every secret the
 * handshake derives. Then, under the writer's lock, its key log lines go out
 * as one Decryption Secrets Block and its held packets after it; from then
 * on its packets are written as they come. A line that comes later (a TLS
 * 1.2 renegotiation's CLIENT_RANDOM) gets a block of its own at once,
 * before the packets that follow. A connection that closes first (a failed
 * handshake) writes what it has at its close.
 * Memory: a connection holds at most NG_HOLD_MAX bytes of packets; past
 * that the secrets known so far are written, then what it held, and it
 * goes on as it comes (counted in held_over, said by the command line):
 * a peer that never finishes its handshake costs bounded memory.
 * Packets keep the time they were tapped, so a connection written late has
 * timestamps earlier than blocks before it: pcapng allows it, and readers
 * order nothing by it.
 * TSC_PCAPNG_WHOLE (client, demo): the whole file waits in memory (at most
 * NG_WHOLE_MAX) and at close one block with every connection's secrets
 * comes before the first packet. tlsscope's own reader takes only the
 * secrets before the first packet (its key log is fixed before connections
 * are read), and a client's second connection (--reconnect) would otherwise
 * have its block after the first connection's packets.
 */
#include "peer/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSS 1460
#define NG_HOLD_MAX ((size_t)1 << 20)   /* a connection's packets waiting for its secrets */
#define NG_KEYS_MAX ((size_t)64 << 10)  /* its key log lines (a handful of 200-byte lines) */
#define NG_WHOLE_MAX ((size_t)64 << 20) /* TSC_PCAPNG_WHOLE: the file in memory */

/* pcapng block types and the Decryption Secrets Block's TLS key log type */
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 0x00000001u
#define NG_EPB 0x00000006u
#define NG_DSB 0x0000000au
#define NG_SECRETS_TLS 0x544c534bu
#define UDP_MAX (65535 - 8 - 40) /* the largest UDP payload IPv6 carries without jumbograms */

/* The file a writer writes; NULL with errno set. */
static FILE *writer_file(const char *path, void **w, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f && !(*w = calloc(1, size))) {
        fclose(f);
        errno = ENOMEM;
        return NULL;
    }
    return f;
}

struct tsc_pcap_writer *tsc_pcap_writer_open(const char *path)
{
    void *mem = NULL;
    FILE *f = writer_file(path, &mem, sizeof(struct tsc_pcap_writer));
    if (!f)
        return NULL;
    struct tsc_pcap_writer *w = mem;
    w->f = f;
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

/* ---- pcapng ---- */

struct tsc_pcapng_writer {
    FILE *f;
    pthread_mutex_t lock;
    int whole;                /* TSC_PCAPNG_WHOLE, not given up */
    struct tsc_buf keys, body; /* whole: every connection's key log lines; the packet blocks */
    struct tsc_pcapng_stats st;
};

static void w_write(struct tsc_pcapng_writer *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n && !w->st.write_errno)
        w->st.write_errno = errno ? errno : EIO;
}

static void le32_put(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); } /* the section's byte order: the host's */

/*  0 Block Type = 0x0000000A, Block Total Length,
 *  8 Secrets Type, Secrets Length, Secrets Data (padded to 32 bits),
 *    [Options], Block Total Length */
static void w_dsb(struct tsc_pcapng_writer *w, const uint8_t *p, size_t n)
{
    static const uint8_t zero[4];
    size_t pad = (4 - n % 4) % 4;
    if (!n)
        return;
    if (n > UINT32_MAX - 20 - pad) {
        if (!w->st.write_errno)
            w->st.write_errno = EFBIG;
        return;
    }
    uint32_t total = (uint32_t)(20 + n + pad);
    uint8_t hdr[16], tail[4];
    le32_put(hdr, NG_DSB);
    le32_put(hdr + 4, total);
    le32_put(hdr + 8, NG_SECRETS_TLS);
    le32_put(hdr + 12, (uint32_t)n);
    le32_put(tail, total);
    w_write(w, hdr, sizeof hdr);
    w_write(w, p, n);
    w_write(w, zero, pad);
    w_write(w, tail, 4);
    w->st.secrets_blocks++;
}

/* TSC_PCAPNG_WHOLE past its bound: what is held goes out now, the rest as
 * it comes. */
static void w_give_up_whole(struct tsc_pcapng_writer *w)
{
    w_dsb(w, w->keys.data, w->keys.len);
    w_write(w, w->body.data, w->body.len);
    tsc_buf_free(&w->keys);
    tsc_buf_free(&w->body);
    w->whole = 0;
    w->st.whole_given_up = 1;
}

/* A connection's key log lines, then its packet blocks (npkts of them). */
static void w_put(struct tsc_pcapng_writer *w, const struct tsc_buf *keys, const struct tsc_buf *blocks, uint32_t npkts)
{
    pthread_mutex_lock(&w->lock);
    if (w->whole) {
        size_t mark = w->keys.len;
        if (tsc_is_ok(tsc_buf_append(&w->keys, keys->data, keys->len))) {
            if (tsc_is_ok(tsc_buf_append(&w->body, blocks->data, blocks->len)))
                goto done;
            w->keys.len = mark; /* all of this connection's part or none of it */
        }
        w_give_up_whole(w); /* past the bound (or out of memory): this part goes out below */
    }
    w_dsb(w, keys->data, keys->len);
    w_write(w, blocks->data, blocks->len);
    if (fflush(w->f) != 0 && !w->st.write_errno) /* a file being written can be read as it is */
        w->st.write_errno = errno ? errno : EIO;
done:
    w->st.packets += npkts;
    pthread_mutex_unlock(&w->lock);
}

struct tsc_pcapng_writer *tsc_pcapng_writer_open(const char *path, unsigned flags)
{
    void *mem = NULL;
    FILE *f = writer_file(path, &mem, sizeof(struct tsc_pcapng_writer));
    if (!f)
        return NULL;
    struct tsc_pcapng_writer *w = mem;
    w->f = f;
    pthread_mutex_init(&w->lock, NULL);
    w->whole = (flags & TSC_PCAPNG_WHOLE) != 0;
    tsc_buf_init(&w->keys, NG_KEYS_MAX * 64);
    tsc_buf_init(&w->body, NG_WHOLE_MAX);
    /* Section Header Block: byte-order magic, version 1.0, section length
     * unknown (-1), shb_userappl "tlsscope" */
    uint8_t shb[44];
    uint64_t unknown = UINT64_MAX;
    le32_put(shb, NG_SHB);
    le32_put(shb + 4, sizeof shb);
    le32_put(shb + 8, 0x1a2b3c4du);
    uint16_t ver[2] = {1, 0};
    memcpy(shb + 12, ver, 4);
    memcpy(shb + 16, &unknown, 8);
    uint16_t opt[2] = {4, 8}; /* shb_userappl, 8 bytes */
    memcpy(shb + 24, opt, 4);
    memcpy(shb + 28, "tlsscope", 8);
    memset(shb + 36, 0, 4); /* opt_endofopt */
    le32_put(shb + 40, sizeof shb);
    /* Interface Description Block: Ethernet (what the tap builds), snap
     * length 262144, if_tsresol 9 (timestamps in nanoseconds) */
    uint8_t idb[32];
    le32_put(idb, NG_IDB);
    le32_put(idb + 4, sizeof idb);
    uint16_t lt[2] = {1, 0}; /* LINKTYPE_ETHERNET, reserved */
    memcpy(idb + 8, lt, 4);
    le32_put(idb + 12, 262144);
    uint16_t res[2] = {9, 1}; /* if_tsresol, 1 byte */
    memcpy(idb + 16, res, 4);
    idb[20] = 9;
    idb[21] = idb[22] = idb[23] = 0;
    memset(idb + 24, 0, 4);
    le32_put(idb + 28, sizeof idb);
    w_write(w, shb, sizeof shb);
    w_write(w, idb, sizeof idb);
    if (fflush(w->f) != 0 && !w->st.write_errno)
        w->st.write_errno = errno ? errno : EIO;
    return w;
}

int tsc_pcapng_writer_close(struct tsc_pcapng_writer *w, struct tsc_pcapng_stats *st)
{
    if (!w)
        return 0;
    if (w->whole) {
        w_dsb(w, w->keys.data, w->keys.len);
        w_write(w, w->body.data, w->body.len);
    }
    if (ferror(w->f) && !w->st.write_errno)
        w->st.write_errno = EIO;
    if (fclose(w->f) != 0 && !w->st.write_errno)
        w->st.write_errno = errno ? errno : EIO;
    if (st)
        *st = w->st;
    int rc = w->st.write_errno ? -1 : 0;
    tsc_buf_free(&w->keys);
    tsc_buf_free(&w->body);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return rc;
}

/* The tap's side: what it holds goes to the writer. */
static void ng_out(struct tsc_tap *t)
{
    if (t->ng_keys.len || t->ng_held.len)
        w_put(t->ng, &t->ng_keys, &t->ng_held, t->ng_count);
    tsc_buf_reset(&t->ng_keys);
    tsc_buf_reset(&t->ng_held);
    t->ng_count = 0;
}

/*  0 Block Type = 0x00000006, Block Total Length,
 *  8 Interface ID, Timestamp (High), Timestamp (Low),
 * 20 Captured Packet Length, Original Packet Length,
 * 28 Packet Data (padded to 32 bits), [Options], Block Total Length */
static tsc_result ng_epb(struct tsc_buf *b, const struct timespec *ts, const uint8_t *pkt, size_t len)
{
    static const uint8_t zero[4];
    size_t pad = (4 - len % 4) % 4, total = 32 + len + pad;
    uint64_t ns = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    uint32_t h[7] = {NG_EPB, (uint32_t)total, 0, (uint32_t)(ns >> 32), (uint32_t)ns, (uint32_t)len, (uint32_t)len};
    uint32_t tail = (uint32_t)total;
    size_t mark = b->len;
    tsc_result r = tsc_buf_append(b, h, sizeof h);
    if (tsc_is_ok(r) && len)
        r = tsc_buf_append(b, pkt, len);
    if (tsc_is_ok(r) && pad)
        r = tsc_buf_append(b, zero, pad);
    if (tsc_is_ok(r))
        r = tsc_buf_append(b, &tail, 4);
    if (!tsc_is_ok(r))
        b->len = mark; /* all of the block or none of it */
    return r;
}

static void ng_packet(struct tsc_tap *t, const struct timespec *ts, const uint8_t *pkt, size_t len)
{
    if (!tsc_is_ok(ng_epb(&t->ng_held, ts, pkt, len))) {
        /* past the bound before the handshake was done: write what is
         * known and go on as it comes */
        if (!t->ng_streaming) {
            pthread_mutex_lock(&t->ng->lock);
            t->ng->st.held_over++;
            pthread_mutex_unlock(&t->ng->lock);
        }
        t->ng_streaming = 1;
        ng_out(t);
        if (!tsc_is_ok(ng_epb(&t->ng_held, ts, pkt, len)))
            return; /* larger than the bound by itself: no packet is */
    }
    t->ng_count++;
    if (t->ng_streaming)
        ng_out(t);
}

void tsc_tap_pcapng(struct tsc_tap *t, struct tsc_pcapng_writer *w, int hold)
{
    t->ng = w;
    tsc_buf_init(&t->ng_held, NG_HOLD_MAX);
    tsc_buf_init(&t->ng_keys, NG_KEYS_MAX);
    t->ng_count = 0;
    t->ng_streaming = !hold;
}

void tsc_tap_secret(struct tsc_tap *t, const char *line)
{
    if (!t->ng)
        return;
    size_t n = strlen(line);
    if (!tsc_is_ok(tsc_buf_append(&t->ng_keys, line, n)) || !tsc_is_ok(tsc_buf_putc(&t->ng_keys, '\n'))) {
        ng_out(t); /* its block is full: write it as it is (not before the packets held) */
        t->ng_streaming = 1;
        if (tsc_is_ok(tsc_buf_append(&t->ng_keys, line, n)))
            (void)tsc_buf_putc(&t->ng_keys, '\n');
    }
    if (t->ng_streaming)
        ng_out(t);
}

void tsc_tap_secrets_known(struct tsc_tap *t)
{
    if (!t->ng)
        return;
    t->ng_streaming = 1;
    ng_out(t);
}

static void ng_close(struct tsc_tap *t)
{
    if (!t->ng)
        return;
    ng_out(t);
    tsc_buf_free(&t->ng_held);
    tsc_buf_free(&t->ng_keys);
    t->ng = NULL;
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
    /* initial sequence numbers: each connection its own, as RFC 6528 has
     * them (a clock of 4 us steps, and a count of this process's taps), so
     * that a client reconnecting from the same port is a new connection to
     * a reader, not the first one's SYN again */
    static atomic_uint taps;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint32_t clk = (uint32_t)((uint64_t)now.tv_sec * 250000u + (uint64_t)now.tv_nsec / 4000u);
    uint32_t n = atomic_fetch_add(&taps, 1u) * 0x01000193u;
    t->next_seq[0] = (0x10000000u ^ ((uint32_t)t->ep[0].port << 8)) + clk + n;
    t->next_seq[1] = (0x20000000u ^ ((uint32_t)t->ep[1].port << 8)) + clk + n;
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
    if (t->ng)
        ng_packet(t, &now, pkt, len);
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
        ng_close(t);
        return;
    }
    if (t->opened && !t->closed) {
        t->closed = 1;
        segment(t, 0, 0x11, NULL, 0); /* FIN-ACK */
        segment(t, 1, 0x11, NULL, 0);
        segment(t, 0, 0x10, NULL, 0);
    }
    ng_close(t);
}
