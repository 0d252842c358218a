/*
 * keylog.c - NSS key log parsing and the client-random table (keylog.h).
 */
#include "crypto/keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/text.h"

#define LINE_MAX_LEN 1024 /* longest line kept: label + 64 hex + 128 hex is ~240 */

struct kl_entry {
    uint8_t random[32];
    uint8_t len[TSC_KL_N];
    uint8_t secret[TSC_KL_N][TSC_KL_SECRET_MAX];
};

/* One generation of client randoms: the entries in the order they came,
 * densely, and an open-addressing index of 4-byte slots into them (entry
 * number + 1, 0 empty). The index is kept at most half full; the entries
 * (425 bytes each) are not: a table of whole entries at half load held
 * 3.5 MB for a 3,000-connection key log, and 5.2 MB while it grew. */
struct kl_gen {
    uint32_t *idx;
    size_t cap; /* slots, a power of two (0: nothing yet) */
    struct kl_entry *ent;
    size_t count, ent_cap;
};

struct tsc_keylog {
    struct kl_gen cur;
    struct kl_gen old;    /* the previous generation (tsc_keylog_set_max) */
    size_t max_randoms;   /* 0: no limit */
    struct tsc_hash_key key;
    struct tsc_keylog_stats st;
    char line[LINE_MAX_LEN];
    size_t line_len;
    int line_long; /* the current line overflowed: skip to its end */
    char *path;
    long long offset; /* bytes of `path` consumed */
};

static const char *const label_names[TSC_KL_N] = {
    "CLIENT_RANDOM",
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
    "EARLY_EXPORTER_SECRET",
};

const char *tsc_keylog_label_name(enum tsc_kl_label label)
{
    return (unsigned)label < TSC_KL_N ? label_names[label] : NULL;
}

struct tsc_keylog *tsc_keylog_new(void)
{
    struct tsc_keylog *kl = calloc(1, sizeof *kl);
    if (!kl)
        return NULL;
    tsc_hash_key_random(&kl->key);
    return kl;
}

static void gen_free(struct kl_gen *g)
{
    free(g->idx);
    free(g->ent);
    memset(g, 0, sizeof *g);
}

void tsc_keylog_free(struct tsc_keylog *kl)
{
    if (!kl)
        return;
    gen_free(&kl->cur);
    gen_free(&kl->old);
    free(kl->path);
    free(kl);
}

void tsc_keylog_set_max(struct tsc_keylog *kl, size_t max_randoms) { kl->max_randoms = max_randoms; }

/* The index slot of `random` in g: its entry's, or the empty slot where it
 * would go. g->cap must be nonzero. */
static size_t slot_in(const struct tsc_keylog *kl, const struct kl_gen *g, const uint8_t random[32])
{
    size_t i = (size_t)tsc_siphash(&kl->key, random, 32) & (g->cap - 1);
    while (g->idx[i] && memcmp(g->ent[g->idx[i] - 1].random, random, 32) != 0)
        i = (i + 1) & (g->cap - 1);
    return i;
}

/* The entry of `random` in g, or NULL. */
static const struct kl_entry *gen_find(const struct tsc_keylog *kl, const struct kl_gen *g,
                                       const uint8_t random[32])
{
    if (!g->cap)
        return NULL;
    uint32_t k = g->idx[slot_in(kl, g, random)];
    return k ? &g->ent[k - 1] : NULL;
}

/* Room for one more random: the index doubled when it would be more than
 * half full, the entries grown (realloc: a large block is remapped, not
 * copied). */
static tsc_result gen_reserve(struct tsc_keylog *kl, struct kl_gen *g)
{
    if (g->count + 1 > g->cap / 2) {
        size_t ncap = g->cap ? g->cap * 2 : 64;
        TSC_ENSURE_KIND(ncap <= ((size_t)1 << 26), TSC_LIMIT, "key log has too many client randoms");
        uint32_t *nidx = calloc(ncap, sizeof *nidx);
        if (!nidx)
            return TSC_ERR(TSC_LIMIT, "out of memory for the key log");
        free(g->idx);
        g->idx = nidx;
        g->cap = ncap;
        for (size_t k = 0; k < g->count; k++)
            g->idx[slot_in(kl, g, g->ent[k].random)] = (uint32_t)(k + 1);
    }
    if (g->count == g->ent_cap) {
        size_t n = g->ent_cap ? g->ent_cap * 2 : 32;
        struct kl_entry *ne = realloc(g->ent, n * sizeof *ne);
        if (!ne)
            return TSC_ERR(TSC_LIMIT, "out of memory for the key log");
        g->ent = ne;
        g->ent_cap = n;
    }
    return tsc_ok();
}

