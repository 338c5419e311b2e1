/* SPDX-License-Identifier: Apache-2.0 */
/* The CRL resource: GET /crl/<CA id>.crl, the URL of the CRL distribution point the instance's
 * certificates name (RFC 5280 §4.2.1.13), application/pkix-crl (RFC 2585 §4.2). */
#include <stdio.h>
#include <string.h>

#include "server.h"

/* "<id><ext>" of a route's `*` segment: the id (at most cap-1 bytes), or false. */
static bool id_of(const es_route_match *m, const char *ext, char *id, size_t cap)
{
    size_t e = strlen(ext);
    if (m->arg_len <= e || m->arg_len - e >= cap || memcmp(m->arg + m->arg_len - e, ext, e) != 0) {
        return false;
    }
    memcpy(id, m->arg, m->arg_len - e);
    id[m->arg_len - e] = '\0';
    return true;
}

static int crl_get(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    char id[65];
    if (!id_of(m, ".crl", id, sizeof(id))) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no such CRL"));
    }
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_ocsp_service_crl(ctx, &der, id);
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, "application/pkix-crl", der.ptr, der.size);
    }
    eseal_buf_dispose(&der);
    return rc;
}

ES_RESULT es_server_mount_crl(es_router *r, eseal_ocsp_service *s)
{
    ES_ENSURE_ARG(r != NULL && s != NULL);
    es_route rt = {ES_ROUTE_GET, "/crl/*", NULL, 0, crl_get, s, "GET /crl/ID.crl"};
    return es_router_add(r, &rt);
}
