/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal_instance_open_like (a server's pooled handles, session 26): the new handle is on the same
 * home, runs under the same context, and opens keys as the first one does, with the first one's
 * key-encryption key when it holds one (no second derivation; none derived by the opening); a handle without a passphrase gives a locked one
 * (ESEAL_EPASS on the first key), and NULL arguments are ESEAL_EINVAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"
#include "core/core.h"
#include "crypto/crypto.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-openlike-XXXXXX";
static char ihome[600];
static const char pass[] = "open-like-passphrase";

/* A key opened and used: a person certificate issued by the p256 issuing CA's key. */
static int issue(eseal_instance *inst)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.person = 1;
    q.name = "Wang Wu";
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record rec;
    int rc = eseal_instance_cert_issue(inst, test_who(), &rec, &q);
    if (rc == ESEAL_OK) {
        eseal_cert_record_dispose(&rec);
    }
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return test_scratch_remove(home);
}

static void like_opens_keys_without_derivation(void **state)
{
    (void)state;
    eseal_instance *from = test_instance_open(ihome, pass);
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(from, ctx), ESEAL_OK);
    /* `from` holds no KEK yet: none is derived by opening a handle like it (a verification's handle
     * never pays for one), and the new handle derives its own when it opens a key. */
    size_t derived = es_kdf_derivations;
    eseal_instance *early = NULL;
    assert_int_equal(eseal_instance_open_like(&early, from), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, derived);
    assert_string_equal(eseal_instance_home(early), eseal_instance_home(from));
    assert_ptr_equal(early->ctx, ctx);
    assert_true(es_instance_unlocked(early));
    assert_int_equal(issue(early), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, derived + 1);
    eseal_instance_close(early);

    /* Once `from` holds its KEK, a handle like it takes it: no derivation at all. */
    assert_int_equal(issue(from), ESEAL_OK);
    size_t held = es_kdf_derivations;
    for (int i = 0; i < 2; i++) {
        eseal_instance *like = NULL;
        assert_int_equal(eseal_instance_open_like(&like, from), ESEAL_OK);
        assert_non_null(like);
        assert_ptr_not_equal(like, from);
        assert_int_equal(issue(like), ESEAL_OK);
        eseal_instance_close(like);
    }
    assert_int_equal(es_kdf_derivations, held);
    eseal_instance_close(from);
    eseal_context_free(ctx);
}

static void like_of_a_locked_handle_is_locked(void **state)
{
    (void)state;
    eseal_instance *from = NULL;
    assert_int_equal(eseal_instance_open(&from, ihome), ESEAL_OK);
    eseal_instance *like = NULL;
    assert_int_equal(eseal_instance_open_like(&like, from), ESEAL_OK);
    assert_false(es_instance_unlocked(like));
    assert_int_equal(issue(like), ESEAL_EPASS);
    eseal_instance_close(like);
    eseal_instance_close(from);
}

static void bad_arguments(void **state)
{
    (void)state;
    eseal_instance *like = NULL;
    assert_int_equal(eseal_instance_open_like(&like, NULL), ESEAL_EINVAL);
    assert_null(like);
    eseal_instance *from = test_instance_open(ihome, pass);
    assert_int_equal(eseal_instance_open_like(NULL, from), ESEAL_EINVAL);
    eseal_instance_close(from);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(like_opens_keys_without_derivation),
        cmocka_unit_test(like_of_a_locked_handle_is_locked),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
