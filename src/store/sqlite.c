/* SQLite backend: WAL, foreign keys, versioned migrations, prepared statements only. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "eseal/sys/store_backend.h"
#include "util/util.h"

typedef struct {
    sqlite3 *db;
} sq;

static int fail(sqlite3 *db, const char *what)
{
    return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: %s: %s", what,
                                db != NULL ? sqlite3_errmsg(db) : "no database"));
}

/* Migrations: append only; each runs once, in order, inside a transaction. */
static const char *const migrations[] = {
    /* 1: certificates, counters, CRLs */
    "CREATE TABLE certs ("
    "  id TEXT PRIMARY KEY,"
    "  role TEXT NOT NULL,"
    "  hierarchy TEXT NOT NULL DEFAULT '',"
    "  alg TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  serial TEXT NOT NULL,"
    "  issuer_id TEXT NOT NULL DEFAULT '',"
    "  fingerprint TEXT NOT NULL UNIQUE,"
    "  pem TEXT NOT NULL,"
    "  key_file TEXT NOT NULL DEFAULT '',"
    "  not_before INTEGER NOT NULL,"
    "  not_after INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  revocation_reason INTEGER NOT NULL DEFAULT -1"
    ");"
    "CREATE UNIQUE INDEX certs_issuer_serial ON certs(issuer_id, serial) WHERE issuer_id <> '';"
    "CREATE INDEX certs_role ON certs(role, hierarchy);"
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE crls ("
    "  issuer_id TEXT NOT NULL REFERENCES certs(id),"
    "  number INTEGER NOT NULL,"
    "  der BLOB NOT NULL,"
    "  this_update INTEGER NOT NULL,"
    "  next_update INTEGER NOT NULL,"
    "  PRIMARY KEY (issuer_id, number)"
    ");",
};

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

static int sq_open(void **out, const char *location)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(location, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        rc = fail(db, location);
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 5000);
    /* WAL + synchronous=FULL: a committed transaction survives power loss. */
    if ((rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")) != ESEAL_OK) {
        sqlite3_close(db);
        return rc;
    }
    sq *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        sqlite3_close(db);
        return ESEAL_ENOMEM;
    }
    s->db = db;
    *out = s;
    return ESEAL_OK;
}

static void sq_close(void *p)
{
    sq *s = p;
    if (s != NULL) {
        sqlite3_close(s->db);
        es_free(s);
    }
}

static int sq_begin(void *p) { return exec(((sq *)p)->db, "BEGIN IMMEDIATE"); }
static int sq_commit(void *p) { return exec(((sq *)p)->db, "COMMIT"); }
static int sq_rollback(void *p) { return exec(((sq *)p)->db, "ROLLBACK"); }

static int sq_migrate(void *p, int *version)
{
    sq *s = p;
    int rc = sq_begin(s);
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_stmt *st = NULL;
    int current = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        current = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    int target = (int)(sizeof(migrations) / sizeof(migrations[0]));
    if (current > target) {
        (void)sq_rollback(s);
        return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                                    "store: schema version %d is newer than this eseal (%d); upgrade eseal", current,
                                    target));
    }
    for (int v = current; v < target; v++) {
        rc = exec(s->db, migrations[v]);
        if (rc == ESEAL_OK) {
            char pragma[64];
            (void)snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
            rc = exec(s->db, pragma);
        }
        if (rc != ESEAL_OK) {
            (void)sq_rollback(s);
            return rc;
        }
    }
    *version = target;
    return sq_commit(s);
}

static int prepare(sq *s, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        return fail(s->db, "preparing a statement");
    }
    return ESEAL_OK;
}

static int sq_cert_insert(void *p, const eseal_cert_record *r)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO certs (id, role, hierarchy, alg, subject, serial, issuer_id, fingerprint, pem, "
                     "key_file, not_before, not_after, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {r->id, r->role, r->hierarchy, r->alg, r->subject, r->serial, r->issuer_id,
                         r->fingerprint, r->pem, r->key_file};
    for (int i = 0; i < 10; i++) {
        sqlite3_bind_text(st, i + 1, txt[i] != NULL ? txt[i] : "", -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 11, r->not_before_ms);
    sqlite3_bind_int64(st, 12, r->not_after_ms);
    sqlite3_bind_int64(st, 13, r->created_ms);
    int step = sqlite3_step(st);
    if (step != SQLITE_DONE) {
        rc = step == SQLITE_CONSTRAINT
                 ? es_code(es_error_set(ESEAL_EEXISTS, __FILE__, __LINE__, "store: certificate %s is already recorded",
                                        r->id))
                 : fail(s->db, "inserting a certificate");
    }
    sqlite3_finalize(st);
    return rc;
}

#define CERT_COLS                                                                                                   \
    "id, role, hierarchy, alg, subject, serial, issuer_id, fingerprint, pem, key_file, not_before, not_after, "     \
    "created, revoked, revocation_reason"

