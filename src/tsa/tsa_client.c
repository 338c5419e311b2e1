/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The time-stamp client (include/eseal/tsa_client.h): one request, the
 * sources asked in order, every answer put through eseal_tsa_verify_token()
 * against the request that was sent, the first VALID token kept.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "eseal/tsa.h"
#include "eseal/tsa_client.h"
#include "http/http.h"
#include "util/report.h"
#include "util/versions.h"

static const eseal_tsa_client_options default_opts = ESEAL_TSA_CLIENT_OPTIONS_INIT;
/* Why each source failed, joined: a line of up to 1024 bytes (try_source's why) per configured source. */
#define ES_TSA_ERRORS_MAX (64 * 1024)

void eseal_tsa_client_result_free(eseal_tsa_client_result *res)
{
    if (res == NULL) {
        return;
    }
    eseal_buf_dispose(&res->token);
    eseal_report_free(res->report);
    res->report = NULL;
    res->gen_time_ms = 0;
    res->source[0] = 0;
    res->serial[0] = 0;
}

/* One source's answer, as a DER TimeStampResp; an error says why there is none. */
static ES_RESULT ask(es_buf *resp, const eseal_tsa_source *src, es_span req, unsigned int timeout_ms)
{
    if (src->url == NULL) {
        eseal_buf out = ESEAL_BUF_INIT;
        int rc = src->transport(src->transport_ctx, &out, req.ptr, req.len);
        if (rc != ESEAL_OK) {
            eseal_buf_dispose(&out);
            return es_from_code(rc); /* the callee set the message */
        }
        es_result r = es_buf_append(resp, out.ptr, out.size);
        eseal_buf_dispose(&out);
        return r;
    }
    es_http_client_options ho = {0};
    ho.timeout_ms = timeout_ms;
    ho.max_response = ESEAL_TSA_CLIENT_MAX_RESPONSE;
    long status = 0;
    char type[128] = "";
    ES_GUARD(es_http_post(src->url, "application/timestamp-query", req, &ho, resp, &status, type, sizeof(type)));
    ES_ENSURE(status == 200, ESEAL_EIO, "HTTP status %ld", status);
    /* RFC 3161 §3.4 names application/timestamp-reply; some servers send -response. Media types are
     * case-insensitive and may carry parameters after ';'. */
    size_t tl = strcspn(type, "; \t");
    ES_ENSURE((tl == 27 && strncasecmp(type, "application/timestamp-reply", 27) == 0) ||
                  (tl == 30 && strncasecmp(type, "application/timestamp-response", 30) == 0),
              ESEAL_EIO, "the answer is %s, not application/timestamp-reply", type[0] != 0 ? type : "untyped");
    return ES_OK;
}

/* The first reason of a report that is not VALID, as "CODE: text". */
static void first_reason(char *out, size_t n, const eseal_report *rep)
{
    for (size_t i = 0; i < eseal_report_reason_count(rep); i++) {
        if (eseal_report_reason_verdict(rep, i) != ESEAL_VALID) {
            (void)snprintf(out, n, "%s (%s)", eseal_report_reason_text(rep, i), eseal_report_reason_code(rep, i));
            return;
        }
    }
    (void)snprintf(out, n, "the token was not accepted (%s)", eseal_verdict_name(eseal_report_verdict(rep)));
}

