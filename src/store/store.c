/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store: picks a scheme by the location, holds the database and one backend per concern
 * (eseal/sys/store_backend.h), and keeps the rules every backend shares: argument checks and
 * limits, the forms a reference may take and their case, ambiguity, and the wording of "not
 * found", "ambiguous" and "already recorded". Backends only answer "which rows have this id, or an
 * id starting with this" and "the row with this id".
 */
#include <string.h>

#include "eseal/sys/store_backend.h"
#include "store/sql.h"
#include "store_hooks.h"
#include "util/util.h"

/* Backends a concern may hold: the scheme's and a few added ones (wrappers, tests). */
#define ES_STORE_MAX_BACKENDS 8
/* A certificate reference: 4 (a short id prefix) to 128 characters (a fingerprint with room). */
#define ES_STORE_CERT_REF_MIN 4
#define ES_STORE_CERT_REF_MAX 128
/* A seal reference: 4 characters of an esID prefix up to a whole esID. */
#define ES_STORE_SEAL_REF_MIN 4
#define ES_STORE_SEAL_REF_MAX ESEAL_STORE_ID_MAX
/* A stamp serial ("ST20261121-0A1B2C3D4E" is 21); a longer one names no stamp. */
#define ES_STORE_SERIAL_MAX 64
/* Counters and log indices stay below 2^62 (they travel as SQL signed 64-bit integers). */
#define ES_STORE_MAX_INDEX (UINT64_C(1) << 62)
/* Counter values taken at once: a batch's serials (a million is more than any batch stamps). */
#define ES_STORE_COUNTER_MAX_BLOCK (UINT64_C(1) << 20)
/* A log entry: tlog-tiles' entry bundles carry a 16-bit length, so 65535 bytes. */
#define ES_STORE_LOG_MAX_ENTRY 65535u
/* A tile: tlog-tiles' full width, 256 hashes of SHA-256 (32 bytes); and its level: a tree of at most
 * 2^64 entries has hashes on levels 0 to 63. */
#define ES_STORE_TILE_MAX_HASHES 256u
#define ES_STORE_HASH_LEN 32u
#define ES_STORE_TILE_MAX_LEVEL 63
/* The ids asked for when a reference is resolved: two already say it is ambiguous. */
#define ES_STORE_AMBIGUOUS 2

typedef struct {
    void *be;
    int priority;
} store_slot;

typedef struct {
    store_slot slot[ES_STORE_MAX_BACKENDS];
    size_t n;
} store_concern;

struct eseal_store {
    eseal_store_db *db;
    store_concern reg, pki, log, acc, gov;
    eseal_store_registry_backend *r; /* the backend of highest priority of each concern */
    eseal_store_pki_backend *p;
    eseal_store_log_backend *l;
    eseal_store_accounts_backend *a;
    eseal_store_governance_backend *g; /* NULL: the scheme has none */
    int schema_version;
};

/* The schemes eseal_store_open knows; the PostgreSQL issue adds its line here. */
static const struct {
    const char *prefix;
    const eseal_store_scheme *(*scheme)(void);
} schemes[] = {
    {"sqlite:", eseal_store_scheme_sqlite},
    {"postgresql:", eseal_store_scheme_postgresql},
    {"postgres:", eseal_store_scheme_postgresql},
};

/* A backend's answer (ENOTFOUND, EEXISTS, ESTATE) worded by the store; any other code passes. `rc`
 * is read twice: give it a variable, never a call (a backend call would run twice). */
#define ES_STORE_WORD(rc, code, ...)                                                                               \
    ((rc) == (code) ? es_code(es_error_set((code), __FILE__, __LINE__, __VA_ARGS__)) : (rc))

static int unsupported(const char *concern, const char *fn)
{
    return es_code(
        es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__, "store: the %s backend has no %s", concern, fn));
}

/* Calls fn of a concern's current backend, or says it has none. */
#define REG(s, fn, ...) ((s)->r->fn != NULL ? (s)->r->fn((s)->r, __VA_ARGS__) : unsupported("registry", #fn))
#define PKI(s, fn, ...) ((s)->p->fn != NULL ? (s)->p->fn((s)->p, __VA_ARGS__) : unsupported("PKI", #fn))
#define LOG(s, fn, ...) ((s)->l->fn != NULL ? (s)->l->fn((s)->l, __VA_ARGS__) : unsupported("log", #fn))
#define ACC(s, fn, ...) ((s)->a->fn != NULL ? (s)->a->fn((s)->a, __VA_ARGS__) : unsupported("accounts", #fn))
#define GOV(s, fn, ...)                                                                                            \
    ((s)->g != NULL && (s)->g->fn != NULL ? (s)->g->fn((s)->g, __VA_ARGS__) : unsupported("governance", #fn))

static int store_einval(const char *what)
{
    return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: invalid %s", what));
}

/* ---- backends: adding, choosing, freeing -------------------------------------------------- */

static int concern_add(store_concern *c, void *be, int priority, void **current)
{
    if (c->n == ES_STORE_MAX_BACKENDS) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                                    "store: a concern holds at most %d backends", ES_STORE_MAX_BACKENDS));
    }
    c->slot[c->n].be = be;
    c->slot[c->n].priority = priority;
    c->n++;
    /* The highest priority wins; among equals the one added last. */
    size_t best = 0;
    for (size_t i = 1; i < c->n; i++) {
        if (c->slot[i].priority >= c->slot[best].priority) {
            best = i;
        }
    }
    *current = c->slot[best].be;
    return ESEAL_OK;
}

static void free_registry(void *be)
{
    eseal_store_registry_backend *b = be;
    if (b->free != NULL) {
        b->free(b);
    }
}

static void free_pki(void *be)
{
    eseal_store_pki_backend *b = be;
    if (b->free != NULL) {
        b->free(b);
    }
}

static void free_log(void *be)
{
    eseal_store_log_backend *b = be;
    if (b->free != NULL) {
        b->free(b);
    }
}

static void free_accounts(void *be)
{
    eseal_store_accounts_backend *b = be;
    if (b->free != NULL) {
        b->free(b);
    }
}

static void free_governance(void *be)
{
    eseal_store_governance_backend *b = be;
    if (b->free != NULL) {
        b->free(b);
    }
}

static void concern_free(store_concern *c, void (*free_one)(void *))
{
    while (c->n > 0) {
        c->n--;
        free_one(c->slot[c->n].be);
    }
}

static int bad_version(const char *concern, unsigned int got, unsigned int want)
{
    return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                "store: the %s backend has version %u; this eseal speaks version %u", concern, got,
                                want));
}

/* Adds `be` (its version `got`, the concern's `want`) to a concern; the store owns it from here,
 * also when it refuses it. */
static int add_backend(eseal_store *s, store_concern *c, void *be, unsigned int got, unsigned int want,
                       const char *concern, void (*free_one)(void *), int priority, void **current)
{
    int rc;
    if (s == NULL || be == NULL) {
        rc = es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: invalid %s backend", concern));
    } else if (got != want) {
        rc = bad_version(concern, got, want);
    } else {
        rc = concern_add(c, be, priority, current);
    }
    if (rc != ESEAL_OK && be != NULL) {
        free_one(be);
    }
    return rc;
}

int eseal_store_add_registry_backend(eseal_store *s, eseal_store_registry_backend *be, int priority)
{
    void *cur = s != NULL ? s->r : NULL;
    int rc = add_backend(s, s != NULL ? &s->reg : NULL, be, be != NULL ? be->version : 0,
                         ESEAL_STORE_REGISTRY_BACKEND_VERSION, "registry", free_registry, priority, &cur);
    if (rc == ESEAL_OK) {
        s->r = cur;
    }
    return rc;
}

int eseal_store_add_pki_backend(eseal_store *s, eseal_store_pki_backend *be, int priority)
{
    void *cur = s != NULL ? s->p : NULL;
    int rc = add_backend(s, s != NULL ? &s->pki : NULL, be, be != NULL ? be->version : 0,
                         ESEAL_STORE_PKI_BACKEND_VERSION, "PKI", free_pki, priority, &cur);
    if (rc == ESEAL_OK) {
        s->p = cur;
    }
    return rc;
}

int eseal_store_add_log_backend(eseal_store *s, eseal_store_log_backend *be, int priority)
{
    void *cur = s != NULL ? s->l : NULL;
    int rc = add_backend(s, s != NULL ? &s->log : NULL, be, be != NULL ? be->version : 0,
                         ESEAL_STORE_LOG_BACKEND_VERSION, "log", free_log, priority, &cur);
    if (rc == ESEAL_OK) {
        s->l = cur;
    }
    return rc;
}

int eseal_store_add_accounts_backend(eseal_store *s, eseal_store_accounts_backend *be, int priority)
{
    void *cur = s != NULL ? s->a : NULL;
    int rc = add_backend(s, s != NULL ? &s->acc : NULL, be, be != NULL ? be->version : 0,
                         ESEAL_STORE_ACCOUNTS_BACKEND_VERSION, "accounts", free_accounts, priority, &cur);
    if (rc == ESEAL_OK) {
        s->a = cur;
    }
    return rc;
}

int eseal_store_add_governance_backend(eseal_store *s, eseal_store_governance_backend *be, int priority)
{
    void *cur = s != NULL ? s->g : NULL;
    int rc = add_backend(s, s != NULL ? &s->gov : NULL, be, be != NULL ? be->version : 0,
                         ESEAL_STORE_GOVERNANCE_BACKEND_VERSION, "governance", free_governance, priority, &cur);
    if (rc == ESEAL_OK) {
        s->g = cur;
    }
    return rc;
}

