/* SPDX-License-Identifier: Apache-2.0 */
/* Chain validation shared by the CMS, PDF and OFD verifiers (src/crypto only). */
#ifndef ES_CHAIN_H
#define ES_CHAIN_H

#include "ossl.h"

/*
 * Validates `signer` against the trust set at `at_ms` and records the outcome
 * in `rep` (reasons and checks.* fields). `extra` are untrusted certificates
 * from the signature. `claimed_ms` (0 = none) is the signer's claimed time.
 * Returns an error only when the check could not run.
 */
ES_RESULT es_chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                         int64_t at_ms, int64_t claimed_ms);

/*
 * es_chain_check with revocation information beyond the trust set's CRLs (`ro`, may be NULL: see
 * es_revocation_opts in crypto.h). The report says where each status came from:
 * checks.revocation = "good (OCSP, embedded)", "good (CRL, trust set)", "good (OCSP, http://…)",
 * "good (CRL, cache)"…, signer.revocation_source, and chain.ca_revocation_source for the CAs.
 */
ES_RESULT es_chain_check_ex(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                            int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro);

/* The revocation status of one certificate as the sources of es_revocation_opts tell it. */
typedef struct {
    bool found;          /* a source covered the certificate at the validation time */
    bool revoked;
    int64_t revoked_ms;
    int reason;          /* CRLReason, 0 (unspecified) when none is given */
    int64_t next_update_ms; /* of the information used, 0 when none */
    int64_t this_update_ms; /* of the information used: among sources, a revocation wins, else the newest */
    char source[320];    /* "OCSP, embedded", "CRL, trust set", "OCSP, http://…", "CRL, cache" */
    bool stale;          /* nothing fresh, but out-of-date information was seen (see note) */
    char note[320];      /* why information was set aside, "" when nothing was */
} es_rev_status;

ES_RESULT es_revocation_status(es_rev_status *st, const eseal_trust *t, X509 *cert, X509 *issuer,
                               STACK_OF(X509) *extra, int64_t at_ms, const es_revocation_opts *ro);

#endif
