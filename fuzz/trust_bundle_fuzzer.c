/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust bundles (src/trustlist/bundle.c) over arbitrary bytes, issue 24.
 * Properties: the reader answers OK, EMALFORMED, ELIMIT or EUNSUPPORTED and nothing else; a bundle it
 * reads has a list within ESEAL_TRUSTLIST_MAX_BYTES, at most ESEAL_TRUST_BUNDLE_MAX_CRLS CRLs and
 * ESEAL_TRUST_BUNDLE_MAX_ANSWERS answers within their limits, each part non-empty; written again it
 * reads back to the same parts, byte for byte.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/errors.h"
#include "eseal/trustlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(eseal_bytes a, eseal_bytes b) { return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eseal_trust_bundle *b = NULL;
    int rc = eseal_trust_bundle_parse(&b, data, size);
    if (rc != ESEAL_OK) {
        if (rc != ESEAL_EMALFORMED && rc != ESEAL_ELIMIT && rc != ESEAL_EUNSUPPORTED) {
            abort();
        }
        eseal_error_clear();
        return 0;
    }
    eseal_bytes list = eseal_trust_bundle_list(b);
    size_t nc = eseal_trust_bundle_crl_count(b);
    size_t na = eseal_trust_bundle_answer_count(b);
    if (list.len == 0 || list.len > ESEAL_TRUSTLIST_MAX_BYTES || nc > ESEAL_TRUST_BUNDLE_MAX_CRLS ||
        na > ESEAL_TRUST_BUNDLE_MAX_ANSWERS) {
        abort();
    }
    eseal_bytes *crls = calloc(nc + 1, sizeof(*crls));
    eseal_bytes *answers = calloc(na + 1, sizeof(*answers));
    if (crls == NULL || answers == NULL) {
        abort();
    }
    for (size_t i = 0; i < nc; i++) {
        crls[i] = eseal_trust_bundle_crl(b, i);
        if (crls[i].len == 0 || crls[i].len > ESEAL_TRUST_BUNDLE_MAX_CRL) {
            abort();
        }
    }
    for (size_t i = 0; i < na; i++) {
        answers[i] = eseal_trust_bundle_answer(b, i);
        if (answers[i].len == 0 || answers[i].len > ESEAL_REGISTRY_ANSWER_MAX_BYTES) {
            abort();
        }
    }
    /* Written again: the same parts. (A list or answer that is not UTF-8 text is refused by the writer.) */
    eseal_buf out = ESEAL_BUF_INIT;
    rc = eseal_trust_bundle_write(&out, list.ptr, list.len, crls, nc, answers, na);
    if (rc == ESEAL_OK) {
        eseal_trust_bundle *again = NULL;
        if (eseal_trust_bundle_parse(&again, out.ptr, out.size) != ESEAL_OK ||
            !same(eseal_trust_bundle_list(again), list) || eseal_trust_bundle_crl_count(again) != nc ||
            eseal_trust_bundle_answer_count(again) != na) {
            abort();
        }
        for (size_t i = 0; i < nc; i++) {
            if (!same(eseal_trust_bundle_crl(again, i), crls[i])) {
                abort();
            }
        }
        for (size_t i = 0; i < na; i++) {
            if (!same(eseal_trust_bundle_answer(again, i), answers[i])) {
                abort();
            }
        }
        eseal_trust_bundle_free(again);
    } else if (rc != ESEAL_EINVAL) {
        abort();
    }
    eseal_error_clear();
    eseal_buf_dispose(&out);
    free(crls);
    free(answers);
    eseal_trust_bundle_free(b);
    return 0;
}
