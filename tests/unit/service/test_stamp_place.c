/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: where an OFD stamp's imprint goes, through the public eseal_instance_stamp_ofd (issue #16:
 * one reading of the position, es_imprint_place, for the PDF and the OFD writer). In a version-3
 * request 0 on an axis is the default place there (20 mm from the page's right and bottom edges),
 * with xy_exact it is the left or top edge, and a version-2 request (no xy_exact) meant the edge.
 * Read back from the StampAnnot's Boundary ("x y w h", mm) in the stamped package.
 * And the stamp's named bounds: a QR address (base_url + "/v/" + serial) or a certificate reference
 * longer than its maximum is refused (ESEAL_ELIMIT), never cut short.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../ofd/ofd_fixture.h"

static char home[] = "/tmp/eseal-stampplace-XXXXXX";
static const char pass[] = "correct-horse-battery";
static char ihome[600];
static eseal_instance *inst;
static char esid[64];

static int setup(void **state)
{
    (void)state;
    inst = test_instance_with_seal(home, ihome, sizeof(ihome), pass, ESEAL_ALG_SM2, esid, sizeof(esid));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, home);
}

/* Stamps a fresh one-page OFD (210 x 297 mm) with `q` and reads its StampAnnot's Boundary. */
static void stamp_boundary(const char *name, eseal_stamp_request *q, double b[4])
{
    char in[700], out[700];
    (void)snprintf(in, sizeof(in), "%s/%s.ofd", home, name);
    (void)snprintf(out, sizeof(out), "%s/%s-stamped.ofd", home, name);
    write_ofd(in, name);
    q->who = test_who();
    q->seal_ref = esid;
    q->page = 1;
    if (eseal_instance_stamp_ofd(inst, NULL, in, out, q) != ESEAL_OK) {
        fail_msg("stamp %s: %s", name, eseal_error_last()->message);
    }
    int err = 0;
    zip_t *z = zip_open(out, ZIP_RDONLY, &err);
    assert_non_null(z);
    zip_int64_t n = zip_get_num_entries(z, 0);
    bool found = false;
    for (zip_int64_t i = 0; i < n && !found; i++) {
        const char *e = zip_get_name(z, (zip_uint64_t)i, 0);
        size_t el = strlen(e);
        if (el < 14 || strcmp(e + el - 14, "/Signature.xml") != 0) {
            continue;
        }
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
        assert_non_null(f);
        static char xml[1 << 16];
        zip_int64_t k = zip_fread(f, xml, sizeof(xml) - 1);
        assert_true(k > 0);
        xml[k] = '\0';
        zip_fclose(f);
        const char *at = strstr(xml, "Boundary=\"");
        assert_non_null(at);
        char *end = NULL;
        at += strlen("Boundary=\"");
        for (int j = 0; j < 4; j++) {
            b[j] = strtod(at, &end); /* !checksrc! allowed: the test reads back what the writer printed */
            assert_true(end != at);
            at = end;
        }
        found = true;
    }
    zip_close(z);
    assert_true(found);
}

static void zero_is_the_default_place_unless_exact(void **state)
{
    (void)state;
    double b[4];
    /* Version 3, 0,0: the default place, the imprint's corner 20 mm from the right and bottom edges. */
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    stamp_boundary("zero", &q, b);
    assert_true(b[2] > 0 && b[3] > 0);
    assert_float_equal(b[0], 210 - 20 - b[2], 0.01);
    assert_float_equal(b[1], 297 - 20 - b[3], 0.01);
    /* One axis given, the other 0: the default on that axis alone. */
    q = (eseal_stamp_request)ESEAL_STAMP_REQUEST_INIT;
    q.x_mm = 15;
    stamp_boundary("x-only", &q, b);
    assert_float_equal(b[0], 15, 0.01);
    assert_float_equal(b[1], 297 - 20 - b[3], 0.01);
    /* xy_exact: 0 is the left and top edge. */
    q = (eseal_stamp_request)ESEAL_STAMP_REQUEST_INIT;
    q.xy_exact = 1;
    stamp_boundary("exact", &q, b);
    assert_float_equal(b[0], 0, 0.01);
    assert_float_equal(b[1], 0, 0.01);
    /* A version-2 request has no xy_exact: its 0 was the edge, and still is. */
    q = (eseal_stamp_request)ESEAL_STAMP_REQUEST_INIT;
    q.version = 2;
    stamp_boundary("v2", &q, b);
    assert_float_equal(b[0], 0, 0.01);
    assert_float_equal(b[1], 0, 0.01);
    /* Negative: the default, in every version. */
    q = (eseal_stamp_request)ESEAL_STAMP_REQUEST_INIT;
    q.version = 2;
    q.x_mm = -1;
    q.y_mm = 40;
    stamp_boundary("negative", &q, b);
    assert_float_equal(b[0], 210 - 20 - b[2], 0.01);
    assert_float_equal(b[1], 40, 0.01);
}

/* Before, a long base_url was cut to 599 bytes inside the QR code, and a long --cert reference
 * to 511 (then looked up as a prefix). */
static void over_long_references_refused(void **state)
{
    (void)state;
    char in[700], out[700];
    (void)snprintf(in, sizeof(in), "%s/long.pdf", home);
    (void)snprintf(out, sizeof(out), "%s/long-stamped.pdf", home);
    test_write_pdf(in);
    static char long_ref[700];
    memset(long_ref, 'a', sizeof(long_ref) - 1);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.cert_ref = long_ref;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, out, &q), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "longer than 511 bytes"));
    /* A base_url of 650 bytes: its QR address does not fit in 599. */
    char conf[700];
    (void)snprintf(conf, sizeof(conf), "%s/eseal.conf", ihome);
    FILE *f = fopen(conf, "a");
    assert_non_null(f);
    /* The log keeps the origin it has (else derived from base_url, with a bound of its own). */
    (void)fprintf(f, "\nlog_origin = 127.0.0.1:8080/log\nbase_url = https://example.org/");
    for (int i = 0; i < 630; i++) {
        (void)fputc('p', f);
    }
    (void)fputc('\n', f);
    assert_int_equal(fclose(f), 0);
    eseal_instance_close(inst);
    inst = test_instance_open(ihome, pass);
    q.cert_ref = NULL;
    q.qr = 1;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, out, &q), ESEAL_ELIMIT);
    if (strstr(eseal_error_last()->message, "QR code's address") == NULL) {
        fail_msg("%s", eseal_error_last()->message);
    }
    assert_int_equal(access(out, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_is_the_default_place_unless_exact),
        cmocka_unit_test(over_long_references_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
