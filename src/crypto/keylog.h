/*
 * keylog.h - NSS key log files (SSLKEYLOGFILE), as browsers, curl, OpenSSL
 * and GnuTLS write them: one `LABEL <client_random hex> <secret hex>` per
 * line, `#` comments and blank lines ignored.
 *
 * Labels kept: CLIENT_RANDOM (TLS <= 1.2 master secret, 48 bytes),
 * CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET, EARLY_EXPORTER_SECRET (TLS 1.3,
 * 32 or 48 bytes); CLIENT_TRAFFIC_SECRET and SERVER_TRAFFIC_SECRET (no
 * "_0", as some key logs write them) are the _0 ones. A line that does not parse (bad hex, wrong length, no
 * fields) is skipped and counted with the number of the first such line; a
 * line with a label this list does not know (e.g. Wireshark's `RSA`) is
 * counted apart. Nothing in a key log is fatal.
 *
 * The store is an open-addressed table keyed by client random (SipHash with
 * a random key); a later line for the same random and label replaces the
 * earlier one. Lookups are read-only and may run in several threads at once
 * while no load or refresh runs.
 */
#ifndef TSC_CRYPTO_KEYLOG_H
#define TSC_CRYPTO_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

enum tsc_kl_label {
    TSC_KL_CLIENT_RANDOM = 0,
    TSC_KL_CLIENT_EARLY,
    TSC_KL_CLIENT_HS,
    TSC_KL_SERVER_HS,
    TSC_KL_CLIENT_AP0,
    TSC_KL_SERVER_AP0,
    TSC_KL_EXPORTER,
    TSC_KL_EARLY_EXPORTER,
    TSC_KL_N
};

#define TSC_KL_SECRET_MAX 48 /* SHA-384 secrets and master secrets */

struct tsc_keylog_stats {
    uint64_t lines;           /* lines read (comments and blank lines included) */
    uint64_t entries;         /* secrets stored (replacements included) */
    uint64_t malformed;       /* lines skipped because they do not parse */
    uint64_t first_malformed; /* line number (from 1) of the first, 0 if none */
    uint64_t unknown_labels;  /* well-formed lines with a label not kept */
    uint64_t randoms;         /* distinct client randoms */
};

struct tsc_keylog;

struct tsc_keylog *tsc_keylog_new(void);
void tsc_keylog_free(struct tsc_keylog *kl);

/* Parse key log text. Lines may span calls: an unterminated last line is
 * kept until the next call (or tsc_keylog_parse_end). */
tsc_result tsc_keylog_parse(struct tsc_keylog *kl, const uint8_t *p, size_t n);
/* The text ended: parse a last line without a newline. */
tsc_result tsc_keylog_parse_end(struct tsc_keylog *kl);

/* Read the whole file (then remember it for tsc_keylog_refresh): complete
 * lines, and a last line without a newline if it parses (a writer may be in
 * the middle of it: the next refresh reads it again, whole). Returns an
 * error naming the reason when the file cannot be opened or read. */
tsc_result tsc_keylog_load(struct tsc_keylog *kl, const char *path);
/* Remember a file that does not exist yet, for tsc_keylog_refresh. */
tsc_result tsc_keylog_watch(struct tsc_keylog *kl, const char *path);
/* Read what was appended to the file since the last load or refresh (a
 * live capture's key log grows while it runs). Complete lines only. */
tsc_result tsc_keylog_refresh(struct tsc_keylog *kl);

/* The secret logged for (label, client random): its length, 0 if none. */
size_t tsc_keylog_get(const struct tsc_keylog *kl, enum tsc_kl_label label, const uint8_t client_random[32],
                      const uint8_t **secret);
/* Whether anything at all is logged for this client random. */
int tsc_keylog_has_random(const struct tsc_keylog *kl, const uint8_t client_random[32]);

const struct tsc_keylog_stats *tsc_keylog_stats(const struct tsc_keylog *kl);
/* Keep at most about 2 * max client randoms (a long-running peer's own key
 * log): past max, a new table starts and the one before it stays readable
 * until the next turn. 0 (the default): no limit. */
void tsc_keylog_set_max(struct tsc_keylog *kl, size_t max_randoms);
const char *tsc_keylog_label_name(enum tsc_kl_label label);

#endif
