/* SPDX-License-Identifier: Apache-2.0 */
/* Grants on an instance (eseal/governance.h): added, delegated, read and revoked through the front door. */
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
    eseal_approval_policy ap;
    ES_GUARD(es_from_code(eseal_approval_policy_parse(&ap, q->approval != NULL ? q->approval : "")));
    ES_GUARD(es_from_code(eseal_approval_policy_format(g->approval, sizeof(g->approval), &ap)));
    /* the approvers it names are users of the organisation (a role may have none yet) */
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
    g->not_before_ms = q->not_before_ms;
    g->not_after_ms = q->not_after_ms;
    g->max_uses = q->max_uses;
    g->delegable = q->delegable != 0;
    ES_GUARD(es_from_code(eseal_grant_check(g)));
    /* every template is one the organisation registered */
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

/* The webhook event "grant.changed" of `g` (`change`: grant.added, grant.delegated, grant.revoked),
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
