/*
 * text.c - the human reports: the four phases of each connection (default),
 * and with -v the full tree of every field. Messages are grouped by phase,
 * in wire order within a phase. Untrusted strings go through tsc_text_str.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "registry/registry.h"
#include "report/report.h"
#include "tls/quic.h"

#define PHASE_MAX ((size_t)8 << 20)
#define W(expr) (void)(expr)

struct tconn {
    struct tsc_buf phase[5]; /* 1..4; [0] for errors */
    uint64_t dropped;
};

struct color {
    const char *bold, *dim, *red, *yellow, *green, *off;
};

static struct color colors(const struct tsc_sink_impl *s)
{
    struct color on = {"\033[1m", "\033[2m", "\033[31m", "\033[33m", "\033[32m", "\033[0m"};
    struct color off = {"", "", "", "", "", ""};
    return s->opts.color ? on : off;
}

static const char *arrow(int dir) { return dir == TSC_C2S ? "C>S" : "S>C"; }

static void name_code(struct tsc_buf *b, int reg, uint16_t code)
{
    const char *n = tsc_reg_name((enum tsc_reg)reg, code);
    char hex[7];
    tsc_code_hex(code, hex);
    if (n)
        W(tsc_buf_printf(b, "%s (%s)", n, hex));
    else
        W(tsc_buf_printf(b, "unknown (%s)", hex));
}

static void text_view(struct tsc_buf *b, struct tsc_view v) { W(tsc_text_str(b, v.p, v.len)); }

static void hex_short(struct tsc_buf *b, struct tsc_view v, size_t max)
{
    if (v.len == 0) {
        W(tsc_buf_puts(b, "empty"));
        return;
    }
    W(tsc_hex(b, v.p, v.len < max ? v.len : max));
    if (v.len > max)
        W(tsc_buf_printf(b, "... (%zu bytes)", v.len));
}

/* Names of the one-byte values of ec_point_formats and psk_key_exchange_modes. */
static const char *small_name(uint16_t type, uint16_t v)
{
    static const char *pf[] = {"uncompressed", "ansiX962_compressed_prime", "ansiX962_compressed_char2"};
    static const char *pm[] = {"psk_ke", "psk_dhe_ke"};
    if (type == TSC_EXT_EC_POINT_FORMATS && v < 3)
        return pf[v];
    if (type == TSC_EXT_PSK_KEY_EXCHANGE_MODES && v < 2)
        return pm[v];
    return NULL;
}

/* quic_transport_parameters: `name=value` each (six unless verbose). */
static void quic_tp_text(struct tsc_buf *b, const struct tsc_ext *e, int verbose)
{
    struct tsc_cursor c = tsc_cursor_of(e->data);
    struct tsc_quic_tp tp;
    char ip[64];
    W(tsc_buf_puts(b, ": "));
    for (uint32_t i = 0; tsc_cursor_left(&c) && tsc_is_ok(tsc_quic_tp_next(&c, &tp)); i++) {
        if (i)
            W(tsc_buf_puts(b, ", "));
        if (!verbose && i == 6) {
            W(tsc_buf_printf(b, "... (%u)", e->u.quic_tp.n));
            break;
        }
        const char *n = tsc_quic_tp_name(tp.id);
        if (tsc_quic_tp_is_grease(tp.id))
            W(tsc_buf_printf(b, "GREASE (0x%" PRIx64 ")", tp.id));
        else if (n)
            W(tsc_buf_puts(b, n));
        else
            W(tsc_buf_printf(b, "unknown (0x%" PRIx64 ")", tp.id));
        switch (tp.kind) {
        case TSC_QTP_INT:
            W(tsc_buf_printf(b, "=%" PRIu64, tp.num));
            break;
        case TSC_QTP_EMPTY:
            break;
        case TSC_QTP_CID:
            W(tsc_buf_putc(b, '='));
            hex_short(b, tp.value, 20);
            break;
        case TSC_QTP_PREFERRED_ADDRESS:
            W(tsc_buf_printf(b, "=%s:%u", inet_ntop(AF_INET, tp.pref.v4, ip, sizeof ip) ? ip : "?",
                             tp.pref.v4_port));
            W(tsc_buf_printf(b, " [%s]:%u", inet_ntop(AF_INET6, tp.pref.v6, ip, sizeof ip) ? ip : "?",
                             tp.pref.v6_port));
            break;
        case TSC_QTP_VERSION_INFO:
            W(tsc_buf_printf(b, "=0x%08" PRIx32 " of %zu", tp.vi.chosen, tp.vi.available.len / 4));
            break;
        default:
            if (tp.value.len)
                W(tsc_buf_printf(b, " (%zu bytes)", tp.value.len));
            break;
        }
    }
}

