/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OFD signature verification (GB/T 33190-2016 §18, GB/T 38540-2020 §8):
 * for every signature listed in the document's Signatures.xml, every
 * Reference (missing or changed files), the files no signature protects that
 * could change what is shown, dataHash against the exact bytes of
 * Signature.xml, the signer's signature over TBS_Sign, the signer certificate
 * (chain, validity and revocation), the embedded seal (maker signature, its
 * window at the signing time, registry status) and whether the seal allows
 * the signer. Type="Sign" signatures hold a bare SM2 signature over
 * Signature.xml; their certificate must be given (opts->signer).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/ofd.h"
#include "eseal/tsa.h"
#include "ofd.h"
#include "ofd_libs.h" /* last of ofd's: libzip and libxml2 calls through its table */
#include "seal/ses.h"
#include "util/report.h"
#include "util/versions.h"

#define MAX_SIGS 64
#define MAX_REFS 100000

/* One signature as listed in Signatures.xml. */
typedef struct {
    char id[128];
    char type[16];
    bool has_id, has_type;
    char path[ES_OFD_NAME_MAX + 1];  /* Signature.xml, "" when its BaseLoc is unusable */
    char dir[ES_OFD_NAME_MAX + 1];   /* its own directory, Doc_N/Signs/Sign_K/ */
    char value[ES_OFD_NAME_MAX + 1]; /* SignedValue.dat, once read, "" before */
    char seal[ES_OFD_NAME_MAX + 1];  /* Seal.esl when named, "" otherwise */
    char anomaly[512];               /* why the entry is not taken at its word (INVALID, not verified) */
    size_t dup_of;                   /* the earlier entry (from 1) this one repeats, 0 for none */
} sig_entry;

typedef struct {
    const es_ofd_pkg *pkg;
    const eseal_trust *trust;
    int64_t at;
    const es_ofd_verify_options *opts;
    const eseal_limits *lim; /* the package's */
    char list[ES_OFD_NAME_MAX + 1];  /* Signatures.xml */
    char signs[ES_OFD_NAME_MAX + 1]; /* the document's Signs/ directory: Doc_N/Signs/ */
    char doc[ES_OFD_NAME_MAX + 1];   /* its Document.xml */
    sig_entry sigs[MAX_SIGS];
    size_t nsigs;
} ctx;

/* ---- finding the signatures ----------------------------------------------------------------- */

#define LIST_ANOMALY ESEAL_R_SIGNATURE_LIST_ANOMALY

static bool in_ofd_ns(xmlNodePtr n)
{
    return n->ns == NULL || (n->ns->href != NULL && strcmp((const char *)n->ns->href, ES_OFD_NS) == 0);
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/*
 * GB/T 33190-2016 §18.1: <Signatures> holds <MaxSignId> and empty <Signature ID Type BaseLoc/>
 * entries, nothing else. The list is the one file no signature can protect (each later stamp
 * extends it), so what it says is checked rather than believed: anything else in it (an
 * element of another name or namespace, a Signature entry nested where whole-tree readers would
 * count it and eseal would not) is reported against the document.
 */
static ES_RESULT check_list_shape(eseal_report *rep, ctx *c, xmlNodePtr root)
{
    char what[300];
    if (es_ofd_xml_foreign(root->doc, what, sizeof(what))) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, LIST_ANOMALY,
                                  "%s has an %s: the signature list has only OFD elements (GB/T 33190-2016 §18.1), "
                                  "and readers that took it for an entry would see other signatures than eseal",
                                  c->list, what));
    }
    size_t more = 0; /* reasons beyond the first ten: counted, not each reported */
    for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !in_ofd_ns(n)) {
            continue; /* other namespaces: reported above */
        }
        const char *nm = (const char *)n->name;
        bool odd = strcmp(nm, "Signature") != 0 && strcmp(nm, "MaxSignId") != 0;
        if (odd && eseal_report_reason_count(rep) >= ES_OFD_SHOWN_MAX) {
            more++;
        } else if (odd) {
            ES_GUARD(es_report_reason(rep, ESEAL_INVALID, LIST_ANOMALY,
                                      "%s has an element <%.60s> (line %ld), which a signature list does not have",
                                      c->list, nm, (long)xmlGetLineNo(n)));
        }
        for (xmlNodePtr k = n->children; k != NULL; k = k->next) {
            if (k->type == XML_ELEMENT_NODE && eseal_report_reason_count(rep) >= ES_OFD_SHOWN_MAX) {
                more++;
            } else if (k->type == XML_ELEMENT_NODE) {
                ES_GUARD(es_report_reason(rep, ESEAL_INVALID, LIST_ANOMALY,
                                          "%s has an element <%.60s> nested in <%.60s> (line %ld): entries are empty "
                                          "elements directly in <Signatures>; one nested there is counted by some "
                                          "readers and not by others",
                                          c->list, (const char *)k->name, nm, (long)xmlGetLineNo(k)));
            }
        }
    }
    if (more > 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, LIST_ANOMALY, "%s has %zu more such elements", c->list, more));
    }
    return ES_OK;
}

__attribute__((format(printf, 2, 3))) static void set_anomaly(sig_entry *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(e->anomaly, sizeof(e->anomaly), fmt, ap);
    va_end(ap);
}

/* An entry's BaseLoc must name a file in a directory of its own right under Doc_N/Signs/. */
static void check_location(sig_entry *e, const ctx *c, const char *baseloc)
{
    if (!es_ok(es_ofd_resolve(e->path, c->list, baseloc))) {
        e->path[0] = 0;
        set_anomaly(e, "its BaseLoc %.300s is not a path inside the package (%s)",
                       baseloc, eseal_error_last()->message);
        eseal_error_clear();
        return;
    }
    const char *rest = starts_with(e->path, c->signs) ? e->path + strlen(c->signs) : NULL;
    const char *slash = rest != NULL ? strchr(rest, '/') : NULL;
    if (rest == NULL || slash == NULL || slash == rest || strchr(slash + 1, '/') != NULL) {
        set_anomaly(e,
                    "its BaseLoc names /%.300s, not a file in a signature directory of its own under /%.100s "
                    "(GB/T 33190-2016 §18.1: Signs/Sign_N/)",
                    e->path, c->signs);
        return;
    }
    size_t dl = (size_t)(slash + 1 - e->path); /* < sizeof(e->dir): a prefix of e->path */
    memcpy(e->dir, e->path, dl);
    e->dir[dl] = 0;
}

/* One <Signature> entry: its attributes, its location, and whether an earlier entry is the same. */
static ES_RESULT read_entry(ctx *c, xmlNodePtr s, es_buf *t)
{
    ES_ENSURE(c->nsigs < MAX_SIGS, ESEAL_ELIMIT, "ofd: more than %d signatures", MAX_SIGS);
    sig_entry *e = &c->sigs[c->nsigs];
    memset(e, 0, sizeof(*e));
    bool present = false;
    ES_GUARD(es_ofd_xml_attr_get(s, "ID", t, &present));
    if (present) {
        e->has_id = true;
        (void)snprintf(e->id, sizeof(e->id), "%s", es_buf_cstr(t));
    }
    ES_GUARD(es_ofd_xml_attr_get(s, "Type", t, &present));
    e->has_type = present;
    (void)snprintf(e->type, sizeof(e->type), "%s", present ? es_buf_cstr(t) : "Seal");
    ES_GUARD(es_ofd_xml_attr_get(s, "BaseLoc", t, &present));
    c->nsigs++;
    if (!present) {
        set_anomaly(e, "it has no BaseLoc");
        return ES_OK;
    }
    check_location(e, c, es_buf_cstr(t));
    if (!e->has_id && e->anomaly[0] == 0) {
        set_anomaly(e, "it has no ID (GB/T 33190-2016 §18.1 requires one)");
    }
    /* One act of signing is one entry: a second entry for the same ID, file or directory would
     * show one signature as two. The first entry stands; the others are reported, not verified. */
    for (size_t i = 0; i + 1 < c->nsigs && e->anomaly[0] == 0; i++) {
        const sig_entry *o = &c->sigs[i];
        if (o->has_id && strcmp(o->id, e->id) == 0) {
            set_anomaly(e, "it repeats the ID %.100s of entry %zu", e->id, i + 1);
            e->dup_of = i + 1;
        } else if (o->path[0] != 0 && strcmp(o->path, e->path) == 0) {
            set_anomaly(e, "it lists /%.300s again, as entry %zu does", e->path, i + 1);
            e->dup_of = i + 1;
        } else if (o->dir[0] != 0 && strcmp(o->dir, e->dir) == 0) {
            set_anomaly(e, "it shares the directory /%.300s with entry %zu", e->dir,
                           i + 1);
        }
    }
    if (e->anomaly[0] != 0) {
        e->dir[0] = 0; /* its files are nobody's: an earlier signature does not accept them */
    }
    return ES_OK;
}

