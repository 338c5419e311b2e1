/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public routes of the API (api.h; docs/openapi.yaml, docs/http-api.md): anyone may call them,
 * with or without credentials.
 *
 *   POST /api/v1/verify        the document itself (PDF or OFD, spooled to HOME/tmp and mapped):
 *                              the report `eseal verify --json` prints for it, 200 whatever the
 *                              verdict; 400 BAD_INPUT for a body that is neither. ?digests=LIST
 *                              as `--digests LIST` (sha256, sm3 or both: the document's digests);
 *                              a stamp of this platform that is not VALID queues an "alert" webhook
 *                              event to the seal's organisation (eseal_webhook_verify_alert)
 *   POST /api/v1/verify/report  the same verification as a document for people: ?format=html (the
 *                              default; public: a self-contained page that shows what the verify
 *                              page shows) or ?format=pdf (a login or an API token: the PDF is signed
 *                              by the platform's seal maker, and a public route that signed whatever
 *                              anyone uploads would make the platform a signing oracle); ?lang=en|zh
 *   GET  /api/v1/stamps/{serial}  what a stamp's QR code points to: its seal, owner, time and how it
 *                              is proven, the document's digest, the seal's state, its log entry
 *                              (eseal_instance_stamp_find: public by design); 404 for an unknown
 *                              serial, 400 for one of odd characters
 *   GET  /api/v1/openapi.json  the description of the API (docs/openapi.yaml, converted at build time)
 */
#include <string.h>

#include "api.h"
#include "ops.h"

/* ---- POST /verify ------------------------------------------------------------------------------ */

static ES_RESULT verify(es_api_call *c)
{
    es_span doc = c->rq->body;
    eseal_file_kind kind;
    /* What the body is, from its first bytes; a CMS signature needs its signed data too: not here. */
    ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, doc.ptr, doc.len, "the body")));
    ES_ENSURE(kind == ESEAL_FILE_PDF || kind == ESEAL_FILE_OFD, ESEAL_EMALFORMED, "the body is not a PDF or OFD file");
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    /* ?digests=sha256 | sm3 | sha256,sm3: the document digests the report carries (--digests) */
    const char *digests = es_http_arg(c->rq, "digests");
    if (digests != NULL) {
        ES_GUARD(es_from_code(eseal_document_digests_parse(&q.document_digests, digests)));
    }
    eseal_report *rep = NULL;
    int rc = kind == ESEAL_FILE_PDF ? eseal_instance_verify_pdf(c->inst, &rep, doc.ptr, doc.len, &q)
                                    : eseal_instance_verify_ofd(c->inst, &rep, doc.ptr, doc.len, &q);
    ES_GUARD(es_from_code(rc));
    /* A stamp of this platform found changed or forged: an "alert" to its organisation's webhooks
     * (docs/webhooks.md). Queued only; the answer never waits on it nor fails with it. */
    if (eseal_webhook_verify_alert(c->inst, rep, 0, NULL) != ESEAL_OK) {
        eseal_error_clear();
    }
    eseal_buf out = ESEAL_BUF_INIT;
    rc = eseal_report_to_json(&out, rep);
    eseal_report_free(rep);
    ES_GUARD(es_from_code(rc));
    es_ops_count_verification();
    /* The library's JSON as it is: byte for byte what `eseal verify --json FILE` prints. */
    int sr = es_server_reply(c->rs, 200, ES_CT_JSON, out.ptr, out.size);
    eseal_buf_dispose(&out);
    ES_ENSURE(sr == ESEAL_OK, sr, "api: cannot answer the report");
    return ES_OK;
}

/* ---- POST /verify/report ----------------------------------------------------------------------- */

typedef struct {
    eseal_instance *inst;
    eseal_buf *out;
    const eseal_report *rep;
    const eseal_report_doc_options *o;
} pdf_job;

static int sign_pdf(void *ctx)
{
    pdf_job *j = ctx;
    return eseal_instance_report_pdf(j->inst, j->out, j->rep, j->o);
}

