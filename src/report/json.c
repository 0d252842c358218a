/*
 * json.c - JSON Lines: one object per connection (the contract is docs/json.md).
 *
 * Pieces of each connection (hellos, certificates, messages) are rendered as
 * their events arrive, into per-connection buffers; the object is assembled
 * when the connection is released, in order of first packet.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "registry/registry.h"
#include "report/report.h"
#include "tls/quic.h"

#define PIECE_MAX ((size_t)8 << 20)
#define HEX_MAX 1024 /* raw extension bytes shown at most */

struct jconn {
    struct tsc_buf ch, sh, hrr, msgs, ccerts, ske;
    unsigned n_msgs, n_ccerts;
    uint64_t msgs_dropped; /* past PIECE_MAX: counted, not listed */
};

/* Buffer errors (LIMIT) only cut an over-long connection short: the object
 * stays valid because every piece is closed by the caller. */
#define W(expr) (void)(expr)

/* `{"code":"0x1301","name":` without printf: this runs for every suite and group */
static void jcode_open(struct tsc_buf *b, uint16_t code)
{
    char tmp[] = "{\"code\":\"0x0000\",\"name\":";
    static const char h[] = "0123456789abcdef";
    tmp[11] = h[(code >> 12) & 15];
    tmp[12] = h[(code >> 8) & 15];
    tmp[13] = h[(code >> 4) & 15];
    tmp[14] = h[code & 15];
    W(tsc_buf_append(b, tmp, sizeof tmp - 1));
}

static void jcode(struct tsc_buf *b, uint16_t code, int reg)
{
    jcode_open(b, code);
    W(tsc_json_cstr(b, reg >= 0 ? tsc_reg_name((enum tsc_reg)reg, code) : NULL));
    W(tsc_buf_putc(b, '}'));
}

/* `,"key":N` without printf */
static void jnum(struct tsc_buf *b, const char *key, uint64_t v)
{
    W(tsc_buf_puts(b, ",\""));
    W(tsc_buf_puts(b, key));
    W(tsc_buf_puts(b, "\":"));
    W(tsc_buf_put_u64(b, v));
}

static void jbool(struct tsc_buf *b, int v) { W(tsc_buf_puts(b, v ? "true" : "false")); }

static void jhexstr(struct tsc_buf *b, struct tsc_view v, size_t max)
{
    W(tsc_buf_putc(b, '"'));
    W(tsc_hex(b, v.p, v.len < max ? v.len : max));
    W(tsc_buf_putc(b, '"'));
}

static void jbytes_str(struct tsc_buf *b, struct tsc_view v)
{
    int rep = 0;
    W(tsc_json_str(b, v.p, v.len, &rep));
}

/* quic_transport_parameters: each parameter as RFC 9000 18.2 and its
 * extensions define it (docs/json.md). The extension decoded, so every
 * parameter is valid. */
static void j_quic_tp(struct tsc_buf *b, const struct tsc_ext *e)
{
    struct tsc_cursor c = tsc_cursor_of(e->data);
    struct tsc_quic_tp tp;
    char ip[64];
    W(tsc_buf_puts(b, ",\"parameters\":["));
    for (uint32_t i = 0; tsc_cursor_left(&c) && tsc_is_ok(tsc_quic_tp_next(&c, &tp)); i++) {
        if (i)
            W(tsc_buf_putc(b, ','));
        W(tsc_buf_printf(b, "{\"id\":\"0x%02" PRIx64 "\",\"name\":", tp.id));
        W(tsc_json_cstr(b, tsc_quic_tp_name(tp.id)));
        if (tsc_quic_tp_is_grease(tp.id))
            W(tsc_buf_puts(b, ",\"grease\":true"));
        jnum(b, "length", tp.value.len);
        switch (tp.kind) {
        case TSC_QTP_INT:
            jnum(b, "value", tp.num);
            break;
        case TSC_QTP_EMPTY:
            break;
        case TSC_QTP_PREFERRED_ADDRESS:
            W(tsc_buf_puts(b, ",\"ipv4\":"));
            W(tsc_json_cstr(b, inet_ntop(AF_INET, tp.pref.v4, ip, sizeof ip) ? ip : NULL));
            jnum(b, "ipv4_port", tp.pref.v4_port);
            W(tsc_buf_puts(b, ",\"ipv6\":"));
            W(tsc_json_cstr(b, inet_ntop(AF_INET6, tp.pref.v6, ip, sizeof ip) ? ip : NULL));
            jnum(b, "ipv6_port", tp.pref.v6_port);
            W(tsc_buf_puts(b, ",\"connection_id\":"));
            jhexstr(b, tp.pref.cid, HEX_MAX);
            W(tsc_buf_puts(b, ",\"stateless_reset_token\":"));
            jhexstr(b, (struct tsc_view){tp.pref.reset_token, 16}, 16);
            break;
        case TSC_QTP_VERSION_INFO:
            W(tsc_buf_printf(b, ",\"chosen_version\":\"0x%08" PRIx32 "\",\"available_versions\":[",
                             tp.vi.chosen));
            for (size_t k = 0; k + 4 <= tp.vi.available.len; k += 4) {
                const uint8_t *v = tp.vi.available.p + k;
                W(tsc_buf_printf(b, "%s\"0x%02x%02x%02x%02x\"", k ? "," : "", v[0], v[1], v[2], v[3]));
            }
            W(tsc_buf_putc(b, ']'));
            break;
        default: /* connection IDs, the reset token, opaque values */
            W(tsc_buf_puts(b, ",\"data\":"));
            jhexstr(b, tp.value, HEX_MAX);
            if (tp.value.len > HEX_MAX)
                W(tsc_buf_puts(b, ",\"data_truncated\":true"));
            break;
        }
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_putc(b, ']'));
}

