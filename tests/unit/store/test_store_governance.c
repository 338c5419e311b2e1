/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's governance concern (issue 20; eseal/sys/store.h, src/store/store.c, sqlite.c):
 * grants round-trip every field, are listed by seal, by organisation and all, oldest first, and
 * refer to an organisation, a seal and a parent that exist; revocation once; a use counted by one
 * conditional statement that never overspends, also when processes race for the last use, and that
 * a rolled-back transaction takes back; templates with their bytes; a store of schema 5 migrated
 * with its rows kept. Every refusal is checked with its code and its words.
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
#include <sys/wait.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "eseal/sys/store_backend.h"

#define STORE_TEST_DIR "/tmp/eseal-store-gov-XXXXXX"
#include "store_fixture.h"

#define ORG_A "org_00000000000000aa"
#define ORG_B "org_00000000000000bb"
#define SEAL_A "SEAL-A-0001"
#define SEAL_B "SEAL-B-0001"
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define HU "ABCDEF1111111111111111111111111111111111111111111111111111111111" /* kept lower-case: */
#define HL "abcdef1111111111111111111111111111111111111111111111111111111111"

static void add_seal(eseal_store *s, const char *esid)
{
    char name[] = "合同专用章", owner[] = "Example Co", certs[] = "c1", maker[] = "m1", made[] = "active", sha[] = "00";
    eseal_seal_record r = {0};
    r.esid = (char *)(uintptr_t)esid;
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
}

/* A new store with organisations A and B and a seal of each. */
static eseal_store *open_fresh(char path[300])
{
    eseal_store *s = open_numbered(path);
    add_org(s, ORG_A, "Alpha");
    add_org(s, ORG_B, "Beta");
    add_seal(s, SEAL_A);
    add_seal(s, SEAL_B);
    return s;
}

static eseal_grant grant(const char *id, const char *org, const char *seal, int64_t created)
{
    eseal_grant g;
    memset(&g, 0, sizeof(g));
    (void)snprintf(g.id, sizeof(g.id), "%s", id);
    (void)snprintf(g.org_id, sizeof(g.org_id), "%s", org);
    (void)snprintf(g.seal, sizeof(g.seal), "%s", seal);
    g.holder_kind = ESEAL_GRANT_TO_ROLE;
    (void)snprintf(g.holder, sizeof(g.holder), "stamper");
    (void)snprintf(g.created_by, sizeof(g.created_by), "operator:root");
    g.created_ms = created;
    return g;
}

typedef struct {
    char seen[512];
} walk;

static int grant_cb(const eseal_grant *g, void *p)
{
    walk *w = p;
    size_t n = strlen(w->seen);
    const char *tail = g->id + 4; /* "grt_0000...name": the name */
    while (*tail == '0') {
        tail++;
    }
    (void)snprintf(w->seen + n, sizeof(w->seen) - n, "%s%s", n > 0 ? "," : "", tail);
    return 0;
}

