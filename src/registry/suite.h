/*
 * suite.h - what a cipher suite means: key exchange, authentication, bulk
 * cipher, MAC or PRF hash, and flags (AEAD, TLS 1.3, export, SCSV, GREASE).
 *
 * The meaning is derived by parsing the suite's registry name (registry.h),
 * so every suite in data/registry/cipher_suites.tsv is covered without a
 * hand-kept table: PREFIX_KX[_EXPORT]_WITH_CIPHER_MAC for TLS 1.0-1.2 and
 * SSL 3.0 names, TLS_CIPHER_HASH for TLS 1.3 names, and the prefix-less
 * GM/T 0024 names (ECC_SM4_CBC_SM3).
 *
 * Vocabulary (all fields are NUL-terminated, fixed-size, no pointers except
 * `name`, which is a static registry string or NULL):
 *   protocol        "TLS", "SSL" (SSL_* names), "GMTLS" (GM/T 0024 suites)
 *   key_exchange    tokens as in the name: "RSA", "DHE", "DH", "ECDHE", "ECDH",
 *                   "PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK", "SRP", "KRB5",
 *                   "ECCPWD", "ECJPAKE", "FORTEZZA_KEA", "VKO_GOSTR3410_2012",
 *                   "ECC", "IBSDH", "IBC", "NULL"; "any" for TLS 1.3
 *   authentication  "RSA", "DSS", "ECDSA", "anon", "PSK", "RSA_PSK", "SRP",
 *                   "KRB5", "SM2", "GOSTR3410_2012", "NULL", ...; "any" for 1.3
 *   encryption      the cipher part of the name: "RC4_128", "AES_128_GCM",
 *                   "3DES_EDE_CBC", "CHACHA20_POLY1305", "NULL"
 *   cipher          "RC4", "AES", "3DES", "DES", "CHACHA20", "CAMELLIA", "ARIA",
 *                   "SEED", "IDEA", "RC2", "SM4", "SM1", "GOST28147",
 *                   "KUZNYECHIK", "MAGMA", "SKIPJACK", "SALSA20", "NULL"
 *   key_bits        effective key size: 128, 256, 168 (3DES), 56 (DES),
 *                   40 (export), 0 for NULL
 *   mode            "stream", "CBC", "GCM", "CCM", "CCM_8", "POLY1305", "CTR",
 *                   "CNT", "MGM", "none"
 *   mac             HMAC hash for MAC-then-encrypt suites ("SHA1", "SHA256",
 *                   "SHA384", "MD5", "SM3", "GOSTR3411"), the GOST MACs
 *                   ("GOST28147_IMIT", "OMAC"), "NULL" for no integrity; for
 *                   AEAD suites the PRF hash ("SHA256", "SHA384", "SM3",
 *                   "GOSTR341112_256")
 * Signalling values (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV)
 * and GREASE values have every algorithm field "none". An unknown code has
 * every string field "unknown".
 */
#ifndef TSC_REGISTRY_SUITE_H
#define TSC_REGISTRY_SUITE_H

#include <stddef.h>
#include <stdint.h>

struct tsc_suite_info {
    uint16_t code;
    const char *name;        /* registry name, or NULL if unknown */
    char protocol[8];        /* "TLS", "SSL", "GMTLS" */
    char key_exchange[24];   /* "ECDHE", "DHE", "RSA", ...; TLS 1.3: "any" */
    char authentication[24]; /* "RSA", "ECDSA", "DSS", "anon", "PSK", ...; TLS 1.3: "any" */
    char encryption[32];     /* cipher as in the name: "RC4_128", "AES_128_GCM" */
    char cipher[16];         /* algorithm: "RC4", "AES", "3DES", ... */
    unsigned key_bits;       /* 128, 256, 168 for 3DES, 40 for export, 0 for NULL */
    char mode[16];           /* "stream", "CBC", "GCM", "CCM", "CCM_8", "POLY1305", ... */
    char mac[24];            /* HMAC hash, or for AEAD suites the PRF hash */
    int aead;                /* 1 for GCM, CCM, ChaCha20-Poly1305, MGM */
    int tls13;               /* 1 for TLS 1.3 suites */
    int signalling;          /* 1 for SCSVs */
    int grease;              /* 1 for RFC 8701 GREASE values */
    int is_export;           /* 1 for *_EXPORT* suites */
};

/*
 * Fill *out with the meaning of `code`. Returns 1 if the code is in the
 * registry or is GREASE, 0 if unknown (then name is NULL and every string
 * field is "unknown"). A registry name this parser cannot read still returns
 * 1 with its name, and "unknown" in the fields it could not fill.
 */
int tsc_suite_describe(uint16_t code, struct tsc_suite_info *out);

/* Weak properties of a suite as bits, from a table built once (describing
 * suites parses their names: too slow for every offered suite of every
 * ClientHello). */
#define TSC_SUITE_F_RC4 0x01
#define TSC_SUITE_F_3DES 0x02
#define TSC_SUITE_F_DES 0x04
#define TSC_SUITE_F_NULL 0x08
#define TSC_SUITE_F_EXPORT 0x10
#define TSC_SUITE_F_ANON 0x20
uint8_t tsc_suite_flags(uint16_t code);

/*
 * One human line:
 *   "key exchange ECDHE, authentication RSA, encryption RC4 128-bit stream,
 *    integrity HMAC-SHA1"
 *   "key exchange ECDHE, authentication RSA, encryption AES 128-bit GCM (AEAD),
 *    PRF hash SHA-256"
 *   "TLS 1.3 suite: encryption AES 128-bit GCM (AEAD), hash SHA-256; key
 *    exchange and authentication negotiated separately"
 * Export suites end with "; export-grade". Writes at most n bytes, always
 * NUL-terminated when n > 0 (silently truncated); returns out.
 */
char *tsc_suite_meaning(const struct tsc_suite_info *info, char *out, size_t n);

/* "RC4 128-bit stream", "AES 128-bit GCM", "CHACHA20-POLY1305 256-bit",
   "none" (NULL cipher, SCSV, GREASE), "unknown". Same buffer rules. */
char *tsc_suite_encryption_text(const struct tsc_suite_info *info, char *out, size_t n);

/* "HMAC-SHA1", "HMAC-SHA256", "AEAD", "GOST28147-89 IMIT", "OMAC",
   "none" (no integrity, SCSV, GREASE), "unknown". Same buffer rules. */
char *tsc_suite_mac_text(const struct tsc_suite_info *info, char *out, size_t n);

#endif
