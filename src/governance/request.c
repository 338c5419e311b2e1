/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stamp requests and their approvals (eseal/governance.h, issue 20 §2, docs/requests.md).
 *
 * A user submits documents to be stamped with a seal: the grant decision is taken for each as for a
 * stamp (grant_gate.c), but an approval policy is what the request then waits for, not a refusal.
 * The documents are copied into the home (HOME/requests/<id>/<index>.<pdf|ofd>), each one's SHA-256
 * recorded; approvers decide step by step (k of n each, never the requester, once each per request),
 * every decision and every change of status one transaction with its audit entry; execution stamps
 * the kept copies through the service's stamp with the request's id, which checks each document's
 * bytes against the approved SHA-256 and marks it stamped in the transaction of its stamp entry.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "governance.h"
#include "service/grant_gate.h"

/* The largest document a request takes (it is copied into the home). */
#define ES_REQUEST_DOC_BYTES_MAX ((size_t)256 << 20)
/* An audit entry's detail about a request (ESEAL_AUDIT_MAX_FIELD). */
#define DETAIL_MAX 1000
/* A path in the home: the home's own (at most PATH_MAX) and "requests/<id>/<index>.stamped.<format>". */
#define ES_REQUEST_PATH_MAX 4200
/* What a decision's digest covers: the documents' SHA-256s, 32 bytes each. */
#define ES_REQUEST_DIGEST_INPUT_MAX (32 * ESEAL_REQUEST_DOCS_MAX)

const char *eseal_request_status_name(eseal_request_status s)
{
    switch (s) {
    case ESEAL_REQUEST_PENDING:
        return "pending";
    case ESEAL_REQUEST_APPROVED:
        return "approved";
    case ESEAL_REQUEST_REJECTED:
        return "rejected";
    case ESEAL_REQUEST_EXECUTED:
        return "executed";
    }
    return "?";
}

/* HOME/requests/<id>[/<index>[.stamped].<format>] into `out`. */
static ES_RESULT doc_file(char *out, size_t cap, eseal_instance *inst, const char *id, int64_t index,
                          const char *format, bool stamped)
{
    char rel[128];
    if (index < 0) {
        (void)snprintf(rel, sizeof(rel), "requests/%s", id);
    } else {
        (void)snprintf(rel, sizeof(rel), "requests/%s/%04lld%s.%s", id, (long long)index, stamped ? ".stamped" : "",
                       format);
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_REQUEST_PATH_MAX);
    ES_GUARD(es_home_path(&b, inst, rel));
    ES_ENSURE(b.len < cap, ESEAL_ELIMIT, "request: the home's path is too long");
    memcpy(out, b.ptr, b.len);
    out[b.len] = '\0';
    return ES_OK;
}

/* A line of text of at most `max` bytes without control characters (NULL and "" are none). */
static ES_RESULT text_check(const char *s, size_t max, const char *what)
{
    if (s == NULL) {
        return ES_OK;
    }
    size_t n = strnlen(s, max + 1);
    ES_ENSURE(n <= max, ESEAL_EINVAL, "request: %s longer than %zu bytes", what, max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        ES_ENSURE(c >= 0x20 && c != 0x7f, ESEAL_EINVAL, "request: %s has a control character", what);
    }
    return ES_OK;
}

static ES_RESULT sha256_hex(char out[65], es_span data)
{
    uint8_t md[64];
    size_t mdlen = 0;
    ES_GUARD(es_digest(md, &mdlen, ESEAL_HASH_SHA256, data));
    es_hex_lower(out, md, 32);
    return ES_OK;
}

