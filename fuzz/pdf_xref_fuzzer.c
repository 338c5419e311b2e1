/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one-resolution check (src/pdf/pdf_xref.c) over untrusted bytes: the startxref and /Prev
 * chain, tables, xref streams (zlib, PNG predictors), hybrid /XRefStm, object streams and every
 * revision's objects. It returns findings or a limit error, never crashes, and every finding it
 * stores is a known kind with a sentence.
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
    es_pdf_ambiguity a[8];
    memset(a, 0, sizeof(a));
    size_t n = 0;
    es_result r = es_pdf_check_structure(es_span_of(data, size), NULL, a, 8, &n);
    if (!es_ok(r)) {
        if (es_code(r) != ESEAL_ELIMIT && es_code(r) != ESEAL_ENOMEM) {
            abort();
        }
        return 0;
    }
    for (size_t i = 0; i < n && i < 8; i++) {
        if (a[i].kind < ES_PDF_AMB_DUPLICATE || a[i].kind > ES_PDF_AMB_SYNTAX || a[i].what[0] == 0 ||
            memchr(a[i].what, 0, sizeof(a[i].what)) == NULL) {
            abort();
        }
    }
    return 0;
}
