/*
 * suite.c - cipher suite meanings, parsed from the registry names.
 * See suite.h for the contract and the vocabulary of the fields.
 *
 * A name is split at "_" into tokens (views into the static registry string):
 *   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256     prefix, kx, WITH, bulk, hash
 *   TLS_RSA_EXPORT_WITH_RC4_40_MD5            kx may end in EXPORT[1024]/FIPS
 *   TLS_AES_128_GCM_SHA256, TLS_SHA256_SHA256 TLS 1.3: no WITH
 *   ECDHE_SM4_CBC_SM3                         GM/T 0024: no prefix, no WITH
 * The bulk part is matched against cipher rules below; a trailing hash token
 * is the HMAC (or, for AEAD ciphers, the PRF hash). AEAD names without a
 * hash (the RFC 6655 / RFC 7251 CCM suites) use the SHA-256 PRF.
 */
#include "registry/suite.h"

#include <stdio.h>
#include <string.h>

#include "registry/registry.h"

#define TSC_SUITE_MAX_TOKENS 16

/* One "_"-separated token of a suite name or of a rule pattern. */
struct tsc_suite_tok {
    const char *p;
    size_t n;
};

/* Key exchange part of a name (between the prefix and WITH). */
struct tsc_suite_kx {
    const char *tokens;
    const char *key_exchange;
    const char *authentication;
};

static const struct tsc_suite_kx tsc_suite_kx_tls[] = {
    {"NULL", "NULL", "NULL"},
    {"RSA", "RSA", "RSA"},
    {"DH_DSS", "DH", "DSS"},
    {"DH_RSA", "DH", "RSA"},
    {"DH_anon", "DH", "anon"},
    {"DHE_DSS", "DHE", "DSS"},
    {"DHE_RSA", "DHE", "RSA"},
    {"ECDH_ECDSA", "ECDH", "ECDSA"},
    {"ECDH_RSA", "ECDH", "RSA"},
    {"ECDH_anon", "ECDH", "anon"},
    {"ECDHE_ECDSA", "ECDHE", "ECDSA"},
    {"ECDHE_RSA", "ECDHE", "RSA"},
    {"PSK", "PSK", "PSK"},
    {"DHE_PSK", "DHE_PSK", "PSK"},
    {"PSK_DHE", "DHE_PSK", "PSK"}, /* RFC 6655 spells 0xc0aa/0xc0ab this way */
    {"ECDHE_PSK", "ECDHE_PSK", "PSK"},
    {"RSA_PSK", "RSA_PSK", "RSA_PSK"},
    {"KRB5", "KRB5", "KRB5"},
    {"SRP_SHA", "SRP", "SRP"},
    {"SRP_SHA_RSA", "SRP", "RSA"},
    {"SRP_SHA_DSS", "SRP", "DSS"},
    {"ECCPWD", "ECCPWD", "ECCPWD"},
    {"ECJPAKE", "ECJPAKE", "ECJPAKE"},
    {"FORTEZZA_KEA", "FORTEZZA_KEA", "FORTEZZA"},
    {"GOSTR341094", "VKO_GOSTR3410_94", "GOSTR3410_94"},
    {"GOSTR341001", "VKO_GOSTR3410_2001", "GOSTR3410_2001"},
    {"GOSTR341112_256", "VKO_GOSTR3410_2012", "GOSTR3410_2012"},
};

/* GM/T 0024 names: the first token is the key exchange. */
static const struct tsc_suite_kx tsc_suite_kx_gm[] = {
    {"ECDHE", "ECDHE", "SM2"},
    {"ECC", "ECC", "SM2"},
    {"IBSDH", "IBSDH", "IBC"},
    {"IBC", "IBC", "IBC"},
    {"RSA", "RSA", "RSA"},
};

/* A trailing hash/MAC token and the `mac` it gives. */
struct tsc_suite_hash {
    const char *token;
    const char *mac;
};

