/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stamp made by the eseal agent (agent.h has the protocol; docs/agent.md): the JSON of the STAMP
 * request and of its answer, both ends, through jansson. The request carries what `eseal stamp`
 * asks for one document; the answer what eseal_instance_stamp_pdf said, the error's message, and
 * the receipt when one was asked for.
 *
 * The agent trusts a request no more than its socket does: it comes from a process of the agent's
 * own user (SO_PEERCRED), which could run the stamp itself with the same keys. So the request only
 * says what to stamp; who stamps is the agent's user (its login name, as the CLI takes it), never
 * a name the request claims. Every field is checked for its type and bounds; an unknown field is
 * refused (one spelling per request), and so is a duplicate key.
 */
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

static ES_RESULT set(json_t *o, const char *key, json_t *v)
{
    ES_ENSURE_ALLOC(v);
    ES_ENSURE(json_object_set_new(o, key, v) == 0, ESEAL_ENOMEM, "eseal agent: building the request");
    return ES_OK;
}

static ES_RESULT set_str(json_t *o, const char *key, const char *s)
{
    return s == NULL ? ES_OK : set(o, key, json_string(s));
}

static ES_RESULT set_int(json_t *o, const char *key, long long v)
{
    return v == 0 ? ES_OK : set(o, key, json_integer(v));
}

static ES_RESULT dump(es_buf *out, const json_t *o)
{
    /* Compact: no newline anywhere (strings escape theirs), so the request is one line. */
    char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    ES_ENSURE_ALLOC(txt);
    es_result r = es_buf_append_str(out, txt);
    es_wipe(txt, strlen(txt));
    free(txt); /* !checksrc! allowed: jansson's allocation */
    return r;
}

ES_RESULT es_agent_stamp_request_json(es_buf *out, const char *in_path, const char *out_path,
                                      const eseal_stamp_request *q, bool receipt, unsigned int umask_bits)
{
    ES_ENSURE_ARG(out != NULL && in_path != NULL && out_path != NULL && q != NULL);
    ES_ENSURE(q->n_tsa_urls <= ES_AGENT_STAMP_MAX_TSA, ESEAL_ELIMIT, "eseal agent: at most %d TSAs",
              ES_AGENT_STAMP_MAX_TSA);
    ES_AUTO(json_decrefp) json_t *o = json_object();
    ES_ENSURE_ALLOC(o);
    ES_GUARD(set(o, "in", json_string(in_path)));
    ES_GUARD(set(o, "out", json_string(out_path)));
    ES_GUARD(set(o, "umask", json_integer(umask_bits & 0777)));
    ES_GUARD(set_str(o, "seal", q->seal_ref));
    ES_GUARD(set_str(o, "cert", q->cert_ref));
    ES_GUARD(set_int(o, "page", q->page));
    if (q->x_mm != 0 || q->y_mm != 0) {
        ES_GUARD(set(o, "x_mm", json_real(q->x_mm)));
        ES_GUARD(set(o, "y_mm", json_real(q->y_mm)));
    }
    ES_GUARD(set_int(o, "xy_exact", q->xy_exact));
    ES_GUARD(set_str(o, "reason", q->reason));
    ES_GUARD(set_str(o, "location", q->location));
    ES_GUARD(set_int(o, "adbe", q->adbe));
    ES_GUARD(set_int(o, "qr", q->qr));
    ES_GUARD(set_int(o, "certify", q->certify));
    ES_GUARD(set_int(o, "cross_page", q->cross_page));
    ES_GUARD(set_int(o, "cross_first", q->cross_first));
    ES_GUARD(set_int(o, "cross_last", q->cross_last));
    ES_GUARD(set_int(o, "pss", q->pss));
    ES_GUARD(set_int(o, "lock", q->lock));
    ES_GUARD(set_str(o, "lock_fields", q->lock_fields));
    ES_GUARD(set_int(o, "plain", q->plain));
    ES_GUARD(set_int(o, "level", q->level));
    if (q->n_tsa_urls > 0) {
        json_t *a = json_array();
        ES_GUARD(set(o, "tsa", a));
        for (size_t i = 0; i < q->n_tsa_urls; i++) {
            ES_ENSURE(q->tsa_urls[i] != NULL && json_array_append_new(a, json_string(q->tsa_urls[i])) == 0,
                      ESEAL_EINVAL, "eseal agent: TSA %zu is not a string", i + 1);
        }
    }
    ES_GUARD(set_int(o, "tsa_timeout_ms", q->tsa_timeout_ms));
    if (q->who != NULL) {
        ES_GUARD(set_str(o, "address", q->who->address));
        ES_GUARD(set_str(o, "device", q->who->device));
    }
    ES_GUARD(set_str(o, "approvals", q->approvals));
    ES_GUARD(set_int(o, "skip_existing", q->skip_existing));
    ES_GUARD(set_int(o, "in_place", q->in_place));
    ES_GUARD(set_int(o, "receipt", receipt ? 1 : 0));
    return dump(out, o);
}

