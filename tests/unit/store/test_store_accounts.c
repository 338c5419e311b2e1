/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's accounts concern (issue 19 §1; eseal/sys/store.h, src/store/store.c, sqlite.c):
 * organisations by id, code, identifier and name; users with logins folded to lower case, listed by
 * organisation, updated field by field; API tokens by digest, by id, by login and organisation;
 * the login throttle; a rollback that leaves nothing; schema version 6, and stores made at
 * versions 3 and 4 migrated with their rows kept. Every refusal is checked with its code and its words.
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
#include "eseal/sys/store_backend.h"

#define STORE_TEST_DIR "/tmp/eseal-store-acc-XXXXXX"
#include "store_fixture.h"

static eseal_org org(const char *id, const char *name, const char *uscc, int64_t created)
{
    eseal_org o;
    memset(&o, 0, sizeof(o));
    (void)snprintf(o.id, sizeof(o.id), "%s", id);
    (void)snprintf(o.name, sizeof(o.name), "%s", name);
    (void)snprintf(o.uscc, sizeof(o.uscc), "%s", uscc);
    o.created_ms = created;
    return o;
}

static eseal_user user(const char *login, const char *org_id, const char *roles, int64_t created)
{
    eseal_user u;
    memset(&u, 0, sizeof(u));
    (void)snprintf(u.login, sizeof(u.login), "%s", login);
    (void)snprintf(u.display_name, sizeof(u.display_name), "%s (display)", login);
    (void)snprintf(u.org_id, sizeof(u.org_id), "%s", org_id);
    (void)snprintf(u.roles, sizeof(u.roles), "%s", roles);
    u.status = ESEAL_USER_ACTIVE;
    u.created_ms = u.updated_ms = created;
    return u;
}

static eseal_token_info token(const char *id, const char *login, const char *org_id, int64_t created)
{
    eseal_token_info t;
    memset(&t, 0, sizeof(t));
    (void)snprintf(t.id, sizeof(t.id), "%s", id);
    (void)snprintf(t.login, sizeof(t.login), "%s", login);
    (void)snprintf(t.org_id, sizeof(t.org_id), "%s", org_id);
    (void)snprintf(t.scopes, sizeof(t.scopes), "stamp,verify");
    t.created_ms = created;
    t.expires_ms = created + 1000;
    return t;
}

/* A digest of 64 hex digits: `c` repeated. */
static const char *digest(char c)
{
    static char d[4][65];
    static int at;
    char *out = d[at++ % 4];
    memset(out, c, 64);
    out[64] = '\0';
    return out;
}

/* What a listing handed over: the ids (or logins) in order, comma-separated, and how many. */
typedef struct {
    char seen[512];
    int n;
    int stop_after; /* 0: never stop */
} walk;

static int note(walk *w, const char *id)
{
    size_t at = strlen(w->seen);
    (void)snprintf(w->seen + at, sizeof(w->seen) - at, "%s%s", at > 0 ? "," : "", id);
    w->n++;
    return w->stop_after != 0 && w->n == w->stop_after ? 7 : 0;
}

static int org_cb(const eseal_org *o, void *p) { return note(p, o->id); }
static int user_cb(const eseal_user *u, void *p) { return note(p, u->login); }
static int token_cb(const eseal_token_info *t, void *p) { return note(p, t->id); }

#define ORG_A "org_000000000000000a"
#define ORG_B "org_000000000000000b"
#define ORG_C "org_000000000000000c"
#define ORG_X "org_00000000000000ff" /* no such organisation */
#define USCC_A "91350100M000100Y43"

/* A store with three organisations: A (a code) created at 300, B and C (no code) both at 100. */
static void three_orgs(eseal_store *s)
{
    eseal_org a = org(ORG_A, "Acme Seal Works", "91350100m000100y43", 300); /* code given lower-case */
    eseal_org b = org(ORG_B, "Beta Ltd", "", 100);
    eseal_org c = org(ORG_C, "Gamma", "", 100); /* no code either: two "" codes do not collide */
    assert_int_equal(eseal_store_org_insert(s, &a), ESEAL_OK);
    assert_int_equal(eseal_store_org_insert(s, &b), ESEAL_OK);
    assert_int_equal(eseal_store_org_insert(s, &c), ESEAL_OK);
}

