/*
 * findings.c - the rules table and its evaluation (contract in findings.h,
 * the table for users in docs/findings.md: keep the two in step).
 *
 * Each row is a public struct tsc_rule plus a private check function that
 * looks at the connection and, when the rule fires, writes the detail.
 * Evaluation walks the table once per severity, highest first, so the output
 * order is severity, then table order; the table itself is kept in that order
 * too so that `tlsscope rules` lists the most severe rules first.
 */
#include "analysis/findings.h"

#include "analysis/analysis.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "registry/registry.h"
#include "tls/msg.h"
#include "registry/suite.h"

/* ------------------------------------------------------------ detail ---- */

/* A bounded writer for a finding's detail: printable ASCII only, cut with
 * "..." when it does not fit. */
struct det {
    char *p;
    size_t cap; /* bytes of p, including the NUL */
    size_t len;
    int cut;
};

static void det_init(struct det *d, char *p, size_t cap)
{
    d->p = p;
    d->cap = cap;
    d->len = 0;
    d->cut = 0;
    if (cap)
        p[0] = '\0';
}

static void det_putc(struct det *d, char ch)
{
    if (d->cut || d->cap == 0)
        return;
    if (d->len + 1 >= d->cap) {
        d->cut = 1;
        return;
    }
    d->p[d->len++] = ch;
    d->p[d->len] = '\0';
}

/* Bytes from the wire or a certificate: printable ASCII kept (backslash
 * included, as \x5c), everything else as \xHH. */
static void det_bytes(struct det *d, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n && !d->cut; i++) {
        uint8_t b = s[i];
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            det_putc(d, (char)b);
        } else {
            /* all four bytes or none, so a cut never splits an escape */
            if (d->len + 4 >= d->cap) {
                d->cut = 1;
                return;
            }
            det_putc(d, '\\');
            det_putc(d, 'x');
            det_putc(d, hex[b >> 4]);
            det_putc(d, hex[b & 15]);
        }
    }
}

