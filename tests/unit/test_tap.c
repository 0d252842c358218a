/*
 * test_tap.c - the peers' pcapng writer (peer/tap.c, --pcapng): files made
 * through taps are read back with tlsscope's own reader (capture/pcapfile.c)
 * and walked block by block: a Section Header and one Interface Description
 * (Ethernet, nanosecond timestamps), then each connection's Decryption
 * Secrets Block before its packets (held until its handshake is done, or
 * past the bound, or at its close), a late line in a block of its own, and
 * with TSC_PCAPNG_WHOLE one block of every secret before the first packet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/pcapfile.h"
#include "peer/tap.h"
#include "temp_file.h"

/* ------------------------------------------------------------ helpers */

static void addr4(struct sockaddr_storage *ss, uint32_t ip, uint16_t port)
{
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    memset(ss, 0, sizeof *ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(ip);
    a->sin_port = htons(port);
}

static void tap_tcp(struct tsc_tap *t, uint16_t cport, struct tsc_pcapng_writer *w, int hold)
{
    struct sockaddr_storage c, s;
    addr4(&c, 0x7f000001, cport);
    addr4(&s, 0x7f000001, 443);
    tsc_tap_init(t, &c, &s, NULL, NULL, NULL);
    tsc_tap_pcapng(t, w, hold);
    tsc_tap_open(t); /* SYN, SYN-ACK, ACK */
}

struct file {
    uint8_t *b;
    size_t n;
};

static struct file slurp(const char *path)
{
    struct file f = {NULL, 0};
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f.b = malloc((size_t)n + 1);
    assert_non_null(f.b);
    f.n = fread(f.b, 1, (size_t)n, fp);
    assert_int_equal(f.n, (size_t)n);
    fclose(fp);
    return f;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The file's blocks as letters: S section header, I interface, D secrets,
 * E packet; every length checked (total repeated at the end, a multiple of
 * 4, within the file). */
static void blocks(const struct file *f, char *out, size_t cap)
{
    size_t off = 0, k = 0;
    while (off < f->n) {
        assert_true(f->n - off >= 12);
        uint32_t type = rd32(f->b + off), len = rd32(f->b + off + 4);
        assert_true(len >= 12 && len % 4 == 0 && len <= f->n - off);
        assert_int_equal(rd32(f->b + off + len - 4), len);
        char ch = type == 0x0a0d0d0au ? 'S' : type == 1 ? 'I' : type == 10 ? 'D' : type == 6 ? 'E' : '?';
        assert_true(k + 1 < cap);
        out[k++] = ch;
        off += len;
    }
    out[k] = 0;
}

/* The secrets of the DSBs before the first packet, as the reader gives them. */
struct secrets {
    char text[4096];
    int blocks;
};
static void on_secrets(void *arg, uint32_t type, const uint8_t *p, size_t n)
{
    struct secrets *s = arg;
    assert_int_equal(type, TSC_PCAPNG_SECRETS_TLS);
    size_t have = strlen(s->text);
    assert_true(have + n < sizeof s->text);
    memcpy(s->text + have, p, n);
    s->text[have + n] = 0;
    s->blocks++;
}

/* Read every packet back with the project's reader: count, link type,
 * timestamps within a minute of now, and the DSBs it passed after the first
 * packet. */
static unsigned read_back(const char *path, uint32_t *late)
{
    struct tsc_pcapfile f;
    struct tsc_pcap_packet pk;
    assert_int_equal(tsc_pcapfile_open(&f, path), 1);
    assert_true(f.ng);
    unsigned n = 0;
    int64_t now_us = (int64_t)time(NULL) * 1000000;
    int rc;
    while ((rc = tsc_pcapfile_next(&f, &pk)) == 1) {
        assert_int_equal(pk.linktype, 1);
        assert_true(pk.caplen >= 14 + 20 + 8);
        assert_true(pk.ts_us > now_us - 60000000 && pk.ts_us < now_us + 60000000);
        n++;
    }
    assert_int_equal(rc, 0);
    *late = f.secrets_late;
    tsc_pcapfile_close(&f);
    return n;
}

static const char L1[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101 aaaa";
static const char L2[] = "SERVER_HANDSHAKE_TRAFFIC_SECRET 0101 bbbb";

/* ------------------------------------------------------------ tests */

/* A connection's packets wait for its secrets: the DSB comes first, with
 * its lines in order, and the reader takes it as secrets before the first
 * packet; the header says nanoseconds (if_tsresol 9). */
static void test_held_until_known(void **state)
{
    (void)state;
    char *path = temp_path("tap_held");
    struct tsc_pcapng_writer *w = tsc_pcapng_writer_open(path, 0);
    assert_non_null(w);
    struct tsc_tap t;
    tap_tcp(&t, 40000, w, 1);
    uint8_t hello[300], flight[3000];
    memset(hello, 0x16, sizeof hello);
    memset(flight, 0x17, sizeof flight);
    tsc_tap_data(&t, 1, hello, sizeof hello);    /* 1 segment */
    tsc_tap_data(&t, 0, flight, sizeof flight);  /* 3 segments of at most 1460 */
    tsc_tap_secret(&t, L1);                      /* learnt after the flight was read */
    tsc_tap_secret(&t, L2);
    tsc_tap_secrets_known(&t);
    tsc_tap_data(&t, 1, hello, 100);             /* as it comes now */
    tsc_tap_close(&t);                           /* FIN, FIN, ACK */
    struct tsc_pcapng_stats st;
    assert_int_equal(tsc_pcapng_writer_close(w, &st), 0);
    assert_int_equal(st.packets, 3 + 1 + 3 + 1 + 3);
    assert_int_equal(st.secrets_blocks, 1);
    assert_int_equal(st.held_over, 0);

    struct file f = slurp(path);
    char b[64];
    blocks(&f, b, sizeof b);
    assert_string_equal(b, "SIDEEEEEEEEEEE");
    /* the IDB: Ethernet, if_tsresol = 9 */
    assert_int_equal(rd32(f.b + 44), 1);
    assert_int_equal(rd32(f.b + 44 + 4), 32);
    assert_int_equal(f.b[44 + 8], 1);
    assert_int_equal(f.b[44 + 16], 9);
    assert_int_equal(f.b[44 + 20], 9);
    free(f.b);

    struct secrets s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tsc_pcapfile_secrets(path, on_secrets, &s), 1);
    assert_string_equal(s.text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101 aaaa\nSERVER_HANDSHAKE_TRAFFIC_SECRET 0101 bbbb\n");
    uint32_t late;
    assert_int_equal(read_back(path, &late), 11);
    assert_int_equal(late, 0);
    unlink(path);
    free(path);
}

/* Two connections of a server: the one whose handshake is done first is
 * written first, each DSB before its own packets; a line learnt after the
 * handshake (a renegotiation's) is a block of its own, at once; a
 * connection that closes without its handshake done writes what it has. */
static void test_streaming_per_connection(void **state)
{
    (void)state;
    char *path = temp_path("tap_stream");
    struct tsc_pcapng_writer *w = tsc_pcapng_writer_open(path, 0);
    assert_non_null(w);
    struct tsc_tap a, b, lst;
    tap_tcp(&a, 40001, w, 1);                 /* 3 held */
    tap_tcp(&b, 40002, w, 1);                 /* 3 held */
    struct sockaddr_storage c, s;
    addr4(&c, 0x7f000001, 40003);
    addr4(&s, 0x7f000001, 443);
    assert_int_equal(tsc_tap_init_udp(&lst, &c, &s, NULL, NULL, NULL), 0);
    tsc_tap_pcapng(&lst, w, 0);               /* a listening socket: as it comes */
    uint8_t d[10] = {22, 254, 253};
    tsc_tap_data(&lst, 1, d, sizeof d);       /* E */
    tsc_tap_data(&a, 1, d, sizeof d);         /* held by a */
    tsc_tap_data(&b, 1, d, sizeof d);         /* held by b */
    tsc_tap_secret(&b, L1);
    tsc_tap_secrets_known(&b);                /* D + 4 E */
    tsc_tap_secret(&b, L2);                   /* D at once */
    tsc_tap_data(&b, 0, d, sizeof d);         /* E */
    tsc_tap_close(&b);                        /* 3 E */
    tsc_tap_close(&a);                        /* no secrets: 4 held + 3 E, no D */
    tsc_tap_close(&lst);
    struct tsc_pcapng_stats st;
    assert_int_equal(tsc_pcapng_writer_close(w, &st), 0);
    assert_int_equal(st.secrets_blocks, 2);
    assert_int_equal(st.packets, 1 + 4 + 1 + 3 + 7);

    struct file f = slurp(path);
    char bl[64];
    blocks(&f, bl, sizeof bl);
    assert_string_equal(bl, "SIEDEEEEDEEEEEEEEEEE");
    free(f.b);
    uint32_t late;
    assert_int_equal(read_back(path, &late), 16);
    assert_int_equal(late, 2); /* after the first packet: tshark reads them in order; tlsscope read says so */
    unlink(path);
    free(path);
}

/* TSC_PCAPNG_WHOLE: two connections one after the other (a client's
 * --reconnect): one block with both connections' lines, before every
 * packet. */
static void test_whole_file(void **state)
{
    (void)state;
    char *path = temp_path("tap_whole");
    struct tsc_pcapng_writer *w = tsc_pcapng_writer_open(path, TSC_PCAPNG_WHOLE);
    assert_non_null(w);
    uint8_t d[200];
    memset(d, 0x16, sizeof d);
    for (int i = 0; i < 2; i++) {
        struct tsc_tap t;
        tap_tcp(&t, (uint16_t)(41000 + i), w, 1);
        tsc_tap_data(&t, 1, d, sizeof d);
        tsc_tap_secret(&t, i ? L2 : L1);
        tsc_tap_secrets_known(&t);
        tsc_tap_data(&t, 0, d, sizeof d);
        tsc_tap_close(&t);
    }
    struct tsc_pcapng_stats st;
    assert_int_equal(tsc_pcapng_writer_close(w, &st), 0);
    assert_int_equal(st.secrets_blocks, 1);
    assert_int_equal(st.whole_given_up, 0);

    struct file f = slurp(path);
    char bl[64];
    blocks(&f, bl, sizeof bl);
    assert_string_equal(bl, "SIDEEEEEEEEEEEEEEEE");
    free(f.b);
    struct secrets s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tsc_pcapfile_secrets(path, on_secrets, &s), 1);
    assert_string_equal(s.text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101 aaaa\nSERVER_HANDSHAKE_TRAFFIC_SECRET 0101 bbbb\n");
    uint32_t late;
    assert_int_equal(read_back(path, &late), 16);
    assert_int_equal(late, 0);
    unlink(path);
    free(path);
}

/* A connection that sends more than the bound before its handshake is
 * done: what is known then is written, then its packets go as they come;
 * counted for the command line to say. */
static void test_bound(void **state)
{
    (void)state;
    char *path = temp_path("tap_bound");
    struct tsc_pcapng_writer *w = tsc_pcapng_writer_open(path, 0);
    assert_non_null(w);
    struct tsc_tap t;
    tap_tcp(&t, 42000, w, 1);
    tsc_tap_secret(&t, L1);
    size_t n = (size_t)3 << 20;
    uint8_t *big = calloc(1, n);
    assert_non_null(big);
    tsc_tap_data(&t, 0, big, n); /* 3 MiB: past the 1 MiB bound */
    free(big);
    tsc_tap_secret(&t, L2);      /* written at once now */
    tsc_tap_secrets_known(&t);
    tsc_tap_close(&t);
    struct tsc_pcapng_stats st;
    assert_int_equal(tsc_pcapng_writer_close(w, &st), 0);
    assert_int_equal(st.held_over, 1);
    assert_int_equal(st.secrets_blocks, 2);
    size_t segs = (n + 1459) / 1460;
    assert_int_equal(st.packets, 3 + segs + 3);
    struct secrets s;
    memset(&s, 0, sizeof s);
    assert_int_equal(tsc_pcapfile_secrets(path, on_secrets, &s), 1);
    assert_string_equal(s.text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101 aaaa\n");
    uint32_t late;
    assert_int_equal(read_back(path, &late), 3 + segs + 3);
    assert_int_equal(late, 1);
    unlink(path);
    free(path);
}

/* DTLS: one packet per datagram, whole, with the secrets before them. */
static void test_udp(void **state)
{
    (void)state;
    char *path = temp_path("tap_udp");
    struct tsc_pcapng_writer *w = tsc_pcapng_writer_open(path, TSC_PCAPNG_WHOLE);
    assert_non_null(w);
    struct tsc_tap t;
    struct sockaddr_storage c, s;
    addr4(&c, 0x7f000001, 43000);
    addr4(&s, 0x7f000001, 4433);
    assert_int_equal(tsc_tap_init_udp(&t, &c, &s, NULL, NULL, NULL), 0);
    tsc_tap_pcapng(&t, w, 1);
    uint8_t d[5000];
    memset(d, 0x16, sizeof d);
    tsc_tap_data(&t, 1, d, 250);
    tsc_tap_data(&t, 0, d, sizeof d); /* one packet, not split */
    tsc_tap_secret(&t, "CLIENT_RANDOM 0202 cccc");
    tsc_tap_secrets_known(&t);
    tsc_tap_close(&t);
    assert_int_equal(tsc_pcapng_writer_close(w, NULL), 0);
    struct tsc_pcapfile f;
    struct tsc_pcap_packet pk;
    assert_int_equal(tsc_pcapfile_open(&f, path), 1);
    assert_int_equal(tsc_pcapfile_next(&f, &pk), 1);
    assert_int_equal(pk.caplen, 14 + 20 + 8 + 250);
    assert_int_equal(tsc_pcapfile_next(&f, &pk), 1);
    assert_int_equal(pk.caplen, 14 + 20 + 8 + 5000);
    assert_int_equal(tsc_pcapfile_next(&f, &pk), 0);
    tsc_pcapfile_close(&f);
    struct secrets sc;
    memset(&sc, 0, sizeof sc);
    assert_int_equal(tsc_pcapfile_secrets(path, on_secrets, &sc), 1);
    assert_string_equal(sc.text, "CLIENT_RANDOM 0202 cccc\n");
    unlink(path);
    free(path);
}

/* A file that cannot be opened: NULL and errno; closing NULL is a no-op. */
static void test_open_error(void **state)
{
    (void)state;
    assert_null(tsc_pcapng_writer_open("/nonexistent-dir/x.pcapng", 0));
    assert_int_equal(tsc_pcapng_writer_close(NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_until_known), cmocka_unit_test(test_streaming_per_connection),
        cmocka_unit_test(test_whole_file),       cmocka_unit_test(test_bound),
        cmocka_unit_test(test_udp),              cmocka_unit_test(test_open_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
