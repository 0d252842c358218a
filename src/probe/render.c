/*
 * render.c - the probe's result as text, verbose text, one JSON object or
 * one summary line (docs/probe.md "Output"). Renders only: every fact was
 * settled by scan.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "probe/probe.h"
#include "registry/registry.h"
#include "registry/suite.h"
#include "tls/session.h"

#define W(x)                                                                                                           \
    do {                                                                                                               \
        if (!tsc_is_ok(x))                                                                                         \
            ok = 0;                                                                                                    \
    } while (0)

static const char *vname(uint16_t v)
{
    const char *n = tsc_version_name(v);
    return n ? n : "?";
}

static const char *order_name(enum tsc_probe_order o)
{
    switch (o) {
    case TSC_ORDER_SERVER:
        return "server";
    case TSC_ORDER_CLIENT:
        return "client";
    case TSC_ORDER_ONE:
        return "one";
    default:
        return NULL;
    }
}

/* SSL 2.0 cipher specs have no registry: their names from the SSL 2.0 draft. */
static const char *v2_name(uint32_t c)
{
    switch (c) {
    case 0x010080:
        return "SSL_CK_RC4_128_WITH_MD5";
    case 0x020080:
        return "SSL_CK_RC4_128_EXPORT40_WITH_MD5";
    case 0x030080:
        return "SSL_CK_RC2_128_CBC_WITH_MD5";
    case 0x040080:
        return "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5";
    case 0x050080:
        return "SSL_CK_IDEA_128_CBC_WITH_MD5";
    case 0x060040:
        return "SSL_CK_DES_64_CBC_WITH_MD5";
    case 0x0700c0:
        return "SSL_CK_DES_192_EDE3_CBC_WITH_MD5";
    default:
        return NULL;
    }
}

static const char *item_name(enum tsc_reg reg, uint16_t version, uint32_t code)
{
    if (version == 0x0002)
        return v2_name(code);
    return tsc_reg_name(reg, (uint16_t)code);
}

static void answer_text(const struct tsc_probe_answer *a, char *out, size_t n)
{
    if (a->kind == TSC_ANS_ALERT) {
        const char *d = tsc_reg_snake(TSC_REG_ALERT, a->alert_desc);
        if (d)
            snprintf(out, n, "alert %s", d);
        else
            snprintf(out, n, "alert %u", a->alert_desc);
    } else {
        snprintf(out, n, "%s", tsc_probe_kind_name(a->kind));
    }
}

/* "server_hello" for an acceptance, "server_hello_other" for a hello of
 * another version (docs/probe.md). */
static void version_answer(const struct tsc_probe_result *r, int i, char *out, size_t n)
{
    const struct tsc_probe_answer *a = &r->versions[i].ans;
    if ((a->kind == TSC_ANS_HELLO || a->kind == TSC_ANS_HRR) && !r->versions[i].accepted)
        snprintf(out, n, "server_hello_other");
    else if (a->kind == TSC_ANS_HELLO || a->kind == TSC_ANS_HRR || a->kind == TSC_ANS_SSLV2)
        snprintf(out, n, "server_hello");
    else
        answer_text(a, out, n);
}

/* Findings, most severe first and in table order within a severity (their
 * order in res is table order per source). */
static size_t sorted_findings(const struct tsc_probe_result *r, const struct tsc_finding **out)
{
    size_t k = 0;
    for (int sev = TSC_SEV_HIGH; sev >= TSC_SEV_INFO; sev--)
        for (size_t i = 0; i < tsc_rules_count(); i++)
            for (size_t j = 0; j < r->n_findings; j++)
                if (r->findings[j].rule == tsc_rule_at(i) && (int)r->findings[j].rule->severity == sev)
                    out[k++] = &r->findings[j];
    return k;
}

static int accepted_versions(const struct tsc_probe_result *r)
{
    int n = 0;
    for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++)
        n += r->versions[i].accepted;
    return n;
}

/* ---------------------------------------------------------------- JSON ---- */

static int tri(struct tsc_buf *b, int v)
{
    return tsc_is_ok(tsc_buf_puts(b, v < 0 ? "null" : v ? "true" : "false"));
}

