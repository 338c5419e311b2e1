/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The widget's page without walking every page (issue 18, h-widget; es_pdf_find_page in
 * src/pdf/pdf_read.c). Counted, never timed:
 *
 * - pages_equal_qpdf: random page trees, clean and damaged (wrong or missing /Count, a page listed
 *   twice, a loop back to an ancestor, a direct page, a kid that is an integer or a missing object,
 *   wrong /Type, /Kids null or not an array, a page with /Kids [], a root /Pages with a /Parent,
 *   /Type given by reference), every page sought by number (/P) and every widget by the /Annots
 *   that hold it (a widget on two pages, on none): whenever the walk is sure, its page is the one
 *   the full walk over qpdf's enumeration gives (the code of pdf_verify.c before issue 18, copied
 *   below as the oracle); on clean trees it is always sure.
 * - count_shortcut_would_differ (issue 18, h-trust): why /Count is not used to skip subtrees: the
 *   shortcut agrees with qpdf on every clean tree and disagrees on pages after one wrong /Count,
 *   which nothing it reads can detect (and on a flat tree it reads every kid anyway).
 * - verify_reads_path_only: a document of 1,000 and of 10,000 pages (flat, and 10 kids per node)
 *   stamped on page 1 verifies looking into the same few objects whatever the page count
 *   (es_pdf_resolve_count over the whole verification) and without qpdf's whole-tree walk
 *   (es_pdf_page_walks); stamped on the last page, the walk goes through the pages before it (the
 *   counter sees them) and the report still says the right page. A second stamp (a revision
 *   compared) still makes qpdf's walk first, as the comparison needs. Every report's document.sha256
 *   and document.sm3 are the file's (taken beside the rest: a worker thread for the 10,000 pages).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* ---- the oracle: the widget's page as pdf_verify.c found it before issue 18 ---- */

/* qpdf's whole-tree walk (es_pdf_qpdf_pages, repairs and all), then the first page in qpdf_get_page_n
 * order that is object pn (pn != 0) or whose /Annots lists object wn; 0: none; -1: no parse. */
static int oracle_page(es_span data, int pn, int wn)
{
    es_pdf_qpdf p;
    if (!es_ok(es_pdf_qpdf_open(&p, data, NULL))) {
        eseal_error_clear();
        return -1;
    }
    const char *repair = NULL;
    assert_true(es_ok(es_pdf_qpdf_pages(&p, &repair)));
    qpdf_data q = p.q;
    int page = 0;
    int np = qpdf_get_num_pages(q);
    for (int i = 0; i < np && page == 0; i++) {
        qpdf_oh pg = qpdf_get_page_n(q, (size_t)i);
        if (pn != 0) {
            page = qpdf_oh_get_object_id(q, pg) == pn ? i + 1 : 0;
            continue;
        }
        qpdf_oh annots = qpdf_oh_get_key(q, pg, "/Annots");
        int na = qpdf_oh_is_array(q, annots) ? qpdf_oh_get_array_n_items(q, annots) : 0;
        for (int k = 0; k < na && page == 0 && wn != 0; k++) {
            page = qpdf_oh_get_object_id(q, qpdf_oh_get_array_item(q, annots, k)) == wn ? i + 1 : 0;
        }
    }
    es_pdf_qpdf_close(&p);
    return page;
}

/* es_pdf_find_page on a parse of its own: *sure, and the page (meaningful when sure). */
static int walk_page(es_span data, int pn, int wn, bool *sure)
{
    es_pdf_qpdf p;
    *sure = false;
    if (!es_ok(es_pdf_qpdf_open(&p, data, NULL))) {
        eseal_error_clear();
        return -1;
    }
    size_t page = 0;
    unsigned long walks = es_pdf_page_walks();
    assert_true(es_ok(es_pdf_find_page(&p, pn, wn, &page, sure)));
    assert_int_equal(es_pdf_page_walks(), walks); /* never qpdf's own walk */
    es_pdf_qpdf_close(&p);
    return (int)page;
}

