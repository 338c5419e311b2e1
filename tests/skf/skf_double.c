/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libeseal_skf_double.so: a TEST DOUBLE of a GM/T 0016-2012 (SKF) module, for eseal's tests only.
 * It is not a security device: its keys are plain PEM files in a folder. It implements the SKF
 * functions eseal calls (src/crypto/skf.h) over OpenSSL SM2 keys so that the SKF backend
 * (src/crypto/skf.c) can be tested end to end without hardware; the same tests run against a real
 * vendor module when ESEAL_TEST_SKF_MODULE is set (docs/skf.md).
 *
 * The device is the folder named by ESEAL_SKF_DOUBLE_DIR (tests/skf/skf_double_setup.sh makes one):
 *   device             lines name=, serial=, label=, maker=, app= (one device, one application)
 *   pin                the user PIN
 *   retries            tries left (decremented by a wrong PIN, reset to max_retries by a right one;
 *                      0: locked, SAR_PIN_LOCKED)
 *   max_retries        the reset value (6 when absent)
 *   removed            when present, every call fails with SAR_DEVICE_REMOVED (the device pulled out)
 *   faulty             when present, SKF_ECCSignData answers a signature with one bit flipped
 *   containers/C/key.pem   container C's signing key (an unencrypted PKCS#8 SM2 key)
 *   containers/C/cert.der  its certificate (optional: SAR_CERTNOTFOUNTERR without)
 *   (SKF_CreateContainer and SKF_GenECCKeyPair add a container with a new key: eseal's key generation)
 *   sign_count         incremented by each SKF_ECCSignData (tests count device signatures)
 *   hostile            one word: the double misbehaves as a broken or hostile module might, to test
 *                      that eseal reads its answers within bounds: list_huge (EnumDev answers a 2 GiB
 *                      list), list_no_nul (EnumContainer's last name has no NUL), blob_bits (a 512-bit
 *                      public key), blob_off_curve (a point not on the curve), sig_wide (r with
 *                      non-zero bytes left of its 32)
 * State is read from the folder on every call, so a test changes the device between calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/skf.h"

#define EXPORT __attribute__((visibility("default")))

#define DOUBLE_MAGIC_DEV 0x5346444Bu
#define DOUBLE_MAGIC_APP 0x53464441u
#define DOUBLE_MAGIC_CON 0x53464443u
#define PATH_CAP 4096
#define LINE_CAP 256

/* The functions this double exports (their types: src/crypto/skf.h). */
EXPORT SKF_ULONG SKF_EnumDev(SKF_BOOL bPresent, SKF_LPSTR szNameList, SKF_ULONG *pulSize);
EXPORT SKF_ULONG SKF_ConnectDev(SKF_LPSTR szName, DEVHANDLE *phDev);
EXPORT SKF_ULONG SKF_DisConnectDev(DEVHANDLE hDev);
EXPORT SKF_ULONG SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO *pDevInfo);
EXPORT SKF_ULONG SKF_EnumApplication(DEVHANDLE hDev, SKF_LPSTR szAppName, SKF_ULONG *pulSize);
EXPORT SKF_ULONG SKF_OpenApplication(DEVHANDLE hDev, SKF_LPSTR szAppName, HAPPLICATION *phApplication);
EXPORT SKF_ULONG SKF_CloseApplication(HAPPLICATION hApplication);
EXPORT SKF_ULONG SKF_VerifyPIN(HAPPLICATION hApplication, SKF_ULONG ulPINType, SKF_LPSTR szPIN, SKF_ULONG *pulRetryCount);
EXPORT SKF_ULONG SKF_EnumContainer(HAPPLICATION hApplication, SKF_LPSTR szContainerName, SKF_ULONG *pulSize);
EXPORT SKF_ULONG SKF_OpenContainer(HAPPLICATION hApplication, SKF_LPSTR szContainerName, HCONTAINER *phContainer);
EXPORT SKF_ULONG SKF_CloseContainer(HCONTAINER hContainer);
EXPORT SKF_ULONG SKF_CreateContainer(HAPPLICATION hApplication, SKF_LPSTR szContainerName, HCONTAINER *phContainer);
EXPORT SKF_ULONG SKF_ExportCertificate(HCONTAINER hContainer, SKF_BOOL bSignFlag, SKF_BYTE *pbCert, SKF_ULONG *pulCertLen);
EXPORT SKF_ULONG SKF_ExportPublicKey(HCONTAINER hContainer, SKF_BOOL bSignFlag, SKF_BYTE *pbBlob, SKF_ULONG *pulBlobLen);
EXPORT SKF_ULONG SKF_GenECCKeyPair(HCONTAINER hContainer, SKF_ULONG ulAlgId, ECCPUBLICKEYBLOB *pBlob);
EXPORT SKF_ULONG SKF_ECCSignData(HCONTAINER hContainer, SKF_BYTE *pbDigest, SKF_ULONG ulDigestLen, ECCSIGNATUREBLOB *pSignature);

