/*
 * ecs.c - Elastic Common Schema documents (--format ecs; the contract is
 * docs/ecs.md): one JSON object per line, so Filebeat or Logstash ship the
 * file as it is.
 *
 * Per connection, in order of first packet: one event document (event.kind
 * "event": endpoints, network, tls.*, the leaf certificates as tls.*.x509),
 * then one alert document per finding (event.kind "alert", rule.*), each
 * carrying the connection's context so that it stands alone in a SIEM.
 *
 * Field names are ECS 8.17's (tests/e2e/ecs_fields.tsv lists every one this
 * file writes, with its type); what ECS has no field for (JA4, the link
 * between an alert and its connection) is under the one custom namespace
 * "tlsscope" (tests/e2e/ecs_custom_fields.tsv). Documents are nested objects,
 * never dotted keys, and a field without a value is left out, never null or
 * "": an object with nothing in it is not written either.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "registry/registry.h"
#include "report/report.h"

#define ECS_VERSION "8.17.0"

/* What the events of a connection leave for its documents. */
struct econn {
    uint8_t have_ch;        /* the first ClientHello's suites are in suites[] */
    uint8_t sslv2;          /* ... in the SSLv2 format (3-byte cipher specs) */
    uint32_t *suites;
    size_t n_suites;
    uint8_t have_group;     /* the ServerHello's key_share group (TLS 1.3) */
    uint16_t group;
    struct tsc_x509_summary *ccert; /* the client's first certificate, copied */
};

#define W(expr) (void)(expr)

/* ---- a writer of nested objects that opens an object only when a field
 * goes into it, so no empty object and no dangling comma is ever written.
 * Keys are literals of this file (nothing to escape). ---- */
#define EW_DEPTH 8
struct ew {
    struct tsc_buf *b;
    int depth;                  /* 0: the document itself */
    const char *key[EW_DEPTH];  /* the object at each depth */
    uint8_t open[EW_DEPTH];     /* its "{" is written */
    unsigned n[EW_DEPTH];       /* members written into it */
};

static void ew_begin(struct ew *w, struct tsc_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->open[0] = 1;
    W(tsc_buf_putc(b, '{'));
}

static void ew_end_doc(struct ew *w) { W(tsc_buf_puts(w->b, "}\n")); }

static void ew_obj(struct ew *w, const char *key)
{
    if (w->depth + 1 >= EW_DEPTH)
        return; /* never: the nesting is this file's, at most five deep */
    w->depth++;
    w->key[w->depth] = key;
    w->open[w->depth] = 0;
    w->n[w->depth] = 0;
}

static void ew_close(struct ew *w)
{
    if (w->depth == 0)
        return;
    if (w->open[w->depth])
        W(tsc_buf_putc(w->b, '}'));
    w->depth--;
}

/* `"key":` in the current object, opening the objects around it first. */
static void ew_key(struct ew *w, const char *key)
{
    for (int i = 1; i <= w->depth; i++) {
        if (w->open[i])
            continue;
        if (w->n[i - 1]++)
            W(tsc_buf_putc(w->b, ','));
        W(tsc_buf_putc(w->b, '"'));
        W(tsc_buf_puts(w->b, w->key[i]));
        W(tsc_buf_puts(w->b, "\":{"));
        w->open[i] = 1;
    }
    if (w->n[w->depth]++)
        W(tsc_buf_putc(w->b, ','));
    W(tsc_buf_putc(w->b, '"'));
    W(tsc_buf_puts(w->b, key));
    W(tsc_buf_puts(w->b, "\":"));
}

/* A keyword from a C string; nothing when NULL or empty. */
static void ew_str(struct ew *w, const char *key, const char *s)
{
    if (!s || !*s)
        return;
    ew_key(w, key);
    W(tsc_json_cstr(w->b, s));
}

/* A keyword from wire bytes (invalid UTF-8 replaced, controls escaped). */
static void ew_bytes(struct ew *w, const char *key, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    ew_key(w, key);
    W(tsc_json_str(w->b, p, n, NULL));
}

