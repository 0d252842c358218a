/*
 * hello.c - ClientHellos built byte by byte (RFC 5246 7.4.1.2, RFC 8446
 * 4.1.2), so that the probe can offer any code point of the registries,
 * and the SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00 2.5).
 *
 * Lengths are written after their contents, by patching the placeholder
 * bytes (the way tcpdump's and picotls's writers do), and every list is
 * checked against its length field before it is written.
 */
#include <string.h>

#include "probe/probe.h"
#include "tls/msg.h"

/* Key shares the probe can make without doing key agreement: the server only
 * needs a valid public value to answer. X25519's base point u = 9 (RFC 7748
 * 4.1) and P-256's generator G (SEC 2 2.4.2, uncompressed). */
static const uint8_t x25519_share[32] = {9};
static const uint8_t p256_share[65] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

#define GROUP_X25519 0x001d
#define GROUP_SECP256R1 0x0017

int tsc_probe_can_share(uint16_t group)
{
    return group == GROUP_X25519 || group == GROUP_SECP256R1;
}

struct w {
    struct tsc_buf *b;
    int failed;
};

static void put(struct w *w, const void *p, size_t n)
{
    if (!w->failed && n && !tsc_is_ok(tsc_buf_append(w->b, p, n)))
        w->failed = 1;
}