/*
 * Signature directories in the package that no entry names: a signature taken off the list
 * (its files stay, because later stamps protect them). The list would otherwise hide it.
 */
static ES_RESULT check_unlisted(eseal_report *rep, ctx *c)
{
    size_t sl = strlen(c->signs);
    char reported[8][ES_OFD_NAME_MAX + 1];
    size_t nrep = 0;
    for (size_t i = 0; i < es_ofd_count(c->pkg) && nrep < 8; i++) {
        const char *name = es_ofd_name(c->pkg, i);
        const char *slash = starts_with(name, c->signs) ? strchr(name + sl, '/') : NULL;
        if (slash == NULL || strcmp(name, c->list) == 0) {
            continue;
        }
        char dir[ES_OFD_NAME_MAX + 1];
        (void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash + 1 - name), name);
        bool listed = false;
        for (size_t k = 0; k < c->nsigs && !listed; k++) {
            listed = strcmp(c->sigs[k].dir, dir) == 0;
        }
        for (size_t k = 0; k < nrep && !listed; k++) {
            listed = strcmp(reported[k], dir) == 0;
        }
        if (!listed) {
            (void)snprintf(reported[nrep++], ES_OFD_NAME_MAX + 1, "%s", dir);
            ES_GUARD(es_report_reason(rep, ESEAL_INVALID, LIST_ANOMALY,
                                      "the package holds signature files in /%s (/%s) that no entry of %s names: a "
                                      "signature taken off the list, or files added beside the signatures",
                                      dir, name, c->list));
        }
    }
    return ES_OK;
}

/* OFD.xml → DocBody/Signatures (the first document that has one) → its list of signatures. */
static ES_RESULT find_signatures(eseal_report *rep, ctx *c)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(c->lim->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_NAME_MAX + 1);
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr ofd = NULL;
    ES_ENSURE(es_ofd_find(c->pkg, "OFD.xml") >= 0, ESEAL_EMALFORMED, "ofd: the package has no OFD.xml");
    ES_GUARD(es_ofd_read_xml_bytes(c->pkg, "OFD.xml", &ofd, &b));
    xmlNodePtr root = xmlDocGetRootElement(ofd);
    ES_ENSURE(root != NULL && strcmp((const char *)root->name, "OFD") == 0, ESEAL_EMALFORMED,
              "ofd: OFD.xml is not an <ofd:OFD> document");
    c->list[0] = 0;
    for (xmlNodePtr body = es_ofd_xml_child(root, "DocBody"); body != NULL && c->list[0] == 0;
         body = es_ofd_xml_next(body, "DocBody")) {
        xmlNodePtr s = es_ofd_xml_child(body, "Signatures");
        if (s != NULL) {
            ES_GUARD(es_ofd_xml_text(s, &t));
            ES_GUARD(es_ofd_resolve(c->list, "OFD.xml", es_buf_cstr(&t)));
            /* GB/T 33190-2016 §18 (shared/research/standards.md §7): a document's signatures live
             * in Signs/ beside its Document.xml, each in a Sign_N/ of its own. */
            xmlNodePtr dr = es_ofd_xml_child(body, "DocRoot");
            char *doc = c->doc;
            ES_ENSURE(dr != NULL, ESEAL_EMALFORMED, "ofd: the DocBody that names %s has no DocRoot", c->list);
            ES_GUARD(es_ofd_xml_text(dr, &t));
            ES_GUARD(es_ofd_resolve(c->doc, "OFD.xml", es_buf_cstr(&t)));
            const char *slash = strrchr(doc, '/');
            int k = snprintf(c->signs, sizeof(c->signs), "%.*sSigns/", slash != NULL ? (int)(slash + 1 - doc) : 0,
                             doc);
            ES_ENSURE(k > 0 && (size_t)k < sizeof(c->signs), ESEAL_ELIMIT, "ofd: the path of Signs/ is too long");
        }
    }
    if (c->list[0] == 0) {
        return ES_OK; /* no signatures */
    }
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr sl = NULL;
    ES_GUARD(es_ofd_read_xml_bytes(c->pkg, c->list, &sl, &b));
    xmlNodePtr sr = xmlDocGetRootElement(sl);
    ES_ENSURE(sr != NULL && strcmp((const char *)sr->name, "Signatures") == 0, ESEAL_EMALFORMED,
              "ofd: %s is not an <ofd:Signatures> list", c->list);
    ES_GUARD(check_list_shape(rep, c, sr));
    for (xmlNodePtr s = es_ofd_xml_child(sr, "Signature"); s != NULL; s = es_ofd_xml_next(s, "Signature")) {
        ES_GUARD(read_entry(c, s, &t));
    }
    return check_unlisted(rep, c);
}

/* Where each signature keeps its value and seal copy: files that no signature protects, by design. */
static ES_RESULT locate_files(ctx *c)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(c->lim->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_NAME_MAX + 1);
    for (size_t i = 0; i < c->nsigs; i++) {
        sig_entry *e = &c->sigs[i];
        xmlDocPtr doc = NULL;
        if (e->anomaly[0] != 0 || es_ofd_find(c->pkg, e->path) < 0 ||
            !es_ok(es_ofd_read_xml_bytes(c->pkg, e->path, &doc, &b))) {
            continue; /* reported when this signature is verified */
        }
        xmlNodePtr root = xmlDocGetRootElement(doc);
        xmlNodePtr sv = root != NULL ? es_ofd_xml_child(root, "SignedValue") : NULL;
        xmlNodePtr info = root != NULL ? es_ofd_xml_child(root, "SignedInfo") : NULL;
        xmlNodePtr seal = info != NULL ? es_ofd_xml_child(info, "Seal") : NULL;
        xmlNodePtr loc = seal != NULL ? es_ofd_xml_child(seal, "BaseLoc") : NULL;
        if (sv != NULL && es_ok(es_ofd_xml_text(sv, &t)) && !es_ok(es_ofd_resolve(e->value, e->path, es_buf_cstr(&t)))) {
            e->value[0] = 0;
        }
        if (loc != NULL && es_ok(es_ofd_xml_text(loc, &t)) && !es_ok(es_ofd_resolve(e->seal, e->path, es_buf_cstr(&t)))) {
            e->seal[0] = 0;
        }
        es_ofd_xml_freep(&doc);
    }
    return ES_OK;
}

/* ---- one signature --------------------------------------------------------------------------- */

