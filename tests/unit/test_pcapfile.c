/*
 * test_pcapfile.c - tlsscope's own pcap/pcapng reader (capture/pcapfile.c)
 * reading files in small blocks: every packet the same as from memory
 * whatever the block size (packets straddling blocks, larger than a block),
 * the wait before a buffer is reused (never for bytes not yet returned), a
 * pcapng with skipped blocks and two sections, and the errors: cut short,
 * an impossible length, a file that becomes shorter while it is read;
 * packets on pcapng interfaces of link types not read, counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcapfile.h"
#include "temp_file.h"

/* ------------------------------------------------------------ helpers */

struct out {
    uint8_t *b;
    size_t n, cap;
};

static void put(struct out *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->b = realloc(o->b, o->cap);
        assert_non_null(o->b);
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put32(struct out *o, uint32_t v) { put(o, &v, 4); }
static void put16(struct out *o, uint16_t v) { put(o, &v, 2); }

/* Packet k's length and bytes: lengths from 1 to 3,000, a few of 5,000. */
static uint32_t pkt_len(unsigned k) { return k % 37 == 5 ? 5000 : 1 + (k * 7919u) % 3000; }
static uint8_t pkt_byte(unsigned k, size_t i) { return (uint8_t)(k * 31u + i * 7u); }

static void classic(struct out *o, unsigned npkts)
{
    put32(o, 0xa1b2c3d4u);
    put16(o, 2);
    put16(o, 4);
    put32(o, 0);
    put32(o, 0);
    put32(o, 65535);
    put32(o, 1); /* Ethernet */
    for (unsigned k = 0; k < npkts; k++) {
        uint32_t n = pkt_len(k);
        put32(o, 1000 + k);
        put32(o, k);
        put32(o, n);
        put32(o, n);
        for (uint32_t i = 0; i < n; i++) {
            uint8_t c = pkt_byte(k, i);
            put(o, &c, 1);
        }
    }
}

static void ng_block(struct out *o, uint32_t type, const void *body, uint32_t blen)
{
    uint32_t pad = (4 - blen % 4) % 4, len = 12 + blen + pad;
    put32(o, type);
    put32(o, len);
    put(o, body, blen);
    put(o, "\0\0\0", pad);
    put32(o, len);
}

static void ng_section(struct out *o)
{
    uint8_t shb[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    ng_block(o, 0x0a0d0d0au, shb, sizeof shb);
    /* IDB: Ethernet, snaplen 0, if_tsresol 9 (nanoseconds), end of options */
    uint8_t idb[20] = {1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0};
    ng_block(o, 1, idb, sizeof idb);
}

static void ng_epb(struct out *o, unsigned k)
{
    uint32_t n = pkt_len(k);
    uint8_t *body = malloc(20 + n);
    assert_non_null(body);
    uint64_t t = (uint64_t)(1000 + k) * 1000000000u + k * 1000u;
    uint32_t h[5] = {0, (uint32_t)(t >> 32), (uint32_t)t, n, n};
    memcpy(body, h, 20);
    for (uint32_t i = 0; i < n; i++)
        body[20 + i] = pkt_byte(k, i);
    ng_block(o, 6, body, 20 + n);
    free(body);
}

static void pcapng(struct out *o, unsigned npkts)
{
    ng_section(o);
    for (unsigned k = 0; k < npkts; k++) {
        if (k == npkts / 2) {
            /* a large block of a kind the reader skips, then a new section */
            uint8_t junk[3000];
            memset(junk, 0xee, sizeof junk);
            ng_block(o, 0x0bad, junk, sizeof junk);
            ng_section(o);
        }
        ng_epb(o, k);
    }
}

/* A temporary file holding o's bytes (the caller unlinks and frees it). */
static char *write_temp(const struct out *o)
{
    char *path = temp_path("test_pcapfile");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(o->b, 1, o->n, f), o->n);
    assert_int_equal(fclose(f), 0);
    return path;
}

struct waits {
    unsigned calls;
    uint64_t last, max_behind; /* largest upto seen; upto must stay behind the reader */
    const struct tsc_pcapfile *f;
    int bad;
};

static void on_wait(void *arg, uint64_t upto)
{
    struct waits *w = arg;
    w->calls++;
    if (upto > w->f->off || upto < w->last)
        w->bad = 1; /* a buffer still ahead of the reader, or going backwards */
    w->last = upto;
}

/* Every packet read in blocks of `block` bytes equals packet k as written. */
static void check_all(const char *path, size_t block, unsigned npkts, int nbuf)
{
    struct tsc_pcapfile f;
    assert_int_equal(tsc_pcapfile_open_block(&f, path, block), 1);
    struct waits w = {0, 0, 0, &f, 0};
    if (nbuf)
        tsc_pcapfile_set_buffers(&f, nbuf, on_wait, &w);
    struct tsc_pcap_packet pk;
    unsigned k = 0;
    int rc;
    while ((rc = tsc_pcapfile_next(&f, &pk)) == 1) {
        assert_true(k < npkts);
        assert_int_equal(pk.caplen, pkt_len(k));
        assert_int_equal(pk.linktype, 1);
        assert_int_equal(pk.ts_us, (int64_t)(1000 + k) * 1000000 + k);
        for (size_t i = 0; i < pk.caplen; i++)
            if (pk.data[i] != pkt_byte(k, i))
                fail_msg("block %zu: packet %u byte %zu differs", block, k, i);
        k++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(k, npkts);
    assert_int_equal(w.bad, 0);
    if (nbuf && block <= 4096)
        assert_true(w.calls > 0); /* buffers were reused */
    tsc_pcapfile_close(&f);
}

/* ------------------------------------------------------------ tests */

static void classic_any_block_size(void **state)
{
    (void)state;
    struct out o = {0};
    classic(&o, 400);
    char *path = write_temp(&o);
    size_t blocks[] = {1, 16, 17, 100, 1000, 4096, 65536, TSC_PCAPFILE_BLOCK};
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        check_all(path, blocks[i], 400, 0);
        check_all(path, blocks[i], 400, 3);
    }
    /* from memory: the same packets */
    struct tsc_pcapfile f;
    assert_int_equal(tsc_pcapfile_open_mem(&f, o.b, o.n), 1);
    struct tsc_pcap_packet pk;
    unsigned k = 0;
    while (tsc_pcapfile_next(&f, &pk) == 1)
        assert_int_equal(pk.caplen, pkt_len(k++));
    assert_int_equal(k, 400);
    tsc_pcapfile_close(&f);
    unlink(path);
    free(path);
    free(o.b);
}

static void pcapng_any_block_size(void **state)
{
    (void)state;
    struct out o = {0};
    pcapng(&o, 300);
    char *path = write_temp(&o);
    size_t blocks[] = {1, 12, 13, 64, 999, 8192, TSC_PCAPFILE_BLOCK};
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        check_all(path, blocks[i], 300, 0);
        check_all(path, blocks[i], 300, 4);
    }
    unlink(path);
    free(path);
    free(o.b);
}

