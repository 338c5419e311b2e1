/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — an RFC 3161 / RFC 5816 time-stamp authority and its client check.
 *
 * eseal_tsa_respond() answers a DER TimeStampReq with a DER TimeStampResp:
 * granted, with a TSTInfo (version 1, policy, messageImprint, serial number,
 * genTime with milliseconds, accuracy, the nonce when asked) signed as CMS
 * SignedData with signing-certificate-v2 (ESSCertIDv2, SHA-256, or SM3 for
 * SM2 keys, RFC 5816);
 * or a rejection with PKIStatus rejection and a PKIFailureInfo:
 *   badAlg           MD5, SHA-1 or unknown imprint hash, or hash parameters
 *                    other than NULL (accepted: SHA-256, SHA-384, SHA-512, SM3);
 *   badDataFormat    not a DER TimeStampReq, more than 64 KiB, or an imprint
 *                    whose length does not fit its algorithm (OpenSSL's choice);
 *   badRequest       a request version other than 1;
 *   unacceptedPolicy reqPolicy present and not the TSA's policy;
 *   unacceptedExtension any request extension (none is supported).
 * A request is never an error: whatever the bytes, the result is a parseable
 * TimeStampResp. Errors are for the TSA itself (bad configuration, the serial
 * source failing, out of memory).
 *
 * ECDSA (P-256, P-384) and RSA keys whose backend hands OpenSSL an EVP_PKEY
 * (key files and libp11 tokens) sign through OpenSSL's TS code. SM2 keys sign
 * a TSTInfo built the same way as CMS SignedData of eseal's own (SM2 over SM3
 * with the GM/T 0009 ID 1234567812345678, signingCertificateV2 with an SM3
 * ESSCertIDv2), because OpenSSL's TS code cannot sign with SM2
 * (research/probes.md §3); the request rules and rejections are the same.
 *
 * eseal_tsa_verify_token() is the client side (RFC 3161 §2.4.2, RFC 5816,
 * ETSI EN 319 422): status, TSTInfo version, imprint, nonce, policy, the
 * signature, the signer certificate named by ESSCertIDv2, its critical
 * timeStamping EKU, and its chain and validity at genTime.
 */
#ifndef ESEAL_TSA_H
#define ESEAL_TSA_H

#include "common.h"
#include "context.h"
#include "cert.h"
#include "key.h"
#include "report.h"
#include "trust.h"

ESEAL_BEGIN_DECL

/**
 * The policy OID used when the configuration names none. PLACEHOLDER: 99999
 * under 1.3.6.1.4.1 (IANA private enterprise numbers) is not assigned to
 * eseal; a deployment must set its own TSA policy OID (RFC 3628).
 */
#define ESEAL_TSA_DEFAULT_POLICY "1.3.6.1.4.1.99999.1"

/** Requests larger than this are rejected (badDataFormat) before parsing. */
#define ESEAL_TSA_MAX_REQUEST 65536

/**
 * Hands out the next serial number (positive, unique per TSA). Returns
 * ESEAL_OK or a negative code; then the response is a rejection
 * (addInfoNotAvailable) and eseal_tsa_respond() still succeeds. Not needed
 * when the configuration asks for random serials (random_serial).
 */
typedef int (*eseal_tsa_serial_fn)(void *ctx, uint64_t *serial);

/** The current time in milliseconds since the epoch (tests pin it). */
typedef int64_t (*eseal_tsa_clock_fn)(void *ctx);

#define ESEAL_TSA_CONFIG_VERSION 2

