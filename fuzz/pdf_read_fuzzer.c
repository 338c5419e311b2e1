/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stamper's reader over untrusted bytes: qpdf in strict mode, the last
 * startxref and its kind, the trailer, catalog, AcroForm and page count as
 * es_pdf_open() extracts them to write an incremental update, then the pages a
 * stamp reads (es_pdf_load_pages: the page tree walked down to them): the
 * first few, or the last one (the default page), with their dictionary,
 * MediaBox (inherited) and /Annots.
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
        /* The input's length picks the pages, as a stamp would: the last one, or the first ones. */
        size_t first = size % 2 == 0 ? 0 : 1, last = size % 2 == 0 ? 0 : (d.npages < 8 ? d.npages : 8);
        if (es_ok(es_pdf_load_pages(&d, first, last))) {
            size_t lo = first == 0 ? d.npages : first, hi = last == 0 ? d.npages : last;
            for (size_t n = lo; n <= hi; n++) {
                const es_pdf_page *p = es_pdf_page_at(&d, n);
                if (p == NULL || p->dict_wo_annots == NULL || strncmp(p->dict_wo_annots, "<<", 2) != 0) {
                    abort();
                }
            }
        }
        es_pdf_close(&d);
    }
    return 0;
}
