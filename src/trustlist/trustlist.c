/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust lists (include/eseal/trustlist.h, docs/trust-lists.md): the JSON data model of ETSI TS 119 602
 * ("lists of trusted entities", LoTE), signed as a compact JWS with ES256 (jws.c).
 *
 * The reader refuses rather than repairs, since what it returns decides whom a verifier trusts: the
 * whole JWS is bounded before anything is decoded (ESEAL_TRUSTLIST_MAX_BYTES), the signature is
 * checked before the payload is read as a list, every count and string is bounded (ELIMIT), every
 * member the format requires must be there with its JSON type (EMALFORMED), duplicate names are
 * refused (two "ServiceStatus" would let two readers see two lists). Members it does not know are
 * skipped, and so is a service whose type it does not know: a newer list still reads, and what is not
 * understood is not trusted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "tl_int.h"
#include "util/versions.h"

/* ETSI TS 119 612 §5.5.1 service types where one fits, ours (urn:eseal:svc:) where none does. */
static const struct {
    eseal_tl_service_type type;
    const char *uri;
    const char *name;
} service_types[] = {
    {ESEAL_TL_CA, "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC", "ca"},
    {ESEAL_TL_SEAL_MAKER, "urn:eseal:svc:seal-maker", "seal-maker"},
    {ESEAL_TL_TSA, "http://uri.etsi.org/TrstSvc/Svctype/TSA", "tsa"},
    {ESEAL_TL_OCSP, "http://uri.etsi.org/TrstSvc/Svctype/Certstatus/OCSP", "ocsp"},
    {ESEAL_TL_AUDIT_LOG, "urn:eseal:svc:audit-log", "audit-log"},
    {ESEAL_TL_WITNESS, "urn:eseal:svc:witness", "witness"},
    {ESEAL_TL_REGISTRY, "urn:eseal:svc:registry", "registry"},
    {ESEAL_TL_TRUST_LIST, "urn:eseal:svc:trust-list", "trust-list"},
};
#define N_SERVICE_TYPES (sizeof(service_types) / sizeof(service_types[0]))

/* ETSI TS 119 612 §5.5.4 statuses; LoTEType values of ours. */
#define STATUS_GRANTED "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
#define STATUS_WITHDRAWN "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
#define LOTE_PLATFORM "urn:eseal:lote:platform"
#define LOTE_LIST_OF_LISTS "urn:eseal:lote:list-of-lists"
#define LOTE_VERSION 1

/* Base64 of the largest certificate a list may carry (4 characters for 3 bytes, padded). */
#define TL_CERT_B64_MAX ((ESEAL_TRUSTLIST_MAX_CERT + 2) / 3 * 4)
/* A path into the list for messages, "TrustedEntitiesList[1023].TrustedEntityServices[255].ServiceHistory[63]". */
#define TL_PATH_MAX 192

