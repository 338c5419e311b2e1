/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CMS verification path over untrusted signature bytes: DER/PEM decoding,
 * signer lookup, attribute parsing, signature and chain checks. The first
 * input byte chooses how the remainder is split into signature and content.
 */
#include <stdint.h>
#include <stdlib.h>

#include "eseal/eseal.h"
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t content_len = data[0] % 32;
    if (content_len > size - 1) {
        content_len = size - 1;
    }
    const uint8_t *content = data + 1;
    const uint8_t *sig = data + 1 + content_len;
    size_t sig_len = size - 1 - content_len;
    eseal_report *r = NULL;
    if (eseal_cms_verify(&r, sig, sig_len, content, content_len, NULL, NULL) == ESEAL_OK) {
        fuzz_check_untrusted_report(r);
    }
    return 0;
}
