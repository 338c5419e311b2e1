/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context inside the library (include/eseal/context.h). Public entries turn what the caller
 * gave (a context, or NULL) into limits, a clock and a fetcher once, and hand those down: the
 * depths never ask for eseal_limits_default() themselves. es_limits_or_default() and
 * es_ctx_limits() are where a NULL becomes the defaults.
 */
#ifndef ES_CTX_H
#define ES_CTX_H

#include "eseal/context.h"
#include "fetch.h"
#include "util.h"

struct eseal_context {
    eseal_limits limits;
    eseal_clock_fn now_fn; /* NULL: es_now_ms() */
    void *now_payload;
    eseal_fetch_fn fetch_fn; /* NULL: the caller's default fetcher (libcurl in the service) */
    void *fetch_payload;
};

/* lim, or the defaults when lim is NULL. */
const eseal_limits *es_limits_or_default(const eseal_limits *lim);
/* The context's limits; ctx NULL: the defaults. */
static inline const eseal_limits *es_ctx_limits(const eseal_context *ctx)
{
    return ctx != NULL ? &ctx->limits : es_limits_or_default(NULL);
}
/* Now by the context's clock; ctx NULL: the system clock. */
int64_t es_ctx_now(const eseal_context *ctx);
/* The context's fetch function as an es_fetcher; `fallback` (es_http_fetcher() in the service)
 * when the context has none. */
es_fetcher es_ctx_fetcher(const eseal_context *ctx, es_fetcher fallback);

/* The `ctx` field of public options `o` (may be NULL), read only when `o` has it: a struct of a
 * version older than `since` (the first with ctx) ends before it. NULL: the default context. */
#define ES_OPT_CTX(o, since) ((o) != NULL && (o)->version >= (since) ? (o)->ctx : NULL)

#endif
