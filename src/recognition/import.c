/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust lists of other platforms (issue 24): added under a pin, refreshed when a newer version
 * is signed by the key held (or by a new key the held one vouched for), removed. A scheme
 * operator's list of lists brings the platforms it names, each under the key the scheme names.
 * Every list is checked whole before anything is stored, and each change is one store transaction
 * with its audit entry.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "http/http.h"
#include "recognition/recognition.h"
#include "util/der.h"

/* The platforms one list of lists may name. */
#define MAX_MEMBERS 64
#define FETCH_TIMEOUT_MS 10000

/* A pin as given: 64 hex digits, any case, into lower case. */
static ES_RESULT pin_norm(char out[65], const char *pin)
{
    ES_ENSURE(pin != NULL && strlen(pin) == 64, ESEAL_EINVAL,
              "trust: a pin is the SHA-256 of the list key, 64 hex digits (eseal trustlist publish prints it)");
    for (size_t i = 0; i < 64; i++) {
        ES_ENSURE(isxdigit((unsigned char)pin[i]), ESEAL_EINVAL, "trust: the pin '%s' is not hex", pin);
        out[i] = (char)tolower((unsigned char)pin[i]);
    }
    out[64] = '\0';
    return ES_OK;
}

/* The name a list is kept under: its scheme's name (a platform's list: the platform's). */
static const char *list_name(const eseal_trustlist *tl) { return eseal_trustlist_info(tl)->scheme_name; }

static ES_RESULT check_fresh(eseal_instance *inst, const eseal_trustlist *tl)
{
    const eseal_tl_info *i = eseal_trustlist_info(tl);
    char at[ES_RFC3339_LEN];
    es_time_rfc3339(at, i->next_update_ms);
    ES_ENSURE(i->next_update_ms > es_inst_now(inst), ESEAL_ESTATE,
              "trust: the list of %s (sequence %llu) is stale: its next update was due %s", list_name(tl),
              (unsigned long long)i->sequence, at);
    return ES_OK;
}

/* GETs a list from `url` (http or https) through the instance's fetcher. */
static ES_RESULT fetch(eseal_instance *inst, es_buf *out, const char *url)
{
    ES_ENSURE(es_str_starts(url, "http://") || es_str_starts(url, "https://"), ESEAL_EINVAL,
              "trust: '%s' is not an http or https URL", url);
    es_fetcher f = es_ctx_fetcher(inst->ctx, es_http_fetcher());
    ES_ENSURE(f.fn != NULL, ESEAL_EUNSUPPORTED, "trust: no network to fetch %s", url);
    long status = 0;
    ES_GUARD(f.fn(f.ctx, url, NULL, es_span_of(NULL, 0), FETCH_TIMEOUT_MS, ESEAL_TRUSTLIST_MAX_BYTES, out, &status));
    ES_ENSURE(status == 200, ESEAL_EIO, "trust: %s answered HTTP %ld", url, status);
    return ES_OK;
}

/* A list from where it is published: an http(s) URL, else a file (an air-gapped copy). */
static ES_RESULT read_source(eseal_instance *inst, es_buf *out, const char *source)
{
    if (es_str_starts(source, "http://") || es_str_starts(source, "https://")) {
        return fetch(inst, out, source);
    }
    return es_file_read(out, source, out->max);
}

/* A list read and checked, with the record it would be kept under. */
typedef struct {
    eseal_trustlist *tl;
    eseal_trusted_list_record rec;
    es_span jws;
    es_buf bytes; /* the bytes, when fetched here */
    char pin[65];
    char key[65];
    char name[ESEAL_TRUSTLIST_MAX_STRING + 1];
    char source[ESEAL_TRUSTLIST_MAX_STRING + 1];
    char via[ESEAL_TRUSTLIST_MAX_STRING + 1];
    es_buf crls; /* the CAs' CRLs fetched, DER one after the other (rec.crls points at them) */
    eseal_trust_bundle *bundle; /* the list came in a bundle: its CRLs and answers (docs/trust-lists.md) */
} checked;

