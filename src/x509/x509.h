/*
 * x509.h - a fixed-size summary of one X.509 certificate (OpenSSL inside).
 *
 * Contract
 *   tsc_x509_summarize(der, len, out) reads exactly one DER certificate
 *   occupying all `len` bytes and fills *out. Nothing is allocated that
 *   outlives the call: the summary is a plain struct of fixed-size arrays, it
 *   borrows nothing from `der`, and it may be copied, kept or discarded freely.
 *   `der` may be NULL only when len == 0. Any bytes, any length, are safe.
 *
 *   Result kinds:
 *     TSC_OK         *out is filled.
 *     TSC_TRUNCATED  the bytes end before the certificate's outer SEQUENCE
 *                    does (empty input, any proper prefix of a certificate).
 *     TSC_OPENSSL    the bytes do not parse as an X.509 certificate, or
 *                    OpenSSL failed while summarizing (hashing, serial).
 *     TSC_MALFORMED  trailing bytes after the certificate (alert
 *                    decode_error); or the certificate parses but a field
 *                    breaks RFC 5280 in a way the summary cannot represent:
 *                    version not v1..v3, a validity time that is not a valid
 *                    UTCTime/GeneralizedTime (alert bad_certificate, 42).
 *     TSC_LIMIT      len does not fit OpenSSL's `long` length.
 *     TSC_INTERNAL   out == NULL, or der == NULL with len > 0.
 *   On any error *out (when not NULL) is all zeroes: no partial summaries.
 *   The OpenSSL error queue is cleared before returning, on every path.
 *
 * Strings
 *   Every char array is NUL-terminated. Text from the certificate is copied
 *   as raw bytes: converted to UTF-8 where the ASN.1 string type allows it
 *   (BMPString, UniversalString, T61String as Latin-1), otherwise (or when
 *   the conversion fails, e.g. invalid UTF-8 in a UTF8String) the bytes as
 *   they are. A value is cut at its first NUL byte. Nothing is escaped:
 *   control characters and invalid UTF-8 reach the caller unchanged, and
 *   escaping for output is the sinks' job. A string too long for its array
 *   ends in "..." (the cut never splits a UTF-8 sequence that was valid).
 *
 * Fields
 *   version            1, 2 or 3.
 *   serial             lowercase hex of the serial's magnitude bytes, as
 *                      `openssl x509 -serial` prints it ("01", "00", "a1b2");
 *                      negative serials start with '-'.
 *   subject, issuer    RFC 2253 order (most specific first), "," between RDNs,
 *                      "+" inside a multi-valued RDN, OpenSSL short names for
 *                      attribute types ("CN", "O", "emailAddress") or the
 *                      dotted OID, values unescaped; non-string values as
 *                      "#" + hex. E.g. "CN=example.com,O=Example,C=US".
 *   subject_cn         the first CN of `subject` as shown there (the most
 *                      specific one, i.e. the last in DER order), or "".
 *   subject_rdns/_n,   the attributes of subject and issuer one by one, in
 *   issuer_rdns/_n     DER order (least specific first, as Suricata and
 *                      `openssl x509 -nameopt oneline` show them), each
 *                      "TYPE=value" as in `subject` and NUL-terminated, packed
 *                      one after another; an attribute that continues a
 *                      multi-valued RDN starts with '+'. Read them with
 *                      tsc_x509_rdn_at(). rdns_truncated as san_truncated.
 *   not_before/after   "2026-11-26T23:03:39Z"; *_epoch the same instant in
 *                      seconds since 1970-01-01T00:00:00Z (may be negative).
 *   pubkey_algorithm   "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "X25519",
 *                      "X448", "DSA", "DH", "SM2"; otherwise OpenSSL's short
 *                      name for the key's OID, or the dotted OID.
 *   pubkey_bits        EVP_PKEY_get_bits (RSA modulus, EC field size, 256 for
 *                      Ed25519, 456 for Ed448); 0 when OpenSSL cannot decode
 *                      the key.
 *   pubkey_curve       OpenSSL's curve name for EC keys ("prime256v1",
 *                      "secp384r1"); "" for other keys and for EC keys with
 *                      explicit parameters.
 *   pubkey_oid_name    the SubjectPublicKeyInfo algorithm as `openssl x509
 *                      -text` names it ("rsaEncryption", "id-ecPublicKey",
 *                      "ED25519"), or the dotted OID.
 *   pubkey_exponent    an RSA key's public exponent in decimal ("65537"); ""
 *                      for other keys.
 *   signature_algorithm the certificate's outer signatureAlgorithm as
 *                      `openssl x509 -text` names it ("sha256WithRSAEncryption",
 *                      "ecdsa-with-SHA256", "ED25519"), or the dotted OID.
 *   san_buf/san_count  subjectAltName entries (of every subjectAltName
 *                      extension, in order), each "TYPE:value" and
 *                      NUL-terminated, packed one after another. TYPE is one of
 *                      DNS, IP, email, URI, DirName, RID, othername,
 *                      X400Name, EdiPartyName. IP is dotted IPv4 or RFC 5952
 *                      IPv6; an address of another length is hex. Read them
 *                      with tsc_x509_san_at().
 *   san_truncated      1 when an entry was shortened (each is capped at
 *                      TSC_X509_STR - 1 bytes, ending in "...") or entries were
 *                      left out because san_buf was full.
 *   is_ca              basicConstraints present, decodable and CA:TRUE.
 *   has_basic_constraints  basicConstraints present and decodable.
 *   path_len           its pathLenConstraint (0 to INT_MAX), -1 when absent.
 *   self_signed        subject matches issuer and the signature verifies with
 *                      the certificate's own key (X509_self_signed(x, 1)).
 *   sha256, sha1, md5  lowercase hex digests of the `len` input bytes.
 */
#ifndef TSC_X509_X509_H
#define TSC_X509_X509_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

#define TSC_X509_STR 512
#define TSC_X509_SAN_BUF 4096

struct tsc_x509_summary {
    int version;
    char serial[130];
    char subject[TSC_X509_STR];
    char issuer[TSC_X509_STR];
    char subject_cn[256];
    char subject_rdns[TSC_X509_STR];
    char issuer_rdns[TSC_X509_STR];
    uint16_t subject_rdns_n, issuer_rdns_n;
    int rdns_truncated;
    char not_before[32];
    char not_after[32];
    int64_t not_before_epoch, not_after_epoch;
    char pubkey_algorithm[32];
    int pubkey_bits;
    char pubkey_curve[32];
    char pubkey_oid_name[64];
    char pubkey_exponent[32];
    char signature_algorithm[64];
    char san_buf[TSC_X509_SAN_BUF];
    uint16_t san_count;
    int san_truncated;
    int is_ca;
    int has_basic_constraints;
    int path_len;
    int self_signed;
    char sha256[65];
    char sha1[41];
    char md5[33];
};

/* Summarize the one DER certificate in der[0..len). See the contract above. */
tsc_result tsc_x509_summarize(const uint8_t *der, size_t len, struct tsc_x509_summary *out);

/* The i-th subjectAltName entry (a NUL-terminated string inside *s), or NULL
 * when i >= s->san_count. Safe on a zeroed summary; never reads past san_buf. */
const char *tsc_x509_san_at(const struct tsc_x509_summary *s, unsigned i);

/* The i-th attribute of subject_rdns (issuer 0) or issuer_rdns (issuer 1),
 * or NULL past the last; safe on a zeroed summary. */
const char *tsc_x509_rdn_at(const struct tsc_x509_summary *s, int issuer, unsigned i);

#endif
