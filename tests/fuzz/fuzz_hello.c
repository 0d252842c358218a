/* Fuzz target: ClientHello (TLS, DTLS and SSLv2 format), ServerHello and
 * HelloVerifyRequest decoders, and the fingerprints computed from them. */
#include <stddef.h>
#include <stdint.h>

#include "analysis/fingerprint.h"
#include "tls/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tsc_client_hello ch;
    static struct tsc_server_hello sh;
    struct tsc_hello_verify_request hvr;
    struct tsc_view v = {data, size};
    char text[TSC_FP_TEXT_MAX], md5[TSC_FP_MD5_HEX], ja4[TSC_FP_JA4_SIZE];
    /* a partly decoded hello is shown too: fingerprint it either way */
    (void)tsc_client_hello_parse(v, &ch);
    (void)tsc_fp_ja3(&ch, text, sizeof text, md5);
    (void)tsc_fp_ja4(&ch, ja4, text, sizeof text);
    (void)tsc_client_hello_parse_as(v, 1, &ch);
    (void)tsc_fp_ja3(&ch, text, sizeof text, md5);
    (void)tsc_fp_ja4(&ch, ja4, text, sizeof text);
    (void)tsc_hello_verify_request_parse(v, &hvr);
    (void)tsc_sslv2_client_hello_parse(v, &ch);
    (void)tsc_fp_ja3(&ch, text, sizeof text, md5);
    (void)tsc_server_hello_parse(v, &sh);
    (void)tsc_fp_ja3s(&sh, text, sizeof text, md5);
    (void)tsc_server_hello_version(&sh);
    return 0;
}
