/*
 * x509.c - certificate summaries through OpenSSL 3. The contract is in x509.h.
 *
 * OpenSSL does the ASN.1; this file only decides what to copy out and how to
 * spell it. Every string goes through one bounded writer (struct strbuf),
 * which cuts at NUL bytes and marks overflow with "...". Every OpenSSL object
 * made here is freed before the function that made it returns, and the
 * OpenSSL error queue is cleared on the way out of tsc_x509_summarize().
 */
#include "x509/x509.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/cursor.h"

/* RFC 8446 section 6.2: what a TLS peer sends for a certificate it cannot use. */
#define TSC_X509_ALERT_BAD_CERTIFICATE 42

#define BAD_CERT_ERR(why) \
    tsc_err_at(TSC_MALFORMED, TSC_X509_ALERT_BAD_CERTIFICATE, (why), __FILE__, __LINE__)

/* ---- bounded string writer ------------------------------------------------ */

/* Writes into buf[0..cap), always NUL-terminated; cap is at least 4. */
struct strbuf {
    char *buf;
    size_t cap;
    size_t len;
    int cut; /* something did not fit; the text ends in "..." */
};

static struct strbuf sb_make(char *buf, size_t cap)
{
    struct strbuf sb = {buf, cap, 0, 0};
    buf[0] = '\0';
    return sb;
}

/* Append n bytes of src, stopping at the first NUL byte. On overflow keep what
 * fits, step back to the start of a UTF-8 sequence, and end with "...". */
static void sb_put(struct strbuf *sb, const void *src, size_t n)
{
    const unsigned char *s = src;
    size_t k = 0;
    size_t room, cut;

    if (sb->cut || n == 0)
        return;
    while (k < n && s[k] != 0)
        k++;
    n = k;
    room = sb->cap - 1 - sb->len;
    if (n <= room) {
        memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = '\0';
        return;
    }
    sb->cut = 1;
    cut = sb->cap - 4; /* where "..." goes */
    /* If the byte at the cut continues a multi-byte UTF-8 sequence, move the
     * cut back to that sequence's first byte (at most 3 steps) so the
     * sequence goes whole. Positions below len are in buf, the rest in s;
     * len + n > cap - 1 > cut, so s[cut - len] is in range. */
    for (k = 0; k < 3 && cut > 0; k++) {
        unsigned char at = cut < sb->len ? (unsigned char)sb->buf[cut] : s[cut - sb->len];

        if ((at & 0xC0) != 0x80)
            break;
        cut--;
    }
    if (cut > sb->len)
        memcpy(sb->buf + sb->len, s, cut - sb->len);
    memcpy(sb->buf + cut, "...", 4);
    sb->len = cut + 3;
}

static void sb_puts(struct strbuf *sb, const char *s) { sb_put(sb, s, strlen(s)); }

static void sb_hex(struct strbuf *sb, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char two[2];

    for (size_t i = 0; i < n && !sb->cut; i++) {
        two[0] = digits[p[i] >> 4];
        two[1] = digits[p[i] & 0x0f];
        sb_put(sb, two, 2);
    }
}

/* ---- ASN.1 pieces as text ------------------------------------------------- */

/* OID as OpenSSL's short name ("CN", "emailAddress"), else dotted. */
static void put_oid_short(struct strbuf *sb, const ASN1_OBJECT *obj)
{
    char tmp[128];
    int nid = OBJ_obj2nid(obj);
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    int n;

    if (sn != NULL) {
        sb_puts(sb, sn);
        return;
    }
    n = OBJ_obj2txt(tmp, (int)sizeof tmp, obj, 1);
    if (n <= 0) {
        sb_puts(sb, "?");
        return;
    }
    sb_puts(sb, tmp);
    if ((size_t)n >= sizeof tmp)
        sb_puts(sb, "...");
}

/* OID as `openssl x509 -text` names it (long name, else short, else dotted). */
static void put_oid_long(struct strbuf *sb, const ASN1_OBJECT *obj)
{
    char tmp[128];
    int n = OBJ_obj2txt(tmp, (int)sizeof tmp, obj, 0);

    if (n <= 0) {
        sb_puts(sb, "?");
        return;
    }
    sb_puts(sb, tmp);
    if ((size_t)n >= sizeof tmp)
        sb_puts(sb, "...");
}

