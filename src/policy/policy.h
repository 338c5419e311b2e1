/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may do what: may(principal, action, object) -> a decision with the rule that made it and a
 * reason a person can read. The service asks before every change of state and records the
 * decision's rule in the audit entry. Today one rule: the local operator may do everything, and
 * nobody else anything; the governance issue adds organisations, roles, grants and approvals here.
 */
#ifndef ES_POLICY_H
#define ES_POLICY_H

#include "eseal/platform.h"
#include "util/util.h"

/* What a principal asks to do. ES_POLICY_ACTION_TABLE(X): X(enum, name) */
#define ES_POLICY_ACTION_TABLE(X)                                                                  \
    X(ES_ACT_STAMP, "stamp")                                                                       \
    X(ES_ACT_SIGN, "sign")                                                                         \
    X(ES_ACT_EXTEND, "extend")                                                                     \
    X(ES_ACT_SEAL_MAKE, "seal.make")                                                               \
    X(ES_ACT_SEAL_TRANSITION, "seal.transition")                                                   \
    X(ES_ACT_SEAL_RENEW, "seal.renew")                                                             \
    X(ES_ACT_CERT_ISSUE, "cert.issue")                                                             \
    X(ES_ACT_CERT_IMPORT, "cert.import")                                                           \
    X(ES_ACT_CERT_REVOKE, "cert.revoke")                                                           \
    X(ES_ACT_CA_RENEW, "ca.renew")                                                                 \
    X(ES_ACT_CRL_ISSUE, "crl.issue")                                                               \
    X(ES_ACT_PASSWD, "passwd")                                                                     \
    X(ES_ACT_INIT, "init")                                                                         \
    X(ES_ACT_LOG_FORGET, "log.forget")                                                             \
    X(ES_ACT_LOG_PUBLISH, "log.publish")

typedef enum {
#define ES_X_ACTION(e, name) e,
    ES_POLICY_ACTION_TABLE(ES_X_ACTION)
#undef ES_X_ACTION
        ES_ACT_COUNT_
} es_action;

/* What the action is about: a seal's esID, a certificate's id, a document's SHA-256 (may be NULL). */
typedef struct {
    const char *kind; /* "seal", "cert", "document", "log"; NULL: the platform */
    const char *id;
} es_object;

typedef enum {
    ES_ALLOW = 1,
    ES_DENY = 2,
} es_decision_kind;

typedef struct {
    es_decision_kind kind;
    const char *rule;  /* the rule that decided, a static name, e.g. "local-operator" */
    char reason[256];  /* one line for the person and the audit entry */
} es_decision;

const char *es_action_name(es_action a);

/*
 * The decision for `who` doing `action` on `obj` (may be NULL). Never fails: a principal that is
 * not well formed is denied (rule "principal-invalid").
 */
es_decision es_policy_may(const eseal_principal *who, es_action action, const es_object *obj);

/* es_policy_may, turned into a result: ESEAL_EDENIED with "<who> may not <action> <object>: <reason>"
 * when denied; `d` (may be NULL) receives the decision either way. */
ES_RESULT es_policy_require(const eseal_principal *who, es_action action, const es_object *obj, es_decision *d);

#endif
