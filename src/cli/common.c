/*
 * common.c - options and statistics shared by read and capture.
 */
#include "cli/common.h"

#include "crypto/decrypt.h"
#include "crypto/keylog.h"
#include "analysis/findings.h" /* tsc_severity_parse: --fail-on */
#include "peer/tap.h"               /* tsc_pcapng_writer_close: --pcapng */

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char common_options_help[] =
    "options:\n"
    "      --color WHEN      auto (default: only on a terminal), always, never\n"
    "                        (also spelt --colour)\n"
    "      --max-flows N     flows tracked at once (default 1048576)\n"
    "      --max-memory N    memory for flows and buffered segments (default 1G;\n"
    "                        K, M, G suffixes); the least recently active flows\n"
    "                        are evicted beyond it, and the evictions reported\n"
    "      --flow-buffer N   bytes buffered per flow (default 1M)\n"
    "      --idle-timeout S  close a flow idle for S seconds (default 600; 0: never)\n"
    "      --fail-on SEV     exit 3 when a finding of severity SEV or above is\n"
    "                        reported: info, low, medium, high ('tlsscope rules')\n"
    "  -q, --quiet           no statistics line on stderr\n"
    "  -h, --help            this text\n";

const char *tsc_cli_common_help(void)
{
    static char help[4096];
    if (help[0])
        return help;
    size_t n = 0;
    n += (size_t)snprintf(help + n, sizeof help - n, "output (one of):\n");
    for (size_t i = 0; i < tsc_formats_count() && n < sizeof help; i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        if (!f->flag)
            continue;
        char lead[8] = "      ";
        if (f->short_flag)
            snprintf(lead, sizeof lead, "  -%c, ", f->short_flag);
        n += (size_t)snprintf(help + n, sizeof help - n, "%s--%-16s%s\n", lead, f->flag, f->help);
    }
    n += (size_t)snprintf(help + n, sizeof help - n, "      --format NAME     any of the above by name, or:\n");
    for (size_t i = 0; i < tsc_formats_count() && n < sizeof help; i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        if (f->flag || (f->flags & TSC_FORMAT_HIDDEN))
            continue;
        n += (size_t)snprintf(help + n, sizeof help - n, "        %-16s%s\n", f->name, f->help);
    }
    n += (size_t)snprintf(help + n, sizeof help - n,
                          "      --output-dir DIR  a format that writes several logs writes them as\n"
                          "                        files in DIR, created when missing\n"
                          "      --html FILE       also write the report as one self-contained HTML page:\n"
                          "                        a ladder diagram per connection, an overview table and\n"
                          "                        plots (docs/html.md); the output above is unchanged\n");
    if (n < sizeof help)
        snprintf(help + n, sizeof help - n, "%s", common_options_help);
    return help;
}

int tsc_cli_getopt_init(struct tsc_cli_getopt *g, const struct option *own, const char *own_short)
{
    size_t n = 0, ns = 0;
    memset(g, 0, sizeof *g);
    for (size_t i = 0; i < tsc_formats_count(); i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        if (!f->flag)
            continue;
        if (n + 1 >= TSC_CLI_MAX_OPTS)
            return -1;
        g->longopts[n].name = f->flag;
        g->longopts[n].has_arg = no_argument;
        g->longopts[n].val = f->short_flag ? f->short_flag : TSC_OPT_FORMAT + (int)i;
        n++;
        if (f->short_flag) {
            if (ns + 1 >= sizeof g->shortopts)
                return -1;
            g->shortopts[ns++] = f->short_flag;
        }
    }
    for (; own && own->name; own++) {
        if (n + 1 >= TSC_CLI_MAX_OPTS)
            return -1;
        g->longopts[n++] = *own;
    }
    size_t k = strlen(own_short);
    if (ns + k >= sizeof g->shortopts)
        return -1;
    memcpy(g->shortopts + ns, own_short, k + 1);
    return 0;
}

const char tsc_cli_decrypt_help[] =
    "decryption:\n"
    "      --keylog FILE     NSS key log (SSLKEYLOGFILE of browsers, curl, OpenSSL,\n"
    "                        GnuTLS, ngtcp2): decrypt SSL 3.0 to TLS 1.3, DTLS and\n"
    "                        QUIC, show the encrypted handshake messages and\n"
    "                        count plaintext\n"
    "      --rsa-key FILE    a server's RSA private key (PEM or DER), for static-RSA\n"
    "                        key exchange; may be given several times\n"
    "      --data[=N]        show the first N bytes (default 128) of each decrypted\n"
    "                        application data record (QUIC: STREAM frame), as\n"
    "                        text or hex\n"
    "      --export-streams DIR  write each connection's decrypted application data\n"
    "                        to DIR/ID-c2s.bin and DIR/ID-s2c.bin (ID as in the\n"
    "                        report; one input file; TLS and DTLS: QUIC's streams\n"
    "                        are shown by --data, not exported)\n";

