/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — X.509 certificates.
 */
#ifndef ESEAL_CERT_H
#define ESEAL_CERT_H

#include "common.h"
#include "key.h"

ESEAL_BEGIN_DECL

typedef struct eseal_cert eseal_cert;

/** Parses one certificate from PEM or DER (exactly one object; trailing bytes are an error). */
ESEAL_EXTERN(int) eseal_cert_parse(eseal_cert **out, const void *data, size_t len);

/** Reads one certificate (the first of a PEM bundle) from a file. */
ESEAL_EXTERN(int) eseal_cert_load(eseal_cert **out, const char *path);

/** Subject in RFC 2253 form ("CN=...,O=...,C=CN"). Borrowed. */
ESEAL_EXTERN(const char *) eseal_cert_subject(const eseal_cert *cert);
ESEAL_EXTERN(const char *) eseal_cert_issuer(const eseal_cert *cert);
/** Serial number, upper-case hex. Borrowed. */
ESEAL_EXTERN(const char *) eseal_cert_serial(const eseal_cert *cert);
/** SHA-256 of the DER, lower-case hex (64 chars). Borrowed. */
ESEAL_EXTERN(const char *) eseal_cert_fingerprint(const eseal_cert *cert);
/** Validity in milliseconds since the Unix epoch. */
ESEAL_EXTERN(int64_t) eseal_cert_not_before(const eseal_cert *cert);
ESEAL_EXTERN(int64_t) eseal_cert_not_after(const eseal_cert *cert);
/** Algorithm of the certified key (ESEAL_ALG_NONE when eseal cannot sign with it). */
ESEAL_EXTERN(eseal_key_alg) eseal_cert_key_alg(const eseal_cert *cert);

ESEAL_EXTERN(int) eseal_cert_der(eseal_buf *out, const eseal_cert *cert);
ESEAL_EXTERN(int) eseal_cert_pem(eseal_buf *out, const eseal_cert *cert);

/** 1 when the certificate certifies the public key of `key`, else 0. */
ESEAL_EXTERN(int) eseal_cert_matches_key(const eseal_cert *cert, const eseal_key *key);

/**
 * Verifies `sig` over `data` with the certificate's public key (SM2 with ID
 * "1234567812345678"). Sets *valid to 1 or 0; an error only when the check
 * could not run (for example a hash the key type does not sign with).
 */
ESEAL_EXTERN(int) eseal_cert_verify_data(int *valid, const eseal_cert *cert, eseal_hash hash,
                                         eseal_sig_scheme scheme, const void *data, size_t len,
                                         const void *sig, size_t sig_len);

ESEAL_EXTERN(void) eseal_cert_free(eseal_cert *cert);

ESEAL_END_DECL

#endif
