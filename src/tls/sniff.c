/*
 * sniff.c - where TLS begins after plaintext. See sniff.h.
 */
#include "tls/sniff.h"

#include <string.h>

#include "tls/msg.h"

int tsc_sniff_starts_hello(const uint8_t *p, size_t n)
{
    if (tsc_sslv2_hello_plausible(p, n))
        return 1;
    return n >= 9 && tsc_record_plausible(p, n) && p[0] == TSC_CT_HANDSHAKE &&
           (p[5] == TSC_HS_CLIENT_HELLO || p[5] == TSC_HS_SERVER_HELLO) && p[6] == 0;
}

size_t tsc_sniff_proxy_header(const uint8_t *p, size_t n)
{
    /* PROXY protocol v2: a 12-byte signature, version/command, family, length */
    static const uint8_t v2sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    if (n >= 16 && memcmp(p, v2sig, 12) == 0) {
        size_t len = 16 + (((size_t)p[14] << 8) | p[15]);
        return len <= n ? len : 0;
    }
    /* v1: "PROXY TCP4 a b p q\r\n", at most 107 bytes */
    if (n >= 8 && memcmp(p, "PROXY ", 6) == 0) {
        for (size_t i = 6; i + 1 < n && i < 107; i++)
            if (p[i] == '\r' && p[i + 1] == '\n')
                return i + 2;
    }
    return 0;
}
