/*
 * pcapfile.c - tlsscope's own pcap/pcapng reader (see pcapfile.h).
 */
#include "capture/pcapfile.h"

#include "capture/packet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define NG_SHB 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du
#define NG_IDB 1u
#define NG_OPB 2u
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_DSB 10u

static uint32_t rd32(const struct tsc_pcapfile *f, const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    return f->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct tsc_pcapfile *f, const uint8_t *p)
{
    uint16_t v = (uint16_t)(p[0] | (p[1] << 8));
    return f->swapped ? __builtin_bswap16(v) : v;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The host is little-endian here; files in big-endian order are swapped. */
static int host_is_le(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* Up to `want` of the file's bytes from `at` into dst: how many were read
 * (fewer only at the end of the file), or -1 with f->error set on a read
 * error or when fewer than n are there (the file became shorter than it was
 * at open). */
static ssize_t read_at(struct tsc_pcapfile *f, uint8_t *dst, size_t want, size_t n, size_t at)
{
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(f->fd, dst + got, want - got, (off_t)(at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(f->error, sizeof f->error, "read error at byte %zu: %s", at + got, strerror(errno));
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < n) {
        snprintf(f->error, sizeof f->error, "the file became shorter while being read (at byte %zu)", at + got);
        return -1;
    }
    return (ssize_t)got;
}

/* Read the file's bytes from `at` (at least n of them, up to f->block) into
 * the next buffer. NULL, with f->error set, on a read error or when the
 * file has become shorter than it was at open. */
static const uint8_t *refill(struct tsc_pcapfile *f, size_t at, size_t n)
{
    int next = (f->cur + 1) % f->nbuf;
    struct tsc_pcapfile_buf *b = &f->buf[next];
    if (b->len && f->wait)
        f->wait(f->wait_arg, b->start + b->len < at ? b->start + b->len : at);
    size_t want = n > f->block ? n : f->block;
    if (want > f->size - at)
        want = f->size - at;
    if (want > b->cap) {
        /* mapped, not malloc'd: the pipeline's --max-memory counts the
         * heap, and these buffers are the reader's fixed cost */
        /* populated at once: one call instead of a page fault per page on
         * the first read into it (costly in a virtual machine) */
        void *d = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (d == MAP_FAILED) {
            snprintf(f->error, sizeof f->error, "out of memory for %zu bytes at byte %zu", want, at);
            return NULL;
        }
        if (b->data)
            munmap(b->data, b->cap);
        b->data = d;
        b->cap = want;
    }
    b->len = 0; /* nothing valid while it is being refilled */
    ssize_t got = read_at(f, b->data, want, n, at);
    if (got < 0)
        return NULL;
    b->start = at;
    b->len = (size_t)got;
    f->cur = next;
    return b->data;
}

/* The n bytes at file offset `at` where they already are (the input in
 * memory, or the current buffer), else NULL. */
static inline const uint8_t *have(const struct tsc_pcapfile *f, size_t at, size_t n)
{
    if (f->mem)
        return f->mem + at;
    const struct tsc_pcapfile_buf *b = &f->buf[f->cur];
    if (at >= b->start && at - b->start + n <= b->len)
        return b->data + (at - b->start);
    return NULL;
}

/* n contiguous bytes at file offset `at`, which the caller has checked lie
 * inside the file; NULL (f->error set) when they cannot be read. */
static inline const uint8_t *need(struct tsc_pcapfile *f, size_t at, size_t n)
{
    const uint8_t *p = have(f, at, n);
    return p ? p : refill(f, at, n);
}

/* The n <= 16 header bytes at `at` (inside the file), from the current
 * buffer or else read into tmp, so that a packet costs one refill at most
 * (with its whole length, once the header says it). */
static inline const uint8_t *peek(struct tsc_pcapfile *f, size_t at, size_t n, uint8_t tmp[16])
{
    const uint8_t *p = have(f, at, n);
    return p ? p : read_at(f, tmp, n, n, at) < 0 ? NULL : tmp;
}

/* The file's kind from its first bytes; 0 (and the reader closed) when it is
 * neither pcap nor pcapng, -1 when they cannot be read. */
static int detect(struct tsc_pcapfile *f)
{
    /* a few bytes, not a block: tsc_pcapfile_secrets opens every file, and
     * a file that is not pcap or pcapng goes to libpcap */
    size_t n = f->size >= 28 ? 28 : 24;
    uint8_t tmp[28];
    const uint8_t *h = have(f, 0, n);
    if (!h && read_at(f, tmp, n, n, 0) < 0) {
        tsc_pcapfile_close(f);
        return -1;
    }
    if (!h)
        h = tmp;
    uint32_t magic = le32(h);
    if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || __builtin_bswap32(magic) == PCAP_MAGIC_US ||
        __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
        f->swapped = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
        f->nsec = magic == PCAP_MAGIC_NS || __builtin_bswap32(magic) == PCAP_MAGIC_NS;
        f->snaplen = rd32(f, h + 16);
        f->linktype = (int)(rd32(f, h + 20) & 0x03ffffff); /* upper bits: FCS info */
        f->off = 24;
        return 1;
    }
    if (magic == NG_SHB && f->size >= 28) {
        uint32_t bom = le32(h + 8);
        if (bom != NG_BOM && __builtin_bswap32(bom) != NG_BOM)
            goto not_mine;
        f->ng = 1;
        f->off = 0;
        return 1;
    }
not_mine:
    tsc_pcapfile_close(f);
    return 0;
}

int tsc_pcapfile_open_block(struct tsc_pcapfile *f, const char *path, size_t block)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (!host_is_le())
        return 0; /* keep it simple: libpcap reads on big-endian hosts */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(f->error, sizeof f->error, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24) {
        close(fd);
        return 0;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    f->fd = fd;
    f->size = (size_t)st.st_size;
    f->block = block ? block : TSC_PCAPFILE_BLOCK;
    f->nbuf = 2;
    return detect(f);
}

int tsc_pcapfile_open(struct tsc_pcapfile *f, const char *path)
{
    size_t block = TSC_PCAPFILE_BLOCK;
    const char *e = getenv("TSC_READ_BLOCK"); /* tests: buffers refilled often on small files */
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == '\0' && v >= 16 && v <= TSC_PCAPFILE_MAX_CAPLEN)
            block = (size_t)v;
    }
    return tsc_pcapfile_open_block(f, path, block);
}

