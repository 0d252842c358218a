/*
 * handshake.c - the handshake messages other than the hellos (RFC 5246 7.4,
 * RFC 8446 4.3-4.6, RFC 4492/8422 5.4-5.7, RFC 4279, RFC 5054, RFC 6066 8,
 * RFC 8879), plus Alert (RFC 8446 6) and Heartbeat (RFC 6520).
 */
#include <string.h>

#include "registry/registry.h"
#include "tls/msg.h"
#include "registry/suite.h"

enum tsc_kx tsc_kx_of_suite(uint16_t suite)
{
    struct tsc_suite_info si;
    if (!tsc_suite_describe(suite, &si) || si.tls13)
        return TSC_KX_UNKNOWN;
    static const struct {
        const char *name;
        enum tsc_kx kx;
    } map[] = {
        {"RSA", TSC_KX_RSA},       {"DHE", TSC_KX_DHE},         {"ECDHE", TSC_KX_ECDHE},
        {"PSK", TSC_KX_PSK},       {"DHE_PSK", TSC_KX_DHE_PSK}, {"ECDHE_PSK", TSC_KX_ECDHE_PSK},
        {"RSA_PSK", TSC_KX_RSA_PSK}, {"SRP", TSC_KX_SRP},       {"ECDH", TSC_KX_ECDH},
        {"DH", TSC_KX_DH},         {"RSA_EXPORT", TSC_KX_RSA},  {"DHE_EXPORT", TSC_KX_DHE},
        {"DH_anon", TSC_KX_DHE},   {"ECDH_anon", TSC_KX_ECDHE}, {"DH_EXPORT", TSC_KX_DH},
    };
    /* anonymous suites: the key exchange is ephemeral without a signature */
    if (strcmp(si.authentication, "anon") == 0) {
        if (strncmp(si.key_exchange, "ECDH", 4) == 0)
            return TSC_KX_ECDHE;
        if (strncmp(si.key_exchange, "DH", 2) == 0)
            return TSC_KX_DHE;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(si.key_exchange, map[i].name) == 0)
            return map[i].kx;
    return TSC_KX_UNKNOWN;
}

int tsc_kx_is_anon(uint16_t suite)
{
    struct tsc_suite_info si;
    if (!tsc_suite_describe(suite, &si))
        return 0;
    return strcmp(si.authentication, "anon") == 0 || strcmp(si.authentication, "PSK") == 0 ||
           strcmp(si.authentication, "SRP") == 0 || strcmp(si.authentication, "NULL") == 0;
}

/*
 * struct { opaque ASN.1Cert<1..2^24-1>; ... ASN.1Cert certificate_list<0..2^24-1>; } Certificate;  (<= 1.2)
 * struct { opaque certificate_request_context<0..2^8-1>;
 *          CertificateEntry certificate_list<0..2^24-1>; } Certificate;  (1.3)
 * struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry;
 */
static tsc_result certificate(struct tsc_cursor *c, int tls13, struct tsc_certificate *out)
{
    struct tsc_cursor list;
    out->tls13 = tls13;
    out->n = out->stored = 0;
    out->request_context.p = NULL;
    out->request_context.len = 0;
    if (tls13) {
        struct tsc_cursor ctx;
        TSC_GUARD(tsc_cursor_sub_u8(c, &ctx));
        out->request_context = tsc_cursor_rest(&ctx);
    }
    TSC_GUARD(tsc_cursor_sub_u24(c, &list));
    while (tsc_cursor_left(&list)) {
        struct tsc_cursor cert, ext = {0};
        TSC_GUARD(tsc_cursor_sub_u24(&list, &cert));
        TSC_ENSURE(cert.len > 0, "empty certificate");
        if (tls13)
            TSC_GUARD(tsc_cursor_sub_u16(&list, &ext));
        if (out->stored < TSC_MAX_CERTS) {
            out->cert[out->stored] = tsc_cursor_rest(&cert);
            out->cert_ext[out->stored++] = tsc_cursor_rest(&ext);
        }
        TSC_ENSURE(out->n < UINT16_MAX, "too many certificates");
        out->n++;
    }
    return tsc_cursor_expect_empty(c, "bytes left over after the certificate list");
}

