/*
 * pipeline.h - packets in, connections out: the flow table, per-direction
 * TCP reassembly, and the release of finished connections in order of their
 * first packet.
 *
 * Flow table: a keyed hash (SipHash) of the direction-independent 5-tuple,
 * chained buckets, an LRU list; at most lim.max_flows flows, the least
 * recently active evicted first (counted, and marked on the connection).
 * Reassembly: in-order bytes go straight to the session without copying;
 * segments ahead of the expected sequence number are buffered (up to
 * lim.flow_buf_max bytes per flow) and delivered once the hole is filled;
 * retransmissions and overlaps keep the first copy; a hole that cannot be
 * filled is reported as a gap with its byte count.
 * IP fragments (IPv4, and IPv6's Fragment header) are reassembled, 64
 * datagrams at most at a time, 30 s each; overlapping fragments keep the
 * first copy. Flows idle longer than lim.idle_timeout_us are closed.
 * Memory (flows, connections, out-of-order segments, fragments) is kept
 * under lim.max_memory by evicting the least recently active flows.
 */
#ifndef TSC_CAPTURE_PIPELINE_H
#define TSC_CAPTURE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"
#include "tls/session.h"

struct tsc_pipeline_stats {
    uint64_t packets, bytes;
    uint64_t tcp_packets, not_ip, not_tcp, fragments, truncated, malformed, link_unsupported;
    uint64_t flows, tls_connections, evictions, overlaps_conflicting, gaps;
    uint64_t idle_closed, fragments_reassembled, fragments_dropped;
};

struct tsc_pipeline;

struct tsc_pipeline *tsc_pipeline_new(const struct tsc_limits *lim, const struct tsc_sink *sink);
void tsc_pipeline_free(struct tsc_pipeline *pl);
/* Live capture: release each connection as soon as its handshake completes
 * (or it closes), not in order of first packet; with live 2, as soon as it
 * closes (what follows the handshake matters: decryption). */
void tsc_pipeline_set_live(struct tsc_pipeline *pl, int live);
/* One captured packet. */
void tsc_pipeline_packet(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen,
                         int64_t ts_us);
/* Close every flow and release every connection (end of input). */
void tsc_pipeline_finish(struct tsc_pipeline *pl);
const struct tsc_pipeline_stats *tsc_pipeline_stats(const struct tsc_pipeline *pl);

/* ---- for the parallel reader (capture/parallel.c) ---- */
/* Finished TLS connections go to `handoff` (which then owns them: it emits
 * them in order and frees them) instead of the sink's emit. */
void tsc_pipeline_set_parallel(struct tsc_pipeline *pl, void (*handoff)(void *, struct tsc_conn *), void *arg);
/* Reassembled IP datagrams go to `fn` (to be routed to the right worker). */
void tsc_pipeline_set_reassembled(struct tsc_pipeline *pl,
                                  void (*fn)(void *, const struct tsc_packet *, int64_t), void *arg);
/* A packet whose position in the input is `index` (from 1): connections it
 * starts take that as their order. */
void tsc_pipeline_packet_at(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen, int64_t ts,
                            uint64_t index);
/* A TCP packet decoded elsewhere (a reassembled datagram). */
void tsc_pipeline_tcp(struct tsc_pipeline *pl, const struct tsc_packet *pk, int64_t ts, uint64_t index);
/* Time passes (packets that went to other workers): idle flows close. */
void tsc_pipeline_tick(struct tsc_pipeline *pl, int64_t ts);
/* The order of the oldest connection not yet handed over, or UINT64_MAX. */
uint64_t tsc_pipeline_watermark(const struct tsc_pipeline *pl);
struct tsc_session_ctx *tsc_pipeline_session(struct tsc_pipeline *pl);

#endif
