/*
 * test_api.c - libtlsscope's public API (include/tlsscope/tlsscope.h), as a
 * caller sees it: a file, the same file's packets fed one by one, its TCP
 * payloads fed as a stream, errors with their reasons, hostile bytes
 * through every entry, the callback's rules, and two handles on two
 * threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "tlsscope/tlsscope.h"

#define MAX_CONNS 16

/* What a callback saw: each connection's JSON and a few accessors. */
struct seen {
    size_t n;
    char *json[MAX_CONNS];
    char version[MAX_CONNS][16];
    int suite[MAX_CONNS];
    char sni[MAX_CONNS][64];
    char ja3[MAX_CONNS][40], ja4[MAX_CONNS][40];
    size_t certs[MAX_CONNS], findings[MAX_CONNS];
    char first_finding[MAX_CONNS][64];
    char subject[MAX_CONNS][128];
    int64_t not_after[MAX_CONNS];
    tlsscope *h;       /* for the reentrancy check */
    int reenter_rc;
};

static void copy(char *dst, size_t cap, const char *s) { snprintf(dst, cap, "%s", s ? s : "(null)"); }

static void on_conn(const tlsscope_conn *c, void *arg)
{
    struct seen *s = arg;
    if (s->n >= MAX_CONNS)
        return;
    size_t i = s->n++, len = 0;
    const char *j = tlsscope_conn_json(c, &len);
    s->json[i] = j ? strndup(j, len) : NULL;
    if (j)
        assert_int_equal(strlen(j), len);
    copy(s->version[i], sizeof s->version[i], tlsscope_conn_version(c));
    s->suite[i] = tlsscope_conn_cipher_suite(c);
    copy(s->sni[i], sizeof s->sni[i], tlsscope_conn_sni(c));
    copy(s->ja3[i], sizeof s->ja3[i], tlsscope_conn_ja3(c));
    copy(s->ja4[i], sizeof s->ja4[i], tlsscope_conn_ja4(c));
    s->certs[i] = tlsscope_conn_cert_count(c);
    copy(s->subject[i], sizeof s->subject[i], tlsscope_conn_cert_subject(c, 0));
    s->not_after[i] = tlsscope_conn_cert_not_after(c, 0);
    s->findings[i] = tlsscope_conn_finding_count(c);
    copy(s->first_finding[i], sizeof s->first_finding[i], tlsscope_conn_finding_id(c, 0));
    /* past the end: NULL, never a crash */
    assert_null(tlsscope_conn_cert_subject(c, 9999));
    assert_null(tlsscope_conn_finding_id(c, 9999));
    assert_null(tlsscope_conn_finding_severity(c, s->findings[i]));
    if (s->h)
        s->reenter_rc = tlsscope_finish(s->h);
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->json[i]);
    memset(s, 0, sizeof *s);
}

static char *path_of(const char *rel)
{
    const char *top = getenv("TSC_SOURCE_DIR");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", top ? top : ".", rel);
    return buf;
}

#define RC4 "tests/golden/captures/tls10-rc4-gnutls.pcap"

/* ---- a minimal pcap reader of the test's own, to feed packets ---- */
struct pkt {
    int64_t ts;
    uint8_t *data;
    size_t len;
};
struct pcap {
    int linktype;
    size_t n;
    struct pkt p[64];
};

static uint32_t le32(const uint8_t *b) { return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }

static void pcap_load(const char *path, struct pcap *pc)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t h[24];
    assert_int_equal(fread(h, 1, 24, f), 24);
    assert_int_equal(le32(h), 0xa1b2c3d4); /* the golden captures: little-endian, microseconds */
    pc->linktype = (int)le32(h + 20);
    pc->n = 0;
    uint8_t r[16];
    while (fread(r, 1, 16, f) == 16) {
        assert_true(pc->n < 64);
        struct pkt *p = &pc->p[pc->n++];
        p->ts = (int64_t)le32(r) * 1000000 + le32(r + 4);
        p->len = le32(r + 8);
        p->data = malloc(p->len ? p->len : 1);
        assert_non_null(p->data);
        assert_int_equal(fread(p->data, 1, p->len, f), p->len);
    }
    fclose(f);
}

static void pcap_free(struct pcap *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        free(pc->p[i].data);
}

