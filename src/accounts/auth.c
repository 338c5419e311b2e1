/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Authentication (eseal/accounts.h): a login and password, or an API token, turned into the
 * principal the front door takes.
 *
 * Throttling (docs/accounts.md, "Logins"): the store counts consecutive failures per login and per
 * address ("login:NAME", "addr:ADDRESS"). From the ES_THROTTLE_FREE_LOGIN-th failure of a login
 * (ES_THROTTLE_FREE_ADDR-th of an address: many people may share one) on, the next attempt is taken
 * only after a wait that doubles with each failure, from one second up to ES_THROTTLE_MAX_MS. A
 * success clears the login's count; a day without a failure clears either. The counts live in the store, so every server instance on one
 * database sees them.
 */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "secret.h"

#define ES_THROTTLE_FREE_LOGIN 3u
#define ES_THROTTLE_FREE_ADDR 10u
#define ES_THROTTLE_MAX_MS (15 * 60 * 1000)
#define ES_THROTTLE_FORGET_MS (24LL * 60 * 60 * 1000) /* a day without a failure: the count starts again */
#define ES_THROTTLE_KEY_MAX 96

static int64_t backoff_ms(uint32_t failures, uint32_t free)
{
    if (failures < free) {
        return 0;
    }
    uint32_t k = failures - free;
    return k >= 20 ? ES_THROTTLE_MAX_MS : (1000LL << k) > ES_THROTTLE_MAX_MS ? ES_THROTTLE_MAX_MS : 1000LL << k;
}

void es_acc_identity(eseal_identity *out, const eseal_user *u, const char *address)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->login, u->login, sizeof(out->login));
    memcpy(out->org_id, u->org_id, sizeof(out->org_id));
    memcpy(out->roles_text, u->roles, sizeof(out->roles_text));
    (void)snprintf(out->address, sizeof(out->address), "%s", address != NULL ? address : "local");
    size_t n = 0;
    for (char *p = out->roles_text; *p != '\0' && n < sizeof(out->roles) / sizeof(out->roles[0]);) {
        out->roles[n++] = p;
        p += strcspn(p, ",");
        if (*p == ',') {
            *p++ = '\0';
        }
    }
    out->who = (eseal_principal)ESEAL_PRINCIPAL_INIT;
    out->who.kind = ESEAL_PRINCIPAL_USER;
    out->who.id = out->login;
    out->who.organization = out->org_id;
    out->who.roles = out->roles;
    out->who.role_count = n;
    out->who.address = out->address;
}

typedef struct {
    char login_key[ES_THROTTLE_KEY_MAX];
    char addr_key[ES_THROTTLE_KEY_MAX];
    int64_t now;
    bool failed;
} attempt;

/* Records the attempt's outcome in the throttle counts (inside the audit entry's transaction). */
static ES_RESULT record(eseal_instance *inst, void *ctx)
{
    attempt *a = ctx;
    const char *keys[2] = {a->login_key, a->addr_key};
    const uint32_t free[2] = {ES_THROTTLE_FREE_LOGIN, ES_THROTTLE_FREE_ADDR};
    for (size_t i = 0; i < 2; i++) {
        if (!a->failed && i == 1) {
            break; /* a success clears the login's count only */
        }
        uint32_t f = 0;
        int64_t until = 0;
        ES_GUARD(es_from_code(eseal_store_throttle_get(inst->store, keys[i], &f, &until)));
        /* Failures long past are forgotten: a shared address is not held back for ever by a few
         * typos spread over months (`until` is the last failure's time, or later by its wait). */
        if (a->now - until > ES_THROTTLE_FORGET_MS) {
            f = 0;
        }
        f = a->failed ? (f < UINT32_MAX ? f + 1 : f) : 0;
        int64_t wait = backoff_ms(f, free[i]);
        ES_GUARD(es_from_code(eseal_store_throttle_put(inst->store, keys[i], f, a->now + wait)));
    }
    return ES_OK;
}

/* The audit entry of an attempt, by the login it named (or "invalid-login"), with its address; `org`:
 * the organisation of the user that login names (NULL when it names none). */
static ES_RESULT audit_attempt(eseal_instance *inst, const char *login, const char *address, const char *org,
                               const char *type, const char *detail, attempt *a)
{
    eseal_principal claimed = ESEAL_PRINCIPAL_INIT;
    claimed.kind = ESEAL_PRINCIPAL_USER;
    claimed.id = login[0] != '\0' ? login : "invalid-login";
    claimed.address = address != NULL ? address : "local";
    es_acting by = {0};
    by.who = &claimed;
    by.rule = "authentication";
    (void)snprintf(by.actor, sizeof(by.actor), "user:%s", claimed.id);
    return es_acc_change(inst, &by, type, org, detail, record, a);
}

