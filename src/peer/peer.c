/*
 * peer.c - taps on SSL sockets, key logs, certificates made in memory.
 */
#include "peer/peer.h"

#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "crypto/keylog.h"
#include "tls/session.h"

/* A BIO_ADDR as a sockaddr; 0 on success. */
static int sockaddr_of(const BIO_ADDR *a, struct sockaddr_storage *ss)
{
    unsigned char raw[16];
    size_t n = 0;
    memset(ss, 0, sizeof *ss);
    int fam = BIO_ADDR_family(a);
    if ((fam != AF_INET && fam != AF_INET6) || !BIO_ADDR_rawaddress(a, NULL, &n) || n > sizeof raw ||
        !BIO_ADDR_rawaddress(a, raw, &n))
        return -1;
    if (fam == AF_INET && n == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, raw, 4);
        s4->sin_port = BIO_ADDR_rawport(a);
        return 0;
    }
    if (fam == AF_INET6 && n == 16) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, raw, 16);
        s6->sin6_port = BIO_ADDR_rawport(a);
        return 0;
    }
    return -1;
}

static int endpoint_unspecified(const struct tsc_endpoint *e)
{
    static const uint8_t zero[16];
    return memcmp(e->addr, zero, e->family == 6 ? 16 : 4) == 0;
}

/* A UDP server's listening socket: the datagram's client is the BIO's peer
 * (recvfrom's source, sendto's destination). Bound to a wildcard address,
 * the server's own address is the one the kernel answers that client from,
 * as its connected socket will. */
static void follow_peer(BIO *b, struct tsc_tap *tap)
{
    BIO_ADDR *a = BIO_ADDR_new();
    struct sockaddr_storage ss;
    if (a && BIO_dgram_get_peer(b, a) > 0 && sockaddr_of(a, &ss) == 0) {
        tsc_tap_set_endpoint(tap, 0, &ss);
        if (endpoint_unspecified(&tap->ep[1])) {
            struct sockaddr_storage loc;
            if (tsc_peer_local_toward(&ss, &loc) == 0) {
                uint16_t port = tap->ep[1].port;
                tsc_tap_set_endpoint(tap, 1, &loc);
                tap->ep[1].port = port;
            }
        }
    }
    BIO_ADDR_free(a);
}

int tsc_peer_local_toward(const struct sockaddr_storage *peer, struct sockaddr_storage *local)
{
    int fd = socket(peer->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    socklen_t len = peer->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    socklen_t ll = sizeof *local;
    int rc = fd >= 0 && connect(fd, (const struct sockaddr *)peer, len) == 0 &&
                     getsockname(fd, (struct sockaddr *)local, &ll) == 0
                 ? 0
                 : -1;
    if (fd >= 0)
        close(fd);
    return rc;
}

static long tap_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret, size_t *processed)
{
    (void)len;
    (void)argi;
    (void)argl;
    struct tsc_tap *tap = (struct tsc_tap *)BIO_get_callback_arg(b);
    if (!tap || ret <= 0 || !processed || !argp)
        return ret;
    if (tap->follow_peer &&
        (oper == (BIO_CB_READ | BIO_CB_RETURN) || oper == (BIO_CB_WRITE | BIO_CB_RETURN)))
        follow_peer(b, tap);
    int is_client = tap->local_is_client;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN))
        tsc_tap_data(tap, !is_client, (const uint8_t *)argp, *processed);
    else if (oper == (BIO_CB_WRITE | BIO_CB_RETURN))
        tsc_tap_data(tap, is_client, (const uint8_t *)argp, *processed);
    return ret;
}