/* The record's strings, copied into `c` (the record points at them). */
static void fill_strings(checked *c, const char *name, const char *source, const char *key, const char *via)
{
    (void)snprintf(c->name, sizeof(c->name), "%s", name);
    (void)snprintf(c->source, sizeof(c->source), "%s", source);
    (void)snprintf(c->key, sizeof(c->key), "%s", key);
    (void)snprintf(c->via, sizeof(c->via), "%s", via != NULL ? via : "");
    c->rec.name = c->name;
    c->rec.source = c->source;
    c->rec.key_sha256 = c->key;
    c->rec.via = c->via;
}

static void checked_free(checked *c)
{
    eseal_trustlist_free(c->tl);
    eseal_trust_bundle_free(c->bundle);
    es_buf_free(&c->bytes);
    es_buf_free(&c->crls);
    memset(c, 0, sizeof(*c));
}

/* Parses and checks `jws` under `pin` (the key must be it) and fills the record to keep. */
static ES_RESULT check_new(eseal_instance *inst, checked *c, es_span jws, const char *source, const char *pin,
                           const char *via)
{
    ES_GUARD(pin_norm(c->pin, pin));
    ES_GUARD(es_from_code(eseal_trustlist_parse(&c->tl, jws.ptr, jws.len)));
    const char *key = eseal_trustlist_key_sha256(c->tl);
    ES_ENSURE(strcmp(key, c->pin) == 0, ESEAL_EVERIFY,
              "trust: the list of %s is signed by the key %s, not by the pinned %s: refused", list_name(c->tl), key,
              c->pin);
    ES_GUARD(check_fresh(inst, c->tl));
    const eseal_tl_info *i = eseal_trustlist_info(c->tl);
    c->jws = jws;
    fill_strings(c, list_name(c->tl), source, key, via);
    c->rec.pin = c->pin;
    c->rec.list_of_lists = i->list_of_lists;
    c->rec.sequence = i->sequence;
    c->rec.issued_ms = i->issued_ms;
    c->rec.next_update_ms = i->next_update_ms;
    c->rec.fetched_ms = es_inst_now(inst);
    c->rec.added_ms = c->rec.fetched_ms;
    return ES_OK;
}

/* The platforms a list of lists names: each list fetched from its supply point and checked under the
 * key the scheme names for it. */
static ES_RESULT check_members(eseal_instance *inst, const checked *lol, checked *m, size_t *n)
{
    *n = 0;
    for (size_t e = 0; e < eseal_trustlist_entity_count(lol->tl); e++) {
        const eseal_tl_entity *ent = eseal_trustlist_entity(lol->tl, e);
        for (size_t k = 0; k < ent->service_count; k++) {
            const eseal_tl_service *v = &ent->services[k];
            if (v->type != ESEAL_TL_TRUST_LIST || v->status.withdrawn) {
                continue;
            }
            ES_ENSURE(*n < MAX_MEMBERS, ESEAL_ELIMIT, "trust: the list of lists names more than %d platforms",
                      MAX_MEMBERS);
            ES_ENSURE(v->spki_der != NULL && v->supply_point != NULL, ESEAL_EMALFORMED,
                      "trust: the list of lists names %s without its list's key or URL", ent->name);
            char pin[65];
            ES_GUARD(es_from_code(eseal_spki_sha256(pin, v->spki_der, v->spki_len)));
            checked *c = &m[*n];
            c->bytes = (es_buf)ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_BYTES);
            (*n)++;
            es_result r = fetch(inst, &c->bytes, v->supply_point);
            if (es_ok(r)) {
                r = check_new(inst, c, es_buf_span(&c->bytes), v->supply_point, pin, list_name(lol->tl));
            }
            ES_ENSURE(es_ok(r), eseal_error_last()->code, "trust: %s, named by the list of lists %s: %s", ent->name,
                      list_name(lol->tl), eseal_error_last()->message);
            ES_ENSURE(strcmp(list_name(c->tl), ent->name) == 0, ESEAL_EVERIFY,
                      "trust: the list at %s is of %s, not of %s as the list of lists says", v->supply_point,
                      list_name(c->tl), ent->name);
        }
    }
    return ES_OK;
}

