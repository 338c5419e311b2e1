/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Templates (issue 20 §1, src/pdf/pdf_template.c): a PDF derives from a registered template when
 * it is the template, or an incremental update of it that only fills form fields (and signs), as
 * the verifier's modification analysis judges it. The form-filled instance (also stamped) is
 * accepted; a changed page, an added page, a changed and an added annotation, an update that
 * draws on a page (and the verifier's planted-resources attack), bytes of the template changed, a
 * document of another template, an ambiguous structure and a template that does not end a
 * revision are each refused with a sentence that names what changed. The updates are built with
 * the byte builders the attack tests use (pdf_fixture.h).
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
#include "../test_pki.h"
#include "pdf_fixture.h"

/* The template: a one-page purchase contract with a text field "buyer" and a link to the terms. */
static void make_template(eseal_buf *out)
{
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Annots [5 0 R 6 0 R] >>",
        pdf_stream("", "BT /F1 12 Tf 72 760 Td (Purchase contract: the buyer pays 1,000) Tj ET"),
        "<< /FT /Tx /T (buyer) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] /P 3 0 R "
        "/AP << /N 7 0 R >> >>",
        "<< /Type /Annot /Subtype /Link /Rect [10 10 50 50] /A << /S /URI /URI (https://example.com/terms) >> >>",
        pdf_stream("/Type /XObject /Subtype /Form /BBox [0 0 200 20]", ""),
    };
    pdf_make(out, objs, 7, "");
}

static eseal_buf copy_of(const eseal_buf *b)
{
    eseal_buf c = {malloc(b->size), b->size};
    assert_non_null(c.ptr);
    memcpy(c.ptr, b->ptr, b->size);
    return c;
}

/* The template with "buyer" filled in (its value and a new appearance), as a form filler writes it. */
static void filled(eseal_buf *out, const eseal_buf *tmpl, const char *name)
{
    *out = copy_of(tmpl);
    int next = pdf_last_int(out, "/Size ");
    char field[256], text[128];
    (void)snprintf(field, sizeof(field), "<< /FT /Tx /T (buyer) /V (%s) /Type /Annot /Subtype /Widget "
                                         "/Rect [100 700 300 720] /P 3 0 R /AP << /N %d 0 R >> >>",
                   name, next);
    (void)snprintf(text, sizeof(text), "BT /Helv 10 Tf 2 6 Td (%s) Tj ET", name);
    int nums[] = {5, next};
    const char *bodies[] = {field, pdf_stream("/Type /XObject /Subtype /Form /BBox [0 0 200 20]", text)};
    pdf_append(out, nums, bodies, 2, NULL);
}

/* es_pdf_template_derives: the answer, and the sentence in `why` (empty for yes). */
static bool derives(const eseal_buf *tmpl, const eseal_buf *doc, char why[ES_PDF_TEMPLATE_WHY_MAX])
{
    bool d = true;
    es_result r = es_pdf_template_derives(&d, why, ES_PDF_TEMPLATE_WHY_MAX, es_span_of(tmpl->ptr, tmpl->size),
                                          es_span_of(doc->ptr, doc->size), NULL);
    if (!es_ok(r)) {
        fail_msg("es_pdf_template_derives: %s", eseal_error_last()->message);
    }
    if (getenv("ESEAL_TEST_VERBOSE") != NULL) {
        print_message("# %s: %s\n", d ? "yes" : "no", why);
    }
    assert_true(d == (why[0] == '\0')); /* a "no" always says why, a "yes" never */
    return d;
}

/* A refusal whose sentence names `what`. */
static void refused(const eseal_buf *tmpl, const eseal_buf *doc, const char *what)
{
    char why[ES_PDF_TEMPLATE_WHY_MAX];
    assert_false(derives(tmpl, doc, why));
    if (strstr(why, what) == NULL) {
        fail_msg("the refusal \"%s\" does not name \"%s\"", why, what);
    }
}

static void the_template_itself(void **state)
{
    (void)state;
    eseal_buf t;
    make_template(&t);
    char why[ES_PDF_TEMPLATE_WHY_MAX];
    assert_true(derives(&t, &t, why));
    /* Only end-of-line bytes after its %%EOF: nothing is shown differently. */
    eseal_buf nl = copy_of(&t);
    pdf_put(&nl, "\r\n");
    assert_true(derives(&t, &nl, why));
    eseal_buf_dispose(&nl);
    eseal_buf_dispose(&t);
}

