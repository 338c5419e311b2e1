/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SES_Signature (stamp) decoding over untrusted bytes: the TBS_Sign fields,
 * the embedded seal, both signatures, and re-encoding as a fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eseal_ses_signature *s = NULL;
    if (eseal_ses_signature_decode(&s, data, size) != ESEAL_OK) {
        return 0;
    }
    const eseal_ses_seal *seal = eseal_ses_signature_seal(s);
    eseal_bytes tbs = eseal_ses_signature_tbs(s);
    if (seal == NULL || tbs.len == 0 || eseal_ses_signature_property_info(s) == NULL) {
        abort();
    }
    int valid = 0;
    (void)eseal_ses_signature_verify_signature(&valid, s);
    (void)eseal_ses_seal_verify_signature(&valid, seal);
    eseal_bytes cert = eseal_ses_signature_signer_cert(s);
    (void)eseal_ses_seal_allows_cert(seal, cert.ptr, cert.len);
    for (size_t i = 0; i < eseal_ses_signature_ext_count(s); i++) {
        if (eseal_ses_signature_ext(s, i) == NULL) {
            abort();
        }
    }
    eseal_buf e1 = ESEAL_BUF_INIT, e2 = ESEAL_BUF_INIT;
    if (eseal_ses_signature_encode(&e1, s) == ESEAL_OK) {
        eseal_ses_signature *t = NULL;
        if (eseal_ses_signature_decode(&t, e1.ptr, e1.size) != ESEAL_OK ||
            eseal_ses_signature_encode(&e2, t) != ESEAL_OK || e1.size != e2.size ||
            memcmp(e1.ptr, e2.ptr, e1.size) != 0) {
            abort();
        }
        eseal_ses_signature_free(t);
    }
    eseal_buf_dispose(&e1);
    eseal_buf_dispose(&e2);
    eseal_ses_signature_free(s);
    return 0;
}