/* The request `id` if `who` may see it (the same words whether it exists or not). */
static ES_RESULT visible(eseal_instance *inst, const eseal_principal *who, eseal_request *out, const char *id)
{
    ES_ENSURE(id != NULL && id[0] != '\0', ESEAL_EINVAL, "which request?");
    int rc = eseal_store_request_get(inst->store, out, id);
    if (rc == ESEAL_OK && !es_acc_sees_org(who, out->org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no request '%.40s'", id);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    es_acting by;
    es_object obj = {"request", out->id, out->org_id, out->requester};
    return es_act_on(&by, who, ES_ACT_REQUEST_READ, &obj);
}

/* The event of a request's change (`type`: stamp.request.*), queued in the change's transaction. */
static ES_RESULT request_event(eseal_instance *inst, const eseal_request *r, const char *type)
{
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "request", r->id, "seal", r->seal,
                             "requester", r->requester, "type", r->doc_type, "status",
                             eseal_request_status_name(r->status), "documents", (json_int_t)r->docs, "done",
                             (json_int_t)r->done, "approval", r->approval);
    ES_ENSURE_ALLOC(data);
    es_result res = es_webhook_emit(inst, r->org_id, type, data);
    json_decref(data);
    return res;
}

/* ---- submission ------------------------------------------------------------------------------- */

/* One document read (mapped where the filesystem allows). */
typedef struct {
    eseal_mapped_file m;
    eseal_buf read;
    es_span bytes;
} doc_in;

static ES_RESULT doc_open(doc_in *d, const char *path)
{
    memset(d, 0, sizeof(*d));
    int rc = eseal_file_map(&d->m, path, ES_REQUEST_DOC_BYTES_MAX);
    if (rc == ESEAL_EUNSUPPORTED) {
        eseal_error_clear();
        rc = eseal_file_read(&d->read, path, ES_REQUEST_DOC_BYTES_MAX);
        d->bytes = es_span_of(d->read.ptr, d->read.size);
    } else {
        d->bytes = es_span_of(d->m.ptr, d->m.size);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

static void doc_close(doc_in *d)
{
    eseal_mapped_file_dispose(&d->m);
    eseal_buf_dispose(&d->read);
}

typedef struct {
    eseal_instance *inst;
    const eseal_request *r;
    const eseal_request_doc *docs;
} submit_ctx;

static ES_RESULT insert_request(eseal_instance *inst, void *ctx)
{
    submit_ctx *c = ctx;
    ES_GUARD(es_from_code(eseal_store_request_insert(inst->store, c->r, c->docs, (size_t)c->r->docs)));
    ES_GUARD(request_event(inst, c->r, "stamp.request.submitted"));
    if (c->r->status == ESEAL_REQUEST_APPROVED) {
        ES_GUARD(request_event(inst, c->r, "stamp.request.approved"));
    }
    return ES_OK;
}

/* Removes what a failed submission copied into the home. */
static void remove_copies(const char *dir, const eseal_request_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char p[4400];
        (void)snprintf(p, sizeof(p), "%s/%04lld.%s", dir, (long long)docs[i].index, docs[i].format);
        (void)unlink(p);
    }
    (void)rmdir(dir);
}

/*
 * Document `i`: its bytes (format, SHA-256, a copy in `dir`) and the grant decision for it: `need`
 * receives the approval policy it waits for ("" none), `grant` the grant that allows it.
 */
static ES_RESULT submit_doc(eseal_instance *inst, const eseal_principal *who, const eseal_request_submit_options *o,
                            size_t i, const es_seal_grants *gs, const char *esid, const char *org, const char *dir,
                            int64_t now, eseal_request_doc *d, char *need, size_t need_cap, char *grant)
{
    const char *path = o->paths[i];
    ES_ENSURE(path != NULL, ESEAL_EINVAL, "request: document %zu has no path", i + 1);
    const char *name = o->names != NULL && o->names[i] != NULL ? o->names[i] : strrchr(path, '/');
    name = name == NULL ? path : name == strrchr(path, '/') ? name + 1 : name;
    ES_GUARD(text_check(name, ESEAL_REQUEST_DOC_NAME_MAX, "a document's name"));
    d->index = (int64_t)i;
    d->log_index = -1;
    (void)snprintf(d->name, sizeof(d->name), "%s", name);
    doc_in in;
    ES_GUARD(doc_open(&in, path));
    es_span b = in.bytes;
    es_result r = ES_OK;
    if (b.len >= 4 && memcmp(b.ptr, "PK\3\4", 4) == 0) {
        (void)snprintf(d->format, sizeof(d->format), "ofd");
    } else if (b.len >= 5 && memcmp(b.ptr, "%PDF-", 5) == 0) {
        (void)snprintf(d->format, sizeof(d->format), "pdf");
    } else {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "request: %s is not a PDF or OFD document", name);
    }
    d->size = (int64_t)b.len;
    if (es_ok(r)) {
        r = sha256_hex(d->sha256, b);
    }
    char copy[4400];
    if (es_ok(r)) {
        (void)snprintf(copy, sizeof(copy), "%s/%04lld.%s", dir, (long long)d->index, d->format);
        r = es_file_write_new(copy, b.ptr, b.len, 0600);
    }
    if (es_ok(r) && in.m.ptr != NULL) {
        r = es_from_code(eseal_mapped_file_check(&in.m)); /* the file shrank while it was read */
    }
    doc_close(&in);
    ES_GUARD(r);
    /* The decision, on the copy (what will be stamped): allowed as it is, or once approved. */
    es_grant_pass pass;
    r = es_grant_gate(gs, who, esid, org, o->doc_type, copy, d->sha256, NULL, inst->ctx, now, &pass);
    need[0] = '\0';
    if (!es_ok(r) && strcmp(eseal_error_last()->reason, ESEAL_REFUSAL_APPROVAL_REQUIRED) == 0 && pass.approval[0] != '\0') {
        (void)snprintf(need, need_cap, "%s", pass.approval);
        eseal_error_clear();
        r = es_grant_gate(gs, who, esid, org, o->doc_type, copy, d->sha256, need, inst->ctx, now, &pass);
    }
    ES_GUARD(r);
    (void)snprintf(grant, ESEAL_GRANT_ID_LEN + 1, "%s", pass.chain[0]);
    return ES_OK;
}

/* SHA-256 over the documents' SHA-256s (binary, in order): what a decision covers. */
static ES_RESULT docs_digest(char out[65], const eseal_request_doc *docs, size_t n)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_REQUEST_DIGEST_INPUT_MAX);
    for (size_t i = 0; i < n; i++) {
        ES_GUARD(es_hex_decode(&b, docs[i].sha256));
    }
    ES_ENSURE(b.len == 32 * n, ESEAL_ERROR, "request: a malformed SHA-256");
    return sha256_hex(out, es_buf_span(&b));
}

