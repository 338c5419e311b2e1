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
        return ESEAL_EINVAL;
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
        return ESEAL_ENOMEM;
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
    return s->be->cert_find_role(s->db, out, role, hierarchy);
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
