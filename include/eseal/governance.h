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
/** A seal bound to hardware asked to stamp with a key that is not the bound device's (issue 23). */
#define ESEAL_REFUSAL_SEAL_HARDWARE_MISMATCH "SEAL_HARDWARE_MISMATCH"
/** An approval or rejection by someone the request's current step does not name (or disabled). */
#define ESEAL_REFUSAL_NOT_AN_APPROVER "NOT_AN_APPROVER"

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
    int delegable;            /**< 1: the holder may delegate it (0 or -1: not; a change: 0 keeps, -1 clears) */
    const char *parent;       /**< a grant id: delegate it (narrowed: eseal_grant_narrows) */
    const char *note;         /**< why, for the audit entry (at most 200 bytes; may be NULL) */
} eseal_grant_request;

#define ESEAL_GRANT_REQUEST_INIT {.version = ESEAL_GRANT_REQUEST_VERSION}

/* eseal_grant_change reads the same request: a field left unset (NULL, 0) keeps what the grant has. */

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
 * Changes grant `id` (issue 20 §1): the fields of `req` that are set replace the grant's, the others
 * keep it. A string (types, templates, approval) NULL keeps, "" clears (any type, any document, no
 * approval); not_before_ms, not_after_ms, max_uses 0 keep, a negative value clears (no start, no
 * end, no limit); delegable 0 keeps, 1 allows delegating, -1 forbids it. seal, user, role, parent
 * and note must be NULL: a grant's seal and holder do not change (ESEAL_EINVAL; revoke it and add
 * another); the reason goes in `reason` (at most 200 bytes, may be NULL). The rule of
 * grant.revoke: an org-admin or seal-keeper of the grant's organisation (ESEAL_EDENIED). The
 * changed grant must be well formed (eseal_grant_check), allow at least the uses made already, and,
 * delegated, still narrow its parent (eseal_grant_narrows: what it has left within what the parent
 * has left; ESEAL_EDENIED); its delegates stay as they are (every limit of every ancestor applies
 * to each use). A change that changes nothing is ESEAL_EINVAL; a revoked grant ESEAL_ESTATE. The
 * change and its audit entry ("grant.changed": who, the reason, the grant before and after) are
 * one transaction, with the webhook event "grant.changed". *out receives the grant as changed.
 */
ESEAL_EXTERN(int) eseal_grant_change(eseal_instance *inst, const eseal_principal *who, const char *id,
                                     const eseal_grant_request *req, const char *reason, eseal_grant *out);

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

/* ---- webhooks (issue 20 §3; docs/webhooks.md) ---- */

#define ESEAL_WEBHOOK_ID_LEN 20          /**< "whk_" and 16 hex digits */
#define ESEAL_DELIVERY_ID_LEN 20         /**< "dlv_" and 16 hex digits */
#define ESEAL_EVENT_ID_LEN 20            /**< "evt_" and 16 hex digits */
#define ESEAL_WEBHOOK_URL_MAX 512
#define ESEAL_WEBHOOK_EVENTS_MAX 256     /**< the subscribed event types, comma-separated */
#define ESEAL_WEBHOOK_SECRET_LEN 70      /**< "whsec_" and 64 hex digits (32 random bytes) */
#define ESEAL_WEBHOOK_EVENT_TYPE_MAX 40
#define ESEAL_WEBHOOK_BODY_MAX (16u * 1024u) /**< the JSON body of one event */
#define ESEAL_WEBHOOK_ERROR_MAX 255
#define ESEAL_WEBHOOKS_PER_ORG_MAX 16
/** How long a delivery is retried after it was queued: then it is failed. */
#define ESEAL_WEBHOOK_GIVE_UP_MS (24 * 3600 * 1000LL)
/** The first retry waits this long, each next one twice as long, never more than the cap. */
#define ESEAL_WEBHOOK_BACKOFF_FIRST_MS 1000LL
#define ESEAL_WEBHOOK_BACKOFF_CAP_MS (3600 * 1000LL)

