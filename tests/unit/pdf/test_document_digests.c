/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verify options' document_digests (report.h ESEAL_DOCUMENT_*): which digests of the whole
 * file a report's document part carries. For PDF, OFD and CMS: 0 and both bits give both digests
 * (each equal to the file's), one bit gives that digest and null for the other, an unknown bit is
 * ESEAL_EINVAL, and options of an older version (which have no such field) give both. For a PDF
 * large enough for the SM3 worker (ES_BG_DIGEST_MIN), leaving SM3 out starts no worker: the digest
 * is not computed, not merely hidden. The verdict and the signatures are the same in every case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "../test_pki.h"
#include "pdf_fixture.h"
#include "../ofd/ofd_fixture.h"

static const unsigned int asks[] = {0, ESEAL_DOCUMENT_DIGESTS_ALL, ESEAL_DOCUMENT_SHA256, ESEAL_DOCUMENT_SM3};

/* document.<key> of r: the file's digest when `want`, else null. */
static void digest_is(const eseal_report *r, const char *key, eseal_hash h, es_span file, bool want)
{
    char path[32];
    (void)snprintf(path, sizeof(path), "document.%s", key);
    const eseal_value *v = eseal_value_find(eseal_report_data(r), path);
    assert_non_null(v); /* the member is always there: the shape does not change */
    if (!want) {
        assert_int_equal(eseal_value_type_of(v), ESEAL_VALUE_NULL);
        return;
    }
    uint8_t md[64];
    size_t n = 0;
    char hex[129];
    assert_true(es_ok(es_digest(md, &n, h, file)));
    es_hex_lower(hex, md, n);
    const char *got = eseal_report_string(r, path);
    assert_non_null(got);
    assert_string_equal(got, hex);
}

static void digests_are(const eseal_report *r, es_span file, unsigned int asked)
{
    unsigned int want = asked == 0 ? ESEAL_DOCUMENT_DIGESTS_ALL : asked;
    digest_is(r, "sha256", ESEAL_HASH_SHA256, file, (want & ESEAL_DOCUMENT_SHA256) != 0);
    digest_is(r, "sm3", ESEAL_HASH_SM3, file, (want & ESEAL_DOCUMENT_SM3) != 0);
}

static void pdf_digests(void **state)
{
    fixture *f = *state;
    eseal_buf in = ESEAL_BUF_INIT, pdf = ESEAL_BUF_INIT;
    (void)pdf_blank_doc(&in, 10000, 0);
    eseal_pdf_stamp_options so = ESEAL_PDF_STAMP_OPTIONS_INIT;
    so.page = 1;
    assert_int_equal(eseal_pdf_stamp(&pdf, in.ptr, in.size, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &so),
                     ESEAL_OK);
    assert_true(pdf.size >= ES_BG_DIGEST_MIN); /* so an SM3 is a worker's */
    es_span file = es_span_of(pdf.ptr, pdf.size);
    for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        eseal_pdf_verify_options o = ESEAL_PDF_VERIFY_OPTIONS_INIT;
        o.document_digests = asks[i];
        unsigned long t0 = es_bg_digest_threads();
        eseal_report *r = NULL;
        assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, &o), ESEAL_OK);
        unsigned long threads = es_bg_digest_threads() - t0;
        assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
        assert_int_equal(eseal_report_child_count(r), 1);
        digests_are(r, file, asks[i]);
        /* SM3 left out: no worker hashed the file for it */
        assert_int_equal(threads, asks[i] == ESEAL_DOCUMENT_SHA256 ? 0 : 1);
        eseal_report_free(r);
    }
    /* options of version 2 have no document_digests: both, whatever lies past their end */
    struct {
        eseal_pdf_verify_options o;
    } v2 = {ESEAL_PDF_VERIFY_OPTIONS_INIT};
    v2.o.version = 2;
    v2.o.document_digests = 0xdead; /* not read: past a version-2 struct */
    eseal_report *r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, &v2.o), ESEAL_OK);
    digests_are(r, file, 0);
    eseal_report_free(r);
    eseal_pdf_verify_options bad = ESEAL_PDF_VERIFY_OPTIONS_INIT;
    bad.document_digests = 4;
    r = NULL;
    assert_int_equal(eseal_pdf_verify(&r, pdf.ptr, pdf.size, f->trust, &bad), ESEAL_EINVAL);
    assert_null(r);
    assert_non_null(strstr(eseal_error_last()->message, "document_digests"));
    eseal_buf_dispose(&pdf);
    eseal_buf_dispose(&in);
}

