/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — verification reports and verdicts.
 *
 * A report is a tree: a document report holds one child per signature. Each
 * node has a verdict (VALID / INDETERMINATE / INVALID, never collapsed), a list
 * of reasons, and ordered fields with dotted names ("signer.subject") that the
 * JSON rendering nests ({"signer": {"subject": ...}}). The verdict of a node is
 * the worst of its own reasons and its children's verdicts.
 *
 * Reason codes follow ETSI EN 319 102-1 sub-indications where one fits
 * (HASH_FAILURE, SIG_CRYPTO_FAILURE, REVOKED, REVOKED_NO_POE,
 * OUT_OF_BOUNDS_NO_POE, NO_CERTIFICATE_CHAIN_FOUND, ...). docs/verify-report.md
 * lists them.
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

/** "VALID", "INDETERMINATE" or "INVALID". */
ESEAL_EXTERN(const char *) eseal_verdict_name(eseal_verdict v);

typedef struct eseal_report eseal_report;

/** Verdict of the node: the worst of its reasons and children. */
ESEAL_EXTERN(eseal_verdict) eseal_report_verdict(const eseal_report *r);

ESEAL_EXTERN(size_t) eseal_report_reason_count(const eseal_report *r);
/** Stable machine code of reason i, e.g. "REVOKED". Borrowed from r. */
ESEAL_EXTERN(const char *) eseal_report_reason_code(const eseal_report *r, size_t i);
/** Human sentence of reason i. Borrowed from r. */
ESEAL_EXTERN(const char *) eseal_report_reason_text(const eseal_report *r, size_t i);
/** The verdict reason i imposes (VALID for purely informative notes). */
ESEAL_EXTERN(eseal_verdict) eseal_report_reason_verdict(const eseal_report *r, size_t i);

ESEAL_EXTERN(size_t) eseal_report_field_count(const eseal_report *r);
ESEAL_EXTERN(const char *) eseal_report_field_name(const eseal_report *r, size_t i);
ESEAL_EXTERN(const char *) eseal_report_field_value(const eseal_report *r, size_t i);
/** Value of the field `name`, or NULL. Borrowed from r. */
ESEAL_EXTERN(const char *) eseal_report_get(const eseal_report *r, const char *name);

ESEAL_EXTERN(size_t) eseal_report_child_count(const eseal_report *r);
/** Child i (a signature of a document). Borrowed from r. */
ESEAL_EXTERN(const eseal_report *) eseal_report_child(const eseal_report *r, size_t i);

/** True (1) when some reason of this node or below has `code`. */
ESEAL_EXTERN(int) eseal_report_has_reason(const eseal_report *r, const char *code);

ESEAL_EXTERN(void) eseal_report_free(eseal_report *r);

ESEAL_END_DECL

#endif
