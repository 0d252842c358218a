/*
 * ja4_count.c - count TLS handshakes by client JA4 fingerprint, most
 * frequent first: a short program against libtlsscope.
 *
 *   cc ja4_count.c $(pkg-config --cflags --libs libtlsscope) -o ja4_count
 *   ./ja4_count capture.pcap...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlsscope/tlsscope.h>

struct count {
    char ja4[64];
    unsigned long n;
};

struct counts {
    struct count *v;
    size_t n, cap;
    int failed;
};

static void on_conn(const tlsscope_conn *c, void *arg)
{
    struct counts *t = arg;
    const char *ja4 = tlsscope_conn_ja4(c);
    if (!ja4)
        ja4 = "(no ClientHello)";
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].ja4, ja4) == 0) {
            t->v[i].n++;
            return;
        }
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        struct count *v = realloc(t->v, cap * sizeof *v);
        if (!v) {
            t->failed = 1;
            return;
        }
        t->v = v;
        t->cap = cap;
    }
    snprintf(t->v[t->n].ja4, sizeof t->v[t->n].ja4, "%s", ja4);
    t->v[t->n++].n = 1;
}

static int by_count(const void *a, const void *b)
{
    const struct count *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->ja4, y->ja4);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CAPTURE...\n", argv[0]);
        return 2;
    }
    tlsscope *h;
    int rc = tlsscope_new(&h, 0);
    if (rc != TLSSCOPE_OK) {
        fprintf(stderr, "ja4_count: %s\n", tlsscope_strerror(rc));
        return 1;
    }
    struct counts t = {NULL, 0, 0, 0};
    tlsscope_set_callback(h, on_conn, &t);
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (tlsscope_read_file(h, argv[i]) != TLSSCOPE_OK) {
            fprintf(stderr, "ja4_count: %s\n", tlsscope_last_error(h));
            status = 1;
        }
    }
    tlsscope_free(h);
    if (t.failed) {
        fprintf(stderr, "ja4_count: out of memory\n");
        status = 1;
    }
    qsort(t.v, t.n, sizeof *t.v, by_count);
    for (size_t i = 0; i < t.n; i++)
        printf("%8lu %s\n", t.v[i].n, t.v[i].ja4);
    free(t.v);
    return status;
}