static void form_filled_is_accepted(void **state)
{
    (void)state;
    eseal_buf t, d, dd;
    make_template(&t);
    filled(&d, &t, "ACME Trading Ltd");
    char why[ES_PDF_TEMPLATE_WHY_MAX];
    assert_true(derives(&t, &d, why));
    /* Filled again in a second update (corrected): still only form filling. */
    filled(&dd, &d, "ACME Trading Co. Ltd");
    assert_true(derives(&t, &dd, why));
    eseal_buf_dispose(&dd);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

/* Filled, then stamped (a signature field, its widget and appearance, the signature): accepted. */
static void form_filled_and_stamped_is_accepted(void **state)
{
    fixture *f = *state;
    eseal_buf t, d, s, s2;
    make_template(&t);
    filled(&d, &t, "ACME Trading Ltd");
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    s = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_pdf_stamp(&s, d.ptr, d.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
    char why[ES_PDF_TEMPLATE_WHY_MAX];
    assert_true(derives(&t, &s, why));
    /* A second stamp on the same form (the other party's): still accepted. */
    s2 = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_pdf_stamp(&s2, s.ptr, s.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
    assert_true(derives(&t, &s2, why));
    /* Revocation data (/DSS) after the stamps, as `eseal extend` adds it: still accepted. */
    eseal_buf cert = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&cert, f->root), ESEAL_OK);
    es_span c = es_span_of(cert.ptr, cert.size);
    es_pdf_dss_data dd = {&c, 1, NULL, 0, NULL, 0, NULL, 0};
    es_buf lt = ES_BUF_INIT(1 << 24);
    assert_true(es_ok(es_pdf_add_dss(&lt, es_span_of(s2.ptr, s2.size), &dd)));
    eseal_buf ltb = {lt.ptr, lt.len};
    assert_true(derives(&t, &ltb, why));
    es_buf_free(&lt);
    eseal_buf_dispose(&cert);
    eseal_buf_dispose(&s2);
    eseal_buf_dispose(&s);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

static void changed_page_content_is_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    filled(&d, &t, "ACME Trading Ltd");
    int nums[] = {4};
    const char *bodies[] = {pdf_stream("", "BT /F1 12 Tf 72 760 Td (Purchase contract: the buyer pays 9,000) Tj ET")};
    pdf_append(&d, nums, bodies, 1, NULL);
    refused(&t, &d, "object 4 (changed, reached from page 1 /Contents)");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

static void added_page_is_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    d = copy_of(&t);
    int next = pdf_last_int(&d, "/Size ");
    char pages[128], page[160];
    (void)snprintf(pages, sizeof(pages), "<< /Type /Pages /Kids [3 0 R %d 0 R] /Count 2 /MediaBox [0 0 595 842] >>",
                   next);
    (void)snprintf(page, sizeof(page), "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>");
    int nums[] = {2, next};
    const char *bodies[] = {pages, page};
    pdf_append(&d, nums, bodies, 2, NULL);
    refused(&t, &d, "object 2 (changed, reached from the catalog /Pages)");
    refused(&t, &d, "page 2 (added, reached from object 2 /Kids)");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

static void changed_annotation_is_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    filled(&d, &t, "ACME Trading Ltd");
    int nums[] = {6};
    const char *bodies[] = {"<< /Type /Annot /Subtype /Link /Rect [10 10 50 50] /A << /S /URI /URI (https://evil.example) >> >>"};
    pdf_append(&d, nums, bodies, 1, NULL);
    refused(&t, &d, "object 6 (changed, reached from page 1 /Annots)");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

/* The verifier's class 1: annotations that pose as signature fields (every case of its table). */
static void added_annotation_is_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    char ref[32], *page, *page2, *cat, *cat2;
    int next = 0;
    for (size_t i = 0; i < PDF_DISGUISED_N; i++) {
        filled(&d, &t, "ACME Trading Ltd");
        next = pdf_last_int(&d, "/Size ");
        char annot[512];
        (void)snprintf(ref, sizeof(ref), "%d 0 R", next);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        (void)snprintf(annot, sizeof(annot), pdf_disguised[i].annot, next + 1); /* the table's own formats */
#pragma GCC diagnostic pop
        page = pdf_latest(&d, 3);
        page2 = pdf_with(page, "/Annots [", ref);
        cat = pdf_latest(&d, 1);
        cat2 = pdf_with(cat, "/Fields [", ref);
        int nums[] = {3, 1, next, next + 1};
        const char *bodies[] = {page2, cat2, annot, pdf_full_page_ap};
        pdf_append(&d, nums, bodies, 4, NULL);
        refused(&t, &d, pdf_disguised[i].why);
        free(page);
        free(page2);
        free(cat);
        free(cat2);
        eseal_buf_dispose(&d);
    }
    /* A plain comment: what DocMDP P=3 would allow, not P=2 (only form filling and signing). */
    filled(&d, &t, "ACME Trading Ltd");
    page = pdf_latest(&d, 3);
    page2 = pdf_with(page, "/Annots [", ref);
    int cnums[] = {3, next};
    const char *cbodies[] = {page2, "<< /Type /Annot /Subtype /Text /Rect [400 780 420 800] /Contents (void) >>"};
    pdf_append(&d, cnums, cbodies, 2, NULL);
    char want[128];
    (void)snprintf(want, sizeof(want), "object %d (added, reached from page 1 /Annots): a Text comment annotation", next);
    refused(&t, &d, want);
    free(page);
    free(page2);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

/*
 * An unsigned signature field (the verifier's classes 1 and 6): allowed under P=2 when invisible,
 * refused when its widget draws on the page.
 */
static void unsigned_signature_field(void **state)
{
    (void)state;
    static const struct {
        const char *rect;
        bool ok;
    } cases[] = {{"0 0 0 0", true}, {"0 0 595 842", false}};
    eseal_buf t;
    make_template(&t);
    for (size_t i = 0; i < 2; i++) {
        eseal_buf d;
        filled(&d, &t, "ACME Trading Ltd");
        int next = pdf_last_int(&d, "/Size ");
        char ref[32], w[256];
        (void)snprintf(ref, sizeof(ref), "%d 0 R", next);
        (void)snprintf(w, sizeof(w), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (empty) /P 3 0 R /Rect [%s] "
                                     "/AP << /N %d 0 R >> >>",
                       cases[i].rect, next + 1);
        char *page = pdf_latest(&d, 3), *page2 = pdf_with(page, "/Annots [", ref);
        char *cat = pdf_latest(&d, 1), *cat2 = pdf_with(cat, "/Fields [", ref);
        int nums[] = {3, 1, next, next + 1};
        const char *bodies[] = {page2, cat2, w, pdf_full_page_ap};
        pdf_append(&d, nums, bodies, 4, NULL);
        if (cases[i].ok) {
            char why[ES_PDF_TEMPLATE_WHY_MAX];
            assert_true(derives(&t, &d, why));
        } else {
            refused(&t, &d, "an unsigned signature field that draws on the page");
        }
        free(page);
        free(page2);
        free(cat);
        free(cat2);
        eseal_buf_dispose(&d);
    }
    eseal_buf_dispose(&t);
}

/* An update that draws on the page: a second content stream painting over it. */
static void update_adding_content_is_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    filled(&d, &t, "ACME Trading Ltd");
    int next = pdf_last_int(&d, "/Size ");
    char page[160];
    (void)snprintf(page, sizeof(page), "<< /Type /Page /Parent 2 0 R /Contents [4 0 R %d 0 R] /Annots [5 0 R 6 0 R] >>",
                   next);
    int nums[] = {3, next};
    const char *bodies[] = {page, pdf_stream("", "1 g 0 740 595 40 re f")};
    pdf_append(&d, nums, bodies, 2, NULL);
    refused(&t, &d, "page 1 (changed, reached from object 2 /Kids): page 1 changed");
    char added[64];
    (void)snprintf(added, sizeof(added), "object %d (added, reached from page 1 /Contents)", next);
    refused(&t, &d, added);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

/*
 * The verifier's class 3, in a template: the page inherits its /Resources (object 6) from its
 * /Pages node, and object 6 is also the text field's appearance dictionary. Switching /X1 to new
 * content after the template is not a form fill.
 */
static void planted_resources_are_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    pdf_planted_resources(&t);
    d = copy_of(&t);
    pdf_switch_planted(&d);
    refused(&t, &d, "object 6 (changed, reached from");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

/* The template's own bytes changed (same length), then a fill appended: not an update of it. */
static void changed_template_bytes_are_refused(void **state)
{
    (void)state;
    eseal_buf t, e, d;
    make_template(&t);
    e = copy_of(&t);
    char *at = memmem(e.ptr, e.size, "1,000", 5);
    assert_non_null(at);
    at[0] = '9';
    filled(&d, &e, "ACME Trading Ltd");
    char want[96];
    (void)snprintf(want, sizeof(want), "differs from the template's bytes at offset %zu",
                   (size_t)(at - (char *)e.ptr));
    refused(&t, &d, want);
    /* Shorter than the template. */
    eseal_buf cut = {malloc(t.size - 10), t.size - 10};
    memcpy(cut.ptr, t.ptr, cut.size);
    refused(&t, &cut, "is the first");
    eseal_buf_dispose(&cut);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&e);
    eseal_buf_dispose(&t);
}

/* A filled form of another template. */
static void another_template_is_refused(void **state)
{
    (void)state;
    eseal_buf t, other, d;
    make_template(&t);
    pdf_one_page(&other, 1);
    filled(&d, &other, "ACME Trading Ltd");
    refused(&t, &d, "differs from the template's bytes at offset");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&other);
    eseal_buf_dispose(&t);
}