static void det_str(struct det *d, const char *s)
{
    det_bytes(d, (const uint8_t *)s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void det_printf(struct det *d, const char *fmt, ...)
{
    char tmp[TSC_FINDING_DETAIL];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    det_str(d, tmp);
    if ((size_t)n >= sizeof tmp)
        d->cut = 1;
}

static void det_finish(struct det *d)
{
    if (!d->cut || d->cap < 4)
        return;
    size_t at = d->len;
    if (at + 3 >= d->cap)
        at = d->cap - 4;
    /* never leave half of a \xHH escape before the dots */
    for (size_t k = 1; k <= 3 && k <= at; k++) {
        if (d->p[at - k] == '\\') {
            at -= k;
            break;
        }
    }
    memcpy(d->p + at, "...", 4);
    d->len = at + 3;
}

/* ------------------------------------------------------------ context ---- */

struct ctx {
    const struct tsc_conn *c;
    const struct tsc_conn_report *rep; /* the analysis's facts */
    int64_t now;
    int have_si;                    /* a known suite was negotiated */
    const struct tsc_suite_info *si; /* valid when have_si */
};

static int is_tls12_or_older(uint16_t v)
{
    return v == TSC_SSL30 || v == TSC_TLS10 || v == TSC_TLS11 || v == TSC_TLS12;
}

/* The negotiated version as the TLS version it is built on: a DTLS
 * connection's 0xfeff is DTLS 1.0, which is TLS 1.1, not a number above TLS
 * 1.3 (DTLS counts down). Rules about a protocol mechanism (renegotiation,
 * the master secret, the key exchange) read this; rules about a named
 * version (tls10-negotiated, dtls10-negotiated) read c->version. A TCP
 * connection's version is taken as it is. */
static uint16_t tls_version_of(const struct tsc_conn *c)
{
    return c->transport == TSC_TRANSPORT_DTLS ? tsc_version_tls_equiv(c->version) : c->version;
}

static int suite_cipher_is(const struct ctx *x, const char *cipher)
{
    return x->have_si && strcmp(x->si->cipher, cipher) == 0;
}

static int suite_is_anon(const struct ctx *x)
{
    return x->have_si && strcmp(x->si->authentication, "anon") == 0;
}

static void det_suite(struct det *d, const struct ctx *x)
{
    if (x->si->name)
        det_printf(d, "%s (0x%04x)", x->si->name, x->si->code);
    else
        det_printf(d, "0x%04x", x->si->code);
}

/* A certificate that parsed (hand-made connections in tests have no status). */
static int cert_ok(const struct tsc_conn *c, size_t i)
{
    if (!c->certs || i >= c->n_certs)
        return 0;
    return !c->cert_status || tsc_is_ok(c->cert_status[i]);
}

/* Certificates whose own properties are judged: the leaf, and the
 * intermediates; a self-signed certificate after the leaf is a trust anchor
 * sent along, which clients take from their own store (or not at all). */
static int cert_judged(const struct tsc_conn *c, size_t i)
{
    return cert_ok(c, i) && (i == 0 || !c->certs[i]->self_signed);
}

static void det_cert(struct det *d, const struct tsc_conn *c, size_t i)
{
    const struct tsc_x509_summary *s = c->certs[i];
    if (i == 0)
        det_str(d, "leaf");
    else
        det_printf(d, "certificate %zu", i);
    if (s->subject_cn[0]) {
        det_str(d, " (");
        char cn[64];
        snprintf(cn, sizeof cn, "%s", s->subject_cn);
        det_str(d, cn);
        if (strlen(s->subject_cn) >= sizeof cn)
            det_str(d, "...");
        det_str(d, ")");
    }
}

/* ---------------------------------------------------- protocol version ---- */

static int chk_sslv2(const struct ctx *x, struct det *d)
{
    (void)d;
    return x->c->version == 0x0002;
}

static int chk_sslv3(const struct ctx *x, struct det *d)
{
    (void)d;
    return x->c->version == TSC_SSL30;
}

static int chk_tls10(const struct ctx *x, struct det *d)
{
    (void)d;
    return x->c->version == TSC_TLS10;
}

static int chk_tls11(const struct ctx *x, struct det *d)
{
    (void)d;
    return x->c->version == TSC_TLS11;
}

/* DTLS 1.0, and OpenSSL's pre-standard form of it (0x0100, before 0.9.8f). */
static int chk_dtls10(const struct ctx *x, struct det *d)
{
    if (x->c->version == 0x0100)
        det_str(d, "OpenSSL's pre-standard DTLS 1.0 (0x0100)");
    return x->c->version == TSC_DTLS10 || x->c->version == 0x0100;
}

static int chk_sslv2_hello(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->sslv2 || c->version == 0x0002)
        return 0;
    if (c->offered_flags & TSC_OFFER_SSLV2_SUITE)
        det_str(d, "offering SSL 2.0 cipher kinds");
    else
        det_str(d, "TLS suites only");
    return 1;
}

/* --------------------------------------------------------- cipher suite ---- */

static int chk_null_neg(const struct ctx *x, struct det *d)
{
    if (!suite_cipher_is(x, "NULL"))
        return 0;
    det_suite(d, x);
    return 1;
}

static int chk_anon_neg(const struct ctx *x, struct det *d)
{
    if (!suite_is_anon(x))
        return 0;
    det_suite(d, x);
    return 1;
}

static int chk_export_neg(const struct ctx *x, struct det *d)
{
    if (!x->have_si || !x->si->is_export)
        return 0;
    det_suite(d, x);
    return 1;
}

static int chk_rc4_neg(const struct ctx *x, struct det *d)
{
    if (!suite_cipher_is(x, "RC4"))
        return 0;
    det_suite(d, x);
    return 1;
}

static int chk_des_neg(const struct ctx *x, struct det *d)
{
    if (!suite_cipher_is(x, "DES"))
        return 0;
    det_suite(d, x);
    return 1;
}

static int chk_3des_neg(const struct ctx *x, struct det *d)
{
    if (!suite_cipher_is(x, "3DES"))
        return 0;
    det_suite(d, x);
    return 1;
}

/* Key exchanges without an ephemeral key: the server's long-term key (RSA
 * key transport) or its certificate's static (EC)DH key. Anonymous (EC)DH is
 * ephemeral and reported by its own rule. */
static int chk_no_fs(const struct ctx *x, struct det *d)
{
    if (!x->have_si || x->si->tls13 || !is_tls12_or_older(tls_version_of(x->c)) || suite_is_anon(x))
        return 0;
    const char *kx = x->si->key_exchange;
    if (strcmp(kx, "RSA") != 0 && strcmp(kx, "DH") != 0 && strcmp(kx, "ECDH") != 0 &&
        strcmp(kx, "RSA_PSK") != 0)
        return 0;
    det_printf(d, "key exchange %s: ", kx);
    det_suite(d, x);
    return 1;
}

static int chk_cbc_sha1(const struct ctx *x, struct det *d)
{
    if (!x->have_si || strcmp(x->si->mode, "CBC") != 0 || strcmp(x->si->mac, "SHA1") != 0)
        return 0;
    det_suite(d, x);
    return 1;
}

/* Offered but not negotiated: the negotiated form has its own, more severe
 * rule, and one finding per family is enough. */
static int offered_only(const struct ctx *x, uint32_t flag, int negotiated, struct det *d)
{
    if (!(x->c->offered_flags & flag) || negotiated)
        return 0;
    if (x->have_si)
        det_str(d, "the server chose another suite");
    else
        det_str(d, "no suite was seen negotiated");
    return 1;
}

static int chk_rc4_off(const struct ctx *x, struct det *d)
{
    return offered_only(x, TSC_OFFER_RC4, suite_cipher_is(x, "RC4"), d);
}

static int chk_des_off(const struct ctx *x, struct det *d)
{
    return offered_only(x, TSC_OFFER_DES, suite_cipher_is(x, "DES"), d);
}

static int chk_3des_off(const struct ctx *x, struct det *d)
{
    return offered_only(x, TSC_OFFER_3DES, suite_cipher_is(x, "3DES"), d);
}

static int chk_null_off(const struct ctx *x, struct det *d)
{
    return offered_only(x, TSC_OFFER_NULL, suite_cipher_is(x, "NULL"), d);
}

static int chk_export_off(const struct ctx *x, struct det *d)
{
    return offered_only(x, TSC_OFFER_EXPORT, x->have_si && x->si->is_export, d);
}

static int chk_anon_off(const struct ctx *x, struct det *d)
{
    return offered_only(x, TSC_OFFER_ANON, suite_is_anon(x), d);
}

/* -------------------------------------------------- protocol features ---- */

static int chk_compression(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->saw_server_hello || c->sh_compression == 0)
        return 0;
    if (c->sh_compression == 1)
        det_str(d, "DEFLATE (method 1)");
    else
        det_printf(d, "method %u", (unsigned)c->sh_compression);
    return 1;
}