static ES_RESULT auth_password(eseal_instance *inst, eseal_identity *out, const char *login, const char *password,
                               const char *address, int64_t *retry_after_ms)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    if (retry_after_ms != NULL) {
        *retry_after_ms = 0;
    }
    ES_ENSURE(address == NULL || strlen(address) < sizeof(out->address), ESEAL_EINVAL, "an address too long");
    char l[ESEAL_LOGIN_MAX + 1] = "";
    if (login == NULL || !es_ok(es_acc_login(l, login))) {
        eseal_error_clear();
        l[0] = '\0';
    }
    attempt a;
    memset(&a, 0, sizeof(a));
    a.now = es_inst_now(inst);
    (void)snprintf(a.login_key, sizeof(a.login_key), "login:%s", l[0] != '\0' ? l : "invalid-login");
    (void)snprintf(a.addr_key, sizeof(a.addr_key), "addr:%s", address != NULL ? address : "local");
    /* Throttled: refused before any password work. */
    int64_t wait = 0;
    const char *keys[2] = {a.login_key, a.addr_key};
    for (size_t i = 0; i < 2; i++) {
        uint32_t f = 0;
        int64_t until = 0;
        ES_GUARD(es_from_code(eseal_store_throttle_get(inst->store, keys[i], &f, &until)));
        wait = until - a.now > wait ? until - a.now : wait;
    }
    if (wait > 0) {
        if (retry_after_ms != NULL) {
            *retry_after_ms = wait;
        }
        a.failed = false;
        char detail[160];
        (void)snprintf(detail, sizeof(detail), "login refused without a check: too many failures, %lld ms to wait",
                       (long long)wait);
        /* Counted neither way: waiting is what is asked. The entry names the organisation of the
         * user the login names, if any (a read of the store, no password work). */
        eseal_user tu;
        int trc = l[0] != '\0' ? eseal_store_user_get(inst->store, &tu, NULL, l) : ESEAL_ENOTFOUND;
        ES_ENSURE(trc == ESEAL_OK || trc == ESEAL_ENOTFOUND, trc, "%s", eseal_error_last()->message);
        eseal_error_clear();
        eseal_principal claimed = ESEAL_PRINCIPAL_INIT;
        claimed.kind = ESEAL_PRINCIPAL_USER;
        claimed.id = l[0] != '\0' ? l : "invalid-login";
        claimed.address = address != NULL ? address : "local";
        es_acting by = {0};
        by.who = &claimed;
        by.rule = "authentication";
        ES_GUARD(es_audit_account_event(inst->auditlog, &by, "auth.throttled", trc == ESEAL_OK ? tu.org_id : NULL,
                                        detail, true));
        return es_error_set(ESEAL_ERATE, __FILE__, __LINE__, "too many failed logins: try again in %lld s",
                            (long long)((wait + 999) / 1000));
    }
    eseal_user u;
    char hash[ESEAL_STORE_PW_HASH_MAX + 1] = "";
    int rc = l[0] != '\0' ? eseal_store_user_get(inst->store, &u, hash, l) : ESEAL_ENOTFOUND;
    ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    bool ok = false;
    const char *why = "no such login";
    if (password == NULL || password[0] == '\0' || strlen(password) > ES_PASSWORD_MAX) {
        why = "no password or too long a one";
    } else if (rc == ESEAL_ENOTFOUND || hash[0] == '\0') {
        es_pw_burn(password);
        why = rc == ESEAL_ENOTFOUND ? "no such login" : "the user has no password";
    } else {
        es_result r = es_pw_verify(hash, password, &ok);
        if (!es_ok(r)) {
            es_wipe(hash, sizeof(hash));
            return r; /* a stored hash we cannot read: the store's fault, not the caller's */
        }
        why = ok ? (u.status == ESEAL_USER_ACTIVE ? "" : "the user is disabled") : "wrong password";
        ok = ok && u.status == ESEAL_USER_ACTIVE;
    }
    /* A better hash next time, while the password is at hand. */
    es_pw_params p = es_pw_params_default();
    if (ok && es_pw_needs_rehash(hash, &p)) {
        char fresh[ES_PW_HASH_MAX];
        if (es_ok(es_pw_hash(fresh, password, &p))) {
            (void)eseal_store_user_update(inst->store, u.login, NULL, 0, fresh, a.now);
        }
        es_wipe(fresh, sizeof(fresh));
        eseal_error_clear();
    }
    es_wipe(hash, sizeof(hash));
    a.failed = !ok;
    char detail[128];
    (void)snprintf(detail, sizeof(detail), ok ? "login with a password" : "login refused: %s", why);
    ES_GUARD(audit_attempt(inst, l, address, rc == ESEAL_OK ? u.org_id : NULL, ok ? "auth.login" : "auth.failed",
                           detail, &a));
    ES_ENSURE(ok, ESEAL_EAUTH, "wrong login or password");
    es_acc_identity(out, &u, address);
    return ES_OK;
}

