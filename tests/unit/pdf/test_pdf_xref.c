/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf_xref.c, "one resolution" (issue #15, class 2): every way this file builds for readers to
 * resolve an object differently is a finding of the right kind, in the table and the xref-stream
 * form; stamped files (one, three stamps, DSS and a document timestamp, object streams) and the
 * third-party PDFs of var/pdf-corpus give none; and the verifier refuses a stamped file that a
 * later revision redefines under another generation (AMBIGUOUS_STRUCTURE), which it called VALID.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* ---- building files ---------------------------------------------------------------------- */

static void put(eseal_buf *b, const void *p, size_t n)
{
    b->ptr = realloc(b->ptr, b->size + n + 1);
    memcpy(b->ptr + b->size, p, n);
    b->size += n;
    b->ptr[b->size] = 0;
}

__attribute__((format(printf, 2, 3))) static void putf(eseal_buf *b, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    put(b, tmp, (size_t)n);
}

/* The value after the last occurrence of `key` (e.g. "startxref", "/Size ") in b, as a number. */
static long last_num(const eseal_buf *b, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = b->size - k; i-- > 0;) {
        if (memcmp(b->ptr + i, key, k) == 0) {
            size_t j = i + k;
            while (b->ptr[j] == ' ' || b->ptr[j] == '\n' || b->ptr[j] == '\r') {
                j++;
            }
            long v = 0;
            while (b->ptr[j] >= '0' && b->ptr[j] <= '9') {
                v = v * 10 + (b->ptr[j++] - '0');
            }
            return v;
        }
    }
    fail_msg("no %s", key);
    return 0;
}

/* Rows of a cross-reference stream with /W [1 4 2], PNG Up-predicted and deflated (§7.4.4.4). */
static void xref_stream_data(eseal_buf *out, const long (*rows)[3], size_t n)
{
    uint8_t raw[64 * 8], prev[7] = {0};
    size_t len = 0;
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        uint8_t cur[7] = {(uint8_t)rows[i][0], (uint8_t)(rows[i][1] >> 24), (uint8_t)(rows[i][1] >> 16),
                          (uint8_t)(rows[i][1] >> 8), (uint8_t)rows[i][1], (uint8_t)(rows[i][2] >> 8),
                          (uint8_t)rows[i][2]};
        raw[len++] = 2;
        for (size_t x = 0; x < 7; x++) {
            raw[len++] = (uint8_t)(cur[x] - prev[x]);
        }
        memcpy(prev, cur, sizeof(prev));
    }
    uLongf zl = compressBound(len);
    out->ptr = malloc(zl);
    assert_int_equal(compress2(out->ptr, &zl, raw, len, 9), Z_OK);
    out->size = zl;
}

typedef struct {
    int num, gen;
    const char *body; /* "<< ... >>" or a whole "<< >>\nstream\n...\nendstream" */
} wobj;

typedef struct {
    int num, gen;
    int obj;  /* the written object it points at, or -1: `off` */
    long off; /* with obj -1: an explicit offset; type 2 entries: the object stream number */
    int type; /* 0: in use, 1: free, 2: in object stream `off` */
} went;

/* Writes one cross-reference section of entries e (offsets resolved through offs) at the end of
 * b: a table (each entry its own subsection, in the given order) or a stream /W [1 4 2] (its own
 * entry added). extra: more trailer keys. */
static long put_section(eseal_buf *b, const went *e, size_t ne, const long *offs, bool xs, int size,
                        const char *extra, long prev)
{
    long x = (long)b->size;
    char prevs[32] = "";
    if (prev >= 0) {
        (void)snprintf(prevs, sizeof(prevs), " /Prev %ld", prev);
    }
    if (!xs) {
        putf(b, "xref\n");
        for (size_t i = 0; i < ne; i++) {
            long off = e[i].obj >= 0 ? offs[e[i].obj] : e[i].off;
            putf(b, "%d 1\n%010ld %05d %c\r\n", e[i].num, off, e[i].gen, e[i].type == 0 ? 'n' : 'f');
        }
        putf(b, "trailer\n<< /Size %d /Root 1 0 R%s%s >>\nstartxref\n%ld\n%%%%EOF\n", size, prevs, extra, x);
        return x;
    }
    long rows[64][3];
    char index[512] = "";
    size_t il = 0;
    for (size_t i = 0; i <= ne; i++) {
        int num = i < ne ? e[i].num : size;
        rows[i][0] = i < ne ? (e[i].type == 0 ? 1 : e[i].type == 1 ? 0 : 2) : 1;
        rows[i][1] = i < ne ? (e[i].obj >= 0 ? offs[e[i].obj] : e[i].off) : x;
        rows[i][2] = i < ne ? e[i].gen : 0;
        il += (size_t)snprintf(index + il, sizeof(index) - il, "%s%d 1", i ? " " : "", num);
    }
    eseal_buf z = ESEAL_BUF_INIT;
    xref_stream_data(&z, (const long(*)[3])rows, ne + 1);
    putf(b, "%d 0 obj\n<< /Type /XRef /Size %d /Root 1 0 R /W [1 4 2] /Index [%s] /Filter /FlateDecode "
            "/DecodeParms << /Predictor 12 /Columns 7 >>%s%s /Length %zu >>\nstream\n",
         size, size + 1, index, prevs, extra, z.size);
    put(b, z.ptr, z.size);
    putf(b, "\nendstream\nendobj\nstartxref\n%ld\n%%%%EOF\n", x);
    eseal_buf_dispose(&z);
    return x;
}