static void u8(struct w *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void u16(struct w *w, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

/* Open a length field of `width` bytes; close it with end(). */
static size_t begin(struct w *w, int width)
{
    size_t at = w->b->len;
    for (int i = 0; i < width; i++)
        u8(w, 0);
    return at;
}

static void end(struct w *w, size_t at, int width)
{
    if (w->failed)
        return;
    size_t n = w->b->len - at - (size_t)width;
    if (n >> (8 * width)) {
        w->failed = 1;
        return;
    }
    for (int i = 0; i < width; i++)
        w->b->data[at + (size_t)i] = (uint8_t)(n >> (8 * (width - 1 - i)));
}

static void u16_list(struct w *w, const uint16_t *v, size_t n, int width)
{
    size_t at = begin(w, width);
    for (size_t i = 0; i < n; i++)
        u16(w, v[i]);
    end(w, at, width);
}

static size_t ext_begin(struct w *w, unsigned type)
{
    u16(w, type);
    return begin(w, 2);
}

/* The random: not secret (the probe never finishes a handshake), but it must
 * differ between hellos so that no server takes one for a replay. */
static void random32(struct w *w)
{
    static uint64_t state = 0x9e3779b97f4a7c15ull;
    uint8_t r[32];
    for (int i = 0; i < 32; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        r[i] = (uint8_t)(state >> 24);
    }
    put(w, r, sizeof r);
}

static void body(struct w *w, const struct tsc_probe_hello *h)
{
    u16(w, h->version);
    random32(w);
    u8(w, 0); /* no session id */

    size_t suites = begin(w, 2);
    for (size_t i = 0; i < h->n_suites; i++)
        u16(w, h->suites[i]);
    if (!(h->flags & TSC_PH_RENEG_EXT))
        u16(w, 0x00ff); /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 3.3) */
    if (h->flags & TSC_PH_FALLBACK_SCSV)
        u16(w, 0x5600); /* TLS_FALLBACK_SCSV (RFC 7507) */
    end(w, suites, 2);

    if (h->flags & TSC_PH_DEFLATE) {
        u8(w, 2);
        u8(w, 1); /* DEFLATE (RFC 3749) */
        u8(w, 0);
    } else {
        u8(w, 1);
        u8(w, 0);
    }
    if (h->flags & TSC_PH_NO_EXTENSIONS)
        return;

    size_t exts = begin(w, 2);
    size_t e;
    if (h->sni && *h->sni) {
        e = ext_begin(w, TSC_EXT_SERVER_NAME);
        size_t list = begin(w, 2);
        u8(w, 0); /* host_name */
        size_t name = begin(w, 2);
        put(w, h->sni, strlen(h->sni));
        end(w, name, 2);
        end(w, list, 2);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_SUPPORTED_VERSIONS) {
        e = ext_begin(w, TSC_EXT_SUPPORTED_VERSIONS);
        u16_list(w, h->versions, h->n_versions, 1);
        end(w, e, 2);
    }
    if (h->n_groups) {
        e = ext_begin(w, TSC_EXT_SUPPORTED_GROUPS);
        u16_list(w, h->groups, h->n_groups, 2);
        end(w, e, 2);
        e = ext_begin(w, TSC_EXT_EC_POINT_FORMATS);
        u8(w, 1);
        u8(w, 0); /* uncompressed */
        end(w, e, 2);
    }
    if (h->n_sigalgs) {
        e = ext_begin(w, TSC_EXT_SIGNATURE_ALGORITHMS);
        u16_list(w, h->sigalgs, h->n_sigalgs, 2);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_SUPPORTED_VERSIONS) {
        e = ext_begin(w, TSC_EXT_KEY_SHARE);
        size_t list = begin(w, 2);
        /* in the order of supported_groups (RFC 8446 4.2.8) */
        const uint16_t *order = h->n_groups ? h->groups : h->shares;
        size_t n_order = h->n_groups ? h->n_groups : h->n_shares;
        for (size_t i = 0; i < n_order; i++) {
            uint16_t g = order[i];
            int wanted = 0;
            for (size_t k = 0; k < h->n_shares && !wanted; k++)
                wanted = h->shares[k] == g;
            if (!wanted || !tsc_probe_can_share(g))
                continue;
            const uint8_t *key = g == GROUP_X25519 ? x25519_share : p256_share;
            size_t len = g == GROUP_X25519 ? sizeof x25519_share : sizeof p256_share;
            u16(w, g);
            u16(w, (unsigned)len);
            put(w, key, len);
        }
        end(w, list, 2);
        end(w, e, 2);
        /* psk_dhe_ke: what a TLS 1.3 client sends; no PSK is offered */
        e = ext_begin(w, TSC_EXT_PSK_KEY_EXCHANGE_MODES);
        u8(w, 1);
        u8(w, 1);
        end(w, e, 2);
    }
    if (h->n_alpn) {
        e = ext_begin(w, TSC_EXT_ALPN);
        size_t list = begin(w, 2);
        for (size_t i = 0; i < h->n_alpn; i++) {
            size_t n = strlen(h->alpn[i]);
            if (n == 0 || n > 255) {
                w->failed = 1;
                break;
            }
            u8(w, (unsigned)n);
            put(w, h->alpn[i], n);
        }
        end(w, list, 2);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_RENEG_EXT) {
        e = ext_begin(w, TSC_EXT_RENEGOTIATION_INFO);
        u8(w, 0);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_EMS) {
        e = ext_begin(w, TSC_EXT_EXTENDED_MASTER_SECRET);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_ETM) {
        e = ext_begin(w, TSC_EXT_ENCRYPT_THEN_MAC);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_TICKET) {
        e = ext_begin(w, TSC_EXT_SESSION_TICKET);
        end(w, e, 2);
    }
    if (h->flags & TSC_PH_STATUS) {
        e = ext_begin(w, TSC_EXT_STATUS_REQUEST);
        u8(w, 1); /* ocsp */
        u16(w, 0);
        u16(w, 0);
        end(w, e, 2);
    }
    end(w, exts, 2);
}

int tsc_probe_hello_build(const struct tsc_probe_hello *h, struct tsc_buf *out)
{
    if (!h || !out)
        return -1;
    struct tsc_buf msg = {0};
    tsc_buf_init(&msg, 1u << 20);
    struct w w = {&msg, 0};
    u8(&w, TSC_HS_CLIENT_HELLO);
    size_t len = begin(&w, 3);
    body(&w, h);
    end(&w, len, 3);
    if (!w.failed) {
        /* RFC 7685: a hello of 256..511 bytes is padded to 512 (F5's bug) */
        size_t n = msg.len;
        if (n >= 256 && n < 512 && !(h->flags & TSC_PH_NO_EXTENSIONS)) {
            size_t pad = 512 - n >= 4 ? 512 - n - 4 : 0; /* 4: the extension's own header */
            size_t ext_len_at = 4 + 2 + 32 + 1;
            ext_len_at += 2 + ((size_t)msg.data[ext_len_at] << 8 | msg.data[ext_len_at + 1]);
            ext_len_at += 1 + msg.data[ext_len_at];
            u16(&w, TSC_EXT_PADDING);
            u16(&w, (unsigned)pad);
            for (size_t i = 0; i < pad; i++)
                u8(&w, 0);
            if (!w.failed) {
                size_t ext_len = msg.len - ext_len_at - 2;
                msg.data[ext_len_at] = (uint8_t)(ext_len >> 8);
                msg.data[ext_len_at + 1] = (uint8_t)ext_len;
                end(&w, len, 3);
            }
        }
    }
    int rc = -1;
    if (!w.failed) {
        struct w r = {out, 0};
        uint16_t rv = h->version == TSC_SSL30 ? TSC_SSL30 : TSC_TLS10;
        for (size_t off = 0; off < msg.len && !r.failed;) {
            size_t n = msg.len - off > 16384 ? 16384 : msg.len - off;
            u8(&r, TSC_CT_HANDSHAKE);
            u16(&r, rv);
            u16(&r, (unsigned)n);
            put(&r, msg.data + off, n);
            off += n;
        }
        rc = r.failed ? -1 : 0;
    }
    tsc_buf_free(&msg);
    return rc;
}

/* Every SSL 2.0 cipher spec (draft-hickman-netscape-ssl-00 appendix C). */
static const uint32_t v2_specs[] = {0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700c0};

int tsc_probe_hello_v2(struct tsc_buf *out)
{
    if (!out)
        return -1;
    struct w w = {out, 0};
    size_t n = 9 + 3 * (sizeof v2_specs / sizeof v2_specs[0]) + 16;
    u8(&w, 0x80 | (unsigned)(n >> 8)); /* two-byte header, no padding */
    u8(&w, (unsigned)n);
    u8(&w, 1);      /* CLIENT-HELLO */
    u16(&w, 0x0002);
    u16(&w, 3 * (unsigned)(sizeof v2_specs / sizeof v2_specs[0]));
    u16(&w, 0);     /* session id */
    u16(&w, 16);    /* challenge */
    for (size_t i = 0; i < sizeof v2_specs / sizeof v2_specs[0]; i++) {
        u8(&w, v2_specs[i] >> 16);
        u16(&w, v2_specs[i] & 0xffff);
    }
    random32(&w); /* 32 bytes: 16 of challenge; the rest dropped below */
    if (!w.failed)
        out->len -= 16;
    return w.failed ? -1 : 0;
}
