/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Smart physical seals (issue 23 §4; eseal/device.h, docs/devices.md): devices registered to a seal,
 * the unlocks they ask for an approved request, the impressions they report. Every change goes
 * through the front door (es_act_on) and is stored with its audit entry in one transaction; every
 * refusal on the protocol is recorded ("device.refused") and alerted (webhook "alert") before it is
 * answered, so that an organisation learns of a forged or replayed message even when nobody looks.
 *
 * The signed bytes are built here from the fields, never taken from the wire: a device and the
 * platform sign and check the same canonical lines (docs/devices.md, "Signed bytes").
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "governance.h"

/* The seal maker's certificate handed with an unlock: one certificate in PEM is a few kilobytes. */
#define ES_DEVICE_SIGNER_PEM_MAX (64u * 1024u)

const char *eseal_device_status_name(eseal_device_status s)
{
    switch (s) {
    case ESEAL_DEVICE_ACTIVE:
        return "active";
    case ESEAL_DEVICE_RETIRED:
        return "retired";
    }
    return "?";
}

void eseal_unlock_answer_dispose(eseal_unlock_answer *a)
{
    if (a != NULL) {
        eseal_buf_dispose(&a->token);
        eseal_buf_dispose(&a->signature);
        eseal_buf_dispose(&a->signer_pem);
    }
}

/* ---- syntax of the fields that go into signed lines ---- */