tsc_result tsc_certificate_parse(struct tsc_view body, int tls13, struct tsc_certificate *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(certificate(&c, tls13, out));
}

static tsc_result sub16_view(struct tsc_cursor *c, struct tsc_view *v, int min1, const char *why)
{
    struct tsc_cursor s;
    TSC_GUARD(tsc_cursor_sub_u16(c, &s));
    TSC_ENSURE(!min1 || s.len > 0, why);
    *v = tsc_cursor_rest(&s);
    return tsc_ok();
}

static tsc_result sub8_view(struct tsc_cursor *c, struct tsc_view *v, int min1, const char *why)
{
    struct tsc_cursor s;
    TSC_GUARD(tsc_cursor_sub_u8(c, &s));
    TSC_ENSURE(!min1 || s.len > 0, why);
    *v = tsc_cursor_rest(&s);
    return tsc_ok();
}

/* digitally-signed: { SignatureAndHashAlgorithm algorithm (1.2+); opaque signature<0..2^16-1>; } */
static tsc_result signature(struct tsc_cursor *c, uint16_t version, int *has_alg, uint16_t *alg,
                            struct tsc_view *sig)
{
    *has_alg = version >= TSC_TLS12;
    if (*has_alg)
        TSC_GUARD(tsc_cursor_u16(c, alg));
    return sub16_view(c, sig, 0, "");
}

/*
 * ECParameters: ECCurveType curve_type (3 = named_curve); NamedCurve namedcurve;
 * ServerECDHParams: ECParameters curve_params; ECPoint public<1..2^8-1>;
 * ServerDHParams: opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>;
 * ServerRSAParams (export): opaque rsa_modulus<1..2^16-1>; opaque rsa_exponent<1..2^16-1>;
 * PSK: opaque psk_identity_hint<0..2^16-1>;
 * SRP: opaque srp_N<1..2^16-1>, srp_g<1..2^16-1>, srp_s<0..2^8-1>, srp_B<1..2^16-1>;
 * then a signature unless the suite is anonymous or PSK.
 */
static tsc_result server_key_exchange(struct tsc_cursor *c, enum tsc_kx kx, uint16_t version, int anon,
                                      struct tsc_server_key_exchange *out)
{
    memset(out, 0, sizeof *out);
    out->kx = kx;
    if (kx == TSC_KX_PSK || kx == TSC_KX_DHE_PSK || kx == TSC_KX_ECDHE_PSK || kx == TSC_KX_RSA_PSK)
        TSC_GUARD(sub16_view(c, &out->psk_hint, 0, ""));
    switch (kx) {
    case TSC_KX_ECDHE:
    case TSC_KX_ECDHE_PSK:
        TSC_GUARD(tsc_cursor_u8(c, &out->curve_type));
        if (out->curve_type != 3)
            return TSC_ILLEGAL_ERR("explicit curve parameters are not supported by any peer");
        TSC_GUARD(tsc_cursor_u16(c, &out->named_curve));
        TSC_GUARD(sub8_view(c, &out->point, 1, "empty ECDH public value"));
        break;
    case TSC_KX_DHE:
    case TSC_KX_DHE_PSK:
        TSC_GUARD(sub16_view(c, &out->dh_p, 1, "empty DH prime"));
        TSC_GUARD(sub16_view(c, &out->dh_g, 1, "empty DH generator"));
        TSC_GUARD(sub16_view(c, &out->dh_ys, 1, "empty DH public value"));
        break;
    case TSC_KX_RSA:
        TSC_GUARD(sub16_view(c, &out->rsa_modulus, 1, "empty RSA modulus"));
        TSC_GUARD(sub16_view(c, &out->rsa_exponent, 1, "empty RSA exponent"));
        break;
    case TSC_KX_SRP:
        TSC_GUARD(sub16_view(c, &out->srp_n, 1, "empty SRP N"));
        TSC_GUARD(sub16_view(c, &out->srp_g, 1, "empty SRP g"));
        TSC_GUARD(sub8_view(c, &out->srp_s, 0, ""));
        TSC_GUARD(sub16_view(c, &out->srp_b, 1, "empty SRP B"));
        break;
    case TSC_KX_PSK:
    case TSC_KX_RSA_PSK:
        return tsc_cursor_expect_empty(c, "bytes left over after the PSK identity hint");
    default:
        (void)tsc_cursor_rest(c);
        return tsc_ok();
    }
    if (anon || kx == TSC_KX_DHE_PSK || kx == TSC_KX_ECDHE_PSK)
        return tsc_cursor_expect_empty(c, "bytes left over after the key exchange parameters");
    TSC_GUARD(signature(c, version, &out->has_sig_alg, &out->sig_alg, &out->signature));
    return tsc_cursor_expect_empty(c, "bytes left over after the ServerKeyExchange signature");
}

