/* SPDX-License-Identifier: Apache-2.0 */
/* store: migrations, lookups (id prefix, ambiguity), revocation state, counters, CRLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "eseal/sys/store_backend.h"

static char dir[] = "/tmp/eseal-store-XXXXXX";
static char db[256];

static eseal_cert_record rec(const char *id, const char *serial, const char *fp)
{
    eseal_cert_record r;
    memset(&r, 0, sizeof(r));
    r.id = (char *)(uintptr_t)id;
    r.role = (char *)(uintptr_t) "org";
    r.hierarchy = (char *)(uintptr_t) "sm2";
    r.alg = (char *)(uintptr_t) "sm2";
    r.subject = (char *)(uintptr_t) "CN=x";
    r.serial = (char *)(uintptr_t)serial;
    r.issuer_id = (char *)(uintptr_t) "caid";
    r.fingerprint = (char *)(uintptr_t)fp;
    r.pem = (char *)(uintptr_t) "PEM";
    r.key_file = (char *)(uintptr_t) "";
    r.not_before_ms = 1;
    r.not_after_ms = 2;
    r.created_ms = 3;
    return r;
}

static void records_and_lookups(void **state)
{
    (void)state;
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, db), ESEAL_OK);
    int v = 0;
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    eseal_cert_record a = rec("abcd000011112222", "0A", "abcd000011112222ffff");
    eseal_cert_record b = rec("abcd999911112222", "0B", "abcd999911112222ffff");
    assert_int_equal(eseal_store_cert_insert(s, &a), ESEAL_OK);
    assert_int_equal(eseal_store_cert_insert(s, &b), ESEAL_OK);
    assert_int_equal(eseal_store_cert_insert(s, &a), ESEAL_EEXISTS);
    eseal_cert_record out;
    assert_int_equal(eseal_store_cert_find(s, &out, "abcd"), ESEAL_EAMBIGUOUS);
    assert_int_equal(eseal_store_cert_find(s, &out, "abcd9"), ESEAL_OK);
    assert_string_equal(out.serial, "0B");
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find(s, &out, "ABCD0"), ESEAL_OK); /* case-insensitive */
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find(s, &out, "0A"), ESEAL_EINVAL); /* too short to identify anything */
    assert_int_equal(eseal_store_cert_find(s, &out, "ffff0000"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_cert_find(s, &out, "ab"), ESEAL_EINVAL);
    assert_int_equal(eseal_store_cert_revoke(s, "abcd000011112222", 1000, 1), ESEAL_OK);
    assert_int_equal(eseal_store_cert_revoke(s, "abcd000011112222", 2000, 1), ESEAL_ESTATE);
    assert_int_equal(eseal_store_cert_find(s, &out, "abcd0000"), ESEAL_OK);
    assert_int_equal(out.revoked_ms, 1000);
    assert_int_equal(out.revocation_reason, 1);
    eseal_cert_record_dispose(&out);
    uint64_t n1 = 0, n2 = 0;
    assert_int_equal(eseal_store_counter_next(s, "x", &n1), ESEAL_OK);
    assert_int_equal(eseal_store_counter_next(s, "x", &n2), ESEAL_OK);
    assert_int_equal(n1, 1);
    assert_int_equal(n2, 2);
    eseal_store_close(s);
}

/* The current certificate of a role is the newest; a revoked newest one is not replaced by an older
 * (superseded) one but reported, with the renewal to run. */
