/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Smart physical seals (issue 23 §4; src/governance/device.c, docs/devices.md) through the public API
 * only, on a real instance with a clock the test sets:
 *   - registering: a P-256 chip key in PEM, an SM2 one in DER, an RSA key refused, a second device of
 *     the same chip refused, a stamper may not register, another organisation does not see it,
 *     retiring once;
 *   - the protocol: an unlock for an approved request of the device's seal, signed by the seal maker
 *     and verifying with its certificate over eseal_device_token_bytes; impressions reported, each an
 *     audit entry whose receipt verifies, listed in the request's record;
 *   - every refusal with its code, an "alert" delivery queued for the organisation's webhook and a
 *     "device.refused" audit entry: another chip's signature (ask and report), a replayed ask, a stale
 *     ask, a pending request, a request of another seal, an unknown device, a retired device, an
 *     impression without an unlock of the device, struck after the unlock expired, more than it
 *     allows, a replayed report;
 *   - the request as the limit of its impressions over all its unlocks and devices: an ask passing it
 *     refused (REQUEST_IMPRESSIONS_EXCEEDED, what is left said), a live unlock holding its quota to its
 *     last millisecond, an expired one giving back what it did not use; four processes racing for a
 *     request's last impressions, exactly as many given as it has left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "gov_fixture.h"
#include "../test_principal.h"

#define PASS "devices-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"
#define USER_PW "Devices-Passphrase-2291"
#define PHOTO "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_context *ctx;
static int64_t now_ms;
static eseal_org org_a, org_b;
static char seal_a[64];
static const char *stamper_r[] = {"stamper"};
static const char *keeper_r[] = {"seal-keeper"};
static const char *admin_r[] = {"org-admin"};
static eseal_key *chip, *other_chip;
static eseal_device dev;
static int nonce_n;

static int64_t clock_fn(void *payload)
{
    (void)payload;
    return now_ms;
}

static void add_user(const char *login, const char *org, const char *roles)
{
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, login, login, org, roles, USER_PW), ESEAL_OK);
}

static eseal_principal user(const char *login, const char *org, const char **roles)
{
    return test_user(login, org, roles, 1);
}

/* The PEM of `key`'s public half. */
static void pub_pem(eseal_buf *out, const eseal_key *key)
{
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&der, key), ESEAL_OK);
    /* RFC 7468 PEM of the DER (the public API writes no public key PEM; the SM2 case below hands DER) */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof(text), "-----BEGIN PUBLIC KEY-----\n");
    size_t col = 0;
    for (size_t i = 0; i < der.size; i += 3) {
        uint32_t v = (uint32_t)der.ptr[i] << 16;
        size_t left = der.size - i;
        if (left > 1) {
            v |= (uint32_t)der.ptr[i + 1] << 8;
        }
        if (left > 2) {
            v |= der.ptr[i + 2];
        }
        text[n++] = b64[(v >> 18) & 63];
        text[n++] = b64[(v >> 12) & 63];
        text[n++] = left > 1 ? b64[(v >> 6) & 63] : '=';
        text[n++] = left > 2 ? b64[v & 63] : '=';
        col += 4;
        if (col == 64) {
            text[n++] = '\n';
            col = 0;
        }
    }
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s-----END PUBLIC KEY-----\n", col > 0 ? "\n" : "");
    eseal_buf_dispose(&der);
    out->ptr = malloc(n);
    assert_non_null(out->ptr);
    memcpy(out->ptr, text, n);
    out->size = n;
}

static eseal_principal device_who(const char *id)
{
    eseal_principal p = ESEAL_PRINCIPAL_INIT;
    p.kind = ESEAL_PRINCIPAL_DEVICE;
    p.id = id;
    p.address = "203.0.113.7";
    return p;
}