eseal_store_registry_backend *eseal_store_registry_backend_current(eseal_store *s) { return s != NULL ? s->r : NULL; }
eseal_store_pki_backend *eseal_store_pki_backend_current(eseal_store *s) { return s != NULL ? s->p : NULL; }
eseal_store_log_backend *eseal_store_log_backend_current(eseal_store *s) { return s != NULL ? s->l : NULL; }
eseal_store_accounts_backend *eseal_store_accounts_backend_current(eseal_store *s) { return s != NULL ? s->a : NULL; }
eseal_store_governance_backend *eseal_store_governance_backend_current(eseal_store *s)
{
    return s != NULL ? s->g : NULL;
}

/* ---- opening, closing, transactions -------------------------------------------------------- */

void eseal_cert_record_dispose(eseal_cert_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->id, &r->role, &r->hierarchy, &r->alg, &r->subject, &r->serial,
                       &r->issuer_id, &r->fingerprint, &r->pem, &r->key_file};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    memset(r, 0, sizeof(*r));
    r->revocation_reason = -1;
}

void eseal_store_close(eseal_store *s)
{
    if (s == NULL) {
        return;
    }
    concern_free(&s->reg, free_registry);
    concern_free(&s->pki, free_pki);
    concern_free(&s->log, free_log);
    concern_free(&s->acc, free_accounts);
    concern_free(&s->gov, free_governance);
    if (s->db != NULL && s->db->free != NULL) {
        s->db->free(s->db);
    }
    es_free(s);
}

_Atomic size_t es_store_opens = 0;
_Thread_local bool es_store_upgrade = false;
_Thread_local int es_store_upgraded_from = -1;

int eseal_store_open(eseal_store **out, const char *location)
{
    if (out == NULL || location == NULL) {
        ES_BAIL_ARG("out == NULL || location == NULL");
    }
    const eseal_store_scheme *scheme = eseal_store_scheme_sqlite(); /* a plain path is a SQLite file */
    const char *rest = location;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (es_str_starts(location, schemes[i].prefix)) {
            scheme = schemes[i].scheme();
            /* libpq reads the whole URI (postgresql://...); SQLite the path after "sqlite:". */
            rest = scheme == eseal_store_scheme_sqlite() ? location + strlen(schemes[i].prefix) : location;
            break;
        }
    }
    eseal_store *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    eseal_store_registry_backend *reg = NULL;
    eseal_store_pki_backend *pki = NULL;
    eseal_store_log_backend *log = NULL;
    eseal_store_accounts_backend *acc = NULL;
    int rc = scheme->open(&s->db, &reg, &pki, &log, &acc, rest);
    if (rc != ESEAL_OK) {
        es_free(s);
        return rc;
    }
    rc = eseal_store_add_registry_backend(s, reg, 0);
    rc = rc == ESEAL_OK ? eseal_store_add_pki_backend(s, pki, 0) : (free_pki(pki), rc);
    rc = rc == ESEAL_OK ? eseal_store_add_log_backend(s, log, 0) : (free_log(log), rc);
    rc = rc == ESEAL_OK ? eseal_store_add_accounts_backend(s, acc, 0) : (free_accounts(acc), rc);
    if (rc == ESEAL_OK && scheme->version >= 3 && scheme->governance != NULL) {
        eseal_store_governance_backend *gov = NULL;
        rc = scheme->governance(s->db, &gov);
        rc = rc == ESEAL_OK ? eseal_store_add_governance_backend(s, gov, 0) : rc;
    }
    if (rc == ESEAL_OK) {
        rc = s->db->migrate(s->db, &s->schema_version);
    }
    if (rc != ESEAL_OK) {
        eseal_store_close(s);
        return rc;
    }
    es_store_opens++;
    *out = s;
    return ESEAL_OK;
}

int eseal_store_migrate(const char *location, int *from, int *to)
{
    if (location == NULL || from == NULL || to == NULL) {
        ES_BAIL_ARG("location == NULL || from == NULL || to == NULL");
    }
    es_store_upgrade = true;
    es_store_upgraded_from = -1;
    eseal_store *s = NULL;
    int rc = eseal_store_open(&s, location);
    es_store_upgrade = false;
    if (rc != ESEAL_OK) {
        return rc;
    }
    *to = s->schema_version;
    *from = es_store_upgraded_from >= 0 ? es_store_upgraded_from : s->schema_version;
    eseal_store_close(s);
    return ESEAL_OK;
}

int eseal_store_copy(const char *from, const char *to, int (*cb)(const char *table, uint64_t rows, void *payload),
                     void *payload)
{
    if (from == NULL || to == NULL) {
        ES_BAIL_ARG("from == NULL || to == NULL");
    }
    eseal_store *a = NULL, *b = NULL;
    int rc = eseal_store_open(&a, from);
    rc = rc == ESEAL_OK ? eseal_store_open(&b, to) : rc;
    es_sql_db *sa = rc == ESEAL_OK ? es_sql_db_of(a->db) : NULL;
    es_sql_db *sb = rc == ESEAL_OK ? es_sql_db_of(b->db) : NULL;
    if (rc == ESEAL_OK && (sa == NULL || sb == NULL)) {
        rc = es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                  "store copy: both stores must be SQLite or PostgreSQL"));
    } else if (rc == ESEAL_OK && a->schema_version != b->schema_version) {
        rc = es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                                  "store copy: the source's schema is version %d, the target's %d: run 'eseal migrate' "
                                  "first",
                                  a->schema_version, b->schema_version));
    }
    rc = rc == ESEAL_OK ? es_sql_copy(sa, sb, cb, payload) : rc;
    eseal_store_close(b);
    eseal_store_close(a);
    return rc;
}

int eseal_store_schema_version(eseal_store *s, int *out)
{
    *out = s->schema_version;
    return ESEAL_OK;
}

/* One transaction of the database spans every concern (the backends all write through it). */
int eseal_store_begin(eseal_store *s) { return s->db->begin(s->db); }
int eseal_store_commit(eseal_store *s) { return s->db->commit(s->db); }
int eseal_store_rollback(eseal_store *s) { return s->db->rollback(s->db); }

/* ---- the shared lookup rules --------------------------------------------------------------- */

/* ASCII case folding into a bounded copy (ids, serials and fingerprints are ASCII hex). */
static void fold(char *out, const char *in, size_t n, bool upper)
{
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (upper && c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        } else if (!upper && c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        out[i] = c;
    }
    out[n] = '\0';
}

/* Adds the ids of `got` not yet in `found` (at most ES_STORE_AMBIGUOUS kept). */
static void merge_ids(eseal_store_id found[ES_STORE_AMBIGUOUS], size_t *nf, const eseal_store_id *got, size_t ng)
{
    for (size_t i = 0; i < ng && *nf < ES_STORE_AMBIGUOUS; i++) {
        bool seen = false;
        for (size_t j = 0; j < *nf; j++) {
            seen = seen || strcmp(found[j].id, got[i].id) == 0;
        }
        if (!seen) {
            found[(*nf)++] = got[i];
        }
    }
}

/*
 * A certificate reference: its id, serial or fingerprint (either case), else a unique id prefix.
 * Two records answering the same reference are ambiguous, whichever form each matched.
 */
int eseal_store_cert_find(eseal_store *s, eseal_cert_record *out, const char *ref)
{
    if (s == NULL || out == NULL || ref == NULL) {
        ES_BAIL_ARG("s == NULL || out == NULL || ref == NULL");
    }
    size_t n = strlen(ref);
    if (n < ES_STORE_CERT_REF_MIN || n > ES_STORE_CERT_REF_MAX) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                    "certificate id '%s' must have %d to %d characters", ref, ES_STORE_CERT_REF_MIN,
                                    ES_STORE_CERT_REF_MAX));
    }
    char lower[ES_STORE_CERT_REF_MAX + 1], upper[ES_STORE_CERT_REF_MAX + 1];
    fold(lower, ref, n, false);
    fold(upper, ref, n, true);
    const struct {
        eseal_store_match how;
        const char *key;
    } exact[] = {{ESEAL_STORE_MATCH_ID, lower}, {ESEAL_STORE_MATCH_SERIAL, upper}, {ESEAL_STORE_MATCH_FINGERPRINT, lower}};
    eseal_store_id found[ES_STORE_AMBIGUOUS], got[ES_STORE_AMBIGUOUS];
    size_t nf = 0, ng = 0;
    int rc = ESEAL_OK;
    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]) && rc == ESEAL_OK && nf < ES_STORE_AMBIGUOUS; i++) {
        rc = PKI(s, cert_ids, exact[i].how, exact[i].key, got, ES_STORE_AMBIGUOUS, &ng);
        if (rc == ESEAL_OK) {
            merge_ids(found, &nf, got, ng);
        }
    }
    if (rc == ESEAL_OK && nf == 0) {
        rc = PKI(s, cert_ids, ESEAL_STORE_MATCH_PREFIX, lower, got, ES_STORE_AMBIGUOUS, &ng);
        if (rc == ESEAL_OK) {
            merge_ids(found, &nf, got, ng);
        }
    }
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (nf > 1) {
        return es_code(es_error_set(ESEAL_EAMBIGUOUS, __FILE__, __LINE__,
                                    "'%s' matches several certificates; give more digits", ref));
    }
    rc = nf == 0 ? ESEAL_ENOTFOUND : PKI(s, cert_get, out, found[0].id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no certificate '%s' in this instance", ref);
}

/* A seal reference: its esID exactly (case-sensitive), else a unique esID prefix. */
int eseal_store_seal_find(eseal_store *s, eseal_seal_record *out, eseal_buf *der, const char *ref)
{
    if (s == NULL || out == NULL || ref == NULL) {
        ES_BAIL_ARG("s == NULL || out == NULL || ref == NULL");
    }
    size_t n = strlen(ref);
    if (n < ES_STORE_SEAL_REF_MIN || n > ES_STORE_SEAL_REF_MAX) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "seal id '%s' must have %d to %d characters",
                                    ref, ES_STORE_SEAL_REF_MIN, ES_STORE_SEAL_REF_MAX));
    }
    int rc = REG(s, seal_get, out, der, ref);
    if (rc != ESEAL_ENOTFOUND) {
        return rc;
    }
    eseal_store_id ids[ES_STORE_AMBIGUOUS];
    size_t ni = 0;
    rc = REG(s, seal_ids, ESEAL_STORE_MATCH_PREFIX, ref, ids, ES_STORE_AMBIGUOUS, &ni);
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (ni > 1) {
        return es_code(es_error_set(ESEAL_EAMBIGUOUS, __FILE__, __LINE__,
                                    "'%s' matches several seals; give more characters", ref));
    }
    rc = ni == 0 ? ESEAL_ENOTFOUND : REG(s, seal_get, out, der, ids[0].id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no seal '%s' in this registry", ref);
}

