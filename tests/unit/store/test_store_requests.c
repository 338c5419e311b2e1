/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's stamp requests (issue 20 §2; eseal/sys/store.h, src/store/store.c, sqlite.c migration
 * 8): a request round-trips every field with its documents, in one transaction (its own, or a
 * savepoint in the caller's) that a failing document undoes whole; lists newest first with their
 * filters, each read from an index; a request moves on by one conditional statement that exactly
 * one of 12 racing processes wins; a document is stamped once (12 racing processes: one wins), the
 * first unstamped one of its SHA-256 first, only while the request is approved, and the last one
 * makes it executed; one decision per approver and request, listed in the order made; a request's
 * documents go with it; a store of schema 7 is migrated with its rows kept. Every refusal is
 * checked with its code and its words.
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

#define STORE_TEST_DIR "/tmp/eseal-store-req-XXXXXX"
#include "store_fixture.h"

#define ORG_A "org_00000000000000aa"
#define ORG_B "org_00000000000000bb"
#define REQ_1 "req_0000000000000001"
#define REQ_2 "req_0000000000000002"
#define REQ_3 "req_0000000000000003"
#define REQ_4 "req_0000000000000004"
#define REQ_X "req_00000000000000ff" /* none */
#define GRANT "grt_0000000000000001"
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_AU "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* kept lower-case */
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* A new store with organisations A and B. */
static eseal_store *open_fresh(char path[300])
{
    eseal_store *s = open_numbered(path);
    add_org(s, ORG_A, "Alpha");
    add_org(s, ORG_B, "Beta");
    return s;
}

static eseal_request request(const char *id, const char *org, const char *requester, int64_t created, int64_t docs)
{
    eseal_request r;
    memset(&r, 0, sizeof(r));
    (void)snprintf(r.id, sizeof(r.id), "%s", id);
    (void)snprintf(r.org_id, sizeof(r.org_id), "%s", org);
    (void)snprintf(r.seal, sizeof(r.seal), "SEAL-A-0001");
    (void)snprintf(r.requester, sizeof(r.requester), "%s", requester);
    (void)snprintf(r.grant, sizeof(r.grant), GRANT);
    (void)snprintf(r.approval, sizeof(r.approval), "1:@approver;2:alice,bob");
    (void)snprintf(r.doc_type, sizeof(r.doc_type), "contract");
    (void)snprintf(r.purpose, sizeof(r.purpose), "采购合同 \"Q4\"");
    r.page = -1;
    r.x_mm = 120.25;
    r.y_mm = -3.5;
    r.xy_exact = 1;
    r.cross_page = 1;
    r.level = 2;
    r.qr = 1;
    r.status = ESEAL_REQUEST_PENDING;
    r.step = 0;
    r.docs = docs;
    r.created_ms = r.updated_ms = created;
    return r;
}

static eseal_request_doc doc(const char *name, const char *format, const char *sha, int64_t size)
{
    eseal_request_doc d;
    memset(&d, 0, sizeof(d));
    (void)snprintf(d.name, sizeof(d.name), "%s", name);
    (void)snprintf(d.format, sizeof(d.format), "%s", format);
    (void)snprintf(d.sha256, sizeof(d.sha256), "%s", sha);
    d.size = size;
    return d;
}

typedef struct {
    char seen[512];
    int stop_after; /* 0: never */
    int n;
} walk;

static void note(walk *w, const char *what)
{
    size_t n = strlen(w->seen);
    (void)snprintf(w->seen + n, sizeof(w->seen) - n, "%s%s", n > 0 ? "," : "", what);
}

static int request_cb(const eseal_request *r, void *p)
{
    walk *w = p;
    note(w, r->id + 18); /* the last two digits */
    return ++w->n == w->stop_after ? 42 : 0;
}

static int doc_cb(const eseal_request_doc *d, void *p)
{
    walk *w = p;
    char line[sizeof(((eseal_request_doc *)NULL)->name) + 100];
    (void)snprintf(line, sizeof(line), "%lld:%s:%.1s:%s:%lld", (long long)d->index, d->name, d->sha256, d->serial,
                   (long long)d->log_index);
    note(w, line);
    return 0;
}

/* Keeps the first document and counts them all. */
typedef struct {
    eseal_request_doc d;
    int n;
} first_doc;

static int doc_first_cb(const eseal_request_doc *d, void *p)
{
    first_doc *f = p;
    if (f->n++ == 0) {
        f->d = *d;
    }
    return 0;
}

static int decision_cb(const eseal_decision *d, void *p)
{
    walk *w = p;
    note(w, d->approver);
    return 0;
}

static void requests_round_trip_and_lists(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r1 = request(REQ_1, ORG_A, "Alice", 10, 2);
    eseal_request_doc d1[2] = {doc("合同.pdf", "pdf", SHA_AU, 1234), doc("annex.ofd", "ofd", SHA_B, 0)};
    assert_int_equal(eseal_store_request_insert(s, &r1, d1, 2), ESEAL_OK);
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    memset(r1.requester, 0, sizeof(r1.requester)); /* kept lower-case; compared whole below */
    (void)snprintf(r1.requester, sizeof(r1.requester), "alice");
    assert_memory_equal(&out, &r1, sizeof(out));

    eseal_request r2 = request(REQ_2, ORG_A, "bob", 20, 1);
    r2.status = ESEAL_REQUEST_APPROVED; /* approved at once */
    r2.step = 2;
    eseal_request r3 = request(REQ_3, ORG_B, "carol", 20, 1);
    eseal_request r4 = request(REQ_4, ORG_A, "alice", 20, 1); /* same time as r2, added after: newer */
    eseal_request_doc one = doc("a.pdf", "pdf", SHA_C, 5);
    assert_int_equal(eseal_store_request_insert(s, &r2, &one, 1), ESEAL_OK);
    assert_int_equal(eseal_store_request_insert(s, &r3, &one, 1), ESEAL_OK);
    assert_int_equal(eseal_store_request_insert(s, &r4, &one, 1), ESEAL_OK);

    walk w = {"", 0, 0};
    assert_int_equal(eseal_store_request_list(s, NULL, 0, NULL, request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "04,03,02,01"); /* newest first, then the last added first */
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_list(s, ORG_A, 0, NULL, request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "04,02,01");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_list(s, ORG_A, ESEAL_REQUEST_PENDING, NULL, request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "04,01");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_list(s, NULL, ESEAL_REQUEST_APPROVED, NULL, request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "02");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_list(s, ORG_A, 0, "ALICE", request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "04,01"); /* the login folded as stored */
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_list(s, ORG_A, ESEAL_REQUEST_PENDING, "alice", request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "04,01");
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_list(s, ORG_B, ESEAL_REQUEST_EXECUTED, NULL, request_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "");
    memset(&w, 0, sizeof(w));
    w.stop_after = 2;
    assert_int_equal(eseal_store_request_list(s, NULL, 0, NULL, request_cb, &w), 42); /* cb's return stops */
    assert_string_equal(w.seen, "04,03");

    /* refusals, each worded */
    expect_error(eseal_store_request_insert(s, &r2, &one, 1), ESEAL_EEXISTS, "a request 'req_0000000000000002' exists");
    eseal_request bad = request("req_0000000000000005", "org_0000000000000000", "alice", 1, 1);
    expect_error(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_ENOTFOUND,
                 "no organisation 'org_0000000000000000'");
    expect_error(eseal_store_request_get(s, &out, REQ_X), ESEAL_ENOTFOUND, "no request 'req_00000000000000ff'");
    bad = request("req_0000000000000005", ORG_A, "alice", 1, 1);
    expect_error(eseal_store_request_insert(NULL, &bad, &one, 1), ESEAL_EINVAL, "store: invalid request");
    expect_error(eseal_store_request_insert(s, NULL, &one, 1), ESEAL_EINVAL, "store: invalid request");
    expect_error(eseal_store_request_insert(s, &bad, NULL, 1), ESEAL_EINVAL, "store: invalid request");
    bad.docs = 0;
    expect_error(eseal_store_request_insert(s, &bad, &one, 0), ESEAL_EINVAL, "store: invalid request"); /* none */
    bad.docs = ESEAL_REQUEST_DOCS_MAX + 1;
    expect_error(eseal_store_request_insert(s, &bad, &one, ESEAL_REQUEST_DOCS_MAX + 1), ESEAL_EINVAL,
                 "store: invalid request");
    bad.docs = 2; /* not the documents given */
    expect_error(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL, "store: invalid request");
    eseal_request base = request("req_0000000000000005", ORG_A, "alice", 1, 1);
    bad = base;
    bad.done = 1;
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    bad.status = ESEAL_REQUEST_EXECUTED; /* a new request has stamped nothing */
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    bad.step = ESEAL_APPROVAL_STEPS_MAX + 1;
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    bad.id[10] = '\0'; /* cut short */
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    memset(bad.purpose, 'p', sizeof(bad.purpose)); /* no NUL in its array */
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    bad.grant[0] = '\0';
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    bad.requester[0] = '\0';
    assert_int_equal(eseal_store_request_insert(s, &bad, &one, 1), ESEAL_EINVAL);
    bad = base;
    bad.docs = 2;
    eseal_request_doc two[2] = {one, doc("b.doc", "doc", SHA_C, 5)};
    expect_error(eseal_store_request_insert(s, &bad, two, 2), ESEAL_EINVAL, "store: invalid request document 1");
    two[1] = doc("b.pdf", "pdf", SHA_C, 5);
    two[1].sha256[63] = '\0'; /* 63 digits */
    expect_error(eseal_store_request_insert(s, &bad, two, 2), ESEAL_EINVAL, "store: invalid request document 1");
    two[1] = doc("b.pdf", "pdf", "g" SHA_C, 5);
    two[1].sha256[64] = '\0';
    assert_int_equal(eseal_store_request_insert(s, &bad, two, 2), ESEAL_EINVAL); /* not hex */
    two[1] = doc("", "pdf", SHA_C, 5);
    assert_int_equal(eseal_store_request_insert(s, &bad, two, 2), ESEAL_EINVAL);
    two[1] = doc("b.pdf", "pdf", SHA_C, -1);
    assert_int_equal(eseal_store_request_insert(s, &bad, two, 2), ESEAL_EINVAL);
    expect_error(eseal_store_request_get(s, &out, "req_0000000000000005"), ESEAL_ENOTFOUND,
                 "no request 'req_0000000000000005'"); /* none of these left anything */
    expect_error(eseal_store_request_get(s, NULL, REQ_1), ESEAL_EINVAL, "store: invalid request id");
    expect_error(eseal_store_request_list(s, NULL, (eseal_request_status)9, NULL, request_cb, &w), ESEAL_EINVAL,
                 "store: invalid request list");
    assert_int_equal(eseal_store_request_list(s, NULL, 0, NULL, NULL, &w), ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_list(s, NULL, 0, "", request_cb, &w), ESEAL_EINVAL);
    eseal_store_close(s);
}

static void documents_by_index(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 3);
    eseal_request_doc d[3] = {doc("one.pdf", "pdf", SHA_AU, 10), doc("two.ofd", "ofd", SHA_B, 20),
                              doc("three.pdf", "pdf", SHA_A, 30)};
    /* what the records say of their request, index and stamp is not what is stored */
    (void)snprintf(d[1].request_id, sizeof(d[1].request_id), REQ_X);
    d[1].index = 7;
    (void)snprintf(d[1].serial, sizeof(d[1].serial), "ST-NOT-YET");
    d[1].log_index = 5;
    assert_int_equal(eseal_store_request_insert(s, &r, d, 3), ESEAL_OK);
    walk w = {"", 0, 0};
    assert_int_equal(eseal_store_request_docs(s, REQ_1, doc_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "0:one.pdf:a::-1,1:two.ofd:b::-1,2:three.pdf:a::-1");

    /* every field of one */
    first_doc f;
    memset(&f, 0, sizeof(f));
    assert_int_equal(eseal_store_request_docs(s, REQ_1, doc_first_cb, &f), ESEAL_OK);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.d.request_id, REQ_1);
    assert_int_equal(f.d.index, 0);
    assert_string_equal(f.d.name, "one.pdf");
    assert_string_equal(f.d.format, "pdf");
    assert_string_equal(f.d.sha256, SHA_A); /* lower-case */
    assert_int_equal(f.d.size, 10);
    assert_string_equal(f.d.serial, "");
    assert_int_equal(f.d.log_index, -1);

    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_request_docs(s, REQ_X, doc_cb, &w), ESEAL_OK); /* none */
    assert_string_equal(w.seen, "");
    assert_int_equal(eseal_store_request_docs(s, REQ_1, NULL, &w), ESEAL_EINVAL);
    expect_error(eseal_store_request_docs(s, "", doc_cb, &w), ESEAL_EINVAL, "store: invalid request id");

    /* a batch of the most documents a request may have */
    eseal_request_doc *many = calloc(ESEAL_REQUEST_DOCS_MAX, sizeof(*many));
    assert_non_null(many);
    for (int i = 0; i < ESEAL_REQUEST_DOCS_MAX; i++) {
        char name[32];
        (void)snprintf(name, sizeof(name), "doc-%04d.pdf", i);
        many[i] = doc(name, "pdf", SHA_C, i);
    }
    eseal_request big = request(REQ_2, ORG_A, "alice", 20, ESEAL_REQUEST_DOCS_MAX);
    assert_int_equal(eseal_store_request_insert(s, &big, many, ESEAL_REQUEST_DOCS_MAX), ESEAL_OK);
    f.n = 0;
    assert_int_equal(eseal_store_request_docs(s, REQ_2, doc_first_cb, &f), ESEAL_OK);
    assert_int_equal(f.n, ESEAL_REQUEST_DOCS_MAX);
    free(many);
    eseal_store_close(s);

    /* a request's documents go with it (ON DELETE CASCADE) */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys=ON; DELETE FROM requests WHERE id = '" REQ_1 "'", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM request_docs GROUP BY request_id", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), ESEAL_REQUEST_DOCS_MAX); /* REQ_2's only */
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/*
 * A request and its documents are one change: a document the database refuses (a trigger stands
 * in for a full disk) leaves no request, whether the insert ran in a transaction of its own or in
 * the caller's, which then goes on and commits what it wrote before; the caller's rollback takes
 * an inserted request back.
 */