static void j_ext(struct tsc_buf *b, const struct tsc_ext *e)
{
    jcode_open(b, e->type);
    W(tsc_json_cstr(b, tsc_ext_name(e->type)));
    jnum(b, "length", e->data.len);
    if (tsc_reg_is_grease(e->type))
        W(tsc_buf_puts(b, ",\"grease\":true"));
    switch (e->form) {
    case TSC_EXTF_EMPTY:
        break;
    case TSC_EXTF_U8:
    case TSC_EXTF_U16:
    case TSC_EXTF_U32:
        if (e->type == TSC_EXT_SUPPORTED_VERSIONS) {
            W(tsc_buf_puts(b, ",\"selected_version\":"));
            jcode(b, (uint16_t)e->u.num, TSC_REG_VERSION);
        } else if (e->type == TSC_EXT_KEY_SHARE) {
            W(tsc_buf_puts(b, ",\"selected_group\":"));
            jcode(b, (uint16_t)e->u.num, TSC_REG_GROUP);
        } else if (e->type == TSC_EXT_PRE_SHARED_KEY) {
            W(tsc_buf_printf(b, ",\"selected_identity\":%u", (unsigned)e->u.num));
        } else if (e->type == TSC_EXT_EARLY_DATA) {
            W(tsc_buf_printf(b, ",\"max_early_data_size\":%u", (unsigned)e->u.num));
        } else if (e->type == TSC_EXT_RECORD_SIZE_LIMIT) {
            W(tsc_buf_printf(b, ",\"record_size_limit\":%u", (unsigned)e->u.num));
        } else if (e->type == TSC_EXT_MAX_FRAGMENT_LENGTH) {
            W(tsc_buf_printf(b, ",\"max_fragment_length\":%u", 1u << (8 + e->u.num)));
        } else if (e->type == TSC_EXT_HEARTBEAT) {
            W(tsc_buf_printf(b, ",\"mode\":\"%s\"",
                             e->u.num == 1 ? "peer_allowed_to_send" : e->u.num == 2 ? "peer_not_allowed_to_send"
                                                                                   : "unknown"));
        } else {
            W(tsc_buf_printf(b, ",\"value\":%u", (unsigned)e->u.num));
        }
        break;
    case TSC_EXTF_U16_LIST:
    case TSC_EXTF_U8_LIST: {
        int reg = tsc_ext_list_registry(e->type);
        size_t n = tsc_ext_list_count(e);
        W(tsc_buf_printf(b, ",\"%s\":[", tsc_ext_list_key(e->type)));
        for (size_t i = 0; i < n; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            uint16_t v = tsc_ext_list_at(e, i);
            if (e->form == TSC_EXTF_U16_LIST)
                jcode(b, v, reg);
            else
                W(tsc_buf_put_u64(b, v));
        }
        W(tsc_buf_putc(b, ']'));
        break;
    }
    case TSC_EXTF_NAMES: {
        const char *key = e->type == TSC_EXT_SERVER_NAME ? "server_names" : "protocols";
        W(tsc_buf_printf(b, ",\"%s\":[", key));
        for (uint16_t i = 0; i < e->u.names.stored; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            jbytes_str(b, e->u.names.v[i]);
        }
        W(tsc_buf_putc(b, ']'));
        if (e->u.names.n > e->u.names.stored)
            W(tsc_buf_printf(b, ",\"count\":%u", e->u.names.n));
        break;
    }
    case TSC_EXTF_KEY_SHARE:
        W(tsc_buf_puts(b, ",\"shares\":["));
        for (uint16_t i = 0; i < e->u.key_share.stored; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            W(tsc_buf_puts(b, "{\"group\":"));
            jcode(b, e->u.key_share.s[i].group, TSC_REG_GROUP);
            W(tsc_buf_printf(b, ",\"key_length\":%zu}", e->u.key_share.s[i].key.len));
        }
        W(tsc_buf_putc(b, ']'));
        if (e->u.key_share.n > e->u.key_share.stored)
            W(tsc_buf_printf(b, ",\"count\":%u", e->u.key_share.n));
        break;
    case TSC_EXTF_PSK:
        W(tsc_buf_puts(b, ",\"identities\":["));
        for (uint16_t i = 0; i < e->u.psk.stored; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            W(tsc_buf_printf(b, "{\"length\":%zu,\"obfuscated_ticket_age\":%u}",
                             e->u.psk.id[i].identity.len, e->u.psk.id[i].obfuscated_ticket_age));
        }
        W(tsc_buf_printf(b, "],\"binders\":%u", e->u.psk.n_binders));
        break;
    case TSC_EXTF_STATUS:
        W(tsc_buf_printf(b, ",\"status_type\":%u", e->u.status.status_type));
        break;
    case TSC_EXTF_BYTES:
        W(tsc_buf_printf(b, ",\"data_length\":%zu", e->u.bytes.len));
        if (e->type == TSC_EXT_RENEGOTIATION_INFO) {
            W(tsc_buf_puts(b, ",\"renegotiated_connection\":"));
            jhexstr(b, e->u.bytes, HEX_MAX);
        }
        break;
    case TSC_EXTF_SRTP: {
        size_t n = e->u.srtp.profiles.len / 2;
        W(tsc_buf_printf(b, ",\"profiles\":%zu,\"mki_length\":%zu,\"protection_profiles\":[", n,
                         e->u.srtp.mki.len));
        for (size_t i = 0; i < n; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            jcode(b, tsc_view_u16(e->u.srtp.profiles, i), TSC_REG_SRTP_PROFILE);
        }
        W(tsc_buf_putc(b, ']'));
        break;
    }
    case TSC_EXTF_ECH:
        if (e->u.ech.ech_type == 0xff) {
            W(tsc_buf_printf(b, ",\"ech\":\"server\",\"data_length\":%zu", e->u.ech.payload.len));
        } else {
            W(tsc_buf_printf(b, ",\"ech\":\"%s\"", e->u.ech.ech_type == 0 ? "outer" : "inner"));
            if (e->u.ech.ech_type == 0)
                W(tsc_buf_printf(b,
                                 ",\"kdf_id\":%u,\"aead_id\":%u,\"config_id\":%u,\"enc_length\":%zu,"
                                 "\"payload_length\":%zu",
                                 e->u.ech.kdf_id, e->u.ech.aead_id, e->u.ech.config_id, e->u.ech.enc.len,
                                 e->u.ech.payload.len));
        }
        break;
    case TSC_EXTF_CAS:
        W(tsc_buf_printf(b, ",\"authorities\":%u", e->u.cas.n));
        break;
    case TSC_EXTF_QUIC_TP:
        j_quic_tp(b, e);
        break;
    case TSC_EXTF_RAW:
    default:
        W(tsc_buf_puts(b, ",\"data\":"));
        jhexstr(b, e->data, HEX_MAX);
        if (e->data.len > HEX_MAX)
            W(tsc_buf_puts(b, ",\"data_truncated\":true"));
        break;
    }
    if (!tsc_is_ok(e->status)) {
        W(tsc_buf_printf(b, ",\"error\":{\"kind\":\"%s\",\"reason\":", tsc_kind_name(e->status.kind)));
        W(tsc_json_cstr(b, e->status.why));
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_putc(b, '}'));
}