static void cut_short(void **state)
{
    (void)state;
    struct out o = {0};
    classic(&o, 50);
    o.n -= 10; /* the last packet loses 10 bytes */
    char *path = write_temp(&o);
    struct tsc_pcapfile f;
    assert_int_equal(tsc_pcapfile_open_block(&f, path, 100), 1);
    struct tsc_pcap_packet pk;
    unsigned k = 0;
    int rc;
    while ((rc = tsc_pcapfile_next(&f, &pk)) == 1)
        k++;
    assert_int_equal(rc, -1);
    assert_int_equal(k, 49);
    assert_non_null(strstr(f.error, "cut short in the middle of a packet at byte"));
    tsc_pcapfile_close(&f);
    unlink(path);
    free(path);
    free(o.b);
}

static void impossible_length(void **state)
{
    (void)state;
    struct out o = {0};
    classic(&o, 3);
    /* packet 1's caplen: 64 MiB + 1, in a file made that long with zeros */
    size_t at = 24 + 16 + pkt_len(0);
    uint32_t huge = (uint32_t)TSC_PCAPFILE_MAX_CAPLEN + 1;
    memcpy(o.b + at + 8, &huge, 4);
    char *path = write_temp(&o);
    assert_int_equal(truncate(path, (off_t)(at + 16 + huge + 100)), 0);
    struct tsc_pcapfile f;
    assert_int_equal(tsc_pcapfile_open(&f, path), 1);
    struct tsc_pcap_packet pk;
    assert_int_equal(tsc_pcapfile_next(&f, &pk), 1);
    assert_int_equal(tsc_pcapfile_next(&f, &pk), -1);
    assert_non_null(strstr(f.error, "a packet claims 67108865 captured bytes at byte"));
    tsc_pcapfile_close(&f);
    unlink(path);
    free(path);
    free(o.b);
}

