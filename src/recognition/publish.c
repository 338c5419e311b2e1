/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's own trust list (issue 24): what another platform needs to recognise this one, read
 * from the store at each publish, signed by the list key, recorded, and kept as the current list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "auditlog/witness_client.h"
#include "tlog/tlog.h"
#include "util/versions.h"
#include "recognition/recognition.h"

/* The log's witnesses a list names (eseal.conf takes at most 32 log_witness lines). */
#define ES_TL_MAX_WITNESSES 32

/* The roles a list names, and the service each is. */
static const struct {
    const char *role;
    eseal_tl_service_type type;
} roles[] = {
    {"root-ca", ESEAL_TL_CA}, {"issuing-ca", ESEAL_TL_CA}, {"seal-maker", ESEAL_TL_SEAL_MAKER},
    {"tsa", ESEAL_TL_TSA},    {"ocsp", ESEAL_TL_OCSP},
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

/* At most this many services in the list (the codec's limit for one entity). */
#define MAX_SERVICES ESEAL_TRUSTLIST_MAX_SERVICES
#define NAME_MAX_LEN 160

typedef struct {
    eseal_tl_service svc[MAX_SERVICES];
    eseal_tl_status hist[MAX_SERVICES]; /* one earlier status each: granted, before a revocation */
    char names[MAX_SERVICES][NAME_MAX_LEN];
    eseal_buf der[MAX_SERVICES];
    size_t n;
} services;

static void services_free(services *s)
{
    for (size_t i = 0; i < s->n; i++) {
        eseal_buf_dispose(&s->der[i]);
    }
    es_free(s);
}
static inline void services_freep(services **s)
{
    if (*s != NULL) {
        services_free(*s);
    }
}

static inline void buf_disposep(eseal_buf *b) { eseal_buf_dispose(b); }

/* The log's witnesses as services (their keys and URLs borrowed by the services until it is freed). */
typedef struct {
    es_witness_cfg cfg[ES_TL_MAX_WITNESSES];
    uint8_t spki[ES_TL_MAX_WITNESSES][44];
    char vkey[ES_TL_MAX_WITNESSES][ESEAL_TRUSTLIST_MAX_STRING];
    size_t n;
} witnesses;

static inline void witnesses_freep(witnesses **w)
{
    for (size_t i = 0; *w != NULL && i < (*w)->n; i++) {
        es_free((*w)->cfg[i].name);
        es_free((*w)->cfg[i].url);
    }
    es_free(*w);
}

/*
 * The log's witnesses (eseal.conf log_witness "NAME VKEY URL"), each a witness service: its name, its
 * cosignature key as a C2SP note key and as an Ed25519 SubjectPublicKeyInfo (`spki_prefix`, then the
 * key), and its URL, so that a verifier elsewhere checks the log's cosigned checkpoints as the log does.
 */
static ES_RESULT add_witnesses(eseal_instance *inst, services *s, witnesses *w, bool lol,
                               const uint8_t spki_prefix[12])
{
    for (size_t i = 0; !lol && i < inst->cfg.log_witness_count && i < ES_TL_MAX_WITNESSES; i++) {
        const char *line = inst->cfg.log_witnesses[i];
        ES_GUARD(es_witness_cfg_parse(&w->cfg[w->n], line));
        es_witness_cfg *c = &w->cfg[w->n];
        w->n++;
        const char *sp = strchr(line, ' ');
        while (sp != NULL && *sp == ' ') {
            sp++;
        }
        size_t klen = sp != NULL ? strcspn(sp, " \t") : 0;
        ES_ENSURE(klen > 0 && klen < sizeof(w->vkey[i]), ESEAL_EMALFORMED, "trustlist: log_witness %s: no key",
                  c->name);
        memcpy(w->vkey[i], sp, klen);
        w->vkey[i][klen] = '\0';
        memcpy(w->spki[i], spki_prefix, 12);
        memcpy(w->spki[i] + 12, c->v.pub, 32);
        ES_ENSURE(s->n < MAX_SERVICES, ESEAL_ELIMIT, "trustlist: too many services");
        eseal_tl_service *v = &s->svc[s->n++];
        memset(v, 0, sizeof(*v));
        v->type = ESEAL_TL_WITNESS;
        v->name = c->name;
        v->spki_der = w->spki[i];
        v->spki_len = sizeof(w->spki[i]);
        v->note_key = w->vkey[i];
        v->supply_point = c->url;
    }
    return ES_OK;
}

static eseal_tl_service_type type_of(const char *role)
{
    for (size_t i = 0; i < NROLES; i++) {
        if (strcmp(roles[i].role, role) == 0) {
            return roles[i].type;
        }
    }
    return 0;
}

/* One certificate of the platform as a service: granted from its creation, withdrawn from its
 * revocation (the granted status then in its history). */
static int add_cert(const eseal_cert_record *rec, void *payload)
{
    services *s = payload;
    if (s->n == MAX_SERVICES) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                                    "trustlist: more than %d CA, seal maker, TSA and OCSP certificates", MAX_SERVICES));
    }
    eseal_cert *c = NULL;
    int rc = eseal_cert_parse(&c, rec->pem, strlen(rec->pem));
    if (rc == ESEAL_OK) {
        rc = eseal_cert_der(&s->der[s->n], c);
        eseal_cert_free(c);
    }
    if (rc != ESEAL_OK) {
        return rc;
    }
    eseal_tl_service *v = &s->svc[s->n];
    memset(v, 0, sizeof(*v));
    v->type = type_of(rec->role);
    (void)snprintf(s->names[s->n], NAME_MAX_LEN, "%s %s %s", rec->hierarchy, rec->role, rec->id);
    v->name = s->names[s->n];
    v->cert_der = s->der[s->n].ptr;
    v->cert_len = s->der[s->n].size;
    int64_t since = rec->not_before_ms < rec->created_ms ? rec->not_before_ms : rec->created_ms;
    if (rec->revoked_ms != 0) {
        v->status.withdrawn = 1;
        v->status.since_ms = rec->revoked_ms;
        s->hist[s->n].withdrawn = 0;
        s->hist[s->n].since_ms = since;
        v->history = &s->hist[s->n];
        v->history_count = 1;
    } else {
        v->status.since_ms = since;
    }
    s->n++;
    return 0;
}

