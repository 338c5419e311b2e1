/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys in SKF devices (GM/T 0016-2012): Chinese USB keys and seal chips that speak SKF rather than
 * PKCS#11 for SM2 (issue 23 §2). A vendor's module is loaded with dlopen and its functions found
 * with dlsym (skf.h declares them from the standard); a key ref "skf:dev=...;app=...;con=..." names
 * the device, application and container.
 *
 * What a module answers is not trusted further than it must be: name lists are walked inside the
 * size the module gave and at most ES_SKF_LIST_NAMES names; fixed-size text fields (DEVINFO) are
 * read up to their size; the public key blob must be a 256-bit point in the SM2 field's layout; a
 * signature is turned into DER only when its 64-byte fields hold 32-byte values, and is checked
 * with OpenSSL's SM2 verification against the key read when the device was opened before it is
 * returned: a faulty device must not make a bad seal.
 *
 * SKF devices sign a digest: GM/T 0016-2012 §7.6.13 leaves the SM2 preprocessing to the caller,
 * so Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) and e = SM3(Z || M) (GM/T 0009-2012 §8,
 * GM/T 0003.2-2012 §6.1, ID 1234567812345678) are computed here, from the public key the device
 * exported.
 *
 * One key is one set of handles (device, application, container) used by one caller at a time:
 * a mutex serialises the calls into the module, which the standard does not say are thread-safe.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "ossl.h"
#include "skf.h"

_Atomic size_t es_skf_bad_signatures = 0;

/* ---- the key ref ------------------------------------------------------------------------------ */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A byte that may stand for itself in a value: printable ASCII but the separators, the escape and
 * the characters RFC 3986 reserves for a URI's query and fragment; bytes of UTF-8 (or a vendor's
 * GBK) names pass. A space, a control byte, ';' or '=' inside a name is written %XX. */
static bool value_byte_ok(unsigned char c)
{
    if (c >= 0x80) {
        return true;
    }
    return c > 0x20 && c < 0x7F && c != ';' && c != '=' && c != '%' && c != '?' && c != '#';
}

/* Decodes text[from, to) into dst (cap ES_SKF_NAME_MAX + 1): percent-escapes, no NUL. */
static ES_RESULT ref_value(char *dst, const char *text, size_t from, size_t to, const char *name)
{
    ES_ENSURE(to > from, ESEAL_EMALFORMED, "skf key ref: %s has an empty value (offset %zu)", name, from);
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '%') {
            ES_ENSURE(to - i > 2, ESEAL_EMALFORMED, "skf key ref: a '%%' without two hex digits at offset %zu", i);
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            ES_ENSURE(hi >= 0 && lo >= 0, ESEAL_EMALFORMED, "skf key ref: a '%%' without two hex digits at offset %zu",
                      i);
            c = (unsigned char)(hi * 16 + lo);
            ES_ENSURE(c != 0, ESEAL_EMALFORMED, "skf key ref: %%00 at offset %zu (names are C strings)", i);
            i += 2;
        } else {
            ES_ENSURE(value_byte_ok(c), ESEAL_EMALFORMED,
                      "skf key ref: byte 0x%02x at offset %zu must be percent-encoded", (unsigned)c, i);
        }
        ES_ENSURE(n < ES_SKF_NAME_MAX, ESEAL_ELIMIT, "skf key ref: %s is longer than %d bytes", name,
                  ES_SKF_NAME_MAX);
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
    return ES_OK;
}