static void shrinks_while_read(void **state)
{
    (void)state;
    struct out o = {0};
    classic(&o, 200);
    char *path = write_temp(&o);
    struct tsc_pcapfile f;
    assert_int_equal(tsc_pcapfile_open_block(&f, path, 4096), 1);
    struct tsc_pcap_packet pk;
    assert_int_equal(tsc_pcapfile_next(&f, &pk), 1);
    /* another program cuts the file in half: an error, not a crash */
    assert_int_equal(truncate(path, (off_t)(o.n / 2)), 0);
    int rc;
    unsigned k = 1;
    while ((rc = tsc_pcapfile_next(&f, &pk)) == 1)
        k++;
    assert_int_equal(rc, -1);
    assert_true(k < 200);
    assert_non_null(strstr(f.error, "became shorter while being read"));
    tsc_pcapfile_close(&f);
    unlink(path);
    free(path);
    free(o.b);
}

static void not_mine(void **state)
{
    (void)state;
    struct out o = {0};
    put(&o, "this is not a capture file, only text of some length", 52);
    char *path = write_temp(&o);
    struct tsc_pcapfile f;
    assert_int_equal(tsc_pcapfile_open(&f, path), 0);
    tsc_pcapfile_close(&f);
    assert_int_equal(tsc_pcapfile_open(&f, "/nonexistent/x.pcap"), -1);
    assert_non_null(strstr(f.error, "No such file"));
    unlink(path);
    free(path);
    free(o.b);
}

/* Decryption Secrets Blocks: those before the first packet are handed
 * out (TLS key logs and other kinds alike, with their type); one after a
 * packet is counted by the reader, not read. */
struct secrets_seen {
    unsigned n;
    uint32_t types[4];
    char text[4][64];
};

static void on_secrets(void *arg, uint32_t type, const uint8_t *p, size_t n)
{
    struct secrets_seen *s = arg;
    assert_true(s->n < 4 && n < 64);
    s->types[s->n] = type;
    memcpy(s->text[s->n], p, n);
    s->text[s->n][n] = 0;
    s->n++;
}

static void dsb(struct out *o, uint32_t type, const char *text)
{
    uint32_t n = (uint32_t)strlen(text);
    uint8_t body[80];
    memcpy(body, &type, 4);
    memcpy(body + 4, &n, 4);
    memcpy(body + 8, text, n);
    uint32_t padded = (n + 3) & ~3u;
    memset(body + 8 + n, 0, padded - n);
    ng_block(o, 10, body, 8 + padded);
}

