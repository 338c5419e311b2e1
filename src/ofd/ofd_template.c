/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is this OFD a registered template, or the template with its form data and signatures added?
 * (issue 20 §1, "templates"; docs/grants.md, "Templates"). An OFD is a package of files
 * (GB/T 33190-2016 §7), so the answer is a comparison of packages, member by member, on the
 * inflated bytes (es_ofd_read: the same strict reader as the verifier, ofd_pkg.c, under the same
 * limits): every file of the template must be in the document with the same bytes, except the
 * signature list and the form data, and the document may add only signatures' files and form data.
 *
 * Signatures (GB/T 33190-2016 §18, GB/T 38540-2020 §7; what ofd_stamp.c writes and ofd_verify.c
 * accepts after a signature):
 *  - the signature list a DocBody of OFD.xml names (Signatures.xml) may change (each stamp extends
 *    it) or be added;
 *  - OFD.xml stays byte for byte, except that when the template names no list anywhere it may gain
 *    exactly one <Signatures>path</Signatures> element in a DocBody and nothing else (the stamper
 *    inserts that element, keeping every other byte: ofd_stamp.c);
 *  - files the document adds are a signature's when an entry of that list names them: its
 *    Signature.xml in a directory of its own right under the document's Signs/ (Doc_N/Signs/Sign_K/,
 *    as the verifier requires), and the SignedValue and Seal files that Signature.xml names inside
 *    that same directory. Nothing else under Signs/ is accepted.
 *  A signature draws its seal's picture at its StampAnnot (GB/T 33190-2016 §18.2.3) wherever it
 *  says, as any stamp may: whether the signature is genuine is for the verification of the stamped
 *  document to say (a forged one is INVALID, and so is the document), not for this comparison.
 *  Signatures are allowed because a filled form is often signed by the other party first, and a
 *  second stamp on the same form must pass as the first did.
 *
 * Form data. GB/T 33190-2016 has no interactive form fields (no counterpart of PDF's AcroForm):
 * what the standard gives for data carried with a fixed layout is the custom tags (§16, 自定义标引:
 * Document.xml's <CustomTags> names a list, each <CustomTag> of it names a FileLoc, a file of
 * data in a schema of its own, which tags objects of the pages); e-invoices carry their fields
 * that way. Annotations (§15) are drawn and attachments (§17) carry whole files, so neither is
 * form data here. Decided narrowly:
 *  - the form data files are the FileLoc files that the TEMPLATE's own tag list names (so the
 *    template, which the organisation registered, fixes where data may go; the document cannot
 *    declare new places); the tag list itself, the schemas (SchemaLoc) and Document.xml stay as
 *    the template has them;
 *  - such a file may be changed, or added when the template does not hold it yet, but not removed;
 *  - the document's version of it must be XML (the hardened parser of ofd_xml.c, its limits) whose
 *    root element is in a namespace that is not OFD's (nor the drafts'), nor SVG's: no reader takes
 *    it for a page, a template page, a resource list, an annotation or signature file, or an
 *    image, so it cannot change what is drawn even if some drawn file named it.
 *  When the template has no tag list, it has no form data: only signatures may be added.
 *
 * Refusals name the members: "changes Doc_0/Pages/Page_0/Content.xml", "adds Doc_0/Res/img.png",
 * "lacks ...", in one sentence (at most ES_OFD_SHOWN_MAX named, then how many more).
 *
 * Limits: both packages opened with the context's limits (max_input_bytes, max_zip_entries,
 * max_inflated_bytes per member, the ratio), every XML file parsed under them (max_xml_bytes,
 * nesting, attributes); at most ES_OFD_TEMPLATE_DOCS_MAX documents, ES_OFD_TEMPLATE_SLOTS_MAX
 * form data files and ES_OFD_TEMPLATE_SIGS_MAX signatures per list (ESEAL_ELIMIT beyond).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofd.h"
#include "ofd_libs.h" /* last of ofd's: libzip and libxml2 calls through its table */

#define SVG_NS "http://www.w3.org/2000/svg"

/* A set of entry names, bounded; looked up by binary search once sorted (names_sort). */
typedef struct {
    char **name;
    size_t n, max;
    bool sorted;
} names;

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorts the set: lookups by the members of a package of up to max_zip_entries cost a log each. */
static void names_sort(names *s)
{
    if (s->n > 1) {
        qsort(s->name, s->n, sizeof(*s->name), cmp_name);
    }
    s->sorted = true;
}

