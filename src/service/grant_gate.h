/* SPDX-License-Identifier: Apache-2.0 */
/* A user's stamp under a grant (grant_gate.c): the seal's grants, the decision, the grants that count the use. */
#ifndef ES_SERVICE_GRANT_GATE_H
#define ES_SERVICE_GRANT_GATE_H

#include "eseal/governance.h"
#include "policy/grant.h"
#include "service.h"

/* The most grants one seal may have that a stamp reads (revoked ones included). */
#define ES_GRANTS_PER_SEAL_MAX 1024
/* The templates a stamp compares a document with: those of the grants the stamper holds, at most
 * this many, of at most this many bytes together (each is at most ESEAL_TEMPLATE_MAX_BYTES). */
#define ES_GATE_TEMPLATES_MAX 64
#define ES_GATE_TEMPLATE_BYTES_MAX ((size_t)256 << 20)
/* A document derived from a template is the template and a form's fill: it is read for the
 * comparison only up to this size (a larger one derives from no template). */
#define ES_GATE_DOC_MAX ((size_t)ESEAL_TEMPLATE_MAX_BYTES + ((size_t)16 << 20))

typedef struct {
    char sha256[65];
    bool ofd;
    eseal_buf bytes;
} es_gate_template;

typedef struct {
    eseal_grant *g;
    size_t n;
    es_gate_template *t; /* the templates of the grants `who` holds (es_seal_grants_load) */
    size_t nt;
} es_seal_grants;

/* Every grant of seal `esid`, oldest first, and the bytes of the templates of those `who` holds.
 * ESEAL_ELIMIT past the bounds above. */
ES_RESULT es_seal_grants_load(eseal_instance *inst, const eseal_principal *who, const char *esid, es_seal_grants *out);
void es_seal_grants_free(es_seal_grants *gs);

/* The grant that lets `who` stamp: its id, then its ancestors' (each counts the use). */
typedef struct {
    char chain[ESEAL_GRANT_CHAIN_MAX][ESEAL_GRANT_ID_LEN + 1];
    size_t n;
} es_grant_pass;

/*
 * Whether user `who` may stamp with seal `esid` of organisation `org` now, a document of declared
 * type `doc_type` (may be NULL) at `doc_path` whose SHA-256 is `doc_sha256` (hex); both NULL before
 * the document is read: a template limit is then not judged yet. A document that is none of the
 * templates is compared with each (es_pdf_template_derives, es_ofd_template_derives, under `ctx`'s
 * limits): one it derives from is the template of the decision. ESEAL_EDENIED with the refusal's
 * reason (eseal_error.reason: NO_GRANT, GRANT_EXPIRED, DOCUMENT_NOT_ALLOWED naming what changed...).
 */
ES_RESULT es_grant_gate(const es_seal_grants *gs, const eseal_principal *who, const char *esid, const char *org,
                        const char *doc_type, const char *doc_path, const char *doc_sha256,
                        const eseal_context *ctx, int64_t now_ms, es_grant_pass *pass);

#endif
