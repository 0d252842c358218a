/*
 * test_x509.c - certificate summaries, against certificates made here at run
 * time with the OpenSSL API (so every expected value is known exactly), and
 * against hostile bytes: empty, random, every prefix, trailing garbage, bit
 * flips, control characters, invalid UTF-8, NUL bytes, oversized fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509/x509.h"

/* ---- building certificates ------------------------------------------------ */

struct der {
    unsigned char *p; /* OPENSSL_malloc'd by i2d_X509 */
    size_t len;
};

struct fixtures {
    EVP_PKEY *ca_key, *leaf_key, *ed_key;
    X509 *ca, *leaf, *ed;
    struct der ca_der, leaf_der, ed_der;
};

static struct fixtures fx;

static void add_text(X509_NAME *name, const char *field, const char *value, int set)
{
    assert_int_equal(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                                (const unsigned char *)value, -1, -1, set),
                     1);
}

/* Add an entry with exactly these bytes and this ASN.1 string type (no
 * checks, no conversion: how hostile certificates are made). */
static void add_raw(X509_NAME *name, int nid, int type, const void *bytes, int len)
{
    assert_int_equal(
        X509_NAME_add_entry_by_NID(name, nid, type, (const unsigned char *)bytes, len, -1, 0), 1);
}

static void set_serial(X509 *x, const char *hex)
{
    BIGNUM *bn = NULL;
    ASN1_INTEGER *ai;

    assert_true(BN_hex2bn(&bn, hex) > 0);
    ai = BN_to_ASN1_INTEGER(bn, NULL);
    assert_non_null(ai);
    assert_int_equal(X509_set_serialNumber(x, ai), 1);
    ASN1_INTEGER_free(ai);
    BN_free(bn);
}

static void set_times(X509 *x, const char *not_before, const char *not_after)
{
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notBefore(x), not_before), 1);
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notAfter(x), not_after), 1);
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *new_cert(long version, const char *serial_hex, EVP_PKEY *key)
{
    X509 *x = X509_new();

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, version), 1);
    set_serial(x, serial_hex);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    return x;
}

static void sign(X509 *x, EVP_PKEY *key, const EVP_MD *md)
{
    assert_true(X509_sign(x, key, md) > 0);
}

static struct der der_of(X509 *x)
{
    struct der d = {NULL, 0};
    int n = i2d_X509(x, &d.p);

    assert_true(n > 0);
    d.len = (size_t)n;
    return d;
}

