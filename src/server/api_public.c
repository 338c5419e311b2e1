/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public routes of the API (api.h; docs/openapi.yaml, docs/http-api.md): anyone may call them,
 * with or without credentials.
 *
 *   POST /api/v1/verify        the document itself (PDF or OFD, spooled to HOME/tmp and mapped):
 *                              the report `eseal verify --json` prints for it, 200 whatever the
 *                              verdict; 400 BAD_INPUT for a body that is neither. ?digests=LIST
 *                              as `--digests LIST` (sha256, sm3 or both: the document's digests);
 *                              ?pictures=1 as `--pictures` (each seal's picture, base64). Or
 *                              multipart/form-data with the parts `signature` (a .p7s) and
 *                              `document` (its data): `eseal verify X.p7s --data Y`;
 *                              a stamp of this platform that is not VALID queues an "alert" webhook
 *                              event to the seal's organisation (eseal_webhook_verify_alert)
 *   POST /api/v1/verify/report  the same verification as a document for people: ?format=html (the
 *                              default; public: a self-contained page that shows what the verify
 *                              page shows) or ?format=pdf (a login or an API token: the PDF is signed
 *                              by the platform's seal maker, and a public route that signed whatever
 *                              anyone uploads would make the platform a signing oracle); ?lang=en|zh
 *   GET  /api/v1/stamps/{serial}  the record the QR code's page /v/{serial} shows: its seal, owner, time and how it
 *                              is proven, the document's digest, the seal's state, its log entry
 *                              (eseal_instance_stamp_find: public by design); 404 for an unknown
 *                              serial, 400 for one of odd characters; and what a browser needs to
 *                              check the entry's inclusion itself (leaf hash, proof, checkpoint, key)
 *   GET  /api/v1/stamps/{serial}/imprint.svg, .png  the picture of the stamp's seal
 *   GET  /api/v1/openapi.json  the description of the API (docs/openapi.yaml, converted at build time)
 */
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "ops.h"

/* ---- POST /verify ------------------------------------------------------------------------------ */

/* The largest .p7s a multipart verification takes (the CLI's cap for a signature file: a CMS
 * SignedData with its certificates, CRLs and tokens is kilobytes, never megabytes). */
#define API_P7S_MAX (16u << 20)

/* ?pictures=1|0|true|false: seal.picture.data in the report (report version 4). */
static ES_RESULT pictures_arg(const es_api_call *c, int *out)
{
    const char *v = es_http_arg(c->rq, "pictures");
    *out = 0;
    if (v == NULL) {
        return ES_OK;
    }
    ES_ENSURE(strcmp(v, "1") == 0 || strcmp(v, "0") == 0 || strcmp(v, "true") == 0 || strcmp(v, "false") == 0,
              ESEAL_EINVAL, "pictures is 1 or 0, not '%.40s'", v);
    *out = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    return ES_OK;
}

/* The report as the answer: byte for byte what `eseal verify --json` prints for the same input. */
static ES_RESULT answer_report(es_api_call *c, eseal_report *rep)
{
    /* A stamp of this platform found changed or forged: an "alert" to its organisation's webhooks
     * (docs/webhooks.md). Queued only; the answer never waits on it nor fails with it. */
    if (eseal_webhook_verify_alert(c->inst, rep, 0, NULL) != ESEAL_OK) {
        eseal_error_clear();
    }
    eseal_buf out = ESEAL_BUF_INIT;
    int rc = eseal_report_to_json(&out, rep);
    ES_GUARD(es_from_code(rc));
    es_ops_count_verification();
    int sr = es_server_reply(c->rs, 200, ES_CT_JSON, out.ptr, out.size);
    eseal_buf_dispose(&out);
    ES_ENSURE(sr == ESEAL_OK, sr, "api: cannot answer the report");
    return ES_OK;
}

/* multipart/form-data with the parts `signature` (a detached CMS, .p7s) and `document` (the data it
 * signs): `eseal verify X.p7s --data Y`. The document is copied out of the form's spool file into a
 * private directory under HOME/tmp for the verifier, and removed with it before the answer. */
static ES_RESULT verify_detached(es_api_call *c, const es_http_form *f, const eseal_verify_request *q)
{
    const es_http_part *sig = NULL, *doc = NULL;
    for (size_t i = 0; i < f->n; i++) {
        const es_http_part *p = &f->parts[i];
        const es_http_part **slot = strcmp(p->name, "signature") == 0 ? &sig
                                    : strcmp(p->name, "document") == 0 ? &doc
                                                                        : NULL;
        ES_ENSURE(slot != NULL, ESEAL_EMALFORMED,
                  "a detached verification has the parts \"signature\" and \"document\", not \"%.40s\"", p->name);
        ES_ENSURE(*slot == NULL, ESEAL_EMALFORMED, "the part \"%s\" is sent twice", p->name);
        ES_ENSURE(p->is_file, ESEAL_EMALFORMED, "the part \"%s\" is a file (a filename parameter)", p->name);
        *slot = p;
    }
    ES_ENSURE(sig != NULL && doc != NULL, ESEAL_EMALFORMED,
              "a detached verification needs the parts \"signature\" (the .p7s) and \"document\" (its data)");
    ES_ENSURE(sig->len > 0, ESEAL_EMALFORMED, "the signature is empty");
    ES_ENSURE(sig->len <= API_P7S_MAX, ESEAL_ELIMIT, "the signature is larger than %u bytes", API_P7S_MAX);
    ES_AUTO(es_buf_freep) es_buf p7s = ES_BUF_INIT(API_P7S_MAX);
    ES_GUARD(es_buf_reserve(&p7s, (size_t)sig->len));
    ES_ENSURE(pread(f->fd, p7s.ptr, (size_t)sig->len, (off_t)sig->off) == (ssize_t)sig->len, ESEAL_EIO,
              "api: the upload cannot be read");
    p7s.len = (size_t)sig->len;
    eseal_file_kind kind;
    ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, p7s.ptr, p7s.len, "the signature")));
    ES_ENSURE(kind == ESEAL_FILE_CMS, ESEAL_EMALFORMED, "the signature is not a CMS signature (.p7s)");

    char dir[4200], path[4300];
    ES_GUARD(es_api_temp_dir(c, dir, sizeof(dir)));
    (void)snprintf(path, sizeof(path), "%s/data", dir);
    es_result r = es_api_copy_part(f->fd, doc->off, doc->len, path);
    eseal_report *rep = NULL;
    if (es_ok(r)) {
        r = es_from_code(eseal_instance_verify_cms(c->inst, &rep, p7s.ptr, p7s.len, path, q));
    }
    (void)unlink(path);
    (void)rmdir(dir);
    if (es_ok(r)) {
        r = answer_report(c, rep);
    }
    eseal_report_free(rep);
    return r;
}

