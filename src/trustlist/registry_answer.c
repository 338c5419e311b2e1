/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry answers (include/eseal/trustlist.h, docs/trust-lists.md "Registry answers"): a platform's
 * signed statement of a seal's status at a time, what an OCSP response is for a certificate (RFC 6960
 * §4.2.1: the status, since when, why, the time it was produced and until when it may be used). A
 * compact JWS with ES256 by the registry service's key, named by its SHA-256 in "kid" so that a
 * verifier holding several platforms' lists knows which key to check it with before checking it.
 *
 * Times are written with milliseconds: an answer is asked about the signing time of a stamp, and a
 * seal revoked in the same second as a stamp must still be told apart from it.
 */
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "tl_int.h"
#include "util/versions.h"

static const char *const statuses[] = {"active", "suspended", "revoked", "unknown"};

static bool known_status(const char *s)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (strcmp(statuses[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- writing -------------------------------------------------------------------------------- */

static ES_RESULT check_text(const char *s, bool required, const char *field)
{
    if (s == NULL) {
        ES_ENSURE(!required, ESEAL_EINVAL, "registry answer: %s is required", field);
        return ES_OK;
    }
    size_t n = strnlen(s, ESEAL_TRUSTLIST_MAX_STRING + 1);
    ES_ENSURE(n > 0 && n <= ESEAL_TRUSTLIST_MAX_STRING, ESEAL_EINVAL,
              "registry answer: %s is empty or longer than ESEAL_TRUSTLIST_MAX_STRING (%d bytes)", field,
              ESEAL_TRUSTLIST_MAX_STRING);
    ES_ENSURE(es_tl_utf8(s, n), ESEAL_EINVAL, "registry answer: %s is not UTF-8 text", field);
    return ES_OK;
}

static ES_RESULT set_time(json_t *o, const char *name, int64_t ms)
{
    char t[ES_TL_TIME_LEN];
    ES_ENSURE(es_tl_time_text(t, ms, true), ESEAL_EINVAL, "registry answer: %s (%lld ms) is not a time of 1970 to 9999",
              name, (long long)ms);
    ES_ENSURE(json_object_set_new(o, name, json_string(t)) == 0, ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

static ES_RESULT set_text(json_t *o, const char *name, const char *text)
{
    ES_ENSURE(json_object_set_new(o, name, text != NULL ? json_string(text) : json_null()) == 0, ESEAL_ENOMEM,
              "out of memory");
    return ES_OK;
}

static ES_RESULT sign_answer(es_buf *out, const eseal_registry_answer *a, eseal_key *key)
{
    ES_GUARD(es_jws_key_p256(key, "a registry answer's key"));
    ES_GUARD(check_text(a->esid, true, "esid"));
    ES_GUARD(check_text(a->status, true, "status"));
    ES_ENSURE(known_status(a->status), ESEAL_EINVAL,
              "registry answer: status \"%.32s\" (active, suspended, revoked or unknown)", a->status);
    ES_GUARD(check_text(a->reason, false, "reason"));
    ES_GUARD(check_text(a->platform, true, "platform"));
    ES_ENSURE(a->next_update_ms > a->produced_ms, ESEAL_EINVAL,
              "registry answer: next_update_ms is not after produced_ms");
    ES_AUTO(json_decrefp) json_t *o = json_object();
    ES_ENSURE_ALLOC(o);
    ES_GUARD(set_text(o, "esid", a->esid));
    ES_GUARD(set_text(o, "status", a->status));
    /* since 0: no such time (an unknown seal), written null. */
    if (a->since_ms != 0) {
        ES_GUARD(set_time(o, "since", a->since_ms));
    } else {
        ES_GUARD(set_text(o, "since", NULL));
    }
    ES_GUARD(set_text(o, "reason", a->reason));
    ES_GUARD(set_time(o, "at", a->at_ms));
    ES_GUARD(set_time(o, "produced_at", a->produced_ms));
    ES_GUARD(set_time(o, "next_update", a->next_update_ms));
    ES_GUARD(set_text(o, "platform", a->platform));
    char *text = json_dumps(o, JSON_COMPACT);
    ES_ENSURE_ALLOC(text);
    es_result r = es_jws_sign(out, ES_JWS_TYP_ANSWER, ES_JWS_KID, es_span_of(text, strlen(text)), key);
    free(text); /* !checksrc! allowed: jansson's allocation */
    if (!es_ok(r) && es_code(r) == ESEAL_ELIMIT) {
        ES_BAIL(ESEAL_EINVAL, "registry answer: over ESEAL_REGISTRY_ANSWER_MAX_BYTES (%d) once signed",
                ESEAL_REGISTRY_ANSWER_MAX_BYTES);
    }
    return r;
}

int eseal_registry_answer_sign(eseal_buf *out, const eseal_registry_answer *a, eseal_key *key)
{
    ES_CHECK_VERSION_INT(a, registry_answer);
    if (out == NULL || key == NULL) {
        ES_BAIL_ARG("out == NULL || key == NULL");
    }
    es_buf b = ES_BUF_INIT(ESEAL_REGISTRY_ANSWER_MAX_BYTES);
    es_result r = sign_answer(&b, a, key);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    eseal_buf_dispose(out);
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

/* ---- reading -------------------------------------------------------------------------------- */

struct eseal_registry_answer_doc {
    json_t *root; /* the payload: the answer's strings point into it */
    eseal_registry_answer a;
};

static ES_RESULT text_member(const char **out, json_t *o, const char *name, bool nullable)
{
    json_t *v = json_object_get(o, name);
    *out = NULL;
    if (nullable && (v == NULL || json_is_null(v))) {
        return ES_OK;
    }
    ES_ENSURE(v != NULL, ESEAL_EMALFORMED, "registry answer: \"%s\" is missing", name);
    ES_ENSURE(json_is_string(v), ESEAL_EMALFORMED, "registry answer: \"%s\" is not a string%s", name,
              nullable ? " or null" : "");
    size_t n = json_string_length(v);
    ES_ENSURE(n <= ESEAL_TRUSTLIST_MAX_STRING, ESEAL_ELIMIT,
              "registry answer: \"%s\" is over ESEAL_TRUSTLIST_MAX_STRING (%d bytes)", name,
              ESEAL_TRUSTLIST_MAX_STRING);
    ES_ENSURE(n > 0, ESEAL_EMALFORMED, "registry answer: \"%s\" is empty", name);
    ES_ENSURE(es_tl_utf8(json_string_value(v), n), ESEAL_EMALFORMED, "registry answer: \"%s\" is not UTF-8", name);
    *out = json_string_value(v);
    return ES_OK;
}

static ES_RESULT time_member(int64_t *ms, json_t *o, const char *name, bool nullable)
{
    const char *t = NULL;
    ES_GUARD(text_member(&t, o, name, nullable));
    *ms = 0;
    if (t == NULL) {
        return ES_OK;
    }
    char what[64];
    (void)snprintf(what, sizeof(what), "registry answer: \"%s\"", name);
    return es_tl_time_parse(ms, t, true, what);
}

static ES_RESULT parse_answer_payload(eseal_registry_answer_doc *d, es_span payload)
{
    json_error_t err;
    d->root = json_loadb((const char *)payload.ptr, payload.len, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(d->root != NULL, ESEAL_EMALFORMED, "registry answer: the payload is not JSON (%s)", err.text);
    ES_ENSURE(json_is_object(d->root), ESEAL_EMALFORMED, "registry answer: the payload is not a JSON object");
    eseal_registry_answer *a = &d->a;
    a->version = ESEAL_REGISTRY_ANSWER_VERSION;
    ES_GUARD(text_member(&a->esid, d->root, "esid", false));
    ES_GUARD(text_member(&a->status, d->root, "status", false));
    ES_ENSURE(known_status(a->status), ESEAL_EMALFORMED,
              "registry answer: status \"%.32s\" (active, suspended, revoked or unknown)", a->status);
    ES_GUARD(time_member(&a->since_ms, d->root, "since", true));
    ES_GUARD(text_member(&a->reason, d->root, "reason", true));
    ES_GUARD(time_member(&a->at_ms, d->root, "at", false));
    ES_GUARD(time_member(&a->produced_ms, d->root, "produced_at", false));
    ES_GUARD(time_member(&a->next_update_ms, d->root, "next_update", false));
    ES_ENSURE(a->next_update_ms > a->produced_ms, ESEAL_EMALFORMED,
              "registry answer: next_update is not after produced_at");
    ES_GUARD(text_member(&a->platform, d->root, "platform", false));
    return ES_OK;
}

ES_RESULT es_registry_answer_parse_payload(eseal_registry_answer_doc **out, es_span payload)
{
    *out = NULL;
    eseal_registry_answer_doc *d = es_calloc(1, sizeof(*d));
    ES_ENSURE_ALLOC(d);
    es_result r = parse_answer_payload(d, payload);
    if (!es_ok(r)) {
        eseal_registry_answer_free(d);
        return r;
    }
    *out = d;
    return ES_OK;
}

static ES_RESULT parse_answer(eseal_registry_answer_doc **out, es_span in, es_span spki)
{
    ES_ENSURE(in.len <= ESEAL_REGISTRY_ANSWER_MAX_BYTES, ESEAL_ELIMIT,
              "registry answer: %zu bytes, over ESEAL_REGISTRY_ANSWER_MAX_BYTES (%d)", in.len,
              ESEAL_REGISTRY_ANSWER_MAX_BYTES);
    ES_AUTO(es_jws_free) es_jws j;
    ES_GUARD(es_jws_read(&j, in, ES_JWS_TYP_ANSWER, ES_JWS_KID, ESEAL_REGISTRY_ANSWER_MAX_BYTES, "registry answer"));
    ES_GUARD(es_jws_verify(&j, spki, "registry answer"));
    /* The kid is signed too: a verified answer naming another key is not this key's answer. */
    uint8_t md[32];
    ES_GUARD(es_sha256(md, &spki, 1));
    char hex[65];
    es_hex_lower(hex, md, sizeof(md));
    ES_ENSURE(strcmp(hex, j.kid) == 0, ESEAL_EVERIFY, "registry answer: its kid %s is not the key %s it verifies with",
              j.kid, hex);
    return es_registry_answer_parse_payload(out, es_buf_span(&j.payload));
}

int eseal_registry_answer_parse(eseal_registry_answer_doc **out, const void *jws, size_t len, const void *spki_der,
                                size_t spki_len)
{
    if (out == NULL || (jws == NULL && len > 0) || spki_der == NULL || spki_len == 0) {
        ES_BAIL_ARG("out == NULL || jws == NULL || spki_der == NULL || spki_len == 0");
    }
    *out = NULL;
    return es_code(parse_answer(out, es_span_of(jws, len), es_span_of(spki_der, spki_len)));
}

const eseal_registry_answer *eseal_registry_answer_get(const eseal_registry_answer_doc *doc)
{
    return doc != NULL ? &doc->a : NULL;
}

int eseal_registry_answer_kid(char hex[65], const void *jws, size_t len)
{
    if (hex == NULL || (jws == NULL && len > 0)) {
        ES_BAIL_ARG("hex == NULL || jws == NULL");
    }
    if (len > ESEAL_REGISTRY_ANSWER_MAX_BYTES) {
        ES_BAIL_INT(ESEAL_ELIMIT, "registry answer: %zu bytes, over ESEAL_REGISTRY_ANSWER_MAX_BYTES (%d)", len,
                    ESEAL_REGISTRY_ANSWER_MAX_BYTES);
    }
    return es_code(es_jws_kid(hex, es_span_of(jws, len), "registry answer"));
}

void eseal_registry_answer_free(eseal_registry_answer_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    json_decref(doc->root);
    es_free(doc);
}