/** The events a webhook subscribes to: ESEAL_WEBHOOK_EVENT_TABLE(X): X(name). */
#define ESEAL_WEBHOOK_EVENT_TABLE(X)                                                                                   \
    X("stamp.request.submitted")                                                                                       \
    X("stamp.request.approved")                                                                                        \
    X("stamp.request.rejected")                                                                                        \
    X("stamp.request.executed")                                                                                        \
    X("grant.changed")                                                                                                 \
    X("seal.status")                                                                                                   \
    X("log.checkpoint")                                                                                                \
    X("alert")

/** An endpoint of an organisation, as stored. */
typedef struct {
    char id[ESEAL_WEBHOOK_ID_LEN + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1];
    char url[ESEAL_WEBHOOK_URL_MAX + 1];
    char events[ESEAL_WEBHOOK_EVENTS_MAX + 1]; /**< event types, comma-separated */
    char secret[ESEAL_WEBHOOK_SECRET_LEN + 1]; /**< the signing secret ("whsec_..."); kept in the store as is */
    int active;                                /**< 1: deliveries are queued for it */
    char created_by[ESEAL_LOGIN_MAX + 16];
    int64_t created_ms;
} eseal_webhook;

typedef enum {
    ESEAL_DELIVERY_PENDING = 1,   /**< waits for its next attempt (next_attempt_ms) */
    ESEAL_DELIVERY_DELIVERED = 2, /**< the endpoint answered 2xx */
    ESEAL_DELIVERY_FAILED = 3,    /**< no 2xx within ESEAL_WEBHOOK_GIVE_UP_MS of its creation */
} eseal_delivery_status;

/** One event for one webhook, as stored: what was sent, and what came of every attempt so far. */
typedef struct {
    char id[ESEAL_DELIVERY_ID_LEN + 1];
    char webhook_id[ESEAL_WEBHOOK_ID_LEN + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1]; /**< the webhook's organisation */
    char event_id[ESEAL_EVENT_ID_LEN + 1];
    char event_type[ESEAL_WEBHOOK_EVENT_TYPE_MAX + 1];
    char body[ESEAL_WEBHOOK_BODY_MAX + 1]; /**< the JSON sent, byte for byte */
    eseal_delivery_status status;
    int64_t attempts;
    int64_t next_attempt_ms;
    int64_t last_status;                       /**< the last HTTP status (0: none, a transport failure) */
    char last_error[ESEAL_WEBHOOK_ERROR_MAX + 1]; /**< "" none */
    int64_t created_ms;                        /**< when it was queued (the 24 h run from then) */
    int64_t updated_ms;                        /**< its last attempt, or its creation */
} eseal_delivery;

/** "pending", "delivered", "failed" ("?" otherwise). */
ESEAL_EXTERN(const char *) eseal_delivery_status_name(eseal_delivery_status s);

/** Whether `type` is one of ESEAL_WEBHOOK_EVENT_TABLE. */
ESEAL_EXTERN(int) eseal_webhook_event_known(const char *type);

/**
 * The wait before the retry that follows attempt number `attempts` (1: the first attempt failed):
 * ESEAL_WEBHOOK_BACKOFF_FIRST_MS (or `first_ms` when not 0) doubled for each attempt after the
 * first, at most ESEAL_WEBHOOK_BACKOFF_CAP_MS.
 */
ESEAL_EXTERN(int64_t) eseal_webhook_backoff_ms(int64_t attempts, int64_t first_ms);

/**
 * The first wait of the retries eseal_webhook_deliver_due uses: ESEAL_WEBHOOK_BACKOFF_FIRST_MS, or
 * the environment's ESEAL_WEBHOOK_BACKOFF_MS (1 to 3600000 milliseconds; for tests, which shorten
 * it). `eseal serve`'s delivery thread looks for due deliveries every second, or this often when
 * it is shorter.
 */
ESEAL_EXTERN(int64_t) eseal_webhook_backoff_first_ms(void);

/**
 * The header `eseal-signature` for `body` sent at `t` (unix seconds) with `secret`:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>" (as Stripe's). ESEAL_ELIMIT if `cap` is short
 * (100 bytes are enough).
 */