/*
 * Stamp serials are compared case-insensitively: the store folds them to upper case (as made).
 * False for one longer than any serial eseal makes (it names no stamp).
 */
static bool serial_fold(char out[ES_STORE_SERIAL_MAX + 1], const char *serial)
{
    size_t n = strlen(serial);
    if (n > ES_STORE_SERIAL_MAX) {
        return false;
    }
    fold(out, serial, n, true);
    return true;
}

/* ---- PKI ---------------------------------------------------------------------------------- */

int eseal_store_cert_insert(eseal_store *s, const eseal_cert_record *r)
{
    if (s == NULL || r == NULL || r->id == NULL) {
        ES_BAIL_ARG("s == NULL || r == NULL || r->id == NULL");
    }
    int rc = PKI(s, cert_insert, r);
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "store: certificate %s is already recorded", r->id);
}

int eseal_store_cert_find_role(eseal_store *s, eseal_cert_record *out, const char *role, const char *hierarchy)
{
    if (s == NULL || out == NULL || role == NULL || hierarchy == NULL) {
        ES_BAIL_ARG("s == NULL || out == NULL || role == NULL || hierarchy == NULL");
    }
    /* The current certificate of a role is the newest one; older ones are superseded (kept to verify
     * what they signed). When the newest is revoked there is no current one: falling back to a
     * superseded key the operator replaced would be a surprise, so say what to do instead. */
    eseal_cert_record r;
    int rc = PKI(s, cert_newest, &r, role, hierarchy);
    if (rc != ESEAL_OK) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no certificate '%s/%s' in this instance", hierarchy, role);
    }
    if (r.revoked_ms != 0) {
        char when[ES_RFC3339_LEN];
        es_time_rfc3339(when, r.revoked_ms);
        rc = es_code(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                                  "the %s %s certificate %s was revoked at %s; make a new one with "
                                  "'eseal ca renew %s --alg %s'",
                                  hierarchy, role, r.id, when, role, hierarchy));
        eseal_cert_record_dispose(&r);
        return rc;
    }
    *out = r;
    return ESEAL_OK;
}

int eseal_store_cert_list(eseal_store *s, int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    return cb == NULL ? store_einval("callback") : PKI(s, cert_list, cb, payload);
}

/* Issue 18 (branch h-trust): a role-filtered listing, so the trust load reads only the CA rows. */
int eseal_store_cert_list_roles(eseal_store *s, const char *const *roles, size_t n,
                                int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    if (s == NULL || cb == NULL || roles == NULL || n == 0 || n > ESEAL_STORE_MAX_ROLES) {
        return store_einval("role listing");
    }
    for (size_t i = 0; i < n; i++) {
        if (roles[i] == NULL) {
            return store_einval("role");
        }
    }
    return PKI(s, cert_list_roles, roles, n, cb, payload);
}

int eseal_store_cert_revoke(eseal_store *s, const char *id, int64_t at_ms, int reason)
{
    if (id == NULL) {
        return store_einval("certificate id");
    }
    int rc = PKI(s, cert_revoke, id, at_ms, reason);
    return ES_STORE_WORD(rc, ESEAL_ESTATE, "certificate %s is already revoked", id);
}

int eseal_store_counter_reserve(eseal_store *s, const char *name, uint64_t n, uint64_t floor, uint64_t *first)
{
    if (s == NULL || name == NULL || first == NULL || n == 0 || n > ES_STORE_COUNTER_MAX_BLOCK ||
        floor > ES_STORE_MAX_INDEX) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: invalid counter reservation"));
    }
    uint64_t last = 0;
    int rc = PKI(s, counter_add, name, n, floor, &last);
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (last < n || last > ES_STORE_MAX_INDEX) {
        return es_code(es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "store: counter %s is out of range", name));
    }
    *first = last - n + 1;
    return ESEAL_OK;
}

int eseal_store_counter_next(eseal_store *s, const char *name, uint64_t *out)
{
    return eseal_store_counter_reserve(s, name, 1, 0, out);
}

int eseal_store_crl_put(eseal_store *s, const char *issuer_id, uint64_t number, const void *der, size_t len,
                        int64_t tu, int64_t nu)
{
    if (issuer_id == NULL || der == NULL || number > ES_STORE_MAX_INDEX) {
        return store_einval("CRL");
    }
    return PKI(s, crl_put, issuer_id, number, der, len, tu, nu);
}

int eseal_store_crl_latest(eseal_store *s, eseal_buf *der, const char *issuer_id)
{
    if (der == NULL || issuer_id == NULL) {
        return store_einval("CRL query");
    }
    int rc = PKI(s, crl_latest, der, issuer_id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no CRL for %s", issuer_id);
}

/* ---- the imported trust lists (issue 24) -------------------------------------------------- */

void eseal_trusted_list_record_dispose(eseal_trusted_list_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->name, &r->source, &r->pin, &r->key_sha256, &r->via};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    es_free(r->crls);
    memset(r, 0, sizeof(*r));
}

int eseal_store_trusted_list_put(eseal_store *s, const eseal_trusted_list_record *rec, const void *jws, size_t len)
{
    if (rec == NULL || rec->name == NULL || rec->name[0] == '\0' || rec->source == NULL || rec->pin == NULL ||
        rec->key_sha256 == NULL || jws == NULL || len == 0 || len > ESEAL_TRUSTLIST_STORE_MAX) {
        return store_einval("trust list");
    }
    return PKI(s, trusted_list_put, rec, jws, len);
}

int eseal_store_trusted_list_get(eseal_store *s, eseal_trusted_list_record *out, eseal_buf *jws, const char *name)
{
    if (out == NULL || name == NULL) {
        return store_einval("trust list query");
    }
    int rc = PKI(s, trusted_list_get, out, jws, name);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no trust list named '%s'", name);
}

int eseal_store_trusted_list_each(eseal_store *s,
                                  int (*cb)(const eseal_trusted_list_record *, const void *, size_t, void *),
                                  void *payload)
{
    if (cb == NULL) {
        return store_einval("trust list listing");
    }
    return PKI(s, trusted_list_each, cb, payload);
}

int eseal_store_trusted_list_delete(eseal_store *s, const char *name)
{
    if (name == NULL) {
        return store_einval("trust list");
    }
    int rc = PKI(s, trusted_list_delete, name);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no trust list named '%s'", name);
}

/* ---- the registry ------------------------------------------------------------------------- */

void eseal_seal_record_dispose(eseal_seal_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->esid, &r->name, &r->owner, &r->cert_ids, &r->maker_cert_id,
                       &r->state, &r->prev_esid, &r->next_esid, &r->sha256, &r->imprint, &r->hardware};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    memset(r, 0, sizeof(*r));
}

void eseal_seal_event_dispose(eseal_seal_event *e)
{
    if (e == NULL) {
        return;
    }
    es_free(e->esid);
    es_free(e->from_state);
    es_free(e->to_state);
    es_free(e->actor);
    es_free(e->reason);
    memset(e, 0, sizeof(*e));
}

int eseal_store_seal_insert(eseal_store *s, const eseal_seal_record *rec, const void *der, size_t len)
{
    if (rec == NULL || rec->esid == NULL || der == NULL) {
        return store_einval("seal record");
    }
    if (strlen(rec->esid) > ESEAL_STORE_ID_MAX) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "store: esID %.32s... has more than %d bytes",
                                    rec->esid, ESEAL_STORE_ID_MAX));
    }
    int rc = REG(s, seal_insert, rec, der, len);
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "store: seal %s is already recorded", rec->esid);
}

int eseal_store_seal_update(eseal_store *s, const char *esid, const char *state, int64_t at_ms, const char *next_esid)
{
    if (esid == NULL || state == NULL) {
        return store_einval("seal update");
    }
    int rc = REG(s, seal_update, esid, state, at_ms, next_esid);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no seal '%s' in this registry", esid);
}

int eseal_store_seal_receipt_put(eseal_store *s, const char *esid, const void *der, size_t len)
{
    if (esid == NULL || der == NULL) {
        return store_einval("filing receipt");
    }
    int rc = REG(s, seal_receipt_put, esid, der, len);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no seal '%s' in this registry", esid);
}

int eseal_store_seal_receipt(eseal_store *s, eseal_buf *der, const char *esid)
{
    if (der == NULL || esid == NULL) {
        return store_einval("filing receipt query");
    }
    int rc = REG(s, seal_receipt, der, esid);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "seal %s has no filing receipt (not filed)", esid);
}

int eseal_store_seal_list(eseal_store *s, int (*cb)(const eseal_seal_record *, void *), void *payload)
{
    return cb == NULL ? store_einval("callback") : REG(s, seal_list, cb, payload);
}

int eseal_store_seal_event_add(eseal_store *s, const eseal_seal_event *ev, int64_t *seq)
{
    return ev == NULL || ev->esid == NULL ? store_einval("seal event") : REG(s, seal_event_add, ev, seq);
}

int eseal_store_seal_events(eseal_store *s, const char *esid, int (*cb)(const eseal_seal_event *, void *),
                            void *payload)
{
    return esid == NULL || cb == NULL ? store_einval("seal events query") : REG(s, seal_events, esid, cb, payload);
}