static void sha256_hex(const struct der *d, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;

    assert_int_equal(EVP_Digest(d->p, d->len, md, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(n, 32);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Any digest of the DER as lowercase hex: the summary's sha1 and md5. */
static void digest_hex(const struct der *d, const EVP_MD *md, char *hex, size_t cap)
{
    unsigned char b[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    assert_int_equal(EVP_Digest(d->p, d->len, b, &n, md, NULL), 1);
    assert_true(2 * (size_t)n < cap);
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
}

static void assert_rdns(const struct tsc_x509_summary *s, int issuer, const char *const *want, unsigned n)
{
    assert_int_equal(issuer ? s->issuer_rdns_n : s->subject_rdns_n, n);
    for (unsigned i = 0; i < n; i++) {
        assert_non_null(tsc_x509_rdn_at(s, issuer, i));
        assert_string_equal(tsc_x509_rdn_at(s, issuer, i), want[i]);
    }
    assert_null(tsc_x509_rdn_at(s, issuer, n));
    assert_null(tsc_x509_rdn_at(s, issuer, n + 1000));
}

/* OpenSSL's own RFC 2253 rendering with UTF-8 left unescaped: the reference
 * for names whose values need no RFC 2253 escaping. */
static void openssl_rfc2253(const X509_NAME *name, char *buf, size_t cap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n;

    assert_non_null(bio);
    assert_true(X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0);
    n = BIO_get_mem_data(bio, &p);
    assert_true(n >= 0 && (size_t)n < cap);
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
    BIO_free(bio);
}

static int fixtures_setup(void **state)
{
    X509_NAME *name;

    (void)state;
    /* RSA-2048 root, self-signed, with SANs and a serial whose DER needs a
     * leading zero byte (high bit set). */
    fx.ca_key = EVP_RSA_gen(2048);
    assert_non_null(fx.ca_key);
    fx.ca = new_cert(2, "A1B2C3D4E5F60718293A4B5C6D7E8F90", fx.ca_key);
    name = X509_get_subject_name(fx.ca);
    add_text(name, "C", "US", 0);
    add_text(name, "O", "Ex\xc3\xa4mple \xc3\x96rg", 0);
    add_text(name, "CN", "Example Root CA", 0);
    assert_int_equal(X509_set_issuer_name(fx.ca, name), 1);
    set_times(fx.ca, "20240229120000Z", "20340228235959Z");
    add_ext(fx.ca, fx.ca, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(fx.ca, fx.ca, NID_subject_alt_name,
            "DNS:ca.example,IP:127.0.0.1,email:admin@example.com,"
            "URI:https://example.com/ca,IP:2001:db8:0:0:0:0:0:1");
    sign(fx.ca, fx.ca_key, EVP_sha256());
    fx.ca_der = der_of(fx.ca);

    /* EC P-256 leaf signed by the root with SHA-384; a multi-valued RDN. */
    fx.leaf_key = EVP_EC_gen("P-256");
    assert_non_null(fx.leaf_key);
    fx.leaf = new_cert(2, "01", fx.leaf_key);
    name = X509_get_subject_name(fx.leaf);
    add_text(name, "C", "DE", 0);
    add_text(name, "O", "Leaf Org", 0);
    add_text(name, "OU", "Web", 0);
    add_text(name, "L", "Berlin", -1); /* joins the OU's RDN */
    add_text(name, "CN", "leaf.example", 0);
    assert_int_equal(X509_set_issuer_name(fx.leaf, X509_get_subject_name(fx.ca)), 1);
    set_times(fx.leaf, "20250102030405Z", "20510304050607Z");
    add_ext(fx.leaf, fx.ca, NID_basic_constraints, "CA:FALSE");
    add_ext(fx.leaf, fx.ca, NID_subject_alt_name,
            "DNS:leaf.example,DNS:www.leaf.example,IP:2001:db8:0:0:1:0:0:1,"
            "IP:::ffff:10.0.0.1,IP:0:0:0:0:0:0:0:0,IP:fe80:0:0:1:0:0:0:1");
    sign(fx.leaf, fx.ca_key, EVP_sha384());
    fx.leaf_der = der_of(fx.leaf);

    /* Ed25519, version 1, negative serial, the widest validity there is. */
    fx.ed_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(fx.ed_key);
    fx.ed = new_cert(0, "-1234", fx.ed_key);
    name = X509_get_subject_name(fx.ed);
    add_text(name, "CN", "ed.example", 0);
    assert_int_equal(X509_set_issuer_name(fx.ed, name), 1);
    set_times(fx.ed, "19700101000000Z", "99991231235959Z");
    sign(fx.ed, fx.ed_key, NULL);
    fx.ed_der = der_of(fx.ed);
    return 0;
}

static int fixtures_teardown(void **state)
{
    (void)state;
    OPENSSL_free(fx.ca_der.p);
    OPENSSL_free(fx.leaf_der.p);
    OPENSSL_free(fx.ed_der.p);
    X509_free(fx.ca);
    X509_free(fx.leaf);
    X509_free(fx.ed);
    EVP_PKEY_free(fx.ca_key);
    EVP_PKEY_free(fx.leaf_key);
    EVP_PKEY_free(fx.ed_key);
    return 0;
}

/* A small self-signed Ed25519 certificate to be adjusted by each test. */
static X509 *small_cert(const char *serial_hex)
{
    X509 *x = new_cert(2, serial_hex, fx.ed_key);

    set_times(x, "20250102030405Z", "20260102030405Z");
    return x;
}

static tsc_result summarize_x509(X509 *x, struct tsc_x509_summary *s)
{
    struct der d = der_of(x);
    tsc_result r = tsc_x509_summarize(d.p, d.len, s);

    OPENSSL_free(d.p);
    return r;
}

static void assert_zeroed(const struct tsc_x509_summary *s)
{
    static const struct tsc_x509_summary zero;

    assert_memory_equal(s, &zero, sizeof zero);
}

static void assert_sans(const struct tsc_x509_summary *s, const char *const *want, unsigned n)
{
    assert_int_equal(s->san_count, n);
    for (unsigned i = 0; i < n; i++) {
        assert_non_null(tsc_x509_san_at(s, i));
        assert_string_equal(tsc_x509_san_at(s, i), want[i]);
    }
    assert_null(tsc_x509_san_at(s, n));
    assert_null(tsc_x509_san_at(s, n + 1000));
}

/* ---- real certificates, every field --------------------------------------- */

static void test_rsa_root(void **state)
{
    static const char *const sans[] = {
        "DNS:ca.example", "IP:127.0.0.1", "email:admin@example.com",
        "URI:https://example.com/ca", "IP:2001:db8::1",
    };
    struct tsc_x509_summary s;
    char want_sha[65], ref[TSC_X509_STR];
    tsc_result r;

    (void)state;
    r = tsc_x509_summarize(fx.ca_der.p, fx.ca_der.len, &s);
    assert_int_equal(r.kind, TSC_OK);
    assert_int_equal(s.version, 3);
    assert_string_equal(s.serial, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    assert_string_equal(s.subject, "CN=Example Root CA,O=Ex\xc3\xa4mple \xc3\x96rg,C=US");
    assert_string_equal(s.issuer, s.subject);
    assert_string_equal(s.subject_cn, "Example Root CA");
    assert_string_equal(s.not_before, "2024-02-29T12:00:00Z");
    assert_string_equal(s.not_after, "2034-02-28T23:59:59Z");
    assert_int_equal(s.not_before_epoch, 1709208000);
    assert_int_equal(s.not_after_epoch, 2024783999);
    assert_string_equal(s.pubkey_algorithm, "RSA");
    assert_int_equal(s.pubkey_bits, 2048);
    assert_string_equal(s.pubkey_curve, "");
    assert_string_equal(s.signature_algorithm, "sha256WithRSAEncryption");
    assert_sans(&s, sans, 5);
    assert_int_equal(s.san_truncated, 0);
    assert_int_equal(s.is_ca, 1);
    assert_int_equal(s.has_basic_constraints, 1);
    assert_int_equal(s.path_len, -1);
    assert_string_equal(s.pubkey_oid_name, "rsaEncryption");
    assert_string_equal(s.pubkey_exponent, "65537");
    assert_int_equal(s.self_signed, 1);
    sha256_hex(&fx.ca_der, want_sha);
    assert_string_equal(s.sha256, want_sha);
    {
        static const char *const rdns[] = {"C=US", "O=Ex\xc3\xa4mple \xc3\x96rg", "CN=Example Root CA"};
        char h[2 * EVP_MAX_MD_SIZE + 1];
        assert_rdns(&s, 0, rdns, 3);
        assert_rdns(&s, 1, rdns, 3);
        assert_int_equal(s.rdns_truncated, 0);
        digest_hex(&fx.ca_der, EVP_sha1(), h, sizeof h);
        assert_string_equal(s.sha1, h);
        digest_hex(&fx.ca_der, EVP_md5(), h, sizeof h);
        assert_string_equal(s.md5, h);
    }
    /* The same name as OpenSSL spells it in RFC 2253. */
    openssl_rfc2253(X509_get_subject_name(fx.ca), ref, sizeof ref);
    assert_string_equal(s.subject, ref);
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_ec_leaf(void **state)
{
    static const char *const sans[] = {
        "DNS:leaf.example", "DNS:www.leaf.example", "IP:2001:db8::1:0:0:1",
        "IP:::ffff:10.0.0.1", "IP:::",               "IP:fe80:0:0:1::1",
    };
    struct tsc_x509_summary s;
    char want_sha[65], ref[TSC_X509_STR];
    tsc_result r;

    (void)state;
    r = tsc_x509_summarize(fx.leaf_der.p, fx.leaf_der.len, &s);
    assert_int_equal(r.kind, TSC_OK);
    assert_int_equal(s.version, 3);
    assert_string_equal(s.serial, "01");
    /* OU and L share one RDN; DER sorts the SET (shorter AVA first). */
    assert_string_equal(s.subject, "CN=leaf.example,L=Berlin+OU=Web,O=Leaf Org,C=DE");
    assert_string_equal(s.issuer, "CN=Example Root CA,O=Ex\xc3\xa4mple \xc3\x96rg,C=US");
    assert_string_equal(s.subject_cn, "leaf.example");
    assert_string_equal(s.not_before, "2025-01-02T03:04:05Z");
    assert_string_equal(s.not_after, "2051-03-04T05:06:07Z"); /* a GeneralizedTime */
    assert_int_equal(s.not_before_epoch, 1735787045);
    assert_int_equal(s.not_after_epoch, 2561519167LL);
    assert_string_equal(s.pubkey_algorithm, "EC");
    assert_int_equal(s.pubkey_bits, 256);
    assert_string_equal(s.pubkey_curve, "prime256v1");
    assert_string_equal(s.signature_algorithm, "sha384WithRSAEncryption");
    assert_sans(&s, sans, 6);
    assert_int_equal(s.san_truncated, 0);
    assert_int_equal(s.is_ca, 0);
    assert_int_equal(s.has_basic_constraints, 1);
    assert_int_equal(s.path_len, -1);
    assert_string_equal(s.pubkey_oid_name, "id-ecPublicKey");
    assert_string_equal(s.pubkey_exponent, "");
    assert_int_equal(s.self_signed, 0);
    sha256_hex(&fx.leaf_der, want_sha);
    assert_string_equal(s.sha256, want_sha);
    {
        /* DER order; L joins the OU's RDN, and DER sorts that SET */
        static const char *const rdns[] = {"C=DE", "O=Leaf Org", "OU=Web", "+L=Berlin", "CN=leaf.example"};
        assert_rdns(&s, 0, rdns, 5);
        assert_int_equal(s.issuer_rdns_n, 3);
        assert_int_equal(strlen(s.sha1), 40);
        assert_int_equal(strlen(s.md5), 32);
    }
    openssl_rfc2253(X509_get_subject_name(fx.leaf), ref, sizeof ref);
    assert_string_equal(s.subject, ref);
}

static void test_ed25519_v1(void **state)
{
    struct tsc_x509_summary s;
    char want_sha[65];
    tsc_result r;

    (void)state;
    r = tsc_x509_summarize(fx.ed_der.p, fx.ed_der.len, &s);
    assert_int_equal(r.kind, TSC_OK);
    assert_int_equal(s.version, 1);
    assert_string_equal(s.serial, "-1234");
    assert_string_equal(s.subject, "CN=ed.example");
    assert_string_equal(s.issuer, "CN=ed.example");
    assert_string_equal(s.subject_cn, "ed.example");
    assert_string_equal(s.not_before, "1970-01-01T00:00:00Z");
    assert_string_equal(s.not_after, "9999-12-31T23:59:59Z");
    assert_int_equal(s.not_before_epoch, 0);
    assert_int_equal(s.not_after_epoch, 253402300799LL);
    assert_string_equal(s.pubkey_algorithm, "Ed25519");
    assert_int_equal(s.pubkey_bits, 256);
    assert_string_equal(s.pubkey_curve, "");
    assert_string_equal(s.signature_algorithm, "ED25519");
    assert_int_equal(s.san_count, 0);
    assert_null(tsc_x509_san_at(&s, 0));
    assert_int_equal(s.san_truncated, 0);
    assert_int_equal(s.is_ca, 0);
    assert_int_equal(s.self_signed, 1);
    sha256_hex(&fx.ed_der, want_sha);
    assert_string_equal(s.sha256, want_sha);
}

/* Subject == issuer but signed by someone else: not self-signed. */
static void test_same_name_other_signer(void **state)
{
    struct tsc_x509_summary s;
    X509 *x = new_cert(2, "7F", fx.leaf_key);
    X509_NAME *name = X509_get_subject_name(x);

    (void)state;
    add_text(name, "CN", "imposter.example", 0);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    set_times(x, "20250102030405Z", "20260102030405Z");
    sign(x, fx.ca_key, EVP_sha256());
    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
    assert_string_equal(s.subject, s.issuer);
    assert_string_equal(s.serial, "7f");
    assert_int_equal(s.self_signed, 0);
    X509_free(x);
}

/* Serial zero prints "00" like `openssl x509 -serial`; UTCTime 50 is 1950. */
static void test_zero_serial_and_1950(void **state)
{
    struct tsc_x509_summary s;
    X509 *x = small_cert("0");

    (void)state;
    assert_int_equal(ASN1_TIME_set_string(X509_getm_notBefore(x), "500101000000Z"), 1);
    sign(x, fx.ed_key, NULL);
    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
    assert_string_equal(s.serial, "00");
    assert_string_equal(s.subject, "");
    assert_string_equal(s.subject_cn, "");
    assert_string_equal(s.not_before, "1950-01-01T00:00:00Z");
    assert_int_equal(s.not_before_epoch, -631152000LL);
    X509_free(x);
}

/* EVP_PKEY_Q_keygen knows "RSA" but not "RSA-PSS". */
static EVP_PKEY *rsa_pss_key(int bits)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
    EVP_PKEY *key = NULL;

    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits), 1);
    assert_int_equal(EVP_PKEY_generate(ctx, &key), 1);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* The other key types the summary names, each self-signed. */
static void test_other_key_types(void **state)
{
    static const struct {
        const char *type, *curve_arg;
        size_t rsa_bits;
        int sha256;
        const char *alg, *curve, *sigalg;
        int bits;
    } cases[] = {
        {"EC", "P-384", 0, 1, "EC", "secp384r1", "ecdsa-with-SHA256", 384},
        {"ED448", NULL, 0, 0, "Ed448", "", "ED448", 456},
        {"RSA-PSS", NULL, 1024, 1, "RSA-PSS", "", "rsassaPss", 1024},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tsc_x509_summary s;
        EVP_PKEY *key;
        X509 *x;

        if (cases[i].curve_arg != NULL)
            key = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].type, cases[i].curve_arg);
        else if (cases[i].rsa_bits != 0)
            key = rsa_pss_key((int)cases[i].rsa_bits);
        else
            key = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].type);
        assert_non_null(key);
        x = new_cert(2, "0A", key);
        add_text(X509_get_subject_name(x), "CN", cases[i].type, 0);
        assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
        set_times(x, "20250102030405Z", "20260102030405Z");
        sign(x, key, cases[i].sha256 ? EVP_sha256() : NULL);
        assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
        assert_string_equal(s.pubkey_algorithm, cases[i].alg);
        assert_int_equal(s.pubkey_bits, cases[i].bits);
        assert_string_equal(s.pubkey_curve, cases[i].curve);
        assert_string_equal(s.signature_algorithm, cases[i].sigalg);
        assert_string_equal(s.serial, "0a");
        assert_int_equal(s.self_signed, 1);
        X509_free(x);
        EVP_PKEY_free(key);
    }
}

/* ---- hostile strings ------------------------------------------------------ */

static GENERAL_NAME *gn_string(int type, const void *bytes, int len)
{
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();

    assert_non_null(gn);
    assert_non_null(s);
    assert_int_equal(ASN1_STRING_set(s, bytes, len), 1);
    GENERAL_NAME_set0_value(gn, type, s);
    return gn;
}

static GENERAL_NAME *gn_ip(const void *bytes, int len)
{
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();

    assert_non_null(gn);
    assert_non_null(s);
    assert_int_equal(ASN1_OCTET_STRING_set(s, bytes, len), 1);
    GENERAL_NAME_set0_value(gn, GEN_IPADD, s);
    return gn;
}

static void add_sans(X509 *x, GENERAL_NAMES *gens)
{
    assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND), 1);
    GENERAL_NAMES_free(gens);
}

