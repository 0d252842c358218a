/*
 * test_packet_link.c - the link layers (capture/link.c) around one IPv4
 * TCP segment (and an IPv6 one): Linux NFLOG with its TLVs in either byte
 * order, 802.11 data frames (plain, QoS, four addresses, +HTC; what is not
 * read: protected, null, management, A-MSDU, fragments) bare and under
 * radiotap, PPI, AVS and Prism headers; BSD loopback with every address
 * family in both byte orders; IPNET, PFLOG, ERF (extension headers, record
 * length), Linux cooked SLL/SLL2 (LLC, netlink), Cisco HDLC, PPP with a
 * direction, PPPoE, IPoIB, netANALYZER, RFC 1483, PKTAP, 802.3 with LLC;
 * hostile headers (cut anywhere, lengths that contradict) with their exact
 * status; and the table of names behind the error for the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "capture/packet.h"
#include "core/flow.h"
#include "pkt_builders.h"

static const uint8_t A4[4] = {10, 0, 0, 1}, B4[4] = {10, 0, 0, 2};
static const uint8_t A6[16] = {0xfd, 0, [15] = 1}, B6[16] = {0xfd, 0, [15] = 2};
static const char DATA[] = "\x16\x03\x01 a TLS record";
#define DATA_LEN (sizeof DATA - 1)

/* ------------------------------------------------------------ builders */

static void le16(struct pb *f, uint32_t v)
{
    pb_u8(f, v);
    pb_u8(f, v >> 8);
}

static void le32(struct pb *f, uint32_t v)
{
    le16(f, v);
    le16(f, v >> 16);
}

static void zeros(struct pb *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pb_u8(f, 0);
}

/* An IPv4 packet: TCP 40000 -> 443 with DATA. */
static void ip4_tcp(struct pb *f)
{
    pb_ipv4(f, A4, B4, 6, 20 + DATA_LEN, 7, 0);
    pb_tcp(f, 40000, 443, 1000, 2000, 0x18);
    pb_raw(f, DATA, DATA_LEN);
}

static void ip6_tcp(struct pb *f)
{
    pb_ipv6(f, A6, B6, 6, 20 + DATA_LEN);
    pb_tcp(f, 40000, 443, 1000, 2000, 0x18);
    pb_raw(f, DATA, DATA_LEN);
}

/* The segment must come out whole, whatever wrapped it. */
static void expect_tcp(int link, const struct pb *f, int family)
{
    struct tsc_packet pk;
    assert_int_equal(tsc_packet_decode(link, f->b, f->len, &pk), TSC_PKT_TCP);
    assert_int_equal(pk.proto, TSC_FLOW_TCP);
    assert_int_equal(pk.src.family, family);
    assert_memory_equal(pk.src.addr, family == 4 ? A4 : A6, family == 4 ? 4 : 16);
    assert_int_equal(pk.src.port, 40000);
    assert_int_equal(pk.dst.port, 443);
    assert_int_equal(pk.seq, 1000);
    assert_int_equal(pk.payload_len, DATA_LEN);
    assert_memory_equal(pk.payload, DATA, DATA_LEN);
}

static enum tsc_pkt_status decode(int link, const struct pb *f)
{
    struct tsc_packet pk;
    return tsc_packet_decode(link, f->b, f->len, &pk);
}

/* Every prefix of a frame decodes to some status without reading past it
 * (ASan watches), and cut before the IP header it is never TCP. */
static void every_prefix(int link, const struct pb *f, size_t ip_at)
{
    uint8_t copy[PB_MAX];
    for (size_t n = 0; n < f->len; n++) {
        struct tsc_packet pk;
        memcpy(copy, f->b, n);
        enum tsc_pkt_status st = tsc_packet_decode(link, copy, n, &pk);
        assert_true(st <= TSC_PKT_LINK_UNSUPPORTED);
        if (n < ip_at + 20)
            assert_true(st != TSC_PKT_TCP);
    }
}

/* ------------------------------------------------------------ NFLOG */

