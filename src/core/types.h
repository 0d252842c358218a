/*
 * types.h - the few plain types that the capture layer and the TLS layer
 * both speak: an endpoint, a direction, and the run's memory limits.
 *
 * They live here, at the bottom of the module graph, so that neither layer
 * has to include the other to name them.
 */
#ifndef TSC_CORE_TYPES_H
#define TSC_CORE_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* Direction of a connection's bytes: from the client, or from the server. */
enum tsc_dir { TSC_C2S = 0, TSC_S2C = 1 };

/* One end of a connection. */
struct tsc_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
};

/* What a run may hold in memory (--flow-buffer, --max-flows, --max-memory,
 * --idle-timeout); 0 in a field means its default. */
struct tsc_limits {
    size_t flow_buf_max;     /* per-flow buffering cap (record + message + TCP out-of-order) */
    size_t max_flows;        /* flows tracked at once */
    size_t max_memory;       /* flows, connections and buffered segments, in bytes */
    int64_t idle_timeout_us; /* a flow idle this long is closed; 0: never */
};
#define TSC_DEFAULT_FLOW_BUF_MAX ((size_t)1 << 20)
#define TSC_DEFAULT_MAX_FLOWS ((size_t)1 << 20)
#define TSC_DEFAULT_MAX_MEMORY ((size_t)1 << 30)
#define TSC_DEFAULT_IDLE_TIMEOUT_US ((int64_t)600 * 1000000)

#endif
