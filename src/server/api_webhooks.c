/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's webhooks (issue 20 §3; docs/webhooks.md, docs/http-api.md): an org-admin adds, lists
 * and removes its organisation's endpoints, lists their deliveries and replays one. Who may is the
 * library's (webhook.* of the policy); another organisation's webhook or delivery is 404 like a
 * missing one. The signing secret is in the answer of POST /webhooks only.
 */
#include <string.h>

#include "api.h"

static json_t *webhook_json(const eseal_webhook *w)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:s}", "id", w->id, "organisation", w->org_id, "url", w->url, "events",
                     es_api_list(w->events), "active", w->active != 0, "created", es_api_time(w->created_ms),
                     "created_by", w->created_by);
}

static json_t *delivery_json(const eseal_delivery *d)
{
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:o, s:o, s:o, s:s}", "id", d->id, "webhook",
                          d->webhook_id, "event_id", d->event_id, "event", d->event_type, "status",
                          eseal_delivery_status_name(d->status), "attempts", (json_int_t)d->attempts, "next_attempt",
                          d->status == ESEAL_DELIVERY_PENDING ? es_api_time(d->next_attempt_ms) : json_null(),
                          "last_status", (json_int_t)d->last_status, "last_error", es_api_str_or_null(d->last_error),
                          "created", es_api_time(d->created_ms), "updated", es_api_time(d->updated_ms), "body",
                          d->body);
    return v;
}

static int add_webhook(const eseal_webhook *w, void *ctx)
{
    return json_array_append_new(ctx, webhook_json(w)) == 0 ? 0 : ESEAL_ENOMEM;
}

static int add_delivery(const eseal_delivery *d, void *ctx)
{
    return json_array_append_new(ctx, delivery_json(d)) == 0 ? 0 : ESEAL_ENOMEM;
}

static ES_RESULT webhooks_list(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_webhook_list(c->inst, es_api_who(c), add_webhook, a), a);
}

/* {"url": "...", "events": ["alert", ...] or "alert,grant.changed", "organisation": "..." (the platform side)} */
static ES_RESULT webhooks_add(es_api_call *c)
{
    static const char *const known[] = {"url", "events", "organisation", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *url = NULL, *org = NULL;
    char events[ESEAL_WEBHOOK_EVENTS_MAX + 1] = "";
    es_result r = es_api_str(b, "url", true, &url);
    r = es_ok(r) ? es_api_str(b, "organisation", false, &org) : r;
    json_t *ev = json_object_get(b, "events");
    if (es_ok(r) && json_is_string(ev)) {
        r = strlen(json_string_value(ev)) < sizeof(events)
                ? ES_OK
                : es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "events: too long");
        if (es_ok(r)) {
            memcpy(events, json_string_value(ev), strlen(json_string_value(ev)) + 1);
        }
    } else if (es_ok(r) && json_is_array(ev)) {
        size_t i;
        json_t *e;
        json_array_foreach(ev, i, e)
        {
            size_t len = strlen(events);
            if (!es_ok(r)) {
                break;
            }
            if (!json_is_string(e) || len + json_string_length(e) + 2 > sizeof(events)) {
                r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "events: an array of event types");
                break;
            }
            (void)snprintf(events + len, sizeof(events) - len, "%s%s", len > 0 ? "," : "", json_string_value(e));
        }
    } else if (es_ok(r)) {
        r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "events: an array of event types (docs/webhooks.md)");
    }
    eseal_webhook w;
    if (es_ok(r)) {
        r = es_from_code(eseal_webhook_add(c->inst, es_api_who(c), org, url, events, &w));
    }
    json_decref(b);
    ES_GUARD(r);
    json_t *v = webhook_json(&w);
    if (v != NULL) {
        (void)json_object_set_new(v, "secret", json_string(w.secret));
    }
    r = es_api_reply(c, 201, v);
    es_wipe(w.secret, sizeof(w.secret));
    return r;
}

static ES_RESULT webhooks_remove(es_api_call *c)
{
    char id[ESEAL_WEBHOOK_ID_LEN + 1];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    ES_GUARD(es_from_code(eseal_webhook_remove(c->inst, es_api_who(c), id)));
    return es_api_no_content(c);
}

static ES_RESULT webhooks_deliveries(es_api_call *c)
{
    char id[ESEAL_WEBHOOK_ID_LEN + 1];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_webhook_deliveries(c->inst, es_api_who(c), id, 0, add_delivery, a), a);
}

static ES_RESULT deliveries_replay(es_api_call *c)
{
    char id[ESEAL_DELIVERY_ID_LEN + 1];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    eseal_delivery *d = es_calloc(1, sizeof(*d));
    ES_ENSURE_ALLOC(d);
    es_result r = es_from_code(eseal_webhook_replay(c->inst, es_api_who(c), id, d));
    if (es_ok(r)) {
        r = es_api_reply(c, 202, delivery_json(d));
    }
    es_free(d);
    return r;
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST
#define J ES_CT_JSON

const es_api_route es_api_webhooks_routes[] = {
    {GET, "/webhooks", ES_API_USER, "users:read", NULL, 0, webhooks_list, "GET /api/v1/webhooks"},
    {POST, "/webhooks", ES_API_USER, "users:write", J, 0, webhooks_add, "POST /api/v1/webhooks"},
    {POST, "/webhooks/*/remove", ES_API_USER, "users:write", NULL, 0, webhooks_remove,
     "POST /api/v1/webhooks/{id}/remove"},
    {GET, "/webhooks/*/deliveries", ES_API_USER, "users:read", NULL, 0, webhooks_deliveries,
     "GET /api/v1/webhooks/{id}/deliveries"},
    {POST, "/deliveries/*/replay", ES_API_USER, "users:write", NULL, 0, deliveries_replay,
     "POST /api/v1/deliveries/{id}/replay"},
};
const size_t es_api_webhooks_route_count = sizeof(es_api_webhooks_routes) / sizeof(es_api_webhooks_routes[0]);
