/*
 * cmd_probe.c - tlsscope probe HOST[:PORT]: ask a server what it accepts
 * (docs/probe.md). The probe's connections go through the same pipeline
 * and findings as `read`; its own result is rendered by probe/render.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "analysis/analysis.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "peer/peer.h"
#include "peer/tap.h"
#include "probe/probe.h"

static const char probe_help[] =
    "usage: tlsscope probe [OPTIONS] HOST[:PORT]\n"
    "\n"
    "Ask a TLS server what it accepts: versions (SSL 2.0 to TLS 1.3), cipher suites\n"
    "and their order, groups, signature algorithms, ALPN, protections, and the\n"
    "certificate chain, with ClientHellos built byte by byte (docs/probe.md).\n"
    "HOST is a name or an address ([::1]:443 for IPv6 with a port); PORT defaults\n"
    "to 443, or to the --starttls protocol's port.\n"
    "\n"
    "Target:\n"
    "      --sni NAME          server name to send (default: HOST when it is a name)\n"
    "      --no-sni            send no server name\n"
    "      --starttls PROTO    smtp, imap, pop3, ftp, xmpp, ldap or postgres first\n"
    "  -4, -6                  only IPv4 or only IPv6 addresses of HOST\n"
    "      --timeout SECONDS   each connect and each wait for an answer (default 5)\n"
    "      --rate N            at most N connections a second (default: no pause)\n"
    "      --max-connections N never more than N connections (default 1000)\n"
    "      --ca FILE           trust anchors (PEM) for the chain check (default: the system's)\n"
    "      --pcap FILE         record the probe's own traffic as a pcap file\n"
    "\n"
    "Output:\n"
    "      --text              sections in plain text (default)\n"
    "  -v, --verbose           also each suite's meaning, each certificate's serial and SHA-256\n"
    "      --json              one JSON object\n"
    "      --summary           one line\n"
    "      --fail-on SEVERITY  exit 3 when a finding at or above SEVERITY (info, low,\n"
    "                          medium, high) was reported\n"
    "      --color WHEN        auto, always or never (also --colour)\n"
    "  -q, --quiet             no progress or notes on stderr\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 done, 1 the probe could not run or was cut short, 2 usage error,\n"
    "3 --fail-on matched.\n";

enum {
    OPT_SNI = TSC_OPT_FIRST_OWN,
    OPT_NO_SNI,
    OPT_STARTTLS,
    OPT_TIMEOUT,
    OPT_RATE,
    OPT_MAX_CONN,
    OPT_CA,
    OPT_PCAP,
    OPT_TEXT,
    OPT_JSON,
    OPT_SUMMARY,
    OPT_FAIL_ON,
    OPT_COLOR,
};

static const struct option probe_longopts[] = {
    {"sni", required_argument, NULL, OPT_SNI},
    {"no-sni", no_argument, NULL, OPT_NO_SNI},
    {"starttls", required_argument, NULL, OPT_STARTTLS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"rate", required_argument, NULL, OPT_RATE},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"ca", required_argument, NULL, OPT_CA},
    {"pcap", required_argument, NULL, OPT_PCAP},
    {"text", no_argument, NULL, OPT_TEXT},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, OPT_JSON},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The connections' findings, as the passive reader judged them. */
struct collect {
    struct tsc_probe_result *res;
};

static void on_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                    uint64_t ordinal)
{
    (void)c;
    (void)data;
    (void)ordinal;
    struct collect *k = ctx;
    tsc_probe_add_findings(k->res, rep->findings, rep->n_findings);
}

static void on_discard(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    (void)data;
}

static void on_progress(void *ctx, const char *step)
{
    (void)ctx;
    fprintf(stderr, "tlsscope: probe: %s\n", step);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tlsscope: probe: %s (tlsscope probe --help)\n", msg);
    return TSC_EXIT_USAGE;
}