/* One TLV: length (with its header) and type in the byte order asked, the value, padding. */
static void tlv(struct pb *f, int big, uint16_t type, const void *v, size_t n)
{
    if (big) {
        pb_u16(f, (uint32_t)(4 + n));
        pb_u16(f, type);
    } else {
        le16(f, (uint32_t)(4 + n));
        le16(f, type);
    }
    pb_raw(f, v, n);
    zeros(f, (4 - n % 4) % 4);
}

/* What tcpdump -i nflog:N writes: header, PACKET_HDR, MARK, PREFIX (odd
 * length, padded), then PAYLOAD. */
static void nflog_frame(struct pb *f, int big, uint8_t family, const struct pb *ip)
{
    static const uint8_t hdr[4] = {0x08, 0x00, 3, 0}, mark[4] = {0, 0, 0, 1};
    f->len = 0;
    pb_u8(f, family);
    pb_u8(f, 0);
    pb_u16(f, 5);
    tlv(f, big, 1, hdr, 4);
    tlv(f, big, 2, mark, 4);
    tlv(f, big, 10, "tls", 4);
    tlv(f, big, 9, ip->b, ip->len);
}

static void nflog_both_byte_orders(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, ip6 = {.len = 0}, f;
    ip4_tcp(&ip);
    ip6_tcp(&ip6);
    for (int big = 0; big < 2; big++) {
        nflog_frame(&f, big, 2, &ip);
        expect_tcp(TSC_LINK_NFLOG, &f, 4);
        nflog_frame(&f, big, 10, &ip6);
        expect_tcp(TSC_LINK_NFLOG, &f, 6);
        /* a bridge log: the family says nothing, PACKET_HDR's ethertype does */
        nflog_frame(&f, big, 7, &ip);
        expect_tcp(TSC_LINK_NFLOG, &f, 4);
        every_prefix(TSC_LINK_NFLOG, &f, 4 + 8 + 8 + 8 + 4);
    }
}

static void nflog_hostile(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, f = {.len = 0};
    ip4_tcp(&ip);
    /* logged without its packet (--nflog-size 0): no payload TLV */
    f.len = 0;
    pb_raw(&f, "\x02\x00\x00\x05", 4);
    tlv(&f, 0, 1, "\x08\x00\x03\x00", 4);
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_NOT_IP);
    /* a TLV length below its own header, in both byte orders */
    f.len = 0;
    pb_raw(&f, "\x02\x00\x00\x05", 4);
    pb_raw(&f, "\x02\x00\x09\x00", 4);
    pb_raw(&f, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_MALFORMED);
    /* a type no kernel writes in either order */
    f.len = 0;
    pb_raw(&f, "\x02\x00\x00\x05", 4);
    pb_raw(&f, "\x08\x00\x77\x77", 4);
    pb_raw(&f, "\0\0\0\0", 4);
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_MALFORMED);
    /* a TLV before the payload that overruns the packet: cut, in both orders */
    f.len = 0;
    pb_raw(&f, "\x02\x00\x00\x05", 4);
    le16(&f, 400);
    le16(&f, 10);
    pb_raw(&f, "abcd", 4);
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_TRUNCATED);
    /* the payload TLV cut by the snaplen: the segment is read as far as it was captured */
    nflog_frame(&f, 0, 2, &ip);
    struct tsc_packet pk;
    assert_int_equal(tsc_packet_decode(TSC_LINK_NFLOG, f.b, f.len - 5, &pk), TSC_PKT_TCP);
    assert_int_equal(pk.payload_len, DATA_LEN - 5);
    assert_int_equal(pk.payload_wire, DATA_LEN);
    /* an unknown version, a family that is not IP without PACKET_HDR */
    nflog_frame(&f, 0, 2, &ip);
    f.b[1] = 1;
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_NOT_IP);
    f.len = 0;
    pb_raw(&f, "\x07\x00\x00\x05", 4);
    tlv(&f, 0, 9, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_NOT_IP);
    /* the family says IPv6, the payload is IPv4: the IP layer refuses it */
    nflog_frame(&f, 0, 10, &ip);
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_MALFORMED);
    /* the header itself cut */
    f.len = 3;
    assert_int_equal(decode(TSC_LINK_NFLOG, &f), TSC_PKT_TRUNCATED);
}

/* ------------------------------------------------------------ 802.11 */

