/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rest of "the API covers the CLI" (issue 19 §2; api.h, docs/openapi.yaml, docs/http-api.md):
 * the instance (what `eseal ca export` and `eseal log checkpoint` tell) and its CA certificates,
 * issuing and revoking organisation certificates, making and renewing seals, the preview of a seal's
 * imprint before it is made (issue 21 §2: the console's seal maker), and detached CMS signatures of
 * any file. Each handler calls eseal/instance.h with the caller's principal; the
 * library decides who may (src/policy/policy.c), and what the caller may not read is "not found".
 * A reference from the request is first resolved with eseal_instance_cert_read or
 * eseal_instance_seal_read for the caller (never a file path) and the library is handed its id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "eseal/imprint.h"
#include "eseal/log.h"
#include "eseal/seal.h"

/* POST /sign: the file is taken in memory, like a document to stamp. */
#define ES_API_SIGN_MAX (48u << 20)
/* A certificate's PEM (a CA's: a few kilobytes; RSA 4096 with long names stays far below). */
#define ES_API_CA_PEM_MAX (64u << 10)
/* A seal's validity asked for in days. */
#define ES_API_SEAL_DAYS_MAX 3650
/* An imprint's texts in bytes, before the drawing counts their characters (at most 40 on an arc:
 * 160 bytes of UTF-8; the drawing refuses more than its own limits, this only keeps the parse small). */
#define ES_API_IMPRINT_TEXT_MAX 256
/* An imprint's width and height in millimetres: the drawing's own bounds (eseal_imprint_spec). */
#define ES_API_IMPRINT_MM_MIN 10
#define ES_API_IMPRINT_MM_MAX 100

/* ---- the instance ----------------------------------------------------------------------------- */

static bool platform_role(const char *role)
{
    return strcmp(role, "root-ca") == 0 || strcmp(role, "issuing-ca") == 0 || strcmp(role, "seal-maker") == 0 ||
           strcmp(role, "tsa") == 0 || strcmp(role, "ocsp") == 0;
}

typedef struct {
    eseal_instance *inst;
    json_t *hierarchies; /* {"sm2": [cert, ...], ...} */
    json_t *tsa;         /* ["p256", ...]: the hierarchies with a current TSA */
} instance_ctx;

static int add_platform_cert(const eseal_cert_record *rec, void *payload)
{
    instance_ctx *x = payload;
    if (!platform_role(rec->role) || rec->hierarchy == NULL || rec->hierarchy[0] == '\0') {
        return 0;
    }
    eseal_cert_status st;
    int rc = eseal_instance_cert_status(x->inst, &st, rec);
    if (rc != ESEAL_OK) {
        return rc;
    }
    json_t *h = json_object_get(x->hierarchies, rec->hierarchy);
    if (h == NULL) {
        h = json_array();
        if (h == NULL || json_object_set_new(x->hierarchies, rec->hierarchy, h) != 0) {
            ES_BAIL_INT(ESEAL_ENOMEM, "instance: out of memory");
        }
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", rec->id, "role", rec->role, "status",
                          eseal_cert_status_name(st), "subject", rec->subject, "alg", rec->alg, "not_before",
                          es_api_time(rec->not_before_ms), "not_after", es_api_time(rec->not_after_ms));
    if (o == NULL || json_array_append_new(h, o) != 0) {
        ES_BAIL_INT(ESEAL_ENOMEM, "instance: out of memory");
    }
    if (strcmp(rec->role, "tsa") == 0 && st == ESEAL_CERT_CURRENT) {
        bool seen = false;
        size_t i;
        json_t *v;
        json_array_foreach(x->tsa, i, v)
        {
            seen = seen || strcmp(json_string_value(v), rec->hierarchy) == 0;
        }
        if (!seen && json_array_append_new(x->tsa, json_string(rec->hierarchy)) != 0) {
            ES_BAIL_INT(ESEAL_ENOMEM, "instance: out of memory");
        }
    }
    return 0;
}

static ES_RESULT instance(es_api_call *c)
{
    eseal_log *log = NULL;
    ES_GUARD(es_from_code(eseal_instance_log(c->inst, &log)));
    uint64_t size = 0, checkpoint = 0;
    ES_GUARD(es_from_code(eseal_log_size(log, &size, &checkpoint)));
    instance_ctx x = {c->inst, json_object(), json_array()};
    json_t *o = json_pack("{s:{s:s, s:I, s:I}, s:o, s:o}", "log", "origin", eseal_log_origin(log), "size",
                          (json_int_t)size, "checkpoint_size", (json_int_t)checkpoint, "hierarchies", x.hierarchies,
                          "tsa", x.tsa);
    ES_ENSURE_ALLOC(o);
    es_result r = es_from_code(eseal_instance_cert_list(c->inst, add_platform_cert, &x));
    if (!es_ok(r)) {
        json_decref(o);
        return r;
    }
    return es_api_reply(c, 200, o);
}

typedef struct {
    const char *id;
    es_buf pem;
    int rc;
} ca_pem_ctx;

static int find_ca(const eseal_cert_record *rec, void *payload)
{
    ca_pem_ctx *x = payload;
    if (!platform_role(rec->role) || strcmp(rec->id, x->id) != 0) {
        return 0;
    }
    x->rc = es_code(es_buf_append_str(&x->pem, rec->pem));
    return 1;
}

static ES_RESULT ca_pem(es_api_call *c)
{
    char seg[64];
    ES_GUARD(es_api_segment(c, seg, sizeof(seg)));
    size_t n = strlen(seg);
    static const char ext[] = ".pem";
    ES_ENSURE(n > sizeof(ext) - 1 && strcmp(seg + n - (sizeof(ext) - 1), ext) == 0, ESEAL_ENOTFOUND,
              "no CA certificate '%.60s' (GET /api/v1/ca/{id}.pem)", seg);
    seg[n - (sizeof(ext) - 1)] = '\0';
    /* By its exact id among the platform's own certificates: the store is never asked for a file. */
    ca_pem_ctx x = {seg, ES_BUF_INIT(ES_API_CA_PEM_MAX), ESEAL_OK};
    int rc = eseal_instance_cert_list(c->inst, find_ca, &x);
    es_result r = rc == ESEAL_OK || rc == 1 ? es_from_code(x.rc) : es_from_code(rc);
    if (es_ok(r) && x.pem.len == 0) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no CA certificate '%.60s'", seg);
    }
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, "application/x-pem-file", x.pem.ptr, x.pem.len);
    }
    es_buf_free(&x.pem);
    return r;
}