/* Character-string types whose bytes are text of some kind. */
static int is_char_string(int type)
{
    switch (type) {
    case V_ASN1_UTF8STRING:
    case V_ASN1_NUMERICSTRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_T61STRING:
    case V_ASN1_VIDEOTEXSTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_GRAPHICSTRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_GENERALSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_BMPSTRING:
        return 1;
    default:
        return 0;
    }
}

/* A string value: BMP/Universal/T61 converted to UTF-8 when that works, other
 * character strings as raw bytes, anything else as "#" + hex. */
static void put_asn1_text(struct strbuf *sb, const ASN1_STRING *s)
{
    const unsigned char *data;
    unsigned char *utf8 = NULL;
    int type, n, un;

    if (s == NULL)
        return;
    type = ASN1_STRING_type(s);
    data = ASN1_STRING_get0_data(s);
    n = ASN1_STRING_length(s);
    if (data == NULL || n <= 0)
        goto out;
    if (!is_char_string(type)) {
        sb_puts(sb, "#");
        sb_hex(sb, data, (size_t)n);
        goto out;
    }
    if (type == V_ASN1_BMPSTRING || type == V_ASN1_UNIVERSALSTRING || type == V_ASN1_T61STRING) {
        un = ASN1_STRING_to_UTF8(&utf8, s);
        if (un >= 0 && utf8 != NULL) {
            sb_put(sb, utf8, (size_t)un);
            goto out;
        }
    }
    sb_put(sb, data, (size_t)n);
out:
    OPENSSL_free(utf8);
}

/* RFC 2253 order: last RDN first, "," between RDNs, "+" inside one. */
static void put_name(struct strbuf *sb, const X509_NAME *name)
{
    int count = X509_NAME_entry_count(name);
    int prev_set = -1;

    for (int i = count - 1; i >= 0; i--) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set;

        if (e == NULL)
            continue;
        set = X509_NAME_ENTRY_set(e);
        if (i != count - 1)
            sb_puts(sb, set == prev_set ? "+" : ",");
        prev_set = set;
        put_oid_short(sb, X509_NAME_ENTRY_get_object(e));
        sb_puts(sb, "=");
        put_asn1_text(sb, X509_NAME_ENTRY_get_data(e));
    }
}

/* The attributes one by one in DER order into a packed NUL-separated
 * buffer (x509.h: subject_rdns); a prefix of them when it fills. */
static void put_rdns(char *buf, size_t cap, uint16_t *count, int *truncated, const X509_NAME *name)
{
    size_t used = 0;
    int prev_set = -1;

    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        char entry[TSC_X509_STR];
        struct strbuf sb = sb_make(entry, sizeof entry);
        int set;

        if (e == NULL)
            continue;
        set = X509_NAME_ENTRY_set(e);
        if (i > 0 && set == prev_set)
            sb_puts(&sb, "+");
        prev_set = set;
        put_oid_short(&sb, X509_NAME_ENTRY_get_object(e));
        sb_puts(&sb, "=");
        put_asn1_text(&sb, X509_NAME_ENTRY_get_data(e));
        if (sb.len + 1 > cap - used || *count == UINT16_MAX) {
            *truncated = 1;
            return;
        }
        memcpy(buf + used, entry, sb.len + 1);
        used += sb.len + 1;
        (*count)++;
        if (sb.cut)
            *truncated = 1;
    }
}

/* The CN shown first in the RFC 2253 string: the last one in DER order. */
static void put_cn(struct strbuf *sb, const X509_NAME *name)
{
    for (int i = X509_NAME_entry_count(name) - 1; i >= 0; i--) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

        if (e != NULL && OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName) {
            put_asn1_text(sb, X509_NAME_ENTRY_get_data(e));
            return;
        }
    }
}

static void put_ipv4(struct strbuf *sb, const unsigned char *a)
{
    char tmp[16];

    snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    sb_puts(sb, tmp);
}

