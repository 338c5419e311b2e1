/* SPDX-License-Identifier: Apache-2.0 */
/* The instance: init/open, certificates, CRLs, trust, signing and verifying files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service.h"
#include "util/report.h"
#include "util/versions.h"

#define DAY_MS (86400LL * 1000)

static bool safe_text(const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20) {
            return false;
        }
    }
    return true;
}

static ES_RESULT open_instance(eseal_instance **out, const char *home)
{
    ES_ENSURE_ARG(out != NULL && home != NULL && home[0] != '\0');
    eseal_instance *inst = es_calloc(1, sizeof(*inst));
    ES_ENSURE_ALLOC(inst);
    inst->home = es_strdup(home);
    es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = inst->home != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    if (es_ok(r)) {
        r = es_home_path(&p, inst, "eseal.conf");
    }
    struct stat st;
    if (es_ok(r) && stat(es_buf_cstr(&p), &st) != 0) {
        /* Only a home that is not there is "no instance"; one we may not enter is not. */
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__,
                             "no eseal instance in %s (run 'eseal init --home %s')", home, home);
        } else {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "cannot open the eseal instance in %s: %s", home,
                             err == EACCES ? "permission denied" : strerror(err));
        }
    }
    if (es_ok(r)) {
        r = es_config_load(&inst->cfg, es_buf_cstr(&p));
    }
    if (es_ok(r)) {
        r = es_store_location(&p, &inst->cfg, inst->home);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_open(&inst->store, es_buf_cstr(&p)));
    }
    if (es_ok(r)) {
        r = es_instance_auditlog_open(inst);
    }
    es_buf_free(&p);
    if (!es_ok(r)) {
        eseal_instance_close(inst);
        return r;
    }
    *out = inst;
    return ES_OK;
}

int eseal_instance_open(eseal_instance **out, const char *home) { return es_code(open_instance(out, home)); }

int eseal_instance_set_context(eseal_instance *inst, const eseal_context *ctx)
{
    if (inst == NULL) {
        ES_BAIL_ARG("inst == NULL");
    }
    inst->ctx = ctx;
    es_auditlog_set_context(inst->auditlog, ctx);
    return ESEAL_OK;
}

void eseal_instance_close(eseal_instance *inst)
{
    if (inst == NULL) {
        return;
    }
    if (inst->stamp_cache_free != NULL) {
        inst->stamp_cache_free(inst->stamp_cache);
    }
    es_auditlog_close(inst->auditlog);
    eseal_trust_free(inst->trust_cache);
    eseal_store_close(inst->store);
    es_config_free(&inst->cfg);
    es_secret_free(&inst->pass);
    es_kek_wipe(&inst->kek);
    es_hwkey_forget(inst);
    es_free(inst->home);
    es_free(inst);
}

int eseal_instance_set_passphrase(eseal_instance *inst, const char *pass, size_t len)
{
    if (inst == NULL || pass == NULL) {
        ES_BAIL_ARG("inst == NULL || pass == NULL");
    }
    es_result r = es_secret_set(&inst->pass, pass, len);
    if (es_ok(r)) {
        es_kek_wipe(&inst->kek); /* derived again, from this passphrase, when a key is needed */
        inst->kek_set = false;
        es_keys_note(inst);
    }
    return es_code(r);
}

const char *eseal_instance_home(const eseal_instance *inst) { return inst == NULL ? "" : inst->home; }

static ES_RESULT open_like(eseal_instance **out, eseal_instance *from)
{
    ES_ENSURE_ARG(out != NULL && from != NULL);
    eseal_instance *inst = NULL;
    ES_GUARD(open_instance(&inst, from->home));
    es_result r = es_from_code(eseal_instance_set_context(inst, from->ctx));
    if (es_ok(r) && from->pass.ptr != NULL) {
        r = es_from_code(eseal_instance_set_passphrase(inst, from->pass.ptr, from->pass.len));
    }
    es_kek k;
    if (es_ok(r) && es_instance_kek_held(from, &k)) {
        /* The KEK `from` holds already (derived, or an agent's), installed after the same checks as an
         * agent's: the new handle does not derive it again (slow and memory-hungry on purpose). One
         * that `from` has not derived yet is not derived here: a handle that never opens a key (a
         * verification) never pays for it; the new handle derives it from the passphrase if needed. */
        r = es_instance_set_kek(inst, &k);
        es_kek_wipe(&k);
    }
    if (es_ok(r)) {
        r = es_hwkey_like(inst, from); /* the token PIN and its callback (issue 23) */
    }
    if (!es_ok(r)) {
        eseal_instance_close(inst);
        return r;
    }
    *out = inst;
    return ES_OK;
}

int eseal_instance_open_like(eseal_instance **out, eseal_instance *from) { return es_code(open_like(out, from)); }

/*
 * The store a new instance is made on (version 4 `store`, else $ESEAL_STORE; none: HOME/eseal.db,
 * and `out` stays empty). "schema=auto" in a PostgreSQL location becomes a new schema's name,
 * eseal_ and 16 random hex digits: many instances in one database (the test suite's PostgreSQL run).
 */