static void j_ext_list(struct tsc_buf *b, const struct tsc_ext_list *l)
{
    W(tsc_buf_puts(b, "\"extensions\":["));
    for (uint16_t i = 0; i < l->stored; i++) {
        if (i)
            W(tsc_buf_putc(b, ','));
        j_ext(b, &l->ext[i]);
    }
    W(tsc_buf_putc(b, ']'));
    if (l->n > l->stored)
        W(tsc_buf_printf(b, ",\"extensions_count\":%u", l->n));
}

static const char *sslv2_cipher_name(uint32_t spec)
{
    switch (spec) {
    case 0x010080: return "SSL2_RC4_128_WITH_MD5";
    case 0x020080: return "SSL2_RC4_128_EXPORT40_WITH_MD5";
    case 0x030080: return "SSL2_RC2_128_CBC_WITH_MD5";
    case 0x040080: return "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5";
    case 0x050080: return "SSL2_IDEA_128_CBC_WITH_MD5";
    case 0x060040: return "SSL2_DES_64_CBC_WITH_MD5";
    case 0x0700c0: return "SSL2_DES_192_EDE3_CBC_WITH_MD5";
    default: return NULL;
    }
}

static void j_error_fields(struct tsc_buf *b, tsc_result st);

/* A DTLS cookie (at most 255 bytes): `,"cookie_length":N,"cookie":"hex"` */
static void j_cookie(struct tsc_buf *b, struct tsc_view v)
{
    jnum(b, "cookie_length", v.len);
    W(tsc_buf_puts(b, ",\"cookie\":"));
    jhexstr(b, v, 255);
}

/* A fingerprint and its string; null when it cannot be the real one
 * (SSLv2 format, a malformed hello, more extensions than kept: not
 * `usable`), or when there is none (`have` 0). */
static void j_fp(struct tsc_buf *b, const char *key, const char *skey, const char *hash, const char *text,
                 int have, int usable, int status, tsc_result st)
{
    int show = have && usable && tsc_is_ok(st);
    W(tsc_buf_printf(b, ",\"%s\":", key));
    W(show ? tsc_json_cstr(b, hash) : tsc_buf_puts(b, "null"));
    W(tsc_buf_printf(b, ",\"%s\":", skey));
    W(show ? tsc_json_cstr(b, text) : tsc_buf_puts(b, "null"));
    if (show && (status & TSC_FP_CUT))
        W(tsc_buf_printf(b, ",\"%s_cut\":true", skey));
}

static void j_client_hello(struct tsc_buf *b, const struct tsc_client_hello *ch, const struct tsc_msg_facts *f,
                           tsc_result st)
{
    char hex[7];
    tsc_code_hex(ch->legacy_version, hex);
    W(tsc_buf_printf(b, "{\"legacy_version\":\"%s\",\"version_name\":", hex));
    W(tsc_json_cstr(b, tsc_version_name(ch->legacy_version)));
    if (ch->sslv2)
        W(tsc_buf_puts(b, ",\"sslv2_format\":true,\"challenge\":"));
    else
        W(tsc_buf_puts(b, ",\"random\":"));
    jhexstr(b, ch->random, 64);
    W(tsc_buf_puts(b, ",\"session_id\":"));
    jhexstr(b, ch->session_id, 64);
    if (ch->dtls)
        j_cookie(b, ch->cookie);
    W(tsc_buf_puts(b, ",\"cipher_suites\":["));
    size_t n = tsc_client_hello_n_suites(ch);
    for (size_t i = 0; i < n; i++) {
        if (i)
            W(tsc_buf_putc(b, ','));
        uint32_t s = tsc_client_hello_suite_at(ch, i);
        if (ch->sslv2 && s > 0xffff) {
            W(tsc_buf_printf(b, "{\"code\":\"0x%06x\",\"name\":", (unsigned)s));
            W(tsc_json_cstr(b, sslv2_cipher_name(s)));
            W(tsc_buf_putc(b, '}'));
        } else {
            jcode(b, (uint16_t)s, TSC_REG_CIPHER_SUITE);
        }
    }
    W(tsc_buf_puts(b, "],\"compression_methods\":["));
    for (size_t i = 0; i < ch->compression.len; i++)
        W(tsc_buf_printf(b, i ? ",%u" : "%u", ch->compression.p[i]));
    W(tsc_buf_puts(b, "],"));
    j_ext_list(b, &ch->ext);
    {
        const struct tsc_fp_client *fp = &f->ch;
        int have = (f->have & TSC_HAVE_CH_FP) != 0;
        j_fp(b, "ja3", "ja3_string", fp->ja3_md5, fp->ja3, have, f->ja3_usable, fp->ja3_status, st);
        j_fp(b, "ja4", "ja4_r", fp->ja4, fp->ja4_r, have, f->ja4_usable, fp->ja4_status, st);
    }
    if (!tsc_is_ok(st))
        j_error_fields(b, st);
    W(tsc_buf_putc(b, '}'));
}

