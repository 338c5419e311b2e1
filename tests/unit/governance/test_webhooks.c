/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Webhooks on an instance (src/governance/webhook.c, eseal/governance.h; docs/webhooks.md): the
 * signature against an HMAC-SHA256 computed here with OpenSSL's HMAC(); the back-off schedule; who
 * may add, list, remove and replay (an org-admin of the organisation; another organisation sees
 * nothing); which URLs and events; grant.changed queued with each grant change, in its
 * transaction, to the subscribed webhooks only; delivery to a receiver that refuses the
 * connection, with the clock given: retries 1 s, 2 s, 4 s later, nothing before its time, failed
 * past the 24 h; a replay queues the same event again; a delivery another sender took is not sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../test_principal.h"

#define PASS "webhooks-test-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"
#define USER_PW "Webhooks-Test-Passphrase-7731"
/* Nothing listens on the discard port of the loopback: every attempt is a refused connection. */
#define REFUSED_URL "http://127.0.0.1:9/hook"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_org org_a, org_b;
static char seal_a[64];

static const char *admin_r[] = {"org-admin"}, *stamper_r[] = {"stamper"};

static void user(const char *login, const eseal_org *o, const char *roles)
{
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, login, login, o->id, roles, USER_PW), ESEAL_OK);
}

static int setup(void **state)
{
    (void)state;
    setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    unsetenv("ESEAL_WEBHOOK_BACKOFF_MS");
    (void)snprintf(tmpl, sizeof(tmpl), "/tmp/eseal-webhooks-XXXXXX");
    test_instance_init(tmpl, ihome, sizeof(ihome), PASS);
    inst = test_instance_open(ihome, PASS);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_a, "Alpha Trading Ltd", USCC_A), ESEAL_OK);
    assert_int_equal(eseal_org_add(inst, test_who(), &org_b, "Beta Works Ltd", USCC_B), ESEAL_OK);
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "Alpha Trading Ltd";
    q.uscc = USCC_A;
    q.alg = ESEAL_ALG_P256;
    eseal_cert_record c;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &c, &q), ESEAL_OK);
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = c.id;
    sq.name = "Alpha Trading Ltd";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    (void)snprintf(seal_a, sizeof(seal_a), "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&c);
    user("ada", &org_a, "org-admin");
    user("lena", &org_a, "stamper");
    user("bob", &org_b, "org-admin");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, tmpl);
}

static void expect_error(int rc, int code, const char *message)
{
    assert_int_equal(rc, code);
    assert_string_equal(eseal_error_last()->message, message);
}

/* The signature against HMAC-SHA256 computed here, with OpenSSL's one-shot HMAC(). */
static void signature_is_hmac_sha256_of_t_dot_body(void **state)
{
    (void)state;
    const char *secret = "whsec_test-secret";
    const char *body = "{\"id\":\"evt_1\",\"type\":\"alert\"}";
    char sig[128];
    assert_int_equal(eseal_webhook_signature(sig, sizeof(sig), secret, 1764921600, body, strlen(body)), ESEAL_OK);
    char msg[128];
    (void)snprintf(msg, sizeof(msg), "1764921600.%s", body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), mac, &n));
    assert_int_equal(n, 32);
    char want[128] = "t=1764921600,v1=";
    for (unsigned int i = 0; i < n; i++) {
        (void)snprintf(want + strlen(want), sizeof(want) - strlen(want), "%02x", mac[i]);
    }
    assert_string_equal(sig, want);
    /* another body, another time, another secret: another signature */
    char other[128];
    assert_int_equal(eseal_webhook_signature(other, sizeof(other), secret, 1764921601, body, strlen(body)), ESEAL_OK);
    assert_string_not_equal(other + 16, sig + 16);
    assert_int_equal(eseal_webhook_signature(other, sizeof(other), "whsec_other", 1764921600, body, strlen(body)),
                     ESEAL_OK);
    assert_string_not_equal(other, sig);
    assert_int_equal(eseal_webhook_signature(other, 40, secret, 1764921600, body, strlen(body)), ESEAL_ELIMIT);
}