static ES_RESULT init_store(es_buf *out, const eseal_instance_init_options *o)
{
    const char *want = o->version >= 4 && o->store != NULL ? o->store : getenv("ESEAL_STORE");
    if (want == NULL || want[0] == '\0') {
        return ES_OK;
    }
    ES_ENSURE(strlen(want) < ES_STORE_LOCATION_MAX, ESEAL_EINVAL, "a store location of at most %d bytes",
              ES_STORE_LOCATION_MAX - 1);
    ES_ENSURE(!es_store_has_password(want), ESEAL_EINVAL,
              "the store location must not hold a password (it is written to eseal.conf): give it in a password "
              "file (libpq's ~/.pgpass, or passfile=PATH in the location)");
    const char *aut = strstr(want, "schema=auto");
    bool whole = aut != NULL && (aut[11] == '\0' || aut[11] == '&') && (aut[-1] == '?' || aut[-1] == '&');
    if (!whole) {
        return es_buf_append_str(out, want);
    }
    uint8_t rnd[8];
    ES_GUARD(es_random(rnd, sizeof(rnd)));
    char hex[2 * sizeof(rnd) + 1];
    es_hex_lower(hex, rnd, sizeof(rnd));
    ES_GUARD(es_buf_append(out, want, (size_t)(aut - want)));
    ES_GUARD(es_buf_printf(out, "schema=eseal_%s", hex));
    return es_buf_append_str(out, aut + 11);
}

/* A store given to init (a database others may use) must hold no instance yet: no certificate. */
static int any_cert(const eseal_cert_record *rec, void *payload)
{
    (void)rec;
    (void)payload;
    return 1;
}

static ES_RESULT store_empty(eseal_store *s, const char *location)
{
    int rc = eseal_store_cert_list(s, any_cert, NULL);
    ES_ENSURE(rc != 1, ESEAL_EEXISTS, "the store %s already holds an eseal instance", location);
    return es_from_code(rc);
}

static ES_RESULT init_instance(const char *home, const eseal_instance_init_options *o)
{
    ES_CHECK_VERSION(o, instance_init_options);
    ES_ENSURE_ARG(home != NULL);
    /* Who creates it (version 3): the actor of every set-up entry; older versions, or none: the
     * platform. Asked before anything is made. */
    const eseal_principal *who = o->version >= 3 ? o->who : NULL;
    es_acting by_who;
    if (who != NULL) {
        ES_GUARD(es_act(&by_who, who, ES_ACT_INIT, "instance", home));
    }
    ES_ENSURE(o->passphrase != NULL && o->passphrase_len >= 8, ESEAL_EINVAL,
              "the instance passphrase must have at least 8 characters");
    ES_ENSURE(safe_text(o->organization) && safe_text(o->country) && safe_text(o->base_url), ESEAL_EINVAL,
              "organization, country and base URL must be single lines");
    ES_ENSURE(o->country == NULL || strlen(o->country) == 2, ESEAL_EINVAL, "country must be a two-letter code");
    ES_ENSURE(o->version < 5 || o->token == NULL || (o->token[0] != '\0' && strlen(o->token) <= 32), ESEAL_EINVAL,
              "a token label is 1 to 32 bytes");
    ES_ENSURE(o->base_url == NULL || es_str_starts(o->base_url, "http://") || es_str_starts(o->base_url, "https://"),
              ESEAL_EINVAL, "base URL must start with http:// or https://");
    ES_GUARD(es_mkdir_p(home, 0700));
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_buf_printf(&p, "%s/eseal.conf", home));
    ES_ENSURE(!es_path_exists(es_buf_cstr(&p)), ESEAL_EEXISTS, "%s already holds an eseal instance", home);
    es_buf_clear(&p);
    ES_GUARD(es_buf_printf(&p, "%s/keys", home));
    ES_GUARD(es_mkdir_p(es_buf_cstr(&p), 0700));
    es_buf_clear(&p);
    ES_GUARD(es_buf_printf(&p, "%s/crl", home));
    ES_GUARD(es_mkdir_p(es_buf_cstr(&p), 0755));
    es_buf_clear(&p);
    ES_GUARD(es_buf_printf(&p, "%s/eseal.conf.new", home));
    (void)unlink(es_buf_cstr(&p)); /* left over by an interrupted init */
    ES_AUTO(es_buf_freep) es_buf store = ES_BUF_INIT(ES_STORE_LOCATION_MAX);
    ES_GUARD(init_store(&store, o));
    ES_GUARD(es_config_write_default(es_buf_cstr(&p), o, store.len > 0 ? es_buf_cstr(&store) : NULL));
    /* The conf file is renamed into place last: an instance exists only once it is complete. */
    eseal_instance *inst = es_calloc(1, sizeof(*inst));
    ES_ENSURE_ALLOC(inst);
    inst->ctx = ES_OPT_CTX(o, 2);
    inst->home = es_strdup(home);
    es_result r = inst->home != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    if (es_ok(r)) {
        r = es_config_load(&inst->cfg, es_buf_cstr(&p));
    }
    const char *token = o->version >= 5 ? o->token : NULL;
    if (es_ok(r) && token != NULL) {
        /* The CA token, its PIN (or whom to ask) and its mechanisms, checked before anything is made:
         * a wrong PIN leaves no store behind. */
        inst->token_pin_cb = o->token_pin_cb;
        inst->token_pin_payload = o->token_pin_payload;
        if (o->token_pin != NULL) {
            r = es_from_code(eseal_instance_set_token_pin(inst, o->token_pin, o->token_pin_len));
        }
        if (es_ok(r)) {
            r = es_hwkey_token_check(inst, token);
        }
        inst->ca_token = token;
    }
    es_buf db = ES_BUF_INIT(ES_PATH_BUF_MAX);
    if (es_ok(r)) {
        r = es_store_location(&db, &inst->cfg, home);
    }
    if (es_ok(r) && store.len == 0 && es_path_exists(es_buf_cstr(&db))) {
        r = es_error_set(ESEAL_EEXISTS, __FILE__, __LINE__,
                         "%s holds a store from an interrupted init; remove the directory and run init again", home);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_open(&inst->store, es_buf_cstr(&db)));
    }
    if (es_ok(r) && store.len > 0) {
        r = store_empty(inst->store, es_buf_cstr(&store));
    }
    if (es_ok(r)) {
        r = es_instance_auditlog_open(inst);
    }
    if (es_ok(r)) {
        r = es_secret_set(&inst->pass, o->passphrase, o->passphrase_len);
    }
    if (es_ok(r)) {
        inst->creating = true;
        r = es_ca_create_hierarchies(inst, who != NULL ? &by_who : NULL, o->progress, o->progress_ctx);
    }
    if (es_ok(r) && o->progress != NULL) {
        o->progress(o->progress_ctx, "the audit log's signing key");
    }
    if (es_ok(r)) {
        r = es_log_key_create(inst->auditlog);
    }
    es_buf_free(&db);
    eseal_instance_close(inst);
    if (es_ok(r)) {
        es_buf final = ES_BUF_INIT(ES_PATH_BUF_MAX);
        r = es_buf_printf(&final, "%s/eseal.conf", home);
        if (es_ok(r) && rename(es_buf_cstr(&p), es_buf_cstr(&final)) != 0) {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "cannot finish %s", es_buf_cstr(&final));
        }
        es_buf_free(&final);
    }
    return r;
}