/* A path for messages; a long one is cut (it only names where the problem is). */
__attribute__((format(printf, 3, 4))) static void path_of(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

const char *eseal_tl_service_type_uri(eseal_tl_service_type t)
{
    for (size_t i = 0; i < N_SERVICE_TYPES; i++) {
        if (service_types[i].type == t) {
            return service_types[i].uri;
        }
    }
    return NULL;
}

const char *eseal_tl_service_type_name(eseal_tl_service_type t)
{
    for (size_t i = 0; i < N_SERVICE_TYPES; i++) {
        if (service_types[i].type == t) {
            return service_types[i].name;
        }
    }
    return NULL;
}

static bool type_from_uri(eseal_tl_service_type *out, const char *uri)
{
    for (size_t i = 0; i < N_SERVICE_TYPES; i++) {
        if (strcmp(service_types[i].uri, uri) == 0) {
            *out = service_types[i].type;
            return true;
        }
    }
    return false;
}

int eseal_tl_service_type_parse(eseal_tl_service_type *out, const char *text)
{
    if (out == NULL || text == NULL) {
        ES_BAIL_ARG("out == NULL || text == NULL");
    }
    for (size_t i = 0; i < N_SERVICE_TYPES; i++) {
        if (strcmp(service_types[i].uri, text) == 0 || strcmp(service_types[i].name, text) == 0) {
            *out = service_types[i].type;
            return ESEAL_OK;
        }
    }
    ES_BAIL_INT(ESEAL_EINVAL,
                "trust list: \"%.64s\" is no service type (ca, seal-maker, tsa, ocsp, audit-log, witness, registry, "
                "trust-list, or their URIs)",
                text);
}

/* ---- fingerprints --------------------------------------------------------------------------- */

static ES_RESULT spki_hex(char hex[65], es_span spki)
{
    uint8_t md[32];
    ES_GUARD(es_sha256(md, &spki, 1));
    es_hex_lower(hex, md, sizeof(md));
    return ES_OK;
}

int eseal_spki_sha256(char hex[65], const void *spki_der, size_t len)
{
    if (hex == NULL || spki_der == NULL || len == 0) {
        ES_BAIL_ARG("hex == NULL || spki_der == NULL || len == 0");
    }
    return es_code(spki_hex(hex, es_span_of(spki_der, len)));
}

int eseal_key_spki_sha256(char hex[65], const eseal_key *key)
{
    if (hex == NULL || key == NULL) {
        ES_BAIL_ARG("hex == NULL || key == NULL");
    }
    eseal_buf pub = ESEAL_BUF_INIT;
    int rc = eseal_key_public_der(&pub, key);
    if (rc == ESEAL_OK) {
        rc = es_code(spki_hex(hex, es_span_of(pub.ptr, pub.size)));
    }
    eseal_buf_dispose(&pub);
    return rc;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* A signer's text: NULL (allowed when not required) or 1..MAX_STRING bytes of UTF-8. */
static ES_RESULT check_text(const char *s, bool required, const char *path, const char *field)
{
    if (s == NULL) {
        ES_ENSURE(!required, ESEAL_EINVAL, "trust list: %s%s is required", path, field);
        return ES_OK;
    }
    size_t n = strnlen(s, ESEAL_TRUSTLIST_MAX_STRING + 1);
    ES_ENSURE(n > 0, ESEAL_EINVAL, "trust list: %s%s is empty (NULL when there is none)", path, field);
    ES_ENSURE(n <= ESEAL_TRUSTLIST_MAX_STRING, ESEAL_EINVAL,
              "trust list: %s%s is longer than ESEAL_TRUSTLIST_MAX_STRING (%d bytes)", path, field,
              ESEAL_TRUSTLIST_MAX_STRING);
    ES_ENSURE(es_tl_utf8(s, n), ESEAL_EINVAL, "trust list: %s%s is not UTF-8 text", path, field);
    return ES_OK;
}

static ES_RESULT check_time(int64_t ms, const char *path, const char *field)
{
    char t[ES_TL_TIME_LEN];
    ES_ENSURE(es_tl_time_text(t, ms, false), ESEAL_EINVAL, "trust list: %s%s (%lld ms) is not a time of 1970 to 9999",
              path, field, (long long)ms);
    return ES_OK;
}

static ES_RESULT set(json_t *o, const char *name, json_t *v)
{
    ES_ENSURE(v != NULL && json_object_set_new(o, name, v) == 0, ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

static ES_RESULT push(json_t *a, json_t *v)
{
    ES_ENSURE(v != NULL && json_array_append_new(a, v) == 0, ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

/* TS 119 602's multilingual strings: [{"lang":"en","value":...}] (or "uriValue" for a URI). */
static json_t *lang_value(const char *key, const char *text)
{
    return json_pack("[{s:s, s:s}]", "lang", "en", key, text);
}

static ES_RESULT set_time(json_t *o, const char *name, int64_t ms)
{
    char t[ES_TL_TIME_LEN];
    ES_ENSURE(es_tl_time_text(t, ms, false), ESEAL_EINVAL, "trust list: %s out of 1970 to 9999", name);
    return set(o, name, json_string(t));
}

static json_t *status_uri(const eseal_tl_status *s)
{
    return json_string(s->withdrawn ? STATUS_WITHDRAWN : STATUS_GRANTED);
}

/* [{"val": base64 DER}] of a certificate or a key, counted in the list's running size. */
static ES_RESULT der_values(json_t **out, const uint8_t *der, size_t len, size_t *est)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(TL_CERT_B64_MAX);
    ES_GUARD(es_base64_encode(&b, es_span_of(der, len)));
    *est += b.len;
    *out = json_pack("[{s:s}]", "val", es_buf_cstr(&b));
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

static ES_RESULT check_der(const uint8_t *der, size_t len, const char *path, const char *field)
{
    ES_ENSURE((der == NULL) == (len == 0), ESEAL_EINVAL, "trust list: %s%s: bytes and length disagree", path, field);
    ES_ENSURE(len <= ESEAL_TRUSTLIST_MAX_CERT, ESEAL_EINVAL,
              "trust list: %s%s is %zu bytes, over ESEAL_TRUSTLIST_MAX_CERT (%d)", path, field, len,
              ESEAL_TRUSTLIST_MAX_CERT);
    return ES_OK;
}

static ES_RESULT check_service(const eseal_tl_service *s, const char *path)
{
    ES_ENSURE(eseal_tl_service_type_uri(s->type) != NULL, ESEAL_EINVAL, "trust list: %s.type %d is no service type",
              path, (int)s->type);
    ES_GUARD(check_text(s->name, true, path, ".name"));
    ES_GUARD(check_der(s->cert_der, s->cert_len, path, ".cert_der"));
    ES_GUARD(check_der(s->spki_der, s->spki_len, path, ".spki_der"));
    ES_ENSURE(s->cert_len > 0 || s->spki_len > 0, ESEAL_EINVAL,
              "trust list: %s has neither a certificate nor a public key (its key identity)", path);
    if (s->type == ESEAL_TL_TRUST_LIST) {
        /* A list of lists names each list by its signing key: a P-256 key, as every list's. */
        uint8_t x[32], y[32];
        ES_ENSURE(s->spki_len > 0 && es_ok(es_p256_spki_point(x, y, es_span_of(s->spki_der, s->spki_len))),
                  ESEAL_EINVAL, "trust list: %s is a trust list: its spki_der is that list's P-256 signing key", path);
    }
    ES_GUARD(check_text(s->note_key, false, path, ".note_key"));
    ES_GUARD(check_text(s->supply_point, false, path, ".supply_point"));
    ES_ENSURE(s->status.withdrawn == 0 || s->status.withdrawn == 1, ESEAL_EINVAL,
              "trust list: %s.status.withdrawn is %d (0 or 1)", path, s->status.withdrawn);
    ES_GUARD(check_time(s->status.since_ms, path, ".status.since_ms"));
    ES_ENSURE(s->history_count <= ESEAL_TRUSTLIST_MAX_HISTORY, ESEAL_EINVAL,
              "trust list: %s has %zu earlier statuses, over ESEAL_TRUSTLIST_MAX_HISTORY (%d)", path, s->history_count,
              ESEAL_TRUSTLIST_MAX_HISTORY);
    ES_ENSURE(s->history != NULL || s->history_count == 0, ESEAL_EINVAL, "trust list: %s.history is NULL", path);
    /* Newest first, none after the current status, compared as written (whole seconds): a verifier
     * takes the latest status that started at or before its time (docs/trust-lists.md). */
    int64_t after = s->status.since_ms / 1000;
    for (size_t i = 0; i < s->history_count; i++) {
        const eseal_tl_status *h = &s->history[i];
        ES_ENSURE(h->withdrawn == 0 || h->withdrawn == 1, ESEAL_EINVAL,
                  "trust list: %s.history[%zu].withdrawn is %d (0 or 1)", path, i, h->withdrawn);
        ES_GUARD(check_time(h->since_ms, path, ".history[].since_ms"));
        ES_ENSURE(h->since_ms / 1000 <= after, ESEAL_EINVAL,
                  "trust list: %s.history[%zu] starts after the status before it (the history is newest first)", path,
                  i);
        after = h->since_ms / 1000;
    }
    return ES_OK;
}

static ES_RESULT service_json(json_t **out, const eseal_tl_service *s, const char *path, size_t *est)
{
    ES_GUARD(check_service(s, path));
    ES_AUTO(json_decrefp) json_t *si = json_object();
    ES_ENSURE_ALLOC(si);
    ES_GUARD(set(si, "ServiceTypeIdentifier", json_string(eseal_tl_service_type_uri(s->type))));
    ES_GUARD(set(si, "ServiceName", lang_value("value", s->name)));
    json_t *sdi = json_object();
    ES_GUARD(set(si, "ServiceDigitalIdentity", sdi));
    json_t *v = NULL;
    if (s->cert_len > 0) {
        ES_GUARD(der_values(&v, s->cert_der, s->cert_len, est));
        ES_GUARD(set(sdi, "X509Certificates", v));
    }
    if (s->spki_len > 0) {
        ES_GUARD(der_values(&v, s->spki_der, s->spki_len, est));
        ES_GUARD(set(sdi, "PublicKeyValues", v));
    }
    if (s->note_key != NULL) {
        ES_GUARD(set(sdi, "eseal:NoteVerifierKey", json_string(s->note_key)));
    }
    ES_GUARD(set(si, "ServiceStatus", status_uri(&s->status)));
    ES_GUARD(set_time(si, "StatusStartingTime", s->status.since_ms));
    if (s->supply_point != NULL) {
        ES_GUARD(set(si, "ServiceSupplyPoints", json_pack("[{s:s}]", "uriValue", s->supply_point)));
    }
    ES_AUTO(json_decrefp) json_t *svc = json_object();
    ES_ENSURE_ALLOC(svc);
    ES_GUARD(set(svc, "ServiceInformation", json_incref(si)));
    if (s->history_count > 0) {
        json_t *hist = json_array();
        ES_GUARD(set(svc, "ServiceHistory", hist));
        for (size_t i = 0; i < s->history_count; i++) {
            json_t *h = json_object();
            ES_GUARD(push(hist, h));
            ES_GUARD(set(h, "ServiceStatus", status_uri(&s->history[i])));
            ES_GUARD(set_time(h, "StatusStartingTime", s->history[i].since_ms));
        }
    }
    /* Names, URIs and members: a generous bound on the JSON around the strings counted. */
    *est += 512 + strlen(s->name) + (s->note_key != NULL ? strlen(s->note_key) : 0) +
            (s->supply_point != NULL ? strlen(s->supply_point) : 0) + 128 * s->history_count;
    *out = json_incref(svc);
    return ES_OK;
}

static ES_RESULT entity_json(json_t **out, const eseal_tl_entity *e, size_t i, size_t *est)
{
    char path[TL_PATH_MAX];
    path_of(path, sizeof(path), "entities[%zu]", i);
    ES_GUARD(check_text(e->name, true, path, ".name"));
    ES_GUARD(check_text(e->info_uri, false, path, ".info_uri"));
    ES_ENSURE(e->service_count <= ESEAL_TRUSTLIST_MAX_SERVICES, ESEAL_EINVAL,
              "trust list: %s has %zu services, over ESEAL_TRUSTLIST_MAX_SERVICES (%d)", path, e->service_count,
              ESEAL_TRUSTLIST_MAX_SERVICES);
    ES_ENSURE(e->services != NULL || e->service_count == 0, ESEAL_EINVAL, "trust list: %s.services is NULL", path);
    ES_AUTO(json_decrefp) json_t *ent = json_object();
    ES_ENSURE_ALLOC(ent);
    json_t *tei = json_object();
    ES_GUARD(set(ent, "TrustedEntityInformation", tei));
    ES_GUARD(set(tei, "TEName", lang_value("value", e->name)));
    if (e->info_uri != NULL) {
        ES_GUARD(set(tei, "TEInformationURI", lang_value("uriValue", e->info_uri)));
    }
    json_t *svcs = json_array();
    ES_GUARD(set(ent, "TrustedEntityServices", svcs));
    for (size_t k = 0; k < e->service_count; k++) {
        char spath[TL_PATH_MAX];
        path_of(spath, sizeof(spath), "%s.services[%zu]", path, k);
        json_t *s = NULL;
        ES_GUARD(service_json(&s, &e->services[k], spath, est));
        ES_GUARD(push(svcs, s));
        /* Refused before the whole list is built: entities times services times certificates could
         * otherwise take gigabytes to find out. */
        ES_ENSURE(*est <= ESEAL_TRUSTLIST_MAX_BYTES, ESEAL_EINVAL,
                  "trust list: the list would exceed ESEAL_TRUSTLIST_MAX_BYTES (%u) at %s", ESEAL_TRUSTLIST_MAX_BYTES,
                  spath);
    }
    *est += 256 + strlen(e->name) + (e->info_uri != NULL ? strlen(e->info_uri) : 0);
    *out = json_incref(ent);
    return ES_OK;
}

static ES_RESULT check_info(const eseal_tl_info *info)
{
    ES_GUARD(check_text(info->operator_name, true, "info", ".operator_name"));
    ES_GUARD(check_text(info->scheme_name, true, "info", ".scheme_name"));
    ES_GUARD(check_text(info->territory, true, "info", ".territory"));
    const char *t = info->territory;
    ES_ENSURE(strlen(t) == 2 && t[0] >= 'A' && t[0] <= 'Z' && t[1] >= 'A' && t[1] <= 'Z', ESEAL_EINVAL,
              "trust list: info.territory \"%s\" is not an ISO 3166-1 alpha-2 code (\"CN\")", t);
    ES_GUARD(check_text(info->distribution_point, false, "info", ".distribution_point"));
    ES_ENSURE(info->list_of_lists == 0 || info->list_of_lists == 1, ESEAL_EINVAL,
              "trust list: info.list_of_lists is %d (0 or 1)", info->list_of_lists);
    /* A JSON integer every reader takes exactly: 1 to 2^53 - 1 (RFC 8259 §6, I-JSON). */
    ES_ENSURE(info->sequence >= 1 && info->sequence <= (UINT64_C(1) << 53) - 1, ESEAL_EINVAL,
              "trust list: info.sequence %llu is not 1 to 2^53 - 1", (unsigned long long)info->sequence);
    ES_GUARD(check_time(info->issued_ms, "info", ".issued_ms"));
    ES_GUARD(check_time(info->next_update_ms, "info", ".next_update_ms"));
    ES_ENSURE(info->next_update_ms / 1000 > info->issued_ms / 1000, ESEAL_EINVAL,
              "trust list: info.next_update_ms is not after info.issued_ms (in whole seconds)");
    return ES_OK;
}

/* {"new_key_sha256": hex of the new list key, "sequence": n}, signed by the key it replaces. */
static ES_RESULT rotation_json(json_t **out, const eseal_tl_info *info, eseal_key *key, eseal_key *previous)
{
    ES_GUARD(es_jws_key_p256(previous, "the previous key of a trust list"));
    char new_hex[65], old_hex[65];
    ES_GUARD(es_from_code(eseal_key_spki_sha256(new_hex, key)));
    ES_GUARD(es_from_code(eseal_key_spki_sha256(old_hex, previous)));
    ES_ENSURE(strcmp(new_hex, old_hex) != 0, ESEAL_EINVAL,
              "trust list: the previous key is the list's key: a rotation names another key");
    ES_AUTO(json_decrefp) json_t *st = json_pack("{s:s, s:I}", "new_key_sha256", new_hex, "sequence",
                                                 (json_int_t)info->sequence);
    ES_ENSURE_ALLOC(st);
    char *text = json_dumps(st, JSON_COMPACT);
    ES_ENSURE_ALLOC(text);
    ES_AUTO(es_buf_freep) es_buf jws = ES_BUF_INIT(ES_JWS_ROTATION_MAX);
    es_result r = es_jws_sign(&jws, ES_JWS_TYP_ROTATION, ES_JWS_BARE, es_span_of(text, strlen(text)), previous);
    free(text); /* !checksrc! allowed: jansson's allocation */
    ES_GUARD(r);
    eseal_buf pub = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_key_public_der(&pub, previous)));
    ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT(TL_CERT_B64_MAX);
    r = es_base64_encode(&b64, es_span_of(pub.ptr, pub.size));
    eseal_buf_dispose(&pub);
    ES_GUARD(r);
    *out = json_pack("{s:s, s:s}", "PreviousKey", es_buf_cstr(&b64), "Statement", es_buf_cstr(&jws));
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

static ES_RESULT info_json(json_t **out, const eseal_tl_info *info, eseal_key *key, eseal_key *previous)
{
    ES_GUARD(check_info(info));
    ES_AUTO(json_decrefp) json_t *lsi = json_object();
    ES_ENSURE_ALLOC(lsi);
    ES_GUARD(set(lsi, "LoTEVersionIdentifier", json_integer(LOTE_VERSION)));
    ES_GUARD(set(lsi, "LoTESequenceNumber", json_integer((json_int_t)info->sequence)));
    ES_GUARD(set(lsi, "LoTEType", json_string(info->list_of_lists ? LOTE_LIST_OF_LISTS : LOTE_PLATFORM)));
    ES_GUARD(set(lsi, "SchemeOperatorName", lang_value("value", info->operator_name)));
    ES_GUARD(set(lsi, "SchemeName", lang_value("value", info->scheme_name)));
    ES_GUARD(set(lsi, "SchemeTerritory", json_string(info->territory)));
    ES_GUARD(set_time(lsi, "ListIssueDateTime", info->issued_ms));
    ES_GUARD(set_time(lsi, "NextUpdate", info->next_update_ms));
    if (info->distribution_point != NULL) {
        ES_GUARD(set(lsi, "DistributionPoints", json_pack("[s]", info->distribution_point)));
    }
    if (previous != NULL) {
        json_t *rot = NULL;
        ES_GUARD(rotation_json(&rot, info, key, previous));
        ES_GUARD(set(lsi, "eseal:KeyRotation", rot));
    }
    *out = json_incref(lsi);
    return ES_OK;
}

static ES_RESULT sign_list(es_buf *out, const eseal_tl_info *info, const eseal_tl_entity *entities, size_t count,
                           eseal_key *key, eseal_key *previous)
{
    ES_GUARD(es_jws_key_p256(key, "a trust list's key"));
    ES_ENSURE(count <= ESEAL_TRUSTLIST_MAX_ENTITIES, ESEAL_EINVAL,
              "trust list: %zu entities, over ESEAL_TRUSTLIST_MAX_ENTITIES (%d)", count, ESEAL_TRUSTLIST_MAX_ENTITIES);
    ES_ENSURE(entities != NULL || count == 0, ESEAL_EINVAL, "trust list: entities is NULL");
    json_t *lsi = NULL;
    ES_GUARD(info_json(&lsi, info, key, previous));
    ES_AUTO(json_decrefp) json_t *lote = json_object();
    ES_ENSURE_ALLOC(lote);
    ES_GUARD(set(lote, "ListAndSchemeInformation", lsi));
    json_t *tel = json_array();
    ES_GUARD(set(lote, "TrustedEntitiesList", tel));
    size_t est = 1024;
    for (size_t i = 0; i < count; i++) {
        json_t *e = NULL;
        ES_GUARD(entity_json(&e, &entities[i], i, &est));
        ES_GUARD(push(tel, e));
    }
    ES_AUTO(json_decrefp) json_t *root = json_pack("{s:O}", "LoTE", lote);
    ES_ENSURE_ALLOC(root);
    char *text = json_dumps(root, JSON_COMPACT);
    ES_ENSURE_ALLOC(text);
    size_t n = strlen(text);
    /* The JWS: the header (a JWK, under 300 characters), 4/3 of the payload, the signature (86). */
    es_result r = ES_OK;
    if (n / 3 * 4 + 512 > ESEAL_TRUSTLIST_MAX_BYTES) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                         "trust list: the signed list would exceed ESEAL_TRUSTLIST_MAX_BYTES (%u bytes)",
                         ESEAL_TRUSTLIST_MAX_BYTES);
    } else {
        r = es_jws_sign(out, ES_JWS_TYP_LIST, ES_JWS_JWK, es_span_of(text, n), key);
    }
    free(text); /* !checksrc! allowed: jansson's allocation */
    return r;
}

int eseal_trustlist_sign(eseal_buf *out, const eseal_tl_info *info, const eseal_tl_entity *entities,
                         size_t entity_count, eseal_key *key, eseal_key *previous)
{
    ES_CHECK_VERSION_INT(info, tl_info);
    if (out == NULL || key == NULL) {
        ES_BAIL_ARG("out == NULL || key == NULL");
    }
    es_buf b = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_BYTES);
    es_result r = sign_list(&b, info, entities, entity_count, key, previous);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    eseal_buf_dispose(out);
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

/* ---- reading -------------------------------------------------------------------------------- */

/* The parsed arrays and decoded keys of a list live in chunks freed with it. */
typedef struct tl_chunk {
    struct tl_chunk *next;
    max_align_t data[];
} tl_chunk;

struct eseal_trustlist {
    json_t *root;             /* the payload parsed: every string of the list points into it */
    es_buf json;              /* the payload as signed */
    eseal_tl_info info;
    eseal_tl_entity *entities;
    size_t n_entities;
    es_buf key_spki;
    char key_sha256[65];
    char prev_sha256[65];     /* "" without a rotation statement */
    const char *rot_previous; /* eseal:KeyRotation, checked once the list's key is known */
    const char *rot_statement;
    tl_chunk *chunks;
};

static ES_RESULT tl_alloc(void **out, eseal_trustlist *tl, size_t count, size_t size)
{
    size_t n = 0, total = 0;
    ES_ENSURE(!ES_MUL_OVERFLOW(count, size, &n) && !ES_ADD_OVERFLOW(n, sizeof(tl_chunk), &total), ESEAL_ELIMIT,
              "trust list: too large");
    tl_chunk *c = es_calloc(1, total);
    ES_ENSURE_ALLOC(c);
    c->next = tl->chunks;
    tl->chunks = c;
    *out = c->data;
    return ES_OK;
}

static const char *type_name(json_type t)
{
    switch (t) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    default:
        return "of its type";
    }
}

/* Member `name` of `obj` of JSON type `type`: *out NULL when absent and not required. */
static ES_RESULT member(json_t **out, json_t *obj, const char *name, json_type type, bool required, const char *path)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (v == NULL) {
        ES_ENSURE(!required, ESEAL_EMALFORMED, "trust list: %s.%s is missing", path, name);
        return ES_OK;
    }
    ES_ENSURE(json_typeof(v) == type, ESEAL_EMALFORMED, "trust list: %s.%s is not %s", path, name, type_name(type));
    *out = v;
    return ES_OK;
}

static ES_RESULT text_value(const char **out, json_t *v, const char *path, const char *name)
{
    size_t n = json_string_length(v);
    ES_ENSURE(n <= ESEAL_TRUSTLIST_MAX_STRING, ESEAL_ELIMIT,
              "trust list: %s%s is %zu bytes, over ESEAL_TRUSTLIST_MAX_STRING (%d)", path, name, n,
              ESEAL_TRUSTLIST_MAX_STRING);
    ES_ENSURE(n > 0, ESEAL_EMALFORMED, "trust list: %s%s is empty", path, name);
    /* jansson checks UTF-8 already; the writer's own check, so that what is read signs again */
    ES_ENSURE(es_tl_utf8(json_string_value(v), n), ESEAL_EMALFORMED, "trust list: %s%s is not UTF-8", path, name);
    *out = json_string_value(v);
    return ES_OK;
}

static ES_RESULT text_member(const char **out, json_t *obj, const char *name, bool required, const char *path)
{
    json_t *v = NULL;
    ES_GUARD(member(&v, obj, name, JSON_STRING, required, path));
    *out = NULL;
    if (v == NULL) {
        return ES_OK;
    }
    char dot[TL_PATH_MAX];
    path_of(dot, sizeof(dot), ".%s", name);
    return text_value(out, v, path, dot);
}

static ES_RESULT time_member(int64_t *ms, json_t *obj, const char *name, const char *path)
{
    const char *t = NULL;
    ES_GUARD(text_member(&t, obj, name, true, path));
    char what[TL_PATH_MAX + 32];
    path_of(what, sizeof(what), "trust list: %s.%s", path, name);
    return es_tl_time_parse(ms, t, false, what);
}

/* A multilingual member, [{"lang":..,key:..}, ...]: the English text, else the first. */
static ES_RESULT lang_member(const char **out, json_t *obj, const char *name, const char *key, bool required,
                             const char *path)
{
    json_t *a = NULL;
    *out = NULL;
    ES_GUARD(member(&a, obj, name, JSON_ARRAY, required, path));
    if (a == NULL) {
        return ES_OK;
    }
    ES_ENSURE(json_array_size(a) > 0, ESEAL_EMALFORMED, "trust list: %s.%s is empty", path, name);
    const char *first = NULL, *en = NULL;
    for (size_t i = 0; i < json_array_size(a); i++) {
        char p[TL_PATH_MAX];
        path_of(p, sizeof(p), "%s.%s[%zu]", path, name, i);
        json_t *e = json_array_get(a, i);
        ES_ENSURE(json_is_object(e), ESEAL_EMALFORMED, "trust list: %s is not an object", p);
        const char *lang = NULL, *v = NULL;
        ES_GUARD(text_member(&lang, e, "lang", true, p));
        ES_GUARD(text_member(&v, e, key, true, p));
        if (first == NULL) {
            first = v;
        }
        if (en == NULL && strcmp(lang, "en") == 0) {
            en = v;
        }
    }
    *out = en != NULL ? en : first;
    return ES_OK;
}

/* [{"val": base64 DER}]: one certificate or key (the struct holds one), decoded into the list. */
static ES_RESULT der_member(const uint8_t **der, size_t *len, eseal_trustlist *tl, json_t *obj, const char *name,
                            const char *path)
{
    json_t *a = NULL;
    ES_GUARD(member(&a, obj, name, JSON_ARRAY, false, path));
    if (a == NULL) {
        return ES_OK;
    }
    ES_ENSURE(json_array_size(a) == 1, ESEAL_EMALFORMED, "trust list: %s.%s has %zu entries (one per service)", path,
              name, json_array_size(a));
    char p[TL_PATH_MAX];
    path_of(p, sizeof(p), "%s.%s[0]", path, name);
    json_t *e = json_array_get(a, 0);
    ES_ENSURE(json_is_object(e), ESEAL_EMALFORMED, "trust list: %s is not an object", p);
    json_t *v = NULL;
    ES_GUARD(member(&v, e, "val", JSON_STRING, true, p));
    size_t n = json_string_length(v);
    ES_ENSURE(n <= TL_CERT_B64_MAX, ESEAL_ELIMIT, "trust list: %s.val is over ESEAL_TRUSTLIST_MAX_CERT (%d bytes)", p,
              ESEAL_TRUSTLIST_MAX_CERT);
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_CERT + 2);
    ES_GUARD_CTX(es_base64_decode(&b, es_span_of(json_string_value(v), n)), "trust list: %s.val", p);
    ES_ENSURE(b.len > 0 && b.len <= ESEAL_TRUSTLIST_MAX_CERT, b.len == 0 ? ESEAL_EMALFORMED : ESEAL_ELIMIT,
              "trust list: %s.val is %zu bytes (1 to ESEAL_TRUSTLIST_MAX_CERT, %d)", p, b.len,
              ESEAL_TRUSTLIST_MAX_CERT);
    void *copy = NULL;
    ES_GUARD(tl_alloc(&copy, tl, 1, b.len));
    memcpy(copy, b.ptr, b.len);
    *der = copy;
    *len = b.len;
    return ES_OK;
}