void eseal_stamp_record_dispose(eseal_stamp_record *r)
{
    if (r == NULL) {
        return;
    }
    char **fields[] = {&r->serial, &r->esid, &r->cert_id, &r->kind, &r->doc_sha256, &r->receipt};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        es_free(*fields[i]);
    }
    memset(r, 0, sizeof(*r));
    r->log_index = -1;
}

int eseal_store_stamp_insert(eseal_store *s, const eseal_stamp_record *rec)
{
    char serial[ES_STORE_SERIAL_MAX + 1];
    if (rec == NULL || rec->serial == NULL || rec->serial[0] == '\0' || !serial_fold(serial, rec->serial)) {
        return store_einval("stamp record");
    }
    eseal_stamp_record r = *rec;
    r.serial = serial;
    int rc = REG(s, stamp_insert, &r);
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "store: stamp %s is already recorded", serial);
}

int eseal_store_stamp_find(eseal_store *s, eseal_stamp_record *out, const char *serial)
{
    if (out == NULL || serial == NULL) {
        return store_einval("stamp serial");
    }
    char key[ES_STORE_SERIAL_MAX + 1];
    int rc = ESEAL_ENOTFOUND;
    if (serial_fold(key, serial)) {
        rc = REG(s, stamp_get, out, key);
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no stamp with serial %s", serial);
}

int eseal_store_stamp_receipt_put(eseal_store *s, const char *serial, const char *receipt)
{
    if (serial == NULL || receipt == NULL) {
        return store_einval("stamp receipt");
    }
    char key[ES_STORE_SERIAL_MAX + 1];
    int rc = ESEAL_ENOTFOUND;
    if (serial_fold(key, serial)) {
        rc = REG(s, stamp_receipt_put, key, receipt);
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no stamp with serial %s", serial);
}

/* ---- the audit log, named values ------------------------------------------------------------ */

int eseal_store_log_state(eseal_store *s, eseal_buf *out)
{
    if (out == NULL) {
        return store_einval("log state");
    }
    int rc = LOG(s, state, out);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "the audit log is empty");
}

int eseal_store_log_state_put(eseal_store *s, const void *state, size_t len)
{
    return state == NULL ? store_einval("log state") : LOG(s, state_put, state, len);
}

int eseal_store_log_entries_put(eseal_store *s, uint64_t first, const eseal_store_bytes *entries, size_t n)
{
    if (entries == NULL || n == 0 || first > ES_STORE_MAX_INDEX || n > ES_STORE_MAX_INDEX - first) {
        return store_einval("log entry range");
    }
    for (size_t i = 0; i < n; i++) {
        if (entries[i].len > ES_STORE_LOG_MAX_ENTRY || (entries[i].data == NULL && entries[i].len != 0)) {
            return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                                        "store: log entry %llu has %zu bytes (at most %u)",
                                        (unsigned long long)(first + i), entries[i].len, ES_STORE_LOG_MAX_ENTRY));
        }
    }
    int rc = LOG(s, entries_put, first, entries, n);
    if (n == 1) {
        return ES_STORE_WORD(rc, ESEAL_EEXISTS, "store: log index %llu is taken", (unsigned long long)first);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "store: a log index of %llu to %llu is taken", (unsigned long long)first,
                         (unsigned long long)(first + n - 1));
}

int eseal_store_log_entry(eseal_store *s, eseal_buf *out, uint64_t index)
{
    if (out == NULL || index > ES_STORE_MAX_INDEX) {
        return store_einval("log index");
    }
    int rc = LOG(s, entry, out, index);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "the audit log has no entry %llu", (unsigned long long)index);
}

/* The backend hands the stored rows in order; the store checks none is missing. */
typedef struct {
    int (*cb)(uint64_t, const void *, size_t, void *);
    void *payload;
    uint64_t want;
    bool gap;
} entries_walk;

static int entries_step(uint64_t index, const void *data, size_t len, void *payload)
{
    entries_walk *w = payload;
    if (index != w->want) {
        w->gap = true;
        return 1; /* stops the backend's walk; the store words the gap */
    }
    w->want++;
    return w->cb(index, data, len, w->payload);
}

int eseal_store_log_entries(eseal_store *s, uint64_t from, uint64_t to,
                            int (*cb)(uint64_t, const void *, size_t, void *), void *payload)
{
    if (cb == NULL || from > to || to > ES_STORE_MAX_INDEX) {
        return store_einval("log entry range");
    }
    entries_walk w = {cb, payload, from, false};
    int rc = LOG(s, entries, from, to, entries_step, &w);
    if (rc == ESEAL_OK && w.want != to) {
        w.gap = true;
    }
    if (w.gap) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "the audit log has no entry %llu",
                                    (unsigned long long)w.want));
    }
    return rc;
}

int eseal_store_log_tile(eseal_store *s, eseal_buf *out, unsigned level, uint64_t n)
{
    if (out == NULL || level > ES_STORE_TILE_MAX_LEVEL) {
        return store_einval("tile level");
    }
    int rc = LOG(s, tile, out, level, n);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no such tile");
}

int eseal_store_log_tile_put(eseal_store *s, unsigned level, uint64_t n, const void *data, size_t len)
{
    if (level > ES_STORE_TILE_MAX_LEVEL || data == NULL || len == 0 || len > ES_STORE_TILE_MAX_HASHES * ES_STORE_HASH_LEN ||
        len % ES_STORE_HASH_LEN != 0) {
        return store_einval("tile");
    }
    return LOG(s, tile_put, level, n, data, len);
}

int eseal_store_log_checkpoint_put(eseal_store *s, uint64_t size, const char *note, int64_t at_ms)
{
    return note == NULL || size > ES_STORE_MAX_INDEX ? store_einval("checkpoint")
                                                     : LOG(s, checkpoint_put, size, note, at_ms);
}

int eseal_store_log_checkpoint(eseal_store *s, eseal_buf *note, uint64_t size, uint64_t *size_out)
{
    if (note == NULL) {
        return store_einval("checkpoint query");
    }
    int rc = LOG(s, checkpoint, note, size, size_out);
    if (size == UINT64_MAX) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "the audit log has no signed checkpoint yet");
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "the audit log has no checkpoint of size %llu",
                         (unsigned long long)size);
}

int eseal_store_log_checkpoints(eseal_store *s, int (*cb)(uint64_t, const char *, int64_t, void *), void *payload)
{
    return cb == NULL ? store_einval("callback") : LOG(s, checkpoints, cb, payload);
}

int eseal_store_log_private_put(eseal_store *s, uint64_t index, const char *kind, const void *data, size_t len)
{
    return kind == NULL || data == NULL ? store_einval("private data") : LOG(s, private_put, index, kind, data, len);
}

int eseal_store_log_private(eseal_store *s, eseal_buf *out, uint64_t index, const char *kind)
{
    if (out == NULL || kind == NULL) {
        return store_einval("private data kind");
    }
    int rc = LOG(s, private_get, out, index, kind);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "entry %llu has no %s (never recorded, or erased)",
                         (unsigned long long)index, kind);
}

int eseal_store_log_private_erase(eseal_store *s, uint64_t index, const char *kind)
{
    if (kind == NULL) {
        return store_einval("private data kind");
    }
    int rc = LOG(s, private_erase, index, kind);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "entry %llu has no %s to erase", (unsigned long long)index, kind);
}

int eseal_store_meta(eseal_store *s, eseal_buf *out, const char *name)
{
    if (out == NULL || name == NULL) {
        return store_einval("name");
    }
    int rc = LOG(s, meta, out, name);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no such named value");
}

int eseal_store_meta_put(eseal_store *s, const char *name, const void *data, size_t len)
{
    return name == NULL || (data == NULL && len != 0) ? store_einval("named value") : LOG(s, meta_put, name, data, len);
}

/* ---- the accounts: organisations, users, API tokens, the login throttle --------------------- */

/* A unified social credit code (GB 32100-2015) has 18 characters: eseal_org.uscc holds one. */
#define ES_STORE_USCC_LEN 18
_Static_assert(sizeof(((eseal_org *)0)->uscc) == ES_STORE_USCC_LEN + 1, "eseal_org.uscc holds one code");
/* A token's digest: SHA-256 in hex. */
#define ES_STORE_DIGEST_HEX_LEN 64

/* `str` has min..max bytes before its NUL (read at most max + 1 bytes: the arrays of the records of
 * eseal/accounts.h have max + 1, and one without a NUL is refused, not read past). */
static bool bounded(const char *str, size_t min, size_t max)
{
    if (str == NULL) {
        return false;
    }
    size_t n = strnlen(str, max + 1);
    return n >= min && n <= max;
}

/* Logins are kept lower-case: "Alice" and "alice" are one user. False for an empty or long one. */
static bool login_fold(char out[ESEAL_LOGIN_MAX + 1], const char *login)
{
    if (!bounded(login, 1, ESEAL_LOGIN_MAX)) {
        return false;
    }
    fold(out, login, strlen(login), false);
    return true;
}