static void insert_is_one_change(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    exec_sql(path, "CREATE TRIGGER boom BEFORE INSERT ON request_docs WHEN NEW.name = 'boom.pdf' "
                   "BEGIN SELECT RAISE(ABORT, 'no room'); END");
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 2);
    eseal_request_doc d[2] = {doc("ok.pdf", "pdf", SHA_A, 1), doc("boom.pdf", "pdf", SHA_B, 1)};
    assert_int_equal(eseal_store_request_insert(s, &r, d, 2), ESEAL_ESTORE);
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_ENOTFOUND);
    walk w = {"", 0, 0};
    assert_int_equal(eseal_store_request_docs(s, REQ_1, doc_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, ""); /* not the first document either */

    /* in the caller's transaction: that request undone, the caller's other writes kept */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    eseal_request r2 = request(REQ_2, ORG_A, "alice", 20, 1);
    assert_int_equal(eseal_store_request_insert(s, &r2, d, 1), ESEAL_OK);
    assert_int_equal(eseal_store_request_insert(s, &r, d, 2), ESEAL_ESTORE);
    assert_int_equal(eseal_store_commit(s), ESEAL_OK);
    assert_int_equal(eseal_store_request_get(s, &out, REQ_2), ESEAL_OK);
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_request_docs(s, REQ_1, doc_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "");

    /* and the caller's rollback takes one back */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    eseal_request r3 = request(REQ_3, ORG_A, "alice", 30, 1);
    assert_int_equal(eseal_store_request_insert(s, &r3, d, 1), ESEAL_OK);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);
    assert_int_equal(eseal_store_request_get(s, &out, REQ_3), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_request_docs(s, REQ_3, doc_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "");
    eseal_store_close(s);
}

