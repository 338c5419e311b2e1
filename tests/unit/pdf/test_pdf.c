/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdf: the library API without an instance — stamping in memory and file to
 * file give documents that verify, keep the original as a prefix, and fail
 * when a byte changes; refusals carry the right codes.
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
#include "pdf/pdf.h"
#include "eseal/eseal.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* A one-page PDF with a classic cross-reference table, offsets computed here. */
static void tiny_pdf(eseal_buf *out)
{
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 700 Td (unit test) Tj ET 0 0\nendstream",
    };
    static char buf[4096];
    size_t off[4], n = 0;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%%PDF-1.7\n");
    for (int i = 0; i < 4; i++) {
        off[i] = n;
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t x = n;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 0; i < 4; i++) {
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%010zu 00000 n \n", off[i]);
    }
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", x);
    out->ptr = malloc(n);
    memcpy(out->ptr, buf, n);
    out->size = n;
}

static eseal_verdict verdict(fixture *f, const eseal_buf *pdf, const char *reason)
{
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, pdf->ptr, pdf->size, f->trust, NULL), ESEAL_OK);
    eseal_verdict v = eseal_report_verdict(r);
    if (v != ESEAL_VALID && getenv("ESEAL_TEST_VERBOSE") != NULL) {
        eseal_buf t = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&t, r, 0);
        fprintf(stderr, "%s\n", (const char *)t.ptr);
        eseal_buf_dispose(&t);
    }
    if (reason != NULL) {
        assert_true(eseal_report_has_reason(r, reason));
    }
    eseal_report_free(r);
    return v;
}

