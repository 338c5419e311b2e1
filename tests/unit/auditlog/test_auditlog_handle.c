/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log room stands alone (issue #16): its handle is made from a home directory, a store,
 * the log settings and key callbacks, with no eseal_instance anywhere in this file; an audit
 * event appended inside a transaction on that store is read back through the handle's log, with
 * its actor; checkpoints are signed with the key the callbacks give, and refused without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog/auditlog.h"
#include "eseal/eseal.h"
#include "eseal/sys/store.h"

static const char pass[] = "handle-test-passphrase";
static int saves, loads;

static es_result key_save(void *owner, eseal_key *key, const char *path)
{
    assert_ptr_equal(owner, &saves);
    saves++;
    return es_from_code(eseal_key_save(key, path, pass, strlen(pass)));
}

static es_result key_load(void *owner, eseal_key **key, const char *path)
{
    assert_ptr_equal(owner, &saves);
    loads++;
    return es_from_code(eseal_key_load(key, path, pass, strlen(pass)));
}

typedef struct {
    char home[64];
    eseal_store *store;
    es_config cfg;
    es_auditlog *h;
} room;

static void room_open(room *r, bool with_keys)
{
    memset(r, 0, sizeof(*r));
    (void)snprintf(r->home, sizeof(r->home), "/tmp/eseal-room-XXXXXX");
    assert_non_null(mkdtemp(r->home));
    char db[128];
    (void)snprintf(db, sizeof(db), "%s/keys", r->home); /* the owner's key directory */
    assert_int_equal(mkdir(db, 0700), 0);
    (void)snprintf(db, sizeof(db), "%s/eseal.db", r->home);
    assert_int_equal(eseal_store_open(&r->store, db), ESEAL_OK);
    static char base[] = "https://seal.example.test/";
    r->cfg.base_url = base;
    es_auditlog_params p = {0};
    p.home = r->home;
    p.store = r->store;
    p.cfg = &r->cfg;
    if (with_keys) {
        p.owner = &saves;
        p.key_load = key_load;
        p.key_save = key_save;
    }
    assert_true(es_ok(es_auditlog_open(&r->h, &p)));
}

static void room_close(room *r)
{
    es_auditlog_close(r->h);
    eseal_store_close(r->store);
    char cmd[128];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->home);
    assert_int_equal(system(cmd), 0);
}

/* Two events in one transaction of the owner's store: the platform's, and an operator's. */
static void record_two(room *r)
{
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    static char id[] = "c0ffee";
    rec.id = id;
    eseal_principal who = ESEAL_PRINCIPAL_INIT;
    who.kind = ESEAL_PRINCIPAL_OPERATOR;
    who.id = "alice";
    who.device = "unit-test";
    es_acting by;
    assert_true(es_ok(es_act(&by, &who, ES_ACT_CERT_ISSUE, "cert", NULL)));
    assert_int_equal(eseal_store_begin(r->store), ESEAL_OK);
    assert_true(es_ok(es_audit_prepare(r->h))); /* no TSA callback: entries without a token */
    assert_true(es_ok(es_audit_cert_event(r->h, NULL, "cert.issued", &rec, "by the platform")));
    assert_true(es_ok(es_audit_cert_event(r->h, &by, "cert.issued", &rec, "by alice")));
    assert_int_equal(eseal_store_commit(r->store), ESEAL_OK);
}

static void entry_at(eseal_log *log, uint64_t i, eseal_audit_entry_parsed *p)
{
    eseal_buf e = ESEAL_BUF_INIT;
    assert_int_equal(eseal_log_entry(log, &e, i), ESEAL_OK);
    assert_int_equal(eseal_audit_entry_parse(p, e.ptr, e.size), ESEAL_OK);
    eseal_buf_dispose(&e);
}

static void appends_and_reads_back_without_an_instance(void **state)
{
    (void)state;
    room r;
    room_open(&r, true);
    record_two(&r);
    eseal_log *log = NULL;
    assert_true(es_ok(es_auditlog_log(r.h, &log)));
    uint64_t size = 0;
    assert_int_equal(eseal_log_size(log, &size, NULL), ESEAL_OK);
    assert_int_equal(size, 2);
    eseal_audit_entry_parsed p;
    entry_at(log, 0, &p);
    assert_string_equal(p.e.type, "cert.issued");
    assert_string_equal(p.e.actor, "platform");
    assert_string_equal(p.e.cert, "c0ffee");
    eseal_audit_entry_parsed_dispose(&p);
    entry_at(log, 1, &p);
    assert_string_equal(p.e.actor, "alice");
    assert_string_equal(p.e.actor_kind, "operator");
    assert_string_equal(p.e.detail, "by alice");
    assert_non_null(p.e.device_commitment);
    eseal_audit_entry_parsed_dispose(&p);
    /* The origin comes from the handle's own copy of the settings. */
    assert_string_equal(eseal_log_origin(log), "seal.example.test/log");
    /* A checkpoint, signed with the key made and loaded through the owner's callbacks. */
    saves = loads = 0;
    uint64_t cs = 0;
    assert_int_equal(eseal_log_publish(log, &cs), ESEAL_OK);
    assert_int_equal(cs, 2);
    assert_int_equal(saves, 1);
    assert_int_equal(loads, 1);
    eseal_buf rcpt = ESEAL_BUF_INIT;
    assert_int_equal(eseal_log_receipt(log, &rcpt, 1), ESEAL_OK);
    eseal_buf_dispose(&rcpt);
    room_close(&r);
}

/* Without key callbacks the room has no passphrase: it records, but signs nothing. */
static void no_key_callbacks_no_checkpoint(void **state)
{
    (void)state;
    room r;
    room_open(&r, false);
    record_two(&r);
    eseal_log *log = NULL;
    assert_true(es_ok(es_auditlog_log(r.h, &log)));
    assert_int_equal(eseal_log_publish(log, NULL), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "needs the instance passphrase"));
    room_close(&r);
}

/* The hook lives in the handle. */
static int hook_calls;
static int count_hook(const eseal_audit_event *ev, void *payload)
{
    assert_ptr_equal(payload, &hook_calls);
    assert_string_equal(ev->kind, "seal.transition");
    hook_calls++;
    return 7;
}

static void hook_in_the_handle(void **state)
{
    (void)state;
    room r;
    room_open(&r, false);
    eseal_audit_event ev = {ESEAL_AUDIT_EVENT_VERSION, "seal.transition", "s", 1, 0, "", "made", "a", ""};
    assert_int_equal(es_auditlog_hook_call(r.h, &ev), 0); /* none set */
    es_auditlog_set_hook(r.h, count_hook, &hook_calls);
    assert_int_equal(es_auditlog_hook_call(r.h, &ev), 7);
    assert_int_equal(hook_calls, 1);
    room_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_and_reads_back_without_an_instance),
        cmocka_unit_test(no_key_callbacks_no_checkpoint),
        cmocka_unit_test(hook_in_the_handle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