/* The bytes of the CRLs kept for one platform. */
#define CRLS_MAX_BYTES (16u << 20)

/* The CRLs that cover the platform's certificates, so that its documents verify here without the
 * network: the distribution points every certificate of the list names (a CA's point serves the CRL
 * of the CA above it; a seal maker's or TSA's that of its issuing CA), each fetched once and kept
 * when one of the list's granted CAs issued and signed it. A list read from a file (an air-gapped
 * verifier) fetches nothing: its documents carry their revocation data (PAdES LT) or verify
 * INDETERMINATE. A point that does not answer with such a CRL fails the change. */
#define MAX_CRL_URLS 64

/* Keeps `crl` when one of the list's granted CAs `cas` issued and signed it; else the change fails. */
static ES_RESULT crl_of_cas(checked *c, es_span crl, const es_span *cas, size_t ncas, const char *where)
{
    bool issued = false;
    for (size_t a = 0; a < ncas && !issued; a++) {
        uint64_t number = 0;
        int64_t this_ms = 0, next_ms = 0;
        issued = es_ok(es_crl_check_issued(crl, cas[a], &number, &this_ms, &next_ms));
    }
    eseal_error_clear();
    ES_ENSURE(issued, ESEAL_EVERIFY, "trust: the CRL %s is signed by none of the CAs of %s", where, c->rec.name);
    return es_buf_append(&c->crls, crl.ptr, crl.len);
}

static ES_RESULT fetch_crls(eseal_instance *inst, checked *c)
{
    c->crls = (es_buf)ES_BUF_INIT(CRLS_MAX_BYTES);
    c->rec.crls = NULL;
    c->rec.crls_len = 0;
    bool url = es_str_starts(c->rec.source, "http://") || es_str_starts(c->rec.source, "https://");
    if (c->rec.list_of_lists || (!url && c->bundle == NULL)) {
        return ES_OK;
    }
    /* The URLs, without repeats, and the CAs a CRL may come from. */
    static _Thread_local char urls[MAX_CRL_URLS][ES_URL_BUF_MAX];
    size_t nurls = 0;
    es_span cas[ESEAL_TRUSTLIST_MAX_SERVICES];
    size_t ncas = 0;
    for (size_t e = 0; e < eseal_trustlist_entity_count(c->tl); e++) {
        const eseal_tl_entity *ent = eseal_trustlist_entity(c->tl, e);
        for (size_t k = 0; k < ent->service_count; k++) {
            const eseal_tl_service *v = &ent->services[k];
            if (v->cert_der == NULL || v->status.withdrawn) {
                continue;
            }
            es_span der = es_span_of(v->cert_der, v->cert_len);
            if (v->type == ESEAL_TL_CA && ncas < ESEAL_TRUSTLIST_MAX_SERVICES) {
                cas[ncas++] = der;
            }
            char mine[4][ES_URL_BUF_MAX];
            size_t n = 0;
            ES_GUARD(es_cert_crl_urls(der, mine, 4, &n));
            for (size_t u = 0; u < n; u++) {
                bool seen = false;
                for (size_t w = 0; w < nurls && !seen; w++) {
                    seen = strcmp(urls[w], mine[u]) == 0;
                }
                if (!seen) {
                    ES_ENSURE(nurls < MAX_CRL_URLS, ESEAL_ELIMIT, "trust: %s names more than %d CRL points",
                              c->rec.name, MAX_CRL_URLS);
                    (void)snprintf(urls[nurls++], ES_URL_BUF_MAX, "%s", mine[u]);
                }
            }
        }
    }
    /* A bundle brings its CRLs (an air-gapped verifier fetches nothing): each must be one of the CAs'. */
    for (size_t b = 0; c->bundle != NULL && b < eseal_trust_bundle_crl_count(c->bundle); b++) {
        eseal_bytes crl = eseal_trust_bundle_crl(c->bundle, b);
        ES_GUARD(crl_of_cas(c, es_span_of(crl.ptr, crl.len), cas, ncas, "in the bundle"));
    }
    for (size_t u = 0; c->bundle == NULL && u < nurls; u++) {
        ES_AUTO(es_buf_freep) es_buf crl = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
        es_result r = fetch(inst, &crl, urls[u]);
        ES_ENSURE(es_ok(r), eseal_error_last()->code, "trust: the CRL at %s of %s: %s", urls[u], c->rec.name,
                  eseal_error_last()->message);
        char where[ES_URL_BUF_MAX + 8];
        (void)snprintf(where, sizeof(where), "at %s", urls[u]);
        ES_GUARD(crl_of_cas(c, es_buf_span(&crl), cas, ncas, where));
    }
    c->rec.crls = c->crls.ptr;
    c->rec.crls_len = c->crls.len;
    return ES_OK;
}