typedef struct {
    uint32_t magic;
} dbl_dev;

typedef struct {
    uint32_t magic;
    int logged_in;
} dbl_app;

typedef struct {
    uint32_t magic;
    dbl_app *app;
    char name[LINE_CAP];
} dbl_con;

static const char *dir(void)
{
    const char *d = getenv("ESEAL_SKF_DOUBLE_DIR");
    return d != NULL ? d : "";
}

static int path_of(char *out, const char *a, const char *b, const char *c)
{
    int n = snprintf(out, PATH_CAP, "%s/%s%s%s", dir(), a, b != NULL ? b : "", c != NULL ? c : "");
    return n > 0 && n < PATH_CAP;
}

static int exists(const char *name)
{
    char p[PATH_CAP];
    struct stat st;
    return path_of(p, name, NULL, NULL) && stat(p, &st) == 0;
}

/* A DEVINFO text field: up to its size, no NUL when full (the standard allows it; eseal must cope). */
static void fill(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    memcpy(dst, src, n < cap ? n : cap);
}

static int removed(void) { return dir()[0] == '\0' || exists("removed"); }

static int container_name_ok(const char *name)
{
    return name != NULL && name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
           strchr(name, '\n') == NULL && strlen(name) < LINE_CAP;
}

/* The whole of a small file into buf (NUL-terminated, a trailing newline cut); -1 when absent. */
static long read_small(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    (void)fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    return (long)n;
}

static int hostile(const char *mode)
{
    char p[PATH_CAP], buf[64];
    return path_of(p, "hostile", NULL, NULL) && read_small(p, buf, sizeof(buf)) > 0 && strcmp(buf, mode) == 0;
}

static long read_number(const char *name, long dflt)
{
    char p[PATH_CAP], buf[32];
    if (!path_of(p, name, NULL, NULL) || read_small(p, buf, sizeof(buf)) <= 0) {
        return dflt;
    }
    long v = 0;
    for (const char *c = buf; *c >= '0' && *c <= '9'; c++) {
        v = v * 10 + (*c - '0');
        if (v > 1000000) {
            break;
        }
    }
    return v;
}

static void write_number(const char *name, long v)
{
    char p[PATH_CAP];
    if (!path_of(p, name, NULL, NULL)) {
        return;
    }
    FILE *f = fopen(p, "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", v);
        (void)fclose(f);
    }
}

