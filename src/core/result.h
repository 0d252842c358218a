/*
 * result.h - the one result type of tlsscope, and its macro family.
 *
 * Every fallible function returns a tsc_result by value. kind == TSC_OK means
 * success; anything else names what went wrong:
 *   TSC_TRUNCATED  the bytes ended before the structure did (a capture cut by
 *                  its snaplen, a message still arriving): not the peer's fault
 *   TSC_MALFORMED  lengths or values contradict each other; `alert` is the TLS
 *                  alert a real peer would send (decode_error, illegal_parameter)
 *   TSC_LIMIT      a configured cap was reached (buffer, flow count, list size)
 *   TSC_OPENSSL    OpenSSL refused (certificate parsing, hashing)
 *   TSC_INTERNAL   a bug in tlsscope: an invariant did not hold
 * `why` is a static string, `file`/`line` where the error was first raised.
 * Callers keep the first error (TSC_GUARD propagates it unchanged).
 * (GCC accepts warn_unused_result only on functions, not on this type, so
 * functions that must not have their result ignored are declared TSC_MUST_USE.)
 */
#ifndef TSC_CORE_RESULT_H
#define TSC_CORE_RESULT_H

#include <stdint.h>

#define TSC_MUST_USE __attribute__((warn_unused_result))

enum tsc_kind {
    TSC_OK = 0,
    TSC_TRUNCATED,
    TSC_MALFORMED,
    TSC_LIMIT,
    TSC_OPENSSL,
    TSC_INTERNAL,
};

/* TLS alert descriptions used as `alert` (RFC 8446 section 6.2). */
#define TSC_ALERT_NONE 0
#define TSC_ALERT_ILLEGAL_PARAMETER 47
#define TSC_ALERT_DECODE_ERROR 50
#define TSC_ALERT_RECORD_OVERFLOW 22
#define TSC_ALERT_UNEXPECTED_MESSAGE 10
#define TSC_ALERT_INTERNAL_ERROR 80

typedef struct {
    const char *why;  /* static string, never NULL when kind != TSC_OK */
    const char *file; /* source file that raised it */
    uint16_t line;
    uint8_t kind;  /* enum tsc_kind */
    uint8_t alert; /* TLS alert a peer would send, 0 if none */
} tsc_result;

static inline tsc_result tsc_ok(void)
{
    tsc_result r = {0};
    return r;
}

static inline tsc_result tsc_err_at(enum tsc_kind kind, uint8_t alert, const char *why,
                                    const char *file, int line)
{
    tsc_result r;
    r.why = why;
    r.file = file;
    r.line = (uint16_t)line;
    r.kind = (uint8_t)kind;
    r.alert = alert;
    return r;
}

#define TSC_ERR(kind, why) tsc_err_at((kind), 0, (why), __FILE__, __LINE__)
#define TSC_MALFORMED_ERR(why) \
    tsc_err_at(TSC_MALFORMED, TSC_ALERT_DECODE_ERROR, (why), __FILE__, __LINE__)
#define TSC_ILLEGAL_ERR(why) \
    tsc_err_at(TSC_MALFORMED, TSC_ALERT_ILLEGAL_PARAMETER, (why), __FILE__, __LINE__)

/* Propagate a failed result unchanged (the first error is kept). */
#define TSC_GUARD(expr)                                  \
    do {                                                 \
        tsc_result tsc_guard_r_ = (expr);                \
        if (tsc_guard_r_.kind != TSC_OK)                 \
            return tsc_guard_r_;                         \
    } while (0)

/* Fail with a MALFORMED/decode_error result unless cond holds. */
#define TSC_ENSURE(cond, why)                            \
    do {                                                 \
        if (!(cond))                                     \
            return TSC_MALFORMED_ERR(why);               \
    } while (0)

/* Fail with a result of the given kind unless cond holds. */
#define TSC_ENSURE_KIND(cond, kind, why)                 \
    do {                                                 \
        if (!(cond))                                     \
            return TSC_ERR((kind), (why));               \
    } while (0)

static inline int tsc_is_ok(tsc_result r) { return r.kind == TSC_OK; }

/* "truncated", "malformed", "limit", "openssl", "internal" (or "ok"). */
const char *tsc_kind_name(int kind);

#endif
