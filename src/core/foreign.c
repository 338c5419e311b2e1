/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seals of other platforms (issue 24; docs/trust-lists.md, "Verifying another platform's seals").
 * A seal this registry does not hold is judged by the platform that made it: the imported trust
 * list whose seal-maker service made the seal (granted at the time the seal is judged at, by the
 * service's status history), and that platform's registry answer for the seal at that time. An
 * answer is taken from the document (a PDF's /DSS carries them, stapled by the stamping platform),
 * from those kept by earlier verifications (HOME/cache/registry: signed statements, checked again
 * at every use), or, online, from the registry itself at the URL its list names.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "eseal/trustlist.h"
#include "http/http.h"
#include "util/report.h"

#define ANSWER_FETCH_TIMEOUT_MS 10000u
#define ANSWERS_KEPT 8        /* answers kept per seal; the oldest goes first */
#define CACHE_FILES_MAX 64    /* files read from one seal's folder */
#define CACHE_SEALS_MAX 10000 /* seals' folders a refresh looks at */
#define CACHE_DIR "cache/registry"
#define ESID_SAFE_MAX 64

/* What the imported lists say of the seal's maker. */
typedef struct {
    es_span maker; /* the seal's maker certificate, DER */
    int64_t at;
    bool found;
    bool listed; /* the service had a status at `at` */
    bool granted;
    char platform[ESEAL_TRUSTLIST_MAX_STRING + 1];
    char service[ESEAL_TRUSTLIST_MAX_STRING + 1];
    uint64_t sequence;
    es_buf spki; /* the platform's registry key (empty: the list names no registry) */
    char url[ESEAL_TRUSTLIST_MAX_STRING + 1];
} maker_find;

/* The status a service had at `at`: its current one from its starting time, else the newest
 * earlier one that had started. false when it had none yet. */
bool es_tl_status_at(const eseal_tl_service *v, int64_t at, bool *granted)
{
    if (v->status.since_ms <= at) {
        *granted = !v->status.withdrawn;
        return true;
    }
    for (size_t i = 0; i < v->history_count; i++) {
        if (v->history[i].since_ms <= at) {
            *granted = !v->history[i].withdrawn;
            return true;
        }
    }
    return false;
}

static void copy_str(char *dst, size_t n, const char *src) { (void)snprintf(dst, n, "%s", src != NULL ? src : ""); }

static int find_maker(const eseal_trusted_list_record *rec, const void *jws, size_t len, void *payload)
{
    maker_find *g = payload;
    if (rec->list_of_lists) {
        return 0;
    }
    eseal_trustlist *tl = NULL;
    if (eseal_trustlist_parse(&tl, jws, len) != ESEAL_OK ||
        strcmp(eseal_trustlist_key_sha256(tl), rec->key_sha256) != 0) {
        /* a stored list that no longer verifies under its key recognises nothing (as core/trust.c) */
        eseal_trustlist_free(tl);
        eseal_error_clear();
        return 0;
    }
    es_result r = ES_OK;
    for (size_t e = 0; !g->found && e < eseal_trustlist_entity_count(tl); e++) {
        const eseal_tl_entity *ent = eseal_trustlist_entity(tl, e);
        const eseal_tl_service *maker = NULL;
        const eseal_tl_service *reg = NULL;
        for (size_t k = 0; k < ent->service_count; k++) {
            const eseal_tl_service *v = &ent->services[k];
            if (v->type == ESEAL_TL_SEAL_MAKER && v->cert_der != NULL && v->cert_len == g->maker.len &&
                memcmp(v->cert_der, g->maker.ptr, g->maker.len) == 0) {
                maker = v;
            } else if (v->type == ESEAL_TL_REGISTRY && v->spki_der != NULL && reg == NULL) {
                reg = v;
            }
        }
        if (maker == NULL) {
            continue;
        }
        g->found = true;
        g->listed = es_tl_status_at(maker, g->at, &g->granted);
        copy_str(g->platform, sizeof(g->platform), rec->name);
        copy_str(g->service, sizeof(g->service), maker->name);
        g->sequence = rec->sequence;
        if (reg != NULL) {
            r = es_buf_append(&g->spki, reg->spki_der, reg->spki_len);
            copy_str(g->url, sizeof(g->url), reg->supply_point);
        }
    }
    eseal_trustlist_free(tl);
    return !es_ok(r) ? es_code(r) : g->found ? 1 : 0;
}

/* ---- registry answers ---- */

typedef struct {
    bool have;
    char status[16];
    char reason[ESEAL_TRUSTLIST_MAX_STRING + 1];
    char platform[ESEAL_TRUSTLIST_MAX_STRING + 1];
    int64_t since_ms, at_ms, produced_ms, next_update_ms;
    const char *source; /* "document", "cache" or "registry" */
} answer_pick;

/*
 * Does answer `a` state the seal's status at `at`? When it was asked about `at` itself; when the
 * status it gives had started by `at` and `at` is not after the time it was asked about (a status
 * holds from its start until the time asked); when the seal was revoked by `at` (revocation is
 * final); or when `at` falls between the time asked and the answer's next update (it may be used
 * until then without asking again, as an OCSP response).
 */
bool es_registry_answer_covers(const eseal_registry_answer *a, int64_t at)
{
    if (a->at_ms == at) {
        return true;
    }
    if (strcmp(a->status, "unknown") == 0) {
        return false;
    }
    if ((strcmp(a->status, "revoked") == 0 && a->since_ms <= at) || (a->since_ms <= at && at <= a->at_ms)) {
        return true;
    }
    return a->at_ms <= at && at <= a->next_update_ms;
}

/* Takes `jws` when it is a good answer of the registry `spki` for `esid` covering `at`, newer than the
 * one picked so far. *parsed (may be NULL) gets the answer's produced time when it verified (-1 if not). */
static void consider(answer_pick *p, es_span jws, es_span spki, const char *esid, int64_t at, const char *source,
                     int64_t *parsed)
{
    if (parsed != NULL) {
        *parsed = -1;
    }
    eseal_registry_answer_doc *doc = NULL;
    if (eseal_registry_answer_parse(&doc, jws.ptr, jws.len, spki.ptr, spki.len) != ESEAL_OK) {
        eseal_error_clear(); /* another platform's answer, a damaged one: not this seal's word */
        return;
    }
    const eseal_registry_answer *a = eseal_registry_answer_get(doc);
    if (parsed != NULL) {
        *parsed = a->produced_ms;
    }
    bool newer = !p->have || a->produced_ms > p->produced_ms;
    if (strcmp(a->esid, esid) == 0 && es_registry_answer_covers(a, at) && newer) {
        p->have = true;
        copy_str(p->status, sizeof(p->status), a->status);
        copy_str(p->reason, sizeof(p->reason), a->reason);
        copy_str(p->platform, sizeof(p->platform), a->platform);
        p->since_ms = a->since_ms;
        p->at_ms = a->at_ms;
        p->produced_ms = a->produced_ms;
        p->next_update_ms = a->next_update_ms;
        p->source = source;
    }
    eseal_registry_answer_free(doc);
}

/* An esID usable as a folder name and in a URL path as it is. */
static bool esid_safe(const char *esid)
{
    size_t n = strlen(esid);
    if (n == 0 || n > ESID_SAFE_MAX || esid[0] == '.') {
        return false;
    }
    return strspn(esid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

static ES_RESULT cache_folder(es_buf *out, eseal_instance *inst, const char *esid)
{
    ES_GUARD(es_home_path(out, inst, CACHE_DIR "/"));
    return es_buf_append_str(out, esid);
}

/* Each answer file kept for `esid` (at most CACHE_FILES_MAX), read and handed to fn with its file name;
 * an unreadable one is as if it were not kept. */
typedef ES_RESULT (*kept_fn)(void *ctx, const char *file, es_span jws);
static ES_RESULT each_kept(eseal_instance *inst, const char *esid, kept_fn fn, void *ctx)
{
    ES_AUTO(es_buf_freep) es_buf dir = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(cache_folder(&dir, inst, esid));
    DIR *d = opendir(es_buf_cstr(&dir));
    if (d == NULL) {
        return ES_OK; /* nothing kept yet */
    }
    es_result r = ES_OK;
    size_t seen = 0;
    struct dirent *de;
    while (es_ok(r) && seen < CACHE_FILES_MAX && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 5 || n >= 80 || strcmp(de->d_name + n - 4, ".jws") != 0) {
            continue;
        }
        seen++;
        ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
        ES_AUTO(es_buf_freep) es_buf jws = ES_BUF_INIT(ESEAL_REGISTRY_ANSWER_MAX_BYTES);
        r = es_buf_printf(&path, "%s/%s", es_buf_cstr(&dir), de->d_name);
        if (es_ok(r) && !es_ok(es_file_read(&jws, es_buf_cstr(&path), jws.max))) {
            eseal_error_clear();
            continue;
        }
        r = es_ok(r) ? fn(ctx, de->d_name, es_buf_span(&jws)) : r;
    }
    (void)closedir(d);
    return r;
}

/* Each seal with answers kept (at most CACHE_SEALS_MAX), by its esID. */
typedef ES_RESULT (*seal_fn)(void *ctx, const char *esid);
static ES_RESULT each_seal(eseal_instance *inst, seal_fn fn, void *ctx)
{
    ES_AUTO(es_buf_freep) es_buf dir = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&dir, inst, CACHE_DIR));
    DIR *d = opendir(es_buf_cstr(&dir));
    if (d == NULL) {
        return ES_OK;
    }
    es_result r = ES_OK;
    size_t seen = 0;
    struct dirent *de;
    while (es_ok(r) && seen < CACHE_SEALS_MAX && (de = readdir(d)) != NULL) {
        if (esid_safe(de->d_name)) { /* not ".", "..", nor anything this file did not make */
            seen++;
            r = fn(ctx, de->d_name);
        }
    }
    (void)closedir(d);
    return r;
}

typedef struct {
    answer_pick *p;
    es_span spki;
    const char *esid;
    int64_t at;
    size_t count;
    int64_t oldest_ms;
    char oldest[80];
} scan_ctx;

static ES_RESULT scan_one(void *ctx, const char *file, es_span jws)
{
    scan_ctx *c = ctx;
    c->count++;
    int64_t produced = -1;
    consider(c->p, jws, c->spki, c->esid, c->at, "cache", &produced);
    if (produced >= 0 && produced < c->oldest_ms) {
        c->oldest_ms = produced;
        copy_str(c->oldest, sizeof(c->oldest), file);
    }
    return ES_OK;
}

/* The answers kept for `esid`: each considered; *count gets how many files were there and `oldest` the
 * name of the one of this registry produced first (for the cache's bound; "" none). */
static ES_RESULT cache_scan(eseal_instance *inst, const char *esid, answer_pick *p, es_span spki, int64_t at,
                            size_t *count, char oldest[80])
{
    scan_ctx c = {p, spki, esid, at, 0, INT64_MAX, ""};
    es_result r = each_kept(inst, esid, scan_one, &c);
    *count = c.count;
    copy_str(oldest, 80, c.oldest);
    return r;
}

/* Keeps a fetched answer (named by its SHA-256), dropping the oldest when ANSWERS_KEPT are there. */
static ES_RESULT cache_put(eseal_instance *inst, const char *esid, es_span jws, size_t count, const char *oldest)
{
    ES_AUTO(es_buf_freep) es_buf dir = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(cache_folder(&dir, inst, esid));
    ES_GUARD(es_mkdir_p(es_buf_cstr(&dir), 0700));
    uint8_t md[64];
    size_t md_len = 0;
    ES_GUARD(es_digest(md, &md_len, ESEAL_HASH_SHA256, jws));
    char hex[65];
    es_hex_lower(hex, md, 32);
    ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_buf_printf(&path, "%s/%s.jws", es_buf_cstr(&dir), hex));
    if (es_path_exists(es_buf_cstr(&path))) {
        return ES_OK; /* kept already (the same answer again, from a bundle read twice) */
    }
    es_buf_clear(&path);
    if (count >= ANSWERS_KEPT && oldest[0] != '\0') {
        ES_GUARD(es_buf_printf(&path, "%s/%s", es_buf_cstr(&dir), oldest));
        (void)unlink(es_buf_cstr(&path));
        es_buf_clear(&path);
    }
    ES_GUARD(es_buf_printf(&path, "%s/%s.jws", es_buf_cstr(&dir), hex));
    es_atomic_file f;
    ES_GUARD(es_atomic_open(&f, es_buf_cstr(&path), 0600));
    es_result r = es_atomic_write(&f, jws.ptr, jws.len);
    r = es_ok(r) ? es_atomic_commit(&f) : r;
    if (!es_ok(r)) {
        es_atomic_abort(&f);
    }
    return r;
}

