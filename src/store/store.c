/* SPDX-License-Identifier: Apache-2.0 */
/* The store front: picks a backend by scheme and forwards. */
#include <string.h>

#include "eseal/sys/store_backend.h"
#include "util/util.h"

struct eseal_store {
    const eseal_store_backend *be;
    void *db;
    int schema_version;
};

void eseal_cert_record_dispose(eseal_cert_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->id, &r->role, &r->hierarchy, &r->alg, &r->subject, &r->serial,
                       &r->issuer_id, &r->fingerprint, &r->pem, &r->key_file};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    memset(r, 0, sizeof(*r));
    r->revocation_reason = -1;
}

int eseal_store_open(eseal_store **out, const char *location)
{
    if (out == NULL || location == NULL) {
        ES_BAIL_ARG("out == NULL || location == NULL");
    }
    const eseal_store_backend *be = NULL;
    const char *rest = location;
    if (es_str_starts(location, "sqlite:")) {
        be = eseal_store_backend_sqlite();
        rest = location + 7;
    } else if (es_str_starts(location, "postgresql:") || es_str_starts(location, "postgres:")) {
        return es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                    "store: the PostgreSQL backend is not built yet (use sqlite:PATH)"));
    } else {
        be = eseal_store_backend_sqlite();
    }
    eseal_store *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    s->be = be;
    int rc = be->open(&s->db, rest);
    if (rc == ESEAL_OK) {
        rc = be->migrate(s->db, &s->schema_version);
        if (rc != ESEAL_OK) {
            be->close(s->db);
        }
    }
    if (rc != ESEAL_OK) {
        es_free(s);
        return rc;
    }
    *out = s;
    return ESEAL_OK;
}

void eseal_store_close(eseal_store *s)
{
    if (s != NULL) {
        s->be->close(s->db);
        es_free(s);
    }
}

int eseal_store_schema_version(eseal_store *s, int *out)
{
    *out = s->schema_version;
    return ESEAL_OK;
}

int eseal_store_begin(eseal_store *s) { return s->be->begin(s->db); }
int eseal_store_commit(eseal_store *s) { return s->be->commit(s->db); }
int eseal_store_rollback(eseal_store *s) { return s->be->rollback(s->db); }
int eseal_store_cert_insert(eseal_store *s, const eseal_cert_record *r) { return s->be->cert_insert(s->db, r); }
int eseal_store_cert_find(eseal_store *s, eseal_cert_record *out, const char *ref)
{
    return s->be->cert_find(s->db, out, ref);
}
int eseal_store_cert_find_role(eseal_store *s, eseal_cert_record *out, const char *role, const char *hierarchy)
{
    /* The current certificate of a role is the newest one; older ones are superseded (kept to verify
     * what they signed). When the newest is revoked there is no current one: falling back to a
     * superseded key the operator replaced would be a surprise, so say what to do instead. */
    eseal_cert_record r;
    int rc = s->be->cert_find_role(s->db, &r, role, hierarchy);
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (r.revoked_ms != 0) {
        char when[ES_RFC3339_LEN];
        es_time_rfc3339(when, r.revoked_ms);
        rc = es_code(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                                  "the %s %s certificate %s was revoked at %s; make a new one with "
                                  "'eseal ca renew %s --alg %s'",
                                  hierarchy, role, r.id, when, role, hierarchy));
        eseal_cert_record_dispose(&r);
        return rc;
    }
    *out = r;
    return ESEAL_OK;
}
int eseal_store_cert_list(eseal_store *s, int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    return s->be->cert_list(s->db, cb, payload);
}
int eseal_store_cert_revoke(eseal_store *s, const char *id, int64_t at_ms, int reason)
{
    return s->be->cert_revoke(s->db, id, at_ms, reason);
}
int eseal_store_counter_next(eseal_store *s, const char *name, uint64_t *out)
{
    return s->be->counter_next(s->db, name, out);
}
int eseal_store_counter_reserve(eseal_store *s, const char *name, uint64_t n, uint64_t floor, uint64_t *first)
{
    if (s == NULL || name == NULL || first == NULL || n == 0 || n > (1u << 20) || floor > (UINT64_C(1) << 62)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: invalid counter reservation"));
    }
    return s->be->counter_reserve(s->db, name, n, floor, first);
}
int eseal_store_crl_put(eseal_store *s, const char *issuer_id, uint64_t number, const void *der, size_t len,
                        int64_t tu, int64_t nu)
{
    return s->be->crl_put(s->db, issuer_id, number, der, len, tu, nu);
}
int eseal_store_crl_latest(eseal_store *s, eseal_buf *der, const char *issuer_id)
{
    return s->be->crl_latest(s->db, der, issuer_id);
}