/* CheckMethod: "SM3" (ofdrw), the SM3 OID (tax invoices), SHA-256 by name or OID. */
static bool check_method(const char *m, eseal_hash *h)
{
    if (strcmp(m, "") == 0 || strcmp(m, "SM3") == 0 || strcmp(m, "1.2.156.10197.1.401") == 0) {
        *h = ESEAL_HASH_SM3; /* GB/T 38540 names SM3; a missing CheckMethod is read as SM3 */
        return true;
    }
    if (strcmp(m, "SHA256") == 0 || strcmp(m, "SHA-256") == 0 || strcmp(m, "2.16.840.1.101.3.4.2.1") == 0) {
        *h = ESEAL_HASH_SHA256;
        return true;
    }
    return false;
}

/* Marks entry `name` in `covered` (one flag per package entry). */
static void cover(const es_ofd_pkg *p, uint8_t *covered, const char *name)
{
    long i = es_ofd_find(p, name);
    if (i >= 0) {
        covered[i] = 1;
    }
}

/*
 * A defect of the signature's structure: reason `code` with the text, and check "format" failed
 * (indeterminate when the verdict is) with the same text.
 */
__attribute__((format(printf, 4, 5))) static ES_RESULT format_failure(eseal_report *rep, eseal_verdict v,
                                                                      eseal_reason code, const char *fmt, ...)
{
    char text[ES_OFD_REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    ES_GUARD(es_report_check(rep, "format", v == ESEAL_INVALID ? ESEAL_CHECK_FAILED : ESEAL_CHECK_INDETERMINATE, "package",
                             "%s", text));
    return es_report_reason(rep, v, code, "%s", text);
}

/* Every Reference: present and unchanged (check "references"). Marks what they cover. */
static ES_RESULT check_references(eseal_report *rep, ctx *c, const sig_entry *e, xmlNodePtr info, uint8_t *covered)
{
    xmlNodePtr refs = es_ofd_xml_child(info, "References");
    if (refs == NULL) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "Signature.xml has no <References>");
    }
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_REF_TEXT_MAX);
    ES_AUTO(es_buf_freep) es_buf want = ES_BUF_INIT(ES_OFD_CHECK_VALUE_MAX);
    ES_AUTO(es_buf_freep) es_buf file = ES_BUF_INIT(c->lim->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf bad = ES_BUF_INIT(ES_OFD_SHOWN_TEXT_MAX);
    eseal_hash h = ESEAL_HASH_SM3;
    const char *method = es_ofd_xml_attr(refs, "CheckMethod", &t) ? es_buf_cstr(&t) : "";
    if (!check_method(method, &h)) {
        ES_GUARD(es_report_check(rep, "references", ESEAL_CHECK_INDETERMINATE, "package",
                                 "CheckMethod %s is not accepted (SM3 or SHA-256)", method));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CRYPTO_CONSTRAINTS_FAILURE,
                                "the References use CheckMethod %s, which eseal does not accept (SM3 or SHA-256)",
                                method);
    }
    char how[160];
    (void)snprintf(how, sizeof(how), "%s%s%.100s%s", h == ESEAL_HASH_SM3 ? "SM3" : "SHA-256",
                   method[0] == 0 ? " (no CheckMethod: SM3)" : strchr(method, '.') != NULL ? ", CheckMethod " : "",
                   strchr(method, '.') != NULL ? method : "", "");
    size_t n = 0, good = 0, nbad = 0;
    for (xmlNodePtr r = es_ofd_xml_child(refs, "Reference"); r != NULL; r = es_ofd_xml_next(r, "Reference")) {
        ES_ENSURE(++n <= MAX_REFS, ESEAL_ELIMIT, "ofd: more than %d references", MAX_REFS);
        char name[ES_OFD_NAME_MAX + 1];
        const char *problem = NULL;
        if (!es_ofd_xml_attr(r, "FileRef", &t) || !es_ok(es_ofd_resolve(name, e->path, es_buf_cstr(&t)))) {
            problem = "unusable FileRef";
            (void)snprintf(name, sizeof(name), "%s", es_buf_cstr(&t));
        } else if (es_ofd_find(c->pkg, name) < 0) {
            problem = "missing";
        } else {
            cover(c->pkg, covered, name);
            ES_GUARD(es_ofd_read(c->pkg, name, &file));
            uint8_t dg[64];
            size_t dn = 0;
            ES_GUARD(es_digest(dg, &dn, h, es_buf_span(&file)));
            xmlNodePtr cv = es_ofd_xml_child(r, "CheckValue");
            want.len = 0;
            if (cv == NULL || !es_ok(es_ofd_xml_text(cv, &t)) || !es_ok(es_base64_decode(&want, es_buf_span(&t)))) {
                problem = "unreadable CheckValue";
            } else if (want.len != dn || memcmp(want.ptr, dg, dn) != 0) {
                problem = "changed";
            }
        }
        if (problem == NULL) {
            good++;
        } else {
            if (nbad < ES_OFD_SHOWN_MAX) {
                ES_GUARD(es_buf_printf(&bad, "%s/%s (%s)", nbad == 0 ? "" : ", ", name, problem));
            }
            nbad++;
        }
    }
    if (n == 0) {
        ES_GUARD(es_report_check(rep, "references", ESEAL_CHECK_FAILED, "package", "no Reference (%s)", how));
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the signature protects no file");
    }
    if (nbad > 0) {
        ES_GUARD(es_report_check(rep, "references", ESEAL_CHECK_FAILED, "package",
                                 "%zu of %zu file digests match (%s); missing or changed: %s%s", good, n, how,
                                 es_buf_cstr(&bad), nbad > ES_OFD_SHOWN_MAX ? ", ..." : ""));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE,
                                "%zu of %zu protected file(s) are missing or were changed after signing: %s%s", nbad,
                                n, es_buf_cstr(&bad), nbad > ES_OFD_SHOWN_MAX ? ", ..." : "");
    }
    return es_report_check(rep, "references", ESEAL_CHECK_PASSED, "package", "%zu of %zu file digests match (%s)",
                           good, n, how);
}

/* Marks `name` when it lies in directory `dir` (Doc_N/Signs/Sign_K/). */
static void cover_in(const es_ofd_pkg *p, uint8_t *covered, const char *name, const char *dir)
{
    if (name[0] != 0 && dir[0] != 0 && starts_with(name, dir)) {
        cover(p, covered, name);
    }
}

/* Appends {type, object, detail} to coverage.changes. */
static ES_RESULT add_change(eseal_report *rep, const char *type, const char *object, const char *detail)
{
    eseal_value *ch = NULL;
    ES_GUARD(es_value_append(es_report_root(rep), "coverage.changes", ESEAL_VALUE_OBJECT, &ch));
    ES_GUARD(es_value_str(ch, "type", "%s", type));
    ES_GUARD(object != NULL ? es_value_str(ch, "object", "%s", object) : es_value_null(ch, "object"));
    return es_value_str(ch, "detail", "%s", detail);
}

/*
 * The allow-list of what may change after this signature: files no Reference of `e` covers must
 * be the list (each later stamp extends it), e's own Signature.xml and SignedValue.dat (which
 * cannot protect themselves), or the Signature.xml, SignedValue.dat and Seal.esl of another
 * listed signature in that signature's own Signs/Sign_K/ directory. Anything else (a page, a
 * resource, an annotation file, a file beside the signatures) was added or changed without this
 * signature: CHANGED_AFTER_SIGNING, with the files named. A stamp by eseal rewrites OFD.xml only
 * when it creates the list, before it signs (ofd_stamp.c), so OFD.xml and Document.xml are
 * never on the list. coverage.whole_document says whether every other file is protected;
 * coverage.changes lists the later signatures (entries after e) and the unprotected files.
 */
