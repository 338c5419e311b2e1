/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate and CRL parsing (PEM bundles and DER) over untrusted bytes. */
#include <stdint.h>
#include <string.h>

#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eseal_cert *c = NULL;
    if (eseal_cert_parse(&c, data, size) == ESEAL_OK) {
        (void)strlen(eseal_cert_subject(c));
        (void)eseal_cert_key_alg(c);
        eseal_buf der = ESEAL_BUF_INIT;
        (void)eseal_cert_der(&der, c);
        eseal_buf_dispose(&der);
        eseal_cert_free(c);
    }
    eseal_trust *t = NULL;
    if (eseal_trust_new(&t) == ESEAL_OK) {
        (void)eseal_trust_add_crl(t, data, size);
        eseal_trust_free(t);
    }
    return 0;
}