/* GETs the registry's answer for `esid` at `at` from `base` (the registry service's supply point). */
static ES_RESULT fetch_answer(eseal_instance *inst, es_buf *out, const char *base, const char *esid, int64_t at)
{
    ES_ENSURE(es_str_starts(base, "http://") || es_str_starts(base, "https://"), ESEAL_EINVAL,
              "the registry's address '%s' is not an http or https URL", base);
    es_fetcher f = es_ctx_fetcher(inst->ctx, es_http_fetcher());
    ES_ENSURE(f.fn != NULL, ESEAL_EUNSUPPORTED, "no network to ask %s", base);
    char when[ES_RFC3339_LEN];
    es_time_rfc3339(when, at);
    size_t n = strlen(base);
    ES_AUTO(es_buf_freep) es_buf url = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_STRING + ESID_SAFE_MAX + 64);
    ES_GUARD(es_buf_printf(&url, "%s%s%s/answer?at=%s", base, n > 0 && base[n - 1] == '/' ? "" : "/", esid, when));
    long status = 0;
    ES_GUARD(f.fn(f.ctx, es_buf_cstr(&url), NULL, es_span_of(NULL, 0), ANSWER_FETCH_TIMEOUT_MS,
                  ESEAL_REGISTRY_ANSWER_MAX_BYTES, out, &status));
    ES_ENSURE(status == 200, ESEAL_EIO, "%s answered HTTP %ld", es_buf_cstr(&url), status);
    return ES_OK;
}