/* Appends a revision: the objects o, then a section listing e (NULL: each object once). */
static void append_rev(eseal_buf *b, const wobj *o, size_t no, const went *e, size_t ne, bool xs, long prev)
{
    long offs[16];
    assert_true(no <= 16);
    int size = (int)last_num(b, "/Size ");
    if (prev == -1) {
        prev = last_num(b, "startxref");
    }
    for (size_t i = 0; i < no; i++) {
        offs[i] = (long)b->size;
        putf(b, "%d %d obj\n%s\nendobj\n", o[i].num, o[i].gen, o[i].body);
        size = o[i].num + 1 > size ? o[i].num + 1 : size;
    }
    went dflt[16];
    if (e == NULL) {
        for (size_t i = 0; i < no; i++) {
            dflt[i] = (went){o[i].num, o[i].gen, (int)i, 0, 0};
        }
        e = dflt;
        ne = no;
    }
    (void)put_section(b, e, ne, offs, xs, size, "", prev);
}

static const char *const OBJS[] = {
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 700 Td (unit test) Tj ET 0 0\nendstream",
};

/* A one-page PDF: a classic table, or (xs) a compressed, predicted cross-reference stream. */
static void tiny_pdf(eseal_buf *b, bool xs)
{
    memset(b, 0, sizeof(*b));
    putf(b, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n");
    long offs[4];
    went e[5] = {{0, 65535, -1, 0, 1}};
    for (int i = 0; i < 4; i++) {
        offs[i] = (long)b->size;
        putf(b, "%d 0 obj\n%s\nendobj\n", i + 1, OBJS[i]);
        e[i + 1] = (went){i + 1, 0, i, 0, 0};
    }
    (void)put_section(b, xs ? e + 1 : e, xs ? 4 : 5, offs, xs, 5, "", -1);
}

static void stamp(fixture *f, eseal_buf *out, const eseal_buf *in)
{
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = 1;
    o.x_mm = 20;
    o.y_mm = 20;
    assert_int_equal(eseal_pdf_stamp(out, in->ptr, in->size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert,
                                     &o),
                     ESEAL_OK);
}

static size_t findings(const eseal_buf *b, es_pdf_ambiguity *a, size_t max)
{
    size_t n = 0;
    assert_true(es_ok(es_pdf_check_structure(es_span_of(b->ptr, b->size), NULL, a, max, &n)));
    for (size_t i = 0; i < n && i < max && getenv("ESEAL_TEST_VERBOSE") != NULL; i++) {
        fprintf(stderr, "  finding %d (object %d %d, offset %zu): %s\n", a[i].kind, a[i].num, a[i].gen, a[i].offset,
                a[i].what);
    }
    return n;
}

static void assert_clean(const eseal_buf *b)
{
    es_pdf_ambiguity a[4];
    size_t n = findings(b, a, 4);
    if (n != 0) {
        fail_msg("unexpected finding: %s", a[0].what);
    }
}

/* The file has a finding of `kind` about object `num` (0: any). */
static void assert_finding(const eseal_buf *b, es_pdf_ambiguity_kind kind, int num)
{
    /* ESEAL_XREF_SEEDS=DIR keeps every attack file, for fuzz/corpora/pdf_xref. */
    static int seq;
    if (getenv("ESEAL_XREF_SEEDS") != NULL) {
        char p[512];
        (void)snprintf(p, sizeof(p), "%s/attack-%d-kind%d.pdf", getenv("ESEAL_XREF_SEEDS"), ++seq, kind);
        (void)eseal_file_write(p, b->ptr, b->size, 0600);
    }
    es_pdf_ambiguity a[16];
    size_t n = findings(b, a, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        if (a[i].kind == kind && (num == 0 || a[i].num == num)) {
            return;
        }
    }
    fail_msg("no finding of kind %d about object %d among %zu (first: %s)", kind, num, n, n > 0 ? a[0].what : "-");
}

static void copy(eseal_buf *dst, const eseal_buf *src)
{
    memset(dst, 0, sizeof(*dst));
    put(dst, src->ptr, src->size);
}

#define PAGE_EVIL "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 30 0 R >>"
#define CONTENT_EVIL "<< /Length 29 >>\nstream\nBT (PAY 1,000,000) Tj ET 0 0\nendstream"

/* ---- clean files ------------------------------------------------------------------------- */

static int fake_token(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    (void)ctx, (void)hash, (void)digest, (void)len;
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    token->ptr = malloc(sizeof(der));
    memcpy(token->ptr, der, sizeof(der));
    token->size = sizeof(der);
    return ESEAL_OK;
}

static void clean_files_have_no_finding(void **state)
{
    fixture *f = *state;
    for (int xs = 0; xs < 2; xs++) {
        eseal_buf in, one = ESEAL_BUF_INIT, two = ESEAL_BUF_INIT, three = ESEAL_BUF_INIT;
        tiny_pdf(&in, xs);
        assert_clean(&in);
        stamp(f, &one, &in);
        assert_clean(&one);
        stamp(f, &two, &one);
        stamp(f, &three, &two);
        assert_clean(&three);
        /* Validation data and a document timestamp (B-LT, B-LTA) in two more revisions. */
        es_buf dss = ES_BUF_INIT(1 << 24), ts = ES_BUF_INIT(1 << 24);
        eseal_buf der = ESEAL_BUF_INIT;
        assert_int_equal(eseal_cert_der(&der, f->root), ESEAL_OK);
        es_span certs[1] = {es_span_of(der.ptr, der.size)};
        es_pdf_dss_data dd = {certs, 1, NULL, 0, NULL, 0, NULL, 0};
        assert_true(es_ok(es_pdf_add_dss(&dss, es_span_of(three.ptr, three.size), &dd)));
        assert_true(es_ok(es_pdf_add_doc_timestamp(&ts, es_buf_span(&dss), ESEAL_HASH_SHA256, fake_token, NULL, 0, NULL)));
        eseal_buf lta = {ts.ptr, ts.len};
        assert_clean(&lta);
        /* Trailing whitespace and NUL padding after the last %%EOF are fine. */
        eseal_buf pad;
        copy(&pad, &one);
        put(&pad, "\r\n \0\0\0\n", 7);
        assert_clean(&pad);
        es_buf_free(&dss);
        es_buf_free(&ts);
        eseal_buf_dispose(&der);
        eseal_buf_dispose(&pad);
        eseal_buf_dispose(&in);
        eseal_buf_dispose(&one);
        eseal_buf_dispose(&two);
        eseal_buf_dispose(&three);
    }
}

/* qpdf's own output with object streams and a predicted xref stream, then stamped. */
static void object_streams_clean(void **state)
{
    fixture *f = *state;
    if (system("qpdf --version >/dev/null 2>&1") != 0) {
        skip();
    }
    char dir[] = "/tmp/eseal-xref-XXXXXX", cmd[256], inp[64], outp[64];
    assert_non_null(mkdtemp(dir));
    (void)snprintf(inp, sizeof(inp), "%s/in.pdf", dir);
    (void)snprintf(outp, sizeof(outp), "%s/os.pdf", dir);
    eseal_buf in, os = ESEAL_BUF_INIT, st = ESEAL_BUF_INIT;
    tiny_pdf(&in, false);
    assert_int_equal(eseal_file_write(inp, in.ptr, in.size, 0600), ESEAL_OK);
    (void)snprintf(cmd, sizeof(cmd), "qpdf --object-streams=generate '%s' '%s'", inp, outp);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(eseal_file_read(&os, outp, 1 << 24), ESEAL_OK);
    assert_non_null(memmem(os.ptr, os.size, "/ObjStm", 7));
    assert_clean(&os);
    stamp(f, &st, &os);
    assert_clean(&st);
    /* An object stream of the new revision holding object 3 while its bytes define 3 too. */
    static const char hold[] = "3 0 " PAGE_EVIL;
    char objstm[256];
    (void)snprintf(objstm, sizeof(objstm), "<< /Type /ObjStm /N 1 /First 4 /Length %zu >>\nstream\n%s\nendstream",
                   strlen(hold), hold);
    eseal_buf good, wrong;
    copy(&good, &st);
    copy(&wrong, &st);
    wobj o[] = {{40, 0, objstm}, {3, 0, PAGE_EVIL}};
    append_rev(&st, o, 2, NULL, 0, true, -1);
    assert_finding(&st, ES_PDF_AMB_DUPLICATE, 3);
    /* Object 3 only in the object stream: its entry must name the stream and its place there. */
    went at0[] = {{40, 0, 0, 0, 0}, {3, 0, -1, 40, 2}}, at1[] = {{40, 0, 0, 0, 0}, {3, 1, -1, 40, 2}};
    append_rev(&good, o, 1, at0, 2, true, -1);
    assert_clean(&good);
    append_rev(&wrong, o, 1, at1, 2, true, -1);
    assert_finding(&wrong, ES_PDF_AMB_XREF_OFFSET, 3);
    eseal_buf_dispose(&good);
    eseal_buf_dispose(&wrong);
    /* A linearized file (Annex F: its first-page section's /Prev points forward), then stamped. */
    eseal_buf lin = ESEAL_BUF_INIT, lst = ESEAL_BUF_INIT;
    (void)snprintf(cmd, sizeof(cmd), "qpdf --linearize '%s' '%s'", inp, outp);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(eseal_file_read(&lin, outp, 1 << 24), ESEAL_OK);
    assert_non_null(memmem(lin.ptr, lin.size, "/Linearized", 11));
    assert_clean(&lin);
    stamp(f, &lst, &lin);
    assert_clean(&lst);
    /* Linearized with object streams: qpdf writes no startxref after the first-page xref stream. */
    eseal_buf lo = ESEAL_BUF_INIT, lo1 = ESEAL_BUF_INIT, lo2 = ESEAL_BUF_INIT;
    (void)snprintf(cmd, sizeof(cmd), "qpdf --object-streams=generate --linearize '%s' '%s'", inp, outp);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(eseal_file_read(&lo, outp, 1 << 24), ESEAL_OK);
    assert_clean(&lo);
    stamp(f, &lo1, &lo);
    stamp(f, &lo2, &lo1);
    assert_clean(&lo2);
    eseal_buf_dispose(&lo);
    eseal_buf_dispose(&lo1);
    eseal_buf_dispose(&lo2);
    /* The same forward /Prev without the linearization dictionary is a broken chain. */
    uint8_t *l = memmem(lin.ptr, lin.size, "/Linearized", 11);
    memcpy(l, "/Xinearized", 11);
    assert_finding(&lin, ES_PDF_AMB_CHAIN, 0);
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    eseal_buf_dispose(&lin);
    eseal_buf_dispose(&lst);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&os);
    eseal_buf_dispose(&st);
}

