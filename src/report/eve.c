/*
 * eve.c - Suricata's EVE JSON (docs/eve.md): per connection one event
 * (event_type "tls", or "quic" for QUIC), then one event_type "alert" per
 * finding, one JSON object per line.
 *
 * The tls object has the fields of Suricata 7's extended TLS log, in its
 * order and spelling (src/output-json-tls.c: subject and issuerdn in DER
 * order with ", " between attributes, serial as "XX:XX", SHA-1 fingerprint
 * as "xx:xx", notbefore/notafter without a zone), with the three fields
 * Suricata 8 added (subjectaltname, client_alpns, server_alpns). Everything
 * rendered is a fact of the connection, its certificates' summaries or its
 * report; what the event needs of a message (the JA3 and JA3S strings, the
 * client certificate, when the handshake ended) is kept as its event goes by.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "core/text.h"
#include "report/report.h"
#include "tls/quic.h"

/* Buffer errors (LIMIT) only cut an over-long event short. */
#define W(expr) (void)(expr)

/* What an event needs of the messages, kept per connection. */
struct econn {
    int64_t hs_ts;            /* the last handshake message, ChangeCipherSpec or encrypted flight */
    char ja3_md5[TSC_FP_MD5_HEX];
    char *ja3;                /* the JA3 string of the hello whose MD5 is ja3_md5 */
    char ja3s_md5[TSC_FP_MD5_HEX];
    char *ja3s;
    uint16_t sh_legacy;       /* the first ServerHello's legacy_version */
    struct tsc_buf client;    /* the client certificate's fields, rendered (`"subject":...`) */
    uint8_t have_client;
};

/* ---- the stable numbering of the findings as Suricata signatures ----
 * signature_id of each rule id, for good: a new rule takes the next free
 * number, a retired one keeps its number unused (test_eve checks that every
 * rule has one and that no two share one). */
#define EVE_SID_BASE 9830000
static const struct {
    const char *rule;
    unsigned sid;
} eve_sids[] = {
    {"sslv2-negotiated", EVE_SID_BASE + 1},
    {"sslv3-negotiated", EVE_SID_BASE + 2},
    {"null-cipher-negotiated", EVE_SID_BASE + 3},
    {"anonymous-suite-negotiated", EVE_SID_BASE + 4},
    {"export-suite-negotiated", EVE_SID_BASE + 5},
    {"rc4-negotiated", EVE_SID_BASE + 6},
    {"des-negotiated", EVE_SID_BASE + 7},
    {"cert-expired", EVE_SID_BASE + 8},
    {"cert-not-yet-valid", EVE_SID_BASE + 9},
    {"cert-name-mismatch", EVE_SID_BASE + 10},
    {"cert-md5-signature", EVE_SID_BASE + 11},
    {"tls10-negotiated", EVE_SID_BASE + 12},
    {"tls11-negotiated", EVE_SID_BASE + 13},
    {"dtls10-negotiated", EVE_SID_BASE + 14},
    {"3des-negotiated", EVE_SID_BASE + 15},
    {"no-forward-secrecy", EVE_SID_BASE + 16},
    {"compression-negotiated", EVE_SID_BASE + 17},
    {"no-secure-renegotiation", EVE_SID_BASE + 18},
    {"weak-dh-group", EVE_SID_BASE + 19},
    {"weak-ecdhe-curve", EVE_SID_BASE + 20},
    {"cert-self-signed", EVE_SID_BASE + 21},
    {"cert-weak-rsa-key", EVE_SID_BASE + 22},
    {"cert-sha1-signature", EVE_SID_BASE + 23},
    {"cbc-sha1-negotiated", EVE_SID_BASE + 24},
    {"no-extended-master-secret", EVE_SID_BASE + 25},
    {"sslv2-client-hello", EVE_SID_BASE + 26},
    {"null-cipher-offered", EVE_SID_BASE + 27},
    {"anonymous-suite-offered", EVE_SID_BASE + 28},
    {"export-suite-offered", EVE_SID_BASE + 29},
    {"rc4-offered", EVE_SID_BASE + 30},
    {"des-offered", EVE_SID_BASE + 31},
    {"compression-offered", EVE_SID_BASE + 32},
    {"heartbeat-offered", EVE_SID_BASE + 33},
    {"ticket-lifetime-over-7-days", EVE_SID_BASE + 34},
    {"cert-validity-over-398-days", EVE_SID_BASE + 35},
    {"3des-offered", EVE_SID_BASE + 36},
    {"fatal-alert", EVE_SID_BASE + 37},
    /* judged by tlsscope probe only */
    {"cert-untrusted", EVE_SID_BASE + 38},
    {"fallback-scsv-ignored", EVE_SID_BASE + 39},
    {"server-follows-client-order", EVE_SID_BASE + 40},
};

