/* SPDX-License-Identifier: Apache-2.0 */
/* Scanned seal imprints: eseal_imprint_png_check() over untrusted PNG bytes. */
#include <stdint.h>

#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned int w = 0, h = 0;
    if (eseal_imprint_png_check(&w, &h, data, size) == ESEAL_OK) {
        /* Accepted means the documented bounds hold. */
        if (w < ESEAL_IMPRINT_PNG_MIN_PX || h < ESEAL_IMPRINT_PNG_MIN_PX || w > ESEAL_IMPRINT_PNG_MAX_PX ||
            h > ESEAL_IMPRINT_PNG_MAX_PX) {
            __builtin_trap();
        }
    }
    return 0;
}
