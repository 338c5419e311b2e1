/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events read from the audit log, and the alerts (src/governance/events.c, eseal/governance.h;
 * docs/webhooks.md), on a real instance with a clock the test sets, read back through the front
 * door (eseal_webhook_deliveries):
 *   - the first pump starts at the end of the log: what came before is not news;
 *   - a seal status change gives exactly one seal.status delivery to each subscribed webhook of
 *     the seal's organisation, none to another organisation's, none to a webhook not subscribed;
 *     pumping again queues nothing;
 *   - two processes (fork, each its own instance on the home) pumping at once queue each event once;
 *   - a new checkpoint gives one log.checkpoint to every subscribed organisation, once;
 *   - grant.quota.low once, at the stamp that leaves at most 10% (or 1) of the uses, not before nor after,
 *     also for the parent of a delegated grant whose stamp spends the parent's uses;
 *   - grant.expiring once per grant ending within the window (24 h, or ESEAL_WEBHOOK_EXPIRING_MS),
 *     not for a grant ending later (until the window reaches it) nor a revoked one;
 *   - a failed audit of the log alerts every organisation subscribed to alerts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "gov_fixture.h"
#include "../test_principal.h"

#define PASS "events-test-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"
#define USER_PW "Events-Test-Passphrase-5521"
#define HOUR_MS INT64_C(3600000)
/* Nothing listens on the discard port of the loopback: nothing is delivered, every row stays. */
#define REFUSED_URL "http://127.0.0.1:9/hook"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_context *ctx;
static int64_t now_ms; /* the instance's clock */
static eseal_org org_a, org_b;
static char seal_a[64];
/* A: every event of this file; A's second: seal.status only; B: every event */
static eseal_webhook w_a, w_a_status, w_b;
static const char *admin_r[] = {"org-admin"}, *stamper_r[] = {"stamper"};

static int64_t clock_fn(void *payload)
{
    (void)payload;
    return now_ms;
}

