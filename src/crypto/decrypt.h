/*
 * decrypt.h - TLS key schedules and record protection, for reading captured
 * traffic with the secrets of a key log or a server's RSA private key.
 *
 * Key schedules: SSL 3.0, the TLS 1.0/1.1 PRF (MD5 + SHA-1), the TLS 1.2 PRF
 * (SHA-256 or SHA-384, by suite), the extended master secret (RFC 7627), and
 * TLS 1.3's HKDF-Expand-Label with KeyUpdate.
 * Record protection: CBC block ciphers (AES, 3DES, DES, Camellia, ARIA, SEED,
 * IDEA) with HMAC, MAC-then-encrypt (implicit IV in SSL 3.0 and TLS 1.0,
 * explicit from TLS 1.1) or encrypt_then_mac (RFC 7366); RC4 and NULL
 * ciphers; AES-GCM, AES-CCM, AES-CCM_8, ARIA-GCM, ChaCha20-Poly1305; TLS 1.3's
 * five suites. A record whose MAC or tag does not verify is refused with the
 * reason; the direction's state moves on as a receiver's would, so the next
 * record can still be read.
 *
 * OpenSSL stays behind this header: the types here are opaque. RC4, DES, SEED
 * and IDEA come from OpenSSL's legacy provider, loaded into a library context
 * of this module's own.
 */
#ifndef TSC_CRYPTO_DECRYPT_H
#define TSC_CRYPTO_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* Record content types as the receiver sees them. */
#define TSC_REC_CCS 20
#define TSC_REC_ALERT 21
#define TSC_REC_HANDSHAKE 22
#define TSC_REC_APPLICATION_DATA 23
#define TSC_REC_HEARTBEAT 24

/* Largest record body the record layer accepts (2^14 + 2048, and room). */
#define TSC_REC_BODY_MAX 18432u

struct tsc_rec_cipher;
struct tsc_rsa_keys;

/* Whether records of this version and suite can be decrypted; when not,
 * *why says why ("export suites are not supported", ...). */
int tsc_decrypt_supported(uint16_t version, uint16_t suite, const char **why);

/* ---- TLS 1.0-1.2 and SSL 3.0 ---- */

/* The master secret from a pre-master secret: PRF(pms, "master secret",
 * client_random + server_random), or with a session hash (extended master
 * secret, session_hash_len > 0) PRF(pms, "extended master secret", hash). */
tsc_result tsc_master_secret(uint16_t version, uint16_t suite, const uint8_t *pms, size_t pms_len,
                             const uint8_t client_random[32], const uint8_t server_random[32],
                             const uint8_t *session_hash, size_t session_hash_len, uint8_t master[48]);
/* The session hash of RFC 7627 over the handshake messages `p` (headers
 * included): MD5 || SHA-1 before TLS 1.2, the PRF hash in TLS 1.2. */
tsc_result tsc_session_hash(uint16_t version, uint16_t suite, const uint8_t *p, size_t n, uint8_t out[64],
                            size_t *len);
/* Both directions' record states from the master secret: out[0] protects
 * what the client writes, out[1] what the server writes. */
tsc_result tsc_rec_cipher_tls12(uint16_t version, uint16_t suite, int encrypt_then_mac, const uint8_t master[48],
                                const uint8_t client_random[32], const uint8_t server_random[32],
                                struct tsc_rec_cipher *out[2]);

/* ---- TLS 1.3 ---- */

/* A record state from a traffic secret (key and iv by HKDF-Expand-Label). */
tsc_result tsc_rec_cipher_tls13(uint16_t suite, const uint8_t *secret, size_t secret_len,
                                struct tsc_rec_cipher **out);
/* KeyUpdate: the next traffic secret ("traffic upd"), new key and iv,
 * sequence number back to 0. */
tsc_result tsc_rec_cipher_update(struct tsc_rec_cipher *c);
/* The hash length of a TLS 1.3 suite (32 or 48), 0 if not a TLS 1.3 suite. */
size_t tsc_tls13_hash_len(uint16_t suite);

/* ---- records ---- */

/*
 * Open one record body `in` (n bytes) of outer type `type` and header
 * version `version`. `out` must hold n bytes (it must not overlap `in`).
 * On success the plaintext is out[*off .. *off + *len) and *inner is its
 * content type (the outer type, or TLS 1.3's inner type). The sequence
 * number advances whether or not the record verified.
 */
tsc_result tsc_rec_open(struct tsc_rec_cipher *c, uint8_t type, uint16_t version, const uint8_t *in, size_t n,
                        uint8_t *out, size_t *off, size_t *len, uint8_t *inner);
/* The sequence number of the next record, and setting it (after a hole
 * that lost whole records, the reader tries the next few). Whether the
 * protection can be picked up again at another sequence number: AEAD and
 * CBC with explicit IVs can, RC4 and TLS 1.0's chained CBC cannot. */
uint64_t tsc_rec_cipher_seq(const struct tsc_rec_cipher *c);
void tsc_rec_cipher_set_seq(struct tsc_rec_cipher *c, uint64_t seq);
int tsc_rec_cipher_resumable(const struct tsc_rec_cipher *c);
/* A record of n body bytes was lost (a hole in the capture): advance the
 * sequence number, and a stream cipher's key stream, past it. */
void tsc_rec_cipher_skip(struct tsc_rec_cipher *c, size_t n);
void tsc_rec_cipher_free(struct tsc_rec_cipher *c);

/* ---- static RSA key exchange ---- */

/* Add the private key(s) of a PEM (or DER) file. The error names the reason. */
tsc_result tsc_rsa_keys_load(struct tsc_rsa_keys **keys, const char *path);
void tsc_rsa_keys_free(struct tsc_rsa_keys *keys);
/* The pre-master secret of an RSA ClientKeyExchange body (a 2-byte length
 * first, except in SSL 3.0), trying each key: 1 when one decrypted it to 48
 * bytes that start with 3 (the client's major version), else 0. */
int tsc_rsa_decrypt_pms(const struct tsc_rsa_keys *keys, uint16_t version, const uint8_t *cke, size_t n,
                        uint8_t pms[48]);

/* ---- TLS compression (RFC 3749 DEFLATE, method 1) ---- */

struct tsc_inflate;
struct tsc_inflate *tsc_inflate_new(void);
void tsc_inflate_free(struct tsc_inflate *z);
/* Decompress one record's plaintext (the stream goes on across records)
 * into out (cap bytes; a TLSCompressed record expands to at most 2^14
 * bytes). */
tsc_result tsc_inflate_record(struct tsc_inflate *z, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                              size_t *out_len);

/* SHA-256 of bytes (session tickets are remembered by their hash). */
void tsc_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