/* An approved request of sam's for `n_docs` documents (the same PDF each time). */
static eseal_request approved_request(size_t n_docs)
{
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.user = "sam";
    eseal_grant g;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    const char *stamper_roles[] = {"stamper"};
    eseal_principal sam = user("sam", org_a.id, stamper_roles);
    char pdf[700];
    (void)snprintf(pdf, sizeof(pdf), "%s/doc.pdf", tmpl);
    const char *docs[4] = {pdf, pdf, pdf, pdf};
    assert_true(n_docs >= 1 && n_docs <= 4);
    eseal_request_submit_options o = ESEAL_REQUEST_SUBMIT_OPTIONS_INIT;
    o.seal = seal_a;
    o.purpose = "a contract stamped on paper";
    o.paths = docs;
    o.n_docs = n_docs;
    eseal_request r;
    if (eseal_request_submit(inst, &sam, &o, &r) != ESEAL_OK) {
        fail_msg("submit: %s", eseal_error_last()->message);
    }
    assert_int_equal(r.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(r.docs, (int64_t)n_docs);
    return r;
}

static eseal_webhook hook;

static int setup(void **state)
{
    (void)state;
    now_ms = eseal_time_now();
    gov_setup(&(gov_setup_args){.tag = "devices", .pass = PASS, .tmpl = tmpl, .ihome = ihome,
                                .ihome_cap = sizeof(ihome), .inst = &inst, .ctx = &ctx, .clock = clock_fn,
                                .org_a = &org_a, .name_a = "Alpha Trading Ltd", .uscc_a = USCC_A, .org_b = &org_b,
                                .name_b = "Beta Logistics Ltd", .uscc_b = USCC_B, .seal_a = seal_a,
                                .seal_name = "Alpha Contract Seal"});
    add_user("sam", org_a.id, "stamper");
    add_user("kay", org_a.id, "seal-keeper");
    add_user("ada", org_a.id, "org-admin");
    add_user("bob", org_b.id, "org-admin");
    add_user("pat", org_a.id, "stamper");
    char pdf[700];
    (void)snprintf(pdf, sizeof(pdf), "%s/doc.pdf", tmpl);
    test_write_pdf(pdf);
    assert_int_equal(eseal_key_generate(&chip, ESEAL_ALG_P256), ESEAL_OK);
    assert_int_equal(eseal_key_generate(&other_chip, ESEAL_ALG_P256), ESEAL_OK);
    eseal_principal ada = user("ada", org_a.id, admin_r);
    assert_int_equal(eseal_webhook_add(inst, &ada, NULL, "http://127.0.0.1:9/hook", "alert", &hook), ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_key_free(chip);
    eseal_key_free(other_chip);
    int rc = test_instance_done(inst, tmpl);
    eseal_context_free(ctx);
    return rc;
}

/* ---- registering ---- */

static void registering(void **state)
{
    (void)state;
    eseal_principal kay = user("kay", org_a.id, keeper_r), sam = user("sam", org_a.id, stamper_r),
                    bob = user("bob", org_b.id, admin_r);
    eseal_buf pem = ESEAL_BUF_INIT;
    pub_pem(&pem, chip);
    assert_int_equal(eseal_device_add(inst, &sam, seal_a, pem.ptr, pem.size, "CHIP-0001", &dev), ESEAL_EDENIED);
    assert_int_equal(eseal_device_add(inst, &bob, seal_a, pem.ptr, pem.size, "CHIP-0001", &dev), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_device_add(inst, &kay, seal_a, pem.ptr, pem.size, "CHIP 0001", &dev), ESEAL_EINVAL);
    assert_int_equal(eseal_device_add(inst, &kay, seal_a, pem.ptr, pem.size, "CHIP-0001", &dev), ESEAL_OK);
    assert_string_equal(dev.seal, seal_a);
    assert_string_equal(dev.org_id, org_a.id);
    assert_string_equal(dev.alg, "p256");
    assert_int_equal(dev.status, ESEAL_DEVICE_ACTIVE);
    assert_string_equal(dev.added_by, "user:kay");
    eseal_device f2;
    /* the same chip, or the same key, twice */
    assert_int_equal(eseal_device_add(inst, &kay, seal_a, pem.ptr, pem.size, "CHIP-0002", &f2), ESEAL_EEXISTS);
    eseal_buf_dispose(&pem);
    /* an SM2 chip, its key as DER */
    eseal_key *sm2 = NULL;
    assert_int_equal(eseal_key_generate(&sm2, ESEAL_ALG_SM2), ESEAL_OK);
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&der, sm2), ESEAL_OK);
    eseal_device d2;
    assert_int_equal(eseal_device_add(inst, &kay, seal_a, der.ptr, der.size, "SM2-CHIP-7", &d2), ESEAL_OK);
    assert_string_equal(d2.alg, "sm2");
    eseal_buf_dispose(&der);
    eseal_key_free(sm2);
    /* an RSA key is no chip's */
    eseal_key *rsa = NULL;
    assert_int_equal(eseal_key_generate(&rsa, ESEAL_ALG_RSA2048), ESEAL_OK);
    assert_int_equal(eseal_key_public_der(&der, rsa), ESEAL_OK);
    eseal_device d3;
    assert_int_equal(eseal_device_add(inst, &kay, seal_a, der.ptr, der.size, "RSA-CHIP", &d3), ESEAL_EUNSUPPORTED);
    eseal_buf_dispose(&der);
    eseal_key_free(rsa);
    /* seen by its organisation, not by another */
    eseal_device f;
    assert_int_equal(eseal_device_find(inst, &sam, &f, dev.id), ESEAL_OK);
    assert_memory_equal(f.key, dev.key, dev.key_len);
    assert_int_equal(eseal_device_find(inst, &bob, &f, dev.id), ESEAL_ENOTFOUND);
    /* retired once */
    assert_int_equal(eseal_device_retire(inst, &sam, d2.id, "lost"), ESEAL_EDENIED);
    assert_int_equal(eseal_device_retire(inst, &kay, d2.id, "lost"), ESEAL_OK);
    assert_int_equal(eseal_device_retire(inst, &kay, d2.id, "lost"), ESEAL_ESTATE);
    assert_int_equal(eseal_device_find(inst, &kay, &f, d2.id), ESEAL_OK);
    assert_int_equal(f.status, ESEAL_DEVICE_RETIRED);
}