tsc_result tsc_server_key_exchange_parse(struct tsc_view body, enum tsc_kx kx, uint16_t version, int anon,
                                         struct tsc_server_key_exchange *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(server_key_exchange(&c, kx, version, anon, out));
}

/*
 * RSA: EncryptedPreMasterSecret: public-key-encrypted PreMasterSecret (a
 *      u16-prefixed vector in TLS; bare in SSL 3.0)
 * ECDHE/ECDH: ECPoint ecdh_Yc<1..2^8-1> (empty when the certificate's key is used)
 * DHE/DH: opaque dh_Yc<1..2^16-1> (empty when implicit)
 * PSK: opaque psk_identity<0..2^16-1>, then the kx's own value for *_PSK
 * SRP: opaque srp_A<1..2^16-1>
 */
static tsc_result client_key_exchange(struct tsc_cursor *c, enum tsc_kx kx, uint16_t version,
                                      struct tsc_client_key_exchange *out)
{
    memset(out, 0, sizeof *out);
    out->kx = kx;
    if (kx == TSC_KX_PSK || kx == TSC_KX_DHE_PSK || kx == TSC_KX_ECDHE_PSK || kx == TSC_KX_RSA_PSK)
        TSC_GUARD(sub16_view(c, &out->psk_identity, 0, ""));
    switch (kx) {
    case TSC_KX_RSA:
        if (version == TSC_SSL30) {
            out->exchange = tsc_cursor_rest(c);
            break;
        }
        /* fall through */
    case TSC_KX_RSA_PSK:
        TSC_GUARD(sub16_view(c, &out->exchange, 1, "empty encrypted premaster secret"));
        break;
    case TSC_KX_ECDHE:
    case TSC_KX_ECDHE_PSK:
    case TSC_KX_ECDH:
        if (tsc_cursor_left(c))
            TSC_GUARD(sub8_view(c, &out->exchange, 1, "empty ECDH public value"));
        break;
    case TSC_KX_DHE:
    case TSC_KX_DHE_PSK:
    case TSC_KX_DH:
    case TSC_KX_SRP:
        if (tsc_cursor_left(c))
            TSC_GUARD(sub16_view(c, &out->exchange, 1, "empty public value"));
        break;
    case TSC_KX_PSK:
        break;
    default:
        out->exchange = tsc_cursor_rest(c);
        break;
    }
    return tsc_cursor_expect_empty(c, "bytes left over after the ClientKeyExchange");
}

tsc_result tsc_client_key_exchange_parse(struct tsc_view body, enum tsc_kx kx, uint16_t version,
                                         struct tsc_client_key_exchange *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(client_key_exchange(&c, kx, version, out));
}

