/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one mapping from eseal codes to HTTP statuses (STYLE.md "Errors and verdicts": verdicts
 * are 200, bad input 400/413/422, our failure 500), used by the router and every handler.
 * Protocol answers are not errors: an OCSP malformedRequest or a TSA rejection is a 200 whose
 * body says so (RFC 6960 §2.3, RFC 3161 §2.4.2), a witness refusal is the status C2SP
 * tlog-witness names, decided by the witness itself.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

static const struct {
    int code;
    int status;
} codes[] = {
    {ESEAL_OK, 200},
    {ESEAL_EINVAL, 400},       /* a request the call cannot take */
    {ESEAL_EMALFORMED, 400},   /* a body or path that does not parse */
    {ESEAL_ELIMIT, 413},       /* over a limit of the request */
    {ESEAL_ENOTFOUND, 404},
    {ESEAL_EUNSUPPORTED, 415}, /* another media type, algorithm or feature than the resource takes */
    {ESEAL_EAMBIGUOUS, 409},   /* an identifier prefix naming several things */
    {ESEAL_EEXISTS, 409},
    {ESEAL_ESTATE, 409},       /* not in this state (a revoked CA, a stopped log) */
    {ESEAL_EVERIFY, 422},      /* well-formed, but does not verify */
    {ESEAL_EPASS, 401},
    {ESEAL_EDENIED, 403},
    {ESEAL_EAUTH, 401},        /* no credential, or one that is not taken */
    {ESEAL_ERATE, 429},        /* too many failed attempts: wait (Retry-After) */
    {ESEAL_ECANCELED, 503},    /* shutting down */
    {ESEAL_EIO, 500},
    {ESEAL_ESTORE, 500},
    {ESEAL_ECRYPTO, 500},
    {ESEAL_ENOMEM, 500},
    {ESEAL_ERROR, 500},
};

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {200, "OK"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {429, "Too Many Requests"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {500, "Internal Server Error"},
    {503, "Service Unavailable"},
};

int es_server_status(int code)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (codes[i].code == code) {
            return codes[i].status;
        }
    }
    return 500;
}

const char *es_server_reason(int status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].status == status) {
            return reasons[i].reason;
        }
    }
    return "Error";
}

int es_server_reply(es_http_response *rs, int status, const char *ctype, const void *p, size_t n)
{
    rs->status = status;
    (void)snprintf(rs->content_type, sizeof(rs->content_type), "%s", ctype);
    es_buf_clear(&rs->body);
    return es_code(es_buf_append(&rs->body, p, n));
}

int es_server_error(es_http_response *rs, int code)
{
    int status = es_server_status(code);
    const eseal_error *e = eseal_error_last();
    es_buf_clear(&rs->body);
    rs->status = status;
    (void)snprintf(rs->content_type, sizeof(rs->content_type), ES_CT_TEXT);
    /* A 5xx says nothing of our insides (paths, store messages); a 4xx says what was wrong with the request. */
    const char *why = status < 500 && e->code == code && e->message[0] != '\0' ? e->message : es_server_reason(status);
    es_result r = es_buf_append_str(&rs->body, why);
    if (es_ok(r)) {
        r = es_buf_append_byte(&rs->body, '\n');
    }
    return es_code(r);
}