/* Asks one source; on success `res` holds the token. Otherwise `why` says what went wrong. */
static ES_RESULT try_source(eseal_tsa_client_result *res, const eseal_tsa_source *src, es_span req,
                            const eseal_tsa_client_options *o, char *why, size_t why_len)
{
    es_buf resp = ES_BUF_INIT(ESEAL_TSA_CLIENT_MAX_RESPONSE);
    es_result r = ask(&resp, src, req, o->timeout_ms != 0 ? o->timeout_ms : ESEAL_TSA_CLIENT_DEFAULT_TIMEOUT_MS);
    if (!es_ok(r)) {
        /* The HTTP layer's message starts "http: URL: "; the caller names the source already. */
        const char *m = eseal_error_last()->message;
        char prefix[600];
        (void)snprintf(prefix, sizeof(prefix), "http: %s: ", src->url != NULL ? src->url : "");
        if (src->url != NULL && strncmp(m, prefix, strlen(prefix)) == 0) {
            m += strlen(prefix);
        }
        (void)snprintf(why, why_len, "%s", m);
        es_buf_free(&resp);
        return r;
    }
    eseal_tsa_verify_options vo = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    vo.request = req.ptr;
    vo.request_len = req.len;
    vo.policy_oid = o->policy_oid;
    eseal_report *rep = NULL;
    int64_t gen = 0;
    int rc = eseal_tsa_verify_token(&rep, &gen, resp.ptr, resp.len, o->trust, &vo);
    if (rc != ESEAL_OK) {
        (void)snprintf(why, why_len, "%s", eseal_error_last()->message);
        es_buf_free(&resp);
        return es_error_set(rc, __FILE__, __LINE__, "%s", why);
    }
    if (eseal_report_verdict(rep) != ESEAL_VALID) {
        int status = -1;
        unsigned int fail = 0;
        if (eseal_tsa_response_status(&status, &fail, resp.ptr, resp.len) == ESEAL_OK &&
            status >= ESEAL_TSA_REJECTION && (fail & ESEAL_TSA_FAIL_TIME_NOT_AVAILABLE) != 0) {
            (void)snprintf(why, why_len, "the TSA has no trusted time source now (timeNotAvailable)");
        } else {
            first_reason(why, why_len, rep);
        }
        eseal_report_free(rep);
        es_buf_free(&resp);
        return es_error_set(ESEAL_EIO, __FILE__, __LINE__, "%s", why);
    }
    r = es_ts_response_token(&res->token, res->serial, sizeof(res->serial), es_buf_span(&resp));
    es_buf_free(&resp);
    if (!es_ok(r)) {
        (void)snprintf(why, why_len, "%s", eseal_error_last()->message);
        eseal_report_free(rep);
        return r;
    }
    res->report = rep;
    res->gen_time_ms = gen;
    (void)snprintf(res->source, sizeof(res->source), "%s",
                   src->url != NULL ? src->url : (src->name != NULL ? src->name : "in-process TSA"));
    return ES_OK;
}

static ES_RESULT client_stamp(eseal_tsa_client_result *res, eseal_hash hash, es_span digest,
                              const eseal_tsa_client_options *o)
{
    ES_ENSURE(o->n_sources > 0 && o->sources != NULL, ESEAL_EINVAL, "tsa client: no time-stamp authority configured");
    ES_ENSURE(o->trust != NULL, ESEAL_EINVAL, "tsa client: no TSA trust anchors given");
    for (size_t i = 0; i < o->n_sources; i++) {
        const eseal_tsa_source *s = &o->sources[i];
        ES_ENSURE(s->url != NULL || s->transport != NULL, ESEAL_EINVAL, "tsa client: source %zu has no URL", i + 1);
    }
    ES_AUTO(es_buf_freep) es_buf req = ES_BUF_INIT(ESEAL_TSA_MAX_REQUEST);
    ES_GUARD(es_ts_request_der(&req, hash == ESEAL_HASH_DEFAULT ? ESEAL_HASH_SHA256 : hash, digest, o->policy_oid));
    ES_AUTO(es_buf_freep) es_buf errors = ES_BUF_INIT(ES_TSA_ERRORS_MAX);
    for (size_t i = 0; i < o->n_sources; i++) {
        char why[1024] = "";
        es_result r = try_source(res, &o->sources[i], es_buf_span(&req), o, why, sizeof(why));
        if (es_ok(r)) {
            return ES_OK;
        }
        if (es_code(r) == ESEAL_ENOMEM || es_code(r) == ESEAL_ESTORE) {
            /* Our own failure (an in-process TSA whose store refused a write), not the TSA's
             * answer: reported as it is, in its own words. */
            return r;
        }
        const eseal_tsa_source *s = &o->sources[i];
        ES_GUARD(es_buf_printf(&errors, "%s%s: %s", i > 0 ? "; " : "",
                               s->url != NULL ? s->url : (s->name != NULL ? s->name : "in-process TSA"), why));
    }
    ES_BAIL(ESEAL_EIO, "no time-stamp could be obtained (%s), and the local clock is never used instead",
            es_buf_cstr(&errors));
}

int eseal_tsa_client_stamp(eseal_tsa_client_result *res, eseal_hash hash, const void *digest, size_t digest_len,
                           const eseal_tsa_client_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, tsa_client_options);
    if (res == NULL || digest == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "tsa client: invalid argument"));
    }
    memset(res, 0, sizeof(*res));
    if (opts == NULL) {
        opts = &default_opts;
    }
    es_result r = client_stamp(res, hash, es_span_of(digest, digest_len), opts);
    if (!es_ok(r)) {
        eseal_tsa_client_result_free(res);
    }
    return ES_PUBLIC(r);
}
