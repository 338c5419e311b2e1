/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verify in one pass (issue 18): a revision comparison reads only what later revisions replaced.
 * The cross-reference sections say which objects each revision lists or defines (pdf_xref.c,
 * es_pdf_xref_changes); pass 3 of the comparison (pdf_diff.c) skips an object of the signed
 * revision that no later revision replaced and that references nothing replaced, and compares the
 * rest. es_pdf_diff_counts() counts what the comparisons walked, compared and skipped.
 *
 * What is shown here (counts, never times):
 * - the objects compared do not grow with the document: 5 stamps on page 1 of a 3-page and of a
 *   40-page document compare the same number of objects, while the signed revisions walked grow;
 *   pass 4 takes the untouched pages as seen without reading them (settled);
 * - the objects compared grow with the revisions after each signature (5 vs 20 stamps), not with
 *   signatures x document size;
 * - the judgement is the same with and without the map (report JSON equal, byte for byte), for
 *   every signature of a 20-stamp file and for later revisions that change a page's content, a
 *   content stream's indirect /Length only, define an object that an untouched signed dictionary
 *   referenced while it did not exist (qpdf leaves such a key out of the signed text), or replace
 *   the object stream that holds a page's dictionary (listing the stream, not the page);
 * - qpdf parses: the file once, and each signed revision that later ones follow once (not yet one
 *   parse per verification: NOTES-README-h-verify.md).
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

#define MAX_OBJS 512

/*
 * A document of `pages` pages, each with its own content stream whose /Length is an indirect
 * object; `pages_extra` is added to the /Pages dictionary. Objects: 1 catalog, 2 pages, then per
 * page its dictionary, its content stream and that stream's length.
 */