static void decryption_secrets(void **state)
{
    (void)state;
    struct out o = {0};
    ng_section(&o);
    dsb(&o, TSC_PCAPNG_SECRETS_TLS, "CLIENT_RANDOM 00 11\n");
    dsb(&o, 0x57474b4cu, "wireguard"); /* another kind: handed out with its type */
    ng_epb(&o, 0);
    dsb(&o, TSC_PCAPNG_SECRETS_TLS, "late");
    ng_epb(&o, 1);
    char *path = write_temp(&o);
    struct secrets_seen seen = {0};
    assert_int_equal(tsc_pcapfile_secrets(path, on_secrets, &seen), 2);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.types[0], TSC_PCAPNG_SECRETS_TLS);
    assert_string_equal(seen.text[0], "CLIENT_RANDOM 00 11\n");
    assert_int_equal(seen.types[1], 0x57474b4cu);
    assert_string_equal(seen.text[1], "wireguard");
    struct tsc_pcapfile f;
    struct tsc_pcap_packet pk;
    assert_int_equal(tsc_pcapfile_open(&f, path), 1);
    unsigned k = 0;
    while (tsc_pcapfile_next(&f, &pk) == 1)
        k++;
    assert_int_equal(k, 2);
    assert_int_equal(f.secrets_late, 1);
    tsc_pcapfile_close(&f);
    unlink(path);
    free(path);
    /* not pcapng: nothing */
    struct out c = {0};
    classic(&c, 2);
    path = write_temp(&c);
    seen.n = 0;
    assert_int_equal(tsc_pcapfile_secrets(path, on_secrets, &seen), 0);
    assert_int_equal(seen.n, 0);
    unlink(path);
    free(path);
    free(c.b);
    free(o.b);
}

/* pcapng interfaces of link types tlsscope does not read: their packets are
 * handed out and counted, with the first such type and whether another. */
static void ng_idb(struct out *o, uint16_t linktype)
{
    uint8_t idb[8] = {(uint8_t)linktype, (uint8_t)(linktype >> 8), 0, 0, 0, 0, 0, 0};
    ng_block(o, 1, idb, sizeof idb);
}

static void ng_epb_on(struct out *o, uint32_t ifc)
{
    uint32_t h[5] = {ifc, 0, 1, 4, 4};
    uint8_t body[24];
    memcpy(body, h, 20);
    memcpy(body + 20, "abcd", 4);
    ng_block(o, 6, body, sizeof body);
}

static void unsupported_interfaces(void **state)
{
    (void)state;
    struct out o = {0};
    uint8_t shb[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    ng_block(&o, 0x0a0d0d0au, shb, sizeof shb);
    ng_idb(&o, 1);   /* Ethernet */
    ng_idb(&o, 147); /* USER0 */
    ng_idb(&o, 239); /* NFLOG: read */
    ng_idb(&o, 189); /* USB_LINUX */
    ng_epb_on(&o, 0);
    ng_epb_on(&o, 1);
    ng_epb_on(&o, 2);
    ng_epb_on(&o, 1);
    struct tsc_pcapfile f;
    struct tsc_pcap_packet pk;
    assert_int_equal(tsc_pcapfile_open_mem(&f, o.b, o.n), 1);
    int seen[4] = {0};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(tsc_pcapfile_next(&f, &pk), 1);
        seen[k] = pk.linktype;
    }
    assert_int_equal(seen[1], 147);
    assert_int_equal(seen[2], 239);
    assert_int_equal(f.unsupported_packets, 2);
    assert_int_equal(f.unsupported_link, 147);
    assert_false(f.unsupported_more);
    ng_epb_on(&o, 3);
    tsc_pcapfile_close(&f);
    assert_int_equal(tsc_pcapfile_open_mem(&f, o.b, o.n), 1);
    while (tsc_pcapfile_next(&f, &pk) == 1)
        ;
    assert_int_equal(f.unsupported_packets, 3);
    assert_int_equal(f.unsupported_link, 147);
    assert_true(f.unsupported_more);
    tsc_pcapfile_close(&f);
    free(o.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_any_block_size),
        cmocka_unit_test(pcapng_any_block_size),
        cmocka_unit_test(cut_short),
        cmocka_unit_test(impossible_length),
        cmocka_unit_test(shrinks_while_read),
        cmocka_unit_test(not_mine),
        cmocka_unit_test(decryption_secrets),
        cmocka_unit_test(unsupported_interfaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
