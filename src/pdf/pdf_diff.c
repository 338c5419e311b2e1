/*
 * What changed after a signature (the defence against incremental saving and
 * shadow attacks, research/pdf.md): every object reachable from the signed
 * revision's catalog is compared with the same object in the final file.
 * Allowed, as for PAdES signing by further parties (ISO 32000-1 §12.8.2.2
 * with P=2, pyHanko's whitelist): the catalog gaining an /AcroForm, the
 * AcroForm gaining signature fields, a page gaining signature widgets in
 * /Annots. Any other change (page content, resources, annotations, metadata,
 * a replaced catalog) is reported, and the signature is then not VALID.
 */
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "pdf.h"
#include "util/report.h"

#define MAX_DEPTH 64

typedef struct {
    int num, gen;
} oref;

typedef struct {
    qpdf_data a, b; /* the signed revision, the final file */
    oref *stack;
    size_t nstack, cap;
    uint8_t *seen; /* bit per object number of the signed revision */
    int size;
    es_buf changed; /* "12 0, 15 0" */
    size_t nchanged;
} diff;

/* qpdf prints an error nobody fetched at cleanup; the library never prints, so fetch it. */
static void quiet_cleanup(qpdf_data *q)
{
    if (*q != NULL) {
        while (qpdf_has_error(*q)) {
            (void)qpdf_get_error(*q);
        }
        qpdf_cleanup(q);
    }
}

static void diff_free(diff *d)
{
    quiet_cleanup(&d->a);
    quiet_cleanup(&d->b);
    es_free(d->stack);
    es_free(d->seen);
    es_buf_free(&d->changed);
}

static ES_RESULT open_strict(qpdf_data *q, es_span data)
{
    *q = qpdf_init();
    ES_ENSURE_ALLOC(*q);
    qpdf_silence_errors(*q);
    qpdf_set_suppress_warnings(*q, QPDF_TRUE);
    qpdf_set_attempt_recovery(*q, QPDF_FALSE);
    ES_ENSURE((qpdf_read_memory(*q, "revision.pdf", (const char *)data.ptr, (unsigned long long)data.len, NULL) &
               QPDF_ERRORS) == 0,
              ESEAL_EMALFORMED, "pdf: a revision cannot be read without repair");
    return ES_OK;
}

static ES_RESULT push(diff *d, int num, int gen)
{
    if (num <= 0 || num >= d->size) {
        return ES_OK; /* not an object of the signed revision */
    }
    if (d->seen[num / 8] & (1u << (num % 8))) {
        return ES_OK;
    }
    d->seen[num / 8] |= (uint8_t)(1u << (num % 8));
    if (d->nstack == d->cap) {
        size_t cap = d->cap == 0 ? 256 : d->cap * 2;
        oref *n = es_realloc(d->stack, cap * sizeof(*n));
        ES_ENSURE_ALLOC(n);
        d->stack = n;
        d->cap = cap;
    }
    d->stack[d->nstack++] = (oref){num, gen};
    return ES_OK;
}

/* Pushes every indirect reference inside a direct value. */
static ES_RESULT refs(diff *d, qpdf_data q, qpdf_oh v, int depth)
{
    ES_ENSURE(depth < MAX_DEPTH, ESEAL_ELIMIT, "pdf: objects nest more than %d deep", MAX_DEPTH);
    if (depth > 0 && qpdf_oh_is_indirect(q, v)) {
        return push(d, qpdf_oh_get_object_id(q, v), qpdf_oh_get_generation(q, v));
    }
    if (qpdf_oh_is_array(q, v)) {
        int n = qpdf_oh_get_array_n_items(q, v);
        for (int i = 0; i < n; i++) {
            ES_GUARD(refs(d, q, qpdf_oh_get_array_item(q, v, i), depth + 1));
        }
    } else if (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_stream(q, v)) {
        qpdf_oh dict = qpdf_oh_is_stream(q, v) ? qpdf_oh_get_dict(q, v) : v;
        char *keys[512];
        size_t n = 0;
        qpdf_oh_begin_dict_key_iter(q, dict);
        while (qpdf_oh_dict_more_keys(q) && n < 512) {
            keys[n] = es_strdup(qpdf_oh_dict_next_key(q));
            if (keys[n] == NULL) {
                break;
            }
            n++;
        }
        es_result r = ES_OK;
        for (size_t i = 0; i < n; i++) {
            if (es_ok(r)) {
                r = refs(d, q, qpdf_oh_get_key(q, dict, keys[i]), depth + 1);
            }
            es_free(keys[i]);
        }
        ES_GUARD(r);
    }
    return ES_OK;
}

/* The object itself, not "N G R": both revisions are unparsed by qpdf the same way, so equal objects give equal text. */
static char *text_of(qpdf_data q, qpdf_oh o) { return es_strdup(qpdf_oh_unparse_resolved(q, o)); }