/* One extension, one line: name and what it says. */
static void ext_line(struct tsc_buf *b, const struct tsc_ext *e, int verbose, int server)
{
    const char *n = tsc_ext_name(e->type);
    char hex[7];
    tsc_code_hex(e->type, hex);
    if (tsc_reg_is_grease(e->type))
        W(tsc_buf_printf(b, "GREASE (%s)", hex));
    else if (n)
        W(tsc_buf_puts(b, n));
    else
        W(tsc_buf_printf(b, "unknown (%s)", hex));
    switch (e->form) {
    case TSC_EXTF_EMPTY:
        if (e->type == TSC_EXT_SESSION_TICKET)
            W(tsc_buf_puts(b, server ? ": a new ticket will follow" : ": empty (asks for a new ticket)"));
        break;
    case TSC_EXTF_U8:
    case TSC_EXTF_U16:
    case TSC_EXTF_U32:
        if (e->type == TSC_EXT_SUPPORTED_VERSIONS)
            W(tsc_buf_printf(b, ": %s", tsc_version_name((uint16_t)e->u.num) ? tsc_version_name((uint16_t)e->u.num)
                                                                              : "unknown"));
        else if (e->type == TSC_EXT_KEY_SHARE) {
            W(tsc_buf_puts(b, ": retry with "));
            name_code(b, TSC_REG_GROUP, (uint16_t)e->u.num);
        } else if (e->type == TSC_EXT_MAX_FRAGMENT_LENGTH)
            W(tsc_buf_printf(b, ": %u bytes", 1u << (8 + e->u.num)));
        else if (e->type == TSC_EXT_HEARTBEAT)
            W(tsc_buf_printf(b, ": %s", e->u.num == 1 ? "peer allowed to send" : "peer not allowed to send"));
        else if (e->type == TSC_EXT_PRE_SHARED_KEY)
            W(tsc_buf_printf(b, ": server accepted identity %u", (unsigned)e->u.num));
        else
            W(tsc_buf_printf(b, ": %u", (unsigned)e->u.num));
        break;
    case TSC_EXTF_U16_LIST:
    case TSC_EXTF_U8_LIST: {
        int reg = tsc_ext_list_registry(e->type);
        size_t cnt = tsc_ext_list_count(e);
        W(tsc_buf_puts(b, ": "));
        for (size_t i = 0; i < cnt; i++) {
            uint16_t v = tsc_ext_list_at(e, i);
            if (i)
                W(tsc_buf_puts(b, ", "));
            if (!verbose && i == 6) {
                W(tsc_buf_printf(b, "... (%zu)", cnt));
                break;
            }
            const char *vn = reg >= 0 ? tsc_reg_name((enum tsc_reg)reg, v) : small_name(e->type, v);
            if (vn)
                W(tsc_buf_puts(b, vn));
            else
                W(tsc_buf_printf(b, "%u", v));
        }
        break;
    }
    case TSC_EXTF_NAMES:
        W(tsc_buf_puts(b, ": "));
        for (uint16_t i = 0; i < e->u.names.stored; i++) {
            if (i)
                W(tsc_buf_puts(b, ", "));
            text_view(b, e->u.names.v[i]);
        }
        break;
    case TSC_EXTF_KEY_SHARE:
        W(tsc_buf_puts(b, ": "));
        for (uint16_t i = 0; i < e->u.key_share.stored; i++) {
            if (i)
                W(tsc_buf_puts(b, ", "));
            const char *g = tsc_reg_name(TSC_REG_GROUP, e->u.key_share.s[i].group);
            W(tsc_buf_printf(b, "%s (%zu-byte key)", g ? g : "unknown", e->u.key_share.s[i].key.len));
        }
        break;
    case TSC_EXTF_PSK:
        W(tsc_buf_printf(b, ": %u identit%s offered (resumption)", e->u.psk.n, e->u.psk.n == 1 ? "y" : "ies"));
        break;
    case TSC_EXTF_STATUS:
        W(tsc_buf_printf(b, ": %s", e->u.status.status_type == 1 ? "OCSP" : "other"));
        break;
    case TSC_EXTF_BYTES:
        if (e->type == TSC_EXT_SESSION_TICKET)
            W(tsc_buf_printf(b, ": %zu-byte ticket (asks to resume)", e->u.bytes.len));
        else if (e->type == TSC_EXT_RENEGOTIATION_INFO)
            W(tsc_buf_printf(b, ": %s", e->u.bytes.len ? "renegotiating" : "initial handshake (secure renegotiation supported)"));
        else
            W(tsc_buf_printf(b, ": %zu bytes", e->u.bytes.len));
        break;
    case TSC_EXTF_ECH:
        if (e->u.ech.ech_type == 0)
            W(tsc_buf_printf(b, ": outer, config %u, %zu-byte payload", e->u.ech.config_id, e->u.ech.payload.len));
        else if (e->u.ech.ech_type == 1)
            W(tsc_buf_puts(b, ": inner"));
        else
            W(tsc_buf_printf(b, ": %zu bytes", e->u.ech.payload.len));
        break;
    case TSC_EXTF_CAS:
        W(tsc_buf_printf(b, ": %u authorities", e->u.cas.n));
        break;
    case TSC_EXTF_QUIC_TP:
        quic_tp_text(b, e, verbose);
        break;
    case TSC_EXTF_SRTP: {
        /* SRTPProtectionProfiles (RFC 5764 4.1.1): the client's list, or the one the server chose */
        size_t cnt = e->u.srtp.profiles.len / 2;
        W(tsc_buf_puts(b, server ? ": selected " : ": "));
        for (size_t i = 0; i < cnt; i++) {
            uint16_t v = tsc_view_u16(e->u.srtp.profiles, i);
            const char *pn = tsc_reg_name(TSC_REG_SRTP_PROFILE, v);
            if (i)
                W(tsc_buf_puts(b, ", "));
            if (pn)
                W(tsc_buf_puts(b, pn));
            else
                W(tsc_buf_printf(b, "unknown (0x%04x)", v));
        }
        if (e->u.srtp.mki.len) {
            W(tsc_buf_printf(b, "; MKI %zu bytes ", e->u.srtp.mki.len));
            hex_short(b, e->u.srtp.mki, verbose ? 64 : 16);
        }
        break;
    }
    default:
        if (e->data.len) {
            W(tsc_buf_puts(b, ": "));
            hex_short(b, e->data, verbose ? 64 : 16);
        }
        break;
    }
    if (!tsc_is_ok(e->status))
        W(tsc_buf_printf(b, " (malformed: %s)", e->status.why));
}

