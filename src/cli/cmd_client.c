/*
 * cmd_client.c - tlsscope client: an OpenSSL TLS client (or, with --dtls, a
 * DTLS client over UDP) that shows its own handshake, decoded from its own
 * wire bytes (the tap), not from OpenSSL's opinion of it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/pipeline.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "peer/peer.h"
#include "report/report.h"

static void client_usage(FILE *f)
{
    fprintf(f,
            "usage: tlsscope client [OPTIONS] HOST[:PORT]\n"
            "\n"
            "Connect with TLS (OpenSSL), send a little data, and show the handshake\n"
            "as read from this client's own wire bytes, in the four phases; what is\n"
            "encrypted is shown decrypted with the client's own secrets. PORT: 443.\n"
            "\n"
            "      --dtls            DTLS over UDP instead of TLS over TCP (DTLS 1.2;\n"
            "                        OpenSSL has no DTLS 1.3): a HelloVerifyRequest and\n"
            "                        the second ClientHello with its cookie are shown\n"
            "      --dtls1.2, --dtls1.0  --dtls, only this version (1.0 at OpenSSL's\n"
            "                        security level 0, said on stderr; so is --min 1.0)\n"
            "      --mtu N           DTLS: path MTU in bytes, IP and UDP headers included\n"
            "                        (as openssl's -mtu); a small one fragments the\n"
            "                        certificate flight (default: asked of the socket)\n"
            "      --sni NAME        server name to send (default: HOST unless it is an address)\n"
            "      --no-sni          send no server name\n"
            "      --alpn LIST       protocols to offer, comma-separated (h2,http/1.1)\n"
            "      --tls1.2, --tls1.3  only this version (default: 1.2 or 1.3)\n"
            "      --min V, --max V  version bounds: 1.0, 1.1, 1.2, 1.3 (with --dtls:\n"
            "                        DTLS 1.0 or 1.2)\n"
            "      --ciphers LIST    TLS 1.2-and-below (and DTLS) suites (OpenSSL names)\n"
            "      --ciphersuites L  TLS 1.3 suites (not with --dtls)\n"
            "      --groups LIST     key exchange groups (X25519:P-256)\n"
            "      --cafile FILE     trust these CAs (default: the system trust store)\n"
            "      --cert F --key F  a client certificate and its key\n"
            "      --legacy          allow TLS 1.0/1.1 and SHA-1/CBC suites: OpenSSL's\n"
            "                        security level 0 (said on stderr)\n"
            "      --reconnect       connect again, resuming the session (ticket or id)\n"
            "      --send DATA       send DATA (\\r\\n understood); default: stdin when it\n"
            "                        is not a terminal, else nothing\n"
            "      --keylog FILE     append the NSS key log (SSLKEYLOGFILE format)\n"
            "      --pcap FILE       write the connection(s) as a pcap\n"
            "      --pcapng FILE     write the connection(s) as a pcapng with their secrets\n"
            "                        inside (Decryption Secrets Blocks): Wireshark, tshark\n"
            "                        and tlsscope read decrypt it with no key log option\n"
            "  -k, --insecure        a certificate that does not verify is reported (why,\n"
            "                        on stderr and in the output) but not fatal: exit 0\n"
            "                        (also --no-verify); without it the client stops\n"
            "                        after the handshake: nothing sent, no --reconnect\n"
            "      --timeout S       connect and read timeout in seconds (default 10); with\n"
            "                        --dtls the whole handshake's, retransmissions included\n"
            "%s"
            "\n"
            "exit status: 0 the handshake completed (and the certificate verified, unless\n"
            "-k), 1 it did not (the reason on stderr), 2 usage error, 3 a finding at or\n"
            "above --fail-on.\n",
            tsc_cli_common_help());
}

struct client_opts {
    const char *host, *port, *sni, *alpn, *ciphers, *suites, *groups, *cafile, *cert, *key;
    const char *send, *keylog, *pcap, *pcapng;
    const char *min_arg, *max_arg; /* read once --dtls is known */
    int no_sni, min, max, legacy, reconnect, timeout, no_verify;
    int dtls, tls_only; /* tls_only: --tls1.2 or --tls1.3 was given */
    long mtu;
};

