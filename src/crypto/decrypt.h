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
 * DTLS: 1.0 and 1.2 (RFC 4347, RFC 6347) take TLS 1.1's and TLS 1.2's key
 * schedules and record protection, with the record's own epoch and
 * sequence number where TLS counts records, and DTLS 1.2's connection IDs
 * (RFC 9146); DTLS 1.3 (RFC 9147) takes TLS 1.3's with the "dtls13"
 * labels, record number encryption, and full sequence numbers and epochs
 * rebuilt from their low bits. Records of a datagram transport come lost,
 * repeated and out of order: nothing here assumes the one before arrived.
 *
 * What a suite means comes from the table of suites.h, keyed by its code.
 * This file is the TLS record format: it builds each record's nonce (the
 * fixed IV XOR the sequence number, or the fixed part and the record's
 * explicit one), its additional data (TLS <= 1.2: seq_num || type ||
 * version || length; TLS 1.3: the record header; DTLS: their DTLS forms)
 * and the bytes its MAC covers, and calls the primitives of primitives.h
 * with them.
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
#define TSC_REC_TLS12_CID 25 /* DTLS 1.2 record with a connection ID (RFC 9146) */
#define TSC_REC_ACK 26       /* DTLS 1.3 (RFC 9147 7) */

/* Largest record body the record layer accepts (2^14 + 2048, and room). */
#define TSC_REC_BODY_MAX 18432u

struct tsc_rec_cipher;
struct tsc_rsa_keys;

/* Whether records of this version and suite can be decrypted; when not,
 * *why says why ("export suites are not supported", ...). The versions of
 * DTLS (0xfeff, OpenSSL's pre-standard 0x0100, 0xfefd, 0xfefc) are read as
 * the TLS versions they come from; DTLS has no stream ciphers. */
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
 * what the client writes, out[1] what the server writes. A DTLS version
 * gives states for tsc_rec_open_dtls. */
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
/* ---- DTLS 1.0 and 1.2 ---- */

/* A DTLS 1.0/1.2 record header as on the wire (RFC 6347 4.1; RFC 9146 4). */
struct tsc_dtls_hdr {
    uint8_t type;       /* the outer content type; TSC_REC_TLS12_CID: the record has a connection ID */
    uint16_t version;   /* the header's version: the MAC and the AEAD cover it as sent */
    uint16_t epoch;
    uint64_t seq;       /* the header's 48-bit sequence number */
    const uint8_t *cid; /* type TSC_REC_TLS12_CID: cid_len bytes of connection ID */
    uint8_t cid_len;
};
/*
 * Open one record body `in` (n bytes) of a DTLS 1.0/1.2 state
 * (tsc_rec_cipher_tls12 with a DTLS version) with the record's own
 * numbers: the MAC's and the AEAD's seq_num is epoch || sequence_number,
 * ChaCha20-Poly1305's nonce XORs the same 64 bits (RFC 6347 4.1.2.1, RFC
 * 7905 2); CBC always has its explicit IV. A record with a connection ID
 * is authenticated as RFC 9146 5 says and holds a DTLSInnerPlaintext:
 * *inner is its real type. `out` as for tsc_rec_open; the state keeps no
 * sequence number, so records open in any order, and again.
 */
tsc_result tsc_rec_open_dtls(struct tsc_rec_cipher *c, const struct tsc_dtls_hdr *h, const uint8_t *in, size_t n,
                             uint8_t *out, size_t *off, size_t *len, uint8_t *inner);

/* ---- DTLS 1.3 ---- */

/* The full number nearest `expect` whose low `bits` bits are `low` (RFC
 * 9147 4.2.2: `expect` is one past the highest sequence number opened in
 * the epoch). */
uint64_t tsc_dtls_seq_reconstruct(uint64_t expect, uint64_t low, unsigned bits);
/* The full epoch of a unified header's 2 low bits, `current` the highest
 * epoch whose records opened in that direction (RFC 9147 4.2.2): 0 to 3
 * as they are until the handshake is over (1 early data, 2 handshake, 3
 * the first application keys); then the current epoch, the next one (a
 * KeyUpdate), or one of the two before it. */
uint64_t tsc_dtls13_epoch_reconstruct(uint64_t current, unsigned low);
/*
 * Open a DTLS 1.3 record: `hdr` is its unified header as on the wire
 * (hdr_len bytes: flags, connection ID, encrypted sequence number bits,
 * length if present), `in` the n bytes after it. The state is one of
 * tsc_rec_cipher_tls13_labels with tsc_key_labels_dtls13 (it holds the
 * record number key). The sequence number bits are decrypted with the
 * mask from in[0..16) (RFC 9147 4.2.3), *seq is the full number nearest
 * `expect` (tsc_dtls_seq_reconstruct; set once the bits are decrypted,
 * whether or not the record then opens), the nonce is the IV XOR *seq
 * (the epoch is not in it), the additional data is the header with the
 * sequence number in the clear. Out as for tsc_rec_open_tls13_at.
 */
tsc_result tsc_rec_open_dtls13(struct tsc_rec_cipher *c, const uint8_t *hdr, size_t hdr_len, uint64_t expect,
                               const uint8_t *in, size_t n, uint8_t *out, size_t *len, uint8_t *inner,
                               uint64_t *seq);

/* ---- record states ---- */

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
 * first, except in SSL 3.0 and DTLS 0x0100), trying each key: 1 when one decrypted it to 48
 * bytes that start with the client's major version (3; DTLS: 0xfe, or 1
 * for OpenSSL's pre-standard 0x0100), else 0. */
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
