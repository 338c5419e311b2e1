/* SPDX-License-Identifier: Apache-2.0 */
/* Reading PDFs through qpdf's C API, strictly (pdf.h). */
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "pdf/pdf_qpdf.h" /* after qpdf-c.h: qpdf calls through the table */

#include "crypto/crypto.h"
#include "eseal/trustlist.h"
#include "pdf.h"

/* qpdf opens made by this thread (es_pdf_open_count): a verification's cost in parses, for the tests. */
static _Thread_local unsigned long opens;

unsigned long es_pdf_open_count(void) { return opens; }

/* Indirect objects this thread's reader looked into (es_pdf_resolve_count): a stamp's cost in objects. */
static _Thread_local unsigned long resolves;

unsigned long es_pdf_resolve_count(void) { return resolves; }

/*
 * Every object the reader looks into passes here first. qpdf reads an indirect object from the
 * file the first time its type or content is asked for (a reference held or written out as
 * "N G R" costs nothing), so counting here bounds what a read made qpdf load.
 */
static qpdf_oh look(qpdf_data q, qpdf_oh h)
{
    if (qpdf_oh_is_indirect(q, h)) {
        resolves++;
    }
    return h;
}

/* The value of `key` in `dict`, looked into. */
static qpdf_oh key_of(qpdf_data q, qpdf_oh dict, const char *key) { return look(q, qpdf_oh_get_key(q, dict, key)); }

/* Item `i` of `arr`, looked into. */
static qpdf_oh item_of(qpdf_data q, qpdf_oh arr, int i) { return look(q, qpdf_oh_get_array_item(q, arr, i)); }

void es_pdf_qpdf_quiet(es_pdf_qpdf *p)
{
    if (p->q != NULL) {
        /* qpdf prints an error nobody fetched at cleanup; the library never prints. */
        while (qpdf_has_error(p->q)) {
            (void)qpdf_get_error(p->q);
        }
        while (qpdf_more_warnings(p->q)) {
            (void)qpdf_next_warning(p->q);
        }
    }
}

void es_pdf_qpdf_close(es_pdf_qpdf *p)
{
    if (p->q != NULL) {
        es_pdf_qpdf_quiet(p);
        qpdf_cleanup(&p->q);
    }
    es_free(p->repair);
    memset(p, 0, sizeof(*p));
}

/* The first qpdf error or warning as our error; recovery is off, so any warning means damage. */
static es_result qp_fail_err(qpdf_data q, qpdf_error e, const char *what)
{
    if (e == NULL) {
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "pdf: %s", what);
    }
    /* qpdf's detail and offset, without its idea of the file name (ours may be /proc/self/fd/N). */
    return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "pdf: %s: %s (at byte %llu)", what,
                        qpdf_get_error_message_detail(q, e), (unsigned long long)qpdf_get_error_file_position(q, e));
}

static es_result qp_fail(qpdf_data q, const char *what)
{
    qpdf_error e = NULL;
    if (qpdf_has_error(q)) {
        e = qpdf_get_error(q);
    } else if (qpdf_more_warnings(q)) {
        e = qpdf_next_warning(q);
    }
    return qp_fail_err(q, e, what);
}

/*
 * The one strict opener (pdf.h): `data`, or when `path` is not NULL that file (then `data` holds
 * its first bytes). Every qpdf parse in eseal goes through here, with the same settings.
 */
static ES_RESULT qp_open_any(es_pdf_qpdf *p, es_span data, const char *path, const eseal_limits *lim)
{
    memset(p, 0, sizeof(*p));
    p->lim = es_limits_or_default(lim);
    ES_GUARD(es_pdf_qpdf_load()); /* libqpdf, on the first PDF of the process */
    p->q = qpdf_init();
    ES_ENSURE_ALLOC(p->q);
    qpdf_silence_errors(p->q);
    qpdf_set_suppress_warnings(p->q, QPDF_TRUE);
    /* Strict: a file qpdf would have to repair is refused, never "fixed". */
    qpdf_set_attempt_recovery(p->q, QPDF_FALSE);
    ES_ENSURE(data.len >= 8 && memcmp(data.ptr, "%PDF-", 5) == 0, ESEAL_EMALFORMED,
              "pdf: the file does not start with %%PDF-");
    opens++;
    p->len = data.len;
    QPDF_ERROR_CODE rc = path != NULL ? qpdf_read(p->q, path, NULL)
                                       : qpdf_read_memory(p->q, "input.pdf", (const char *)data.ptr,
                                                          (unsigned long long)data.len, NULL);
    if (rc & QPDF_ERRORS) {
        qpdf_error e = qpdf_has_error(p->q) ? qpdf_get_error(p->q) : NULL;
        if (e != NULL && qpdf_get_error_code(p->q, e) == qpdf_e_password) {
            ES_BAIL(ESEAL_EUNSUPPORTED, "pdf: the file is encrypted with a password; eseal does not open "
                                        "encrypted PDFs (remove the encryption first)");
        }
        /* Plain words first: the user has a file named .pdf that is not one (truncated, damaged or
         * something else behind a %PDF- header); qpdf's detail follows for whoever digs. */
        return qp_fail_err(p->q, e,
                           "not a valid PDF: the file starts like a PDF but is damaged or truncated, and eseal "
                           "does not repair files");
    }
    ES_ENSURE(!qpdf_is_encrypted(p->q), ESEAL_EUNSUPPORTED,
              "pdf: the file is encrypted; remove the encryption before stamping (eseal does not re-encrypt new "
              "objects yet)");
    return ES_OK;
}

ES_RESULT es_pdf_qpdf_open(es_pdf_qpdf *p, es_span data, const eseal_limits *lim)
{
    es_result r = qp_open_any(p, data, NULL, lim);
    if (!es_ok(r)) {
        es_pdf_qpdf_close(p);
    }
    return r;
}

/* qpdf whole-tree walks made by this thread (es_pdf_page_walks): for the tests (issue 18, h-widget). */
static _Thread_local unsigned long walks;

unsigned long es_pdf_page_walks(void) { return walks; }

ES_RESULT es_pdf_qpdf_pages(es_pdf_qpdf *p, const char **repair)
{
    if (!p->pages_walked) {
        p->pages_walked = true;
        walks++;
        (void)qpdf_get_num_pages(p->q);
        if (qpdf_more_warnings(p->q)) {
            const char *w = qpdf_get_error_full_text(p->q, qpdf_next_warning(p->q));
            p->repair = es_strdup(w != NULL ? w : "a qpdf warning");
            ES_ENSURE_ALLOC(p->repair);
        }
        es_pdf_qpdf_quiet(p);
    }
    *repair = p->repair;
    return ES_OK;
}