static void backoff_doubles_from_one_second_to_one_hour(void **state)
{
    (void)state;
    assert_int_equal(eseal_webhook_backoff_ms(1, 0), 1000);
    assert_int_equal(eseal_webhook_backoff_ms(2, 0), 2000);
    assert_int_equal(eseal_webhook_backoff_ms(3, 0), 4000);
    assert_int_equal(eseal_webhook_backoff_ms(12, 0), 2048000);
    assert_int_equal(eseal_webhook_backoff_ms(13, 0), 3600000); /* 4096 s capped */
    assert_int_equal(eseal_webhook_backoff_ms(1000, 0), 3600000);
    assert_int_equal(eseal_webhook_backoff_ms(1, 50), 50);
    assert_int_equal(eseal_webhook_backoff_ms(4, 50), 400);
}

typedef struct {
    char seen[600];
    size_t n;
} seen_ctx;

static int webhook_cb(const eseal_webhook *w, void *p)
{
    seen_ctx *c = p;
    size_t n = strlen(c->seen);
    (void)snprintf(c->seen + n, sizeof(c->seen) - n, "%s%s", n > 0 ? "," : "", w->url);
    c->n++;
    return 0;
}

static void who_may_add_and_what(void **state)
{
    (void)state;
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), lena = test_user("lena", org_a.id, stamper_r, 1),
                    bob = test_user("bob", org_b.id, admin_r, 1);
    eseal_webhook w;
    expect_error(eseal_webhook_add(inst, &lena, NULL, "https://a.example/h", "alert", &w), ESEAL_EDENIED,
                 "user lena may not webhook.add: no role or grant of this user allows it");
    expect_error(eseal_webhook_add(inst, &ada, NULL, "http://a.example/h", "alert", &w), ESEAL_EINVAL,
                 "webhook: an http:// URL only on the loopback (127.0.0.1 or localhost); use https://");
    expect_error(eseal_webhook_add(inst, &ada, NULL, "http://127.0.0.1.evil.example/h", "alert", &w), ESEAL_EINVAL,
                 "webhook: an http:// URL only on the loopback (127.0.0.1 or localhost); use https://");
    expect_error(eseal_webhook_add(inst, &ada, NULL, "ftp://a.example/h", "alert", &w), ESEAL_EINVAL,
                 "webhook: the URL must be https:// (or http:// on the loopback)");
    expect_error(eseal_webhook_add(inst, &ada, NULL, "https://user@a.example/h", "alert", &w), ESEAL_EINVAL,
                 "webhook: the URL names no host (or carries credentials)");
    expect_error(eseal_webhook_add(inst, &ada, NULL, "https://a.example/h", "alert,stamp.done", &w), ESEAL_EINVAL,
                 "webhook: no event type 'stamp.done' (docs/webhooks.md lists them)");
    expect_error(eseal_webhook_add(inst, &ada, NULL, "https://a.example/h", "alert,alert", &w), ESEAL_EINVAL,
                 "webhook: event alert named twice");
    /* bob names Alpha: an organisation he cannot see */
    assert_int_equal(eseal_webhook_add(inst, &bob, org_a.id, "https://b.example/h", "alert", &w), ESEAL_ENOTFOUND);

    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, "https://a.example/h", "alert,grant.changed", &w), ESEAL_OK);
    assert_int_equal(strlen(w.id), ESEAL_WEBHOOK_ID_LEN);
    assert_int_equal(strncmp(w.secret, "whsec_", 6), 0);
    assert_int_equal(strlen(w.secret), ESEAL_WEBHOOK_SECRET_LEN);
    assert_string_equal(w.events, "grant.changed,alert"); /* canonical order */
    assert_string_equal(w.org_id, org_a.id);
    eseal_webhook wb;
    assert_int_equal(eseal_webhook_add(inst, &bob, NULL, "http://localhost:8080/b", "alert", &wb), ESEAL_OK);
    assert_string_not_equal(wb.secret, w.secret);

    seen_ctx a = {"", 0}, b = {"", 0}, l = {"", 0}, op = {"", 0};
    assert_int_equal(eseal_webhook_list(inst, &ada, webhook_cb, &a), ESEAL_OK);
    assert_string_equal(a.seen, "https://a.example/h");
    assert_int_equal(eseal_webhook_list(inst, &bob, webhook_cb, &b), ESEAL_OK);
    assert_string_equal(b.seen, "http://localhost:8080/b");
    assert_int_equal(eseal_webhook_list(inst, &lena, webhook_cb, &l), ESEAL_OK);
    assert_string_equal(l.seen, ""); /* a stamper reads none */
    assert_int_equal(eseal_webhook_list(inst, test_who(), webhook_cb, &op), ESEAL_OK);
    assert_int_equal(op.n, 2);

    /* another organisation's webhook does not exist for bob; a stamper may not remove it */
    char want[80];
    (void)snprintf(want, sizeof(want), "no webhook '%s'", w.id);
    expect_error(eseal_webhook_remove(inst, &bob, w.id), ESEAL_ENOTFOUND, want);
    assert_int_equal(eseal_webhook_remove(inst, &lena, w.id), ESEAL_EDENIED);
    assert_int_equal(eseal_webhook_remove(inst, &ada, w.id), ESEAL_OK);
    expect_error(eseal_webhook_remove(inst, &ada, w.id), ESEAL_ENOTFOUND, want);
    assert_int_equal(eseal_webhook_remove(inst, &bob, wb.id), ESEAL_OK);
}

