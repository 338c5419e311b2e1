/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PostgreSQL scheme (issue 22): the SQL driver of sql.h on libpq, under the concern backends of
 * sql_backends.c, so that the store reads and writes the same rows as on SQLite, in the same
 * transactions.
 *
 * Location: postgresql://USER@HOST:PORT/DB?PARAMS (or postgres://), handed to libpq as it is (TLS
 * as libpq does it: sslmode, sslrootcert, ... in PARAMS), with one parameter of eseal's own,
 * `schema=NAME` ([a-z_][a-z0-9_]*, at most 63): the instance's tables live in that schema (libpq's
 * `options=-csearch_path=NAME`), so that several instances may share one database. Without it they
 * are in the role's default search path (public).
 *
 * Statements: every one parameterised (PQexecParams: the text of a value never reaches the SQL),
 * results in binary, integers bound as int8 (the schema's integers are BIGINT).
 *
 * Transactions: READ COMMITTED. A write transaction (begin) takes the store's advisory lock
 * (pg_advisory_xact_lock on eseal's key and the schema), so writers are serial across every process,
 * as SQLite's BEGIN IMMEDIATE makes them, and what a transaction read stays true until it commits.
 * A statement that changes rows inside a transaction runs in a savepoint: when a constraint refuses
 * it, the transaction goes on (SQLite's behaviour, which the store's "which key was taken" questions
 * need) instead of being aborted. A COMMIT that PostgreSQL answers with ROLLBACK (the transaction
 * had failed) is a failure, never a silent loss.
 *
 * Migrations: the schema of schema.h, its version in the table eseal_schema. Opening a store creates
 * the schema of an empty database; a schema older than the program is refused until `eseal migrate`
 * (eseal_store_migrate) applies the missing migrations: with many processes on one database, an
 * upgrade is the operator's step, not a side effect of whichever process starts first. A schema
 * newer than the program is always refused.
 *
 * Connections: each store holds one; a process keeps up to ES_PG_POOL_MAX idle connections to reuse
 * (eseal_store_close gives its connection back when it is idle and healthy), so that opening a store
 * (a command opens it up to three times, a server per request) costs no new connection.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store/schema.h"
#include "store/sql.h"
#include "store/store_hooks.h"
#include "util/util.h"


/*
 * libpq, loaded when the first PostgreSQL store opens, as src/pdf/pdf_qpdf.h loads libqpdf: linked,
 * libpq and what it brings (Kerberos, LDAP, GnuTLS: 23 libraries) would be loaded and initialised at
 * the start of every command of every SQLite instance (tests/integration/startup_libs.sh). dlopen(3)
 * of the soname the build linked against (ESEAL_LIBPQ_SONAME, read by CMakeLists.txt), dlsym(3) of
 * each function below; every call of this file goes through the table (the macros after it).
 */
#ifndef ESEAL_LIBPQ_SONAME
#error "ESEAL_LIBPQ_SONAME: the build defines it (CMakeLists.txt reads it from the library)"
#endif
#define ES_PQ_FNS(X)                                                                                        \
    X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) X(PQerrorMessage) X(PQexec) \
    X(PQexecParams) X(PQfinish) X(PQreset) X(PQfname) X(PQftype) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnfields) \
    X(PQntuples) X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) X(PQsetNoticeProcessor) \
    X(PQstatus) X(PQtransactionStatus)

#define ES_PQ_MEMBER(name) __typeof__(name) *name;
static struct {
    ES_PQ_FNS(ES_PQ_MEMBER)
} pq;
#undef ES_PQ_MEMBER

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[512]; /* "" once loaded */

