/* SPDX-License-Identifier: Apache-2.0 */
/* Chain validation shared by the CMS, PDF and OFD verifiers (src/crypto only). */
#ifndef ES_CHAIN_H
#define ES_CHAIN_H

#include "ossl.h"
#include "util/report.h"

/*
 * Validates `signer` against the trust set at `at_ms` and records the outcome
 * in `rep` (reasons and the checks chain, validity and revocation, naming the
 * certificates, CRLs and OCSP responses used as validation objects). `extra` are untrusted certificates
 * from the signature. `claimed_ms` (0 = none) is the signer's claimed time.
 * Returns an error only when the check could not run.
 */
ES_RESULT es_chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                         int64_t at_ms, int64_t claimed_ms);

/*
 * es_chain_check with revocation information beyond the trust set's CRLs (`ro`, may be NULL: see
 * es_revocation_opts in crypto.h). The check "revocation" says where each status came from: its
 * source (crl, ocsp, crl_ocsp), its detail ("signer: OCSP, embedded; CA: CRL, trust set") and the
 * CRLs and OCSP responses it used (validation objects with their origin: dss, trust_set, cache, network).
 */
ES_RESULT es_chain_check_ex(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                            int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro);

/*
 * es_chain_check_ex for a certificate that must be a service of type `svc` (ES_TRUST_SVC_*) when its
 * chain ends at an anchor another platform's trust list vouched for (issue 24): the list must name it
 * as such a service, granted at `at_ms`; else the check "chain" is indeterminate
 * (CHAIN_CONSTRAINTS_FAILURE). A chain to another anchor is judged as es_chain_check_ex judges it.
 */
ES_RESULT es_chain_check_svc(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                             int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro, int svc);

/*
 * Records certificate `x` as a validation object of the document report above `rep` (its SHA-256,
 * its subject as the name, `origin`: signature, trust_set, dss, ...); id receives its id.
 */
ES_RESULT es_x509_evidence(eseal_report *rep, X509 *x, const char *origin, char id[ES_VOBJ_ID_LEN]);

/*
 * The signer section of `rep` (docs/verify-report.md): subject, issuer, serial, fingerprint_sha256,
 * key_algorithm, not_before, not_after and certificate, the id of `x` as a validation object.
 */
ES_RESULT es_report_signer(eseal_report *rep, X509 *x, const char *origin);

/* The revocation status of one certificate as the sources of es_revocation_opts tell it. */
typedef struct {
    bool found;          /* a source covered the certificate at the validation time */
    bool revoked;
    int64_t revoked_ms;
    int reason;          /* CRLReason, 0 (unspecified) when none is given */
    int64_t next_update_ms; /* of the information used, 0 when none */
    int64_t this_update_ms; /* of the information used: among sources, a revocation wins, else the newest */
    char source[320];    /* "OCSP, embedded", "CRL, trust set", "OCSP, http://…", "CRL, cache" */
    bool used_ocsp;      /* found: the information used is an OCSP response (else a CRL) */
    char used_sha256[65]; /* found: the SHA-256 (hex) of its DER, for the report's validation objects */
    const char *used_origin; /* found: "dss", "trust_set", "cache" or "network" (a validation object's origin) */
    bool stale;          /* nothing fresh, but out-of-date information was seen (see note) */
    char note[320];      /* why information was set aside, "" when nothing was */
} es_rev_status;

ES_RESULT es_revocation_status(es_rev_status *st, const eseal_trust *t, X509 *cert, X509 *issuer,
                               STACK_OF(X509) *extra, int64_t at_ms, const es_revocation_opts *ro);

#endif