/* ---- certificates ----------------------------------------------------------------------------- */

static ES_RESULT alg_of(const char *name, eseal_key_alg *out)
{
    if (name == NULL || strcmp(name, "sm2") == 0) {
        *out = ESEAL_ALG_SM2;
    } else if (strcmp(name, "p256") == 0) {
        *out = ESEAL_ALG_P256;
    } else if (strcmp(name, "rsa") == 0) {
        *out = ESEAL_ALG_RSA2048;
    } else {
        ES_BAIL(ESEAL_EINVAL, "alg is sm2, p256 or rsa");
    }
    return ES_OK;
}

/* Answers `status` with the certificate record `id` as the caller reads it. */
static ES_RESULT reply_cert(es_api_call *c, int status, const char *id)
{
    char org[ESEAL_OWNER_ORG_MAX + 1];
    eseal_cert_record rec;
    ES_GUARD(es_from_code(eseal_instance_cert_read(c->inst, es_api_who(c), &rec, id, org)));
    es_result r = es_api_reply(c, status, es_api_cert_json(&rec, org));
    eseal_cert_record_dispose(&rec);
    return r;
}

static ES_RESULT certs_issue(es_api_call *c)
{
    static const char *const known[] = {"org", "alg", "name", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *org_ref = NULL, *alg = NULL, *name = NULL;
    es_result r = es_api_str(b, "org", false, &org_ref);
    if (es_ok(r)) {
        r = es_api_str(b, "alg", false, &alg);
    }
    if (es_ok(r)) {
        r = es_api_str(b, "name", false, &name);
    }
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    if (es_ok(r)) {
        r = alg_of(alg, &q.alg);
    }
    /* The organisation: the caller's own unless named; one the caller may not see is not found. */
    if (es_ok(r) && org_ref == NULL) {
        org_ref = c->id.org_id;
        if (org_ref[0] == '\0') {
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "the field \"org\" is missing");
        }
    }
    eseal_org org;
    memset(&org, 0, sizeof(org));
    if (es_ok(r)) {
        r = es_from_code(eseal_org_find(c->inst, es_api_who(c), &org, org_ref));
    }
    if (es_ok(r) && org.uscc[0] == '\0' && org.identifier[0] == '\0') {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                         "the organisation %s has neither a USCC nor an identifier: its certificate would name no "
                         "organisation",
                         org.id);
    }
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    if (es_ok(r)) {
        q.name = name != NULL && name[0] != '\0' ? name : org.name;
        q.uscc = org.uscc[0] != '\0' ? org.uscc : NULL;
        q.org_id = org.uscc[0] == '\0' ? org.identifier : NULL; /* its country is the identifier's */
        r = es_from_code(eseal_instance_cert_issue(c->inst, es_api_who(c), &rec, &q));
    }
    json_decref(b);
    ES_GUARD(r);
    r = es_api_reply(c, 201, es_api_cert_json(&rec, org.id));
    eseal_cert_record_dispose(&rec);
    return r;
}

