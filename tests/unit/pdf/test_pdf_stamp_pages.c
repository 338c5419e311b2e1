/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stamp touches only what it needs (issue #18): the trailer, the catalog, the AcroForm, the page
 * tree path to the stamped page(s) and those pages. Counted, never timed: es_pdf_resolve_count()
 * (the indirect objects the reader looked into), the pages of the file the reader touched (the
 * kernel's referenced bits of an in-memory copy, /proc/self/smaps) and the peak memory of a stamp
 * in a child process (/proc/self/status VmHWM, reset first through /proc/self/clear_refs), on
 * generated documents of 1,000 and 10,000 pages, flat (one /Pages node, as tests/resources/mkpdf.py
 * makes them) and as a tree of 10 kids per node. Before issue #18 the reader wrote out every page's
 * dictionary: it looked into every page and the counts grew with the page count. qpdf's own
 * enumeration of the pages (qpdf_get_page_n) is the oracle that the walk down the tree found the
 * page asked for: in the stamped documents, in 239 random trees and in a wide node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qpdf/qpdf-c.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

#define SMALL 1000
#define LARGE 10000
#define FANOUT 10
#define MB (1024L * 1024L)

static char dir[64];

/* The blank document of pdf_blank_doc written to `path`; *xref_bytes gets its cross-reference table's size. */
static void gen_pdf(const char *path, int npages, int fanout, size_t *xref_bytes)
{
    eseal_buf b = ESEAL_BUF_INIT;
    size_t x = pdf_blank_doc(&b, npages, fanout);
    *xref_bytes = b.size - x;
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b.ptr, 1, b.size, fp), b.size);
    assert_int_equal(fclose(fp), 0);
    free(b.ptr);
}

static void path_of(char *out, size_t n, const char *what, int npages, int fanout)
{
    (void)snprintf(out, n, "%s/%s-%d-%d.pdf", dir, what, npages, fanout);
}

/* The document of `npages` pages and `fanout` (made once per run). */
static const char *doc(int npages, int fanout, size_t *xref_bytes)
{
    static char paths[4][128];
    static size_t xrefs[4];
    int i = (npages == LARGE ? 2 : 0) + (fanout != 0 ? 1 : 0);
    if (paths[i][0] == 0) {
        path_of(paths[i], sizeof(paths[i]), "in", npages, fanout);
        gen_pdf(paths[i], npages, fanout, &xrefs[i]);
    }
    if (xref_bytes != NULL) {
        *xref_bytes = xrefs[i];
    }
    return paths[i];
}

/* The objects the reader looks into to open `path` and read pages first..last. */
static unsigned long reader_cost(const char *path, size_t first, size_t last)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    unsigned long before = es_pdf_resolve_count();
    es_pdf_doc d;
    assert_true(es_ok(es_pdf_open_fd(&d, fd, (uint64_t)st.st_size, NULL)));
    assert_true(es_ok(es_pdf_load_pages(&d, first, last)));
    unsigned long n = es_pdf_resolve_count() - before;
    es_pdf_close(&d);
    (void)close(fd);
    return n;
}

/* Stamps `in` into `out` with `o`; returns the objects the reader looked into. */
static unsigned long stamp_cost(fixture *f, const char *in, const char *out, const eseal_pdf_stamp_options *o)
{
    unsigned long before = es_pdf_resolve_count();
    int rc = eseal_pdf_stamp_file(in, out, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, o);
    if (rc != ESEAL_OK) {
        fail_msg("stamping %s: %s", in, eseal_error_last()->message);
    }
    return es_pdf_resolve_count() - before;
}

/* The number of /Annots of each page of `path`, as qpdf enumerates the pages (the oracle), into annots[npages]. */
static void annots_per_page(const char *path, int *annots, int npages)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    assert_false(qpdf_read(q, path, NULL) & QPDF_ERRORS);
    assert_int_equal(qpdf_get_num_pages(q), npages);
    for (int i = 0; i < npages; i++) {
        qpdf_oh a = qpdf_oh_get_key(q, qpdf_get_page_n(q, (size_t)i), "/Annots");
        annots[i] = qpdf_oh_is_array(q, a) ? qpdf_oh_get_array_n_items(q, a) : 0;
        qpdf_oh_release_all(q);
    }
    qpdf_cleanup(&q);
}

