/* SPDX-License-Identifier: Apache-2.0 */
/**
 * eseal — controlled use of seals: grants and their approval policies (issue 20; docs/grants.md).
 *
 * "Authority equals control": a user of an organisation stamps with one of its seals only under a
 * grant. A grant gives one user (by login) or every holder of one role of the seal's organisation
 * the right to stamp with one seal, with optional limits, all checked at the moment of use:
 *   - document types: the requester declares the type ("contract", "invoice"...), and it must be
 *     one of the grant's;
 *   - templates: the document must be one of the registered templates (by SHA-256), or derive
 *     from one by filling its form (the service decides which template a document derives from);
 *   - a time window [not_before, not_after], both ends included, to the millisecond: the right
 *     starts and ends by itself, with nothing having to run;
 *   - a number of uses (a quota, counted in the same transaction as the stamp's audit entry);
 *   - an approval policy: ordered steps, each "k of n" named users or members of a role
 *     ("1:@approver" or "2:alice,bob,carol;1:ceo"), see eseal_approval_policy_parse.
 * A grant may allow its holder to delegate it: a delegated grant is never wider than its parent
 * (its window, uses, types and templates within the parent's, the same approval policy), every
 * limit of every ancestor applies to each use of it (a use counts against the whole chain), and
 * it ends when any ancestor ends or is revoked.
 *
 * Every refusal carries a stable code (ESEAL_REFUSAL_*, the `code` of the API's problem+json) and
 * a sentence a person understands.
 */
#ifndef ESEAL_GOVERNANCE_H
#define ESEAL_GOVERNANCE_H

#include <stdint.h>

#include "eseal/accounts.h"
#include "eseal/instance.h"

ESEAL_BEGIN_DECL

#define ESEAL_GRANT_ID_LEN 20        /**< "grt_" and 16 hex digits */
#define ESEAL_DOC_TYPE_MAX 32        /**< a document type: [a-z0-9._-], starting with a letter or digit */
#define ESEAL_GRANT_TYPES_MAX 16     /**< document types one grant names */
#define ESEAL_GRANT_TEMPLATES_MAX 16 /**< templates one grant names */
#define ESEAL_APPROVAL_STEPS_MAX 8
#define ESEAL_APPROVAL_MEMBERS_MAX 16 /**< members of one step */
#define ESEAL_APPROVAL_TEXT_MAX 1024  /**< an approval policy as text */
#define ESEAL_GRANT_CHAIN_MAX 8       /**< a grant and its ancestors: delegation goes at most 7 deep */

/** The stable codes of a refusal to stamp (the API's problem+json `code`). */
#define ESEAL_REFUSAL_NO_GRANT "NO_GRANT"
#define ESEAL_REFUSAL_GRANT_EXPIRED "GRANT_EXPIRED"
#define ESEAL_REFUSAL_GRANT_NOT_YET_VALID "GRANT_NOT_YET_VALID"
#define ESEAL_REFUSAL_QUOTA_EXHAUSTED "QUOTA_EXHAUSTED"
#define ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED "DOCUMENT_TYPE_NOT_ALLOWED"
#define ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED "DOCUMENT_NOT_ALLOWED"
#define ESEAL_REFUSAL_APPROVAL_REQUIRED "APPROVAL_REQUIRED"
#define ESEAL_REFUSAL_APPROVAL_REJECTED "APPROVAL_REJECTED"
#define ESEAL_REFUSAL_SELF_APPROVAL "SELF_APPROVAL"
#define ESEAL_REFUSAL_DOCUMENT_CHANGED_AFTER_APPROVAL "DOCUMENT_CHANGED_AFTER_APPROVAL"
#define ESEAL_REFUSAL_SEAL_NOT_ACTIVE "SEAL_NOT_ACTIVE"

typedef enum {
    ESEAL_GRANT_TO_USER = 1, /**< `holder` is a login */
    ESEAL_GRANT_TO_ROLE = 2, /**< `holder` is a role name of the organisation (eseal/accounts.h) */
} eseal_grant_holder;

