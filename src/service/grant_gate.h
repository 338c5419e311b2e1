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

/* The grant that lets `who` stamp: its id, then its ancestors' (each counts the use). On an
 * APPROVAL_REQUIRED refusal, `approval` is the policy of the grant that would allow once approved. */
typedef struct {
    char chain[ESEAL_GRANT_CHAIN_MAX][ESEAL_GRANT_ID_LEN + 1];
    size_t n;
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1];
} es_grant_pass;

/* The most bytes of a stamp entry's `approvals` line (ESEAL_AUDIT_MAX_FIELD). */
#define ES_APPROVALS_MAX 1024

/* A stamp request being executed (eseal_stamp_request.request_id), read once per stamping call. */
typedef struct {
    eseal_request r;
    eseal_request_doc *docs; /* its documents, by index */
    size_t n;
    char approvals[ES_APPROVALS_MAX + 1]; /* the approval chain for the stamp entry (es_gate_request_load) */
} es_gate_request;

/*
 * Request `id` for user `who` stamping with seal `esid`: of `who`'s organisation (ESEAL_ENOTFOUND
 * otherwise), submitted by `who` (ESEAL_EDENIED), for that seal (ESEAL_EINVAL), approved
 * (ESEAL_EDENIED with APPROVAL_REQUIRED when pending, APPROVAL_REJECTED when rejected; ESEAL_ESTATE
 * when executed already), with its documents and the approval chain of its stamps: "req_…" then, for
 * each approval in the order made, "STEP:LOGIN:TIME:COMMENT" (step 1-based, time in ms since the
 * epoch, the first 16 hex digits of the comment's SHA-256), or "STEP:LOGIN" each when that would be
 * longer than ES_APPROVALS_MAX (docs/requests.md).
 */
ES_RESULT es_gate_request_load(eseal_instance *inst, const eseal_principal *who, const char *id, const char *esid,
                               es_gate_request *out);
void es_gate_request_free(es_gate_request *q);
/* Whether `sha256` (hex) is one of q's documents not stamped yet: ESEAL_EDENIED with
 * DOCUMENT_CHANGED_AFTER_APPROVAL naming `path` otherwise. */
ES_RESULT es_gate_request_doc(const es_gate_request *q, const char *path, const char *sha256);

/*
 * A refusal `r` (ESEAL_EDENIED, its reason set) of user `who` is evidence: an audit entry `type`
 * ("stamp.refused", "request.refused") of organisation `org`, detail "CODE: message", in a
 * transaction of its own. Returns `r` (its message and reason kept), or the recording's failure.
 */
es_result es_refusal_record(eseal_instance *inst, const eseal_principal *who, const char *type, const char *org,
                            es_result r);

/*
 * Whether user `who` may stamp with seal `esid` of organisation `org` now, a document of declared
 * type `doc_type` (may be NULL) at `doc_path` whose SHA-256 is `doc_sha256` (hex); both NULL before
 * the document is read: a template limit is then not judged yet. A document that is none of the
 * templates is compared with each (es_pdf_template_derives, es_ofd_template_derives, under `ctx`'s
 * limits): one it derives from is the template of the decision. `approved_policy` (may be NULL): the
 * approval policy an approved request of `who` satisfied (policy/grant.h). ESEAL_EDENIED with the refusal's
 * reason (eseal_error.reason: NO_GRANT, GRANT_EXPIRED, DOCUMENT_NOT_ALLOWED naming what changed...).
 */
ES_RESULT es_grant_gate(const es_seal_grants *gs, const eseal_principal *who, const char *esid, const char *org,
                        const char *doc_type, const char *doc_path, const char *doc_sha256,
                        const char *approved_policy, const eseal_context *ctx, int64_t now_ms, es_grant_pass *pass);

#endif