/*
 * <= 1.2: ClientCertificateType certificate_types<1..2^8-1>;
 *         SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>; (1.2)
 *         DistinguishedName certificate_authorities<0..2^16-1>;
 * 1.3:    opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>;
 */
static tsc_result certificate_request(struct tsc_cursor *c, uint16_t version,
                                      struct tsc_certificate_request *out)
{
    out->tls13 = version == TSC_TLS13;
    out->context.p = out->cert_types.p = out->sig_algs.p = NULL;
    out->context.len = out->cert_types.len = out->sig_algs.len = 0;
    out->n_cas = 0;
    out->ext.n = out->ext.stored = 0;
    out->ext.present = 0;
    if (out->tls13) {
        TSC_GUARD(sub8_view(c, &out->context, 0, ""));
        TSC_GUARD(tsc_ext_list_parse(c, TSC_EXT_CERTIFICATE_REQUEST, &out->ext));
        return tsc_cursor_expect_empty(c, "bytes left over after the CertificateRequest");
    }
    TSC_GUARD(sub8_view(c, &out->cert_types, 1, "no certificate types"));
    if (version >= TSC_TLS12) {
        TSC_GUARD(sub16_view(c, &out->sig_algs, 1, "no signature algorithms"));
        TSC_ENSURE(out->sig_algs.len % 2 == 0, "signature algorithm list has an odd length");
    }
    struct tsc_cursor cas;
    TSC_GUARD(tsc_cursor_sub_u16(c, &cas));
    while (tsc_cursor_left(&cas)) {
        struct tsc_cursor dn;
        TSC_GUARD(tsc_cursor_sub_u16(&cas, &dn));
        if (out->n_cas < UINT16_MAX)
            out->n_cas++;
    }
    return tsc_cursor_expect_empty(c, "bytes left over after the CertificateRequest");
}

tsc_result tsc_certificate_request_parse(struct tsc_view body, uint16_t version,
                                         struct tsc_certificate_request *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(certificate_request(&c, version, out));
}

tsc_result tsc_certificate_verify_parse(struct tsc_view body, uint16_t version,
                                        struct tsc_certificate_verify *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    TSC_GUARD(tsc_complete(signature(&c, version, &out->has_sig_alg, &out->sig_alg, &out->signature)));
    return tsc_cursor_expect_empty(&c, "bytes left over after the CertificateVerify");
}

/*
 * 1.2: uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>;
 * 1.3: uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
 *      opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>;
 */
static tsc_result new_session_ticket(struct tsc_cursor *c, int tls13, struct tsc_new_session_ticket *out)
{
    out->tls13 = tls13;
    out->age_add = 0;
    out->nonce.p = NULL;
    out->nonce.len = 0;
    out->ext.n = out->ext.stored = 0;
    out->ext.present = 0;
    TSC_GUARD(tsc_cursor_u32(c, &out->lifetime));
    if (tls13) {
        TSC_GUARD(tsc_cursor_u32(c, &out->age_add));
        TSC_GUARD(sub8_view(c, &out->nonce, 0, ""));
        TSC_GUARD(sub16_view(c, &out->ticket, 1, "empty ticket"));
        TSC_GUARD(tsc_ext_list_parse(c, TSC_EXT_NEW_SESSION_TICKET, &out->ext));
    } else {
        TSC_GUARD(sub16_view(c, &out->ticket, 0, ""));
    }
    return tsc_cursor_expect_empty(c, "bytes left over after the NewSessionTicket");
}

tsc_result tsc_new_session_ticket_parse(struct tsc_view body, int tls13, struct tsc_new_session_ticket *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    return tsc_complete(new_session_ticket(&c, tls13, out));
}

