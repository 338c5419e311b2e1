/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening a SQLite store already at the current schema version runs no migration transaction
 * (src/store/sqlite.c sq_migrate, issue 18): it takes no write lock, so an open does not wait for
 * (or fail behind) another process's write transaction, and still refuses a store newer than this
 * eseal. The other connection here is the test's own, as another eseal process's would be.
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
#include <time.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"

static char dir[] = "/tmp/eseal-storeopen-XXXXXX";
static char path[600];

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static sqlite3 *own(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static void sql(sqlite3 *db, const char *q) { assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK); }

static void open_takes_no_write_lock(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof(path), "%s/eseal.db", dir);
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK); /* created and migrated */
    eseal_store_close(s);
    /* Another process writing: it holds the write lock for as long as its transaction lasts. */
    sqlite3 *w = own();
    sql(w, "BEGIN IMMEDIATE");
    sql(w, "INSERT INTO counters (name, value) VALUES ('other', 1)");
    double t0 = now_s();
    s = NULL;
    int rc = eseal_store_open(&s, path);
    double took = now_s() - t0;
    if (rc != ESEAL_OK) {
        fail_msg("open while another connection writes: %s (after %.1f s)", eseal_error_last()->message, took);
    }
    /* Not a timing assertion: the busy timeout is 5 s, an open that waited for the lock fails. */
    eseal_seal_record r;
    assert_int_equal(eseal_store_seal_find(s, &r, NULL, "ES20260101000000000000"), ESEAL_ENOTFOUND);
    eseal_store_close(s);
    sql(w, "COMMIT");
    sqlite3_close(w);
}

static void newer_store_still_refused(void **state)
{
    (void)state;
    sqlite3 *w = own();
    sql(w, "PRAGMA user_version = 99");
    sqlite3_close(w);
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, path), ESEAL_ESTORE);
    assert_non_null(strstr(eseal_error_last()->message, "newer than this eseal"));
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_takes_no_write_lock),
        cmocka_unit_test(newer_store_still_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
