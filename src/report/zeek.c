/*
 * zeek.c - Zeek's logs: ssl.log, x509.log and notice.log as Zeek 6 writes
 * them, in its TSV form (--format zeek) or its JSON form (--format
 * zeek-json). The contract, field by field, is docs/zeek.md.
 *
 * Zeek's own scripts define what each field means (base/protocols/ssl
 * main.zeek and files.zeek, base/files/x509/main.zeek); this renders our
 * connection facts with those meanings:
 *   - ssl.log is written when the handshake is established (as Zeek logs it
 *     at ssl_established), so ssl_history and last_alert stop there;
 *     "established" is Zeek's: a record that cannot be read after both sides
 *     sent ChangeCipherSpec.
 *   - ssl_history letters follow the plaintext handshake messages, CCS,
 *     alerts and heartbeats in order: client upper case, server lower case.
 *   - x509.log has one row per certificate, once per (fingerprint,
 *     host_cert, client_cert) per day of capture time (Zeek's
 *     known_log_certs with relog_known_certificates_after = 1day).
 *   - notice.log has one row per finding, note "TLSScope::<rule id>".
 *
 * Where it goes: with --output-dir DIR, DIR/ssl.log, DIR/x509.log and
 * DIR/notice.log (created at start, each with its header; #close at the
 * end). Without: ssl.log on stdout; zeek-json writes every log's lines to
 * stdout, each with "_path"; TSV says once on stderr that the other logs
 * need --output-dir.
 *
 * Strings are escaped as Zeek's writers escape them (ODesc with UTF-8
 * enabled, threading/formatters/Ascii.cc and JSON.cc): see zk_escape_utf8.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#include "registry/registry.h"
#include "report/report.h"

#define W(expr) (void)(expr)
#define LOG_BLOCK ((size_t)64 << 10)
#define HISTORY_MAX 100       /* Zeek's SSL::max_ssl_history_length */
#define RELOG_AFTER_S 86400   /* X509::relog_known_certificates_after */
#define KNOWN_CERTS_MAX 1000000 /* X509::known_log_certs_maximum_size */
#define CLIENT_CERTS_MAX 16

/* ---------------------------------------------------------------- fields */

enum zt { ZT_TIME, ZT_STRING, ZT_ADDR, ZT_PORT, ZT_BOOL, ZT_COUNT, ZT_VSTRING, ZT_VADDR, ZT_ENUM,
          ZT_SETENUM, ZT_SETSTRING, ZT_INTERVAL, ZT_DOUBLE };
static const char *const zt_name[] = {"time",           "string",        "addr",        "port",   "bool",
                                      "count",          "vector[string]", "vector[addr]", "enum", "set[enum]",
                                      "set[string]",    "interval",      "double"};

struct zfield {
    const char *name;
    enum zt type;
};

static const struct zfield ssl_fields[] = {
    {"ts", ZT_TIME},         {"uid", ZT_STRING},         {"id.orig_h", ZT_ADDR},
    {"id.orig_p", ZT_PORT},  {"id.resp_h", ZT_ADDR},     {"id.resp_p", ZT_PORT},
    {"version", ZT_STRING},  {"cipher", ZT_STRING},      {"curve", ZT_STRING},
    {"server_name", ZT_STRING}, {"resumed", ZT_BOOL},    {"last_alert", ZT_STRING},
    {"next_protocol", ZT_STRING}, {"established", ZT_BOOL}, {"ssl_history", ZT_STRING},
    {"cert_chain_fps", ZT_VSTRING}, {"client_cert_chain_fps", ZT_VSTRING}, {"sni_matches_cert", ZT_BOOL},
    {"validation_status", ZT_STRING}, {"ja3", ZT_STRING}, {"ja3s", ZT_STRING},
    {"ja4", ZT_STRING},
};

static const struct zfield x509_fields[] = {
    {"ts", ZT_TIME},
    {"fingerprint", ZT_STRING},
    {"certificate.version", ZT_COUNT},
    {"certificate.serial", ZT_STRING},
    {"certificate.subject", ZT_STRING},
    {"certificate.issuer", ZT_STRING},
    {"certificate.not_valid_before", ZT_TIME},
    {"certificate.not_valid_after", ZT_TIME},
    {"certificate.key_alg", ZT_STRING},
    {"certificate.sig_alg", ZT_STRING},
    {"certificate.key_type", ZT_STRING},
    {"certificate.key_length", ZT_COUNT},
    {"certificate.exponent", ZT_STRING},
    {"certificate.curve", ZT_STRING},
    {"san.dns", ZT_VSTRING},
    {"san.uri", ZT_VSTRING},
    {"san.email", ZT_VSTRING},
    {"san.ip", ZT_VADDR},
    {"basic_constraints.ca", ZT_BOOL},
    {"basic_constraints.path_len", ZT_COUNT},
    {"host_cert", ZT_BOOL},
    {"client_cert", ZT_BOOL},
};

static const struct zfield notice_fields[] = {
    {"ts", ZT_TIME},           {"uid", ZT_STRING},        {"id.orig_h", ZT_ADDR},
    {"id.orig_p", ZT_PORT},    {"id.resp_h", ZT_ADDR},    {"id.resp_p", ZT_PORT},
    {"fuid", ZT_STRING},       {"file_mime_type", ZT_STRING}, {"file_desc", ZT_STRING},
    {"proto", ZT_ENUM},        {"note", ZT_ENUM},         {"msg", ZT_STRING},
    {"sub", ZT_STRING},        {"src", ZT_ADDR},          {"dst", ZT_ADDR},
    {"p", ZT_PORT},            {"n", ZT_COUNT},           {"peer_descr", ZT_STRING},
    {"actions", ZT_SETENUM},   {"email_dest", ZT_SETSTRING}, {"suppress_for", ZT_INTERVAL},
    {"remote_location.country_code", ZT_STRING}, {"remote_location.region", ZT_STRING},
    {"remote_location.city", ZT_STRING}, {"remote_location.latitude", ZT_DOUBLE},
    {"remote_location.longitude", ZT_DOUBLE},
};

#define NFIELDS(a) (sizeof a / sizeof a[0])

enum { LOG_SSL, LOG_X509, LOG_NOTICE, N_LOGS };
static const char *const log_path[N_LOGS] = {"ssl", "x509", "notice"};
static const struct zfield *const log_fields[N_LOGS] = {ssl_fields, x509_fields, notice_fields};
static const size_t log_nfields[N_LOGS] = {NFIELDS(ssl_fields), NFIELDS(x509_fields), NFIELDS(notice_fields)};

/* ------------------------------------------------------------ escaping */

/* Zeek's util.cc check_ok_utf8: one legal UTF-8 sequence (strict: no
 * overlong forms, surrogates or values past U+10FFFF) that is not a
 * control character, in the private use area or U+FFF0..U+FFFF. */