/* HOST, HOST:PORT, [V6]:PORT, V6 */
static int split_target(char *arg, const char **host, const char **port)
{
    *port = "443";
    if (arg[0] == '[') {
        char *e = strchr(arg, ']');
        if (!e)
            return -1;
        *e = 0;
        *host = arg + 1;
        if (e[1] == ':')
            *port = e + 2;
        else if (e[1])
            return -1;
        return 0;
    }
    char *c = strrchr(arg, ':');
    if (c && strchr(arg, ':') == c) {
        *c = 0;
        *port = c + 1;
    }
    *host = arg;
    return **host ? 0 : -1;
}

/* TCP connect with a timeout, or (udp) a connected, non-blocking UDP
 * socket; -1 with a reason. */
static int dial(const char *host, const char *port, int timeout, int udp, char *why, size_t n)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, n, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    snprintf(why, n, "no address");
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        if (udp) {
            /* nothing is sent: whether anyone listens shows in the handshake */
            if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
                freeaddrinfo(res);
                return fd;
            }
            snprintf(why, n, "cannot use %s UDP port %s: %s", host, port, strerror(errno));
            close(fd);
            fd = -1;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            int k = poll(&p, 1, timeout * 1000);
            int err = 0;
            socklen_t el = sizeof err;
            if (k == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) {
                fcntl(fd, F_SETFL, fl);
                struct timeval tv = {timeout, 0};
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                freeaddrinfo(res);
                return fd;
            }
            snprintf(why, n, "cannot connect to %s port %s: %s", host, port,
                     k == 0 ? "timed out" : strerror(err ? err : errno));
        } else {
            snprintf(why, n, "cannot connect to %s port %s: %s", host, port, strerror(errno));
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return -1;
}

/* What OpenSSL made of the server's certificate, on stderr and in the
 * report (with the connection of the tap's client side), and resumption on
 * stderr. */
static void verdict(SSL *ssl, const struct client_opts *co, int *verify_failed, struct tsc_report *rep,
                    struct tsc_report *html, const struct tsc_tap *tap)
{
    long v = SSL_get_verify_result(ssl);
    struct tsc_peer_verdict pv;
    memset(&pv, 0, sizeof pv);
    pv.client = tap->ep[0];
    pv.insecure = co->no_verify;
    pv.verified = v == X509_V_OK;
    if (v != X509_V_OK) {
        snprintf(pv.reason, sizeof pv.reason, "%s", X509_verify_cert_error_string(v));
        fprintf(stderr, "tlsscope: %s: certificate verification failed: %s%s\n", co->host, pv.reason,
                co->no_verify ? " (accepted: --insecure)" : "");
        *verify_failed = 1;
    } else {
        fprintf(stderr, "tlsscope: %s: certificate verified (chain and name)\n", co->host);
    }
    tsc_cli_peer_verdict(rep, html, &pv);
    if (SSL_session_reused(ssl))
        fprintf(stderr, "tlsscope: %s: session resumed\n", co->host);
}

/* The server name to send: --sni, else HOST unless it is an address. */
static const char *sni_of(const struct client_opts *co)
{
    if (co->sni || co->no_sni)
        return co->sni;
    struct in6_addr a6;
    if (inet_pton(AF_INET, co->host, &a6) != 1 && inet_pton(AF_INET6, co->host, &a6) != 1)
        return co->host;
    return NULL;
}

static size_t unescape(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k < n; s++) {
        if (s[0] == '\\' && s[1] == 'r') {
            out[k++] = '\r';
            s++;
        } else if (s[0] == '\\' && s[1] == 'n') {
            out[k++] = '\n';
            s++;
        } else {
            out[k++] = *s;
        }
    }
    return k;
}

/* dial(), the failure said on stderr, and the socket's two ends (the tap's
 * addresses). */