/* The certificate of the route's `*` as the caller reads it: its id into `id`. */
static ES_RESULT cert_of(es_api_call *c, const char *ref, char *id, size_t cap, char *role, size_t role_cap)
{
    eseal_cert_record rec;
    ES_GUARD(es_from_code(eseal_instance_cert_read(c->inst, es_api_who(c), &rec, ref, NULL)));
    (void)snprintf(id, cap, "%s", rec.id);
    if (role != NULL) {
        (void)snprintf(role, role_cap, "%s", rec.role);
    }
    eseal_cert_record_dispose(&rec);
    return ES_OK;
}

static ES_RESULT certs_revoke(es_api_call *c)
{
    static const char *const known[] = {"reason", NULL};
    char ref[130], id[72], role[32];
    ES_GUARD(es_api_segment(c, ref, sizeof(ref)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *reason = NULL;
    int code = 0;
    es_result r = es_api_str(b, "reason", true, &reason);
    if (es_ok(r)) {
        r = es_from_code(eseal_crl_reason_from_name(&code, reason));
    }
    json_decref(b);
    ES_GUARD(r);
    ES_GUARD(cert_of(c, ref, id, sizeof(id), role, sizeof(role)));
    /* The platform's CAs are renewed and revoked with `eseal ca`, not here. */
    ES_ENSURE(strcmp(role, "org") == 0 || strcmp(role, "person") == 0, ESEAL_EINVAL,
              "the certificate %s is the platform's %s: see eseal ca", id, role);
    ES_GUARD(es_from_code(eseal_instance_cert_revoke(c->inst, es_api_who(c), id, code, 0)));
    return reply_cert(c, 200, id);
}

/* ---- seals ------------------------------------------------------------------------------------ */

static ES_RESULT reply_seal(es_api_call *c, int status, eseal_seal_record *rec)
{
    char org[ESEAL_OWNER_ORG_MAX + 1];
    es_result r = es_from_code(eseal_instance_seal_org(c->inst, org, rec));
    if (es_ok(r)) {
        r = es_api_reply(c, status, es_api_seal_json(rec, org));
    }
    eseal_seal_record_dispose(rec);
    return r;
}

/*
 * The imprint fields of POST /seals and POST /imprints/preview, read alike so that the preview draws
 * what the seal will carry: the type (its template gives the shape, the star and the centre line,
 * docs/imprints.md), the text (the upper arc, or the person's name), the code (the lower arc, the
 * invoice's tax ID) and the size. The registry keeps exactly these (src/service/seal.c), so no other
 * field of the drawing is offered.
 */
typedef struct {
    const char *type;
    const char *text; /* NULL: the certificate's organisation (POST /seals only) */
    const char *code; /* NULL: none */
    double width_mm;  /* 0: the type's */
    double height_mm;
} imprint_fields;

static ES_RESULT text_field(json_t *b, const char *key, bool required, const char **out)
{
    ES_GUARD(es_api_str(b, key, required, out));
    ES_ENSURE(*out == NULL || strlen(*out) <= ES_API_IMPRINT_TEXT_MAX, ESEAL_EMALFORMED,
              "the field \"%s\" is longer than %d bytes", key, ES_API_IMPRINT_TEXT_MAX);
    if (*out != NULL && (*out)[0] == '\0') {
        *out = NULL; /* "" is "no such text", as in eseal_imprint_spec */
    }
    return ES_OK;
}

static ES_RESULT mm_field(json_t *b, const char *key, double *out)
{
    json_t *v = json_object_get(b, key);
    *out = 0;
    if (v == NULL || json_is_null(v)) {
        return ES_OK;
    }
    double d = json_is_number(v) ? json_number_value(v) : 0;
    ES_ENSURE(d >= ES_API_IMPRINT_MM_MIN && d <= ES_API_IMPRINT_MM_MAX, ESEAL_EMALFORMED,
              "the field \"%s\" is a number of millimetres %d..%d", key, ES_API_IMPRINT_MM_MIN, ES_API_IMPRINT_MM_MAX);
    *out = d;
    return ES_OK;
}

static ES_RESULT imprint_fields_read(json_t *b, bool text_required, imprint_fields *f, eseal_seal_type *type)
{
    memset(f, 0, sizeof(*f));
    ES_GUARD(es_api_str(b, "type", true, &f->type));
    ES_GUARD(es_from_code(eseal_seal_type_from_name(type, f->type)));
    ES_GUARD(text_field(b, "text", text_required, &f->text));
    ES_ENSURE(!text_required || f->text != NULL, ESEAL_EMALFORMED, "the field \"text\" is empty");
    ES_GUARD(text_field(b, "code", false, &f->code));
    /* A person's seal has no code line: refused rather than dropped, so the preview never differs. */
    bool person = *type == ESEAL_SEAL_PERSONAL || *type == ESEAL_SEAL_LEGAL_REP || *type == ESEAL_SEAL_SIGNATURE;
    ES_ENSURE(!person || f->code == NULL, ESEAL_EMALFORMED, "a %s seal has no code", f->type);
    ES_GUARD(mm_field(b, "width_mm", &f->width_mm));
    return mm_field(b, "height_mm", &f->height_mm);
}

static ES_RESULT seals_make(es_api_call *c)
{
    static const char *const known[] = {"cert", "name", "type", "text", "code", "width_mm", "height_mm", "valid_days",
                                        NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *cert = NULL, *name = NULL;
    es_result r = es_api_str(b, "cert", true, &cert);
    if (es_ok(r)) {
        r = es_api_str(b, "name", true, &name);
    }
    imprint_fields f;
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    if (es_ok(r)) {
        r = imprint_fields_read(b, false, &f, &q.type);
    }
    json_t *days = json_object_get(b, "valid_days");
    if (es_ok(r) && days != NULL && !json_is_null(days)) {
        json_int_t d = json_is_integer(days) ? json_integer_value(days) : 0;
        if (d < 1 || d > ES_API_SEAL_DAYS_MAX) {
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "valid_days is a whole number 1..%d",
                             ES_API_SEAL_DAYS_MAX);
        }
        q.days = (unsigned int)d;
    }
    if (es_ok(r) && name[0] == '\0') {
        r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "the field \"name\" is empty");
    }
    char id[72];
    if (es_ok(r)) {
        r = cert_of(c, cert, id, sizeof(id), NULL, 0);
    }
    eseal_seal_record rec;
    memset(&rec, 0, sizeof(rec));
    if (es_ok(r)) {
        q.cert_ref = id;
        q.name = name;
        q.text = f.text;
        q.code = f.code;
        q.width_mm = f.width_mm;
        q.height_mm = f.height_mm;
        r = es_from_code(eseal_instance_seal_make(c->inst, es_api_who(c), &rec, NULL, &q));
    }
    json_decref(b);
    ES_GUARD(r);
    return reply_seal(c, 201, &rec);
}

static ES_RESULT seals_renew(es_api_call *c)
{
    static const char *const known[] = {"reason", NULL};
    char ref[128];
    ES_GUARD(es_api_segment(c, ref, sizeof(ref)));
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    const char *reason = NULL;
    es_result r = es_api_str(b, "reason", false, &reason);
    char esid[128] = "";
    eseal_seal_record rec;
    memset(&rec, 0, sizeof(rec));
    if (es_ok(r)) {
        r = es_from_code(eseal_instance_seal_read(c->inst, es_api_who(c), &rec, NULL, ref, NULL));
    }
    if (es_ok(r)) {
        (void)snprintf(esid, sizeof(esid), "%s", rec.esid);
        eseal_seal_record_dispose(&rec);
        memset(&rec, 0, sizeof(rec));
        r = es_from_code(eseal_instance_seal_renew(c->inst, es_api_who(c), &rec, esid,
                                                   reason != NULL && reason[0] != '\0' ? reason : "renewed"));
    }
    json_decref(b);
    ES_GUARD(r);
    return reply_seal(c, 201, &rec);
}

/*
 * POST /imprints/preview: the imprint the same fields would give a seal (POST /seals), drawn as SVG
 * and kept nowhere: the console redraws it as its fields change. It reads nothing of the registry,
 * so it asks no policy; it is for logged-in users and tokens with seals:write, as drawing costs CPU
 * (a few milliseconds; the texts and sizes are bounded as the seal's are).
 */
static ES_RESULT imprints_preview(es_api_call *c)
{
    static const char *const known[] = {"type", "text", "code", "width_mm", "height_mm", NULL};
    json_t *b = NULL;
    ES_GUARD(es_api_body(c, known, &b));
    imprint_fields f;
    eseal_seal_type type = ESEAL_SEAL_OTHER;
    es_result r = imprint_fields_read(b, true, &f, &type);
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    if (es_ok(r)) {
        /* the canonical name: the template knows "legal-rep", not its long alias */
        r = es_from_code(eseal_imprint_template(&sp, eseal_seal_type_name(type), f.text, f.code));
    }
    /* The size as the seal's drawing takes it (src/service/seal.c imprint_spec): 0 keeps the type's. */
    if (f.width_mm > 0) {
        sp.width_mm = f.width_mm;
    }
    if (f.height_mm > 0) {
        sp.height_mm = f.height_mm;
    }
    eseal_buf svg = ESEAL_BUF_INIT;
    if (es_ok(r)) {
        int rc = eseal_imprint_render(&svg, &sp, ESEAL_IMPRINT_SVG, 0);
        /* a character the font lacks is a fault of the text asked for, like a text too long */
        r = rc == ESEAL_EUNSUPPORTED ? es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "%s", eseal_error_last()->message)
                                     : es_from_code(rc);
    }
    json_decref(b);
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, "image/svg+xml", svg.ptr, svg.size);
    }
    eseal_buf_dispose(&svg);
    return r;
}