typedef struct {
    unsigned int version;           /**< ESEAL_TSA_CONFIG_VERSION */
    eseal_key *key;                 /**< the TSA's signing key */
    const eseal_cert *cert;         /**< its certificate (critical EKU timeStamping) */
    const eseal_cert *const *chain; /**< issuers, included with the certificate when certReq */
    size_t chain_len;
    const char *policy_oid;         /**< NULL: ESEAL_TSA_DEFAULT_POLICY */
    unsigned int accuracy_ms;       /**< 0: 1000 */
    int include_tsa_name;           /**< 1: TSTInfo.tsa = the certificate's subject */
    eseal_tsa_serial_fn next_serial; /**< required unless random_serial */
    void *serial_ctx;
    eseal_tsa_clock_fn clock;       /**< NULL: the system clock */
    void *clock_ctx;
    /**
     * Version 2. 1: each token's serial is drawn by the responder from the system's random source,
     * 126 random bits under a fixed leading bit (a positive INTEGER of 16 content octets, in
     * [2^126, 2^127)), and next_serial is not used: RFC 3161 §2.4.2 asks serials to be unique (up
     * to 160 bits), not consecutive, so no counter has to be kept (or committed) anywhere; two
     * equal serials are as likely as a 126-bit collision, and none equals a counter's value below
     * 2^64. 0: next_serial numbers the tokens.
     */
    int random_serial;
} eseal_tsa_config;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_TSA_CONFIG_INIT { .version = ESEAL_TSA_CONFIG_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_TSA_CONFIG_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_TSA_CONFIG_VERSION.
 */
ESEAL_EXTERN(int) eseal_tsa_config_init(eseal_tsa_config *o, unsigned int version);

/**
 * Answers the DER TimeStampReq `req_der` with a DER TimeStampResp in
 * `resp_der` (granted or a rejection, see above). ESEAL_EINVAL for a bad
 * configuration (including a certificate whose only EKU is not a critical
 * timeStamping), ESEAL_EUNSUPPORTED when the key cannot sign a time-stamp
 * token here (Ed25519; ECDSA/RSA backends without an OpenSSL key). One-shot:
 * sets a responder up and frees it; use a responder for many requests.
 */
ESEAL_EXTERN(int) eseal_tsa_respond(eseal_buf *resp_der, const void *req_der, size_t len,
                                    const eseal_tsa_config *cfg);

/**
 * A configured TSA for many requests: the configuration is checked once, and
 * OpenSSL's responder contexts (not thread-safe) are kept in a pool, one per
 * request in flight, so eseal_tsa_responder_respond() may be called from any
 * number of threads at once. The key, certificates, callbacks and their
 * contexts in `cfg` are borrowed and must outlive the responder; next_serial
 * and clock are then called from several threads and must be thread-safe.
 */
typedef struct eseal_tsa_responder eseal_tsa_responder;
ESEAL_EXTERN(int) eseal_tsa_responder_new(eseal_tsa_responder **out, const eseal_tsa_config *cfg);
/** As eseal_tsa_respond(), with the responder's configuration. */
ESEAL_EXTERN(int) eseal_tsa_responder_respond(eseal_tsa_responder *r, eseal_buf *resp_der, const void *req_der,
                                              size_t len);
ESEAL_EXTERN(void) eseal_tsa_responder_free(eseal_tsa_responder *r);

/** PKIStatus values (RFC 3161 §2.4.2). */
typedef enum {
    ESEAL_TSA_GRANTED = 0,
    ESEAL_TSA_GRANTED_WITH_MODS = 1,
    ESEAL_TSA_REJECTION = 2,
    ESEAL_TSA_WAITING = 3,
    ESEAL_TSA_REVOCATION_WARNING = 4,
    ESEAL_TSA_REVOCATION_NOTIFICATION = 5,
} eseal_tsa_status;

/** PKIFailureInfo bits (1 << bit number of RFC 3161 §2.4.2). */
#define ESEAL_TSA_FAIL_BAD_ALG (1u << 0)
#define ESEAL_TSA_FAIL_BAD_REQUEST (1u << 2)
#define ESEAL_TSA_FAIL_BAD_DATA_FORMAT (1u << 5)
#define ESEAL_TSA_FAIL_TIME_NOT_AVAILABLE (1u << 14)
#define ESEAL_TSA_FAIL_UNACCEPTED_POLICY (1u << 15)
#define ESEAL_TSA_FAIL_UNACCEPTED_EXTENSION (1u << 16)
#define ESEAL_TSA_FAIL_ADD_INFO_NOT_AVAILABLE (1u << 17)
#define ESEAL_TSA_FAIL_SYSTEM_FAILURE (1u << 25)

/**
 * The PKIStatus and PKIFailureInfo bits of a DER TimeStampResp; `fail_info`
 * may be NULL. ESEAL_EMALFORMED when it is not one.
 */
ESEAL_EXTERN(int) eseal_tsa_response_status(int *status, unsigned int *fail_info, const void *resp, size_t len);

#define ESEAL_TSA_VERIFY_OPTIONS_VERSION 2 /* 2: ctx */

typedef struct {
    unsigned int version;   /**< ESEAL_TSA_VERIFY_OPTIONS_VERSION */
    /** The DER TimeStampReq that was sent: imprint, nonce and reqPolicy must match. */
    const void *request;
    size_t request_len;
    /** Or (also) the time-stamped data, hashed with the token's imprint algorithm. */
    const void *data;
    size_t data_len;
    /** The required policy; NULL: the request's reqPolicy when it has one, else any. */
    const char *policy_oid;
    /** 1: a v1 signingCertificate (SHA-1 ESSCertID) is enough; default: ESSCertIDv2 required. */
    int allow_ess_v1;
    /** version 2. Limits (certificates in the token) and clock (the TSA certificate's validity
     *  when the token has no genTime); NULL: eseal_context_default() */
    const eseal_context *ctx;
} eseal_tsa_verify_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_TSA_VERIFY_OPTIONS_INIT { .version = ESEAL_TSA_VERIFY_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_TSA_VERIFY_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_TSA_VERIFY_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_tsa_verify_options_init(eseal_tsa_verify_options *o, unsigned int version);

/**
 * Checks a DER TimeStampResp or a bare time-stamp token (the ContentInfo)
 * against `opts` (at least a request or data is needed) and `trust` (the TSA
 * anchors; NULL: INDETERMINATE). Returns ESEAL_OK with a report whenever the
 * check ran, and the token's genTime in *gen_time_ms (0 when there is none; may
 * be NULL). ESEAL_EMALFORMED when `token` is neither.
 */
ESEAL_EXTERN(int) eseal_tsa_verify_token(eseal_report **out, int64_t *gen_time_ms, const void *token, size_t len,
                                         const eseal_trust *trust, const eseal_tsa_verify_options *opts);

ESEAL_END_DECL

#endif