static void j_server_hello(struct tsc_buf *b, const struct tsc_server_hello *sh, const struct tsc_msg_facts *f,
                           tsc_result st)
{
    char hex[7];
    tsc_code_hex(sh->legacy_version, hex);
    W(tsc_buf_printf(b, "{\"legacy_version\":\"%s\",\"version_name\":", hex));
    W(tsc_json_cstr(b, tsc_version_name(sh->legacy_version)));
    W(tsc_buf_puts(b, ",\"random\":"));
    jhexstr(b, sh->random, 64);
    W(tsc_buf_puts(b, ",\"session_id\":"));
    jhexstr(b, sh->session_id, 64);
    W(tsc_buf_puts(b, ",\"cipher_suite\":"));
    jcode(b, sh->cipher_suite, TSC_REG_CIPHER_SUITE);
    W(tsc_buf_printf(b, ",\"compression_method\":%u,", sh->compression));
    j_ext_list(b, &sh->ext);
    {
        const struct tsc_fp_server *fp = &f->sh;
        int have = (f->have & TSC_HAVE_SH_FP) != 0;
        j_fp(b, "ja3s", "ja3s_string", fp->ja3s_md5, fp->ja3s, have, f->ja3s_usable, fp->ja3s_status, st);
    }
    if (!tsc_is_ok(st))
        j_error_fields(b, st);
    W(tsc_buf_putc(b, '}'));
}

static void j_cert(struct tsc_buf *b, const struct tsc_x509_summary *s, tsc_result st, unsigned index)
{
    W(tsc_buf_printf(b, "{\"index\":%u", index));
    if (!tsc_is_ok(st)) {
        W(tsc_buf_printf(b, ",\"error\":{\"kind\":\"%s\",\"reason\":", tsc_kind_name(st.kind)));
        W(tsc_json_cstr(b, st.why));
        W(tsc_buf_puts(b, "}}"));
        return;
    }
    W(tsc_buf_printf(b, ",\"version\":%d,\"serial\":", s->version));
    W(tsc_json_cstr(b, s->serial));
    W(tsc_buf_puts(b, ",\"subject\":"));
    W(tsc_json_cstr(b, s->subject));
    W(tsc_buf_puts(b, ",\"issuer\":"));
    W(tsc_json_cstr(b, s->issuer));
    W(tsc_buf_puts(b, ",\"not_before\":"));
    W(tsc_json_cstr(b, s->not_before));
    W(tsc_buf_puts(b, ",\"not_after\":"));
    W(tsc_json_cstr(b, s->not_after));
    W(tsc_buf_puts(b, ",\"public_key\":{\"algorithm\":"));
    W(tsc_json_cstr(b, s->pubkey_algorithm));
    W(tsc_buf_printf(b, ",\"bits\":%d", s->pubkey_bits));
    if (s->pubkey_curve[0]) {
        W(tsc_buf_puts(b, ",\"curve\":"));
        W(tsc_json_cstr(b, s->pubkey_curve));
    }
    W(tsc_buf_puts(b, "},\"signature_algorithm\":"));
    W(tsc_json_cstr(b, s->signature_algorithm));
    W(tsc_buf_puts(b, ",\"san\":["));
    for (unsigned i = 0; i < s->san_count; i++) {
        const char *e = tsc_x509_san_at(s, i);
        if (!e)
            break;
        if (i)
            W(tsc_buf_putc(b, ','));
        W(tsc_json_cstr(b, e));
    }
    W(tsc_buf_puts(b, "],\"ca\":"));
    jbool(b, s->is_ca);
    W(tsc_buf_puts(b, ",\"self_signed\":"));
    jbool(b, s->self_signed);
    W(tsc_buf_puts(b, ",\"sha256\":"));
    W(tsc_json_cstr(b, s->sha256));
    W(tsc_buf_putc(b, '}'));
}

static void j_ske(struct tsc_buf *b, const struct tsc_server_key_exchange *k, const struct tsc_msg_facts *f)
{
    static const char *kxn[] = {"unknown", "RSA", "DHE", "ECDHE", "PSK", "DHE_PSK",
                                "ECDHE_PSK", "RSA_PSK", "SRP", "ECDH", "DH"};
    W(tsc_buf_printf(b, "{\"type\":\"%s\"", kxn[k->kx]));
    if (k->kx == TSC_KX_ECDHE || k->kx == TSC_KX_ECDHE_PSK) {
        W(tsc_buf_puts(b, ",\"group\":"));
        jcode(b, k->named_curve, TSC_REG_GROUP);
        W(tsc_buf_printf(b, ",\"public_key_length\":%zu", k->point.len));
    } else if (k->kx == TSC_KX_DHE || k->kx == TSC_KX_DHE_PSK) {
        jnum(b, "dh_bits", f->dh_bits);
    } else if (k->kx == TSC_KX_RSA && k->rsa_modulus.len) {
        jnum(b, "rsa_modulus_bits", f->rsa_bits);
    }
    if (k->has_sig_alg) {
        W(tsc_buf_puts(b, ",\"signature_algorithm\":"));
        jcode(b, k->sig_alg, TSC_REG_SIGSCHEME);
    }
    if (k->signature.len)
        W(tsc_buf_printf(b, ",\"signature_length\":%zu", k->signature.len));
    W(tsc_buf_putc(b, '}'));
}

static struct jconn *jc_of(void **data)
{
    if (!*data) {
        struct jconn *j = calloc(1, sizeof *j);
        if (!j)
            return NULL;
        tsc_buf_init(&j->ch, PIECE_MAX);
        tsc_buf_init(&j->sh, PIECE_MAX);
        tsc_buf_init(&j->hrr, PIECE_MAX);
        tsc_buf_init(&j->msgs, PIECE_MAX);
        tsc_buf_init(&j->ccerts, PIECE_MAX);
        tsc_buf_init(&j->ske, PIECE_MAX);
        *data = j;
    }
    return *data;
}

static void jc_free(void **data)
{
    struct jconn *j = *data;
    if (!j)
        return;
    tsc_buf_free(&j->ch);
    tsc_buf_free(&j->sh);
    tsc_buf_free(&j->hrr);
    tsc_buf_free(&j->msgs);
    tsc_buf_free(&j->ccerts);
    tsc_buf_free(&j->ske);
    free(j);
    *data = NULL;
}

static void j_error_fields(struct tsc_buf *b, tsc_result st)
{
    W(tsc_buf_printf(b, ",\"error\":{\"kind\":\"%s\",\"reason\":", tsc_kind_name(st.kind)));
    W(tsc_json_cstr(b, st.why));
    W(tsc_buf_putc(b, '}'));
}

