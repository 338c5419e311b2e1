/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issue 18 (branch h-trust): document.parts without hashing the first revision again.
 *
 * A verification's SHA-256 of each revision (document.parts) used to be a pass of its own over the
 * revision's bytes; the first revision, a prefix of the file, is what the signatures' running
 * SHA-256 passes anyway (es_prefix_hasher, doc_hash.c). The verifier now marks where the revision
 * before each signature's own ends (es_prefix_hasher_mark) and document.parts takes revision 1's
 * digest from that mark (es_prefix_span_digest). Counted over the whole eseal_pdf_verify
 * (es_doc_hash_bytes: every byte through the prefix hashers and the SM3 worker, all threads):
 *
 * - a 1 MB document stamped once (2 revisions): SHA-256 goes over each byte of the file once, plus
 *   the signature's tail after its /Contents (its byte range's second part, hashed on a copy) and
 *   revision 2 (not a prefix: hashed on its own); SM3 over each byte once (its worker); revision
 *   1's digest came from the mark (es_prefix_marks_used);
 * - stamped twice (3 revisions): the same with both tails and revisions 2 and 3;
 * - every part's sha256 and the document's digests equal es_digest of their bytes, VALID.
 *
 * Issue 18 (branch h-bigverify): on a document of ES_PREFIX_AHEAD_MIN bytes or more the running
 * SHA-256 is taken ahead by a worker thread (es_prefix_hasher_ahead) that keeps its state where
 * each signature's first byte range ends; the counts above must hold there too (each byte once per
 * algorithm, plus the tails and the later revisions), with one worker per verification, and the
 * signatures' digests come from those snapshots. The worker on its own: snapshots at marks, a
 * prefix not marked (hashed on its own), a hasher freed while its worker runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

static void stamp(fixture *f, eseal_buf *out, const eseal_buf *in, int page)
{
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = page;
    int rc = eseal_pdf_stamp(out, in->ptr, in->size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o);
    if (rc != ESEAL_OK) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
}

/* The report's string at `path` is the hex `h` digest of `data`. */
static void digest_is(const eseal_report *r, const char *path, eseal_hash h, es_span data)
{
    uint8_t md[64];
    size_t n = 0;
    char hex[129];
    assert_true(es_ok(es_digest(md, &n, h, data)));
    es_hex_lower(hex, md, n);
    const char *got = eseal_report_string(r, path);
    assert_non_null(got);
    assert_string_equal(got, hex);
}

/* The second part's length of each /ByteRange of the file, in file order; how many. */
static size_t tails(const eseal_buf *pdf, long long out[4])
{
    size_t n = 0;
    const char *p = (const char *)pdf->ptr, *end = p + pdf->size;
    while (n < 4) {
        const char *q = memmem(p, (size_t)(end - p), "/ByteRange", 10);
        if (q == NULL) {
            break;
        }
        long long a, b, c, d;
        q += 10;
        while (q < end && (*q == ' ' || *q == '[')) {
            q++;
        }
        if (sscanf(q, "%lld %lld %lld %lld", &a, &b, &c, &d) == 4) {
            out[n++] = d;
        }
        p = q;
    }
    return n;
}

typedef struct {
    uint64_t sha, sm3, marks, ahead;
    int64_t later; /* the sizes of revisions 2.. */
    int64_t parts;
    eseal_verdict verdict;
} doc_cost;

