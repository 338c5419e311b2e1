/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Browser sessions (eseal/accounts.h): opened by a password login, kept in the store as the
 * SHA-256 of their id and of their CSRF token, ended by logout, by their idle or absolute
 * expiry, or by a change of their user (password, roles, status: eseal_store_session_end_user).
 */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "secret.h"

/* How stale a session's last use may be before a check writes it again. */
#define ES_SESSION_TOUCH_MS (60LL * 1000)

static ES_RESULT session_open(eseal_instance *inst, const eseal_identity *id, char session[ESEAL_SESSION_MAX + 1],
                              char csrf[ESEAL_SESSION_MAX + 1])
{
    ES_ENSURE_ARG(inst != NULL && id != NULL && session != NULL && csrf != NULL);
    session[0] = csrf[0] = '\0';
    ES_ENSURE(id->login[0] != '\0' && id->token_id[0] == '\0', ESEAL_EINVAL,
              "a session is opened by a password login only");
    char s[ES_CRED_MAX], t[ES_CRED_MAX], sd[ES_CRED_DIGEST_HEX], td[ES_CRED_DIGEST_HEX];
    ES_GUARD(es_cred_new(s, ""));
    es_result r = es_cred_new(t, "");
    r = es_ok(r) ? es_cred_digest(sd, s) : r;
    r = es_ok(r) ? es_cred_digest(td, t) : r;
    if (es_ok(r)) {
        int64_t now = es_inst_now(inst);
        r = es_from_code(eseal_store_session_insert(inst->store, sd, id->login, td, now));
    }
    if (es_ok(r) && strlen(s) <= ESEAL_SESSION_MAX && strlen(t) <= ESEAL_SESSION_MAX) {
        memcpy(session, s, strlen(s) + 1);
        memcpy(csrf, t, strlen(t) + 1);
    } else if (es_ok(r)) {
        r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "a session id longer than %d", ESEAL_SESSION_MAX);
    }
    es_wipe(s, sizeof(s));
    es_wipe(t, sizeof(t));
    return r;
}

int eseal_session_open(eseal_instance *inst, const eseal_identity *id, char session[ESEAL_SESSION_MAX + 1],
                       char csrf[ESEAL_SESSION_MAX + 1])
{
    ES_RETURN_PUBLIC(session_open(inst, id, session, csrf));
}

static ES_RESULT session_check(eseal_instance *inst, eseal_identity *out, const char *session, const char *csrf,
                               const char *address)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    ES_ENSURE(address == NULL || strlen(address) < sizeof(out->address), ESEAL_EINVAL, "an address too long");
    ES_ENSURE(session != NULL && session[0] != '\0' && strlen(session) <= ESEAL_SESSION_MAX, ESEAL_EAUTH, "no session");
    char sd[ES_CRED_DIGEST_HEX], csrf_digest[ES_CRED_DIGEST_HEX], login[ESEAL_LOGIN_MAX + 1];
    ES_GUARD(es_cred_digest(sd, session));
    int64_t created = 0, last = 0;
    int rc = eseal_store_session_get(inst->store, sd, login, csrf_digest, &created, &last);
    ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    ES_ENSURE(rc == ESEAL_OK, ESEAL_EAUTH, "no session");
    int64_t now = es_inst_now(inst);
    if (now - last > ESEAL_SESSION_IDLE_MS || now - created > ESEAL_SESSION_ABSOLUTE_MS) {
        (void)eseal_store_session_end(inst->store, sd);
        eseal_error_clear();
        ES_BAIL(ESEAL_EAUTH, "no session");
    }
    eseal_user u;
    rc = eseal_store_user_get(inst->store, &u, NULL, login);
    ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    ES_ENSURE(rc == ESEAL_OK && u.status == ESEAL_USER_ACTIVE, ESEAL_EAUTH, "no session");
    ES_ENSURE(csrf == NULL || (csrf[0] != '\0' && strlen(csrf) <= ESEAL_SESSION_MAX && es_cred_matches(csrf, csrf_digest)),
              ESEAL_EDENIED, "CSRF token missing or wrong (send the X-CSRF-Token the login returned)");
    /* The use is noted at most once a minute (the idle expiry is half an hour): a session that polls,
     * as the console's progress bar does every 300 ms while a request executes on another of the
     * server's instances, then only reads, and never waits behind that execution's writes. */
    if (now - last >= ES_SESSION_TOUCH_MS || now < last) {
        ES_GUARD(es_from_code(eseal_store_session_touch(inst->store, sd, now)));
    }
    es_acc_identity(out, &u, address);
    return ES_OK;
}

int eseal_session_check(eseal_instance *inst, eseal_identity *out, const char *session, const char *csrf,
                        const char *address)
{
    ES_RETURN_PUBLIC(session_check(inst, out, session, csrf, address));
}

static ES_RESULT session_close(eseal_instance *inst, const char *session)
{
    ES_ENSURE_ARG(inst != NULL);
    if (session == NULL || session[0] == '\0' || strlen(session) > ESEAL_SESSION_MAX) {
        return ES_OK;
    }
    char sd[ES_CRED_DIGEST_HEX];
    ES_GUARD(es_cred_digest(sd, session));
    int rc = eseal_store_session_end(inst->store, sd);
    ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    eseal_error_clear();
    return ES_OK;
}

int eseal_session_close(eseal_instance *inst, const char *session) { ES_RETURN_PUBLIC(session_close(inst, session)); }