/*
 * The widget's page without qpdf's whole-tree walk (issue 18, h-widget; pdf.h says what).
 *
 * qpdf (11.x, QPDF_pages.cc getAllPages) enumerates the pages depth first from the catalog's
 * /Pages, in /Kids order: a kid with a non-null /Kids is a node walked into, any other kid is a
 * page. It repairs as it goes, with a warning: a node or page without the right /Type gets it, a
 * direct page is made indirect (a new object number), a page listed again becomes a copy (a new
 * object number), a root /Pages with a /Parent is replaced by the top of its /Parent chain; a node
 * reached twice stops the enumeration (what it found so far stays qpdf's list). None of these
 * changes the place of a page enumerated before them. So the walk below stops at the first
 * page that is the one sought and counts the pages before it; everything it relied on is
 * something qpdf enumerates unrepaired, so the count is qpdf's index. Anything qpdf would repair
 * or warn about on the way (also an object it cannot read), a depth beyond
 * ES_PDF_MAX_TREE_DEPTH, an object number beyond ES_PDF_MAX_OBJNUM: *sure = false, and the caller
 * asks qpdf (es_pdf_qpdf_pages, then qpdf_get_page_n). /Count is never used: a wrong one changes
 * nothing here, as it changes nothing in qpdf's enumeration.
 */
typedef struct {
    qpdf_oh node, kids;
    int n, i;
} walk_level;

/* Is `h` a dictionary whose /Type is the name `type`, as qpdf's isDictionaryOfType asks? */
static bool dict_of_type(qpdf_data q, qpdf_oh h, const char *type)
{
    return qpdf_oh_is_dictionary_of_type(q, h, type, "") != QPDF_FALSE;
}

/* qpdf said something (an unreadable object, a type warning): the part walked is not clean. */
static bool qpdf_spoke(qpdf_data q) { return qpdf_has_error(q) || qpdf_more_warnings(q); }

/* Does the page `pg`'s /Annots list object `wn` (by number, as the full walk compares)? */
static bool annots_hold(qpdf_data q, qpdf_oh pg, int wn)
{
    qpdf_oh annots = key_of(q, pg, "/Annots");
    int na = qpdf_oh_is_array(q, annots) ? qpdf_oh_get_array_n_items(q, annots) : 0;
    bool found = false;
    for (int k = 0; k < na && !found; k++) {
        qpdf_oh a = qpdf_oh_get_array_item(q, annots, k); /* its number only: not looked into */
        found = qpdf_oh_get_object_id(q, a) == wn;
        qpdf_oh_release(q, a);
    }
    qpdf_oh_release(q, annots);
    return found;
}

ES_RESULT es_pdf_find_page(es_pdf_qpdf *p, int pn, int wn, size_t *page, bool *sure)
{
    *page = 0;
    *sure = false;
    qpdf_data q = p->q;
    ES_ENSURE(pn != 0 || wn != 0, ESEAL_EINVAL, "pdf: a page sought by neither its number nor a widget");
    es_pdf_qpdf_quiet(p); /* what was pending is not this walk's business */
    /* One bit per object number reached: a node reached again is a loop, a page a duplicate. */
    uint8_t *reached = es_calloc((size_t)ES_PDF_MAX_OBJNUM / 8 + 1, 1);
    ES_ENSURE_ALLOC(reached);
    walk_level lv[ES_PDF_MAX_TREE_DEPTH];
    size_t depth = 0, before = 0;
    bool clean = false, found = false;
    qpdf_oh root = key_of(q, look(q, qpdf_get_root(q)), "/Pages");
    int rn = qpdf_oh_get_object_id(q, root);
    if (qpdf_oh_is_indirect(q, root) && rn > 0 && rn <= ES_PDF_MAX_OBJNUM && dict_of_type(q, root, "/Pages") &&
        !qpdf_oh_has_key(q, root, "/Parent") && qpdf_oh_has_key(q, root, "/Kids") && !qpdf_spoke(q)) {
        qpdf_oh kids = key_of(q, root, "/Kids");
        if (qpdf_oh_is_array(q, kids)) {
            reached[rn / 8] |= (uint8_t)(1u << (rn % 8));
            lv[depth++] = (walk_level){root, kids, qpdf_oh_get_array_n_items(q, kids), 0};
            clean = true;
        }
    }
    while (clean && !found && depth > 0) {
        walk_level *l = &lv[depth - 1];
        if (l->i == l->n) {
            qpdf_oh_release(q, l->kids);
            qpdf_oh_release(q, l->node);
            depth--;
            continue;
        }
        qpdf_oh kid = item_of(q, l->kids, l->i++);
        int num = qpdf_oh_get_object_id(q, kid);
        clean = qpdf_oh_is_indirect(q, kid) && num > 0 && num <= ES_PDF_MAX_OBJNUM &&
                (reached[num / 8] & (1u << (num % 8))) == 0 && qpdf_oh_is_dictionary(q, kid) && !qpdf_spoke(q);
        if (!clean) {
            qpdf_oh_release(q, kid);
            break;
        }
        reached[num / 8] |= (uint8_t)(1u << (num % 8));
        if (qpdf_oh_has_key(q, kid, "/Kids")) {
            /* A node: qpdf walks into it (and gives it /Type /Pages if it has not). */
            qpdf_oh kids = key_of(q, kid, "/Kids");
            clean = dict_of_type(q, kid, "/Pages") && qpdf_oh_is_array(q, kids) && depth < ES_PDF_MAX_TREE_DEPTH &&
                    !qpdf_spoke(q);
            if (clean) {
                lv[depth++] = (walk_level){kid, kids, qpdf_oh_get_array_n_items(q, kids), 0};
            } else {
                qpdf_oh_release(q, kids);
                qpdf_oh_release(q, kid);
            }
            continue;
        }
        /* A page. */
        clean = dict_of_type(q, kid, "/Page") && before < (size_t)INT_MAX;
        found = clean && (pn != 0 ? num == pn : annots_hold(q, kid, wn));
        clean = clean && !qpdf_spoke(q);
        before += clean && !found ? 1 : 0;
        qpdf_oh_release(q, kid);
    }
    for (; depth > 0; depth--) {
        qpdf_oh_release(q, lv[depth - 1].kids);
        qpdf_oh_release(q, lv[depth - 1].node);
    }
    qpdf_oh_release(q, root);
    es_free(reached);
    es_pdf_qpdf_quiet(p);
    /* Clean to the end without finding it: qpdf's enumeration has no such page either. */
    *sure = clean;
    *page = clean && found ? before + 1 : 0;
    return ES_OK;
}

