/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PDF verification over untrusted bytes: qpdf's strict reader, the signature
 * fields, /ByteRange and /Contents checks, CMS, the embedded seal, and the
 * object-by-object comparison of later revisions. Without trust anchors no
 * signature may be VALID.
 */
#include <stdint.h>
#include <stdlib.h>

#include "eseal/eseal.h"
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) {
        return 0;
    }
    eseal_report *r = NULL;
    if (eseal_pdf_verify(&r, data, size, NULL, NULL) == ESEAL_OK) {
        fuzz_check_untrusted_report(r);
    }
    return 0;
}