static ES_RESULT check_uncovered(eseal_report *rep, ctx *c, const sig_entry *e, uint8_t *covered)
{
    cover(c->pkg, covered, c->list);
    cover(c->pkg, covered, e->path);
    cover(c->pkg, covered, e->value);
    cover(c->pkg, covered, e->seal);
    bool later = false;
    for (size_t i = 0; i < c->nsigs; i++) {
        const sig_entry *o = &c->sigs[i];
        if (o == e) {
            later = true;
        } else if (o->anomaly[0] == 0) {
            cover_in(c->pkg, covered, o->path, o->dir);
            cover_in(c->pkg, covered, o->value, o->dir);
            cover_in(c->pkg, covered, o->seal, o->dir);
            if (later) {
                char what[ES_OFD_NAME_MAX + 64];
                (void)snprintf(what, sizeof(what), "%s, added by a later signing", o->path);
                ES_GUARD(add_change(rep, "signature", o->path, what));
            }
        }
    }
    ES_AUTO(es_buf_freep) es_buf list = ES_BUF_INIT(ES_OFD_SHOWN_TEXT_MAX);
    size_t n = 0;
    for (size_t i = 0; i < es_ofd_count(c->pkg); i++) {
        const char *name = es_ofd_name(c->pkg, i);
        size_t len = strlen(name);
        if (!covered[i] && len > 0 && name[len - 1] != '/') { /* directories hold nothing to show */
            if (n < ES_OFD_SHOWN_MAX) {
                ES_GUARD(es_buf_printf(&list, "%s/%s", n == 0 ? "" : ", ", name));
                char what[ES_OFD_NAME_MAX + 96];
                (void)snprintf(what, sizeof(what), "%s, not protected by this signature (added or changed after "
                               "signing, or never signed)", name);
                ES_GUARD(add_change(rep, "package_file", name, what));
            }
            n++;
        }
    }
    ES_GUARD(es_report_bool(rep, "coverage.whole_document", n == 0));
    if (n == 0) {
        return es_report_check(rep, "modifications", ESEAL_CHECK_PASSED, "package",
                               "every file of the package is protected, or is a signature's own");
    }
    if (n > ES_OFD_SHOWN_MAX) {
        char more[64];
        (void)snprintf(more, sizeof(more), "%zu more files not protected", n - ES_OFD_SHOWN_MAX);
        ES_GUARD(add_change(rep, "other", NULL, more));
    }
    ES_GUARD(es_report_check(rep, "modifications", ESEAL_CHECK_FAILED, "package", "%zu file(s) not protected: %s%s",
                             n, es_buf_cstr(&list), n > ES_OFD_SHOWN_MAX ? ", ..." : ""));
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CHANGED_AFTER_SIGNING,
                            "%zu file(s) of the package are not protected by this signature and may change what "
                            "is shown (added after signing, or never signed): %s%s",
                            n, es_buf_cstr(&list), n > ES_OFD_SHOWN_MAX ? ", ..." : "");
}

/*
 * SignatureDateTime as written ("2026-08-04 10:08:09", "20201010151120", ...) as a time when it
 * is 14 digits with at most "-", ":", " " or "T" between them, read as UTC (eseal writes UTC; the
 * text has no zone): *ms = 0 otherwise. A claim, never trusted.
 */
static int64_t parse_claimed(const char *text)
{
    char digits[16];
    size_t n = 0;
    for (const char *p = text; *p != 0; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n == 14) {
                return 0;
            }
            digits[n++] = *p;
        } else if (strchr("-: T", *p) == NULL) {
            return 0;
        }
    }
    if (n != 14) {
        return 0;
    }
    digits[n++] = 'Z';
    int64_t ms = 0;
    if (!es_ok(es_time_parse_gentime(es_span_of(digits, n), &ms))) {
        eseal_error_clear();
        return 0;
    }
    return ms;
}

/* SignatureDateTime and Provider: what the format check says of them; *claimed = the parsed date, or 0. */
static ES_RESULT report_claimed(es_buf *about, xmlNodePtr info, int64_t *claimed)
{
    *claimed = 0;
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_ATTR_MAX);
    xmlNodePtr dt = es_ofd_xml_child(info, "SignatureDateTime");
    if (dt != NULL && es_ok(es_ofd_xml_text(dt, &t)) && t.len > 0) {
        ES_GUARD(es_buf_printf(about, "; SignatureDateTime %s", es_buf_cstr(&t)));
        *claimed = parse_claimed(es_buf_cstr(&t));
    }
    xmlNodePtr pv = es_ofd_xml_child(info, "Provider");
    if (pv != NULL) {
        /* Attributes (the standard), or child elements (dms360). */
        bool got = es_ofd_xml_attr(pv, "ProviderName", &t);
        if (!got) {
            xmlNodePtr pn = es_ofd_xml_child(pv, "ProviderName");
            got = pn != NULL && es_ok(es_ofd_xml_text(pn, &t));
        }
        if (got) {
            ES_GUARD(es_buf_printf(about, "; Provider %s", es_buf_cstr(&t)));
        }
    }
    return ES_OK;
}

/* The seal inside the stamp: genuine, valid at the signing time, registered, and allowing the signer. */
static ES_RESULT check_seal(eseal_report *rep, ctx *c, const sig_entry *e, const eseal_ses_signature *sig,
                            int64_t seal_at)
{
    const eseal_ses_seal *seal = eseal_ses_signature_seal(sig);
    eseal_report *srep = NULL;
    es_result r = es_ses_seal_verify_rev(&srep, seal, c->trust, seal_at, NULL);
    if (es_ok(r) && c->opts != NULL && c->opts->registry != NULL) {
        r = c->opts->registry(c->opts->registry_ctx, srep, seal, seal_at);
    }
    if (es_ok(r)) {
        r = es_report_merge(rep, srep, NULL);
    }
    eseal_report_free(srep);
    ES_GUARD(r);
    /* The copy named by <ofd:Seal><ofd:BaseLoc>, when there is one, must be the seal inside the stamp. */
    if (e->seal[0] != 0) {
        ES_AUTO(es_buf_freep) es_buf esl = ES_BUF_INIT(c->lim->max_der_bytes);
        eseal_bytes der = eseal_ses_seal_der(seal);
        char text[ES_OFD_NAME_MAX + 64] = "";
        if (!es_ok(es_ofd_read(c->pkg, e->seal, &esl))) {
            (void)snprintf(text, sizeof(text), "the seal file %s is missing", e->seal);
        } else if (esl.len != der.len || memcmp(esl.ptr, der.ptr, der.len) != 0) {
            (void)snprintf(text, sizeof(text), "the seal file %s is not the seal inside the signature", e->seal);
        }
        if (text[0] != 0) {
            ES_GUARD(es_report_check(rep, "seal_format", ESEAL_CHECK_FAILED, "package", "%s", text));
            ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_FORMAT_FAILURE, "%s", text));
        }
    }
    eseal_bytes cert = eseal_ses_signature_signer_cert(sig);
    int allowed = eseal_ses_seal_allows_cert(seal, cert.ptr, cert.len);
    if (allowed == 1) {
        return es_report_check(rep, "seal_binding", ESEAL_CHECK_PASSED, "embedded",
                               "the signer's certificate is one the seal lists");
    }
    if (allowed == 0) {
        ES_GUARD(es_report_check(rep, "seal_binding", ESEAL_CHECK_FAILED, "embedded",
                                 "the signer's certificate is not one the seal lists"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_NOT_ALLOWED,
                                "the signer's certificate is not one the seal allows to stamp with it");
    }
    ES_GUARD(es_report_check(rep, "seal_binding", ESEAL_CHECK_INDETERMINATE, "embedded",
                             "the signer's certificate is missing"));
    return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SEAL_BINDING_UNCHECKED,
                            "whether the seal allows the signer could not be checked");
}

