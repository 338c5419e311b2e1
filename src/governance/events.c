/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events read from the audit log, and the alerts of issue 20 §3 (eseal/governance.h, docs/webhooks.md).
 *
 * A seal's status changes in the service and a checkpoint is signed by the audit log, both below
 * governance, which owns the webhooks (scripts/layers.txt): they cannot queue an event themselves.
 * They need not: the audit log already records every status change (an entry "seal.<to>" with the
 * detail "from -> to: reason", audit.c) in the transaction of the change, every stamp under a grant
 * ("under grant grt_..."), and the log's checkpoints are stored. So the log is the outbox: the pump
 * (eseal_events_pump, called by `eseal serve`'s delivery thread before each round of deliveries)
 * reads the entries after a cursor kept in the store's named values ("events.cursor") and queues
 * what they report, then moves the cursor, in ONE store transaction. The store's transaction takes
 * the write lock when it begins (SQLite's BEGIN IMMEDIATE), so a second pump (another `eseal serve`
 * on the same home) waits and then reads the moved cursor: each event is queued exactly once.
 *
 * The first pump of a home starts at the end of the log (and at its newest checkpoint): the entries
 * written before events existed are history, not news; a webhook added later gets the events from
 * then on. Alerts that depend on the clock (a grant about to end) are decided by a scan of the
 * grants at each pump; every alert about a grant is remembered in a named value
 * ("events.alerted.<kind>.<grant>"), so each is queued once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "governance.h"

/* Entries one pump reads at most (the rest wait for the next one, a second later). */
#define EVENTS_BATCH_MAX 4096u
/* The named values of the pump. */
#define EVENTS_CURSOR "events.cursor"
#define EVENTS_CHECKPOINT "events.checkpoint"
#define EVENTS_ALERTED "events.alerted."
#define EVENTS_NAME_MAX 80
/* A checkpoint's note is in its event up to this size (half an event's body at most). */
#define EVENTS_NOTE_MAX (ESEAL_WEBHOOK_BODY_MAX / 2)

/* A named value holding a decimal number; *found false (and no error) when there is none. */
static ES_RESULT meta_uint(eseal_store *s, const char *name, uint64_t *out, bool *found)
{
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(s, &b, name);
    *found = false;
    *out = 0;
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK;
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    char text[24];
    es_result r = ES_OK;
    if (b.size == 0 || b.size >= sizeof(text)) {
        r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "events: the named value %s is no number", name);
    } else {
        memcpy(text, b.ptr, b.size);
        text[b.size] = '\0';
        r = es_parse_uint(text, UINT64_MAX, out);
    }
    eseal_buf_dispose(&b);
    ES_GUARD(r);
    *found = true;
    return ES_OK;
}

static ES_RESULT meta_uint_put(eseal_store *s, const char *name, uint64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
    return es_from_code(eseal_store_meta_put(s, name, text, (size_t)n));
}

/* The name of the named value that remembers alert `kind` of grant `id`. */
static void alerted_name(char out[EVENTS_NAME_MAX], const char *kind, const char *id)
{
    (void)snprintf(out, EVENTS_NAME_MAX, "%s%s.%s", EVENTS_ALERTED, kind, id);
}

/* Queues alert `kind` (data gets "kind" and, as the first alert had it, "alert") to `org`. */
static ES_RESULT alert(eseal_instance *inst, const char *org, const char *kind, json_t *data, size_t *queued)
{
    ES_ENSURE_ALLOC(data);
    es_result r = ES_OK;
    if (json_object_set_new(data, "kind", json_string(kind)) != 0 ||
        json_object_set_new(data, "alert", json_string(kind)) != 0) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "events: out of memory");
    }
    if (es_ok(r)) {
        r = es_webhook_emit(inst, org, "alert", data);
    }
    json_decref(data);
    if (es_ok(r)) {
        (*queued)++;
    }
    return r;
}

/* ---- the organisations subscribed to an event (log.checkpoint, the audit's alert) ---- */

typedef struct {
    const char *type;
    size_t n, cap;
    char (*org)[ESEAL_ORG_ID_LEN + 1];
    bool nomem;
} org_set;