static int json_list(struct tsc_buf *b, const struct tsc_probe_list *l, enum tsc_reg reg, int with_order)
{
    int ok = 1;
    if (!l->asked) {
        W(tsc_buf_puts(b, "null"));
        return ok;
    }
    W(tsc_buf_puts(b, "{\"version\":"));
    W(tsc_json_cstr(b, vname(l->version)));
    if (with_order) {
        W(tsc_buf_puts(b, ",\"order\":"));
        W(tsc_json_cstr(b, order_name(l->order)));
    }
    W(tsc_buf_puts(b, ",\"accepted\":["));
    for (size_t i = 0; i < l->n; i++) {
        W(tsc_buf_printf(b, "%s{\"code\":\"0x%0*x\",\"name\":", i ? "," : "", l->version == 0x0002 ? 6 : 4,
                         (unsigned)l->v[i]));
        W(tsc_json_cstr(b, item_name(reg, l->version, l->v[i])));
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_puts(b, "]}"));
    return ok;
}

static int render_json(struct tsc_buf *b, const struct tsc_probe_cfg *cfg, const struct tsc_probe_result *r)
{
    int ok = 1;
    W(tsc_buf_puts(b, "{\"type\":\"probe\",\"target\":{\"host\":"));
    W(tsc_json_cstr(b, cfg->host));
    W(tsc_buf_printf(b, ",\"port\":%u,\"address\":", cfg->port));
    W(tsc_json_cstr(b, r->address[0] ? r->address : NULL));
    W(tsc_buf_puts(b, ",\"sni\":"));
    W(tsc_json_cstr(b, cfg->sni));
    W(tsc_buf_puts(b, ",\"starttls\":"));
    W(tsc_json_cstr(b, cfg->starttls == TSC_STARTTLS_NONE ? NULL : tsc_starttls_name(cfg->starttls)));
    W(tsc_buf_printf(b, "},\"complete\":%s,\"connections\":%u,\"error\":", r->complete ? "true" : "false",
                     r->connections));
    W(tsc_json_cstr(b, r->error[0] ? r->error : NULL));
    W(tsc_buf_puts(b, ",\"versions\":["));
    int first = 1;
    for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++) {
        if (!r->versions[i].asked)
            continue;
        char ans[64];
        version_answer(r, i, ans, sizeof ans);
        W(tsc_buf_printf(b, "%s{\"version\":", first ? "" : ","));
        W(tsc_json_cstr(b, vname(r->versions[i].code)));
        W(tsc_buf_printf(b, ",\"code\":%u,\"accepted\":%s,\"answer\":", r->versions[i].code,
                         r->versions[i].accepted ? "true" : "false"));
        W(tsc_json_cstr(b, ans));
        W(tsc_buf_putc(b, '}'));
        first = 0;
    }
    W(tsc_buf_puts(b, r->reached_suites ? "],\"suites\":[" : "],\"suites\":null"));
    first = 1;
    for (int i = TSC_PROBE_N_VERSIONS - 1; i >= 0; i--) {
        if (!r->suites[i].asked)
            continue;
        if (!first)
            W(tsc_buf_putc(b, ','));
        if (!json_list(b, &r->suites[i], TSC_REG_CIPHER_SUITE, 1))
            ok = 0;
        first = 0;
    }
    W(tsc_buf_puts(b, r->reached_suites ? "],\"groups\":" : ",\"groups\":"));
    if (!json_list(b, &r->groups, TSC_REG_GROUP, 1))
        ok = 0;
    if (r->groups.asked) { /* hello_retry_request inside the groups object */
        b->len--;
        W(tsc_buf_puts(b, ",\"hello_retry_request\":"));
        if (!tri(b, r->hrr))
            ok = 0;
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_puts(b, ",\"signature_algorithms\":"));
    if (!json_list(b, &r->sigalgs, TSC_REG_SIGSCHEME, 0))
        ok = 0;
    W(tsc_buf_puts(b, ",\"alpn\":"));
    if (r->alpn_asked) {
        W(tsc_buf_puts(b, "{\"accepted\":["));
        for (size_t i = 0; i < r->n_alpn; i++) {
            if (i)
                W(tsc_buf_putc(b, ','));
            W(tsc_json_cstr(b, r->alpn[i]));
        }
        W(tsc_buf_puts(b, "]}"));
    } else {
        W(tsc_buf_puts(b, "null"));
    }
    const struct tsc_probe_features *f = &r->feat;
    if (!r->reached_features) {
        W(tsc_buf_puts(b, ",\"features\":null"));
        goto certificate;
    }
    W(tsc_buf_puts(b, ",\"features\":{\"secure_renegotiation\":"));
    ok &= tri(b, f->secure_renegotiation);
    W(tsc_buf_puts(b, ",\"extended_master_secret\":"));
    ok &= tri(b, f->extended_master_secret);
    W(tsc_buf_puts(b, ",\"encrypt_then_mac\":"));
    ok &= tri(b, f->encrypt_then_mac);
    W(tsc_buf_puts(b, ",\"ocsp_stapling\":"));
    ok &= tri(b, f->ocsp_stapling);
    W(tsc_buf_puts(b, ",\"session_id\":"));
    ok &= tri(b, f->session_id);
    W(tsc_buf_puts(b, ",\"session_ticket\":"));
    ok &= tri(b, f->session_ticket);
    W(tsc_buf_puts(b, ",\"compression\":"));
    if (f->compression_null < 0 && f->compression_deflate < 0) {
        W(tsc_buf_puts(b, "null"));
    } else {
        W(tsc_buf_putc(b, '['));
        int any = 0;
        if (f->compression_null == 1) {
            W(tsc_buf_puts(b, "\"null\""));
            any = 1;
        }
        if (f->compression_deflate == 1)
            W(tsc_buf_puts(b, any ? ",\"deflate\"" : "\"deflate\""));
        W(tsc_buf_putc(b, ']'));
    }
    W(tsc_buf_puts(b, ",\"fallback_scsv\":"));
    ok &= tri(b, f->fallback_scsv);
    W(tsc_buf_puts(b, ",\"ticket_lifetime\":"));
    if (f->ticket_lifetime >= 0)
        W(tsc_buf_printf(b, "%lld", f->ticket_lifetime));
    else
        W(tsc_buf_puts(b, "null"));
    W(tsc_buf_putc(b, '}'));
