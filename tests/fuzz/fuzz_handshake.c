/* Fuzz target: every handshake message decoder through tsc_hs_decode. The
 * first byte picks the message type, the next two the negotiated version
 * index and the selected suite (so every key exchange form is reached); the
 * version byte's high bit picks the DTLS forms (ClientHello cookie,
 * HelloVerifyRequest, DTLS version numbers). */
#include <stddef.h>
#include <stdint.h>

#include "tls/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tsc_hs_msg m;
    static const uint16_t versions[] = {TSC_SSL30, TSC_TLS10, TSC_TLS11, TSC_TLS12, TSC_TLS13, 0};
    static const uint16_t suites[] = {0xc011, 0x0005, 0x009e, 0xc02f, 0x00a8, 0xc0a8, 0xc036, 0x00ae,
                                      0xc01d, 0x0018, 0xc018, 0x1301, 0x0000, 0xc00c, 0x0030, 0x0014};
    static const uint16_t dtls_versions[] = {TSC_DTLS10, TSC_DTLS12, TSC_DTLS13, 0};
    if (size < 3)
        return 0;
    int dtls = data[1] >= 0x80;
    struct tsc_hs_ctx ctx = {dtls ? dtls_versions[data[1] % 4] : versions[data[1] % 6], suites[data[2] % 16], dtls};
    struct tsc_view body = {data + 3, size - 3};
    (void)tsc_hs_decode(data[0], body, &ctx, &m);
    return 0;
}
