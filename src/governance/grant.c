/* SPDX-License-Identifier: Apache-2.0 */
/* Grants on an instance (eseal/governance.h): added, delegated, read and revoked through the front door. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "governance.h"

void es_grant_describe(char *out, size_t cap, const eseal_grant *g)
{
    char nb[ES_RFC3339_LEN] = "-", na[ES_RFC3339_LEN] = "-";
    if (g->not_before_ms != 0) {
        es_time_rfc3339(nb, g->not_before_ms);
    }
    if (g->not_after_ms != 0) {
        es_time_rfc3339(na, g->not_after_ms);
    }
    (void)snprintf(out, cap,
                   "%s seal %s to %s %s; types %s; templates %s; from %s until %s; uses %lld of %lld; approval %s; "
                   "delegable %s; parent %s",
                   g->id, g->seal, g->holder_kind == ESEAL_GRANT_TO_USER ? "user" : "role", g->holder,
                   g->types[0] != '\0' ? g->types : "any", g->templates[0] != '\0' ? g->templates : "any", nb, na,
                   (long long)g->uses, (long long)g->max_uses, g->approval[0] != '\0' ? g->approval : "none",
                   g->delegable ? "yes" : "no", g->parent[0] != '\0' ? g->parent : "none");
}

/* Copies `src` (NULL: "") into an array of `cap` bytes; ESEAL_EINVAL naming `what` when too long. */
static ES_RESULT put(char *dst, size_t cap, const char *src, const char *what)
{
    const char *s = src != NULL ? src : "";
    size_t n = strnlen(s, cap);
    ES_ENSURE(n < cap, ESEAL_EINVAL, "grant: %s longer than %zu bytes", what, cap - 1);
    memcpy(dst, s, n + 1);
    return ES_OK;
}

ES_RESULT es_gov_seal_of(eseal_instance *inst, const eseal_principal *who, const char *esid, char esid_out[64],
                         char org[ESEAL_OWNER_ORG_MAX + 1])
{
    ES_ENSURE(esid != NULL && esid[0] != '\0', ESEAL_EINVAL, "grant: which seal?");
    eseal_seal_record rec;
    int rc = eseal_store_seal_find(inst->store, &rec, NULL, esid);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    es_result r = es_seal_org(inst, rec.cert_ids, org);
    if (es_ok(r)) {
        r = put(esid_out, 64, rec.esid, "the seal's esID");
    }
    eseal_seal_record_dispose(&rec);
    ES_GUARD(r);
    if (org[0] == '\0' || !es_acc_sees_org(who, org)) {
        ES_ENSURE(org[0] != '\0' || !es_acc_sees_all(who), ESEAL_EINVAL,
                  "seal %s belongs to no organisation of the platform: grants are for an organisation's seals", esid);
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no seal '%.80s'", esid);
    }
    return ES_OK;
}

