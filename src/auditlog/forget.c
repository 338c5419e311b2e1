/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Forgetting the salt of an entry's address or device commitment (the front door,
 * eseal_instance_log_forget, is src/service/log.c: it asks the policy and checks the passphrase
 * first). A forgotten salt is itself an audit entry, committed with the erasure.
 */
#include <string.h>

#include "eseal/log.h"
#include "handle.h"
#include "maxima.h"

int eseal_log_field_from_name(eseal_log_field *out, const char *name)
{
    if (out == NULL || name == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "log: no field named"));
    }
    if (strcmp(name, "ip") == 0) {
        *out = ESEAL_LOG_FIELD_IP;
    } else if (strcmp(name, "device") == 0) {
        *out = ESEAL_LOG_FIELD_DEVICE;
    } else {
        return ES_PUBLIC(
            es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "log: unknown field '%s' (ip or device)", name));
    }
    return ESEAL_OK;
}

ES_RESULT es_audit_forget(es_auditlog *h, const es_acting *by, uint64_t index, const char *name, uint64_t *entry)
{
    ES_ENSURE_ARG(h != NULL && name != NULL);
    /* The log must open (not behind its outside checkpoint) before it is written to. */
    eseal_log *log = NULL;
    ES_GUARD(es_auditlog_log(h, &log));
    ES_GUARD(es_audit_prepare(h));
    char kind[ES_LOG_KIND_MAX];
    ES_ENSURE(strlen(name) < sizeof(kind) - 5, ESEAL_EINVAL, "log forget: unknown field %s (ip or device)", name);
    memcpy(kind, "salt.", 5);
    memcpy(kind + 5, name, strlen(name) + 1);
    int rc = eseal_store_begin(h->store);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* The erasure and its entry commit together: nothing is forgotten off the record. */
    rc = eseal_store_log_private_erase(h->store, index, kind);
    es_result r = ES_OK;
    if (rc == ESEAL_ENOTFOUND) {
        r = es_error_set(rc, __FILE__, __LINE__,
                         "log forget: entry %llu has no %s salt (none recorded, or forgotten already)",
                         (unsigned long long)index, name);
    } else if (rc != ESEAL_OK) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (es_ok(r)) {
        r = es_audit_forget_event(h, by, index, name, entry);
    }
    if (es_ok(r)) {
        rc = eseal_store_commit(h->store);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (!es_ok(r)) {
        (void)eseal_store_rollback(h->store);
    }
    return r;
}