static int chk_compression_off(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->ch_compression || (c->saw_server_hello && c->sh_compression != 0))
        return 0;
    if (c->saw_server_hello)
        det_str(d, "the server chose no compression");
    return 1;
}

static int chk_no_reneg(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->saw_server_hello || !is_tls12_or_older(tls_version_of(c)) || c->sh_reneg)
        return 0;
    det_str(d, c->ch_reneg ? "the client signalled it, the server did not answer"
                           : "neither side signalled it");
    return 1;
}

static int chk_no_ems(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->saw_server_hello || c->sh_ems)
        return 0;
    uint16_t v = tls_version_of(c);
    if (v != TSC_TLS10 && v != TSC_TLS11 && v != TSC_TLS12)
        return 0;
    const char *name = tsc_version_name(c->version); /* NULL for one without a name (DTLS's 0xfefe) */
    if (name)
        det_str(d, name);
    else
        det_printf(d, "version 0x%04x", c->version);
    return 1;
}

/* Over TCP nothing needs heartbeats; DTLS is what RFC 6520 made them for
 * (keep-alive and path MTU discovery without a reliable transport), so a
 * DTLS client offering them is not flagged. */
static int chk_heartbeat(const struct ctx *x, struct det *d)
{
    (void)d;
    return x->c->heartbeat_offered != 0 && x->c->transport != TSC_TRANSPORT_DTLS;
}

static int chk_weak_dh(const struct ctx *x, struct det *d)
{
    uint32_t bits = x->rep->dh_bits;
    if (bits == 0 || bits >= 2048)
        return 0;
    det_printf(d, "DH %u bits", (unsigned)bits);
    return 1;
}

/* ECDHE groups not judged weak: the curves RFC 8422 and RFC 8446 keep, the
 * Brainpool curves of RFC 7027/8734, SM2, and the post-quantum hybrids. */
static int group_is_strong(uint16_t g)
{
    switch (g) {
    case 0x0017: /* secp256r1 */
    case 0x0018: /* secp384r1 */
    case 0x0019: /* secp521r1 */
    case 0x001a: /* brainpoolP256r1 */
    case 0x001b: /* brainpoolP384r1 */
    case 0x001c: /* brainpoolP512r1 */
    case 0x001d: /* x25519 */
    case 0x001e: /* x448 */
    case 0x001f: /* brainpoolP256r1tls13 */
    case 0x0020: /* brainpoolP384r1tls13 */
    case 0x0021: /* brainpoolP512r1tls13 */
    case 0x0029: /* curveSM2 */
    case 0x0200: /* MLKEM512 */
    case 0x0201: /* MLKEM768 */
    case 0x0202: /* MLKEM1024 */
    case 0x11eb: /* SecP256r1MLKEM768 */
    case 0x11ec: /* X25519MLKEM768 */
    case 0x11ed: /* SecP384r1MLKEM1024 */
    case 0x6399: /* X25519Kyber768Draft00 */
        return 1;
    default:
        return 0;
    }
}

static int chk_weak_curve(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->have_ske_group || group_is_strong(c->ske_group))
        return 0;
    const char *name = tsc_reg_name(TSC_REG_GROUP, c->ske_group);
    det_printf(d, "%s (0x%04x)", name ? name : "unknown group", (unsigned)c->ske_group);
    return 1;
}

static int chk_ticket_lifetime(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->has_ticket || c->ticket_lifetime <= 604800)
        return 0;
    det_printf(d, "lifetime %u s (%u days)", (unsigned)c->ticket_lifetime,
               (unsigned)(c->ticket_lifetime / 86400));
    return 1;
}

/* Plaintext fatal alerts only: an encrypted alert's level is unknown. */
static int chk_fatal_alert(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    size_t n = c->n_alerts < TSC_MAX_ALERTS ? c->n_alerts : TSC_MAX_ALERTS;
    size_t fired = 0;
    for (size_t i = 0; i < n; i++) {
        const struct tsc_alert_entry *a = &c->alerts[i];
        if (a->encrypted || a->level != 2)
            continue;
        if (fired++ == 0) {
            const char *name = tsc_reg_snake(TSC_REG_ALERT, a->description);
            det_printf(d, "%s (%u) from the %s", name ? name : "unknown", (unsigned)a->description,
                       a->dir == TSC_C2S ? "client" : "server");
        }
    }
    if (fired > 1)
        det_printf(d, ", %zu fatal alerts", fired);
    return fired > 0;
}

/* ------------------------------------------------------- certificates ---- */

static void det_time(struct det *d, const char *label, const char *iso, int64_t delta)
{
    /* delta: seconds between the connection and the limit, > 0 */
    int64_t days = delta / 86400;
    det_printf(d, "%s %s, ", label, iso);
    if (days > 0)
        det_printf(d, "%lld days", (long long)days);
    else
        det_printf(d, "%lld s", (long long)delta);
}

/* A capture dated before 1995 (SSL was published in 1995) carries no real
 * time: tools that synthesize captures often start at the epoch. Validity
 * dates are not judged against it. */
#define TSC_PLAUSIBLE_EPOCH 788918400 /* 1995-01-01T00:00:00Z */

