/* SPDX-License-Identifier: Apache-2.0 */
/* The instance's HTTP endpoints (eseal_server): the TSA and the OCSP responder, and later the server. */
#include "http/http.h"
#include "service/service.h"

struct eseal_server {
    es_http_server *http;
};

ES_RESULT es_server_listen(eseal_server **out, const char *listen, size_t max_body, es_http_handler handler, void *ctx)
{
    ES_ENSURE_ARG(out != NULL && listen != NULL && handler != NULL);
    eseal_server *s = es_calloc(1, sizeof(*s));
    ES_ENSURE_ALLOC(s);
    /* A body larger than max_body is answered 413 before it is buffered. */
    es_http_options o = {listen, max_body, 0, 10, handler, ctx};
    es_result r = es_http_start(&s->http, &o);
    if (!es_ok(r)) {
        es_free(s);
        return r;
    }
    *out = s;
    return ES_OK;
}

unsigned int eseal_server_port(const eseal_server *s) { return s != NULL ? es_http_port(s->http) : 0; }

void eseal_server_stop(eseal_server *s)
{
    if (s != NULL) {
        es_http_stop(s->http);
        es_free(s);
    }
}