typedef struct {
    size_t n;
    eseal_delivery d[8];
} deliveries_ctx;

static int delivery_cb(const eseal_delivery *d, void *p)
{
    deliveries_ctx *c = p;
    if (c->n < 8) {
        c->d[c->n] = *d;
    }
    c->n++;
    return 0;
}

static deliveries_ctx *deliveries_of(const eseal_principal *who, const char *id)
{
    deliveries_ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    assert_int_equal(eseal_webhook_deliveries(inst, who, id, 0, delivery_cb, c), ESEAL_OK);
    return c;
}

/* grant.changed queued with each change of a grant, to the webhooks subscribed to it; then sent to a
 * receiver that refuses: retried 1 s, 2 s later..., nothing before its time, failed past 24 h; replayed. */
static void grant_changes_queued_retried_failed_replayed(void **state)
{
    (void)state;
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), lena = test_user("lena", org_a.id, stamper_r, 1),
                    bob = test_user("bob", org_b.id, admin_r, 1);
    eseal_webhook w, alerts_only, other;
    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, REFUSED_URL, "grant.changed", &w), ESEAL_OK);
    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, REFUSED_URL, "alert", &alerts_only), ESEAL_OK);
    assert_int_equal(eseal_webhook_add(inst, &bob, NULL, REFUSED_URL, "grant.changed", &other), ESEAL_OK);

    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.role = "stamper";
    eseal_grant g;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    /* a refused grant queues nothing */
    q.role = NULL;
    q.user = "nobody";
    eseal_grant g2;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g2), ESEAL_ENOTFOUND);

    deliveries_ctx *c = deliveries_of(&ada, w.id);
    assert_int_equal(c->n, 1);
    eseal_delivery d = c->d[0];
    assert_string_equal(d.event_type, "grant.changed");
    assert_int_equal(d.status, ESEAL_DELIVERY_PENDING);
    assert_int_equal(d.attempts, 0);
    assert_int_equal(d.next_attempt_ms, d.created_ms);
    char want[200];
    (void)snprintf(want, sizeof(want), "\"change\":\"grant.added\"");
    assert_non_null(strstr(d.body, want));
    (void)snprintf(want, sizeof(want), "\"grant\":\"%s\"", g.id);
    assert_non_null(strstr(d.body, want));
    (void)snprintf(want, sizeof(want), "\"id\":\"%s\"", d.event_id);
    assert_non_null(strstr(d.body, want));
    (void)snprintf(want, sizeof(want), "\"org\":\"%s\"", org_a.id);
    assert_non_null(strstr(d.body, want));
    free(c);
    c = deliveries_of(&ada, alerts_only.id);
    assert_int_equal(c->n, 0); /* not subscribed */
    free(c);
    c = deliveries_of(&bob, other.id);
    assert_int_equal(c->n, 0); /* another organisation's grant */
    free(c);
    (void)snprintf(want, sizeof(want), "no webhook '%s'", w.id);
    expect_error(eseal_webhook_deliveries(inst, &bob, w.id, 0, delivery_cb, &(deliveries_ctx){0}), ESEAL_ENOTFOUND,
                 want);
    assert_int_equal(eseal_webhook_deliveries(inst, &lena, w.id, 0, delivery_cb, &(deliveries_ctx){0}), ESEAL_EDENIED);

    /* the revocation is a second event */
    assert_int_equal(eseal_grant_revoke(inst, test_who(), g.id, "test"), ESEAL_OK);
    c = deliveries_of(&ada, w.id);
    assert_int_equal(c->n, 2);
    assert_non_null(strstr(c->d[0].body, "\"change\":\"grant.revoked\""));
    assert_string_equal(c->d[1].id, d.id); /* newest first */
    eseal_delivery revoked = c->d[0];
    free(c);

    /* delivering, with the clock given: both of Alpha's due at t0 */
    int64_t t0 = revoked.created_ms;
    size_t sent = 0;
    assert_int_equal(eseal_webhook_deliver_due(inst, t0, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 2);
    c = deliveries_of(&ada, w.id);
    assert_int_equal(c->d[0].attempts, 1);
    assert_int_equal(c->d[0].status, ESEAL_DELIVERY_PENDING);
    assert_int_equal(c->d[0].last_status, 0);
    assert_non_null(strstr(c->d[0].last_error, "127.0.0.1"));
    assert_int_equal(c->d[0].next_attempt_ms, t0 + 1000);
    assert_int_equal(c->d[0].updated_ms, t0);
    free(c);
    assert_int_equal(eseal_webhook_deliver_due(inst, t0 + 999, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 0); /* not before its time */
    assert_int_equal(eseal_webhook_deliver_due(inst, t0 + 1000, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 2);
    c = deliveries_of(&ada, w.id);
    assert_int_equal(c->d[0].attempts, 2);
    assert_int_equal(c->d[0].next_attempt_ms, t0 + 1000 + 2000);
    free(c);
    assert_int_equal(eseal_webhook_deliver_due(inst, t0 + 2999, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 0);
    assert_int_equal(eseal_webhook_deliver_due(inst, t0 + 3000, 1, &sent), ESEAL_OK);
    assert_int_equal(sent, 1); /* at most the one asked for */
    assert_int_equal(eseal_webhook_deliver_due(inst, t0 + 3000, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 1);
    c = deliveries_of(&ada, w.id);
    assert_int_equal(c->d[0].attempts, 3);
    assert_int_equal(c->d[0].next_attempt_ms, t0 + 3000 + 4000);
    free(c);

    /* a day later: the next wait (8 s) would pass the 24 h from its creation: failed */
    int64_t late = revoked.created_ms + ESEAL_WEBHOOK_GIVE_UP_MS - 5000;
    assert_int_equal(eseal_webhook_deliver_due(inst, late, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 2);
    c = deliveries_of(&ada, w.id);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(c->d[i].status, ESEAL_DELIVERY_FAILED);
        assert_int_equal(c->d[i].attempts, 4);
    }
    free(c);
    assert_int_equal(eseal_webhook_deliver_due(inst, late + ESEAL_WEBHOOK_GIVE_UP_MS, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 0); /* failed ones are not retried */

    /* a replay: the same event again, as a new delivery due now */
    (void)snprintf(want, sizeof(want), "no delivery '%s'", revoked.id);
    expect_error(eseal_webhook_replay(inst, &bob, revoked.id, NULL), ESEAL_ENOTFOUND, want);
    assert_int_equal(eseal_webhook_replay(inst, &lena, revoked.id, NULL), ESEAL_EDENIED);
    eseal_delivery *again = calloc(1, sizeof(*again));
    assert_non_null(again);
    assert_int_equal(eseal_webhook_replay(inst, &ada, revoked.id, again), ESEAL_OK);
    assert_string_not_equal(again->id, revoked.id);
    assert_string_equal(again->event_id, revoked.event_id);
    assert_string_equal(again->body, revoked.body);
    assert_int_equal(again->status, ESEAL_DELIVERY_PENDING);
    assert_int_equal(again->attempts, 0);
    c = deliveries_of(&ada, w.id);
    assert_int_equal(c->n, 3);
    assert_string_equal(c->d[0].id, again->id);
    free(c);
    /* taken by another sender (another server on this home): not sent here */
    eseal_store *peer = NULL;
    char db[700];
    test_store_location(ihome, db, sizeof(db));
    assert_int_equal(eseal_store_open(&peer, db), ESEAL_OK);
    assert_int_equal(eseal_store_delivery_claim(peer, again->id, again->next_attempt_ms, again->created_ms + 60000),
                     ESEAL_OK);
    eseal_store_close(peer);
    assert_int_equal(eseal_webhook_deliver_due(inst, again->created_ms, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 0);
    /* the lease over, it is due again */
    assert_int_equal(eseal_webhook_deliver_due(inst, again->created_ms + 60000, 0, &sent), ESEAL_OK);
    assert_int_equal(sent, 1);
    c = deliveries_of(&ada, w.id);
    assert_int_equal(c->d[0].attempts, 1);
    assert_int_equal(c->d[0].next_attempt_ms, again->created_ms + 60000 + 1000);
    free(c);
    free(again);
}

/* A change of a grant (eseal_grant_change) is the event grant.changed with "change": "grant.changed",
 * queued in the change's transaction: a refused change queues nothing. */
static void a_grant_change_is_an_event(void **state)
{
    (void)state;
    eseal_principal ada = test_user("ada", org_a.id, admin_r, 1), lena = test_user("lena", org_a.id, stamper_r, 1);
    eseal_webhook w;
    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, REFUSED_URL, "grant.changed", &w), ESEAL_OK);
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.role = "stamper";
    eseal_grant g, out;
    assert_int_equal(eseal_grant_add(inst, &ada, &q, &g), ESEAL_OK);
    eseal_grant_request c = ESEAL_GRANT_REQUEST_INIT;
    c.max_uses = 4;
    assert_int_equal(eseal_grant_change(inst, &lena, g.id, &c, "mine", &out), ESEAL_EDENIED);
    assert_int_equal(eseal_grant_change(inst, &ada, g.id, &c, "a quota", &out), ESEAL_OK);
    deliveries_ctx *d = deliveries_of(&ada, w.id);
    assert_int_equal(d->n, 2); /* added, changed: the refused change queued nothing */
    assert_string_equal(d->d[0].event_type, "grant.changed");
    assert_non_null(strstr(d->d[0].body, "\"change\":\"grant.changed\""));
    char want[120];
    (void)snprintf(want, sizeof(want), "\"grant\":\"%s\"", g.id);
    assert_non_null(strstr(d->d[0].body, want));
    (void)snprintf(want, sizeof(want), "%s changed: a quota; before: ", g.id);
    assert_non_null(strstr(d->d[0].body, want));
    assert_non_null(strstr(d->d[1].body, "\"change\":\"grant.added\""));
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_is_hmac_sha256_of_t_dot_body),
        cmocka_unit_test(backoff_doubles_from_one_second_to_one_hour),
        cmocka_unit_test(who_may_add_and_what),
        cmocka_unit_test(grant_changes_queued_retried_failed_replayed),
        cmocka_unit_test(a_grant_change_is_an_event),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