static ES_RESULT dup_str(char **out, const char *s)
{
    *out = es_strdup(s != NULL ? s : "");
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

/* "<< /K v /K v ..." of a dictionary without the keys in `skip` and without the closing ">>". */
static ES_RESULT dict_without(char **out, const eseal_limits *lim, qpdf_data q, qpdf_oh dict,
                               const char *const *skip, size_t nskip)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(lim->max_der_bytes);
    ES_GUARD(es_buf_append_str(&b, "<<"));
    /* Keys first (the iterator's strings do not survive other calls), then values. */
    char *keys[512];
    size_t n = 0;
    qpdf_oh_begin_dict_key_iter(q, dict);
    while (qpdf_oh_dict_more_keys(q)) {
        const char *k = qpdf_oh_dict_next_key(q);
        bool skipped = false;
        for (size_t i = 0; i < nskip; i++) {
            skipped = skipped || strcmp(k, skip[i]) == 0;
        }
        if (skipped) {
            continue;
        }
        if (n == 512) {
            for (size_t i = 0; i < n; i++) {
                es_free(keys[i]);
            }
            ES_BAIL(ESEAL_ELIMIT, "pdf: a dictionary has more than 512 keys");
        }
        keys[n] = es_strdup(k);
        if (keys[n] == NULL) {
            for (size_t i = 0; i < n; i++) {
                es_free(keys[i]);
            }
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
        n++;
    }
    es_result r = ES_OK;
    for (size_t i = 0; i < n; i++) {
        if (es_ok(r)) {
            qpdf_oh v = qpdf_oh_get_key(q, dict, keys[i]); /* unparsed: "N G R" is not resolved */
            const char *t = qpdf_oh_unparse_binary(q, v);
            r = es_buf_printf(&b, " %s %s", keys[i], t);
        }
        es_free(keys[i]);
    }
    ES_GUARD(r);
    return dup_str(out, es_buf_cstr(&b));
}

/* The items of an array (direct or indirect) as "a b c". */
static ES_RESULT array_items(char **out, const eseal_limits *lim, qpdf_data q, qpdf_oh arr)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(lim->max_der_bytes);
    if (qpdf_oh_is_array(q, arr)) {
        int n = qpdf_oh_get_array_n_items(q, arr);
        for (int i = 0; i < n; i++) {
            qpdf_oh it = qpdf_oh_get_array_item(q, arr, i); /* unparsed, not resolved */
            ES_GUARD(es_buf_printf(&b, "%s%s", i == 0 ? "" : " ", qpdf_oh_unparse_binary(q, it)));
        }
    }
    return dup_str(out, es_buf_cstr(&b));
}

/*
 * Last "startxref N" in `tail` (the file's last bytes; the file is `total` bytes long), ISO 32000-1
 * §7.5.5. Whether that section is a stream (§7.5.8) is decided by the caller from the bytes at N.
 */
static ES_RESULT find_startxref(es_pdf_doc *d, es_span tail, size_t total)
{
    const uint8_t *p = NULL;
    for (size_t i = tail.len >= 9 ? tail.len - 9 : 0; tail.len >= 9; i--) {
        if (memcmp(tail.ptr + i, "startxref", 9) == 0) {
            p = tail.ptr + i + 9;
            break;
        }
        if (i == 0) {
            break;
        }
    }
    ES_ENSURE(p != NULL, ESEAL_EMALFORMED,
              "pdf: not a valid PDF: the file starts like a PDF but is damaged or truncated (no startxref in "
              "its last 2 KiB, ISO 32000-1 §7.5.5)");
    es_cur c = es_cur_of(es_span_of(p, (size_t)(tail.ptr + tail.len - p)));
    while (!es_cur_eof(&c) && (c.base[c.pos] == ' ' || c.base[c.pos] == '\r' || c.base[c.pos] == '\n')) {
        c.pos++;
    }
    uint64_t off = 0;
    ES_GUARD(es_cur_uint(&c, total, &off));
    d->startxref = (size_t)off;
    ES_ENSURE(off + 4 <= total, ESEAL_EMALFORMED,
              "pdf: not a valid PDF: the file starts like a PDF but is damaged or truncated (startxref %zu points "
              "past the end)",
              d->startxref);
    return ES_OK;
}

/* A rectangle (ISO 32000-1 §7.9.5): four numbers, two opposite corners in any order; normalised. */
static ES_RESULT read_rect(qpdf_data q, qpdf_oh node, const char *key, double box[4])
{
    qpdf_oh a = key_of(q, node, key);
    ES_ENSURE(qpdf_oh_is_array(q, a) && qpdf_oh_get_array_n_items(q, a) == 4, ESEAL_EMALFORMED,
              "pdf: a %s is not an array of 4 numbers", key);
    double v[4];
    for (int i = 0; i < 4; i++) {
        qpdf_oh x = item_of(q, a, i);
        ES_ENSURE(qpdf_oh_is_number(q, x), ESEAL_EMALFORMED, "pdf: a %s holds a non-number", key);
        v[i] = qpdf_oh_get_numeric_value(q, x);
        ES_ENSURE(isfinite(v[i]) && fabs(v[i]) < 1e9, ESEAL_EMALFORMED, "pdf: a %s holds %g", key, v[i]);
    }
    box[0] = fmin(v[0], v[2]);
    box[1] = fmin(v[1], v[3]);
    box[2] = fmax(v[0], v[2]);
    box[3] = fmax(v[1], v[3]);
    return ES_OK;
}

/*
 * The page attributes inherited through the page tree (ISO 32000-1 §7.7.3.4, Table 30): the
 * MediaBox (required), the CropBox (default: the MediaBox; clipped to the MediaBox, §14.11.2)
 * and /Rotate (default 0; an integer multiple of 90, checked where a page is stamped).
 */
static ES_RESULT inherited_box(qpdf_data q, qpdf_oh page, es_pdf_page *p)
{
    qpdf_oh node = page;
    bool have_box = false, have_crop = false, have_rot = false;
    double crop[4] = {0};
    for (int depth = 0; depth < ES_PDF_MAX_INHERIT_DEPTH && qpdf_oh_is_dictionary(q, node) && !(have_box && have_crop && have_rot);
         depth++) {
        if (!have_box && qpdf_oh_has_key(q, node, "/MediaBox")) {
            ES_GUARD(read_rect(q, node, "/MediaBox", p->media));
            have_box = true;
        }
        if (!have_crop && qpdf_oh_has_key(q, node, "/CropBox")) {
            ES_GUARD(read_rect(q, node, "/CropBox", crop));
            have_crop = true;
        }
        if (!have_rot && qpdf_oh_has_key(q, node, "/Rotate")) {
            qpdf_oh r = key_of(q, node, "/Rotate");
            double v = qpdf_oh_is_number(q, r) ? qpdf_oh_get_numeric_value(q, r) : 0.5;
            /* Not an integer: kept as an impossible value, refused when this page is stamped. */
            p->rotate = v == floor(v) && fabs(v) <= 360000 ? (int)v : ES_PDF_ROTATE_BAD;
            have_rot = true;
        }
        node = key_of(q, node, "/Parent");
    }
    ES_ENSURE(have_box, ESEAL_EMALFORMED, "pdf: a page has no /MediaBox");
    memcpy(p->crop, p->media, sizeof(p->crop));
    if (have_crop) {
        /* The intersection; an empty one leaves a visible area of zero size (nothing fits on it). */
        p->crop[0] = fmin(fmax(crop[0], p->media[0]), p->media[2]);
        p->crop[1] = fmin(fmax(crop[1], p->media[1]), p->media[3]);
        p->crop[2] = fmax(fmin(crop[2], p->media[2]), p->crop[0]);
        p->crop[3] = fmax(fmin(crop[3], p->media[3]), p->crop[1]);
    }
    return ES_OK;
}

static bool is_sig_field(qpdf_data q, qpdf_oh f)
{
    return qpdf_oh_is_dictionary(q, f) && qpdf_oh_is_name_and_equals(q, key_of(q, f, "/FT"), "/Sig");
}