/* Limits: nesting deeper than max_nesting is an error (ESEAL_ELIMIT), never a pass. */
static void limits_are_errors(void **state)
{
    (void)state;
    eseal_buf b;
    tiny_pdf(&b, false);
    char deep[2 * 200 + 1] = "";
    for (int i = 0; i < 200; i++) {
        deep[i] = '[';
        deep[200 + i] = ']';
    }
    wobj o[] = {{30, 0, deep}};
    append_rev(&b, o, 1, NULL, 0, false, -1);
    size_t n = 0;
    es_pdf_ambiguity a[1];
    assert_int_equal(es_code(es_pdf_check_structure(es_span_of(b.ptr, b.size), NULL, a, 1, &n)), ESEAL_ELIMIT);
    eseal_buf_dispose(&b);
}

/* max_xref_sections: a chain of more sections than the limit is an error naming it; the same file
 * passes under the default limits. */
static void xref_sections_limited(void **state)
{
    (void)state;
    eseal_buf b;
    tiny_pdf(&b, false);
    for (int i = 0; i < 4; i++) {
        wobj o[] = {{1, 0, OBJS[0]}};
        append_rev(&b, o, 1, NULL, 0, false, -1);
    }
    size_t n = 0;
    es_pdf_ambiguity a[1];
    assert_true(es_ok(es_pdf_check_structure(es_span_of(b.ptr, b.size), NULL, a, 1, &n)));
    assert_int_equal(n, 0);
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_xref_sections = 4; /* five sections */
    assert_int_equal(es_code(es_pdf_check_structure(es_span_of(b.ptr, b.size), &l, a, 1, &n)), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "max_xref_sections"));
    l.max_xref_sections = 6;
    assert_true(es_ok(es_pdf_check_structure(es_span_of(b.ptr, b.size), &l, a, 1, &n)));
    eseal_buf_dispose(&b);
}