/* A token digest: 64 hex digits, kept lower-case. */
static bool digest_fold(char out[ES_STORE_DIGEST_HEX_LEN + 1], const char *hex)
{
    if (!bounded(hex, ES_STORE_DIGEST_HEX_LEN, ES_STORE_DIGEST_HEX_LEN)) {
        return false;
    }
    for (size_t i = 0; i < ES_STORE_DIGEST_HEX_LEN; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    fold(out, hex, ES_STORE_DIGEST_HEX_LEN, false);
    return true;
}

static bool user_status_ok(int status) { return status == ESEAL_USER_ACTIVE || status == ESEAL_USER_DISABLED; }

int eseal_store_org_insert(eseal_store *s, const eseal_org *org)
{
    if (s == NULL || org == NULL) {
        return store_einval("organisation");
    }
    if (!bounded(org->id, 1, ESEAL_ORG_ID_LEN)) {
        return store_einval("organisation id");
    }
    if (!bounded(org->name, 1, ESEAL_ORG_NAME_MAX)) {
        return store_einval("organisation name");
    }
    if (!bounded(org->uscc, 0, ES_STORE_USCC_LEN)) {
        return store_einval("organisation code");
    }
    if (!bounded(org->identifier, 0, ESEAL_ORGID_MAX)) {
        return store_einval("organisation identifier");
    }
    eseal_org o = *org;
    fold(o.uscc, org->uscc, strlen(org->uscc), true);
    int rc = ACC(s, org_insert, &o);
    if (rc != ESEAL_EEXISTS) {
        return rc;
    }
    /* The backend says a key is taken, not which: the store asks, name first (the likeliest). */
    eseal_org other;
    if (ACC(s, org_get, &other, ESEAL_STORE_MATCH_NAME, o.name) == ESEAL_OK) {
        return ES_STORE_WORD(rc, ESEAL_EEXISTS, "an organisation named '%s' exists", o.name);
    }
    if (o.uscc[0] != '\0' && ACC(s, org_get, &other, ESEAL_STORE_MATCH_CODE, o.uscc) == ESEAL_OK) {
        return ES_STORE_WORD(rc, ESEAL_EEXISTS, "an organisation with code '%s' exists", o.uscc);
    }
    if (o.identifier[0] != '\0' && ACC(s, org_get, &other, ESEAL_STORE_MATCH_IDENTIFIER, o.identifier) == ESEAL_OK) {
        return ES_STORE_WORD(rc, ESEAL_EEXISTS, "an organisation with identifier '%s' exists", o.identifier);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "an organisation with id '%s' exists", o.id);
}

/* An organisation reference: its id, else its code (either case), else its organisation identifier
 * (exactly: a certificate's organizationIdentifier names its owner, src/service/owner.c), else its
 * name; each exactly. */
int eseal_store_org_find(eseal_store *s, eseal_org *out, const char *ref)
{
    if (s == NULL || out == NULL || !bounded(ref, 1, ESEAL_ORG_NAME_MAX)) {
        return store_einval("organisation reference");
    }
    size_t n = strlen(ref);
    int rc = ESEAL_ENOTFOUND;
    if (n <= ESEAL_ORG_ID_LEN) {
        rc = ACC(s, org_get, out, ESEAL_STORE_MATCH_ID, ref);
    }
    if (rc == ESEAL_ENOTFOUND && n <= ES_STORE_USCC_LEN) {
        char code[ES_STORE_USCC_LEN + 1];
        fold(code, ref, n, true);
        rc = ACC(s, org_get, out, ESEAL_STORE_MATCH_CODE, code);
    }
    if (rc == ESEAL_ENOTFOUND && n <= ESEAL_ORGID_MAX) {
        rc = ACC(s, org_get, out, ESEAL_STORE_MATCH_IDENTIFIER, ref);
    }
    if (rc == ESEAL_ENOTFOUND) {
        rc = ACC(s, org_get, out, ESEAL_STORE_MATCH_NAME, ref);
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no organisation '%s'", ref);
}

int eseal_store_org_list(eseal_store *s, int (*cb)(const eseal_org *, void *), void *payload)
{
    return s == NULL || cb == NULL ? store_einval("callback") : ACC(s, org_list, cb, payload);
}

int eseal_store_user_insert(eseal_store *s, const eseal_user *u, const char *pw_hash)
{
    char login[ESEAL_LOGIN_MAX + 1];
    if (s == NULL || u == NULL) {
        return store_einval("user");
    }
    if (!login_fold(login, u->login)) {
        return store_einval("login");
    }
    if (!bounded(u->display_name, 0, ESEAL_DISPLAY_NAME_MAX)) {
        return store_einval("display name");
    }
    if (!bounded(u->org_id, 0, ESEAL_ORG_ID_LEN)) {
        return store_einval("organisation id");
    }
    if (!bounded(u->roles, 0, ESEAL_ROLES_MAX)) {
        return store_einval("roles");
    }
    if (!user_status_ok((int)u->status)) {
        return store_einval("user status");
    }
    if (pw_hash != NULL && !bounded(pw_hash, 0, ESEAL_STORE_PW_HASH_MAX)) {
        return store_einval("password hash");
    }
    eseal_user r = *u;
    memcpy(r.login, login, sizeof(login));
    int rc = ACC(s, user_insert, &r, pw_hash != NULL ? pw_hash : "");
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no organisation '%s'", r.org_id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a user '%s' exists", login);
}

int eseal_store_user_get(eseal_store *s, eseal_user *out, char *pw_hash, const char *login)
{
    char key[ESEAL_LOGIN_MAX + 1];
    if (s == NULL || out == NULL) {
        return store_einval("user query");
    }
    if (!login_fold(key, login)) {
        return store_einval("login");
    }
    int rc = ACC(s, user_get, out, pw_hash, key);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no user '%s'", key);
}

int eseal_store_user_list(eseal_store *s, const char *org_id, int (*cb)(const eseal_user *, void *), void *payload)
{
    if (s == NULL || cb == NULL) {
        return store_einval("callback");
    }
    if (org_id != NULL && !bounded(org_id, 0, ESEAL_ORG_ID_LEN)) {
        return store_einval("organisation id");
    }
    return ACC(s, user_list, org_id, cb, payload);
}

int eseal_store_user_update(eseal_store *s, const char *login, const char *roles, int status, const char *pw_hash,
                            int64_t at_ms)
{
    char key[ESEAL_LOGIN_MAX + 1];
    if (s == NULL || !login_fold(key, login)) {
        return store_einval("login");
    }
    if (roles != NULL && !bounded(roles, 0, ESEAL_ROLES_MAX)) {
        return store_einval("roles");
    }
    if (status != 0 && !user_status_ok(status)) {
        return store_einval("user status");
    }
    if (pw_hash != NULL && !bounded(pw_hash, 0, ESEAL_STORE_PW_HASH_MAX)) {
        return store_einval("password hash");
    }
    int rc = ACC(s, user_update, key, roles, status, pw_hash, at_ms);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no user '%s'", key);
}

int eseal_store_token_insert(eseal_store *s, const eseal_token_info *t, const char *digest_hex)
{
    char login[ESEAL_LOGIN_MAX + 1], digest[ES_STORE_DIGEST_HEX_LEN + 1];
    if (s == NULL || t == NULL) {
        return store_einval("token");
    }
    if (!bounded(t->id, 1, ESEAL_TOKEN_ID_LEN)) {
        return store_einval("token id");
    }
    if (!login_fold(login, t->login)) {
        return store_einval("login");
    }
    if (!bounded(t->org_id, 0, ESEAL_ORG_ID_LEN)) {
        return store_einval("organisation id");
    }
    if (!bounded(t->scopes, 0, ESEAL_SCOPES_MAX)) {
        return store_einval("scopes");
    }
    if (!digest_fold(digest, digest_hex)) {
        return store_einval("token digest");
    }
    eseal_token_info r = *t;
    memcpy(r.login, login, sizeof(login));
    int rc = ACC(s, token_insert, &r, digest);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no user '%s'", login);
    }
    if (rc != ESEAL_EEXISTS) {
        return rc;
    }
    /* Which key is taken: the id, else the digest (never printed: it stands for a secret). */
    eseal_token_info other;
    if (ACC(s, token_get, &other, r.id) == ESEAL_OK) {
        return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a token '%s' exists", r.id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a token with the same digest exists");
}

int eseal_store_token_by_digest(eseal_store *s, eseal_token_info *out, const char *digest_hex)
{
    char digest[ES_STORE_DIGEST_HEX_LEN + 1];
    if (s == NULL || out == NULL || !digest_fold(digest, digest_hex)) {
        return store_einval("token digest");
    }
    int rc = ACC(s, token_by_digest, out, digest);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no token with that digest");
}

int eseal_store_token_get(eseal_store *s, eseal_token_info *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_TOKEN_ID_LEN)) {
        return store_einval("token id");
    }
    int rc = ACC(s, token_get, out, id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no token '%s'", id);
}

int eseal_store_token_list(eseal_store *s, const char *login, const char *org_id,
                           int (*cb)(const eseal_token_info *, void *), void *payload)
{
    char key[ESEAL_LOGIN_MAX + 1];
    if (s == NULL || cb == NULL) {
        return store_einval("callback");
    }
    if (login != NULL && !login_fold(key, login)) {
        return store_einval("login");
    }
    if (org_id != NULL && !bounded(org_id, 0, ESEAL_ORG_ID_LEN)) {
        return store_einval("organisation id");
    }
    return ACC(s, token_list, login != NULL ? key : NULL, org_id, cb, payload);
}

int eseal_store_token_update(eseal_store *s, const char *id, int64_t last_used_ms, int64_t revoked_ms)
{
    if (s == NULL || !bounded(id, 1, ESEAL_TOKEN_ID_LEN)) {
        return store_einval("token id");
    }
    int rc = ACC(s, token_update, id, last_used_ms, revoked_ms);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no token '%s'", id);
}

int eseal_store_throttle_get(eseal_store *s, const char *key, uint32_t *failures, int64_t *until_ms)
{
    if (s == NULL || failures == NULL || until_ms == NULL || !bounded(key, 1, ESEAL_STORE_THROTTLE_KEY_MAX)) {
        return store_einval("throttle key");
    }
    return ACC(s, throttle_get, key, failures, until_ms);
}

int eseal_store_throttle_put(eseal_store *s, const char *key, uint32_t failures, int64_t until_ms)
{
    if (s == NULL || !bounded(key, 1, ESEAL_STORE_THROTTLE_KEY_MAX)) {
        return store_einval("throttle key");
    }
    return ACC(s, throttle_put, key, failures, until_ms);
}

