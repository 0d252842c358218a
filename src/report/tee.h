/*
 * tee.h - one sink that hands every event and every connection to two sinks,
 * so one run makes two reports (the chosen format on stdout and --html's
 * page), each with its own analysis step and its own per-connection data.
 *
 * Contract
 *   A connection has one sink_data slot and one export_data slot
 *   (tls/session.h). The tee keeps a pair of each per connection (one small
 *   allocation, made at the connection's first event) in the connection's
 *   sink_data, and puts the right half in the slots for the duration of
 *   each call to a sink, so each sink sees the slots as if it were alone.
 *   Events of one connection come from one thread at a time (the session
 *   layer's contract), so the swap needs no lock.
 *
 *   When that allocation fails the tee drops the connection's events for
 *   both sinks (counted in tsc_tee_dropped) rather than give one sink's
 *   data to the other; emit and discard still reach both.
 */
#ifndef TSC_REPORT_TEE_H
#define TSC_REPORT_TEE_H

#include <stdint.h>

#include "tls/session.h"

struct tsc_tee;

/* A tee in front of a and b (both must outlive it); NULL when out of memory. */
struct tsc_tee *tsc_tee_new(const struct tsc_sink *a, const struct tsc_sink *b);
/* The sink to hand to the pipeline; valid as long as the tee. */
const struct tsc_sink *tsc_tee_sink(struct tsc_tee *t);
/* Events dropped because a connection's pair could not be allocated. */
uint64_t tsc_tee_dropped(const struct tsc_tee *t);
void tsc_tee_free(struct tsc_tee *t);

#endif
