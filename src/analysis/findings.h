/*
 * findings.h - security findings: a table of rules judged on a finished
 * connection (weak versions and suites, missing protections, certificate
 * problems, fatal alerts).
 *
 * Contract
 *   The rules are one static table (findings.c). Each rule has a stable
 *   kebab-case id ("tls10-negotiated"): ids are a contract with users (they
 *   appear in JSON, in `tlsscope rules` and in --fail-on scripts) and change
 *   only on purpose, with a note in docs/findings.md. Rules may be added.
 *   tsc_rule_at(i) for i < tsc_rules_count() walks the table in its order
 *   (most severe first); every pointer returned is static.
 *
 *   tsc_findings_eval(c, rep, now_epoch, out, max) judges every rule on the
 *   connection `c` and what the analysis concluded about it, `rep`
 *   (analysis/analysis.h: the selected suite's meaning, the DH prime size;
 *   rules judge those facts, they do not compute them again), and writes
 *   the findings that fired to out[0..max), most severe first and, within
 *   a severity, in table order. It returns how many fired, which may exceed
 *   `max` (then only the first `max` were written; out may be NULL when max
 *   is 0). Each rule fires at most once per connection. The function reads
 *   only the fields of struct tsc_conn that sinks may read and those of
 *   `rep` other than its findings; it allocates nothing and never fails. A
 *   finding's `detail` is always NUL-terminated printable ASCII (bytes from
 *   the wire such as the SNI or a certificate name are written as \xHH), cut
 *   with "..." when it does not fit; it may be empty.
 *
 *   Time: certificates are judged at `now_epoch` (seconds since the epoch).
 *   Callers pass the connection's start, c->start_us / 1000000, never the wall
 *   clock, so that a report of an old capture is the same every time it is
 *   made: a certificate that was valid when the capture was taken is not
 *   reported as expired years later. A time before 1995-01-01 is taken for
 *   no time at all (synthetic captures start at the epoch): validity dates
 *   are then not judged.
 *
 *   What cannot be seen is not judged: certificate rules need the server's
 *   certificates in the clear (TLS 1.3 without keys and resumed handshakes
 *   show none), rules about the negotiated parameters need a ServerHello,
 *   and encrypted alerts are not judged.
 */
#ifndef TSC_ANALYSIS_FINDINGS_H
#define TSC_ANALYSIS_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "tls/session.h"

enum tsc_severity { TSC_SEV_INFO, TSC_SEV_LOW, TSC_SEV_MEDIUM, TSC_SEV_HIGH };

/* What a rule judges: what the server chose or holds (its version, suite,
 * certificate; what a probe asks about), what the client offered, or the
 * connection as a whole (an alert either side sent). */
enum tsc_rule_scope { TSC_SCOPE_SERVER, TSC_SCOPE_CLIENT, TSC_SCOPE_CONNECTION };

struct tsc_rule {
    const char *id;          /* stable, kebab-case: "tls10-negotiated" */
    enum tsc_severity severity;
    const char *title;       /* one line */
    const char *explanation; /* 1-3 sentences */
    const char *reference;   /* RFC or advisory: "RFC 8996", "CVE-2014-0160" */
    enum tsc_rule_scope scope;
};

#define TSC_FINDING_DETAIL 160
struct tsc_finding {
    const struct tsc_rule *rule;
    char detail[TSC_FINDING_DETAIL]; /* "RSA 1024 bits", "lifetime 864000 s" */
};

/* Number of rules, and the i-th (NULL when i >= tsc_rules_count()). */
size_t tsc_rules_count(void);
const struct tsc_rule *tsc_rule_at(size_t i);
/* The rule with this id (exact, case-sensitive), or NULL. */
const struct tsc_rule *tsc_rule_find(const char *id);

/* "info", "low", "medium", "high"; "unknown" for a value outside the enum. */
const char *tsc_severity_name(enum tsc_severity sev);
/* Parse a severity name (case-insensitive, exactly one of the four names).
 * Returns 0 and sets *out, or -1 (and leaves *out alone) for anything else. */
int tsc_severity_parse(const char *s, enum tsc_severity *out);

struct tsc_conn_report;

/* Judge every rule on a finished connection and its report (see the
 * contract above); 0 when c or rep is NULL. */
size_t tsc_findings_eval(const struct tsc_conn *c, const struct tsc_conn_report *rep, int64_t now_epoch,
                         struct tsc_finding *out, size_t max);

/*
 * What only a probe of the server (tlsscope probe) can know, judged by the
 * rules of the same table that need it (cert-untrusted,
 * fallback-scsv-ignored, server-follows-client-order). Each field is -1 when
 * it could not be asked. tsc_findings_eval_server writes what fired as
 * tsc_findings_eval does (same order, same return value); the connection
 * rules are not judged here (a probe judges each of its connections with
 * tsc_findings_eval).
 */
struct tsc_server_profile {
    int chain_verified;        /* the chain verified against the trust anchors */
    const char *verify_error;  /* why not (may be NULL) */
    int fallback_scsv_honoured;/* an inappropriate_fallback alert to a downgraded hello with the SCSV */
    uint16_t fallback_version; /* the version that hello asked for */
    int follows_client_order;  /* picks the client's first acceptable suite */
    uint16_t order_version;    /* the version asked */
};
size_t tsc_findings_eval_server(const struct tsc_server_profile *p, struct tsc_finding *out, size_t max);

#endif
