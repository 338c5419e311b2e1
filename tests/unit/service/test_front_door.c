/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front door (eseal/platform.h, docs/principal.md): every change of state names who asks
 * for it; the policy refuses those it does not allow before anything changes; the audit entry
 * records who (KIND:ID) and, as salted commitments, from where and with what; and
 * eseal_instance_log_forget erases a salt only with the passphrase and on the record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-frontdoor-XXXXXX";
static char ihome[600];
static const char pass[] = "correct-horse-battery";
static eseal_instance *inst;
static eseal_log *lg;
static char cert_id[32];
static char esid[64];

/* A user of an organisation: no role of the accounts rules nor any grant (the governance issue) lets it change seals. */
static const char *const clerk_roles[] = {"clerk"};
static const eseal_principal clerk = {ESEAL_PRINCIPAL_VERSION, ESEAL_PRINCIPAL_USER, "u-1001", "Example Ltd",
                                      clerk_roles, 1, "192.0.2.10", "browser"};
/* An operator from a named address and device. */
static const eseal_principal carol = {ESEAL_PRINCIPAL_VERSION, ESEAL_PRINCIPAL_OPERATOR, "carol", NULL, NULL, 0,
                                      "10.0.0.9", "desk-7"};

static int setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass);
    inst = test_instance_open(ihome, pass);
    assert_int_equal(eseal_instance_log(inst, &lg), ESEAL_OK);
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "上海某某贸易有限公司";
    q.uscc = "91110000MA01ABCDEX";
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_issue(inst, &carol, &crec, &q), ESEAL_OK);
    (void)snprintf(cert_id, sizeof(cert_id), "%s", crec.id);
    eseal_cert_record_dispose(&crec);
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = cert_id;
    sq.name = "上海某某贸易有限公司合同专用章";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, &carol, &rec, NULL, &sq), ESEAL_OK);
    (void)snprintf(esid, sizeof(esid), "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
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
    uint64_t n = 0;
    assert_int_equal(eseal_log_size(lg, &n, NULL), ESEAL_OK);
    return n;
}

static int count_seals(const eseal_seal_record *rec, void *payload)
{
    (void)rec;
    (*(int *)payload)++;
    return 0;
}

static int seals(void)
{
    int n = 0;
    assert_int_equal(eseal_instance_seal_list(inst, count_seals, &n), ESEAL_OK);
    return n;
}

/* The entry at `index`, parsed; the caller disposes it. */
static void entry_at(eseal_audit_entry_parsed *p, uint64_t index)
{
    eseal_buf e = ESEAL_BUF_INIT;
    assert_int_equal(eseal_log_entry(lg, &e, index), ESEAL_OK);
    assert_int_equal(eseal_audit_entry_parse(p, e.ptr, e.size), ESEAL_OK);
    eseal_buf_dispose(&e);
}

