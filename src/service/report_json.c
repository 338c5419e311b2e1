/* SPDX-License-Identifier: Apache-2.0 */
/* Rendering reports: JSON (jansson) with dotted field names nested, and text for people. */
#include <string.h>

#include <jansson.h>

#include "service.h"

static json_t *reasons_json(const eseal_report *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < eseal_report_reason_count(r); i++) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "code", eseal_report_reason_code(r, i), "verdict",
                              eseal_verdict_name(eseal_report_reason_verdict(r, i)), "message",
                              eseal_report_reason_text(r, i));
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Puts value at the dotted path name inside obj ("signer.subject" -> obj.signer.subject). */
static int put_path(json_t *obj, const char *name, const char *value)
{
    char key[256];
    const char *dot = strchr(name, '.');
    if (dot == NULL) {
        return json_object_set_new(obj, name, json_string(value));
    }
    size_t n = (size_t)(dot - name);
    if (n >= sizeof(key)) {
        return -1;
    }
    memcpy(key, name, n);
    key[n] = '\0';
    json_t *child = json_object_get(obj, key);
    if (child == NULL) {
        child = json_object();
        if (child == NULL || json_object_set_new(obj, key, child) != 0) {
            return -1;
        }
    } else if (!json_is_object(child)) {
        return -1;
    }
    return put_path(child, dot + 1, value);
}

static json_t *node_json(const eseal_report *r, bool top)
{
    json_t *o = json_object();
    if (o == NULL) {
        return NULL;
    }
    json_object_set_new(o, "verdict", json_string(eseal_verdict_name(eseal_report_verdict(r))));
    json_object_set_new(o, "reasons", reasons_json(r));
    for (size_t i = 0; i < eseal_report_field_count(r); i++) {
        if (put_path(o, eseal_report_field_name(r, i), eseal_report_field_value(r, i)) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    if (top || eseal_report_child_count(r) > 0) {
        json_t *sigs = json_array();
        for (size_t i = 0; sigs != NULL && i < eseal_report_child_count(r); i++) {
            json_array_append_new(sigs, node_json(eseal_report_child(r, i), false));
        }
        json_object_set_new(o, "signatures", sigs);
    }
    return o;
}

int eseal_report_to_json(eseal_buf *out, const eseal_report *r)
{
    if (out == NULL || r == NULL) {
        ES_BAIL_ARG("out == NULL || r == NULL");
    }
    json_t *o = node_json(r, true);
    if (o == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "building the JSON report"));
    }
    /* Top-level "reasons" also lists every signature's reasons, so a reader of the top sees them all. */
    json_t *all = json_object_get(o, "reasons");
    for (size_t i = 0; i < eseal_report_child_count(r); i++) {
        json_t *cr = reasons_json(eseal_report_child(r, i));
        json_array_extend(all, cr);
        json_decref(cr);
    }
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (s == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "encoding the JSON report"));
    }
    es_buf b = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    es_result res = es_buf_append_str(&b, s);
    if (es_ok(res)) {
        res = es_buf_append_byte(&b, '\n');
    }
    free(s); /* !checksrc! allowed: jansson allocates with malloc */
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static ES_RESULT text_node(es_buf *b, const eseal_report *r, const char *indent)
{
    for (size_t i = 0; i < eseal_report_field_count(r); i++) {
        const char *name = eseal_report_field_name(r, i);
        size_t n = strlen(name);
        if (n > 4 && strcmp(name + n - 4, "_oid") == 0) {
            continue; /* people read the algorithm's name in the field beside it; JSON has both */
        }
        ES_GUARD(es_buf_printf(b, "%s%s: %s\n", indent, name, eseal_report_field_value(r, i)));
    }
    for (size_t i = 0; i < eseal_report_reason_count(r); i++) {
        ES_GUARD(es_buf_printf(b, "%s- %s [%s]: %s\n", indent, eseal_verdict_name(eseal_report_reason_verdict(r, i)),
                               eseal_report_reason_code(r, i), eseal_report_reason_text(r, i)));
    }
    return ES_OK;
}

int eseal_report_to_text(eseal_buf *out, const eseal_report *r)
{
    if (out == NULL || r == NULL) {
        ES_BAIL_ARG("out == NULL || r == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    es_result res = es_buf_printf(&b, "verdict: %s\n", eseal_verdict_name(eseal_report_verdict(r)));
    if (es_ok(res)) {
        res = text_node(&b, r, "");
    }
    for (size_t i = 0; es_ok(res) && i < eseal_report_child_count(r); i++) {
        const eseal_report *c = eseal_report_child(r, i);
        res = es_buf_printf(&b, "signature %zu: %s\n", i + 1, eseal_verdict_name(eseal_report_verdict(c)));
        if (es_ok(res)) {
            res = text_node(&b, c, "  ");
        }
    }
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}