/* An 802.11 data frame carrying `ip` in LLC/SNAP: fc0 = subtype<<4 | type<<2, fc1 = flags. */
static void wlan(struct pb *f, uint8_t fc0, uint8_t fc1, int qos_amsdu, const struct pb *ip, int datapad)
{
    size_t start = f->len;
    pb_u8(f, fc0);
    pb_u8(f, fc1);
    le16(f, 44); /* duration */
    for (int a = 0; a < 3; a++)
        pb_raw(f, "\x02\x00\x00\x00\x00\x01", 6);
    le16(f, 0x1230); /* sequence 0x123, fragment 0 */
    if ((fc1 & 3) == 3)
        pb_raw(f, "\x02\x00\x00\x00\x00\x04", 6);
    if (fc0 & 0x80) {
        le16(f, qos_amsdu ? 0x0080 : 0x0005);
        if (fc1 & 0x80)
            le32(f, 0);
    }
    if (datapad)
        zeros(f, (4 - (f->len - start) % 4) % 4);
    pb_raw(f, "\xaa\xaa\x03\x00\x00\x00", 6);
    pb_u16(f, ip->b[0] >> 4 == 6 ? 0x86dd : 0x0800);
    pb_raw(f, ip->b, ip->len);
}

static void wlan_data_frames(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, ip6 = {.len = 0}, f;
    ip4_tcp(&ip);
    ip6_tcp(&ip6);
    /* data, To DS */
    f.len = 0;
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    expect_tcp(TSC_LINK_IEEE802_11, &f, 4);
    every_prefix(TSC_LINK_IEEE802_11, &f, 24 + 8);
    /* QoS data, From DS, IPv6 */
    f.len = 0;
    wlan(&f, 0x88, 0x02, 0, &ip6, 0);
    expect_tcp(TSC_LINK_IEEE802_11, &f, 6);
    /* QoS data between access points (four addresses) with HT Control */
    f.len = 0;
    wlan(&f, 0x88, 0x83, 0, &ip, 0);
    expect_tcp(TSC_LINK_IEEE802_11, &f, 4);
    /* not read: protected and not decrypted, QoS Null, a beacon, an A-MSDU */
    f.len = 0;
    wlan(&f, 0x08, 0x41, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    f.len = 0;
    wlan(&f, 0xc8, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    f.len = 0;
    wlan(&f, 0x80, 0x00, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    f.len = 0;
    wlan(&f, 0x88, 0x01, 1, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    /* the first fragment of an MSDU (more fragments), and a later one */
    f.len = 0;
    wlan(&f, 0x08, 0x05, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    f.len = 0;
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    f.b[22] = 0x31;
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    /* SNAP with an OUI that is not an ethertype's */
    f.len = 0;
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    f.b[24 + 5] = 0x0c;
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
    /* protocol version 1 (802.11ah short frames) */
    f.len = 0;
    wlan(&f, 0x09, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11, &f), TSC_PKT_NOT_IP);
}

/* A radiotap header: TSFT and Flags present (with an extended bitmap when asked). */
static void radiotap_hdr(struct pb *f, uint8_t flags, int extended)
{
    size_t len = extended ? 8 + 4 + 4 + 8 + 1 : 8 + 8 + 1;
    f->len = 0;
    pb_u8(f, 0);
    pb_u8(f, 0);
    le16(f, (uint32_t)len);
    le32(f, extended ? 0x80000003u : 0x00000003u);
    if (extended)
        le32(f, 0x00000000u);
    if (extended)
        zeros(f, 4); /* TSFT aligned to 8 from the header's start */
    le32(f, 0x11111111u);
    le32(f, 0x22222222u);
    pb_u8(f, flags);
}

static void radiotap_frames(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, f;
    ip4_tcp(&ip);
    radiotap_hdr(&f, 0, 0);
    wlan(&f, 0x88, 0x01, 0, &ip, 0);
    expect_tcp(TSC_LINK_IEEE802_11_RADIOTAP, &f, 4);
    every_prefix(TSC_LINK_IEEE802_11_RADIOTAP, &f, 17 + 26 + 8);
    /* an extended presence bitmap; the header padded to 4 before the body */
    radiotap_hdr(&f, 0x20, 1);
    wlan(&f, 0x88, 0x01, 0, &ip, 1);
    expect_tcp(TSC_LINK_IEEE802_11_RADIOTAP, &f, 4);
    /* the FCS at the end is not payload (seen with an IPv4 total length of 0: offload) */
    struct pb tso = ip;
    pb_patch16(&tso, 2, 0);
    radiotap_hdr(&f, 0x10, 0);
    wlan(&f, 0x88, 0x01, 0, &tso, 0);
    pb_u32(&f, 0xdeadbeef);
    expect_tcp(TSC_LINK_IEEE802_11_RADIOTAP, &f, 4);
    /* received with a bad FCS: damage */
    radiotap_hdr(&f, 0x40, 0);
    wlan(&f, 0x88, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11_RADIOTAP, &f), TSC_PKT_MALFORMED);
    /* a header length below 8, a version that is not 0, Flags past the header, a bitmap that never ends */
    radiotap_hdr(&f, 0, 0);
    f.b[2] = 7;
    assert_int_equal(decode(TSC_LINK_IEEE802_11_RADIOTAP, &f), TSC_PKT_MALFORMED);
    radiotap_hdr(&f, 0, 0);
    f.b[0] = 1;
    assert_int_equal(decode(TSC_LINK_IEEE802_11_RADIOTAP, &f), TSC_PKT_MALFORMED);
    radiotap_hdr(&f, 0, 0);
    f.b[2] = 16;
    wlan(&f, 0x88, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11_RADIOTAP, &f), TSC_PKT_MALFORMED);
    f.len = 0;
    pb_raw(&f, "\x00\x00\x0c\x00\xff\xff\xff\xff\xff\xff\xff\xff", 12);
    wlan(&f, 0x88, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_IEEE802_11_RADIOTAP, &f), TSC_PKT_MALFORMED);
    /* a header longer than what was captured */
    f.len = 0;
    pb_raw(&f, "\x00\x00\x00\x01\x00\x00\x00\x00", 8);
    assert_int_equal(decode(TSC_LINK_IEEE802_11_RADIOTAP, &f), TSC_PKT_TRUNCATED);
}

/* A PPI header with one 802.11-Common field (flags given) and the link type of what follows. */
static void ppi_hdr(struct pb *f, uint32_t dlt, uint16_t common_flags, int aligned)
{
    f->len = 0;
    pb_u8(f, 0);
    pb_u8(f, aligned ? 1 : 0);
    le16(f, aligned ? 8 + 4 + 20 + 4 + 3 + 1 : 8 + 4 + 20);
    le32(f, dlt);
    if (aligned) {
        le16(f, 30000); /* a vendor field of 3 bytes, padded to 4 */
        le16(f, 3);
        pb_raw(f, "xyz\0", 4);
    }
    le16(f, 2);
    le16(f, 20);
    zeros(f, 8);
    le16(f, common_flags);
    zeros(f, 10);
}

static void ppi_frames(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, f;
    ip4_tcp(&ip);
    ppi_hdr(&f, 105, 0, 0);
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    expect_tcp(TSC_LINK_PPI, &f, 4);
    every_prefix(TSC_LINK_PPI, &f, 32 + 24 + 8);
    ppi_hdr(&f, 105, 0, 1);
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    expect_tcp(TSC_LINK_PPI, &f, 4);
    /* FCS present: not payload */
    struct pb tso = ip;
    pb_patch16(&tso, 2, 0);
    ppi_hdr(&f, 105, 0x0001, 0);
    wlan(&f, 0x08, 0x01, 0, &tso, 0);
    pb_u32(&f, 0xdeadbeef);
    expect_tcp(TSC_LINK_PPI, &f, 4);
    /* FCS invalid */
    ppi_hdr(&f, 105, 0x0005, 0);
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_PPI, &f), TSC_PKT_MALFORMED);
    /* Ethernet under PPI */
    ppi_hdr(&f, 1, 0, 0);
    pb_ether(&f, 0x0800);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_PPI, &f, 4);
    /* PPI inside PPI is not followed */
    struct pb inner;
    ppi_hdr(&inner, 1, 0, 0);
    pb_ether(&inner, 0x0800);
    pb_raw(&inner, ip.b, ip.len);
    ppi_hdr(&f, 192, 0, 0);
    pb_raw(&f, inner.b, inner.len);
    assert_int_equal(decode(TSC_LINK_PPI, &f), TSC_PKT_NOT_IP);
    /* a field longer than the header */
    ppi_hdr(&f, 105, 0, 0);
    f.b[8 + 2] = 200;
    wlan(&f, 0x08, 0x01, 0, &ip, 0);
    assert_int_equal(decode(TSC_LINK_PPI, &f), TSC_PKT_MALFORMED);
}

