/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seals' routes of the API (api.h; docs/openapi.yaml, docs/http-api.md): seals and
 * their lifecycle and imprints, certificates, stamping, the registry's status at a time, the
 * audit trail and a stamp's receipt. Each handler reads the request, calls eseal/instance.h with
 * the caller's principal and writes the answer; the library decides who may (the policy, with
 * the organisation a seal or certificate belongs to: src/service/owner.c), and what the caller may
 * not read is "not found", like what does not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "ops.h"

/* A document to stamp is taken in memory (the HTTP layer buffers request bodies): at most this
 * many bytes, so that the stamped document (the input, a signature and an imprint) still fits in
 * a response (ES_HTTP_RESPONSE_MAX, 64 MiB). */
#define ES_API_STAMP_MAX (48u << 20)
/* GET /audit: at most this many entries per page (limit's default: 100). */
#define ES_API_AUDIT_PAGE_MAX 1000
/* An imprint's PNG resolution. */
#define ES_API_IMPRINT_DPI 300

/* ---- JSON of the records ---------------------------------------------------------------------- */

json_t *es_api_hardware_json(const char *text)
{
    json_t *a = text != NULL && text[0] != '\0' ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        a = json_array();
    }
    return a;
}

json_t *es_api_seal_json(const eseal_seal_record *s, const char *org)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "esid",
                     s->esid,
                     "name", s->name != NULL ? s->name : "", "owner", es_api_str_or_null(s->owner), "organisation",
                     es_api_str_or_null(org), "state", s->state, "type", eseal_seal_type_name(s->type), "certificates",
                     es_api_list(s->cert_ids), "generation", (json_int_t)s->generation, "previous",
                     es_api_str_or_null(s->prev_esid), "next", es_api_str_or_null(s->next_esid), "created",
                     es_api_time(s->created_ms), "valid_from", es_api_time(s->valid_from_ms), "valid_to",
                     es_api_time(s->valid_to_ms), "updated", es_api_time(s->updated_ms), "sha256",
                     s->sha256 != NULL ? s->sha256 : "", "hardware", es_api_hardware_json(s->hardware));
}

json_t *es_api_cert_json(const eseal_cert_record *r, const char *org)
{
    return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "id", r->id, "role",
                     r->role, "hierarchy", es_api_str_or_null(r->hierarchy), "alg", r->alg, "subject", r->subject,
                     "serial", r->serial, "issuer", es_api_str_or_null(r->issuer_id), "fingerprint", r->fingerprint,
                     "organisation", es_api_str_or_null(org), "not_before", es_api_time(r->not_before_ms), "not_after",
                     es_api_time(r->not_after_ms), "created", es_api_time(r->created_ms), "revoked",
                     es_api_time(r->revoked_ms), "pem", r->pem);
}

static json_t *entry_json(uint64_t index, const eseal_audit_entry *e, const char *org)
{
    json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "index", (json_int_t)index, "type",
                          e->type, "time", es_api_time(e->time_ms), "actor", es_api_str_or_null(e->actor), "actor_kind",
                          es_api_str_or_null(e->actor_kind), "policy_rule", es_api_str_or_null(e->policy_rule), "seal",
                          es_api_str_or_null(e->seal), "cert", es_api_str_or_null(e->cert), "stamp",
                          es_api_str_or_null(e->stamp), "detail", es_api_str_or_null(e->detail), "organisation",
                          es_api_str_or_null(org));
    if (o != NULL && e->doc_after_sha256 != NULL) {
        (void)json_object_set_new(o, "doc_after_sha256", json_string(e->doc_after_sha256));
    }
    if (o != NULL && e->approvals != NULL && e->approvals[0] != '\0') {
        /* a stamp of a request: the request and its approval chain (docs/requests.md) */
        (void)json_object_set_new(o, "approvals", json_string(e->approvals));
    }
    return o;
}

/* ---- seals ---------------------------------------------------------------------------------- */

static int add_seal(const eseal_seal_record *s, const char *org, void *ctx)
{
    return json_array_append_new(ctx, es_api_seal_json(s, org)) == 0 ? 0 : ESEAL_ENOMEM;
}

static ES_RESULT seals_list(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_instance_seal_list_for(c->inst, es_api_who(c), add_seal, a), a);
}

