/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user stamps only under a grant (issue 20, docs/grants.md). The stamp (stamp.c) reads the seal's
 * grants once for its batch, asks the policy's grant decision (policy/grant.h) before anything is
 * prepared and again for each prepared document (its SHA-256 then known: is it one of the grant's
 * templates?), and hands the grant with its ancestors to its audit entry, whose transaction counts
 * the use (eseal_store_grant_use: a use refused there, the quota spent meanwhile by another stamp,
 * rolls the stamp back). The local operator stamps as before (rule local-operator): it holds the
 * instance's keys, so a grant could not bind it.
 */
#include <stdio.h>
#include <string.h>

#include "grant_gate.h"

typedef struct {
    es_seal_grants *gs;
    es_result r;
} load_ctx;

static int keep(const eseal_grant *g, void *p)
{
    load_ctx *l = p;
    if (l->gs->n == ES_GRANTS_PER_SEAL_MAX) {
        l->r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "stamp: the seal has more than %d grants",
                            ES_GRANTS_PER_SEAL_MAX);
        return ESEAL_ELIMIT;
    }
    l->gs->g[l->gs->n++] = *g;
    return 0;
}

ES_RESULT es_seal_grants_load(eseal_instance *inst, const char *esid, es_seal_grants *out)
{
    memset(out, 0, sizeof(*out));
    out->g = es_calloc(ES_GRANTS_PER_SEAL_MAX, sizeof(*out->g));
    ES_ENSURE_ALLOC(out->g);
    load_ctx l = {out, ES_OK};
    int rc = eseal_store_grant_list(inst->store, NULL, esid, keep, &l);
    if (rc != ESEAL_OK) {
        es_result r = es_ok(l.r) ? es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message) : l.r;
        es_seal_grants_free(out);
        return r;
    }
    return ES_OK;
}

void es_seal_grants_free(es_seal_grants *gs)
{
    es_free(gs->g);
    memset(gs, 0, sizeof(*gs));
}

/* Whether `sha` is a template some grant held by `who` names (the document is then that template). */
static bool a_template(const es_seal_grants *gs, const char *sha)
{
    for (size_t i = 0; sha != NULL && i < gs->n; i++) {
        const char *t = gs->g[i].templates;
        for (const char *p = t; *p != '\0';) {
            size_t n = strcspn(p, ",");
            if (n == 64 && memcmp(p, sha, 64) == 0) {
                return true;
            }
            p += n + (p[n] == ',' ? 1 : 0);
        }
    }
    return false;
}

ES_RESULT es_grant_gate(const es_seal_grants *gs, const eseal_principal *who, const char *esid, const char *org,
                        const char *doc_type, const char *doc_sha256, int64_t now_ms, es_grant_pass *pass)
{
    memset(pass, 0, sizeof(*pass));
    es_grant_use u = {.seal = esid,
                      .seal_org = org != NULL ? org : "",
                      .doc_type = doc_type,
                      .template_sha256 = a_template(gs, doc_sha256) ? doc_sha256 : NULL,
                      .now_ms = now_ms,
                      .approved = false};
    es_grant_decision d = es_grant_decide(who, &u, gs->g, gs->n);
    /* Before the document is read, its template is not known: only a template refusal may wait. */
    if (d.refusal != NULL && !(doc_sha256 == NULL && strcmp(d.refusal, ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED) == 0)) {
        return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "%s may not stamp with seal %s: %s",
                                            who->id, esid, d.reason),
                               d.refusal);
    }
    for (size_t i = 0; i < d.chain_len; i++) {
        (void)snprintf(pass->chain[i], sizeof(pass->chain[i]), "%s", d.chain[i]->id);
    }
    pass->n = d.chain_len;
    return ES_OK;
}
