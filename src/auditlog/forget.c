/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log's two front-door operations (log.h): publishing a checkpoint, and forgetting the
 * salt of an entry's address or device commitment. Both ask the policy first (es_act); a
 * forgotten salt is itself an audit entry, committed with the erasure.
 */
#include <string.h>

#include "eseal/log.h"
#include "auditlog.h"

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

int eseal_instance_log_publish(eseal_instance *inst, const eseal_principal *who, uint64_t *size)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_LOG_PUBLISH, "log", NULL);
    eseal_log *log = NULL;
    int rc = eseal_instance_log(inst, &log);
    return rc == ESEAL_OK ? eseal_log_publish(log, size) : rc;
}

static ES_RESULT log_forget(eseal_instance *inst, const es_acting *by, uint64_t index, eseal_log_field field,
                            uint64_t *entry)
{
    ES_ENSURE_ARG(inst != NULL);
    const char *name = field == ESEAL_LOG_FIELD_IP ? "ip" : field == ESEAL_LOG_FIELD_DEVICE ? "device" : NULL;
    ES_ENSURE(name != NULL, ESEAL_EINVAL, "log forget: unknown field %d (ip or device)", (int)field);
    /* Like every change of state: the passphrase, checked before anything changes. */
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS, "log forget: the instance passphrase is needed");
    int rc = eseal_instance_passphrase_check(inst);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* The log must open (not behind its outside checkpoint) before it is written to. */
    eseal_log *log = NULL;
    rc = eseal_instance_log(inst, &log);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    ES_GUARD(es_audit_prepare(inst));
    char kind[16];
    memcpy(kind, "salt.", 5);
    memcpy(kind + 5, name, strlen(name) + 1);
    rc = eseal_store_begin(inst->store);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* The erasure and its entry commit together: nothing is forgotten off the record. */
    rc = eseal_store_log_private_erase(inst->store, index, kind);
    es_result r = ES_OK;
    if (rc == ESEAL_ENOTFOUND) {
        r = es_error_set(rc, __FILE__, __LINE__,
                         "log forget: entry %llu has no %s salt (none recorded, or forgotten already)",
                         (unsigned long long)index, name);
    } else if (rc != ESEAL_OK) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (es_ok(r)) {
        r = es_audit_forget_event(inst, by, index, name, entry);
    }
    if (es_ok(r)) {
        rc = eseal_store_commit(inst->store);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (!es_ok(r)) {
        (void)eseal_store_rollback(inst->store);
    }
    return r;
}

int eseal_instance_log_forget(eseal_instance *inst, const eseal_principal *who, uint64_t index, eseal_log_field field,
                              uint64_t *entry)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_LOG_FORGET, "log", NULL);
    return es_code(log_forget(inst, &by, index, field, entry));
}
