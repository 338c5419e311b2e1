/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail filtered (eseal_instance_audit_query, src/service/owner.c audit_scan; issue 21 §2):
 * by seal, by acting user, by time (since inclusive, until exclusive), by type (exact or a family
 * "seal."), in both orders, all of them at once; an organisation's auditor gets the same entries as
 * eseal_instance_audit_read gives it (the same decision: nothing of another organisation, whatever
 * the filter names); and the work of one call is bounded (scan_max), with a cursor to go on from.
 * And the log audit run and recorded (eseal_log_audit_run, eseal_log_audit_last; src/governance/log_audit.c).
 * Password hashing runs with cheap parameters (ESEAL_PW_PARAMS).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../test_principal.h"

#define PASS "audit-query-test-pass"
#define GOOD_PW "Correct-Horse-Battery-9071"
#define MAX_SEEN 512

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;
static eseal_context *ctx;
static int64_t clock_ms;
static int64_t t1, t2, t3; /* the three phases' clocks */
static char seal_a[128], seal_b[128];

static int64_t test_clock(void *payload)
{
    (void)payload;
    return clock_ms;
}

static const char *const auditor_roles[] = {"auditor"};

typedef struct {
    uint64_t index[MAX_SEEN];
    char type[MAX_SEEN][40];
    char seal[MAX_SEEN][128];
    char actor[MAX_SEEN][64];
    int64_t time[MAX_SEEN];
    size_t n;
    size_t calls; /* how many query calls it took */
} seen;

static int collect(uint64_t index, const eseal_audit_entry *e, const char *org, void *payload)
{
    (void)org;
    seen *s = payload;
    assert_true(s->n < MAX_SEEN);
    s->index[s->n] = index;
    (void)snprintf(s->type[s->n], sizeof(s->type[0]), "%s", e->type);
    (void)snprintf(s->seal[s->n], sizeof(s->seal[0]), "%s", e->seal != NULL ? e->seal : "");
    (void)snprintf(s->actor[s->n], sizeof(s->actor[0]), "%s", e->actor != NULL ? e->actor : "");
    s->time[s->n] = e->time_ms;
    s->n++;
    return 0;
}

/* Everything `q` finds for `who`, following the cursor to the end (pages of q->limit). */
static void query_all(const eseal_principal *who, eseal_audit_query q, seen *s)
{
    memset(s, 0, sizeof(*s));
    int more = 1;
    while (more) {
        uint64_t next = 0;
        assert_int_equal(eseal_instance_audit_query(inst, who, &q, collect, s, &next, &more), ESEAL_OK);
        s->calls++;
        assert_true(s->calls < 100000);
        q.cursor = next;
    }
}

/* Everything eseal_instance_audit_read gives `who`, kept when `keep` says so (the reference). */
typedef bool (*keep_fn)(const seen *s, size_t i);
static void reference(const eseal_principal *who, keep_fn keep, seen *out)
{
    static seen all;
    memset(&all, 0, sizeof(all));
    uint64_t from = 0, next = 0, size = test_log_size(inst);
    while (from < size) {
        assert_int_equal(eseal_instance_audit_read(inst, who, from, 50, collect, &all, &next), ESEAL_OK);
        from = next;
    }
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < all.n; i++) {
        if (keep == NULL || keep(&all, i)) {
            out->index[out->n] = all.index[i];
            memcpy(out->type[out->n], all.type[i], sizeof(all.type[0]));
            memcpy(out->seal[out->n], all.seal[i], sizeof(all.seal[0]));
            memcpy(out->actor[out->n], all.actor[i], sizeof(all.actor[0]));
            out->time[out->n] = all.time[i];
            out->n++;
        }
    }
}

static void same_indexes(const seen *a, const seen *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->index[i], b->index[i]);
    }
}

/* A certificate of the organisation of USCC `uscc` and a seal of it (its esID into esid). */
static void org_seal(const char *uscc, const char *name, char *esid, size_t n)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = name;
    q.uscc = uscc;
    q.alg = ESEAL_ALG_ED25519;
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &crec, &q), ESEAL_OK);
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = crec.id;
    sq.name = name;
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    (void)snprintf(esid, n, "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&crec);
}