static int zk_ok_utf8(const uint8_t *p, size_t n)
{
    uint32_t cp;
    uint8_t b0 = p[0];
    if (n == 1) {
        cp = b0;
        if (b0 >= 0x80)
            return 0;
    } else {
        if (n > 4 || b0 < 0xc2 || b0 > 0xf4)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        if ((b0 == 0xe0 && p[1] < 0xa0) || (b0 == 0xed && p[1] > 0x9f) || (b0 == 0xf0 && p[1] < 0x90) ||
            (b0 == 0xf4 && p[1] > 0x8f))
            return 0;
        cp = b0 & (0xff >> (n + 1));
        for (size_t i = 1; i < n; i++)
            cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp <= 0x1f || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0xe000 && cp <= 0xf8ff) ||
        (cp >= 0xfff0 && cp <= 0xffff))
        return 0;
    return 1;
}

/* The length Zeek's getNumBytesForUTF8 gives a sequence starting with b. */
static size_t zk_utf8_len(uint8_t b)
{
    if (b < 0xc0)
        return 1;
    if (b < 0xe0)
        return 2;
    if (b < 0xf0)
        return 3;
    if (b < 0xf8)
        return 4;
    if (b < 0xfc)
        return 5;
    return 6;
}

static void zk_hexbyte(struct tsc_buf *b, uint8_t v)
{
    static const char h[] = "0123456789abcdef";
    char t[4] = {'\\', 'x', h[v >> 4], h[v & 15]};
    W(tsc_buf_append(b, t, 4));
}

#define ZK_ESC_PRINTABLE_CONTROLS 1   /* \b \f \n \r \t too */
#define ZK_ESC_UNPRINTABLE_CONTROLS 2 /* the other controls */

/*
 * Zeek's util::escape_utf8: printable ASCII as it is; a string whose
 * multi-byte sequences are all valid and allowed keeps them; otherwise
 * (invalid UTF-8 or an escaped control anywhere) every byte outside
 * printable ASCII becomes \xHH, the valid sequences before the bad byte
 * included. Called on runs between Zeek's escape points (TSV) or on a
 * whole value (JSON).
 */
void tsc_zeek_escape_utf8(struct tsc_buf *out, const uint8_t *p, size_t n, int flags);
void tsc_zeek_escape_utf8(struct tsc_buf *out, const uint8_t *p, size_t n, int flags)
{
    int bad = 0;
    size_t i = 0;
    /* first pass: is any byte bad (as Zeek's loop decides it)? */
    while (i < n) {
        uint8_t ch = p[i];
        int ctl_printable = ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t';
        if ((ch >= 32 && ch < 127) || (!(flags & ZK_ESC_PRINTABLE_CONTROLS) && ctl_printable) ||
            (!(flags & ZK_ESC_UNPRINTABLE_CONTROLS) && (ch < 32 || ch == 127) && !ctl_printable)) {
            i++;
            continue;
        }
        size_t len = zk_utf8_len(ch);
        if (i + len > n || !zk_ok_utf8(p + i, len)) {
            bad = 1;
            break;
        }
        i += len;
    }
    if (!bad) {
        W(tsc_buf_append(out, p, n));
        return;
    }
    for (i = 0; i < n; i++) {
        uint8_t ch = p[i];
        int ctl_printable = ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t';
        if ((ch >= 32 && ch < 127) || (!(flags & ZK_ESC_PRINTABLE_CONTROLS) && ctl_printable) ||
            (!(flags & ZK_ESC_UNPRINTABLE_CONTROLS) && (ch < 32 || ch == 127) && !ctl_printable))
            W(tsc_buf_putc(out, (char)ch));
        else
            zk_hexbyte(out, ch);
    }
}

/*
 * One TSV string value as Zeek's ASCII writer writes it: "(empty)" for "",
 * the first byte of a value equal to "-" or "(empty)" as \xHH; backslash as
 * "\\", the separator (tab) and, inside a set or vector, the set separator
 * (",") as \xHH; the runs between them through escape_utf8 with every
 * control escaped.
 */
void tsc_zeek_tsv_str(struct tsc_buf *out, const uint8_t *p, size_t n, int in_set);
void tsc_zeek_tsv_str(struct tsc_buf *out, const uint8_t *p, size_t n, int in_set)
{
    if (n == 0) {
        W(tsc_buf_puts(out, "(empty)"));
        return;
    }
    if ((n == 1 && p[0] == '-') || (n == 7 && memcmp(p, "(empty)", 7) == 0)) {
        zk_hexbyte(out, p[0]);
        p++;
        n--;
    }
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch != '\\' && ch != '\t' && !(in_set && ch == ','))
            continue;
        tsc_zeek_escape_utf8(out, p + run, i - run, ZK_ESC_PRINTABLE_CONTROLS | ZK_ESC_UNPRINTABLE_CONTROLS);
        if (ch == '\\')
            W(tsc_buf_puts(out, "\\\\"));
        else
            zk_hexbyte(out, ch);
        run = i + 1;
    }
    tsc_zeek_escape_utf8(out, p + run, n - run, ZK_ESC_PRINTABLE_CONTROLS | ZK_ESC_UNPRINTABLE_CONTROLS);
}

/* One JSON string as Zeek's JSON writer writes it: escape_utf8 (controls
 * other than \b \f \n \r \t escaped), then JSON-quoted as rapidjson does. */
void tsc_zeek_json_str(struct tsc_buf *out, const uint8_t *p, size_t n);
void tsc_zeek_json_str(struct tsc_buf *out, const uint8_t *p, size_t n)
{
    struct tsc_buf t;
    tsc_buf_init(&t, 0);
    tsc_zeek_escape_utf8(&t, p, n, ZK_ESC_UNPRINTABLE_CONTROLS);
    W(tsc_buf_putc(out, '"'));
    static const char H[] = "0123456789ABCDEF";
    for (size_t i = 0; i < t.len; i++) {
        uint8_t ch = (uint8_t)t.data[i];
        switch (ch) {
        case '"': W(tsc_buf_puts(out, "\\\"")); break;
        case '\\': W(tsc_buf_puts(out, "\\\\")); break;
        case '\b': W(tsc_buf_puts(out, "\\b")); break;
        case '\f': W(tsc_buf_puts(out, "\\f")); break;
        case '\n': W(tsc_buf_puts(out, "\\n")); break;
        case '\r': W(tsc_buf_puts(out, "\\r")); break;
        case '\t': W(tsc_buf_puts(out, "\\t")); break;
        default:
            if (ch < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', H[ch >> 4], H[ch & 15]};
                W(tsc_buf_append(out, u, 6));
            } else {
                W(tsc_buf_putc(out, (char)ch));
            }
        }
    }
    W(tsc_buf_putc(out, '"'));
    tsc_buf_free(&t);
}

/* ------------------------------------------------------------ row writer */