/* ---- the protocol ---- */

static void next_nonce(char out[ESEAL_DEVICE_NONCE_LEN + 1])
{
    (void)snprintf(out, ESEAL_DEVICE_NONCE_LEN + 1, "%032x", ++nonce_n);
}

static void sign(eseal_buf *sig, eseal_key *key, const eseal_buf *msg)
{
    assert_int_equal(eseal_key_sign(sig, key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg->ptr, msg->size), ESEAL_OK);
}

/* Asks for an unlock as the device (signed by `key`); the code, *out and the refusal's code. */
static int ask(eseal_key *key, const char *device, const char *request, int64_t n, const char *nonce, int64_t t,
               eseal_unlock_answer *out, char code[32])
{
    eseal_device_ask a = {.device = device, .request = request, .impressions = n, .nonce = nonce, .time_ms = t};
    eseal_buf msg = ESEAL_BUF_INIT, sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_device_ask_bytes(&msg, &a), ESEAL_OK);
    sign(&sig, key, &msg);
    eseal_principal who = device_who(device);
    eseal_device_refusal ref;
    memset(out, 0, sizeof(*out));
    int rc = eseal_device_unlock(inst, &who, &a, sig.ptr, sig.size, out, &ref);
    (void)snprintf(code, 32, "%s", ref.code);
    eseal_buf_dispose(&msg);
    eseal_buf_dispose(&sig);
    return rc;
}

static int report(eseal_key *key, const char *device, const char *unlock, int64_t seq, int64_t t, eseal_impression *out,
                  char code[32])
{
    eseal_device_report r = {.device = device, .unlock = unlock, .seq = seq, .time_ms = t, .lat = "31.2304",
                             .lon = "121.4737", .photo_sha256 = PHOTO, .operator_id = "Zhang Wei (badge 0042)"};
    eseal_buf msg = ESEAL_BUF_INIT, sig = ESEAL_BUF_INIT;
    assert_int_equal(eseal_device_report_bytes(&msg, &r), ESEAL_OK);
    sign(&sig, key, &msg);
    eseal_principal who = device_who(device);
    eseal_device_refusal ref;
    int rc = eseal_device_report_accept(inst, &who, &r, sig.ptr, sig.size, out, &ref);
    (void)snprintf(code, 32, "%s", ref.code);
    eseal_buf_dispose(&msg);
    eseal_buf_dispose(&sig);
    return rc;
}

typedef struct {
    size_t refused, impressions, unlocks, over;
    char last_detail[1024];
} tally;

