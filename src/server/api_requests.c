/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stamp requests' routes of the API (api.h; docs/openapi.yaml, docs/http-api.md,
 * docs/requests.md): a stamper submits documents for stamping under a grant, its approvers decide,
 * the stamper executes (issue 20 §2), over eseal/governance.h.
 *
 *   POST /api/v1/requests                     multipart/form-data: seal, type, purpose, page, at, level,
 *                                             qr, cross_page, one or more `file` → 201 the request
 *   GET  /api/v1/requests[?status=S][&mine=1] the requests the caller may see, newest first
 *   GET  /api/v1/requests/{id}                one, with its documents and decisions
 *   GET  /api/v1/requests/{id}/documents/{n}  document n stamped (404 before), ?original=1 as submitted
 *   POST /api/v1/requests/{id}/approve        {comment} → 200 the request
 *   POST /api/v1/requests/{id}/reject         {comment} → 200 the request
 *   POST /api/v1/requests/{id}/execute        → 200 {stamps, done, total, status}
 *   GET  /api/v1/approvals                    the caller's inbox, oldest first
 *   POST /api/v1/approvals                    {requests, decision, comment}: one decision on several
 *
 * Scopes: `stamp` for what uses a seal (submit, decide, execute), `seals:read` to read. The library
 * decides who may (its members see a request, the step's approvers decide, the requester executes);
 * what the caller may not see is 404 like what does not exist, and a refusal is 403 with its reason
 * as the problem's `code` (SELF_APPROVAL, APPROVAL_REJECTED, QUOTA_EXHAUSTED...).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "eseal/device.h"
#include "eseal/governance.h"
#include "ops.h"

/* A document's path in the request's temporary directory: the directory and "/NNNN.pdf". */
#define DOC_PATH_EXTRA 16
/* Bytes copied at a time from the form's spool file into a document's file. */
#define COPY_CHUNK (64u << 10)
/* The longest `at` field ("X,Y" in mm) and the other small fields of the form (page, level, 0/1). */
#define FIELD_SHORT_MAX 64

/* ---- JSON of the records ---------------------------------------------------------------------- */

/* The URL of document `index` of request `id` (relative to the server: the client knows its host). */
static json_t *doc_url(const char *id, int64_t index, bool original)
{
    char url[128];
    (void)snprintf(url, sizeof(url), ES_API_PREFIX "/requests/%s/documents/%lld%s", id, (long long)index,
                   original ? "?original=1" : "");
    return json_string(url);
}

static json_t *request_json(const eseal_request *r)
{
    json_t *at = r->xy_exact ? json_pack("[f, f]", r->x_mm, r->y_mm) : json_null();
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:o, s:b, s:s, s:b, s:s, s:i, s:I, s:I, s:o, s:o}",
                     "id", r->id, "organisation", r->org_id, "seal", r->seal, "requester", r->requester, "grant",
                     r->grant, "approval", es_api_str_or_null(r->approval), "type", es_api_str_or_null(r->doc_type),
                     "purpose", es_api_str_or_null(r->purpose), "page", r->page, "at", at, "cross_page",
                     r->cross_page != 0, "level", eseal_level_name(r->level), "qr", r->qr != 0, "status",
                     eseal_request_status_name(r->status), "step", (int)r->step, "total", (json_int_t)r->docs, "done",
                     (json_int_t)r->done, "created", es_api_time(r->created_ms), "updated", es_api_time(r->updated_ms));
}

static json_t *doc_json(const eseal_request_doc *d)
{
    bool stamped = d->serial[0] != '\0';
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "index", (json_int_t)d->index, "name", d->name,
                     "format", d->format, "sha256", d->sha256, "size", (json_int_t)d->size, "stamped",
                     es_api_str_or_null(d->serial), "document",
                     stamped ? doc_url(d->request_id, d->index, false) : json_null(), "original",
                     doc_url(d->request_id, d->index, true));
}

static json_t *decision_json(const eseal_decision *d)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:s, s:s, s:o}", "id", d->id, "request", d->request_id, "step",
                     (int)d->step, "approver", d->approver, "decision", d->approve ? "approve" : "reject", "comment",
                     es_api_str_or_null(d->comment), "comment_sha256", d->comment_sha256, "documents_sha256",
                     d->docs_sha256, "time", es_api_time(d->at_ms));
}

