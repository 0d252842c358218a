/*
 * test_packet.c - packet decoding (capture/packet.c), UDP above all: a
 * datagram over IPv4 and IPv6 with its ports and payload, one cut by the
 * snaplen, UDP lengths that contradict the IP length, a header cut short,
 * a datagram inside a VXLAN tunnel, GTP-U messages that are not tunnels, a
 * fragmented datagram reassembled, and TCP beside it (proto tells them
 * apart); IP carrying neither is its own status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "capture/packet.h"
#include "core/flow.h"
#include "pkt_builders.h"

static const uint8_t A4[4] = {10, 0, 0, 1}, B4[4] = {10, 0, 0, 2};
static const uint8_t PAYLOAD[] = "sixteen bytes!!";

static void udp_over_ipv4(void **state)
{
    (void)state;
    struct pb f;
    struct tsc_packet pk;
    pb_udp4(&f, A4, B4, 40000, 443, PAYLOAD, 16);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.proto, TSC_FLOW_UDP);
    assert_int_equal(pk.src.family, 4);
    assert_memory_equal(pk.src.addr, A4, 4);
    assert_memory_equal(pk.dst.addr, B4, 4);
    assert_int_equal(pk.src.port, 40000);
    assert_int_equal(pk.dst.port, 443);
    assert_int_equal(pk.payload_len, 16);
    assert_int_equal(pk.payload_wire, 16);
    assert_ptr_equal(pk.payload, f.b + 14 + 20 + 8);
}

static void udp_over_ipv6(void **state)
{
    (void)state;
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    struct pb f = {.len = 0};
    struct tsc_packet pk;
    pb_ether(&f, 0x86dd);
    pb_ipv6(&f, a, b, 17, 8 + 5);
    pb_udp(&f, 5353, 853, 5, 0);
    pb_raw(&f, "hello", 5);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.src.family, 6);
    assert_memory_equal(pk.src.addr, a, 16);
    assert_memory_equal(pk.dst.addr, b, 16);
    assert_int_equal(pk.src.port, 5353);
    assert_int_equal(pk.dst.port, 853);
    assert_int_equal(pk.payload_len, 5);
    assert_memory_equal(pk.payload, "hello", 5);
}

/* The snaplen cut the datagram: the payload captured is shorter than on the wire. */
static void udp_cut_by_snaplen(void **state)
{
    (void)state;
    struct pb f;
    struct tsc_packet pk;
    pb_udp4(&f, A4, B4, 40000, 443, PAYLOAD, 16);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len - 6, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.payload_len, 10);
    assert_int_equal(pk.payload_wire, 16);
    /* cut inside the UDP header: truncated, not malformed */
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, 14 + 20 + 5, &pk), TSC_PKT_TRUNCATED);
}

/* The UDP length bounds the datagram; one that contradicts the IP length is malformed. */
static void udp_lengths(void **state)
{
    (void)state;
    struct pb f;
    struct tsc_packet pk;
    /* UDP says 8 + 10: the last 6 bytes of the IP payload are padding */
    pb_udp4(&f, A4, B4, 40000, 443, PAYLOAD, 16);
    pb_patch16(&f, 14 + 20 + 4, 18);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.payload_len, 10);
    assert_int_equal(pk.payload_wire, 10);
    /* longer than the IP payload */
    pb_patch16(&f, 14 + 20 + 4, 8 + 17);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_MALFORMED);
    /* shorter than its own header */
    pb_patch16(&f, 14 + 20 + 4, 7);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_MALFORMED);
    /* 0 (a jumbogram's): the IP payload decides */
    pb_patch16(&f, 14 + 20 + 4, 0);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.payload_wire, 16);
}

/* VXLAN (UDP 4789) carries Ethernet: the datagram inside is the one decoded. */
static void udp_in_vxlan(void **state)
{
    (void)state;
    static const uint8_t c4[4] = {192, 168, 1, 1}, d4[4] = {192, 168, 1, 2};
    struct pb inner;
    pb_udp4(&inner, c4, d4, 50000, 4433, "dtls", 4);
    struct pb f = {.len = 0};
    struct tsc_packet pk;
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, A4, B4, 17, 8 + 8 + inner.len, 7, 0);
    pb_udp(&f, 61000, 4789, 8 + inner.len, 0);
    pb_u32(&f, 0x08000000u);
    pb_u32(&f, 0x00000100u);
    pb_raw(&f, inner.b, inner.len);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_UDP);
    assert_memory_equal(pk.src.addr, c4, 4);
    assert_memory_equal(pk.dst.addr, d4, 4);
    assert_int_equal(pk.src.port, 50000);
    assert_int_equal(pk.dst.port, 4433);
    assert_int_equal(pk.payload_len, 4);
    assert_memory_equal(pk.payload, "dtls", 4);
}

