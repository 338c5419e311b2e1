/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The versioned structs a caller fills, in one table (after libgit2's git_*_options_init and
 * GIT_ERROR_CHECK_VERSION).
 *
 * Every public struct with an `unsigned int version` first field that a caller fills and hands to
 * the library (options, requests, configurations, specs, the principal, an audit entry, a backend
 * table) has one row here: its short name, its type, how messages name it, the oldest version the
 * library still reads and the current one. From this table come
 * - the public eseal_<name>_init(ptr, version) functions (versions.c): NULL and unknown versions
 *   refused with ESEAL_EINVAL, otherwise the struct zeroed and its version set (zero means the
 *   documented default in every field);
 * - ES_CHECK_VERSION at every public entry that takes such a struct: one message form,
 *   "<what>: version V, this library knows N (start from eseal_<name>_init)".
 * tests/unit/test_versions.c hands every entry a bad version, and scripts/versions-check
 * (ctest versions_complete) fails when a header gains a versioned struct or an entry taking one
 * that the table or the test does not know.
 *
 * The row's version macros are expanded only where ES_VERSIONED is used with them (versions.c),
 * so this header needs none of the public headers.
 */
#ifndef ES_VERSIONS_H
#define ES_VERSIONS_H

#include <stdbool.h>

#include "result.h"

/* X(name, type, what, oldest accepted version, current version macro) */
#define ES_VERSIONED(X)                                                                                 \
    X(audit_entry, eseal_audit_entry, "audit entry", 1, ESEAL_AUDIT_ENTRY_VERSION)                      \
    X(cms_sign_options, eseal_cms_sign_options, "CMS sign options", 1, ESEAL_CMS_SIGN_OPTIONS_VERSION)  \
    X(cms_verify_options, eseal_cms_verify_options, "CMS verify options", 1,                            \
      ESEAL_CMS_VERIFY_OPTIONS_VERSION)                                                                 \
    X(imprint_spec, eseal_imprint_spec, "imprint spec", 1, ESEAL_IMPRINT_SPEC_VERSION)                  \
    X(instance_init_options, eseal_instance_init_options, "instance init options", 1,                   \
      ESEAL_INSTANCE_INIT_OPTIONS_VERSION)                                                              \
    X(cert_request, eseal_cert_request, "certificate request", 1, ESEAL_CERT_REQUEST_VERSION)           \
    X(verify_request, eseal_verify_request, "verify request", 1, ESEAL_VERIFY_REQUEST_VERSION)          \
    X(seal_request, eseal_seal_request, "seal request", 2, ESEAL_SEAL_REQUEST_VERSION)                  \
    X(stamp_request, eseal_stamp_request, "stamp request", 2, ESEAL_STAMP_REQUEST_VERSION)              \
    X(extend_request, eseal_extend_request, "extend request", 1, ESEAL_EXTEND_REQUEST_VERSION)          \
    X(report_doc_options, eseal_report_doc_options, "report document options", 1,                     \
      ESEAL_REPORT_DOC_OPTIONS_VERSION)                                                                 \
    X(grant_request, eseal_grant_request, "grant request", 1, ESEAL_GRANT_REQUEST_VERSION)              \
    X(request_submit_options, eseal_request_submit_options, "request submission", 1,                  \
      ESEAL_REQUEST_SUBMIT_OPTIONS_VERSION)                                                             \
    X(receipt_check, eseal_receipt_check, "receipt check", 1, ESEAL_RECEIPT_CHECK_VERSION)              \
    X(ocsp_config, eseal_ocsp_config, "OCSP configuration", 1, ESEAL_OCSP_CONFIG_VERSION)               \
    X(ofd_verify_options, eseal_ofd_verify_options, "OFD verify options", 1,                            \
      ESEAL_OFD_VERIFY_OPTIONS_VERSION)                                                                 \
    X(pdf_stamp_options, eseal_pdf_stamp_options, "PDF stamp options", 1, ESEAL_PDF_STAMP_OPTIONS_VERSION) \
    X(pdf_verify_options, eseal_pdf_verify_options, "PDF verify options", 1,                            \
      ESEAL_PDF_VERIFY_OPTIONS_VERSION)                                                                 \
    X(principal, eseal_principal, "principal", 1, ESEAL_PRINCIPAL_VERSION)                              \
    X(seal_info, eseal_seal_info, "seal info", 1, ESEAL_SEAL_INFO_VERSION)                              \
    X(ses_sign_request, eseal_ses_sign_request, "SES sign request", 1, ESEAL_SES_SIGN_REQUEST_VERSION)  \
    X(serve_options, eseal_serve_options, "serve options", 1, ESEAL_SERVE_OPTIONS_VERSION)              \
    X(trustlist_publish_options, eseal_trustlist_publish_options, "trust list publish options", 1,      \
      ESEAL_TRUSTLIST_PUBLISH_OPTIONS_VERSION)                                                          \
    X(tsa_config, eseal_tsa_config, "TSA configuration", 1, ESEAL_TSA_CONFIG_VERSION)                   \
    X(tsa_verify_options, eseal_tsa_verify_options, "TSA verify options", 1,                            \
      ESEAL_TSA_VERIFY_OPTIONS_VERSION)                                                                 \
    X(tsa_client_options, eseal_tsa_client_options, "TSA client options", 1,                            \
      ESEAL_TSA_CLIENT_OPTIONS_VERSION)                                                                 \
    X(key_backend, eseal_key_backend, "key backend", 1, ESEAL_KEY_BACKEND_VERSION)                      \
    X(audit_query, eseal_audit_query, "audit query", 1, ESEAL_AUDIT_QUERY_VERSION)                      \
    X(tl_info, eseal_tl_info, "trust list info", 1, ESEAL_TL_INFO_VERSION)                              \
    X(registry_answer, eseal_registry_answer, "registry answer", 1, ESEAL_REGISTRY_ANSWER_VERSION)