static void ew_u64(struct ew *w, const char *key, uint64_t v)
{
    ew_key(w, key);
    W(tsc_buf_put_u64(w->b, v));
}

static void ew_bool(struct ew *w, const char *key, int v)
{
    ew_key(w, key);
    W(tsc_buf_puts(w->b, v ? "true" : "false"));
}

/* A keyword of literal text the caller knows needs no escaping. */
static void ew_lit(struct ew *w, const char *key, const char *lit)
{
    ew_key(w, key);
    W(tsc_buf_putc(w->b, '"'));
    W(tsc_buf_puts(w->b, lit));
    W(tsc_buf_putc(w->b, '"'));
}

/* Hex digests in uppercase, as ECS asks of tls.*.hash.* */
static void ew_upper_hex(struct ew *w, const char *key, const char *hex)
{
    char up[160];
    size_t n = strlen(hex);
    if (!n || n >= sizeof up)
        return;
    for (size_t i = 0; i <= n; i++)
        up[i] = (hex[i] >= 'a' && hex[i] <= 'f') ? (char)(hex[i] - 'a' + 'A') : hex[i];
    ew_str(w, key, up);
}

/* An ISO 8601 date Elasticsearch's default date format reads: a four-digit
 * year first. A capture's clock can say anything (pcapng has 64-bit
 * timestamps); a time outside years 0000-9999 is left out. */
static int date_ok(const char *s) { return s[0] >= '0' && s[0] <= '9' && strlen(s) >= 20 && s[4] == '-'; }

static void ew_time_us(struct ew *w, const char *key, int64_t us)
{
    char ts[40];
    tsc_iso8601_us(us, ts, sizeof ts);
    if (date_ok(ts))
        ew_lit(w, key, ts);
}

static void ew_date(struct ew *w, const char *key, const char *s)
{
    if (date_ok(s))
        ew_str(w, key, s);
}

/* ---- the connection's facts in ECS's words ---- */

/* tls.version_protocol and tls.version ("tls", "1.2"); 0 for a version ECS
 * cannot say (a draft, an unknown number). */
static int version_words(uint16_t v, const char **proto, const char **num)
{
    switch (v) {
    case 0x0002: *proto = "ssl"; *num = "2.0"; return 1;
    case TSC_SSL30: *proto = "ssl"; *num = "3.0"; return 1;
    case TSC_TLS10: *proto = "tls"; *num = "1.0"; return 1;
    case TSC_TLS11: *proto = "tls"; *num = "1.1"; return 1;
    case TSC_TLS12: *proto = "tls"; *num = "1.2"; return 1;
    case TSC_TLS13: *proto = "tls"; *num = "1.3"; return 1;
    case 0x0100: /* OpenSSL's pre-standard DTLS 1.0 */
    case TSC_DTLS10: *proto = "dtls"; *num = "1.0"; return 1;
    case TSC_DTLS12: *proto = "dtls"; *num = "1.2"; return 1;
    case TSC_DTLS13: *proto = "dtls"; *num = "1.3"; return 1;
    default: return 0;
    }
}

/* ECS recommends Go's names for x509.signature_algorithm; OpenSSL's name
 * (the summary's) where Go has none or the name does not say the hash
 * (rsassaPss keeps it in its parameters). */