static void make_doc(eseal_buf *out, int pages, const char *pages_extra)
{
    size_t off[MAX_OBJS];
    int n = 2 + 3 * pages;
    assert_true(n < MAX_OBJS);
    *out = (eseal_buf)ESEAL_BUF_INIT;
    pdf_put(out, "%%PDF-1.7\n");
    off[1] = out->size;
    pdf_put(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = out->size;
    pdf_put(out, "2 0 obj\n<< /Type /Pages /Count %d /MediaBox [0 0 595 842] %s /Kids [", pages, pages_extra);
    for (int i = 0; i < pages; i++) {
        pdf_put(out, "%d 0 R ", 3 + 3 * i);
    }
    pdf_put(out, "] >>\nendobj\n");
    for (int i = 0; i < pages; i++) {
        char text[64];
        int tl = snprintf(text, sizeof(text), "BT /F1 12 Tf 72 720 Td (page %d) Tj ET", i + 1);
        off[3 + 3 * i] = out->size;
        pdf_put(out, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /Contents %d 0 R /Resources << /Font << /F1 << /Type /Font "
                 "/Subtype /Type1 /BaseFont /Helvetica >> >> >> >>\nendobj\n",
            3 + 3 * i, 4 + 3 * i);
        off[4 + 3 * i] = out->size;
        pdf_put(out, "%d 0 obj\n<< /Length %d 0 R >>\nstream\n%s\nendstream\nendobj\n", 4 + 3 * i, 5 + 3 * i, text);
        off[5 + 3 * i] = out->size;
        pdf_put(out, "%d 0 obj\n%d\nendobj\n", 5 + 3 * i, tl + 1);
    }
    size_t x = out->size;
    pdf_put(out, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
    for (int i = 1; i <= n; i++) {
        pdf_put(out, "%010zu 00000 n \n", off[i]);
    }
    pdf_put(out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", n + 1, x);
}

/* `n` stamps on page 1, each an incremental update of the one before. */
static void stamp_n(fixture *f, eseal_buf *doc, int n)
{
    for (int i = 0; i < n; i++) {
        eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
        o.page = 1;
        eseal_buf next = ESEAL_BUF_INIT;
        int rc = eseal_pdf_stamp(&next, doc->ptr, doc->size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert,
                                 &o);
        if (rc != ESEAL_OK) {
            fail_msg("stamp %d: %s", i + 1, eseal_error_last()->message);
        }
        eseal_buf_dispose(doc);
        *doc = next;
    }
}

/* Appends a revision that redefines object `num` as `body` (and `num2` as `body2` when > 0). */
static void append_rev(eseal_buf *pdf, int num, const char *body, int num2, const char *body2)
{
    int prev = pdf_last_int(pdf, "startxref"), size = pdf_last_int(pdf, "/Size ");
    size_t at = pdf->size;
    pdf_put(pdf, "%d 0 obj\n%s\nendobj\n", num, body);
    size_t at2 = pdf->size;
    if (num2 > 0) {
        pdf_put(pdf, "%d 0 obj\n%s\nendobj\n", num2, body2);
    }
    int top = num > num2 ? num : num2;
    size_t x = pdf->size;
    pdf_put(pdf, "xref\n%d 1\n%010zu 00000 n \n", num, at);
    if (num2 > 0) {
        pdf_put(pdf, "%d 1\n%010zu 00000 n \n", num2, at2);
    }
    pdf_put(pdf, "trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%zu\n%%%%EOF\n", top >= size ? top + 1 : size,
        prev, x);
}

/* Appends `n` raw bytes (binary rows of a cross-reference stream). */
static void put_raw(eseal_buf *b, const void *p, size_t n)
{
    b->ptr = realloc(b->ptr, b->size + n + 1);
    memcpy(b->ptr + b->size, p, n);
    b->size += n;
    b->ptr[b->size] = 0;
}

/* One row of a cross-reference stream with /W [1 4 2]. */
static void xrow(eseal_buf *b, int type, size_t f2, int f3)
{
    uint8_t r[7] = {(uint8_t)type, (uint8_t)(f2 >> 24), (uint8_t)(f2 >> 16), (uint8_t)(f2 >> 8), (uint8_t)f2,
                    (uint8_t)(f3 >> 8), (uint8_t)f3};
    put_raw(b, r, sizeof(r));
}

/* Object stream `num` holding object `held` (`body`), as "num 0 obj ... endobj". */
static void objstm(eseal_buf *b, int num, int held, const char *page2)
{
    char hdr[16];
    int hl = snprintf(hdr, sizeof(hdr), "%d 0 ", held);
    pdf_put(b, "%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %zu >>\nstream\n%s%s\nendstream\nendobj\n", num, hl,
        (size_t)hl + strlen(page2) + 1, hdr, page2);
}

/*
 * A 2-page document with a cross-reference stream (object 9) in which page 2's /Resources
 * (object 7) is held in object stream 5.
 */
static void make_objstm_doc(eseal_buf *out)
{
    size_t off[10] = {0};
    *out = (eseal_buf)ESEAL_BUF_INIT;
    pdf_put(out, "%%PDF-1.7\n");
    off[1] = out->size;
    pdf_put(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = out->size;
    pdf_put(out, "2 0 obj\n<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 /MediaBox [0 0 595 842] >>\nendobj\n");
    off[3] = out->size;
    pdf_put(out, "3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << >> >>\nendobj\n");
    off[4] = out->size;
    pdf_put(out, "4 0 obj\n<< /Length 11 >>\nstream\n0 0 m 9 9 l\nendstream\nendobj\n");
    off[5] = out->size;
    objstm(out, 5, 7, "<< /ProcSet [/PDF] >>");
    off[6] = out->size;
    pdf_put(out, "6 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 8 0 R /Resources 7 0 R >>\nendobj\n");
    off[8] = out->size;
    pdf_put(out, "8 0 obj\n<< /Length 11 >>\nstream\n0 0 m 5 5 l\nendstream\nendobj\n");
    off[9] = out->size;
    pdf_put(out, "9 0 obj\n<< /Type /XRef /Size 10 /W [1 4 2] /Root 1 0 R /Length 70 >>\nstream\n");
    for (int i = 0; i < 10; i++) {
        if (i == 0) {
            xrow(out, 0, 0, 65535);
        } else if (i == 7) {
            xrow(out, 2, 5, 0);
        } else {
            xrow(out, 1, off[i], 0);
        }
    }
    pdf_put(out, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", off[9]);
}

/* Appends a revision that replaces object stream 5, now holding object `held` (`body`), listing only it. */
static void replace_objstm(eseal_buf *pdf, int held, const char *body)
{
    int prev = pdf_last_int(pdf, "startxref"), size = pdf_last_int(pdf, "/Size ");
    size_t at = pdf->size;
    objstm(pdf, 5, held, body);
    size_t x = pdf->size;
    pdf_put(pdf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [5 1 %d 1] /Prev %d /Root 1 0 R /Length 14 >>\nstream\n",
        size, size + 1, size, prev);
    xrow(pdf, 1, at, 0);
    xrow(pdf, 1, x, 0);
    pdf_put(pdf, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", x);
}

typedef struct {
    unsigned long opens;
    es_pdf_diff_counts c;
    es_pdf_view_counts v; /* judgements on the shared parse, second parses, objects rebuilt (h-once) */
    eseal_verdict verdict;
} run;

/* One verification of `pdf` with `nsigs` signatures: its parses, comparison counts and verdict. */
static run verify(fixture *f, const eseal_buf *pdf, size_t nsigs)
{
    run r;
    es_pdf_diff_counts a, b;
    es_pdf_view_counts va, vb;
    eseal_report *rep = NULL;
    unsigned long before = es_pdf_open_count();
    es_pdf_diff_counts_get(&a);
    es_pdf_view_counts_get(&va);
    assert_int_equal(eseal_pdf_verify(&rep, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    es_pdf_diff_counts_get(&b);
    es_pdf_view_counts_get(&vb);
    r.v.views = vb.views - va.views;
    r.v.fallbacks = vb.fallbacks - va.fallbacks;
    r.v.rebuilt = vb.rebuilt - va.rebuilt;
    r.opens = es_pdf_open_count() - before;
    r.c.judgements = b.judgements - a.judgements;
    r.c.reached = b.reached - a.reached;
    r.c.compared = b.compared - a.compared;
    r.c.skipped = b.skipped - a.skipped;
    r.c.settled = b.settled - a.settled;
    r.c.read1 = b.read1 - a.read1;
    r.c.replayed = b.replayed - a.replayed;
    r.c.replayed4 = b.replayed4 - a.replayed4;
    r.c.early = b.early - a.early;
    r.verdict = eseal_report_verdict(rep);
    assert_int_equal(eseal_report_child_count(rep), nsigs);
    eseal_report_free(rep);
    return r;
}

static void show(const char *what, const run *r)
{
    print_message("# %s: %lu qpdf parses, %lu comparisons (%lu on the shared parse, %lu on a second parse, %lu "
                  "objects rebuilt from old bytes), %lu objects walked, %lu compared, %lu skipped, %lu settled in "
                  "pass 4\n",
                  what, r->opens, r->c.judgements, r->v.views, r->v.fallbacks, r->v.rebuilt, r->c.reached,
                  r->c.compared, r->c.skipped, r->c.settled);
}

/* 5 stamps on a 3-page and a 40-page document: the same objects compared, more walked and skipped. */
static void compared_objects_do_not_grow_with_the_document(void **state)
{
    fixture *f = *state;
    eseal_buf small, big;
    make_doc(&small, 3, "");
    make_doc(&big, 40, "");
    stamp_n(f, &small, 5);
    stamp_n(f, &big, 5);
    run s = verify(f, &small, 5), b = verify(f, &big, 5);
    show("3 pages, 5 stamps", &s);
    show("40 pages, 5 stamps", &b);
    assert_int_equal(s.verdict, ESEAL_VALID);
    assert_int_equal(b.verdict, ESEAL_VALID);
    assert_int_equal(s.c.judgements, 4);
    assert_int_equal(b.c.judgements, 4);
    /* One parse (issue 18, h-once): every signed revision is read from the shared parse (a view). */
    assert_int_equal(s.opens, 1);
    assert_int_equal(b.opens, 1);
    assert_int_equal(s.v.views, 4);
    assert_int_equal(b.v.views, 4);
    assert_int_equal(s.v.fallbacks + b.v.fallbacks, 0);
    /* The view rebuilds what the later revisions replaced, the same in both documents. */
    assert_true(s.v.rebuilt > 0);
    assert_int_equal(b.v.rebuilt, s.v.rebuilt);
    assert_true(s.c.compared > 0);
    assert_int_equal(b.c.compared, s.c.compared);
    /* 37 more pages, 3 objects each, walked in each of the 4 signed revisions and skipped there. */
    assert_true(b.c.reached >= s.c.reached + 4 * 37 * 3);
    assert_true(b.c.skipped >= s.c.skipped + 4 * 37 * 3);
    /* ... and their content streams and lengths taken as seen by pass 4 without reading them (the
     * pages themselves reach the changed page 1 through /Parent and the page tree: read). */
    assert_true(b.c.settled >= s.c.settled + 4 * 37 * 2);
    assert_int_equal(s.c.reached, s.c.compared + s.c.skipped);
    assert_int_equal(b.c.reached, b.c.compared + b.c.skipped);
    eseal_buf_dispose(&small);
    eseal_buf_dispose(&big);
}

/*
 * 5 vs 20 stamps: each signature compares what the revisions after it replaced, a bounded number
 * of objects per later revision, so the total follows the sum over signatures of later revisions
 * (10 for 5 stamps, 190 for 20), the same per later revision in both files.
 */
static void compared_objects_follow_the_later_revisions(void **state)
{
    fixture *f = *state;
    eseal_buf d5, d20;
    make_doc(&d5, 3, "");
    stamp_n(f, &d5, 5);
    make_doc(&d20, 3, "");
    stamp_n(f, &d20, 20);
    run a = verify(f, &d5, 5), b = verify(f, &d20, 20);
    show("3 pages, 5 stamps", &a);
    show("3 pages, 20 stamps", &b);
    assert_int_equal(a.verdict, ESEAL_VALID);
    assert_int_equal(b.verdict, ESEAL_VALID);
    assert_int_equal(b.c.judgements, 19);
    /* Per later revision (sum over signatures): compared / 10 for 5 stamps, / 190 for 20. */
    double per5 = (double)a.c.compared / 10, per20 = (double)b.c.compared / 190;
    print_message("# objects compared per (signature, later revision): %.2f (5 stamps), %.2f (20 stamps)\n", per5,
                  per20);
    assert_true(per20 <= per5 * 1.25 + 1);
    /* Without the map every object walked would be compared: at least 19 x the 3-page document. */
    assert_true(b.c.skipped > 0);
    assert_true(b.c.compared < b.c.reached);
    eseal_buf_dispose(&d5);
    eseal_buf_dispose(&d20);
}

/* On a difference, with ESEAL_TEST_DUMP set to a directory: both texts written there (a.txt, b.txt). */
static void dump_pair(const char *a, const char *b)
{
    const char *dir = getenv("ESEAL_TEST_DUMP");
    if (dir == NULL) {
        return;
    }
    const char *texts[2] = {a, b}, *names[2] = {"a.txt", "b.txt"};
    for (int i = 0; i < 2; i++) {
        char path[512];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        FILE *fp = fopen(path, "w");
        if (fp != NULL) {
            (void)fputs(texts[i], fp);
            (void)fclose(fp);
        }
    }
}

/* The signed revision (1-based) of a signature ending at `end`, as es_pdf_verify finds it; 0: none. */
static size_t signed_rev_of(const es_pdf_revision *revs, size_t nrevs, const eseal_buf *pdf, size_t end)
{
    for (size_t k = 0; k < nrevs; k++) {
        if (revs[k].end <= end && (k + 1 == nrevs || revs[k + 1].end > end)) {
            for (size_t i = revs[k].end; i < end; i++) {
                if (pdf->ptr[i] != '\r' && pdf->ptr[i] != '\n') {
                    return 0;
                }
            }
            return k + 1;
        }
    }
    return 0;
}

/* The JSON of a report holding only what a comparison wrote. */
static char *judged(es_pdf_qpdf *file, const eseal_buf *pdf, size_t end, es_pdf_xref_changes *ch, size_t since,
                    const char *const *want_reason)
{
    es_pdf_qpdf rev = {0};
    eseal_report *rep = NULL;
    assert_true(es_ok(es_report_new(&rep)));
    assert_true(es_ok(es_pdf_judge_changes_ex(rep, file, &rev, es_span_of(pdf->ptr, pdf->size), end, NULL, ch,
                                              since)));
    es_pdf_qpdf_close(&rev);
    if (want_reason != NULL && *want_reason != NULL && !eseal_report_has_reason(rep, *want_reason)) {
        fail_msg("the comparison does not give %s", *want_reason);
    }
    eseal_buf json = ESEAL_BUF_INIT;
    assert_int_equal(eseal_report_to_json(&json, rep), ESEAL_OK);
    eseal_report_free(rep);
    char *s = strdup((const char *)json.ptr);
    eseal_buf_dispose(&json);
    return s;
}

/* Every signature of `pdf` judged with and without the map: the same report; *skipped: objects skipped. */
static es_pdf_view_counts judged_views; /* what same_judgements' comparisons with the map did (h-once) */

static void same_judgements(const eseal_buf *pdf, const char *what, const char *reason, unsigned long *skipped)
{
    es_pdf_view_counts v0, v1;
    es_pdf_view_counts_get(&v0);
    es_span data = es_span_of(pdf->ptr, pdf->size);
    es_pdf_sig sigs[32];
    size_t n = 0;
    assert_true(es_ok(es_pdf_signatures(data, sigs, 32, &n)));
    assert_true(n > 0);
    eseal_report *holder = NULL;
    assert_true(es_ok(es_report_new(&holder)));
    es_pdf_revision *revs = NULL;
    size_t nrevs = 0;
    es_pdf_xref_changes ch = {0};
    assert_true(es_ok(es_pdf_report_structure_ex(holder, NULL, 0, data, NULL, &revs, &nrevs, &ch)));
    assert_non_null(ch.newest); /* none of these files has a structural finding */
    es_pdf_qpdf file = {0};
    assert_true(es_ok(es_pdf_qpdf_open(&file, data, NULL)));
    es_pdf_diff_counts a, b;
    es_pdf_diff_counts_get(&a);
    for (size_t i = 0; i < n; i++) {
        size_t end = (size_t)(sigs[i].br[2] + sigs[i].br[3]);
        if (end >= pdf->size) {
            continue;
        }
        size_t since = signed_rev_of(revs, nrevs, pdf, end);
        assert_true(since > 0);
        const char *want[] = {reason, NULL};
        char *plain = judged(&file, pdf, end, NULL, 0, NULL);
        char *fast = judged(&file, pdf, end, &ch, since, want);
        if (strcmp(plain, fast) != 0) {
            fail_msg("%s, signature %zu: the comparison with the map differs:\n%s\n----\n%s", what, i + 1, plain, fast);
        }
        /* h-pass1: the same with pass 1 reading every object through qpdf (its records turned off). */
        es_pdf_view_counts u0, u1; /* not counted in judged_views: the callers count the plain and fast ones */
        es_pdf_view_counts_get(&u0);
        es_pdf_diff_full_walk(true);
        char *full = judged(&file, pdf, end, &ch, since, want);
        es_pdf_diff_full_walk(false);
        es_pdf_view_counts_get(&u1);
        v0.views += u1.views - u0.views;
        v0.fallbacks += u1.fallbacks - u0.fallbacks;
        v0.rebuilt += u1.rebuilt - u0.rebuilt;
        if (strcmp(full, fast) != 0) {
            dump_pair(full, fast);
            fail_msg("%s, signature %zu: pass 1 from its records differs from the full walk:\n%s\n----\n%s", what,
                     i + 1, full, fast);
        }
        free(plain);
        free(fast);
        free(full);
    }
    es_pdf_diff_counts_get(&b);
    *skipped = b.skipped - a.skipped;
    es_pdf_view_counts_get(&v1);
    judged_views.views = v1.views - v0.views;
    judged_views.fallbacks = v1.fallbacks - v0.fallbacks;
    judged_views.rebuilt = v1.rebuilt - v0.rebuilt;
    print_message("# %s: %lu judgement(s) with the map on the shared parse, %lu on a second parse\n", what,
                  judged_views.views, judged_views.fallbacks);
    es_pdf_qpdf_close(&file);
    es_pdf_xref_changes_free(&ch);
    es_free(revs);
    eseal_report_free(holder);
    for (size_t i = 0; i < n; i++) {
        es_pdf_sig_free(&sigs[i]);
    }
}

static void same_judgement_with_and_without_the_map(void **state)
{
    fixture *f = *state;
    unsigned long skipped = 0;
    /* 20 stamps, nothing else. */
    eseal_buf d;
    make_doc(&d, 3, "");
    stamp_n(f, &d, 20);
    same_judgements(&d, "20 stamps", NULL, &skipped);
    assert_true(skipped > 0);
    assert_int_equal(judged_views.views, 19); /* all on the shared parse (h-once) */
    assert_int_equal(judged_views.fallbacks, 0);
    eseal_buf_dispose(&d);

    /* Page 2's content stream (object 7) replaced after 2 stamps. */
    make_doc(&d, 3, "");
    stamp_n(f, &d, 2);
    append_rev(&d, 7, "<< /Length 8 0 R >>\nstream\nBT /F1 12 Tf 72 720 Td (paid!!) Tj ET\nendstream", 0, NULL);
    same_judgements(&d, "page 2's content replaced", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.views, 2); /* the old stream rebuilt from its bytes */
    eseal_buf_dispose(&d);

    /* Only the indirect /Length of page 2's content (object 8) changed: the stream reads shorter. */
    make_doc(&d, 3, "");
    stamp_n(f, &d, 2);
    append_rev(&d, 8, "10", 0, NULL);
    same_judgements(&d, "a /Length changed", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.fallbacks, 2); /* an integer object replaced: not changed in place */
    eseal_buf_dispose(&d);

    /* The untouched /Pages dictionary referenced object 900, missing when signed; a later revision
     * defines it. qpdf leaves /Extra out of the signed /Pages's text and shows it in the file's. */
    make_doc(&d, 3, "/Extra 900 0 R");
    stamp_n(f, &d, 2);
    append_rev(&d, 900, "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (later) >>", 0, NULL);
    same_judgements(&d, "a dangling reference filled", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.fallbacks, 2); /* the view does not make object 900 null again */
    eseal_buf_dispose(&d);

    /* h-once: the view reads a replaced object's old text as qpdf does. The signed /Pages holds
     * "N G R" inside a literal string (with an escaped parenthesis), a hex string and a comment,
     * and real references; a later revision drops /Note: only the old text parsed right explains
     * the change (the references in strings and comments must stay text). */
    make_doc(&d, 3, "/Note (not a reference: 1 0 R \\) still 2 0 R) /Hex <3120302052> % 5 0 R in a comment\n"
                    "/Arr [1 0 R 2 0 R [3 0 R]] /Nested << /In 6 0 R /Num 7 >>");
    stamp_n(f, &d, 2);
    append_rev(&d, 2, "<< /Type /Pages /Count 3 /MediaBox [0 0 595 842] /Kids [3 0 R 6 0 R 9 0 R] >>", 0, NULL);
    same_judgements(&d, "the /Pages with references in strings replaced", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.views, 2);
    eseal_buf_dispose(&d);
    /* ... and written again unchanged, byte for byte: no change (a string or comment read as a
     * reference would make the old text differ, and the signature INVALID). */
    static const char *const tricky = "/Note (not a reference: 1 0 R \\) still 2 0 R) /Hex <3120302052> % 5 0 R in "
                                      "a comment\n/Arr [1 0 R 2 0 R [3 0 R]] /Nested << /In 6 0 R /Num 7 >>";
    make_doc(&d, 3, tricky);
    stamp_n(f, &d, 2);
    char body[512];
    (void)snprintf(body, sizeof(body), "<< /Type /Pages /Count 3 /MediaBox [0 0 595 842] %s /Kids [3 0 R 6 0 R 9 0 R ] >>",
                   tricky);
    append_rev(&d, 2, body, 0, NULL);
    same_judgements(&d, "the /Pages with references in strings written again", NULL, &skipped);
    assert_int_equal(judged_views.views, 2);
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, d.ptr, d.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
    eseal_report_free(r);
    eseal_buf_dispose(&d);

    /* h-pass1: what pages inherit, walked from the records of their /Pages node. Inherited values
     * that are a reference to nothing (qpdf hides such a key from a walk, not from
     * qpdf_oh_get_key), a direct dictionary holding references, a reference to a page (the page
     * tree, not drawn; /Dur is not inherited), a direct array: 4 stamps, every judgement the same from the records, the
     * full walk and a second parse. */
    static const char *const inherits[] = {"/Resources 900 0 R /Rotate 90 /CropBox [0 0 500 800]",
                                           "/Resources << /Font << /F9 1 0 R >> /XObject << /P 3 0 R >> >> "
                                           "/Dur 6 0 R /CropBox [0 0 500 800]"};
    for (size_t i = 0; i < 2; i++) {
        make_doc(&d, 3, inherits[i]);
        stamp_n(f, &d, 4);
        same_judgements(&d, inherits[i], NULL, &skipped);
        assert_int_equal(judged_views.views, 3);
        eseal_buf_dispose(&d);
    }
    /* Object 12 (added before the stamps) is drawn only through the /Resources the pages inherit
     * from /Pages, as a direct dictionary: changed after 2 stamps, the reason says a page draws it,
     * which only the walk of the inherited dictionary tells. */
    make_doc(&d, 3, "/Resources << /Font << /F9 12 0 R >> >>");
    append_rev(&d, 12, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", 0, NULL);
    stamp_n(f, &d, 2);
    append_rev(&d, 12, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>", 0, NULL);
    same_judgements(&d, "a font drawn through inherited /Resources changed", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.views, 2);
    eseal_buf_dispose(&d);

    /* A name written with #xx in the replaced object's old text: no view (it could spell the
     * marker of a reference), the second parse. */
    make_doc(&d, 3, "/N#41me /V#41lue");
    stamp_n(f, &d, 2);
    append_rev(&d, 2, "<< /Type /Pages /Count 3 /MediaBox [0 0 595 842] /Kids [3 0 R 6 0 R 9 0 R] >>", 0, NULL);
    same_judgements(&d, "a name with #xx replaced", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.fallbacks, 2);
    eseal_buf_dispose(&d);

    /* Page 2's /Resources (object 7) is held in object stream 5; a later revision replaces the
     * stream only, listing object 5 and not object 7. */
    make_objstm_doc(&d);
    stamp_n(f, &d, 2);
    replace_objstm(&d, 7, "<< /ProcSet [/PDF /Text] >>");
    same_judgements(&d, "an object stream replaced", "CHANGED_AFTER_SIGNING", &skipped);
    assert_int_equal(judged_views.fallbacks, 2); /* not classic cross-reference tables */
    eseal_buf_dispose(&d);

    /* The same, but the new stream's header names object 10, not 7: no revision defines object 7
     * again, yet the file resolves it through the replaced stream (the map's object stream rule). */
    make_objstm_doc(&d);
    stamp_n(f, &d, 2);
    replace_objstm(&d, 10, "<< /ProcSet [/PDF /Text] >>");
    same_judgements(&d, "an object stream replaced under another header", "CHANGED_AFTER_SIGNING", &skipped);
    eseal_buf_dispose(&d);
}

/*
 * h-once: the view's cost is what the later revisions replaced, not the document. 20 stamps on a
 * 3-page and a 40-page document, verified with one parse each: the objects rebuilt from old bytes
 * for the signed revisions are the same number, and so for the 19th signature alone (the signed
 * revision the 20th revision follows), judged on its own.
 */
static unsigned long rebuilt_for_last(const eseal_buf *pdf)
{
    es_span data = es_span_of(pdf->ptr, pdf->size);
    es_pdf_sig sigs[32];
    size_t n = 0;
    assert_true(es_ok(es_pdf_signatures(data, sigs, 32, &n)));
    eseal_report *holder = NULL;
    assert_true(es_ok(es_report_new(&holder)));
    es_pdf_revision *revs = NULL;
    size_t nrevs = 0;
    es_pdf_xref_changes ch = {0};
    assert_true(es_ok(es_pdf_report_structure_ex(holder, NULL, 0, data, NULL, &revs, &nrevs, &ch)));
    es_pdf_qpdf file = {0};
    assert_true(es_ok(es_pdf_qpdf_open(&file, data, NULL)));
    size_t last = 0, end = 0;
    for (size_t i = 0; i < n; i++) {
        size_t e = (size_t)(sigs[i].br[2] + sigs[i].br[3]);
        if (e < pdf->size && e > end) {
            end = e;
            last = i;
        }
    }
    (void)last;
    es_pdf_view_counts a, b;
    es_pdf_view_counts_get(&a);
    unsigned long opens = es_pdf_open_count();
    char *json = judged(&file, pdf, end, &ch, signed_rev_of(revs, nrevs, pdf, end), NULL);
    assert_int_equal(es_pdf_open_count(), opens);
    es_pdf_view_counts_get(&b);
    assert_int_equal(b.views - a.views, 1);
    free(json);
    es_pdf_qpdf_close(&file);
    es_pdf_xref_changes_free(&ch);
    es_free(revs);
    eseal_report_free(holder);
    for (size_t i = 0; i < n; i++) {
        es_pdf_sig_free(&sigs[i]);
    }
    return b.rebuilt - a.rebuilt;
}

static void view_cost_does_not_grow_with_the_document(void **state)
{
    fixture *f = *state;
    eseal_buf small, big;
    make_doc(&small, 3, "");
    make_doc(&big, 40, "");
    stamp_n(f, &small, 20);
    stamp_n(f, &big, 20);
    run s = verify(f, &small, 20), b = verify(f, &big, 20);
    show("3 pages, 20 stamps", &s);
    show("40 pages, 20 stamps", &b);
    assert_int_equal(s.verdict, ESEAL_VALID);
    assert_int_equal(b.verdict, ESEAL_VALID);
    assert_int_equal(s.opens, 1);
    assert_int_equal(b.opens, 1);
    assert_int_equal(s.v.views, 19);
    assert_int_equal(b.v.views, 19);
    assert_true(s.v.rebuilt > 0);
    assert_int_equal(b.v.rebuilt, s.v.rebuilt);
    unsigned long ls = rebuilt_for_last(&small), lb = rebuilt_for_last(&big);
    print_message("# the 19th signature alone: %lu object(s) rebuilt (3 pages), %lu (40 pages)\n", ls, lb);
    assert_true(ls > 0);
    assert_int_equal(lb, ls);
    eseal_buf_dispose(&small);
    eseal_buf_dispose(&big);
}

/*
 * Pass 1 from its records (h-pass1): the signatures of a file judge nested revisions, and pass 1
 * reads through qpdf only what the view of each swaps (what later revisions replaced) and what no
 * earlier judgement recorded. So over a verification the objects it reads grow as the document once
 * plus a bounded number per revision (O(P + R k)), not the document per signature (O(P R)), which
 * is what the full walk (es_pdf_diff_full_walk, the reference) reads; both give the same report.
 */
static run verify_walk(fixture *f, const eseal_buf *pdf, size_t nsigs, bool full, char **json)
{
    es_pdf_diff_full_walk(full);
    run r = verify(f, pdf, nsigs);
    es_pdf_diff_full_walk(false);
    if (json != NULL) {
        eseal_report *rep = NULL;
        eseal_pdf_verify_options o = ESEAL_PDF_VERIFY_OPTIONS_INIT;
        o.at_ms = 1796083200000; /* 2026-12-01T00:00:00Z: both reports at the same validation time */
        es_pdf_diff_full_walk(full);
        assert_int_equal(eseal_pdf_verify(&rep, pdf->ptr, pdf->size, f->trust, &o), ESEAL_OK);
        es_pdf_diff_full_walk(false);
        eseal_buf t = ESEAL_BUF_INIT;
        assert_int_equal(eseal_report_to_json(&t, rep), ESEAL_OK);
        eseal_report_free(rep);
        *json = strdup((const char *)t.ptr);
        assert_non_null(*json);
        eseal_buf_dispose(&t);
    }
    return r;
}

static void pass1_reads_follow_the_changes(void **state)
{
    fixture *f = *state;
    static const int pages[2] = {3, 40}, stamps[2] = {3, 21};
    unsigned long rec[2][2], full[2][2];
    for (int p = 0; p < 2; p++) {
        for (int k = 0; k < 2; k++) {
            eseal_buf d;
            make_doc(&d, pages[p], "");
            stamp_n(f, &d, stamps[k]);
            char *a = NULL, *b = NULL;
            run x = verify_walk(f, &d, (size_t)stamps[k], false, &a), y = verify_walk(f, &d, (size_t)stamps[k], true, &b);
            assert_int_equal(x.verdict, ESEAL_VALID);
            assert_int_equal(y.verdict, ESEAL_VALID);
            assert_int_equal(x.c.judgements, (unsigned long)stamps[k] - 1);
            assert_int_equal(x.v.views, (unsigned long)stamps[k] - 1);
            assert_int_equal(x.c.reached, y.c.reached);
            assert_int_equal(y.c.replayed, 0);
            assert_int_equal(y.c.replayed4, 0);
            assert_true(x.c.replayed4 > 0); /* pass 4 walks what it reads from the records too */
            /* Stamps only: what pass 3 compares is what later revisions replaced and what references it,
             * snapshotted at the end of pass 1: one view entry per judgement (h-pass1, snap_early). */
            assert_int_equal(x.c.early, x.c.judgements);
            if (strcmp(a, b) != 0) {
                dump_pair(b, a);
                fail_msg("%d pages, %d stamps: the report from pass 1's records differs from the full walk's:\n%s\n----\n%s",
                         pages[p], stamps[k], a, b);
            }
            free(a);
            free(b);
            rec[p][k] = x.c.read1;
            full[p][k] = y.c.read1;
            print_message("# %d pages, %d judgements: pass 1 read %lu objects through qpdf and %lu from records "
                          "(full walk: %lu read), %lu walked; pass 4 walked %lu from records\n",
                          pages[p], stamps[k] - 1, x.c.read1, x.c.replayed, y.c.read1, x.c.reached, x.c.replayed4);
            eseal_buf_dispose(&d);
        }
    }
    /* The full walk reads each signed revision whole: 37 more pages (3 objects each) per judgement. */
    assert_true(full[1][1] - full[0][1] >= 20 * 37 * 3);
    assert_true(full[1][0] - full[0][0] >= 2 * 37 * 3);
    /* From the records: the 37 more pages are read once, whatever the number of revisions ... */
    unsigned long more2 = rec[1][0] - rec[0][0], more20 = rec[1][1] - rec[0][1];
    assert_true(more2 >= 37 * 3);
    assert_true(more20 <= more2 + 3);
    /* ... and each revision more costs the same bounded reads on 3 and on 40 pages (what it swaps). */
    unsigned long per3 = (rec[0][1] - rec[0][0]) / 18, per40 = (rec[1][1] - rec[1][0]) / 18;
    print_message("# pages read once: %lu more objects read for 37 more pages (2 judgements), %lu (20 judgements); "
                  "per judgement more: %lu (3 pages), %lu (40 pages)\n",
                  more2, more20, per3, per40);
    assert_true(per40 <= per3 + 1);
    assert_true(per3 <= 40);
    assert_true(rec[1][1] * 5 < full[1][1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compared_objects_do_not_grow_with_the_document),
        cmocka_unit_test(compared_objects_follow_the_later_revisions),
        cmocka_unit_test(same_judgement_with_and_without_the_map),
        cmocka_unit_test(view_cost_does_not_grow_with_the_document),
        cmocka_unit_test(pass1_reads_follow_the_changes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
