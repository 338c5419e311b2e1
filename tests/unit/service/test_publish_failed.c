/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: a change recorded before it takes effect whose switch then fails gets a failure entry
 * naming it (issue #16, docs/audit-log.md): eseal passwd whose exchange of HOME/keys fails after
 * its "passphrase.changed" entry gets "passphrase.change.failed" (same principal, the entry's
 * index, why), the old passphrase still opens every key and the new one none. The exchange is
 * made to fail by the library's test hook es_passwd_exchange_fail (a renameat2(RENAME_EXCHANGE)
 * of two existing directories cannot be made to fail from a test without another filesystem).
 * The failure of extend's rename is tested through the CLI (tests/integration/publish_failed_test.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "../test_instance.h"

extern bool es_passwd_exchange_fail; /* src/core/core.h: the test hook */

static char home[] = "/tmp/eseal-pubfail-XXXXXX";
static char ihome[600];
static const char pass[] = "correct-horse-battery";
static const char pass2[] = "another-horse-battery";
static eseal_instance *inst;
static char esid[64];

static int setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass);
    inst = test_instance_open(ihome, pass);
    test_instance_seal(inst, ESEAL_ALG_SM2, esid, sizeof(esid));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_instance_close(inst);
    return test_scratch_remove(home);
}

static uint64_t log_size(void)
{
    eseal_log *log = NULL;
    uint64_t n = 0;
    assert_int_equal(eseal_instance_log(inst, &log), ESEAL_OK);
    assert_int_equal(eseal_log_size(log, &n, NULL), ESEAL_OK);
    return n;
}

static void entry_at(eseal_audit_entry_parsed *p, uint64_t index)
{
    eseal_log *log = NULL;
    eseal_buf raw = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_log(inst, &log), ESEAL_OK);
    assert_int_equal(eseal_log_entry(log, &raw, index), ESEAL_OK);
    assert_int_equal(eseal_audit_entry_parse(p, raw.ptr, raw.size), ESEAL_OK);
    eseal_buf_dispose(&raw);
}

/* Whether `p` opens the instance's keys (a fresh handle, as the next command would). */
static int opens_with(const char *p)
{
    eseal_instance *other = NULL;
    assert_int_equal(eseal_instance_open(&other, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(other, p, strlen(p)), ESEAL_OK);
    int rc = eseal_instance_passphrase_check(other);
    eseal_instance_close(other);
    eseal_error_clear();
    return rc;
}

static void failed_passwd_switch_is_recorded(void **state)
{
    (void)state;
    uint64_t n0 = log_size();
    es_passwd_exchange_fail = true;
    int rc = eseal_instance_passwd(inst, test_who(), pass2, strlen(pass2));
    es_passwd_exchange_fail = false;
    assert_int_equal(rc, ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "cannot switch"));
    assert_null(strstr(eseal_error_last()->message, "could not be recorded"));
    assert_int_equal(log_size(), n0 + 2);
    eseal_audit_entry_parsed ch, fail;
    entry_at(&ch, n0);
    entry_at(&fail, n0 + 1);
    assert_string_equal(ch.e.type, "passphrase.changed");
    assert_string_equal(fail.e.type, "passphrase.change.failed");
    char want[64];
    (void)snprintf(want, sizeof(want), "entry %llu not in effect: cannot switch ", (unsigned long long)n0);
    assert_non_null(fail.e.detail);
    assert_ptr_equal(strstr(fail.e.detail, want), fail.e.detail);
    assert_string_equal(fail.e.actor, ch.e.actor);
    assert_string_equal(fail.e.actor, "tester");
    assert_string_equal(fail.e.actor_kind, "operator");
    assert_string_equal(fail.e.policy_rule, ch.e.policy_rule);
    assert_null(strstr(fail.e.detail, pass2));
    eseal_audit_entry_parsed_dispose(&ch);
    eseal_audit_entry_parsed_dispose(&fail);
    /* Nothing changed: the old passphrase opens the keys, the new one does not, and this handle
     * goes on writing keys under the old one. */
    assert_int_equal(opens_with(pass), ESEAL_OK);
    assert_int_not_equal(opens_with(pass2), ESEAL_OK);
    char other[64];
    test_instance_seal(inst, ESEAL_ALG_P256, other, sizeof(other));
    assert_int_equal(opens_with(pass), ESEAL_OK);
    /* And a later change works, with its own entry only. */
    uint64_t n1 = log_size();
    assert_int_equal(eseal_instance_passwd(inst, test_who(), pass2, strlen(pass2)), ESEAL_OK);
    assert_int_equal(log_size(), n1 + 1);
    assert_int_equal(opens_with(pass2), ESEAL_OK);
    eseal_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_passwd_switch_is_recorded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
