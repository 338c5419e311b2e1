/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_diff: what a later revision may change after a signature (issue #15, classes 1, 3, 4, 5,
 * 6). Each attack is built here from a document stamped in memory, by appending an
 * incremental update as bytes (the way the published attacks do); each must make the stamp
 * INVALID with the named reason. The well-formed twins (more stamps, a cross-page stamp,
 * revocation data, an invisible unsigned field under P=2) must stay VALID.
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

/* ---- PDFs as bytes: pdf_make, pdf_append and the other builders are shared (pdf_fixture.h) ---- */

/* The stamped document's numbers: its page 1, AcroForm, first signature field and dictionary, next free. */
typedef struct {
    int page, af, field, sig, next;
} layout;

static layout layout_of(const eseal_buf *pdf)
{
    layout l;
    char *cat = pdf_latest(pdf, 1);
    l.af = pdf_ref_of(cat, "/AcroForm");
    char *af = pdf_latest(pdf, l.af);
    l.field = pdf_ref_of(af, "/Fields [");
    char *w = pdf_latest(pdf, l.field);
    l.sig = pdf_ref_of(w, "/V");
    l.page = pdf_ref_of(w, "/P");
    l.next = pdf_last_int(pdf, "/Size ");
    free(cat);
    free(af);
    free(w);
    return l;
}

