/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the time-stamp client: ask one or more RFC 3161 TSAs for a token
 * and accept it only when every point of the client checklist holds.
 *
 * eseal_tsa_client_stamp() builds a TimeStampReq (version 1, the imprint, a
 * fresh 64-bit random nonce, certReq true, the policy when one is required),
 * asks the sources in order and returns the first token that passes
 * eseal_tsa_verify_token() with a VALID verdict:
 *
 *   1. the PKIStatus is granted (or granted with modifications);
 *   2. the TSTInfo is version 1 and its messageImprint is the one asked for;
 *   3. the nonce is echoed;
 *   4. the policy is the required one (when one is required);
 *   5. the SignerInfo names the TSA certificate by ESSCertIDv2;
 *   6. that certificate carries exactly one EKU, timeStamping, marked critical;
 *   7. the signature verifies, and the certificate chains to the TSA trust
 *      anchors and was valid (and not revoked) at genTime.
 *
 * A source that fails (no answer in time, an HTTP error, a rejection, a token
 * failing any check) is recorded and the next one is asked. When none gives a
 * token the call fails with ESEAL_EIO and an error naming every source and why
 * it failed: there is never a fallback to the local clock.
 *
 * A source is an http:// or https:// URL (POST application/timestamp-query,
 * RFC 3161 §3.4) or an in-process transport (the instance's own TSA).
 */
#ifndef ESEAL_TSA_CLIENT_H
#define ESEAL_TSA_CLIENT_H

#include "common.h"
#include "report.h"
#include "trust.h"

ESEAL_BEGIN_DECL

/**
 * Obtains a time-stamp token (a DER ContentInfo) over `digest`, made with
 * `hash`: what the stampers call for PAdES B-T signature timestamps, document
 * timestamps and OFD SES_Signature.timeStamp. Returns ESEAL_OK or a negative
 * code with eseal_error_last() saying why no token could be had.
 */
typedef int (*eseal_timestamp_fn)(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len);

/** Answers the DER TimeStampReq `req` with a DER TimeStampResp in `resp`. */
typedef int (*eseal_tsa_transport_fn)(void *ctx, eseal_buf *resp, const void *req, size_t len);

typedef struct {
    const char *url;                  /**< an http(s) URL; or NULL and a transport */
    eseal_tsa_transport_fn transport; /**< used when url is NULL */
    void *transport_ctx;
    const char *name;                 /**< how reports name a transport source ("eseal TSA") */
} eseal_tsa_source;

#define ESEAL_TSA_CLIENT_OPTIONS_VERSION 1

/** The default time allowed for one source's answer (connection included). */
#define ESEAL_TSA_CLIENT_DEFAULT_TIMEOUT_MS 10000u
/** The largest TimeStampResp accepted from a TSA. */
#define ESEAL_TSA_CLIENT_MAX_RESPONSE (256u * 1024u)

typedef struct {
    unsigned int version;            /**< ESEAL_TSA_CLIENT_OPTIONS_VERSION */
    const eseal_tsa_source *sources; /**< asked in this order */
    size_t n_sources;
    const eseal_trust *trust;        /**< the TSA trust anchors (required) */
    const char *policy_oid;          /**< required TSA policy (sent as reqPolicy); NULL: any */
    unsigned int timeout_ms;         /**< per source; 0: ESEAL_TSA_CLIENT_DEFAULT_TIMEOUT_MS */
} eseal_tsa_client_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_TSA_CLIENT_OPTIONS_INIT { .version = ESEAL_TSA_CLIENT_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_TSA_CLIENT_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_TSA_CLIENT_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_tsa_client_options_init(eseal_tsa_client_options *o, unsigned int version);

typedef struct {
    eseal_buf token;       /**< the TimeStampToken (a DER ContentInfo), to embed */
    int64_t gen_time_ms;   /**< its genTime */
    char source[512];      /**< the URL or name of the source that answered */
    char serial[64];       /**< the token's serial number, in hexadecimal */
    eseal_report *report;  /**< the checklist report of the accepted token (owned) */
} eseal_tsa_client_result;

/** Empties `res` (the token buffer and the report). */
ESEAL_EXTERN(void) eseal_tsa_client_result_free(eseal_tsa_client_result *res);

/**
 * Asks for a time-stamp over the digest `digest` (`digest_len` bytes) made with
 * `hash` (SHA-256, SHA-384, SHA-512 or SM3; DEFAULT is SHA-256). On success
 * `res` holds the token (free it with eseal_tsa_client_result_free).
 * ESEAL_EINVAL for bad options or a digest that does not fit the hash;
 * ESEAL_EIO when no source gave an acceptable token.
 */
ESEAL_EXTERN(int) eseal_tsa_client_stamp(eseal_tsa_client_result *res, eseal_hash hash, const void *digest,
                                         size_t digest_len, const eseal_tsa_client_options *opts);

ESEAL_END_DECL

#endif