static const struct tsc_suite_hash tsc_suite_hashes[] = {
    {"SHA", "SHA1"},       {"SHA1", "SHA1"},           {"MD5", "MD5"},
    {"SHA256", "SHA256"},  {"SHA384", "SHA384"},       {"SM3", "SM3"},
    {"GOSTR3411", "GOSTR3411"}, {"IMIT", "GOST28147_IMIT"}, {"OMAC", "OMAC"},
    {"NULL", "NULL"},
};

/*
 * Bulk cipher rules. In a pattern "#" is a key-size token and "@" a mode
 * token (CBC, GCM, CTR, CNT, CCM, CCM_8, MGM[_L|_S]); other tokens are
 * literal. A rule matches only if it consumes every bulk token.
 */
struct tsc_suite_cipher_rule {
    const char *pattern;
    const char *cipher;
    unsigned bits;    /* when the pattern has no "#" */
    const char *mode; /* when the pattern has no "@" */
};

static const struct tsc_suite_cipher_rule tsc_suite_cipher_rules[] = {
    {"NULL", "NULL", 0, "none"},
    {"RC4_#", "RC4", 0, "stream"},
    {"RC2_CBC_#", "RC2", 0, "CBC"},
    {"IDEA_CBC", "IDEA", 128, "CBC"},
    {"DES40_CBC", "DES", 40, "CBC"},
    {"DES_CBC", "DES", 56, "CBC"},
    {"DES_CBC_#", "DES", 0, "CBC"},
    {"3DES_EDE_CBC", "3DES", 168, "CBC"},
    {"AES_#_@", "AES", 0, NULL},
    {"CAMELLIA_#_@", "CAMELLIA", 0, NULL},
    {"ARIA_#_@", "ARIA", 0, NULL},
    {"SEED_CBC", "SEED", 128, "CBC"},
    {"CHACHA20_POLY1305", "CHACHA20", 256, "POLY1305"},
    {"28147_CNT", "GOST28147", 256, "CNT"},
    {"KUZNYECHIK_@", "KUZNYECHIK", 256, NULL},
    {"MAGMA_@", "MAGMA", 256, NULL},
    {"FORTEZZA_CBC", "SKIPJACK", 80, "CBC"},
    {"ESTREAM_SALSA20", "SALSA20", 256, "stream"},
    {"SALSA20", "SALSA20", 256, "stream"},
    {"SM4_@", "SM4", 128, NULL},
    {"SM1", "SM1", 128, "CBC"},
};

#define TSC_SUITE_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static size_t tsc_suite_name_split(const char *s, struct tsc_suite_tok *tok, size_t max)
{
    size_t count = 0;

    for (;;) {
        const char *sep = strchr(s, '_');
        size_t len = sep ? (size_t)(sep - s) : strlen(s);
        if (count == max)
            return 0;
        tok[count].p = s;
        tok[count].n = len;
        count++;
        if (sep == NULL)
            return count;
        s = sep + 1;
    }
}

static int tsc_suite_tok_is(struct tsc_suite_tok t, const char *lit)
{
    size_t len = strlen(lit);
    return t.n == len && memcmp(t.p, lit, len) == 0;
}

/* Do tokens [a, b) spell `lit` (joined by "_")? Tokens are contiguous. */
static int tsc_suite_span_is(const struct tsc_suite_tok *tok, size_t a, size_t b, const char *lit)
{
    size_t len = (size_t)(tok[b - 1].p + tok[b - 1].n - tok[a].p);
    return len == strlen(lit) && memcmp(tok[a].p, lit, len) == 0;
}

static void tsc_suite_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

static void tsc_suite_copy_span(char *dst, size_t n, const struct tsc_suite_tok *tok, size_t a,
                                size_t b)
{
    size_t len = (size_t)(tok[b - 1].p + tok[b - 1].n - tok[a].p);
    snprintf(dst, n, "%.*s", (int)len, tok[a].p);
}