/* ---- the agent's side: reading a request -------------------------------------------------- */

static ES_RESULT get_str(json_t *o, const char *key, const char **out, bool required)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL) {
        ES_ENSURE(!required, ESEAL_EMALFORMED, "eseal agent: the request has no \"%s\"", key);
        *out = NULL;
        return ES_OK;
    }
    ES_ENSURE(json_is_string(v), ESEAL_EMALFORMED, "eseal agent: \"%s\" is not a string", key);
    const char *s = json_string_value(v);
    /* A C string: no NUL inside (jansson allows \u0000). */
    ES_ENSURE(strlen(s) == json_string_length(v), ESEAL_EMALFORMED, "eseal agent: \"%s\" holds a NUL", key);
    *out = s;
    return ES_OK;
}

static ES_RESULT get_int(json_t *o, const char *key, long long lo, long long hi, long long *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (v == NULL) {
        return ES_OK;
    }
    ES_ENSURE(json_is_integer(v), ESEAL_EMALFORMED, "eseal agent: \"%s\" is not an integer", key);
    long long x = (long long)json_integer_value(v);
    ES_ENSURE(x >= lo && x <= hi, ESEAL_EMALFORMED, "eseal agent: \"%s\" is out of range", key);
    *out = x;
    return ES_OK;
}

static ES_RESULT get_mm(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (v == NULL) {
        return ES_OK;
    }
    ES_ENSURE(json_is_number(v), ESEAL_EMALFORMED, "eseal agent: \"%s\" is not a number", key);
    double x = json_number_value(v);
    /* The CLI's own bound (--at): the service checks the place against the page. */
    ES_ENSURE(x >= -1.0 && x <= 100000.0, ESEAL_EMALFORMED, "eseal agent: \"%s\" is out of range", key);
    *out = x;
    return ES_OK;
}

static const char *const known_keys[] = {
    "in",       "out",         "umask",      "seal",        "cert",      "page",  "x_mm",       "y_mm",
    "xy_exact", "reason",      "location",   "adbe",        "qr",        "certify", "cross_page", "cross_first",
    "cross_last", "pss",       "lock",       "lock_fields", "plain",     "level", "tsa",        "tsa_timeout_ms",
    "address",  "device",      "approvals",  "skip_existing", "in_place", "receipt"};

static bool known(const char *k)
{
    for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
        if (strcmp(k, known_keys[i]) == 0) {
            return true;
        }
    }
    return false;
}

void es_agent_stamp_req_free(es_agent_stamp_req *r)
{
    if (r != NULL && r->root != NULL) {
        json_decref(r->root);
        r->root = NULL;
    }
}

/* Flags are 0 or 1. */
#define FLAG(key, field)                                                                                              \
    do {                                                                                                              \
        ES_GUARD(get_int(o, key, 0, 1, &v));                                                                          \
        q->field = (int)v;                                                                                            \
    } while (0)