static ES_RESULT status_member(eseal_tl_status *st, json_t *obj, const char *path)
{
    const char *s = NULL;
    ES_GUARD(text_member(&s, obj, "ServiceStatus", true, path));
    if (strcmp(s, STATUS_GRANTED) == 0) {
        st->withdrawn = 0;
    } else if (strcmp(s, STATUS_WITHDRAWN) == 0) {
        st->withdrawn = 1;
    } else {
        ES_BAIL(ESEAL_EMALFORMED, "trust list: %s.ServiceStatus \"%.80s\" is neither granted nor withdrawn (%s)", path,
                s, STATUS_GRANTED);
    }
    return time_member(&st->since_ms, obj, "StatusStartingTime", path);
}

static ES_RESULT parse_history(eseal_tl_service *s, eseal_trustlist *tl, json_t *svc, const char *path)
{
    json_t *a = NULL;
    ES_GUARD(member(&a, svc, "ServiceHistory", JSON_ARRAY, false, path));
    size_t n = a != NULL ? json_array_size(a) : 0;
    ES_ENSURE(n <= ESEAL_TRUSTLIST_MAX_HISTORY, ESEAL_ELIMIT,
              "trust list: %s.ServiceHistory has %zu statuses, over ESEAL_TRUSTLIST_MAX_HISTORY (%d)", path, n,
              ESEAL_TRUSTLIST_MAX_HISTORY);
    if (n == 0) {
        return ES_OK;
    }
    eseal_tl_status *h = NULL;
    ES_GUARD(tl_alloc((void **)&h, tl, n, sizeof(*h)));
    int64_t after = s->status.since_ms;
    for (size_t i = 0; i < n; i++) {
        char p[TL_PATH_MAX];
        path_of(p, sizeof(p), "%s.ServiceHistory[%zu]", path, i);
        json_t *e = json_array_get(a, i);
        ES_ENSURE(json_is_object(e), ESEAL_EMALFORMED, "trust list: %s is not an object", p);
        ES_GUARD(status_member(&h[i], e, p));
        /* Newest first and none after the current status: otherwise "the status at time T" would
         * depend on how a reader sorts. */
        ES_ENSURE(h[i].since_ms <= after, ESEAL_EMALFORMED,
                  "trust list: %s starts after the status before it (the history is newest first)", p);
        after = h[i].since_ms;
    }
    s->history = h;
    s->history_count = n;
    return ES_OK;
}