static int count_entry(uint64_t i, const eseal_audit_entry *e, const char *org, void *p)
{
    (void)i;
    (void)org;
    tally *t = p;
    if (strcmp(e->type, "device.refused") == 0) {
        t->refused++;
        (void)snprintf(t->last_detail, sizeof(t->last_detail), "%s", e->detail != NULL ? e->detail : "");
    } else if (strcmp(e->type, "device.impression") == 0) {
        t->impressions++;
    } else if (strcmp(e->type, "device.unlock") == 0) {
        t->unlocks++;
    } else if (strcmp(e->type, "device.over-request") == 0) {
        t->over++;
        (void)snprintf(t->last_detail, sizeof(t->last_detail), "%s", e->detail != NULL ? e->detail : "");
    }
    return 0;
}

static tally audit_tally(void)
{
    tally t = {0};
    uint64_t next = 0;
    assert_int_equal(eseal_instance_audit_read(inst, test_who(), 0, 100000, count_entry, &t, &next), ESEAL_OK);
    return t;
}

static int count_alert(const eseal_delivery *d, void *p)
{
    if (strcmp(d->event_type, "alert") == 0 && strstr(d->body, "device.refused") != NULL) {
        (*(size_t *)p)++;
    }
    return 0;
}

static int count_over(const eseal_delivery *d, void *p)
{
    if (strcmp(d->event_type, "alert") == 0 && strstr(d->body, "device.over-request") != NULL &&
        strstr(d->body, ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED) != NULL) {
        (*(size_t *)p)++;
    }
    return 0;
}

/* The webhook alerts of a request that has more impressions than documents. */
static size_t over_alerts(void)
{
    size_t n = 0;
    assert_int_equal(eseal_webhook_deliveries(inst, test_who(), hook.id, 1000, count_over, &n), ESEAL_OK);
    return n;
}

static size_t alerts(void)
{
    size_t n = 0;
    assert_int_equal(eseal_webhook_deliveries(inst, test_who(), hook.id, 1000, count_alert, &n), ESEAL_OK);
    return n;
}

/* The refusal `code` was recorded and alerted once more than before. */
static void refused_once(tally *before, size_t *alerts_before, const char *code)
{
    tally after = audit_tally();
    assert_int_equal(after.refused, before->refused + 1);
    assert_non_null(strstr(after.last_detail, code));
    size_t a = alerts();
    assert_int_equal(a, *alerts_before + 1);
    *before = after;
    *alerts_before = a;
}

static int keep_impression(const eseal_impression *m, void *p)
{
    eseal_impression *arr = p;
    arr[m->seq - 1] = *m;
    return 0;
}

