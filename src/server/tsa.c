/* SPDX-License-Identifier: Apache-2.0 */
/* The TSA resource: RFC 3161 §3.4, POST application/timestamp-query, answered application/timestamp-reply. */
#include <stdio.h>
#include <string.h>

#include "server.h"

static int tsa_post(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)m;
    eseal_buf resp = ESEAL_BUF_INIT;
    /* A request the TSA cannot take is answered inside the protocol (a rejection, still 200). */
    int rc = eseal_tsa_service_respond(ctx, &resp, rq->body.ptr, rq->body.len);
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, "application/timestamp-reply", resp.ptr, resp.size);
    }
    eseal_buf_dispose(&resp);
    return rc;
}

ES_RESULT es_server_mount_tsa(es_router *r, eseal_tsa_service *t, const char *hierarchy, bool at_root)
{
    ES_ENSURE_ARG(r != NULL && t != NULL && hierarchy != NULL);
    /* The pattern and doc strings live as long as the router: static per hierarchy. */
    static const struct {
        const char *h, *pattern, *doc;
    } paths[] = {{"p256", "/tsa/p256", "POST /tsa/p256"}, {"sm2", "/tsa/sm2", "POST /tsa/sm2"}};
    size_t i = 0;
    while (i < sizeof(paths) / sizeof(paths[0]) && strcmp(paths[i].h, hierarchy) != 0) {
        i++;
    }
    ES_ENSURE(i < sizeof(paths) / sizeof(paths[0]), ESEAL_EUNSUPPORTED, "tsa: the %s hierarchy has no TSA", hierarchy);
    /* One byte over the TSA's cap still reaches it, to be answered with a rejection (badDataFormat). */
    es_route rt = {ES_ROUTE_POST, "/tsa", "application/timestamp-query", ESEAL_TSA_MAX_REQUEST + 1, tsa_post, t,
                   "POST /tsa"};
    if (at_root) {
        ES_GUARD(es_router_add(r, &rt));
    }
    rt.pattern = paths[i].pattern;
    rt.doc = paths[i].doc;
    return es_router_add(r, &rt);
}
