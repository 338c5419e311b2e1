/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user stamps only under a grant (issue 20, docs/grants.md). The stamp (stamp.c) reads the seal's
 * grants once for its batch, with the templates of those the stamper holds, asks the policy's grant
 * decision (policy/grant.h) before anything is prepared and again for each prepared document (is it
 * one of the templates, or one filled in?), and hands the grant with its ancestors to its audit
 * entry, whose transaction counts the use (eseal_store_grant_use: a use refused there, the quota
 * spent meanwhile by another stamp, rolls the stamp back). The local operator stamps as before
 * (rule local-operator): it holds the instance's keys, so a grant could not bind it.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "grant_gate.h"
#include "ofd/ofd.h"
#include "pdf/pdf.h"

typedef struct {
    es_seal_grants *gs;
    size_t cap;
    es_result r;
} load_ctx;

static int keep(const eseal_grant *g, void *p)
{
    load_ctx *l = p;
    if (l->gs->n == ES_GRANTS_PER_SEAL_MAX) {
        l->r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "stamp: the seal has more than %d grants",
                            ES_GRANTS_PER_SEAL_MAX);
        return es_code(l->r);
    }
    if (l->gs->n == l->cap) { /* grown as needed: most seals have a few grants */
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        eseal_grant *more = es_realloc(l->gs->g, cap * sizeof(*more));
        if (more == NULL) {
            l->r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
            return es_code(l->r);
        }
        l->gs->g = more;
        l->cap = cap;
    }
    l->gs->g[l->gs->n++] = *g;
    return 0;
}

static bool have_template(const es_seal_grants *gs, const char *sha, size_t n)
{
    for (size_t i = 0; i < gs->nt; i++) {
        if (n == 64 && memcmp(gs->t[i].sha256, sha, 64) == 0) {
            return true;
        }
    }
    return false;
}

/* The templates of the unrevoked grants `who` holds, their bytes read once. */
static ES_RESULT load_templates(eseal_instance *inst, const eseal_principal *who, es_seal_grants *gs)
{
    size_t total = 0;
    for (size_t i = 0; i < gs->n; i++) {
        const eseal_grant *g = &gs->g[i];
        if (g->revoked_ms != 0 || !es_grant_holds(who, g)) {
            continue;
        }
        for (const char *p = g->templates; *p != '\0';) {
            size_t n = strcspn(p, ",");
            if (!have_template(gs, p, n)) {
                ES_ENSURE(gs->nt < ES_GATE_TEMPLATES_MAX, ESEAL_ELIMIT, "stamp: more than %d templates",
                          ES_GATE_TEMPLATES_MAX);
                if (gs->t == NULL) {
                    gs->t = es_calloc(ES_GATE_TEMPLATES_MAX, sizeof(*gs->t));
                    ES_ENSURE_ALLOC(gs->t);
                }
                es_gate_template *t = &gs->t[gs->nt];
                (void)snprintf(t->sha256, sizeof(t->sha256), "%.*s", (int)n, p);
                eseal_template rec;
                int rc = eseal_store_template_get(inst->store, &rec, &t->bytes, g->org_id, t->sha256);
                ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
                gs->nt++;
                t->ofd = strcmp(rec.format, "ofd") == 0;
                total += t->bytes.size;
                ES_ENSURE(total <= ES_GATE_TEMPLATE_BYTES_MAX, ESEAL_ELIMIT, "stamp: the templates are more than %zu bytes",
                          ES_GATE_TEMPLATE_BYTES_MAX);
            }
            p += n + (p[n] == ',' ? 1 : 0);
        }
    }
    return ES_OK;
}