/* A SHA-256 in lower-case hex. */
static bool digest_hex(const char *d)
{
    if (d == NULL || strlen(d) != 64) {
        return false;
    }
    for (size_t i = 0; i < 64; i++) {
        if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

int eseal_store_session_insert(eseal_store *s, const char *digest, const char *login, const char *csrf_digest,
                               int64_t created_ms)
{
    if (s == NULL || !digest_hex(digest) || !digest_hex(csrf_digest) || !bounded(login, 1, ESEAL_LOGIN_MAX)) {
        return store_einval("session");
    }
    int rc = ACC(s, session_insert, digest, login, csrf_digest, created_ms);
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "store: a session with that id exists");
}

int eseal_store_session_get(eseal_store *s, const char *digest, char login[ESEAL_LOGIN_MAX + 1],
                            char csrf_digest[65], int64_t *created_ms, int64_t *last_ms)
{
    if (s == NULL || !digest_hex(digest) || login == NULL || csrf_digest == NULL || created_ms == NULL ||
        last_ms == NULL) {
        return store_einval("session");
    }
    int rc = ACC(s, session_get, digest, login, csrf_digest, created_ms, last_ms);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no session");
}

int eseal_store_session_touch(eseal_store *s, const char *digest, int64_t at_ms)
{
    if (s == NULL || !digest_hex(digest)) {
        return store_einval("session");
    }
    int rc = ACC(s, session_touch, digest, at_ms);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no session");
}

int eseal_store_session_end(eseal_store *s, const char *digest)
{
    if (s == NULL || !digest_hex(digest)) {
        return store_einval("session");
    }
    int rc = ACC(s, session_end, digest, NULL);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no session");
}

int eseal_store_session_end_user(eseal_store *s, const char *login)
{
    if (s == NULL || !bounded(login, 1, ESEAL_LOGIN_MAX)) {
        return store_einval("login");
    }
    char l[ESEAL_LOGIN_MAX + 1];
    for (size_t i = 0;; i++) {
        char c = login[i];
        l[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        if (c == '\0') {
            break;
        }
    }
    return ACC(s, session_end, NULL, l);
}

/* ---- governance: grants and templates ------------------------------------------------------ */

/* The strings of a grant within their arrays, its id whole, its kind known. */
static bool grant_bounded(const eseal_grant *g)
{
    return bounded(g->id, ESEAL_GRANT_ID_LEN, ESEAL_GRANT_ID_LEN) && bounded(g->org_id, 1, ESEAL_ORG_ID_LEN) &&
           bounded(g->seal, 1, sizeof(g->seal) - 1) && bounded(g->holder, 1, sizeof(g->holder) - 1) &&
           bounded(g->types, 0, sizeof(g->types) - 1) && bounded(g->templates, 0, sizeof(g->templates) - 1) &&
           bounded(g->approval, 0, sizeof(g->approval) - 1) &&
           (g->parent[0] == '\0' || bounded(g->parent, ESEAL_GRANT_ID_LEN, ESEAL_GRANT_ID_LEN)) &&
           bounded(g->created_by, 0, sizeof(g->created_by) - 1) &&
           (g->holder_kind == ESEAL_GRANT_TO_USER || g->holder_kind == ESEAL_GRANT_TO_ROLE);
}

int eseal_store_grant_insert(eseal_store *s, const eseal_grant *g)
{
    if (s == NULL || g == NULL || !grant_bounded(g)) {
        return store_einval("grant");
    }
    int rc = GOV(s, grant_insert, g);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no organisation '%s'%s%s%s", g->org_id,
                             g->parent[0] != '\0' ? " or no grant '" : "", g->parent, g->parent[0] != '\0' ? "'" : "");
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a grant '%s' exists", g->id);
}

int eseal_store_grant_get(eseal_store *s, eseal_grant *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_GRANT_ID_LEN)) {
        return store_einval("grant id");
    }
    int rc = GOV(s, grant_get, out, id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no grant '%s'", id);
}

int eseal_store_grant_list(eseal_store *s, const char *org_id, const char *seal,
                           int (*cb)(const eseal_grant *g, void *payload), void *payload)
{
    if (s == NULL || cb == NULL || (org_id != NULL && !bounded(org_id, 1, ESEAL_ORG_ID_LEN)) ||
        (seal != NULL && !bounded(seal, 1, sizeof(((eseal_grant *)NULL)->seal) - 1))) {
        return store_einval("grant list");
    }
    return GOV(s, grant_list, org_id, seal, cb, payload);
}

int eseal_store_grant_revoke(eseal_store *s, const char *id, int64_t at_ms)
{
    if (s == NULL || !bounded(id, 1, ESEAL_GRANT_ID_LEN) || at_ms <= 0) {
        return store_einval("grant revocation");
    }
    int rc = GOV(s, grant_revoke, id, at_ms);
    if (rc != ESEAL_ENOTFOUND) {
        return rc;
    }
    eseal_grant g; /* which: none, or revoked already */
    if (GOV(s, grant_get, &g, id) == ESEAL_OK) {
        return ES_STORE_WORD(ESEAL_ESTATE, ESEAL_ESTATE, "grant '%s' is revoked already", id);
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no grant '%s'", id);
}

int eseal_store_grant_update(eseal_store *s, const eseal_grant *g)
{
    if (s == NULL || g == NULL || !grant_bounded(g) || g->not_before_ms < 0 || g->not_after_ms < 0 ||
        g->max_uses < 0) {
        return store_einval("grant");
    }
    int rc = GOV(s, grant_update, g);
    if (rc != ESEAL_ENOTFOUND) {
        return rc;
    }
    eseal_grant now; /* which: none, or revoked */
    if (GOV(s, grant_get, &now, g->id) == ESEAL_OK) {
        rc = ESEAL_ESTATE;
        return ES_STORE_WORD(rc, ESEAL_ESTATE, "grant '%s' is revoked", g->id);
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no grant '%s'", g->id);
}
int eseal_store_grant_use(eseal_store *s, const char *id)
{
    if (s == NULL || !bounded(id, 1, ESEAL_GRANT_ID_LEN)) {
        return store_einval("grant id");
    }
    int rc = GOV(s, grant_use, id);
    if (rc == ESEAL_ESTATE) {
        eseal_grant g;
        if (GOV(s, grant_get, &g, id) != ESEAL_OK) {
            return ES_STORE_WORD(ESEAL_ENOTFOUND, ESEAL_ENOTFOUND, "no grant '%s'", id);
        }
        return ES_STORE_WORD(rc, ESEAL_ESTATE, "grant '%s' %s", id, g.revoked_ms != 0 ? "is revoked" : "has no use left");
    }
    return rc;
}

/* A template's fields within bounds: its digest as 64 hex digits (folded to lower case into sha). */
static bool template_bounded(const eseal_template *t, char sha[ES_STORE_DIGEST_HEX_LEN + 1])
{
    return bounded(t->org_id, 1, ESEAL_ORG_ID_LEN) && digest_fold(sha, t->sha256) &&
           bounded(t->name, 1, ESEAL_TEMPLATE_NAME_MAX) && (strcmp(t->format, "pdf") == 0 || strcmp(t->format, "ofd") == 0) &&
           bounded(t->created_by, 0, sizeof(t->created_by) - 1) && t->size >= 0;
}

int eseal_store_template_insert(eseal_store *s, const eseal_template *t, const void *bytes, size_t len)
{
    char sha[ES_STORE_DIGEST_HEX_LEN + 1];
    if (s == NULL || t == NULL || !template_bounded(t, sha) || (bytes == NULL && len > 0) || (uint64_t)t->size != len) {
        return store_einval("template");
    }
    if (len > ESEAL_TEMPLATE_MAX_BYTES) {
        ES_BAIL_INT(ESEAL_ELIMIT, "store: a template of %zu bytes (at most %u)", len, ESEAL_TEMPLATE_MAX_BYTES);
    }
    eseal_template r = *t;
    memcpy(r.sha256, sha, sizeof(sha));
    int rc = GOV(s, template_insert, &r, bytes, len);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no organisation '%s'", r.org_id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "the organisation has that template already");
}

int eseal_store_template_get(eseal_store *s, eseal_template *out, eseal_buf *bytes, const char *org_id,
                             const char *sha256)
{
    char sha[ES_STORE_DIGEST_HEX_LEN + 1];
    if (s == NULL || out == NULL || !bounded(org_id, 1, ESEAL_ORG_ID_LEN) || !digest_fold(sha, sha256)) {
        return store_einval("template reference");
    }
    int rc = GOV(s, template_get, out, bytes, org_id, sha);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no template %s", sha);
}

int eseal_store_template_list(eseal_store *s, const char *org_id, int (*cb)(const eseal_template *t, void *payload),
                              void *payload)
{
    if (s == NULL || cb == NULL || (org_id != NULL && !bounded(org_id, 1, ESEAL_ORG_ID_LEN))) {
        return store_einval("template list");
    }
    return GOV(s, template_list, org_id, cb, payload);
}

/* ---- governance: webhooks and deliveries ---------------------------------------------------- */

/* A webhook's strings within their arrays, its id and secret whole. */
static bool webhook_bounded(const eseal_webhook *w)
{
    return bounded(w->id, ESEAL_WEBHOOK_ID_LEN, ESEAL_WEBHOOK_ID_LEN) && bounded(w->org_id, 1, ESEAL_ORG_ID_LEN) &&
           bounded(w->url, 8, ESEAL_WEBHOOK_URL_MAX) && bounded(w->events, 1, ESEAL_WEBHOOK_EVENTS_MAX) &&
           bounded(w->secret, ESEAL_WEBHOOK_SECRET_LEN, ESEAL_WEBHOOK_SECRET_LEN) &&
           bounded(w->created_by, 0, sizeof(w->created_by) - 1);
}

int eseal_store_webhook_insert(eseal_store *s, const eseal_webhook *w)
{
    if (s == NULL || w == NULL || !webhook_bounded(w)) {
        return store_einval("webhook");
    }
    int rc = GOV(s, webhook_insert, w);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no organisation '%s'", w->org_id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a webhook '%s' exists", w->id);
}

int eseal_store_webhook_get(eseal_store *s, eseal_webhook *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_WEBHOOK_ID_LEN)) {
        return store_einval("webhook id");
    }
    int rc = GOV(s, webhook_get, out, id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no webhook '%s'", id);
}