typedef struct {
    const checked *lists;
    size_t n;
} keep;

static ES_RESULT keep_lists(eseal_instance *inst, void *payload)
{
    const keep *k = payload;
    es_instance_trust_invalidate(inst); /* the next verification reads the lists again */
    for (size_t i = 0; i < k->n; i++) {
        ES_GUARD(es_from_code(eseal_store_trusted_list_put(inst->store, &k->lists[i].rec, k->lists[i].jws.ptr,
                                                           k->lists[i].jws.len)));
    }
    return ES_OK;
}

static ES_RESULT copy_out(eseal_trusted_list_record *out, const eseal_trusted_list_record *in)
{
    if (out == NULL) {
        return ES_OK;
    }
    memset(out, 0, sizeof(*out));
    *out = *in;
    out->name = es_strdup(in->name);
    out->source = es_strdup(in->source);
    out->pin = es_strdup(in->pin);
    out->key_sha256 = es_strdup(in->key_sha256);
    out->via = es_strdup(in->via);
    out->crls = NULL; /* not handed out: the store keeps them for verifications */
    out->crls_len = 0;
    if (out->name == NULL || out->source == NULL || out->pin == NULL || out->key_sha256 == NULL || out->via == NULL) {
        eseal_trusted_list_record_dispose(out);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    return ES_OK;
}

static ES_RESULT absent(eseal_instance *inst, const char *name)
{
    eseal_trusted_list_record have;
    int rc = eseal_store_trusted_list_get(inst->store, &have, NULL, name);
    if (rc == ESEAL_OK) {
        eseal_trusted_list_record_dispose(&have);
        ES_BAIL(ESEAL_EEXISTS, "trust: a list of %s is imported already (eseal trust refresh, or remove it first)",
                name);
    }
    ES_ENSURE(rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    eseal_error_clear();
    return ES_OK;
}

/* When `*bytes` is a bundle: it is parsed into c->bundle and *bytes becomes its list. */
static ES_RESULT unbundle(checked *c, es_span *bytes)
{
    if (!eseal_trust_bundle_is(bytes->ptr, bytes->len)) {
        ES_ENSURE(bytes->len <= ESEAL_TRUSTLIST_MAX_BYTES, ESEAL_ELIMIT, "trust: a list of %zu bytes (at most %u)",
                  bytes->len, ESEAL_TRUSTLIST_MAX_BYTES);
        return ES_OK;
    }
    ES_GUARD(es_from_code(eseal_trust_bundle_parse(&c->bundle, bytes->ptr, bytes->len)));
    eseal_bytes l = eseal_trust_bundle_list(c->bundle);
    *bytes = es_span_of(l.ptr, l.len);
    return ES_OK;
}

/* The registry of a parsed list: its key and URL (the first registry service it names), none when it names
 * none. */
static ES_RESULT list_registry(const eseal_trustlist *tl, es_buf *spki, es_buf *url)
{
    for (size_t e = 0; spki->len == 0 && e < eseal_trustlist_entity_count(tl); e++) {
        const eseal_tl_entity *ent = eseal_trustlist_entity(tl, e);
        for (size_t k = 0; spki->len == 0 && k < ent->service_count; k++) {
            const eseal_tl_service *v = &ent->services[k];
            if (v->type == ESEAL_TL_REGISTRY && v->spki_der != NULL && v->supply_point != NULL) {
                ES_GUARD(es_buf_append(spki, v->spki_der, v->spki_len));
                ES_GUARD(es_buf_append_str(url, v->supply_point));
            }
        }
    }
    return ES_OK;
}

/* A bundle's answers: each must be an answer of the list's registry (checked before anything changes),
 * then (keep) kept with the answers verifications keep. */
static ES_RESULT bundle_answers(eseal_instance *inst, const checked *c, bool keep_them)
{
    size_t n = eseal_trust_bundle_answer_count(c->bundle);
    if (n == 0) {
        return ES_OK;
    }
    ES_AUTO(es_buf_freep) es_buf spki = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_CERT);
    ES_AUTO(es_buf_freep) es_buf url = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_STRING);
    ES_GUARD(list_registry(c->tl, &spki, &url));
    ES_ENSURE(spki.len > 0, ESEAL_EVERIFY, "trust: the bundle holds registry answers, but the list of %s names no "
                                           "registry",
              c->rec.name);
    for (size_t i = 0; i < n; i++) {
        eseal_bytes a = eseal_trust_bundle_answer(c->bundle, i);
        if (keep_them) {
            if (!es_ok(es_foreign_answer_keep(inst, es_buf_span(&spki), es_span_of(a.ptr, a.len)))) {
                eseal_error_clear(); /* checked above; a file not written only means one answer less kept */
            }
            continue;
        }
        eseal_registry_answer_doc *doc = NULL;
        int rc = eseal_registry_answer_parse(&doc, a.ptr, a.len, spki.ptr, spki.len);
        eseal_registry_answer_free(doc);
        ES_ENSURE(rc == ESEAL_OK, rc, "trust: registry answer %zu of the bundle is not one of %s's registry: %s", i + 1,
                  c->rec.name, eseal_error_last()->message);
    }
    return ES_OK;
}