static void protocol(void **state)
{
    (void)state;
    eseal_request req = approved_request(2);
    tally t = audit_tally();
    size_t al = alerts();
    char nonce[ESEAL_DEVICE_NONCE_LEN + 1], code[32];
    eseal_unlock_answer ans;

    /* an ask signed by another chip */
    next_nonce(nonce);
    assert_int_equal(ask(other_chip, dev.id, req.id, 2, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_BAD_SIGNATURE);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_BAD_SIGNATURE);
    /* a stale ask */
    next_nonce(nonce);
    assert_int_equal(ask(chip, dev.id, req.id, 2, nonce, now_ms - 10 * 60 * 1000, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_STALE);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_STALE);
    /* an unknown device (the request's organisation hears of it) */
    next_nonce(nonce);
    assert_int_equal(ask(chip, "dev_00000000000000ff", req.id, 2, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_UNKNOWN_DEVICE);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_UNKNOWN_DEVICE);
    /* a request that is not approved */
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.user = "pat";
    q.approval = "1:ada";
    eseal_grant g;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    eseal_principal pat = user("pat", org_a.id, stamper_r);
    char pdf[700];
    (void)snprintf(pdf, sizeof(pdf), "%s/doc.pdf", tmpl);
    const char *docs[1] = {pdf};
    eseal_request_submit_options o = ESEAL_REQUEST_SUBMIT_OPTIONS_INIT;
    o.seal = seal_a;
    o.paths = docs;
    o.n_docs = 1;
    eseal_request pending;
    assert_int_equal(eseal_request_submit(inst, &pat, &o, &pending), ESEAL_OK);
    assert_int_equal(pending.status, ESEAL_REQUEST_PENDING);
    next_nonce(nonce);
    assert_int_equal(ask(chip, dev.id, pending.id, 1, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_NOT_APPROVED);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_NOT_APPROVED);
    /* a request that does not exist (nor is of the device's seal) */
    next_nonce(nonce);
    assert_int_equal(ask(chip, dev.id, "req_00000000000000ff", 1, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_WRONG_SEAL);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_WRONG_SEAL);

    /* the unlock */
    next_nonce(nonce);
    assert_int_equal(ask(chip, dev.id, req.id, 2, nonce, now_ms, &ans, code), ESEAL_OK);
    assert_string_equal(code, "");
    assert_int_equal(ans.unlock.impressions, 2);
    assert_int_equal(ans.unlock.expires_ms - ans.unlock.issued_ms, ESEAL_UNLOCK_TTL_MS);
    eseal_buf tok = ESEAL_BUF_INIT;
    assert_int_equal(eseal_device_token_bytes(&tok, &ans.unlock, &dev, seal_a), ESEAL_OK);
    assert_int_equal(tok.size, ans.token.size);
    assert_memory_equal(tok.ptr, ans.token.ptr, tok.size);
    eseal_buf_dispose(&tok);
    /* the device checks it with the seal maker's certificate */
    eseal_cert *maker = NULL;
    assert_int_equal(eseal_cert_parse(&maker, ans.signer_pem.ptr, ans.signer_pem.size), ESEAL_OK);
    int valid = 0;
    assert_int_equal(eseal_cert_verify_data(&valid, maker, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, ans.token.ptr,
                                            ans.token.size, ans.signature.ptr, ans.signature.size),
                     ESEAL_OK);
    assert_int_equal(valid, 1);
    ans.token.ptr[10] ^= 1;
    assert_int_equal(eseal_cert_verify_data(&valid, maker, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, ans.token.ptr,
                                            ans.token.size, ans.signature.ptr, ans.signature.size),
                     ESEAL_OK);
    assert_int_equal(valid, 0);
    eseal_cert_free(maker);
    eseal_unlock unlock = ans.unlock;
    eseal_unlock_answer_dispose(&ans);
    assert_int_equal(audit_tally().unlocks, t.unlocks + 1);
    t = audit_tally();
    /* the same ask again: replayed */
    assert_int_equal(ask(chip, dev.id, req.id, 2, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_REPLAYED_ASK);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_REPLAYED_ASK);

    /* reports */
    eseal_impression m;
    assert_int_equal(report(other_chip, dev.id, unlock.id, 1, now_ms + 1000, &m, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_BAD_SIGNATURE);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_BAD_SIGNATURE);
    assert_int_equal(report(chip, dev.id, "unl_00000000000000ff", 1, now_ms + 1000, &m, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_NO_UNLOCK);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_NO_UNLOCK);
    assert_int_equal(report(chip, dev.id, unlock.id, 1, unlock.expires_ms + 1, &m, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_EXPIRED);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_EXPIRED);
    assert_int_equal(report(chip, dev.id, unlock.id, 1, now_ms + 1000, &m, code), ESEAL_OK);
    assert_int_equal(m.seq, 1);
    uint64_t first_index = (uint64_t)m.log_index;
    assert_int_equal(report(chip, dev.id, unlock.id, 1, now_ms + 1000, &m, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_REPLAYED_REPORT);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_REPLAYED_REPORT);
    assert_int_equal(report(chip, dev.id, unlock.id, 2, now_ms + 2000, &m, code), ESEAL_OK);
    assert_int_equal(report(chip, dev.id, unlock.id, 3, now_ms + 3000, &m, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_EXHAUSTED);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_EXHAUSTED);
    assert_int_equal(audit_tally().impressions, 2);

    /* the request's record */
    eseal_impression got[2];
    memset(got, 0, sizeof(got));
    assert_int_equal(eseal_device_impressions(inst, &pat, req.id, keep_impression, got), ESEAL_OK);
    assert_int_equal(got[0].seq, 1);
    assert_int_equal(got[1].seq, 2);
    assert_string_equal(got[0].photo_sha256, PHOTO);
    assert_string_equal(got[1].operator_id, "Zhang Wei (badge 0042)");
    assert_int_equal((uint64_t)got[0].log_index, first_index);
    eseal_principal bob = user("bob", org_b.id, admin_r);
    assert_int_equal(eseal_device_impressions(inst, &bob, req.id, keep_impression, got), ESEAL_ENOTFOUND);

    /* the impression's receipt verifies and holds its entry */
    uint64_t size = 0;
    assert_int_equal(eseal_instance_log_publish(inst, test_who(), &size), ESEAL_OK);
    eseal_log *lg = NULL;
    assert_int_equal(eseal_instance_log(inst, &lg), ESEAL_OK);
    eseal_buf rc = ESEAL_BUF_INIT, vk = ESEAL_BUF_INIT;
    assert_int_equal(eseal_log_receipt(lg, &rc, first_index), ESEAL_OK);
    assert_int_equal(eseal_log_vkey(lg, &vk), ESEAL_OK);
    char vkey[512];
    (void)snprintf(vkey, sizeof(vkey), "%.*s", (int)strcspn((const char *)vk.ptr, "\n"), (const char *)vk.ptr);
    eseal_receipt_check chk = ESEAL_RECEIPT_CHECK_INIT;
    chk.log_vkey = vkey;
    eseal_receipt_info info;
    assert_int_equal(eseal_receipt_verify(&info, rc.ptr, rc.size, &chk), ESEAL_OK);
    assert_int_equal(info.index, first_index);
    eseal_receipt_info_dispose(&info);
    eseal_receipt_parts parts;
    assert_int_equal(eseal_receipt_split(&parts, rc.ptr, rc.size), ESEAL_OK);
    assert_non_null(memmem(parts.entry.ptr, parts.entry.size, "device.impression", 17));
    assert_non_null(memmem(parts.entry.ptr, parts.entry.size, PHOTO, 64));
    eseal_receipt_parts_dispose(&parts);
    eseal_buf_dispose(&rc);
    eseal_buf_dispose(&vk);

    /* a retired device gets nothing */
    eseal_principal kay = user("kay", org_a.id, keeper_r);
    assert_int_equal(eseal_device_retire(inst, &kay, dev.id, "end of test"), ESEAL_OK);
    t = audit_tally();
    next_nonce(nonce);
    assert_int_equal(ask(chip, dev.id, req.id, 1, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_RETIRED);
    refused_once(&t, &al, ESEAL_DEVICE_REFUSED_RETIRED);
}

/* A device of seal_a, its chip `key`, registered by kay. */
static eseal_device new_device(eseal_key *key, const char *chip_id)
{
    eseal_principal kay = user("kay", org_a.id, keeper_r);
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&der, key), ESEAL_OK);
    eseal_device d;
    assert_int_equal(eseal_device_add(inst, &kay, seal_a, der.ptr, der.size, chip_id, &d), ESEAL_OK);
    eseal_buf_dispose(&der);
    return d;
}

