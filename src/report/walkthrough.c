/*
 * walkthrough.c - the demo's guided tour: each step of a handshake in the
 * four phases, what was on the wire, and what it means in plain words.
 */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "registry/registry.h"
#include "report/report.h"

#define W(expr) (void)(expr)

struct wconn {
    struct tsc_buf phase[5];
    int flight_told[2]; /* the encrypted flight was explained once per direction */
    int cookie_asked;   /* DTLS: a HelloVerifyRequest came, the next ClientHello brings its cookie */
};

static struct wconn *wc_of(void **data)
{
    if (!*data) {
        struct wconn *w = calloc(1, sizeof *w);
        if (!w)
            return NULL;
        for (int i = 0; i < 5; i++)
            tsc_buf_init(&w->phase[i], (size_t)1 << 20);
        *data = w;
    }
    return *data;
}

static void wc_free(void *ctx, const struct tsc_conn *c, void **data)
{
    (void)ctx;
    (void)c;
    struct wconn *w = *data;
    if (!w)
        return;
    for (int i = 0; i < 5; i++)
        tsc_buf_free(&w->phase[i]);
    free(w);
    *data = NULL;
}

static const char *who(int dir) { return dir == TSC_C2S ? "The client" : "The server"; }

/* "Finished from the client (decrypted)" */
static void from_title(char *t, size_t n, const char *what, const struct tsc_event *ev)
{
    snprintf(t, n, "%s from the %s%s", what, ev->dir == TSC_C2S ? "client" : "server",
             ev->decrypted ? " (decrypted)" : "");
}

static void step(struct tsc_buf *b, const char *title, const char *fmt_plain)
{
    W(tsc_buf_printf(b, "\n  %s\n", title));
    /* wrap the explanation at about 76 columns */
    const char *p = fmt_plain;
    while (*p) {
        size_t n = strlen(p), cut = n;
        if (n > 72) {
            cut = 72;
            while (cut > 20 && p[cut] != ' ')
                cut--;
        }
        W(tsc_buf_puts(b, "    "));
        W(tsc_buf_append(b, p, cut));
        W(tsc_buf_putc(b, '\n'));
        p += cut;
        while (*p == ' ')
            p++;
    }
}