static void ext_block(struct tsc_buf *b, const struct tsc_ext_list *l, int verbose, const char *indent,
                      int server)
{
    if (!l->present)
        return;
    if (!verbose) {
        W(tsc_buf_printf(b, "%s%u extension%s: ", indent, l->n, l->n == 1 ? "" : "s"));
        for (uint16_t i = 0; i < l->stored; i++) {
            const struct tsc_ext *e = &l->ext[i];
            if (i)
                W(tsc_buf_puts(b, ", "));
            if (e->type == TSC_EXT_SERVER_NAME || e->type == TSC_EXT_ALPN || e->type == TSC_EXT_SESSION_TICKET ||
                e->type == TSC_EXT_SUPPORTED_VERSIONS || e->type == TSC_EXT_KEY_SHARE)
                ext_line(b, e, 0, server);
            else if (tsc_reg_is_grease(e->type))
                W(tsc_buf_puts(b, "GREASE"));
            else {
                const char *n = tsc_ext_name(e->type);
                if (n)
                    W(tsc_buf_puts(b, n));
                else
                    W(tsc_buf_printf(b, "%u", e->type));
            }
        }
        W(tsc_buf_putc(b, '\n'));
        return;
    }
    W(tsc_buf_printf(b, "%sextensions (%u):\n", indent, l->n));
    for (uint16_t i = 0; i < l->stored; i++) {
        W(tsc_buf_printf(b, "%s  - ", indent));
        ext_line(b, &l->ext[i], 1, server);
        W(tsc_buf_putc(b, '\n'));
    }
}

/* A DTLS cookie: its length and its bytes ("empty" when there is none). */
static void cookie_text(struct tsc_buf *b, struct tsc_view v, int verbose)
{
    W(tsc_buf_puts(b, "cookie "));
    if (v.len == 0) {
        W(tsc_buf_puts(b, "empty"));
        return;
    }
    size_t max = verbose ? 255 : 8;
    W(tsc_buf_printf(b, "%zu bytes ", v.len));
    W(tsc_hex(b, v.p, v.len < max ? v.len : max));
    if (v.len > max)
        W(tsc_buf_puts(b, "..."));
}

static void client_hello(struct tsc_buf *b, const struct tsc_client_hello *ch, const struct tsc_msg_facts *f,
                         int verbose)
{
    const char *ind = "        ";
    const char *vn = tsc_version_name(ch->legacy_version);
    W(tsc_buf_printf(b, " %s", vn ? vn : "unknown version"));
    if (ch->sslv2)
        W(tsc_buf_puts(b, " in SSLv2 format"));
    W(tsc_buf_puts(b, ", random "));
    hex_short(b, ch->random, verbose ? 32 : 8);
    W(tsc_buf_puts(b, ", session id "));
    hex_short(b, ch->session_id, verbose ? 32 : 8);
    if (ch->dtls) {
        /* the second ClientHello of a cookie exchange echoes the server's cookie */
        W(tsc_buf_puts(b, ", "));
        cookie_text(b, ch->cookie, verbose);
    }
    W(tsc_buf_putc(b, '\n'));
    size_t n = tsc_client_hello_n_suites(ch);
    W(tsc_buf_printf(b, "%s%zu cipher suite%s offered", ind, n, n == 1 ? "" : "s"));
    if (!verbose) {
        W(tsc_buf_puts(b, ": "));
        for (size_t i = 0; i < n && i < 3; i++) {
            uint32_t s = tsc_client_hello_suite_at(ch, i);
            const char *sn = s <= 0xffff ? tsc_reg_name(TSC_REG_CIPHER_SUITE, (uint16_t)s) : NULL;
            W(tsc_buf_printf(b, "%s%s", i ? ", " : "", sn ? sn : "unknown"));
        }
        if (n > 3)
            W(tsc_buf_puts(b, ", ... (-v lists all)"));
        W(tsc_buf_putc(b, '\n'));
    } else {
        W(tsc_buf_puts(b, ":\n"));
        for (size_t i = 0; i < n; i++) {
            uint32_t s = tsc_client_hello_suite_at(ch, i);
            W(tsc_buf_printf(b, "%s  - ", ind));
            if (s <= 0xffff)
                name_code(b, TSC_REG_CIPHER_SUITE, (uint16_t)s);
            else
                W(tsc_buf_printf(b, "SSLv2 cipher kind 0x%06x", (unsigned)s));
            W(tsc_buf_putc(b, '\n'));
        }
        W(tsc_buf_printf(b, "%scompression methods:", ind));
        for (size_t i = 0; i < ch->compression.len; i++)
            W(tsc_buf_printf(b, " %s", ch->compression.p[i] == 0 ? "null" : ch->compression.p[i] == 1 ? "DEFLATE" : "other"));
        W(tsc_buf_putc(b, '\n'));
    }
    ext_block(b, &ch->ext, verbose, ind, 0);
    if (!(f->have & TSC_HAVE_CH_FP))
        return;
    const struct tsc_fp_client *fp = &f->ch;
    if (f->ja3_usable && f->ja4_usable)
        W(tsc_buf_printf(b, "%sJA3 %s, JA4 %s\n", ind, fp->ja3_md5, fp->ja4));
    if (verbose && f->ja3_usable) {
        W(tsc_buf_printf(b, "%sJA3 string ", ind));
        W(tsc_text_cstr(b, fp->ja3));
        W(tsc_buf_putc(b, '\n'));
    }
}

static void suite_line(struct tsc_buf *b, const struct tsc_msg_facts *f)
{
    char hex[7];
    tsc_code_hex(f->suite.code, hex);
    W(tsc_buf_printf(b, "%s (%s): %s", f->suite.name ? f->suite.name : "unknown suite", hex, f->suite_meaning));
}

