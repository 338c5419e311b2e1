/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device protocol's routes (issue 23 §4; docs/devices.md, docs/openapi.yaml, docs/http-api.md):
 * a physical seal with a chip asks for an unlock and reports its impressions, over eseal/device.h.
 *
 *   POST /api/v1/devices/unlock       {device, request, impressions, nonce, time, signature} → 201
 *                                     {unlock, token, signature, signer}
 *   POST /api/v1/devices/impressions  {device, unlock, seq, time, lat, lon, photo_sha256, operator,
 *                                     signature} → 201 {impression}
 *
 * Public routes: a device holds no login nor token; its chip's signature over the canonical bytes
 * (eseal_device_ask_bytes, eseal_device_report_bytes) is its credential, checked by the library,
 * which acts for the principal of kind device named by the message. A refusal is 403 with its code
 * (UNLOCK_REPLAYED, DEVICE_BAD_SIGNATURE...), recorded and alerted before it is answered.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "crypto/crypto.h"
#include "eseal/device.h"

/* A chip's signature in base64: ESEAL_DEVICE_SIG_MAX bytes are at most 216 characters. */
#define API_DEVICE_SIG_B64_MAX 256
/* The platform's answer: the token and its signature in base64, the seal maker's certificate. */
#define API_DEVICE_B64_OUT_MAX (8u * 1024u)

/* The body's integer `key` within [lo, hi]. */
static ES_RESULT int_of(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    ES_ENSURE(json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi, ESEAL_EMALFORMED,
              "%s: an integer from %lld to %lld", key, (long long)lo, (long long)hi);
    *out = (int64_t)json_integer_value(v);
    return ES_OK;
}

/* The body's base64 `signature` decoded into sig. */
static ES_RESULT sig_of(json_t *o, es_buf *sig)
{
    const char *b64 = NULL;
    ES_GUARD(es_api_str(o, "signature", true, &b64));
    ES_ENSURE(strlen(b64) <= API_DEVICE_SIG_B64_MAX, ESEAL_EMALFORMED, "signature: at most %d base64 characters",
              API_DEVICE_SIG_B64_MAX);
    return es_base64_decode(sig, es_span_of(b64, strlen(b64)));
}

/* The principal the message names: a device, from where it called. */
static eseal_principal device_principal(const es_api_call *c, const char *device)
{
    eseal_principal p = ESEAL_PRINCIPAL_INIT;
    p.kind = ESEAL_PRINCIPAL_DEVICE;
    p.id = device;
    p.address = c->rq->remote[0] != '\0' ? c->rq->remote : NULL;
    p.device = "eseal-device-protocol";
    return p;
}

static ES_RESULT devices_unlock(es_api_call *c)
{
    static const char *const known[] = {"device", "request", "impressions", "nonce", "time", "signature", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    eseal_device_ask a = {0};
    ES_AUTO(es_buf_freep) es_buf sig = ES_BUF_INIT(ESEAL_DEVICE_SIG_MAX);
    es_result r = es_api_str(b, "device", true, &a.device);
    r = es_ok(r) ? es_api_str(b, "request", true, &a.request) : r;
    r = es_ok(r) ? es_api_str(b, "nonce", true, &a.nonce) : r;
    r = es_ok(r) ? int_of(b, "impressions", 1, ESEAL_UNLOCK_IMPRESSIONS_MAX, &a.impressions) : r;
    r = es_ok(r) ? int_of(b, "time", 1, INT64_MAX, &a.time_ms) : r;
    r = es_ok(r) ? sig_of(b, &sig) : r;
    eseal_unlock_answer ans;
    memset(&ans, 0, sizeof(ans));
    if (es_ok(r)) {
        eseal_principal who = device_principal(c, a.device);
        r = es_from_code(eseal_device_unlock(c->inst, &who, &a, sig.ptr, sig.len, &ans, NULL));
    }
    json_decref(b);
    ES_AUTO(es_buf_freep) es_buf sig64 = ES_BUF_INIT(API_DEVICE_B64_OUT_MAX);
    if (es_ok(r)) {
        r = es_base64_encode(&sig64, es_span_of(ans.signature.ptr, ans.signature.size));
    }
    if (!es_ok(r)) {
        eseal_unlock_answer_dispose(&ans);
        return r;
    }
    const eseal_unlock *u = &ans.unlock;
    json_t *v = json_pack("{s:{s:s, s:s, s:s, s:I, s:I, s:I, s:s}, s:s%, s:s%, s:s%}", "unlock", "id", u->id, "device",
                          u->device_id, "request", u->request_id, "impressions", (json_int_t)u->impressions, "issued",
                          (json_int_t)u->issued_ms, "expires", (json_int_t)u->expires_ms, "nonce", u->nonce, "token",
                          (const char *)ans.token.ptr, ans.token.size, "signature", es_buf_cstr(&sig64), sig64.len,
                          "signer", (const char *)ans.signer_pem.ptr, ans.signer_pem.size);
    eseal_unlock_answer_dispose(&ans);
    return es_api_reply(c, 201, v);
}

static ES_RESULT devices_impressions(es_api_call *c)
{
    static const char *const known[] = {"device",       "unlock",   "seq",       "time", "lat", "lon",
                                        "photo_sha256", "operator", "signature", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    eseal_device_report rp = {0};
    ES_AUTO(es_buf_freep) es_buf sig = ES_BUF_INIT(ESEAL_DEVICE_SIG_MAX);
    es_result r = es_api_str(b, "device", true, &rp.device);
    r = es_ok(r) ? es_api_str(b, "unlock", true, &rp.unlock) : r;
    r = es_ok(r) ? es_api_str(b, "lat", true, &rp.lat) : r;
    r = es_ok(r) ? es_api_str(b, "lon", true, &rp.lon) : r;
    r = es_ok(r) ? es_api_str(b, "photo_sha256", true, &rp.photo_sha256) : r;
    r = es_ok(r) ? es_api_str(b, "operator", true, &rp.operator_id) : r;
    r = es_ok(r) ? int_of(b, "seq", 1, ESEAL_UNLOCK_IMPRESSIONS_MAX, &rp.seq) : r;
    r = es_ok(r) ? int_of(b, "time", 1, INT64_MAX, &rp.time_ms) : r;
    r = es_ok(r) ? sig_of(b, &sig) : r;
    eseal_impression m;
    if (es_ok(r)) {
        eseal_principal who = device_principal(c, rp.device);
        r = es_from_code(eseal_device_report_accept(c->inst, &who, &rp, sig.ptr, sig.len, &m, NULL));
    }
    json_decref(b);
    ES_GUARD(r);
    return es_api_reply(c, 201,
                        json_pack("{s:{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I}}", "impression",
                                  "device", m.device_id, "unlock", m.unlock_id, "request", m.request_id, "seq",
                                  (json_int_t)m.seq, "time", (json_int_t)m.time_ms, "lat", m.lat, "lon", m.lon,
                                  "photo_sha256", m.photo_sha256, "operator", m.operator_id, "received",
                                  (json_int_t)m.received_ms, "log_index", (json_int_t)m.log_index));
}

#define POST ES_ROUTE_POST
#define J ES_CT_JSON

const es_api_route es_api_devices_routes[] = {
    {POST, "/devices/unlock", ES_API_PUBLIC, NULL, J, 0, devices_unlock, "POST /api/v1/devices/unlock"},
    {POST, "/devices/impressions", ES_API_PUBLIC, NULL, J, 0, devices_impressions,
     "POST /api/v1/devices/impressions"},
};
const size_t es_api_devices_route_count = sizeof(es_api_devices_routes) / sizeof(es_api_devices_routes[0]);