/* ---- random page trees ---- */

#define MAXO 200
#define MAXK 12

enum { K_REF, K_DIRECT, K_INT, K_MISSING }; /* what a kid is written as */

typedef struct {
    bool node;           /* a /Pages node (else a page) */
    int kids[MAXK];      /* object numbers (K_REF) */
    int kind[MAXK];      /* K_* */
    int nkids;
    int parent;          /* 0: none */
    int count;           /* the /Count written (nodes) */
    bool no_count;
    const char *type;    /* "/Pages", "/Page", another name, NULL: none */
    bool type_by_ref;    /* /Type as a reference to a name object (object `type_obj`) */
    const char *kids_as; /* NULL: the array; else written instead of it ("null", "5") */
    bool empty_kids;     /* a page with /Kids [] */
    int annots[4];
    int nannots;
} tnode;

typedef struct {
    tnode o[MAXO + 1]; /* by object number; 1 catalog, 2 root */
    int n;             /* highest object number used */
    int pages[MAXO], npages;
    int nodes[MAXO], nnodes;
    int widgets[8], nwidgets;
    int catalog_pages; /* what the catalog's /Pages names */
    int type_obj;      /* a name object /Page, for /Type by reference */
    unsigned seed;
} tree;

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static int new_obj(tree *t)
{
    assert_true(t->n < MAXO);
    t->n++;
    memset(&t->o[t->n], 0, sizeof(t->o[0]));
    return t->n;
}

/* A subtree under `parent`; returns its object number and adds its pages to *count. */
static int grow(tree *t, int parent, int depth, int *count)
{
    int me = new_obj(t);
    tnode *x = &t->o[me];
    x->parent = parent;
    if (depth > 0 && (rnd(&t->seed) % 100 < 50 || depth > 4 || t->n > 120)) {
        x->type = "/Page";
        t->pages[t->npages++] = me;
        *count += 1;
        return me;
    }
    x->node = true;
    x->type = "/Pages";
    t->nodes[t->nnodes++] = me;
    int n = (int)(rnd(&t->seed) % 6);
    int total = 0;
    for (int i = 0; i < n; i++) {
        int k = grow(t, me, depth + 1, &total);
        t->o[me].kids[t->o[me].nkids] = k;
        t->o[me].kind[t->o[me].nkids++] = K_REF;
    }
    t->o[me].count = total;
    *count += total;
    return me;
}

static int pick(tree *t, const int *from, int n) { return from[rnd(&t->seed) % (unsigned)n]; }

/* Inserts a kid of kind `kind` (object `num` for K_REF) at a random place of node `node`. */
static void insert_kid(tree *t, int node, int num, int kind)
{
    tnode *x = &t->o[node];
    if (x->nkids == MAXK) {
        return;
    }
    int at = x->nkids == 0 ? 0 : (int)(rnd(&t->seed) % (unsigned)(x->nkids + 1));
    memmove(&x->kids[at + 1], &x->kids[at], sizeof(int) * (size_t)(x->nkids - at));
    memmove(&x->kind[at + 1], &x->kind[at], sizeof(int) * (size_t)(x->nkids - at));
    x->kids[at] = num;
    x->kind[at] = kind;
    x->nkids++;
}

enum {
    M_COUNT, M_DUP, M_LOOP, M_DIRECT, M_INT, M_MISSING, M_TYPE, M_KIDS_NULL, M_KIDS_NOT_ARRAY, M_EMPTY_KIDS,
    M_ROOT_PARENT, M_CATALOG_TO_NODE, M_TYPE_BY_REF, M_TWO_PAGES, M_KINDS
};
static const char *const mutation_name[M_KINDS] = {
    "wrong /Count", "page twice", "loop", "direct page", "integer kid", "missing kid", "wrong /Type",
    "/Kids null", "/Kids not an array", "page with /Kids []", "root with /Parent", "catalog /Pages a node",
    "/Type by reference", "widget on two pages"};