unsigned tsc_eve_signature_id(const char *rule_id);
/* The signature_id of a rule id, 0 for an id not numbered. */
unsigned tsc_eve_signature_id(const char *rule_id)
{
    for (size_t i = 0; rule_id && i < sizeof eve_sids / sizeof eve_sids[0]; i++)
        if (strcmp(eve_sids[i].rule, rule_id) == 0)
            return eve_sids[i].sid;
    return 0;
}

/* ---- Suricata's spellings ---- */

/* Suricata's name of a protocol version (SSLVersionToString), with the
 * DTLS versions it does not parse named alike. */
static void eve_version(uint16_t v, char out[24])
{
    switch (v) {
    case 0: snprintf(out, 24, "UNDETERMINED"); return;
    case 0x0002: snprintf(out, 24, "SSLv2"); return;
    case 0x0300: snprintf(out, 24, "SSLv3"); return;
    case 0x0301: snprintf(out, 24, "TLSv1"); return;
    case 0x0302: snprintf(out, 24, "TLS 1.1"); return;
    case 0x0303: snprintf(out, 24, "TLS 1.2"); return;
    case 0x0304: snprintf(out, 24, "TLS 1.3"); return;
    case 0xfeff: snprintf(out, 24, "DTLS 1.0"); return;
    case 0xfefd: snprintf(out, 24, "DTLS 1.2"); return;
    case 0xfefc: snprintf(out, 24, "DTLS 1.3"); return;
    case 0xfb14: case 0xfb15: case 0xfb16: case 0xfb17: case 0xfb1a:
        snprintf(out, 24, "TLS 1.3 draft-%u-fb", (unsigned)(v & 0xff));
        return;
    default:
        break;
    }
    if (v >= 0x7f10 && v <= 0x7f1c)
        snprintf(out, 24, "TLS 1.3 draft-%u", (unsigned)(v & 0xff));
    else if (v >= 0x7f01 && v < 0x7f10)
        snprintf(out, 24, "TLS 1.3 draft-<16");
    else
        snprintf(out, 24, "0x%04x", (unsigned)v);
}

/* "2016-02-12T18:07:27": a certificate time as Suricata writes it (no zone). */
static void eve_cert_time(int64_t epoch, char out[32])
{
    time_t t = (time_t)epoch;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm))
        snprintf(out, 32, "invalid-time");
}

/* "2026-12-05T12:00:00.123456+0000": the event time as Suricata writes it. */
static void eve_timestamp(int64_t us, char out[48])
{
    char iso[40];
    tsc_iso8601_us(us, iso, sizeof iso);
    size_t n = strlen(iso);
    if (n && iso[n - 1] == 'Z')
        iso[n - 1] = '\0';
    snprintf(out, 48, "%s+0000", iso);
}

/* Suricata's addresses: dotted IPv4; IPv6 as all eight groups of four
 * digits ("2001:0db8:0000:...:0001"), not RFC 5952's short form. */
