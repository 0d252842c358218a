/*
 * cmd_demo.c - tlsscope demo: a client and a server on loopback (TLS over
 * TCP, or DTLS over UDP), the handshake recorded (demo.pcap, demo.keys),
 * then walked through in the four phases. No privileges needed: the
 * client's tap records the wire bytes. --classic runs GnuTLS's peers
 * instead (demo_classic.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/pipeline.h"
#include "capture/source.h"
#include "crypto/keylog.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/demo_classic.h"
#include "peer/peer.h"
#include "report/report.h"

#define DEMO_NAME "demo.tlsscope.test"

struct demo_server {
    SSL_CTX *ctx;
    int lfd;
    int ok;
};

static void *demo_serve(void *arg)
{
    struct demo_server *d = arg;
    int fd = accept(d->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(d->ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
        char buf[4096];
        int k = SSL_read(ssl, buf, sizeof buf);
        static const char page[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello from the tlsscope demo server.\n";
        if (k > 0 && SSL_write(ssl, page, (int)sizeof page - 1) > 0)
            d->ok = 1;
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(fd);
    return NULL;
}

/* ---- DTLS: the server answers one client on a UDP socket, through the
 * cookie exchange (DTLSv1_listen), then on a socket connected to it. ---- */
struct demo_dtls_server {
    SSL_CTX *ctx;
    int lfd;
    struct sockaddr_in addr; /* where lfd is bound */
    int ok;
};