/* One service; *known false (and nothing else read) for a type this reader does not know. */
static ES_RESULT parse_service(eseal_tl_service *s, bool *known, eseal_trustlist *tl, json_t *svc, const char *path)
{
    ES_ENSURE(json_is_object(svc), ESEAL_EMALFORMED, "trust list: %s is not an object", path);
    json_t *si = NULL;
    ES_GUARD(member(&si, svc, "ServiceInformation", JSON_OBJECT, true, path));
    char p[TL_PATH_MAX];
    path_of(p, sizeof(p), "%s.ServiceInformation", path);
    const char *type = NULL;
    ES_GUARD(text_member(&type, si, "ServiceTypeIdentifier", true, p));
    *known = type_from_uri(&s->type, type);
    if (!*known) {
        return ES_OK;
    }
    ES_GUARD(lang_member(&s->name, si, "ServiceName", "value", true, p));
    json_t *sdi = NULL;
    ES_GUARD(member(&sdi, si, "ServiceDigitalIdentity", JSON_OBJECT, true, p));
    char q[TL_PATH_MAX];
    path_of(q, sizeof(q), "%s.ServiceDigitalIdentity", p);
    ES_GUARD(der_member(&s->cert_der, &s->cert_len, tl, sdi, "X509Certificates", q));
    ES_GUARD(der_member(&s->spki_der, &s->spki_len, tl, sdi, "PublicKeyValues", q));
    ES_ENSURE(s->cert_len > 0 || s->spki_len > 0, ESEAL_EMALFORMED,
              "trust list: %s has neither X509Certificates nor PublicKeyValues (the service's key identity)", q);
    if (s->type == ESEAL_TL_TRUST_LIST) {
        uint8_t x[32], y[32];
        ES_ENSURE(s->spki_len > 0 && es_ok(es_p256_spki_point(x, y, es_span_of(s->spki_der, s->spki_len))),
                  ESEAL_EMALFORMED, "trust list: %s: a trust list's PublicKeyValues is its P-256 signing key", q);
    }
    ES_GUARD(text_member(&s->note_key, sdi, "eseal:NoteVerifierKey", false, q));
    ES_GUARD(status_member(&s->status, si, p));
    json_t *sp = NULL;
    ES_GUARD(member(&sp, si, "ServiceSupplyPoints", JSON_ARRAY, false, p));
    if (sp != NULL) {
        path_of(q, sizeof(q), "%s.ServiceSupplyPoints[0]", p);
        json_t *first = json_array_get(sp, 0);
        ES_ENSURE(json_is_object(first), ESEAL_EMALFORMED, "trust list: %s is not an object", q);
        ES_GUARD(text_member(&s->supply_point, first, "uriValue", true, q));
    }
    return parse_history(s, tl, svc, path);
}