static ES_RESULT fill(es_agent_stamp_req *r, json_t *o)
{
    const char *k;
    json_t *val;
    json_object_foreach(o, k, val)
    {
        ES_ENSURE(known(k), ESEAL_EMALFORMED, "eseal agent: unknown field \"%.40s\" in the request", k);
    }
    eseal_stamp_request *q = &r->q;
    *q = (eseal_stamp_request)ESEAL_STAMP_REQUEST_INIT;
    long long v = 0;
    ES_GUARD(get_str(o, "in", &r->in_path, true));
    ES_GUARD(get_str(o, "out", &r->out_path, true));
    ES_GUARD(get_int(o, "umask", 0, 0777, &v));
    r->umask_bits = (unsigned int)v;
    ES_GUARD(get_str(o, "seal", &q->seal_ref, true));
    ES_GUARD(get_str(o, "cert", &q->cert_ref, false));
    ES_GUARD(get_int(o, "page", -1, INT_MAX, &v));
    q->page = (int)v;
    ES_GUARD(get_mm(o, "x_mm", &q->x_mm));
    ES_GUARD(get_mm(o, "y_mm", &q->y_mm));
    FLAG("xy_exact", xy_exact);
    ES_GUARD(get_str(o, "reason", &q->reason, false));
    ES_GUARD(get_str(o, "location", &q->location, false));
    FLAG("adbe", adbe);
    FLAG("qr", qr);
    ES_GUARD(get_int(o, "certify", 0, 3, &v));
    q->certify = (int)v;
    FLAG("cross_page", cross_page);
    ES_GUARD(get_int(o, "cross_first", 0, INT_MAX, &v));
    q->cross_first = (int)v;
    ES_GUARD(get_int(o, "cross_last", 0, INT_MAX, &v));
    q->cross_last = (int)v;
    FLAG("pss", pss);
    ES_GUARD(get_int(o, "lock", 0, INT_MAX, &v));
    q->lock = (int)v;
    ES_GUARD(get_str(o, "lock_fields", &q->lock_fields, false));
    FLAG("plain", plain);
    ES_GUARD(get_int(o, "level", ESEAL_LEVEL_B_B, ESEAL_LEVEL_B_LTA, &v));
    q->level = (int)v;
    json_t *tsa = json_object_get(o, "tsa");
    if (tsa != NULL) {
        ES_ENSURE(json_is_array(tsa) && json_array_size(tsa) >= 1 && json_array_size(tsa) <= ES_AGENT_STAMP_MAX_TSA,
                  ESEAL_EMALFORMED, "eseal agent: \"tsa\" is not a list of 1 to %d URLs", ES_AGENT_STAMP_MAX_TSA);
        for (size_t i = 0; i < json_array_size(tsa); i++) {
            json_t *u = json_array_get(tsa, i);
            ES_ENSURE(json_is_string(u) && strlen(json_string_value(u)) == json_string_length(u), ESEAL_EMALFORMED,
                      "eseal agent: TSA %zu is not a URL", i + 1);
            r->tsa[i] = json_string_value(u);
        }
        q->tsa_urls = r->tsa;
        q->n_tsa_urls = json_array_size(tsa);
    }
    ES_GUARD(get_int(o, "tsa_timeout_ms", 0, UINT_MAX, &v));
    q->tsa_timeout_ms = (unsigned int)v;
    ES_GUARD(get_str(o, "address", &r->who.address, false));
    ES_GUARD(get_str(o, "device", &r->who.device, false));
    ES_GUARD(get_str(o, "approvals", &q->approvals, false));
    FLAG("skip_existing", skip_existing);
    FLAG("in_place", in_place);
    ES_GUARD(get_int(o, "receipt", 0, 1, &v));
    r->receipt = v != 0;
    return ES_OK;
}

ES_RESULT es_agent_stamp_request_parse(es_agent_stamp_req *r, const char *json, size_t len)
{
    ES_ENSURE_ARG(r != NULL && json != NULL);
    memset(r, 0, sizeof(*r));
    ES_ENSURE(len <= ES_AGENT_REQUEST_MAX, ESEAL_ELIMIT, "eseal agent: a request of more than %d bytes",
              ES_AGENT_REQUEST_MAX);
    json_error_t err;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(o != NULL, ESEAL_EMALFORMED, "eseal agent: the request is not JSON (%s)", err.text);
    r->root = o;
    es_result res = json_is_object(o) ? fill(r, o)
                                      : es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                                                     "eseal agent: the request is not a JSON object");
    if (!es_ok(res)) {
        es_agent_stamp_req_free(r);
    }
    return res;
}

/* The acting principal of a request: the agent's own user, as the CLI names it (cli_principal):
 * its login name, else "uid:N"; kind operator; the address and device the request gives. */
void es_agent_stamp_principal(es_agent_stamp_req *r)
{
    const struct passwd *pw = getpwuid(geteuid());
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0' && strlen(pw->pw_name) < sizeof(r->who_id)) {
        (void)snprintf(r->who_id, sizeof(r->who_id), "%s", pw->pw_name);
    } else {
        (void)snprintf(r->who_id, sizeof(r->who_id), "uid:%u", (unsigned)geteuid());
    }
    r->who.version = ESEAL_PRINCIPAL_VERSION;
    r->who.kind = ESEAL_PRINCIPAL_OPERATOR;
    r->who.id = r->who_id;
    r->who.address = r->who.address != NULL ? r->who.address : "local";
    r->who.device = r->who.device != NULL ? r->who.device : "eseal-cli";
    r->q.who = &r->who;
}

