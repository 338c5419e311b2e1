/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — an RFC 6960 OCSP responder and its request builder.
 *
 * eseal_ocsp_respond() answers a DER OCSPRequest with a DER OCSPResponse:
 *   successful       a BasicOCSPResponse (id-pkix-ocsp-basic) signed by the
 *                    responder of the CA that issued the first certificate of
 *                    the request (RFC 6960 §4.2.2.2: a delegated responder
 *                    certificate issued by that CA, EKU id-kp-OCSPSigning,
 *                    with id-pkix-ocsp-nocheck, or the CA itself), with one
 *                    SingleResponse per CertID of the request: good; revoked
 *                    with revocationTime and, when known, the CRLReason;
 *                    unknown for a serial the CA never issued, a CertID of
 *                    another CA, or an unsupported CertID hash. thisUpdate is
 *                    the time of the answer and nextUpdate thisUpdate plus the
 *                    configured validity (RFC 5019 §2.2.4); producedAt is the
 *                    same time; the ResponderID is byKey (RFC 5019 §2.2.3);
 *                    the responder certificate is included; a nonce (RFC 8954,
 *                    1..32 bytes) is echoed when the request has one.
 *   malformedRequest not a whole DER OCSPRequest, larger than
 *                    ESEAL_OCSP_MAX_REQUEST, no CertID or more than
 *                    ESEAL_OCSP_MAX_CERTIDS, or a nonce over 32 bytes.
 *   unauthorized     no CertID names one of the configured CAs (RFC 5019 §2.2.3).
 *   internalError    the status lookup failed.
 * CertIDs are accepted with SHA-1 (what most clients send: an identifier,
 * not a signature; RFC 5019 §2.1.1), SHA-256, SHA-384 and SHA-512 and are
 * echoed as they came. Signed requests are answered like unsigned ones (the
 * optionalSignature is not needed: the status of a certificate is public).
 * A request is never an error: whatever the bytes, the result is a parseable
 * OCSPResponse. Errors are for the responder itself (bad configuration, a key
 * that cannot sign, out of memory).
 *
 * Keys: SM2 (signed with the GM/T 0009 ID "1234567812345678"), ECDSA and RSA
 * (PKCS#1 v1.5) through any backend that hands OpenSSL a key (key files,
 * libp11 tokens).
 *
 * eseal_ocsp_request() builds a request for one certificate (for tests,
 * tools, and the verifier's online fetch).
 */
#ifndef ESEAL_OCSP_H
#define ESEAL_OCSP_H

#include "cert.h"
#include "common.h"
#include "key.h"

ESEAL_BEGIN_DECL

/** Requests larger than this are answered malformedRequest before parsing. */
#define ESEAL_OCSP_MAX_REQUEST 65536
/** At most this many CertIDs per request. */
#define ESEAL_OCSP_MAX_CERTIDS 64
/** Default validity of an answer (nextUpdate - thisUpdate): one hour. */
#define ESEAL_OCSP_DEFAULT_VALIDITY_S 3600

/** CertStatus (RFC 6960 §4.2.1). */
typedef enum {
    ESEAL_OCSP_GOOD = 0,
    ESEAL_OCSP_REVOKED = 1,
    ESEAL_OCSP_UNKNOWN = 2,
} eseal_ocsp_cert_status;

/** OCSPResponseStatus (RFC 6960 §4.2.1). */
typedef enum {
    ESEAL_OCSP_SUCCESSFUL = 0,
    ESEAL_OCSP_MALFORMED_REQUEST = 1,
    ESEAL_OCSP_INTERNAL_ERROR = 2,
    ESEAL_OCSP_TRY_LATER = 3,
    ESEAL_OCSP_SIG_REQUIRED = 5,
    ESEAL_OCSP_UNAUTHORIZED = 6,
} eseal_ocsp_resp_status;

/** What the lookup says about one certificate. */
typedef struct {
    eseal_ocsp_cert_status status;
    int64_t revoked_ms; /**< REVOKED: the revocation time */
    int reason;         /**< REVOKED: RFC 5280 CRLReason, -1 for none */
} eseal_ocsp_status;

/**
 * The status of the certificate with `serial` (big-endian, as in the
 * certificate) issued by CA number `ca_index` of the configuration. Return
 * ESEAL_OK (with UNKNOWN when the serial is not one of that CA's) or a
 * negative code (the answer is then internalError).
 */
typedef int (*eseal_ocsp_lookup_fn)(void *ctx, size_t ca_index, const uint8_t *serial, size_t serial_len,
                                    eseal_ocsp_status *out);

/** The current time in milliseconds since the epoch (tests pin it). */
typedef int64_t (*eseal_ocsp_clock_fn)(void *ctx);

/** One CA the responder answers for, with the certificate and key that sign its answers. */
typedef struct {
    const eseal_cert *ca;        /**< the CA whose certificates are asked about */
    const eseal_cert *responder; /**< delegated responder certificate issued by `ca`, or `ca` itself */
    eseal_key *key;              /**< the responder's key */
} eseal_ocsp_issuer;

#define ESEAL_OCSP_CONFIG_VERSION 1

typedef struct {
    unsigned int version;             /**< ESEAL_OCSP_CONFIG_VERSION */
    const eseal_ocsp_issuer *issuers; /**< at least one */
    size_t issuer_count;
    eseal_ocsp_lookup_fn lookup;      /**< required */
    void *lookup_ctx;
    unsigned int validity_s;          /**< nextUpdate - thisUpdate; 0: ESEAL_OCSP_DEFAULT_VALIDITY_S */
    eseal_ocsp_clock_fn clock;        /**< NULL: the system clock */
    void *clock_ctx;
} eseal_ocsp_config;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_OCSP_CONFIG_INIT { .version = ESEAL_OCSP_CONFIG_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_OCSP_CONFIG_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_OCSP_CONFIG_VERSION.
 */
ESEAL_EXTERN(int) eseal_ocsp_config_init(eseal_ocsp_config *o, unsigned int version);

/**
 * Answers the DER OCSPRequest `req_der` with a DER OCSPResponse in
 * `resp_der` (see above). ESEAL_EINVAL for a bad configuration,
 * ESEAL_EUNSUPPORTED when a key cannot sign here.
 */
ESEAL_EXTERN(int) eseal_ocsp_respond(eseal_buf *resp_der, const void *req_der, size_t len,
                                     const eseal_ocsp_config *cfg);

/**
 * The OCSPResponseStatus of a DER OCSPResponse and, when it is successful,
 * the CertStatus of its first SingleResponse in *cert_status (may be NULL;
 * -1 when there is none). The signature is not checked here: the verifiers
 * do that. ESEAL_EMALFORMED when it is not an OCSPResponse.
 */
ESEAL_EXTERN(int) eseal_ocsp_response_status(int *status, int *cert_status, const void *resp, size_t len);

/**
 * A DER OCSPRequest for `cert` issued by `issuer`: CertID hashed with SHA-1
 * (sha256 = 0, RFC 5019) or SHA-256 (sha256 = 1), with a random 16-byte nonce
 * when `nonce` is 1.
 */
ESEAL_EXTERN(int) eseal_ocsp_request(eseal_buf *req_der, const eseal_cert *cert, const eseal_cert *issuer,
                                     int sha256, int nonce);

ESEAL_END_DECL

#endif