/* The stamped file verifies, and exactly pages first..last (1-based) carry one annotation (the widget). */
static void check_stamped(fixture *f, const char *path, int npages, int first, int last)
{
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, path, 1 << 28), ESEAL_OK);
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, b.ptr, b.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
    eseal_report_free(r);
    eseal_buf_dispose(&b);
    int *annots = calloc((size_t)npages, sizeof(int));
    assert_non_null(annots);
    annots_per_page(path, annots, npages);
    for (int i = 1; i <= npages; i++) {
        int want = i >= first && i <= last ? 1 : 0;
        if (annots[i - 1] != want) {
            fail_msg("%s: page %d has %d annotations, expected %d (stamped pages %d..%d)", path, i, annots[i - 1],
                     want, first, last);
        }
    }
    free(annots);
}

/* Page 1 and the last page of flat documents: the same objects for 1,000 and 10,000 pages. */
static void flat_tree_cost_independent_of_pages(void **state)
{
    fixture *f = *state;
    char out[128];
    static const int sizes[2] = {SMALL, LARGE};
    unsigned long rd1[2], rdlast[2], st1[2], stlast[2];
    for (int k = 0; k < 2; k++) {
        const char *in = doc(sizes[k], 0, NULL);
        rd1[k] = reader_cost(in, 1, 1);
        rdlast[k] = reader_cost(in, (size_t)sizes[k], (size_t)sizes[k]);
        eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
        o.page = 1;
        path_of(out, sizeof(out), "flat-p1", sizes[k], 0);
        st1[k] = stamp_cost(f, in, out, &o);
        check_stamped(f, out, sizes[k], 1, 1);
        o.page = 0; /* the default: the last page */
        path_of(out, sizeof(out), "flat-last", sizes[k], 0);
        stlast[k] = stamp_cost(f, in, out, &o);
        check_stamped(f, out, sizes[k], sizes[k], sizes[k]);
    }
    print_message("flat: reader page 1 %lu / %lu, last page %lu / %lu; stamp page 1 %lu / %lu, last %lu / %lu "
                  "objects (%d / %d pages)\n",
                  rd1[0], rd1[1], rdlast[0], rdlast[1], st1[0], st1[1], stlast[0], stlast[1], SMALL, LARGE);
    /* Catalog, /Pages, the page; the stamp adds the same again for the certification walk of the
     * (absent) AcroForm and nothing per page. */
    assert_int_equal(rd1[0], rd1[1]);
    assert_int_equal(rdlast[0], rdlast[1]);
    assert_int_equal(st1[0], st1[1]);
    assert_int_equal(stlast[0], stlast[1]);
    assert_true(rd1[1] <= 8 && rdlast[1] <= 8 && st1[1] <= 16 && stlast[1] <= 16);
}

/* A tree of 10 kids per node: one level more for 10,000 pages, so at most one node's kids more. */
static void deep_tree_cost_follows_depth(void **state)
{
    fixture *f = *state;
    char out[128];
    static const int sizes[2] = {SMALL, LARGE};
    unsigned long cost[2][3];
    for (int k = 0; k < 2; k++) {
        const char *in = doc(sizes[k], FANOUT, NULL);
        /* Page 1, the last page and a page in the middle (the walk skips whole subtrees by /Count). */
        const int pages[3] = {1, sizes[k], sizes[k] / 2 + 7};
        for (int i = 0; i < 3; i++) {
            eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
            o.page = pages[i];
            (void)snprintf(out, sizeof(out), "%s/tree-%d-p%d.pdf", dir, sizes[k], pages[i]);
            cost[k][i] = stamp_cost(f, in, out, &o);
            check_stamped(f, out, sizes[k], pages[i], pages[i]);
        }
    }
    print_message("tree of %d: stamp page 1 %lu / %lu, last %lu / %lu, middle %lu / %lu objects (%d / %d pages)\n",
                  FANOUT, cost[0][0], cost[1][0], cost[0][1], cost[1][1], cost[0][2], cost[1][2], SMALL, LARGE);
    for (int i = 0; i < 3; i++) {
        assert_true(cost[1][i] >= cost[0][i] && cost[1][i] - cost[0][i] <= FANOUT + 1);
        assert_true(cost[1][i] <= 8 * (FANOUT + 1));
    }
}