static void advance(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 1);
    eseal_request_doc d = doc("a.pdf", "pdf", SHA_A, 1);
    assert_int_equal(eseal_store_request_insert(s, &r, &d, 1), ESEAL_OK);
    assert_int_equal(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_PENDING, 0, ESEAL_REQUEST_PENDING, 1, 50),
                     ESEAL_OK);
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_PENDING);
    assert_int_equal(out.step, 1);
    assert_int_equal(out.updated_ms, 50);
    assert_int_equal(out.created_ms, 10);
    /* a second decider of step 0 finds it moved on, and changes nothing */
    expect_error(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_PENDING, 0, ESEAL_REQUEST_REJECTED, 0, 60),
                 ESEAL_ESTATE, "request 'req_0000000000000001' has moved on");
    expect_error(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_APPROVED, 1, ESEAL_REQUEST_EXECUTED, 1, 60),
                 ESEAL_ESTATE, "request 'req_0000000000000001' has moved on");
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_PENDING);
    assert_int_equal(out.updated_ms, 50);
    assert_int_equal(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_PENDING, 1, ESEAL_REQUEST_APPROVED, 2, 70),
                     ESEAL_OK);
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(out.step, 2);
    expect_error(eseal_store_request_advance(s, REQ_X, ESEAL_REQUEST_PENDING, 0, ESEAL_REQUEST_PENDING, 1, 50),
                 ESEAL_ENOTFOUND, "no request 'req_00000000000000ff'");
    expect_error(eseal_store_request_advance(s, REQ_1, 0, 0, ESEAL_REQUEST_PENDING, 1, 50), ESEAL_EINVAL,
                 "store: invalid request move");
    assert_int_equal(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_APPROVED, 2, (eseal_request_status)5, 1, 50),
                     ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_APPROVED, 2, ESEAL_REQUEST_APPROVED,
                                                 ESEAL_APPROVAL_STEPS_MAX + 1, 50),
                     ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_APPROVED, 2, ESEAL_REQUEST_APPROVED, 2, 0),
                     ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_advance(NULL, REQ_1, ESEAL_REQUEST_APPROVED, 2, ESEAL_REQUEST_APPROVED, 2, 5),
                     ESEAL_EINVAL);
    eseal_store_close(s);
}