static void walk_event(void *ctx, const struct tsc_event *ev, const struct tsc_msg_facts *f, void **data)
{
    (void)ctx;
    struct wconn *w = wc_of(data);
    if (!w || ev->type == TSC_EV_ERROR)
        return;
    int ph = ev->phase >= 1 && ev->phase <= 4 ? ev->phase : 4;
    struct tsc_buf *b = &w->phase[ph];
    char t[256], x[1024];
    const struct tsc_conn *c = ev->conn;
    if (ev->type == TSC_EV_HANDSHAKE && tsc_is_ok(ev->status)) {
        const struct tsc_hs_msg *m = ev->msg;
        switch (m->type) {
        case TSC_HS_CLIENT_HELLO: {
            const struct tsc_client_hello *ch = &m->u.ch;
            const struct tsc_ext *st = tsc_ext_find(&ch->ext, TSC_EXT_SESSION_TICKET);
            const struct tsc_ext *sv = tsc_ext_find(&ch->ext, TSC_EXT_SUPPORTED_VERSIONS);
            snprintf(t, sizeof t, "ClientHello%s: %zu cipher suites, %u extensions",
                     w->cookie_asked ? " again, with the cookie" : "", tsc_client_hello_n_suites(ch), ch->ext.n);
            if (w->cookie_asked) {
                w->cookie_asked = 0;
                step(b, t,
                     "The same hello, now carrying the server's cookie: it proves the client receives at the "
                     "address it sends from. Only now does the server spend work and bandwidth on it.");
                break;
            }
            snprintf(x, sizeof x,
                     "The client opens with what it can do. Its version field says %s%s; its 32-byte random "
                     "will go into every key of this connection. It lists %zu cipher suites it accepts, best "
                     "first, and %u extensions: the server name it wants (SNI), groups for the key exchange, "
                     "signature algorithms.%s",
                     tsc_version_name(ch->legacy_version) ? tsc_version_name(ch->legacy_version) : "?",
                     sv ? " (the real list of versions is in supported_versions, since TLS 1.3)" : "",
                     tsc_client_hello_n_suites(ch), ch->ext.n,
                     st && st->form == TSC_EXTF_EMPTY
                         ? " Its session_ticket extension is empty: that asks the server for a ticket, so a later "
                           "connection can skip most of this handshake."
                         : "");
            step(b, t, x);
            break;
        }
        case TSC_HS_SERVER_HELLO: {
            const struct tsc_suite_info *si = &f->suite;
            uint16_t v = tsc_server_hello_version(&m->u.sh);
            snprintf(t, sizeof t, "ServerHello: %s, %s", tsc_version_name(v) ? tsc_version_name(v) : "?",
                     si->name ? si->name : "unknown suite");
            snprintf(x, sizeof x,
                     "The server chooses: %s and the suite %s, which means %s. %s",
                     tsc_version_name(v) ? tsc_version_name(v) : "?", si->name ? si->name : "?", f->suite_meaning,
                     si->tls13 ? "In TLS 1.3 the key exchange rides in the key_share extensions of the two hellos, "
                                "and everything after this message is encrypted."
                     : strncmp(si->key_exchange, "ECDHE", 5) == 0 || strncmp(si->key_exchange, "DHE", 3) == 0
                         ? "The key exchange is ephemeral, so a stolen server key later cannot decrypt this "
                           "conversation (forward secrecy)."
                         : "The key exchange is not ephemeral: whoever gets the server's key can decrypt a "
                           "recording of this conversation later.");
            step(b, t, x);
            break;
        }
        case TSC_HS_HELLO_VERIFY_REQUEST:
            w->cookie_asked = 1;
            step(b, "HelloVerifyRequest: a cookie",
                 "DTLS: UDP does not prove where a datagram came from, so before answering with its large "
                 "flight the server hands the client a cookie (a MAC of the client's address) and keeps no "
                 "state. A forged source address never sees the cookie, and the server cannot be used to "
                 "flood someone else.");
            break;
        case TSC_HS_HELLO_RETRY_REQUEST:
            step(b, "HelloRetryRequest",
                 "The server wants a key share for another group: the client must send a second ClientHello.");
            break;
        case TSC_HS_CERTIFICATE:
            if (ev->n_certs && tsc_is_ok(ev->cert_status[0])) {
                const struct tsc_x509_summary *s = ev->certs[0];
                snprintf(t, sizeof t, "Certificate: %u certificate%s, the first for %s", m->u.cert.n,
                         m->u.cert.n == 1 ? "" : "s", s->subject_cn[0] ? s->subject_cn : s->subject);
                snprintf(x, sizeof x,
                         "%s proves who it is. Its certificate has serial number %s; subject %s (who it is for); "
                         "issuer %s (who vouches for it%s); valid from %s to %s; a %s public key of %d bits. "
                         "The client checks the chain against the authorities it trusts and the name against "
                         "the one it asked for.",
                         who(ev->dir), s->serial, s->subject, s->issuer,
                         s->self_signed ? ": itself, a self-signed certificate no browser would trust" : "",
                         s->not_before, s->not_after, s->pubkey_algorithm, s->pubkey_bits);
                step(b, t, x);
            }
            break;
        case TSC_HS_SERVER_KEY_EXCHANGE: {
            const char *g = c->have_ske_group ? tsc_reg_name(TSC_REG_GROUP, c->ske_group) : NULL;
            snprintf(t, sizeof t, "ServerKeyExchange%s%s", g ? ": " : "", g ? g : "");
            snprintf(x, sizeof x,
                     "The server sends a fresh public key for this connection only%s%s, signed with its "
                     "certificate's key so the client knows it comes from the certificate's owner.",
                     g ? " on the curve " : "", g ? g : "");
            step(b, t, x);
            break;
        }
        case TSC_HS_CERTIFICATE_REQUEST:
            step(b, "CertificateRequest", "The server asks the client to prove who it is with a certificate too.");
            break;
        case TSC_HS_SERVER_HELLO_DONE:
            step(b, "ServerHelloDone", "The server has said all it has to say; the client's turn.");
            break;
        case TSC_HS_CLIENT_KEY_EXCHANGE:
            step(b, "ClientKeyExchange",
                 "The client sends its own fresh public key. From the two public keys and their private halves "
                 "each side now computes the same premaster secret, and from it and the two randoms the keys "
                 "that encrypt and authenticate every record from here on. Nobody watching can compute them.");
            break;
        case TSC_HS_NEW_SESSION_TICKET:
            snprintf(t, sizeof t, "NewSessionTicket: lifetime %u s", m->u.nst.lifetime);
            snprintf(x, sizeof x,
                     "The server gives the client a session ticket: the session's secrets, encrypted with a key "
                     "only the server knows. For the next %u seconds (%.1f hours) the client may present it to "
                     "resume this session without the certificate and key exchange.",
                     m->u.nst.lifetime, m->u.nst.lifetime / 3600.0);
            step(b, t, x);
            break;
        case TSC_HS_ENCRYPTED_EXTENSIONS:
            step(b, "EncryptedExtensions (decrypted)",
                 "TLS 1.3: the first message under the handshake keys. The server's answers to the client's "
                 "extensions that are not needed to agree on keys (ALPN, the server name, early data) travel "
                 "here, hidden from anyone watching. tlsscope read it with the key log.");
            break;
        case TSC_HS_CERTIFICATE_VERIFY:
            from_title(t, sizeof t, "CertificateVerify", ev);
            step(b, t, "A signature over the handshake so far, made with the private key of the certificate just "
                       "sent: it proves the sender holds that key, not just a copy of the certificate.");
            break;
        case TSC_HS_FINISHED:
            from_title(t, sizeof t, "Finished", ev);
            step(b, t, "A hash of the whole handshake, under the new keys. If anyone had tampered with a hello, "
                       "the two Finished messages would not match and the connection would fail.");
            break;
        case TSC_HS_KEY_UPDATE:
            from_title(t, sizeof t, "KeyUpdate", ev);
            step(b, t, "TLS 1.3: the sender switches to fresh traffic keys derived from the old ones; records "
                       "from here on use them.");
            break;
        default:
            snprintf(t, sizeof t, "%s", tsc_hs_type_title(m->type));
            step(b, t, "A handshake message.");
            break;
        }
    } else if (ev->type == TSC_EV_CCS) {
        snprintf(t, sizeof t, "ChangeCipherSpec from the %s", ev->dir == TSC_C2S ? "client" : "server");
        step(b, t, tsc_version_is_tls13(c->version)
                       ? "In TLS 1.3 this message changes nothing; it is sent so that old middleboxes let the "
                         "connection through."
                       : ev->dir == TSC_C2S ? "From here every record the client sends is encrypted."
                                            : "From here every record the server sends is encrypted.");
    } else if (ev->type == TSC_EV_ENCRYPTED_HS) {
        if (ev->encrypted && w->flight_told[ev->dir])
            step(b, "... another encrypted record of the same flight", "");
        else if (ev->encrypted && (w->flight_told[ev->dir] = 1))
            step(b, ev->dir == TSC_S2C ? "Encrypted server flight" : "Encrypted Finished from the client",
                 ev->dir == TSC_S2C
                     ? "TLS 1.3: the server's EncryptedExtensions, Certificate, CertificateVerify and Finished, "
                       "encrypted with keys from the key exchange. The key log written beside the capture lets "
                       "Wireshark (and tlsscope, with decryption) show them."
                     : "TLS 1.3: the client's Finished, encrypted: it proves the client saw the same handshake.");
        else {
            snprintf(t, sizeof t, "Finished from the %s (encrypted)", ev->dir == TSC_C2S ? "client" : "server");
            step(b, t, "The first encrypted message: a hash of the whole handshake, under the new keys. If "
                       "anyone had tampered with a hello, the two Finished messages would not match and the "
                       "connection would fail.");
        }
    } else if (ev->type == TSC_EV_ALERT && ev->decrypted && tsc_is_ok(ev->status)) {
        const char *d = tsc_alert_desc_snake(ev->alert.description), *lv = tsc_alert_level_name(ev->alert.level);
        char from[64];
        from_title(from, sizeof from, "Alert", ev);
        snprintf(t, sizeof t, "%s: %s %s", from, lv ? lv : "?", d ? d : "?");
        step(b, t, ev->alert.description == 0 ? "close_notify: the polite end of the connection, so that a cut "
                                                "connection cannot pass for a complete one."
                                              : "An alert under encryption: the connection is in trouble.");
    } else if (ev->type == TSC_EV_ALERT) {
        step(b, ev->encrypted ? "Alert (encrypted)" : "Alert",
             ev->encrypted ? "An encrypted alert: usually close_notify, the polite end of the connection."
                           : "An alert in the clear: something went wrong during the handshake.");
    }
}