static void schema_version_raised_by_one(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    int v = 0;
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    /* 3 before the accounts, 4 before the organisations' identifiers, 5 before grants, 6 before webhooks, 7 before
     * requests, 8 before devices, 9 before seals bound to hardware, 10 before trust lists */
    assert_int_equal(v, 11);
    eseal_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 11);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void organisations(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    three_orgs(s);
    eseal_org out;
    /* by id, by code (either case: kept upper-case), by name */
    assert_int_equal(eseal_store_org_find(s, &out, ORG_A), ESEAL_OK);
    assert_string_equal(out.name, "Acme Seal Works");
    assert_string_equal(out.uscc, USCC_A);
    assert_int_equal(out.created_ms, 300);
    memset(&out, 0, sizeof(out));
    assert_int_equal(eseal_store_org_find(s, &out, "91350100m000100Y43"), ESEAL_OK);
    assert_string_equal(out.id, ORG_A);
    assert_int_equal(eseal_store_org_find(s, &out, "Beta Ltd"), ESEAL_OK);
    assert_string_equal(out.id, ORG_B);
    assert_string_equal(out.uscc, "");
    /* names are exact */
    expect_error(eseal_store_org_find(s, &out, "beta ltd"), ESEAL_ENOTFOUND, "no organisation 'beta ltd'");
    expect_error(eseal_store_org_find(s, &out, ORG_X), ESEAL_ENOTFOUND, "no organisation '" ORG_X "'");
    /* ids first: an organisation named like another's id is found by that id, not by its name */
    eseal_org tricky = org("org_00000000000000d0", ORG_C, "", 400);
    assert_int_equal(eseal_store_org_insert(s, &tricky), ESEAL_OK);
    assert_int_equal(eseal_store_org_find(s, &out, ORG_C), ESEAL_OK);
    assert_string_equal(out.name, "Gamma");
    /* duplicates: the name, the code (in another case), the id; each worded */
    eseal_org dup = org("org_0000000000000001", "Beta Ltd", "", 500);
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS, "an organisation named 'Beta Ltd' exists");
    dup = org("org_0000000000000001", "Delta", "91350100M000100y43", 500);
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS,
                 "an organisation with code '" USCC_A "' exists");
    dup = org(ORG_B, "Epsilon", "", 500);
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS, "an organisation with id '" ORG_B "' exists");
    /* bounds */
    eseal_org bad = org("org_0000000000000002", "", "", 500);
    expect_error(eseal_store_org_insert(s, &bad), ESEAL_EINVAL, "store: invalid organisation name");
    memset(bad.name, 'n', sizeof(bad.name)); /* fills the array: no NUL */
    expect_error(eseal_store_org_insert(s, &bad), ESEAL_EINVAL, "store: invalid organisation name");
    bad = org("", "Zeta", "", 500);
    expect_error(eseal_store_org_insert(s, &bad), ESEAL_EINVAL, "store: invalid organisation id");
    char long_ref[ESEAL_ORG_NAME_MAX + 2];
    memset(long_ref, 'r', sizeof(long_ref) - 1);
    long_ref[sizeof(long_ref) - 1] = '\0';
    expect_error(eseal_store_org_find(s, &out, long_ref), ESEAL_EINVAL, "store: invalid organisation reference");
    expect_error(eseal_store_org_find(s, &out, ""), ESEAL_EINVAL, "store: invalid organisation reference");
    /* the longest name is kept whole */
    eseal_org longest = org("org_0000000000000003", "", "", 600);
    memset(longest.name, 'L', ESEAL_ORG_NAME_MAX);
    longest.name[ESEAL_ORG_NAME_MAX] = '\0';
    assert_int_equal(eseal_store_org_insert(s, &longest), ESEAL_OK);
    assert_int_equal(eseal_store_org_find(s, &out, longest.name), ESEAL_OK);
    assert_string_equal(out.id, "org_0000000000000003");
    assert_int_equal(strlen(out.name), ESEAL_ORG_NAME_MAX);
    /* oldest first; equal times in insertion order; a non-zero return stops and is returned */
    walk w = {0};
    assert_int_equal(eseal_store_org_list(s, org_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, ORG_B "," ORG_C "," ORG_A ",org_00000000000000d0,org_0000000000000003");
    walk w2 = {.stop_after = 2};
    assert_int_equal(eseal_store_org_list(s, org_cb, &w2), 7);
    assert_int_equal(w2.n, 2);
    eseal_store_close(s);
}

/* Organisations identified by an ETSI EN 319 412-1 identifier: found by it exactly (never another
 * case, never a prefix), unique like the code, "" for none (two organisations without one do not
 * collide), kept at its longest. */
static void organisation_identifiers(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    three_orgs(s); /* B and C have no identifier: "" does not collide */
    eseal_org de = org("org_00000000000000de", "Deutsche Siegel GmbH", "", 700);
    (void)snprintf(de.identifier, sizeof(de.identifier), "VATDE-123456789");
    assert_int_equal(eseal_store_org_insert(s, &de), ESEAL_OK);
    eseal_org out;
    assert_int_equal(eseal_store_org_find(s, &out, "VATDE-123456789"), ESEAL_OK);
    assert_string_equal(out.id, "org_00000000000000de");
    assert_string_equal(out.identifier, "VATDE-123456789");
    assert_string_equal(out.uscc, "");
    assert_int_equal(eseal_store_org_find(s, &out, ORG_B), ESEAL_OK);
    assert_string_equal(out.identifier, ""); /* none */
    /* exactly: another case, a prefix, a longer one are no organisation */
    expect_error(eseal_store_org_find(s, &out, "vatde-123456789"), ESEAL_ENOTFOUND, "no organisation 'vatde-123456789'");
    expect_error(eseal_store_org_find(s, &out, "VATDE-12345678"), ESEAL_ENOTFOUND, "no organisation 'VATDE-12345678'");
    expect_error(eseal_store_org_find(s, &out, "VATDE-1234567890"), ESEAL_ENOTFOUND,
                 "no organisation 'VATDE-1234567890'");
    /* the backend's lookup by identifier alone */
    eseal_store_accounts_backend *be = eseal_store_accounts_backend_current(s);
    assert_int_equal(be->org_get(be, &out, ESEAL_STORE_MATCH_IDENTIFIER, "VATDE-123456789"), ESEAL_OK);
    assert_string_equal(out.name, "Deutsche Siegel GmbH");
    assert_int_equal(be->org_get(be, &out, ESEAL_STORE_MATCH_IDENTIFIER, "VATDE-%"), ESEAL_ENOTFOUND);
    assert_int_equal(be->org_get(be, &out, ESEAL_STORE_MATCH_IDENTIFIER, "Deutsche Siegel GmbH"), ESEAL_ENOTFOUND);
    /* two organisations cannot share one */
    eseal_org dup = org("org_00000000000000df", "Andere GmbH", "", 800);
    (void)snprintf(dup.identifier, sizeof(dup.identifier), "VATDE-123456789");
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS,
                 "an organisation with identifier 'VATDE-123456789' exists");
    /* another case is another identifier to the store (the accounts refuse lower case before) */
    (void)snprintf(dup.identifier, sizeof(dup.identifier), "VATDE-987654321");
    assert_int_equal(eseal_store_org_insert(s, &dup), ESEAL_OK);
    /* bounds: ESEAL_ORGID_MAX bytes kept whole, one more has no NUL in its array */
    eseal_org longest = org("org_00000000000000e0", "Longest", "", 900);
    memset(longest.identifier, 'A', ESEAL_ORGID_MAX);
    memcpy(longest.identifier, "NTRGB-", 6);
    longest.identifier[ESEAL_ORGID_MAX] = '\0';
    assert_int_equal(eseal_store_org_insert(s, &longest), ESEAL_OK);
    assert_int_equal(eseal_store_org_find(s, &out, longest.identifier), ESEAL_OK);
    assert_string_equal(out.id, "org_00000000000000e0");
    assert_int_equal(strlen(out.identifier), ESEAL_ORGID_MAX);
    eseal_org bad = org("org_00000000000000e1", "Bad", "", 900);
    memset(bad.identifier, 'A', sizeof(bad.identifier));
    expect_error(eseal_store_org_insert(s, &bad), ESEAL_EINVAL, "store: invalid organisation identifier");
    eseal_store_close(s);
}