/* ---- the report ---- */

static const char *report_status(const char *answer_status)
{
    return strcmp(answer_status, "active") == 0 || strcmp(answer_status, "suspended") == 0 ||
                   strcmp(answer_status, "revoked") == 0
               ? answer_status
               : "unknown";
}

static ES_RESULT report_maker(eseal_report *rep, const maker_find *g)
{
    eseal_value *root = es_report_root(rep);
    ES_GUARD(es_value_str(root, "seal.recognised.platform", "%s", g->platform));
    ES_GUARD(es_value_int(root, "seal.recognised.list_sequence", (int64_t)g->sequence));
    ES_GUARD(es_value_str(root, "seal.recognised.service", "%s", g->service));
    ES_GUARD(es_value_str(root, "seal.recognised.status", "%s", !g->listed ? "not_listed" : g->granted ? "granted"
                                                                                                      : "withdrawn"));
    if (g->listed && g->granted) {
        return es_report_check(rep, "maker_service", ESEAL_CHECK_PASSED, "trust_list",
                               "the seal maker \"%s\" of %s (its trust list, sequence %llu) was granted then",
                               g->service, g->platform, (unsigned long long)g->sequence);
    }
    ES_GUARD(es_report_check(rep, "maker_service", ESEAL_CHECK_FAILED, "trust_list",
                             "the seal maker \"%s\" of %s was %s at the validation time (its trust list, "
                             "sequence %llu)",
                             g->service, g->platform, g->listed ? "withdrawn" : "not yet listed",
                             (unsigned long long)g->sequence));
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_MAKER_NOT_RECOGNISED,
                            "%s's trust list did not list the seal's maker as a granted seal maker at the validation "
                            "time",
                            g->platform);
}