/*
 * The signer certificate: the signer section, and whether it chains to a trust anchor at `at`
 * (the validation time, or the time a timestamp proves): checks chain, validity and revocation,
 * judged in a report of their own and taken in. `note` (may be NULL): why validity was judged at
 * that time, added to the validity check.
 */
static ES_RESULT check_signer(eseal_report *rep, ctx *c, es_span der, int64_t at, int64_t claimed, const char *note)
{
    eseal_cert *cert = NULL;
    if (eseal_cert_parse(&cert, der.ptr, der.len) != ESEAL_OK) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the signer certificate cannot be read: %s",
                              eseal_error_last()->message);
    }
    eseal_report *part = NULL;
    char id[ES_VOBJ_ID_LEN];
    es_result r = es_ses_report_signer(rep, cert, der, "signature", id);
    if (es_ok(r)) {
        r = es_report_new(&part);
    }
    if (es_ok(r)) {
        r = es_cert_chain_check(part, c->trust, cert, NULL, 0, at, claimed);
    }
    eseal_cert_free(cert);
    static const char *const ids[] = {"chain", "validity", "revocation"};
    if (es_ok(r)) {
        r = es_ses_report_take_reasons(rep, part);
    }
    if (es_ok(r)) {
        r = es_ses_report_take_objects(rep, part);
    }
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && es_ok(r); i++) {
        r = es_ses_report_take_check(rep, part, ids[i]);
    }
    const char *d = eseal_report_string(rep, "checks.validity.detail");
    eseal_check_status vs = eseal_report_check(rep, "validity");
    if (es_ok(r) && note != NULL && vs != ESEAL_CHECK_ABSENT) {
        r = es_report_check(rep, "validity", vs, eseal_report_string(rep, "checks.validity.source"), "%s%s%s",
                            d != NULL ? d : "", d != NULL ? "; " : "", note);
    }
    eseal_report_free(part);
    return r;
}

/* The first reasons of the token's own report, "CODE: text; ...", for the stamp's reason. */
static ES_RESULT token_reasons(es_buf *out, const eseal_report *tr, eseal_verdict v)
{
    size_t n = 0;
    for (size_t i = 0; i < eseal_report_reason_count(tr) && n < 3; i++) {
        if (eseal_report_reason_verdict(tr, i) == v) {
            ES_GUARD(es_buf_printf(out, "%s%s: %s", n == 0 ? "" : "; ", eseal_report_reason_code(tr, i),
                                   eseal_report_reason_text(tr, i)));
            n++;
        }
    }
    return ES_OK;
}

/* What a valid token proves, for the time section: its TSA, serial, accuracy and object id. */
typedef struct {
    char tsa[ES_OFD_ATTR_MAX];
    char serial[ES_OFD_ATTR_MAX];
    int64_t accuracy_ms; /* -1: not said */
    char token[ES_VOBJ_ID_LEN];
} ts_info;

/*
 * SES_Signature.timeStamp (GB/T 38540-2020): an RFC 3161 TimeStampToken whose imprint is the
 * hash of the signature value, the contents of the `signature` BIT STRING (standards.md §4;
 * docs/formats.md). Checked with the same trust as the signer. A VALID token proves the
 * signature existed at its genTime: *poe = genTime. An invalid one (imprint, signature,
 * format) makes the stamp INVALID; one that cannot be trusted (TSA chain, revocation data)
 * leaves it INDETERMINATE and the stamp is judged without the proof (*poe = 0). Check
 * "timestamp" names the token and the objects the token's own checks used (its TSA's chain).
 */
static ES_RESULT check_timestamp(eseal_report *rep, ctx *c, const eseal_ses_signature *sig, int64_t *poe,
                                 ts_info *ti)
{
    *poe = 0;
    eseal_bytes ts = eseal_ses_signature_timestamp(sig);
    if (ts.len == 0) {
        return ES_OK;
    }
    eseal_bytes v = eseal_ses_signature_value(sig);
    eseal_tsa_verify_options o = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    o.data = v.ptr;
    o.data_len = v.len;
    eseal_report *tr = NULL;
    int64_t gen = 0;
    int rc = eseal_tsa_verify_token(&tr, &gen, ts.ptr, ts.len, c->trust, &o);
    if (rc == ESEAL_EMALFORMED) {
        const char *why = eseal_error_last()->message;
        ES_GUARD(es_report_check(rep, "timestamp", ESEAL_CHECK_FAILED, "signature",
                                 "SES_Signature.timeStamp is not a usable time-stamp token: %s", why));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_TIMESTAMP_INVALID,
                                "SES_Signature.timeStamp is not a usable time-stamp token: %s", why);
    }
    ES_GUARD(es_from_code(rc));
    eseal_verdict verdict = eseal_report_verdict(tr);
    const char *tsa = eseal_report_string(tr, "signer.subject");
    const char *serial = eseal_report_string(tr, "token.serial");
    const char *imprint = eseal_report_string(tr, "token.imprint_algorithm");
    int64_t acc = -1;
    if (eseal_report_integer(tr, "token.accuracy_ms", &acc) != ESEAL_OK) {
        acc = -1;
    }
    (void)snprintf(ti->tsa, sizeof(ti->tsa), "%s", tsa != NULL ? tsa : "");
    (void)snprintf(ti->serial, sizeof(ti->serial), "%s", serial != NULL ? serial : "");
    ti->accuracy_ms = acc;
    char t[ES_RFC3339_LEN];
    es_time_rfc3339(t, gen);
    ES_AUTO(es_buf_freep) es_buf why = ES_BUF_INIT(ES_OFD_REASON_MAX);
    es_result r = es_report_evidence(rep, ES_VOBJ_TIMESTAMP, es_span_of(ts.ptr, ts.len), tsa, "signature",
                                     verdict == ESEAL_VALID ? gen : 0, ti->token);
    if (es_ok(r)) {
        r = es_ses_report_take_objects(rep, tr);
    }
    if (es_ok(r) && verdict != ESEAL_VALID) {
        r = token_reasons(&why, tr, verdict);
    }
    if (es_ok(r)) {
        r = es_report_check(rep, "timestamp",
                            verdict == ESEAL_VALID     ? ESEAL_CHECK_PASSED
                            : verdict == ESEAL_INVALID ? ESEAL_CHECK_FAILED
                                                       : ESEAL_CHECK_INDETERMINATE,
                            "signature",
                            "RFC 3161 token over the signature value: %s, genTime %s, TSA %s, serial %s, imprint %s%s%s",
                            eseal_verdict_name(verdict), gen != 0 ? t : "unknown", tsa != NULL ? tsa : "unnamed",
                            serial != NULL ? serial : "unknown", imprint != NULL ? imprint : "unknown",
                            why.len > 0 ? ": " : "", es_buf_cstr(&why));
    }
    if (es_ok(r)) {
        r = es_report_check_uses(rep, "timestamp", ti->token);
    }
    const char *tsa_cert = eseal_report_string(tr, "signer.certificate");
    if (es_ok(r) && tsa_cert != NULL) {
        r = es_report_check_uses(rep, "timestamp", tsa_cert);
    }
    static const char *const ids[] = {"chain", "revocation"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && es_ok(r); i++) {
        const eseal_value *objs = eseal_report_find(tr, "checks");
        for (size_t k = 0; k < eseal_value_count(objs) && es_ok(r); k++) {
            const eseal_value *ck = eseal_value_item(objs, k);
            const char *cid = eseal_value_string(eseal_value_find(ck, "id"));
            const eseal_value *used = eseal_value_find(ck, "objects");
            for (size_t j = 0; cid != NULL && strcmp(cid, ids[i]) == 0 && j < eseal_value_count(used) && es_ok(r);
                 j++) {
                const char *oid = eseal_value_string(eseal_value_item(used, j));
                r = oid != NULL ? es_report_check_uses(rep, "timestamp", oid) : ES_OK;
            }
        }
    }
    eseal_report_free(tr);
    ES_GUARD(r);
    if (verdict == ESEAL_INVALID) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_TIMESTAMP_INVALID,
                                "the time-stamp token over the signature value is not valid (%s)", es_buf_cstr(&why));
    }
    if (verdict == ESEAL_INDETERMINATE) {
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_TIMESTAMP_UNTRUSTED,
                                "the time-stamp token cannot be trusted, so it proves no signing time (%s)",
                                es_buf_cstr(&why));
    }
    *poe = gen;
    return ES_OK;
}

