/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys in hardware (issue 23): a certificate record's key_file that is a URI rather than a path
 * under HOME/keys. es_instance_load_key (passwd.c) sends those here; this file knows the schemes
 * and where their settings come from (eseal.conf's pkcs11_module, the token PIN the caller gave or
 * its PIN callback). "pkcs11:" opens the key through src/crypto/pkcs11.c; "skf:" through the GM/T 0016
 * backend (src/crypto/skf.c), with the module of eseal.conf's skf_module (a vendor's; there is no
 * default) and the same PIN.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"


/* SoftHSM2's module where Debian installs it (softhsm2 2.6: /usr/lib/softhsm), then the multiarch
 * paths other distributions use. Its own SOFTHSM2_CONF is read by the module itself. */
static const char *const softhsm_paths[] = {
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
};

#define ES_TOKEN_PIN_MAX 256

bool es_hwkey_is_ref(const char *key_file)
{
    return key_file != NULL && (es_p11_is_uri(key_file) || strncmp(key_file, "skf:", 4) == 0);
}

const char *es_hwkey_module(const eseal_instance *inst)
{
    if (inst != NULL && inst->cfg.pkcs11_module != NULL) {
        return inst->cfg.pkcs11_module;
    }
    for (size_t i = 0; i < sizeof(softhsm_paths) / sizeof(softhsm_paths[0]); i++) {
        if (access(softhsm_paths[i], R_OK) == 0) {
            return softhsm_paths[i];
        }
    }
    return NULL;
}

void es_hwkey_forget(eseal_instance *inst)
{
    if (inst != NULL) {
        es_p11_pin_free(inst->token_pin);
        inst->token_pin = NULL;
    }
}

/* The PIN for `token`: the one set, else the callback's (kept once given); NULL when neither. */
static ES_RESULT token_pin(eseal_instance *inst, const char *token, const es_p11_pin **out)
{
    *out = NULL;
    if (inst->token_pin == NULL && inst->token_pin_cb != NULL) {
        char buf[ES_TOKEN_PIN_MAX];
        size_t len = 0;
        int rc = inst->token_pin_cb(inst->token_pin_payload, token, buf, sizeof(buf), &len);
        es_result r = rc == ESEAL_OK ? ES_OK
                                     : es_error_set(rc, __FILE__, __LINE__,
                                                    "token '%s' needs its PIN (set ESEAL_TOKEN_PIN, use --pin-file, "
                                                    "or run on a terminal)", token);
        if (es_ok(r)) {
            r = len <= sizeof(buf) ? es_p11_pin_new(&inst->token_pin, buf, len)
                                   : es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "the PIN callback overran");
        }
        es_wipe(buf, sizeof(buf));
        ES_GUARD(r);
    }
    *out = inst->token_pin;
    return ES_OK;
}

ES_RESULT es_hwkey_open(eseal_instance *inst, eseal_key **key, const char *ref)
{
    ES_ENSURE_ARG(inst != NULL && key != NULL && ref != NULL);
    if (strncmp(ref, "skf:", 4) == 0) {
        ES_ENSURE(inst->cfg.skf_module != NULL, ESEAL_EUNSUPPORTED,
                  "key %.200s is in an SKF (GM/T 0016) device: set skf_module = PATH (the vendor's module) in "
                  "eseal.conf",
                  ref);
        const es_p11_pin *pin = NULL;
        ES_GUARD(token_pin(inst, "SKF device", &pin));
        size_t len = 0;
        const char *bytes = es_p11_pin_bytes(pin, &len);
        es_result r = es_skf_key_open(key, inst->cfg.skf_module, ref, bytes, len);
        if (es_code(r) == ESEAL_EPASS || es_code(r) == ESEAL_ERATE) {
            es_hwkey_forget(inst); /* a refused PIN is not tried again (each try counts down the device's) */
        }
        return r;
    }
    es_p11_uri uri;
    ES_GUARD(es_p11_uri_parse(&uri, es_span_of(ref, strlen(ref))));
    const es_p11_pin *pin = NULL;
    ES_GUARD(token_pin(inst, uri.token[0] != '\0' ? uri.token : uri.serial, &pin));
    es_result r = es_p11_key_open(key, es_hwkey_module(inst), &uri, pin);
    if (es_code(r) == ESEAL_EPASS || es_code(r) == ESEAL_EDENIED) {
        es_hwkey_forget(inst); /* a refused PIN is not tried again (it would count down the token's tries) */
    }
    return r;
}