/* An unlock of `n` for `request` that the platform gives; its id in out_id. */
static void unlock_given(eseal_key *key, const eseal_device *d, const char *request, int64_t n,
                         char out_id[ESEAL_UNLOCK_ID_LEN + 1])
{
    char nonce[ESEAL_DEVICE_NONCE_LEN + 1], code[32];
    eseal_unlock_answer ans;
    next_nonce(nonce);
    if (ask(key, d->id, request, n, nonce, now_ms, &ans, code) != ESEAL_OK) {
        fail_msg("unlock of %d: %s", (int)n, eseal_error_last()->message);
    }
    assert_int_equal(ans.unlock.impressions, n);
    (void)snprintf(out_id, ESEAL_UNLOCK_ID_LEN + 1, "%s", ans.unlock.id);
    eseal_unlock_answer_dispose(&ans);
}

/* An ask of `n` for `request` refused for the request's limit, recorded and alerted, `left` said. */
static void unlock_exceeds(eseal_key *key, const eseal_device *d, const char *request, int64_t n, int64_t left,
                           tally *t, size_t *al)
{
    char nonce[ESEAL_DEVICE_NONCE_LEN + 1], code[32], said[64];
    eseal_unlock_answer ans;
    size_t unlocks = t->unlocks;
    next_nonce(nonce);
    assert_int_equal(ask(key, d->id, request, n, nonce, now_ms, &ans, code), ESEAL_EDENIED);
    assert_string_equal(code, ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED);
    (void)snprintf(said, sizeof(said), "has %d left, %d asked", (int)left, (int)n);
    if (strstr(eseal_error_last()->message, said) == NULL) {
        fail_msg("'%s' does not say '%s'", eseal_error_last()->message, said);
    }
    assert_null(ans.token.ptr);
    refused_once(t, al, ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED);
    assert_int_equal(t->unlocks, unlocks); /* nothing given: no "device.unlock" entry */
}