static int dial_ends(const struct client_opts *co, int udp, struct sockaddr_storage *local,
                     struct sockaddr_storage *peer)
{
    char why[512];
    int fd = dial(co->host, co->port, co->timeout, udp, why, sizeof why);
    if (fd < 0) {
        fprintf(stderr, "tlsscope: %s\n", why);
        return -1;
    }
    socklen_t ll = sizeof *local, pl_len = sizeof *peer;
    getsockname(fd, (struct sockaddr *)local, &ll);
    getpeername(fd, (struct sockaddr *)peer, &pl_len);
    return fd;
}

/* One connection. Returns 0 when the handshake completed. */
/* Where a connection's packets go. */
struct client_out {
    struct tsc_report *rep;
    struct tsc_pipeline *pl;
    struct tsc_pcap_writer *w;
    struct tsc_pcapng_writer *ng;
    struct tsc_report *html; /* --html: gets the peer's verdict too */
};

static int one(SSL_CTX *ctx, const struct client_opts *co, SSL_SESSION **sess, const struct client_out *out,
               const char *payload, size_t payload_len, int *verify_failed)
{
    char why[512];
    struct sockaddr_storage local, peer;
    int fd = dial_ends(co, 0, &local, &peer);
    if (fd < 0)
        return -1;
    struct tsc_tap tap;
    tsc_tap_init(&tap, &local, &peer, out->pl, NULL, out->w);
    if (out->ng)
        tsc_tap_pcapng(&tap, out->ng, 1);
    SSL *ssl = SSL_new(ctx);
    int rc = -1;
    errno = 0;
    SSL_set_fd(ssl, fd);
    const char *sni = sni_of(co);
    if (sni)
        SSL_set_tlsext_host_name(ssl, sni);
    SSL_set1_host(ssl, sni ? sni : co->host);
    if (*sess)
        SSL_set_session(ssl, *sess);
    tsc_peer_tap_ssl(ssl, &tap, 1);
    if (SSL_connect(ssl) != 1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            fprintf(stderr, "tlsscope: %s: handshake failed: no answer from the server within %d s\n", co->host,
                    co->timeout);
        else
            fprintf(stderr, "tlsscope: %s: handshake failed: %s\n", co->host, tsc_peer_ssl_error(why, sizeof why));
        ERR_clear_error();
        goto done;
    }
    tsc_tap_secrets_known(&tap);
    verdict(ssl, co, verify_failed, out->rep, out->html, &tap);
    if (*verify_failed && !co->no_verify) {
        /* as curl without -k: nothing is sent to a server that did not
         * prove who it is, and it is not asked again (--reconnect) */
        rc = 0;
        SSL_shutdown(ssl);
        goto done;
    }
    if (payload_len && SSL_write(ssl, payload, (int)payload_len) <= 0)
        fprintf(stderr, "tlsscope: %s: write failed: %s\n", co->host, tsc_peer_ssl_error(why, sizeof why));
    /* read what comes back (and TLS 1.3 tickets) until the server closes or goes quiet */
    char buf[16384];
    struct pollfd p = {fd, POLLIN, 0};
    int quiet_ms = payload_len ? co->timeout * 1000 : 300;
    for (;;) {
        if (SSL_pending(ssl) == 0 && poll(&p, 1, quiet_ms) <= 0)
            break;
        int k = SSL_read(ssl, buf, sizeof buf); /* the report counts it; it is not printed */
        if (k <= 0 && SSL_get_error(ssl, k) == SSL_ERROR_WANT_READ)
            continue; /* a record that was not data (a TLS 1.3 ticket): wait again, as long as quiet_ms */
        if (k <= 0)
            break;
        quiet_ms = 300;
    }
    rc = 0;
    if (co->reconnect) {
        SSL_SESSION_free(*sess);
        *sess = SSL_get1_session(ssl);
    }
    SSL_shutdown(ssl);
done:
    SSL_free(ssl);
    close(fd);
    tsc_tap_close(&tap);
    return rc;
}

/* One DTLS connection over a connected UDP socket: the handshake driven
 * with OpenSSL's retransmission timer and an overall deadline (a server that
 * never answers cannot hold the client), every datagram tapped whole. */