/* The replaced list key after a rotation (its file named in the store), or NULL. */
static ES_RESULT previous_key(eseal_instance *inst, eseal_key **key)
{
    *key = NULL;
    eseal_buf name = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(inst->store, &name, ES_TL_META_PREVIOUS);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK;
    }
    ES_GUARD(es_from_code(rc));
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = es_home_path(&p, inst, (const char *)name.ptr); /* NUL-terminated past size */
    eseal_buf_dispose(&name);
    ES_GUARD(r);
    return es_instance_load_key_file(inst, key, es_buf_cstr(&p));
}

/* The audit log's note key (HOME/log/log.vkey), "" before the log's first checkpoint made it. */
static ES_RESULT log_vkey(eseal_instance *inst, es_buf *out)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&p, inst, "log/log.vkey"));
    if (!es_path_exists(es_buf_cstr(&p))) {
        return ES_OK;
    }
    ES_GUARD(es_file_read(out, es_buf_cstr(&p), ESEAL_TRUSTLIST_MAX_STRING));
    while (out->len > 0 && (out->ptr[out->len - 1] == '\n' || out->ptr[out->len - 1] == '\r')) {
        out->ptr[--out->len] = '\0';
    }
    return ES_OK;
}

/* The platforms of a list of lists: the lists imported directly from a URL, each under its pin. */
#define MAX_MEMBERS 256
typedef struct {
    eseal_tl_entity ent[MAX_MEMBERS];
    eseal_tl_service svc[MAX_MEMBERS];
    eseal_trustlist *tl[MAX_MEMBERS];
    char name[MAX_MEMBERS][ESEAL_TRUSTLIST_MAX_STRING + 1];
    char url[MAX_MEMBERS][ESEAL_TRUSTLIST_MAX_STRING + 1];
    size_t n;
    eseal_instance *inst;
} members;