static ES_RESULT report_answer(eseal_report *rep, const maker_find *g, const answer_pick *p, int64_t now,
                               const char *why_none)
{
    eseal_value *root = es_report_root(rep);
    if (!p->have) {
        ES_GUARD(es_value_str(root, "seal.registry.at_signing", "unknown"));
        ES_GUARD(es_value_str(root, "seal.registry.now", "unknown"));
        ES_GUARD(es_value_null(root, "seal.registry.answer"));
        ES_GUARD(es_report_check(rep, "registry", ESEAL_CHECK_INDETERMINATE, "registry_answer",
                                 "no answer of %s's registry covers the validation time: %s", g->platform, why_none));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SEAL_STATUS_UNKNOWN,
                                "the seal's status at the validation time is not known: no answer of %s's registry "
                                "covers it (%s)",
                                g->platform, why_none);
    }
    const char *st = report_status(p->status);
    eseal_registry_answer a = {.status = p->status, .since_ms = p->since_ms, .at_ms = p->at_ms,
                               .next_update_ms = p->next_update_ms};
    ES_GUARD(es_value_str(root, "seal.registry.at_signing", "%s", st));
    ES_GUARD(es_value_str(root, "seal.registry.now", "%s", es_registry_answer_covers(&a, now) ? st : "unknown"));
    ES_GUARD(es_value_str(root, "seal.registry.answer.platform", "%s", p->platform));
    ES_GUARD(es_value_str(root, "seal.registry.answer.status", "%s", st));
    ES_GUARD(p->since_ms != 0 ? es_value_time(root, "seal.registry.answer.since", p->since_ms)
                              : es_value_null(root, "seal.registry.answer.since"));
    ES_GUARD(p->reason[0] != '\0' ? es_value_str(root, "seal.registry.answer.reason", "%s", p->reason)
                                  : es_value_null(root, "seal.registry.answer.reason"));
    ES_GUARD(es_value_time(root, "seal.registry.answer.asked_at", p->at_ms));
    ES_GUARD(es_value_time(root, "seal.registry.answer.produced_at", p->produced_ms));
    ES_GUARD(es_value_time(root, "seal.registry.answer.next_update", p->next_update_ms));
    ES_GUARD(es_value_str(root, "seal.registry.answer.source", "%s", p->source));
    char since[ES_RFC3339_LEN];
    char produced[ES_RFC3339_LEN];
    es_time_rfc3339(since, p->since_ms);
    es_time_rfc3339(produced, p->produced_ms);
    bool active = strcmp(p->status, "active") == 0;
    bool ended = strcmp(p->status, "revoked") == 0 || strcmp(p->status, "suspended") == 0;
    ES_GUARD(es_report_check(rep, "registry", active ? ESEAL_CHECK_PASSED : ended ? ESEAL_CHECK_FAILED
                                                                                  : ESEAL_CHECK_INDETERMINATE,
                             "registry_answer",
                             "%s%s%s%s%s, as the registry of %s answered (produced %s; from the %s)",
                             p->status, p->since_ms != 0 ? " since " : "", p->since_ms != 0 ? since : "",
                             p->reason[0] != '\0' ? ": " : "", p->reason, p->platform, produced, p->source));
    if (active) {
        return ES_OK;
    }
    if (ended) {
        return es_report_reason(rep, ESEAL_INVALID,
                                strcmp(p->status, "revoked") == 0 ? ESEAL_R_SEAL_REVOKED : ESEAL_R_SEAL_SUSPENDED,
                                "the registry of %s says the seal was %s at the validation time (since %s%s%s)",
                                p->platform, p->status, since, p->reason[0] != '\0' ? ": " : "", p->reason);
    }
    return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SEAL_NOT_ACTIVE,
                            "the registry of %s does not know the seal as in use at the validation time", p->platform);
}