static void test_hostile_strings(void **state)
{
    static const char cn[] = "evil\x1b[31m\x07\0.attacker.example";
    static const char bad_utf8[] = "\xff\xfe\x80ok";
    static const unsigned char bmp[] = {0x00, 'H', 0x00, 0xe9}; /* "Hé" */
    static const char dns_nul[] = "www.bank.example\0.evil.example";
    static const unsigned char ip8[] = {10, 0, 0, 0, 255, 255, 255, 0};
    static const char *const sans[] = {
        "DNS:www.bank.example",
        "othername:msUPN:user@example.com",
        "RID:1.2.3.4",
        "DirName:CN=dir\x1b",
        "IP:0a000000ffffff00",
        "email:\x01\x7f",
    };
    struct tsc_x509_summary s;
    X509 *x = small_cert("0100");
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME *dir = X509_NAME_new();
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gn;
    ASN1_TYPE *upn = ASN1_TYPE_new();
    ASN1_UTF8STRING *upn_s = ASN1_UTF8STRING_new();

    (void)state;
    /* A UTF8String holding invalid UTF-8 makes OpenSSL reject the whole name
     * (it canonicalizes names while decoding), so the bad bytes ride in a
     * PrintableString, which OpenSSL takes as Latin-1 and lets through. */
    add_raw(name, NID_organizationName, V_ASN1_PRINTABLESTRING, bad_utf8, (int)strlen(bad_utf8));
    add_raw(name, NID_organizationalUnitName, V_ASN1_BMPSTRING, bmp, (int)sizeof bmp);
    add_raw(name, NID_commonName, V_ASN1_UTF8STRING, cn, (int)sizeof cn - 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);

    assert_non_null(gens);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_DNS, dns_nul, sizeof dns_nul - 1)), 1);
    gn = GENERAL_NAME_new();
    assert_int_equal(ASN1_STRING_set(upn_s, "user@example.com", -1), 1);
    ASN1_TYPE_set(upn, V_ASN1_UTF8STRING, upn_s);
    assert_int_equal(GENERAL_NAME_set0_othername(gn, OBJ_nid2obj(NID_ms_upn), upn), 1);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn), 2);
    gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, GEN_RID, OBJ_txt2obj("1.2.3.4", 1));
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn), 3);
    add_raw(dir, NID_commonName, V_ASN1_UTF8STRING, "dir\x1b", 4);
    gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dir);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn), 4);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_ip(ip8, sizeof ip8)), 5);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_EMAIL, "\x01\x7f", 2)), 6);
    add_sans(x, gens);
    sign(x, fx.ed_key, NULL);

    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
    /* Raw bytes, cut at the NUL, BMP converted to UTF-8, nothing escaped. */
    assert_string_equal(s.subject_cn, "evil\x1b[31m\x07");
    assert_string_equal(s.subject, "CN=evil\x1b[31m\x07,OU=H\xc3\xa9,O=\xff\xfe\x80ok");
    assert_string_equal(s.issuer, s.subject);
    assert_string_equal(s.serial, "0100");
    assert_sans(&s, sans, 6);
    assert_int_equal(s.san_truncated, 0);
    assert_int_equal(s.self_signed, 1);
    X509_free(x);
}

