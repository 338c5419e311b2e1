/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's concern backends in SQL (issue 22): the registry, PKI, log, accounts and governance
 * backends of eseal/sys/store_backend.h, written once on the driver of sql.h and run by SQLite
 * (sqlite.c) and PostgreSQL (postgresql.c). Backends answer plain questions; the store above them
 * keeps the lookup rules and words "not found", "ambiguous" and "already recorded".
 *
 * Atomicity, per operation, on both engines. A statement alone is atomic. Where an operation's
 * correctness needs more than one statement to see the same data, it runs in a write transaction
 * of the driver (es_sql_driver.begin): SQLite's BEGIN IMMEDIATE, PostgreSQL's transaction at READ
 * COMMITTED that first takes the store's advisory lock; either way one writer at a time across every
 * process, so what it read stays true until it commits (serial, as SERIALIZABLE would be without its
 * retries). Those are: the audit log's sequencing (the log's state, entries and tiles of a batch, in
 * the log's transaction: src/auditlog), a seal's lifecycle transition with its event and audit entry,
 * a request's documents with its row (change_begin below), a stamp with its entry, a device's unlock
 * with the count of the impressions its request's unlocks hold (unlock_committed: two asks racing for
 * a request's last impressions are serial, the second counts the first's). The others are ONE
 * conditional statement, atomic at READ COMMITTED because PostgreSQL re-checks an UPDATE's WHERE on
 * the row it locked (and SQLite has one writer): a grant's use (uses < max_uses), a counter's step
 * (TSA serial blocks, CRL numbers, receipt serials: INSERT ... ON CONFLICT DO UPDATE ... RETURNING),
 * a request's advance from (status, step), a document marked stamped, a delivery claimed.
 */
#include <stdio.h>
#include <string.h>

#include "store/sql.h"
#include "util/util.h"

/* What a read accepts back, each the most its write side stores: the audit log's state (a few hashes
 * and counters, well under 64 KiB), one log entry (ES_STORE_LOG_MAX_ENTRY in store.c: 65535), one tile
 * (256 hashes of 32 bytes, tlog-tiles' full width) and one named value (small records: checkpoints,
 * witness state; 1 MiB). */
#define ES_SQ_LOG_STATE_MAX (64 * 1024)
#define ES_SQ_LOG_ENTRY_MAX 65535
#define ES_SQ_TILE_MAX (256 * 32)
#define ES_SQ_META_MAX (1024 * 1024)
/* The length of a local array of columns (bound or read in the order of the SQL written next to it). */
#define ES_SQ_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The database: the connection every concern of the store writes through. */
typedef es_sql_db sq;

/* A concern backend on that connection. */
typedef struct {
    eseal_store_registry_backend be;
    sq *s;
} sq_registry;

typedef struct {
    eseal_store_pki_backend be;
    sq *s;
} sq_pki;

typedef struct {
    eseal_store_log_backend be;
    sq *s;
} sq_log;

typedef struct {
    eseal_store_accounts_backend be;
    sq *s;
} sq_accounts;

static sq *registry_sq(eseal_store_registry_backend *be) { return ((sq_registry *)(void *)be)->s; }
static sq *pki_sq(eseal_store_pki_backend *be) { return ((sq_pki *)(void *)be)->s; }
static sq *log_sq(eseal_store_log_backend *be) { return ((sq_log *)(void *)be)->s; }
static sq *accounts_sq(eseal_store_accounts_backend *be) { return ((sq_accounts *)(void *)be)->s; }

typedef struct {
    eseal_store_governance_backend be;
    sq *s;
} sq_governance;

static sq *governance_sq(eseal_store_governance_backend *be) { return ((sq_governance *)(void *)be)->s; }


static int sql_begin(eseal_store_db *p) { es_sql *c = ((sq *)(void *)p)->c; return c->drv->begin(c); }
static int sql_commit(eseal_store_db *p) { es_sql *c = ((sq *)(void *)p)->c; return c->drv->commit(c); }
static int sql_rollback(eseal_store_db *p) { es_sql *c = ((sq *)(void *)p)->c; return c->drv->rollback(c); }

static int prepare(sq *s, es_sql_stmt **st, const char *sql)
{
    return es_sql_prepare(s->c, st, sql);
}

static int sq_cert_insert(eseal_store_pki_backend *be, const eseal_cert_record *r)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO certs (id, role, hierarchy, alg, subject, serial, issuer_id, fingerprint, pem, "
                     "key_file, not_before, not_after, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {r->id, r->role, r->hierarchy, r->alg, r->subject, r->serial, r->issuer_id,
                         r->fingerprint, r->pem, r->key_file};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i] != NULL ? txt[i] : "");
    }
    es_sql_bind_int64(st, 11, r->not_before_ms);
    es_sql_bind_int64(st, 12, r->not_after_ms);
    es_sql_bind_int64(st, 13, r->created_ms);
    int step = es_sql_step(st);
    if (step != ES_SQL_DONE) {
        rc = step == ES_SQL_CONSTRAINT ? ESEAL_EEXISTS : es_sql_fail(s->c, "inserting a certificate");
    }
    es_sql_finalize(st);
    return rc;
}

#define CERT_COLS                                                                                                   \
    "id, role, hierarchy, alg, subject, serial, issuer_id, fingerprint, pem, key_file, not_before, not_after, "     \
    "created, revoked, revocation_reason"

static int row_to_record(es_sql_stmt *st, eseal_cert_record *r)
{
    memset(r, 0, sizeof(*r));
    char **fields[] = {&r->id, &r->role, &r->hierarchy, &r->alg, &r->subject, &r->serial,
                       &r->issuer_id, &r->fingerprint, &r->pem, &r->key_file};
    for (int i = 0; i < ES_SQ_LEN(fields); i++) {
        const char *t = es_sql_column_text(st, i);
        *fields[i] = es_strdup(t != NULL ? (const char *)t : "");
        if (*fields[i] == NULL) {
            eseal_cert_record_dispose(r);
            ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
        }
    }
    r->not_before_ms = es_sql_column_int64(st, 10);
    r->not_after_ms = es_sql_column_int64(st, 11);
    r->created_ms = es_sql_column_int64(st, 12);
    r->revoked_ms = es_sql_column_int64(st, 13);
    r->revocation_reason = (int)es_sql_column_int64(st, 14);
    return ESEAL_OK;
}

/* Runs `sql` (?1: key, ?2: max) and copies the first column of up to `max` rows into ids (an
 * answer: how many there were). */
/*
 * Prefix lookups: `id >= P AND id < P || U+10FFFF` (?3) lets the engine walk the primary key's index
 * from P instead of scanning the table (ids are ASCII, far below U+10FFFF); the substr() test is the match.
 */
static int ids_query(sq *s, const char *sql, const char *key, eseal_store_id *ids, size_t max, size_t *n,
                     const char *what)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, sql);
    if (rc != ESEAL_OK) {
        return rc;
    }
    /* ?3, the upper end of a prefix's range: the key followed by U+10FFFF in UTF-8, above every
     * id that starts with it (bytewise: SQLite's BINARY, the "C" collation of PostgreSQL's columns). */
    char hi[ESEAL_STORE_ID_MAX + 8];
    (void)snprintf(hi, sizeof(hi), "%s\xf4\x8f\xbf\xbf", key);
    es_sql_bind_text(st, 1, key);
    es_sql_bind_int64(st, 2, (int64_t)max);
    es_sql_bind_text(st, 3, hi);
    int step = ES_SQL_DONE;
    *n = 0;
    while (*n < max && (step = es_sql_step(st)) == ES_SQL_ROW) {
        const char *t = es_sql_column_text(st, 0);
        size_t len = es_sql_column_bytes(st, 0);
        if (t == NULL || len > ESEAL_STORE_ID_MAX) {
            rc = es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "store: %s: an id of %zu bytes", what, len));
            break;
        }
        memcpy(ids[*n].id, t, len);
        ids[*n].id[len] = '\0';
        (*n)++;
    }
    if (rc == ESEAL_OK && step != ES_SQL_ROW && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, what);
    }
    es_sql_finalize(st);
    return rc;
}

/* Runs a query for one record: ESEAL_ENOTFOUND (an answer) when there is none. */
static int one_row(sq *s, es_sql_stmt *st, eseal_cert_record *out)
{
    int rc;
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_record(st, out);
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "looking up a certificate");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_cert_ids(eseal_store_pki_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                       size_t max, size_t *n)
{
    sq *s = pki_sq(be);
    const char *sql = how == ESEAL_STORE_MATCH_ID            ? "SELECT id FROM certs WHERE id = ?1 LIMIT ?2"
                      : how == ESEAL_STORE_MATCH_SERIAL      ? "SELECT id FROM certs WHERE serial = ?1 LIMIT ?2"
                      : how == ESEAL_STORE_MATCH_FINGERPRINT ? "SELECT id FROM certs WHERE fingerprint = ?1 LIMIT ?2"
                      : how == ESEAL_STORE_MATCH_PREFIX
                          ? "SELECT id FROM certs WHERE id >= ?1 AND id < ?3 AND "
                            "substr(id, 1, length(?1)) = ?1 LIMIT ?2"
                          : NULL;
    if (sql == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: no certificate lookup of kind %d", how));
    }
    return ids_query(s, sql, key, ids, max, n, "looking up a certificate");
}

static int sq_cert_get(eseal_store_pki_backend *be, eseal_cert_record *out, const char *id)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    return one_row(s, st, out);
}

static int sq_cert_newest(eseal_store_pki_backend *be, eseal_cert_record *out, const char *role, const char *hierarchy)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs WHERE role = ?1 AND hierarchy = ?2 "
                             "ORDER BY created DESC, rowid DESC LIMIT 1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, role);
    es_sql_bind_text(st, 2, hierarchy);
    return one_row(s, st, out);
}

/* Hands every row of the prepared listing `st` to cb as a record, then finalizes it; a step that
 * fails (I/O, a damaged page) is an error naming `what`, not the end of the list. */
static int each_record(sq *s, es_sql_stmt *st, int (*cb)(const eseal_cert_record *, void *), void *payload,
                       const char *what)
{
    int rc = ESEAL_OK;
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_cert_record r;
        rc = row_to_record(st, &r);
        if (rc == ESEAL_OK) {
            rc = cb(&r, payload);
            eseal_cert_record_dispose(&r);
        }
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, what);
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_cert_list(eseal_store_pki_backend *be, int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " CERT_COLS " FROM certs ORDER BY created, rowid");
    if (rc != ESEAL_OK) {
        return rc;
    }
    return each_record(s, st, cb, payload, "listing certificates");
}

/*
 * Issue 18 (branch h-trust): the records of some roles only, in sq_cert_list's order. The IN list
 * is bound (?1..?n); SQLite answers it from the index certs_role(role, hierarchy) of migration 1
 * and sorts the rows it found (EXPLAIN QUERY PLAN: "SEARCH certs USING INDEX certs_role (role=?)",
 * then "USE TEMP B-TREE FOR ORDER BY"), so rows of other roles are never read. No schema change.
 */
static int sq_cert_list_roles(eseal_store_pki_backend *be, const char *const *roles, size_t n,
                              int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    sq *s = pki_sq(be);
    char sql[sizeof("SELECT " CERT_COLS " FROM certs WHERE role IN () ORDER BY created, rowid") +
             4 * ESEAL_STORE_MAX_ROLES];
    int at = snprintf(sql, sizeof(sql), "SELECT " CERT_COLS " FROM certs WHERE role IN (");
    for (size_t i = 0; i < n && i < ESEAL_STORE_MAX_ROLES; i++) {
        at += snprintf(sql + at, sizeof(sql) - (size_t)at, i == 0 ? "?" : ",?");
    }
    (void)snprintf(sql + at, sizeof(sql) - (size_t)at, ") ORDER BY created, rowid");
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, sql);
    if (rc != ESEAL_OK) {
        return rc;
    }
    for (size_t i = 0; i < n && i < ESEAL_STORE_MAX_ROLES; i++) {
        es_sql_bind_text(st, (int)i + 1, roles[i]);
    }
    return each_record(s, st, cb, payload, "listing certificates by role");
}

static int sq_cert_revoke(eseal_store_pki_backend *be, const char *id, int64_t at_ms, int reason)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE certs SET revoked = ?2, revocation_reason = ?3 WHERE id = ?1 AND revoked = 0");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, at_ms);
    es_sql_bind_int64(st, 3, reason);
    if (es_sql_step(st) != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "revoking a certificate");
    } else if (es_sql_changes(s->c) != 1) {
        rc = ESEAL_ESTATE; /* no unrevoked record with that id */
    }
    es_sql_finalize(st);
    return rc;
}

/* One statement, so one transaction, durable at commit (SQLite: WAL with synchronous=FULL). Two
 * writers never get the same value: SQLite's write lock serialises them; on PostgreSQL the second
 * INSERT waits on the first's row (or key) and then updates the value the first committed. */