/* The golden JSON of the RC4 capture (stdout of `read --json`). */
static char *golden_json(void)
{
    FILE *f = fopen(path_of("tests/golden/expected/rc4-json.out"), "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    assert_true(n > 1 && line[0] == '{');
    line[n - 1] = '\0';
    return line;
}

static void test_errors(void **state)
{
    (void)state;
    assert_int_equal(tlsscope_new(NULL, 0), TLSSCOPE_E_ARG);
    tlsscope *h = (tlsscope *)1;
    assert_int_equal(tlsscope_new(&h, 0x80), TLSSCOPE_E_ARG);
    assert_null(h);
    assert_string_equal(tlsscope_strerror(TLSSCOPE_E_NOMEM), "out of memory");
    assert_string_equal(tlsscope_strerror(12345), "unknown error");
    for (int code = 0; code >= -6; code--)
        assert_string_not_equal(tlsscope_strerror(code), "unknown error");
    assert_int_equal(tlsscope_new(&h, 0), TLSSCOPE_OK);
    assert_string_equal(tlsscope_last_error(h), "");
    assert_int_equal(tlsscope_read_file(h, "/nonexistent/x.pcap"), TLSSCOPE_E_INPUT);
    assert_non_null(strstr(tlsscope_last_error(h), "/nonexistent/x.pcap: "));
    assert_int_equal(tlsscope_read_file(h, path_of("tests/golden/captures/garbage.txt")), TLSSCOPE_E_INPUT);
    assert_non_null(strstr(tlsscope_last_error(h), "garbage.txt: "));
    assert_int_equal(tlsscope_add_keylog(h, "/nonexistent/keys"), TLSSCOPE_E_KEYLOG);
    assert_non_null(strstr(tlsscope_last_error(h), "/nonexistent/keys: cannot read the key log"));
    assert_int_equal(tlsscope_feed_packet(h, 31337, 0, "x", 1), TLSSCOPE_E_LINKTYPE);
    assert_int_equal(tlsscope_feed_packet(h, TLSSCOPE_LINK_ETHERNET, 0, NULL, 5), TLSSCOPE_E_ARG);
    assert_int_equal(tlsscope_read_file(NULL, "x"), TLSSCOPE_E_ARG);
    assert_int_equal(tlsscope_read_file(h, NULL), TLSSCOPE_E_ARG);
    tlsscope_stream *s = NULL;
    assert_int_equal(tlsscope_stream_open(h, "not an address", NULL, &s), TLSSCOPE_E_ARG);
    assert_int_equal(tlsscope_stream_open(h, "10.0.0.1:99999", NULL, &s), TLSSCOPE_E_ARG);
    assert_int_equal(tlsscope_stream_open(h, "[::1]443", NULL, &s), TLSSCOPE_E_ARG);
    assert_null(s);
    assert_int_equal(tlsscope_stream_feed(NULL, 1, 0, "x", 1), TLSSCOPE_E_ARG);
    assert_int_equal(tlsscope_stream_close(NULL, 0), TLSSCOPE_E_ARG);
    /* accessors on NULL */
    assert_null(tlsscope_conn_version(NULL));
    assert_int_equal(tlsscope_conn_cipher_suite(NULL), -1);
    assert_int_equal(tlsscope_conn_cert_count(NULL), 0);
    assert_null(tlsscope_conn_json(NULL, NULL));
    tlsscope_free(h);
    tlsscope_free(NULL);
}

/* A file, with keys: the facts, and the very JSON `tlsscope read --json`
 * writes (the golden file). */
static void test_read_file(void **state)
{
    (void)state;
    tlsscope *h;
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tlsscope_new(&h, TLSSCOPE_JSON), TLSSCOPE_OK);
    assert_int_equal(tlsscope_set_callback(h, on_conn, &s), TLSSCOPE_OK);
    assert_int_equal(tlsscope_read_file(h, path_of(RC4)), TLSSCOPE_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.version[0], "TLS 1.0");
    assert_int_equal(s.suite[0], 0xc011);
    assert_int_equal(s.certs[0], 2);
    assert_true(s.findings[0] > 0);
    assert_string_equal(s.first_finding[0], "rc4-negotiated");
    assert_true(s.not_after[0] > 1700000000);
    char *want = golden_json();
    assert_string_equal(s.json[0], want);
    free(want);
    seen_free(&s);
    /* without TLSSCOPE_JSON: the same facts, no JSON */
    tlsscope_free(h);
    assert_int_equal(tlsscope_new(&h, 0), TLSSCOPE_OK);
    assert_int_equal(tlsscope_set_callback(h, on_conn, &s), TLSSCOPE_OK);
    assert_int_equal(tlsscope_read_file(h, path_of(RC4)), TLSSCOPE_OK);
    assert_int_equal(s.n, 1);
    assert_null(s.json[0]);
    assert_int_equal(s.suite[0], 0xc011);
    seen_free(&s);
    tlsscope_free(h);
}