static const char *sig_alg_go(const char *ossl)
{
    static const char *const map[][2] = {
        {"md2WithRSAEncryption", "MD2-RSA"},      {"md5WithRSAEncryption", "MD5-RSA"},
        {"sha1WithRSAEncryption", "SHA1-RSA"},    {"sha256WithRSAEncryption", "SHA256-RSA"},
        {"sha384WithRSAEncryption", "SHA384-RSA"}, {"sha512WithRSAEncryption", "SHA512-RSA"},
        {"dsaWithSHA1", "DSA-SHA1"},              {"dsa_with_SHA256", "DSA-SHA256"},
        {"ecdsa-with-SHA1", "ECDSA-SHA1"},        {"ecdsa-with-SHA256", "ECDSA-SHA256"},
        {"ecdsa-with-SHA384", "ECDSA-SHA384"},    {"ecdsa-with-SHA512", "ECDSA-SHA512"},
        {"ED25519", "Ed25519"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(ossl, map[i][0]) == 0)
            return map[i][1];
    return ossl;
}

/* The values of one attribute type ("CN") of a name, as a keyword array:
 * ECS's x509.subject.common_name and its siblings. DER order. */
static void ew_rdn_values(struct ew *w, const struct tsc_x509_summary *s, int issuer, const char *type,
                          const char *key)
{
    size_t tl = strlen(type);
    unsigned k = 0;
    const char *a;
    for (unsigned i = 0; (a = tsc_x509_rdn_at(s, issuer, i)) != NULL; i++) {
        if (*a == '+') /* continues a multi-valued RDN: an attribute all the same */
            a++;
        if (strncmp(a, type, tl) != 0 || a[tl] != '=' || !a[tl + 1])
            continue;
        if (k++ == 0) {
            ew_key(w, key);
            W(tsc_buf_putc(w->b, '['));
        } else {
            W(tsc_buf_putc(w->b, ','));
        }
        W(tsc_json_cstr(w->b, a + tl + 1));
    }
    if (k)
        W(tsc_buf_putc(w->b, ']'));
}

static void ew_name(struct ew *w, const struct tsc_x509_summary *s, int issuer)
{
    static const char *const attrs[][2] = {
        {"CN", "common_name"}, {"C", "country"}, {"L", "locality"}, {"O", "organization"},
        {"OU", "organizational_unit"}, {"ST", "state_or_province"},
    };
    ew_obj(w, issuer ? "issuer" : "subject");
    ew_str(w, "distinguished_name", issuer ? s->issuer : s->subject);
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        ew_rdn_values(w, s, issuer, attrs[i][0], attrs[i][1]);
    ew_close(w);
}

/* A subjectAltName entry as ECS shows names: the bare value for DNS, IP,
 * email and URI (the usual ones), "TYPE:value" for the rest. */
static const char *san_value(const char *e)
{
    static const char *const bare[] = {"DNS:", "IP:", "email:", "URI:"};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        size_t n = strlen(bare[i]);
        if (strncmp(e, bare[i], n) == 0)
            return e + n;
    }
    return e;
}

/* tls.server.x509 / tls.client.x509 */
static void ew_x509(struct ew *w, const struct tsc_x509_summary *s)
{
    char num[8];
    ew_obj(w, "x509");
    unsigned k = 0;
    for (unsigned i = 0; i < s->san_count; i++) {
        const char *e = tsc_x509_san_at(s, i);
        if (!e)
            break;
        e = san_value(e);
        if (!*e)
            continue;
        if (k++ == 0) {
            ew_key(w, "alternative_names");
            W(tsc_buf_putc(w->b, '['));
        } else {
            W(tsc_buf_putc(w->b, ','));
        }
        W(tsc_json_cstr(w->b, e));
    }
    if (k)
        W(tsc_buf_putc(w->b, ']'));
    ew_name(w, s, 1);
    ew_date(w, "not_after", s->not_after);
    ew_date(w, "not_before", s->not_before);
    ew_str(w, "public_key_algorithm", s->pubkey_algorithm);
    ew_str(w, "public_key_curve", s->pubkey_curve);
    /* a long: an exponent of up to 18 digits (RSA keys use 65537; a larger
     * one would not fit and is left out) */
    size_t el = strlen(s->pubkey_exponent);
    if (el && el <= 18 && strspn(s->pubkey_exponent, "0123456789") == el) {
        ew_key(w, "public_key_exponent");
        W(tsc_buf_puts(w->b, s->pubkey_exponent));
    }
    if (s->pubkey_bits > 0)
        ew_u64(w, "public_key_size", (uint64_t)s->pubkey_bits);
    /* base 16, uppercase, no colons (a negative serial keeps its '-') */
    ew_upper_hex(w, "serial_number", s->serial);
    ew_str(w, "signature_algorithm", s->signature_algorithm[0] ? sig_alg_go(s->signature_algorithm) : NULL);
    ew_name(w, s, 0);
    if (s->version >= 1 && s->version <= 3) {
        num[0] = (char)('0' + s->version);
        num[1] = '\0';
        ew_lit(w, "version_number", num);
    }
    ew_close(w);
}