/** One grant, as stored. Lists are comma-separated, "" when the grant does not limit that. */
typedef struct {
    char id[ESEAL_GRANT_ID_LEN + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1]; /**< the seal's organisation */
    char seal[64];                     /**< the seal's esID */
    eseal_grant_holder holder_kind;
    char holder[ESEAL_LOGIN_MAX + 1];
    char types[ESEAL_GRANT_TYPES_MAX * (ESEAL_DOC_TYPE_MAX + 1)]; /**< "" any type */
    char templates[ESEAL_GRANT_TEMPLATES_MAX * 65];               /**< SHA-256s (hex); "" any document */
    int64_t not_before_ms;                                        /**< 0: no start */
    int64_t not_after_ms;                                         /**< 0: no end; else the last ms it allows */
    int64_t max_uses;                                             /**< 0: no limit */
    int64_t uses;                                                 /**< stamps made under it (and its delegates) */
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1];                   /**< "" none; canonical form */
    int delegable;                                                /**< 1: its holder may delegate it */
    char parent[ESEAL_GRANT_ID_LEN + 1];                          /**< the grant it narrows; "" none */
    char created_by[ESEAL_LOGIN_MAX + 16];                        /**< "KIND:ID" of who made it */
    int64_t created_ms;
    int64_t revoked_ms; /**< 0: not revoked */
} eseal_grant;

#define ESEAL_TEMPLATE_NAME_MAX 200      /**< bytes of UTF-8 */
#define ESEAL_TEMPLATE_MAX_BYTES (64u << 20) /**< the largest template kept (64 MiB) */

/** A registered template of an organisation: a PDF or OFD kept by its SHA-256. */
typedef struct {
    char org_id[ESEAL_ORG_ID_LEN + 1];
    char sha256[65]; /**< lower-case hex */
    char name[ESEAL_TEMPLATE_NAME_MAX + 1];
    char format[4];  /**< "pdf" or "ofd" */
    int64_t size;
    char created_by[ESEAL_LOGIN_MAX + 16];
    int64_t created_ms;
} eseal_template;

/** One step of an approval policy: `k` distinct approvals from its members. */
typedef struct {
    unsigned int k;
    size_t n;
    /** a login, or "@" and a role of the organisation */
    char member[ESEAL_APPROVAL_MEMBERS_MAX][ESEAL_LOGIN_MAX + 2];
} eseal_approval_step;

typedef struct {
    size_t steps; /**< 0: no approval needed */
    eseal_approval_step step[ESEAL_APPROVAL_STEPS_MAX];
} eseal_approval_policy;

/**
 * Parses an approval policy: steps in order, separated by ';', each "[K:]MEMBER[,MEMBER...]"
 * where K (default 1) is how many distinct members must approve and MEMBER a login or "@ROLE"
 * (approver, org-admin, seal-keeper, stamper, auditor: any active user of the organisation with
 * that role). "" is no approval. K must be at least 1 and, in a step of logins only, at most
 * their number; a member at most once per step. ESEAL_EINVAL, saying what is wrong, otherwise.
 */
ESEAL_EXTERN(int) eseal_approval_policy_parse(eseal_approval_policy *out, const char *text);

/**
 * The canonical text of `p` ("K:M,M;K:M": K always written, members in the order given):
 * parse(format(p)) == p. ESEAL_ELIMIT when `cap` is too small.
 */
ESEAL_EXTERN(int) eseal_approval_policy_format(char *out, size_t cap, const eseal_approval_policy *p);

/**
 * Whether `g` is well formed on its own: holder and its kind, types (each [a-z0-9._-], at most
 * ESEAL_GRANT_TYPES_MAX, no duplicate), templates (64 lower-case hex digits each, no
 * duplicate), the window (not_after >= not_before when both are set), uses (>= 0), the approval
 * policy (canonical: eseal_approval_policy_format of its parse). ESEAL_EINVAL saying what is wrong.
 */
ESEAL_EXTERN(int) eseal_grant_check(const eseal_grant *g);

/**
 * Whether `child` may be delegated from `parent`: the same seal and organisation, a parent that
 * allows delegation and is not revoked, a window within the parent's, at most the parent's uses
 * left (when it has a limit), types and templates within the parent's (a parent that limits them
 * gives a child that limits them at least as much), the same approval policy. ESEAL_EDENIED with
 * the first thing that would widen the parent.
 */
ESEAL_EXTERN(int) eseal_grant_narrows(const eseal_grant *child, const eseal_grant *parent);