void eseal_seal_record_dispose(eseal_seal_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->esid, &r->name, &r->owner, &r->cert_ids, &r->maker_cert_id,
                       &r->state, &r->prev_esid, &r->next_esid, &r->sha256, &r->imprint};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    memset(r, 0, sizeof(*r));
}

void eseal_seal_event_dispose(eseal_seal_event *e)
{
    if (e == NULL) {
        return;
    }
    es_free(e->esid);
    es_free(e->from_state);
    es_free(e->to_state);
    es_free(e->actor);
    es_free(e->reason);
    memset(e, 0, sizeof(*e));
}

int eseal_store_seal_insert(eseal_store *s, const eseal_seal_record *rec, const void *der, size_t len)
{
    return s->be->seal_insert(s->db, rec, der, len);
}
int eseal_store_seal_find(eseal_store *s, eseal_seal_record *out, eseal_buf *der, const char *ref)
{
    return s->be->seal_find(s->db, out, der, ref);
}
int eseal_store_seal_update(eseal_store *s, const char *esid, const char *state, int64_t at_ms, const char *next_esid)
{
    return s->be->seal_update(s->db, esid, state, at_ms, next_esid);
}
int eseal_store_seal_receipt_put(eseal_store *s, const char *esid, const void *der, size_t len)
{
    return s->be->seal_receipt_put(s->db, esid, der, len);
}
int eseal_store_seal_receipt(eseal_store *s, eseal_buf *der, const char *esid)
{
    return s->be->seal_receipt(s->db, der, esid);
}
int eseal_store_seal_list(eseal_store *s, int (*cb)(const eseal_seal_record *, void *), void *payload)
{
    return s->be->seal_list(s->db, cb, payload);
}
int eseal_store_seal_event_add(eseal_store *s, const eseal_seal_event *ev, int64_t *seq)
{
    return s->be->seal_event_add(s->db, ev, seq);
}
int eseal_store_seal_events(eseal_store *s, const char *esid, int (*cb)(const eseal_seal_event *, void *),
                            void *payload)
{
    return s->be->seal_events(s->db, esid, cb, payload);
}

/* ---- the audit log, stamps, named values ---------------------------------- */

#define ES_STORE_LOG_MAX_ENTRY 65535u
#define ES_STORE_LOG_MAX_INDEX (UINT64_C(1) << 62)

static int store_einval(const char *what)
{
    return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: invalid %s", what));
}

