/*
 * report.h - the renderers: each renders the events and finished connections
 * of the session layer in one format, with the facts the analysis step
 * computed for them (analysis/analysis.h). A renderer never parses bytes and
 * never computes a fact (a fingerprint, a suite's meaning, a key size, a
 * finding): it renders the decoded structs, the message facts and the
 * connection report it is handed, so every format shows the same facts.
 *
 * Formats are rows of one table (formats.c): name, command-line flag, help
 * line, constructor. Built in: text (the four phases, default), verbose (the
 * full tree of every field), json (JSON Lines, one object per connection;
 * docs/json.md), summary (one line per connection), walkthrough (the demo's
 * guided tour; no flag). Output goes to a FILE in large blocks.
 *
 * A new output format: its renderer in src/report/<name>.c (a constructor
 * that fills struct tsc_sink_impl's `render`), and one row in formats.c.
 */
#ifndef TSC_REPORT_REPORT_H
#define TSC_REPORT_REPORT_H

#include <stdio.h>

#include "core/buf.h"
#include "analysis/analysis.h"
#include "tls/session.h"

/* The built-in rows of the format table, by their index in it (formats.c);
 * a format is chosen by its index, so a new one needs no name here. */
enum tsc_format { TSC_FMT_TEXT, TSC_FMT_VERBOSE, TSC_FMT_JSON, TSC_FMT_SUMMARY, TSC_FMT_WALKTHROUGH };

struct tsc_sink_impl;

#define TSC_FORMAT_COLOR 0x1  /* renders ANSI colour when asked (--color) */
#define TSC_FORMAT_LOGS 0x2   /* writes several logs: into --output-dir DIR when given */
#define TSC_FORMAT_HIDDEN 0x4 /* not chosen on the command line (the demo's walkthrough) */

/* One output format: a row of the table in formats.c. */
struct tsc_format_row {
    const char *name;  /* "json" */
    const char *flag;  /* its own long option without "--": "json"; NULL: only --format NAME */
    char short_flag;   /* its one-letter form ('v'), or 0 */
    const char *help;  /* its text in --help */
    unsigned flags;    /* TSC_FORMAT_* */
    /* Fill s->render (ctx, need, event, emit, discard), and s->finish and
     * s->close when the format writes more than s->out; s->opts and s->out
     * are set. Returns 0, or -1 with the reason in s->error ("DIR/ssl.log:
     * Permission denied"). */
    int (*init)(struct tsc_sink_impl *s);
};
size_t tsc_formats_count(void);
/* The i-th row (enum tsc_format for the built-in ones), NULL past the end. */
const struct tsc_format_row *tsc_format_at(size_t i);

struct tsc_report_opts {
    enum tsc_format format; /* index in the format table */
    int color;      /* ANSI colour (text formats, only on a terminal) */
    int verbose;    /* text: list every suite and extension */
    size_t data_preview;    /* --data: bytes of each decrypted application record shown (0: none) */
    const char *export_dir; /* --export-streams: write each connection's plaintext here */
    const char *output_dir; /* --output-dir: where a TSC_FORMAT_LOGS format writes its logs */
};

struct tsc_report;

/* NULL with the reason in err (out of memory, or the format's own: a log it
 * could not create). */
struct tsc_report *tsc_report_new(const struct tsc_report_opts *opts, FILE *out, char *err, size_t errlen);
/* The sink to hand to the pipeline; valid as long as the report. */
const struct tsc_sink *tsc_report_sink(struct tsc_report *r);
/* The most severe finding reported so far (enum tsc_severity), or -1: the
 * analysis step's (--fail-on). */
int tsc_report_max_severity(const struct tsc_report *r);
/* The first error writing exported streams ("DIR/1-c2s.bin: No space left
 * on device"), or NULL. */
const char *tsc_report_export_error(const struct tsc_report *r);
/* Flush buffered output (and the format's own logs); returns 0, or -1 if
 * writing failed, with the reason from tsc_report_error. */