/* The grant `id` if `who` may see it (the same words whether it exists or not). */
static ES_RESULT visible(eseal_instance *inst, const eseal_principal *who, eseal_grant *out, const char *id)
{
    ES_ENSURE(id != NULL && id[0] != '\0', ESEAL_EINVAL, "which grant?");
    int rc = eseal_store_grant_get(inst->store, out, id);
    if (rc == ESEAL_OK && !es_acc_sees_org(who, out->org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no grant '%.40s'", id);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

/* g->approval from `text` (NULL: none) in canonical form; the approvers it names are users of the
 * organisation (a role may have none yet). */
static ES_RESULT set_approval(eseal_instance *inst, eseal_grant *g, const char *text)
{
    eseal_approval_policy ap;
    ES_GUARD(es_from_code(eseal_approval_policy_parse(&ap, text != NULL ? text : "")));
    ES_GUARD(es_from_code(eseal_approval_policy_format(g->approval, sizeof(g->approval), &ap)));
    for (size_t i = 0; i < ap.steps; i++) {
        for (size_t m = 0; m < ap.step[i].n; m++) {
            const char *login = ap.step[i].member[m];
            if (login[0] == '@') {
                continue;
            }
            eseal_user u;
            int rc = eseal_store_user_get(inst->store, &u, NULL, login);
            if (rc == ESEAL_OK && strcmp(u.org_id, g->org_id) != 0) {
                rc = ESEAL_ENOTFOUND;
            }
            ES_ENSURE(rc != ESEAL_ENOTFOUND, ESEAL_ENOTFOUND, "approver '%s' is no user of the seal's organisation",
                      login);
            ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        }
    }
    return ES_OK;
}

/* Every template of `g` is one its organisation registered. */
static ES_RESULT templates_registered(eseal_instance *inst, const eseal_grant *g)
{
    for (const char *p = g->templates; *p != '\0';) {
        size_t n = strcspn(p, ",");
        char sha[65];
        (void)snprintf(sha, sizeof(sha), "%.*s", (int)n, p);
        eseal_template t;
        int rc = eseal_store_template_get(inst->store, &t, NULL, g->org_id, sha);
        ES_ENSURE(rc != ESEAL_ENOTFOUND, ESEAL_ENOTFOUND, "template %s is not registered by the organisation (eseal "
                  "template add)", sha);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        p += n + (p[n] == ',' ? 1 : 0);
    }
    return ES_OK;
}

/* The grant asked for, checked on its own (holder, lists, window, approval in canonical form). */
static ES_RESULT build(eseal_instance *inst, const eseal_grant_request *q, eseal_grant *g)
{
    ES_ENSURE((q->user != NULL && q->user[0] != '\0') != (q->role != NULL && q->role[0] != '\0'), ESEAL_EINVAL,
              "grant: give the holder as a user or as a role (one of them)");
    if (q->user != NULL && q->user[0] != '\0') {
        g->holder_kind = ESEAL_GRANT_TO_USER;
        ES_GUARD(es_acc_login(g->holder, q->user));
        eseal_user u;
        int rc = eseal_store_user_get(inst->store, &u, NULL, g->holder);
        if (rc == ESEAL_OK && strcmp(u.org_id, g->org_id) != 0) {
            rc = ESEAL_ENOTFOUND; /* another organisation's user does not exist here */
        }
        ES_ENSURE(rc != ESEAL_ENOTFOUND, ESEAL_ENOTFOUND, "no user '%s' in the seal's organisation", g->holder);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    } else {
        g->holder_kind = ESEAL_GRANT_TO_ROLE;
        ES_GUARD(put(g->holder, sizeof(g->holder), q->role, "the role"));
    }
    ES_GUARD(put(g->types, sizeof(g->types), q->types, "the document types"));
    ES_GUARD(put(g->templates, sizeof(g->templates), q->templates, "the templates"));
    ES_GUARD(set_approval(inst, g, q->approval));
    g->not_before_ms = q->not_before_ms;
    g->not_after_ms = q->not_after_ms;
    g->max_uses = q->max_uses;
    g->delegable = q->delegable > 0;
    ES_GUARD(es_from_code(eseal_grant_check(g)));
    return templates_registered(inst, g);
}

/* The webhook event "grant.changed" of `g` (`change`: grant.added, grant.delegated, grant.changed,
 * grant.revoked),
 * queued in the change's transaction (webhook.c). */
static ES_RESULT grant_event(eseal_instance *inst, const eseal_grant *g, const char *change, const char *detail)
{
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "change", change, "grant", g->id, "seal", g->seal,
                             "holder_kind", g->holder_kind == ESEAL_GRANT_TO_USER ? "user" : "role", "holder",
                             g->holder, "detail", detail);
    ES_ENSURE_ALLOC(data);
    es_result r = es_webhook_emit(inst, g->org_id, "grant.changed", data);
    json_decref(data);
    return r;
}

typedef struct {
    const eseal_grant *g;
    const char *detail;
} insert_ctx;

static ES_RESULT insert_grant(eseal_instance *inst, void *ctx)
{
    insert_ctx *c = ctx;
    ES_GUARD(es_from_code(eseal_store_grant_insert(inst->store, c->g)));
    return grant_event(inst, c->g, c->g->parent[0] != '\0' ? "grant.delegated" : "grant.added", c->detail);
}

static ES_RESULT grant_add(eseal_instance *inst, const eseal_principal *who, const eseal_grant_request *q,
                           eseal_grant *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_CHECK_VERSION(q, grant_request);
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    eseal_grant g;
    memset(&g, 0, sizeof(g));
    char org[ESEAL_OWNER_ORG_MAX + 1];
    ES_GUARD(es_gov_seal_of(inst, who, q->seal, g.seal, org));
    ES_GUARD(put(g.org_id, sizeof(g.org_id), org, "the organisation id"));
    eseal_grant parent;
    memset(&parent, 0, sizeof(parent));
    es_acting by;
    if (q->parent != NULL && q->parent[0] != '\0') {
        ES_GUARD(visible(inst, who, &parent, q->parent));
        ES_ENSURE(strcmp(parent.seal, g.seal) == 0, ESEAL_EINVAL, "grant %s is for seal %s, not %s", parent.id,
                  parent.seal, g.seal);
        /* the holder delegates; the organisation's grant administrators may as well */
        es_object obj = {"grant", parent.id, org, es_grant_holds(who, &parent) ? who->id : NULL};
        ES_GUARD(es_act_on(&by, who, ES_ACT_GRANT_DELEGATE, &obj));
        memcpy(g.parent, parent.id, sizeof(g.parent));
    } else {
        es_object obj = {"seal", g.seal, org, NULL};
        ES_GUARD(es_act_on(&by, who, ES_ACT_GRANT_ADD, &obj));
    }
    ES_ENSURE(q->note == NULL || strlen(q->note) <= 200, ESEAL_EINVAL, "grant: a note of at most 200 bytes");
    ES_GUARD(build(inst, q, &g));
    g.created_ms = es_inst_now(inst);
    if (g.not_before_ms == 0) {
        g.not_before_ms = g.created_ms; /* from now: a delegated grant then starts within its parent */
    }
    if (g.parent[0] != '\0') {
        if (q->not_before_ms == 0 && g.not_before_ms < parent.not_before_ms) {
            g.not_before_ms = parent.not_before_ms;
        }
        ES_GUARD(es_from_code(eseal_grant_narrows(&g, &parent)));
    }
    ES_GUARD(es_from_code(eseal_grant_check(&g)));
    (void)snprintf(g.created_by, sizeof(g.created_by), "%s", es_actor(&by));
    ES_GUARD(es_acc_random_id(g.id, sizeof(g.id), "grt_"));
    char detail[ES_GRANT_DETAIL_MAX + 256];
    char what[ES_GRANT_DETAIL_MAX];
    es_grant_describe(what, sizeof(what), &g);
    (void)snprintf(detail, sizeof(detail), "%s%s%s", what, q->note != NULL && q->note[0] != '\0' ? "; note: " : "",
                   q->note != NULL ? q->note : "");
    insert_ctx c = {&g, detail};
    ES_GUARD(es_acc_change(inst, &by, g.parent[0] != '\0' ? "grant.delegated" : "grant.added", g.org_id, detail,
                           insert_grant, &c));
    *out = g;
    return ES_OK;
}

int eseal_grant_add(eseal_instance *inst, const eseal_principal *who, const eseal_grant_request *req, eseal_grant *out)
{
    ES_RETURN_PUBLIC(grant_add(inst, who, req, out));
}

static ES_RESULT grant_find(eseal_instance *inst, const eseal_principal *who, eseal_grant *out, const char *id)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    ES_GUARD(visible(inst, who, out, id));
    es_acting by;
    es_object obj = {"grant", out->id, out->org_id, NULL};
    es_result r = es_act_on(&by, who, ES_ACT_GRANT_READ, &obj);
    if (!es_ok(r)) {
        memset(out, 0, sizeof(*out));
    }
    return r;
}

int eseal_grant_find(eseal_instance *inst, const eseal_principal *who, eseal_grant *out, const char *id)
{
    ES_RETURN_PUBLIC(grant_find(inst, who, out, id));
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_grant *, void *);
    void *payload;
} list_ctx;