static void json_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    const struct tsc_sink_impl *s = ctx;
    struct jconn *j = jc_of(data);
    if (!j || ev->type == TSC_EV_ERROR)
        return;
    struct tsc_buf *m = &j->msgs;
    if (m->len > PIECE_MAX - 4096) {
        j->msgs_dropped++;
        return;
    }
    char ts[40];
    tsc_iso8601_us(ev->ts_us, ts, sizeof ts);
    if (j->n_msgs++)
        W(tsc_buf_putc(m, ','));
    W(tsc_buf_puts(m, "{\"dir\":\""));
    W(tsc_buf_puts(m, tsc_dir_name(ev->dir)));
    W(tsc_buf_puts(m, "\",\"ts\":\""));
    W(tsc_buf_puts(m, ts));
    W(tsc_buf_puts(m, "\",\"type\":"));
    switch (ev->type) {
    case TSC_EV_HANDSHAKE: {
        const struct tsc_hs_msg *msg = ev->msg;
        uint16_t type = tsc_is_ok(ev->status) ? msg->type : ev->wire_type;
        W(tsc_json_cstr(m, tsc_hs_type_snake(type)));
        jnum(m, "phase", ev->phase);
        jnum(m, "length", ev->length);
        if (!tsc_is_ok(ev->status)) {
            j_error_fields(m, ev->status);
            if (!ev->partial)
                break;
        }
        if (msg->type == TSC_HS_CLIENT_HELLO && msg->dtls)
            j_cookie(m, msg->u.ch.cookie); /* tells the two hellos of a cookie exchange apart */
        if (msg->type == TSC_HS_CLIENT_HELLO && j->ch.len == 0) {
            j_client_hello(&j->ch, &msg->u.ch, f, ev->status);
        } else if (msg->type == TSC_HS_HELLO_VERIFY_REQUEST && msg->dtls) {
            char hex[7];
            tsc_code_hex(msg->u.hvr.server_version, hex);
            W(tsc_buf_printf(m, ",\"server_version\":\"%s\",\"version_name\":", hex));
            W(tsc_json_cstr(m, tsc_version_name(msg->u.hvr.server_version)));
            j_cookie(m, msg->u.hvr.cookie);
        } else if (msg->type == TSC_HS_SERVER_HELLO && j->sh.len == 0) {
            j_server_hello(&j->sh, &msg->u.sh, f, ev->status);
        } else if (msg->type == TSC_HS_HELLO_RETRY_REQUEST && j->hrr.len == 0) {
            j_server_hello(&j->hrr, &msg->u.sh, f, ev->status);
        } else if (msg->type == TSC_HS_SERVER_KEY_EXCHANGE && j->ske.len == 0) {
            j_ske(&j->ske, &msg->u.ske, f);
        } else if (msg->type == TSC_HS_CERTIFICATE) {
            W(tsc_buf_printf(m, ",\"certificates\":%u", msg->u.cert.n));
            if (ev->dir == TSC_C2S) {
                for (uint16_t i = 0; i < ev->n_certs; i++) {
                    if (j->n_ccerts++)
                        W(tsc_buf_putc(&j->ccerts, ','));
                    j_cert(&j->ccerts, ev->certs[i], ev->cert_status[i], i);
                }
            }
        } else if (msg->type == TSC_HS_NEW_SESSION_TICKET) {
            W(tsc_buf_printf(m, ",\"lifetime\":%u,\"ticket_length\":%zu", msg->u.nst.lifetime,
                             msg->u.nst.ticket.len));
        } else if (msg->type == TSC_HS_KEY_UPDATE) {
            W(tsc_buf_printf(m, ",\"update_requested\":%s", msg->u.key_update ? "true" : "false"));
        }
        break;
    }
    case TSC_EV_ENCRYPTED_HS:
        W(tsc_buf_printf(m, "\"encrypted_handshake\",\"phase\":%u,\"length\":%zu", ev->phase, ev->length));
        if (ev->encrypted)
            W(tsc_buf_puts(m, ",\"inferred\":true"));
        break;
    case TSC_EV_CCS:
        W(tsc_buf_printf(m, "\"change_cipher_spec\",\"phase\":%u,\"length\":%zu", ev->phase, ev->length));
        break;
    case TSC_EV_ALERT:
        W(tsc_buf_printf(m, "\"alert\",\"phase\":%u,\"length\":%zu", ev->phase, ev->length));
        if (ev->encrypted) {
            W(tsc_buf_puts(m, ",\"encrypted\":true"));
        } else if (tsc_is_ok(ev->status)) {
            W(tsc_buf_puts(m, ",\"level\":"));
            W(tsc_json_cstr(m, tsc_alert_level_name(ev->alert.level)));
            W(tsc_buf_puts(m, ",\"description\":"));
            W(tsc_json_cstr(m, tsc_alert_desc_snake(ev->alert.description)));
        }
        break;
    case TSC_EV_HEARTBEAT:
        W(tsc_buf_printf(m, "\"heartbeat\",\"phase\":%u,\"length\":%zu", ev->phase, ev->length));
        if (ev->encrypted)
            W(tsc_buf_puts(m, ",\"encrypted\":true"));
        else
            W(tsc_buf_printf(m, ",\"heartbeat_type\":%u,\"payload_length\":%u", ev->hb.type,
                             ev->hb.payload_length));
        break;
    case TSC_EV_APP_DATA: {
        size_t n = ev->data.len < s->opts.data_preview ? ev->data.len : s->opts.data_preview;
        W(tsc_buf_printf(m, "\"application_data\",\"phase\":%u,\"length\":%zu", ev->phase, ev->length));
        if (ev->has_stream)
            W(tsc_buf_printf(m, ",\"stream\":%llu,\"offset\":%llu,\"fin\":%s", (unsigned long long)ev->stream_id,
                             (unsigned long long)ev->stream_offset, ev->fin ? "true" : "false"));
        if (tsc_data_is_text(ev->data.p, n)) {
            W(tsc_buf_puts(m, ",\"data\":"));
            W(tsc_json_str(m, ev->data.p, n, NULL));
            W(tsc_buf_puts(m, ",\"data_encoding\":\"text\""));
        } else {
            W(tsc_buf_puts(m, ",\"data\":\""));
            W(tsc_hex(m, ev->data.p, n));
            W(tsc_buf_puts(m, "\",\"data_encoding\":\"hex\""));
        }
        if (n < ev->data.len)
            W(tsc_buf_puts(m, ",\"data_truncated\":true"));
        break;
    }
    case TSC_EV_ERROR:
        break;
    }
    if (ev->type != TSC_EV_HANDSHAKE && !tsc_is_ok(ev->status))
        j_error_fields(m, ev->status);
    if (ev->decrypted)
        W(tsc_buf_puts(m, ",\"decrypted\":true"));
    if (ev->decrypt_error) {
        W(tsc_buf_puts(m, ",\"decrypt_error\":"));
        W(tsc_json_cstr(m, ev->decrypt_error));
    }
    W(tsc_buf_putc(m, '}'));
}