static void eve_ip(const struct tsc_endpoint *e, char out[48])
{
    if (e->family != 6) {
        tsc_endpoint_ip(e, out, 48);
        return;
    }
    size_t off = 0;
    for (int i = 0; i < 16; i += 2)
        off += (size_t)snprintf(out + off, 48 - off, "%s%02x%02x", i ? ":" : "", e->addr[i], e->addr[i + 1]);
}

/* The serial as Suricata writes it: the DER INTEGER's content bytes in
 * uppercase hex, ":" between bytes. The summary has the magnitude in hex
 * ("97e6...", "-01"); a positive number whose top bit is set takes the 00
 * byte DER gives it, a negative one is written in two's complement. */
static void eve_serial(struct tsc_buf *b, const char *hex)
{
    uint8_t mag[80];
    size_t n = 0;
    int neg = hex[0] == '-';
    const char *p = hex + neg;
    size_t len = strlen(p);
    if (len == 0 || len % 2 || tsc_unhex(p, len, mag, sizeof mag, &n) != 0) {
        W(tsc_json_cstr(b, hex)); /* not hex: as it is (cannot happen with a summary) */
        return;
    }
    uint8_t out[82];
    size_t k = 0;
    if (!neg) {
        if (mag[0] & 0x80)
            out[k++] = 0;
        memcpy(out + k, mag, n);
        k += n;
    } else {
        /* two's complement of the magnitude: invert, add one */
        uint8_t t[80];
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
            unsigned v = (uint8_t)~mag[i] + carry;
            t[i] = (uint8_t)v;
            carry = v >> 8;
        }
        if (!(t[0] & 0x80))
            out[k++] = 0xff;
        memcpy(out + k, t, n);
        k += n;
    }
    static const char hx[] = "0123456789ABCDEF";
    W(tsc_buf_putc(b, '"'));
    for (size_t i = 0; i < k; i++) {
        if (i)
            W(tsc_buf_putc(b, ':'));
        W(tsc_buf_putc(b, hx[out[i] >> 4]));
        W(tsc_buf_putc(b, hx[out[i] & 15]));
    }
    W(tsc_buf_putc(b, '"'));
}

/* "aa:bb:..": a lowercase hex digest with ":" between bytes. */
static void eve_colon_hex(struct tsc_buf *b, const char *hex)
{
    W(tsc_buf_putc(b, '"'));
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        if (i)
            W(tsc_buf_putc(b, ':'));
        W(tsc_buf_append(b, hex + i, 2));
    }
    W(tsc_buf_putc(b, '"'));
}

/* A name as Suricata writes it: the attributes in DER order, ", " between
 * them, " + " inside a multi-valued RDN ("C=US, O=Example, CN=example.com"). */
static void eve_dn(struct tsc_buf *b, const struct tsc_x509_summary *s, int issuer)
{
    struct tsc_buf t;
    tsc_buf_init(&t, 4096);
    const char *a;
    for (unsigned i = 0; (a = tsc_x509_rdn_at(s, issuer, i)) != NULL; i++) {
        if (a[0] == '+') {
            W(tsc_buf_puts(&t, " + "));
            a++;
        } else if (i) {
            W(tsc_buf_puts(&t, ", "));
        }
        /* x509-parser, which Suricata names with, says Email where
         * OpenSSL says emailAddress; the other usual names agree */
        if (strncmp(a, "emailAddress=", 13) == 0) {
            W(tsc_buf_puts(&t, "Email"));
            a += 12;
        }
        W(tsc_buf_puts(&t, a));
    }
    W(tsc_json_str(b, t.data, t.len, NULL));
    tsc_buf_free(&t);
}

/* A subjectAltName entry as Suricata 8 writes it: DNS names and URIs as
 * they are, an address as the list of its bytes ("[10, 0, 0, 1]", Rust's
 * debug form); other kinds as the summary has them ("email:a@b"). */