#define ES_VID_(name, type, what, oldest, current) ES_VID_##name,
typedef enum { ES_VERSIONED(ES_VID_) ES_VID_COUNT } es_vid;
#undef ES_VID_

/*
 * ESEAL_EINVAL unless `present` and oldest <= version <= current of row `id`:
 * "<what>: NULL (start from eseal_<name>_init)" or
 * "<what>: version V, this library knows N (start from eseal_<name>_init)".
 */
ES_RESULT es_version_check(es_vid id, bool present, unsigned int version);

/* The struct `p` (required) must carry a version the library knows. */
#define ES_CHECK_VERSION(p, name) ES_GUARD(es_version_check(ES_VID_##name, (p) != NULL, (p) != NULL ? (p)->version : 0u))

/* The same for a struct that may be NULL (then the defaults apply). */
#define ES_CHECK_VERSION_OPT(p, name)                                                                   \
    do {                                                                                                \
        if ((p) != NULL) {                                                                              \
            ES_CHECK_VERSION(p, name);                                                                  \
        }                                                                                               \
    } while (0)

/* The same two in a function that returns a public int code. */
#define ES_CHECK_VERSION_INT(p, name)                                                                   \
    do {                                                                                                \
        int es_vrc_ = es_code(es_version_check(ES_VID_##name, (p) != NULL, (p) != NULL ? (p)->version : 0u)); \
        if (es_vrc_ != ESEAL_OK) {                                                                      \
            return es_vrc_;                                                                             \
        }                                                                                               \
    } while (0)

#define ES_CHECK_VERSION_OPT_INT(p, name)                                                               \
    do {                                                                                                \
        if ((p) != NULL) {                                                                              \
            ES_CHECK_VERSION_INT(p, name);                                                              \
        }                                                                                               \
    } while (0)

#endif