static ES_RESULT parse_entity(eseal_tl_entity *e, eseal_trustlist *tl, json_t *ent, const char *path)
{
    ES_ENSURE(json_is_object(ent), ESEAL_EMALFORMED, "trust list: %s is not an object", path);
    json_t *tei = NULL;
    ES_GUARD(member(&tei, ent, "TrustedEntityInformation", JSON_OBJECT, true, path));
    char p[TL_PATH_MAX];
    path_of(p, sizeof(p), "%s.TrustedEntityInformation", path);
    ES_GUARD(lang_member(&e->name, tei, "TEName", "value", true, p));
    ES_GUARD(lang_member(&e->info_uri, tei, "TEInformationURI", "uriValue", false, p));
    json_t *a = NULL;
    ES_GUARD(member(&a, ent, "TrustedEntityServices", JSON_ARRAY, true, path));
    size_t n = json_array_size(a);
    ES_ENSURE(n <= ESEAL_TRUSTLIST_MAX_SERVICES, ESEAL_ELIMIT,
              "trust list: %s has %zu services, over ESEAL_TRUSTLIST_MAX_SERVICES (%d)", path, n,
              ESEAL_TRUSTLIST_MAX_SERVICES);
    if (n == 0) {
        return ES_OK;
    }
    eseal_tl_service *svcs = NULL;
    ES_GUARD(tl_alloc((void **)&svcs, tl, n, sizeof(*svcs)));
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        char sp[TL_PATH_MAX];
        path_of(sp, sizeof(sp), "%s.TrustedEntityServices[%zu]", path, i);
        bool known = false;
        ES_GUARD(parse_service(&svcs[kept], &known, tl, json_array_get(a, i), sp));
        if (known) {
            kept++;
        } else {
            memset(&svcs[kept], 0, sizeof(svcs[kept]));
        }
    }
    e->services = svcs;
    e->service_count = kept;
    return ES_OK;
}