/* RFC 5952: lowercase, longest run (>= 2) of zero groups as "::", first run
 * on ties; IPv4-mapped addresses as ::ffff:a.b.c.d. */
static void put_ipv6(struct strbuf *sb, const unsigned char *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned g[8];
    int best = -1, best_len = 0, run = -1;
    char tmp[8];

    if (memcmp(a, mapped, sizeof mapped) == 0) {
        sb_puts(sb, "::ffff:");
        put_ipv4(sb, a + 12);
        return;
    }
    for (int i = 0; i < 8; i++)
        g[i] = ((unsigned)a[2 * i] << 8) | a[2 * i + 1];
    for (int i = 0; i <= 8; i++) {
        if (i < 8 && g[i] == 0) {
            if (run < 0)
                run = i;
            continue;
        }
        if (run >= 0 && i - run >= 2 && i - run > best_len) {
            best = run;
            best_len = i - run;
        }
        run = -1;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            sb_puts(sb, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            sb_puts(sb, ":");
        snprintf(tmp, sizeof tmp, "%x", g[i]);
        sb_puts(sb, tmp);
    }
}

/* One GeneralName as "TYPE:value". */
static void put_general_name(struct strbuf *sb, const GENERAL_NAME *gn)
{
    const ASN1_OCTET_STRING *ip;
    const OTHERNAME *other;

    switch (gn->type) {
    case GEN_DNS:
        sb_puts(sb, "DNS:");
        put_asn1_text(sb, gn->d.dNSName);
        break;
    case GEN_EMAIL:
        sb_puts(sb, "email:");
        put_asn1_text(sb, gn->d.rfc822Name);
        break;
    case GEN_URI:
        sb_puts(sb, "URI:");
        put_asn1_text(sb, gn->d.uniformResourceIdentifier);
        break;
    case GEN_IPADD:
        sb_puts(sb, "IP:");
        ip = gn->d.iPAddress;
        if (ip == NULL)
            break;
        if (ASN1_STRING_length(ip) == 4)
            put_ipv4(sb, ASN1_STRING_get0_data(ip));
        else if (ASN1_STRING_length(ip) == 16)
            put_ipv6(sb, ASN1_STRING_get0_data(ip));
        else if (ASN1_STRING_length(ip) > 0)
            sb_hex(sb, ASN1_STRING_get0_data(ip), (size_t)ASN1_STRING_length(ip));
        break;
    case GEN_DIRNAME:
        sb_puts(sb, "DirName:");
        if (gn->d.directoryName != NULL)
            put_name(sb, gn->d.directoryName);
        break;
    case GEN_RID:
        sb_puts(sb, "RID:");
        if (gn->d.registeredID != NULL)
            put_oid_long(sb, gn->d.registeredID);
        break;
    case GEN_OTHERNAME:
        sb_puts(sb, "othername:");
        other = gn->d.otherName;
        if (other == NULL || other->type_id == NULL)
            break;
        put_oid_short(sb, other->type_id);
        sb_puts(sb, ":");
        if (other->value != NULL && is_char_string(other->value->type))
            put_asn1_text(sb, other->value->value.asn1_string);
        else
            sb_puts(sb, "<unsupported>");
        break;
    case GEN_X400:
        sb_puts(sb, "X400Name:<unsupported>");
        break;
    case GEN_EDIPARTY:
        sb_puts(sb, "EdiPartyName:<unsupported>");
        break;
    default:
        sb_puts(sb, "unknown:<unsupported>");
        break;
    }
}

/* ---- fields ---------------------------------------------------------------- */

static tsc_result put_serial(struct tsc_x509_summary *out, const ASN1_INTEGER *serial)
{
    tsc_result r = tsc_ok();
    struct strbuf sb = sb_make(out->serial, sizeof out->serial);
    BIGNUM *bn = NULL;
    char *hex = NULL;

    bn = serial != NULL ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    if (bn == NULL) {
        r = TSC_ERR(TSC_OPENSSL, "serial number does not convert to a number");
        goto out;
    }
    hex = BN_bn2hex(bn);
    if (hex == NULL) {
        r = TSC_ERR(TSC_OPENSSL, "serial number does not convert to hex");
        goto out;
    }
    if (BN_is_zero(bn)) {
        sb_puts(&sb, "00"); /* as `openssl x509 -serial` prints it; BN gives "0" */
        goto out;
    }
    for (char *c = hex; *c != '\0'; c++) {
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    }
    sb_puts(&sb, hex);
out:
    OPENSSL_free(hex);
    BN_free(bn);
    return r;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static tsc_result put_time(char *text, size_t cap, int64_t *epoch, const ASN1_TIME *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    /* ASN1_TIME_to_tm(NULL, ..) would mean "now": never pass NULL. */
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return BAD_CERT_ERR("validity time is not a valid UTCTime or GeneralizedTime");
    char tmp[96]; /* wide enough for any int fields, so the format cannot truncate */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    snprintf(text, cap, "%s", tmp);
    *epoch = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
             (int64_t)tm.tm_hour * 3600 + (int64_t)tm.tm_min * 60 + tm.tm_sec;
    return tsc_ok();
}

static void put_pubkey(struct tsc_x509_summary *out, const X509 *x)
{
    static const struct {
        const char *openssl, *ours;
    } names[] = {
        {"RSA", "RSA"},         {"RSA-PSS", "RSA-PSS"}, {"EC", "EC"},       {"ED25519", "Ed25519"},
        {"ED448", "Ed448"},     {"X25519", "X25519"},   {"X448", "X448"},   {"DSA", "DSA"},
        {"DH", "DH"},           {"DHX", "DH"},          {"SM2", "SM2"},
    };
    struct strbuf alg = sb_make(out->pubkey_algorithm, sizeof out->pubkey_algorithm);
    const EVP_PKEY *pk = X509_get0_pubkey(x); /* borrowed from x: not freed */
    ASN1_OBJECT *oid = NULL;
    int bits;

    if (pk != NULL) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (EVP_PKEY_is_a(pk, names[i].openssl)) {
                sb_puts(&alg, names[i].ours);
                break;
            }
        }
        bits = EVP_PKEY_get_bits(pk);
        out->pubkey_bits = bits > 0 ? bits : 0;
        if ((EVP_PKEY_is_a(pk, "EC") || EVP_PKEY_is_a(pk, "SM2")) &&
            !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, out->pubkey_curve,
                                            sizeof out->pubkey_curve, NULL))
            out->pubkey_curve[0] = '\0';
    }
    if (X509_PUBKEY_get0_param(&oid, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)) == 1 && oid != NULL) {
        struct strbuf on = sb_make(out->pubkey_oid_name, sizeof out->pubkey_oid_name);
        put_oid_long(&on, oid);
        if (alg.len == 0)
            put_oid_short(&alg, oid);
    }
    BIGNUM *e = NULL;
    if (pk != NULL && EVP_PKEY_is_a(pk, "RSA") && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
        char *dec = BN_bn2dec(e);
        if (dec != NULL && strlen(dec) < sizeof out->pubkey_exponent)
            memcpy(out->pubkey_exponent, dec, strlen(dec) + 1);
        OPENSSL_free(dec);
    }
    BN_free(e);
}

