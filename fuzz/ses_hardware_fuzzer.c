/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hardware binding of a seal (src/seal/ses_hardware.c: the ExtData under
 * ESEAL_OID_SEAL_HARDWARE, issue 23) over arbitrary bytes. Properties: every
 * string decoded ends inside its field, and what decodes is strict DER, so it
 * encodes back to exactly the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eseal_seal_hardware hw[ESEAL_SEAL_HARDWARE_MAX];
    size_t n = 0;
    if (eseal_seal_hardware_decode(hw, ESEAL_SEAL_HARDWARE_MAX, &n, data, size) != ESEAL_OK) {
        return 0;
    }
    if (n < 1 || n > ESEAL_SEAL_HARDWARE_MAX) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const eseal_key_hardware *h = &hw[i].hw;
        if (memchr(h->kind, 0, sizeof(h->kind)) == NULL || memchr(h->serial, 0, sizeof(h->serial)) == NULL ||
            memchr(h->label, 0, sizeof(h->label)) == NULL || memchr(h->key_id, 0, sizeof(h->key_id)) == NULL ||
            memchr(h->chip_id, 0, sizeof(h->chip_id)) == NULL || memchr(h->maker, 0, sizeof(h->maker)) == NULL) {
            abort();
        }
    }
    eseal_buf again = ESEAL_BUF_INIT;
    if (eseal_seal_hardware_encode(&again, hw, n) != ESEAL_OK || again.size != size ||
        memcmp(again.ptr, data, size) != 0) {
        abort();
    }
    eseal_buf_dispose(&again);
    return 0;
}