static void avs_and_prism(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, f = {.len = 0};
    ip4_tcp(&ip);
    pb_u32(&f, 0x80211001u);
    pb_u32(&f, 64);
    zeros(&f, 56);
    wlan(&f, 0x08, 0x02, 0, &ip, 0);
    expect_tcp(TSC_LINK_IEEE802_11_AVS, &f, 4);
    f.len = 0;
    le32(&f, 0x44);
    le32(&f, 144);
    zeros(&f, 136);
    wlan(&f, 0x08, 0x02, 0, &ip, 0);
    expect_tcp(TSC_LINK_IEEE802_11_PRISM, &f, 4);
    every_prefix(TSC_LINK_IEEE802_11_PRISM, &f, 144 + 32);
    f.len = 0;
    le32(&f, 0x44);
    le32(&f, 4);
    zeros(&f, 8);
    assert_int_equal(decode(TSC_LINK_IEEE802_11_PRISM, &f), TSC_PKT_MALFORMED);
}

/* ------------------------------------------------------------ loopback, logs, ERF */

static void null_loop_families(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, ip6 = {.len = 0}, f;
    ip4_tcp(&ip);
    ip6_tcp(&ip6);
    static const uint32_t v6[] = {10, 24, 28, 30};
    for (int link = 0; link < 2; link++) {
        int lt = link ? TSC_LINK_LOOP : TSC_LINK_NULL;
        for (int big = 0; big < 2; big++) {
            f.len = 0;
            big ? pb_u32(&f, 2) : le32(&f, 2);
            pb_raw(&f, ip.b, ip.len);
            expect_tcp(lt, &f, 4);
            for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
                f.len = 0;
                big ? pb_u32(&f, v6[i]) : le32(&f, v6[i]);
                pb_raw(&f, ip6.b, ip6.len);
                expect_tcp(lt, &f, 6);
            }
            /* AF_IPX: not IP, whatever follows */
            f.len = 0;
            big ? pb_u32(&f, 23) : le32(&f, 23);
            pb_raw(&f, ip.b, ip.len);
            assert_int_equal(decode(lt, &f), TSC_PKT_NOT_IP);
        }
        f.len = 3;
        assert_int_equal(decode(lt, &f), TSC_PKT_TRUNCATED);
    }
}

