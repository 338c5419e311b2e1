/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may do what: may(principal, action, object) -> a decision with the rule that made it and a
 * reason a person can read. The service asks before every change of state and records the
 * decision's rule in the audit entry. The rules (docs/accounts.md, "Who may do what"):
 *   local-operator  the local operator (the CLI on the instance's machine) may do everything;
 *   platform-admin  a user with that role may do everything;
 *   org-admin       manages the users and tokens of its own organisation, reads it;
 *   self            every user reads itself, changes its own password, makes, reads and revokes
 *                   its own tokens;
 *   member          every user reads its own organisation, and its organisation's seals,
 *                   certificates, grants and templates;
 *   seal-keeper     the lifecycle of its organisation's seals (seal.transition: suspend, resume,
 *                   revoke; seal.renew) and seal.make with its organisation's certificates;
 *   stamper         reads the receipts of its organisation's stamps and signs with its certificates;
 *                   a user's stamp itself is decided by the grants (service/grant_gate.c,
 *                   docs/grants.md), not by this rule;
 *   auditor         reads its organisation's audit entries (org-admin as well);
 *   org-admin       also adds, reads, removes its organisation's webhooks and replays their
 *                   deliveries (webhook.*, docs/webhooks.md);
 *   grant-admin     an org-admin or seal-keeper grants the use of its organisation's seals, revokes
 *                   grants, and registers templates (docs/grants.md);
 *   holder          the holder of a delegable grant delegates it (grant.delegate: the governance
 *                   room names the principal as the object's owner only when it holds the grant);
 *   member          also submits stamp requests, reads its organisation's, and decides them: whether
 *                   a grant allows the request and whether the user is an approver of its step are
 *                   the grants' and the request's approval policy's (governance/request.c,
 *                   docs/requests.md), not this rule's;
 *   requester       the user who submitted a request executes it (request.execute);
 *   device-admin    an org-admin or seal-keeper registers and retires its organisation's physical seal
 *                   devices (device.add, device.retire); members read them (device.read);
 *   device          a device principal asks unlocks and reports impressions as itself only
 *                   (device.unlock, device.report on the object whose owner is its id: the
 *                   governance room checks its chip's signature first, governance/device.c);
 *   no-grants       anything else is denied (grants and approvals come with the governance issue).
 * An action on an object of another organisation is denied by every rule but the first two.
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
    X(ES_ACT_LOG_PUBLISH, "log.publish")                                                           \
    X(ES_ACT_ORG_ADD, "org.add")                                                                   \
    X(ES_ACT_ORG_READ, "org.read")                                                                 \
    X(ES_ACT_USER_ADD, "user.add")                                                                 \
    X(ES_ACT_USER_READ, "user.read")                                                               \
    X(ES_ACT_USER_CHANGE, "user.change")                                                           \
    X(ES_ACT_USER_PASSWD, "user.passwd")                                                           \
    X(ES_ACT_USER_GRANT_ADMIN, "user.grant-platform-admin")                                        \
    X(ES_ACT_TOKEN_CREATE, "token.create")                                                         \
    X(ES_ACT_TOKEN_READ, "token.read")                                                             \
    X(ES_ACT_TOKEN_REVOKE, "token.revoke")                                                         \
    X(ES_ACT_SEAL_READ, "seal.read")                                                               \
    X(ES_ACT_CERT_READ, "cert.read")                                                               \
    X(ES_ACT_AUDIT_READ, "audit.read")                                                             \
    X(ES_ACT_GRANT_ADD, "grant.add")                                                               \
    X(ES_ACT_GRANT_DELEGATE, "grant.delegate")                                                     \
    X(ES_ACT_GRANT_READ, "grant.read")                                                             \
    X(ES_ACT_GRANT_REVOKE, "grant.revoke")                                                         \
    X(ES_ACT_GRANT_CHANGE, "grant.change")                                                         \
    X(ES_ACT_TEMPLATE_ADD, "template.add")                                                         \
    X(ES_ACT_TEMPLATE_READ, "template.read")                                                       \
    X(ES_ACT_WEBHOOK_ADD, "webhook.add")                                                           \
    X(ES_ACT_WEBHOOK_READ, "webhook.read")                                                         \
    X(ES_ACT_WEBHOOK_REMOVE, "webhook.remove")                                                     \
    X(ES_ACT_WEBHOOK_REPLAY, "webhook.replay")                                                     \
    X(ES_ACT_REQUEST_SUBMIT, "request.submit")                                                     \
    X(ES_ACT_REQUEST_READ, "request.read")                                                         \
    X(ES_ACT_REQUEST_DECIDE, "request.decide")                                                     \
    X(ES_ACT_REQUEST_EXECUTE, "request.execute")                                                   \
    X(ES_ACT_DEVICE_ADD, "device.add")                                                             \
    X(ES_ACT_DEVICE_READ, "device.read")                                                           \
    X(ES_ACT_DEVICE_RETIRE, "device.retire")                                                       \
    X(ES_ACT_DEVICE_UNLOCK, "device.unlock")                                                       \
    X(ES_ACT_DEVICE_REPORT, "device.report")                                                       \
    X(ES_ACT_TRUSTLIST_PUBLISH, "trustlist.publish")                                               \
    X(ES_ACT_TRUST_ADD, "trust.add")                                                               \
    X(ES_ACT_TRUST_REFRESH, "trust.refresh")                                                       \
    X(ES_ACT_TRUST_REMOVE, "trust.remove")

typedef enum {
#define ES_X_ACTION(e, name) e,
    ES_POLICY_ACTION_TABLE(ES_X_ACTION)
#undef ES_X_ACTION
        ES_ACT_COUNT_
} es_action;

/* What the action is about: a seal's esID, a certificate's id, a document's SHA-256 (may be NULL);
 * for the accounts' objects also the organisation it belongs to and the user it is of; for a seal
 * or a certificate the organisation whose identifier (USCC) its certificate carries (NULL when it
 * names none of the platform's organisations: then only the first two rules allow). */
typedef struct {
    const char *kind;  /* "seal", "cert", "document", "log", "org", "user", "token", "grant", "template", "webhook",
                        * "request", "device";
                        * NULL: the platform */
    const char *id;
    const char *org;   /* the organisation's id (NULL: none, or not known) */
    const char *owner; /* the login of the user the object is, or belongs to (NULL: none) */
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