/* ---- detached signatures ---------------------------------------------------------------------- */

static ES_RESULT sign(es_api_call *c)
{
    const char *ref = es_http_arg(c->rq, "cert");
    ES_ENSURE(ref != NULL && ref[0] != '\0', ESEAL_EINVAL, "which certificate? (?cert=ID)");
    ES_ENSURE(strlen(ref) < 130, ESEAL_EINVAL, "cert: too long");
    char id[72];
    ES_GUARD(cert_of(c, ref, id, sizeof(id), NULL, 0));
    char dir[4200], in[4300];
    ES_GUARD(es_api_temp_dir(c, dir, sizeof(dir)));
    (void)snprintf(in, sizeof(in), "%s/data", dir);
    es_result r = es_file_write_new(in, c->rq->body.ptr, c->rq->body.len, 0600);
    eseal_buf p7s = ESEAL_BUF_INIT;
    if (es_ok(r)) {
        r = es_from_code(eseal_instance_sign_file(c->inst, es_api_who(c), &p7s, in, id, NULL));
    }
    (void)unlink(in);
    (void)rmdir(dir);
    if (es_ok(r)) {
        r = es_api_reply_bytes(c, "application/pkcs7-signature", p7s.ptr, p7s.size);
    }
    eseal_buf_dispose(&p7s);
    return r;
}