/* The certificate fields beside x509 (tls.server.hash, not_before, subject...). */
static void ew_cert_side(struct ew *w, const struct tsc_x509_summary *s, int full)
{
    if (full) {
        ew_obj(w, "hash");
        ew_upper_hex(w, "md5", s->md5);
        ew_upper_hex(w, "sha1", s->sha1);
        ew_upper_hex(w, "sha256", s->sha256);
        ew_close(w);
        ew_str(w, "issuer", s->issuer);
        ew_date(w, "not_after", s->not_after);
        ew_date(w, "not_before", s->not_before);
        ew_str(w, "subject", s->subject);
        ew_x509(w, s);
    } else {
        ew_obj(w, "hash");
        ew_upper_hex(w, "sha256", s->sha256);
        ew_close(w);
        ew_str(w, "issuer", s->issuer);
        ew_str(w, "subject", s->subject);
    }
}

/* The server's leaf certificate, when it parsed. */
static const struct tsc_x509_summary *leaf_of(const struct tsc_conn *c)
{
    if (c->n_certs && c->certs && c->certs[0] && (!c->cert_status || tsc_is_ok(c->cert_status[0])))
        return c->certs[0];
    return NULL;
}

static void ew_suite_name(struct ew *w, uint32_t s, int sslv2)
{
    const char *name = s <= 0xffff ? tsc_reg_name(TSC_REG_CIPHER_SUITE, (uint16_t)s) : NULL;
    if (name)
        W(tsc_json_cstr(w->b, name));
    else
        W(tsc_buf_printf(w->b, sslv2 && s > 0xffff ? "\"0x%06" PRIx32 "\"" : "\"0x%04" PRIx32 "\"", s));
}

/* tls.*: all of it (full) in the event document, the connection's identity
 * in an alert document. */
static void ew_tls(struct ew *w, const struct tsc_conn *c, const struct tsc_conn_report *rep,
                   const struct econn *e, int full)
{
    const char *proto, *num;
    ew_obj(w, "tls");
    if (rep->have_suite && rep->suite_known && rep->suite.name)
        ew_str(w, "cipher", rep->suite.name);
    if (full) {
        /* the group of the key exchange: TLS 1.3's key_share, TLS 1.2's
         * ECDHE ServerKeyExchange */
        const char *g = NULL;
        if (e && e->have_group)
            g = tsc_reg_name(TSC_REG_GROUP, e->group);
        else if (c->have_ske_group)
            g = tsc_reg_name(TSC_REG_GROUP, c->ske_group);
        ew_str(w, "curve", g);
        ew_bool(w, "established", c->complete);
        if (c->has_alpn_selected)
            ew_bytes(w, "next_protocol", c->alpn_selected, c->alpn_selected_len);
        ew_bool(w, "resumed", c->resumed);
    }
    if (c->version && version_words(c->version, &proto, &num)) {
        ew_lit(w, "version", num);
        ew_lit(w, "version_protocol", proto);
    }

    ew_obj(w, "client");
    const struct tsc_x509_summary *cc = e ? e->ccert : NULL;
    if (full && cc)
        ew_cert_side(w, cc, 1);
    ew_str(w, "ja3", rep->ja3);
    if (c->has_sni)
        ew_bytes(w, "server_name", c->sni, c->sni_len);
    if (full && e && e->have_ch && e->n_suites) {
        ew_key(w, "supported_ciphers");
        W(tsc_buf_putc(w->b, '['));
        for (size_t i = 0; i < e->n_suites; i++) {
            if (i)
                W(tsc_buf_putc(w->b, ','));
            ew_suite_name(w, e->suites[i], e->sslv2);
        }
        W(tsc_buf_putc(w->b, ']'));
    }
    ew_close(w);

    ew_obj(w, "server");
    const struct tsc_x509_summary *leaf = leaf_of(c);
    if (leaf)
        ew_cert_side(w, leaf, full);
    ew_str(w, "ja3s", rep->ja3s);
    ew_close(w);
    ew_close(w);
}