static ES_RESULT signatures_of(const eseal_limits *lim, qpdf_data q, es_pdf_sig *sigs, size_t max, size_t *n);

/* The DocMDP permission of a certification signature already in the document (0: none). */
static ES_RESULT certification_of(es_pdf_doc *d, qpdf_data q, const eseal_limits *lim)
{
    enum { MAX_LISTED = 64 };
    es_pdf_sig *sigs = es_calloc(MAX_LISTED, sizeof(*sigs));
    ES_ENSURE_ALLOC(sigs);
    size_t n = 0;
    /* A listing that fails (damage is refused above; more than MAX_LISTED signatures) certifies nothing. */
    if (es_ok(signatures_of(lim, q, sigs, MAX_LISTED, &n))) {
        for (size_t i = 0; i < n; i++) {
            if (sigs[i].docmdp_p != 0 && (d->docmdp_p == 0 || sigs[i].docmdp_p < d->docmdp_p)) {
                d->docmdp_p = sigs[i].docmdp_p;
            }
            es_pdf_sig_free(&sigs[i]);
        }
    }
    es_free(sigs);
    return ES_OK;
}

static ES_RESULT read_doc(es_pdf_doc *d, qpdf_data q, const eseal_limits *lim)
{
    qpdf_oh trailer = qpdf_get_trailer(q);
    d->size = qpdf_oh_get_int_value_as_int(q, key_of(q, trailer, "/Size"));
    ES_ENSURE(d->size > 0 && d->size < ES_PDF_MAX_OBJNUM, ESEAL_EMALFORMED, "pdf: trailer /Size %d is not usable", d->size);
    if (qpdf_oh_has_key(q, trailer, "/Info")) {
        qpdf_oh info = qpdf_oh_get_key(q, trailer, "/Info"); /* looked into only when direct */
        /* Carried into the update's trailer as written: "N G R", or a direct dictionary (ISO
         * 32000-1 §7.5.5 wants it indirect, readers accept both), else the title and author of
         * the document would vanish from the stamped file and an earlier signature would see
         * its /Info removed. */
        if (qpdf_oh_is_indirect(q, info) || qpdf_oh_is_dictionary(q, info)) {
            ES_GUARD(dup_str(&d->info, qpdf_oh_unparse(q, info)));
        }
    }
    qpdf_oh id = key_of(q, trailer, "/ID");
    if (qpdf_oh_is_array(q, id) && qpdf_oh_get_array_n_items(q, id) >= 1) {
        size_t n = 0;
        const char *v = qpdf_oh_get_binary_string_value(q, item_of(q, id, 0), &n);
        if (v != NULL && n > 0 && n <= sizeof(d->id0)) {
            memcpy(d->id0, v, n);
            d->id0_len = n;
        }
    }
    qpdf_oh root = look(q, qpdf_get_root(q));
    ES_ENSURE(qpdf_oh_is_dictionary(q, root), ESEAL_EMALFORMED, "pdf: no document catalog");
    d->root = (es_pdf_ref){qpdf_oh_get_object_id(q, root), qpdf_oh_get_generation(q, root)};
    static const char *const skip_root[] = {"/AcroForm"};
    ES_GUARD(dict_without(&d->root_wo_acroform, lim, q, root, skip_root, 1));
    static const char *const skip_dss[] = {"/DSS"};
    ES_GUARD(dict_without(&d->root_wo_dss, lim, q, root, skip_dss, 1));
    qpdf_oh dss = key_of(q, root, "/DSS");
    d->has_dss = qpdf_oh_is_dictionary(q, dss);
    static const char *const dss_keys[] = {"/Certs", "/OCSPs", "/CRLs", "/ESealRegistryAnswers"};
    char **dss_items[] = {&d->dss_certs, &d->dss_ocsps, &d->dss_crls, &d->dss_answers};
    for (size_t i = 0; i < 4; i++) {
        /* Only a dictionary is asked for its keys: qpdf warns (a damage here) about anything else. */
        ES_GUARD(d->has_dss ? array_items(dss_items[i], lim, q, key_of(q, dss, dss_keys[i]))
                            : dup_str(dss_items[i], ""));
    }
    if (d->has_dss && qpdf_oh_has_key(q, dss, "/VRI")) {
        ES_GUARD(dup_str(&d->dss_vri, qpdf_oh_unparse_binary(q, qpdf_oh_get_key(q, dss, "/VRI"))));
    }

    qpdf_oh af = key_of(q, root, "/AcroForm");
    if (qpdf_oh_is_dictionary(q, af)) {
        d->acroform_indirect = qpdf_oh_is_indirect(q, af);
        d->acroform_ref = (es_pdf_ref){qpdf_oh_get_object_id(q, af), qpdf_oh_get_generation(q, af)};
        static const char *const skip_af[] = {"/Fields", "/SigFlags"};
        ES_GUARD(dict_without(&d->acroform_wo_fields, lim, q, af, skip_af, 2));
        qpdf_oh fields = key_of(q, af, "/Fields");
        ES_GUARD(array_items(&d->fields, lim, q, fields));
        int n = qpdf_oh_is_array(q, fields) ? qpdf_oh_get_array_n_items(q, fields) : 0;
        for (int i = 0; i < n; i++) {
            d->nsig_fields += is_sig_field(q, item_of(q, fields, i));
        }
    } else {
        ES_GUARD(dup_str(&d->fields, ""));
    }

    /* The page count, from the root of the page tree (its /Count, required: ISO 32000-1 §7.7.3.2,
     * Table 29); no page is read here (es_pdf_load_pages). */
    qpdf_oh pages = key_of(q, root, "/Pages");
    qpdf_oh count = qpdf_oh_is_dictionary(q, pages) ? key_of(q, pages, "/Count") : qpdf_oh_new_null(q);
    long long np = qpdf_oh_is_integer(q, count) ? qpdf_oh_get_int_value(q, count) : 0;
    ES_ENSURE(np > 0 && (unsigned long long)np <= lim->max_objects, ESEAL_EMALFORMED,
              "pdf: the document has no pages (or cannot count them)");
    d->npages = (size_t)np;
    if (qpdf_has_error(q) || qpdf_more_warnings(q)) {
        return qp_fail(q, "is damaged");
    }
    return certification_of(d, q, lim);
}

/* ---- the pages a stamp touches: a walk down the page tree, not a list of every page ---- */