static ES_RESULT parse_info(eseal_trustlist *tl, json_t *lsi)
{
    const char *p = "LoTE.ListAndSchemeInformation";
    eseal_tl_info *info = &tl->info;
    info->version = ESEAL_TL_INFO_VERSION;
    json_t *v = NULL;
    ES_GUARD(member(&v, lsi, "LoTEVersionIdentifier", JSON_INTEGER, true, p));
    ES_ENSURE(json_integer_value(v) == LOTE_VERSION, ESEAL_EMALFORMED,
              "trust list: LoTEVersionIdentifier %lld (this reader knows %d)", (long long)json_integer_value(v),
              LOTE_VERSION);
    ES_GUARD(member(&v, lsi, "LoTESequenceNumber", JSON_INTEGER, true, p));
    ES_ENSURE(json_integer_value(v) >= 1 && json_integer_value(v) <= (INT64_C(1) << 53) - 1, ESEAL_EMALFORMED,
              "trust list: LoTESequenceNumber %lld (1 to 2^53 - 1)", (long long)json_integer_value(v));
    info->sequence = (uint64_t)json_integer_value(v);
    const char *type = NULL;
    ES_GUARD(text_member(&type, lsi, "LoTEType", true, p));
    if (strcmp(type, LOTE_PLATFORM) == 0) {
        info->list_of_lists = 0;
    } else if (strcmp(type, LOTE_LIST_OF_LISTS) == 0) {
        info->list_of_lists = 1;
    } else {
        ES_BAIL(ESEAL_EMALFORMED, "trust list: LoTEType \"%.80s\" (%s or %s)", type, LOTE_PLATFORM, LOTE_LIST_OF_LISTS);
    }
    ES_GUARD(lang_member(&info->operator_name, lsi, "SchemeOperatorName", "value", true, p));
    ES_GUARD(lang_member(&info->scheme_name, lsi, "SchemeName", "value", true, p));
    ES_GUARD(text_member(&info->territory, lsi, "SchemeTerritory", true, p));
    const char *t = info->territory;
    ES_ENSURE(strlen(t) == 2 && t[0] >= 'A' && t[0] <= 'Z' && t[1] >= 'A' && t[1] <= 'Z', ESEAL_EMALFORMED,
              "trust list: SchemeTerritory \"%.16s\" is not an ISO 3166-1 alpha-2 code", t);
    ES_GUARD(time_member(&info->issued_ms, lsi, "ListIssueDateTime", p));
    ES_GUARD(time_member(&info->next_update_ms, lsi, "NextUpdate", p));
    ES_ENSURE(info->next_update_ms > info->issued_ms, ESEAL_EMALFORMED,
              "trust list: NextUpdate is not after ListIssueDateTime");
    json_t *dp = NULL;
    ES_GUARD(member(&dp, lsi, "DistributionPoints", JSON_ARRAY, false, p));
    if (dp != NULL) {
        json_t *first = json_array_get(dp, 0);
        ES_ENSURE(json_is_string(first), ESEAL_EMALFORMED, "trust list: DistributionPoints[0] is not a string");
        ES_GUARD(text_value(&info->distribution_point, first, p, ".DistributionPoints[0]"));
    }
    json_t *rot = NULL;
    ES_GUARD(member(&rot, lsi, "eseal:KeyRotation", JSON_OBJECT, false, p));
    if (rot != NULL) {
        const char *rp = "LoTE.ListAndSchemeInformation.eseal:KeyRotation";
        json_t *prev = NULL;
        ES_GUARD(member(&prev, rot, "PreviousKey", JSON_STRING, true, rp));
        ES_ENSURE(json_string_length(prev) <= TL_CERT_B64_MAX, ESEAL_ELIMIT,
                  "trust list: %s.PreviousKey is over ESEAL_TRUSTLIST_MAX_CERT", rp);
        tl->rot_previous = json_string_value(prev);
        ES_GUARD(text_member(&tl->rot_statement, rot, "Statement", true, rp));
    }
    return ES_OK;
}