ESEAL_EXTERN(int) eseal_webhook_signature(char *out, size_t cap, const char *secret, int64_t t, const void *body,
                                          size_t len);

/**
 * Adds a webhook of organisation `org` (NULL: the principal's own; the platform side must name one)
 * for an org-admin of it (the policy's webhook.add): `url` https://, or http:// on 127.0.0.1 or
 * localhost (a test receiver), `events` a comma-separated list of known event types. *out receives
 * it with its new secret (shown once by the API). Audit entry "webhook.added" (without the secret).
 * ESEAL_EINVAL, ESEAL_ENOTFOUND (an organisation it cannot see), ESEAL_EDENIED, ESEAL_ELIMIT (past
 * ESEAL_WEBHOOKS_PER_ORG_MAX).
 */
ESEAL_EXTERN(int) eseal_webhook_add(eseal_instance *inst, const eseal_principal *who, const char *org, const char *url,
                                    const char *events, eseal_webhook *out);
/** The webhooks `who` may see (an org-admin: its organisation's; the platform side: all), oldest first. */
ESEAL_EXTERN(int) eseal_webhook_list(eseal_instance *inst, const eseal_principal *who,
                                     int (*cb)(const eseal_webhook *w, void *payload), void *payload);
/** Removes a webhook and its deliveries (audit entry "webhook.removed"). ESEAL_ENOTFOUND when `who` cannot see it. */
ESEAL_EXTERN(int) eseal_webhook_remove(eseal_instance *inst, const eseal_principal *who, const char *id);
/** The deliveries of webhook `id`, newest first, at most `max` (0: 100). ESEAL_ENOTFOUND as above. */
ESEAL_EXTERN(int) eseal_webhook_deliveries(eseal_instance *inst, const eseal_principal *who, const char *id,
                                           size_t max, int (*cb)(const eseal_delivery *d, void *payload),
                                           void *payload);
/**
 * Queues delivery `id` again as a new delivery (same event id, type and body; attempts from 0, due
 * now), whatever became of it; *out (may be NULL) receives the new one. Audit entry
 * "webhook.replayed". ESEAL_ENOTFOUND when `who` cannot see it.
 */
ESEAL_EXTERN(int) eseal_webhook_replay(eseal_instance *inst, const eseal_principal *who, const char *id,
                                       eseal_delivery *out);

/**
 * Sends the deliveries that are due at `now_ms` (at most `max`, 0: 32), one POST each
 * (Content-Type: application/json, eseal-signature, eseal-event, eseal-delivery, eseal-event-id;
 * timeout 5 s, response read to 64 KiB at most): a 2xx is delivered; anything else is retried
 * after eseal_webhook_backoff_ms (the first wait is ESEAL_WEBHOOK_BACKOFF_FIRST_MS, or the
 * environment's ESEAL_WEBHOOK_BACKOFF_MS for tests), until ESEAL_WEBHOOK_GIVE_UP_MS after its
 * creation: then failed. Each delivery is taken first (eseal_store_delivery_claim: two servers on
 * one home never both send it; a sender that dies leaves it due again a minute later), and each
 * attempt updates its row (attempts, last status and error). What runs
 * it: `eseal serve`'s delivery thread, every second. *sent (may be NULL) receives how many were
 * attempted.
 */
ESEAL_EXTERN(int) eseal_webhook_deliver_due(eseal_instance *inst, int64_t now_ms, size_t max, size_t *sent);

/** Alerts of one stamp serial are queued at most once in this long (by all processes on the store). */
#define ESEAL_WEBHOOK_ALERT_INTERVAL_MS (3600 * 1000LL)