static void cms_digests(void **state)
{
    fixture *f = *state;
    static const char content[] = "a detached signature's content, tied to the report by its digests";
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, f->key, f->cert, content, sizeof(content) - 1, NULL), ESEAL_OK);
    es_span file = es_span_of(content, sizeof(content) - 1);
    for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        eseal_cms_verify_options o = ESEAL_CMS_VERIFY_OPTIONS_INIT;
        o.document_digests = asks[i];
        eseal_report *r = NULL;
        assert_int_equal(eseal_cms_verify(&r, p7s.ptr, p7s.size, content, sizeof(content) - 1, f->trust, &o), ESEAL_OK);
        assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
        digests_are(r, file, asks[i]);
        eseal_report_free(r);
    }
    eseal_cms_verify_options bad = ESEAL_CMS_VERIFY_OPTIONS_INIT;
    bad.document_digests = ESEAL_DOCUMENT_SM3 | 8;
    eseal_report *r = NULL;
    assert_int_equal(eseal_cms_verify(&r, p7s.ptr, p7s.size, content, sizeof(content) - 1, f->trust, &bad),
                     ESEAL_EINVAL);
    assert_null(r);
    eseal_buf_dispose(&p7s);
}

static void ofd_digests(void **state)
{
    (void)state;
    char path[] = "/tmp/eseal-digests-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_ofd(path, NULL);
    eseal_buf ofd = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&ofd, path, 1 << 20), ESEAL_OK);
    unlink(path);
    es_span file = es_span_of(ofd.ptr, ofd.size);
    for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        eseal_ofd_verify_options o = ESEAL_OFD_VERIFY_OPTIONS_INIT;
        o.document_digests = asks[i];
        eseal_report *r = NULL;
        assert_int_equal(eseal_ofd_verify(&r, ofd.ptr, ofd.size, NULL, &o), ESEAL_OK);
        digests_are(r, file, asks[i]); /* no signatures: the document part still ties it to the file */
        eseal_report_free(r);
    }
    eseal_ofd_verify_options bad = ESEAL_OFD_VERIFY_OPTIONS_INIT;
    bad.document_digests = 16;
    eseal_report *r = NULL;
    assert_int_equal(eseal_ofd_verify(&r, ofd.ptr, ofd.size, NULL, &bad), ESEAL_EINVAL);
    assert_null(r);
    eseal_buf_dispose(&ofd);
}

/* eseal_document_digests_parse: the lists people write (--digests, ?digests=) and what is refused. */
static void parse_lists(void **state)
{
    (void)state;
    static const struct {
        const char *list;
        unsigned int bits;
    } good[] = {{"sha256", ESEAL_DOCUMENT_SHA256},
                {"sm3", ESEAL_DOCUMENT_SM3},
                {"sha256,sm3", ESEAL_DOCUMENT_DIGESTS_ALL},
                {"sm3,sha256", ESEAL_DOCUMENT_DIGESTS_ALL}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        unsigned int bits = 99;
        assert_int_equal(eseal_document_digests_parse(&bits, good[i].list), ESEAL_OK);
        assert_int_equal(bits, good[i].bits);
    }
    static const char *const bad[] = {"", ",", "sha256,", ",sm3", "sha256,,sm3", "sha256,sha256", "SHA256",
                                      "sha", "sm3 ", "sha256;sm3", "md5", "sm3,sha256,sm3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned int bits = 99;
        assert_int_equal(eseal_document_digests_parse(&bits, bad[i]), ESEAL_EINVAL);
        assert_int_equal(bits, 0);
    }
    unsigned int bits = 0;
    assert_int_equal(eseal_document_digests_parse(&bits, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_document_digests_parse(NULL, "sm3"), ESEAL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pdf_digests, setup, teardown),
        cmocka_unit_test_setup_teardown(cms_digests, setup, teardown),
        cmocka_unit_test_setup_teardown(ofd_digests, setup, teardown),
        cmocka_unit_test(parse_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