static char *path(const char *name)
{
    static char p[4][700];
    static int k;
    k = (k + 1) % 4;
    (void)snprintf(p[k], sizeof(p[k]), "%s/%s", tmpl, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    unsetenv("ESEAL_WEBHOOK_EXPIRING_MS");
    now_ms = eseal_time_now();
    gov_setup(&(gov_setup_args){.tag = "events", .pass = PASS, .tmpl = tmpl, .ihome = ihome,
                                .ihome_cap = sizeof(ihome), .inst = &inst, .ctx = &ctx, .clock = clock_fn,
                                .org_a = &org_a, .name_a = "Alpha Trading Ltd", .uscc_a = USCC_A, .org_b = &org_b,
                                .name_b = "Beta Works Ltd", .uscc_b = USCC_B, .seal_a = seal_a,
                                .seal_name = "Alpha Contract Seal"});
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "ada", "ada", org_a.id, "org-admin", USER_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "lena", "lena", org_a.id, "stamper", USER_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "bob", "bob", org_b.id, "org-admin", USER_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "li", "li", org_a.id, "stamper", USER_PW), ESEAL_OK);
    assert_int_equal(eseal_user_add(inst, test_who(), &u, "max", "max", org_a.id, "stamper", USER_PW), ESEAL_OK);
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), bob = test_user("bob", org_b.id, admin_r, 1);
    const char *all = "seal.status,log.checkpoint,alert";
    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, REFUSED_URL, all, &w_a), ESEAL_OK);
    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, REFUSED_URL, "seal.status", &w_a_status), ESEAL_OK);
    assert_int_equal(eseal_webhook_add(inst, &bob, NULL, REFUSED_URL, all, &w_b), ESEAL_OK);
    test_write_pdf(path("doc.pdf"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = test_instance_done(inst, tmpl);
    eseal_context_free(ctx);
    return rc;
}

/* The deliveries of webhook `w` of event `type` (NULL: any), as its organisation's admin reads them;
 * the body of the newest into `body` (may be NULL). */
typedef struct {
    const char *type;
    size_t n;
    char body[ESEAL_WEBHOOK_BODY_MAX + 1];
    char events[64][ESEAL_EVENT_ID_LEN + 1];
} count_ctx;

static int count_cb(const eseal_delivery *d, void *p)
{
    count_ctx *c = p;
    if (c->type != NULL && strcmp(d->event_type, c->type) != 0) {
        return 0;
    }
    if (c->n == 0) {
        memcpy(c->body, d->body, sizeof(c->body));
    }
    if (c->n < 64) {
        memcpy(c->events[c->n], d->event_id, sizeof(c->events[0]));
    }
    c->n++;
    return 0;
}

static count_ctx *deliveries(const eseal_webhook *w, const char *type)
{
    count_ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->type = type;
    eseal_principal admin = strcmp(w->org_id, org_a.id) == 0 ? test_user("ada", org_a.id, admin_r, 1)
                                                              : test_user("bob", org_b.id, admin_r, 1);
    assert_int_equal(eseal_webhook_deliveries(inst, &admin, w->id, 1000, count_cb, c), ESEAL_OK);
    return c;
}

static size_t count(const eseal_webhook *w, const char *type)
{
    count_ctx *c = deliveries(w, type);
    size_t n = c->n;
    free(c);
    return n;
}

/* The body of the newest delivery of `type` to `w` contains `want`. */
static void newest_has(const eseal_webhook *w, const char *type, const char *want)
{
    count_ctx *c = deliveries(w, type);
    assert_true(c->n > 0);
    if (strstr(c->body, want) == NULL) {
        fail_msg("%s not in %s", want, c->body);
    }
    free(c);
}

static size_t pump(int64_t at)
{
    size_t queued = 999;
    assert_int_equal(eseal_events_pump(inst, at, &queued), ESEAL_OK);
    return queued;
}

/* The first pump starts at the end of the log: the seal made in setup is no news. */
static void first_pump_starts_at_the_end(void **state)
{
    (void)state;
    assert_int_equal(pump(now_ms), 0);
    assert_int_equal(pump(now_ms), 0);
    assert_int_equal(count(&w_a, NULL), 0);
    assert_int_equal(count(&w_b, NULL), 0);
    assert_int_equal(eseal_events_pump(NULL, now_ms, NULL), ESEAL_EINVAL);
}

static void seal_status_once_to_its_organisation(void **state)
{
    (void)state;
    assert_int_equal(eseal_instance_seal_transition(inst, test_who(), NULL, seal_a, ESEAL_SEAL_SUSPEND,
                                                    "key holder on leave"),
                     ESEAL_OK);
    assert_int_equal(count(&w_a, "seal.status"), 0); /* queued by the pump, not by the change */
    assert_int_equal(pump(now_ms), 1);
    assert_int_equal(count(&w_a, "seal.status"), 1);
    assert_int_equal(count(&w_a_status, "seal.status"), 1);
    assert_int_equal(count(&w_b, NULL), 0); /* another organisation's seal */
    char want[128];
    (void)snprintf(want, sizeof(want), "\"seal\":\"%s\"", seal_a);
    newest_has(&w_a, "seal.status", want);
    newest_has(&w_a, "seal.status", "\"from\":\"active\"");
    newest_has(&w_a, "seal.status", "\"to\":\"suspended\"");
    newest_has(&w_a, "seal.status", "\"reason\":\"key holder on leave\"");
    newest_has(&w_a, "seal.status", "\"type\":\"seal.status\"");
    (void)snprintf(want, sizeof(want), "\"org\":\"%s\"", org_a.id);
    newest_has(&w_a, "seal.status", want);
    /* again: nothing new */
    assert_int_equal(pump(now_ms), 0);
    assert_int_equal(count(&w_a, "seal.status"), 1);
    /* the next change is the next event */
    assert_int_equal(eseal_instance_seal_transition(inst, test_who(), NULL, seal_a, ESEAL_SEAL_RESUME, "back"),
                     ESEAL_OK);
    assert_int_equal(pump(now_ms), 1);
    assert_int_equal(count(&w_a, "seal.status"), 2);
    newest_has(&w_a, "seal.status", "\"to\":\"active\"");
    newest_has(&w_a, "seal.status", "\"from\":\"suspended\"");
    assert_int_equal(count(&w_b, NULL), 0);
    assert_int_equal(count(&w_a_status, NULL), 2); /* seal.status only: no alert, no checkpoint */
}

/* Two processes, each its own instance on the home, pump at once: each event queued once. */
static void two_processes_queue_each_event_once(void **state)
{
    (void)state;
    size_t before = count(&w_a, "seal.status");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            eseal_instance_seal_transition(inst, test_who(), NULL, seal_a, ESEAL_SEAL_SUSPEND, "pumped twice"),
            ESEAL_OK);
        assert_int_equal(eseal_instance_seal_transition(inst, test_who(), NULL, seal_a, ESEAL_SEAL_RESUME, "pumped"),
                         ESEAL_OK);
    }
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            /* the child: an instance of its own; waits for the start, then pumps a few times */
            (void)close(go[1]);
            eseal_instance *mine = NULL;
            int ok = eseal_instance_open(&mine, ihome) == ESEAL_OK;
            char c;
            ok = ok && read(go[0], &c, 1) == 0; /* EOF: the parent closed it, both start */
            for (int i = 0; ok && i < 4; i++) {
                ok = eseal_events_pump(mine, 0, NULL) == ESEAL_OK;
            }
            if (!ok) {
                (void)fprintf(stderr, "pump: %s\n", eseal_error_last()->message);
            }
            eseal_instance_close(mine);
            _exit(ok ? 0 : 1);
        }
    }
    (void)close(go[0]);
    (void)close(go[1]);
    for (int k = 0; k < 2; k++) {
        int st = 0;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    count_ctx *c = deliveries(&w_a, "seal.status");
    assert_int_equal(c->n, before + 6);
    for (size_t i = 0; i < c->n && i < 64; i++) {
        for (size_t j = i + 1; j < c->n && j < 64; j++) {
            assert_string_not_equal(c->events[i], c->events[j]);
        }
    }
    free(c);
    assert_int_equal(count(&w_a_status, "seal.status"), before + 6);
    assert_int_equal(pump(now_ms), 0);
}

