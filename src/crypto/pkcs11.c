/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 key backend (issue 23 §1), on libp11: a key in a token signs through libp11's
 * OpenSSL methods (C_Sign in the token), so every signing path of eseal (data and CMS signatures
 * through eseal_key_sign, certificates, CRLs, OCSP and time-stamp tokens through the EVP_PKEY
 * openssl_pkey gives) uses it unchanged. The private key is never read: libp11 only holds handles.
 *
 * One module is loaded per process (PKCS#11 v2.40 §5.4: C_Initialize once per application;
 * C_Finalize would pull the token from under every other key), kept until the process ends. What
 * libp11 does not offer is done with the module's own function list, looked up in the already
 * loaded module: C_GetTokenInfo before every signature and in hardware() (a removed token is an
 * error at once, not a stale answer), the PIN counters after a failed login, and key generation
 * (libp11 0.4.12 generates RSA only, with attributes it chooses).
 *
 * The PIN: the caller keeps it in an es_p11_pin (a page locked with mlock, excluded from core
 * dumps, wiped and unmapped on free) and it is passed to C_Login as is, on a session of eseal's own
 * (login()): libp11's PKCS11_login, which would keep a copy in its heap, is not called.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The build defines OPENSSL_NO_DEPRECATED, which hides the two method types libp11.h names in its
 * declarations (eseal calls none of those functions): declared here as OpenSSL declares them. */
typedef struct rsa_meth_st RSA_METHOD;
typedef struct ec_key_method_st EC_KEY_METHOD;
#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include "ossl.h"


/* ---- the PIN ---------------------------------------------------------------- */

struct es_p11_pin {
    char *ptr; /* NUL-terminated, in a locked mapping of map_len bytes */
    size_t len;
    size_t map_len;
};

const char *es_p11_pin_bytes(const es_p11_pin *p, size_t *len)
{
    *len = p != NULL ? p->len : 0;
    return p != NULL ? p->ptr : NULL;
}

#define ES_P11_PIN_MAX 256

ES_RESULT es_p11_pin_new(es_p11_pin **out, const void *pin, size_t len)
{
    ES_ENSURE_ARG(out != NULL && (pin != NULL || len == 0));
    ES_ENSURE(len > 0 && len <= ES_P11_PIN_MAX, ESEAL_EINVAL, "a token PIN must be 1 to %d bytes", ES_P11_PIN_MAX);
    ES_ENSURE(memchr(pin, '\0', len) == NULL, ESEAL_EINVAL, "a token PIN cannot hold a NUL byte");
    long page = sysconf(_SC_PAGESIZE);
    size_t map_len = page > 0 ? (size_t)page : 4096;
    es_p11_pin *p = es_calloc(1, sizeof(*p));
    ES_ENSURE_ALLOC(p);
    void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        es_free(p);
        ES_BAIL(ESEAL_ENOMEM, "cannot map a page for the token PIN");
    }
    if (mlock(m, map_len) != 0) {
        munmap(m, map_len);
        es_free(p);
        /* Refused rather than kept in memory that may be swapped (issue 23: "cached only in locked memory"). */
        ES_BAIL(ESEAL_EIO, "cannot lock memory for the token PIN (mlock; raise RLIMIT_MEMLOCK)");
    }
    (void)madvise(m, map_len, MADV_DONTDUMP);
    p->ptr = m;
    p->map_len = map_len;
    memcpy(p->ptr, pin, len);
    p->ptr[len] = '\0';
    p->len = len;
    *out = p;
    return ES_OK;
}

ES_RESULT es_p11_pin_copy(es_p11_pin **out, const es_p11_pin *p)
{
    ES_ENSURE_ARG(out != NULL && p != NULL);
    return es_p11_pin_new(out, p->ptr, p->len);
}

void es_p11_pin_free(es_p11_pin *p)
{
    if (p == NULL) {
        return;
    }
    if (p->ptr != NULL) {
        es_wipe(p->ptr, p->map_len);
        munlock(p->ptr, p->map_len);
        munmap(p->ptr, p->map_len);
    }
    es_free(p);
}