static void *demo_dtls_serve(void *arg)
{
    struct demo_dtls_server *d = arg;
    char why[256];
    int64_t deadline = tsc_peer_deadline(10);
    int cfd = -1, r = 0;
    BIO *b = BIO_new_dgram(d->lfd, BIO_NOCLOSE);
    SSL *ssl = b ? SSL_new(d->ctx) : NULL;
    BIO_ADDR *from = BIO_ADDR_new();
    if (!ssl || !from) {
        BIO_free(b);
        goto out;
    }
    SSL_set_bio(ssl, b, b);
    SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);
    while (r == 0 && tsc_peer_deadline(0) < deadline) {
        struct pollfd p = {d->lfd, POLLIN, 0};
        if (poll(&p, 1, 100) == 1)
            r = DTLSv1_listen(ssl, from); /* 0: a HelloVerifyRequest went out; wait for the cookie */
    }
    unsigned char raw[4];
    size_t rawlen = sizeof raw;
    struct sockaddr_storage peer;
    struct sockaddr_in *p4 = (struct sockaddr_in *)&peer;
    memset(&peer, 0, sizeof peer);
    if (r <= 0 || BIO_ADDR_family(from) != AF_INET || !BIO_ADDR_rawaddress(from, raw, &rawlen) || rawlen != 4)
        goto out;
    p4->sin_family = AF_INET;
    memcpy(&p4->sin_addr, raw, 4);
    p4->sin_port = BIO_ADDR_rawport(from);
    int one = 1;
    cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (cfd < 0 || setsockopt(cfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(cfd, (struct sockaddr *)&d->addr, sizeof d->addr) != 0 ||
        connect(cfd, (struct sockaddr *)p4, sizeof *p4) != 0 || tsc_peer_dgram_connect(b, cfd, &peer) != 0 ||
        tsc_peer_dtls_handshake(ssl, cfd, 0, deadline, why, sizeof why) != 0)
        goto out;
    char buf[4096];
    static const char page[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello from the tlsscope demo server.\n";
    if (tsc_peer_dtls_read(ssl, cfd, buf, sizeof buf, deadline) > 0 && tsc_peer_dtls_write(ssl, page, sizeof page - 1) == 0)
        d->ok = 1;
    SSL_shutdown(ssl);
out:
    ERR_clear_error();
    BIO_ADDR_free(from);
    SSL_free(ssl);
    if (cfd >= 0)
        close(cfd);
    return NULL;
}

/* The DTLS demo's run: the server in a thread, the client here, its tap
 * writing w (and ng, --pcapng, when not NULL). 0 when the client's side went
 * through. */
static int demo_dtls(SSL_CTX *sctx, SSL_CTX *cctx, struct tsc_pcap_writer *w, struct tsc_pcapng_writer *ng,
                     int *server_ok)
{
    char why[256];
    struct demo_dtls_server ds;
    memset(&ds, 0, sizeof ds);
    ds.ctx = sctx;
    ds.addr.sin_family = AF_INET;
    ds.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof ds.addr;
    int one = 1, rc = -1, cfd = -1, started = 0;
    pthread_t th;
    SSL *ssl = NULL;
    BIO *bio = NULL;
    struct tsc_tap tap;
    memset(&tap, 0, sizeof tap);
    ds.lfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (ds.lfd < 0 || setsockopt(ds.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(ds.lfd, (struct sockaddr *)&ds.addr, sizeof ds.addr) != 0 ||
        getsockname(ds.lfd, (struct sockaddr *)&ds.addr, &sl) != 0) {
        fprintf(stderr, "tlsscope: demo: cannot use a UDP port on the loopback: %s\n", strerror(errno));
        goto out;
    }
    if (pthread_create(&th, NULL, demo_dtls_serve, &ds) != 0)
        goto out;
    started = 1;
    struct sockaddr_storage local, peer;
    socklen_t ll = sizeof local;
    memset(&peer, 0, sizeof peer);
    memcpy(&peer, &ds.addr, sizeof ds.addr);
    cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&ds.addr, sizeof ds.addr) != 0 ||
        getsockname(cfd, (struct sockaddr *)&local, &ll) != 0) {
        fprintf(stderr, "tlsscope: demo: cannot reach the demo server: %s\n", strerror(errno));
        goto out;
    }
    if (tsc_tap_init_udp(&tap, &local, &peer, NULL, NULL, w) != 0 || !(ssl = SSL_new(cctx)) ||
        !(bio = tsc_peer_dgram_bio(cfd, &peer))) {
        fprintf(stderr, "tlsscope: demo: out of memory\n");
        goto out;
    }
    if (ng)
        tsc_tap_pcapng(&tap, ng, 1);
    SSL_set_bio(ssl, bio, bio);
    /* as on Ethernet: the loopback's 64 KiB would put a whole flight in one datagram */
    if (tsc_peer_dtls_mtu(ssl, 1500, why, sizeof why) != 0) {
        fprintf(stderr, "tlsscope: demo: %s\n", why);
        goto out;
    }
    SSL_set_tlsext_host_name(ssl, DEMO_NAME);
    SSL_set1_host(ssl, DEMO_NAME);
    tsc_peer_tap_ssl(ssl, &tap, 1);
    int64_t deadline = tsc_peer_deadline(10);
    int k = tsc_peer_dtls_handshake(ssl, cfd, 1, deadline, why, sizeof why);
    if (k != 0) {
        fprintf(stderr, "tlsscope: demo: the handshake failed: %s\n", why);
        goto out;
    }
    tsc_tap_secrets_known(&tap);
    static const char req[] = "GET / HTTP/1.0\r\nHost: " DEMO_NAME "\r\n\r\n";
    char buf[4096];
    if (tsc_peer_dtls_write(ssl, req, sizeof req - 1) == 0)
        while (tsc_peer_dtls_read(ssl, cfd, buf, sizeof buf, deadline) > 0)
            ;
    SSL_shutdown(ssl);
    rc = 0;
out:
    ERR_clear_error();
    SSL_free(ssl);
    if (cfd >= 0)
        close(cfd);
    tsc_tap_close(&tap);
    if (started)
        pthread_join(th, NULL); /* it gives up by its own deadline */
    if (ds.lfd >= 0)
        close(ds.lfd);
    *server_ok = ds.ok;
    return rc;
}