ES_RESULT es_hwkey_like(eseal_instance *inst, const eseal_instance *from)
{
    ES_ENSURE_ARG(inst != NULL && from != NULL);
    inst->token_pin_cb = from->token_pin_cb;
    inst->token_pin_payload = from->token_pin_payload;
    es_hwkey_forget(inst);
    return from->token_pin != NULL ? es_p11_pin_copy(&inst->token_pin, from->token_pin) : ES_OK;
}

int eseal_instance_set_token_pin(eseal_instance *inst, const char *pin, size_t len)
{
    if (inst == NULL || pin == NULL) {
        ES_BAIL_ARG("inst == NULL || pin == NULL");
    }
    es_p11_pin *p = NULL;
    es_result r = es_p11_pin_new(&p, pin, len);
    if (es_ok(r)) {
        es_hwkey_forget(inst);
        inst->token_pin = p;
    }
    return es_code(r);
}

int eseal_instance_set_token_pin_callback(eseal_instance *inst, eseal_token_pin_cb cb, void *payload)
{
    if (inst == NULL) {
        ES_BAIL_ARG("inst == NULL");
    }
    inst->token_pin_cb = cb;
    inst->token_pin_payload = payload;
    return ESEAL_OK;
}

static ES_RESULT token_generate(eseal_instance *inst, eseal_buf *uri, const char *token, eseal_key_alg alg,
                                const char *label)
{
    ES_ENSURE_ARG(inst != NULL && uri != NULL && token != NULL && label != NULL);
    const es_p11_pin *pin = NULL;
    ES_GUARD(token_pin(inst, token, &pin));
    es_buf out = ES_BUF_INIT(ES_P11_URI_MAX + 1);
    es_result r = es_p11_key_generate(&out, es_hwkey_module(inst), token, alg, label, pin);
    if (es_code(r) == ESEAL_EPASS || es_code(r) == ESEAL_EDENIED) {
        es_hwkey_forget(inst);
    }
    if (es_ok(r)) {
        es_buf_move_out(uri, &out);
    }
    es_buf_free(&out);
    return r;
}

int eseal_instance_token_key_generate(eseal_instance *inst, eseal_buf *uri, const char *token, eseal_key_alg alg,
                                      const char *label)
{
    return es_code(token_generate(inst, uri, token, alg, label));
}

int eseal_instance_open_hw_key(eseal_instance *inst, eseal_key **out, const char *ref)
{
    if (inst == NULL || out == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || ref == NULL");
    }
    return es_code(es_hwkey_open(inst, out, ref));
}

ES_RESULT es_hwkey_generate_role(eseal_instance *inst, eseal_key **key, es_buf *uri, const char *token,
                                 eseal_key_alg alg, const char *h, const char *role)
{
    ES_ENSURE_ARG(inst != NULL && key != NULL && uri != NULL && token != NULL && h != NULL && role != NULL);
    uint8_t rnd[4];
    ES_GUARD(es_random(rnd, sizeof(rnd)));
    char hex[2 * sizeof(rnd) + 1];
    es_hex_lower(hex, rnd, sizeof(rnd));
    char label[65];
    int n = snprintf(label, sizeof(label), "eseal-%s-%s-%s", h, role, hex);
    ES_ENSURE(n > 0 && (size_t)n < sizeof(label), ESEAL_EINVAL, "key label for %s %s is too long", h, role);
    eseal_buf made = ESEAL_BUF_INIT;
    es_result r = token_generate(inst, &made, token, alg, label);
    if (es_ok(r)) {
        r = es_hwkey_open(inst, key, (const char *)made.ptr);
    }
    if (es_ok(r)) {
        es_buf_clear(uri);
        r = es_buf_append_str(uri, (const char *)made.ptr);
        if (!es_ok(r)) {
            eseal_key_free(*key);
            *key = NULL;
        }
    }
    eseal_buf_dispose(&made);
    return r;
}

ES_RESULT es_hwkey_token_check(eseal_instance *inst, const char *token)
{
    ES_ENSURE_ARG(inst != NULL && token != NULL);
    const es_p11_pin *pin = NULL;
    ES_GUARD(token_pin(inst, token, &pin));
    es_result r = es_p11_token_check(es_hwkey_module(inst), token, pin);
    if (es_code(r) == ESEAL_EPASS || es_code(r) == ESEAL_EDENIED) {
        es_hwkey_forget(inst);
    }
    return r;
}
