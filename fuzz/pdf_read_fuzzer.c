/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stamper's reader over untrusted bytes: qpdf in strict mode, the last
 * startxref and its kind, the trailer, catalog, AcroForm and every page's
 * dictionary, MediaBox (inherited) and /Annots, as es_pdf_open() extracts
 * them to write an incremental update.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdf/pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) {
        return 0;
    }
    es_pdf_doc d;
    if (es_ok(es_pdf_open(&d, es_span_of(data, size), NULL))) {
        if (d.npages == 0 || d.size <= 0 || d.startxref + 4 > size || d.root_wo_acroform == NULL) {
            abort();
        }
        for (size_t i = 0; i < d.npages; i++) {
            if (d.pages[i].dict_wo_annots == NULL || strncmp(d.pages[i].dict_wo_annots, "<<", 2) != 0) {
                abort();
            }
        }
        es_pdf_close(&d);
    }
    return 0;
}