/* 1..max bytes, each one of `extra` or an ASCII letter or digit. */
static bool word(const char *s, size_t max, const char *extra)
{
    if (s == NULL || s[0] == '\0' || strnlen(s, max + 1) > max) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr(extra, c);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* "pfx_" and 16 lower-case hex digits. */
static bool id_of(const char *s, const char *pfx)
{
    if (s == NULL || strnlen(s, 21) != 20 || strncmp(s, pfx, 4) != 0) {
        return false;
    }
    for (int i = 4; i < 20; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static bool hex_lower(const char *s, size_t n)
{
    if (s == NULL || strnlen(s, n + 1) != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* -?D{1,3}(.D{1,10})? within +-`limit` degrees. */
static bool degrees(const char *s, int limit)
{
    if (s == NULL || strnlen(s, ESEAL_DEVICE_GPS_MAX + 1) > ESEAL_DEVICE_GPS_MAX) {
        return false;
    }
    const char *p = s + (s[0] == '-' ? 1 : 0);
    int whole = 0, nd = 0;
    for (; *p >= '0' && *p <= '9'; p++, nd++) {
        whole = whole * 10 + (*p - '0');
    }
    if (nd < 1 || nd > 3 || whole > limit) {
        return false;
    }
    if (*p == '.') {
        int nf = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
        }
        if (nf < 1 || nf > 10 || (whole == limit && strspn(strchr(s, '.') + 1, "0") != (size_t)nf)) {
            return false;
        }
    }
    return *p == '\0';
}

/* Printable ASCII (no line break can end a line early), at most ESEAL_DEVICE_OPERATOR_MAX bytes. */
static bool printable(const char *s)
{
    if (s == NULL || strnlen(s, ESEAL_DEVICE_OPERATOR_MAX + 1) > ESEAL_DEVICE_OPERATOR_MAX) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E) {
            return false;
        }
    }
    return true;
}

/* Appends "name: value\n". */
static ES_RESULT line(es_buf *b, const char *name, const char *value)
{
    ES_GUARD(es_buf_append_str(b, name));
    ES_GUARD(es_buf_append_str(b, ": "));
    ES_GUARD(es_buf_append_str(b, value));
    return es_buf_append_str(b, "\n");
}

static ES_RESULT line_num(es_buf *b, const char *name, int64_t v)
{
    char n[24];
    (void)snprintf(n, sizeof(n), "%" PRId64, v);
    return line(b, name, n);
}

static ES_RESULT ask_bytes(es_buf *b, const eseal_device_ask *a)
{
    ES_ENSURE_ARG(a != NULL);
    ES_ENSURE(id_of(a->device, "dev_"), ESEAL_EINVAL, "device ask: device is no device id (dev_ and 16 hex digits)");
    ES_ENSURE(id_of(a->request, "req_"), ESEAL_EINVAL, "device ask: request is no request id");
    ES_ENSURE(a->impressions >= 1 && a->impressions <= ESEAL_UNLOCK_IMPRESSIONS_MAX, ESEAL_EINVAL,
              "device ask: impressions %" PRId64 " (1 to %d)", a->impressions, ESEAL_UNLOCK_IMPRESSIONS_MAX);
    ES_ENSURE(hex_lower(a->nonce, ESEAL_DEVICE_NONCE_LEN), ESEAL_EINVAL,
              "device ask: the nonce is %d lower-case hex digits", ESEAL_DEVICE_NONCE_LEN);
    ES_ENSURE(a->time_ms > 0, ESEAL_EINVAL, "device ask: no time");
    ES_GUARD(es_buf_append_str(b, "eseal-device-unlock-ask/v1\n"));
    ES_GUARD(line(b, "device", a->device));
    ES_GUARD(line(b, "request", a->request));
    ES_GUARD(line_num(b, "impressions", a->impressions));
    ES_GUARD(line(b, "nonce", a->nonce));
    return line_num(b, "time", a->time_ms);
}

static ES_RESULT report_bytes(es_buf *b, const eseal_device_report *r)
{
    ES_ENSURE_ARG(r != NULL);
    ES_ENSURE(id_of(r->device, "dev_"), ESEAL_EINVAL, "impression: device is no device id");
    ES_ENSURE(id_of(r->unlock, "unl_"), ESEAL_EINVAL, "impression: unlock is no unlock id (unl_ and 16 hex digits)");
    ES_ENSURE(r->seq >= 1 && r->seq <= ESEAL_UNLOCK_IMPRESSIONS_MAX, ESEAL_EINVAL,
              "impression: seq %" PRId64 " (1 to %d)", r->seq, ESEAL_UNLOCK_IMPRESSIONS_MAX);
    ES_ENSURE(r->time_ms > 0, ESEAL_EINVAL, "impression: no time");
    ES_ENSURE(degrees(r->lat, 90) && degrees(r->lon, 180), ESEAL_EINVAL,
              "impression: lat and lon are decimal degrees (-90..90, -180..180, at most 10 decimals)");
    ES_ENSURE(hex_lower(r->photo_sha256, 64), ESEAL_EINVAL, "impression: photo-sha256 is 64 lower-case hex digits");
    ES_ENSURE(printable(r->operator_id), ESEAL_EINVAL, "impression: operator is at most %d printable ASCII bytes",
              ESEAL_DEVICE_OPERATOR_MAX);
    ES_GUARD(es_buf_append_str(b, "eseal-device-impression/v1\n"));
    ES_GUARD(line(b, "device", r->device));
    ES_GUARD(line(b, "unlock", r->unlock));
    ES_GUARD(line_num(b, "seq", r->seq));
    ES_GUARD(line_num(b, "time", r->time_ms));
    ES_GUARD(line(b, "lat", r->lat));
    ES_GUARD(line(b, "lon", r->lon));
    ES_GUARD(line(b, "photo-sha256", r->photo_sha256));
    return line(b, "operator", r->operator_id);
}

static ES_RESULT token_bytes(es_buf *b, const eseal_unlock *u, const eseal_device *d, const char *seal)
{
    ES_ENSURE_ARG(u != NULL && d != NULL && seal != NULL);
    ES_GUARD(es_buf_append_str(b, "eseal-device-unlock/v1\n"));
    ES_GUARD(line(b, "unlock", u->id));
    ES_GUARD(line(b, "device", d->id));
    ES_GUARD(line(b, "chip", d->chip_id));
    ES_GUARD(line(b, "request", u->request_id));
    ES_GUARD(line(b, "seal", seal));
    ES_GUARD(line_num(b, "impressions", u->impressions));
    ES_GUARD(line_num(b, "issued", u->issued_ms));
    ES_GUARD(line_num(b, "expires", u->expires_ms));
    return line(b, "nonce", u->nonce);
}

int eseal_device_ask_bytes(eseal_buf *out, const eseal_device_ask *a)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ESEAL_DEVICE_MESSAGE_MAX);
    int rc = ES_PUBLIC(ask_bytes(&b, a));
    if (rc == ESEAL_OK && out != NULL) {
        es_buf_move_out(out, &b);
    }
    return rc;
}

int eseal_device_report_bytes(eseal_buf *out, const eseal_device_report *r)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ESEAL_DEVICE_MESSAGE_MAX);
    int rc = ES_PUBLIC(report_bytes(&b, r));
    if (rc == ESEAL_OK && out != NULL) {
        es_buf_move_out(out, &b);
    }
    return rc;
}

int eseal_device_token_bytes(eseal_buf *out, const eseal_unlock *u, const eseal_device *d, const char *seal)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ESEAL_DEVICE_MESSAGE_MAX);
    int rc = ES_PUBLIC(token_bytes(&b, u, d, seal));
    if (rc == ESEAL_OK && out != NULL) {
        es_buf_move_out(out, &b);
    }
    return rc;
}