/* An impression of a physical seal under the request (issue 23 §4; docs/devices.md). */
static int add_impression(const eseal_impression *m, void *ctx)
{
    json_t *v = json_pack("{s:s, s:s, s:I, s:o, s:s, s:s, s:s, s:s, s:o, s:I}", "device", m->device_id, "unlock",
                          m->unlock_id, "seq", (json_int_t)m->seq, "time", es_api_time(m->time_ms), "lat", m->lat,
                          "lon", m->lon, "photo_sha256", m->photo_sha256, "operator", m->operator_id, "received",
                          es_api_time(m->received_ms), "log_index", (json_int_t)m->log_index);
    return json_array_append_new(ctx, v) == 0 ? 0 : ESEAL_ENOMEM;
}

static int add_request(const eseal_request *r, void *ctx)
{
    return json_array_append_new(ctx, request_json(r)) == 0 ? 0 : ESEAL_ENOMEM;
}

static int add_doc(const eseal_request_doc *d, void *ctx)
{
    return json_array_append_new(ctx, doc_json(d)) == 0 ? 0 : ESEAL_ENOMEM;
}

static int add_decision(const eseal_decision *d, void *ctx)
{
    return json_array_append_new(ctx, decision_json(d)) == 0 ? 0 : ESEAL_ENOMEM;
}

/* The request `id` as the caller sees it, with its documents and decisions (a new reference). */
static ES_RESULT request_full(es_api_call *c, const char *id, json_t **out)
{
    *out = NULL;
    eseal_request r;
    ES_GUARD(es_from_code(eseal_request_find(c->inst, es_api_who(c), &r, id)));
    json_t *o = request_json(&r), *docs = json_array(), *decisions = json_array(), *imps = json_array();
    es_result res = o != NULL && docs != NULL && decisions != NULL && imps != NULL
                        ? ES_OK
                        : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "api: a request");
    if (es_ok(res)) {
        res = es_from_code(eseal_request_docs(c->inst, es_api_who(c), r.id, add_doc, docs));
    }
    if (es_ok(res)) {
        res = es_from_code(eseal_request_decisions(c->inst, es_api_who(c), r.id, add_decision, decisions));
    }
    if (es_ok(res)) {
        res = es_from_code(eseal_device_impressions(c->inst, es_api_who(c), r.id, add_impression, imps));
    }
    if (es_ok(res) && (json_object_set(o, "documents", docs) != 0 || json_object_set(o, "decisions", decisions) != 0 ||
                       json_object_set(o, "impressions", imps) != 0)) {
        res = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "api: a request");
    }
    json_decref(docs);
    json_decref(decisions);
    json_decref(imps);
    if (!es_ok(res)) {
        json_decref(o);
        return res;
    }
    *out = o;
    return ES_OK;
}

/* ---- submitting ------------------------------------------------------------------------------- */

/* The form's fields as C strings ("" when absent). */
typedef struct {
    char seal[128];
    char type[ESEAL_DOC_TYPE_MAX + 1];
    char purpose[ESEAL_REQUEST_PURPOSE_MAX + 1];
    char page[FIELD_SHORT_MAX];
    char at[FIELD_SHORT_MAX];
    char level[FIELD_SHORT_MAX];
    char qr[FIELD_SHORT_MAX];
    char cross_page[FIELD_SHORT_MAX];
} form_fields;

/* Field `p` into its slot of `f`: a known name, once, within its bound, without a NUL. */
static ES_RESULT field_of(const es_http_part *p, form_fields *f, unsigned int *seen)
{
    static const char *const names[] = {"seal", "type", "purpose", "page", "at", "level", "qr", "cross_page"};
    char *const slots[] = {f->seal, f->type, f->purpose, f->page, f->at, f->level, f->qr, f->cross_page};
    const size_t caps[] = {sizeof(f->seal),  sizeof(f->type),  sizeof(f->purpose), sizeof(f->page),
                           sizeof(f->at),    sizeof(f->level), sizeof(f->qr),      sizeof(f->cross_page)};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(p->name, names[i]) != 0) {
            continue;
        }
        ES_ENSURE((*seen & (1u << i)) == 0, ESEAL_EMALFORMED, "the field \"%s\" is given twice", names[i]);
        *seen |= 1u << i;
        ES_ENSURE(p->value.len < caps[i], ESEAL_EINVAL, "the field \"%s\" is longer than %zu bytes", names[i],
                  caps[i] - 1);
        ES_ENSURE(p->value.len == 0 || memchr(p->value.ptr, 0, p->value.len) == NULL, ESEAL_EMALFORMED,
                  "the field \"%s\" holds a NUL", names[i]);
        if (p->value.len > 0) {
            memcpy(slots[i], p->value.ptr, p->value.len);
        }
        slots[i][p->value.len] = '\0';
        return ES_OK;
    }
    ES_BAIL(ESEAL_EMALFORMED, "unknown field \"%.40s\" (a document is a part named \"file\")", p->name);
}

