/*
 * parallel.h - `tlsscope read -j N`: flows sharded over N worker threads by
 * a keyed hash of the connection, output in the same order as with one
 * thread.
 *
 * The main thread reads the file, decodes each packet's headers to route it
 * (IP fragments are reassembled here first), and hands packets to the
 * workers through bounded single-producer rings, without copying. Each
 * worker runs its own pipeline (flows, reassembly, its own consumer) and passes
 * finished connections back; the main thread emits them in order of their
 * first packet, as soon as no worker can still produce an earlier one.
 * Caps (--max-flows, --max-memory) apply per worker, divided by N.
 */
#ifndef TSC_CAPTURE_PARALLEL_H
#define TSC_CAPTURE_PARALLEL_H

#include "capture/pipeline.h"
#include "capture/source.h"

#define TSC_PAR_MAX_WORKERS 64 /* read -j's bound */

/* Read `path` with `workers` threads, each pipeline's consumer made by
 * `fac` (whose ops->prepare runs first, before any thread starts). Returns
 * 0 when the file is not one tlsscope's own reader takes or the threads
 * could not be started (read it single-threaded then); 1 when read (res
 * says how); stats receives the totals. A consumer that relates
 * connections to each other (the TLS layer's session resumption without a
 * key log line) sees only those of its own worker. */
int tsc_parallel_read_file(const char *path, int workers, const struct tsc_limits *lim,
                           const struct tsc_flow_factory *fac, struct tsc_source_result *res,
                           struct tsc_pipeline_stats *stats, const struct tsc_source_secrets *secrets);

#endif
