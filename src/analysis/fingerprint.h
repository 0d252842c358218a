/*
 * fingerprint.h - JA3, JA3S and JA4 fingerprints of decoded hellos.
 *
 * Pure functions of a decoded struct tsc_client_hello / tsc_server_hello
 * (tls/msg.h): no state, no I/O, nothing allocated by tlsscope (OpenSSL's EVP
 * allocates its digest context internally and it is freed before return).
 *
 * JA3 (Salesforce), as tshark 4.0's tls.handshake.ja3_full / ja3 compute it:
 *   SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
 *   - decimal numbers, each list joined by '-', the five fields by ',';
 *   - SSLVersion is the ClientHello legacy_version (never supported_versions);
 *   - RFC 8701 GREASE values are left out of the cipher, extension and group
 *     lists (point formats are 8-bit and cannot be GREASE);
 *   - an absent list is an empty field: a hello without extensions gives
 *     "769,47-53,,," and one without supported_groups "771,...,0-11,,0";
 *   - groups and point formats come from the first supported_groups (10) and
 *     ec_point_formats (11) extension, read from its raw body as tshark reads
 *     it: if the list's length prefix fits in the body, every whole item in
 *     the list counts, even when the list is malformed (odd length, bytes
 *     after it) and tlsscope's decoder kept the extension as RAW;
 *   - MD5 of the string, 32 lowercase hex digits.
 *   One difference from tshark, on purpose: a hello that repeats
 *   supported_groups (illegal, RFC 8446 4.2) gives the first list here, where
 *   tshark 4.0 appends ",<second list>" and so writes six fields.
 * JA3S, as tshark's ja3s_full / ja3s: SSLVersion,Cipher,Extensions with the
 *   ServerHello legacy_version (0x0303 for TLS 1.3), the selected suite, and
 *   the extension types (GREASE left out, as tshark does); MD5 as above.
 *
 * JA4 (FoxIO, BSD-3, technical_details/JA4.md):
 *   P VV S CC EE AA _ hash12(ciphers) _ hash12(extensions[_sigalgs])
 *   - P: 'd' for a hello decoded in the DTLS form (ch->dtls), else 't' (TLS
 *     over TCP); 'q' for QUIC, whose ClientHello is in the TLS form and so
 *     cannot tell: tsc_fp_client_quic() relabels a hello's fingerprints once
 *     its caller knows the connection is QUIC (the analysis does, from
 *     conn->transport).
 *   - VV: the highest non-GREASE supported_versions value when that extension
 *     is present, else legacy_version; 0x0304 "13", 0x0303 "12", 0x0302 "11",
 *     0x0301 "10", 0x0300 "s3", 0x0002 "s2", 0xfeff "d1", 0xfefd "d2",
 *     0xfefc "d3", anything else (drafts 0x7fNN, OpenSSL's pre-standard DTLS
 *     0x0100 too) "00". A supported_versions holding no value but GREASE (or
 *     none readable) gives "00". In a DTLS hello the highest is the newest:
 *     {0xfefc, 0xfefd} gives "d3", as Arkime computes it (FoxIO's Wireshark
 *     plugin and Zeek script take the largest number, "d2"; the spec says
 *     "highest", and its version table is ordered by version).
 *   - S: 'd' when a server_name extension is present (whatever it holds), 'i'.
 *   - CC, EE: non-GREASE cipher suites and extensions, counted with SNI and
 *     ALPN and duplicates, capped at 99.
 *   - AA: first and last byte of the first ALPN protocol name; if either is
 *     not ASCII alphanumeric, the first hex digit of the first byte and the
 *     last hex digit of the last byte ("\xba\xad" -> "bd"); "00" when there is
 *     no ALPN extension or its first name is empty or unreadable. The name is
 *     read from the extension's raw body, so a later malformed name does not
 *     hide a good first one.
 *   - ciphers: 4-digit lowercase hex, GREASE left out, sorted, ','-joined.
 *   - extensions: the same, also leaving out SNI (0000) and ALPN (0010); then,
 *     if the first signature_algorithms extension (13) lists any non-GREASE
 *     scheme, '_' and those schemes in wire order. hash12 = first 12 hex
 *     digits of SHA-256; an empty list hashes to "000000000000".
 *   - supported_versions and signature_algorithms are read from the raw body
 *     the way JA3's lists are (above), as tshark-based JA4 tools see them.
 *   ja4_r is the same with the lists themselves in place of the hashes.
 *   (FoxIO's published outputs of 2023-2024 print "99" for a non-ASCII ALPN
 *   where the current text of the spec, followed here, gives hex digits.)
 *
 * SSLv2-format ClientHellos (ch->sslv2) get no JA3 and no JA4: tshark gives no
 * ja3 for them, and FoxIO's tools none with meaning (they have no extensions,
 * and their 3-byte cipher kinds are not cipher suites). The functions return
 * TSC_FP_NONE with empty outputs.
 *
 * Outputs: every text buffer is always NUL-terminated (when its size is not
 * 0). A text that does not fit stops at the last whole item that fits and the
 * result has TSC_FP_CUT; the hash is computed over the whole text regardless,
 * so JA3's MD5 and all of JA4 stay right. Passing n == 0 (text NULL) asks for
 * the hash alone. TSC_FP_TEXT_MAX is large enough for any hello a real client
 * sends (about 1,000 cipher suites); hostile ones can exceed it.
 *
 * More extensions than tlsscope stores (ext.n > ext.stored, see
 * TSC_MAX_EXTENSIONS): the types of the unstored ones are not known, so the
 * fingerprints are computed from the stored ones and the result has
 * TSC_FP_INCOMPLETE: they are not the hello's true fingerprint, and a report
 * should show them as absent (null) rather than as values. Such a hello
 * repeats an extension type (there are fewer than 64 types in use) and is
 * malformed anyway.
 *
 * A hello that failed to decode part way (the `partial` hello of the session
 * layer) holds what was read before the error; these functions fingerprint
 * what it holds. Whether to show that is the caller's choice (tshark shows no
 * ja3 for a hello it could not dissect to the end).
 */
