/* SPDX-License-Identifier: Apache-2.0 */
/**
 * eseal — organisations, users, roles and API tokens (issue 19 §1; docs/accounts.md).
 *
 * The people the platform serves: an organisation (a name and, in China, its unified social
 * credit code, elsewhere its ETSI EN 319 412-1 organisation identifier), its users (a login, a display name, roles, active or disabled, a password kept
 * only as its argon2id hash), and the API tokens of programs acting for a user (shown once,
 * kept only as their SHA-256, limited by scopes and an expiry, revocable, their last use noted).
 *
 * Every call that changes something takes the acting principal and goes through the front door
 * (include/eseal/platform.h): the policy decides (src/policy), the change and its audit entry are
 * stored in one transaction. What a principal may see follows the same rules: a user of an
 * organisation sees that organisation only (another organisation's user, token or the
 * organisation itself is "not found", never "forbidden", so that its existence does not leak);
 * a platform administrator and the local operator see all.
 *
 * Roles (the names are stable; docs/accounts.md has what each may do):
 *   platform-admin  the whole platform: organisations, every user and token
 *   org-admin       the users and tokens of its organisation
 *   seal-keeper     the seal lifecycle of its organisation
 *   approver        approves stamp requests (the governance issue)
 *   stamper         stamps under a grant (the governance issue)
 *   auditor         reads the audit trail and reports of its organisation
 * Every user may read itself, change its own password, and make, list and revoke its own
 * tokens; a token never gives more than its user's roles allow, and only what its scopes name.
 *
 * Authentication turns a credential into a principal (eseal_auth_password, eseal_auth_token,
 * eseal_session_check): failures are audited, and repeated failures of one login or one address
 * are throttled with an exponential back-off (ESEAL_ERATE with the time to wait). A change of a
 * user's password, roles or status ends its sessions (they are opened anew at the next login).
 */
#ifndef ESEAL_ACCOUNTS_H
#define ESEAL_ACCOUNTS_H

#include "eseal/instance.h"
#include "eseal/platform.h"

ESEAL_BEGIN_DECL

#define ESEAL_ORG_ID_LEN 20      /**< "org_" and 16 hex digits */
#define ESEAL_ORG_NAME_MAX 200   /**< bytes of UTF-8 */
#define ESEAL_LOGIN_MAX 64       /**< [a-z0-9._-], starting with a letter or digit */
#define ESEAL_DISPLAY_NAME_MAX 200
#define ESEAL_ROLES_MAX 128      /**< the comma-separated role list */
#define ESEAL_SCOPES_MAX 128     /**< the comma-separated scope list */
#define ESEAL_TOKEN_ID_LEN 20    /**< "tok_" and 16 hex digits */
#define ESEAL_TOKEN_MAX 64       /**< a token as handed out: "esk_" and 43 base64url characters */

/** The role names, in the order docs/accounts.md lists them. */
#define ESEAL_ROLE_PLATFORM_ADMIN "platform-admin"
#define ESEAL_ROLE_ORG_ADMIN "org-admin"
#define ESEAL_ROLE_SEAL_KEEPER "seal-keeper"
#define ESEAL_ROLE_APPROVER "approver"
#define ESEAL_ROLE_STAMPER "stamper"
#define ESEAL_ROLE_AUDITOR "auditor"

/** The scopes a token may carry (an empty list when it is made means all of them). */
#define ESEAL_SCOPE_LIST "stamp,verify,seals:read,seals:write,audit:read,users:read,users:write"

typedef struct {
    char id[ESEAL_ORG_ID_LEN + 1];
    char name[ESEAL_ORG_NAME_MAX + 1];
    char uscc[19]; /**< the unified social credit code (GB 32100-2015), or "" */
    /** The organisation identifier of an organisation outside China (ETSI EN 319 412-1 §5.1.4:
     * "VATDE-123456789", "LEIXG-...", "PSDBE-NBB-...", "NTRGB-..."), or "". Never "NTRCN-...": an
     * organisation in China has its USCC, which stands for "NTRCN-<USCC>"; an organisation has a
     * USCC, an identifier or neither, never both. Its certificates carry it as organizationIdentifier. */
    char identifier[ESEAL_ORGID_MAX + 1];
    int64_t created_ms;
} eseal_org;

typedef enum {
    ESEAL_USER_ACTIVE = 1,
    ESEAL_USER_DISABLED = 2,
} eseal_user_status;

