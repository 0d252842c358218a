/*
 * test_frame_dtls.c - which datagrams start DTLS (tsc_dtls_datagram_plausible),
 * on real first bytes: a ClientHello, one cut by the snaplen, a capture
 * begun inside an AnyConnect session (the pre-RFC 0x0100), and the
 * protocols that share the first-byte range and must not be taken: LLMNR
 * queries from mercury's emix.pcap, STUN, and a record followed by bytes
 * that are no record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "hex_vectors.h"
#include "tls/session.h"

static int plausible_hex(const char *hex)
{
    uint8_t b[512];
    size_t n = unhex(hex, b, sizeof b);
    return tsc_dtls_datagram_plausible(b, n);
}

/* record header (type 22, DTLS 1.2, epoch 0, seq 0, length 0x0018) + a
 * ClientHello fragment header (length 12, seq 0, offset 0, fragment 12) + 12 bytes */
#define CH_RECORD "16fefd000000000000000000180100000c000000000000000c" "fefd00010203040506070809"

static void test_client_hello_starts_dtls(void **state)
{
    (void)state;
    assert_true(plausible_hex(CH_RECORD));
    /* cut by the snaplen inside its body: still the start of a handshake */
    assert_true(plausible_hex("16fefd000000000000000000180100000c000000000000000c" "fefd0001"));
    /* a ClientHello fragment that claims more than its record holds */
    assert_false(plausible_hex("16fefd000000000000000000180100000c000000000000002c" "fefd00010203040506070809"));
    /* a handshake record that starts with a Finished (type 20): not a start */
    assert_false(plausible_hex("16fefd000000000000000000181400000c000000000000000c" "fefd00010203040506070809"));
}

static void test_midway_starts_dtls(void **state)
{
    (void)state;
    /* application data, epoch 1, DTLS 1.2, 8 bytes: exactly one record */
    assert_true(plausible_hex("17fefd0001000000000001" "0008" "0011223344556677"));
    /* the same from Cisco AnyConnect's pre-RFC DTLS (nDPI dtls_mid_sessions.pcapng) */
    assert_true(plausible_hex("170100000100000000d415" "0008" "0011223344556677"));
    /* two records back to back */
    assert_true(plausible_hex("17fefd0001000000000001" "0002" "0011" "15fefd0001000000000002" "0002" "0100"));
    /* a record and then bytes that are not one */
    assert_false(plausible_hex("17fefd0001000000000001" "0002" "0011" "00000100"));
    /* a record that runs past the datagram, not a handshake: not taken */
    assert_false(plausible_hex("17fefd0001000000000001" "0010" "0011"));
    /* epoch 0 application data cannot begin a capture's view of DTLS */
    assert_false(plausible_hex("17fefd0000000000000001" "0002" "0011"));
}

static void test_other_protocols_are_not_dtls(void **state)
{
    (void)state;
    /* LLMNR queries whose transaction ID starts 0x18 0x01 / 0x3b 0xa4 */
    assert_false(plausible_hex("180100000001000000000000066973617461700000010001"));
    assert_false(plausible_hex("3ba400000001000000000000066973617461700000010001"));
    assert_false(plausible_hex("2d40000000010000000000000a57494e444f5753372d330000ff0001"));
    /* a STUN binding request (first byte 0x00) */
    assert_false(plausible_hex("000100002112a442b7e7a701bc34d686fa87dfae"));
    /* too short for a header */
    assert_false(plausible_hex("16fefd0000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello_starts_dtls),
        cmocka_unit_test(test_midway_starts_dtls),
        cmocka_unit_test(test_other_protocols_are_not_dtls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