static void walk_emit(void *ctx, const struct tsc_conn *c, const struct tsc_conn_report *rep, void **data,
                      uint64_t ordinal)
{
    struct tsc_sink_impl *s = ctx;
    struct tsc_buf *b = &s->ob;
    struct wconn *w = wc_of(data);
    char cip[64], sip[64];
    tsc_endpoint_ip(&c->client, cip, sizeof cip);
    tsc_endpoint_ip(&c->server, sip, sizeof sip);
    W(tsc_buf_printf(b, "Connection %llu: %s port %u (client) to %s port %u (server), %s\n",
                     (unsigned long long)ordinal, cip, c->client.port, sip, c->server.port,
                     c->version ? tsc_version_name(c->version) : "no version agreed"));
    static const char *intro[] = {
        "",
        "Phase 1, Hello: the client says what it can do, the server chooses.",
        "Phase 2, Server authentication: the server proves who it is.",
        "Phase 3, Key exchange and the switch: keys are agreed, encryption starts.",
        "Phase 4, Finish: both sides confirm, the server issues a ticket, data flows.",
    };
    for (int ph = 1; ph <= 4 && w; ph++) {
        W(tsc_buf_printf(b, "\n%s\n", intro[ph]));
        if (w->phase[ph].len)
            W(tsc_buf_append(b, w->phase[ph].data, w->phase[ph].len));
        else if (ph == 2 && tsc_version_is_tls13(c->version))
            W(tsc_buf_puts(b, "\n  (encrypted in TLS 1.3: see the server's encrypted flight in phase 4)\n"));
    }
    if (c->dec.ok[0] || c->dec.ok[1])
        W(tsc_buf_printf(b, "\n  Application data: the client sent %llu bytes in %llu records, the server %llu bytes "
                            "in %llu records, all encrypted; decrypted with the key log: %llu and %llu bytes of "
                            "plaintext (each record also carries its authentication tag or MAC).\n",
                         (unsigned long long)c->app_bytes[0], (unsigned long long)c->app_records[0],
                         (unsigned long long)c->app_bytes[1], (unsigned long long)c->app_records[1],
                         (unsigned long long)c->dec.plaintext[0], (unsigned long long)c->dec.plaintext[1]));
    else
        W(tsc_buf_printf(b, "\n  Application data: the client sent %llu bytes in %llu records, the server %llu "
                            "bytes in %llu records, all encrypted.\n",
                         (unsigned long long)c->app_bytes[0], (unsigned long long)c->app_records[0],
                         (unsigned long long)c->app_bytes[1], (unsigned long long)c->app_records[1]));
    const struct tsc_finding *fs = rep->findings;
    size_t nf = rep->n_findings;
    if (nf) {
        W(tsc_buf_puts(b, "\nWhat an auditor would flag:\n"));
        for (size_t i = 0; i < nf; i++)
            W(tsc_buf_printf(b, "  %s: %s (%s)\n", tsc_severity_name(fs[i].rule->severity), fs[i].rule->title,
                             fs[i].rule->id));
    }
    W(tsc_buf_putc(b, '\n'));
    wc_free(ctx, c, data);
    tsc_report_out_flush(s, 0);
}

int tsc_walkthrough_sink_init(struct tsc_sink_impl *s);
int tsc_walkthrough_sink_init(struct tsc_sink_impl *s)
{
    s->render.ctx = s;
    s->render.need = TSC_NEED_SUITE; /* what the ServerHello's suite means; no fingerprints */
    s->render.event = walk_event;
    s->render.emit = walk_emit;
    s->render.discard = wc_free;
    return 0;
}