static void pq_load_once(void)
{
    void *h = dlopen(ESEAL_LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        (void)snprintf(pq_error, sizeof(pq_error), "store: cannot load %s (PostgreSQL stores need it): %s",
                       ESEAL_LIBPQ_SONAME, e != NULL ? e : "not found");
        return;
    }
    void *p = NULL; /* dlsym's object pointer into each function pointer: POSIX guarantees the conversion */
#define ES_PQ_SYM(name)                                                                                          \
    p = pq_error[0] == '\0' ? dlsym(h, #name) : NULL;                                                            \
    if (p == NULL && pq_error[0] == '\0') {                                                                      \
        (void)snprintf(pq_error, sizeof(pq_error), "store: %s has no %s", ESEAL_LIBPQ_SONAME, #name);            \
    }                                                                                                            \
    memcpy(&pq.name, &p, sizeof(p));
    ES_PQ_FNS(ES_PQ_SYM)
#undef ES_PQ_SYM
    if (pq_error[0] != '\0') {
        (void)dlclose(h); /* nothing half-loaded is used: every open fails with the same message */
    }
}

static int pq_load(void)
{
    (void)pthread_once(&pq_once, pq_load_once);
    if (pq_error[0] != '\0') {
        ES_BAIL_INT(ESEAL_EUNSUPPORTED, "%s", pq_error);
    }
    return ESEAL_OK;
}

#define PQclear (pq.PQclear)
#define PQcmdStatus (pq.PQcmdStatus)
#define PQcmdTuples (pq.PQcmdTuples)
#define PQconnectdbParams (pq.PQconnectdbParams)
#define PQerrorMessage (pq.PQerrorMessage)
#define PQexec (pq.PQexec)
#define PQexecParams (pq.PQexecParams)
#define PQfinish (pq.PQfinish)
#define PQfname (pq.PQfname)
#define PQreset (pq.PQreset)
#define PQftype (pq.PQftype)
#define PQgetisnull (pq.PQgetisnull)
#define PQgetlength (pq.PQgetlength)
#define PQgetvalue (pq.PQgetvalue)
#define PQnfields (pq.PQnfields)
#define PQntuples (pq.PQntuples)
#define PQresultErrorField (pq.PQresultErrorField)
#define PQresultErrorMessage (pq.PQresultErrorMessage)
#define PQresultStatus (pq.PQresultStatus)
#define PQsetNoticeProcessor (pq.PQsetNoticeProcessor)
#define PQstatus (pq.PQstatus)
#define PQtransactionStatus (pq.PQtransactionStatus)

/* The bounds of the PostgreSQL driver. */
#define ES_PG_MAX_PARAMS 32   /* the most parameters one statement of sql_backends.c binds (grants: 17) */
#define ES_PG_MAX_COLS 32     /* the most columns one row has that column_text may format (seals: 18) */
#define ES_PG_LOCATION_MAX 2048
#define ES_PG_SCHEMA_MAX 63   /* PostgreSQL's identifier length */
#define ES_PG_POOL_MAX 32     /* idle connections a process keeps */
#define ES_PG_CONNECT_TIMEOUT "10"
/* The advisory lock's first key: "eseal" folded into 31 bits; the second is the schema's hash. */
#define ES_PG_LOCK_KEY "1702061409"

/* PostgreSQL's type OIDs (catalog/pg_type.h, stable across versions). */
#define ES_PG_BOOL 16
#define ES_PG_BYTEA 17
#define ES_PG_INT8 20
#define ES_PG_INT2 21
#define ES_PG_INT4 23
#define ES_PG_TEXT 25
#define ES_PG_FLOAT4 700
#define ES_PG_FLOAT8 701

typedef struct {
    es_sql c;
    pthread_mutex_t mu; /* held for every exchange on pg (recursive) */
    PGconn *pg;
    char *key; /* the pool's key: libpq's location and the schema */
    int64_t changes;
    es_sql_constraint_kind constraint;
    char err[512]; /* the last statement's message */
} pg_conn;

typedef struct {
    es_sql_stmt st;
    pg_conn *conn;
    char *sql;    /* with $N parameters */
    int nparams;  /* the highest $N */
    bool writes;  /* INSERT, UPDATE or DELETE: a savepoint inside a transaction */
    const char *vals[ES_PG_MAX_PARAMS];
    int lens[ES_PG_MAX_PARAMS];
    int fmts[ES_PG_MAX_PARAMS];
    Oid types[ES_PG_MAX_PARAMS];
    unsigned char bin[ES_PG_MAX_PARAMS][8]; /* int8 and float8 values, network order */
    PGresult *res;
    int row, rows;
    char num[ES_PG_MAX_COLS][24]; /* integers read as text */
} pg_stmt;

typedef struct {
    es_sql_db d;
    pg_conn conn;
} pg_db;

static pg_conn *C(es_sql *c) { return (pg_conn *)(void *)c; }
static pg_stmt *T(es_sql_stmt *st) { return (pg_stmt *)(void *)st; }

/* Copies PostgreSQL's message without its trailing newline. */
static void keep_message(pg_conn *c, const char *msg)
{
    (void)snprintf(c->err, sizeof(c->err), "%s", msg != NULL && msg[0] != '\0' ? msg : "unknown error");
    size_t n = strlen(c->err);
    while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' ')) {
        c->err[--n] = '\0';
    }
}

static int d_fail(es_sql *c, const char *what)
{
    return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: %s: %s", what, C(c)->err));
}

/* Runs SQL without parameters; a failure keeps its message and is ESEAL_ESTORE. `cmd` (may be
 * NULL) must be the command tag PostgreSQL answers (COMMIT). */