static void members_free(members *m)
{
    for (size_t i = 0; i < m->n; i++) {
        eseal_trustlist_free(m->tl[i]);
    }
    es_free(m);
}
static inline void members_freep(members **m)
{
    if (*m != NULL) {
        members_free(*m);
    }
}

static int add_member(const eseal_trusted_list_record *rec, const void *jws, size_t len, void *payload)
{
    members *m = payload;
    if (rec->list_of_lists || rec->via[0] != '\0' ||
        !(es_str_starts(rec->source, "http://") || es_str_starts(rec->source, "https://"))) {
        return 0; /* only the platforms recognised directly, where others can fetch them */
    }
    if (m->n == MAX_MEMBERS) {
        return es_code(
            es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "trustlist: more than %d platforms", MAX_MEMBERS));
    }
    size_t i = m->n;
    int rc = eseal_trustlist_parse(&m->tl[i], jws, len); /* checked again: only what verifies is vouched for */
    if (rc != ESEAL_OK) {
        return rc;
    }
    m->n++;
    size_t klen = 0;
    const uint8_t *spki = eseal_trustlist_key_spki(m->tl[i], &klen);
    (void)snprintf(m->name[i], sizeof(m->name[i]), "%s", rec->name);
    (void)snprintf(m->url[i], sizeof(m->url[i]), "%s", rec->source);
    eseal_tl_service *v = &m->svc[i];
    memset(v, 0, sizeof(*v));
    v->type = ESEAL_TL_TRUST_LIST;
    v->name = m->name[i];
    v->spki_der = spki;
    v->spki_len = klen;
    v->supply_point = m->url[i];
    v->status.since_ms = rec->added_ms;
    m->ent[i] = (eseal_tl_entity){.name = m->name[i], .info_uri = NULL, .services = v, .service_count = 1};
    return 0;
}

typedef struct {
    eseal_buf jws;
    const char *sha256;
    uint64_t sequence;
    bool lol;
} published;

static ES_RESULT keep_current(eseal_instance *inst, void *payload)
{
    published *p = payload;
    return es_from_code(
        eseal_store_meta_put(inst->store, p->lol ? ES_TL_META_LOL : ES_TL_META_CURRENT, p->jws.ptr, p->jws.size));
}