int tsc_pcapfile_open_mem(struct tsc_pcapfile *f, const uint8_t *data, size_t len)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (!host_is_le() || len < 24)
        return 0;
    f->mem = data;
    f->size = len;
    return detect(f);
}

void tsc_pcapfile_set_buffers(struct tsc_pcapfile *f, int n, void (*wait)(void *, uint64_t), void *arg)
{
    if (n < 2)
        n = 2;
    if (n > TSC_PCAPFILE_MAX_BUFS)
        n = TSC_PCAPFILE_MAX_BUFS;
    /* buffers in use stay where they are: only the count of those after them grows */
    if (n > f->nbuf)
        f->nbuf = n;
    f->wait = wait;
    f->wait_arg = arg;
}

void tsc_pcapfile_close(struct tsc_pcapfile *f)
{
    for (int i = 0; i < TSC_PCAPFILE_MAX_BUFS; i++) {
        if (f->buf[i].data)
            munmap(f->buf[i].data, f->buf[i].cap);
        f->buf[i].data = NULL;
        f->buf[i].cap = f->buf[i].len = 0;
    }
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->mem = NULL;
}

/* Seconds beyond this (year 285,000 or so) are clamped: the microsecond
 * count must stay inside int64_t whatever a hostile file says. */
#define MAX_SEC ((uint64_t)9000000000000ULL)

static int64_t ng_ts_us(const struct tsc_pcapfile *f, size_t ifc, uint64_t t)
{
    uint8_t res = f->iface[ifc].res;
    if (f->iface[ifc].binary) {
        /* units of 2^-res seconds */
        if (res > 63)
            return 0;
        uint64_t sec = t >> res, frac = t & ((res ? ((uint64_t)1 << res) : 1) - 1);
        if (sec > MAX_SEC)
            sec = MAX_SEC;
        return (int64_t)(sec * 1000000 + (uint64_t)(((__uint128_t)frac * 1000000) >> res));
    }
    if (res == 6)
        return (int64_t)(t > MAX_SEC * 1000000 ? MAX_SEC * 1000000 : t);
    if (res > 19)
        return 0;
    uint64_t unit = 1;
    for (uint8_t i = 0; i < res; i++)
        unit *= 10;
    uint64_t sec = t / unit, frac = t % unit;
    if (sec > MAX_SEC)
        sec = MAX_SEC;
    return (int64_t)(sec * 1000000 + (uint64_t)(((__uint128_t)frac * 1000000) / unit));
}

