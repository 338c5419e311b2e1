/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is this PDF a registered template, or the template with its form filled in? (issue 20 §1,
 * "templates"; docs/grants.md, "Templates"). A grant limited to templates lets a document through
 * when it is one of them byte for byte, or an incremental update of one (ISO 32000-1 §7.5.6) that
 * only fills its form fields. This file decides the second with what the verifier already has,
 * and writes no second analysis of a PDF:
 *
 *  - the document must begin with the template's bytes exactly (an incremental update keeps
 *    them), and the template must end a revision of the document (its last bytes the %%EOF of
 *    one, at most end-of-line bytes after it, as a signature's byte range may);
 *  - the structure check (pdf_xref.c, es_pdf_report_structure_ex: the same es_pdf_check_structure
 *    reading, which also delimits the revisions and gives what each replaces) must find nothing
 *    that lets readers resolve an object differently;
 *  - the verifier's modification analysis (pdf_diff.c, es_pdf_judge_changes_ex) judges the
 *    revisions after the template as if the template were a signed revision of a document
 *    certified with DocMDP P = 2 (ISO 32000-1 §12.8.2.2: form filling and signing allowed,
 *    nothing else), and must find nothing outside that. Its findings, read back from the report
 *    it writes (the check "modifications", its reasons and coverage.changes, as pdf_verify.c
 *    shows them), give the sentence that names what changed.
 *
 * Signatures are allowed after the template (new signature fields with their values, invisible
 * unsigned signature fields, document timestamps, revocation data in /DSS): a filled form is
 * often signed by the other party before the organisation stamps it, and the stamp that the
 * grant allows is itself one; refusing them would refuse every second stamp on the same form.
 * What this does not decide is whether such a signature is genuine: its appearance may draw in
 * its widget's rectangle, as P = 2 allows any signature to. The verification of the stamped
 * document judges each signature (a forged one is INVALID, and so is the document); the analysis
 * here is structural, like the verifier's allow-list.
 *
 * Limits: both inputs within max_input_bytes; every parse (qpdf for the document, and the
 * template's revision) and the structure check under the caller's context limits, exactly as a
 * verification of the document: a limit is an error (ESEAL_ELIMIT), never a "yes".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pdf.h"
#include "util/report.h"

#define WHY_SHOWN 3 /* changes named in the sentence (then "and N more") */

/* The first `cap` bytes of the sentence, printf-style; never fails (a long sentence is cut). */
__attribute__((format(printf, 3, 4))) static void say(char *why, size_t cap, const char *fmt, ...)
{
    if (cap == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* The template ends where a revision of the document ends: its 1-based index, 0 when none does. */
static size_t template_revision(const es_pdf_revision *revs, size_t nrevs, es_span doc, size_t tlen)
{
    for (size_t k = 0; k < nrevs; k++) {
        if (revs[k].end > tlen || (k + 1 < nrevs && revs[k + 1].end <= tlen)) {
            continue;
        }
        bool eol = true; /* only end-of-line bytes between that %%EOF and the template's end */
        for (size_t i = revs[k].end; eol && i < tlen; i++) {
            eol = doc.ptr[i] == '\r' || doc.ptr[i] == '\n';
        }
        return eol ? k + 1 : 0;
    }
    return 0;
}

/* The sentence of a judgement that found more than form filling and signing (`rep`: its report). */
static void why_of(const eseal_report *rep, char *why, size_t cap)
{
    const eseal_value *ch = eseal_report_find(rep, "coverage.changes");
    size_t n = 0, len = 0;
    for (size_t k = 0; k < eseal_value_count(ch); k++) {
        const eseal_value *c = eseal_value_item(ch, k);
        const char *t = eseal_value_string(eseal_value_find(c, "type"));
        const char *d = eseal_value_string(eseal_value_find(c, "detail"));
        if (t == NULL || strcmp(t, "other") != 0 || d == NULL) {
            continue;
        }
        if (n < WHY_SHOWN && len < cap) {
            int w = snprintf(why + len, cap - len, "%s%s", n == 0 ? "the document changes the template beyond "
                                                                    "filling its form fields: "
                                                                  : "; ",
                             d);
            len = w > 0 ? len + (size_t)w : len;
        }
        n++;
    }
    if (n > WHY_SHOWN && len < cap) {
        (void)snprintf(why + len, cap - len, "; and %zu more change(s)", n - WHY_SHOWN);
    }
    if (n > 0) {
        return;
    }
    /* Nothing typed "other": the first reason that is not VALID says what (a repaired structure, a
     * revision that could not be compared). */
    for (size_t i = 0; i < eseal_report_reason_count(rep); i++) {
        if (eseal_report_reason_verdict(rep, i) != ESEAL_VALID) {
            say(why, cap, "the document is not the template with only its form fields filled: %s",
                eseal_report_reason_text(rep, i));
            return;
        }
    }
    const char *d = eseal_report_string(rep, "checks.modifications.detail");
    say(why, cap, "the document is not the template with only its form fields filled: %s",
        d != NULL ? d : "the comparison of its revisions did not pass");
}

ES_RESULT es_pdf_template_derives(bool *derives, char *why, size_t cap, es_span tmpl, es_span doc,
                                  const eseal_context *ctx)
{
    ES_ENSURE_ARG(derives != NULL && (why != NULL || cap == 0) && tmpl.ptr != NULL && doc.ptr != NULL);
    *derives = false;
    if (cap > 0) {
        why[0] = '\0';
    }
    const eseal_limits *lim = es_ctx_limits(ctx);
    ES_ENSURE(tmpl.len <= lim->max_input_bytes && doc.len <= lim->max_input_bytes, ESEAL_ELIMIT,
              "pdf: the %s is %zu bytes, more than max_input_bytes (%llu)", tmpl.len > lim->max_input_bytes ?
              "template" : "document", tmpl.len > lim->max_input_bytes ? tmpl.len : doc.len,
              (unsigned long long)lim->max_input_bytes);
    if (doc.len == tmpl.len && memcmp(doc.ptr, tmpl.ptr, doc.len) == 0) {
        *derives = true; /* the template itself */
        return ES_OK;
    }
    /* An incremental update keeps every byte before it. */
    size_t same = 0;
    size_t common = doc.len < tmpl.len ? doc.len : tmpl.len;
    while (same < common && doc.ptr[same] == tmpl.ptr[same]) {
        same++;
    }
    if (same < tmpl.len) {
        if (same == doc.len) {
            say(why, cap, "the document is the first %zu bytes of the template's %zu: it is not the template or "
                "an update of it", doc.len, tmpl.len);
        } else {
            say(why, cap, "the document differs from the template's bytes at offset %zu: it is not the template "
                "or an incremental update of it (an update keeps every byte of what it updates)", same);
        }
        return ES_OK;
    }
    /* One resolution, and the revisions: what the verifier reads before any comparison. */
    ES_AUTO(es_report_freep) eseal_report *scratch = NULL;
    ES_GUARD(es_report_new(&scratch));
    es_pdf_revision *revs = NULL;
    size_t nrevs = 0;
    ES_AUTO(es_pdf_xref_changes_free) es_pdf_xref_changes ch = {0};
    ES_GUARD(es_pdf_report_structure_ex(scratch, NULL, 0, doc, lim, &revs, &nrevs, &ch));
    const eseal_value *amb = eseal_report_find(scratch, "document.ambiguities");
    if (eseal_value_count(amb) > 0) {
        es_free(revs);
        const char *first = eseal_value_string(eseal_value_item(amb, 0));
        say(why, cap, "the document's structure lets readers resolve its objects differently (%s)%s",
            first != NULL ? first : "", eseal_value_count(amb) > 1 ? ", and more" : "");
        return ES_OK;
    }
    size_t rv = template_revision(revs, nrevs, doc, tmpl.len);
    es_free(revs);
    if (nrevs == 0) {
        say(why, cap, "the document's revisions cannot be delimited, so what was added to the template cannot be "
            "told apart");
        return ES_OK;
    }
    if (rv == 0) {
        say(why, cap, "the template does not end a revision of the document (its last bytes are not the %%%%EOF "
            "of one), so the document is not an incremental update of it");
        return ES_OK;
    }
    if (rv == nrevs) {
        /* Only end-of-line bytes after the template's %%EOF (the structure check finds anything else after
         * the last one): no revision to judge, nothing shown differs. */
        *derives = true;
        return ES_OK;
    }
    ES_AUTO(es_pdf_qpdf_close) es_pdf_qpdf file = {0};
    ES_AUTO(es_pdf_qpdf_close) es_pdf_qpdf rev = {0};
    ES_GUARD(es_pdf_qpdf_open(&file, doc, lim));
    ES_AUTO(es_report_freep) eseal_report *rep = NULL;
    ES_GUARD(es_report_new(&rep));
    /* The template as a revision signed under a certification with P = 2 and no field lock. */
    es_pdf_perms perm = {.docmdp_p = 2, .lock_action = ES_PDF_LOCK_NONE, .lock_fields = NULL};
    ES_GUARD(es_pdf_judge_changes_ex(rep, &file, &rev, doc, tmpl.len, &perm, &ch, rv));
    bool ok = eseal_report_check(rep, "modifications") == ESEAL_CHECK_PASSED;
    for (size_t i = 0; ok && i < eseal_report_reason_count(rep); i++) {
        ok = eseal_report_reason_verdict(rep, i) == ESEAL_VALID; /* FORM_FILLED is VALID: a fill is the point */
    }
    if (!ok) {
        why_of(rep, why, cap);
    }
    *derives = ok;
    return ES_OK;
}
