/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PDF unit tests' fixture: a P-256 root, a signer and a seal maker issued by it, a trust set
 * with the root and an empty CRL, a seal by the maker that lists the signer, and an imprint
 * outline. Include after <cmocka.h>, "crypto/crypto.h", "eseal/eseal.h" and "../test_pki.h";
 * cmocka's setup and teardown are `setup` and `teardown`.
 */
#ifndef ESEAL_TEST_PDF_FIXTURE_H
#define ESEAL_TEST_PDF_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    eseal_key *root_key, *key, *maker_key;
    eseal_cert *root, *cert, *maker;
    eseal_trust *trust;
    eseal_buf seal;
    eseal_imprint_outline *outline;
} fixture;

/* ---- PDFs as bytes ---- */

/* Appends printf-formatted text to b (realloc'ed; the tests free it with free). */
__attribute__((format(printf, 2, 3))) static inline void pdf_put(eseal_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    b->ptr = realloc(b->ptr, b->size + (size_t)n + 1);
    va_start(ap, fmt);
    (void)vsnprintf((char *)b->ptr + b->size, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->size += (size_t)n;
}

/*
 * A blank A4 document of `npages` pages appended to `b`: catalog 1, page tree root 2, pages 3..,
 * then the inner nodes of a tree of `fanout` kids per node (0: flat, every page a kid of the root).
 * A classic cross-reference table, whose offset is returned.
 */
static inline size_t pdf_blank_doc(eseal_buf *b, int npages, int fanout)
{
    int maxobj = 3 + 2 * npages;
    int *parent = calloc((size_t)maxobj + 1, sizeof(int)), *count = calloc((size_t)maxobj + 1, sizeof(int));
    int *first = calloc((size_t)maxobj + 1, sizeof(int)), *nk = calloc((size_t)maxobj + 1, sizeof(int));
    int *kids = calloc((size_t)maxobj + 1, sizeof(int)), *cur = calloc((size_t)npages, sizeof(int));
    long *off = calloc((size_t)maxobj + 1, sizeof(long));
    assert_true(parent && count && first && nk && kids && cur && off);
    int ncur = npages, next = 3 + npages, used = 0;
    for (int i = 0; i < npages; i++) {
        cur[i] = 3 + i;
        count[3 + i] = 1;
    }
    while (fanout > 0 && ncur > fanout) {
        int nn = 0;
        for (int j = 0; j < ncur; j += fanout) {
            int node = next++;
            first[node] = used;
            for (int k = j; k < ncur && k < j + fanout; k++) {
                kids[used++] = cur[k];
                parent[cur[k]] = node;
                count[node] += count[cur[k]];
                nk[node]++;
            }
            cur[nn++] = node;
        }
        ncur = nn;
    }
    first[2] = used;
    for (int k = 0; k < ncur; k++) {
        kids[used++] = cur[k];
        parent[cur[k]] = 2;
        nk[2]++;
    }
    count[2] = npages;
    int nobj = next - 1;
    pdf_put(b, "%%PDF-1.7\n");
    for (int o = 1; o <= nobj; o++) {
        off[o] = (long)b->size;
        pdf_put(b, "%d 0 obj\n", o);
        if (o == 1) {
            pdf_put(b, "<< /Type /Catalog /Pages 2 0 R >>");
        } else if (o >= 3 && o < 3 + npages) {
            pdf_put(b, "<< /Type /Page /Parent %d 0 R >>", parent[o]);
        } else {
            pdf_put(b, "<< /Type /Pages%s", o == 2 ? " /MediaBox [0 0 595 842]" : "");
            if (o != 2) {
                pdf_put(b, " /Parent %d 0 R", parent[o]);
            }
            pdf_put(b, " /Count %d /Kids [", count[o]);
            for (int k = 0; k < nk[o]; k++) {
                pdf_put(b, "%s%d 0 R", k == 0 ? "" : " ", kids[first[o] + k]);
            }
            pdf_put(b, "] >>");
        }
        pdf_put(b, "\nendobj\n");
    }
    long x = (long)b->size;
    pdf_put(b, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
    for (int o = 1; o <= nobj; o++) {
        pdf_put(b, "%010ld 00000 n \n", off[o]);
    }
    pdf_put(b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", nobj + 1, x);
    free(parent);
    free(count);
    free(first);
    free(nk);
    free(kids);
    free(cur);
    free(off);
    return (size_t)x;
}

/* The number after the last occurrence of `key` in the file (the last /Size, startxref). */
static inline int pdf_last_int(const eseal_buf *pdf, const char *key)
{
    const char *s = (const char *)pdf->ptr, *last = NULL;
    for (const char *p = s; (p = memmem(p, pdf->size - (size_t)(p - s), key, strlen(key))) != NULL; p++) {
        last = p + strlen(key);
    }
    assert_non_null(last);
    while (*last == ' ' || *last == '\n' || *last == '\r') {
        last++;
    }
    int v = 0;
    for (; *last >= '0' && *last <= '9'; last++) {
        v = v * 10 + (*last - '0');
    }
    return v;
}

/* ---- incremental updates as bytes (the attacks of test_pdf_diff.c; test_pdf_template.c) ---- */

/* A PDF of objects 1..n (a classic cross-reference table); `trailer` is added to the trailer. */
static inline void pdf_make(eseal_buf *out, const char *const *objs, int n, const char *trailer)
{
    size_t off[32];
    *out = (eseal_buf)ESEAL_BUF_INIT;
    pdf_put(out, "%%PDF-1.7\n");
    for (int i = 0; i < n; i++) {
        off[i] = out->size;
        pdf_put(out, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t x = out->size;
    pdf_put(out, "xref\n0 %d\n0000000000 65535 f \n", n + 1);
    for (int i = 0; i < n; i++) {
        pdf_put(out, "%010zu 00000 n \n", off[i]);
    }
    pdf_put(out, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%zu\n%%%%EOF\n", n + 1, trailer, x);
}

static inline char *pdf_stream(const char *dict, const char *data)
{
    static char s[8][1024];
    static int k;
    char *o = s[k++ % 8];
    (void)snprintf(o, sizeof(s[0]), "<< %s /Length %zu >>\nstream\n%s\nendstream", dict, strlen(data), data);
    return o;
}

static inline void pdf_one_page(eseal_buf *out, int pages)
{
    char kids[256] = "", p[4][160];
    const char *objs[8];
    int n = 0;
    objs[n++] = "<< /Type /Catalog /Pages 2 0 R >>";
    for (int i = 0; i < pages; i++) {
        size_t l = strlen(kids);
        (void)snprintf(kids + l, sizeof(kids) - l, "%s%d 0 R", i == 0 ? "" : " ", 4 + i);
    }
    char pg[320];
    (void)snprintf(pg, sizeof(pg), "<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages);
    objs[n++] = pg;
    objs[n++] = pdf_stream("", "BT /F1 12 Tf 72 700 Td (signed text) Tj ET");
    for (int i = 0; i < pages; i++) {
        (void)snprintf(p[i], sizeof(p[i]), "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>");
        objs[n++] = p[i];
    }
    pdf_make(out, objs, n, "");
}

/* The body "<< ... >>" of the last definition of object `num` (a dictionary). */
static inline char *pdf_latest(const eseal_buf *pdf, int num)
{
    char pat[32];
    (void)snprintf(pat, sizeof(pat), "\n%d 0 obj\n", num);
    const char *s = (const char *)pdf->ptr, *last = NULL;
    for (const char *p = s; (p = memmem(p, pdf->size - (size_t)(p - s), pat, strlen(pat))) != NULL; p++) {
        last = p;
    }
    assert_non_null(last);
    last += strlen(pat);
    const char *e = memmem(last, pdf->size - (size_t)(last - s), "\nendobj", 7);
    assert_non_null(e);
    return strndup(last, (size_t)(e - last));
}

static inline int pdf_digits_after(const char *s)
{
    int v = 0;
    while (*s == ' ' || *s == '\n' || *s == '\r') {
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* The number of the object `key` refers to in `body` ("/V 12 0 R" -> 12). */
static inline int pdf_ref_of(const char *body, const char *key)
{
    const char *p = strstr(body, key);
    assert_non_null(p);
    return pdf_digits_after(p + strlen(key));
}

/* `body` with `text` inserted before the "]" that closes `key`'s array (or before the final ">>"). */
static inline char *pdf_with(const char *body, const char *key, const char *text)
{
    const char *at;
    if (key != NULL) {
        const char *k = strstr(body, key);
        assert_non_null(k);
        at = strchr(k, ']');
    } else {
        at = body + strlen(body) - 2;
        assert_memory_equal(at, ">>", 2);
    }
    assert_non_null(at);
    size_t n = strlen(body) + strlen(text) + 2;
    char *o = malloc(n);
    (void)snprintf(o, n, "%.*s %s%s", (int)(at - body), body, text, at);
    return o;
}

/* Appends an incremental update: objects nums[i] = bodies[i], then a table, a trailer and %%EOF. */
static inline void pdf_append(eseal_buf *pdf, const int *nums, const char *const *bodies, int n, const char *trailer)
{
    int prev = pdf_last_int(pdf, "startxref"), size = pdf_last_int(pdf, "/Size ");
    size_t off[16];
    for (int i = 0; i < n; i++) {
        off[i] = pdf->size;
        pdf_put(pdf, "%d 0 obj\n%s\nendobj\n", nums[i], bodies[i]);
        size = nums[i] + 1 > size ? nums[i] + 1 : size;
    }
    size_t x = pdf->size;
    pdf_put(pdf, "xref\n");
    for (int i = 0; i < n; i++) {
        pdf_put(pdf, "%d 1\n%010zu 00000 n \n", nums[i], off[i]);
    }
    pdf_put(pdf, "trailer\n<< /Size %d /Root 1 0 R /Prev %d %s>>\nstartxref\n%zu\n%%%%EOF\n", size, prev,
        trailer != NULL ? trailer : "", x);
}

/* A form XObject that paints the whole A4 page: what an overlay draws. */
static const char *const pdf_full_page_ap = "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length 17 >>\n"
                                            "stream\n0 0 595 842 re f\nendstream";

/* ---- attacks of the verifier's tests, shared (test_pdf_diff.c; test_pdf_template.c) ---- */

/* Class 1: annotations that pose as signature fields, and what the verifier says of each. `annot`
 * is a format: %d is the object after it (its appearance, pdf_full_page_ap). */
typedef struct {
    const char *annot;
    const char *why;
} pdf_disguise;
#define PDF_DISGUISED_N 4
static const pdf_disguise pdf_disguised[PDF_DISGUISED_N] = {
    {"<< /Type /Annot /Subtype /FreeText /FT /Sig /T (s2) /Rect [0 0 595 842] /DA (/Helv 40 Tf 0 g) "
     "/Contents (PAY 1,000,000 TO MALLORY) /A << /S /JavaScript /JS (app.alert(1)) >> >>",
     "a FreeText annotation posing as a signature field"},
    {"<< /Type /Annot /Subtype /Stamp /FT /Sig /T (s2) /Rect [0 0 595 842] /AP << /N %d 0 R >> >>",
     "a Stamp annotation posing as a signature field"},
    {"<< /Type /Annot /Subtype /Link /FT /Sig /T (s2) /Rect [0 0 595 842] /A << /S /URI /URI (http://evil) >> >>",
     "a Link annotation posing as a signature field"},
    /* A true widget, but with an action: a signature never needs one. */
    {"<< /Type /Annot /Subtype /Widget /FT /Sig /T (s2) /Rect [0 0 0 0] /A << /S /URI /URI (http://evil) >> >>",
     "a signature field with /A"},
};

/*
 * Class 3, content planted before signing: the page inherits its /Resources (object 6) from its
 * /Pages node, and object 6 is also a text field's appearance dictionary (field 5, page 3).
 */
static inline void pdf_planted_resources(eseal_buf *out)
{
    const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources 6 0 R /MediaBox [0 0 595 842] >>",
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Annots [5 0 R] >>",
        pdf_stream("", "q /X1 Do Q"),
        "<< /FT /Tx /T (name) /V (x) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] /P 3 0 R "
        "/AP << /N 6 0 R >> >>",
        "<< /XObject << /X1 7 0 R >> >>",
        pdf_stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", "0 g"),
    };
    pdf_make(out, objs, 7, "");
}

/* The attack on it: an update that switches /X1 of object 6 to a new full-page XObject (what the
 * page draws changes, passed off as the field's new appearance). */
static inline void pdf_switch_planted(eseal_buf *pdf)
{
    int next = pdf_last_int(pdf, "/Size ");
    char res[64];
    (void)snprintf(res, sizeof(res), "<< /XObject << /X1 %d 0 R >> >>", next);
    int nums[] = {6, next};
    const char *bodies[] = {res, pdf_full_page_ap};
    pdf_append(pdf, nums, bodies, 2, NULL);
}

static void issue(eseal_cert **out, eseal_key **key, es_cert_profile prof, const char *cn, eseal_key *ik,
                  eseal_cert *ic)
{
    int64_t now = eseal_time_now();
    test_issue(out, key, ESEAL_ALG_P256, prof, cn, ik, ic, now - 60000, now + 86400000LL * 30);
}

/* A seal by the fixture's maker that lists `listed` by value (list type 1) or by SM3 digest (2). */
static void make_seal(eseal_buf *out, const fixture *f, const eseal_cert *listed, int list_type)
{
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&der, listed), ESEAL_OK);
    uint8_t dg[64];
    size_t dlen = 0;
    eseal_bytes c = {der.ptr, der.size};
    if (list_type == 2) {
        assert_true(es_ok(es_digest(dg, &dlen, ESEAL_HASH_SM3, es_span_of(der.ptr, der.size))));
        c = (eseal_bytes){dg, dlen};
    }
    static const uint8_t pic[] = "\x89PNG-placeholder";
    int64_t now = eseal_time_now();
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.esid = "ES-PDF-TEST";
    in.type = ESEAL_SEAL_OFFICIAL;
    in.name = "Test seal";
    in.cert_list_type = list_type;
    in.digest_type = "SM3";
    in.cert_count = 1;
    in.certs = &c;
    in.create_ms = in.valid_start_ms = now - 1000;
    in.valid_end_ms = now + 86400000LL;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){pic, sizeof(pic) - 1};
    in.picture_width_mm = in.picture_height_mm = 40;
    assert_int_equal(eseal_ses_seal_make(out, &in, f->maker, f->maker_key), ESEAL_OK);
    eseal_buf_dispose(&der);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    issue(&f->root, &f->root_key, ES_PROFILE_ROOT_CA, "Root", NULL, NULL);
    issue(&f->cert, &f->key, ES_PROFILE_ORG, "Signer", f->root_key, f->root);
    issue(&f->maker, &f->maker_key, ES_PROFILE_SEAL_MAKER, "Maker", f->root_key, f->root);
    assert_int_equal(eseal_trust_new(&f->trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(f->trust, f->root), ESEAL_OK);
    es_buf crl = ES_BUF_INIT(1 << 20);
    int64_t now = eseal_time_now();
    assert_true(es_ok(es_crl_issue(&crl, f->root_key, f->root, NULL, 0, 1, now - 60000, now + 86400000LL)));
    assert_int_equal(eseal_trust_add_crl(f->trust, crl.ptr, crl.len), ESEAL_OK);
    es_buf_free(&crl);
    /* A seal, by its own maker certificate, that allows the signer. */
    make_seal(&f->seal, f, f->cert, 1);
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    assert_int_equal(eseal_imprint_template(&sp, "official", "测试有限公司", NULL), ESEAL_OK);
    assert_int_equal(eseal_imprint_path(&f->outline, &sp), ESEAL_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f == NULL) {
        return 0; /* setup failed before it had a fixture to give (its failure is the report) */
    }
    eseal_imprint_outline_free(f->outline);
    eseal_buf_dispose(&f->seal);
    eseal_trust_free(f->trust);
    eseal_cert_free(f->root);
    eseal_cert_free(f->cert);
    eseal_cert_free(f->maker);
    eseal_key_free(f->maker_key);
    eseal_key_free(f->root_key);
    eseal_key_free(f->key);
    free(f);
    return 0;
}

#endif