static ES_RESULT migrate(const char *home, int *from, int *to)
{
    ES_ENSURE_ARG(home != NULL && from != NULL && to != NULL);
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_buf_printf(&p, "%s/eseal.conf", home));
    ES_ENSURE(es_path_exists(es_buf_cstr(&p)), ESEAL_ENOTFOUND, "no eseal instance in %s", home);
    es_config cfg;
    es_result r = es_config_load(&cfg, es_buf_cstr(&p));
    r = es_ok(r) ? es_store_location(&p, &cfg, home) : r;
    es_config_free(&cfg);
    ES_GUARD(r);
    return es_from_code(eseal_store_migrate(es_buf_cstr(&p), from, to));
}

int eseal_instance_migrate(const char *home, int *from, int *to) { return es_code(migrate(home, from, to)); }

int eseal_instance_init(const char *home, const eseal_instance_init_options *opts)
{
    return es_code(init_instance(home, opts));
}

/*
 * The organisation's country and its organizationIdentifier (ETSI EN 319 412-1 §5.1.4). In China
 * the identifier is the unified social credit code (NTRCN-<USCC>), required; elsewhere the
 * caller's org_id, whose country becomes C unless it is XG (an LEI) or EU (a VAT number of the
 * EU scheme) or the caller named the country.
 */
static ES_RESULT org_identity(eseal_instance *inst, const eseal_cert_request *q, char country[3], es_buf *orgid)
{
    const char *org_id = q->version >= 2 ? q->org_id : NULL;
    eseal_org_id id;
    memset(&id, 0, sizeof(id));
    if (org_id != NULL) {
        ES_GUARD(es_from_code(eseal_org_id_parse(&id, org_id)));
    }
    bool own_country = org_id != NULL && strcmp(id.country, "XG") != 0 && strcmp(id.country, "EU") != 0;
    const char *c = q->country != NULL ? q->country : own_country ? id.country : inst->cfg.country;
    ES_ENSURE(strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z', ESEAL_EINVAL,
              "country '%s' is not a two-letter upper-case code (ISO 3166-1)", c);
    ES_ENSURE(!own_country || strcmp(id.country, c) == 0, ESEAL_EINVAL,
              "organisation identifier %s is of country %s, but the certificate's country is %s", org_id, id.country,
              c);
    memcpy(country, c, 3);
    ES_ENSURE(strcmp(c, "CN") != 0 || org_id == NULL || q->country != NULL || own_country, ESEAL_EINVAL,
              "organisation identifier %s names no country of its own: give --country CC", org_id);
    if (strcmp(c, "CN") == 0) {
        ES_ENSURE(org_id == NULL || strcmp(id.type, "NTR") == 0, ESEAL_EINVAL,
                  "an organisation in China (country CN) is identified by its unified social credit code: give "
                  "--uscc instead of --org-id %s, or --country for an organisation elsewhere",
                  org_id);
        const char *uscc = q->uscc != NULL ? q->uscc : org_id != NULL ? id.value : NULL;
        ES_ENSURE(uscc != NULL, ESEAL_EINVAL,
                  "an organisation certificate in China needs --uscc (unified social credit code); for an "
                  "organisation elsewhere give --country CC and --org-id (VAT, NTR, PSD or LEI)");
        ES_ENSURE(eseal_uscc_valid(uscc), ESEAL_EINVAL,
                  "'%s' is not a valid unified social credit code (18 characters, GB 32100-2015 check character)",
                  uscc);
        ES_ENSURE(org_id == NULL || strcmp(id.value, uscc) == 0, ESEAL_EINVAL,
                  "--org-id %s and --uscc %s name different organisations", org_id, uscc);
        /* ETSI EN 319 412-1 §5.1.4: "NTR" + country + "-" + national registration number. */
        return es_buf_printf(orgid, "NTRCN-%s", uscc);
    }
    ES_ENSURE(q->uscc == NULL, ESEAL_EINVAL,
              "--uscc is for organisations in China, but the certificate's country is %s (use --org-id)", c);
    ES_ENSURE(org_id != NULL, ESEAL_EINVAL,
              "an organisation certificate outside China needs --org-id (ETSI EN 319 412-1: VAT%s-..., NTR%s-..., "
              "PSD%s-..., LEIXG-...)",
              c, c, c);
    return es_buf_append_str(orgid, org_id);
}