static doc_cost verify_counted(fixture *f, const eseal_buf *pdf)
{
    doc_cost c = {0};
    uint64_t s0 = es_doc_hash_bytes(ESEAL_HASH_SHA256), m0 = es_doc_hash_bytes(ESEAL_HASH_SM3);
    uint64_t k0 = es_prefix_marks_used(), a0 = es_prefix_ahead_threads();
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    c.ahead = es_prefix_ahead_threads() - a0;
    c.sha = es_doc_hash_bytes(ESEAL_HASH_SHA256) - s0;
    c.sm3 = es_doc_hash_bytes(ESEAL_HASH_SM3) - m0;
    c.marks = es_prefix_marks_used() - k0;
    c.verdict = eseal_report_verdict(r);
    es_span all = es_span_of(pdf->ptr, pdf->size);
    digest_is(r, "document.sha256", ESEAL_HASH_SHA256, all);
    digest_is(r, "document.sm3", ESEAL_HASH_SM3, all);
    /* Each part's sha256 is its bytes' (the report unchanged). */
    for (int k = 0;; k++) {
        char path[64];
        int64_t off = 0, size = 0;
        (void)snprintf(path, sizeof(path), "document.parts.%d.offset", k);
        if (eseal_report_integer(r, path, &off) != ESEAL_OK) {
            break;
        }
        (void)snprintf(path, sizeof(path), "document.parts.%d.size", k);
        assert_int_equal(eseal_report_integer(r, path, &size), ESEAL_OK);
        assert_true(off >= 0 && size > 0 && (uint64_t)(off + size) <= pdf->size);
        (void)snprintf(path, sizeof(path), "document.parts.%d.sha256", k);
        digest_is(r, path, ESEAL_HASH_SHA256, es_span_of(pdf->ptr + off, (size_t)size));
        c.later += k > 0 ? size : 0;
        c.parts++;
    }
    eseal_error_clear();
    eseal_report_free(r);
    return c;
}

static void first_revision_hashed_once(void **state)
{
    fixture *f = *state;
    eseal_buf in = ESEAL_BUF_INIT, s1 = ESEAL_BUF_INIT, s2 = ESEAL_BUF_INIT;
    (void)pdf_blank_doc(&in, 11000, 10);
    stamp(f, &s1, &in, 1);
    stamp(f, &s2, &s1, 2);
    assert_true(s1.size >= (size_t)1 << 20);
    print_message("1 MB document: %zu bytes; stamped twice: %zu bytes\n", s1.size, s2.size);
    long long t[4];

    /* Stamped once: 2 revisions. */
    assert_int_equal(tails(&s1, t), 1);
    doc_cost c = verify_counted(f, &s1);
    assert_int_equal(c.verdict, ESEAL_VALID);
    assert_int_equal(c.parts, 2);
    assert_int_equal(c.marks, 1);
    assert_int_equal(c.ahead, 0); /* under ES_PREFIX_AHEAD_MIN: no worker */
    assert_int_equal(c.sm3, s1.size);
    assert_int_equal(c.sha, s1.size + (uint64_t)c.later + (uint64_t)t[0]);
    print_message("stamped once: SHA-256 %llu bytes = file %zu + revision 2 %lld + tail %lld; SM3 %llu\n",
                  (unsigned long long)c.sha, s1.size, (long long)c.later, t[0], (unsigned long long)c.sm3);

    /* Stamped twice: 3 revisions, the first signature's revision judged. */
    assert_int_equal(tails(&s2, t), 2);
    c = verify_counted(f, &s2);
    assert_int_equal(c.verdict, ESEAL_VALID);
    assert_int_equal(c.parts, 3);
    assert_int_equal(c.marks, 1);
    assert_int_equal(c.sm3, s2.size);
    assert_int_equal(c.sha, s2.size + (uint64_t)c.later + (uint64_t)t[0] + (uint64_t)t[1]);
    print_message("stamped twice: SHA-256 %llu bytes = file %zu + revisions 2-3 %lld + tails %lld + %lld\n",
                  (unsigned long long)c.sha, s2.size, (long long)c.later, t[0], t[1]);
    free(in.ptr);
    free(s1.ptr);
    free(s2.ptr);
}

/* The marks on their own (doc_hash.c): a mark passed by a signature's prefix, one passed by
 * es_prefix_digest_all, one asked for too late, and a span that is not a prefix. */