static void tsc_suite_fields_set(struct tsc_suite_info *out, const char *s)
{
    tsc_suite_copy(out->key_exchange, sizeof out->key_exchange, s);
    tsc_suite_copy(out->authentication, sizeof out->authentication, s);
    tsc_suite_copy(out->encryption, sizeof out->encryption, s);
    tsc_suite_copy(out->cipher, sizeof out->cipher, s);
    tsc_suite_copy(out->mode, sizeof out->mode, s);
    tsc_suite_copy(out->mac, sizeof out->mac, s);
}

static const struct tsc_suite_hash *tsc_suite_hash_find(struct tsc_suite_tok t)
{
    size_t i;
    for (i = 0; i < TSC_SUITE_COUNT_OF(tsc_suite_hashes); i++)
        if (tsc_suite_tok_is(t, tsc_suite_hashes[i].token))
            return &tsc_suite_hashes[i];
    return NULL;
}

/* Key exchange tokens [a, b): sets key_exchange, authentication, is_export. */
static void tsc_suite_kx_parse(struct tsc_suite_info *out, const struct tsc_suite_tok *tok,
                               size_t a, size_t b, const struct tsc_suite_kx *table,
                               size_t table_len)
{
    size_t i;

    if (b > a && (tsc_suite_tok_is(tok[b - 1], "EXPORT") ||
                  tsc_suite_tok_is(tok[b - 1], "EXPORT1024"))) {
        out->is_export = 1;
        b--;
    } else if (b > a && tsc_suite_tok_is(tok[b - 1], "FIPS")) {
        b--;
    }
    if (b <= a)
        return;
    for (i = 0; i < table_len; i++) {
        if (tsc_suite_span_is(tok, a, b, table[i].tokens)) {
            tsc_suite_copy(out->key_exchange, sizeof out->key_exchange, table[i].key_exchange);
            tsc_suite_copy(out->authentication, sizeof out->authentication,
                           table[i].authentication);
            return;
        }
    }
}

/* A key size token: 1 to 4 decimal digits. */
static int tsc_suite_bits_parse(struct tsc_suite_tok t, unsigned *bits)
{
    unsigned v = 0;
    size_t i;

    if (t.n == 0 || t.n > 4)
        return 0;
    for (i = 0; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(t.p[i] - '0');
    }
    *bits = v;
    return v != 0;
}

/* A mode at e[*i]: consumes one or two tokens, writes the mode name. */
static int tsc_suite_mode_parse(const struct tsc_suite_tok *e, size_t m, size_t *i, char *mode,
                                size_t mode_len)
{
    static const char *const simple[] = {"CBC", "GCM", "CTR", "CNT"};
    size_t k;

    if (*i >= m)
        return 0;
    for (k = 0; k < TSC_SUITE_COUNT_OF(simple); k++) {
        if (tsc_suite_tok_is(e[*i], simple[k])) {
            tsc_suite_copy(mode, mode_len, simple[k]);
            *i += 1;
            return 1;
        }
    }
    if (tsc_suite_tok_is(e[*i], "CCM")) {
        *i += 1;
        if (*i < m && tsc_suite_tok_is(e[*i], "8")) {
            *i += 1;
            tsc_suite_copy(mode, mode_len, "CCM_8");
        } else {
            tsc_suite_copy(mode, mode_len, "CCM");
        }
        return 1;
    }
    if (tsc_suite_tok_is(e[*i], "MGM")) {
        /* RFC 9367: _L and _S name the re-keying variant, not the mode. */
        *i += 1;
        if (*i < m && (tsc_suite_tok_is(e[*i], "L") || tsc_suite_tok_is(e[*i], "S")))
            *i += 1;
        tsc_suite_copy(mode, mode_len, "MGM");
        return 1;
    }
    return 0;
}

/* Match bulk tokens e[0, m) against one rule; fill cipher, key_bits, mode. */
static int tsc_suite_rule_match(const struct tsc_suite_cipher_rule *rule,
                                const struct tsc_suite_tok *e, size_t m,
                                struct tsc_suite_info *out)
{
    struct tsc_suite_tok pat[TSC_SUITE_MAX_TOKENS];
    size_t np = tsc_suite_name_split(rule->pattern, pat, TSC_SUITE_MAX_TOKENS);
    size_t i = 0, k;
    unsigned bits = rule->bits;
    char mode[sizeof out->mode];