/* The principal, its address and device are on the record of a change. */
static void principal_recorded(void **state)
{
    (void)state;
    uint64_t before = log_size();
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_transition(inst, &carol, &rec, esid, ESEAL_SEAL_SUSPEND, "inventory"),
                     ESEAL_OK);
    eseal_seal_record_dispose(&rec);
    assert_int_equal(log_size(), before + 1);
    eseal_audit_entry_parsed p;
    entry_at(&p, before);
    assert_string_equal(p.e.type, "seal.suspended");
    assert_string_equal(p.e.actor, "carol");
    assert_string_equal(p.e.actor_kind, "operator");
    /* The address and device are in the entry only as commitments to the values, with salts kept apart. */
    uint8_t salt[32];
    eseal_buf b = ESEAL_BUF_INIT;
    char dbp[700], want[65];
    test_store_location(ihome, dbp, sizeof(dbp));
    eseal_store *st = NULL;
    assert_int_equal(eseal_store_open(&st, dbp), ESEAL_OK);
    assert_int_equal(eseal_store_log_private(st, &b, before, "salt.ip"), ESEAL_OK);
    assert_int_equal(b.size, 32);
    memcpy(salt, b.ptr, 32);
    eseal_buf_dispose(&b);
    assert_int_equal(eseal_audit_commitment(want, "ip", salt, "10.0.0.9"), ESEAL_OK);
    assert_string_equal(p.e.ip_commitment, want);
    assert_int_equal(eseal_store_log_private(st, &b, before, "salt.device"), ESEAL_OK);
    memcpy(salt, b.ptr, 32);
    eseal_buf_dispose(&b);
    assert_int_equal(eseal_audit_commitment(want, "device", salt, "desk-7"), ESEAL_OK);
    assert_string_equal(p.e.device_commitment, want);
    eseal_store_close(st);
    eseal_audit_entry_parsed_dispose(&p);
    /* The registry's event names the same principal. */
    eseal_seal_status s;
    assert_int_equal(eseal_instance_seal_status(inst, &s, esid, 0), ESEAL_OK);
    assert_string_equal(s.actor, "operator:carol");
    assert_int_equal(eseal_instance_seal_transition(inst, &carol, NULL, esid, ESEAL_SEAL_RESUME, "back"), ESEAL_OK);
}

/* A principal the policy does not allow changes nothing, and the refusal names who, what and why. */
static void denied_changes_nothing(void **state)
{
    (void)state;
    uint64_t before = log_size();
    int n = seals();
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = cert_id;
    sq.name = "refused";
    assert_int_equal(eseal_instance_seal_make(inst, &clerk, NULL, NULL, &sq), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "user u-1001 may not seal.make"));
    assert_non_null(strstr(eseal_error_last()->message, "no role or grant"));
    assert_int_equal(eseal_instance_seal_transition(inst, &clerk, NULL, esid, ESEAL_SEAL_REVOKE, "x"), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_seal_renew(inst, &clerk, NULL, esid, "x"), ESEAL_EDENIED);
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "refused";
    q.person = 1;
    assert_int_equal(eseal_instance_cert_issue(inst, &clerk, NULL, &q), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_cert_revoke(inst, &clerk, cert_id, 1, 0), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_ca_renew(inst, &clerk, NULL, "tsa", "sm2", NULL, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_crl_issue(inst, &clerk, NULL, "sm2"), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_passwd(inst, &clerk, "another-passphrase", 18), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_log_publish(inst, &clerk, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_instance_log_forget(inst, &clerk, 0, ESEAL_LOG_FIELD_IP, NULL), ESEAL_EDENIED);
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_sign_file(inst, &clerk, &p7s, ihome, cert_id, NULL), ESEAL_EDENIED);
    eseal_extend_request xq = ESEAL_EXTEND_REQUEST_INIT;
    assert_int_equal(eseal_instance_extend_pdf(inst, &clerk, NULL, "in.pdf", "out.pdf", &xq), ESEAL_EDENIED);
    /* A version-1 request (it had an actor field) is refused, not misread. */
    eseal_seal_request old = sq;
    old.version = 1;
    assert_int_equal(eseal_instance_seal_make(inst, &carol, NULL, NULL, &old), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "seal request: version 1, this library knows 2"));
    /* No principal, or a malformed one, is not a principal at all. */
    assert_int_equal(eseal_instance_seal_make(inst, NULL, NULL, NULL, &sq), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "no principal"));
    eseal_principal bad = carol;
    bad.id = "carol smith";
    assert_int_equal(eseal_instance_seal_transition(inst, &bad, NULL, esid, ESEAL_SEAL_REVOKE, "x"), ESEAL_EINVAL);
    assert_int_equal(log_size(), before);
    assert_int_equal(seals(), n);
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_get(inst, &rec, NULL, esid), ESEAL_OK);
    assert_string_equal(rec.state, "active");
    eseal_seal_record_dispose(&rec);
    assert_int_equal(eseal_instance_passphrase_check(inst), ESEAL_OK); /* the passphrase did not change */
}