#define GET ES_ROUTE_GET
#define POST ES_ROUTE_POST
#define J ES_CT_JSON

const es_api_route es_api_more_routes[] = {
    {GET, "/instance", ES_API_USER, NULL, NULL, 0, instance, "GET /api/v1/instance"},
    {GET, "/ca/*", ES_API_USER, NULL, NULL, 0, ca_pem, "GET /api/v1/ca/{id}.pem"},
    {POST, "/certs", ES_API_USER, "seals:write", J, 0, certs_issue, "POST /api/v1/certs"},
    {POST, "/certs/*/revoke", ES_API_USER, "seals:write", J, 0, certs_revoke, "POST /api/v1/certs/{id}/revoke"},
    {POST, "/seals", ES_API_USER, "seals:write", J, 0, seals_make, "POST /api/v1/seals"},
    {POST, "/seals/*/renew", ES_API_USER, "seals:write", J, 0, seals_renew, "POST /api/v1/seals/{esid}/renew"},
    {POST, "/sign", ES_API_USER, "stamp", NULL, ES_API_SIGN_MAX, sign, "POST /api/v1/sign"},
    {POST, "/imprints/preview", ES_API_USER, "seals:write", J, 0, imprints_preview, "POST /api/v1/imprints/preview"},
};
const size_t es_api_more_route_count = sizeof(es_api_more_routes) / sizeof(es_api_more_routes[0]);
