/* SPDX-License-Identifier: Apache-2.0 */
/* The CA certificate resource: GET /ca/<CA id>.crt, the caIssuers URL of the instance's
 * certificates (RFC 5280 §4.2.2.1), one DER certificate as application/pkix-cert (RFC 2585 §4.1). */
#include <stdio.h>
#include <string.h>

#include "server.h"

static int ca_get(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)rq;
    static const char ext[] = ".crt";
    size_t e = sizeof(ext) - 1;
    char id[65];
    if (m->arg_len <= e || m->arg_len - e >= sizeof(id) || memcmp(m->arg + m->arg_len - e, ext, e) != 0) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no such CA certificate"));
    }
    memcpy(id, m->arg, m->arg_len - e);
    id[m->arg_len - e] = '\0';
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_ocsp_service_ca_cert(ctx, &der, id);
    if (rc == ESEAL_OK) {
        rc = es_server_reply(rs, 200, "application/pkix-cert", der.ptr, der.size);
    }
    eseal_buf_dispose(&der);
    return rc;
}

ES_RESULT es_server_mount_ca(es_router *r, eseal_ocsp_service *s)
{
    ES_ENSURE_ARG(r != NULL && s != NULL);
    es_route rt = {ES_ROUTE_GET, "/ca/*", NULL, 0, ca_get, s, "GET /ca/ID.crt"};
    return es_router_add(r, &rt);
}