/*
 * The page tree (ISO 32000-1 §7.7.3): a node has /Kids and /Count, the number of pages (leaves)
 * under it; a leaf is a /Type /Page dictionary (qpdf's rule too: a kid with /Kids is a node).
 * Page n is found as pdf.js and MuPDF find it, by the counts: from the root down, the kids before
 * the one holding it skipped by their /Count, each looked at once; the pages after it, for a
 * cross-page seal, follow in order. A node of at most ES_PDF_TREE_CHECKED kids (every level of a
 * balanced tree) has all its kids looked at and their counts checked against its own; a wider
 * node (a flat tree, as many producers write) is entered from the end nearer the page, so that
 * page 1 and the last page (where a stamp goes by default) cost the depth of the tree, and page n
 * at most the kids between it and the nearer end (page 5,000 of a flat tree of 10,000 looks at
 * 5,000 kids). Nothing else of the tree is read: a /Count that lies in a wide node or a part not
 * walked is not seen (qpdf, which walked every page before issue #18, did not read /Count at all),
 * and there the stamp may go on another leaf than a full enumeration would number n, as viewers
 * that trust /Count differ too; the signature and its verdict do not depend on it. What is walked
 * must agree: counts that do not add up, a kid counting more than its node has left, a node whose
 * kids hold fewer pages than its /Count, a leaf that is not a /Page, a kid that is not a
 * dictionary, a tree deeper than ES_PDF_MAX_TREE_DEPTH (a loop in /Kids ends there): refused.
 */
typedef struct {
    qpdf_oh kids; /* the node's /Kids */
    int n;        /* how many */
    int at;       /* the kid on the path */
} tree_level;

typedef struct {
    qpdf_data q;
    const eseal_limits *lim;
    tree_level lv[ES_PDF_MAX_TREE_DEPTH];
    int top; /* lv[top].kids[lv[top].at] is the current page */
} tree_walk;

/* A node's /Kids into `lv` (at: before the first kid). */
static ES_RESULT tree_node(tree_walk *w, int depth, qpdf_oh node)
{
    ES_ENSURE(depth < ES_PDF_MAX_TREE_DEPTH, ESEAL_EMALFORMED,
              "pdf: the page tree is more than %d levels deep (a loop in /Kids?)", ES_PDF_MAX_TREE_DEPTH);
    qpdf_oh kids = key_of(w->q, node, "/Kids");
    ES_ENSURE(qpdf_oh_is_array(w->q, kids), ESEAL_EMALFORMED, "pdf: a page tree node's /Kids is not an array");
    w->lv[depth] = (tree_level){kids, qpdf_oh_get_array_n_items(w->q, kids), -1};
    w->top = depth;
    return ES_OK;
}

/* What kid `kid` is: a leaf (a page, *count 1) or a node with *count pages (its /Count). */
static ES_RESULT tree_kid(tree_walk *w, qpdf_oh kid, bool *leaf, long long *count)
{
    qpdf_data q = w->q;
    ES_ENSURE(qpdf_oh_is_dictionary(q, kid), ESEAL_EMALFORMED,
              "pdf: the page tree holds something other than a dictionary (object %d) among /Kids",
              qpdf_oh_get_object_id(q, kid));
    *leaf = !qpdf_oh_has_key(q, kid, "/Kids");
    if (*leaf) {
        ES_ENSURE(qpdf_oh_is_name_and_equals(q, key_of(q, kid, "/Type"), "/Page"), ESEAL_EMALFORMED,
                  "pdf: object %d, a leaf of the page tree, is not a /Type /Page (ISO 32000-1 §7.7.3.3)",
                  qpdf_oh_get_object_id(q, kid));
        *count = 1;
        return ES_OK;
    }
    qpdf_oh c = key_of(q, kid, "/Count");
    *count = qpdf_oh_is_integer(q, c) ? qpdf_oh_get_int_value(q, c) : -1;
    ES_ENSURE(*count >= 0 && (unsigned long long)*count <= w->lim->max_objects, ESEAL_EMALFORMED,
              "pdf: page tree node %d has no usable /Count (ISO 32000-1 §7.7.3.2)", qpdf_oh_get_object_id(q, kid));
    return ES_OK;
}

/*
 * Down from the root (holding `total` pages by its /Count) to page `index` (0-based): the path
 * into w->lv. A node of at most ES_PDF_TREE_CHECKED kids has all of them looked at, and their
 * counts must add up to its /Count. In a wider node (a flat tree) the kids are looked at from the
 * end nearer the page, the ones before it skipped by their counts: from the back, page `index`
 * is where the node's /Count minus the pages of the kids after it says.
 */
static ES_RESULT tree_find(tree_walk *w, qpdf_oh node, long long total, long long index)
{
    qpdf_data q = w->q;
    for (int depth = 0;; depth++) {
        ES_GUARD(tree_node(w, depth, node));
        tree_level *l = &w->lv[depth];
        bool all = l->n <= ES_PDF_TREE_CHECKED, back = !all && index >= total / 2;
        long long before = back ? total : 0, sum = 0, found_count = 0; /* pages before kid i */
        bool found = false, found_leaf = false;
        for (int k = 0; k < l->n && (all || !found); k++) {
            int i = back ? l->n - 1 - k : k;
            qpdf_oh kid = item_of(q, l->kids, i);
            bool leaf = false;
            long long count = 0;
            ES_GUARD(tree_kid(w, kid, &leaf, &count));
            sum += count;
            bool here;
            if (back) {
                ES_ENSURE(count <= before, ESEAL_EMALFORMED,
                          "pdf: the page tree's counts disagree (its kids hold more pages than its /Count)");
                before -= count;
                here = index >= before;
            } else {
                here = !found && index >= before && index < before + count;
                if (!found && !here) {
                    before += count;
                }
            }
            if (here) {
                found = true;
                found_leaf = leaf;
                found_count = count;
                l->at = i;
                node = kid;
            } else {
                qpdf_oh_release(q, kid);
            }
        }
        ES_ENSURE(!all || sum == total, ESEAL_EMALFORMED,
                  "pdf: the page tree's counts disagree (a node's /Count is %lld, its kids hold %lld pages)", total,
                  sum);
        ES_ENSURE(found, ESEAL_EMALFORMED,
                  "pdf: the page tree's counts disagree (its kids hold fewer pages than its /Count)");
        index -= before;
        if (found_leaf) {
            return ES_OK;
        }
        total = found_count;
    }
}

/* The page after the current one, in order: up until a node has a kid left, then down its first kids. */
static ES_RESULT tree_next(tree_walk *w)
{
    for (;;) {
        tree_level *l = &w->lv[w->top];
        if (l->at + 1 >= l->n) {
            ES_ENSURE(w->top > 0, ESEAL_EMALFORMED,
                      "pdf: the page tree's counts disagree (it holds fewer pages than its /Count)");
            w->top--;
            continue;
        }
        l->at++;
        qpdf_oh kid = item_of(w->q, l->kids, l->at);
        bool leaf = false;
        long long count = 0;
        ES_GUARD(tree_kid(w, kid, &leaf, &count));
        if (leaf) {
            return ES_OK;
        }
        ES_GUARD(tree_node(w, w->top + 1, kid));
    }
}

/* One page: its attributes (inherited ones through /Parent), its dictionary without /Annots and those. */
static ES_RESULT read_page(es_pdf_page *p, qpdf_data q, const eseal_limits *lim, qpdf_oh pg, size_t page_no)
{
    p->ref = (es_pdf_ref){qpdf_oh_get_object_id(q, pg), qpdf_oh_get_generation(q, pg)};
    ES_ENSURE(p->ref.num > 0, ESEAL_EMALFORMED, "pdf: page %zu is not an indirect object", page_no);
    ES_GUARD(inherited_box(q, pg, p));
    static const char *const skip_pg[] = {"/Annots"};
    ES_GUARD(dict_without(&p->dict_wo_annots, lim, q, pg, skip_pg, 1));
    return array_items(&p->annots, lim, q, key_of(q, pg, "/Annots"));
}