static ES_RESULT issue_cert(eseal_instance *inst, const es_acting *by, eseal_cert_record *out,
                            const eseal_cert_request *q)
{
    ES_CHECK_VERSION(q, cert_request); /* version 1 (no org_id) is still read */
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(q->name != NULL && q->name[0] != '\0', ESEAL_EINVAL, "a name is required");
    ES_ENSURE(safe_text(q->name) && safe_text(q->uscc) && safe_text(q->person_id) && safe_text(q->org_unit) &&
                  safe_text(q->email),
              ESEAL_EINVAL, "certificate fields must not contain control characters");
    ES_ENSURE(strlen(q->name) <= 128, ESEAL_EINVAL, "name longer than 128 bytes");
    es_cert_spec s = {0};
    ES_AUTO(es_buf_freep) es_buf orgid = ES_BUF_INIT(ES_ORGID_MAX);
    char country[3];
    if (q->person) {
        ES_ENSURE(q->uscc == NULL && (q->version < 2 || q->org_id == NULL), ESEAL_EINVAL,
                  "a person certificate takes no organisation identifier (--uscc, --org-id)");
        const char *c = q->country != NULL ? q->country : inst->cfg.country;
        ES_ENSURE(strlen(c) == 2, ESEAL_EINVAL, "country must be a two-letter code");
        memcpy(country, c, 3);
        s.profile = ES_PROFILE_PERSON;
        s.common_name = q->name;
        s.serial_number = q->person_id;
        s.organization = NULL;
    } else {
        ES_GUARD(org_identity(inst, q, country, &orgid));
        s.profile = ES_PROFILE_ORG;
        s.common_name = q->name;
        s.organization = q->name;
        s.org_identifier = es_buf_cstr(&orgid);
    }
    s.org_unit = q->org_unit;
    s.country = country;
    s.email = q->email;
    int64_t now = es_inst_now(inst);
    unsigned days = q->days != 0 ? q->days : inst->cfg.cert_days;
    ES_ENSURE(days <= 3650, ESEAL_EINVAL, "validity longer than 10 years");
    s.not_before_ms = now - 60000;
    s.not_after_ms = now + (int64_t)days * DAY_MS;
    eseal_key_alg alg = q->alg != ESEAL_ALG_NONE ? q->alg : ESEAL_ALG_SM2; /* zero means the default */
    const char *key_ref = q->version >= 3 ? q->key_ref : NULL;
    ES_AUTO(es_key_freep) eseal_key *hw = NULL;
    if (key_ref != NULL) {
        /* A key in a token (issue 23): its algorithm chooses the hierarchy; it is opened here, before
         * anything is issued, so that a wrong URI or PIN is told without an audit entry. */
        ES_ENSURE(es_hwkey_is_ref(key_ref), ESEAL_EINVAL, "a certificate's key reference must be a pkcs11: URI or an skf: reference");
        ES_GUARD(es_hwkey_open(inst, &hw, key_ref));
        ES_ENSURE(q->alg == ESEAL_ALG_NONE || q->alg == eseal_key_algorithm(hw), ESEAL_EINVAL,
                  "--alg %s does not match the token key (%s)", eseal_key_alg_name(q->alg),
                  eseal_key_alg_name(eseal_key_algorithm(hw)));
        alg = eseal_key_algorithm(hw);
    }
    const char *h = es_hierarchy_for_alg(alg);
    eseal_cert_record issuer;
    ES_GUARD(es_from_code(eseal_store_cert_find_role(inst->store, &issuer, "issuing-ca", h)));
    es_result r = hw != NULL ? es_ca_issue_for_key(inst, by, out, q->person ? "person" : "org", h, &s, &issuer, hw,
                                                   key_ref)
                             : es_ca_issue_as(inst, by, out, q->person ? "person" : "org", h, alg, &s, &issuer);
    eseal_cert_record_dispose(&issuer);
    return r;
}

/* The organisation (owner.c) whose USCC an organisation certificate request names ("" for none):
 * the object of cert.issue, so that an organisation administrator may issue for its own (issue 19 §2). */
static void request_org(eseal_instance *inst, const eseal_cert_request *q, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    org[0] = '\0';
    char id[ES_ORGID_MAX];
    if (inst == NULL || q == NULL || q->person) {
        return;
    }
    /* the identifier the certificate will carry (org_identity): the USCC's, else the one given */
    int n = q->uscc != NULL && q->uscc[0] != '\0' ? snprintf(id, sizeof(id), "NTRCN-%s", q->uscc)
            : q->org_id != NULL                   ? snprintf(id, sizeof(id), "%s", q->org_id)
                                                  : -1;
    if (n > 0 && (size_t)n < sizeof(id)) {
        es_result r = es_identifier_org(inst, id, org);
        if (!es_ok(r)) {
            org[0] = '\0'; /* not looked up: no organisation (the policy then decides) */
        }
    }
    eseal_error_clear();
}

