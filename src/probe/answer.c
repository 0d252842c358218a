/*
 * answer.c - what a server answered a probe's hello, decided from the bytes
 * it sent so far: records (RFC 8446 5.1), handshake messages across records,
 * each decoded by the project's decoders (tls/msg.h), or an SSL 2.0
 * SERVER-HELLO.
 *
 * Stateless: each call reads the server's bytes from the start, so a caller
 * keeps only the bytes. Messages the answer needs (ServerHello,
 * ServerKeyExchange, CertificateStatus, ServerHelloDone) are gathered into a
 * bounded buffer when they span records; larger messages (a Certificate)
 * are counted, not kept.
 */
#include <stdio.h>
#include <string.h>

#include "probe/probe.h"
#include "tls/msg.h"

#define FLIGHT_MAX (256u * 1024u)
#define MSG_KEEP 16384u

const char *tsc_probe_kind_name(enum tsc_probe_kind k)
{
    switch (k) {
    case TSC_ANS_PENDING:
        return "pending";
    case TSC_ANS_HELLO:
        return "server_hello";
    case TSC_ANS_HRR:
        return "hello_retry_request";
    case TSC_ANS_SSLV2:
        return "sslv2_server_hello";
    case TSC_ANS_ALERT:
        return "alert";
    case TSC_ANS_CLOSED:
        return "closed";
    case TSC_ANS_RESET:
        return "reset";
    case TSC_ANS_TIMEOUT:
        return "timeout";
    case TSC_ANS_NOT_TLS:
        return "not_tls";
    case TSC_ANS_MALFORMED:
        return "malformed";
    }
    return "unknown";
}

static int decide(struct tsc_probe_answer *a, enum tsc_probe_kind k, const char *why)
{
    a->kind = k;
    if (why)
        snprintf(a->why, sizeof a->why, "%s", why);
    return 1;
}

/* An SSL 2.0 SERVER-HELLO or ERROR (a 2-byte record header, high bit set). */
static int read_v2(const uint8_t *p, size_t n, int eof, struct tsc_probe_answer *a)
{
    if (n < 2)
        return eof ? decide(a, TSC_ANS_MALFORMED, "an SSL 2.0 record cut short") : 0;
    size_t len = ((size_t)(p[0] & 0x7f) << 8) | p[1];
    if (len == 0)
        return decide(a, TSC_ANS_MALFORMED, "an empty SSL 2.0 record");
    if (n < 2 + len)
        return eof ? decide(a, TSC_ANS_MALFORMED, "an SSL 2.0 record cut short") : 0;
    struct tsc_cursor c = tsc_cursor_make(p + 2, len);
    uint8_t type = 0;
    if (!tsc_is_ok(tsc_cursor_u8(&c, &type)))
        return decide(a, TSC_ANS_MALFORMED, "an empty SSL 2.0 record");
    if (type == 0) { /* ERROR: error-code (2 bytes) */
        uint16_t code = 0;
        if (!tsc_is_ok(tsc_cursor_u16(&c, &code)))
            return decide(a, TSC_ANS_MALFORMED, "an SSL 2.0 ERROR without its code");
        a->alert_level = 2;
        a->alert_desc = 40; /* handshake_failure: SSL 2.0's NO-CIPHER-ERROR and the rest */
        return decide(a, TSC_ANS_ALERT, "an SSL 2.0 ERROR");
    }
    if (type != 4)
        return decide(a, TSC_ANS_NOT_TLS, "an SSL 2.0 record that is no SERVER-HELLO");
    /* session-id-hit, certificate-type, version, certificate-length,
     * cipher-specs-length, connection-id-length, then the three */
    uint8_t hit = 0, cert_type = 0;
    uint16_t version = 0, cert_len = 0, specs_len = 0, cid_len = 0;
    struct tsc_view cert = {0}, specs = {0};
    if (!tsc_is_ok(tsc_cursor_u8(&c, &hit)) || !tsc_is_ok(tsc_cursor_u8(&c, &cert_type)) ||
        !tsc_is_ok(tsc_cursor_u16(&c, &version)) || !tsc_is_ok(tsc_cursor_u16(&c, &cert_len)) ||
        !tsc_is_ok(tsc_cursor_u16(&c, &specs_len)) || !tsc_is_ok(tsc_cursor_u16(&c, &cid_len)) ||
        !tsc_is_ok(tsc_cursor_bytes(&c, cert_len, &cert)) ||
        !tsc_is_ok(tsc_cursor_bytes(&c, specs_len, &specs)) || specs_len % 3)
        return decide(a, TSC_ANS_MALFORMED, "an SSL 2.0 SERVER-HELLO that does not decode");
    (void)hit;
    (void)cert_type;
    (void)cert;
    a->version = 0x0002;
    a->record_version = 0x0002;
    for (size_t i = 0; i + 3 <= specs.len && a->n_v2 < TSC_PROBE_V2_SPECS; i += 3)
        a->v2_specs[a->n_v2++] = (uint32_t)specs.p[i] << 16 | (uint32_t)specs.p[i + 1] << 8 | specs.p[i + 2];
    if (version != 0x0002 || a->n_v2 == 0) /* SSL 2.0 accepted means a version 2 hello with a cipher */
        return decide(a, TSC_ANS_MALFORMED, "an SSL 2.0 SERVER-HELLO of another version or without cipher specs");
    return decide(a, TSC_ANS_SSLV2, NULL);
}

