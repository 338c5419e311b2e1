/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal_store_copy (issue 22, `eseal store copy`): every row of every table of one store into an
 * empty store, on any two drivers of sql.h (SQLite into PostgreSQL, and back).
 *
 * One write transaction on each side: the source's (its write lock: no eseal process changes it while
 * it is read; stop them anyway, a server's in-memory state is not copied) and the target's (all or
 * nothing: a failed copy leaves the target as empty as it was). Tables go in the order of their
 * foreign keys; a table with an insertion order (schema.h's ROWID_) is read in that order, so that
 * lists read "oldest first" the same on the target. The source must hold no table this eseal does
 * not know (a newer eseal's): the copy would lose it.
 */
#include <stdio.h>
#include <string.h>

#include "store/sql.h"
#include "util/util.h"

/* The most columns one table has (requests: 21). */
#define ES_COPY_MAX_COLS 32
#define ES_COPY_SQL_MAX 2048

/* Every table of schema.h, parents before children; `ordered`: it has an insertion order. */
static const struct {
    const char *name;
    bool ordered;
} tables[] = {
    {"certs", true},       {"counters", false},    {"crls", false},         {"seals", true},
    {"seal_events", false}, {"log_state", false},  {"log_entries", false},  {"log_tiles", false},
    {"log_checkpoints", false}, {"log_private", false}, {"meta", false},   {"stamps", false},
    {"orgs", true},        {"users", true},        {"tokens", true},        {"throttle", false},
    {"sessions", false},   {"grants", true},       {"templates", true},     {"webhooks", true},
    {"deliveries", true},  {"requests", true},     {"request_docs", false}, {"decisions", true},
    {"devices", true},     {"unlocks", true},      {"impressions", true},   {"trusted_lists", false},
};
#define ES_COPY_TABLES (sizeof(tables) / sizeof(tables[0]))

static bool known(const char *name)
{
    for (size_t i = 0; i < ES_COPY_TABLES; i++) {
        if (strcmp(tables[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* ESEAL_EUNSUPPORTED when `db` has a table outside the list. */
static int check_tables(es_sql_db *db)
{
    es_sql_stmt *st = NULL;
    int rc = es_sql_prepare(db->c, &st, db->c->drv->tables_sql);
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        const char *name = es_sql_column_text(st, 0);
        if (name != NULL && !known(name)) {
            rc = es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                      "store copy: the source has a table '%s' this eseal does not know (a newer "
                                      "eseal's?): copy with that eseal",
                                      name));
        }
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(db->c, "listing the tables");
    }
    es_sql_finalize(st);
    return rc;
}

/* The target must be empty: no row in any table (a store just created). */
static int check_empty(es_sql_db *db)
{
    int rc = ESEAL_OK;
    for (size_t i = 0; i < ES_COPY_TABLES && rc == ESEAL_OK; i++) {
        char sql[128];
        (void)snprintf(sql, sizeof(sql), "SELECT 1 FROM %s LIMIT 1", tables[i].name);
        es_sql_stmt *st = NULL;
        rc = es_sql_prepare(db->c, &st, sql);
        int step = rc == ESEAL_OK ? es_sql_step(st) : ES_SQL_ERROR;
        if (rc == ESEAL_OK && step == ES_SQL_ROW) {
            rc = es_code(es_error_set(ESEAL_EEXISTS, __FILE__, __LINE__,
                                      "store copy: the target is not empty (table %s has rows): copy into a new "
                                      "database or schema",
                                      tables[i].name));
        } else if (rc == ESEAL_OK && step != ES_SQL_DONE) {
            rc = es_sql_fail(db->c, "reading the target");
        }
        es_sql_finalize(st);
    }
    return rc;
}

/* The INSERT of one row of `st`'s columns (but rowid, which the target numbers itself) into `table`;
 * map[k] is the source column of parameter k + 1. */
static int insert_sql(es_sql_stmt *st, const char *table, char *sql, size_t cap, int map[ES_COPY_MAX_COLS], int *n)
{
    int cols = es_sql_column_count(st);
    size_t at = (size_t)snprintf(sql, cap, "INSERT INTO %s (", table);
    *n = 0;
    for (int i = 0; i < cols; i++) {
        const char *name = es_sql_column_name(st, i);
        if (name == NULL || strcmp(name, "rowid") == 0) {
            continue;
        }
        if (*n >= ES_COPY_MAX_COLS || at + strlen(name) + 8 >= cap) {
            ES_BAIL_INT(ESEAL_ELIMIT, "store copy: table %s has more columns than a copy handles", table);
        }
        at += (size_t)snprintf(sql + at, cap - at, "%s%s", *n > 0 ? ", " : "", name);
        map[(*n)++] = i;
    }
    at += (size_t)snprintf(sql + at, cap - at, ") VALUES (");
    for (int k = 0; k < *n && at + 8 < cap; k++) {
        at += (size_t)snprintf(sql + at, cap - at, "%s?%d", k > 0 ? ", " : "", k + 1);
    }
    if (at + 2 >= cap) {
        ES_BAIL_INT(ESEAL_ELIMIT, "store copy: table %s has more columns than a copy handles", table);
    }
    (void)snprintf(sql + at, cap - at, ")");
    return ESEAL_OK;
}

static void bind_column(es_sql_stmt *ins, int k, es_sql_stmt *st, int i)
{
    switch (es_sql_column_type(st, i)) {
    case ES_SQL_INT:
        es_sql_bind_int64(ins, k, es_sql_column_int64(st, i));
        break;
    case ES_SQL_FLOAT:
        es_sql_bind_double(ins, k, es_sql_column_double(st, i));
        break;
    case ES_SQL_TEXT:
        es_sql_bind_text(ins, k, es_sql_column_text(st, i));
        break;
    case ES_SQL_BLOB:
        es_sql_bind_blob(ins, k, es_sql_column_blob(st, i), es_sql_column_bytes(st, i));
        break;
    default:
        es_sql_bind_null(ins, k);
        break;
    }
}

static int copy_table(es_sql_db *from, es_sql_db *to, const char *table, bool ordered, uint64_t *rows)
{
    char sql[ES_COPY_SQL_MAX];
    (void)snprintf(sql, sizeof(sql), "SELECT * FROM %s%s", table, ordered ? " ORDER BY rowid" : "");
    es_sql_stmt *st = NULL, *ins = NULL;
    int rc = es_sql_prepare(from->c, &st, sql);
    int map[ES_COPY_MAX_COLS];
    int n = 0, step = ES_SQL_DONE;
    *rows = 0;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        if (ins == NULL) {
            rc = insert_sql(st, table, sql, sizeof(sql), map, &n);
            rc = rc == ESEAL_OK ? es_sql_prepare(to->c, &ins, sql) : rc;
            if (rc != ESEAL_OK) {
                break;
            }
        }
        es_sql_reset(ins);
        for (int k = 0; k < n; k++) {
            bind_column(ins, k + 1, st, map[k]);
        }
        if (es_sql_step(ins) != ES_SQL_DONE) {
            char what[128];
            (void)snprintf(what, sizeof(what), "store copy: writing a row of %s", table);
            rc = es_sql_fail(to->c, what);
        }
        (*rows)++;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        char what[128];
        (void)snprintf(what, sizeof(what), "store copy: reading %s", table);
        rc = es_sql_fail(from->c, what);
    }
    es_sql_finalize(ins);
    es_sql_finalize(st);
    return rc;
}

int es_sql_copy(es_sql_db *from, es_sql_db *to, int (*cb)(const char *table, uint64_t rows, void *payload),
                void *payload)
{
    int rc = from->c->drv->begin(from->c);
    if (rc != ESEAL_OK) {
        return rc;
    }
    rc = check_tables(from);
    rc = rc == ESEAL_OK ? to->c->drv->begin(to->c) : rc;
    bool to_open = rc == ESEAL_OK;
    rc = rc == ESEAL_OK ? check_empty(to) : rc;
    for (size_t i = 0; i < ES_COPY_TABLES && rc == ESEAL_OK; i++) {
        uint64_t rows = 0;
        rc = copy_table(from, to, tables[i].name, tables[i].ordered, &rows);
        if (rc == ESEAL_OK && cb != NULL && cb(tables[i].name, rows, payload) != 0) {
            rc = es_code(es_error_set(ESEAL_ECANCELED, __FILE__, __LINE__, "store copy: stopped"));
        }
    }
    if (to_open) {
        rc = rc == ESEAL_OK ? to->c->drv->commit(to->c) : (to->c->drv->rollback(to->c), rc);
    }
    (void)from->c->drv->rollback(from->c); /* read only: nothing to keep */
    return rc;
}