static void eve_san(struct tsc_buf *b, const char *san)
{
    if (strncmp(san, "DNS:", 4) == 0 || strncmp(san, "URI:", 4) == 0) {
        W(tsc_json_cstr(b, san + 4));
        return;
    }
    uint8_t a[16];
    int n = 0;
    if (strncmp(san, "IP:", 3) == 0) {
        if (inet_pton(AF_INET, san + 3, a) == 1)
            n = 4;
        else if (inet_pton(AF_INET6, san + 3, a) == 1)
            n = 16;
    }
    if (!n) {
        W(tsc_json_cstr(b, san));
        return;
    }
    W(tsc_buf_putc(b, '"'));
    W(tsc_buf_putc(b, '['));
    for (int i = 0; i < n; i++)
        W(tsc_buf_printf(b, i ? ", %u" : "%u", a[i]));
    W(tsc_buf_puts(b, "]\""));
}

/* A key and a JSON string: `,"key":"..."` (first: no comma). */
static void ekey(struct tsc_buf *b, int *first, const char *key)
{
    W(tsc_buf_puts(b, *first ? "\"" : ",\""));
    W(tsc_buf_puts(b, key));
    W(tsc_buf_puts(b, "\":"));
    *first = 0;
}

/* The certificate fields Suricata logs of a certificate (the server's first,
 * or the client's): subject, issuerdn[, subjectaltname], serial,
 * fingerprint[, notbefore, notafter] as the caller places them. */
static void eve_cert_names(struct tsc_buf *b, int *first, const struct tsc_x509_summary *s)
{
    ekey(b, first, "subject");
    eve_dn(b, s, 0);
    ekey(b, first, "issuerdn");
    eve_dn(b, s, 1);
}

static void eve_cert_times(struct tsc_buf *b, int *first, const struct tsc_x509_summary *s)
{
    char t[32];
    /* Suricata leaves out a time of exactly 0 (its "none") */
    if (s->not_before_epoch != 0) {
        eve_cert_time(s->not_before_epoch, t);
        ekey(b, first, "notbefore");
        W(tsc_json_cstr(b, t));
    }
    if (s->not_after_epoch != 0) {
        eve_cert_time(s->not_after_epoch, t);
        ekey(b, first, "notafter");
        W(tsc_json_cstr(b, t));
    }
}

/* ---- per connection ---- */

static struct econn *ec_of(void **data)
{
    if (!*data) {
        struct econn *e = calloc(1, sizeof *e);
        if (!e)
            return NULL;
        tsc_buf_init(&e->client, (size_t)64 << 10);
        *data = e;
    }
    return *data;
}

static void ec_free(void **data)
{
    struct econn *e = *data;
    if (!e)
        return;
    free(e->ja3);
    free(e->ja3s);
    tsc_buf_free(&e->client);
    free(e);
    *data = NULL;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void eve_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    (void)ctx;
    if (ev->type != TSC_EV_HANDSHAKE && ev->type != TSC_EV_ENCRYPTED_HS && ev->type != TSC_EV_CCS)
        return;
    struct econn *e = ec_of(data);
    if (!e)
        return;
    /* Suricata writes the event when the handshake is done: its time is
     * that of the last handshake record */
    e->hs_ts = ev->ts_us;
    if (ev->type != TSC_EV_HANDSHAKE || !tsc_is_ok(ev->status))
        return;
    const struct tsc_hs_msg *m = ev->msg;
    /* the strings of the hellos whose fingerprints the connection's report
     * has: the first that gave a usable one (analysis.c's rule) */
    if ((f->have & TSC_HAVE_CH_FP) && !e->ja3_md5[0] && f->ja3_usable && !(f->ch.ja3_status & TSC_FP_CUT)) {
        memcpy(e->ja3_md5, f->ch.ja3_md5, sizeof e->ja3_md5);
        e->ja3 = dup_str(f->ch.ja3);
    }
    if ((f->have & TSC_HAVE_SH_FP) && m->type == TSC_HS_SERVER_HELLO && !e->ja3s_md5[0] && f->ja3s_usable &&
        !(f->sh.ja3s_status & TSC_FP_CUT)) {
        memcpy(e->ja3s_md5, f->sh.ja3s_md5, sizeof e->ja3s_md5);
        e->ja3s = dup_str(f->sh.ja3s);
    }
    if (m->type == TSC_HS_SERVER_HELLO && !e->sh_legacy)
        e->sh_legacy = m->u.sh.legacy_version;
    /* the client's certificate: Suricata's "client" object */
    if (m->type == TSC_HS_CERTIFICATE && ev->dir == TSC_C2S && !e->have_client && ev->n_certs &&
        tsc_is_ok(ev->cert_status[0])) {
        const struct tsc_x509_summary *s = ev->certs[0];
        int first = 1;
        eve_cert_names(&e->client, &first, s);
        ekey(&e->client, &first, "fingerprint");
        eve_colon_hex(&e->client, s->sha1);
        ekey(&e->client, &first, "serial");
        eve_serial(&e->client, s->serial);
        eve_cert_times(&e->client, &first, s);
        e->have_client = 1;
    }
}

