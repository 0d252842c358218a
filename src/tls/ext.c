/*
 * ext.c - extension decoders (RFC 6066, 7301, 8422, 8446 4.2, 7627, 7685,
 * 8449, 8879, 5764, 6520, 6962, 5746, 5077, draft-ietf-tls-esni; RFC 9001
 * 8.2's quic_transport_parameters in ext_quic.c).
 *
 * Each decoder consumes the extension body exactly; leftover bytes are
 * malformed. A body that fails to decode leaves the extension RAW with the
 * reason in e->status: one bad extension never hides the rest of a hello.
 */
#include <string.h>

#include "tls/msg.h"

size_t tsc_ext_list_count(const struct tsc_ext *e)
{
    if (e->form == TSC_EXTF_U16_LIST)
        return e->u.list.len / 2;
    if (e->form == TSC_EXTF_U8_LIST)
        return e->u.list.len;
    return 0;
}

uint16_t tsc_ext_list_at(const struct tsc_ext *e, size_t i)
{
    if (e->form == TSC_EXTF_U16_LIST)
        return tsc_view_u16(e->u.list, i);
    return e->u.list.p[i];
}

/* A vector of u16 with a u16 byte length: even, and (when min1) not empty. */
static tsc_result dec_u16_list16(struct tsc_cursor *c, struct tsc_ext *e, int min1)
{
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u16(c, &l));
    TSC_ENSURE(l.len % 2 == 0, "list of 16-bit values has an odd length");
    TSC_ENSURE(!min1 || l.len > 0, "list must not be empty");
    e->u.list = tsc_cursor_rest(&l);
    e->form = TSC_EXTF_U16_LIST;
    return tsc_ok();
}

static tsc_result dec_u16_list8(struct tsc_cursor *c, struct tsc_ext *e)
{
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u8(c, &l));
    TSC_ENSURE(l.len % 2 == 0 && l.len > 0, "list of 16-bit values has an odd or zero length");
    e->u.list = tsc_cursor_rest(&l);
    e->form = TSC_EXTF_U16_LIST;
    return tsc_ok();
}

static tsc_result dec_u8_list8(struct tsc_cursor *c, struct tsc_ext *e)
{
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u8(c, &l));
    TSC_ENSURE(l.len > 0, "list must not be empty");
    e->u.list = tsc_cursor_rest(&l);
    e->form = TSC_EXTF_U8_LIST;
    return tsc_ok();
}

/*
 * struct { NameType name_type; select (name_type) { case host_name: HostName; } name; } ServerName;
 * struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 * The server's extension is empty.
 */
static tsc_result dec_server_name(struct tsc_cursor *c, struct tsc_ext *e, enum tsc_ext_ctx ctx)
{
    if (ctx != TSC_EXT_CLIENT_HELLO) {
        e->form = TSC_EXTF_EMPTY;
        return tsc_ok();
    }
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u16(c, &l));
    TSC_ENSURE(l.len > 0, "server_name_list is empty");
    e->u.names.n = e->u.names.stored = 0;
    while (tsc_cursor_left(&l)) {
        uint8_t kind;
        struct tsc_cursor name;
        TSC_GUARD(tsc_cursor_u8(&l, &kind));
        TSC_GUARD(tsc_cursor_sub_u16(&l, &name));
        if (e->u.names.stored < TSC_MAX_SNI) {
            e->u.names.kinds[e->u.names.stored] = kind;
            e->u.names.v[e->u.names.stored++] = tsc_cursor_rest(&name);
        }
        e->u.names.n++;
    }
    e->form = TSC_EXTF_NAMES;
    return tsc_ok();
}

/* opaque ProtocolName<1..2^8-1>; ProtocolName protocol_name_list<2..2^16-1> */
static tsc_result dec_alpn(struct tsc_cursor *c, struct tsc_ext *e)
{
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u16(c, &l));
    TSC_ENSURE(l.len >= 2, "protocol_name_list is too short");
    e->u.names.n = e->u.names.stored = 0;
    while (tsc_cursor_left(&l)) {
        struct tsc_cursor name;
        TSC_GUARD(tsc_cursor_sub_u8(&l, &name));
        TSC_ENSURE(name.len > 0, "empty protocol name");
        if (e->u.names.stored < TSC_MAX_ALPN) {
            e->u.names.kinds[e->u.names.stored] = 0;
            e->u.names.v[e->u.names.stored++] = tsc_cursor_rest(&name);
        }
        e->u.names.n++;
    }
    e->form = TSC_EXTF_NAMES;
    return tsc_ok();
}