ES_RESULT es_pdf_load_pages(es_pdf_doc *d, size_t first, size_t last)
{
    ES_ENSURE(d->parse.q != NULL && d->nloaded == 0, ESEAL_ERROR, "pdf: internal: pages asked twice, or of a closed document");
    if (first == 0 && last == 0) {
        first = last = d->npages; /* the last page */
    }
    ES_ENSURE(first >= 1 && first <= last && last <= d->npages, ESEAL_EINVAL, "pdf: pages %zu..%zu do not exist (1..%zu)",
              first, last, d->npages);
    ES_ENSURE(last - first < ES_PDF_MAX_PAGES_CROSS, ESEAL_ELIMIT, "pdf: more than %d pages asked for at once",
              ES_PDF_MAX_PAGES_CROSS);
    qpdf_data q = d->parse.q;
    d->pages = es_calloc(last - first + 1, sizeof(*d->pages));
    ES_ENSURE_ALLOC(d->pages);
    d->first_page = first;
    tree_walk *w = es_calloc(1, sizeof(*w));
    ES_ENSURE_ALLOC(w);
    w->q = q;
    w->lim = d->parse.lim;
    qpdf_oh root = key_of(q, look(q, qpdf_get_root(q)), "/Pages");
    es_result r = tree_find(w, root, (long long)d->npages, (long long)(first - 1));
    for (size_t n = first; es_ok(r) && n <= last; n++) {
        if (n > first) {
            r = tree_next(w);
        }
        if (es_ok(r)) {
            tree_level *l = &w->lv[w->top];
            d->nloaded++; /* what read_page took is freed by es_pdf_close even when it fails */
            r = read_page(&d->pages[n - first], q, w->lim, qpdf_oh_get_array_item(q, l->kids, l->at), n);
        }
    }
    es_free(w);
    qpdf_oh_release_all(q);
    ES_GUARD(r);
    if (qpdf_has_error(q) || qpdf_more_warnings(q)) {
        return qp_fail(q, "is damaged");
    }
    return ES_OK;
}

const es_pdf_page *es_pdf_page_at(const es_pdf_doc *d, size_t page_no)
{
    return page_no >= d->first_page && page_no - d->first_page < d->nloaded && d->first_page > 0
               ? &d->pages[page_no - d->first_page]
               : NULL;
}

ES_RESULT es_pdf_open(es_pdf_doc *d, es_span data, const eseal_limits *lim)
{
    lim = es_limits_or_default(lim);
    memset(d, 0, sizeof(*d));
    d->data = data;
    d->size_bytes = data.len;
    ES_ENSURE(data.len <= lim->max_input_bytes, ESEAL_ELIMIT, "pdf: the file is %zu bytes, more than max_input_bytes (%llu)",
              data.len, (unsigned long long)lim->max_input_bytes);
    size_t tail = data.len > ES_PDF_TAIL_BYTES ? ES_PDF_TAIL_BYTES : data.len;
    ES_GUARD(find_startxref(d, es_span_of(data.ptr + data.len - tail, tail), data.len));
    d->xref_stream = memcmp(data.ptr + d->startxref, "xref", 4) != 0;
    d->last_byte = data.len > 0 ? data.ptr[data.len - 1] : 0;
    es_result r = qp_open_any(&d->parse, data, NULL, lim);
    if (es_ok(r)) {
        r = read_doc(d, d->parse.q, lim);
    }
    if (!es_ok(r)) {
        es_pdf_close(d); /* a half-read document owns strings and pages: free them (found by fuzzing) */
    }
    return r;
}

static ES_RESULT pread_all(int fd, uint8_t *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) {
            continue;
        }
        ES_ENSURE(k > 0, ESEAL_EIO, "pdf: reading the input: %s", k < 0 ? strerror(errno) : "unexpected end");
        got += (size_t)k;
    }
    return ES_OK;
}

ES_RESULT es_pdf_open_fd(es_pdf_doc *d, int fd, uint64_t size, const eseal_limits *lim)
{
    lim = es_limits_or_default(lim);
    memset(d, 0, sizeof(*d));
    d->size_bytes = (size_t)size;
    ES_ENSURE(size <= lim->max_input_bytes, ESEAL_ELIMIT, "pdf: the file is %llu bytes, more than max_input_bytes (%llu)",
              (unsigned long long)size, (unsigned long long)lim->max_input_bytes);
    ES_ENSURE(size >= 16, ESEAL_EMALFORMED, "pdf: the file is too short to be a PDF");
    uint8_t head[8], tailbuf[ES_PDF_TAIL_BYTES], at[4];
    size_t tail = size > sizeof(tailbuf) ? sizeof(tailbuf) : (size_t)size;
    ES_GUARD(pread_all(fd, head, sizeof(head), 0));
    ES_GUARD(pread_all(fd, tailbuf, tail, size - tail));
    ES_GUARD(find_startxref(d, es_span_of(tailbuf, tail), (size_t)size));
    ES_GUARD(pread_all(fd, at, sizeof(at), d->startxref));
    d->xref_stream = memcmp(at, "xref", 4) != 0;
    d->last_byte = tailbuf[tail - 1];
    /* qpdf reads the very file we hold open, lazily (little memory), even if its path is swapped:
     * from a mapping (qpdf reads a classic cross-reference table line by line, about three system
     * calls per entry through a FILE, which was most of a large stamp), else through the descriptor. */
    es_result r = es_map_fd(&d->map, fd, (size_t)size);
    if (es_ok(r)) {
        r = qp_open_any(&d->parse, es_span_of(d->map.ptr, d->map.len), NULL, lim);
    } else {
        eseal_error_clear();
        char path[64];
        (void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        r = qp_open_any(&d->parse, es_span_of(head, sizeof(head)), path, lim);
    }
    if (es_ok(r)) {
        r = read_doc(d, d->parse.q, lim);
    }
    if (!es_ok(r) && es_map_damaged(&d->map)) {
        r = es_map_check(&d->map, "the input"); /* the cut, not what qpdf made of the zeros after it */
    }
    if (!es_ok(r)) {
        es_pdf_close(d); /* a half-read document owns strings and pages: free them (found by fuzzing) */
    }
    return r;
}

ES_RESULT es_pdf_intact(const es_pdf_doc *d) { return es_map_check(&d->map, "the input"); }

void es_pdf_close(es_pdf_doc *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->nloaded; i++) {
        es_free(d->pages[i].dict_wo_annots);
        es_free(d->pages[i].annots);
    }
    es_free(d->pages);
    es_free(d->root_wo_acroform);
    es_free(d->root_wo_dss);
    es_free(d->dss_certs);
    es_free(d->dss_ocsps);
    es_free(d->dss_crls);
    es_free(d->dss_answers);
    es_free(d->dss_vri);
    es_free(d->acroform_wo_fields);
    es_free(d->fields);
    es_free(d->info);
    es_pdf_qpdf_close(&d->parse);
    es_map_close(&d->map); /* after qpdf, which reads from it */
    memset(d, 0, sizeof(*d));
}