/* The value of `key=` in the device file, "" when absent. */
static void device_field(const char *key, char *out, size_t cap)
{
    char p[PATH_CAP], buf[4096];
    out[0] = '\0';
    if (!path_of(p, "device", NULL, NULL) || read_small(p, buf, sizeof(buf)) < 0) {
        return;
    }
    size_t klen = strlen(key);
    for (char *line = buf; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            (void)snprintf(out, cap, "%s", line + klen + 1);
            return;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
}

/* Writes "name\0" into a double-NUL-terminated list, the size protocol of §7.1.4. */
static SKF_ULONG answer_list(const char *names, size_t names_len, SKF_LPSTR out, SKF_ULONG *size)
{
    if (size == NULL) {
        return SAR_INVALIDPARAMERR;
    }
    if (out == NULL) {
        *size = (SKF_ULONG)names_len;
        return SAR_OK;
    }
    if (*size < names_len) {
        *size = (SKF_ULONG)names_len;
        return SAR_BUFFER_TOO_SMALL;
    }
    memcpy(out, names, names_len);
    *size = (SKF_ULONG)names_len;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_EnumDev(SKF_BOOL bPresent, SKF_LPSTR szNameList, SKF_ULONG *pulSize)
{
    (void)bPresent;
    char name[LINE_CAP + 2];
    size_t len = 1;
    memset(name, 0, sizeof(name));
    if (hostile("list_huge") && pulSize != NULL) {
        *pulSize = 0x7FFFFFFFu;
        return SAR_OK;
    }
    if (!removed()) {
        device_field("name", name, LINE_CAP);
        len = name[0] != '\0' ? strlen(name) + 2 : 1;
    }
    return answer_list(name, len, szNameList, pulSize);
}

EXPORT SKF_ULONG SKF_ConnectDev(SKF_LPSTR szName, DEVHANDLE *phDev)
{
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    char name[LINE_CAP];
    device_field("name", name, sizeof(name));
    if (szName == NULL || phDev == NULL || strcmp(szName, name) != 0) {
        return SAR_INVALIDPARAMERR;
    }
    dbl_dev *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return SAR_MEMORYERR;
    }
    d->magic = DOUBLE_MAGIC_DEV;
    *phDev = d;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_DisConnectDev(DEVHANDLE hDev)
{
    dbl_dev *d = hDev;
    if (d == NULL || d->magic != DOUBLE_MAGIC_DEV) {
        return SAR_INVALIDHANDLEERR;
    }
    d->magic = 0;
    free(d);
    return removed() ? SAR_DEVICE_REMOVED : SAR_OK;
}

EXPORT SKF_ULONG SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO *pDevInfo)
{
    dbl_dev *d = hDev;
    if (d == NULL || d->magic != DOUBLE_MAGIC_DEV || pDevInfo == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    char v[LINE_CAP];
    memset(pDevInfo, 0, sizeof(*pDevInfo));
    pDevInfo->Version.major = 1;
    /* The text fields are filled to their size, without a NUL when full, as the standard allows. */
    device_field("maker", v, sizeof(v));
    fill(pDevInfo->Manufacturer, sizeof(pDevInfo->Manufacturer), v);
    (void)snprintf(pDevInfo->Issuer, sizeof(pDevInfo->Issuer), "eseal tests");
    device_field("label", v, sizeof(v));
    fill(pDevInfo->Label, sizeof(pDevInfo->Label), v);
    device_field("serial", v, sizeof(v));
    fill(pDevInfo->SerialNumber, sizeof(pDevInfo->SerialNumber), v);
    pDevInfo->AlgAsymCap = 0x00020100u; /* SGD_SM2 */
    pDevInfo->AlgHashCap = 0x00000001u; /* SGD_SM3 */
    pDevInfo->MaxECCBufferSize = 1024;
    pDevInfo->MaxBufferSize = 1024;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_EnumApplication(DEVHANDLE hDev, SKF_LPSTR szAppName, SKF_ULONG *pulSize)
{
    dbl_dev *d = hDev;
    if (d == NULL || d->magic != DOUBLE_MAGIC_DEV) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    char app[LINE_CAP + 2];
    memset(app, 0, sizeof(app));
    device_field("app", app, LINE_CAP);
    return answer_list(app, app[0] != '\0' ? strlen(app) + 2 : 1, szAppName, pulSize);
}

EXPORT SKF_ULONG SKF_OpenApplication(DEVHANDLE hDev, SKF_LPSTR szAppName, HAPPLICATION *phApplication)
{
    dbl_dev *d = hDev;
    if (d == NULL || d->magic != DOUBLE_MAGIC_DEV || phApplication == NULL || szAppName == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    char app[LINE_CAP];
    device_field("app", app, sizeof(app));
    if (strcmp(app, szAppName) != 0) {
        return SAR_APPLICATION_NOT_EXISTS;
    }
    dbl_app *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return SAR_MEMORYERR;
    }
    a->magic = DOUBLE_MAGIC_APP;
    *phApplication = a;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_CloseApplication(HAPPLICATION hApplication)
{
    dbl_app *a = hApplication;
    if (a == NULL || a->magic != DOUBLE_MAGIC_APP) {
        return SAR_INVALIDHANDLEERR;
    }
    a->magic = 0;
    free(a);
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_VerifyPIN(HAPPLICATION hApplication, SKF_ULONG ulPINType, SKF_LPSTR szPIN,
                               SKF_ULONG *pulRetryCount)
{
    dbl_app *a = hApplication;
    if (a == NULL || a->magic != DOUBLE_MAGIC_APP || szPIN == NULL || pulRetryCount == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (ulPINType != SKF_USER_TYPE) {
        return SAR_NOTSUPPORTYETERR;
    }
    long max = read_number("max_retries", 6);
    long left = read_number("retries", max);
    if (left <= 0) {
        *pulRetryCount = 0;
        return SAR_PIN_LOCKED;
    }
    char p[PATH_CAP], pin[LINE_CAP];
    if (!path_of(p, "pin", NULL, NULL) || read_small(p, pin, sizeof(pin)) < 0) {
        return SAR_FAIL;
    }
    if (strcmp(pin, szPIN) != 0) {
        left--;
        write_number("retries", left);
        *pulRetryCount = (SKF_ULONG)left;
        a->logged_in = 0;
        return SAR_PIN_INCORRECT;
    }
    write_number("retries", max);
    *pulRetryCount = (SKF_ULONG)max;
    a->logged_in = 1;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_EnumContainer(HAPPLICATION hApplication, SKF_LPSTR szContainerName, SKF_ULONG *pulSize)
{
    dbl_app *a = hApplication;
    if (a == NULL || a->magic != DOUBLE_MAGIC_APP) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    /* The containers: the lines of containers/list, in order (the setup script writes it). */
    char p[PATH_CAP], buf[4096];
    if (!path_of(p, "containers/list", NULL, NULL) || read_small(p, buf, sizeof(buf) - 1) < 0) {
        buf[0] = '\0';
    }
    size_t n = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            buf[i] = '\0';
        }
    }
    buf[n] = '\0';
    buf[n + 1] = '\0';
    if (hostile("list_no_nul") && n > 0) {
        return answer_list(buf, n - 1, szContainerName, pulSize); /* the last name cut before its NUL */
    }
    return answer_list(buf, n > 0 ? n + 2 : 1, szContainerName, pulSize);
}

EXPORT SKF_ULONG SKF_OpenContainer(HAPPLICATION hApplication, SKF_LPSTR szContainerName, HCONTAINER *phContainer)
{
    dbl_app *a = hApplication;
    if (a == NULL || a->magic != DOUBLE_MAGIC_APP || szContainerName == NULL || phContainer == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (!container_name_ok(szContainerName)) {
        return SAR_INVALIDPARAMERR;
    }
    char p[PATH_CAP];
    struct stat st;
    if (!path_of(p, "containers/", szContainerName, "/key.pem") || stat(p, &st) != 0) {
        return SAR_FILE_NOT_EXIST;
    }
    dbl_con *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return SAR_MEMORYERR;
    }
    c->magic = DOUBLE_MAGIC_CON;
    c->app = a;
    (void)snprintf(c->name, sizeof(c->name), "%s", szContainerName);
    *phContainer = c;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_CloseContainer(HCONTAINER hContainer)
{
    dbl_con *c = hContainer;
    if (c == NULL || c->magic != DOUBLE_MAGIC_CON) {
        return SAR_INVALIDHANDLEERR;
    }
    c->magic = 0;
    free(c);
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_CreateContainer(HAPPLICATION hApplication, SKF_LPSTR szContainerName, HCONTAINER *phContainer)
{
    dbl_app *a = hApplication;
    if (a == NULL || a->magic != DOUBLE_MAGIC_APP || phContainer == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (!a->logged_in) {
        return SAR_USER_NOT_LOGGED_IN;
    }
    if (!container_name_ok(szContainerName)) {
        return SAR_INVALIDPARAMERR;
    }
    char p[PATH_CAP];
    if (!path_of(p, "containers/", szContainerName, NULL) || mkdir(p, 0700) != 0) {
        return SAR_FAIL; /* it exists, or the folder cannot hold it */
    }
    if (!path_of(p, "containers/list", NULL, NULL)) {
        return SAR_FAIL;
    }
    FILE *f = fopen(p, "a");
    if (f == NULL) {
        return SAR_FAIL;
    }
    fprintf(f, "%s\n", szContainerName);
    (void)fclose(f);
    dbl_con *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return SAR_MEMORYERR;
    }
    c->magic = DOUBLE_MAGIC_CON;
    c->app = a;
    (void)snprintf(c->name, sizeof(c->name), "%s", szContainerName);
    *phContainer = c;
    return SAR_OK;
}

EXPORT SKF_ULONG SKF_ExportCertificate(HCONTAINER hContainer, SKF_BOOL bSignFlag, SKF_BYTE *pbCert,
                                       SKF_ULONG *pulCertLen)
{
    dbl_con *c = hContainer;
    if (c == NULL || c->magic != DOUBLE_MAGIC_CON || pulCertLen == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (!bSignFlag) {
        return SAR_CERTNOTFOUNTERR; /* no encryption pair in the double */
    }
    char p[PATH_CAP];
    if (!path_of(p, "containers/", c->name, "/cert.der")) {
        return SAR_FAIL;
    }
    FILE *f = fopen(p, "rb");
    if (f == NULL) {
        return SAR_CERTNOTFOUNTERR;
    }
    static unsigned char der[65536];
    size_t n = fread(der, 1, sizeof(der), f);
    (void)fclose(f);
    if (pbCert == NULL) {
        *pulCertLen = (SKF_ULONG)n;
        return SAR_OK;
    }
    if (*pulCertLen < n) {
        *pulCertLen = (SKF_ULONG)n;
        return SAR_BUFFER_TOO_SMALL;
    }
    memcpy(pbCert, der, n);
    *pulCertLen = (SKF_ULONG)n;
    return SAR_OK;
}

static EVP_PKEY *load_key(const dbl_con *c)
{
    char p[PATH_CAP];
    if (!path_of(p, "containers/", c->name, "/key.pem")) {
        return NULL;
    }
    FILE *f = fopen(p, "r");
    if (f == NULL) {
        return NULL;
    }
    EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    (void)fclose(f);
    return pk;
}

/* A 32-byte big-endian value right-aligned in a 64-byte field (§6.4.5). */
static int put_value(SKF_BYTE field[SKF_ECC_MAX_BYTES], const BIGNUM *v)
{
    memset(field, 0, SKF_ECC_MAX_BYTES);
    return BN_bn2binpad(v, field + SKF_ECC_MAX_BYTES - SKF_SM2_BYTES, SKF_SM2_BYTES) == SKF_SM2_BYTES;
}

EXPORT SKF_ULONG SKF_ExportPublicKey(HCONTAINER hContainer, SKF_BOOL bSignFlag, SKF_BYTE *pbBlob,
                                     SKF_ULONG *pulBlobLen)
{
    dbl_con *c = hContainer;
    if (c == NULL || c->magic != DOUBLE_MAGIC_CON || pulBlobLen == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (!bSignFlag) {
        return SAR_KEYNOTFOUNTERR;
    }
    if (pbBlob == NULL) {
        *pulBlobLen = sizeof(ECCPUBLICKEYBLOB);
        return SAR_OK;
    }
    if (*pulBlobLen < sizeof(ECCPUBLICKEYBLOB)) {
        *pulBlobLen = sizeof(ECCPUBLICKEYBLOB);
        return SAR_BUFFER_TOO_SMALL;
    }
    EVP_PKEY *pk = load_key(c);
    if (pk == NULL) {
        return SAR_KEYNOTFOUNTERR;
    }
    BIGNUM *x = NULL, *y = NULL;
    SKF_ULONG rv = SAR_FAIL;
    ECCPUBLICKEYBLOB blob;
    memset(&blob, 0, sizeof(blob));
    if (EVP_PKEY_get_bn_param(pk, "qx", &x) == 1 && EVP_PKEY_get_bn_param(pk, "qy", &y) == 1 &&
        put_value(blob.XCoordinate, x) && put_value(blob.YCoordinate, y)) {
        blob.BitLen = hostile("blob_bits") ? 512 : 256;
        if (hostile("blob_off_curve")) {
            blob.YCoordinate[SKF_ECC_MAX_BYTES - 1] ^= 0x01;
        }
        memcpy(pbBlob, &blob, sizeof(blob));
        *pulBlobLen = sizeof(blob);
        rv = SAR_OK;
    }
    BN_free(x);
    BN_free(y);
    EVP_PKEY_free(pk);
    return rv;
}

EXPORT SKF_ULONG SKF_GenECCKeyPair(HCONTAINER hContainer, SKF_ULONG ulAlgId, ECCPUBLICKEYBLOB *pBlob)
{
    dbl_con *c = hContainer;
    if (c == NULL || c->magic != DOUBLE_MAGIC_CON || pBlob == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (c->app->magic != DOUBLE_MAGIC_APP || !c->app->logged_in) {
        return SAR_USER_NOT_LOGGED_IN;
    }
    if (ulAlgId != SKF_SGD_SM2_1) {
        return SAR_NOTSUPPORTYETERR;
    }
    char p[PATH_CAP];
    struct stat st;
    if (!path_of(p, "containers/", c->name, "/key.pem") || stat(p, &st) == 0) {
        return SAR_FAIL; /* a container holds one signing pair */
    }
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    if (pk == NULL) {
        return SAR_FAIL;
    }
    SKF_ULONG rv = SAR_FAIL;
    FILE *f = fopen(p, "w");
    if (f != NULL) {
        int ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) == 1;
        ok = fclose(f) == 0 && ok;
        SKF_ULONG len = sizeof(*pBlob);
        rv = ok ? SKF_ExportPublicKey(c, SKF_TRUE, (SKF_BYTE *)pBlob, &len) : SAR_FAIL;
    }
    EVP_PKEY_free(pk);
    return rv;
}

EXPORT SKF_ULONG SKF_ECCSignData(HCONTAINER hContainer, SKF_BYTE *pbDigest, SKF_ULONG ulDigestLen,
                                 ECCSIGNATUREBLOB *pSignature)
{
    dbl_con *c = hContainer;
    if (c == NULL || c->magic != DOUBLE_MAGIC_CON || pbDigest == NULL || pSignature == NULL) {
        return SAR_INVALIDHANDLEERR;
    }
    if (removed()) {
        return SAR_DEVICE_REMOVED;
    }
    if (c->app->magic != DOUBLE_MAGIC_APP || !c->app->logged_in) {
        return SAR_USER_NOT_LOGGED_IN;
    }
    if (ulDigestLen != 32) {
        return SAR_INDATALENERR; /* e = SM3(Z || M): the caller hashes (§7.6.13) */
    }
    EVP_PKEY *pk = load_key(c);
    if (pk == NULL) {
        return SAR_KEYNOTFOUNTERR;
    }
    /* OpenSSL's SM2 EVP_PKEY_sign takes its input as e, already hashed: exactly the device's job. */
    SKF_ULONG rv = SAR_FAIL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
    unsigned char der[128];
    size_t dlen = sizeof(der);
    if (pc != NULL && EVP_PKEY_sign_init(pc) == 1 && EVP_PKEY_sign(pc, der, &dlen, pbDigest, ulDigestLen) == 1) {
        const unsigned char *p = der;
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
        if (sig != NULL && put_value(pSignature->r, ECDSA_SIG_get0_r(sig)) &&
            put_value(pSignature->s, ECDSA_SIG_get0_s(sig))) {
            rv = SAR_OK;
        }
        ECDSA_SIG_free(sig);
    }
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(pk);
    if (rv == SAR_OK) {
        if (hostile("sig_wide")) {
            pSignature->r[0] = 0x01;
        }
        if (exists("faulty")) {
            pSignature->s[SKF_ECC_MAX_BYTES - 1] ^= 0x01;
        }
        write_number("sign_count", read_number("sign_count", 0) + 1);
    }
    return rv;
}