/* A row: its fields in table order; TSV ignores the names, JSON leaves
 * unset fields out (Zeek's default, json_include_unset_fields F). */
struct zrow {
    struct tsc_buf *b;
    int json;
    const struct zfield *f;
    size_t n, i;
    int any;    /* JSON: a member written */
    int in_vec; /* inside a vector: items written */
};

static void row_open(struct zrow *r, struct tsc_buf *b, int json, int log, int with_path)
{
    r->b = b;
    r->json = json;
    r->f = log_fields[log];
    r->n = log_nfields[log];
    r->i = 0;
    r->any = 0;
    r->in_vec = -1;
    if (json) {
        W(tsc_buf_putc(b, '{'));
        if (with_path) {
            W(tsc_buf_printf(b, "\"_path\":\"%s\"", log_path[log]));
            r->any = 1;
        }
    }
}

/* Start the next field's value: its separator (TSV) or key (JSON). */
static void field_key(struct zrow *r)
{
    if (r->json) {
        if (r->any)
            W(tsc_buf_putc(r->b, ','));
        W(tsc_buf_putc(r->b, '"'));
        W(tsc_buf_puts(r->b, r->f[r->i].name));
        W(tsc_buf_puts(r->b, "\":"));
        r->any = 1;
    } else if (r->i) {
        W(tsc_buf_putc(r->b, '\t'));
    }
}

static void f_unset(struct zrow *r)
{
    if (!r->json) {
        if (r->i)
            W(tsc_buf_putc(r->b, '\t'));
        W(tsc_buf_putc(r->b, '-'));
    }
    r->i++;
}

static void f_str(struct zrow *r, const void *p, size_t n)
{
    field_key(r);
    if (r->json)
        tsc_zeek_json_str(r->b, p, n);
    else
        tsc_zeek_tsv_str(r->b, p, n, 0);
    r->i++;
}

static void f_cstr(struct zrow *r, const char *s)
{
    if (s)
        f_str(r, s, strlen(s));
    else
        f_unset(r);
}

static void f_bool(struct zrow *r, int v)
{
    field_key(r);
    W(tsc_buf_puts(r->b, r->json ? (v ? "true" : "false") : (v ? "T" : "F")));
    r->i++;
}

static void f_count(struct zrow *r, uint64_t v)
{
    field_key(r);
    W(tsc_buf_put_u64(r->b, v));
    r->i++;
}

/* Zeek's TSV renders a time with six decimals; its JSON writes the double
 * as rapidjson does: the shortest form that reads back as the same value. */
static void put_double(struct zrow *r, double v)
{
    char t[40];
    if (!r->json) {
        snprintf(t, sizeof t, "%.6f", v);
        W(tsc_buf_puts(r->b, t));
        return;
    }
    /* the fewest significant digits that read back, written in decimal
     * notation ("3600.0", "1767225600.001") as rapidjson's Prettify does
     * for the magnitudes of times and intervals */
    int decimals = 6;
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(t, sizeof t, "%.*e", prec, v);
        if (strtod(t, NULL) == v) {
            const char *e = strchr(t, 'e');
            int exp = e ? (int)strtol(e + 1, NULL, 10) : 0;
            decimals = prec - exp > 0 ? prec - exp : 0;
            break;
        }
    }
    if (decimals > 17)
        decimals = 17;
    snprintf(t, sizeof t, "%.*f", decimals, v);
    W(tsc_buf_puts(r->b, t));
    if (decimals == 0)
        W(tsc_buf_puts(r->b, ".0"));
}

static void f_time_us(struct zrow *r, int64_t us)
{
    field_key(r);
    /* integer arithmetic first: a double of the microseconds would round */
    if (!r->json) {
        int64_t s = us / 1000000, f = us % 1000000;
        if (f < 0) {
            f += 1000000;
            s--;
        }
        W(tsc_buf_printf(r->b, "%" PRId64 ".%06" PRId64, s, f));
    } else {
        put_double(r, (double)us / 1e6);
    }
    r->i++;
}

static void f_double(struct zrow *r, double v)
{
    field_key(r);
    put_double(r, v);
    r->i++;
}

static void f_addr(struct zrow *r, const struct tsc_endpoint *e)
{
    char ip[64];
    tsc_endpoint_ip(e, ip, sizeof ip);
    field_key(r);
    if (r->json)
        W(tsc_buf_printf(r->b, "\"%s\"", ip));
    else
        W(tsc_buf_puts(r->b, ip));
    r->i++;
}

static void f_port(struct zrow *r, uint16_t port) { f_count(r, port); }

static void vec_open(struct zrow *r)
{
    field_key(r);
    if (r->json)
        W(tsc_buf_putc(r->b, '['));
    r->in_vec = 0;
}

static void vec_item(struct zrow *r, const void *p, size_t n)
{
    if (r->in_vec++)
        W(tsc_buf_putc(r->b, ','));
    if (r->json)
        tsc_zeek_json_str(r->b, p, n);
    else
        tsc_zeek_tsv_str(r->b, p, n, 1);
}

static void vec_close(struct zrow *r)
{
    if (r->json)
        W(tsc_buf_putc(r->b, ']'));
    else if (r->in_vec == 0)
        W(tsc_buf_puts(r->b, "(empty)"));
    r->in_vec = -1;
    r->i++;
}

static void row_close(struct zrow *r)
{
    W(tsc_buf_puts(r->b, r->json ? "}\n" : "\n"));
}

/* ------------------------------------------------------------ the sink */

struct known_cert {
    char fp[65];
    uint8_t host, client, used;
    int64_t logged_s;
};

struct zlog {
    FILE *f;         /* NULL: this log goes to s->out (or nowhere) */
    char path[4096];
    struct tsc_buf b;
    int failed;
};

struct zeek {
    struct tsc_sink_impl *s;
    int json;
    int to_dir;
    struct zlog log[N_LOGS];
    struct known_cert *known; /* open addressing, n_known of cap used */
    size_t n_known, cap_known;
};

/* What a connection's events said, kept until it is emitted. */
struct zcert_row {
    int64_t ts_us;
    int client, host;
    char fp[65];
    struct tsc_buf row; /* the row from "fingerprint" on (ts and dedup at emit) */
};

struct zconn {
    int64_t first_us;
    int have_first;
    char history[HISTORY_MAX + 1];
    size_t hist_len;
    int established;
    uint8_t ccs[2]; /* per side: encrypted from now on (Zeek's STATE_ENCRYPTED) */
    int last_alert; /* -1: none */
    int have_curve;
    uint16_t curve;
    int saw_certs;  /* a certificate of either side (Zeek sets both chains then) */
    unsigned n_client_fps;
    char client_fps[CLIENT_CERTS_MAX][65];
    unsigned n_rows;
    struct zcert_row *rows;
};

static struct zconn *zc_of(void **data)
{
    if (!*data) {
        struct zconn *z = calloc(1, sizeof *z);
        if (!z)
            return NULL;
        z->last_alert = -1;
        *data = z;
    }
    return *data;
}

