/*
 * cmd_read.c - tlsscope read: capture files to reports.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pipeline.h"
#include "capture/source.h"
#include "cli/cli.h"
#include "report/report.h"

static void read_usage(FILE *f)
{
    fputs("usage: tlsscope read [OPTIONS] FILE...\n"
          "\n"
          "Decode every TLS/SSL connection in pcap or pcapng files: the handshake in\n"
          "four phases (hello; server authentication; key exchange and the switch to\n"
          "encryption; finish), with every code point named.\n"
          "\n"
          "output (one of):\n"
          "      --text            the four phases per connection (default)\n"
          "  -v, --verbose         the full tree: every suite, extension and field\n"
          "      --json            JSON Lines, one object per connection (docs/json.md)\n"
          "      --summary         one line per connection\n"
          "options:\n"
          "      --color WHEN      auto (default: only on a terminal), always, never\n"
          "      --max-flows N     flows tracked at once (default 262144); the least\n"
          "                        recently active is evicted, and reported, beyond it\n"
          "      --flow-buffer N   bytes buffered per flow (default 1M; K, M, G suffixes)\n"
          "  -q, --quiet           no statistics line on stderr\n"
          "  -h, --help            this text\n"
          "\n"
          "exit status: 0 every file was read, 1 a file could not be read (each named\n"
          "on stderr as 'tlsscope: FILE: reason'), 2 usage error.\n",
          f);
}

int tsc_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
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

enum { OPT_TEXT = 256, OPT_JSON, OPT_SUMMARY, OPT_COLOR, OPT_MAX_FLOWS, OPT_FLOW_BUFFER };

int tsc_cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        {"text", no_argument, NULL, OPT_TEXT},
        {"verbose", no_argument, NULL, 'v'},
        {"json", no_argument, NULL, OPT_JSON},
        {"summary", no_argument, NULL, OPT_SUMMARY},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"flow-buffer", required_argument, NULL, OPT_FLOW_BUFFER},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tsc_report_opts ro = {TSC_FMT_TEXT, 0, 0};
    struct tsc_limits lim = {TSC_DEFAULT_FLOW_BUF_MAX, TSC_DEFAULT_MAX_FLOWS};
    const char *color = "auto";
    int quiet = 0, nformats = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
        size_t v;
        switch (ch) {
        case OPT_TEXT: ro.format = TSC_FMT_TEXT; nformats++; break;
        case 'v': ro.format = TSC_FMT_VERBOSE; ro.verbose = 1; nformats++; break;
        case OPT_JSON: ro.format = TSC_FMT_JSON; nformats++; break;
        case OPT_SUMMARY: ro.format = TSC_FMT_SUMMARY; nformats++; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                fprintf(stderr, "tlsscope: --color takes auto, always or never, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            color = optarg;
            break;
        case OPT_MAX_FLOWS:
            if (tsc_parse_size(optarg, &v) || v == 0) {
                fprintf(stderr, "tlsscope: --max-flows takes a positive number, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            lim.max_flows = v;
            break;
        case OPT_FLOW_BUFFER:
            if (tsc_parse_size(optarg, &v) || v < 4096) {
                fprintf(stderr, "tlsscope: --flow-buffer takes a size of at least 4096 bytes, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            lim.flow_buf_max = v;
            break;
        case 'q': quiet = 1; break;
        case 'h': read_usage(stdout); return TSC_EXIT_OK;
        default: read_usage(stderr); return TSC_EXIT_USAGE;
        }
    }
    if (nformats > 1) {
        fprintf(stderr, "tlsscope: choose one of --text, -v, --json, --summary\n");
        return TSC_EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "tlsscope: read needs at least one capture file\n");
        read_usage(stderr);
        return TSC_EXIT_USAGE;
    }
    ro.color = strcmp(color, "always") == 0 ||
               (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) && ro.format != TSC_FMT_JSON &&
                getenv("NO_COLOR") == NULL);
    if (ro.format == TSC_FMT_JSON)
        ro.color = 0;

    struct tsc_report *rep = tsc_report_new(&ro, stdout);
    if (!rep) {
        fprintf(stderr, "tlsscope: out of memory\n");
        return TSC_EXIT_INPUT;
    }
    int status = TSC_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        struct tsc_pipeline *pl = tsc_pipeline_new(&lim, tsc_report_sink(rep));
        if (!pl) {
            fprintf(stderr, "tlsscope: %s: out of memory\n", path);
            status = TSC_EXIT_INPUT;
            break;
        }
        struct tsc_source_result res;
        tsc_source_read_file(path, pl, &res);
        tsc_pipeline_finish(pl);
        if (tsc_report_flush(rep) != 0) {
            fprintf(stderr, "tlsscope: writing the report failed: %s\n", strerror(errno));
            tsc_pipeline_free(pl);
            status = TSC_EXIT_INPUT;
            break;
        }
        const struct tsc_pipeline_stats *st = tsc_pipeline_stats(pl);
        if (!res.ok) {
            fprintf(stderr, "tlsscope: %s: %s\n", path, res.error);
            status = TSC_EXIT_INPUT;
        } else {
            if (res.error[0])
                fprintf(stderr, "tlsscope: %s: warning: %s\n", path, res.error);
            if (!quiet) {
                char extra[256] = "";
                size_t n = 0;
                if (st->evictions)
                    n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu flows evicted (flow table full)",
                                          (unsigned long long)st->evictions);
                if (st->fragments && n < sizeof extra)
                    n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu IP fragments not reassembled",
                                          (unsigned long long)st->fragments);
                if (st->truncated && n < sizeof extra)
                    snprintf(extra + n, sizeof extra - n, ", %llu packets cut before their TCP payload",
                             (unsigned long long)st->truncated);
                fprintf(stderr, "tlsscope: %s: %llu packets, %llu TCP flows, %llu TLS connections%s\n", path,
                        (unsigned long long)st->packets, (unsigned long long)st->flows,
                        (unsigned long long)st->tls_connections, extra);
            }
        }
        tsc_pipeline_free(pl);
    }
    tsc_report_free(rep);
    return status;
}