/* "0" or "1" ("" : 0). */
static ES_RESULT flag_of(const char *v, const char *name, int *out)
{
    ES_ENSURE(v[0] == '\0' || strcmp(v, "0") == 0 || strcmp(v, "1") == 0, ESEAL_EINVAL, "%s is 0 or 1", name);
    *out = strcmp(v, "1") == 0;
    return ES_OK;
}

/* A decimal number of millimetres in [0, 10000] from s[0, n). */
static ES_RESULT mm_of(const char *s, size_t n, double *out)
{
    char t[FIELD_SHORT_MAX];
    ES_ENSURE(n > 0 && n < sizeof(t), ESEAL_EINVAL, "at is \"X,Y\" in millimetres");
    memcpy(t, s, n);
    t[n] = '\0';
    char *end = NULL;
    double d = strtod(t, &end);
    ES_ENSURE(end != NULL && *end == '\0' && t[0] != ' ' && d >= 0 && d <= 10000, ESEAL_EINVAL,
              "at is \"X,Y\" in millimetres, each in [0, 10000]");
    *out = d;
    return ES_OK;
}

/* The placement fields into the submit options. */
static ES_RESULT placement_of(const form_fields *f, eseal_request_submit_options *o)
{
    if (f->page[0] != '\0') {
        uint64_t page = 0;
        ES_GUARD(es_parse_uint(f->page, 100000, &page));
        ES_ENSURE(page >= 1, ESEAL_EINVAL, "page is a whole number in [1, 100000]");
        o->page = (int)page;
    }
    if (f->at[0] != '\0') {
        const char *comma = strchr(f->at, ',');
        ES_ENSURE(comma != NULL, ESEAL_EINVAL, "at is \"X,Y\" in millimetres");
        ES_GUARD(mm_of(f->at, (size_t)(comma - f->at), &o->x_mm));
        ES_GUARD(mm_of(comma + 1, strlen(comma + 1), &o->y_mm));
        o->xy_exact = 1; /* an explicit place: 0 is the page's edge, not the default */
    }
    o->level = ESEAL_LEVEL_B_B;
    if (f->level[0] != '\0') {
        ES_GUARD(es_from_code(eseal_level_from_name(&o->level, f->level)));
        ES_ENSURE(o->level == ESEAL_LEVEL_B_B || o->level == ESEAL_LEVEL_B_T, ESEAL_EINVAL,
                  "level %s: the API stamps B-B or B-T (extend to B-LT/B-LTA afterwards)", f->level);
    }
    ES_GUARD(flag_of(f->qr, "qr", &o->qr));
    ES_GUARD(flag_of(f->cross_page, "cross_page", &o->cross_page));
    return ES_OK;
}

ES_RESULT es_api_copy_part(int fd, uint64_t off, uint64_t len, const char *path)
{
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    ES_ENSURE(out >= 0, ESEAL_EIO, "api: cannot create a document's file: %s", strerror(errno));
    char *buf = es_calloc(1, COPY_CHUNK);
    es_result r = buf != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "api: copying a document");
    for (uint64_t done = 0; es_ok(r) && done < len;) {
        size_t want = len - done < COPY_CHUNK ? (size_t)(len - done) : COPY_CHUNK;
        ssize_t k = pread(fd, buf, want, (off_t)(off + done));
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "api: the upload cannot be read back");
            break;
        }
        for (ssize_t w = 0; es_ok(r) && w < k;) {
            ssize_t n = write(out, buf + w, (size_t)(k - w));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            r = n > 0 ? ES_OK : es_error_set(ESEAL_EIO, __FILE__, __LINE__, "api: cannot write a document's file");
            w += n > 0 ? n : 0;
        }
        done += (uint64_t)k;
    }
    es_free(buf);
    if (close(out) != 0 && es_ok(r)) {
        r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "api: cannot write a document's file");
    }
    return r;
}