static int chk_expired(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (x->now < TSC_PLAUSIBLE_EPOCH)
        return 0;
    for (size_t i = 0; i < c->n_certs; i++) {
        if (!cert_judged(c, i) || c->certs[i]->not_after_epoch >= x->now)
            continue;
        det_cert(d, c, i);
        det_str(d, ": ");
        det_time(d, "not after", c->certs[i]->not_after, x->now - c->certs[i]->not_after_epoch);
        det_str(d, " before the connection");
        return 1;
    }
    return 0;
}

static int chk_not_yet_valid(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (x->now < TSC_PLAUSIBLE_EPOCH)
        return 0;
    for (size_t i = 0; i < c->n_certs; i++) {
        if (!cert_judged(c, i) || c->certs[i]->not_before_epoch <= x->now)
            continue;
        det_cert(d, c, i);
        det_str(d, ": ");
        det_time(d, "not before", c->certs[i]->not_before, c->certs[i]->not_before_epoch - x->now);
        det_str(d, " after the connection");
        return 1;
    }
    return 0;
}

static int ascii_lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static int eq_nocase(const uint8_t *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (ascii_lower(a[i]) != ascii_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/*
 * RFC 6125 section 6.4.3, as browsers apply it: a wildcard is only the whole
 * left-most label ("*.example.com"), matches exactly one non-empty label, and
 * needs at least two labels after it ("*.com" matches nothing). Comparison is
 * ASCII case-insensitive; one trailing dot on either side is ignored.
 */
static int dns_name_matches(const uint8_t *host, size_t hn, const char *pat)
{
    size_t pn = strlen(pat);
    if (hn && host[hn - 1] == '.')
        hn--;
    if (pn && pat[pn - 1] == '.')
        pn--;
    if (hn == 0 || pn == 0)
        return 0;
    if (pn >= 2 && pat[0] == '*' && pat[1] == '.') {
        const char *rest = pat + 1; /* ".example.com" */
        size_t rn = pn - 1;
        if (!memchr(rest + 1, '.', rn - 1))
            return 0; /* "*.com": too wide */
        const uint8_t *dot = memchr(host, '.', hn);
        if (!dot || dot == host)
            return 0;
        size_t off = (size_t)(dot - host);
        return eq_nocase(host + off, hn - off, rest, rn);
    }
    if (memchr(pat, '*', pn))
        return 0; /* partial or non-left-most wildcards: not honoured */
    return eq_nocase(host, hn, pat, pn);
}

/* The SNI as an IP literal: 1 with the address in out (4 or 16 bytes). */
static int sni_ip(const struct tsc_conn *c, uint8_t out[16], int *family)
{
    char s[64];
    if (c->sni_len == 0 || c->sni_len >= sizeof s)
        return 0;
    memcpy(s, c->sni, c->sni_len);
    s[c->sni_len] = '\0';
    if (memchr(s, '\0', c->sni_len))
        return 0;
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return 1;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *family = AF_INET6;
        return 1;
    }
    return 0;
}

static int chk_name_mismatch(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!c->has_sni || c->sni_len == 0 || !cert_ok(c, 0))
        return 0;
    const struct tsc_x509_summary *leaf = c->certs[0];
    uint8_t ip[16];
    int family = 0;
    unsigned n_dns = 0, n_ip = 0;
    int match = 0;
    const char *san;
    if (sni_ip(c, ip, &family)) {
        for (unsigned i = 0; (san = tsc_x509_san_at(leaf, i)) != NULL; i++) {
            if (strncmp(san, "IP:", 3) != 0)
                continue;
            n_ip++;
            uint8_t a[16];
            if (inet_pton(family, san + 3, a) == 1 &&
                memcmp(a, ip, family == AF_INET ? 4 : 16) == 0)
                match = 1;
        }
        if (n_ip == 0)
            return 0; /* nothing to compare an address with */
    } else {
        for (unsigned i = 0; (san = tsc_x509_san_at(leaf, i)) != NULL; i++) {
            if (strncmp(san, "DNS:", 4) != 0)
                continue;
            n_dns++;
            if (dns_name_matches(c->sni, c->sni_len, san + 4))
                match = 1;
        }
        if (n_dns == 0) {
            if (!leaf->subject_cn[0])
                return 0; /* no name at all: nothing to compare */
            match = dns_name_matches(c->sni, c->sni_len, leaf->subject_cn);
        }
    }
    if (match || leaf->san_truncated)
        return 0; /* a SAN list cut short may hold the name */
    det_str(d, "SNI ");
    det_bytes(d, c->sni, c->sni_len);
    det_str(d, " not in ");
    if (n_dns == 0 && n_ip == 0) {
        det_str(d, "CN=");
        det_str(d, leaf->subject_cn);
        return 1;
    }
    const char *want = n_ip ? "IP:" : "DNS:";
    int first = 1;
    for (unsigned i = 0; (san = tsc_x509_san_at(leaf, i)) != NULL && !d->cut; i++) {
        if (strncmp(san, want, strlen(want)) != 0)
            continue;
        if (!first)
            det_str(d, ", ");
        det_str(d, san);
        first = 0;
    }
    return 1;
}

static int chk_self_signed(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!cert_ok(c, 0) || !c->certs[0]->self_signed)
        return 0;
    det_cert(d, c, 0);
    return 1;
}