/* max_token_bytes: a name, a literal string or a number longer than the limit is an error naming
 * it; a hex string may be as long as a signature's /Contents (twice max_der_bytes). */
static void tokens_limited(void **state)
{
    (void)state;
    static const char *const bodies[] = {"<< /Type /Catalog /Pages 2 0 R /AVeryLongNameIndeedYes 1 >>",
                                         "<< /Type /Catalog /Pages 2 0 R /T (a literal string, long) >>",
                                         "<< /Type /Catalog /Pages 2 0 R /N 1234567890123456789012 >>"};
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_token_bytes = 20;
    for (size_t k = 0; k < sizeof(bodies) / sizeof(bodies[0]); k++) {
        eseal_buf b;
        tiny_pdf(&b, false);
        wobj o[] = {{1, 0, bodies[k]}};
        append_rev(&b, o, 1, NULL, 0, false, -1);
        size_t n = 0;
        es_pdf_ambiguity a[1];
        assert_true(es_ok(es_pdf_check_structure(es_span_of(b.ptr, b.size), NULL, a, 1, &n)));
        assert_int_equal(es_code(es_pdf_check_structure(es_span_of(b.ptr, b.size), &l, a, 1, &n)), ESEAL_ELIMIT);
        assert_non_null(strstr(eseal_error_last()->message, "max_token_bytes (20)"));
        eseal_buf_dispose(&b);
    }
    /* A hex string of 64 digits passes max_token_bytes 20 with max_der_bytes 32, not with 31. */
    eseal_buf b;
    tiny_pdf(&b, false);
    wobj o[] = {{1, 0, "<< /Type /Catalog /Pages 2 0 R /C <00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF> >>"}};
    append_rev(&b, o, 1, NULL, 0, false, -1);
    size_t n = 0;
    es_pdf_ambiguity a[1];
    l.max_der_bytes = 32;
    assert_true(es_ok(es_pdf_check_structure(es_span_of(b.ptr, b.size), &l, a, 1, &n)));
    l.max_der_bytes = 31;
    assert_int_equal(es_code(es_pdf_check_structure(es_span_of(b.ptr, b.size), &l, a, 1, &n)), ESEAL_ELIMIT);
    eseal_buf_dispose(&b);
}

/* ---- one case per finding ---------------------------------------------------------------- */

/* 1: two definitions of object 3 in one revision's bytes, and two entries for it in one section. */
static void defined_twice(void **state)
{
    (void)state;
    for (int xs = 0; xs < 2; xs++) {
        eseal_buf b, c;
        tiny_pdf(&b, xs);
        copy(&c, &b);
        wobj o[] = {{3, 0, PAGE_EVIL}, {3, 0, OBJS[2]}};
        went e[] = {{3, 0, 1, 0, 0}};
        append_rev(&b, o, 2, e, 1, xs, -1);
        assert_finding(&b, ES_PDF_AMB_DUPLICATE, 3);
        /* The same object listed twice in one section (overlapping subsections / /Index). */
        wobj p[] = {{3, 0, PAGE_EVIL}, {30, 0, CONTENT_EVIL}};
        went f2[] = {{3, 0, 0, 0, 0}, {30, 0, 1, 0, 0}, {3, 0, -1, 10, 0}};
        f2[2].off = (long)c.size; /* the first object's own offset: only the listing is doubled */
        append_rev(&c, p, 2, f2, 3, xs, -1);
        assert_finding(&c, ES_PDF_AMB_DUPLICATE, 3);
        /* An object stream of the revision holds object 3, which its bytes define too. */
        eseal_buf d;
        tiny_pdf(&d, xs);
        static const char hold[] = "3 0 " PAGE_EVIL;
        char objstm[256];
        (void)snprintf(objstm, sizeof(objstm), "<< /Type /ObjStm /N 1 /First 4 /Length %zu >>\nstream\n%s\nendstream",
                       strlen(hold), hold);
        wobj q[] = {{40, 0, objstm}, {3, 0, OBJS[2]}};
        append_rev(&d, q, 2, NULL, 0, xs, -1);
        assert_finding(&d, ES_PDF_AMB_DUPLICATE, 3);
        eseal_buf_dispose(&d);
        eseal_buf_dispose(&b);
        eseal_buf_dispose(&c);
    }
}