static void zc_free(void **data)
{
    struct zconn *z = *data;
    if (!z)
        return;
    for (unsigned i = 0; i < z->n_rows; i++)
        tsc_buf_free(&z->rows[i].row);
    free(z->rows);
    free(z);
    *data = NULL;
}

static void hist_add(struct zconn *z, int dir, char letter)
{
    if (z->established || z->hist_len >= HISTORY_MAX)
        return;
    z->history[z->hist_len++] = dir == TSC_C2S ? (char)(letter - 'a' + 'A') : letter;
    z->history[z->hist_len] = '\0';
}

/* Zeek's letter for a handshake message type (main.zeek's
 * ssl_handshake_message), lower case. */
static char hs_letter(unsigned type)
{
    switch (type) {
    case TSC_HS_HELLO_REQUEST: return 'h';
    case TSC_HS_CLIENT_HELLO: return 'c';
    case TSC_HS_SERVER_HELLO: return 's';
    case TSC_HS_HELLO_VERIFY_REQUEST: return 'v';
    case TSC_HS_NEW_SESSION_TICKET: return 't';
    case TSC_HS_END_OF_EARLY_DATA: return 'e';
    case TSC_HS_HELLO_RETRY_REQUEST: return 'j';
    case TSC_HS_ENCRYPTED_EXTENSIONS: return 'o';
    case TSC_HS_CERTIFICATE: return 'x';
    case TSC_HS_SERVER_KEY_EXCHANGE: return 'k';
    case TSC_HS_CERTIFICATE_REQUEST: return 'r';
    case TSC_HS_SERVER_HELLO_DONE: return 'n';
    case TSC_HS_CERTIFICATE_VERIFY: return 'y';
    case TSC_HS_CLIENT_KEY_EXCHANGE: return 'g';
    case TSC_HS_FINISHED: return 'f';
    case TSC_HS_CERTIFICATE_URL: return 'w';
    case TSC_HS_CERTIFICATE_STATUS: return 'u';
    case TSC_HS_SUPPLEMENTAL_DATA: return 'a';
    case TSC_HS_KEY_UPDATE: return 'p';
    case TSC_HS_MESSAGE_HASH: return 'm';
    default: return 'z';
    }
}

/* Zeek prints names as X509_NAME_print_ex(XN_FLAG_RFC2253) does: most
 * specific first, each value escaped as RFC 2253 says (",+\"\\<>;", a
 * leading "#" or space, a trailing space), control characters and every
 * byte of a non-ASCII character as \XX. Rebuilt from the attributes in DER
 * order (the summary's joined form leaves values unescaped); the joined
 * form when the attributes were cut short. */
static void rfc2253_value(struct tsc_buf *b, const char *v)
{
    static const char H[] = "0123456789ABCDEF";
    size_t n = strlen(v);
    int dump = n > 1 && v[0] == '#' && strspn(v + 1, "0123456789abcdefABCDEF") == n - 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = (uint8_t)v[i];
        if (ch < 0x20 || ch >= 0x7f) {
            char t[3] = {'\\', H[ch >> 4], H[ch & 15]};
            W(tsc_buf_append(b, t, 3));
            continue;
        }
        if (strchr(",+\"\\<>;", ch) || (i == 0 && ch == '#' && !dump) || (i == 0 && ch == ' ') ||
            (i == n - 1 && ch == ' '))
            W(tsc_buf_putc(b, '\\'));
        W(tsc_buf_putc(b, (char)ch));
    }
}

static void x509_name(struct tsc_buf *b, const struct tsc_x509_summary *s, int issuer)
{
    unsigned n = issuer ? s->issuer_rdns_n : s->subject_rdns_n;
    if (n == 0 || s->rdns_truncated) {
        W(tsc_buf_puts(b, issuer ? s->issuer : s->subject));
        return;
    }
    for (unsigned k = n; k-- > 0;) {
        const char *e = tsc_x509_rdn_at(s, issuer, k);
        if (!e)
            continue;
        if (*e == '+')
            e++;
        if (k + 1 < n) {
            const char *prev = tsc_x509_rdn_at(s, issuer, k + 1);
            W(tsc_buf_putc(b, prev && *prev == '+' ? '+' : ','));
        }
        const char *eq = strchr(e, '=');
        if (!eq) {
            rfc2253_value(b, e);
            continue;
        }
        W(tsc_buf_append(b, e, (size_t)(eq - e + 1)));
        rfc2253_value(b, eq + 1);
    }
}

/* EVP_PKEY's type as Zeek names it: rsa, dsa, ecdsa, else OpenSSL's name. */
static const char *key_type(const struct tsc_x509_summary *s)
{
    const char *a = s->pubkey_algorithm;
    if (!a[0])
        return NULL;
    if (strcmp(a, "RSA") == 0)
        return "rsa";
    if (strcmp(a, "DSA") == 0)
        return "dsa";
    if (strcmp(a, "EC") == 0)
        return "ecdsa";
    if (strcmp(a, "Ed25519") == 0)
        return "ED25519";
    if (strcmp(a, "Ed448") == 0)
        return "ED448";
    return a;
}

static void upper_copy(char *out, size_t n, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    out[i] = '\0';
}

static void san_vec(struct zrow *r, const struct tsc_x509_summary *s, const char *prefix)
{
    size_t pl = strlen(prefix);
    unsigned have = 0;
    const char *e;
    for (unsigned i = 0; (e = tsc_x509_san_at(s, i)) != NULL; i++)
        if (strncmp(e, prefix, pl) == 0)
            have++;
    if (!have) {
        f_unset(r);
        return;
    }
    vec_open(r);
    for (unsigned i = 0; (e = tsc_x509_san_at(s, i)) != NULL; i++)
        if (strncmp(e, prefix, pl) == 0)
            vec_item(r, e + pl, strlen(e + pl));
    vec_close(r);
}