static void put_sigalg(struct tsc_x509_summary *out, const X509 *x)
{
    struct strbuf sb = sb_make(out->signature_algorithm, sizeof out->signature_algorithm);
    const ASN1_BIT_STRING *sig = NULL;
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *oid = NULL;

    X509_get0_signature(&sig, &alg, x);
    if (alg == NULL)
        return;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (oid != NULL)
        put_oid_long(&sb, oid);
}

/* Add one entry to san_buf. Returns 0 once san_buf is full: the caller then
 * stops, so the stored entries are always a prefix of the certificate's list. */
static int add_san(struct tsc_x509_summary *out, size_t *used, const GENERAL_NAME *gn)
{
    char entry[TSC_X509_STR];
    struct strbuf sb = sb_make(entry, sizeof entry);

    put_general_name(&sb, gn);
    if (sb.len + 1 > sizeof out->san_buf - *used || out->san_count == UINT16_MAX) {
        out->san_truncated = 1;
        return 0;
    }
    memcpy(out->san_buf + *used, entry, sb.len + 1);
    *used += sb.len + 1;
    out->san_count++;
    if (sb.cut)
        out->san_truncated = 1;
    return 1;
}

static void put_sans(struct tsc_x509_summary *out, const X509 *x)
{
    size_t used = 0;
    int idx = -1, room = 1;

    /* Every subjectAltName extension, not just the first (duplicates break
     * RFC 5280, but an analyser should still show what is there). */
    while (room && (idx = X509_get_ext_by_NID(x, NID_subject_alt_name, idx)) >= 0) {
        GENERAL_NAMES *gens = X509V3_EXT_d2i(X509_get_ext(x, idx));

        if (gens == NULL)
            continue;
        for (int i = 0; room && i < sk_GENERAL_NAME_num(gens); i++)
            room = add_san(out, &used, sk_GENERAL_NAME_value(gens, i));
        GENERAL_NAMES_free(gens);
    }
}

