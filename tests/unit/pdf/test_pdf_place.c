/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Zero means default in eseal_pdf_stamp_options (version 2, issue #16): 0 in x_mm or y_mm is the
 * default place on that axis (20 mm from the right and bottom edges, as -1 was), unless xy_exact;
 * version-1 options, which have no xy_exact, keep 0 as the page's edge. And a seal made from an
 * eseal_seal_info whose cert_list_type is 0 lists certificates (type 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* A one-page A4 PDF (595 x 842 pt). */
static const char tiny[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                           "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
                           "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
                           "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
                           "0000000115 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n";

/* Stamps the tiny PDF with `o`; the widget's "/Rect [...]" into rect. */
static void rect_of(fixture *f, const eseal_pdf_stamp_options *o, char *rect, size_t n)
{
    eseal_buf out = ESEAL_BUF_INIT;
    assert_int_equal(eseal_pdf_stamp(&out, tiny, sizeof(tiny) - 1, f->outline, f->seal.ptr, f->seal.size, f->key,
                                     f->cert, o),
                     ESEAL_OK);
    const char *p = NULL;
    for (size_t i = 0; i + 7 <= out.size; i++) {
        if (memcmp(out.ptr + i, "/Rect [", 7) == 0) {
            p = (const char *)out.ptr + i;
        }
    }
    assert_non_null(p);
    const char *e = memchr(p, ']', out.size - (size_t)(p - (const char *)out.ptr));
    assert_non_null(e);
    assert_true((size_t)(e - p) < n);
    memcpy(rect, p, (size_t)(e - p));
    rect[e - p] = 0;
    eseal_buf_dispose(&out);
}

static void zero_place_is_default(void **state)
{
    fixture *f = *state;
    char zero[96], old[96], y_zero[96], y_old[96], v1[96], exact[96];
    eseal_pdf_stamp_options o;
    assert_int_equal(eseal_pdf_stamp_options_init(&o, ESEAL_PDF_STAMP_OPTIONS_VERSION), ESEAL_OK);
    rect_of(f, &o, zero, sizeof(zero));
    o.page = -1; /* what the old positional INIT said */
    o.x_mm = -1;
    o.y_mm = -1;
    rect_of(f, &o, old, sizeof(old));
    assert_string_equal(zero, old);
    assert_int_equal(eseal_pdf_stamp_options_init(&o, ESEAL_PDF_STAMP_OPTIONS_VERSION), ESEAL_OK);
    o.x_mm = 30; /* one axis set: the other keeps its default */
    rect_of(f, &o, y_zero, sizeof(y_zero));
    o.y_mm = -1;
    rect_of(f, &o, y_old, sizeof(y_old));
    assert_string_equal(y_zero, y_old);
    assert_string_not_equal(y_zero, zero);
    assert_int_equal(eseal_pdf_stamp_options_init(&o, ESEAL_PDF_STAMP_OPTIONS_VERSION), ESEAL_OK);
    o.version = 1; /* no xy_exact: 0,0 is the top-left corner */
    rect_of(f, &o, v1, sizeof(v1));
    assert_int_equal(eseal_pdf_stamp_options_init(&o, ESEAL_PDF_STAMP_OPTIONS_VERSION), ESEAL_OK);
    o.xy_exact = 1;
    rect_of(f, &o, exact, sizeof(exact));
    assert_string_equal(v1, exact);
    assert_string_not_equal(v1, zero);
    assert_non_null(strstr(exact, "/Rect [0.000 ")); /* the left edge */
}

static void seal_list_type_zero_is_certificates(void **state)
{
    fixture *f = *state;
    eseal_buf der = ESEAL_BUF_INIT;
    make_seal(&der, f, f->cert, 0);
    eseal_ses_seal *s = NULL;
    assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, der.size), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_info(s)->cert_list_type, 1);
    eseal_buf cd = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&cd, f->cert), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_allows_cert(s, cd.ptr, cd.size), 1);
    eseal_buf_dispose(&cd);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_place_is_default),
        cmocka_unit_test(seal_list_type_zero_is_certificates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