/* ---- signatures, for the verifier ----------------------------------------- */

void es_pdf_sig_free(es_pdf_sig *s)
{
    es_free(s->field);
    es_free(s->subfilter);
    es_free(s->m);
    es_free(s->error);
    es_free(s->lock_fields);
    es_buf_free(&s->contents);
    es_buf_free(&s->seal);
    memset(s, 0, sizeof(*s));
}

/* A FieldMDP transform's /Action and /Fields (text strings: full field names). */
static ES_RESULT read_field_lock(es_pdf_sig *s, qpdf_data q, qpdf_oh tp)
{
    qpdf_oh act = key_of(q, tp, "/Action");
    ES_ENSURE(qpdf_oh_is_name(q, act), ESEAL_EMALFORMED, "pdf: signature %s: a FieldMDP lock without /Action",
              s->field);
    const char *a = qpdf_oh_get_name(q, act);
    s->lock_action = strcmp(a, "/All") == 0       ? ES_PDF_LOCK_ALL
                     : strcmp(a, "/Include") == 0 ? ES_PDF_LOCK_INCLUDE
                     : strcmp(a, "/Exclude") == 0 ? ES_PDF_LOCK_EXCLUDE
                                                  : ES_PDF_LOCK_NONE;
    ES_ENSURE(s->lock_action != ES_PDF_LOCK_NONE, ESEAL_EMALFORMED,
              "pdf: signature %s: FieldMDP /Action %s is not /All, /Include or /Exclude", s->field, a);
    if (s->lock_action == ES_PDF_LOCK_ALL) {
        return ES_OK;
    }
    qpdf_oh fields = key_of(q, tp, "/Fields");
    ES_ENSURE(qpdf_oh_is_array(q, fields), ESEAL_EMALFORMED, "pdf: signature %s: FieldMDP %s without /Fields",
              s->field, a);
    ES_AUTO(es_buf_freep) es_buf names = ES_BUF_INIT(ES_PDF_NAMES_MAX);
    int n = qpdf_oh_get_array_n_items(q, fields);
    for (int i = 0; i < n; i++) {
        size_t len = 0;
        const char *t = qpdf_oh_get_binary_string_value(q, item_of(q, fields, i), &len);
        ES_ENSURE(t != NULL && len > 0 && memchr(t, '\n', len) == NULL && memchr(t, 0, len) == NULL,
                  ESEAL_EMALFORMED, "pdf: signature %s: a FieldMDP field name is not a usable string", s->field);
        ES_GUARD(es_buf_printf(&names, "%s%.*s", i == 0 ? "" : "\n", (int)len, t));
    }
    s->lock_fields = es_strdup(es_buf_cstr(&names));
    ES_ENSURE_ALLOC(s->lock_fields);
    return ES_OK;
}

static ES_RESULT read_sig(es_pdf_sig *s, const eseal_limits *lim, qpdf_data q, qpdf_oh field)
{
    memset(s, 0, sizeof(*s));
    s->contents = (es_buf)ES_BUF_INIT(lim->max_der_bytes);
    s->seal = (es_buf)ES_BUF_INIT(lim->max_der_bytes);
    size_t n = 0;
    qpdf_oh tn = key_of(q, field, "/T");
    const char *t = qpdf_oh_is_string(q, tn) ? qpdf_oh_get_binary_string_value(q, tn, &n) : NULL;
    s->field = es_strndup(t != NULL ? t : "", t != NULL ? n : 0);
    ES_ENSURE_ALLOC(s->field);
    qpdf_oh v = key_of(q, field, "/V");
    /* Which objects they are: one signature must not be listed as two (pdf_verify.c). */
    s->field_num = qpdf_oh_is_indirect(q, field) ? qpdf_oh_get_object_id(q, field) : 0;
    s->v_num = qpdf_oh_is_indirect(q, v) ? qpdf_oh_get_object_id(q, v) : 0;
    ES_ENSURE(qpdf_oh_is_dictionary(q, v), ESEAL_EMALFORMED, "pdf: signature field %s has no value", s->field);
    qpdf_oh br = key_of(q, v, "/ByteRange");
    ES_ENSURE(qpdf_oh_is_array(q, br) && qpdf_oh_get_array_n_items(q, br) == 4, ESEAL_EMALFORMED,
              "pdf: signature %s: /ByteRange is not 4 numbers (several ranges are not supported)", s->field);
    for (int i = 0; i < 4; i++) {
        qpdf_oh x = item_of(q, br, i);
        ES_ENSURE(qpdf_oh_is_integer(q, x), ESEAL_EMALFORMED, "pdf: signature %s: /ByteRange holds a non-integer",
                  s->field);
        s->br[i] = qpdf_oh_get_int_value(q, x);
    }
    /* Asked only of a string: qpdf warns on any other type, and a warning makes the whole file
     * "damaged", where the finding belongs to this signature (INVALID, not an error). */
    qpdf_oh co = key_of(q, v, "/Contents");
    ES_ENSURE(qpdf_oh_is_string(q, co), ESEAL_EMALFORMED, "pdf: signature %s: /Contents is %s, not a string",
              s->field, qpdf_oh_is_null(q, co) ? "missing or null" : "of another type");
    const char *c = qpdf_oh_get_binary_string_value(q, co, &n);
    ES_ENSURE(c != NULL, ESEAL_EMALFORMED, "pdf: signature %s has no /Contents", s->field);
    ES_GUARD(es_buf_append(&s->contents, c, n));
    qpdf_oh sf = key_of(q, v, "/SubFilter");
    s->subfilter = es_strdup(qpdf_oh_is_name(q, sf) ? qpdf_oh_get_name(q, sf) : "");
    ES_ENSURE_ALLOC(s->subfilter);
    /* /M is optional (document timestamps have none): only a string is read, qpdf warns otherwise. */
    qpdf_oh m = key_of(q, v, "/M");
    n = 0;
    t = qpdf_oh_is_string(q, m) ? qpdf_oh_get_binary_string_value(q, m, &n) : NULL;
    s->m = es_strndup(t != NULL ? t : "", t != NULL ? n : 0);
    ES_ENSURE_ALLOC(s->m);
    qpdf_oh seal = key_of(q, v, "/ESeal.Seal");
    if (qpdf_oh_is_stream(q, seal)) {
        unsigned char *buf = NULL;
        size_t len = 0;
        if ((qpdf_oh_get_stream_data(q, seal, qpdf_dl_generalized, NULL, &buf, &len) & QPDF_ERRORS) == 0 &&
            buf != NULL) {
            es_result r = es_buf_append(&s->seal, buf, len);
            free(buf); /* !checksrc! allowed: qpdf allocates with malloc */
            ES_GUARD(r);
        }
    }
    /* Signature references (ISO 32000-1 §12.8.1, table 253): DocMDP and FieldMDP transforms. */
    qpdf_oh ref = key_of(q, v, "/Reference");
    int nref = qpdf_oh_is_array(q, ref) ? qpdf_oh_get_array_n_items(q, ref) : 0;
    for (int i = 0; i < nref && i < 8; i++) {
        qpdf_oh sr = item_of(q, ref, i);
        qpdf_oh tp = key_of(q, sr, "/TransformParams");
        if (qpdf_oh_is_name_and_equals(q, key_of(q, sr, "/TransformMethod"), "/DocMDP")) {
            qpdf_oh p = key_of(q, tp, "/P");
            s->docmdp_p = qpdf_oh_is_integer(q, p) ? qpdf_oh_get_int_value_as_int(q, p) : 2;
        } else if (qpdf_oh_is_name_and_equals(q, key_of(q, sr, "/TransformMethod"), "/FieldMDP")) {
            ES_GUARD(read_field_lock(s, q, tp));
        }
    }
    return ES_OK;
}