/* ---- the answer ------------------------------------------------------------------------------ */

ES_RESULT es_agent_stamp_answer_json(es_buf *out, int code, const char *message, const eseal_stamp_result *res,
                                     int receipt_code, const char *receipt_message, es_span receipt)
{
    ES_AUTO(json_decrefp) json_t *o = json_object();
    ES_ENSURE_ALLOC(o);
    ES_GUARD(set(o, "code", json_integer(code)));
    ES_GUARD(set(o, "message", json_string(message != NULL ? message : "")));
    ES_GUARD(set(o, "serial", json_string(res->serial)));
    ES_GUARD(set(o, "seal", json_string(res->esid)));
    ES_GUARD(set(o, "cert", json_string(res->cert_id)));
    ES_GUARD(set(o, "time_ms", json_integer(res->time_ms)));
    ES_GUARD(set(o, "time_source", json_string(res->time_source)));
    ES_GUARD(set(o, "log_index", json_integer(res->log_index)));
    ES_GUARD(set(o, "skipped", json_integer(res->skipped)));
    ES_GUARD(set(o, "receipt_code", json_integer(receipt_code)));
    ES_GUARD(set(o, "receipt_message", json_string(receipt_message != NULL ? receipt_message : "")));
    if (receipt.len > 0) {
        ES_AUTO(es_buf_freep) es_buf hex = ES_BUF_INIT(ES_AGENT_REQUEST_MAX); /* the answer line bounds it */
        ES_GUARD(es_buf_append_hex(&hex, receipt.ptr, receipt.len, false));
        ES_GUARD(set(o, "receipt", json_string(es_buf_cstr(&hex))));
    }
    return dump(out, o);
}

static ES_RESULT copy_str(char *dst, size_t cap, json_t *o, const char *key)
{
    const char *s = NULL;
    ES_GUARD(get_str(o, key, &s, true));
    ES_ENSURE(strlen(s) < cap, ESEAL_EMALFORMED, "eseal agent: \"%s\" is too long in its answer", key);
    memcpy(dst, s, strlen(s) + 1);
    return ES_OK;
}

static ES_RESULT answer_fill(json_t *o, es_agent_stamp_answer *a)
{
    long long v = 0;
    ES_GUARD(get_int(o, "code", -1000, 1000, &v));
    a->code = (int)v;
    ES_GUARD(copy_str(a->message, sizeof(a->message), o, "message"));
    eseal_stamp_result *res = &a->res;
    ES_GUARD(copy_str(res->serial, sizeof(res->serial), o, "serial"));
    ES_GUARD(copy_str(res->esid, sizeof(res->esid), o, "seal"));
    ES_GUARD(copy_str(res->cert_id, sizeof(res->cert_id), o, "cert"));
    ES_GUARD(get_int(o, "time_ms", INT64_MIN, INT64_MAX, &v));
    res->time_ms = v;
    ES_GUARD(copy_str(res->time_source, sizeof(res->time_source), o, "time_source"));
    ES_GUARD(get_int(o, "log_index", -1, INT64_MAX, &v));
    res->log_index = v;
    ES_GUARD(get_int(o, "skipped", 0, 1, &v));
    res->skipped = (int)v;
    res->code = a->code;
    (void)snprintf(res->message, sizeof(res->message), "%.255s", a->code == ESEAL_OK ? "" : a->message);
    ES_GUARD(get_int(o, "receipt_code", -1000, 1000, &v));
    a->receipt_code = (int)v;
    ES_GUARD(copy_str(a->receipt_message, sizeof(a->receipt_message), o, "receipt_message"));
    const char *hex = NULL;
    ES_GUARD(get_str(o, "receipt", &hex, false));
    if (hex != NULL) {
        ES_GUARD(es_hex_decode(&a->receipt, hex));
    }
    return ES_OK;
}

ES_RESULT es_agent_stamp_answer_parse(es_agent_stamp_answer *a, const char *json, size_t len)
{
    ES_ENSURE_ARG(a != NULL && json != NULL);
    es_buf keep = a->receipt;
    memset(a, 0, sizeof(*a));
    a->receipt = keep;
    a->res.log_index = -1;
    ES_AUTO(json_decrefp) json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    ES_ENSURE(o != NULL && json_is_object(o), ESEAL_EMALFORMED, "eseal agent: its answer to STAMP is not JSON");
    return answer_fill(o, a);
}