static void transition(const char *esid, eseal_seal_action action)
{
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_transition(inst, test_who(), &rec, esid, action, "audit query test"),
                     ESEAL_OK);
    eseal_seal_record_dispose(&rec);
}

static void login(const char *l, const char *pw, int want)
{
    eseal_identity id;
    int64_t wait = 0;
    assert_int_equal(eseal_auth_password(inst, &id, l, pw, "203.0.113.1", &wait), want);
}

static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-audit-query-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    clock_ms = eseal_context_now(NULL);
    assert_int_equal(eseal_context_set_clock(ctx, test_clock, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", "91110000MA01ABCDEX"), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works", "91110108MA01ABCD2H"), ESEAL_OK);
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "zed", NULL, org_a.id, "auditor", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "bzed", NULL, org_b.id, "auditor", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "alice", NULL, org_a.id, "stamper", GOOD_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "bob", NULL, org_b.id, "stamper", GOOD_PW), ESEAL_OK);
    /* phase 1: both seals made; alice logs in */
    clock_ms += 10000;
    t1 = clock_ms;
    org_seal("91110000MA01ABCDEX", "上海某某贸易有限公司合同专用章", seal_a, sizeof(seal_a));
    org_seal("91110108MA01ABCD2H", "北京某某科技有限公司合同专用章", seal_b, sizeof(seal_b));
    login("alice", GOOD_PW, ESEAL_OK);
    /* phase 2: both suspended; bob logs in and fails once */
    clock_ms += 10000;
    t2 = clock_ms;
    transition(seal_a, ESEAL_SEAL_SUSPEND);
    transition(seal_b, ESEAL_SEAL_SUSPEND);
    login("bob", GOOD_PW, ESEAL_OK);
    login("bob", "not-his-password", ESEAL_EAUTH);
    /* phase 3: A resumed; alice logs in again */
    clock_ms += 10000;
    t3 = clock_ms;
    transition(seal_a, ESEAL_SEAL_RESUME);
    login("alice", GOOD_PW, ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)eseal_instance_set_context(inst, NULL);
    eseal_context_free(ctx);
    return test_instance_done(inst, tmpl);
}

static bool of_seal_a(const seen *s, size_t i) { return strcmp(s->seal[i], seal_a) == 0; }
static bool of_alice(const seen *s, size_t i) { return strcmp(s->actor[i], "alice") == 0; }
static bool in_phase2(const seen *s, size_t i) { return s->time[i] >= t2 && s->time[i] < t3; }
static bool seal_family(const seen *s, size_t i) { return strncmp(s->type[i], "seal.", 5) == 0; }
static bool a_suspended_after(const seen *s, size_t i)
{
    return of_seal_a(s, i) && strcmp(s->type[i], "seal.suspended") == 0 && s->time[i] >= t1 - 3600000;
}

static int count_actor(const seen *s, const char *actor)
{
    int n = 0;
    for (size_t i = 0; i < s->n; i++) {
        n += strcmp(s->actor[i], actor) == 0;
    }
    return n;
}

static void each_filter(void **state)
{
    (void)state;
    static seen got, want;
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    q.limit = 3;

    /* by seal: every entry of seal A, and only those (made, suspended, resumed at least) */
    q.seal = seal_a;
    query_all(test_who(), q, &got);
    reference(test_who(), of_seal_a, &want);
    same_indexes(&got, &want);
    assert_true(got.n >= 3);
    for (size_t i = 0; i < got.n; i++) {
        assert_string_equal(got.seal[i], seal_a);
    }

    /* by user: alice's two logins */
    q.seal = NULL;
    q.user = "alice";
    query_all(test_who(), q, &got);
    reference(test_who(), of_alice, &want);
    same_indexes(&got, &want);
    assert_int_equal(got.n, 2);
    assert_string_equal(got.type[0], "auth.login");
    q.user = "nobody-at-all";
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 0);

    /* by time: since t2 (inclusive) until t3 (exclusive) is phase 2 exactly */
    q.user = NULL;
    q.since_ms = t2;
    q.until_ms = t3;
    query_all(test_who(), q, &got);
    reference(test_who(), in_phase2, &want);
    same_indexes(&got, &want);
    /* bob's login and failure at least (the seals' lifecycle entries carry the wall clock, not the
     * instance's moved one: where they fall is the reference's business) */
    assert_true(got.n >= 2);
    for (size_t i = 0; i < got.n; i++) {
        assert_true(got.time[i] >= t2 && got.time[i] < t3);
    }
    assert_int_equal(count_actor(&got, "bob"), 2);
    q.until_ms = t2; /* since == until: an empty interval is refused */
    uint64_t next = 0;
    int more = 0;
    assert_int_equal(eseal_instance_audit_query(inst, test_who(), &q, collect, &got, &next, &more), ESEAL_EINVAL);
    q.since_ms = 0;
    q.until_ms = 0;

    /* by type: exact, and a family */
    q.type = "seal.suspended";
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 2);
    q.type = "seal.";
    query_all(test_who(), q, &got);
    reference(test_who(), seal_family, &want);
    same_indexes(&got, &want);
    assert_true(got.n >= 5); /* made twice, suspended twice, resumed */
    q.type = "seal"; /* not a family without its dot, and no entry is of type "seal" */
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 0);

    /* newest first: the same entries backwards, across pages */
    q.type = "seal.";
    q.newest_first = 1;
    static seen back;
    query_all(test_who(), q, &back);
    assert_int_equal(back.n, want.n);
    for (size_t i = 0; i < back.n; i++) {
        assert_int_equal(back.index[i], want.index[want.n - 1 - i]);
    }
}