/* The time section: proven by a valid token (`ti`), else claimed, else none. */
static ES_RESULT set_time(eseal_report *rep, int64_t poe, const ts_info *ti, int64_t claimed, int64_t at)
{
    eseal_value *root = es_report_root(rep);
    if (poe != 0) {
        ES_GUARD(es_value_time(root, "time.value", poe));
        ES_GUARD(es_value_str(root, "time.source", "timestamp"));
        ES_GUARD(ti->tsa[0] != 0 ? es_value_str(root, "time.tsa", "%s", ti->tsa) : es_value_null(root, "time.tsa"));
        ES_GUARD(ti->serial[0] != 0 ? es_value_str(root, "time.serial", "%s", ti->serial)
                                    : es_value_null(root, "time.serial"));
        ES_GUARD(ti->accuracy_ms >= 0 ? es_value_int(root, "time.accuracy_ms", ti->accuracy_ms)
                                      : es_value_null(root, "time.accuracy_ms"));
        ES_GUARD(es_value_str(root, "time.token", "%s", ti->token));
        if (poe < at) {
            ES_GUARD(es_value_time(root, "time.judged_at", poe));
            ES_GUARD(es_value_str(root, "time.judged_by", "timestamp"));
        }
        return ES_OK;
    }
    if (claimed != 0) {
        ES_GUARD(es_value_time(root, "time.value", claimed));
        return es_value_str(root, "time.source", "claimed");
    }
    return es_value_str(root, "time.source", "none");
}

static const char *sig_format_name(int format)
{
    switch (format) {
    case 1: return "GM/T 0031-2014 V1";
    case 4: return "GB/T 38540 V4";
    case 5: return "GM/T 0031-2025 V5";
    default: return NULL;
    }
}

/* Algorithm and digest algorithm of a signature algorithm OID, by name. */
static ES_RESULT set_algorithm(eseal_report *rep, const char *oid)
{
    es_sig_alg a;
    ES_GUARD(es_report_str(rep, "signature.algorithm", "%s", eseal_sig_alg_name(oid)));
    if (es_ok(es_ses_sig_alg(&a, oid))) {
        return es_report_str(rep, "signature.digest_algorithm", "%s",
                             a.hash == ESEAL_HASH_SM3       ? "SM3"
                             : a.hash == ESEAL_HASH_SHA384 ? "SHA-384"
                                                            : "SHA-256");
    }
    eseal_error_clear();
    return ES_OK;
}

/* Type="Seal": SignedValue.dat is an SES_Signature over Signature.xml. */
static ES_RESULT verify_stamp(eseal_report *rep, ctx *c, const sig_entry *e, es_span sigxml, es_span value,
                              es_buf *about)
{
    eseal_ses_signature *sig = NULL;
    if (eseal_ses_signature_decode(&sig, value.ptr, value.len) != ESEAL_OK) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "%s is not an SES_Signature: %s", e->value,
                              eseal_error_last()->message);
    }
    const char *fname = sig_format_name(eseal_ses_signature_format(sig));
    es_result r = fname != NULL ? es_report_str(rep, "signature.format", "%s", fname) : ES_OK;
    if (es_ok(r)) {
        r = set_algorithm(rep, eseal_ses_signature_sig_alg(sig));
    }
    /* dataHash: SM3 of the exact bytes of Signature.xml as found in the package. */
    uint8_t dg[64];
    size_t dn = 0;
    eseal_bytes dh = eseal_ses_signature_data_hash(sig);
    if (es_ok(r) && dh.len > 0) {
        char hex[2 * ES_SES_MAX_HASH + 1];
        es_hex_lower(hex, dh.ptr, dh.len <= ES_SES_MAX_HASH ? dh.len : ES_SES_MAX_HASH);
        r = es_report_str(rep, "signature.signed_digest", "%s", hex);
    }
    if (es_ok(r)) {
        r = es_digest(dg, &dn, ESEAL_HASH_SM3, sigxml);
    }
    if (es_ok(r)) {
        bool same = dh.len == dn && memcmp(dh.ptr, dg, dn) == 0;
        r = es_report_check(rep, "digest", same ? ESEAL_CHECK_PASSED : ESEAL_CHECK_FAILED, "package",
                            "dataHash %s the SM3 of %s", same ? "is" : "is not", e->path);
        if (es_ok(r) && !same) {
            r = es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE,
                                 "dataHash is not the SM3 of %s: the signature description was changed after "
                                 "signing",
                                 e->path);
        }
    }
    const char *prop = eseal_ses_signature_property_info(sig);
    if (es_ok(r) && prop != NULL) {
        r = es_buf_printf(about, "; propertyInfo %s", prop);
        char want[ES_OFD_NAME_MAX + 2];
        (void)snprintf(want, sizeof(want), "/%s", e->path);
        if (es_ok(r) && strcmp(prop, want) != 0 && strcmp(prop, e->path) != 0) {
            r = format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                               "propertyInfo names %s, not the signature description %s", prop, want);
        }
    }
    for (size_t i = 0; i < eseal_ses_signature_note_count(sig) && es_ok(r); i++) {
        r = es_buf_printf(about, "%s%s", i == 0 ? "; notes: " : "; ", eseal_ses_signature_note(sig, i));
    }
    /* The signer's signature over the exact TBS_Sign bytes. */
    int valid = 0;
    if (es_ok(r)) {
        es_result v = es_from_code(eseal_ses_signature_verify_signature(&valid, sig));
        if (!es_ok(v)) {
            const char *why = eseal_error_last()->message;
            r = es_report_check(rep, "signature", ESEAL_CHECK_INDETERMINATE, "embedded", "could not be checked: %s",
                                why);
            if (es_ok(r)) {
                r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_FORMAT_FAILURE,
                                     "the signature could not be checked: %s", why);
            }
        } else {
            r = es_report_check(rep, "signature", valid ? ESEAL_CHECK_PASSED : ESEAL_CHECK_FAILED, "embedded",
                                "the signer's %s signature over TBS_Sign %s", eseal_sig_alg_name(eseal_ses_signature_sig_alg(sig)),
                                valid ? "verifies" : "does not verify");
            if (es_ok(r) && !valid) {
                r = es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                                     "the signer's signature over TBS_Sign does not verify");
            }
        }
    }
    /* The proven time: genTime of a valid timestamp over the signature value. */
    int64_t poe = 0;
    ts_info ti = {"", "", -1, ""};
    if (es_ok(r)) {
        r = check_timestamp(rep, c, sig, &poe, &ti);
    }
    const char *note = NULL;
    if (es_ok(r) && poe > c->at) {
        note = "the timestamp is later than the validation time: validity judged at the validation time, without it";
        poe = 0;
    }
    /* The claimed time: timeInfo, the signer's word. */
    int64_t claimed = eseal_ses_signature_time(sig);
    if (es_ok(r) && poe != 0 && claimed != 0) {
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, claimed);
        r = es_buf_printf(about, "; timeInfo %s (claimed)", t);
    }
    if (es_ok(r)) {
        r = set_time(rep, poe, &ti, claimed, c->at);
    }
    /*
     * When a timestamp proves the signature existed at genTime, the signer's certificate (chain,
     * validity, revocation) and the seal are judged at genTime (ETSI EN 319 102-1 §5.5: the best
     * signature time), so expiry or revocation after it does not matter. The claim still says
     * which way a doubt goes when it precedes genTime (a revocation between the two is
     * REVOKED_NO_POE); a claim after genTime cannot be true (the token covers the signature over
     * it) and is ignored. Without a timestamp, validity is judged at the claimed time when it
     * precedes the validation time; a claim later than the validation time (a stamp from the
     * validator's future) is judged at the validation time.
     */
    int64_t at = c->at;
    if (poe != 0) {
        at = poe;
        if (claimed > poe) {
            note = "the claimed time is later than the timestamp: ignored";
            claimed = 0;
        }
    } else if (claimed > c->at) {
        note = "the claimed time is later than the validation time: validity judged at the validation time";
        claimed = 0;
    }
    eseal_bytes cert = eseal_ses_signature_signer_cert(sig);
    if (es_ok(r)) {
        r = check_signer(rep, c, es_span_of(cert.ptr, cert.len), at, claimed, note);
    }
    if (es_ok(r)) {
        r = check_seal(rep, c, e, sig, poe != 0 ? poe : claimed != 0 ? claimed : c->at);
    }
    /* TBS_Sign holds the seal and the signer's certificate: the token over the signature proves
     * they existed at genTime too (their validation objects' poe). */
    const eseal_ses_seal *seal = eseal_ses_signature_seal(sig);
    eseal_bytes sd = eseal_ses_seal_der(seal);
    char id[ES_VOBJ_ID_LEN];
    if (es_ok(r) && poe != 0 && cert.len > 0) {
        r = es_report_evidence(rep, ES_VOBJ_CERTIFICATE, es_span_of(cert.ptr, cert.len), NULL, "signature", poe, id);
    }
    if (es_ok(r) && poe != 0) {
        r = es_report_evidence(rep, ES_VOBJ_SEAL, es_span_of(sd.ptr, sd.len), eseal_ses_seal_info(seal)->name,
                               "signature", poe, id);
    }
    eseal_ses_signature_free(sig);
    return r;
}