static void grants_round_trip_and_lists(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_grant full = grant("grt_000000000000full", ORG_A, SEAL_A, 30);
    full.holder_kind = ESEAL_GRANT_TO_USER;
    memset(full.holder, 0, sizeof(full.holder)); /* compared whole below */
    (void)snprintf(full.holder, sizeof(full.holder), "lena");
    (void)snprintf(full.types, sizeof(full.types), "contract,invoice");
    (void)snprintf(full.templates, sizeof(full.templates), "%s", H1);
    full.not_before_ms = 100;
    full.not_after_ms = 200;
    full.max_uses = 7;
    full.uses = 2;
    (void)snprintf(full.approval, sizeof(full.approval), "1:@approver;2:alice,bob");
    full.delegable = 1;
    assert_int_equal(eseal_store_grant_insert(s, &full), ESEAL_OK);
    eseal_grant out;
    assert_int_equal(eseal_store_grant_get(s, &out, full.id), ESEAL_OK);
    assert_memory_equal(&out, &full, sizeof(out));

    eseal_grant child = grant("grt_00000000000child", ORG_A, SEAL_A, 40);
    (void)snprintf(child.parent, sizeof(child.parent), "%s", full.id);
    assert_int_equal(eseal_store_grant_insert(s, &child), ESEAL_OK);
    assert_int_equal(eseal_store_grant_get(s, &out, child.id), ESEAL_OK);
    assert_string_equal(out.parent, full.id);
    eseal_grant early = grant("grt_00000000000early", ORG_A, SEAL_A, 10); /* made before, listed first */
    assert_int_equal(eseal_store_grant_insert(s, &early), ESEAL_OK);
    eseal_grant other = grant("grt_00000000000other", ORG_B, SEAL_B, 20);
    assert_int_equal(eseal_store_grant_insert(s, &other), ESEAL_OK);

    walk w = {""};
    assert_int_equal(eseal_store_grant_list(s, NULL, SEAL_A, grant_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "early,full,child");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_grant_list(s, ORG_B, NULL, grant_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "other");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_grant_list(s, NULL, NULL, grant_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "early,other,full,child");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_grant_list(s, NULL, "SEAL-NONE", grant_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "");

    /* refusals, each worded */
    expect_error(eseal_store_grant_insert(s, &early), ESEAL_EEXISTS, "a grant 'grt_00000000000early' exists");
    eseal_grant bad = grant("grt_0000000000noorg1", "org_0000000000000000", SEAL_A, 1);
    expect_error(eseal_store_grant_insert(s, &bad), ESEAL_ENOTFOUND, "no organisation 'org_0000000000000000'");
    bad = grant("grt_00000000noparent", ORG_A, SEAL_A, 1);
    (void)snprintf(bad.parent, sizeof(bad.parent), "grt_0000000000absent");
    expect_error(eseal_store_grant_insert(s, &bad), ESEAL_ENOTFOUND,
                 "no organisation 'org_00000000000000aa' or no grant 'grt_0000000000absent'");
    bad = grant("grt_0000000000noseal", ORG_A, "SEAL-NONE", 1);
    assert_int_equal(eseal_store_grant_insert(s, &bad), ESEAL_ENOTFOUND); /* a seal the registry lacks */
    bad = grant("grt_short", ORG_A, SEAL_A, 1);
    assert_int_equal(eseal_store_grant_insert(s, &bad), ESEAL_EINVAL);
    bad = grant("grt_0000000000nokind", ORG_A, SEAL_A, 1);
    bad.holder_kind = 0;
    assert_int_equal(eseal_store_grant_insert(s, &bad), ESEAL_EINVAL);
    bad = grant("grt_00000000unended1", ORG_A, SEAL_A, 1);
    memset(bad.types, 'a', sizeof(bad.types)); /* no NUL in its array */
    assert_int_equal(eseal_store_grant_insert(s, &bad), ESEAL_EINVAL);
    expect_error(eseal_store_grant_get(s, &out, "grt_0000000000absent"), ESEAL_ENOTFOUND,
                 "no grant 'grt_0000000000absent'");
    eseal_store_close(s);
}

static void revocation_and_uses(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_grant g = grant("grt_00000000000uses2", ORG_A, SEAL_A, 1);
    g.max_uses = 2;
    assert_int_equal(eseal_store_grant_insert(s, &g), ESEAL_OK);
    assert_int_equal(eseal_store_grant_use(s, g.id), ESEAL_OK);
    assert_int_equal(eseal_store_grant_use(s, g.id), ESEAL_OK);
    expect_error(eseal_store_grant_use(s, g.id), ESEAL_ESTATE, "grant 'grt_00000000000uses2' has no use left");
    eseal_grant out;
    assert_int_equal(eseal_store_grant_get(s, &out, g.id), ESEAL_OK);
    assert_int_equal(out.uses, 2);

    eseal_grant free_ = grant("grt_00000000000free1", ORG_A, SEAL_A, 2); /* no limit */
    assert_int_equal(eseal_store_grant_insert(s, &free_), ESEAL_OK);
    for (int i = 0; i < 25; i++) {
        assert_int_equal(eseal_store_grant_use(s, free_.id), ESEAL_OK);
    }
    assert_int_equal(eseal_store_grant_get(s, &out, free_.id), ESEAL_OK);
    assert_int_equal(out.uses, 25);

    /* a use in a transaction rolled back is not counted */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    assert_int_equal(eseal_store_grant_use(s, free_.id), ESEAL_OK);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);
    assert_int_equal(eseal_store_grant_get(s, &out, free_.id), ESEAL_OK);
    assert_int_equal(out.uses, 25);

    assert_int_equal(eseal_store_grant_revoke(s, free_.id, 500), ESEAL_OK);
    assert_int_equal(eseal_store_grant_get(s, &out, free_.id), ESEAL_OK);
    assert_int_equal(out.revoked_ms, 500);
    expect_error(eseal_store_grant_revoke(s, free_.id, 600), ESEAL_ESTATE,
                 "grant 'grt_00000000000free1' is revoked already");
    assert_int_equal(eseal_store_grant_get(s, &out, free_.id), ESEAL_OK);
    assert_int_equal(out.revoked_ms, 500); /* the first revocation stands */
    expect_error(eseal_store_grant_use(s, free_.id), ESEAL_ESTATE, "grant 'grt_00000000000free1' is revoked");
    expect_error(eseal_store_grant_revoke(s, "grt_0000000000absent", 600), ESEAL_ENOTFOUND,
                 "no grant 'grt_0000000000absent'");
    expect_error(eseal_store_grant_use(s, "grt_0000000000absent"), ESEAL_ENOTFOUND, "no grant 'grt_0000000000absent'");
    eseal_store_close(s);
}