/* mkdir -p: DIR and its missing parents. */
static int make_dirs(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char keep = p[i];
        p[i] = '\0';
        struct stat sb;
        if (stat(p, &sb) != 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        p[i] = keep;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* The classic demo's certificate or key for gnutls-serv (the key 0600). */
static int write_pem(const char *path, X509 *x, EVP_PKEY *pk)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    if (pk)
        fchmod(fileno(f), 0600);
    int ok = x ? PEM_write_X509(f, x) : PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0 || ok != 1) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

static void demo_usage(FILE *f)
{
    fputs("usage: tlsscope demo [--classic | --tls13 | --legacy | --dtls] [--dir DIR] [--pcapng FILE]\n"
          "\n"
          "Run a TLS server and client on the loopback, record their handshake to\n"
          "DIR/demo.pcap with its key log DIR/demo.keys (default DIR: the current\n"
          "directory), and walk through it in four phases, in plain words; the same\n"
          "as an HTML page with a ladder diagram in DIR/demo.html.\n"
          "\n"
          "      --classic   the textbook's handshake with real peers that still speak it:\n"
          "                  gnutls-serv and gnutls-cli, TLS 1.0,\n"
          "                  TLS_ECDHE_RSA_WITH_RC4_128_SHA, an empty session_ticket\n"
          "                  extension and a ticket with its lifetime (run in a private\n"
          "                  network namespace; needs gnutls-bin)\n"
          "      --tls13     a TLS 1.3 handshake (default: TLS 1.2 with a session ticket,\n"
          "                  as in the classic walk-through)\n"
          "      --legacy    TLS 1.0 with TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: the closest\n"
          "                  OpenSSL 3 gets to the classic RC4 capture (it has no RC4)\n"
          "      --dtls      DTLS 1.2 over UDP: the cookie exchange (HelloVerifyRequest\n"
          "                  and the second ClientHello), then the TLS 1.2 handshake\n"
          "      --dir DIR   where demo.pcap, demo.keys and demo.html go (created when\n"
          "                  missing)\n"
          "      --pcapng FILE  also write the handshake as a pcapng with its secrets\n"
          "                  inside (a Decryption Secrets Block): Wireshark and tshark\n"
          "                  decrypt it with no key log option\n"
          "  -h, --help      this text\n",
          f);
}

int tsc_cmd_demo(int argc, char **argv)
{
    int tls13 = 0, legacy = 0, dtls = 0, classic = 0;
    const char *dir = ".", *pcapng = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tls13") == 0)
            tls13 = 1;
        else if (strcmp(argv[i], "--classic") == 0)
            classic = 1;
        else if (strcmp(argv[i], "--legacy") == 0)
            legacy = 1;
        else if (strcmp(argv[i], "--dtls") == 0)
            dtls = 1;
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--pcapng") == 0 && i + 1 < argc)
            pcapng = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            demo_usage(stdout);
            return TSC_EXIT_OK;
        } else {
            demo_usage(stderr);
            return TSC_EXIT_USAGE;
        }
    }
    if (tls13 + legacy + dtls + classic > 1) {
        fprintf(stderr, "tlsscope: demo: choose one of --classic, --tls13, --legacy, --dtls\n");
        return TSC_EXIT_USAGE;
    }
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "tlsscope: %s: cannot create the directory: %s\n", dir, strerror(errno));
        return TSC_EXIT_INPUT;
    }
    char pcap_path[4096], keys_path[4096], why[512];
    snprintf(pcap_path, sizeof pcap_path, "%s/demo.pcap", dir);
    snprintf(keys_path, sizeof keys_path, "%s/demo.keys", dir);
    unlink(keys_path);
    int status = TSC_EXIT_INPUT, lfd = -1, cfd = -1;
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    SSL_CTX *sctx = SSL_CTX_new(dtls ? DTLS_server_method() : TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(dtls ? DTLS_client_method() : TLS_client_method());
    SSL *ssl = NULL;
    struct tsc_pcap_writer *w = NULL;
    struct tsc_pcapng_writer *ng = NULL;
    pthread_t th;
    int started = 0;
    struct demo_server ds = {sctx, -1, 0};
    if (!sctx || !cctx || tsc_peer_self_signed_key(DEMO_NAME, 30, legacy || classic, &pk, &x) != 0 ||
        SSL_CTX_use_certificate(sctx, x) != 1 || SSL_CTX_use_PrivateKey(sctx, pk) != 1) {
        fprintf(stderr, "tlsscope: demo: %s\n", tsc_peer_ssl_error(why, sizeof why));
        goto out;
    }
    int v = dtls ? DTLS1_2_VERSION : legacy ? TLS1_VERSION : tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (dtls)
        tsc_peer_dtls_cookies(sctx);
    SSL_CTX_set_min_proto_version(sctx, v);
    SSL_CTX_set_max_proto_version(sctx, v);
    SSL_CTX_set_min_proto_version(cctx, v);
    SSL_CTX_set_max_proto_version(cctx, v);
    SSL_CTX_set_timeout(sctx, 7200); /* the ticket's lifetime hint */
    if (legacy) {
        SSL_CTX_set_security_level(sctx, 0);
        SSL_CTX_set_security_level(cctx, 0);
        SSL_CTX_set_cipher_list(sctx, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0");
        SSL_CTX_set_cipher_list(cctx, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0");
    }
    if (classic) {
        char crt[4096], key[4096];
        snprintf(crt, sizeof crt, "%s/demo-classic.crt", dir);
        snprintf(key, sizeof key, "%s/demo-classic.key", dir);
        if (write_pem(crt, x, NULL) != 0 || write_pem(key, NULL, pk) != 0) {
            fprintf(stderr, "tlsscope: %s: %s\n", dir, strerror(errno));
            goto out;
        }
        struct tsc_demo_classic dc = {crt, key, DEMO_NAME, pcap_path, keys_path, pcapng};
        if (tsc_demo_classic(&dc, why, sizeof why) != 0) {
            fprintf(stderr, "tlsscope: demo --classic: %s\n", why);
            goto out;
        }
        ds.ok = 1;
        goto recorded;
    }
    X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), x); /* the client trusts the demo's own certificate */
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    if (tsc_peer_keylog(cctx, keys_path) != 0) {
        fprintf(stderr, "tlsscope: %s: %s\n", keys_path, strerror(errno));
        goto out;
    }
    w = tsc_pcap_writer_open(pcap_path);
    if (!w) {
        fprintf(stderr, "tlsscope: %s: %s\n", pcap_path, strerror(errno));
        goto out;
    }
    if (pcapng && !(ng = tsc_pcapng_writer_open(pcapng, TSC_PCAPNG_WHOLE))) {
        fprintf(stderr, "tlsscope: %s: %s\n", pcapng, strerror(errno));
        goto out;
    }
    tsc_peer_keylog_taps(cctx); /* --pcapng: the client's key log lines to its tap */
    if (dtls) {
        if (demo_dtls(sctx, cctx, w, ng, &ds.ok) != 0)
            goto out;
        goto recorded;
    }
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        fprintf(stderr, "tlsscope: demo: cannot listen on the loopback: %s\n", strerror(errno));
        goto out;
    }
    ds.lfd = lfd;
    if (pthread_create(&th, NULL, demo_serve, &ds) != 0)
        goto out;
    started = 1;
    cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "tlsscope: demo: cannot connect to the demo server: %s\n", strerror(errno));
        goto out;
    }
    struct timeval tv = {10, 0};
    setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_storage local, peer;
    socklen_t ll = sizeof local, pl2 = sizeof peer;
    getsockname(cfd, (struct sockaddr *)&local, &ll);
    getpeername(cfd, (struct sockaddr *)&peer, &pl2);
    struct tsc_tap tap;
    tsc_tap_init(&tap, &local, &peer, NULL, NULL, w);
    if (ng)
        tsc_tap_pcapng(&tap, ng, 1);
    ssl = SSL_new(cctx);
    SSL_set_fd(ssl, cfd);
    SSL_set_tlsext_host_name(ssl, DEMO_NAME);
    SSL_set1_host(ssl, DEMO_NAME);
    tsc_peer_tap_ssl(ssl, &tap, 1);
    if (SSL_connect(ssl) != 1) {
        fprintf(stderr, "tlsscope: demo: the handshake failed: %s\n", tsc_peer_ssl_error(why, sizeof why));
        tsc_tap_close(&tap);
        goto out;
    }
    tsc_tap_secrets_known(&tap);
    static const char req[] = "GET / HTTP/1.0\r\nHost: " DEMO_NAME "\r\n\r\n";
    SSL_write(ssl, req, (int)sizeof req - 1);
    char buf[4096];
    while (SSL_read(ssl, buf, sizeof buf) > 0)
        ;
    SSL_shutdown(ssl);
    close(cfd);
    cfd = -1;
    tsc_tap_close(&tap);
    pthread_join(th, NULL);
    started = 0;