int eseal_instance_cert_issue(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *out,
                              const eseal_cert_request *req)
{
    ES_CHECK_VERSION_INT(req, cert_request);
    es_acting by;
    char org[ESEAL_OWNER_ORG_MAX + 1];
    request_org(inst, req, org);
    es_object obj = {"cert", req != NULL ? req->name : NULL, org[0] != '\0' ? org : NULL, NULL};
    int arc = es_code(es_act_on(&by, who, ES_ACT_CERT_ISSUE, &obj));
    if (arc != ESEAL_OK) {
        return arc;
    }
    return es_code(issue_cert(inst, &by, out, req));
}

int eseal_instance_cert_list(eseal_instance *inst, int (*cb)(const eseal_cert_record *rec, void *payload),
                             void *payload)
{
    if (inst == NULL || cb == NULL) {
        ES_BAIL_ARG("inst == NULL || cb == NULL");
    }
    return eseal_store_cert_list(inst->store, cb, payload);
}

static ES_RESULT cert_get(eseal_instance *inst, eseal_cert **cert, eseal_cert_record *rec, const char *ref)
{
    ES_ENSURE_ARG(inst != NULL && ref != NULL);
    eseal_cert_record r;
    memset(&r, 0, sizeof(r));
    struct stat st;
    if (stat(ref, &st) == 0 && S_ISREG(st.st_mode)) {
        eseal_cert *c = NULL;
        ES_GUARD(es_from_code(eseal_cert_load(&c, ref)));
        int rc = eseal_store_cert_find(inst->store, &r, eseal_cert_fingerprint(c));
        if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
            eseal_cert_free(c);
            return es_from_code(rc);
        }
        if (rc == ESEAL_ENOTFOUND) {
            memset(&r, 0, sizeof(r));
            r.revocation_reason = -1;
        }
        if (cert != NULL) {
            *cert = c;
        } else {
            eseal_cert_free(c);
        }
    } else {
        ES_GUARD(es_from_code(eseal_store_cert_find(inst->store, &r, ref)));
        if (cert != NULL) {
            int rc = eseal_cert_parse(cert, r.pem, strlen(r.pem));
            if (rc != ESEAL_OK) {
                eseal_cert_record_dispose(&r);
                return es_from_code(rc);
            }
        }
    }
    if (rec != NULL) {
        *rec = r;
    } else {
        eseal_cert_record_dispose(&r);
    }
    return ES_OK;
}

int eseal_instance_cert_get(eseal_instance *inst, eseal_cert **cert, eseal_cert_record *rec, const char *ref)
{
    return es_code(cert_get(inst, cert, rec, ref));
}

int eseal_crl_reason_from_name(int *out, const char *name)
{
    static const char *names[] = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
                                  "superseded", "cessationOfOperation", "certificateHold", NULL,
                                  "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
    for (int i = 0; i <= 10; i++) {
        if (names[i] != NULL && es_strcasecmp(names[i], name) == 0) {
            *out = i;
            return ESEAL_OK;
        }
    }
    return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                "unknown revocation reason '%s' (unspecified, keyCompromise, cACompromise, "
                                "affiliationChanged, superseded, cessationOfOperation, certificateHold, "
                                "privilegeWithdrawn, aACompromise)",
                                name));
}

static ES_RESULT revoke_cert(eseal_instance *inst, const es_acting *by, const char *ref, int reason, int64_t at_ms)
{
    ES_ENSURE_ARG(inst != NULL && ref != NULL);
    ES_ENSURE(reason >= 0 && reason <= 10 && reason != 7 && reason != 8, ESEAL_EINVAL, "invalid revocation reason");
    eseal_cert_record rec, ca;
    memset(&ca, 0, sizeof(ca));
    ES_GUARD(cert_get(inst, NULL, &rec, ref));
    es_result r = ES_OK;
    if (rec.id == NULL || rec.issuer_id == NULL || rec.issuer_id[0] == '\0') {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                         "certificate %s was not issued by this instance's CA, so it cannot be revoked here",
                         rec.id != NULL ? rec.id : ref);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_cert_find(inst->store, &ca, rec.issuer_id));
    }
    /* Load the CA key before changing anything: a wrong passphrase must leave no half-revocation. */
    eseal_key *probe = NULL;
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &probe, &ca);
        eseal_key_free(probe);
    }
    if (es_ok(r)) {
        r = es_audit_prepare(inst->auditlog);
    }
    /* The revocation and its audit entry commit together. */
    if (es_ok(r)) {
        r = es_from_code(eseal_store_begin(inst->store));
        if (es_ok(r)) {
            int64_t at = at_ms != 0 ? at_ms : es_inst_now(inst);
            r = es_from_code(eseal_store_cert_revoke(inst->store, rec.id, at, reason));
            char detail[128];
            char when[ES_RFC3339_LEN];
            es_time_rfc3339(when, at);
            (void)snprintf(detail, sizeof(detail), "revoked as of %s, CRLReason %d", when, reason);
            if (es_ok(r)) {
                r = es_audit_cert_event(inst->auditlog, by, "cert.revoked", &rec, detail);
            }
            r = es_ok(r) ? es_from_code(eseal_store_commit(inst->store)) : r;
            if (!es_ok(r)) {
                (void)eseal_store_rollback(inst->store);
            }
        }
    }
    if (es_ok(r)) {
        r = es_ca_publish_crl(inst, by, &ca, NULL);
    }
    eseal_cert_record_dispose(&rec);
    eseal_cert_record_dispose(&ca);
    return r;
}

/* The front door for an action on the certificate `ref`, with the organisation it belongs to
 * (owner.c; none when it is not found: the operation then refuses it with its reason). */