static int run_on(pg_conn *c, const char *sql, const char *cmd)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = ESEAL_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        keep_message(c, res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
        rc = d_fail(&c->c, "running a statement");
    } else if (cmd != NULL && strcmp(PQcmdStatus(res), cmd) != 0) {
        keep_message(c, "the transaction had failed and was rolled back");
        rc = d_fail(&c->c, cmd);
    }
    PQclear(res);
    return rc;
}

/* One connection, one conversation: libpq's connection is not for two threads at once, and a store is
 * (a batch's workers share their instance's). Every exchange with the server holds the connection's
 * lock (recursive: a statement's savepoint is its own exchange within it), as SQLite's serialized mode
 * holds the database's mutex for each call. */
static int run(pg_conn *c, const char *sql, const char *cmd)
{
    pthread_mutex_lock(&c->mu);
    int rc = run_on(c, sql, cmd);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* ---- statements ----------------------------------------------------------------------------- */

static const es_sql_driver pg_driver;

/*
 * SQLite's parameters as PostgreSQL's: ?N is $N, a bare ? the next after the highest so far (as
 * SQLite numbers it). Quoted strings and identifiers are copied as they are.
 */
static int convert(const char *sql, char **out, int *nparams)
{
    size_t n = strlen(sql);
    char *o = es_malloc(n * 2 + 1);
    if (o == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    size_t j = 0;
    int high = 0;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = sql[i];
        if (quote != 0) {
            quote = ch == quote ? 0 : quote;
            o[j++] = ch;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
            o[j++] = ch;
        } else if (ch == '?') {
            int k = 0;
            while (i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9' && k < 1000) {
                k = k * 10 + (sql[++i] - '0');
            }
            k = k == 0 ? high + 1 : k;
            high = k > high ? k : high;
            j += (size_t)snprintf(o + j, 8, "$%d", k);
        } else {
            o[j++] = ch;
        }
    }
    o[j] = '\0';
    if (high > ES_PG_MAX_PARAMS) {
        es_free(o);
        ES_BAIL_INT(ESEAL_ELIMIT, "store: a statement with %d parameters (at most %d)", high, ES_PG_MAX_PARAMS);
    }
    *out = o;
    *nparams = high;
    return ESEAL_OK;
}

/* A decimal integer's value (an optional '-', digits; what follows them ignored): 0 for none. */
static int64_t dec(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    bool neg = *s == '-';
    uint64_t v = 0;
    for (s += neg; *s >= '0' && *s <= '9' && v <= (uint64_t)INT64_MAX / 10; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
    }
    v = v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v;
    return neg ? -(int64_t)v : (int64_t)v;
}

static bool starts_word(const char *sql, const char *w)
{
    while (*sql == ' ') {
        sql++;
    }
    return strncmp(sql, w, strlen(w)) == 0;
}

static int d_prepare(es_sql *c, es_sql_stmt **out, const char *sql)
{
    pg_stmt *st = es_calloc(1, sizeof(*st));
    if (st == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    int rc = convert(sql, &st->sql, &st->nparams);
    if (rc != ESEAL_OK) {
        es_free(st);
        return rc;
    }
    st->st.drv = &pg_driver;
    st->conn = C(c);
    /* A parameter the SQL numbers but the caller leaves unbound (a list's filter left out: ?1 and ?2 of
     * "... AND requester = ?3") is a NULL text: PostgreSQL needs a type for every $N it is sent. */
    for (int i = 0; i < ES_PG_MAX_PARAMS; i++) {
        st->types[i] = ES_PG_TEXT;
    }
    st->writes = starts_word(sql, "INSERT") || starts_word(sql, "UPDATE") || starts_word(sql, "DELETE");
    st->row = -1;
    *out = &st->st;
    return ESEAL_OK;
}

/* A parameter's slot, or NULL past the statement's highest (bound but unused: ignored, as ?3 of a
 * lookup that has no range). */
static bool slot(pg_stmt *st, int i)
{
    return i >= 1 && i <= st->nparams;
}

static void put_be64(unsigned char *b, uint64_t v)
{
    for (int k = 7; k >= 0; k--) {
        b[k] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_be(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int k = 0; k < n; k++) {
        v = v << 8 | b[k];
    }
    return v;
}

static void d_bind_text(es_sql_stmt *s, int i, const char *t)
{
    pg_stmt *st = T(s);
    if (slot(st, i)) {
        st->vals[i - 1] = t;
        st->lens[i - 1] = 0;
        st->fmts[i - 1] = 0;
        st->types[i - 1] = t != NULL ? ES_PG_TEXT : 0;
    }
}

static void d_bind_int64(es_sql_stmt *s, int i, int64_t v)
{
    pg_stmt *st = T(s);
    if (slot(st, i)) {
        put_be64(st->bin[i - 1], (uint64_t)v);
        st->vals[i - 1] = (const char *)st->bin[i - 1];
        st->lens[i - 1] = 8;
        st->fmts[i - 1] = 1;
        st->types[i - 1] = ES_PG_INT8;
    }
}

static void d_bind_double(es_sql_stmt *s, int i, double v)
{
    pg_stmt *st = T(s);
    if (slot(st, i)) {
        uint64_t u;
        memcpy(&u, &v, sizeof(u));
        put_be64(st->bin[i - 1], u);
        st->vals[i - 1] = (const char *)st->bin[i - 1];
        st->lens[i - 1] = 8;
        st->fmts[i - 1] = 1;
        st->types[i - 1] = ES_PG_FLOAT8;
    }
}

static void d_bind_blob(es_sql_stmt *s, int i, const void *p, size_t n)
{
    pg_stmt *st = T(s);
    if (slot(st, i)) {
        st->vals[i - 1] = n > 0 ? (const char *)p : "";
        st->lens[i - 1] = n > (size_t)INT32_MAX ? INT32_MAX : (int)n; /* the store's bounds are far below */
        st->fmts[i - 1] = 1;
        st->types[i - 1] = ES_PG_BYTEA;
    }
}

static void d_bind_null(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    if (slot(st, i)) {
        st->vals[i - 1] = NULL;
        st->types[i - 1] = 0; /* the context's type */
    }
}

/* SQLSTATE class 23: integrity constraint violation. */
static es_sql_constraint_kind kind_of(const char *state)
{
    return strcmp(state, "23505") == 0 ? ES_SQL_KEY : strcmp(state, "23503") == 0 ? ES_SQL_FOREIGN : ES_SQL_CHECK;
}

static bool in_transaction(pg_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(c->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* Valid UTF-8 (RFC 3629: no overlong form, no surrogate, at most U+10FFFF), as PostgreSQL's TEXT wants it. */
static bool utf8_ok(const unsigned char *p)
{
    while (*p != 0) {
        unsigned char b = *p;
        int n = b < 0x80                 ? 0
                : b >= 0xc2 && b <= 0xdf ? 1
                : b >= 0xe0 && b <= 0xef ? 2
                : b >= 0xf0 && b <= 0xf4 ? 3
                                         : -1; /* continuation bytes, 0xc0, 0xc1, 0xf5..: never first */
        if (n < 0) {
            return false;
        }
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return false;
            }
        }
        if ((b == 0xe0 && p[1] < 0xa0) || (b == 0xed && p[1] > 0x9f) || (b == 0xf0 && p[1] < 0x90) ||
            (b == 0xf4 && p[1] > 0x8f)) {
            return false;
        }
        p += n + 1;
    }
    return true;
}

/* A connection that was lost is made again (PQreset: the same parameters, the schema among them),
 * between transactions only: a transaction open on it is gone with it. */
static void revive(pg_conn *c)
{
    if (PQstatus(c->pg) == CONNECTION_BAD && !in_transaction(c)) {
        PQreset(c->pg);
    }
}

static int execute_on(pg_stmt *st)
{
    pg_conn *c = st->conn;
    /* The server would refuse such a text, and inside a transaction its refusal of any statement (a
     * lookup by a reference someone typed) aborts the transaction: refused here, the transaction goes on. */
    for (int i = 0; i < st->nparams; i++) {
        if (st->types[i] == ES_PG_TEXT && st->vals[i] != NULL && !utf8_ok((const unsigned char *)st->vals[i])) {
            (void)snprintf(c->err, sizeof(c->err), "parameter $%d is not UTF-8 text", i + 1);
            return ES_SQL_ERROR;
        }
    }
    bool sp = st->writes && in_transaction(c);
    if (!sp) {
        revive(c);
    }
    if (sp && run(c, "SAVEPOINT es_w", NULL) != ESEAL_OK) {
        return ES_SQL_ERROR;
    }
    st->res = PQexecParams(c->pg, st->sql, st->nparams, st->types, st->vals, st->lens, st->fmts, 1);
    ExecStatusType s = PQresultStatus(st->res);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK && !st->writes && !in_transaction(c) &&
        PQstatus(c->pg) == CONNECTION_BAD) {
        /* The connection was lost (the server restarted, a fail-over): a read outside a transaction is
         * asked again once on a new one. A write is not (it may have committed before the loss): its
         * error is returned, and the next statement finds the connection made again. */
        PQclear(st->res);
        revive(c);
        st->res = PQexecParams(c->pg, st->sql, st->nparams, st->types, st->vals, st->lens, st->fmts, 1);
        s = PQresultStatus(st->res);
    }
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
        const char *n = PQcmdTuples(st->res);
        c->changes = dec(n);
        st->rows = PQntuples(st->res);
        st->row = -1;
        return sp && run(c, "RELEASE SAVEPOINT es_w", NULL) != ESEAL_OK ? ES_SQL_ERROR : ES_SQL_ROW;
    }
    keep_message(c, st->res != NULL ? PQresultErrorMessage(st->res) : PQerrorMessage(c->pg));
    const char *state = st->res != NULL ? PQresultErrorField(st->res, PG_DIAG_SQLSTATE) : NULL;
    int answer = ES_SQL_ERROR;
    if (state != NULL && strncmp(state, "23", 2) == 0) {
        c->constraint = kind_of(state);
        answer = ES_SQL_CONSTRAINT;
    }
    PQclear(st->res);
    st->res = NULL;
    if (sp) {
        char keep[sizeof(c->err)];
        memcpy(keep, c->err, sizeof(keep));
        (void)run(c, "ROLLBACK TO SAVEPOINT es_w; RELEASE SAVEPOINT es_w", NULL);
        memcpy(c->err, keep, sizeof(keep));
    }
    return answer;
}

static int execute(pg_stmt *st)
{
    pthread_mutex_lock(&st->conn->mu);
    int rc = execute_on(st);
    pthread_mutex_unlock(&st->conn->mu);
    return rc;
}

static int d_step(es_sql_stmt *s)
{
    pg_stmt *st = T(s);
    if (st->res == NULL) {
        int rc = execute(st);
        if (rc != ES_SQL_ROW) {
            return rc;
        }
    }
    st->row++;
    return st->row < st->rows ? ES_SQL_ROW : ES_SQL_DONE;
}

static void d_reset(es_sql_stmt *s)
{
    pg_stmt *st = T(s);
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->rows = 0;
}

static void d_finalize(es_sql_stmt *s)
{
    pg_stmt *st = T(s);
    PQclear(st->res);
    es_free(st->sql);
    es_free(st);
}

static bool null_at(pg_stmt *st, int i)
{
    return st->res == NULL || st->row < 0 || st->row >= st->rows || i < 0 || i >= PQnfields(st->res) ||
           PQgetisnull(st->res, st->row, i);
}

static int64_t d_column_int64(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    if (null_at(st, i)) {
        return 0;
    }
    const unsigned char *v = (const unsigned char *)PQgetvalue(st->res, st->row, i);
    int len = PQgetlength(st->res, st->row, i);
    switch (PQftype(st->res, i)) {
    case ES_PG_INT8:
        return len == 8 ? (int64_t)get_be(v, 8) : 0;
    case ES_PG_INT4:
        return len == 4 ? (int32_t)(uint32_t)get_be(v, 4) : 0;
    case ES_PG_INT2:
        return len == 2 ? (int16_t)(uint16_t)get_be(v, 2) : 0;
    case ES_PG_BOOL:
        return len == 1 ? v[0] != 0 : 0;
    case ES_PG_FLOAT8: {
        double d;
        uint64_t u = get_be(v, 8);
        memcpy(&d, &u, sizeof(d));
        return len == 8 ? (int64_t)d : 0;
    }
    default:
        return dec((const char *)v); /* text: as SQLite reads a number from text */
    }
}

static double d_column_double(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    if (null_at(st, i)) {
        return 0;
    }
    const unsigned char *v = (const unsigned char *)PQgetvalue(st->res, st->row, i);
    int len = PQgetlength(st->res, st->row, i);
    Oid t = PQftype(st->res, i);
    if (t == ES_PG_FLOAT8 && len == 8) {
        double d;
        uint64_t u = get_be(v, 8);
        memcpy(&d, &u, sizeof(d));
        return d;
    }
    if (t == ES_PG_FLOAT4 && len == 4) {
        float f;
        uint32_t u = (uint32_t)get_be(v, 4);
        memcpy(&f, &u, sizeof(f));
        return f;
    }
    return (double)d_column_int64(s, i);
}

static const char *d_column_text(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    if (null_at(st, i)) {
        return NULL;
    }
    Oid t = PQftype(st->res, i);
    if ((t == ES_PG_INT8 || t == ES_PG_INT4 || t == ES_PG_INT2 || t == ES_PG_BOOL) && i < ES_PG_MAX_COLS) {
        (void)snprintf(st->num[i], sizeof(st->num[i]), "%lld", (long long)d_column_int64(s, i));
        return st->num[i];
    }
    return PQgetvalue(st->res, st->row, i); /* libpq ends every value with a NUL, binary ones too */
}

static const void *d_column_blob(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    return null_at(st, i) ? NULL : PQgetvalue(st->res, st->row, i);
}

static size_t d_column_bytes(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    if (null_at(st, i)) {
        return 0;
    }
    const char *t = d_column_text(s, i);
    Oid ty = PQftype(st->res, i);
    return ty == ES_PG_INT8 || ty == ES_PG_INT4 || ty == ES_PG_INT2 || ty == ES_PG_BOOL
               ? strlen(t)
               : (size_t)PQgetlength(st->res, st->row, i);
}

static int d_column_count(es_sql_stmt *s)
{
    pg_stmt *st = T(s);
    if (st->res == NULL && execute(st) != ES_SQL_ROW) { /* SQLite knows a statement's columns before its step */
        return 0;
    }
    return PQnfields(st->res);
}
static const char *d_column_name(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    return st->res != NULL ? PQfname(st->res, i) : NULL;
}
static es_sql_type d_column_type(es_sql_stmt *s, int i)
{
    pg_stmt *st = T(s);
    if (null_at(st, i)) {
        return ES_SQL_NULL;
    }
    switch (PQftype(st->res, i)) {
    case ES_PG_INT8:
    case ES_PG_INT4:
    case ES_PG_INT2:
    case ES_PG_BOOL:
        return ES_SQL_INT;
    case ES_PG_FLOAT8:
    case ES_PG_FLOAT4:
        return ES_SQL_FLOAT;
    case ES_PG_BYTEA:
        return ES_SQL_BLOB;
    default:
        return ES_SQL_TEXT;
    }
}
static int64_t d_changes(es_sql *c) { return C(c)->changes; }
static es_sql_constraint_kind d_constraint(es_sql *c) { return C(c)->constraint; }
static bool d_in_transaction(es_sql *c) { return in_transaction(C(c)); }
static int d_exec(es_sql *c, const char *sql) { return run(C(c), sql, NULL); }

/* The write lock of the store: one writer at a time across processes (see the top of this file).
 * One round trip: BEGIN and the lock in one simple query. */
static int d_begin_on(es_sql *c)
{
    revive(C(c));
    if (in_transaction(C(c))) { /* PostgreSQL only warns; SQLite refuses, and a commit would end the outer one */
        keep_message(C(c), "a transaction is open already");
        return d_fail(c, "beginning a transaction");
    }
    return run(C(c), "BEGIN; SELECT pg_advisory_xact_lock(" ES_PG_LOCK_KEY ", hashtext(current_schema()))", NULL);
}
static int d_begin(es_sql *c)
{
    pthread_mutex_lock(&C(c)->mu);
    int rc = d_begin_on(c);
    pthread_mutex_unlock(&C(c)->mu);
    return rc;
}
static int d_commit(es_sql *c) { return run(C(c), "COMMIT", "COMMIT"); }
static int d_rollback(es_sql *c) { return run(C(c), "ROLLBACK", NULL); }

static const es_sql_driver pg_driver = {
    .name = "postgresql",
    .tables_sql = "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() "
                  "AND table_type = 'BASE TABLE' AND table_name <> 'eseal_schema'",
    ES_SQL_DRIVER_FUNCTIONS(d_),
};

/* ---- the connection pool ---------------------------------------------------------------------- */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *key;
    PGconn *pg;
    pid_t pid; /* a child of fork() must not use (nor close) its parent's connections */
} pool[ES_PG_POOL_MAX];
static size_t pool_n;