static void checkpoint_to_every_subscribed_organisation(void **state)
{
    (void)state;
    size_t a = count(&w_a, "log.checkpoint"), b = count(&w_b, "log.checkpoint");
    uint64_t size = 0;
    assert_int_equal(eseal_instance_log_publish(inst, test_who(), &size), ESEAL_OK);
    assert_int_equal(pump(now_ms), 2); /* one event for each organisation subscribed */
    assert_int_equal(count(&w_a, "log.checkpoint"), a + 1);
    assert_int_equal(count(&w_b, "log.checkpoint"), b + 1); /* B has no seal: the log is everyone's */
    assert_int_equal(count(&w_a_status, "log.checkpoint"), 0);
    char want[64];
    (void)snprintf(want, sizeof(want), "\"size\":%llu", (unsigned long long)size);
    newest_has(&w_b, "log.checkpoint", want);
    newest_has(&w_b, "log.checkpoint", "\"root_hash\":\"");
    newest_has(&w_b, "log.checkpoint", "\"checkpoint\":\"");
    /* no newer checkpoint: nothing */
    assert_int_equal(pump(now_ms), 0);
    assert_int_equal(eseal_instance_log_publish(inst, test_who(), NULL), ESEAL_OK); /* the same size */
    assert_int_equal(pump(now_ms), 0);
    assert_int_equal(count(&w_b, "log.checkpoint"), b + 1);
}

static eseal_grant grant(const char *login, int64_t until, int64_t max_uses)
{
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.user = login;
    q.not_after_ms = until;
    q.max_uses = max_uses;
    eseal_grant g;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    return g;
}