static int sq_counter_add(eseal_store_pki_backend *be, const char *name, uint64_t n, uint64_t floor, uint64_t *last)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO counters (name, value) VALUES (?1, ?3 + ?2) "
                             "ON CONFLICT(name) DO UPDATE SET "
                             "value = CASE WHEN counters.value > ?3 THEN counters.value ELSE ?3 END + ?2 RETURNING value");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, name);
    es_sql_bind_int64(st, 2, (int64_t)n);
    es_sql_bind_int64(st, 3, (int64_t)floor);
    if (es_sql_step(st) != ES_SQL_ROW) {
        rc = es_sql_fail(s->c, "reserving counter values");
    } else {
        *last = (uint64_t)es_sql_column_int64(st, 0);
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_crl_put(eseal_store_pki_backend *be, const char *issuer_id, uint64_t number, const void *der, size_t len, int64_t tu,
                      int64_t nu)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO crls (issuer_id, number, der, this_update, next_update) VALUES (?,?,?,?,?)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, issuer_id);
    es_sql_bind_int64(st, 2, (int64_t)number);
    es_sql_bind_blob(st, 3, der, len);
    es_sql_bind_int64(st, 4, tu);
    es_sql_bind_int64(st, 5, nu);
    if (es_sql_step(st) != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "storing a CRL");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_crl_latest(eseal_store_pki_backend *be, eseal_buf *der, const char *issuer_id)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT der FROM crls WHERE issuer_id = ? ORDER BY number DESC LIMIT 1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, issuer_id);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        es_buf b = ES_BUF_INIT(eseal_limits_default()->max_der_bytes);
        es_result r = es_buf_append(&b, es_sql_column_blob(st, 0), es_sql_column_bytes(st, 0));
        if (es_ok(r)) {
            es_buf_move_out(der, &b);
        } else {
            rc = es_code(r);
        }
    } else if (step == ES_SQL_DONE) {
        rc = ESEAL_ENOTFOUND;
    } else {
        rc = es_sql_fail(s->c, "reading a CRL");
    }
    es_sql_finalize(st);
    return rc;
}

/* ---- seal registry ------------------------------------------------------- */

static int sq_seal_insert(eseal_store_registry_backend *be, const eseal_seal_record *r, const void *der, size_t len)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO seals (esid, name, owner, cert_ids, maker_cert_id, state, prev_esid, next_esid, "
                     "sha256, imprint, type, generation, created, valid_from, valid_to, updated, der, hardware) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {r->esid,  r->name,      r->owner,     r->cert_ids, r->maker_cert_id,
                         r->state, r->prev_esid, r->next_esid, r->sha256,   r->imprint};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i] != NULL ? txt[i] : "");
    }
    int64_t nums[] = {r->type, r->generation, r->created_ms, r->valid_from_ms, r->valid_to_ms, r->updated_ms};
    for (int i = 0; i < ES_SQ_LEN(nums); i++) {
        es_sql_bind_int64(st, 11 + i, nums[i]);
    }
    es_sql_bind_blob(st, 17, der, len);
    es_sql_bind_text(st, 18, r->hardware != NULL ? r->hardware : "");
    int step = es_sql_step(st);
    if (step != ES_SQL_DONE) {
        rc = step == ES_SQL_CONSTRAINT ? ESEAL_EEXISTS : es_sql_fail(s->c, "recording a seal");
    }
    es_sql_finalize(st);
    return rc;
}

#define SEAL_COLS                                                                                                   \
    "esid, name, owner, cert_ids, maker_cert_id, state, prev_esid, next_esid, sha256, imprint, type, generation, " \
    "created, valid_from, valid_to, updated, der, hardware"

static int blob_out(eseal_buf *out, es_sql_stmt *st, int col)
{
    es_buf b = ES_BUF_INIT(eseal_limits_default()->max_der_bytes);
    es_result r = es_buf_append(&b, es_sql_column_blob(st, col), es_sql_column_bytes(st, col));
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static int row_to_seal(es_sql_stmt *st, eseal_seal_record *r, eseal_buf *der)
{
    memset(r, 0, sizeof(*r));
    char **fields[] = {&r->esid,  &r->name,      &r->owner,     &r->cert_ids, &r->maker_cert_id,
                       &r->state, &r->prev_esid, &r->next_esid, &r->sha256,   &r->imprint};
    for (int i = 0; i < ES_SQ_LEN(fields); i++) {
        const char *t = es_sql_column_text(st, i);
        *fields[i] = es_strdup(t != NULL ? (const char *)t : "");
        if (*fields[i] == NULL) {
            eseal_seal_record_dispose(r);
            ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
        }
    }
    int64_t *nums[] = {&r->type, &r->generation, &r->created_ms, &r->valid_from_ms, &r->valid_to_ms, &r->updated_ms};
    for (int i = 0; i < ES_SQ_LEN(nums); i++) {
        *nums[i] = es_sql_column_int64(st, 10 + i);
    }
    const char *hw = es_sql_column_text(st, 17);
    r->hardware = es_strdup(hw != NULL ? hw : "");
    if (r->hardware == NULL) {
        eseal_seal_record_dispose(r);
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    if (der != NULL) {
        int rc = blob_out(der, st, 16);
        if (rc != ESEAL_OK) {
            eseal_seal_record_dispose(r);
            return rc;
        }
    }
    return ESEAL_OK;
}

static int sq_seal_ids(eseal_store_registry_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                       size_t max, size_t *n)
{
    sq *s = registry_sq(be);
    const char *sql = how == ESEAL_STORE_MATCH_ID ? "SELECT esid FROM seals WHERE esid = ?1 LIMIT ?2"
                      : how == ESEAL_STORE_MATCH_PREFIX
                          ? "SELECT esid FROM seals WHERE esid >= ?1 AND esid < ?3 AND "
                            "substr(esid, 1, length(?1)) = ?1 LIMIT ?2"
                          : NULL;
    if (sql == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: no seal lookup of kind %d", how));
    }
    return ids_query(s, sql, key, ids, max, n, "looking up a seal");
}

static int sq_seal_get(eseal_store_registry_backend *be, eseal_seal_record *out, eseal_buf *der, const char *esid)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " SEAL_COLS " FROM seals WHERE esid = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, esid);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_seal(st, out, der);
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "looking up a seal");
    }
    es_sql_finalize(st);
    return rc;
}

/* Runs an UPDATE of one seal: ESEAL_ENOTFOUND (an answer) when there is no such seal. */
static int exec_changes(sq *s, es_sql_stmt *st, const char *what)
{
    int rc = ESEAL_OK;
    if (es_sql_step(st) != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, what);
    } else if (es_sql_changes(s->c) != 1) {
        rc = ESEAL_ENOTFOUND;
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_seal_update(eseal_store_registry_backend *be, const char *esid, const char *state, int64_t at_ms, const char *next_esid)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE seals SET state = ?2, updated = ?3, next_esid = coalesce(?4, next_esid) "
                             "WHERE esid = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, esid);
    es_sql_bind_text(st, 2, state);
    es_sql_bind_int64(st, 3, at_ms);
    if (next_esid != NULL) {
        es_sql_bind_text(st, 4, next_esid);
    } else {
        es_sql_bind_null(st, 4);
    }
    return exec_changes(s, st, "updating a seal");
}

static int sq_seal_receipt_put(eseal_store_registry_backend *be, const char *esid, const void *der, size_t len)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE seals SET receipt = ?2 WHERE esid = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, esid);
    es_sql_bind_blob(st, 2, der, len);
    return exec_changes(s, st, "storing a filing receipt");
}

static int sq_seal_receipt(eseal_store_registry_backend *be, eseal_buf *der, const char *esid)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT receipt FROM seals WHERE esid = ?1 AND receipt IS NOT NULL");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, esid);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = blob_out(der, st, 0);
    } else if (step == ES_SQL_DONE) {
        rc = ESEAL_ENOTFOUND;
    } else {
        rc = es_sql_fail(s->c, "reading a filing receipt");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_seal_list(eseal_store_registry_backend *be, int (*cb)(const eseal_seal_record *, void *), void *payload)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " SEAL_COLS " FROM seals ORDER BY created, rowid");
    if (rc != ESEAL_OK) {
        return rc;
    }
    while (rc == ESEAL_OK && es_sql_step(st) == ES_SQL_ROW) {
        eseal_seal_record r;
        rc = row_to_seal(st, &r, NULL);
        if (rc == ESEAL_OK) {
            rc = cb(&r, payload);
            eseal_seal_record_dispose(&r);
        }
    }
    es_sql_finalize(st);
    return rc;
}

static int change_begin(sq *s, bool *own);
static int change_end(sq *s, bool own, int rc);
static int seal_event_insert(sq *s, const eseal_seal_event *e, int64_t *seq);

/* The next seq is read and written in one statement, which is one writer's at a time on SQLite only:
 * on PostgreSQL (READ COMMITTED) two connections would read the same max(seq), so the statement runs
 * under the write lock (change_begin: the caller's transaction, or one of its own). */
static int sq_seal_event_add(eseal_store_registry_backend *be, const eseal_seal_event *e, int64_t *seq)
{
    sq *s = registry_sq(be);
    bool own = false;
    int rc = change_begin(s, &own);
    rc = rc == ESEAL_OK ? seal_event_insert(s, e, seq) : rc;
    return change_end(s, own, rc);
}

static int seal_event_insert(sq *s, const eseal_seal_event *e, int64_t *seq)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO seal_events (esid, seq, at, from_state, to_state, actor, reason) "
                     "SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6 FROM seal_events WHERE esid = ?1 "
                     "RETURNING seq");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, e->esid);
    es_sql_bind_int64(st, 2, e->at_ms);
    const char *txt[] = {e->from_state, e->to_state, e->actor, e->reason};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, 3 + i, txt[i] != NULL ? txt[i] : "");
    }
    if (es_sql_step(st) != ES_SQL_ROW) {
        rc = es_sql_fail(s->c, "recording a seal event");
    } else if (seq != NULL) {
        *seq = es_sql_column_int64(st, 0);
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_seal_events(eseal_store_registry_backend *be, const char *esid, int (*cb)(const eseal_seal_event *, void *), void *payload)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT esid, seq, at, from_state, to_state, actor, reason FROM seal_events "
                             "WHERE esid = ?1 ORDER BY seq");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, esid);
    while (rc == ESEAL_OK && es_sql_step(st) == ES_SQL_ROW) {
        eseal_seal_event e = {0};
        char **fields[] = {&e.esid, &e.from_state, &e.to_state, &e.actor, &e.reason};
        int cols[] = {0, 3, 4, 5, 6};
        for (int i = 0; i < ES_SQ_LEN(fields) && rc == ESEAL_OK; i++) {
            const char *t = es_sql_column_text(st, cols[i]);
            *fields[i] = es_strdup(t != NULL ? (const char *)t : "");
            if (*fields[i] == NULL) {
                rc = ESEAL_ENOMEM;
            }
        }
        e.seq = es_sql_column_int64(st, 1);
        e.at_ms = es_sql_column_int64(st, 2);
        if (rc == ESEAL_OK) {
            rc = cb(&e, payload);
        }
        eseal_seal_event_dispose(&e);
    }
    es_sql_finalize(st);
    return rc;
}

/* ---- the audit log, stamps, named values ---------------------------------- */

/* Runs a statement that returns at most one blob row; ESEAL_ENOTFOUND (an answer) when none. */
static int blob_query(sq *s, es_sql_stmt *st, eseal_buf *out, size_t max, const char *what)
{
    int step = es_sql_step(st);
    int rc = ESEAL_OK;
    if (step == ES_SQL_ROW) {
        es_buf b = ES_BUF_INIT(max);
        es_result r = es_buf_append(&b, es_sql_column_blob(st, 0), es_sql_column_bytes(st, 0));
        if (es_ok(r)) {
            es_buf_move_out(out, &b);
        } else {
            es_buf_free(&b);
            rc = es_code(r);
        }
    } else if (step == ES_SQL_DONE) {
        rc = ESEAL_ENOTFOUND;
    } else {
        rc = es_sql_fail(s->c, what);
    }
    es_sql_finalize(st);
    return rc;
}

/* Runs a write; with `taken`, a constraint failure is ESEAL_EEXISTS (an answer: the store words it). */
static int step_done(sq *s, es_sql_stmt *st, const char *what, bool taken)
{
    int step = es_sql_step(st);
    int rc = ESEAL_OK;
    if (step == ES_SQL_CONSTRAINT && taken) {
        rc = ESEAL_EEXISTS;
    } else if (step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, what);
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_log_state(eseal_store_log_backend *be, eseal_buf *out)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT state FROM log_state WHERE id = 1");
    return rc != ESEAL_OK ? rc : blob_query(s, st, out, ES_SQ_LOG_STATE_MAX, "reading the log state");
}

static int sq_log_state_put(eseal_store_log_backend *be, const void *state, size_t len)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO log_state (id, state) VALUES (1, ?1) "
                             "ON CONFLICT(id) DO UPDATE SET state = excluded.state");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_blob(st, 1, state, len);
    return step_done(s, st, "writing the log state", false);
}

