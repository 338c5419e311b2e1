/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log audit, run and recorded (issue 21 §2: "`eseal log audit` status"). eseal_log_audit
 * (auditlog) re-derives the tree and compares; this runs it for a principal, keeps the outcome in
 * the store's named value "log.audit.last" (a small JSON object: time, ok, the counts, who, the
 * problem), so that the console can say when the log was last audited and how it went, and raises
 * the alert of a failed audit (events.c) as `eseal log audit` always did. The CLI and the API
 * (POST /api/v1/audit/run) both call it: every run is recorded, wherever it was asked.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "governance.h"

#define AUDIT_LAST "log.audit.last"
/* The recorded value is a few hundred bytes; anything much larger is not ours. */
#define AUDIT_LAST_MAX 4096

/* Who may run the audit and read its record: whoever may read an audit trail at all (the rule of
 * eseal_instance_audit_read's first check: its own organisation's, or the platform's side). */
static ES_RESULT may_audit(const eseal_principal *who)
{
    es_object mine = {"audit", NULL, who->organization, NULL};
    return es_policy_require(who, ES_ACT_AUDIT_READ, &mine, NULL);
}

/* `org`: the runner's organisation (NULL: the platform's side), kept so that `by` is told only to its own. */
static ES_RESULT record_put(eseal_instance *inst, const eseal_log_audit_record *rec, const char *org)
{
    json_t *o = json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "time_ms", (json_int_t)rec->time_ms, "ok",
                          rec->ok, "entries", (json_int_t)rec->entries, "tile_hashes", (json_int_t)rec->tile_hashes,
                          "checkpoints", (json_int_t)rec->checkpoints, "time_tokens", (json_int_t)rec->time_tokens,
                          "by", rec->by, "org", org != NULL ? org : "", "problem", rec->problem);
    ES_ENSURE_ALLOC(o);
    char *txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    ES_ENSURE_ALLOC(txt);
    es_result r = es_from_code(eseal_store_meta_put(inst->store, AUDIT_LAST, txt, strlen(txt)));
    free(txt); /* !checksrc! allowed: jansson's allocation */
    return r;
}

static ES_RESULT uint_of(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    ES_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0, ESEAL_EMALFORMED,
              "log audit: the recorded value %s has no %s", AUDIT_LAST, key);
    *out = (uint64_t)json_integer_value(v);
    return ES_OK;
}

/* The recorded run; `by` is kept only for `who` of the runner's organisation or of the platform's side
 * or when the runner was the platform's side (an organisation's logins are its own to know: another
 * organisation's auditor sees when and how, not who). */
static ES_RESULT record_get(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out)
{
    memset(out, 0, sizeof(*out));
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(inst->store, &b, AUDIT_LAST);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        ES_BAIL(ESEAL_ENOTFOUND, "log audit: none recorded yet");
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    json_error_t je;
    json_t *o = b.size <= AUDIT_LAST_MAX ? json_loadb((const char *)b.ptr, b.size, 0, &je) : NULL;
    eseal_buf_dispose(&b);
    ES_ENSURE(json_is_object(o), ESEAL_EMALFORMED, "log audit: the recorded value %s is no JSON object", AUDIT_LAST);
    uint64_t t = 0;
    es_result r = uint_of(o, "time_ms", &t);
    r = es_ok(r) ? uint_of(o, "entries", &out->entries) : r;
    r = es_ok(r) ? uint_of(o, "tile_hashes", &out->tile_hashes) : r;
    r = es_ok(r) ? uint_of(o, "checkpoints", &out->checkpoints) : r;
    r = es_ok(r) ? uint_of(o, "time_tokens", &out->time_tokens) : r;
    if (es_ok(r)) {
        out->time_ms = (int64_t)t;
        out->ok = json_is_true(json_object_get(o, "ok"));
        const char *by = json_string_value(json_object_get(o, "by"));
        const char *org = json_string_value(json_object_get(o, "org"));
        /* the platform's side sees every runner; an organisation its own and the platform's side */
        bool theirs = who->organization == NULL || who->organization[0] == '\0' || org == NULL || org[0] == '\0' ||
                      strcmp(org, who->organization) == 0;
        by = theirs ? by : NULL;
        const char *problem = json_string_value(json_object_get(o, "problem"));
        (void)snprintf(out->by, sizeof(out->by), "%s", by != NULL ? by : "");
        (void)snprintf(out->problem, sizeof(out->problem), "%s", problem != NULL ? problem : "");
    }
    json_decref(o);
    return r;
}

static ES_RESULT audit_run(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out,
                           size_t *alerted)
{
    ES_ENSURE_ARG(inst != NULL);
    ES_GUARD(may_audit(who));
    eseal_log_audit_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.time_ms = es_inst_now(inst);
    (void)snprintf(rec.by, sizeof(rec.by), "%s", who->id != NULL ? who->id : "");
    eseal_log *log = NULL;
    int rc = eseal_instance_log(inst, &log);
    int failed_rc = ESEAL_OK; /* the error to give back once recorded (the log could not be opened) */
    if (rc == ESEAL_OK) {
        eseal_log_audit_report rep;
        ES_GUARD(es_from_code(eseal_log_audit(log, &rep)));
        rec.ok = rep.ok;
        rec.entries = rep.entries;
        rec.tile_hashes = rep.tiles;
        rec.checkpoints = rep.checkpoints;
        rec.time_tokens = rep.time_tokens;
        (void)snprintf(rec.problem, sizeof(rec.problem), "%s", rep.problem);
    } else if (rc == ESEAL_ESTATE) {
        /* the store is behind (or disagrees with) the checkpoint kept outside it: a failed audit */
        failed_rc = rc;
        (void)snprintf(rec.problem, sizeof(rec.problem), "%s", eseal_error_last()->message);
    } else {
        return es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    char said[sizeof(rec.problem)];
    memcpy(said, rec.problem, sizeof(said));
    ES_GUARD(record_put(inst, &rec, who->organization));
    if (!rec.ok) {
        ES_GUARD(es_from_code(eseal_events_log_audit_failed(inst, rec.problem, alerted)));
    }
    if (out != NULL) {
        *out = rec;
    }
    /* what the log said, not what the recording and the alert changed the last error to */
    ES_ENSURE(failed_rc == ESEAL_OK, failed_rc, "%s", said);
    return ES_OK;
}

int eseal_log_audit_run(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out,
                        size_t *alerted)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    if (alerted != NULL) {
        *alerted = 0;
    }
    ES_RETURN_PUBLIC(audit_run(inst, who, out, alerted));
}

static ES_RESULT audit_last(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    ES_GUARD(may_audit(who));
    return record_get(inst, who, out);
}

int eseal_log_audit_last(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    ES_RETURN_PUBLIC(audit_last(inst, who, out));
}
