/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's webhooks and deliveries (issue 20 §3; eseal/sys/store.h, src/store/store.c,
 * sqlite.c migration 7): a webhook round-trips every field and belongs to an organisation that
 * exists; a delivery round-trips (its body byte for byte, its webhook's organisation read back),
 * belongs to a webhook that exists, is listed newest first and, when pending, as due from its
 * next attempt on, soonest first; taken for an attempt by one sender only; an attempt's outcome is
 * written back; removing a webhook takes
 * its deliveries; a store of schema 6 is migrated to 7 with its rows kept. Refusals with their
 * codes and words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"

#define STORE_TEST_DIR "/tmp/eseal-store-whk-XXXXXX"
#include "store_fixture.h"

#define ORG_A "org_00000000000000aa"
#define ORG_B "org_00000000000000bb"
#define WHK_1 "whk_0000000000000001"
#define WHK_2 "whk_0000000000000002"
#define SECRET "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static eseal_store *open_fresh(char path[300])
{
    eseal_store *s = open_numbered(path);
    add_org(s, ORG_A, "Alpha");
    add_org(s, ORG_B, "Beta");
    return s;
}

static eseal_webhook webhook(const char *id, const char *org, int64_t created)
{
    eseal_webhook w;
    memset(&w, 0, sizeof(w));
    (void)snprintf(w.id, sizeof(w.id), "%s", id);
    (void)snprintf(w.org_id, sizeof(w.org_id), "%s", org);
    (void)snprintf(w.url, sizeof(w.url), "https://hooks.example.com/eseal?o=%s", org);
    (void)snprintf(w.events, sizeof(w.events), "grant.changed,alert");
    (void)snprintf(w.secret, sizeof(w.secret), "%s", SECRET);
    (void)snprintf(w.created_by, sizeof(w.created_by), "user:alice");
    w.active = 1;
    w.created_ms = created;
    return w;
}

static eseal_delivery *delivery(const char *id, const char *whk, int64_t created, int64_t next)
{
    eseal_delivery *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    (void)snprintf(d->id, sizeof(d->id), "%s", id);
    (void)snprintf(d->webhook_id, sizeof(d->webhook_id), "%s", whk);
    (void)snprintf(d->event_id, sizeof(d->event_id), "evt_00000000000000%.2s", id + 18);
    (void)snprintf(d->event_type, sizeof(d->event_type), "alert");
    (void)snprintf(d->body, sizeof(d->body), "{\"id\":\"%s\",\"data\":{\"text\":\"caf\xc3\xa9 \\\"q\\\"\"}}", d->event_id);
    d->status = ESEAL_DELIVERY_PENDING;
    d->created_ms = d->updated_ms = created;
    d->next_attempt_ms = next;
    return d;
}

typedef struct {
    char seen[400];
} seen_ctx;

static int webhook_cb(const eseal_webhook *w, void *p)
{
    seen_ctx *c = p;
    size_t n = strlen(c->seen);
    (void)snprintf(c->seen + n, sizeof(c->seen) - n, "%s%s", n > 0 ? "," : "", w->id + 16);
    return 0;
}

static int delivery_cb(const eseal_delivery *d, void *p)
{
    seen_ctx *c = p;
    size_t n = strlen(c->seen);
    (void)snprintf(c->seen + n, sizeof(c->seen) - n, "%s%s", n > 0 ? "," : "", d->id + 16);
    return 0;
}

static void webhooks_round_trip(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_webhook w1 = webhook(WHK_1, ORG_A, 10), w2 = webhook(WHK_2, ORG_B, 5);
    assert_int_equal(eseal_store_webhook_insert(s, &w1), ESEAL_OK);
    assert_int_equal(eseal_store_webhook_insert(s, &w2), ESEAL_OK);
    expect_error(eseal_store_webhook_insert(s, &w1), ESEAL_EEXISTS, "a webhook 'whk_0000000000000001' exists");
    eseal_webhook bad = webhook("whk_0000000000000003", "org_00000000000000cc", 1);
    expect_error(eseal_store_webhook_insert(s, &bad), ESEAL_ENOTFOUND, "no organisation 'org_00000000000000cc'");
    bad = webhook("whk_0000000000000003", ORG_A, 1);
    bad.secret[10] = '\0'; /* a secret cut short */
    expect_error(eseal_store_webhook_insert(s, &bad), ESEAL_EINVAL, "store: invalid webhook");

    eseal_webhook got;
    assert_int_equal(eseal_store_webhook_get(s, &got, WHK_1), ESEAL_OK);
    assert_memory_equal(&got, &w1, sizeof(got));
    expect_error(eseal_store_webhook_get(s, &got, "whk_00000000000000ff"), ESEAL_ENOTFOUND,
                 "no webhook 'whk_00000000000000ff'");

    seen_ctx all = {""}, a = {""};
    assert_int_equal(eseal_store_webhook_list(s, NULL, webhook_cb, &all), ESEAL_OK);
    assert_string_equal(all.seen, "0002,0001"); /* oldest first */
    assert_int_equal(eseal_store_webhook_list(s, ORG_A, webhook_cb, &a), ESEAL_OK);
    assert_string_equal(a.seen, "0001");
    eseal_store_close(s);
}

static void deliveries_due_update_and_removal(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_webhook w1 = webhook(WHK_1, ORG_A, 10), w2 = webhook(WHK_2, ORG_B, 10);
    assert_int_equal(eseal_store_webhook_insert(s, &w1), ESEAL_OK);
    assert_int_equal(eseal_store_webhook_insert(s, &w2), ESEAL_OK);
    eseal_delivery *d1 = delivery("dlv_0000000000000001", WHK_1, 100, 500);
    eseal_delivery *d2 = delivery("dlv_0000000000000002", WHK_1, 200, 300);
    eseal_delivery *d3 = delivery("dlv_0000000000000003", WHK_2, 300, 400);
    eseal_delivery *orphan = delivery("dlv_0000000000000004", "whk_00000000000000ff", 1, 1);
    assert_int_equal(eseal_store_delivery_insert(s, d1), ESEAL_OK);
    assert_int_equal(eseal_store_delivery_insert(s, d2), ESEAL_OK);
    assert_int_equal(eseal_store_delivery_insert(s, d3), ESEAL_OK);
    expect_error(eseal_store_delivery_insert(s, d1), ESEAL_EEXISTS, "a delivery 'dlv_0000000000000001' exists");
    expect_error(eseal_store_delivery_insert(s, orphan), ESEAL_ENOTFOUND, "no webhook 'whk_00000000000000ff'");
    orphan->status = (eseal_delivery_status)7;
    expect_error(eseal_store_delivery_insert(s, orphan), ESEAL_EINVAL, "store: invalid delivery");

    eseal_delivery *got = calloc(1, sizeof(*got));
    assert_non_null(got);
    assert_int_equal(eseal_store_delivery_get(s, got, "dlv_0000000000000001"), ESEAL_OK);
    assert_string_equal(got->org_id, ORG_A); /* read back from its webhook */
    memcpy(d1->org_id, ORG_A, sizeof(ORG_A));
    assert_memory_equal(got, d1, sizeof(*got)); /* every field, the body byte for byte */

    seen_ctx l = {""};
    assert_int_equal(eseal_store_delivery_list(s, WHK_1, 10, delivery_cb, &l), ESEAL_OK);
    assert_string_equal(l.seen, "0002,0001"); /* newest first */
    seen_ctx l1 = {""};
    assert_int_equal(eseal_store_delivery_list(s, WHK_1, 1, delivery_cb, &l1), ESEAL_OK);
    assert_string_equal(l1.seen, "0002");
    expect_error(eseal_store_delivery_list(s, WHK_1, 0, delivery_cb, &l1), ESEAL_EINVAL, "store: invalid delivery list");

    seen_ctx due = {""};
    assert_int_equal(eseal_store_delivery_due(s, 299, 10, delivery_cb, &due), ESEAL_OK);
    assert_string_equal(due.seen, ""); /* nothing due before 300 */
    assert_int_equal(eseal_store_delivery_due(s, 450, 10, delivery_cb, &due), ESEAL_OK);
    assert_string_equal(due.seen, "0002,0003"); /* soonest first */
    seen_ctx due_all = {""};
    assert_int_equal(eseal_store_delivery_due(s, 1000, 2, delivery_cb, &due_all), ESEAL_OK);
    assert_string_equal(due_all.seen, "0002,0003"); /* at most 2 */

    /* taking a due delivery: one conditional update; the second sender finds it taken */
    assert_int_equal(eseal_store_delivery_claim(s, "dlv_0000000000000001", 500, 60500), ESEAL_OK);
    expect_error(eseal_store_delivery_claim(s, "dlv_0000000000000001", 500, 60500), ESEAL_ESTATE,
                 "delivery 'dlv_0000000000000001' is taken");
    expect_error(eseal_store_delivery_claim(s, "dlv_00000000000000ff", 1, 2), ESEAL_ESTATE,
                 "delivery 'dlv_00000000000000ff' is taken");
    expect_error(eseal_store_delivery_claim(s, "dlv_0000000000000001", 500, 500), ESEAL_EINVAL,
                 "store: invalid delivery claim");
    seen_ctx leased = {""};
    assert_int_equal(eseal_store_delivery_due(s, 60499, 10, delivery_cb, &leased), ESEAL_OK);
    assert_string_equal(leased.seen, "0002,0003"); /* not due while taken */
    assert_int_equal(eseal_store_delivery_claim(s, "dlv_0000000000000001", 60500, 500), ESEAL_EINVAL);
    d1->next_attempt_ms = 500;
    assert_int_equal(eseal_store_delivery_update(s, d1), ESEAL_OK); /* its outcome: back at 500 */

    /* an attempt's outcome written back: delivered ones are no longer due */
    d2->status = ESEAL_DELIVERY_DELIVERED;
    d2->attempts = 3;
    d2->last_status = 204;
    d2->updated_ms = 777;
    (void)snprintf(d2->last_error, sizeof(d2->last_error), "before: refused");
    assert_int_equal(eseal_store_delivery_update(s, d2), ESEAL_OK);
    assert_int_equal(eseal_store_delivery_get(s, got, d2->id), ESEAL_OK);
    assert_int_equal(got->status, ESEAL_DELIVERY_DELIVERED);
    assert_int_equal(got->attempts, 3);
    assert_int_equal(got->last_status, 204);
    assert_int_equal(got->updated_ms, 777);
    assert_string_equal(got->last_error, "before: refused");
    d3->status = ESEAL_DELIVERY_FAILED;
    assert_int_equal(eseal_store_delivery_update(s, d3), ESEAL_OK);
    seen_ctx due2 = {""};
    assert_int_equal(eseal_store_delivery_due(s, 1000, 10, delivery_cb, &due2), ESEAL_OK);
    assert_string_equal(due2.seen, "0001");
    expect_error(eseal_store_delivery_update(s, orphan), ESEAL_EINVAL, "store: invalid delivery");
    orphan->status = ESEAL_DELIVERY_PENDING;
    expect_error(eseal_store_delivery_update(s, orphan), ESEAL_ENOTFOUND, "no delivery 'dlv_0000000000000004'");

    /* removing a webhook takes its deliveries */
    assert_int_equal(eseal_store_webhook_remove(s, WHK_1), ESEAL_OK);
    expect_error(eseal_store_webhook_remove(s, WHK_1), ESEAL_ENOTFOUND, "no webhook 'whk_0000000000000001'");
    expect_error(eseal_store_delivery_get(s, got, "dlv_0000000000000001"), ESEAL_ENOTFOUND,
                 "no delivery 'dlv_0000000000000001'");
    assert_int_equal(eseal_store_delivery_get(s, got, "dlv_0000000000000003"), ESEAL_OK);
    free(d1);
    free(d2);
    free(d3);
    free(orphan);
    free(got);
    eseal_store_close(s);
}

/* A store of schema 6 (before webhooks, with rows) opens, migrates to 7 (and 8) and keeps its rows. */
static void store_of_schema_6_migrated(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    int v = 0;
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    eseal_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* exactly these objects are migration 7's */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('webhooks', 'webhooks_org', "
                                    "'deliveries', 'deliveries_webhook', 'deliveries_due', "
                                    "'sqlite_autoindex_webhooks_1', 'sqlite_autoindex_deliveries_1')"),
                     7);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%webhook%' OR name LIKE "
                                    "'%deliver%'"),
                     7);
    assert_int_equal(
        sqlite3_exec(db,
                     "BEGIN; DROP TABLE impressions; DROP TABLE unlocks; DROP TABLE devices; DROP TABLE decisions; DROP TABLE request_docs; DROP TABLE requests; "
                     "DROP TABLE deliveries; DROP TABLE webhooks; DROP TABLE trusted_lists; "
                                  "ALTER TABLE seals DROP COLUMN hardware; PRAGMA user_version = 6; COMMIT;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    eseal_org o;
    assert_int_equal(eseal_store_org_find(s, &o, "Beta"), ESEAL_OK); /* the rows are kept */
    assert_string_equal(o.id, ORG_B);
    eseal_webhook w = webhook(WHK_1, ORG_B, 1);
    assert_int_equal(eseal_store_webhook_insert(s, &w), ESEAL_OK);
    eseal_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(webhooks_round_trip),
        cmocka_unit_test(deliveries_due_update_and_removal),
        cmocka_unit_test(store_of_schema_6_migrated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