/* A salt is forgotten only with the passphrase, once, and the forgetting is itself an entry. */
static void forget_is_audited(void **state)
{
    (void)state;
    uint64_t target = log_size();
    assert_int_equal(eseal_instance_seal_transition(inst, &carol, NULL, esid, ESEAL_SEAL_SUSPEND, "forget me"),
                     ESEAL_OK);
    uint64_t before = log_size();
    assert_int_equal(before, target + 1);

    /* Without the passphrase (a fresh handle), or with a wrong one: refused, nothing changes. */
    eseal_instance *bare = NULL;
    assert_int_equal(eseal_instance_open(&bare, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_log_forget(bare, &carol, target, ESEAL_LOG_FIELD_IP, NULL), ESEAL_EPASS);
    assert_int_equal(eseal_instance_set_passphrase(bare, "wrong-passphrase", 16), ESEAL_OK);
    assert_int_equal(eseal_instance_log_forget(bare, &carol, target, ESEAL_LOG_FIELD_IP, NULL), ESEAL_EPASS);
    eseal_instance_close(bare);
    assert_int_equal(log_size(), before);

    uint64_t entry = 0;
    assert_int_equal(eseal_instance_log_forget(inst, test_who(), target, ESEAL_LOG_FIELD_IP, &entry), ESEAL_OK);
    assert_int_equal(entry, before);
    assert_int_equal(log_size(), before + 1);
    eseal_audit_entry_parsed p;
    entry_at(&p, entry);
    assert_string_equal(p.e.type, "log.forgotten");
    assert_string_equal(p.e.actor, "tester");
    assert_string_equal(p.e.actor_kind, "operator");
    char want[64];
    (void)snprintf(want, sizeof(want), "entry %llu: the ip salt is erased", (unsigned long long)target);
    assert_string_equal(p.e.detail, want);
    eseal_audit_entry_parsed_dispose(&p);

    /* The salt is gone, the device salt is not, and the forgotten entry itself is unchanged. */
    char dbp[700];
    test_store_location(ihome, dbp, sizeof(dbp));
    eseal_store *st = NULL;
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_open(&st, dbp), ESEAL_OK);
    assert_int_equal(eseal_store_log_private(st, &b, target, "salt.ip"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_log_private(st, &b, target, "salt.device"), ESEAL_OK);
    eseal_buf_dispose(&b);
    eseal_store_close(st);
    entry_at(&p, target);
    assert_non_null(p.e.ip_commitment);
    eseal_audit_entry_parsed_dispose(&p);

    /* Twice: nothing left to forget, and no entry for it. */
    assert_int_equal(eseal_instance_log_forget(inst, test_who(), target, ESEAL_LOG_FIELD_IP, NULL), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->message, "has no ip salt"));
    assert_int_equal(log_size(), before + 1);
    assert_int_equal(eseal_instance_log_forget(inst, test_who(), target, ESEAL_LOG_FIELD_DEVICE, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_log_forget(inst, test_who(), target, (eseal_log_field)9, NULL), ESEAL_EINVAL);
    eseal_log_field f;
    assert_int_equal(eseal_log_field_from_name(&f, "device"), ESEAL_OK);
    assert_int_equal(f, ESEAL_LOG_FIELD_DEVICE);
    assert_int_equal(eseal_log_field_from_name(&f, "name"), ESEAL_EINVAL);

    /* The log still audits clean, and the front-door publish signs it. */
    uint64_t size = 0;
    assert_int_equal(eseal_instance_log_publish(inst, test_who(), &size), ESEAL_OK);
    assert_int_equal(size, log_size());
    eseal_log_audit_report rep;
    assert_int_equal(eseal_log_audit(lg, &rep), ESEAL_OK);
    assert_true(rep.ok);
    assert_int_equal(eseal_instance_seal_transition(inst, &carol, NULL, esid, ESEAL_SEAL_RESUME, "back"), ESEAL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(principal_recorded),
        cmocka_unit_test(denied_changes_nothing),
        cmocka_unit_test(forget_is_audited),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