/**
 * The alert of a public verification (issue 20 §3, "any modification triggers an alert"): for each
 * signature of `report` that names a stamp serial of this platform (its id "eseal-ST..." found by
 * eseal_instance_stamp_find) when the signature's verdict or the document's is not VALID, an
 * "alert" event is queued to the organisation that owns the stamp's seal, with the serial, the
 * seal, the verdicts and the reasons (docs/webhooks.md). At most one per serial per
 * ESEAL_WEBHOOK_ALERT_INTERVAL_MS, by every process on the store (the store's named value
 * "alerts.verification.failed.SERIAL", behind a table in the process: a verification repeated by
 * anyone does not flood the receiver). `now_ms` is the clock (0: the instance's). *queued (may be NULL) receives how many
 * alerts were queued. No principal: what it reads is public, what it writes is the platform's own.
 */
ESEAL_EXTERN(int) eseal_webhook_verify_alert(eseal_instance *inst, const eseal_report *report, int64_t now_ms,
                                             size_t *queued);


/* ---- stamp requests and their approvals (issue 20 §2; docs/requests.md) ---- */

#define ESEAL_REQUEST_ID_LEN 20          /**< "req_" and 16 hex digits */
#define ESEAL_DECISION_ID_LEN 20         /**< "dec_" and 16 hex digits */
#define ESEAL_REQUEST_DOCS_MAX 1000      /**< documents of one request (a batch) */
#define ESEAL_REQUEST_PURPOSE_MAX 500    /**< bytes of UTF-8 */
#define ESEAL_REQUEST_COMMENT_MAX 1000   /**< an approver's comment, bytes of UTF-8 */
#define ESEAL_REQUEST_DOC_NAME_MAX 200   /**< a document's name as submitted (its file name) */
#define ESEAL_REQUEST_BATCH_MAX 100      /**< requests one batch approval decides */

typedef enum {
    ESEAL_REQUEST_PENDING = 1,  /**< waits for the approvals of its current step */
    ESEAL_REQUEST_APPROVED = 2, /**< every step approved (or none needed): it may be executed */
    ESEAL_REQUEST_REJECTED = 3, /**< an approver rejected it: it ends there */
    ESEAL_REQUEST_EXECUTED = 4, /**< every document stamped */
} eseal_request_status;

/** "pending", "approved", "rejected", "executed" ("?" otherwise). */
ESEAL_EXTERN(const char *) eseal_request_status_name(eseal_request_status s);

/** A stamp request, as stored. */
typedef struct {
    char id[ESEAL_REQUEST_ID_LEN + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1]; /**< the seal's organisation */
    char seal[64];                     /**< the seal's esID */
    char requester[ESEAL_LOGIN_MAX + 1];
    char grant[ESEAL_GRANT_ID_LEN + 1];         /**< the grant it was submitted under */
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1]; /**< that grant's approval policy at submission ("" none) */
    char doc_type[ESEAL_DOC_TYPE_MAX + 1];      /**< declared ("" none) */
    char purpose[ESEAL_REQUEST_PURPOSE_MAX + 1];
    /* placement: as eseal_stamp_request's fields of the same names */
    int page;
    double x_mm, y_mm;
    int xy_exact;
    int cross_page;
    int level; /**< ESEAL_LEVEL_* */
    int qr;
    eseal_request_status status;
    unsigned int step;  /**< the step waiting for approvals, 0-based (== the policy's steps once approved) */
    int64_t docs;       /**< how many documents */
    int64_t done;       /**< how many are stamped */
    int64_t created_ms;
    int64_t updated_ms; /**< its last change (a decision, a stamp) */
} eseal_request;

/** One document of a request, as stored (its bytes are kept in the home, docs/requests.md). */
typedef struct {
    char request_id[ESEAL_REQUEST_ID_LEN + 1];
    int64_t index; /**< 0-based, in the order submitted */
    char name[ESEAL_REQUEST_DOC_NAME_MAX + 1];
    char format[4];  /**< "pdf" or "ofd" */
    char sha256[65]; /**< of the bytes submitted (and approved) */
    int64_t size;
    char serial[40]; /**< its stamp's serial; "" not stamped */
    int64_t log_index; /**< its stamp's audit entry; -1 not stamped */
} eseal_request_doc;