/* GTP-U: a G-PDU (type 255) is a tunnel; an echo request is a datagram of its own. */
static void gtp_u_messages(void **state)
{
    (void)state;
    static const uint8_t c4[4] = {172, 16, 0, 1}, d4[4] = {172, 16, 0, 2};
    struct pb inner;
    pb_tcp4(&inner, c4, d4, 40001, 443, 1000, 0, 0x02, NULL, 0);
    size_t ip_len = inner.len - 14;
    struct pb f = {.len = 0};
    struct tsc_packet pk;
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, A4, B4, 17, 8 + 8 + ip_len, 9, 0);
    pb_udp(&f, 2152, 2152, 8 + ip_len, 0);
    pb_u8(&f, 0x30);
    pb_u8(&f, 0xff);
    pb_u16(&f, (uint32_t)ip_len);
    pb_u32(&f, 1);
    pb_raw(&f, inner.b + 14, ip_len);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_TCP);
    assert_int_equal(pk.proto, TSC_FLOW_TCP);
    assert_int_equal(pk.dst.port, 443);
    assert_int_equal(pk.flags, 0x02);

    static const uint8_t echo[8] = {0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0};
    pb_udp4(&f, A4, B4, 2152, 2152, echo, sizeof echo);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.payload_len, sizeof echo);
    /* a GTP-U header cut short stays truncated, whatever its type */
    pb_udp4(&f, A4, B4, 2152, 2152, echo, 4);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_TRUNCATED);
}

/* Two IPv4 fragments of one UDP datagram: the first is a fragment, the
 * reassembled bytes decode as the datagram. */
static void udp_fragments(void **state)
{
    (void)state;
    uint8_t dgram[8 + 40];
    struct pb u = {.len = 0};
    uint8_t body[40];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    pb_udp(&u, 40000, 443, sizeof body, 0);
    pb_raw(&u, body, sizeof body);
    memcpy(dgram, u.b, u.len);

    struct pb f = {.len = 0};
    struct tsc_packet pk;
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, A4, B4, 17, 24, 77, 0x2000); /* offset 0, more fragments */
    pb_raw(&f, dgram, 24);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_FRAGMENT);
    assert_int_equal(pk.frag.proto, 17);
    assert_int_equal(pk.frag.offset, 0);
    assert_true(pk.frag.more);
    assert_int_equal(pk.frag.len, 24);

    f.len = 0;
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, A4, B4, 17, sizeof dgram - 24, 77, 24 / 8);
    pb_raw(&f, dgram + 24, sizeof dgram - 24);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_FRAGMENT);
    assert_int_equal(pk.frag.offset, 24);
    assert_false(pk.frag.more);

    struct tsc_fragment info = pk.frag;
    assert_int_equal(tsc_packet_decode_reassembled(&info, dgram, sizeof dgram, &pk), TSC_PKT_UDP);
    assert_int_equal(pk.src.port, 40000);
    assert_int_equal(pk.dst.port, 443);
    assert_memory_equal(pk.src.addr, A4, 4);
    assert_int_equal(pk.payload_len, sizeof body);
    assert_memory_equal(pk.payload, body, sizeof body);
}

static void tcp_and_other_protocols(void **state)
{
    (void)state;
    struct pb f;
    struct tsc_packet pk;
    pb_tcp4(&f, A4, B4, 40000, 443, 5, 6, 0x18, "abc", 3);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_TCP);
    assert_int_equal(pk.proto, TSC_FLOW_TCP);
    assert_int_equal(pk.seq, 5);
    assert_int_equal(pk.ack, 6);
    assert_int_equal(pk.payload_len, 3);
    /* ICMP */
    f.len = 0;
    pb_ether(&f, 0x0800);
    pb_ipv4(&f, A4, B4, 1, 8, 1, 0);
    pb_u32(&f, 0x08000000u);
    pb_u32(&f, 0);
    assert_int_equal(tsc_packet_decode(TSC_LINK_ETHERNET, f.b, f.len, &pk), TSC_PKT_OTHER_PROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_over_ipv4),
        cmocka_unit_test(udp_over_ipv6),
        cmocka_unit_test(udp_cut_by_snaplen),
        cmocka_unit_test(udp_lengths),
        cmocka_unit_test(udp_in_vxlan),
        cmocka_unit_test(gtp_u_messages),
        cmocka_unit_test(udp_fragments),
        cmocka_unit_test(tcp_and_other_protocols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