static ES_RESULT publish(eseal_instance *inst, const es_acting *by, eseal_buf *jws, char fingerprint[65],
                         const eseal_trustlist_publish_options *o)
{
    ES_ENSURE_ARG(inst != NULL && jws != NULL && fingerprint != NULL);
    const es_config *cfg = &inst->cfg;
    const char *name = o != NULL && o->name != NULL ? o->name : cfg->organization;
    const char *territory = o != NULL && o->territory != NULL ? o->territory : cfg->country;
    const char *base = o != NULL && o->base_url != NULL ? o->base_url : cfg->base_url;
    ES_ENSURE(name != NULL && name[0] != '\0', ESEAL_EINVAL,
              "trustlist: the platform has no name (eseal.conf `organization`, or --name)");
    ES_ENSURE(territory != NULL && strlen(territory) == 2, ESEAL_EINVAL,
              "trustlist: the platform has no country (eseal.conf `country`, or --country: two letters)");
    unsigned int days = o != NULL && o->validity_days != 0 ? o->validity_days : 30;
    ES_ENSURE(days <= 366, ESEAL_EINVAL, "trustlist: a list is valid for 1 to 366 days, not %u", days);

    bool lol = o != NULL && o->list_of_lists != 0;
    ES_AUTO(services_freep) services *s = es_calloc(1, sizeof(*s));
    ES_ENSURE_ALLOC(s);
    ES_AUTO(members_freep) members *m = es_calloc(1, sizeof(*m));
    ES_ENSURE_ALLOC(m);
    if (lol) {
        m->inst = inst;
        ES_GUARD(es_from_code(eseal_store_trusted_list_each(inst->store, add_member, m)));
        ES_ENSURE(m->n > 0, ESEAL_ESTATE,
                  "trustlist: a list of lists names the platforms imported from a URL (eseal trust add URL --pin): "
                  "there is none");
    } else {
        const char *want[NROLES];
        for (size_t i = 0; i < NROLES; i++) {
            want[i] = roles[i].role;
        }
        ES_GUARD(es_from_code(eseal_store_cert_list_roles(inst->store, want, NROLES, add_cert, s)));
    }

    ES_AUTO(es_buf_freep) es_buf vkey = ES_BUF_INIT(ESEAL_TRUSTLIST_MAX_STRING + 1);
    ES_GUARD(log_vkey(inst, &vkey));
    char log_url[ESEAL_TRUSTLIST_MAX_STRING], list_url[ESEAL_TRUSTLIST_MAX_STRING];
    log_url[0] = list_url[0] = '\0';
    if (base != NULL) {
        size_t bl = strlen(base);
        bool slash = bl > 0 && base[bl - 1] == '/';
        (void)snprintf(log_url, sizeof(log_url), "%s%slog/", base, slash ? "" : "/");
        (void)snprintf(list_url, sizeof(list_url), "%.*s%s", (int)(slash ? bl - 1 : bl), base,
                       lol ? ES_TL_WELL_KNOWN_LOL : ES_TL_WELL_KNOWN);
    }
    ES_AUTO(es_key_freep) eseal_key *reg = NULL;
    ES_AUTO(buf_disposep) eseal_buf reg_spki = ESEAL_BUF_INIT;
    char reg_url[ESEAL_TRUSTLIST_MAX_STRING];
    reg_url[0] = '\0';
    if (!lol) {
        /* The registry, whose signed answers say a seal's status at a time to other platforms. */
        ES_GUARD(es_tl_key(inst, &reg, ES_REGISTRY_KEY_FILE));
        ES_GUARD(es_from_code(eseal_key_public_der(&reg_spki, reg)));
        if (base != NULL) {
            size_t bl = strlen(base);
            (void)snprintf(reg_url, sizeof(reg_url), "%.*s%s", (int)(bl > 0 && base[bl - 1] == '/' ? bl - 1 : bl),
                           base, ES_REGISTRY_PATH);
        }
        ES_ENSURE(s->n < MAX_SERVICES, ESEAL_ELIMIT, "trustlist: too many services");
        eseal_tl_service *v = &s->svc[s->n++];
        memset(v, 0, sizeof(*v));
        v->type = ESEAL_TL_REGISTRY;
        v->name = "seal registry";
        v->spki_der = reg_spki.ptr;
        v->spki_len = reg_spki.size;
        v->supply_point = reg_url[0] != '\0' ? reg_url : NULL;
    }
    /* The log's Ed25519 key as a SubjectPublicKeyInfo (RFC 8410: the fixed prefix, then the 32 bytes). */
    uint8_t log_spki[44] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    if (vkey.len > 0 && !lol) {
        es_note_verifier nv;
        ES_GUARD(es_note_vkey_parse(&nv, es_buf_cstr(&vkey)));
        memcpy(log_spki + 12, nv.pub, 32);
        ES_ENSURE(s->n < MAX_SERVICES, ESEAL_ELIMIT, "trustlist: too many services");
        eseal_tl_service *v = &s->svc[s->n++];
        memset(v, 0, sizeof(*v));
        v->type = ESEAL_TL_AUDIT_LOG;
        v->name = "audit log";
        v->spki_der = log_spki;
        v->spki_len = sizeof(log_spki);
        v->note_key = es_buf_cstr(&vkey);
        v->supply_point = log_url[0] != '\0' ? log_url : NULL;
        v->status.since_ms = 0;
    }

    /* The log's witnesses (eseal.conf log_witness "NAME VKEY URL"): their note keys, as the log's
     * verifiers check its cosigned checkpoints (docs/witness.md). */
    ES_AUTO(witnesses_freep) witnesses *w = es_calloc(1, sizeof(*w)); /* large: not on the stack */
    ES_ENSURE_ALLOC(w);
    ES_GUARD(add_witnesses(inst, s, w, lol, log_spki));

    ES_AUTO(es_key_freep) eseal_key *key = NULL;
    ES_GUARD(es_tl_key(inst, &key, ES_TL_KEY_FILE));
    ES_AUTO(es_key_freep) eseal_key *prev = NULL;
    ES_GUARD(previous_key(inst, &prev));
    ES_GUARD(es_from_code(eseal_key_spki_sha256(fingerprint, key)));

    uint64_t seq = 0;
    ES_GUARD(es_from_code(eseal_store_counter_next(inst->store, lol ? ES_TL_LOL_COUNTER : ES_TL_COUNTER, &seq)));
    int64_t now = es_inst_now(inst);
    eseal_tl_info info = {
        .version = ESEAL_TL_INFO_VERSION,
        .list_of_lists = lol,
        .sequence = seq,
        .issued_ms = now,
        .next_update_ms = now + (int64_t)days * 86400000,
        .operator_name = o != NULL && o->operator_name != NULL ? o->operator_name : name,
        .scheme_name = name,
        .territory = territory,
        .distribution_point = list_url[0] != '\0' ? list_url : NULL,
    };
    eseal_tl_entity ent = {
        .name = name,
        .info_uri = base,
        .services = s->svc,
        .service_count = s->n,
    };
    published p = {ESEAL_BUF_INIT, fingerprint, seq, lol};
    es_result r = es_from_code(lol ? eseal_trustlist_sign(&p.jws, &info, m->ent, m->n, key, prev)
                                   : eseal_trustlist_sign(&p.jws, &info, &ent, 1, key, prev));
    if (es_ok(r)) {
        char dg[65];
        uint8_t md[32];
        es_span part = es_span_of(p.jws.ptr, p.jws.size);
        r = es_sha256(md, &part, 1);
        es_hex_lower(dg, md, sizeof(md));
        char detail[512];
        (void)snprintf(detail, sizeof(detail), "%s %llu of %s, %zu %s, key %s, list sha256 %s",
                       lol ? "list of lists" : "trust list", (unsigned long long)seq, name, lol ? m->n : s->n,
                       lol ? "platforms" : "services", fingerprint, es_ok(r) ? dg : "?");
        if (es_ok(r)) {
            r = es_acc_change(inst, by, "trustlist.published", NULL, detail, keep_current, &p);
        }
    }
    if (es_ok(r)) {
        *jws = p.jws;
    } else {
        eseal_buf_dispose(&p.jws);
    }
    return r;
}