static void ew_endpoint(struct ew *w, const char *key, const struct tsc_endpoint *ep, const uint8_t *domain,
                        size_t domain_len)
{
    char ip[64];
    tsc_endpoint_ip(ep, ip, sizeof ip);
    ew_obj(w, key);
    ew_str(w, "address", ip);
    if (domain)
        ew_bytes(w, "domain", domain, domain_len);
    ew_str(w, "ip", ip);
    ew_u64(w, "port", ep->port);
    ew_close(w);
}

/* event.severity of a finding: higher is worse. */
static unsigned severity_number(enum tsc_severity s)
{
    switch (s) {
    case TSC_SEV_INFO: return 1;
    case TSC_SEV_LOW: return 2;
    case TSC_SEV_MEDIUM: return 3;
    case TSC_SEV_HIGH: return 4;
    default: return 0;
    }
}

/* JSON the caller wrote out in full (an array of literals). */
static void ew_raw(struct ew *w, const char *key, const char *json)
{
    ew_key(w, key);
    W(tsc_buf_puts(w->b, json));
}

/* One document: the connection's event (f NULL), or the alert of finding f. */
static void ecs_doc(struct tsc_buf *b, const struct tsc_conn *c, const struct tsc_conn_report *rep,
                    const struct econn *e, uint64_t ordinal, const struct tsc_finding *f)
{
    struct ew w;
    ew_begin(&w, b);
    ew_time_us(&w, "@timestamp", c->start_us);
    if (f) {
        /* the line a log viewer shows: "title: detail" */
        ew_key(&w, "message");
        if (f->detail[0]) {
            char msg[TSC_FINDING_DETAIL + 256];
            snprintf(msg, sizeof msg, "%s: %s", f->rule->title, f->detail);
            W(tsc_json_cstr(b, msg));
        } else {
            W(tsc_json_cstr(b, f->rule->title));
        }
    }

    ew_obj(&w, "ecs");
    ew_lit(&w, "version", ECS_VERSION);
    ew_close(&w);

    ew_obj(&w, "event");
    ew_lit(&w, "kind", f ? "alert" : "event");
    ew_raw(&w, "category", "[\"network\"]");
    ew_raw(&w, "type", f ? "[\"info\"]" : "[\"connection\",\"protocol\"]");
    ew_lit(&w, "module", "tlsscope");
    ew_lit(&w, "dataset", f ? "tlsscope.finding" : "tlsscope.connection");
    ew_time_us(&w, "start", c->start_us);
    ew_time_us(&w, "end", c->last_us);
    if (c->last_us >= c->start_us && c->last_us - c->start_us <= INT64_MAX / 1000)
        ew_u64(&w, "duration", (uint64_t)(c->last_us - c->start_us) * 1000u); /* nanoseconds */
    if (f) {
        ew_u64(&w, "severity", severity_number(f->rule->severity));
        ew_str(&w, "reason", f->detail);
    }
    ew_close(&w);

    if (f) {
        ew_obj(&w, "rule");
        ew_str(&w, "id", f->rule->id);
        ew_str(&w, "name", f->rule->title);
        ew_str(&w, "description", f->rule->explanation);
        ew_lit(&w, "ruleset", "tlsscope");
        ew_close(&w);
    }

    ew_obj(&w, "observer");
    ew_lit(&w, "product", "tlsscope");
    ew_close(&w);

    ew_obj(&w, "network");
    int udp = c->transport == TSC_TRANSPORT_DTLS || c->transport == TSC_TRANSPORT_QUIC;
    ew_lit(&w, "transport", udp ? "udp" : "tcp");
    ew_lit(&w, "iana_number", udp ? "17" : "6");
    ew_lit(&w, "type", c->client.family == 6 ? "ipv6" : "ipv4");
    ew_lit(&w, "protocol", c->transport == TSC_TRANSPORT_QUIC ? "quic"
                           : c->transport == TSC_TRANSPORT_DTLS ? "dtls" : "tls");
    ew_close(&w);

    /* a connection's summary: source is its client, destination its server
     * (ECS's client/server beside them), the SNI its destination.domain */
    ew_endpoint(&w, "source", &c->client, NULL, 0);
    ew_endpoint(&w, "destination", &c->server, c->has_sni ? c->sni : NULL, c->sni_len);
    ew_endpoint(&w, "client", &c->client, NULL, 0);
    ew_endpoint(&w, "server", &c->server, NULL, 0);

    ew_tls(&w, c, rep, e, f == NULL);

    /* custom: what ECS has no field for (docs/ecs.md) */
    ew_obj(&w, "tlsscope");
    ew_u64(&w, "connection_id", ordinal);
    if (!f)
        ew_str(&w, "ja4", rep->ja4);
    ew_close(&w);
    ew_end_doc(&w);
}

