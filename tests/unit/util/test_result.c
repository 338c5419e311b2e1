/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The error contracts of src/util/result.h: ES_GUARD_CTX prefixes context and keeps the inner code
 * and place; es_from_code keeps a callee's code and message; ES_BAIL_INT / ES_BAIL_ARG set one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/util.h"

static ES_RESULT inner_fails(void) { ES_BAIL(ESEAL_EPASS, "keyfile: wrong passphrase for k.key"); }

static ES_RESULT inner_ok(void) { return ES_OK; }

static ES_RESULT outer(const char *id, bool fail)
{
    ES_GUARD_CTX(fail ? inner_fails() : inner_ok(), "seal %s", id);
    return ES_OK;
}

static void guard_ctx_prefixes_and_keeps_code(void **state)
{
    (void)state;
    eseal_error_clear();
    assert_true(es_ok(outer("ab12", false)));
    assert_int_equal(eseal_error_last()->code, ESEAL_OK);
    es_result r = outer("ab12", true);
    assert_int_equal(es_code(r), ESEAL_EPASS);
    assert_int_equal(eseal_error_last()->code, ESEAL_EPASS);
    assert_string_equal(eseal_error_last()->message, "seal ab12: keyfile: wrong passphrase for k.key");
    assert_non_null(strstr(eseal_error_last()->where, "test_result.c:15")); /* where the problem was found */
    /* Two levels: the outer context comes first. */
    r = es_error_prefix(r, "stamp %d", 7);
    assert_int_equal(es_code(r), ESEAL_EPASS);
    assert_string_equal(eseal_error_last()->message, "stamp 7: seal ab12: keyfile: wrong passphrase for k.key");
}

static void guard_ctx_without_inner_message(void **state)
{
    (void)state;
    (void)es_error_set(ESEAL_EIO, __FILE__, __LINE__, "an older, unrelated failure");
    es_result r = es_error_prefix((es_result){ESEAL_ENOTFOUND}, "seal %s", "x");
    assert_int_equal(es_code(r), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_error_last()->code, ESEAL_ENOTFOUND);
    assert_string_equal(eseal_error_last()->message, "seal x: not found");
    assert_string_equal(eseal_error_last()->where, "");
}

static void from_code_keeps_the_callee_message(void **state)
{
    (void)state;
    eseal_error_clear();
    assert_true(es_ok(es_from_code(ESEAL_OK)));
    (void)es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "pdf: xref entry 12 points past the end");
    es_result r = es_from_code(ESEAL_EMALFORMED);
    assert_int_equal(es_code(r), ESEAL_EMALFORMED);
    assert_string_equal(eseal_error_last()->message, "pdf: xref entry 12 points past the end");
    /* A callee that broke the contract (no message for its code) is named as such, code kept. */
    r = es_from_code(ESEAL_ESTORE);
    assert_int_equal(es_code(r), ESEAL_ESTORE);
    assert_int_equal(eseal_error_last()->code, ESEAL_ESTORE);
    assert_string_equal(eseal_error_last()->message, "internal: ESEAL_ESTORE without a message (store failure)");
}

static int public_entry(const char *out, int n)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    if (n > 3) {
        ES_BAIL_INT(ESEAL_ELIMIT, "public_entry: %d is more than 3", n);
    }
    return ESEAL_OK;
}

static void bail_int_sets_the_message(void **state)
{
    (void)state;
    eseal_error_clear();
    assert_int_equal(public_entry(NULL, 0), ESEAL_EINVAL);
    assert_string_equal(eseal_error_last()->message, "public_entry: invalid argument: out == NULL");
    assert_int_equal(public_entry("x", 4), ESEAL_ELIMIT);
    assert_int_equal(eseal_error_last()->code, ESEAL_ELIMIT);
    assert_string_equal(eseal_error_last()->message, "public_entry: 4 is more than 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(guard_ctx_prefixes_and_keeps_code),
        cmocka_unit_test(guard_ctx_without_inner_message),
        cmocka_unit_test(from_code_keeps_the_callee_message),
        cmocka_unit_test(bail_int_sets_the_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