static int chk_weak_rsa(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    for (size_t i = 0; i < c->n_certs; i++) {
        const struct tsc_x509_summary *s = c->certs[i];
        if (!cert_judged(c, i) || s->pubkey_bits <= 0 || s->pubkey_bits >= 2048)
            continue;
        if (strcmp(s->pubkey_algorithm, "RSA") != 0 && strcmp(s->pubkey_algorithm, "RSA-PSS") != 0)
            continue;
        det_cert(d, c, i);
        det_printf(d, ": %s %d bits", s->pubkey_algorithm, s->pubkey_bits);
        return 1;
    }
    return 0;
}

/* Case-insensitive substring search in a NUL-terminated name. */
static int name_has(const char *name, const char *needle)
{
    size_t nn = strlen(needle);
    for (const char *p = name; *p; p++) {
        size_t k = 0;
        while (k < nn && p[k] &&
               ascii_lower((unsigned char)p[k]) == ascii_lower((unsigned char)needle[k]))
            k++;
        if (k == nn)
            return 1;
    }
    return 0;
}

static int sig_is_sha1(const char *alg)
{
    return name_has(alg, "sha1") || name_has(alg, "sha-1") || strcmp(alg, "1.3.14.3.2.29") == 0;
}

static int sig_is_md5(const char *alg)
{
    return name_has(alg, "md5") || name_has(alg, "md2") || name_has(alg, "md4");
}

static int chk_sig(const struct ctx *x, struct det *d, int (*weak)(const char *))
{
    const struct tsc_conn *c = x->c;
    for (size_t i = 0; i < c->n_certs; i++) {
        const struct tsc_x509_summary *s = c->certs[i];
        /* a self-signed certificate's own signature proves nothing anyway */
        if (!cert_ok(c, i) || s->self_signed || !weak(s->signature_algorithm))
            continue;
        det_cert(d, c, i);
        det_str(d, ": ");
        det_str(d, s->signature_algorithm);
        return 1;
    }
    return 0;
}

static int chk_sha1_sig(const struct ctx *x, struct det *d)
{
    return chk_sig(x, d, sig_is_sha1);
}

static int chk_md5_sig(const struct ctx *x, struct det *d)
{
    return chk_sig(x, d, sig_is_md5);
}

#define TSC_BR_398_START 1598918400 /* 2020-09-01T00:00:00Z */
#define TSC_BR_398_MAX ((int64_t)398 * 86400)

/* CA/Browser Forum Baseline Requirements 6.3.2: a subscriber certificate
 * issued on or after 2020-09-01 has a validity period (notBefore through
 * notAfter, inclusive, so the difference plus one second) of at most 398
 * days. */
static int chk_validity(const struct ctx *x, struct det *d)
{
    const struct tsc_conn *c = x->c;
    if (!cert_ok(c, 0))
        return 0;
    const struct tsc_x509_summary *s = c->certs[0];
    if (s->not_before_epoch < TSC_BR_398_START || s->not_after_epoch < s->not_before_epoch)
        return 0;
    int64_t period = s->not_after_epoch - s->not_before_epoch + 1;
    if (period <= TSC_BR_398_MAX)
        return 0;
    int64_t days = period / 86400, rest = period % 86400;
    if (rest)
        det_printf(d, "%lld days + %lld s", (long long)days, (long long)rest);
    else
        det_printf(d, "%lld days", (long long)days);
    det_printf(d, " (%s to %s)", s->not_before, s->not_after);
    return 1;
}

/* -------------------------------------------------------------- table ---- */

struct rule_row {
    struct tsc_rule rule;
    int (*check)(const struct ctx *x, struct det *d); /* a connection's; NULL for a probe-only rule */
    int (*check_server)(const struct tsc_server_profile *p, struct det *d); /* a probe's; may be NULL */
};

/* ---- what only a probe knows (tsc_findings_eval_server) ---- */

static int chk_untrusted(const struct tsc_server_profile *p, struct det *d)
{
    if (p->chain_verified != 0)
        return 0;
    det_str(d, p->verify_error && *p->verify_error ? p->verify_error : "the chain does not verify");
    return 1;
}

static int chk_fallback(const struct tsc_server_profile *p, struct det *d)
{
    if (p->fallback_scsv_honoured != 0)
        return 0;
    const char *name = tsc_version_name(p->fallback_version);
    det_printf(d, "accepted %s with TLS_FALLBACK_SCSV", name ? name : "a lower version");
    return 1;
}

static int chk_client_order(const struct tsc_server_profile *p, struct det *d)
{
    if (p->follows_client_order != 1)
        return 0;
    const char *name = tsc_version_name(p->order_version);
    det_printf(d, "%s: picks the client's first acceptable suite", name ? name : "the best version");
    return 1;
}