static void server_hello(struct tsc_buf *b, const struct tsc_server_hello *sh, const struct tsc_msg_facts *f,
                         int verbose)
{
    const char *ind = "        ";
    uint16_t v = tsc_server_hello_version(sh);
    const char *vn = tsc_version_name(v);
    W(tsc_buf_printf(b, " %s, random ", vn ? vn : "unknown version"));
    hex_short(b, sh->random, verbose ? 32 : 8);
    W(tsc_buf_puts(b, ", session id "));
    hex_short(b, sh->session_id, verbose ? 32 : 8);
    W(tsc_buf_printf(b, "\n%sselected ", ind));
    suite_line(b, f);
    if (sh->compression)
        W(tsc_buf_printf(b, "\n%scompression %u (TLS compression enabled)", ind, sh->compression));
    W(tsc_buf_putc(b, '\n'));
    ext_block(b, &sh->ext, verbose, ind, 1);
    if ((f->have & TSC_HAVE_SH_FP) && f->ja3s_usable)
        W(tsc_buf_printf(b, "%sJA3S %s\n", ind, f->sh.ja3s_md5));
}

static void cert_block(struct tsc_buf *b, const struct tsc_x509_summary *s, tsc_result st, unsigned i,
                       int verbose)
{
    const char *ind = "          ";
    if (!tsc_is_ok(st)) {
        W(tsc_buf_printf(b, "        [%u] (%s: %s)\n", i, tsc_kind_name(st.kind), st.why));
        return;
    }
    W(tsc_buf_printf(b, "        [%u] subject ", i));
    W(tsc_text_cstr(b, s->subject));
    W(tsc_buf_printf(b, "\n%sissuer  ", ind));
    W(tsc_text_cstr(b, s->issuer));
    W(tsc_buf_printf(b, "%s\n%sserial  %s\n%svalid   %s to %s\n%skey     %s", s->self_signed ? " (self-signed)" : "",
                     ind, s->serial, ind, s->not_before, s->not_after, ind, s->pubkey_algorithm));
    if (s->pubkey_bits)
        W(tsc_buf_printf(b, " %d bits", s->pubkey_bits));
    if (s->pubkey_curve[0])
        W(tsc_buf_printf(b, " %s", s->pubkey_curve));
    W(tsc_buf_printf(b, ", signed with %s%s\n", s->signature_algorithm, s->is_ca ? ", CA" : ""));
    if (s->san_count) {
        W(tsc_buf_printf(b, "%snames   ", ind));
        for (unsigned k = 0; k < s->san_count; k++) {
            const char *e = tsc_x509_san_at(s, k);
            if (!e)
                break;
            if (!verbose && k == 4) {
                W(tsc_buf_printf(b, ", ... (%u)", s->san_count));
                break;
            }
            if (k)
                W(tsc_buf_puts(b, ", "));
            W(tsc_text_cstr(b, e));
        }
        W(tsc_buf_putc(b, '\n'));
    }
    if (verbose)
        W(tsc_buf_printf(b, "%ssha256  %s\n%sversion %d\n", ind, s->sha256, ind, s->version));
}

static void ske_line(struct tsc_buf *b, const struct tsc_server_key_exchange *k, const struct tsc_msg_facts *f)
{
    switch (k->kx) {
    case TSC_KX_ECDHE:
    case TSC_KX_ECDHE_PSK:
        W(tsc_buf_puts(b, " ECDHE on "));
        name_code(b, TSC_REG_GROUP, k->named_curve);
        W(tsc_buf_printf(b, ", %zu-byte public key", k->point.len));
        break;
    case TSC_KX_DHE:
    case TSC_KX_DHE_PSK:
        W(tsc_buf_printf(b, " DHE with a %u-bit prime", (unsigned)f->dh_bits));
        break;
    case TSC_KX_RSA:
        W(tsc_buf_printf(b, " temporary RSA key, %u-bit modulus (export)", (unsigned)f->rsa_bits));
        break;
    case TSC_KX_PSK:
    case TSC_KX_RSA_PSK:
        W(tsc_buf_printf(b, " PSK identity hint of %zu bytes", k->psk_hint.len));
        break;
    case TSC_KX_SRP:
        W(tsc_buf_printf(b, " SRP with a %u-bit group", (unsigned)f->srp_bits));
        break;
    default:
        W(tsc_buf_puts(b, " (parameters of this key exchange not decoded)"));
        break;
    }
    if (k->has_sig_alg) {
        W(tsc_buf_puts(b, ", signed with "));
        name_code(b, TSC_REG_SIGSCHEME, k->sig_alg);
    } else if (k->signature.len) {
        W(tsc_buf_printf(b, ", %zu-byte signature", k->signature.len));
    }
}