/* ---- registering ---- */

/* The device `id` if `who` may see it (the same words whether it exists or not). */
static ES_RESULT visible(eseal_instance *inst, const eseal_principal *who, eseal_device *out, const char *id)
{
    ES_ENSURE(id != NULL && id[0] != '\0', ESEAL_EINVAL, "which device?");
    int rc = eseal_store_device_get(inst->store, out, id);
    if (rc == ESEAL_OK && !es_acc_sees_org(who, out->org_id)) {
        rc = ESEAL_ENOTFOUND;
    }
    if (rc == ESEAL_ENOTFOUND || rc == ESEAL_EINVAL) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no device '%.40s'", id);
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

typedef struct {
    const eseal_device *d;
    int clash; /* an active device of that chip id or key */
} clash_ctx;

static int clash_one(const eseal_device *d, void *p)
{
    clash_ctx *c = p;
    if (d->status == ESEAL_DEVICE_ACTIVE &&
        (strcmp(d->chip_id, c->d->chip_id) == 0 ||
         (d->key_len == c->d->key_len && memcmp(d->key, c->d->key, d->key_len) == 0))) {
        c->clash = 1;
    }
    return 0;
}

static ES_RESULT insert_device(eseal_instance *inst, void *ctx)
{
    return es_from_code(eseal_store_device_insert(inst->store, ctx));
}

static ES_RESULT device_add(eseal_instance *inst, const eseal_principal *who, const char *seal, const void *key,
                            size_t key_len, const char *chip_id, eseal_device *out)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL && (key != NULL || key_len == 0));
    memset(out, 0, sizeof(*out));
    eseal_device d;
    memset(&d, 0, sizeof(d));
    char org[ESEAL_OWNER_ORG_MAX + 1];
    ES_GUARD(es_gov_seal_of(inst, who, seal, d.seal, org));
    ES_ENSURE(strlen(org) <= ESEAL_ORG_ID_LEN, ESEAL_EINVAL, "device: organisation id '%s' too long", org);
    memcpy(d.org_id, org, strlen(org) + 1);
    es_acting by;
    es_object obj = {"seal", d.seal, d.org_id, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_DEVICE_ADD, &obj));
    ES_ENSURE(word(chip_id, ESEAL_CHIP_ID_MAX, "._:-"), ESEAL_EINVAL,
              "device: the chip id is 1 to %d of A-Z a-z 0-9 . _ : -", ESEAL_CHIP_ID_MAX);
    memcpy(d.chip_id, chip_id, strlen(chip_id) + 1);
    ES_AUTO(es_buf_freep) es_buf der = ES_BUF_INIT(ESEAL_DEVICE_KEY_MAX);
    eseal_key_alg alg = ESEAL_ALG_NONE;
    ES_GUARD(es_spki_parse(&der, &alg, es_span_of(key, key_len)));
    ES_ENSURE(der.len <= sizeof(d.key), ESEAL_EINVAL, "device: a public key of %zu bytes", der.len);
    memcpy(d.key, der.ptr, der.len);
    d.key_len = der.len;
    (void)snprintf(d.alg, sizeof(d.alg), "%s", alg == ESEAL_ALG_SM2 ? "sm2" : "p256");
    clash_ctx c = {&d, 0};
    ES_GUARD(es_from_code(eseal_store_device_list(inst->store, NULL, NULL, clash_one, &c)));
    ES_ENSURE(!c.clash, ESEAL_EEXISTS, "device: chip %s or its key is registered already to an active device",
              d.chip_id);
    d.status = ESEAL_DEVICE_ACTIVE;
    d.added_ms = es_inst_now(inst);
    (void)snprintf(d.added_by, sizeof(d.added_by), "%s", es_actor(&by));
    ES_GUARD(es_acc_random_id(d.id, sizeof(d.id), "dev_"));
    char detail[512];
    (void)snprintf(detail, sizeof(detail), "%s chip %s (%s key) registered to seal %s", d.id, d.chip_id, d.alg,
                   d.seal);
    ES_GUARD(es_acc_change(inst, &by, "device.added", d.org_id, detail, insert_device, &d));
    *out = d;
    return ES_OK;
}

int eseal_device_add(eseal_instance *inst, const eseal_principal *who, const char *seal, const void *key,
                     size_t key_len, const char *chip_id, eseal_device *out)
{
    ES_RETURN_PUBLIC(device_add(inst, who, seal, key, key_len, chip_id, out));
}