/* The flow identity every event starts with. flow_id: Suricata's is 51
 * bits from the flow's hash and start; ours 51 bits of a fixed-key SipHash
 * of the transport, both endpoints and the first packet's time, so the
 * same capture gives the same ids every run. */
static void eve_head(struct tsc_buf *b, const struct tsc_conn *c, int64_t ts, const char *type)
{
    static const struct tsc_hash_key key = {0x7473637365766531ull, 0x666c6f772d696431ull};
    uint8_t id[1 + 2 * (1 + 16 + 2) + 8];
    size_t k = 0;
    id[k++] = c->transport;
    const struct tsc_endpoint *ep[2] = {&c->client, &c->server};
    for (int i = 0; i < 2; i++) {
        id[k++] = ep[i]->family;
        memcpy(id + k, ep[i]->addr, 16);
        k += 16;
        id[k++] = (uint8_t)(ep[i]->port >> 8);
        id[k++] = (uint8_t)ep[i]->port;
    }
    for (int i = 0; i < 8; i++)
        id[k++] = (uint8_t)((uint64_t)c->start_us >> (56 - 8 * i));
    uint64_t flow_id = tsc_siphash(&key, id, k) & 0x7ffffffffffffull;

    char t[48], src[48], dst[48];
    eve_timestamp(ts, t);
    eve_ip(&c->client, src);
    eve_ip(&c->server, dst);
    W(tsc_buf_printf(b,
                     "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"event_type\":\"%s\",\"src_ip\":\"%s\","
                     "\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":%u,\"proto\":\"%s\"",
                     t, flow_id, type, src, c->client.port, dst, c->server.port,
                     c->transport == TSC_TRANSPORT_TCP ? "TCP" : "UDP"));
}

/* A string array of the ALPN names: `"key":["h2",...]`. */
static void eve_alpns(struct tsc_buf *b, int *first, const char *key, const uint8_t *names, const uint16_t *off,
                      const uint8_t *len, unsigned n)
{
    ekey(b, first, key);
    W(tsc_buf_putc(b, '['));
    for (unsigned i = 0; i < n; i++) {
        if (i)
            W(tsc_buf_putc(b, ','));
        W(tsc_json_str(b, names + (off ? off[i] : 0), len[i], NULL));
    }
    W(tsc_buf_putc(b, ']'));
}

static void eve_ja3(struct tsc_buf *b, int *first, const char *key, const char *md5, const char *kept_md5,
                    const char *text)
{
    if (!md5[0])
        return;
    ekey(b, first, key);
    W(tsc_buf_puts(b, "{\"hash\":"));
    W(tsc_json_cstr(b, md5));
    if (text && strcmp(md5, kept_md5) == 0) {
        W(tsc_buf_puts(b, ",\"string\":"));
        W(tsc_json_cstr(b, text));
    }
    W(tsc_buf_putc(b, '}'));
}