/* An x509.log row from "fingerprint" on. */
static void x509_row_tail(struct zrow *r, const struct tsc_x509_summary *s, int host, int client)
{
    char serial[sizeof s->serial];
    struct tsc_buf nb;
    f_cstr(r, s->sha256);
    f_count(r, (uint64_t)s->version);
    upper_copy(serial, sizeof serial, s->serial);
    f_cstr(r, serial);
    tsc_buf_init(&nb, 0);
    x509_name(&nb, s, 0);
    f_str(r, nb.data, nb.len);
    tsc_buf_reset(&nb);
    x509_name(&nb, s, 1);
    f_str(r, nb.data, nb.len);
    tsc_buf_free(&nb);
    f_time_us(r, s->not_before_epoch * 1000000);
    f_time_us(r, s->not_after_epoch * 1000000);
    f_cstr(r, s->pubkey_oid_name[0] ? s->pubkey_oid_name : NULL);
    f_cstr(r, s->signature_algorithm[0] ? s->signature_algorithm : NULL);
    f_cstr(r, key_type(s));
    if (s->pubkey_bits > 0)
        f_count(r, (uint64_t)s->pubkey_bits);
    else
        f_unset(r);
    f_cstr(r, s->pubkey_exponent[0] ? s->pubkey_exponent : NULL);
    f_cstr(r, s->pubkey_curve[0] ? s->pubkey_curve : NULL);
    san_vec(r, s, "DNS:");
    san_vec(r, s, "URI:");
    san_vec(r, s, "email:");
    /* san.ip: vector[addr] */
    {
        unsigned have = 0;
        const char *e;
        for (unsigned i = 0; (e = tsc_x509_san_at(s, i)) != NULL; i++)
            if (strncmp(e, "IP:", 3) == 0)
                have++;
        if (!have) {
            f_unset(r);
        } else {
            vec_open(r);
            for (unsigned i = 0; (e = tsc_x509_san_at(s, i)) != NULL; i++)
                if (strncmp(e, "IP:", 3) == 0)
                    vec_item(r, e + 3, strlen(e + 3));
            vec_close(r);
        }
    }
    if (s->has_basic_constraints) {
        f_bool(r, s->is_ca);
        if (s->path_len >= 0)
            f_count(r, (uint64_t)s->path_len);
        else
            f_unset(r);
    } else {
        f_unset(r);
        f_unset(r);
    }
    f_bool(r, host);
    f_bool(r, client);
}

/* Keep a certificate's x509.log row until the connection is emitted (the
 * dedup set is the emitting thread's; events may run on several). */
static void keep_cert(struct zeek *zk, struct zconn *z, const struct tsc_x509_summary *s, int64_t ts_us, int host,
                      int client)
{
    if (!s->sha256[0])
        return; /* not parsed: Zeek's file has no x509 record, so no row */
    struct zcert_row *nr = realloc(z->rows, (z->n_rows + 1) * sizeof *nr);
    if (!nr)
        return;
    z->rows = nr;
    struct zcert_row *row = &z->rows[z->n_rows++];
    memset(row, 0, sizeof *row);
    row->ts_us = ts_us;
    row->host = host;
    row->client = client;
    snprintf(row->fp, sizeof row->fp, "%s", s->sha256);
    tsc_buf_init(&row->row, 0);
    /* the row after its "ts": it starts with a separator */
    struct zrow r = {&row->row, zk->json, x509_fields, NFIELDS(x509_fields), 1, 1, -1};
    x509_row_tail(&r, s, host, client);
}

/* Zeek's test for "TLS 1.3 or the like": a negotiated version that is not
 * SSL 2, SSL 3, TLS 1.0 to 1.2 (nor DTLS 1.0 or 1.2, which have CCS). */
static int past_tls12(uint16_t v)
{
    return v && v != 0x0002 && v != 0x0300 && v != 0x0301 && v != 0x0302 && v != 0x0303 && v != 0xfeff &&
           v != 0xfefd;
}

static void zeek_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    struct zeek *zk = ctx;
    (void)f;
    struct zconn *z = zc_of(data);
    if (!z || ev->type == TSC_EV_ERROR)
        return;
    if (!z->have_first) {
        z->first_us = ev->ts_us;
        z->have_first = 1;
    }
    int quic = ev->conn && ev->conn->transport == TSC_TRANSPORT_QUIC;
    /* Zeek reads records in the clear only. A side is encrypted after its
     * ChangeCipherSpec or, once a version past TLS 1.2 (and DTLS 1.2) was
     * negotiated, its first application_data record; a record it cannot
     * read when both sides are encrypted establishes the connection
     * (ssl-dtls-analyzer.pac, determine_state). QUIC has no records. */
    int opaque = ev->decrypted || ev->type == TSC_EV_ENCRYPTED_HS || ev->type == TSC_EV_APP_DATA ||
                 ((ev->type == TSC_EV_ALERT || ev->type == TSC_EV_HEARTBEAT) && ev->encrypted);
    if (opaque && !quic) {
        if (ev->conn && past_tls12(ev->conn->version))
            z->ccs[ev->dir & 1] = 1;
        if (z->ccs[0] && z->ccs[1])
            z->established = 1;
    }
    if (ev->type == TSC_EV_HANDSHAKE) {
        const struct tsc_hs_msg *m = ev->msg;
        int ok = tsc_is_ok(ev->status) || ev->partial;
        unsigned type = ok && m ? m->type : ev->wire_type;
        if (!ev->decrypted && (!quic || type == TSC_HS_CLIENT_HELLO || type == TSC_HS_SERVER_HELLO ||
                               type == TSC_HS_HELLO_RETRY_REQUEST))
            hist_add(z, ev->dir, hs_letter(type));
        if (ok && m && (m->type == TSC_HS_SERVER_HELLO || m->type == TSC_HS_HELLO_RETRY_REQUEST)) {
            const struct tsc_ext_list *l = &m->u.sh.ext;
            for (uint16_t i = 0; i < l->stored; i++) {
                if (l->ext[i].type != TSC_EXT_KEY_SHARE)
                    continue;
                /* a HelloRetryRequest's selected group, or the ServerHello's
                 * one share (Zeek's ssl_extension_key_share: one group) */
                if (l->ext[i].form == TSC_EXTF_U16) {
                    z->have_curve = 1;
                    z->curve = (uint16_t)l->ext[i].u.num;
                } else if (l->ext[i].form == TSC_EXTF_KEY_SHARE && l->ext[i].u.key_share.n == 1) {
                    z->have_curve = 1;
                    z->curve = l->ext[i].u.key_share.s[0].group;
                }
            }
        }
        if (ok && m && m->type == TSC_HS_CERTIFICATE && ev->n_certs) {
            z->saw_certs = 1;
            for (uint16_t i = 0; i < ev->n_certs; i++) {
                if (!tsc_is_ok(ev->cert_status[i]))
                    continue;
                const struct tsc_x509_summary *s = ev->certs[i];
                keep_cert(zk, z, s, ev->ts_us, i == 0, ev->dir == TSC_C2S);
                if (ev->dir == TSC_C2S && z->n_client_fps < CLIENT_CERTS_MAX)
                    snprintf(z->client_fps[z->n_client_fps++], 65, "%s", s->sha256);
            }
        }
    } else if (ev->type == TSC_EV_CCS) {
        hist_add(z, ev->dir, 'i');
        z->ccs[ev->dir & 1] = 1;
    } else if (ev->type == TSC_EV_ALERT && !ev->encrypted && !ev->decrypted && tsc_is_ok(ev->status)) {
        hist_add(z, ev->dir, 'l');
        if (!z->established)
            z->last_alert = ev->alert.description;
    } else if (ev->type == TSC_EV_HEARTBEAT && !ev->encrypted && !ev->decrypted) {
        hist_add(z, ev->dir, 'b');
    }
}