/* One resolution: an update that defines the field twice (readers may take either). */
static void ambiguous_structure_is_refused(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    d = copy_of(&t);
    int nums[] = {5, 5};
    const char *bodies[] = {"<< /FT /Tx /T (buyer) /V (Alice) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] "
                            "/P 3 0 R /AP << /N 7 0 R >> >>",
                            "<< /FT /Tx /T (buyer) /V (Mallory) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] "
                            "/P 3 0 R /AP << /N 7 0 R >> >>"};
    pdf_append(&d, nums, bodies, 2, NULL);
    refused(&t, &d, "lets readers resolve its objects differently (object 5");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

/* A template that does not end with a revision's %%EOF: no update of it can be told from a change. */
static void template_not_ending_a_revision_is_refused(void **state)
{
    (void)state;
    eseal_buf full, t, d;
    make_template(&full);
    /* The registered bytes stop in the middle of the trailer. */
    const char *tr = memmem(full.ptr, full.size, "trailer", 7);
    assert_non_null(tr);
    t = (eseal_buf){malloc((size_t)(tr - (char *)full.ptr)), (size_t)(tr - (char *)full.ptr)};
    memcpy(t.ptr, full.ptr, t.size);
    filled(&d, &full, "ACME Trading Ltd");
    refused(&t, &d, "does not end a revision");
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
    eseal_buf_dispose(&full);
}

/* Inputs beyond the context's limits are an error, never a yes. */
static void limits_apply(void **state)
{
    (void)state;
    eseal_buf t, d;
    make_template(&t);
    filled(&d, &t, "ACME Trading Ltd");
    eseal_context *cx = NULL;
    assert_int_equal(eseal_context_new(&cx), ESEAL_OK);
    eseal_limits lim = *eseal_limits_default();
    lim.max_input_bytes = t.size + 1; /* the template fits, the document does not */
    assert_int_equal(eseal_context_set_limits(cx, &lim), ESEAL_OK);
    bool yes = true;
    char why[ES_PDF_TEMPLATE_WHY_MAX];
    es_result r = es_pdf_template_derives(&yes, why, sizeof(why), es_span_of(t.ptr, t.size),
                                          es_span_of(d.ptr, d.size), cx);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_false(yes);
    assert_non_null(strstr(eseal_error_last()->message, "max_input_bytes"));
    /* The parse's object limit, as in a verification. */
    lim = *eseal_limits_default();
    lim.max_objects = 4;
    assert_int_equal(eseal_context_set_limits(cx, &lim), ESEAL_OK);
    r = es_pdf_template_derives(&yes, why, sizeof(why), es_span_of(t.ptr, t.size), es_span_of(d.ptr, d.size), cx);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_false(yes);
    eseal_context_free(cx);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_template_itself),
        cmocka_unit_test(form_filled_is_accepted),
        cmocka_unit_test(form_filled_and_stamped_is_accepted),
        cmocka_unit_test(changed_page_content_is_refused),
        cmocka_unit_test(added_page_is_refused),
        cmocka_unit_test(changed_annotation_is_refused),
        cmocka_unit_test(added_annotation_is_refused),
        cmocka_unit_test(unsigned_signature_field),
        cmocka_unit_test(update_adding_content_is_refused),
        cmocka_unit_test(planted_resources_are_refused),
        cmocka_unit_test(changed_template_bytes_are_refused),
        cmocka_unit_test(another_template_is_refused),
        cmocka_unit_test(ambiguous_structure_is_refused),
        cmocka_unit_test(template_not_ending_a_revision_is_refused),
        cmocka_unit_test(limits_apply),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