/* A document's name: the part's file name without any folder a client put before it. */
static ES_RESULT doc_name_of(const es_http_part *p, size_t i, const char **out)
{
    const char *n = p->filename;
    for (const char *q = p->filename; *q != '\0'; q++) {
        n = *q == '/' || *q == '\\' ? q + 1 : n;
    }
    ES_ENSURE(n[0] != '\0', ESEAL_EINVAL, "document %zu has no file name (the part's filename)", i + 1);
    ES_ENSURE(strlen(n) <= ESEAL_REQUEST_DOC_NAME_MAX, ESEAL_EINVAL, "document %zu's name is longer than %d bytes",
              i + 1, ESEAL_REQUEST_DOC_NAME_MAX);
    *out = n;
    return ES_OK;
}

/* What one submission holds while it is built: the documents' files, their names, their paths. */
typedef struct {
    char dir[4200];
    size_t stride; /* the bytes of one path in `paths_text` */
    char *paths_text;
    const char **paths;
    const char **names;
    size_t n;      /* documents written so far */
} submission;

static void submission_free(submission *s)
{
    for (size_t i = 0; i < s->n; i++) {
        (void)unlink(s->paths[i]);
    }
    if (s->dir[0] != '\0') {
        (void)rmdir(s->dir);
    }
    es_free(s->paths_text);
    es_free(s->paths);
    es_free(s->names);
}

/* The form's files into the submission's temporary directory. */
static ES_RESULT documents_of(const es_api_call *c, const es_http_form *f, size_t files, submission *s)
{
    ES_GUARD(es_api_temp_dir(c, s->dir, sizeof(s->dir)));
    s->stride = strlen(s->dir) + DOC_PATH_EXTRA;
    s->paths_text = es_calloc(files, s->stride);
    s->paths = es_calloc(files, sizeof(*s->paths));
    s->names = es_calloc(files, sizeof(*s->names));
    ES_ENSURE(s->paths_text != NULL && s->paths != NULL && s->names != NULL, ESEAL_ENOMEM, "api: a request's files");
    for (size_t i = 0; i < f->n; i++) {
        const es_http_part *p = &f->parts[i];
        if (!p->is_file) {
            continue;
        }
        size_t k = s->n;
        ES_GUARD(doc_name_of(p, k, &s->names[k]));
        char head[8] = {0};
        size_t hn = p->len < sizeof(head) ? (size_t)p->len : sizeof(head);
        ES_ENSURE(pread(f->fd, head, hn, (off_t)p->off) == (ssize_t)hn, ESEAL_EIO, "api: the upload cannot be read");
        eseal_file_kind kind;
        ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, head, hn, s->names[k])));
        ES_ENSURE(kind == ESEAL_FILE_PDF || kind == ESEAL_FILE_OFD, ESEAL_EINVAL, "%s is not a PDF or OFD document",
                  s->names[k]);
        char *path = s->paths_text + k * s->stride;
        (void)snprintf(path, s->stride, "%s/%04zu.%s", s->dir, k, kind == ESEAL_FILE_OFD ? "ofd" : "pdf");
        s->paths[k] = path;
        s->n++; /* removed by submission_free from here on, written or not */
        ES_GUARD(es_api_copy_part(f->fd, p->off, p->len, path));
    }
    return ES_OK;
}