ES_RESULT es_foreign_seal_check(eseal_instance *inst, eseal_report *rep, const eseal_ses_seal *s, int64_t at,
                                const es_foreign_opts *o, bool *found)
{
    *found = false;
    eseal_bytes m = eseal_ses_seal_maker_cert(s);
    const eseal_seal_info *info = eseal_ses_seal_info(s);
    if (inst == NULL || m.len == 0 || info == NULL || info->esid == NULL) {
        return ES_OK;
    }
    maker_find *g = es_calloc(1, sizeof(*g));
    ES_ENSURE_ALLOC(g);
    g->maker = es_span_of(m.ptr, m.len);
    g->at = at;
    g->spki = (es_buf)ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_CERT);
    int rc = eseal_store_trusted_list_each(inst->store, find_maker, g);
    es_result r = rc == 1 || rc == ESEAL_OK ? ES_OK : es_from_code(rc);
    answer_pick *p = es_ok(r) && g->found ? es_calloc(1, sizeof(*p)) : NULL;
    if (es_ok(r) && g->found && p == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    char why[512] = "the list names no registry";
    if (es_ok(r) && g->found) {
        *found = true;
        r = report_maker(rep, g);
    }
    if (es_ok(r) && g->found && g->spki.len > 0) {
        const char *esid = info->esid;
        es_span spki = es_buf_span(&g->spki);
        for (size_t i = 0; o != NULL && i < o->nstapled; i++) {
            consider(p, o->stapled[i], spki, esid, at, "document", NULL);
        }
        size_t count = 0;
        char oldest[80] = "";
        bool safe = esid_safe(esid);
        if (safe && !p->have) {
            r = cache_scan(inst, esid, p, spki, at, &count, oldest);
        }
        (void)snprintf(why, sizeof(why), "none in the document or kept here; `eseal verify --online` asks it");
        if (es_ok(r) && safe && !p->have && o != NULL && o->online) {
            ES_AUTO(es_buf_freep) es_buf jws = ES_BUF_INIT(ESEAL_REGISTRY_ANSWER_MAX_BYTES);
            es_result f = fetch_answer(inst, &jws, g->url, esid, at);
            if (es_ok(f)) {
                consider(p, es_buf_span(&jws), spki, esid, at, "registry", NULL);
                if (p->have && !es_ok(cache_put(inst, esid, es_buf_span(&jws), count, oldest))) {
                    eseal_error_clear(); /* the answer is used; it is only not kept */
                }
                (void)snprintf(why, sizeof(why), "its answer did not verify under the key its list names");
            } else {
                (void)snprintf(why, sizeof(why), "asking it failed: %s", eseal_error_last()->message);
                eseal_error_clear();
            }
        }
    }
    if (es_ok(r) && g->found) {
        r = report_answer(rep, g, p, es_inst_now(inst), why);
    }
    es_free(p);
    es_buf_free(&g->spki);
    es_free(g);
    return r;
}