static void ipnet_and_pflog(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, ip6 = {.len = 0}, f = {.len = 0};
    ip4_tcp(&ip);
    ip6_tcp(&ip6);
    /* IPNET: version 1, family, hook, packet length, ifindex, group ifindex, zones */
    pb_u8(&f, 1);
    pb_u8(&f, 2);
    pb_u16(&f, 0);
    pb_u32(&f, (uint32_t)ip.len);
    zeros(&f, 16);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_IPNET, &f, 4);
    every_prefix(TSC_LINK_IPNET, &f, 24);
    f.b[1] = 26;
    memcpy(f.b + 24, ip6.b, ip6.len);
    f.len = 24 + ip6.len;
    expect_tcp(TSC_LINK_IPNET, &f, 6);
    f.b[1] = 25;
    assert_int_equal(decode(TSC_LINK_IPNET, &f), TSC_PKT_NOT_IP);

    /* PFLOG: length 61 (the packet at 64), AF_INET; OpenBSD's AF_INET6 (24) */
    f.len = 0;
    pb_u8(&f, 61);
    pb_u8(&f, 2);
    zeros(&f, 62);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_PFLOG, &f, 4);
    every_prefix(TSC_LINK_PFLOG, &f, 64);
    f.b[1] = 24;
    memcpy(f.b + 64, ip6.b, ip6.len);
    f.len = 64 + ip6.len;
    expect_tcp(TSC_LINK_PFLOG, &f, 6);
    f.b[0] = 44;
    assert_int_equal(decode(TSC_LINK_PFLOG, &f), TSC_PKT_MALFORMED);
}