static void stamp(fixture *f, eseal_buf *out, const eseal_buf *in, int certify, int cross)
{
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.certify = certify;
    o.cross_page = cross;
    *out = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_pdf_stamp(out, in->ptr, in->size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
}

/* Does coverage.changes of signature report c list a change of `type`? */
static bool has_change(const eseal_report *c, const char *type)
{
    const eseal_value *ch = eseal_report_find(c, "coverage.changes");
    for (size_t k = 0; k < eseal_value_count(ch); k++) {
        const char *t = eseal_value_string(eseal_value_find(eseal_value_item(ch, k), "type"));
        if (t != NULL && strcmp(t, type) == 0) {
            return true;
        }
    }
    return false;
}

/* The typed change a phrase of the modifications check's detail stands for. */
static const struct {
    const char *phrase, *type;
} change_types[] = {
    {"revocation data added", "dss"},        {"comment annotations added", "annotation"},
    {"form fields filled", "form_fill"},     {"document timestamps added", "document_timestamp"},
    {"signatures added", "signature"},       {"unsigned signature fields added", "signature"},
};

/*
 * h-pass1: the report of `pdf` the same, byte for byte, whether pass 1 walks objects from the records
 * of earlier judgements (the default) or reads every object through qpdf (es_pdf_diff_full_walk, the
 * reference), at one validation time.
 */
static void same_walk(fixture *f, const void *pdf, size_t len)
{
    char *json[2] = {NULL, NULL};
    int rc[2];
    es_pdf_diff_counts c0, c1;
    es_pdf_diff_counts_get(&c0);
    for (int full = 0; full < 2; full++) {
        eseal_report *r = NULL;
        eseal_pdf_verify_options o = ESEAL_PDF_VERIFY_OPTIONS_INIT;
        o.at_ms = 1796083200000; /* 2026-12-01T00:00:00Z */
        es_pdf_diff_full_walk(full == 1);
        rc[full] = eseal_pdf_verify(&r, pdf, len, f->trust, &o);
        es_pdf_diff_full_walk(false);
        if (r != NULL) {
            eseal_buf t = ESEAL_BUF_INIT;
            assert_int_equal(eseal_report_to_json(&t, r), ESEAL_OK);
            json[full] = strdup((const char *)t.ptr);
            eseal_buf_dispose(&t);
            eseal_report_free(r);
        }
    }
    es_pdf_diff_counts_get(&c1);
    if (c1.replayed > c0.replayed) {
        print_message("# same report with pass 1 from records (%lu objects walked from them) and the full walk\n",
                      c1.replayed - c0.replayed);
    }
    assert_int_equal(rc[0], rc[1]);
    if ((json[0] == NULL) != (json[1] == NULL) || (json[0] != NULL && strcmp(json[0], json[1]) != 0)) {
        fail_msg("pass 1 from its records and the full walk give different reports:\n%s\n----\n%s",
                 json[0] != NULL ? json[0] : "(none)", json[1] != NULL ? json[1] : "(none)");
    }
    free(json[0]);
    free(json[1]);
}

/* The verdict of the first signature (the stamp), with `reason` among its reasons when not NULL. */
static eseal_verdict first(fixture *f, const eseal_buf *pdf, const char *reason, const char *later)
{
    eseal_report *r = NULL;
    same_walk(f, pdf->ptr, pdf->size);
    assert_int_equal(eseal_pdf_verify(&r, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    const eseal_report *c = eseal_report_child(r, 0);
    eseal_verdict v = eseal_report_verdict(c);
    if (getenv("ESEAL_TEST_VERBOSE") != NULL) {
        eseal_buf t = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&t, r, 0);
        fprintf(stderr, "%.*s\n", (int)t.size, (const char *)t.ptr);
        eseal_buf_dispose(&t);
    }
    if (reason != NULL) {
        assert_true(eseal_report_has_reason(c, reason));
    }
    if (later != NULL) {
        const char *lc = eseal_report_string(c, "checks.modifications.detail");
        assert_non_null(lc);
        if (strstr(lc, later) == NULL) {
            fail_msg("the modifications check \"%s\" does not say \"%s\"", lc, later);
        }
        for (size_t k = 0; k < sizeof(change_types) / sizeof(change_types[0]); k++) {
            if (strstr(later, change_types[k].phrase) != NULL && !has_change(c, change_types[k].type)) {
                fail_msg("\"%s\" but no change of type %s in coverage.changes", later, change_types[k].type);
            }
        }
    }
    if (reason != NULL && strcmp(reason, "CHANGED_AFTER_SIGNING") == 0) {
        /* What no permission explains is listed as a change of type "other", and the check fails. */
        assert_true(has_change(c, "other"));
        assert_int_equal(eseal_report_check(c, "modifications"), ESEAL_CHECK_FAILED);
    }
    eseal_report_free(r);
    return v;
}

static eseal_verdict whole(fixture *f, const eseal_buf *pdf)
{
    eseal_report *r = NULL;
    same_walk(f, pdf->ptr, pdf->size);
    assert_int_equal(eseal_pdf_verify(&r, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    eseal_verdict v = eseal_report_verdict(r);
    eseal_report_free(r);
    return v;
}

/* A stamped one-page document and its layout; P = certify (0: not certified). */
static layout stamped(fixture *f, eseal_buf *out, int certify)
{
    eseal_buf in = ESEAL_BUF_INIT;
    pdf_one_page(&in, 1);
    stamp(f, out, &in, certify, 0);
    eseal_buf_dispose(&in);
    assert_int_equal(first(f, out, NULL, NULL), ESEAL_VALID);
    return layout_of(out);
}

/* Page 1 again with `item` added to its /Annots, and the AcroForm with `field` added to /Fields. */
static void add_to_page_and_form(const eseal_buf *pdf, const layout *l, const char *item, const char *field,
                                 char **page, char **af)
{
    char *p = pdf_latest(pdf, l->page), *a = pdf_latest(pdf, l->af);
    *page = item != NULL ? pdf_with(p, "/Annots [", item) : strdup(p);
    *af = field != NULL ? pdf_with(a, "/Fields [", field) : strdup(a);
    free(p);
    free(a);
}

/* ---- class 1: annotations disguised as signature fields ---------------------------------- */

static void class1_disguised_annotations(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < PDF_DISGUISED_N; i++) {
        eseal_buf pdf;
        layout l = stamped(f, &pdf, 0);
        char ref[32], annot[512], *page, *af;
        (void)snprintf(ref, sizeof(ref), "%d 0 R", l.next);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        (void)snprintf(annot, sizeof(annot), pdf_disguised[i].annot, l.next + 1); /* the table's own formats */
#pragma GCC diagnostic pop
        add_to_page_and_form(&pdf, &l, ref, ref, &page, &af);
        int nums[] = {l.page, l.af, l.next, l.next + 1};
        const char *bodies[] = {page, af, annot, pdf_full_page_ap};
        pdf_append(&pdf, nums, bodies, 4, NULL);
        assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", pdf_disguised[i].why), ESEAL_INVALID);
        free(page);
        free(af);
        eseal_buf_dispose(&pdf);
    }
}

/* A second field whose /V is the existing signature: one act of signing shown as two. */
static void class1_second_field_shows_existing_signature(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    char ref[32], w[256], *page, *af;
    (void)snprintf(ref, sizeof(ref), "%d 0 R", l.next);
    (void)snprintf(w, sizeof(w), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (copy) /V %d 0 R /P %d 0 R "
                                 "/Rect [300 300 400 400] /AP << /N %d 0 R >> >>",
                   l.sig, l.page, l.next + 1);
    add_to_page_and_form(&pdf, &l, ref, ref, &page, &af);
    int nums[] = {l.page, l.af, l.next, l.next + 1};
    const char *bodies[] = {page, af, w, pdf_full_page_ap};
    pdf_append(&pdf, nums, bodies, 4, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "showing the signature of another field"), ESEAL_INVALID);
    eseal_report *r = NULL;
    same_walk(f, pdf.ptr, pdf.size);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_child_count(r), 2);
    assert_true(eseal_report_has_reason(eseal_report_child(r, 1), "DUPLICATE_SIGNATURE"));
    assert_int_equal(eseal_report_verdict(eseal_report_child(r, 1)), ESEAL_INVALID);
    eseal_report_free(r);
    free(page);
    free(af);
    eseal_buf_dispose(&pdf);
}

/* An unsigned signature field whose widget draws over the whole page (classes 1 and 6). */
static void unsigned_field(fixture *f, eseal_buf *pdf, const layout *l, const char *rect, bool with_dss)
{
    char ref[32], w[256], *page, *af;
    (void)snprintf(ref, sizeof(ref), "%d 0 R", l->next);
    (void)snprintf(w, sizeof(w), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (empty) /P %d 0 R /Rect [%s] "
                                 "/AP << /N %d 0 R >> >>",
                   l->page, rect, l->next + 1);
    add_to_page_and_form(pdf, l, ref, ref, &page, &af);
    char *cat = pdf_latest(pdf, 1), dssref[32];
    (void)snprintf(dssref, sizeof(dssref), "/DSS %d 0 R", l->next + 2);
    char *cat2 = pdf_with(cat, NULL, dssref);
    char dss[64];
    (void)snprintf(dss, sizeof(dss), "<< /Type /DSS /Certs [%d 0 R] >>", l->next + 3);
    int nums[] = {l->page, l->af, l->next, l->next + 1, 1, l->next + 2, l->next + 3};
    const char *bodies[] = {page, af, w, pdf_full_page_ap, cat2, dss, "<< /Length 4 >>\nstream\nx509\nendstream"};
    pdf_append(pdf, nums, bodies, with_dss ? 7 : 4, NULL);
    (void)f;
    free(cat);
    free(cat2);
    free(page);
    free(af);
}

static void class1_unsigned_field_with_appearance(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    unsigned_field(f, &pdf, &l, "0 0 595 842", false);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "an unsigned signature field that draws on the page"),
                     ESEAL_INVALID);
    eseal_buf_dispose(&pdf);
}

