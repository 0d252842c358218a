/*
 * cmd_read.c - tlsscope read: capture files to reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/parallel.h"
#include "capture/pcapfile.h"
#include "capture/pipeline.h"
#include "capture/source.h"
#include "analysis/fingerprint.h"
#include "crypto/keylog.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "report/report.h"

static void read_usage(FILE *f)
{
    fprintf(f,
            "usage: tlsscope read [OPTIONS] FILE...\n"
            "\n"
            "Decode every TLS/SSL connection in pcap or pcapng files, over TCP, as\n"
            "DTLS 1.0 to 1.3 over UDP (any port; beside STUN and RTP as WebRTC sends\n"
            "them) and inside QUIC (version 1, 2 and drafts, any port; its Initial\n"
            "packets need no keys): the handshake in four phases (hello; server\n"
            "authentication; key exchange and the switch to encryption; finish),\n"
            "with every code point named. Connections are listed in order of their\n"
            "first packet. A pcapng file's Decryption Secrets Blocks (editcap\n"
            "--inject-secrets, tlsscope client/server --pcapng) are used as a key\n"
            "log, together with --keylog's: those before the first packet for every\n"
            "connection, a later one for the connections whose ServerHello comes\n"
            "after it (as tshark reads in one pass); blocks of other secrets types\n"
            "(WireGuard, SSH, ...) are skipped, and said so on stderr.\n"
            "\n"
            "%s"
            "      --progress        a progress line on stderr (default: on a terminal,\n"
            "                        for files of 64 MB and more); --no-progress\n"
            "  -j, --jobs N          N threads, flows sharded by connection; the output is\n"
            "                        the same as with one (default 1; own reader only;\n"
            "                        with keys, a resumed session missing from the key log\n"
            "                        decrypts only if both connections share a thread)\n"
            "      --reader R        auto (default: tlsscope's own reader for pcap\n"
            "                        and pcapng, libpcap for anything else) or libpcap\n"
            "%s"
            "\n"
            "exit status: 0 every file was read, 1 a file could not be read (each named\n"
            "on stderr as 'tlsscope: FILE: reason'), 2 usage error, 3 a finding at or\n"
            "above --fail-on.\n",
            tsc_cli_common_help(), tsc_cli_decrypt_help);
}

struct progress {
    const char *path;
    uint64_t size;
    struct tsc_pipeline *pl;
    double start, last;
    int shown;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress_tick(void *arg, uint64_t bytes, uint64_t packets)
{
    struct progress *pg = arg;
    double t = now_s();
    if (t - pg->last < 0.5)
        return;
    pg->last = t;
    double el = t - pg->start > 1e-6 ? t - pg->start : 1e-6;
    const struct tsc_pipeline_stats *st = tsc_pipeline_stats(pg->pl);
    fprintf(stderr, "\rtlsscope: %s: %3.0f%% %.0f MB, %llu packets, %llu flows; %.0f MB/s, %.0f packets/s, %.0f flows/s  ",
            pg->path, pg->size ? 100.0 * (double)bytes / (double)pg->size : 0.0, bytes / 1e6,
            (unsigned long long)packets, (unsigned long long)st->flows, bytes / 1e6 / el, packets / el,
            st->flows / el);
    pg->shown = 1;
}

/* The secrets types of the pcapng specification that are not TLS's. */
static const struct {
    uint32_t type;
    const char *name;
} dsb_names[] = {
    {0x5353484bu, "SSH key log"},   {0x55414b4cu, "OPC UA key log"}, {0x57474b4cu, "WireGuard key log"},
    {0x5a4e574bu, "ZigBee NWK key"}, {0x5a415053u, "ZigBee APS key"},
};

/* One file's Decryption Secrets Blocks of other types, to say which were
 * skipped: a user who embedded WireGuard keys should not wonder. */
#define DSB_KINDS 8
struct dsb_read {
    struct tsc_cli_opts *o;
    uint32_t type[DSB_KINDS];
    unsigned count[DSB_KINDS];
    size_t kinds;
    unsigned skipped, other; /* all skipped; those of types past DSB_KINDS */
};

/* A pcapng Decryption Secrets Block: an NSS key log is added to the run's
 * key log (after --keylog's lines: both are used); other kinds are counted. */
static void dsb_secrets(void *arg, uint32_t type, const uint8_t *p, size_t n)
{
    struct dsb_read *d = arg;
    struct tsc_cli_opts *o = d->o;
    if (type != TSC_PCAPNG_SECRETS_TLS) {
        size_t i = 0;
        while (i < d->kinds && d->type[i] != type)
            i++;
        if (i == d->kinds && d->kinds < DSB_KINDS)
            d->type[d->kinds++] = type;
        if (i < d->kinds)
            d->count[i]++;
        else
            d->other++;
        d->skipped++;
        return;
    }
    if (!o->dec.keylog && !(o->dec.keylog = tsc_keylog_new()))
        return;
    (void)tsc_keylog_parse(o->dec.keylog, p, n);
    (void)tsc_keylog_parse_end(o->dec.keylog);
}