/* ---- the module ------------------------------------------------------------- */

#define P11_LOGINS_MAX 32 /* slots eseal logs in to within one process */

/* A slot eseal logged in to, through a session of its own kept open (login()). */
typedef struct {
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE session;
} p11_login;

typedef struct {
    char *path;
    PKCS11_CTX *ctx;
    PKCS11_SLOT *slots;
    unsigned int nslots;
    CK_FUNCTION_LIST_PTR fl; /* the same module's table, for what libp11 does not do */
    p11_login logins[P11_LOGINS_MAX];
    size_t nlogins;
} p11_module;

static pthread_mutex_t p11_lock = PTHREAD_MUTEX_INITIALIZER;
static p11_module *p11_loaded;

/* The module at `path`, loaded on first use (under p11_lock). */
static ES_RESULT module_get(p11_module **out, const char *path)
{
    ES_ENSURE(path != NULL && path[0] != '\0', ESEAL_ENOTFOUND,
              "no PKCS#11 module: set pkcs11_module in eseal.conf (SoftHSM2's is used by default when installed)");
    if (p11_loaded != NULL) {
        ES_ENSURE(strcmp(p11_loaded->path, path) == 0, ESEAL_EUNSUPPORTED,
                  "PKCS#11 module %s is already in use by this process; one module at a time", p11_loaded->path);
        *out = p11_loaded;
        return ES_OK;
    }
    ES_ENSURE(access(path, R_OK) == 0, ESEAL_ENOTFOUND, "PKCS#11 module %s: not found", path);
    p11_module *m = es_calloc(1, sizeof(*m));
    ES_ENSURE_ALLOC(m);
    m->path = es_strdup(path);
    m->ctx = PKCS11_CTX_new();
    if (m->path == NULL || m->ctx == NULL) {
        if (m->ctx != NULL) {
            PKCS11_CTX_free(m->ctx);
        }
        es_free(m->path);
        es_free(m);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    es_result r = ES_OK;
    if (PKCS11_CTX_load(m->ctx, path) != 0) {
        r = es_ossl_error(ESEAL_EIO, __FILE__, __LINE__, "loading the PKCS#11 module");
    } else if (PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots) != 0) {
        r = es_ossl_error(ESEAL_EIO, __FILE__, __LINE__, "listing the PKCS#11 module's slots");
        PKCS11_CTX_unload(m->ctx);
    } else {
        /* The module libp11 just loaded: RTLD_NOLOAD finds it without loading a second copy. */
        void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
        CK_C_GetFunctionList gfl = h != NULL ? (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList") : NULL;
        if (gfl == NULL || gfl(&m->fl) != CKR_OK || m->fl == NULL) {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "PKCS#11 module %s has no C_GetFunctionList", path);
            PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
            PKCS11_CTX_unload(m->ctx);
        }
        /* h stays open while libp11 holds the module: a dlclose now would only drop our count. */
    }
    if (!es_ok(r)) {
        PKCS11_CTX_free(m->ctx);
        es_free(m->path);
        es_free(m);
        return r;
    }
    p11_loaded = m;
    *out = m;
    return ES_OK;
}

/* A fixed-width, blank-padded CK_TOKEN_INFO field as a C string (PKCS#11 v2.40 §3.2). */
static void ck_text(char *dst, size_t cap, const CK_UTF8CHAR *src, size_t n)
{
    while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0')) {
        n--;
    }
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

typedef struct {
    char label[33];
    char serial[17];
    char maker[33];
    CK_FLAGS flags;
} token_info;