/* The same capture's packets fed one by one: the same JSON. */
static void test_feed_packets(void **state)
{
    (void)state;
    struct pcap pc;
    pcap_load(path_of(RC4), &pc);
    tlsscope *h;
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tlsscope_new(&h, TLSSCOPE_JSON), TLSSCOPE_OK);
    assert_int_equal(tlsscope_set_callback(h, on_conn, &s), TLSSCOPE_OK);
    for (size_t i = 0; i < pc.n; i++)
        assert_int_equal(tlsscope_feed_packet(h, pc.linktype, pc.p[i].ts, pc.p[i].data, pc.p[i].len), TLSSCOPE_OK);
    assert_int_equal(tlsscope_finish(h), TLSSCOPE_OK);
    assert_int_equal(s.n, 1);
    char *want = golden_json();
    assert_string_equal(s.json[0], want);
    free(want);
    /* a second run on the same handle numbers from 1 again */
    for (size_t i = 0; i < pc.n; i++)
        assert_int_equal(tlsscope_feed_packet(h, pc.linktype, pc.p[i].ts, pc.p[i].data, pc.p[i].len), TLSSCOPE_OK);
    assert_int_equal(tlsscope_finish(h), TLSSCOPE_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.json[0], s.json[1]);
    seen_free(&s);
    tlsscope_free(h);
    pcap_free(&pc);
}

/* The capture's TCP payloads (Ethernet, IPv4, TCP: the golden capture has
 * no loss or retransmission) fed as a stream per direction. */
static void test_stream(void **state)
{
    (void)state;
    struct pcap pc;
    pcap_load(path_of(RC4), &pc);
    assert_int_equal(pc.linktype, 1);
    tlsscope *h;
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tlsscope_new(&h, TLSSCOPE_JSON), TLSSCOPE_OK);
    assert_int_equal(tlsscope_add_keylog(h, path_of("tests/golden/captures/tls10-rc4-gnutls.keys")), TLSSCOPE_OK);
    assert_int_equal(tlsscope_set_callback(h, on_conn, &s), TLSSCOPE_OK);
    tlsscope_stream *st;
    assert_int_equal(tlsscope_stream_open(h, "127.0.0.1:34390", "127.0.0.1:20008", &st), TLSSCOPE_OK);
    int64_t last = 0;
    for (size_t i = 0; i < pc.n; i++) {
        const uint8_t *p = pc.p[i].data;
        size_t ihl = (size_t)(p[14] & 15) * 4, tot = (size_t)(p[16] << 8 | p[17]);
        const uint8_t *tcp = p + 14 + ihl;
        size_t thl = (size_t)(tcp[12] >> 4) * 4;
        size_t payload = tot - ihl - thl;
        int from_client = (tcp[0] << 8 | tcp[1]) == 34390;
        assert_int_equal(tlsscope_stream_feed(st, from_client, pc.p[i].ts, tcp + thl, payload), TLSSCOPE_OK);
        last = pc.p[i].ts;
    }
    assert_int_equal(tlsscope_stream_close(st, last), TLSSCOPE_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.version[0], "TLS 1.0");
    assert_int_equal(s.suite[0], 0xc011);
    assert_int_equal(s.certs[0], 2);
    assert_non_null(strstr(s.json[0], "\"client\":{\"ip\":\"127.0.0.1\",\"port\":34390}"));
    assert_non_null(strstr(s.json[0], "\"decryption\":{\"status\":\"decrypted\""));
    /* the file's facts, read through packets and TCP, are the stream's */
    struct seen f;
    memset(&f, 0, sizeof f);
    assert_int_equal(tlsscope_set_callback(h, on_conn, &f), TLSSCOPE_OK);
    assert_int_equal(tlsscope_read_file(h, path_of(RC4)), TLSSCOPE_OK);
    assert_string_equal(f.ja3[0], s.ja3[0]);
    assert_string_equal(f.ja4[0], s.ja4[0]);
    assert_string_equal(f.subject[0], s.subject[0]);
    assert_int_equal(f.findings[0], s.findings[0]);
    seen_free(&f);
    seen_free(&s);
    /* a stream left open is freed with the handle, unreported */
    assert_int_equal(tlsscope_stream_open(h, NULL, "[2001:db8::1]:443", &st), TLSSCOPE_OK);
    assert_int_equal(tlsscope_stream_feed(st, 1, 1, "\x16\x03\x01", 3), TLSSCOPE_OK);
    tlsscope_free(h);
    assert_int_equal(s.n, 0);
    pcap_free(&pc);
}

/* Calls into the handle from its own callback are refused, not run. */
static void test_reentrancy(void **state)
{
    (void)state;
    tlsscope *h;
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tlsscope_new(&h, 0), TLSSCOPE_OK);
    s.h = h;
    assert_int_equal(tlsscope_set_callback(h, on_conn, &s), TLSSCOPE_OK);
    assert_int_equal(tlsscope_read_file(h, path_of(RC4)), TLSSCOPE_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.reenter_rc, TLSSCOPE_E_STATE);
    assert_non_null(strstr(tlsscope_last_error(h), "called from the callback"));
    seen_free(&s);
    tlsscope_free(h);
}

