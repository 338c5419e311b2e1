/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The edge between the instance and its audit log room (auditlog/auditlog.h): the one place that
 * builds the room's handle from an instance (its home, store, configuration and context, and
 * callbacks for the keys and the own TSA, which need the instance's passphrase), and the public
 * operations of include/eseal/log.h that take the instance. The room itself never reads the
 * instance.
 */
#include <stdio.h>
#include <string.h>

#include "eseal/log.h"
#include "auditlog/maxima.h"
#include "service.h"

/* The log key: under the instance passphrase (the messages are the room's, as before the handle). */
static es_result edge_key_load(void *owner, eseal_key **key, const char *path)
{
    eseal_instance *inst = owner;
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "log: signing a checkpoint needs the instance passphrase");
    return es_instance_load_key_file(inst, key, path);
}

static es_result edge_key_save(void *owner, eseal_key *key, const char *path)
{
    eseal_instance *inst = owner;
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "log: creating the log key needs the instance passphrase");
    return es_key_save(inst, key, path);
}

/* The own TSA for entries' time tokens: none without the passphrase, nor while the instance is
 * being made (no TSA with CRLs yet). */
static es_result edge_tsa_open(void *owner, es_timestamper *t, bool *none)
{
    eseal_instance *inst = owner;
    *none = !es_instance_unlocked(inst) || inst->creating;
    return *none ? ES_OK : es_timestamper_open(t, inst, NULL, 0, 0, NULL);
}

ES_RESULT es_instance_auditlog_open(eseal_instance *inst)
{
    es_auditlog_params p = {0};
    p.home = inst->home;
    p.store = inst->store;
    p.cfg = &inst->cfg;
    p.ctx = inst->ctx;
    p.owner = inst;
    p.key_load = edge_key_load;
    p.key_save = edge_key_save;
    p.tsa_open = edge_tsa_open;
    return es_auditlog_open(&inst->auditlog, &p);
}

void eseal_instance_set_audit_hook(eseal_instance *inst, eseal_audit_hook hook, void *payload)
{
    if (inst != NULL) {
        es_auditlog_set_hook(inst->auditlog, hook, payload);
    }
}

int eseal_instance_log(eseal_instance *inst, eseal_log **out)
{
    if (inst == NULL || out == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL");
    }
    return es_code(es_auditlog_log(inst->auditlog, out));
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
    /* Like every change of state: the passphrase (or the key-encryption key an agent holds, itself
     * checked against the instance's), checked before anything changes. */
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "log forget: the instance passphrase is needed");
    es_kek k;
    es_result r = es_instance_kek(inst, &k);
    es_kek_wipe(&k);
    ES_GUARD(r);
    return es_audit_forget(inst->auditlog, by, index, name, entry);
}

int eseal_instance_log_forget(eseal_instance *inst, const eseal_principal *who, uint64_t index, eseal_log_field field,
                              uint64_t *entry)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_LOG_FORGET, "log", NULL);
    return es_code(log_forget(inst, &by, index, field, entry));
}

int eseal_instance_stamp_receipt(eseal_instance *inst, eseal_buf *out, const char *serial)
{
    if (inst == NULL || out == NULL || serial == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || serial == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_LOG_RECEIPT_MAX);
    es_result r = es_audit_stamp_receipt(inst->auditlog, &b, serial);
    if (es_ok(r)) {
        es_buf_move_out(out, &b);
    }
    es_buf_free(&b);
    return es_code(r);
}

int eseal_instance_stamp_inclusion(eseal_instance *inst, eseal_receipt_parts *out, const char *serial)
{
    if (inst == NULL || out == NULL || serial == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || serial == NULL");
    }
    memset(out, 0, sizeof(*out));
    eseal_buf rcpt = ESEAL_BUF_INIT;
    int rc = eseal_instance_stamp_receipt(inst, &rcpt, serial);
    if (rc == ESEAL_OK) {
        rc = eseal_receipt_split(out, rcpt.ptr, rcpt.size);
    }
    eseal_buf_dispose(&rcpt);
    eseal_log *log = NULL;
    eseal_buf key = ESEAL_BUF_INIT;
    /* The key the checkpoint must verify under; a log without one yet signed nothing either. */
    if (rc == ESEAL_OK && eseal_instance_log(inst, &log) == ESEAL_OK && eseal_log_vkey(log, &key) == ESEAL_OK) {
        (void)snprintf(out->key, sizeof(out->key), "%.*s", (int)key.size, (const char *)key.ptr);
    } else if (rc == ESEAL_OK) {
        eseal_error_clear();
    }
    eseal_buf_dispose(&key);
    return rc;
}

/* ---- eseal passwd: the passphrase change on the record (never the passphrase) ---- */

typedef struct {
    eseal_instance *inst;
    const es_acting *by;
    uint64_t index; /* of the passphrase.changed entry, once recorded */
} passwd_rec;

/* The change on the record; or (failed: why) its failure, "passphrase.change.failed" naming it. */
static es_result record_passwd(void *ctx, size_t keys, const char *failed)
{
    passwd_rec *p = ctx;
    return failed == NULL ? es_audit_passwd_event(p->inst->auditlog, p->by, keys, &p->index)
                          : es_audit_unpublished(p->inst->auditlog, p->by, p->index, failed);
}

int eseal_instance_passwd(eseal_instance *inst, const eseal_principal *who, const char *new_pass, size_t len)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_PASSWD, NULL, NULL);
    if (inst == NULL) {
        ES_BAIL_ARG("inst == NULL");
    }
    passwd_rec p = {inst, &by, 0};
    return es_code(es_instance_passwd_change(inst, new_pass, len, record_passwd, &p));
}