static void hs_details(struct tsc_buf *b, const struct tsc_event *ev, const struct tsc_msg_facts *f, int verbose)
{
    const struct tsc_hs_msg *m = ev->msg;
    switch (m->type) {
    case TSC_HS_CLIENT_HELLO:
        client_hello(b, &m->u.ch, f, verbose);
        return;
    case TSC_HS_SERVER_HELLO:
        server_hello(b, &m->u.sh, f, verbose);
        return;
    case TSC_HS_HELLO_RETRY_REQUEST:
        W(tsc_buf_puts(b, " the server asks the client to try again\n"));
        ext_block(b, &m->u.sh.ext, 1, "        ", 1);
        return;
    case TSC_HS_HELLO_VERIFY_REQUEST: {
        if (!m->dtls)
            break; /* named only, outside DTLS */
        const char *vn = tsc_version_name(m->u.hvr.server_version);
        W(tsc_buf_printf(b, " %s, ", vn ? vn : "unknown version"));
        cookie_text(b, m->u.hvr.cookie, verbose);
        W(tsc_buf_puts(b, " (the client is to send its ClientHello again with it)"));
        break;
    }
    case TSC_HS_CERTIFICATE:
        W(tsc_buf_printf(b, " %u certificate%s\n", m->u.cert.n, m->u.cert.n == 1 ? "" : "s"));
        for (uint16_t i = 0; i < ev->n_certs; i++)
            cert_block(b, ev->certs[i], ev->cert_status[i], i, verbose);
        return;
    case TSC_HS_SERVER_KEY_EXCHANGE:
        ske_line(b, &m->u.ske, f);
        break;
    case TSC_HS_CLIENT_KEY_EXCHANGE:
        if (m->u.cke.kx == TSC_KX_RSA)
            W(tsc_buf_printf(b, " premaster secret encrypted to the server's RSA key (%zu bytes)",
                             m->u.cke.exchange.len));
        else
            W(tsc_buf_printf(b, " client public value, %zu bytes", m->u.cke.exchange.len));
        break;
    case TSC_HS_CERTIFICATE_REQUEST:
        if (m->u.cr.tls13)
            W(tsc_buf_puts(b, " the server asks for a client certificate"));
        else
            W(tsc_buf_printf(b, " the server asks for a client certificate (%u acceptable CAs)", m->u.cr.n_cas));
        break;
    case TSC_HS_CERTIFICATE_VERIFY:
        if (m->u.cv.has_sig_alg) {
            W(tsc_buf_puts(b, " signed with "));
            name_code(b, TSC_REG_SIGSCHEME, m->u.cv.sig_alg);
        }
        break;
    case TSC_HS_NEW_SESSION_TICKET: {
        uint32_t lt = m->u.nst.lifetime;
        W(tsc_buf_printf(b, " lifetime %s%u s", m->u.nst.tls13 ? "" : "hint ", lt));
        if (lt >= 3600)
            W(tsc_buf_printf(b, " (%.1f h)", lt / 3600.0));
        W(tsc_buf_printf(b, ", ticket %zu bytes", m->u.nst.ticket.len));
        break;
    }
    case TSC_HS_FINISHED:
        W(tsc_buf_puts(b, " verify_data "));
        hex_short(b, m->u.finished, 16);
        break;
    case TSC_HS_KEY_UPDATE:
        W(tsc_buf_printf(b, " %s", m->u.key_update ? "update requested" : "update not requested"));
        break;
    case TSC_HS_CERTIFICATE_STATUS:
        W(tsc_buf_printf(b, " OCSP response, %zu bytes", m->u.cs.response.len));
        break;
    case TSC_HS_ENCRYPTED_EXTENSIONS:
        W(tsc_buf_putc(b, '\n'));
        ext_block(b, &m->u.ee, verbose, "        ", 1);
        return;
    default:
        break;
    }
    W(tsc_buf_putc(b, '\n'));
}

static struct tconn *tc_of(void **data)
{
    if (!*data) {
        struct tconn *t = calloc(1, sizeof *t);
        if (!t)
            return NULL;
        for (int i = 0; i < 5; i++)
            tsc_buf_init(&t->phase[i], PHASE_MAX);
        *data = t;
    }
    return *data;
}

static void tc_free(void **data)
{
    struct tconn *t = *data;
    if (!t)
        return;
    for (int i = 0; i < 5; i++)
        tsc_buf_free(&t->phase[i]);
    free(t);
    *data = NULL;
}

static void text_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    struct tsc_sink_impl *s = ctx;
    int verbose = s->opts.verbose;
    struct color col = colors(s);
    struct tconn *t = tc_of(data);
    if (!t)
        return;
    int ph = ev->type == TSC_EV_ERROR ? 0 : (ev->phase >= 1 && ev->phase <= 4 ? ev->phase : 4);
    struct tsc_buf *b = &t->phase[ph];
    if (b->len > PHASE_MAX - 65536) {
        t->dropped++;
        return;
    }
    if (ev->type == TSC_EV_ERROR) {
        const struct tsc_conn_error *e = ev->error;
        W(tsc_buf_printf(b, "   %s%s %s: %s", col.red, arrow(e->dir), tsc_error_kind_name(e->kind), e->why));
        if (e->kind == TSC_KIND_GAP)
            W(tsc_buf_printf(b, " (%llu bytes)", (unsigned long long)e->detail));
        W(tsc_buf_printf(b, "%s\n", col.off));
        return;
    }
    W(tsc_buf_printf(b, "   %s ", arrow(ev->dir)));
    if (ev->decrypted)
        W(tsc_buf_printf(b, "%s(decrypted)%s ", col.dim, col.off));
    if (ev->decrypt_error)
        W(tsc_buf_printf(b, "%s(did not decrypt: %s)%s ", col.red, ev->decrypt_error, col.off));
    switch (ev->type) {
    case TSC_EV_HANDSHAKE: {
        uint16_t type = tsc_is_ok(ev->status) ? ev->msg->type : ev->wire_type;
        W(tsc_buf_printf(b, "%s%s%s", col.bold, tsc_hs_type_title(type), col.off));
        if (!tsc_is_ok(ev->status)) {
            W(tsc_buf_printf(b, " %s(%s: %s, %zu bytes)%s", col.red, tsc_kind_name(ev->status.kind),
                             ev->status.why, ev->length, col.off));
            if (!ev->partial) {
                W(tsc_buf_putc(b, '\n'));
                break;
            }
            W(tsc_buf_puts(b, ", as far as it could be read:\n       "));
        }
        hs_details(b, ev, f, verbose);
        break;
    }
    case TSC_EV_ENCRYPTED_HS:
        if (ev->decrypt_error)
            W(tsc_buf_printf(b, "%sencrypted record%s (%zu bytes)\n", col.bold, col.off, ev->length));
        else if (ev->encrypted)
            W(tsc_buf_printf(b, "%sencrypted handshake%s (%zu bytes; TLS 1.3 %s, inferred)\n", col.bold, col.off,
                             ev->length, ev->dir == TSC_S2C ? "server flight: certificate, verify, Finished"
                                                            : "client Finished"));
        else
            W(tsc_buf_printf(b, "%sFinished%s (encrypted, %zu bytes)\n", col.bold, col.off, ev->length));
        break;
    case TSC_EV_CCS:
        W(tsc_buf_printf(b, "%sChangeCipherSpec%s %s\n", col.bold, col.off,
                         ev->conn->version == TSC_TLS13 || ev->conn->version == TSC_DTLS13
                                                        ? "(TLS 1.3 middlebox compatibility; no effect)"
                         : ev->dir == TSC_C2S           ? "records from the client are encrypted from here"
                                                        : "records from the server are encrypted from here"));
        break;
    case TSC_EV_ALERT:
        if (ev->encrypted) {
            W(tsc_buf_printf(b, "%sAlert%s (encrypted, %zu bytes)\n", col.bold, col.off, ev->length));
        } else if (tsc_is_ok(ev->status)) {
            const char *lv = tsc_alert_level_name(ev->alert.level);
            const char *ds = tsc_alert_desc_snake(ev->alert.description);
            W(tsc_buf_printf(b, "%sAlert%s %s%s %s%s\n", col.bold, col.off, ev->alert.level == 2 ? col.red : "",
                             lv ? lv : "unknown-level", ds ? ds : "unknown", col.off));
        } else {
            W(tsc_buf_printf(b, "%sAlert%s (malformed: %s)\n", col.bold, col.off, ev->status.why));
        }
        break;
    case TSC_EV_HEARTBEAT:
        if (ev->encrypted)
            W(tsc_buf_printf(b, "%sHeartbeat%s (encrypted, %zu bytes)\n", col.bold, col.off, ev->length));
        else
            W(tsc_buf_printf(b, "%sHeartbeat%s %s, payload_length %u%s%s\n", col.bold, col.off,
                             ev->hb.type == 1 ? "request" : "response", ev->hb.payload_length,
                             tsc_is_ok(ev->status) ? "" : " ", tsc_is_ok(ev->status) ? "" : ev->status.why));
        break;
    case TSC_EV_APP_DATA: {
        size_t n = ev->data.len < s->opts.data_preview ? ev->data.len : s->opts.data_preview;
        W(tsc_buf_printf(b, "%sapplication data%s %zu bytes", col.bold, col.off, ev->data.len));
        if (ev->has_stream)
            W(tsc_buf_printf(b, " (stream %llu at %llu%s)", (unsigned long long)ev->stream_id,
                             (unsigned long long)ev->stream_offset, ev->fin ? ", FIN" : ""));
        W(tsc_buf_puts(b, ": "));
        if (tsc_data_is_text(ev->data.p, n)) {
            W(tsc_buf_putc(b, '"'));
            W(tsc_text_str(b, ev->data.p, n));
            W(tsc_buf_putc(b, '"'));
        } else {
            W(tsc_hex(b, ev->data.p, n));
        }
        W(tsc_buf_puts(b, n < ev->data.len ? " ...\n" : "\n"));
        break;
    }
    default:
        W(tsc_buf_putc(b, '\n'));
        break;
    }
}