/* Class 6: under P=1, even with revocation data in the same revision, an overlay field is refused. */
static void class6_unsigned_field_under_p1(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 1);
    unsigned_field(f, &pdf, &l, "0 0 595 842", true);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "which DocMDP P=1 does not allow"), ESEAL_INVALID);
    eseal_report *r = NULL;
    same_walk(f, pdf.ptr, pdf.size);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_null(strstr(eseal_report_string(eseal_report_child(r, 0), "checks.modifications.detail"), "signatures added"));
    eseal_report_free(r);
    eseal_buf_dispose(&pdf);
    /* Invisible, still not under P=1. */
    l = stamped(f, &pdf, 1);
    unsigned_field(f, &pdf, &l, "0 0 0 0", true);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "which DocMDP P=1 does not allow"), ESEAL_INVALID);
    eseal_buf_dispose(&pdf);
}

/* The twin: an invisible unsigned signature field under P=2 is allowed, and not counted as a signature. */
static void invisible_unsigned_field_under_p2_is_valid(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 2);
    unsigned_field(f, &pdf, &l, "0 0 0 0", false);
    assert_int_equal(first(f, &pdf, NULL, "unsigned signature fields added: 1"), ESEAL_VALID);
    eseal_report *r = NULL;
    same_walk(f, pdf.ptr, pdf.size);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_null(strstr(eseal_report_string(eseal_report_child(r, 0), "checks.modifications.detail"), "signatures added: "));
    eseal_report_free(r);
    eseal_buf_dispose(&pdf);
}

/* ---- class 3: shadow attacks through indirection ----------------------------------------- */

/*
 * Content planted before stamping: the page inherits its /Resources (object 6) from its /Pages
 * node, and object 6 is also a text field's appearance dictionary. Switching /X1 to new content
 * after signing was taken for a form fill.
 */
static void class3_inherited_resources(void **state)
{
    fixture *f = *state;
    eseal_buf in, pdf;
    pdf_planted_resources(&in);
    stamp(f, &pdf, &in, 0, 0);
    assert_int_equal(first(f, &pdf, NULL, NULL), ESEAL_VALID);
    pdf_switch_planted(&pdf);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "object 6 (changed, reached from"), ESEAL_INVALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&pdf);
}

