/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The grant decision (eseal/governance.h, issue 20 §1): may this user stamp with this seal, this
 * document, now? A pure function of the principal, the use and the seal's grants: the service
 * reads the grants, asks, and counts the use in the transaction of the stamp's audit entry.
 *
 * Each grant the principal holds for the seal (by login, or by one of its roles; of its own
 * organisation; not revoked, and none of its ancestors revoked or missing) is judged in this
 * order, every limit along its chain of delegation (the grant, its parent, ...):
 *   1. the window:   GRANT_NOT_YET_VALID before not_before, GRANT_EXPIRED after not_after;
 *   2. the quota:    QUOTA_EXHAUSTED when uses >= max_uses;
 *   3. the type:     DOCUMENT_TYPE_NOT_ALLOWED when the grant names types and not the declared one;
 *   4. the template: DOCUMENT_NOT_ALLOWED when it names templates and the document derives from
 *                    none of them;
 *   5. approvals:    APPROVAL_REQUIRED when it has an approval policy and the use is not covered
 *                    by a request approved under that very policy (its canonical text).
 * A grant that passes all five allows; when several do, the first in the order given (the store
 * lists them oldest first). When none does, the refusal is the one of the grant that got furthest
 * (the first of those, again): the person is told what stands between them and the stamp, not
 * merely that something does. NO_GRANT when the principal holds none.
 */
#ifndef ES_POLICY_GRANT_H
#define ES_POLICY_GRANT_H

#include "eseal/governance.h"
#include "util/util.h"

typedef struct {
    const char *seal;            /* the seal's esID */
    const char *seal_org;        /* its organisation's id */
    const char *doc_type;        /* the declared type, or NULL */
    const char *template_sha256; /* the template the document was found to derive from, or NULL */
    bool template_unknown;       /* the document is not read yet: the template limit is not judged */
    int64_t now_ms;              /* the context's clock */
    const char *approved_policy; /* the approval policy an approved request of this principal satisfied
                                    (canonical text), or NULL: none */
} es_grant_use;

typedef struct {
    const char *refusal;      /* NULL: allowed; else an ESEAL_REFUSAL_* code */
    const eseal_grant *grant; /* the grant that allows, or that came closest (NULL: none held) */
    char reason[320];         /* one sentence for the person and the audit entry */
    /* when allowed: the grant, then its ancestors (each counts the use) */
    const eseal_grant *chain[ESEAL_GRANT_CHAIN_MAX];
    size_t chain_len;
} es_grant_decision;

/* Whether `who` holds `g` itself: a user of its organisation, by login or by a role it has. */
bool es_grant_holds(const eseal_principal *who, const eseal_grant *g);

/* The decision for `who` (a user) using the seal as `use` says, under `grants` (every grant of
 * that seal: the ancestors of a delegated grant are looked up among them). */
es_grant_decision es_grant_decide(const eseal_principal *who, const es_grant_use *use, const eseal_grant *grants,
                                  size_t n);

#endif