/*
 * The request is the limit of its impressions, over all its unlocks and devices: a live unlock holds
 * its whole quota, an expired one gives back what it did not use.
 */
static void request_limits_impressions(void **state)
{
    (void)state;
    eseal_key *k1 = NULL, *k2 = NULL;
    assert_int_equal(eseal_key_generate(&k1, ESEAL_ALG_P256), ESEAL_OK);
    assert_int_equal(eseal_key_generate(&k2, ESEAL_ALG_P256), ESEAL_OK);
    eseal_device d1 = new_device(k1, "CAP-CHIP-1"), d2 = new_device(k2, "CAP-CHIP-2");
    eseal_request req = approved_request(3);
    tally t = audit_tally();
    size_t al = alerts();
    char u1[ESEAL_UNLOCK_ID_LEN + 1], u2[ESEAL_UNLOCK_ID_LEN + 1], u3[ESEAL_UNLOCK_ID_LEN + 1], code[32];

    unlock_given(k1, &d1, req.id, 2, u1);
    t = audit_tally();
    unlock_exceeds(k1, &d1, req.id, 2, 1, &t, &al);
    /* another device of the seal shares the request's count */
    unlock_exceeds(k2, &d2, req.id, 2, 1, &t, &al);
    unlock_given(k2, &d2, req.id, 1, u2);
    t = audit_tally();
    unlock_exceeds(k1, &d1, req.id, 1, 0, &t, &al);

    /* one impression under the first unlock; then both expire: the first gives back 1, the second 1 */
    eseal_impression m;
    assert_int_equal(report(k1, d1.id, u1, 1, now_ms + 1000, &m, code), ESEAL_OK);
    now_ms += ESEAL_UNLOCK_TTL_MS - 1;
    unlock_exceeds(k1, &d1, req.id, 1, 0, &t, &al); /* the last millisecond: still live */
    now_ms += 2;
    unlock_exceeds(k1, &d1, req.id, 3, 2, &t, &al);
    unlock_given(k1, &d1, req.id, 2, u3);
    t = audit_tally();
    unlock_exceeds(k2, &d2, req.id, 1, 0, &t, &al);
    /* the impressions under the new unlock count as before */
    assert_int_equal(report(k1, d1.id, u3, 1, now_ms + 1000, &m, code), ESEAL_OK);
    assert_int_equal(report(k1, d1.id, u3, 2, now_ms + 2000, &m, code), ESEAL_OK);
    eseal_key_free(k1);
    eseal_key_free(k2);
}

/*
 * A late report: an unlock of the request's only impression expires unreported, the impression
 * comes back to the request and a second unlock takes it and strikes; then the first unlock's
 * impression (struck before its expiry) is reported. It is kept, and the request, now at 2 of 1,
 * is alerted: an audit entry device.over-request and a webhook alert, REQUEST_IMPRESSIONS_EXCEEDED.
 */
static void late_report_over_request(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    assert_int_equal(eseal_key_generate(&k, ESEAL_ALG_P256), ESEAL_OK);
    eseal_device d = new_device(k, "LATE-CHIP-1");
    eseal_request req = approved_request(1);
    char u1[ESEAL_UNLOCK_ID_LEN + 1], u2[ESEAL_UNLOCK_ID_LEN + 1], code[32];
    unlock_given(k, &d, req.id, 1, u1);
    int64_t struck = now_ms + 1000; /* within u1's five minutes */
    now_ms += ESEAL_UNLOCK_TTL_MS + 1;
    unlock_given(k, &d, req.id, 1, u2);
    eseal_impression m;
    tally t = audit_tally();
    size_t over = over_alerts();
    assert_int_equal(report(k, d.id, u2, 1, now_ms + 1000, &m, code), ESEAL_OK);
    assert_int_equal(audit_tally().over, t.over); /* 1 of 1: nothing to say */
    assert_int_equal(over_alerts(), over);
    int lrc = report(k, d.id, u1, 1, struck, &m, code); /* late, in the 24 h grace */
    if (lrc != ESEAL_OK) {
        fail_msg("late report: %s (%s)", eseal_error_last()->message, code);
    }
    assert_string_equal(code, "");
    tally after = audit_tally();
    assert_int_equal(after.impressions, t.impressions + 2);
    assert_int_equal(after.over, t.over + 1);
    assert_non_null(strstr(after.last_detail, "allows 1 impressions and 2 are reported"));
    assert_int_equal(over_alerts(), over + 1);
    eseal_key_free(k);
}