/* An ERF record header: type (with 0x80 for extension headers), record length. */
static void erf_hdr(struct pb *f, uint8_t type, size_t rlen)
{
    f->len = 0;
    le32(f, 0x12345678u);
    le32(f, 0x5f000000u);
    pb_u8(f, type);
    pb_u8(f, 0x04);
    pb_u16(f, (uint32_t)rlen);
    pb_u16(f, 0);
    pb_u16(f, (uint32_t)rlen);
}

static void erf_records(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, ip6 = {.len = 0}, f;
    ip4_tcp(&ip);
    ip6_tcp(&ip6);
    /* Ethernet with two extension headers */
    erf_hdr(&f, 0x80 | 2, 16 + 16 + 2 + 14 + ip.len);
    pb_u32(&f, 0x83000000u); /* another follows */
    pb_u32(&f, 0);
    pb_u32(&f, 0x04000000u);
    pb_u32(&f, 0);
    pb_u16(&f, 0); /* offset, pad */
    pb_ether(&f, 0x0800);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_ERF, &f, 4);
    every_prefix(TSC_LINK_ERF, &f, 16 + 16 + 2 + 14);
    /* an extension header chain that runs off the record */
    erf_hdr(&f, 0x80 | 2, 16 + 8);
    pb_u32(&f, 0x83000000u);
    pb_u32(&f, 0);
    pb_raw(&f, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_ERF, &f), TSC_PKT_TRUNCATED);
    /* IPv4 and IPv6 records */
    erf_hdr(&f, 22, 16 + ip.len);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_ERF, &f, 4);
    erf_hdr(&f, 23, 16 + ip6.len);
    pb_raw(&f, ip6.b, ip6.len);
    expect_tcp(TSC_LINK_ERF, &f, 6);
    /* PPP over SONET */
    erf_hdr(&f, 1, 16 + 4 + ip.len);
    pb_raw(&f, "\xff\x03\x00\x21", 4);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_ERF, &f, 4);
    /* the record length bounds the record: here it ends inside the TCP header */
    erf_hdr(&f, 22, 16 + 30);
    pb_raw(&f, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_ERF, &f), TSC_PKT_TRUNCATED);
    /* shorter than its own header; a type that carries no IP (ATM) */
    erf_hdr(&f, 22, 15);
    pb_raw(&f, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_ERF, &f), TSC_PKT_MALFORMED);
    erf_hdr(&f, 3, 16 + ip.len);
    pb_raw(&f, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_ERF, &f), TSC_PKT_NOT_IP);
}

/* ------------------------------------------------------------ cooked, HDLC, the rest */

static void linux_cooked(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, ip6 = {.len = 0}, f = {.len = 0};
    ip4_tcp(&ip);
    ip6_tcp(&ip6);
    /* SLL: packet type, ARPHRD_ETHER, address length, address, protocol 0x0004 (802.2) */
    pb_u16(&f, 0);
    pb_u16(&f, 1);
    pb_u16(&f, 6);
    zeros(&f, 8);
    pb_u16(&f, 0x0004);
    pb_raw(&f, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_LINUX_SLL, &f, 4);
    every_prefix(TSC_LINK_LINUX_SLL, &f, 16 + 8);
    /* the same on a netlink monitor (ARPHRD_NETLINK): a netlink family, not an ethertype */
    pb_patch16(&f, 2, 824);
    pb_patch16(&f, 14, 0x0800);
    memcpy(f.b + 16, ip.b, ip.len);
    f.len = 16 + ip.len;
    assert_int_equal(decode(TSC_LINK_LINUX_SLL, &f), TSC_PKT_NOT_IP);
    /* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address */
    f.len = 0;
    pb_u16(&f, 0x86dd);
    pb_u16(&f, 0);
    pb_u32(&f, 3);
    pb_u16(&f, 1);
    pb_u8(&f, 4);
    pb_u8(&f, 6);
    zeros(&f, 8);
    pb_raw(&f, ip6.b, ip6.len);
    expect_tcp(TSC_LINK_LINUX_SLL2, &f, 6);
    every_prefix(TSC_LINK_LINUX_SLL2, &f, 20);
    /* SLL2 on a GRE device (ARPHRD_IPGRE) carrying Ethernet (0x6558) */
    f.len = 0;
    pb_u16(&f, 0x6558);
    pb_u16(&f, 0);
    pb_u32(&f, 3);
    pb_u16(&f, 778);
    pb_u8(&f, 0);
    pb_u8(&f, 0);
    zeros(&f, 8);
    pb_ether(&f, 0x0800);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_LINUX_SLL2, &f, 4);
}