static ES_RESULT device_find(eseal_instance *inst, const eseal_principal *who, eseal_device *out, const char *id)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    ES_GUARD(visible(inst, who, out, id));
    es_acting by;
    es_object obj = {"device", out->id, out->org_id, NULL};
    es_result r = es_act_on(&by, who, ES_ACT_DEVICE_READ, &obj);
    if (!es_ok(r)) {
        memset(out, 0, sizeof(*out));
    }
    return r;
}

int eseal_device_find(eseal_instance *inst, const eseal_principal *who, eseal_device *out, const char *id)
{
    ES_RETURN_PUBLIC(device_find(inst, who, out, id));
}

typedef struct {
    const eseal_principal *who;
    int (*cb)(const eseal_device *, void *);
    void *payload;
} list_ctx;

static int list_one(const eseal_device *d, void *p)
{
    list_ctx *l = p;
    es_object obj = {"device", d->id, d->org_id, NULL};
    if (!es_acc_sees_org(l->who, d->org_id) || es_policy_may(l->who, ES_ACT_DEVICE_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return l->cb(d, l->payload);
}

static ES_RESULT device_list(eseal_instance *inst, const eseal_principal *who, const char *seal,
                             int (*cb)(const eseal_device *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    char esid[64] = "";
    if (seal != NULL && seal[0] != '\0') {
        char org[ESEAL_OWNER_ORG_MAX + 1];
        ES_GUARD(es_gov_seal_of(inst, who, seal, esid, org));
    }
    list_ctx l = {who, cb, payload};
    const char *org = es_acc_sees_all(who) ? NULL : who->organization;
    int rc = eseal_store_device_list(inst->store, esid[0] != '\0' ? NULL : org, esid[0] != '\0' ? esid : NULL,
                                     list_one, &l);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_device_list(eseal_instance *inst, const eseal_principal *who, const char *seal,
                      int (*cb)(const eseal_device *d, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(device_list(inst, who, seal, cb, payload));
}

typedef struct {
    const char *id;
    int64_t at;
} retire_ctx;

static ES_RESULT retire_device(eseal_instance *inst, void *ctx)
{
    retire_ctx *c = ctx;
    return es_from_code(eseal_store_device_retire(inst->store, c->id, c->at));
}

static ES_RESULT device_retire(eseal_instance *inst, const eseal_principal *who, const char *id, const char *reason)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL);
    eseal_device d;
    ES_GUARD(visible(inst, who, &d, id));
    es_acting by;
    es_object obj = {"device", d.id, d.org_id, NULL};
    ES_GUARD(es_act_on(&by, who, ES_ACT_DEVICE_RETIRE, &obj));
    ES_ENSURE(reason == NULL || strlen(reason) <= 200, ESEAL_EINVAL, "device: a reason of at most 200 bytes");
    ES_ENSURE(d.status == ESEAL_DEVICE_ACTIVE, ESEAL_ESTATE, "device %s is retired already", d.id);
    char detail[512];
    (void)snprintf(detail, sizeof(detail), "%s chip %s of seal %s retired: %s", d.id, d.chip_id, d.seal,
                   reason != NULL && reason[0] != '\0' ? reason : "no reason given");
    retire_ctx c = {d.id, es_inst_now(inst)};
    return es_acc_change(inst, &by, "device.retired", d.org_id, detail, retire_device, &c);
}

int eseal_device_retire(eseal_instance *inst, const eseal_principal *who, const char *id, const char *reason)
{
    ES_RETURN_PUBLIC(device_retire(inst, who, id, reason));
}

/* ---- refusals: recorded and alerted, then answered ---- */

typedef struct {
    const char *org;
    json_t *data;
} alert_ctx;

static ES_RESULT emit_alert(eseal_instance *inst, void *ctx)
{
    alert_ctx *a = ctx;
    return es_webhook_emit(inst, a->org, "alert", a->data);
}

/*
 * Records the refusal `code` of a message of device `device` (as claimed; may be unknown) about request
 * `request` (may be NULL): the audit entry "device.refused" and the webhook event "alert" of `org`
 * (the device's or the request's organisation; "" none) in one transaction, then ESEAL_EDENIED with
 * `why`. A failure to record is returned instead: a refusal nobody hears of is not answered as one.
 */
/* An audit entry of `kind` ("device.refused", "device.over-request") and, in its transaction, the
 * webhook `alert` to `org`: what the protocol reports to people. */
static ES_RESULT alert(eseal_instance *inst, const eseal_principal *who, const char *org, const char *kind,
                       const char *code, const char *device, const char *request, const char *why)
{
    es_acting by = {.who = who, .rule = strcmp(kind, "device.refused") == 0 ? "device-refused" : "device-over-request"};
    (void)snprintf(by.actor, sizeof(by.actor), "%s:%s", eseal_principal_kind_name(who->kind), who->id);
    char detail[600];
    (void)snprintf(detail, sizeof(detail), "%s: device %.40s, request %.40s: %.400s", code,
                   device != NULL ? device : "-", request != NULL ? request : "-", why);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", kind, "alert", kind, "code", code, "device",
                             device != NULL ? device : "", "request", request != NULL ? request : "", "detail", why);
    ES_ENSURE_ALLOC(data);
    alert_ctx a = {org, data};
    es_result r = es_acc_change(inst, &by, kind, org, detail, emit_alert, &a);
    json_decref(data);
    return r;
}

static ES_RESULT refuse(eseal_instance *inst, const eseal_principal *who, eseal_device_refusal *out, const char *org,
                        const char *code, const char *device, const char *request, const char *why)
{
    if (out != NULL) {
        (void)snprintf(out->code, sizeof(out->code), "%s", code);
    }
    ES_GUARD(alert(inst, who, org, "device.refused", code, device, request, why));
    /* the code is the error's stable reason too: the API answers it as the problem's `code` */
    return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "%s: %s", code, why), code);
}