/* struct { CertificateStatusType status_type; select: case ocsp: opaque OCSPResponse<1..2^24-1>; } */
tsc_result tsc_certificate_status_parse(struct tsc_view body, struct tsc_certificate_status *out)
{
    struct tsc_cursor c = tsc_cursor_of(body), r;
    TSC_GUARD(tsc_complete(tsc_cursor_u8(&c, &out->status_type)));
    if (out->status_type == 1 || out->status_type == 2) {
        TSC_GUARD(tsc_complete(tsc_cursor_sub_u24(&c, &r)));
        out->response = tsc_cursor_rest(&r);
    } else {
        out->response = tsc_cursor_rest(&c);
    }
    return tsc_cursor_expect_empty(&c, "bytes left over after the CertificateStatus");
}

/* enum { update_not_requested(0), update_requested(1), (255) } KeyUpdateRequest; */
tsc_result tsc_key_update_parse(struct tsc_view body, uint8_t *request_update)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    TSC_GUARD(tsc_complete(tsc_cursor_u8(&c, request_update)));
    if (*request_update > 1)
        return TSC_ILLEGAL_ERR("KeyUpdate request is not 0 or 1");
    return tsc_cursor_expect_empty(&c, "bytes left over after the KeyUpdate");
}

/* struct { CertificateCompressionAlgorithm algorithm; uint24 uncompressed_length;
 *          opaque compressed_certificate_message<1..2^24-1>; } CompressedCertificate; */
tsc_result tsc_compressed_certificate_parse(struct tsc_view body, struct tsc_compressed_certificate *out)
{
    struct tsc_cursor c = tsc_cursor_of(body), d;
    TSC_GUARD(tsc_complete(tsc_cursor_u16(&c, &out->algorithm)));
    TSC_GUARD(tsc_complete(tsc_cursor_u24(&c, &out->uncompressed_length)));
    TSC_GUARD(tsc_complete(tsc_cursor_sub_u24(&c, &d)));
    TSC_ENSURE(d.len > 0, "empty compressed certificate");
    out->data = tsc_cursor_rest(&d);
    return tsc_cursor_expect_empty(&c, "bytes left over after the CompressedCertificate");
}

/* struct { AlertLevel level; AlertDescription description; } Alert; */
tsc_result tsc_alert_parse(struct tsc_view body, struct tsc_alert *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    TSC_GUARD(tsc_complete(tsc_cursor_u8(&c, &out->level)));
    TSC_GUARD(tsc_complete(tsc_cursor_u8(&c, &out->description)));
    return tsc_cursor_expect_empty(&c, "an alert record holds more than one alert's bytes");
}

/* struct { HeartbeatMessageType type; uint16 payload_length;
 *          opaque payload[payload_length]; opaque padding[padding_length >= 16]; } */
tsc_result tsc_heartbeat_parse(struct tsc_view body, struct tsc_heartbeat *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    TSC_GUARD(tsc_complete(tsc_cursor_u8(&c, &out->type)));
    TSC_GUARD(tsc_complete(tsc_cursor_u16(&c, &out->payload_length)));
    size_t left = tsc_cursor_left(&c);
    out->actual_payload = out->payload_length <= left ? out->payload_length : left;
    if ((size_t)out->payload_length + 16 > left)
        return TSC_ILLEGAL_ERR("heartbeat payload_length exceeds the record (Heartbleed pattern)");
    return tsc_ok();
}

static tsc_result empty_body(struct tsc_view body, const char *why)
{
    TSC_ENSURE(body.len == 0, why);
    return tsc_ok();
}

static tsc_result encrypted_extensions(struct tsc_view body, struct tsc_ext_list *out)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    TSC_GUARD(tsc_complete(tsc_ext_list_parse(&c, TSC_EXT_ENCRYPTED_EXTENSIONS, out)));
    return tsc_cursor_expect_empty(&c, "bytes left over after the EncryptedExtensions");
}