/* Asks the token in `slot_id` now: ESEAL_EIO when it is gone (removed, or its store unreadable). */
static ES_RESULT token_query(const p11_module *m, CK_SLOT_ID slot_id, token_info *ti, const char *what)
{
    CK_TOKEN_INFO info;
    memset(&info, 0, sizeof(info));
    CK_RV rv = m->fl->C_GetTokenInfo(slot_id, &info);
    ES_ENSURE(rv == CKR_OK, ESEAL_EIO, "PKCS#11 token %s is no longer present (C_GetTokenInfo: CKR 0x%lx)", what,
              (unsigned long)rv);
    ck_text(ti->label, sizeof(ti->label), info.label, sizeof(info.label));
    ck_text(ti->serial, sizeof(ti->serial), info.serialNumber, sizeof(info.serialNumber));
    ck_text(ti->maker, sizeof(ti->maker), info.manufacturerID, sizeof(info.manufacturerID));
    ti->flags = info.flags;
    ES_ENSURE((info.flags & CKF_TOKEN_INITIALIZED) != 0, ESEAL_EIO, "PKCS#11 token %s is not initialised", what);
    return ES_OK;
}

/* The slot whose token has the label and/or serial asked for; exactly one must match. */
static ES_RESULT find_slot(PKCS11_SLOT **out, const p11_module *m, const char *label, const char *serial)
{
    PKCS11_SLOT *found = NULL;
    for (unsigned int i = 0; i < m->nslots; i++) {
        PKCS11_TOKEN *t = m->slots[i].token;
        if (t == NULL || !t->initialized) {
            continue;
        }
        if ((label[0] != '\0' && strcmp(t->label, label) != 0) || (serial[0] != '\0' && strcmp(t->serialnr, serial) != 0)) {
            continue;
        }
        ES_ENSURE(found == NULL, ESEAL_EINVAL, "more than one PKCS#11 token is labelled '%s': give serial= in the URI",
                  label);
        found = &m->slots[i];
    }
    ES_ENSURE(found != NULL, ESEAL_ENOTFOUND, "no PKCS#11 token %s%s%s%s in module %s", label[0] ? "labelled '" : "",
              label, label[0] ? "'" : "", serial[0] ? " with that serial" : "", m->path);
    *out = found;
    return ES_OK;
}

ES_RESULT es_p11_login_error(unsigned long ckr, unsigned long token_flags, const char *token_label)
{
    const char *who = token_label != NULL ? token_label : "";
    if (ckr == CKR_PIN_LOCKED || (token_flags & CKF_USER_PIN_LOCKED) != 0) {
        ES_BAIL(ESEAL_EDENIED, "the PIN of token '%s' is locked: the token refuses every login until its security "
                               "officer unlocks it", who);
    }
    if (ckr == CKR_PIN_INCORRECT || ckr == CKR_PIN_INVALID || ckr == CKR_PIN_LEN_RANGE) {
        const char *left = (token_flags & CKF_USER_PIN_FINAL_TRY) != 0   ? " (one try left before it locks)"
                           : (token_flags & CKF_USER_PIN_COUNT_LOW) != 0 ? " (few tries left before it locks)"
                                                                         : "";
        ES_BAIL(ESEAL_EPASS, "wrong PIN for token '%s'%s", who, left);
    }
    if (ckr == CKR_PIN_EXPIRED) {
        ES_BAIL(ESEAL_EPASS, "the PIN of token '%s' has expired: change it with the token's tools", who);
    }
    if (ckr == CKR_TOKEN_NOT_PRESENT || ckr == CKR_DEVICE_REMOVED) {
        ES_BAIL(ESEAL_EIO, "PKCS#11 token '%s' is no longer present", who);
    }
    ES_BAIL(ESEAL_EIO, "logging in to token '%s' failed (CKR 0x%lx)", who, ckr);
}

/* The login of `slot`: on a session of eseal's own, kept open while the process runs, because a
 * PKCS#11 login belongs to the application, in every session, for as long as one of its sessions is
 * open (PKCS#11 v2.40 §5.6 C_Login, §6.7.1): libp11's sessions then see the private keys and sign.
 * libp11's PKCS11_login is not used: it keeps a copy of the PIN in its heap (to log in again after
 * a fork); here the PIN is read only from its locked page, only for C_Login. */