static void users(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    three_orgs(s);
    eseal_user alice = user("Alice", ORG_A, "org-admin", 50);
    eseal_user bob = user("bob", ORG_A, "stamper", 20);
    eseal_user carol = user("carol", ORG_B, "auditor", 10);
    eseal_user root = user("root", "", "platform-admin", 5); /* a user of no organisation */
    assert_int_equal(eseal_store_user_insert(s, &alice, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"), ESEAL_OK);
    assert_int_equal(eseal_store_user_insert(s, &bob, NULL), ESEAL_OK); /* no password */
    assert_int_equal(eseal_store_user_insert(s, &carol, ""), ESEAL_OK);
    assert_int_equal(eseal_store_user_insert(s, &root, ""), ESEAL_OK);
    /* logins are folded: stored lower-case, looked up lower-cased */
    eseal_user out;
    char hash[ESEAL_STORE_PW_HASH_MAX + 1];
    assert_int_equal(eseal_store_user_get(s, &out, hash, "ALICE"), ESEAL_OK);
    assert_string_equal(out.login, "alice");
    assert_string_equal(out.display_name, "Alice (display)");
    assert_string_equal(out.org_id, ORG_A);
    assert_string_equal(out.roles, "org-admin");
    assert_int_equal(out.status, ESEAL_USER_ACTIVE);
    assert_int_equal(out.created_ms, 50);
    assert_int_equal(out.updated_ms, 50);
    assert_string_equal(hash, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
    assert_int_equal(eseal_store_user_get(s, &out, NULL, "alice"), ESEAL_OK); /* the hash not asked for */
    assert_int_equal(eseal_store_user_get(s, &out, hash, "bob"), ESEAL_OK);
    assert_string_equal(hash, "");
    assert_int_equal(eseal_store_user_get(s, &out, NULL, "root"), ESEAL_OK);
    assert_string_equal(out.org_id, "");
    /* taken, missing, no such organisation */
    eseal_user again = user("ALICE", ORG_B, "", 60);
    expect_error(eseal_store_user_insert(s, &again, ""), ESEAL_EEXISTS, "a user 'alice' exists");
    expect_error(eseal_store_user_get(s, &out, NULL, "Dave"), ESEAL_ENOTFOUND, "no user 'dave'");
    eseal_user dave = user("dave", ORG_X, "", 60);
    expect_error(eseal_store_user_insert(s, &dave, ""), ESEAL_ENOTFOUND, "no organisation '" ORG_X "'");
    expect_error(eseal_store_user_get(s, &out, NULL, "dave"), ESEAL_ENOTFOUND, "no user 'dave'");
    /* bounds */
    char long_login[ESEAL_LOGIN_MAX + 2];
    memset(long_login, 'l', sizeof(long_login) - 1);
    long_login[sizeof(long_login) - 1] = '\0';
    expect_error(eseal_store_user_get(s, &out, NULL, long_login), ESEAL_EINVAL, "store: invalid login");
    expect_error(eseal_store_user_get(s, &out, NULL, ""), ESEAL_EINVAL, "store: invalid login");
    eseal_user bad = user("erin", ORG_A, "", 60);
    bad.status = (eseal_user_status)3;
    expect_error(eseal_store_user_insert(s, &bad, ""), ESEAL_EINVAL, "store: invalid user status");
    bad = user("erin", ORG_A, "", 60);
    memset(bad.roles, 'r', sizeof(bad.roles)); /* no NUL */
    expect_error(eseal_store_user_insert(s, &bad, ""), ESEAL_EINVAL, "store: invalid roles");
    char long_hash[ESEAL_STORE_PW_HASH_MAX + 2];
    memset(long_hash, 'h', sizeof(long_hash) - 1);
    long_hash[sizeof(long_hash) - 1] = '\0';
    bad = user("erin", ORG_A, "", 60);
    expect_error(eseal_store_user_insert(s, &bad, long_hash), ESEAL_EINVAL, "store: invalid password hash");
    long_hash[ESEAL_STORE_PW_HASH_MAX] = '\0'; /* the longest kept */
    assert_int_equal(eseal_store_user_insert(s, &bad, long_hash), ESEAL_OK);
    assert_int_equal(eseal_store_user_get(s, &out, hash, "erin"), ESEAL_OK);
    assert_string_equal(hash, long_hash);
    /* created in the same millisecond as bob, added after: listed after bob, not in login order */
    eseal_user aaron = user("aaron", ORG_A, "", 20);
    assert_int_equal(eseal_store_user_insert(s, &aaron, ""), ESEAL_OK);
    /* lists: all, of an organisation, of none; oldest first */
    walk w = {0};
    assert_int_equal(eseal_store_user_list(s, NULL, user_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "root,carol,bob,aaron,alice,erin");
    walk wa = {0};
    assert_int_equal(eseal_store_user_list(s, ORG_A, user_cb, &wa), ESEAL_OK);
    assert_string_equal(wa.seen, "bob,aaron,alice,erin");
    walk wn = {0};
    assert_int_equal(eseal_store_user_list(s, "", user_cb, &wn), ESEAL_OK);
    assert_string_equal(wn.seen, "root");
    walk wc = {0};
    assert_int_equal(eseal_store_user_list(s, ORG_C, user_cb, &wc), ESEAL_OK);
    assert_int_equal(wc.n, 0);
    /* updates: each field alone, the others kept; updated always set */
    assert_int_equal(eseal_store_user_update(s, "Alice", "org-admin,auditor", 0, NULL, 70), ESEAL_OK);
    assert_int_equal(eseal_store_user_get(s, &out, hash, "alice"), ESEAL_OK);
    assert_string_equal(out.roles, "org-admin,auditor");
    assert_int_equal(out.status, ESEAL_USER_ACTIVE);
    assert_string_equal(hash, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
    assert_int_equal(out.updated_ms, 70);
    assert_int_equal(out.created_ms, 50);
    assert_int_equal(eseal_store_user_update(s, "alice", NULL, ESEAL_USER_DISABLED, NULL, 80), ESEAL_OK);
    assert_int_equal(eseal_store_user_get(s, &out, hash, "alice"), ESEAL_OK);
    assert_string_equal(out.roles, "org-admin,auditor");
    assert_int_equal(out.status, ESEAL_USER_DISABLED);
    assert_string_equal(hash, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
    assert_int_equal(out.updated_ms, 80);
    assert_int_equal(eseal_store_user_update(s, "alice", NULL, 0, "$argon2id$new", 90), ESEAL_OK);
    assert_int_equal(eseal_store_user_get(s, &out, hash, "alice"), ESEAL_OK);
    assert_string_equal(out.roles, "org-admin,auditor");
    assert_int_equal(out.status, ESEAL_USER_DISABLED);
    assert_string_equal(hash, "$argon2id$new");
    assert_int_equal(out.updated_ms, 90);
    assert_int_equal(eseal_store_user_update(s, "alice", "", ESEAL_USER_ACTIVE, "", 95), ESEAL_OK); /* "" is a value */
    assert_int_equal(eseal_store_user_get(s, &out, hash, "alice"), ESEAL_OK);
    assert_string_equal(out.roles, "");
    assert_int_equal(out.status, ESEAL_USER_ACTIVE);
    assert_string_equal(hash, "");
    assert_int_equal(eseal_store_user_update(s, "alice", NULL, 0, NULL, 99), ESEAL_OK); /* all kept */
    assert_int_equal(eseal_store_user_get(s, &out, NULL, "alice"), ESEAL_OK);
    assert_int_equal(out.updated_ms, 99);
    assert_int_equal(out.status, ESEAL_USER_ACTIVE);
    expect_error(eseal_store_user_update(s, "Zed", "stamper", 0, NULL, 100), ESEAL_ENOTFOUND, "no user 'zed'");
    expect_error(eseal_store_user_update(s, "alice", NULL, 9, NULL, 100), ESEAL_EINVAL, "store: invalid user status");
    eseal_store_close(s);
}

static void tokens(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    three_orgs(s);
    eseal_user alice = user("alice", ORG_A, "org-admin", 10);
    eseal_user bob = user("bob", ORG_A, "stamper", 10);
    eseal_user carol = user("carol", ORG_B, "auditor", 10);
    assert_int_equal(eseal_store_user_insert(s, &alice, ""), ESEAL_OK);
    assert_int_equal(eseal_store_user_insert(s, &bob, ""), ESEAL_OK);
    assert_int_equal(eseal_store_user_insert(s, &carol, ""), ESEAL_OK);
    eseal_token_info t1 = token("tok_0000000000000001", "ALICE", ORG_A, 300); /* login folded */
    eseal_token_info t2 = token("tok_0000000000000002", "alice", ORG_A, 100);
    eseal_token_info t3 = token("tok_0000000000000003", "bob", ORG_A, 200);
    eseal_token_info t4 = token("tok_0000000000000004", "carol", ORG_B, 50);
    assert_int_equal(eseal_store_token_insert(s, &t1, digest('a')), ESEAL_OK);
    assert_int_equal(eseal_store_token_insert(s, &t2, digest('b')), ESEAL_OK);
    assert_int_equal(eseal_store_token_insert(s, &t3, digest('C')), ESEAL_OK); /* kept lower-case */
    assert_int_equal(eseal_store_token_insert(s, &t4, digest('4')), ESEAL_OK);
    /* created in the same millisecond as t3, added after: listed after it, not in id order */
    eseal_token_info t0 = token("tok_0000000000000000", "bob", ORG_A, 200);
    assert_int_equal(eseal_store_token_insert(s, &t0, digest('0')), ESEAL_OK);
    eseal_token_info out;
    assert_int_equal(eseal_store_token_by_digest(s, &out, digest('A')), ESEAL_OK);
    assert_string_equal(out.id, "tok_0000000000000001");
    assert_string_equal(out.login, "alice");
    assert_string_equal(out.org_id, ORG_A);
    assert_string_equal(out.scopes, "stamp,verify");
    assert_int_equal(out.created_ms, 300);
    assert_int_equal(out.expires_ms, 1300);
    assert_int_equal(out.last_used_ms, 0);
    assert_int_equal(out.revoked_ms, 0);
    assert_int_equal(eseal_store_token_by_digest(s, &out, digest('c')), ESEAL_OK);
    assert_string_equal(out.id, "tok_0000000000000003");
    expect_error(eseal_store_token_by_digest(s, &out, digest('d')), ESEAL_ENOTFOUND, "no token with that digest");
    assert_int_equal(eseal_store_token_get(s, &out, "tok_0000000000000004"), ESEAL_OK);
    assert_string_equal(out.login, "carol");
    expect_error(eseal_store_token_get(s, &out, "tok_00000000000000ff"), ESEAL_ENOTFOUND,
                 "no token 'tok_00000000000000ff'");
    /* lists: of a login, of an organisation, all; oldest first */
    walk wl = {0};
    assert_int_equal(eseal_store_token_list(s, "Alice", NULL, token_cb, &wl), ESEAL_OK);
    assert_string_equal(wl.seen, "tok_0000000000000002,tok_0000000000000001");
    walk wlo = {0}; /* a login wins over an organisation */
    assert_int_equal(eseal_store_token_list(s, "carol", ORG_A, token_cb, &wlo), ESEAL_OK);
    assert_string_equal(wlo.seen, "tok_0000000000000004");
    walk wo = {0};
    assert_int_equal(eseal_store_token_list(s, NULL, ORG_A, token_cb, &wo), ESEAL_OK);
    assert_string_equal(wo.seen, "tok_0000000000000002,tok_0000000000000003,tok_0000000000000000,"
                                 "tok_0000000000000001");
    walk wall = {0};
    assert_int_equal(eseal_store_token_list(s, NULL, NULL, token_cb, &wall), ESEAL_OK);
    assert_string_equal(wall.seen, "tok_0000000000000004,tok_0000000000000002,tok_0000000000000003,"
                                   "tok_0000000000000000,tok_0000000000000001");
    walk wstop = {.stop_after = 1};
    assert_int_equal(eseal_store_token_list(s, NULL, NULL, token_cb, &wstop), 7);
    assert_int_equal(wstop.n, 1);
    walk wnone = {0};
    assert_int_equal(eseal_store_token_list(s, "nobody", NULL, token_cb, &wnone), ESEAL_OK);
    assert_int_equal(wnone.n, 0);
    /* updates: a use, then a revocation that keeps the use, then a later use that keeps the revocation */
    assert_int_equal(eseal_store_token_update(s, "tok_0000000000000001", 400, 0), ESEAL_OK);
    assert_int_equal(eseal_store_token_get(s, &out, "tok_0000000000000001"), ESEAL_OK);
    assert_int_equal(out.last_used_ms, 400);
    assert_int_equal(out.revoked_ms, 0);
    assert_int_equal(eseal_store_token_update(s, "tok_0000000000000001", 0, 500), ESEAL_OK);
    assert_int_equal(eseal_store_token_get(s, &out, "tok_0000000000000001"), ESEAL_OK);
    assert_int_equal(out.last_used_ms, 400);
    assert_int_equal(out.revoked_ms, 500);
    assert_int_equal(eseal_store_token_update(s, "tok_0000000000000001", 600, 0), ESEAL_OK);
    assert_int_equal(eseal_store_token_get(s, &out, "tok_0000000000000001"), ESEAL_OK);
    assert_int_equal(out.last_used_ms, 600);
    assert_int_equal(out.revoked_ms, 500);
    expect_error(eseal_store_token_update(s, "tok_00000000000000ff", 1, 0), ESEAL_ENOTFOUND,
                 "no token 'tok_00000000000000ff'");
    /* duplicates: the digest (in another case), the id; a login that names no user */
    eseal_token_info dup = token("tok_0000000000000005", "bob", ORG_A, 700);
    expect_error(eseal_store_token_insert(s, &dup, digest('B')), ESEAL_EEXISTS, "a token with the same digest exists");
    dup = token("tok_0000000000000002", "bob", ORG_A, 700);
    expect_error(eseal_store_token_insert(s, &dup, digest('e')), ESEAL_EEXISTS,
                 "a token 'tok_0000000000000002' exists");
    dup = token("tok_0000000000000005", "Nobody", ORG_A, 700);
    expect_error(eseal_store_token_insert(s, &dup, digest('e')), ESEAL_ENOTFOUND, "no user 'nobody'");
    expect_error(eseal_store_token_get(s, &out, "tok_0000000000000005"), ESEAL_ENOTFOUND,
                 "no token 'tok_0000000000000005'");
    /* digests are 64 hex digits */
    dup = token("tok_0000000000000005", "bob", ORG_A, 700);
    char short_digest[64];
    memcpy(short_digest, digest('e'), 63);
    short_digest[63] = '\0';
    expect_error(eseal_store_token_insert(s, &dup, short_digest), ESEAL_EINVAL, "store: invalid token digest");
    expect_error(eseal_store_token_insert(s, &dup, digest('g')), ESEAL_EINVAL, "store: invalid token digest");
    expect_error(eseal_store_token_by_digest(s, &out, "abc"), ESEAL_EINVAL, "store: invalid token digest");
    expect_error(eseal_store_token_get(s, &out, "tok_00000000000000000"), ESEAL_EINVAL, "store: invalid token id");
    eseal_store_close(s);
}

static void throttle(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    uint32_t failures = 99;
    int64_t until = 99;
    assert_int_equal(eseal_store_throttle_get(s, "login:alice", &failures, &until), ESEAL_OK);
    assert_int_equal(failures, 0);
    assert_int_equal(until, 0);
    assert_int_equal(eseal_store_throttle_put(s, "login:alice", 3, 5000), ESEAL_OK);
    assert_int_equal(eseal_store_throttle_put(s, "addr:10.0.0.1", 1, 2000), ESEAL_OK);
    assert_int_equal(eseal_store_throttle_get(s, "login:alice", &failures, &until), ESEAL_OK);
    assert_int_equal(failures, 3);
    assert_int_equal(until, 5000);
    assert_int_equal(eseal_store_throttle_put(s, "login:alice", UINT32_MAX, 9000), ESEAL_OK); /* replaced */
    assert_int_equal(eseal_store_throttle_get(s, "login:alice", &failures, &until), ESEAL_OK);
    assert_int_equal(failures, UINT32_MAX);
    assert_int_equal(until, 9000);
    assert_int_equal(eseal_store_throttle_put(s, "login:alice", 0, 12345), ESEAL_OK); /* removed */
    failures = 99;
    until = 99;
    assert_int_equal(eseal_store_throttle_get(s, "login:alice", &failures, &until), ESEAL_OK);
    assert_int_equal(failures, 0);
    assert_int_equal(until, 0);
    assert_int_equal(eseal_store_throttle_get(s, "addr:10.0.0.1", &failures, &until), ESEAL_OK); /* the other kept */
    assert_int_equal(failures, 1);
    assert_int_equal(until, 2000);
    expect_error(eseal_store_throttle_get(s, "", &failures, &until), ESEAL_EINVAL, "store: invalid throttle key");
    char long_key[ESEAL_STORE_THROTTLE_KEY_MAX + 2];
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    expect_error(eseal_store_throttle_put(s, long_key, 1, 1), ESEAL_EINVAL, "store: invalid throttle key");
    eseal_store_close(s);
    /* the removal left no row behind */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM throttle", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void rollback_leaves_nothing(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    three_orgs(s);
    eseal_user alice = user("alice", ORG_A, "org-admin", 10);
    assert_int_equal(eseal_store_user_insert(s, &alice, "$argon2id$x"), ESEAL_OK);
    eseal_token_info t = token("tok_0000000000000001", "alice", ORG_A, 20);
    assert_int_equal(eseal_store_token_insert(s, &t, digest('a')), ESEAL_OK);
    assert_int_equal(eseal_store_throttle_put(s, "login:alice", 2, 100), ESEAL_OK);
    /* seen inside the transaction */
    eseal_user u;
    assert_int_equal(eseal_store_user_get(s, &u, NULL, "alice"), ESEAL_OK);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);
    eseal_org o;
    eseal_token_info ti;
    assert_int_equal(eseal_store_org_find(s, &o, ORG_A), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_user_get(s, &u, NULL, "alice"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_token_get(s, &ti, "tok_0000000000000001"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_token_by_digest(s, &ti, digest('a')), ESEAL_ENOTFOUND);
    uint32_t failures = 9;
    int64_t until = 9;
    assert_int_equal(eseal_store_throttle_get(s, "login:alice", &failures, &until), ESEAL_OK);
    assert_int_equal(failures, 0);
    assert_int_equal(until, 0);
    walk wo = {0}, wu = {0}, wt = {0};
    assert_int_equal(eseal_store_org_list(s, org_cb, &wo), ESEAL_OK);
    assert_int_equal(eseal_store_user_list(s, NULL, user_cb, &wu), ESEAL_OK);
    assert_int_equal(eseal_store_token_list(s, NULL, NULL, token_cb, &wt), ESEAL_OK);
    assert_int_equal(wo.n + wu.n + wt.n, 0);
    /* and a committed one stays (the same calls, so the rollback above is what removed them) */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    three_orgs(s);
    assert_int_equal(eseal_store_commit(s), ESEAL_OK);
    eseal_store_close(s);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    walk wc = {0};
    assert_int_equal(eseal_store_org_list(s, org_cb, &wc), ESEAL_OK);
    assert_int_equal(wc.n, 3);
    eseal_store_close(s);
}

/* The plan SQLite makes for `sql`, its details joined by " | ". */
static void plan(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    char q[600];
    (void)snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t at = strlen(out);
        (void)snprintf(out + at, cap - at, "%s%s", at > 0 ? " | " : "", (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
}

/* The schema of the store at `path`: every object's type, name and SQL, in name order. */
static void schema_of(const char *path, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY name", -1,
                                        &st, NULL),
                     SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t at = strlen(out);
        int n = snprintf(out + at, cap - at, "%s %s: %s\n", (const char *)sqlite3_column_text(st, 0),
                         (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2));
        assert_true(n > 0 && (size_t)n < cap - at); /* the buffer holds it all */
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/*
 * A store made by the previous eseal (schema 3, with rows) opens, migrates to 4 and keeps its rows.
 * The version-3 store is this eseal's own with migration 4's objects dropped and user_version set
 * back, which is what eseal 3 made: migration 4 only adds (the check below lists the objects).
 */
static void store_of_schema_3_migrated(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    eseal_cert_record c;
    memset(&c, 0, sizeof(c));
    c.id = (char *)(uintptr_t) "abcd000011112222";
    c.role = (char *)(uintptr_t) "org";
    c.hierarchy = (char *)(uintptr_t) "sm2";
    c.alg = (char *)(uintptr_t) "sm2";
    c.subject = (char *)(uintptr_t) "CN=x";
    c.serial = (char *)(uintptr_t) "0A";
    c.issuer_id = (char *)(uintptr_t) "caid";
    c.fingerprint = (char *)(uintptr_t) "abcd000011112222ffff";
    c.pem = (char *)(uintptr_t) "PEM";
    c.key_file = (char *)(uintptr_t) "";
    c.created_ms = 3;
    assert_int_equal(eseal_store_cert_insert(s, &c), ESEAL_OK);
    assert_int_equal(eseal_store_meta_put(s, "witness", "w", 1), ESEAL_OK);
    eseal_store_close(s);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* exactly these objects are migration 4's */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('orgs', 'users', 'tokens', "
                                    "'throttle', 'users_org', 'tokens_login', 'tokens_org', 'sessions', "
                                    "'sessions_login')"),
                     9);
    assert_int_equal(sqlite3_exec(db,
                                  "BEGIN; DROP TABLE impressions; DROP TABLE unlocks; DROP TABLE devices; DROP TABLE decisions; DROP TABLE request_docs; DROP TABLE requests; "
                                  "DROP TABLE deliveries; DROP TABLE webhooks; DROP TABLE templates; DROP TABLE grants; DROP TABLE sessions; DROP TABLE tokens; DROP TABLE users; DROP TABLE orgs; "
                                  "DROP TABLE throttle; DROP TABLE trusted_lists; "
                                  "ALTER TABLE seals DROP COLUMN hardware; PRAGMA user_version = 3; COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'user%' OR name LIKE "
                                    "'token%' OR name LIKE 'session%' OR name IN ('orgs', 'throttle')"),
                     0);
    sqlite3_close(db);

    s = NULL;
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    int v = 0;
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    eseal_cert_record out;
    assert_int_equal(eseal_store_cert_find(s, &out, "abcd0000"), ESEAL_OK); /* the old rows are there */
    assert_string_equal(out.serial, "0A");
    eseal_cert_record_dispose(&out);
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_store_meta(s, &b, "witness"), ESEAL_OK);
    assert_int_equal(b.size, 1);
    eseal_buf_dispose(&b);
    three_orgs(s); /* and the new tables work */
    eseal_user alice = user("alice", ORG_A, "org-admin", 10);
    assert_int_equal(eseal_store_user_insert(s, &alice, ""), ESEAL_OK);
    eseal_org o;
    assert_int_equal(eseal_store_org_find(s, &o, USCC_A), ESEAL_OK);
    assert_string_equal(o.id, ORG_A);
    eseal_store_close(s);
    /* migrated, it has the schema of a store made now */
    static char migrated[16384], fresh[16384];
    char fresh_path[300];
    eseal_store_close(open_numbered(fresh_path));
    schema_of(path, migrated, sizeof(migrated));
    schema_of(fresh_path, fresh, sizeof(fresh));
    assert_non_null(strstr(fresh, "table tokens: CREATE TABLE tokens"));
    assert_string_equal(migrated, fresh);

    /* The lists read their index (no scan, no sort of the table): users by organisation, tokens
     * by login and by organisation, in the order the backend asks for. */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(count_rows(db, "PRAGMA user_version"), 11);
    char p[600];
    plan(db, "SELECT login FROM users WHERE org_id = 'x' ORDER BY created, rowid", p, sizeof(p));
    assert_non_null(strstr(p, "USING INDEX users_org"));
    assert_null(strstr(p, "TEMP B-TREE"));
    plan(db, "SELECT id FROM tokens WHERE login = 'x' ORDER BY created, rowid", p, sizeof(p));
    assert_non_null(strstr(p, "USING INDEX tokens_login"));
    assert_null(strstr(p, "TEMP B-TREE"));
    plan(db, "SELECT id FROM tokens WHERE org_id = 'x' ORDER BY created, rowid", p, sizeof(p));
    assert_non_null(strstr(p, "USING INDEX tokens_org"));
    assert_null(strstr(p, "TEMP B-TREE"));
    sqlite3_close(db);
}

/*
 * A store made by the previous eseal (schema 4: organisations without an identifier, with rows)
 * opens, migrates to 5 and keeps its organisations and users. The version-4 store is this eseal's
 * own with migration 5 undone (its index dropped, its column dropped) and user_version set back;
 * the orgs table is then checked to be exactly migration 4's.
 */
static void store_of_schema_4_migrated(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    three_orgs(s);
    eseal_user alice = user("alice", ORG_A, "org-admin", 10);
    assert_int_equal(eseal_store_user_insert(s, &alice, ""), ESEAL_OK);
    eseal_store_close(s);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "BEGIN; DROP TABLE impressions; DROP TABLE unlocks; DROP TABLE devices; DROP TABLE decisions; DROP TABLE request_docs; DROP TABLE requests; "
                                  "DROP TABLE deliveries; DROP TABLE webhooks; DROP TABLE templates; DROP TABLE grants; DROP INDEX orgs_identifier; ALTER TABLE orgs DROP COLUMN identifier; "
                                  "DROP TABLE trusted_lists; "
                                  "ALTER TABLE seals DROP COLUMN hardware; PRAGMA user_version = 4; COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = 'orgs'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "CREATE TABLE orgs (  id TEXT PRIMARY KEY,  name "
                                                                   "TEXT NOT NULL UNIQUE,  uscc TEXT UNIQUE,  created "
                                                                   "INTEGER NOT NULL)");
    sqlite3_finalize(st);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM orgs"), 3);
    sqlite3_close(db);

    s = NULL;
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    int v = 0;
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    /* the organisations are kept, with no identifier, and found as before */
    walk w = {0};
    assert_int_equal(eseal_store_org_list(s, org_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, ORG_B "," ORG_C "," ORG_A);
    eseal_org o;
    assert_int_equal(eseal_store_org_find(s, &o, USCC_A), ESEAL_OK);
    assert_string_equal(o.id, ORG_A);
    assert_string_equal(o.name, "Acme Seal Works");
    assert_string_equal(o.identifier, "");
    assert_int_equal(o.created_ms, 300);
    assert_int_equal(eseal_store_org_find(s, &o, "Gamma"), ESEAL_OK);
    assert_string_equal(o.id, ORG_C);
    eseal_user u;
    assert_int_equal(eseal_store_user_get(s, &u, NULL, "alice"), ESEAL_OK);
    assert_string_equal(u.org_id, ORG_A);
    /* the new column works, and is unique */
    eseal_org de = org("org_00000000000000de", "Deutsche Siegel GmbH", "", 700);
    (void)snprintf(de.identifier, sizeof(de.identifier), "VATDE-123456789");
    assert_int_equal(eseal_store_org_insert(s, &de), ESEAL_OK);
    assert_int_equal(eseal_store_org_find(s, &o, "VATDE-123456789"), ESEAL_OK);
    assert_string_equal(o.id, "org_00000000000000de");
    de = org("org_00000000000000df", "Other", "", 800);
    (void)snprintf(de.identifier, sizeof(de.identifier), "VATDE-123456789");
    expect_error(eseal_store_org_insert(s, &de), ESEAL_EEXISTS,
                 "an organisation with identifier 'VATDE-123456789' exists");
    eseal_store_close(s);
    /* migrated, it has the schema of a store made now */
    static char migrated[16384], fresh[16384];
    char fresh_path[300];
    eseal_store_close(open_numbered(fresh_path));
    schema_of(path, migrated, sizeof(migrated));
    schema_of(fresh_path, fresh, sizeof(fresh));
    assert_non_null(strstr(fresh, "index orgs_identifier: CREATE UNIQUE INDEX orgs_identifier"));
    assert_string_equal(migrated, fresh);
}

/* ---- the concern's registration: version, routing, a function left NULL ---------------------- */

typedef struct {
    eseal_store_accounts_backend be;
    eseal_store_accounts_backend *inner;
    int gets;
} counting;

static int frees;

static int c_org_get(eseal_store_accounts_backend *be, eseal_org *out, eseal_store_match how, const char *key)
{
    counting *c = (counting *)(void *)be;
    c->gets++;
    return c->inner->org_get(c->inner, out, how, key);
}

static void c_free(eseal_store_accounts_backend *be)
{
    frees++;
    free(be);
}

static void accounts_backend_registration(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_numbered(path);
    eseal_store_accounts_backend *builtin = eseal_store_accounts_backend_current(s);
    assert_non_null(builtin);
    three_orgs(s);
    /* a wrong version is refused, and freed */
    counting *bad = calloc(1, sizeof(*bad));
    assert_non_null(bad);
    bad->be.version = ESEAL_STORE_ACCOUNTS_BACKEND_VERSION + 1;
    bad->be.free = c_free;
    frees = 0;
    expect_error(eseal_store_add_accounts_backend(s, &bad->be, 1), ESEAL_EINVAL,
                 "store: the accounts backend has version 3; this eseal speaks version 2");
    assert_int_equal(frees, 1);
    assert_ptr_equal(eseal_store_accounts_backend_current(s), builtin);
    /* a wrapper of higher priority takes the calls; what it leaves NULL is unsupported */
    counting *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->be.version = ESEAL_STORE_ACCOUNTS_BACKEND_VERSION;
    w->be.org_get = c_org_get;
    w->be.free = c_free;
    w->inner = builtin;
    assert_int_equal(eseal_store_add_accounts_backend(s, &w->be, 1), ESEAL_OK);
    assert_ptr_equal(eseal_store_accounts_backend_current(s), &w->be);
    eseal_org o;
    assert_int_equal(eseal_store_org_find(s, &o, "Gamma"), ESEAL_OK); /* id, code, identifier, name: four asks */
    assert_string_equal(o.id, ORG_C);
    assert_int_equal(w->gets, 4);
    assert_int_equal(eseal_store_org_find(s, &o, ORG_A), ESEAL_OK); /* found by id: one ask */
    assert_int_equal(w->gets, 5);
    walk wo = {0};
    expect_error(eseal_store_org_list(s, org_cb, &wo), ESEAL_EUNSUPPORTED,
                 "store: the accounts backend has no org_list");
    uint32_t f;
    int64_t u;
    expect_error(eseal_store_throttle_get(s, "login:x", &f, &u), ESEAL_EUNSUPPORTED,
                 "store: the accounts backend has no throttle_get");
    frees = 0;
    eseal_store_close(s); /* the wrapper freed by the store */
    assert_int_equal(frees, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_version_raised_by_one),
        cmocka_unit_test(organisations),
        cmocka_unit_test(organisation_identifiers),
        cmocka_unit_test(users),
        cmocka_unit_test(tokens),
        cmocka_unit_test(throttle),
        cmocka_unit_test(rollback_leaves_nothing),
        cmocka_unit_test(store_of_schema_3_migrated),
        cmocka_unit_test(store_of_schema_4_migrated),
        cmocka_unit_test(accounts_backend_registration),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