static ES_RESULT verify_report(es_api_call *c)
{
    const char *format = es_http_arg(c->rq, "format");
    bool pdf = format != NULL && strcmp(format, "pdf") == 0;
    ES_ENSURE(format == NULL || pdf || strcmp(format, "html") == 0, ESEAL_EINVAL,
              "format is html or pdf, not '%s'", format);
    /* The platform signs a PDF report: only for someone it knows (admit() has run; this route is
     * public for the HTML), so that it is no signing oracle for anyone on the network. */
    ES_ENSURE(!pdf || c->authed, ESEAL_EAUTH, "a signed PDF report needs a login or an API token");
    eseal_report_doc_options o = ESEAL_REPORT_DOC_OPTIONS_INIT;
    o.lang = es_http_arg(c->rq, "lang");
    es_span doc = c->rq->body;
    eseal_file_kind kind;
    ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, doc.ptr, doc.len, "the body")));
    ES_ENSURE(kind == ESEAL_FILE_PDF || kind == ESEAL_FILE_OFD, ESEAL_EMALFORMED, "the body is not a PDF or OFD file");
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    eseal_report *rep = NULL;
    int rc = kind == ESEAL_FILE_PDF ? eseal_instance_verify_pdf(c->inst, &rep, doc.ptr, doc.len, &q)
                                    : eseal_instance_verify_ofd(c->inst, &rep, doc.ptr, doc.len, &q);
    ES_GUARD(es_from_code(rc));
    es_ops_count_verification();
    eseal_buf out = ESEAL_BUF_INIT;
    if (pdf) {
        /* This handler runs on a pooled instance without the passphrase; the platform's own instance
         * (the server's, unlocked at start) signs, under the API's lock like every call that uses it. */
        pdf_job j = {es_api_instance(c->api), &out, rep, &o};
        rc = es_api_locked(c->api, sign_pdf, &j);
    } else {
        rc = eseal_report_to_html(&out, rep, &o);
    }
    eseal_report_free(rep);
    ES_GUARD(es_from_code(rc));
    /* A download, not a page of this origin: the HTML carries its own CSP and runs nothing of ours. */
    es_result hr = es_http_header_add(c->rs, "Content-Disposition",
                                      pdf ? "attachment; filename=\"verification-report.pdf\""
                                          : "attachment; filename=\"verification-report.html\"");
    int sr = es_ok(hr) ? es_server_reply(c->rs, 200, pdf ? "application/pdf" : "text/html; charset=utf-8", out.ptr,
                                         out.size)
                       : es_code(hr);
    eseal_buf_dispose(&out);
    ES_ENSURE(sr == ESEAL_OK, sr, "api: cannot answer the report");
    return ES_OK;
}

/* ---- GET /stamps/{serial} ---------------------------------------------------------------------- */

static ES_RESULT stamp(es_api_call *c)
{
    char serial[64];
    ES_GUARD(es_api_segment(c, serial, sizeof(serial)));
    eseal_stamp_info st;
    ES_GUARD(es_from_code(eseal_instance_stamp_find(c->inst, &st, serial)));
    json_t *v = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:o, s:s, s:s, s:{s:s, s:b}, s:{s:o, s:b}}", "serial",
                          st.serial, "seal", "esid", st.esid, "name", st.seal_name, "organisation", st.organisation,
                          "format", st.kind, "time", es_api_time(st.time_ms), "time_source", st.time_source,
                          "document_sha256", st.document_sha256, "status", "seal_state", st.seal_state,
                          "seal_valid_at_time", st.seal_valid_at_time != 0, "log", "index",
                          st.log_index >= 0 ? json_integer(st.log_index) : json_null(), "receipt_present",
                          st.receipt_present != 0);
    ES_ENSURE_ALLOC(v);
    /* made under a stamp request: that approvals happened and how many (who: the organisation's) */
    json_t *ap = st.request[0] != '\0' ? json_pack("{s:s, s:i}", "request", st.request, "count", st.approvals)
                                        : json_null();
    if (ap == NULL || json_object_set_new(v, "approvals", ap) != 0) {
        json_decref(v);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    es_result r = es_api_json(c->rs, 200, v);
    json_decref(v);
    return r;
}

/* ---- GET /openapi.json ------------------------------------------------------------------------- */

static ES_RESULT openapi(es_api_call *c)
{
    int r = es_server_reply(c->rs, 200, ES_CT_JSON, es_openapi_json, es_openapi_json_len);
    ES_ENSURE(r == ESEAL_OK, r, "api: cannot answer the description");
    return ES_OK;
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST

const es_api_route es_api_public_routes[] = {
    {POST | ES_ROUTE_SPOOL, "/verify", ES_API_PUBLIC_POOLED, NULL, NULL, 0, verify, "POST /api/v1/verify"},
    {GET, "/stamps/*", ES_API_PUBLIC, NULL, NULL, 0, stamp, "GET /api/v1/stamps/{serial}"},
    {POST | ES_ROUTE_SPOOL, "/verify/report", ES_API_PUBLIC_POOLED, NULL, NULL, 0, verify_report,
     "POST /api/v1/verify/report"},
    {GET, "/openapi.json", ES_API_PUBLIC, NULL, NULL, 0, openapi, "GET /api/v1/openapi.json"},
};
const size_t es_api_public_route_count = sizeof(es_api_public_routes) / sizeof(es_api_public_routes[0]);
