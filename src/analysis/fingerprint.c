/*
 * fingerprint.c - JA3, JA3S and JA4 (the contract is in fingerprint.h).
 *
 * Each fingerprint is written as a stream of small pieces ("771", "-4865",
 * ",") into a text buffer and, at the same time, into a digest, so the hash is
 * exact even when the text buffer is too small. Sorting for JA4 needs no
 * buffer: values are emitted bucket by bucket on their high byte, each bucket
 * counted on its low byte, which keeps duplicates and costs O(n) per distinct
 * high byte.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "analysis/fingerprint.h"
#include "registry/registry.h"

/* ---- text + digest output ---- */

struct fp_text {
    char *s;
    size_t cap; /* 0: no text wanted */
    size_t len;
    int cut;
};

/* The digest's input is kept whole while it fits in `key` (real hellos'
 * always do), so that it can be looked up in the thread's memo of digests
 * already computed; a longer input (a hostile hello) is streamed to a
 * digest context instead. */
#define FP_KEY_MAX 1024

struct fp_sink {
    struct fp_text *text;
    const EVP_MD *type;
    int alg;         /* 0 MD5, 1 SHA-256 (the memo's key with the input) */
    EVP_MD_CTX *md;  /* created when an input outgrows key[] */
    int streaming;   /* the input is going to md, not key[] */
    size_t hashed;   /* bytes given to the digest since the last start */
    int failed;
    size_t nkey;
    char key[FP_KEY_MAX];
};

static void text_init(struct fp_text *t, char *s, size_t cap)
{
    t->s = s;
    t->cap = s ? cap : 0;
    t->len = 0;
    t->cut = 0;
    if (t->cap)
        t->s[0] = '\0';
}

