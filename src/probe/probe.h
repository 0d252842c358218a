/*
 * probe.h - ask a server what it accepts (docs/probe.md): ClientHellos built
 * byte by byte, the answers read with the project's decoders, and the scan
 * that drives them.
 *
 * The data path: hello.c builds the bytes; conn.c (in scan.c) sends them on
 * a fresh connection and hands every byte both ways to a tap (peer/tap.h),
 * so the passive pipeline sees each probe connection and the --pcap file
 * records it; answer.c decides, from the server's bytes so far, what the
 * answer was; scan.c asks the questions and keeps the result; render.c only
 * renders it.
 */
#ifndef TSC_PROBE_PROBE_H
#define TSC_PROBE_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "analysis/findings.h"
#include "core/buf.h"
#include "probe/starttls.h"

/* ------------------------------------------------------------ hellos ---- */

#define TSC_PH_EMS 0x001u            /* extended_master_secret */
#define TSC_PH_ETM 0x002u            /* encrypt_then_mac */
#define TSC_PH_RENEG_EXT 0x004u      /* renegotiation_info (else the SCSV 0x00ff) */
#define TSC_PH_TICKET 0x008u         /* an empty session_ticket */
#define TSC_PH_STATUS 0x010u         /* status_request (OCSP) */
#define TSC_PH_DEFLATE 0x020u        /* compression methods DEFLATE and null */
#define TSC_PH_FALLBACK_SCSV 0x040u  /* TLS_FALLBACK_SCSV at the end of the suites */
#define TSC_PH_NO_EXTENSIONS 0x080u  /* no extensions block at all (SSL 3.0) */
#define TSC_PH_SUPPORTED_VERSIONS 0x100u /* supported_versions with `versions` */

struct tsc_probe_hello {
    uint16_t version;           /* ClientHello.legacy_version */
    const uint16_t *suites;
    size_t n_suites;
    const uint16_t *versions;   /* supported_versions (TSC_PH_SUPPORTED_VERSIONS) */
    size_t n_versions;
    const uint16_t *groups;     /* supported_groups; omitted when 0 */
    size_t n_groups;
    const uint16_t *shares;     /* key_share entries, only for groups the probe can make one for
                                 * (x25519, secp256r1), written in the order of `groups` (each
                                 * share must be one of them); the extension is sent (maybe
                                 * empty) when TSC_PH_SUPPORTED_VERSIONS is set */
    size_t n_shares;
    const uint16_t *sigalgs;    /* signature_algorithms; omitted when 0 */
    size_t n_sigalgs;
    const char *const *alpn;    /* omitted when 0 */
    size_t n_alpn;
    const char *sni;            /* NULL: no server_name */
    unsigned flags;             /* TSC_PH_* */
};

/* 1 when the probe can make a key share for `group`. */
int tsc_probe_can_share(uint16_t group);
/* Append the hello as TLS records (record version 0x0300 for SSL 3.0, else
 * 0x0301, split at 2^14 bytes) to out. 0, or -1 when out of memory or when
 * a list does not fit its length field. */
int tsc_probe_hello_build(const struct tsc_probe_hello *h, struct tsc_buf *out);
/* An SSL 2.0 CLIENT-HELLO (version 0x0002) offering every SSL 2.0 cipher
 * spec. 0, or -1 when out of memory. */
int tsc_probe_hello_v2(struct tsc_buf *out);

/* ----------------------------------------------------------- answers ---- */

enum tsc_probe_kind {
    TSC_ANS_PENDING,     /* not decided yet: more bytes may decide */
    TSC_ANS_HELLO,       /* a ServerHello (and, up to TLS 1.2, its flight to ServerHelloDone) */
    TSC_ANS_HRR,         /* a HelloRetryRequest */
    TSC_ANS_SSLV2,       /* an SSL 2.0 SERVER-HELLO */
    TSC_ANS_ALERT,
    TSC_ANS_CLOSED,      /* the server closed without answering */
    TSC_ANS_RESET,
    TSC_ANS_TIMEOUT,
    TSC_ANS_NOT_TLS,     /* bytes that are no TLS record */
    TSC_ANS_MALFORMED,   /* TLS records whose handshake does not decode */
};

#define TSC_PROBE_ALPN_MAX 64
#define TSC_PROBE_V2_SPECS 16

struct tsc_probe_answer {
    enum tsc_probe_kind kind;
    uint16_t record_version;
    uint16_t version;       /* negotiated (supported_versions, else legacy) */
    uint16_t suite;
    uint8_t compression;
    uint8_t session_id_len;
    uint8_t alert_level, alert_desc;
    /* extensions the server answered (ServerHello or HRR) */
    uint8_t reneg, ems, etm, ticket, status;
    uint16_t group;         /* HRR selected_group, or the 1.3 key_share's group; 0 none */
    char alpn[TSC_PROBE_ALPN_MAX]; /* "" none */
    /* up to TLS 1.2: the flight after the ServerHello */
    uint8_t done;           /* ServerHelloDone seen */
    uint8_t have_ske, ske_has_sig, cert_status;
    uint16_t ske_group, ske_sig;
    /* SSL 2.0 */
    uint8_t n_v2;
    uint32_t v2_specs[TSC_PROBE_V2_SPECS];
    char why[96];           /* for MALFORMED / NOT_TLS: what was wrong */
};