static ES_RESULT parse_payload(eseal_trustlist *tl)
{
    json_error_t err;
    tl->root = json_loadb((const char *)tl->json.ptr, tl->json.len, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(tl->root != NULL, ESEAL_EMALFORMED, "trust list: the payload is not JSON (byte %d: %s)", err.position,
              err.text);
    ES_ENSURE(json_is_object(tl->root), ESEAL_EMALFORMED, "trust list: the payload is not a JSON object");
    json_t *lote = NULL, *lsi = NULL, *tel = NULL;
    ES_GUARD(member(&lote, tl->root, "LoTE", JSON_OBJECT, true, "payload"));
    ES_GUARD(member(&lsi, lote, "ListAndSchemeInformation", JSON_OBJECT, true, "LoTE"));
    ES_GUARD(parse_info(tl, lsi));
    ES_GUARD(member(&tel, lote, "TrustedEntitiesList", JSON_ARRAY, true, "LoTE"));
    size_t n = json_array_size(tel);
    ES_ENSURE(n <= ESEAL_TRUSTLIST_MAX_ENTITIES, ESEAL_ELIMIT,
              "trust list: %zu trusted entities, over ESEAL_TRUSTLIST_MAX_ENTITIES (%d)", n,
              ESEAL_TRUSTLIST_MAX_ENTITIES);
    if (n > 0) {
        ES_GUARD(tl_alloc((void **)&tl->entities, tl, n, sizeof(*tl->entities)));
    }
    for (size_t i = 0; i < n; i++) {
        char p[TL_PATH_MAX];
        path_of(p, sizeof(p), "TrustedEntitiesList[%zu]", i);
        ES_GUARD(parse_entity(&tl->entities[i], tl, json_array_get(tel, i), p));
    }
    tl->n_entities = n;
    return ES_OK;
}

/* The key-rotation statement (docs/trust-lists.md, "Key rotation"): a JWS by the previous key over
 * {"new_key_sha256": this list's key, "sequence": this list's sequence}. Checked here so that an
 * importer that pinned the previous key can follow the rotation on the fingerprint we report. */
static ES_RESULT check_rotation(eseal_trustlist *tl)
{
    if (tl->rot_statement == NULL) {
        return ES_OK;
    }
    const char *what = "trust list: the key-rotation statement";
    ES_AUTO(es_buf_freep) es_buf prev = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_CERT + 2);
    ES_GUARD_CTX(es_base64_decode(&prev, es_span_of(tl->rot_previous, strlen(tl->rot_previous))),
                 "trust list: eseal:KeyRotation.PreviousKey");
    uint8_t x[32], y[32];
    ES_ENSURE(prev.len > 0 && es_ok(es_p256_spki_point(x, y, es_buf_span(&prev))), ESEAL_EMALFORMED,
              "trust list: eseal:KeyRotation.PreviousKey is not a P-256 SubjectPublicKeyInfo");
    char prev_hex[65];
    ES_GUARD(spki_hex(prev_hex, es_buf_span(&prev)));
    ES_ENSURE(strcmp(prev_hex, tl->key_sha256) != 0, ESEAL_EMALFORMED,
              "trust list: eseal:KeyRotation names the list's own key as the previous one");
    ES_AUTO(es_jws_free) es_jws j;
    ES_GUARD(es_jws_read(&j, es_span_of(tl->rot_statement, strlen(tl->rot_statement)), ES_JWS_TYP_ROTATION,
                         ES_JWS_BARE, ES_JWS_ROTATION_MAX, what));
    ES_GUARD(es_jws_verify(&j, es_buf_span(&prev), "trust list: the key-rotation statement (by the previous key)"));
    json_error_t err;
    ES_AUTO(json_decrefp) json_t *st = json_loadb((const char *)j.payload.ptr, j.payload.len, JSON_REJECT_DUPLICATES,
                                                  &err);
    ES_ENSURE(json_is_object(st), ESEAL_EMALFORMED, "%s is not a JSON object", what);
    const char *new_key = json_string_value(json_object_get(st, "new_key_sha256"));
    json_t *seq = json_object_get(st, "sequence");
    ES_ENSURE(new_key != NULL && json_is_integer(seq), ESEAL_EMALFORMED,
              "%s has no new_key_sha256 (a string) or sequence (an integer)", what);
    ES_ENSURE(strcmp(new_key, tl->key_sha256) == 0, ESEAL_EVERIFY,
              "%s names the key %.64s, not the key %s that signed this list", what, new_key, tl->key_sha256);
    ES_ENSURE(json_integer_value(seq) >= 1 && (uint64_t)json_integer_value(seq) == tl->info.sequence, ESEAL_EVERIFY,
              "%s is for the list of sequence %lld, not for this one (%llu)", what, (long long)json_integer_value(seq),
              (unsigned long long)tl->info.sequence);
    memcpy(tl->prev_sha256, prev_hex, sizeof(prev_hex));
    return ES_OK;
}