/* The tls object's members (Suricata 7's extended log, in its order, with
 * 8's subjectaltname, client_alpns and server_alpns). */
static void eve_tls_fields(struct tsc_buf *b, const struct tsc_conn *c, const struct tsc_conn_report *rep,
                           const struct econn *e)
{
    int first = 1;
    const struct tsc_x509_summary *s = NULL;
    if (c->n_certs && c->certs[0] && tsc_is_ok(c->cert_status[0]))
        s = c->certs[0];
    if (s) {
        eve_cert_names(b, &first, s);
        if (s->san_count) {
            int any = 0;
            const char *san;
            for (unsigned i = 0; (san = tsc_x509_san_at(s, i)) != NULL; i++) {
                if (!any)
                    ekey(b, &first, "subjectaltname"), W(tsc_buf_putc(b, '['));
                else
                    W(tsc_buf_putc(b, ','));
                eve_san(b, san);
                any = 1;
            }
            if (any)
                W(tsc_buf_putc(b, ']'));
        }
    }
    /* Suricata: resumed when the hello's session id came back (or a ticket
     * was offered) and no certificate followed, not for TLS 1.3 */
    if (c->resumed && !s && c->saw_server_hello && c->version != 0x0304) {
        ekey(b, &first, "session_resumed");
        W(tsc_buf_puts(b, "true"));
    }
    if (s) {
        ekey(b, &first, "serial");
        eve_serial(b, s->serial);
        ekey(b, &first, "fingerprint");
        eve_colon_hex(b, s->sha1);
    }
    if (c->has_sni) {
        ekey(b, &first, "sni");
        W(tsc_json_str(b, c->sni, c->sni_len, NULL));
    }
    char v[24];
    /* the server's version; the client's without a ServerHello (as Suricata 8) */
    eve_version(c->version ? c->version : c->client_version, v);
    /* TLS 1.3 drafts 1 to 15 put 0x0304 in the ServerHello's version
     * itself, which Suricata names so (the RFC's goes in supported_versions) */
    if (c->version == 0x0304 && e && e->sh_legacy == 0x0304)
        snprintf(v, sizeof v, "TLS 1.3 draft-<16");
    ekey(b, &first, "version");
    W(tsc_json_cstr(b, v));
    if (s)
        eve_cert_times(b, &first, s);
    eve_ja3(b, &first, "ja3", rep->ja3, e ? e->ja3_md5 : "", e ? e->ja3 : NULL);
    eve_ja3(b, &first, "ja3s", rep->ja3s, e ? e->ja3s_md5 : "", e ? e->ja3s : NULL);
    if (rep->ja4[0]) {
        ekey(b, &first, "ja4");
        W(tsc_json_cstr(b, rep->ja4));
    }
    if (c->n_alpn_offered && c->alpn_offered)
        eve_alpns(b, &first, "client_alpns", c->alpn_offered, c->alpn_offered_off, c->alpn_offered_len,
                  c->n_alpn_offered);
    if (c->has_alpn_selected)
        eve_alpns(b, &first, "server_alpns", c->alpn_selected, NULL, &c->alpn_selected_len, 1);
    if (e && e->have_client) {
        ekey(b, &first, "client");
        W(tsc_buf_putc(b, '{'));
        W(tsc_buf_append(b, e->client.data, e->client.len));
        W(tsc_buf_putc(b, '}'));
    }
}

/* Suricata's quic version string: "1", "v2", or the number in hex. */
static void eve_quic_fields(struct tsc_buf *b, const struct tsc_conn *c, const struct tsc_conn_report *rep,
                            const struct econn *e)
{
    int first = 1;
    if (c->quic->version) {
        char v[16];
        if (c->quic->version == TSC_QUIC_V2)
            snprintf(v, sizeof v, "v2");
        else
            snprintf(v, sizeof v, "%" PRIx32, c->quic->version);
        ekey(b, &first, "version");
        W(tsc_json_cstr(b, v));
    }
    if (c->has_sni) {
        ekey(b, &first, "sni");
        W(tsc_json_str(b, c->sni, c->sni_len, NULL));
    }
    eve_ja3(b, &first, "ja3", rep->ja3, e ? e->ja3_md5 : "", e ? e->ja3 : NULL);
    if (rep->ja4[0]) {
        ekey(b, &first, "ja4");
        W(tsc_json_cstr(b, rep->ja4));
    }
}