/* Most severe first; see docs/findings.md for the same table in prose. */
static const struct rule_row rules[] = {
    /* ---- high ---- */
    {{"sslv2-negotiated", TSC_SEV_HIGH, "SSL 2.0 negotiated",
      "SSL 2.0 is broken beyond repair: weak MAC construction, no handshake integrity, export "
      "ciphers. Any server still speaking it also exposes its RSA key to DROWN.",
      "RFC 6176", TSC_SCOPE_SERVER},
     chk_sslv2, NULL},
    {{"sslv3-negotiated", TSC_SEV_HIGH, "SSL 3.0 negotiated",
      "SSL 3.0 has no secure CBC padding (POODLE) and only RC4 as an alternative; it is prohibited.",
      "RFC 7568", TSC_SCOPE_SERVER},
     chk_sslv3, NULL},
    {{"null-cipher-negotiated", TSC_SEV_HIGH, "Cipher suite without encryption negotiated",
      "A NULL-cipher suite sends application data in the clear, readable by anyone on the path.",
      "RFC 9325", TSC_SCOPE_SERVER},
     chk_null_neg, NULL},
    {{"anonymous-suite-negotiated", TSC_SEV_HIGH, "Anonymous (unauthenticated) key exchange negotiated",
      "An anonymous (EC)DH suite authenticates neither peer, so an active attacker can sit in the "
      "middle unnoticed.",
      "RFC 9325", TSC_SCOPE_SERVER},
     chk_anon_neg, NULL},
    {{"export-suite-negotiated", TSC_SEV_HIGH, "Export-grade cipher suite negotiated",
      "Export suites use 40- or 56-bit keys and 512-bit key exchange that can be broken quickly "
      "(FREAK, Logjam).",
      "CVE-2015-0204", TSC_SCOPE_SERVER},
     chk_export_neg, NULL},
    {{"rc4-negotiated", TSC_SEV_HIGH, "RC4 cipher suite negotiated",
      "RC4 keystream biases let an attacker recover plaintext repeated across many connections, "
      "such as cookies; RC4 is prohibited in TLS.",
      "RFC 7465", TSC_SCOPE_SERVER},
     chk_rc4_neg, NULL},
    {{"des-negotiated", TSC_SEV_HIGH, "Single-DES cipher suite negotiated",
      "Single DES has a 56-bit key that can be searched exhaustively in hours; its suites were "
      "removed from TLS.",
      "RFC 5469", TSC_SCOPE_SERVER},
     chk_des_neg, NULL},
    {{"cert-expired", TSC_SEV_HIGH, "Certificate expired",
      "A certificate of the server's chain (leaf or intermediate) was past its notAfter time when "
      "the connection was made, so a verifying client rejects it.",
      "RFC 5280", TSC_SCOPE_SERVER},
     chk_expired, NULL},
    {{"cert-not-yet-valid", TSC_SEV_HIGH, "Certificate not yet valid",
      "A certificate of the server's chain had a notBefore time after the connection was made, so "
      "a verifying client rejects it (often a wrong clock on either side).",
      "RFC 5280", TSC_SCOPE_SERVER},
     chk_not_yet_valid, NULL},
    {{"cert-name-mismatch", TSC_SEV_HIGH, "Certificate does not match the server name (SNI)",
      "The name the client asked for is not among the leaf certificate's DNS names (or its CN when "
      "it has none), so a verifying client rejects the connection; it can also mean interception.",
      "RFC 6125", TSC_SCOPE_SERVER},
     chk_name_mismatch, NULL},
    {{"cert-md5-signature", TSC_SEV_HIGH, "Certificate signed with MD5 (or MD2/MD4)",
      "MD5 collisions are practical and have been used to forge CA certificates; a certificate "
      "signed with it proves little.",
      "RFC 6151", TSC_SCOPE_SERVER},
     chk_md5_sig, NULL},
    {{"cert-untrusted", TSC_SEV_HIGH, "Certificate chain does not verify",
      "The server's chain does not lead to a trusted root for this name (self-signed, an unknown "
      "or missing intermediate, a name or date problem); a verifying client refuses it. Judged "
      "by tlsscope probe, which verifies the chain with OpenSSL.",
      "RFC 5280 6", TSC_SCOPE_SERVER},
     NULL, chk_untrusted},
    /* ---- medium ---- */
    {{"tls10-negotiated", TSC_SEV_MEDIUM, "TLS 1.0 negotiated",
      "TLS 1.0 is deprecated: it relies on SHA-1 and MD5 in the handshake and has no modern AEAD "
      "ciphers (BEAST affects its CBC suites).",
      "RFC 8996", TSC_SCOPE_SERVER},
     chk_tls10, NULL},
    {{"tls11-negotiated", TSC_SEV_MEDIUM, "TLS 1.1 negotiated",
      "TLS 1.1 is deprecated: it relies on SHA-1 and MD5 in the handshake and has no AEAD ciphers.",
      "RFC 8996", TSC_SCOPE_SERVER},
     chk_tls11, NULL},
    {{"dtls10-negotiated", TSC_SEV_MEDIUM, "DTLS 1.0 negotiated",
      "DTLS 1.0 is deprecated with TLS 1.1, which it is built on: SHA-1 and MD5 in the handshake, "
      "no AEAD ciphers.",
      "RFC 8996", TSC_SCOPE_SERVER},
     chk_dtls10, NULL},
    {{"3des-negotiated", TSC_SEV_MEDIUM, "3DES cipher suite negotiated",
      "3DES has a 64-bit block: long connections repeat blocks and leak plaintext (Sweet32); it "
      "is also slow and offers only 112-bit security.",
      "CVE-2016-2183", TSC_SCOPE_SERVER},
     chk_3des_neg, NULL},
    {{"no-forward-secrecy", TSC_SEV_MEDIUM, "Key exchange without forward secrecy",
      "Static RSA key transport or static (EC)DH means that whoever obtains the server's private "
      "key later can decrypt every recorded connection; use ECDHE or DHE.",
      "RFC 9325", TSC_SCOPE_SERVER},
     chk_no_fs, NULL},
    {{"compression-negotiated", TSC_SEV_MEDIUM, "TLS compression negotiated",
      "Compressing secrets together with attacker-chosen data leaks the secrets through the "
      "record lengths (CRIME).",
      "CVE-2012-4929", TSC_SCOPE_SERVER},
     chk_compression, NULL},
    {{"no-secure-renegotiation", TSC_SEV_MEDIUM, "Secure renegotiation not negotiated",
      "Without the renegotiation_info extension an attacker can splice its own data in front of "
      "the client's by renegotiating (TLS 1.2 and below).",
      "RFC 5746", TSC_SCOPE_SERVER},
     chk_no_reneg, NULL},
    {{"weak-dh-group", TSC_SEV_MEDIUM, "Finite-field DH group under 2048 bits",
      "The server's DHE prime is shorter than 2048 bits; 1024-bit groups are within reach of "
      "well-funded attackers and 512-bit ones of anyone (Logjam).",
      "CVE-2015-4000", TSC_SCOPE_SERVER},
     chk_weak_dh, NULL},
    {{"weak-ecdhe-curve", TSC_SEV_MEDIUM, "Weak or deprecated ECDHE curve",
      "The server's ECDHE curve is not one of x25519, x448, secp256r1, secp384r1, secp521r1 (or "
      "Brainpool, SM2, an ML-KEM hybrid): curves under 256 bits, binary and explicit curves are "
      "weak or deprecated.",
      "RFC 8422", TSC_SCOPE_SERVER},
     chk_weak_curve, NULL},
    {{"cert-self-signed", TSC_SEV_MEDIUM, "Self-signed server certificate",
      "The leaf certificate is signed by its own key, so nothing but prior knowledge (pinning) "
      "tells a client that it belongs to the server.",
      "RFC 5280", TSC_SCOPE_SERVER},
     chk_self_signed, NULL},
    {{"cert-weak-rsa-key", TSC_SEV_MEDIUM, "RSA key under 2048 bits in the certificate chain",
      "RSA keys shorter than 2048 bits (leaf or intermediate) are disallowed by NIST and the CA/"
      "Browser Forum; 512-bit keys have been factored cheaply.",
      "NIST SP 800-131A", TSC_SCOPE_SERVER},
     chk_weak_rsa, NULL},
    {{"cert-sha1-signature", TSC_SEV_MEDIUM, "Certificate signed with SHA-1",
      "SHA-1 collisions are practical (SHAttered, chosen-prefix); a leaf or intermediate signed "
      "with SHA-1 can be forged. Trust anchors are not judged.",
      "RFC 9155", TSC_SCOPE_SERVER},
     chk_sha1_sig, NULL},
    /* ---- low ---- */
    {{"cbc-sha1-negotiated", TSC_SEV_LOW, "CBC cipher with HMAC-SHA1 negotiated",
      "MAC-then-encrypt CBC suites have a history of padding-oracle and timing attacks (Lucky "
      "Thirteen, POODLE for TLS); prefer AEAD suites.",
      "CVE-2013-0169", TSC_SCOPE_SERVER},
     chk_cbc_sha1, NULL},
    {{"no-extended-master-secret", TSC_SEV_LOW, "Extended master secret not negotiated",
      "Without extended_master_secret (TLS 1.0 to 1.2) the master secret is not bound to the "
      "handshake, which enables the triple handshake attack.",
      "RFC 7627", TSC_SCOPE_SERVER},
     chk_no_ems, NULL},
    {{"sslv2-client-hello", TSC_SEV_LOW, "Client sent an SSL 2.0-format ClientHello",
      "Clients must not send the SSL 2.0-compatible ClientHello; one that also offers SSL 2.0 "
      "cipher kinds would speak SSL 2.0 to a server that accepts it.",
      "RFC 6176", TSC_SCOPE_CLIENT},
     chk_sslv2_hello, NULL},
    {{"null-cipher-offered", TSC_SEV_LOW, "Client offered cipher suites without encryption",
      "The client would accept a NULL-cipher suite (no encryption) if a server chose one.",
      "RFC 9325", TSC_SCOPE_CLIENT},
     chk_null_off, NULL},
    {{"anonymous-suite-offered", TSC_SEV_LOW, "Client offered anonymous key exchange",
      "The client would accept an unauthenticated (EC)DH suite if a server, or an attacker in the "
      "middle, chose one.",
      "RFC 9325", TSC_SCOPE_CLIENT},
     chk_anon_off, NULL},
    {{"export-suite-offered", TSC_SEV_LOW, "Client offered export-grade cipher suites",
      "The client still offers 40/56-bit export suites.",
      "CVE-2015-0204", TSC_SCOPE_CLIENT},
     chk_export_off, NULL},
    {{"rc4-offered", TSC_SEV_LOW, "Client offered RC4 cipher suites",
      "RFC 7465 forbids clients to offer RC4 suites.",
      "RFC 7465", TSC_SCOPE_CLIENT},
     chk_rc4_off, NULL},
    {{"des-offered", TSC_SEV_LOW, "Client offered single-DES cipher suites",
      "The client would accept 56-bit DES if a server chose it.",
      "RFC 5469", TSC_SCOPE_CLIENT},
     chk_des_off, NULL},
    {{"compression-offered", TSC_SEV_LOW, "Client offered TLS compression",
      "The client offered a compression method besides null; the server did not select it here, "
      "but another server could (CRIME).",
      "CVE-2012-4929", TSC_SCOPE_CLIENT},
     chk_compression_off, NULL},
    {{"heartbeat-offered", TSC_SEV_LOW, "Heartbeat extension offered",
      "The client offered the heartbeat extension, which nothing needs over TCP and whose "
      "implementation bug (Heartbleed) leaked server memory (DTLS, which has a use for it, is not "
      "flagged).",
      "CVE-2014-0160", TSC_SCOPE_CLIENT},
     chk_heartbeat, NULL},
    {{"ticket-lifetime-over-7-days", TSC_SEV_LOW, "Session ticket lifetime over 7 days",
      "A long-lived ticket keeps the session (and, with a long-lived ticket key, its secrecy) open "
      "to replay and key compromise; TLS 1.3 caps the lifetime at 604800 s.",
      "RFC 8446", TSC_SCOPE_SERVER},
     chk_ticket_lifetime, NULL},
    {{"cert-validity-over-398-days", TSC_SEV_LOW, "Leaf certificate valid for more than 398 days",
      "Publicly trusted server certificates issued since 2020-09-01 may be valid for at most 398 "
      "days; longer ones are rejected by major browsers.",
      "CA/B Forum BR 6.3.2", TSC_SCOPE_SERVER},
     chk_validity, NULL},
    {{"fallback-scsv-ignored", TSC_SEV_LOW, "TLS_FALLBACK_SCSV ignored",
      "The server accepted a hello for a lower version than its best that carried "
      "TLS_FALLBACK_SCSV, so a client that retries with a lower version after a failure can be "
      "downgraded by an attacker who breaks its first attempt. Judged by tlsscope probe.",
      "RFC 7507", TSC_SCOPE_SERVER},
     NULL, chk_fallback},
    {{"server-follows-client-order", TSC_SEV_LOW, "Server follows the client's suite order",
      "The server picks the first suite the client offers that it accepts, not the best it has, so "
      "a client that lists a weak suite first gets it. Judged by tlsscope probe.",
      "RFC 9325 4.2", TSC_SCOPE_SERVER},
     NULL, chk_client_order},
    /* ---- info ---- */
    {{"3des-offered", TSC_SEV_INFO, "Client offered 3DES cipher suites",
      "The client still offers 3DES (64-bit block, Sweet32) suites, usually as a last resort.",
      "CVE-2016-2183", TSC_SCOPE_CLIENT},
     chk_3des_off, NULL},
    {{"fatal-alert", TSC_SEV_INFO, "Fatal alert sent in the clear",
      "A peer aborted the connection with a fatal alert; the description says why (e.g. no "
      "common cipher suite, a certificate the client rejected).",
      "RFC 8446", TSC_SCOPE_CONNECTION},
     chk_fatal_alert, NULL},
};