static void malformed(struct tsc_keylog *kl)
{
    kl->st.malformed++;
    if (!kl->st.first_malformed)
        kl->st.first_malformed = kl->st.lines;
}

/* One line without its newline (a trailing CR is dropped). */
static tsc_result one_line(struct tsc_keylog *kl, const char *s, size_t n)
{
    kl->st.lines++;
    if (n && s[n - 1] == '\r')
        n--;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n || s[i] == '#')
        return tsc_ok();
    /* three fields separated by blanks */
    const char *f[3];
    size_t fl[3], nf = 0;
    while (i < n && nf < 4) {
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        if (nf == 3) {
            nf = 4; /* a fourth field */
            break;
        }
        f[nf] = s + b;
        fl[nf] = i - b;
        nf++;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
    }
    if (nf != 3) {
        malformed(kl);
        return tsc_ok();
    }
    int label = -1;
    for (int k = 0; k < TSC_KL_N; k++) {
        if (strlen(label_names[k]) == fl[0] && memcmp(label_names[k], f[0], fl[0]) == 0) {
            label = k;
            break;
        }
    }
    /* the first application secrets without their "_0", as The Illustrated
     * DTLS Connection's key log writes them */
    if (label < 0 && fl[0] == 21 && memcmp(f[0], "CLIENT_TRAFFIC_SECRET", 21) == 0)
        label = TSC_KL_CLIENT_AP0;
    if (label < 0 && fl[0] == 21 && memcmp(f[0], "SERVER_TRAFFIC_SECRET", 21) == 0)
        label = TSC_KL_SERVER_AP0;
    uint8_t random[32], secret[TSC_KL_SECRET_MAX];
    size_t rlen, slen;
    if (tsc_unhex(f[1], fl[1], random, sizeof random, &rlen) || rlen != 32 ||
        tsc_unhex(f[2], fl[2], secret, sizeof secret, &slen)) {
        /* Wireshark's `RSA <encrypted pms prefix> <pms>` has an 8-byte first
         * field: well-formed, just not ours */
        int other = label < 0;
        for (size_t k = 0; other && k < fl[0]; k++)
            if (!((f[0][k] >= 'A' && f[0][k] <= 'Z') || (f[0][k] >= '0' && f[0][k] <= '9') || f[0][k] == '_'))
                other = 0;
        if (other)
            kl->st.unknown_labels++;
        else
            malformed(kl);
        return tsc_ok();
    }
    if (label < 0) {
        kl->st.unknown_labels++;
        return tsc_ok();
    }
    if ((label == TSC_KL_CLIENT_RANDOM && slen != 48) || (label != TSC_KL_CLIENT_RANDOM && slen < 16)) {
        malformed(kl);
        return tsc_ok();
    }
    struct kl_gen *g = &kl->cur;
    if (kl->max_randoms && g->count >= kl->max_randoms && !gen_find(kl, g, random)) {
        /* a new generation: the oldest secrets go, the last ones stay findable */
        gen_free(&kl->old);
        kl->old = *g;
        memset(g, 0, sizeof *g);
    }
    size_t at = g->cap ? slot_in(kl, g, random) : 0;
    if (!g->cap || !g->idx[at]) {
        TSC_GUARD(gen_reserve(kl, g));
        at = slot_in(kl, g, random);
        struct kl_entry *ne = &g->ent[g->count];
        memset(ne, 0, sizeof *ne);
        memcpy(ne->random, random, 32);
        g->idx[at] = (uint32_t)(++g->count);
        kl->st.randoms++;
    }
    struct kl_entry *e = &g->ent[g->idx[at] - 1];
    memcpy(e->secret[label], secret, slen);
    e->len[label] = (uint8_t)slen;
    kl->st.entries++;
    return tsc_ok();
}

tsc_result tsc_keylog_parse(struct tsc_keylog *kl, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n;
        size_t k = end - i;
        if (!kl->line_long) {
            if (k <= sizeof kl->line - kl->line_len) {
                memcpy(kl->line + kl->line_len, p + i, k);
                kl->line_len += k;
            } else {
                kl->line_long = 1;
            }
        }
        if (!nl)
            break;
        if (kl->line_long) {
            kl->st.lines++;
            malformed(kl);
        } else {
            TSC_GUARD(one_line(kl, kl->line, kl->line_len));
        }
        kl->line_len = 0;
        kl->line_long = 0;
        i = end + 1;
    }
    return tsc_ok();
}