certificate:
    W(tsc_buf_puts(b, ",\"certificate\":"));
    if (r->have_cert) {
        W(tsc_buf_puts(b, "{\"version\":"));
        W(tsc_json_cstr(b, r->cert_version));
        W(tsc_buf_puts(b, ",\"suite\":"));
        W(tsc_json_cstr(b, r->cert_suite));
        W(tsc_buf_printf(b, ",\"verified\":%s,\"verify_error\":", r->verified ? "true" : "false"));
        W(tsc_json_cstr(b, r->verified ? NULL : r->verify_error));
        W(tsc_buf_puts(b, ",\"chain\":["));
        for (size_t i = 0; i < r->n_chain; i++) {
            const struct tsc_probe_cert *c = &r->chain[i];
            W(tsc_buf_puts(b, i ? ",{\"subject\":" : "{\"subject\":"));
            W(tsc_json_cstr(b, c->subject));
            W(tsc_buf_puts(b, ",\"issuer\":"));
            W(tsc_json_cstr(b, c->issuer));
            W(tsc_buf_puts(b, ",\"serial\":"));
            W(tsc_json_cstr(b, c->serial));
            W(tsc_buf_puts(b, ",\"not_before\":"));
            W(tsc_json_cstr(b, c->not_before));
            W(tsc_buf_puts(b, ",\"not_after\":"));
            W(tsc_json_cstr(b, c->not_after));
            W(tsc_buf_puts(b, ",\"key\":"));
            W(tsc_json_cstr(b, c->key));
            W(tsc_buf_puts(b, ",\"signature\":"));
            W(tsc_json_cstr(b, c->signature));
            W(tsc_buf_puts(b, ",\"sha256\":"));
            W(tsc_json_cstr(b, c->sha256));
            W(tsc_buf_putc(b, '}'));
        }
        W(tsc_buf_puts(b, "]}"));
    } else {
        W(tsc_buf_puts(b, "null"));
    }
    W(tsc_buf_puts(b, ",\"certificate_error\":"));
    W(tsc_json_cstr(b, r->have_cert || !r->cert_error[0] ? NULL : r->cert_error));
    W(tsc_buf_puts(b, ",\"findings\":["));
    const struct tsc_finding *fs[TSC_PROBE_MAX_FINDINGS];
    size_t nf = sorted_findings(r, fs);
    for (size_t i = 0; i < nf; i++) {
        W(tsc_buf_puts(b, i ? ",{\"id\":" : "{\"id\":"));
        W(tsc_json_cstr(b, fs[i]->rule->id));
        W(tsc_buf_puts(b, ",\"severity\":"));
        W(tsc_json_cstr(b, tsc_severity_name(fs[i]->rule->severity)));
        W(tsc_buf_puts(b, ",\"title\":"));
        W(tsc_json_cstr(b, fs[i]->rule->title));
        W(tsc_buf_puts(b, ",\"detail\":"));
        W(tsc_json_cstr(b, fs[i]->detail));
        W(tsc_buf_putc(b, '}'));
    }
    W(tsc_buf_puts(b, "]}\n"));
    return ok;
}

