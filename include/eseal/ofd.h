/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — OFD (GB/T 33190-2016) signature verification, GB/T 38540-2020 seals.
 *
 * Verification reads the package as hostile input (zip and XML limits,
 * no DOCTYPE, no entities, no network) and checks, for every signature in
 * the document's Signatures.xml: each Reference (missing or changed files),
 * files that no signature protects, dataHash against the exact bytes of
 * Signature.xml, the signer's signature over TBS_Sign, the signer's chain,
 * the embedded seal and whether it allows the signer. Reports have the same
 * shape as PDF reports (docs/verify-report.md).
 */
#ifndef ESEAL_OFD_H
#define ESEAL_OFD_H

#include "cert.h"
#include "common.h"
#include "context.h"
#include "report.h"
#include "trust.h"

ESEAL_BEGIN_DECL

#define ESEAL_OFD_VERIFY_OPTIONS_VERSION 3 /* 2: ctx; 3: document_digests */

typedef struct {
    unsigned int version;     /**< ESEAL_OFD_VERIFY_OPTIONS_VERSION */
    int64_t at_ms;            /**< validation time; 0: now */
    const eseal_cert *signer; /**< the certificate of plain (Type="Sign") signatures, which do not carry one */
    const eseal_context *ctx; /**< version 2. Limits and clock; NULL: eseal_context_default() */
    unsigned int document_digests; /**< version 3. ESEAL_DOCUMENT_* bits (report.h); 0: both */
} eseal_ofd_verify_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_OFD_VERIFY_OPTIONS_INIT { .version = ESEAL_OFD_VERIFY_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_OFD_VERIFY_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_OFD_VERIFY_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_ofd_verify_options_init(eseal_ofd_verify_options *o, unsigned int version);

/**
 * Verifies every signature of an OFD package into a report with one child
 * per signature. ESEAL_EMALFORMED / ESEAL_ELIMIT when the package itself is
 * refused; an OFD without signatures gives an INDETERMINATE report.
 */
ESEAL_EXTERN(int) eseal_ofd_verify(eseal_report **out, const void *ofd, size_t len, const eseal_trust *trust,
                                   const eseal_ofd_verify_options *opts);

ESEAL_END_DECL

#endif