static int sq_log_entries_put(eseal_store_log_backend *be, uint64_t first, const eseal_store_bytes *e, size_t n)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO log_entries (idx, body) VALUES (?1, ?2)");
    for (size_t i = 0; rc == ESEAL_OK && i < n; i++) {
        es_sql_bind_int64(st, 1, (int64_t)(first + i));
        es_sql_bind_blob(st, 2, e[i].len > 0 ? e[i].data : "", e[i].len);
        int step = es_sql_step(st);
        if (step == ES_SQL_CONSTRAINT) {
            rc = ESEAL_EEXISTS;
        } else if (step != ES_SQL_DONE) {
            rc = es_sql_fail(s->c, "appending log entries");
        }
        es_sql_reset(st);
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_log_entry(eseal_store_log_backend *be, eseal_buf *out, uint64_t index)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT body FROM log_entries WHERE idx = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int64_t)index);
    return blob_query(s, st, out, ES_SQ_LOG_ENTRY_MAX, "reading a log entry");
}

static int sq_log_entries(eseal_store_log_backend *be, uint64_t from, uint64_t to,
                          int (*cb)(uint64_t, const void *, size_t, void *), void *payload)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT idx, body FROM log_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int64_t)from);
    es_sql_bind_int64(st, 2, (int64_t)to);
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        rc = cb((uint64_t)es_sql_column_int64(st, 0), es_sql_column_blob(st, 1), es_sql_column_bytes(st, 1),
                payload);
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "reading log entries");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_log_tile(eseal_store_log_backend *be, eseal_buf *out, unsigned level, uint64_t n)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT data FROM log_tiles WHERE level = ?1 AND n = ?2");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int)level);
    es_sql_bind_int64(st, 2, (int64_t)n);
    return blob_query(s, st, out, ES_SQ_TILE_MAX, "reading a tile");
}

static int sq_log_tile_put(eseal_store_log_backend *be, unsigned level, uint64_t n, const void *data, size_t len)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO log_tiles (level, n, data) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT(level, n) DO UPDATE SET data = excluded.data");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int)level);
    es_sql_bind_int64(st, 2, (int64_t)n);
    es_sql_bind_blob(st, 3, data, len);
    return step_done(s, st, "writing a tile", false);
}

static int sq_log_checkpoint_put(eseal_store_log_backend *be, uint64_t size, const char *note, int64_t at_ms)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO log_checkpoints (size, note, created) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT(size) DO UPDATE SET note = excluded.note");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int64_t)size);
    es_sql_bind_text(st, 2, note);
    es_sql_bind_int64(st, 3, at_ms);
    return step_done(s, st, "recording a checkpoint", false);
}

static int sq_log_checkpoint(eseal_store_log_backend *be, eseal_buf *note, uint64_t size, uint64_t *size_out)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = size == UINT64_MAX
                 ? prepare(s, &st, "SELECT note, size FROM log_checkpoints ORDER BY size DESC LIMIT 1")
                 : prepare(s, &st, "SELECT note, size FROM log_checkpoints WHERE size = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (size != UINT64_MAX) {
        es_sql_bind_int64(st, 1, (int64_t)size);
    }
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        if (size_out != NULL) {
            *size_out = (uint64_t)es_sql_column_int64(st, 1);
        }
        rc = blob_out(note, st, 0);
    } else if (step == ES_SQL_DONE) {
        rc = ESEAL_ENOTFOUND;
    } else {
        rc = es_sql_fail(s->c, "reading a checkpoint");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_log_checkpoints(eseal_store_log_backend *be, int (*cb)(uint64_t, const char *, int64_t, void *), void *payload)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT size, note, created FROM log_checkpoints ORDER BY size");
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        const char *t = es_sql_column_text(st, 1);
        rc = cb((uint64_t)es_sql_column_int64(st, 0), t != NULL ? (const char *)t : "",
                es_sql_column_int64(st, 2), payload);
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "reading checkpoints");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_log_private_put(eseal_store_log_backend *be, uint64_t index, const char *kind, const void *data, size_t len)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO log_private (idx, kind, data) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT(idx, kind) DO UPDATE SET data = excluded.data");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int64_t)index);
    es_sql_bind_text(st, 2, kind);
    es_sql_bind_blob(st, 3, len > 0 ? data : "", len);
    return step_done(s, st, "writing private log data", false);
}

static int sq_log_private_get(eseal_store_log_backend *be, eseal_buf *out, uint64_t index, const char *kind)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT data FROM log_private WHERE idx = ?1 AND kind = ?2");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int64_t)index);
    es_sql_bind_text(st, 2, kind);
    return blob_query(s, st, out, eseal_limits_default()->max_der_bytes, "reading private log data");
}

static int sq_log_private_erase(eseal_store_log_backend *be, uint64_t index, const char *kind)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "DELETE FROM log_private WHERE idx = ?1 AND kind = ?2");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int64_t)index);
    es_sql_bind_text(st, 2, kind);
    rc = step_done(s, st, "erasing private log data", false);
    if (rc == ESEAL_OK && es_sql_changes(s->c) == 0) {
        rc = ESEAL_ENOTFOUND;
    }
    return rc;
}

static int sq_meta(eseal_store_log_backend *be, eseal_buf *out, const char *name)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT value FROM meta WHERE name = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, name);
    return blob_query(s, st, out, ES_SQ_META_MAX, "reading a named value");
}

static int sq_meta_put(eseal_store_log_backend *be, const char *name, const void *data, size_t len)
{
    sq *s = log_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO meta (name, value) VALUES (?1, ?2) "
                             "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, name);
    es_sql_bind_blob(st, 2, len > 0 ? data : "", len);
    return step_done(s, st, "writing a named value", false);
}

static int sq_stamp_insert(eseal_store_registry_backend *be, const eseal_stamp_record *r)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO stamps (serial, esid, cert_id, kind, doc_sha256, at, log_index, receipt) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *t[] = {r->serial, r->esid, r->cert_id, r->kind, r->doc_sha256};
    for (int i = 0; i < ES_SQ_LEN(t); i++) {
        es_sql_bind_text(st, i + 1, t[i] != NULL ? t[i] : "");
    }
    es_sql_bind_int64(st, 6, r->at_ms);
    es_sql_bind_int64(st, 7, r->log_index);
    es_sql_bind_text(st, 8, r->receipt != NULL ? r->receipt : "");
    return step_done(s, st, "recording a stamp", true);
}

static int sq_stamp_get(eseal_store_registry_backend *be, eseal_stamp_record *out, const char *serial)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT serial, esid, cert_id, kind, doc_sha256, receipt, at, log_index FROM stamps "
                             "WHERE serial = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, serial);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        eseal_stamp_record r = {0};
        char **f[] = {&r.serial, &r.esid, &r.cert_id, &r.kind, &r.doc_sha256, &r.receipt};
        for (int i = 0; i < ES_SQ_LEN(f) && rc == ESEAL_OK; i++) {
            const char *t = es_sql_column_text(st, i);
            *f[i] = es_strdup(t != NULL ? (const char *)t : "");
            rc = *f[i] == NULL ? ESEAL_ENOMEM : ESEAL_OK;
        }
        r.at_ms = es_sql_column_int64(st, 6);
        r.log_index = es_sql_column_int64(st, 7);
        if (rc == ESEAL_OK) {
            *out = r;
        } else {
            eseal_stamp_record_dispose(&r);
        }
    } else if (step == ES_SQL_DONE) {
        rc = ESEAL_ENOTFOUND;
    } else {
        rc = es_sql_fail(s->c, "finding a stamp");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_stamp_receipt_put(eseal_store_registry_backend *be, const char *serial, const char *receipt)
{
    sq *s = registry_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE stamps SET receipt = ?2 WHERE serial = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, serial);
    es_sql_bind_text(st, 2, receipt);
    rc = step_done(s, st, "storing a stamp receipt", false);
    if (rc == ESEAL_OK && es_sql_changes(s->c) == 0) {
        rc = ESEAL_ENOTFOUND;
    }
    return rc;
}

/* ---- the imported trust lists (issue 24, migration 11) -------------------------------------- */

#define TL_COLS "name, source, pin, key_sha256, via, list_of_lists, sequence, issued, next_update, fetched, added"

static int sq_trusted_list_put(eseal_store_pki_backend *be, const eseal_trusted_list_record *rec, const void *jws,
                               size_t len)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    /* One statement: the list of that name is replaced whole, or not at all. */
    int rc = prepare(s, &st, "INSERT INTO trusted_lists (" TL_COLS ", jws, crls) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
                             "ON CONFLICT(name) DO UPDATE SET source = excluded.source, pin = excluded.pin, "
                             "key_sha256 = excluded.key_sha256, via = excluded.via, "
                             "list_of_lists = excluded.list_of_lists, sequence = excluded.sequence, "
                             "issued = excluded.issued, next_update = excluded.next_update, "
                             "fetched = excluded.fetched, jws = excluded.jws, crls = excluded.crls");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *text[] = {rec->name, rec->source, rec->pin, rec->key_sha256, rec->via != NULL ? rec->via : ""};
    for (int i = 0; i < ES_SQ_LEN(text); i++) {
        es_sql_bind_text(st, i + 1, text[i]);
    }
    es_sql_bind_int64(st, 6, rec->list_of_lists != 0);
    es_sql_bind_int64(st, 7, (int64_t)rec->sequence);
    es_sql_bind_int64(st, 8, rec->issued_ms);
    es_sql_bind_int64(st, 9, rec->next_update_ms);
    es_sql_bind_int64(st, 10, rec->fetched_ms);
    es_sql_bind_int64(st, 11, rec->added_ms);
    es_sql_bind_blob(st, 12, jws, len);
    es_sql_bind_blob(st, 13, rec->crls != NULL ? (const void *)rec->crls : (const void *)"", rec->crls_len);
    if (es_sql_step(st) != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "storing a trust list");
    }
    es_sql_finalize(st);
    return rc;
}

static int row_to_trusted_list(es_sql_stmt *st, eseal_trusted_list_record *r)
{
    memset(r, 0, sizeof(*r));
    char **fields[] = {&r->name, &r->source, &r->pin, &r->key_sha256, &r->via};
    for (int i = 0; i < ES_SQ_LEN(fields); i++) {
        const char *t = es_sql_column_text(st, i);
        *fields[i] = es_strdup(t != NULL ? (const char *)t : "");
        if (*fields[i] == NULL) {
            eseal_trusted_list_record_dispose(r);
            ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
        }
    }
    r->list_of_lists = es_sql_column_int64(st, 5) != 0;
    r->sequence = (uint64_t)es_sql_column_int64(st, 6);
    r->issued_ms = es_sql_column_int64(st, 7);
    r->next_update_ms = es_sql_column_int64(st, 8);
    r->fetched_ms = es_sql_column_int64(st, 9);
    r->added_ms = es_sql_column_int64(st, 10);
    const void *crls = es_sql_column_blob(st, 12);
    size_t n = es_sql_column_bytes(st, 12);
    if (n > 0) {
        r->crls = es_malloc(n);
        if (r->crls == NULL) {
            eseal_trusted_list_record_dispose(r);
            ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
        }
        memcpy(r->crls, crls, n);
        r->crls_len = n;
    }
    return ESEAL_OK;
}

static int sq_trusted_list_get(eseal_store_pki_backend *be, eseal_trusted_list_record *out, eseal_buf *jws,
                               const char *name)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " TL_COLS ", jws, crls FROM trusted_lists WHERE name = ?");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, name);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_trusted_list(st, out);
        if (rc == ESEAL_OK && jws != NULL) {
            es_buf b = ES_BUF_INIT(ESEAL_TRUSTLIST_STORE_MAX);
            es_result r = es_buf_append(&b, es_sql_column_blob(st, 11), es_sql_column_bytes(st, 11));
            if (es_ok(r)) {
                es_buf_move_out(jws, &b);
            } else {
                eseal_trusted_list_record_dispose(out);
                rc = es_code(r);
            }
        }
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "reading a trust list");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_trusted_list_each(eseal_store_pki_backend *be,
                                int (*cb)(const eseal_trusted_list_record *, const void *, size_t, void *),
                                void *payload)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " TL_COLS ", jws, crls FROM trusted_lists ORDER BY name");
    if (rc != ESEAL_OK) {
        return rc;
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_trusted_list_record r;
        rc = row_to_trusted_list(st, &r);
        if (rc == ESEAL_OK) {
            rc = cb(&r, es_sql_column_blob(st, 11), es_sql_column_bytes(st, 11), payload);
            eseal_trusted_list_record_dispose(&r);
        }
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing trust lists");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_trusted_list_delete(eseal_store_pki_backend *be, const char *name)
{
    sq *s = pki_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "DELETE FROM trusted_lists WHERE name = ?");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, name);
    if (es_sql_step(st) != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "removing a trust list");
    } else if (es_sql_changes(s->c) != 1) {
        rc = ESEAL_ENOTFOUND;
    }
    es_sql_finalize(st);
    return rc;
}

/* ---- the accounts: organisations, users, API tokens, the login throttle ---------------------- */

/* Copies text column `col` into an array of `cap` bytes (its NUL included); false when it does not
 * fit (a row written by something else than this store: the caller says ESEAL_ESTORE). */