/* A change writes the mutable fields only, in one statement that refuses a revoked or unknown grant. */
static void grant_update_changes_the_mutable_fields(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_grant g = grant("grt_00000000000chg01", ORG_A, SEAL_A, 1);
    g.max_uses = 5;
    assert_int_equal(eseal_store_grant_insert(s, &g), ESEAL_OK);
    assert_int_equal(eseal_store_grant_use(s, g.id), ESEAL_OK);

    eseal_grant c = g;
    (void)snprintf(c.types, sizeof(c.types), "contract,invoice");
    (void)snprintf(c.templates, sizeof(c.templates), "%064d", 7);
    c.not_before_ms = 100;
    c.not_after_ms = 900;
    c.max_uses = 3;
    (void)snprintf(c.approval, sizeof(c.approval), "1:@approver");
    c.delegable = 1;
    /* what may not change is ignored, whatever the caller sends */
    (void)snprintf(c.holder, sizeof(c.holder), "auditor");
    (void)snprintf(c.seal, sizeof(c.seal), "SOMEOTHERSEAL");
    c.uses = 40;
    c.created_ms = 77;
    assert_int_equal(eseal_store_grant_update(s, &c), ESEAL_OK);
    eseal_grant out;
    assert_int_equal(eseal_store_grant_get(s, &out, g.id), ESEAL_OK);
    assert_string_equal(out.types, "contract,invoice");
    assert_string_equal(out.templates, c.templates);
    assert_int_equal(out.not_before_ms, 100);
    assert_int_equal(out.not_after_ms, 900);
    assert_int_equal(out.max_uses, 3);
    assert_string_equal(out.approval, "1:@approver");
    assert_int_equal(out.delegable, 1);
    assert_string_equal(out.holder, "stamper");
    assert_string_equal(out.seal, SEAL_A);
    assert_int_equal(out.uses, 1);
    assert_int_equal(out.created_ms, 1);
    assert_int_equal(out.revoked_ms, 0);

    /* cleared back to no limit */
    c = out;
    c.types[0] = '\0';
    c.not_after_ms = 0;
    c.max_uses = 0;
    c.delegable = 0;
    assert_int_equal(eseal_store_grant_update(s, &c), ESEAL_OK);
    assert_int_equal(eseal_store_grant_get(s, &out, g.id), ESEAL_OK);
    assert_string_equal(out.types, "");
    assert_int_equal(out.not_after_ms, 0);
    assert_int_equal(out.max_uses, 0);
    assert_int_equal(out.delegable, 0);

    /* a change rolled back is not kept */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    c.max_uses = 9;
    assert_int_equal(eseal_store_grant_update(s, &c), ESEAL_OK);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);
    assert_int_equal(eseal_store_grant_get(s, &out, g.id), ESEAL_OK);
    assert_int_equal(out.max_uses, 0);

    /* refusals: bounds, unknown, revoked (nothing changes) */
    c.max_uses = -1;
    expect_error(eseal_store_grant_update(s, &c), ESEAL_EINVAL, "store: invalid grant");
    c.max_uses = 4;
    expect_error(eseal_store_grant_update(s, NULL), ESEAL_EINVAL, "store: invalid grant");
    eseal_grant absent = c;
    (void)snprintf(absent.id, sizeof(absent.id), "grt_0000000000absent");
    expect_error(eseal_store_grant_update(s, &absent), ESEAL_ENOTFOUND, "no grant 'grt_0000000000absent'");
    assert_int_equal(eseal_store_grant_revoke(s, g.id, 500), ESEAL_OK);
    expect_error(eseal_store_grant_update(s, &c), ESEAL_ESTATE, "grant 'grt_00000000000chg01' is revoked");
    assert_int_equal(eseal_store_grant_get(s, &out, g.id), ESEAL_OK);
    assert_int_equal(out.max_uses, 0);
    assert_int_equal(out.revoked_ms, 500);
    eseal_store_close(s);
}

