/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What changed after a signature (the defence against incremental saving and
 * shadow attacks, research/pdf.md): every object reachable from the signed
 * revision's catalog is compared with the same object in the final file, and
 * each difference is classified (ISO 32000-1 §12.8.2.2 permissions, pyHanko's
 * whitelist as the model):
 * - always allowed: new signature fields and widgets (in /Fields and a page's
 *   /Annots), the AcroForm's /SigFlags, revocation data (the catalog's /DSS);
 * - form filling, allowed unless P = 1 (a document without certification is
 *   judged as P = 2) and unless a FieldMDP lock of the signature covers the
 *   field: a non-signature field's /V, /AS and /AP, its widgets' /AS and /AP,
 *   their appearance streams, the AcroForm's /NeedAppearances;
 * - comment annotations (Text, Highlight, Underline, Squiggly, StrikeOut,
 *   Popup) added to a page's /Annots, allowed only when P = 3; one that brings
 *   its own appearance may paint over the page, so that is INDETERMINATE;
 * - anything else (page content, resources, other annotations, metadata, a
 *   replaced catalog, new form fields) makes the signature INVALID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "pdf.h"
#include "util/report.h"

#define MAX_DEPTH 64
#define MAX_LISTED 20

/* What an object of the signed revision is to the form (set from its AcroForm before the walk). */
enum { ROLE_NONE, ROLE_FIELD, ROLE_WIDGET, ROLE_APPEARANCE, ROLE_ANNOTS, ROLE_FIELDS };

typedef struct {
    int num, gen;
} oref;