static void filters_combined(void **state)
{
    (void)state;
    static seen got, want;
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    q.seal = seal_a;
    q.type = "seal.suspended";
    q.since_ms = t1 - 3600000;
    q.limit = 1;
    query_all(test_who(), q, &got);
    reference(test_who(), a_suspended_after, &want);
    same_indexes(&got, &want);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.seal[0], seal_a);
    /* the same with a time that excludes it (it was written before t3 on any clock) */
    q.since_ms = t3;
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 0);
    /* with a user who did none of it */
    q.since_ms = t1 - 3600000;
    q.user = "alice";
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 0);
    /* user, type and time: alice's second login only */
    q.seal = NULL;
    q.type = "auth.login";
    q.since_ms = t3;
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.time[0], t3);
    q.until_ms = t3 + 1;
    q.newest_first = 1;
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 1);
}

static void access_across_organisations(void **state)
{
    (void)state;
    static seen got, want;
    eseal_principal zed = test_user("zed", org_a.id, auditor_roles, 1);
    eseal_principal bzed = test_user("bzed", org_b.id, auditor_roles, 1);
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    q.limit = 7;

    /* no filter: exactly what eseal_instance_audit_read gives each auditor */
    query_all(&zed, q, &got);
    reference(&zed, NULL, &want);
    same_indexes(&got, &want);
    assert_true(got.n > 0);
    query_all(&bzed, q, &got);
    reference(&bzed, NULL, &want);
    same_indexes(&got, &want);

    /* A's auditor: A's seal entries, none of B's seal, none of bob's logins */
    q.seal = seal_a;
    query_all(&zed, q, &got);
    assert_true(got.n >= 3);
    q.seal = seal_b;
    query_all(&zed, q, &got);
    assert_int_equal(got.n, 0);
    q.seal = NULL;
    q.user = "bob";
    query_all(&zed, q, &got);
    assert_int_equal(got.n, 0);
    /* B's auditor: bob's logins, B's seal, nothing of A's */
    query_all(&bzed, q, &got);
    assert_int_equal(got.n, 2);
    q.user = NULL;
    q.seal = seal_b;
    query_all(&bzed, q, &got);
    assert_true(got.n >= 2);
    q.seal = seal_a;
    query_all(&bzed, q, &got);
    assert_int_equal(got.n, 0);

    /* a stamper may read no audit entries at all */
    const char *const stamper[] = {"stamper"};
    eseal_principal alice = test_user("alice", org_a.id, stamper, 1);
    uint64_t next = 0;
    int more = 0;
    assert_int_equal(eseal_instance_audit_query(inst, &alice, &q, collect, &got, &next, &more), ESEAL_EDENIED);
}