static ES_RESULT add(eseal_instance *inst, const es_acting *by, es_span jws, const char *source, const char *pin,
                     eseal_trusted_list_record *out)
{
    ES_ENSURE_ARG(inst != NULL && source != NULL);
    checked *all = es_calloc(MAX_MEMBERS + 1, sizeof(*all));
    ES_ENSURE_ALLOC(all);
    size_t members = 0;
    all[0].bytes = (es_buf)ES_BUF_INIT(ESEAL_TRUST_BUNDLE_MAX_BYTES);
    es_result r = ES_OK;
    if (jws.ptr == NULL) {
        r = read_source(inst, &all[0].bytes, source);
        jws = es_buf_span(&all[0].bytes);
    }
    if (es_ok(r)) {
        r = unbundle(&all[0], &jws);
    }
    if (es_ok(r)) {
        r = check_new(inst, &all[0], jws, source, pin, NULL);
    }
    if (es_ok(r) && all[0].bundle != NULL) {
        r = bundle_answers(inst, &all[0], false);
    }
    if (es_ok(r)) {
        r = absent(inst, all[0].rec.name);
    }
    if (es_ok(r)) {
        r = fetch_crls(inst, &all[0]);
    }
    if (es_ok(r) && all[0].rec.list_of_lists) {
        r = check_members(inst, &all[0], &all[1], &members);
        for (size_t i = 1; es_ok(r) && i <= members; i++) {
            r = absent(inst, all[i].rec.name);
            if (es_ok(r)) {
                r = fetch_crls(inst, &all[i]);
            }
        }
    }
    if (es_ok(r)) {
        char detail[512];
        (void)snprintf(detail, sizeof(detail), "%s %s, sequence %llu, key %s, from %s%s",
                       all[0].rec.list_of_lists ? "list of lists" : "trust list of", all[0].rec.name,
                       (unsigned long long)all[0].rec.sequence, all[0].rec.key_sha256, source,
                       members > 0 ? ", with the platforms it names" : "");
        keep k = {all, members + 1};
        r = es_acc_change(inst, by, "trust.added", NULL, detail, keep_lists, &k);
    }
    if (es_ok(r) && all[0].bundle != NULL) {
        r = bundle_answers(inst, &all[0], true);
    }
    if (es_ok(r)) {
        r = copy_out(out, &all[0].rec);
    }
    for (size_t i = 0; i <= members; i++) {
        checked_free(&all[i]);
    }
    es_free(all);
    return r;
}