/* The tap of an SSL, for its key log lines (--pcapng). */
static int tap_index = -1;
static pthread_once_t tap_index_once = PTHREAD_ONCE_INIT;
static void tap_index_make(void) { tap_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

void tsc_peer_tap_ssl(SSL *ssl, struct tsc_tap *tap, int is_client)
{
    pthread_once(&tap_index_once, tap_index_make);
    if (tap_index >= 0)
        SSL_set_ex_data(ssl, tap_index, tap);
    BIO *b = SSL_get_rbio(ssl);
    tap->local_is_client = is_client;
    BIO_set_callback_arg(b, (char *)tap);
    BIO_set_callback_ex(b, tap_cb);
    tsc_tap_open(tap);
}

static FILE *keylog_file;
static pthread_mutex_t keylog_lock = PTHREAD_MUTEX_INITIALIZER;
/* the in-memory key log of tsc_peer_decrypt_cfg: lines OpenSSL gave, not yet
 * parsed (keylog_lock), and the table they go to (pipeline side only) */
static struct tsc_buf mem_pending;
static struct tsc_keylog *mem_keylog;
static struct tsc_decrypt_cfg mem_cfg;
#define MEM_PENDING_MAX ((size_t)4 << 20)

static void keylog_cb(const SSL *ssl, const char *line)
{
    /* the connection's own tap (its thread, no lock): its pcapng secrets */
    struct tsc_tap *tap = tap_index >= 0 ? SSL_get_ex_data(ssl, tap_index) : NULL;
    if (tap)
        tsc_tap_secret(tap, line);
    pthread_mutex_lock(&keylog_lock);
    if (keylog_file) {
        fprintf(keylog_file, "%s\n", line);
        fflush(keylog_file);
    }
    if (mem_keylog) {
        (void)tsc_buf_puts(&mem_pending, line);
        (void)tsc_buf_putc(&mem_pending, '\n');
    }
    pthread_mutex_unlock(&keylog_lock);
}

static int mem_keys_missing(void *arg, int label, const uint8_t client_random[32])
{
    (void)arg;
    pthread_mutex_lock(&keylog_lock);
    if (mem_pending.len) {
        (void)tsc_keylog_parse(mem_keylog, mem_pending.data, mem_pending.len);
        tsc_buf_reset(&mem_pending);
    }
    pthread_mutex_unlock(&keylog_lock);
    const uint8_t *s;
    return tsc_keylog_get(mem_keylog, (enum tsc_kl_label)label, client_random, &s) != 0;
}

const struct tsc_decrypt_cfg *tsc_peer_decrypt_cfg(SSL_CTX *ctx)
{
    pthread_mutex_lock(&keylog_lock);
    if (!mem_keylog) {
        mem_keylog = tsc_keylog_new();
        if (mem_keylog)
            tsc_keylog_set_max(mem_keylog, 512); /* a server runs for long: keep the recent ones */
        tsc_buf_init(&mem_pending, MEM_PENDING_MAX);
    }
    pthread_mutex_unlock(&keylog_lock);
    if (!mem_keylog)
        return NULL;
    memset(&mem_cfg, 0, sizeof mem_cfg);
    mem_cfg.keylog = mem_keylog;
    mem_cfg.keys_missing = mem_keys_missing;
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    return &mem_cfg;
}

int tsc_peer_keylog(SSL_CTX *ctx, const char *path)
{
    pthread_mutex_lock(&keylog_lock);
    if (!keylog_file)
        keylog_file = fopen(path, "a");
    FILE *f = keylog_file;
    pthread_mutex_unlock(&keylog_lock);
    if (!f)
        return -1;
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    return 0;
}

void tsc_peer_keylog_taps(SSL_CTX *ctx)
{
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
}

void tsc_peer_keylog_close(void)
{
    pthread_mutex_lock(&keylog_lock);
    if (keylog_file)
        fclose(keylog_file);
    keylog_file = NULL;
    tsc_keylog_free(mem_keylog);
    mem_keylog = NULL;
    tsc_buf_free(&mem_pending);
    pthread_mutex_unlock(&keylog_lock);
}

int tsc_peer_self_signed(const char *cn, int days, EVP_PKEY **key, X509 **cert)
{
    return tsc_peer_self_signed_key(cn, days, 0, key, cert);
}

int tsc_peer_self_signed_key(const char *cn, int days, int rsa, EVP_PKEY **key, X509 **cert)
{
    int rc = -1;
    EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_EXTENSION *ext = NULL;
    char san[300];
    if (!k || !x)
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(time(NULL) & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400);
    X509_set_pubkey(x, k);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tlsscope", -1, -1, 0);
    X509_set_issuer_name(x, name);
    snprintf(san, sizeof san, "DNS:%s", cn);
    ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
    if (!ext || !X509_add_ext(x, ext, -1))
        goto out;
    if (!X509_sign(x, k, EVP_sha256()))
        goto out;
    *key = k;
    *cert = x;
    k = NULL;
    x = NULL;
    rc = 0;
out:
    X509_EXTENSION_free(ext);
    EVP_PKEY_free(k);
    X509_free(x);
    return rc;
}

const char *tsc_peer_ssl_error(char *buf, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (!e) {
        snprintf(buf, n, "%s", errno ? strerror(errno) : "unknown error");
    } else {
        ERR_error_string_n(e, buf, n);
        /* "error:0A000410:SSL routines::sslv3 alert handshake failure" -> the reason */
        const char *r = strrchr(buf, ':');
        if (r && r[1]) {
            size_t k = strlen(r + 1);
            memmove(buf, r + 1, k + 1);
        }
    }
    ERR_clear_error();
    return buf;
}

int tsc_peer_version_arg(const char *s)
{
    static const struct {
        const char *name;
        int version;
    } v[] = {{"1.0", TLS1_VERSION}, {"1.1", TLS1_1_VERSION}, {"1.2", TLS1_2_VERSION}, {"1.3", TLS1_3_VERSION}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strcmp(s, v[i].name) == 0)
            return v[i].version;
    return -1;
}

int tsc_peer_ctx_settings(SSL_CTX *ctx, int min, int max, const char *ciphers, const char *suites,
                          const char *groups)
{
    if ((min && !SSL_CTX_set_min_proto_version(ctx, min)) || (max && !SSL_CTX_set_max_proto_version(ctx, max)) ||
        (ciphers && !SSL_CTX_set_cipher_list(ctx, ciphers)) || (suites && !SSL_CTX_set_ciphersuites(ctx, suites)) ||
        (groups && !SSL_CTX_set1_groups_list(ctx, groups)))
        return -1;
    return 0;
}

int tsc_peer_dtls_version_arg(const char *s)
{
    if (strcmp(s, "1.0") == 0)
        return DTLS1_VERSION;
    if (strcmp(s, "1.2") == 0)
        return DTLS1_2_VERSION;
    return -1;
}

/* ---- DTLS cookies (RFC 6347 4.2.1) ----
 * The cookie is an HMAC of the client's address and port under a secret made
 * for this run: the server keeps no state per client before the client has
 * shown that it receives at the address it claims. */
static unsigned char cookie_secret[32];
static pthread_once_t cookie_once = PTHREAD_ONCE_INIT;
static int cookie_secret_ok;

static void cookie_secret_init(void) { cookie_secret_ok = RAND_bytes(cookie_secret, sizeof cookie_secret) == 1; }

static int cookie_of(SSL *ssl, unsigned char *out, unsigned int *out_len)
{
    unsigned char in[2 + 16 + 2];
    size_t n = 0, raw = 0;
    BIO_ADDR *a = BIO_ADDR_new();
    int ok = 0;
    pthread_once(&cookie_once, cookie_secret_init);
    if (!a || !cookie_secret_ok || BIO_dgram_get_peer(SSL_get_rbio(ssl), a) <= 0)
        goto out;
    int fam = BIO_ADDR_family(a);
    in[0] = (unsigned char)(fam >> 8);
    in[1] = (unsigned char)fam;
    if (!BIO_ADDR_rawaddress(a, NULL, &raw) || raw > 16 || !BIO_ADDR_rawaddress(a, in + 2, &raw))
        goto out;
    n = 2 + raw;
    unsigned short port = BIO_ADDR_rawport(a);
    memcpy(in + n, &port, 2);
    n += 2;
    ok = HMAC(EVP_sha256(), cookie_secret, (int)sizeof cookie_secret, in, n, out, out_len) != NULL;
out:
    BIO_ADDR_free(a);
    return ok;
}

static int cookie_generate(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!cookie_of(ssl, mac, &n) || n > DTLS1_COOKIE_LENGTH)
        return 0;
    memcpy(cookie, mac, n);
    *len = n;
    return 1;
}

