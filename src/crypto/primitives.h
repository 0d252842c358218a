/*
 * primitives.h - the cryptography under record protection, with no record
 * format in it: AEAD open, CBC decryption, a stream cipher, MACs, digests,
 * and the key derivation functions (the TLS 1.0-1.2 PRF, SSL 3.0's, HKDF
 * and HKDF-Expand-Label).
 *
 * The caller brings everything a protocol decides: the nonce and the
 * additional data of an AEAD, the IV of each CBC call, the bytes a MAC
 * covers, and the label prefix of HKDF-Expand-Label ("tls13 " for TLS 1.3
 * and QUIC, "dtls13" for DTLS 1.3). TLS records (decrypt.h) build theirs
 * from the sequence number and the record header; QUIC and DTLS 1.3 build
 * theirs from their own headers and call the same functions.
 *
 * OpenSSL stays behind this header: the objects are opaque. They run in a
 * library context of this module's own, with the legacy provider loaded
 * when it is there (RC4, DES, SEED, IDEA). An object is used by one thread
 * at a time.
 */
#ifndef TSC_CRYPTO_PRIMITIVES_H
#define TSC_CRYPTO_PRIMITIVES_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* Hash functions, for MACs, PRFs and HKDF. */
enum tsc_hash {
    TSC_HASH_NONE = 0,
    TSC_HASH_MD5,
    TSC_HASH_SHA1,
    TSC_HASH_SHA256,
    TSC_HASH_SHA384,
    TSC_HASH_MD5_SHA1, /* MD5 || SHA-1: the TLS 1.0/1.1 PRF and session hash */
};

/* Output length (16, 20, 32, 48, 36), 0 for TSC_HASH_NONE. */
size_t tsc_hash_len(enum tsc_hash h);
/* The digest of p[0..n) into out (tsc_hash_len bytes). */
tsc_result tsc_hash_digest(enum tsc_hash h, const uint8_t *p, size_t n, uint8_t *out);

/* Bulk ciphers of the suites that can be decrypted. CCM_8 is AES_*_CCM
 * with an 8-byte tag (the tag length is the caller's). */
enum tsc_cipher {
    TSC_CIPHER_NULL = 0,
    TSC_CIPHER_RC4_128,
    TSC_CIPHER_DES_CBC,
    TSC_CIPHER_3DES_EDE_CBC,
    TSC_CIPHER_IDEA_CBC,
    TSC_CIPHER_SEED_CBC,
    TSC_CIPHER_AES_128_CBC,
    TSC_CIPHER_AES_256_CBC,
    TSC_CIPHER_CAMELLIA_128_CBC,
    TSC_CIPHER_CAMELLIA_256_CBC,
    TSC_CIPHER_ARIA_128_CBC,
    TSC_CIPHER_ARIA_256_CBC,
    TSC_CIPHER_AES_128_GCM,
    TSC_CIPHER_AES_256_GCM,
    TSC_CIPHER_ARIA_128_GCM,
    TSC_CIPHER_ARIA_256_GCM,
    TSC_CIPHER_AES_128_CCM,
    TSC_CIPHER_AES_256_CCM,
    TSC_CIPHER_CHACHA20_POLY1305,
};

/* Key length in bytes; block size (CBC ciphers, else 0). */
size_t tsc_cipher_key_len(enum tsc_cipher c);
size_t tsc_cipher_block_len(enum tsc_cipher c);
/* Whether this OpenSSL has the cipher (the NULL cipher always); when not,
 * *why says why: "the cipher needs OpenSSL's legacy provider, which is not
 * available" or "the cipher is not available in this OpenSSL". */
int tsc_cipher_available(enum tsc_cipher c, const char **why);

/* ---- AEAD: AES-GCM, AES-CCM, ARIA-GCM, ChaCha20-Poly1305; 12-byte nonces ---- */

struct tsc_aead;
/* A key (tsc_cipher_key_len bytes) and the tag length (16, or 8 for CCM_8). */
tsc_result tsc_aead_new(enum tsc_cipher c, size_t tag_len, const uint8_t *key, struct tsc_aead **out);
/* A new key for the same cipher (TLS 1.3 KeyUpdate). */
tsc_result tsc_aead_rekey(struct tsc_aead *a, const uint8_t *key);
/* Open in[0..n) = ciphertext || tag with `nonce` and the additional data
 * aad[0..aad_len) into out (n - tag bytes; must not overlap in). A tag that
 * does not verify is MALFORMED "authentication tag does not verify". */
tsc_result tsc_aead_open(struct tsc_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, size_t n, uint8_t *out);
size_t tsc_aead_tag_len(const struct tsc_aead *a);
void tsc_aead_free(struct tsc_aead *a);

/* ---- CBC block ciphers, no padding removed ---- */

