/*
 * PDF verification over untrusted bytes: qpdf's strict reader, the signature
 * fields, /ByteRange and /Contents checks, CMS, the embedded seal, and the
 * object-by-object comparison of later revisions. Without trust anchors no
 * signature may be VALID.
 */
#include <stdint.h>
#include <stdlib.h>

#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) {
        return 0;
    }
    eseal_report *r = NULL;
    if (eseal_pdf_verify(&r, data, size, NULL, NULL) == ESEAL_OK) {
        if (eseal_report_verdict(r) == ESEAL_VALID) {
            abort();
        }
        eseal_buf j = ESEAL_BUF_INIT;
        (void)eseal_report_to_json(&j, r);
        eseal_buf_dispose(&j);
        eseal_report_free(r);
    }
    return 0;
}
