/*
 * crypto_int.h - between the files of src/crypto only (no other module
 * includes it): the OpenSSL library context they share.
 */
#ifndef TSC_CRYPTO_CRYPTO_INT_H
#define TSC_CRYPTO_CRYPTO_INT_H

#include <openssl/types.h>

/* A context of this module's own with the default provider, and the
 * legacy one when it loads (RC4, DES, SEED, IDEA); NULL if it could not be
 * made. Loading the legacy provider here does not change what the rest of
 * the process gets. */
OSSL_LIB_CTX *tsc_crypto_libctx(void);
/* Whether the legacy provider loaded. */
int tsc_crypto_legacy(void);

#endif
