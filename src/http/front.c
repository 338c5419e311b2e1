/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's HTTP calls (http.h): each loads the HTTP module (http_module.h) on first use and
 * calls its implementation, so that only the commands that fetch or serve load libcurl and
 * libmicrohttpd.
 */
#include <string.h>

#include "http_module.h"

static ES_RESULT module(const es_http_module **out)
{
    const void *t = NULL;
    ES_GUARD(es_module_get(&t, "http", sizeof(es_http_module)));
    *out = t;
    return ES_OK;
}

ES_RESULT es_http_start(es_http_server **out, const es_http_options *o)
{
    const es_http_module *m = NULL;
    ES_GUARD(module(&m));
    return m->start(out, o);
}

/* A server exists only if es_http_start loaded the module: it is there. */
unsigned int es_http_port(const es_http_server *s)
{
    const es_http_module *m = NULL;
    return s != NULL && es_ok(module(&m)) ? m->port(s) : 0;
}

void es_http_stop(es_http_server *s)
{
    const es_http_module *m = NULL;
    if (s != NULL && es_ok(module(&m))) {
        m->stop(s);
    }
}

ES_RESULT es_http_post(const char *url, const char *content_type, es_span body, const es_http_client_options *o,
                       es_buf *resp, long *status, char *resp_type, size_t resp_type_cap)
{
    const es_http_module *m = NULL;
    ES_GUARD(module(&m));
    return m->post(url, content_type, body, o, resp, status, resp_type, resp_type_cap);
}

ES_RESULT es_http_get(const char *url, const es_http_client_options *o, es_buf *resp, long *status, char *resp_type,
                      size_t resp_type_cap)
{
    const es_http_module *m = NULL;
    ES_GUARD(module(&m));
    return m->get(url, o, resp, status, resp_type, resp_type_cap);
}

ES_RESULT es_http_fetch(void *ctx, const char *url, const char *content_type, es_span body, unsigned int timeout_ms,
                        size_t max_response, es_buf *resp, long *status)
{
    (void)ctx;
    es_http_client_options o = {.timeout_ms = timeout_ms, .max_response = max_response};
    if (content_type != NULL) {
        return es_http_post(url, content_type, body, &o, resp, status, NULL, 0);
    }
    return es_http_get(url, &o, resp, status, NULL, 0);
}

es_fetcher es_http_fetcher(void) { return (es_fetcher){es_http_fetch, NULL}; }

const char *es_http_arg(const es_http_request *rq, const char *name)
{
    return rq != NULL && rq->arg_fn != NULL && name != NULL ? rq->arg_fn(rq->conn, name) : NULL;
}

ES_RESULT es_http_header_add(es_http_response *rs, const char *name, const char *value)
{
    ES_ENSURE_ARG(rs != NULL && name != NULL && value != NULL);
    ES_ENSURE(rs->n_headers < ES_HTTP_EXTRA_HEADERS, ESEAL_ELIMIT, "server: more than %d extra headers",
              ES_HTTP_EXTRA_HEADERS);
    size_t n = strlen(name), v = strlen(value);
    ES_ENSURE(n > 0 && n < ES_HTTP_HEADER_NAME_MAX && v < ES_HTTP_HEADER_VALUE_MAX, ESEAL_EINVAL,
              "server: a header name or value too long");
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        ES_ENSURE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-', ESEAL_EINVAL,
                  "server: header name '%s'", name);
    }
    ES_ENSURE(strpbrk(value, "\r\n") == NULL, ESEAL_EINVAL, "server: a header value with a line break");
    memcpy(rs->header_name[rs->n_headers], name, n + 1);
    memcpy(rs->header_value[rs->n_headers], value, v + 1);
    rs->n_headers++;
    return ES_OK;
}