int eseal_instance_trust_add(eseal_instance *inst, const eseal_principal *who, const void *jws, size_t len,
                             const char *source, const char *pin, eseal_trusted_list_record *out)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_TRUST_ADD, "trustlist", source);
    return es_code(add(inst, &by, es_span_of(jws, len), source, pin, out));
}

/* A newer version of a held list: the same name, a higher sequence, the key held or one it vouched
 * for (the rotation statement the parser checked). */
static ES_RESULT check_newer(eseal_instance *inst, checked *c, const eseal_trusted_list_record *held, es_span jws,
                             bool same)
{
    ES_GUARD(es_from_code(eseal_trustlist_parse(&c->tl, jws.ptr, jws.len)));
    const eseal_tl_info *i = eseal_trustlist_info(c->tl);
    ES_ENSURE(strcmp(list_name(c->tl), held->name) == 0, ESEAL_EVERIFY,
              "trust: the list fetched for %s is of %s: refused", held->name, list_name(c->tl));
    const char *key = eseal_trustlist_key_sha256(c->tl);
    const char *prev = eseal_trustlist_previous_key_sha256(c->tl);
    ES_ENSURE(strcmp(key, held->key_sha256) == 0 || (prev != NULL && strcmp(prev, held->key_sha256) == 0),
              ESEAL_EVERIFY,
              "trust: the new list of %s is signed by the key %s, which is neither the key held (%s) nor one it "
              "vouched for: refused",
              held->name, key, held->key_sha256);
    ES_ENSURE(same || i->sequence > held->sequence, ESEAL_ESTATE,
              "trust: the list of %s has sequence %llu, not above the %llu held (a replay or an old copy): refused",
              held->name, (unsigned long long)i->sequence, (unsigned long long)held->sequence);
    ES_GUARD(check_fresh(inst, c->tl));
    c->jws = jws;
    c->rec = *held;
    (void)snprintf(c->pin, sizeof(c->pin), "%s", held->pin);
    c->rec.pin = c->pin;
    fill_strings(c, held->name, held->source, key, held->via);
    c->rec.list_of_lists = i->list_of_lists;
    c->rec.sequence = i->sequence;
    c->rec.issued_ms = i->issued_ms;
    c->rec.next_update_ms = i->next_update_ms;
    c->rec.fetched_ms = es_inst_now(inst);
    return ES_OK;
}