static bool col_text(es_sql_stmt *st, int col, char *dst, size_t cap)
{
    const char *t = es_sql_column_text(st, col); /* before _bytes, as SQLite asks */
    size_t len = es_sql_column_bytes(st, col);
    if (len >= cap) {
        return false;
    }
    if (t != NULL && len > 0) {
        memcpy(dst, t, len);
    }
    dst[len] = '\0';
    return true;
}

static int too_long(const char *what)
{
    return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: %s: a stored value is longer than its field",
                                what));
}

/* Binds `text`, or NULL when it is "" (no code, no organisation: NULL is what UNIQUE and the foreign
 * key let several rows have). */
static void bind_text_or_null(es_sql_stmt *st, int i, const char *text)
{
    if (text[0] == '\0') {
        es_sql_bind_null(st, i);
    } else {
        es_sql_bind_text(st, i, text);
    }
}

/* Runs an INSERT: a taken key is ESEAL_EEXISTS, a foreign key naming no row ESEAL_ENOTFOUND
 * (answers: the store words them); any other failure names `what`. */
static int insert_done(sq *s, es_sql_stmt *st, const char *what)
{
    int step = es_sql_step(st);
    int rc = ESEAL_OK;
    if (step == ES_SQL_CONSTRAINT) {
        es_sql_constraint_kind kind = es_sql_constraint(s->c);
        if (kind == ES_SQL_FOREIGN) {
            rc = ESEAL_ENOTFOUND;
        } else if (kind == ES_SQL_KEY) {
            rc = ESEAL_EEXISTS;
        } else {
            rc = es_sql_fail(s->c, what);
        }
    } else if (step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, what);
    }
    es_sql_finalize(st);
    return rc;
}

#define ORG_COLS "id, name, coalesce(uscc, ''), created, coalesce(identifier, '')"

static int row_to_org(es_sql_stmt *st, eseal_org *o)
{
    memset(o, 0, sizeof(*o));
    if (!col_text(st, 0, o->id, sizeof(o->id)) || !col_text(st, 1, o->name, sizeof(o->name)) ||
        !col_text(st, 2, o->uscc, sizeof(o->uscc)) || !col_text(st, 4, o->identifier, sizeof(o->identifier))) {
        return too_long("reading an organisation");
    }
    o->created_ms = es_sql_column_int64(st, 3);
    return ESEAL_OK;
}

static int sq_org_insert(eseal_store_accounts_backend *be, const eseal_org *o)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO orgs (id, name, uscc, created, identifier) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, o->id);
    es_sql_bind_text(st, 2, o->name);
    bind_text_or_null(st, 3, o->uscc);
    es_sql_bind_int64(st, 4, o->created_ms);
    bind_text_or_null(st, 5, o->identifier);
    return insert_done(s, st, "recording an organisation");
}

static int sq_org_get(eseal_store_accounts_backend *be, eseal_org *out, eseal_store_match how, const char *key)
{
    sq *s = accounts_sq(be);
    const char *sql = how == ESEAL_STORE_MATCH_ID     ? "SELECT " ORG_COLS " FROM orgs WHERE id = ?1"
                      : how == ESEAL_STORE_MATCH_CODE ? "SELECT " ORG_COLS " FROM orgs WHERE uscc = ?1"
                      : how == ESEAL_STORE_MATCH_NAME ? "SELECT " ORG_COLS " FROM orgs WHERE name = ?1"
                      /* '=' on TEXT compares bytes (BINARY collation): exactly, never another case */
                      : how == ESEAL_STORE_MATCH_IDENTIFIER ? "SELECT " ORG_COLS " FROM orgs WHERE identifier = ?1"
                                                            : NULL;
    if (sql == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: no organisation lookup of kind %d", how));
    }
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, sql);
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, key);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_org(st, out);
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "looking up an organisation");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_org_list(eseal_store_accounts_backend *be, int (*cb)(const eseal_org *, void *), void *payload)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " ORG_COLS " FROM orgs ORDER BY created, rowid");
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_org o;
        rc = row_to_org(st, &o);
        rc = rc == ESEAL_OK ? cb(&o, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing organisations");
    }
    es_sql_finalize(st);
    return rc;
}

#define USER_COLS "login, display_name, coalesce(org_id, ''), roles, status, created, updated, pw_hash"

/* A user row; its password hash into pw_hash (ESEAL_STORE_PW_HASH_MAX + 1 bytes) when not NULL. */
static int row_to_user(es_sql_stmt *st, eseal_user *u, char *pw_hash)
{
    memset(u, 0, sizeof(*u));
    if (!col_text(st, 0, u->login, sizeof(u->login)) || !col_text(st, 1, u->display_name, sizeof(u->display_name)) ||
        !col_text(st, 2, u->org_id, sizeof(u->org_id)) || !col_text(st, 3, u->roles, sizeof(u->roles)) ||
        (pw_hash != NULL && !col_text(st, 7, pw_hash, ESEAL_STORE_PW_HASH_MAX + 1))) {
        return too_long("reading a user");
    }
    u->status = (eseal_user_status)(int)es_sql_column_int64(st, 4);
    u->created_ms = es_sql_column_int64(st, 5);
    u->updated_ms = es_sql_column_int64(st, 6);
    return ESEAL_OK;
}

static int sq_user_insert(eseal_store_accounts_backend *be, const eseal_user *u, const char *pw_hash)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO users (login, display_name, org_id, roles, status, pw_hash, created, updated) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, u->login);
    es_sql_bind_text(st, 2, u->display_name);
    bind_text_or_null(st, 3, u->org_id);
    es_sql_bind_text(st, 4, u->roles);
    es_sql_bind_int64(st, 5, (int)u->status);
    es_sql_bind_text(st, 6, pw_hash);
    es_sql_bind_int64(st, 7, u->created_ms);
    es_sql_bind_int64(st, 8, u->updated_ms);
    return insert_done(s, st, "recording a user");
}

static int sq_user_get(eseal_store_accounts_backend *be, eseal_user *out, char *pw_hash, const char *login)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " USER_COLS " FROM users WHERE login = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, login);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_user(st, out, pw_hash);
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "looking up a user");
    }
    es_sql_finalize(st);
    return rc;
}

/* org_id NULL: every user; "": the users of no organisation (org_id IS NULL); else that one's. */
static int sq_user_list(eseal_store_accounts_backend *be, const char *org_id, int (*cb)(const eseal_user *, void *),
                        void *payload)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = org_id == NULL ? prepare(s, &st, "SELECT " USER_COLS " FROM users ORDER BY created, rowid")
             : org_id[0] == '\0'
                 ? prepare(s, &st, "SELECT " USER_COLS " FROM users WHERE org_id IS NULL ORDER BY created, rowid")
                 : prepare(s, &st, "SELECT " USER_COLS " FROM users WHERE org_id = ?1 ORDER BY created, rowid");
    if (rc == ESEAL_OK && org_id != NULL && org_id[0] != '\0') {
        es_sql_bind_text(st, 1, org_id);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_user u;
        rc = row_to_user(st, &u, NULL);
        rc = rc == ESEAL_OK ? cb(&u, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing users");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_user_update(eseal_store_accounts_backend *be, const char *login, const char *roles, int status,
                          const char *pw_hash, int64_t at_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE users SET roles = coalesce(?2, roles), "
                             "status = CASE WHEN ?3 = 0 THEN status ELSE ?3 END, "
                             "pw_hash = coalesce(?4, pw_hash), updated = ?5 WHERE login = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, login);
    if (roles != NULL) {
        es_sql_bind_text(st, 2, roles);
    } else {
        es_sql_bind_null(st, 2);
    }
    es_sql_bind_int64(st, 3, status);
    if (pw_hash != NULL) {
        es_sql_bind_text(st, 4, pw_hash);
    } else {
        es_sql_bind_null(st, 4);
    }
    es_sql_bind_int64(st, 5, at_ms);
    return exec_changes(s, st, "updating a user");
}

#define TOKEN_COLS "id, login, org_id, scopes, created, expires, last_used, revoked"

static int row_to_token(es_sql_stmt *st, eseal_token_info *t)
{
    memset(t, 0, sizeof(*t));
    if (!col_text(st, 0, t->id, sizeof(t->id)) || !col_text(st, 1, t->login, sizeof(t->login)) ||
        !col_text(st, 2, t->org_id, sizeof(t->org_id)) || !col_text(st, 3, t->scopes, sizeof(t->scopes))) {
        return too_long("reading a token");
    }
    t->created_ms = es_sql_column_int64(st, 4);
    t->expires_ms = es_sql_column_int64(st, 5);
    t->last_used_ms = es_sql_column_int64(st, 6);
    t->revoked_ms = es_sql_column_int64(st, 7);
    return ESEAL_OK;
}

static int sq_token_insert(eseal_store_accounts_backend *be, const eseal_token_info *t, const char *digest_hex)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO tokens (id, digest, login, org_id, scopes, created, expires, last_used, "
                             "revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {t->id, digest_hex, t->login, t->org_id, t->scopes};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i]);
    }
    int64_t nums[] = {t->created_ms, t->expires_ms, t->last_used_ms, t->revoked_ms};
    for (int i = 0; i < ES_SQ_LEN(nums); i++) {
        es_sql_bind_int64(st, 6 + i, nums[i]);
    }
    return insert_done(s, st, "recording a token");
}

/* Runs a query for one token (?1 bound by the caller): ESEAL_ENOTFOUND (an answer) when none. */
static int one_token(sq *s, es_sql_stmt *st, eseal_token_info *out)
{
    int rc;
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_token(st, out);
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "looking up a token");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_token_by_digest(eseal_store_accounts_backend *be, eseal_token_info *out, const char *digest_hex)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " TOKEN_COLS " FROM tokens WHERE digest = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, digest_hex);
    return one_token(s, st, out);
}

static int sq_token_get(eseal_store_accounts_backend *be, eseal_token_info *out, const char *id)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " TOKEN_COLS " FROM tokens WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    return one_token(s, st, out);
}

/* By login (the index tokens_login), else by organisation (tokens_org), else every token. */
static int sq_token_list(eseal_store_accounts_backend *be, const char *login, const char *org_id,
                         int (*cb)(const eseal_token_info *, void *), void *payload)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    const char *key = login != NULL ? login : org_id;
    const char *sql = login != NULL    ? "SELECT " TOKEN_COLS " FROM tokens WHERE login = ?1 ORDER BY created, rowid"
                      : org_id != NULL ? "SELECT " TOKEN_COLS " FROM tokens WHERE org_id = ?1 ORDER BY created, rowid"
                                       : "SELECT " TOKEN_COLS " FROM tokens ORDER BY created, rowid";
    int rc = prepare(s, &st, sql);
    if (rc == ESEAL_OK && key != NULL) {
        es_sql_bind_text(st, 1, key);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_token_info t;
        rc = row_to_token(st, &t);
        rc = rc == ESEAL_OK ? cb(&t, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing tokens");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_token_update(eseal_store_accounts_backend *be, const char *id, int64_t last_used_ms, int64_t revoked_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE tokens SET last_used = CASE WHEN ?2 = 0 THEN last_used ELSE ?2 END, "
                             "revoked = CASE WHEN ?3 = 0 THEN revoked ELSE ?3 END WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, last_used_ms);
    es_sql_bind_int64(st, 3, revoked_ms);
    return exec_changes(s, st, "updating a token");
}

static int sq_throttle_get(eseal_store_accounts_backend *be, const char *key, uint32_t *failures, int64_t *until_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT failures, until FROM throttle WHERE key = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, key);
    *failures = 0;
    *until_ms = 0;
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        int64_t f = es_sql_column_int64(st, 0);
        *failures = f < 0 ? 0 : f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
        *until_ms = es_sql_column_int64(st, 1);
    } else if (step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "reading a throttle");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_throttle_put(eseal_store_accounts_backend *be, const char *key, uint32_t failures, int64_t until_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = failures == 0 ? prepare(s, &st, "DELETE FROM throttle WHERE key = ?1")
                           : prepare(s, &st, "INSERT INTO throttle (key, failures, until) VALUES (?1, ?2, ?3) "
                                             "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, "
                                             "until = excluded.until");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, key);
    if (failures != 0) {
        es_sql_bind_int64(st, 2, (int64_t)failures);
        es_sql_bind_int64(st, 3, until_ms);
    }
    return step_done(s, st, "writing a throttle", false);
}

static int sq_session_insert(eseal_store_accounts_backend *be, const char *digest, const char *login,
                             const char *csrf_digest, int64_t created_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO sessions (digest, login, csrf_digest, created, last_seen) "
                             "VALUES (?1, ?2, ?3, ?4, ?4)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, digest);
    es_sql_bind_text(st, 2, login);
    es_sql_bind_text(st, 3, csrf_digest);
    es_sql_bind_int64(st, 4, created_ms);
    return step_done(s, st, "opening a session", true);
}