/* A QUIC version: "1", "2", or its number in hex. */
static void j_quic_version(struct tsc_buf *b, uint32_t v)
{
    if (v == TSC_QUIC_V1)
        W(tsc_buf_puts(b, "\"1\""));
    else if (v == TSC_QUIC_V2)
        W(tsc_buf_puts(b, "\"2\""));
    else if (v)
        W(tsc_buf_printf(b, "\"0x%08lx\"", (unsigned long)v));
    else
        W(tsc_buf_puts(b, "null"));
}

static void j_cid(struct tsc_buf *b, const struct tsc_quic_cid *id)
{
    W(tsc_buf_putc(b, '"'));
    W(tsc_hex(b, id->id, id->len));
    W(tsc_buf_putc(b, '"'));
}

/* The "quic" object of a QUIC connection (docs/json.md). */
static void j_quic(struct tsc_buf *b, const struct tsc_quic_info *q, const uint8_t *alpn, size_t alpn_len)
{
    static const char *const pt[TSC_QUIC_PTYPES] = {"initial", "0rtt", "handshake", "retry",
                                                    "version_negotiation", "1rtt", "unknown_version"};
    W(tsc_buf_puts(b, ",\"quic\":{\"version\":"));
    j_quic_version(b, q->version);
    W(tsc_buf_puts(b, ",\"server_version\":"));
    j_quic_version(b, q->server_version);
    W(tsc_buf_puts(b, ",\"original_dcid\":"));
    if (q->have_odcid)
        j_cid(b, &q->odcid);
    else
        W(tsc_buf_puts(b, "null"));
    for (int side = 0; side < 2; side++) {
        W(tsc_buf_puts(b, side == TSC_C2S ? ",\"client_cids\":[" : ",\"server_cids\":["));
        for (unsigned i = 0; i < q->n_cids[side]; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            j_cid(b, &q->cids[side][i]);
        }
        W(tsc_buf_putc(b, ']'));
    }
    W(tsc_buf_puts(b, ",\"retry\":"));
    jbool(b, q->retry);
    if (q->retry) {
        W(tsc_buf_puts(b, ",\"retry_scid\":"));
        j_cid(b, &q->retry_scid);
    }
    if (q->retry_tag_bad)
        W(tsc_buf_puts(b, ",\"retry_tag_invalid\":true"));
    W(tsc_buf_puts(b, ",\"version_negotiation\":"));
    if (q->vn) {
        W(tsc_buf_putc(b, '['));
        for (unsigned i = 0; i < q->n_vn; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            W(tsc_buf_printf(b, "\"0x%08lx\"", (unsigned long)q->vn_versions[i]));
        }
        W(tsc_buf_putc(b, ']'));
    } else {
        W(tsc_buf_puts(b, "null"));
    }
    W(tsc_buf_puts(b, ",\"packets\":{"));
    for (int d = 0; d < 2; d++) {
        W(tsc_buf_printf(b, "%s\"%s\":{\"datagrams\":%llu", d ? "," : "", tsc_dir_name(d),
                         (unsigned long long)q->datagrams[d]));
        for (int t = 0; t < TSC_QUIC_PTYPES; t++)
            W(tsc_buf_printf(b, ",\"%s\":%llu", pt[t], (unsigned long long)q->packets[d][t]));
        W(tsc_buf_printf(b, ",\"decrypted\":%llu,\"no_keys\":%llu,\"failed\":%llu}",
                         (unsigned long long)q->opened[d], (unsigned long long)q->no_keys[d],
                         (unsigned long long)q->failed[d]));
    }
    W(tsc_buf_printf(b, "},\"key_updates\":{\"c2s\":%llu,\"s2c\":%llu},\"zero_rtt_decrypted\":%llu",
                     (unsigned long long)q->key_updates[0], (unsigned long long)q->key_updates[1],
                     (unsigned long long)q->zero_rtt_opened));
    W(tsc_buf_puts(b, ",\"handshake_done\":"));
    jbool(b, q->handshake_done);
    W(tsc_buf_puts(b, ",\"frames\":{"));
    for (int d = 0; d < 2; d++) {
        W(tsc_buf_printf(b, "%s\"%s\":{", d ? "," : "", tsc_dir_name(d)));
        int first = 1;
        for (int k = 0; k < TSC_QUIC_FRAME_KINDS; k++) {
            if (!q->frames[d][k])
                continue;
            const char *name = tsc_quic_frame_name(tsc_quic_frame_kind_type(k));
            W(tsc_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",", name ? name : "unknown",
                             (unsigned long long)q->frames[d][k]));
            first = 0;
        }
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_printf(b, "},\"stream_bytes\":{\"c2s\":%llu,\"s2c\":%llu},\"close\":",
                     (unsigned long long)q->stream_bytes[0], (unsigned long long)q->stream_bytes[1]));
    if (q->have_close) {
        W(tsc_buf_printf(b, "{\"dir\":\"%s\",\"type\":\"%s\",\"code\":%llu,\"name\":", tsc_dir_name(q->close_dir),
                         q->close_app ? "application" : "transport", (unsigned long long)q->close_code));
        W(tsc_json_cstr(b, q->close_app ? tsc_quic_app_error_name(alpn, alpn_len, q->close_code)
                                         : tsc_quic_error_name(q->close_code)));
        if (!q->close_app)
            W(tsc_buf_printf(b, ",\"frame_type\":%llu", (unsigned long long)q->close_frame_type));
        W(tsc_buf_puts(b, ",\"reason\":"));
        W(tsc_json_str(b, q->close_reason, q->close_reason_len, NULL));
        W(tsc_buf_putc(b, '}'));
    } else {
        W(tsc_buf_puts(b, "null"));
    }
    W(tsc_buf_putc(b, '}'));
}