recorded:
    tsc_pcap_writer_close(w);
    w = NULL;
    tsc_peer_keylog_close();
    if (tsc_cli_pcapng_close(pcapng, ng) != 0) {
        ng = NULL;
        goto out;
    }
    ng = NULL;

    if (classic)
        printf("tlsscope demo --classic: gnutls-cli and gnutls-serv (GnuTLS) talked TLS 1.0 with RC4 on a\n"
               "private loopback, through tlsscope, which recorded what it relayed. Their handshake is in\n"
               "%s; the session keys (from gnutls-cli's SSLKEYLOGFILE) in %s.\n",
               pcap_path, keys_path);
    else
    printf("tlsscope demo: a %s client and server (OpenSSL %s) talked %son the loopback.\n"
           "Their handshake is in %s; the session keys in %s (open both in Wireshark:\n"
           "Preferences, Protocols, TLS, (Pre)-Master-Secret log filename).\n",
           dtls ? "DTLS 1.2" : legacy ? "TLS 1.0" : tls13 ? "TLS 1.3" : "TLS 1.2",
           OpenSSL_version(OPENSSL_VERSION_STRING), dtls ? "over UDP " : "", pcap_path, keys_path);
    if (pcapng)
        printf("The same with its secrets inside is in %s: Wireshark and tshark decrypt it with\n"
               "no settings at all.\n",
               pcapng);
    if (legacy)
        printf("\n--legacy: TLS 1.0 with ECDHE-RSA and AES-CBC-SHA1 at OpenSSL's security level 0. The\n"
               "classic capture negotiates TLS_ECDHE_RSA_WITH_RC4_128_SHA; OpenSSL 3 has no RC4, so this\n"
               "is as close as OpenSSL 3 can come; gnutls-serv can still do RC4.\n");
    printf("\n");
    fflush(stdout);
    struct tsc_report_opts ro = {TSC_FMT_WALKTHROUGH, 0, 0, 0, NULL, NULL};
    struct tsc_limits lim = {TSC_DEFAULT_FLOW_BUF_MAX, TSC_DEFAULT_MAX_FLOWS, TSC_DEFAULT_MAX_MEMORY, 0};
    char rerr[256];
    struct tsc_report *rep = tsc_report_new(&ro, stdout, rerr, sizeof rerr);
    /* read it back as `tlsscope read --keylog` would: the encrypted part too */
    struct tsc_keylog *kl = tsc_keylog_new();
    struct tsc_decrypt_cfg dc = {0};
    if (kl && tsc_is_ok(tsc_keylog_load(kl, keys_path)))
        dc.keylog = kl;
    /* and the same as a page with its ladder diagram, beside the capture */
    char html_path[4096];
    snprintf(html_path, sizeof html_path, "%s/demo.html", dir);
    FILE *hf = NULL;
    struct tsc_report *html = rep ? tsc_cli_html_open(&ro, html_path, &hf) : NULL;
    struct tsc_tee *tee = html ? tsc_tee_new(tsc_report_sink(rep), tsc_report_sink(html)) : NULL;
    struct tsc_pipeline *p =
        tee ? tsc_cli_pipeline_new(&lim, tsc_tee_sink(tee), dc.keylog ? &dc : NULL) : NULL;
    if (!p) {
        tsc_tee_free(tee);
        tsc_report_free(html);
        if (hf)
            fclose(hf);
        tsc_report_free(rep);
        tsc_keylog_free(kl);
        goto out;
    }
    struct tsc_source_result res;
    tsc_source_read_file(pcap_path, p, &res, TSC_READER_AUTO, NULL, NULL, NULL);
    tsc_pipeline_finish(p);
    (void)tsc_report_flush(rep);
    tsc_pipeline_free(p);
    tsc_tee_free(tee);
    int html_ok = tsc_report_close(html) == 0;
    tsc_report_free(html);
    html_ok = fclose(hf) == 0 && html_ok;
    tsc_report_free(rep);
    tsc_keylog_free(kl);
    if (!res.ok) {
        fprintf(stderr, "tlsscope: %s: %s\n", pcap_path, res.error);
        goto out;
    }
    if (!html_ok) {
        fprintf(stderr, "tlsscope: %s: writing the HTML report failed\n", html_path);
        goto out;
    }
    printf("The handshake drawn as a ladder, with every message's fields, is in %s\n"
           "(open it in a browser; it needs no network).\n\n",
           html_path);
    if (dtls)
        printf("DTLS is TLS made to survive datagrams: the same messages, each with a sequence number\n"
               "and cut into fragments where the path MTU demands, sent again when the answer does not\n"
               "come, and records with an explicit epoch and sequence number of their own.\n");
    else if (!tls13)
        printf("Next: 'tlsscope demo --tls13' shows what TLS 1.3 changes: one round trip, and the\n"
               "certificate and everything after the ServerHello encrypted.\n");
    status = ds.ok ? TSC_EXIT_OK : TSC_EXIT_INPUT;
out:
    if (cfd >= 0)
        close(cfd);
    if (started) {
        shutdown(lfd, SHUT_RDWR);
        pthread_join(th, NULL);
    }
    if (lfd >= 0)
        close(lfd);
    SSL_free(ssl);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    EVP_PKEY_free(pk);
    X509_free(x);
    tsc_pcap_writer_close(w);
    (void)tsc_pcapng_writer_close(ng, NULL); /* a failed run: the file is not the point then */
    tsc_peer_keylog_close();
    return status;
}