/*
 * Processes race for the last use: each opens the store on its own (another connection, as another
 * `eseal serve` would) and tries once, in a transaction, all released at the same moment. Exactly
 * one gets it.
 */
#define RACERS 12
static void processes_race_for_the_last_use(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_grant g = grant("grt_00000000000last1", ORG_A, SEAL_A, 1);
    g.max_uses = 1;
    assert_int_equal(eseal_store_grant_insert(s, &g), ESEAL_OK);
    eseal_store_close(s);
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(go[1]);
            eseal_store *c = NULL;
            if (eseal_store_open(&c, path) != ESEAL_OK) {
                _exit(3);
            }
            char b;
            if (read(go[0], &b, 1) != 0) { /* until the parent closes its end (EOF): all start together */
                _exit(4);
            }
            int rc = eseal_store_begin(c);
            if (rc == ESEAL_OK) {
                rc = eseal_store_grant_use(c, "grt_00000000000last1");
                rc = rc == ESEAL_OK ? eseal_store_commit(c) : (eseal_store_rollback(c), rc);
            }
            eseal_store_close(c);
            _exit(rc == ESEAL_OK ? 0 : rc == ESEAL_ESTATE ? 1 : 2);
        }
    }
    close(go[0]);
    close(go[1]);
    int won = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st));
        won += WEXITSTATUS(st) == 0;
        refused += WEXITSTATUS(st) == 1;
    }
    assert_int_equal(won, 1);
    assert_int_equal(refused, RACERS - 1);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    eseal_grant out;
    assert_int_equal(eseal_store_grant_get(s, &out, g.id), ESEAL_OK);
    assert_int_equal(out.uses, 1);
    eseal_store_close(s);
}

typedef struct {
    char seen[512];
} twalk;

static int template_cb(const eseal_template *t, void *p)
{
    twalk *w = p;
    size_t n = strlen(w->seen);
    (void)snprintf(w->seen + n, sizeof(w->seen) - n, "%s%s", n > 0 ? "," : "", t->name);
    return 0;
}

