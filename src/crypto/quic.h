/*
 * quic.h - QUIC packet protection (RFC 9001; RFC 9369 for version 2), with
 * no packet format in it beyond what protection needs: where the packet
 * number sits and how long the packet is come from the caller's header
 * parser (tls/quic.h).
 *
 *   Initial secrets (RFC 9001 5.2, RFC 9369 3.3.1): HKDF-Extract of the
 *     client's first Destination Connection ID with the version's salt,
 *     then "client in" / "server in"; keys and IVs under the version's
 *     labels ("quic key", "quic iv", "quic hp", "quic ku"; version 2:
 *     "quicv2 key" ...), always TLS_AES_128_GCM_SHA256.
 *   Header protection (RFC 9001 5.4): a 16-byte sample 4 bytes past the
 *     start of the packet number, a mask from it (AES-ECB or ChaCha20),
 *     the first byte's low 4 (long header) or 5 (short) bits and the packet
 *     number bytes unmasked.
 *   Payload (RFC 9001 5.3): AEAD with nonce = IV XOR packet number, the
 *     unprotected header as additional data.
 *   Retry integrity (RFC 9001 5.8, RFC 9369 3.3.3): an AES-128-GCM tag over
 *     the Retry pseudo-packet with the version's fixed key and nonce.
 *   Key update (RFC 9001 6): the next secret from "quic ku" / "quicv2 ku";
 *     the header protection key does not change.
 *
 * A datagram may be lost, repeated or reordered: nothing here keeps a
 * packet number; the caller reconstructs it (tsc_quic_pn_decode in
 * tls/quic.h) from the largest it has opened.
 *
 * OpenSSL stays behind this header: struct tsc_quic_keys is opaque, used by
 * one thread at a time.
 */
#ifndef TSC_CRYPTO_QUIC_H
#define TSC_CRYPTO_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "crypto/decrypt.h"

#define TSC_QUIC_V1 0x00000001u /* RFC 9000 */
#define TSC_QUIC_V2 0x6b3343cfu /* RFC 9369 */

/* The suite of every Initial packet (RFC 9001 5.2). */
#define TSC_QUIC_INITIAL_SUITE 0x1301 /* TLS_AES_128_GCM_SHA256 */

/* QUIC version 2: "tls13 " + "quicv2 key", "quicv2 iv", "quicv2 hp",
 * "quicv2 ku" (RFC 9369 3.3.2). Version 1's are tsc_key_labels_quic. */
extern const struct tsc_key_labels tsc_key_labels_quic_v2;

/* Whether this module knows a version's salt, labels and Retry key (1 and
 * 2); the labels of such a version, NULL for any other. */
int tsc_quic_version_known(uint32_t version);
/* An IETF draft version (draft-23 to draft-34, mvfst's draft-27) whose
 * Initial salt is known: packets as version 1's, Retry not checked. */
int tsc_quic_version_is_draft(uint32_t version);
const struct tsc_key_labels *tsc_quic_labels(uint32_t version);

/* client_initial_secret and server_initial_secret (32 bytes each) from the
 * Destination Connection ID of the client's first Initial (at most 20
 * bytes; RFC 9000 17.2 allows up to 20 in versions 1 and 2). */
tsc_result tsc_quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint8_t client[32],
                                    uint8_t server[32]);
/* The Initial keys of both directions: out[0] protects what the client
 * sends, out[1] what the server sends. */
tsc_result tsc_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                                 struct tsc_traffic_keys out[2]);

/* The next generation's secret (key update): HKDF-Expand-Label(secret,
 * "quic ku" or "quicv2 ku", "", hash length) into next (secret_len bytes). */
tsc_result tsc_quic_secret_next(uint32_t version, uint16_t suite, const uint8_t *secret, size_t secret_len,
                                uint8_t *next);

/* ---- one direction's packet protection at one encryption level ---- */

struct tsc_quic_keys;
/* From derived keys (tsc_traffic_keys_derive with tsc_quic_labels, or
 * tsc_quic_initial_keys): the AEAD, the IV and the header protection key. */
tsc_result tsc_quic_keys_new(const struct tsc_traffic_keys *k, struct tsc_quic_keys **out);
/* A key update: the next generation's AEAD key and IV from `next` (the
 * same cipher); the header protection key stays (RFC 9001 6). */
tsc_result tsc_quic_keys_update(struct tsc_quic_keys *q, const struct tsc_traffic_keys *next);
void tsc_quic_keys_free(struct tsc_quic_keys *q);

/* Longest header that header protection can leave: the unprotected bytes
 * up to and including a 4-byte packet number are pn_offset + 4. */
#define TSC_QUIC_PN_MAX 4

/*
 * Remove header protection. `pkt` is the whole packet as on the wire
 * (pkt_len bytes: the long header's Length ends it; a short header runs to
 * the end of the datagram), `pn_offset` where its packet number starts.
 * The sample is pkt[pn_offset + 4 .. + 16): a packet too short for it is
 * MALFORMED. On success hdr[0 .. *hdr_len) holds the header with the first
 * byte and the packet number in the clear (hdr must hold pn_offset + 4
 * bytes), *pn_len the packet number's length (1..4) and *truncated_pn its
 * value as sent.
 */
tsc_result tsc_quic_hp_remove(struct tsc_quic_keys *q, const uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                              uint8_t *hdr, size_t *hdr_len, unsigned *pn_len, uint64_t *truncated_pn);

/* Open a payload: `in` (n bytes, ciphertext || tag) with nonce = IV XOR
 * pn and additional data hdr[0 .. hdr_len) (the unprotected header), into
 * out[0 .. *out_len) (out holds n bytes, must not overlap in). A tag that
 * does not verify is MALFORMED. */
tsc_result tsc_quic_payload_open(struct tsc_quic_keys *q, uint64_t pn, const uint8_t *hdr, size_t hdr_len,
                                 const uint8_t *in, size_t n, uint8_t *out, size_t *out_len);

/* Verify a Retry packet's integrity tag (its last 16 bytes) against the
 * Original Destination Connection ID: the client's first Initial's DCID
 * (RFC 9001 5.8). 0 when it verifies; MALFORMED "Retry integrity tag does
 * not verify" when not; MALFORMED for a version with no Retry key. */
tsc_result tsc_quic_retry_verify(uint32_t version, const uint8_t *odcid, size_t odcid_len, const uint8_t *retry,
                                 size_t n);

#endif
