/*
 * analysis.h - the analysis step between the session layer and the
 * renderers: what tlsscope concludes from the decoded messages, computed once
 * per message and once per connection, handed to a renderer that only
 * renders.
 *
 *   session --event--> analysis --event + msg facts------> renderer
 *           --emit---> analysis --conn + conn report----->
 *
 * Contract
 *   The analysis is the struct tsc_sink handed to the pipeline
 *   (tsc_analysis_sink). It wraps one renderer (struct tsc_renderer) and
 *   calls it for every event and every finished connection, in the order
 *   the session layer gave them.
 *
 *   Per handshake event it fills a struct tsc_msg_facts with what renderers
 *   show of that message: the fingerprints of a hello (JA3 string, MD5 and
 *   status; JA4 and JA4_r; JA3S), the meaning of the suite a ServerHello
 *   selects, and the key sizes of a ServerKeyExchange (in bits, leading zero
 *   bits excluded). Only what the renderer asked for in `need` (TSC_NEED_*)
 *   is computed, and `have` says what was. The facts live on the analysis's
 *   stack: valid during the renderer's event call only.
 *
 *   Per connection, when it is released (emit), it fills a struct
 *   tsc_conn_report: the connection's fingerprints (those of its first
 *   hellos), the selected suite's meaning, the DH prime size, and its
 *   findings (analysis/findings.h, most severe first), and it remembers the
 *   most severe finding of the run (tsc_analysis_max_severity, which is what
 *   --fail-on reads). Findings are judged whatever the renderer shows.
 *
 *   Per-connection storage: the analysis owns conn->sink_data. A renderer
 *   keeps its own per-connection data in the slot it is handed (`*data`,
 *   NULL at first); it must free it and set it to NULL in emit and discard.
 *
 *   Threads: `event` may run on several threads at once (read -j), for
 *   different connections; emit and discard run on one thread at a time, in
 *   order of first packet (the session layer's contract). The analysis
 *   keeps no per-event state outside the connection.
 *
 * Memory: one allocation per connection (its running facts, about 150
 * bytes), freed at emit or discard; nothing per event.
 */
#ifndef TSC_ANALYSIS_ANALYSIS_H
#define TSC_ANALYSIS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/findings.h"
#include "analysis/fingerprint.h"
#include "registry/suite.h"
#include "tls/msg.h"
#include "tls/session.h"

/* What a renderer shows, so what the analysis computes for it. */
#define TSC_NEED_FP 0x1         /* JA3/JA4 of each ClientHello, JA3S of each ServerHello and HRR: hashes */
#define TSC_NEED_JA3_TEXT 0x2   /* and the JA3 string of each ClientHello */
#define TSC_NEED_FP_TEXT 0x4    /* and every text they hash: ja3 string, ja4_r, ja3s string */
#define TSC_NEED_SUITE 0x8      /* the meaning of the suite each ServerHello selects */
#define TSC_NEED_SUITE_TEXT 0x10 /* the report's suite_encryption and suite_mac */

/* What `have` says a struct tsc_msg_facts holds. */
#define TSC_HAVE_CH_FP 0x1 /* ch: a ClientHello's fingerprints */
#define TSC_HAVE_SH_FP 0x2 /* sh: a ServerHello's (or HelloRetryRequest's) JA3S */
#define TSC_HAVE_SUITE 0x4 /* suite, suite_meaning: a ServerHello's selected suite */
#define TSC_HAVE_KEY 0x8   /* dh_bits / rsa_bits / srp_bits: a ServerKeyExchange */

/*
 * The facts of one handshake message: computed for a message that decoded
 * (or a hello that decoded part way, ev->partial: then of what it holds;
 * whether to show them is the renderer's choice).
 */
