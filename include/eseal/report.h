/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — verification reports and verdicts.
 *
 * A report is a tree: a document report holds one child per signature. Each
 * node has a verdict (VALID / INDETERMINATE / INVALID, never collapsed), a list
 * of reasons, and typed data (strings, integers, booleans, times, lists, objects;
 * see eseal_report_data). The verdict of a node is the worst of its own reasons
 * and its children's verdicts. A report is owned by whoever received it from a
 * verify call and freed with eseal_report_free, which frees every value in it.
 *
 * Reason codes follow ETSI EN 319 102-1 sub-indications where one fits
 * (HASH_FAILURE, SIG_CRYPTO_FAILURE, REVOKED, REVOKED_NO_POE,
 * OUT_OF_BOUNDS_NO_POE, NO_CERTIFICATE_CHAIN_FOUND, ...). ESEAL_REASON_TABLE below holds
 * every one; docs/verify-report.md lists them (its table generated from this one).
 */
#ifndef ESEAL_REPORT_H
#define ESEAL_REPORT_H

#include "common.h"

ESEAL_BEGIN_DECL

typedef enum {
    ESEAL_VALID = 0,
    ESEAL_INDETERMINATE = 1,
    ESEAL_INVALID = 2,
} eseal_verdict;

/*
 * The version of the report's shape ("report_version" in its data and JSON). It changes with any
 * change of docs/verify-report.schema.json that a consumer could notice; docs/verify-report.md
 * keeps the history.
 */
#define ESEAL_REPORT_VERSION 6

/*
 * Which digests of the whole file a report's document part carries (document.sha256 and
 * document.sm3, "to tie the report to the file"): a bit set for the verify options'
 * `document_digests` (eseal_verify_request, eseal_pdf_verify_options, eseal_ofd_verify_options,
 * eseal_cms_verify_options). 0 means both, the default. A digest left out is null in the report
 * and is not computed: on a large file the SM3 pass over it is most of a verification
 * (docs/performance.md). Any other bit is refused (ESEAL_EINVAL).
 */
#define ESEAL_DOCUMENT_SHA256 1u
#define ESEAL_DOCUMENT_SM3 2u
#define ESEAL_DOCUMENT_DIGESTS_ALL (ESEAL_DOCUMENT_SHA256 | ESEAL_DOCUMENT_SM3)
/*
 * The bits of a list as people write it: "sha256", "sm3", or both comma-separated (in either
 * order, each at most once; `eseal verify --digests LIST`, `POST /api/v1/verify?digests=LIST`).
 * ESEAL_EINVAL for anything else, an empty item included.
 */
ESEAL_EXTERN(int) eseal_document_digests_parse(unsigned int *out, const char *list);
/* The rules a verdict follows ("policy" in the document's data): docs/verify-report.md, "Validation policy". */
#define ESEAL_VALIDATION_POLICY_NAME "eseal-validation"
#define ESEAL_VALIDATION_POLICY_VERSION "1"

/** "VALID", "INDETERMINATE" or "INVALID". */
ESEAL_EXTERN(const char *) eseal_verdict_name(eseal_verdict v);

/* The verdicts a reason may impose, as a set (a reason's third column below). */
#define ESEAL_RV_VALID (1u << ESEAL_VALID)
#define ESEAL_RV_INDETERMINATE (1u << ESEAL_INDETERMINATE)
#define ESEAL_RV_INVALID (1u << ESEAL_INVALID)

/*
 * Every reason code a report can carry, in one table (after s2n-tls's error table):
 * X(code, verdicts, doc line). `code` is the stable machine name reports carry ("HASH_FAILURE");
 * `verdicts` the set of verdicts it may impose (VALID = an informative note); `doc line` the
 * sentence of the generated table in docs/verify-report.md (a test compares the two). Codes
 * follow ETSI EN 319 102-1 sub-indications where one fits. Append new codes; never rename one.
 */