/* The device `id` for the protocol: any organisation's (the chip's signature says who it is). */
static int device_of(eseal_instance *inst, eseal_device *d, const char *id)
{
    int rc = eseal_store_device_get(inst->store, d, id);
    if (rc != ESEAL_OK) {
        eseal_error_clear();
    }
    return rc;
}

static ES_RESULT chip_signed(bool *ok, const eseal_device *d, es_span msg, const void *sig, size_t sig_len)
{
    *ok = false;
    if (sig == NULL || sig_len == 0 || sig_len > ESEAL_DEVICE_SIG_MAX) {
        return ES_OK;
    }
    int valid = 0;
    /* the default hash of the key: SHA-256 for P-256, SM3 (with Z, ID 1234567812345678) for SM2 */
    int rc = eseal_signature_verify(&valid, d->key, d->key_len, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg.ptr,
                                    msg.len, sig, sig_len);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    *ok = valid == 1;
    return ES_OK;
}

/* ---- unlock ---- */

typedef struct {
    const eseal_unlock *u;
    int64_t docs;      /* the request's documents: the most impressions all its unlocks may hold */
    bool exceeded;     /* out: refused for the request's limit (nothing inserted) */
    int64_t remaining; /* out, when exceeded: what the request has left to give */
} unlock_ctx;

/*
 * The request is the limit (issue 23 §4): its unlocks, of every device, hold at most its documents'
 * impressions; an unlock that would pass it is rolled back. The insert and the count are one write
 * transaction (es_acc_change), which the store serialises with every other writer on both engines
 * (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock: src/store/sql_backends.c): of two asks racing
 * for a request's last impressions the second counts the first's unlock. That lock is why there is
 * no SELECT ... FOR UPDATE on the request row (SQLite has no such clause, and the lock is already
 * held), and no conditional INSERT ... SELECT: alone at READ COMMITTED, two of those would each miss
 * the other's row.
 */
static ES_RESULT insert_unlock(eseal_instance *inst, void *ctx)
{
    unlock_ctx *c = ctx;
    /* inserted first, so that a replayed ask is told as one (its nonce taken) before it is counted */
    ES_GUARD(es_from_code(eseal_store_unlock_insert(inst->store, c->u)));
    int64_t held = 0; /* this unlock's impressions included: it is live */
    ES_GUARD(es_from_code(eseal_store_unlock_committed(inst->store, c->u->request_id, c->u->issued_ms, &held)));
    if (held > c->docs) {
        int64_t before = held - c->u->impressions;
        c->exceeded = true;
        c->remaining = before < c->docs ? c->docs - before : 0;
        return es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "request %s: %" PRId64 " impressions left",
                            c->u->request_id, c->remaining);
    }
    return ES_OK;
}

/* The seal maker of the chip's algorithm signs `token` (the platform's statement, as it signs seals
 * and verification reports: the device pins that certificate, docs/devices.md). */