int tsc_report_flush(struct tsc_report *r);
/* The end of the output: flush, then the format's trailers (Zeek's #close)
 * and its own logs closed. Returns 0, or -1 with tsc_report_error. Once;
 * tsc_report_free does it (ignoring errors) when it was not done. */
int tsc_report_close(struct tsc_report *r);
/* Why writing failed ("DIR/x509.log: No space left on device"), or NULL. */
const char *tsc_report_error(const struct tsc_report *r);
void tsc_report_free(struct tsc_report *r);

/* ---- shared by the renderers (report/common.c) ---- */
/* "0xc011" */
void tsc_code_hex(uint16_t code, char out[7]);
/* "192.168.1.2" or "2001:db8::1" */
void tsc_endpoint_ip(const struct tsc_endpoint *e, char *out, size_t n);
const char *tsc_alert_level_name(uint8_t level);   /* "warning" / "fatal" / NULL */
const char *tsc_alert_desc_snake(uint8_t desc);    /* "handshake_failure" / NULL */
const char *tsc_ext_name(uint16_t type);           /* registry name or NULL */
/* Which registry names the values of a u16/u8 list extension. */
int tsc_ext_list_registry(uint16_t type);          /* enum tsc_reg, or -1 for plain numbers */
const char *tsc_ext_list_key(uint16_t type);       /* JSON key for its values: "groups", ... */

/* --data: a preview of decrypted application data, at most max bytes:
 * printable text (escaped as the format needs) or hex. */
int tsc_data_is_text(const uint8_t *p, size_t n);

/* A ClientHello as the JSON object of docs/json.md (the server's /json
 * page), with its facts (tsc_analysis_client_hello with TSC_NEED_FP_TEXT). */
void tsc_json_client_hello(struct tsc_buf *b, const struct tsc_client_hello *ch, const struct tsc_msg_facts *f);

/* What a peer (tlsscope client) made of the server's certificate: OpenSSL's
 * verification against its trust store and the name, which no capture
 * shows. Rendered with the connection whose client endpoint it names (text:
 * a line before the findings; JSON: "peer_verify", docs/json.md). Set from
 * the thread that runs the pipeline, before the connection is reported. */
#define TSC_REPORT_PEER_VERDICTS 8
struct tsc_peer_verdict {
    struct tsc_endpoint client;
    int verified;     /* chain and name verified */
    int insecure;     /* -k: a failure was not fatal */
    char reason[160]; /* OpenSSL's reason when not verified */
};
/* Kept for the connection of v->client (the first TSC_REPORT_PEER_VERDICTS). */
void tsc_report_peer_verdict(struct tsc_report *r, const struct tsc_peer_verdict *v);

/* What a format's constructor fills, and what every renderer shares. */
struct tsc_sink_impl {
    struct tsc_renderer render;
    FILE *out;         /* NULL: the output stays in ob for its owner (libtlsscope takes
                        * each connection's JSON from there) */
    struct tsc_buf ob; /* output block */
    struct tsc_report_opts opts;
    int write_error;
    char error[256]; /* the format's reason for failing: init, finish */
    /* A format with logs of its own: flush writes out what it buffered, close
     * writes its trailers, closes its files and frees what init took (also
     * after a failed init); each 0, or -1 with s->error. NULL: nothing. */
    int (*flush)(struct tsc_sink_impl *s);
    int (*close)(struct tsc_sink_impl *s);
    int closed;
    struct tsc_peer_verdict verdicts[TSC_REPORT_PEER_VERDICTS];
    size_t n_verdicts;
};
/* The peer's verdict on the connection of this client endpoint, or NULL. */
const struct tsc_peer_verdict *tsc_sink_peer_verdict(const struct tsc_sink_impl *s, const struct tsc_endpoint *client);
void tsc_report_out_flush(struct tsc_sink_impl *s, int force);

#endif