/* ---- refreshing the answers kept ---- */

typedef struct {
    eseal_instance *inst;
    es_span spki;
    const char *url;
    size_t refreshed, failed;
} refresh_ctx;

/* Asks again for the seal of folder `esid` when its newest answer is of the registry `spki`. */
static ES_RESULT refresh_one(refresh_ctx *c, const char *esid)
{
    answer_pick p;
    memset(&p, 0, sizeof(p));
    size_t count = 0;
    char oldest[80];
    /* INT64_MAX: only a revocation covers it; any answer of this registry shows in `oldest` */
    ES_GUARD(cache_scan(c->inst, esid, &p, c->spki, INT64_MAX, &count, oldest));
    if (oldest[0] == '\0') {
        return ES_OK; /* no answer of this registry kept for it */
    }
    ES_AUTO(es_buf_freep) es_buf jws = ES_BUF_INIT(ESEAL_REGISTRY_ANSWER_MAX_BYTES);
    int64_t now = es_inst_now(c->inst);
    es_result r = fetch_answer(c->inst, &jws, c->url, esid, now);
    answer_pick fresh;
    memset(&fresh, 0, sizeof(fresh));
    if (es_ok(r)) {
        consider(&fresh, es_buf_span(&jws), c->spki, esid, now, "registry", NULL);
        r = fresh.have ? cache_put(c->inst, esid, es_buf_span(&jws), count, oldest)
                       : es_error_set(ESEAL_EVERIFY, __FILE__, __LINE__, "the answer for %s did not verify", esid);
    }
    if (es_ok(r)) {
        c->refreshed++;
    } else {
        c->failed++;
        eseal_error_clear();
    }
    return ES_OK;
}

