/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What changed after a signature: an allow-list (ISO 32000-2 §12.8.2.2 permissions, PAdES
 * ETSI EN 319 142-1; pyHanko's diff_analysis is the model; research/pdf.md). Every object
 * that the final document reaches and that the signed revision did not (added), and every
 * object of the signed revision that changed, must be explained by exactly one permitted
 * change for the document's DocMDP level; anything unexplained makes the signature INVALID,
 * naming the object, the path it was reached through and why. Four passes:
 *
 * 1. the signed revision (qpdf on the bytes up to signed_end): what its catalog and /Info
 *    reach, the roles of its objects (a non-signature field, its widgets and appearance
 *    streams, the /Annots and /Fields arrays, the catalog's /DSS, /Info), and what its pages
 *    draw. Page content is followed through the page tree as viewers do (ISO 32000-1
 *    §7.7.3.4: /Resources, /MediaBox, /CropBox, /Rotate inherited from /Pages nodes) and
 *    through the annotations that are not form fields; whatever a page draws is page content
 *    and loses any form role, whatever its /Type says.
 * 2. the final document's new form fields (its /AcroForm /Fields items the signed revision
 *    did not reach), each judged as a new signature: a new /FT /Sig field whose widgets are
 *    /Subtype /Widget annotations with no action, whose /V is a new signature dictionary
 *    used by no other field and signing a revision after this one, and whose appearance is
 *    made of new objects; or an unsigned signature field, allowed only when P >= 2 and
 *    invisible. Accepted ones are claimed: their objects are explained.
 * 3. the signed revision's objects compared with the final file, each difference judged by
 *    the object's role: a page's /Annots and the form's /Fields may grow by the claimed
 *    signature widgets and fields (and comment annotations under P = 3); the catalog may
 *    change /AcroForm and /DSS only; a field's /V, /AS, /AP and its appearance streams may
 *    change (form filling) when P >= 2 and no FieldMDP lock covers it; the catalog's /DSS
 *    (only where the catalog uses it) may hold /Certs, /CRLs, /OCSPs, /VRI of streams;
 *    /AcroForm /NeedAppearances and /Info may not change.
 * 4. the final document from its catalog and trailer /Info: every added object must be
 *    claimed (2, 3), or lie inside a form fill's appearance, a signature's appearance or
 *    dictionary, or a comment, whose new parts it is.
 *
 * Pass 3 reads only what later revisions replaced (issue 18): the verifier hands in what each
 * revision's cross-reference sections list and its bytes define (pdf_xref.c, es_pdf_xref_changes),
 * and an object of the signed revision that no later revision replaced, and whose references
 * resolve the same way in both parses, is the same bytes read the same way: it is skipped
 * (unchanged() says which references matter and why). Pass 4 then takes as seen, without asking
 * qpdf, every part of the final file that is an unchanged part of the signed revision reaching
 * nothing changed (mark_changed, settle). Passes 1 and 4 walk an object from the record an earlier
 * walk made of its references (h-pass1: "Pass 1's records" below says why that is exact), so over
 * a verification qpdf reads each object's value for them once, plus what each judgement's view
 * swaps; what is left per judgement and page is integer work on the records and a few qpdf reads
 * of each page (its /Parent chain, inherited attributes) in map_pages. Pass 2 still walks the new
 * fields whole (what the later revisions added).
 *
 * Side a without a second parse (issue 18, h-once): with the map, the signed revision is shown by
 * the whole file's parse itself (es_pdf_view, pdf_view.c: what later revisions replaced is given its
 * signed definition in place, for as long as side a is read). The shared parse shows one side at a
 * time, so judge() runs in phases: pass 1 with side a shown; the choice of what pass 3 compares with
 * the final file shown; pass 3's side-a reads (snap_signed) with side a shown; then passes 2, 3 and
 * 4 with the final file shown. The side-a reads of what pass 3 compares whatever the final file
 * says (what later revisions replaced, what references it) are taken at the end of pass 1 already
 * (snap_early, h-pass1); when they cover every object compared, the second side-a phase is not
 * needed and the view is entered once. Nothing is reported before the last side-a phase, so a
 * judgement that finds the view not exact (walk_value: a reference past the signed /Size to an
 * object the file defines, or of another generation) is made again from the start on a parse of
 * the signed revision.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "pdf/pdf_qpdf.h" /* after qpdf-c.h: qpdf calls through the table */

#include "pdf.h"
#include "util/report.h"

#define MAX_DEPTH 64
#define MAX_LISTED 20
#define MAX_CHANGES 64 /* typed entries of coverage.changes (the modifications check counts them all) */
#define MAX_ITEMS 100000 /* array items looked at in one /Fields, /Kids, /Annots or DSS array */

/* What an object of the signed revision is to the form (set before the comparison). */
enum { ROLE_NONE, ROLE_FIELD, ROLE_WIDGET, ROLE_APPEARANCE, ROLE_ANNOTS, ROLE_FIELDS, ROLE_DSS, ROLE_INFO };

/* Why an object the signed revision did not reach is in the final document (its claim). */
enum {
    X_NONE,
    X_SIGFIELD,  /* a new signature field (or field merged with its widget) */
    X_SIGWIDGET, /* a widget of a new signature field */
    X_SIGDICT,   /* a new signature dictionary and what it holds (the seal stream, ...) */
    X_SIGAP,     /* a new signature widget's appearance: streams, resources, /MK */
    X_SIGMETA,   /* other values of a new signature field: /Lock, /SV, an indirect /Rect */
    X_FILL,      /* a form fill's new value or appearance */
    X_COMMENT,   /* a comment annotation under P = 3 and what it holds */
    X_DSS,       /* the document security store: its dictionaries, arrays and streams */
    X_FORM       /* a new AcroForm, /Fields, /Annots or /Kids array */
};

/* The claims whose new children are part of them (a signature's appearance reaches its own fonts). */
static bool inherits(int x) { return x == X_SIGDICT || x == X_SIGAP || x == X_SIGMETA || x == X_FILL || x == X_COMMENT; }

/* The keys a path is described with ("reached from page 1 /Annots"); 0: some other key. */
static const char *const via_keys[] = {"a key", "/Annots", "/Fields", "/AP", "/N", "/D", "/R", "/Resources",
                                       "/XObject", "/Font", "/Contents", "/V", "/Kids", "/Parent", "/DSS",
                                       "/AcroForm", "/Info", "/Pages", "/MK", "/P", "/Popup", "/A", "/AA", "/VRI",
                                       "/Certs", "/CRLs", "/OCSPs", "/Root"};
enum { KEY_INFO = 16, KEY_ROOT = 27 };

static uint8_t key_id(const char *k)
{
    for (size_t i = 1; i < sizeof(via_keys) / sizeof(via_keys[0]); i++) {
        if (strcmp(k, via_keys[i]) == 0) {
            return (uint8_t)i;
        }
    }
    return 0;
}

typedef struct {
    int num, gen, ctx;
} oref;

/* A list of array items as side a showed them: the object number of each, 0 for a direct one. */
typedef struct {
    bool arr; /* the value was an array */
    int n;
    int *ids;
} items;

/* The AcroForm of the signed revision, as judge_acroform reads it. */
typedef struct {
    bool had;   /* a dictionary */
    char *need; /* the text of its /NeedAppearances */
    char *wo;   /* its text without /Fields and /SigFlags */
    items fields;
} acro_snap;

/*
 * What pass 3 reads of an object of the signed revision (side a), taken while side a is shown
 * (h-once: with a view, the shared parse shows one side at a time, so the side-a reads of the
 * comparison are made first, in the signed revision, and judged later against the final file).
 */
typedef struct {
    char *text;        /* text_of */
    bool stream, data_ok, dict;
    uint8_t *data;     /* a stream's raw bytes (qpdf's malloc) */
    size_t ndata;
    char *wo;          /* its text without the keys its role may change (field, widget, catalog, page) */
    items arr;         /* an /Annots or /Fields array: its items; a page: its /Annots */
    char *dss;         /* the catalog: the text of its /DSS */
    acro_snap af;      /* the catalog: its /AcroForm; the AcroForm: itself */
} snap;

typedef struct {
    qpdf_data a, b; /* the signed revision, the final file (with a view, both the shared parse) */
    es_pdf_view *view;  /* the signed revision shown by the shared parse (NULL: a parse of its own) */
    bool in_signed;     /* the view is entered: side a is shown */
    bool view_bad;      /* side a read something the view does not show as the signed revision */
    bool in_pass1;      /* pass 1 runs (counts.read1) */
    struct es_pdf_walks *walks; /* the records for passes 1 and 4 (ch->walks; NULL: walk without them) */
    uint8_t *alen;      /* bit per object number: its signed /Length is replaced later (second_level) */
    size_t *cmp;        /* pass 3: indices into reached of the objects compared */
    snap *snaps;        /* and what side a shows of each */
    size_t ncmp;
    snap *pre;          /* snapshots taken at the end of pass 1 (snap_early) */
    int32_t *pre_of;    /* per index into reached: 1 + its index in pre (0: none) */
    size_t npre;
    eseal_report *rep; /* the signature's report: coverage.changes */
    size_t nchanges;   /* typed changes listed */
    const es_pdf_perms *perm;
    int p;             /* effective DocMDP permission: 2 when the document is not certified */
    size_t signed_end; /* where this signature's signed revision ends */
    int size, bsize, maxsize; /* /Size of the signed revision, of the final file, the larger */
    int root_num, af_num;     /* the catalog; the signed revision's indirect AcroForm (0: direct or none) */
    int dss_num;              /* the signed revision's indirect /DSS (0: direct or none) */
    oref *stack;
    size_t nstack, cap;
    oref *reached; /* the objects the signed revision reaches, in walk order */
    size_t nreached, capreached;
    uint8_t *seen;    /* bit per object number: reached in the signed revision */
    uint8_t *seen_b;  /* bit per object number: reached in the final file (pass 4) */
    uint8_t *content; /* bit per object number: drawn by a page of the signed revision */
    uint8_t *failed;  /* bit per object number: already reported */
    uint8_t *role;    /* ROLE_* per object number of the signed revision */
    int32_t *owner;   /* the field (index into names) of a ROLE_* object */
    uint8_t *accepted; /* X_FILL for a signed object whose change was accepted as form filling */
    int32_t *page_a, *page_b; /* page number (1-based) of page objects, 0 for others */
    int32_t *via;     /* the object a reached object was reached from (-1: the trailer) */
    int32_t *gens;    /* generation + 1 of an object reached (the final file's last), 0: not reached */
    uint8_t *via_key; /* and through which key (via_keys) */
    uint8_t *claim;   /* X_* per object number of the final file */
    int32_t *claim_owner;
    char **names; /* full names of the signed revision's non-signature fields */
    size_t nnames, capnames;
    uint8_t *filled; /* per name: changed by form filling */
    es_buf changed;  /* "object 41 (added, reached from page 1 /Annots): why; ..." */
    size_t nchanged;
    size_t nlocked; /* form fills of locked fields */
    es_buf locked;
    size_t nsigs, ndts, nunsigned, ndss, nannots, nannots_ap;
    size_t budget; /* objects still to be looked at in passes 2 and 4 */
    unsigned max_objects; /* the parse's limit (es_pdf_qpdf.lim) */
    es_pdf_xref_changes *ch; /* what later revisions replace (NULL or empty: compare every object) */
    size_t since;            /* the signed revision (1-based) in ch's numbering, 0: unknown */
    uint8_t *dep;            /* bit per object number: its signed text references an object replaced later */
    uint8_t *dep2;           /* bit per object number: it references an object whose own bit (dep) is set */
    int32_t *edges;          /* pass 1's references (from, to) to objects not replaced later */
    size_t nedges, capedges;
    uint8_t *same;           /* bit per object number: pass 3 found it unchanged (unchanged()) */
    uint8_t *marked;         /* bit per object number: changed, or reaches a changed object (pass 4) */
    int32_t *fwd_off, *fwd;  /* the edges by their origin: the children of an object (pass 4) */
    int32_t *sstack;         /* settle()'s stack */
} diff;

/* This thread's counts (es_pdf_diff_counts_get). */
static _Thread_local es_pdf_diff_counts counts;

void es_pdf_diff_counts_get(es_pdf_diff_counts *out) { *out = counts; }

static bool bit(const uint8_t *m, int n) { return (m[n / 8] & (1u << (n % 8))) != 0; }
static void set_bit(uint8_t *m, int n) { m[n / 8] |= (uint8_t)(1u << (n % 8)); }

static void snap_free(snap *s)
{
    es_free(s->text);
    free(s->data); /* !checksrc! allowed: qpdf allocates with malloc */
    es_free(s->wo);
    es_free(s->arr.ids);
    es_free(s->dss);
    es_free(s->af.need);
    es_free(s->af.wo);
    es_free(s->af.fields.ids);
}

static void diff_free(diff *d)
{
    es_free(d->stack);
    es_free(d->reached);
    es_free(d->seen);
    es_free(d->seen_b);
    es_free(d->content);
    es_free(d->failed);
    es_free(d->role);
    es_free(d->owner);
    es_free(d->accepted);
    es_free(d->page_a);
    es_free(d->page_b);
    es_free(d->via);
    es_free(d->gens);
    es_free(d->via_key);
    es_free(d->claim);
    es_free(d->claim_owner);
    for (size_t i = 0; i < d->nnames; i++) {
        es_free(d->names[i]);
    }
    es_free(d->names);
    es_free(d->filled);
    es_free(d->dep);
    es_free(d->dep2);
    es_free(d->edges);
    es_free(d->same);
    es_free(d->marked);
    es_free(d->fwd_off);
    es_free(d->fwd);
    es_free(d->sstack);
    es_free(d->alen);
    for (size_t i = 0; i < d->ncmp && d->snaps != NULL; i++) {
        snap_free(&d->snaps[i]);
    }
    es_free(d->snaps);
    for (size_t i = 0; i < d->npre && d->pre != NULL; i++) {
        snap_free(&d->pre[i]);
    }
    es_free(d->pre);
    es_free(d->pre_of);
    es_free(d->cmp);
    es_buf_free(&d->changed);
    es_buf_free(&d->locked);
}

/* "page 2", "the catalog" or "object 12": how a report names an object of the final file. */
static void name_of(const diff *d, int num, char *out, size_t cap)
{
    if (num == d->root_num) {
        (void)snprintf(out, cap, "the catalog");
    } else if (num > 0 && num < d->bsize && d->page_b[num] > 0) {
        (void)snprintf(out, cap, "page %d", d->page_b[num]);
    } else if (num > 0 && num < d->size && d->page_a[num] > 0) {
        (void)snprintf(out, cap, "page %d", d->page_a[num]);
    } else {
        (void)snprintf(out, cap, "object %d", num);
    }
}

/* "page 1 /Annots": where object `num` was reached from. */
static void path_of(const diff *d, int num, char *out, size_t cap)
{
    if (num <= 0 || num >= d->maxsize || d->via[num] == 0) {
        (void)snprintf(out, cap, "the document");
        return;
    }
    if (d->via[num] < 0) {
        (void)snprintf(out, cap, "the trailer %s", via_keys[d->via_key[num]]);
        return;
    }
    char n[48];
    name_of(d, d->via[num], n, sizeof(n));
    (void)snprintf(out, cap, "%s %s", n, via_keys[d->via_key[num]]);
}

/* The generation of object `num` of the final file, -1 when not known. */
static int gen_of(const diff *d, int num)
{
    if (num <= 0 || num >= d->maxsize) {
        return -1;
    }
    if (d->gens[num] > 0) {
        return d->gens[num] - 1;
    }
    qpdf_oh h = qpdf_get_object_by_id(d->b, num, 0);
    int g = qpdf_oh_is_null(d->b, h) ? -1 : 0;
    qpdf_oh_release(d->b, h);
    return g;
}

/*
 * A typed entry of coverage.changes {type, object ("N G R", null when unknown), detail}; at most
 * MAX_CHANGES are listed.
 */
__attribute__((format(printf, 5, 6))) static ES_RESULT change(diff *d, const char *type, int num, int gen,
                                                              const char *fmt, ...)
{
    if (d->rep == NULL || d->nchanges >= MAX_CHANGES) {
        return ES_OK;
    }
    d->nchanges++;
    eseal_value *c = NULL;
    ES_GUARD(es_value_append(es_report_root(d->rep), "coverage.changes", ESEAL_VALUE_OBJECT, &c));
    ES_GUARD(es_value_str(c, "type", "%s", type));
    ES_GUARD(num > 0 && gen >= 0 ? es_value_str(c, "object", "%d %d R", num, gen) : es_value_null(c, "object"));
    va_list ap;
    va_start(ap, fmt);
    es_result r = es_value_vstr(c, "detail", fmt, ap);
    va_end(ap);
    return r;
}