#define N_RULES (sizeof rules / sizeof rules[0])

size_t tsc_rules_count(void)
{
    return N_RULES;
}

const struct tsc_rule *tsc_rule_at(size_t i)
{
    return i < N_RULES ? &rules[i].rule : NULL;
}

const struct tsc_rule *tsc_rule_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < N_RULES; i++)
        if (strcmp(rules[i].rule.id, id) == 0)
            return &rules[i].rule;
    return NULL;
}

static const char *const sev_names[] = {"info", "low", "medium", "high"};

const char *tsc_severity_name(enum tsc_severity sev)
{
    if ((unsigned)sev < sizeof sev_names / sizeof sev_names[0])
        return sev_names[sev];
    return "unknown";
}

int tsc_severity_parse(const char *s, enum tsc_severity *out)
{
    if (!s || !out)
        return -1;
    for (size_t i = 0; i < sizeof sev_names / sizeof sev_names[0]; i++) {
        const char *n = sev_names[i];
        size_t k = 0;
        while (n[k] && s[k] && ascii_lower((unsigned char)s[k]) == n[k])
            k++;
        if (n[k] == '\0' && s[k] == '\0') {
            *out = (enum tsc_severity)i;
            return 0;
        }
    }
    return -1;
}

/* Every rule that judges what it is given (a connection x, or a probe's
 * profile p), most severe first and in table order within a severity; the
 * first `max` that fire go to out. Returns how many fired. */