/* Applies mutation m; false when the tree has nothing it applies to. */
static bool mutate(tree *t, int m)
{
    if (t->nnodes == 0 || t->npages == 0) {
        return false;
    }
    int node = pick(t, t->nodes, t->nnodes), page = pick(t, t->pages, t->npages);
    switch (m) {
    case M_COUNT:
        if (rnd(&t->seed) % 3 == 0) {
            t->o[node].no_count = true;
        } else {
            t->o[node].count += (int)(rnd(&t->seed) % 7) - 3;
        }
        return true;
    case M_DUP:
        insert_kid(t, node, page, K_REF);
        return true;
    case M_LOOP: {
        /* an ancestor of `node` (or itself) as one of its kids */
        int anc = node;
        for (unsigned up = rnd(&t->seed) % 3; up > 0 && t->o[anc].parent != 0; up--) {
            anc = t->o[anc].parent;
        }
        insert_kid(t, node, anc, K_REF);
        return true;
    }
    case M_DIRECT:
        insert_kid(t, node, 0, K_DIRECT);
        return true;
    case M_INT:
        insert_kid(t, node, 0, K_INT);
        return true;
    case M_MISSING:
        insert_kid(t, node, 0, K_MISSING);
        return true;
    case M_TYPE: {
        static const char *const types[] = {NULL, "/Foo", "/Page", "/Pages"};
        int target = rnd(&t->seed) % 2 ? node : page;
        const char *ty = types[rnd(&t->seed) % 4];
        if (ty != NULL && strcmp(ty, t->o[target].node ? "/Pages" : "/Page") == 0) {
            ty = NULL;
        }
        t->o[target].type = ty;
        return true;
    }
    case M_KIDS_NULL:
        t->o[node].kids_as = "null";
        return true;
    case M_KIDS_NOT_ARRAY:
        t->o[node].kids_as = "5";
        return true;
    case M_EMPTY_KIDS:
        t->o[page].empty_kids = true;
        return true;
    case M_ROOT_PARENT:
        if (t->nnodes < 2) {
            return false;
        }
        t->o[2].parent = t->nodes[1 + rnd(&t->seed) % (unsigned)(t->nnodes - 1)];
        return true;
    case M_CATALOG_TO_NODE:
        if (t->nnodes < 2) {
            return false;
        }
        t->catalog_pages = t->nodes[1 + rnd(&t->seed) % (unsigned)(t->nnodes - 1)];
        return true;
    case M_TYPE_BY_REF:
        t->o[page].type_by_ref = true;
        return true;
    case M_TWO_PAGES: {
        int other = pick(t, t->pages, t->npages);
        tnode *x = &t->o[other];
        if (x->nannots < 4 && t->o[page].nannots > 0) {
            x->annots[x->nannots++] = t->o[page].annots[0];
            return true;
        }
        return false;
    }
    default:
        return false;
    }
}

static void put_kid(eseal_buf *b, const tree *t, int kind, int num, bool first)
{
    const char *sp = first ? "" : " ";
    switch (kind) {
    case K_REF:
        pdf_put(b, "%s%d 0 R", sp, num);
        break;
    case K_DIRECT:
        pdf_put(b, "%s<< /Type /Page /Parent %d 0 R >>", sp, 2);
        break;
    case K_INT:
        pdf_put(b, "%s7", sp);
        break;
    default:
        pdf_put(b, "%s%d 0 R", sp, t->n + 50); /* beyond /Size: qpdf reads null */
        break;
    }
}

