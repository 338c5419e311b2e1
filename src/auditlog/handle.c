/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log room's handle (auditlog.h): made from what the room needs (home, store, settings,
 * context, the owner's key and TSA callbacks), never from the instance, so the room stands alone
 * (tests/unit/auditlog/test_auditlog_handle.c opens one with no instance at all).
 */
#include <string.h>

#include "handle.h"

static void settings_free(es_auditlog_settings *s)
{
    es_free(s->origin);
    es_free(s->base_url);
    es_free(s->store);
    for (size_t i = 0; i < s->witness_count; i++) {
        es_free(s->witnesses[i]);
    }
    es_free(s->witnesses);
    memset(s, 0, sizeof(*s));
}

static ES_RESULT dup_opt(char **out, const char *s)
{
    *out = NULL;
    if (s != NULL) {
        *out = es_strdup(s);
        ES_ENSURE_ALLOC(*out);
    }
    return ES_OK;
}

static ES_RESULT settings_copy(es_auditlog_settings *d, const es_config *c, const char *home)
{
    ES_AUTO(es_buf_freep) es_buf store = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_store_location(&store, c, home));
    ES_GUARD(dup_opt(&d->store, es_buf_cstr(&store)));
    ES_GUARD(dup_opt(&d->origin, c->log_origin));
    ES_GUARD(dup_opt(&d->base_url, c->base_url != NULL ? c->base_url : ""));
    if (c->log_witness_count > 0) {
        d->witnesses = es_calloc(c->log_witness_count, sizeof(*d->witnesses));
        ES_ENSURE_ALLOC(d->witnesses);
        for (size_t i = 0; i < c->log_witness_count; i++) {
            ES_GUARD(dup_opt(&d->witnesses[i], c->log_witnesses[i]));
            d->witness_count = i + 1;
        }
    }
    d->witness_quorum = c->log_witness_quorum;
    d->witness_timeout_ms = c->log_witness_timeout_ms;
    return ES_OK;
}

ES_RESULT es_auditlog_open(es_auditlog **out, const es_auditlog_params *p)
{
    ES_ENSURE_ARG(out != NULL && p != NULL && p->home != NULL && p->store != NULL && p->cfg != NULL);
    es_auditlog *h = es_calloc(1, sizeof(*h));
    ES_ENSURE_ALLOC(h);
    pthread_mutex_init(&h->open_mu, NULL);
    h->store = p->store;
    h->ctx = p->ctx;
    h->owner = p->owner;
    h->key_load = p->key_load;
    h->key_save = p->key_save;
    h->tsa_open = p->tsa_open;
    es_result r = dup_opt(&h->home, p->home);
    if (es_ok(r)) {
        r = settings_copy(&h->set, p->cfg, p->home);
    }
    if (!es_ok(r)) {
        es_auditlog_close(h);
        return r;
    }
    *out = h;
    return ES_OK;
}

void es_auditlog_close(es_auditlog *h)
{
    if (h == NULL) {
        return;
    }
    es_log_free(h->log);
    if (h->ts != NULL) {
        es_timestamper_close(h->ts);
        es_free(h->ts);
    }
    settings_free(&h->set);
    es_free(h->home);
    pthread_mutex_destroy(&h->open_mu);
    es_free(h);
}

void es_auditlog_set_context(es_auditlog *h, const eseal_context *ctx)
{
    if (h != NULL) {
        h->ctx = ctx;
    }
}

ES_RESULT es_auditlog_log(es_auditlog *h, struct eseal_log **out)
{
    ES_ENSURE_ARG(h != NULL && out != NULL);
    pthread_mutex_lock(&h->open_mu);
    es_result r = h->log == NULL ? es_log_open(&h->log, h) : ES_OK;
    *out = h->log;
    pthread_mutex_unlock(&h->open_mu);
    return r;
}

const es_auditlog_settings *es_auditlog_config(const es_auditlog *h) { return &h->set; }

void es_auditlog_set_hook(es_auditlog *h, eseal_audit_hook hook, void *payload)
{
    if (h != NULL) {
        h->hook = hook;
        h->hook_payload = payload;
    }
}

int es_auditlog_hook_call(const es_auditlog *h, const eseal_audit_event *ev)
{
    return h != NULL && h->hook != NULL ? h->hook(ev, h->hook_payload) : 0;
}

ES_RESULT es_auditlog_path(es_buf *out, const es_auditlog *h, const char *rel)
{
    es_buf_clear(out);
    return es_buf_printf(out, "%s/%s", h->home, rel);
}