static void server_hello_facts(const struct tsc_server_hello *sh, struct tsc_probe_answer *a)
{
    a->version = tsc_server_hello_version(sh);
    a->suite = sh->cipher_suite;
    a->compression = sh->compression;
    a->session_id_len = (uint8_t)sh->session_id.len;
    for (size_t i = 0; i < sh->ext.stored; i++) {
        const struct tsc_ext *e = &sh->ext.ext[i];
        switch (e->type) {
        case TSC_EXT_RENEGOTIATION_INFO:
            a->reneg = 1;
            break;
        case TSC_EXT_EXTENDED_MASTER_SECRET:
            a->ems = 1;
            break;
        case TSC_EXT_ENCRYPT_THEN_MAC:
            a->etm = 1;
            break;
        case TSC_EXT_SESSION_TICKET:
            a->ticket = 1;
            break;
        case TSC_EXT_STATUS_REQUEST:
            a->status = 1;
            break;
        case TSC_EXT_KEY_SHARE:
            if (e->form == TSC_EXTF_U16)
                a->group = (uint16_t)e->u.num;
            else if (e->form == TSC_EXTF_KEY_SHARE && e->u.key_share.stored)
                a->group = e->u.key_share.s[0].group;
            break;
        case TSC_EXT_ALPN:
            if (e->form == TSC_EXTF_NAMES && e->u.names.stored) {
                struct tsc_view v = e->u.names.v[0];
                size_t k = 0;
                for (size_t j = 0; j < v.len && k + 1 < sizeof a->alpn; j++)
                    a->alpn[k++] = v.p[j] >= 0x20 && v.p[j] < 0x7f ? (char)v.p[j] : '?';
                a->alpn[k] = '\0';
            }
            break;
        default:
            break;
        }
    }
}

struct reader {
    uint8_t msg[4 + MSG_KEEP]; /* the message being gathered (header and body) */
    size_t have;               /* bytes of it seen (kept only up to sizeof msg) */
    size_t need;               /* 4 until the header is in, then 4 + body length */
    int n_msgs;
    int have_sh;
};

/* One complete handshake message (header in r->msg, body kept when it
 * fits). 1 when it decides the answer. */
static int on_message(struct reader *r, struct tsc_probe_answer *a)
{
    uint8_t type = r->msg[0];
    size_t len = r->need - 4;
    int kept = r->need <= sizeof r->msg;
    struct tsc_view body = {r->msg + 4, len};
    r->n_msgs++;
    if (r->n_msgs == 1) {
        if (type != TSC_HS_SERVER_HELLO)
            return decide(a, TSC_ANS_MALFORMED, "the first handshake message is no ServerHello");
        if (!kept)
            return decide(a, TSC_ANS_MALFORMED, "a ServerHello over 16 KiB");
        struct tsc_server_hello sh;
        tsc_result rr = tsc_server_hello_parse(body, &sh);
        if (!tsc_is_ok(rr)) {
            char why[96];
            snprintf(why, sizeof why, "a ServerHello that does not decode: %s", rr.why ? rr.why : "?");
            return decide(a, TSC_ANS_MALFORMED, why);
        }
        server_hello_facts(&sh, a);
        r->have_sh = 1;
        if (sh.hrr)
            return decide(a, TSC_ANS_HRR, NULL);
        if (tsc_version_tls_equiv(a->version) >= TSC_TLS13)
            return decide(a, TSC_ANS_HELLO, NULL);
        return 0;
    }
    switch (type) {
    case TSC_HS_SERVER_KEY_EXCHANGE:
        if (kept) {
            struct tsc_server_key_exchange ske;
            if (tsc_is_ok(tsc_server_key_exchange_parse(body, tsc_kx_of_suite(a->suite), a->version,
                                                            tsc_kx_is_anon(a->suite), &ske))) {
                a->have_ske = 1;
                if (ske.kx == TSC_KX_ECDHE && ske.curve_type == 3)
                    a->ske_group = ske.named_curve;
                if (ske.has_sig_alg) {
                    a->ske_has_sig = 1;
                    a->ske_sig = ske.sig_alg;
                }
            }
        }
        return 0;
    case TSC_HS_CERTIFICATE_STATUS:
        a->cert_status = 1;
        return 0;
    case TSC_HS_SERVER_HELLO_DONE:
        a->done = 1;
        return decide(a, TSC_ANS_HELLO, NULL);
    default:
        return 0;
    }
}