static void documents_stamped(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 3);
    eseal_request_doc d[3] = {doc("a.pdf", "pdf", SHA_A, 1), doc("b.pdf", "pdf", SHA_B, 1),
                              doc("a2.ofd", "ofd", SHA_A, 1)};
    assert_int_equal(eseal_store_request_insert(s, &r, d, 3), ESEAL_OK);
    int64_t idx = -5;
    /* pending: nothing is stamped */
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-1", 11, 100, &idx), ESEAL_ESTATE,
                 "request 'req_0000000000000001' has no unstamped document with that SHA-256");
    assert_int_equal(idx, -5);
    assert_int_equal(eseal_store_request_advance(s, REQ_1, ESEAL_REQUEST_PENDING, 0, ESEAL_REQUEST_APPROVED, 1, 90),
                     ESEAL_OK);

    /* a stamp in a transaction rolled back is not kept */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-0", 10, 95, &idx), ESEAL_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);

    /* the first unstamped document of that SHA-256 (given upper-case), then the next */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_AU, "ST-1", 11, 100, &idx), ESEAL_OK);
    assert_int_equal(eseal_store_commit(s), ESEAL_OK);
    assert_int_equal(idx, 0);
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.done, 1);
    assert_int_equal(out.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(out.updated_ms, 100);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-2", 12, 110, &idx), ESEAL_OK);
    assert_int_equal(idx, 2);
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-3", 13, 120, &idx), ESEAL_ESTATE,
                 "request 'req_0000000000000001' has no unstamped document with that SHA-256");
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, SHA_C, "ST-3", 13, 120, NULL), ESEAL_ESTATE,
                 "request 'req_0000000000000001' has no unstamped document with that SHA-256");
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.done, 2);
    assert_int_equal(out.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(out.updated_ms, 110);
    /* the last one makes it executed */
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_B, "ST-4", 14, 130, NULL), ESEAL_OK);
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.done, 3);
    assert_int_equal(out.status, ESEAL_REQUEST_EXECUTED);
    assert_int_equal(out.updated_ms, 130);
    walk w = {"", 0, 0};
    assert_int_equal(eseal_store_request_docs(s, REQ_1, doc_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "0:a.pdf:a:ST-1:11,1:b.pdf:b:ST-4:14,2:a2.ofd:a:ST-2:12");
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, SHA_B, "ST-5", 15, 140, NULL), ESEAL_ESTATE,
                 "request 'req_0000000000000001' has no unstamped document with that SHA-256");

    expect_error(eseal_store_request_doc_stamped(s, REQ_X, SHA_A, "ST-5", 15, 140, NULL), ESEAL_ENOTFOUND,
                 "no request 'req_00000000000000ff'");
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, "abc", "ST-5", 15, 140, NULL), ESEAL_EINVAL,
                 "store: invalid request document stamp");
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "", 15, 140, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, NULL, 15, 140, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-5", -2, 140, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-5", 15, 0, NULL), ESEAL_EINVAL);
    char long_serial[64];
    memset(long_serial, 'S', sizeof(long_serial) - 1);
    long_serial[sizeof(long_serial) - 1] = '\0';
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, long_serial, 15, 140, NULL), ESEAL_EINVAL);

    /* a rejected request is never stamped */
    eseal_request rj = request(REQ_2, ORG_A, "alice", 10, 1);
    assert_int_equal(eseal_store_request_insert(s, &rj, d, 1), ESEAL_OK);
    assert_int_equal(eseal_store_request_advance(s, REQ_2, ESEAL_REQUEST_PENDING, 0, ESEAL_REQUEST_REJECTED, 0, 90),
                     ESEAL_OK);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_2, SHA_A, "ST-6", 16, 140, NULL), ESEAL_ESTATE);
    eseal_store_close(s);
}

