/* SPDX-License-Identifier: Apache-2.0 */
/* A user's stamp under a grant (grant_gate.c): the seal's grants, the decision, the grants that count the use. */
#ifndef ES_SERVICE_GRANT_GATE_H
#define ES_SERVICE_GRANT_GATE_H

#include "eseal/governance.h"
#include "policy/grant.h"
#include "service.h"

/* The most grants one seal may have that a stamp reads (revoked ones included). */
#define ES_GRANTS_PER_SEAL_MAX 1024

typedef struct {
    eseal_grant *g;
    size_t n;
} es_seal_grants;

/* Every grant of seal `esid`, oldest first. ESEAL_ELIMIT past ES_GRANTS_PER_SEAL_MAX. */
ES_RESULT es_seal_grants_load(eseal_instance *inst, const char *esid, es_seal_grants *out);
void es_seal_grants_free(es_seal_grants *gs);

/* The grant that lets `who` stamp: its id, then its ancestors' (each counts the use). */
typedef struct {
    char chain[ESEAL_GRANT_CHAIN_MAX][ESEAL_GRANT_ID_LEN + 1];
    size_t n;
} es_grant_pass;

/*
 * Whether user `who` may stamp with seal `esid` of organisation `org` now, a document of declared
 * type `doc_type` (may be NULL) whose SHA-256 is `doc_sha256` (hex; NULL before the document is
 * read: a template limit is then not judged yet). ESEAL_EDENIED with the refusal's reason
 * (eseal_error.reason: NO_GRANT, GRANT_EXPIRED...) and its sentence.
 */
ES_RESULT es_grant_gate(const es_seal_grants *gs, const eseal_principal *who, const char *esid, const char *org,
                        const char *doc_type, const char *doc_sha256, int64_t now_ms, es_grant_pass *pass);

#endif
