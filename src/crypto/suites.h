/*
 * suites.h - how each cipher suite protects records, from one static table
 * keyed by the 16-bit suite code (suites.c; Wireshark's ssl_cipher_suites[]
 * is the model). The table, not the suite's registry name, decides what
 * decryption does: a suite that is not in it is unknown to decryption.
 *
 * A row either describes the protection (kind, cipher, key and IV lengths,
 * tag, MAC, PRF hash) or, with `why` set, says why records of the suite are
 * not decrypted. TLS 1.3 suites are marked: they belong to TLS 1.3 only,
 * and TLS 1.3 uses no other.
 */
#ifndef TSC_CRYPTO_SUITES_H
#define TSC_CRYPTO_SUITES_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/primitives.h"

/* How a record's body is protected. */
enum tsc_prot {
    TSC_PROT_NULL,   /* MAC only */
    TSC_PROT_STREAM, /* stream cipher over content || MAC */
    TSC_PROT_CBC,    /* block cipher, padding, MAC-then-encrypt or encrypt_then_mac */
    TSC_PROT_AEAD,   /* AEAD: the tag is the integrity */
};

struct tsc_suite_spec {
    uint16_t code;
    int tls13; /* a TLS 1.3 suite */
    enum tsc_prot prot;
    enum tsc_cipher cipher;
    uint8_t key_len;
    /* IV bytes from the key schedule: the AEAD's fixed nonce part (4 for
     * GCM and CCM, after which each record sends 8) or the 12 bytes XORed
     * with the sequence number (ChaCha20-Poly1305, TLS 1.3); for CBC the
     * first IV, which only SSL 3.0 and TLS 1.0 use */
    uint8_t fixed_iv_len;
    /* IV bytes at the start of each record: 8 for GCM and CCM; for CBC a
     * block, from TLS 1.1 on */
    uint8_t record_iv_len;
    uint8_t tag_len;       /* AEAD tag: 16, or 8 for CCM_8 */
    enum tsc_hash mac;     /* HMAC hash (SSL 3.0: its MAC's), TSC_HASH_NONE for AEAD */
    uint8_t mac_len;
    enum tsc_hash prf;     /* the TLS 1.2 PRF's hash; TLS 1.3: the suite's hash */
    const char *why;       /* not NULL: not decrypted, and why */
};

/* The row of a suite, or NULL when the table does not know it (unknown
 * codes, SCSVs, GREASE). */
const struct tsc_suite_spec *tsc_suite_spec_find(uint16_t code);
/* Every row, in increasing code order (*n rows). */
const struct tsc_suite_spec *tsc_suite_spec_all(size_t *n);

#endif