static void marks_give_the_prefix_digest(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++) {
        d[i] = (uint8_t)(i * 2654435761u >> 13);
    }
    es_span doc = es_span_of(d, n);
    es_prefix_hasher p;
    es_prefix_hasher_init(&p, doc);
    assert_true(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 1000));
    assert_true(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 1000)); /* kept once */
    assert_true(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 200000));
    assert_false(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 0));
    assert_false(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, n + 1));
    uint8_t md[64], want[64], all[64];
    size_t ml = 0, wl = 0, al = 0;
    es_span sig[2] = {es_span_of(d, 5000), es_span_of(d + 5100, n - 5100)};
    assert_true(es_ok(es_prefix_digest(&p, md, &ml, ESEAL_HASH_SHA256, sig, 2)));
    assert_true(es_ok(es_digest_spans(want, &wl, ESEAL_HASH_SHA256, sig, 2)));
    assert_memory_equal(md, want, wl);
    assert_false(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 4000)); /* passed already */
    assert_true(es_ok(es_prefix_digest_all(&p, all, &al, ESEAL_HASH_SHA256)));
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, doc)));
    assert_memory_equal(all, want, wl);
    uint64_t before = p.bytes, used = es_prefix_marks_used();
    static const size_t at[2] = {1000, 200000};
    for (int i = 0; i < 2; i++) {
        assert_true(es_ok(es_prefix_span_digest(&p, md, &ml, ESEAL_HASH_SHA256, es_span_of(d, at[i]))));
        assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, es_span_of(d, at[i]))));
        assert_memory_equal(md, want, wl);
    }
    assert_int_equal(p.bytes, before); /* both from the marks */
    assert_int_equal(es_prefix_marks_used() - used, 2);
    /* Not a prefix, or a prefix with no mark behind the running digest: hashed on their own. */
    assert_true(es_ok(es_prefix_span_digest(&p, md, &ml, ESEAL_HASH_SHA256, es_span_of(d + 10, 500))));
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, es_span_of(d + 10, 500))));
    assert_memory_equal(md, want, wl);
    assert_true(es_ok(es_prefix_span_digest(&p, md, &ml, ESEAL_HASH_SHA256, es_span_of(d, 3000))));
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, es_span_of(d, 3000))));
    assert_memory_equal(md, want, wl);
    assert_int_equal(p.bytes - before, 3500);
    es_prefix_hasher_free(&p);
    /* No running digest yet: es_prefix_digest_all runs one through a pending mark. */
    es_prefix_hasher_init(&p, doc);
    assert_true(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 7777));
    assert_true(es_ok(es_prefix_digest_all(&p, all, &al, ESEAL_HASH_SHA256)));
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, doc)));
    assert_memory_equal(all, want, wl);
    assert_int_equal(p.bytes, n);
    assert_true(es_ok(es_prefix_span_digest(&p, md, &ml, ESEAL_HASH_SHA256, es_span_of(d, 7777))));
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, es_span_of(d, 7777))));
    assert_memory_equal(md, want, wl);
    assert_int_equal(p.bytes, n);
    es_prefix_hasher_free(&p);
    free(d);
}

/* Two pages sharing one content stream of `pad` bytes, written in one buffer (pdf_blank_doc's
 * appends are a realloc each: quadratic under ASan, whose realloc always copies). */