static int sq_session_get(eseal_store_accounts_backend *be, const char *digest, char login[ESEAL_LOGIN_MAX + 1],
                          char csrf_digest[65], int64_t *created_ms, int64_t *last_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT login, csrf_digest, created, last_seen FROM sessions WHERE digest = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, digest);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        const char *l = (const char *)es_sql_column_text(st, 0);
        const char *c = (const char *)es_sql_column_text(st, 1);
        if (l == NULL || c == NULL || strlen(l) > ESEAL_LOGIN_MAX || strlen(c) != 64) {
            rc = es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: a session row out of shape"));
        } else {
            memcpy(login, l, strlen(l) + 1);
            memcpy(csrf_digest, c, 65);
            *created_ms = es_sql_column_int64(st, 2);
            *last_ms = es_sql_column_int64(st, 3);
        }
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "looking up a session");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_session_touch(eseal_store_accounts_backend *be, const char *digest, int64_t at_ms)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE sessions SET last_seen = ?2 WHERE digest = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, digest);
    es_sql_bind_int64(st, 2, at_ms);
    return exec_changes(s, st, "noting a session's use");
}

/* One session (digest not NULL) or every session of a login. */
static int sq_session_end(eseal_store_accounts_backend *be, const char *digest, const char *login)
{
    sq *s = accounts_sq(be);
    es_sql_stmt *st = NULL;
    int rc = digest != NULL ? prepare(s, &st, "DELETE FROM sessions WHERE digest = ?1")
                            : prepare(s, &st, "DELETE FROM sessions WHERE login = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, digest != NULL ? digest : login);
    if (digest != NULL) {
        return exec_changes(s, st, "ending a session");
    }
    return step_done(s, st, "ending a user's sessions", false);
}


/* ---- governance: grants and templates --------------------------------------------------------- */

#define GRANT_COLS                                                                                                 \
    "id, org_id, seal, holder_kind, holder, types, templates, not_before, not_after, max_uses, uses, approval, "   \
    "delegable, coalesce(parent, ''), created_by, created, revoked"

static int row_to_grant(es_sql_stmt *st, eseal_grant *g)
{
    memset(g, 0, sizeof(*g));
    if (!col_text(st, 0, g->id, sizeof(g->id)) || !col_text(st, 1, g->org_id, sizeof(g->org_id)) ||
        !col_text(st, 2, g->seal, sizeof(g->seal)) || !col_text(st, 4, g->holder, sizeof(g->holder)) ||
        !col_text(st, 5, g->types, sizeof(g->types)) || !col_text(st, 6, g->templates, sizeof(g->templates)) ||
        !col_text(st, 11, g->approval, sizeof(g->approval)) || !col_text(st, 13, g->parent, sizeof(g->parent)) ||
        !col_text(st, 14, g->created_by, sizeof(g->created_by))) {
        return too_long("reading a grant");
    }
    g->holder_kind = (eseal_grant_holder)(int)es_sql_column_int64(st, 3);
    g->not_before_ms = es_sql_column_int64(st, 7);
    g->not_after_ms = es_sql_column_int64(st, 8);
    g->max_uses = es_sql_column_int64(st, 9);
    g->uses = es_sql_column_int64(st, 10);
    g->delegable = (int)es_sql_column_int64(st, 12);
    g->created_ms = es_sql_column_int64(st, 15);
    g->revoked_ms = es_sql_column_int64(st, 16);
    return ESEAL_OK;
}

static int sq_grant_insert(eseal_store_governance_backend *be, const eseal_grant *g)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO grants (id, org_id, seal, holder_kind, holder, types, templates, not_before, "
                     "not_after, max_uses, uses, approval, delegable, parent, created_by, created, revoked) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {g->id, g->org_id, g->seal};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i]);
    }
    es_sql_bind_int64(st, 4, (int)g->holder_kind);
    es_sql_bind_text(st, 5, g->holder);
    es_sql_bind_text(st, 6, g->types);
    es_sql_bind_text(st, 7, g->templates);
    es_sql_bind_int64(st, 8, g->not_before_ms);
    es_sql_bind_int64(st, 9, g->not_after_ms);
    es_sql_bind_int64(st, 10, g->max_uses);
    es_sql_bind_int64(st, 11, g->uses);
    es_sql_bind_text(st, 12, g->approval);
    es_sql_bind_int64(st, 13, g->delegable != 0);
    bind_text_or_null(st, 14, g->parent);
    es_sql_bind_text(st, 15, g->created_by);
    es_sql_bind_int64(st, 16, g->created_ms);
    es_sql_bind_int64(st, 17, g->revoked_ms);
    return insert_done(s, st, "recording a grant");
}

static int sq_grant_get(eseal_store_governance_backend *be, eseal_grant *out, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " GRANT_COLS " FROM grants WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW ? row_to_grant(st, out) : step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "reading a grant");
    es_sql_finalize(st);
    return rc;
}

static int sq_grant_list(eseal_store_governance_backend *be, const char *org_id, const char *seal,
                         int (*cb)(const eseal_grant *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = seal != NULL     ? prepare(s, &st, "SELECT " GRANT_COLS " FROM grants WHERE seal = ?1 ORDER BY created, rowid")
             : org_id != NULL ? prepare(s, &st, "SELECT " GRANT_COLS " FROM grants WHERE org_id = ?1 ORDER BY created, rowid")
                              : prepare(s, &st, "SELECT " GRANT_COLS " FROM grants ORDER BY created, rowid");
    if (rc == ESEAL_OK && (seal != NULL || org_id != NULL)) {
        es_sql_bind_text(st, 1, seal != NULL ? seal : org_id);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_grant g;
        rc = row_to_grant(st, &g);
        rc = rc == ESEAL_OK ? cb(&g, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing grants");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_grant_revoke(eseal_store_governance_backend *be, const char *id, int64_t at_ms)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE grants SET revoked = ?2 WHERE id = ?1 AND revoked = 0");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, at_ms);
    return exec_changes(s, st, "revoking a grant");
}

/* One statement: the condition is read by the write itself, so a revocation cannot slip between a
 * check and the change. */
static int sq_grant_update(eseal_store_governance_backend *be, const eseal_grant *g)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE grants SET types = ?2, templates = ?3, not_before = ?4, not_after = ?5, max_uses = ?6, "
                     "approval = ?7, delegable = ?8 WHERE id = ?1 AND revoked = 0");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, g->id);
    es_sql_bind_text(st, 2, g->types);
    es_sql_bind_text(st, 3, g->templates);
    es_sql_bind_int64(st, 4, g->not_before_ms);
    es_sql_bind_int64(st, 5, g->not_after_ms);
    es_sql_bind_int64(st, 6, g->max_uses);
    es_sql_bind_text(st, 7, g->approval);
    es_sql_bind_int64(st, 8, g->delegable != 0);
    return exec_changes(s, st, "changing a grant");
}

/* One statement: two writers (threads, processes) cannot both see the last use free (SQLite runs
 * writes one at a time, and the condition is read by the write itself). */
static int sq_grant_use(eseal_store_governance_backend *be, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE grants SET uses = uses + 1 WHERE id = ?1 AND revoked = 0 AND (max_uses = 0 OR uses < max_uses)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    rc = exec_changes(s, st, "counting a grant's use");
    return rc == ESEAL_ENOTFOUND ? ESEAL_ESTATE : rc;
}

#define TEMPLATE_COLS "org_id, sha256, name, format, size, created_by, created"

static int row_to_template(es_sql_stmt *st, eseal_template *t)
{
    memset(t, 0, sizeof(*t));
    if (!col_text(st, 0, t->org_id, sizeof(t->org_id)) || !col_text(st, 1, t->sha256, sizeof(t->sha256)) ||
        !col_text(st, 2, t->name, sizeof(t->name)) || !col_text(st, 3, t->format, sizeof(t->format)) ||
        !col_text(st, 5, t->created_by, sizeof(t->created_by))) {
        return too_long("reading a template");
    }
    t->size = es_sql_column_int64(st, 4);
    t->created_ms = es_sql_column_int64(st, 6);
    return ESEAL_OK;
}

static int sq_template_insert(eseal_store_governance_backend *be, const eseal_template *t, const void *bytes,
                              size_t len)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO templates (org_id, sha256, name, format, size, bytes, created_by, created) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {t->org_id, t->sha256, t->name, t->format};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i]);
    }
    es_sql_bind_int64(st, 5, t->size);
    es_sql_bind_blob(st, 6, len > 0 ? bytes : "", len);
    es_sql_bind_text(st, 7, t->created_by);
    es_sql_bind_int64(st, 8, t->created_ms);
    return insert_done(s, st, "recording a template");
}

static int sq_template_get(eseal_store_governance_backend *be, eseal_template *out, eseal_buf *bytes,
                           const char *org_id, const char *sha256)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " TEMPLATE_COLS ", bytes FROM templates WHERE org_id = ?1 AND sha256 = ?2");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, org_id);
    es_sql_bind_text(st, 2, sha256);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        rc = row_to_template(st, out);
        if (rc == ESEAL_OK && bytes != NULL) {
            es_buf b = ES_BUF_INIT(ESEAL_TEMPLATE_MAX_BYTES);
            es_result r = es_buf_append(&b, es_sql_column_blob(st, 7), es_sql_column_bytes(st, 7));
            if (es_ok(r)) {
                es_buf_move_out(bytes, &b);
            } else {
                es_buf_free(&b);
                rc = es_code(r);
            }
        }
    } else {
        rc = step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "reading a template");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_template_list(eseal_store_governance_backend *be, const char *org_id,
                            int (*cb)(const eseal_template *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = org_id != NULL
                 ? prepare(s, &st, "SELECT " TEMPLATE_COLS " FROM templates WHERE org_id = ?1 ORDER BY created, rowid")
                 : prepare(s, &st, "SELECT " TEMPLATE_COLS " FROM templates ORDER BY created, rowid");
    if (rc == ESEAL_OK && org_id != NULL) {
        es_sql_bind_text(st, 1, org_id);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_template t;
        rc = row_to_template(st, &t);
        rc = rc == ESEAL_OK ? cb(&t, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing templates");
    }
    es_sql_finalize(st);
    return rc;
}

/* ---- governance: webhooks and deliveries ------------------------------------------------------ */

#define WEBHOOK_COLS "id, org_id, url, events, secret, active, created_by, created"

static int row_to_webhook(es_sql_stmt *st, eseal_webhook *w)
{
    memset(w, 0, sizeof(*w));
    if (!col_text(st, 0, w->id, sizeof(w->id)) || !col_text(st, 1, w->org_id, sizeof(w->org_id)) ||
        !col_text(st, 2, w->url, sizeof(w->url)) || !col_text(st, 3, w->events, sizeof(w->events)) ||
        !col_text(st, 4, w->secret, sizeof(w->secret)) || !col_text(st, 6, w->created_by, sizeof(w->created_by))) {
        return too_long("reading a webhook");
    }
    w->active = (int)es_sql_column_int64(st, 5);
    w->created_ms = es_sql_column_int64(st, 7);
    return ESEAL_OK;
}

static int sq_webhook_insert(eseal_store_governance_backend *be, const eseal_webhook *w)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO webhooks (id, org_id, url, events, secret, active, created_by, created) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {w->id, w->org_id, w->url, w->events, w->secret};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i]);
    }
    es_sql_bind_int64(st, 6, w->active != 0);
    es_sql_bind_text(st, 7, w->created_by);
    es_sql_bind_int64(st, 8, w->created_ms);
    return insert_done(s, st, "recording a webhook");
}

static int sq_webhook_get(eseal_store_governance_backend *be, eseal_webhook *out, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW    ? row_to_webhook(st, out)
         : step == ES_SQL_DONE ? ESEAL_ENOTFOUND
                               : es_sql_fail(s->c, "reading a webhook");
    es_sql_finalize(st);
    return rc;
}