static int act_on_cert(eseal_instance *inst, es_acting *by, const eseal_principal *who, es_action action,
                       const char *ref)
{
    char org[ESEAL_OWNER_ORG_MAX + 1] = "";
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    if (inst != NULL && ref != NULL && es_ok(cert_get(inst, NULL, &rec, ref)) && !es_ok(es_cert_org(inst, &rec, org))) {
        org[0] = '\0';
    }
    eseal_cert_record_dispose(&rec);
    eseal_error_clear();
    es_object obj = {"cert", ref, org[0] != '\0' ? org : NULL, NULL};
    return es_code(es_act_on(by, who, action, &obj));
}

int eseal_instance_cert_revoke(eseal_instance *inst, const eseal_principal *who, const char *ref, int reason,
                               int64_t at_ms)
{
    es_acting by;
    int arc = act_on_cert(inst, &by, who, ES_ACT_CERT_REVOKE, ref);
    if (arc != ESEAL_OK) {
        return arc;
    }
    return es_code(revoke_cert(inst, &by, ref, reason, at_ms));
}

typedef struct {
    const char *h, *current_id;
    int64_t now; /* by the instance's clock */
    char ids[64][24];
    size_t n;
} superseded_cas;

static int pick_superseded(const eseal_cert_record *rec, void *payload)
{
    superseded_cas *x = payload;
    if (strcmp(rec->role, "issuing-ca") != 0 || strcmp(rec->hierarchy, x->h) != 0 ||
        strcmp(rec->id, x->current_id) == 0 || rec->revoked_ms != 0 || rec->not_after_ms <= x->now ||
        rec->key_file[0] == '\0') {
        return 0;
    }
    if (x->n == sizeof(x->ids) / sizeof(x->ids[0])) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                                    "ca crl: more than %zu valid superseded issuing CAs in %s; revoke the unused ones",
                                    sizeof(x->ids) / sizeof(x->ids[0]), x->h));
    }
    (void)snprintf(x->ids[x->n++], sizeof(x->ids[0]), "%s", rec->id);
    return 0;
}

/* A superseded issuing CA's certificates stay valid until they expire: it keeps publishing CRLs. */
static ES_RESULT publish_superseded(eseal_instance *inst, const es_acting *by, const char *h, const char *current_id)
{
    superseded_cas x = {h, current_id, es_inst_now(inst), {{0}}, 0};
    ES_GUARD(es_from_code(eseal_store_cert_list(inst->store, pick_superseded, &x)));
    for (size_t i = 0; i < x.n; i++) {
        eseal_cert_record ca;
        ES_GUARD(es_from_code(eseal_store_cert_find(inst->store, &ca, x.ids[i])));
        es_result r = es_ca_publish_crl(inst, by, &ca, NULL);
        eseal_cert_record_dispose(&ca);
        ES_GUARD(r);
    }
    return ES_OK;
}

static ES_RESULT crl_issue(eseal_instance *inst, const es_acting *by, eseal_buf *der, const char *h)
{
    ES_ENSURE_ARG(inst != NULL && h != NULL);
    eseal_cert_record root, issuing;
    ES_GUARD(es_from_code(eseal_store_cert_find_role(inst->store, &root, "root-ca", h)));
    es_result r = es_from_code(eseal_store_cert_find_role(inst->store, &issuing, "issuing-ca", h));
    if (!es_ok(r)) {
        eseal_cert_record_dispose(&root);
        return r;
    }
    es_buf out = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
    r = es_ca_publish_crl(inst, by, &root, NULL);
    if (es_ok(r)) {
        r = publish_superseded(inst, by, h, issuing.id);
    }
    if (es_ok(r)) {
        r = es_ca_publish_crl(inst, by, &issuing, &out);
    }
    if (es_ok(r) && der != NULL) {
        es_buf_move_out(der, &out);
    }
    es_buf_free(&out);
    eseal_cert_record_dispose(&root);
    eseal_cert_record_dispose(&issuing);
    return r;
}

int eseal_instance_crl_issue(eseal_instance *inst, const eseal_principal *who, eseal_buf *der, const char *hierarchy)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_CRL_ISSUE, "ca", hierarchy);
    return es_code(crl_issue(inst, &by, der, hierarchy));
}

static ES_RESULT ca_export(eseal_instance *inst, eseal_buf *pem, const char *h, int tsa)
{
    ES_ENSURE_ARG(inst != NULL && pem != NULL && h != NULL);
    ES_ENSURE(strcmp(h, "sm2") == 0 || strcmp(h, "p256") == 0 || strcmp(h, "rsa") == 0, ESEAL_EINVAL,
              "unknown CA hierarchy '%s' (sm2, p256 or rsa)", h);
    static const char *roles[] = {"tsa", "issuing-ca", "root-ca"};
    es_buf out = ES_BUF_INIT(ES_INSTANCE_CHAIN_PEM_MAX);
    es_result r = ES_OK;
    char tsa_issuer[64] = "";
    for (size_t i = tsa ? 0 : 1; i < 3 && es_ok(r); i++) {
        eseal_cert_record rec;
        if (i == 1 && tsa_issuer[0] != '\0') {
            /* The TSA's own issuer: after a planned renewal of the issuing CA it is the superseded one. */
            r = es_from_code(eseal_store_cert_find(inst->store, &rec, tsa_issuer));
        } else {
            r = es_from_code(eseal_store_cert_find_role(inst->store, &rec, roles[i], h));
        }
        if (es_ok(r)) {
            if (i == 0) {
                (void)snprintf(tsa_issuer, sizeof(tsa_issuer), "%s", rec.issuer_id);
            }
            r = es_buf_append_str(&out, rec.pem);
            eseal_cert_record_dispose(&rec);
        }
    }
    if (es_ok(r)) {
        es_buf_move_out(pem, &out);
    }
    es_buf_free(&out);
    return r;
}

