/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: a change recorded before it takes effect whose switch then fails gets a failure entry
 * naming it (issue #16, docs/audit-log.md): eseal passwd whose exchange of HOME/keys fails after
 * its "passphrase.changed" entry gets "passphrase.change.failed" (same principal, the entry's
 * index, why), the old passphrase still opens every key and the new one none. The exchange is
 * made to fail by the library's test hook es_passwd_exchange_fail (a renameat2(RENAME_EXCHANGE)
 * of two existing directories cannot be made to fail from a test without another filesystem).
 * The failure of extend's rename is tested through the CLI (tests/integration/publish_failed_test.sh).
 * An extend that stops (a child process that _exits, as a crash) after its record and before its
 * rename is settled by the next extend (or stamp): "document.extend.failed" naming it; one that
 * stops after the rename is found published (no failure entry). Either way its pending publication
 * is gone.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "service/stamp_phase.h"
#include "../test_instance.h"

extern bool es_passwd_exchange_fail; /* src/core/core.h: the test hook */

static char home[] = "/tmp/eseal-pubfail-XXXXXX";
static char ihome[600];
static const char pass[] = "correct-horse-battery";
static const char pass2[] = "another-horse-battery";
static eseal_instance *inst;
static char esid[64];
static const char *cur_pass = pass; /* the instance's passphrase now */

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

static uint64_t log_size(void) { return test_log_size(inst); }
static void entry_at(eseal_audit_entry_parsed *p, uint64_t index) { test_log_entry(inst, p, index); }

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
    cur_pass = pass2;
    eseal_error_clear();
}

static char *path(const char *name)
{
    static char p[4][700];
    static int k;
    k = (k + 1) % 4;
    (void)snprintf(p[k], sizeof(p[k]), "%s/%s", home, name);
    return p[k];
}

/* What the log keeps privately about entry `index`'s pending publication (a connection of the test's own). */
static int pending_publication(uint64_t index) { return test_pending_publication(ihome, index); }

static const char *stop_at;

static void stop_hook(const char *phase, size_t doc)
{
    (void)doc;
    if (strcmp(phase, stop_at) == 0) {
        _exit(0); /* as a crash: no clean-up, the unnamed temporary file goes with the process */
    }
}

static eseal_extend_request lt(void)
{
    eseal_extend_request q = ESEAL_EXTEND_REQUEST_INIT;
    q.level = ESEAL_LEVEL_B_LT;
    return q;
}

/* A child process opens the instance, extends `in` into `out` and stops at `phase`. */
static void extend_and_stop(const char *in, const char *out, const char *phase)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        eseal_instance *c = NULL;
        if (eseal_instance_open(&c, ihome) != ESEAL_OK || eseal_instance_set_passphrase(c, cur_pass, strlen(cur_pass)) != ESEAL_OK) {
            _exit(3);
        }
        stop_at = phase;
        es_stamp_phase_hook = stop_hook;
        eseal_extend_request q = lt();
        int rc = eseal_instance_extend_pdf(c, test_who(), NULL, in, out, &q);
        (void)fprintf(stderr, "extend did not stop at %s: %d %s\n", phase, rc, eseal_error_last()->message);
        _exit(4); /* never reached the phase */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void stamped(const char *in, const char *out)
{
    test_write_pdf(in);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.page = 1;
    q.x_mm = 20;
    q.y_mm = 30;
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, out, &q), ESEAL_OK);
}

static void crashed_extends_are_settled(void **state)
{
    (void)state;
    stamped(path("c-in.pdf"), path("c-s.pdf"));
    /* Stopped after the record, before the rename. */
    uint64_t n0 = log_size();
    extend_and_stop(path("c-s.pdf"), path("c-lt.pdf"), "extend.recorded");
    assert_int_equal(log_size(), n0 + 1);
    assert_int_equal(pending_publication(n0), ESEAL_OK);
    struct stat sb;
    assert_int_not_equal(stat(path("c-lt.pdf"), &sb), 0);
    /* Stopped after the rename, before the pending publication was forgotten. This extend, the first
     * to take the stamps' lock after the crash, settles the first one before it records its own:
     * not published ("document.extend.failed" naming it). */
    extend_and_stop(path("c-s.pdf"), path("c-lt2.pdf"), "extend.published");
    assert_int_equal(log_size(), n0 + 3);
    assert_int_equal(pending_publication(n0), ESEAL_ENOTFOUND);
    assert_int_equal(pending_publication(n0 + 2), ESEAL_OK);
    assert_int_equal(stat(path("c-lt2.pdf"), &sb), 0);
    /* The next extend settles the second: published, no failure entry. */
    eseal_extend_request q = lt();
    assert_int_equal(eseal_instance_extend_pdf(inst, test_who(), NULL, path("c-s.pdf"), path("c-lt3.pdf"), &q),
                     ESEAL_OK);
    assert_int_equal(log_size(), n0 + 4);
    assert_int_equal(pending_publication(n0 + 2), ESEAL_ENOTFOUND);
    assert_int_equal(pending_publication(n0 + 3), ESEAL_ENOTFOUND);
    eseal_audit_entry_parsed a, b, c, d;
    entry_at(&a, n0);
    entry_at(&b, n0 + 1);
    entry_at(&c, n0 + 2);
    entry_at(&d, n0 + 3);
    assert_string_equal(a.e.type, "document.extended");
    assert_string_equal(b.e.type, "document.extend.failed");
    char want[80];
    (void)snprintf(want, sizeof(want), "entry %llu not published: the process that recorded it stopped",
                   (unsigned long long)n0);
    assert_ptr_equal(strstr(b.e.detail, want), b.e.detail);
    assert_string_equal(b.e.actor, "tester");
    assert_string_equal(c.e.type, "document.extended");
    assert_string_equal(d.e.type, "document.extended");
    eseal_audit_entry_parsed_dispose(&a);
    eseal_audit_entry_parsed_dispose(&b);
    eseal_audit_entry_parsed_dispose(&c);
    eseal_audit_entry_parsed_dispose(&d);
    eseal_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_passwd_switch_is_recorded),
        cmocka_unit_test(crashed_extends_are_settled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