/* ---------------------------------------------------------------- text ---- */

static const char *sev_color(enum tsc_severity s)
{
    switch (s) {
    case TSC_SEV_HIGH:
        return "\033[1;31m";
    case TSC_SEV_MEDIUM:
        return "\033[33m";
    case TSC_SEV_LOW:
        return "\033[36m";
    default:
        return "";
    }
}

static const char *yn(int v)
{
    return v < 0 ? "not asked" : v ? "yes" : "no";
}

static int text_list(struct tsc_buf *b, const char *title, const struct tsc_probe_list *l, enum tsc_reg reg,
                     int verbose)
{
    int ok = 1;
    const char *o = order_name(l->order);
    W(tsc_buf_printf(b, "\n%s, %s", title, vname(l->version)));
    if (o && l->order != TSC_ORDER_ONE)
        W(tsc_buf_printf(b, " (%s's order)", o));
    W(tsc_buf_printf(b, ": %zu\n", l->n));
    for (size_t i = 0; i < l->n; i++) {
        const char *name = item_name(reg, l->version, l->v[i]);
        W(tsc_buf_printf(b, "  0x%0*x  %s", l->version == 0x0002 ? 6 : 4, (unsigned)l->v[i], name ? name : "?"));
        struct tsc_suite_info si;
        char meaning[160];
        if (verbose && reg == TSC_REG_CIPHER_SUITE && l->version != 0x0002 &&
            tsc_suite_describe((uint16_t)l->v[i], &si))
            W(tsc_buf_printf(b, "  (%s)", tsc_suite_meaning(&si, meaning, sizeof meaning)));
        W(tsc_buf_putc(b, '\n'));
    }
    return ok;
}