static ES_RESULT tl_new(eseal_trustlist **out)
{
    eseal_trustlist *tl = es_calloc(1, sizeof(*tl));
    ES_ENSURE_ALLOC(tl);
    tl->json = (es_buf)ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_BYTES);
    tl->key_spki = (es_buf)ES_BUF_INIT(ES_P256_SPKI_LEN);
    *out = tl;
    return ES_OK;
}

ES_RESULT es_trustlist_parse_payload(eseal_trustlist **out, es_span payload)
{
    *out = NULL;
    eseal_trustlist *tl = NULL;
    ES_GUARD(tl_new(&tl));
    es_result r = es_buf_append(&tl->json, payload.ptr, payload.len);
    if (es_ok(r)) {
        r = parse_payload(tl);
    }
    if (!es_ok(r)) {
        eseal_trustlist_free(tl);
        return r;
    }
    *out = tl;
    return ES_OK;
}

static ES_RESULT parse_list(eseal_trustlist *tl, es_span in)
{
    ES_ENSURE(in.len <= ESEAL_TRUSTLIST_MAX_BYTES, ESEAL_ELIMIT,
              "trust list: %zu bytes, over ESEAL_TRUSTLIST_MAX_BYTES (%u)", in.len, ESEAL_TRUSTLIST_MAX_BYTES);
    ES_AUTO(es_jws_free) es_jws j;
    ES_GUARD(es_jws_read(&j, in, ES_JWS_TYP_LIST, ES_JWS_JWK, ESEAL_TRUSTLIST_MAX_BYTES, "trust list"));
    /* The signature by the key the header names, before the payload is read as a list. */
    ES_GUARD(es_jws_verify(&j, es_buf_span(&j.key_spki), "trust list"));
    ES_GUARD(es_buf_append(&tl->key_spki, j.key_spki.ptr, j.key_spki.len));
    ES_GUARD(spki_hex(tl->key_sha256, es_buf_span(&j.key_spki)));
    ES_GUARD(es_buf_append(&tl->json, j.payload.ptr, j.payload.len));
    ES_GUARD(parse_payload(tl));
    return check_rotation(tl);
}

int eseal_trustlist_parse(eseal_trustlist **out, const void *jws, size_t len)
{
    if (out == NULL || (jws == NULL && len > 0)) {
        ES_BAIL_ARG("out == NULL || jws == NULL");
    }
    *out = NULL;
    eseal_trustlist *tl = NULL;
    es_result r = tl_new(&tl);
    if (es_ok(r)) {
        r = parse_list(tl, es_span_of(jws, len));
    }
    if (!es_ok(r)) {
        eseal_trustlist_free(tl);
        return es_code(r);
    }
    *out = tl;
    return ESEAL_OK;
}

const eseal_tl_info *eseal_trustlist_info(const eseal_trustlist *tl) { return tl != NULL ? &tl->info : NULL; }

size_t eseal_trustlist_entity_count(const eseal_trustlist *tl) { return tl != NULL ? tl->n_entities : 0; }

const eseal_tl_entity *eseal_trustlist_entity(const eseal_trustlist *tl, size_t i)
{
    return tl != NULL && i < tl->n_entities ? &tl->entities[i] : NULL;
}

const char *eseal_trustlist_key_sha256(const eseal_trustlist *tl) { return tl != NULL ? tl->key_sha256 : NULL; }

const uint8_t *eseal_trustlist_key_spki(const eseal_trustlist *tl, size_t *len)
{
    if (len != NULL) {
        *len = tl != NULL ? tl->key_spki.len : 0;
    }
    return tl != NULL ? tl->key_spki.ptr : NULL;
}

const char *eseal_trustlist_previous_key_sha256(const eseal_trustlist *tl)
{
    return tl != NULL && tl->prev_sha256[0] != '\0' ? tl->prev_sha256 : NULL;
}

const char *eseal_trustlist_json(const eseal_trustlist *tl) { return tl != NULL ? es_buf_cstr(&tl->json) : NULL; }

void eseal_trustlist_free(eseal_trustlist *tl)
{
    if (tl == NULL) {
        return;
    }
    json_decref(tl->root);
    es_buf_free(&tl->json);
    es_buf_free(&tl->key_spki);
    while (tl->chunks != NULL) {
        tl_chunk *next = tl->chunks->next;
        es_free(tl->chunks);
        tl->chunks = next;
    }
    es_free(tl);
}