ES_RESULT es_skf_ref_parse(es_skf_ref *out, const char *text, size_t len)
{
    ES_ENSURE_ARG(out != NULL && (text != NULL || len == 0));
    memset(out, 0, sizeof(*out));
    ES_ENSURE(len <= ES_SKF_REF_MAX, ESEAL_ELIMIT, "skf key ref: %zu bytes, more than %d", len, ES_SKF_REF_MAX);
    /* The scheme is case-insensitive (RFC 3986 §3.1), the attribute names are not (RFC 7512 §2.3). */
    bool scheme = len >= 4 && (text[0] | 0x20) == 's' && (text[1] | 0x20) == 'k' && (text[2] | 0x20) == 'f' &&
                  text[3] == ':';
    ES_ENSURE(scheme, ESEAL_EMALFORMED,
              "skf key ref: does not start with \"skf:\"");
    bool seen[3] = {false, false, false};
    size_t i = 4;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != ';') {
            end++;
        }
        size_t eq = i;
        while (eq < end && text[eq] != '=') {
            eq++;
        }
        ES_ENSURE(eq < end, ESEAL_EMALFORMED, "skf key ref: attribute at offset %zu has no '='", i);
        size_t nlen = eq - i;
        int which = -1;
        if (nlen == 3 && memcmp(text + i, "dev", 3) == 0) {
            which = 0;
        } else if (nlen == 3 && memcmp(text + i, "app", 3) == 0) {
            which = 1;
        } else if (nlen == 3 && memcmp(text + i, "con", 3) == 0) {
            which = 2;
        }
        ES_ENSURE(which >= 0, ESEAL_EMALFORMED, "skf key ref: unknown attribute at offset %zu (dev, app, con)", i);
        static const char *const names[3] = {"dev", "app", "con"};
        ES_ENSURE(!seen[which], ESEAL_EMALFORMED, "skf key ref: %s given twice (offset %zu)", names[which], i);
        seen[which] = true;
        char *dst = which == 0 ? out->dev : which == 1 ? out->app : out->con;
        ES_GUARD(ref_value(dst, text, eq + 1, end, names[which]));
        if (end == len) {
            break;
        }
        i = end + 1;
        ES_ENSURE(i < len, ESEAL_EMALFORMED, "skf key ref: ends with ';'");
    }
    ES_ENSURE(seen[2], ESEAL_EMALFORMED, "skf key ref: no con= (the container of the key)");
    return ES_OK;
}

/* ---- the module ------------------------------------------------------------------------------- */

#define ES_SKF_FNS(X)                                                                                        \
    X(SKF_EnumDev)                                                                                           \
    X(SKF_ConnectDev)                                                                                        \
    X(SKF_DisConnectDev)                                                                                     \
    X(SKF_GetDevInfo)                                                                                        \
    X(SKF_VerifyPIN)                                                                                         \
    X(SKF_EnumApplication)                                                                                   \
    X(SKF_OpenApplication)                                                                                   \
    X(SKF_CloseApplication)                                                                                  \
    X(SKF_EnumContainer)                                                                                     \
    X(SKF_OpenContainer)                                                                                     \
    X(SKF_CloseContainer)                                                                                    \
    X(SKF_ExportCertificate)                                                                                 \
    X(SKF_ExportPublicKey)                                                                                   \
    X(SKF_ECCSignData)

typedef struct {
#define ES_SKF_FIELD(name) name##_fn name;
    ES_SKF_FNS(ES_SKF_FIELD)
#undef ES_SKF_FIELD
    SKF_CreateContainer_fn SKF_CreateContainer; /* optional: key generation only */
    SKF_GenECCKeyPair_fn SKF_GenECCKeyPair;
} skf_fns;

typedef struct {
    void *dl;
    skf_fns f;
    pthread_mutex_t lock;
    bool lock_made;
    DEVHANDLE dev;
    HAPPLICATION app;
    HCONTAINER con;
    es_skf_ref names;    /* the names found (dev and app filled in when the ref left them out) */
    char ref[ES_SKF_REF_MAX + 1];
    EVP_PKEY *pub;       /* the signing key as the device exported it when opened */
    es_buf spki;         /* its DER, for Z */
    es_buf cert;         /* the container's signing certificate (DER), empty when it holds none */
} skf_key;

static const struct {
    SKF_ULONG code;
    const char *name;
} sar_names[] = {
    {SAR_FAIL, "SAR_FAIL"},
    {SAR_UNKNOWNERR, "SAR_UNKNOWNERR"},
    {SAR_NOTSUPPORTYETERR, "SAR_NOTSUPPORTYETERR"},
    {SAR_INVALIDHANDLEERR, "SAR_INVALIDHANDLEERR"},
    {SAR_INVALIDPARAMERR, "SAR_INVALIDPARAMERR"},
    {SAR_NAMELENERR, "SAR_NAMELENERR"},
    {SAR_MEMORYERR, "SAR_MEMORYERR"},
    {SAR_INDATALENERR, "SAR_INDATALENERR"},
    {SAR_INDATAERR, "SAR_INDATAERR"},
    {SAR_KEYNOTFOUNTERR, "SAR_KEYNOTFOUNTERR"},
    {SAR_CERTNOTFOUNTERR, "SAR_CERTNOTFOUNTERR"},
    {SAR_BUFFER_TOO_SMALL, "SAR_BUFFER_TOO_SMALL"},
    {SAR_DEVICE_REMOVED, "SAR_DEVICE_REMOVED"},
    {SAR_PIN_INCORRECT, "SAR_PIN_INCORRECT"},
    {SAR_PIN_LOCKED, "SAR_PIN_LOCKED"},
    {SAR_PIN_INVALID, "SAR_PIN_INVALID"},
    {SAR_PIN_LEN_RANGE, "SAR_PIN_LEN_RANGE"},
    {SAR_USER_NOT_LOGGED_IN, "SAR_USER_NOT_LOGGED_IN"},
    {SAR_APPLICATION_NOT_EXISTS, "SAR_APPLICATION_NOT_EXISTS"},
    {SAR_FILE_NOT_EXIST, "SAR_FILE_NOT_EXIST"},
};