/* A cross-page seal over pages 95..112 of the trees (across three nodes): those pages, in order. */
static void cross_page_range_in_order(void **state)
{
    fixture *f = *state;
    char out[128];
    static const int sizes[2] = {SMALL, LARGE};
    unsigned long n[2];
    for (int k = 0; k < 2; k++) {
        eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
        o.cross_page = 1;
        o.cross_first = 95;
        o.cross_last = 112;
        path_of(out, sizeof(out), "cross", sizes[k], FANOUT);
        n[k] = stamp_cost(f, doc(sizes[k], FANOUT, NULL), out, &o);
        check_stamped(f, out, sizes[k], 95, 112);
    }
    print_message("cross-page seal over 18 pages: %lu / %lu objects (%d / %d pages)\n", n[0], n[1], SMALL, LARGE);
    /* One level more: its node's kids on the way down, and one more /Parent per page (inheritance). */
    assert_true(n[1] >= n[0] && n[1] - n[0] <= (FANOUT + 1) + 18);
}

/* The "Referenced:" kB of the mapping that starts at `addr` (/proc/self/smaps), -1 if not found. */
static long referenced_kb(const void *addr)
{
    FILE *fp = fopen("/proc/self/smaps", "r");
    assert_non_null(fp);
    char want[40], line[512];
    (void)snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)addr);
    bool in = false;
    long v = -1;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, want, strlen(want)) == 0) {
            in = true;
        } else if (in && strncmp(line, "Referenced:", 11) == 0) {
            v = strtol(line + 11, NULL, 10);
            break;
        }
    }
    (void)fclose(fp);
    return v;
}

/*
 * The bytes of the file the reader touched, independently of our counter: the file is copied into
 * anonymous memory, the pages' referenced bits are cleared (/proc/self/clear_refs 1), the copy is
 * opened (es_pdf_open: the same reader, qpdf reading from memory) and page 1 read, and the kernel
 * says how many 4 KiB pages of the copy were touched. *file_kb: the file's size.
 */
static long touched_kb(const char *path, long *file_kb)
{
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, path, 1 << 28), ESEAL_OK);
    /* Between two inaccessible pages: a mapping of its own (not merged with a neighbour), found by its start. */
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = b.size, span = (len + pg - 1) / pg * pg + 2 * pg;
    uint8_t *all = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(all != MAP_FAILED);
    uint8_t *m = all + pg;
    assert_int_equal(mprotect(m, span - 2 * pg, PROT_READ | PROT_WRITE), 0);
    memcpy(m, b.ptr, b.size);
    eseal_buf_dispose(&b);
    int cr = open("/proc/self/clear_refs", O_WRONLY);
    assert_true(cr >= 0);
    assert_int_equal(write(cr, "1", 1), 1);
    (void)close(cr);
    es_pdf_doc d;
    assert_true(es_ok(es_pdf_open(&d, es_span_of(m, len), NULL)));
    assert_true(es_ok(es_pdf_load_pages(&d, 1, 1)));
    long kb = referenced_kb(m);
    es_pdf_close(&d);
    assert_int_equal(munmap(all, span), 0);
    *file_kb = (long)(len / 1024);
    assert_true(kb >= 0);
    return kb;
}

/*
 * What the reader touches of the file to read page 1 is its cross-reference table, the root of the
 * page tree (whose /Kids lists every page of a flat tree: the path to page 1) and a few pages of
 * 4 KiB: from 1,000 to 10,000 pages it grows by those two only, where the page objects it used to
 * read (the rest of the file) would add ~450 KB.
 */
static void bytes_touched_follow_the_xref(void **state)
{
    (void)state;
    size_t xs = 0, xl = 0;
    const char *small = doc(SMALL, 0, &xs), *large = doc(LARGE, 0, &xl);
    long fs = 0, fl = 0;
    long ts = touched_kb(small, &fs), tl = touched_kb(large, &fl);
    /* The root's /Kids: "N 0 R " per page, N of 4 or 5 digits. */
    long kids_growth = (long)(LARGE - SMALL) * 8 / 1024;
    print_message("touched to read page 1: %ld of %ld kB (%d pages, xref %zu kB), %ld of %ld kB (%d pages, xref %zu kB)\n",
                  ts, fs, SMALL, xs / 1024, tl, fl, LARGE, xl / 1024);
    assert_true(tl - ts <= (long)((xl - xs) / 1024) + kids_growth + 64);
    assert_true(tl < fl / 2);
}