/* 2: a later revision redefines the page under generation 1. */
static void generation_changed(void **state)
{
    (void)state;
    for (int xs = 0; xs < 2; xs++) {
        eseal_buf b, c;
        tiny_pdf(&b, xs);
        copy(&c, &b);
        wobj o[] = {{3, 1, PAGE_EVIL}, {30, 0, CONTENT_EVIL}};
        append_rev(&b, o, 2, NULL, 0, xs, -1);
        assert_finding(&b, ES_PDF_AMB_GENERATION, 3);
        /* Freed (generation 1) and then reused under generation 1 in the next revision: refused too. */
        wobj none[] = {{30, 0, CONTENT_EVIL}};
        went freed[] = {{30, 0, 0, 0, 0}, {3, 1, -1, 0, 1}};
        append_rev(&c, none, 1, freed, 2, xs, -1);
        assert_clean(&c);
        append_rev(&c, o, 1, NULL, 0, xs, -1);
        assert_finding(&c, ES_PDF_AMB_GENERATION, 3);
        /* Defined under generation 1 in a later revision's bytes that its xref does not list. */
        eseal_buf d;
        tiny_pdf(&d, xs);
        wobj hidden[] = {{3, 1, PAGE_EVIL}, {30, 0, CONTENT_EVIL}};
        went only30[] = {{30, 0, 1, 0, 0}};
        append_rev(&d, hidden, 2, only30, 1, xs, -1);
        assert_finding(&d, ES_PDF_AMB_GENERATION, 3);
        eseal_buf_dispose(&d);
        eseal_buf_dispose(&b);
        eseal_buf_dispose(&c);
    }
}

/* Defined in a later revision's bytes under its generation, but not where that revision's xref
 * points: not listed, listed as free, or listed at another offset (fuzz_pdf_verify finding: the page
 * redefined this way, pdftoppm rebuilt the xref and drew another page). */
static void unlisted_definitions(void **state)
{
    (void)state;
    for (int xs = 0; xs < 2; xs++) {
        for (int k = 0; k < 3; k++) {
            eseal_buf b;
            tiny_pdf(&b, xs);
            wobj o[] = {{30, 0, CONTENT_EVIL}, {3, 0, PAGE_EVIL}};
            /* k 0: only object 30 listed; 1: object 3 listed free; 2: object 3 listed at object 30's offset. */
            went only30[] = {{30, 0, 0, 0, 0}};
            went freed[] = {{30, 0, 0, 0, 0}, {3, 1, -1, 0, 1}};
            went elsewhere[] = {{30, 0, 0, 0, 0}, {3, 0, 0, 0, 0}};
            const went *e[] = {only30, freed, elsewhere};
            size_t ne[] = {1, 2, 2};
            append_rev(&b, o, 2, e[k], ne[k], xs, -1);
            assert_finding(&b, ES_PDF_AMB_XREF_OFFSET, 3);
            eseal_buf_dispose(&b);
        }
    }
}

/* §7.5.5's tail: "startxref", end of line, digits, end of line, "%%EOF". A NUL or a comment before the
 * offset is read by qpdf and not by poppler, which then rebuilds the xref (fuzz_pdf_verify findings). */
static void startxref_tail_strict(void **state)
{
    (void)state;
    /* k 0: NULs before the offset; 1: a comment; 2: a sign; 3: a NUL before %%EOF; 4: spaces, tabs and
     * CRLF only (clean). */
    for (int k = 0; k < 5; k++) {
        eseal_buf b;
        tiny_pdf(&b, false);
        long x = last_num(&b, "startxref");
        const char *t = NULL;
        for (const char *q = (const char *)b.ptr; (q = memmem(q, b.size - (size_t)(q - (const char *)b.ptr),
                                                               "startxref", 9)) != NULL;
             q++) {
            t = q;
        }
        assert_non_null(t);
        b.size = (size_t)(t - (const char *)b.ptr);
        switch (k) {
        case 0:
            put(&b, "startxref\n\0\0", 12);
            putf(&b, "%ld\n%%%%EOF\n", x);
            break;
        case 1:
            putf(&b, "startxref\n%% x\n%ld\n%%%%EOF\n", x);
            break;
        case 2:
            putf(&b, "startxref\n+%ld\n%%%%EOF\n", x);
            break;
        case 3:
            putf(&b, "startxref\n%ld\n", x);
            put(&b, "\0%%EOF\n", 7);
            break;
        default:
            putf(&b, "startxref \r\n\t%ld \r\n%%%%EOF\r\n", x);
            break;
        }
        if (k == 4) {
            assert_clean(&b);
        } else {
            assert_finding(&b, ES_PDF_AMB_CHAIN, 0);
        }
        eseal_buf_dispose(&b);
    }
}

/* A control byte that is not PDF white-space inside a token of the trailer (/Root<VT>, /Root<DEL>):
 * white-space to readers built on isspace(), a regular character to the standard and to MuPDF (for
 * which the trailer then has no /Root): found by the pdf_verify_rev campaign (fuzz seed found-08). */
static void control_bytes_in_tokens(void **state)
{
    (void)state;
    static const char ctl[] = {0x0b, 0x7f, 0x01};
    for (int xs = 0; xs < 2; xs++) {
        for (size_t k = 0; k <= sizeof(ctl); k++) {
            eseal_buf b;
            tiny_pdf(&b, xs != 0);
            const char *root = NULL;
            for (const char *q = (const char *)b.ptr;
                 (q = memmem(q, b.size - (size_t)(q - (const char *)b.ptr), "/Root", 5)) != NULL; q++) {
                root = q;
            }
            assert_non_null(root);
            size_t at = (size_t)(root - (const char *)b.ptr) + 5;
            eseal_buf o = {0};
            put(&o, b.ptr, at);
            if (k < sizeof(ctl)) {
                put(&o, &ctl[k], 1);
            }
            put(&o, (const char *)b.ptr + at, b.size - at);
            if (k < sizeof(ctl)) {
                /* the section keeps its offset (the byte is inside its dictionary) */
                assert_finding(&o, ES_PDF_AMB_CHAIN, 0);
            } else {
                assert_clean(&o);
            }
            eseal_buf_dispose(&b);
            eseal_buf_dispose(&o);
        }
    }
}