/* Two documents of one SHA-256: two stamps take both, in order, and a third finds none. */
static void two_documents_of_one_digest(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 2);
    r.status = ESEAL_REQUEST_APPROVED;
    eseal_request_doc d[2] = {doc("copy1.pdf", "pdf", SHA_A, 1), doc("copy2.pdf", "pdf", SHA_A, 1)};
    assert_int_equal(eseal_store_request_insert(s, &r, d, 2), ESEAL_OK);
    int64_t idx = -1;
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-1", 1, 100, &idx), ESEAL_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-2", 2, 101, &idx), ESEAL_OK);
    assert_int_equal(idx, 1);
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-3", 3, 102, &idx), ESEAL_ESTATE,
                 "request 'req_0000000000000001' has no unstamped document with that SHA-256");
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.done, 2);
    assert_int_equal(out.status, ESEAL_REQUEST_EXECUTED);
    eseal_store_close(s);
}

static eseal_decision decision(const char *id, const char *approver, unsigned int step, int approve, int64_t at)
{
    eseal_decision d;
    memset(&d, 0, sizeof(d));
    (void)snprintf(d.id, sizeof(d.id), "%s", id);
    (void)snprintf(d.request_id, sizeof(d.request_id), REQ_1);
    d.step = step;
    (void)snprintf(d.approver, sizeof(d.approver), "%s", approver);
    d.approve = approve;
    (void)snprintf(d.comment, sizeof(d.comment), "见附件 \"ok\"");
    (void)snprintf(d.comment_sha256, sizeof(d.comment_sha256), SHA_B);
    (void)snprintf(d.docs_sha256, sizeof(d.docs_sha256), SHA_C);
    d.at_ms = at;
    return d;
}