struct tsc_msg_facts {
    unsigned have;              /* TSC_HAVE_*: which members below are filled */
    /* ClientHello (TSC_HAVE_CH_FP): the fingerprints and their TSC_FP_*
     * status bits; ja3 is "" without TSC_NEED_JA3_TEXT or TSC_NEED_FP_TEXT,
     * ja4_r "" without TSC_NEED_FP_TEXT. ja3_usable / ja4_usable: the value
     * is the hello's true fingerprint (tsc_fp_usable), to be shown as a
     * value, else as absent. */
    struct tsc_fp_client ch;
    uint8_t ja3_usable, ja4_usable;
    /* ServerHello or HelloRetryRequest (TSC_HAVE_SH_FP): likewise; ja3s ""
     * without TSC_NEED_FP_TEXT. */
    struct tsc_fp_server sh;
    uint8_t ja3s_usable;
    /* ServerHello (TSC_HAVE_SUITE): the selected suite, described
     * (suite.code is the code; suite.name NULL when unknown), and its
     * meaning in one line (tsc_suite_meaning). */
    struct tsc_suite_info suite;
    char suite_meaning[256];
    /* ServerKeyExchange (TSC_HAVE_KEY): sizes in bits of the DHE prime
     * (DHE, DHE_PSK), the temporary RSA modulus (export RSA) and the SRP
     * group's N; 0 when the message has none. */
    uint32_t dh_bits, rsa_bits, srp_bits;
};

#define TSC_REPORT_MAX_FINDINGS 64

/* What the analysis concluded about one finished connection. */
struct tsc_conn_report {
    /* The connection's fingerprints: the JA3 MD5 and JA4 of the first
     * ClientHello that decoded and whose JA3 could be computed, the JA3S of
     * the first ServerHello (not HRR) that decoded likewise; "" when none.
     * Filled only when the renderer needs TSC_NEED_FP. */
    char ja3[TSC_FP_MD5_HEX];
    char ja4[TSC_FP_JA4_SIZE];
    char ja3s[TSC_FP_MD5_HEX];
    /* The selected suite (conn->suite) when conn->have_suite: described,
     * with suite_known the result of tsc_suite_describe (0: not in the
     * registry, then name NULL and the fields "unknown"), and, when the
     * renderer needs TSC_NEED_SUITE_TEXT, its encryption and MAC in words
     * (tsc_suite_encryption_text, _mac_text; else ""). */
    uint8_t have_suite;
    uint8_t suite_known;
    struct tsc_suite_info suite;
    char suite_encryption[64];
    char suite_mac[64];
    /* The DHE prime size in bits of the last DHE ServerKeyExchange that
     * decoded, leading zero bits excluded; 0 when none. */
    uint32_t dh_bits;
    /* Findings, most severe first (tsc_findings_eval); n_findings at most
     * TSC_REPORT_MAX_FINDINGS. */
    size_t n_findings;
    struct tsc_finding findings[TSC_REPORT_MAX_FINDINGS];
};

/* A renderer: renders events with their facts and connections with their
 * report, never computes them. `data` is its per-connection slot. */
struct tsc_renderer {
    void *ctx;
    unsigned need; /* TSC_NEED_* */
    void (*event)(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *facts, void **data);
    /* The connection is released as `ordinal` (TLS connections from 1): render
     * it and free *data. */
    void (*emit)(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                 uint64_t ordinal);
    /* Dropped without output (not TLS): free *data. */
    void (*discard)(void *ctx, const struct tsc_conn *c, void **data);
};

struct tsc_analysis;

/* An analysis step in front of `r` (copied); NULL when out of memory. */
struct tsc_analysis *tsc_analysis_new(const struct tsc_renderer *r);
/* The sink to hand to the pipeline; valid as long as the analysis. */
const struct tsc_sink *tsc_analysis_sink(struct tsc_analysis *a);
/* The most severe finding of the connections emitted so far (enum
 * tsc_severity), or -1 when none. */
int tsc_analysis_max_severity(const struct tsc_analysis *a);
void tsc_analysis_free(struct tsc_analysis *a);

/* ---- the same computations, for callers outside a pipeline (the server's
 * /json page, tests) ---- */

/* The facts of a decoded handshake message (as for an event). */
void tsc_analysis_message(const struct tsc_hs_msg *m, unsigned need, struct tsc_msg_facts *out);
/* The facts of a ClientHello alone (TSC_HAVE_CH_FP). */
void tsc_analysis_client_hello(const struct tsc_client_hello *ch, unsigned need, struct tsc_msg_facts *out);
/* The size in bits of a big-endian unsigned integer, leading zero bits
 * excluded (0 for zero or empty). */
uint32_t tsc_analysis_bits(struct tsc_view v);
/* Start a connection's report from the connection alone: the selected
 * suite (its words with TSC_NEED_SUITE_TEXT in `need`); fingerprints "",
 * dh_bits 0, no findings. The analysis then adds what it saw in the events
 * and the findings. */
void tsc_conn_report_init(struct tsc_conn_report *r, const struct tsc_conn *c, unsigned need);

#endif
