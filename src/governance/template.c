/* SPDX-License-Identifier: Apache-2.0 */
/* An organisation's templates (eseal/governance.h): registered documents that template grants name. */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "governance.h"

typedef struct {
    const eseal_template *t;
    es_span bytes;
} add_ctx;

static ES_RESULT insert_template(eseal_instance *inst, void *ctx)
{
    add_ctx *c = ctx;
    return es_from_code(eseal_store_template_insert(inst->store, c->t, c->bytes.ptr, c->bytes.len));
}

static ES_RESULT template_add(eseal_instance *inst, const eseal_principal *who, const char *org_ref, const char *name,
                              const void *bytes, size_t len, eseal_template *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL && (bytes != NULL || len == 0));
    memset(out, 0, sizeof(*out));
    eseal_org org;
    if (org_ref == NULL || org_ref[0] == '\0') {
        ES_ENSURE(who->organization != NULL && who->organization[0] != '\0', ESEAL_EINVAL,
                  "template: which organisation? (--org)");
        org_ref = who->organization;
    }
    ES_GUARD(es_acc_org_visible(inst, who, &org, org_ref));
    es_acting by;
    es_object obj = {"template", name, org.id, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_TEMPLATE_ADD, &obj));
    ES_ENSURE(name != NULL && name[0] != '\0', ESEAL_EINVAL, "a template needs a name");
    size_t n = strnlen(name, ESEAL_TEMPLATE_NAME_MAX + 1);
    ES_ENSURE(n <= ESEAL_TEMPLATE_NAME_MAX, ESEAL_EINVAL, "a template's name has at most %d bytes",
              ESEAL_TEMPLATE_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        ES_ENSURE(c >= 0x20 && c != 0x7f, ESEAL_EINVAL, "a template's name has no control characters");
    }
    ES_ENSURE(len <= ESEAL_TEMPLATE_MAX_BYTES, ESEAL_ELIMIT, "a template of %zu bytes (at most %u)", len,
              ESEAL_TEMPLATE_MAX_BYTES);
    eseal_file_kind kind;
    ES_GUARD(es_from_code(eseal_file_kind_detect(&kind, bytes, len, "the template")));
    ES_ENSURE(kind == ESEAL_FILE_PDF || kind == ESEAL_FILE_OFD, ESEAL_EMALFORMED, "a template is a PDF or an OFD");
    uint8_t md[64];
    size_t mdlen = 0;
    ES_GUARD(es_digest(md, &mdlen, ESEAL_HASH_SHA256, es_span_of(bytes, len)));
    for (size_t i = 0; i < 32; i++) {
        (void)snprintf(out->sha256 + 2 * i, 3, "%02x", md[i]);
    }
    memcpy(out->org_id, org.id, sizeof(out->org_id));
    memcpy(out->name, name, n + 1);
    (void)snprintf(out->format, sizeof(out->format), "%s", kind == ESEAL_FILE_PDF ? "pdf" : "ofd");
    out->size = (int64_t)len;
    (void)snprintf(out->created_by, sizeof(out->created_by), "%s", es_actor(&by));
    out->created_ms = es_inst_now(inst);
    eseal_template had;
    if (eseal_store_template_get(inst->store, &had, NULL, org.id, out->sha256) == ESEAL_OK) {
        *out = had;
        return es_error_set(ESEAL_EEXISTS, __FILE__, __LINE__, "the organisation has template %s already (\"%s\")",
                            had.sha256, had.name);
    }
    eseal_error_clear();
    char detail[ESEAL_TEMPLATE_NAME_MAX + 128];
    (void)snprintf(detail, sizeof(detail), "%s %s \"%s\", %lld bytes", out->sha256, out->format, out->name,
                   (long long)out->size);
    add_ctx c = {out, es_span_of(bytes, len)};
    es_result r = es_acc_change(inst, &by, "template.added", org.id, detail, insert_template, &c);
    if (!es_ok(r)) {
        memset(out, 0, sizeof(*out));
    }
    return r;
}

int eseal_template_add(eseal_instance *inst, const eseal_principal *who, const char *org, const char *name,
                       const void *bytes, size_t len, eseal_template *out)
{
    ES_RETURN_PUBLIC(template_add(inst, who, org, name, bytes, len, out));
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_template *, void *);
    void *payload;
} list_ctx;

static int list_one(const eseal_template *t, void *p)
{
    list_ctx *l = p;
    es_object obj = {"template", t->sha256, t->org_id, NULL};
    if (es_policy_may(l->who, ES_ACT_TEMPLATE_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return l->cb(t, l->payload);
}

static ES_RESULT template_list(eseal_instance *inst, const eseal_principal *who, const char *org_ref,
                               int (*cb)(const eseal_template *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    const char *org_id = NULL;
    eseal_org org;
    if (org_ref != NULL && org_ref[0] != '\0') {
        ES_GUARD(es_acc_org_visible(inst, who, &org, org_ref));
        org_id = org.id;
    } else if (!es_acc_sees_all(who)) {
        org_id = who->organization != NULL && who->organization[0] != '\0' ? who->organization : "-";
    }
    list_ctx l = {who, cb, payload};
    int rc = org_id != NULL && strcmp(org_id, "-") == 0 ? ESEAL_OK
                                                        : eseal_store_template_list(inst->store, org_id, list_one, &l);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_template_list(eseal_instance *inst, const eseal_principal *who, const char *org,
                        int (*cb)(const eseal_template *t, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(template_list(inst, who, org, cb, payload));
}
