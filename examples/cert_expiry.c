/*
 * cert_expiry.c - the server certificates in captures that expire within N
 * days (or have expired), once each, soonest first: a short program
 * against libtlsscope.
 *
 *   cc cert_expiry.c $(pkg-config --cflags --libs libtlsscope) -o cert_expiry
 *   ./cert_expiry 30 capture.pcap...
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tlsscope/tlsscope.h>

struct cert {
    char sha256[65];
    char subject[256];
    char server[80];
    int64_t not_after;
};

struct certs {
    int64_t limit; /* not_after at or before this is listed */
    struct cert *v;
    size_t n, cap;
    int failed;
};

static void on_conn(const tlsscope_conn *c, void *arg)
{
    struct certs *t = arg;
    size_t n = tlsscope_conn_cert_count(c);
    for (size_t i = 0; i < n; i++) {
        const char *fp = tlsscope_conn_cert_sha256(c, i);
        int64_t na = tlsscope_conn_cert_not_after(c, i);
        if (!fp || na > t->limit)
            continue; /* unparsed, or valid long enough */
        int seen = 0;
        for (size_t k = 0; k < t->n && !seen; k++)
            seen = strcmp(t->v[k].sha256, fp) == 0;
        if (seen)
            continue;
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 32;
            struct cert *v = realloc(t->v, cap * sizeof *v);
            if (!v) {
                t->failed = 1;
                return;
            }
            t->v = v;
            t->cap = cap;
        }
        struct cert *e = &t->v[t->n++];
        snprintf(e->sha256, sizeof e->sha256, "%s", fp);
        snprintf(e->subject, sizeof e->subject, "%s", tlsscope_conn_cert_subject(c, i));
        snprintf(e->server, sizeof e->server, "%s:%u", tlsscope_conn_server_ip(c), tlsscope_conn_server_port(c));
        e->not_after = na;
    }
}

static int by_expiry(const void *a, const void *b)
{
    const struct cert *x = a, *y = b;
    return x->not_after < y->not_after ? -1 : x->not_after > y->not_after;
}

int main(int argc, char **argv)
{
    char *end;
    errno = 0;
    long days = argc >= 3 ? strtol(argv[1], &end, 10) : -1;
    if (argc < 3 || errno || *end || days < 0 || days > 36500) {
        fprintf(stderr, "usage: %s DAYS CAPTURE...\n", argv[0]);
        return 2;
    }
    tlsscope *h;
    int rc = tlsscope_new(&h, 0);
    if (rc != TLSSCOPE_OK) {
        fprintf(stderr, "cert_expiry: %s\n", tlsscope_strerror(rc));
        return 1;
    }
    int64_t now = (int64_t)time(NULL);
    struct certs t = {now + (int64_t)days * 86400, NULL, 0, 0, 0};
    tlsscope_set_callback(h, on_conn, &t);
    int status = 0;
    for (int i = 2; i < argc; i++) {
        if (tlsscope_read_file(h, argv[i]) != TLSSCOPE_OK) {
            fprintf(stderr, "cert_expiry: %s\n", tlsscope_last_error(h));
            status = 1;
        }
    }
    tlsscope_free(h);
    if (t.failed) {
        fprintf(stderr, "cert_expiry: out of memory\n");
        status = 1;
    }
    qsort(t.v, t.n, sizeof *t.v, by_expiry);
    for (size_t i = 0; i < t.n; i++) {
        time_t na = (time_t)t.v[i].not_after;
        struct tm tm;
        char when[32] = "?";
        if (gmtime_r(&na, &tm))
            strftime(when, sizeof when, "%Y-%m-%d", &tm);
        long left = (long)((t.v[i].not_after - now) / 86400);
        printf("%s %s %5ld days  %s  (%s)\n", when, t.v[i].not_after < now ? "EXPIRED" : "expires", left,
               t.v[i].subject, t.v[i].server);
    }
    free(t.v);
    return status;
}
