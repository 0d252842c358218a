/*
 * cmd_server.c - tlsscope server: an OpenSSL TLS server (or, with --dtls, a
 * DTLS server on a UDP port) that shows each client's handshake, decoded
 * from its own wire bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/pipeline.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "core/text.h"
#include "analysis/analysis.h"
#include "peer/peer.h"
#include "report/report.h"
#include "tls/msg.h"

static void server_usage(FILE *f)
{
    fprintf(f,
            "usage: tlsscope server [OPTIONS]\n"
            "\n"
            "A TLS server (OpenSSL) that shows each client's handshake as read from its\n"
            "own wire bytes (what is encrypted shown decrypted with the server's own\n"
            "secrets). Without --cert it makes a self-signed certificate in memory.\n"
            "\n"
            "      --port N          listen on N (default 4433; 0: any free port, printed)\n"
            "      --bind ADDR       listen address (default 127.0.0.1)\n"
            "      --dtls            DTLS on a UDP port instead of TLS over TCP (DTLS 1.2):\n"
            "                        every client goes through the cookie exchange\n"
            "                        (HelloVerifyRequest), shown with its two ClientHellos\n"
            "      --dtls1.2, --dtls1.0, --mtu N  as for the client\n"
            "      --cert F --key F  certificate (chain) and key, PEM; --chain F more CAs\n"
            "      --name CN         name of the self-signed certificate (default localhost)\n"
            "      --tls1.2, --tls1.3, --min V, --max V, --ciphers L, --ciphersuites L,\n"
            "      --groups L        as for the client\n"
            "      --ticket-lifetime S  session ticket lifetime hint (default 7200)\n"
            "      --no-tickets      issue no session tickets\n"
            "      --request-cert    ask clients for a certificate\n"
            "      --echo            echo what clients send\n"
            "      --http            answer HTTP: a page describing the client's handshake\n"
            "                        (/json: the same as JSON; not with --dtls)\n"
            "      --keylog FILE     append the NSS key log\n"
            "      --pcap FILE       write every connection to a pcap\n"
            "      --pcapng FILE     write every connection to a pcapng with its secrets\n"
            "                        inside (a Decryption Secrets Block before its\n"
            "                        encrypted packets): Wireshark and tshark decrypt it\n"
            "                        with no key log option\n"
            "      --max-clients N   connections served at once (default 256)\n"
            "      --handshake-timeout S  drop clients that stall (default 10); with --dtls\n"
            "                        also clients silent that long after the handshake\n"
            "      --count N         stop after N connections\n"
            "%s"
            "\n"
            "SIGINT or SIGTERM stops it cleanly.\n",
            tsc_cli_common_help());
}

struct server {
    SSL_CTX *ctx;
    struct tsc_pipeline *pl;
    struct tsc_report *rep;
    pthread_mutex_t lock; /* the pipeline and the report */
    struct tsc_pcap_writer *w;
    struct tsc_pcapng_writer *ng;
    int echo, http, timeout;
    long mtu;
    atomic_int active;
    atomic_ulong served;
    int write_said; /* a report write failure was said (under lock) */
    struct client *dtls_clients; /* DTLS: the clients being served (peers_lock) */
    pthread_mutex_t peers_lock;
};

struct client {
    struct server *s;
    int fd;
    struct sockaddr_storage peer, local;
    /* the client's first bytes, for the --http page */
    struct tsc_tap tap;
    SSL *ssl;            /* DTLS: made for DTLSv1_listen */
    struct client *next; /* DTLS: in s->dtls_clients */
};

static int accept_any(int ok, X509_STORE_CTX *c)
{
    (void)ok;
    (void)c;
    return 1;
}

static volatile sig_atomic_t stopping;
static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* The ClientHello as the server saw it: the first bytes the client sent, as
 * the tap kept them. */
struct hello_copy {
    uint8_t buf[16384];
};