/** One approver's decision on one step of a request, as stored. */
typedef struct {
    char id[ESEAL_DECISION_ID_LEN + 1];
    char request_id[ESEAL_REQUEST_ID_LEN + 1];
    unsigned int step; /**< 0-based */
    char approver[ESEAL_LOGIN_MAX + 1];
    int approve;       /**< 1 approved, 0 rejected */
    char comment[ESEAL_REQUEST_COMMENT_MAX + 1];
    char comment_sha256[65]; /**< of the comment's bytes (the audit entry and the stamp carry this) */
    char docs_sha256[65];    /**< SHA-256 over the request's document SHA-256s (binary, in order): what it covers */
    int64_t at_ms;
} eseal_decision;

#define ESEAL_REQUEST_SUBMIT_OPTIONS_VERSION 1

/** What eseal_request_submit is asked for. */
typedef struct {
    unsigned int version;  /**< ESEAL_REQUEST_SUBMIT_OPTIONS_VERSION */
    const char *seal;      /**< the seal's esID (or a prefix of it) */
    const char *doc_type;  /**< the declared type (NULL: none) */
    const char *purpose;   /**< why (NULL: none), shown to the approvers */
    int page;
    double x_mm, y_mm;
    int xy_exact;
    int cross_page;
    int level;
    int qr;
    /** the documents: n_docs of them (1 to ESEAL_REQUEST_DOCS_MAX), each a PDF or OFD file */
    const char *const *paths;
    const char *const *names; /**< their names as shown (NULL: the paths' last components) */
    size_t n_docs;
} eseal_request_submit_options;

#define ESEAL_REQUEST_SUBMIT_OPTIONS_INIT {.version = ESEAL_REQUEST_SUBMIT_OPTIONS_VERSION}

/** Zeroes `o` and sets its version; ESEAL_EINVAL for another version. */
ESEAL_EXTERN(int) eseal_request_submit_options_init(eseal_request_submit_options *o, unsigned int version);

/**
 * Submits a stamp request as user `who`: the documents are copied into the home (each one's SHA-256
 * recorded), and the grant decision is taken for each as for a stamp (eseal/governance.h: window,
 * quota, type, template), except that approvals are what the request waits for. The request is
 * approved at once when a grant allows the stamp without approval; else it waits for the approval
 * policy of the grant that allows it once approved (its first step). Audit entry
 * "request.submitted"; event "stamp.request.submitted" (and "stamp.request.approved" when approved at
 * once). A refusal is ESEAL_EDENIED with its reason (eseal_error.reason, ESEAL_REFUSAL_*) and an
 * audit entry "request.refused". *out receives the request.
 */
ESEAL_EXTERN(int) eseal_request_submit(eseal_instance *inst, const eseal_principal *who,
                                       const eseal_request_submit_options *o, eseal_request *out);

/** The request `id` if `who` may see it (its organisation's members); ESEAL_ENOTFOUND otherwise. */
ESEAL_EXTERN(int) eseal_request_find(eseal_instance *inst, const eseal_principal *who, eseal_request *out,
                                     const char *id);
/** The documents of request `id`, in order. */
ESEAL_EXTERN(int) eseal_request_docs(eseal_instance *inst, const eseal_principal *who, const char *id,
                                     int (*cb)(const eseal_request_doc *d, void *payload), void *payload);
/** The decisions on request `id`, in the order made. */
ESEAL_EXTERN(int) eseal_request_decisions(eseal_instance *inst, const eseal_principal *who, const char *id,
                                          int (*cb)(const eseal_decision *d, void *payload), void *payload);
/**
 * The requests `who` may see, newest first: `status` 0 any, else only those; `mine` 1: only those
 * `who` submitted.
 */
ESEAL_EXTERN(int) eseal_request_list(eseal_instance *inst, const eseal_principal *who, eseal_request_status status,
                                     int mine, int (*cb)(const eseal_request *r, void *payload), void *payload);
/**
 * The inbox of `who`: the pending requests of its organisation whose current step names it (by
 * login or by a role it holds), that it did not submit and has not decided, oldest first.
 */