int eseal_instance_trustlist_publish(eseal_instance *inst, const eseal_principal *who, eseal_buf *jws,
                                     char fingerprint[65], const eseal_trustlist_publish_options *o)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_TRUSTLIST_PUBLISH, "trustlist", NULL);
    ES_CHECK_VERSION_OPT_INT(o, trustlist_publish_options);
    return es_code(publish(inst, &by, jws, fingerprint, o));
}

int eseal_instance_trustlist_current(eseal_instance *inst, int list_of_lists, eseal_buf *jws)
{
    if (inst == NULL || jws == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "trustlist: no instance"));
    }
    int rc = eseal_store_meta(inst->store, jws, list_of_lists ? ES_TL_META_LOL : ES_TL_META_CURRENT);
    if (rc == ESEAL_ENOTFOUND) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__,
                                    "this platform has published no %s yet (eseal trustlist publish%s)",
                                    list_of_lists ? "list of lists" : "trust list",
                                    list_of_lists ? " --list-of-lists" : ""));
    }
    return rc;
}

typedef struct {
    const char *old_rel;
} rotation;

static ES_RESULT note_previous(eseal_instance *inst, void *payload)
{
    rotation *x = payload;
    return es_from_code(eseal_store_meta_put(inst->store, ES_TL_META_PREVIOUS, x->old_rel, strlen(x->old_rel)));
}

