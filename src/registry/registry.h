/*
 * registry.h - names of TLS code points (cipher suites, extensions, groups,
 * signature schemes, handshake types, alerts, content types, versions).
 *
 * The tables are generated at build time by scripts/gen_registry.sh from
 * data/registry/<stem>.tsv (one `code<TAB>name` row per code point), so a new
 * code point is one line in a data file. Each table is sorted by code and
 * looked up by binary search; where a data file lists a code twice, the later
 * row won at generation time.
 *
 * Contract:
 *   - Every returned string is static (lives for the whole program), is never
 *     to be freed, and is plain data from the registry file: callers that
 *     print it must still escape it like any other text.
 *   - tsc_reg_name() gives the registry's name ("Client Hello",
 *     "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "x25519"); tsc_reg_snake() gives its
 *     snake_case form ("client_hello", "tls_ecdhe_rsa_with_rc4_128_sha"),
 *     meant for JSON keys and values. Both return NULL for a code the table
 *     does not hold, and for a `reg` outside the enum.
 *   - GREASE (RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa) is recognised by
 *     tsc_reg_is_grease() from the value alone. In the 16-bit registries that
 *     RFC 8701 reserves GREASE in (cipher suites, extensions, groups, signature
 *     schemes, versions), a GREASE code the table lacks is still named
 *     "Reserved (GREASE)" / "reserved_grease". The 8-bit registries (handshake,
 *     alert, content type) never name a GREASE value.
 *   - tsc_reg_count() and tsc_reg_code_at() expose the table itself (for tests
 *     and listings): codes are strictly ascending in i, for i < count.
 */
#ifndef TSC_REGISTRY_REGISTRY_H
#define TSC_REGISTRY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

enum tsc_reg {
    TSC_REG_CIPHER_SUITE, /* cipher_suites.tsv */
    TSC_REG_EXTENSION,    /* extension_types.tsv */
    TSC_REG_GROUP,        /* supported_groups.tsv */
    TSC_REG_SIGSCHEME,    /* signature_schemes.tsv */
    TSC_REG_HANDSHAKE,    /* handshake_types.tsv */
    TSC_REG_ALERT,        /* alert_descriptions.tsv */
    TSC_REG_CONTENT_TYPE, /* content_types.tsv */
    TSC_REG_VERSION,      /* protocol_versions.tsv */
    TSC_REG_SRTP_PROFILE, /* srtp_protection_profiles.tsv (use_srtp, RFC 5764) */
    TSC_REG_COUNT
};

/* Registry name of `code`, or NULL if unknown. */
const char *tsc_reg_name(enum tsc_reg reg, uint16_t code);

/* snake_case form of the registry name, or NULL if unknown. */
const char *tsc_reg_snake(enum tsc_reg reg, uint16_t code);

/* 1 if `code` is an RFC 8701 GREASE value (0x?a?a with equal bytes). */
int tsc_reg_is_grease(uint16_t code);

/* Number of entries in the table (0 for a `reg` outside the enum). */
size_t tsc_reg_count(enum tsc_reg reg);

/* Code of the i-th entry, ascending; only meaningful for i < tsc_reg_count(). */
uint16_t tsc_reg_code_at(enum tsc_reg reg, size_t i);

/*
 * Internal: the generated tables (${build}/gen/registry_tables.c), one pair
 * per data/registry/<stem>.tsv. Declared here so the compiler checks the
 * generated definitions against them; use the functions above instead.
 */
struct tsc_reg_entry {
    uint16_t code;
    const char *name;
    const char *snake;
};

extern const struct tsc_reg_entry tsc_reg_gen_cipher_suites[];
extern const size_t tsc_reg_gen_cipher_suites_count;
extern const struct tsc_reg_entry tsc_reg_gen_extension_types[];
extern const size_t tsc_reg_gen_extension_types_count;
extern const struct tsc_reg_entry tsc_reg_gen_supported_groups[];
extern const size_t tsc_reg_gen_supported_groups_count;
extern const struct tsc_reg_entry tsc_reg_gen_signature_schemes[];
extern const size_t tsc_reg_gen_signature_schemes_count;
extern const struct tsc_reg_entry tsc_reg_gen_handshake_types[];
extern const size_t tsc_reg_gen_handshake_types_count;
extern const struct tsc_reg_entry tsc_reg_gen_alert_descriptions[];
extern const size_t tsc_reg_gen_alert_descriptions_count;
extern const struct tsc_reg_entry tsc_reg_gen_content_types[];
extern const size_t tsc_reg_gen_content_types_count;
extern const struct tsc_reg_entry tsc_reg_gen_protocol_versions[];
extern const size_t tsc_reg_gen_protocol_versions_count;
extern const struct tsc_reg_entry tsc_reg_gen_srtp_protection_profiles[];
extern const size_t tsc_reg_gen_srtp_protection_profiles_count;

#endif