/* ---- grants and templates on an instance (src/governance; docs/grants.md) ---- */

#define ESEAL_GRANT_REQUEST_VERSION 1

/** What eseal_grant_add is asked for. Strings may be NULL (not limited / not given). */
typedef struct {
    unsigned int version;     /**< ESEAL_GRANT_REQUEST_VERSION */
    const char *seal;         /**< the seal's esID (required) */
    const char *user;         /**< the holder: a login of the seal's organisation, or */
    const char *role;         /**< every user with this role there (exactly one of user and role) */
    const char *types;        /**< document types, comma-separated */
    const char *templates;    /**< SHA-256s of the organisation's registered templates, comma-separated */
    int64_t not_before_ms;    /**< 0: from now */
    int64_t not_after_ms;     /**< 0: no end; else the last millisecond it allows */
    int64_t max_uses;         /**< 0: no limit */
    const char *approval;     /**< an approval policy (eseal_approval_policy_parse), NULL or "": none */
    int delegable;            /**< 1: the holder may delegate it */
    const char *parent;       /**< a grant id: delegate it (narrowed: eseal_grant_narrows) */
    const char *note;         /**< why, for the audit entry (at most 200 bytes; may be NULL) */
} eseal_grant_request;

#define ESEAL_GRANT_REQUEST_INIT {.version = ESEAL_GRANT_REQUEST_VERSION}

/** Zeroes `o` and sets its version (the same as ESEAL_GRANT_REQUEST_INIT); ESEAL_EINVAL for another version. */
ESEAL_EXTERN(int) eseal_grant_request_init(eseal_grant_request *o, unsigned int version);

/**
 * Adds a grant through the front door: an org-admin or seal-keeper of the seal's organisation (a
 * platform administrator, the local operator) grants; the holder of a delegable grant delegates
 * it. The seal must belong to an organisation of the platform; a user holder must be a user of it;
 * the templates must be registered by it. The grant and its audit entry ("grant.added", with the
 * whole grant) are one transaction. *out receives it. ESEAL_EINVAL (a malformed request, saying
 * what), ESEAL_ENOTFOUND (a seal, user, template or parent the principal cannot see), ESEAL_EDENIED.
 */
ESEAL_EXTERN(int) eseal_grant_add(eseal_instance *inst, const eseal_principal *who, const eseal_grant_request *req,
                                  eseal_grant *out);
/** The grant `id` if `who` may see it (a member of its organisation); ESEAL_ENOTFOUND otherwise. */
ESEAL_EXTERN(int) eseal_grant_find(eseal_instance *inst, const eseal_principal *who, eseal_grant *out, const char *id);
/**
 * The grants `who` may see, oldest first: of seal `seal` (may be NULL: of every seal), revoked
 * ones too. A user sees its organisation's; the platform side all.
 */
ESEAL_EXTERN(int) eseal_grant_list(eseal_instance *inst, const eseal_principal *who, const char *seal,
                                   int (*cb)(const eseal_grant *g, void *payload), void *payload);
/**
 * Revokes a grant (and so every grant delegated from it: they end with it), with a reason for the
 * audit entry ("grant.revoked", with the grant as it was). ESEAL_ESTATE when revoked already.
 */
ESEAL_EXTERN(int) eseal_grant_revoke(eseal_instance *inst, const eseal_principal *who, const char *id,
                                     const char *reason);

/**
 * Registers a template of organisation `org` (an id, code, identifier or name; NULL: the
 * principal's own): the bytes of a PDF or OFD (ESEAL_EMALFORMED for anything else), kept by their
 * SHA-256, with a name. An org-admin or seal-keeper does it; audit entry "template.added". A
 * template registered already is ESEAL_EEXISTS (*out still receives it).
 */
ESEAL_EXTERN(int) eseal_template_add(eseal_instance *inst, const eseal_principal *who, const char *org,
                                     const char *name, const void *bytes, size_t len, eseal_template *out);
/** The templates of `who`'s organisation (the platform side: of `org`, NULL: all), oldest first. */
ESEAL_EXTERN(int) eseal_template_list(eseal_instance *inst, const eseal_principal *who, const char *org,
                                      int (*cb)(const eseal_template *t, void *payload), void *payload);

ESEAL_END_DECL

#endif