/* NPN: the client's is empty; the server's is a list of u8-prefixed names with no outer length. */
static tsc_result dec_npn(struct tsc_cursor *c, struct tsc_ext *e)
{
    if (tsc_cursor_left(c) == 0) {
        e->form = TSC_EXTF_EMPTY;
        return tsc_ok();
    }
    e->u.names.n = e->u.names.stored = 0;
    while (tsc_cursor_left(c)) {
        struct tsc_cursor name;
        TSC_GUARD(tsc_cursor_sub_u8(c, &name));
        if (e->u.names.stored < TSC_MAX_ALPN) {
            e->u.names.kinds[e->u.names.stored] = 0;
            e->u.names.v[e->u.names.stored++] = tsc_cursor_rest(&name);
        }
        e->u.names.n++;
    }
    e->form = TSC_EXTF_NAMES;
    return tsc_ok();
}

/*
 * struct { CertificateStatusType status_type; select (status_type) {
 *     case ocsp: OCSPStatusRequest; } request; } CertificateStatusRequest;
 * struct { ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions; } OCSPStatusRequest;
 * Empty in ServerHello; in a TLS 1.3 Certificate entry it carries a CertificateStatus.
 */
static tsc_result dec_status_request(struct tsc_cursor *c, struct tsc_ext *e, enum tsc_ext_ctx ctx)
{
    if (tsc_cursor_left(c) == 0 && ctx != TSC_EXT_CLIENT_HELLO) {
        e->form = TSC_EXTF_EMPTY;
        return tsc_ok();
    }
    TSC_GUARD(tsc_cursor_u8(c, &e->u.status.status_type));
    if (ctx == TSC_EXT_CERTIFICATE) {
        struct tsc_cursor resp;
        TSC_GUARD(tsc_cursor_sub_u24(c, &resp));
        e->u.status.responder_ids = tsc_cursor_rest(&resp);
        e->u.status.request_extensions.p = NULL;
        e->u.status.request_extensions.len = 0;
        e->form = TSC_EXTF_STATUS;
        return tsc_ok();
    }
    if (e->u.status.status_type == 1) {
        struct tsc_cursor ids, exts;
        TSC_GUARD(tsc_cursor_sub_u16(c, &ids));
        TSC_GUARD(tsc_cursor_sub_u16(c, &exts));
        e->u.status.responder_ids = tsc_cursor_rest(&ids);
        e->u.status.request_extensions = tsc_cursor_rest(&exts);
    } else {
        struct tsc_view rest = tsc_cursor_rest(c);
        e->u.status.responder_ids = rest;
        e->u.status.request_extensions.p = NULL;
        e->u.status.request_extensions.len = 0;
    }
    e->form = TSC_EXTF_STATUS;
    return tsc_ok();
}

/*
 * struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
 * ClientHello: KeyShareEntry client_shares<0..2^16-1>;
 * HelloRetryRequest: NamedGroup selected_group;  ServerHello: KeyShareEntry server_share;
 */