struct tsc_cbc;
tsc_result tsc_cbc_new(enum tsc_cipher c, const uint8_t *key, struct tsc_cbc **out);
/* Decrypt in[0..n) (a whole number of blocks) with the IV `iv` (one block)
 * into out (n bytes; must not overlap in). */
tsc_result tsc_cbc_decrypt(struct tsc_cbc *c, const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out);
void tsc_cbc_free(struct tsc_cbc *c);

/* ---- stream ciphers (RC4): one key stream, used in order ---- */

struct tsc_stream;
tsc_result tsc_stream_new(enum tsc_cipher c, const uint8_t *key, struct tsc_stream **out);
/* XOR the next n bytes of the key stream over in into out. */
tsc_result tsc_stream_xor(struct tsc_stream *s, const uint8_t *in, size_t n, uint8_t *out);
/* Move the key stream on by n bytes (bytes lost in a capture). */
tsc_result tsc_stream_skip(struct tsc_stream *s, size_t n);
void tsc_stream_free(struct tsc_stream *s);

/* ---- masks: DTLS 1.3 record number encryption (RFC 9147 4.2.3), QUIC
 * header protection (RFC 9001 5.4) ---- */

struct tsc_mask;
/* A mask key for the AEAD `c` (tsc_cipher_key_len(c) bytes): AES-ECB
 * under the AES suites, ChaCha20 under ChaCha20-Poly1305. */
tsc_result tsc_mask_new(enum tsc_cipher c, const uint8_t *key, struct tsc_mask **out);
/* The 16 bytes of mask from a 16-byte sample of ciphertext: AES-ECB(key,
 * sample), or ChaCha20(key, counter = sample[0..4) little-endian, nonce =
 * sample[4..16)) over zeros. */
tsc_result tsc_mask_compute(struct tsc_mask *m, const uint8_t sample[16], uint8_t out[16]);
void tsc_mask_free(struct tsc_mask *m);

/* ---- MACs: HMAC, and SSL 3.0's MAC (RFC 6101 5.2.3.1) ---- */

struct tsc_mac;
tsc_result tsc_mac_new_hmac(enum tsc_hash h, const uint8_t *key, size_t key_len, struct tsc_mac **out);
/* hash(key || pad_2 || hash(key || pad_1 || data)), pads of 48 bytes for
 * MD5 and 40 for the others (SHA-1; SHA-2, which SSL 3.0 never defined);
 * the key is as long as the hash. */
tsc_result tsc_mac_new_ssl3(enum tsc_hash h, const uint8_t *key, size_t key_len, struct tsc_mac **out);
/* The MAC of a[0..an) || b[0..bn) into out (tsc_mac_len bytes). */
tsc_result tsc_mac_compute(struct tsc_mac *m, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                           uint8_t *out);
size_t tsc_mac_len(const struct tsc_mac *m);
void tsc_mac_free(struct tsc_mac *m);

/* ---- key derivation ---- */

/* The TLS 1.0-1.2 PRF (RFC 5246 5, RFC 2246 5 with TSC_HASH_MD5_SHA1):
 * PRF(secret, label, s1 || s2) into out[0..outlen). */
tsc_result tsc_prf_tls(enum tsc_hash h, const uint8_t *secret, size_t slen, const char *label, const uint8_t *s1,
                       size_t n1, const uint8_t *s2, size_t n2, uint8_t *out, size_t outlen);
/* SSL 3.0's key derivation (RFC 6101 6.1, 6.2.2): MD5(secret ||
 * SHA1("A" || secret || s1 || s2)) || MD5(secret || SHA1("BB" ...)) ... */
tsc_result tsc_prf_ssl3(const uint8_t *secret, size_t slen, const uint8_t *s1, size_t n1, const uint8_t *s2,
                        size_t n2, uint8_t *out, size_t outlen);
/* HKDF-Extract(salt, ikm) (RFC 5869 2.2) into out (tsc_hash_len bytes); an
 * empty salt is a string of zeros. */
tsc_result tsc_hkdf_extract(enum tsc_hash h, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                            size_t ikm_len, uint8_t *out);
/* HKDF-Expand-Label(secret, label, context, outlen) of RFC 8446 7.1 with
 * the label prefix `prefix`: "tls13 " in TLS 1.3 and QUIC (RFC 9001 5.1),
 * "dtls13" in DTLS 1.3 (RFC 9147 5.9). */
tsc_result tsc_hkdf_expand_label(enum tsc_hash h, const uint8_t *secret, size_t slen, const char *prefix,
                                 const char *label, const uint8_t *context, size_t context_len, uint8_t *out,
                                 size_t outlen);

/* Overwrite secrets before their memory is given back. */
void tsc_wipe(void *p, size_t n);

#endif