/* HOST, HOST:PORT, [V6]:PORT, V6 (more than one colon, no brackets). */
static int split_target(char *arg, char **host, long *port)
{
    *port = -1;
    if (arg[0] == '[') {
        char *end = strchr(arg, ']');
        if (!end || end == arg + 1)
            return -1;
        *end = '\0';
        *host = arg + 1;
        if (end[1] == '\0')
            return 0;
        if (end[1] != ':')
            return -1;
        arg = end + 2;
    } else {
        char *colon = strchr(arg, ':');
        *host = arg;
        if (!colon || strchr(colon + 1, ':'))
            return **host ? 0 : -1;
        *colon = '\0';
        arg = colon + 1;
        if (!**host)
            return -1;
    }
    char *end;
    errno = 0;
    long p = strtol(arg, &end, 10);
    if (errno || *end || end == arg || p < 1 || p > 65535)
        return -1;
    *port = p;
    return 0;
}

static int is_address(const char *h)
{
    for (const char *p = h; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == ':' || (*p >= 'a' && *p <= 'f') ||
              (*p >= 'A' && *p <= 'F')))
            return 0;
    return strchr(h, ':') != NULL || strspn(h, "0123456789.") == strlen(h);
}

int tsc_cmd_probe(int argc, char **argv)
{
    struct tsc_probe_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.family = AF_UNSPEC;
    cfg.timeout_ms = 5000;
    cfg.max_connections = 1000;
    const char *sni = NULL, *pcap_path = NULL, *ca = NULL, *color = "auto";
    int no_sni = 0, quiet = 0, fail_on = -1;
    enum tsc_probe_form form = TSC_PROBE_TEXT;
    int nforms = 0;

    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":46vqh", probe_longopts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case '4':
            cfg.family = AF_INET;
            break;
        case '6':
            cfg.family = AF_INET6;
            break;
        case 'v':
            form = TSC_PROBE_VERBOSE;
            nforms++;
            break;
        case OPT_TEXT:
            form = TSC_PROBE_TEXT;
            nforms++;
            break;
        case OPT_JSON:
            form = TSC_PROBE_JSON;
            nforms++;
            break;
        case OPT_SUMMARY:
            form = TSC_PROBE_SUMMARY;
            nforms++;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(probe_help, stdout);
            return TSC_EXIT_OK;
        case OPT_SNI:
            if (!*optarg || strlen(optarg) > 253)
                return usage_error("--sni: '%s' is not a server name", optarg);
            sni = optarg;
            break;
        case OPT_NO_SNI:
            no_sni = 1;
            break;
        case OPT_STARTTLS:
            if (tsc_starttls_parse(optarg, &cfg.starttls) != 0)
                return usage_error("--starttls: '%s' is not one of smtp, imap, pop3, ftp, xmpp, ldap, postgres",
                                   optarg);
            break;
        case OPT_TIMEOUT: {
            errno = 0;
            double t = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(t >= 0.01 && t <= 3600))
                return usage_error("--timeout: '%s' is not a number of seconds from 0.01 to 3600", optarg);
            cfg.timeout_ms = (int)(t * 1000 + 0.5);
            break;
        }
        case OPT_RATE: {
            errno = 0;
            double r = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(r >= 0.001 && r <= 100000))
                return usage_error("--rate: '%s' is not a number of connections a second from 0.001 to 100000",
                                   optarg);
            cfg.rate = r;
            break;
        }
        case OPT_MAX_CONN: {
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1 || n > 1000000)
                return usage_error("--max-connections: '%s' is not a number from 1 to 1000000", optarg);
            cfg.max_connections = (unsigned)n;
            break;
        }
        case OPT_CA:
            ca = optarg;
            break;
        case OPT_PCAP:
            pcap_path = optarg;
            break;
        case OPT_FAIL_ON: {
            enum tsc_severity sv;
            if (tsc_severity_parse(optarg, &sv) != 0)
                return usage_error("--fail-on: '%s' is not one of info, low, medium, high", optarg);
            fail_on = (int)sv;
            break;
        }
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
                return usage_error("--color takes auto, always or never, not '%s'", optarg);
            color = optarg;
            break;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (nforms > 1)
        return usage_error("%s", "give one of --text, -v, --json, --summary");
    if (sni && no_sni)
        return usage_error("%s", "--sni and --no-sni together");
    if (optind != argc - 1)
        return usage_error("%s", optind >= argc ? "no HOST[:PORT] given" : "more than one HOST[:PORT] given");

    char target[512];
    snprintf(target, sizeof target, "%s", argv[optind]);
    char *host;
    long port;
    if (strlen(argv[optind]) >= sizeof target || split_target(target, &host, &port) != 0)
        return usage_error("'%s' is not HOST[:PORT] (a port is 1 to 65535; [ADDRESS]:PORT for IPv6)", argv[optind]);
    cfg.host = host;
    cfg.port = port > 0 ? (uint16_t)port : tsc_starttls_default_port(cfg.starttls);
    cfg.sni = no_sni ? NULL : sni ? sni : is_address(host) ? NULL : host;
    if (!quiet) {
        cfg.progress = on_progress;
        cfg.progress_ctx = NULL;
    }
    int use_color = strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);

    /* OpenSSL's context for the chain check, whose key log lets the
     * pipeline read that handshake's certificate in TLS 1.3 too */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        fprintf(stderr, "tlsscope: probe: out of memory\n");
        return TSC_EXIT_INPUT;
    }
    SSL_CTX_set_min_proto_version(ctx, 0);
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:@SECLEVEL=0"); /* a chain to check: no anonymous suites */
    if (ca) {
        if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
            char why[200];
            fprintf(stderr, "tlsscope: probe: %s: cannot load trust anchors: %s\n", ca,
                    tsc_peer_ssl_error(why, sizeof why));
            SSL_CTX_free(ctx);
            return TSC_EXIT_INPUT;
        }
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    cfg.ssl_ctx = ctx;

    struct tsc_probe_result *res = calloc(1, sizeof *res);
    struct collect k = {res};
    struct tsc_renderer rd = {&k, 0, NULL, on_emit, on_discard};
    struct tsc_analysis *an = res ? tsc_analysis_new(&rd) : NULL;
    struct tsc_cli_opts o;
    tsc_cli_opts_init(&o);
    const struct tsc_limits lim = o.lim;
    struct tsc_pipeline *pl = an ? tsc_cli_pipeline_new(&lim, tsc_analysis_sink(an), tsc_peer_decrypt_cfg(ctx)) : NULL;
    int rc = TSC_EXIT_INPUT;
    if (!pl) {
        fprintf(stderr, "tlsscope: probe: out of memory\n");
        goto out;
    }
    cfg.pl = pl;
    if (pcap_path) {
        cfg.pcap = tsc_pcap_writer_open(pcap_path);
        if (!cfg.pcap) {
            fprintf(stderr, "tlsscope: probe: %s: cannot write: %s\n", pcap_path, strerror(errno));
            goto out;
        }
    }
    int ran = tsc_probe_run(&cfg, res);
    tsc_pipeline_finish(pl);
    if (ran != 0)
        fprintf(stderr, "tlsscope: probe: %s\n", res->error);
    if (tsc_probe_render(stdout, form, use_color, &cfg, res) != 0) {
        fprintf(stderr, "tlsscope: probe: cannot write the report: %s\n", strerror(errno));
        goto out;
    }
    if (cfg.pcap) {
        int failed = cfg.pcap->failed;
        tsc_pcap_writer_close(cfg.pcap);
        cfg.pcap = NULL;
        if (failed) {
            fprintf(stderr, "tlsscope: probe: %s: writing failed\n", pcap_path);
            goto out;
        }
    }
    rc = ran == 0 ? TSC_EXIT_OK : TSC_EXIT_INPUT;
    if (rc == TSC_EXIT_OK && fail_on >= 0)
        for (size_t i = 0; i < res->n_findings; i++)
            if ((int)res->findings[i].rule->severity >= fail_on)
                rc = TSC_EXIT_FINDINGS;
out:
    if (cfg.pcap)
        tsc_pcap_writer_close(cfg.pcap);
    tsc_pipeline_free(pl);
    tsc_analysis_free(an);
    free(res);
    SSL_CTX_free(ctx);
    tsc_peer_keylog_close();
    return rc;
}