/*
 * Decide the answer from the first n bytes the server sent. eof: the server
 * closed (no more bytes will come). Returns 1 and fills *a when decided,
 * 0 (a->kind PENDING) when more bytes are needed. Never reads outside
 * p[0..n), allocates nothing; any bytes give a decision or PENDING, and
 * PENDING with eof set never happens. A ServerHello up to TLS 1.2 is
 * decided at ServerHelloDone, or when the flight passes 256 KiB (what is
 * known then), or at eof.
 */
int tsc_probe_answer_read(const uint8_t *p, size_t n, int eof, struct tsc_probe_answer *a);
/* "server_hello", "alert", ... (docs/probe.md). */
const char *tsc_probe_kind_name(enum tsc_probe_kind k);

/* -------------------------------------------------------------- scan ---- */

struct tsc_pipeline;
struct tsc_pcap_writer;

struct tsc_probe_cfg {
    const char *host;           /* as given */
    uint16_t port;
    const char *sni;            /* NULL: none */
    enum tsc_starttls starttls;
    int family;                 /* AF_UNSPEC, AF_INET, AF_INET6 */
    int timeout_ms;
    double rate;                /* connections a second; 0 no pause */
    unsigned max_connections;
    struct ssl_ctx_st *ssl_ctx; /* OpenSSL's client context for the chain check (its trust anchors
                                 * set by the caller); NULL: no chain check */
    struct tsc_pipeline *pl;    /* every probe connection goes here (may be NULL) */
    struct tsc_pcap_writer *pcap; /* and here (may be NULL) */
    void (*progress)(void *ctx, const char *step); /* may be NULL */
    void *progress_ctx;
};

#define TSC_PROBE_MAX_LIST 512
enum tsc_probe_order { TSC_ORDER_UNKNOWN, TSC_ORDER_SERVER, TSC_ORDER_CLIENT, TSC_ORDER_ONE };

struct tsc_probe_list {
    int asked;                  /* the step ran */
    uint16_t version;           /* the version that asked */
    enum tsc_probe_order order;
    size_t n;
    uint32_t v[TSC_PROBE_MAX_LIST];
};

#define TSC_PROBE_N_VERSIONS 6 /* SSL 2.0, SSL 3.0, TLS 1.0 .. 1.3 */
#define TSC_PROBE_MAX_CHAIN 10
#define TSC_PROBE_MAX_FINDINGS 48

struct tsc_probe_cert {
    char subject[256], issuer[256], serial[80], not_before[32], not_after[32];
    char key[48], signature[64], sha256[65];
};

/* -1 could not be asked (JSON null), 0 no, 1 yes */
struct tsc_probe_features {
    int secure_renegotiation, extended_master_secret, encrypt_then_mac, ocsp_stapling;
    int session_id, session_ticket, fallback_scsv;
    int compression_null, compression_deflate; /* -1 when not asked */
    long long ticket_lifetime;                 /* -1 none */
};

struct tsc_probe_result {
    char address[64];           /* the address connected to */
    unsigned connections;
    int complete;               /* 0: the connection budget ran out */
    char error[256];            /* set when the probe could not run (exit 1) */
    int reached_suites, reached_features; /* the steps ran (a stopped probe may not reach them) */
    struct {
        uint16_t code;
        int asked, accepted;
        struct tsc_probe_answer ans;
    } versions[TSC_PROBE_N_VERSIONS];
    struct tsc_probe_list suites[TSC_PROBE_N_VERSIONS];
    struct tsc_probe_list groups, sigalgs;
    int hrr;                    /* -1 could not be asked */
    int alpn_asked;
    size_t n_alpn;
    char alpn[16][TSC_PROBE_ALPN_MAX];
    struct tsc_probe_features feat;
    int have_cert;
    char cert_error[160];
    char cert_version[16], cert_suite[96];
    int verified;
    char verify_error[160];
    size_t n_chain;
    struct tsc_probe_cert chain[TSC_PROBE_MAX_CHAIN];
    size_t n_findings;
    struct tsc_finding findings[TSC_PROBE_MAX_FINDINGS];
};

/* "HOST:PORT", "[V6]:PORT": the target as the report and errors name it. */
const char *tsc_probe_target(const struct tsc_probe_cfg *cfg, char *buf, size_t n);
/* Run the probe; fills *res. 0 when it ran to its end, -1 when it could not
 * run or was cut short (res->error says why, one line naming the target). */
int tsc_probe_run(const struct tsc_probe_cfg *cfg, struct tsc_probe_result *res);
/* Add the findings of one probe connection the passive pipeline judged
 * (the rules about the server; each rule once). */
void tsc_probe_add_findings(struct tsc_probe_result *res, const struct tsc_finding *f, size_t n);

/* ------------------------------------------------------------ render ---- */

enum tsc_probe_form { TSC_PROBE_TEXT, TSC_PROBE_VERBOSE, TSC_PROBE_JSON, TSC_PROBE_SUMMARY };
/* 0, or -1 when writing failed. */
int tsc_probe_render(FILE *out, enum tsc_probe_form form, int color, const struct tsc_probe_cfg *cfg,
                     const struct tsc_probe_result *res);

#endif