static ES_RESULT platform_sign(eseal_instance *inst, const char *alg, es_span token, eseal_unlock_answer *out)
{
    eseal_cert_record rec = {0};
    ES_GUARD(es_from_code(eseal_store_cert_find_role(inst->store, &rec, "seal-maker", alg)));
    eseal_key *key = NULL;
    es_result r = es_instance_load_key(inst, &key, &rec);
    if (es_ok(r)) {
        r = es_from_code(eseal_key_sign(&out->signature, key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, token.ptr,
                                        token.len));
    }
    if (es_ok(r)) {
        es_buf pem = ES_BUF_INIT(ES_DEVICE_SIGNER_PEM_MAX);
        r = es_buf_append_str(&pem, rec.pem);
        if (es_ok(r)) {
            es_buf_move_out(&out->signer_pem, &pem);
        }
        es_buf_free(&pem);
    }
    eseal_key_free(key);
    eseal_cert_record_dispose(&rec);
    return r;
}

static ES_RESULT device_unlock(eseal_instance *inst, const eseal_principal *who, const eseal_device_ask *a,
                               const void *sig, size_t sig_len, eseal_unlock_answer *out, eseal_device_refusal *refused)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL && a != NULL);
    ES_AUTO(es_buf_freep) es_buf msg = ES_BUF_INIT(ESEAL_DEVICE_MESSAGE_MAX);
    ES_GUARD(ask_bytes(&msg, a));
    int64_t now = es_inst_now(inst);

    eseal_request req;
    bool have_req = eseal_store_request_get(inst->store, &req, a->request) == ESEAL_OK;
    if (!have_req) {
        eseal_error_clear();
    }
    eseal_device d;
    if (device_of(inst, &d, a->device) != ESEAL_OK) {
        return refuse(inst, who, refused, have_req ? req.org_id : "", ESEAL_DEVICE_REFUSED_UNKNOWN_DEVICE, a->device,
                      a->request, "no such device is registered");
    }
    bool ok = false;
    ES_GUARD(chip_signed(&ok, &d, es_buf_span(&msg), sig, sig_len));
    if (!ok) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_BAD_SIGNATURE, d.id, a->request,
                      "the ask is not signed by the device's chip");
    }
    if (d.status != ESEAL_DEVICE_ACTIVE) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_RETIRED, d.id, a->request,
                      "the device is retired");
    }
    es_acting by;
    es_object obj = {"device", d.id, d.org_id, d.id};
    ES_GUARD(es_act_on(&by, who, ES_ACT_DEVICE_UNLOCK, &obj));
    if (a->time_ms < now - ESEAL_DEVICE_SKEW_MS || a->time_ms > now + ESEAL_DEVICE_SKEW_MS) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_STALE, d.id, a->request,
                      "the ask's time is more than 2 minutes from the platform's clock");
    }
    if (!have_req || strcmp(req.org_id, d.org_id) != 0 || strcmp(req.seal, d.seal) != 0) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_WRONG_SEAL, d.id, a->request,
                      "the request is not one of the device's seal");
    }
    if (req.status != ESEAL_REQUEST_APPROVED) {
        char why[128];
        (void)snprintf(why, sizeof(why), "the request is %s, not approved", eseal_request_status_name(req.status));
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_NOT_APPROVED, d.id, a->request, why);
    }
    eseal_unlock u;
    memset(&u, 0, sizeof(u));
    ES_GUARD(es_acc_random_id(u.id, sizeof(u.id), "unl_"));
    memcpy(u.device_id, d.id, sizeof(u.device_id));
    memcpy(u.request_id, req.id, sizeof(u.request_id));
    memcpy(u.org_id, d.org_id, sizeof(u.org_id));
    memcpy(u.nonce, a->nonce, ESEAL_DEVICE_NONCE_LEN + 1);
    u.impressions = a->impressions;
    u.issued_ms = now;
    u.expires_ms = now + ESEAL_UNLOCK_TTL_MS;
    u.state = ESEAL_UNLOCK_ISSUED;
    ES_AUTO(es_buf_freep) es_buf tok = ES_BUF_INIT(ESEAL_DEVICE_MESSAGE_MAX);
    ES_GUARD(token_bytes(&tok, &u, &d, d.seal));
    memset(out, 0, sizeof(*out));
    unlock_ctx c = {.u = &u, .docs = req.docs};
    es_result r = platform_sign(inst, d.alg, es_buf_span(&tok), out);
    if (es_ok(r)) {
        char detail[512];
        (void)snprintf(detail, sizeof(detail), "%s for device %s (chip %s), request %s: %" PRId64
                       " impressions until %" PRId64 " (nonce %s)", u.id, d.id, d.chip_id, req.id, u.impressions,
                       u.expires_ms, u.nonce);
        r = es_acc_change(inst, &by, "device.unlock", d.org_id, detail, insert_unlock, &c);
    }
    if (!es_ok(r)) {
        eseal_unlock_answer_dispose(out);
        if (c.exceeded) {
            char why[200];
            (void)snprintf(why, sizeof(why), "the request allows %" PRId64 " impressions and has %" PRId64
                           " left, %" PRId64 " asked", req.docs, c.remaining, u.impressions);
            return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED, d.id, a->request,
                          why);
        }
        if (es_code(r) == ESEAL_EEXISTS) {
            return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_REPLAYED_ASK, d.id, a->request,
                          "the device used this nonce already: the ask is replayed");
        }
        return r;
    }
    out->unlock = u;
    es_buf_move_out(&out->token, &tok);
    return ES_OK;
}

