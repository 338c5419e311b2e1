/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: an OFD verified by the instance that stamped it again later says so
 * (LATER_STAMP_MISSING, issue #15): the audit log records a stamp whose document before-hash is
 * the hash of the copy in hand. The note changes no verdict; the newest copy has none; a copy
 * this platform never saw has none.
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

#include <zip.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../ofd/ofd_fixture.h"

static char home[] = "/tmp/eseal-ofdlater-XXXXXX";
static const char pass[] = "correct-horse-battery";
static eseal_instance *inst;
static char esid[64];

static char *path(const char *name)
{
    static char p[8][600];
    static int k;
    k = (k + 1) % 8;
    (void)snprintf(p[k], sizeof(p[k]), "%s/%s", home, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    inst = test_instance_with_seal(home, NULL, 0, pass, ESEAL_ALG_SM2, esid, sizeof(esid));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, home);
}

static void stamp(const char *in, const char *out, eseal_stamp_result *res)
{
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.page = 1;
    q.x_mm = 20;
    q.y_mm = 30;
    if (eseal_instance_stamp_ofd(inst, res, in, out, &q) != ESEAL_OK) {
        fail_msg("stamp %s: %s", in, eseal_error_last()->message);
    }
}

/* The instance's report on `file`, and (in *lib) the library's verdict without the instance's log. */
static eseal_report *verify(const char *file, eseal_verdict *lib)
{
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, file, 64u << 20), ESEAL_OK);
    const void *data = b.ptr;
    size_t len = b.size;
    eseal_report *rep = NULL;
    if (eseal_instance_verify_ofd(inst, &rep, data, len, NULL) != ESEAL_OK) {
        fail_msg("verify %s: %s", file, eseal_error_last()->message);
    }
    eseal_report *plain = NULL;
    eseal_trust *t = NULL;
    assert_int_equal(eseal_instance_trust(inst, &t), ESEAL_OK);
    eseal_ofd_verify_options o = ESEAL_OFD_VERIFY_OPTIONS_INIT;
    assert_int_equal(eseal_ofd_verify(&plain, data, len, t, &o), ESEAL_OK);
    *lib = eseal_report_verdict(plain);
    eseal_report_free(plain);
    eseal_trust_free(t);
    eseal_buf_dispose(&b);
    return rep;
}

/* The text of the LATER_STAMP_MISSING note on the document, NULL when none; fails on two. */
static const char *note(const eseal_report *rep)
{
    const char *found = NULL;
    for (size_t i = 0; i < eseal_report_reason_count(rep); i++) {
        if (strcmp(eseal_report_reason_code(rep, i), "LATER_STAMP_MISSING") == 0) {
            assert_null(found);
            assert_int_equal(eseal_report_reason_verdict(rep, i), ESEAL_VALID);
            found = eseal_report_reason_text(rep, i);
        }
    }
    return found;
}

static void later_stamp_missing_is_said(void **state)
{
    (void)state;
    write_ofd(path("in.ofd"), "one");
    eseal_stamp_result r1, r2;
    stamp(path("in.ofd"), path("s1.ofd"), &r1);
    stamp(path("s1.ofd"), path("s2.ofd"), &r2);

    /* The copy with one stamp: VALID as before, and the second stamp this platform made of it is named. */
    eseal_verdict lib;
    eseal_report *rep = verify(path("s1.ofd"), &lib);
    assert_int_equal(lib, ESEAL_VALID);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    const char *n = note(rep);
    if (n == NULL || strstr(n, r2.serial) == NULL || strstr(n, "does not carry that stamp") == NULL ||
        strstr(n, "stamped this document again on ") == NULL) {
        fail_msg("no LATER_STAMP_MISSING naming %s: %s", r2.serial, n != NULL ? n : "(none)");
    }
    assert_null(strstr(n, r1.serial));
    int64_t count = -1;
    assert_int_equal(eseal_report_integer(rep, "document.later_stamps", &count), ESEAL_OK);
    assert_int_equal(count, 1);
    eseal_report_free(rep);

    /* The newest copy: nothing missing. */
    rep = verify(path("s2.ofd"), &lib);
    assert_int_equal(eseal_report_verdict(rep), lib);
    assert_null(note(rep));
    int64_t later = -1;
    assert_int_equal(eseal_report_integer(rep, "document.later_stamps", &later), ESEAL_OK);
    assert_int_equal(later, 0);
    eseal_report_free(rep);

    /* The unsigned original: stamped once since; its verdict (no signature) unchanged. */
    rep = verify(path("in.ofd"), &lib);
    assert_int_equal(eseal_report_verdict(rep), lib);
    n = note(rep);
    assert_non_null(n);
    assert_non_null(strstr(n, r1.serial));
    eseal_report_free(rep);

    /* Another document this platform stamped once: its stamped copy has no later stamp. */
    write_ofd(path("other.ofd"), "two");
    eseal_stamp_result r3;
    stamp(path("other.ofd"), path("o1.ofd"), &r3);
    rep = verify(path("o1.ofd"), &lib);
    assert_int_equal(lib, ESEAL_VALID);
    assert_null(note(rep));
    eseal_report_free(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_stamp_missing_is_said),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