int eseal_auth_password(eseal_instance *inst, eseal_identity *out, const char *login, const char *password,
                        const char *address, int64_t *retry_after_ms)
{
    ES_RETURN_PUBLIC(auth_password(inst, out, login, password, address, retry_after_ms));
}

/* How stale a token's last use may be before an authentication writes it again. */
#define ES_TOKEN_TOUCH_MS (60LL * 1000)

static ES_RESULT auth_token(eseal_instance *inst, eseal_identity *out, const char *token, const char *address)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    ES_ENSURE(address == NULL || strlen(address) < sizeof(out->address), ESEAL_EINVAL, "an address too long");
    bool shaped = token != NULL && strnlen(token, ESEAL_TOKEN_MAX + 1) <= ESEAL_TOKEN_MAX &&
                  strncmp(token, "esk_", 4) == 0;
    char digest[ES_CRED_DIGEST_HEX] = "";
    eseal_token_info t;
    memset(&t, 0, sizeof(t));
    eseal_user u;
    int rc = ESEAL_ENOTFOUND;
    if (shaped) {
        ES_GUARD(es_cred_digest(digest, token));
        rc = eseal_store_token_by_digest(inst->store, &t, digest);
        ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    }
    const char *why = shaped ? "unknown token" : "not an eseal token";
    int64_t now = es_inst_now(inst);
    if (rc == ESEAL_OK) {
        why = t.revoked_ms != 0 ? "revoked token" : t.expires_ms != 0 && t.expires_ms <= now ? "expired token" : NULL;
        rc = why == NULL ? eseal_store_user_get(inst->store, &u, NULL, t.login) : ESEAL_ENOTFOUND;
        ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
        if (why == NULL && rc != ESEAL_OK) {
            why = "the token's user is gone";
        } else if (why == NULL && u.status != ESEAL_USER_ACTIVE) {
            why = "the token's user is disabled";
        }
    }
    if (why != NULL) {
        eseal_principal anon = ESEAL_PRINCIPAL_INIT;
        anon.kind = ESEAL_PRINCIPAL_DEVICE;
        anon.id = t.id[0] != '\0' ? t.id : "unknown-token";
        anon.address = address != NULL ? address : "local";
        es_acting by = {0};
        by.who = &anon;
        by.rule = "authentication";
        char detail[96];
        (void)snprintf(detail, sizeof(detail), "token refused: %s", why);
        /* a token of this platform (revoked, expired, its user disabled or gone): its organisation */
        ES_GUARD(es_audit_account_event(inst->auditlog, &by, "auth.failed", t.id[0] != '\0' ? t.org_id : NULL,
                                        detail, true));
        return es_error_set(ESEAL_EAUTH, __FILE__, __LINE__, "invalid token");
    }
    /* Its last use noted at most once a minute, as a session's (session.c): a polling client only reads. */
    if (now - t.last_used_ms >= ES_TOKEN_TOUCH_MS || now < t.last_used_ms) {
        ES_GUARD(es_from_code(eseal_store_token_update(inst->store, t.id, now, 0)));
    }
    es_acc_identity(out, &u, address);
    memcpy(out->token_id, t.id, sizeof(out->token_id));
    memcpy(out->scopes, t.scopes, sizeof(out->scopes));
    return ES_OK;
}

int eseal_auth_token(eseal_instance *inst, eseal_identity *out, const char *token, const char *address)
{
    ES_RETURN_PUBLIC(auth_token(inst, out, token, address));
}

int eseal_identity_has_scope(const eseal_identity *id, const char *scope)
{
    if (id == NULL || scope == NULL) {
        return 0;
    }
    return id->token_id[0] == '\0' || es_acc_list_has(id->scopes, scope) ? 1 : 0;
}
