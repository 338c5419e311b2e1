/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Webhooks (issue 20 §3; eseal/governance.h, docs/webhooks.md): an organisation's endpoints, the
 * events queued for them and their delivery.
 *
 * An event is queued (es_webhook_emit) in the transaction of the change it reports, as one
 * delivery row per subscribed webhook: nothing touches the network then, so no request waits on a
 * receiver. `eseal serve`'s delivery thread calls eseal_webhook_deliver_due every second: each due
 * delivery is POSTed once, signed like Stripe's (`eseal-signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`); a 2xx delivers it, anything else (a status, a refused
 * connection, a timeout) is retried after 1 s, 2 s, 4 s... (at most 1 h between two attempts)
 * until 24 h after it was queued, and then it has failed. Every attempt updates the delivery's row
 * (attempts, the last status and error), which the API lists; a delivery can be replayed (queued
 * again as a new delivery of the same event).
 *
 * The secret is kept in the store as is (it must sign): the instance's key-encryption key is
 * derived from the key passphrase, which the delivery thread of a server whose keys are held by
 * the agent does not have (NOTES: left undone).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "governance.h"
#include "http/http.h"

/* A receiver's answer is read to this many bytes at most, and waited for this long. */
#define WEBHOOK_RESPONSE_MAX (64u * 1024u)
#define WEBHOOK_TIMEOUT_MS 5000u
/* The deliveries one call of deliver_due attempts at most (by default). */
#define WEBHOOK_DUE_DEFAULT 32u
#define WEBHOOK_LIST_DEFAULT 100u
/* A delivery taken for an attempt is not due for anyone else for this long (far more than an attempt's 5 s). */
#define WEBHOOK_LEASE_MS (60 * 1000LL)

const char *eseal_delivery_status_name(eseal_delivery_status s)
{
    switch (s) {
    case ESEAL_DELIVERY_PENDING:
        return "pending";
    case ESEAL_DELIVERY_DELIVERED:
        return "delivered";
    case ESEAL_DELIVERY_FAILED:
        return "failed";
    default:
        return "?";
    }
}

static const char *const events_known[] = {
#define ES_X_EVENT(name) name,
    ESEAL_WEBHOOK_EVENT_TABLE(ES_X_EVENT)
#undef ES_X_EVENT
};