static ES_RESULT login(p11_module *m, PKCS11_SLOT *slot, const es_p11_pin *pin)
{
    CK_SLOT_ID id = PKCS11_get_slotid_from_slot(slot);
    p11_login *l = NULL;
    for (size_t i = 0; i < m->nlogins && l == NULL; i++) {
        l = m->logins[i].slot == id ? &m->logins[i] : NULL;
    }
    if (l != NULL) {
        CK_SESSION_INFO si;
        memset(&si, 0, sizeof(si));
        if (m->fl->C_GetSessionInfo(l->session, &si) == CKR_OK) {
            if (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS) {
                return ES_OK;
            }
        } else {
            /* the token went away (and maybe came back): that session is gone, a new one is opened */
            (void)m->fl->C_CloseSession(l->session);
            l->session = CK_INVALID_HANDLE;
        }
    } else {
        ES_ENSURE(m->nlogins < P11_LOGINS_MAX, ESEAL_ELIMIT, "more than %d PKCS#11 slots logged in to",
                  P11_LOGINS_MAX);
        l = &m->logins[m->nlogins++];
        l->slot = id;
        l->session = CK_INVALID_HANDLE;
    }
    if (pin == NULL) {
        ES_ENSURE(!slot->token->loginRequired, ESEAL_EPASS,
                  "token '%s' needs its PIN (set ESEAL_TOKEN_PIN, use --pin-file, or run on a terminal)",
                  slot->token->label);
        return ES_OK;
    }
    if (l->session == CK_INVALID_HANDLE) {
        CK_RV rv = m->fl->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, &l->session);
        if (rv != CKR_OK) {
            l->session = CK_INVALID_HANDLE;
            ES_BAIL(ESEAL_EIO, "opening a session with token '%s' failed (CKR 0x%lx)", slot->token->label,
                    (unsigned long)rv);
        }
    }
    CK_RV rv = m->fl->C_Login(l->session, CKU_USER, (CK_UTF8CHAR_PTR)pin->ptr, pin->len);
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
        return ES_OK;
    }
    token_info ti;
    memset(&ti, 0, sizeof(ti));
    /* The flags after the failure say how many tries are left; a token gone meanwhile leaves them 0. */
    es_result ignored = token_query(m, id, &ti, slot->token->label);
    (void)ignored;
    return es_p11_login_error(rv, ti.flags, slot->token->label);
}

/* ---- the backend ------------------------------------------------------------ */

typedef struct {
    p11_module *mod;
    CK_SLOT_ID slot_id;
    EVP_PKEY *pk;  /* libp11's: its operations run in the token */
    EVP_PKEY *pub; /* the public half, for public_der */
    char serial[17];
    char label[33];
    char uri[ES_P11_URI_MAX + 1];
} p11_key;

/* Asks the token it is still there, and the same one (its serial), before it is used. */
static ES_RESULT key_token(const p11_key *k, token_info *ti)
{
    char what[80];
    snprintf(what, sizeof(what), "'%s' (serial %s)", k->label, k->serial);
    ES_GUARD(token_query(k->mod, k->slot_id, ti, what));
    ES_ENSURE(strcmp(ti->serial, k->serial) == 0, ESEAL_EIO,
              "PKCS#11 token %s was replaced by another one (serial %s)", what, ti->serial);
    return ES_OK;
}