static int render_text(struct tsc_buf *b, int verbose, int color, const struct tsc_probe_cfg *cfg,
                       const struct tsc_probe_result *r)
{
    int ok = 1;
    char t[300];
    tsc_probe_target(cfg, t, sizeof t);
    W(tsc_buf_printf(b, "probe %s", t));
    if (r->address[0])
        W(tsc_buf_printf(b, " (%s)", r->address));
    if (cfg->sni)
        W(tsc_buf_printf(b, ", server name %s", cfg->sni));
    if (cfg->starttls != TSC_STARTTLS_NONE)
        W(tsc_buf_printf(b, ", STARTTLS %s", tsc_starttls_name(cfg->starttls)));
    W(tsc_buf_printf(b, ": %u connection%s%s\n", r->connections, r->connections == 1 ? "" : "s",
                     r->complete ? "" : ", incomplete"));
    if (r->error[0])
        W(tsc_buf_printf(b, "error: %s\n", r->error));

    if (!accepted_versions(r) && !r->versions[TSC_PROBE_N_VERSIONS - 1].asked)
        return ok; /* it could not run: the error says why */
    W(tsc_buf_puts(b, "\nVersions\n"));
    for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++) {
        if (!r->versions[i].asked)
            continue;
        W(tsc_buf_printf(b, "  %-8s %s", vname(r->versions[i].code), r->versions[i].accepted ? "yes" : "no"));
        if (verbose || !r->versions[i].accepted) {
            char ans[64];
            version_answer(r, i, ans, sizeof ans);
            if (!r->versions[i].accepted)
                W(tsc_buf_printf(b, "  (%s)", ans));
        }
        W(tsc_buf_putc(b, '\n'));
    }
    if (!accepted_versions(r))
        return ok; /* nothing more was asked: the error says why */
    for (int i = TSC_PROBE_N_VERSIONS - 1; i >= 0; i--)
        if (r->suites[i].asked && !text_list(b, "Cipher suites", &r->suites[i], TSC_REG_CIPHER_SUITE, verbose))
            ok = 0;
    if (r->groups.asked) {
        if (!text_list(b, "Groups", &r->groups, TSC_REG_GROUP, verbose))
            ok = 0;
        if (r->groups.version == 0x0304)
            W(tsc_buf_printf(b, "  asks for its first choice (HelloRetryRequest) when given another share: %s\n",
                             r->hrr < 0 ? "could not be asked" : r->hrr ? "yes" : "no"));
    }
    if (r->sigalgs.asked && !text_list(b, "Signature algorithms", &r->sigalgs, TSC_REG_SIGSCHEME, verbose))
        ok = 0;
    W(tsc_buf_puts(b, "\nALPN: "));
    if (!r->alpn_asked) {
        W(tsc_buf_puts(b, "not asked (needs TLS 1.2 or lower: TLS 1.3 encrypts the answer)\n"));
    } else if (!r->n_alpn) {
        W(tsc_buf_puts(b, "none chosen\n"));
    } else {
        for (size_t i = 0; i < r->n_alpn; i++)
            W(tsc_buf_printf(b, "%s%s", i ? ", " : "", r->alpn[i]));
        W(tsc_buf_putc(b, '\n'));
    }
    const struct tsc_probe_features *f = &r->feat;
    W(tsc_buf_puts(b, "\nFeatures\n"));
    W(tsc_buf_printf(b, "  secure renegotiation    %s\n", yn(f->secure_renegotiation)));
    W(tsc_buf_printf(b, "  extended master secret  %s\n", yn(f->extended_master_secret)));
    W(tsc_buf_printf(b, "  encrypt-then-MAC        %s\n", yn(f->encrypt_then_mac)));
    W(tsc_buf_printf(b, "  OCSP stapling           %s\n", yn(f->ocsp_stapling)));
    W(tsc_buf_printf(b, "  session id              %s\n", yn(f->session_id)));
    W(tsc_buf_printf(b, "  session ticket          %s", yn(f->session_ticket)));
    if (f->ticket_lifetime >= 0)
        W(tsc_buf_printf(b, " (lifetime %lld s)", f->ticket_lifetime));
    W(tsc_buf_putc(b, '\n'));
    W(tsc_buf_printf(b, "  compression             %s\n",
                     f->compression_deflate == 1 ? "DEFLATE accepted"
                     : f->compression_deflate == 0 ? "null only"
                                                   : "not asked"));
    W(tsc_buf_printf(b, "  TLS_FALLBACK_SCSV       %s\n",
                     f->fallback_scsv < 0 ? "not asked" : f->fallback_scsv ? "honoured" : "ignored"));

    W(tsc_buf_puts(b, "\nCertificate"));
    if (r->have_cert) {
        W(tsc_buf_printf(b, " (%s, %s): %s%s\n", r->cert_version, r->cert_suite,
                         r->verified ? "verifies" : "does not verify: ", r->verified ? "" : r->verify_error));
        for (size_t i = 0; i < r->n_chain; i++) {
            const struct tsc_probe_cert *c = &r->chain[i];
            W(tsc_buf_printf(b, "  %zu subject  %s\n    issuer   %s\n    valid    %s to %s\n    key      %s, %s\n",
                             i, c->subject, c->issuer, c->not_before, c->not_after, c->key, c->signature));
            if (verbose)
                W(tsc_buf_printf(b, "    serial   %s\n    sha256   %s\n", c->serial, c->sha256));
        }
    } else {
        W(tsc_buf_printf(b, ": %s\n", r->cert_error[0] ? r->cert_error : "not asked"));
    }

    const struct tsc_finding *fs[TSC_PROBE_MAX_FINDINGS];
    size_t nf = sorted_findings(r, fs);
    W(tsc_buf_printf(b, "\nFindings: %zu\n", nf));
    for (size_t i = 0; i < nf; i++) {
        enum tsc_severity sv = fs[i]->rule->severity;
        W(tsc_buf_printf(b, "  %s%-6s%s %s: %s", color ? sev_color(sv) : "", tsc_severity_name(sv),
                         color && *sev_color(sv) ? "\033[0m" : "", fs[i]->rule->id, fs[i]->rule->title));
        if (fs[i]->detail[0])
            W(tsc_buf_printf(b, " (%s)", fs[i]->detail));
        W(tsc_buf_putc(b, '\n'));
    }
    return ok;
}