/*
 * The twin of class 3: a field filled on a page that also has a link to itself. The link's
 * destination names the page; it does not draw it, so the field stays a form field.
 */
static void form_fill_next_to_a_link_is_valid(void **state)
{
    fixture *f = *state;
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Annots [5 0 R 6 0 R] >>",
        pdf_stream("", "0 g"),
        "<< /FT /Tx /T (name) /V (Alice) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] /P 3 0 R "
        "/AP << /N 7 0 R >> >>",
        "<< /Type /Annot /Subtype /Link /Rect [10 10 50 50] /A << /S /GoTo /D [3 0 R /Fit] >> >>",
        pdf_stream("/Type /XObject /Subtype /Form /BBox [0 0 200 20]", "0 g"),
    };
    eseal_buf in, pdf;
    pdf_make(&in, objs, 7, "");
    stamp(f, &pdf, &in, 0, 0);
    int next = pdf_last_int(&pdf, "/Size ");
    char field[256];
    (void)snprintf(field, sizeof(field), "<< /FT /Tx /T (name) /V (Mallory) /Type /Annot /Subtype /Widget "
                                         "/Rect [100 700 300 720] /P 3 0 R /AP << /N %d 0 R >> >>",
                   next);
    int nums[] = {5, next};
    const char *bodies[] = {field, pdf_stream("/Type /XObject /Subtype /Form /BBox [0 0 200 20]", "1 g")};
    pdf_append(&pdf, nums, bodies, 2, NULL);
    assert_int_equal(first(f, &pdf, "FORM_FILLED", "form fields filled"), ESEAL_VALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&pdf);
}

/* A page's resources dictionary labelled /Type /DSS: judged as what it is used as, page content. */
static void class3_resources_labelled_dss(void **state)
{
    fixture *f = *state;
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 5 0 R >>",
        pdf_stream("", "q /X1 Do Q"),
        "<< /Type /DSS /XObject << /X1 6 0 R >> >>",
        pdf_stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", "0 g"),
    };
    eseal_buf in, pdf;
    pdf_make(&in, objs, 6, "");
    stamp(f, &pdf, &in, 0, 0);
    int next = pdf_last_int(&pdf, "/Size ");
    char res[80];
    (void)snprintf(res, sizeof(res), "<< /Type /DSS /XObject << /X1 %d 0 R >> >>", next);
    int nums[] = {5, next};
    const char *bodies[] = {res, pdf_full_page_ap};
    pdf_append(&pdf, nums, bodies, 2, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "what a page draws changed"), ESEAL_INVALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&pdf);
}

/* ---- class 4: catalog and metadata --------------------------------------------------------- */

static void class4_dss_with_other_keys(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    char *cat = pdf_latest(&pdf, 1), ref[32], dss[160];
    (void)snprintf(ref, sizeof(ref), "/DSS %d 0 R", l.next);
    char *cat2 = pdf_with(cat, NULL, ref);
    (void)snprintf(dss, sizeof(dss), "<< /Type /DSS /Certs [%d 0 R] /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
                   l.next + 1);
    int nums[] = {1, l.next, l.next + 1};
    const char *bodies[] = {cat2, dss, "<< /Length 4 >>\nstream\nx509\nendstream"};
    pdf_append(&pdf, nums, bodies, 3, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "the /DSS holds /OpenAction"), ESEAL_INVALID);
    free(cat);
    free(cat2);
    eseal_buf_dispose(&pdf);
}

/* Its twin: revocation data as the stamper writes it stays VALID, even under P=1. */
static void dss_added_is_valid(void **state)
{
    fixture *f = *state;
    for (int p = 0; p <= 1; p++) {
        eseal_buf pdf;
        (void)stamped(f, &pdf, p);
        eseal_buf cert = ESEAL_BUF_INIT;
        assert_int_equal(eseal_cert_der(&cert, f->root), ESEAL_OK);
        es_span c = es_span_of(cert.ptr, cert.size);
        es_pdf_dss_data dd = {&c, 1, NULL, 0, NULL, 0, NULL, 0};
        es_buf out = ES_BUF_INIT(1 << 24);
        assert_true(es_ok(es_pdf_add_dss(&out, es_span_of(pdf.ptr, pdf.size), &dd)));
        eseal_buf o = {out.ptr, out.len};
        assert_int_equal(first(f, &o, NULL, "revocation data added"), ESEAL_VALID);
        es_buf_free(&out);
        eseal_buf_dispose(&cert);
        eseal_buf_dispose(&pdf);
    }
}