typedef struct {
    qpdf_data a, b; /* the signed revision, the final file */
    const es_pdf_perms *perm;
    int p;          /* effective DocMDP permission: 2 when the document is not certified */
    oref *stack;
    size_t nstack, cap;
    uint8_t *seen; /* bit per object number of the signed revision */
    int size;
    uint8_t *role;      /* ROLE_* per object number */
    int32_t *owner;     /* the field (index into names) of a ROLE_* object */
    char **names;       /* full names of the signed revision's non-signature fields */
    size_t nnames, capnames;
    uint8_t *filled;    /* per name: changed by form filling */
    es_buf changed;     /* "12 0, 15 0" */
    size_t nchanged;
    size_t nlocked;     /* form fills of locked fields */
    es_buf locked;
    size_t nsigs, ndss, nannots, nannots_ap;
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
    es_free(d->role);
    es_free(d->owner);
    for (size_t i = 0; i < d->nnames; i++) {
        es_free(d->names[i]);
    }
    es_free(d->names);
    es_free(d->filled);
    es_buf_free(&d->changed);
    es_buf_free(&d->locked);
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

/* The keys of a dictionary, copied (the iterator's strings do not survive other calls). */
static size_t dict_keys(qpdf_data q, qpdf_oh dict, char *keys[512])
{
    size_t n = 0;
    qpdf_oh_begin_dict_key_iter(q, dict);
    while (qpdf_oh_dict_more_keys(q) && n < 512) {
        keys[n] = es_strdup(qpdf_oh_dict_next_key(q));
        if (keys[n] == NULL) {
            break;
        }
        n++;
    }
    return n;
}

/*
 * A walk over a value's children. Without `follow` it stops at indirect objects and pushes
 * them for comparison (the revision walk); with it, it goes through them once each (`seen`,
 * within `budget`) and takes them out of the form's appearances: what a page draws is not
 * form data. `skip` names keys of the top dictionary not to follow.
 */
typedef struct {
    bool follow;
    uint8_t *seen;
    size_t budget;
    const char *const *skip;
} walker;

static ES_RESULT walk_value(diff *d, qpdf_data q, qpdf_oh v, int depth, walker *w)
{
    ES_ENSURE(depth < MAX_DEPTH, ESEAL_ELIMIT, "pdf: objects nest more than %d deep", MAX_DEPTH);
    if (depth > 0 && qpdf_oh_is_indirect(q, v)) {
        int num = qpdf_oh_get_object_id(q, v);
        if (!w->follow) {
            return push(d, num, qpdf_oh_get_generation(q, v));
        }
        ES_ENSURE(w->budget-- > 0, ESEAL_ELIMIT, "pdf: too many objects");
        if (num <= 0 || num >= d->size || (w->seen[num / 8] & (1u << (num % 8)))) {
            return ES_OK;
        }
        w->seen[num / 8] |= (uint8_t)(1u << (num % 8));
        if (d->role[num] == ROLE_APPEARANCE) {
            d->role[num] = ROLE_NONE;
        }
    }
    if (qpdf_oh_is_array(q, v)) {
        int n = qpdf_oh_get_array_n_items(q, v);
        for (int i = 0; i < n; i++) {
            ES_GUARD(walk_value(d, q, qpdf_oh_get_array_item(q, v, i), depth + 1, w));
        }
    } else if (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_stream(q, v)) {
        qpdf_oh dict = qpdf_oh_is_stream(q, v) ? qpdf_oh_get_dict(q, v) : v;
        char *keys[512];
        size_t n = dict_keys(q, dict, keys);
        es_result r = ES_OK;
        for (size_t i = 0; i < n; i++) {
            bool skip = false;
            for (const char *const *k = depth == 0 ? w->skip : NULL; k != NULL && *k != NULL; k++) {
                skip = skip || strcmp(keys[i], *k) == 0;
            }
            if (es_ok(r) && !skip) {
                r = walk_value(d, q, qpdf_oh_get_key(q, dict, keys[i]), depth + 1, w);
            }
            es_free(keys[i]);
        }
        ES_GUARD(r);
    }
    return ES_OK;
}

/* Pushes every indirect reference inside a direct value. */
static ES_RESULT refs(diff *d, qpdf_data q, qpdf_oh v)
{
    walker w = {false, NULL, 0, NULL};
    return walk_value(d, q, v, 0, &w);
}

/* The object itself, not "N G R": both revisions are unparsed by qpdf the same way, so equal objects give equal text. */
static char *text_of(qpdf_data q, qpdf_oh o) { return es_strdup(qpdf_oh_unparse_resolved(q, o)); }

/* Dictionary text without the keys in `skip` (NULL-terminated; both sides are unparsed by the same qpdf). */
static char *text_without(qpdf_data q, qpdf_oh o, const char *const *skip)
{
    qpdf_oh c = qpdf_oh_new_dictionary(q);
    char *keys[512];
    size_t n = dict_keys(q, o, keys);
    for (size_t i = 0; i < n; i++) {
        bool skipped = false;
        for (const char *const *k = skip; *k != NULL; k++) {
            skipped = skipped || strcmp(keys[i], *k) == 0;
        }
        if (!skipped) {
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

static bool same_without(diff *d, qpdf_oh oa, qpdf_oh ob, const char *const *skip)
{
    return same_text(text_without(d->a, oa, skip), text_without(d->b, ob, skip));
}

/* ---- the signed revision's form: which objects belong to which field ------------------------ */

static ES_RESULT add_name(diff *d, const char *name, int32_t *idx)
{
    if (d->nnames == d->capnames) {
        size_t cap = d->capnames == 0 ? 16 : d->capnames * 2;
        char **n = es_realloc(d->names, cap * sizeof(*n));
        ES_ENSURE_ALLOC(n);
        d->names = n;
        d->capnames = cap;
    }
    d->names[d->nnames] = es_strdup(name);
    ES_ENSURE_ALLOC(d->names[d->nnames]);
    *idx = (int32_t)d->nnames++;
    return ES_OK;
}

static void set_role(diff *d, qpdf_oh o, int role, int32_t owner)
{
    if (qpdf_oh_is_indirect(d->a, o)) {
        int num = qpdf_oh_get_object_id(d->a, o);
        if (num > 0 && num < d->size && d->role[num] == ROLE_NONE) {
            d->role[num] = (uint8_t)role;
            d->owner[num] = owner;
        }
    }
}

/* A widget's appearance dictionary, its /N /D /R entries and their states: appearance objects of `owner`. */
static void mark_appearances(diff *d, qpdf_oh widget, int32_t owner)
{
    qpdf_oh ap = qpdf_oh_get_key(d->a, widget, "/AP");
    if (!qpdf_oh_is_dictionary(d->a, ap)) {
        return;
    }
    set_role(d, ap, ROLE_APPEARANCE, owner);
    static const char *const kinds[] = {"/N", "/D", "/R"};
    for (size_t k = 0; k < 3; k++) {
        qpdf_oh v = qpdf_oh_get_key(d->a, ap, kinds[k]);
        set_role(d, v, ROLE_APPEARANCE, owner);
        if (qpdf_oh_is_dictionary(d->a, v) && !qpdf_oh_is_stream(d->a, v)) {
            char *keys[512];
            size_t n = dict_keys(d->a, v, keys);
            for (size_t i = 0; i < n; i++) {
                set_role(d, qpdf_oh_get_key(d->a, v, keys[i]), ROLE_APPEARANCE, owner);
                es_free(keys[i]);
            }
        }
    }
}

/* Walks /Fields and /Kids of the signed revision: non-signature fields, their widgets and appearances. */
static ES_RESULT map_fields(diff *d, qpdf_oh arr, const char *parent, bool parent_sig, int depth)
{
    ES_ENSURE(depth < 16, ESEAL_ELIMIT, "pdf: form fields nest more than 16 deep");
    int k = qpdf_oh_is_array(d->a, arr) ? qpdf_oh_get_array_n_items(d->a, arr) : 0;
    for (int i = 0; i < k && i < 100000; i++) {
        qpdf_oh f = qpdf_oh_get_array_item(d->a, arr, i);
        if (!qpdf_oh_is_dictionary(d->a, f)) {
            continue;
        }
        qpdf_oh ft = qpdf_oh_get_key(d->a, f, "/FT");
        bool sig = qpdf_oh_is_name(d->a, ft) ? qpdf_oh_is_name_and_equals(d->a, ft, "/Sig") : parent_sig;
        size_t tl = 0;
        const char *t = qpdf_oh_get_binary_string_value(d->a, qpdf_oh_get_key(d->a, f, "/T"), &tl);
        char name[1024];
        (void)snprintf(name, sizeof(name), "%s%s%.*s", parent, parent[0] != 0 && t != NULL ? "." : "",
                       t != NULL ? (int)tl : 0, t != NULL ? t : "");
        if (sig) {
            continue; /* signature fields: judged as signatures */
        }
        int32_t idx = 0;
        ES_GUARD(add_name(d, name, &idx));
        set_role(d, f, ROLE_FIELD, idx);
        mark_appearances(d, f, idx); /* a field merged with its widget */
        qpdf_oh kids = qpdf_oh_get_key(d->a, f, "/Kids");
        int nk = qpdf_oh_is_array(d->a, kids) ? qpdf_oh_get_array_n_items(d->a, kids) : 0;
        for (int j = 0; j < nk && j < 100000; j++) {
            qpdf_oh w = qpdf_oh_get_array_item(d->a, kids, j);
            if (qpdf_oh_has_key(d->a, w, "/T")) {
                continue; /* a child field: walked below */
            }
            set_role(d, w, ROLE_WIDGET, idx);
            mark_appearances(d, w, idx);
        }
        ES_GUARD(map_fields(d, kids, name, sig, depth + 1));
    }
    return ES_OK;
}

static ES_RESULT map_pages(diff *d)
{
    int np = qpdf_get_num_pages(d->a);
    /* From a page: what it draws, not its annotations or its place in the page tree. */
    static const char *const page_skip[] = {"/Annots", "/Parent", "/B", NULL};
    walker w = {true, es_calloc((size_t)d->size / 8 + 1, 1), eseal_limits_default()->max_objects, page_skip};
    ES_ENSURE_ALLOC(w.seen);
    es_result r = ES_OK;
    for (int i = 0; i < np && es_ok(r); i++) {
        qpdf_oh pg = qpdf_get_page_n(d->a, (size_t)i);
        qpdf_oh annots = qpdf_oh_get_key(d->a, pg, "/Annots");
        if (qpdf_oh_is_indirect(d->a, annots) && qpdf_oh_is_array(d->a, annots)) {
            set_role(d, annots, ROLE_ANNOTS, 0);
        }
        r = walk_value(d, d->a, pg, 0, &w);
        qpdf_oh_release_all(d->a);
    }
    es_free(w.seen);
    return r;
}

bool es_pdf_field_locked(const es_pdf_perms *p, const char *name)
{
    if (p == NULL || p->lock_action == ES_PDF_LOCK_NONE) {
        return false;
    }
    if (p->lock_action == ES_PDF_LOCK_ALL) {
        return true;
    }
    bool listed = false;
    size_t n = strlen(name);
    for (const char *s = p->lock_fields != NULL ? p->lock_fields : ""; *s != 0 && !listed;) {
        const char *e = strchr(s, '\n');
        size_t len = e != NULL ? (size_t)(e - s) : strlen(s);
        /* A name covers the field and its descendants ("a" covers "a.b"). */
        listed = len <= n && memcmp(s, name, len) == 0 && (name[len] == 0 || name[len] == '.');
        s += len + (e != NULL ? 1 : 0);
    }
    return p->lock_action == ES_PDF_LOCK_INCLUDE ? listed : !listed;
}

/* ---- classifying one change ------------------------------------------------------------------ */

static bool is_new(diff *d, qpdf_oh y) { return qpdf_oh_is_indirect(d->b, y) && qpdf_oh_get_object_id(d->b, y) >= d->size; }

/* A new signature field or widget (its /FT, or its new parent field's). */
static bool is_new_sig(diff *d, qpdf_oh y)
{
    if (!is_new(d, y)) {
        return false;
    }
    qpdf_oh ft = qpdf_oh_get_key(d->b, y, "/FT");
    if (qpdf_oh_is_null(d->b, ft)) {
        qpdf_oh parent = qpdf_oh_get_key(d->b, y, "/Parent");
        if (!is_new(d, parent)) {
            return false;
        }
        ft = qpdf_oh_get_key(d->b, parent, "/FT");
    }
    return qpdf_oh_is_name_and_equals(d->b, ft, "/Sig");
}

/* A comment annotation added under P = 3: allowed, or (own appearance) undecided; else not allowed. */
static bool new_annotation(diff *d, qpdf_oh y)
{
    static const char *const comments[] = {"/Text", "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Popup"};
    if (d->p != 3 || !is_new(d, y)) {
        return false;
    }
    qpdf_oh st = qpdf_oh_get_key(d->b, y, "/Subtype");
    for (size_t i = 0; i < sizeof(comments) / sizeof(comments[0]); i++) {
        if (qpdf_oh_is_name_and_equals(d->b, st, comments[i])) {
            if (qpdf_oh_has_key(d->b, y, "/AP")) {
                d->nannots_ap++;
            } else {
                d->nannots++;
            }
            return true;
        }
    }
    return false;
}

/* Items of `nb` are those of `na` (same objects, same order) plus new signatures (and comments under P=3). */
static bool grew_by_allowed(diff *d, qpdf_oh na, qpdf_oh nb, bool annots)
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
        if (is_new_sig(d, y)) {
            d->nsigs += annots ? 0 : 1; /* counted as fields: a cross-page seal has a widget on every page */
        } else if (!annots || !new_annotation(d, y)) {
            return false;
        }
    }
    return true;
}

/* A form fill of field `owner`: allowed unless P = 1 (judged before) or the field is locked. */
static bool form_fill(diff *d, int32_t owner)
{
    if (d->p < 2) {
        return false;
    }
    if (!d->filled[owner]) {
        d->filled[owner] = 1;
        if (es_pdf_field_locked(d->perm, d->names[owner])) {
            if (d->nlocked < MAX_LISTED) {
                es_result pr = es_buf_printf(&d->locked, "%s%s", d->nlocked == 0 ? "" : ", ", d->names[owner]);
                (void)pr; /* the list is what the report shows; a full buffer only shortens it */
            }
            d->nlocked++;
        }
    }
    return true;
}

/* Is the change of object `num` one that the permissions allow? */
static bool allowed_change(diff *d, int num, qpdf_oh oa, qpdf_oh ob, int root_num)
{
    if (d->role[num] == ROLE_APPEARANCE) {
        return form_fill(d, d->owner[num]); /* a field's appearance redrawn, within its widget */
    }
    if (d->role[num] == ROLE_ANNOTS || d->role[num] == ROLE_FIELDS) {
        /* An indirect /Annots or /Fields array, grown in place. */
        return qpdf_oh_is_array(d->b, ob) && grew_by_allowed(d, oa, ob, d->role[num] == ROLE_ANNOTS);
    }
    if (!qpdf_oh_is_dictionary(d->a, oa) || !qpdf_oh_is_dictionary(d->b, ob)) {
        return false;
    }
    if (d->role[num] == ROLE_FIELD || d->role[num] == ROLE_WIDGET) {
        static const char *const field_keys[] = {"/V", "/AS", "/AP", NULL};
        static const char *const widget_keys[] = {"/AS", "/AP", NULL};
        return same_without(d, oa, ob, d->role[num] == ROLE_FIELD ? field_keys : widget_keys) &&
               form_fill(d, d->owner[num]);
    }
    static const char *const af_keys[] = {"/Fields", "/SigFlags", "/NeedAppearances", NULL};
    if (num == root_num) {
        /* The catalog may gain or change /AcroForm (judged below when direct) and /DSS (revocation data). */
        static const char *const root_keys[] = {"/AcroForm", "/DSS", NULL};
        if (!same_without(d, oa, ob, root_keys)) {
            return false;
        }
        char *da = text_of(d->a, qpdf_oh_get_key(d->a, oa, "/DSS")), *db = text_of(d->b, qpdf_oh_get_key(d->b, ob, "/DSS"));
        if (!same_text(da, db)) {
            d->ndss++;
        }
        qpdf_oh afa = qpdf_oh_get_key(d->a, oa, "/AcroForm"), afb = qpdf_oh_get_key(d->b, ob, "/AcroForm");
        if (qpdf_oh_is_indirect(d->a, afa) && qpdf_oh_is_indirect(d->b, afb) &&
            qpdf_oh_get_object_id(d->a, afa) == qpdf_oh_get_object_id(d->b, afb)) {
            return true; /* the same AcroForm object: compared where it is walked */
        }
        if (!qpdf_oh_is_dictionary(d->b, afb)) {
            return !qpdf_oh_is_dictionary(d->a, afa);
        }
        if (!qpdf_oh_is_dictionary(d->a, afa)) {
            return grew_by_allowed(d, qpdf_oh_new_array(d->a), qpdf_oh_get_key(d->b, afb, "/Fields"), false);
        }
        return same_without(d, afa, afb, af_keys) &&
               grew_by_allowed(d, qpdf_oh_get_key(d->a, afa, "/Fields"), qpdf_oh_get_key(d->b, afb, "/Fields"), false);
    }
    if (qpdf_oh_has_key(d->a, oa, "/Fields")) {
        return same_without(d, oa, ob, af_keys) &&
               grew_by_allowed(d, qpdf_oh_get_key(d->a, oa, "/Fields"), qpdf_oh_get_key(d->b, ob, "/Fields"), false);
    }
    if (qpdf_oh_is_name_and_equals(d->a, qpdf_oh_get_key(d->a, oa, "/Type"), "/Page")) {
        static const char *const page_keys[] = {"/Annots", NULL};
        return same_without(d, oa, ob, page_keys) &&
               grew_by_allowed(d, qpdf_oh_get_key(d->a, oa, "/Annots"), qpdf_oh_get_key(d->b, ob, "/Annots"), true);
    }
    if (qpdf_oh_is_name_and_equals(d->a, qpdf_oh_get_key(d->a, oa, "/Type"), "/DSS")) {
        d->ndss++;
        return true; /* revocation data, which any later revision may add to */
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
        ES_GUARD(refs(d, d->a, oa));
        char *ta = text_of(d->a, oa), *tb = text_of(d->b, ob);
        bool same = same_text(ta, tb);
        if (same && qpdf_oh_is_stream(d->a, oa)) {
            same = qpdf_oh_is_stream(d->b, ob) && same_stream_data(d, oa, ob);
        }
        if (!same && !allowed_change(d, o.num, oa, ob, root_num)) {
            if (d->nchanged < MAX_LISTED) {
                ES_GUARD(es_buf_printf(&d->changed, "%s%d %d", d->nchanged == 0 ? "" : ", ", o.num, o.gen));
            }
            d->nchanged++;
        }
        qpdf_oh_release_all(d->a);
        qpdf_oh_release_all(d->b);
    }
    return ES_OK;
}

/* "signatures added: 1; form fields filled: a, b; ..." for the report. */
static ES_RESULT summary(diff *d, es_buf *out)
{
    size_t nfilled = 0;
    for (size_t i = 0; i < d->nnames; i++) {
        nfilled += d->filled[i];
    }
    if (d->nsigs > 0) {
        ES_GUARD(es_buf_printf(out, "signatures added: %zu (allowed)", d->nsigs));
    }
    if (d->ndss > 0) {
        ES_GUARD(es_buf_printf(out, "%srevocation data added (/DSS, allowed)", out->len > 0 ? "; " : ""));
    }
    if (nfilled > 0) {
        ES_GUARD(es_buf_printf(out, "%sform fields filled (%s):", out->len > 0 ? "; " : "",
                               d->perm->docmdp_p >= 2 ? "the certification allows form filling"
                                                      : "not certified: form filling is allowed"));
        size_t shown = 0;
        for (size_t i = 0; i < d->nnames && shown < MAX_LISTED; i++) {
            if (d->filled[i]) {
                ES_GUARD(es_buf_printf(out, "%s %s", shown == 0 ? "" : ",", d->names[i]));
                shown++;
            }
        }
    }
    if (d->nannots + d->nannots_ap > 0) {
        ES_GUARD(es_buf_printf(out, "%scomment annotations added: %zu (allowed by DocMDP P=3)", out->len > 0 ? "; " : "",
                               d->nannots + d->nannots_ap));
    }
    if (d->nchanged > 0) {
        ES_GUARD(es_buf_printf(out, "%s%zu object(s) changed: %s%s", out->len > 0 ? "; " : "", d->nchanged,
                               es_buf_cstr(&d->changed), d->nchanged > MAX_LISTED ? ", ..." : ""));
    }
    if (out->len == 0) {
        ES_GUARD(es_buf_printf(out, "revisions added without a visible change"));
    }
    return ES_OK;
}

ES_RESULT es_pdf_judge_changes(eseal_report *rep, es_span f, size_t signed_end, const es_pdf_perms *perm)
{
    static const es_pdf_perms none = {0, ES_PDF_LOCK_NONE, NULL};
    ES_AUTO(diff_free) diff d;
    memset(&d, 0, sizeof(d));
    d.perm = perm != NULL ? perm : &none;
    d.p = d.perm->docmdp_p >= 1 && d.perm->docmdp_p <= 3 ? d.perm->docmdp_p : 2;
    d.changed = (es_buf)ES_BUF_INIT(4096);
    d.locked = (es_buf)ES_BUF_INIT(4096);
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
    d.role = es_calloc((size_t)d.size, 1);
    d.owner = es_calloc((size_t)d.size, sizeof(*d.owner));
    ES_ENSURE(d.seen != NULL && d.role != NULL && d.owner != NULL, ESEAL_ENOMEM, "out of memory");
    qpdf_oh ra = qpdf_get_root(d.a), rb = qpdf_get_root(d.b);
    int root_num = qpdf_oh_get_object_id(d.a, ra);
    if (root_num != qpdf_oh_get_object_id(d.b, rb)) {
        ES_GUARD(es_report_set(rep, "later_changes", "the document catalog was replaced"));
        return es_report_reason(rep, ESEAL_INVALID, "CHANGED_AFTER_SIGNING",
                                "a later revision replaced the document catalog: what is shown is not what was "
                                "signed");
    }
    qpdf_oh fields = qpdf_oh_get_key(d.a, qpdf_oh_get_key(d.a, ra, "/AcroForm"), "/Fields");
    if (qpdf_oh_is_indirect(d.a, fields) && qpdf_oh_is_array(d.a, fields)) {
        set_role(&d, fields, ROLE_FIELDS, 0);
    }
    ES_GUARD(map_fields(&d, fields, "", false, 0));
    ES_GUARD(map_pages(&d));
    d.filled = es_calloc(d.nnames + 1, 1);
    ES_ENSURE_ALLOC(d.filled);
    ES_GUARD(push(&d, root_num, qpdf_oh_get_generation(d.a, ra)));
    qpdf_oh info = qpdf_oh_get_key(d.a, ta, "/Info");
    if (qpdf_oh_is_indirect(d.a, info)) {
        ES_GUARD(push(&d, qpdf_oh_get_object_id(d.a, info), qpdf_oh_get_generation(d.a, info)));
    }
    ES_GUARD(walk(&d, root_num));
    ES_AUTO(es_buf_freep) es_buf sum = ES_BUF_INIT(16384);
    ES_GUARD(summary(&d, &sum));
    ES_GUARD(es_report_set(rep, "later_changes", "%s", es_buf_cstr(&sum)));
    if (d.p == 1 && d.perm->docmdp_p == 1 && d.nsigs + d.ndss == 0) {
        /* Under P=1 a revision must bring validation data or a document timestamp; the caller
         * has checked that every later signature is a document timestamp. */
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, "MDP_VIOLATION",
                                  "the document was certified with no changes allowed (DocMDP P=1), yet a later "
                                  "revision was added that is neither validation data nor a document timestamp"));
    }
    if (d.nchanged > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, "CHANGED_AFTER_SIGNING",
                                  "a later revision changed %zu object(s) of the signed document beyond what its "
                                  "permissions allow (%s): what is shown is not what was signed",
                                  d.nchanged, es_buf_cstr(&d.changed)));
    }
    if (d.nlocked > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, "MDP_VIOLATION",
                                  "a later revision filled form field(s) this signature locked (FieldMDP): %s",
                                  es_buf_cstr(&d.locked)));
    }
    size_t nfilled = 0;
    for (size_t i = 0; i < d.nnames; i++) {
        nfilled += d.filled[i];
    }
    if (nfilled > d.nlocked) {
        /* Allowed, yet what is shown changed (the shadow attacks' "replace via overlay"): say so in the reasons. */
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, "FORM_FILLED",
                                  "%zu form field(s) were filled after this signature (later_changes names them); "
                                  "their new values are not covered by it (a signer forbids this with a field lock "
                                  "or DocMDP P=1)",
                                  nfilled - d.nlocked));
    }
    if (d.nannots > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, "ANNOTATIONS_ADDED",
                                  "%zu comment annotation(s) were added after this signature, as DocMDP P=3 allows",
                                  d.nannots));
    }
    if (d.nannots_ap > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, "ANNOTATION_APPEARANCE",
                                  "%zu comment annotation(s) added after signing draw their own appearance, which "
                                  "may cover signed content; whether it does was not decided",
                                  d.nannots_ap));
    }
    return ES_OK;
}