int eseal_store_webhook_list(eseal_store *s, const char *org_id, int (*cb)(const eseal_webhook *w, void *payload),
                             void *payload)
{
    if (s == NULL || cb == NULL || (org_id != NULL && !bounded(org_id, 1, ESEAL_ORG_ID_LEN))) {
        return store_einval("webhook list");
    }
    return GOV(s, webhook_list, org_id, cb, payload);
}

int eseal_store_webhook_remove(eseal_store *s, const char *id)
{
    if (s == NULL || !bounded(id, 1, ESEAL_WEBHOOK_ID_LEN)) {
        return store_einval("webhook id");
    }
    int rc = GOV(s, webhook_remove, id); /* once: ES_STORE_WORD reads its argument twice */
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no webhook '%s'", id);
}

/* A delivery's strings within their arrays, its ids whole, its status known. */
static bool delivery_bounded(const eseal_delivery *d)
{
    return bounded(d->id, ESEAL_DELIVERY_ID_LEN, ESEAL_DELIVERY_ID_LEN) &&
           bounded(d->webhook_id, ESEAL_WEBHOOK_ID_LEN, ESEAL_WEBHOOK_ID_LEN) &&
           bounded(d->event_id, ESEAL_EVENT_ID_LEN, ESEAL_EVENT_ID_LEN) &&
           bounded(d->event_type, 1, ESEAL_WEBHOOK_EVENT_TYPE_MAX) && bounded(d->body, 2, ESEAL_WEBHOOK_BODY_MAX) &&
           bounded(d->last_error, 0, ESEAL_WEBHOOK_ERROR_MAX) && d->attempts >= 0 &&
           (d->status == ESEAL_DELIVERY_PENDING || d->status == ESEAL_DELIVERY_DELIVERED ||
            d->status == ESEAL_DELIVERY_FAILED);
}

int eseal_store_delivery_insert(eseal_store *s, const eseal_delivery *d)
{
    if (s == NULL || d == NULL || !delivery_bounded(d)) {
        return store_einval("delivery");
    }
    int rc = GOV(s, delivery_insert, d);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no webhook '%s'", d->webhook_id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a delivery '%s' exists", d->id);
}

int eseal_store_delivery_get(eseal_store *s, eseal_delivery *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_DELIVERY_ID_LEN)) {
        return store_einval("delivery id");
    }
    int rc = GOV(s, delivery_get, out, id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no delivery '%s'", id);
}

int eseal_store_delivery_list(eseal_store *s, const char *webhook_id, size_t max,
                              int (*cb)(const eseal_delivery *d, void *payload), void *payload)
{
    if (s == NULL || cb == NULL || !bounded(webhook_id, 1, ESEAL_WEBHOOK_ID_LEN) || max < 1 || max > 1000) {
        return store_einval("delivery list");
    }
    return GOV(s, delivery_list, webhook_id, max, cb, payload);
}

int eseal_store_delivery_due(eseal_store *s, int64_t now_ms, size_t max,
                             int (*cb)(const eseal_delivery *d, void *payload), void *payload)
{
    if (s == NULL || cb == NULL || max < 1 || max > 1000) {
        return store_einval("deliveries due");
    }
    return GOV(s, delivery_due, now_ms, max, cb, payload);
}

int eseal_store_delivery_update(eseal_store *s, const eseal_delivery *d)
{
    if (s == NULL || d == NULL || !delivery_bounded(d)) {
        return store_einval("delivery");
    }
    int rc = GOV(s, delivery_update, d);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no delivery '%s'", d->id);
}

int eseal_store_delivery_claim(eseal_store *s, const char *id, int64_t expect_ms, int64_t until_ms)
{
    if (s == NULL || !bounded(id, ESEAL_DELIVERY_ID_LEN, ESEAL_DELIVERY_ID_LEN) || until_ms <= expect_ms) {
        return store_einval("delivery claim");
    }
    int rc = GOV(s, delivery_claim, id, expect_ms, until_ms);
    return ES_STORE_WORD(rc, ESEAL_ESTATE, "delivery '%s' is taken", id);
}

/* ---- governance: stamp requests, their documents and decisions ------------------------------ */

static bool request_status_ok(eseal_request_status st)
{
    return st == ESEAL_REQUEST_PENDING || st == ESEAL_REQUEST_APPROVED || st == ESEAL_REQUEST_REJECTED ||
           st == ESEAL_REQUEST_EXECUTED;
}

/* A request's strings within their arrays, its ids whole, its step within a policy's steps (the
 * policy's count once approved), and new: pending or approved at once, nothing stamped. Its
 * requester is folded into `requester` (logins are kept lower-case). */
static bool request_bounded(const eseal_request *r, char requester[ESEAL_LOGIN_MAX + 1], size_t n)
{
    return bounded(r->id, ESEAL_REQUEST_ID_LEN, ESEAL_REQUEST_ID_LEN) && bounded(r->org_id, 1, ESEAL_ORG_ID_LEN) &&
           bounded(r->seal, 1, sizeof(r->seal) - 1) && login_fold(requester, r->requester) &&
           bounded(r->grant, ESEAL_GRANT_ID_LEN, ESEAL_GRANT_ID_LEN) &&
           bounded(r->approval, 0, ESEAL_APPROVAL_TEXT_MAX) && bounded(r->doc_type, 0, ESEAL_DOC_TYPE_MAX) &&
           bounded(r->purpose, 0, ESEAL_REQUEST_PURPOSE_MAX) &&
           (r->status == ESEAL_REQUEST_PENDING || r->status == ESEAL_REQUEST_APPROVED) &&
           r->step <= ESEAL_APPROVAL_STEPS_MAX && r->docs == (int64_t)n && r->done == 0;
}

/* A document's name and format, its size, its digest as 64 hex digits (folded to lower case into sha). */
static bool request_doc_bounded(const eseal_request_doc *d, char sha[ES_STORE_DIGEST_HEX_LEN + 1])
{
    return bounded(d->name, 1, ESEAL_REQUEST_DOC_NAME_MAX) &&
           (strcmp(d->format, "pdf") == 0 || strcmp(d->format, "ofd") == 0) && digest_fold(sha, d->sha256) &&
           d->size >= 0;
}

int eseal_store_request_insert(eseal_store *s, const eseal_request *r, const eseal_request_doc *docs, size_t n)
{
    char requester[ESEAL_LOGIN_MAX + 1];
    if (s == NULL || r == NULL || docs == NULL || n < 1 || n > ESEAL_REQUEST_DOCS_MAX ||
        !request_bounded(r, requester, n)) {
        return store_einval("request");
    }
    /* The documents as stored: checked, digests folded, each the request's at its position, not stamped. */
    eseal_request_doc *kept = es_calloc(n, sizeof(*kept));
    if (kept == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        char sha[ES_STORE_DIGEST_HEX_LEN + 1];
        if (!request_doc_bounded(&docs[i], sha)) {
            es_free(kept);
            return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "store: invalid request document %zu", i));
        }
        kept[i] = docs[i];
        memcpy(kept[i].request_id, r->id, sizeof(kept[i].request_id));
        kept[i].index = (int64_t)i;
        memcpy(kept[i].sha256, sha, sizeof(sha));
        memset(kept[i].serial, 0, sizeof(kept[i].serial));
        kept[i].log_index = -1;
    }
    eseal_request row = *r;
    memcpy(row.requester, requester, sizeof(requester));
    int rc = GOV(s, request_insert, &row, kept, n);
    es_free(kept);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no organisation '%s'", r->org_id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a request '%s' exists", r->id);
}

int eseal_store_request_get(eseal_store *s, eseal_request *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_REQUEST_ID_LEN)) {
        return store_einval("request id");
    }
    int rc = GOV(s, request_get, out, id); /* once: ES_STORE_WORD reads its argument twice */
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no request '%s'", id);
}

int eseal_store_request_list(eseal_store *s, const char *org_id, eseal_request_status status, const char *requester,
                             int (*cb)(const eseal_request *r, void *payload), void *payload)
{
    char login[ESEAL_LOGIN_MAX + 1];
    if (s == NULL || cb == NULL || (org_id != NULL && !bounded(org_id, 1, ESEAL_ORG_ID_LEN)) ||
        (status != 0 && !request_status_ok(status)) || (requester != NULL && !login_fold(login, requester))) {
        return store_einval("request list");
    }
    return GOV(s, request_list, org_id, status, requester != NULL ? login : NULL, cb, payload);
}

int eseal_store_request_advance(eseal_store *s, const char *id, eseal_request_status from_status,
                                unsigned int from_step, eseal_request_status to_status, unsigned int to_step,
                                int64_t at_ms)
{
    if (s == NULL || !bounded(id, 1, ESEAL_REQUEST_ID_LEN) || !request_status_ok(from_status) ||
        !request_status_ok(to_status) || from_step > ESEAL_APPROVAL_STEPS_MAX || to_step > ESEAL_APPROVAL_STEPS_MAX ||
        at_ms <= 0) {
        return store_einval("request move");
    }
    int rc = GOV(s, request_advance, id, from_status, from_step, to_status, to_step, at_ms);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no request '%s'", id);
    }
    return ES_STORE_WORD(rc, ESEAL_ESTATE, "request '%s' has moved on", id);
}

int eseal_store_request_docs(eseal_store *s, const char *id, int (*cb)(const eseal_request_doc *d, void *payload),
                             void *payload)
{
    if (s == NULL || cb == NULL || !bounded(id, 1, ESEAL_REQUEST_ID_LEN)) {
        return store_einval("request id");
    }
    return GOV(s, request_docs, id, cb, payload);
}