static tsc_result dec_key_share(struct tsc_cursor *c, struct tsc_ext *e, enum tsc_ext_ctx ctx)
{
    if (ctx == TSC_EXT_HRR) {
        uint16_t g;
        TSC_GUARD(tsc_cursor_u16(c, &g));
        e->u.num = g;
        e->form = TSC_EXTF_U16;
        return tsc_ok();
    }
    e->u.key_share.n = e->u.key_share.stored = 0;
    if (ctx == TSC_EXT_SERVER_HELLO) {
        struct tsc_cursor key;
        TSC_GUARD(tsc_cursor_u16(c, &e->u.key_share.s[0].group));
        TSC_GUARD(tsc_cursor_sub_u16(c, &key));
        TSC_ENSURE(key.len > 0, "empty key_exchange");
        e->u.key_share.s[0].key = tsc_cursor_rest(&key);
        e->u.key_share.n = e->u.key_share.stored = 1;
        e->form = TSC_EXTF_KEY_SHARE;
        return tsc_ok();
    }
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u16(c, &l));
    while (tsc_cursor_left(&l)) {
        uint16_t g;
        struct tsc_cursor key;
        TSC_GUARD(tsc_cursor_u16(&l, &g));
        TSC_GUARD(tsc_cursor_sub_u16(&l, &key));
        TSC_ENSURE(key.len > 0, "empty key_exchange");
        if (e->u.key_share.stored < TSC_MAX_KEY_SHARES) {
            e->u.key_share.s[e->u.key_share.stored].group = g;
            e->u.key_share.s[e->u.key_share.stored++].key = tsc_cursor_rest(&key);
        }
        e->u.key_share.n++;
    }
    e->form = TSC_EXTF_KEY_SHARE;
    return tsc_ok();
}

/*
 * struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 * opaque PskBinderEntry<32..255>;
 * struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
 * ServerHello: uint16 selected_identity;
 */
static tsc_result dec_psk(struct tsc_cursor *c, struct tsc_ext *e, enum tsc_ext_ctx ctx)
{
    if (ctx == TSC_EXT_SERVER_HELLO) {
        uint16_t sel;
        TSC_GUARD(tsc_cursor_u16(c, &sel));
        e->u.num = sel;
        e->form = TSC_EXTF_U16;
        return tsc_ok();
    }
    struct tsc_cursor ids, binders;
    TSC_GUARD(tsc_cursor_sub_u16(c, &ids));
    TSC_GUARD(tsc_cursor_sub_u16(c, &binders));
    TSC_ENSURE(ids.len >= 7, "no PSK identity");
    e->u.psk.n = e->u.psk.stored = e->u.psk.n_binders = 0;
    while (tsc_cursor_left(&ids)) {
        struct tsc_cursor id;
        uint32_t age;
        TSC_GUARD(tsc_cursor_sub_u16(&ids, &id));
        TSC_ENSURE(id.len > 0, "empty PSK identity");
        TSC_GUARD(tsc_cursor_u32(&ids, &age));
        if (e->u.psk.stored < TSC_MAX_PSK_IDS) {
            e->u.psk.id[e->u.psk.stored].identity = tsc_cursor_rest(&id);
            e->u.psk.id[e->u.psk.stored++].obfuscated_ticket_age = age;
        }
        e->u.psk.n++;
    }
    while (tsc_cursor_left(&binders)) {
        struct tsc_cursor b;
        TSC_GUARD(tsc_cursor_sub_u8(&binders, &b));
        TSC_ENSURE(b.len >= 32, "PSK binder shorter than 32 bytes");
        e->u.psk.n_binders++;
    }
    TSC_ENSURE(e->u.psk.n_binders == e->u.psk.n, "PSK binders do not match the identities");
    e->form = TSC_EXTF_PSK;
    return tsc_ok();
}

/* SRTPProtectionProfiles SRTPProtectionProfiles<2..2^16-1>; opaque srtp_mki<0..255>; */
static tsc_result dec_srtp(struct tsc_cursor *c, struct tsc_ext *e)
{
    struct tsc_cursor prof, mki;
    TSC_GUARD(tsc_cursor_sub_u16(c, &prof));
    TSC_ENSURE(prof.len >= 2 && prof.len % 2 == 0, "bad SRTP profile list");
    TSC_GUARD(tsc_cursor_sub_u8(c, &mki));
    e->u.srtp.profiles = tsc_cursor_rest(&prof);
    e->u.srtp.mki = tsc_cursor_rest(&mki);
    e->form = TSC_EXTF_SRTP;
    return tsc_ok();
}