/* Type="Sign": SignedValue.dat is a bare SM2 signature over Signature.xml, by the certificate given. */
static ES_RESULT verify_plain(eseal_report *rep, ctx *c, const sig_entry *e, es_span sigxml, es_span value,
                              const char *method, int64_t claimed)
{
    const char *oid = method[0] != 0 ? method : "1.2.156.10197.1.501";
    ES_GUARD(es_report_str(rep, "signature.format", "GB/T 33190 Sign"));
    ES_GUARD(set_algorithm(rep, oid));
    ES_GUARD(set_time(rep, 0, NULL, claimed, c->at));
    ES_GUARD(es_report_check(rep, "seal_binding", ESEAL_CHECK_NOT_APPLICABLE, NULL, "a plain signature has no seal"));
    if (c->opts == NULL || c->opts->signer_der == NULL) {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_INDETERMINATE, NULL,
                                 "not checked: the signer's certificate was not given"));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SIGNER_CERT_NOT_FOUND,
                                "a plain OFD signature does not carry its signer's certificate; give it to check the "
                                "signature (eseal verify --signer CERT)");
    }
    int valid = 0;
    ES_AUTO(es_notes_freep) es_notes notes = {{NULL}, 0};
    es_span cert = es_span_of(c->opts->signer_der, c->opts->signer_len);
    es_result v = es_ses_verify(&valid, &notes, cert, oid, sigxml, value);
    if (!es_ok(v)) {
        const char *why = eseal_error_last()->message;
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_INDETERMINATE, NULL, "could not be checked: %s", why));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_FORMAT_FAILURE, "%s could not be checked: %s", e->value,
                                why);
    }
    ES_AUTO(es_buf_freep) es_buf nt = ES_BUF_INIT(ES_OFD_REASON_MAX);
    ES_GUARD(es_ses_notes_text(&nt, &notes, NULL));
    ES_GUARD(es_report_check(rep, "signature", valid ? ESEAL_CHECK_PASSED : ESEAL_CHECK_FAILED, NULL,
                             "the signature over %s %s with the certificate given%s%s", e->path,
                             valid ? "verifies" : "does not verify", nt.len > 0 ? "; notes: " : "", es_buf_cstr(&nt)));
    if (!valid) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                                "the signature in %s does not verify over %s with the certificate given", e->value,
                                e->path);
    }
    return check_signer(rep, c, cert, c->at, 0, NULL);
}

static ES_RESULT verify_one(eseal_report *rep, ctx *c, sig_entry *e, es_buf *about)
{
    if (e->anomaly[0] != 0) {
        return format_failure(rep, ESEAL_INVALID, LIST_ANOMALY, "entry %s of %s is not verified: %s",
                              e->id[0] != 0 ? e->id : "(no ID)", c->list, e->anomaly);
    }
    if (!e->has_type) {
        ES_GUARD(es_buf_printf(about, "; no Type attribute: read as \"Seal\""));
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, LIST_ANOMALY,
                                  "the entry has no Type attribute: read as \"Seal\", the default of GB/T "
                                  "33190-2016 §18.1 (the list is not protected, so this is what it says now)"));
    }
    ES_AUTO(es_buf_freep) es_buf sigxml = ES_BUF_INIT(c->lim->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf value = ES_BUF_INIT(c->lim->max_der_bytes);
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_OFD_NAME_MAX + 1);
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr doc = NULL;
    if (es_ofd_find(c->pkg, e->path) < 0) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the signature file /%s is missing", e->path);
    }
    es_result pr = es_ofd_read_xml_bytes(c->pkg, e->path, &doc, &sigxml);
    if (!es_ok(pr)) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "%s", eseal_error_last()->message);
    }
    char foreign[300];
    if (es_ofd_xml_foreign(doc, foreign, sizeof(foreign))) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                              "%s has an %s: a signature description has only OFD elements (GB/T 33190-2016 "
                              "§18.2), so what another reader takes from it cannot be known",
                              e->path, foreign);
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr info = root != NULL ? es_ofd_xml_child(root, "SignedInfo") : NULL;
    xmlNodePtr sv = root != NULL ? es_ofd_xml_child(root, "SignedValue") : NULL;
    if (info == NULL || sv == NULL || !es_ok(es_ofd_xml_text(sv, &t)) ||
        !es_ok(es_ofd_resolve(e->value, e->path, es_buf_cstr(&t)))) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                              "%s lacks <SignedInfo> or a usable <SignedValue>", e->path);
    }
    xmlNodePtr seal = es_ofd_xml_child(info, "Seal");
    xmlNodePtr sealloc = seal != NULL ? es_ofd_xml_child(seal, "BaseLoc") : NULL;
    if (sealloc != NULL && es_ok(es_ofd_xml_text(sealloc, &t))) {
        ES_GUARD(es_ofd_resolve(e->seal, e->path, es_buf_cstr(&t)));
    }
    int64_t claimed = 0;
    ES_GUARD(report_claimed(about, info, &claimed));
    for (xmlNodePtr a = es_ofd_xml_child(info, "StampAnnot"); a != NULL; a = es_ofd_xml_next(a, "StampAnnot")) {
        ES_AUTO(es_buf_freep) es_buf pg = ES_BUF_INIT(ES_OFD_ATTR_MAX);
        ES_AUTO(es_buf_freep) es_buf bd = ES_BUF_INIT(ES_OFD_ATTR_MAX);
        if (es_ofd_xml_attr(a, "PageRef", &pg) && es_ofd_xml_attr(a, "Boundary", &bd)) {
            ES_GUARD(es_buf_printf(about, "; StampAnnot on page ID %s at %s mm", es_buf_cstr(&pg), es_buf_cstr(&bd)));
        }
    }
    xmlNodePtr sm = es_ofd_xml_child(info, "SignatureMethod");
    char method[128] = "";
    if (sm != NULL && es_ok(es_ofd_xml_text(sm, &t))) {
        (void)snprintf(method, sizeof(method), "%s", es_buf_cstr(&t));
        ES_GUARD(es_buf_printf(about, "; SignatureMethod %s", method));
    }
    uint8_t *covered = es_calloc(es_ofd_count(c->pkg) + 1, 1);
    ES_ENSURE_ALLOC(covered);
    es_result r = check_references(rep, c, e, info, covered);
    if (es_ok(r)) {
        r = check_uncovered(rep, c, e, covered);
    }
    es_free(covered);
    ES_GUARD(r);
    if (!es_ok(es_ofd_read(c->pkg, e->value, &value))) {
        return format_failure(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                              "the signature value /%s is missing or unreadable", e->value);
    }
    char hex[129];
    ES_GUARD(es_report_digest_hex(hex, ESEAL_HASH_SHA256, es_buf_span(&value)));
    ES_GUARD(es_report_str(rep, "signature.identifier", "%s", hex));
    if (strcmp(e->type, "Sign") == 0) {
        return verify_plain(rep, c, e, es_buf_span(&sigxml), es_buf_span(&value), method, claimed);
    }
    if (strcmp(e->type, "Seal") != 0) {
        return format_failure(rep, ESEAL_INDETERMINATE, LIST_ANOMALY,
                              "the entry has Type \"%s\", neither \"Seal\" nor \"Sign\" (GB/T 33190-2016 §18.1): "
                              "not verified",
                              e->type);
    }
    return verify_stamp(rep, c, e, es_buf_span(&sigxml), es_buf_span(&value), about);
}

