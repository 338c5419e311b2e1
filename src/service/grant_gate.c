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
                        const eseal_context *ctx, int64_t now_ms, es_grant_pass *pass)
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
                      .approved = false};
    es_grant_decision d = es_grant_decide(who, &u, gs->g, gs->n);
    bool tpl_refusal = d.refusal != NULL && strcmp(d.refusal, ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED) == 0;
    if (d.refusal != NULL) {
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