static void put_basic_constraints(struct tsc_x509_summary *out, const X509 *x)
{
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    long pl;

    out->path_len = -1;
    if (bc == NULL)
        return;
    out->has_basic_constraints = 1;
    out->is_ca = bc->ca != 0;
    if (bc->pathlen != NULL && (pl = ASN1_INTEGER_get(bc->pathlen)) >= 0 && pl <= INT_MAX)
        out->path_len = (int)pl;
    BASIC_CONSTRAINTS_free(bc);
}

static tsc_result put_digest(char *hex, size_t cap, const EVP_MD *md, size_t want, const uint8_t *der, size_t len)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    struct strbuf sb = sb_make(hex, cap);

    if (EVP_Digest(der, len, d, &dlen, md, NULL) != 1 || dlen != want)
        return TSC_ERR(TSC_OPENSSL, "a digest of the certificate failed");
    sb_hex(&sb, d, dlen);
    return tsc_ok();
}

/* Does the outer DER header claim more bytes than there are? Empty input and
 * a header cut in the middle count as "yes". Anything unusual (another tag,
 * indefinite or oversized length) is left for OpenSSL to reject. */
static int outer_is_cut(const uint8_t *der, size_t len)
{
    struct tsc_cursor c = tsc_cursor_make(der, len);
    uint8_t tag, first, b;
    size_t body = 0;

    if (!tsc_is_ok(tsc_cursor_u8(&c, &tag)))
        return 1;
    if (tag != 0x30)
        return 0;
    if (!tsc_is_ok(tsc_cursor_u8(&c, &first)))
        return 1;
    if (first < 0x80) {
        body = first;
    } else {
        unsigned n = first & 0x7fu;

        if (n == 0 || n > sizeof(size_t))
            return 0;
        for (unsigned i = 0; i < n; i++) {
            if (!tsc_is_ok(tsc_cursor_u8(&c, &b)))
                return 1;
            body = (body << 8) | b;
        }
    }
    return body > tsc_cursor_left(&c);
}

/* ---- API ------------------------------------------------------------------- */