static int sq_webhook_list(eseal_store_governance_backend *be, const char *org_id,
                           int (*cb)(const eseal_webhook *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = org_id != NULL
                 ? prepare(s, &st, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE org_id = ?1 ORDER BY created, rowid")
                 : prepare(s, &st, "SELECT " WEBHOOK_COLS " FROM webhooks ORDER BY created, rowid");
    if (rc == ESEAL_OK && org_id != NULL) {
        es_sql_bind_text(st, 1, org_id);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_webhook w;
        rc = row_to_webhook(st, &w);
        rc = rc == ESEAL_OK ? cb(&w, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing webhooks");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_webhook_remove(eseal_store_governance_backend *be, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "DELETE FROM webhooks WHERE id = ?1"); /* its deliveries: ON DELETE CASCADE */
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    return exec_changes(s, st, "removing a webhook");
}

#define DELIVERY_COLS                                                                                              \
    "d.id, d.webhook_id, w.org_id, d.event_id, d.event_type, d.body, d.status, d.attempts, d.next_attempt, "        \
    "d.last_status, d.last_error, d.created, d.updated"

/* A delivery is large (its body): read into the caller's record. */
static int row_to_delivery(es_sql_stmt *st, eseal_delivery *d)
{
    memset(d, 0, sizeof(*d));
    if (!col_text(st, 0, d->id, sizeof(d->id)) || !col_text(st, 1, d->webhook_id, sizeof(d->webhook_id)) ||
        !col_text(st, 2, d->org_id, sizeof(d->org_id)) || !col_text(st, 3, d->event_id, sizeof(d->event_id)) ||
        !col_text(st, 4, d->event_type, sizeof(d->event_type)) || !col_text(st, 5, d->body, sizeof(d->body)) ||
        !col_text(st, 10, d->last_error, sizeof(d->last_error))) {
        return too_long("reading a delivery");
    }
    d->status = (eseal_delivery_status)(int)es_sql_column_int64(st, 6);
    d->attempts = es_sql_column_int64(st, 7);
    d->next_attempt_ms = es_sql_column_int64(st, 8);
    d->last_status = es_sql_column_int64(st, 9);
    d->created_ms = es_sql_column_int64(st, 11);
    d->updated_ms = es_sql_column_int64(st, 12);
    return ESEAL_OK;
}

static int sq_delivery_insert(eseal_store_governance_backend *be, const eseal_delivery *d)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO deliveries (id, webhook_id, event_id, event_type, body, status, attempts, "
                     "next_attempt, last_status, last_error, created, updated) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {d->id, d->webhook_id, d->event_id, d->event_type, d->body};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i]);
    }
    es_sql_bind_int64(st, 6, (int)d->status);
    es_sql_bind_int64(st, 7, d->attempts);
    es_sql_bind_int64(st, 8, d->next_attempt_ms);
    es_sql_bind_int64(st, 9, d->last_status);
    es_sql_bind_text(st, 10, d->last_error);
    es_sql_bind_int64(st, 11, d->created_ms);
    es_sql_bind_int64(st, 12, d->updated_ms);
    return insert_done(s, st, "queuing a delivery");
}

static int sq_delivery_get(eseal_store_governance_backend *be, eseal_delivery *out, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "SELECT " DELIVERY_COLS " FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW    ? row_to_delivery(st, out)
         : step == ES_SQL_DONE ? ESEAL_ENOTFOUND
                               : es_sql_fail(s->c, "reading a delivery");
    es_sql_finalize(st);
    return rc;
}

/* Runs a SELECT of deliveries whose parameters are bound, one record (on the heap: a body is 16 KiB) per row. */
static int delivery_rows(sq *s, es_sql_stmt *st, int (*cb)(const eseal_delivery *, void *), void *payload,
                         const char *what)
{
    eseal_delivery *d = es_calloc(1, sizeof(*d));
    int rc = d != NULL ? ESEAL_OK : es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        rc = row_to_delivery(st, d);
        rc = rc == ESEAL_OK ? cb(d, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, what);
    }
    es_sql_finalize(st);
    es_free(d);
    return rc;
}

static int sq_delivery_list(eseal_store_governance_backend *be, const char *webhook_id, size_t max,
                            int (*cb)(const eseal_delivery *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "SELECT " DELIVERY_COLS " FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id "
                     "WHERE d.webhook_id = ?1 ORDER BY d.created DESC, d.rowid DESC LIMIT ?2");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, webhook_id);
    es_sql_bind_int64(st, 2, (int64_t)max);
    return delivery_rows(s, st, cb, payload, "listing deliveries");
}

static int sq_delivery_due(eseal_store_governance_backend *be, int64_t now_ms, size_t max,
                           int (*cb)(const eseal_delivery *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "SELECT " DELIVERY_COLS " FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id "
                     "WHERE d.status = ?1 AND d.next_attempt <= ?2 ORDER BY d.next_attempt, d.rowid LIMIT ?3");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_int64(st, 1, (int)ESEAL_DELIVERY_PENDING);
    es_sql_bind_int64(st, 2, now_ms);
    es_sql_bind_int64(st, 3, (int64_t)max);
    return delivery_rows(s, st, cb, payload, "reading the deliveries due");
}

static int sq_delivery_update(eseal_store_governance_backend *be, const eseal_delivery *d)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE deliveries SET status = ?2, attempts = ?3, next_attempt = ?4, last_status = ?5, "
                     "last_error = ?6, updated = ?7 WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, d->id);
    es_sql_bind_int64(st, 2, (int)d->status);
    es_sql_bind_int64(st, 3, d->attempts);
    es_sql_bind_int64(st, 4, d->next_attempt_ms);
    es_sql_bind_int64(st, 5, d->last_status);
    es_sql_bind_text(st, 6, d->last_error);
    es_sql_bind_int64(st, 7, d->updated_ms);
    return exec_changes(s, st, "recording a delivery attempt");
}

/* One statement: of two senders (threads, processes) that read the same due row, one moves it. */
static int sq_delivery_claim(eseal_store_governance_backend *be, const char *id, int64_t expect_ms, int64_t until_ms)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE deliveries SET next_attempt = ?3 WHERE id = ?1 AND status = ?4 AND next_attempt = ?2");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, expect_ms);
    es_sql_bind_int64(st, 3, until_ms);
    es_sql_bind_int64(st, 4, (int)ESEAL_DELIVERY_PENDING);
    rc = exec_changes(s, st, "taking a delivery");
    return rc == ESEAL_ENOTFOUND ? ESEAL_ESTATE : rc;
}

/* ---- governance: stamp requests, their documents and decisions -------------------------------- */

/* Opens a transaction for a change of several statements: the caller's when one is open (a savepoint
 * in it, so that a failure undoes this change only and leaves the caller's to it), else one of its
 * own, taken for writing at once (BEGIN IMMEDIATE, as sq_begin). *own says which. */
static int change_begin(sq *s, bool *own)
{
    *own = !es_sql_in_transaction(s->c);
    return *own ? s->c->drv->begin(s->c) : es_sql_exec(s->c, "SAVEPOINT es_change");
}

/* Ends what change_begin opened: kept when rc is ESEAL_OK (and rc is what the commit says), else
 * undone; rc is returned. */
static int change_end(sq *s, bool own, int rc)
{
    if (rc == ESEAL_OK) {
        return own ? s->c->drv->commit(s->c) : es_sql_exec(s->c, "RELEASE es_change");
    }
    (void)(own ? s->c->drv->rollback(s->c) : es_sql_exec(s->c, "ROLLBACK TO es_change; RELEASE es_change"));
    return rc;
}

#define REQUEST_COLS                                                                                               \
    "id, org_id, seal, requester, grant_id, approval, doc_type, purpose, page, x_mm, y_mm, xy_exact, cross_page, " \
    "level, qr, status, step, docs, done, created, updated"

static int row_to_request(es_sql_stmt *st, eseal_request *r)
{
    memset(r, 0, sizeof(*r));
    if (!col_text(st, 0, r->id, sizeof(r->id)) || !col_text(st, 1, r->org_id, sizeof(r->org_id)) ||
        !col_text(st, 2, r->seal, sizeof(r->seal)) || !col_text(st, 3, r->requester, sizeof(r->requester)) ||
        !col_text(st, 4, r->grant, sizeof(r->grant)) || !col_text(st, 5, r->approval, sizeof(r->approval)) ||
        !col_text(st, 6, r->doc_type, sizeof(r->doc_type)) || !col_text(st, 7, r->purpose, sizeof(r->purpose))) {
        return too_long("reading a request");
    }
    r->page = (int)es_sql_column_int64(st, 8);
    r->x_mm = es_sql_column_double(st, 9);
    r->y_mm = es_sql_column_double(st, 10);
    r->xy_exact = (int)es_sql_column_int64(st, 11);
    r->cross_page = (int)es_sql_column_int64(st, 12);
    r->level = (int)es_sql_column_int64(st, 13);
    r->qr = (int)es_sql_column_int64(st, 14);
    r->status = (eseal_request_status)(int)es_sql_column_int64(st, 15);
    r->step = (unsigned int)es_sql_column_int64(st, 16);
    r->docs = es_sql_column_int64(st, 17);
    r->done = es_sql_column_int64(st, 18);
    r->created_ms = es_sql_column_int64(st, 19);
    r->updated_ms = es_sql_column_int64(st, 20);
    return ESEAL_OK;
}

/* The request row of sq_request_insert. */
static int request_row_insert(sq *s, const eseal_request *r)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO requests (" REQUEST_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                     "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    const char *txt[] = {r->id, r->org_id, r->seal, r->requester, r->grant, r->approval, r->doc_type, r->purpose};
    for (int i = 0; i < ES_SQ_LEN(txt); i++) {
        es_sql_bind_text(st, i + 1, txt[i]);
    }
    es_sql_bind_int64(st, 9, r->page);
    es_sql_bind_double(st, 10, r->x_mm);
    es_sql_bind_double(st, 11, r->y_mm);
    es_sql_bind_int64(st, 12, r->xy_exact);
    es_sql_bind_int64(st, 13, r->cross_page);
    es_sql_bind_int64(st, 14, r->level);
    es_sql_bind_int64(st, 15, r->qr);
    es_sql_bind_int64(st, 16, (int)r->status);
    es_sql_bind_int64(st, 17, (int64_t)r->step);
    es_sql_bind_int64(st, 18, r->docs);
    es_sql_bind_int64(st, 19, r->done);
    es_sql_bind_int64(st, 20, r->created_ms);
    es_sql_bind_int64(st, 21, r->updated_ms);
    return insert_done(s, st, "recording a request");
}

/* The documents of sq_request_insert: one statement, bound again for each. Their request, index and
 * stamp are the request's, their position and none (eseal/sys/store.h), whatever the records say. */
static int request_docs_insert(sq *s, const char *request_id, const eseal_request_doc *docs, size_t n)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO request_docs (request_id, idx, name, format, sha256, size, serial, log_index) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', -1)");
    for (size_t i = 0; rc == ESEAL_OK && i < n; i++) {
        es_sql_bind_text(st, 1, request_id);
        es_sql_bind_int64(st, 2, (int64_t)i);
        es_sql_bind_text(st, 3, docs[i].name);
        es_sql_bind_text(st, 4, docs[i].format);
        es_sql_bind_text(st, 5, docs[i].sha256);
        es_sql_bind_int64(st, 6, docs[i].size);
        if (es_sql_step(st) != ES_SQL_DONE) {
            rc = es_sql_fail(s->c, "recording a request's document");
        }
        es_sql_reset(st);
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_request_insert(eseal_store_governance_backend *be, const eseal_request *r, const eseal_request_doc *docs,
                             size_t n)
{
    sq *s = governance_sq(be);
    bool own = false;
    int rc = change_begin(s, &own);
    if (rc != ESEAL_OK) {
        return rc;
    }
    rc = request_row_insert(s, r);
    rc = rc == ESEAL_OK ? request_docs_insert(s, r->id, docs, n) : rc;
    return change_end(s, own, rc);
}

static int sq_request_get(eseal_store_governance_backend *be, eseal_request *out, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " REQUEST_COLS " FROM requests WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW    ? row_to_request(st, out)
         : step == ES_SQL_DONE ? ESEAL_ENOTFOUND
                               : es_sql_fail(s->c, "reading a request");
    es_sql_finalize(st);
    return rc;
}

/* Newest first. The filters are written into the statement only when given, so that an
 * organisation's list reads requests_org, or requests_org_status for one status, in its order
 * (walked backwards: no sort). */
static int sq_request_list(eseal_store_governance_backend *be, const char *org_id, eseal_request_status status,
                           const char *requester, int (*cb)(const eseal_request *, void *), void *payload)
{
    sq *s = governance_sq(be);
    char sql[sizeof("SELECT " REQUEST_COLS " FROM requests WHERE 1 = 1 AND org_id = ?1 AND status = ?2 AND "
                    "requester = ?3 ORDER BY created DESC, rowid DESC")];
    (void)snprintf(sql, sizeof(sql),
                   "SELECT " REQUEST_COLS " FROM requests WHERE 1 = 1%s%s%s ORDER BY created DESC, rowid DESC",
                   org_id != NULL ? " AND org_id = ?1" : "", status != 0 ? " AND status = ?2" : "",
                   requester != NULL ? " AND requester = ?3" : "");
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, sql);
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (org_id != NULL) {
        es_sql_bind_text(st, 1, org_id);
    }
    if (status != 0) {
        es_sql_bind_int64(st, 2, (int)status);
    }
    if (requester != NULL) {
        es_sql_bind_text(st, 3, requester);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_request r;
        rc = row_to_request(st, &r);
        rc = rc == ESEAL_OK ? cb(&r, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing requests");
    }
    es_sql_finalize(st);
    return rc;
}

/* After a conditional statement changed no row: ESEAL_ESTATE when request `id` exists (it is not in
 * the state asked for), else ESEAL_ENOTFOUND. */
static int request_which(sq *s, const char *id)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT 1 FROM requests WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW ? ESEAL_ESTATE : step == ES_SQL_DONE ? ESEAL_ENOTFOUND : es_sql_fail(s->c, "reading a request");
    es_sql_finalize(st);
    return rc;
}

/* One statement: of two deciders (threads, processes) that read the request at the same step, one
 * moves it; the other changes nothing and is told (the condition is read by the write itself). */