static void templates(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    static const char pdf[] = "%PDF-1.7\n...a form...\n%%EOF\n";
    eseal_template t;
    memset(&t, 0, sizeof(t));
    (void)snprintf(t.org_id, sizeof(t.org_id), ORG_A);
    (void)snprintf(t.sha256, sizeof(t.sha256), "%s", HU);
    (void)snprintf(t.name, sizeof(t.name), "Purchase contract v3");
    (void)snprintf(t.format, sizeof(t.format), "pdf");
    (void)snprintf(t.created_by, sizeof(t.created_by), "user:ada");
    t.size = (int64_t)sizeof(pdf) - 1;
    t.created_ms = 50;
    assert_int_equal(eseal_store_template_insert(s, &t, pdf, sizeof(pdf) - 1), ESEAL_OK);
    eseal_template out;
    eseal_buf bytes = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_template_get(s, &out, &bytes, ORG_A, t.sha256), ESEAL_OK);
    assert_string_equal(out.sha256, HL);
    assert_string_equal(out.name, "Purchase contract v3");
    assert_string_equal(out.format, "pdf");
    assert_string_equal(out.created_by, "user:ada");
    assert_int_equal(out.size, sizeof(pdf) - 1);
    assert_int_equal(out.created_ms, 50);
    assert_int_equal(bytes.size, sizeof(pdf) - 1);
    assert_memory_equal(bytes.ptr, pdf, sizeof(pdf) - 1);
    eseal_buf_dispose(&bytes);
    assert_int_equal(eseal_store_template_get(s, &out, NULL, ORG_A, HL), ESEAL_OK);
    /* another organisation's copy of the same bytes is its own */
    expect_error(eseal_store_template_get(s, &out, NULL, ORG_B, t.sha256), ESEAL_ENOTFOUND,
                 "no template " HL);
    eseal_template tb = t;
    (void)snprintf(tb.org_id, sizeof(tb.org_id), ORG_B);
    (void)snprintf(tb.name, sizeof(tb.name), "Beta's copy");
    assert_int_equal(eseal_store_template_insert(s, &tb, pdf, sizeof(pdf) - 1), ESEAL_OK);
    expect_error(eseal_store_template_insert(s, &t, pdf, sizeof(pdf) - 1), ESEAL_EEXISTS,
                 "the organisation has that template already");
    eseal_template bad = t;
    (void)snprintf(bad.sha256, sizeof(bad.sha256), "%s", H1);
    bad.size = 3; /* not the length given */
    assert_int_equal(eseal_store_template_insert(s, &bad, pdf, sizeof(pdf) - 1), ESEAL_EINVAL);
    bad = t;
    (void)snprintf(bad.sha256, sizeof(bad.sha256), "%s", H1);
    (void)snprintf(bad.format, sizeof(bad.format), "doc");
    assert_int_equal(eseal_store_template_insert(s, &bad, pdf, sizeof(pdf) - 1), ESEAL_EINVAL);
    bad = t;
    (void)snprintf(bad.sha256, sizeof(bad.sha256), "%.63sg", H1);
    assert_int_equal(eseal_store_template_insert(s, &bad, pdf, sizeof(pdf) - 1), ESEAL_EINVAL);
    bad = t;
    (void)snprintf(bad.org_id, sizeof(bad.org_id), "org_0000000000000000");
    expect_error(eseal_store_template_insert(s, &bad, pdf, sizeof(pdf) - 1), ESEAL_ENOTFOUND,
                 "no organisation 'org_0000000000000000'");
    eseal_template second = t;
    (void)snprintf(second.sha256, sizeof(second.sha256), "%s", H1);
    (void)snprintf(second.name, sizeof(second.name), "Invoice");
    second.created_ms = 10;
    assert_int_equal(eseal_store_template_insert(s, &second, pdf, sizeof(pdf) - 1), ESEAL_OK);
    twalk w = {""};
    assert_int_equal(eseal_store_template_list(s, ORG_A, template_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "Invoice,Purchase contract v3");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_template_list(s, NULL, template_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "Invoice,Purchase contract v3,Beta's copy");
    eseal_store_close(s);
}

/* A store of schema 5 (before grants, with rows) opens, migrates to 6 and keeps its rows. */
static void store_of_schema_5_migrated(void **state)
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
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('grants', 'grants_seal', "
                                    "'grants_org', 'templates', 'templates_org', 'sqlite_autoindex_grants_1', "
                                    "'sqlite_autoindex_templates_1')"),
                     7);
    assert_int_equal(sqlite3_exec(db,
                                  "BEGIN; DROP TABLE impressions; DROP TABLE unlocks; DROP TABLE devices; DROP TABLE decisions; DROP TABLE request_docs; DROP TABLE requests; "
                                  "DROP TABLE deliveries; DROP TABLE webhooks; DROP TABLE templates; DROP TABLE grants; "
                                  "DROP TABLE trusted_lists; "
                                  "ALTER TABLE seals DROP COLUMN hardware; PRAGMA user_version = 5; COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    eseal_org o;
    assert_int_equal(eseal_store_org_find(s, &o, "Beta"), ESEAL_OK); /* the rows are kept */
    assert_string_equal(o.id, ORG_B);
    eseal_grant g = grant("grt_00000000migrated", ORG_B, SEAL_B, 1);
    assert_int_equal(eseal_store_grant_insert(s, &g), ESEAL_OK);
    eseal_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grants_round_trip_and_lists),
        cmocka_unit_test(revocation_and_uses),
        cmocka_unit_test(grant_update_changes_the_mutable_fields),
        cmocka_unit_test(processes_race_for_the_last_use),
        cmocka_unit_test(templates),
        cmocka_unit_test(store_of_schema_5_migrated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
