/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — detached CMS (CAdES) signatures for any file.
 *
 * Signing builds RFC 5652 SignedData with the signed attributes contentType,
 * messageDigest, signing-certificate-v2 (RFC 5035, SHA-256 ESSCertIDv2) and,
 * unless omitted (PAdES forbids it), signingTime. The signature over the DER
 * of the signed attributes is made by the key's backend, so token keys work
 * unchanged. SM2 signatures use SM3 with the ID "1234567812345678" and the
 * signature algorithm OID 1.2.156.10197.1.501 (GB/T 35275).
 *
 * Verification checks, and reports separately: the content digest, the
 * signature, the signer certificate chain to the trust anchors, the validity of
 * every certificate at the verification time, and revocation from the trust
 * set's CRLs.
 */
#ifndef ESEAL_CMS_H
#define ESEAL_CMS_H

#include "common.h"
#include "context.h"
#include "cert.h"
#include "key.h"
#include "report.h"
#include "trust.h"

ESEAL_BEGIN_DECL

#define ESEAL_CMS_SIGN_OPTIONS_VERSION 2 /* 2: ctx */

typedef struct {
    unsigned int version;           /**< ESEAL_CMS_SIGN_OPTIONS_VERSION */
    eseal_hash hash;                /**< DEFAULT: SM3 for SM2, SHA-512 for Ed25519, else SHA-256 */
    eseal_sig_scheme scheme;        /**< RSA padding */
    int omit_signing_time;          /**< 1: no signingTime attribute (PAdES) */
    int64_t signing_time_ms;        /**< 0: now, by ctx's clock */
    const eseal_cert *const *chain; /**< extra certificates to embed (issuers) */
    size_t chain_len;
    const eseal_context *ctx;       /**< version 2. The clock for signingTime; NULL: eseal_context_default() */
} eseal_cms_sign_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_CMS_SIGN_OPTIONS_INIT { .version = ESEAL_CMS_SIGN_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_CMS_SIGN_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_CMS_SIGN_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_cms_sign_options_init(eseal_cms_sign_options *o, unsigned int version);

/** The hash that `opts->hash` resolves to for a key of `alg`. */
ESEAL_EXTERN(eseal_hash) eseal_cms_default_hash(eseal_key_alg alg);

/**
 * Makes a detached CMS signature (DER) over content whose digest under `hash`
 * is `digest` (use eseal_cms_default_hash() and hash the content yourself, for
 * example the byte ranges of a PDF). `cert` must certify `key`.
 */
ESEAL_EXTERN(int) eseal_cms_sign_digest(eseal_buf *out, eseal_key *key, const eseal_cert *cert,
                                        const void *digest, size_t digest_len,
                                        const eseal_cms_sign_options *opts);

/** Same, hashing `data` first. */
ESEAL_EXTERN(int) eseal_cms_sign(eseal_buf *out, eseal_key *key, const eseal_cert *cert,
                                 const void *data, size_t len, const eseal_cms_sign_options *opts);

/** Same, streaming the file at `path` (no size limit beyond the document limit). */
ESEAL_EXTERN(int) eseal_cms_sign_file(eseal_buf *out, eseal_key *key, const eseal_cert *cert,
                                      const char *path, const eseal_cms_sign_options *opts);

#define ESEAL_CMS_VERIFY_OPTIONS_VERSION 3 /* 2: ctx; 3: document_digests */

typedef struct {
    unsigned int version;             /**< ESEAL_CMS_VERIFY_OPTIONS_VERSION */
    int64_t at_ms;                    /**< validation time; 0: now */
    const eseal_cert *expected_signer; /**< when set, any other signer is INVALID */
    const eseal_context *ctx;         /**< version 2. Limits and clock; NULL: eseal_context_default() */
    unsigned int document_digests;    /**< version 3. ESEAL_DOCUMENT_* bits (report.h); 0: both */
} eseal_cms_verify_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_CMS_VERIFY_OPTIONS_INIT { .version = ESEAL_CMS_VERIFY_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_CMS_VERIFY_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_CMS_VERIFY_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_cms_verify_options_init(eseal_cms_verify_options *o, unsigned int version);

/**
 * Verifies a detached CMS signature over the file at `data_path`. Returns
 * ESEAL_OK with a report (one child per SignerInfo) whenever the check ran;
 * ESEAL_EMALFORMED when `p7s` is not a detached CMS SignedData at all.
 * `trust` may be NULL (then no chain can be trusted: INDETERMINATE).
 */
ESEAL_EXTERN(int) eseal_cms_verify_file(eseal_report **out, const void *p7s, size_t p7s_len,
                                        const char *data_path, const eseal_trust *trust,
                                        const eseal_cms_verify_options *opts);

/** Same, with the content in memory. */
ESEAL_EXTERN(int) eseal_cms_verify(eseal_report **out, const void *p7s, size_t p7s_len,
                                   const void *data, size_t len, const eseal_trust *trust,
                                   const eseal_cms_verify_options *opts);

/** A piece of signed content in memory. */
typedef struct {
    const void *ptr;
    size_t len;
} eseal_bytes_part;

/**
 * Same, with the content in pieces (1..16) hashed in order without joining
 * them: the two byte ranges of a PDF signature.
 */
ESEAL_EXTERN(int) eseal_cms_verify_parts(eseal_report **out, const void *p7s, size_t p7s_len,
                                         const eseal_bytes_part *parts, size_t nparts, const eseal_trust *trust,
                                         const eseal_cms_verify_options *opts);

/**
 * The certificate of SignerInfo `index` (0-based) of the DER CMS SignedData
 * `p7s`, found as verification finds it: among the certificates the signature
 * carries, then `trust`'s intermediates (`trust` may be NULL). Judges nothing:
 * use it after eseal_cms_verify* to ask further questions of the signer (e.g.
 * eseal_ses_seal_allows_cert). ESEAL_EMALFORMED when `p7s` is not SignedData,
 * ESEAL_EINVAL past the last SignerInfo, ESEAL_ENOTFOUND when the certificate
 * is nowhere to be found. Free the result with eseal_cert_free.
 */
ESEAL_EXTERN(int) eseal_cms_signer_cert(eseal_cert **out, const void *p7s, size_t p7s_len, size_t index,
                                        const eseal_trust *trust);

ESEAL_END_DECL

#endif