    tsc_suite_copy(mode, sizeof mode, rule->mode ? rule->mode : "unknown");
    for (k = 0; k < np; k++) {
        if (tsc_suite_tok_is(pat[k], "#")) {
            if (i >= m || !tsc_suite_bits_parse(e[i], &bits))
                return 0;
            i++;
        } else if (tsc_suite_tok_is(pat[k], "@")) {
            if (!tsc_suite_mode_parse(e, m, &i, mode, sizeof mode))
                return 0;
        } else {
            if (i >= m || pat[k].n != e[i].n || memcmp(pat[k].p, e[i].p, e[i].n) != 0)
                return 0;
            i++;
        }
    }
    if (i != m)
        return 0;
    tsc_suite_copy(out->cipher, sizeof out->cipher, rule->cipher);
    tsc_suite_copy(out->mode, sizeof out->mode, mode);
    out->key_bits = bits;
    return 1;
}

static int tsc_suite_mode_is_aead(const char *mode)
{
    return strcmp(mode, "GCM") == 0 || strcmp(mode, "CCM") == 0 || strcmp(mode, "CCM_8") == 0 ||
           strcmp(mode, "POLY1305") == 0 || strcmp(mode, "MGM") == 0;
}

/* Bulk tokens e[0, m) (after WITH, or after the prefix for TLS 1.3). */
static void tsc_suite_bulk_parse(struct tsc_suite_info *out, const struct tsc_suite_tok *e,
                                 size_t m)
{
    const struct tsc_suite_hash *hash = NULL;
    size_t cm = m, i;
    int matched = 0;

    if (m == 0)
        return;
    if (m >= 2) {
        hash = tsc_suite_hash_find(e[m - 1]);
        if (hash)
            cm = m - 1;
    }
    for (i = 0; i < TSC_SUITE_COUNT_OF(tsc_suite_cipher_rules) && !matched; i++)
        matched = tsc_suite_rule_match(&tsc_suite_cipher_rules[i], e, cm, out);
    if (matched) {
        tsc_suite_copy_span(out->encryption, sizeof out->encryption, e, 0, cm);
    } else if (hash && cm == 1 && tsc_suite_hash_find(e[0])) {
        /* RFC 9150 TLS_SHA256_SHA256: integrity only, no cipher. */
        tsc_suite_copy(out->encryption, sizeof out->encryption, "NULL");
        tsc_suite_copy(out->cipher, sizeof out->cipher, "NULL");
        tsc_suite_copy(out->mode, sizeof out->mode, "none");
        out->key_bits = 0;
    } else {
        return;
    }
    out->aead = tsc_suite_mode_is_aead(out->mode);
    if (hash)
        tsc_suite_copy(out->mac, sizeof out->mac, hash->mac);
    else if (out->aead)
        tsc_suite_copy(out->mac, sizeof out->mac,
                       strcmp(out->mode, "MGM") == 0 ? "GOSTR341112_256" : "SHA256");
}

