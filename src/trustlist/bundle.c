/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust bundles (include/eseal/trustlist.h, issue 24): a platform's trust list, the CRLs of its CAs and
 * registry answers for its seals in one JSON file, carried to a verifier without network. The bundle
 * is not signed: each part is checked where it is used (the list under its pin, each CRL against the
 * list's CAs, each answer under the list's registry key); the reader only bounds and shapes.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "tl_int.h"

#define BUNDLE_FORMAT "eseal-trust-bundle"
#define BUNDLE_VERSION 1

struct eseal_trust_bundle {
    es_buf list;
    es_buf *crls;
    size_t ncrls;
    es_buf *answers;
    size_t nanswers;
};

/* ---- writing ---- */

static ES_RESULT add_text(json_t *arr, es_span s)
{
    json_t *v = json_stringn((const char *)s.ptr, s.len);
    ES_ENSURE(v != NULL, ESEAL_EINVAL, "trust bundle: a list or answer is not text");
    ES_ENSURE(json_array_append_new(arr, v) == 0, ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

static ES_RESULT write_bundle(es_buf *out, es_span list, const eseal_bytes *crls, size_t ncrls,
                              const eseal_bytes *answers, size_t nanswers)
{
    ES_ENSURE(list.len > 0 && list.len <= ESEAL_TRUSTLIST_MAX_BYTES, ESEAL_EINVAL,
              "trust bundle: a list of 1 to %u bytes", ESEAL_TRUSTLIST_MAX_BYTES);
    ES_ENSURE(ncrls <= ESEAL_TRUST_BUNDLE_MAX_CRLS && nanswers <= ESEAL_TRUST_BUNDLE_MAX_ANSWERS, ESEAL_EINVAL,
              "trust bundle: at most %d CRLs and %d answers", ESEAL_TRUST_BUNDLE_MAX_CRLS,
              ESEAL_TRUST_BUNDLE_MAX_ANSWERS);
    ES_AUTO(json_decrefp) json_t *o = json_object();
    ES_AUTO(json_decrefp) json_t *c = json_array();
    ES_AUTO(json_decrefp) json_t *a = json_array();
    ES_ENSURE(o != NULL && c != NULL && a != NULL, ESEAL_ENOMEM, "out of memory");
    ES_ENSURE(json_object_set_new(o, "format", json_string(BUNDLE_FORMAT)) == 0 &&
                  json_object_set_new(o, "version", json_integer(BUNDLE_VERSION)) == 0,
              ESEAL_ENOMEM, "out of memory");
    ES_AUTO(json_decrefp) json_t *l = json_stringn((const char *)list.ptr, list.len);
    ES_ENSURE(l != NULL && json_object_set(o, "list", l) == 0, ESEAL_EINVAL, "trust bundle: the list is not text");
    for (size_t i = 0; i < ncrls; i++) {
        ES_ENSURE(crls[i].len > 0 && crls[i].len <= ESEAL_TRUST_BUNDLE_MAX_CRL, ESEAL_EINVAL,
                  "trust bundle: CRL %zu is empty or over %u bytes", i + 1, ESEAL_TRUST_BUNDLE_MAX_CRL);
        ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT((ESEAL_TRUST_BUNDLE_MAX_CRL + 2) / 3 * 4 + 1);
        ES_GUARD(es_base64_encode(&b64, es_span_of(crls[i].ptr, crls[i].len)));
        ES_GUARD(add_text(c, es_buf_span(&b64)));
    }
    for (size_t i = 0; i < nanswers; i++) {
        ES_ENSURE(answers[i].len > 0 && answers[i].len <= ESEAL_REGISTRY_ANSWER_MAX_BYTES, ESEAL_EINVAL,
                  "trust bundle: answer %zu is empty or over %d bytes", i + 1, ESEAL_REGISTRY_ANSWER_MAX_BYTES);
        ES_GUARD(add_text(a, es_span_of(answers[i].ptr, answers[i].len)));
    }
    ES_ENSURE(json_object_set(o, "crls", c) == 0 && json_object_set(o, "answers", a) == 0, ESEAL_ENOMEM,
              "out of memory");
    char *text = json_dumps(o, JSON_INDENT(1));
    ES_ENSURE_ALLOC(text);
    es_result r = es_buf_append_str(out, text);
    free(text); /* !checksrc! allowed: jansson's allocation */
    ES_GUARD(r);
    return es_buf_append_byte(out, '\n');
}

int eseal_trust_bundle_write(eseal_buf *out, const void *list, size_t list_len, const eseal_bytes *crls,
                             size_t ncrls, const eseal_bytes *answers, size_t nanswers)
{
    if (out == NULL || list == NULL || (crls == NULL && ncrls > 0) || (answers == NULL && nanswers > 0)) {
        ES_BAIL_ARG("out, list, crls or answers NULL");
    }
    es_buf b = ES_BUF_INIT(ESEAL_TRUST_BUNDLE_MAX_BYTES);
    es_result r = write_bundle(&b, es_span_of(list, list_len), crls, ncrls, answers, nanswers);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    eseal_buf_dispose(out);
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

/* ---- reading ---- */

/* The strings of array `key` of `o` (absent: none), each 1..max bytes, at most `most`; CRLs in base64. */
static ES_RESULT read_items(json_t *o, const char *key, size_t most, size_t max, bool base64, es_buf **out,
                            size_t *n)
{
    *out = NULL;
    *n = 0;
    json_t *arr = json_object_get(o, key);
    if (arr == NULL) {
        return ES_OK;
    }
    ES_ENSURE(json_is_array(arr), ESEAL_EMALFORMED, "trust bundle: \"%s\" is not a list", key);
    size_t count = json_array_size(arr);
    ES_ENSURE(count <= most, ESEAL_ELIMIT, "trust bundle: %zu %s, over %zu", count, key, most);
    if (count == 0) {
        return ES_OK;
    }
    *out = es_calloc(count, sizeof(**out));
    ES_ENSURE_ALLOC(*out);
    for (size_t i = 0; i < count; i++) {
        json_t *v = json_array_get(arr, i);
        ES_ENSURE(json_is_string(v), ESEAL_EMALFORMED, "trust bundle: %s item %zu is not a string", key, i + 1);
        es_span s = es_span_of(json_string_value(v), json_string_length(v));
        size_t cap = base64 ? (max + 2) / 3 * 4 + 4 : max; /* room for what decodes to max bytes */
        ES_ENSURE(s.len > 0 && s.len <= cap, s.len == 0 ? ESEAL_EMALFORMED : ESEAL_ELIMIT,
                  "trust bundle: %s item %zu is empty or over %zu bytes", key, i + 1, max);
        (*out)[i] = (es_buf)ES_BUF_INIT(max);
        *n = i + 1;
        if (base64) {
            es_result r = es_base64_decode(&(*out)[i], s);
            ES_ENSURE(es_ok(r) && (*out)[i].len > 0, ESEAL_EMALFORMED, "trust bundle: %s item %zu is not base64",
                      key, i + 1);
        } else {
            ES_GUARD(es_buf_append(&(*out)[i], s.ptr, s.len));
        }
    }
    return ES_OK;
}

static void items_free(es_buf *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        es_buf_free(&items[i]);
    }
    es_free(items);
}

void eseal_trust_bundle_free(eseal_trust_bundle *b)
{
    if (b == NULL) {
        return;
    }
    es_buf_free(&b->list);
    items_free(b->crls, b->ncrls);
    items_free(b->answers, b->nanswers);
    es_free(b);
}

static ES_RESULT parse_bundle(eseal_trust_bundle *b, es_span in)
{
    ES_ENSURE(in.len <= ESEAL_TRUST_BUNDLE_MAX_BYTES, ESEAL_ELIMIT, "trust bundle: over %u bytes",
              ESEAL_TRUST_BUNDLE_MAX_BYTES);
    json_error_t err;
    ES_AUTO(json_decrefp) json_t *o = json_loadb((const char *)in.ptr, in.len, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(o != NULL, ESEAL_EMALFORMED, "trust bundle: not JSON (%s)", err.text);
    ES_ENSURE(json_is_object(o), ESEAL_EMALFORMED, "trust bundle: not a JSON object");
    const char *format = json_string_value(json_object_get(o, "format"));
    ES_ENSURE(format != NULL && strcmp(format, BUNDLE_FORMAT) == 0, ESEAL_EMALFORMED,
              "trust bundle: \"format\" is not \"" BUNDLE_FORMAT "\"");
    json_t *version = json_object_get(o, "version");
    ES_ENSURE(json_is_integer(version) && json_integer_value(version) == BUNDLE_VERSION, ESEAL_EUNSUPPORTED,
              "trust bundle: version %lld, not %d", json_is_integer(version) ? json_integer_value(version) : -1LL,
              BUNDLE_VERSION);
    json_t *list = json_object_get(o, "list");
    ES_ENSURE(json_is_string(list), ESEAL_EMALFORMED, "trust bundle: no \"list\"");
    size_t len = json_string_length(list);
    ES_ENSURE(len > 0 && len <= ESEAL_TRUSTLIST_MAX_BYTES, len == 0 ? ESEAL_EMALFORMED : ESEAL_ELIMIT,
              "trust bundle: the list is empty or over %u bytes", ESEAL_TRUSTLIST_MAX_BYTES);
    b->list = (es_buf)ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_BYTES);
    ES_GUARD(es_buf_append(&b->list, json_string_value(list), len));
    ES_GUARD(read_items(o, "crls", ESEAL_TRUST_BUNDLE_MAX_CRLS, ESEAL_TRUST_BUNDLE_MAX_CRL, true, &b->crls,
                        &b->ncrls));
    return read_items(o, "answers", ESEAL_TRUST_BUNDLE_MAX_ANSWERS, ESEAL_REGISTRY_ANSWER_MAX_BYTES, false,
                      &b->answers, &b->nanswers);
}

int eseal_trust_bundle_parse(eseal_trust_bundle **out, const void *data, size_t len)
{
    if (out == NULL || data == NULL) {
        ES_BAIL_ARG("out == NULL || data == NULL");
    }
    *out = NULL;
    eseal_trust_bundle *b = es_calloc(1, sizeof(*b));
    if (b == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    es_result r = parse_bundle(b, es_span_of(data, len));
    if (!es_ok(r)) {
        eseal_trust_bundle_free(b);
        return es_code(r);
    }
    *out = b;
    return ESEAL_OK;
}

int eseal_trust_bundle_is(const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;
    while (p != NULL && i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) {
        i++;
    }
    return p != NULL && i < len && p[i] == '{';
}

eseal_bytes eseal_trust_bundle_list(const eseal_trust_bundle *b)
{
    return b == NULL ? (eseal_bytes){NULL, 0} : (eseal_bytes){b->list.ptr, b->list.len};
}

size_t eseal_trust_bundle_crl_count(const eseal_trust_bundle *b) { return b == NULL ? 0 : b->ncrls; }

eseal_bytes eseal_trust_bundle_crl(const eseal_trust_bundle *b, size_t i)
{
    return b == NULL || i >= b->ncrls ? (eseal_bytes){NULL, 0} : (eseal_bytes){b->crls[i].ptr, b->crls[i].len};
}

size_t eseal_trust_bundle_answer_count(const eseal_trust_bundle *b) { return b == NULL ? 0 : b->nanswers; }

eseal_bytes eseal_trust_bundle_answer(const eseal_trust_bundle *b, size_t i)
{
    return b == NULL || i >= b->nanswers ? (eseal_bytes){NULL, 0}
                                         : (eseal_bytes){b->answers[i].ptr, b->answers[i].len};
}