/*
 * One unexplained object: counted, and listed (at most MAX_LISTED) as
 * "object 41 (added, reached from page 1 /Annots): why"; with `once`, reported once per object.
 */
static ES_RESULT vfail(diff *d, int num, bool once, bool added, const char *via, const char *fmt, va_list ap)
{
    if (num > 0 && num < d->maxsize) {
        if (once && bit(d->failed, num)) {
            return ES_OK;
        }
        set_bit(d->failed, num);
    }
    char why[512], path[160], n[48];
    (void)vsnprintf(why, sizeof(why), fmt, ap);
    if (via == NULL) {
        path_of(d, num, path, sizeof(path));
        via = path;
    }
    name_of(d, num, n, sizeof(n));
    if (d->nchanged < MAX_LISTED) {
        ES_GUARD(es_buf_printf(&d->changed, "%s%s (%s, reached from %s): %s", d->nchanged == 0 ? "" : "; ", n,
                               added ? "added" : "changed", via, why));
    }
    ES_GUARD(change(d, "other", num, gen_of(d, num), "%s (%s, reached from %s): %s", n, added ? "added" : "changed",
                    via, why));
    d->nchanged++;
    return ES_OK;
}

__attribute__((format(printf, 5, 6))) static ES_RESULT fail(diff *d, int num, bool added, const char *via,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    es_result r = vfail(d, num, true, added, via, fmt, ap);
    va_end(ap);
    return r;
}

/* The same, even when the object was reported already (a second fault of the same object). */
__attribute__((format(printf, 5, 6))) static ES_RESULT fail_again(diff *d, int num, bool added, const char *via,
                                                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    es_result r = vfail(d, num, false, added, via, fmt, ap);
    va_end(ap);
    return r;
}

static ES_RESULT push(diff *d, uint8_t *seen, int limit, int num, int gen, int ctx, int parent, uint8_t key)
{
    if (num <= 0 || num >= limit || bit(seen, num)) {
        return ES_OK; /* not an object of this revision, or already on the way */
    }
    set_bit(seen, num);
    d->gens[num] = gen >= 0 ? gen + 1 : 0;
    if (d->via[num] == 0) {
        d->via[num] = parent;
        d->via_key[num] = key;
    }
    if (d->nstack == d->cap) {
        size_t cap = d->cap == 0 ? 256 : d->cap * 2;
        oref *n = es_realloc(d->stack, cap * sizeof(*n));
        ES_ENSURE_ALLOC(n);
        d->stack = n;
        d->cap = cap;
    }
    d->stack[d->nstack++] = (oref){num, gen, ctx};
    return ES_OK;
}

/* The keys of a dictionary, copied (the iterator's strings do not survive other calls). */
static size_t dict_keys(qpdf_data q, qpdf_oh dict, char *keys[ES_PDF_MAX_DICT_KEYS])
{
    size_t n = 0;
    qpdf_oh_begin_dict_key_iter(q, dict);
    while (qpdf_oh_dict_more_keys(q) && n < ES_PDF_MAX_DICT_KEYS) {
        keys[n] = es_strdup(qpdf_oh_dict_next_key(q));
        if (keys[n] == NULL) {
            break;
        }
        n++;
    }
    return n;
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        es_free(keys[i]);
    }
}

/* Does `key` appear in the NULL-terminated `list`? */
static bool listed(const char *key, const char *const *list)
{
    for (const char *const *k = list; *k != NULL; k++) {
        if (strcmp(key, *k) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * A walk over a value's children. Without `follow` it stops at indirect objects and pushes
 * them (onto `seen`, up to `limit`) with `ctx`, remembering where they were reached from;
 * with it, it goes through them once each (`seen`, within the budget) and marks them as page
 * content: what a page draws is not form data, whatever else uses it. `skip` names keys of
 * the top dictionary not to follow.
 */
typedef struct {
    bool follow;
    uint8_t *seen;
    int limit;
    int ctx;
    int parent;
    const char *const *skip;
    uint8_t *dep; /* when set (pass 1's walk), the parent's bit is set for a reference to a replaced object */
} walker;

static ES_RESULT add_edge(diff *d, int from, int to)
{
    if (d->nedges + 2 > d->capedges) {
        size_t cap = d->capedges == 0 ? 1024 : d->capedges * 2;
        ES_ENSURE(cap <= (size_t)8 * d->max_objects + 1024, ESEAL_ELIMIT, "pdf: too many references");
        int32_t *n = es_realloc(d->edges, cap * sizeof(*n));
        ES_ENSURE_ALLOC(n);
        d->edges = n;
        d->capedges = cap;
    }
    d->edges[d->nedges++] = from;
    d->edges[d->nedges++] = to;
    return ES_OK;
}

/* Did a revision after the signed one list, define or re-house object `num` (true when not known)? */
static bool replaced_later(const diff *d, int num)
{
    return num <= 0 || (uint32_t)num >= d->ch->n || d->ch->newest[num] > d->since;
}

/*
 * Pass 1's records (issue 18, h-pass1). The signatures of one file judge nested revisions, and a
 * judgement on a view (pdf_view.c) shows every object that no later revision replaced as the whole
 * file's parse has it: most objects read the same in every judgement. What pass 1's walks take from
 * an object's value is only its references, in the order walk_value meets them: the number and
 * generation of each, the depth it lies at inside the value, the top-level key it lies under (the
 * via_keys id a push records, and whether page_skip or annot_skip names that key). So the first
 * judgement that walks an object records that list (record_of, one reading of the value through
 * qpdf), and every later judgement walks the object from it (replay) with the very same steps
 * walk_value takes for each reference (visit_ref): the same pushes, edges, dep bits, budget, depth
 * bound, seen and content bits, in the same order, so every result of pass 1 is the same. Pass 4's
 * walk (the final file, outside the view) takes the same references from the same records.
 *
 * Why a record stays exact: the shared parse changes an object's definition only when a view gives
 * it its signed definition (entering) and when leaving puts the file's back (pdf_view.c swaps;
 * nothing else in verification writes to it). judge() drops the records of every object its view
 * swaps before entering it and again once pass 1 has left it (walks_drop), and nothing walks
 * between then and the end of the side-a snapshot (whose leaving puts back the same text again),
 * so a record always describes the definition its object has when it is used: in pass 1 (the view
 * entered; a swapped object is recorded from its signed definition and dropped on leaving) and in
 * pass 4 (no view entered: every object shows the file's definition, and what pass 4 records stays
 * true until a later view swaps it). qpdf hides a dictionary key whose value resolves to null, so a
 * value's keys also depend on what other objects resolve to: a view swaps only dictionaries,
 * arrays and streams for signed definitions of the same kind (never null, pdf_view.c), so whether
 * an object resolves to null never changes. A value with a dictionary at the key bound, a
 * reference of another generation, or whose references lie deeper than the walk may go from where
 * it is met, is walked as before (walk_value's own code), and so is every object outside the
 * shared parse (a parse of the signed revision): a judgement reads through qpdf what its view
 * swaps, plus what no earlier walk recorded. es_pdf_diff_full_walk(true) (tests) turns the
 * records off, in both passes.
 */
typedef struct {
    int32_t num;
    uint8_t key;  /* via_keys id of the top-level key it lies under (0: other or none) */
    uint8_t skip; /* 1: that key is in page_skip; 2: in annot_skip */
    uint8_t rel;  /* the depth of its walk_value call below the value's own */
    uint8_t top;  /* 1 + the index in pk_names of that key (0: another, or none) */
} wref;

/*
 * What qpdf_oh_get_key gives for the keys map_pages asks a page and its /Pages ancestors for, kept
 * with a dictionary's record: a key whose value is a reference to an object that resolves to null
 * is left out of the keys a walk sees, yet qpdf_oh_get_key returns that reference, so these are
 * asked of qpdf, once, when the record is made.
 */
enum { PK_PARENT, PK_ANNOTS, PK_RESOURCES, PK_MEDIABOX, PK_CROPBOX, PK_ROTATE, PK_N };
static const char *const pk_names[PK_N] = {"/Parent", "/Annots", "/Resources", "/MediaBox", "/CropBox", "/Rotate"};

typedef struct {
    uint8_t kind; /* 0: null or none, 1: a reference (num, gen), 2: a direct value, not null */
    int32_t num, gen;
    uint32_t r0, rn; /* the references under the key in the record: rn from index r0 (they follow each other) */
} pkey;

struct es_pdf_walks {
    qpdf_data q;     /* the parse the records describe */
    uint32_t n;      /* object numbers 0..n-1 */
    uint32_t *start; /* per object: index into refs + 1 (0: no record) */
    uint32_t *count;
    uint8_t *maxd;   /* the deepest walk_value call inside the value, relative to its own */
    uint32_t *pk;    /* per object: index into pks + 1 of a dictionary's PK_N keys (0: not a dictionary) */
    wref *refs;
    size_t nrefs, caprefs;
    pkey *pks;
    size_t npks, cappks;
};

static const char *const page_skip[] = {"/Annots", "/Parent", "/B", NULL};
static const char *const annot_skip[] = {"/P", "/Parent", "/Popup", "/IRT", NULL};

static _Thread_local bool full_walk;

void es_pdf_diff_full_walk(bool on) { full_walk = on; }

void es_pdf_walks_free(struct es_pdf_walks *w)
{
    if (w == NULL) {
        return;
    }
    es_free(w->start);
    es_free(w->count);
    es_free(w->maxd);
    es_free(w->pk);
    es_free(w->refs);
    es_free(w->pks);
    es_free(w);
}

/*
 * What a view swaps has another definition while it is entered, and the file's again after leaving
 * (put back from text): no record of it holds, before pass 1 (made under another view, or before a
 * swap) nor after it (made of the signed definition). Called before the view is entered and after
 * pass 1 has left it, whether or not the judgement uses the records.
 */
static void walks_drop(const es_pdf_view *v, struct es_pdf_walks *w)
{
    for (size_t i = 0; v != NULL && w != NULL && i < es_pdf_view_nswapped(v); i++) {
        int num = es_pdf_view_swapped(v, i);
        if (num > 0 && (uint32_t)num < w->n) {
            w->start[num] = 0;
        }
    }
}

/* The records for pass 1 of this judgement: NULL when it walks without them (no view, the test hook). */
static struct es_pdf_walks *walks_for(diff *d, es_pdf_xref_changes *ch)
{
    if (d->view == NULL || ch == NULL) {
        return NULL;
    }
    struct es_pdf_walks *w = ch->walks;
    walks_drop(d->view, w);
    if (full_walk || d->ch != ch || ch->newest == NULL || d->since == 0) {
        return NULL;
    }
    if (w != NULL && w->q != d->a) {
        es_pdf_walks_free(w); /* another parse: nothing recorded holds */
        d->ch->walks = w = NULL;
    }
    if (w == NULL) {
        w = es_calloc(1, sizeof(*w));
        if (w == NULL) {
            return NULL;
        }
        w->q = d->a;
        w->n = d->ch->n;
        w->start = es_calloc((size_t)w->n + 1, sizeof(*w->start));
        w->count = es_calloc((size_t)w->n + 1, sizeof(*w->count));
        w->maxd = es_calloc((size_t)w->n + 1, 1);
        w->pk = es_calloc((size_t)w->n + 1, sizeof(*w->pk));
        if (w->start == NULL || w->count == NULL || w->maxd == NULL || w->pk == NULL) {
            es_pdf_walks_free(w);
            return NULL;
        }
        d->ch->walks = w;
    }
    return w;
}

/* record_of's walk of a value: walk_value's order, its depths and keys, stopping at references. */
typedef struct {
    struct es_pdf_walks *w;
    int maxd;
    bool ok; /* false: the value is walked by walk_value's own code */
} recorder;

static void record_value(recorder *r, qpdf_data q, qpdf_oh v, int rel, uint8_t key, uint8_t skip, uint8_t top)
{
    if (!r->ok) {
        return;
    }
    if (rel > r->maxd) {
        r->maxd = rel;
    }
    if (rel >= MAX_DEPTH) {
        r->ok = false;
        return;
    }
    if (rel > 0 && qpdf_oh_is_indirect(q, v)) {
        int num = qpdf_oh_get_object_id(q, v);
        if (num <= 0 || qpdf_oh_get_generation(q, v) != 0) {
            r->ok = false;
            return;
        }
        struct es_pdf_walks *w = r->w;
        if (w->nrefs == w->caprefs) {
            size_t cap = w->caprefs == 0 ? 1024 : w->caprefs * 2;
            wref *n = cap < UINT32_MAX - 1 ? es_realloc(w->refs, cap * sizeof(*n)) : NULL;
            if (n == NULL) {
                r->ok = false;
                return;
            }
            w->refs = n;
            w->caprefs = cap;
        }
        w->refs[w->nrefs++] = (wref){num, key, skip, (uint8_t)rel, top};
        return;
    }
    if (qpdf_oh_is_array(q, v)) {
        int n = qpdf_oh_get_array_n_items(q, v);
        for (int i = 0; i < n && r->ok; i++) {
            record_value(r, q, qpdf_oh_get_array_item(q, v, i), rel + 1, key, skip, top);
        }
    } else if (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_stream(q, v)) {
        qpdf_oh dict = qpdf_oh_is_stream(q, v) ? qpdf_oh_get_dict(q, v) : v;
        char *keys[512];
        size_t n = dict_keys(q, dict, keys);
        if (n >= ES_PDF_MAX_DICT_KEYS) {
            r->ok = false; /* walk_value sets dep and view_bad for it: its own code does */
        }
        for (size_t i = 0; i < n && r->ok; i++) {
            uint8_t k = key, sk = skip, tp = top;
            if (rel == 0) {
                k = key_id(keys[i]);
                sk = (uint8_t)((listed(keys[i], page_skip) ? 1 : 0) | (listed(keys[i], annot_skip) ? 2 : 0));
                tp = 0;
                for (int j = 0; j < PK_N; j++) {
                    tp = strcmp(keys[i], pk_names[j]) == 0 ? (uint8_t)(j + 1) : tp;
                }
            }
            record_value(r, q, qpdf_oh_get_key(q, dict, keys[i]), rel + 1, k, sk, tp);
        }
        free_keys(keys, n);
    }
}

/* The record of object num (generation 0), made on first use; false when it has none. */
static bool record_of(diff *d, qpdf_data q, int num)
{
    struct es_pdf_walks *w = d->walks;
    if ((uint32_t)num >= w->n) {
        return false;
    }
    if (w->start[num] != 0) {
        return w->maxd[num] < MAX_DEPTH;
    }
    size_t first = w->nrefs;
    recorder r = {w, 0, true};
    counts.read1 += d->in_pass1 ? 1 : 0; /* the value read through qpdf, once for its record */
    qpdf_oh o = qpdf_get_object_by_id(q, num, 0);
    record_value(&r, q, o, 0, 0, 0, 0);
    w->pk[num] = 0;
    if (r.ok && qpdf_oh_is_dictionary(q, o)) {
        if (w->npks + PK_N > w->cappks) {
            size_t cap = w->cappks == 0 ? 64 * PK_N : w->cappks * 2;
            pkey *n = cap < UINT32_MAX - 1 ? es_realloc(w->pks, cap * sizeof(*n)) : NULL;
            r.ok = n != NULL;
            w->pks = n != NULL ? n : w->pks;
            w->cappks = n != NULL ? cap : w->cappks;
        }
        for (int j = 0; r.ok && j < PK_N; j++) {
            qpdf_oh v = qpdf_oh_get_key(q, o, pk_names[j]);
            pkey *k = &w->pks[w->npks + (size_t)j];
            k->kind = qpdf_oh_is_indirect(q, v) ? 1 : qpdf_oh_is_null(q, v) ? 0 : 2;
            k->num = k->kind == 1 ? qpdf_oh_get_object_id(q, v) : 0;
            k->gen = k->kind == 1 ? qpdf_oh_get_generation(q, v) : 0;
            k->r0 = 0;
            k->rn = 0;
        }
        /* A key's references were recorded one after the other (record_value ends a key before the next). */
        for (size_t x = first; r.ok && x < w->nrefs; x++) {
            uint8_t t = w->refs[x].top;
            if (t != 0) {
                pkey *k = &w->pks[w->npks + (size_t)t - 1];
                k->r0 = k->rn == 0 ? (uint32_t)(x - first) : k->r0;
                r.ok = k->r0 + k->rn == (uint32_t)(x - first);
                k->rn++;
            }
        }
        if (r.ok) {
            w->pk[num] = (uint32_t)w->npks + 1;
            w->npks += PK_N;
        }
    }
    if (!r.ok) {
        w->nrefs = first;
        w->start[num] = (uint32_t)first + 1;
        w->count[num] = 0;
        w->maxd[num] = UINT8_MAX; /* walked by walk_value's own code, every time */
        return false;
    }
    w->start[num] = (uint32_t)first + 1;
    w->count[num] = (uint32_t)(w->nrefs - first);
    w->maxd[num] = (uint8_t)r.maxd;
    return true;
}

static ES_RESULT walk_value(diff *d, qpdf_data q, qpdf_oh v, int depth, walker *w, uint8_t key);
static ES_RESULT walk_body(diff *d, qpdf_data q, qpdf_oh v, int num, int depth, walker *w, uint8_t key);

/*
 * A reference met at `depth` > 0 (h: its handle, or 0 when met in a record): the view's check, then
 * push it (no `follow`), or mark it as drawn content (*enter: its value is to be walked next).
 */
static ES_RESULT visit_ref(diff *d, qpdf_data q, qpdf_oh h, int num, int gen, walker *w, uint8_t key, bool *enter)
{
    *enter = false;
    if (d->in_signed) {
        /* The view leaves what later revisions added as they are: a reference of the signed revision
         * to one of them (past its /Size) resolved to null in a parse of its own; any generation but
         * 0 is another resolution to doubt. Either sends the judgement to a second parse. */
        if (gen != 0 || num <= 0 ||
            (num >= d->size && !qpdf_oh_is_null(q, h != 0 ? h : qpdf_get_object_by_id(q, num, gen)))) {
            d->view_bad = true;
        }
    }
    if (!w->follow) {
        if (w->dep != NULL && (num >= d->size || gen != 0 || replaced_later(d, num))) {
            set_bit(w->dep, w->parent);
        } else if (w->dep != NULL) {
            ES_GUARD(add_edge(d, w->parent, num));
        }
        return push(d, w->seen, w->limit, num, gen, w->ctx, w->parent, key);
    }
    ES_ENSURE(d->budget-- > 0, ESEAL_ELIMIT, "pdf: too many objects");
    if (num <= 0 || num >= d->size || bit(w->seen, num) || d->page_a[num] != 0) {
        return ES_OK; /* a page or /Pages node (a link's destination): the page tree, not drawn content */
    }
    set_bit(w->seen, num);
    set_bit(d->content, num);
    d->role[num] = ROLE_NONE; /* drawn by a page: judged as page content, never as form data */
    *enter = true;
    return ES_OK;
}

/* Object num's value walked from its record, at `depth` (records: above). */
static ES_RESULT replay(diff *d, qpdf_data q, int num, int depth, walker *w, uint8_t key)
{
    const struct es_pdf_walks *ws = d->walks;
    uint8_t skip = depth > 0 || w->skip == NULL ? 0 : w->skip == page_skip ? 1 : 2;
    uint32_t first = ws->start[num] - 1, n = ws->count[num];
    for (uint32_t i = 0; i < n; i++) {
        wref r = ws->refs[first + i]; /* a copy: a nested record_of may move refs */
        if ((r.skip & skip) != 0) {
            continue;
        }
        uint8_t k = depth == 0 ? r.key : key;
        bool enter = false;
        ES_GUARD(visit_ref(d, q, 0, r.num, 0, w, k, &enter));
        if (enter) {
            ES_GUARD(walk_body(d, q, 0, r.num, depth + r.rel, w, k));
        }
    }
    return ES_OK;
}

/*
 * The value of v (or, v 0, of object num generation 0) walked at `depth`: its children at depth + 1.
 * Pass 1 on a view walks an object from its record when it has one (replay).
 */
static ES_RESULT walk_body(diff *d, qpdf_data q, qpdf_oh v, int num, int depth, walker *w, uint8_t key)
{
    if (v != 0 && num == 0 && qpdf_oh_is_indirect(q, v)) {
        num = qpdf_oh_get_generation(q, v) == 0 ? qpdf_oh_get_object_id(q, v) : -1;
    }
    bool read = false; /* record_of read the value for its record just now */
    if (num > 0 && d->walks != NULL && q == d->walks->q &&
        (w->skip == NULL || w->skip == page_skip || w->skip == annot_skip)) {
        bool had = (uint32_t)num < d->walks->n && d->walks->start[num] != 0;
        bool ok = record_of(d, q, num);
        read = !had && (uint32_t)num < d->walks->n;
        if (ok && depth + d->walks->maxd[num] < MAX_DEPTH) {
            if (d->in_pass1) {
                counts.replayed += had ? 1 : 0;
            } else {
                counts.replayed4 += had ? 1 : 0;
            }
            return replay(d, q, num, depth, w, key);
        }
    }
    if (num != 0 && d->in_pass1 && !read) {
        counts.read1++;
    }
    if (v == 0) {
        v = qpdf_get_object_by_id(q, num, 0); /* met in a record: generation 0 */
    }
    if (qpdf_oh_is_array(q, v)) {
        int n = qpdf_oh_get_array_n_items(q, v);
        for (int i = 0; i < n; i++) {
            ES_GUARD(walk_value(d, q, qpdf_oh_get_array_item(q, v, i), depth + 1, w, key));
        }
    } else if (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_stream(q, v)) {
        qpdf_oh dict = qpdf_oh_is_stream(q, v) ? qpdf_oh_get_dict(q, v) : v;
        char *keys[512];
        size_t n = dict_keys(q, dict, keys);
        if (w->dep != NULL && n >= ES_PDF_MAX_DICT_KEYS) {
            set_bit(w->dep, w->parent); /* keys past the bound are not looked at: not known unchanged */
        }
        if (d->in_signed && n >= ES_PDF_MAX_DICT_KEYS) {
            d->view_bad = true; /* references past the bound are not seen by the check above */
        }
        es_result r = ES_OK;
        for (size_t i = 0; i < n && es_ok(r); i++) {
            if (depth > 0 || w->skip == NULL || !listed(keys[i], w->skip)) {
                r = walk_value(d, q, qpdf_oh_get_key(q, dict, keys[i]), depth + 1, w, depth == 0 ? key_id(keys[i]) : key);
            }
        }
        free_keys(keys, n);
        ES_GUARD(r);
    }
    return ES_OK;
}

static ES_RESULT walk_value(diff *d, qpdf_data q, qpdf_oh v, int depth, walker *w, uint8_t key)
{
    ES_ENSURE(depth < MAX_DEPTH, ESEAL_ELIMIT, "pdf: objects nest more than %d deep", MAX_DEPTH);
    if (depth > 0 && qpdf_oh_is_indirect(q, v)) {
        int num = qpdf_oh_get_object_id(q, v), gen = qpdf_oh_get_generation(q, v);
        bool enter = false;
        ES_GUARD(visit_ref(d, q, v, num, gen, w, key, &enter));
        return enter ? walk_body(d, q, v, gen == 0 ? num : -1, depth, w, key) : ES_OK;
    }
    return walk_body(d, q, v, 0, depth, w, key);
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
        if (!listed(keys[i], skip)) {
            qpdf_oh_replace_key(q, c, keys[i], qpdf_oh_get_key(q, o, keys[i]));
        }
    }
    free_keys(keys, n);
    return text_of(q, c);
}

static bool same_text(char *x, char *y)
{
    bool eq = x != NULL && y != NULL && strcmp(x, y) == 0;
    es_free(x);
    es_free(y);
    return eq;
}


/* Added: an object of the final file that the signed revision did not reach (new, or planted unreferenced). */
static bool added_num(const diff *d, int num) { return num >= d->size || !bit(d->seen, num); }

static int id_b(diff *d, qpdf_oh o) { return qpdf_oh_is_indirect(d->b, o) ? qpdf_oh_get_object_id(d->b, o) : 0; }

/* Claims added object `num` for `kind` (owner: the field it belongs to); false if it is explained otherwise. */
static bool claim(diff *d, int num, int kind, int owner)
{
    if (num <= 0 || num >= d->bsize) {
        return true; /* a direct value: part of its holder */
    }
    if (d->claim[num] == X_NONE) {
        d->claim[num] = (uint8_t)kind;
        d->claim_owner[num] = owner;
        return true;
    }
    return d->claim[num] == kind && (d->claim_owner[num] == owner || kind == X_FILL || kind == X_COMMENT ||
                                     kind == X_DSS || kind == X_FORM);
}

static const char *name_or(qpdf_data q, qpdf_oh o, const char *dflt)
{
    return qpdf_oh_is_name(q, o) ? qpdf_oh_get_name(q, o) : dflt;
}

/* ---- pass 1: the signed revision's form and what its pages draw ----------------------------- */

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
        if (num > 0 && num < d->size && d->role[num] == ROLE_NONE && !bit(d->content, num)) {
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
            }
            free_keys(keys, n);
        }
    }
}