static size_t judge(const struct ctx *x, const struct tsc_server_profile *p, struct tsc_finding *out, size_t max)
{
    size_t fired = 0;
    for (int sev = TSC_SEV_HIGH; sev >= TSC_SEV_INFO; sev--) {
        for (size_t i = 0; i < N_RULES; i++) {
            const struct rule_row *r = &rules[i];
            if ((int)r->rule.severity != sev || (x ? !r->check : !r->check_server))
                continue;
            char detail[TSC_FINDING_DETAIL];
            struct det d;
            det_init(&d, detail, sizeof detail);
            if (!(x ? r->check(x, &d) : r->check_server(p, &d)))
                continue;
            det_finish(&d);
            if (out && fired < max) {
                out[fired].rule = &r->rule;
                memcpy(out[fired].detail, detail, sizeof detail);
            }
            fired++;
        }
    }
    return fired;
}

size_t tsc_findings_eval(const struct tsc_conn *c, const struct tsc_conn_report *rep, int64_t now_epoch,
                         struct tsc_finding *out, size_t max)
{
    if (!c || !rep)
        return 0;
    struct ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.rep = rep;
    x.now = now_epoch;
    x.si = &rep->suite;
    x.have_si = rep->have_suite && rep->suite_known && c->version != 0x0002 && !rep->suite.signalling &&
                !rep->suite.grease;

    return judge(&x, NULL, out, max);
}

size_t tsc_findings_eval_server(const struct tsc_server_profile *p, struct tsc_finding *out, size_t max)
{
    return p ? judge(NULL, p, out, max) : 0;
}