/* Feed handshake bytes; 1 when the answer is decided. */
static int feed(struct reader *r, const uint8_t *p, size_t n, struct tsc_probe_answer *a)
{
    while (n) {
        if (r->have < 4) {
            r->msg[r->have++] = *p++;
            n--;
            if (r->have < 4)
                continue;
            r->need = 4 + ((size_t)r->msg[1] << 16 | (size_t)r->msg[2] << 8 | r->msg[3]);
            if (r->n_msgs == 0 && r->msg[0] != TSC_HS_SERVER_HELLO) /* no need to wait for its body */
                return decide(a, TSC_ANS_MALFORMED, "the first handshake message is no ServerHello");
            if (r->n_msgs == 0 && r->need > sizeof r->msg)
                return decide(a, TSC_ANS_MALFORMED, "a ServerHello over 16 KiB");
        } else {
            size_t take = r->need - r->have < n ? r->need - r->have : n;
            if (r->have < sizeof r->msg) {
                size_t keep = sizeof r->msg - r->have < take ? sizeof r->msg - r->have : take;
                memcpy(r->msg + r->have, p, keep);
            }
            r->have += take;
            p += take;
            n -= take;
        }
        if (r->have == r->need) {
            if (on_message(r, a))
                return 1;
            r->have = 0;
            r->need = 0;
        }
    }
    return 0;
}

int tsc_probe_answer_read(const uint8_t *p, size_t n, int eof, struct tsc_probe_answer *a)
{
    memset(a, 0, sizeof *a);
    if (n == 0)
        return eof ? decide(a, TSC_ANS_CLOSED, NULL) : 0;
    if (p[0] & 0x80)
        return read_v2(p, n, eof, a);

    static _Thread_local struct reader r; /* 16 KiB: kept off the stack */
    memset(&r, 0, sizeof r);
    size_t off = 0;
    while (off < n) {
        if (n - off < 5)
            break;
        const uint8_t *h = p + off;
        uint8_t type = h[0];
        uint16_t version = (uint16_t)(h[1] << 8 | h[2]);
        size_t len = (size_t)h[3] << 8 | h[4];
        if (type < TSC_CT_CHANGE_CIPHER_SPEC || type > TSC_CT_HEARTBEAT || h[1] != 3 || version > 0x0304 ||
            len > TSC_RECORD_MAX) {
            if (off == 0)
                return decide(a, TSC_ANS_NOT_TLS, "the answer does not start with a TLS record");
            if (r.have_sh)
                return decide(a, TSC_ANS_HELLO, NULL);
            return decide(a, TSC_ANS_MALFORMED, "bytes that are no TLS record after the first");
        }
        if (off == 0)
            a->record_version = version;
        if (n - off - 5 < len)
            break;
        const uint8_t *body = h + 5;
        off += 5 + len;
        if (type == TSC_CT_ALERT) {
            if (r.have_sh)
                return decide(a, TSC_ANS_HELLO, NULL);
            if (len < 2)
                return decide(a, TSC_ANS_MALFORMED, "an alert record under 2 bytes");
            /* a warning before the hello (unrecognized_name from a server that
             * has no certificate for the name) is no refusal: read on */
            if (body[0] == 1 && body[1] != 0)
                continue;
            a->alert_level = body[0];
            a->alert_desc = body[1];
            return decide(a, TSC_ANS_ALERT, NULL);
        }
        if (type != TSC_CT_HANDSHAKE) {
            if (r.have_sh)
                return decide(a, TSC_ANS_HELLO, NULL);
            return decide(a, TSC_ANS_MALFORMED, "a record other than handshake or alert before the ServerHello");
        }
        if (len == 0) {
            if (r.have_sh)
                return decide(a, TSC_ANS_HELLO, NULL);
            return decide(a, TSC_ANS_MALFORMED, "an empty handshake record");
        }
        if (feed(&r, body, len, a))
            return 1;
        if (off > FLIGHT_MAX && r.have_sh)
            return decide(a, TSC_ANS_HELLO, NULL);
    }
    if (!eof)
        return 0;
    if (r.have_sh)
        return decide(a, TSC_ANS_HELLO, NULL);
    return decide(a, TSC_ANS_MALFORMED, "the server closed in the middle of its answer");
}