/*
 * ECHClientHello: ECHClientHelloType type; outer: HpkeSymmetricCipherSuite
 * cipher_suite (kdf_id, aead_id); uint8 config_id; opaque enc<0..2^16-1>;
 * opaque payload<1..2^16-1>; inner: nothing.  Server side: retry_configs
 * (EncryptedExtensions) or an 8-byte confirmation (HRR): kept as bytes.
 */
static tsc_result dec_ech(struct tsc_cursor *c, struct tsc_ext *e, enum tsc_ext_ctx ctx)
{
    if (ctx != TSC_EXT_CLIENT_HELLO) {
        e->u.ech.ech_type = 0xff;
        e->u.ech.payload = tsc_cursor_rest(c);
        e->form = TSC_EXTF_ECH;
        return tsc_ok();
    }
    TSC_GUARD(tsc_cursor_u8(c, &e->u.ech.ech_type));
    e->u.ech.kdf_id = e->u.ech.aead_id = 0;
    e->u.ech.config_id = 0;
    e->u.ech.enc.p = e->u.ech.payload.p = NULL;
    e->u.ech.enc.len = e->u.ech.payload.len = 0;
    if (e->u.ech.ech_type == 0) {
        struct tsc_cursor enc, payload;
        TSC_GUARD(tsc_cursor_u16(c, &e->u.ech.kdf_id));
        TSC_GUARD(tsc_cursor_u16(c, &e->u.ech.aead_id));
        TSC_GUARD(tsc_cursor_u8(c, &e->u.ech.config_id));
        TSC_GUARD(tsc_cursor_sub_u16(c, &enc));
        TSC_GUARD(tsc_cursor_sub_u16(c, &payload));
        TSC_ENSURE(payload.len > 0, "empty ECH payload");
        e->u.ech.enc = tsc_cursor_rest(&enc);
        e->u.ech.payload = tsc_cursor_rest(&payload);
    } else if (e->u.ech.ech_type != 1) {
        return TSC_ILLEGAL_ERR("unknown ECHClientHello type");
    }
    e->form = TSC_EXTF_ECH;
    return tsc_ok();
}

/* DistinguishedName authorities<3..2^16-1>; opaque DistinguishedName<1..2^16-1>; */
static tsc_result dec_cas(struct tsc_cursor *c, struct tsc_ext *e)
{
    struct tsc_cursor l;
    TSC_GUARD(tsc_cursor_sub_u16(c, &l));
    TSC_ENSURE(l.len >= 3, "certificate_authorities is too short");
    e->u.cas.n = 0;
    while (tsc_cursor_left(&l)) {
        struct tsc_cursor dn;
        TSC_GUARD(tsc_cursor_sub_u16(&l, &dn));
        TSC_ENSURE(dn.len > 0, "empty distinguished name");
        e->u.cas.n++;
    }
    e->form = TSC_EXTF_CAS;
    return tsc_ok();
}

