/*
 * pipeline.h - packets in, connections out: the flow table, per-direction
 * TCP reassembly, UDP datagrams, and the release of finished connections in
 * order of their first packet.
 *
 * What a flow carries goes to a consumer (core/flow.h) that the pipeline
 * makes from a factory; the pipeline keeps its own record of each consumer
 * connection (order, owner flow, whether it was shown) and never looks
 * inside one.
 *
 * Flow table: a keyed hash (SipHash) of the direction-independent 5-tuple
 * with the transport (a TCP and a UDP flow on the same addresses and ports
 * are two flows), chained buckets, an LRU list; at most lim.max_flows flows,
 * the least recently active evicted first (counted, and an error on the
 * connection).
 * Reassembly: in-order bytes go straight to the consumer without copying;
 * segments ahead of the expected sequence number are buffered (up to
 * lim.flow_buf_max bytes per flow) and delivered once the hole is filled;
 * retransmissions and overlaps keep the first copy; a hole that cannot be
 * filled is reported as a gap with its byte count.
 * UDP: each datagram goes to the consumer as it was captured; a UDP flow
 * closes when idle (lim.idle_timeout_us), evicted, or at the end.
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
#include "core/flow.h"

struct tsc_pipeline_stats {
    uint64_t packets, bytes;
    uint64_t tcp_packets, udp_packets;
    uint64_t not_ip, other_proto; /* IP with a protocol other than TCP and UDP */
    uint64_t fragments, truncated, malformed, link_unsupported;
    uint64_t flows;           /* TCP connections (a flow's new SYN starts another) */
    uint64_t udp_flows;
    uint64_t tls_connections; /* connections the consumer reported */
    uint64_t evictions;       /* flows of either transport evicted by a cap */
    uint64_t overlaps_conflicting, gaps;
    uint64_t idle_closed;     /* TCP connections closed idle (UDP flows end so normally) */
    uint64_t fragments_reassembled, fragments_dropped;
};

struct tsc_pipeline;

/* A pipeline whose consumer is made by `fac` (NULL: flows are tracked,
 * nothing is handed on). NULL when out of memory. */
struct tsc_pipeline *tsc_pipeline_new(const struct tsc_limits *lim, const struct tsc_flow_factory *fac);
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
/* Finished connections to report go to `handoff` with their order (it then
 * owns them: it releases them in order, with the consumer's release and
 * free on tsc_pipeline_consumer's context) instead of being released here. */
void tsc_pipeline_set_parallel(struct tsc_pipeline *pl,
                               void (*handoff)(void *arg, struct tsc_flow_conn *c, uint64_t order), void *arg);
/* Reassembled IP datagrams go to `fn` (to be routed to the right worker). */
void tsc_pipeline_set_reassembled(struct tsc_pipeline *pl,
                                  void (*fn)(void *, const struct tsc_packet *, int64_t), void *arg);
/* A packet whose position in the input is `index` (from 1): connections it
 * starts take that as their order. */
void tsc_pipeline_packet_at(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen, int64_t ts,
                            uint64_t index);
/* A TCP segment or UDP datagram decoded elsewhere (pk->proto says which). */
void tsc_pipeline_transport(struct tsc_pipeline *pl, const struct tsc_packet *pk, int64_t ts, uint64_t index);
/* Time passes (packets that went to other workers): idle flows close. */
void tsc_pipeline_tick(struct tsc_pipeline *pl, int64_t ts);
/* The order of the oldest connection not yet handed over, or UINT64_MAX. */
uint64_t tsc_pipeline_watermark(const struct tsc_pipeline *pl);
/* The consumer context the factory made for this pipeline (NULL without one). */
void *tsc_pipeline_consumer(const struct tsc_pipeline *pl);

#endif
