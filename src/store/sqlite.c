/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite scheme: one database file (WAL, foreign keys, versioned migrations, prepared statements
 * only) and the SQL driver of sql.h on its connection, under the concern backends of sql_backends.c,
 * so that one transaction spans them (eseal/sys/store_backend.h).
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store/schema.h"
#include "store/sql.h"
#include "store/store_hooks.h"
#include "util/util.h"

/* The named bounds of the SQLite backend (issue #16). */
/* How long a statement waits for another connection's lock (SQLITE_BUSY) before it fails: our
 * transactions take milliseconds, a batch's commit with its fsync under load well below a second. */
#define ES_SQ_BUSY_TIMEOUT_MS 5000

/* The connection and a statement: the driver's tables first (sql.h). */
typedef struct {
    es_sql c;
    sqlite3 *db;
} sq_conn;

typedef struct {
    es_sql_stmt st;
    sqlite3_stmt *s;
    sqlite3 *db;
} sq_stmt;

/* The database of the store: es_sql_db, whose connection is `conn`. */
typedef struct {
    es_sql_db d;
    sq_conn conn;
} sq;

static sqlite3_stmt *S(es_sql_stmt *st) { return ((sq_stmt *)(void *)st)->s; }
static sqlite3 *D(es_sql *c) { return ((sq_conn *)(void *)c)->db; }

static int fail(sqlite3 *db, const char *what)
{
    if (db != NULL && (sqlite3_errcode(db) & 0xff) == SQLITE_READONLY) {
        /* Plain words for the common case: the file (or its directory, for the journal) cannot
         * be written by this user, or the file system is mounted read-only. */
        return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                                    "store: %s: the store %s is read-only (%s)", what,
                                    sqlite3_db_filename(db, "main") != NULL ? sqlite3_db_filename(db, "main") : "",
                                    sqlite3_errmsg(db)));
    }
    return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: %s: %s", what,
                                db != NULL ? sqlite3_errmsg(db) : "no database"));
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: %s", err != NULL ? err : "error"));
        sqlite3_free(err);
        return rc;
    }
    return ESEAL_OK;
}

/* ---- the driver ----------------------------------------------------------------------------- */

static const es_sql_driver sqlite_driver;

static int d_prepare(es_sql *c, es_sql_stmt **out, const char *sql)
{
    sq_stmt *st = es_calloc(1, sizeof(*st));
    if (st == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    if (sqlite3_prepare_v2(D(c), sql, -1, &st->s, NULL) != SQLITE_OK) {
        es_free(st);
        return fail(D(c), "preparing a statement");
    }
    st->st.drv = &sqlite_driver;
    st->db = D(c);
    *out = &st->st;
    return ESEAL_OK;
}

static void d_bind_text(es_sql_stmt *st, int i, const char *t)
{
    if (t == NULL) {
        sqlite3_bind_null(S(st), i);
    } else {
        sqlite3_bind_text(S(st), i, t, -1, SQLITE_STATIC);
    }
}
static void d_bind_int64(es_sql_stmt *st, int i, int64_t v) { sqlite3_bind_int64(S(st), i, v); }
static void d_bind_double(es_sql_stmt *st, int i, double v) { sqlite3_bind_double(S(st), i, v); }
static void d_bind_blob(es_sql_stmt *st, int i, const void *p, size_t n)
{
    sqlite3_bind_blob64(S(st), i, n > 0 ? p : "", (sqlite3_uint64)n, SQLITE_STATIC);
}
static void d_bind_null(es_sql_stmt *st, int i) { sqlite3_bind_null(S(st), i); }

static int d_step(es_sql_stmt *st)
{
    int rc = sqlite3_step(S(st));
    return rc == SQLITE_ROW ? ES_SQL_ROW : rc == SQLITE_DONE ? ES_SQL_DONE
                                       : (rc & 0xff) == SQLITE_CONSTRAINT ? ES_SQL_CONSTRAINT : ES_SQL_ERROR;
}
static void d_reset(es_sql_stmt *st) { sqlite3_reset(S(st)); }
static void d_finalize(es_sql_stmt *st)
{
    sqlite3_finalize(S(st));
    es_free(st);
}
static const char *d_column_text(es_sql_stmt *st, int i) { return (const char *)sqlite3_column_text(S(st), i); }
static int64_t d_column_int64(es_sql_stmt *st, int i) { return sqlite3_column_int64(S(st), i); }
static double d_column_double(es_sql_stmt *st, int i) { return sqlite3_column_double(S(st), i); }
static const void *d_column_blob(es_sql_stmt *st, int i) { return sqlite3_column_blob(S(st), i); }
static size_t d_column_bytes(es_sql_stmt *st, int i) { return (size_t)sqlite3_column_bytes(S(st), i); }
static int d_column_count(es_sql_stmt *st) { return sqlite3_column_count(S(st)); }
static const char *d_column_name(es_sql_stmt *st, int i) { return sqlite3_column_name(S(st), i); }
static es_sql_type d_column_type(es_sql_stmt *st, int i)
{
    switch (sqlite3_column_type(S(st), i)) {
    case SQLITE_INTEGER:
        return ES_SQL_INT;
    case SQLITE_FLOAT:
        return ES_SQL_FLOAT;
    case SQLITE_TEXT:
        return ES_SQL_TEXT;
    case SQLITE_BLOB:
        return ES_SQL_BLOB;
    default:
        return ES_SQL_NULL;
    }
}
static int64_t d_changes(es_sql *c) { return sqlite3_changes(D(c)); }
static es_sql_constraint_kind d_constraint(es_sql *c)
{
    int ext = sqlite3_extended_errcode(D(c));
    return ext == SQLITE_CONSTRAINT_FOREIGNKEY                                     ? ES_SQL_FOREIGN
           : ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE ? ES_SQL_KEY
                                                                                  : ES_SQL_CHECK;
}
static bool d_in_transaction(es_sql *c) { return sqlite3_get_autocommit(D(c)) == 0; }
static int d_exec(es_sql *c, const char *sql) { return exec(D(c), sql); }
/* IMMEDIATE: the write lock at once, so that what the transaction reads stays true until it commits. */
static int d_begin(es_sql *c) { return exec(D(c), "BEGIN IMMEDIATE"); }
static int d_commit(es_sql *c) { return exec(D(c), "COMMIT"); }
static int d_rollback(es_sql *c) { return exec(D(c), "ROLLBACK"); }
static int d_fail(es_sql *c, const char *what) { return fail(D(c), what); }

static const es_sql_driver sqlite_driver = {
    .name = "sqlite",
    .tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ES_SQL_DRIVER_FUNCTIONS(d_),
};

/* ---- the database: schema and migrations ------------------------------------------------------ */

/* The schema (schema.h) in SQLite's words. */
static const char *const migrations[] = ES_STORE_MIGRATIONS("INTEGER", "TEXT", "BLOB", "REAL", "", " WITHOUT ROWID",
                                                            " COLLATE NOCASE");

static void sq_free(eseal_store_db *p)
{
    sq *s = (sq *)(void *)p;
    if (s != NULL) {
        sqlite3_close(s->conn.db);
        es_free(s);
    }
}

/* The schema version (PRAGMA user_version); 0 for a new or unreadable database. */
static int user_version(sq *s)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(s->conn.db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int sq_migrate(eseal_store_db *p, int *version)
{
    sq *s = (sq *)(void *)p;
    int target = (int)(sizeof(migrations) / sizeof(migrations[0]));
    /* A store at the current version (every open but the first after an upgrade): read in its own
     * read transaction, no write lock taken, nothing to run (issue 18: each command opens the store
     * up to three times). A migration and its user_version are committed together, so this version
     * means the whole schema is there; below it, the version is read again under the write lock. */
    if (user_version(s) == target) {
        *version = target;
        return ESEAL_OK;
    }
    int rc = d_begin(&s->conn.c);
    if (rc != ESEAL_OK) {
        return rc;
    }
    int current = user_version(s);
    es_store_upgraded_from = current;
    if (current > target) {
        (void)d_rollback(&s->conn.c);
        return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                                    "store: schema version %d is newer than this eseal (%d); upgrade eseal", current,
                                    target));
    }
    for (int v = current; v < target; v++) {
        rc = exec(s->conn.db, migrations[v]);
        if (rc == ESEAL_OK) {
            char pragma[64];
            (void)snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
            rc = exec(s->conn.db, pragma);
        }
        if (rc != ESEAL_OK) {
            (void)d_rollback(&s->conn.c);
            return rc;
        }
    }
    *version = target;
    return d_commit(&s->conn.c);
}