/* 'é' repeated: the "..." cut never splits the two-byte sequence. */
static void test_long_subject_is_cut_on_a_character(void **state)
{
    char value[600];
    struct tsc_x509_summary s;
    X509 *x = small_cert("02");
    X509_NAME *name = X509_get_subject_name(x);
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof value; i += 2) {
        value[i] = '\xc3';
        value[i + 1] = '\xa9';
    }
    add_raw(name, NID_commonName, V_ASN1_UTF8STRING, value, (int)sizeof value);
    sign(x, fx.ed_key, NULL);
    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);

    /* "CN=" puts every 'é' at an odd offset; byte 508 would be the second
     * half of one, so that character goes and the text is 510 bytes. */
    n = strlen(s.subject);
    assert_int_equal(n, 510);
    assert_memory_equal(s.subject, "CN=", 3);
    assert_memory_equal(s.subject + 3, value, 504);
    assert_string_equal(s.subject + 507, "...");
    /* subject_cn: byte 252 starts a character, so 252 bytes + "..." */
    n = strlen(s.subject_cn);
    assert_int_equal(n, 255);
    assert_memory_equal(s.subject_cn, value, 252);
    assert_string_equal(s.subject_cn + 252, "...");
    X509_free(x);
}

static void test_san_buffer_full(void **state)
{
    struct tsc_x509_summary s;
    X509 *x = small_cert("03");
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    char host[96];
    size_t used = 0;
    unsigned fit = 0;

    (void)state;
    for (int i = 0; i < 200; i++) {
        int n = snprintf(host, sizeof host, "host-%03d.%s", i,
                         "a-rather-long-label-to-fill-the-buffer.example");

        assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_DNS, host, n)), i + 1);
        if (fit == (unsigned)i && used + 4 + (size_t)n + 1 <= TSC_X509_SAN_BUF) {
            used += 4 + (size_t)n + 1;
            fit++;
        }
    }
    add_sans(x, gens);
    sign(x, fx.ed_key, NULL);
    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
    assert_true(fit > 10 && fit < 200);
    assert_int_equal(s.san_count, fit);
    assert_int_equal(s.san_truncated, 1);
    for (unsigned i = 0; i < fit; i++) {
        snprintf(host, sizeof host, "DNS:host-%03u.%s", i,
                 "a-rather-long-label-to-fill-the-buffer.example");
        assert_string_equal(tsc_x509_san_at(&s, i), host);
    }
    assert_null(tsc_x509_san_at(&s, fit));
    X509_free(x);
}

