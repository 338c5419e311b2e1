/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the store's unit tests share: a temporary folder for their databases (made by the group's
 * setup, removed by its teardown), numbered fresh stores in it, organisations added as rows, the
 * expectation of an error with its message, and a count of rows read with SQL.
 *
 * Define STORE_TEST_DIR, the folder's mkdtemp(3) template, before including this file; it needs
 * cmocka.h, sqlite3.h, stdio.h, stdlib.h, string.h and eseal/sys/store.h included before it.
 */
#ifndef ESEAL_TEST_STORE_FIXTURE_H
#define ESEAL_TEST_STORE_FIXTURE_H

#define STORE_TEST_UNUSED __attribute__((unused)) /* not every test file uses every helper */

static char dir[] = STORE_TEST_DIR;
static int db_n;

static STORE_TEST_UNUSED void expect_error(int rc, int code, const char *message)
{
    assert_int_equal(rc, code);
    assert_string_equal(eseal_error_last()->message, message);
}

static STORE_TEST_UNUSED void add_org(eseal_store *s, const char *id, const char *name)
{
    eseal_org o;
    memset(&o, 0, sizeof(o));
    (void)snprintf(o.id, sizeof(o.id), "%s", id);
    (void)snprintf(o.name, sizeof(o.name), "%s", name);
    o.created_ms = 1;
    assert_int_equal(eseal_store_org_insert(s, &o), ESEAL_OK);
}

/* A new store, the next numbered file of the folder (its path in `path`). */
static STORE_TEST_UNUSED eseal_store *open_numbered(char path[300])
{
    (void)snprintf(path, 300, "%s/%d.db", dir, ++db_n);
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, path), ESEAL_OK);
    return s;
}

static STORE_TEST_UNUSED int count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