/* The seal of the route's `*`, for the caller (not found when it may not read it). */
static ES_RESULT seal_of(es_api_call *c, char *esid, size_t cap, eseal_seal_record *rec, char *org)
{
    ES_GUARD(es_api_segment(c, esid, cap));
    return es_from_code(eseal_instance_seal_read(c->inst, es_api_who(c), rec, NULL, esid, org));
}

static ES_RESULT seals_get(es_api_call *c)
{
    char esid[128], org[ESEAL_OWNER_ORG_MAX + 1];
    eseal_seal_record rec;
    ES_GUARD(seal_of(c, esid, sizeof(esid), &rec, org));
    es_result r = es_api_reply(c, 200, es_api_seal_json(&rec, org));
    eseal_seal_record_dispose(&rec);
    return r;
}

static ES_RESULT seals_transition(es_api_call *c, eseal_seal_action action)
{
    static const char *const known[] = {"reason", NULL};
    char esid[128];
    ES_GUARD(es_api_segment(c, esid, sizeof(esid)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *reason = NULL;
    es_result r = es_api_str(b, "reason", true, &reason);
    eseal_seal_record rec;
    memset(&rec, 0, sizeof(rec));
    if (es_ok(r)) {
        r = es_from_code(eseal_instance_seal_transition(c->inst, es_api_who(c), &rec, esid, action, reason));
    }
    json_decref(b);
    ES_GUARD(r);
    char org[ESEAL_OWNER_ORG_MAX + 1];
    r = es_from_code(eseal_instance_seal_org(c->inst, org, &rec));
    if (es_ok(r)) {
        r = es_api_reply(c, 200, es_api_seal_json(&rec, org));
    }
    eseal_seal_record_dispose(&rec);
    return r;
}

static ES_RESULT seals_suspend(es_api_call *c) { return seals_transition(c, ESEAL_SEAL_SUSPEND); }
static ES_RESULT seals_resume(es_api_call *c) { return seals_transition(c, ESEAL_SEAL_RESUME); }
static ES_RESULT seals_revoke(es_api_call *c) { return seals_transition(c, ESEAL_SEAL_REVOKE); }

static ES_RESULT seals_imprint(es_api_call *c, eseal_imprint_format fmt, const char *type)
{
    char esid[128], org[ESEAL_OWNER_ORG_MAX + 1];
    eseal_seal_record rec;
    ES_GUARD(seal_of(c, esid, sizeof(esid), &rec, org));
    eseal_buf img = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_instance_seal_imprint(c->inst, &img, rec.esid, fmt, ES_API_IMPRINT_DPI));
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, type, img.ptr, img.size);
    }
    eseal_buf_dispose(&img);
    eseal_seal_record_dispose(&rec);
    return r;
}

static ES_RESULT seals_png(es_api_call *c) { return seals_imprint(c, ESEAL_IMPRINT_PNG, "image/png"); }
static ES_RESULT seals_svg(es_api_call *c) { return seals_imprint(c, ESEAL_IMPRINT_SVG, "image/svg+xml"); }

/*
 * GET /seals/{esid}/receipt: the registry's signed filing receipt of the seal (eseal/seal.h
 * EsealFilingReceipt), decoded and checked against the seal's bytes and the instance's trust, for
 * the console (issue 21 §2: "the filing receipt"). A seal never filed has none: 404.
 */