/* 2: a %%EOF marker inside a later revision that does not end it (a comment in its trailer or
 * between objects, a string): readers that split revisions at their markers end one there, with
 * objects and no startxref (found by the pdf_verify_rev campaign). A marker-like comment that is
 * not %%EOF, and the marker after a startxref, are fine. */
static void eof_marker_inside_revision(void **state)
{
    (void)state;
    static const struct {
        const char *extra; /* trailer keys */
        const char *body;  /* object 11 */
        bool found;
    } cases[] = {
        {" \t%%EOF\n", "<< /Title (Refund) >>", true},
        {"", "<< /Title (Refund) >>\n%%EOF\n", true},
        {"", "<< /Title (Refund %%EOF of 10) >>", true},
        {" /Note (a %%EOF b)", "<< /Title (Refund) >>", true},
        {" %% /Type %%EOF\n", "<< /Title (Refund) >>", true},
        {"", "<< /Title (Refund) >> % a comment, then %%EOF\n", true},
        {" % EOF is not %%-EOF\n", "<< /Title (Refund %EOF) >>", false},
        {"", "<< /Title (Refund) >>", false},
    };
    for (int xs = 0; xs < 2; xs++) {
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            eseal_buf b;
            tiny_pdf(&b, xs != 0);
            long prev = last_num(&b, "startxref");
            long offs[1] = {(long)b.size};
            putf(&b, "11 0 obj\n%s\nendobj\n", cases[k].body);
            went e[] = {{11, 0, 0, 0, 0}};
            (void)put_section(&b, e, 1, offs, xs != 0, 12, cases[k].extra, prev);
            if (cases[k].found) {
                assert_finding(&b, ES_PDF_AMB_SYNTAX, 0);
            } else {
                assert_clean(&b);
            }
            eseal_buf_dispose(&b);
        }
    }
}

/* 2: an object header with a signed number or generation ("11 -0 obj", "+11 0 obj") at the offset a
 * cross-reference entry gives: a sign is no part of an object or generation number (ISO 32000-2
 * §7.3.10), and readers differ on it (found by the pdf_verify_rev campaign). */
static void signed_object_header(void **state)
{
    (void)state;
    static const char *const heads[] = {"11 -0 obj", "+11 0 obj", "11 +0 obj", "11 0 obj"};
    for (int xs = 0; xs < 2; xs++) {
        for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
            eseal_buf b;
            tiny_pdf(&b, xs != 0);
            long prev = last_num(&b, "startxref");
            long offs[1] = {(long)b.size};
            putf(&b, "%s\n<< /Title (Refund) >>\nendobj\n", heads[k]);
            went e[] = {{11, 0, 0, 0, 0}};
            (void)put_section(&b, e, 1, offs, xs != 0, 12, "", prev);
            if (k + 1 < sizeof(heads) / sizeof(heads[0])) {
                assert_finding(&b, ES_PDF_AMB_XREF_OFFSET, 11);
            } else {
                assert_clean(&b);
            }
            eseal_buf_dispose(&b);
        }
    }
}

/* 3: a hybrid revision (§7.5.8.4) whose table and /XRefStm disagree; and one where they agree. */
static void hybrid_disagrees(void **state)
{
    (void)state;
    static const struct {
        char stm;         /* object 3 in the stream: E elsewhere, C compressed, F free, S at the table's offset */
        bool table_lists; /* the table lists object 3 in use (else free) */
        int want;         /* 0: clean */
    } cases[] = {{'E', true, ES_PDF_AMB_HYBRID}, {'C', true, ES_PDF_AMB_HYBRID}, {'S', false, ES_PDF_AMB_HYBRID},
                 {'F', true, 0}, {'S', true, 0}};
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        eseal_buf b;
        tiny_pdf(&b, false);
        long prev = last_num(&b, "startxref");
        long offs[2];
        offs[0] = (long)b.size;
        putf(&b, "3 0 obj\n%s\nendobj\n", PAGE_EVIL);
        offs[1] = (long)b.size;
        putf(&b, "30 0 obj\n%s\nendobj\n", CONTENT_EVIL);
        went s[] = {{3, 0, 0, 0, 0}, {30, 0, 1, 0, 0}};
        if (cases[k].stm == 'E') {
            s[0] = (went){3, 0, -1, offs[1], 0};
        } else if (cases[k].stm == 'C') {
            s[0] = (went){3, 0, -1, 12, 2};
        } else if (cases[k].stm == 'F') {
            s[0] = (went){3, 1, -1, 0, 1};
        }
        long xsoff = put_section(&b, s, 2, offs, true, 31, "", -1);
        /* put_section ended the stream with startxref/%%EOF: cut that tail, the table follows. */
        b.size -= strlen("startxref\n\n%%EOF\n") + (size_t)snprintf(NULL, 0, "%ld", xsoff);
        char extra[48];
        (void)snprintf(extra, sizeof(extra), " /XRefStm %ld", xsoff);
        went t[] = {{3, 0, 0, 0, cases[k].table_lists ? 0 : 1}, {30, 0, 1, 0, 0}};
        (void)put_section(&b, t, 2, offs, false, 32, extra, prev);
        if (cases[k].want == 0) {
            assert_clean(&b);
        } else {
            assert_finding(&b, cases[k].want, 3);
        }
        eseal_buf_dispose(&b);
    }
}

/* 4: objects, or an xref, after the last %%EOF with no section that reaches them. */
static void bytes_after_eof(void **state)
{
    (void)state;
    static const char *const tails[] = {"3 0 obj\n" PAGE_EVIL "\nendobj\n", "\n\nxref\n0 1\n", "trailer <<>>"};
    for (size_t k = 0; k < 3; k++) {
        eseal_buf b;
        tiny_pdf(&b, k == 1);
        putf(&b, "%s", tails[k]);
        assert_finding(&b, ES_PDF_AMB_AFTER_EOF, 0);
        eseal_buf_dispose(&b);
    }
}