/* Suricata's severity: 1 high, 2 medium, 3 low; info is 4. */
static unsigned eve_severity(enum tsc_severity s)
{
    switch (s) {
    case TSC_SEV_HIGH: return 1;
    case TSC_SEV_MEDIUM: return 2;
    case TSC_SEV_LOW: return 3;
    default: return 4;
    }
}

static void eve_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                     uint64_t ordinal)
{
    (void)ordinal;
    struct tsc_sink_impl *s = ctx;
    struct tsc_buf *b = &s->ob;
    const struct econn *e = *data;
    int64_t ts = e && e->hs_ts ? e->hs_ts : c->start_us;
    int quic = c->transport == TSC_TRANSPORT_QUIC && c->quic;
    const char *app = quic ? "quic" : "tls";

    /* the app-layer object once: the event's, and each alert's metadata */
    struct tsc_buf obj;
    tsc_buf_init(&obj, (size_t)1 << 20);
    W(tsc_buf_puts(&obj, ",\""));
    W(tsc_buf_puts(&obj, app));
    W(tsc_buf_puts(&obj, "\":{"));
    if (quic)
        eve_quic_fields(&obj, c, rep, e);
    else
        eve_tls_fields(&obj, c, rep, e);
    W(tsc_buf_putc(&obj, '}'));

    eve_head(b, c, ts, app);
    W(tsc_buf_append(b, obj.data, obj.len));
    W(tsc_buf_puts(b, "}\n"));

    for (size_t i = 0; i < rep->n_findings; i++) {
        const struct tsc_finding *f = &rep->findings[i];
        eve_head(b, c, ts, "alert");
        W(tsc_buf_printf(b, ",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":%u,\"rev\":1,"
                            "\"signature\":",
                         tsc_eve_signature_id(f->rule->id)));
        W(tsc_json_cstr(b, f->rule->title));
        W(tsc_buf_puts(b, ",\"category\":\"TLS security finding\",\"severity\":"));
        W(tsc_buf_put_u64(b, eve_severity(f->rule->severity)));
        W(tsc_buf_puts(b, ",\"metadata\":{\"tlsscope_rule\":["));
        W(tsc_json_cstr(b, f->rule->id));
        W(tsc_buf_puts(b, "],\"tlsscope_severity\":["));
        W(tsc_json_cstr(b, tsc_severity_name(f->rule->severity)));
        W(tsc_buf_puts(b, "]"));
        if (f->detail[0]) {
            W(tsc_buf_puts(b, ",\"tlsscope_detail\":["));
            W(tsc_json_cstr(b, f->detail));
            W(tsc_buf_puts(b, "]"));
        }
        W(tsc_buf_printf(b, "}},\"app_proto\":\"%s\"", app));
        W(tsc_buf_append(b, obj.data, obj.len));
        W(tsc_buf_puts(b, "}\n"));
    }
    tsc_buf_free(&obj);
    ec_free(data);
    tsc_report_out_flush(s, 0);
}

static void eve_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    ec_free(data);
}

int tsc_eve_sink_init(struct tsc_sink_impl *s);
int tsc_eve_sink_init(struct tsc_sink_impl *s)
{
    s->render.ctx = s;
    /* the JA3 and JA3S strings beside their hashes */
    s->render.need = TSC_NEED_FP | TSC_NEED_FP_TEXT;
    s->render.event = eve_event;
    s->render.emit = eve_emit;
    s->render.discard = eve_discard;
    return 0;
}