static tsc_result ext_body(uint16_t type, struct tsc_cursor *c, enum tsc_ext_ctx ctx, struct tsc_ext *e)
{
    int client = ctx == TSC_EXT_CLIENT_HELLO;
    switch (type) {
    case TSC_EXT_SERVER_NAME:
        return dec_server_name(c, e, ctx);
    case TSC_EXT_MAX_FRAGMENT_LENGTH: {
        /* enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) } MaxFragmentLength; */
        uint8_t v;
        TSC_GUARD(tsc_cursor_u8(c, &v));
        if (v < 1 || v > 4)
            return TSC_ILLEGAL_ERR("max_fragment_length value is not 1..4");
        e->u.num = v;
        e->form = TSC_EXTF_U8;
        return tsc_ok();
    }
    case TSC_EXT_STATUS_REQUEST:
        return dec_status_request(c, e, ctx);
    case TSC_EXT_SUPPORTED_GROUPS:
        /* NamedGroup named_group_list<2..2^16-1>; */
        return dec_u16_list16(c, e, 1);
    case TSC_EXT_EC_POINT_FORMATS:
        /* ECPointFormat ec_point_format_list<1..2^8-1> */
        return dec_u8_list8(c, e);
    case TSC_EXT_SIGNATURE_ALGORITHMS:
    case TSC_EXT_SIGNATURE_ALGORITHMS_CERT:
        /* SignatureScheme supported_signature_algorithms<2..2^16-2>; */
        return dec_u16_list16(c, e, 1);
    case TSC_EXT_USE_SRTP:
        return dec_srtp(c, e);
    case TSC_EXT_HEARTBEAT: {
        /* enum { peer_allowed_to_send(1), peer_not_allowed_to_send(2), (255) } HeartbeatMode; */
        uint8_t v;
        TSC_GUARD(tsc_cursor_u8(c, &v));
        e->u.num = v;
        e->form = TSC_EXTF_U8;
        return tsc_ok();
    }
    case TSC_EXT_ALPN:
        return dec_alpn(c, e);
    case TSC_EXT_NPN:
        return dec_npn(c, e);
    case TSC_EXT_SCT:
        /* client: empty; server: SignedCertificateTimestampList (opaque) */
        if (tsc_cursor_left(c) == 0) {
            e->form = TSC_EXTF_EMPTY;
            return tsc_ok();
        }
        {
            struct tsc_cursor l;
            TSC_GUARD(tsc_cursor_sub_u16(c, &l));
            e->u.bytes = tsc_cursor_rest(&l);
            e->form = TSC_EXTF_BYTES;
        }
        return tsc_ok();
    case TSC_EXT_PADDING:
        e->u.bytes = tsc_cursor_rest(c);
        e->form = TSC_EXTF_BYTES;
        return tsc_ok();
    case TSC_EXT_ENCRYPT_THEN_MAC:
    case TSC_EXT_EXTENDED_MASTER_SECRET:
    case TSC_EXT_POST_HANDSHAKE_AUTH:
        TSC_ENSURE(tsc_cursor_left(c) == 0, "flag extension must be empty");
        e->form = TSC_EXTF_EMPTY;
        return tsc_ok();
    case TSC_EXT_RECORD_SIZE_LIMIT: {
        /* uint16 RecordSizeLimit; at least 64 */
        uint16_t v;
        TSC_GUARD(tsc_cursor_u16(c, &v));
        if (v < 64)
            return TSC_ILLEGAL_ERR("record_size_limit below 64");
        e->u.num = v;
        e->form = TSC_EXTF_U16;
        return tsc_ok();
    }
    case TSC_EXT_COMPRESS_CERTIFICATE:
        /* CertificateCompressionAlgorithm algorithms<2..2^8-2>; */
        return dec_u16_list8(c, e);
    case TSC_EXT_SESSION_TICKET:
        /* opaque ticket (may be empty: "give me a ticket") */
        e->u.bytes = tsc_cursor_rest(c);
        e->form = e->u.bytes.len ? TSC_EXTF_BYTES : TSC_EXTF_EMPTY;
        return tsc_ok();
    case TSC_EXT_PRE_SHARED_KEY:
        return dec_psk(c, e, ctx);
    case TSC_EXT_EARLY_DATA:
        /* empty in ClientHello/EncryptedExtensions; uint32 max_early_data_size in NewSessionTicket */
        if (ctx == TSC_EXT_NEW_SESSION_TICKET) {
            uint32_t v;
            TSC_GUARD(tsc_cursor_u32(c, &v));
            e->u.num = v;
            e->form = TSC_EXTF_U32;
            return tsc_ok();
        }
        TSC_ENSURE(tsc_cursor_left(c) == 0, "early_data must be empty here");
        e->form = TSC_EXTF_EMPTY;
        return tsc_ok();
    case TSC_EXT_SUPPORTED_VERSIONS:
        /* ClientHello: ProtocolVersion versions<2..254>; ServerHello/HRR: ProtocolVersion selected_version; */
        if (client)
            return dec_u16_list8(c, e);
        {
            uint16_t v;
            TSC_GUARD(tsc_cursor_u16(c, &v));
            e->u.num = v;
            e->form = TSC_EXTF_U16;
        }
        return tsc_ok();
    case TSC_EXT_COOKIE: {
        /* opaque cookie<1..2^16-1>; */
        struct tsc_cursor l;
        TSC_GUARD(tsc_cursor_sub_u16(c, &l));
        TSC_ENSURE(l.len > 0, "empty cookie");
        e->u.bytes = tsc_cursor_rest(&l);
        e->form = TSC_EXTF_BYTES;
        return tsc_ok();
    }
    case TSC_EXT_PSK_KEY_EXCHANGE_MODES:
        /* PskKeyExchangeMode ke_modes<1..255>; */
        return dec_u8_list8(c, e);
    case TSC_EXT_CERTIFICATE_AUTHORITIES:
        return dec_cas(c, e);
    case TSC_EXT_KEY_SHARE:
        return dec_key_share(c, e, ctx);
    case TSC_EXT_RENEGOTIATION_INFO: {
        /* opaque renegotiated_connection<0..255>; */
        struct tsc_cursor l;
        TSC_GUARD(tsc_cursor_sub_u8(c, &l));
        e->u.bytes = tsc_cursor_rest(&l);
        e->form = TSC_EXTF_BYTES;
        return tsc_ok();
    }
    case TSC_EXT_ENCRYPTED_CLIENT_HELLO:
        return dec_ech(c, e, ctx);
    case TSC_EXT_QUIC_TRANSPORT_PARAMETERS:
        /* ClientHello and EncryptedExtensions (RFC 9001 8.2) */
        if (ctx == TSC_EXT_CLIENT_HELLO || ctx == TSC_EXT_ENCRYPTED_EXTENSIONS)
            return tsc_ext_quic_tp_decode(c, e);
        (void)tsc_cursor_rest(c);
        return tsc_ok();
    default:
        e->form = TSC_EXTF_RAW;
        (void)tsc_cursor_rest(c);
        return tsc_ok();
    }
}