static void text_put(struct fp_text *t, const char *p, size_t n)
{
    if (t->cap == 0 || t->cut)
        return;
    if (n >= t->cap - t->len) { /* room for the piece and the NUL */
        t->cut = 1;
        return;
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static const EVP_MD *fp_md(int sha256);

void tsc_fp_prepare(void)
{
    (void)fp_md(0);
    (void)fp_md(1);
}

/* The digests, fetched once: EVP_md5()/EVP_sha256() make OpenSSL 3 look the
 * algorithm up (under a lock) on every use, which dominated the profile.
 * Once per process, whichever thread comes first (tlsscope server
 * fingerprints on a thread per client). */
static EVP_MD *fp_mds[2];
static pthread_once_t fp_mds_once = PTHREAD_ONCE_INIT;

static void fp_fetch(void)
{
    fp_mds[0] = EVP_MD_fetch(NULL, "MD5", NULL);
    fp_mds[1] = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *fp_md(int sha256)
{
    pthread_once(&fp_mds_once, fp_fetch);
    return fp_mds[sha256];
}

/*
 * Digests already computed on this thread, by algorithm and whole input.
 * A capture's clients send the same few hellos again and again (one browser,
 * one curl), so each JA3, JA4 and JA3S text is hashed once: the digests were
 * a quarter of the work per connection. Direct-mapped; an entry is used only
 * when its input is the same byte for byte, so a hit gives exactly the digest
 * a computation would.
 */
#define FP_MEMO_SLOTS 32

struct fp_memo {
    uint64_t h;
    uint16_t n;
    uint8_t alg, used;
    uint8_t dn;
    unsigned char d[32];
    char key[FP_KEY_MAX];
};

static _Thread_local struct fp_memo fp_memo[FP_MEMO_SLOTS];

static uint64_t memo_hash(int alg, const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ ((uint64_t)n << 1) ^ (uint64_t)alg;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 0x100000001b3u;
    return h ^ (h >> 29);
}

static void sink_start(struct fp_sink *k, int sha256)
{
    k->hashed = 0;
    k->nkey = 0;
    k->streaming = 0;
    k->alg = sha256;
    k->type = fp_md(sha256);
    if (!k->type)
        k->failed = 1;
}

/* The input no longer fits key[]: from here on it goes to a context. */
static void sink_stream(struct fp_sink *k)
{
    k->streaming = 1;
    if (k->failed)
        return;
    if (!k->md)
        k->md = EVP_MD_CTX_new();
    if (!k->md || EVP_DigestInit_ex(k->md, k->type, NULL) != 1 ||
        (k->nkey && EVP_DigestUpdate(k->md, k->key, k->nkey) != 1))
        k->failed = 1;
    k->nkey = 0;
}

static void sink_put(struct fp_sink *k, const char *p, size_t n)
{
    text_put(k->text, p, n);
    k->hashed += n;
    if (!k->streaming) {
        if (n <= sizeof k->key - k->nkey) {
            memcpy(k->key + k->nkey, p, n);
            k->nkey += n;
            return;
        }
        sink_stream(k);
    }
    if (!k->failed && EVP_DigestUpdate(k->md, p, n) != 1)
        k->failed = 1;
}

static void sink_done(struct fp_sink *k) { EVP_MD_CTX_free(k->md); }

/* The digest of everything put since sink_start: from the memo, else
 * computed (and remembered). 0 on failure. */
static unsigned sink_digest(struct fp_sink *k, unsigned char d[EVP_MAX_MD_SIZE])
{
    unsigned int dn = 0;
    if (k->failed)
        return 0;
    if (k->streaming) {
        if (EVP_DigestFinal_ex(k->md, d, &dn) != 1)
            k->failed = 1;
        return k->failed ? 0 : dn;
    }
    uint64_t h = memo_hash(k->alg, k->key, k->nkey);
    struct fp_memo *m = &fp_memo[h % FP_MEMO_SLOTS];
    if (m->used && m->h == h && m->alg == k->alg && m->n == k->nkey && memcmp(m->key, k->key, k->nkey) == 0) {
        memcpy(d, m->d, m->dn);
        return m->dn;
    }
    if (EVP_Digest(k->key, k->nkey, d, &dn, k->type, NULL) != 1 || dn > sizeof m->d) {
        k->failed = 1;
        return 0;
    }
    m->used = 1;
    m->h = h;
    m->alg = (uint8_t)k->alg;
    m->n = (uint16_t)k->nkey;
    m->dn = (uint8_t)dn;
    memcpy(m->d, d, dn);
    memcpy(m->key, k->key, k->nkey);
    return dn;
}

/* The digest as lowercase hex, at most `ndigits` digits, into out[ndigits+1]. */
static void sink_finish_hex(struct fp_sink *k, char *out, size_t ndigits)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    static const char hex[] = "0123456789abcdef";
    out[0] = '\0';
    unsigned dn = sink_digest(k, d);
    if (k->failed)
        return;
    size_t i;
    for (i = 0; i < ndigits && i / 2 < dn; i++)
        out[i] = hex[(i % 2) ? (d[i / 2] & 0xf) : (d[i / 2] >> 4)];
    out[i] = '\0';
}

/* One JA3 list item: '-' (unless first) then the number in decimal. */
static void put_dec(struct fp_sink *k, int *first, unsigned v)
{
    char b[16];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (!*first)
        b[--i] = '-';
    *first = 0;
    sink_put(k, b + i, sizeof b - i);
}

/* One JA4 list item: ',' (unless first) then four lowercase hex digits. */
static void put_hex4(struct fp_sink *k, int *first, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    char b[5] = {',', hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
    sink_put(k, *first ? b + 1 : b, *first ? 4 : 5);
    *first = 0;
}

static void put_str(struct fp_sink *k, const char *s) { sink_put(k, s, strlen(s)); }

/* A JA3 field of one number: the number, then the field separator. */
static void put_dec_field(struct fp_sink *k, unsigned v)
{
    int first = 1;
    put_dec(k, &first, v);
    put_str(k, ",");
}

/* ---- reading the hello ---- */

static int ext_incomplete(const struct tsc_ext_list *l) { return l->n > l->stored; }

/*
 * The values of a list extension the way tshark reads them, from the raw body
 * of the first extension of `type`: the list's length prefix (`len_bytes`, 1
 * or 2) must fit in the body, then every whole item (`item` bytes) inside the
 * list is a value; an odd byte at the end of the list and bytes after it are
 * ignored. So a malformed list (which tlsscope's decoder keeps as RAW) still
 * gives the values tshark shows. 0 when the extension is absent or its length
 * prefix runs past the body.
 */
static int raw_list(const struct tsc_ext_list *l, uint16_t type, int len_bytes, size_t item,
                    struct tsc_view *out)
{
    const struct tsc_ext *e = tsc_ext_find(l, type);
    if (!e)
        return 0;
    struct tsc_cursor c = tsc_cursor_of(e->data), sub;
    tsc_result r = len_bytes == 2 ? tsc_cursor_sub_u16(&c, &sub) : tsc_cursor_sub_u8(&c, &sub);
    if (!tsc_is_ok(r))
        return 0;
    *out = tsc_cursor_rest(&sub);
    out->len -= out->len % item;
    return 1;
}

static uint16_t item_at(struct tsc_view v, size_t item, size_t i)
{
    return item == 2 ? tsc_view_u16(v, i) : v.p[i];
}

/* ---- JA3 / JA3S ---- */

/* JA3's groups or point formats field: the values, GREASE left out. */
static void ja3_list_field(struct fp_sink *k, const struct tsc_ext_list *l, uint16_t type,
                           int len_bytes, size_t item)
{
    struct tsc_view v;
    int first = 1;
    if (!raw_list(l, type, len_bytes, item, &v))
        return;
    for (size_t i = 0; i < v.len / item; i++) {
        uint16_t x = item_at(v, item, i);
        if (!tsc_reg_is_grease(x))
            put_dec(k, &first, x);
    }
}

static void ja3_ext_types(struct fp_sink *k, const struct tsc_ext_list *l)
{
    int first = 1;
    for (uint16_t i = 0; i < l->stored; i++)
        if (!tsc_reg_is_grease(l->ext[i].type))
            put_dec(k, &first, l->ext[i].type);
}

/* JA3's and JA3S's end: the MD5 as hex, the sink's context freed. */
static int finish_md5(struct fp_sink *k, struct fp_text *t, char md5hex[TSC_FP_MD5_HEX], int status)
{
    sink_finish_hex(k, md5hex, 32);
    sink_done(k);
    if (k->failed) {
        md5hex[0] = '\0';
        if (t->cap)
            t->s[0] = '\0';
        return status | TSC_FP_ERROR;
    }
    return status | (t->cut ? TSC_FP_CUT : 0);
}

int tsc_fp_ja3(const struct tsc_client_hello *ch, char *out, size_t n, char md5hex[TSC_FP_MD5_HEX])
{
    struct fp_text t;
    text_init(&t, out, n);
    md5hex[0] = '\0';
    if (ch->sslv2)
        return TSC_FP_NONE;
    int status = ext_incomplete(&ch->ext) ? TSC_FP_INCOMPLETE : TSC_FP_OK;

    struct fp_sink k = {.text = &t};
    sink_start(&k, 0);

    put_dec_field(&k, ch->legacy_version);
    int first = 1;
    size_t ns = tsc_client_hello_n_suites(ch);
    for (size_t i = 0; i < ns; i++) {
        uint32_t s = tsc_client_hello_suite_at(ch, i);
        if (!tsc_reg_is_grease((uint16_t)s))
            put_dec(&k, &first, s);
    }
    put_str(&k, ",");
    ja3_ext_types(&k, &ch->ext);
    put_str(&k, ",");
    /* NamedGroup named_group_list<2..2^16-1>; ECPointFormat ec_point_format_list<1..2^8-1>; */
    ja3_list_field(&k, &ch->ext, TSC_EXT_SUPPORTED_GROUPS, 2, 2);
    put_str(&k, ",");
    ja3_list_field(&k, &ch->ext, TSC_EXT_EC_POINT_FORMATS, 1, 1);

    return finish_md5(&k, &t, md5hex, status);
}

int tsc_fp_ja3s(const struct tsc_server_hello *sh, char *out, size_t n, char md5hex[TSC_FP_MD5_HEX])
{
    struct fp_text t;
    text_init(&t, out, n);
    md5hex[0] = '\0';
    int status = ext_incomplete(&sh->ext) ? TSC_FP_INCOMPLETE : TSC_FP_OK;

    struct fp_sink k = {.text = &t};
    sink_start(&k, 0);

    put_dec_field(&k, sh->legacy_version);
    put_dec_field(&k, sh->cipher_suite);
    ja3_ext_types(&k, &sh->ext);

    return finish_md5(&k, &t, md5hex, status);
}

/* ---- JA4 ---- */

/* A list of u16 values for JA4, big endian in `v` (the cipher suites as they
 * are on the wire, or the stored extension types copied out), GREASE left out
 * and, when skip_sni_alpn, SNI and ALPN too. */
struct u16_list {
    struct tsc_view v;
    int skip_sni_alpn;
};

static int kept(const struct u16_list *l, uint16_t v)
{
    if (tsc_reg_is_grease(v))
        return 0;
    return !(l->skip_sni_alpn && (v == TSC_EXT_SERVER_NAME || v == TSC_EXT_ALPN));
}

static size_t count_kept(const struct u16_list *l)
{
    size_t n = l->v.len / 2, k = 0;
    for (size_t i = 0; i < n; i++)
        k += kept(l, tsc_view_u16(l->v, i));
    return k;
}

/* Emit the kept values in ascending order, duplicates kept, as hex items:
 * one pass to find the high bytes in use, then per high byte one pass that
 * counts its low bytes. At most 257 passes over 32767 values for the longest
 * cipher list a hello can hold (a few ms); two or three for a real one. */
static void put_sorted(struct fp_sink *k, const struct u16_list *l)
{
    const uint8_t *p = l->v.p;
    size_t n = l->v.len / 2;
    if (n <= 128) {
        /* the usual hello: insertion sort of the kept values */
        uint16_t v[128];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            uint16_t x = (uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
            if (!kept(l, x))
                continue;
            size_t j = m++;
            for (; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        int first = 1;
        for (size_t i = 0; i < m; i++)
            put_hex4(k, &first, v[i]);
        return;
    }
    /* a list of up to 32,767 values (a hostile hello): counted per high byte,
     * linear in the list's length for each high byte present */
    uint64_t hi_seen[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        hi_seen[p[2 * i] >> 6] |= (uint64_t)1 << (p[2 * i] & 63);
    int first = 1;
    for (unsigned hi = 0; hi < 256; hi++) {
        if (!((hi_seen[hi >> 6] >> (hi & 63)) & 1))
            continue;
        uint32_t count[256];
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            if (p[2 * i] == hi && kept(l, (uint16_t)(hi << 8 | p[2 * i + 1])))
                count[p[2 * i + 1]]++;
        for (unsigned lo = 0; lo < 256; lo++)
            for (uint32_t c = 0; c < count[lo]; c++)
                put_hex4(k, &first, hi << 8 | lo);
    }
}

static const char *ja4_version_str(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

/* The highest non-GREASE supported_versions value when the extension is
 * there (0, "00", when it holds none), else legacy_version. In a DTLS hello
 * "highest" is the newest version, and DTLS numbers count down (DTLS 1.3 is
 * 0xfefc, DTLS 1.2 0xfefd): values are compared as the TLS versions they are
 * built on, the first of equals kept (Arkime's DTLS JA4 takes the smallest
 * DTLS number the same way). */
static uint16_t ja4_version(const struct tsc_client_hello *ch)
{
    struct tsc_view v;
    if (!tsc_ext_find(&ch->ext, TSC_EXT_SUPPORTED_VERSIONS))
        return ch->legacy_version;
    uint16_t best = 0;
    int have = 0;
    /* ProtocolVersion versions<2..254>; */
    if (raw_list(&ch->ext, TSC_EXT_SUPPORTED_VERSIONS, 1, 2, &v)) {
        for (size_t i = 0; i < v.len / 2; i++) {
            uint16_t x = tsc_view_u16(v, i);
            if (tsc_reg_is_grease(x))
                continue;
            if (!ch->dtls) {
                if (x > best)
                    best = x;
            } else if (!have || tsc_version_tls_equiv(x) > tsc_version_tls_equiv(best)) {
                best = x;
                have = 1;
            }
        }
    }
    return best;
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * The first protocol name of the ALPN extension, read from its raw body:
 *   ProtocolName protocol_name_list<2..2^16-1>;  opaque ProtocolName<1..2^8-1>;
 * 0 if there is none (no extension, the list or the name runs past its
 * container, or the name is empty).
 */
static int first_alpn(const struct tsc_client_hello *ch, struct tsc_view *name)
{
    const struct tsc_ext *e = tsc_ext_find(&ch->ext, TSC_EXT_ALPN);
    if (!e)
        return 0;
    struct tsc_cursor c = tsc_cursor_of(e->data), list, nm;
    if (!tsc_is_ok(tsc_cursor_sub_u16(&c, &list)) || !tsc_is_ok(tsc_cursor_sub_u8(&list, &nm)))
        return 0;
    *name = tsc_cursor_rest(&nm);
    return name->len > 0;
}

static void ja4_alpn(const struct tsc_client_hello *ch, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    struct tsc_view v;
    out[0] = out[1] = '0';
    out[2] = '\0';
    if (!first_alpn(ch, &v))
        return;
    uint8_t a = v.p[0], z = v.p[v.len - 1];
    if (is_alnum(a) && is_alnum(z)) {
        out[0] = (char)a;
        out[1] = (char)z;
    } else {
        out[0] = hex[a >> 4];
        out[1] = hex[z & 0xf];
    }
}

/* Hash the part just written: first 12 hex digits, or zeros when it was empty. */
static void ja4_hash12(struct fp_sink *k, char out[13])
{
    if (k->hashed == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    sink_finish_hex(k, out, 12);
}

int tsc_fp_ja4(const struct tsc_client_hello *ch, char ja4[TSC_FP_JA4_SIZE], char *ja4_r, size_t n)
{
    struct fp_text t;
    text_init(&t, ja4_r, n);
    ja4[0] = '\0';
    if (ch->sslv2)
        return TSC_FP_NONE;
    int status = ext_incomplete(&ch->ext) ? TSC_FP_INCOMPLETE : TSC_FP_OK;

    uint8_t types[2 * TSC_MAX_EXTENSIONS];
    for (uint16_t i = 0; i < ch->ext.stored; i++) {
        types[2 * i] = (uint8_t)(ch->ext.ext[i].type >> 8);
        types[2 * i + 1] = (uint8_t)ch->ext.ext[i].type;
    }
    struct u16_list ciphers = {ch->cipher_suites, 0};
    struct u16_list exts_all = {{types, 2 * (size_t)ch->ext.stored}, 0};
    struct u16_list exts_hashed = {exts_all.v, 1};
    size_t nc = count_kept(&ciphers), ne = count_kept(&exts_all);
    char alpn[3];
    ja4_alpn(ch, alpn);
    /* part a: protocol, version, SNI or not, counts (two digits, at most
     * 99), ALPN: always 10 characters */
    const char *ver = ja4_version_str(ja4_version(ch));
    nc = nc > 99 ? 99 : nc;
    ne = ne > 99 ? 99 : ne;
    char a[11] = {ch->dtls ? 'd' : 't', ver[0], ver[1], tsc_ext_find(&ch->ext, TSC_EXT_SERVER_NAME) ? 'd' : 'i',
                  (char)('0' + nc / 10), (char)('0' + nc % 10), (char)('0' + ne / 10), (char)('0' + ne % 10),
                  alpn[0], alpn[1], '\0'};

    struct fp_sink k = {.text = &t};
    char b_hash[13], c_hash[13];
    text_put(&t, a, 10);
    text_put(&t, "_", 1);

    sink_start(&k, 1);
    put_sorted(&k, &ciphers);
    ja4_hash12(&k, b_hash);
    text_put(&t, "_", 1);

    sink_start(&k, 1);
    put_sorted(&k, &exts_hashed);
    /* SignatureScheme supported_signature_algorithms<2..2^16-2>; in wire order */
    struct tsc_view sigs;
    if (raw_list(&ch->ext, TSC_EXT_SIGNATURE_ALGORITHMS, 2, 2, &sigs)) {
        int first = 1;
        for (size_t i = 0; i < sigs.len / 2; i++) {
            uint16_t v = tsc_view_u16(sigs, i);
            if (tsc_reg_is_grease(v))
                continue;
            if (first)
                sink_put(&k, "_", 1);
            put_hex4(&k, &first, v);
        }
    }
    ja4_hash12(&k, c_hash);
    sink_done(&k);

    if (k.failed) {
        if (t.cap)
            t.s[0] = '\0';
        return status | TSC_FP_ERROR;
    }
    /* a_b_c: 10 + 1 + 12 + 1 + 12 characters */
    memcpy(ja4, a, 10);
    ja4[10] = '_';
    memcpy(ja4 + 11, b_hash, 12);
    ja4[23] = '_';
    memcpy(ja4 + 24, c_hash, 12);
    ja4[36] = '\0';
    return status | (t.cut ? TSC_FP_CUT : 0);
}

void tsc_fp_client_hello(const struct tsc_client_hello *ch, struct tsc_fp_client *out)
{
    out->ja3_status = tsc_fp_ja3(ch, out->ja3, sizeof out->ja3, out->ja3_md5);
    out->ja4_status = tsc_fp_ja4(ch, out->ja4, out->ja4_r, sizeof out->ja4_r);
}

void tsc_fp_client_quic(struct tsc_fp_client *fp)
{
    if (fp->ja4[0] == 't')
        fp->ja4[0] = 'q';
    if (fp->ja4_r[0] == 't')
        fp->ja4_r[0] = 'q';
}

void tsc_fp_server_hello(const struct tsc_server_hello *sh, struct tsc_fp_server *out)
{
    out->ja3s_status = tsc_fp_ja3s(sh, out->ja3s, sizeof out->ja3s, out->ja3s_md5);
}