static ES_RESULT refresh(eseal_instance *inst, const es_acting *by, const char *name, es_span given,
                         eseal_trusted_list_record *out)
{
    ES_ENSURE_ARG(inst != NULL && name != NULL);
    eseal_trusted_list_record held;
    eseal_buf held_jws = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_store_trusted_list_get(inst->store, &held, &held_jws, name)));
    checked c;
    memset(&c, 0, sizeof(c));
    c.bytes = (es_buf)ES_BUF_INIT(ESEAL_TRUST_BUNDLE_MAX_BYTES);
    es_result r = ES_OK;
    if (given.ptr == NULL) {
        r = read_source(inst, &c.bytes, held.source);
        given = es_buf_span(&c.bytes);
    }
    if (es_ok(r)) {
        r = unbundle(&c, &given);
    }
    /* The very list held: nothing to change (a periodic refresh finds this most days), no entry; in a
     * bundle, its CRLs (newer ones are kept) and answers still count. */
    bool same = es_ok(r) && given.len == held_jws.size && memcmp(given.ptr, held_jws.ptr, given.len) == 0;
    eseal_buf_dispose(&held_jws);
    if (same && c.bundle == NULL) {
        r = copy_out(out, &held);
        checked_free(&c);
        eseal_trusted_list_record_dispose(&held);
        return r;
    }
    if (es_ok(r)) {
        r = check_newer(inst, &c, &held, given, same);
    }
    if (es_ok(r) && c.bundle != NULL) {
        r = bundle_answers(inst, &c, false);
    }
    if (es_ok(r)) {
        r = fetch_crls(inst, &c);
    }
    if (es_ok(r) && c.bundle != NULL && eseal_trust_bundle_crl_count(c.bundle) == 0 && held.crls_len > 0) {
        /* a bundle without CRLs leaves those held */
        r = es_buf_append(&c.crls, held.crls, held.crls_len);
        c.rec.crls = c.crls.ptr;
        c.rec.crls_len = c.crls.len;
    }
    bool crls_same =
        c.crls.len == held.crls_len && (held.crls_len == 0 || memcmp(c.crls.ptr, held.crls, held.crls_len) == 0);
    if (es_ok(r) && same && crls_same) {
        c.rec.fetched_ms = held.fetched_ms; /* nothing changed: no entry */
    } else if (es_ok(r)) {
        char detail[512];
        (void)snprintf(detail, sizeof(detail), "trust list of %s: sequence %llu to %llu, key %s%s%s", name,
                       (unsigned long long)held.sequence, (unsigned long long)c.rec.sequence, c.rec.key_sha256,
                       strcmp(c.rec.key_sha256, held.key_sha256) != 0 ? " (the key rotated)" : "",
                       c.bundle != NULL ? ", from a bundle with its CRLs" : "");
        keep k = {&c, 1};
        r = es_acc_change(inst, by, "trust.refreshed", NULL, detail, keep_lists, &k);
    }
    if (es_ok(r) && c.bundle != NULL) {
        r = bundle_answers(inst, &c, true);
    }
    if (es_ok(r)) {
        r = copy_out(out, &c.rec);
    }
    checked_free(&c);
    eseal_trusted_list_record_dispose(&held);
    return r;
}

int eseal_instance_trust_refresh(eseal_instance *inst, const eseal_principal *who, const char *name,
                                 const void *jws, size_t len, eseal_trusted_list_record *out)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_TRUST_REFRESH, "trustlist", name);
    return es_code(refresh(inst, &by, name, es_span_of(jws, jws != NULL ? len : 0), out));
}

/* The registry of the held list `name`: its key and URL (the first registry service it names). */
static ES_RESULT registry_of(eseal_instance *inst, const char *name, es_buf *spki, es_buf *url)
{
    eseal_trusted_list_record held;
    eseal_buf jws = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_store_trusted_list_get(inst->store, &held, &jws, name)));
    eseal_trustlist *tl = NULL;
    es_result r = es_from_code(eseal_trustlist_parse(&tl, jws.ptr, jws.size));
    if (es_ok(r)) {
        r = list_registry(tl, spki, url);
    }
    eseal_trustlist_free(tl);
    eseal_buf_dispose(&jws);
    eseal_trusted_list_record_dispose(&held);
    return r;
}

int eseal_instance_trust_refresh_answers(eseal_instance *inst, const char *name, size_t *refreshed, size_t *failed)
{
    if (inst == NULL || name == NULL || refreshed == NULL || failed == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "trust: no list named"));
    }
    *refreshed = 0;
    *failed = 0;
    ES_AUTO(es_buf_freep) es_buf spki = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_CERT);
    ES_AUTO(es_buf_freep) es_buf url = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_STRING);
    es_result r = registry_of(inst, name, &spki, &url);
    if (es_ok(r) && spki.len > 0) {
        r = es_foreign_answers_refresh(inst, es_buf_span(&spki), es_buf_cstr(&url), refreshed, failed);
    }
    return es_code(r);
}

static ES_RESULT drop(eseal_instance *inst, void *payload)
{
    es_instance_trust_invalidate(inst);
    return es_from_code(eseal_store_trusted_list_delete(inst->store, payload));
}

