/*
 * report.h - the sinks: each renders the events and finished connections of
 * the session layer in one format. A sink never parses bytes: it renders the
 * decoded structs it is handed.
 *
 * Formats: text (the four phases, default), verbose (the full tree of every
 * field), json (JSON Lines, one object per connection; docs/json.md), summary
 * (one line per connection). Output goes to a FILE in large blocks.
 */
#ifndef TSC_REPORT_REPORT_H
#define TSC_REPORT_REPORT_H

#include <stdio.h>

#include "core/buf.h"
#include "analysis/findings.h"
#include "tls/session.h"

enum tsc_format { TSC_FMT_TEXT, TSC_FMT_VERBOSE, TSC_FMT_JSON, TSC_FMT_SUMMARY, TSC_FMT_WALKTHROUGH };

struct tsc_report_opts {
    enum tsc_format format;
    int color;      /* ANSI colour (text formats, only on a terminal) */
    int verbose;    /* text: list every suite and extension */
    size_t data_preview;    /* --data: bytes of each decrypted application record shown (0: none) */
    const char *export_dir; /* --export-streams: write each connection's plaintext here */
};

struct tsc_report;

struct tsc_report *tsc_report_new(const struct tsc_report_opts *opts, FILE *out);
/* The sink to hand to the pipeline; valid as long as the report. */
const struct tsc_sink *tsc_report_sink(struct tsc_report *r);
/* The most severe finding reported so far (enum tsc_severity), or -1. */
int tsc_report_max_severity(const struct tsc_report *r);
/* The first error writing exported streams ("DIR/1-c2s.bin: No space left
 * on device"), or NULL. */
const char *tsc_report_export_error(const struct tsc_report *r);
/* Flush buffered output; returns 0, or -1 if writing failed. */
int tsc_report_flush(struct tsc_report *r);
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

/* A ClientHello as the JSON object of docs/json.md (the server's /json page). */
void tsc_json_client_hello(struct tsc_buf *b, const struct tsc_client_hello *ch);

/* Per-format sink constructors (one file each). */
struct tsc_sink_impl {
    struct tsc_sink sink;
    FILE *out;
    struct tsc_buf ob; /* output block */
    struct tsc_report_opts opts;
    int write_error;
    int max_severity; /* most severe finding emitted, -1 none */
};
/* Evaluate the findings of a finished connection (most severe first) and
 * note the most severe for --fail-on; returns how many (at most max). */
size_t tsc_report_findings(struct tsc_sink_impl *s, const struct tsc_conn *c, struct tsc_finding *out, size_t max);
void tsc_report_out_flush(struct tsc_sink_impl *s, int force);
void tsc_json_sink_init(struct tsc_sink_impl *s);
void tsc_text_sink_init(struct tsc_sink_impl *s);
void tsc_summary_sink_init(struct tsc_sink_impl *s);
void tsc_walkthrough_sink_init(struct tsc_sink_impl *s);

#endif