/* A Decryption Secrets Block after the first packet (a `server --pcapng`
 * file has one before each connection): used from there on, as tshark's
 * one pass does; decryption starts with it when the run had no keys. */
static void dsb_late(void *arg, uint32_t type, const uint8_t *p, size_t n, void *const *ctxs, size_t nctx)
{
    struct dsb_read *d = arg;
    struct tsc_cli_opts *o = d->o;
    dsb_secrets(d, type, p, n);
    if (type != TSC_PCAPNG_SECRETS_TLS || !o->dec.keylog)
        return;
    o->dec.active = 1; /* also when only --rsa-key had made it so */
    o->dec.cfg.keylog = o->dec.keylog;
    for (size_t i = 0; i < nctx; i++)
        tsc_flow_tls_set_decrypt(ctxs[i], &o->dec.cfg);
}

static void dsb_type_name(uint32_t type, char *buf, size_t n)
{
    for (size_t i = 0; i < sizeof dsb_names / sizeof dsb_names[0]; i++)
        if (dsb_names[i].type == type) {
            snprintf(buf, n, "%s", dsb_names[i].name);
            return;
        }
    snprintf(buf, n, "0x%08x", (unsigned)type);
}

/* "tlsscope: FILE: 1 Decryption Secrets Block of type WireGuard key log
 * skipped: tlsscope reads TLS key logs", one line per file. */
static void dsb_say_skipped(const char *path, const struct dsb_read *d)
{
    char name[32], line[512];
    if (!d->skipped)
        return;
    if (d->kinds == 1 && !d->other) {
        dsb_type_name(d->type[0], name, sizeof name);
        fprintf(stderr, "tlsscope: %s: %u Decryption Secrets Block%s of type %s skipped: tlsscope reads TLS key logs\n",
                path, d->skipped, d->skipped == 1 ? "" : "s", name);
        return;
    }
    size_t k = 0;
    line[0] = 0;
    for (size_t i = 0; i < d->kinds && k < sizeof line; i++) {
        dsb_type_name(d->type[i], name, sizeof name);
        int m = snprintf(line + k, sizeof line - k, "%s%u %s", i ? ", " : "", d->count[i], name);
        if (m > 0)
            k += (size_t)m;
    }
    if (d->other && k < sizeof line)
        snprintf(line + k, sizeof line - k, ", %u of other types", d->other);
    fprintf(stderr, "tlsscope: %s: %u Decryption Secrets Blocks skipped (%s): tlsscope reads TLS key logs\n", path,
            d->skipped, line);
}

