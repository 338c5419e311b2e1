/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Passwords in the module eseal-pw.so (accounts/pw_module.h): argon2id (RFC 9106) through
 * Debian's libargon2 and quality through libpwquality with cracklib's dictionary. We write no
 * hashing and no comparison of our own: argon2id_verify recomputes the tag and compares it in
 * constant time (argon2_compare in libargon2's core). The host (accounts/secret.c) has checked
 * the password's length and parsed and bounded the encoded hash before anything reaches here.
 */
#include <argon2.h>
#include <pthread.h>
#include <pwquality.h>
#include <stdio.h>
#include <string.h>

#include "pw.h"

ES_RESULT es_pwmod_hash(char *out, size_t out_cap, const char *password, size_t pw_len, const uint8_t *salt,
                        size_t salt_len, const es_pw_params *p)
{
    ES_ENSURE_ARG(out != NULL && password != NULL && salt != NULL && p != NULL);
    size_t need = argon2_encodedlen(p->t_cost, p->m_cost_kib, p->lanes, (uint32_t)salt_len, ES_PW_TAG_LEN,
                                    Argon2_id);
    ES_ENSURE(need <= out_cap, ESEAL_ELIMIT, "password hash: the encoded hash needs %zu bytes, more than %zu", need,
              out_cap);
    /* argon2_hash wipes its memory blocks and its copy of the tag (FLAG_clear_internal_memory is
     * on in Debian's build); the password is the caller's to wipe. */
    int rc = argon2id_hash_encoded(p->t_cost, p->m_cost_kib, p->lanes, password, pw_len, salt, salt_len, ES_PW_TAG_LEN,
                                   out, out_cap);
    ES_ENSURE(rc != ARGON2_MEMORY_ALLOCATION_ERROR, ESEAL_ENOMEM, "password hash: out of memory (argon2id, m=%u KiB)",
              (unsigned)p->m_cost_kib);
    ES_ENSURE(rc == ARGON2_OK, ESEAL_ECRYPTO, "password hash: argon2id: %s", argon2_error_message(rc));
    return ES_OK;
}

ES_RESULT es_pwmod_verify(const char *encoded, const char *password, size_t pw_len, bool *ok)
{
    ES_ENSURE_ARG(encoded != NULL && password != NULL && ok != NULL);
    *ok = false;
    int rc = argon2id_verify(encoded, password, pw_len);
    if (rc == ARGON2_OK) {
        *ok = true;
        return ES_OK;
    }
    if (rc == ARGON2_VERIFY_MISMATCH) {
        return ES_OK;
    }
    ES_ENSURE(rc != ARGON2_MEMORY_ALLOCATION_ERROR, ESEAL_ENOMEM, "password check: out of memory (argon2id)");
    ES_ENSURE(rc != ARGON2_DECODING_FAIL && rc != ARGON2_INCORRECT_TYPE, ESEAL_EMALFORMED,
              "password hash: not an argon2id hash libargon2 can read (%s)", argon2_error_message(rc));
    /* The other refusals (salt or tag too short, too few passes ...) are what a malformed stored
     * hash leads to: the parameters were read from it. */
    ES_BAIL(ESEAL_EMALFORMED, "password hash: argon2id refuses it: %s", argon2_error_message(rc));
}

/* cracklib's FascistCheck, which pwquality_check calls, is not documented as thread-safe: one
 * check at a time per process (a check takes well under a millisecond). */
static pthread_mutex_t quality_lock = PTHREAD_MUTEX_INITIALIZER;

static void why_set(char *why, size_t why_cap, int rc, void *aux)
{
    char msg[PWQ_MAX_ERROR_MESSAGE_LEN];
    /* pwquality_strerror frees `aux` when it was allocated: it must be called for every failure. */
    const char *s = pwquality_strerror(msg, sizeof(msg), rc, aux);
    if (why != NULL && why_cap > 0) {
        (void)snprintf(why, why_cap, "%s", s != NULL ? s : "rejected by libpwquality");
    }
}

ES_RESULT es_pwmod_quality(const char *password, const char *login, bool *ok, char *why, size_t why_cap)
{
    ES_ENSURE_ARG(password != NULL && ok != NULL);
    *ok = false;
    if (why != NULL && why_cap > 0) {
        why[0] = '\0';
    }
    pwquality_settings_t *s = pwquality_default_settings();
    ES_ENSURE_ALLOC(s);
    void *aux = NULL;
    /* The system's policy (/etc/security/pwquality.conf and its .d/) applies on top of the
     * defaults: an administrator may raise minlen or add rules. Debian ships that file
     * (libpwquality-common), so failing to read it is a broken installation, not a default. */
    int rc = pwquality_read_config(s, NULL, &aux);
    if (rc != 0) {
        char msg[PWQ_MAX_ERROR_MESSAGE_LEN];
        why_set(msg, sizeof(msg), rc, aux);
        pwquality_free_settings(s);
        ES_BAIL(ESEAL_EIO, "password quality: cannot read libpwquality's configuration: %s", msg);
    }
    aux = NULL;
    (void)pthread_mutex_lock(&quality_lock);
    rc = pwquality_check(s, password, NULL, login, &aux);
    /* cracklib answers a missing or unreadable dictionary with this message (untranslated: the
     * library never calls setlocale): a broken installation, not a weak password. */
    bool no_dict = rc == PWQ_ERROR_CRACKLIB_CHECK && aux != NULL && strcmp(aux, "error loading dictionary") == 0;
    if (rc < 0) {
        why_set(why, why_cap, rc, aux);
    }
    (void)pthread_mutex_unlock(&quality_lock);
    pwquality_free_settings(s);
    /* A failure of libpwquality itself is not a weak password. */
    ES_ENSURE(rc != PWQ_ERROR_MEM_ALLOC, ESEAL_ENOMEM, "password quality: out of memory");
    ES_ENSURE(!no_dict && rc != PWQ_ERROR_FATAL_FAILURE, ESEAL_EIO,
              "password quality: libpwquality failed: %s (is cracklib-runtime installed?)",
              why != NULL ? why : "");
    *ok = rc >= 0;
    return ES_OK;
}