static ES_RESULT verify(es_api_call *c)
{
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    /* ?digests=sha256 | sm3 | sha256,sm3: the document digests the report carries (--digests) */
    const char *digests = es_http_arg(c->rq, "digests");
    if (digests != NULL) {
        ES_GUARD(es_from_code(eseal_document_digests_parse(&q.document_digests, digests)));
    }
    ES_GUARD(pictures_arg(c, &q.pictures));
    if (c->rq->form != NULL) {
        return verify_detached(c, c->rq->form, &q);
    }
    es_span doc = c->rq->body;
    eseal_file_kind kind;
    /* What the body is, from its first bytes; a CMS signature needs its signed data: multipart. */
    ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, doc.ptr, doc.len, "the body")));
    ES_ENSURE(kind == ESEAL_FILE_PDF || kind == ESEAL_FILE_OFD, ESEAL_EMALFORMED,
              "the body is not a PDF or OFD file (a .p7s goes with its data as multipart/form-data)");
    eseal_report *rep = NULL;
    int rc = kind == ESEAL_FILE_PDF ? eseal_instance_verify_pdf(c->inst, &rep, doc.ptr, doc.len, &q)
                                    : eseal_instance_verify_ofd(c->inst, &rep, doc.ptr, doc.len, &q);
    ES_GUARD(es_from_code(rc));
    es_result r = answer_report(c, rep);
    eseal_report_free(rep);
    return r;
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
    q.pictures = 1; /* the reports show the imprints */
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

/* An imprint's PNG resolution (as GET /seals/{esid}/imprint.png). */
#define STAMP_IMPRINT_DPI 300

/* The log part of the record, for a client that checks the entry's inclusion itself (docs/web.md,
 * "The stamp record"): the entry's leaf hash, the proof, the checkpoint and the log's key. Not the
 * entry: it names who stamped and who approved, which the record does not say (the organisation's
 * to read); a client ties the leaf to this stamp with the entry the public log serves
 * (GET /tile/entries/...), where the operator serves it. When there is no proof to give (no entry,
 * never published, no checkpoint yet, the log unreadable now) the fields are null and `unavailable`
 * says why: the rest of the record stands without them. */