static ES_RESULT requests_submit(es_api_call *c)
{
    const es_http_form *f = c->rq->form;
    ES_ENSURE(f != NULL, ESEAL_EUNSUPPORTED, "the body must be multipart/form-data");
    form_fields fields;
    memset(&fields, 0, sizeof(fields));
    unsigned int seen = 0;
    size_t files = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->parts[i].is_file) {
            ES_ENSURE(strcmp(f->parts[i].name, "file") == 0, ESEAL_EMALFORMED,
                      "a document is a part named \"file\", not \"%.40s\"", f->parts[i].name);
            files++;
        } else {
            ES_GUARD(field_of(&f->parts[i], &fields, &seen));
        }
    }
    ES_ENSURE(fields.seal[0] != '\0', ESEAL_EINVAL, "which seal? (the field \"seal\")");
    ES_ENSURE(files >= 1, ESEAL_EINVAL, "no document (one or more parts named \"file\")");
    ES_ENSURE(files <= ESEAL_REQUEST_DOCS_MAX, ESEAL_ELIMIT, "%zu documents: a request holds at most %d", files,
              ESEAL_REQUEST_DOCS_MAX);
    eseal_request_submit_options o;
    ES_GUARD(es_from_code(eseal_request_submit_options_init(&o, ESEAL_REQUEST_SUBMIT_OPTIONS_VERSION)));
    ES_GUARD(placement_of(&fields, &o));
    o.seal = fields.seal;
    o.doc_type = fields.type[0] != '\0' ? fields.type : NULL;
    o.purpose = fields.purpose[0] != '\0' ? fields.purpose : NULL;

    submission s;
    memset(&s, 0, sizeof(s));
    es_result r = documents_of(c, f, files, &s);
    eseal_request out;
    if (es_ok(r)) {
        o.paths = s.paths;
        o.names = s.names;
        o.n_docs = s.n;
        r = es_from_code(eseal_request_submit(c->inst, es_api_who(c), &o, &out));
    }
    submission_free(&s); /* the library copied the documents into the home */
    ES_GUARD(r);
    json_t *v = NULL;
    ES_GUARD(request_full(c, out.id, &v));
    return es_api_reply(c, 201, v);
}

/* ---- reading ---------------------------------------------------------------------------------- */

static ES_RESULT status_arg(const es_api_call *c, eseal_request_status *out)
{
    static const eseal_request_status all[] = {ESEAL_REQUEST_PENDING, ESEAL_REQUEST_APPROVED, ESEAL_REQUEST_REJECTED,
                                               ESEAL_REQUEST_EXECUTED};
    const char *s = es_http_arg(c->rq, "status");
    *out = 0;
    if (s == NULL) {
        return ES_OK;
    }
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, eseal_request_status_name(all[i])) == 0) {
            *out = all[i];
            return ES_OK;
        }
    }
    ES_BAIL(ESEAL_EINVAL, "status is pending, approved, rejected or executed, not \"%.40s\"", s);
}

static ES_RESULT requests_list(es_api_call *c)
{
    eseal_request_status st;
    ES_GUARD(status_arg(c, &st));
    const char *mine = es_http_arg(c->rq, "mine");
    ES_ENSURE(mine == NULL || strcmp(mine, "0") == 0 || strcmp(mine, "1") == 0, ESEAL_EINVAL, "mine is 0 or 1");
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    int m = mine != NULL && strcmp(mine, "1") == 0;
    return es_api_reply_list(c, eseal_request_list(c->inst, es_api_who(c), st, m, add_request, a), a);
}

static ES_RESULT requests_get(es_api_call *c)
{
    char id[ESEAL_REQUEST_ID_LEN + 8];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    json_t *v = NULL;
    ES_GUARD(request_full(c, id, &v));
    return es_api_reply(c, 200, v);
}

typedef struct {
    int64_t index;
    eseal_request_doc doc;
    bool found;
} doc_pick;

static int pick_doc(const eseal_request_doc *d, void *ctx)
{
    doc_pick *p = ctx;
    if (d->index == p->index) {
        p->doc = *d;
        p->found = true;
    }
    return 0;
}

