/*
 * hello.c - ClientHello, ServerHello and HelloRetryRequest (RFC 5246 7.4.1,
 * RFC 8446 4.1), the SSLv2-compatible ClientHello (RFC 5246 E.2), and DTLS's
 * ClientHello cookie and HelloVerifyRequest (RFC 6347 4.2.1, RFC 9147 5.3).
 */
#include <stddef.h>
#include <string.h>

#include "tls/msg.h"

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3 */
const uint8_t tsc_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/*
 * struct {
 *     ProtocolVersion legacy_version;
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     opaque cookie<0..2^8-1>;           (DTLS only: RFC 6347 4.2.1;
 *                                         legacy_cookie in DTLS 1.3, RFC 9147 5.3)
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;   (absent in SSL 3.0 / early TLS)
 * } ClientHello;
 */
static tsc_result client_hello(struct tsc_cursor *c, int dtls, struct tsc_client_hello *out)
{
    struct tsc_cursor sid, suites, comp;
    /* every field starts empty: on an error the caller may show what was read */
    memset(out, 0, offsetof(struct tsc_client_hello, ext));
    out->ext.n = out->ext.stored = 0;
    out->ext.present = 0;
    out->dtls = dtls != 0;
    TSC_GUARD(tsc_cursor_u16(c, &out->legacy_version));
    TSC_GUARD(tsc_cursor_bytes(c, 32, &out->random));
    TSC_GUARD(tsc_cursor_sub_u8(c, &sid));
    TSC_ENSURE(sid.len <= 32, "session id longer than 32 bytes");
    out->session_id = tsc_cursor_rest(&sid);
    if (dtls) {
        struct tsc_cursor cookie;
        TSC_GUARD(tsc_cursor_sub_u8(c, &cookie));
        out->cookie = tsc_cursor_rest(&cookie);
    }
    TSC_GUARD(tsc_cursor_sub_u16(c, &suites));
    out->cipher_suites = tsc_cursor_rest(&suites);
    out->cipher_suites.len &= ~(size_t)1; /* whole suites only, even when the length lies */
    TSC_ENSURE(suites.len >= 2 && suites.len % 2 == 0, "cipher_suites length is odd or zero");
    TSC_GUARD(tsc_cursor_sub_u8(c, &comp));
    TSC_ENSURE(comp.len >= 1, "no compression method");
    out->compression = tsc_cursor_rest(&comp);
    if (tsc_cursor_left(c) == 0)
        return tsc_ok();
    TSC_GUARD(tsc_ext_list_parse(c, TSC_EXT_CLIENT_HELLO, &out->ext));
    return tsc_cursor_expect_empty(c, "bytes left over after the ClientHello extensions");
}

tsc_result tsc_client_hello_parse(struct tsc_view body, struct tsc_client_hello *out)
{
    return tsc_client_hello_parse_as(body, 0, out);
}

tsc_result tsc_client_hello_parse_as(struct tsc_view body, int dtls, struct tsc_client_hello *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(client_hello(&c, dtls, out));
}

/*
 * SSLv2-compatible ClientHello, after the 2-byte record header:
 *   uint8 msg_type (1); Version version; uint16 cipher_spec_length;
 *   uint16 session_id_length; uint16 challenge_length;
 *   V2CipherSpec cipher_specs[cipher_spec_length];  (3 bytes each)
 *   opaque session_id[session_id_length]; opaque challenge[challenge_length];
 */
static tsc_result sslv2_hello(struct tsc_cursor *c, struct tsc_client_hello *out)
{
    uint8_t type;
    uint16_t nspec, nsid, nchal;
    out->sslv2 = 1;
    out->dtls = 0;
    out->cookie.p = NULL;
    out->cookie.len = 0;
    out->ext.n = out->ext.stored = 0;
    out->ext.present = 0;
    out->compression.p = NULL;
    out->compression.len = 0;
    TSC_GUARD(tsc_cursor_u8(c, &type));
    TSC_ENSURE(type == 1, "SSLv2 message is not a CLIENT-HELLO");
    TSC_GUARD(tsc_cursor_u16(c, &out->legacy_version));
    TSC_GUARD(tsc_cursor_u16(c, &nspec));
    TSC_GUARD(tsc_cursor_u16(c, &nsid));
    TSC_GUARD(tsc_cursor_u16(c, &nchal));
    TSC_ENSURE(nspec % 3 == 0 && nspec > 0, "cipher spec length is not a multiple of 3");
    TSC_ENSURE(nsid == 0 || nsid == 16 || nsid == 32, "bad SSLv2 session id length");
    TSC_ENSURE(nchal >= 16 && nchal <= 32, "SSLv2 challenge must be 16 to 32 bytes");
    TSC_GUARD(tsc_cursor_bytes(c, nspec, &out->cipher_suites));
    TSC_GUARD(tsc_cursor_bytes(c, nsid, &out->session_id));
    TSC_GUARD(tsc_cursor_bytes(c, nchal, &out->random));
    return tsc_cursor_expect_empty(c, "bytes left over after the SSLv2 ClientHello");
}