static int org_subscribed(const eseal_webhook *w, void *p)
{
    org_set *s = p;
    if (!w->active || !es_acc_list_has(w->events, s->type)) {
        return 0;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->org[i], w->org_id) == 0) {
            return 0;
        }
    }
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 16 : s->cap * 2;
        void *grown = es_realloc(s->org, cap * sizeof(s->org[0]));
        if (grown == NULL) {
            s->nomem = true;
            return 1;
        }
        s->org = grown;
        s->cap = cap;
    }
    (void)snprintf(s->org[s->n++], sizeof(s->org[0]), "%s", w->org_id);
    return 0;
}

/* Queues event `type` with `data` (not consumed) to every organisation with an active webhook
 * subscribed to it (es_webhook_emit queues one delivery per such webhook). */
static ES_RESULT emit_to_subscribers(eseal_instance *inst, const char *type, json_t *data, size_t *queued)
{
    org_set s = {.type = type};
    int rc = eseal_store_webhook_list(inst->store, NULL, org_subscribed, &s);
    es_result r = ES_OK;
    if (s.nomem) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "events: out of memory");
    } else if (rc != ESEAL_OK) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    for (size_t i = 0; es_ok(r) && i < s.n; i++) {
        r = es_webhook_emit(inst, s.org[i], type, data);
        if (es_ok(r)) {
            (*queued)++;
        }
    }
    es_free(s.org);
    return r;
}

/* ---- what one entry of the log reports ---- */

/* seal.status: an entry "seal.<to>" of es_audit_seal_event, detail "FROM -> TO[: REASON]" (or "-> TO..."
 * for a seal's first state), to the seal's organisation. */
static ES_RESULT seal_status(eseal_instance *inst, uint64_t index, const eseal_audit_entry *e, size_t *queued)
{
    const char *d = e->detail != NULL ? e->detail : "";
    const char *arrow = strncmp(d, "-> ", 3) == 0 ? d : strstr(d, " -> ");
    if (e->seal == NULL || arrow == NULL) {
        return ES_OK; /* not a transition */
    }
    char from[64] = "", reason[ESEAL_AUDIT_MAX_FIELD] = "";
    size_t fl = (size_t)(arrow - d);
    if (fl > 0 && fl < sizeof(from)) {
        memcpy(from, d, fl);
        from[fl] = '\0';
    }
    const char *colon = strstr(arrow, ": ");
    if (colon != NULL) {
        (void)snprintf(reason, sizeof(reason), "%s", colon + 2);
    }
    eseal_seal_record rec;
    int rc = eseal_store_seal_find(inst->store, &rec, NULL, e->seal);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK;
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    char org[ESEAL_OWNER_ORG_MAX + 1] = "";
    es_result r = es_seal_org(inst, rec.cert_ids, org);
    eseal_seal_record_dispose(&rec);
    ES_GUARD(r);
    if (org[0] == '\0') {
        return ES_OK; /* a seal of no organisation (the platform's own) */
    }
    char at[ES_RFC3339_LEN];
    es_time_rfc3339(at, e->time_ms);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "seal", e->seal, "from", from, "to",
                             e->type + strlen("seal."), "reason", reason, "at", at, "actor",
                             e->actor != NULL ? e->actor : "", "log_index", (json_int_t)index);
    ES_ENSURE_ALLOC(data);
    r = es_webhook_emit(inst, org, "seal.status", data);
    json_decref(data);
    if (es_ok(r)) {
        (*queued)++;
    }
    return r;
}

/* Whether grant `g` (after a use) has at most 10% of its uses left, or at most one. */
static bool quota_low(const eseal_grant *g)
{
    int64_t left = g->max_uses - g->uses;
    return g->max_uses > 0 && (left * 10 <= g->max_uses || left <= 1);
}

/* grant.quota.low: a stamp under a grant (detail "under grant grt_..."), which counted a use of the
 * grant and of each of its ancestors: each of them left low is alerted once. */