/* /proc/self/status's `key` (kB). */
static long status_kb(const char *key)
{
    FILE *fp = fopen("/proc/self/status", "r");
    assert_non_null(fp);
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
        }
    }
    (void)fclose(fp);
    return v;
}

/*
 * Peak memory of a stamp of page 1, in a child: its free heap returned (malloc_trim) and the peak
 * reset (clear_refs 5) after the fork, so it is the stamp's, over what the child held before.
 * *base_kb: RSS before the stamp.
 */
static long stamp_peak_kb(fixture *f, const char *in, const char *out, long *base_kb)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        (void)close(fds[0]);
        long res[2] = {-1, -1};
        /* The parent's freed heap would be reused without showing: give it back to the system first. */
        (void)malloc_trim(0);
        int cr = open("/proc/self/clear_refs", O_WRONLY);
        if (cr >= 0 && write(cr, "5", 1) == 1) {
            res[0] = status_kb("VmRSS");
            eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
            o.page = 1;
            if (eseal_pdf_stamp_file(in, out, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o) == ESEAL_OK) {
                res[1] = status_kb("VmHWM");
            }
        }
        if (write(fds[1], res, sizeof(res)) != (ssize_t)sizeof(res)) {
            _exit(2);
        }
        _exit(0);
    }
    (void)close(fds[1]);
    long res[2] = {-1, -1};
    assert_int_equal(read(fds[0], res, sizeof(res)), (ssize_t)sizeof(res));
    (void)close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (res[0] < 0 || res[1] < 0) {
        fail_msg("the child could not reset its peak memory (clear_refs) or the stamp failed");
    }
    *base_kb = res[0];
    return res[1];
}

/* The stamp's peak memory: under 64 MB, and 10,000 pages cost at most the larger xref more than 1,000. */
static void memory_bounded(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer keeps freed memory in quarantine and adds its shadow: no bound holds there. */
    (void)state;
    skip();
#endif
    fixture *f = *state;
    char out[128];
    long base[2], peak[2];
    static const int sizes[2] = {SMALL, LARGE};
    for (int k = 0; k < 2; k++) {
        path_of(out, sizeof(out), "rss", sizes[k], 0);
        peak[k] = stamp_peak_kb(f, doc(sizes[k], 0, NULL), out, &base[k]);
    }
    print_message("peak RSS of a stamp of page 1: %ld kB over %ld kB (%d pages), %ld kB over %ld kB (%d pages)\n",
                  peak[0] - base[0], base[0], SMALL, peak[1] - base[1], base[1], LARGE);
    assert_true(peak[1] < 64 * 1024);
    /* qpdf keeps ~250 bytes per cross-reference entry: 18,000 more entries, ~4.5 MB; the pages
     * themselves (3.5 KB each before issue #18) would add 30 MB. */
    assert_true((peak[1] - base[1]) - (peak[0] - base[0]) < 8 * 1024);
}

/* A hand-made one-node tree; `pages` the /Pages object, `leaves` the objects after it. */
static int stamp_doc(fixture *f, const char *pages, const char *const *leaves, int nleaves, int page)
{
    char buf[4096];
    size_t len = 0, off[16];
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%%PDF-1.7\n");
    const char *objs[16] = {"<< /Type /Catalog /Pages 2 0 R >>", pages};
    for (int i = 0; i < nleaves; i++) {
        objs[2 + i] = leaves[i];
    }
    int n = 2 + nleaves;
    for (int i = 0; i < n; i++) {
        off[i] = len;
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t x = len;
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%010zu 00000 n \n", off[i]);
    }
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
                            n + 1, x);
    assert_true(len < sizeof(buf));
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = page;
    eseal_buf out = ESEAL_BUF_INIT;
    int rc = eseal_pdf_stamp(&out, buf, len, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o);
    eseal_buf_dispose(&out);
    return rc;
}

#define PAGE "<< /Type /Page /Parent 2 0 R >>"