static ES_RESULT refresh_seal(void *ctx, const char *esid) { return refresh_one(ctx, esid); }

ES_RESULT es_foreign_answers_refresh(eseal_instance *inst, es_span registry_spki, const char *registry_url,
                                     size_t *refreshed, size_t *failed)
{
    refresh_ctx c = {inst, registry_spki, registry_url, 0, 0};
    es_result r = each_seal(inst, refresh_seal, &c);
    *refreshed = c.refreshed;
    *failed = c.failed;
    return r;
}

/* ---- bundles: the answers kept, out and in ---- */

ES_RESULT es_foreign_answer_keep(eseal_instance *inst, es_span spki, es_span jws)
{
    eseal_registry_answer_doc *doc = NULL;
    ES_GUARD(es_from_code(eseal_registry_answer_parse(&doc, jws.ptr, jws.len, spki.ptr, spki.len)));
    char esid[ESID_SAFE_MAX + 1];
    bool safe = esid_safe(eseal_registry_answer_get(doc)->esid);
    copy_str(esid, sizeof(esid), eseal_registry_answer_get(doc)->esid);
    eseal_registry_answer_free(doc);
    ES_ENSURE(safe, ESEAL_EUNSUPPORTED, "registry answer: an esID eseal cannot keep as a file name");
    answer_pick p;
    memset(&p, 0, sizeof(p));
    size_t count = 0;
    char oldest[80];
    ES_GUARD(cache_scan(inst, esid, &p, spki, INT64_MAX, &count, oldest));
    return cache_put(inst, esid, jws, count, oldest);
}

typedef struct {
    eseal_instance *inst;
    es_span spki;
    es_der_list *out;
    size_t most;
} collect_ctx;

/* Appends a kept answer when it verifies under the registry key. */
static ES_RESULT collect_answer(void *ctx, const char *file, es_span jws)
{
    (void)file;
    collect_ctx *c = ctx;
    eseal_registry_answer_doc *doc = NULL;
    es_result r = ES_OK;
    if (c->out->n < c->most &&
        eseal_registry_answer_parse(&doc, jws.ptr, jws.len, c->spki.ptr, c->spki.len) == ESEAL_OK) {
        r = es_der_list_add(c->out, jws);
    }
    eseal_registry_answer_free(doc);
    eseal_error_clear(); /* another registry's answer: not this list's */
    return r;
}

static ES_RESULT collect_seal(void *ctx, const char *esid)
{
    collect_ctx *c = ctx;
    return c->out->n < c->most ? each_kept(c->inst, esid, collect_answer, c) : ES_OK;
}

ES_RESULT es_foreign_answers_collect(eseal_instance *inst, es_span spki, es_der_list *out, size_t most)
{
    collect_ctx c = {inst, spki, out, most};
    return each_seal(inst, collect_seal, &c);
}