/* A /DSS of the signed revision updated in place (its indirect arrays grown): allowed; other keys: not. */
static void dss_updated_in_place(void **state)
{
    fixture *f = *state;
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R /DSS 4 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "<< /Type /DSS /Certs 5 0 R >>",
        "[6 0 R]",
        pdf_stream("", "cert"),
    };
    for (int bad = 0; bad <= 1; bad++) {
        eseal_buf in, pdf;
        pdf_make(&in, objs, 6, "");
        stamp(f, &pdf, &in, 0, 0);
        int next = pdf_last_int(&pdf, "/Size ");
        char arr[32];
        (void)snprintf(arr, sizeof(arr), "[6 0 R %d 0 R]", next);
        int nums[] = {5, next, 4};
        const char *bodies[] = {arr, pdf_stream("", "cert2"), "<< /Type /DSS /Certs 5 0 R /AA << /O 7 0 R >> >>"};
        pdf_append(&pdf, nums, bodies, bad ? 3 : 2, NULL);
        if (bad) {
            assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "the /DSS holds /AA"), ESEAL_INVALID);
        } else {
            assert_int_equal(first(f, &pdf, NULL, "revocation data added"), ESEAL_VALID);
        }
        eseal_buf_dispose(&in);
        eseal_buf_dispose(&pdf);
    }
}

/* A TSA of the fixture's root, answering in process (for document timestamps). */
typedef struct {
    eseal_tsa_config cfg;
    eseal_tsa_source src;
    eseal_tsa_client_options opts;
} test_tsa;

static int tsa_serial(void *ctx, uint64_t *serial)
{
    static uint64_t n;
    (void)ctx;
    *serial = ++n;
    return ESEAL_OK;
}

static int tsa_transport(void *ctx, eseal_buf *resp, const void *req, size_t len)
{
    return eseal_tsa_respond(resp, req, len, &((test_tsa *)ctx)->cfg);
}

static int tsa_stamp(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    eseal_tsa_client_result res;
    memset(&res, 0, sizeof(res));
    int rc = eseal_tsa_client_stamp(&res, hash, digest, len, &((test_tsa *)ctx)->opts);
    if (rc == ESEAL_OK) {
        *token = res.token;
        res.token = (eseal_buf)ESEAL_BUF_INIT;
    }
    eseal_tsa_client_result_free(&res);
    return rc;
}

/* PAdES B-LTA as eseal extend writes it: a /DSS, then a document timestamp; the stamp stays VALID. */
static void dss_and_document_timestamp_are_valid(void **state)
{
    fixture *f = *state;
    eseal_cert *tc = NULL;
    eseal_key *tk = NULL;
    issue(&tc, &tk, ES_PROFILE_TSA, "TSA", f->root_key, f->root);
    test_tsa t;
    memset(&t, 0, sizeof(t));
    t.cfg = (eseal_tsa_config)ESEAL_TSA_CONFIG_INIT;
    t.cfg.key = tk;
    t.cfg.cert = tc;
    t.cfg.next_serial = tsa_serial;
    t.src = (eseal_tsa_source){NULL, tsa_transport, &t, "test TSA"};
    t.opts = (eseal_tsa_client_options)ESEAL_TSA_CLIENT_OPTIONS_INIT;
    t.opts.sources = &t.src;
    t.opts.n_sources = 1;
    t.opts.trust = f->trust;
    eseal_buf pdf;
    (void)stamped(f, &pdf, 0);
    eseal_buf cert = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&cert, f->root), ESEAL_OK);
    es_span c = es_span_of(cert.ptr, cert.size);
    es_pdf_dss_data dd = {&c, 1, NULL, 0, NULL, 0, NULL, 0};
    es_buf lt = ES_BUF_INIT(1 << 24), lta = ES_BUF_INIT(1 << 24);
    assert_true(es_ok(es_pdf_add_dss(&lt, es_span_of(pdf.ptr, pdf.size), &dd)));
    assert_true(es_ok(es_pdf_add_doc_timestamp(&lta, es_buf_span(&lt), ESEAL_HASH_SHA256, tsa_stamp, &t, 0, NULL)));
    eseal_buf o = {lta.ptr, lta.len};
    assert_int_equal(first(f, &o, NULL, "document timestamps added: 1"), ESEAL_VALID);
    assert_int_equal(first(f, &o, NULL, "revocation data added"), ESEAL_VALID);
    assert_int_equal(whole(f, &o), ESEAL_VALID);
    es_buf_free(&lt);
    es_buf_free(&lta);
    eseal_buf_dispose(&cert);
    eseal_buf_dispose(&pdf);
    eseal_cert_free(tc);
    eseal_key_free(tk);
}

