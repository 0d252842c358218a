/*
 * cmd_capture.c - tlsscope capture: a live interface to reports.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <time.h>

#include "capture/pipeline.h"
#include "crypto/keylog.h"
#include "capture/source.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "report/report.h"

static void capture_usage(FILE *f)
{
    fprintf(f,
            "usage: tlsscope capture -i INTERFACE [OPTIONS] [BPF FILTER...]\n"
            "\n"
            "Capture live and decode every TLS/SSL connection as read does. Each\n"
            "connection is shown when its handshake completes or when it ends. Ctrl-C\n"
            "or SIGTERM stops, shows what is still open, and prints the counts\n"
            "(packets, connections, drops reported by the kernel). Needs root or\n"
            "CAP_NET_RAW.\n"
            "\n"
            "  -i, --interface IF    the interface (e.g. eth0, lo, any)\n"
            "  -w, --write FILE      also write the raw packets to FILE (pcap)\n"
            "  -c, --count N         stop after N packets\n"
            "%s"
            "%s"
            "\nWith --keylog the file is read again as it grows (a browser or curl started\n"
            "with SSLKEYLOGFILE writes it while the capture runs); a connection whose\n"
            "secrets are not there yet waits up to 200 ms for each (eight times at most;\n"
            "not again within a second of a wait in vain).\n",
            tsc_cli_common_help(), tsc_cli_decrypt_help);
}

static void on_signal(int sig)
{
    (void)sig;
    tsc_source_live_stop();
}

struct live_ctx {
    struct tsc_report *rep;
    struct tsc_cli_opts *o;
    int said; /* a write failure was reported */
};

static void after_batch(void *arg)
{
    struct live_ctx *lc = arg;
    /* a report that cannot be written (disk full) ends the capture now,
     * not when someone finally stops it */
    if (tsc_cli_report_write(lc->rep, 0, &lc->said) != 0)
        tsc_source_live_stop();
    if (lc->o->dec.keylog)
        (void)tsc_keylog_refresh(lc->o->dec.keylog);
}

/* A connection's secret is not in the key log yet: the peer may be about
 * to write it. Poll the file for up to 200 ms. */