ESEAL_EXTERN(int) eseal_request_inbox(eseal_instance *inst, const eseal_principal *who,
                                      int (*cb)(const eseal_request *r, void *payload), void *payload);

/**
 * Decides the current step of each of requests `ids` (1 to ESEAL_REQUEST_BATCH_MAX: a batch
 * approval; all or none) as user `who`: `approve` 1 approves, 0 rejects, with a comment (may be
 * NULL). `who` must be an active user of the request's organisation named by the step (by login or
 * role), not its requester (SELF_APPROVAL), not having decided on that request before. A step
 * approved by its k-th approver moves the request on (to its next step, or approved); one
 * rejection rejects it. Each decision covers the request's documents as submitted (docs_sha256),
 * and is one audit entry ("request.approved", "request.rejected") in the transaction that stores it
 * and any change of status (events "stamp.request.approved" / "stamp.request.rejected" when the
 * request is decided). ESEAL_EDENIED with a reason (SELF_APPROVAL, APPROVAL_REJECTED...) or
 * ESEAL_ESTATE (the request is not pending, or already decided by `who`), recorded as
 * "request.refused". decided[i] (may be NULL) receives each decision.
 */
ESEAL_EXTERN(int) eseal_request_decide(eseal_instance *inst, const eseal_principal *who, const char *const *ids,
                                       size_t n, int approve, const char *comment, eseal_decision *decided);

/** Progress of an execution: called after each document, with how many are done of how many. */
typedef void (*eseal_request_progress)(void *ctx, const eseal_request_doc *d, int64_t done, int64_t total);

/**
 * Executes an approved request as its requester: stamps each document not stamped yet, from the
 * bytes kept at submission, under the request's grant (window, quota and the other limits judged
 * again now); a document whose bytes differ from its approved SHA-256 is refused
 * (DOCUMENT_CHANGED_AFTER_APPROVAL). Each stamp's audit entry carries the request and its approval
 * chain (`approvals`: "req_…,STEP:LOGIN:TIME:COMMENTHASH,…", docs/requests.md), and its
 * transaction marks the document stamped: executions running at once, or one resumed after a
 * crash, never stamp a document twice. A request with every document stamped is executed (event
 * "stamp.request.executed"); executing it again changes nothing. ESEAL_EDENIED with the reason
 * (APPROVAL_REQUIRED when pending, APPROVAL_REJECTED, a grant's refusal), recorded as
 * "request.refused". `progress` may be NULL.
 */
ESEAL_EXTERN(int) eseal_request_execute(eseal_instance *inst, const eseal_principal *who, const char *id,
                                        eseal_request_progress progress, void *progress_ctx, eseal_request *out);

/**
 * The path in the home of document `index` of request `id`: as submitted (stamped 0) or stamped
 * (stamped 1; it exists once the document is stamped). For a reader that checked `who` may see it.
 */
ESEAL_EXTERN(int) eseal_request_doc_path(eseal_instance *inst, const eseal_principal *who, const char *id,
                                         int64_t index, int stamped, char *out, size_t cap);

/* ---- events read from the audit log, and alerts (issue 20 §3; src/governance/events.c, docs/webhooks.md) ---- */

/** How long before a grant's end its "grant.expiring" alert is queued (24 h). */
#define ESEAL_GRANT_EXPIRING_MS (24 * 3600 * 1000LL)

/**
 * The window of the "grant.expiring" alert eseal_events_pump uses: ESEAL_GRANT_EXPIRING_MS, or the
 * environment's ESEAL_WEBHOOK_EXPIRING_MS (1 ms to 30 days; for tests).
 */
ESEAL_EXTERN(int64_t) eseal_events_expiring_ms(void);