static int sq_request_advance(eseal_store_governance_backend *be, const char *id, eseal_request_status from_status,
                              unsigned int from_step, eseal_request_status to_status, unsigned int to_step,
                              int64_t at_ms)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE requests SET status = ?4, step = ?5, updated = ?6 "
                     "WHERE id = ?1 AND status = ?2 AND step = ?3");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, (int)from_status);
    es_sql_bind_int64(st, 3, (int64_t)from_step);
    es_sql_bind_int64(st, 4, (int)to_status);
    es_sql_bind_int64(st, 5, (int64_t)to_step);
    es_sql_bind_int64(st, 6, at_ms);
    rc = exec_changes(s, st, "moving a request on");
    return rc == ESEAL_ENOTFOUND ? request_which(s, id) : rc;
}

#define REQUEST_DOC_COLS "request_id, idx, name, format, sha256, size, serial, log_index"

static int row_to_request_doc(es_sql_stmt *st, eseal_request_doc *d)
{
    memset(d, 0, sizeof(*d));
    if (!col_text(st, 0, d->request_id, sizeof(d->request_id)) || !col_text(st, 2, d->name, sizeof(d->name)) ||
        !col_text(st, 3, d->format, sizeof(d->format)) || !col_text(st, 4, d->sha256, sizeof(d->sha256)) ||
        !col_text(st, 6, d->serial, sizeof(d->serial))) {
        return too_long("reading a request's document");
    }
    d->index = es_sql_column_int64(st, 1);
    d->size = es_sql_column_int64(st, 5);
    d->log_index = es_sql_column_int64(st, 7);
    return ESEAL_OK;
}

static int sq_request_docs(eseal_store_governance_backend *be, const char *id,
                           int (*cb)(const eseal_request_doc *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " REQUEST_DOC_COLS " FROM request_docs WHERE request_id = ?1 ORDER BY idx");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_request_doc d;
        rc = row_to_request_doc(st, &d);
        rc = rc == ESEAL_OK ? cb(&d, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing a request's documents");
    }
    es_sql_finalize(st);
    return rc;
}

/* The document half of sq_request_doc_stamped: the first unstamped document of an approved request
 * with that SHA-256 gets the stamp, in one statement (two executions cannot both take it: the
 * second finds serial set). *index: its index. */
static int request_doc_mark(sq *s, const char *id, const char *sha256, const char *serial, int64_t log_index,
                            int64_t *index)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE request_docs SET serial = ?3, log_index = ?4 WHERE request_id = ?1 AND idx = "
                     "(SELECT min(idx) FROM request_docs WHERE request_id = ?1 AND sha256 = ?2 AND serial = '') "
                     "AND serial = '' AND EXISTS (SELECT 1 FROM requests WHERE id = ?1 AND status = ?5) RETURNING idx");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_text(st, 2, sha256);
    es_sql_bind_text(st, 3, serial);
    es_sql_bind_int64(st, 4, log_index);
    es_sql_bind_int64(st, 5, (int)ESEAL_REQUEST_APPROVED);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        *index = es_sql_column_int64(st, 0);
        step = es_sql_step(st); /* one row: (request_id, idx) is the key */
    } else if (step == ES_SQL_DONE) {
        rc = ESEAL_ESTATE;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "marking a request's document stamped");
    }
    es_sql_finalize(st);
    return rc;
}

/* The request half: one more done, executed with the last one. */
static int request_count_done(sq *s, const char *id, int64_t at_ms)
{
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "UPDATE requests SET done = done + 1, updated = ?2, status = CASE WHEN done + 1 = docs THEN ?4 "
                     "ELSE status END WHERE id = ?1 AND status = ?3 AND done < docs");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, at_ms);
    es_sql_bind_int64(st, 3, (int)ESEAL_REQUEST_APPROVED);
    es_sql_bind_int64(st, 4, (int)ESEAL_REQUEST_EXECUTED);
    rc = exec_changes(s, st, "counting a request's stamp");
    return rc == ESEAL_ENOTFOUND ? ESEAL_ESTATE : rc;
}

/*
 * Two conditional statements, kept together: the caller's transaction holds them (the stamp's
 * audit entry: eseal/sys/store.h), and a savepoint in it undoes the first when the second fails,
 * which the caller's rollback would too; called outside one, they get one of their own rather than
 * commit a document stamped and not counted.
 */
static int sq_request_doc_stamped(eseal_store_governance_backend *be, const char *id, const char *sha256,
                                  const char *serial, int64_t log_index, int64_t at_ms, int64_t *index)
{
    sq *s = governance_sq(be);
    bool own = false;
    int rc = change_begin(s, &own);
    if (rc != ESEAL_OK) {
        return rc;
    }
    int64_t idx = -1;
    rc = request_doc_mark(s, id, sha256, serial, log_index, &idx);
    rc = rc == ESEAL_OK ? request_count_done(s, id, at_ms) : rc;
    rc = rc == ESEAL_ESTATE ? request_which(s, id) : rc;
    rc = change_end(s, own, rc);
    if (rc == ESEAL_OK && index != NULL) {
        *index = idx;
    }
    return rc;
}

/* The document stamped by entry `log_index`, if any, is not stamped after all (its stamp was recorded
 * and never published): cleared, and its request's count one less (approved again if executed). A
 * rare path (a failure entry): the documents are looked up by a scan. */
static int sq_request_doc_unstamp(eseal_store_governance_backend *be, int64_t log_index)
{
    sq *s = governance_sq(be);
    bool own = false;
    int rc = change_begin(s, &own);
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_stmt *st = NULL;
    rc = prepare(s, &st, "UPDATE request_docs SET serial = '', log_index = -1 WHERE log_index = ?1 AND serial != '' "
                         "RETURNING request_id");
    char id[ESEAL_REQUEST_ID_LEN + 1] = "";
    if (rc == ESEAL_OK) {
        es_sql_bind_int64(st, 1, log_index);
        int step = es_sql_step(st);
        if (step == ES_SQL_ROW && !col_text(st, 0, id, sizeof(id))) {
            rc = too_long("clearing a request's document");
        } else if (step == ES_SQL_ROW) {
            step = es_sql_step(st); /* an entry stamps one document */
        }
        if (rc == ESEAL_OK && step != ES_SQL_DONE) {
            rc = es_sql_fail(s->c, "clearing a request's document");
        }
        es_sql_finalize(st);
    }
    if (rc == ESEAL_OK && id[0] != '\0') {
        rc = prepare(s, &st, "UPDATE requests SET done = done - 1, status = CASE WHEN status = ?2 THEN ?3 ELSE status "
                             "END WHERE id = ?1 AND done > 0");
        if (rc == ESEAL_OK) {
            es_sql_bind_text(st, 1, id);
            es_sql_bind_int64(st, 2, (int)ESEAL_REQUEST_EXECUTED);
            es_sql_bind_int64(st, 3, (int)ESEAL_REQUEST_APPROVED);
            rc = es_sql_step(st) == ES_SQL_DONE ? ESEAL_OK : es_sql_fail(s->c, "uncounting a request's document");
            es_sql_finalize(st);
        }
    }
    return change_end(s, own, rc);
}

static int sq_decision_insert(eseal_store_governance_backend *be, const eseal_decision *d)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO decisions (id, request_id, step, approver, approve, comment, comment_sha256, "
                     "docs_sha256, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, d->id);
    es_sql_bind_text(st, 2, d->request_id);
    es_sql_bind_int64(st, 3, (int64_t)d->step);
    es_sql_bind_text(st, 4, d->approver);
    es_sql_bind_int64(st, 5, d->approve != 0);
    es_sql_bind_text(st, 6, d->comment);
    es_sql_bind_text(st, 7, d->comment_sha256);
    es_sql_bind_text(st, 8, d->docs_sha256);
    es_sql_bind_int64(st, 9, d->at_ms);
    return insert_done(s, st, "recording a decision");
}

#define DECISION_COLS "id, request_id, step, approver, approve, comment, comment_sha256, docs_sha256, at"

static int row_to_decision(es_sql_stmt *st, eseal_decision *d)
{
    memset(d, 0, sizeof(*d));
    if (!col_text(st, 0, d->id, sizeof(d->id)) || !col_text(st, 1, d->request_id, sizeof(d->request_id)) ||
        !col_text(st, 3, d->approver, sizeof(d->approver)) || !col_text(st, 5, d->comment, sizeof(d->comment)) ||
        !col_text(st, 6, d->comment_sha256, sizeof(d->comment_sha256)) ||
        !col_text(st, 7, d->docs_sha256, sizeof(d->docs_sha256))) {
        return too_long("reading a decision");
    }
    d->step = (unsigned int)es_sql_column_int64(st, 2);
    d->approve = (int)es_sql_column_int64(st, 4);
    d->at_ms = es_sql_column_int64(st, 8);
    return ESEAL_OK;
}

static int sq_decision_list(eseal_store_governance_backend *be, const char *id,
                            int (*cb)(const eseal_decision *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " DECISION_COLS " FROM decisions WHERE request_id = ?1 ORDER BY at, rowid");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_decision d;
        rc = row_to_decision(st, &d);
        rc = rc == ESEAL_OK ? cb(&d, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing decisions");
    }
    es_sql_finalize(st);
    return rc;
}

/* ---- smart physical seals (issue 23 §4): devices, unlocks, impressions ----------------------- */

#define DEVICE_COLS "id, org_id, seal, chip_id, alg, pubkey, status, added_by, added, retired"

/* A blob column into an array of `cap` bytes; false when it does not fit. */
static bool col_blob(es_sql_stmt *st, int col, uint8_t *dst, size_t cap, size_t *len)
{
    const void *p = es_sql_column_blob(st, col);
    size_t n = es_sql_column_bytes(st, col);
    if (n > cap) {
        return false;
    }
    if (p != NULL && n > 0) {
        memcpy(dst, p, n);
    }
    *len = n;
    return true;
}

static int row_to_device(es_sql_stmt *st, eseal_device *d)
{
    memset(d, 0, sizeof(*d));
    if (!col_text(st, 0, d->id, sizeof(d->id)) || !col_text(st, 1, d->org_id, sizeof(d->org_id)) ||
        !col_text(st, 2, d->seal, sizeof(d->seal)) || !col_text(st, 3, d->chip_id, sizeof(d->chip_id)) ||
        !col_text(st, 4, d->alg, sizeof(d->alg)) || !col_blob(st, 5, d->key, sizeof(d->key), &d->key_len) ||
        !col_text(st, 7, d->added_by, sizeof(d->added_by))) {
        return too_long("reading a device");
    }
    d->status = (eseal_device_status)(int)es_sql_column_int64(st, 6);
    d->added_ms = es_sql_column_int64(st, 8);
    d->retired_ms = es_sql_column_int64(st, 9);
    return ESEAL_OK;
}

static int sq_device_insert(eseal_store_governance_backend *be, const eseal_device *d)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO devices (" DEVICE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, d->id);
    es_sql_bind_text(st, 2, d->org_id);
    es_sql_bind_text(st, 3, d->seal);
    es_sql_bind_text(st, 4, d->chip_id);
    es_sql_bind_text(st, 5, d->alg);
    es_sql_bind_blob(st, 6, d->key, d->key_len);
    es_sql_bind_int64(st, 7, (int)d->status);
    es_sql_bind_text(st, 8, d->added_by);
    es_sql_bind_int64(st, 9, d->added_ms);
    return insert_done(s, st, "recording a device");
}

static int sq_device_get(eseal_store_governance_backend *be, eseal_device *out, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW    ? row_to_device(st, out)
         : step == ES_SQL_DONE ? ESEAL_ENOTFOUND
                               : es_sql_fail(s->c, "reading a device");
    es_sql_finalize(st);
    return rc;
}

static int sq_device_list(eseal_store_governance_backend *be, const char *org_id, const char *seal,
                          int (*cb)(const eseal_device *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = seal != NULL     ? prepare(s, &st, "SELECT " DEVICE_COLS " FROM devices WHERE seal = ?1 ORDER BY added, rowid")
             : org_id != NULL ? prepare(s, &st, "SELECT " DEVICE_COLS " FROM devices WHERE org_id = ?1 ORDER BY added, rowid")
                              : prepare(s, &st, "SELECT " DEVICE_COLS " FROM devices ORDER BY added, rowid");
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (seal != NULL || org_id != NULL) {
        es_sql_bind_text(st, 1, seal != NULL ? seal : org_id);
    }
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_device d;
        rc = row_to_device(st, &d);
        rc = rc == ESEAL_OK ? cb(&d, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing devices");
    }
    es_sql_finalize(st);
    return rc;
}

static int sq_device_retire(eseal_store_governance_backend *be, const char *id, int64_t at_ms)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE devices SET status = 2, retired = ?2 WHERE id = ?1 AND status = 1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    es_sql_bind_int64(st, 2, at_ms);
    return exec_changes(s, st, "retiring a device");
}

#define UNLOCK_COLS "id, device_id, request_id, org_id, nonce, impressions, used, issued, expires"

static int row_to_unlock(es_sql_stmt *st, eseal_unlock *u)
{
    memset(u, 0, sizeof(*u));
    if (!col_text(st, 0, u->id, sizeof(u->id)) || !col_text(st, 1, u->device_id, sizeof(u->device_id)) ||
        !col_text(st, 2, u->request_id, sizeof(u->request_id)) || !col_text(st, 3, u->org_id, sizeof(u->org_id)) ||
        !col_text(st, 4, u->nonce, sizeof(u->nonce))) {
        return too_long("reading an unlock");
    }
    u->impressions = es_sql_column_int64(st, 5);
    u->used = es_sql_column_int64(st, 6);
    u->issued_ms = es_sql_column_int64(st, 7);
    u->expires_ms = es_sql_column_int64(st, 8);
    u->state = u->used >= u->impressions ? ESEAL_UNLOCK_SPENT : ESEAL_UNLOCK_ISSUED;
    return ESEAL_OK;
}

static int sq_unlock_insert(eseal_store_governance_backend *be, const eseal_unlock *u)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "INSERT INTO unlocks (" UNLOCK_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, u->id);
    es_sql_bind_text(st, 2, u->device_id);
    es_sql_bind_text(st, 3, u->request_id);
    es_sql_bind_text(st, 4, u->org_id);
    es_sql_bind_text(st, 5, u->nonce);
    es_sql_bind_int64(st, 6, u->impressions);
    es_sql_bind_int64(st, 7, u->issued_ms);
    es_sql_bind_int64(st, 8, u->expires_ms);
    return insert_done(s, st, "recording an unlock");
}