static void stamp_as(const char *login)
{
    eseal_principal who = test_user(login, org_a.id, stamper_r, 1);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = &who;
    q.seal_ref = seal_a;
    (void)unlink(path("out.pdf"));
    eseal_stamp_result res;
    int rc = eseal_instance_stamp_pdf(inst, &res, path("doc.pdf"), path("out.pdf"), &q);
    if (rc != ESEAL_OK) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
}

typedef struct {
    const char *kind, *grant;
    size_t n;
    char body[ESEAL_WEBHOOK_BODY_MAX + 1];
} alert_ctx;

static int alert_cb(const eseal_delivery *d, void *p)
{
    alert_ctx *c = p;
    char k[80], g[80];
    (void)snprintf(k, sizeof(k), "\"kind\":\"%s\"", c->kind);
    (void)snprintf(g, sizeof(g), "\"grant\":\"%s\"", c->grant != NULL ? c->grant : "");
    if (strcmp(d->event_type, "alert") == 0 && strstr(d->body, k) != NULL &&
        (c->grant == NULL || strstr(d->body, g) != NULL)) {
        if (c->n == 0) {
            memcpy(c->body, d->body, sizeof(c->body));
        }
        c->n++;
    }
    return 0;
}

/* The alerts of `kind` (about grant `grant`, NULL: any) delivered to `w`; the newest's body into body (may be NULL). */
static size_t alerts(const eseal_webhook *w, const char *kind, const char *grant_id, char *body, size_t cap)
{
    alert_ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->kind = kind;
    c->grant = grant_id;
    eseal_principal admin = strcmp(w->org_id, org_a.id) == 0 ? test_user("ada", org_a.id, admin_r, 1)
                                                              : test_user("bob", org_b.id, admin_r, 1);
    assert_int_equal(eseal_webhook_deliveries(inst, &admin, w->id, 1000, alert_cb, c), ESEAL_OK);
    size_t n = c->n;
    if (body != NULL) {
        (void)snprintf(body, cap, "%s", c->body);
    }
    free(c);
    return n;
}

/* max_uses 5: the alert comes with the stamp that leaves 1 (10% of 5 is less), once; max_uses 1: with
 * its only stamp (0 left). */
static void quota_low_once_at_its_threshold(void **state)
{
    (void)state;
    eseal_grant g = grant("lena", 0, 5);
    for (int i = 1; i <= 3; i++) {
        stamp_as("lena");
        (void)pump(now_ms);
        assert_int_equal(alerts(&w_a, "grant.quota.low", g.id, NULL, 0), 0); /* 5 - i > 1 left */
    }
    stamp_as("lena"); /* the 4th: 1 left */
    (void)pump(now_ms);
    char body[ESEAL_WEBHOOK_BODY_MAX + 1];
    assert_int_equal(alerts(&w_a, "grant.quota.low", g.id, body, sizeof(body)), 1);
    assert_non_null(strstr(body, "\"left\":1"));
    assert_non_null(strstr(body, "\"max_uses\":5"));
    assert_non_null(strstr(body, "\"uses\":4"));
    assert_non_null(strstr(body, "\"alert\":\"grant.quota.low\""));
    stamp_as("lena"); /* the 5th: 0 left, alerted already */
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.quota.low", g.id, NULL, 0), 1);
    assert_int_equal(alerts(&w_b, "grant.quota.low", NULL, NULL, 0), 0); /* not B's grant */
    assert_int_equal(eseal_grant_revoke(inst, test_who(), g.id, "used up"), ESEAL_OK);

    eseal_grant one = grant("lena", 0, 1);
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.quota.low", one.id, NULL, 0), 0);
    stamp_as("lena");
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.quota.low", one.id, body, sizeof(body)), 1);
    assert_non_null(strstr(body, "\"left\":0"));
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.quota.low", one.id, NULL, 0), 1);
    assert_int_equal(eseal_grant_revoke(inst, test_who(), one.id, "used up"), ESEAL_OK);
}

