/* SPDX-License-Identifier: Apache-2.0 */
/* The published trust lists (issue 24; docs/trust-lists.md): GET /.well-known/eseal/trust-list, the
 * platform's own list published last, and GET /.well-known/eseal/list-of-lists, its list of lists as
 * a scheme operator; each a compact JWS (application/jose, RFC 7515 §9.2.1), 404 before the first
 * publish. Anyone may read them: they are signed, and what they say is public. */
#include <string.h>

#include "api.h"
#include "server.h"

typedef struct {
    es_trustlist_route *rt;
    eseal_buf jws;
} fetch;

static int read_current(void *ctx)
{
    fetch *f = ctx;
    return eseal_instance_trustlist_current(f->rt->inst, f->rt->list_of_lists, &f->jws);
}

static int trustlist_get(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    (void)m;
    fetch f = {ctx, ESEAL_BUF_INIT};
    int rc = es_api_locked(f.rt->api, read_current, &f);
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, "application/jose", f.jws.ptr, f.jws.size);
    }
    eseal_buf_dispose(&f.jws);
    return rc;
}

ES_RESULT es_server_mount_trustlists(es_router *r, es_trustlist_route routes[2], eseal_instance *inst, es_api *api)
{
    ES_ENSURE_ARG(r != NULL && routes != NULL && inst != NULL && api != NULL);
    routes[0] = (es_trustlist_route){api, inst, 0};
    routes[1] = (es_trustlist_route){api, inst, 1};
    es_route own = {ES_ROUTE_GET, "/.well-known/eseal/trust-list", NULL, 0, trustlist_get, &routes[0],
                    "GET /.well-known/eseal/trust-list"};
    es_route lol = {ES_ROUTE_GET, "/.well-known/eseal/list-of-lists", NULL, 0, trustlist_get, &routes[1],
                    "GET /.well-known/eseal/list-of-lists"};
    ES_GUARD(es_router_add(r, &own));
    return es_router_add(r, &lol);
}
