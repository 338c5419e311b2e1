/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accounts room (src/accounts): organisations (org.c), users (user.c), API tokens (token.c),
 * authentication (auth.c), and the secrets they keep (secret.c, with the password module
 * eseal-pw.so). The public calls are include/eseal/accounts.h; every one that changes something
 * asks the policy through the front door (es_act_on) and stores its change with its audit entry
 * in one transaction. Built on src/core (the instance, the acting principal), src/auditlog (the
 * entries) and the store's accounts concern (eseal/sys/store.h).
 */
#ifndef ES_ACCOUNTS_H
#define ES_ACCOUNTS_H

#include "auditlog/auditlog.h"
#include "core/core.h"
#include "eseal/accounts.h"
#include "eseal/sys/store.h"
#include "policy/policy.h"

/* "KIND:ID" of the principal, for messages. */
#define ES_ACC_WHO_MAX 160

/* Checks a login (1..ESEAL_LOGIN_MAX of [a-z0-9._-], the first a letter or digit; upper-case
 * letters are folded) and writes its folded form. ESEAL_EINVAL. */
ES_RESULT es_acc_login(char out[ESEAL_LOGIN_MAX + 1], const char *login);
/* A comma-separated list of known names (roles: ESEAL_ROLE_*, scopes: ESEAL_SCOPE_LIST), each
 * once, written back in the table's order. ESEAL_EINVAL naming the unknown one. An empty list is
 * refused for roles and means "all" for scopes. */
ES_RESULT es_acc_roles(char out[ESEAL_ROLES_MAX + 1], const char *roles);
ES_RESULT es_acc_scopes(char out[ESEAL_SCOPES_MAX + 1], const char *scopes);
/* True when the comma-separated `list` names `name`. */
bool es_acc_list_has(const char *list, const char *name);

/* A random id: `prefix` and 16 lower-case hex digits ("org_", "tok_"). */
ES_RESULT es_acc_random_id(char *out, size_t cap, const char *prefix);

/* Whether `who` sees everything (the local operator, a platform administrator). */
bool es_acc_sees_all(const eseal_principal *who);
/* Whether `who` may see the objects of organisation `org_id`. */
bool es_acc_sees_org(const eseal_principal *who, const char *org_id);

/* The organisation `ref` names (id, code or name) if `who` may see it; ESEAL_ENOTFOUND otherwise
 * (the same words whether it exists or not). */
ES_RESULT es_acc_org_visible(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *ref);
/* The user `login` if `who` may see it; ESEAL_ENOTFOUND otherwise. pw_hash may be NULL. */
ES_RESULT es_acc_user_visible(eseal_instance *inst, const eseal_principal *who, eseal_user *out, char *pw_hash,
                              const char *login);

/* The identity of an authenticated user (its principal pointing into *out). */
void es_acc_identity(eseal_identity *out, const eseal_user *u, const char *address);

/* The store's change and its audit entry in one transaction: fn runs inside it, then the entry
 * (type, the organisation it concerns, detail: es_audit_account_event) is appended; commit, or roll
 * back on any failure. */
ES_RESULT es_acc_change(eseal_instance *inst, const es_acting *by, const char *type, const char *org,
                        const char *detail, ES_RESULT (*fn)(eseal_instance *inst, void *ctx), void *ctx);

#endif