/* What the walk sees of a page tree must agree with it: each refusal with its code. */
static void bad_trees_refused(void **state)
{
    fixture *f = *state;
    static const char *const three[] = {PAGE, PAGE, PAGE};
    const char *node = "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 /MediaBox [0 0 595 842] >>";
    /* The well-formed twin: every page, the last by default. */
    for (int p = 0; p <= 3; p++) {
        assert_int_equal(stamp_doc(f, node, three, 3, p), ESEAL_OK);
    }
    assert_int_equal(stamp_doc(f, node, three, 3, 4), ESEAL_EINVAL); /* page 4 of 3 */
    /* /Count promises a 4th page that the kids do not hold. */
    const char *more = "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 4 /MediaBox [0 0 595 842] >>";
    const char *less = "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 2 /MediaBox [0 0 595 842] >>";
    for (int p = 0; p <= 2; p++) {
        assert_int_equal(stamp_doc(f, more, three, 3, p), ESEAL_EMALFORMED);
        assert_non_null(strstr(eseal_error_last()->message, "counts disagree"));
        assert_int_equal(stamp_doc(f, less, three, 3, p), ESEAL_EMALFORMED);
        assert_non_null(strstr(eseal_error_last()->message, "counts disagree"));
    }
    /* A leaf that is not a page (among the kids of a node, all looked at). */
    static const char *const odd[] = {PAGE, "<< /Type /Font /Parent 2 0 R >>", PAGE};
    assert_int_equal(stamp_doc(f, node, odd, 3, 1), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "is not a /Type /Page"));
    /* A kid that is not a dictionary. */
    static const char *const num[] = {PAGE, "42", PAGE};
    assert_int_equal(stamp_doc(f, node, num, 3, 2), ESEAL_EMALFORMED);
    /* A loop: the root among its own kids. */
    const char *loop = "<< /Type /Pages /Kids [2 0 R] /Count 3 /MediaBox [0 0 595 842] >>";
    assert_int_equal(stamp_doc(f, loop, three, 3, 1), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "levels deep"));
    /* No /Count at the root: the document cannot say how many pages it has. */
    const char *nocount = "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /MediaBox [0 0 595 842] >>";
    assert_int_equal(stamp_doc(f, nocount, three, 3, 1), ESEAL_EMALFORMED);
    /* An inner node without a usable /Count is refused when the walk passes it. */
    static const char *const inner[] = {"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R] >>", "<< /Type /Page /Parent 3 0 R >>"};
    const char *outer = "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>";
    assert_int_equal(stamp_doc(f, outer, inner, 2, 1), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "no usable /Count"));
}

/* ---- the walk against qpdf's enumeration, on random well-formed trees ---- */

typedef struct {
    char *buf;
    size_t len, cap;
    int next;             /* next object number */
    char objs[128][256];  /* object bodies, by number - 1 */
} tree_doc;

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

/* A subtree under `parent`: a page, or a node of 0..4 kids (some empty); returns its object number. */
static int rand_subtree(tree_doc *t, unsigned *seed, int parent, int depth, int *count)
{
    int me = t->next++;
    assert_true(me <= 128);
    if (depth > 0 && (rnd(seed) % 100 < 55 || depth > 4 || t->next > 110)) {
        (void)snprintf(t->objs[me - 1], sizeof(t->objs[0]), "<< /Type /Page /Parent %d 0 R >>", parent);
        *count = 1;
        return me;
    }
    char kids[120] = "";
    int n = (int)(rnd(seed) % 5), total = 0;
    for (int i = 0; i < n; i++) {
        int c = 0, k = rand_subtree(t, seed, me, depth + 1, &c);
        size_t l = strlen(kids);
        (void)snprintf(kids + l, sizeof(kids) - l, "%s%d 0 R", i == 0 ? "" : " ", k);
        total += c;
    }
    int w = parent == 0 ? snprintf(t->objs[me - 1], sizeof(t->objs[0]),
                                   "<< /Type /Pages /Kids [%.120s] /Count %d /MediaBox [0 0 595 842] >>", kids, total)
                        : snprintf(t->objs[me - 1], sizeof(t->objs[0]),
                                   "<< /Type /Pages /Parent %d 0 R /Kids [%.120s] /Count %d >>", parent, kids, total);
    assert_true(w > 0 && (size_t)w < sizeof(t->objs[0]));
    *count = total;
    return me;
}