int eseal_store_request_doc_stamped(eseal_store *s, const char *id, const char *sha256, const char *serial,
                                    int64_t log_index, int64_t at_ms, int64_t *index)
{
    char sha[ES_STORE_DIGEST_HEX_LEN + 1];
    if (s == NULL || !bounded(id, 1, ESEAL_REQUEST_ID_LEN) || !digest_fold(sha, sha256) ||
        !bounded(serial, 1, sizeof(((eseal_request_doc *)NULL)->serial) - 1) || log_index < -1 || at_ms <= 0) {
        return store_einval("request document stamp");
    }
    int rc = GOV(s, request_doc_stamped, id, sha, serial, log_index, at_ms, index);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no request '%s'", id);
    }
    return ES_STORE_WORD(rc, ESEAL_ESTATE, "request '%s' has no unstamped document with that SHA-256", id);
}

int eseal_store_decision_insert(eseal_store *s, const eseal_decision *d)
{
    char approver[ESEAL_LOGIN_MAX + 1], comment_sha[ES_STORE_DIGEST_HEX_LEN + 1], docs_sha[ES_STORE_DIGEST_HEX_LEN + 1];
    if (s == NULL || d == NULL || !bounded(d->id, ESEAL_DECISION_ID_LEN, ESEAL_DECISION_ID_LEN) ||
        !bounded(d->request_id, ESEAL_REQUEST_ID_LEN, ESEAL_REQUEST_ID_LEN) || d->step >= ESEAL_APPROVAL_STEPS_MAX ||
        !login_fold(approver, d->approver) || (d->approve != 0 && d->approve != 1) ||
        !bounded(d->comment, 0, ESEAL_REQUEST_COMMENT_MAX) || !digest_fold(comment_sha, d->comment_sha256) ||
        !digest_fold(docs_sha, d->docs_sha256)) {
        return store_einval("decision");
    }
    eseal_decision row = *d;
    memcpy(row.approver, approver, sizeof(approver));
    memcpy(row.comment_sha256, comment_sha, sizeof(comment_sha));
    memcpy(row.docs_sha256, docs_sha, sizeof(docs_sha));
    int rc = GOV(s, decision_insert, &row);
    if (rc == ESEAL_ENOTFOUND) {
        return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no request '%s'", d->request_id);
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "%s has decided on request '%s' already", approver, d->request_id);
}

int eseal_store_request_doc_unstamp(eseal_store *s, int64_t log_index)
{
    if (s == NULL || log_index < 0) {
        return store_einval("request document's entry");
    }
    int rc = GOV(s, request_doc_unstamp, log_index);
    return rc;
}

int eseal_store_decision_list(eseal_store *s, const char *id, int (*cb)(const eseal_decision *d, void *payload),
                              void *payload)
{
    if (s == NULL || cb == NULL || !bounded(id, 1, ESEAL_REQUEST_ID_LEN)) {
        return store_einval("request id");
    }
    return GOV(s, decision_list, id, cb, payload);
}

/* ---- smart physical seals (issue 23 §4): devices, unlocks, impressions ---------------------- */

static bool device_bounded(const eseal_device *d)
{
    return bounded(d->id, ESEAL_DEVICE_ID_LEN, ESEAL_DEVICE_ID_LEN) && bounded(d->org_id, 1, ESEAL_ORG_ID_LEN) &&
           bounded(d->seal, 1, sizeof(d->seal) - 1) && bounded(d->chip_id, 1, ESEAL_CHIP_ID_MAX) &&
           (strcmp(d->alg, "p256") == 0 || strcmp(d->alg, "sm2") == 0) && d->key_len > 0 &&
           d->key_len <= ESEAL_DEVICE_KEY_MAX && d->status == ESEAL_DEVICE_ACTIVE &&
           bounded(d->added_by, 0, sizeof(d->added_by) - 1);
}

int eseal_store_device_insert(eseal_store *s, const eseal_device *d)
{
    if (s == NULL || d == NULL || !device_bounded(d)) {
        return store_einval("device");
    }
    int rc = GOV(s, device_insert, d);
    if (rc == ESEAL_ENOTFOUND) {
        return es_code(es_error_set(rc, __FILE__, __LINE__, "no organisation '%s'", d->org_id));
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "a device '%s' exists", d->id);
}

int eseal_store_device_get(eseal_store *s, eseal_device *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_DEVICE_ID_LEN)) {
        return store_einval("device id");
    }
    int rc = GOV(s, device_get, out, id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no device '%s'", id);
}

int eseal_store_device_list(eseal_store *s, const char *org_id, const char *seal,
                            int (*cb)(const eseal_device *d, void *payload), void *payload)
{
    if (s == NULL || cb == NULL || (org_id != NULL && !bounded(org_id, 1, ESEAL_ORG_ID_LEN)) ||
        (seal != NULL && !bounded(seal, 1, 63))) {
        return store_einval("device list");
    }
    return GOV(s, device_list, org_id, seal, cb, payload);
}

int eseal_store_device_retire(eseal_store *s, const char *id, int64_t at_ms)
{
    if (s == NULL || !bounded(id, 1, ESEAL_DEVICE_ID_LEN) || at_ms <= 0) {
        return store_einval("device retirement");
    }
    int rc = GOV(s, device_retire, id, at_ms);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_device d;
        if (GOV(s, device_get, &d, id) == ESEAL_OK) {
            return es_code(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "device '%s' is retired already", id));
        }
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no device '%s'", id));
    }
    return rc;
}

static bool hex_lower(const char *s, size_t len)
{
    if (!bounded(s, len, len)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

int eseal_store_unlock_insert(eseal_store *s, const eseal_unlock *u)
{
    if (s == NULL || u == NULL || !bounded(u->id, ESEAL_UNLOCK_ID_LEN, ESEAL_UNLOCK_ID_LEN) ||
        !bounded(u->device_id, ESEAL_DEVICE_ID_LEN, ESEAL_DEVICE_ID_LEN) ||
        !bounded(u->request_id, ESEAL_REQUEST_ID_LEN, ESEAL_REQUEST_ID_LEN) ||
        !bounded(u->org_id, 1, ESEAL_ORG_ID_LEN) || !hex_lower(u->nonce, ESEAL_DEVICE_NONCE_LEN) ||
        u->impressions < 1 || u->impressions > ESEAL_UNLOCK_IMPRESSIONS_MAX || u->used != 0 ||
        u->expires_ms < u->issued_ms) {
        return store_einval("unlock");
    }
    int rc = GOV(s, unlock_insert, u);
    if (rc == ESEAL_ENOTFOUND) {
        return es_code(es_error_set(rc, __FILE__, __LINE__, "no device or request for unlock '%s'", u->id));
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "device '%s' used nonce %s already", u->device_id, u->nonce);
}

int eseal_store_unlock_get(eseal_store *s, eseal_unlock *out, const char *id)
{
    if (s == NULL || out == NULL || !bounded(id, 1, ESEAL_UNLOCK_ID_LEN)) {
        return store_einval("unlock id");
    }
    int rc = GOV(s, unlock_get, out, id);
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no unlock '%s'", id);
}

int eseal_store_unlock_use(eseal_store *s, const char *id)
{
    if (s == NULL || !bounded(id, 1, ESEAL_UNLOCK_ID_LEN)) {
        return store_einval("unlock id");
    }
    int rc = GOV(s, unlock_use, id);
    if (rc == ESEAL_ESTATE) {
        return es_code(es_error_set(rc, __FILE__, __LINE__, "unlock '%s' has no impression left", id));
    }
    return ES_STORE_WORD(rc, ESEAL_ENOTFOUND, "no unlock '%s'", id);
}

int eseal_store_unlock_committed(eseal_store *s, const char *request_id, int64_t now_ms, int64_t *n)
{
    if (s == NULL || n == NULL || !bounded(request_id, ESEAL_REQUEST_ID_LEN, ESEAL_REQUEST_ID_LEN) || now_ms <= 0) {
        return store_einval("unlock count");
    }
    *n = 0;
    return GOV(s, unlock_committed, request_id, now_ms, n);
}

int eseal_store_impression_insert(eseal_store *s, const eseal_impression *m)
{
    if (s == NULL || m == NULL || !bounded(m->unlock_id, ESEAL_UNLOCK_ID_LEN, ESEAL_UNLOCK_ID_LEN) ||
        !bounded(m->device_id, ESEAL_DEVICE_ID_LEN, ESEAL_DEVICE_ID_LEN) ||
        !bounded(m->request_id, ESEAL_REQUEST_ID_LEN, ESEAL_REQUEST_ID_LEN) || m->seq < 1 ||
        !bounded(m->lat, 1, ESEAL_DEVICE_GPS_MAX) || !bounded(m->lon, 1, ESEAL_DEVICE_GPS_MAX) ||
        !hex_lower(m->photo_sha256, 64) || !bounded(m->operator_id, 0, ESEAL_DEVICE_OPERATOR_MAX) ||
        m->sig_len == 0 || m->sig_len > ESEAL_DEVICE_SIG_MAX || m->log_index < 0) {
        return store_einval("impression");
    }
    int rc = GOV(s, impression_insert, m);
    if (rc == ESEAL_ENOTFOUND) {
        return es_code(es_error_set(rc, __FILE__, __LINE__, "no unlock '%s'", m->unlock_id));
    }
    return ES_STORE_WORD(rc, ESEAL_EEXISTS, "impression %lld of unlock '%s' is reported already", (long long)m->seq,
                         m->unlock_id);
}

int eseal_store_impression_list(eseal_store *s, const char *request_id,
                                int (*cb)(const eseal_impression *m, void *payload), void *payload)
{
    if (s == NULL || cb == NULL || !bounded(request_id, 1, ESEAL_REQUEST_ID_LEN)) {
        return store_einval("impression list");
    }
    return GOV(s, impression_list, request_id, cb, payload);
}