#define ESEAL_REASON_TABLE(X)                                                                                          \
    X(HASH_FAILURE, ESEAL_RV_INVALID,                                                                                  \
      "the digest of the signed data (file, protected package file, time-stamp imprint) differs from the signed one")  \
    X(SIG_CRYPTO_FAILURE, ESEAL_RV_INVALID,                                                                            \
      "the signature value does not verify with the signer's public key, or its algorithm does not fit the key")       \
    X(SM2_EMPTY_ID, ESEAL_RV_INDETERMINATE,                                                                            \
      "an SM2 signature verifies only with an empty distinguishing ID, not with 1234567812345678 (GM/T 0009)")         \
    X(FORMAT_FAILURE, ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE,                                                       \
      "a structure the signature depends on is missing, malformed or not what the format requires")                    \
    X(SIGNING_CERTIFICATE_MISMATCH, ESEAL_RV_INVALID,                                                                  \
      "the signing-certificate-v2 attribute names another certificate than the one that verifies")                     \
    X(SIGNER_MISMATCH, ESEAL_RV_INVALID, "the signature was made with another certificate than the one expected")      \
    X(NO_SIGNING_CERTIFICATE_FOUND, ESEAL_RV_INDETERMINATE,                                                            \
      "the signer's certificate is neither in the signature nor among the certificates supplied")                      \
    X(CRYPTO_CONSTRAINTS_FAILURE, ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE,                                           \
      "a digest or signature algorithm that is not accepted (SHA-1, an unknown CheckMethod, ...)")                     \
    X(NO_CERTIFICATE_CHAIN_FOUND, ESEAL_RV_INDETERMINATE,                                                              \
      "no trust anchors are configured, or the signer's certificate does not chain to one")                            \
    X(CERTIFICATE_SIGNATURE_FAILURE, ESEAL_RV_INVALID,                                                                 \
      "a certificate on the path has a signature that does not verify under its issuer's key")                         \
    X(CHAIN_CONSTRAINTS_FAILURE, ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE,                                            \
      "the path or the signer's key usage breaks a constraint (basic constraints, key usage, EKU, ...)")               \
    X(OUT_OF_BOUNDS_NO_POE, ESEAL_RV_INDETERMINATE,                                                                    \
      "a certificate of the chain had expired and no timestamp proves the signature existed before")                   \
    X(NOT_YET_VALID, ESEAL_RV_INDETERMINATE, "a certificate of the chain was not yet valid at the validation time")    \
    X(CLAIMED_TIME_OUT_OF_BOUNDS, ESEAL_RV_INDETERMINATE,                                                              \
      "the time the signer claims lies outside the validity of the signer's certificate")                              \
    X(REVOCATION_UNKNOWN, ESEAL_RV_INDETERMINATE,                                                                      \
      "no correctly signed CRL or OCSP response covers a certificate of the chain")                                    \
    X(REVOCATION_OUT_OF_DATE, ESEAL_RV_INDETERMINATE,                                                                  \
      "the newest CRL or OCSP response for a certificate had passed its nextUpdate")                                   \
    X(REVOKED, ESEAL_RV_INVALID, "the signer's certificate is revoked, and the signature claims no earlier time")      \
    X(REVOKED_NO_POE, ESEAL_RV_INDETERMINATE,                                                                          \
      "the signer's certificate is revoked; the signature claims an earlier time that no timestamp proves")            \
    X(REVOKED_CA, ESEAL_RV_INVALID,                                                                                    \
      "a CA certificate of the chain is revoked, and the signature claims no earlier time")                            \
    X(REVOKED_CA_NO_POE, ESEAL_RV_INDETERMINATE,                                                                       \
      "a CA certificate of the chain is revoked; the signature claims an earlier time that no timestamp proves")       \
    X(TIMESTAMP_INVALID, ESEAL_RV_INVALID,                                                                             \
      "the signature's timestamp is not a valid time-stamp token over its signature value")                            \
    X(TIMESTAMP_UNTRUSTED, ESEAL_RV_INDETERMINATE,                                                                     \
      "the signature's timestamp is sound but cannot be trusted; the signature is judged as if it had none")           \
    X(SEAL_NOT_YET_VALID, ESEAL_RV_INVALID, "the validation time is before the seal's validStart")                     \
    X(SEAL_EXPIRED, ESEAL_RV_INVALID, "the validation time is after the seal's validEnd")                              \
    X(SEAL_SUSPENDED, ESEAL_RV_INVALID,                                                                                \
      "the seal's registry says the seal was suspended at the validation time")                                        \
    X(SEAL_REVOKED, ESEAL_RV_INVALID,                                                                                  \
      "the seal's registry says the seal was revoked at the validation time")                                          \
    X(SEAL_CANCELLED, ESEAL_RV_INVALID,                                                                                \
      "the seal's registry says the seal was cancelled at the validation time")                                        \
    X(SEAL_NOT_ACTIVE, ESEAL_RV_INDETERMINATE,                                                                         \
      "this registry knows the seal but it was not active (or did not exist) at the validation time")                  \
    X(SEAL_NOT_REGISTERED, ESEAL_RV_INVALID, "this registry holds other bytes under the seal's esID")                  \
    X(NO_BOUND_SIGNER, ESEAL_RV_VALID,                                                                                 \
      "the seal lists no usable signer certificate, so no stamp can be checked against it")                            \
    X(SEAL_NOT_ALLOWED, ESEAL_RV_INVALID, "the signer's certificate is not one the embedded seal lists")               \
    X(SEAL_BINDING_UNCHECKED, ESEAL_RV_INDETERMINATE,                                                                  \
      "the signer's certificate could not be found, so its binding to the seal was not checked")                       \
    X(SEAL_FORMAT_FAILURE, ESEAL_RV_INVALID,                                                                           \
      "the embedded seal cannot be read, or is not the seal file the package names")                                   \
    X(NO_SEAL, ESEAL_RV_VALID, "a plain signature without an embedded seal")                                           \
    X(NO_SIGNATURE, ESEAL_RV_INDETERMINATE, "the document has no signatures")                                          \
    X(CHANGED_AFTER_SIGNING, ESEAL_RV_INVALID,                                                                         \
      "a later revision or file changed or added what no permitted change explains")                                   \
    X(MDP_VIOLATION, ESEAL_RV_INVALID,                                                                                 \
      "a later revision exists under DocMDP P=1, or filled a form field this signature locks")                         \
    X(FORM_FILLED, ESEAL_RV_VALID, "form fields were filled after this signature, within its permissions")             \
    X(ANNOTATIONS_ADDED, ESEAL_RV_VALID, "comment annotations were added after this signature, as DocMDP P=3 allows")  \
    X(ANNOTATION_APPEARANCE, ESEAL_RV_INDETERMINATE,                                                                   \
      "a comment annotation added later brings its own appearance, which may paint over signed content")               \
    X(DUPLICATE_SIGNATURE, ESEAL_RV_INVALID, "this signature field shows a signature already listed")                  \
    X(LATER_CHANGES_UNCHECKED, ESEAL_RV_INDETERMINATE, "the later revisions could not be compared")                    \
    X(AMBIGUOUS_STRUCTURE, ESEAL_RV_INVALID, "the file's structure lets readers resolve an object differently")        \
    X(SIGNATURE_LIST_ANOMALY, ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE | ESEAL_RV_VALID,                              \
      "the OFD signature list says something the package contradicts or other readers read differently")               \
    X(LATER_STAMP_MISSING, ESEAL_RV_VALID,                                                                             \
      "this instance's audit log records a later stamp of this very document, which the copy verified lacks")          \
    X(SIGNER_CERT_NOT_FOUND, ESEAL_RV_INDETERMINATE,                                                                   \
      "a plain OFD signature carries no certificate and none was given")                                               \
    X(TSA_REJECTED, ESEAL_RV_INVALID, "the TSA did not grant the time-stamp")                                          \
    X(HASH_ALGORITHM_NOT_ACCEPTED, ESEAL_RV_INVALID,                                                                   \
      "the time-stamp imprint uses a digest other than SHA-256, SHA-384, SHA-512 or SM3")                              \
    X(NONCE_MISMATCH, ESEAL_RV_INVALID, "the time-stamp token's nonce is not the request's")                           \
    X(POLICY_MISMATCH, ESEAL_RV_INVALID, "the time-stamp token's policy is not the one required")                      \
    X(SIGNING_CERTIFICATE_MISSING, ESEAL_RV_INVALID,                                                                   \
      "the time-stamp token has no signing-certificate-v2 attribute (RFC 5816)")                                       \
    X(REQUEST_MISMATCH, ESEAL_RV_INVALID,                                                                              \
      "the time-stamp token's version, imprint, nonce or policy is not the request's")                                 \
    X(LOG_INCLUSION_FAILURE, ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE,                                                \
      "this platform's audit log does not back the stamp the signature claims to be")                                  \
    X(SEAL_MAKER_NOT_RECOGNISED, ESEAL_RV_INVALID,                                                                     \
      "the seal's maker was not a granted seal maker of the platform that lists it, at the validation time")           \
    X(SEAL_STATUS_UNKNOWN, ESEAL_RV_INDETERMINATE,                                                                     \
      "no answer of the registry of the platform that made the seal covers the validation time")

