#include "core/hash.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                   \
    do {                                           \
        v0 += v1;                                  \
        v1 = ROTL(v1, 13);                         \
        v1 ^= v0;                                  \
        v0 = ROTL(v0, 32);                         \
        v2 += v3;                                  \
        v3 = ROTL(v3, 16);                         \
        v3 ^= v2;                                  \
        v0 += v3;                                  \
        v3 = ROTL(v3, 21);                         \
        v3 ^= v0;                                  \
        v2 += v1;                                  \
        v1 = ROTL(v1, 17);                         \
        v1 ^= v2;                                  \
        v2 = ROTL(v2, 32);                         \
    } while (0)

static uint64_t load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
#endif
}

uint64_t tsc_siphash(const struct tsc_hash_key *key, const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ key->k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ key->k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ key->k0;
    uint64_t v3 = 0x7465646279746573ULL ^ key->k1;
    size_t full = len - (len % 8);
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = ((uint64_t)len) << 56;
    size_t left = len & 7;
    for (size_t i = 0; i < left; i++)
        b |= ((uint64_t)in[full + i]) << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void tsc_hash_key_random(struct tsc_hash_key *key)
{
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        size_t got = fread(key, 1, sizeof *key, f);
        fclose(f);
        if (got == sizeof *key)
            return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    key->k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec;
    key->k1 = (uint64_t)(uintptr_t)key * 0xbf58476d1ce4e5b9ULL ^ (uint64_t)ts.tv_nsec;
}
