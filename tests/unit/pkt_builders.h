/*
 * pkt_builders.h - frames written by hand for the capture layer's tests:
 * Ethernet, IPv4 (with fragmentation fields), IPv6, UDP and TCP headers
 * around a payload. Lengths are filled in unless a test overrides them;
 * checksums are left zero (tlsscope does not verify them).
 * Include after <cmocka.h>.
 */
#ifndef TSC_TESTS_PKT_BUILDERS_H
#define TSC_TESTS_PKT_BUILDERS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PB_MAX 4096

struct pb {
    uint8_t b[PB_MAX];
    size_t len;
};

static inline void pb_u8(struct pb *f, uint32_t v)
{
    assert_true(f->len < PB_MAX);
    f->b[f->len++] = (uint8_t)v;
}

static inline void pb_u16(struct pb *f, uint32_t v)
{
    pb_u8(f, v >> 8);
    pb_u8(f, v);
}

static inline void pb_u32(struct pb *f, uint32_t v)
{
    pb_u16(f, v >> 16);
    pb_u16(f, v);
}

static inline void pb_raw(struct pb *f, const void *p, size_t n)
{
    assert_true(n <= PB_MAX - f->len);
    if (n)
        memcpy(f->b + f->len, p, n);
    f->len += n;
}

static inline void pb_patch16(struct pb *f, size_t at, uint32_t v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static inline void pb_ether(struct pb *f, uint16_t type)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    pb_raw(f, macs, sizeof macs);
    pb_u16(f, type);
}

/* An IPv4 header whose total length covers `payload` bytes after it;
 * `frag` is the flags|offset field (0x2000: more fragments). */
static inline void pb_ipv4(struct pb *f, const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t payload,
                           uint16_t id, uint16_t frag)
{
    pb_u8(f, 0x45);
    pb_u8(f, 0);
    pb_u16(f, (uint32_t)(20 + payload));
    pb_u16(f, id);
    pb_u16(f, frag);
    pb_u8(f, 64);
    pb_u8(f, proto);
    pb_u16(f, 0);
    pb_raw(f, src, 4);
    pb_raw(f, dst, 4);
}

static inline void pb_ipv6(struct pb *f, const uint8_t src[16], const uint8_t dst[16], uint8_t next, size_t payload)
{
    pb_u32(f, 0x60000000u);
    pb_u16(f, (uint32_t)payload);
    pb_u8(f, next);
    pb_u8(f, 64);
    pb_raw(f, src, 16);
    pb_raw(f, dst, 16);
}

/* A UDP header; len 0 here means "the header and `payload` bytes". */
static inline void pb_udp(struct pb *f, uint16_t sport, uint16_t dport, size_t payload, uint16_t len)
{
    pb_u16(f, sport);
    pb_u16(f, dport);
    pb_u16(f, len ? len : (uint32_t)(8 + payload));
    pb_u16(f, 0);
}

static inline void pb_tcp(struct pb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
    pb_u16(f, sport);
    pb_u16(f, dport);
    pb_u32(f, seq);
    pb_u32(f, ack);
    pb_u8(f, 5 << 4);
    pb_u8(f, flags);
    pb_u16(f, 65535);
    pb_u32(f, 0);
}

/* Ethernet / IPv4 / UDP around `n` bytes of payload. */
static inline void pb_udp4(struct pb *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                           const void *p, size_t n)
{
    f->len = 0;
    pb_ether(f, 0x0800);
    pb_ipv4(f, src, dst, 17, 8 + n, 1, 0);
    pb_udp(f, sport, dport, n, 0);
    pb_raw(f, p, n);
}

/* Ethernet / IPv4 / TCP around `n` bytes of payload. */
static inline void pb_tcp4(struct pb *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                           uint32_t seq, uint32_t ack, uint8_t flags, const void *p, size_t n)
{
    f->len = 0;
    pb_ether(f, 0x0800);
    pb_ipv4(f, src, dst, 6, 20 + n, 1, 0);
    pb_tcp(f, sport, dport, seq, ack, flags);
    pb_raw(f, p, n);
}

#endif