static struct econn *ec_of(void **data)
{
    if (!*data)
        *data = calloc(1, sizeof(struct econn));
    return *data;
}

static void ec_free(void **data)
{
    struct econn *e = *data;
    if (!e)
        return;
    free(e->suites);
    free(e->ccert);
    free(e);
    *data = NULL;
}

static void ecs_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    (void)ctx;
    (void)f;
    if (ev->type != TSC_EV_HANDSHAKE)
        return;
    const struct tsc_hs_msg *msg = ev->msg;
    if (!tsc_is_ok(ev->status) && !ev->partial)
        return;
    if (msg->type == TSC_HS_CLIENT_HELLO) {
        struct econn *e = ec_of(data);
        if (!e || e->have_ch)
            return;
        const struct tsc_client_hello *ch = &msg->u.ch;
        size_t n = tsc_client_hello_n_suites(ch);
        e->have_ch = 1;
        e->sslv2 = (uint8_t)(ch->sslv2 != 0);
        if (!n)
            return;
        e->suites = malloc(n * sizeof *e->suites);
        if (!e->suites)
            return; /* out of memory: the document goes without the list */
        for (size_t i = 0; i < n; i++)
            e->suites[i] = tsc_client_hello_suite_at(ch, i);
        e->n_suites = n;
    } else if (msg->type == TSC_HS_SERVER_HELLO) {
        /* TLS 1.3: the server's KeyShareEntry names the group */
        const struct tsc_ext *ks = tsc_ext_find(&msg->u.sh.ext, TSC_EXT_KEY_SHARE);
        if (!ks || !tsc_is_ok(ks->status) || ks->form != TSC_EXTF_KEY_SHARE || ks->u.key_share.stored < 1)
            return;
        struct econn *e = ec_of(data);
        if (!e || e->have_group)
            return;
        e->have_group = 1;
        e->group = ks->u.key_share.s[0].group;
    } else if (msg->type == TSC_HS_CERTIFICATE && ev->dir == TSC_C2S && ev->n_certs && ev->certs &&
               ev->certs[0] && (!ev->cert_status || tsc_is_ok(ev->cert_status[0]))) {
        struct econn *e = ec_of(data);
        if (!e || e->ccert)
            return;
        e->ccert = malloc(sizeof *e->ccert);
        if (e->ccert)
            *e->ccert = *ev->certs[0];
    }
}

static void ecs_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                     uint64_t ordinal)
{
    struct tsc_sink_impl *s = ctx;
    const struct econn *e = *data;
    ecs_doc(&s->ob, c, rep, e, ordinal, NULL);
    for (size_t i = 0; i < rep->n_findings; i++)
        ecs_doc(&s->ob, c, rep, e, ordinal, &rep->findings[i]);
    ec_free(data);
    tsc_report_out_flush(s, 0);
}

static void ecs_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    ec_free(data);
}

int tsc_ecs_sink_init(struct tsc_sink_impl *s);
int tsc_ecs_sink_init(struct tsc_sink_impl *s)
{
    s->render.ctx = s;
    /* the JA3, JA3S and JA4 hashes (the suite's name is in every report) */
    s->render.need = TSC_NEED_FP;
    s->render.event = ecs_event;
    s->render.emit = ecs_emit;
    s->render.discard = ecs_discard;
    return 0;
}