void tsc_ext_decode(uint16_t type, struct tsc_view body, enum tsc_ext_ctx ctx, struct tsc_ext *e)
{
    struct tsc_cursor c = tsc_cursor_of(body);
    e->type = type;
    e->data = body;
    e->form = TSC_EXTF_RAW;
    tsc_result r = tsc_complete(ext_body(type, &c, ctx, e));
    if (tsc_is_ok(r))
        r = tsc_cursor_expect_empty(&c, "bytes left over after the extension's fields");
    e->status = r;
    if (!tsc_is_ok(r))
        e->form = TSC_EXTF_RAW;
}

/* struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension; */
tsc_result tsc_ext_list_parse(struct tsc_cursor *c, enum tsc_ext_ctx ctx, struct tsc_ext_list *out)
{
    struct tsc_cursor l;
    out->n = out->stored = 0;
    out->present = 1;
    TSC_GUARD(tsc_cursor_sub_u16(c, &l));
    /* duplicates: a bit set for types below 64, a scan of the stored ones above */
    uint64_t seen_small = 0; /* fast path for types < 64 */
    while (tsc_cursor_left(&l)) {
        uint16_t type;
        struct tsc_view body;
        struct tsc_cursor b;
        TSC_GUARD(tsc_cursor_u16(&l, &type));
        TSC_GUARD(tsc_cursor_sub_u16(&l, &b));
        body = tsc_cursor_rest(&b);
        int dup = 0;
        if (type < 64) {
            dup = (seen_small >> type) & 1;
            seen_small |= (uint64_t)1 << type;
        } else {
            for (uint16_t i = 0; i < out->stored && !dup; i++)
                dup = out->ext[i].type == type;
        }
        if (out->stored < TSC_MAX_EXTENSIONS) {
            struct tsc_ext *e = &out->ext[out->stored++];
            tsc_ext_decode(type, body, ctx, e);
            if (dup) {
                /* RFC 8446 4.2: kept and shown, but marked */
                e->form = TSC_EXTF_RAW;
                e->status = TSC_ILLEGAL_ERR("the same extension appears twice");
            }
        }
        out->n++;
    }
    return tsc_ok();
}

const struct tsc_ext *tsc_ext_find(const struct tsc_ext_list *l, uint16_t type)
{
    for (uint16_t i = 0; i < l->stored; i++)
        if (l->ext[i].type == type)
            return &l->ext[i];
    return NULL;
}