/* Dictionary text without some keys (both sides are unparsed by the same qpdf, so the text is canonical). */
static char *text_without(qpdf_data q, qpdf_oh o, const char *k1, const char *k2)
{
    qpdf_oh c = qpdf_oh_new_dictionary(q);
    qpdf_oh_begin_dict_key_iter(q, o);
    char *keys[512];
    size_t n = 0;
    while (qpdf_oh_dict_more_keys(q) && n < 512) {
        keys[n] = es_strdup(qpdf_oh_dict_next_key(q));
        if (keys[n] == NULL) {
            break;
        }
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i], k1) != 0 && (k2 == NULL || strcmp(keys[i], k2) != 0)) {
            qpdf_oh_replace_key(q, c, keys[i], qpdf_oh_get_key(q, o, keys[i]));
        }
        es_free(keys[i]);
    }
    return text_of(q, c);
}

static bool same_text(char *x, char *y)
{
    bool eq = x != NULL && y != NULL && strcmp(x, y) == 0;
    es_free(x);
    es_free(y);
    return eq;
}

/* Items of `nb` are those of `na` (same objects, same order) plus signature widgets/fields. */
static bool grew_by_signatures(diff *d, qpdf_oh na, qpdf_oh nb)
{
    int ka = qpdf_oh_is_array(d->a, na) ? qpdf_oh_get_array_n_items(d->a, na) : 0;
    int kb = qpdf_oh_is_array(d->b, nb) ? qpdf_oh_get_array_n_items(d->b, nb) : 0;
    if (kb < ka) {
        return false;
    }
    for (int i = 0; i < ka; i++) {
        qpdf_oh x = qpdf_oh_get_array_item(d->a, na, i), y = qpdf_oh_get_array_item(d->b, nb, i);
        if (!qpdf_oh_is_indirect(d->a, x) || !qpdf_oh_is_indirect(d->b, y) ||
            qpdf_oh_get_object_id(d->a, x) != qpdf_oh_get_object_id(d->b, y)) {
            return false;
        }
    }
    for (int i = ka; i < kb; i++) {
        qpdf_oh y = qpdf_oh_get_array_item(d->b, nb, i);
        /* A new signature field/widget (its /FT, or its parent field's), not an object the signed revision had. */
        if (!qpdf_oh_is_indirect(d->b, y) || qpdf_oh_get_object_id(d->b, y) < d->size) {
            return false;
        }
        qpdf_oh ft = qpdf_oh_get_key(d->b, y, "/FT");
        if (qpdf_oh_is_null(d->b, ft)) {
            qpdf_oh parent = qpdf_oh_get_key(d->b, y, "/Parent");
            if (!qpdf_oh_is_indirect(d->b, parent) || qpdf_oh_get_object_id(d->b, parent) < d->size) {
                return false;
            }
            ft = qpdf_oh_get_key(d->b, parent, "/FT");
        }
        if (!qpdf_oh_is_name_and_equals(d->b, ft, "/Sig")) {
            return false;
        }
    }
    return true;
}

/* Is the change of object (num, gen) one that further signing makes? */
static bool allowed_change(diff *d, int num, qpdf_oh oa, qpdf_oh ob, int root_num)
{
    if (!qpdf_oh_is_dictionary(d->a, oa) || !qpdf_oh_is_dictionary(d->b, ob)) {
        return false;
    }
    if (num == root_num) {
        /* The catalog may gain or change /AcroForm only; the AcroForm itself is judged where it is. */
        if (!same_text(text_without(d->a, oa, "/AcroForm", NULL), text_without(d->b, ob, "/AcroForm", NULL))) {
            return false;
        }
        qpdf_oh afa = qpdf_oh_get_key(d->a, oa, "/AcroForm"), afb = qpdf_oh_get_key(d->b, ob, "/AcroForm");
        if (!qpdf_oh_is_dictionary(d->b, afb)) {
            return false;
        }
        if (!qpdf_oh_is_dictionary(d->a, afa)) {
            return grew_by_signatures(d, qpdf_oh_new_array(d->a), qpdf_oh_get_key(d->b, afb, "/Fields"));
        }
        return same_text(text_without(d->a, afa, "/Fields", "/SigFlags"),
                         text_without(d->b, afb, "/Fields", "/SigFlags")) &&
               grew_by_signatures(d, qpdf_oh_get_key(d->a, afa, "/Fields"), qpdf_oh_get_key(d->b, afb, "/Fields"));
    }
    if (qpdf_oh_has_key(d->a, oa, "/Fields")) {
        return same_text(text_without(d->a, oa, "/Fields", "/SigFlags"), text_without(d->b, ob, "/Fields", "/SigFlags")) &&
               grew_by_signatures(d, qpdf_oh_get_key(d->a, oa, "/Fields"), qpdf_oh_get_key(d->b, ob, "/Fields"));
    }
    if (qpdf_oh_is_name_and_equals(d->a, qpdf_oh_get_key(d->a, oa, "/Type"), "/Page")) {
        return same_text(text_without(d->a, oa, "/Annots", NULL), text_without(d->b, ob, "/Annots", NULL)) &&
               grew_by_signatures(d, qpdf_oh_get_key(d->a, oa, "/Annots"), qpdf_oh_get_key(d->b, ob, "/Annots"));
    }
    return false;
}