static ES_RESULT stamp_quota(eseal_instance *inst, uint64_t index, const eseal_audit_entry *e, size_t *queued)
{
    const char *d = e->detail != NULL ? e->detail : "";
    if (strncmp(d, "under grant ", 12) != 0) {
        return ES_OK; /* the local operator's stamp: no grant */
    }
    char id[ESEAL_GRANT_ID_LEN + 1];
    (void)snprintf(id, sizeof(id), "%s", d + 12);
    for (size_t depth = 0; id[0] != '\0' && depth < ESEAL_GRANT_CHAIN_MAX; depth++) {
        eseal_grant g;
        int rc = eseal_store_grant_get(inst->store, &g, id);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
            return ES_OK;
        }
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        if (quota_low(&g)) {
            char name[EVENTS_NAME_MAX];
            alerted_name(name, "grant.quota.low", g.id);
            uint64_t at = 0;
            bool found = false;
            ES_GUARD(meta_uint(inst->store, name, &at, &found));
            if (!found) {
                json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:I}", "grant", g.id, "seal", g.seal,
                                         "holder_kind", g.holder_kind == ESEAL_GRANT_TO_USER ? "user" : "role",
                                         "holder", g.holder, "max_uses", (json_int_t)g.max_uses, "uses",
                                         (json_int_t)g.uses, "left", (json_int_t)(g.max_uses - g.uses), "stamp",
                                         e->stamp != NULL ? e->stamp : "", "log_index", (json_int_t)index);
                ES_GUARD(alert(inst, g.org_id, "grant.quota.low", data, queued));
                ES_GUARD(meta_uint_put(inst->store, name, (uint64_t)e->time_ms));
            }
        }
        memcpy(id, g.parent, sizeof(id));
    }
    return ES_OK;
}

static ES_RESULT entry_events(eseal_instance *inst, uint64_t index, const eseal_buf *b, size_t *queued)
{
    eseal_audit_entry_parsed p;
    int rc = eseal_audit_entry_parse(&p, b->ptr, b->size);
    if (rc != ESEAL_OK) {
        /* An entry that does not parse is the audit's business (eseal log audit, which alerts): it
         * reports nothing here, and must not stop every later event. */
        eseal_error_clear();
        return ES_OK;
    }
    const eseal_audit_entry *e = &p.e;
    es_result r = ES_OK;
    if (strncmp(e->type, "seal.", 5) == 0) {
        r = seal_status(inst, index, e, queued);
    } else if (strcmp(e->type, "stamp") == 0) {
        r = stamp_quota(inst, index, e, queued);
    }
    eseal_audit_entry_parsed_dispose(&p);
    return r;
}

/* The entries after the cursor (at most EVENTS_BATCH_MAX), then the cursor after them. */
static ES_RESULT pump_entries(eseal_instance *inst, size_t *queued)
{
    es_tlog_edge *edge = es_calloc(1, sizeof(*edge));
    ES_ENSURE_ALLOC(edge);
    es_result r = es_log_state_read(inst->store, edge);
    uint64_t size = edge->size;
    es_free(edge);
    ES_GUARD(r);
    uint64_t cursor = 0;
    bool found = false;
    ES_GUARD(meta_uint(inst->store, EVENTS_CURSOR, &cursor, &found));
    if (!found) {
        return meta_uint_put(inst->store, EVENTS_CURSOR, size); /* the first pump: from now on */
    }
    if (cursor >= size) {
        return ES_OK;
    }
    uint64_t to = size - cursor > EVENTS_BATCH_MAX ? cursor + EVENTS_BATCH_MAX : size;
    eseal_buf b = ESEAL_BUF_INIT;
    for (uint64_t i = cursor; es_ok(r) && i < to; i++) {
        int rc = eseal_store_log_entry(inst->store, &b, i);
        r = rc == ESEAL_OK ? entry_events(inst, i, &b, queued)
                           : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        eseal_buf_dispose(&b);
    }
    ES_GUARD(r);
    return meta_uint_put(inst->store, EVENTS_CURSOR, to);
}

/* ---- log.checkpoint ---- */

