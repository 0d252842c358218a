/*
 * common.h - what `read` and `capture` share: output and limit options,
 * their help text, and the statistics line.
 */
#ifndef TSC_CLI_COMMON_H
#define TSC_CLI_COMMON_H

#include <getopt.h>
#include <stdio.h>

#include "capture/pipeline.h"
#include "report/report.h"
#include "report/tee.h"
#include "tls/flow_tls.h"

#define TSC_CLI_MAX_RSA_KEYS 16

/* --keylog, --rsa-key, --data, --export-streams (read and capture). */
struct tsc_cli_decrypt {
    const char *keylog_path;
    const char *rsa_paths[TSC_CLI_MAX_RSA_KEYS];
    int n_rsa;
    struct tsc_keylog *keylog;
    struct tsc_rsa_keys *rsa;
    struct tsc_decrypt_cfg cfg;
    int active; /* keys were given */
};

struct tsc_cli_opts {
    struct tsc_report_opts ro;
    struct tsc_cli_decrypt dec;
    struct tsc_limits lim;
    const char *color;
    int quiet;
    int nformats;
    int progress; /* -1 auto, 0 off, 1 on */
    int fail_on;  /* exit 3 when a finding at or above this severity is reported; -1 off */
    /* --html FILE: a second report, the HTML page, beside the chosen format
     * (report/tee.h hands it the same events) */
    const char *html_path;
    FILE *html_file;
    struct tsc_report *html;
    struct tsc_tee *tee;
};

enum {
    TSC_OPT_COLOR = 256,
    TSC_OPT_MAX_FLOWS,
    TSC_OPT_FLOW_BUFFER,
    TSC_OPT_MAX_MEMORY,
    TSC_OPT_IDLE_TIMEOUT,
    TSC_OPT_PROGRESS,
    TSC_OPT_NO_PROGRESS,
    TSC_OPT_FAIL_ON,
    TSC_OPT_KEYLOG,
    TSC_OPT_RSA_KEY,
    TSC_OPT_DATA,
    TSC_OPT_EXPORT_STREAMS,
    TSC_OPT_FORMAT_NAME,
    TSC_OPT_OUTPUT_DIR,
    TSC_OPT_HTML,
    TSC_OPT_FIRST_OWN = 300, /* subcommands number their own options from here */
    TSC_OPT_FORMAT = 1000,   /* + the row of the format table (report.h) */
};

/* The output formats' options (--text, -v/--verbose, --json, --summary) are
 * not here: they come from the format table, through tsc_cli_getopt_init.
 * Every option a table accepts is documented in the command's --help, its
 * man page (docs/man/) and the README (tests/e2e/options_documented.py). */
#define TSC_CLI_COMMON_LONGOPTS                                               \
    {"color", required_argument, NULL, TSC_OPT_COLOR},                        \
        {"colour", required_argument, NULL, TSC_OPT_COLOR},                   \
        {"max-flows", required_argument, NULL, TSC_OPT_MAX_FLOWS},            \
        {"flow-buffer", required_argument, NULL, TSC_OPT_FLOW_BUFFER},        \
        {"max-memory", required_argument, NULL, TSC_OPT_MAX_MEMORY},          \
        {"idle-timeout", required_argument, NULL, TSC_OPT_IDLE_TIMEOUT},      \
        {"fail-on", required_argument, NULL, TSC_OPT_FAIL_ON},                \
        {"format", required_argument, NULL, TSC_OPT_FORMAT_NAME},             \
        {"output-dir", required_argument, NULL, TSC_OPT_OUTPUT_DIR},          \
        {"html", required_argument, NULL, TSC_OPT_HTML},                      \
        {"quiet", no_argument, NULL, 'q'},                                    \
        {"help", no_argument, NULL, 'h'}

/* read and capture: the peers have a --keylog of their own (they write it) */
#define TSC_CLI_DECRYPT_LONGOPTS                                              \
    {"keylog", required_argument, NULL, TSC_OPT_KEYLOG},                      \
        {"rsa-key", required_argument, NULL, TSC_OPT_RSA_KEY},                \
        {"data", optional_argument, NULL, TSC_OPT_DATA},                      \
        {"export-streams", required_argument, NULL, TSC_OPT_EXPORT_STREAMS}