static ES_RESULT submit_check(const eseal_request_submit_options *o)
{
    ES_ENSURE(o->n_docs >= 1 && o->n_docs <= ESEAL_REQUEST_DOCS_MAX, ESEAL_EINVAL,
              "request: 1 to %d documents, not %zu", ESEAL_REQUEST_DOCS_MAX, o->n_docs);
    ES_ENSURE(o->paths != NULL, ESEAL_EINVAL, "request: no documents");
    ES_GUARD(text_check(o->purpose, ESEAL_REQUEST_PURPOSE_MAX, "the purpose"));
    if (o->doc_type != NULL && o->doc_type[0] != '\0') {
        size_t n = strnlen(o->doc_type, ESEAL_DOC_TYPE_MAX + 1);
        ES_ENSURE(n <= ESEAL_DOC_TYPE_MAX, ESEAL_EINVAL, "request: a document type has at most %d bytes",
                  ESEAL_DOC_TYPE_MAX);
        for (size_t i = 0; i < n; i++) {
            char c = o->doc_type[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
            ES_ENSURE(ok, ESEAL_EINVAL, "request: document type '%s' is not [a-z0-9._-] starting with a letter or digit",
                      o->doc_type);
        }
    }
    ES_ENSURE(o->level >= ESEAL_LEVEL_B_B && o->level <= ESEAL_LEVEL_B_LTA, ESEAL_EINVAL, "request: level %d unknown",
              o->level);
    ES_ENSURE(o->page >= -1 && o->x_mm >= 0 && o->y_mm >= 0 && o->x_mm <= 10000 && o->y_mm <= 10000, ESEAL_EINVAL,
              "request: the placement is out of range (page -1 or more, x and y 0 to 10000 mm)");
    return ES_OK;
}

static ES_RESULT submit(eseal_instance *inst, const eseal_principal *who, const eseal_request_submit_options *o,
                        eseal_request *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_CHECK_VERSION(o, request_submit_options);
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    ES_ENSURE(who->kind == ESEAL_PRINCIPAL_USER, ESEAL_EINVAL,
              "a stamp request is a user's: it is decided by the grants of the user's organisation");
    ES_GUARD(submit_check(o));
    eseal_request r;
    memset(&r, 0, sizeof(r));
    char org[ESEAL_OWNER_ORG_MAX + 1];
    ES_GUARD(es_gov_seal_of(inst, who, o->seal, r.seal, org));
    es_acting by;
    es_object obj = {"seal", r.seal, org, who->id};
    ES_GUARD(es_act_on(&by, who, ES_ACT_REQUEST_SUBMIT, &obj));
    ES_ENSURE(strlen(org) < sizeof(r.org_id), ESEAL_ERROR, "request: organisation id '%s' too long", org);
    memcpy(r.org_id, org, strlen(org) + 1);
    (void)snprintf(r.requester, sizeof(r.requester), "%s", who->id);
    (void)snprintf(r.doc_type, sizeof(r.doc_type), "%s", o->doc_type != NULL ? o->doc_type : "");
    (void)snprintf(r.purpose, sizeof(r.purpose), "%s", o->purpose != NULL ? o->purpose : "");
    r.page = o->page;
    r.x_mm = o->x_mm;
    r.y_mm = o->y_mm;
    r.xy_exact = o->xy_exact != 0;
    r.cross_page = o->cross_page != 0;
    r.level = o->level;
    r.qr = o->qr != 0;
    r.docs = (int64_t)o->n_docs;
    r.created_ms = es_inst_now(inst);
    r.updated_ms = r.created_ms;
    ES_GUARD(es_acc_random_id(r.id, sizeof(r.id), "req_"));

    es_seal_grants gs;
    ES_GUARD(es_seal_grants_load(inst, who, r.seal, &gs));
    eseal_request_doc *docs = es_calloc(o->n_docs, sizeof(*docs));
    char dir[4200];
    es_result res = docs != NULL ? doc_file(dir, sizeof(dir), inst, r.id, -1, NULL, false)
                                 : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    if (es_ok(res)) {
        res = es_mkdir_p(dir, 0700);
    }
    size_t copied = 0;
    char need[ESEAL_APPROVAL_TEXT_MAX + 1];
    for (size_t i = 0; es_ok(res) && i < o->n_docs; i++) {
        char grant[ESEAL_GRANT_ID_LEN + 1];
        snprintf(docs[i].request_id, sizeof(docs[i].request_id), "%s", r.id);
        res = submit_doc(inst, who, o, i, &gs, r.seal, org, dir, r.created_ms, &docs[i], need, sizeof(need), grant);
        copied += docs[i].format[0] != '\0';
        if (!es_ok(res)) {
            break;
        }
        /* One policy for the whole request: a batch whose documents need different approvals is two requests. */
        if (i == 0 || (r.approval[0] == '\0' && need[0] != '\0')) {
            (void)snprintf(r.approval, sizeof(r.approval), "%s", need);
            (void)snprintf(r.grant, sizeof(r.grant), "%s", grant);
        } else if (need[0] != '\0' && strcmp(need, r.approval) != 0) {
            res = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                               "request: %s needs the approvals '%s', the documents before it '%s': submit them as "
                               "separate requests",
                               docs[i].name, need, r.approval);
        }
    }
    es_seal_grants_free(&gs);
    if (es_ok(res)) {
        r.status = r.approval[0] == '\0' ? ESEAL_REQUEST_APPROVED : ESEAL_REQUEST_PENDING;
        eseal_approval_policy ap;
        res = es_from_code(eseal_approval_policy_parse(&ap, r.approval));
        r.step = r.status == ESEAL_REQUEST_APPROVED ? (unsigned int)ap.steps : 0;
    }
    char covers[65];
    if (es_ok(res)) {
        res = docs_digest(covers, docs, o->n_docs);
    }
    if (es_ok(res)) {
        char detail[DETAIL_MAX], purpose[65];
        res = sha256_hex(purpose, es_span_of(r.purpose, strlen(r.purpose)));
        (void)snprintf(detail, sizeof(detail),
                       "%s seal %s type %s; %lld documents, SHA-256 over theirs %s; purpose SHA-256 %.16s; under grant "
                       "%s; approval %.400s; %s",
                       r.id, r.seal, r.doc_type[0] != '\0' ? r.doc_type : "-", (long long)r.docs, covers, purpose, r.grant,
                       r.approval[0] != '\0' ? r.approval : "none", eseal_request_status_name(r.status));
        submit_ctx c = {inst, &r, docs};
        if (es_ok(res)) {
            res = es_acc_change(inst, &by, "request.submitted", org, detail, insert_request, &c);
        }
    }
    if (!es_ok(res) && docs != NULL) {
        remove_copies(dir, docs, copied);
    }
    es_free(docs);
    if (es_code(res) == ESEAL_EDENIED) {
        return es_refusal_record(inst, who, "request.refused", org, res);
    }
    ES_GUARD(res);
    *out = r;
    return ES_OK;
}