tsc_result tsc_sslv2_client_hello_parse(struct tsc_view body, struct tsc_client_hello *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(sslv2_hello(&c, out));
}

size_t tsc_client_hello_n_suites(const struct tsc_client_hello *ch)
{
    return ch->sslv2 ? ch->cipher_suites.len / 3 : ch->cipher_suites.len / 2;
}

uint32_t tsc_client_hello_suite_at(const struct tsc_client_hello *ch, size_t i)
{
    if (ch->sslv2) {
        const uint8_t *p = ch->cipher_suites.p + 3 * i;
        return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    }
    return tsc_view_u16(ch->cipher_suites, i);
}

/*
 * struct {
 *     ProtocolVersion legacy_version;
 *     Random random;
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method;
 *     Extension extensions<6..2^16-1>;
 * } ServerHello;
 */
static tsc_result server_hello(struct tsc_cursor *c, struct tsc_server_hello *out)
{
    struct tsc_cursor sid;
    memset(out, 0, offsetof(struct tsc_server_hello, ext));
    out->ext.n = out->ext.stored = 0;
    out->ext.present = 0;
    TSC_GUARD(tsc_cursor_u16(c, &out->legacy_version));
    TSC_GUARD(tsc_cursor_bytes(c, 32, &out->random));
    out->hrr = memcmp(out->random.p, tsc_hrr_random, 32) == 0;
    if (((out->legacy_version >> 8) == 0x7f && (out->legacy_version & 0xff) < 22) || out->legacy_version == TSC_TLS13) {
        /* TLS 1.3 drafts before -22 (which wrote 0x7fNN, or 0x0304 itself, here):
         * no session id echo, no compression */
        out->session_id.p = NULL;
        out->session_id.len = 0;
        out->compression = 0;
        TSC_GUARD(tsc_cursor_u16(c, &out->cipher_suite));
        if (tsc_cursor_left(c) == 0)
            return tsc_ok();
        TSC_GUARD(tsc_ext_list_parse(c, TSC_EXT_SERVER_HELLO, &out->ext));
        return tsc_cursor_expect_empty(c, "bytes left over after the ServerHello extensions");
    }
    TSC_GUARD(tsc_cursor_sub_u8(c, &sid));
    TSC_ENSURE(sid.len <= 32, "session id longer than 32 bytes");
    out->session_id = tsc_cursor_rest(&sid);
    TSC_GUARD(tsc_cursor_u16(c, &out->cipher_suite));
    TSC_GUARD(tsc_cursor_u8(c, &out->compression));
    if (tsc_cursor_left(c) == 0)
        return tsc_ok();
    TSC_GUARD(tsc_ext_list_parse(c, out->hrr ? TSC_EXT_HRR : TSC_EXT_SERVER_HELLO, &out->ext));
    return tsc_cursor_expect_empty(c, "bytes left over after the ServerHello extensions");
}

tsc_result tsc_server_hello_parse(struct tsc_view body, struct tsc_server_hello *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(server_hello(&c, out));
}

uint16_t tsc_server_hello_version(const struct tsc_server_hello *sh)
{
    const struct tsc_ext *sv = tsc_ext_find(&sh->ext, TSC_EXT_SUPPORTED_VERSIONS);
    if (sv && sv->form == TSC_EXTF_U16)
        return (uint16_t)sv->u.num;
    return sh->legacy_version;
}

/* struct { ProtocolVersion server_version; opaque cookie<0..2^8-1>; } HelloVerifyRequest; */
static tsc_result hello_verify_request(struct tsc_cursor *c, struct tsc_hello_verify_request *out)
{
    struct tsc_cursor cookie;
    out->server_version = 0;
    out->cookie.p = NULL;
    out->cookie.len = 0;
    TSC_GUARD(tsc_cursor_u16(c, &out->server_version));
    TSC_GUARD(tsc_cursor_sub_u8(c, &cookie));
    out->cookie = tsc_cursor_rest(&cookie);
    return tsc_cursor_expect_empty(c, "bytes left over after the HelloVerifyRequest cookie");
}

tsc_result tsc_hello_verify_request_parse(struct tsc_view body, struct tsc_hello_verify_request *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(hello_verify_request(&c, out));
}