static int one_dtls(SSL_CTX *ctx, const struct client_opts *co, SSL_SESSION **sess, const struct client_out *out,
                    const char *payload, size_t payload_len, int *verify_failed)
{
    char why[512];
    struct sockaddr_storage local, peer;
    int fd = dial_ends(co, 1, &local, &peer);
    if (fd < 0)
        return -1;
    struct tsc_tap tap;
    int rc = -1;
    SSL *ssl = NULL;
    BIO *bio = NULL;
    if (tsc_tap_init_udp(&tap, &local, &peer, out->pl, NULL, out->w) != 0 || !(ssl = SSL_new(ctx)) ||
        !(bio = tsc_peer_dgram_bio(fd, &peer))) {
        fprintf(stderr, "tlsscope: %s: out of memory\n", co->host);
        goto done;
    }
    if (out->ng)
        tsc_tap_pcapng(&tap, out->ng, 1);
    SSL_set_bio(ssl, bio, bio);
    if (tsc_peer_dtls_mtu(ssl, co->mtu, why, sizeof why) != 0) {
        fprintf(stderr, "tlsscope: client: %s\n", why);
        goto done;
    }
    const char *sni = sni_of(co);
    if (sni)
        SSL_set_tlsext_host_name(ssl, sni);
    SSL_set1_host(ssl, sni ? sni : co->host);
    if (*sess)
        SSL_set_session(ssl, *sess);
    tsc_peer_tap_ssl(ssl, &tap, 1);
    int k = tsc_peer_dtls_handshake(ssl, fd, 1, tsc_peer_deadline(co->timeout), why, sizeof why);
    if (k != 0) {
        if (k > 0)
            fprintf(stderr, "tlsscope: %s: handshake failed: no answer from UDP port %s within %d s\n", co->host,
                    co->port, co->timeout);
        else
            fprintf(stderr, "tlsscope: %s: handshake failed: %s\n", co->host, why);
        goto done;
    }
    tsc_tap_secrets_known(&tap);
    verdict(ssl, co, verify_failed, out->rep, out->html, &tap);
    if (*verify_failed && !co->no_verify) { /* as for TLS: nothing sent, no --reconnect */
        rc = 0;
        SSL_shutdown(ssl);
        goto done;
    }
    if (payload_len && tsc_peer_dtls_write(ssl, payload, payload_len) != 0)
        fprintf(stderr, "tlsscope: %s: write failed: %s\n", co->host, tsc_peer_ssl_error(why, sizeof why));
    /* read what comes back until the server closes or goes quiet */
    char buf[16384];
    int quiet = payload_len ? co->timeout * 1000 : 300;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + quiet;
        if (tsc_peer_dtls_read(ssl, fd, buf, sizeof buf, deadline) <= 0) /* counted by the report */
            break;
        quiet = 300;
    }
    rc = 0;
    if (co->reconnect) {
        SSL_SESSION_free(*sess);
        *sess = SSL_get1_session(ssl);
    }
    SSL_shutdown(ssl); /* close_notify, sent once: UDP has no close of its own */
done:
    ERR_clear_error();
    SSL_free(ssl); /* frees the BIO */
    close(fd);
    tsc_tap_close(&tap);
    return rc;
}

enum {
    O_SNI = TSC_OPT_FIRST_OWN, O_NO_SNI, O_ALPN, O_TLS12, O_TLS13, O_MIN, O_MAX, O_CIPHERS, O_SUITES, O_GROUPS,
    O_CAFILE, O_CERT, O_KEY, O_LEGACY, O_RECONNECT, O_SEND, O_KEYLOG, O_PCAP, O_TIMEOUT, O_NO_VERIFY,
    O_DTLS, O_DTLS10, O_DTLS12, O_MTU, O_PCAPNG,
};

