/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One strict qpdf parse per verification (issue #16, issue 18): the file is parsed once for the
 * signature listing, the /DSS and every revision comparison; a signed revision that later revisions
 * follow is read from that parse (a view, pdf_view.c, h-once), and parsed once more on its own bytes
 * only where the view cannot be exact (es_pdf_view_counts counts both). es_pdf_open_count() counts
 * the parses; before issue #16 a verification made 2 + 2 per judged signature (2, 4 and 40 for the
 * 1-, 2- and 20-signature files below), before h-once 1 per signature (1, 2, 20), now 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "util/report.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* A one-page PDF of `n` objects (a classic cross-reference table). */
static void make_pdf(eseal_buf *out, const char *const *objs, int n)
{
    size_t off[8];
    *out = (eseal_buf)ESEAL_BUF_INIT;
    pdf_put(out, "%%PDF-1.7\n");
    for (int i = 0; i < n; i++) {
        off[i] = out->size;
        pdf_put(out, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t x = out->size;
    pdf_put(out, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
    for (int i = 0; i < n; i++) {
        pdf_put(out, "%010zu 00000 n \n", off[i]);
    }
    pdf_put(out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", n + 1, x);
}

static const char *const page_objs[] = {
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
};

/* The one-page document stamped `n` times, each stamp an incremental update of the one before. */
static void stamped(fixture *f, eseal_buf *out, int n)
{
    make_pdf(out, page_objs, 3);
    for (int i = 0; i < n; i++) {
        eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
        eseal_buf next = ESEAL_BUF_INIT;
        assert_int_equal(eseal_pdf_stamp(&next, out->ptr, out->size, f->outline, f->seal.ptr, f->seal.size, f->key,
                                         f->cert, &o),
                         ESEAL_OK);
        eseal_buf_dispose(out);
        *out = next;
    }
}

/* The qpdf parses one verification of `pdf` makes; every signature must be VALID. */
static unsigned long opens_of(fixture *f, const eseal_buf *pdf, size_t nsigs)
{
    eseal_report *r = NULL;
    unsigned long before = es_pdf_open_count();
    assert_int_equal(eseal_pdf_verify(&r, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    unsigned long opens = es_pdf_open_count() - before;
    assert_int_equal(eseal_report_child_count(r), nsigs);
    assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
    eseal_report_free(r);
    return opens;
}

/* The file once, and each signed revision that later ones follow read from it: 1 parse for N stamps. */
static void one_parse_per_verification(void **state)
{
    fixture *f = *state;
    static const int counts[] = {1, 2, 20};
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        eseal_buf pdf = ESEAL_BUF_INIT;
        stamped(f, &pdf, counts[k]);
        es_pdf_view_counts v0, v1;
        es_pdf_view_counts_get(&v0);
        unsigned long opens = opens_of(f, &pdf, (size_t)counts[k]);
        es_pdf_view_counts_get(&v1);
        if (opens != 1 || v1.views - v0.views != (unsigned long)counts[k] - 1 || v1.fallbacks != v0.fallbacks) {
            fail_msg("%d signatures: %lu qpdf parses (expected 1), %lu judgements on the view (expected %d), %lu "
                     "fallbacks (expected 0)",
                     counts[k], opens, v1.views - v0.views, counts[k] - 1, v1.fallbacks - v0.fallbacks);
        }
        eseal_buf_dispose(&pdf);
    }
}

/* es_pdf_judge_changes parses a signed revision only when `rev` does not hold it already. */
static void signed_revision_parsed_once(void **state)
{
    fixture *f = *state;
    eseal_buf pdf = ESEAL_BUF_INIT;
    stamped(f, &pdf, 3);
    es_span data = es_span_of(pdf.ptr, pdf.size);
    es_pdf_sig sigs[4];
    size_t n = 0;
    assert_true(es_ok(es_pdf_signatures(data, sigs, 4, &n)));
    assert_int_equal(n, 3);
    size_t end1 = (size_t)(sigs[0].br[2] + sigs[0].br[3]), end2 = (size_t)(sigs[1].br[2] + sigs[1].br[3]);
    for (size_t i = 0; i < n; i++) {
        es_pdf_sig_free(&sigs[i]);
    }
    assert_true(end1 < end2 && end2 < pdf.size);
    es_pdf_qpdf file = {0}, rev = {0};
    unsigned long before = es_pdf_open_count();
    assert_true(es_ok(es_pdf_qpdf_open(&file, data, NULL)));
    const size_t ends[] = {end1, end1, end2, end2};
    const unsigned long expected[] = {2, 2, 3, 3};
    const char *const later[] = {"signatures added: 2 (allowed)", "signatures added: 2 (allowed)",
                                 "signatures added: 1 (allowed)", "signatures added: 1 (allowed)"};
    for (size_t i = 0; i < 4; i++) {
        eseal_report *rep = NULL;
        assert_true(es_ok(es_report_new(&rep)));
        assert_true(es_ok(es_pdf_judge_changes(rep, &file, &rev, data, ends[i], NULL)));
        assert_string_equal(eseal_report_string(rep, "checks.modifications.detail"), later[i]);
        assert_int_equal(eseal_report_check(rep, "modifications"), ESEAL_CHECK_PASSED);
        /* One typed change per signature added after the signed revision. */
        const eseal_value *ch = eseal_report_find(rep, "coverage.changes");
        assert_int_equal(eseal_value_count(ch), ends[i] == end1 ? 2 : 1);
        for (size_t k = 0; k < eseal_value_count(ch); k++) {
            assert_string_equal(eseal_value_string(eseal_value_find(eseal_value_item(ch, k), "type")), "signature");
            assert_non_null(eseal_value_string(eseal_value_find(eseal_value_item(ch, k), "object")));
        }
        assert_false(eseal_report_has_reason(rep, "LATER_CHANGES_UNCHECKED"));
        assert_int_equal(es_pdf_open_count() - before, expected[i]);
        eseal_report_free(rep);
    }
    es_pdf_qpdf_close(&rev);
    es_pdf_qpdf_close(&file);
    eseal_buf_dispose(&pdf);
}

/* Does `r` give `code` with a text containing `text`? */
static bool says(const eseal_report *r, const char *code, const char *text)
{
    for (size_t i = 0; i < eseal_report_reason_count(r); i++) {
        if (strcmp(eseal_report_reason_code(r, i), code) == 0 && strstr(eseal_report_reason_text(r, i), text)) {
            return true;
        }
    }
    return false;
}

/*
 * qpdf repairs a broken page tree of the shared parse once, with one warning, for the first
 * comparison; every later comparison must still hear of it (catalog_pages_pointed_at_a_page in
 * test_pdf_diff.c with two signatures before the repaired revision).
 */
static void shared_parse_remembers_its_repair(void **state)
{
    fixture *f = *state;
    eseal_buf pdf = ESEAL_BUF_INIT;
    stamped(f, &pdf, 2);
    int afn = pdf_last_int(&pdf, "/AcroForm "), prev = pdf_last_int(&pdf, "startxref"), size = pdf_last_int(&pdf, "/Size ");
    size_t at = pdf.size;
    pdf_put(&pdf, "1 0 obj\n<< /Type /Catalog /Pages 3 0 R /AcroForm %d 0 R >>\nendobj\n", afn);
    size_t x = pdf.size;
    pdf_put(&pdf, "xref\n1 1\n%010zu 00000 n \ntrailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%zu\n%%%%EOF\n",
        at, size, prev, x);
    eseal_report *r = NULL;
    unsigned long before = es_pdf_open_count();
    es_pdf_view_counts v0, v1;
    es_pdf_view_counts_get(&v0);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    es_pdf_view_counts_get(&v1);
    /* qpdf repaired the whole file's page tree: no view (h-once), each signed revision parsed again. */
    assert_int_equal(es_pdf_open_count() - before, 3);
    assert_int_equal(v1.views - v0.views, 0);
    assert_int_equal(v1.fallbacks - v0.fallbacks, 2);
    assert_int_equal(eseal_report_child_count(r), 2);
    for (size_t i = 0; i < 2; i++) {
        const eseal_report *c = eseal_report_child(r, i);
        assert_int_equal(eseal_report_verdict(c), ESEAL_INVALID);
        if (!says(c, "AMBIGUOUS_STRUCTURE", "the document with its later revisions can only be read by repairing")) {
            fail_msg("signature %zu does not say that the document needs repair", i + 1);
        }
    }
    eseal_report_free(r);
    eseal_buf_dispose(&pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_parse_per_verification),
        cmocka_unit_test(signed_revision_parsed_once),
        cmocka_unit_test(shared_parse_remembers_its_repair),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