static int render_summary(struct tsc_buf *b, const struct tsc_probe_cfg *cfg, const struct tsc_probe_result *r)
{
    int ok = 1;
    char t[300];
    tsc_probe_target(cfg, t, sizeof t);
    W(tsc_buf_printf(b, "probe %s: ", t));
    if (r->error[0] && !accepted_versions(r)) {
        W(tsc_buf_printf(b, "error: %s\n", r->error));
        return ok;
    }
    int first = 1;
    size_t nsuites = 0;
    for (int i = 0; i < TSC_PROBE_N_VERSIONS; i++) {
        if (!r->versions[i].accepted)
            continue;
        W(tsc_buf_printf(b, "%s%s", first ? "" : ", ", vname(r->versions[i].code)));
        first = 0;
        nsuites += r->suites[i].n;
    }
    const char *o = NULL;
    for (int i = TSC_PROBE_N_VERSIONS - 1; i >= 0 && !o; i--)
        if (r->suites[i].order == TSC_ORDER_SERVER || r->suites[i].order == TSC_ORDER_CLIENT)
            o = order_name(r->suites[i].order);
    W(tsc_buf_printf(b, "; %zu suites", nsuites));
    if (o)
        W(tsc_buf_printf(b, " (%s order)", o));
    W(tsc_buf_printf(b, "; %zu groups", r->groups.n));
    const struct tsc_finding *fs[TSC_PROBE_MAX_FINDINGS];
    size_t nf = sorted_findings(r, fs), nh = 0;
    for (size_t i = 0; i < nf; i++)
        nh += fs[i]->rule->severity == TSC_SEV_HIGH;
    W(tsc_buf_printf(b, "; %zu findings", nf));
    if (nh)
        W(tsc_buf_printf(b, " (%zu high)", nh));
    if (!r->complete)
        W(tsc_buf_puts(b, "; incomplete"));
    W(tsc_buf_putc(b, '\n'));
    return ok;
}

int tsc_probe_render(FILE *out, enum tsc_probe_form form, int color, const struct tsc_probe_cfg *cfg,
                     const struct tsc_probe_result *res)
{
    struct tsc_buf b = {0};
    tsc_buf_init(&b, 8u << 20);
    int ok;
    if (form == TSC_PROBE_JSON)
        ok = render_json(&b, cfg, res);
    else if (form == TSC_PROBE_SUMMARY)
        ok = render_summary(&b, cfg, res);
    else
        ok = render_text(&b, form == TSC_PROBE_VERBOSE, color, cfg, res);
    if (ok && b.len && fwrite(b.data, 1, b.len, out) != b.len)
        ok = 0;
    if (fflush(out) != 0)
        ok = 0;
    tsc_buf_free(&b);
    return ok ? 0 : -1;
}