typedef struct {
    char login[ESEAL_LOGIN_MAX + 1];
    char display_name[ESEAL_DISPLAY_NAME_MAX + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1];
    char roles[ESEAL_ROLES_MAX + 1]; /**< known role names, comma-separated, in the order above */
    eseal_user_status status;
    int64_t created_ms;
    int64_t updated_ms;
} eseal_user;

typedef struct {
    char id[ESEAL_TOKEN_ID_LEN + 1];
    char login[ESEAL_LOGIN_MAX + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1];
    char scopes[ESEAL_SCOPES_MAX + 1];
    int64_t created_ms;
    int64_t expires_ms;   /**< 0: never */
    int64_t last_used_ms; /**< 0: not yet */
    int64_t revoked_ms;   /**< 0: not revoked */
} eseal_token_info;

/* ---- organisations ------------------------------------------------------------------------ */

/**
 * A new organisation: `name` (1..ESEAL_ORG_NAME_MAX bytes of UTF-8, no control character) and
 * `uscc` (NULL or a valid code: eseal_uscc_valid). ESEAL_EEXISTS when the name or the code is
 * taken. Only the local operator and a platform administrator may. The same as eseal_org_add_ext
 * with no identifier.
 */
ESEAL_EXTERN(int) eseal_org_add(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *name,
                                const char *uscc);
/**
 * eseal_org_add with an organisation `identifier` (NULL or "": none), checked by eseal_org_id_parse
 * (ESEAL_EINVAL with its message). ESEAL_EINVAL for "NTRCN-..." (an organisation in China gives its
 * `uscc`, which stands for that identifier) and for a `uscc` and an `identifier` together;
 * ESEAL_EEXISTS when another organisation has the identifier (compared exactly, as certificates
 * carry it).
 */
ESEAL_EXTERN(int) eseal_org_add_ext(eseal_instance *inst, const eseal_principal *who, eseal_org *out,
                                    const char *name, const char *uscc, const char *identifier);
/**
 * The organisation whose id, code, identifier or name is `ref` (exactly, tried in that order);
 * ESEAL_ENOTFOUND, also when `who` may not see it.
 */
ESEAL_EXTERN(int) eseal_org_find(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *ref);
/** The organisations `who` may see, oldest first; a non-zero return of cb stops and is returned. */
ESEAL_EXTERN(int) eseal_org_list(eseal_instance *inst, const eseal_principal *who,
                                 int (*cb)(const eseal_org *org, void *ctx), void *ctx);

/* ---- users -------------------------------------------------------------------------------- */

/**
 * A new user of organisation `org_ref` (an id, code or name) with `roles` (comma-separated known
 * names; platform-admin only from the local operator or a platform administrator) and `password`
 * (checked for quality: ESEAL_EINVAL "password too weak: ..."). `display_name` may be NULL (the
 * login). ESEAL_EEXISTS when the login is taken (logins are unique on the platform).
 */
ESEAL_EXTERN(int) eseal_user_add(eseal_instance *inst, const eseal_principal *who, eseal_user *out, const char *login,
                                 const char *display_name, const char *org_ref, const char *roles,
                                 const char *password);
/** The user `login`; ESEAL_ENOTFOUND, also when `who` may not see it. */
ESEAL_EXTERN(int) eseal_user_find(eseal_instance *inst, const eseal_principal *who, eseal_user *out, const char *login);
/** The users `who` may see (of `org_ref` only, when not NULL), oldest first. */
ESEAL_EXTERN(int) eseal_user_list(eseal_instance *inst, const eseal_principal *who, const char *org_ref,
                                  int (*cb)(const eseal_user *u, void *ctx), void *ctx);
/** Disables or enables a user: a disabled user's password and tokens are refused. */
ESEAL_EXTERN(int) eseal_user_set_status(eseal_instance *inst, const eseal_principal *who, const char *login,
                                        eseal_user_status status);
/** Replaces the user's roles. */
ESEAL_EXTERN(int) eseal_user_set_roles(eseal_instance *inst, const eseal_principal *who, const char *login,
                                       const char *roles);
/** Sets a new password (checked for quality); a user may set its own. */
ESEAL_EXTERN(int) eseal_user_passwd(eseal_instance *inst, const eseal_principal *who, const char *login,
                                    const char *password);

/* ---- API tokens --------------------------------------------------------------------------- */

/**
 * A new token for user `login` with `scopes` (NULL or "": all; else names of ESEAL_SCOPE_LIST,
 * comma-separated) expiring at `expires_ms` (0: never). `token` receives the token itself, the
 * only time it exists outside its holder: "esk_" and 43 base64url characters (the prefix lets
 * secret scanners find leaked ones). `out` (may be NULL) receives what is kept of it.
 */