/* Walks /Fields and /Kids (depth-limited) for signature fields with a value. */
static ES_RESULT walk_fields(const eseal_limits *lim, qpdf_data q, qpdf_oh arr, es_pdf_sig *sigs, size_t max, size_t *n, int depth)
{
    ES_ENSURE(depth < ES_PDF_MAX_FIELD_DEPTH, ESEAL_ELIMIT, "pdf: form fields nest more than %d deep",
              ES_PDF_MAX_FIELD_DEPTH);
    int k = qpdf_oh_is_array(q, arr) ? qpdf_oh_get_array_n_items(q, arr) : 0;
    for (int i = 0; i < k; i++) {
        qpdf_oh f = item_of(q, arr, i);
        if (is_sig_field(q, f) && qpdf_oh_is_dictionary(q, key_of(q, f, "/V"))) {
            ES_ENSURE(*n < max, ESEAL_ELIMIT, "pdf: more than %zu signatures", max);
            es_result r = read_sig(&sigs[*n], lim, q, f);
            if (!es_ok(r)) {
                /* A malformed signature is a finding about that signature, not a reason to stop;
                 * anything else (a limit, memory) stops, and what read_sig had taken is freed. */
                if (es_code(r) != ESEAL_EMALFORMED) {
                    es_pdf_sig_free(&sigs[*n]);
                    return r;
                }
                sigs[*n].error = es_strdup(eseal_error_last()->message);
                ES_ENSURE_ALLOC(sigs[*n].error);
                if (sigs[*n].field == NULL) {
                    sigs[*n].field = es_strdup("?");
                    ES_ENSURE_ALLOC(sigs[*n].field);
                }
            }
            (*n)++;
        } else if (qpdf_oh_has_key(q, f, "/Kids")) {
            ES_GUARD(walk_fields(lim, q, key_of(q, f, "/Kids"), sigs, max, n, depth + 1));
        }
    }
    return ES_OK;
}

static ES_RESULT signatures_of(const eseal_limits *lim, qpdf_data q, es_pdf_sig *sigs, size_t max, size_t *n)
{
    qpdf_oh af = key_of(q, look(q, qpdf_get_root(q)), "/AcroForm");
    es_result r = ES_OK;
    if (qpdf_oh_is_dictionary(q, af)) {
        r = walk_fields(lim, q, key_of(q, af, "/Fields"), sigs, max, n, 0);
    }
    if (es_ok(r) && (qpdf_has_error(q) || qpdf_more_warnings(q))) {
        r = qp_fail(q, "is damaged");
    }
    if (!es_ok(r)) {
        for (size_t i = 0; i < *n; i++) {
            es_pdf_sig_free(&sigs[i]);
        }
        *n = 0;
    }
    return r;
}

ES_RESULT es_pdf_signatures_of(es_pdf_qpdf *p, es_pdf_sig *sigs, size_t max, size_t *n)
{
    *n = 0;
    return signatures_of(p->lim, p->q, sigs, max, n);
}

ES_RESULT es_pdf_signatures(es_span data, es_pdf_sig *sigs, size_t max, size_t *n)
{
    *n = 0;
    ES_AUTO(es_pdf_qpdf_close) es_pdf_qpdf p = {0};
    ES_GUARD(qp_open_any(&p, data, NULL, NULL));
    return signatures_of(p.lim, p.q, sigs, max, n);
}

/* ---- the document security store, for the verifier ---------------------- */

/* The decoded data of each stream in `arr` (at most 256), into `out`'s list of `kind`, or into `certs`. */
static ES_RESULT dss_streams(size_t max_der, qpdf_data q, qpdf_oh arr, es_rev_kind kind, es_revocation_data *out, es_der_list *certs)
{
    int n = qpdf_oh_is_array(q, arr) ? qpdf_oh_get_array_n_items(q, arr) : 0;
    ES_ENSURE(n <= ES_PDF_MAX_DSS_ITEMS, ESEAL_ELIMIT, "pdf: the /DSS lists %d items of one kind (at most %d)", n,
              ES_PDF_MAX_DSS_ITEMS);
    for (int i = 0; i < n; i++) {
        qpdf_oh st = item_of(q, arr, i);
        unsigned char *buf = NULL;
        size_t len = 0;
        if (!qpdf_oh_is_stream(q, st) ||
            (qpdf_oh_get_stream_data(q, st, qpdf_dl_generalized, NULL, &buf, &len) & QPDF_ERRORS) != 0 ||
            buf == NULL) {
            continue; /* not usable: the verifier judges without it */
        }
        es_result r = len > max_der ? ES_OK
                      : certs != NULL                                ? es_der_list_add(certs, es_span_of(buf, len))
                                                                     : es_revocation_data_add(out, kind, es_span_of(buf, len));
        free(buf); /* !checksrc! allowed: qpdf allocates with malloc */
        ES_GUARD(r);
    }
    return ES_OK;
}

ES_RESULT es_pdf_dss_read(es_pdf_qpdf *p, es_revocation_data *out, es_der_list *certs, es_der_list *answers,
                          bool *present)
{
    *present = false;
    qpdf_data q = p->q;
    qpdf_oh dss = key_of(q, look(q, qpdf_get_root(q)), "/DSS");
    if (!qpdf_oh_is_dictionary(q, dss)) {
        return ES_OK;
    }
    *present = true;
    ES_GUARD(dss_streams(p->lim->max_der_bytes, q, key_of(q, dss, "/OCSPs"), ES_REV_OCSP, out, NULL));
    if (certs != NULL) {
        ES_GUARD(dss_streams(p->lim->max_der_bytes, q, key_of(q, dss, "/Certs"), ES_REV_CRL, out, certs));
    }
    if (answers != NULL) {
        /* compact JWS text, bounded as the answers' parser bounds them */
        ES_GUARD(dss_streams(ESEAL_REGISTRY_ANSWER_MAX_BYTES, q, key_of(q, dss, "/ESealRegistryAnswers"), ES_REV_CRL,
                             out, answers));
    }
    return dss_streams(p->lim->max_der_bytes, q, key_of(q, dss, "/CRLs"), ES_REV_CRL, out, NULL);
}