static void tsc_suite_name_parse(struct tsc_suite_info *out)
{
    struct tsc_suite_tok tok[TSC_SUITE_MAX_TOKENS];
    size_t n = tsc_suite_name_split(out->name, tok, TSC_SUITE_MAX_TOKENS);
    size_t start = 0, with = 0, i;
    int gm = 0;

    if (n == 0)
        return;
    if (tsc_suite_tok_is(tok[0], "TLS") || tsc_suite_tok_is(tok[0], "SSL")) {
        tsc_suite_copy_span(out->protocol, sizeof out->protocol, tok, 0, 1);
        start = 1;
    } else {
        tsc_suite_copy(out->protocol, sizeof out->protocol, "GMTLS");
        gm = 1;
    }
    if (tsc_suite_tok_is(tok[n - 1], "SCSV")) {
        out->signalling = 1;
        tsc_suite_fields_set(out, "none");
        return;
    }
    for (i = start; i < n; i++) {
        if (tsc_suite_tok_is(tok[i], "WITH")) {
            with = i;
            break;
        }
    }
    if (with > start) {
        tsc_suite_kx_parse(out, tok, start, with, tsc_suite_kx_tls,
                           TSC_SUITE_COUNT_OF(tsc_suite_kx_tls));
        tsc_suite_bulk_parse(out, tok + with + 1, n - with - 1);
        /* RFC 9367: the GOST MGM suites exist only in TLS 1.3. */
        if (strcmp(out->mode, "MGM") == 0)
            out->tls13 = 1;
    } else if (gm && n >= 2) {
        tsc_suite_kx_parse(out, tok, 0, 1, tsc_suite_kx_gm, TSC_SUITE_COUNT_OF(tsc_suite_kx_gm));
        tsc_suite_bulk_parse(out, tok + 1, n - 1);
    } else if (!gm && n > start) {
        out->tls13 = 1;
        tsc_suite_bulk_parse(out, tok + start, n - start);
    }
    if (out->tls13) {
        tsc_suite_copy(out->key_exchange, sizeof out->key_exchange, "any");
        tsc_suite_copy(out->authentication, sizeof out->authentication, "any");
    }
}

static int suite_describe_uncached(uint16_t code, struct tsc_suite_info *out)
{
    memset(out, 0, sizeof *out);
    out->code = code;
    out->name = tsc_reg_name(TSC_REG_CIPHER_SUITE, code);
    tsc_suite_copy(out->protocol, sizeof out->protocol, "unknown");
    tsc_suite_fields_set(out, "unknown");
    if (tsc_reg_is_grease(code)) {
        out->grease = 1;
        tsc_suite_copy(out->protocol, sizeof out->protocol, "TLS");
        tsc_suite_fields_set(out, "none");
        return 1;
    }
    if (out->name == NULL)
        return 0;
    tsc_suite_name_parse(out);
    return 1;
}

/* Parsing the name costs microseconds and every connection asks for the
 * suites it offers: the answers are kept per thread, direct-mapped. */
#define SUITE_CACHE 256
struct suite_cached {
    uint8_t valid;
    int ret;
    struct tsc_suite_info info;
};

int tsc_suite_describe(uint16_t code, struct tsc_suite_info *out)
{
    static _Thread_local struct suite_cached cache[SUITE_CACHE];
    struct suite_cached *e = &cache[(code ^ (code >> 8)) & (SUITE_CACHE - 1)];
    if (!e->valid || e->info.code != code) {
        e->ret = suite_describe_uncached(code, &e->info);
        e->valid = 1;
    }
    *out = e->info;
    return e->ret;
}

static int tsc_suite_is_unknown(const struct tsc_suite_info *info)
{
    return info->name == NULL && !info->grease;
}

/* "SHA-256" for "SHA256": the hash as people write it. */
static const char *tsc_suite_hash_text(const char *mac)
{
    if (strcmp(mac, "SHA1") == 0)
        return "SHA-1";
    if (strcmp(mac, "SHA256") == 0)
        return "SHA-256";
    if (strcmp(mac, "SHA384") == 0)
        return "SHA-384";
    if (strcmp(mac, "GOSTR341112_256") == 0)
        return "GOST R 34.11-2012 256-bit";
    return mac;
}

char *tsc_suite_encryption_text(const struct tsc_suite_info *info, char *out, size_t n)
{
    if (n == 0)
        return out;
    if (tsc_suite_is_unknown(info) || strcmp(info->cipher, "unknown") == 0)
        snprintf(out, n, "unknown");
    else if (info->signalling || info->grease || strcmp(info->cipher, "NULL") == 0)
        snprintf(out, n, "none");
    else if (strcmp(info->mode, "POLY1305") == 0)
        snprintf(out, n, "%s-POLY1305 %u-bit", info->cipher, info->key_bits);
    else
        snprintf(out, n, "%s %u-bit %s", info->cipher, info->key_bits, info->mode);
    return out;
}

