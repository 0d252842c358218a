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
 * (or it closes), not in order of first packet. */
void tsc_pipeline_set_live(struct tsc_pipeline *pl, int live);
/* One captured packet. */
void tsc_pipeline_packet(struct tsc_pipeline *pl, int linktype, const uint8_t *p, size_t caplen,
                         int64_t ts_us);
/* Close every flow and release every connection (end of input). */
void tsc_pipeline_finish(struct tsc_pipeline *pl);
const struct tsc_pipeline_stats *tsc_pipeline_stats(const struct tsc_pipeline *pl);
struct tsc_session_ctx *tsc_pipeline_session(struct tsc_pipeline *pl);

#endif