static PGconn *pool_take(const char *key)
{
    PGconn *pg = NULL;
    pthread_mutex_lock(&pool_mu);
    for (size_t i = pool_n; i-- > 0 && pg == NULL;) {
        if (pool[i].pid == getpid() && strcmp(pool[i].key, key) == 0) {
            pg = pool[i].pg;
            es_free(pool[i].key);
            pool[i] = pool[--pool_n];
        }
    }
    pthread_mutex_unlock(&pool_mu);
    if (pg != NULL && (PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) != PQTRANS_IDLE)) {
        PQfinish(pg);
        pg = NULL;
    }
    return pg;
}

/* Keeps an idle, healthy connection for the next open of the same location; closes any other. */
static void pool_give(const char *key, PGconn *pg)
{
    if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) == PQTRANS_IDLE) {
        char *k = es_strdup(key);
        pthread_mutex_lock(&pool_mu);
        if (k != NULL && pool_n < ES_PG_POOL_MAX) {
            pool[pool_n].key = k;
            pool[pool_n].pg = pg;
            pool[pool_n].pid = getpid();
            pool_n++;
            pg = NULL;
            k = NULL;
        }
        pthread_mutex_unlock(&pool_mu);
        es_free(k);
    }
    if (pg != NULL) {
        PQfinish(pg);
    }
}