static int sq_unlock_get(eseal_store_governance_backend *be, eseal_unlock *out, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "SELECT " UNLOCK_COLS " FROM unlocks WHERE id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    int step = es_sql_step(st);
    rc = step == ES_SQL_ROW    ? row_to_unlock(st, out)
         : step == ES_SQL_DONE ? ESEAL_ENOTFOUND
                               : es_sql_fail(s->c, "reading an unlock");
    es_sql_finalize(st);
    return rc;
}

/* One statement: two reports racing for the last impression cannot both count it. */
static int sq_unlock_use(eseal_store_governance_backend *be, const char *id)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st, "UPDATE unlocks SET used = used + 1 WHERE id = ?1 AND used < impressions");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, id);
    rc = exec_changes(s, st, "counting an impression");
    if (rc == ESEAL_ENOTFOUND) {
        eseal_unlock u;
        rc = sq_unlock_get(be, &u, id) == ESEAL_OK ? ESEAL_ESTATE : ESEAL_ENOTFOUND;
    }
    return rc;
}

/* The CAST: PostgreSQL's sum of bigint is numeric, which the driver does not read as an integer. */
static int sq_unlock_committed(eseal_store_governance_backend *be, const char *request_id, int64_t now_ms, int64_t *n)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "SELECT CAST(coalesce(sum(CASE WHEN expires < ?2 THEN used ELSE impressions END), 0) AS BIGINT) "
                     "FROM unlocks WHERE request_id = ?1");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, request_id);
    es_sql_bind_int64(st, 2, now_ms);
    int step = es_sql_step(st);
    if (step == ES_SQL_ROW) {
        *n = es_sql_column_int64(st, 0);
    } else {
        rc = es_sql_fail(s->c, "counting a request's impressions");
    }
    es_sql_finalize(st);
    return rc;
}

#define IMPRESSION_COLS \
    "unlock_id, seq, device_id, request_id, time, lat, lon, photo_sha256, operator, sig, received, log_index"

static int row_to_impression(es_sql_stmt *st, eseal_impression *m)
{
    memset(m, 0, sizeof(*m));
    if (!col_text(st, 0, m->unlock_id, sizeof(m->unlock_id)) || !col_text(st, 2, m->device_id, sizeof(m->device_id)) ||
        !col_text(st, 3, m->request_id, sizeof(m->request_id)) || !col_text(st, 5, m->lat, sizeof(m->lat)) ||
        !col_text(st, 6, m->lon, sizeof(m->lon)) || !col_text(st, 7, m->photo_sha256, sizeof(m->photo_sha256)) ||
        !col_text(st, 8, m->operator_id, sizeof(m->operator_id)) ||
        !col_blob(st, 9, m->sig, sizeof(m->sig), &m->sig_len)) {
        return too_long("reading an impression");
    }
    m->seq = es_sql_column_int64(st, 1);
    m->time_ms = es_sql_column_int64(st, 4);
    m->received_ms = es_sql_column_int64(st, 10);
    m->log_index = es_sql_column_int64(st, 11);
    return ESEAL_OK;
}

static int sq_impression_insert(eseal_store_governance_backend *be, const eseal_impression *m)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "INSERT INTO impressions (" IMPRESSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                     "?11, ?12)");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, m->unlock_id);
    es_sql_bind_int64(st, 2, m->seq);
    es_sql_bind_text(st, 3, m->device_id);
    es_sql_bind_text(st, 4, m->request_id);
    es_sql_bind_int64(st, 5, m->time_ms);
    es_sql_bind_text(st, 6, m->lat);
    es_sql_bind_text(st, 7, m->lon);
    es_sql_bind_text(st, 8, m->photo_sha256);
    es_sql_bind_text(st, 9, m->operator_id);
    es_sql_bind_blob(st, 10, m->sig, m->sig_len);
    es_sql_bind_int64(st, 11, m->received_ms);
    es_sql_bind_int64(st, 12, m->log_index);
    return insert_done(s, st, "recording an impression");
}

static int sq_impression_list(eseal_store_governance_backend *be, const char *request_id,
                              int (*cb)(const eseal_impression *, void *), void *payload)
{
    sq *s = governance_sq(be);
    es_sql_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "SELECT " IMPRESSION_COLS " FROM impressions WHERE request_id = ?1 ORDER BY received, rowid");
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_sql_bind_text(st, 1, request_id);
    int step = ES_SQL_DONE;
    while (rc == ESEAL_OK && (step = es_sql_step(st)) == ES_SQL_ROW) {
        eseal_impression m;
        rc = row_to_impression(st, &m);
        rc = rc == ESEAL_OK ? cb(&m, payload) : rc;
    }
    if (rc == ESEAL_OK && step != ES_SQL_DONE) {
        rc = es_sql_fail(s->c, "listing impressions");
    }
    es_sql_finalize(st);
    return rc;
}

static void sq_governance_free(eseal_store_governance_backend *be) { es_free(be); }

static const eseal_store_governance_backend sql_governance = {
    .version = ESEAL_STORE_GOVERNANCE_BACKEND_VERSION,
    .grant_insert = sq_grant_insert,
    .grant_get = sq_grant_get,
    .grant_list = sq_grant_list,
    .grant_revoke = sq_grant_revoke,
    .grant_use = sq_grant_use,
    .template_insert = sq_template_insert,
    .template_get = sq_template_get,
    .template_list = sq_template_list,
    .free = sq_governance_free,
    .webhook_insert = sq_webhook_insert,
    .webhook_get = sq_webhook_get,
    .webhook_list = sq_webhook_list,
    .webhook_remove = sq_webhook_remove,
    .delivery_insert = sq_delivery_insert,
    .delivery_get = sq_delivery_get,
    .delivery_list = sq_delivery_list,
    .delivery_due = sq_delivery_due,
    .delivery_update = sq_delivery_update,
    .delivery_claim = sq_delivery_claim,
    .request_insert = sq_request_insert,
    .request_get = sq_request_get,
    .request_list = sq_request_list,
    .request_advance = sq_request_advance,
    .request_docs = sq_request_docs,
    .request_doc_stamped = sq_request_doc_stamped,
    .decision_insert = sq_decision_insert,
    .decision_list = sq_decision_list,
    .request_doc_unstamp = sq_request_doc_unstamp,
    .grant_update = sq_grant_update,
    .device_insert = sq_device_insert,
    .device_get = sq_device_get,
    .device_list = sq_device_list,
    .device_retire = sq_device_retire,
    .unlock_insert = sq_unlock_insert,
    .unlock_get = sq_unlock_get,
    .unlock_use = sq_unlock_use,
    .impression_insert = sq_impression_insert,
    .impression_list = sq_impression_list,
    .unlock_committed = sq_unlock_committed,
};

/* The governance backend on the database sq_open made (eseal_store_scheme version 3). */
int es_sql_governance_make(eseal_store_db *db, eseal_store_governance_backend **out)
{
    sq_governance *g = es_calloc(1, sizeof(*g));
    if (g == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    g->be = sql_governance;
    g->s = (sq *)(void *)db;
    *out = &g->be;
    return ESEAL_OK;
}


static void sq_registry_free(eseal_store_registry_backend *be) { es_free(be); }
static void sq_pki_free(eseal_store_pki_backend *be) { es_free(be); }
static void sq_log_free(eseal_store_log_backend *be) { es_free(be); }
static void sq_accounts_free(eseal_store_accounts_backend *be) { es_free(be); }

static const eseal_store_registry_backend sql_registry = {
    .version = ESEAL_STORE_REGISTRY_BACKEND_VERSION,
    .seal_insert = sq_seal_insert,
    .seal_ids = sq_seal_ids,
    .seal_get = sq_seal_get,
    .seal_update = sq_seal_update,
    .seal_receipt_put = sq_seal_receipt_put,
    .seal_receipt = sq_seal_receipt,
    .seal_list = sq_seal_list,
    .seal_event_add = sq_seal_event_add,
    .seal_events = sq_seal_events,
    .stamp_insert = sq_stamp_insert,
    .stamp_get = sq_stamp_get,
    .stamp_receipt_put = sq_stamp_receipt_put,
    .free = sq_registry_free,
};

static const eseal_store_pki_backend sql_pki = {
    .version = ESEAL_STORE_PKI_BACKEND_VERSION,
    .cert_insert = sq_cert_insert,
    .cert_ids = sq_cert_ids,
    .cert_get = sq_cert_get,
    .cert_newest = sq_cert_newest,
    .cert_list = sq_cert_list,
    .cert_list_roles = sq_cert_list_roles,
    .cert_revoke = sq_cert_revoke,
    .counter_add = sq_counter_add,
    .crl_put = sq_crl_put,
    .crl_latest = sq_crl_latest,
    .trusted_list_put = sq_trusted_list_put,
    .trusted_list_get = sq_trusted_list_get,
    .trusted_list_each = sq_trusted_list_each,
    .trusted_list_delete = sq_trusted_list_delete,
    .free = sq_pki_free,
};

static const eseal_store_log_backend sql_log = {
    .version = ESEAL_STORE_LOG_BACKEND_VERSION,
    .state = sq_log_state,
    .state_put = sq_log_state_put,
    .entries_put = sq_log_entries_put,
    .entry = sq_log_entry,
    .entries = sq_log_entries,
    .tile = sq_log_tile,
    .tile_put = sq_log_tile_put,
    .checkpoint_put = sq_log_checkpoint_put,
    .checkpoint = sq_log_checkpoint,
    .checkpoints = sq_log_checkpoints,
    .private_put = sq_log_private_put,
    .private_get = sq_log_private_get,
    .private_erase = sq_log_private_erase,
    .meta = sq_meta,
    .meta_put = sq_meta_put,
    .free = sq_log_free,
};

static const eseal_store_accounts_backend sql_accounts = {
    .version = ESEAL_STORE_ACCOUNTS_BACKEND_VERSION,
    .org_insert = sq_org_insert,
    .org_get = sq_org_get,
    .org_list = sq_org_list,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .user_list = sq_user_list,
    .user_update = sq_user_update,
    .token_insert = sq_token_insert,
    .token_by_digest = sq_token_by_digest,
    .token_get = sq_token_get,
    .token_list = sq_token_list,
    .token_update = sq_token_update,
    .throttle_get = sq_throttle_get,
    .throttle_put = sq_throttle_put,
    .session_insert = sq_session_insert,
    .session_get = sq_session_get,
    .session_touch = sq_session_touch,
    .session_end = sq_session_end,
    .free = sq_accounts_free,
};

es_sql_db *es_sql_db_of(eseal_store_db *db)
{
    return db != NULL && db->begin == sql_begin ? (es_sql_db *)(void *)db : NULL;
}

void es_sql_db_init(es_sql_db *db)
{
    db->be.version = ESEAL_STORE_DB_VERSION;
    db->be.begin = sql_begin;
    db->be.commit = sql_commit;
    db->be.rollback = sql_rollback;
}

int es_sql_backends_make(es_sql_db *s, eseal_store_registry_backend **reg_out, eseal_store_pki_backend **pki_out,
                         eseal_store_log_backend **log_out, eseal_store_accounts_backend **acc_out)
{
    sq_registry *reg = es_calloc(1, sizeof(*reg));
    sq_pki *pki = es_calloc(1, sizeof(*pki));
    sq_log *log = es_calloc(1, sizeof(*log));
    sq_accounts *acc = es_calloc(1, sizeof(*acc));
    if (reg == NULL || pki == NULL || log == NULL || acc == NULL) {
        es_free(reg);
        es_free(pki);
        es_free(log);
        es_free(acc);
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    reg->be = sql_registry;
    reg->s = s;
    pki->be = sql_pki;
    pki->s = s;
    log->be = sql_log;
    log->s = s;
    acc->be = sql_accounts;
    acc->s = s;
    *reg_out = &reg->be;
    *pki_out = &pki->be;
    *log_out = &log->be;
    *acc_out = &acc->be;
    return ESEAL_OK;
}