static bool same_stream_data(diff *d, qpdf_oh oa, qpdf_oh ob)
{
    unsigned char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    bool ok = (qpdf_oh_get_stream_data(d->a, oa, qpdf_dl_none, NULL, &x, &nx) & QPDF_ERRORS) == 0 &&
              (qpdf_oh_get_stream_data(d->b, ob, qpdf_dl_none, NULL, &y, &ny) & QPDF_ERRORS) == 0 && nx == ny &&
              (nx == 0 || memcmp(x, y, nx) == 0);
    free(x); /* !checksrc! allowed: qpdf allocates with malloc */
    free(y); /* !checksrc! allowed: qpdf allocates with malloc */
    return ok;
}

static ES_RESULT walk(diff *d, int root_num)
{
    size_t visited = 0;
    while (d->nstack > 0) {
        oref o = d->stack[--d->nstack];
        ES_ENSURE(++visited <= eseal_limits_default()->max_objects, ESEAL_ELIMIT, "pdf: too many objects");
        qpdf_oh oa = qpdf_get_object_by_id(d->a, o.num, o.gen);
        qpdf_oh ob = qpdf_get_object_by_id(d->b, o.num, o.gen);
        ES_GUARD(refs(d, d->a, oa, 0));
        char *ta = text_of(d->a, oa), *tb = text_of(d->b, ob);
        bool same = same_text(ta, tb);
        if (same && qpdf_oh_is_stream(d->a, oa)) {
            same = qpdf_oh_is_stream(d->b, ob) && same_stream_data(d, oa, ob);
        }
        if (!same && !allowed_change(d, o.num, oa, ob, root_num)) {
            if (d->nchanged < 20) {
                ES_GUARD(es_buf_printf(&d->changed, "%s%d %d", d->nchanged == 0 ? "" : ", ", o.num, o.gen));
            }
            d->nchanged++;
        }
        qpdf_oh_release_all(d->a);
        qpdf_oh_release_all(d->b);
    }
    return ES_OK;
}

ES_RESULT es_pdf_judge_changes(eseal_report *rep, es_span f, size_t signed_end)
{
    ES_AUTO(diff_free) diff d;
    memset(&d, 0, sizeof(d));
    d.changed = (es_buf)ES_BUF_INIT(4096);
    es_result r = open_strict(&d.a, es_span_of(f.ptr, signed_end));
    if (es_ok(r)) {
        r = open_strict(&d.b, f);
    }
    if (!es_ok(r)) {
        return es_report_reason(rep, ESEAL_INDETERMINATE, "LATER_CHANGES_UNCHECKED",
                                "the revisions after this signature could not be compared: %s",
                                eseal_error_last()->message);
    }
    qpdf_oh ta = qpdf_get_trailer(d.a);
    d.size = qpdf_oh_get_int_value_as_int(d.a, qpdf_oh_get_key(d.a, ta, "/Size"));
    ES_ENSURE(d.size > 0 && (unsigned)d.size <= eseal_limits_default()->max_objects, ESEAL_EMALFORMED,
              "pdf: the signed revision's /Size is not usable");
    d.seen = es_calloc((size_t)d.size / 8 + 1, 1);
    ES_ENSURE_ALLOC(d.seen);
    qpdf_oh ra = qpdf_get_root(d.a), rb = qpdf_get_root(d.b);
    int root_num = qpdf_oh_get_object_id(d.a, ra);
    if (root_num != qpdf_oh_get_object_id(d.b, rb)) {
        ES_GUARD(es_report_set(rep, "later_changes", "the document catalog was replaced"));
        return es_report_reason(rep, ESEAL_INVALID, "CHANGED_AFTER_SIGNING",
                                "a later revision replaced the document catalog: what is shown is not what was "
                                "signed");
    }
    ES_GUARD(push(&d, root_num, qpdf_oh_get_generation(d.a, ra)));
    qpdf_oh info = qpdf_oh_get_key(d.a, ta, "/Info");
    if (qpdf_oh_is_indirect(d.a, info)) {
        ES_GUARD(push(&d, qpdf_oh_get_object_id(d.a, info), qpdf_oh_get_generation(d.a, info)));
    }
    ES_GUARD(walk(&d, root_num));
    if (d.nchanged == 0) {
        return es_report_set(rep, "later_changes", "signatures added (allowed)");
    }
    ES_GUARD(es_report_set(rep, "later_changes", "%zu object(s) changed: %s%s", d.nchanged, es_buf_cstr(&d.changed),
                           d.nchanged > 20 ? ", ..." : ""));
    return es_report_reason(rep, ESEAL_INVALID, "CHANGED_AFTER_SIGNING",
                            "a later revision changed %zu object(s) of the signed document beyond adding signatures "
                            "(%s): what is shown is not what was signed",
                            d.nchanged, es_buf_cstr(&d.changed));
}