void tsc_cli_opts_init(struct tsc_cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ro.format = TSC_FMT_TEXT;
    o->lim.flow_buf_max = TSC_DEFAULT_FLOW_BUF_MAX;
    o->lim.max_flows = TSC_DEFAULT_MAX_FLOWS;
    o->lim.max_memory = TSC_DEFAULT_MAX_MEMORY;
    o->lim.idle_timeout_us = TSC_DEFAULT_IDLE_TIMEOUT_US;
    o->color = "auto";
    o->progress = -1;
    o->fail_on = -1;
}

int tsc_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1ULL << 10;
    else if (*end == 'M' || *end == 'm')
        mul = 1ULL << 20;
    else if (*end == 'G' || *end == 'g')
        mul = 1ULL << 30;
    else if (*end != 0)
        return -1;
    if (mul != 1 && end[1] != 0)
        return -1;
    if (v > (unsigned long long)SIZE_MAX / mul)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

/* "text, verbose, json, summary or zeek": every name --format takes */
static const char *format_names(void)
{
    static char list[512];
    size_t n = 0, k = 0, total = 0;
    for (size_t i = 0; i < tsc_formats_count(); i++)
        total += !(tsc_format_at(i)->flags & TSC_FORMAT_HIDDEN);
    for (size_t i = 0; i < tsc_formats_count() && n < sizeof list; i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        if (f->flags & TSC_FORMAT_HIDDEN)
            continue;
        k++;
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k == 1 ? "" : k == total ? " or " : ", ", f->name);
    }
    return list;
}

int tsc_cli_common_opt(struct tsc_cli_opts *o, int ch, const char *arg)
{
    size_t v;
    for (size_t i = 0; i < tsc_formats_count(); i++) {
        const struct tsc_format_row *f = tsc_format_at(i);
        if (f->flag && (ch == TSC_OPT_FORMAT + (int)i || (f->short_flag && ch == f->short_flag))) {
            o->ro.format = (enum tsc_format)i;
            o->nformats++;
            return 1;
        }
    }
    switch (ch) {
    case TSC_OPT_FORMAT_NAME:
        for (size_t i = 0; i < tsc_formats_count(); i++) {
            const struct tsc_format_row *f = tsc_format_at(i);
            if (!(f->flags & TSC_FORMAT_HIDDEN) && strcmp(f->name, arg) == 0) {
                o->ro.format = (enum tsc_format)i;
                o->nformats++;
                return 1;
            }
        }
        fprintf(stderr, "tlsscope: --format takes %s, not '%s'\n", format_names(), arg);
        return -1;
    case TSC_OPT_OUTPUT_DIR:
        o->ro.output_dir = arg;
        return 1;
    case TSC_OPT_HTML:
        o->html_path = arg;
        return 1;
    case 'q': o->quiet = 1; return 1;
    case TSC_OPT_PROGRESS: o->progress = 1; return 1;
    case TSC_OPT_NO_PROGRESS: o->progress = 0; return 1;
    case TSC_OPT_COLOR:
        if (strcmp(arg, "auto") && strcmp(arg, "always") && strcmp(arg, "never")) {
            fprintf(stderr, "tlsscope: --color takes auto, always or never, not '%s'\n", arg);
            return -1;
        }
        o->color = arg;
        return 1;
    case TSC_OPT_FAIL_ON: {
        enum tsc_severity sev;
        if (tsc_severity_parse(arg, &sev) != 0) {
            fprintf(stderr, "tlsscope: --fail-on takes info, low, medium or high, not '%s'\n", arg);
            return -1;
        }
        o->fail_on = (int)sev;
        return 1;
    }
    case TSC_OPT_MAX_FLOWS:
        if (tsc_parse_size(arg, &v) || v == 0) {
            fprintf(stderr, "tlsscope: --max-flows takes a positive number, not '%s'\n", arg);
            return -1;
        }
        o->lim.max_flows = v;
        return 1;
    case TSC_OPT_FLOW_BUFFER:
        if (tsc_parse_size(arg, &v) || v < 4096) {
            fprintf(stderr, "tlsscope: --flow-buffer takes a size of at least 4096 bytes, not '%s'\n", arg);
            return -1;
        }
        o->lim.flow_buf_max = v;
        return 1;
    case TSC_OPT_MAX_MEMORY:
        if (tsc_parse_size(arg, &v) || v < ((size_t)1 << 20)) {
            fprintf(stderr, "tlsscope: --max-memory takes a size of at least 1M, not '%s'\n", arg);
            return -1;
        }
        o->lim.max_memory = v;
        return 1;
    case TSC_OPT_KEYLOG:
        o->dec.keylog_path = arg;
        return 1;
    case TSC_OPT_RSA_KEY:
        if (o->dec.n_rsa >= TSC_CLI_MAX_RSA_KEYS) {
            fprintf(stderr, "tlsscope: --rsa-key may be given at most %d times\n", TSC_CLI_MAX_RSA_KEYS);
            return -1;
        }
        o->dec.rsa_paths[o->dec.n_rsa++] = arg;
        return 1;
    case TSC_OPT_DATA:
        if (!arg) {
            o->ro.data_preview = 128;
            return 1;
        }
        if (tsc_parse_size(arg, &v) || v == 0 || v > 65536) {
            fprintf(stderr, "tlsscope: --data takes a number of bytes from 1 to 65536, not '%s'\n", arg);
            return -1;
        }
        o->ro.data_preview = v;
        return 1;
    case TSC_OPT_EXPORT_STREAMS:
        o->ro.export_dir = arg;
        return 1;
    case TSC_OPT_IDLE_TIMEOUT:
        if (tsc_parse_size(arg, &v) || v > 100000000) {
            fprintf(stderr, "tlsscope: --idle-timeout takes a number of seconds, not '%s'\n", arg);
            return -1;
        }
        o->lim.idle_timeout_us = (int64_t)v * 1000000;
        return 1;
    default:
        return 0;
    }
}