static void class4_need_appearances(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    char *af = pdf_latest(&pdf, l.af), *af2 = pdf_with(af, NULL, "/NeedAppearances true");
    int nums[] = {l.af};
    const char *bodies[] = {af2};
    pdf_append(&pdf, nums, bodies, 1, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "/NeedAppearances"), ESEAL_INVALID);
    free(af);
    free(af2);
    eseal_buf_dispose(&pdf);
}

/*
 * Found by fuzz_pdf_verify: a later revision points the catalog's /Pages at a page. qpdf repairs
 * the page tree in memory when it is walked, with only a warning, and the comparison then saw the
 * old catalog (VALID); MuPDF refuses to draw the file. A document that needs repair is INVALID.
 */
static void catalog_pages_pointed_at_a_page(void **state)
{
    fixture *f = *state;
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    };
    eseal_buf in, pdf;
    pdf_make(&in, objs, 3, "");
    stamp(f, &pdf, &in, 0, 0);
    assert_int_equal(first(f, &pdf, NULL, NULL), ESEAL_VALID);
    char cat[160];
    int af = pdf_last_int(&pdf, "/AcroForm ");
    (void)snprintf(cat, sizeof(cat), "<< /Type /Catalog /Pages 3 0 R /AcroForm %d 0 R >>", af);
    int nums[] = {1};
    const char *bodies[] = {cat};
    pdf_append(&pdf, nums, bodies, 1, NULL);
    assert_int_equal(first(f, &pdf, "AMBIGUOUS_STRUCTURE", NULL), ESEAL_INVALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&pdf);
}

static void class4_info_changed(void **state)
{
    fixture *f = *state;
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "<< /Title (Contract 2026-1) /Author (Alice) >>",
    };
    eseal_buf in, pdf;
    pdf_make(&in, objs, 4, "/Info 4 0 R ");
    stamp(f, &pdf, &in, 0, 0);
    assert_int_equal(first(f, &pdf, NULL, NULL), ESEAL_VALID);
    int next = pdf_last_int(&pdf, "/Size ");
    /* Changed in place, and replaced by another object. */
    eseal_buf two = {malloc(pdf.size), pdf.size};
    memcpy(two.ptr, pdf.ptr, pdf.size);
    int n1[] = {4};
    const char *b1[] = {"<< /Title (Contract 2026-1: void) /Author (Mallory) >>"};
    pdf_append(&pdf, n1, b1, 1, "/Info 4 0 R ");
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "document information"), ESEAL_INVALID);
    int n2[] = {next};
    char tr[32];
    (void)snprintf(tr, sizeof(tr), "/Info %d 0 R ", next);
    pdf_append(&two, n2, b1, 1, tr);
    assert_int_equal(first(f, &two, "CHANGED_AFTER_SIGNING", "document information"), ESEAL_INVALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&pdf);
    eseal_buf_dispose(&two);
}

/* ---- class 5: one stamp shown as two ------------------------------------------------------- */

static void class5_field_listed_twice(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    char ref[32], *af = pdf_latest(&pdf, l.af);
    (void)snprintf(ref, sizeof(ref), "%d 0 R", l.field);
    char *af2 = pdf_with(af, "/Fields [", ref);
    int nums[] = {l.af};
    const char *bodies[] = {af2};
    pdf_append(&pdf, nums, bodies, 1, NULL);
    eseal_report *r = NULL;
    same_walk(f, pdf.ptr, pdf.size);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(r), ESEAL_INVALID);
    assert_int_equal(eseal_report_child_count(r), 2);
    assert_true(eseal_report_has_reason(eseal_report_child(r, 1), "DUPLICATE_SIGNATURE"));
    assert_true(eseal_report_has_reason(eseal_report_child(r, 0), "CHANGED_AFTER_SIGNING"));
    eseal_report_free(r);
    free(af);
    free(af2);
    eseal_buf_dispose(&pdf);
}

/*
 * Class 2 through references: a later revision that lists the signed widget under another
 * generation ("9 5 R" for "9 0 R") in the page's /Annots or the form's /Fields, next to a new
 * invisible field: qpdf and poppler find no object 9 5 (the stamp disappears from the page),
 * MuPDF shows object 9 (found by the pdf_verify_rev campaign); in /Fields the signature list
 * itself cannot be read (an error, never VALID). And a new field listed as "N 3 R" although it is
 * object N 0.
 */