int eseal_request_submit(eseal_instance *inst, const eseal_principal *who, const eseal_request_submit_options *o,
                         eseal_request *out)
{
    ES_RETURN_PUBLIC(submit(inst, who, o, out));
}

/* ---- reading ---------------------------------------------------------------------------------- */

static ES_RESULT find(eseal_instance *inst, const eseal_principal *who, eseal_request *out, const char *id)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    es_result r = visible(inst, who, out, id);
    if (!es_ok(r)) {
        memset(out, 0, sizeof(*out));
    }
    return r;
}

int eseal_request_find(eseal_instance *inst, const eseal_principal *who, eseal_request *out, const char *id)
{
    ES_RETURN_PUBLIC(find(inst, who, out, id));
}

static ES_RESULT docs(eseal_instance *inst, const eseal_principal *who, const char *id,
                      int (*cb)(const eseal_request_doc *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    eseal_request r;
    ES_GUARD(visible(inst, who, &r, id));
    int rc = eseal_store_request_docs(inst->store, r.id, cb, payload);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_request_docs(eseal_instance *inst, const eseal_principal *who, const char *id,
                       int (*cb)(const eseal_request_doc *d, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(docs(inst, who, id, cb, payload));
}

static ES_RESULT decisions(eseal_instance *inst, const eseal_principal *who, const char *id,
                           int (*cb)(const eseal_decision *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    eseal_request r;
    ES_GUARD(visible(inst, who, &r, id));
    int rc = eseal_store_decision_list(inst->store, r.id, cb, payload);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_request_decisions(eseal_instance *inst, const eseal_principal *who, const char *id,
                            int (*cb)(const eseal_decision *d, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(decisions(inst, who, id, cb, payload));
}

typedef struct {
    eseal_instance *inst;
    const eseal_principal *who;
    bool inbox;
    int (*cb)(const eseal_request *, void *);
    void *payload;
} list_ctx;

/* Whether the approver `login` with `roles` (comma-separated) is a member of step `s`. */
static bool step_names(const eseal_approval_step *s, const char *login, const char *roles)
{
    for (size_t m = 0; m < s->n; m++) {
        const char *who = s->member[m];
        if (who[0] != '@') {
            if (strcmp(who, login) == 0) {
                return true;
            }
            continue;
        }
        size_t rl = strlen(who + 1);
        for (const char *p = roles; *p != '\0';) {
            size_t n = strcspn(p, ",");
            if (n == rl && memcmp(p, who + 1, n) == 0) {
                return true;
            }
            p += n + (p[n] == ',' ? 1 : 0);
        }
    }
    return false;
}

typedef struct {
    const char *login;
    bool found;
} decided_ctx;

static int decided_by(const eseal_decision *d, void *p)
{
    decided_ctx *c = p;
    c->found = c->found || strcmp(d->approver, c->login) == 0;
    return 0;
}

/* The principal's roles as a comma-separated list. */
static void roles_of(const eseal_principal *who, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < who->role_count && who->roles[i] != NULL; i++) {
        int n = snprintf(out + len, cap - len, "%s%s", len > 0 ? "," : "", who->roles[i]);
        if (n < 0 || (size_t)n >= cap - len) {
            break;
        }
        len += (size_t)n;
    }
}

static int list_one(const eseal_request *r, void *p)
{
    list_ctx *l = p;
    es_object obj = {"request", r->id, r->org_id, r->requester};
    if (!es_acc_sees_org(l->who, r->org_id) || es_policy_may(l->who, ES_ACT_REQUEST_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    if (l->inbox) {
        eseal_approval_policy ap;
        if (strcmp(r->requester, l->who->id) == 0 || eseal_approval_policy_parse(&ap, r->approval) != ESEAL_OK ||
            r->step >= ap.steps) {
            eseal_error_clear();
            return 0;
        }
        char roles[ESEAL_ROLES_MAX + 1];
        roles_of(l->who, roles, sizeof(roles));
        if (!step_names(&ap.step[r->step], l->who->id, roles)) {
            return 0;
        }
        decided_ctx dc = {l->who->id, false};
        int rc = eseal_store_decision_list(l->inst->store, r->id, decided_by, &dc);
        if (rc != ESEAL_OK) {
            return rc;
        }
        if (dc.found) {
            return 0;
        }
    }
    return l->cb(r, l->payload);
}

static ES_RESULT list(eseal_instance *inst, const eseal_principal *who, eseal_request_status status, bool mine,
                      bool inbox, int (*cb)(const eseal_request *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    ES_ENSURE(status == 0 || strcmp(eseal_request_status_name(status), "?") != 0, ESEAL_EINVAL,
              "request: status %d unknown", (int)status);
    list_ctx l = {inst, who, inbox, cb, payload};
    const char *org = es_acc_sees_all(who) ? NULL : who->organization;
    int rc = eseal_store_request_list(inst->store, org, status, mine ? who->id : NULL, list_one, &l);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_request_list(eseal_instance *inst, const eseal_principal *who, eseal_request_status status, int mine,
                       int (*cb)(const eseal_request *r, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(list(inst, who, status, mine != 0, false, cb, payload));
}

/* The inbox is oldest first: the store lists newest first, so it is gathered and given back reversed. */
typedef struct {
    eseal_request *r;
    size_t n, cap;
} gathered;

static int gather(const eseal_request *r, void *p)
{
    gathered *g = p;
    if (g->n == g->cap) {
        size_t cap = g->cap == 0 ? 16 : g->cap * 2;
        eseal_request *more = es_realloc(g->r, cap * sizeof(*more));
        if (more == NULL) {
            return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
        }
        g->r = more;
        g->cap = cap;
    }
    g->r[g->n++] = *r;
    return 0;
}

static ES_RESULT inbox(eseal_instance *inst, const eseal_principal *who,
                       int (*cb)(const eseal_request *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    gathered g = {NULL, 0, 0};
    es_result r = who->kind == ESEAL_PRINCIPAL_USER ? list(inst, who, ESEAL_REQUEST_PENDING, false, true, gather, &g)
                                                    : ES_OK; /* only users approve */
    for (size_t i = g.n; es_ok(r) && i > 0; i--) {
        int rc = cb(&g.r[i - 1], payload);
        if (rc != 0) {
            r = es_error_set(rc, __FILE__, __LINE__, "request: the inbox's reader stopped (%d)", rc);
        }
    }
    es_free(g.r);
    return r;
}

int eseal_request_inbox(eseal_instance *inst, const eseal_principal *who,
                        int (*cb)(const eseal_request *r, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(inbox(inst, who, cb, payload));
}

/* ---- decisions -------------------------------------------------------------------------------- */

typedef struct {
    unsigned int step;
    size_t approvals;
} count_ctx;

static int count_step(const eseal_decision *d, void *p)
{
    count_ctx *c = p;
    c->approvals += d->step == c->step && d->approve == 1;
    return 0;
}

static int doc_digest_add(const eseal_request_doc *d, void *p)
{
    eseal_request_doc **all = p;
    size_t i = (size_t)d->index;
    if (i < ESEAL_REQUEST_DOCS_MAX) {
        (*all)[i] = *d;
    }
    return 0;
}

/* One decision of `who` (user record `u`) on request `id`, inside the caller's transaction. */
static ES_RESULT decide_one(eseal_instance *inst, const es_acting *by, const eseal_user *u, const char *id,
                            bool approve, const char *comment, const char *comment_sha, eseal_decision *dec)
{
    const eseal_principal *who = by->who;
    eseal_request r;
    ES_GUARD(visible(inst, who, &r, id));
    ES_ENSURE(r.status == ESEAL_REQUEST_PENDING, ESEAL_ESTATE, "request %s is %s: there is nothing to decide", r.id,
              eseal_request_status_name(r.status));
    if (strcmp(r.requester, u->login) == 0) {
        return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                                            "%s submitted request %s and cannot approve or reject it", u->login, r.id),
                               ESEAL_REFUSAL_SELF_APPROVAL);
    }
    eseal_approval_policy ap;
    ES_GUARD(es_from_code(eseal_approval_policy_parse(&ap, r.approval)));
    ES_ENSURE(r.step < ap.steps, ESEAL_ERROR, "request %s: step %u of a policy of %zu", r.id, r.step, ap.steps);
    const eseal_approval_step *st = &ap.step[r.step];
    if (!step_names(st, u->login, u->roles)) {
        return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                                            "%s is not an approver of step %u of request %s (%s)", u->login,
                                            r.step + 1, r.id, r.approval),
                               ESEAL_REFUSAL_NOT_AN_APPROVER);
    }
    /* what the decision covers: the documents as submitted */
    eseal_request_doc *all = es_calloc((size_t)r.docs, sizeof(*all));
    ES_ENSURE_ALLOC(all);
    int rc = eseal_store_request_docs(inst->store, r.id, doc_digest_add, &all);
    es_result res = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    memset(dec, 0, sizeof(*dec));
    if (es_ok(res)) {
        res = docs_digest(dec->docs_sha256, all, (size_t)r.docs);
    }
    es_free(all);
    ES_GUARD(res);
    ES_GUARD(es_acc_random_id(dec->id, sizeof(dec->id), "dec_"));
    (void)snprintf(dec->request_id, sizeof(dec->request_id), "%s", r.id);
    dec->step = r.step;
    (void)snprintf(dec->approver, sizeof(dec->approver), "%s", u->login);
    dec->approve = approve ? 1 : 0;
    (void)snprintf(dec->comment, sizeof(dec->comment), "%s", comment != NULL ? comment : "");
    (void)snprintf(dec->comment_sha256, sizeof(dec->comment_sha256), "%s", comment_sha);
    dec->at_ms = es_inst_now(inst);
    rc = eseal_store_decision_insert(inst->store, dec);
    ES_ENSURE(rc != ESEAL_EEXISTS, ESEAL_ESTATE, "%s has decided on request %s already", u->login, r.id);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* the step's count, this decision included (the transaction holds the store's write lock) */
    count_ctx cc = {r.step, 0};
    rc = eseal_store_decision_list(inst->store, r.id, count_step, &cc);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    eseal_request next = r;
    if (!approve) {
        next.status = ESEAL_REQUEST_REJECTED;
    } else if (cc.approvals >= st->k) {
        next.step = r.step + 1;
        next.status = next.step == ap.steps ? ESEAL_REQUEST_APPROVED : ESEAL_REQUEST_PENDING;
    }
    bool moved = next.status != r.status || next.step != r.step;
    if (moved) {
        next.updated_ms = dec->at_ms;
        ES_GUARD(es_from_code(eseal_store_request_advance(inst->store, r.id, r.status, r.step, next.status, next.step,
                                                          dec->at_ms)));
    }
    char detail[DETAIL_MAX];
    (void)snprintf(detail, sizeof(detail),
                   "%s step %u of %zu (%u of %.400s): %s by %s; documents %lld, SHA-256 over theirs %s; comment SHA-256 "
                   "%s; %u of %u approvals; request %s%s",
                   r.id, r.step + 1, ap.steps, st->k, r.approval, approve ? "approved" : "rejected", u->login,
                   (long long)r.docs, dec->docs_sha256, dec->comment_sha256, (unsigned)cc.approvals, st->k,
                   eseal_request_status_name(next.status),
                   next.status == ESEAL_REQUEST_PENDING && next.step != r.step ? ", at the next step" : "");
    ES_GUARD(es_audit_account_event(inst->auditlog, by, approve ? "request.approved" : "request.rejected", r.org_id,
                                    detail, false));
    if (next.status == ESEAL_REQUEST_APPROVED && moved) {
        ES_GUARD(request_event(inst, &next, "stamp.request.approved"));
    } else if (next.status == ESEAL_REQUEST_REJECTED) {
        ES_GUARD(request_event(inst, &next, "stamp.request.rejected"));
    }
    return ES_OK;
}

static ES_RESULT decide(eseal_instance *inst, const eseal_principal *who, const char *const *ids, size_t n,
                        int approve, const char *comment, eseal_decision *decided)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && ids != NULL);
    ES_ENSURE(n >= 1 && n <= ESEAL_REQUEST_BATCH_MAX, ESEAL_EINVAL, "request: decide 1 to %d requests at once, not %zu",
              ESEAL_REQUEST_BATCH_MAX, n);
    ES_ENSURE(approve == 0 || approve == 1, ESEAL_EINVAL, "request: approve is 1 or 0 (reject)");
    ES_GUARD(text_check(comment, ESEAL_REQUEST_COMMENT_MAX, "the comment"));
    ES_ENSURE(who->kind == ESEAL_PRINCIPAL_USER, ESEAL_EINVAL, "requests are approved by users of their organisation");
    char csha[65];
    ES_GUARD(sha256_hex(csha, es_span_of(comment != NULL ? comment : "", comment != NULL ? strlen(comment) : 0)));
    es_acting by;
    es_object obj = {"request", ids[0], who->organization, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_REQUEST_DECIDE, &obj));
    /* The approver as the store has it now: active, with its roles (a session's copy may be stale). */
    eseal_user u;
    int rc = eseal_store_user_get(inst->store, &u, NULL, who->id);
    ES_ENSURE(rc != ESEAL_ENOTFOUND, ESEAL_EDENIED, "no user '%s' approves", who->id);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    es_result res = ES_OK;
    if (u.status != ESEAL_USER_ACTIVE || strcmp(u.org_id, who->organization != NULL ? who->organization : "") != 0) {
        res = es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                                           "user %s is disabled: a disabled user approves nothing", u.login),
                              ESEAL_REFUSAL_NOT_AN_APPROVER);
    }
    if (es_ok(res)) {
        res = es_audit_prepare(inst->auditlog);
    }
    if (es_ok(res)) {
        res = es_from_code(eseal_store_begin(inst->store));
        for (size_t i = 0; es_ok(res) && i < n; i++) {
            eseal_decision d;
            res = decide_one(inst, &by, &u, ids[i], approve == 1, comment, csha, &d);
            if (es_ok(res) && decided != NULL) {
                decided[i] = d;
            }
        }
        if (es_ok(res)) {
            res = es_from_code(eseal_store_commit(inst->store));
        }
        if (!es_ok(res)) {
            char msg[1024], reason[48];
            (void)snprintf(msg, sizeof(msg), "%s", eseal_error_last()->message);
            (void)snprintf(reason, sizeof(reason), "%s", eseal_error_last()->reason);
            (void)eseal_store_rollback(inst->store);
            res = es_error_reason(es_error_set(es_code(res), __FILE__, __LINE__, "%s", msg), reason);
        }
    }
    if (es_code(res) == ESEAL_EDENIED) {
        return es_refusal_record(inst, who, "request.refused", who->organization, res);
    }
    return res;
}

int eseal_request_decide(eseal_instance *inst, const eseal_principal *who, const char *const *ids, size_t n,
                         int approve, const char *comment, eseal_decision *decided)
{
    ES_RETURN_PUBLIC(decide(inst, who, ids, n, approve, comment, decided));
}

/* ---- execution -------------------------------------------------------------------------------- */

static ES_RESULT executed_entry(eseal_instance *inst, void *ctx)
{
    return request_event(inst, ctx, "stamp.request.executed");
}

/* One pass over the documents of approved request `r` not stamped yet; *stamped: how many this pass stamped. */
static ES_RESULT execute_pass(eseal_instance *inst, const eseal_principal *who, const eseal_request *rq,
                              eseal_request_progress progress, void *progress_ctx, size_t *stamped)
{
    eseal_request r = *rq;
    es_result res = ES_OK;
    eseal_request_doc *all = es_calloc((size_t)r.docs, sizeof(*all));
    ES_ENSURE_ALLOC(all);
    int rc = eseal_store_request_docs(inst->store, r.id, doc_digest_add, &all);
    res = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    int64_t done = r.done;
    for (int64_t i = 0; es_ok(res) && i < r.docs; i++) {
        eseal_request_doc *d = &all[i];
        if (d->serial[0] != '\0') {
            continue; /* stamped before (an execution resumed, or another one ran) */
        }
        char in[4400], outp[4400];
        res = doc_file(in, sizeof(in), inst, r.id, d->index, d->format, false);
        if (es_ok(res)) {
            res = doc_file(outp, sizeof(outp), inst, r.id, d->index, d->format, true);
        }
        eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
        q.who = who;
        q.seal_ref = r.seal;
        q.page = r.page;
        q.x_mm = r.x_mm;
        q.y_mm = r.y_mm;
        q.xy_exact = r.xy_exact;
        q.cross_page = r.cross_page;
        q.level = r.level;
        q.qr = r.qr;
        q.doc_type = r.doc_type[0] != '\0' ? r.doc_type : NULL;
        q.request_id = r.id;
        eseal_stamp_result sr;
        memset(&sr, 0, sizeof(sr));
        const char *ins[1] = {in}, *outs[1] = {outp};
        if (es_ok(res)) {
            res = es_from_code(eseal_instance_stamp_pdfs(inst, &sr, ins, outs, 1, &q));
        }
        if (es_code(res) == ESEAL_ESTATE && strstr(eseal_error_last()->message, "no unstamped document") != NULL) {
            eseal_error_clear(); /* another execution stamped it meanwhile: not twice */
            res = ES_OK;
            continue;
        }
        if (es_ok(res)) {
            (*stamped)++;
            done++;
            (void)snprintf(d->serial, sizeof(d->serial), "%s", sr.serial);
            d->log_index = sr.log_index;
            if (progress != NULL) {
                progress(progress_ctx, d, done, r.docs);
            }
        }
    }
    es_free(all);
    return res;
}

static ES_RESULT execute(eseal_instance *inst, const eseal_principal *who, const char *id,
                         eseal_request_progress progress, void *progress_ctx, eseal_request *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    eseal_request r;
    ES_GUARD(visible(inst, who, &r, id));
    es_acting by;
    es_object obj = {"request", r.id, r.org_id, r.requester};
    es_result res = es_act_on(&by, who, ES_ACT_REQUEST_EXECUTE, &obj);
    if (es_ok(res) && r.status == ESEAL_REQUEST_PENDING) {
        res = es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                                           "request %s waits for the approvals of step %u (%s)", r.id, r.step + 1,
                                           r.approval),
                              ESEAL_REFUSAL_APPROVAL_REQUIRED);
    } else if (es_ok(res) && r.status == ESEAL_REQUEST_REJECTED) {
        res = es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "request %s was rejected", r.id),
                              ESEAL_REFUSAL_APPROVAL_REJECTED);
    }
    if (es_code(res) == ESEAL_EDENIED) {
        return es_refusal_record(inst, who, "request.refused", r.org_id, res);
    }
    ES_GUARD(res);
    if (r.status == ESEAL_REQUEST_EXECUTED) {
        if (out != NULL) {
            *out = r;
        }
        return ES_OK; /* executed already: nothing changes */
    }
    size_t stamped = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t now = 0;
        ES_GUARD(execute_pass(inst, who, &r, progress, progress_ctx, &now));
        stamped += now;
        ES_GUARD(es_from_code(eseal_store_request_get(inst->store, &r, id)));
        /* A stamp a crashed execution recorded and never published is settled by the first stamp of
         * this one (its failure entry clears the document's mark): one more pass stamps it. */
        if (now == 0 || r.status != ESEAL_REQUEST_APPROVED) {
            break;
        }
    }
    if (stamped > 0 && r.status == ESEAL_REQUEST_EXECUTED) {
        char detail[DETAIL_MAX];
        (void)snprintf(detail, sizeof(detail), "%s executed: %lld of %lld documents stamped", r.id, (long long)r.done,
                       (long long)r.docs);
        ES_GUARD(es_acc_change(inst, &by, "request.executed", r.org_id, detail, executed_entry, &r));
    }
    if (out != NULL) {
        *out = r;
    }
    return ES_OK;
}