/* Hostile bytes through every entry: random packets for every link type
 * the library decodes, random streams, mutated copies of a real capture. */
static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_hostile(void **state)
{
    (void)state;
    static const int links[] = {TLSSCOPE_LINK_ETHERNET, TLSSCOPE_LINK_RAW, TLSSCOPE_LINK_LINUX_SLL,
                                TLSSCOPE_LINK_IPV4, TLSSCOPE_LINK_IPV6, TLSSCOPE_LINK_LINUX_SLL2};
    struct pcap pc;
    pcap_load(path_of(RC4), &pc);
    tlsscope *h;
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tlsscope_new(&h, TLSSCOPE_JSON), TLSSCOPE_OK);
    assert_int_equal(tlsscope_set_callback(h, on_conn, &s), TLSSCOPE_OK);
    uint8_t buf[2048];
    for (int round = 0; round < 300; round++) {
        /* a real packet with a few bytes changed, or random bytes */
        const struct pkt *p = &pc.p[rnd() % pc.n];
        size_t n = p->len < sizeof buf ? p->len : sizeof buf;
        memcpy(buf, p->data, n);
        for (int k = 0; k < 4; k++)
            buf[rnd() % n] = (uint8_t)rnd();
        if (round % 3 == 0)
            n = rnd() % n;
        assert_int_equal(tlsscope_feed_packet(h, round % 2 ? TLSSCOPE_LINK_ETHERNET : links[rnd() % 6],
                                              p->ts + round, buf, n),
                         TLSSCOPE_OK);
        if (round % 50 == 49) {
            assert_int_equal(tlsscope_finish(h), TLSSCOPE_OK);
            for (size_t i = 0; i < s.n; i++)
                assert_true(s.json[i] == NULL || s.json[i][0] == '{');
            seen_free(&s);
        }
    }
    for (int round = 0; round < 100; round++) {
        tlsscope_stream *st;
        assert_int_equal(tlsscope_stream_open(h, "10.0.0.1:1234", "10.0.0.2:443", &st), TLSSCOPE_OK);
        for (int k = 0; k < 8; k++) {
            size_t n = rnd() % sizeof buf;
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)rnd();
            if (k == 0 && n > 3) { /* look like a handshake record to get further in */
                buf[0] = 0x16;
                buf[1] = 3;
                buf[2] = (uint8_t)(rnd() % 5);
            }
            assert_int_equal(tlsscope_stream_feed(st, k % 2 == 0, k, buf, n), TLSSCOPE_OK);
        }
        assert_int_equal(tlsscope_stream_close(st, 9), TLSSCOPE_OK);
    }
    seen_free(&s);
    tlsscope_free(h);
    pcap_free(&pc);
}

/* Two handles on two threads at once see what one sees alone. */
struct job {
    const char *path;
    const char *keys;
    struct seen s;
    int rc;
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    tlsscope *h;
    j->rc = tlsscope_new(&h, TLSSCOPE_JSON);
    if (j->rc)
        return NULL;
    tlsscope_set_callback(h, on_conn, &j->s);
    for (int i = 0; i < 20 && j->rc == 0; i++) {
        if (j->keys)
            j->rc = tlsscope_add_keylog(h, j->keys);
        if (j->rc == 0)
            j->rc = tlsscope_read_file(h, j->path);
        if (i < 19) {
            seen_free(&j->s);
            tlsscope_set_callback(h, on_conn, &j->s);
        }
    }
    tlsscope_free(h);
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    static char p1[4096], p2[4096], k1[4096];
    snprintf(p1, sizeof p1, "%s", path_of(RC4));
    snprintf(k1, sizeof k1, "%s", path_of("tests/golden/captures/tls10-rc4-gnutls.keys"));
    snprintf(p2, sizeof p2, "%s", path_of("tests/golden/captures/tls13-hrr.pcap"));
    struct job alone[2] = {{p1, k1, {0}, 0}, {p2, NULL, {0}, 0}};
    struct job both[2] = {{p1, k1, {0}, 0}, {p2, NULL, {0}, 0}};
    for (int i = 0; i < 2; i++)
        run_job(&alone[i]);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &both[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(alone[i].rc, 0);
        assert_int_equal(both[i].rc, 0);
        assert_true(alone[i].s.n > 0);
        assert_int_equal(alone[i].s.n, both[i].s.n);
        for (size_t k = 0; k < alone[i].s.n; k++)
            assert_string_equal(alone[i].s.json[k], both[i].s.json[k]);
        seen_free(&alone[i].s);
        seen_free(&both[i].s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_read_file), cmocka_unit_test(test_feed_packets),
        cmocka_unit_test(test_stream),        cmocka_unit_test(test_reentrancy), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