/* GET /requests/{id}/documents/{n}: the route is the prefix /requests/ (a pattern has one `*`). */
static ES_RESULT requests_document(es_api_call *c)
{
    char rest[ESEAL_REQUEST_ID_LEN + 40];
    ES_GUARD(es_api_segment(c, rest, sizeof(rest)));
    char *slash = strchr(rest, '/');
    static const char mid[] = "/documents/";
    ES_ENSURE(slash != NULL && strncmp(slash, mid, sizeof(mid) - 1) == 0, ESEAL_ENOTFOUND, "not found");
    *slash = '\0';
    uint64_t n = 0;
    ES_ENSURE(es_ok(es_parse_uint(slash + sizeof(mid) - 1, ESEAL_REQUEST_DOCS_MAX, &n)), ESEAL_ENOTFOUND,
              "no such document (documents are numbered from 0)");
    const char *orig = es_http_arg(c->rq, "original");
    ES_ENSURE(orig == NULL || strcmp(orig, "0") == 0 || strcmp(orig, "1") == 0, ESEAL_EINVAL, "original is 0 or 1");
    bool original = orig != NULL && strcmp(orig, "1") == 0;
    eseal_request r;
    ES_GUARD(es_from_code(eseal_request_find(c->inst, es_api_who(c), &r, rest)));
    doc_pick p = {.index = (int64_t)n};
    ES_GUARD(es_from_code(eseal_request_docs(c->inst, es_api_who(c), r.id, pick_doc, &p)));
    ES_ENSURE(p.found, ESEAL_ENOTFOUND, "request %s has no document %llu", r.id, (unsigned long long)n);
    ES_ENSURE(original || p.doc.serial[0] != '\0', ESEAL_ENOTFOUND,
              "document %llu of %s is not stamped yet (?original=1: as submitted)", (unsigned long long)n, r.id);
    char path[4096];
    ES_GUARD(es_from_code(eseal_request_doc_path(c->inst, es_api_who(c), r.id, p.doc.index, original ? 0 : 1, path,
                                                 sizeof(path))));
    es_buf doc = ES_BUF_INIT(ES_HTTP_RESPONSE_MAX);
    es_result res = es_file_read(&doc, path, doc.max);
    if (es_ok(res)) {
        res = es_api_reply_bytes(c, strcmp(p.doc.format, "ofd") == 0 ? "application/ofd" : "application/pdf",
                                 doc.ptr, doc.len);
    }
    es_buf_free(&doc);
    return res;
}

static ES_RESULT approvals_inbox(es_api_call *c)
{
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    return es_api_reply_list(c, eseal_request_inbox(c->inst, es_api_who(c), add_request, a), a);
}

/* ---- deciding --------------------------------------------------------------------------------- */

/* The optional `comment` of a decision's body (an empty body: none); *b is json_decref'd by the caller. */
static ES_RESULT comment_of(const es_api_call *c, const char *const *known, json_t **b, const char **comment)
{
    *b = NULL;
    *comment = NULL;
    if (c->rq->body.len == 0) {
        return ES_OK;
    }
    ES_GUARD(es_api_body(c, known, b));
    return es_api_str(*b, "comment", false, comment);
}

static ES_RESULT decide_one(es_api_call *c, int approve)
{
    static const char *const known[] = {"comment", NULL};
    char id[ESEAL_REQUEST_ID_LEN + 8];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    json_t *b = NULL;
    const char *comment = NULL;
    es_result r = comment_of(c, known, &b, &comment);
    if (es_ok(r)) {
        const char *ids[1] = {id};
        r = es_from_code(eseal_request_decide(c->inst, es_api_who(c), ids, 1, approve, comment, NULL));
    }
    json_decref(b);
    ES_GUARD(r);
    json_t *v = NULL;
    ES_GUARD(request_full(c, id, &v));
    return es_api_reply(c, 200, v);
}

static ES_RESULT requests_approve(es_api_call *c) { return decide_one(c, 1); }
static ES_RESULT requests_reject(es_api_call *c) { return decide_one(c, 0); }

/* POST /approvals: {"requests": [ids], "decision": "approve"|"reject", "comment": …}, all or none. */
static ES_RESULT approvals_batch(es_api_call *c)
{
    static const char *const known[] = {"requests", "decision", "comment", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *decision = NULL, *comment = NULL;
    const char **ids = NULL;
    eseal_decision *decided = NULL;
    json_t *list = json_object_get(b, "requests");
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    es_result r = es_api_str(b, "decision", true, &decision);
    if (es_ok(r)) {
        r = es_api_str(b, "comment", false, &comment);
    }
    if (es_ok(r) && strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "decision is \"approve\" or \"reject\"");
    }
    if (es_ok(r) && (n == 0 || n > ESEAL_REQUEST_BATCH_MAX)) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "requests is an array of 1 to %d request ids",
                         ESEAL_REQUEST_BATCH_MAX);
    }
    if (es_ok(r)) {
        ids = es_calloc(n, sizeof(*ids));
        decided = es_calloc(n, sizeof(*decided));
        r = ids != NULL && decided != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "api: a batch");
    }
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        json_t *e = json_array_get(list, i);
        ids[i] = json_string_value(e);
        if (!json_is_string(e) || strlen(ids[i]) != json_string_length(e) || ids[i][0] == '\0') {
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "requests is an array of request ids");
        }
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_request_decide(c->inst, es_api_who(c), ids, n, strcmp(decision, "approve") == 0,
                                              comment, decided));
    }
    json_t *a = es_ok(r) ? json_array() : NULL;
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        if (a == NULL || json_array_append_new(a, decision_json(&decided[i])) != 0) {
            r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "api: a batch's answer");
        }
    }
    es_free(ids);
    es_free(decided);
    json_decref(b);
    if (!es_ok(r)) {
        json_decref(a);
        return r;
    }
    return es_api_reply(c, 200, json_pack("{s:o}", "decisions", a));
}

