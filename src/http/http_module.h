/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP module (eseal-http.so, src/http/mod/): the client on libcurl (mod/client.c) and the
 * server on libmicrohttpd (mod/server.c), loaded when a command first fetches or serves
 * (util/module.h), so that `eseal verify` and `eseal version` load neither library (issue 18).
 * The library's es_http_* (front.c, http.h) are the same calls through this table; the module's
 * own es_http_* are its implementations (hidden in the module, not the library's symbols).
 */
#ifndef ES_HTTP_MODULE_H
#define ES_HTTP_MODULE_H

#include "http.h"
#include "util/module.h"

typedef struct {
    ES_RESULT (*start)(es_http_server **out, const es_http_options *o);
    unsigned int (*port)(const es_http_server *s);
    void (*stop)(es_http_server *s);
    ES_RESULT (*post)(const char *url, const char *content_type, es_span body, const es_http_client_options *o,
                      es_buf *resp, long *status, char *resp_type, size_t resp_type_cap);
    ES_RESULT (*get)(const char *url, const es_http_client_options *o, es_buf *resp, long *status, char *resp_type,
                     size_t resp_type_cap);
} es_http_module;

#endif