static void stamp_in_memory(void **state)
{
    fixture *f = *state;
    eseal_buf in = ESEAL_BUF_INIT, out = ESEAL_BUF_INIT;
    tiny_pdf(&in);
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.serial = "ST-UNIT-1";
    o.page = 1;
    o.x_mm = 20;
    o.y_mm = 20;
    assert_int_equal(eseal_pdf_stamp(&out, in.ptr, in.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
    assert_true(out.size > in.size);
    assert_memory_equal(out.ptr, in.ptr, in.size);
    assert_int_equal(verdict(f, &out, NULL), ESEAL_VALID);
    /* One byte of the original changed: the digest no longer matches. */
    out.ptr[in.size / 2] ^= 1;
    assert_int_not_equal(verdict(f, &out, NULL), ESEAL_VALID);
    eseal_buf_dispose(&out);
    /* Refusals. */
    o.page = 2;
    assert_int_equal(eseal_pdf_stamp(&out, in.ptr, in.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_EINVAL);
    o.page = 1;
    o.x_mm = 590;
    assert_int_equal(eseal_pdf_stamp(&out, in.ptr, in.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "does not fit"));
    assert_int_equal(eseal_pdf_stamp(&out, "%PDF-1.4 nothing", 16, f->outline, f->seal.ptr, f->seal.size, f->key,
                                     f->cert, NULL),
                     ESEAL_EMALFORMED);
    eseal_buf_dispose(&in);
}

/* The signer must be one the seal lists, by value or by digest; anyone else is refused. */
static void seal_binding_by_value_and_by_digest(void **state)
{
    fixture *f = *state;
    static const struct {
        int by_signer, list_type;
        const char *reason;
    } cases[] = {{1, 1, NULL}, {1, 2, NULL}, {0, 1, "SEAL_NOT_ALLOWED"}, {0, 2, "SEAL_NOT_ALLOWED"}};
    eseal_buf in = ESEAL_BUF_INIT;
    tiny_pdf(&in);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eseal_buf seal = ESEAL_BUF_INIT, out = ESEAL_BUF_INIT;
        make_seal(&seal, f, cases[i].by_signer ? f->cert : f->maker, cases[i].list_type);
        assert_int_equal(
            eseal_pdf_stamp(&out, in.ptr, in.size, f->outline, seal.ptr, seal.size, f->key, f->cert, NULL), ESEAL_OK);
        eseal_report *r = NULL;
        assert_int_equal(eseal_pdf_verify(&r, out.ptr, out.size, f->trust, NULL), ESEAL_OK);
        assert_false(eseal_report_has_reason(r, "SEAL_BINDING_UNCHECKED"));
        if (cases[i].reason == NULL) {
            assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
            assert_int_equal(eseal_report_check(eseal_report_child(r, 0), "seal_binding"), ESEAL_CHECK_PASSED);
        } else {
            assert_int_equal(eseal_report_verdict(r), ESEAL_INVALID);
            assert_true(eseal_report_has_reason(r, cases[i].reason));
        }
        eseal_report_free(r);
        eseal_buf_dispose(&seal);
        eseal_buf_dispose(&out);
    }
    eseal_buf_dispose(&in);
}

/* The typed report of a stamp, then of a second stamp over it (docs/verify-report.schema.json). */
static void report_is_typed(void **state)
{
    fixture *f = *state;
    eseal_buf in = ESEAL_BUF_INIT, one = ESEAL_BUF_INIT, two = ESEAL_BUF_INIT;
    tiny_pdf(&in);
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = 1;
    o.x_mm = 20;
    o.y_mm = 20;
    assert_int_equal(eseal_pdf_stamp(&one, in.ptr, in.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
    o.x_mm = 100;
    assert_int_equal(
        eseal_pdf_stamp(&two, one.ptr, one.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o), ESEAL_OK);
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, two.ptr, two.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
    assert_string_equal(eseal_report_string(r, "format"), "pdf");
    int64_t v = 0;
    assert_int_equal(eseal_report_integer(r, "document.size", &v), ESEAL_OK);
    assert_int_equal(v, two.size);
    assert_int_equal(eseal_report_integer(r, "document.archive_timestamps", &v), ESEAL_OK);
    assert_int_equal(v, 0);
    /* Three revisions, back to back: the original, each stamp's update. */
    const eseal_value *parts = eseal_report_find(r, "document.parts");
    assert_int_equal(eseal_value_count(parts), 3);
    assert_int_equal(eseal_value_integer(eseal_value_find(eseal_value_item(parts, 0), "size")), in.size);
    assert_int_equal(eseal_value_integer(eseal_value_find(eseal_value_item(parts, 1), "offset")), in.size);
    assert_int_equal(eseal_value_integer(eseal_value_find(eseal_value_item(parts, 2), "offset")), one.size);
    assert_int_equal(eseal_value_integer(eseal_value_find(eseal_value_item(parts, 2), "size")), two.size - one.size);
    assert_null(eseal_report_find(r, "document.ambiguities"));
    assert_int_equal(eseal_report_child_count(r), 2);
    for (size_t i = 0; i < 2; i++) {
        const eseal_report *c = eseal_report_child(r, i);
        assert_string_equal(eseal_report_string(c, "signature.type"), "seal_stamp");
        assert_string_equal(eseal_report_string(c, "signature.format"), "ETSI.CAdES.detached");
        assert_string_equal(eseal_report_string(c, "signature.level"), "B-B");
        assert_non_null(eseal_report_string(c, "signature.id"));
        assert_int_equal(eseal_report_integer(c, "signature.appearance.page", &v), ESEAL_OK);
        assert_int_equal(v, 1);
        const eseal_value *rect = eseal_report_find(c, "signature.appearance.rect");
        assert_int_equal(eseal_value_count(rect), 4);
        assert_int_equal(eseal_value_type_of(eseal_value_item(rect, 0)), ESEAL_VALUE_NUMBER);
        assert_true(eseal_value_number(eseal_value_item(rect, 2)) > eseal_value_number(eseal_value_item(rect, 0)));
        /* No signature timestamp: the time is the /M the signer claims. */
        assert_string_equal(eseal_report_string(c, "time.source"), "claimed");
        assert_int_equal(eseal_report_time(c, "time.value", &v), ESEAL_OK);
        assert_int_equal(eseal_report_check(c, "format"), ESEAL_CHECK_PASSED);
        assert_int_equal(eseal_report_check(c, "modifications"), ESEAL_CHECK_PASSED);
        /* Two byte ranges around /Contents, the first from 0; the signed revision ends each range. */
        const eseal_value *br = eseal_report_find(c, "coverage.byte_ranges");
        assert_int_equal(eseal_value_count(br), 2);
        assert_int_equal(eseal_value_integer(eseal_value_find(eseal_value_item(br, 0), "offset")), 0);
        int64_t end = eseal_value_integer(eseal_value_find(eseal_value_item(br, 1), "offset")) +
                      eseal_value_integer(eseal_value_find(eseal_value_item(br, 1), "length"));
        assert_int_equal(end, i == 0 ? one.size : two.size);
        assert_int_equal(eseal_report_integer(c, "coverage.revision", &v), ESEAL_OK);
        assert_int_equal(v, i + 2);
        int whole = -1;
        assert_int_equal(eseal_report_boolean(c, "coverage.whole_document", &whole), ESEAL_OK);
        assert_int_equal(whole, i == 1);
    }
    /* After the first stamp: one change, the second stamp's signature, named by its object. */
    const eseal_value *ch = eseal_report_find(eseal_report_child(r, 0), "coverage.changes");
    assert_int_equal(eseal_value_count(ch), 1);
    assert_string_equal(eseal_value_string(eseal_value_find(eseal_value_item(ch, 0), "type")), "signature");
    const char *obj = eseal_value_string(eseal_value_find(eseal_value_item(ch, 0), "object"));
    assert_non_null(obj);
    assert_non_null(strstr(obj, " 0 R"));
    assert_int_equal(eseal_value_count(eseal_report_find(eseal_report_child(r, 1), "coverage.changes")), 0);
    eseal_report_free(r);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&one);
    eseal_buf_dispose(&two);
}

static void stamp_file_to_file(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/eseal-pdf-XXXXXX", inp[128], outp[128];
    assert_non_null(mkdtemp(dir));
    (void)snprintf(inp, sizeof(inp), "%s/in.pdf", dir);
    (void)snprintf(outp, sizeof(outp), "%s/out.pdf", dir);
    eseal_buf in = ESEAL_BUF_INIT, out = ESEAL_BUF_INIT;
    tiny_pdf(&in);
    assert_int_equal(eseal_file_write(inp, in.ptr, in.size, 0600), ESEAL_OK);
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.certify = 2;
    assert_int_equal(eseal_pdf_stamp_file(inp, outp, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
    assert_int_equal(eseal_file_read(&out, outp, 1 << 24), ESEAL_OK);
    assert_memory_equal(out.ptr, in.ptr, in.size);
    assert_int_equal(verdict(f, &out, NULL), ESEAL_VALID);
    eseal_buf_dispose(&out);
    /* A stamp in place (output = input) works too; the first certification stays valid. */
    o.certify = 0;
    assert_int_equal(eseal_pdf_stamp_file(outp, outp, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
    assert_int_equal(eseal_file_read(&out, outp, 1 << 24), ESEAL_OK);
    assert_int_equal(verdict(f, &out, NULL), ESEAL_VALID);
    eseal_buf_dispose(&out);
    /* A missing input: not found, and nothing is left behind. */
    char missing[160];
    (void)snprintf(missing, sizeof(missing), "%s/missing.pdf", dir);
    assert_int_equal(eseal_pdf_stamp_file(missing, outp, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, NULL),
                     ESEAL_ENOTFOUND);
    char cmd[256];
    (void)snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 2 && rm -rf '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    eseal_buf_dispose(&in);
}

/* es_pdf_sign_invisible (the signed PDF report): a plain PAdES signature, no seal and no imprint, that
 * eseal verifies as such and that a changed byte breaks; a stamp still needs its imprint and seal. */
static void sign_invisible(void **state)
{
    fixture *f = *state;
    eseal_buf in = ESEAL_BUF_INIT;
    tiny_pdf(&in);
    es_buf out = ES_BUF_INIT((size_t)1 << 24);
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.name = "Unit Platform";
    o.reason = "eseal verification report";
    assert_true(es_ok(es_pdf_sign_invisible(&out, es_span_of(in.ptr, in.size), f->key, f->cert, &o)));
    assert_true(out.len > in.size);
    assert_memory_equal(out.ptr, in.ptr, in.size);
    assert_null(memmem(out.ptr + in.size, out.len - in.size, "/ESeal.Seal", 11));
    assert_non_null(memmem(out.ptr + in.size, out.len - in.size, "/Rect [0 0 0 0]", 15));
    assert_non_null(memmem(out.ptr + in.size, out.len - in.size, "/SubFilter /ETSI.CAdES.detached", 31));
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, out.ptr, out.len, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_child_count(r), 1);
    const eseal_report *c = eseal_report_child(r, 0);
    assert_string_equal(eseal_report_string(c, "signature.type"), "signature");
    assert_null(eseal_report_string(c, "seal.name"));
    assert_true(eseal_report_has_reason(c, "NO_SEAL"));
    int whole = 0;
    assert_int_equal(eseal_report_boolean(c, "coverage.whole_document", &whole), ESEAL_OK);
    assert_true(whole);
    assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
    eseal_report_free(r);
    eseal_buf flipped = {out.ptr, out.len};
    flipped.ptr[in.size / 2] ^= 1;
    assert_int_not_equal(verdict(f, &flipped, NULL), ESEAL_VALID);
    es_buf_free(&out);
    /* Refusals: an invisible signature does not certify, and a stamp needs its imprint and seal. */
    es_buf none = ES_BUF_INIT((size_t)1 << 24);
    o.certify = 1;
    assert_int_equal(es_code(es_pdf_sign_invisible(&none, es_span_of(in.ptr, in.size), f->key, f->cert, &o)),
                     ESEAL_EINVAL);
    assert_int_equal(none.len, 0);
    eseal_buf nothing = ESEAL_BUF_INIT;
    assert_int_equal(eseal_pdf_stamp(&nothing, in.ptr, in.size, NULL, NULL, 0, f->key, f->cert, NULL), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "an imprint, a seal"));
    es_buf_free(&none);
    eseal_buf_dispose(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stamp_in_memory),
        cmocka_unit_test(stamp_file_to_file),
        cmocka_unit_test(seal_binding_by_value_and_by_digest),
        cmocka_unit_test(report_is_typed),
        cmocka_unit_test(sign_invisible),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