static void quic_version_text(struct tsc_buf *b, uint32_t v)
{
    if (v == TSC_QUIC_V1 || v == TSC_QUIC_V2)
        W(tsc_buf_printf(b, "%u", v == TSC_QUIC_V1 ? 1u : 2u));
    else
        W(tsc_buf_printf(b, "0x%08lx", (unsigned long)v));
}

/* A QUIC connection's own facts: version, connection IDs, Retry, Version
 * Negotiation, packets by type and how many were read, the close; -v
 * adds the frames counted. */
static void quic_text(struct tsc_buf *b, const struct tsc_quic_info *q, const uint8_t *alpn, size_t alpn_len,
                      int verbose)
{
    static const char *const pt[TSC_QUIC_PTYPES] = {"Initial", "0-RTT", "Handshake", "Retry",
                                                    "Version Negotiation", "1-RTT", "unknown version"};
    W(tsc_buf_puts(b, "   QUIC version "));
    if (q->version)
        quic_version_text(b, q->version);
    else
        W(tsc_buf_puts(b, "unknown (no client Initial read)"));
    if (q->server_version && q->server_version != q->version) {
        W(tsc_buf_puts(b, ", server chose "));
        quic_version_text(b, q->server_version);
    }
    if (q->have_odcid) {
        W(tsc_buf_puts(b, "; original DCID "));
        W(tsc_hex(b, q->odcid.id, q->odcid.len));
    }
    for (int side = 0; side < 2; side++) {
        W(tsc_buf_puts(b, side == TSC_C2S ? "; client CIDs" : "; server CIDs"));
        if (!q->n_cids[side])
            W(tsc_buf_puts(b, " none"));
        unsigned shown = verbose ? q->n_cids[side] : q->n_cids[side] < 2 ? q->n_cids[side] : 2;
        for (unsigned i = 0; i < shown; i++) {
            W(tsc_buf_putc(b, ' '));
            if (q->cids[side][i].len)
                W(tsc_hex(b, q->cids[side][i].id, q->cids[side][i].len));
            else
                W(tsc_buf_puts(b, "(empty)"));
        }
        if (q->n_cids[side] > shown)
            W(tsc_buf_printf(b, " (+%u more)", q->n_cids[side] - shown));
        else if (q->n_cids_total[side] > q->n_cids[side])
            W(tsc_buf_puts(b, " (more not kept)"));
    }
    W(tsc_buf_putc(b, '\n'));
    if (q->retry || q->retry_tag_bad) {
        W(tsc_buf_puts(b, "   QUIC Retry"));
        if (q->retry) {
            W(tsc_buf_puts(b, ": integrity tag verified, new Initial keys from "));
            W(tsc_hex(b, q->retry_scid.id, q->retry_scid.len));
        } else {
            W(tsc_buf_puts(b, ": integrity tag does not verify (ignored, as a client does)"));
        }
        W(tsc_buf_putc(b, '\n'));
    }
    if (q->vn) {
        W(tsc_buf_puts(b, "   QUIC Version Negotiation: the server offers"));
        for (unsigned i = 0; i < q->n_vn; i++) {
            W(tsc_buf_putc(b, ' '));
            quic_version_text(b, q->vn_versions[i]);
        }
        W(tsc_buf_putc(b, '\n'));
    }
    W(tsc_buf_puts(b, "   QUIC packets:"));
    for (int d = 0; d < 2; d++) {
        W(tsc_buf_puts(b, d == TSC_C2S ? " client" : "; server"));
        int any = 0;
        for (int t = 0; t < TSC_QUIC_PTYPES; t++) {
            if (!q->packets[d][t])
                continue;
            W(tsc_buf_printf(b, "%s %s %llu", any ? "," : "", pt[t], (unsigned long long)q->packets[d][t]));
            any = 1;
        }
        if (!any)
            W(tsc_buf_puts(b, " none"));
        if (q->no_keys[d] || q->failed[d])
            W(tsc_buf_printf(b, " (%llu read, %llu without keys, %llu did not open)", (unsigned long long)q->opened[d],
                             (unsigned long long)q->no_keys[d], (unsigned long long)q->failed[d]));
    }
    W(tsc_buf_putc(b, '\n'));
    if (q->key_updates[0] || q->key_updates[1] || q->zero_rtt_opened)
        W(tsc_buf_printf(b, "   QUIC key updates: client %llu, server %llu; 0-RTT packets read %llu\n",
                         (unsigned long long)q->key_updates[0], (unsigned long long)q->key_updates[1],
                         (unsigned long long)q->zero_rtt_opened));
    if (q->have_close) {
        W(tsc_buf_printf(b, "   QUIC closed by the %s: ", q->close_dir == TSC_C2S ? "client" : "server"));
        const char *name = q->close_app ? tsc_quic_app_error_name(alpn, alpn_len, q->close_code)
                                        : tsc_quic_error_name(q->close_code);
        W(tsc_buf_printf(b, "%s error %s%s0x%llx", q->close_app ? "application" : "transport", name ? name : "",
                         name ? " " : "", (unsigned long long)q->close_code));
        if (q->close_reason_len) {
            W(tsc_buf_puts(b, ", reason \""));
            W(tsc_text_str(b, q->close_reason, q->close_reason_len));
            W(tsc_buf_putc(b, '"'));
        }
        W(tsc_buf_putc(b, '\n'));
    }
    if (!verbose)
        return;
    W(tsc_buf_puts(b, "   QUIC frames:"));
    for (int d = 0; d < 2; d++) {
        W(tsc_buf_puts(b, d == TSC_C2S ? " client" : "; server"));
        int any = 0;
        for (int k = 0; k < TSC_QUIC_FRAME_KINDS; k++) {
            if (!q->frames[d][k])
                continue;
            const char *name = tsc_quic_frame_name(tsc_quic_frame_kind_type(k));
            W(tsc_buf_printf(b, "%s %s %llu", any ? "," : "", name ? name : "unknown",
                             (unsigned long long)q->frames[d][k]));
            any = 1;
        }
        if (!any)
            W(tsc_buf_puts(b, " none read"));
    }
    W(tsc_buf_putc(b, '\n'));
}