tsc_result tsc_hs_decode(uint8_t type, struct tsc_view body, const struct tsc_hs_ctx *ctx,
                         struct tsc_hs_msg *out)
{
    out->type = type;
    out->dtls = ctx->dtls != 0;
    out->length = (uint32_t)body.len;
    out->body = body;
    /* DTLS numbers its versions downwards: the decoders below compare TLS
     * numbers ("TLS 1.2 or later" has a signature algorithm), so a DTLS
     * version is read as the TLS version it is built on */
    uint16_t version = ctx->dtls ? tsc_version_tls_equiv(ctx->version) : ctx->version;
    int tls13 = version == TSC_TLS13;
    switch (type) {
    case TSC_HS_CLIENT_HELLO:
        return tsc_client_hello_parse_as(body, ctx->dtls, &out->u.ch);
    case TSC_HS_HELLO_VERIFY_REQUEST:
        if (!ctx->dtls)
            return tsc_ok(); /* DTLS's message: named in TLS, as before, not decoded */
        return tsc_hello_verify_request_parse(body, &out->u.hvr);
    case TSC_HS_SERVER_HELLO: {
        tsc_result r = tsc_server_hello_parse(body, &out->u.sh);
        if (tsc_is_ok(r) && out->u.sh.hrr)
            out->type = TSC_HS_HELLO_RETRY_REQUEST;
        return r;
    }
    case TSC_HS_CERTIFICATE:
        return tsc_certificate_parse(body, tls13, &out->u.cert);
    case TSC_HS_SERVER_KEY_EXCHANGE:
        return tsc_server_key_exchange_parse(body, tsc_kx_of_suite(ctx->suite), version,
                                             tsc_kx_is_anon(ctx->suite), &out->u.ske);
    case TSC_HS_CLIENT_KEY_EXCHANGE:
        /* OpenSSL's pre-standard DTLS (0x0100, before 0.9.8f) wrote the RSA
         * premaster without its length, as SSL 3.0 does: OpenSSL compared
         * the version number with SSL 3.0's, and 0x0100 is below it */
        return tsc_client_key_exchange_parse(body, tsc_kx_of_suite(ctx->suite),
                                             ctx->dtls && ctx->version == 0x0100 ? TSC_SSL30 : version,
                                             &out->u.cke);
    case TSC_HS_CERTIFICATE_REQUEST:
        return tsc_certificate_request_parse(body, version, &out->u.cr);
    case TSC_HS_CERTIFICATE_VERIFY:
        return tsc_certificate_verify_parse(body, version, &out->u.cv);
    case TSC_HS_NEW_SESSION_TICKET:
        return tsc_new_session_ticket_parse(body, tls13, &out->u.nst);
    case TSC_HS_CERTIFICATE_STATUS:
        return tsc_certificate_status_parse(body, &out->u.cs);
    case TSC_HS_KEY_UPDATE:
        return tsc_key_update_parse(body, &out->u.key_update);
    case TSC_HS_COMPRESSED_CERTIFICATE:
        return tsc_compressed_certificate_parse(body, &out->u.cc);
    case TSC_HS_ENCRYPTED_EXTENSIONS:
        return encrypted_extensions(body, &out->u.ee);
    case TSC_HS_FINISHED:
        out->u.finished = body;
        TSC_ENSURE(body.len >= 12, "Finished verify_data shorter than 12 bytes");
        return tsc_ok();
    case TSC_HS_HELLO_REQUEST:
        return empty_body(body, "HelloRequest must be empty");
    case TSC_HS_SERVER_HELLO_DONE:
        return empty_body(body, "ServerHelloDone must be empty");
    case TSC_HS_END_OF_EARLY_DATA:
        return empty_body(body, "EndOfEarlyData must be empty");
    default:
        if (!tsc_reg_name(TSC_REG_HANDSHAKE, type))
            return tsc_err_at(TSC_MALFORMED, TSC_ALERT_UNEXPECTED_MESSAGE, "unknown handshake message type",
                              __FILE__, __LINE__);
        return tsc_ok();
    }
}
