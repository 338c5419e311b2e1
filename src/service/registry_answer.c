/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry's signed answers (issue 24, the federated registry): what this platform states of one
 * of its seals at a time, for verifiers on other platforms, signed by the registry key its trust list
 * names (docs/trust-lists.md, "Registry answers"). Served at GET /api/v1/registry/{esid}/answer and
 * stapled into the /DSS of the PDFs this platform extends (ltv.c).
 */
#include <stdio.h>
#include <string.h>

#include "eseal/recognition.h"
#include "eseal/trustlist.h"
#include "service.h"

/* The answer's status for a registry state: other platforms learn whether the seal could be used
 * then, and why not. */
static const char *answer_status(const char *state, const char **why)
{
    *why = NULL;
    if (strcmp(state, "active") == 0 || strcmp(state, "suspended") == 0) {
        return state;
    }
    if (strcmp(state, "revoked") == 0 || strcmp(state, "cancelled") == 0 || strcmp(state, "expired") == 0) {
        *why = state;
        return "revoked";
    }
    *why = strcmp(state, "none") == 0 ? NULL : state; /* applied, approved, made, filed: not yet in use */
    return "unknown";
}

ES_RESULT es_registry_answer(eseal_instance *inst, eseal_buf *jws, const char *esid, int64_t at_ms)
{
    ES_ENSURE_ARG(inst != NULL && jws != NULL && esid != NULL);
    int64_t now = es_inst_now(inst);
    int64_t at = at_ms != 0 ? at_ms : now;
    eseal_seal_status st;
    memset(&st, 0, sizeof(st));
    /* Only a whole esID is answered for: a prefix names no seal to a verifier elsewhere. */
    eseal_seal_record rec;
    int rc = eseal_instance_seal_get(inst, &rec, NULL, esid);
    if (rc == ESEAL_OK) {
        bool exact = strcmp(rec.esid, esid) == 0;
        eseal_seal_record_dispose(&rec);
        rc = exact ? eseal_instance_seal_status(inst, &st, esid, at) : ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_EAMBIGUOUS || rc == ESEAL_EINVAL) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        (void)snprintf(st.state, sizeof(st.state), "none");
    } else {
        ES_GUARD(es_from_code(rc));
    }
    const char *kind = NULL;
    const char *status = answer_status(st.state, &kind);
    char reason[sizeof(st.reason) + 32];
    reason[0] = '\0';
    if (kind != NULL) {
        (void)snprintf(reason, sizeof(reason), "%s%s%s", kind, st.reason[0] != '\0' ? ": " : "", st.reason);
    }
    ES_AUTO(es_key_freep) eseal_key *key = NULL;
    ES_GUARD(es_tl_key(inst, &key, ES_REGISTRY_KEY_FILE));
    eseal_registry_answer a = {
        .version = ESEAL_REGISTRY_ANSWER_VERSION,
        .esid = esid,
        .status = status,
        .since_ms = strcmp(status, "unknown") == 0 ? 0 : st.since_ms,
        .reason = reason[0] != '\0' ? reason : NULL,
        .at_ms = at,
        .produced_ms = now,
        .next_update_ms = now + ES_REGISTRY_ANSWER_VALID_MS,
        .platform = inst->cfg.organization != NULL ? inst->cfg.organization : "eseal platform",
    };
    return es_from_code(eseal_registry_answer_sign(jws, &a, key));
}

int eseal_instance_registry_answer(eseal_instance *inst, eseal_buf *jws, const char *esid, int64_t at_ms)
{
    return es_code(es_registry_answer(inst, jws, esid, at_ms));
}
