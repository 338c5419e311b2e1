/* SPDX-License-Identifier: Apache-2.0 */
/* Internal construction of eseal_report trees (see include/eseal/report.h). */
#ifndef ES_REPORT_H
#define ES_REPORT_H

#include "eseal/report.h"
#include "util.h"

ES_RESULT es_report_new(eseal_report **out);
/* Adds reason `code` (ESEAL_R_..., include/eseal/report.h) imposing `verdict` (VALID for an informative
 * note); ESEAL_ERROR when the table does not list that verdict for the code. */
__attribute__((format(printf, 4, 5))) ES_RESULT es_report_reason(eseal_report *r, eseal_verdict verdict,
                                                                 eseal_reason code, const char *fmt, ...);
/* Sets (or replaces) the field `name`. */
__attribute__((format(printf, 3, 4))) ES_RESULT es_report_set(eseal_report *r, const char *name,
                                                              const char *fmt, ...);
/* Appends a new child and returns it (owned by r). */
ES_RESULT es_report_add_child(eseal_report *r, eseal_report **child);
/* Copies src's reasons and fields (named "<prefix>.<name>" when prefix is not NULL) into dst; not its children. */
ES_RESULT es_report_merge(eseal_report *dst, const eseal_report *src, const char *prefix);
static inline void es_report_freep(eseal_report **r) { eseal_report_free(*r); }

#endif