static const char *sar_name(SKF_ULONG code)
{
    for (size_t i = 0; i < sizeof(sar_names) / sizeof(sar_names[0]); i++) {
        if (sar_names[i].code == code) {
            return sar_names[i].name;
        }
    }
    return "an error";
}

/* A failed call: the most specific code for what it means to the caller. A removed device is
 * ESEAL_EIO (never ENOTFOUND: eseal_key_hardware_info keeps that for keys held in software). */
static es_result sar_fail(SKF_ULONG rv, const char *file, int line, const char *call, const char *what)
{
    int code = rv == SAR_DEVICE_REMOVED ? ESEAL_EIO : rv == SAR_MEMORYERR ? ESEAL_ENOMEM : ESEAL_ECRYPTO;
    if (rv == SAR_DEVICE_REMOVED) {
        return es_error_set(code, file, line, "skf: device %s was removed (%s answered SAR_DEVICE_REMOVED)", what, call);
    }
    return es_error_set(code, file, line, "skf: %s for %s answered %s (0x%08x)", call, what, sar_name(rv),
                        (unsigned)rv);
}
#define ES_GUARD_SAR(call, what)                                                                             \
    do {                                                                                                     \
        SKF_ULONG es_rv_ = (call);                                                                           \
        if (es_rv_ != SAR_OK) {                                                                              \
            return sar_fail(es_rv_, __FILE__, __LINE__, #call, (what));                                      \
        }                                                                                                    \
    } while (0)

static ES_RESULT load_module(skf_key *k, const char *path)
{
    /* RTLD_NODELETE: a vendor module may start threads (device monitors) that must outlive our
     * dlclose; the handle is still counted, the code stays mapped. */
    k->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (k->dl == NULL) {
        const char *e = dlerror();
        ES_BAIL(ESEAL_EUNSUPPORTED, "skf: cannot load the SKF module %s: %s", path, e != NULL ? e : "not found");
    }
    void *p = NULL; /* dlsym's object pointer into each function pointer: POSIX guarantees the conversion */
#define ES_SKF_SYM(name)                                                                                     \
    p = dlsym(k->dl, #name);                                                                                 \
    ES_ENSURE(p != NULL, ESEAL_EUNSUPPORTED, "skf: the module %s has no %s (GM/T 0016-2012)", path, #name);    \
    memcpy(&k->f.name, &p, sizeof(p));
    ES_SKF_FNS(ES_SKF_SYM)
#undef ES_SKF_SYM
    p = dlsym(k->dl, "SKF_CreateContainer");
    memcpy(&k->f.SKF_CreateContainer, &p, sizeof(p));
    p = dlsym(k->dl, "SKF_GenECCKeyPair");
    memcpy(&k->f.SKF_GenECCKeyPair, &p, sizeof(p));
    return ES_OK;
}

/*
 * Finds `want` in a name list a module answered, or, when `want` is empty, takes the only name
 * there is. The list is walked within the size the module answered (a list without its final empty
 * name ends there), at most ES_SKF_LIST_NAMES names.
 */
static ES_RESULT pick_name(char *want, const es_buf *list, const char *what, const char *where)
{
    const char *p = (const char *)list->ptr;
    size_t n = list->len, at = 0, count = 0;
    const char *only = NULL;
    size_t only_len = 0;
    bool found = false;
    ES_AUTO(es_buf_freep) es_buf names = ES_BUF_INIT(ES_LINE_MAX / 2);
    while (at < n && p[at] != '\0' && count < ES_SKF_LIST_NAMES) {
        size_t len = strnlen(p + at, n - at);
        ES_ENSURE(at + len < n, ESEAL_EMALFORMED, "skf: the %s list of %s has a name without its NUL", what, where);
        if (want[0] != '\0' && len == strlen(want) && memcmp(p + at, want, len) == 0) {
            found = true;
        }
        if (count == 0) {
            only = p + at;
            only_len = len;
        }
        /* For the message: the names there are, as far as they fit (a full buffer is no error here). */
        if (names.len + len + 3 < names.max) {
            ES_GUARD(es_buf_printf(&names, "%s%.*s", count > 0 ? ", " : "", (int)len, p + at));
        }
        count++;
        at += len + 1;
    }
    if (want[0] != '\0') {
        ES_ENSURE(found, ESEAL_ENOTFOUND, "skf: no %s named \"%s\" in %s (there: %s)", what, want, where,
                  count > 0 ? es_buf_cstr(&names) : "none");
        return ES_OK;
    }
    ES_ENSURE(count > 0, ESEAL_ENOTFOUND, "skf: no %s in %s", what, where);
    ES_ENSURE(count == 1, ESEAL_EAMBIGUOUS, "skf: %zu %ss in %s: name one in the key ref", count, what, where);
    ES_ENSURE(only_len <= ES_SKF_NAME_MAX, ESEAL_ELIMIT, "skf: the %s name in %s is longer than %d bytes", what,
              where, ES_SKF_NAME_MAX);
    memcpy(want, only, only_len);
    want[only_len] = '\0';
    return ES_OK;
}

/* After the sizing call (rv, *size): room for `size` bytes and two NULs, zeroed, within ES_SKF_LIST_MAX. */
static ES_RESULT read_list(es_buf *out, SKF_ULONG rv, SKF_ULONG size, const char *call, const char *where)
{
    if (rv != SAR_OK) {
        return sar_fail(rv, __FILE__, __LINE__, call, where);
    }
    ES_ENSURE(size <= ES_SKF_LIST_MAX, ESEAL_ELIMIT, "skf: %s for %s answered a list of %u bytes (at most %d)", call,
              where, (unsigned)size, ES_SKF_LIST_MAX);
    ES_GUARD(es_buf_reserve(out, (size_t)size + 2));
    memset(out->ptr, 0, (size_t)size + 2);
    return ES_OK;
}

/* After the filling call: the list is what the module says it wrote, never more than it was given. */
static ES_RESULT list_filled(es_buf *list, SKF_ULONG rv, SKF_ULONG got, SKF_ULONG size, const char *call,
                             const char *where)
{
    if (rv != SAR_OK) {
        return sar_fail(rv, __FILE__, __LINE__, call, where);
    }
    list->len = got < size ? got : size;
    return ES_OK;
}

static ES_RESULT find_device(skf_key *k)
{
    /* Two calls, the size first (§7.1.4); each answer read after its call returned. */
    SKF_ULONG size = 0;
    ES_AUTO(es_buf_freep) es_buf list = ES_BUF_INIT(ES_SKF_LIST_MAX + 2);
    SKF_ULONG rv = k->f.SKF_EnumDev(SKF_TRUE, NULL, &size);
    ES_GUARD(read_list(&list, rv, size, "SKF_EnumDev", "the module"));
    SKF_ULONG got = size;
    rv = k->f.SKF_EnumDev(SKF_TRUE, (SKF_LPSTR)list.ptr, &got);
    ES_GUARD(list_filled(&list, rv, got, size, "SKF_EnumDev", "the module"));
    return pick_name(k->names.dev, &list, "device", "the module");
}

static ES_RESULT find_application(skf_key *k)
{
    SKF_ULONG size = 0;
    ES_AUTO(es_buf_freep) es_buf list = ES_BUF_INIT(ES_SKF_LIST_MAX + 2);
    SKF_ULONG rv = k->f.SKF_EnumApplication(k->dev, NULL, &size);
    ES_GUARD(read_list(&list, rv, size, "SKF_EnumApplication", k->names.dev));
    SKF_ULONG got = size;
    rv = k->f.SKF_EnumApplication(k->dev, (SKF_LPSTR)list.ptr, &got);
    ES_GUARD(list_filled(&list, rv, got, size, "SKF_EnumApplication", k->names.dev));
    return pick_name(k->names.app, &list, "application", k->names.dev);
}

static ES_RESULT find_container(skf_key *k, bool absent)
{
    SKF_ULONG size = 0;
    ES_AUTO(es_buf_freep) es_buf list = ES_BUF_INIT(ES_SKF_LIST_MAX + 2);
    SKF_ULONG rv = k->f.SKF_EnumContainer(k->app, NULL, &size);
    ES_GUARD(read_list(&list, rv, size, "SKF_EnumContainer", k->names.app));
    SKF_ULONG got = size;
    rv = k->f.SKF_EnumContainer(k->app, (SKF_LPSTR)list.ptr, &got);
    ES_GUARD(list_filled(&list, rv, got, size, "SKF_EnumContainer", k->names.app));
    if (absent) {
        es_result r = pick_name(k->names.con, &list, "container", k->names.app);
        if (es_code(r) != ESEAL_ENOTFOUND) {
            ES_GUARD(r);
            ES_BAIL(ESEAL_EEXISTS, "skf: container %s already exists in %s: a new key goes into a new container",
                    k->names.con, k->names.app);
        }
        eseal_error_clear();
        return ES_OK;
    }
    return pick_name(k->names.con, &list, "container", k->names.app);
}

static ES_RESULT verify_pin(skf_key *k, const char *pin, size_t pin_len)
{
    ES_ENSURE(pin != NULL && pin_len > 0, ESEAL_EPASS, "skf: a PIN is needed for device %s", k->names.dev);
    ES_ENSURE(pin_len <= ES_SKF_PIN_MAX, ESEAL_ELIMIT, "skf: a PIN of %zu bytes (at most %d)", pin_len, ES_SKF_PIN_MAX);
    ES_ENSURE(memchr(pin, '\0', pin_len) == NULL, ESEAL_EPASS, "skf: the PIN holds a NUL byte");
    char z[ES_SKF_PIN_MAX + 1];
    memcpy(z, pin, pin_len);
    z[pin_len] = '\0';
    SKF_ULONG retries = 0;
    SKF_ULONG rv = k->f.SKF_VerifyPIN(k->app, SKF_USER_TYPE, z, &retries);
    OPENSSL_cleanse(z, sizeof(z));
    if (rv == SAR_PIN_LOCKED || (rv == SAR_PIN_INCORRECT && retries == 0)) {
        ES_BAIL(ESEAL_ERATE, "skf: the user PIN of device %s is locked (no tries left): unblock it with the "
                "administrator PIN", k->names.dev);
    }
    if (rv == SAR_PIN_INCORRECT) {
        ES_BAIL(ESEAL_EPASS, "skf: wrong PIN for device %s: %u %s left before it locks", k->names.dev,
                (unsigned)retries, retries == 1 ? "try" : "tries");
    }
    if (rv == SAR_PIN_INVALID || rv == SAR_PIN_LEN_RANGE) {
        ES_BAIL(ESEAL_EPASS, "skf: device %s refused the PIN (%s)", k->names.dev, sar_name(rv));
    }
    ES_GUARD_SAR(rv, k->names.dev);
    return ES_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

/* The SM2 public key of an ECCPUBLICKEYBLOB (§6.4.5: 256-bit coordinates right-aligned). */
static ES_RESULT blob_to_pkey(EVP_PKEY **out, const ECCPUBLICKEYBLOB *b, const char *where)
{
    ES_ENSURE(b->BitLen == 256, ESEAL_EUNSUPPORTED, "skf: the key in %s has %u bits: SM2's are 256", where,
              (unsigned)b->BitLen);
    const size_t pad = SKF_ECC_MAX_BYTES - SKF_SM2_BYTES;
    ES_ENSURE(all_zero(b->XCoordinate, pad) && all_zero(b->YCoordinate, pad), ESEAL_EMALFORMED,
              "skf: the public key blob of %s is not 256-bit values right-aligned in 64 bytes", where);
    uint8_t point[1 + 2 * SKF_SM2_BYTES];
    point[0] = 0x04;
    memcpy(point + 1, b->XCoordinate + pad, SKF_SM2_BYTES);
    memcpy(point + 1 + SKF_SM2_BYTES, b->YCoordinate + pad, SKF_SM2_BYTES);
    char group[] = "SM2";
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
        OSSL_PARAM_END,
    };
    ES_AUTO(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    ES_ENSURE_OSSL(pc != NULL, ESEAL_ECRYPTO, "skf: making an SM2 key");
    ES_GUARD_OSSL(EVP_PKEY_fromdata_init(pc), "skf: making an SM2 key");
    EVP_PKEY *pk = NULL;
    ES_ENSURE_OSSL(EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1 && pk != NULL, ESEAL_EMALFORMED,
                   "skf: the public key blob is not a point of the SM2 curve");
    /* fromdata does not check the point is on the curve: a public check does. */
    ES_AUTO(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (chk == NULL || EVP_PKEY_public_check(chk) != 1) {
        EVP_PKEY_free(pk);
        return es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "skf: the public key blob is not on the SM2 curve");
    }
    *out = pk;
    return ES_OK;
}

static ES_RESULT read_public_key(skf_key *k)
{
    ECCPUBLICKEYBLOB blob;
    memset(&blob, 0, sizeof(blob));
    SKF_ULONG len = sizeof(blob);
    ES_GUARD_SAR(k->f.SKF_ExportPublicKey(k->con, SKF_TRUE, (SKF_BYTE *)&blob, &len), k->names.con);
    ES_ENSURE(len == sizeof(blob), ESEAL_EUNSUPPORTED,
              "skf: the signing public key of container %s is %u bytes, not an ECCPUBLICKEYBLOB (SM2 only)",
              k->names.con, (unsigned)len);
    ES_GUARD(blob_to_pkey(&k->pub, &blob, k->names.con));
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pub, &der);
    return es_take_der(&k->spki, der, n, "skf: encoding the public key");
}

/* The container's signing certificate, when it holds one: it must certify the key read. */
static ES_RESULT read_certificate(skf_key *k)
{
    SKF_ULONG len = 0;
    SKF_ULONG rv = k->f.SKF_ExportCertificate(k->con, SKF_TRUE, NULL, &len);
    if (rv == SAR_CERTNOTFOUNTERR || rv == SAR_FILE_NOT_EXIST || (rv == SAR_OK && len == 0)) {
        return ES_OK; /* a key without a certificate yet: `eseal cert issue --key skf:...` makes one */
    }
    ES_GUARD_SAR(rv, k->names.con);
    ES_ENSURE(len <= ES_SKF_CERT_MAX, ESEAL_ELIMIT, "skf: the certificate of container %s is %u bytes (at most %d)",
              k->names.con, (unsigned)len, ES_SKF_CERT_MAX);
    ES_GUARD(es_buf_reserve(&k->cert, len));
    SKF_ULONG got = len;
    ES_GUARD_SAR(k->f.SKF_ExportCertificate(k->con, SKF_TRUE, k->cert.ptr, &got), k->names.con);
    ES_ENSURE(got <= len, ESEAL_EMALFORMED, "skf: SKF_ExportCertificate wrote more than it said");
    k->cert.len = got;
    k->cert.ptr[got] = '\0'; /* es_buf's terminator, after what the module wrote */
    const unsigned char *p = k->cert.ptr;
    ES_AUTO(X509_freep) X509 *x = d2i_X509(NULL, &p, (long)got);
    if (x == NULL || p != k->cert.ptr + got) {
        return es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__,
                             "skf: the signing certificate of the container is not one DER certificate");
    }
    EVP_PKEY *cpub = X509_get0_pubkey(x);
    ES_ENSURE(cpub != NULL && EVP_PKEY_eq(cpub, k->pub) == 1, ESEAL_EVERIFY,
              "skf: the signing certificate of container %s does not hold the container's signing key", k->names.con);
    return ES_OK;
}

/* ---- the backend ------------------------------------------------------------------------------ */

static void skf_free(void *ctx)
{
    skf_key *k = ctx;
    if (k == NULL) {
        return;
    }
    /* Close what was opened, innermost first; a removed device's answers do not matter now. */
    if (k->con != NULL) {
        (void)k->f.SKF_CloseContainer(k->con);
    }
    if (k->app != NULL) {
        (void)k->f.SKF_CloseApplication(k->app);
    }
    if (k->dev != NULL) {
        (void)k->f.SKF_DisConnectDev(k->dev);
    }
    if (k->dl != NULL) {
        (void)dlclose(k->dl);
    }
    if (k->lock_made) {
        (void)pthread_mutex_destroy(&k->lock);
    }
    EVP_PKEY_free(k->pub);
    es_buf_free(&k->spki);
    es_buf_free(&k->cert);
    es_free(k);
}

/* e = SM3(Z || M), signed by the device, r and s into DER, checked: the signature or an error. */
static ES_RESULT skf_sign_locked(es_buf *out, skf_key *k, es_span data)
{
    uint8_t z[32];
    ES_GUARD(es_sm2_z(z, es_buf_span(&k->spki)));
    ES_AUTO(EVP_MD_CTX_freep) EVP_MD_CTX *m = EVP_MD_CTX_new();
    ES_ENSURE_ALLOC(m);
    uint8_t e[32];
    unsigned int elen = 0;
    ES_GUARD_OSSL(EVP_DigestInit_ex(m, EVP_sm3(), NULL), "SM3");
    ES_GUARD_OSSL(EVP_DigestUpdate(m, z, sizeof(z)), "SM3");
    ES_GUARD_OSSL(EVP_DigestUpdate(m, data.ptr, data.len), "SM3");
    ES_GUARD_OSSL(EVP_DigestFinal_ex(m, e, &elen), "SM3");
    ECCSIGNATUREBLOB sig;
    memset(&sig, 0, sizeof(sig));
    ES_GUARD_SAR(k->f.SKF_ECCSignData(k->con, e, (SKF_ULONG)elen, &sig), k->names.dev);
    const size_t pad = SKF_ECC_MAX_BYTES - SKF_SM2_BYTES;
    if (!all_zero(sig.r, pad) || !all_zero(sig.s, pad)) {
        es_skf_bad_signatures++;
        ES_BAIL(ESEAL_EVERIFY, "skf: device %s answered a signature whose r or s is longer than 256 bits: refused",
                k->names.dev);
    }
    ES_AUTO(BN_freep) BIGNUM *r = BN_bin2bn(sig.r + pad, SKF_SM2_BYTES, NULL);
    ES_AUTO(BN_freep) BIGNUM *s = BN_bin2bn(sig.s + pad, SKF_SM2_BYTES, NULL);
    ES_ENSURE_ALLOC(r);
    ES_ENSURE_ALLOC(s);
    ECDSA_SIG *es = ECDSA_SIG_new();
    ES_ENSURE_ALLOC(es);
    if (ECDSA_SIG_set0(es, r, s) != 1) {
        ECDSA_SIG_free(es);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    r = NULL; /* owned by es now */
    s = NULL;
    unsigned char *der = NULL;
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    ES_GUARD(es_take_der(out, der, n, "skf: encoding an SM2 signature"));
    /* The software check, with the key read when the device was opened: a device that signs with
     * another key, or badly, is caught here rather than in a verifier's report. */
    int valid = 0;
    ES_GUARD(es_verify_pkey(&valid, k->pub, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, NULL, data, es_buf_span(out)));
    if (!valid) {
        es_skf_bad_signatures++;
        ES_BAIL(ESEAL_EVERIFY, "skf: device %s answered a signature that does not verify with its key: refused",
                k->names.dev);
    }
    return ES_OK;
}

static int skf_sign(void *ctx, eseal_buf *out, eseal_hash hash, eseal_sig_scheme scheme, const uint8_t *data,
                    size_t len)
{
    skf_key *k = ctx;
    (void)scheme; /* SM2 has no padding choice */
    if (hash != ESEAL_HASH_SM3 && hash != ESEAL_HASH_DEFAULT) {
        ES_BAIL_INT(ESEAL_EUNSUPPORTED, "skf: SM2 keys sign with SM3 only, not %s", eseal_hash_name(hash));
    }
    es_buf b = ES_BUF_INIT(ES_SIG_MAX);
    (void)pthread_mutex_lock(&k->lock);
    es_result r = skf_sign_locked(&b, k, es_span_of(data, len));
    (void)pthread_mutex_unlock(&k->lock);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

static int skf_public_der(void *ctx, eseal_buf *out)
{
    skf_key *k = ctx;
    es_buf b = ES_BUF_INIT(ES_SPKI_DER_MAX);
    es_result r = es_buf_append(&b, k->spki.ptr, k->spki.len);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

/* A fixed-size text field of DEVINFO (not necessarily NUL-terminated) into dst, trailing spaces off. */
static void field_copy(char *dst, size_t cap, const char *src, size_t n)
{
    size_t len = strnlen(src, n);
    while (len > 0 && (src[len - 1] == ' ' || src[len - 1] == '\0')) {
        len--;
    }
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int skf_hardware(void *ctx, eseal_key_hardware *out)
{
    skf_key *k = ctx;
    DEVINFO info;
    memset(&info, 0, sizeof(info));
    (void)pthread_mutex_lock(&k->lock);
    SKF_ULONG rv = k->f.SKF_GetDevInfo(k->dev, &info);
    (void)pthread_mutex_unlock(&k->lock);
    if (rv != SAR_OK) {
        return es_code(sar_fail(rv, __FILE__, __LINE__, "SKF_GetDevInfo", k->names.dev));
    }
    (void)snprintf(out->kind, sizeof(out->kind), "skf");
    field_copy(out->serial, sizeof(out->serial), info.SerialNumber, sizeof(info.SerialNumber));
    field_copy(out->label, sizeof(out->label), info.Label, sizeof(info.Label));
    field_copy(out->maker, sizeof(out->maker), info.Manufacturer, sizeof(info.Manufacturer));
    (void)snprintf(out->key_id, sizeof(out->key_id), "%s", k->ref);
    if (out->serial[0] == '\0') {
        ES_BAIL_INT(ESEAL_EUNSUPPORTED, "skf: device %s reports no serial number: it cannot bind a seal",
                    k->names.dev);
    }
    return ESEAL_OK;
}

static const eseal_key_backend skf_backend = {.version = ESEAL_KEY_BACKEND_VERSION,
                                              .name = "skf",
                                              .sign = skf_sign,
                                              .public_der = skf_public_der,
                                              .free = skf_free,
                                              .openssl_pkey = NULL,
                                              .hardware = skf_hardware};

static ES_RESULT generate_pair(skf_key *k)
{
    ES_ENSURE(k->f.SKF_CreateContainer != NULL && k->f.SKF_GenECCKeyPair != NULL, ESEAL_EUNSUPPORTED,
              "skf: the module has no SKF_CreateContainer or SKF_GenECCKeyPair: it cannot make keys");
    ES_GUARD_SAR(k->f.SKF_CreateContainer(k->app, k->names.con, &k->con), k->names.con);
    ECCPUBLICKEYBLOB blob;
    memset(&blob, 0, sizeof(blob));
    ES_GUARD_SAR(k->f.SKF_GenECCKeyPair(k->con, SKF_SGD_SM2_1, &blob), k->names.con);
    /* What generation answered and what the container exports are the same key. */
    EVP_PKEY *made = NULL;
    ES_GUARD(blob_to_pkey(&made, &blob, k->names.con));
    ES_GUARD(read_public_key(k));
    bool same = EVP_PKEY_eq(made, k->pub) == 1;
    EVP_PKEY_free(made);
    ES_ENSURE(same, ESEAL_EVERIFY, "skf: container %s exports another key than the one it made", k->names.con);
    return ES_OK;
}

static ES_RESULT skf_open(skf_key *k, const char *module_path, const char *ref, const char *pin, size_t pin_len,
                          bool generate)
{
    size_t rlen = strnlen(ref, ES_SKF_REF_MAX + 1);
    ES_GUARD(es_skf_ref_parse(&k->names, ref, rlen));
    memcpy(k->ref, ref, rlen);
    k->ref[rlen] = '\0';
    ES_GUARD(load_module(k, module_path));
    ES_GUARD(find_device(k));
    ES_GUARD_SAR(k->f.SKF_ConnectDev(k->names.dev, &k->dev), k->names.dev);
    ES_GUARD(find_application(k));
    ES_GUARD_SAR(k->f.SKF_OpenApplication(k->dev, k->names.app, &k->app), k->names.app);
    ES_GUARD(verify_pin(k, pin, pin_len));
    if (generate) {
        ES_GUARD(find_container(k, true));
        return generate_pair(k);
    }
    ES_GUARD(find_container(k, false));
    ES_GUARD_SAR(k->f.SKF_OpenContainer(k->app, k->names.con, &k->con), k->names.con);
    ES_GUARD(read_public_key(k));
    ES_GUARD(read_certificate(k));
    return ES_OK;
}

static ES_RESULT key_open(eseal_key **out, const char *module_path, const char *ref, const char *pin, size_t pin_len,
                          bool generate)
{
    ES_ENSURE_ARG(out != NULL && module_path != NULL && ref != NULL);
    *out = NULL;
    skf_key *k = es_calloc(1, sizeof(*k));
    ES_ENSURE_ALLOC(k);
    k->spki = (es_buf)ES_BUF_INIT(ES_SPKI_DER_MAX);
    k->cert = (es_buf)ES_BUF_INIT(ES_SKF_CERT_MAX);
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        es_free(k);
        ES_BAIL(ESEAL_ENOMEM, "skf: cannot make a mutex");
    }
    k->lock_made = true;
    es_result r = skf_open(k, module_path, ref, pin, pin_len, generate);
    if (!es_ok(r)) {
        skf_free(k);
        return r;
    }
    char label[ES_SKF_REF_MAX + 1];
    (void)snprintf(label, sizeof(label), "%s", k->ref);
    int rc = eseal_key_from_backend(out, &skf_backend, k, label);
    if (rc != ESEAL_OK) {
        skf_free(k);
        return es_from_code(rc);
    }
    return ES_OK;
}

ES_RESULT es_skf_key_open(eseal_key **out, const char *module_path, const char *ref, const char *pin,
                          size_t pin_len)
{
    return key_open(out, module_path, ref, pin, pin_len, false);
}

ES_RESULT es_skf_key_generate(eseal_key **out, const char *module_path, const char *ref, const char *pin,
                              size_t pin_len)
{
    return key_open(out, module_path, ref, pin, pin_len, true);
}

ES_RESULT es_skf_key_cert(es_buf *out, const eseal_key *key)
{
    ES_ENSURE_ARG(out != NULL && key != NULL);
    ES_ENSURE(key->backend == &skf_backend, ESEAL_EINVAL, "key %s is not held in an SKF device", key->label);
    const skf_key *k = key->ctx;
    ES_ENSURE(k->cert.len > 0, ESEAL_ENOTFOUND, "skf: container %s holds no signing certificate", k->names.con);
    return es_buf_append(out, k->cert.ptr, k->cert.len);
}