/** A reason code: ESEAL_R_HASH_FAILURE, ... (ESEAL_REASON_TABLE's order). */
typedef enum {
#define ESEAL_X_REASON_ENUM(code, verdicts, doc) ESEAL_R_##code,
    ESEAL_REASON_TABLE(ESEAL_X_REASON_ENUM)
#undef ESEAL_X_REASON_ENUM
    ESEAL_REASON_COUNT /**< not a reason: the number of reasons */
} eseal_reason;

/** "HASH_FAILURE" for ESEAL_R_HASH_FAILURE: the code reports carry; NULL outside the table. */
ESEAL_EXTERN(const char *) eseal_reason_name(eseal_reason code);

typedef struct eseal_report eseal_report;

/** Verdict of the node: the worst of its reasons and children. */
ESEAL_EXTERN(eseal_verdict) eseal_report_verdict(const eseal_report *r);

ESEAL_EXTERN(size_t) eseal_report_reason_count(const eseal_report *r);
/** Stable machine code of reason i, e.g. "REVOKED" (eseal_reason_name of its id). Static. */
ESEAL_EXTERN(const char *) eseal_report_reason_code(const eseal_report *r, size_t i);
/** Reason i as a table entry (ESEAL_R_REVOKED); ESEAL_REASON_COUNT when there is no reason i. */
ESEAL_EXTERN(eseal_reason) eseal_report_reason_id(const eseal_report *r, size_t i);
/** Human sentence of reason i. Borrowed from r. */
ESEAL_EXTERN(const char *) eseal_report_reason_text(const eseal_report *r, size_t i);
/** The verdict reason i imposes (VALID for purely informative notes). */
ESEAL_EXTERN(eseal_verdict) eseal_report_reason_verdict(const eseal_report *r, size_t i);

