/*
 * flow.h - the consumer interface: what the capture layer hands to the layer
 * that makes sense of a flow's bytes, and the few questions it asks back.
 *
 * The capture layer (src/capture: links, IP, the flow table, TCP
 * reassembly, UDP datagrams) calls; a consumer (the TLS session layer today,
 * src/tls/flow_tls.c) answers. Capture sees only opaque connection handles
 * and the table of functions below: it never knows what a connection holds,
 * and the consumer never knows what a flow, a segment or a packet is.
 *
 * A connection's life, as the capture layer drives it:
 *
 *   open      the first payload byte (or gap) of a TCP connection, the first
 *             datagram of a UDP flow; NULL declines the flow (the capture
 *             layer then tracks it, under its caps, and calls nothing more
 *             for a TCP connection; a UDP flow is asked again with each
 *             datagram, as a datagram says by its first bytes what it
 *             carries: RFC 7983's STUN, then DTLS, on one 5-tuple)
 *   bytes     TCP: in-order bytes of one side, each byte once, first copy wins
 *   gap       TCP: `missing` bytes of one side the capture will never have
 *   datagram  UDP: one datagram of one side, in capture order; it may answer
 *             that the datagram begins a new connection on the same 5-tuple
 *             (a DTLS ClientHello after the last one ended): the capture
 *             layer then closes this connection, opens the next, and hands
 *             the datagram to it
 *   client    TCP: a SYN said which side is the client (fixed from then on)
 *   error     a flow-level error (the flow was evicted to respect a cap)
 *   close     the flow is over (FIN both ways, RST, a new SYN, idle timeout,
 *             eviction, end of input); nothing is fed after it
 *   release   once closed (or, live, once `complete`): report the connection
 *             as number `ordinal` (from 1, in order of first packet), or drop
 *             it without output (ordinal 0)
 *   free      the handle is not used again
 *
 * Connections are released in the order of their first packet (`order`),
 * except in live capture. The capture layer asks `reportable` once a
 * connection is closed, and, live, `complete` after each of its packets.
 *
 * Contexts: every pipeline has a consumer context of its own, made by the
 * factory's ops->ctx_new, so `read -j N`'s workers never share one. All calls
 * on a context come from one thread, except that release and free of a
 * connection handed over by a worker run on the thread that writes the
 * output (parallel.c's emitter), concurrently with the worker's other calls
 * on the same context: release and free may touch the connection and only
 * what in the context does not change after ctx_new.
 *
 * A new transport's framing (DTLS, QUIC) plugs in behind `datagram`: its
 * consumer accepts UDP flows in `open` and frames what each datagram holds.
 */
#ifndef TSC_CORE_FLOW_H
#define TSC_CORE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

/* The transport of a flow (IP protocol numbers). */
enum tsc_flow_proto { TSC_FLOW_TCP = 6, TSC_FLOW_UDP = 17 };

/* datagram's answer: the datagram begins the next connection on its 5-tuple. */
#define TSC_FLOW_NEW_CONN 1

/* A consumer's connection, opaque to the capture layer. */
struct tsc_flow_conn;

/* What the capture layer knows of a flow when it opens a connection on it. */
struct tsc_flow_info {
    uint64_t order;           /* order of first packet, from 1: release follows it */
    struct tsc_endpoint a, b; /* flow side 0 and side 1 (`side` in the calls below) */
    int64_t start_us;         /* time of the flow's first packet */
    uint8_t proto;            /* enum tsc_flow_proto */
    uint8_t saw_start;        /* TCP: a SYN was seen, the stream is whole from its first byte;
                                 UDP: always 1 */
    uint8_t client_side;      /* which side is likely the client: TCP the SYN's sender, else the
                                 higher port; UDP the sender of the first datagram */
    uint8_t client_known;     /* client_side comes from a SYN: fixed */
    /* UDP: the datagram this open is asked for (it is then handed to
     * `datagram` if the flow is accepted); TCP: NULL, 0 */
    const uint8_t *payload;
    size_t payload_len;
    uint8_t payload_side;     /* UDP: the side that sent it */
};

/* How long a UDP connection that is over still takes datagrams (its
 * peer's close, retransmissions): QUIC's draining period is three probe
 * timeouts (RFC 9000 10.2), a second or two on the Internet. */
#define TSC_FLOW_OVER_US ((int64_t)5 * 1000000)

struct tsc_flow_ops {
    /* ---- contexts ---- */
    /* One context per pipeline; `arg` is the factory's (needed only during
     * the call), `lim` the pipeline's limits with defaults filled in.
     * NULL: out of memory. */
    void *(*ctx_new)(const void *arg, const struct tsc_limits *lim);
    void (*ctx_free)(void *ctx);
    /* Build what contexts on several threads will share read-only; called
     * once before they start (read -j). May be NULL. */
    void (*prepare)(const void *arg);

    /* ---- a connection, in capture order ---- */
    struct tsc_flow_conn *(*open)(void *ctx, const struct tsc_flow_info *fi);
    void (*bytes)(void *ctx, struct tsc_flow_conn *c, int side, const uint8_t *p, size_t n, int64_t ts_us);
    void (*gap)(void *ctx, struct tsc_flow_conn *c, int side, uint64_t missing, int64_t ts_us);
    /* `n` bytes captured of a payload of `wire` bytes (n < wire: cut by the
     * snaplen). Returns TSC_FLOW_NEW_CONN if the datagram was not taken
     * because it begins a new connection, else 0. May be NULL when open
     * declines every UDP flow. */
    int (*datagram)(void *ctx, struct tsc_flow_conn *c, int side, const uint8_t *p, size_t n, size_t wire,
                    int64_t ts_us);
    void (*client)(void *ctx, struct tsc_flow_conn *c, int side);
    /* `kind` an enum tsc_kind (core/result.h), `why` a static string,
     * `detail` a number that goes with it (the flows in the table). */
    void (*error)(void *ctx, struct tsc_flow_conn *c, int kind, const char *why, uint64_t detail,
                  int64_t ts_us);
    void (*close)(void *ctx, struct tsc_flow_conn *c, int64_t ts_us);

    /* ---- questions ---- */
    /* Is this a connection the consumer reports (for TLS: it carried TLS)? */
    int (*reportable)(void *ctx, const struct tsc_flow_conn *c);
    /* Live capture: can it be reported before it closes (its handshake is done)? */
    int (*complete)(void *ctx, const struct tsc_flow_conn *c);
    /* UDP: is the connection over (a QUIC CONNECTION_CLOSE, a DTLS fatal
     * alert or close_notify)? Capture then ends it once TSC_FLOW_OVER_US of
     * the capture's time pass without it starting over, rather than at the
     * idle timeout: a file of many short connections is read in bounded
     * memory. NULL: never. */
    int (*over)(void *ctx, const struct tsc_flow_conn *c);

    /* ---- the end ---- */
    void (*release)(void *ctx, struct tsc_flow_conn *c, uint64_t ordinal);
    /* After release, or alone when the connection cannot be released (out of memory). */
    void (*free)(void *ctx, struct tsc_flow_conn *c);

    /* Bytes a connection holds at least: the pipeline's own memory estimate
     * (read -j, or a C library that cannot tell its heap) counts it. */
    size_t conn_size;
};

/* How a pipeline gets its consumer: ops->ctx_new(arg, lim). */
struct tsc_flow_factory {
    const struct tsc_flow_ops *ops;
    const void *arg;
};

#endif