#ifndef TSC_ANALYSIS_FINGERPRINT_H
#define TSC_ANALYSIS_FINGERPRINT_H

#include <stddef.h>

#include "tls/msg.h"

/* Result bits (0: complete and exact). */
#define TSC_FP_OK 0
#define TSC_FP_NONE 0x1       /* nothing to fingerprint (SSLv2-format hello); outputs "" */
#define TSC_FP_CUT 0x2        /* a text output was cut short; hashes are still exact */
#define TSC_FP_INCOMPLETE 0x4 /* ext.n > ext.stored: computed from the stored extensions only */
#define TSC_FP_ERROR 0x8      /* OpenSSL could not hash; outputs "" */

#define TSC_FP_MD5_HEX 33   /* 32 hex digits + NUL */
#define TSC_FP_JA4_SIZE 37  /* "t13d1516h2_8daaf6152771_e5627efa2ab1" + NUL */
#define TSC_FP_TEXT_MAX 8192 /* a generous size for ja3 / ja3s / ja4_r texts */

/* JA3 of a ClientHello: the text into out[0..n) and its MD5 into md5hex. */
int tsc_fp_ja3(const struct tsc_client_hello *ch, char *out, size_t n, char md5hex[TSC_FP_MD5_HEX]);

/* JA3S of a ServerHello (or HelloRetryRequest): text and MD5. */
int tsc_fp_ja3s(const struct tsc_server_hello *sh, char *out, size_t n, char md5hex[TSC_FP_MD5_HEX]);

/* JA4 of a ClientHello into ja4, and its raw form (JA4_r) into ja4_r[0..n). */
int tsc_fp_ja4(const struct tsc_client_hello *ch, char ja4[TSC_FP_JA4_SIZE], char *ja4_r, size_t n);

/* Everything a report shows for one hello, in one call. */
struct tsc_fp_client {
    int ja3_status, ja4_status; /* TSC_FP_* bits of each */
    char ja3[TSC_FP_TEXT_MAX];
    char ja3_md5[TSC_FP_MD5_HEX];
    char ja4[TSC_FP_JA4_SIZE];
    char ja4_r[TSC_FP_TEXT_MAX];
};

struct tsc_fp_server {
    int ja3s_status;
    char ja3s[TSC_FP_TEXT_MAX];
    char ja3s_md5[TSC_FP_MD5_HEX];
};

void tsc_fp_client_hello(const struct tsc_client_hello *ch, struct tsc_fp_client *out);

/* The hello came in QUIC CRYPTO frames: JA4's and JA4_r's protocol letter
 * becomes 'q' (JA4.md: "q" for QUIC); nothing else of either changes. A
 * fingerprint that is empty, or not from a TLS-form hello ('t'), is left as
 * it is. */
void tsc_fp_client_quic(struct tsc_fp_client *fp);
void tsc_fp_server_hello(const struct tsc_server_hello *sh, struct tsc_fp_server *out);

/* 1 when a result with these bits should be shown as a value (not null). */
static inline int tsc_fp_usable(int status)
{
    return (status & (TSC_FP_NONE | TSC_FP_INCOMPLETE | TSC_FP_ERROR)) == 0;
}

/* Fetch the digests now (call before starting threads that fingerprint). */
void tsc_fp_prepare(void);

#endif