int tsc_cmd_client(int argc, char **argv)
{
    static const struct option opts[] = {
        TSC_CLI_COMMON_LONGOPTS,
        {"sni", required_argument, NULL, O_SNI}, {"no-sni", no_argument, NULL, O_NO_SNI},
        {"alpn", required_argument, NULL, O_ALPN}, {"tls1.2", no_argument, NULL, O_TLS12},
        {"tls1.3", no_argument, NULL, O_TLS13}, {"min", required_argument, NULL, O_MIN},
        {"max", required_argument, NULL, O_MAX}, {"ciphers", required_argument, NULL, O_CIPHERS},
        {"ciphersuites", required_argument, NULL, O_SUITES}, {"groups", required_argument, NULL, O_GROUPS},
        {"cafile", required_argument, NULL, O_CAFILE}, {"cert", required_argument, NULL, O_CERT},
        {"key", required_argument, NULL, O_KEY}, {"legacy", no_argument, NULL, O_LEGACY},
        {"reconnect", no_argument, NULL, O_RECONNECT}, {"send", required_argument, NULL, O_SEND},
        {"keylog", required_argument, NULL, O_KEYLOG}, {"pcap", required_argument, NULL, O_PCAP},
        {"timeout", required_argument, NULL, O_TIMEOUT}, {"insecure", no_argument, NULL, 'k'},
        {"no-verify", no_argument, NULL, O_NO_VERIFY}, {"pcapng", required_argument, NULL, O_PCAPNG},
        {"dtls", no_argument, NULL, O_DTLS}, {"dtls1.0", no_argument, NULL, O_DTLS10},
        {"dtls1.2", no_argument, NULL, O_DTLS12}, {"mtu", required_argument, NULL, O_MTU},
        {NULL, 0, NULL, 0},
    };
    struct tsc_cli_opts o;
    struct client_opts co;
    memset(&co, 0, sizeof co);
    co.timeout = 10;
    tsc_cli_opts_init(&o);
    o.quiet = 1;
    int ch;
    struct tsc_cli_getopt g; /* the output formats' options, then these */
    if (tsc_cli_getopt_init(&g, opts, "qhk") != 0)
        return TSC_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        int k = tsc_cli_common_opt(&o, ch, optarg);
        if (k < 0)
            return TSC_EXIT_USAGE;
        if (k > 0)
            continue;
        switch (ch) {
        case O_SNI: co.sni = optarg; break;
        case O_NO_SNI: co.no_sni = 1; break;
        case O_ALPN: co.alpn = optarg; break;
        case O_TLS12:
        case O_TLS13:
            co.min_arg = co.max_arg = ch == O_TLS12 ? "1.2" : "1.3";
            co.tls_only = 1;
            break;
        case O_DTLS10:
        case O_DTLS12:
            co.min_arg = co.max_arg = ch == O_DTLS10 ? "1.0" : "1.2";
            co.dtls = 1;
            break;
        case O_DTLS: co.dtls = 1; break;
        case O_MIN: co.min_arg = optarg; break;
        case O_MAX: co.max_arg = optarg; break;
        case O_MTU: {
            size_t v;
            if (tsc_parse_size(optarg, &v) || v == 0 || v > 65535) {
                fprintf(stderr, "tlsscope: --mtu takes bytes from 1 to 65535, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            co.mtu = (long)v;
            break;
        }
        case O_CIPHERS: co.ciphers = optarg; break;
        case O_SUITES: co.suites = optarg; break;
        case O_GROUPS: co.groups = optarg; break;
        case O_CAFILE: co.cafile = optarg; break;
        case O_CERT: co.cert = optarg; break;
        case O_KEY: co.key = optarg; break;
        case O_LEGACY: co.legacy = 1; break;
        case O_RECONNECT: co.reconnect = 1; break;
        case O_SEND: co.send = optarg; break;
        case O_KEYLOG: co.keylog = optarg; break;
        case O_PCAP: co.pcap = optarg; break;
        case O_PCAPNG: co.pcapng = optarg; break;
        case 'k':
        case O_NO_VERIFY: co.no_verify = 1; break;
        case O_TIMEOUT: {
            size_t v;
            if (tsc_parse_size(optarg, &v) || v == 0 || v > 3600) {
                fprintf(stderr, "tlsscope: --timeout takes seconds from 1 to 3600, not '%s'\n", optarg);
                return TSC_EXIT_USAGE;
            }
            co.timeout = (int)v;
            break;
        }
        case 'h': client_usage(stdout); return TSC_EXIT_OK;
        default: client_usage(stderr); return TSC_EXIT_USAGE;
        }
    }
    if (tsc_cli_opts_finish(&o) != 0)
        return TSC_EXIT_USAGE;
    if (optind != argc - 1) {
        fprintf(stderr, "tlsscope: client needs one HOST[:PORT]\n");
        return TSC_EXIT_USAGE;
    }
    if (split_target(argv[optind], &co.host, &co.port) != 0) {
        fprintf(stderr, "tlsscope: client: '%s' is not HOST[:PORT]\n", argv[optind]);
        return TSC_EXIT_USAGE;
    }
    if ((co.cert != NULL) != (co.key != NULL)) {
        fprintf(stderr, "tlsscope: client: --cert and --key go together\n");
        return TSC_EXIT_USAGE;
    }
    char vwhy[128];
    if (tsc_peer_versions(co.dtls, co.min_arg, co.max_arg, &co.min, &co.max, vwhy, sizeof vwhy) != 0) {
        fprintf(stderr, "tlsscope: %s\n", vwhy);
        return TSC_EXIT_USAGE;
    }
    if (co.dtls && (co.tls_only || co.suites)) {
        fprintf(stderr, "tlsscope: client: %s is TLS only: with --dtls, use --dtls1.0, --dtls1.2, --min, --max, "
                        "--ciphers\n",
                co.tls_only ? "--tls1.2/--tls1.3" : "--ciphersuites");
        return TSC_EXIT_USAGE;
    }
    if (co.mtu && !co.dtls) {
        fprintf(stderr, "tlsscope: client: --mtu goes with --dtls\n");
        return TSC_EXIT_USAGE;
    }

    char why[512];
    int status = TSC_EXIT_INPUT;
    SSL_SESSION *sess = NULL;
    struct tsc_pcap_writer *w = NULL;
    struct tsc_pcapng_writer *ng = NULL;
    struct tsc_report *rep = NULL;
    struct tsc_pipeline *pl = NULL;
    SSL_CTX *ctx = SSL_CTX_new(co.dtls ? DTLS_client_method() : TLS_client_method());
    if (!ctx)
        goto out;
    if (co.legacy) {
        SSL_CTX_set_security_level(ctx, 0);
        fprintf(stderr, "tlsscope: --legacy: OpenSSL security level 0: %s and weak suites allowed\n",
                co.dtls ? "DTLS 1.0" : "TLS 1.0/1.1");
        if (!co.min)
            co.min = co.dtls ? DTLS1_VERSION : TLS1_VERSION;
        if (!co.ciphers)
            co.ciphers = "DEFAULT:@SECLEVEL=0";
    } else if (co.dtls && co.min == DTLS1_VERSION) {
        /* OpenSSL 3 refuses DTLS 1.0's signatures above level 0 */
        SSL_CTX_set_security_level(ctx, 0);
        fprintf(stderr, "tlsscope: DTLS 1.0: OpenSSL security level 0\n");
        if (!co.ciphers)
            co.ciphers = "DEFAULT:@SECLEVEL=0";
    }
    if (tsc_peer_ctx_settings(ctx, co.min, co.max, co.ciphers, co.suites, co.groups) != 0) {
        fprintf(stderr, "tlsscope: client: %s\n", tsc_peer_ssl_error(why, sizeof why));
        status = TSC_EXIT_USAGE;
        goto out;
    }
    if (co.alpn) {
        unsigned char wire[512];
        size_t n = 0;
        const char *s = co.alpn;
        while (*s) {
            const char *e = strchr(s, ',');
            size_t l = e ? (size_t)(e - s) : strlen(s);
            if (l == 0 || l > 255 || n + 1 + l > sizeof wire) {
                fprintf(stderr, "tlsscope: client: bad --alpn list '%s'\n", co.alpn);
                status = TSC_EXIT_USAGE;
                goto out;
            }
            wire[n++] = (unsigned char)l;
            memcpy(wire + n, s, l);
            n += l;
            s += l + (e ? 1 : 0);
        }
        SSL_CTX_set_alpn_protos(ctx, wire, (unsigned)n);
    }
    if (co.cafile ? !SSL_CTX_load_verify_locations(ctx, co.cafile, NULL) : !SSL_CTX_set_default_verify_paths(ctx)) {
        fprintf(stderr, "tlsscope: client: %s: %s\n", co.cafile ? co.cafile : "system trust store",
                tsc_peer_ssl_error(why, sizeof why));
        goto out;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* judged after the handshake, to show it either way */
    if (co.cert && (SSL_CTX_use_certificate_chain_file(ctx, co.cert) != 1 ||
                    SSL_CTX_use_PrivateKey_file(ctx, co.key, SSL_FILETYPE_PEM) != 1)) {
        fprintf(stderr, "tlsscope: client: %s: %s\n", co.cert, tsc_peer_ssl_error(why, sizeof why));
        goto out;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    /* SSL_read returns after a record that holds no data (TLS 1.3's tickets)
     * instead of blocking for the next one until --timeout: a server that
     * sends its tickets and waits is left after 300 ms of quiet, not 10 s */
    SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
    if (co.keylog && tsc_peer_keylog(ctx, co.keylog) != 0) {
        fprintf(stderr, "tlsscope: %s: %s\n", co.keylog, strerror(errno));
        goto out;
    }
    if (co.pcap && !(w = tsc_pcap_writer_open(co.pcap))) {
        fprintf(stderr, "tlsscope: %s: %s\n", co.pcap, strerror(errno));
        goto out;
    }
    /* the client's run is short: the whole file in memory, all its secrets
     * before the first packet (see peer/tap.c) */
    if (co.pcapng && !(ng = tsc_pcapng_writer_open(co.pcapng, TSC_PCAPNG_WHOLE))) {
        fprintf(stderr, "tlsscope: %s: %s\n", co.pcapng, strerror(errno));
        goto out;
    }
    char payload[65536];
    size_t payload_len = 0;
    if (co.send)
        payload_len = unescape(co.send, payload, sizeof payload);
    else if (!isatty(STDIN_FILENO))
        payload_len = fread(payload, 1, sizeof payload, stdin);
    rep = tsc_cli_report_new(&o);
    /* the client knows its secrets: its report shows the encrypted part too */
    pl = rep ? tsc_cli_pipeline_new(&o.lim, tsc_cli_report_sink(&o, rep), tsc_peer_decrypt_cfg(ctx)) : NULL;
    if (!pl)
        goto out;
    tsc_peer_keylog_taps(ctx); /* --pcapng: each connection's key log lines to its tap */
    int verify_failed = 0;
    struct client_out dest = {rep, pl, w, ng, o.html};
    int (*connect_one)(SSL_CTX *, const struct client_opts *, SSL_SESSION **, const struct client_out *,
                       const char *, size_t, int *) = co.dtls ? one_dtls : one;
    int rc = connect_one(ctx, &co, &sess, &dest, payload, payload_len, &verify_failed);
    if (rc == 0 && co.reconnect && (!verify_failed || co.no_verify))
        rc = connect_one(ctx, &co, &sess, &dest, payload, payload_len, &verify_failed);
    tsc_pipeline_finish(pl);
    int said = 0;
    int write_failed = tsc_cli_report_write(rep, 1, &said) != 0;
    status = rc == 0 && (!verify_failed || co.no_verify) && !write_failed ? TSC_EXIT_OK : TSC_EXIT_INPUT;
    if (tsc_cli_pcapng_close(co.pcapng, ng) != 0)
        status = TSC_EXIT_INPUT;
    ng = NULL;
    if (status == TSC_EXIT_OK && o.fail_on >= 0 && tsc_report_max_severity(rep) >= o.fail_on)
        status = TSC_EXIT_FINDINGS;
out:
    tsc_pipeline_free(pl);
    if (tsc_cli_html_close(&o) != 0 && status == TSC_EXIT_OK)
        status = TSC_EXIT_INPUT;
    tsc_report_free(rep);
    SSL_SESSION_free(sess);
    SSL_CTX_free(ctx);
    tsc_pcap_writer_close(w);
    (void)tsc_pcapng_writer_close(ng, NULL); /* an early exit: the file is not the point then */
    tsc_peer_keylog_close();
    return status;
}