static void describe(struct tsc_buf *b, const uint8_t *wire, size_t n, int json)
{
    /* each client's thread decodes its own hello: nothing static here */
    struct tsc_client_hello *chp = malloc(sizeof *chp);
    if (!chp) {
        (void)tsc_buf_puts(b, "out of memory\n");
        return;
    }

    /* record header(s), then the handshake header, then the hello */
    struct tsc_buf hs;
    tsc_buf_init(&hs, 1 << 16);
    size_t off = 0;
    while (off + 5 <= n && wire[off] == 22) {
        size_t l = ((size_t)wire[off + 3] << 8) | wire[off + 4];
        if (off + 5 + l > n)
            break;
        (void)tsc_buf_append(&hs, wire + off + 5, l);
        off += 5 + l;
        if (hs.len >= 4 && hs.len >= 4 + (((size_t)hs.data[1] << 16) | ((size_t)hs.data[2] << 8) | hs.data[3]))
            break;
    }
    if (hs.len < 4 || hs.data[0] != 1) {
        (void)tsc_buf_puts(b, json ? "{\"error\":\"no ClientHello seen\"}\n" : "no ClientHello seen\n");
        tsc_buf_free(&hs);
        free(chp);
        return;
    }
    size_t blen = ((size_t)hs.data[1] << 16) | ((size_t)hs.data[2] << 8) | hs.data[3];
    struct tsc_view body = {hs.data + 4, blen <= hs.len - 4 ? blen : hs.len - 4};
    tsc_result r = tsc_client_hello_parse(body, chp);
    /* its fingerprints, from the analysis step as in every report */
    struct tsc_msg_facts *f = malloc(sizeof *f);
    if (!f) {
        (void)tsc_buf_puts(b, "out of memory\n");
        tsc_buf_free(&hs);
        free(chp);
        return;
    }
    f->have = 0;
    tsc_analysis_client_hello(chp, TSC_NEED_FP | (json ? TSC_NEED_FP_TEXT : 0), f);
    if (json) {
        (void)tsc_buf_puts(b, "{\"client_hello\":");
        tsc_json_client_hello(b, chp, f);
        (void)tsc_buf_puts(b, "}\n");
    } else {
        (void)tsc_buf_printf(b, "Your ClientHello, as this server saw it%s\n\n", tsc_is_ok(r) ? "" : " (malformed)");
        (void)tsc_buf_printf(b, "version field: 0x%04x\n", chp->legacy_version);
        const struct tsc_ext *sv = tsc_ext_find(&chp->ext, TSC_EXT_SUPPORTED_VERSIONS);
        if (sv)
            for (size_t i = 0; i < tsc_ext_list_count(sv); i++)
                (void)tsc_buf_printf(b, "supported version: 0x%04x\n", tsc_ext_list_at(sv, i));
        size_t ns = tsc_client_hello_n_suites(chp);
        (void)tsc_buf_printf(b, "%zu cipher suites:\n", ns);
        for (size_t i = 0; i < ns; i++)
            (void)tsc_buf_printf(b, "  0x%04x\n", (unsigned)tsc_client_hello_suite_at(chp, i));
        (void)tsc_buf_printf(b, "%u extensions:", chp->ext.n);
        for (uint16_t i = 0; i < chp->ext.stored; i++)
            (void)tsc_buf_printf(b, " %u", chp->ext.ext[i].type);
        (void)tsc_buf_putc(b, '\n');
        if (f->ja3_usable)
            (void)tsc_buf_printf(b, "JA3 %s\n", f->ch.ja3_md5);
        if (f->ja4_usable)
            (void)tsc_buf_printf(b, "JA4 %s\n", f->ch.ja4);
    }
    tsc_buf_free(&hs);
    free(f);
    free(chp);
}

/* A client's connection is over: its socket closed, its tap's connection
 * ended, and what the report holds written out. */
static void client_end(struct server *s, struct client *cl)
{
    close(cl->fd);
    tsc_tap_close(&cl->tap);
    pthread_mutex_lock(&s->lock);
    (void)tsc_cli_report_write(s->rep, 0, &s->write_said); /* said once; the exit status says it too */
    pthread_mutex_unlock(&s->lock);
}