/* if_tsresol in an Interface Description Block's options. */
static void ng_idb_options(struct tsc_pcapfile *f, size_t ifc, const uint8_t *p, size_t n)
{
    size_t o = 0;
    while (o + 4 <= n) {
        uint16_t code = rd16(f, p + o), len = rd16(f, p + o + 2);
        if (code == 0)
            return;
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (padded > n - o - 4)
            return;
        if (code == 9 && len >= 1) {
            f->iface[ifc].binary = (p[o + 4] & 0x80) != 0;
            f->iface[ifc].res = p[o + 4] & 0x7f;
        }
        o += 4 + padded;
    }
}

/* A packet from an interface whose link type is not read: counted, and
 * the type kept for the message (the first one, and whether others). */
static void unsupported(struct tsc_pcapfile *f, int linktype)
{
    if (f->unsupported_packets++ == 0)
        f->unsupported_link = linktype;
    else if (linktype != f->unsupported_link)
        f->unsupported_more = 1;
}

static int ng_next(struct tsc_pcapfile *f, struct tsc_pcap_packet *pkt)
{
    for (;;) {
        if (f->off == f->size)
            return 0;
        if (f->size - f->off < 12) {
            snprintf(f->error, sizeof f->error, "cut short inside a pcapng block header at byte %zu", f->off);
            return -1;
        }
        uint8_t tmp[16];
        const uint8_t *b = peek(f, f->off, 12, tmp);
        if (!b)
            return -1;
        uint32_t raw_type = le32(b);
        if (raw_type == NG_SHB) {
            /* a new section: its own byte order and interfaces */
            uint32_t bom = le32(b + 8);
            if (bom == NG_BOM)
                f->swapped = 0;
            else if (__builtin_bswap32(bom) == NG_BOM)
                f->swapped = 1;
            else {
                snprintf(f->error, sizeof f->error, "bad pcapng byte-order magic at byte %zu", f->off);
                return -1;
            }
            f->n_ifaces = 0;
        }
        uint32_t type = rd32(f, b), len = rd32(f, b + 4);
        if (len < 12 || len % 4 != 0 || len > f->size - f->off) {
            snprintf(f->error, sizeof f->error, "%s pcapng block at byte %zu",
                     len > f->size - f->off ? "cut short inside a" : "bad length of a", f->off);
            return -1;
        }
        if (type == NG_DSB && f->packets_read) { /* tsc_pcapfile_secrets read those before the first packet */
            if (f->on_secrets && len >= 20 && len <= TSC_PCAPFILE_MAX_CAPLEN) {
                const uint8_t *d = need(f, f->off, len);
                if (!d)
                    return -1;
                uint32_t stype = rd32(f, d + 8), slen = rd32(f, d + 12);
                if (slen <= len - 20)
                    f->on_secrets(f->on_secrets_arg, stype, d + 16, slen);
                else
                    f->secrets_late++; /* its length does not fit its block: not used */
            } else {
                f->secrets_late++;
            }
        }
        if (type != NG_IDB && type != NG_EPB && type != NG_OPB && type != NG_SPB) {
            /* section header, statistics, name resolution, decryption
             * secrets...: skipped without reading their bodies */
            f->off += len;
            continue;
        }
        if (len > TSC_PCAPFILE_MAX_CAPLEN + 64) {
            snprintf(f->error, sizeof f->error, "a pcapng block of %u bytes at byte %zu is larger than any packet",
                     len, f->off);
            return -1;
        }
        b = need(f, f->off, len);
        if (!b)
            return -1;
        const uint8_t *body = b + 8;
        size_t blen = len - 12;
        f->off += len;
        if (type == NG_IDB) {
            if (blen < 8)
                continue;
            if (f->n_ifaces < TSC_PCAPNG_MAX_IFACES) {
                size_t i = f->n_ifaces;
                f->iface[i].linktype = rd16(f, body);
                f->iface[i].supported = tsc_link_supported(f->iface[i].linktype);
                f->iface[i].binary = 0;
                f->iface[i].res = 6;
                ng_idb_options(f, i, body + 8, blen - 8);
            }
            f->n_ifaces++;
            continue;
        }
        if (type == NG_EPB || type == NG_OPB) {
            if (blen < 20)
                continue;
            uint32_t ifc = type == NG_EPB ? rd32(f, body) : rd16(f, body);
            uint64_t t = ((uint64_t)rd32(f, body + 4) << 32) | rd32(f, body + 8);
            uint32_t caplen = rd32(f, body + 12);
            if (caplen > blen - 20) {
                snprintf(f->error, sizeof f->error, "packet longer than its pcapng block at byte %zu",
                         f->off - len);
                return -1;
            }
            if (ifc >= f->n_ifaces || ifc >= TSC_PCAPNG_MAX_IFACES)
                continue; /* no such interface: nothing to decode it with */
            pkt->linktype = f->iface[ifc].linktype;
            if (!f->iface[ifc].supported)
                unsupported(f, pkt->linktype);
            pkt->ts_us = ng_ts_us(f, ifc, t);
            pkt->data = body + 20;
            pkt->caplen = caplen;
            f->packets_read++;
            return 1;
        }
        /* NG_SPB */
        if (blen < 4 || f->n_ifaces == 0)
            continue;
        uint32_t orig = rd32(f, body);
        pkt->linktype = f->iface[0].linktype;
        if (!f->iface[0].supported)
            unsupported(f, pkt->linktype);
        pkt->ts_us = 0;
        pkt->data = body + 4;
        pkt->caplen = orig < blen - 4 ? orig : blen - 4;
        f->packets_read++;
        return 1;
    }
}

