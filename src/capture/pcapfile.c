/*
 * pcapfile.c - memory-mapped pcap/pcapng reading (see pcapfile.h).
 */
#include "capture/pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* The host is little-endian here; files in big-endian order are swapped. */
static int detect(struct tsc_pcapfile *f);

static int host_is_le(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

int tsc_pcapfile_open(struct tsc_pcapfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
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
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return 0;
    madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL | MADV_WILLNEED);
    f->map = m;
    f->size = (size_t)st.st_size;
    f->mapped = 1;
    return detect(f);
}

int tsc_pcapfile_open_mem(struct tsc_pcapfile *f, const uint8_t *data, size_t len)
{
    memset(f, 0, sizeof *f);
    if (!host_is_le() || len < 24)
        return 0;
    f->map = data;
    f->size = len;
    return detect(f);
}

/* The file's kind from its first bytes; 0 (and the reader closed) when it is
 * neither pcap nor pcapng. */
static int detect(struct tsc_pcapfile *f)
{
    uint32_t magic = (uint32_t)f->map[0] | ((uint32_t)f->map[1] << 8) | ((uint32_t)f->map[2] << 16) |
                     ((uint32_t)f->map[3] << 24);
    if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || __builtin_bswap32(magic) == PCAP_MAGIC_US ||
        __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
        f->swapped = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS;
        f->nsec = magic == PCAP_MAGIC_NS || __builtin_bswap32(magic) == PCAP_MAGIC_NS;
        f->snaplen = rd32(f, f->map + 16);
        f->linktype = (int)(rd32(f, f->map + 20) & 0x03ffffff); /* upper bits: FCS info */
        f->off = 24;
        return 1;
    }
    if (magic == NG_SHB && f->size >= 28) {
        uint32_t bom = (uint32_t)f->map[8] | ((uint32_t)f->map[9] << 8) | ((uint32_t)f->map[10] << 16) |
                       ((uint32_t)f->map[11] << 24);
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

void tsc_pcapfile_close(struct tsc_pcapfile *f)
{
    if (f->map && f->mapped)
        munmap((void *)f->map, f->size);
    f->map = NULL;
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

static int ng_next(struct tsc_pcapfile *f, struct tsc_pcap_packet *pkt)
{
    for (;;) {
        if (f->off == f->size)
            return 0;
        if (f->size - f->off < 12) {
            snprintf(f->error, sizeof f->error, "cut short inside a pcapng block header at byte %zu", f->off);
            return -1;
        }
        const uint8_t *b = f->map + f->off;
        uint32_t raw_type = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
        if (raw_type == NG_SHB) {
            /* a new section: its own byte order and interfaces */
            uint32_t bom = (uint32_t)b[8] | ((uint32_t)b[9] << 8) | ((uint32_t)b[10] << 16) | ((uint32_t)b[11] << 24);
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
        const uint8_t *body = b + 8;
        size_t blen = len - 12;
        f->off += len;
        if (type == NG_IDB) {
            if (blen < 8)
                continue;
            if (f->n_ifaces < TSC_PCAPNG_MAX_IFACES) {
                size_t i = f->n_ifaces;
                f->iface[i].linktype = rd16(f, body);
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
            pkt->ts_us = ng_ts_us(f, ifc, t);
            pkt->data = body + 20;
            pkt->caplen = caplen;
            return 1;
        }
        if (type == NG_SPB) {
            if (blen < 4 || f->n_ifaces == 0)
                continue;
            uint32_t orig = rd32(f, body);
            pkt->linktype = f->iface[0].linktype;
            pkt->ts_us = 0;
            pkt->data = body + 4;
            pkt->caplen = orig < blen - 4 ? orig : blen - 4;
            return 1;
        }
        /* section header, statistics, name resolution, decryption secrets...: skipped */
    }
}

/* Pages already read are given back, so resident memory stays small however
 * large the file (the previous packet may still be in use: keep a margin). */
static void drop_behind(struct tsc_pcapfile *f)
{
    const size_t window = (size_t)1 << 20;
    if (!f->mapped || f->off - f->dropped < 2 * window)
        return;
    size_t end = f->off - window;
    if (f->safe_off && f->safe_off < end)
        end = f->safe_off;
    size_t upto = end & ~(size_t)0xffff;
    if (upto > f->dropped) {
        madvise((void *)(f->map + f->dropped), upto - f->dropped, MADV_DONTNEED);
        f->dropped = upto;
    }
}

int tsc_pcapfile_next(struct tsc_pcapfile *f, struct tsc_pcap_packet *pkt)
{
    drop_behind(f);
    if (f->ng)
        return ng_next(f, pkt);
    if (f->off == f->size)
        return 0;
    if (f->size - f->off < 16) {
        snprintf(f->error, sizeof f->error, "cut short inside a packet header at byte %zu", f->off);
        return -1;
    }
    const uint8_t *h = f->map + f->off;
    uint32_t sec = rd32(f, h), frac = rd32(f, h + 4), caplen = rd32(f, h + 8);
    if (caplen > f->size - f->off - 16) {
        snprintf(f->error, sizeof f->error, "cut short in the middle of a packet at byte %zu", f->off);
        return -1;
    }
    if (caplen > 0x4000000) { /* libpcap's own sanity bound: 64 MiB */
        snprintf(f->error, sizeof f->error, "a packet claims %u captured bytes at byte %zu", caplen, f->off);
        return -1;
    }
    pkt->linktype = f->linktype;
    pkt->ts_us = (int64_t)sec * 1000000 + (f->nsec ? frac / 1000 : frac);
    pkt->data = h + 16;
    pkt->caplen = caplen;
    f->off += 16 + (size_t)caplen;
    return 1;
}