static ES_RESULT seals_receipt(es_api_call *c)
{
    char esid[128], org[ESEAL_OWNER_ORG_MAX + 1];
    ES_GUARD(es_api_segment(c, esid, sizeof(esid)));
    eseal_seal_record rec;
    eseal_buf seal = ESEAL_BUF_INIT, der = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_instance_seal_read(c->inst, es_api_who(c), &rec, &seal, esid, org)));
    es_result r = es_from_code(eseal_instance_seal_receipt(c->inst, &der, rec.esid));
    if (es_code(r) == ESEAL_ENOTFOUND) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "seal %s has no filing receipt (it was not filed)",
                         rec.esid);
    }
    eseal_filing_receipt *fr = NULL;
    if (es_ok(r)) {
        r = es_from_code(eseal_filing_receipt_decode(&fr, der.ptr, der.size));
    }
    eseal_report *rep = NULL;
    eseal_verify_request vq = ESEAL_VERIFY_REQUEST_INIT;
    if (es_ok(r)) {
        r = es_from_code(eseal_instance_receipt_verify(c->inst, &rep, der.ptr, der.size, seal.ptr, seal.size, &vq));
    }
    if (es_ok(r)) {
        const eseal_filing_info *fi = eseal_filing_receipt_info(fr);
        char hex[2 * 32 + 1] = "";
        for (size_t i = 0; i < fi->seal_sha256.len && i < 32; i++) {
            (void)snprintf(hex + 2 * i, 3, "%02x", fi->seal_sha256.ptr[i]);
        }
        r = es_api_reply(c, 200,
                         json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:s}", "esid", fi->esid, "seal_sha256", hex,
                                   "owner", fi->owner, "filed", es_api_time(fi->filed_ms), "registry", fi->registry,
                                   "serial", (json_int_t)fi->serial, "size", (json_int_t)der.size, "verdict",
                                   eseal_verdict_name(eseal_report_verdict(rep))));
    }
    eseal_report_free(rep);
    eseal_filing_receipt_free(fr);
    eseal_buf_dispose(&der);
    eseal_buf_dispose(&seal);
    eseal_seal_record_dispose(&rec);
    return r;
}

/* ---- certificates ----------------------------------------------------------------------------- */

static int add_cert(const eseal_cert_record *r, const char *org, void *ctx)
{
    return json_array_append_new(ctx, es_api_cert_json(r, org)) == 0 ? 0 : ESEAL_ENOMEM;
}

static ES_RESULT certs_list(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_instance_cert_list_for(c->inst, es_api_who(c), add_cert, a), a);
}

static ES_RESULT certs_get(es_api_call *c)
{
    char ref[130], org[ESEAL_OWNER_ORG_MAX + 1];
    ES_GUARD(es_api_segment(c, ref, sizeof(ref)));
    eseal_cert_record rec;
    ES_GUARD(es_from_code(eseal_instance_cert_read(c->inst, es_api_who(c), &rec, ref, org)));
    es_result r = es_api_reply(c, 200, es_api_cert_json(&rec, org));
    eseal_cert_record_dispose(&rec);
    return r;
}

/* ---- stamping --------------------------------------------------------------------------------- */

/* A query argument as a number (absent: `def`). */
static ES_RESULT arg_num(const es_api_call *c, const char *name, double lo, double hi, double def, double *out)
{
    const char *v = es_http_arg(c->rq, name);
    *out = def;
    if (v == NULL) {
        return ES_OK;
    }
    char *end = NULL;
    double d = strtod(v, &end);
    ES_ENSURE(v[0] != '\0' && end != NULL && *end == '\0' && d >= lo && d <= hi, ESEAL_EINVAL,
              "the query argument %s is not a number in [%g, %g]", name, lo, hi);
    *out = d;
    return ES_OK;
}

static void stamp_dir_remove(const char *dir, const char *in, const char *out)
{
    (void)unlink(in);
    (void)unlink(out);
    (void)rmdir(dir);
}