int eseal_device_unlock(eseal_instance *inst, const eseal_principal *who, const eseal_device_ask *a, const void *sig,
                        size_t sig_len, eseal_unlock_answer *out, eseal_device_refusal *refused)
{
    if (refused != NULL) {
        refused->code[0] = '\0';
    }
    ES_RETURN_PUBLIC(device_unlock(inst, who, a, sig, sig_len, out, refused));
}

/* ---- impressions ---- */

typedef struct {
    es_auditlog *log;
    const es_acting *by;
    eseal_impression *m;
    const char *org, *seal, *detail;
} impression_ctx;

/* The entry, the impression with its index, and the unlock's count, in the caller's transaction. */
static ES_RESULT record_impression(eseal_instance *inst, impression_ctx *c)
{
    uint64_t index = 0;
    ES_GUARD(es_audit_account_event_at(c->log, c->by, "device.impression", c->org, c->seal, c->detail, &index));
    c->m->log_index = (int64_t)index;
    ES_GUARD(es_from_code(eseal_store_impression_insert(inst->store, c->m)));
    return es_from_code(eseal_store_unlock_use(inst->store, c->m->unlock_id));
}

static ES_RESULT impression_tx(eseal_instance *inst, impression_ctx *c)
{
    ES_GUARD(es_audit_prepare(inst->auditlog));
    ES_GUARD(es_from_code(eseal_store_begin(inst->store)));
    es_result r = record_impression(inst, c);
    if (es_ok(r)) {
        r = es_from_code(eseal_store_commit(inst->store));
    }
    if (!es_ok(r)) {
        (void)eseal_store_rollback(inst->store);
    }
    return r;
}