static void names_free(names *s)
{
    for (size_t i = 0; i < s->n; i++) {
        es_free(s->name[i]);
    }
    es_free(s->name);
    *s = (names){0};
}

static bool names_has(const names *s, const char *name)
{
    if (s->sorted) {
        return s->n > 0 && bsearch(&name, s->name, s->n, sizeof(*s->name), cmp_name) != NULL;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->name[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static ES_RESULT names_add(names *s, const char *name, const char *what)
{
    if (names_has(s, name)) {
        return ES_OK;
    }
    ES_ENSURE(s->n < s->max, ESEAL_ELIMIT, "ofd: more than %zu %s", s->max, what);
    if (s->name == NULL) {
        s->name = es_calloc(s->max, sizeof(*s->name));
        ES_ENSURE_ALLOC(s->name);
    }
    s->name[s->n] = es_strdup(name);
    ES_ENSURE_ALLOC(s->name[s->n]);
    s->n++;
    s->sorted = false;
    return ES_OK;
}

/* What is wrong, as one sentence: up to ES_OFD_SHOWN_MAX clauses, then how many more. */
typedef struct {
    es_buf text;
    size_t n;
} findings;

__attribute__((format(printf, 2, 3))) static ES_RESULT found(findings *f, const char *fmt, ...)
{
    if (f->n++ >= ES_OFD_SHOWN_MAX) {
        return ES_OK;
    }
    ES_GUARD(es_buf_printf(&f->text, "%s", f->n == 1 ? "" : "; "));
    va_list ap;
    va_start(ap, fmt);
    char clause[ES_OFD_NAME_MAX + 512];
    (void)vsnprintf(clause, sizeof(clause), fmt, ap);
    va_end(ap);
    return es_buf_printf(&f->text, "%s", clause);
}

static void findings_free(findings *f) { es_buf_free(&f->text); }

/* A read or parse failure that is the document's (a malformed file) is a finding; limits and memory are errors. */
static bool is_input_fault(es_result r)
{
    int c = es_code(r);
    return c != ESEAL_ELIMIT && c != ESEAL_ENOMEM && c != ESEAL_EUNSUPPORTED;
}

static const char *root_ns(xmlDocPtr d)
{
    xmlNodePtr r = d != NULL ? xmlDocGetRootElement(d) : NULL;
    return r != NULL && r->ns != NULL && r->ns->href != NULL ? (const char *)r->ns->href : NULL;
}

/* The directory part of entry `name` ("Doc_0/" for "Doc_0/Document.xml"), "" at the root. */
static void dir_of(char out[ES_OFD_NAME_MAX + 1], const char *name)
{
    const char *slash = strrchr(name, '/');
    (void)snprintf(out, ES_OFD_NAME_MAX + 1, "%.*s", slash != NULL ? (int)(slash + 1 - name) : 0, name);
}

/* The text of `parent`'s child `local`, resolved from entry `base`; *out = "" when there is none. */
static ES_RESULT child_path(char out[ES_OFD_NAME_MAX + 1], xmlNodePtr parent, const char *local, const char *base)
{
    out[0] = '\0';
    xmlNodePtr c = parent != NULL ? es_ofd_xml_child(parent, local) : NULL;
    if (c == NULL) {
        return ES_OK;
    }
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_NAME_MAX + 1);
    ES_GUARD(es_ofd_xml_text(c, &t));
    return es_ofd_resolve(out, base, es_buf_cstr(&t));
}

/* One document of OFD.xml: its Document.xml and its signature list ("" when none). */
typedef struct {
    char root[ES_OFD_NAME_MAX + 1];
    char list[ES_OFD_NAME_MAX + 1];
} docbody;

/* The DocBodies of a package's OFD.xml (at most ES_OFD_TEMPLATE_DOCS_MAX). */
static ES_RESULT read_bodies(const es_ofd_pkg *p, docbody *out, size_t *n)
{
    *n = 0;
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr ofd = NULL;
    ES_ENSURE(es_ofd_find(p, "OFD.xml") >= 0, ESEAL_EMALFORMED, "ofd: the package has no OFD.xml");
    ES_GUARD(es_ofd_read_xml(p, "OFD.xml", &ofd));
    xmlNodePtr root = xmlDocGetRootElement(ofd);
    ES_ENSURE(root != NULL && strcmp((const char *)root->name, "OFD") == 0, ESEAL_EMALFORMED,
              "ofd: OFD.xml is not an <ofd:OFD> document");
    for (xmlNodePtr b = es_ofd_xml_child(root, "DocBody"); b != NULL; b = es_ofd_xml_next(b, "DocBody")) {
        ES_ENSURE(*n < ES_OFD_TEMPLATE_DOCS_MAX, ESEAL_ELIMIT, "ofd: OFD.xml has more than %d documents",
                  ES_OFD_TEMPLATE_DOCS_MAX);
        docbody *d = &out[*n];
        ES_GUARD(child_path(d->root, b, "DocRoot", "OFD.xml"));
        ES_GUARD(child_path(d->list, b, "Signatures", "OFD.xml"));
        (*n)++;
    }
    return ES_OK;
}

/*
 * The template's form data files: for each document, the FileLoc of every <CustomTag> of the tag
 * list its Document.xml names (GB/T 33190-2016 §16), as the template holds them.
 */
static ES_RESULT template_slots(const es_ofd_pkg *t, const docbody *bodies, size_t nb, names *slots)
{
    for (size_t i = 0; i < nb; i++) {
        if (bodies[i].root[0] == '\0' || es_ofd_find(t, bodies[i].root) < 0) {
            continue;
        }
        ES_AUTO(es_ofd_xml_freep) xmlDocPtr doc = NULL;
        ES_GUARD(es_ofd_read_xml(t, bodies[i].root, &doc));
        char list[ES_OFD_NAME_MAX + 1];
        ES_GUARD(child_path(list, xmlDocGetRootElement(doc), "CustomTags", bodies[i].root));
        if (list[0] == '\0' || es_ofd_find(t, list) < 0) {
            continue;
        }
        ES_AUTO(es_ofd_xml_freep) xmlDocPtr tags = NULL;
        ES_GUARD(es_ofd_read_xml(t, list, &tags));
        xmlNodePtr root = xmlDocGetRootElement(tags);
        size_t count = 0; /* entries, duplicates included: each costs a look through the set */
        for (xmlNodePtr c = root != NULL ? es_ofd_xml_child(root, "CustomTag") : NULL; c != NULL;
             c = es_ofd_xml_next(c, "CustomTag")) {
            ES_ENSURE(++count <= ES_OFD_TEMPLATE_SLOTS_MAX, ESEAL_ELIMIT, "ofd: %s has more than %d custom tags", list,
                      ES_OFD_TEMPLATE_SLOTS_MAX);
            char file[ES_OFD_NAME_MAX + 1];
            ES_GUARD(child_path(file, c, "FileLoc", list));
            if (file[0] != '\0') {
                ES_GUARD(names_add(slots, file, "form data files in the template's custom tags"));
            }
        }
    }
    return ES_OK;
}

/*
 * The files of the signatures that `list` (a signature list of the document whose Document.xml is
 * `docroot`) names: each entry's Signature.xml in a directory of its own right under the document's
 * Signs/, and the SignedValue and Seal files it names inside that directory. An entry or file
 * that does not fit is not a signature's (its files are then judged as any other).
 */
static ES_RESULT signature_files(const es_ofd_pkg *d, const char *list, const char *docroot, names *sig)
{
    char signs[ES_OFD_NAME_MAX + 1], ddir[ES_OFD_NAME_MAX + 1];
    dir_of(ddir, docroot);
    int k = snprintf(signs, sizeof(signs), "%sSigns/", ddir);
    ES_ENSURE(k > 0 && (size_t)k < sizeof(signs), ESEAL_ELIMIT, "ofd: the path of Signs/ is too long");
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr l = NULL;
    ES_GUARD(es_ofd_read_xml(d, list, &l));
    xmlNodePtr root = xmlDocGetRootElement(l);
    ES_ENSURE(root != NULL && strcmp((const char *)root->name, "Signatures") == 0, ESEAL_EMALFORMED,
              "ofd: %s is not an <ofd:Signatures> list", list);
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_NAME_MAX + 1);
    size_t count = 0;
    for (xmlNodePtr s = es_ofd_xml_child(root, "Signature"); s != NULL; s = es_ofd_xml_next(s, "Signature")) {
        ES_ENSURE(++count <= ES_OFD_TEMPLATE_SIGS_MAX, ESEAL_ELIMIT, "ofd: %s lists more than %d signatures", list,
                  ES_OFD_TEMPLATE_SIGS_MAX);
        bool present = false;
        char path[ES_OFD_NAME_MAX + 1], dir[ES_OFD_NAME_MAX + 1];
        ES_GUARD(es_ofd_xml_attr_get(s, "BaseLoc", &t, &present));
        if (!present || !es_ok(es_ofd_resolve(path, list, es_buf_cstr(&t)))) {
            eseal_error_clear();
            continue;
        }
        /* Doc_N/Signs/<dir>/<file>: one directory level below Signs/, as ofd_verify.c requires. */
        const char *rest = strncmp(path, signs, strlen(signs)) == 0 ? path + strlen(signs) : NULL;
        const char *slash = rest != NULL ? strchr(rest, '/') : NULL;
        if (slash == NULL || slash == rest || strchr(slash + 1, '/') != NULL || slash[1] == '\0') {
            continue;
        }
        dir_of(dir, path);
        ES_GUARD(names_add(sig, path, "signature files"));
        xmlDocPtr sx = NULL;
        if (es_ofd_find(d, path) < 0) {
            continue;
        }
        es_result r = es_ofd_read_xml(d, path, &sx);
        if (!es_ok(r)) {
            if (!is_input_fault(r)) {
            return r;
        }
            eseal_error_clear();
            continue; /* not a readable signature: its other files are nobody's */
        }
        xmlNodePtr sr = xmlDocGetRootElement(sx);
        xmlNodePtr info = sr != NULL ? es_ofd_xml_child(sr, "SignedInfo") : NULL;
        xmlNodePtr seal = info != NULL ? es_ofd_xml_child(info, "Seal") : NULL;
        char value[ES_OFD_NAME_MAX + 1] = "", esl[ES_OFD_NAME_MAX + 1] = "";
        r = child_path(value, sr, "SignedValue", path);
        if (es_ok(r)) {
            r = child_path(esl, seal, "BaseLoc", path);
        }
        es_ofd_xml_freep(&sx);
        if (!es_ok(r)) {
            if (!is_input_fault(r)) {
            return r;
        }
            eseal_error_clear();
            continue;
        }
        if (value[0] != '\0' && strncmp(value, dir, strlen(dir)) == 0) {
            ES_GUARD(names_add(sig, value, "signature files"));
        }
        if (esl[0] != '\0' && strncmp(esl, dir, strlen(dir)) == 0) {
            ES_GUARD(names_add(sig, esl, "signature files"));
        }
    }
    return ES_OK;
}

/*
 * The document's OFD.xml is the template's with exactly one element <P:Signatures>text</P:Signatures>
 * inserted (P: a prefix, or none; text without markup), every other byte kept.
 */
static bool list_inserted(es_span t, es_span d)
{
    static const char tag[] = "Signatures>";
    const size_t tl = sizeof(tag) - 1;
    if (d.len <= t.len) {
        return false;
    }
    size_t extra = d.len - t.len, tries = 0;
    for (size_t i = 1; i + tl <= d.len && tries < 64; i++) {
        if (memcmp(d.ptr + i, tag, tl) != 0) {
            continue;
        }
        size_t s = i, plen = 0; /* s: the start tag's '<'; plen: "P:" */
        if (d.ptr[s - 1] == ':') {
            size_t k = s - 1;
            while (k > 0 && (strchr("._-", d.ptr[k - 1]) != NULL || (d.ptr[k - 1] >= 'a' && d.ptr[k - 1] <= 'z') ||
                             (d.ptr[k - 1] >= 'A' && d.ptr[k - 1] <= 'Z') || (d.ptr[k - 1] >= '0' && d.ptr[k - 1] <= '9'))) {
                k--;
            }
            if (k == s - 1) {
                continue;
            }
            plen = s - k;
            s = k;
        }
        if (s == 0 || d.ptr[s - 1] != '<') {
            continue;
        }
        s--;
        tries++;
        size_t open = 1 + plen + tl, close = 2 + plen + tl, e = s + extra;
        if (extra < open + close || e > d.len) {
            continue;
        }
        const uint8_t *c = d.ptr + e - close;
        if (c[0] != '<' || c[1] != '/' || memcmp(c + 2, d.ptr + s + 1, plen + tl) != 0) {
            continue;
        }
        bool text = true;
        for (const uint8_t *p = d.ptr + s + open; text && p < c; p++) {
            text = *p != '<' && *p != '&' && *p != '>';
        }
        if (text && memcmp(d.ptr, t.ptr, s) == 0 && memcmp(d.ptr + e, t.ptr + s, t.len - s) == 0) {
            return true;
        }
    }
    return false;
}

/* Does the document's version of form data file `name` hold form data (XML no reader draws)? */
static ES_RESULT form_data_ok(const es_ofd_pkg *d, const char *name, findings *f)
{
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr x = NULL;
    es_result r = es_ofd_read_xml(d, name, &x);
    if (!es_ok(r)) {
        if (!is_input_fault(r)) {
            return r;
        }
        ES_GUARD(found(f, "gives the form data file %s content that is not XML form data (%.300s)", name,
                       eseal_error_last()->message));
        eseal_error_clear();
        return ES_OK;
    }
    const char *ns = root_ns(x);
    if (ns == NULL || strcmp(ns, ES_OFD_NS) == 0 || strncmp(ns, ES_OFD_NS_DRAFT, strlen(ES_OFD_NS_DRAFT)) == 0 ||
        strcmp(ns, SVG_NS) == 0) {
        return found(f, "gives the form data file %s a root element in %s%.200s, which a reader may take for a part "
                        "it draws (form data is XML of a namespace of its own)",
                     name, ns != NULL ? "" : "no namespace", ns != NULL ? ns : "");
    }
    return ES_OK;
}

/* Are entry `name`'s inflated bytes the same in both packages? */
static ES_RESULT same_bytes(const es_ofd_pkg *t, const es_ofd_pkg *d, const char *name, es_buf *a, es_buf *b,
                            bool *same)
{
    *same = false;
    long it = es_ofd_find(t, name), id = es_ofd_find(d, name);
    if (it < 0 || id < 0 || es_ofd_size(t, (size_t)it) != es_ofd_size(d, (size_t)id)) {
        return ES_OK;
    }
    ES_GUARD(es_ofd_read(t, name, a));
    ES_GUARD(es_ofd_read(d, name, b));
    *same = a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
    return ES_OK;
}

static void names_freep(names *s) { names_free(s); }

static ES_RESULT judge(const es_ofd_pkg *t, const es_ofd_pkg *d, findings *f)
{
    const eseal_limits *lim = es_ofd_limits(d);
    docbody tb[ES_OFD_TEMPLATE_DOCS_MAX], db[ES_OFD_TEMPLATE_DOCS_MAX];
    size_t ntb = 0, ndb = 0;
    ES_GUARD(read_bodies(t, tb, &ntb));
    ES_AUTO(names_freep) names slots = {.max = ES_OFD_TEMPLATE_SLOTS_MAX};
    ES_AUTO(names_freep) names sig = {.max = ES_OFD_TEMPLATE_DOCS_MAX * ES_OFD_TEMPLATE_SIGS_MAX * 3};
    ES_AUTO(names_freep) names lists = {.max = ES_OFD_TEMPLATE_DOCS_MAX};
    ES_GUARD(template_slots(t, tb, ntb, &slots));
    ES_AUTO(es_buf_freep) es_buf a = ES_BUF_INIT(lim->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(lim->max_inflated_bytes);

    /* OFD.xml: the same, or (a template without signatures) one list named in addition. */
    bool same = false, t_lists = false;
    for (size_t i = 0; i < ntb; i++) {
        t_lists = t_lists || tb[i].list[0] != '\0';
    }
    if (es_ofd_find(d, "OFD.xml") < 0) {
        return found(f, "lacks OFD.xml");
    }
    ES_GUARD(same_bytes(t, d, "OFD.xml", &a, &b, &same));
    if (!same) {
        ES_GUARD(es_ofd_read(t, "OFD.xml", &a));
        ES_GUARD(es_ofd_read(d, "OFD.xml", &b));
        if (t_lists || !list_inserted(es_buf_span(&a), es_buf_span(&b))) {
            ES_GUARD(found(f, "changes OFD.xml%s", t_lists ? "" : " beyond naming a signature list"));
        }
    }
    es_result r = read_bodies(d, db, &ndb);
    if (!es_ok(r)) {
        if (!is_input_fault(r)) {
            return r;
        }
        ES_GUARD(found(f, "has an OFD.xml that cannot be read (%.300s)", eseal_error_last()->message));
        eseal_error_clear();
        return ES_OK;
    }
    bool d_lists = false;
    for (size_t i = 0; i < ndb; i++) {
        if (db[i].list[0] == '\0') {
            continue;
        }
        d_lists = true;
        if (!t_lists && es_ofd_find(t, db[i].list) >= 0) {
            /* A list named anew must be a new file: a file of the template stays the template's. */
            ES_GUARD(found(f, "names %s, a file of the template, as its signature list", db[i].list));
            continue;
        }
        bool templates = !t_lists;
        for (size_t k = 0; k < ntb && !templates; k++) {
            templates = strcmp(tb[k].list, db[i].list) == 0;
        }
        if (!templates) {
            continue; /* a list the template does not name: OFD.xml changed, and that is said above */
        }
        ES_GUARD(names_add(&lists, db[i].list, "signature lists"));
        if (es_ofd_find(d, db[i].list) < 0) {
            ES_GUARD(found(f, "names the signature list %s in OFD.xml but lacks it", db[i].list));
            continue;
        }
        r = signature_files(d, db[i].list, db[i].root, &sig);
        if (!es_ok(r)) {
            if (!is_input_fault(r)) {
            return r;
        }
            ES_GUARD(found(f, "has a signature list %s that cannot be read (%.300s)", db[i].list,
                           eseal_error_last()->message));
            eseal_error_clear();
        }
    }
    if (!same && !t_lists && !d_lists && f->n == 0) {
        ES_GUARD(found(f, "changes OFD.xml (a <Signatures> element outside every DocBody)"));
    }

    names_sort(&slots);
    names_sort(&sig);
    names_sort(&lists);
    /* Every member of the template: kept, except the lists (extended) and form data (changed). */
    for (size_t i = 0; i < es_ofd_count(t); i++) {
        const char *name = es_ofd_name(t, i);
        if (strcmp(name, "OFD.xml") == 0 || names_has(&lists, name)) {
            continue;
        }
        if (es_ofd_find(d, name) < 0) {
            ES_GUARD(found(f, "lacks %s", name));
            continue;
        }
        ES_GUARD(same_bytes(t, d, name, &a, &b, &same));
        if (same) {
            continue;
        }
        if (names_has(&slots, name)) {
            ES_GUARD(form_data_ok(d, name, f));
        } else {
            ES_GUARD(found(f, "changes %s", name));
        }
    }
    /* What the document adds: a signature's files, a list, form data in the template's places. */
    for (size_t i = 0; i < es_ofd_count(d); i++) {
        const char *name = es_ofd_name(d, i);
        if (es_ofd_find(t, name) >= 0 || names_has(&lists, name) || names_has(&sig, name)) {
            continue;
        }
        if (names_has(&slots, name)) {
            ES_GUARD(form_data_ok(d, name, f));
        } else {
            ES_GUARD(found(f, "adds %s, which is neither a signature's file nor form data", name));
        }
    }
    return ES_OK;
}

ES_RESULT es_ofd_template_derives(bool *derives, char *why, size_t cap, es_span tmpl, es_span doc,
                                  const eseal_context *ctx)
{
    ES_ENSURE_ARG(derives != NULL && (why != NULL || cap == 0) && tmpl.ptr != NULL && doc.ptr != NULL);
    *derives = false;
    if (cap > 0) {
        why[0] = '\0';
    }
    const eseal_limits *lim = es_ctx_limits(ctx);
    ES_ENSURE(tmpl.len <= lim->max_input_bytes && doc.len <= lim->max_input_bytes, ESEAL_ELIMIT,
              "ofd: the %s is %zu bytes, more than max_input_bytes (%llu)",
              tmpl.len > lim->max_input_bytes ? "template" : "document",
              tmpl.len > lim->max_input_bytes ? tmpl.len : doc.len, (unsigned long long)lim->max_input_bytes);
    if (doc.len == tmpl.len && memcmp(doc.ptr, tmpl.ptr, doc.len) == 0) {
        *derives = true; /* the template itself */
        return ES_OK;
    }
    ES_AUTO(es_ofd_closep) es_ofd_pkg *t = NULL;
    ES_AUTO(es_ofd_closep) es_ofd_pkg *d = NULL;
    ES_GUARD(es_ofd_open_limits(&t, tmpl, lim));
    ES_GUARD(es_ofd_open_limits(&d, doc, lim));
    ES_AUTO(findings_free) findings f = {.text = ES_BUF_INIT(ES_OFD_TEMPLATE_TEXT_MAX)};
    ES_GUARD(judge(t, d, &f));
    if (f.n == 0) {
        *derives = true;
        return ES_OK;
    }
    if (cap > 0) {
        (void)snprintf(why, cap, "the document differs from the template beyond form data and signatures: it %s",
                       es_buf_cstr(&f.text));
        if (f.n > ES_OFD_SHOWN_MAX) {
            size_t len = strlen(why);
            (void)snprintf(why + len, cap - len, "; and %zu more", f.n - ES_OFD_SHOWN_MAX);
        }
    }
    return ES_OK;
}
