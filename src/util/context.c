/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's context: limits, clock, fetch (include/eseal/context.h, util/ctx.h). */
#include <stdint.h>
#include <string.h>

#include "ctx.h"

static const eseal_context default_ctx = {ESEAL_LIMITS_INIT, NULL, NULL, NULL, NULL};

const eseal_limits *es_limits_or_default(const eseal_limits *lim)
{
    return lim != NULL ? lim : eseal_limits_default();
}

const eseal_context *eseal_context_default(void) { return &default_ctx; }

int eseal_context_new(eseal_context **out)
{
    if (out == NULL) {
        ES_BAIL_INT(ESEAL_EINVAL, "context: out is NULL");
    }
    *out = es_malloc(sizeof(**out));
    if (*out == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "context: out of memory");
    }
    memcpy(*out, &default_ctx, sizeof(**out));
    return ESEAL_OK;
}

void eseal_context_free(eseal_context *ctx) { es_free(ctx); }

int eseal_context_set_limits(eseal_context *ctx, const eseal_limits *limits)
{
    if (ctx == NULL) {
        ES_BAIL_INT(ESEAL_EINVAL, "context: ctx is NULL");
    }
    if (limits == NULL) {
        ctx->limits = *eseal_limits_default();
        return ESEAL_OK;
    }
    if (limits->version != ESEAL_LIMITS_VERSION) {
        ES_BAIL_INT(ESEAL_EINVAL, "context: limits version %u, this library knows version %u", limits->version,
                    (unsigned)ESEAL_LIMITS_VERSION);
    }
    /* Zero means the default, field by field (as for every options struct): a limit of nothing
     * would refuse every input, so a 0 is a field the caller left alone. */
    const eseal_limits *d = eseal_limits_default();
    eseal_limits l = *limits;
#define ES_LIMIT_DEFAULT(f) l.f = l.f != 0 ? l.f : d->f
    ES_LIMIT_DEFAULT(max_input_bytes);
    ES_LIMIT_DEFAULT(max_der_bytes);
    ES_LIMIT_DEFAULT(max_text_bytes);
    ES_LIMIT_DEFAULT(max_nesting);
    ES_LIMIT_DEFAULT(max_token_bytes);
    ES_LIMIT_DEFAULT(max_xref_sections);
    ES_LIMIT_DEFAULT(max_objects);
    ES_LIMIT_DEFAULT(max_inflated_bytes);
    ES_LIMIT_DEFAULT(max_zip_entries);
    ES_LIMIT_DEFAULT(max_certs);
    ES_LIMIT_DEFAULT(max_xml_bytes);
#undef ES_LIMIT_DEFAULT
    ctx->limits = l;
    return ESEAL_OK;
}

const eseal_limits *eseal_context_limits(const eseal_context *ctx) { return es_ctx_limits(ctx); }

int eseal_context_set_clock(eseal_context *ctx, eseal_clock_fn fn, void *payload)
{
    if (ctx == NULL) {
        ES_BAIL_INT(ESEAL_EINVAL, "context: ctx is NULL");
    }
    ctx->now_fn = fn;
    ctx->now_payload = fn != NULL ? payload : NULL;
    return ESEAL_OK;
}

int64_t es_ctx_now(const eseal_context *ctx)
{
    return ctx != NULL && ctx->now_fn != NULL ? ctx->now_fn(ctx->now_payload) : es_now_ms();
}

int64_t eseal_context_now(const eseal_context *ctx) { return es_ctx_now(ctx); }

int eseal_context_set_fetch(eseal_context *ctx, eseal_fetch_fn fn, void *payload)
{
    if (ctx == NULL) {
        ES_BAIL_INT(ESEAL_EINVAL, "context: ctx is NULL");
    }
    ctx->fetch_fn = fn;
    ctx->fetch_payload = fn != NULL ? payload : NULL;
    return ESEAL_OK;
}

/* ---- the public fetch function behind es_fetch_fn ---------------------------------------- */

struct eseal_fetch_sink {
    es_buf *resp;
};

int eseal_fetch_sink_write(eseal_fetch_sink *sink, const void *data, size_t len)
{
    if (sink == NULL || (data == NULL && len > 0)) {
        ES_BAIL_INT(ESEAL_EINVAL, "fetch: sink or data is NULL");
    }
    if (len > sink->resp->max - sink->resp->len) {
        ES_BAIL_INT(ESEAL_ELIMIT, "fetch: the response is larger than %zu bytes", sink->resp->max);
    }
    return es_code(es_buf_append(sink->resp, data, len));
}

static ES_RESULT ctx_fetch(void *payload, const char *url, const char *content_type, es_span body,
                           unsigned int timeout_ms, size_t max_response, es_buf *resp, long *status)
{
    const eseal_context *ctx = payload;
    (void)max_response; /* resp arrives with it as its maximum (util/fetch.h) */
    eseal_fetch_sink sink = {resp};
    *status = 0;
    int rc = ctx->fetch_fn(ctx->fetch_payload, url, content_type, body.ptr, body.len, timeout_ms, &sink, status);
    if (rc == ESEAL_OK) {
        return ES_OK;
    }
    /* The fetch function set the message (or should have): keep it, with its code. */
    if (eseal_error_last()->code != rc) {
        ES_BAIL(rc < 0 ? rc : ESEAL_ERROR, "fetch: the context's fetch function failed for %s (code %d)", url, rc);
    }
    return es_from_code(rc);
}

es_fetcher es_ctx_fetcher(const eseal_context *ctx, es_fetcher fallback)
{
    if (ctx == NULL || ctx->fetch_fn == NULL) {
        return fallback;
    }
    /* The fetcher only reads the context: the cast drops a const es_fetcher has no room for. */
    return (es_fetcher){ctx_fetch, (void *)(uintptr_t)ctx};
}
