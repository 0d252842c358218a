/*
 * hash.h - SipHash-2-4, the keyed hash of the flow table.
 *
 * A keyed hash keeps an attacker who crafts a capture from colliding every
 * flow into one bucket (nDPI's additive hash is the counter-example).
 */
#ifndef TSC_CORE_HASH_H
#define TSC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

struct tsc_hash_key {
    uint64_t k0, k1;
};

uint64_t tsc_siphash(const struct tsc_hash_key *key, const void *data, size_t len);
/* A key from the system's random source (falls back to time and address). */
void tsc_hash_key_random(struct tsc_hash_key *key);

#endif