static void text_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                      uint64_t ordinal)
{
    struct tsc_sink_impl *s = ctx;
    struct tsc_buf *b = &s->ob;
    struct color col = colors(s);
    struct tconn *t = tc_of(data);
    char cip[64], sip[64], ts[40];
    tsc_endpoint_ip(&c->client, cip, sizeof cip);
    tsc_endpoint_ip(&c->server, sip, sizeof sip);
    tsc_iso8601_us(c->start_us, ts, sizeof ts);
    const char *vn = c->version ? tsc_version_name(c->version) : NULL;
    /* the transport when it is not TCP, unless the version already says it ("DTLS 1.2") */
    const char *tp = c->transport == TSC_TRANSPORT_DTLS ? "DTLS" : c->transport == TSC_TRANSPORT_QUIC ? "QUIC" : NULL;
    if (tp && vn && strncmp(vn, tp, strlen(tp)) == 0)
        tp = NULL;
    W(tsc_buf_printf(b, "%sConnection %llu%s  %s%s%s:%u -> %s%s%s:%u  %s  %s%s%s\n", col.bold,
                     (unsigned long long)ordinal, col.off, c->client.family == 6 ? "[" : "", cip,
                     c->client.family == 6 ? "]" : "", c->client.port, c->server.family == 6 ? "[" : "", sip,
                     c->server.family == 6 ? "]" : "", c->server.port, ts, tp ? tp : "", tp ? ", " : "",
                     vn ? vn : (c->saw_server_hello ? "unknown version" : "no ServerHello seen")));
    W(tsc_buf_puts(b, "   "));
    if (c->has_sni) {
        W(tsc_buf_puts(b, "server name "));
        W(tsc_text_str(b, c->sni, c->sni_len));
        W(tsc_buf_puts(b, "; "));
    }
    if (c->has_alpn_selected) {
        W(tsc_buf_puts(b, "ALPN "));
        W(tsc_text_str(b, c->alpn_selected, c->alpn_selected_len));
        W(tsc_buf_puts(b, "; "));
    }
    W(tsc_buf_printf(b, "%s%s%s%s%s\n",
                     c->complete ? "handshake complete" : "handshake incomplete",
                     c->starttls ? "; TLS started after plaintext (STARTTLS or a proxy)" : "",
                     c->resumed ? "; resumed session" : "", c->hello_retry ? "; HelloRetryRequest" : "",
                     c->renegotiated ? "; renegotiated" : ""));
    for (int ph = 1; ph <= 4 && t; ph++) {
        if (t->phase[ph].len == 0)
            continue;
        W(tsc_buf_printf(b, " %sPhase %d: %s%s\n", col.bold, ph, tsc_phase_title(ph), col.off));
        W(tsc_buf_append(b, t->phase[ph].data, t->phase[ph].len));
        if (ph == 2 && (c->version == TSC_TLS13 || c->version == TSC_DTLS13) && !c->resumed &&
            !c->dec.ok[TSC_S2C])
            W(tsc_buf_printf(b, "   %s(TLS 1.3 encrypts the certificate and what follows; a key log shows them)%s\n",
                             col.dim, col.off));
    }
    if (c->quic)
        quic_text(b, c->quic, c->alpn_selected, c->has_alpn_selected ? c->alpn_selected_len : 0, s->opts.verbose);
    const char *unit = c->transport == TSC_TRANSPORT_QUIC ? "packet" : "record";
    W(tsc_buf_printf(b, "   application data: client %llu %s%s, %llu bytes; server %llu %s%s, %llu bytes\n",
                     (unsigned long long)c->app_records[0], unit, c->app_records[0] == 1 ? "" : "s",
                     (unsigned long long)c->app_bytes[0], (unsigned long long)c->app_records[1], unit,
                     c->app_records[1] == 1 ? "" : "s", (unsigned long long)c->app_bytes[1]));
    if (c->dec.enabled && (c->dec.ok[0] || c->dec.ok[1]))
        W(tsc_buf_printf(b, "   decrypted plaintext: client %llu bytes, server %llu bytes\n",
                         (unsigned long long)c->dec.plaintext[0], (unsigned long long)c->dec.plaintext[1]));
    if (c->has_ticket)
        W(tsc_buf_printf(b, "   session ticket: lifetime hint %u s, %u bytes\n", c->ticket_lifetime, c->ticket_len));
    if (c->dec.enabled) {
        static const char *const src[] = {"", " with keys from the key log", " with the server's RSA key",
                                          " with the master secret of the resumed session"};
        const char *st = tsc_decrypt_status(c);
        uint64_t ok = c->dec.ok[0] + c->dec.ok[1], bad = c->dec.failed[0] + c->dec.failed[1];
        if (strcmp(st, "not_encrypted") != 0) {
            W(tsc_buf_printf(b, "   decryption: %s%s; %llu %s%s decrypted", st, c->dec.keys < 4 ? src[c->dec.keys] : "",
                             (unsigned long long)ok, unit, ok == 1 ? "" : "s"));
            if (bad)
                W(tsc_buf_printf(b, ", %s%llu failed%s", col.red, (unsigned long long)bad, col.off));
            if (c->dec.note) {
                W(tsc_buf_puts(b, " ("));
                W(tsc_text_cstr(b, c->dec.note));
                W(tsc_buf_putc(b, ')'));
            }
            W(tsc_buf_putc(b, '\n'));
        }
    }
    const struct tsc_peer_verdict *pv = tsc_sink_peer_verdict(s, &c->client);
    if (pv && pv->verified) {
        W(tsc_buf_puts(b, "   certificate verification (this client, OpenSSL): verified (chain and name)\n"));
    } else if (pv) {
        W(tsc_buf_printf(b, "   certificate verification (this client, OpenSSL): %sfailed%s: ", col.red, col.off));
        W(tsc_text_cstr(b, pv->reason));
        W(tsc_buf_puts(b, pv->insecure ? " (accepted: --insecure)\n" : "\n"));
    }
    {
        const struct tsc_finding *fs = rep->findings;
        size_t nf = rep->n_findings;
        if (nf)
            W(tsc_buf_printf(b, " %sFindings%s\n", col.bold, col.off));
        for (size_t i = 0; i < nf; i++) {
            enum tsc_severity sev = fs[i].rule->severity;
            const char *cc = sev == TSC_SEV_HIGH ? col.red : sev == TSC_SEV_MEDIUM ? col.yellow : "";
            W(tsc_buf_printf(b, "   %s%-6s%s %s: %s", cc, tsc_severity_name(sev), col.off, fs[i].rule->id,
                             fs[i].rule->title));
            if (fs[i].detail[0]) {
                W(tsc_buf_puts(b, " ("));
                W(tsc_text_cstr(b, fs[i].detail));
                W(tsc_buf_putc(b, ')'));
            }
            W(tsc_buf_putc(b, '\n'));
        }
    }
    if (t && t->phase[0].len) {
        W(tsc_buf_printf(b, " %sErrors%s\n", col.bold, col.off));
        W(tsc_buf_append(b, t->phase[0].data, t->phase[0].len));
    }
    if (c->n_errors_total > c->n_errors)
        W(tsc_buf_printf(b, "   (%u more errors not listed)\n", c->n_errors_total - c->n_errors));
    if (t && t->dropped)
        W(tsc_buf_printf(b, "   (%llu more events not shown: report size cap)\n", (unsigned long long)t->dropped));
    W(tsc_buf_putc(b, '\n'));
    tc_free(data);
    tsc_report_out_flush(s, 0);
}

static void text_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    tc_free(data);
}

int tsc_text_sink_init(struct tsc_sink_impl *s);
int tsc_text_sink_init(struct tsc_sink_impl *s)
{
    s->render.ctx = s;
    /* JA3 and JA4 of each ClientHello, JA3S of each ServerHello, the suite's
     * meaning; -v shows the JA3 string too */
    s->render.need = TSC_NEED_FP | TSC_NEED_SUITE | (s->opts.verbose ? TSC_NEED_JA3_TEXT : 0);
    s->render.event = text_event;
    s->render.emit = text_emit;
    s->render.discard = text_discard;
    return 0;
}

int tsc_verbose_sink_init(struct tsc_sink_impl *s);
int tsc_verbose_sink_init(struct tsc_sink_impl *s)
{
    s->opts.verbose = 1;
    return tsc_text_sink_init(s);
}