/* ---- executing -------------------------------------------------------------------------------- */

static int add_stamp(const eseal_request_doc *d, void *ctx)
{
    if (d->serial[0] == '\0') {
        return 0;
    }
    json_t *s = json_pack("{s:I, s:s, s:s, s:o}", "index", (json_int_t)d->index, "name", d->name, "serial", d->serial,
                          "document", doc_url(d->request_id, d->index, false));
    return json_array_append_new(ctx, s) == 0 ? 0 : ESEAL_ENOMEM;
}

static void count_stamp(void *ctx, const eseal_request_doc *d, int64_t done, int64_t total)
{
    (void)ctx;
    (void)d;
    (void)done;
    (void)total;
    es_ops_count_stamp(); /* the metrics count each stamp as POST /stamp's do */
}

static ES_RESULT requests_execute(es_api_call *c)
{
    char id[ESEAL_REQUEST_ID_LEN + 8];
    ES_GUARD(es_api_segment(c, id, sizeof(id)));
    eseal_request r;
    ES_GUARD(es_from_code(eseal_request_execute(c->inst, es_api_who(c), id, count_stamp, NULL, &r)));
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    es_result res = es_from_code(eseal_request_docs(c->inst, es_api_who(c), r.id, add_stamp, a));
    if (!es_ok(res)) {
        json_decref(a);
        return res;
    }
    return es_api_reply(c, 200,
                        json_pack("{s:s, s:o, s:I, s:I, s:s}", "id", r.id, "stamps", a, "done", (json_int_t)r.done,
                                  "total", (json_int_t)r.docs, "status", eseal_request_status_name(r.status)));
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST
#define J ES_CT_JSON

/* POST /requests is spooled: its form's files go to one unnamed file under HOME/tmp as they arrive
 * (src/http), capped at the API's max_upload (`eseal serve --max-upload`, 100 MB by default) for
 * the whole batch; each document is then judged by the library as a stamp's input is. */
const es_api_route es_api_requests_routes[] = {
    {POST | ES_ROUTE_SPOOL, "/requests", ES_API_USER_POOLED, "stamp", "multipart/form-data", 0, requests_submit,
     "POST /api/v1/requests"},
    {GET, "/requests", ES_API_USER_POOLED, "seals:read", NULL, 0, requests_list, "GET /api/v1/requests"},
    {GET, "/requests/*", ES_API_USER_POOLED, "seals:read", NULL, 0, requests_get, "GET /api/v1/requests/{id}"},
    {GET, "/requests/", ES_API_USER, "seals:read", NULL, 0, requests_document,
     "GET /api/v1/requests/{id}/documents/{n}"},
    {POST, "/requests/*/approve", ES_API_USER, "stamp", NULL, 0, requests_approve,
     "POST /api/v1/requests/{id}/approve"},
    {POST, "/requests/*/reject", ES_API_USER, "stamp", NULL, 0, requests_reject, "POST /api/v1/requests/{id}/reject"},
    {POST, "/requests/*/execute", ES_API_USER_POOLED, "stamp", NULL, 0, requests_execute,
     "POST /api/v1/requests/{id}/execute"},
    {GET, "/approvals", ES_API_USER, "seals:read", NULL, 0, approvals_inbox, "GET /api/v1/approvals"},
    {POST, "/approvals", ES_API_USER, "stamp", J, 0, approvals_batch, "POST /api/v1/approvals"},
};
const size_t es_api_requests_route_count = sizeof(es_api_requests_routes) / sizeof(es_api_requests_routes[0]);