static void work_is_bounded(void **state)
{
    (void)state;
    static seen got;
    uint64_t size = test_log_size(inst);
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    q.type = "no.such.type";
    q.scan_max = 4;
    /* one call: no entry, but it stops after 4 and says where to go on */
    memset(&got, 0, sizeof(got));
    uint64_t next = 0;
    int more = 0;
    assert_int_equal(eseal_instance_audit_query(inst, test_who(), &q, collect, &got, &next, &more), ESEAL_OK);
    assert_int_equal(got.n, 0);
    assert_int_equal(next, 4);
    assert_int_equal(more, 1);
    /* followed to the end: ceil(size / 4) calls, the last one saying there is no more */
    query_all(test_who(), q, &got);
    assert_int_equal(got.n, 0);
    assert_int_equal(got.calls, (size + 3) / 4);
    /* newest first: from the end down to 0 */
    q.newest_first = 1;
    assert_int_equal(eseal_instance_audit_query(inst, test_who(), &q, collect, &got, &next, &more), ESEAL_OK);
    assert_int_equal(next, size - 4);
    assert_int_equal(more, 1);
    query_all(test_who(), q, &got);
    assert_int_equal(got.calls, (size + 3) / 4);
    /* a scan_max above the library's bound is the bound (10,000), not unbounded: this log is smaller */
    q.scan_max = 1000000;
    q.newest_first = 0;
    assert_int_equal(eseal_instance_audit_query(inst, test_who(), &q, collect, &got, &next, &more), ESEAL_OK);
    assert_int_equal(next, size);
    assert_int_equal(more, 0);
    /* a cursor beyond the log is its end: nothing, no more */
    q.cursor = size + 100;
    assert_int_equal(eseal_instance_audit_query(inst, test_who(), &q, collect, &got, &next, &more), ESEAL_OK);
    assert_int_equal(more, 0);
}

/* eseal_log_audit_run records every run (the named value log.audit.last); who may run and read it. */
static void audit_run_recorded(void **state)
{
    (void)state;
    eseal_principal zed = test_user("zed", org_a.id, auditor_roles, 1);
    eseal_principal bzed = test_user("bzed", org_b.id, auditor_roles, 1);
    const char *const stamper[] = {"stamper"};
    eseal_principal alice = test_user("alice", org_a.id, stamper, 1);
    eseal_log_audit_record rec, last;
    assert_int_equal(eseal_log_audit_last(inst, &zed, &last), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_log_audit_run(inst, &alice, &rec, NULL), ESEAL_EDENIED);
    assert_int_equal(eseal_log_audit_last(inst, &alice, &last), ESEAL_EDENIED);
    assert_int_equal(eseal_log_audit_last(inst, test_who(), &last), ESEAL_ENOTFOUND);
    uint64_t size = test_log_size(inst);
    size_t alerted = 99;
    clock_ms += 1000;
    assert_int_equal(eseal_log_audit_run(inst, &zed, &rec, &alerted), ESEAL_OK);
    assert_int_equal(rec.ok, 1);
    assert_int_equal(rec.entries, size);
    assert_int_equal(rec.time_ms, clock_ms);
    assert_string_equal(rec.by, "zed");
    assert_string_equal(rec.problem, "");
    assert_int_equal(alerted, 0);
    /* the same record for zed's organisation and the platform's side; another organisation's auditor
     * sees when and how, not who */
    assert_int_equal(eseal_log_audit_last(inst, &zed, &last), ESEAL_OK);
    assert_memory_equal(&last, &rec, sizeof(rec));
    assert_int_equal(eseal_log_audit_last(inst, test_who(), &last), ESEAL_OK);
    assert_string_equal(last.by, "zed");
    assert_int_equal(eseal_log_audit_last(inst, &bzed, &last), ESEAL_OK);
    assert_int_equal(last.time_ms, rec.time_ms);
    assert_int_equal(last.entries, rec.entries);
    assert_int_equal(last.ok, 1);
    assert_string_equal(last.by, "");
    /* a later run by the platform's side replaces it */
    clock_ms += 1000;
    assert_int_equal(eseal_log_audit_run(inst, test_who(), &rec, NULL), ESEAL_OK);
    assert_int_equal(eseal_log_audit_last(inst, &zed, &last), ESEAL_OK);
    assert_int_equal(last.time_ms, clock_ms);
    assert_string_equal(last.by, test_who()->id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_filter),
        cmocka_unit_test(filters_combined),
        cmocka_unit_test(access_across_organisations),
        cmocka_unit_test(work_is_bounded),
        cmocka_unit_test(audit_run_recorded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