static int sq_open(eseal_store_db **db_out, eseal_store_registry_backend **reg_out, eseal_store_pki_backend **pki_out,
                   eseal_store_log_backend **log_out, eseal_store_accounts_backend **acc_out, const char *location)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(location, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        rc = fail(db, location);
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, ES_SQ_BUSY_TIMEOUT_MS);
    /* WAL + synchronous=FULL: a committed transaction survives power loss. */
    if ((rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")) != ESEAL_OK) {
        sqlite3_close(db);
        return rc;
    }
    /* No checkpoint when the connection closes (issue #18). By default the last connection of a
     * process to close copies the WAL into eseal.db and deletes it: two fsyncs (the WAL, then the
     * database) that add nothing to durability, every commit being durable in the WAL already, and
     * a third in the next process, whose first commit starts a new WAL and syncs its header. With
     * this the WAL stays (with eseal.db-shm) between processes and SQLite's automatic checkpoint
     * folds it in once it passes 1000 pages (wal_autocheckpoint): those two fsyncs once per ~4 MB
     * of writes instead of once per command. A copy of the store is therefore eseal.db with its
     * -wal (`sqlite3 eseal.db .backup`, or the three files together), as for any live WAL database. */
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL) != SQLITE_OK) {
        rc = fail(db, "setting no checkpoint on close");
        sqlite3_close(db);
        return rc;
    }
    sq *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        sqlite3_close(db);
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    s->conn.c.drv = &sqlite_driver;
    s->conn.db = db;
    s->d.c = &s->conn.c;
    es_sql_db_init(&s->d);
    s->d.be.migrate = sq_migrate;
    s->d.be.free = sq_free;
    rc = es_sql_backends_make(&s->d, reg_out, pki_out, log_out, acc_out);
    if (rc != ESEAL_OK) {
        sq_free(&s->d.be);
        return rc;
    }
    *db_out = &s->d.be;
    return ESEAL_OK;
}

static const eseal_store_scheme sqlite_scheme = {
    .version = ESEAL_STORE_SCHEME_VERSION,
    .scheme = "sqlite",
    .open = sq_open,
    .governance = es_sql_governance_make,
};

const eseal_store_scheme *eseal_store_scheme_sqlite(void) { return &sqlite_scheme; }