int tsc_pcapfile_secrets(const char *path, void (*cb)(void *arg, uint32_t type, const uint8_t *p, size_t n),
                         void *arg)
{
    struct tsc_pcapfile f;
    int found = 0;
    if (tsc_pcapfile_open(&f, path) != 1)
        return 0;
    while (f.ng && f.size - f.off >= 12) {
        uint8_t tmp[16];
        const uint8_t *b = peek(&f, f.off, 12, tmp);
        if (!b)
            break;
        if (le32(b) == NG_SHB) {
            uint32_t bom = le32(b + 8);
            if (bom != NG_BOM && __builtin_bswap32(bom) != NG_BOM)
                break;
            f.swapped = bom != NG_BOM;
        }
        uint32_t type = rd32(&f, b), len = rd32(&f, b + 4);
        if (len < 12 || len % 4 != 0 || len > f.size - f.off || type == NG_EPB || type == NG_SPB || type == NG_OPB)
            break; /* the first packet, or a block the read will report */
        if (type == NG_DSB && len >= 20 && len <= TSC_PCAPFILE_MAX_CAPLEN) {
            b = need(&f, f.off, len);
            if (!b)
                break;
            uint32_t stype = rd32(&f, b + 8), slen = rd32(&f, b + 12);
            if (slen <= len - 20) {
                cb(arg, stype, b + 16, slen);
                found++;
            }
        }
        f.off += len;
    }
    tsc_pcapfile_close(&f);
    return found;
}

int tsc_pcapfile_next(struct tsc_pcapfile *f, struct tsc_pcap_packet *pkt)
{
    if (f->ng)
        return ng_next(f, pkt);
    if (f->off == f->size)
        return 0;
    if (f->size - f->off < 16) {
        snprintf(f->error, sizeof f->error, "cut short inside a packet header at byte %zu", f->off);
        return -1;
    }
    uint8_t tmp[16];
    const uint8_t *h = peek(f, f->off, 16, tmp);
    if (!h)
        return -1;
    uint32_t sec = rd32(f, h), frac = rd32(f, h + 4), caplen = rd32(f, h + 8);
    if (caplen > f->size - f->off - 16) {
        snprintf(f->error, sizeof f->error, "cut short in the middle of a packet at byte %zu", f->off);
        return -1;
    }
    if (caplen > TSC_PCAPFILE_MAX_CAPLEN) { /* libpcap's own sanity bound: 64 MiB */
        snprintf(f->error, sizeof f->error, "a packet claims %u captured bytes at byte %zu", caplen, f->off);
        return -1;
    }
    h = need(f, f->off, 16 + (size_t)caplen);
    if (!h)
        return -1;
    pkt->linktype = f->linktype;
    pkt->ts_us = (int64_t)sec * 1000000 + (f->nsec ? frac / 1000 : frac);
    pkt->data = h + 16;
    pkt->caplen = caplen;
    f->off += 16 + (size_t)caplen;
    return 1;
}