ES_RESULT es_seal_grants_load(eseal_instance *inst, const eseal_principal *who, const char *esid, es_seal_grants *out)
{
    memset(out, 0, sizeof(*out));
    load_ctx l = {out, 0, ES_OK};
    es_result r = ES_OK;
    if (es_ok(r)) {
        int rc = eseal_store_grant_list(inst->store, NULL, esid, keep, &l);
        r = rc == ESEAL_OK ? ES_OK : !es_ok(l.r) ? l.r : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (es_ok(r)) {
        r = load_templates(inst, who, out);
    }
    if (!es_ok(r)) {
        es_seal_grants_free(out);
    }
    return r;
}

void es_seal_grants_free(es_seal_grants *gs)
{
    for (size_t i = 0; gs->t != NULL && i < gs->nt; i++) {
        eseal_buf_dispose(&gs->t[i].bytes);
    }
    es_free(gs->t);
    es_free(gs->g);
    memset(gs, 0, sizeof(*gs));
}

/*
 * The template the document at `path` is, or derives from; NULL when none (`why` then says what the
 * first comparison found). The document is mapped once, at most ES_GATE_DOC_MAX bytes.
 */
static ES_RESULT template_of(const es_seal_grants *gs, const char *path, const char *sha, const eseal_context *ctx,
                             const char **out, char *why, size_t cap)
{
    *out = NULL;
    why[0] = '\0';
    for (size_t i = 0; sha != NULL && i < gs->nt; i++) {
        if (strcmp(gs->t[i].sha256, sha) == 0) {
            *out = gs->t[i].sha256; /* the template itself */
            return ES_OK;
        }
    }
    if (gs->nt == 0 || path == NULL) {
        return ES_OK;
    }
    eseal_mapped_file m = {0};
    eseal_buf read = ESEAL_BUF_INIT;
    es_span doc;
    int rc = eseal_file_map(&m, path, ES_GATE_DOC_MAX);
    if (rc == ESEAL_EUNSUPPORTED) {
        eseal_error_clear();
        rc = eseal_file_read(&read, path, ES_GATE_DOC_MAX);
        doc = es_span_of(read.ptr, read.size);
    } else {
        doc = es_span_of(m.ptr, m.size);
    }
    if (rc == ESEAL_ELIMIT) {
        eseal_error_clear();
        (void)snprintf(why, cap, "the document is larger than any template filled in (%zu bytes)", ES_GATE_DOC_MAX);
        return ES_OK;
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* The bytes compared must be the bytes stamped (their digest was taken as the stamp read them):
     * a file replaced in between is refused, not judged by its new content. */
    uint8_t md[64];
    size_t mdlen = 0;
    char hex[65];
    es_result r = es_digest(md, &mdlen, ESEAL_HASH_SHA256, doc);
    if (es_ok(r)) {
        es_hex_lower(hex, md, 32);
        if (sha == NULL || strcmp(hex, sha) != 0) {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "stamp: %s changed while it was being stamped", path);
        }
    }
    bool is_ofd = doc.len >= 4 && memcmp(doc.ptr, "PK\3\4", 4) == 0;
    for (size_t i = 0; es_ok(r) && *out == NULL && i < gs->nt; i++) {
        const es_gate_template *t = &gs->t[i];
        if (t->ofd != is_ofd) {
            continue;
        }
        bool derives = false;
        char w[320] = "";
        es_span ts = es_span_of(t->bytes.ptr, t->bytes.size);
        r = t->ofd ? es_ofd_template_derives(&derives, w, sizeof(w), ts, doc, ctx)
                   : es_pdf_template_derives(&derives, w, sizeof(w), ts, doc, ctx);
        if (es_ok(r) && derives) {
            *out = t->sha256;
        } else if (es_ok(r) && why[0] == '\0') {
            (void)snprintf(why, cap, "against template %.12s…: %s", t->sha256, w);
        }
    }
    if (es_ok(r) && m.ptr != NULL) {
        r = es_from_code(eseal_mapped_file_check(&m));
    }
    eseal_mapped_file_dispose(&m);
    eseal_buf_dispose(&read);
    return r;
}

ES_RESULT es_grant_gate(const es_seal_grants *gs, const eseal_principal *who, const char *esid, const char *org,
                        const char *doc_type, const char *doc_path, const char *doc_sha256,
                        const char *approved_policy, const eseal_context *ctx, int64_t now_ms, es_grant_pass *pass)
{
    memset(pass, 0, sizeof(*pass));
    const char *tpl = NULL;
    char why[400] = "";
    ES_GUARD(template_of(gs, doc_path, doc_sha256, ctx, &tpl, why, sizeof(why)));
    es_grant_use u = {.seal = esid,
                      .seal_org = org != NULL ? org : "",
                      .doc_type = doc_type,
                      .template_sha256 = tpl,
                      .template_unknown = doc_sha256 == NULL, /* before the document is read */
                      .now_ms = now_ms,
                      .approved_policy = approved_policy};
    es_grant_decision d = es_grant_decide(who, &u, gs->g, gs->n);
    bool tpl_refusal = d.refusal != NULL && strcmp(d.refusal, ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED) == 0;
    if (d.refusal != NULL) {
        if (strcmp(d.refusal, ESEAL_REFUSAL_APPROVAL_REQUIRED) == 0 && d.grant != NULL) {
            (void)snprintf(pass->approval, sizeof(pass->approval), "%s", d.grant->approval);
        }
        return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "%s may not stamp with seal %s: %s%s%s",
                                            who->id, esid, d.reason, tpl_refusal && why[0] != '\0' ? "; " : "",
                                            tpl_refusal ? why : ""),
                               d.refusal);
    }
    for (size_t i = 0; i < d.chain_len; i++) {
        (void)snprintf(pass->chain[i], sizeof(pass->chain[i]), "%s", d.chain[i]->id);
    }
    pass->n = d.chain_len;
    return ES_OK;
}