int eseal_instance_ca_export(eseal_instance *inst, eseal_buf *pem, const char *hierarchy, int tsa)
{
    return es_code(ca_export(inst, pem, hierarchy, tsa));
}

static ES_RESULT sign_file(eseal_instance *inst, const es_acting *by, eseal_buf *p7s, const char *path,
                           const char *ref, const eseal_cms_sign_options *opts)
{
    ES_ENSURE_ARG(inst != NULL && p7s != NULL && path != NULL && ref != NULL);
    eseal_cert *cert = NULL;
    eseal_cert_record rec;
    ES_GUARD(cert_get(inst, &cert, &rec, ref));
    eseal_key *key = NULL;
    es_result r = ES_OK;
    if (rec.revoked_ms != 0) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "certificate %s is revoked and cannot sign", rec.id);
    } else if (es_inst_now(inst) > eseal_cert_not_after(cert)) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "certificate %s has expired and cannot sign", rec.id);
    } else if (rec.id == NULL || rec.key_file == NULL || rec.key_file[0] == '\0') {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__,
                         "no private key for certificate %s in this instance (import it with 'eseal cert import')",
                         eseal_cert_subject(cert));
    }
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &key, &rec);
    }
    /* Embed the issuing chain so verifiers elsewhere can build the path. */
    eseal_cert *issuer = NULL;
    if (es_ok(r) && rec.issuer_id[0] != '\0') {
        eseal_cert_record irec;
        if (eseal_store_cert_find(inst->store, &irec, rec.issuer_id) == ESEAL_OK) {
            r = es_cert_parse(&issuer, es_span_of(irec.pem, strlen(irec.pem)));
            eseal_cert_record_dispose(&irec);
        }
    }
    if (es_ok(r)) {
        /* Field by field: a version 1 struct ends before ctx. No ctx given: the instance's (signingTime). */
        eseal_cms_sign_options o = ESEAL_CMS_SIGN_OPTIONS_INIT;
        if (opts != NULL) {
            o.hash = opts->hash;
            o.scheme = opts->scheme;
            o.omit_signing_time = opts->omit_signing_time;
            o.signing_time_ms = opts->signing_time_ms;
            o.chain = opts->chain;
            o.chain_len = opts->chain_len;
            o.ctx = ES_OPT_CTX(opts, 2);
        }
        if (o.ctx == NULL) {
            o.ctx = inst->ctx;
        }
        const eseal_cert *chain[1] = {issuer};
        if (issuer != NULL && o.chain_len == 0) {
            o.chain = chain;
            o.chain_len = 1;
        }
        /* The document is read once: the bytes signed are the bytes whose digest is recorded. */
        size_t max = (size_t)es_inst_limits(inst)->max_input_bytes;
        es_buf doc = ES_BUF_INIT(max);
        r = es_file_read(&doc, path, max);
        eseal_buf sig = ESEAL_BUF_INIT;
        if (es_ok(r)) {
            r = es_from_code(eseal_cms_sign(&sig, key, cert, doc.ptr, doc.len, &o));
        }
        if (es_ok(r)) {
            /* On the record before the signature is handed out. */
            r = es_audit_document_event(inst->auditlog, by, "document.signed", &rec, "cms", es_buf_span(&doc),
                                        es_span_of(NULL, 0), "a detached CMS signature", NULL, NULL, NULL);
        }
        if (es_ok(r)) {
            *p7s = sig;
        } else {
            eseal_buf_dispose(&sig);
        }
        es_buf_free(&doc);
    }
    eseal_cert_free(issuer);
    eseal_key_free(key);
    eseal_cert_free(cert);
    eseal_cert_record_dispose(&rec);
    return r;
}

int eseal_instance_sign_file(eseal_instance *inst, const eseal_principal *who, eseal_buf *p7s, const char *path,
                             const char *cert_ref, const eseal_cms_sign_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, cms_sign_options);
    es_acting by;
    int arc = act_on_cert(inst, &by, who, ES_ACT_SIGN, cert_ref);
    if (arc != ESEAL_OK) {
        return arc;
    }
    return es_code(sign_file(inst, &by, p7s, path, cert_ref, opts));
}

ES_RESULT es_instance_cert_get(eseal_instance *inst, eseal_cert **cert, eseal_cert_record *rec, const char *ref)
{
    return cert_get(inst, cert, rec, ref);
}

static ES_RESULT verify_cms(eseal_instance *inst, eseal_report **out, es_span p7s, const char *data_path,
                            const eseal_verify_request *q)
{
    ES_ENSURE_ARG(out != NULL && data_path != NULL);
    static const eseal_verify_request defaults = ESEAL_VERIFY_REQUEST_INIT;
    if (q == NULL) {
        q = &defaults;
    }
    eseal_trust *t = NULL;
    ES_GUARD(es_instance_trust_for(inst, q, &t));
    es_result r = ES_OK;
    eseal_cert *expected = NULL;
    if (es_ok(r) && q->expected_signer != NULL) {
        r = inst != NULL ? cert_get(inst, &expected, NULL, q->expected_signer)
                         : es_from_code(eseal_cert_load(&expected, q->expected_signer));
    }
    if (es_ok(r)) {
        eseal_cms_verify_options o = ESEAL_CMS_VERIFY_OPTIONS_INIT;
        o.at_ms = q->at_ms;
        o.expected_signer = expected;
        o.document_digests = ES_OPT_DIGESTS(q, 2);
        r = es_from_code(eseal_cms_verify_file(out, p7s.ptr, p7s.len, data_path, t, &o));
    }
    eseal_cert_free(expected);
    eseal_trust_free(t);
    return r;
}