typedef struct {
    eseal_decision d[3];
    int n;
} three_decisions;

static int decision_keep_cb(const eseal_decision *d, void *p)
{
    three_decisions *a = p;
    if (a->n < 3) {
        a->d[a->n] = *d;
    }
    a->n++;
    return 0;
}

static void decisions(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 1);
    eseal_request_doc d = doc("a.pdf", "pdf", SHA_A, 1);
    assert_int_equal(eseal_store_request_insert(s, &r, &d, 1), ESEAL_OK);
    eseal_decision first = decision("dec_0000000000000001", "bob", 0, 1, 100);
    (void)snprintf(first.comment_sha256, sizeof(first.comment_sha256), SHA_AU); /* kept lower-case */
    assert_int_equal(eseal_store_decision_insert(s, &first), ESEAL_OK);
    eseal_decision earlier = decision("dec_0000000000000002", "Carol", 0, 0, 50); /* made before: listed first */
    assert_int_equal(eseal_store_decision_insert(s, &earlier), ESEAL_OK);
    eseal_decision same = decision("dec_0000000000000003", "dave", 1, 1, 100); /* at bob's time, added after */
    assert_int_equal(eseal_store_decision_insert(s, &same), ESEAL_OK);
    walk w = {"", 0, 0};
    assert_int_equal(eseal_store_decision_list(s, REQ_1, decision_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "carol,bob,dave");

    /* every field */
    three_decisions a;
    memset(&a, 0, sizeof(a));
    assert_int_equal(eseal_store_decision_list(s, REQ_1, decision_keep_cb, &a), ESEAL_OK);
    assert_int_equal(a.n, 3);
    (void)snprintf(first.comment_sha256, sizeof(first.comment_sha256), SHA_A);
    assert_memory_equal(&a.d[1], &first, sizeof(first));
    assert_string_equal(a.d[0].approver, "carol");
    assert_int_equal(a.d[0].approve, 0);
    assert_int_equal(a.d[2].step, 1);

    /* one per approver and request, whatever the case of its login */
    eseal_decision again = decision("dec_0000000000000004", "BOB", 1, 0, 200);
    expect_error(eseal_store_decision_insert(s, &again), ESEAL_EEXISTS,
                 "bob has decided on request 'req_0000000000000001' already");
    eseal_decision orphan = decision("dec_0000000000000005", "erin", 0, 1, 200);
    (void)snprintf(orphan.request_id, sizeof(orphan.request_id), REQ_X);
    expect_error(eseal_store_decision_insert(s, &orphan), ESEAL_ENOTFOUND, "no request 'req_00000000000000ff'");
    eseal_decision bad = decision("dec_0000000000000006", "erin", 0, 2, 200);
    expect_error(eseal_store_decision_insert(s, &bad), ESEAL_EINVAL, "store: invalid decision");
    bad = decision("dec_0000000000000006", "erin", ESEAL_APPROVAL_STEPS_MAX, 1, 200);
    assert_int_equal(eseal_store_decision_insert(s, &bad), ESEAL_EINVAL);
    bad = decision("dec_000000000006", "erin", 0, 1, 200);
    assert_int_equal(eseal_store_decision_insert(s, &bad), ESEAL_EINVAL);
    bad = decision("dec_0000000000000006", "", 0, 1, 200);
    assert_int_equal(eseal_store_decision_insert(s, &bad), ESEAL_EINVAL);
    bad = decision("dec_0000000000000006", "erin", 0, 1, 200);
    bad.docs_sha256[3] = 'x';
    assert_int_equal(eseal_store_decision_insert(s, &bad), ESEAL_EINVAL);
    bad = decision("dec_0000000000000006", "erin", 0, 1, 200);
    memset(bad.comment, 'c', sizeof(bad.comment)); /* no NUL in its array */
    assert_int_equal(eseal_store_decision_insert(s, &bad), ESEAL_EINVAL);
    assert_int_equal(eseal_store_decision_insert(s, NULL), ESEAL_EINVAL);
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_decision_list(s, REQ_1, decision_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "carol,bob,dave"); /* none of these was added */
    memset(&w, 0, sizeof(w));
    assert_int_equal(eseal_store_decision_list(s, REQ_X, decision_cb, &w), ESEAL_OK);
    assert_string_equal(w.seen, "");
    expect_error(eseal_store_decision_list(s, REQ_1, NULL, &w), ESEAL_EINVAL, "store: invalid request id");
    eseal_store_close(s);
}