/* A Zeek-style uid: "C" and base62 digits of a plain hash of the
 * connection's identity (transport, endpoints, first packet), so the same
 * connection has the same uid in every log and every run. */
static void conn_uid(const struct tsc_conn *c, char out[24])
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint8_t key[64];
    size_t n = 0;
    key[n++] = c->transport;
    for (int side = 0; side < 2; side++) {
        const struct tsc_endpoint *e = side ? &c->server : &c->client;
        key[n++] = e->family;
        memcpy(key + n, e->addr, 16);
        n += 16;
        key[n++] = (uint8_t)(e->port >> 8);
        key[n++] = (uint8_t)e->port;
    }
    for (int i = 0; i < 8; i++)
        key[n++] = (uint8_t)((uint64_t)c->start_us >> (8 * i));
    uint64_t h[2];
    for (int k = 0; k < 2; k++) {
        uint64_t v = k ? 0x84222325cbf29ce4ull : 0xcbf29ce484222325ull; /* FNV-1a, two offsets */
        for (size_t i = 0; i < n; i++) {
            v ^= key[i];
            v *= 0x100000001b3ull;
        }
        v ^= v >> 29;
        h[k] = v;
    }
    size_t o = 0;
    out[o++] = 'C';
    for (int k = 0; k < 2; k++) {
        uint64_t v = h[k];
        for (int d = 0; d < (k ? 6 : 11); d++) {
            out[o++] = b62[v % 62];
            v /= 62;
        }
    }
    out[o] = '\0';
}

/* Zeek's check_hostname (x509 functions.bif): exact, or a wildcard in the
 * left-most label of a name with three labels or more, matched against
 * the host's first label by what precedes the "*". Case-sensitive. */
static int zk_hostname_matches(const uint8_t *host, size_t hn, const char *cert)
{
    size_t cn = strlen(cert);
    if (hn == cn && memcmp(host, cert, hn) == 0)
        return 1;
    const char *wild = memchr(cert, '*', cn);
    const char *first = memchr(cert, '.', cn);
    if (!wild || !first || !memchr(first + 1, '.', cn - (size_t)(first - cert) - 1))
        return 0;
    if (wild + 1 != first)
        return 0;
    const uint8_t *hfirst = memchr(host, '.', hn);
    if (!hfirst)
        return 0;
    size_t hrest = hn - (size_t)(hfirst - host), crest = cn - (size_t)(first - cert);
    if (hrest != crest || memcmp(hfirst, first, crest) != 0)
        return 0;
    size_t pre = (size_t)(wild - cert);
    if (pre && (pre > (size_t)(hfirst - host) || memcmp(host, cert, pre) != 0))
        return 0;
    return 1;
}

/* sni_matches_cert: the SAN's DNS names when the certificate has a SAN,
 * else its last CN (x509_check_cert_hostname). */
static int sni_matches(const struct tsc_conn *c, const struct tsc_x509_summary *leaf)
{
    const char *e;
    if (leaf->san_count) {
        for (unsigned i = 0; (e = tsc_x509_san_at(leaf, i)) != NULL; i++)
            if (strncmp(e, "DNS:", 4) == 0 && zk_hostname_matches(c->sni, c->sni_len, e + 4))
                return 1;
        return 0;
    }
    return leaf->subject_cn[0] && zk_hostname_matches(c->sni, c->sni_len, leaf->subject_cn);
}

static void version_string(uint16_t v, char *out, size_t n)
{
    switch (v) {
    case 0x0002: snprintf(out, n, "SSLv2"); return;
    case 0x0300: snprintf(out, n, "SSLv3"); return;
    case 0x0301: snprintf(out, n, "TLSv10"); return;
    case 0x0302: snprintf(out, n, "TLSv11"); return;
    case 0x0303: snprintf(out, n, "TLSv12"); return;
    case 0x0304: snprintf(out, n, "TLSv13"); return;
    case 0xfeff: snprintf(out, n, "DTLSv10"); return;
    case 0xfefd: snprintf(out, n, "DTLSv12"); return;
    case 0xfefc: snprintf(out, n, "DTLSv13"); return;
    default: break;
    }
    /* Zeek's own arithmetic (base/protocols/ssl/consts.zeek), quirk and
     * all: it also calls 0x7e81..0x7eff drafts, and so must we to write
     * what Zeek writes */
    if (v / 0xff == 0x7f)
        snprintf(out, n, "TLSv13-draft%u", (unsigned)(v % 0x7f));
    else
        snprintf(out, n, "unknown-%u", (unsigned)v);
}

static struct tsc_buf *log_buf(struct zeek *zk, int log)
{
    return zk->log[log].f ? &zk->log[log].b : &zk->s->ob;
}

static void log_flush(struct zeek *zk, int log, int force)
{
    struct zlog *l = &zk->log[log];
    if (!l->f) {
        tsc_report_out_flush(zk->s, force);
        return;
    }
    if (l->b.len == 0 || (!force && l->b.len < LOG_BLOCK))
        return;
    if (!l->failed && fwrite(l->b.data, 1, l->b.len, l->f) != l->b.len) {
        l->failed = 1;
        zk->s->write_error = 1;
        if (!zk->s->error[0])
            snprintf(zk->s->error, sizeof zk->s->error, "%s: %s", l->path, strerror(errno));
    }
    tsc_buf_reset(&l->b);
}

/* Where a log's rows go; 0 when nowhere (TSV without --output-dir: only
 * ssl.log has stdout), said once on stderr. */
static int log_open_row(struct zeek *zk, int log)
{
    static atomic_int warned;
    if (zk->to_dir || zk->json || log == LOG_SSL)
        return 1;
    if (atomic_exchange(&warned, 1) == 0)
        fprintf(stderr, "tlsscope: --format zeek writes only ssl.log to stdout; x509.log and notice.log need "
                        "--output-dir DIR\n");
    return 0;
}

static size_t known_hash(const char *fp, int host, int client, size_t cap)
{
    size_t j = 0;
    for (const char *p = fp; *p; p++)
        j = j * 131 + (unsigned char)*p;
    return (j + (size_t)host * 7 + (size_t)client * 13) & (cap - 1);
}

/* Has this (fingerprint, host, client) been logged in the last day of
 * capture time? Records it when not. Past KNOWN_CERTS_MAX entries nothing
 * more is recorded and every new certificate is logged, as in Zeek. */