int eseal_instance_verify_cms(eseal_instance *inst, eseal_report **out, const void *p7s, size_t len,
                              const char *data_path, const eseal_verify_request *req)
{
    ES_CHECK_VERSION_OPT_INT(req, verify_request);
    return es_code(verify_cms(inst, out, es_span_of(p7s, len), data_path, req));
}

static ES_RESULT import_cert(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *cert_path,
                             const char *key_path, const char *key_pass)
{
    ES_ENSURE_ARG(inst != NULL && cert_path != NULL);
    size_t n = strlen(cert_path);
    bool p12 = n > 4 && (es_strcasecmp(cert_path + n - 4, ".p12") == 0 || es_strcasecmp(cert_path + n - 4, ".pfx") == 0);
    eseal_cert *cert = NULL;
    eseal_key *key = NULL;
    es_result r = ES_OK;
    if (p12) {
        es_buf data = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
        r = es_file_read(&data, cert_path, data.max);
        if (es_ok(r)) {
            r = es_pkcs12_import(&key, &cert, NULL, NULL, es_buf_span(&data), key_pass != NULL ? key_pass : "");
        }
        es_buf_free(&data);
        if (es_ok(r) && cert == NULL) {
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "%s holds no certificate", cert_path);
        }
    } else {
        r = es_from_code(eseal_cert_load(&cert, cert_path));
        if (es_ok(r) && key_path != NULL) {
            r = es_from_code(eseal_key_load(&key, key_path, key_pass, key_pass != NULL ? strlen(key_pass) : 0));
        }
    }
    if (es_ok(r) && key != NULL && !eseal_cert_matches_key(cert, key)) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "the key does not belong to the certificate %s",
                         eseal_cert_subject(cert));
    }
    es_buf rel = ES_BUF_INIT(ES_DIR_PATH_MAX);
    es_buf abs = ES_BUF_INIT(ES_PATH_BUF_MAX);
    bool written = false;
    if (es_ok(r) && key != NULL) {
        ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "the instance passphrase is needed to store the key");
        r = es_buf_printf(&rel, "keys/%.16s.key", eseal_cert_fingerprint(cert));
        if (es_ok(r)) {
            r = es_home_path(&abs, inst, es_buf_cstr(&rel));
        }
        if (es_ok(r)) {
            r = es_key_save(inst, key, es_buf_cstr(&abs));
            written = es_ok(r);
        }
    }
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    if (es_ok(r)) {
        eseal_buf pem = ESEAL_BUF_INIT;
        r = es_from_code(eseal_cert_pem(&pem, cert));
        rec.pem = (char *)pem.ptr;
        rec.id = es_strndup(eseal_cert_fingerprint(cert), 16);
        rec.role = es_strdup("imported");
        rec.hierarchy = es_strdup("");
        rec.alg = es_strdup(eseal_key_alg_name(eseal_cert_key_alg(cert)));
        rec.subject = es_strdup(eseal_cert_subject(cert));
        rec.serial = es_strdup(eseal_cert_serial(cert));
        rec.issuer_id = es_strdup("");
        rec.fingerprint = es_strdup(eseal_cert_fingerprint(cert));
        rec.key_file = es_strdup(es_buf_cstr(&rel));
        rec.not_before_ms = eseal_cert_not_before(cert);
        rec.not_after_ms = eseal_cert_not_after(cert);
        rec.created_ms = es_inst_now(inst);
        if (es_ok(r)) {
            r = es_audit_prepare(inst->auditlog);
        }
        /* The record and its audit entry ("cert.imported", by whom) commit together. */
        if (es_ok(r)) {
            r = es_from_code(eseal_store_begin(inst->store));
            if (es_ok(r)) {
                r = es_from_code(eseal_store_cert_insert(inst->store, &rec));
                if (es_ok(r)) {
                    char detail[700];
                    (void)snprintf(detail, sizeof(detail), "imported certificate %s%s", rec.subject,
                                   key != NULL ? " with its key" : "");
                    r = es_audit_cert_event(inst->auditlog, by, "cert.imported", &rec, detail);
                }
                r = es_ok(r) ? es_from_code(eseal_store_commit(inst->store)) : r;
                if (!es_ok(r)) {
                    (void)eseal_store_rollback(inst->store);
                }
            }
        }
    }
    if (!es_ok(r) && written) {
        (void)unlink(es_buf_cstr(&abs));
    }
    if (es_ok(r) && out != NULL) {
        *out = rec;
    } else {
        eseal_cert_record_dispose(&rec);
    }
    es_buf_free(&rel);
    es_buf_free(&abs);
    eseal_cert_free(cert);
    eseal_key_free(key);
    return r;
}

int eseal_instance_cert_import(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *out,
                               const char *cert_path, const char *key_path, const char *key_pass)
{
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_CERT_IMPORT, "cert", cert_path);
    return es_code(import_cert(inst, &by, out, cert_path, key_path, key_pass));
}