/* The tree as a PDF (classic xref). */
static void write_tree(eseal_buf *b, const tree *t)
{
    long off[MAXO + 1];
    pdf_put(b, "%%PDF-1.7\n");
    for (int o = 1; o <= t->n; o++) {
        off[o] = (long)b->size;
        pdf_put(b, "%d 0 obj\n", o);
        const tnode *x = &t->o[o];
        if (o == 1) {
            pdf_put(b, "<< /Type /Catalog /Pages %d 0 R >>", t->catalog_pages);
        } else if (o == t->type_obj) {
            pdf_put(b, "/Page");
        } else if (x->type != NULL && strcmp(x->type, "/Annot") == 0) {
            pdf_put(b, "<< /Type /Annot /Subtype /Widget /Rect [0 0 10 10] >>");
        } else {
            pdf_put(b, "<<");
            if (x->type_by_ref) {
                pdf_put(b, " /Type %d 0 R", t->type_obj);
            } else if (x->type != NULL) {
                pdf_put(b, " /Type %s", x->type);
            }
            if (x->parent != 0) {
                pdf_put(b, " /Parent %d 0 R", x->parent);
            }
            if (x->node) {
                if (x->kids_as != NULL) {
                    pdf_put(b, " /Kids %s", x->kids_as);
                } else {
                    pdf_put(b, " /Kids [");
                    for (int k = 0; k < x->nkids; k++) {
                        put_kid(b, t, x->kind[k], x->kids[k], k == 0);
                    }
                    pdf_put(b, "]");
                }
                if (!x->no_count) {
                    pdf_put(b, " /Count %d", x->count);
                }
                if (o == 2) {
                    pdf_put(b, " /MediaBox [0 0 595 842]");
                }
            } else {
                if (x->empty_kids) {
                    pdf_put(b, " /Kids []");
                }
                if (x->nannots > 0) {
                    pdf_put(b, " /Annots [");
                    for (int k = 0; k < x->nannots; k++) {
                        pdf_put(b, "%s%d 0 R", k == 0 ? "" : " ", x->annots[k]);
                    }
                    pdf_put(b, "]");
                }
            }
            pdf_put(b, " >>");
        }
        pdf_put(b, "\nendobj\n");
    }
    long x = (long)b->size;
    pdf_put(b, "xref\n0 %d\n0000000000 65535 f \n", t->n + 1);
    for (int o = 1; o <= t->n; o++) {
        pdf_put(b, "%010ld 00000 n \n", off[o]);
    }
    pdf_put(b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", t->n + 1, x);
}

/* A random tree with widgets on some pages, then `m` (-1: none) applied. */
static bool make_tree(tree *t, unsigned seed, int m)
{
    memset(t, 0, sizeof(*t));
    t->seed = seed;
    t->n = 1; /* the catalog */
    t->catalog_pages = 2;
    int count = 0;
    (void)grow(t, 0, 0, &count);
    if (t->npages == 0) {
        return false;
    }
    /* widgets: on random pages (one of them on none) */
    t->nwidgets = 1 + (int)(rnd(&t->seed) % 4);
    for (int i = 0; i < t->nwidgets; i++) {
        int w = new_obj(t);
        t->o[w].type = "/Annot";
        t->widgets[i] = w;
        if (i > 0 || rnd(&t->seed) % 4 != 0) {
            tnode *pg = &t->o[pick(t, t->pages, t->npages)];
            if (pg->nannots < 4) {
                pg->annots[pg->nannots++] = w;
            }
        }
    }
    t->type_obj = new_obj(t);
    return m < 0 || mutate(t, m);
}

/*
 * Whenever the walk is sure, its page is the oracle's; on clean trees it is always sure. Every
 * kind of damage is met both where the walk must not be sure and where it may (after the page).
 */
static void pages_equal_qpdf(void **state)
{
    (void)state;
    static tree t;
    int trees = 0, cases = 0, sure_cases = 0, found = 0;
    int per_kind[M_KINDS + 1][2] = {{0}}; /* [kind][sure] cases; [M_KINDS] = clean */
    for (unsigned seed = 1; seed <= 1500; seed++) {
        int m = seed % 3 == 0 ? -1 : (int)(seed % M_KINDS);
        if (!make_tree(&t, seed, m)) {
            continue;
        }
        eseal_buf b = ESEAL_BUF_INIT;
        write_tree(&b, &t);
        es_span data = es_span_of(b.ptr, b.size);
        trees++;
        /* by number: every page, the catalog, a widget, an object that is not there */
        int targets[MAXO + 4], nt = 0;
        for (int i = 0; i < t.npages; i++) {
            targets[nt++] = t.pages[i];
        }
        targets[nt++] = 1;
        targets[nt++] = t.widgets[0];
        targets[nt++] = t.n + 40;
        for (int i = 0; i < nt + t.nwidgets; i++) {
            int pn = i < nt ? targets[i] : 0, wn = i < nt ? 0 : t.widgets[i - nt];
            bool sure = false;
            int got = walk_page(data, pn, wn, &sure);
            int want = oracle_page(data, pn, wn);
            assert_true(want >= 0 && got >= 0);
            cases++;
            per_kind[m < 0 ? M_KINDS : m][sure ? 1 : 0]++;
            if (m < 0 && !sure) {
                fail_msg("seed %u: a clean tree, yet the walk is not sure (pn %d, wn %d)", seed, pn, wn);
            }
            if (sure && got != want) {
                fail_msg("seed %u (%s): the walk says page %d, qpdf's enumeration %d (pn %d, wn %d)", seed,
                         m < 0 ? "clean" : mutation_name[m], got, want, pn, wn);
            }
            sure_cases += sure ? 1 : 0;
            found += sure && got > 0 ? 1 : 0;
        }
        free(b.ptr);
    }
    print_message("%d trees, %d pages sought: %d sure (%d on a page), all equal to qpdf's enumeration\n", trees,
                  cases, sure_cases, found);
    for (int k = 0; k <= M_KINDS; k++) {
        print_message("  %-22s sure %4d, asked qpdf %4d\n", k == M_KINDS ? "clean" : mutation_name[k],
                      per_kind[k][1], per_kind[k][0]);
    }
    assert_true(trees > 900 && found > 5000);
    /* Damage before the page sends the walk to qpdf; damage after it does not (the walk is then
     * sure): both happen for each kind that makes qpdf repair, warn or stop. */
    for (int k = M_DUP; k <= M_EMPTY_KIDS; k++) {
        assert_true(per_kind[k][0] > 0 && per_kind[k][1] > 0);
    }
    /* A root /Pages that is not the top of its /Parent chain: qpdf starts elsewhere, always asked. */
    assert_int_equal(per_kind[M_ROOT_PARENT][1], 0);
    assert_int_equal(per_kind[M_CATALOG_TO_NODE][1], 0);
    /* Never a reason to ask qpdf: a wrong /Count (the walk does not read it), a /Type given by
     * reference (qpdf resolves it as the walk does), a widget on two pages (the first counts). */
    assert_int_equal(per_kind[M_COUNT][0], 0);
    assert_int_equal(per_kind[M_TYPE_BY_REF][0], 0);
    assert_int_equal(per_kind[M_TWO_PAGES][0], 0);
}

/*
 * Issue 18 (branch h-trust): why the walk does not skip subtrees by their /Count. The shortcut a
 * reader could take: from the page up its /Parent chain, add for every kid before the path the
 * kid's /Count (a node) or 1 (a page). It still reads every kid before the path at each level
 * (to tell a node from a page: a flat tree, like bench/pdf.sh's 66,500-page file, saves nothing),
 * and it trusts /Count, which qpdf's enumeration never reads. Here, on the generator's trees: on
 * clean trees it always gives qpdf's page; with one /Count wrong (M_COUNT, the /Count changed and
 * kept) it gives another page for the pages after the damaged node, and nothing the shortcut reads
 * can tell (the damaged /Count is all it sees of that subtree), while the walk stays right.
 */
static int count_shortcut(const tree *t, int pn, int *read)
{
    int idx = 0, cur = pn;
    *read = 0;
    for (int up = 0; t->o[cur].parent != 0 && up < 40; up++) {
        const tnode *par = &t->o[t->o[cur].parent];
        int k = 0;
        for (; k < par->nkids && par->kids[k] != cur; k++) {
            const tnode *kid = &t->o[par->kids[k]];
            idx += kid->node ? kid->count : 1;
            (*read)++;
        }
        if (k == par->nkids) {
            return -1;
        }
        cur = t->o[cur].parent;
    }
    return cur == 2 ? idx + 1 : -1;
}

static void count_shortcut_would_differ(void **state)
{
    (void)state;
    static tree t;
    int cases[2] = {0, 0}, differ[2] = {0, 0}; /* [0] clean, [1] one /Count wrong */
    long read_shortcut = 0, read_walk = 0;
    /* 400 trees: every tree is parsed twice per page (the ASan build runs this too) */
    for (unsigned seed = 1; seed <= 400; seed++) {
        int m = seed % 2 == 0 ? -1 : M_COUNT;
        if (!make_tree(&t, seed, m)) {
            continue;
        }
        bool removed = false;
        for (int i = 0; i < t.nnodes; i++) {
            removed = removed || t.o[t.nodes[i]].no_count;
        }
        if (removed) {
            continue; /* no /Count to trust: the shortcut would have to walk */
        }
        eseal_buf b = ESEAL_BUF_INIT;
        write_tree(&b, &t);
        es_span data = es_span_of(b.ptr, b.size);
        int c = m < 0 ? 0 : 1;
        for (int i = 0; i < t.npages; i++) {
            int want = oracle_page(data, t.pages[i], 0);
            bool sure = false;
            int got = walk_page(data, t.pages[i], 0, &sure);
            assert_true(sure && got == want); /* the walk: always sure and right here */
            int nread = 0;
            int cut = count_shortcut(&t, t.pages[i], &nread);
            cases[c]++;
            differ[c] += cut != want ? 1 : 0;
            read_shortcut += nread;
            read_walk += want - 1;
        }
        free(b.ptr);
    }
    print_message("/Count shortcut: clean trees %d pages, %d differ from qpdf; one /Count wrong %d pages, %d "
                  "differ (the walk: all right); kids before the path read %ld, pages before walked %ld\n",
                  cases[0], differ[0], cases[1], differ[1], read_shortcut, read_walk);
    assert_true(cases[0] > 1000 && cases[1] > 1000);
    assert_int_equal(differ[0], 0);
    assert_true(differ[1] > 0);
}

/* ---- a whole verification: objects looked into, qpdf walks ---- */

typedef struct {
    unsigned long resolves, walks, threads;
    int64_t page;
    eseal_verdict verdict;
} verify_cost;

/* The report's document.<key> is the hex digest `h` of the file (taken beside the rest, h-widget). */
static void document_digest_is(const eseal_report *r, const char *key, eseal_hash h, const eseal_buf *pdf)
{
    uint8_t md[64];
    size_t n = 0;
    char hex[129], path[32];
    assert_true(es_ok(es_digest(md, &n, h, es_span_of(pdf->ptr, pdf->size))));
    es_hex_lower(hex, md, n);
    (void)snprintf(path, sizeof(path), "document.%s", key);
    const char *got = eseal_report_string(r, path);
    assert_non_null(got);
    assert_string_equal(got, hex);
}

/* Verifies `pdf` (a fixed time); what it cost and what the report says of the first signature's page. */
static verify_cost verify_counted(fixture *f, const eseal_buf *pdf, size_t sig)
{
    verify_cost c = {0};
    unsigned long r0 = es_pdf_resolve_count(), w0 = es_pdf_page_walks(), t0 = es_bg_digest_threads();
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    c.resolves = es_pdf_resolve_count() - r0;
    c.walks = es_pdf_page_walks() - w0;
    c.threads = es_bg_digest_threads() - t0;
    /* the document's digests, whoever took them: a worker from ES_BG_DIGEST_MIN bytes */
    document_digest_is(r, "sha256", ESEAL_HASH_SHA256, pdf);
    document_digest_is(r, "sm3", ESEAL_HASH_SM3, pdf);
    assert_int_equal(c.threads, pdf->size >= ES_BG_DIGEST_MIN ? 1 : 0);
    c.verdict = eseal_report_verdict(r);
    assert_true(eseal_report_child_count(r) > sig);
    if (eseal_report_integer(eseal_report_child(r, sig), "signature.appearance.page", &c.page) != ESEAL_OK) {
        c.page = 0;
    }
    eseal_report_free(r);
    return c;
}

static void stamp(fixture *f, eseal_buf *out, const eseal_buf *in, int page)
{
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = page;
    int rc = eseal_pdf_stamp(out, in->ptr, in->size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o);
    if (rc != ESEAL_OK) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
}

static void verify_reads_path_only(void **state)
{
    fixture *f = *state;
    static const int sizes[2] = {1000, 10000}, fanouts[2] = {0, 10};
    verify_cost first[2][2], last[2][2];
    for (int fo = 0; fo < 2; fo++) {
        for (int k = 0; k < 2; k++) {
            eseal_buf in = ESEAL_BUF_INIT, s1 = ESEAL_BUF_INIT, sl = ESEAL_BUF_INIT;
            (void)pdf_blank_doc(&in, sizes[k], fanouts[fo]);
            stamp(f, &s1, &in, 1);
            stamp(f, &sl, &in, 0); /* the default: the last page */
            if (k == 1) {
                assert_true(s1.size >= ES_BG_DIGEST_MIN); /* so its SM3 is a worker's */
            }
            first[fo][k] = verify_counted(f, &s1, 0);
            last[fo][k] = verify_counted(f, &sl, 0);
            assert_int_equal(first[fo][k].verdict, ESEAL_VALID);
            assert_int_equal(last[fo][k].verdict, ESEAL_VALID);
            /* the report's page is qpdf's: the widget's /P in qpdf's enumeration */
            assert_int_equal(first[fo][k].page, 1);
            assert_int_equal(last[fo][k].page, sizes[k]);
            assert_int_equal(oracle_page(es_span_of(s1.ptr, s1.size), 3, 0), 1);
            assert_int_equal(oracle_page(es_span_of(sl.ptr, sl.size), 2 + sizes[k], 0), sizes[k]);
            /* never qpdf's whole-tree walk for one whole-document signature */
            assert_int_equal(first[fo][k].walks, 0);
            assert_int_equal(last[fo][k].walks, 0);
            if (fo == 0 && k == 1) {
                /* A second stamp: the first signature's revision is compared, so qpdf's walk comes
                 * first (pdf_diff.c judges what it repaired); both pages still right. */
                eseal_buf s2 = ESEAL_BUF_INIT;
                stamp(f, &s2, &s1, 2);
                verify_cost c1 = verify_counted(f, &s2, 0), c2 = verify_counted(f, &s2, 1);
                assert_int_equal(c1.verdict, ESEAL_VALID);
                assert_int_equal(c1.page, 1);
                assert_int_equal(c2.page, 2);
                assert_true(c1.walks >= 1);
                print_message("two stamps on 10,000 pages: %lu qpdf walks, %lu objects looked into\n", c1.walks,
                              c1.resolves);
                eseal_buf_dispose(&s2);
            }
            eseal_buf_dispose(&in);
            eseal_buf_dispose(&s1);
            eseal_buf_dispose(&sl);
        }
        print_message("%s: page 1 looks into %lu / %lu objects, the last page %lu / %lu (1,000 / 10,000 pages)\n",
                      fanouts[fo] == 0 ? "flat" : "10 kids per node", first[fo][0].resolves, first[fo][1].resolves,
                      last[fo][0].resolves, last[fo][1].resolves);
    }
    /* Page 1: the same objects whatever the page count (flat), at most one level more (tree). */
    assert_int_equal(first[0][0].resolves, first[0][1].resolves);
    assert_true(first[1][1].resolves <= first[1][0].resolves + 1);
    assert_true(first[0][1].resolves <= 24 && first[1][1].resolves <= 24);
    /* The last page: every page before it is looked into (the counter sees the walk). */
    assert_true(last[0][1].resolves >= 10000 && last[1][1].resolves >= 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_equal_qpdf),
        cmocka_unit_test(count_shortcut_would_differ),
        cmocka_unit_test(verify_reads_path_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