int eseal_instance_trust_remove(eseal_instance *inst, const eseal_principal *who, const char *name)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_TRUST_REMOVE, "trustlist", name);
    if (inst == NULL || name == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "trust: no list named"));
    }
    char detail[300];
    (void)snprintf(detail, sizeof(detail), "trust list of %.256s removed", name);
    char copy[ESEAL_TRUSTLIST_MAX_STRING + 1];
    (void)snprintf(copy, sizeof(copy), "%s", name);
    return es_code(es_acc_change(inst, &by, "trust.removed", NULL, detail, drop, copy));
}

typedef struct {
    int (*cb)(const eseal_trusted_list_record *, void *);
    void *payload;
} each_ctx;

static int each_one(const eseal_trusted_list_record *rec, const void *jws, size_t len, void *payload)
{
    (void)jws;
    (void)len;
    each_ctx *x = payload;
    return x->cb(rec, x->payload);
}

int eseal_instance_trust_each(eseal_instance *inst, int (*cb)(const eseal_trusted_list_record *rec, void *payload),
                              void *payload)
{
    if (inst == NULL || cb == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "trust: no instance or callback"));
    }
    each_ctx x = {cb, payload};
    return eseal_store_trusted_list_each(inst->store, each_one, &x);
}

int eseal_instance_trust_get(eseal_instance *inst, eseal_trusted_list_record *out, eseal_buf *jws, const char *name)
{
    if (inst == NULL || out == NULL || name == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "trust: no instance or name"));
    }
    return eseal_store_trusted_list_get(inst->store, out, jws, name);
}

/* ---- bundles for verifiers without network ---- */

static ES_RESULT bundle_of(eseal_instance *inst, const char *name, eseal_buf *out)
{
    ES_ENSURE_ARG(inst != NULL && name != NULL && out != NULL);
    eseal_trusted_list_record held;
    eseal_buf jws = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_store_trusted_list_get(inst->store, &held, &jws, name)));
    eseal_bytes crls[ESEAL_TRUST_BUNDLE_MAX_CRLS];
    size_t ncrls = 0;
    es_der_list answers = {0};
    eseal_bytes *aspans = NULL;
    eseal_trustlist *tl = NULL;
    ES_AUTO(es_buf_freep) es_buf spki = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_CERT);
    ES_AUTO(es_buf_freep) es_buf url = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_STRING);
    es_result r = held.list_of_lists ? es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                                    "trust: %s is a list of lists: bundle each platform it names", name)
                                     : ES_OK;
    /* the CRLs kept with it, DER one after the other */
    es_cur cur = es_cur_of(es_span_of(held.crls, held.crls_len));
    while (es_ok(r) && es_cur_left(&cur) > 0 && ncrls < ESEAL_TRUST_BUNDLE_MAX_CRLS) {
        es_der d;
        r = es_der_expect(&cur, ES_DER_SEQUENCE, &d, "a stored CRL");
        crls[ncrls++] = (eseal_bytes){d.tlv.ptr, d.tlv.len};
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_trustlist_parse(&tl, jws.ptr, jws.size));
    }
    if (es_ok(r)) {
        r = list_registry(tl, &spki, &url);
    }
    if (es_ok(r) && spki.len > 0) {
        r = es_foreign_answers_collect(inst, es_buf_span(&spki), &answers, ESEAL_TRUST_BUNDLE_MAX_ANSWERS);
    }
    if (es_ok(r)) {
        aspans = es_calloc(answers.n + 1, sizeof(*aspans));
        r = aspans != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    for (size_t i = 0; es_ok(r) && i < answers.n; i++) {
        aspans[i] = (eseal_bytes){answers.items[i].ptr, answers.items[i].len};
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_trust_bundle_write(out, jws.ptr, jws.size, crls, ncrls, aspans, answers.n));
    }
    es_free(aspans);
    es_der_list_free(&answers);
    eseal_trustlist_free(tl);
    eseal_buf_dispose(&jws);
    eseal_trusted_list_record_dispose(&held);
    return r;
}

int eseal_instance_trust_bundle(eseal_instance *inst, const char *name, eseal_buf *out)
{
    return es_code(bundle_of(inst, name, out));
}