static ES_RESULT rotate(eseal_instance *inst, const es_acting *by, char fingerprint[65])
{
    ES_ENSURE_ARG(inst != NULL && fingerprint != NULL);
    ES_AUTO(es_key_freep) eseal_key *old = NULL;
    ES_AUTO(es_buf_freep) es_buf cur = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&cur, inst, ES_TL_KEY_FILE));
    ES_ENSURE(es_path_exists(es_buf_cstr(&cur)), ESEAL_ESTATE,
              "trustlist: there is no list key to replace yet (publish a list first)");
    ES_GUARD(es_instance_load_key_file(inst, &old, es_buf_cstr(&cur)));
    char old_fp[65];
    ES_GUARD(es_from_code(eseal_key_spki_sha256(old_fp, old)));
    /* The old key stays, under its fingerprint, to sign the rotation statement of the next lists. */
    char old_rel[128];
    (void)snprintf(old_rel, sizeof(old_rel), "keys/trust-list-p256-%.16s.key", old_fp);
    ES_AUTO(es_buf_freep) es_buf oldp = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&oldp, inst, old_rel));
    ES_ENSURE(!es_path_exists(es_buf_cstr(&oldp)), ESEAL_EEXISTS, "trustlist: %s exists already", old_rel);
    ES_GUARD(es_key_save(inst, old, es_buf_cstr(&oldp)));
    ES_AUTO(es_key_freep) eseal_key *k = NULL;
    ES_GUARD(es_from_code(eseal_key_generate(&k, ESEAL_ALG_P256)));
    ES_GUARD(es_from_code(eseal_key_spki_sha256(fingerprint, k)));
    ES_AUTO(es_buf_freep) es_buf tmp = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&tmp, inst, "keys/trust-list-p256.key.new"));
    (void)remove(es_buf_cstr(&tmp));
    ES_GUARD(es_key_save(inst, k, es_buf_cstr(&tmp)));
    char detail[256];
    (void)snprintf(detail, sizeof(detail), "trust list key %s replaced by %s", old_fp, fingerprint);
    rotation x = {old_rel};
    es_result r = es_acc_change(inst, by, "trustlist.key-rotated", NULL, detail, note_previous, &x);
    if (es_ok(r) && rename(es_buf_cstr(&tmp), es_buf_cstr(&cur)) != 0) {
        r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "trustlist: cannot put the new key in place: %s",
                         es_buf_cstr(&cur));
    }
    if (!es_ok(r)) {
        (void)remove(es_buf_cstr(&tmp));
    }
    return r;
}

int eseal_instance_trustlist_rotate_key(eseal_instance *inst, const eseal_principal *who, char fingerprint[65])
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_TRUSTLIST_PUBLISH, "trustlist", "key");
    return es_code(rotate(inst, &by, fingerprint));
}

/* ---- the platform's own bundle, for verifiers without network ---- */

#define OWN_CRLS_MAX 64 /* the CAs of the three hierarchies, renewed ones included */

typedef struct {
    eseal_instance *inst;
    es_buf crls[OWN_CRLS_MAX];
    size_t n;
    es_result err;
} own_crls;