static void current_role_certificate(void **state)
{
    (void)state;
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, db), ESEAL_OK);
    eseal_cert_record old = rec("ca01000011112222", "C1", "ca01000011112222ffff");
    eseal_cert_record cur = rec("ca02000011112222", "C2", "ca02000011112222ffff");
    old.role = cur.role = (char *)(uintptr_t) "issuing-ca";
    old.hierarchy = cur.hierarchy = (char *)(uintptr_t) "p256";
    cur.created_ms = old.created_ms; /* the same millisecond: insertion order decides */
    eseal_cert_record out;
    assert_int_equal(eseal_store_cert_find_role(s, &out, "issuing-ca", "p256"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_cert_insert(s, &old), ESEAL_OK);
    assert_int_equal(eseal_store_cert_find_role(s, &out, "issuing-ca", "p256"), ESEAL_OK);
    assert_string_equal(out.id, "ca01000011112222");
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_revoke(s, "ca01000011112222", 5000, 2), ESEAL_OK);
    assert_int_equal(eseal_store_cert_find_role(s, &out, "issuing-ca", "p256"), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "the p256 issuing-ca certificate ca01000011112222 was revoked"));
    assert_non_null(strstr(eseal_error_last()->message, "eseal ca renew issuing-ca --alg p256"));
    assert_int_equal(eseal_store_cert_insert(s, &cur), ESEAL_OK);
    assert_int_equal(eseal_store_cert_find_role(s, &out, "issuing-ca", "p256"), ESEAL_OK);
    assert_string_equal(out.id, "ca02000011112222");
    assert_int_equal(out.revoked_ms, 0);
    eseal_cert_record_dispose(&out);
    /* The newest revoked: no fallback to the superseded (unrevoked) one either. */
    eseal_cert_record third = rec("ca03000011112222", "C3", "ca03000011112222ffff");
    third.role = cur.role;
    third.hierarchy = cur.hierarchy;
    third.created_ms = 10;
    assert_int_equal(eseal_store_cert_insert(s, &third), ESEAL_OK);
    assert_int_equal(eseal_store_cert_revoke(s, "ca03000011112222", 6000, 4), ESEAL_OK);
    assert_int_equal(eseal_store_cert_find_role(s, &out, "issuing-ca", "p256"), ESEAL_ESTATE);
    eseal_store_close(s);
}

static void transactions_roll_back(void **state)
{
    (void)state;
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, db), ESEAL_OK); /* reopen: migration is idempotent */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    eseal_cert_record c = rec("cccc000011112222", "0C", "cccc000011112222ffff");
    assert_int_equal(eseal_store_cert_insert(s, &c), ESEAL_OK);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);
    eseal_cert_record out;
    assert_int_equal(eseal_store_cert_find(s, &out, "cccc0000"), ESEAL_ENOTFOUND);
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_crl_latest(s, &der, "abcd000011112222"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_crl_put(s, "abcd000011112222", 1, "one", 3, 1, 2), ESEAL_OK);
    assert_int_equal(eseal_store_crl_put(s, "abcd000011112222", 2, "two", 3, 1, 2), ESEAL_OK);
    assert_int_equal(eseal_store_crl_latest(s, &der, "abcd000011112222"), ESEAL_OK);
    assert_memory_equal(der.ptr, "two", 3);
    eseal_buf_dispose(&der);
    eseal_store_close(s);
}

/* PostgreSQL is built in (issue 22): a postgresql:// location where no server listens (port 1 on
 * loopback: privileged, never a database's) is a store failure that says it cannot connect, not a
 * scheme that is missing; and the SQLite scheme is still the default's. */