/* 5: an entry whose offset does not hold "N G obj" of its object, or lies inside another's data. */
static void entry_points_elsewhere(void **state)
{
    (void)state;
    for (int xs = 0; xs < 2; xs++) {
        for (int k = 0; k < 3; k++) {
            eseal_buf b;
            tiny_pdf(&b, xs);
            long at = (long)b.size;
            wobj o[] = {{30, 0, "<< /Length 20 >>\nstream\n3 0 obj << >> endobj\nendstream"}, {3, 0, PAGE_EVIL}};
            /* k 0: object 3's entry points at object 30; 1: into its header line; 2: into 30's data. */
            long where[] = {at, at + 3, at + (long)strlen("30 0 obj\n<< /Length 20 >>\nstream\n")};
            went e[] = {{30, 0, 0, 0, 0}, {3, 0, -1, where[k], 0}};
            append_rev(&b, o, 2, e, 2, xs, -1);
            assert_finding(&b, ES_PDF_AMB_XREF_OFFSET, 3);
            eseal_buf_dispose(&b);
        }
    }
}

/* 6: the /Prev chain loops, runs forward, or points past the file. */
static void prev_chain_broken(void **state)
{
    (void)state;
    for (int xs = 0; xs < 2; xs++) {
        for (int k = 0; k < 3; k++) {
            eseal_buf b;
            tiny_pdf(&b, xs);
            wobj o[] = {{30, 0, CONTENT_EVIL}};
            /* k 0: /Prev to its own section (a loop); 1: forward; 2: past the end. */
            long x = (long)b.size + (long)strlen("30 0 obj\n" CONTENT_EVIL "\nendobj\n");
            long prev[] = {x, x + 5, 99999999};
            append_rev(&b, o, 1, NULL, 0, xs, prev[k]);
            assert_finding(&b, ES_PDF_AMB_CHAIN, 0);
            eseal_buf_dispose(&b);
        }
    }
    /* The last startxref itself past the end. */
    eseal_buf b;
    tiny_pdf(&b, false);
    putf(&b, "startxref\n99999999\n%%%%EOF\n");
    assert_finding(&b, ES_PDF_AMB_CHAIN, 0);
    eseal_buf_dispose(&b);
}

/* A lying /Length: one that does not end at endstream, or a body that holds "endstream" itself. */
static void stream_length_lies(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "<< /Length 10 >>\nstream\nBT (PAY 1,000,000) Tj ET 0 0\nendstream",
        "<< /Length 56 >>\nstream\nBT ET\nendstream\nendobj\n3 0 obj\n<< /Type /Page >>\nendobj\n\nendstream",
    };
    for (size_t k = 0; k < 2; k++) {
        eseal_buf b;
        tiny_pdf(&b, false);
        wobj o[] = {{30, 0, bodies[k]}};
        append_rev(&b, o, 1, NULL, 0, false, -1);
        assert_finding(&b, ES_PDF_AMB_SYNTAX, 30);
        eseal_buf_dispose(&b);
    }
}

/* Through the verifier: the generation trick on a stamped file was VALID; now it is refused. */
static void verifier_refuses_generation_trick(void **state)
{
    fixture *f = *state;
    for (int xs = 0; xs < 2; xs++) {
        eseal_buf in, st = ESEAL_BUF_INIT;
        tiny_pdf(&in, xs);
        stamp(f, &st, &in);
        eseal_report *r = NULL;
        assert_int_equal(eseal_pdf_verify(&r, st.ptr, st.size, f->trust, NULL), ESEAL_OK);
        assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
        assert_null(eseal_report_find(r, "document.ambiguities"));
        /* The revisions as the document's parts: the original and the stamp, contiguous. */
        const eseal_value *parts = eseal_report_find(r, "document.parts");
        assert_int_equal(eseal_value_count(parts), 2);
        assert_int_equal(eseal_value_integer(eseal_value_find(eseal_value_item(parts, 1), "offset")),
                         eseal_value_integer(eseal_value_find(eseal_value_item(parts, 0), "size")));
        assert_string_equal(eseal_value_string(eseal_value_find(eseal_value_item(parts, 1), "kind")), "revision");
        int64_t rev = 0;
        assert_int_equal(eseal_report_integer(eseal_report_child(r, 0), "coverage.revision", &rev), ESEAL_OK);
        assert_int_equal(rev, 2);
        eseal_report_free(r);
        wobj o[] = {{3, 1, PAGE_EVIL}, {30, 0, CONTENT_EVIL}};
        append_rev(&st, o, 2, NULL, 0, xs, -1);
        assert_int_equal(eseal_pdf_verify(&r, st.ptr, st.size, f->trust, NULL), ESEAL_OK);
        if (getenv("ESEAL_TEST_VERBOSE") != NULL) {
            eseal_buf t = ESEAL_BUF_INIT;
            (void)eseal_report_to_text(&t, r, 0);
            fprintf(stderr, "%s\n", (const char *)t.ptr);
            eseal_buf_dispose(&t);
        }
        assert_int_equal(eseal_report_verdict(r), ESEAL_INVALID);
        assert_true(eseal_report_has_reason(eseal_report_child(r, 0), "AMBIGUOUS_STRUCTURE"));
        const eseal_value *amb = eseal_report_find(r, "document.ambiguities");
        bool said = false;
        for (size_t k = 0; k < eseal_value_count(amb); k++) {
            said = said || strstr(eseal_value_string(eseal_value_item(amb, k)), "object 3 was generation 0") != NULL;
        }
        assert_true(said);
        eseal_report_free(r);
        eseal_buf_dispose(&in);
        eseal_buf_dispose(&st);
    }
}