static void big_doc(eseal_buf *b, size_t pad)
{
    b->ptr = malloc(pad + 4096);
    assert_non_null(b->ptr);
    char *p = (char *)b->ptr;
    long off[6] = {0};
    size_t n = (size_t)sprintf(p, "%%PDF-1.7\n");
    off[1] = (long)n;
    n += (size_t)sprintf(p + n, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = (long)n;
    n += (size_t)sprintf(p + n, "2 0 obj\n<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>\nendobj\n");
    off[3] = (long)n;
    n += (size_t)sprintf(p + n, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\n"
                                "endobj\n");
    off[4] = (long)n;
    n += (size_t)sprintf(p + n, "4 0 obj\n<< /Length %zu >>\nstream\n", pad);
    for (size_t i = 0; i < pad; i++) {
        p[n + i] = i % 4 == 3 ? '\n' : "q Q"[i % 4];
    }
    n += pad;
    n += (size_t)sprintf(p + n, "\nendstream\nendobj\n");
    off[5] = (long)n;
    n += (size_t)sprintf(p + n, "5 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\n"
                                "endobj\n");
    long x = (long)n;
    n += (size_t)sprintf(p + n, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 1; i <= 5; i++) {
        n += (size_t)sprintf(p + n, "%010ld 00000 n \n", off[i]);
    }
    n += (size_t)sprintf(p + n, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", x);
    b->size = n;
}

/* A document of more than ES_PREFIX_AHEAD_MIN bytes: the SHA-256 worker runs, the counts hold. */
static void large_document_hashed_ahead_once(void **state)
{
    fixture *f = *state;
    eseal_buf in = ESEAL_BUF_INIT, s1 = ESEAL_BUF_INIT, s2 = ESEAL_BUF_INIT;
    big_doc(&in, ES_PREFIX_AHEAD_MIN + 300000);
    assert_true(in.size > ES_PREFIX_AHEAD_MIN);
    stamp(f, &s1, &in, 1);
    stamp(f, &s2, &s1, 2);
    long long t[4];

    assert_int_equal(tails(&s1, t), 1);
    doc_cost c = verify_counted(f, &s1);
    assert_int_equal(c.verdict, ESEAL_VALID);
    assert_int_equal(c.ahead, 1);
    assert_int_equal(c.parts, 2);
    /* Revision 1 from its mark, the signature from the snapshot at its /Contents. */
    assert_int_equal(c.marks, 2);
    assert_int_equal(c.sm3, s1.size);
    assert_int_equal(c.sha, s1.size + (uint64_t)c.later + (uint64_t)t[0]);
    print_message("%zu bytes stamped once, worker: SHA-256 %llu bytes = file + revision 2 %lld + tail %lld\n",
                  s1.size, (unsigned long long)c.sha, (long long)c.later, t[0]);

    assert_int_equal(tails(&s2, t), 2);
    c = verify_counted(f, &s2);
    assert_int_equal(c.verdict, ESEAL_VALID);
    assert_int_equal(c.ahead, 1);
    assert_int_equal(c.parts, 3);
    assert_int_equal(c.marks, 3);
    assert_int_equal(c.sm3, s2.size);
    assert_int_equal(c.sha, s2.size + (uint64_t)c.later + (uint64_t)t[0] + (uint64_t)t[1]);
    free(in.ptr);
    free(s1.ptr);
    free(s2.ptr);
}

static void digest_equal(const uint8_t *md, size_t ml, eseal_hash h, const es_span *parts, size_t n)
{
    uint8_t want[64];
    size_t wl = 0;
    assert_true(es_ok(es_digest_spans(want, &wl, h, parts, n)));
    assert_int_equal(ml, wl);
    assert_memory_equal(md, want, wl);
}

/* The worker on its own (doc_hash.c, es_prefix_hasher_ahead). */
static void worker_snapshots_at_marks(void **state)
{
    (void)state;
    size_t n = 9000000;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++) {
        d[i] = (uint8_t)(i * 2654435761u >> 13);
    }
    es_span doc = es_span_of(d, n);
    for (int h = 0; h < 2; h++) {
        eseal_hash hash = h == 0 ? ESEAL_HASH_SHA256 : ESEAL_HASH_SM3;
        es_prefix_hasher p;
        es_prefix_hasher_init(&p, doc);
        /* Under its minimum, nothing starts. */
        assert_false(es_prefix_hasher_ahead(&p, hash, n + 1));
        static const size_t at[3] = {7000000, 1000, 4194304 + 17}; /* out of order, one on a chunk's edge */
        for (int i = 0; i < 3; i++) {
            assert_true(es_prefix_hasher_mark(&p, hash, at[i]));
        }
        uint64_t a0 = es_prefix_ahead_threads(), used = es_prefix_marks_used();
        assert_true(es_prefix_hasher_ahead(&p, hash, 0));
        assert_false(es_prefix_hasher_ahead(&p, hash, 0)); /* one worker */
        assert_int_equal(es_prefix_ahead_threads() - a0, 1);
        uint8_t md[64];
        size_t ml = 0;
        /* Signatures: a marked prefix and a tail, in any order. */
        for (int i = 0; i < 3; i++) {
            es_span sig[2] = {es_span_of(d, at[i]), es_span_of(d + at[i] + 100, n - at[i] - 100)};
            assert_true(es_ok(es_prefix_digest(&p, md, &ml, hash, sig, 2)));
            digest_equal(md, ml, hash, sig, 2);
        }
        assert_int_equal(es_prefix_marks_used() - used, 3);
        /* The file once plus the three tails. */
        assert_int_equal(p.bytes, n + (n - at[0] - 100) + (n - at[1] - 100) + (n - at[2] - 100));
        uint64_t before = p.bytes;
        /* Marked prefixes and the whole document cost nothing more. */
        for (int i = 0; i < 3; i++) {
            es_span part = es_span_of(d, at[i]);
            assert_true(es_ok(es_prefix_span_digest(&p, md, &ml, hash, part)));
            digest_equal(md, ml, hash, &part, 1);
        }
        assert_true(es_ok(es_prefix_digest_all(&p, md, &ml, hash)));
        digest_equal(md, ml, hash, &doc, 1);
        assert_int_equal(p.bytes, before);
        /* A prefix that was not marked: hashed on its own, the same digest. */
        es_span other = es_span_of(d, 5000);
        assert_true(es_ok(es_prefix_span_digest(&p, md, &ml, hash, other)));
        digest_equal(md, ml, hash, &other, 1);
        assert_int_equal(p.bytes - before, 5000);
        /* A mark asked for after the worker passed it is refused. */
        assert_false(es_prefix_hasher_mark(&p, hash, 3000));
        es_prefix_hasher_free(&p);
    }
    /* Freed while the worker runs: it stops (ASan and the thread sanitizer see no leak or race). */
    es_prefix_hasher p;
    es_prefix_hasher_init(&p, doc);
    assert_true(es_prefix_hasher_mark(&p, ESEAL_HASH_SHA256, 8000000));
    assert_true(es_prefix_hasher_ahead(&p, ESEAL_HASH_SHA256, 0));
    es_prefix_hasher_free(&p);
    /* The other hash of a hasher with a worker is not the worker's: hashed in the caller's thread. */
    es_prefix_hasher_init(&p, doc);
    assert_true(es_prefix_hasher_ahead(&p, ESEAL_HASH_SHA256, 0));
    es_span sig[2] = {es_span_of(d, 6000000), es_span_of(d + 6000100, 50)};
    uint8_t md[64];
    size_t ml = 0;
    assert_true(es_ok(es_prefix_digest(&p, md, &ml, ESEAL_HASH_SM3, sig, 2)));
    digest_equal(md, ml, ESEAL_HASH_SM3, sig, 2);
    /* An unmarked signature prefix of the worker's hash: on its own (the worker is past it). */
    assert_true(es_ok(es_prefix_digest(&p, md, &ml, ESEAL_HASH_SHA256, sig, 2)));
    digest_equal(md, ml, ESEAL_HASH_SHA256, sig, 2);
    es_prefix_hasher_free(&p);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marks_give_the_prefix_digest),
        cmocka_unit_test_setup_teardown(first_revision_hashed_once, setup, teardown),
        cmocka_unit_test(worker_snapshots_at_marks),
        cmocka_unit_test_setup_teardown(large_document_hashed_ahead_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
