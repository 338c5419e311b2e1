/* SPDX-License-Identifier: Apache-2.0 */
/* Organisations (eseal/accounts.h): added by the operator or a platform administrator, seen by their members. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"

/* A random id: `prefix` and 16 lower-case hex digits. */
static ES_RESULT random_id(char *out, size_t cap, const char *prefix)
{
    uint8_t r[8];
    ES_GUARD(es_random(r, sizeof(r)));
    int n = snprintf(out, cap, "%s%02x%02x%02x%02x%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                     r[7]);
    ES_ENSURE(n > 0 && (size_t)n < cap, ESEAL_ELIMIT, "an id too long");
    return ES_OK;
}

ES_RESULT es_acc_random_id(char *out, size_t cap, const char *prefix) { return random_id(out, cap, prefix); }

static ES_RESULT insert_org(eseal_instance *inst, void *ctx)
{
    return es_from_code(eseal_store_org_insert(inst->store, ctx));
}

/* The organisation identifier of an organisation outside China (eseal/accounts.h eseal_org). One way to
 * say each thing: "NTRCN-<USCC>" is the USCC, given as such; and one identifier an organisation, so that
 * a certificate's organizationIdentifier names at most one owner (src/service/owner.c). */
static ES_RESULT org_identifier(eseal_org *out, const char *identifier)
{
    ES_ENSURE(out->uscc[0] == '\0', ESEAL_EINVAL,
              "an organisation has a unified social credit code or an organisation identifier, not both "
              "(its certificates carry one organizationIdentifier)");
    static const char ntrcn[] = "NTRCN-";
    ES_ENSURE(strncmp(identifier, ntrcn, sizeof(ntrcn) - 1) != 0, ESEAL_EINVAL,
              "'%.80s': an organisation in China is identified by its unified social credit code: give it as "
              "the USCC (--uscc %.40s, \"uscc\" in the API), not as an identifier",
              identifier, identifier + sizeof(ntrcn) - 1);
    eseal_org_id parsed;
    ES_GUARD(es_from_code(eseal_org_id_parse(&parsed, identifier)));
    size_t n = strlen(identifier); /* eseal_org_id_parse: at most ESEAL_ORGID_MAX */
    memcpy(out->identifier, identifier, n + 1);
    return ES_OK;
}

static ES_RESULT org_add(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *name,
                         const char *uscc, const char *identifier)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    es_acting by;
    es_object obj = {"org", name, NULL, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_ORG_ADD, &obj));
    ES_ENSURE(name != NULL && name[0] != '\0', ESEAL_EINVAL, "an organisation needs a name");
    size_t n = strnlen(name, ESEAL_ORG_NAME_MAX + 1);
    ES_ENSURE(n <= ESEAL_ORG_NAME_MAX, ESEAL_EINVAL, "an organisation's name has at most %d bytes",
              ESEAL_ORG_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        ES_ENSURE(c >= 0x20 && c != 0x7f, ESEAL_EINVAL, "an organisation's name has no control characters");
    }
    ES_ENSURE(name[0] != ' ' && name[n - 1] != ' ', ESEAL_EINVAL, "an organisation's name does not start or end with a space");
    if (uscc != NULL && uscc[0] != '\0') {
        ES_ENSURE(strlen(uscc) == 18 && eseal_uscc_valid(uscc) == 1, ESEAL_EINVAL,
                  "'%.40s' is not a valid unified social credit code (18 characters, GB 32100-2015 check character)",
                  uscc);
        memcpy(out->uscc, uscc, 19);
    }
    if (identifier != NULL && identifier[0] != '\0') {
        es_result r = org_identifier(out, identifier);
        if (!es_ok(r)) {
            memset(out, 0, sizeof(*out));
            return r;
        }
    }
    memcpy(out->name, name, n + 1);
    ES_GUARD(random_id(out->id, sizeof(out->id), "org_"));
    out->created_ms = es_inst_now(inst);
    char detail[ESEAL_ORG_NAME_MAX + ESEAL_ORGID_MAX + 96];
    (void)snprintf(detail, sizeof(detail), "%s \"%s\"%s%s%s%s", out->id, out->name,
                   out->uscc[0] != '\0' ? " USCC " : "", out->uscc, out->identifier[0] != '\0' ? " identifier " : "",
                   out->identifier);
    es_result r = es_acc_change(inst, &by, "org.added", out->id, detail, insert_org, out);
    if (!es_ok(r)) {
        memset(out, 0, sizeof(*out));
    }
    return r;
}

int eseal_org_add(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *name, const char *uscc)
{
    ES_RETURN_PUBLIC(org_add(inst, who, out, name, uscc, NULL));
}

int eseal_org_add_ext(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *name,
                      const char *uscc, const char *identifier)
{
    ES_RETURN_PUBLIC(org_add(inst, who, out, name, uscc, identifier));
}

static ES_RESULT org_find(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *ref)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    ES_GUARD(es_acc_org_visible(inst, who, out, ref));
    es_acting by;
    es_object obj = {"org", out->id, out->id, NULL};
    return es_act_on(&by, who, ES_ACT_ORG_READ, &obj);
}

int eseal_org_find(eseal_instance *inst, const eseal_principal *who, eseal_org *out, const char *ref)
{
    ES_RETURN_PUBLIC(org_find(inst, who, out, ref));
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_org *, void *);
    void *ctx;
} org_walk;

static int each_org(const eseal_org *org, void *payload)
{
    org_walk *w = payload;
    return es_acc_sees_org(w->who, org->id) ? w->cb(org, w->ctx) : 0;
}

static ES_RESULT org_list(eseal_instance *inst, const eseal_principal *who, int (*cb)(const eseal_org *, void *),
                          void *ctx)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    org_walk w = {who, cb, ctx};
    return es_from_code(eseal_store_org_list(inst->store, each_org, &w));
}

int eseal_org_list(eseal_instance *inst, const eseal_principal *who, int (*cb)(const eseal_org *org, void *ctx),
                   void *ctx)
{
    ES_RETURN_PUBLIC(org_list(inst, who, cb, ctx));
}
