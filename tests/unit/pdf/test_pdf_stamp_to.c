/* SPDX-License-Identifier: Apache-2.0 */
/*
 * es_pdf_stamp_to, file to file: the output is the input followed by the update, and the digests
 * it hands the audit entry are those of the bytes written — whether the input is copied after
 * qpdf read it (small files) or by a second thread meanwhile (large files, es_pdf_copy_threads).
 * A stamp that fails while the thread copies stops it and leaves nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "util/util.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* A one-page PDF with an unreferenced stream of `pad` bytes (qpdf never reads it), written to `path`. */
static void write_pdf(const char *path, size_t pad)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    long off[5];
    fprintf(f, "%%PDF-1.7\n");
    off[1] = ftell(f);
    fprintf(f, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = ftell(f);
    fprintf(f, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = ftell(f);
    fprintf(f, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n");
    off[4] = ftell(f);
    fprintf(f, "4 0 obj\n<< /Length %zu >>\nstream\n", pad);
    for (size_t i = 0; i < pad; i++) {
        (void)fputc('a' + (int)(i % 26), f);
    }
    fprintf(f, "\nendstream\nendobj\n");
    long x = ftell(f);
    fprintf(f, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 1; i <= 4; i++) {
        fprintf(f, "%010ld 00000 n \n", off[i]);
    }
    fprintf(f, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", x);
    assert_int_equal(fclose(f), 0);
}

static void read_all(const char *path, eseal_buf *out)
{
    *out = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(out, path, 1u << 30), ESEAL_OK);
}

/* Stamps `pad` bytes of padding into a file; checks the output and the digests; returns the threads used. */
static unsigned long stamp_checked(const fixture *f, size_t pad)
{
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    (void)close(fd);
    write_pdf(in, pad);
    (void)snprintf(outp, sizeof(outp), "%s.out.pdf", in);
    unsigned long threads = es_pdf_copy_threads;
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    es_doc_digests dg;
    es_atomic_file af;
    assert_true(es_ok(es_atomic_open(&af, outp, 0600)));
    assert_true(es_ok(es_pdf_stamp_to(&af, in, f->outline, es_span_of(f->seal.ptr, f->seal.size), f->key, f->cert, &o,
                                      0, &dg)));
    assert_true(es_ok(es_atomic_commit(&af)));
    es_atomic_abort(&af);
    threads = es_pdf_copy_threads - threads;
    eseal_buf a, b;
    read_all(in, &a);
    read_all(outp, &b);
    assert_true(b.size > a.size);
    assert_memory_equal(a.ptr, b.ptr, a.size); /* the input, unchanged, then the update */
    uint8_t h[64];
    size_t hn = 0;
    assert_true(es_ok(es_digest(h, &hn, ESEAL_HASH_SHA256, es_span_of(a.ptr, a.size))));
    assert_memory_equal(h, dg.before_sha256, 32);
    assert_true(es_ok(es_digest(h, &hn, ESEAL_HASH_SHA256, es_span_of(b.ptr, b.size))));
    assert_memory_equal(h, dg.after_sha256, 32);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_pdf_verify(&rep, b.ptr, b.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&a);
    eseal_buf_dispose(&b);
    (void)unlink(in);
    (void)unlink(outp);
    return threads;
}

static void test_small_inline(void **state)
{
    assert_int_equal(stamp_checked(*state, 1000), 0);
}

static void test_large_threaded(void **state)
{
    assert_int_equal(stamp_checked(*state, 9u << 20), 1);
}

/* The stamp fails (no page 9) while the thread copies: the error is the stamp's, the output never appears. */
static void test_large_failure_stops_the_copy(void **state)
{
    const fixture *f = *state;
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    (void)close(fd);
    write_pdf(in, 9u << 20);
    (void)snprintf(outp, sizeof(outp), "%s.out.pdf", in);
    unsigned long threads = es_pdf_copy_threads;
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = 9;
    es_doc_digests dg;
    es_atomic_file af;
    assert_true(es_ok(es_atomic_open(&af, outp, 0600)));
    es_result r = es_pdf_stamp_to(&af, in, f->outline, es_span_of(f->seal.ptr, f->seal.size), f->key, f->cert, &o, 0, &dg);
    assert_false(es_ok(r));
    assert_non_null(strstr(eseal_error_last()->message, "page"));
    es_atomic_abort(&af);
    assert_int_equal(es_pdf_copy_threads - threads, 1);
    assert_int_equal(access(outp, F_OK), -1);
    (void)unlink(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_inline),
        cmocka_unit_test(test_large_threaded),
        cmocka_unit_test(test_large_failure_stops_the_copy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