/* Line `n` (0-based) of a note's text into out (cap bytes); "" when there is none. */
static void note_line(char *out, size_t cap, const char *note, unsigned n)
{
    const char *p = note;
    for (unsigned i = 0; i < n && p != NULL; i++) {
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    size_t l = p != NULL ? strcspn(p, "\n") : 0;
    l = l < cap ? l : cap - 1;
    if (p != NULL) {
        memcpy(out, p, l);
    }
    out[l] = '\0';
}

/* A checkpoint newer than the pump's last one: "log.checkpoint" to every subscribed organisation. */
static ES_RESULT pump_checkpoint(eseal_instance *inst, size_t *queued)
{
    eseal_buf note = ESEAL_BUF_INIT;
    uint64_t size = 0;
    int rc = eseal_store_log_checkpoint(inst->store, &note, UINT64_MAX, &size);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        size = 0; /* none signed yet: the first one will be news */
    } else if (rc != ESEAL_OK) {
        eseal_buf_dispose(&note);
        return es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    uint64_t last = 0;
    bool found = false;
    es_result r = meta_uint(inst->store, EVENTS_CHECKPOINT, &last, &found);
    if (es_ok(r) && found && size > last) {
        char *text = es_calloc(1, note.size + 1);
        char origin[256], hash[64];
        r = text == NULL ? es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "events: out of memory") : ES_OK;
        json_t *data = NULL;
        if (es_ok(r)) {
            memcpy(text, note.ptr, note.size);
            /* C2SP tlog-checkpoint: origin, size, base64 root hash, then a blank line and the signatures */
            note_line(origin, sizeof(origin), text, 0);
            note_line(hash, sizeof(hash), text, 2);
            data = json_pack("{s:s, s:I, s:s}", "origin", origin, "size", (json_int_t)size, "root_hash", hash);
            /* the note itself when it leaves room in the body: one cosigned by many witnesses would
             * make an event over ESEAL_WEBHOOK_BODY_MAX, which no pump could ever queue */
            if (data != NULL && note.size <= EVENTS_NOTE_MAX &&
                json_object_set_new(data, "checkpoint", json_string(text)) != 0) {
                json_decref(data);
                data = NULL;
            }
            r = data == NULL ? es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "events: out of memory") : ES_OK;
        }
        if (es_ok(r)) {
            r = emit_to_subscribers(inst, "log.checkpoint", data, queued);
        }
        json_decref(data);
        es_free(text);
    }
    if (es_ok(r) && (!found || size > last)) {
        r = meta_uint_put(inst->store, EVENTS_CHECKPOINT, size); /* the first pump: from this one on */
    }
    eseal_buf_dispose(&note);
    return r;
}

/* ---- grant.expiring ---- */

int64_t eseal_events_expiring_ms(void)
{
    const char *env = getenv("ESEAL_WEBHOOK_EXPIRING_MS");
    uint64_t v = 0;
    if (env == NULL || env[0] == '\0' || !es_ok(es_parse_uint(env, 30 * ESEAL_GRANT_EXPIRING_MS, &v)) || v == 0) {
        eseal_error_clear();
        return ESEAL_GRANT_EXPIRING_MS;
    }
    return (int64_t)v;
}

typedef struct {
    int64_t now, within;
    size_t n, cap;
    eseal_grant *g;
    bool nomem;
} ending_list;

static int ending_one(const eseal_grant *g, void *p)
{
    ending_list *l = p;
    if (g->revoked_ms != 0 || g->not_after_ms == 0 || g->not_after_ms < l->now ||
        g->not_after_ms - l->now > l->within) {
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        void *grown = es_realloc(l->g, cap * sizeof(*l->g));
        if (grown == NULL) {
            l->nomem = true;
            return 1;
        }
        l->g = grown;
        l->cap = cap;
    }
    l->g[l->n++] = *g;
    return 0;
}

/* Whether an ancestor of `g` is revoked (g has ended with it: no "about to end" then). */
static ES_RESULT ancestor_revoked(eseal_instance *inst, const eseal_grant *g, bool *revoked)
{
    *revoked = false;
    char id[ESEAL_GRANT_ID_LEN + 1];
    memcpy(id, g->parent, sizeof(id));
    for (size_t depth = 0; id[0] != '\0' && depth < ESEAL_GRANT_CHAIN_MAX && !*revoked; depth++) {
        eseal_grant a;
        int rc = eseal_store_grant_get(inst->store, &a, id);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        *revoked = a.revoked_ms != 0;
        memcpy(id, a.parent, sizeof(id));
    }
    return ES_OK;
}

