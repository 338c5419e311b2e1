/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The appearance of a stamp is deflated once per thread for as long as it is the same (pdf_stamp.c,
 * deflate_appearance): a batch stamps every document with one imprint. The memo changes no byte:
 * the compressed appearance of a later stamp is byte-equal to the first one's, and another thread
 * compresses its own. With a serial under the imprint (each stamp its own), the imprint part is
 * deflated once and each stamp deflates only its serial: every stream inflates (zlib checks its
 * Adler-32) to exactly the imprint followed by that stamp's serial.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

static const char one_page[] = "%PDF-1.7\n"
                               "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                               "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
                               "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n";

static void make_pdf(eseal_buf *out)
{
    *out = (eseal_buf)ESEAL_BUF_INIT;
    pdf_put(out, "%s", one_page);
    size_t x = out->size;
    const char *p = (const char *)out->ptr;
    size_t o1 = (size_t)(strstr(p, "1 0 obj") - p), o2 = (size_t)(strstr(p, "2 0 obj") - p),
           o3 = (size_t)(strstr(p, "3 0 obj") - p);
    pdf_put(out, "xref\n0 4\n0000000000 65535 f \n%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n", o1, o2, o3);
    pdf_put(out, "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", x);
}

/* The stream z inflated (zlib format, its Adler-32 checked) into out; fails the test if it is not one. */
static void inflated(es_span z, eseal_buf *out)
{
    uLongf n = 1u << 20;
    *out = (eseal_buf)ESEAL_BUF_INIT;
    out->ptr = malloc(n);
    assert_non_null(out->ptr);
    assert_int_equal(uncompress(out->ptr, &n, z.ptr, (uLong)z.len), Z_OK);
    out->size = n;
}

/* The bytes of the first /FlateDecode stream of the update (after `base` bytes), or an empty span. */
static es_span flate_of(const eseal_buf *pdf, size_t base)
{
    static const char mark[] = "/Filter /FlateDecode /Length ";
    const char *p = (const char *)pdf->ptr + base, *end = (const char *)pdf->ptr + pdf->size;
    const char *m = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1);
    if (m == NULL) {
        return es_span_of(NULL, 0);
    }
    size_t n = strtoul(m + sizeof(mark) - 1, NULL, 10);
    const char *s = memmem(m, (size_t)(end - m), ">>\nstream\n", 10);
    assert_non_null(s);
    return es_span_of(s + 10, n);
}

static void stamp(const fixture *f, const eseal_buf *in, eseal_buf *out, const char *serial)
{
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.serial = serial;
    *out = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_pdf_stamp(out, in->ptr, in->size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
}

typedef struct {
    const fixture *f;
    const eseal_buf *in;
    eseal_buf out;
    unsigned long deflated;
} job;

static void *other_thread(void *arg)
{
    job *j = arg;
    unsigned long before = es_pdf_deflations;
    stamp(j->f, j->in, &j->out, NULL);
    j->deflated = es_pdf_deflations - before;
    return NULL;
}

static void test_deflated_once(void **state)
{
    const fixture *f = *state;
    eseal_buf in, a, b, c;
    make_pdf(&in);
    unsigned long d0 = es_pdf_deflations;
    stamp(f, &in, &a, NULL);
    unsigned long first = es_pdf_deflations - d0;
    assert_true(first >= 1); /* the imprint's appearance is deflated */
    es_span za = flate_of(&a, in.size);
    assert_non_null(za.ptr);
    stamp(f, &in, &b, NULL);
    assert_int_equal(es_pdf_deflations - d0, first); /* the second stamp: from the memo */
    es_span zb = flate_of(&b, in.size);
    assert_true(es_span_eq(za, zb));
    /* A serial printed under the imprint: the imprint part is deflated once more (as the start of a
     * stream), then each serial alone; each stream inflates to the imprint and its own serial. */
    stamp(f, &in, &c, "2026-0001");
    unsigned long with_serial = es_pdf_deflations - d0;
    assert_int_equal(with_serial, first + 1);
    assert_false(es_span_eq(flate_of(&c, in.size), za));
    eseal_buf d;
    stamp(f, &in, &d, "2026-0002");
    assert_int_equal(es_pdf_deflations - d0, with_serial); /* the imprint from the memo */
    eseal_buf ia, ic, id;
    inflated(za, &ia);
    inflated(flate_of(&c, in.size), &ic);
    inflated(flate_of(&d, in.size), &id);
    static const char tail_c[] = "(2026-0001) Tj ET\n", tail_d[] = "(2026-0002) Tj ET\n";
    /* Both: the same imprint (placed above the serial line, so not the bytes of `a`) and then
     * their own serial. */
    assert_true(id.size == ic.size && ic.size > ia.size);
    const uint8_t *bt = memmem(ic.ptr, ic.size, "BT /Helv", 8);
    assert_non_null(bt);
    size_t imprint = (size_t)(bt - ic.ptr);
    assert_true(imprint > ia.size / 2);
    assert_memory_equal(ic.ptr, id.ptr, imprint);
    assert_memory_equal(ic.ptr + ic.size - (sizeof(tail_c) - 1), tail_c, sizeof(tail_c) - 1);
    assert_memory_equal(id.ptr + id.size - (sizeof(tail_d) - 1), tail_d, sizeof(tail_d) - 1);
    assert_memory_equal(ic.ptr + imprint, id.ptr + imprint, ic.size - imprint - (sizeof(tail_c) - 1));
    free(ia.ptr);
    free(ic.ptr);
    free(id.ptr);
    /* Another thread keeps its own memo: it deflates, and gets the same bytes. */
    job j = {f, &in, ESEAL_BUF_INIT, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, &j), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(j.deflated >= 1);
    assert_true(es_span_eq(flate_of(&j.out, in.size), za));
    /* Each output verifies. */
    const eseal_buf *outs[] = {&a, &b, &c, &d, &j.out};
    for (size_t i = 0; i < 5; i++) {
        eseal_report *rep = NULL;
        assert_int_equal(eseal_pdf_verify(&rep, outs[i]->ptr, outs[i]->size, f->trust, NULL), ESEAL_OK);
        assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
        eseal_report_free(rep);
    }
    free(in.ptr);
    eseal_buf_dispose(&a);
    eseal_buf_dispose(&b);
    eseal_buf_dispose(&c);
    eseal_buf_dispose(&d);
    eseal_buf_dispose(&j.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deflated_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
