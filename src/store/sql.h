/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQL driver under the store's backends (issue 22). The registry, PKI, log, accounts and
 * governance backends (sql_backends.c) are plain SQL written once; a driver runs it on one engine:
 * SQLite (sqlite.c) or PostgreSQL (postgresql.c). The interface is the few calls of SQLite's that
 * the backends use (prepare, bind, step, column, finalize), so that the SQL reads the same on both.
 *
 * The SQL the backends write is the common part of the two dialects: `?` and `?N` parameters (the
 * PostgreSQL driver numbers them $N), INSERT ... ON CONFLICT ... DO UPDATE, RETURNING, coalesce,
 * CASE, substr/length. What differs is in the drivers: the schema's column types (schema.h), the
 * lock a write transaction takes, how a constraint's failure is told. Ordering by insertion uses
 * a column named `rowid`: SQLite's own, a generated identity column on PostgreSQL (schema.h).
 */
#ifndef ES_STORE_SQL_H
#define ES_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eseal/sys/store_backend.h"

/* What es_sql_step answers. */
enum {
    ES_SQL_ROW = 1,    /* a row is there to read */
    ES_SQL_DONE,       /* the statement ran to its end */
    ES_SQL_CONSTRAINT, /* a constraint refused it (es_sql_constraint says which kind) */
    ES_SQL_ERROR,      /* any other failure (es_sql_fail words it) */
};

/* A column's value type (es_sql_column_type). */
typedef enum {
    ES_SQL_NULL = 1,
    ES_SQL_INT,
    ES_SQL_FLOAT,
    ES_SQL_TEXT,
    ES_SQL_BLOB,
} es_sql_type;

/* The kind of constraint that refused the last statement. */
typedef enum {
    ES_SQL_KEY = 1,  /* a primary key or UNIQUE */
    ES_SQL_FOREIGN,  /* a foreign key names no row */
    ES_SQL_CHECK,    /* CHECK or NOT NULL */
} es_sql_constraint_kind;

typedef struct es_sql es_sql;
typedef struct es_sql_stmt es_sql_stmt;

/* A driver: one table of functions per engine. A statement's binds keep pointers until it is
 * stepped (text and blobs must outlive the step, as SQLite's SQLITE_STATIC asks). */
typedef struct {
    const char *name;
    /* A query whose rows are the names of the store's tables (eseal_store_copy checks it knows them all). */
    const char *tables_sql;
    int (*prepare)(es_sql *c, es_sql_stmt **st, const char *sql);
    void (*bind_text)(es_sql_stmt *st, int i, const char *text);
    void (*bind_int64)(es_sql_stmt *st, int i, int64_t v);
    void (*bind_double)(es_sql_stmt *st, int i, double v);
    void (*bind_blob)(es_sql_stmt *st, int i, const void *p, size_t n);
    void (*bind_null)(es_sql_stmt *st, int i);
    int (*step)(es_sql_stmt *st);
    /* Ready to run again with new binds (the old ones stay until replaced). */
    void (*reset)(es_sql_stmt *st);
    void (*finalize)(es_sql_stmt *st);
    /* Columns of the current row, from 0. Text is NUL-terminated; NULL reads as NULL, 0 and 0 bytes. */
    const char *(*column_text)(es_sql_stmt *st, int i);
    int64_t (*column_int64)(es_sql_stmt *st, int i);
    double (*column_double)(es_sql_stmt *st, int i);
    const void *(*column_blob)(es_sql_stmt *st, int i);
    size_t (*column_bytes)(es_sql_stmt *st, int i);
    int (*column_count)(es_sql_stmt *st);
    const char *(*column_name)(es_sql_stmt *st, int i);
    es_sql_type (*column_type)(es_sql_stmt *st, int i);
    /* Rows the last INSERT, UPDATE or DELETE changed. */
    int64_t (*changes)(es_sql *c);
    es_sql_constraint_kind (*constraint)(es_sql *c);
    bool (*in_transaction)(es_sql *c);
    /* Runs statements without parameters or results (several, separated by ';'). */
    int (*exec)(es_sql *c, const char *sql);
    /* A write transaction: serialised with every other writer of the database (SQLite's BEGIN
     * IMMEDIATE; PostgreSQL's advisory lock), so that what it reads stays true until it commits. */
    int (*begin)(es_sql *c);
    int (*commit)(es_sql *c);
    int (*rollback)(es_sql *c);
    /* ESEAL_ESTORE with eseal_error_last() set: "store: <what>: <the engine's message>". */
    int (*fail)(es_sql *c, const char *what);
} es_sql_driver;