/* ---- a stamp request being executed ----------------------------------------------------------- */

typedef struct {
    es_gate_request *q;
    size_t cap;
    es_result r;
} docs_ctx;

static int keep_doc(const eseal_request_doc *d, void *p)
{
    docs_ctx *c = p;
    if (c->q->n == c->cap) {
        size_t cap = c->cap == 0 ? 8 : c->cap * 2;
        eseal_request_doc *more = es_realloc(c->q->docs, cap * sizeof(*more));
        if (more == NULL) {
            c->r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
            return es_code(c->r);
        }
        c->q->docs = more;
        c->cap = cap;
    }
    c->q->docs[c->q->n++] = *d;
    return 0;
}

/* The chain as it is built, before its length is judged: an approved request has at most one
 * approval per member of each step (k <= members), each "S:LOGIN:TIME:HASH16" within 120 bytes. */
#define ES_APPROVALS_BUILD_MAX (ESEAL_APPROVAL_STEPS_MAX * ESEAL_APPROVAL_MEMBERS_MAX * 128 + 64)

typedef struct {
    es_buf *full, *brief;
    es_result r;
} chain_ctx;

static int chain_add(const eseal_decision *d, void *p)
{
    chain_ctx *c = p;
    if (d->approve != 1) {
        return 0;
    }
    c->r = es_buf_printf(c->full, ",%u:%s:%lld:%.16s", d->step + 1, d->approver, (long long)d->at_ms, d->comment_sha256);
    if (es_ok(c->r)) {
        c->r = es_buf_printf(c->brief, ",%u:%s", d->step + 1, d->approver);
    }
    return es_ok(c->r) ? 0 : es_code(c->r);
}