int eseal_store_log_state(eseal_store *s, eseal_buf *out) { return s->be->log_state(s->db, out); }
int eseal_store_log_state_put(eseal_store *s, const void *state, size_t len)
{
    return s->be->log_state_put(s->db, state, len);
}
int eseal_store_log_entries_put(eseal_store *s, uint64_t first, const eseal_store_bytes *entries, size_t n)
{
    if (entries == NULL || n == 0 || first > ES_STORE_LOG_MAX_INDEX || n > ES_STORE_LOG_MAX_INDEX - first) {
        return store_einval("log entry range");
    }
    for (size_t i = 0; i < n; i++) {
        if (entries[i].len > ES_STORE_LOG_MAX_ENTRY || (entries[i].data == NULL && entries[i].len != 0)) {
            return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                                        "store: log entry %llu has %zu bytes (at most 65535)",
                                        (unsigned long long)(first + i), entries[i].len));
        }
    }
    return s->be->log_entries_put(s->db, first, entries, n);
}
int eseal_store_log_entry(eseal_store *s, eseal_buf *out, uint64_t index)
{
    return index > ES_STORE_LOG_MAX_INDEX ? store_einval("log index") : s->be->log_entry(s->db, out, index);
}
int eseal_store_log_entries(eseal_store *s, uint64_t from, uint64_t to,
                            int (*cb)(uint64_t, const void *, size_t, void *), void *payload)
{
    if (cb == NULL || from > to || to > ES_STORE_LOG_MAX_INDEX) {
        return store_einval("log entry range");
    }
    return s->be->log_entries(s->db, from, to, cb, payload);
}
int eseal_store_log_tile(eseal_store *s, eseal_buf *out, unsigned level, uint64_t n)
{
    return level > 63 ? store_einval("tile level") : s->be->log_tile(s->db, out, level, n);
}
int eseal_store_log_tile_put(eseal_store *s, unsigned level, uint64_t n, const void *data, size_t len)
{
    if (level > 63 || data == NULL || len == 0 || len > 256 * 32 || len % 32 != 0) {
        return store_einval("tile");
    }
    return s->be->log_tile_put(s->db, level, n, data, len);
}
int eseal_store_log_checkpoint_put(eseal_store *s, uint64_t size, const char *note, int64_t at_ms)
{
    return note == NULL || size > ES_STORE_LOG_MAX_INDEX ? store_einval("checkpoint")
                                                         : s->be->log_checkpoint_put(s->db, size, note, at_ms);
}
int eseal_store_log_checkpoint(eseal_store *s, eseal_buf *note, uint64_t size, uint64_t *size_out)
{
    return s->be->log_checkpoint(s->db, note, size, size_out);
}
int eseal_store_log_checkpoints(eseal_store *s, int (*cb)(uint64_t, const char *, int64_t, void *), void *payload)
{
    return cb == NULL ? store_einval("callback") : s->be->log_checkpoints(s->db, cb, payload);
}
int eseal_store_log_private_put(eseal_store *s, uint64_t index, const char *kind, const void *data, size_t len)
{
    return kind == NULL || data == NULL ? store_einval("private data")
                                        : s->be->log_private_put(s->db, index, kind, data, len);
}
int eseal_store_log_private(eseal_store *s, eseal_buf *out, uint64_t index, const char *kind)
{
    return kind == NULL ? store_einval("private data kind") : s->be->log_private(s->db, out, index, kind);
}
int eseal_store_log_private_erase(eseal_store *s, uint64_t index, const char *kind)
{
    return kind == NULL ? store_einval("private data kind") : s->be->log_private_erase(s->db, index, kind);
}
int eseal_store_meta(eseal_store *s, eseal_buf *out, const char *name)
{
    return name == NULL ? store_einval("name") : s->be->meta(s->db, out, name);
}
int eseal_store_meta_put(eseal_store *s, const char *name, const void *data, size_t len)
{
    return name == NULL || (data == NULL && len != 0) ? store_einval("named value")
                                                      : s->be->meta_put(s->db, name, data, len);
}

void eseal_stamp_record_dispose(eseal_stamp_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->serial, &r->esid, &r->cert_id, &r->kind, &r->doc_sha256, &r->receipt};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    memset(r, 0, sizeof(*r));
    r->log_index = -1;
}
int eseal_store_stamp_insert(eseal_store *s, const eseal_stamp_record *rec)
{
    return rec == NULL || rec->serial == NULL ? store_einval("stamp record") : s->be->stamp_insert(s->db, rec);
}
int eseal_store_stamp_find(eseal_store *s, eseal_stamp_record *out, const char *serial)
{
    return serial == NULL ? store_einval("stamp serial") : s->be->stamp_find(s->db, out, serial);
}
int eseal_store_stamp_receipt_put(eseal_store *s, const char *serial, const char *receipt)
{
    return serial == NULL || receipt == NULL ? store_einval("stamp receipt")
                                             : s->be->stamp_receipt_put(s->db, serial, receipt);
}