static int p11_sign(void *ctx, eseal_buf *out, eseal_hash hash, eseal_sig_scheme scheme, const uint8_t *data,
                    size_t len)
{
    p11_key *k = ctx;
    token_info ti;
    es_result r = key_token(k, &ti);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_buf b = ES_BUF_INIT(ES_SIG_MAX);
    r = es_sign_pkey(&b, k->pk, hash, scheme, es_span_of(data, len));
    if (!es_ok(r)) {
        es_buf_free(&b);
        /* The most specific message: a token pulled out during the signature says so. */
        int code = es_code(r);
        es_result gone = key_token(k, &ti);
        return es_ok(gone) ? code : es_code(gone);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static int p11_public_der(void *ctx, eseal_buf *out)
{
    p11_key *k = ctx;
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pub, &der);
    es_buf b = ES_BUF_INIT(ES_SPKI_DER_MAX);
    es_result r = es_take_der(&b, der, n, "encoding a token key's public key");
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static void p11_free(void *ctx)
{
    p11_key *k = ctx;
    if (k != NULL) {
        EVP_PKEY_free(k->pk);
        EVP_PKEY_free(k->pub);
        es_free(k);
    }
}

static void *p11_openssl_pkey(void *ctx) { return ((p11_key *)ctx)->pk; }

static int p11_hardware(void *ctx, eseal_key_hardware *out)
{
    p11_key *k = ctx;
    token_info ti;
    es_result r = key_token(k, &ti);
    if (!es_ok(r)) {
        return es_code(r);
    }
    snprintf(out->kind, sizeof(out->kind), "pkcs11");
    snprintf(out->serial, sizeof(out->serial), "%s", ti.serial);
    snprintf(out->label, sizeof(out->label), "%s", ti.label);
    snprintf(out->maker, sizeof(out->maker), "%s", ti.maker);
    size_t n = strlen(k->uri);
    if (n >= sizeof(out->key_id)) {
        /* A truncated id would bind a seal to a prefix of the key's name: refused instead. */
        ES_BAIL_INT(ESEAL_ELIMIT, "the token key's URI is longer than %zu bytes", sizeof(out->key_id) - 1);
    }
    memcpy(out->key_id, k->uri, n + 1);
    out->chip_id[0] = '\0';
    return ESEAL_OK;
}

static const eseal_key_backend p11_backend = {.version = ESEAL_KEY_BACKEND_VERSION,
                                              .name = "pkcs11",
                                              .sign = p11_sign,
                                              .public_der = p11_public_der,
                                              .free = p11_free,
                                              .openssl_pkey = p11_openssl_pkey,
                                              .hardware = p11_hardware};

static bool key_matches(const PKCS11_KEY *key, const es_p11_uri *uri)
{
    if (uri->object[0] != '\0' && (key->label == NULL || strcmp(key->label, uri->object) != 0)) {
        return false;
    }
    if (uri->id_len > 0 && (key->id_len != uri->id_len || memcmp(key->id, uri->id, uri->id_len) != 0)) {
        return false;
    }
    return true;
}

/* The public key of `priv`: libp11 reads it from the private key object's attributes, or from the
 * public key object with the same CKA_ID (SoftHSM2 keeps CKA_EC_POINT on the public object only). */
static EVP_PKEY *public_of(PKCS11_TOKEN *tok, PKCS11_KEY *priv)
{
    EVP_PKEY *pub = NULL;
    PKCS11_KEY *pubs = NULL;
    unsigned int n = 0;
    if (PKCS11_enumerate_public_keys(tok, &pubs, &n) == 0) {
        for (unsigned int i = 0; i < n && pub == NULL; i++) {
            if (pubs[i].id_len == priv->id_len && (priv->id_len == 0 || memcmp(pubs[i].id, priv->id, priv->id_len) == 0) &&
                (priv->id_len > 0 || (pubs[i].label != NULL && priv->label != NULL && strcmp(pubs[i].label, priv->label) == 0))) {
                pub = PKCS11_get_public_key(&pubs[i]);
            }
        }
    }
    if (pub == NULL) {
        pub = PKCS11_get_public_key(priv);
    }
    ERR_clear_error();
    return pub;
}

static ES_RESULT open_locked(eseal_key **out, const char *module, const es_p11_uri *uri, const es_p11_pin *pin)
{
    p11_module *m = NULL;
    ES_GUARD(module_get(&m, module));
    PKCS11_SLOT *slot = NULL;
    ES_GUARD(find_slot(&slot, m, uri->token, uri->serial));
    CK_SLOT_ID slot_id = PKCS11_get_slotid_from_slot(slot);
    token_info ti;
    ES_GUARD(token_query(m, slot_id, &ti, slot->token->label));
    ES_GUARD(login(m, slot, pin));
    PKCS11_KEY *keys = NULL;
    unsigned int nkeys = 0;
    ES_ENSURE_OSSL(PKCS11_enumerate_keys(slot->token, &keys, &nkeys) == 0, ESEAL_EIO, "listing the token's keys");
    PKCS11_KEY *key = NULL;
    for (unsigned int i = 0; i < nkeys; i++) {
        if (keys[i].isPrivate && key_matches(&keys[i], uri)) {
            ES_ENSURE(key == NULL, ESEAL_EINVAL, "more than one private key in token '%s' matches the URI: give id=",
                      slot->token->label);
            key = &keys[i];
        }
    }
    ES_ENSURE(key != NULL, ESEAL_ENOTFOUND, "token '%s' holds no private key %s%s", slot->token->label,
              uri->object[0] != '\0' ? "labelled " : "with that id", uri->object);
    p11_key *k = es_calloc(1, sizeof(*k));
    ES_ENSURE_ALLOC(k);
    k->mod = m;
    k->slot_id = slot_id;
    snprintf(k->serial, sizeof(k->serial), "%s", ti.serial);
    snprintf(k->label, sizeof(k->label), "%s", ti.label);
    k->pk = PKCS11_get_private_key(key);
    k->pub = k->pk != NULL ? public_of(slot->token, key) : NULL;
    if (k->pk == NULL || k->pub == NULL) {
        p11_free(k);
        return es_ossl_error(ESEAL_EIO, __FILE__, __LINE__, "reading the token key's handle and public key");
    }
    /* The canonical URI, with the serial and the id, is what the key is recorded under. */
    es_p11_uri canon;
    memset(&canon, 0, sizeof(canon));
    snprintf(canon.token, sizeof(canon.token), "%s", ti.label);
    snprintf(canon.serial, sizeof(canon.serial), "%s", ti.serial);
    snprintf(canon.object, sizeof(canon.object), "%s", key->label != NULL ? key->label : "");
    canon.id_len = key->id_len <= sizeof(canon.id) ? key->id_len : 0;
    if (canon.id_len > 0) {
        memcpy(canon.id, key->id, canon.id_len);
    }
    es_buf u = ES_BUF_INIT(ES_P11_URI_MAX);
    es_result r = es_p11_uri_format(&u, &canon);
    if (es_ok(r)) {
        snprintf(k->uri, sizeof(k->uri), "%s", es_buf_cstr(&u));
    }
    es_buf_free(&u);
    if (es_ok(r)) {
        int rc = eseal_key_from_backend(out, &p11_backend, k, k->uri);
        r = rc == ESEAL_OK ? ES_OK : es_from_code(rc);
    }
    if (!es_ok(r)) {
        p11_free(k);
    }
    return r;
}

ES_RESULT es_p11_key_open(eseal_key **out, const char *module, const es_p11_uri *uri, const es_p11_pin *pin)
{
    ES_ENSURE_ARG(out != NULL && uri != NULL);
    pthread_mutex_lock(&p11_lock);
    es_result r = open_locked(out, module, uri, pin);
    pthread_mutex_unlock(&p11_lock);
    return r;
}

/* ---- key generation in the token -------------------------------------------- */


static ES_RESULT mechanism_ok(const p11_module *m, CK_SLOT_ID slot, CK_MECHANISM_TYPE mech, const char *what,
                              const char *token)
{
    CK_MECHANISM_INFO mi;
    memset(&mi, 0, sizeof(mi));
    CK_RV rv = m->fl->C_GetMechanismInfo(slot, mech, &mi);
    ES_ENSURE(rv == CKR_OK && (mi.flags & CKF_GENERATE_KEY_PAIR) != 0, ESEAL_EUNSUPPORTED,
              "token '%s' cannot generate %s keys (its module offers no such mechanism)", token, what);
    return ES_OK;
}

static ES_RESULT gen_in_session(es_p11_uri *made, const p11_module *m, CK_SESSION_HANDLE s, eseal_key_alg alg,
                                const char *label)
{
    CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
    /* The DER OID of P-256 (prime256v1, 1.2.840.10045.3.1.7) as CKA_EC_PARAMS (PKCS#11 v2.40 §2.3.3). */
    CK_BYTE p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_BYTE rsa_exponent[] = {0x01, 0x00, 0x01};
    CK_UTF8CHAR lab[65];
    size_t lab_len = strlen(label);
    memcpy(lab, label, lab_len); /* at most 64 bytes: generate_locked checked */
    CK_ATTRIBUTE find[] = {{CKA_LABEL, lab, lab_len}};
    CK_OBJECT_HANDLE h = 0;
    CK_ULONG found = 0;
    ES_ENSURE(m->fl->C_FindObjectsInit(s, find, 1) == CKR_OK, ESEAL_EIO, "searching the token failed");
    CK_RV rv = m->fl->C_FindObjects(s, &h, 1, &found);
    m->fl->C_FindObjectsFinal(s);
    ES_ENSURE(rv == CKR_OK, ESEAL_EIO, "searching the token failed (CKR 0x%lx)", (unsigned long)rv);
    ES_ENSURE(found == 0, ESEAL_EEXISTS, "the token already holds an object labelled '%s'", label);
    uint8_t id[16];
    ES_GUARD(es_random(id, sizeof(id)));
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_ULONG bits = alg == ESEAL_ALG_RSA3072 ? 3072 : 2048;
    bool ec = alg == ESEAL_ALG_P256;
    CK_MECHANISM mech = {ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_VERIFY, &yes, sizeof(yes)},
        {CKA_ENCRYPT, &no, sizeof(no)}, /* the public half verifies, nothing else */
        {CKA_WRAP, &no, sizeof(no)},
        {CKA_LABEL, lab, lab_len},
        {CKA_ID, id, sizeof(id)},
        {ec ? CKA_EC_PARAMS : CKA_MODULUS_BITS, ec ? (void *)p256_params : (void *)&bits,
         ec ? sizeof(p256_params) : sizeof(bits)},
        {CKA_PUBLIC_EXPONENT, rsa_exponent, sizeof(rsa_exponent)}, /* last: RSA only */
    };
    /* The private half stays in the token: sensitive and never extractable (PKCS#11 v2.40 §4.9). */
    CK_ATTRIBUTE priv[] = {
        {CKA_CLASS, &priv_class, sizeof(priv_class)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},
        {CKA_DECRYPT, &no, sizeof(no)},
        {CKA_UNWRAP, &no, sizeof(no)}, /* a signing key only: SoftHSM2 would otherwise allow unwrapping */
        {CKA_LABEL, lab, lab_len},
        {CKA_ID, id, sizeof(id)},
    };
    CK_OBJECT_HANDLE hpub = 0;
    CK_OBJECT_HANDLE hpriv = 0;
    CK_ULONG npub = sizeof(pub) / sizeof(pub[0]) - (ec ? 1 : 0);
    rv = m->fl->C_GenerateKeyPair(s, &mech, pub, npub, priv, sizeof(priv) / sizeof(priv[0]), &hpub, &hpriv);
    ES_ENSURE(rv == CKR_OK, ESEAL_EIO, "generating the key pair in the token failed (CKR 0x%lx)", (unsigned long)rv);
    snprintf(made->object, sizeof(made->object), "%s", label);
    memcpy(made->id, id, sizeof(id));
    made->id_len = sizeof(id);
    return ES_OK;
}

/* A read-write session with the token labelled `token`, logged in through login() (the process's
 * login holds in every session); its slot and what the token says of itself. */
static ES_RESULT session_open(CK_SESSION_HANDLE *out, CK_SLOT_ID *slot_out, token_info *ti, p11_module *m,
                              const char *token, const es_p11_pin *pin)
{
    PKCS11_SLOT *slot = NULL;
    ES_GUARD(find_slot(&slot, m, token, ""));
    CK_SLOT_ID slot_id = PKCS11_get_slotid_from_slot(slot);
    ES_GUARD(token_query(m, slot_id, ti, token));
    ES_GUARD(login(m, slot, pin));
    CK_SESSION_HANDLE s = 0;
    CK_RV rv = m->fl->C_OpenSession(slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    ES_ENSURE(rv == CKR_OK, ESEAL_EIO, "opening a session with token '%s' failed (CKR 0x%lx)", token,
              (unsigned long)rv);
    *out = s;
    *slot_out = slot_id;
    return ES_OK;
}

static ES_RESULT generate_locked(es_buf *uri_out, const char *module, const char *token, eseal_key_alg alg,
                                 const char *label, const es_p11_pin *pin)
{
    ES_ENSURE(alg != ESEAL_ALG_SM2, ESEAL_EUNSUPPORTED,
              "token '%s' cannot generate SM2 keys: PKCS#11 defines no SM2 mechanism and this module offers none "
              "(use an SKF device for SM2)", token);
    ES_ENSURE(alg == ESEAL_ALG_P256 || alg == ESEAL_ALG_RSA2048 || alg == ESEAL_ALG_RSA3072, ESEAL_EUNSUPPORTED,
              "keys in a token are p256 or rsa (2048 or 3072 bits)");
    ES_ENSURE(label[0] != '\0' && strlen(label) <= 64, ESEAL_EINVAL, "a key label is 1 to 64 bytes");
    p11_module *m = NULL;
    ES_GUARD(module_get(&m, module));
    token_info ti;
    CK_SLOT_ID slot_id = 0;
    CK_SESSION_HANDLE s = 0;
    ES_GUARD(session_open(&s, &slot_id, &ti, m, token, pin));
    es_result r = mechanism_ok(m, slot_id, alg == ESEAL_ALG_P256 ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN,
                               alg == ESEAL_ALG_P256 ? "P-256" : "RSA", token);
    es_p11_uri made;
    memset(&made, 0, sizeof(made));
    snprintf(made.token, sizeof(made.token), "%s", ti.label);
    snprintf(made.serial, sizeof(made.serial), "%s", ti.serial);
    if (es_ok(r)) {
        r = gen_in_session(&made, m, s, alg, label);
    }
    m->fl->C_CloseSession(s);
    if (es_ok(r)) {
        r = es_p11_uri_format(uri_out, &made);
    }
    return r;
}

ES_RESULT es_p11_token_check(const char *module, const char *token, const es_p11_pin *pin)
{
    ES_ENSURE_ARG(token != NULL);
    pthread_mutex_lock(&p11_lock);
    p11_module *m = NULL;
    es_result r = module_get(&m, module);
    token_info ti;
    CK_SLOT_ID slot_id = 0;
    CK_SESSION_HANDLE s = 0;
    if (es_ok(r)) {
        r = session_open(&s, &slot_id, &ti, m, token, pin);
    }
    if (es_ok(r)) {
        r = mechanism_ok(m, slot_id, CKM_EC_KEY_PAIR_GEN, "P-256", token);
    }
    if (es_ok(r)) {
        r = mechanism_ok(m, slot_id, CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA", token);
    }
    if (s != 0) {
        m->fl->C_CloseSession(s);
    }
    pthread_mutex_unlock(&p11_lock);
    return r;
}

ES_RESULT es_p11_key_generate(es_buf *uri_out, const char *module, const char *token, eseal_key_alg alg,
                              const char *label, const es_p11_pin *pin)
{
    ES_ENSURE_ARG(uri_out != NULL && token != NULL && label != NULL);
    pthread_mutex_lock(&p11_lock);
    es_result r = generate_locked(uri_out, module, token, alg, label, pin);
    pthread_mutex_unlock(&p11_lock);
    return r;
}