/* Every grant, not revoked, whose last allowed millisecond falls within the next `within`: one alert each.
 * A delegated grant's window lies within its parent's (eseal_grant_narrows), so its own end is its end. */
static ES_RESULT pump_expiring(eseal_instance *inst, int64_t now, size_t *queued)
{
    ending_list l = {.now = now, .within = eseal_events_expiring_ms()};
    int rc = eseal_store_grant_list(inst->store, NULL, NULL, ending_one, &l);
    es_result r = ES_OK;
    if (l.nomem) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "events: out of memory");
    } else if (rc != ESEAL_OK) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    for (size_t i = 0; es_ok(r) && i < l.n; i++) {
        const eseal_grant *g = &l.g[i];
        char name[EVENTS_NAME_MAX];
        alerted_name(name, "grant.expiring", g->id);
        uint64_t at = 0;
        bool found = false, revoked = false;
        r = meta_uint(inst->store, name, &at, &found);
        if (es_ok(r) && !found) {
            r = ancestor_revoked(inst, g, &revoked);
        }
        if (!es_ok(r) || found || revoked) {
            continue;
        }
        char until[ES_RFC3339_LEN];
        es_time_rfc3339(until, g->not_after_ms);
        json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I}", "grant", g->id, "seal", g->seal,
                                 "holder_kind", g->holder_kind == ESEAL_GRANT_TO_USER ? "user" : "role", "holder",
                                 g->holder, "not_after", until, "not_after_ms", (json_int_t)g->not_after_ms, "parent",
                                 g->parent, "uses", (json_int_t)g->uses, "max_uses", (json_int_t)g->max_uses);
        r = alert(inst, g->org_id, "grant.expiring", data, queued);
        if (es_ok(r)) {
            r = meta_uint_put(inst->store, name, (uint64_t)now);
        }
    }
    es_free(l.g);
    return r;
}

/* ---- the pump ---- */

static ES_RESULT pump(eseal_instance *inst, int64_t now, size_t *queued)
{
    ES_ENSURE_ARG(inst != NULL);
    size_t n = 0;
    if (queued != NULL) {
        *queued = 0;
    }
    now = now != 0 ? now : es_inst_now(inst);
    /* the write lock is taken here (BEGIN IMMEDIATE): another pump waits, then sees the moved cursor */
    ES_GUARD(es_from_code(eseal_store_begin(inst->store)));
    es_result r = pump_entries(inst, &n);
    if (es_ok(r)) {
        r = pump_checkpoint(inst, &n);
    }
    if (es_ok(r)) {
        r = pump_expiring(inst, now, &n);
    }
    r = es_ok(r) ? es_from_code(eseal_store_commit(inst->store)) : r;
    if (!es_ok(r)) {
        (void)eseal_store_rollback(inst->store);
        return r;
    }
    if (queued != NULL) {
        *queued = n;
    }
    return ES_OK;
}

int eseal_events_pump(eseal_instance *inst, int64_t now_ms, size_t *queued)
{
    ES_RETURN_PUBLIC(pump(inst, now_ms, queued));
}

/* ---- the audit's alert ---- */

static ES_RESULT audit_failed(eseal_instance *inst, const char *problem, size_t *queued)
{
    ES_ENSURE_ARG(inst != NULL);
    size_t n = 0;
    if (queued != NULL) {
        *queued = 0;
    }
    json_t *data = json_pack("{s:s, s:s, s:s}", "kind", "log.audit.failed", "alert", "log.audit.failed", "problem",
                             problem != NULL ? problem : "");
    ES_ENSURE_ALLOC(data);
    es_result r = es_from_code(eseal_store_begin(inst->store));
    if (es_ok(r)) {
        r = emit_to_subscribers(inst, "alert", data, &n);
        r = es_ok(r) ? es_from_code(eseal_store_commit(inst->store)) : r;
        if (!es_ok(r)) {
            (void)eseal_store_rollback(inst->store);
        }
    }
    json_decref(data);
    if (es_ok(r) && queued != NULL) {
        *queued = n;
    }
    return r;
}

int eseal_events_log_audit_failed(eseal_instance *inst, const char *problem, size_t *queued)
{
    ES_RETURN_PUBLIC(audit_failed(inst, problem, queued));
}
