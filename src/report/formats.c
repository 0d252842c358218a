/*
 * formats.c - the output formats: one row each (report.h). Report
 * construction (tsc_report_new) and the command line (its options, their
 * help, the "choose one of" message) both read this table, so a new format
 * is its renderer's file and one row here.
 *
 * The order is that of enum tsc_format for the built-in rows, and the order
 * of the options in --help. Every row not TSC_FORMAT_HIDDEN is chosen by
 * --format NAME; a row with a flag also by that flag.
 */
#include "report/report.h"

/* The constructors, one file each. */
int tsc_text_sink_init(struct tsc_sink_impl *s);
int tsc_verbose_sink_init(struct tsc_sink_impl *s);
int tsc_json_sink_init(struct tsc_sink_impl *s);
int tsc_summary_sink_init(struct tsc_sink_impl *s);
int tsc_walkthrough_sink_init(struct tsc_sink_impl *s);
int tsc_zeek_sink_init(struct tsc_sink_impl *s);
int tsc_zeek_json_sink_init(struct tsc_sink_impl *s);
int tsc_ecs_sink_init(struct tsc_sink_impl *s);
int tsc_eve_sink_init(struct tsc_sink_impl *s);
int tsc_html_sink_init(struct tsc_sink_impl *s);

static const struct tsc_format_row formats[] = {
    [TSC_FMT_TEXT] = {"text", "text", 0, "the four phases per connection (default)", TSC_FORMAT_COLOR,
                      tsc_text_sink_init},
    [TSC_FMT_VERBOSE] = {"verbose", "verbose", 'v', "the full tree: every suite, extension and field",
                         TSC_FORMAT_COLOR, tsc_verbose_sink_init},
    [TSC_FMT_JSON] = {"json", "json", 0, "JSON Lines, one object per connection (docs/json.md)", 0,
                      tsc_json_sink_init},
    [TSC_FMT_SUMMARY] = {"summary", "summary", 0, "one line per connection", 0, tsc_summary_sink_init},
    [TSC_FMT_WALKTHROUGH] = {"walkthrough", NULL, 0, "the demo's guided tour of a handshake", TSC_FORMAT_HIDDEN,
                             tsc_walkthrough_sink_init},
    {"zeek", NULL, 0, "Zeek's ssl, x509 and notice logs (docs/zeek.md)", TSC_FORMAT_LOGS, tsc_zeek_sink_init},
    {"zeek-json", NULL, 0, "the same logs in Zeek's JSON form (docs/zeek.md)", TSC_FORMAT_LOGS,
     tsc_zeek_json_sink_init},
    {"ecs", NULL, 0, "Elastic Common Schema 8.17 documents (docs/ecs.md)", 0, tsc_ecs_sink_init},
    {"eve", NULL, 0, "Suricata EVE JSON: tls events, alerts (docs/eve.md)", 0, tsc_eve_sink_init},
    {"html", NULL, 0, "one HTML page: ladder diagrams (docs/html.md)", 0, tsc_html_sink_init},
};

#define N_FORMATS (sizeof formats / sizeof formats[0])

size_t tsc_formats_count(void) { return N_FORMATS; }

const struct tsc_format_row *tsc_format_at(size_t i) { return i < N_FORMATS ? &formats[i] : NULL; }