tsc_result tsc_x509_summarize(const uint8_t *der, size_t len, struct tsc_x509_summary *out)
{
    tsc_result r = tsc_ok();
    const unsigned char *p = der;
    X509 *x = NULL;
    long version;

    if (out == NULL) {
        r = TSC_ERR(TSC_INTERNAL, "tsc_x509_summarize: no summary to fill");
        goto done;
    }
    memset(out, 0, sizeof *out);
    if (der == NULL && len > 0) {
        r = TSC_ERR(TSC_INTERNAL, "tsc_x509_summarize: NULL bytes with a length");
        goto done;
    }
    if (outer_is_cut(der, len)) {
        r = TSC_ERR(TSC_TRUNCATED, "certificate ends before its outer SEQUENCE does");
        goto done;
    }
    if (len > (size_t)LONG_MAX) {
        r = TSC_ERR(TSC_LIMIT, "certificate longer than OpenSSL can take");
        goto done;
    }
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL) {
        r = TSC_ERR(TSC_OPENSSL, "certificate does not parse as X.509 DER");
        goto done;
    }
    if ((size_t)(p - der) != len) {
        r = TSC_MALFORMED_ERR("trailing bytes after the certificate");
        goto done;
    }

    version = X509_get_version(x);
    if (version < 0 || version > 2) {
        r = BAD_CERT_ERR("certificate version is not v1, v2 or v3");
        goto done;
    }
    out->version = (int)version + 1;

    r = put_serial(out, X509_get0_serialNumber(x));
    if (!tsc_is_ok(r))
        goto done;
    {
        struct strbuf subj = sb_make(out->subject, sizeof out->subject);
        struct strbuf iss = sb_make(out->issuer, sizeof out->issuer);
        struct strbuf cn = sb_make(out->subject_cn, sizeof out->subject_cn);

        put_name(&subj, X509_get_subject_name(x));
        put_name(&iss, X509_get_issuer_name(x));
        put_cn(&cn, X509_get_subject_name(x));
        put_rdns(out->subject_rdns, sizeof out->subject_rdns, &out->subject_rdns_n, &out->rdns_truncated,
                 X509_get_subject_name(x));
        put_rdns(out->issuer_rdns, sizeof out->issuer_rdns, &out->issuer_rdns_n, &out->rdns_truncated,
                 X509_get_issuer_name(x));
    }
    r = put_time(out->not_before, sizeof out->not_before, &out->not_before_epoch,
                 X509_get0_notBefore(x));
    if (!tsc_is_ok(r))
        goto done;
    r = put_time(out->not_after, sizeof out->not_after, &out->not_after_epoch,
                 X509_get0_notAfter(x));
    if (!tsc_is_ok(r))
        goto done;
    put_pubkey(out, x);
    put_sigalg(out, x);
    put_sans(out, x);
    put_basic_constraints(out, x);
    out->self_signed = X509_self_signed(x, 1) == 1;
    r = put_digest(out->sha256, sizeof out->sha256, EVP_sha256(), 32, der, len);
    if (tsc_is_ok(r))
        r = put_digest(out->sha1, sizeof out->sha1, EVP_sha1(), 20, der, len);
    if (tsc_is_ok(r))
        r = put_digest(out->md5, sizeof out->md5, EVP_md5(), 16, der, len);

done:
    if (!tsc_is_ok(r) && out != NULL)
        memset(out, 0, sizeof *out);
    X509_free(x);
    ERR_clear_error();
    return r;
}

const char *tsc_x509_san_at(const struct tsc_x509_summary *s, unsigned i)
{
    size_t off = 0;

    if (s == NULL || i >= s->san_count)
        return NULL;
    for (unsigned k = 0; k < i; k++) {
        while (off < sizeof s->san_buf && s->san_buf[off] != '\0')
            off++;
        off++; /* past the NUL */
        if (off >= sizeof s->san_buf)
            return NULL;
    }
    /* The entry must end inside san_buf. */
    for (size_t e = off; e < sizeof s->san_buf; e++) {
        if (s->san_buf[e] == '\0')
            return s->san_buf + off;
    }
    return NULL;
}

const char *tsc_x509_rdn_at(const struct tsc_x509_summary *s, int issuer, unsigned i)
{
    if (s == NULL)
        return NULL;
    const char *buf = issuer ? s->issuer_rdns : s->subject_rdns;
    size_t cap = issuer ? sizeof s->issuer_rdns : sizeof s->subject_rdns;
    unsigned n = issuer ? s->issuer_rdns_n : s->subject_rdns_n;
    size_t off = 0;

    if (i >= n)
        return NULL;
    for (unsigned k = 0; k < i; k++) {
        const char *z = memchr(buf + off, '\0', cap - off);
        if (z == NULL || (size_t)(z - buf) + 1 >= cap)
            return NULL;
        off = (size_t)(z - buf) + 1;
    }
    return memchr(buf + off, '\0', cap - off) ? buf + off : NULL;
}