static int cookie_verify(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    return cookie_of(ssl, mac, &n) && n == len && CRYPTO_memcmp(mac, cookie, n) == 0;
}

void tsc_peer_dtls_cookies(SSL_CTX *ctx)
{
    SSL_CTX_set_cookie_generate_cb(ctx, cookie_generate);
    SSL_CTX_set_cookie_verify_cb(ctx, cookie_verify);
}

int tsc_peer_dtls_mtu(SSL *ssl, long mtu, char *why, size_t n)
{
    if (!mtu)
        return 0;
    long min = (long)DTLS_get_link_min_mtu(ssl);
    if (mtu < min) {
        snprintf(why, n, "--mtu %ld is below the smallest OpenSSL accepts here (%ld)", mtu, min);
        return -1;
    }
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    if (!DTLS_set_link_mtu(ssl, mtu)) {
        char e[200];
        snprintf(why, n, "--mtu %ld: %s", mtu, tsc_peer_ssl_error(e, sizeof e));
        return -1;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tsc_peer_deadline(int seconds) { return now_ms() + (int64_t)seconds * 1000; }

/* Why an SSL call failed, in a few words. */
static void dtls_failure(SSL *ssl, int r, int err, char *why, size_t n)
{
    (void)ssl;
    (void)r;
    if (err == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0) {
        if (errno == ECONNREFUSED)
            snprintf(why, n, "%s (nothing listens on that UDP port)", strerror(errno));
        else
            snprintf(why, n, "%s", errno ? strerror(errno) : "the peer went away");
    } else if (err == SSL_ERROR_ZERO_RETURN) {
        snprintf(why, n, "the peer closed the connection");
    } else {
        tsc_peer_ssl_error(why, n);
    }
    ERR_clear_error();
}

/* Wait for a datagram on fd, or the DTLS timer, or the deadline. 1: readable;
 * 0: the deadline passed; -1: retransmitting gave up (why says so). */
static int dtls_wait(SSL *ssl, int fd, int64_t deadline, char *why, size_t n)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct timeval tv;
        int64_t ms = left;
        int timer = DTLSv1_get_timeout(ssl, &tv) == 1;
        if (timer) {
            int64_t t = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
            if (t < ms)
                ms = t;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int k = poll(&p, 1, (int)ms);
        if (k > 0)
            return 1;
        if (k < 0 && errno != EINTR) {
            snprintf(why, n, "%s", strerror(errno));
            return -1;
        }
        /* the timer ran out: send the last flight again (RFC 6347 4.2.4) */
        if (timer && DTLSv1_handle_timeout(ssl) < 0) {
            char e[200];
            snprintf(why, n, "no answer after retransmitting: %s", tsc_peer_ssl_error(e, sizeof e));
            return -1;
        }
    }
}

int tsc_peer_dtls_handshake(SSL *ssl, int fd, int is_client, int64_t deadline, char *why, size_t n)
{
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int r = is_client ? SSL_connect(ssl) : SSL_accept(ssl);
        if (r == 1)
            return 0;
        int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            dtls_failure(ssl, r, e, why, n);
            return -1;
        }
        int k = dtls_wait(ssl, fd, deadline, why, n);
        if (k == 0) {
            snprintf(why, n, "no answer");
            return 1;
        }
        if (k < 0)
            return -1;
    }
}