ESEAL_EXTERN(int) eseal_token_create(eseal_instance *inst, const eseal_principal *who, const char *login,
                                     const char *scopes, int64_t expires_ms, char token[ESEAL_TOKEN_MAX + 1],
                                     eseal_token_info *out);
/** The tokens `who` may see (of `login` only, when not NULL), oldest first; revoked ones too. */
ESEAL_EXTERN(int) eseal_token_list(eseal_instance *inst, const eseal_principal *who, const char *login,
                                   int (*cb)(const eseal_token_info *t, void *ctx), void *ctx);
/** Revokes a token by its id; ESEAL_ESTATE when it is already revoked. */
ESEAL_EXTERN(int) eseal_token_revoke(eseal_instance *inst, const eseal_principal *who, const char *token_id);

/* ---- authentication ----------------------------------------------------------------------- */

/**
 * Who a credential is: the principal (kind user, id = login, organization = org id, roles) with
 * everything it points to kept in this struct, and, for a token, its id and scopes.
 */
typedef struct {
    eseal_principal who;
    char login[ESEAL_LOGIN_MAX + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1];
    char address[64];
    char roles_text[ESEAL_ROLES_MAX + 1];
    const char *roles[8];
    char token_id[ESEAL_TOKEN_ID_LEN + 1]; /**< "" for a password */
    char scopes[ESEAL_SCOPES_MAX + 1];     /**< the token's scopes; "" for a password (no limit) */
} eseal_identity;

/**
 * Checks a login and password, from `address` (an IP address, or NULL: "local"). ESEAL_OK and
 * *out; ESEAL_EAUTH "wrong login or password" for an unknown login, a wrong password or a
 * disabled user (the same words, and the same work, for each); ESEAL_ERATE when this login or
 * this address failed too often lately: *retry_after_ms (may be NULL) gets how long to wait.
 * Every failure is an audit entry; so is a success.
 */
ESEAL_EXTERN(int) eseal_auth_password(eseal_instance *inst, eseal_identity *out, const char *login,
                                      const char *password, const char *address, int64_t *retry_after_ms);
/**
 * Checks an API token: ESEAL_OK and *out; ESEAL_EAUTH "invalid token" for an unknown, revoked or
 * expired token or a disabled user (the same words for each). Notes the token's last use.
 */
ESEAL_EXTERN(int) eseal_auth_token(eseal_instance *inst, eseal_identity *out, const char *token,
                                   const char *address);
/* ---- browser sessions --------------------------------------------------------------------- */

#define ESEAL_SESSION_MAX 64 /**< a session id or CSRF token as handed out: 43 base64url characters */
/** How long a session lives: idle (since its last use) and absolute (since the login). */
#define ESEAL_SESSION_IDLE_MS (30LL * 60 * 1000)
#define ESEAL_SESSION_ABSOLUTE_MS (12LL * 60 * 60 * 1000)

/**
 * Opens a session for an identity that logged in with its password (eseal_auth_password):
 * `session` receives the session id (the cookie's value) and `csrf` the token every unsafe
 * request of the session must carry (X-CSRF-Token). Both are 256-bit random values, shown once
 * and kept only as their SHA-256.
 */
ESEAL_EXTERN(int) eseal_session_open(eseal_instance *inst, const eseal_identity *id,
                                     char session[ESEAL_SESSION_MAX + 1], char csrf[ESEAL_SESSION_MAX + 1]);
/**
 * The identity of a session: ESEAL_EAUTH "no session" for an unknown, closed or expired one (idle
 * or absolute) or a user since disabled; `csrf` (NULL for a safe request: GET, HEAD) must be the
 * session's CSRF token, else ESEAL_EDENIED "CSRF token missing or wrong". Its last use is noted.
 * The user's roles are read anew: a change of roles counts at the next request.
 */
ESEAL_EXTERN(int) eseal_session_check(eseal_instance *inst, eseal_identity *out, const char *session,
                                      const char *csrf, const char *address);
/** Closes a session (logout); closing an unknown one is not an error. */
ESEAL_EXTERN(int) eseal_session_close(eseal_instance *inst, const char *session);

/** True (1) when the identity's token has `scope`, or when it came from a password. */
ESEAL_EXTERN(int) eseal_identity_has_scope(const eseal_identity *id, const char *scope);

ESEAL_END_DECL

#endif
