/*
 * source.h - packets into the pipeline: capture files (pcap and pcapng) and
 * live interfaces, both through libpcap. pcap.h stays inside source.c.
 */
#ifndef TSC_CAPTURE_SOURCE_H
#define TSC_CAPTURE_SOURCE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/pipeline.h"

struct tsc_source_result {
    int ok;             /* the input was opened and read (maybe with a warning) */
    int linktype;
    uint64_t packets;
    uint64_t kernel_received, kernel_dropped, interface_dropped; /* live only */
    char error[512];    /* why it could not be read, or a warning when ok */
};

/* The end of a file read: rc < 0 from the reader ends it with an error
 * (nothing read: not ok) or a warning (cut short after some packets). */
void tsc_source_result_end(struct tsc_source_result *res, int rc, const char *why);
/* A warning for pcapng secrets blocks the read passed over (see tsc_pcapfile_secrets). */
void tsc_source_secrets_late(struct tsc_source_result *res, uint32_t late);

/* pcapng interfaces of link types not read: `unread` packets came from them
 * (the first one's type `linktype`, `others`: more types than it). When
 * that is every packet, the read fails as a pcap file of that type does;
 * otherwise a warning says how many packets were not read and why. */
void tsc_source_links_unread(struct tsc_source_result *res, uint64_t unread, int linktype, int others);

/* Called from the read loop about every 64 packets with the bytes read so far. */
typedef void (*tsc_source_tick)(void *arg, uint64_t bytes_read, uint64_t packets);

enum tsc_reader {
    TSC_READER_AUTO,    /* own pcap/pcapng reader, libpcap for anything else */
    TSC_READER_LIBPCAP, /* always libpcap */
};

/* Read every packet of `path` into `pl`. Never exits; errors go to res. */
/* A pcapng Decryption Secrets Block met after the first packet: called
 * between two packets, once every packet before it has gone through the
 * consumer contexts `ctxs` (one per reading thread), which are idle during
 * the call. Keys given to them now serve the connections that begin after
 * the block, as tshark's one pass does. */
struct tsc_source_secrets {
    void (*fn)(void *arg, uint32_t type, const uint8_t *p, size_t n, void *const *ctxs, size_t nctx);
    void *arg;
};

/* `secrets` may be NULL: such blocks are then counted and warned about. */
void tsc_source_read_file(const char *path, struct tsc_pipeline *pl, struct tsc_source_result *res,
                          enum tsc_reader reader, tsc_source_tick tick, void *tick_arg,
                          const struct tsc_source_secrets *secrets);

struct tsc_live_opts {
    const char *iface;
    const char *filter;      /* BPF expression, or NULL */
    const char *write_path;  /* also write the raw packets here (pcap), or NULL */
    uint64_t count;          /* stop after this many packets; 0: no limit */
    /* called after each batch of packets (flush the report there) */
    void (*after_batch)(void *arg);
    void *arg;
};

/* Capture until tsc_source_live_stop() (safe in a signal handler), `count`
 * packets, or an error. */
void tsc_source_live(const struct tsc_live_opts *o, struct tsc_pipeline *pl, struct tsc_source_result *res);
void tsc_source_live_stop(void);

#endif