/* ---- the location ---------------------------------------------------------------------------- */

static bool schema_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > ES_PG_SCHEMA_MAX || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            return false;
        }
    }
    return true;
}

/* Splits eseal's `schema=` parameter off the location: `conninfo` is what libpq reads. */
static int parse_location(const char *location, char *conninfo, size_t cap, char schema[ES_PG_SCHEMA_MAX + 1])
{
    schema[0] = '\0';
    size_t n = strlen(location);
    if (n >= cap) {
        ES_BAIL_INT(ESEAL_EINVAL, "store: a PostgreSQL location of %zu bytes (at most %zu)", n, cap - 1);
    }
    const char *q = strchr(location, '?');
    size_t base = q != NULL ? (size_t)(q - location) : n;
    memcpy(conninfo, location, base);
    size_t j = base;
    bool first = true;
    for (const char *p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0';) {
        const char *amp = strchr(p, '&');
        size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
        if (len >= 7 && strncmp(p, "schema=", 7) == 0) { /* "schema=" alone is a bad name, not libpq's */
            if (!schema_name_ok(p + 7, len - 7)) {
                ES_BAIL_INT(ESEAL_EINVAL,
                            "store: schema '%.*s': a PostgreSQL schema name is 1 to %d of a-z, 0-9 and _, "
                            "not starting with a digit",
                            (int)(len - 7), p + 7, ES_PG_SCHEMA_MAX);
            }
            memcpy(schema, p + 7, len - 7);
            schema[len - 7] = '\0';
        } else if (len > 0) {
            conninfo[j++] = first ? '?' : '&';
            memcpy(conninfo + j, p, len);
            j += len;
            first = false;
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
    conninfo[j] = '\0';
    return ESEAL_OK;
}

/* ---- the database: schema and migrations ------------------------------------------------------ */

/* The schema (schema.h) in PostgreSQL's words. */
static const char *const migrations[] =
    ES_STORE_MIGRATIONS("BIGINT", "TEXT COLLATE \"C\"", "BYTEA", "DOUBLE PRECISION",
                        "rowid BIGINT GENERATED BY DEFAULT AS IDENTITY, ", "", "");

/* The schema's version: 0 when eseal_schema is not there (a new database or schema). */
static int schema_version(pg_conn *c, int *version)
{
    PGresult *res = PQexec(c->pg, "SELECT version FROM eseal_schema WHERE id = 1");
    ExecStatusType s = PQresultStatus(res);
    int rc = ESEAL_OK;
    *version = 0;
    if (s == PGRES_TUPLES_OK) {
        *version = PQntuples(res) == 1 ? (int)dec(PQgetvalue(res, 0, 0)) : 0; /* text result: an integer's digits */
    } else {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (state == NULL || strcmp(state, "42P01") != 0) { /* undefined_table: no schema yet */
            keep_message(c, PQresultErrorMessage(res));
            rc = d_fail(&c->c, "reading the schema version");
        }
    }
    PQclear(res);
    return rc;
}

static int pg_migrate(eseal_store_db *p, int *version)
{
    pg_db *db = (pg_db *)(void *)p;
    pg_conn *c = &db->conn;
    int target = (int)(sizeof(migrations) / sizeof(migrations[0]));
    int current = 0;
    int rc = schema_version(c, &current);
    if (rc == ESEAL_OK && current == target) {
        *version = target;
        return ESEAL_OK;
    }
    /* Under the write lock: another process may be creating or upgrading the same schema. */
    rc = rc == ESEAL_OK ? d_begin(&c->c) : rc;
    rc = rc == ESEAL_OK ? run(c,
                              "CREATE TABLE IF NOT EXISTS eseal_schema (id INTEGER PRIMARY KEY CHECK (id = 1), "
                              "version INTEGER NOT NULL)",
                              NULL)
                        : rc;
    rc = rc == ESEAL_OK ? schema_version(c, &current) : rc;
    if (rc == ESEAL_OK && current > target) {
        rc = es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                                  "store: schema version %d is newer than this eseal (%d); upgrade eseal", current,
                                  target));
    } else if (rc == ESEAL_OK && current > 0 && current < target && !es_store_upgrade) {
        rc = es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                                  "store: schema version %d is older than this eseal's (%d): run 'eseal migrate' "
                                  "once, with every eseal process of this store stopped or upgraded",
                                  current, target));
    }
    es_store_upgraded_from = current;
    for (int v = current; rc == ESEAL_OK && v < target; v++) {
        rc = run(c, migrations[v], NULL);
        if (rc == ESEAL_OK) {
            char sql[128];
            (void)snprintf(sql, sizeof(sql),
                           "INSERT INTO eseal_schema (id, version) VALUES (1, %d) "
                           "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                           v + 1);
            rc = run(c, sql, NULL);
        }
    }
    if (rc != ESEAL_OK) {
        if (in_transaction(c)) {
            (void)d_rollback(&c->c);
        }
        return rc;
    }
    *version = target;
    return d_commit(&c->c);
}