/* Walks /Fields and /Kids of the signed revision: non-signature fields, their widgets and appearances. */
static ES_RESULT map_fields(diff *d, qpdf_oh arr, const char *parent, bool parent_sig, int depth)
{
    ES_ENSURE(depth < ES_PDF_MAX_FIELD_DEPTH, ESEAL_ELIMIT, "pdf: form fields nest more than %d deep",
              ES_PDF_MAX_FIELD_DEPTH);
    int k = qpdf_oh_is_array(d->a, arr) ? qpdf_oh_get_array_n_items(d->a, arr) : 0;
    for (int i = 0; i < k && i < MAX_ITEMS; i++) {
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
        for (int j = 0; j < nk && j < MAX_ITEMS; j++) {
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

/*
 * What the pages of the signed revision draw: the page dictionary (not its /Annots, /Parent or
 * beads), the attributes it inherits from its /Pages ancestors (ISO 32000-1 §7.7.3.4, Table 30:
 * /Resources, /MediaBox, /CropBox, /Rotate; not the other keys), and its annotations that are
 * not form fields (their appearances are drawn as they are; only a field's may be refilled).
 */
/* The signed revision's pages: qpdf's list, or the view's (the shared parse's list is the final file's). */
static int a_npages(diff *d) { return d->view != NULL ? (int)es_pdf_view_npages(d->view) : qpdf_get_num_pages(d->a); }

static qpdf_oh a_page(diff *d, int i)
{
    return d->view != NULL ? qpdf_get_object_by_id(d->a, es_pdf_view_page(d->view, (size_t)i), 0)
                           : qpdf_get_page_n(d->a, (size_t)i);
}

/*
 * A page whose record (h-pass1) holds no reference under /Annots: whatever its /Annots is (none,
 * null, a reference hidden because it resolves to null, direct items without references), the
 * loop over its annotations below walks nothing and gives no role, so it is not read.
 */
static bool no_annots(diff *d, qpdf_oh pg)
{
    if (d->walks == NULL || !d->in_signed || !qpdf_oh_is_indirect(d->a, pg) || qpdf_oh_get_generation(d->a, pg) != 0) {
        return false;
    }
    int num = qpdf_oh_get_object_id(d->a, pg);
    if (num <= 0 || !record_of(d, d->a, num)) {
        return false;
    }
    const struct es_pdf_walks *w = d->walks;
    for (uint32_t i = 0; i < w->count[num]; i++) {
        if (w->refs[w->start[num] - 1 + i].key == 1) {
            return false; /* via_keys[1]: /Annots */
        }
    }
    return true;
}

/* Pass 1's records are on for side a (a view entered, records kept for the shared parse). */
static bool walks_on(const diff *d) { return d->walks != NULL && d->in_signed && d->walks->q == d->a; }

/*
 * The PK_N keys of object num's record (a copy): false when it has no record, or *dict false when
 * it is no dictionary (then it has no keys: qpdf_oh_is_dictionary is false for it).
 */
static bool keys_of_record(diff *d, int num, pkey out[PK_N], bool *dict)
{
    if (num <= 0 || !record_of(d, d->a, num)) {
        return false;
    }
    uint32_t at = d->walks->pk[num];
    *dict = at != 0;
    for (int j = 0; j < PK_N; j++) {
        out[j] = at != 0 ? d->walks->pks[at - 1 + (size_t)j] : (pkey){0, 0, 0, 0, 0};
    }
    return true;
}

/*
 * map_pages' first loop for page pn from the records: its /Pages ancestors marked -1, as the loop
 * does through qpdf. False (nothing changed) where a record does not say what qpdf would: then the
 * loop asks qpdf.
 */
static bool ancestors_from_records(diff *d, int pn)
{
    pkey k[PK_N];
    bool dict = false;
    if (!walks_on(d) || !keys_of_record(d, pn, k, &dict) || !dict) {
        return false;
    }
    int undo[ES_PDF_MAX_INHERIT_DEPTH];
    int nu = 0;
    pkey node = k[PK_PARENT];
    for (int depth = 0; depth < ES_PDF_MAX_INHERIT_DEPTH && node.kind == 1; depth++) {
        int nn = node.num;
        if (nn <= 0 || nn >= d->size || d->page_a[nn] != 0) {
            break;
        }
        d->page_a[nn] = -1;
        undo[nu++] = nn;
        /* qpdf_oh_get_key on it next: a dictionary of generation 0 recorded, or qpdf is asked */
        if (node.gen != 0 || !keys_of_record(d, nn, k, &dict) || !dict) {
            for (int u = 0; u < nu; u++) {
                d->page_a[undo[u]] = 0;
            }
            return false;
        }
        node = k[PK_PARENT];
    }
    return true;
}

/*
 * map_pages' walk of what page pn inherits, from the records: its ancestors while they are
 * dictionaries, and for each /Resources, /MediaBox, /CropBox, /Rotate a reference walked as the
 * holder array walks it (at depth 1), a direct value as walk_value walks it (its references at
 * their depth inside it). *done false (nothing walked) where a record does not say what qpdf would.
 */
static ES_RESULT inherited_from_records(diff *d, int pn, walker *w, bool *done)
{
    *done = false;
    pkey k[PK_N];
    bool dict = false;
    if (!walks_on(d) || !keys_of_record(d, pn, k, &dict) || !dict) {
        return ES_OK;
    }
    int nodes[ES_PDF_MAX_INHERIT_DEPTH];
    int nn = 0;
    pkey node = k[PK_PARENT];
    for (int depth = 0; depth < ES_PDF_MAX_INHERIT_DEPTH; depth++) {
        if (node.kind == 0) {
            break; /* null: not a dictionary */
        }
        if (node.kind == 2 || node.gen != 0 || !keys_of_record(d, node.num, k, &dict)) {
            return ES_OK; /* a direct /Parent, another generation, or no record: asked of qpdf */
        }
        if (!dict) {
            break;
        }
        for (int j = PK_RESOURCES; j <= PK_ROTATE; j++) {
            if (k[j].kind == 1 && k[j].gen != 0) {
                return ES_OK;
            }
        }
        nodes[nn++] = node.num;
        node = k[PK_PARENT];
    }
    *done = true;
    w->skip = NULL;
    for (int i = 0; i < nn; i++) {
        /* recorded in the plan above; a walk in between adds records, it drops none */
        ES_ENSURE(keys_of_record(d, nodes[i], k, &dict), ESEAL_ESTATE, "pdf: a record went missing");
        for (int j = PK_RESOURCES; j <= PK_ROTATE; j++) {
            bool enter = false;
            if (k[j].kind == 1) {
                ES_GUARD(visit_ref(d, d->a, 0, k[j].num, 0, w, 0, &enter));
                if (enter) {
                    ES_GUARD(walk_body(d, d->a, 0, k[j].num, 1, w, 0));
                }
            } else if (k[j].kind == 2) {
                uint32_t first = d->walks->start[nodes[i]] - 1 + k[j].r0;
                for (uint32_t x = 0; x < k[j].rn; x++) {
                    wref r = d->walks->refs[first + x]; /* a copy: walking may add records */
                    ES_GUARD(visit_ref(d, d->a, 0, r.num, 0, w, 0, &enter));
                    if (enter) {
                        ES_GUARD(walk_body(d, d->a, 0, r.num, r.rel - 1, w, 0));
                    }
                }
            }
        }
    }
    return ES_OK;
}

static ES_RESULT map_pages(diff *d)
{
    int np = a_npages(d);
    static const char *const inherited[] = {"/Resources", "/MediaBox", "/CropBox", "/Rotate"};
    walker w = {true, es_calloc((size_t)d->size / 8 + 1, 1), d->size, 0, 0, page_skip, NULL};
    ES_ENSURE_ALLOC(w.seen);
    d->budget = d->max_objects;
    /* The page tree first (pages by number, their /Pages ancestors as -1): what a walk of drawn
     * content must not enter (a link's /Dest names a page; it does not draw it). */
    for (int i = 0; i < np; i++) {
        qpdf_oh pg = a_page(d, i);
        int pn = qpdf_oh_get_object_id(d->a, pg);
        if (pn > 0 && pn < d->size) {
            d->page_a[pn] = i + 1;
        }
        if (qpdf_oh_get_generation(d->a, pg) == 0 && ancestors_from_records(d, pn)) {
            qpdf_oh_release_all(d->a);
            continue;
        }
        qpdf_oh node = qpdf_oh_get_key(d->a, pg, "/Parent");
        for (int depth = 0; depth < ES_PDF_MAX_INHERIT_DEPTH && qpdf_oh_is_indirect(d->a, node); depth++) {
            int nn = qpdf_oh_get_object_id(d->a, node);
            if (nn <= 0 || nn >= d->size || d->page_a[nn] != 0) {
                break;
            }
            d->page_a[nn] = -1;
            node = qpdf_oh_get_key(d->a, node, "/Parent");
        }
        qpdf_oh_release_all(d->a);
    }
    es_result r = ES_OK;
    for (int i = 0; i < np && es_ok(r); i++) {
        qpdf_oh pg = a_page(d, i);
        qpdf_oh annots = no_annots(d, pg) ? qpdf_oh_new_null(d->a) : qpdf_oh_get_key(d->a, pg, "/Annots");
        w.skip = page_skip;
        r = walk_value(d, d->a, pg, 0, &w, 0);
        /* The /Pages ancestors: only what a page inherits from them is drawn. */
        bool done = false;
        if (es_ok(r) && qpdf_oh_get_generation(d->a, pg) == 0) {
            r = inherited_from_records(d, qpdf_oh_get_object_id(d->a, pg), &w, &done);
        }
        qpdf_oh node = done ? qpdf_oh_new_null(d->a) : qpdf_oh_get_key(d->a, pg, "/Parent");
        for (int depth = 0; depth < ES_PDF_MAX_INHERIT_DEPTH && es_ok(r) && qpdf_oh_is_dictionary(d->a, node); depth++) {
            for (size_t k = 0; k < sizeof(inherited) / sizeof(inherited[0]) && es_ok(r); k++) {
                qpdf_oh v = qpdf_oh_get_key(d->a, node, inherited[k]);
                if (qpdf_oh_is_indirect(d->a, v)) {
                    qpdf_oh arr = qpdf_oh_new_array(d->a); /* a holder, so that the walk marks v itself */
                    qpdf_oh_append_item(d->a, arr, v);
                    w.skip = NULL;
                    r = walk_value(d, d->a, arr, 0, &w, 0);
                } else if (!qpdf_oh_is_null(d->a, v)) {
                    w.skip = NULL;
                    r = walk_value(d, d->a, v, 0, &w, 0);
                }
            }
            node = qpdf_oh_get_key(d->a, node, "/Parent");
        }
        int na = qpdf_oh_is_array(d->a, annots) ? qpdf_oh_get_array_n_items(d->a, annots) : 0;
        for (int k = 0; k < na && k < MAX_ITEMS && es_ok(r); k++) {
            qpdf_oh an = qpdf_oh_get_array_item(d->a, annots, k);
            int num = qpdf_oh_is_indirect(d->a, an) ? qpdf_oh_get_object_id(d->a, an) : 0;
            bool form = num > 0 && num < d->size && (d->role[num] == ROLE_FIELD || d->role[num] == ROLE_WIDGET);
            bool sigw = qpdf_oh_is_name_and_equals(d->a, qpdf_oh_get_key(d->a, an, "/Subtype"), "/Widget");
            if (!form && !sigw) {
                w.skip = annot_skip; /* a comment, link, stamp...: its appearance is drawn as it is */
                r = walk_value(d, d->a, an, 0, &w, 0);
            }
        }
        if (es_ok(r) && qpdf_oh_is_indirect(d->a, annots) && qpdf_oh_is_array(d->a, annots)) {
            set_role(d, annots, ROLE_ANNOTS, 0);
        }
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


/* ---- pass 2: the final document's new signature fields -------------------------------------- */

#define VIA_FIELDS "the catalog /AcroForm /Fields"

/* Keys a new signature field may have (ISO 32000-1 tables 220, 232); a merged widget also those below. */
static const char *const sig_field_keys[] = {"/FT", "/T", "/V", "/Kids", "/Ff", "/Lock", "/SV", "/TU", "/TM", NULL};
/* Keys of a signature widget (tables 164, 188): no /A, /AA, /JS, /Popup, nothing that acts or covers. */
static const char *const sig_widget_keys[] = {"/Type", "/Subtype", "/AP", "/Rect", "/P", "/F", "/MK", "/DA",
                                              "/Border", "/BS", "/StructParent", "/StructParents", "/NM", "/M",
                                              NULL};
static const char *const action_keys[] = {"/A", "/AA", "/JS", "/Popup", NULL};

/* Claims the added objects inside a value for one new signature (`owner`: its field). */
typedef struct {
    diff *d;
    int owner, kind;
    bool allow_old;   /* objects of the signed revision may be referenced (a signature dictionary's /Data) */
    const char *what; /* "its appearance", for the reason */
    bool ok;
} claimer;

static ES_RESULT claim_value(claimer *c, qpdf_oh v, int depth)
{
    diff *d = c->d;
    ES_ENSURE(depth < MAX_DEPTH, ESEAL_ELIMIT, "pdf: objects nest more than %d deep", MAX_DEPTH);
    if (qpdf_oh_is_indirect(d->b, v)) {
        int num = qpdf_oh_get_object_id(d->b, v);
        ES_ENSURE(d->budget-- > 0, ESEAL_ELIMIT, "pdf: too many objects");
        if (num <= 0 || num >= d->bsize) {
            return ES_OK;
        }
        if (!added_num(d, num)) {
            if (!c->allow_old && c->ok) {
                c->ok = false;
                return fail(d, c->owner, true, VIA_FIELDS, "%s draws object %d of the signed document", c->what, num);
            }
            return ES_OK;
        }
        if (d->claim[num] == c->kind && d->claim_owner[num] == c->owner) {
            return ES_OK; /* already claimed by this walk */
        }
        if (!claim(d, num, c->kind, c->owner)) {
            if (c->ok) {
                c->ok = false;
                return fail(d, c->owner, true, VIA_FIELDS, "%s uses object %d, which another change uses too", c->what,
                            num);
            }
            return ES_OK;
        }
    }
    if (qpdf_oh_is_array(d->b, v)) {
        int n = qpdf_oh_get_array_n_items(d->b, v);
        for (int i = 0; i < n; i++) {
            ES_GUARD(claim_value(c, qpdf_oh_get_array_item(d->b, v, i), depth + 1));
        }
    } else if (qpdf_oh_is_dictionary(d->b, v) || qpdf_oh_is_stream(d->b, v)) {
        qpdf_oh dict = qpdf_oh_is_stream(d->b, v) ? qpdf_oh_get_dict(d->b, v) : v;
        char *keys[512];
        size_t n = dict_keys(d->b, dict, keys);
        es_result r = ES_OK;
        for (size_t i = 0; i < n && es_ok(r); i++) {
            r = claim_value(c, qpdf_oh_get_key(d->b, dict, keys[i]), depth + 1);
        }
        free_keys(keys, n);
        ES_GUARD(r);
    }
    return ES_OK;
}

/* The first key of `o` not in `a` or `b` (NULL-terminated lists, `b` may be NULL), copied into `out`. */
static bool stray_key(qpdf_data q, qpdf_oh o, const char *const *a, const char *const *b, const char *const *c,
                      char *out, size_t cap)
{
    char *keys[512];
    size_t n = dict_keys(q, o, keys);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        if (!listed(keys[i], a) && (b == NULL || !listed(keys[i], b)) && (c == NULL || !listed(keys[i], c))) {
            (void)snprintf(out, cap, "%s", keys[i]);
            found = true;
        }
    }
    free_keys(keys, n);
    return found;
}

/* A widget of new signature field `fnum`: its /P, its appearance and /MK (new objects), whether it draws. */
static ES_RESULT judge_sig_widget(diff *d, qpdf_oh w, int fnum, bool *ok, bool *visible)
{
    qpdf_oh p = qpdf_oh_get_key(d->b, w, "/P");
    int pn = id_b(d, p);
    if (!qpdf_oh_is_null(d->b, p) && (pn <= 0 || pn >= d->bsize || d->page_b[pn] == 0)) {
        *ok = false;
        return fail(d, fnum, true, VIA_FIELDS, "a signature widget whose /P is not a page of the document");
    }
    static const struct {
        const char *key, *what;
        int kind;
    } parts[] = {{"/AP", "its appearance", X_SIGAP}, {"/MK", "its /MK", X_SIGAP}, {"/Rect", "its /Rect", X_SIGMETA},
                 {"/BS", "its /BS", X_SIGMETA},      {"/Border", "its /Border", X_SIGMETA}};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && *ok; i++) {
        claimer c = {d, fnum, parts[i].kind, false, parts[i].what, true};
        ES_GUARD(claim_value(&c, qpdf_oh_get_key(d->b, w, parts[i].key), 0));
        *ok = c.ok;
    }
    /* Invisible: a zero-area /Rect, or nothing to draw (no appearance and no /MK background). */
    double r[4] = {0, 0, 0, 0};
    qpdf_oh rect = qpdf_oh_get_key(d->b, w, "/Rect");
    bool zero = false;
    if (qpdf_oh_is_array(d->b, rect) && qpdf_oh_get_array_n_items(d->b, rect) == 4) {
        bool nums = true;
        for (int i = 0; i < 4; i++) {
            qpdf_oh x = qpdf_oh_get_array_item(d->b, rect, i);
            nums = nums && qpdf_oh_is_number(d->b, x);
            r[i] = nums ? qpdf_oh_get_numeric_value(d->b, x) : 0;
        }
        zero = nums && (fabs(r[2] - r[0]) == 0 || fabs(r[3] - r[1]) == 0);
    }
    bool draws = qpdf_oh_has_key(d->b, w, "/AP") ||
                 qpdf_oh_has_key(d->b, qpdf_oh_get_key(d->b, w, "/MK"), "/BG");
    *visible = *visible || (!zero && draws);
    return ES_OK;
}

/* The signature dictionary of new field `fnum`: new, its own, signing a revision after this one. */
static ES_RESULT judge_sig_dict(diff *d, qpdf_oh v, int fnum, bool *ok, bool *dts)
{
    int vn = id_b(d, v);
    *ok = false;
    if (vn == 0 || !qpdf_oh_is_dictionary(d->b, v) || qpdf_oh_is_stream(d->b, v)) {
        return fail(d, fnum, true, VIA_FIELDS, "a signature field whose /V is not an indirect signature dictionary");
    }
    if (!added_num(d, vn)) {
        return fail(d, fnum, true, VIA_FIELDS,
                    "a signature field showing the signature of another field again (its /V is object %d of the "
                    "signed document): one act of signing shown as two",
                    vn);
    }
    if (d->claim[vn] == X_SIGDICT && d->claim_owner[vn] != fnum) {
        return fail(d, fnum, true, VIA_FIELDS,
                    "a signature field whose /V is the signature dictionary of object %d too: one act of signing "
                    "shown as two",
                    d->claim_owner[vn]);
    }
    qpdf_oh type = qpdf_oh_get_key(d->b, v, "/Type");
    const char *tn = name_or(d->b, type, "/Sig");
    qpdf_oh br = qpdf_oh_get_key(d->b, v, "/ByteRange");
    if ((strcmp(tn, "/Sig") != 0 && strcmp(tn, "/DocTimeStamp") != 0) || !qpdf_oh_is_array(d->b, br) ||
        qpdf_oh_get_array_n_items(d->b, br) != 4 || !qpdf_oh_is_string(d->b, qpdf_oh_get_key(d->b, v, "/Contents"))) {
        return fail(d, fnum, true, VIA_FIELDS,
                    "a signature field whose /V is not a signature dictionary (/Type /Sig or /DocTimeStamp with "
                    "/ByteRange and /Contents)");
    }
    long long b[4];
    for (int i = 0; i < 4; i++) {
        qpdf_oh x = qpdf_oh_get_array_item(d->b, br, i);
        b[i] = qpdf_oh_is_integer(d->b, x) ? qpdf_oh_get_int_value(d->b, x) : -1;
    }
    if (b[2] < 0 || b[3] < 0 || (unsigned long long)(b[2] + b[3]) <= d->signed_end) {
        return fail(d, fnum, true, VIA_FIELDS,
                    "a signature field whose signature signs the bytes up to %lld only, not a revision after this "
                    "signature: a copy of an earlier signature",
                    b[2] >= 0 && b[3] >= 0 ? b[2] + b[3] : -1);
    }
    *dts = strcmp(tn, "/DocTimeStamp") == 0 ||
           qpdf_oh_is_name_and_equals(d->b, qpdf_oh_get_key(d->b, v, "/SubFilter"), "/ETSI.RFC3161");
    if (d->p == 1 && !*dts) {
        return fail(d, fnum, true, VIA_FIELDS,
                    "a new signature, which DocMDP P=1 does not allow (only validation data and document timestamps)");
    }
    claimer c = {d, fnum, X_SIGDICT, true, "its signature dictionary", true};
    ES_GUARD(claim_value(&c, v, 0));
    *ok = c.ok;
    return ES_OK;
}

/* One added item of the final /AcroForm /Fields: a new signature field, or unexplained. */
static ES_RESULT judge_new_field(diff *d, qpdf_oh f, int fnum)
{
    if (!qpdf_oh_is_dictionary(d->b, f)) {
        return fail(d, fnum, true, VIA_FIELDS, "a form field that is not a dictionary");
    }
    const char *sub = name_or(d->b, qpdf_oh_get_key(d->b, f, "/Subtype"), NULL);
    qpdf_oh ft = qpdf_oh_get_key(d->b, f, "/FT");
    if (!qpdf_oh_is_name_and_equals(d->b, ft, "/Sig")) {
        return fail(d, fnum, true, VIA_FIELDS, "a new form field that is not a signature field (/FT %s)",
                    name_or(d->b, ft, "missing"));
    }
    if (sub != NULL && strcmp(sub, "/Widget") != 0) {
        return fail(d, fnum, true, VIA_FIELDS, "a %s annotation posing as a signature field", sub + 1);
    }
    bool kids = qpdf_oh_has_key(d->b, f, "/Kids");
    char k[128];
    if (stray_key(d->b, f, sig_field_keys, kids ? NULL : sig_widget_keys, NULL, k, sizeof(k))) {
        return fail(d, fnum, true, VIA_FIELDS, "a signature field with %s%s", k,
                    listed(k, action_keys) ? " (an action or a popup, which a signature never needs)"
                                           : ", which a signature field does not have");
    }
    qpdf_oh v = qpdf_oh_get_key(d->b, f, "/V");
    bool is_signed = !qpdf_oh_is_null(d->b, v), ok = true, visible = false, dts = false;
    if (is_signed) {
        ES_GUARD(judge_sig_dict(d, v, fnum, &ok, &dts));
    }
    static const char *const meta[][2] = {{"/Lock", "its lock"}, {"/SV", "its seed value"}};
    for (size_t i = 0; i < 2 && ok; i++) {
        claimer c = {d, fnum, X_SIGMETA, false, meta[i][1], true};
        ES_GUARD(claim_value(&c, qpdf_oh_get_key(d->b, f, meta[i][0]), 0));
        ok = c.ok;
    }
    int vn = id_b(d, v);
    if (ok && !kids) {
        ES_GUARD(judge_sig_widget(d, f, fnum, &ok, &visible));
    }
    qpdf_oh karr = qpdf_oh_get_key(d->b, f, "/Kids");
    int nk = kids && qpdf_oh_is_array(d->b, karr) ? qpdf_oh_get_array_n_items(d->b, karr) : 0;
    if (ok && kids) {
        int an = id_b(d, karr);
        if (!qpdf_oh_is_array(d->b, karr) || (an != 0 && (!added_num(d, an) || !claim(d, an, X_FORM, fnum)))) {
            ok = false;
            ES_GUARD(fail(d, fnum, true, VIA_FIELDS, "a signature field whose /Kids is not a new array"));
        }
    }
    for (int i = 0; ok && i < nk && i < MAX_ITEMS; i++) {
        qpdf_oh w = qpdf_oh_get_array_item(d->b, karr, i);
        int wn = id_b(d, w);
        const char *ws = name_or(d->b, qpdf_oh_get_key(d->b, w, "/Subtype"), "/none");
        ok = false;
        if (wn == 0 || !added_num(d, wn) || !qpdf_oh_is_dictionary(d->b, w)) {
            ES_GUARD(fail(d, fnum, true, VIA_FIELDS, "a signature field whose widget %d is not a new annotation", wn));
        } else if (strcmp(ws, "/Widget") != 0) {
            ES_GUARD(fail(d, wn, true, VIA_FIELDS, "a %s annotation posing as a signature widget", ws + 1));
        } else if (qpdf_oh_has_key(d->b, w, "/T") || id_b(d, qpdf_oh_get_key(d->b, w, "/Parent")) != fnum) {
            ES_GUARD(fail(d, wn, true, VIA_FIELDS, "a widget that is not a plain widget of its signature field"));
        } else if (qpdf_oh_has_key(d->b, w, "/V") && id_b(d, qpdf_oh_get_key(d->b, w, "/V")) != vn) {
            ES_GUARD(fail(d, wn, true, VIA_FIELDS, "a signature widget whose /V is not its field's"));
        } else {
            static const char *const kid_keys[] = {"/Parent", "/V", NULL};
            if (stray_key(d->b, w, sig_widget_keys, kid_keys, NULL, k, sizeof(k))) {
                ES_GUARD(fail(d, wn, true, VIA_FIELDS, "a signature widget with %s%s", k,
                              listed(k, action_keys) ? " (an action or a popup, which a signature never needs)"
                                                     : ", which a signature widget does not have"));
            } else if (!claim(d, wn, X_SIGWIDGET, fnum)) {
                ES_GUARD(fail(d, wn, true, VIA_FIELDS, "a signature widget that another change uses too"));
            } else {
                ok = true;
                ES_GUARD(judge_sig_widget(d, w, fnum, &ok, &visible));
            }
        }
    }
    if (!ok) {
        return ES_OK;
    }
    if (!is_signed && d->p < 2) {
        return fail(d, fnum, true, VIA_FIELDS, "an unsigned signature field, which DocMDP P=1 does not allow");
    }
    if (!is_signed && visible) {
        return fail(d, fnum, true, VIA_FIELDS,
                    "an unsigned signature field that draws on the page: nothing was signed, yet it shows");
    }
    if (!claim(d, fnum, X_SIGFIELD, fnum)) {
        return fail(d, fnum, true, VIA_FIELDS, "a signature field that another change uses too");
    }
    int g = qpdf_oh_get_generation(d->b, f);
    if (!is_signed) {
        d->nunsigned++;
        return change(d, "signature", fnum, g, "an unsigned signature field added (invisible, allowed: nothing signed)");
    }
    if (dts) {
        d->ndts++;
        return change(d, "document_timestamp", fnum, g, "a document timestamp added (allowed)");
    }
    d->nsigs++;
    return change(d, "signature", fnum, g, "a signature added (allowed)");
}

/* Every item of the final /AcroForm /Fields that the signed revision did not reach is judged once. */
static ES_RESULT judge_new_fields(diff *d)
{
    qpdf_oh fields = qpdf_oh_get_key(d->b, qpdf_oh_get_key(d->b, qpdf_get_root(d->b), "/AcroForm"), "/Fields");
    int n = qpdf_oh_is_array(d->b, fields) ? qpdf_oh_get_array_n_items(d->b, fields) : 0;
    d->budget = d->max_objects;
    for (int i = 0; i < n && i < MAX_ITEMS; i++) {
        qpdf_oh f = qpdf_oh_get_array_item(d->b, fields, i);
        int fn = id_b(d, f);
        if (fn == 0) {
            ES_GUARD(fail(d, 0, true, VIA_FIELDS, "a form field written as a direct object"));
        } else if (fn < d->bsize && added_num(d, fn) && d->claim[fn] == X_NONE && !bit(d->failed, fn)) {
            ES_GUARD(judge_new_field(d, f, fn));
        }
    }
    qpdf_oh_release_all(d->b);
    return ES_OK;
}

/* ---- the document security store (ETSI EN 319 142-1 §5.4.2), judged where the catalog uses it ---- */

/* An array of validation data: streams of DER and nothing else. */
static bool dss_streams(diff *d, qpdf_oh arr, char *why, size_t cap)
{
    static const char *const stream_keys[] = {"/Length", "/Filter", "/DecodeParms", "/Type", "/DL", NULL};
    int an = id_b(d, arr);
    if (!qpdf_oh_is_array(d->b, arr) || (an != 0 && added_num(d, an) && !claim(d, an, X_DSS, 0))) {
        (void)snprintf(why, cap, "a /DSS entry that is not an array of streams");
        return false;
    }
    int n = qpdf_oh_get_array_n_items(d->b, arr);
    for (int i = 0; i < n && i < MAX_ITEMS; i++) {
        qpdf_oh s = qpdf_oh_get_array_item(d->b, arr, i);
        int sn = id_b(d, s);
        char k[128];
        if (sn == 0 || !qpdf_oh_is_stream(d->b, s)) {
            (void)snprintf(why, cap, "a /DSS array holds something other than a stream (object %d)", sn);
            return false;
        }
        if (stray_key(d->b, qpdf_oh_get_dict(d->b, s), stream_keys, NULL, NULL, k, sizeof(k))) {
            (void)snprintf(why, cap, "a /DSS stream (object %d) with %s, which validation data does not have", sn, k);
            return false;
        }
        if (added_num(d, sn) && !claim(d, sn, X_DSS, 0)) {
            (void)snprintf(why, cap, "a /DSS stream (object %d) that another change uses too", sn);
            return false;
        }
    }
    return true;
}

/* A dictionary of the DSS, new (claimed) or the signed revision's (then compared where it is walked). */
static bool dss_dict(diff *d, qpdf_oh o, const char *const *keys, const char *what, char *why, size_t cap)
{
    int n = id_b(d, o);
    char k[128];
    if (!qpdf_oh_is_dictionary(d->b, o) || qpdf_oh_is_stream(d->b, o)) {
        (void)snprintf(why, cap, "%s is not a dictionary", what);
        return false;
    }
    if (n != 0 && n < d->size && bit(d->content, n)) {
        (void)snprintf(why, cap, "%s is object %d, which a page draws (judged as page content)", what, n);
        return false;
    }
    if (n != 0 && added_num(d, n) && !claim(d, n, X_DSS, 0)) {
        (void)snprintf(why, cap, "%s is object %d, which another change uses too", what, n);
        return false;
    }
    if (stray_key(d->b, o, keys, NULL, NULL, k, sizeof(k))) {
        (void)snprintf(why, cap, "%s holds %s, which validation data does not have", what, k);
        return false;
    }
    return true;
}

/* /VRI: any keys (hashes of signatures), each a dictionary of /Cert /CRL /OCSP /TU /TS /Type. */
static bool vri_ok(diff *d, qpdf_oh vri, char *why, size_t cap)
{
    static const char *const vri_keys[] = {"/Type", "/Cert", "/CRL", "/OCSP", "/TU", "/TS", NULL};
    int vn = id_b(d, vri);
    if (!qpdf_oh_is_dictionary(d->b, vri) || qpdf_oh_is_stream(d->b, vri) ||
        (vn != 0 && added_num(d, vn) && !claim(d, vn, X_DSS, 0))) {
        (void)snprintf(why, cap, "the /DSS /VRI is not a dictionary of its own");
        return false;
    }
    char *keys[512];
    size_t n = dict_keys(d->b, vri, keys);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        qpdf_oh e = qpdf_oh_get_key(d->b, vri, keys[i]);
        ok = dss_dict(d, e, vri_keys, "a /VRI entry", why, cap);
        static const char *const varr[] = {"/Cert", "/CRL", "/OCSP"};
        for (size_t j = 0; j < 3 && ok; j++) {
            ok = !qpdf_oh_has_key(d->b, e, varr[j]) || dss_streams(d, qpdf_oh_get_key(d->b, e, varr[j]), why, cap);
        }
        if (ok && qpdf_oh_has_key(d->b, e, "/TS")) {
            qpdf_oh holder = qpdf_oh_new_array(d->b);
            qpdf_oh_append_item(d->b, holder, qpdf_oh_get_key(d->b, e, "/TS"));
            ok = dss_streams(d, holder, why, cap);
        }
    }
    free_keys(keys, n);
    return ok;
}

/* The catalog's /DSS: /Type /Certs /CRLs /OCSPs /VRI and eseal's /ESealRegistryAnswers (streams of registry
 * answers, docs/trust-lists.md) only; /VRI a dictionary of /Cert /CRL /OCSP /TU /TS /Type. */
static bool dss_ok(diff *d, qpdf_oh dss, char *why, size_t cap)
{
    static const char *const dss_keys[] = {"/Type", "/Certs", "/CRLs", "/OCSPs", "/VRI", "/ESealRegistryAnswers",
                                           NULL};
    if (!dss_dict(d, dss, dss_keys, "the /DSS", why, cap)) {
        return false;
    }
    if (qpdf_oh_has_key(d->b, dss, "/Type") &&
        !qpdf_oh_is_name_and_equals(d->b, qpdf_oh_get_key(d->b, dss, "/Type"), "/DSS")) {
        (void)snprintf(why, cap, "the /DSS has a /Type other than /DSS");
        return false;
    }
    static const char *const arrays[] = {"/Certs", "/CRLs", "/OCSPs", "/ESealRegistryAnswers"};
    for (size_t i = 0; i < 4; i++) {
        if (qpdf_oh_has_key(d->b, dss, arrays[i]) && !dss_streams(d, qpdf_oh_get_key(d->b, dss, arrays[i]), why, cap)) {
            return false;
        }
    }
    return !qpdf_oh_has_key(d->b, dss, "/VRI") || vri_ok(d, qpdf_oh_get_key(d->b, dss, "/VRI"), why, cap);
}

/* ---- pass 3: each object of the signed revision against the final file ---------------------- */

static const char *const comment_types[] = {"/Text", "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Popup",
                                            NULL};

/* A comment annotation added under P = 3 (no action, not a field): allowed, or (own appearance) undecided. */
static bool new_comment(diff *d, qpdf_oh y, int yn)
{
    const char *st = name_or(d->b, qpdf_oh_get_key(d->b, y, "/Subtype"), "");
    if (d->p != 3 || !listed(st, comment_types) || qpdf_oh_has_key(d->b, y, "/A") ||
        qpdf_oh_has_key(d->b, y, "/AA") || qpdf_oh_has_key(d->b, y, "/FT") || !claim(d, yn, X_COMMENT, yn)) {
        return false;
    }
    bool ap = qpdf_oh_has_key(d->b, y, "/AP");
    if (ap) {
        d->nannots_ap++;
    } else {
        d->nannots++;
    }
    es_result r = change(d, "annotation", yn, qpdf_oh_get_generation(d->b, y), "a %s comment annotation added%s",
                         st + 1, ap ? " with its own appearance (may cover signed content)" : " (allowed by DocMDP P=3)");
    (void)r; /* the list is what the report shows; a failure to list only shortens it */
    return true;
}

/* Why an added annotation is not allowed (it was neither a claimed signature widget nor a comment). */
static void why_annot(diff *d, qpdf_oh y, char *why, size_t cap)
{
    const char *st = name_or(d->b, qpdf_oh_get_key(d->b, y, "/Subtype"), "/(no subtype)") + 1;
    qpdf_oh ft = qpdf_oh_get_key(d->b, y, "/FT");
    if (qpdf_oh_is_null(d->b, ft)) {
        ft = qpdf_oh_get_key(d->b, qpdf_oh_get_key(d->b, y, "/Parent"), "/FT");
    }
    const char *act = qpdf_oh_has_key(d->b, y, "/A") || qpdf_oh_has_key(d->b, y, "/AA") ? " with an action" : "";
    if (qpdf_oh_is_name_and_equals(d->b, ft, "/Sig") && strcmp(st, "Widget") != 0) {
        (void)snprintf(why, cap, "a %s annotation%s posing as a signature field", st, act);
    } else if (strcmp(st, "Widget") == 0) {
        (void)snprintf(why, cap, "a widget%s of a field that is not a new signature field of /AcroForm /Fields", act);
    } else if (listed(st - 1, comment_types) && d->p != 3) {
        (void)snprintf(why, cap, "a %s comment annotation, which only DocMDP P=3 allows", st);
    } else {
        (void)snprintf(why, cap, "a %s annotation%s, which no permission allows to add", st, act);
    }
}

/*
 * Items of `nb` are those of `na` (same objects, same order) plus added ones, each explained:
 * a claimed signature field (in /Fields) or widget (in /Annots), or a comment under P = 3. An
 * unexplained item is reported on its own; *ok tells whether the array itself kept its items.
 */
static ES_RESULT grew(diff *d, const items *na, qpdf_oh nb, bool annots, const char *via, bool *ok, char *why,
                      size_t cap)
{
    int ka = na->arr ? na->n : 0;
    int kb = qpdf_oh_is_array(d->b, nb) ? qpdf_oh_get_array_n_items(d->b, nb) : 0;
    *ok = false;
    if (kb < ka) {
        (void)snprintf(why, cap, "its %s lost %d item(s)", annots ? "/Annots" : "/Fields", ka - kb);
        return ES_OK;
    }
    for (int i = 0; i < ka; i++) {
        qpdf_oh y = qpdf_oh_get_array_item(d->b, nb, i);
        if (na->ids[i] == 0 || !qpdf_oh_is_indirect(d->b, y) || na->ids[i] != qpdf_oh_get_object_id(d->b, y)) {
            (void)snprintf(why, cap, "its %s items were replaced or reordered", annots ? "/Annots" : "/Fields");
            return ES_OK;
        }
    }
    *ok = true;
    for (int i = ka; i < kb && i < MAX_ITEMS; i++) {
        qpdf_oh y = qpdf_oh_get_array_item(d->b, nb, i);
        int yn = id_b(d, y);
        bool twice = false;
        for (int j = 0; j < i && yn != 0 && !twice; j++) {
            twice = id_b(d, qpdf_oh_get_array_item(d->b, nb, j)) == yn;
        }
        char w[256];
        if (yn <= 0 || yn >= d->bsize) {
            *ok = false;
            (void)snprintf(why, cap, "its %s gained a direct or missing object", annots ? "/Annots" : "/Fields");
        } else if (twice) {
            ES_GUARD(fail_again(d, yn, true, via, "listed twice in %s: one %s shown as two",
                                annots ? "/Annots" : "/Fields", annots ? "annotation" : "field"));
        } else if (!added_num(d, yn)) {
            ES_GUARD(fail(d, yn, false, via, "%s of the signed document listed again: one shown as two",
                          annots ? "an annotation" : "a field"));
        } else if (bit(d->failed, yn)) {
            continue; /* already reported (a field judged in pass 2) */
        } else if (!annots) {
            if (d->claim[yn] != X_SIGFIELD) {
                ES_GUARD(fail(d, yn, true, via, "a form field that is not a new signature field"));
            }
        } else if (d->claim[yn] == X_SIGWIDGET ||
                   (d->claim[yn] == X_SIGFIELD && !qpdf_oh_has_key(d->b, y, "/Kids"))) {
            continue; /* the widget of a new signature field */
        } else if (!new_comment(d, y, yn)) {
            why_annot(d, y, w, sizeof(w));
            ES_GUARD(fail(d, yn, true, via, "%s", w));
        }
    }
    return ES_OK;
}

/* A form fill of field `owner`: allowed unless P = 1; a locked field is listed (MDP_VIOLATION). */
static bool form_fill(diff *d, int32_t owner)
{
    if (d->p < 2) {
        return false;
    }
    if (!d->filled[owner]) {
        d->filled[owner] = 1;
        bool locked = es_pdf_field_locked(d->perm, d->names[owner]);
        es_result cr = change(d, "form_fill", 0, -1, "form field %s filled%s", d->names[owner],
                              locked ? " (locked by this signature's FieldMDP)" : "");
        (void)cr; /* the list is what the report shows; a failure to list only shortens it */
        if (locked) {
            if (d->nlocked < MAX_LISTED) {
                es_result pr = es_buf_printf(&d->locked, "%s%s", d->nlocked == 0 ? "" : ", ", d->names[owner]);
                (void)pr; /* the list is what the report shows; a full buffer only shortens it */
            }
            d->nlocked++;
        }
    }
    return true;
}

/* The AcroForm: /Fields may grow by new signature fields, /SigFlags change; nothing else (/NeedAppearances). */
static const char *const af_keys[] = {"/Fields", "/SigFlags", NULL};

static ES_RESULT judge_acroform(diff *d, const acro_snap *afa, qpdf_oh afb, bool *ok, char *why, size_t cap)
{
    bool had = afa->had;
    *ok = false;
    if (!qpdf_oh_is_dictionary(d->b, afb)) {
        *ok = !had;
        (void)snprintf(why, cap, "the form (/AcroForm) was removed");
        return ES_OK;
    }
    int n = id_b(d, afb);
    if (n != 0 && added_num(d, n) && !claim(d, n, X_FORM, 0)) {
        (void)snprintf(why, cap, "the /AcroForm is object %d, which another change uses too", n);
        return ES_OK;
    }
    char *na = es_strdup(had ? afa->need : "null");
    char *nb = text_of(d->b, qpdf_oh_get_key(d->b, afb, "/NeedAppearances"));
    if (!same_text(na, nb)) {
        (void)snprintf(why, cap, "/AcroForm /NeedAppearances was added or changed: viewers then regenerate field "
                                 "appearances and may hide or redraw signed widgets");
        return ES_OK;
    }
    char k[128];
    if (had ? !same_text(es_strdup(afa->wo), text_without(d->b, afb, af_keys))
            : stray_key(d->b, afb, af_keys, NULL, NULL, k, sizeof(k))) {
        (void)snprintf(why, cap, "/AcroForm keys other than /Fields and /SigFlags changed");
        return ES_OK;
    }
    qpdf_oh fb = qpdf_oh_get_key(d->b, afb, "/Fields");
    int fn = id_b(d, fb);
    if (fn != 0 && added_num(d, fn) && !claim(d, fn, X_FORM, 0)) {
        (void)snprintf(why, cap, "/AcroForm /Fields is object %d, which another change uses too", fn);
        return ES_OK;
    }
    static const items none = {true, 0, NULL};
    return grew(d, had ? &afa->fields : &none, fb, false, "the catalog /AcroForm /Fields", ok, why, cap);
}

/* Is the change of object `num` of the signed revision one that the permissions allow? (*ok, else why) */
static const char *const field_keys[] = {"/V", "/AS", "/AP", NULL};
static const char *const widget_keys[] = {"/AS", "/AP", NULL};
static const char *const root_keys[] = {"/AcroForm", "/DSS", NULL};
static const char *const page_keys[] = {"/Annots", NULL};

static ES_RESULT allowed_change(diff *d, int num, const snap *oa, qpdf_oh ob, bool *ok, char *why, size_t cap)
{
    *ok = false;
    (void)snprintf(why, cap, "%s", bit(d->content, num) ? "what a page draws changed"
                                                        : "an object of the signed document changed, and no "
                                                          "permission covers it");
    switch (d->role[num]) {
    case ROLE_APPEARANCE:
        /* A field's appearance redrawn, within its widget. */
        *ok = form_fill(d, d->owner[num]);
        if (!*ok) {
            (void)snprintf(why, cap, "the appearance of field %s changed, which DocMDP P=1 does not allow",
                           d->names[d->owner[num]]);
        }
        d->accepted[num] = *ok ? X_FILL : X_NONE;
        return ES_OK;
    case ROLE_ANNOTS:
    case ROLE_FIELDS: {
        char via[64];
        (void)snprintf(via, sizeof(via), "object %d", num);
        if (qpdf_oh_is_array(d->b, ob)) {
            ES_GUARD(grew(d, &oa->arr, ob, d->role[num] == ROLE_ANNOTS, via, ok, why, cap));
        }
        return ES_OK;
    }
    case ROLE_DSS:
        /* The catalog's /DSS, its arrays or its /VRI, updated in place. */
        *ok = num == d->dss_num ? dss_ok(d, ob, why, cap)
              : qpdf_oh_is_array(d->b, ob) ? dss_streams(d, ob, why, cap)
                                           : vri_ok(d, ob, why, cap);
        d->ndss += *ok;
        return *ok ? change(d, "dss", num, qpdf_oh_get_generation(d->b, ob), "revocation data added (/DSS, allowed)")
                   : ES_OK;
    case ROLE_INFO:
        (void)snprintf(why, cap, "the document information (/Info) changed");
        return ES_OK;
    default:
        break;
    }
    if (!oa->dict || !qpdf_oh_is_dictionary(d->b, ob)) {
        return ES_OK;
    }
    if (d->role[num] == ROLE_FIELD || d->role[num] == ROLE_WIDGET) {
        if (!same_text(es_strdup(oa->wo), text_without(d->b, ob, d->role[num] == ROLE_FIELD ? field_keys : widget_keys))) {
            (void)snprintf(why, cap, "field %s changed beyond its value and appearance (/V, /AS, /AP)",
                           d->names[d->owner[num]]);
            return ES_OK;
        }
        *ok = form_fill(d, d->owner[num]);
        if (!*ok) {
            (void)snprintf(why, cap, "field %s was filled, which DocMDP P=1 does not allow", d->names[d->owner[num]]);
        }
        d->accepted[num] = *ok ? X_FILL : X_NONE;
        return ES_OK;
    }
    if (num == d->root_num) {
        /* The catalog may change /AcroForm (judged below when it is not the same object) and /DSS. */
        if (!same_text(es_strdup(oa->wo), text_without(d->b, ob, root_keys))) {
            (void)snprintf(why, cap, "catalog keys other than /AcroForm and /DSS changed");
            return ES_OK;
        }
        qpdf_oh db = qpdf_oh_get_key(d->b, ob, "/DSS");
        if (!same_text(es_strdup(oa->dss), text_of(d->b, db))) {
            if (qpdf_oh_is_null(d->b, db)) {
                (void)snprintf(why, cap, "the /DSS was removed");
                return ES_OK;
            }
            if (!dss_ok(d, db, why, cap)) {
                return ES_OK;
            }
            d->ndss++;
            ES_GUARD(change(d, "dss", qpdf_oh_is_indirect(d->b, db) ? qpdf_oh_get_object_id(d->b, db) : 0,
                            qpdf_oh_get_generation(d->b, db), "revocation data added (/DSS, allowed)"));
        }
        qpdf_oh afb = qpdf_oh_get_key(d->b, ob, "/AcroForm");
        if (d->af_num != 0 && id_b(d, afb) == d->af_num) {
            *ok = true; /* the same AcroForm object: compared where it is walked */
            return ES_OK;
        }
        return judge_acroform(d, &oa->af, afb, ok, why, cap);
    }
    if (num == d->af_num) {
        return judge_acroform(d, &oa->af, ob, ok, why, cap);
    }
    if (d->page_a[num] > 0) {
        if (!same_text(es_strdup(oa->wo), text_without(d->b, ob, page_keys))) {
            (void)snprintf(why, cap, "page %d changed (its content, resources, boxes or other keys)", d->page_a[num]);
            return ES_OK;
        }
        qpdf_oh ab = qpdf_oh_get_key(d->b, ob, "/Annots");
        int an = id_b(d, ab);
        if (an != 0 && added_num(d, an) && !claim(d, an, X_FORM, 0)) {
            (void)snprintf(why, cap, "page %d's new /Annots array is used by another change too", d->page_a[num]);
            return ES_OK;
        }
        char via[64];
        (void)snprintf(via, sizeof(via), "page %d /Annots", d->page_a[num]);
        return grew(d, &oa->arr, ab, true, via, ok, why, cap);
    }
    return ES_OK;
}

static bool same_stream_data(diff *d, const snap *oa, qpdf_oh ob)
{
    unsigned char *y = NULL;
    size_t nx = oa->ndata, ny = 0;
    bool ok = oa->data_ok && (qpdf_oh_get_stream_data(d->b, ob, qpdf_dl_none, NULL, &y, &ny) & QPDF_ERRORS) == 0 &&
              nx == ny && (nx == 0 || memcmp(oa->data, y, nx) == 0);
    free(y); /* !checksrc! allowed: qpdf allocates with malloc */
    return ok;
}

/* Pass 1's walk: every object the signed revision reaches from its catalog and /Info, in order. */
static ES_RESULT reach_signed(diff *d)
{
    size_t visited = 0;
    while (d->nstack > 0) {
        oref o = d->stack[--d->nstack];
        ES_ENSURE(++visited <= d->max_objects, ESEAL_ELIMIT, "pdf: too many objects");
        if (d->nreached == d->capreached) {
            size_t cap = d->capreached == 0 ? 256 : d->capreached * 2;
            oref *n = es_realloc(d->reached, cap * sizeof(*n));
            ES_ENSURE_ALLOC(n);
            d->reached = n;
            d->capreached = cap;
        }
        d->reached[d->nreached++] = o;
        qpdf_oh oa = qpdf_get_object_by_id(d->a, o.num, o.gen);
        walker w = {false, d->seen, d->size, X_NONE, o.num, NULL,
                    d->ch != NULL && d->ch->newest != NULL && d->since > 0 ? d->dep : NULL};
        ES_GUARD(walk_value(d, d->a, oa, 0, &w, 0));
        qpdf_oh_release_all(d->a);
    }
    counts.reached += d->nreached;
    return ES_OK;
}

/*
 * 1 + the newest revision (ch's numbering) of the indirect /Length of object num when `q` reads
 * it as a stream (1 when it is no stream or its /Length is direct; UINT32_MAX when not known).
 */
static uint32_t len_newest(const diff *d, qpdf_data q, int num, int gen)
{
    if (num <= 0 || (uint32_t)num >= d->ch->n) {
        return UINT32_MAX;
    }
    qpdf_oh o = qpdf_get_object_by_id(q, num, gen);
    if (!qpdf_oh_is_stream(q, o)) {
        return 1;
    }
    qpdf_oh len = qpdf_oh_get_key(q, qpdf_oh_get_dict(q, o), "/Length");
    if (!qpdf_oh_is_indirect(q, len)) {
        return 1;
    }
    int ln = qpdf_oh_get_object_id(q, len);
    return ln > 0 && (uint32_t)ln < d->ch->n ? d->ch->newest[ln] + 1 : UINT32_MAX;
}

/* len_newest in the final file, cached in ch (generation 0). */
static uint32_t b_len(diff *d, int num, int gen)
{
    if (gen != 0 || num <= 0 || (uint32_t)num >= d->ch->n) {
        return len_newest(d, d->b, num, gen);
    }
    if (d->ch->b1[num] == 0) {
        d->ch->b1[num] = len_newest(d, d->b, num, 0);
    }
    return d->ch->b1[num];
}

/*
 * The newest revision (ch's numbering) of the objects that value v of the final file references,
 * and of the indirect /Length of those that are streams; UINT32_MAX - 1: not known.
 */
static uint32_t refs_newest(diff *d, qpdf_oh v, int depth)
{
    qpdf_data q = d->b;
    if (depth > 0 && qpdf_oh_is_indirect(q, v)) {
        int num = qpdf_oh_get_object_id(q, v);
        if (num <= 0 || (uint32_t)num >= d->ch->n) {
            return UINT32_MAX - 1;
        }
        uint32_t m = d->ch->newest[num], l = b_len(d, num, qpdf_oh_get_generation(q, v));
        l = l == UINT32_MAX ? UINT32_MAX - 1 : l - 1;
        return l > m ? l : m;
    }
    if (depth >= MAX_DEPTH) {
        return UINT32_MAX - 1; /* deeper than any walk goes: taken as changed */
    }
    uint32_t m = 0;
    if (qpdf_oh_is_array(q, v)) {
        int n = qpdf_oh_get_array_n_items(q, v);
        for (int i = 0; i < n; i++) {
            uint32_t x = refs_newest(d, qpdf_oh_get_array_item(q, v, i), depth + 1);
            m = x > m ? x : m;
        }
    } else if (qpdf_oh_is_dictionary(q, v) || qpdf_oh_is_stream(q, v)) {
        qpdf_oh dict = qpdf_oh_is_stream(q, v) ? qpdf_oh_get_dict(q, v) : v;
        char *keys[ES_PDF_MAX_DICT_KEYS];
        size_t n = dict_keys(q, dict, keys);
        m = n >= ES_PDF_MAX_DICT_KEYS ? UINT32_MAX - 1 : 0; /* keys past the bound: not known unchanged */
        for (size_t i = 0; i < n; i++) {
            uint32_t x = refs_newest(d, qpdf_oh_get_key(q, dict, keys[i]), depth + 1);
            m = x > m ? x : m;
        }
        free_keys(keys, n);
    }
    return m;
}

/* 1 + refs_newest of object num of the final file, cached in ch (generation 0). */
static uint32_t b_refs(diff *d, int num, int gen)
{
    if (num <= 0 || (uint32_t)num >= d->ch->n) {
        return UINT32_MAX;
    }
    if (gen == 0 && d->ch->b2[num] != 0) {
        return d->ch->b2[num];
    }
    uint32_t m = refs_newest(d, qpdf_get_object_by_id(d->b, num, gen), 0);
    m = m >= UINT32_MAX - 1 ? UINT32_MAX : m + 1;
    if (gen == 0) {
        d->ch->b2[num] = m;
    }
    return m;
}

/* Pass 1's side of second_level, read while side a is shown: alen for a stream whose signed /Length is replaced later. */
static void second_level_a(diff *d)
{
    for (size_t i = 0; i + 1 < d->nedges; i += 2) {
        int to = d->edges[i + 1];
        /* A stream whose /Length the signed revision shows replaced references it: dep is set first. */
        if (bit(d->dep, to) && !bit(d->alen, to) && len_newest(d, d->a, to, 0) - 1 > d->since) {
            set_bit(d->alen, to);
        }
        qpdf_oh_release_all(d->a);
    }
}

/* After pass 1's walk: dep2 for every object that references a stream whose /Length was replaced. */
static void second_level(diff *d)
{
    for (size_t i = 0; i + 1 < d->nedges; i += 2) {
        int from = d->edges[i], to = d->edges[i + 1];
        if (!bit(d->dep2, from) && (bit(d->alen, to) || b_len(d, to, 0) - 1 > d->since)) {
            set_bit(d->dep2, from);
        }
        qpdf_oh_release_all(d->b);
    }
}

/*
 * Is object o of the signed revision known to read the same in the final file, so that pass 3 may
 * skip it? Both parses read an object the same way when its bytes are the same (no later revision
 * lists or defines it, nor replaces the object stream holding it or that stream's /Length: ch)
 * and every object it references resolves the same way: qpdf leaves out of a dictionary's text a
 * key whose value resolves to null. A reference resolves differently only to an object that a
 * later revision adds, frees or replaces, or to a stream whose indirect /Length a later revision
 * replaced (it may no longer read, or read where it did not); nothing deeper, since qpdf reads an
 * object whose value is itself "N G R" as the integer N. The object's own /Length is one of its
 * references. The references are taken as both sides show them (a key that resolves to null is
 * hidden from its side): the signed revision's from pass 1's walk (dep, and dep2 through the
 * edges), the final file's read here, once per object for the whole verification (ch->b1, b2).
 */
static bool unchanged(diff *d, oref o)
{
    if (d->ch == NULL || d->ch->newest == NULL || d->since == 0 || d->bsize < d->size || o.num <= 0 ||
        o.num >= d->size || replaced_later(d, o.num) || bit(d->dep, o.num) || bit(d->dep2, o.num)) {
        return false;
    }
    bool same = b_refs(d, o.num, o.gen) - 1 <= d->since;
    qpdf_oh_release_all(d->b);
    return same;
}

/* Pass 3, first part (the final file shown): which reached objects are compared (the others are unchanged()). */
static ES_RESULT select_compared(diff *d)
{
    d->cmp = es_calloc(d->nreached + 1, sizeof(*d->cmp));
    ES_ENSURE_ALLOC(d->cmp);
    for (size_t i = 0; i < d->nreached; i++) {
        if (unchanged(d, d->reached[i])) {
            set_bit(d->same, d->reached[i].num);
            counts.skipped++;
        } else {
            d->cmp[d->ncmp++] = i;
        }
    }
    d->snaps = es_calloc(d->ncmp + 1, sizeof(*d->snaps));
    ES_ENSURE_ALLOC(d->snaps);
    return ES_OK;
}

static void items_of(qpdf_data q, qpdf_oh v, items *it)
{
    it->arr = qpdf_oh_is_array(q, v);
    it->n = it->arr ? qpdf_oh_get_array_n_items(q, v) : 0;
    it->ids = es_calloc((size_t)it->n + 1, sizeof(int));
    if (it->ids == NULL) {
        it->n = 0; /* a shorter list fails the comparison: the change is not explained */
        return;
    }
    for (int i = 0; i < it->n; i++) {
        qpdf_oh x = qpdf_oh_get_array_item(q, v, i);
        it->ids[i] = qpdf_oh_is_indirect(q, x) ? qpdf_oh_get_object_id(q, x) : 0;
    }
}

static void acro_of(qpdf_data q, qpdf_oh afa, acro_snap *s)
{
    s->had = qpdf_oh_is_dictionary(q, afa);
    if (s->had) {
        s->need = text_of(q, qpdf_oh_get_key(q, afa, "/NeedAppearances"));
        s->wo = text_without(q, afa, af_keys);
        items_of(q, qpdf_oh_get_key(q, afa, "/Fields"), &s->fields);
    }
}

/* Pass 3, second part (side a shown): what allowed_change reads of each compared object's signed side. */
static void snap_one(diff *d, qpdf_data q, oref o, snap *s)
{
    qpdf_oh oa = qpdf_get_object_by_id(q, o.num, o.gen);
    s->text = text_of(q, oa);
    s->stream = qpdf_oh_is_stream(q, oa);
    if (s->stream) {
        unsigned char *x = NULL;
        s->data_ok = (qpdf_oh_get_stream_data(q, oa, qpdf_dl_none, NULL, &x, &s->ndata) & QPDF_ERRORS) == 0;
        s->data = x;
    }
    s->dict = qpdf_oh_is_dictionary(q, oa);
    int role = o.num > 0 && o.num < d->size ? d->role[o.num] : ROLE_NONE;
    if (role == ROLE_ANNOTS || role == ROLE_FIELDS) {
        items_of(q, oa, &s->arr);
    } else if (role == ROLE_APPEARANCE || role == ROLE_DSS || role == ROLE_INFO || !s->dict) {
        /* judged without reading more of side a */
    } else if (role == ROLE_FIELD || role == ROLE_WIDGET) {
        s->wo = text_without(q, oa, role == ROLE_FIELD ? field_keys : widget_keys);
    } else if (o.num == d->root_num) {
        s->wo = text_without(q, oa, root_keys);
        s->dss = text_of(q, qpdf_oh_get_key(q, oa, "/DSS"));
        acro_of(q, qpdf_oh_get_key(q, oa, "/AcroForm"), &s->af);
    } else if (o.num == d->af_num) {
        acro_of(q, oa, &s->af);
    } else if (o.num > 0 && o.num < d->size && d->page_a[o.num] > 0) {
        s->wo = text_without(q, oa, page_keys);
        items_of(q, qpdf_oh_get_key(q, oa, "/Annots"), &s->arr);
    }
    qpdf_oh_release_all(q);
}

static void snap_signed(diff *d)
{
    for (size_t k = 0; k < d->ncmp; k++) {
        snap_one(d, d->a, d->reached[d->cmp[k]], &d->snaps[k]);
    }
}

/*
 * h-pass1: at the end of pass 1, side a still shown, the snapshots of the reached objects that pass
 * 3 compares whatever the final file says (a later revision replaced them, or they reference one:
 * unchanged() is false for them before it reads side b). What they read is what snap_signed would
 * read on entering the view again (the same swaps, the same roles from pass 1). When every object
 * select_compared chooses has one, judge() does not enter the view a second time (take_early).
 */
static ES_RESULT snap_early(diff *d)
{
    if (d->view == NULL || d->ch == NULL || d->ch->newest == NULL || d->since == 0 || d->bsize < d->size) {
        return ES_OK;
    }
    d->pre_of = es_calloc(d->nreached + 1, sizeof(*d->pre_of));
    ES_ENSURE_ALLOC(d->pre_of);
    size_t n = 0;
    for (size_t i = 0; i < d->nreached; i++) {
        int num = d->reached[i].num;
        n += num <= 0 || num >= d->size || replaced_later(d, num) || bit(d->dep, num);
    }
    d->pre = es_calloc(n + 1, sizeof(*d->pre));
    ES_ENSURE_ALLOC(d->pre);
    for (size_t i = 0; i < d->nreached; i++) {
        int num = d->reached[i].num;
        if (num <= 0 || num >= d->size || replaced_later(d, num) || bit(d->dep, num)) {
            snap_one(d, d->a, d->reached[i], &d->pre[d->npre]);
            d->pre_of[i] = (int32_t)++d->npre;
        }
    }
    return ES_OK;
}

/* The snapshots snap_early took, moved to d->snaps, when they cover every compared object. */
static bool take_early(diff *d)
{
    if (d->pre_of == NULL) {
        return false;
    }
    for (size_t k = 0; k < d->ncmp; k++) {
        if (d->pre_of[d->cmp[k]] == 0) {
            return false;
        }
    }
    for (size_t k = 0; k < d->ncmp; k++) {
        snap *p = &d->pre[d->pre_of[d->cmp[k]] - 1];
        d->snaps[k] = *p;
        memset(p, 0, sizeof(*p)); /* moved */
    }
    counts.early++;
    return true;
}

/* Pass 3, last part (the final file shown): each compared object judged. */
static ES_RESULT compare(diff *d)
{
    for (size_t k = 0; k < d->ncmp; k++) {
        oref o = d->reached[d->cmp[k]];
        snap *s = &d->snaps[k];
        counts.compared++;
        qpdf_oh ob = qpdf_get_object_by_id(d->b, o.num, o.gen);
        bool same = same_text(s->text, text_of(d->b, ob));
        s->text = NULL;
        if (same && s->stream) {
            same = qpdf_oh_is_stream(d->b, ob) && same_stream_data(d, s, ob);
        }
        if (!same) {
            bool ok = false;
            char why[512];
            ES_GUARD(allowed_change(d, o.num, s, ob, &ok, why, sizeof(why)));
            if (!ok) {
                ES_GUARD(fail(d, o.num, false, NULL, "%s", why));
            }
        }
        qpdf_oh_release_all(d->b);
    }
    return ES_OK;
}

/* ---- pass 4: the final document, from its catalog and /Info: every added object explained ---- */

/*
 * Pass 4 without reading what did not change (issue 18). An object of the signed revision that
 * pass 3 found unchanged, and from which pass 1's walk reaches only unchanged objects, is not
 * marked: its part of the final file is the signed revision's, object for object, every reference
 * of generation 0 (any other generation, or a reference to a replaced object, is a reason of its
 * own: dep). The full walk of such an object finds nothing to report: nothing in it is added (all
 * of it was reached in the signed revision), nothing is accepted or claimed, and no reference has
 * a generation to doubt. What it leaves behind is which objects it saw (seen_b), their generation
 * (gens), and its share of the budget: settle() sets exactly those, from pass 1's edges, without
 * asking qpdf. Its order does not matter: the full walk finishes an object's part before it goes
 * back to its stack, and pushes nothing marked from it.
 */
static ES_RESULT mark_changed(diff *d)
{
    size_t n = (size_t)d->size, ne = d->nedges / 2;
    d->marked = es_calloc(n / 8 + 1, 1);
    d->fwd_off = es_calloc(n + 1, sizeof(*d->fwd_off));
    d->fwd = es_calloc(ne + 1, sizeof(*d->fwd));
    d->sstack = es_calloc(n + 1, sizeof(*d->sstack));
    int32_t *roff = es_calloc(n + 1, sizeof(*roff)), *radj = es_calloc(ne + 1, sizeof(*radj));
    int32_t *fill = es_calloc(n + 1, sizeof(*fill)), *q = es_calloc(n + 1, sizeof(*q));
    es_result r = ES_OK;
    if (d->marked == NULL || d->fwd_off == NULL || d->fwd == NULL || d->sstack == NULL || roff == NULL ||
        radj == NULL || fill == NULL || q == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    for (size_t k = 0; es_ok(r) && k < ne; k++) {
        d->fwd_off[d->edges[2 * k] + 1]++;
        roff[d->edges[2 * k + 1] + 1]++;
    }
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        d->fwd_off[i + 1] += d->fwd_off[i];
        roff[i + 1] += roff[i];
    }
    for (size_t k = 0; es_ok(r) && k < ne; k++) {
        int from = d->edges[2 * k], to = d->edges[2 * k + 1];
        d->fwd[d->fwd_off[from] + fill[from]++] = to;
    }
    for (size_t i = 0; es_ok(r) && i <= n; i++) {
        fill[i] = 0;
    }
    for (size_t k = 0; es_ok(r) && k < ne; k++) {
        int from = d->edges[2 * k], to = d->edges[2 * k + 1];
        radj[roff[to] + fill[to]++] = from;
    }
    /* Changed objects, then everything that reaches one, backwards along the edges. */
    size_t qh = 0, qt = 0;
    for (size_t i = 0; es_ok(r) && i < d->nreached; i++) {
        int num = d->reached[i].num;
        if (num > 0 && num < d->size && !bit(d->same, num) && !bit(d->marked, num)) {
            set_bit(d->marked, num);
            q[qt++] = num;
        }
    }
    while (es_ok(r) && qh < qt) {
        int y = q[qh++];
        for (int32_t k = roff[y]; k < roff[y + 1]; k++) {
            if (!bit(d->marked, radj[k])) {
                set_bit(d->marked, radj[k]);
                q[qt++] = radj[k];
            }
        }
    }
    es_free(roff);
    es_free(radj);
    es_free(fill);
    es_free(q);
    return r;
}

/* What the full walk of unmarked object `from` leaves in seen_b, gens and the budget (mark_changed). */
static ES_RESULT settle(diff *d, int from)
{
    size_t top = 0;
    d->sstack[top++] = from;
    while (top > 0) {
        int x = d->sstack[--top];
        for (int32_t k = d->fwd_off[x]; k < d->fwd_off[x + 1]; k++) {
            int c = d->fwd[k];
            if (bit(d->seen_b, c)) {
                continue;
            }
            ES_ENSURE(d->budget-- > 0, ESEAL_ELIMIT, "pdf: too many objects");
            set_bit(d->seen_b, c);
            d->gens[c] = 1; /* generation 0: the edges hold no other */
            d->sstack[top++] = c;
            counts.settled++;
        }
    }
    return ES_OK;
}

static ES_RESULT reach_final(diff *d, int info_num, int info_gen)
{
    /* The records (h-pass1) describe the objects as they are now, outside any view: pass 4 walks
     * an object from its record too, and records what it reads first (records: above). */
    struct es_pdf_walks *ws = d->ch != NULL && !full_walk ? d->ch->walks : NULL;
    d->walks = ws != NULL && ws->q == d->b && !d->in_signed ? ws : NULL;
    d->nstack = 0;
    d->budget = d->max_objects;
    qpdf_oh rb = qpdf_get_root(d->b);
    ES_GUARD(push(d, d->seen_b, d->bsize, d->root_num, qpdf_oh_get_generation(d->b, rb), X_NONE, -1, KEY_ROOT));
    if (info_num > 0) {
        ES_GUARD(push(d, d->seen_b, d->bsize, info_num, info_gen, X_NONE, -1, KEY_INFO));
    }
    qpdf_oh_release_all(d->b);
    while (d->nstack > 0) {
        oref o = d->stack[--d->nstack];
        ES_ENSURE(d->budget-- > 0, ESEAL_ELIMIT, "pdf: too many objects");
        if (d->marked != NULL && o.gen == 0 && o.num > 0 && o.num < d->size && bit(d->seen, o.num) &&
            !bit(d->marked, o.num)) {
            counts.settled++;
            ES_GUARD(settle(d, o.num));
            continue;
        }
        qpdf_oh ob = qpdf_get_object_by_id(d->b, o.num, o.gen);
        int ctx = X_NONE;
        bool go = !qpdf_oh_is_null(d->b, ob);
        /* A reference whose generation is not the object's ("9 5 R" to object 9 0, a signed widget
         * listed again in a page's /Annots): qpdf and poppler resolve it to null, so the stamp
         * disappears from the page, while MuPDF shows object 9 (found by the pdf_verify_rev
         * campaign). One resolution, the strictest. */
        if (!go && o.gen != 0 && !qpdf_oh_is_null(d->b, qpdf_get_object_by_id(d->b, o.num, 0))) {
            ES_GUARD(fail(d, o.num, added_num(d, o.num), NULL,
                          "referenced as %d %d R, but the file defines object %d 0: readers resolve the reference "
                          "differently",
                          o.num, o.gen, o.num));
        }
        if (go && added_num(d, o.num)) {
            if (d->claim[o.num] != X_NONE) {
                ctx = d->claim[o.num];
            } else if (inherits(o.ctx)) {
                d->claim[o.num] = (uint8_t)o.ctx; /* a new part of a fill, a signature or a comment */
                ctx = o.ctx;
            } else {
                go = false;
                ES_GUARD(fail(d, o.num, true, NULL, "a new object that no permitted change explains"));
            }
        } else if (go && o.num < d->size) {
            ctx = d->accepted[o.num];
        }
        if (go) {
            walker w = {false, d->seen_b, d->bsize, ctx, o.num, NULL, NULL};
            ES_GUARD(walk_value(d, d->b, ob, 0, &w, 0));
        }
        qpdf_oh_release_all(d->b);
    }
    return ES_OK;
}

/* "signatures added: 1 (allowed); ..." for the report. */
static ES_RESULT summary(diff *d, es_buf *out)
{
    size_t nfilled = 0;
    for (size_t i = 0; i < d->nnames; i++) {
        nfilled += d->filled[i];
    }
    if (d->nsigs > 0) {
        ES_GUARD(es_buf_printf(out, "signatures added: %zu (allowed)", d->nsigs));
    }
    if (d->ndts > 0) {
        ES_GUARD(es_buf_printf(out, "%sdocument timestamps added: %zu (allowed)", out->len > 0 ? "; " : "", d->ndts));
    }
    if (d->nunsigned > 0) {
        ES_GUARD(es_buf_printf(out, "%sunsigned signature fields added: %zu (invisible, allowed: nothing signed)",
                               out->len > 0 ? "; " : "", d->nunsigned));
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
        ES_GUARD(es_buf_printf(out, "%s%zu object(s) changed or added beyond what is permitted: %s%s",
                               out->len > 0 ? "; " : "", d->nchanged, es_buf_cstr(&d->changed),
                               d->nchanged > MAX_LISTED ? "; ..." : ""));
    }
    if (out->len == 0) {
        ES_GUARD(es_buf_printf(out, "revisions added without a visible change"));
    }
    return ES_OK;
}

static ES_RESULT alloc_maps(diff *d)
{
    d->maxsize = d->size > d->bsize ? d->size : d->bsize;
    d->seen = es_calloc((size_t)d->size / 8 + 1, 1);
    d->content = es_calloc((size_t)d->size / 8 + 1, 1);
    d->role = es_calloc((size_t)d->size, 1);
    d->owner = es_calloc((size_t)d->size, sizeof(*d->owner));
    d->accepted = es_calloc((size_t)d->size, 1);
    d->page_a = es_calloc((size_t)d->size, sizeof(*d->page_a));
    d->seen_b = es_calloc((size_t)d->bsize / 8 + 1, 1);
    d->page_b = es_calloc((size_t)d->bsize, sizeof(*d->page_b));
    d->claim = es_calloc((size_t)d->bsize, 1);
    d->claim_owner = es_calloc((size_t)d->bsize, sizeof(*d->claim_owner));
    d->failed = es_calloc((size_t)d->maxsize / 8 + 1, 1);
    d->via = es_calloc((size_t)d->maxsize, sizeof(*d->via));
    d->via_key = es_calloc((size_t)d->maxsize, 1);
    d->gens = es_calloc((size_t)d->maxsize, sizeof(*d->gens));
    ES_ENSURE(d->seen != NULL && d->content != NULL && d->role != NULL && d->owner != NULL && d->accepted != NULL &&
                  d->page_a != NULL && d->seen_b != NULL && d->page_b != NULL && d->claim != NULL &&
                  d->claim_owner != NULL && d->failed != NULL && d->via != NULL && d->via_key != NULL && d->gens != NULL,
              ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

/* A reason when qpdf had to repair what it read of `p` (a warning, even in strict mode). */
static ES_RESULT repaired(eseal_report *rep, es_pdf_qpdf *p, const char *what)
{
    const char *w = NULL;
    ES_GUARD(es_pdf_qpdf_pages(p, &w));
    if (w == NULL) {
        return ES_OK;
    }
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_AMBIGUOUS_STRUCTURE,
                            "%s can only be read by repairing it (%.300s): readers that repair it differently show "
                            "something else, so what is shown is not known to be what was signed",
                            what, w);
}

typedef struct {
    es_pdf_qpdf *file, *rev; /* rev: the signed revision's own parse, or NULL with a view */
    es_pdf_view *view;
    size_t signed_end;
    const es_pdf_perms *perm;
    es_pdf_xref_changes *ch;
    size_t since;
} judgement;

static ES_RESULT judge(eseal_report *rep, const judgement *j, bool *retry);

ES_RESULT es_pdf_judge_changes(eseal_report *rep, es_pdf_qpdf *file, es_pdf_qpdf *rev, es_span f,
                               size_t signed_end, const es_pdf_perms *perm)
{
    return es_pdf_judge_changes_ex(rep, file, rev, f, signed_end, perm, NULL, 0);
}

/*
 * With what later revisions replace (ch) and no parse of the signed revision at hand, the signed
 * revision is first read from the shared parse (a view, pdf_view.c: issue 18, one parse per
 * verification); where the view cannot be exact (es_pdf_view_open says no, or the judgement finds,
 * before it has reported anything, that the signed revision reaches what the view cannot show) the
 * signed revision is parsed on its own bytes as before, and the judgement made again from the start.
 */
ES_RESULT es_pdf_judge_changes_ex(eseal_report *rep, es_pdf_qpdf *file, es_pdf_qpdf *rev, es_span f,
                                  size_t signed_end, const es_pdf_perms *perm, es_pdf_xref_changes *ch,
                                  size_t signed_rev)
{
    if (ch != NULL && ch->newest != NULL && ch->b1 == NULL) {
        ch->b1 = es_calloc(ch->n, sizeof(*ch->b1));
        ch->b2 = es_calloc(ch->n, sizeof(*ch->b2));
        ES_ENSURE(ch->b1 != NULL && ch->b2 != NULL, ESEAL_ENOMEM, "out of memory");
    }
    bool mapped = ch != NULL && ch->newest != NULL && signed_rev > 0;
    if (mapped && (rev->q == NULL || rev->len != signed_end)) {
        ES_AUTO(es_pdf_view_freep) es_pdf_view *view = NULL;
        ES_GUARD(es_pdf_view_open(&view, file, f, signed_end, ch, signed_rev));
        if (view != NULL) {
            bool retry = false;
            judgement j = {file, NULL, view, signed_end, perm, ch, signed_rev};
            es_result r = judge(rep, &j, &retry);
            es_result lr = es_pdf_view_leave(view);
            es_pdf_qpdf_quiet(file);
            if (!retry) {
                counts.judgements++;
                es_pdf_view_count(true);
                ES_GUARD(r);
                return lr;
            }
            ES_GUARD(lr);
        }
    }
    if (mapped) {
        es_pdf_view_count(false);
    }
    if (rev->q == NULL || rev->len != signed_end) {
        es_pdf_qpdf_close(rev);
        if (!es_ok(es_pdf_qpdf_open(rev, es_span_of(f.ptr, signed_end), file->lim))) {
            ES_GUARD(es_report_check(rep, "modifications", ESEAL_CHECK_INDETERMINATE, NULL,
                                     "the revisions after this signature could not be compared: %s",
                                     eseal_error_last()->message));
            return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_LATER_CHANGES_UNCHECKED,
                                    "the revisions after this signature could not be compared: %s",
                                    eseal_error_last()->message);
        }
    }
    counts.judgements++;
    bool retry = false;
    judgement j = {file, rev, NULL, signed_end, perm, ch, signed_rev};
    es_result r = judge(rep, &j, &retry);
    /* Whatever qpdf noted on the way concerns this judgement only: the next user starts clean. */
    es_pdf_qpdf_quiet(file);
    es_pdf_qpdf_quiet(rev);
    return r;
}

/* The signed revision's trailer: qpdf's, or the view's (parsed in the shared parse). */
static qpdf_oh a_trailer(diff *d)
{
    if (d->view == NULL) {
        return qpdf_get_trailer(d->a);
    }
    qpdf_oh t = es_pdf_view_trailer(d->view);
    if (t == 0) {
        d->view_bad = true; /* not expected: the view parsed it when it was built */
        return qpdf_oh_new_dictionary(d->a);
    }
    return t;
}

/* An indirect /Info of a trailer: its number and generation (0 when none or direct), and its text. */
static char *info_of_trailer(qpdf_data q, qpdf_oh t, int *num, int *gen)
{
    qpdf_oh info = qpdf_oh_get_key(q, t, "/Info");
    *num = qpdf_oh_is_indirect(q, info) ? qpdf_oh_get_object_id(q, info) : 0;
    *gen = qpdf_oh_is_indirect(q, info) ? qpdf_oh_get_generation(q, info) : 0;
    return es_strdup(*num > 0 ? qpdf_oh_unparse(q, info) : qpdf_oh_unparse_resolved(q, info));
}

/*
 * Pass 1, side a shown: the roles of the signed revision's objects and its walk. *replaced: the
 * catalog was replaced (nothing else done). Reports nothing: with a view, what it finds decides
 * whether the view was exact, before anything is said.
 */
static ES_RESULT pass1(diff *d, bool *replaced, int *ia, int *iga, char **ta)
{
    unsigned maxobj = d->max_objects;
    qpdf_oh ta_h = a_trailer(d);
    d->size = qpdf_oh_get_int_value_as_int(d->a, qpdf_oh_get_key(d->a, ta_h, "/Size"));
    d->bsize = qpdf_oh_get_int_value_as_int(d->b, qpdf_oh_get_key(d->b, qpdf_get_trailer(d->b), "/Size"));
    ES_ENSURE(d->size > 0 && (unsigned)d->size <= maxobj && d->bsize > 0 && (unsigned)d->bsize <= maxobj,
              ESEAL_EMALFORMED, "pdf: a revision's /Size is not usable");
    ES_GUARD(alloc_maps(d));
    d->dep = es_calloc((size_t)d->size / 8 + 1, 1);
    d->dep2 = es_calloc((size_t)d->size / 8 + 1, 1);
    d->same = es_calloc((size_t)d->size / 8 + 1, 1);
    d->alen = es_calloc((size_t)d->size / 8 + 1, 1);
    ES_ENSURE(d->dep != NULL && d->dep2 != NULL && d->same != NULL && d->alen != NULL, ESEAL_ENOMEM, "out of memory");
    qpdf_oh ra = d->view != NULL ? qpdf_oh_get_key(d->a, ta_h, "/Root") : qpdf_get_root(d->a), rb = qpdf_get_root(d->b);
    d->root_num = qpdf_oh_get_object_id(d->a, ra);
    int root_gen = qpdf_oh_get_generation(d->a, ra);
    if (d->root_num != qpdf_oh_get_object_id(d->b, rb)) {
        *replaced = true;
        return ES_OK;
    }
    /* Pass 1: the roles of the signed revision's objects, then what its pages draw (which wins). */
    qpdf_oh afa = qpdf_oh_get_key(d->a, ra, "/AcroForm");
    d->af_num = qpdf_oh_is_indirect(d->a, afa) ? qpdf_oh_get_object_id(d->a, afa) : 0;
    qpdf_oh fields = qpdf_oh_get_key(d->a, afa, "/Fields");
    if (qpdf_oh_is_indirect(d->a, fields) && qpdf_oh_is_array(d->a, fields)) {
        set_role(d, fields, ROLE_FIELDS, 0);
    }
    ES_GUARD(map_fields(d, fields, "", false, 0));
    qpdf_oh dssa = qpdf_oh_get_key(d->a, ra, "/DSS");
    d->dss_num = qpdf_oh_is_indirect(d->a, dssa) ? qpdf_oh_get_object_id(d->a, dssa) : 0;
    if (qpdf_oh_is_dictionary(d->a, dssa)) {
        /* The store and its arrays and /VRI: validation data, judged as such where the catalog uses them. */
        set_role(d, dssa, ROLE_DSS, 0);
        static const char *const parts[] = {"/Certs", "/CRLs", "/OCSPs", "/VRI", "/ESealRegistryAnswers"};
        for (size_t i = 0; i < 5; i++) {
            set_role(d, qpdf_oh_get_key(d->a, dssa, parts[i]), ROLE_DSS, 0);
        }
    }
    ta_h = a_trailer(d);
    *ta = info_of_trailer(d->a, ta_h, ia, iga);
    if (d->view != NULL && qpdf_oh_has_key(d->a, ta_h, "/Info") && (*ia <= 0 || *iga != 0)) {
        d->view_bad = true; /* a direct /Info, or another generation: read on a parse of its own */
    }
    if (*ia > 0 && *ia < d->size && d->role[*ia] == ROLE_NONE) {
        d->role[*ia] = ROLE_INFO;
    }
    qpdf_oh_release_all(d->a);
    ES_GUARD(map_pages(d));
    d->filled = es_calloc(d->nnames + 1, 1);
    ES_ENSURE_ALLOC(d->filled);
    ES_GUARD(push(d, d->seen, d->size, d->root_num, root_gen, X_NONE, -1, KEY_ROOT));
    if (*ia > 0) {
        ES_GUARD(push(d, d->seen, d->size, *ia, *iga, X_NONE, -1, KEY_INFO));
    }
    ES_GUARD(reach_signed(d));
    if (d->ch != NULL && d->ch->newest != NULL && d->since > 0) {
        second_level_a(d);
    }
    return snap_early(d);
}

/* Side a shown (the view entered; nothing to do without one): false when it cannot be. */
static ES_RESULT show_signed(diff *d, bool *ok)
{
    *ok = true;
    if (d->view != NULL) {
        ES_GUARD(es_pdf_view_enter(d->view, ok));
        d->in_signed = *ok;
    }
    return ES_OK;
}

static ES_RESULT show_final(diff *d)
{
    d->in_signed = false;
    return d->view != NULL ? es_pdf_view_leave(d->view) : ES_OK;
}

static ES_RESULT judge(eseal_report *rep, const judgement *j, bool *retry)
{
    static const es_pdf_perms none = {0, ES_PDF_LOCK_NONE, NULL};
    ES_AUTO(diff_free) diff d;
    memset(&d, 0, sizeof(d));
    d.perm = j->perm != NULL ? j->perm : &none;
    d.p = d.perm->docmdp_p >= 1 && d.perm->docmdp_p <= 3 ? d.perm->docmdp_p : 2;
    d.signed_end = j->signed_end;
    d.changed = (es_buf)ES_BUF_INIT(ES_PDF_DIFF_CHANGED_MAX);
    d.locked = (es_buf)ES_BUF_INIT(ES_PDF_DIFF_LOCKED_MAX);
    d.view = j->view;
    d.a = j->view != NULL ? j->file->q : j->rev->q;
    d.b = j->file->q;
    d.rep = rep;
    d.ch = j->ch;
    d.since = j->since;
    /* qpdf repairs a broken page tree in memory the first time it is walked, with only a warning
     * (a catalog whose /Pages is a page gets a new tree), and every pass below would then judge
     * the repair, not the file. So the trees are walked first, before anything else is asked of
     * either side (later warnings are this code's own type checks): a document that needs repair
     * is one readers may show differently. A shared parse walked its tree for an earlier signature
     * and kept what qpdf said then (es_pdf_qpdf_pages). A view is built only over a whole file qpdf
     * did not repair, for a signed page tree qpdf would read as it is (pdf_view.c). */
    if (j->rev != NULL) {
        ES_GUARD(repaired(rep, j->rev, "the signed revision"));
    }
    ES_GUARD(repaired(rep, j->file, "the document with its later revisions"));
    if ((j->rev != NULL && j->rev->repair != NULL) || j->file->repair != NULL) {
        /* qpdf changed objects in memory (a copied page, an added /Type) where no revision did:
         * the cross-reference sections no longer say what reads the same, so pass 3 compares all. */
        d.ch = NULL;
    }
    d.max_objects = es_limits_or_default(j->file->lim)->max_objects;
    bool shown = true, replaced = false;
    int ia = 0, iga = 0, ib = 0, igb = 0;
    char *ta = NULL;
    d.walks = walks_for(&d, j->ch); /* before the view is entered: it drops the records of what the view swaps */
    ES_GUARD(show_signed(&d, &shown));
    d.in_pass1 = true;
    es_result r = shown ? pass1(&d, &replaced, &ia, &iga, &ta) : ES_OK;
    d.in_pass1 = false;
    d.walks = NULL;
    es_result fr = show_final(&d);
    walks_drop(d.view, j->ch != NULL ? j->ch->walks : NULL);
    ES_GUARD(fr);
    if (d.view != NULL && (!shown || !es_ok(r) || d.view_bad)) {
        es_free(ta);
        *retry = true; /* nothing reported yet: the caller judges again on a parse of the signed revision */
        return ES_OK;
    }
    if (!es_ok(r)) {
        es_free(ta);
        return r;
    }
    if (replaced) {
        es_free(ta);
        qpdf_oh rb = qpdf_get_root(d.b);
        ES_GUARD(es_report_check(rep, "modifications", ESEAL_CHECK_FAILED, NULL, "the document catalog was replaced"));
        ES_GUARD(change(&d, "other", qpdf_oh_get_object_id(d.b, rb), qpdf_oh_get_generation(d.b, rb),
                        "the document catalog was replaced"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CHANGED_AFTER_SIGNING,
                                "a later revision replaced the document catalog: what is shown is not what was "
                                "signed");
    }
    char *tb = info_of_trailer(d.b, qpdf_get_trailer(d.b), &ib, &igb);
    bool same_info = same_text(ta, tb);
    qpdf_oh_release_all(d.b);
    if (d.ch != NULL && d.ch->newest != NULL && d.since > 0) {
        second_level(&d);
    }
    ES_GUARD(select_compared(&d)); /* pass 3, what is compared */
    if (!take_early(&d)) {
        ES_GUARD(show_signed(&d, &shown));
        if (shown) {
            snap_signed(&d);
        }
        ES_GUARD(show_final(&d));
    }
    if (d.view != NULL && (!shown || d.view_bad)) {
        *retry = true;
        return ES_OK;
    }
    /* The final file's pages, for the reasons and for a widget's /P. */
    int np = qpdf_get_num_pages(d.b);
    for (int i = 0; i < np; i++) {
        int pn = qpdf_oh_get_object_id(d.b, qpdf_get_page_n(d.b, (size_t)i));
        if (pn > 0 && pn < d.bsize) {
            d.page_b[pn] = i + 1;
        }
        qpdf_oh_release_all(d.b);
    }
    if (!same_info) {
        ES_GUARD(fail(&d, ib, ib > 0 && added_num(&d, ib), "the trailer /Info",
                      "the document information (/Info) was changed or replaced"));
    }
    ES_GUARD(judge_new_fields(&d)); /* pass 2 */
    ES_GUARD(compare(&d));          /* pass 3 */
    if (d.ch != NULL && d.ch->newest != NULL && d.since > 0 && d.bsize >= d.size) {
        ES_GUARD(mark_changed(&d));
    }
    ES_GUARD(reach_final(&d, ib, igb)); /* pass 4 */

    ES_AUTO(es_buf_freep) es_buf sum = ES_BUF_INIT(ES_PDF_DIFF_SUMMARY_MAX);
    ES_GUARD(summary(&d, &sum));
    bool p1_violated = d.p == 1 && d.perm->docmdp_p == 1 && d.ndts + d.ndss == 0;
    eseal_check_status st = d.nchanged > 0 || d.nlocked > 0 || p1_violated ? ESEAL_CHECK_FAILED
                            : d.nannots_ap > 0                             ? ESEAL_CHECK_INDETERMINATE
                                                                           : ESEAL_CHECK_PASSED;
    ES_GUARD(es_report_check(rep, "modifications", st, NULL, "%s", es_buf_cstr(&sum)));
    if (p1_violated) {
        /* Under P=1 a revision must bring validation data or a document timestamp; the caller
         * has checked that every later signature is a document timestamp. */
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_MDP_VIOLATION,
                                  "the document was certified with no changes allowed (DocMDP P=1), yet a later "
                                  "revision was added that is neither validation data nor a document timestamp"));
    }
    if (d.nchanged > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CHANGED_AFTER_SIGNING,
                                  "a later revision changed or added %zu object(s) beyond what its permissions allow "
                                  "(%s%s): what is shown is not what was signed",
                                  d.nchanged, es_buf_cstr(&d.changed), d.nchanged > MAX_LISTED ? "; ..." : ""));
    }
    if (d.nlocked > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_MDP_VIOLATION,
                                  "a later revision filled form field(s) this signature locked (FieldMDP): %s",
                                  es_buf_cstr(&d.locked)));
    }
    size_t nfilled = 0;
    for (size_t i = 0; i < d.nnames; i++) {
        nfilled += d.filled[i];
    }
    if (nfilled > d.nlocked) {
        /* Allowed, yet what is shown changed (the shadow attacks' "replace via overlay"): say so in the reasons. */
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, ESEAL_R_FORM_FILLED,
                                  "%zu form field(s) were filled after this signature (later_changes names them); "
                                  "their new values are not covered by it (a signer forbids this with a field lock "
                                  "or DocMDP P=1)",
                                  nfilled - d.nlocked));
    }
    if (d.nannots > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, ESEAL_R_ANNOTATIONS_ADDED,
                                  "%zu comment annotation(s) were added after this signature, as DocMDP P=3 allows",
                                  d.nannots));
    }
    if (d.nannots_ap > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_ANNOTATION_APPEARANCE,
                                  "%zu comment annotation(s) added after signing draw their own appearance, which "
                                  "may cover signed content; whether it does was not decided",
                                  d.nannots_ap));
    }
    return ES_OK;
}
