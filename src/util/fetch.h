/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A network fetch handed down (docs/architecture.md): the layers below src/http (crypto's
 * revocation sources) never reach the network themselves; whoever asks them to go online
 * passes an es_fetcher, and the service builds it over src/http (es_http_fetcher()). Tests
 * hand down their own.
 */
#ifndef ES_FETCH_H
#define ES_FETCH_H

#include "util.h"

/*
 * Fetches `url`: a POST of `body` with `content_type` when content_type is not NULL (an OCSP
 * request), else a GET (a CRL). The response body goes into `resp` (it arrives empty, with
 * `max_response` as its maximum: more is an ESEAL_ELIMIT error) and its HTTP status into
 * *status; the whole exchange takes at most `timeout_ms`. A transport failure is an error with
 * its reason as the message; any HTTP status is returned for the caller to judge.
 */
typedef ES_RESULT (*es_fetch_fn)(void *ctx, const char *url, const char *content_type, es_span body,
                                 unsigned int timeout_ms, size_t max_response, es_buf *resp, long *status);

typedef struct {
    es_fetch_fn fn; /* NULL: no network */
    void *ctx;
} es_fetcher;

#endif
