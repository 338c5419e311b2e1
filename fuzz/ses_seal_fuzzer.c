/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SESeal decoding (GM/T 0031-2014, GB/T 38540-2020, V5) over untrusted bytes,
 * then everything a caller does with a decoded seal: accessors, the maker
 * signature, the verification report, and re-encoding. Properties checked:
 * without trust anchors nothing is VALID, and a seal that re-encodes decodes
 * again to the same bytes (the writer's output is a fixed point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eseal_ses_seal *s = NULL;
    if (eseal_ses_seal_decode(&s, data, size) != ESEAL_OK) {
        return 0;
    }
    const eseal_seal_info *in = eseal_ses_seal_info(s);
    if (in == NULL || in->esid == NULL || in->name == NULL) {
        abort();
    }
    int valid = 0;
    (void)eseal_ses_seal_verify_signature(&valid, s);
    eseal_report *r = NULL;
    if (eseal_ses_seal_verify(&r, s, NULL, 1600000000000LL) == ESEAL_OK) {
        fuzz_check_untrusted_report(r);
    }
    eseal_buf e1 = ESEAL_BUF_INIT, e2 = ESEAL_BUF_INIT;
    if (eseal_ses_seal_encode(&e1, s) == ESEAL_OK) {
        eseal_ses_seal *t = NULL;
        if (eseal_ses_seal_decode(&t, e1.ptr, e1.size) != ESEAL_OK || eseal_ses_seal_encode(&e2, t) != ESEAL_OK ||
            e1.size != e2.size || memcmp(e1.ptr, e2.ptr, e1.size) != 0) {
            abort();
        }
        eseal_ses_seal_free(t);
    }
    eseal_buf_dispose(&e1);
    eseal_buf_dispose(&e2);
    eseal_ses_seal_free(s);
    return 0;
}