/*
 * Processes race: each opens the store on its own (another connection, as another `eseal serve`
 * would), waits until all are ready and runs `fn` once. Exit status 0: it succeeded, 1: ESEAL_ESTATE,
 * 2: anything else, 3 and 4: the harness failed.
 */
#define RACERS 12
static void race(const char *path, int (*fn)(eseal_store *c), int *won, int *refused)
{
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
            int rc = fn(c);
            eseal_store_close(c);
            _exit(rc == ESEAL_OK ? 0 : rc == ESEAL_ESTATE ? 1 : 2);
        }
    }
    close(go[0]);
    close(go[1]);
    *won = *refused = 0;
    for (int i = 0; i < RACERS; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st));
        *won += WEXITSTATUS(st) == 0;
        *refused += WEXITSTATUS(st) == 1;
    }
}

static int advance_once(eseal_store *c)
{
    return eseal_store_request_advance(c, REQ_1, ESEAL_REQUEST_PENDING, 0, ESEAL_REQUEST_PENDING, 1, 500);
}

/* Twelve deciders of step 0 move the request on at once: one does, eleven are told it moved on. */
static void processes_race_to_advance(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 1);
    eseal_request_doc d = doc("a.pdf", "pdf", SHA_A, 1);
    assert_int_equal(eseal_store_request_insert(s, &r, &d, 1), ESEAL_OK);
    eseal_store_close(s);
    int won = 0, refused = 0;
    race(path, advance_once, &won, &refused);
    assert_int_equal(won, 1);
    assert_int_equal(refused, RACERS - 1);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_PENDING);
    assert_int_equal(out.step, 1);
    assert_int_equal(out.updated_ms, 500);
    eseal_store_close(s);
}

/* As an execution does: the stamp's transaction holds the document's mark. */
static int stamp_once(eseal_store *c)
{
    char serial[32];
    (void)snprintf(serial, sizeof(serial), "ST-%d", (int)getpid());
    int rc = eseal_store_begin(c);
    if (rc == ESEAL_OK) {
        rc = eseal_store_request_doc_stamped(c, REQ_1, SHA_A, serial, 7, 600, NULL);
        rc = rc == ESEAL_OK ? eseal_store_commit(c) : (eseal_store_rollback(c), rc);
    }
    return rc;
}

/* Twelve executions stamp the one document of an approved request at once: one does. */
static void processes_race_to_stamp(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 1);
    r.status = ESEAL_REQUEST_APPROVED;
    eseal_request_doc d = doc("a.pdf", "pdf", SHA_A, 1);
    assert_int_equal(eseal_store_request_insert(s, &r, &d, 1), ESEAL_OK);
    eseal_store_close(s);
    int won = 0, refused = 0;
    race(path, stamp_once, &won, &refused);
    assert_int_equal(won, 1);
    assert_int_equal(refused, RACERS - 1);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    eseal_request out;
    assert_int_equal(eseal_store_request_get(s, &out, REQ_1), ESEAL_OK);
    assert_int_equal(out.done, 1);
    assert_int_equal(out.status, ESEAL_REQUEST_EXECUTED);
    first_doc f;
    memset(&f, 0, sizeof(f));
    assert_int_equal(eseal_store_request_docs(s, REQ_1, doc_first_cb, &f), ESEAL_OK);
    assert_int_equal(f.n, 1);
    assert_true(strncmp(f.d.serial, "ST-", 3) == 0);
    assert_int_equal(f.d.log_index, 7);
    eseal_store_close(s);
}

/* The query plan of `sql`, its lines joined. */
static void plan(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    char q[600];
    (void)snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    size_t at = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = snprintf(out + at, cap - at, "%s;", (const char *)sqlite3_column_text(st, 3));
        assert_true(n > 0 && (size_t)n < cap - at);
        at += (size_t)n;
    }
    sqlite3_finalize(st);
}