/*
 * The data of a node, as a typed tree (docs/verify-report.md is its reference and
 * docs/verify-report.schema.json its contract). A document report's data holds report_version,
 * format, document, validation_time, policy and validation_objects; a signature's holds the
 * sections signature, signer, seal, time, coverage and checks, the same keys for PDF, OFD and
 * CMS (a section or value that does not apply is null, never absent).
 *
 * Every eseal_value is borrowed from the report and lives as long as it. Times are
 * milliseconds since the Unix epoch (UTC); JSON shows them as RFC 3339 with milliseconds.
 */
typedef enum {
    ESEAL_VALUE_NULL = 0,
    ESEAL_VALUE_STRING = 1,  /**< UTF-8; also every enumeration (its values are in the schema) */
    ESEAL_VALUE_INTEGER = 2, /**< int64_t */
    ESEAL_VALUE_BOOLEAN = 3,
    ESEAL_VALUE_TIME = 4,   /**< int64_t milliseconds since 1970-01-01T00:00:00Z */
    ESEAL_VALUE_LIST = 5,   /**< items in order */
    ESEAL_VALUE_OBJECT = 6, /**< members in a fixed order, each with a key */
    ESEAL_VALUE_NUMBER = 7, /**< double: a real number (a rectangle in points) */
} eseal_value_type;

typedef struct eseal_value eseal_value;