char *tsc_suite_mac_text(const struct tsc_suite_info *info, char *out, size_t n)
{
    if (n == 0)
        return out;
    if (tsc_suite_is_unknown(info) || strcmp(info->mac, "unknown") == 0)
        snprintf(out, n, "unknown");
    else if (info->signalling || info->grease || strcmp(info->mac, "NULL") == 0)
        snprintf(out, n, "none");
    else if (info->aead)
        snprintf(out, n, "AEAD");
    else if (strcmp(info->mac, "GOST28147_IMIT") == 0)
        snprintf(out, n, "GOST28147-89 IMIT");
    else if (strcmp(info->mac, "OMAC") == 0)
        snprintf(out, n, "OMAC");
    else
        snprintf(out, n, "HMAC-%s", info->mac);
    return out;
}

char *tsc_suite_meaning(const struct tsc_suite_info *info, char *out, size_t n)
{
    char enc[64], mac[32];
    const char *exp = info->is_export ? "; export-grade" : "";

    if (n == 0)
        return out;
    if (tsc_suite_is_unknown(info)) {
        snprintf(out, n, "unknown cipher suite");
        return out;
    }
    if (info->grease) {
        snprintf(out, n, "GREASE value (RFC 8701), not a real cipher suite: reserved so that "
                         "peers learn to tolerate values they do not recognise");
        return out;
    }
    if (info->signalling) {
        const char *what = "";
        if (info->code == 0x00ff)
            what = ": the client supports secure renegotiation (RFC 5746)";
        else if (info->code == 0x5600)
            what = ": the client is retrying with a lower protocol version (RFC 7507)";
        snprintf(out, n, "signalling value, not a real cipher suite%s", what);
        return out;
    }
    tsc_suite_encryption_text(info, enc, sizeof enc);
    tsc_suite_mac_text(info, mac, sizeof mac);
    if (info->tls13 && info->aead)
        snprintf(out, n,
                 "TLS 1.3 suite: encryption %s (AEAD), hash %s; key exchange and "
                 "authentication negotiated separately",
                 enc, tsc_suite_hash_text(info->mac));
    else if (info->tls13)
        snprintf(out, n,
                 "TLS 1.3 suite: encryption %s, integrity %s, hash %s; key exchange and "
                 "authentication negotiated separately",
                 enc, mac, tsc_suite_hash_text(info->mac));
    else if (info->aead)
        snprintf(out, n, "key exchange %s, authentication %s, encryption %s (AEAD), PRF hash %s%s",
                 info->key_exchange, info->authentication, enc,
                 tsc_suite_hash_text(info->mac), exp);
    else
        snprintf(out, n, "key exchange %s, authentication %s, encryption %s, integrity %s%s",
                 info->key_exchange, info->authentication, enc, mac, exp);
    return out;
}

uint8_t tsc_suite_flags(uint16_t code)
{
    static uint8_t table[65536];
    static int built;
    if (!built) {
        size_t n = tsc_reg_count(TSC_REG_CIPHER_SUITE);
        for (size_t i = 0; i < n; i++) {
            uint16_t c = tsc_reg_code_at(TSC_REG_CIPHER_SUITE, i);
            struct tsc_suite_info si;
            if (!tsc_suite_describe(c, &si) || si.signalling || si.grease)
                continue;
            uint8_t f = 0;
            if (strcmp(si.cipher, "RC4") == 0)
                f |= TSC_SUITE_F_RC4;
            if (strcmp(si.cipher, "3DES") == 0)
                f |= TSC_SUITE_F_3DES;
            if (strcmp(si.cipher, "DES") == 0)
                f |= TSC_SUITE_F_DES;
            if (strcmp(si.cipher, "NULL") == 0)
                f |= TSC_SUITE_F_NULL;
            if (si.is_export)
                f |= TSC_SUITE_F_EXPORT;
            if (strcmp(si.authentication, "anon") == 0)
                f |= TSC_SUITE_F_ANON;
            table[c] = f;
        }
        built = 1;
    }
    return table[code];
}