#define LIST_COLS "SELECT id FROM requests WHERE 1"
#define LIST_ORDER " ORDER BY created DESC, rowid DESC"

/*
 * Schema 8: exactly migration 8's objects; an organisation's lists read their index, in its order
 * (the statements sq_request_list writes); a store of schema 7 (with rows) migrates and keeps them.
 */
static void schema_8(void **state)
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
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('requests', 'requests_org', "
                                    "'requests_org_status', 'request_docs', 'decisions', 'decisions_request', "
                                    "'sqlite_autoindex_requests_1', 'sqlite_autoindex_request_docs_1', "
                                    "'sqlite_autoindex_decisions_1', 'sqlite_autoindex_decisions_2')"),
                     10);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE (name LIKE '%request%' OR name LIKE "
                                    "'%decision%') AND name NOT LIKE 'impressions%'"),
                     10);
    char p[600];
    plan(db, LIST_COLS " AND org_id = 'x' AND status = 1" LIST_ORDER, p, sizeof(p));
    assert_non_null(strstr(p, "USING INDEX requests_org_status"));
    assert_null(strstr(p, "TEMP B-TREE"));
    plan(db, LIST_COLS " AND org_id = 'x'" LIST_ORDER, p, sizeof(p));
    assert_non_null(strstr(p, "USING INDEX requests_org "));
    assert_null(strstr(p, "TEMP B-TREE"));
    plan(db, "SELECT id FROM decisions WHERE request_id = 'x' ORDER BY at, rowid", p, sizeof(p));
    assert_non_null(strstr(p, "USING INDEX decisions_request"));
    assert_null(strstr(p, "TEMP B-TREE"));

    assert_int_equal(sqlite3_exec(db,
                                  "BEGIN; DROP TABLE impressions; DROP TABLE unlocks; DROP TABLE devices; DROP TABLE decisions; DROP TABLE request_docs; DROP TABLE requests; "
                                  "DROP TABLE trusted_lists; "
                                  "ALTER TABLE seals DROP COLUMN hardware; PRAGMA user_version = 7; COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    assert_int_equal(eseal_store_schema_version(s, &v), ESEAL_OK);
    assert_int_equal(v, 11);
    eseal_org o;
    assert_int_equal(eseal_store_org_find(s, &o, "Beta"), ESEAL_OK); /* the rows are kept */
    assert_string_equal(o.id, ORG_B);
    eseal_request r = request(REQ_1, ORG_B, "alice", 10, 1);
    eseal_request_doc d = doc("a.pdf", "pdf", SHA_A, 1);
    assert_int_equal(eseal_store_request_insert(s, &r, &d, 1), ESEAL_OK);
    eseal_store_close(s);
}

/* Version 3 of the governance backend has the request functions: an older one is refused when
 * added, and one that leaves them out answers ESEAL_EUNSUPPORTED with the function's name. */
static void backend_versions(void **state)
{
    (void)state;
    char path[300];
    eseal_store *s = open_fresh(path);
    static eseal_store_governance_backend old = {.version = 2}; /* no free: nothing to free */
    expect_error(eseal_store_add_governance_backend(s, &old, 10), ESEAL_EINVAL,
                 "store: the governance backend has version 2; this eseal speaks version 5");
    eseal_request r = request(REQ_1, ORG_A, "alice", 10, 1);
    eseal_request_doc d = doc("a.pdf", "pdf", SHA_A, 1);
    assert_int_equal(eseal_store_request_insert(s, &r, &d, 1), ESEAL_OK); /* still the built-in one */
    static eseal_store_governance_backend bare = {.version = ESEAL_STORE_GOVERNANCE_BACKEND_VERSION};
    assert_int_equal(eseal_store_add_governance_backend(s, &bare, 10), ESEAL_OK);
    eseal_request out;
    expect_error(eseal_store_request_get(s, &out, REQ_1), ESEAL_EUNSUPPORTED,
                 "store: the governance backend has no request_get");
    expect_error(eseal_store_request_doc_stamped(s, REQ_1, SHA_A, "ST-1", 1, 1, NULL), ESEAL_EUNSUPPORTED,
                 "store: the governance backend has no request_doc_stamped");
    eseal_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_round_trip_and_lists),
        cmocka_unit_test(documents_by_index),
        cmocka_unit_test(insert_is_one_change),
        cmocka_unit_test(advance),
        cmocka_unit_test(documents_stamped),
        cmocka_unit_test(two_documents_of_one_digest),
        cmocka_unit_test(decisions),
        cmocka_unit_test(processes_race_to_advance),
        cmocka_unit_test(processes_race_to_stamp),
        cmocka_unit_test(schema_8),
        cmocka_unit_test(backend_versions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