static void hdlc_ppp_and_others(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, f = {.len = 0};
    ip4_tcp(&ip);
    pb_raw(&f, "\x0f\x00\x08\x00", 4);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_C_HDLC, &f, 4);
    f.len = 0;
    pb_raw(&f, "\x01\x8f\x00\x08\x00", 5);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_C_HDLC_WITH_DIR, &f, 4);
    f.len = 0;
    pb_raw(&f, "\x00\xff\x03\x00\x21", 5);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_PPP_WITH_DIR, &f, 4);
    /* PPPoE session: version/type, code, session, length, PPP protocol */
    f.len = 0;
    pb_raw(&f, "\x11\x00\x00\x07", 4);
    pb_u16(&f, (uint32_t)(2 + ip.len));
    pb_u16(&f, 0x0021);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_PPP_ETHER, &f, 4);
    /* IPoIB: ethertype, reserved */
    f.len = 0;
    pb_raw(&f, "\x08\x00\x00\x00", 4);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_IPOIB, &f, 4);
    /* netANALYZER: a status header, then Ethernet; transparent mode adds the preamble and SFD */
    f.len = 0;
    zeros(&f, 4);
    pb_ether(&f, 0x0800);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_NETANALYZER, &f, 4);
    f.len = 0;
    zeros(&f, 4);
    pb_raw(&f, "\x55\x55\x55\x55\x55\x55\x55\xd5", 8);
    pb_ether(&f, 0x0800);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_NETANALYZER_TRANSPARENT, &f, 4);
    /* RFC 1483: LLC/SNAP, under either number */
    f.len = 0;
    pb_raw(&f, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_ATM_RFC1483, &f, 4);
    expect_tcp(TSC_LINK_ATM_RFC1483_DLT, &f, 4);
    /* PKTAP: header length 108, record type, DLT_EN10MB, ..., then Ethernet */
    f.len = 0;
    le32(&f, 108);
    le32(&f, 1);
    le32(&f, 1);
    zeros(&f, 96);
    pb_ether(&f, 0x0800);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_PKTAP, &f, 4);
    every_prefix(TSC_LINK_PKTAP, &f, 108 + 14);
    f.b[8] = 0x02; /* PKTAP (258) in PKTAP: not followed */
    f.b[9] = 0x01;
    assert_int_equal(decode(TSC_LINK_PKTAP, &f), TSC_PKT_NOT_IP);
}