static void j_endpoint(struct tsc_buf *b, const struct tsc_endpoint *e)
{
    char ip[64];
    tsc_endpoint_ip(e, ip, sizeof ip);
    W(tsc_buf_printf(b, "{\"ip\":\"%s\",\"port\":%u}", ip, e->port));
}

static void json_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                      uint64_t ordinal)
{
    struct tsc_sink_impl *s = ctx;
    struct tsc_buf *b = &s->ob;
    struct jconn *j = jc_of(data);
    char ts[40];
    tsc_iso8601_us(c->start_us, ts, sizeof ts);
    W(tsc_buf_printf(b, "{\"id\":%llu,\"transport\":\"%s\",\"client\":", (unsigned long long)ordinal,
                     tsc_transport_name(c->transport)));
    j_endpoint(b, &c->client);
    W(tsc_buf_puts(b, ",\"server\":"));
    j_endpoint(b, &c->server);
    W(tsc_buf_printf(b, ",\"start\":\"%s\"", ts));
    tsc_iso8601_us(c->last_us, ts, sizeof ts);
    W(tsc_buf_printf(b, ",\"end\":\"%s\",\"version\":", ts));
    W(tsc_json_cstr(b, c->version ? tsc_version_name(c->version) : NULL));
    W(tsc_buf_puts(b, ",\"cipher_suite\":"));
    if (rep->have_suite) {
        const struct tsc_suite_info *si = &rep->suite;
        char hex[7];
        tsc_code_hex(c->suite, hex);
        W(tsc_buf_printf(b, "{\"code\":\"%s\",\"name\":", hex));
        W(tsc_json_cstr(b, si->name));
        W(tsc_buf_puts(b, ",\"key_exchange\":"));
        W(tsc_json_cstr(b, si->key_exchange));
        W(tsc_buf_puts(b, ",\"authentication\":"));
        W(tsc_json_cstr(b, si->authentication));
        W(tsc_buf_puts(b, ",\"encryption\":"));
        W(tsc_json_cstr(b, rep->suite_encryption));
        W(tsc_buf_puts(b, ",\"mac\":"));
        W(tsc_json_cstr(b, rep->suite_mac));
        W(tsc_buf_puts(b, ",\"aead\":"));
        jbool(b, si->aead);
        W(tsc_buf_puts(b, ",\"protocol\":"));
        W(tsc_json_cstr(b, si->protocol));
        W(tsc_buf_puts(b, ",\"cipher\":"));
        W(tsc_json_cstr(b, si->cipher));
        W(tsc_buf_printf(b, ",\"key_bits\":%u,\"mode\":", si->key_bits));
        W(tsc_json_cstr(b, si->mode));
        W(tsc_buf_puts(b, ",\"hash\":"));
        W(tsc_json_cstr(b, si->mac));
        W(tsc_buf_puts(b, ",\"tls13\":"));
        jbool(b, si->tls13);
        W(tsc_buf_putc(b, '}'));
    } else {
        W(tsc_buf_puts(b, "null"));
    }
    W(tsc_buf_puts(b, ",\"sni\":"));
    if (c->has_sni)
        W(tsc_json_str(b, c->sni, c->sni_len, NULL));
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_puts(b, ",\"alpn\":{\"offered\":["));
    for (unsigned i = 0; i < c->n_alpn_offered; i++) {
        if (i)
            W(tsc_buf_putc(b, ','));
        W(tsc_json_str(b, c->alpn_offered + c->alpn_offered_off[i], c->alpn_offered_len[i], NULL));
    }
    W(tsc_buf_puts(b, "],\"selected\":"));
    if (c->has_alpn_selected)
        W(tsc_json_str(b, c->alpn_selected, c->alpn_selected_len, NULL));
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_puts(b, "},\"resumed\":"));
    jbool(b, c->resumed);
    W(tsc_buf_puts(b, ",\"hello_retry\":"));
    jbool(b, c->hello_retry);
    W(tsc_buf_puts(b, ",\"renegotiated\":"));
    jbool(b, c->renegotiated);
    W(tsc_buf_puts(b, ",\"complete\":"));
    jbool(b, c->complete);
    W(tsc_buf_puts(b, ",\"starttls\":"));
    jbool(b, c->starttls);
    if (c->quic)
        j_quic(b, c->quic, c->alpn_selected, c->has_alpn_selected ? c->alpn_selected_len : 0);
    W(tsc_buf_puts(b, ",\"client_hello\":"));
    if (j && j->ch.len)
        W(tsc_buf_append(b, j->ch.data, j->ch.len));
    else
        W(tsc_buf_puts(b, "null"));
    if (j && j->hrr.len) {
        W(tsc_buf_puts(b, ",\"hello_retry_request\":"));
        W(tsc_buf_append(b, j->hrr.data, j->hrr.len));
    }
    W(tsc_buf_puts(b, ",\"server_hello\":"));
    if (j && j->sh.len)
        W(tsc_buf_append(b, j->sh.data, j->sh.len));
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_puts(b, ",\"certificates\":["));
    for (uint16_t i = 0; i < c->n_certs; i++) {
        if (i)
            W(tsc_buf_putc(b, ','));
        j_cert(b, c->certs[i], c->cert_status[i], i);
    }
    W(tsc_buf_putc(b, ']'));
    if (c->n_certs_total > c->n_certs)
        W(tsc_buf_printf(b, ",\"certificates_count\":%u", c->n_certs_total));
    if (j && j->n_ccerts) {
        W(tsc_buf_puts(b, ",\"client_certificates\":["));
        W(tsc_buf_append(b, j->ccerts.data, j->ccerts.len));
        W(tsc_buf_putc(b, ']'));
    }
    W(tsc_buf_puts(b, ",\"server_key_exchange\":"));
    if (j && j->ske.len)
        W(tsc_buf_append(b, j->ske.data, j->ske.len));
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_puts(b, ",\"session_ticket\":"));
    if (c->has_ticket)
        W(tsc_buf_printf(b, "{\"lifetime_hint\":%u,\"length\":%u}", c->ticket_lifetime, c->ticket_len));
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_puts(b, ",\"messages\":["));
    if (j && j->msgs.len)
        W(tsc_buf_append(b, j->msgs.data, j->msgs.len));
    W(tsc_buf_putc(b, ']'));
    if (j && j->msgs_dropped)
        W(tsc_buf_printf(b, ",\"messages_dropped\":%llu", (unsigned long long)j->msgs_dropped));
    W(tsc_buf_puts(b, ",\"alerts\":["));
    for (uint16_t i = 0; i < c->n_alerts; i++) {
        const struct tsc_alert_entry *a = &c->alerts[i];
        if (i)
            W(tsc_buf_putc(b, ','));
        W(tsc_buf_printf(b, "{\"dir\":\"%s\",\"level\":", tsc_dir_name(a->dir)));
        W(tsc_json_cstr(b, a->encrypted ? NULL : tsc_alert_level_name(a->level)));
        W(tsc_buf_puts(b, ",\"description\":"));
        W(tsc_json_cstr(b, a->encrypted ? NULL : tsc_alert_desc_snake(a->description)));
        W(tsc_buf_printf(b, ",\"encrypted\":%s}", a->encrypted ? "true" : "false"));
    }
    W(tsc_buf_puts(b, "],\"findings\":["));
    {
        const struct tsc_finding *fs = rep->findings;
        for (size_t i = 0; i < rep->n_findings; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            W(tsc_buf_puts(b, "{\"id\":"));
            W(tsc_json_cstr(b, fs[i].rule->id));
            W(tsc_buf_puts(b, ",\"severity\":"));
            W(tsc_json_cstr(b, tsc_severity_name(fs[i].rule->severity)));
            W(tsc_buf_puts(b, ",\"title\":"));
            W(tsc_json_cstr(b, fs[i].rule->title));
            W(tsc_buf_puts(b, ",\"detail\":"));
            W(tsc_json_cstr(b, fs[i].detail));
            W(tsc_buf_putc(b, '}'));
        }
    }
    W(tsc_buf_puts(b, "],\"app_data\":{"));
    for (int d = 0; d < 2; d++) {
        W(tsc_buf_printf(b, "%s\"%s\":{\"records\":%llu,\"bytes\":%llu", d ? "," : "", tsc_dir_name(d),
                         (unsigned long long)c->app_records[d], (unsigned long long)c->app_bytes[d]));
        if (c->dec.enabled && c->dec.ok[d])
            W(tsc_buf_printf(b, ",\"plaintext_bytes\":%llu", (unsigned long long)c->dec.plaintext[d]));
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_putc(b, '}'));
    if (c->dec.enabled) {
        static const char *const src[] = {NULL, "keylog", "rsa_key", "resumed_session"};
        W(tsc_buf_puts(b, ",\"decryption\":{\"status\":"));
        W(tsc_json_cstr(b, tsc_decrypt_status(c)));
        W(tsc_buf_puts(b, ",\"keys\":"));
        W(tsc_json_cstr(b, c->dec.keys < 4 ? src[c->dec.keys] : NULL));
        W(tsc_buf_puts(b, ",\"records\":{"));
        for (int d = 0; d < 2; d++)
            W(tsc_buf_printf(b, "%s\"%s\":{\"decrypted\":%llu,\"failed\":%llu,\"encrypted\":%llu}", d ? "," : "",
                             tsc_dir_name(d), (unsigned long long)c->dec.ok[d], (unsigned long long)c->dec.failed[d],
                             (unsigned long long)c->dec.opaque[d]));
        W(tsc_buf_puts(b, "},\"note\":"));
        W(tsc_json_cstr(b, c->dec.note));
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_puts(b, ",\"errors\":["));
    for (uint16_t i = 0; i < c->n_errors; i++) {
        const struct tsc_conn_error *e = &c->errors[i];
        if (i)
            W(tsc_buf_putc(b, ','));
        W(tsc_buf_printf(b, "{\"dir\":\"%s\",\"kind\":\"%s\",\"reason\":", tsc_dir_name(e->dir),
                         tsc_error_kind_name(e->kind)));
        W(tsc_json_cstr(b, e->why));
        if (e->kind == TSC_KIND_GAP)
            W(tsc_buf_printf(b, ",\"missing_bytes\":%llu", (unsigned long long)e->detail));
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_putc(b, ']'));
    if (c->n_errors_total > c->n_errors)
        W(tsc_buf_printf(b, ",\"errors_count\":%u", c->n_errors_total));
    const struct tsc_peer_verdict *pv = tsc_sink_peer_verdict(s, &c->client);
    if (pv) {
        W(tsc_buf_printf(b, ",\"peer_verify\":{\"verified\":%s,\"reason\":", pv->verified ? "true" : "false"));
        W(tsc_json_cstr(b, pv->verified ? NULL : pv->reason));
        W(tsc_buf_printf(b, ",\"insecure\":%s}", pv->insecure ? "true" : "false"));
    }
    W(tsc_buf_puts(b, "}\n"));
    jc_free(data);
    tsc_report_out_flush(s, 0);
}

static void json_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    jc_free(data);
}

int tsc_json_sink_init(struct tsc_sink_impl *s);
int tsc_json_sink_init(struct tsc_sink_impl *s)
{
    s->render.ctx = s;
    /* ja3 + ja3_string, ja4 + ja4_r, ja3s + ja3s_string; the suite in words */
    s->render.need = TSC_NEED_FP | TSC_NEED_FP_TEXT | TSC_NEED_SUITE_TEXT;
    s->render.event = json_event;
    s->render.emit = json_emit;
    s->render.discard = json_discard;
    return 0;
}

void tsc_json_client_hello(struct tsc_buf *b, const struct tsc_client_hello *ch, const struct tsc_msg_facts *f)
{
    j_client_hello(b, ch, f, tsc_ok());
}