static ES_RESULT stamp(es_api_call *c)
{
    const char *seal = es_http_arg(c->rq, "seal");
    ES_ENSURE(seal != NULL && seal[0] != '\0', ESEAL_EINVAL, "which seal? (?seal=ESID)");
    /* The seal as the caller sees it (not found when it may not), by its esID from the registry:
     * the library is never handed a path from the request. */
    char org[ESEAL_OWNER_ORG_MAX + 1];
    eseal_seal_record rec;
    ES_GUARD(es_from_code(eseal_instance_seal_read(c->inst, es_api_who(c), &rec, NULL, seal, org)));
    char esid[128];
    (void)snprintf(esid, sizeof(esid), "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    double page = 0, x = 0, y = 0;
    ES_GUARD(arg_num(c, "page", 1, 100000, 0, &page));
    ES_ENSURE(page == (double)(int)page, ESEAL_EINVAL, "the query argument page is not a whole number");
    ES_GUARD(arg_num(c, "x", 0, 10000, 0, &x));
    ES_GUARD(arg_num(c, "y", 0, 10000, 0, &y));
    const char *lv = es_http_arg(c->rq, "level"), *qr = es_http_arg(c->rq, "qr");
    int level = ESEAL_LEVEL_B_B;
    if (lv != NULL) {
        ES_GUARD(es_from_code(eseal_level_from_name(&level, lv)));
        ES_ENSURE(level == ESEAL_LEVEL_B_B || level == ESEAL_LEVEL_B_T, ESEAL_EINVAL,
                  "level %s: the API stamps B-B or B-T (extend to B-LT/B-LTA afterwards)", lv);
    }
    ES_ENSURE(qr == NULL || strcmp(qr, "0") == 0 || strcmp(qr, "1") == 0, ESEAL_EINVAL, "qr is 0 or 1");
    eseal_file_kind kind;
    ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, c->rq->body.ptr, c->rq->body.len, "the body")));
    ES_ENSURE(kind == ESEAL_FILE_PDF || kind == ESEAL_FILE_OFD, ESEAL_EINVAL, "the body is not a PDF or OFD document");

    char dir[4200], in[4300], out[4300];
    ES_GUARD(es_api_temp_dir(c, dir, sizeof(dir)));
    bool ofd = kind == ESEAL_FILE_OFD;
    (void)snprintf(in, sizeof(in), "%s/in.%s", dir, ofd ? "ofd" : "pdf");
    (void)snprintf(out, sizeof(out), "%s/out.%s", dir, ofd ? "ofd" : "pdf");
    es_result r = es_file_write_new(in, c->rq->body.ptr, c->rq->body.len, 0600);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = es_api_who(c);
    q.seal_ref = esid;
    q.page = (int)page;
    q.x_mm = x;
    q.y_mm = y;
    q.level = level;
    q.qr = qr != NULL && strcmp(qr, "1") == 0;
    q.doc_type = es_http_arg(c->rq, "type"); /* declared; a grant may allow only some (docs/grants.md) */
    eseal_stamp_result res;
    memset(&res, 0, sizeof(res));
    if (es_ok(r)) {
        r = es_from_code(ofd ? eseal_instance_stamp_ofd(c->inst, &res, in, out, &q)
                             : eseal_instance_stamp_pdf(c->inst, &res, in, out, &q));
    }
    es_buf doc = ES_BUF_INIT(ES_HTTP_RESPONSE_MAX);
    if (es_ok(r)) {
        es_ops_count_stamp();
        r = es_file_read(&doc, out, doc.max);
    }
    stamp_dir_remove(dir, in, out);
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, ofd ? "application/ofd" : "application/pdf", doc.ptr, doc.len);
    }
    es_buf_free(&doc);
    ES_GUARD(r);
    return es_http_header_add(c->rs, "Eseal-Stamp-Serial", res.serial);
}

/* ---- the registry ----------------------------------------------------------------------------- */

/* The {esid} of a registry route and its ?at=TIME (0: now). */
static ES_RESULT registry_args(es_api_call *c, char esid[128], int64_t *at_ms)
{
    ES_GUARD(es_api_segment(c, esid, 128));
    const char *at = es_http_arg(c->rq, "at");
    *at_ms = 0;
    if (at != NULL) {
        ES_GUARD(es_time_parse_rfc3339(at, at_ms));
        ES_ENSURE(*at_ms > 0, ESEAL_EINVAL, "at: a time after 1970");
    }
    return ES_OK;
}

static ES_RESULT registry(es_api_call *c)
{
    char esid[128];
    int64_t at_ms = 0;
    ES_GUARD(registry_args(c, esid, &at_ms));
    /* Public, like the registry (GET /v/...): the status of a seal at a time, by its exact esID. */
    eseal_seal_record rec;
    ES_GUARD(es_from_code(eseal_instance_seal_get(c->inst, &rec, NULL, esid)));
    bool exact = strcmp(rec.esid, esid) == 0;
    json_t *hw = es_api_hardware_json(rec.hardware);
    eseal_seal_record_dispose(&rec);
    if (!exact) {
        json_decref(hw);
    }
    ES_ENSURE(exact, ESEAL_ENOTFOUND, "no seal '%.100s' (the registry answers for a whole esID)", esid);
    eseal_seal_status st;
    es_result r = es_from_code(eseal_instance_seal_status(c->inst, &st, esid, at_ms));
    if (!es_ok(r)) {
        json_decref(hw);
        return r;
    }
    /* with where its keys are held: the binding is part of the filed record (docs/seals.md) */
    return es_api_reply(c, 200,
                        json_pack("{s:s, s:o, s:s, s:o, s:I, s:o, s:o}", "esid", esid, "at", es_api_time(at_ms),
                                  "state", st.state, "since", es_api_time(st.since_ms), "seq", (json_int_t)st.seq,
                                  "reason", es_api_str_or_null(st.reason), "hardware", hw));
}

