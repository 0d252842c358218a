/*
 * record.c - the record layer header (RFC 5246 6.2.1, RFC 8446 5.1) and the
 * SSLv2-compatible ClientHello header (RFC 5246 appendix E.2).
 */
#include "tls/msg.h"

/*
 * struct {
 *     ContentType type;
 *     ProtocolVersion version;
 *     uint16 length;
 *     opaque fragment[TLSPlaintext.length];
 * } TLSPlaintext;
 */
tsc_result tsc_record_hdr_parse(struct tsc_cursor *c, struct tsc_record_hdr *out)
{
    TSC_GUARD(tsc_cursor_u8(c, &out->type));
    TSC_GUARD(tsc_cursor_u16(c, &out->version));
    TSC_GUARD(tsc_cursor_u16(c, &out->length));
    if (out->type < TSC_CT_CHANGE_CIPHER_SPEC || out->type > TSC_CT_HEARTBEAT)
        return TSC_ILLEGAL_ERR("unknown record content type");
    if ((out->version >> 8) != 3 || (out->version & 0xff) > 4)
        return TSC_ILLEGAL_ERR("record version is not SSL 3.0 to TLS 1.3");
    if (out->length > TSC_RECORD_MAX)
        return tsc_err_at(TSC_MALFORMED, TSC_ALERT_RECORD_OVERFLOW,
                          "record longer than 2^14+2048 bytes", __FILE__, __LINE__);
    return tsc_ok();
}

int tsc_record_plausible(const uint8_t *p, size_t n)
{
    if (n < 5)
        return 0;
    uint16_t len = (uint16_t)((p[3] << 8) | p[4]);
    return p[0] >= TSC_CT_CHANGE_CIPHER_SPEC && p[0] <= TSC_CT_HEARTBEAT && p[1] == 3 &&
           p[2] <= 4 && len > 0 && len <= TSC_RECORD_MAX;
}

/*
 * SSLv2 record header with no padding (2 bytes, high bit set), then:
 *   uint8 msg_type = 1; Version version; uint16 cipher_spec_length;
 *   uint16 session_id_length; uint16 challenge_length; ...
 */
int tsc_sslv2_hello_plausible(const uint8_t *p, size_t n)
{
    if (n < 11)
        return 0;
    if (!(p[0] & 0x80))
        return 0;
    size_t len = ((size_t)(p[0] & 0x7f) << 8) | p[1];
    if (p[2] != 1 || len < 9)
        return 0;
    /* version 2.0 or 3.x */
    if (!((p[3] == 0 && p[4] == 2) || (p[3] == 3 && p[4] <= 4)))
        return 0;
    size_t specs = ((size_t)p[5] << 8) | p[6];
    size_t sid = ((size_t)p[7] << 8) | p[8];
    size_t chal = ((size_t)p[9] << 8) | p[10];
    return specs % 3 == 0 && specs > 0 && (sid == 0 || sid == 16 || sid == 32) && chal >= 16 &&
           chal <= 32 && 9 + specs + sid + chal == len;
}