/* Ethernet frames with a length (802.3) and LLC: SNAP, and IP's own SAP. */
static void ieee8023_llc(void **state)
{
    (void)state;
    struct pb ip = {.len = 0}, f = {.len = 0};
    ip4_tcp(&ip);
    pb_ether(&f, (uint16_t)(8 + ip.len));
    pb_raw(&f, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
    pb_raw(&f, ip.b, ip.len);
    pb_u32(&f, 0); /* padding or FCS after the length */
    expect_tcp(TSC_LINK_ETHERNET, &f, 4);
    f.len = 0;
    pb_ether(&f, (uint16_t)(3 + ip.len));
    pb_raw(&f, "\x06\x06\x03", 3);
    pb_raw(&f, ip.b, ip.len);
    expect_tcp(TSC_LINK_ETHERNET, &f, 4);
    /* a length too short for the headers it holds, the whole frame captured */
    f.len = 0;
    pb_ether(&f, 8 + 30);
    pb_raw(&f, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
    pb_raw(&f, ip.b, ip.len);
    assert_int_equal(decode(TSC_LINK_ETHERNET, &f), TSC_PKT_MALFORMED);
    /* spanning tree (SAP 0x42) */
    f.len = 0;
    pb_ether(&f, 38);
    pb_raw(&f, "\x42\x42\x03", 3);
    zeros(&f, 35);
    assert_int_equal(decode(TSC_LINK_ETHERNET, &f), TSC_PKT_NOT_IP);
}

/* ------------------------------------------------------------ names */

static void link_names(void **state)
{
    (void)state;
    char list[512], msg[512];
    assert_string_equal(tsc_link_name(147), "USER0");
    assert_string_equal(tsc_link_name(239), "NFLOG");
    assert_string_equal(tsc_link_name(60000), "unknown");
    assert_false(tsc_link_supported(147));
    assert_false(tsc_link_supported(189)); /* USB */
    static const int read_here[] = {
        TSC_LINK_NULL, TSC_LINK_ETHERNET, TSC_LINK_PPP, TSC_LINK_RAW, TSC_LINK_RAW_ALT, TSC_LINK_LOOP,
        TSC_LINK_LINUX_SLL, TSC_LINK_LINUX_SLL2, TSC_LINK_IPV4, TSC_LINK_IPV6, TSC_LINK_PPP_HDLC,
        TSC_LINK_PPP_ETHER, TSC_LINK_ATM_RFC1483, TSC_LINK_ATM_RFC1483_DLT, TSC_LINK_C_HDLC, TSC_LINK_IEEE802_11,
        TSC_LINK_PFLOG, TSC_LINK_IEEE802_11_PRISM, TSC_LINK_IEEE802_11_RADIOTAP, TSC_LINK_IEEE802_11_AVS,
        TSC_LINK_PPI, TSC_LINK_ERF, TSC_LINK_PPP_WITH_DIR, TSC_LINK_C_HDLC_WITH_DIR, TSC_LINK_IPNET,
        TSC_LINK_NFLOG, TSC_LINK_NETANALYZER, TSC_LINK_NETANALYZER_TRANSPARENT, TSC_LINK_IPOIB, TSC_LINK_PKTAP,
    };
    uint8_t junk[64];
    memset(junk, 0x5a, sizeof junk);
    for (size_t i = 0; i < sizeof read_here / sizeof read_here[0]; i++) {
        struct tsc_packet pk;
        assert_true(tsc_link_supported(read_here[i]));
        assert_string_not_equal(tsc_link_name(read_here[i]), "unknown");
        /* supported, and decoded: never "unsupported" */
        assert_int_not_equal(tsc_packet_decode(read_here[i], junk, sizeof junk, &pk), TSC_PKT_LINK_UNSUPPORTED);
    }
    struct tsc_packet pk;
    assert_int_equal(tsc_packet_decode(147, junk, sizeof junk, &pk), TSC_PKT_LINK_UNSUPPORTED);
    tsc_link_supported_list(list, sizeof list);
    assert_memory_equal(list, "Ethernet, ", 10);
    assert_non_null(strstr(list, "Linux NFLOG"));
    assert_non_null(strstr(list, "802.11"));
    assert_non_null(strstr(list, "ERF"));
    tsc_link_unsupported_message(147, msg, sizeof msg);
    assert_memory_equal(msg, "link type 147 (USER0) is not supported: tlsscope reads Ethernet, ", 65);
    assert_null(strchr(msg, '\n'));
    /* a small buffer: cut, still a string */
    tsc_link_supported_list(list, 12);
    assert_string_equal(list, "Ethernet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nflog_both_byte_orders),
        cmocka_unit_test(nflog_hostile),
        cmocka_unit_test(wlan_data_frames),
        cmocka_unit_test(radiotap_frames),
        cmocka_unit_test(ppi_frames),
        cmocka_unit_test(avs_and_prism),
        cmocka_unit_test(null_loop_families),
        cmocka_unit_test(ipnet_and_pflog),
        cmocka_unit_test(erf_records),
        cmocka_unit_test(linux_cooked),
        cmocka_unit_test(hdlc_ppp_and_others),
        cmocka_unit_test(ieee8023_llc),
        cmocka_unit_test(link_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