static int cert_known(struct zeek *zk, const struct zcert_row *row)
{
    int64_t now_s = row->ts_us / 1000000;
    if (zk->n_known * 2 >= zk->cap_known && zk->n_known < KNOWN_CERTS_MAX) {
        size_t ncap = zk->cap_known ? zk->cap_known * 2 : 256;
        struct known_cert *nk = calloc(ncap, sizeof *nk);
        if (nk) {
            for (size_t i = 0; i < zk->cap_known; i++) {
                const struct known_cert *k = &zk->known[i];
                if (!k->used)
                    continue;
                size_t j = known_hash(k->fp, k->host, k->client, ncap);
                while (nk[j].used)
                    j = (j + 1) & (ncap - 1);
                nk[j] = *k;
            }
            free(zk->known);
            zk->known = nk;
            zk->cap_known = ncap;
        }
    }
    if (!zk->cap_known)
        return 0;
    size_t j = known_hash(row->fp, row->host, row->client, zk->cap_known);
    for (size_t probes = 0; probes < zk->cap_known; probes++, j = (j + 1) & (zk->cap_known - 1)) {
        struct known_cert *k = &zk->known[j];
        if (!k->used) {
            if (zk->n_known * 2 >= zk->cap_known)
                return 0; /* full: logged, not recorded */
            snprintf(k->fp, sizeof k->fp, "%s", row->fp);
            k->host = (uint8_t)row->host;
            k->client = (uint8_t)row->client;
            k->used = 1;
            k->logged_s = now_s;
            zk->n_known++;
            return 0;
        }
        if (k->host == row->host && k->client == row->client && strcmp(k->fp, row->fp) == 0) {
            if (now_s - k->logged_s >= RELOG_AFTER_S) {
                k->logged_s = now_s; /* expired: logged again, known again from now */
                return 0;
            }
            return 1;
        }
    }
    return 0;
}

static void zeek_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                      uint64_t ordinal)
{
    struct zeek *zk = ctx;
    struct tsc_sink_impl *s = zk->s;
    (void)ordinal;
    struct zconn *z = zc_of(data);
    struct zconn empty = {.last_alert = -1};
    if (!z)
        z = &empty;
    char uid[24], tmp[64];
    conn_uid(c, uid);
    int64_t ts = z->have_first ? z->first_us : c->start_us;
    int established = z->established;
    if (!established && c->transport != TSC_TRANSPORT_QUIC) {
        /* application data records (no events without keys) */
        int enc0 = z->ccs[0] || (past_tls12(c->version) && c->app_records[0]);
        int enc1 = z->ccs[1] || (past_tls12(c->version) && c->app_records[1]);
        if (enc0 && enc1 && (c->app_records[0] || c->app_records[1]))
            established = 1;
    }
    int path = !zk->to_dir;

    /* ---- x509.log: the certificates in the order they came ---- */
    for (unsigned i = 0; i < z->n_rows; i++) {
        struct zcert_row *row = &z->rows[i];
        if (cert_known(zk, row) || !log_open_row(zk, LOG_X509))
            continue;
        struct tsc_buf *b = log_buf(zk, LOG_X509);
        struct zrow r;
        row_open(&r, b, zk->json, LOG_X509, zk->json && path);
        f_time_us(&r, row->ts_us);
        W(tsc_buf_append(b, row->row.data, row->row.len));
        row_close(&r);
        log_flush(zk, LOG_X509, 0);
    }

    /* ---- ssl.log: a connection Zeek's SSL analyzer would have taken up
     * (it starts on a hello; records alone, as in a capture that begins
     * mid-connection, make no row) ---- */
    if (c->saw_client_hello || c->saw_server_hello || c->sslv2) {
        struct tsc_buf *b = log_buf(zk, LOG_SSL);
        struct zrow r;
        row_open(&r, b, zk->json, LOG_SSL, zk->json && path);
        f_time_us(&r, ts);
        f_cstr(&r, uid);
        f_addr(&r, &c->client);
        f_port(&r, c->client.port);
        f_addr(&r, &c->server);
        f_port(&r, c->server.port);
        if (c->version) {
            version_string(c->version, tmp, sizeof tmp);
            f_cstr(&r, tmp);
        } else {
            f_unset(&r);
        }
        if (c->have_suite) {
            const char *name = tsc_reg_name(TSC_REG_CIPHER_SUITE, c->suite);
            if (!name) {
                snprintf(tmp, sizeof tmp, "unknown-%u", (unsigned)c->suite);
                name = tmp;
            }
            f_cstr(&r, name);
        } else {
            f_unset(&r);
        }
        {
            /* the ServerKeyExchange's group (TLS 1.2), or the server's key
             * share (TLS 1.3) */
            uint16_t g = c->have_ske_group ? c->ske_group : z->curve;
            if (c->have_ske_group || z->have_curve) {
                const char *name = tsc_reg_name(TSC_REG_GROUP, g);
                if (!name) {
                    snprintf(tmp, sizeof tmp, "unknown-%u", (unsigned)g);
                    name = tmp;
                }
                f_cstr(&r, name);
            } else {
                f_unset(&r);
            }
        }
        if (c->has_sni)
            f_str(&r, c->sni, c->sni_len);
        else
            f_unset(&r);
        f_bool(&r, c->resumed);
        if (z->last_alert >= 0) {
            const char *name = tsc_alert_desc_snake((uint8_t)z->last_alert);
            if (!name) {
                snprintf(tmp, sizeof tmp, "unknown-%d", z->last_alert);
                name = tmp;
            }
            f_cstr(&r, name);
        } else {
            f_unset(&r);
        }
        if (c->has_alpn_selected)
            f_str(&r, c->alpn_selected, c->alpn_selected_len);
        else
            f_unset(&r);
        f_bool(&r, established);
        f_str(&r, z->history, z->hist_len);
        int chains = z->saw_certs || c->n_certs_total > 0;
        if (chains) {
            vec_open(&r);
            for (uint16_t i = 0; i < c->n_certs; i++)
                if (tsc_is_ok(c->cert_status[i]) && c->certs[i]->sha256[0])
                    vec_item(&r, c->certs[i]->sha256, strlen(c->certs[i]->sha256));
            vec_close(&r);
            vec_open(&r);
            for (unsigned i = 0; i < z->n_client_fps; i++)
                vec_item(&r, z->client_fps[i], strlen(z->client_fps[i]));
            vec_close(&r);
        } else {
            f_unset(&r);
            f_unset(&r);
        }
        if (c->has_sni && c->n_certs && tsc_is_ok(c->cert_status[0]) && c->certs[0]->sha256[0])
            f_bool(&r, sni_matches(c, c->certs[0]));
        else
            f_unset(&r);
        const struct tsc_peer_verdict *pv = tsc_sink_peer_verdict(s, &c->client);
        if (pv)
            f_cstr(&r, pv->verified ? "ok" : pv->reason);
        else
            f_unset(&r);
        f_cstr(&r, rep->ja3[0] ? rep->ja3 : NULL);
        f_cstr(&r, rep->ja3s[0] ? rep->ja3s : NULL);
        f_cstr(&r, rep->ja4[0] ? rep->ja4 : NULL);
        row_close(&r);
        log_flush(zk, LOG_SSL, 0);
    }

    /* ---- notice.log: the findings ---- */
    for (size_t i = 0; i < rep->n_findings; i++) {
        if (!log_open_row(zk, LOG_NOTICE))
            break;
        const struct tsc_finding *fd = &rep->findings[i];
        struct tsc_buf *b = log_buf(zk, LOG_NOTICE);
        struct zrow r;
        row_open(&r, b, zk->json, LOG_NOTICE, zk->json && path);
        f_time_us(&r, c->last_us);
        f_cstr(&r, uid);
        f_addr(&r, &c->client);
        f_port(&r, c->client.port);
        f_addr(&r, &c->server);
        f_port(&r, c->server.port);
        f_unset(&r); /* fuid */
        f_unset(&r); /* file_mime_type */
        f_unset(&r); /* file_desc */
        f_cstr(&r, c->transport == TSC_TRANSPORT_TCP ? "tcp" : "udp");
        snprintf(tmp, sizeof tmp, "TLSScope::%s", fd->rule->id);
        f_cstr(&r, tmp);
        f_cstr(&r, fd->rule->title);
        f_cstr(&r, fd->detail[0] ? fd->detail : NULL);
        f_addr(&r, &c->client);
        f_addr(&r, &c->server);
        f_port(&r, c->server.port);
        f_unset(&r); /* n */
        f_unset(&r); /* peer_descr */
        vec_open(&r);
        vec_item(&r, "Notice::ACTION_LOG", 18);
        vec_close(&r);
        vec_open(&r); /* email_dest: empty */
        vec_close(&r);
        f_double(&r, 3600.0);
        for (int k = 0; k < 5; k++)
            f_unset(&r); /* remote_location: no GeoIP here */
        row_close(&r);
        log_flush(zk, LOG_NOTICE, 0);
    }
    zc_free(data);
}