static void reference_under_another_generation(void **state)
{
    fixture *f = *state;
    for (int where = 0; where < 3; where++) {
        eseal_buf pdf;
        layout l = stamped(f, &pdf, 2);
        char old[32], bad[32], ref[32], fref[32], w[256];
        (void)snprintf(old, sizeof(old), "%d 0 R", l.field);
        (void)snprintf(bad, sizeof(bad), "%d 5 R", l.field);
        (void)snprintf(ref, sizeof(ref), "%d %d R", l.next, where == 2 ? 3 : 0); /* in the page's /Annots */
        (void)snprintf(fref, sizeof(fref), "%d 0 R", l.next);
        (void)snprintf(w, sizeof(w), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (forged) /F 132 /P %d 0 R "
                                     "/Rect [0 0 0 0] >>", l.page);
        char *page, *af;
        add_to_page_and_form(&pdf, &l, ref, fref, &page, &af);
        char *target = where == 0 ? page : where == 1 ? af : NULL;
        char *at = target != NULL ? strstr(target, old) : NULL;
        if (target != NULL) {
            assert_non_null(at);
            memcpy(at, bad, strlen(bad)); /* same length: "N 0 R" -> "N 5 R" */
        }
        int nums[] = {l.page, l.af, l.next};
        const char *bodies[] = {page, af, w};
        pdf_append(&pdf, nums, bodies, 3, NULL);
        if (where == 1) {
            /* a field that is no object: the signature list itself cannot be read */
            eseal_report *r = NULL;
            assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_EMALFORMED);
            assert_null(r);
        } else {
            assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", NULL), ESEAL_INVALID);
        }
        free(page);
        free(af);
        eseal_buf_dispose(&pdf);
    }
}

/* The signature dictionary copied (same /ByteRange and /Contents) into a second field. */
static void class5_signature_dictionary_copied(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    char *sig = pdf_latest(&pdf, l.sig), ref[32], w[256], *page, *af;
    (void)snprintf(ref, sizeof(ref), "%d 0 R", l.next);
    (void)snprintf(w, sizeof(w), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (copy) /V %d 0 R /P %d 0 R "
                                 "/Rect [0 0 0 0] >>",
                   l.next + 1, l.page);
    add_to_page_and_form(&pdf, &l, ref, ref, &page, &af);
    int nums[] = {l.page, l.af, l.next, l.next + 1};
    const char *bodies[] = {page, af, w, sig};
    pdf_append(&pdf, nums, bodies, 4, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "a copy of an earlier signature"), ESEAL_INVALID);
    eseal_report *r = NULL;
    same_walk(f, pdf.ptr, pdf.size);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_true(eseal_report_has_reason(eseal_report_child(r, 1), "DUPLICATE_SIGNATURE"));
    assert_int_not_equal(eseal_report_verdict(r), ESEAL_VALID);
    eseal_report_free(r);
    free(sig);
    free(page);
    free(af);
    eseal_buf_dispose(&pdf);
}

/* Two new fields sharing one new signature dictionary: the second is not a signature of its own. */
static void class5_two_new_fields_one_dictionary(void **state)
{
    fixture *f = *state;
    eseal_buf pdf;
    layout l = stamped(f, &pdf, 0);
    char refs[64], w1[256], w2[256], sig[160], *page, *af;
    (void)snprintf(refs, sizeof(refs), "%d 0 R %d 0 R", l.next, l.next + 1);
    for (int k = 0; k < 2; k++) {
        (void)snprintf(k == 0 ? w1 : w2, sizeof(w1), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (f%d) /V %d 0 R "
                                                   "/P %d 0 R /Rect [0 0 0 0] >>",
                       k, l.next + 2, l.page);
    }
    (void)snprintf(sig, sizeof(sig), "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
                                     "/ByteRange [0 10 20 999999] /Contents <3000> >>");
    add_to_page_and_form(&pdf, &l, refs, refs, &page, &af);
    int nums[] = {l.page, l.af, l.next, l.next + 1, l.next + 2};
    const char *bodies[] = {page, af, w1, w2, sig};
    pdf_append(&pdf, nums, bodies, 5, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "is the signature dictionary of object"), ESEAL_INVALID);
    eseal_report *r = NULL;
    same_walk(f, pdf.ptr, pdf.size);
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_child_count(r), 3);
    assert_true(eseal_report_has_reason(eseal_report_child(r, 2), "DUPLICATE_SIGNATURE"));
    eseal_report_free(r);
    free(page);
    free(af);
    eseal_buf_dispose(&pdf);
}