static int list_one(const eseal_grant *g, void *p)
{
    list_ctx *l = p;
    es_object obj = {"grant", g->id, g->org_id, NULL};
    if (!es_acc_sees_org(l->who, g->org_id) || es_policy_may(l->who, ES_ACT_GRANT_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return l->cb(g, l->payload);
}

static ES_RESULT grant_list(eseal_instance *inst, const eseal_principal *who, const char *seal,
                            int (*cb)(const eseal_grant *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    char esid[64] = "";
    if (seal != NULL && seal[0] != '\0') {
        char org[ESEAL_OWNER_ORG_MAX + 1];
        ES_GUARD(es_gov_seal_of(inst, who, seal, esid, org));
    }
    list_ctx l = {who, cb, payload};
    const char *org = es_acc_sees_all(who) ? NULL : who->organization;
    int rc = eseal_store_grant_list(inst->store, esid[0] != '\0' ? NULL : org, esid[0] != '\0' ? esid : NULL, list_one,
                                    &l);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_grant_list(eseal_instance *inst, const eseal_principal *who, const char *seal,
                     int (*cb)(const eseal_grant *g, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(grant_list(inst, who, seal, cb, payload));
}

typedef struct {
    const eseal_grant *g;
    int64_t at;
    const char *detail;
} revoke_ctx;

static ES_RESULT revoke_grant(eseal_instance *inst, void *ctx)
{
    revoke_ctx *c = ctx;
    ES_GUARD(es_from_code(eseal_store_grant_revoke(inst->store, c->g->id, c->at)));
    return grant_event(inst, c->g, "grant.revoked", c->detail);
}

static ES_RESULT grant_revoke(eseal_instance *inst, const eseal_principal *who, const char *id, const char *reason)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    eseal_grant g;
    ES_GUARD(visible(inst, who, &g, id));
    es_acting by;
    es_object obj = {"grant", g.id, g.org_id, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_GRANT_REVOKE, &obj));
    ES_ENSURE(reason == NULL || strlen(reason) <= 200, ESEAL_EINVAL, "grant: a reason of at most 200 bytes");
    ES_ENSURE(g.revoked_ms == 0, ESEAL_ESTATE, "grant %s is revoked already", g.id);
    char what[ES_GRANT_DETAIL_MAX];
    es_grant_describe(what, sizeof(what), &g);
    char detail[ES_GRANT_DETAIL_MAX + 256];
    (void)snprintf(detail, sizeof(detail), "%s revoked: %s; it was: %s", g.id,
                   reason != NULL && reason[0] != '\0' ? reason : "no reason given", what);
    revoke_ctx c = {&g, es_inst_now(inst), detail};
    return es_acc_change(inst, &by, "grant.revoked", g.org_id, detail, revoke_grant, &c);
}

int eseal_grant_revoke(eseal_instance *inst, const eseal_principal *who, const char *id, const char *reason)
{
    ES_RETURN_PUBLIC(grant_revoke(inst, who, id, reason));
}

/* ---- a change (issue 20 §1: "every change is an audit entry (who, what before, what after)") ---- */

/* The audit entry's detail: both descriptions when they fit ES_GRANT_CHANGE_DETAIL_MAX bytes, else only
 * the fields that differ, each value cut to 60 bytes (a list of 16 templates is 1,040 bytes alone). */
#define ES_GRANT_CHANGE_DETAIL_MAX 1000

static void when(char out[ES_RFC3339_LEN], int64_t ms)
{
    if (ms == 0) {
        (void)snprintf(out, ES_RFC3339_LEN, "-");
    } else {
        es_time_rfc3339(out, ms);
    }
}

static size_t differs(char *out, size_t cap, size_t at, const char *field, const char *was, const char *is)
{
    if (strcmp(was, is) == 0 || at >= cap) {
        return at;
    }
    int n = snprintf(out + at, cap - at, "%s%s %.60s%s -> %.60s%s", at > 0 ? "; " : "", field, was,
                     strlen(was) > 60 ? "..." : "", is, strlen(is) > 60 ? "..." : "");
    return n < 0 ? at : at + (size_t)n;
}

static void change_detail(char *out, size_t cap, const eseal_grant *was, const eseal_grant *is, const char *reason)
{
    const char *why = reason != NULL && reason[0] != '\0' ? reason : "no reason given";
    char before[ES_GRANT_DETAIL_MAX], after[ES_GRANT_DETAIL_MAX];
    es_grant_describe(before, sizeof(before), was);
    es_grant_describe(after, sizeof(after), is);
    int n = snprintf(out, cap, "%s changed: %s; before: %s; after: %s", was->id, why, before, after);
    if (n >= 0 && (size_t)n < cap) {
        return;
    }
    char d[ES_GRANT_DETAIL_MAX] = "";
    size_t at = 0;
    at = differs(d, sizeof(d), at, "types", was->types[0] != '\0' ? was->types : "any",
                 is->types[0] != '\0' ? is->types : "any");
    at = differs(d, sizeof(d), at, "templates", was->templates[0] != '\0' ? was->templates : "any",
                 is->templates[0] != '\0' ? is->templates : "any");
    char a[ES_RFC3339_LEN], b[ES_RFC3339_LEN];
    when(a, was->not_before_ms);
    when(b, is->not_before_ms);
    at = differs(d, sizeof(d), at, "from", a, b);
    when(a, was->not_after_ms);
    when(b, is->not_after_ms);
    at = differs(d, sizeof(d), at, "until", a, b);
    (void)snprintf(a, sizeof(a), "%lld", (long long)was->max_uses);
    (void)snprintf(b, sizeof(b), "%lld", (long long)is->max_uses);
    at = differs(d, sizeof(d), at, "max uses", a, b);
    at = differs(d, sizeof(d), at, "approval", was->approval[0] != '\0' ? was->approval : "none",
                 is->approval[0] != '\0' ? is->approval : "none");
    (void)differs(d, sizeof(d), at, "delegable", was->delegable ? "yes" : "no", is->delegable ? "yes" : "no");
    (void)snprintf(out, cap, "%s changed: %s; %s", was->id, why, d);
}

/* A limit of the change: 0 keeps `*field`, a negative value clears it (0: no limit), else it replaces it. */
static void limit(int64_t *field, int64_t asked)
{
    if (asked != 0) {
        *field = asked < 0 ? 0 : asked;
    }
}

/* Whether a and b have the same fields a change may change (no change, no audit entry). */
static bool same_limits(const eseal_grant *a, const eseal_grant *b)
{
    return strcmp(a->types, b->types) == 0 && strcmp(a->templates, b->templates) == 0 &&
           a->not_before_ms == b->not_before_ms && a->not_after_ms == b->not_after_ms && a->max_uses == b->max_uses &&
           strcmp(a->approval, b->approval) == 0 && (a->delegable != 0) == (b->delegable != 0);
}

typedef struct {
    const eseal_grant *g;
    const char *detail;
} change_ctx;

static ES_RESULT change_grant(eseal_instance *inst, void *ctx)
{
    change_ctx *c = ctx;
    ES_GUARD(es_from_code(eseal_store_grant_update(inst->store, c->g)));
    return grant_event(inst, c->g, "grant.changed", c->detail);
}

static ES_RESULT grant_change(eseal_instance *inst, const eseal_principal *who, const char *id,
                              const eseal_grant_request *q, const char *reason, eseal_grant *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_CHECK_VERSION(q, grant_request);
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    eseal_grant was;
    ES_GUARD(visible(inst, who, &was, id));
    es_acting by;
    es_object obj = {"grant", was.id, was.org_id, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_GRANT_CHANGE, &obj));
    ES_ENSURE(q->seal == NULL && q->user == NULL && q->role == NULL, ESEAL_EINVAL,
              "grant: a grant's seal and holder do not change (revoke it and add another)");
    ES_ENSURE(q->parent == NULL, ESEAL_EINVAL, "grant: a delegated grant's parent does not change");
    ES_ENSURE(q->note == NULL, ESEAL_EINVAL, "grant: a change gives its reason as the reason, not a note");
    ES_ENSURE(reason == NULL || strlen(reason) <= 200, ESEAL_EINVAL, "grant: a reason of at most 200 bytes");
    ES_ENSURE(was.revoked_ms == 0, ESEAL_ESTATE, "grant %s is revoked", was.id);

    eseal_grant g = was;
    if (q->types != NULL) {
        ES_GUARD(put(g.types, sizeof(g.types), q->types, "the document types"));
    }
    if (q->templates != NULL) {
        ES_GUARD(put(g.templates, sizeof(g.templates), q->templates, "the templates"));
    }
    if (q->approval != NULL) {
        ES_GUARD(set_approval(inst, &g, q->approval));
    }
    limit(&g.not_before_ms, q->not_before_ms);
    limit(&g.not_after_ms, q->not_after_ms);
    limit(&g.max_uses, q->max_uses);
    if (q->delegable != 0) {
        g.delegable = q->delegable > 0;
    }
    ES_GUARD(es_from_code(eseal_grant_check(&g)));
    ES_ENSURE(g.max_uses == 0 || g.max_uses >= g.uses, ESEAL_EINVAL,
              "grant %s was used %lld times: it cannot allow only %lld", g.id, (long long)g.uses,
              (long long)g.max_uses);
    if (q->templates != NULL) {
        ES_GUARD(templates_registered(inst, &g));
    }
    if (g.parent[0] != '\0') {
        eseal_grant parent;
        int rc = eseal_store_grant_get(inst->store, &parent, g.parent);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        /* the uses made under g count against the parent already: what g has left must fit what the
         * parent has left, so the parent is judged as if g's uses were not yet made */
        parent.uses = parent.uses > g.uses ? parent.uses - g.uses : 0;
        ES_GUARD(es_from_code(eseal_grant_narrows(&g, &parent)));
    }
    ES_ENSURE(!same_limits(&g, &was), ESEAL_EINVAL, "grant %s: the change changes nothing", g.id);
    char detail[ES_GRANT_CHANGE_DETAIL_MAX + 1];
    change_detail(detail, sizeof(detail), &was, &g, reason);
    change_ctx c = {&g, detail};
    ES_GUARD(es_acc_change(inst, &by, "grant.changed", g.org_id, detail, change_grant, &c));
    *out = g;
    return ES_OK;
}

int eseal_grant_change(eseal_instance *inst, const eseal_principal *who, const char *id,
                       const eseal_grant_request *req, const char *reason, eseal_grant *out)
{
    ES_RETURN_PUBLIC(grant_change(inst, who, id, req, reason, out));
}