static ES_RESULT device_report(eseal_instance *inst, const eseal_principal *who, const eseal_device_report *rp,
                               const void *sig, size_t sig_len, eseal_impression *out, eseal_device_refusal *refused)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && out != NULL && rp != NULL);
    memset(out, 0, sizeof(*out));
    ES_AUTO(es_buf_freep) es_buf msg = ES_BUF_INIT(ESEAL_DEVICE_MESSAGE_MAX);
    ES_GUARD(report_bytes(&msg, rp));
    int64_t now = es_inst_now(inst);

    eseal_unlock u;
    bool have_u = eseal_store_unlock_get(inst->store, &u, rp->unlock) == ESEAL_OK;
    if (!have_u) {
        eseal_error_clear();
    }
    eseal_device d;
    if (device_of(inst, &d, rp->device) != ESEAL_OK) {
        return refuse(inst, who, refused, have_u ? u.org_id : "", ESEAL_DEVICE_REFUSED_UNKNOWN_DEVICE, rp->device,
                      have_u ? u.request_id : NULL, "no such device is registered");
    }
    bool ok = false;
    ES_GUARD(chip_signed(&ok, &d, es_buf_span(&msg), sig, sig_len));
    const char *req_id = have_u ? u.request_id : NULL;
    if (!ok) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_BAD_SIGNATURE, d.id, req_id,
                      "the report is not signed by the device's chip");
    }
    if (d.status != ESEAL_DEVICE_ACTIVE) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_RETIRED, d.id, req_id,
                      "the device is retired");
    }
    es_acting by;
    es_object obj = {"device", d.id, d.org_id, d.id};
    ES_GUARD(es_act_on(&by, who, ES_ACT_DEVICE_REPORT, &obj));
    if (!have_u || strcmp(u.device_id, d.id) != 0) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_NO_UNLOCK, d.id, req_id,
                      "an impression without an unlock of this device");
    }
    if (rp->time_ms > u.expires_ms || rp->time_ms < u.issued_ms - ESEAL_DEVICE_SKEW_MS ||
        now > u.expires_ms + ESEAL_DEVICE_REPORT_GRACE_MS) {
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_EXPIRED, d.id, req_id,
                      "the impression was struck outside its unlock's validity");
    }
    if (rp->seq > u.impressions || u.used >= u.impressions) {
        char why[160];
        (void)snprintf(why, sizeof(why), "impression %" PRId64 " is more than the %" PRId64 " the unlock allows",
                       rp->seq, u.impressions);
        return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_EXHAUSTED, d.id, req_id, why);
    }
    eseal_impression m;
    memset(&m, 0, sizeof(m));
    memcpy(m.device_id, d.id, sizeof(m.device_id));
    memcpy(m.unlock_id, u.id, sizeof(m.unlock_id));
    memcpy(m.request_id, u.request_id, sizeof(m.request_id));
    m.seq = rp->seq;
    m.time_ms = rp->time_ms;
    (void)snprintf(m.lat, sizeof(m.lat), "%s", rp->lat);
    (void)snprintf(m.lon, sizeof(m.lon), "%s", rp->lon);
    (void)snprintf(m.photo_sha256, sizeof(m.photo_sha256), "%s", rp->photo_sha256);
    (void)snprintf(m.operator_id, sizeof(m.operator_id), "%s", rp->operator_id);
    memcpy(m.sig, sig, sig_len);
    m.sig_len = sig_len;
    m.received_ms = now;
    char when[ES_RFC3339_LEN];
    es_time_rfc3339(when, m.time_ms);
    char detail[600];
    (void)snprintf(detail, sizeof(detail),
                   "request %s: impression %" PRId64 " of %s by device %s (chip %s) at %s, gps %s,%s, photo "
                   "sha256 %s, operator %s",
                   m.request_id, m.seq, m.unlock_id, d.id, d.chip_id, when, m.lat, m.lon, m.photo_sha256,
                   m.operator_id[0] != '\0' ? m.operator_id : "-");
    impression_ctx c = {inst->auditlog, &by, &m, d.org_id, d.seal, detail};
    es_result r = impression_tx(inst, &c);
    if (!es_ok(r)) {
        int code = es_code(r);
        if (code == ESEAL_EEXISTS) {
            return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_REPLAYED_REPORT, d.id, req_id,
                          "this impression of the unlock is reported already: the report is replayed");
        }
        if (code == ESEAL_ESTATE) {
            return refuse(inst, who, refused, d.org_id, ESEAL_DEVICE_REFUSED_EXHAUSTED, d.id, req_id,
                          "the unlock has no impression left");
        }
        return r;
    }
    *out = m;
    /* A report may come after its unlock expired (struck in time, the device offline): until then
     * the expiry gave the unreported impressions back to the request, and another unlock may have
     * taken them. The impression happened under a valid unlock, so it is kept; a request that now
     * has more impressions than documents is alerted (docs/devices.md, "Refusals and alerts"). */
    eseal_request req;
    int64_t used = 0;
    if (eseal_store_request_get(inst->store, &req, u.request_id) != ESEAL_OK ||
        eseal_store_unlock_committed(inst->store, u.request_id, INT64_MAX, &used) != ESEAL_OK) {
        return es_error_set(eseal_error_last()->code, __FILE__, __LINE__,
                            "impression %" PRId64 " of %s recorded, but the request's count could not be read: %s",
                            m.seq, m.unlock_id, eseal_error_last()->message);
    }
    if (used > req.docs) {
        char why[200];
        (void)snprintf(why, sizeof(why), "the request allows %" PRId64 " impressions and %" PRId64
                       " are reported: impression %" PRId64 " of %s came after its unlock expired", req.docs, used,
                       m.seq, m.unlock_id);
        ES_GUARD(alert(inst, who, d.org_id, "device.over-request", ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED, d.id,
                       req_id, why));
    }
    return ES_OK;
}

int eseal_device_report_accept(eseal_instance *inst, const eseal_principal *who, const eseal_device_report *r,
                               const void *sig, size_t sig_len, eseal_impression *out, eseal_device_refusal *refused)
{
    if (refused != NULL) {
        refused->code[0] = '\0';
    }
    ES_RETURN_PUBLIC(device_report(inst, who, r, sig, sig_len, out, refused));
}

static ES_RESULT device_impressions(eseal_instance *inst, const eseal_principal *who, const char *request,
                                    int (*cb)(const eseal_impression *, void *), void *payload)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    eseal_request r;
    ES_GUARD(es_from_code(eseal_request_find(inst, who, &r, request)));
    int rc = eseal_store_impression_list(inst->store, r.id, cb, payload);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

int eseal_device_impressions(eseal_instance *inst, const eseal_principal *who, const char *request,
                             int (*cb)(const eseal_impression *m, void *payload), void *payload)
{
    ES_RETURN_PUBLIC(device_impressions(inst, who, request, cb, payload));
}
