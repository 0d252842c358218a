/*
 * peer.c - taps on SSL sockets, key logs, certificates made in memory.
 */
#include "peer/peer.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "crypto/keylog.h"
#include "tls/session.h"

static long tap_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret, size_t *processed)
{
    (void)len;
    (void)argi;
    (void)argl;
    struct tsc_tap *tap = (struct tsc_tap *)BIO_get_callback_arg(b);
    if (!tap || ret <= 0 || !processed || !argp)
        return ret;
    int is_client = tap->local_is_client;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN))
        tsc_tap_data(tap, !is_client, (const uint8_t *)argp, *processed);
    else if (oper == (BIO_CB_WRITE | BIO_CB_RETURN))
        tsc_tap_data(tap, is_client, (const uint8_t *)argp, *processed);
    return ret;
}

void tsc_peer_tap_ssl(SSL *ssl, struct tsc_tap *tap, int is_client)
{
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
    (void)ssl;
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