/** The node's data: an object. Borrowed from r. */
ESEAL_EXTERN(const eseal_value *) eseal_report_data(const eseal_report *r);
/**
 * The value at a dotted path below the node's data: "signer.subject", "coverage.byte_ranges.0.length"
 * (a number indexes a list), "checks.chain.status" (a name applied to a list picks the item whose
 * "id" is that name). NULL when there is no such value. Borrowed from r.
 */
ESEAL_EXTERN(const eseal_value *) eseal_report_find(const eseal_report *r, const char *path);
/** The string at path, or NULL when there is none or it is not a string. Borrowed from r. */
ESEAL_EXTERN(const char *) eseal_report_string(const eseal_report *r, const char *path);
/** *out = the integer at path: ESEAL_OK, or ESEAL_ENOTFOUND when there is no integer there. */
ESEAL_EXTERN(int) eseal_report_integer(const eseal_report *r, const char *path, int64_t *out);
/** *out = 1 or 0 for the boolean at path: ESEAL_OK, or ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_report_boolean(const eseal_report *r, const char *path, int *out);
/** *ms = the time at path (milliseconds since the epoch): ESEAL_OK, or ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_report_time(const eseal_report *r, const char *path, int64_t *ms);

/** ESEAL_VALUE_NULL for v == NULL. */
ESEAL_EXTERN(eseal_value_type) eseal_value_type_of(const eseal_value *v);
/** The string, or NULL when v is not a string. */
ESEAL_EXTERN(const char *) eseal_value_string(const eseal_value *v);
/** The integer (or time in milliseconds); 0 when v is neither. */
ESEAL_EXTERN(int64_t) eseal_value_integer(const eseal_value *v);
/** The real number (or integer, converted); 0 otherwise. */
ESEAL_EXTERN(double) eseal_value_number(const eseal_value *v);
/** 1 for true, 0 for false or when v is not a boolean. */
ESEAL_EXTERN(int) eseal_value_boolean(const eseal_value *v);
/** Items of a list, members of an object; 0 otherwise. */
ESEAL_EXTERN(size_t) eseal_value_count(const eseal_value *v);
/** Item or member i, or NULL. */
ESEAL_EXTERN(const eseal_value *) eseal_value_item(const eseal_value *v, size_t i);
/** The key of member i of an object, or NULL. */
ESEAL_EXTERN(const char *) eseal_value_key(const eseal_value *v, size_t i);
/** The value at a dotted path below v (as eseal_report_find), or NULL. */
ESEAL_EXTERN(const eseal_value *) eseal_value_find(const eseal_value *v, const char *path);

/*
 * The checks of a signature: a list of {id, status, detail, source, objects} in its data
 * ("checks"). Ids are stable (docs/verify-report.md lists them); `objects` names the
 * validation objects (certificates, CRLs, OCSP responses, timestamps) the check used.
 */
typedef enum {
    ESEAL_CHECK_PASSED = 0,
    ESEAL_CHECK_FAILED = 1,
    ESEAL_CHECK_INDETERMINATE = 2,
    ESEAL_CHECK_NOT_APPLICABLE = 3,
    ESEAL_CHECK_ABSENT = 4, /**< not a status: the report has no such check */
} eseal_check_status;

/** "passed", "failed", "indeterminate", "not_applicable"; NULL for anything else. */
ESEAL_EXTERN(const char *) eseal_check_status_name(eseal_check_status s);
/** The status of check `id` of this node, or ESEAL_CHECK_ABSENT. */
ESEAL_EXTERN(eseal_check_status) eseal_report_check(const eseal_report *r, const char *id);

ESEAL_EXTERN(size_t) eseal_report_child_count(const eseal_report *r);
/** Child i (a signature of a document). Borrowed from r. */
ESEAL_EXTERN(const eseal_report *) eseal_report_child(const eseal_report *r, size_t i);

/** True (1) when some reason of this node or below has `code`. */
ESEAL_EXTERN(int) eseal_report_has_reason(const eseal_report *r, const char *code);

ESEAL_EXTERN(void) eseal_report_free(eseal_report *r);

ESEAL_END_DECL

#endif