static void pg_free(eseal_store_db *p)
{
    pg_db *db = (pg_db *)(void *)p;
    if (db != NULL) {
        if (db->conn.pg != NULL) {
            pool_give(db->conn.key, db->conn.pg);
        }
        pthread_mutex_destroy(&db->conn.mu);
        es_free(db->conn.key);
        es_free(db);
    }
}

/* The server's notices ("relation ... already exists, skipping" of the migrations' IF NOT EXISTS): libpq
 * prints them on stderr by default, and the library never prints. */
static void notice_ignore(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_to(const char *conninfo, const char *schema)
{
    char options[sizeof("-csearch_path=") + ES_PG_SCHEMA_MAX];
    (void)snprintf(options, sizeof(options), "-csearch_path=%s", schema);
    const char *keys[] = {"dbname", "application_name", "connect_timeout", schema[0] != '\0' ? "options" : NULL, NULL};
    const char *vals[] = {conninfo, "eseal", ES_PG_CONNECT_TIMEOUT, options, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg != NULL) {
        (void)PQsetNoticeProcessor(pg, notice_ignore, NULL);
    }
    return pg;
}

/* The schema named in the location, created when it is not there (an instance's first open). */
static int ensure_schema(pg_conn *c, const char *schema)
{
    if (schema[0] == '\0') {
        return ESEAL_OK;
    }
    char sql[sizeof("CREATE SCHEMA IF NOT EXISTS ") + ES_PG_SCHEMA_MAX];
    (void)snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", schema); /* checked: [a-z0-9_] */
    PGresult *res = PQexec(c->pg, "SELECT 1 FROM pg_namespace WHERE nspname = current_schema()");
    bool there = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    PQclear(res);
    return there ? ESEAL_OK : run(c, sql, NULL);
}

static int pg_open(eseal_store_db **db_out, eseal_store_registry_backend **reg_out, eseal_store_pki_backend **pki_out,
                   eseal_store_log_backend **log_out, eseal_store_accounts_backend **acc_out, const char *location)
{
    char conninfo[ES_PG_LOCATION_MAX];
    char schema[ES_PG_SCHEMA_MAX + 1];
    int rc = pq_load();
    rc = rc == ESEAL_OK ? parse_location(location, conninfo, sizeof(conninfo), schema) : rc;
    if (rc != ESEAL_OK) {
        return rc;
    }
    pg_db *db = es_calloc(1, sizeof(*db));
    size_t klen = strlen(conninfo) + strlen(schema) + 2;
    char *key = es_malloc(klen);
    if (db == NULL || key == NULL) {
        es_free(db);
        es_free(key);
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    (void)snprintf(key, klen, "%s %s", conninfo, schema);
    db->conn.c.drv = &pg_driver;
    db->conn.key = key;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&db->conn.mu, &ma);
    pthread_mutexattr_destroy(&ma);
    db->d.c = &db->conn.c;
    es_sql_db_init(&db->d);
    db->d.be.migrate = pg_migrate;
    db->d.be.free = pg_free;
    db->conn.pg = pool_take(key);
    if (db->conn.pg == NULL) {
        db->conn.pg = connect_to(conninfo, schema);
        if (db->conn.pg == NULL || PQstatus(db->conn.pg) != CONNECTION_OK) {
            keep_message(&db->conn, db->conn.pg != NULL ? PQerrorMessage(db->conn.pg) : "out of memory");
            rc = es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: cannot connect to PostgreSQL: %s",
                                      db->conn.err));
            PQfinish(db->conn.pg);
            db->conn.pg = NULL;
        } else {
            rc = ensure_schema(&db->conn, schema);
        }
    }
    rc = rc == ESEAL_OK ? es_sql_backends_make(&db->d, reg_out, pki_out, log_out, acc_out) : rc;
    if (rc != ESEAL_OK) {
        pg_free(&db->d.be);
        return rc;
    }
    *db_out = &db->d.be;
    return ESEAL_OK;
}

static const eseal_store_scheme pg_scheme = {
    .version = ESEAL_STORE_SCHEME_VERSION,
    .scheme = "postgresql",
    .open = pg_open,
    .governance = es_sql_governance_make,
};

const eseal_store_scheme *eseal_store_scheme_postgresql(void) { return &pg_scheme; }