static ES_RESULT stamp_log(es_api_call *c, json_t *log, const eseal_stamp_info *st)
{
    eseal_receipt_parts parts;
    memset(&parts, 0, sizeof(parts));
    int rc = st->log_index >= 0 ? eseal_instance_stamp_inclusion(c->inst, &parts, st->serial) : ESEAL_ENOTFOUND;
    json_t *proof = rc == ESEAL_OK ? json_array() : json_null();
    for (size_t i = 0; proof != NULL && rc == ESEAL_OK && i < parts.proof_count; i++) {
        if (json_array_append_new(proof, json_string(parts.proof[i])) != 0) {
            json_decref(proof);
            proof = NULL;
        }
    }
    /* Sentences of our own for the public: the library's message may name the instance's files. The
     * two states a stamp's receipt can be missing for are told apart by es_audit_stamp_receipt's and
     * the log's own messages (auditlog/audit.c, auditlog/log.c). */
    const char *why = NULL;
    const char *msg = rc != ESEAL_OK ? eseal_error_last()->message : "";
    if (rc == ESEAL_ENOTFOUND) {
        why = "the stamp has no audit log entry";
    } else if (rc == ESEAL_ESTATE && strstr(msg, "never published") != NULL) {
        why = "the stamp was never published (a stamp.failed entry follows its entry), so it has no receipt";
    } else if (rc == ESEAL_ESTATE && strstr(msg, "not in a signed checkpoint yet") != NULL) {
        why = "its entry is not in a signed checkpoint yet; try again in a moment";
    } else if (rc != ESEAL_OK) {
        why = "the audit log cannot give the proof now";
    }
    bool ok = rc == ESEAL_OK;
    json_t *v = proof == NULL ? NULL
                              : json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "origin",
                                          ok ? json_string(parts.origin) : json_null(), "key",
                                          ok && parts.key[0] != '\0' ? json_string(parts.key) : json_null(),
                                          "leaf_hash", ok ? json_string(parts.leaf_hash) : json_null(), "tree_size",
                                          ok ? json_integer((json_int_t)parts.tree_size) : json_null(), "root",
                                          ok ? json_string(parts.root) : json_null(), "proof", proof, "checkpoint",
                                          ok ? json_string((const char *)parts.checkpoint.ptr) : json_null(),
                                          "unavailable", why != NULL ? json_string(why) : json_null());
    eseal_receipt_parts_dispose(&parts);
    if (rc != ESEAL_OK) {
        eseal_error_clear(); /* told in `unavailable`; the record is answered */
    }
    ES_ENSURE_ALLOC(v);
    int u = json_object_update(log, v);
    json_decref(v);
    ES_ENSURE(u == 0, ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

static ES_RESULT stamp(es_api_call *c)
{
    char serial[64];
    ES_GUARD(es_api_segment(c, serial, sizeof(serial)));
    eseal_stamp_info st;
    ES_GUARD(es_from_code(eseal_instance_stamp_find(c->inst, &st, serial)));
    /* Where the seal's keys are held, as the registry answers it (GET /registry/{esid}): a seal bound
     * to a token or a chip says so on its record page (issue 23 §3), [] for one in software. Public as
     * the registry is; the seal's record is read for it alone. */
    eseal_seal_record rec;
    ES_GUARD(es_from_code(eseal_instance_seal_get(c->inst, &rec, NULL, st.esid)));
    json_t *hw = es_api_hardware_json(rec.hardware);
    eseal_seal_record_dispose(&rec);
    ES_ENSURE_ALLOC(hw);
    json_t *v = json_pack("{s:s, s:{s:s, s:s, s:o}, s:s, s:s, s:o, s:s, s:s, s:{s:s, s:b}, s:{s:o, s:b}}", "serial",
                          st.serial, "seal", "esid", st.esid, "name", st.seal_name, "hardware", hw, "organisation",
                          st.organisation,
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
    es_result r = stamp_log(c, json_object_get(v, "log"), &st);
    if (es_ok(r)) {
        r = es_api_json(c->rs, 200, v);
    }
    json_decref(v);
    return r;
}

/* GET /stamps/{serial}/imprint.svg, .png: the picture of the stamp's seal, public as the record is
 * (it is printed on the document the serial comes from); by serial only, so that the registry's
 * other seals stay behind GET /seals/{esid}/imprint.* and its login. */
static ES_RESULT stamp_imprint(es_api_call *c, eseal_imprint_format fmt, const char *type)
{
    char serial[64];
    ES_GUARD(es_api_segment(c, serial, sizeof(serial)));
    eseal_stamp_info st;
    ES_GUARD(es_from_code(eseal_instance_stamp_find(c->inst, &st, serial)));
    eseal_buf img = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_instance_seal_imprint(c->inst, &img, st.esid, fmt, STAMP_IMPRINT_DPI));
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, type, img.ptr, img.size);
    }
    eseal_buf_dispose(&img);
    return r;
}

static ES_RESULT stamp_svg(es_api_call *c) { return stamp_imprint(c, ESEAL_IMPRINT_SVG, "image/svg+xml"); }
static ES_RESULT stamp_png(es_api_call *c) { return stamp_imprint(c, ESEAL_IMPRINT_PNG, "image/png"); }

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
    {GET, "/stamps/*/imprint.svg", ES_API_PUBLIC, NULL, NULL, 0, stamp_svg, "GET /api/v1/stamps/{serial}/imprint.svg"},
    {GET, "/stamps/*/imprint.png", ES_API_PUBLIC, NULL, NULL, 0, stamp_png, "GET /api/v1/stamps/{serial}/imprint.png"},
    {POST | ES_ROUTE_SPOOL, "/verify/report", ES_API_PUBLIC_POOLED, NULL, NULL, 0, verify_report,
     "POST /api/v1/verify/report"},
    {GET, "/openapi.json", ES_API_PUBLIC, NULL, NULL, 0, openapi, "GET /api/v1/openapi.json"},
};
const size_t es_api_public_route_count = sizeof(es_api_public_routes) / sizeof(es_api_public_routes[0]);
