/*
 * decrypt.h - TLS key schedules and record protection, for reading captured
 * traffic with the secrets of a key log or a server's RSA private key.
 *
 * Key schedules: SSL 3.0, the TLS 1.0/1.1 PRF (MD5 + SHA-1), the TLS 1.2
 * PRF (SHA-256 or SHA-384, by suite), the extended master secret (RFC
 * 7627), and TLS 1.3's traffic keys with KeyUpdate, under a label set of
 * the caller's choice (TLS 1.3, DTLS 1.3's "dtls13" prefix, QUIC's "quic"
 * labels).
 * Record protection: CBC block ciphers (AES, 3DES, DES, Camellia, ARIA,
 * SEED, IDEA) with HMAC, MAC-then-encrypt (implicit IV in SSL 3.0 and TLS
 * 1.0, explicit from TLS 1.1) or encrypt_then_mac (RFC 7366); RC4 and NULL
 * ciphers; AES-GCM, AES-CCM, AES-CCM_8, ARIA-GCM, ChaCha20-Poly1305; TLS
 * 1.3's five suites. A record whose MAC or tag does not verify is refused
 * with the reason; the direction's state moves on as a receiver's would,
 * so the next record can still be read.
 *
 * What a suite means comes from the table of suites.h, keyed by its code.
 * This file is the TLS record format: it builds each record's nonce (the
 * fixed IV XOR the sequence number, or the fixed part and the record's
 * explicit one), its additional data (TLS <= 1.2: seq_num || type ||
 * version || length; TLS 1.3: the record header) and the bytes its MAC
 * covers, and calls the primitives of primitives.h with them.
 *
 * OpenSSL stays behind this header: the types here are opaque.
 */
#ifndef TSC_CRYPTO_DECRYPT_H
#define TSC_CRYPTO_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "crypto/primitives.h"

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

/* ---- TLS 1.3, and the protocols that use its key schedule ---- */

/* The labels under which keys come from a traffic secret (RFC 8446 7.3). */
struct tsc_key_labels {
    const char *prefix;   /* HKDF-Expand-Label's label prefix */
    const char *key, *iv; /* the AEAD key and the IV (nonce mask) */
    const char *hp;       /* QUIC's header protection key, DTLS 1.3's record number key; NULL: none */
    const char *update;   /* the next traffic secret (KeyUpdate) */
};
/* TLS 1.3: "tls13 " + "key", "iv", "traffic upd" (RFC 8446 7.2, 7.3). */
extern const struct tsc_key_labels tsc_key_labels_tls13;
/* DTLS 1.3: "dtls13" + "key", "iv", "sn", "traffic upd" (RFC 9147 4.2.3, 5.9). */
extern const struct tsc_key_labels tsc_key_labels_dtls13;
/* QUIC: "tls13 " + "quic key", "quic iv", "quic hp", "quic ku" (RFC 9001 5.1, 5.4, 6). */
extern const struct tsc_key_labels tsc_key_labels_quic;

/* Keys from a traffic secret of a TLS 1.3 suite. */
struct tsc_traffic_keys {
    enum tsc_cipher cipher; /* for tsc_aead_new */
    size_t key_len, tag_len;
    uint8_t key[32];
    uint8_t iv[12];
    uint8_t hp[32]; /* key_len bytes, when the labels have one */
};
/* key = HKDF-Expand-Label(secret, labels->key, "", key length), iv the
 * same with labels->iv (12 bytes), hp with labels->hp (key length). The
 * secret's length is the suite's hash length. */
tsc_result tsc_traffic_keys_derive(uint16_t suite, const struct tsc_key_labels *labels, const uint8_t *secret,
                                   size_t secret_len, struct tsc_traffic_keys *out);
/* The next traffic secret: HKDF-Expand-Label(secret, labels->update, "",
 * secret_len) into next (secret_len bytes). */
tsc_result tsc_traffic_secret_next(uint16_t suite, const struct tsc_key_labels *labels, const uint8_t *secret,
                                   size_t secret_len, uint8_t *next);

/* A record state from a traffic secret (key and iv by HKDF-Expand-Label,
 * TLS 1.3's labels). */
tsc_result tsc_rec_cipher_tls13(uint16_t suite, const uint8_t *secret, size_t secret_len,
                                struct tsc_rec_cipher **out);
/* The same with other labels (DTLS 1.3's "dtls13" prefix); `labels` must
 * outlive the state (the three above are static). */
tsc_result tsc_rec_cipher_tls13_labels(uint16_t suite, const struct tsc_key_labels *labels, const uint8_t *secret,
                                       size_t secret_len, struct tsc_rec_cipher **out);
/* KeyUpdate: the next traffic secret (labels->update), new key and iv,
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
/*
 * A TLS 1.3-style state (tsc_rec_cipher_tls13*) only: open `in` (n bytes,
 * ciphertext || tag) with the sequence number `seq` and the additional data
 * the caller took from its own record header (DTLS 1.3's unified header),
 * into out[0 .. *len), the content before *inner, its type. The state's
 * own sequence number is neither used nor moved.
 */
tsc_result tsc_rec_open_tls13_at(struct tsc_rec_cipher *c, uint64_t seq, const uint8_t *aad, size_t aad_len,
                                 const uint8_t *in, size_t n, uint8_t *out, size_t *len, uint8_t *inner);
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