static void test_san_entry_too_long(void **state)
{
    char uri[1000];
    struct tsc_x509_summary s;
    X509 *x = small_cert("04");
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    const char *e;

    (void)state;
    memset(uri, 'a', sizeof uri);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_URI, uri, (int)sizeof uri)), 1);
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_DNS, "next.example", 12)), 2);
    add_sans(x, gens);
    sign(x, fx.ed_key, NULL);
    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
    assert_int_equal(s.san_count, 2);
    assert_int_equal(s.san_truncated, 1);
    e = tsc_x509_san_at(&s, 0);
    assert_int_equal(strlen(e), TSC_X509_STR - 1);
    assert_memory_equal(e, "URI:aaaa", 8);
    assert_string_equal(e + TSC_X509_STR - 4, "...");
    assert_string_equal(tsc_x509_san_at(&s, 1), "DNS:next.example");
    X509_free(x);
}

/* Two subjectAltName extensions (RFC 5280 forbids it): both are shown. */
static void test_two_san_extensions(void **state)
{
    static const char *const sans[] = {"DNS:one.example", "DNS:two.example"};
    struct tsc_x509_summary s;
    X509 *x = small_cert("08");
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();

    (void)state;
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_DNS, "one.example", 11)), 1);
    add_sans(x, gens);
    gens = sk_GENERAL_NAME_new_null();
    assert_int_equal(sk_GENERAL_NAME_push(gens, gn_string(GEN_DNS, "two.example", 11)), 1);
    add_sans(x, gens);
    sign(x, fx.ed_key, NULL);
    assert_int_equal(summarize_x509(x, &s).kind, TSC_OK);
    assert_sans(&s, sans, 2);
    X509_free(x);
}