tsc_result tsc_keylog_parse_end(struct tsc_keylog *kl)
{
    tsc_result r = tsc_ok();
    if (kl->line_long) {
        kl->st.lines++;
        malformed(kl);
    } else if (kl->line_len) {
        r = one_line(kl, kl->line, kl->line_len);
    }
    kl->line_len = 0;
    kl->line_long = 0;
    return r;
}

/* A last line without its newline: the writer may be in the middle of it.
 * Use it if it parses; either way it is read again, whole, by the next
 * refresh (the offset stays before it), and a half line is not counted. */
static void tentative_line(struct tsc_keylog *kl, const uint8_t *p, size_t n)
{
    if (n > sizeof kl->line)
        return;
    struct tsc_keylog_stats before = kl->st;
    memcpy(kl->line, p, n);
    tsc_result r = one_line(kl, kl->line, n);
    if (!tsc_is_ok(r) || kl->st.malformed != before.malformed || kl->st.unknown_labels != before.unknown_labels) {
        uint64_t entries = kl->st.entries, randoms = kl->st.randoms;
        kl->st = before;
        kl->st.entries = entries;
        kl->st.randoms = randoms;
    } else {
        kl->st.lines = before.lines;
    }
}

static const char *open_error(int err)
{
    switch (err) {
    case ENOENT: return "no such file";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    default: return "cannot open the file";
    }
}

/* Read complete lines from the remembered offset to the end of the file
 * (and, with tail, use an unfinished last line tentatively). */
static tsc_result read_from(struct tsc_keylog *kl, int tail)
{
    FILE *f = fopen(kl->path, "rb");
    if (!f)
        return TSC_ERR(TSC_MALFORMED, open_error(errno));
    uint8_t buf[65536];
    tsc_result r = tsc_ok();
    for (;;) {
        if (fseeko(f, (off_t)kl->offset, SEEK_SET) != 0) {
            r = TSC_ERR(TSC_MALFORMED, "cannot seek in the key log");
            break;
        }
        size_t got = fread(buf, 1, sizeof buf, f);
        if (got == 0)
            break;
        size_t use = got;
        while (use && buf[use - 1] != '\n')
            use--;
        if (use == 0) {
            if (got < sizeof buf) {
                if (tail)
                    tentative_line(kl, buf, got);
                break;
            }
            use = got; /* a line longer than the buffer: the parser skips it */
        }
        r = tsc_keylog_parse(kl, buf, use);
        kl->offset += (long long)use;
        if (!tsc_is_ok(r))
            break;
    }
    if (ferror(f) && tsc_is_ok(r))
        r = TSC_ERR(TSC_MALFORMED, "read error");
    fclose(f);
    return r;
}

tsc_result tsc_keylog_load(struct tsc_keylog *kl, const char *path)
{
    free(kl->path);
    kl->path = strdup(path);
    if (!kl->path)
        return TSC_ERR(TSC_LIMIT, "out of memory");
    kl->offset = 0;
    return read_from(kl, 1);
}

tsc_result tsc_keylog_watch(struct tsc_keylog *kl, const char *path)
{
    free(kl->path);
    kl->path = strdup(path);
    kl->offset = 0;
    return kl->path ? tsc_ok() : TSC_ERR(TSC_LIMIT, "out of memory");
}

tsc_result tsc_keylog_refresh(struct tsc_keylog *kl)
{
    if (!kl->path)
        return tsc_ok();
    return read_from(kl, 0);
}

size_t tsc_keylog_get(const struct tsc_keylog *kl, enum tsc_kl_label label, const uint8_t client_random[32],
                      const uint8_t **secret)
{
    if (!kl || (unsigned)label >= TSC_KL_N)
        return 0;
    const struct kl_entry *e = gen_find(kl, &kl->cur, client_random);
    if (!e || !e->len[label])
        e = gen_find(kl, &kl->old, client_random);
    if (!e || !e->len[label])
        return 0;
    *secret = e->secret[label];
    return e->len[label];
}

int tsc_keylog_has_random(const struct tsc_keylog *kl, const uint8_t client_random[32])
{
    if (!kl)
        return 0;
    return gen_find(kl, &kl->cur, client_random) || gen_find(kl, &kl->old, client_random);
}

const struct tsc_keylog_stats *tsc_keylog_stats(const struct tsc_keylog *kl) { return &kl->st; }