/* A driver's table of functions from its functions named <p><member> (d_prepare, d_step, ...). */
#define ES_SQL_DRIVER_FUNCTIONS(p) \
    .prepare = p##prepare, \
    .bind_text = p##bind_text, \
    .bind_int64 = p##bind_int64, \
    .bind_double = p##bind_double, \
    .bind_blob = p##bind_blob, \
    .bind_null = p##bind_null, \
    .step = p##step, \
    .reset = p##reset, \
    .finalize = p##finalize, \
    .column_text = p##column_text, \
    .column_int64 = p##column_int64, \
    .column_double = p##column_double, \
    .column_blob = p##column_blob, \
    .column_bytes = p##column_bytes, \
    .column_count = p##column_count, \
    .column_name = p##column_name, \
    .column_type = p##column_type, \
    .changes = p##changes, \
    .constraint = p##constraint, \
    .in_transaction = p##in_transaction, \
    .exec = p##exec, \
    .begin = p##begin, \
    .commit = p##commit, \
    .rollback = p##rollback, \
    .fail = p##fail

/* A connection and a statement start with their driver (drivers put these first in their own). */
struct es_sql {
    const es_sql_driver *drv;
};
struct es_sql_stmt {
    const es_sql_driver *drv;
};

static inline int es_sql_prepare(es_sql *c, es_sql_stmt **st, const char *sql) { return c->drv->prepare(c, st, sql); }
static inline void es_sql_bind_text(es_sql_stmt *st, int i, const char *t) { st->drv->bind_text(st, i, t); }
static inline void es_sql_bind_int64(es_sql_stmt *st, int i, int64_t v) { st->drv->bind_int64(st, i, v); }
static inline void es_sql_bind_double(es_sql_stmt *st, int i, double v) { st->drv->bind_double(st, i, v); }
static inline void es_sql_bind_blob(es_sql_stmt *st, int i, const void *p, size_t n) { st->drv->bind_blob(st, i, p, n); }
static inline void es_sql_bind_null(es_sql_stmt *st, int i) { st->drv->bind_null(st, i); }
static inline int es_sql_step(es_sql_stmt *st) { return st->drv->step(st); }
static inline void es_sql_reset(es_sql_stmt *st) { st->drv->reset(st); }
static inline void es_sql_finalize(es_sql_stmt *st)
{
    if (st != NULL) {
        st->drv->finalize(st);
    }
}
static inline const char *es_sql_column_text(es_sql_stmt *st, int i) { return st->drv->column_text(st, i); }
static inline int64_t es_sql_column_int64(es_sql_stmt *st, int i) { return st->drv->column_int64(st, i); }
static inline double es_sql_column_double(es_sql_stmt *st, int i) { return st->drv->column_double(st, i); }
static inline const void *es_sql_column_blob(es_sql_stmt *st, int i) { return st->drv->column_blob(st, i); }
static inline size_t es_sql_column_bytes(es_sql_stmt *st, int i) { return st->drv->column_bytes(st, i); }
static inline int es_sql_column_count(es_sql_stmt *st) { return st->drv->column_count(st); }
static inline const char *es_sql_column_name(es_sql_stmt *st, int i) { return st->drv->column_name(st, i); }
static inline es_sql_type es_sql_column_type(es_sql_stmt *st, int i) { return st->drv->column_type(st, i); }
static inline int64_t es_sql_changes(es_sql *c) { return c->drv->changes(c); }
static inline es_sql_constraint_kind es_sql_constraint(es_sql *c) { return c->drv->constraint(c); }
static inline bool es_sql_in_transaction(es_sql *c) { return c->drv->in_transaction(c); }
static inline int es_sql_exec(es_sql *c, const char *sql) { return c->drv->exec(c, sql); }
static inline int es_sql_fail(es_sql *c, const char *what) { return c->drv->fail(c, what); }

/*
 * The database of a store on a driver's connection: eseal_store_db first (its begin, commit and
 * rollback are the driver's), then the connection. A driver makes one, fills `be.migrate` and
 * `be.free`, and calls es_sql_backends_make for the concern backends on it.
 */
typedef struct {
    eseal_store_db be;
    es_sql *c;
} es_sql_db;

/* Fills db->be's begin, commit and rollback with the connection's. */
void es_sql_db_init(es_sql_db *db);

/* Makes the four concern backends of eseal_store_scheme.open on db; on failure none is left. */
int es_sql_backends_make(es_sql_db *db, eseal_store_registry_backend **reg, eseal_store_pki_backend **pki,
                         eseal_store_log_backend **log, eseal_store_accounts_backend **acc);
/* The governance backend (eseal_store_scheme.governance) on the database `db` a driver made. */
int es_sql_governance_make(eseal_store_db *db, eseal_store_governance_backend **out);
/* The es_sql_db of a store's database when a driver of sql.h made it (its begin is ours), else NULL. */
es_sql_db *es_sql_db_of(eseal_store_db *db);

/* Copies every row of every table of `from` into the empty store `to` (sql_copy.c; eseal_store_copy). */
int es_sql_copy(es_sql_db *from, es_sql_db *to, int (*cb)(const char *table, uint64_t rows, void *payload),
                void *payload);

#endif