static ES_RESULT request_load(eseal_instance *inst, const eseal_principal *who, const char *id, const char *esid,
                              es_gate_request *out)
{
    int rc = eseal_store_request_get(inst->store, &out->r, id);
    if (rc == ESEAL_OK && (who->organization == NULL || strcmp(out->r.org_id, who->organization) != 0)) {
        rc = ESEAL_ENOTFOUND;
    }
    ES_ENSURE(rc != ESEAL_ENOTFOUND, ESEAL_ENOTFOUND, "no request '%.40s'", id);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    const eseal_request *r = &out->r;
    ES_ENSURE(strcmp(r->requester, who->id) == 0, ESEAL_EDENIED, "request %s was submitted by %s: only they execute it",
              r->id, r->requester);
    ES_ENSURE(strcmp(r->seal, esid) == 0, ESEAL_EINVAL, "request %s is for seal %s, not %s", r->id, r->seal, esid);
    if (r->status == ESEAL_REQUEST_PENDING) {
        return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                                            "request %s waits for the approvals of step %u (%s)", r->id, r->step + 1,
                                            r->approval),
                               ESEAL_REFUSAL_APPROVAL_REQUIRED);
    }
    if (r->status == ESEAL_REQUEST_REJECTED) {
        return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "request %s was rejected", r->id),
                               ESEAL_REFUSAL_APPROVAL_REJECTED);
    }
    ES_ENSURE(r->status == ESEAL_REQUEST_APPROVED, ESEAL_ESTATE, "request %s is executed already", r->id);
    docs_ctx dc = {out, 0, ES_OK};
    rc = eseal_store_request_docs(inst->store, id, keep_doc, &dc);
    ES_GUARD(dc.r);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    ES_AUTO(es_buf_freep) es_buf full = ES_BUF_INIT(ES_APPROVALS_BUILD_MAX);
    ES_AUTO(es_buf_freep) es_buf brief = ES_BUF_INIT(ES_APPROVALS_BUILD_MAX);
    ES_GUARD(es_buf_printf(&full, "%s", r->id));
    ES_GUARD(es_buf_printf(&brief, "%s", r->id));
    chain_ctx cc = {&full, &brief, ES_OK};
    rc = eseal_store_decision_list(inst->store, id, chain_add, &cc);
    ES_GUARD(cc.r);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    const es_buf *line = full.len <= ES_APPROVALS_MAX ? &full : &brief;
    ES_ENSURE(line->len <= ES_APPROVALS_MAX, ESEAL_ELIMIT, "request %s: its approval chain is longer than %d bytes",
              r->id, ES_APPROVALS_MAX);
    memcpy(out->approvals, line->ptr, line->len);
    out->approvals[line->len] = '\0';
    return ES_OK;
}

ES_RESULT es_gate_request_load(eseal_instance *inst, const eseal_principal *who, const char *id, const char *esid,
                               es_gate_request *out)
{
    memset(out, 0, sizeof(*out));
    es_result r = request_load(inst, who, id, esid, out);
    if (!es_ok(r)) {
        es_gate_request_free(out);
    }
    return r;
}

void es_gate_request_free(es_gate_request *q)
{
    es_free(q->docs);
    memset(q, 0, sizeof(*q));
}

ES_RESULT es_gate_request_doc(const es_gate_request *q, const char *path, const char *sha256)
{
    for (size_t i = 0; i < q->n; i++) {
        if (q->docs[i].serial[0] == '\0' && strcmp(q->docs[i].sha256, sha256) == 0) {
            return ES_OK;
        }
    }
    return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                                        "%s (SHA-256 %.16s…) is not a document of request %s as approved, or it is "
                                        "stamped already: its bytes changed after the approval",
                                        path, sha256, q->r.id),
                           ESEAL_REFUSAL_DOCUMENT_CHANGED_AFTER_APPROVAL);
}

es_result es_refusal_record(eseal_instance *inst, const eseal_principal *who, const char *type, const char *org,
                            es_result r)
{
    const eseal_error *e = eseal_error_last();
    char reason[48], message[1024], detail[1000]; /* as eseal_error keeps them (util/errors.c) */
    (void)snprintf(reason, sizeof(reason), "%s", e->reason);
    (void)snprintf(message, sizeof(message), "%s", e->message);
    (void)snprintf(detail, sizeof(detail), "%s: %.900s", reason[0] != '\0' ? reason : "DENIED", message);
    es_acting by = {.who = who, .rule = "grant"};
    (void)snprintf(by.actor, sizeof(by.actor), "%s:%s", eseal_principal_kind_name(who->kind), who->id);
    es_result w = es_audit_account_event(inst->auditlog, &by, type, org, detail, true);
    if (!es_ok(w)) {
        return es_error_set(es_code(w), __FILE__, __LINE__, "%s (and the refusal could not be recorded: %s)", message,
                            eseal_error_last()->message);
    }
    return es_error_reason(es_error_set(es_code(r), __FILE__, __LINE__, "%s", message), reason[0] != '\0' ? reason : NULL);
}