/* max_uses 20: 10% is 2 left; the use that reaches it is a delegate's stamp (its entry names the child
 * grant), which counts against the parent too: the parent is alerted, the child (4 of 5 left) is not. */
static void quota_low_of_an_ancestor_at_ten_percent(void **state)
{
    (void)state;
    eseal_grant_request pq = ESEAL_GRANT_REQUEST_INIT;
    pq.seal = seal_a;
    pq.user = "li";
    pq.max_uses = 20;
    pq.delegable = 1;
    eseal_grant p;
    assert_int_equal(eseal_grant_add(inst, test_who(), &pq, &p), ESEAL_OK);
    for (int i = 1; i <= 17; i++) {
        stamp_as("li");
    }
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.quota.low", p.id, NULL, 0), 0); /* 3 left: more than 10% */
    eseal_grant_request dq = ESEAL_GRANT_REQUEST_INIT;
    dq.seal = seal_a;
    dq.user = "max";
    dq.parent = p.id;
    dq.max_uses = 3;
    eseal_grant c;
    assert_int_equal(eseal_grant_add(inst, test_who(), &dq, &c), ESEAL_OK);
    stamp_as("max");
    (void)pump(now_ms);
    char body[ESEAL_WEBHOOK_BODY_MAX + 1];
    assert_int_equal(alerts(&w_a, "grant.quota.low", p.id, body, sizeof(body)), 1);
    assert_non_null(strstr(body, "\"left\":2"));
    assert_non_null(strstr(body, "\"uses\":18"));
    assert_non_null(strstr(body, "\"holder\":\"li\""));
    assert_int_equal(alerts(&w_a, "grant.quota.low", c.id, NULL, 0), 0); /* 2 of 3 left */
    stamp_as("max"); /* the child: 1 of 3 left now; the parent: alerted already */
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.quota.low", p.id, NULL, 0), 1);
    assert_int_equal(alerts(&w_a, "grant.quota.low", c.id, body, sizeof(body)), 1);
    assert_non_null(strstr(body, "\"left\":1"));
}

/* A grant ending within 24 h is alerted once; one ending in 3 days when the window reaches it; a revoked
 * one never; ESEAL_WEBHOOK_EXPIRING_MS narrows the window. */
static void expiring_once_per_grant(void **state)
{
    (void)state;
    eseal_grant soon = grant("lena", now_ms + 2 * HOUR_MS, 0), later = grant("lena", now_ms + 72 * HOUR_MS, 0),
                revoked = grant("lena", now_ms + HOUR_MS, 0), endless = grant("lena", 0, 0);
    assert_int_equal(eseal_grant_revoke(inst, test_who(), revoked.id, "not needed"), ESEAL_OK);
    (void)pump(now_ms);
    char body[ESEAL_WEBHOOK_BODY_MAX + 1];
    assert_int_equal(alerts(&w_a, "grant.expiring", soon.id, body, sizeof(body)), 1);
    char want[96];
    (void)snprintf(want, sizeof(want), "\"not_after_ms\":%lld", (long long)soon.not_after_ms);
    assert_non_null(strstr(body, want));
    assert_non_null(strstr(body, "\"holder\":\"lena\""));
    assert_int_equal(alerts(&w_a, "grant.expiring", later.id, NULL, 0), 0);
    assert_int_equal(alerts(&w_a, "grant.expiring", revoked.id, NULL, 0), 0);
    assert_int_equal(alerts(&w_a, "grant.expiring", endless.id, NULL, 0), 0);
    assert_int_equal(alerts(&w_b, "grant.expiring", NULL, NULL, 0), 0);
    (void)pump(now_ms + HOUR_MS);
    assert_int_equal(alerts(&w_a, "grant.expiring", soon.id, NULL, 0), 1); /* once */
    /* 49 h on, `later` ends in 23 h */
    (void)pump(now_ms + 48 * HOUR_MS - 1);
    assert_int_equal(alerts(&w_a, "grant.expiring", later.id, NULL, 0), 0);
    (void)pump(now_ms + 48 * HOUR_MS + 1);
    assert_int_equal(alerts(&w_a, "grant.expiring", later.id, NULL, 0), 1);
    (void)pump(now_ms + 49 * HOUR_MS);
    assert_int_equal(alerts(&w_a, "grant.expiring", later.id, NULL, 0), 1);
    assert_int_equal(alerts(&w_a, "grant.expiring", revoked.id, NULL, 0), 0);

    /* a window of one hour */
    setenv("ESEAL_WEBHOOK_EXPIRING_MS", "3600000", 1);
    assert_int_equal(eseal_events_expiring_ms(), HOUR_MS);
    eseal_grant two = grant("lena", now_ms + 2 * HOUR_MS, 0);
    (void)pump(now_ms);
    assert_int_equal(alerts(&w_a, "grant.expiring", two.id, NULL, 0), 0);
    (void)pump(now_ms + HOUR_MS + 1);
    assert_int_equal(alerts(&w_a, "grant.expiring", two.id, NULL, 0), 1);
    setenv("ESEAL_WEBHOOK_EXPIRING_MS", "soon", 1);
    assert_int_equal(eseal_events_expiring_ms(), ESEAL_GRANT_EXPIRING_MS);
    unsetenv("ESEAL_WEBHOOK_EXPIRING_MS");
    assert_int_equal(eseal_events_expiring_ms(), ESEAL_GRANT_EXPIRING_MS);
}