/* ---- parse but break the rules --------------------------------------------- */

static void test_bad_version(void **state)
{
    struct tsc_x509_summary s;
    X509 *x = small_cert("05");
    tsc_result r;

    (void)state;
    assert_int_equal(X509_set_version(x, 7), 1);
    sign(x, fx.ed_key, NULL);
    memset(&s, 0xa5, sizeof s);
    r = summarize_x509(x, &s);
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_int_equal(r.alert, 42);
    assert_non_null(r.why);
    assert_zeroed(&s);
    assert_int_equal(ERR_peek_error(), 0);
    X509_free(x);
}

static void test_bad_time(void **state)
{
    struct tsc_x509_summary s;
    X509 *x = small_cert("06");
    tsc_result r;

    (void)state;
    assert_int_equal(ASN1_STRING_set(X509_getm_notAfter(x), "2501020304ZZ", 12), 1);
    sign(x, fx.ed_key, NULL);
    memset(&s, 0xa5, sizeof s);
    r = summarize_x509(x, &s);
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_int_equal(r.alert, 42);
    assert_zeroed(&s);
    assert_int_equal(ERR_peek_error(), 0);
    X509_free(x);
}

/* ---- bytes that are not a certificate -------------------------------------- */

static void test_empty_and_bad_arguments(void **state)
{
    static const uint8_t one[1] = {0x30};
    struct tsc_x509_summary s;
    tsc_result r;

    (void)state;
    memset(&s, 0xa5, sizeof s);
    r = tsc_x509_summarize(NULL, 0, &s);
    assert_int_equal(r.kind, TSC_TRUNCATED);
    assert_zeroed(&s);
    r = tsc_x509_summarize(one, 0, &s);
    assert_int_equal(r.kind, TSC_TRUNCATED);
    r = tsc_x509_summarize(NULL, 5, &s);
    assert_int_equal(r.kind, TSC_INTERNAL);
    r = tsc_x509_summarize(fx.ed_der.p, fx.ed_der.len, NULL);
    assert_int_equal(r.kind, TSC_INTERNAL);
    assert_null(tsc_x509_san_at(NULL, 0));
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_not_x509(void **state)
{
    static const uint8_t seq_int[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    static const uint8_t indefinite[] = {0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00};
    static const uint8_t octets[] = {0x04, 0x02, 0xab, 0xcd};
    static const uint8_t huge_len[] = {0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    struct tsc_x509_summary s;
    tsc_result r;

    (void)state;
    r = tsc_x509_summarize(seq_int, sizeof seq_int, &s);
    assert_int_equal(r.kind, TSC_OPENSSL);
    assert_string_equal(r.why, "certificate does not parse as X.509 DER");
    assert_zeroed(&s);
    assert_int_equal(tsc_x509_summarize(indefinite, sizeof indefinite, &s).kind, TSC_OPENSSL);
    assert_int_equal(tsc_x509_summarize(octets, sizeof octets, &s).kind, TSC_OPENSSL);
    assert_int_equal(tsc_x509_summarize(huge_len, sizeof huge_len, &s).kind, TSC_OPENSSL);
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_every_prefix_is_truncated(void **state)
{
    const struct der *certs[] = {&fx.ca_der, &fx.leaf_der, &fx.ed_der};
    struct tsc_x509_summary s;

    (void)state;
    for (size_t c = 0; c < 3; c++) {
        for (size_t n = 0; n < certs[c]->len; n++) {
            /* A heap copy of exactly n bytes, so ASan sees any overread. */
            uint8_t *p = malloc(n > 0 ? n : 1);
            tsc_result r;

            assert_non_null(p);
            if (n > 0)
                memcpy(p, certs[c]->p, n);
            r = tsc_x509_summarize(p, n, &s);
            free(p);
            if (r.kind != TSC_TRUNCATED)
                fail_msg("cert %zu prefix %zu: kind %s", c, n, tsc_kind_name(r.kind));
            assert_zeroed(&s);
            assert_int_equal(ERR_peek_error(), 0);
        }
    }
}

static void test_trailing_garbage(void **state)
{
    size_t n = fx.leaf_der.len;
    uint8_t *p = malloc(2 * n);
    struct tsc_x509_summary s;
    tsc_result r;

    (void)state;
    assert_non_null(p);
    memcpy(p, fx.leaf_der.p, n);
    memcpy(p + n, fx.leaf_der.p, n);
    memset(&s, 0xa5, sizeof s);
    r = tsc_x509_summarize(p, n + 1, &s);
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_int_equal(r.alert, TSC_ALERT_DECODE_ERROR);
    assert_string_equal(r.why, "trailing bytes after the certificate");
    assert_zeroed(&s);
    r = tsc_x509_summarize(p, 2 * n, &s); /* two certificates back to back */
    assert_int_equal(r.kind, TSC_MALFORMED);
    assert_int_equal(ERR_peek_error(), 0);
    free(p);
}

static uint64_t xorshift(uint64_t *st)
{
    uint64_t x = *st;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *st = x;
    return x;
}

static void test_random_bytes(void **state)
{
    uint64_t st = 0x9e3779b97f4a7c15ULL;
    struct tsc_x509_summary s;

    (void)state;
    for (int i = 0; i < 3000; i++) {
        size_t n = (size_t)(xorshift(&st) % 700);
        uint8_t *p = malloc(n > 0 ? n : 1);
        tsc_result r;

        assert_non_null(p);
        for (size_t k = 0; k < n; k++)
            p[k] = (uint8_t)xorshift(&st);
        if (n > 0 && (i & 1))
            p[0] = 0x30; /* half of them look like a SEQUENCE */
        r = tsc_x509_summarize(p, n, &s);
        free(p);
        assert_true(r.kind == TSC_TRUNCATED || r.kind == TSC_OPENSSL || r.kind == TSC_MALFORMED);
        assert_non_null(r.why);
        assert_int_equal(ERR_peek_error(), 0);
    }
}

/* Flip bits all over real certificates: whatever the result, no crash, no
 * leak, every string terminated, the error queue empty. */
static void test_bit_flips(void **state)
{
    const struct der *certs[] = {&fx.leaf_der, &fx.ed_der};
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    struct tsc_x509_summary s;

    (void)state;
    for (size_t c = 0; c < 2; c++) {
        size_t n = certs[c]->len;
        uint8_t *p = malloc(n);

        assert_non_null(p);
        for (size_t i = 0; i < n; i++) {
            for (size_t m = 0; m < sizeof masks; m++) {
                tsc_result r;

                memcpy(p, certs[c]->p, n);
                p[i] ^= masks[m];
                r = tsc_x509_summarize(p, n, &s);
                if (r.kind == TSC_OK) {
                    assert_true(memchr(s.subject, 0, sizeof s.subject) != NULL);
                    assert_true(memchr(s.issuer, 0, sizeof s.issuer) != NULL);
                    assert_true(s.version >= 1 && s.version <= 3);
                    assert_int_equal(strlen(s.sha256), 64);
                    for (unsigned k = 0; k < s.san_count; k++)
                        assert_non_null(tsc_x509_san_at(&s, k));
                } else {
                    assert_zeroed(&s);
                }
                assert_int_equal(ERR_peek_error(), 0);
            }
        }
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_root),
        cmocka_unit_test(test_ec_leaf),
        cmocka_unit_test(test_ed25519_v1),
        cmocka_unit_test(test_same_name_other_signer),
        cmocka_unit_test(test_zero_serial_and_1950),
        cmocka_unit_test(test_other_key_types),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_long_subject_is_cut_on_a_character),
        cmocka_unit_test(test_san_buffer_full),
        cmocka_unit_test(test_san_entry_too_long),
        cmocka_unit_test(test_two_san_extensions),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_bad_time),
        cmocka_unit_test(test_empty_and_bad_arguments),
        cmocka_unit_test(test_not_x509),
        cmocka_unit_test(test_every_prefix_is_truncated),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_bit_flips),
    };

    return cmocka_run_group_tests_name("x509", tests, fixtures_setup, fixtures_teardown);
}