/* The CRL this instance published for CA `rec` (HOME/crl/<id>.crl), when the CA is not revoked: a
 * withdrawn CA is not one the list's readers check CRLs against. */
static int add_own_crl(const eseal_cert_record *rec, void *payload)
{
    own_crls *c = payload;
    if (rec->revoked_ms != 0 || c->n >= OWN_CRLS_MAX) {
        return 0;
    }
    ES_AUTO(es_buf_freep) es_buf rel = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = es_buf_printf(&rel, "crl/%s.crl", rec->id);
    r = es_ok(r) ? es_home_path(&path, c->inst, es_buf_cstr(&rel)) : r;
    if (es_ok(r) && es_path_exists(es_buf_cstr(&path))) {
        c->crls[c->n] = (es_buf)ES_BUF_INIT(ESEAL_TRUST_BUNDLE_MAX_CRL);
        r = es_file_read(&c->crls[c->n], es_buf_cstr(&path), ESEAL_TRUST_BUNDLE_MAX_CRL);
        c->n++;
    }
    c->err = r;
    return es_ok(r) ? 0 : es_code(r);
}

static ES_RESULT own_bundle(eseal_instance *inst, const char *const *esids, size_t n, eseal_buf *out)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL && (esids != NULL || n == 0));
    ES_ENSURE(n <= ESEAL_TRUST_BUNDLE_MAX_ANSWERS, ESEAL_EINVAL, "trustlist: at most %d seals in a bundle",
              ESEAL_TRUST_BUNDLE_MAX_ANSWERS);
    ES_AUTO(buf_disposep) eseal_buf list = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_instance_trustlist_current(inst, 0, &list)));
    own_crls *c = es_calloc(1, sizeof(*c));
    ES_ENSURE_ALLOC(c);
    c->inst = inst;
    c->err = ES_OK;
    eseal_buf *answers = es_calloc(n + 1, sizeof(*answers));
    eseal_bytes *aspans = es_calloc(n + 1, sizeof(*aspans));
    es_result r = answers != NULL && aspans != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "oom");
    static const char *const ca_roles[] = {"root-ca", "issuing-ca"};
    if (es_ok(r)) {
        int rc = eseal_store_cert_list_roles(inst->store, ca_roles, 2, add_own_crl, c);
        r = rc == ESEAL_OK ? ES_OK : !es_ok(c->err) ? c->err : es_from_code(rc);
    }
    /* The registry's answer, now, for each seal named: it must be one of this registry's, by its whole esID. */
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        eseal_seal_record rec;
        int rc = eseal_instance_seal_get(inst, &rec, NULL, esids[i]);
        bool exact = rc == ESEAL_OK && strcmp(rec.esid, esids[i]) == 0;
        if (rc == ESEAL_OK) {
            eseal_seal_record_dispose(&rec);
        }
        r = exact ? es_from_code(eseal_instance_registry_answer(inst, &answers[i], esids[i], 0))
                  : es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "trustlist: no seal %s in this registry",
                                 esids[i]);
        aspans[i] = (eseal_bytes){answers[i].ptr, answers[i].size};
    }
    eseal_bytes crls[OWN_CRLS_MAX];
    for (size_t i = 0; i < c->n; i++) {
        crls[i] = (eseal_bytes){c->crls[i].ptr, c->crls[i].len};
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_trust_bundle_write(out, list.ptr, list.size, crls, c->n, aspans, n));
    }
    for (size_t i = 0; answers != NULL && i < n; i++) {
        eseal_buf_dispose(&answers[i]);
    }
    for (size_t i = 0; i < c->n; i++) {
        es_buf_free(&c->crls[i]);
    }
    es_free(answers);
    es_free(aspans);
    es_free(c);
    return r;
}

int eseal_instance_trustlist_bundle(eseal_instance *inst, const char *const *esids, size_t n, eseal_buf *out)
{
    return es_code(own_bundle(inst, esids, n, out));
}