/* The report in the chosen format on stdout (its logs in --output-dir),
 * and with --html FILE the HTML report into FILE; NULL after saying why on
 * stderr. */
struct tsc_report *tsc_cli_report_new(struct tsc_cli_opts *o);
/* Flush (or, close 1, close) the report; the first failure is said on
 * stderr ("tlsscope: DIR/ssl.log: No space left on device") and *said set,
 * so a long-running command says it once. 0, or -1 when writing failed. */
int tsc_cli_report_write(struct tsc_report *r, int close, int *said);
/* The sink to hand to the pipeline: the report's, or with --html a tee to
 * both reports. */
const struct tsc_sink *tsc_cli_report_sink(struct tsc_cli_opts *o, struct tsc_report *r);
/* A peer's verdict for the report and the HTML report (tsc_report_peer_verdict). */
void tsc_cli_peer_verdict(struct tsc_report *r, struct tsc_report *html, const struct tsc_peer_verdict *v);
/* --html: finish the page (after the pipeline finished), close FILE and say
 * on stderr where it is (unless quiet); 0, or -1 after saying why writing
 * failed. Nothing without --html; safe to call twice. */
int tsc_cli_html_close(struct tsc_cli_opts *o);
/* --html: free what is left (an early exit); after tsc_cli_html_close too. */
void tsc_cli_html_free(struct tsc_cli_opts *o);
/* Open a standalone HTML report into `path` (the demo's demo.html) with
 * these options; NULL after saying why on stderr. */
struct tsc_report *tsc_cli_html_open(const struct tsc_report_opts *ro, const char *path, FILE **file);

/* The common options' help, the output formats first (from their table). */
const char *tsc_cli_common_help(void);
extern const char tsc_cli_decrypt_help[];

/* getopt_long's tables for a subcommand: the output formats' options (long
 * and short, from the format table) and the subcommand's own, `own`
 * (terminated by a zero row; TSC_CLI_COMMON_LONGOPTS among them) and
 * `own_short`. Returns 0, or -1 when they do not fit (a programming error). */
#define TSC_CLI_MAX_OPTS 64
struct tsc_cli_getopt {
    struct option longopts[TSC_CLI_MAX_OPTS];
    char shortopts[64];
};
int tsc_cli_getopt_init(struct tsc_cli_getopt *g, const struct option *own, const char *own_short);

void tsc_cli_opts_init(struct tsc_cli_opts *o);
/* 1: handled; 0: not a common option; -1: bad value (message printed). */
int tsc_cli_common_opt(struct tsc_cli_opts *o, int ch, const char *arg);
/* Check the combination and settle colour; -1 on a usage error. */
int tsc_cli_opts_finish(struct tsc_cli_opts *o);
/* Load the key log and RSA keys named by the options; 0 on success, else a
 * one-line error naming the file was printed. Warnings (malformed key log
 * lines) go to stderr unless quiet. */
int tsc_cli_decrypt_load(struct tsc_cli_opts *o, int live);
/* A pipeline whose connections go to the TLS layer and `sink`, decrypted
 * with `dec` (NULL: no keys); NULL when out of memory. */
struct tsc_pipeline *tsc_cli_pipeline_new(const struct tsc_limits *lim, const struct tsc_sink *sink,
                                          const struct tsc_decrypt_cfg *dec);
void tsc_cli_decrypt_free(struct tsc_cli_opts *o);
/* "tlsscope: WHAT: N packets, ..." on stderr. */
void tsc_cli_print_stats(const char *what, const struct tsc_pipeline_stats *st);
/* --pcapng of client, server and demo: close the file (w may be NULL) and
 * say on stderr what the reader should know (a write error, secrets that
 * could not go before their packets). 0, or -1 when writing failed. */
struct tsc_pcapng_writer;
int tsc_cli_pcapng_close(const char *path, struct tsc_pcapng_writer *w);
/* Parse a size like 1048576, 512K, 1M, 1G; 0 on success. */
int tsc_parse_size(const char *s, size_t *out);

#endif
