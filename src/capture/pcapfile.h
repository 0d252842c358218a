/*
 * pcapfile.h - tlsscope's own reader of pcap and pcapng files.
 *
 * The file is read with pread() in blocks of 1 MiB into a few buffers that
 * are used in turn: copying a block from the page cache costs less than
 * mapping the file page by page (page faults, and with threads the TLB
 * shootdowns of giving pages back), the packets of a block are then in the
 * CPU's cache, memory stays bounded whatever the file's size, and a file cut
 * short by another program while it is read is an error, never a SIGBUS.
 * A packet or pcapng block is always contiguous in one buffer: the buffer is
 * refilled from the packet's own offset when it does not fit.
 *
 * Handles classic pcap (both byte orders, microsecond and nanosecond) and
 * pcapng (several sections and interfaces, each with its own link type and
 * timestamp resolution; Enhanced, Simple and obsolete Packet Blocks). Every
 * length is checked against the block and the file before use. Anything
 * else (a pipe, a file of another kind) is left to libpcap.
 *
 * Lifetime of packet data: the bytes of a packet stay valid until the next
 * call of tsc_pcapfile_next(). A reader whose packets are still in use later
 * (the parallel reader) sets more buffers and a wait function, called before
 * a buffer is refilled, that returns only once no packet ending at or before
 * a given file offset is still in use.
 */
#ifndef TSC_CAPTURE_PCAPFILE_H
#define TSC_CAPTURE_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define TSC_PCAPNG_MAX_IFACES 256
/* Bytes read at a time: a block the size of a core's L2 cache is read and
 * then parsed while it is still there (docs/performance.md). */
#define TSC_PCAPFILE_BLOCK ((size_t)256 << 10)
#define TSC_PCAPFILE_MAX_BUFS 16
/* Largest packet (libpcap's own bound) and pcapng block read whole. */
#define TSC_PCAPFILE_MAX_CAPLEN ((size_t)64 << 20)

struct tsc_pcapfile_buf {
    uint8_t *data;
    size_t cap;
    uint64_t start, len; /* the file's bytes [start, start + len) */
};

struct tsc_pcapfile {
    const uint8_t *mem; /* tsc_pcapfile_open_mem: the whole input */
    int fd;             /* else the file (-1 with mem) */
    size_t size, off;   /* size (at open) and offset of the next packet or block */
    size_t block;       /* bytes read at a time */
    struct tsc_pcapfile_buf buf[TSC_PCAPFILE_MAX_BUFS];
    int nbuf, cur;
    void (*wait)(void *arg, uint64_t upto); /* see tsc_pcapfile_set_buffers */
    void *wait_arg;
    int ng;          /* pcapng */
    int swapped;     /* other byte order than the host's */
    int nsec;        /* classic pcap with nanosecond timestamps */
    int linktype;    /* classic pcap */
    uint32_t snaplen;
    size_t n_ifaces; /* pcapng: interfaces of the current section */
    struct {
        int linktype;
        int supported; /* tsc_link_supported(linktype) */
        int binary;    /* resolution 2^-res (else 10^-res) */
        uint8_t res;
    } iface[TSC_PCAPNG_MAX_IFACES];
    uint64_t packets_read;  /* packets handed out so far */
    /* pcapng: packets handed out from interfaces of a link type tlsscope
     * does not read (the pipeline counts them, the read names the type),
     * the first such type, and whether there was another */
    uint64_t unsupported_packets;
    int unsupported_link, unsupported_more;
    uint32_t secrets_late;  /* pcapng Decryption Secrets Blocks after the first packet (not read) */
    /* When set, a Decryption Secrets Block after the first packet is handed
     * here as it is met (its secrets type and data) instead of counted in
     * secrets_late: between two packets, as tshark reads them in one pass */
    void (*on_secrets)(void *arg, uint32_t type, const uint8_t *p, size_t n);
    void *on_secrets_arg;
    char error[256];
};

struct tsc_pcap_packet {
    int linktype;
    int64_t ts_us;
    const uint8_t *data;
    size_t caplen;
};

/* The Decryption Secrets Blocks of a pcapng file that come before its
 * first packet (where editcap --inject-secrets and Wireshark put them),
 * each handed to cb with its secrets type (0x544c534b "TLSK": an NSS key
 * log) and data; returns how many, 0 for a file of another kind or one
 * that cannot be read (the read that follows reports why). Blocks after
 * the first packet are counted by the reader (secrets_late), not read: a
 * run's keys are fixed before its connections are read. */
int tsc_pcapfile_secrets(const char *path, void (*cb)(void *arg, uint32_t type, const uint8_t *p, size_t n),
                         void *arg);
#define TSC_PCAPNG_SECRETS_TLS 0x544c534bu

/* 1: opened; 0: not a pcap/pcapng file this reader takes (use libpcap);
 * -1: an error (f->error says why). Reads TSC_PCAPFILE_BLOCK bytes at a
 * time, or what the environment variable TSC_READ_BLOCK says (16 bytes to
 * 64 MiB; for tests, which thus make small captures refill buffers often). */
int tsc_pcapfile_open(struct tsc_pcapfile *f, const char *path);
/* The same, reading `block` bytes at a time (tests and fuzzing use small ones). */
int tsc_pcapfile_open_block(struct tsc_pcapfile *f, const char *path, size_t block);
/* The same over bytes in memory (not copied; they must outlive the reader). */
int tsc_pcapfile_open_mem(struct tsc_pcapfile *f, const uint8_t *data, size_t len);
/* Use n buffers (2 to TSC_PCAPFILE_MAX_BUFS) in turn; before a buffer is
 * refilled, wait(arg, end) is called with the file offset its bytes end at
 * (at most the offset of the packet being read) and must return only once
 * no packet before that offset is in use. */
void tsc_pcapfile_set_buffers(struct tsc_pcapfile *f, int n, void (*wait)(void *, uint64_t), void *arg);
/* 1: a packet; 0: the end; -1: the file is damaged here (f->error). */
int tsc_pcapfile_next(struct tsc_pcapfile *f, struct tsc_pcap_packet *pkt);
void tsc_pcapfile_close(struct tsc_pcapfile *f);
/* Bytes consumed so far (the file offset after the last packet returned). */
static inline uint64_t tsc_pcapfile_offset(const struct tsc_pcapfile *f) { return f->off; }

#endif
