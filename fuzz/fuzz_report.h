/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the verifier harnesses: a report made without trust anchors must
 * never say VALID (abort, so the fuzzer records the input), and it must render
 * as JSON without trouble. Frees the report.
 */
#ifndef ESEAL_FUZZ_REPORT_H
#define ESEAL_FUZZ_REPORT_H

#include <stdlib.h>

#include "eseal/eseal.h"

static inline void fuzz_check_untrusted_report(eseal_report *r)
{
    if (eseal_report_verdict(r) == ESEAL_VALID) {
        abort();
    }
    eseal_buf j = ESEAL_BUF_INIT;
    (void)eseal_report_to_json(&j, r);
    eseal_buf_dispose(&j);
    eseal_report_free(r);
}

#endif