static void zeek_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    zc_free(data);
}

/* "2026-12-05-16-40-00", local time, as Zeek's #open and #close. */
static void zeek_stamp(char *out, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d-%H-%M-%S", &tm) == 0)
        snprintf(out, n, "-");
}

static void tsv_header(struct tsc_buf *b, int log)
{
    char stamp[32];
    zeek_stamp(stamp, sizeof stamp);
    W(tsc_buf_printf(b, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                        "#path\t%s\n#open\t%s\n#fields",
                     log_path[log], stamp));
    for (size_t i = 0; i < log_nfields[log]; i++)
        W(tsc_buf_printf(b, "\t%s", log_fields[log][i].name));
    W(tsc_buf_puts(b, "\n#types"));
    for (size_t i = 0; i < log_nfields[log]; i++)
        W(tsc_buf_printf(b, "\t%s", zt_name[log_fields[log][i].type]));
    W(tsc_buf_putc(b, '\n'));
}

static int zeek_flush(struct tsc_sink_impl *s)
{
    struct zeek *zk = s->render.ctx;
    int rc = 0;
    if (!zk) /* closed */
        return 0;
    for (int i = 0; i < N_LOGS; i++) {
        if (!zk->log[i].f)
            continue;
        log_flush(zk, i, 1);
        if (!zk->log[i].failed && fflush(zk->log[i].f) != 0) {
            zk->log[i].failed = 1;
            if (!s->error[0])
                snprintf(s->error, sizeof s->error, "%s: %s", zk->log[i].path, strerror(errno));
        }
        if (zk->log[i].failed)
            rc = -1;
    }
    return rc;
}

static int zeek_close(struct tsc_sink_impl *s)
{
    struct zeek *zk = s->render.ctx;
    if (!zk)
        return 0;
    int rc = 0;
    char stamp[32];
    zeek_stamp(stamp, sizeof stamp);
    if (!zk->json && s->error[0] == '\0') {
        for (int i = 0; i < N_LOGS; i++) {
            if (zk->log[i].f)
                W(tsc_buf_printf(&zk->log[i].b, "#close\t%s\n", stamp));
            else if (i == LOG_SSL)
                W(tsc_buf_printf(&s->ob, "#close\t%s\n", stamp));
        }
    }
    if (!zk->log[LOG_SSL].f) {
        tsc_report_out_flush(s, 1);
        if (s->out && fflush(s->out) != 0) {
            if (!s->error[0])
                snprintf(s->error, sizeof s->error, "writing the output failed: %s", strerror(errno));
            s->write_error = 1;
        }
        if (s->write_error)
            rc = -1;
    }
    if (zeek_flush(s) != 0)
        rc = -1;
    for (int i = 0; i < N_LOGS; i++) {
        if (zk->log[i].f && fclose(zk->log[i].f) != 0 && !zk->log[i].failed) {
            rc = -1;
            if (!s->error[0])
                snprintf(s->error, sizeof s->error, "%s: %s", zk->log[i].path, strerror(errno));
        }
        zk->log[i].f = NULL;
        tsc_buf_free(&zk->log[i].b);
    }
    free(zk->known);
    free(zk);
    s->render.ctx = NULL;
    return rc;
}

static int zeek_init(struct tsc_sink_impl *s, int json)
{
    struct zeek *zk = calloc(1, sizeof *zk);
    if (!zk)
        return -1;
    zk->s = s;
    zk->json = json;
    zk->to_dir = s->opts.output_dir != NULL;
    s->render.ctx = zk;
    /* ja3, ja3s, ja4 (hashes only); the connection's suite by its code */
    s->render.need = TSC_NEED_FP;
    s->render.event = zeek_event;
    s->render.emit = zeek_emit;
    s->render.discard = zeek_discard;
    s->flush = zeek_flush;
    s->close = zeek_close;
    for (int i = 0; i < N_LOGS; i++)
        tsc_buf_init(&zk->log[i].b, 0);
    if (zk->to_dir) {
        for (int i = 0; i < N_LOGS; i++) {
            struct zlog *l = &zk->log[i];
            int k = snprintf(l->path, sizeof l->path, "%s/%s.log", s->opts.output_dir, log_path[i]);
            if (k < 0 || (size_t)k >= sizeof l->path) {
                snprintf(s->error, sizeof s->error, "%.200s...: %s", s->opts.output_dir, strerror(ENAMETOOLONG));
                return -1;
            }
            l->f = fopen(l->path, "w");
            if (!l->f) {
                snprintf(s->error, sizeof s->error, "%s: %s", l->path, strerror(errno));
                return -1;
            }
            if (!json)
                tsv_header(&l->b, i);
        }
    } else if (!json) {
        tsv_header(&s->ob, LOG_SSL);
    }
    return 0;
}

int tsc_zeek_sink_init(struct tsc_sink_impl *s);
int tsc_zeek_sink_init(struct tsc_sink_impl *s) { return zeek_init(s, 0); }

int tsc_zeek_json_sink_init(struct tsc_sink_impl *s);
int tsc_zeek_json_sink_init(struct tsc_sink_impl *s) { return zeek_init(s, 1); }