#define RACERS 4

/*
 * Four processes, each its own instance on the same store, ask at once for 1 impression of a request
 * of 2 documents: exactly two are given, two refused for the request's limit (the count and the insert
 * are one transaction that the store serialises on both engines). Each child exits 0 given, 1 refused
 * with REQUEST_IMPRESSIONS_EXCEEDED, 2 anything else.
 */
static void racing_asks(void **state)
{
    (void)state;
    eseal_key *k = NULL;
    assert_int_equal(eseal_key_generate(&k, ESEAL_ALG_P256), ESEAL_OK);
    eseal_device d = new_device(k, "RACE-CHIP-1");
    eseal_request req = approved_request(2);
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t kids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            /* the parent's connection is left alone: the child opens its own instance (its clock the real one) */
            char b;
            (void)close(go[1]);
            inst = test_instance_open(ihome, PASS);
            nonce_n = 1000 * (i + 1);
            char nonce[ESEAL_DEVICE_NONCE_LEN + 1], code[32];
            next_nonce(nonce);
            eseal_unlock_answer ans;
            if (read(go[0], &b, 1) != 0) { /* the parent closes the pipe: all start together */
                _exit(2);
            }
            int rc = ask(k, d.id, req.id, 1, nonce, eseal_time_now(), &ans, code);
            bool limit = rc == ESEAL_EDENIED && strcmp(code, ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED) == 0;
            _exit(rc == ESEAL_OK ? 0 : limit ? 1 : 2);
        }
    }
    (void)close(go[0]);
    (void)usleep(300 * 1000); /* the children open their instances */
    (void)close(go[1]);
    int given = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        int st = 0;
        assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
        assert_true(WIFEXITED(st));
        given += WEXITSTATUS(st) == 0;
        refused += WEXITSTATUS(st) == 1;
    }
    assert_int_equal(given, 2);
    assert_int_equal(refused, RACERS - 2);
    eseal_key_free(k);
}

/* The signed bytes, exactly as docs/devices.md writes them, and the syntax they refuse. */
static void signed_bytes(void **state)
{
    (void)state;
    eseal_device_ask a = {.device = "dev_0123456789abcdef", .request = "req_0123456789abcdef", .impressions = 3,
                          .nonce = "000102030405060708090a0b0c0d0e0f", .time_ms = 1733400000000};
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_device_ask_bytes(&b, &a), ESEAL_OK);
    const char *want = "eseal-device-unlock-ask/v1\ndevice: dev_0123456789abcdef\nrequest: req_0123456789abcdef\n"
                       "impressions: 3\nnonce: 000102030405060708090a0b0c0d0e0f\ntime: 1733400000000\n";
    assert_int_equal(b.size, strlen(want));
    assert_memory_equal(b.ptr, want, b.size);
    eseal_buf_dispose(&b);
    a.nonce = "000102030405060708090a0b0c0d0e0F";
    assert_int_equal(eseal_device_ask_bytes(&b, &a), ESEAL_EINVAL);
    eseal_device_report r = {.device = "dev_0123456789abcdef", .unlock = "unl_0123456789abcdef", .seq = 1,
                             .time_ms = 5, .lat = "-33.8688", .lon = "151.2093", .photo_sha256 = PHOTO,
                             .operator_id = "op"};
    assert_int_equal(eseal_device_report_bytes(&b, &r), ESEAL_OK);
    eseal_buf_dispose(&b);
    r.operator_id = "two\nlines";
    assert_int_equal(eseal_device_report_bytes(&b, &r), ESEAL_EINVAL);
    r.operator_id = "op";
    r.lat = "91.0";
    assert_int_equal(eseal_device_report_bytes(&b, &r), ESEAL_EINVAL);
    r.lat = "90.0";
    assert_int_equal(eseal_device_report_bytes(&b, &r), ESEAL_OK);
    eseal_buf_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_bytes),
        cmocka_unit_test(registering),
        cmocka_unit_test(protocol),
        cmocka_unit_test(racing_asks),
        cmocka_unit_test(request_limits_impressions),
        cmocka_unit_test(late_report_over_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