/* Every third-party PDF of var/pdf-corpus (tests/interop/pdf_interop.sh) is clean, as is its stamp. */
static void corpus_is_clean(void **state)
{
    fixture *f = *state;
    char dir[512];
    (void)snprintf(dir, sizeof(dir), "%s/var/pdf-corpus", ESEAL_SOURCE_DIR);
    DIR *d = opendir(dir);
    if (d == NULL) {
        skip();
    }
    size_t files = 0, flagged = 0, stamped = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".pdf") != 0) {
            continue;
        }
        char path[1024];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        eseal_buf b = ESEAL_BUF_INIT, st = ESEAL_BUF_INIT;
        assert_int_equal(eseal_file_read(&b, path, 64u << 20), ESEAL_OK);
        es_pdf_ambiguity a[2];
        files++;
        if (findings(&b, a, 2) != 0) {
            flagged++;
            fprintf(stderr, "%s: %s\n", de->d_name, a[0].what);
        }
        /* Every fifth one stamped (the stamp is the slow part). */
        if (files % 5 == 0) {
            eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
            if (eseal_pdf_stamp(&st, b.ptr, b.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o) ==
                ESEAL_OK) {
                stamped++;
                if (findings(&st, a, 2) != 0) {
                    flagged++;
                    fprintf(stderr, "%s stamped: %s\n", de->d_name, a[0].what);
                }
            }
        }
        eseal_buf_dispose(&b);
        eseal_buf_dispose(&st);
    }
    closedir(d);
    fprintf(stderr, "# pdf-corpus: %zu files and %zu stamps checked, %zu flagged\n", files, stamped, flagged);
    assert_true(files > 0);
    assert_int_equal(flagged, 0);
}

/* ---- issue 18 (h-bigverify): the check's stable sort ---------------------------------------- */

/* Elements of 8 and of 40 bytes (a definition's size: glibc sorts those indirectly). */
typedef struct {
    uint32_t key, id;
    uint8_t pad[32];
} sel;

static int cmp_key8(const void *a, const void *b)
{
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return x < y ? -1 : x > y;
}

/* The reference: the key, then the place it had (a stable sort by key, by definition). */
static int cmp_key_id(const void *a, const void *b)
{
    uint32_t x[2], y[2];
    memcpy(x, a, 8);
    memcpy(y, b, 8);
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : x[1] > y[1];
}

static void sort_case(const uint32_t *keys, size_t n, size_t sz)
{
    uint8_t *a = calloc(n + 1, sz), *want = calloc(n + 1, sz);
    assert_true(a != NULL && want != NULL);
    for (size_t i = 0; i < n; i++) {
        sel e = {.key = keys[i], .id = (uint32_t)i};
        memset(e.pad, (int)(i * 7), sizeof(e.pad));
        memcpy(a + i * sz, &e, sz);
    }
    memcpy(want, a, n * sz);
    qsort(want, n, sz, cmp_key_id);
    es_pdf_sort_stable(a, n, sz, cmp_key8);
    assert_memory_equal(a, want, n * sz + (n == 0));
    free(a);
    free(want);
}

static void xref_sort_is_stable(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 20000};
    uint32_t *k = malloc(20000 * sizeof(*k));
    assert_non_null(k);
    uint32_t x = 12345;
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        size_t n = sizes[si];
        for (int pattern = 0; pattern < 9; pattern++) {
            for (size_t i = 0; i < n; i++) {
                x = x * 1103515245u + 12345u;
                uint32_t r = x >> 8;
                switch (pattern) {
                case 0: k[i] = r % 7; break;                              /* random, many ties */
                case 1: k[i] = r; break;                                  /* random */
                case 2: k[i] = (uint32_t)i; break;                        /* sorted */
                case 3: k[i] = (uint32_t)(n - i); break;                  /* reversed */
                case 4: k[i] = (uint32_t)(i < n / 2 ? i + n : i); break;  /* two runs, the later first */
                case 5: k[i] = (uint32_t)(i % 3 == 0 ? 5 : i); break;     /* short runs around ties */
                case 6: k[i] = (uint32_t)(i + 3 < n ? i : i - n / 2); break; /* a short run at the end */
                case 7: k[i] = (uint32_t)(i < 3 ? n - i : i); break;      /* a short run at the start */
                default: k[i] = (uint32_t)((i % 5) * 100 + i / 5); break; /* five interleaved runs */
                }
            }
            sort_case(k, n, 8);
            sort_case(k, n, sizeof(sel));
        }
    }
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_files_have_no_finding),
        cmocka_unit_test(object_streams_clean),
        cmocka_unit_test(defined_twice),
        cmocka_unit_test(generation_changed),
        cmocka_unit_test(unlisted_definitions),
        cmocka_unit_test(startxref_tail_strict),
        cmocka_unit_test(control_bytes_in_tokens),
        cmocka_unit_test(eof_marker_inside_revision),
        cmocka_unit_test(signed_object_header),
        cmocka_unit_test(hybrid_disagrees),
        cmocka_unit_test(bytes_after_eof),
        cmocka_unit_test(entry_points_elsewhere),
        cmocka_unit_test(prev_chain_broken),
        cmocka_unit_test(stream_length_lies),
        cmocka_unit_test(limits_are_errors),
        cmocka_unit_test(xref_sections_limited),
        cmocka_unit_test(tokens_limited),
        cmocka_unit_test(verifier_refuses_generation_trick),
        cmocka_unit_test(corpus_is_clean),
        cmocka_unit_test(xref_sort_is_stable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