static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int keys_missing(void *arg, int label, const uint8_t client_random[32])
{
    static double last_miss = -10; /* when a wait last ended without the secret */
    struct tsc_cli_opts *o = arg;
    const uint8_t *s;
    /* connections of programs that write no key log must not stall the
     * capture: after a wait in vain, the next second looks without waiting */
    int tries = mono_s() - last_miss < 1.0 ? 1 : 40;
    for (int i = 0; i < tries; i++) {
        (void)tsc_keylog_refresh(o->dec.keylog);
        if (tsc_keylog_get(o->dec.keylog, (enum tsc_kl_label)label, client_random, &s))
            return 1;
        if (i + 1 < tries) {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    last_miss = mono_s();
    return 0;
}

enum { OPT_IFACE = TSC_OPT_FIRST_OWN, OPT_WRITE, OPT_COUNT };

int tsc_cmd_capture(int argc, char **argv)
{
    static const struct option opts[] = {
        TSC_CLI_COMMON_LONGOPTS,
        TSC_CLI_DECRYPT_LONGOPTS,
        {"interface", required_argument, NULL, 'i'},
        {"write", required_argument, NULL, 'w'},
        {"count", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct tsc_cli_opts o;
    struct tsc_live_opts lo;
    char filter[4096] = "";
    int ch;
    tsc_cli_opts_init(&o);
    memset(&lo, 0, sizeof lo);
    struct tsc_cli_getopt g; /* the output formats' options, then these */
    if (tsc_cli_getopt_init(&g, opts, "qhi:w:c:") != 0)
        return TSC_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        int k = tsc_cli_common_opt(&o, ch, optarg);
        if (k < 0)
            return TSC_EXIT_USAGE;
        if (k > 0)
            continue;
        size_t v;
        switch (ch) {
        case 'i': lo.iface = optarg; break;
        case 'w': lo.write_path = optarg; break;
        case 'c':
            if (tsc_parse_size(optarg, &v) || v == 0) {
                fprintf(stderr, "tlsscope: --count takes a positive number, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            lo.count = v;
            break;
        case 'h': capture_usage(stdout); return TSC_EXIT_OK;
        default: capture_usage(stderr); return TSC_EXIT_USAGE;
        }
    }
    if (tsc_cli_opts_finish(&o) != 0)
        return TSC_EXIT_USAGE;
    if (!lo.iface) {
        fprintf(stderr, "tlsscope: capture needs an interface: -i IF\n");
        return TSC_EXIT_USAGE;
    }
    /* the rest of the command line is the BPF filter, as with tcpdump */
    size_t n = 0;
    for (int i = optind; i < argc; i++) {
        int k = snprintf(filter + n, sizeof filter - n, "%s%s", n ? " " : "", argv[i]);
        if (k < 0 || (size_t)k >= sizeof filter - n) {
            fprintf(stderr, "tlsscope: the capture filter is too long\n");
            return TSC_EXIT_USAGE;
        }
        n += (size_t)k;
    }
    lo.filter = filter;
    if (tsc_cli_decrypt_load(&o, 1) != 0) {
        tsc_cli_decrypt_free(&o);
        return TSC_EXIT_INPUT;
    }
    if (o.dec.keylog) {
        o.dec.cfg.keys_missing = keys_missing;
        o.dec.cfg.keys_missing_arg = &o;
    }
    struct tsc_report *rep = tsc_cli_report_new(&o);
    struct tsc_pipeline *pl =
        rep ? tsc_cli_pipeline_new(&o.lim, tsc_cli_report_sink(&o, rep), o.dec.active ? &o.dec.cfg : NULL) : NULL;
    if (!pl) {
        if (rep)
            fprintf(stderr, "tlsscope: out of memory\n");
        tsc_cli_html_free(&o);
        tsc_report_free(rep);
        tsc_cli_decrypt_free(&o);
        return TSC_EXIT_INPUT;
    }
    /* with keys, a connection is shown when it ends: what follows the
     * handshake (tickets, data, alerts) is readable too */
    tsc_pipeline_set_live(pl, o.dec.active ? 2 : 1);
    struct live_ctx lc = {rep, &o, 0};
    lo.after_batch = after_batch;
    lo.arg = &lc;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!o.quiet)
        fprintf(stderr, "tlsscope: capturing on %s%s%s (Ctrl-C to stop)\n", lo.iface, filter[0] ? ", filter " : "",
                filter);
    struct tsc_source_result res;
    tsc_source_live(&lo, pl, &res);
    tsc_pipeline_finish(pl);
    int write_failed = tsc_cli_report_write(rep, 1, &lc.said) != 0;
    int status = TSC_EXIT_OK;
    if (!res.ok) {
        fprintf(stderr, "tlsscope: %s: %s\n", lo.iface, res.error);
        status = TSC_EXIT_INPUT;
    } else {
        if (res.error[0])
            fprintf(stderr, "tlsscope: %s: %s\n", lo.iface, res.error);
        if (!o.quiet) {
            tsc_cli_print_stats(lo.iface, tsc_pipeline_stats(pl));
            fprintf(stderr, "tlsscope: %s: kernel: %llu packets received, %llu dropped, %llu dropped by the interface\n",
                    lo.iface, (unsigned long long)res.kernel_received, (unsigned long long)res.kernel_dropped,
                    (unsigned long long)res.interface_dropped);
        }
    }
    if (write_failed) /* said when it happened */
        status = TSC_EXIT_INPUT;
    if (tsc_report_export_error(rep)) {
        fprintf(stderr, "tlsscope: %s\n", tsc_report_export_error(rep));
        status = TSC_EXIT_INPUT;
    }
    tsc_pipeline_free(pl);
    if (tsc_cli_html_close(&o) != 0)
        status = TSC_EXIT_INPUT;
    if (status == TSC_EXIT_OK && o.fail_on >= 0 && tsc_report_max_severity(rep) >= o.fail_on)
        status = TSC_EXIT_FINDINGS;
    tsc_report_free(rep);
    tsc_cli_decrypt_free(&o);
    return status;
}