/* A damaged log fails its audit (as tests/unit/log's inconsistent_not_signed damages it): every
 * organisation subscribed to alerts is told, with the problem. Last: the log stays damaged. */
static void failed_audit_alerts_every_subscribed_organisation(void **state)
{
    (void)state;
    size_t a = alerts(&w_a, "log.audit.failed", NULL, NULL, 0), b = alerts(&w_b, "log.audit.failed", NULL, NULL, 0);
    assert_int_equal(a, 0);
    char dbp[700];
    test_store_location(ihome, dbp, sizeof(dbp));
    eseal_store *st = NULL;
    assert_int_equal(eseal_store_open(&st, dbp), ESEAL_OK);
    eseal_buf edge = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_log_state(st, &edge), ESEAL_OK);
    assert_true(edge.size > 8 + 32);
    edge.ptr[8 + 5] ^= 0x20; /* the first right-edge hash */
    assert_int_equal(eseal_store_log_state_put(st, edge.ptr, edge.size), ESEAL_OK);
    eseal_buf_dispose(&edge);
    eseal_store_close(st);
    eseal_log *lg = NULL;
    assert_int_equal(eseal_instance_log(inst, &lg), ESEAL_OK);
    eseal_log_audit_report rep;
    assert_int_equal(eseal_log_audit(lg, &rep), ESEAL_OK);
    assert_false(rep.ok);
    size_t told = 0;
    assert_int_equal(eseal_events_log_audit_failed(inst, rep.problem, &told), ESEAL_OK);
    assert_int_equal(told, 2);
    char body[ESEAL_WEBHOOK_BODY_MAX + 1];
    assert_int_equal(alerts(&w_a, "log.audit.failed", NULL, body, sizeof(body)), a + 1);
    assert_int_equal(alerts(&w_b, "log.audit.failed", NULL, NULL, 0), b + 1);
    assert_int_equal(count(&w_a_status, "alert"), 0);
    assert_non_null(strstr(body, "\"problem\":\""));
    assert_int_equal(eseal_events_log_audit_failed(NULL, "x", NULL), ESEAL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_pump_starts_at_the_end),
        cmocka_unit_test(seal_status_once_to_its_organisation),
        cmocka_unit_test(two_processes_queue_each_event_once),
        cmocka_unit_test(checkpoint_to_every_subscribed_organisation),
        cmocka_unit_test(quota_low_once_at_its_threshold),
        cmocka_unit_test(quota_low_of_an_ancestor_at_ten_percent),
        cmocka_unit_test(expiring_once_per_grant),
        cmocka_unit_test(failed_audit_alerts_every_subscribed_organisation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