static void *serve(void *arg)
{
    struct client *cl = arg;
    struct server *s = cl->s;
    char why[256];
    struct hello_copy *hc = calloc(1, sizeof *hc); /* NULL: served, but not described */
    struct timeval tv = {s->timeout, 0};
    setsockopt(cl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(cl->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    tsc_tap_init(&cl->tap, &cl->peer, &cl->local, s->pl, &s->lock, s->w);
    if (s->ng)
        tsc_tap_pcapng(&cl->tap, s->ng, 1);
    SSL *ssl = SSL_new(s->ctx);
    SSL_set_fd(ssl, cl->fd);
    if (hc) /* the client's first bytes, for --http */
        tsc_tap_keep_client(&cl->tap, hc->buf, sizeof hc->buf);
    tsc_peer_tap_ssl(ssl, &cl->tap, 0);
    if (SSL_accept(ssl) != 1) {
        fprintf(stderr, "tlsscope: server: a client failed its handshake: %s\n", tsc_peer_ssl_error(why, sizeof why));
        goto done;
    }
    tsc_tap_secrets_known(&cl->tap);
    char buf[16384];
    if (s->http) {
        int k = SSL_read(ssl, buf, sizeof buf - 1);
        if (k > 0) {
            buf[k] = 0;
            int json = strncmp(buf, "GET /json", 9) == 0;
            struct tsc_buf body, resp;
            tsc_buf_init(&body, 1 << 20);
            tsc_buf_init(&resp, 1 << 20);
            if (hc)
                describe(&body, hc->buf, cl->tap.keep_len, json);
            else
                (void)tsc_buf_puts(&body, "out of memory\n");
            (void)tsc_buf_printf(&resp,
                                 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                                 json ? "application/json" : "text/plain; charset=utf-8", body.len);
            (void)tsc_buf_append(&resp, body.data, body.len);
            SSL_write(ssl, resp.data, (int)resp.len);
            tsc_buf_free(&body);
            tsc_buf_free(&resp);
        }
    } else {
        for (;;) {
            int k = SSL_read(ssl, buf, sizeof buf);
            if (k <= 0)
                break;
            if (s->echo && SSL_write(ssl, buf, k) <= 0)
                break;
        }
    }
    SSL_shutdown(ssl);
done:
    SSL_free(ssl);
    client_end(s, cl);
    free(hc);
    atomic_fetch_sub(&s->active, 1);
    atomic_fetch_add(&s->served, 1);
    free(cl);
    return NULL;
}

/* ---- DTLS ----
 * One UDP socket listens: DTLSv1_listen answers each first ClientHello with
 * a HelloVerifyRequest and returns once a ClientHello brings the cookie back.
 * That client then gets a socket of its own, bound to the same address and
 * connected to it (the kernel prefers it for the client's datagrams), and a
 * thread, as a TCP client does. The listening socket's tap follows whichever
 * client a datagram came from, so the cookie exchange is in the same flow
 * (the same 5-tuple) as the rest of the handshake. */

static int same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

static const char *addr_text(const struct sockaddr_storage *ss, char *buf, size_t n)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        port = ntohs(s6->sin6_port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        port = ntohs(s4->sin_port);
    }
    snprintf(buf, n, "%s port %u", a, port);
    return buf;
}

static void *serve_dtls(void *arg)
{
    struct client *cl = arg;
    struct server *s = cl->s;
    SSL *ssl = cl->ssl;
    char why[256], who[80];
    int k = tsc_peer_dtls_handshake(ssl, cl->fd, 0, tsc_peer_deadline(s->timeout), why, sizeof why);
    if (k != 0) {
        fprintf(stderr, "tlsscope: server: the client at %s failed its handshake: %s\n",
                addr_text(&cl->peer, who, sizeof who), k > 0 ? "it went quiet" : why);
        goto done;
    }
    tsc_tap_secrets_known(&cl->tap);
    char buf[16384];
    for (;;) {
        int n = tsc_peer_dtls_read(ssl, cl->fd, buf, sizeof buf, tsc_peer_deadline(s->timeout));
        if (n <= 0)
            break; /* close_notify, an error, or silence (UDP has no close) */
        if (s->echo && tsc_peer_dtls_write(ssl, buf, (size_t)n) != 0)
            break;
    }
    SSL_shutdown(ssl);
done:
    ERR_clear_error();
    SSL_free(ssl);
    client_end(s, cl);
    pthread_mutex_lock(&s->peers_lock);
    for (struct client **pp = &s->dtls_clients; *pp; pp = &(*pp)->next)
        if (*pp == cl) {
            *pp = cl->next;
            break;
        }
    pthread_mutex_unlock(&s->peers_lock);
    atomic_fetch_sub(&s->active, 1);
    atomic_fetch_add(&s->served, 1);
    free(cl);
    return NULL;
}

/* A client passed the cookie exchange on ssl (its BIO on the listening
 * socket): move it to a socket of its own and serve it. 0 when a thread
 * took it (and ssl), -1 when it was dropped (ssl still the caller's). */
static int dtls_take(struct server *s, SSL *ssl, const BIO_ADDR *from, const struct sockaddr_storage *bound,
                     socklen_t bound_len, size_t maxc)
{
    char why[256], who[80];
    struct client *cl = calloc(1, sizeof *cl);
    if (!cl)
        return -1;
    unsigned char raw[16];
    size_t rawlen = 0;
    int fam = BIO_ADDR_family(from);
    if (!BIO_ADDR_rawaddress(from, NULL, &rawlen) || rawlen > sizeof raw || !BIO_ADDR_rawaddress(from, raw, &rawlen) ||
        (fam == AF_INET) != (rawlen == 4)) {
        free(cl);
        return -1;
    }
    if (fam == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&cl->peer;
        a->sin_family = AF_INET;
        memcpy(&a->sin_addr, raw, 4);
        a->sin_port = BIO_ADDR_rawport(from);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&cl->peer;
        a->sin6_family = AF_INET6;
        memcpy(&a->sin6_addr, raw, 16);
        a->sin6_port = BIO_ADDR_rawport(from);
    }
    pthread_mutex_lock(&s->peers_lock);
    int dup = 0;
    for (struct client *c = s->dtls_clients; c; c = c->next)
        dup |= same_peer(&c->peer, &cl->peer);
    pthread_mutex_unlock(&s->peers_lock);
    if (dup) { /* its ClientHello again, sent before it heard from its own socket */
        free(cl);
        return -1;
    }
    if ((size_t)atomic_load(&s->active) >= maxc) {
        fprintf(stderr, "tlsscope: server: %zu clients already: the one at %s refused\n", maxc,
                addr_text(&cl->peer, who, sizeof who));
        free(cl);
        return -1;
    }
    int one = 1;
    socklen_t ll = sizeof cl->local;
    cl->fd = socket(bound->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (cl->fd < 0 || setsockopt(cl->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(cl->fd, (const struct sockaddr *)bound, bound_len) != 0 ||
        connect(cl->fd, (const struct sockaddr *)&cl->peer,
                fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0 ||
        getsockname(cl->fd, (struct sockaddr *)&cl->local, &ll) != 0) {
        fprintf(stderr, "tlsscope: server: no socket for the client at %s: %s\n",
                addr_text(&cl->peer, who, sizeof who), strerror(errno));
        goto fail;
    }
    BIO *b = SSL_get_rbio(ssl);
    if (tsc_tap_init_udp(&cl->tap, &cl->peer, &cl->local, s->pl, &s->lock, s->w) != 0 ||
        tsc_peer_dgram_connect(b, cl->fd, &cl->peer) != 0) {
        fprintf(stderr, "tlsscope: server: out of memory\n");
        goto fail;
    }
    if (s->ng)
        tsc_tap_pcapng(&cl->tap, s->ng, 1);
    tsc_peer_tap_ssl(ssl, &cl->tap, 0); /* from now on this client's own tap */
    if (tsc_peer_dtls_mtu(ssl, s->mtu, why, sizeof why) != 0) {
        fprintf(stderr, "tlsscope: server: %s\n", why);
        goto fail;
    }
    cl->s = s;
    cl->ssl = ssl;
    pthread_mutex_lock(&s->peers_lock);
    cl->next = s->dtls_clients;
    s->dtls_clients = cl;
    pthread_mutex_unlock(&s->peers_lock);
    atomic_fetch_add(&s->active, 1);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &at, serve_dtls, cl);
    pthread_attr_destroy(&at);
    if (rc == 0)
        return 0;
    atomic_fetch_sub(&s->active, 1);
    pthread_mutex_lock(&s->peers_lock);
    s->dtls_clients = cl->next;
    pthread_mutex_unlock(&s->peers_lock);
fail:
    tsc_tap_close(&cl->tap);
    if (cl->fd >= 0)
        close(cl->fd);
    free(cl);
    return -1;
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Listen on the bound UDP socket lfd until stopped or `count` clients
 * passed the cookie exchange. */
static void dtls_listen_loop(struct server *s, int lfd, const struct sockaddr_storage *bound, socklen_t bound_len,
                             size_t maxc, size_t count, unsigned long *accepted)
{
    struct tsc_tap ltap;
    SSL *ssl = NULL;
    char why[256];
    int64_t last_tick = wall_us();
    if (tsc_tap_init_udp(&ltap, bound, bound, s->pl, &s->lock, s->w) != 0)
        fprintf(stderr, "tlsscope: server: out of memory: the cookie exchanges are not shown\n");
    ltap.follow_peer = 1; /* side 0: whoever the datagram came from */
    if (s->ng) /* the cookie exchanges: in clear, nothing to wait for */
        tsc_tap_pcapng(&ltap, s->ng, 0);
    while (!stopping && (!count || *accepted < count)) {
        if (!ssl) {
            BIO *b = BIO_new_dgram(lfd, BIO_NOCLOSE);
            ssl = b ? SSL_new(s->ctx) : NULL;
            if (!ssl) {
                BIO_free(b);
                fprintf(stderr, "tlsscope: server: out of memory\n");
                break;
            }
            SSL_set_bio(ssl, b, b);
            SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);
            tsc_peer_tap_ssl(ssl, &ltap, 0);
        }
        /* a UDP flow has no close: connections that did not complete are
         * shown once idle, so let time pass for the pipeline */
        int64_t now = wall_us();
        if (now - last_tick >= 1000000) {
            last_tick = now;
            pthread_mutex_lock(&s->lock);
            tsc_pipeline_tick(s->pl, now);
            (void)tsc_cli_report_write(s->rep, 0, &s->write_said);
            pthread_mutex_unlock(&s->lock);
        }
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        BIO_ADDR *from = BIO_ADDR_new();
        if (!from)
            continue;
        ERR_clear_error();
        int r = DTLSv1_listen(ssl, from);
        if (r > 0) {
            (*accepted)++;
            if (dtls_take(s, ssl, from, bound, bound_len, maxc) == 0)
                ssl = NULL; /* the client's thread has it */
            else {
                SSL_free(ssl);
                ssl = NULL;
            }
        } else if (r < 0) {
            fprintf(stderr, "tlsscope: server: a datagram dropped: %s\n", tsc_peer_ssl_error(why, sizeof why));
            SSL_free(ssl);
            ssl = NULL;
        }
        ERR_clear_error();
        BIO_ADDR_free(from);
    }
    SSL_free(ssl);
    tsc_tap_close(&ltap);
}

enum {
    S_PORT = TSC_OPT_FIRST_OWN, S_BIND, S_CERT, S_KEY, S_CHAIN, S_NAME, S_TLS12, S_TLS13, S_MIN, S_MAX, S_CIPHERS,
    S_SUITES, S_GROUPS, S_LIFETIME, S_NO_TICKETS, S_REQ_CERT, S_ECHO, S_HTTP, S_KEYLOG, S_PCAP, S_MAXC, S_HTO, S_COUNT,
    S_DTLS, S_DTLS10, S_DTLS12, S_MTU, S_PCAPNG,
};

int tsc_cmd_server(int argc, char **argv)
{
    static const struct option opts[] = {
        TSC_CLI_COMMON_LONGOPTS,
        {"port", required_argument, NULL, S_PORT}, {"bind", required_argument, NULL, S_BIND},
        {"cert", required_argument, NULL, S_CERT}, {"key", required_argument, NULL, S_KEY},
        {"chain", required_argument, NULL, S_CHAIN}, {"name", required_argument, NULL, S_NAME},
        {"tls1.2", no_argument, NULL, S_TLS12}, {"tls1.3", no_argument, NULL, S_TLS13},
        {"min", required_argument, NULL, S_MIN}, {"max", required_argument, NULL, S_MAX},
        {"ciphers", required_argument, NULL, S_CIPHERS}, {"ciphersuites", required_argument, NULL, S_SUITES},
        {"groups", required_argument, NULL, S_GROUPS}, {"ticket-lifetime", required_argument, NULL, S_LIFETIME},
        {"no-tickets", no_argument, NULL, S_NO_TICKETS}, {"request-cert", no_argument, NULL, S_REQ_CERT},
        {"echo", no_argument, NULL, S_ECHO}, {"http", no_argument, NULL, S_HTTP},
        {"keylog", required_argument, NULL, S_KEYLOG}, {"pcap", required_argument, NULL, S_PCAP},
        {"max-clients", required_argument, NULL, S_MAXC}, {"handshake-timeout", required_argument, NULL, S_HTO},
        {"count", required_argument, NULL, S_COUNT}, {"dtls", no_argument, NULL, S_DTLS},
        {"dtls1.0", no_argument, NULL, S_DTLS10}, {"dtls1.2", no_argument, NULL, S_DTLS12},
        {"mtu", required_argument, NULL, S_MTU}, {"pcapng", required_argument, NULL, S_PCAPNG},
        {NULL, 0, NULL, 0},
    };
    struct tsc_cli_opts o;
    const char *bind_addr = "127.0.0.1", *cert = NULL, *key = NULL, *chain = NULL, *name = "localhost";
    const char *ciphers = NULL, *suites = NULL, *groups = NULL, *keylog = NULL, *pcap = NULL, *pcapng = NULL;
    const char *min_arg = NULL, *max_arg = NULL; /* read once --dtls is known */
    int port = 4433, minv = 0, maxv = 0, no_tickets = 0, req_cert = 0, echo = 0, http = 0, dtls = 0, tls_only = 0;
    long mtu = 0;
    size_t lifetime = 7200, maxc = 256, hto = 10, count = 0;
    tsc_cli_opts_init(&o);
    int ch;
    struct tsc_cli_getopt g; /* the output formats' options, then these */
    if (tsc_cli_getopt_init(&g, opts, "qh") != 0)
        return TSC_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        int k = tsc_cli_common_opt(&o, ch, optarg);
        if (k < 0)
            return TSC_EXIT_USAGE;
        if (k > 0)
            continue;
        size_t v;
        switch (ch) {
        case S_PORT:
            if (tsc_parse_size(optarg, &v) || v > 65535) {
                fprintf(stderr, "tlsscope: --port takes 0 to 65535, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            port = (int)v;
            break;
        case S_BIND: bind_addr = optarg; break;
        case S_CERT: cert = optarg; break;
        case S_KEY: key = optarg; break;
        case S_CHAIN: chain = optarg; break;
        case S_NAME: name = optarg; break;
        case S_TLS12:
        case S_TLS13:
            min_arg = max_arg = ch == S_TLS12 ? "1.2" : "1.3";
            tls_only = 1;
            break;
        case S_DTLS10:
        case S_DTLS12:
            min_arg = max_arg = ch == S_DTLS10 ? "1.0" : "1.2";
            dtls = 1;
            break;
        case S_DTLS: dtls = 1; break;
        case S_MIN: min_arg = optarg; break;
        case S_MAX: max_arg = optarg; break;
        case S_MTU:
            if (tsc_parse_size(optarg, &v) || v == 0 || v > 65535) {
                fprintf(stderr, "tlsscope: --mtu takes bytes from 1 to 65535, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            mtu = (long)v;
            break;
        case S_CIPHERS: ciphers = optarg; break;
        case S_SUITES: suites = optarg; break;
        case S_GROUPS: groups = optarg; break;
        case S_NO_TICKETS: no_tickets = 1; break;
        case S_REQ_CERT: req_cert = 1; break;
        case S_ECHO: echo = 1; break;
        case S_HTTP: http = 1; break;
        case S_KEYLOG: keylog = optarg; break;
        case S_PCAP: pcap = optarg; break;
        case S_PCAPNG: pcapng = optarg; break;
        case S_LIFETIME:
        case S_MAXC:
        case S_HTO:
        case S_COUNT:
            if (tsc_parse_size(optarg, &v) || (ch != S_LIFETIME && v == 0)) {
                fprintf(stderr, "tlsscope: server: '%s' is not a number for that option\n", optarg);
                return TSC_EXIT_USAGE;
            }
            *(ch == S_LIFETIME ? &lifetime : ch == S_MAXC ? &maxc : ch == S_HTO ? &hto : &count) = v;
            break;
        case 'h': server_usage(stdout); return TSC_EXIT_OK;
        default: server_usage(stderr); return TSC_EXIT_USAGE;
        }
    }
    if (tsc_cli_opts_finish(&o) != 0 || optind != argc) {
        if (optind != argc)
            fprintf(stderr, "tlsscope: server takes no arguments (see --help)\n");
        return TSC_EXIT_USAGE;
    }
    if ((cert != NULL) != (key != NULL)) {
        fprintf(stderr, "tlsscope: server: --cert and --key go together\n");
        return TSC_EXIT_USAGE;
    }
    char why[256];
    if (tsc_peer_versions(dtls, min_arg, max_arg, &minv, &maxv, why, sizeof why) != 0) {
        fprintf(stderr, "tlsscope: %s\n", why);
        return TSC_EXIT_USAGE;
    }
    if (dtls && (tls_only || suites || http)) {
        fprintf(stderr, "tlsscope: server: %s is TLS only (see --help for --dtls)\n",
                tls_only ? "--tls1.2/--tls1.3" : suites ? "--ciphersuites" : "--http");
        return TSC_EXIT_USAGE;
    }
    if (mtu && !dtls) {
        fprintf(stderr, "tlsscope: server: --mtu goes with --dtls\n");
        return TSC_EXIT_USAGE;
    }
    int status = TSC_EXIT_INPUT, lfd = -1;
    struct server s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    pthread_mutex_init(&s.peers_lock, NULL);
    s.mtu = mtu;
    s.echo = echo;
    s.http = http;
    s.timeout = (int)hto;
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    s.ctx = SSL_CTX_new(dtls ? DTLS_server_method() : TLS_server_method());
    if (!s.ctx)
        goto out;
    if (dtls) {
        tsc_peer_dtls_cookies(s.ctx);
        if (minv == DTLS1_VERSION) { /* OpenSSL 3 refuses DTLS 1.0's signatures above level 0 */
            SSL_CTX_set_security_level(s.ctx, 0);
            fprintf(stderr, "tlsscope: server: DTLS 1.0: OpenSSL security level 0\n");
            if (!ciphers)
                ciphers = "DEFAULT:@SECLEVEL=0";
        }
    }
    if (cert) {
        if (SSL_CTX_use_certificate_chain_file(s.ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(s.ctx, key, SSL_FILETYPE_PEM) != 1) {
            fprintf(stderr, "tlsscope: server: %s: %s\n", cert, tsc_peer_ssl_error(why, sizeof why));
            goto out;
        }
    } else {
        if (tsc_peer_self_signed(name, 30, &pk, &x) != 0 || SSL_CTX_use_certificate(s.ctx, x) != 1 ||
            SSL_CTX_use_PrivateKey(s.ctx, pk) != 1) {
            fprintf(stderr, "tlsscope: server: cannot make a certificate: %s\n", tsc_peer_ssl_error(why, sizeof why));
            goto out;
        }
        fprintf(stderr, "tlsscope: server: self-signed certificate for %s (made in memory, valid 30 days)\n", name);
    }
    if (chain) {
        /* the chain file's certificates, in order */
        FILE *cf = fopen(chain, "r");
        X509 *c;
        if (!cf) {
            fprintf(stderr, "tlsscope: server: %s: %s\n", chain, strerror(errno));
            goto out;
        }
        while ((c = PEM_read_X509(cf, NULL, NULL, NULL)) != NULL)
            SSL_CTX_add0_chain_cert(s.ctx, c);
        ERR_clear_error();
        fclose(cf);
    }
    if (tsc_peer_ctx_settings(s.ctx, minv, maxv, ciphers, suites, groups) != 0) {
        fprintf(stderr, "tlsscope: server: %s\n", tsc_peer_ssl_error(why, sizeof why));
        status = TSC_EXIT_USAGE;
        goto out;
    }
    SSL_CTX_set_timeout(s.ctx, (long)lifetime); /* also the ticket lifetime hint */
    if (no_tickets) {
        SSL_CTX_set_options(s.ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(s.ctx, 0);
    }
    if (req_cert) /* any client certificate is accepted: it is shown, not judged */
        SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER, accept_any);
    if (keylog && tsc_peer_keylog(s.ctx, keylog) != 0) {
        fprintf(stderr, "tlsscope: %s: %s\n", keylog, strerror(errno));
        goto out;
    }
    if (pcap && !(s.w = tsc_pcap_writer_open(pcap))) {
        fprintf(stderr, "tlsscope: %s: %s\n", pcap, strerror(errno));
        goto out;
    }
    /* a server runs for long: each connection's secrets are written before
     * its encrypted packets as soon as its handshake is done (peer/tap.c) */
    if (pcapng && !(s.ng = tsc_pcapng_writer_open(pcapng, 0))) {
        fprintf(stderr, "tlsscope: %s: %s\n", pcapng, strerror(errno));
        goto out;
    }
    tsc_peer_keylog_taps(s.ctx); /* --pcapng: each connection's key log lines to its tap */
    s.rep = tsc_cli_report_new(&o);
    /* the server knows its secrets: its reports show the encrypted part too */
    s.pl = s.rep ? tsc_cli_pipeline_new(&o.lim, tsc_cli_report_sink(&o, s.rep), tsc_peer_decrypt_cfg(s.ctx)) : NULL;
    if (!s.pl)
        goto out;
    tsc_pipeline_set_live(s.pl, 1);

    struct sockaddr_storage sa;
    socklen_t salen;
    memset(&sa, 0, sizeof sa);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&sa;
    if (inet_pton(AF_INET, bind_addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        salen = sizeof *a4;
    } else if (inet_pton(AF_INET6, bind_addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        salen = sizeof *a6;
    } else {
        fprintf(stderr, "tlsscope: server: --bind takes an IPv4 or IPv6 address, not '%s'\n", bind_addr);
        status = TSC_EXIT_USAGE;
        goto out;
    }
    lfd = socket(sa.ss_family, (dtls ? SOCK_DGRAM | SOCK_NONBLOCK : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, salen) != 0 || (!dtls && listen(lfd, SOMAXCONN) != 0)) {
        fprintf(stderr, "tlsscope: server: cannot listen on %s %sport %d: %s\n", bind_addr, dtls ? "UDP " : "", port,
                strerror(errno));
        goto out;
    }
    getsockname(lfd, (struct sockaddr *)&sa, &salen);
    fprintf(stderr, "tlsscope: server: listening on %s %sport %u (Ctrl-C to stop)\n", bind_addr,
            dtls ? "UDP " : "", ntohs(sa.ss_family == AF_INET ? a4->sin_port : a6->sin6_port));
    struct sigaction sig;
    memset(&sig, 0, sizeof sig);
    sig.sa_handler = on_signal;
    sigemptyset(&sig.sa_mask);
    sigaction(SIGINT, &sig, NULL);
    sigaction(SIGTERM, &sig, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned long accepted = 0;
    if (dtls)
        dtls_listen_loop(&s, lfd, &sa, salen, maxc, count, &accepted);
    while (!dtls && !stopping && (!count || accepted < count)) {
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        struct client *cl = calloc(1, sizeof *cl);
        if (!cl)
            continue;
        socklen_t pl2 = sizeof cl->peer, ll = sizeof cl->local;
        cl->fd = accept(lfd, (struct sockaddr *)&cl->peer, &pl2);
        if (cl->fd < 0) {
            free(cl);
            continue;
        }
        getsockname(cl->fd, (struct sockaddr *)&cl->local, &ll);
        accepted++;
        if ((size_t)atomic_load(&s.active) >= maxc) {
            fprintf(stderr, "tlsscope: server: %zu clients already: one refused\n", maxc);
            close(cl->fd);
            free(cl);
            continue;
        }
        cl->s = &s;
        atomic_fetch_add(&s.active, 1);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, serve, cl) != 0) {
            atomic_fetch_sub(&s.active, 1);
            close(cl->fd);
            free(cl);
        }
        pthread_attr_destroy(&at);
    }
    /* let the clients being served finish (bounded by the timeout) */
    for (int i = 0; i < (s.timeout + 1) * 20 && atomic_load(&s.active) > 0; i++)
        usleep(50000);
    pthread_mutex_lock(&s.lock);
    tsc_pipeline_finish(s.pl);
    (void)tsc_cli_report_write(s.rep, 0, &s.write_said);
    pthread_mutex_unlock(&s.lock);
    fprintf(stderr, "tlsscope: server: %lu connections served\n", (unsigned long)atomic_load(&s.served));
    status = TSC_EXIT_OK;
out:
    if (lfd >= 0)
        close(lfd);
    if (atomic_load(&s.active) == 0) {
        tsc_pipeline_free(s.pl);
        /* --html: the page is finished once no client can add to it */
        if (tsc_cli_html_close(&o) != 0 && status == TSC_EXIT_OK)
            status = TSC_EXIT_INPUT;
        if (s.rep && tsc_cli_report_write(s.rep, 1, &s.write_said) != 0)
            status = TSC_EXIT_INPUT;
        tsc_report_free(s.rep);
        SSL_CTX_free(s.ctx);
        tsc_pcap_writer_close(s.w);
        if (tsc_cli_pcapng_close(pcapng, s.ng) != 0 && status == TSC_EXIT_OK)
            status = TSC_EXIT_INPUT;
        tsc_peer_keylog_close(); /* the key logs too: no thread can still look a secret up */
    } else if (s.rep) {
        /* a client thread may still write: the report cannot be closed */
        fprintf(stderr, "tlsscope: server: %d clients still being served at exit: the report is left as it is "
                        "(logs without their trailers, an HTML page unfinished)\n", atomic_load(&s.active));
        if (status == TSC_EXIT_OK)
            status = TSC_EXIT_INPUT;
    }
    EVP_PKEY_free(pk);
    X509_free(x);
    return status;
}
