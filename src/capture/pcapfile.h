/*
 * pcapfile.h - a memory-mapped reader of pcap and pcapng files.
 *
 * Reading a capture through libpcap copies every byte from the page cache
 * into its buffer; mapping the file lets tlsscope skip application data
 * without ever touching it. Handles classic pcap (both byte orders,
 * microsecond and nanosecond) and pcapng (several sections and interfaces,
 * each with its own link type and timestamp resolution; Enhanced, Simple
 * and obsolete Packet Blocks). Every length is checked against the block
 * and the file before use. Anything else (or a file that cannot be mapped)
 * is left to libpcap.
 */
#ifndef TSC_CAPTURE_PCAPFILE_H
#define TSC_CAPTURE_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define TSC_PCAPNG_MAX_IFACES 256

struct tsc_pcapfile {
    const uint8_t *map;
    size_t size, off;
    size_t dropped;  /* pages before this offset were given back */
    int mapped;      /* map came from mmap (else the caller's memory) */
    size_t safe_off; /* with -j: pages from here on may still be in use (0: no limit) */
    int ng;          /* pcapng */
    int swapped;     /* other byte order than the host's */
    int nsec;        /* classic pcap with nanosecond timestamps */
    int linktype;    /* classic pcap */
    uint32_t snaplen;
    size_t n_ifaces; /* pcapng: interfaces of the current section */
    struct {
        int linktype;
        int binary;    /* resolution 2^-res (else 10^-res) */
        uint8_t res;
    } iface[TSC_PCAPNG_MAX_IFACES];
    char error[256];
};

struct tsc_pcap_packet {
    int linktype;
    int64_t ts_us;
    const uint8_t *data;
    size_t caplen;
};

/* 1: opened; 0: not a pcap/pcapng file this reader takes (use libpcap);
 * -1: an error (f->error says why). */
int tsc_pcapfile_open(struct tsc_pcapfile *f, const char *path);
/* The same over bytes in memory (not copied; they must outlive the reader). */
int tsc_pcapfile_open_mem(struct tsc_pcapfile *f, const uint8_t *data, size_t len);
/* 1: a packet; 0: the end; -1: the file is damaged here (f->error). */
int tsc_pcapfile_next(struct tsc_pcapfile *f, struct tsc_pcap_packet *pkt);
void tsc_pcapfile_close(struct tsc_pcapfile *f);
/* Bytes consumed so far (for progress). */
static inline uint64_t tsc_pcapfile_offset(const struct tsc_pcapfile *f) { return f->off; }

#endif