/**
 * Queues the events and alerts the audit log and the grants tell of, to the organisations they
 * concern (each gets one delivery per active webhook subscribed; docs/webhooks.md):
 *   - "seal.status" for each seal status change recorded in the log (an entry "seal.<to>"), to the
 *     seal's organisation;
 *   - "log.checkpoint" when the log's newest signed checkpoint is larger than at the last pump, to
 *     every organisation with a webhook subscribed to it;
 *   - "alert" of kind "grant.quota.low" when a stamp under a grant leaves it (or an ancestor it
 *     counts against) with at most 10% of its max_uses, or at most 1, left; of kind
 *     "grant.expiring" when a grant not revoked ends within eseal_events_expiring_ms() of `now_ms`.
 *     Each at most once per grant (remembered in the store).
 * The log is read after a cursor kept in the store; the events and the moved cursor commit in one
 * transaction that holds the store's write lock, so that pumps running at once (two `eseal serve`
 * on one home) queue each event once. The first pump of a home starts at the end of the log and at
 * its newest checkpoint. At most 4096 entries a call (the rest at the next). `now_ms` is the clock
 * (0: the instance's). *queued (may be NULL) receives how many events were queued (to an
 * organisation, whether or not one of its webhooks subscribes). `eseal serve`'s delivery thread
 * calls it before each eseal_webhook_deliver_due. No principal: it runs as the platform.
 */
ESEAL_EXTERN(int) eseal_events_pump(eseal_instance *inst, int64_t now_ms, size_t *queued);

/**
 * An audit of the log failed (eseal_log_audit gave ok = 0, with `problem`): queues an "alert" of kind
 * "log.audit.failed" with the problem to every organisation with a webhook subscribed to alerts, in
 * one transaction. `eseal log audit` calls it. *queued (may be NULL) receives how many organisations
 * were told. No principal: it runs as the platform.
 */
ESEAL_EXTERN(int) eseal_events_log_audit_failed(eseal_instance *inst, const char *problem, size_t *queued);

/* ---- the log audit, run and recorded (issue 21 §2) ---- */

/** One run of the log audit, as recorded in the store. */
typedef struct {
    int64_t time_ms;         /**< when it ran (the instance's clock) */
    int ok;                  /**< 1: everything matched (eseal_log_audit_report.ok) */
    uint64_t entries;        /**< entries re-hashed */
    uint64_t tile_hashes;    /**< stored tile hashes compared */
    uint64_t checkpoints;    /**< stored checkpoints compared */
    uint64_t time_tokens;    /**< entry time tokens compared */
    char by[128];            /**< who ran it (the principal's id; "" when unknown or of another organisation) */
    char problem[512];       /**< the first mismatch, or why the log could not be opened; "" when ok */
} eseal_log_audit_record;

/**
 * Runs the audit of the log (eseal_log_audit: every entry re-hashed against every stored tile hash,
 * checkpoint and the checkpoint kept outside the store) for `who` and RECORDS the result in the store
 * (the named value "log.audit.last", whatever the outcome); a failed audit raises the alert of
 * eseal_events_log_audit_failed (`*alerted`, may be NULL: how many organisations were told). A log
 * that cannot be opened because the store is behind the checkpoint kept outside it (ESEAL_ESTATE) is a
 * failed audit too: recorded and alerted, and the error is returned. An alert that could not be queued
 * is an error (the result is recorded before). Who may: the platform's side,
 * and whoever may read an organisation's audit trail (an auditor, an organisation administrator:
 * policy "audit.read" on its own organisation). The audit reads every entry but tells only counts
 * and the first mismatch (an index and a hash, never an entry's content), and it is the check
 * those who answer for an organisation's trail are there to make; ESEAL_EDENIED for anyone else.
 * `out` (may be NULL) receives what was recorded.
 */
ESEAL_EXTERN(int) eseal_log_audit_run(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out,
                                      size_t *alerted);
/**
 * The last recorded audit (eseal_log_audit_run), for the same callers; ESEAL_ENOTFOUND when none was
 * recorded yet. `by` is "" for a caller of another organisation than the runner's (the platform's side
 * sees it always, and a run by the platform's side is seen by all): an organisation's logins are its own.
 */
ESEAL_EXTERN(int) eseal_log_audit_last(eseal_instance *inst, const eseal_principal *who, eseal_log_audit_record *out);

ESEAL_END_DECL

#endif