/* GET /registry/{esid}/answer[?at=TIME]: the same status signed by the registry key (issue 24, the
 * federated registry; docs/trust-lists.md): what a verifier on another platform asks, keeps and
 * staples. Public like the registry; an unknown or partial esID is answered "unknown", signed too. */
static ES_RESULT registry_answer(es_api_call *c)
{
    char esid[128];
    int64_t at_ms = 0;
    ES_GUARD(registry_args(c, esid, &at_ms));
    eseal_buf jws = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_instance_registry_answer(c->inst, &jws, esid, at_ms));
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, "application/jose", jws.ptr, jws.size);
    }
    eseal_buf_dispose(&jws);
    return r;
}

/* ---- the audit trail -------------------------------------------------------------------------- */

static int add_entry(uint64_t index, const eseal_audit_entry *e, const char *org, void *ctx)
{
    return json_array_append_new(ctx, entry_json(index, e, org)) == 0 ? 0 : ESEAL_ENOMEM;
}

/* A filter's text: at most `max` bytes of [A-Za-z0-9] and `extra` (an esID, a login, a type). */
static ES_RESULT audit_word(const char *name, const char *v, size_t max, const char *extra)
{
    size_t n = strlen(v);
    ES_ENSURE(n > 0 && n <= max, ESEAL_EINVAL, "%s: 1 to %zu characters", name, max);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  strchr(extra, ch) != NULL;
        ES_ENSURE(ok, ESEAL_EINVAL, "%s: character %zu is not one of [A-Za-z0-9%s]", name, i + 1, extra);
    }
    return ES_OK;
}

static ES_RESULT audit_time(const char *name, const char *v, int64_t *out)
{
    if (v == NULL) {
        return ES_OK;
    }
    es_result r = es_time_parse_rfc3339(v, out);
    ES_ENSURE(es_ok(r) && *out > 0, ESEAL_EINVAL, "%s: an ISO 8601 time after 1970 (2026-12-05T10:00:00Z)", name);
    return ES_OK;
}

/* GET /api/v1/audit: the entries the caller may read (eseal_instance_audit_query), filtered by seal,
 * user, since/until, type, in either order; `from` is today's name of the cursor (oldest first). */
static ES_RESULT audit(es_api_call *c)
{
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    uint64_t limit = 100, cursor = 0;
    const char *f = es_http_arg(c->rq, "from"), *l = es_http_arg(c->rq, "limit");
    const char *cur = es_http_arg(c->rq, "cursor"), *order = es_http_arg(c->rq, "order");
    ES_ENSURE(f == NULL || cur == NULL, ESEAL_EINVAL, "from and cursor: one of them (from is the older name)");
    if (f != NULL || cur != NULL) {
        ES_GUARD(es_parse_uint(f != NULL ? f : cur, UINT64_MAX / 2, &cursor));
    }
    if (l != NULL) {
        ES_GUARD(es_parse_uint(l, ES_API_AUDIT_PAGE_MAX, &limit));
        ES_ENSURE(limit > 0, ESEAL_EINVAL, "limit is 1..%d", ES_API_AUDIT_PAGE_MAX);
    }
    if (order != NULL) {
        ES_ENSURE(strcmp(order, "newest") == 0 || strcmp(order, "oldest") == 0, ESEAL_EINVAL,
                  "order: newest or oldest");
        ES_ENSURE(f == NULL || strcmp(order, "oldest") == 0, ESEAL_EINVAL, "from pages oldest first: use cursor");
        q.newest_first = strcmp(order, "newest") == 0;
    }
    q.seal = es_http_arg(c->rq, "seal");
    q.user = es_http_arg(c->rq, "user");
    q.type = es_http_arg(c->rq, "type");
    if (q.seal != NULL) {
        ES_GUARD(audit_word("seal", q.seal, 64, "-_."));
    }
    if (q.user != NULL) {
        ES_GUARD(audit_word("user", q.user, 128, "-_.@"));
    }
    if (q.type != NULL) {
        ES_GUARD(audit_word("type", q.type, 64, "-."));
    }
    ES_GUARD(audit_time("since", es_http_arg(c->rq, "since"), &q.since_ms));
    ES_GUARD(audit_time("until", es_http_arg(c->rq, "until"), &q.until_ms));
    ES_ENSURE(q.since_ms == 0 || q.until_ms == 0 || q.since_ms < q.until_ms, ESEAL_EINVAL, "since is not before until");
    q.limit = (size_t)limit;
    q.cursor = cursor;
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    uint64_t next = cursor;
    int more = 0;
    es_result r = es_from_code(eseal_instance_audit_query(c->inst, es_api_who(c), &q, add_entry, a, &next, &more));
    if (!es_ok(r)) {
        json_decref(a);
        return r;
    }
    return es_api_reply(c, 200,
                        json_pack("{s:o, s:I, s:b, s:s}", "entries", a, "next", (json_int_t)next, "more", more,
                                  "order", q.newest_first ? "newest" : "oldest"));
}