int tsc_cli_opts_finish(struct tsc_cli_opts *o)
{
    if (o->nformats > 1) {
        /* "--text, -v, --json, --summary": each format by its shortest flag */
        char list[512];
        size_t n = 0;
        list[0] = '\0';
        for (size_t i = 0; i < tsc_formats_count() && n < sizeof list; i++) {
            const struct tsc_format_row *f = tsc_format_at(i);
            if (!f->flag)
                continue;
            if (f->short_flag)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s-%c", n ? ", " : "", f->short_flag);
            else
                n += (size_t)snprintf(list + n, sizeof list - n, "%s--%s", n ? ", " : "", f->flag);
        }
        fprintf(stderr, "tlsscope: choose one of %s, --format NAME\n", list);
        return -1;
    }
    if (o->ro.output_dir && !(tsc_format_at((size_t)o->ro.format)->flags & TSC_FORMAT_LOGS)) {
        fprintf(stderr, "tlsscope: --output-dir is for a format that writes several logs, not --format %s\n",
                tsc_format_at((size_t)o->ro.format)->name);
        return -1;
    }
    o->ro.color = strcmp(o->color, "always") == 0 ||
                  (strcmp(o->color, "auto") == 0 && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
    if (!(tsc_format_at((size_t)o->ro.format)->flags & TSC_FORMAT_COLOR))
        o->ro.color = 0;
    return 0;
}

struct tsc_report *tsc_cli_report_new(struct tsc_cli_opts *o)
{
    if (o->ro.output_dir) {
        struct stat sb;
        if (stat(o->ro.output_dir, &sb) != 0 && mkdir(o->ro.output_dir, 0755) != 0) {
            fprintf(stderr, "tlsscope: %s: cannot create the directory: %s\n", o->ro.output_dir, strerror(errno));
            return NULL;
        }
        if (stat(o->ro.output_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "tlsscope: %s: not a directory\n", o->ro.output_dir);
            return NULL;
        }
    }
    char err[256];
    struct tsc_report *r = tsc_report_new(&o->ro, stdout, err, sizeof err);
    if (!r) {
        fprintf(stderr, "tlsscope: %s\n", err);
        return NULL;
    }
    if (o->html_path) {
        o->html = tsc_cli_html_open(&o->ro, o->html_path, &o->html_file);
        o->tee = o->html ? tsc_tee_new(tsc_report_sink(r), tsc_report_sink(o->html)) : NULL;
        if (!o->tee) {
            if (o->html)
                fprintf(stderr, "tlsscope: out of memory\n");
            tsc_cli_html_free(o);
            tsc_report_free(r);
            return NULL;
        }
    }
    return r;
}

/* The row of the HTML format in the format table. */
static size_t html_format(void)
{
    for (size_t i = 0; i < tsc_formats_count(); i++)
        if (strcmp(tsc_format_at(i)->name, "html") == 0)
            return i;
    return TSC_FMT_TEXT; /* not reached: formats.c has the row */
}

struct tsc_report *tsc_cli_html_open(const struct tsc_report_opts *ro, const char *path, FILE **file)
{
    struct tsc_report_opts h = *ro;
    h.format = (enum tsc_format)html_format();
    h.color = 0;
    h.export_dir = NULL; /* the chosen report exports the streams, once */
    h.output_dir = NULL;
    *file = fopen(path, "w");
    if (!*file) {
        fprintf(stderr, "tlsscope: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char err[256];
    struct tsc_report *r = tsc_report_new(&h, *file, err, sizeof err);
    if (!r) {
        fprintf(stderr, "tlsscope: %s: %s\n", path, err);
        fclose(*file);
        *file = NULL;
    }
    return r;
}

const struct tsc_sink *tsc_cli_report_sink(struct tsc_cli_opts *o, struct tsc_report *r)
{
    return o->tee ? tsc_tee_sink(o->tee) : tsc_report_sink(r);
}

void tsc_cli_peer_verdict(struct tsc_report *r, struct tsc_report *html, const struct tsc_peer_verdict *v)
{
    tsc_report_peer_verdict(r, v);
    if (html)
        tsc_report_peer_verdict(html, v);
}

int tsc_cli_html_close(struct tsc_cli_opts *o)
{
    if (!o->html)
        return 0;
    int rc = 0;
    if (tsc_report_close(o->html) != 0) {
        fprintf(stderr, "tlsscope: %s: %s\n", o->html_path,
                tsc_report_error(o->html) ? tsc_report_error(o->html) : "writing failed");
        rc = -1;
    }
    if (fclose(o->html_file) != 0 && rc == 0) {
        fprintf(stderr, "tlsscope: %s: %s\n", o->html_path, strerror(errno));
        rc = -1;
    }
    o->html_file = NULL;
    if (rc == 0 && o->tee && tsc_tee_dropped(o->tee)) {
        fprintf(stderr, "tlsscope: %s: out of memory: %llu events are missing from both reports\n", o->html_path,
                (unsigned long long)tsc_tee_dropped(o->tee));
        rc = -1;
    }
    if (rc == 0 && !o->quiet)
        fprintf(stderr, "tlsscope: HTML report written to %s\n", o->html_path);
    tsc_cli_html_free(o);
    return rc;
}

void tsc_cli_html_free(struct tsc_cli_opts *o)
{
    tsc_tee_free(o->tee);
    o->tee = NULL;
    tsc_report_free(o->html);
    o->html = NULL;
    if (o->html_file)
        fclose(o->html_file);
    o->html_file = NULL;
}

int tsc_cli_report_write(struct tsc_report *r, int close, int *said)
{
    if ((close ? tsc_report_close(r) : tsc_report_flush(r)) == 0)
        return 0;
    if (!*said)
        fprintf(stderr, "tlsscope: %s\n", tsc_report_error(r));
    *said = 1;
    return -1;
}

int tsc_cli_decrypt_load(struct tsc_cli_opts *o, int live)
{
    struct tsc_cli_decrypt *d = &o->dec;
    if ((o->ro.data_preview || o->ro.export_dir) && !d->keylog_path && !d->n_rsa) {
        fprintf(stderr, "tlsscope: --data and --export-streams need keys: --keylog FILE or --rsa-key FILE\n");
        return -1;
    }
    if (o->ro.export_dir) {
        struct stat sb;
        if (stat(o->ro.export_dir, &sb) != 0 && mkdir(o->ro.export_dir, 0755) != 0) {
            fprintf(stderr, "tlsscope: %s: cannot create the directory: %s\n", o->ro.export_dir, strerror(errno));
            return -1;
        }
        if (stat(o->ro.export_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "tlsscope: %s: not a directory\n", o->ro.export_dir);
            return -1;
        }
    }
    if (d->keylog_path) {
        d->keylog = tsc_keylog_new();
        if (!d->keylog) {
            fprintf(stderr, "tlsscope: out of memory\n");
            return -1;
        }
        struct stat ks;
        tsc_result r;
        if (live && stat(d->keylog_path, &ks) != 0 && errno == ENOENT) {
            /* a browser started later creates it: read it when it appears */
            fprintf(stderr, "tlsscope: %s: the key log does not exist yet; reading it once it does\n",
                    d->keylog_path);
            r = tsc_keylog_watch(d->keylog, d->keylog_path);
            if (!tsc_is_ok(r)) {
                fprintf(stderr, "tlsscope: %s: %s\n", d->keylog_path, r.why);
                return -1;
            }
            goto keys_done;
        }
        r = tsc_keylog_load(d->keylog, d->keylog_path);
        if (!tsc_is_ok(r)) {
            fprintf(stderr, "tlsscope: %s: cannot read the key log: %s\n", d->keylog_path, r.why);
            return -1;
        }
        const struct tsc_keylog_stats *st = tsc_keylog_stats(d->keylog);
        if (st->malformed)
            fprintf(stderr, "tlsscope: %s: warning: %llu malformed line%s skipped (the first is line %llu)\n",
                    d->keylog_path, (unsigned long long)st->malformed, st->malformed == 1 ? "" : "s",
                    (unsigned long long)st->first_malformed);
        if (st->randoms == 0 && !live)
            fprintf(stderr, "tlsscope: %s: warning: no secrets in the key log\n", d->keylog_path);
    }
keys_done:
    for (int i = 0; i < d->n_rsa; i++) {
        tsc_result r = tsc_rsa_keys_load(&d->rsa, d->rsa_paths[i]);
        if (!tsc_is_ok(r)) {
            fprintf(stderr, "tlsscope: %s: %s\n", d->rsa_paths[i], r.why);
            return -1;
        }
    }
    d->active = d->keylog || d->rsa;
    d->cfg.keylog = d->keylog;
    d->cfg.rsa = d->rsa;
    d->cfg.app_data_events = o->ro.data_preview > 0 || o->ro.export_dir != NULL;
    return 0;
}

struct tsc_pipeline *tsc_cli_pipeline_new(const struct tsc_limits *lim, const struct tsc_sink *sink,
                                          const struct tsc_decrypt_cfg *dec)
{
    struct tsc_flow_tls_cfg tc = {sink, dec};
    struct tsc_flow_factory fac = tsc_flow_tls_factory(&tc);
    return tsc_pipeline_new(lim, &fac);
}

void tsc_cli_decrypt_free(struct tsc_cli_opts *o)
{
    tsc_keylog_free(o->dec.keylog);
    tsc_rsa_keys_free(o->dec.rsa);
    o->dec.keylog = NULL;
    o->dec.rsa = NULL;
}

static void appendf(char *buf, size_t cap, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
    if (*n >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (k > 0)
        *n += (size_t)k;
}

void tsc_cli_print_stats(const char *what, const struct tsc_pipeline_stats *st)
{
    char extra[512] = "";
    size_t n = 0;
    if (st->evictions)
        appendf(extra, sizeof extra, &n, ", %llu flows evicted (flow or memory cap)",
                (unsigned long long)st->evictions);
    if (st->idle_closed)
        appendf(extra, sizeof extra, &n, ", %llu closed idle", (unsigned long long)st->idle_closed);
    if (st->gaps)
        appendf(extra, sizeof extra, &n, ", %llu gaps", (unsigned long long)st->gaps);
    if (st->fragments)
        appendf(extra, sizeof extra, &n, ", %llu IP fragments (%llu datagrams reassembled, %llu fragments dropped)",
                (unsigned long long)st->fragments, (unsigned long long)st->fragments_reassembled,
                (unsigned long long)st->fragments_dropped);
    if (st->truncated)
        appendf(extra, sizeof extra, &n, ", %llu packets cut before their TCP payload",
                (unsigned long long)st->truncated);
    if (st->malformed)
        appendf(extra, sizeof extra, &n, ", %llu packets with malformed headers", (unsigned long long)st->malformed);
    fprintf(stderr, "tlsscope: %s: %llu packets, %llu TCP flows, %llu TLS connections%s\n", what,
            (unsigned long long)st->packets, (unsigned long long)st->flows, (unsigned long long)st->tls_connections,
            extra);
}

int tsc_cli_pcapng_close(const char *path, struct tsc_pcapng_writer *w)
{
    struct tsc_pcapng_stats st;
    if (!w)
        return 0;
    int rc = tsc_pcapng_writer_close(w, &st);
    if (rc != 0) {
        fprintf(stderr, "tlsscope: %s: writing the pcapng failed: %s\n", path, strerror(st.write_errno));
        return -1;
    }
    if (st.held_over)
        fprintf(stderr,
                "tlsscope: %s: %llu connection%s sent more than 1 MiB before its handshake was done: its secrets "
                "were written with what was known then (a secret logged later is in a block after packets it "
                "decrypts)\n",
                path, (unsigned long long)st.held_over, st.held_over == 1 ? "" : "s");
    if (st.whole_given_up)
        fprintf(stderr,
                "tlsscope: %s: more than 64 MiB: written as it came from then on, so secrets logged later are in "
                "blocks after the first packet (Wireshark uses them; tlsscope read uses only those before it)\n",
                path);
    return 0;
}