static void tree_put(tree_doc *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < t->cap - t->len);
    t->len += (size_t)n;
}

/*
 * Every page of 300 random trees (nodes of 0 to 4 kids, empty nodes, pages at any depth), read one
 * at a time and all in one range, is the object qpdf enumerates at that place; so is the last page.
 */
static void walk_matches_qpdf(void **state)
{
    (void)state;
    unsigned seed = 18;
    static tree_doc t;
    static char buf[1 << 16];
    int trees = 0;
    for (int k = 0; k < 300; k++) {
        memset(&t, 0, sizeof(t));
        t.buf = buf;
        t.cap = sizeof(buf);
        t.next = 2;
        (void)snprintf(t.objs[0], sizeof(t.objs[0]), "<< /Type /Catalog /Pages 2 0 R >>");
        int npages = 0;
        (void)rand_subtree(&t, &seed, 0, 0, &npages);
        if (npages == 0) {
            continue;
        }
        trees++;
        int nobj = t.next - 1;
        size_t off[128];
        tree_put(&t, "%%PDF-1.7\n");
        for (int o = 1; o <= nobj; o++) {
            off[o - 1] = t.len;
            tree_put(&t, "%d 0 obj\n%s\nendobj\n", o, t.objs[o - 1]);
        }
        size_t x = t.len;
        tree_put(&t, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
        for (int o = 1; o <= nobj; o++) {
            tree_put(&t, "%010zu 00000 n \n", off[o - 1]);
        }
        tree_put(&t, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", nobj + 1, x);
        es_span data = es_span_of(t.buf, t.len);
        int want[128];
        qpdf_data q = qpdf_init();
        qpdf_silence_errors(q);
        assert_false(qpdf_read_memory(q, "tree.pdf", t.buf, (unsigned long long)t.len, NULL) & QPDF_ERRORS);
        assert_int_equal(qpdf_get_num_pages(q), npages);
        for (int i = 0; i < npages; i++) {
            want[i] = qpdf_oh_get_object_id(q, qpdf_get_page_n(q, (size_t)i));
        }
        qpdf_cleanup(&q);
        for (int p = 0; p <= npages; p++) {
            es_pdf_doc d;
            assert_true(es_ok(es_pdf_open(&d, data, NULL)));
            assert_int_equal(d.npages, npages);
            /* p = 0: the range 1..npages in one walk, then the last page alone */
            if (p == 0) {
                assert_true(es_ok(es_pdf_load_pages(&d, 1, (size_t)npages)));
                for (int i = 1; i <= npages; i++) {
                    assert_int_equal(es_pdf_page_at(&d, (size_t)i)->ref.num, want[i - 1]);
                }
                es_pdf_close(&d);
                assert_true(es_ok(es_pdf_open(&d, data, NULL)));
                assert_true(es_ok(es_pdf_load_pages(&d, 0, 0)));
                assert_int_equal(es_pdf_page_at(&d, (size_t)npages)->ref.num, want[npages - 1]);
            } else {
                assert_true(es_ok(es_pdf_load_pages(&d, (size_t)p, (size_t)p)));
                if (es_pdf_page_at(&d, (size_t)p)->ref.num != want[p - 1]) {
                    fail_msg("tree %d, page %d of %d: object %d, qpdf says %d", k, p, npages,
                             es_pdf_page_at(&d, (size_t)p)->ref.num, want[p - 1]);
                }
            }
            es_pdf_close(&d);
        }
    }
    print_message("%d random trees: every page where qpdf enumerates it\n", trees);
    assert_true(trees > 100);
}

/* The pages of `data` in qpdf's order (object numbers) into want[]; returns how many. */
static int qpdf_pages(es_span data, int *want, int max)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    assert_false(qpdf_read_memory(q, "t.pdf", (const char *)data.ptr, (unsigned long long)data.len, NULL) & QPDF_ERRORS);
    int n = qpdf_get_num_pages(q);
    assert_true(n > 0 && n <= max);
    for (int i = 0; i < n; i++) {
        want[i] = qpdf_oh_get_object_id(q, qpdf_get_page_n(q, (size_t)i));
    }
    qpdf_cleanup(&q);
    return n;
}

/*
 * A wide root (100 kids, more than ES_PDF_TREE_CHECKED: entered from the nearer end, counts not all
 * checked) whose kids 30 and 80 are nodes of 3 pages and kid 60 an empty node: every page one at
 * a time (those past the middle found from the back) and a range across the nodes are where qpdf
 * enumerates them.
 */
static void wide_node_matches_qpdf(void **state)
{
    (void)state;
    static char buf[1 << 16];
    tree_doc *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->buf = buf;
    t->cap = sizeof(buf);
    /* 1 catalog, 2 root, 3..102 the root's kids, 103.. the pages of the inner nodes */
    size_t off[140];
    int nobj = 0, inner = 103;
    tree_put(t, "%%PDF-1.7\n");
    off[nobj++] = t->len;
    tree_put(t, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[nobj++] = t->len;
    tree_put(t, "2 0 obj\n<< /Type /Pages /Count 103 /MediaBox [0 0 595 842] /Kids [");
    for (int k = 0; k < 100; k++) {
        tree_put(t, "%s%d 0 R", k == 0 ? "" : " ", 3 + k);
    }
    tree_put(t, "] >>\nendobj\n");
    for (int k = 0; k < 100; k++) {
        off[nobj++] = t->len;
        if (k == 30 || k == 80) {
            tree_put(t, "%d 0 obj\n<< /Type /Pages /Parent 2 0 R /Count 3 /Kids [%d 0 R %d 0 R %d 0 R] >>\nendobj\n", 3 + k,
                     inner, inner + 1, inner + 2);
            inner += 3;
        } else if (k == 60) {
            tree_put(t, "%d 0 obj\n<< /Type /Pages /Parent 2 0 R /Count 0 /Kids [] >>\nendobj\n", 3 + k);
        } else {
            tree_put(t, "%d 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n", 3 + k);
        }
    }
    for (int i = 103; i < inner; i++) {
        off[nobj++] = t->len;
        tree_put(t, "%d 0 obj\n<< /Type /Page /Parent %d 0 R >>\nendobj\n", i, i < 106 ? 33 : 83);
    }
    size_t x = t->len;
    tree_put(t, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
    for (int o = 0; o < nobj; o++) {
        tree_put(t, "%010zu 00000 n \n", off[o]);
    }
    tree_put(t, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", nobj + 1, x);
    es_span data = es_span_of(t->buf, t->len);
    int want[128];
    int n = qpdf_pages(data, want, 128);
    assert_int_equal(n, 103);
    /* 97 pages and two nodes of 3: 103. */
    for (int p = 1; p <= n; p++) {
        es_pdf_doc d;
        assert_true(es_ok(es_pdf_open(&d, data, NULL)));
        assert_true(es_ok(es_pdf_load_pages(&d, (size_t)p, (size_t)p)));
        if (es_pdf_page_at(&d, (size_t)p)->ref.num != want[p - 1]) {
            fail_msg("page %d of %d: object %d, qpdf says %d", p, n, es_pdf_page_at(&d, (size_t)p)->ref.num, want[p - 1]);
        }
        es_pdf_close(&d);
    }
    es_pdf_doc d;
    assert_true(es_ok(es_pdf_open(&d, data, NULL)));
    assert_true(es_ok(es_pdf_load_pages(&d, 25, 90)));
    for (int p = 25; p <= 90; p++) {
        assert_int_equal(es_pdf_page_at(&d, (size_t)p)->ref.num, want[p - 1]);
    }
    es_pdf_close(&d);
    free(t);
}

static int suite_setup(void **state)
{
    (void)snprintf(dir, sizeof(dir), "/tmp/eseal-pages-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return setup(state);
}

static int suite_teardown(void **state)
{
    char cmd[128];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) {
        return 1;
    }
    return teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_tree_cost_independent_of_pages),
        cmocka_unit_test(deep_tree_cost_follows_depth),
        cmocka_unit_test(cross_page_range_in_order),
        cmocka_unit_test(bytes_touched_follow_the_xref),
        cmocka_unit_test(memory_bounded),
        cmocka_unit_test(bad_trees_refused),
        cmocka_unit_test(walk_matches_qpdf),
        cmocka_unit_test(wide_node_matches_qpdf),
    };
    return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