int eseal_request_execute(eseal_instance *inst, const eseal_principal *who, const char *id,
                          eseal_request_progress progress, void *progress_ctx, eseal_request *out)
{
    ES_RETURN_PUBLIC(execute(inst, who, id, progress, progress_ctx, out));
}

typedef struct {
    int64_t index;
    eseal_request_doc d;
    bool found;
} one_doc;

static int pick_doc(const eseal_request_doc *d, void *p)
{
    one_doc *o = p;
    if (d->index == o->index) {
        o->d = *d;
        o->found = true;
    }
    return 0;
}

static ES_RESULT doc_path(eseal_instance *inst, const eseal_principal *who, const char *id, int64_t index, int stamped,
                          char *out, size_t cap)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL && cap > 0);
    eseal_request r;
    ES_GUARD(visible(inst, who, &r, id));
    one_doc o = {.index = index, .found = false};
    int rc = eseal_store_request_docs(inst->store, r.id, pick_doc, &o);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    ES_ENSURE(o.found, ESEAL_ENOTFOUND, "request %s has no document %lld", r.id, (long long)index);
    ES_ENSURE(!stamped || o.d.serial[0] != '\0', ESEAL_ENOTFOUND, "document %lld of request %s is not stamped yet",
              (long long)index, r.id);
    return doc_file(out, cap, inst, r.id, index, o.d.format, stamped != 0);
}

int eseal_request_doc_path(eseal_instance *inst, const eseal_principal *who, const char *id, int64_t index,
                           int stamped, char *out, size_t cap)
{
    ES_RETURN_PUBLIC(doc_path(inst, who, id, index, stamped, out, cap));
}