/* One signature child: its sections, the checks of verify_one, and check "format" with what the entry says. */
static ES_RESULT verify_entry(eseal_report *rep, ctx *c, sig_entry *e, size_t index)
{
    ES_GUARD(es_report_signature_init(rep));
    if (e->path[0] != 0) {
        ES_GUARD(es_report_str(rep, "signature.id", "%s", e->path));
    } else {
        ES_GUARD(es_report_str(rep, "signature.id", "%s entry %zu", c->list, index + 1));
    }
    ES_GUARD(es_report_str(rep, "signature.type", "%s", strcmp(e->type, "Sign") == 0 ? "signature" : "seal_stamp"));
    /* The StampAnnot (a page ID and a Boundary in mm) is told in check "format" for now. */
    ES_GUARD(es_report_null(rep, "signature.appearance"));
    ES_GUARD(e->dup_of != 0 ? es_report_int(rep, "signature.duplicate_of", (int64_t)e->dup_of)
                            : es_report_null(rep, "signature.duplicate_of"));
    ES_GUARD(es_report_null(rep, "coverage.revision")); /* a package has no revisions */
    ES_AUTO(es_buf_freep) es_buf about = ES_BUF_INIT(ES_OFD_SHOWN_TEXT_MAX);
    ES_GUARD(es_buf_printf(&about, "entry %s of %s, Type %s", e->has_id ? e->id : "(no ID)", c->list, e->type));
    ES_GUARD(verify_one(rep, c, e, &about));
    if (eseal_report_check(rep, "format") == ESEAL_CHECK_ABSENT) {
        ES_GUARD(es_report_check(rep, "format", ESEAL_CHECK_PASSED, "package", "%s", es_buf_cstr(&about)));
    }
    return ES_OK;
}

/* document.parts: the package's entries, as its reader listed them (within the package's limits). */
static ES_RESULT report_parts(eseal_report *rep, const es_ofd_pkg *pkg)
{
    ES_GUARD(es_value_list(es_report_root(rep), "document.parts", NULL));
    for (size_t i = 0; i < es_ofd_count(pkg); i++) {
        eseal_value *part = NULL;
        ES_GUARD(es_value_append(es_report_root(rep), "document.parts", ESEAL_VALUE_OBJECT, &part));
        ES_GUARD(es_value_str(part, "kind", "entry"));
        ES_GUARD(es_value_str(part, "name", "%s", es_ofd_name(pkg, i)));
        ES_GUARD(es_value_null(part, "offset"));
        ES_ENSURE(es_ofd_size(pkg, i) <= INT64_MAX, ESEAL_ELIMIT, "ofd: entry size");
        ES_GUARD(es_value_int(part, "size", (int64_t)es_ofd_size(pkg, i)));
        ES_GUARD(es_value_null(part, "sha256"));
    }
    return ES_OK;
}

ES_RESULT es_ofd_verify(eseal_report **out, es_span data, const eseal_trust *trust, int64_t at_ms,
                        const es_ofd_verify_options *opts)
{
    ES_AUTO(es_ofd_closep) es_ofd_pkg *pkg = NULL;
    ES_GUARD(es_ofd_open_limits(&pkg, data, opts != NULL ? opts->lim : NULL));
    ctx *c = es_calloc(1, sizeof(*c));
    ES_ENSURE_ALLOC(c);
    c->pkg = pkg;
    c->lim = es_ofd_limits(pkg);
    c->trust = trust;
    c->at = at_ms;
    c->opts = opts;
    eseal_report *rep = NULL;
    es_result r = es_report_new(&rep);
    if (es_ok(r)) {
        unsigned int digests = 0;
        r = es_document_digests(&digests, opts != NULL ? opts->digests : 0);
        if (es_ok(r)) {
            r = es_report_document(rep, "ofd", data, at_ms, digests);
        }
    }
    if (es_ok(r)) {
        r = report_parts(rep, pkg);
    }
    if (es_ok(r)) {
        r = find_signatures(rep, c);
    }
    if (es_ok(r)) {
        r = locate_files(c);
    }
    if (es_ok(r) && c->nsigs == 0) {
        r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_SIGNATURE, "the OFD has no signatures");
    }
    for (size_t i = 0; i < c->nsigs && es_ok(r); i++) {
        eseal_report *child = NULL;
        r = es_report_add_child(rep, &child);
        if (es_ok(r)) {
            r = verify_entry(child, c, &c->sigs[i], i);
        }
    }
    es_free(c);
    if (!es_ok(r)) {
        eseal_report_free(rep);
        return r;
    }
    *out = rep;
    return ES_OK;
}

int eseal_ofd_verify(eseal_report **out, const void *ofd, size_t len, const eseal_trust *trust,
                     const eseal_ofd_verify_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, ofd_verify_options);
    if (out == NULL || ofd == NULL) {
        ES_BAIL_ARG("out == NULL || ofd == NULL");
    }
    const eseal_context *cx = ES_OPT_CTX(opts, 2);
    es_ofd_verify_options o = {NULL, 0, NULL, NULL, es_ctx_limits(cx), ES_OPT_DIGESTS(opts, 3)};
    eseal_buf der = ESEAL_BUF_INIT;
    if (opts != NULL && opts->signer != NULL && eseal_cert_der(&der, opts->signer) == ESEAL_OK) {
        o.signer_der = der.ptr;
        o.signer_len = der.size;
    }
    int64_t at = opts != NULL && opts->at_ms != 0 ? opts->at_ms : es_ctx_now(cx);
    int rc = es_code(es_ofd_verify(out, es_span_of(ofd, len), trust, at, &o));
    eseal_buf_dispose(&der);
    return rc;
}