static ES_RESULT receipt(es_api_call *c)
{
    char serial[72];
    ES_GUARD(es_api_segment(c, serial, sizeof(serial)));
    eseal_buf b = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_instance_stamp_receipt_for(c->inst, es_api_who(c), &b, serial));
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, "text/plain; charset=utf-8", b.ptr, b.size);
    }
    eseal_buf_dispose(&b);
    return r;
}

/* ---- the log audit's status (issue 21 §2) ---------------------------------------------------- */

/* A second run within this long of the recorded one is refused (429 with it): the audit re-hashes
 * the whole log under the API's lock, and anyone with audit:read may ask. */
#define AUDIT_RUN_INTERVAL_MS 60000

static json_t *audit_record_json(const eseal_log_audit_record *rec)
{
    return json_pack("{s:b, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "ok", rec->ok, "time", es_api_time(rec->time_ms),
                     "entries", (json_int_t)rec->entries, "tile_hashes", (json_int_t)rec->tile_hashes, "checkpoints",
                     (json_int_t)rec->checkpoints, "time_tokens", (json_int_t)rec->time_tokens, "by",
                     es_api_str_or_null(rec->by), "problem", es_api_str_or_null(rec->problem));
}

/* The last recorded audit as JSON (null when none yet); *found says which. */
static ES_RESULT audit_last_json(es_api_call *c, json_t **out, eseal_log_audit_record *rec, bool *found)
{
    *found = false;
    int rc = eseal_log_audit_last(c->inst, es_api_who(c), rec);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        *out = json_null();
        return ES_OK;
    }
    ES_GUARD(es_from_code(rc));
    *found = true;
    *out = audit_record_json(rec);
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

static ES_RESULT audit_status(es_api_call *c)
{
    eseal_log_audit_record rec;
    bool found = false;
    json_t *last = NULL;
    ES_GUARD(audit_last_json(c, &last, &rec, &found));
    eseal_log *log = NULL;
    uint64_t size = 0, cp = 0;
    es_result r = es_from_code(eseal_instance_log(c->inst, &log));
    if (es_ok(r)) {
        r = es_from_code(eseal_log_size(log, &size, &cp));
    }
    if (!es_ok(r)) {
        json_decref(last);
        return r;
    }
    return es_api_reply(c, 200, json_pack("{s:o, s:I, s:I}", "last", last, "size", (json_int_t)size, "checkpoint",
                                          (json_int_t)cp));
}