int tsc_peer_dtls_read(SSL *ssl, int fd, void *buf, int len, int64_t deadline)
{
    char why[256];
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(ssl, buf, len);
        if (r > 0)
            return r;
        int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
        }
        int k = dtls_wait(ssl, fd, deadline, why, sizeof why);
        if (k <= 0)
            return k == 0 ? -2 : -1;
    }
}

int tsc_peer_dtls_write(SSL *ssl, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t mtu = DTLS_get_data_mtu(ssl);
    size_t chunk = mtu > 0 && mtu < 16384 ? mtu : 16384;
    while (len) {
        size_t k = len < chunk ? len : chunk;
        int r = SSL_write(ssl, p, (int)k);
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

BIO *tsc_peer_dgram_bio(int fd, const struct sockaddr_storage *peer)
{
    BIO *b = BIO_new_dgram(fd, BIO_NOCLOSE);
    if (b && tsc_peer_dgram_connect(b, fd, peer) != 0) {
        BIO_free(b);
        b = NULL;
    }
    return b;
}

int tsc_peer_dgram_connect(BIO *b, int fd, const struct sockaddr_storage *peer)
{
    BIO_ADDR *a = BIO_ADDR_new();
    int ok = 0;
    if (a && peer->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
        ok = BIO_ADDR_rawmake(a, AF_INET, &s4->sin_addr, 4, s4->sin_port);
    } else if (a && peer->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
        ok = BIO_ADDR_rawmake(a, AF_INET6, &s6->sin6_addr, 16, s6->sin6_port);
    }
    if (ok) {
        BIO_set_fd(b, fd, BIO_NOCLOSE);
        ok = BIO_ctrl_set_connected(b, a) > 0;
    }
    BIO_ADDR_free(a);
    return ok ? 0 : -1;
}

int tsc_peer_versions(int dtls, const char *min_arg, const char *max_arg, int *min, int *max, char *why, size_t n)
{
    const char *arg[2] = {min_arg, max_arg};
    int *out[2] = {min, max};
    for (int i = 0; i < 2; i++) {
        *out[i] = 0;
        if (!arg[i])
            continue;
        *out[i] = dtls ? tsc_peer_dtls_version_arg(arg[i]) : tsc_peer_version_arg(arg[i]);
        if (*out[i] < 0) {
            if (dtls)
                snprintf(why, n, "with --dtls, --min/--max take 1.0 or 1.2, not '%s'", arg[i]);
            else
                snprintf(why, n, "--min/--max take 1.0, 1.1, 1.2 or 1.3, not '%s'", arg[i]);
            return -1;
        }
    }
    return 0;
}