static int row_to_record(sqlite3_stmt *st, eseal_cert_record *r)
{
    memset(r, 0, sizeof(*r));
    char **fields[] = {&r->id, &r->role, &r->hierarchy, &r->alg, &r->subject, &r->serial,
                       &r->issuer_id, &r->fingerprint, &r->pem, &r->key_file};
    for (int i = 0; i < 10; i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        *fields[i] = es_strdup(t != NULL ? (const char *)t : "");
        if (*fields[i] == NULL) {
            eseal_cert_record_dispose(r);
            return ESEAL_ENOMEM;
        }
    }
    r->not_before_ms = sqlite3_column_int64(st, 10);
    r->not_after_ms = sqlite3_column_int64(st, 11);
    r->created_ms = sqlite3_column_int64(st, 12);
    r->revoked_ms = sqlite3_column_int64(st, 13);
    r->revocation_reason = sqlite3_column_int(st, 14);
    return ESEAL_OK;
}

/* Runs a query expected to match exactly one row. */
static int one_row(sq *s, sqlite3_stmt *st, eseal_cert_record *out, const char *ref)
{
    int rc = ESEAL_OK;
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no certificate '%s' in this instance", ref));
    } else if (step != SQLITE_ROW) {
        rc = fail(s->db, "looking up a certificate");
    } else {
        eseal_cert_record r;
        rc = row_to_record(st, &r);
        if (rc == ESEAL_OK && sqlite3_step(st) == SQLITE_ROW) {
            eseal_cert_record_dispose(&r);
            rc = es_code(es_error_set(ESEAL_EAMBIGUOUS, __FILE__, __LINE__,
                                      "'%s' matches several certificates; give more digits", ref));
        } else if (rc == ESEAL_OK) {
            *out = r;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_cert_find(void *p, eseal_cert_record *out, const char *ref)
{
    sq *s = p;
    size_t n = strlen(ref);
    if (n < 4 || n > 128) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                    "certificate id '%s' must have 4 to 128 characters", ref));
    }
    sqlite3_stmt *st = NULL;
    /* Exact id, serial or fingerprint first; then an id prefix (upper/lower case alike). */
    int rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs WHERE id = lower(?1) OR serial = upper(?1) "
                             "OR fingerprint = lower(?1)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    rc = one_row(s, st, out, ref);
    if (rc != ESEAL_ENOTFOUND) {
        return rc;
    }
    rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs WHERE substr(id, 1, length(?1)) = lower(?1)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    return one_row(s, st, out, ref);
}

static int sq_cert_find_role(void *p, eseal_cert_record *out, const char *role, const char *hierarchy)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs WHERE role = ?1 AND hierarchy = ?2 AND revoked = 0 "
                             "ORDER BY created DESC, rowid DESC LIMIT 1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hierarchy, -1, SQLITE_STATIC);
    char what[128];
    (void)snprintf(what, sizeof(what), "%s/%s", hierarchy, role);
    return one_row(s, st, out, what);
}

static int sq_cert_list(void *p, int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs ORDER BY created, rowid");
    if (rc != ESEAL_OK) {
        return rc;
    }
    int step;
    while (rc == ESEAL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        eseal_cert_record r;
        rc = row_to_record(st, &r);
        if (rc == ESEAL_OK) {
            rc = cb(&r, payload);
            eseal_cert_record_dispose(&r);
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_cert_revoke(void *p, const char *id, int64_t at_ms, int reason)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE certs SET revoked = ?2, revocation_reason = ?3 WHERE id = ?1 AND revoked = 0");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at_ms);
    sqlite3_bind_int(st, 3, reason);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(s->db, "revoking a certificate");
    } else if (sqlite3_changes(s->db) != 1) {
        rc = es_code(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "certificate %s is already revoked", id));
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_counter_next(void *p, const char *name, uint64_t *out)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO counters (name, value) VALUES (?1, 1) "
                             "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = fail(s->db, "advancing a counter");
    } else {
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_crl_put(void *p, const char *issuer_id, uint64_t number, const void *der, size_t len, int64_t tu,
                      int64_t nu)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO crls (issuer_id, number, der, this_update, next_update) VALUES (?,?,?,?,?)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, issuer_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)number);
    sqlite3_bind_blob(st, 3, der, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, tu);
    sqlite3_bind_int64(st, 5, nu);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(s->db, "storing a CRL");
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_crl_latest(void *p, eseal_buf *der, const char *issuer_id)
{
    sq *s = p;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT der FROM crls WHERE issuer_id = ? ORDER BY number DESC LIMIT 1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, issuer_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        es_buf b = ES_BUF_INIT(eseal_limits_default()->max_der_bytes);
        es_result r = es_buf_append(&b, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        if (es_ok(r)) {
            es_buf_move_out(der, &b);
        } else {
            rc = es_code(r);
        }
    } else if (step == SQLITE_DONE) {
        rc = es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no CRL for %s", issuer_id));
    } else {
        rc = fail(s->db, "reading a CRL");
    }
    sqlite3_finalize(st);
    return rc;
}

static const eseal_store_backend sqlite_backend = {
    ESEAL_STORE_BACKEND_VERSION, "sqlite",      sq_open,        sq_close,       sq_migrate,
    sq_begin,                    sq_commit,     sq_rollback,    sq_cert_insert, sq_cert_find,
    sq_cert_find_role,           sq_cert_list,  sq_cert_revoke, sq_counter_next, sq_crl_put,
    sq_crl_latest,
};

const eseal_store_backend *eseal_store_backend_sqlite(void) { return &sqlite_backend; }