static void postgres_unreachable_cannot_connect(void **state)
{
    (void)state;
    eseal_store *s = NULL;
    assert_non_null(eseal_store_scheme_postgresql());
    assert_string_equal(eseal_store_scheme_postgresql()->scheme, "postgresql");
    assert_int_equal(eseal_store_open(&s, "postgresql://eseal@127.0.0.1:1/eseal?connect_timeout=5"), ESEAL_ESTORE);
    assert_null(s);
    assert_non_null(strstr(eseal_error_last()->message, "cannot connect"));
    eseal_error_clear();
    assert_non_null(eseal_store_scheme_sqlite());
    assert_int_equal(eseal_store_scheme_sqlite()->version, ESEAL_STORE_SCHEME_VERSION);
    assert_string_equal(eseal_store_scheme_sqlite()->scheme, "sqlite");
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    (void)snprintf(db, sizeof(db), "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static int count_events(const eseal_seal_event *e, void *payload)
{
    int *n = payload;
    (*n)++;
    assert_int_equal(e->seq, *n);
    return ESEAL_OK;
}

static int count_seals(const eseal_seal_record *r, void *payload)
{
    (void)r;
    (*(int *)payload)++;
    return ESEAL_OK;
}

/* The seal registry: records, prefix lookups, state updates, numbered events, receipts. */
static void seal_registry(void **state)
{
    (void)state;
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, db), ESEAL_OK);
    char esid1[] = "SEAL-0001-AAAA", esid2[] = "SEAL-0002-BBBB", name[] = "合同专用章", owner[] = "Example Co",
         certs[] = "c1,c2", maker[] = "m1", made[] = "made", sha[] = "00";
    eseal_seal_record r = {0};
    r.esid = esid1;
    r.name = name;
    r.owner = owner;
    r.cert_ids = certs;
    r.maker_cert_id = maker;
    r.state = made;
    r.sha256 = sha;
    r.type = 3;
    r.generation = 1;
    r.created_ms = r.valid_from_ms = r.updated_ms = 1000;
    r.valid_to_ms = 2000;
    assert_int_equal(eseal_store_seal_insert(s, &r, "\x30\x00", 2), ESEAL_OK);
    assert_int_equal(eseal_store_seal_insert(s, &r, "\x30\x00", 2), ESEAL_EEXISTS);
    r.esid = esid2;
    assert_int_equal(eseal_store_seal_insert(s, &r, "\x30\x00", 2), ESEAL_OK);
    eseal_seal_record out;
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "SEAL-000"), ESEAL_EAMBIGUOUS);
    assert_int_equal(eseal_store_seal_find(s, &out, &der, "SEAL-0002"), ESEAL_OK);
    assert_string_equal(out.esid, "SEAL-0002-BBBB");
    assert_string_equal(out.name, "合同专用章");
    assert_int_equal(der.size, 2);
    eseal_seal_record_dispose(&out);
    eseal_buf_dispose(&der);
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "NOPE-0000"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_seal_update(s, "SEAL-0001-AAAA", "active", 1500, NULL), ESEAL_OK);
    assert_int_equal(eseal_store_seal_update(s, "SEAL-0001-AAAA", "revoked", 1600, "SEAL-0002-BBBB"), ESEAL_OK);
    assert_int_equal(eseal_store_seal_update(s, "SEAL-9999", "active", 1500, NULL), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "SEAL-0001-AAAA"), ESEAL_OK);
    assert_string_equal(out.state, "revoked");
    assert_string_equal(out.next_esid, "SEAL-0002-BBBB");
    assert_int_equal(out.updated_ms, 1600);
    eseal_seal_record_dispose(&out);
    char empty[] = "", tester[] = "tester", why[] = "why";
    eseal_seal_event e = {0};
    e.esid = esid1;
    e.from_state = empty;
    e.to_state = made;
    e.actor = tester;
    e.reason = why;
    int64_t seq = 0;
    assert_int_equal(eseal_store_seal_event_add(s, &e, &seq), ESEAL_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(eseal_store_seal_event_add(s, &e, &seq), ESEAL_OK);
    assert_int_equal(seq, 2);
    int n = 0;
    assert_int_equal(eseal_store_seal_events(s, "SEAL-0001-AAAA", count_events, &n), ESEAL_OK);
    assert_int_equal(n, 2);
    assert_int_equal(eseal_store_seal_receipt(s, &der, "SEAL-0001-AAAA"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_seal_receipt_put(s, "SEAL-0001-AAAA", "\x30\x01\x00", 3), ESEAL_OK);
    assert_int_equal(eseal_store_seal_receipt(s, &der, "SEAL-0001-AAAA"), ESEAL_OK);
    assert_int_equal(der.size, 3);
    eseal_buf_dispose(&der);
    n = 0;
    assert_int_equal(eseal_store_seal_list(s, count_seals, &n), ESEAL_OK);
    assert_int_equal(n, 2);
    eseal_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_and_lookups),
        cmocka_unit_test(current_role_certificate),
        cmocka_unit_test(transactions_roll_back),
        cmocka_unit_test(postgres_unreachable_cannot_connect),
        cmocka_unit_test(seal_registry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