int tsc_cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        TSC_CLI_COMMON_LONGOPTS,
        TSC_CLI_DECRYPT_LONGOPTS,
        {"progress", no_argument, NULL, TSC_OPT_PROGRESS}, /* read only: capture, client, server have no file size */
        {"no-progress", no_argument, NULL, TSC_OPT_NO_PROGRESS},
        {"reader", required_argument, NULL, TSC_OPT_FIRST_OWN},
        {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct tsc_cli_opts o;
    enum tsc_reader reader = TSC_READER_AUTO;
    int jobs = 1;
    int ch;
    tsc_cli_opts_init(&o);
    struct tsc_cli_getopt g; /* the output formats' options, then these */
    if (tsc_cli_getopt_init(&g, opts, "qhj:") != 0)
        return TSC_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        int k = tsc_cli_common_opt(&o, ch, optarg);
        if (k < 0)
            return TSC_EXIT_USAGE;
        if (k > 0)
            continue;
        if (ch == 'h') {
            read_usage(stdout);
            return TSC_EXIT_OK;
        }
        if (ch == 'j') {
            size_t v;
            if (tsc_parse_size(optarg, &v) || v < 1 || v > TSC_PAR_MAX_WORKERS) {
                fprintf(stderr, "tlsscope: -j takes a number of threads from 1 to 64, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            jobs = (int)v;
            continue;
        }
        if (ch == TSC_OPT_FIRST_OWN) {
            if (strcmp(optarg, "auto") == 0) {
                reader = TSC_READER_AUTO;
                continue;
            }
            if (strcmp(optarg, "libpcap") == 0) {
                reader = TSC_READER_LIBPCAP;
                continue;
            }
            fprintf(stderr, "tlsscope: --reader takes auto or libpcap, not '%s'\n", optarg);
            return TSC_EXIT_USAGE;
        }
        read_usage(stderr);
        return TSC_EXIT_USAGE;
    }
    if (tsc_cli_opts_finish(&o) != 0)
        return TSC_EXIT_USAGE;
    if (optind >= argc) {
        fprintf(stderr, "tlsscope: read needs at least one capture file\n");
        read_usage(stderr);
        return TSC_EXIT_USAGE;
    }
    if (o.ro.export_dir && argc - optind > 1) {
        fprintf(stderr, "tlsscope: --export-streams takes one capture file at a time\n");
        return TSC_EXIT_USAGE;
    }
    if (tsc_cli_decrypt_load(&o, 0) != 0) {
        tsc_cli_decrypt_free(&o);
        return TSC_EXIT_INPUT;
    }
    /* keys carried in the files themselves (pcapng Decryption Secrets
     * Blocks, as editcap --inject-secrets writes them): read before any
     * connection, like --keylog */
    for (int i = optind; i < argc; i++) {
        struct dsb_read d;
        memset(&d, 0, sizeof d);
        d.o = &o;
        (void)tsc_pcapfile_secrets(argv[i], dsb_secrets, &d);
        dsb_say_skipped(argv[i], &d);
    }
    if (o.dec.keylog) { /* also when only --rsa-key made decryption active */
        o.dec.active = 1;
        o.dec.cfg.keylog = o.dec.keylog;
    }
    struct tsc_report *rep = tsc_cli_report_new(&o);
    if (!rep) {
        tsc_cli_decrypt_free(&o);
        return TSC_EXIT_INPUT;
    }
    int status = TSC_EXIT_OK;
    struct tsc_flow_tls_cfg tc = {tsc_cli_report_sink(&o, rep), NULL};
    if (jobs > 1)
        tsc_fp_prepare(); /* the report's digests, used by every worker: fetched before they start */
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        /* per file: an earlier file's late secrets blocks may have brought keys */
        tc.dec = o.dec.active ? &o.dec.cfg : NULL;
        struct tsc_flow_factory fac = tsc_flow_tls_factory(&tc);
        struct dsb_read late;
        memset(&late, 0, sizeof late);
        late.o = &o;
        struct tsc_source_secrets secrets = {dsb_late, &late};
        struct tsc_pipeline *pl = tsc_pipeline_new(&o.lim, &fac);
        if (!pl) {
            fprintf(stderr, "tlsscope: %s: out of memory\n", path);
            status = TSC_EXIT_INPUT;
            break;
        }
        struct stat sb;
        struct progress pg = {path, 0, pl, now_s(), now_s(), 0};
        if (stat(path, &sb) == 0)
            pg.size = (uint64_t)sb.st_size;
        int show = o.progress == 1 || (o.progress == -1 && isatty(STDERR_FILENO) && pg.size >= (64u << 20));
        struct tsc_source_result res;
        struct tsc_pipeline_stats pstats;
        const struct tsc_pipeline_stats *st = NULL;
        if (jobs > 1 && reader == TSC_READER_AUTO &&
            tsc_parallel_read_file(path, jobs, &o.lim, &fac, &res, &pstats, &secrets)) {
            st = &pstats;
        } else {
            tsc_source_read_file(path, pl, &res, reader, show ? progress_tick : NULL, &pg, &secrets);
            tsc_pipeline_finish(pl);
            st = tsc_pipeline_stats(pl);
        }
        if (pg.shown)
            fprintf(stderr, "\r\033[K");
        if (tsc_report_flush(rep) != 0) {
            fprintf(stderr, "tlsscope: %s\n", tsc_report_error(rep));
            tsc_pipeline_free(pl);
            status = TSC_EXIT_INPUT;
            break;
        }
        if (!res.ok) {
            fprintf(stderr, "tlsscope: %s: %s\n", path, res.error);
            status = TSC_EXIT_INPUT;
        } else {
            if (res.error[0])
                fprintf(stderr, "tlsscope: %s: warning: %s\n", path, res.error);
            if (!o.quiet)
                tsc_cli_print_stats(path, st);
        }
        dsb_say_skipped(path, &late); /* those of other types after the first packet */
        tsc_pipeline_free(pl);
    }
    if (tsc_report_export_error(rep)) {
        fprintf(stderr, "tlsscope: %s\n", tsc_report_export_error(rep));
        status = TSC_EXIT_INPUT;
    }
    if (tsc_report_close(rep) != 0 && status != TSC_EXIT_INPUT) {
        fprintf(stderr, "tlsscope: %s\n", tsc_report_error(rep));
        status = TSC_EXIT_INPUT;
    }
    if (tsc_cli_html_close(&o) != 0 && status != TSC_EXIT_INPUT)
        status = TSC_EXIT_INPUT;
    if (status == TSC_EXIT_OK && o.fail_on >= 0 && tsc_report_max_severity(rep) >= o.fail_on)
        status = TSC_EXIT_FINDINGS;
    tsc_report_free(rep);
    tsc_cli_decrypt_free(&o);
    return status;
}
