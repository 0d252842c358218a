/* Fuzz target: record protection (crypto/decrypt.c).
 *
 * Input:
 *   byte 0   suite, an index into `suites` (every kind of record protection)
 *   byte 1   version for suites before TLS 1.3: SSL 3.0 + (byte % 4)
 *   byte 2   flags: bit 0 encrypt_then_mac, bit 1 also run the key
 *            schedule functions over the input, bit 2 (TLS 1.3 suites)
 *            DTLS 1.3's labels, and records opened DTLS-style: the 4 bytes
 *            before each body (op, type, length) are its additional data,
 *            its sequence number is epoch 3 and the record's index (1, 2,
 *            ...), with tsc_rec_open_tls13_at
 *   then records, each: op (1), type (1), length (2, cut to what is left),
 *   body. op bits 0-1: 0, 1 open, 2 skip, 3 KeyUpdate (TLS 1.3; else open);
 *   bit 2: the server's state (before TLS 1.3); bit 3: a header version one
 *   off. The states come from fixed secrets (below), so a generator can
 *   write records that verify (the seeds in corpus/decrypt/ have some).
 * Each record is opened into a buffer of exactly its length (ASan sees any
 * overrun); a result that contradicts itself aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/decrypt.h"

static const uint16_t suites[] = {
    0x0001, /* NULL-MD5 */
    0x0002, /* NULL-SHA */
    0x0004, /* RC4-MD5 */
    0x0005, /* RC4-SHA */
    0x0007, /* IDEA-CBC-SHA */
    0x0009, /* DES-CBC-SHA */
    0x000a, /* 3DES-EDE-CBC-SHA */
    0x002f, /* AES128-SHA */
    0x0035, /* AES256-SHA */
    0x003c, /* AES128-SHA256 */
    0x0041, /* CAMELLIA128-SHA */
    0x0096, /* SEED-SHA */
    0x009c, /* AES128-GCM-SHA256 */
    0x009d, /* AES256-GCM-SHA384 */
    0xc050, /* ARIA128-GCM-SHA256 */
    0xc09c, /* AES128-CCM */
    0xc0a0, /* AES128-CCM8 */
    0xcca8, /* ECDHE-RSA-CHACHA20-POLY1305 */
    0x1301, 0x1302, 0x1303, 0x1304, 0x1305,
};

/* The fixed secrets (tests/fuzz/corpus/decrypt seeds are made with these). */
static void fixed(uint8_t master[48], uint8_t cr[32], uint8_t sr[32], uint8_t s13[48])
{
    for (int i = 0; i < 48; i++) {
        master[i] = (uint8_t)(0x40 + i);
        s13[i] = (uint8_t)(0x13 * (i + 1));
    }
    for (int i = 0; i < 32; i++) {
        cr[i] = (uint8_t)(0xc0 ^ i);
        sr[i] = (uint8_t)(0x50 + 2 * i);
    }
}

static void key_schedules(uint16_t version, uint16_t suite, const uint8_t *p, size_t n, const uint8_t cr[32],
                          const uint8_t sr[32])
{
    uint8_t master[48], hash[64], h[32];
    size_t hl = 0;
    if (tsc_is_ok(tsc_session_hash(version, suite, p, n, hash, &hl))) {
        if (hl > sizeof hash)
            abort();
        (void)tsc_master_secret(version, suite, p, n < 48 ? n : 48, cr, sr, hash, hl, master);
    }
    (void)tsc_master_secret(version, suite, p, n < 48 ? n : 48, cr, sr, NULL, 0, master);
    tsc_sha256(p, n, h);
    /* QUIC's keys from the input as a secret (of the right length or not) */
    struct tsc_traffic_keys k;
    uint8_t next[48];
    size_t sl = n < 48 ? n : 48;
    if (tsc_is_ok(tsc_traffic_keys_derive(suite, &tsc_key_labels_quic, p, sl, &k)) &&
        (k.key_len > sizeof k.key || sl != tsc_tls13_hash_len(suite)))
        abort();
    if (tsc_is_ok(tsc_traffic_secret_next(suite, &tsc_key_labels_quic, p, sl, next)) &&
        sl != tsc_tls13_hash_len(suite))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint16_t suite = suites[data[0] % (sizeof suites / sizeof suites[0])];
    int tls13 = tsc_tls13_hash_len(suite) != 0;
    uint16_t version = tls13 ? 0x0304 : (uint16_t)(0x0300 + data[1] % 4);
    int etm = data[2] & 1;
    int dtls = tls13 && (data[2] & 4);
    uint8_t master[48], cr[32], sr[32], s13[48];
    fixed(master, cr, sr, s13);
    const char *why = NULL;
    int supported = tsc_decrypt_supported(version, suite, &why);
    if (!supported && !why)
        abort();
    if (data[2] & 2)
        key_schedules(version, suite, data + 3, size - 3, cr, sr);

    struct tsc_rec_cipher *c[2] = {NULL, NULL};
    tsc_result r;
    if (tls13)
        r = tsc_rec_cipher_tls13_labels(suite, dtls ? &tsc_key_labels_dtls13 : &tsc_key_labels_tls13, s13,
                                        tsc_tls13_hash_len(suite), &c[0]);
    else
        r = tsc_rec_cipher_tls12(version, suite, etm, master, cr, sr, c);
    if (!tsc_is_ok(r)) {
        if (!r.why || c[0] || c[1])
            abort();
        return 0;
    }
    if (!supported)
        abort(); /* set up what it says it cannot do */

    size_t i = 3;
    unsigned records = 0;
    while (i + 4 <= size && records++ < 64) {
        uint8_t op = data[i], type = data[i + 1];
        size_t n = (size_t)data[i + 2] << 8 | data[i + 3];
        i += 4;
        if (n > size - i)
            n = size - i;
        const uint8_t *body = data + i;
        i += n;
        struct tsc_rec_cipher *s = tls13 ? c[0] : c[(op >> 2) & 1];
        uint16_t hv = tls13 ? 0x0303 : version;
        if (op & 8)
            hv ^= 1;
        if ((op & 3) == 2) {
            tsc_rec_cipher_skip(s, n);
            continue;
        }
        if ((op & 3) == 3 && tls13) {
            if (!tsc_is_ok(tsc_rec_cipher_update(s)))
                abort();
            continue;
        }
        uint8_t *out = malloc(n); /* exactly n: an overrun is an ASan report */
        if (!out && n)
            break;
        size_t off = 0, len = 0;
        uint8_t inner = 0;
        if (dtls) {
            uint64_t seq0 = tsc_rec_cipher_seq(s);
            r = tsc_rec_open_tls13_at(s, (uint64_t)3 << 48 | records, body - 4, 4, body, n, out, &len, &inner);
            if (tsc_rec_cipher_seq(s) != seq0)
                abort(); /* the caller's number, not the state's */
        } else {
            r = tsc_rec_open(s, type, hv, body, n, out, &off, &len, &inner);
        }
        if (tsc_is_ok(r)) {
            if (off > n || len > n - off)
                abort();
            if (!tls13 && inner != type)
                abort();
            unsigned sum = 0; /* read every plaintext byte */
            for (size_t k = 0; k < len; k++)
                sum += out[off + k];
            if (sum == 0xffffffffu)
                abort();
        } else if (!r.why || r.kind == TSC_OK) {
            abort();
        }
        free(out);
    }
    tsc_rec_cipher_free(c[0]);
    tsc_rec_cipher_free(c[1]);
    return 0;
}