static ES_RESULT audit_run(es_api_call *c)
{
    eseal_log_audit_record rec;
    bool found = false;
    json_t *last = NULL;
    ES_GUARD(audit_last_json(c, &last, &rec, &found));
    int64_t now = eseal_context_now(NULL);
    if (found && now - rec.time_ms < AUDIT_RUN_INTERVAL_MS && now >= rec.time_ms) {
        /* too soon: the recorded one, in a problem (Retry-After: the seconds left) */
        json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "type", "about:blank", "title", "Too Many Requests",
                              "status", 429, "code", "RATE_LIMITED", "detail",
                              "the log was audited less than 60 s ago: the recorded audit is in `last`", "last", last);
        ES_ENSURE_ALLOC(p);
        es_result r = es_api_json(c->rs, 429, p);
        json_decref(p);
        ES_GUARD(r);
        (void)snprintf(c->rs->content_type, sizeof(c->rs->content_type), ES_CT_PROBLEM);
        char secs[24];
        (void)snprintf(secs, sizeof(secs), "%lld", (long long)((AUDIT_RUN_INTERVAL_MS - (now - rec.time_ms)) / 1000 + 1));
        return es_http_header_add(c->rs, "Retry-After", secs);
    }
    json_decref(last);
    size_t told = 0;
    int rc = eseal_log_audit_run(c->inst, es_api_who(c), &rec, &told);
    if (rc == ESEAL_ESTATE) {
        /* recorded as failed (the store disagrees with the checkpoint kept outside it): say so */
        ES_GUARD(es_from_code(eseal_log_audit_last(c->inst, es_api_who(c), &rec)));
    } else {
        ES_GUARD(es_from_code(rc));
    }
    json_t *o = audit_record_json(&rec);
    ES_ENSURE_ALLOC(o);
    if (json_object_set_new(o, "alerted", json_integer((json_int_t)told)) != 0) {
        json_decref(o);
        ES_BAIL(ESEAL_ENOMEM, "api: building the audit's answer");
    }
    return es_api_reply(c, 200, o);
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST
#define J ES_CT_JSON

const es_api_route es_api_seals_routes[] = {
    {GET, "/seals", ES_API_USER, "seals:read", NULL, 0, seals_list, "GET /api/v1/seals"},
    {GET, "/seals/*", ES_API_USER, "seals:read", NULL, 0, seals_get, "GET /api/v1/seals/{esid}"},
    {POST, "/seals/*/suspend", ES_API_USER, "seals:write", J, 0, seals_suspend, "POST /api/v1/seals/{esid}/suspend"},
    {POST, "/seals/*/resume", ES_API_USER, "seals:write", J, 0, seals_resume, "POST /api/v1/seals/{esid}/resume"},
    {POST, "/seals/*/revoke", ES_API_USER, "seals:write", J, 0, seals_revoke, "POST /api/v1/seals/{esid}/revoke"},
    {GET, "/seals/*/imprint.png", ES_API_USER, "seals:read", NULL, 0, seals_png,
     "GET /api/v1/seals/{esid}/imprint.png"},
    {GET, "/seals/*/imprint.svg", ES_API_USER, "seals:read", NULL, 0, seals_svg,
     "GET /api/v1/seals/{esid}/imprint.svg"},
    {GET, "/seals/*/receipt", ES_API_USER, "seals:read", NULL, 0, seals_receipt, "GET /api/v1/seals/{esid}/receipt"},
    {GET, "/certs", ES_API_USER, "seals:read", NULL, 0, certs_list, "GET /api/v1/certs"},
    {GET, "/certs/*", ES_API_USER, "seals:read", NULL, 0, certs_get, "GET /api/v1/certs/{id}"},
    {POST, "/stamp", ES_API_USER, "stamp", NULL, ES_API_STAMP_MAX, stamp, "POST /api/v1/stamp"},
    {GET, "/registry/*", ES_API_PUBLIC, NULL, NULL, 0, registry, "GET /api/v1/registry/{esid}"},
    {GET, "/registry/*/answer", ES_API_PUBLIC, NULL, NULL, 0, registry_answer, "GET /api/v1/registry/{esid}/answer"},
    {GET, "/audit", ES_API_USER, "audit:read", NULL, 0, audit, "GET /api/v1/audit"},
    {GET, "/audit/receipts/*", ES_API_USER, "audit:read", NULL, 0, receipt, "GET /api/v1/audit/receipts/{serial}"},
    {GET, "/audit/status", ES_API_USER, "audit:read", NULL, 0, audit_status, "GET /api/v1/audit/status"},
    {POST, "/audit/run", ES_API_USER, "audit:read", NULL, 0, audit_run, "POST /api/v1/audit/run"},
};
const size_t es_api_seals_route_count = sizeof(es_api_seals_routes) / sizeof(es_api_seals_routes[0]);