/* ---- what stays VALID -------------------------------------------------------------------- */

static void more_stamps_and_cross_page_stay_valid(void **state)
{
    fixture *f = *state;
    eseal_buf in, a, b, c;
    pdf_one_page(&in, 3);
    stamp(f, &a, &in, 2, 0);
    stamp(f, &b, &a, 0, 1); /* a cross-page stamp: a widget on every page */
    stamp(f, &c, &b, 0, 0);
    assert_int_equal(first(f, &c, NULL, "signatures added: 2"), ESEAL_VALID);
    assert_int_equal(whole(f, &c), ESEAL_VALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&a);
    eseal_buf_dispose(&b);
    eseal_buf_dispose(&c);
}

/* A comment under P=3 stays allowed; the same comment with a JavaScript action is not. */
static void comments_under_p3(void **state)
{
    fixture *f = *state;
    static const char *const annots[] = {
        "<< /Type /Annot /Subtype /Text /Rect [400 780 420 800] /Contents (please check) >>",
        "<< /Type /Annot /Subtype /Text /Rect [400 780 420 800] /A << /S /JavaScript /JS (app.alert(1)) >> >>"};
    for (int i = 0; i < 2; i++) {
        eseal_buf pdf;
        layout l = stamped(f, &pdf, 3);
        char ref[32], *page, *af;
        (void)snprintf(ref, sizeof(ref), "%d 0 R", l.next);
        add_to_page_and_form(&pdf, &l, ref, NULL, &page, &af);
        int nums[] = {l.page, l.next};
        const char *bodies[] = {page, annots[i]};
        pdf_append(&pdf, nums, bodies, 2, NULL);
        if (i == 0) {
            assert_int_equal(first(f, &pdf, "ANNOTATIONS_ADDED", "comment annotations added: 1"), ESEAL_VALID);
        } else {
            assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "a Text annotation with an action"),
                             ESEAL_INVALID);
        }
        free(page);
        free(af);
        eseal_buf_dispose(&pdf);
    }
}

/* A reference of the signed revision to an object it does not define, defined later (planted). */
static void dangling_reference_defined_later(void **state)
{
    fixture *f = *state;
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 5 0 R >>",
        pdf_stream("", "q /X1 Do Q"),
        "<< /XObject << /X1 60 0 R >> >>", /* qpdf reads a dangling reference as null */
    };
    eseal_buf in, pdf;
    pdf_make(&in, objs, 5, "");
    stamp(f, &pdf, &in, 0, 0);
    assert_int_equal(first(f, &pdf, NULL, NULL), ESEAL_VALID);
    int nums[] = {60};
    const char *bodies[] = {pdf_full_page_ap};
    pdf_append(&pdf, nums, bodies, 1, NULL);
    assert_int_equal(first(f, &pdf, "CHANGED_AFTER_SIGNING", "object 5 (changed, reached from page 1 /Resources)"),
                     ESEAL_INVALID);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(class1_disguised_annotations),
        cmocka_unit_test(class1_second_field_shows_existing_signature),
        cmocka_unit_test(class1_unsigned_field_with_appearance),
        cmocka_unit_test(class6_unsigned_field_under_p1),
        cmocka_unit_test(invisible_unsigned_field_under_p2_is_valid),
        cmocka_unit_test(class3_inherited_resources),
        cmocka_unit_test(form_fill_next_to_a_link_is_valid),
        cmocka_unit_test(class3_resources_labelled_dss),
        cmocka_unit_test(class4_dss_with_other_keys),
        cmocka_unit_test(dss_added_is_valid),
        cmocka_unit_test(dss_updated_in_place),
        cmocka_unit_test(dss_and_document_timestamp_are_valid),
        cmocka_unit_test(class4_need_appearances),
        cmocka_unit_test(class4_info_changed),
        cmocka_unit_test(class5_field_listed_twice),
        cmocka_unit_test(reference_under_another_generation),
        cmocka_unit_test(class5_signature_dictionary_copied),
        cmocka_unit_test(class5_two_new_fields_one_dictionary),
        cmocka_unit_test(more_stamps_and_cross_page_stay_valid),
        cmocka_unit_test(comments_under_p3),
        cmocka_unit_test(dangling_reference_defined_later),
        cmocka_unit_test(catalog_pages_pointed_at_a_page),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