int eseal_webhook_event_known(const char *type)
{
    for (size_t i = 0; type != NULL && i < sizeof(events_known) / sizeof(events_known[0]); i++) {
        if (strcmp(type, events_known[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int64_t eseal_webhook_backoff_ms(int64_t attempts, int64_t first_ms)
{
    int64_t wait = first_ms > 0 ? first_ms : ESEAL_WEBHOOK_BACKOFF_FIRST_MS;
    for (int64_t i = 1; i < attempts && wait < ESEAL_WEBHOOK_BACKOFF_CAP_MS; i++) {
        wait *= 2;
    }
    return wait < ESEAL_WEBHOOK_BACKOFF_CAP_MS ? wait : ESEAL_WEBHOOK_BACKOFF_CAP_MS;
}

static ES_RESULT signature(char *out, size_t cap, const char *secret, int64_t t, const void *body, size_t len)
{
    ES_ENSURE_ARG(out != NULL && secret != NULL && (body != NULL || len == 0));
    char ts[24];
    (void)snprintf(ts, sizeof(ts), "%lld", (long long)t);
    es_span parts[] = {{(const uint8_t *)ts, strlen(ts)}, {(const uint8_t *)".", 1}, {body, len}};
    uint8_t mac[32];
    ES_GUARD(es_hmac_sha256(mac, (es_span){(const uint8_t *)secret, strlen(secret)}, parts, 3));
    char hex[65];
    es_hex_lower(hex, mac, sizeof(mac));
    int n = snprintf(out, cap, "t=%s,v1=%s", ts, hex);
    ES_ENSURE(n > 0 && (size_t)n < cap, ESEAL_ELIMIT, "webhook: a signature needs %d bytes", n + 1);
    return ES_OK;
}

int eseal_webhook_signature(char *out, size_t cap, const char *secret, int64_t t, const void *body, size_t len)
{
    ES_RETURN_PUBLIC(signature(out, cap, secret, t, body, len));
}

/* https://HOST..., or http:// on the loopback (127.0.0.1 or localhost, any port): printable ASCII
 * without spaces, within ESEAL_WEBHOOK_URL_MAX. */
static ES_RESULT url_check(const char *url)
{
    ES_ENSURE(url != NULL && url[0] != '\0', ESEAL_EINVAL, "webhook: which URL?");
    size_t n = strnlen(url, ESEAL_WEBHOOK_URL_MAX + 1);
    ES_ENSURE(n <= ESEAL_WEBHOOK_URL_MAX, ESEAL_EINVAL, "webhook: a URL of at most %d bytes", ESEAL_WEBHOOK_URL_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        ES_ENSURE(c > 0x20 && c < 0x7F, ESEAL_EINVAL, "webhook: the URL has a space or a control character");
    }
    const char *host = NULL;
    if (strncmp(url, "https://", 8) == 0) {
        host = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        const char *h = url + 7;
        const char *loop[] = {"127.0.0.1", "localhost"};
        for (size_t i = 0; i < 2 && host == NULL; i++) {
            size_t l = strlen(loop[i]);
            if (strncmp(h, loop[i], l) == 0 && (h[l] == ':' || h[l] == '/' || h[l] == '\0')) {
                host = h;
            }
        }
        ES_ENSURE(host != NULL, ESEAL_EINVAL,
                  "webhook: an http:// URL only on the loopback (127.0.0.1 or localhost); use https://");
    }
    ES_ENSURE(host != NULL, ESEAL_EINVAL, "webhook: the URL must be https:// (or http:// on the loopback)");
    ES_ENSURE(host[0] != '\0' && host[0] != '/' && host[0] != ':' && strchr(host, '@') == NULL, ESEAL_EINVAL,
              "webhook: the URL names no host (or carries credentials)");
    return ES_OK;
}

/* The events as a canonical list (the table's order, each once); ESEAL_EINVAL naming an unknown one. */
static ES_RESULT events_canon(char out[ESEAL_WEBHOOK_EVENTS_MAX + 1], const char *events)
{
    ES_ENSURE(events != NULL && events[0] != '\0', ESEAL_EINVAL, "webhook: which events? (%s...)", events_known[0]);
    bool want[sizeof(events_known) / sizeof(events_known[0])] = {false};
    for (const char *p = events; *p != '\0';) {
        size_t n = strcspn(p, ",");
        char one[ESEAL_WEBHOOK_EVENT_TYPE_MAX + 1];
        ES_ENSURE(n > 0 && n <= ESEAL_WEBHOOK_EVENT_TYPE_MAX, ESEAL_EINVAL, "webhook: an empty or long event type");
        memcpy(one, p, n);
        one[n] = '\0';
        bool found = false;
        for (size_t i = 0; i < sizeof(events_known) / sizeof(events_known[0]); i++) {
            if (strcmp(one, events_known[i]) == 0) {
                ES_ENSURE(!want[i], ESEAL_EINVAL, "webhook: event %s named twice", one);
                want[i] = found = true;
            }
        }
        ES_ENSURE(found, ESEAL_EINVAL, "webhook: no event type '%s' (docs/webhooks.md lists them)", one);
        p += n + (p[n] == ',' ? 1 : 0);
    }
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(events_known) / sizeof(events_known[0]); i++) {
        if (want[i]) {
            size_t len = strlen(out);
            (void)snprintf(out + len, ESEAL_WEBHOOK_EVENTS_MAX + 1 - len, "%s%s", len > 0 ? "," : "", events_known[i]);
        }
    }
    return ES_OK;
}

typedef struct {
    size_t n;
} count_ctx;

static int count_one(const eseal_webhook *w, void *p)
{
    (void)w;
    ((count_ctx *)p)->n++;
    return 0;
}

static ES_RESULT insert_webhook(eseal_instance *inst, void *ctx)
{
    return es_from_code(eseal_store_webhook_insert(inst->store, ctx));
}

static ES_RESULT webhook_add(eseal_instance *inst, const eseal_principal *who, const char *org, const char *url,
                             const char *events, eseal_webhook *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    eseal_webhook w;
    memset(&w, 0, sizeof(w));
    if (org != NULL && org[0] != '\0') {
        eseal_org o;
        ES_GUARD(es_acc_org_visible(inst, who, &o, org));
        memcpy(w.org_id, o.id, sizeof(w.org_id));
    } else {
        ES_ENSURE(who->organization != NULL && who->organization[0] != '\0', ESEAL_EINVAL,
                  "webhook: name the organisation it is for");
        ES_ENSURE(strlen(who->organization) <= ESEAL_ORG_ID_LEN, ESEAL_EINVAL, "webhook: an organisation id too long");
        (void)snprintf(w.org_id, sizeof(w.org_id), "%s", who->organization);
    }
    es_acting by;
    es_object obj = {"webhook", NULL, w.org_id, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_WEBHOOK_ADD, &obj));
    ES_GUARD(url_check(url));
    memcpy(w.url, url, strlen(url) + 1);
    ES_GUARD(events_canon(w.events, events));
    count_ctx cnt = {0};
    ES_GUARD(es_from_code(eseal_store_webhook_list(inst->store, w.org_id, count_one, &cnt)));
    ES_ENSURE(cnt.n < ESEAL_WEBHOOKS_PER_ORG_MAX, ESEAL_ELIMIT, "webhook: an organisation has at most %d webhooks",
              ESEAL_WEBHOOKS_PER_ORG_MAX);
    uint8_t key[32];
    ES_GUARD(es_random(key, sizeof(key)));
    memcpy(w.secret, "whsec_", 6);
    es_hex_lower(w.secret + 6, key, sizeof(key));
    memset(key, 0, sizeof(key));
    w.active = 1;
    w.created_ms = es_inst_now(inst);
    (void)snprintf(w.created_by, sizeof(w.created_by), "%s", es_actor(&by));
    ES_GUARD(es_acc_random_id(w.id, sizeof(w.id), "whk_"));
    char detail[ESEAL_WEBHOOK_URL_MAX + ESEAL_WEBHOOK_EVENTS_MAX + 64];
    (void)snprintf(detail, sizeof(detail), "%s url %s events %s", w.id, w.url, w.events);
    ES_GUARD(es_acc_change(inst, &by, "webhook.added", w.org_id, detail, insert_webhook, &w));
    *out = w;
    return ES_OK;
}

int eseal_webhook_add(eseal_instance *inst, const eseal_principal *who, const char *org, const char *url,
                      const char *events, eseal_webhook *out)
{
    ES_RETURN_PUBLIC(webhook_add(inst, who, org, url, events, out));
}

/* The webhook `id` if `who` may see it and do `action` with it (ESEAL_ENOTFOUND with the same words
 * whether it exists or not, when it is another organisation's). */
static ES_RESULT webhook_visible(eseal_instance *inst, const eseal_principal *who, es_action action, eseal_webhook *w,
                                 const char *id, es_acting *by)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(id != NULL && id[0] != '\0', ESEAL_EINVAL, "which webhook?");
    int rc = strlen(id) == ESEAL_WEBHOOK_ID_LEN ? eseal_store_webhook_get(inst->store, w, id) : ESEAL_ENOTFOUND;
    if (rc == ESEAL_OK && !es_acc_sees_org(who, w->org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no webhook '%.40s'", id);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    es_object obj = {"webhook", w->id, w->org_id, NULL};
    return es_act_on(by, who, action, &obj);
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_webhook *, void *);
    void *payload;
} list_ctx;

static int list_one(const eseal_webhook *w, void *p)
{
    list_ctx *l = p;
    es_object obj = {"webhook", w->id, w->org_id, NULL};
    if (!es_acc_sees_org(l->who, w->org_id) || es_policy_may(l->who, ES_ACT_WEBHOOK_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return l->cb(w, l->payload);
}

static ES_RESULT webhook_list(eseal_instance *inst, const eseal_principal *who,
                              int (*cb)(const eseal_webhook *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    const char *org = es_acc_sees_all(who) ? NULL : who->organization;
    if (!es_acc_sees_all(who) && (org == NULL || org[0] == '\0')) {
        return ES_OK; /* a principal of no organisation sees none */
    }
    list_ctx l = {who, cb, payload};
    int rc = eseal_store_webhook_list(inst->store, org, list_one, &l);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_webhook_list(eseal_instance *inst, const eseal_principal *who, int (*cb)(const eseal_webhook *w, void *payload),
                       void *payload)
{
    ES_RETURN_PUBLIC(webhook_list(inst, who, cb, payload));
}

static ES_RESULT remove_webhook(eseal_instance *inst, void *ctx)
{
    return es_from_code(eseal_store_webhook_remove(inst->store, ctx));
}

static ES_RESULT webhook_remove(eseal_instance *inst, const eseal_principal *who, const char *id)
{
    eseal_webhook w;
    es_acting by;
    ES_GUARD(webhook_visible(inst, who, ES_ACT_WEBHOOK_REMOVE, &w, id, &by));
    char detail[ESEAL_WEBHOOK_URL_MAX + 64];
    (void)snprintf(detail, sizeof(detail), "%s url %s removed", w.id, w.url);
    return es_acc_change(inst, &by, "webhook.removed", w.org_id, detail, remove_webhook, w.id);
}

int eseal_webhook_remove(eseal_instance *inst, const eseal_principal *who, const char *id)
{
    ES_RETURN_PUBLIC(webhook_remove(inst, who, id));
}

static ES_RESULT webhook_deliveries(eseal_instance *inst, const eseal_principal *who, const char *id, size_t max,
                                    int (*cb)(const eseal_delivery *, void *), void *payload)
{
    ES_ENSURE_ARG(cb != NULL);
    eseal_webhook w;
    es_acting by;
    ES_GUARD(webhook_visible(inst, who, ES_ACT_WEBHOOK_READ, &w, id, &by));
    int rc = eseal_store_delivery_list(inst->store, w.id, max == 0 ? WEBHOOK_LIST_DEFAULT : max, cb, payload);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_webhook_deliveries(eseal_instance *inst, const eseal_principal *who, const char *id, size_t max,
                             int (*cb)(const eseal_delivery *d, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(webhook_deliveries(inst, who, id, max, cb, payload));
}

static ES_RESULT insert_delivery(eseal_instance *inst, void *ctx)
{
    return es_from_code(eseal_store_delivery_insert(inst->store, ctx));
}

static ES_RESULT webhook_replay(eseal_instance *inst, const eseal_principal *who, const char *id, eseal_delivery *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(id != NULL && id[0] != '\0', ESEAL_EINVAL, "which delivery?");
    eseal_delivery *d = es_calloc(1, sizeof(*d));
    ES_ENSURE_ALLOC(d);
    int rc = strlen(id) == ESEAL_DELIVERY_ID_LEN ? eseal_store_delivery_get(inst->store, d, id) : ESEAL_ENOTFOUND;
    if (rc == ESEAL_OK && !es_acc_sees_org(who, d->org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    es_result r = ES_OK;
    if (rc == ESEAL_ENOTFOUND) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no delivery '%.40s'", id);
    } else if (rc != ESEAL_OK) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    es_acting by;
    if (es_ok(r)) {
        es_object obj = {"webhook", d->webhook_id, d->org_id, NULL};
        r = es_act_on(&by, who, ES_ACT_WEBHOOK_REPLAY, &obj);
    }
    char detail[160] = "";
    if (es_ok(r)) {
        r = es_acc_random_id(d->id, sizeof(d->id), "dlv_");
    }
    if (es_ok(r)) {
        (void)snprintf(detail, sizeof(detail), "%s replays %s (event %s %s)", d->id, id, d->event_id, d->event_type);
        d->status = ESEAL_DELIVERY_PENDING;
        d->attempts = 0;
        d->last_status = 0;
        d->last_error[0] = '\0';
        d->created_ms = d->updated_ms = d->next_attempt_ms = es_inst_now(inst);
        r = es_acc_change(inst, &by, "webhook.replayed", d->org_id, detail, insert_delivery, d);
    }
    if (es_ok(r) && out != NULL) {
        *out = *d;
    }
    es_free(d);
    return r;
}

int eseal_webhook_replay(eseal_instance *inst, const eseal_principal *who, const char *id, eseal_delivery *out)
{
    ES_RETURN_PUBLIC(webhook_replay(inst, who, id, out));
}

/* ---- queuing an event ---- */

typedef struct {
    const char *type;
    size_t n;
    char id[ESEAL_WEBHOOKS_PER_ORG_MAX][ESEAL_WEBHOOK_ID_LEN + 1];
} subscribers;

static int subscribed(const eseal_webhook *w, void *p)
{
    subscribers *s = p;
    if (w->active && es_acc_list_has(w->events, s->type) && s->n < ESEAL_WEBHOOKS_PER_ORG_MAX) {
        memcpy(s->id[s->n++], w->id, sizeof(s->id[0]));
    }
    return 0;
}

ES_RESULT es_webhook_emit(eseal_instance *inst, const char *org_id, const char *type, json_t *data)
{
    ES_ENSURE_ARG(inst != NULL && type != NULL && data != NULL);
    ES_ENSURE(eseal_webhook_event_known(type), ESEAL_EINVAL, "webhook: no event type '%s'", type);
    if (org_id == NULL || org_id[0] == '\0') {
        return ES_OK; /* the platform's own objects have no organisation to tell */
    }
    subscribers subs;
    memset(&subs, 0, sizeof(subs));
    subs.type = type;
    ES_GUARD(es_from_code(eseal_store_webhook_list(inst->store, org_id, subscribed, &subs)));
    if (subs.n == 0) {
        return ES_OK;
    }
    eseal_delivery *d = es_calloc(1, sizeof(*d));
    ES_ENSURE_ALLOC(d);
    es_result r = es_acc_random_id(d->event_id, sizeof(d->event_id), "evt_");
    int64_t now = es_inst_now(inst);
    char at[ES_RFC3339_LEN];
    es_time_rfc3339(at, now);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", d->event_id, "type", type, "created", at, "org", org_id,
                          "data", data);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (es_ok(r) && text == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "webhook: out of memory");
    }
    if (es_ok(r) && strlen(text) > ESEAL_WEBHOOK_BODY_MAX) {
        r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "webhook: an event of %zu bytes (at most %u)", strlen(text),
                         ESEAL_WEBHOOK_BODY_MAX);
    }
    if (es_ok(r)) {
        memcpy(d->body, text, strlen(text) + 1);
        (void)snprintf(d->event_type, sizeof(d->event_type), "%s", type);
        (void)snprintf(d->org_id, sizeof(d->org_id), "%s", org_id);
        d->status = ESEAL_DELIVERY_PENDING;
        d->created_ms = d->updated_ms = d->next_attempt_ms = now;
    }
    for (size_t i = 0; es_ok(r) && i < subs.n; i++) {
        memcpy(d->webhook_id, subs.id[i], sizeof(d->webhook_id));
        r = es_acc_random_id(d->id, sizeof(d->id), "dlv_");
        if (es_ok(r)) {
            r = es_from_code(eseal_store_delivery_insert(inst->store, d));
        }
    }
    free(text); /* !checksrc! allowed: jansson's allocation */
    es_free(d);
    return r;
}

/* ---- delivering ---- */

typedef struct {
    size_t n, cap;
    eseal_delivery *d;
} due_list;

static int due_one(const eseal_delivery *d, void *p)
{
    due_list *l = p;
    if (l->n < l->cap) {
        l->d[l->n++] = *d;
    }
    return 0;
}

/* The first wait of the retries: ESEAL_WEBHOOK_BACKOFF_MS from the environment (tests), else 1 s. */
static int64_t first_backoff(void);

int64_t eseal_webhook_backoff_first_ms(void) { return first_backoff(); }

static int64_t first_backoff(void)
{
    const char *env = getenv("ESEAL_WEBHOOK_BACKOFF_MS");
    if (env == NULL || env[0] == '\0') {
        return ESEAL_WEBHOOK_BACKOFF_FIRST_MS;
    }
    char *end = NULL;
    long long v = strtoll(env, &end, 10); /* !checksrc! allowed: checked below */
    return end != NULL && *end == '\0' && v >= 1 && v <= ESEAL_WEBHOOK_BACKOFF_CAP_MS ? (int64_t)v
                                                                                     : ESEAL_WEBHOOK_BACKOFF_FIRST_MS;
}

/* One attempt of `d` at `now`: POST, then the outcome into d (not yet stored). */
static void attempt(eseal_instance *inst, eseal_delivery *d, int64_t now, int64_t first)
{
    eseal_webhook w;
    int rc = eseal_store_webhook_get(inst->store, &w, d->webhook_id);
    long status = 0;
    char err[ESEAL_WEBHOOK_ERROR_MAX + 1] = "";
    if (rc != ESEAL_OK) {
        (void)snprintf(err, sizeof(err), "%s", eseal_error_last()->message);
    } else {
        char sig[128], ev[ESEAL_WEBHOOK_EVENT_TYPE_MAX + 32], dl[ESEAL_DELIVERY_ID_LEN + 32],
            ei[ESEAL_EVENT_ID_LEN + 32], h_sig[160];
        size_t len = strlen(d->body);
        es_result r = signature(sig, sizeof(sig), w.secret, now / 1000, d->body, len);
        (void)snprintf(h_sig, sizeof(h_sig), "eseal-signature: %s", sig);
        (void)snprintf(ev, sizeof(ev), "eseal-event: %s", d->event_type);
        (void)snprintf(dl, sizeof(dl), "eseal-delivery: %s", d->id);
        (void)snprintf(ei, sizeof(ei), "eseal-event-id: %s", d->event_id);
        const char *const headers[] = {h_sig, ev, dl, ei, "User-Agent: eseal-webhook/1", NULL};
        es_http_client_options o = {
            .timeout_ms = WEBHOOK_TIMEOUT_MS, .max_response = WEBHOOK_RESPONSE_MAX, .headers = headers};
        es_buf resp = ES_BUF_INIT(WEBHOOK_RESPONSE_MAX); /* the answer is read only to be bounded */
        char ctype[128];
        if (es_ok(r)) {
            r = es_http_post(w.url, "application/json", es_span_of(d->body, len), &o, &resp, &status, ctype,
                             sizeof(ctype));
        }
        es_buf_free(&resp);
        if (!es_ok(r)) {
            (void)snprintf(err, sizeof(err), "%s", eseal_error_last()->message);
            eseal_error_clear();
            status = 0;
        } else if (status < 200 || status > 299) {
            (void)snprintf(err, sizeof(err), "the receiver answered HTTP %ld", status);
        }
    }
    d->attempts++;
    d->last_status = status;
    memcpy(d->last_error, err, sizeof(d->last_error));
    d->updated_ms = now;
    if (status >= 200 && status <= 299) {
        d->status = ESEAL_DELIVERY_DELIVERED;
        return;
    }
    int64_t next = now + eseal_webhook_backoff_ms(d->attempts, first);
    if (next >= d->created_ms + ESEAL_WEBHOOK_GIVE_UP_MS) {
        d->status = ESEAL_DELIVERY_FAILED; /* the next attempt would come after the 24 h */
    } else {
        d->next_attempt_ms = next;
    }
}

static ES_RESULT deliver_due(eseal_instance *inst, int64_t now, size_t max, size_t *sent)
{
    ES_ENSURE_ARG(inst != NULL);
    if (sent != NULL) {
        *sent = 0;
    }
    due_list l = {0, max == 0 ? WEBHOOK_DUE_DEFAULT : (max > 1000 ? 1000 : max), NULL};
    l.d = es_calloc(l.cap, sizeof(*l.d));
    ES_ENSURE_ALLOC(l.d);
    es_result r = es_from_code(eseal_store_delivery_due(inst->store, now, l.cap, due_one, &l));
    int64_t first = first_backoff();
    for (size_t i = 0; es_ok(r) && i < l.n; i++) {
        /* taken first (another `eseal serve` on the same home may have read it too); due again
         * after the lease if this process dies before it records the outcome */
        int rc = eseal_store_delivery_claim(inst->store, l.d[i].id, l.d[i].next_attempt_ms, now + WEBHOOK_LEASE_MS);
        if (rc == ESEAL_ESTATE) {
            eseal_error_clear();
            continue;
        }
        r = es_from_code(rc);
        if (!es_ok(r)) {
            break;
        }
        attempt(inst, &l.d[i], now, first);
        r = es_from_code(eseal_store_delivery_update(inst->store, &l.d[i]));
        if (es_ok(r) && sent != NULL) {
            (*sent)++;
        }
    }
    es_free(l.d);
    return r;
}

int eseal_webhook_deliver_due(eseal_instance *inst, int64_t now_ms, size_t max, size_t *sent)
{
    ES_RETURN_PUBLIC(deliver_due(inst, now_ms, max, sent));
}

/* ---- alerts of the public verification ---- */

/* The serials alerted lately, in this process: a first filter, so that a tampered copy verified
 * again and again costs no store transaction. The store decides (alert_due_stored): several server
 * processes on one store each have a table of their own. */
#define ALERT_SEEN_MAX 256
static struct {
    char serial[40];
    int64_t at;
} alert_seen[ALERT_SEEN_MAX];
static pthread_mutex_t alert_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether `serial` may be alerted at `now` (and, if so, notes it). */
static bool alert_due(const char *serial, int64_t now)
{
    bool due = true;
    size_t slot = 0;
    (void)pthread_mutex_lock(&alert_lock);
    for (size_t i = 0; i < ALERT_SEEN_MAX; i++) {
        if (strcmp(alert_seen[i].serial, serial) == 0) {
            due = now - alert_seen[i].at >= ESEAL_WEBHOOK_ALERT_INTERVAL_MS;
            slot = i;
            break;
        }
        if (alert_seen[i].at < alert_seen[slot].at) {
            slot = i; /* the oldest (or an empty one) is reused */
        }
    }
    if (due) {
        (void)snprintf(alert_seen[slot].serial, sizeof(alert_seen[slot].serial), "%s", serial);
        alert_seen[slot].at = now;
    }
    (void)pthread_mutex_unlock(&alert_lock);
    return due;
}

/* The named value that keeps when the alert of a serial was last queued, by any process. */
#define ALERT_SEEN_VALUE "alerts.verification.failed."

/* Inside the alert's transaction (which holds the store's write lock, as the events' pump does): whether
 * `serial` may be alerted at `now` by any process on the store, and if so its time noted. */
static ES_RESULT alert_due_stored(eseal_instance *inst, const char *serial, int64_t now, bool *due)
{
    char name[sizeof(ALERT_SEEN_VALUE) + 40];
    (void)snprintf(name, sizeof(name), "%s%s", ALERT_SEEN_VALUE, serial);
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(inst->store, &b, name);
    *due = true;
    if (rc == ESEAL_OK) {
        char text[24];
        uint64_t at = 0;
        if (b.size > 0 && b.size < sizeof(text)) {
            memcpy(text, b.ptr, b.size);
            text[b.size] = '\0';
            /* a value that is no time is not trusted to hold an alert back */
            if (es_ok(es_parse_uint(text, INT64_MAX, &at))) {
                *due = now - (int64_t)at >= ESEAL_WEBHOOK_ALERT_INTERVAL_MS;
            }
        }
        eseal_error_clear();
    }
    eseal_buf_dispose(&b);
    ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    eseal_error_clear();
    if (*due) {
        char text[24];
        int n = snprintf(text, sizeof(text), "%lld", (long long)now);
        ES_GUARD(es_from_code(eseal_store_meta_put(inst->store, name, text, (size_t)n)));
    }
    return ES_OK;
}

static json_t *reason_codes(const eseal_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < eseal_report_reason_count(r); i++) {
        if (eseal_report_reason_verdict(r, i) != ESEAL_VALID) {
            (void)json_array_append_new(a, json_string(eseal_report_reason_code(r, i)));
        }
    }
    return a;
}

/* The alert of one signature of `rep`, if it is a stamp of this platform and not VALID. */
static ES_RESULT alert_one(eseal_instance *inst, const eseal_report *rep, const eseal_report *sig, int64_t now,
                           size_t *queued)
{
    const char *id = eseal_report_string(sig, "signature.id");
    eseal_verdict doc_v = eseal_report_verdict(rep), sig_v = eseal_report_verdict(sig);
    if (id == NULL || strncmp(id, "eseal-ST", 8) != 0 || (doc_v == ESEAL_VALID && sig_v == ESEAL_VALID)) {
        return ES_OK;
    }
    const char *serial = id + 6;
    eseal_stamp_info st;
    int rc = eseal_instance_stamp_find(inst, &st, serial);
    if (rc == ESEAL_ENOTFOUND || rc == ESEAL_EINVAL) {
        eseal_error_clear();
        return ES_OK; /* another platform's stamp, or a made-up id */
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    eseal_seal_record rec;
    rc = eseal_store_seal_find(inst->store, &rec, NULL, st.esid);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK;
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    char org[ESEAL_OWNER_ORG_MAX + 1] = "";
    es_result r = es_seal_org(inst, rec.cert_ids, org);
    eseal_seal_record_dispose(&rec);
    ES_GUARD(r);
    if (org[0] == '\0' || !alert_due(st.serial, now)) {
        return ES_OK; /* a seal of no organisation, or alerted lately */
    }
    const char *sha = eseal_report_string(rep, "document.sha256");
    /* "kind" as every alert has it (events.c); "alert" as this one had it first */
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "kind", "verification.failed", "alert",
                             "verification.failed", "serial", st.serial, "seal", st.esid, "verdict",
                             eseal_verdict_name(doc_v), "signature_verdict", eseal_verdict_name(sig_v), "reasons",
                             reason_codes(sig), "document_reasons", reason_codes(rep), "document_sha256",
                             sha != NULL ? json_string(sha) : json_null());
    ES_ENSURE_ALLOC(data);
    r = es_from_code(eseal_store_begin(inst->store));
    bool due = false;
    if (es_ok(r)) {
        r = alert_due_stored(inst, st.serial, now, &due);
        r = es_ok(r) && due ? es_webhook_emit(inst, org, "alert", data) : r;
        r = es_ok(r) ? es_from_code(eseal_store_commit(inst->store)) : r;
        if (!es_ok(r)) {
            (void)eseal_store_rollback(inst->store);
        }
    }
    json_decref(data);
    if (es_ok(r) && due && queued != NULL) {
        (*queued)++;
    }
    return r;
}

static ES_RESULT verify_alert(eseal_instance *inst, const eseal_report *rep, int64_t now, size_t *queued)
{
    ES_ENSURE_ARG(inst != NULL && rep != NULL);
    if (queued != NULL) {
        *queued = 0;
    }
    now = now != 0 ? now : es_inst_now(inst);
    for (size_t i = 0; i < eseal_report_child_count(rep); i++) {
        ES_GUARD(alert_one(inst, rep, eseal_report_child(rep, i), now, queued));
    }
    return ES_OK;
}

int eseal_webhook_verify_alert(eseal_instance *inst, const eseal_report *report, int64_t now_ms, size_t *queued)
{
    ES_RETURN_PUBLIC(verify_alert(inst, report, now_ms, queued));
}
