/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 3161 timestamps in OFD stamps (GB/T 38540-2020 SES_Signature.timeStamp), library level:
 * es_ofd_stamp asks its timestamp callback (here eseal_tsa_client_stamp over an in-process
 * eseal_tsa_respond with a pinned clock) for a token over the signature value and embeds it;
 * es_ofd_verify checks it with eseal_tsa_verify_token and judges the signer and the seal at
 * genTime. The PKI: an SM2 root issuing the seal maker and the signers, a separate P-256 root
 * issuing the TSA (so the TSA can be left out of the trust set), CRLs from both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "eseal/tsa_client.h"
#include "ofd/ofd.h"
#include "seal/ses.h"
#include "../test_pki.h"
#include "ofd_fixture.h"

#define DAY_MS (86400LL * 1000)
#define VALUE_PATH "Doc_0/Signs/Sign_0/SignedValue.dat"

static int64_t now_ms;  /* the validation time, whole seconds */
static int64_t sign_ms; /* timeInfo of every stamp: ten days ago */
static eseal_key *root_key, *tsa_root_key, *tsa_key, *maker_key, *signer_key, *expiring_key, *p256_key;
static eseal_cert *root, *tsa_root, *tsa_cert, *maker, *signer, *expiring, *p256_signer;
static eseal_buf seal_der;  /* lists signer, expiring and p256_signer */
static eseal_buf v1_seal;   /* the same as a GM/T 0031-2014 seal */
static es_buf unsigned_ofd; /* a one-page OFD of our own */
static eseal_trust *trust;  /* both roots and their (empty) CRLs */

/* ---- the TSA and the callback ------------------------------------------------------------- */

typedef struct {
    int64_t clock_ms; /* genTime the TSA gives */
    int mode;         /* 0 a good token, 1 fail, 2 garbage, 3 a token over other data */
    int calls;
    eseal_hash hash;
    uint8_t digest[64];
    size_t digest_len;
} tsa_ctx;

static uint64_t serial_counter;

static int next_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    *serial = ++serial_counter;
    return ESEAL_OK;
}

static int64_t pinned_clock(void *ctx) { return ((const tsa_ctx *)ctx)->clock_ms; }

static int transport(void *ctx, eseal_buf *resp, const void *req, size_t len)
{
    eseal_tsa_config c = ESEAL_TSA_CONFIG_INIT;
    c.key = tsa_key;
    c.cert = tsa_cert;
    c.next_serial = next_serial;
    c.clock = pinned_clock;
    c.clock_ctx = ctx;
    return eseal_tsa_respond(resp, req, len, &c);
}

/* A token over `digest` from the test TSA, through the real client (checklist included). */
static void get_token(es_buf *out, tsa_ctx *t, eseal_hash hash, es_span digest)
{
    eseal_tsa_source src = {NULL, transport, t, "test TSA"};
    eseal_tsa_client_options o = ESEAL_TSA_CLIENT_OPTIONS_INIT;
    o.sources = &src;
    o.n_sources = 1;
    o.trust = trust;
    eseal_tsa_client_result res;
    memset(&res, 0, sizeof(res));
    int rc = eseal_tsa_client_stamp(&res, hash, digest.ptr, digest.len, &o);
    if (rc != ESEAL_OK) {
        fail_msg("tsa client: %s", eseal_error_last()->message);
    }
    out->len = 0;
    assert_true(es_ok(es_buf_append(out, res.token.ptr, res.token.size)));
    eseal_tsa_client_result_free(&res);
}

/* The es_ofd_stamp_options.timestamp callback (an eseal_timestamp_fn, as for PDF). */
static es_result timestamp_cb_(tsa_ctx *t, es_buf *token, eseal_hash hash, es_span digest)
{
    t->calls++;
    t->hash = hash;
    assert_true(digest.len <= sizeof(t->digest));
    memcpy(t->digest, digest.ptr, digest.len);
    t->digest_len = digest.len;
    switch (t->mode) {
    case 1:
        return es_error_set(ESEAL_EIO, __FILE__, __LINE__, "test: the TSA did not answer");
    case 2:
        return es_buf_append(token, "\x30\x02\x30\x00", 4); /* SEQUENCE { SEQUENCE {} }: no ContentInfo */
    case 3: {
        uint8_t other[64];
        memset(other, 0x5a, sizeof(other));
        get_token(token, t, hash, es_span_of(other, digest.len));
        return ES_OK;
    }
    default:
        get_token(token, t, hash, digest);
        return ES_OK;
    }
}

static int timestamp_cb(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len)
{
    es_buf tok = ES_BUF_INIT(1 << 20);
    es_result r = timestamp_cb_(ctx, &tok, hash, es_span_of(digest, len));
    if (es_ok(r)) {
        es_buf_move_out(token, &tok);
    }
    es_buf_free(&tok);
    return es_code(r);
}

/* ---- the PKI, the seal, the document ------------------------------------------------------ */

static void serial_bytes(uint8_t *out, size_t *n, const eseal_cert *c)
{
    const char *hex = eseal_cert_serial(c);
    size_t l = strlen(hex);
    assert_true(l % 2 == 0 && l / 2 <= 20);
    for (size_t i = 0; i < l; i++) {
        char ch = hex[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : ch - 'a' + 10;
        out[i / 2] = (uint8_t)(i % 2 == 0 ? d << 4 : out[i / 2] | d);
    }
    *n = l / 2;
}

/* Both roots and their CRLs; `revoked_at` (0: none) revokes `who` in the root's CRL. */
static eseal_trust *make_trust(bool with_tsa, const eseal_cert *who, int64_t revoked_at)
{
    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(t, root), ESEAL_OK);
    uint8_t sn[20];
    size_t sl = 0;
    es_crl_entry e = {sn, 0, revoked_at, 1 /* keyCompromise */};
    if (who != NULL) {
        serial_bytes(sn, &sl, who);
        e.serial_len = sl;
    }
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, root_key, root, &e, who != NULL ? 1 : 0, 1, now_ms - 60000, now_ms + DAY_MS)));
    assert_int_equal(eseal_trust_add_crl(t, crl.ptr, crl.len), ESEAL_OK);
    if (with_tsa) {
        assert_int_equal(eseal_trust_add_anchor(t, tsa_root), ESEAL_OK);
        crl.len = 0;
        assert_true(es_ok(es_crl_issue(&crl, tsa_root_key, tsa_root, NULL, 0, 1, now_ms - 60000, now_ms + DAY_MS)));
        assert_int_equal(eseal_trust_add_crl(t, crl.ptr, crl.len), ESEAL_OK);
    }
    es_buf_free(&crl);
    return t;
}

/* What tests/resources/mkofd.py writes, one page. */
static void make_ofd(es_buf *out)
{
    char path[] = "/tmp/eseal-ofd-ts-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_ofd(path, NULL);
    *out = (es_buf)ES_BUF_INIT((size_t)1 << 20);
    assert_true(es_ok(es_file_read(out, path, out->max)));
    unlink(path);
}

static void make_seal(eseal_buf *out, int format)
{
    eseal_buf d[3] = {ESEAL_BUF_INIT, ESEAL_BUF_INIT, ESEAL_BUF_INIT};
    const eseal_cert *who[3] = {signer, expiring, p256_signer};
    eseal_bytes certs[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(eseal_cert_der(&d[i], who[i]), ESEAL_OK);
        certs[i] = (eseal_bytes){d[i].ptr, d[i].size};
    }
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.format = format;
    in.esid = "ES-TS-0001";
    in.type = ESEAL_SEAL_CONTRACT;
    in.name = "Timestamp Test Contract Seal";
    in.cert_list_type = 1;
    in.cert_count = 3;
    in.certs = certs;
    in.create_ms = now_ms - 90 * DAY_MS;
    in.valid_start_ms = now_ms - 90 * DAY_MS;
    in.valid_end_ms = now_ms + 365 * DAY_MS;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){png, sizeof(png) - 1};
    in.picture_width_mm = 40;
    in.picture_height_mm = 40;
    assert_int_equal(eseal_ses_seal_make(out, &in, maker, maker_key), ESEAL_OK);
    for (size_t i = 0; i < 3; i++) {
        eseal_buf_dispose(&d[i]);
    }
}

static int setup(void **state)
{
    (void)state;
    now_ms = eseal_time_now() / 1000 * 1000;
    sign_ms = now_ms - 10 * DAY_MS;
    int64_t from = now_ms - 100 * DAY_MS, to = now_ms + 365 * DAY_MS;
    test_issue(&root, &root_key, ESEAL_ALG_SM2, ES_PROFILE_ROOT_CA, "TS Test Root", NULL, NULL, from, to);
    test_issue(&tsa_root, &tsa_root_key, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "TS Test TSA Root", NULL, NULL, from,
               to);
    test_issue(&tsa_cert, &tsa_key, ESEAL_ALG_P256, ES_PROFILE_TSA, "TS Test TSA", tsa_root_key, tsa_root, from, to);
    test_issue(&maker, &maker_key, ESEAL_ALG_SM2, ES_PROFILE_SEAL_MAKER, "TS Test Maker", root_key, root, from, to);
    test_issue(&signer, &signer_key, ESEAL_ALG_SM2, ES_PROFILE_ORG, "TS Test Signer", root_key, root, from, to);
    /* Valid when the stamps are made and timestamped (ten days ago), expired five days ago. */
    test_issue(&expiring, &expiring_key, ESEAL_ALG_SM2, ES_PROFILE_ORG, "TS Test Expiring Signer", root_key, root,
               from, now_ms - 5 * DAY_MS);
    test_issue(&p256_signer, &p256_key, ESEAL_ALG_P256, ES_PROFILE_ORG, "TS Test P-256 Signer", root_key, root, from,
               to);
    make_seal(&seal_der, 4);
    make_seal(&v1_seal, 1);
    make_ofd(&unsigned_ofd);
    trust = make_trust(true, NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_trust_free(trust);
    es_buf_free(&unsigned_ofd);
    eseal_buf_dispose(&seal_der);
    eseal_buf_dispose(&v1_seal);
    eseal_cert *certs[] = {root, tsa_root, tsa_cert, maker, signer, expiring, p256_signer};
    eseal_key *keys[] = {root_key, tsa_root_key, tsa_key, maker_key, signer_key, expiring_key, p256_key};
    for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
        eseal_cert_free(certs[i]);
        eseal_key_free(keys[i]);
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* Stamps unsigned_ofd at sign_ms; with a callback when t is not NULL. */
static es_result stamp(es_buf *out, eseal_key *key, const eseal_cert *cert, tsa_ctx *t, int plain)
{
    *out = (es_buf)ES_BUF_INIT((size_t)16 << 20);
    es_ofd_stamp_options o = {.page = 1, .x_mm = 20, .y_mm = 30, .time_ms = sign_ms, .plain = plain};
    if (t != NULL) {
        o.timestamp = timestamp_cb;
        o.timestamp_ctx = t;
    }
    return es_ofd_stamp(out, es_buf_span(&unsigned_ofd), es_span_of(seal_der.ptr, seal_der.size), key, cert, &o);
}

static void stamp_ok(es_buf *out, eseal_key *key, const eseal_cert *cert, tsa_ctx *t)
{
    es_result r = stamp(out, key, cert, t, 0);
    if (!es_ok(r)) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
}

/* Verifies at now_ms; returns the report (the stamp is its only signature). */
static eseal_report *verify(const es_buf *ofd, const eseal_trust *t)
{
    eseal_report *rep = NULL;
    es_result r = es_ofd_verify(&rep, es_buf_span(ofd), t, now_ms, NULL);
    if (!es_ok(r)) {
        fail_msg("verify: %s", eseal_error_last()->message);
    }
    assert_int_equal(eseal_report_child_count(rep), 1);
    return rep;
}

static const eseal_report *sig0(const eseal_report *rep) { return eseal_report_child(rep, 0); }

static void dump(const eseal_report *r)
{
    const eseal_value *d = eseal_report_data(r);
    for (size_t i = 0; i < eseal_value_count(d); i++) {
        print_message("  %s\n", eseal_value_key(d, i));
    }
    for (size_t i = 0; i < eseal_report_reason_count(r); i++) {
        print_message("  - %s [%s]: %s\n", eseal_verdict_name(eseal_report_reason_verdict(r, i)),
                      eseal_report_reason_code(r, i), eseal_report_reason_text(r, i));
    }
}

/* The verdict, and the codes the signature must have (NULL-terminated; none: no reasons at all). */
static void expect(const eseal_report *rep, eseal_verdict v, const char *const *codes)
{
    const eseal_report *s = sig0(rep);
    bool ok = eseal_report_verdict(s) == v;
    size_t n = 0;
    for (; codes != NULL && codes[n] != NULL; n++) {
        ok = ok && eseal_report_has_reason(s, codes[n]);
    }
    ok = ok && (n > 0 || eseal_report_reason_count(s) == 0);
    if (!ok) {
        dump(s);
        fail_msg("expected %s with %s, got %s", eseal_verdict_name(v), n > 0 ? codes[0] : "no reasons",
                 eseal_verdict_name(eseal_report_verdict(s)));
    }
}

static void assert_field(const eseal_report *r, const char *name, const char *want)
{
    const char *got = eseal_report_string(r, name);
    if (got == NULL || strcmp(got, want) != 0) {
        dump(r);
        fail_msg("%s: expected \"%s\", got \"%s\"", name, want, got != NULL ? got : "(absent)");
    }
}

static void assert_check(const eseal_report *r, const char *id, eseal_check_status want)
{
    eseal_check_status got = eseal_report_check(r, id);
    if (got != want) {
        dump(r);
        fail_msg("check %s: expected %s, got %s", id, eseal_check_status_name(want),
                 got == ESEAL_CHECK_ABSENT ? "(absent)" : eseal_check_status_name(got));
    }
}

/* The string at `path` contains `part`. */
static void assert_has(const eseal_report *r, const char *path, const char *part)
{
    const char *got = eseal_report_string(r, path);
    if (got == NULL || strstr(got, part) == NULL) {
        dump(r);
        fail_msg("%s: expected \"%s\" in \"%s\"", path, part, got != NULL ? got : "(absent)");
    }
}

static void assert_time(const eseal_report *r, const char *path, int64_t want)
{
    int64_t got = 0;
    if (eseal_report_time(r, path, &got) != ESEAL_OK || got != want) {
        dump(r);
        fail_msg("%s: expected the time %lld, got %lld", path, (long long)want, (long long)got);
    }
}

static void read_value(es_buf *out, const es_buf *ofd)
{
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(ofd))));
    *out = (es_buf)ES_BUF_INIT((size_t)1 << 20);
    assert_true(es_ok(es_ofd_read(p, VALUE_PATH, out)));
    es_ofd_close(p);
}

/* `ofd` with SignedValue.dat replaced by `value` (not a protected file: the references still hold). */
static void replace_value(es_buf *out, const es_buf *ofd, es_span value)
{
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(ofd))));
    es_ofd_writer *w = NULL;
    assert_true(es_ok(es_ofd_writer_new(&w, p)));
    assert_true(es_ok(es_ofd_writer_put(w, VALUE_PATH, value)));
    *out = (es_buf)ES_BUF_INIT((size_t)16 << 20);
    assert_true(es_ok(es_ofd_writer_finish(w, out)));
    es_ofd_close(p);
}

static void rfc3339(char out[ES_RFC3339_LEN], int64_t ms) { es_time_rfc3339(out, ms); }

/* ---- tests -------------------------------------------------------------------------------- */

/* The callback is asked once, with SM3 of the signature value (SM2 signer); the stamp verifies
 * VALID with the proven time, the TSA and the serial. */
static void timestamped_stamp_is_valid_with_poe(void **state)
{
    (void)state;
    tsa_ctx t = {.clock_ms = sign_ms + 2500};
    es_buf ofd;
    stamp_ok(&ofd, signer_key, signer, &t);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.hash, ESEAL_HASH_SM3);
    char serial[32];
    /* Upper-case hex in whole bytes (BN_bn2hex), as every serial eseal prints. */
    int sn = snprintf(serial, sizeof(serial), "%llX", (unsigned long long)serial_counter);
    if (sn % 2 == 1) {
        (void)snprintf(serial, sizeof(serial), "0%llX", (unsigned long long)serial_counter);
    }

    es_buf v;
    read_value(&v, &ofd);
    eseal_ses_signature *sig = NULL;
    assert_int_equal(eseal_ses_signature_decode(&sig, v.ptr, v.len), ESEAL_OK);
    assert_int_equal(eseal_ses_signature_note_count(sig), 0); /* EXPLICIT [0], as eseal writes it */
    eseal_bytes sv = eseal_ses_signature_value(sig);
    uint8_t dg[64];
    size_t dn = 0;
    assert_true(es_ok(es_digest(dg, &dn, ESEAL_HASH_SM3, es_span_of(sv.ptr, sv.len))));
    assert_int_equal(t.digest_len, dn);
    assert_memory_equal(t.digest, dg, dn);
    assert_true(eseal_ses_signature_timestamp(sig).len > 0);
    int valid = 0;
    assert_int_equal(eseal_ses_signature_verify_signature(&valid, sig), ESEAL_OK);
    assert_int_equal(valid, 1);
    eseal_ses_signature_free(sig);

    eseal_report *rep = verify(&ofd, trust);
    expect(rep, ESEAL_VALID, NULL);
    const eseal_report *s = sig0(rep);
    char gen[ES_RFC3339_LEN], claimed[ES_RFC3339_LEN];
    rfc3339(gen, sign_ms + 2500);
    rfc3339(claimed, sign_ms);
    assert_check(s, "timestamp", ESEAL_CHECK_PASSED); /* the token's imprint and signature are good */
    assert_has(s, "checks.timestamp.detail", "VALID");
    assert_time(s, "time.value", sign_ms + 2500);
    assert_field(s, "time.source", "timestamp");
    assert_field(s, "time.serial", serial);
    assert_has(s, "time.tsa", "CN=TS Test TSA");
    assert_non_null(eseal_report_string(s, "time.token"));
    assert_time(s, "time.judged_at", sign_ms + 2500);
    assert_field(s, "time.judged_by", "timestamp");
    char tinfo[ES_RFC3339_LEN + 32];
    (void)snprintf(tinfo, sizeof(tinfo), "timeInfo %s (claimed)", claimed);
    assert_has(s, "checks.format.detail", tinfo);
    (void)gen;
    assert_check(s, "signature", ESEAL_CHECK_PASSED);
    assert_check(s, "validity", ESEAL_CHECK_PASSED);
    assert_check(s, "revocation", ESEAL_CHECK_PASSED);
    assert_field(s, "checks.revocation.source", "crl");
    assert_non_null(eseal_report_find(s, "checks.revocation.objects.0")); /* the CRL it used */
    assert_check(s, "seal_binding", ESEAL_CHECK_PASSED);
    /* The token proves the signer's certificate and the seal (both in TBS_Sign) existed at genTime. */
    const char *ids[] = {eseal_report_string(s, "signer.certificate"), eseal_report_string(s, "seal.object")};
    const eseal_value *objs = eseal_report_find(rep, "validation_objects");
    for (size_t k = 0; k < 2; k++) {
        assert_non_null(ids[k]);
        size_t found = 0;
        for (size_t i = 0; i < eseal_value_count(objs); i++) {
            const eseal_value *o = eseal_value_item(objs, i);
            if (strcmp(eseal_value_string(eseal_value_find(o, "id")), ids[k]) == 0) {
                assert_int_equal(eseal_value_type_of(eseal_value_find(o, "poe")), ESEAL_VALUE_TIME);
                assert_int_equal(eseal_value_integer(eseal_value_find(o, "poe")), sign_ms + 2500);
                found++;
            }
        }
        assert_int_equal(found, 1);
    }
    eseal_report_free(rep);
    es_buf_free(&v);
    es_buf_free(&ofd);
}

/* The token in SignedValue.dat stands on its own: eseal_tsa_verify_token over the signature value. */
static void embedded_token_verifies_over_signature_value(void **state)
{
    (void)state;
    tsa_ctx t = {.clock_ms = sign_ms + 1000};
    es_buf ofd, v;
    stamp_ok(&ofd, signer_key, signer, &t);
    read_value(&v, &ofd);
    eseal_ses_signature *sig = NULL;
    assert_int_equal(eseal_ses_signature_decode(&sig, v.ptr, v.len), ESEAL_OK);
    eseal_bytes ts = eseal_ses_signature_timestamp(sig);
    eseal_bytes sv = eseal_ses_signature_value(sig);
    eseal_tsa_verify_options o = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    o.data = sv.ptr;
    o.data_len = sv.len;
    eseal_report *r = NULL;
    int64_t gen = 0;
    assert_int_equal(eseal_tsa_verify_token(&r, &gen, ts.ptr, ts.len, trust, &o), ESEAL_OK);
    if (eseal_report_verdict(r) != ESEAL_VALID) {
        dump(r);
        fail_msg("the embedded token is not VALID over the signature value");
    }
    assert_true(gen == sign_ms + 1000);
    eseal_report_free(r);
    /* Over anything else (here the TBS_Sign the signature covers) it is not. */
    eseal_bytes tbs = eseal_ses_signature_tbs(sig);
    o.data = tbs.ptr;
    o.data_len = tbs.len;
    assert_int_equal(eseal_tsa_verify_token(&r, &gen, ts.ptr, ts.len, trust, &o), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(r), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(r, "HASH_FAILURE"));
    eseal_report_free(r);
    eseal_ses_signature_free(sig);
    es_buf_free(&v);
    es_buf_free(&ofd);
}

/* Without a timestamp: today's behaviour, the time is the signer's claim. */
static void without_timestamp_time_is_claimed(void **state)
{
    (void)state;
    es_buf ofd;
    stamp_ok(&ofd, signer_key, signer, NULL);
    eseal_report *rep = verify(&ofd, trust);
    expect(rep, ESEAL_VALID, NULL);
    char claimed[ES_RFC3339_LEN];
    rfc3339(claimed, sign_ms);
    assert_time(sig0(rep), "time.value", sign_ms);
    assert_field(sig0(rep), "time.source", "claimed");
    (void)claimed;
    assert_int_equal(eseal_report_check(sig0(rep), "timestamp"), ESEAL_CHECK_ABSENT);
    assert_null(eseal_report_string(sig0(rep), "time.token"));
    assert_null(strstr(eseal_report_string(sig0(rep), "checks.format.detail"), "timeInfo"));
    eseal_report_free(rep);
    es_buf_free(&ofd);
}

/* A P-256 signer: the callback gets SHA-256 of the signature value. */
static void p256_signer_gets_sha256(void **state)
{
    (void)state;
    tsa_ctx t = {.clock_ms = sign_ms + 1000};
    es_buf ofd;
    stamp_ok(&ofd, p256_key, p256_signer, &t);
    assert_int_equal(t.hash, ESEAL_HASH_SHA256);
    assert_int_equal(t.digest_len, 32);
    eseal_report *rep = verify(&ofd, trust);
    expect(rep, ESEAL_VALID, NULL);
    assert_check(sig0(rep), "timestamp", ESEAL_CHECK_PASSED);
    assert_has(sig0(rep), "checks.timestamp.detail", "imprint SHA");
    eseal_report_free(rep);
    es_buf_free(&ofd);
}

/* Expired after the timestamp, before the validation time: VALID thanks to the timestamp only. */
static void expired_signer_valid_with_timestamp_only(void **state)
{
    (void)state;
    tsa_ctx t = {.clock_ms = sign_ms + 1000};
    es_buf with, without;
    stamp_ok(&with, expiring_key, expiring, &t);
    stamp_ok(&without, expiring_key, expiring, NULL);
    eseal_report *rep = verify(&with, trust);
    expect(rep, ESEAL_VALID, NULL);
    assert_check(sig0(rep), "validity", ESEAL_CHECK_PASSED);
    eseal_report_free(rep);
    rep = verify(&without, trust);
    static const char *const no_poe[] = {"OUT_OF_BOUNDS_NO_POE", NULL};
    expect(rep, ESEAL_INDETERMINATE, no_poe);
    eseal_report_free(rep);
    /* An untrusted TSA proves nothing: judged as without it. */
    eseal_trust *no_tsa = make_trust(false, NULL, 0);
    rep = verify(&with, no_tsa);
    static const char *const untrusted[] = {"TIMESTAMP_UNTRUSTED", "OUT_OF_BOUNDS_NO_POE", NULL};
    expect(rep, ESEAL_INDETERMINATE, untrusted);
    eseal_report_free(rep);
    eseal_trust_free(no_tsa);
    es_buf_free(&with);
    es_buf_free(&without);
}

/* Revocation judged at genTime: after it is fine (revoked_later_at), before it is REVOKED; between
 * the claimed time and genTime it is REVOKED_NO_POE (the claim is earlier, nothing proves it). */
static void revocation_judged_at_gen_time(void **state)
{
    (void)state;
    int64_t gen = sign_ms + 60000;
    tsa_ctx t = {.clock_ms = gen};
    es_buf ofd;
    stamp_ok(&ofd, signer_key, signer, &t);

    eseal_trust *tr = make_trust(true, signer, gen + DAY_MS);
    eseal_report *rep = verify(&ofd, tr);
    expect(rep, ESEAL_VALID, NULL);
    char later[ES_RFC3339_LEN];
    rfc3339(later, gen + DAY_MS);
    assert_check(sig0(rep), "revocation", ESEAL_CHECK_PASSED);
    assert_has(sig0(rep), "checks.revocation.detail", later); /* revoked later than genTime */
    eseal_report_free(rep);
    eseal_trust_free(tr);

    tr = make_trust(true, signer, sign_ms - DAY_MS);
    rep = verify(&ofd, tr);
    static const char *const revoked[] = {"REVOKED", NULL};
    expect(rep, ESEAL_INVALID, revoked);
    eseal_report_free(rep);
    eseal_trust_free(tr);

    tr = make_trust(true, signer, sign_ms + 30000);
    rep = verify(&ofd, tr);
    static const char *const no_poe[] = {"REVOKED_NO_POE", NULL};
    expect(rep, ESEAL_INDETERMINATE, no_poe);
    eseal_report_free(rep);
    eseal_trust_free(tr);

    es_buf_free(&ofd);
}

/* A token whose bits were altered, one over other data, and bytes that are no token: INVALID. */
static void altered_token_is_invalid(void **state)
{
    (void)state;
    tsa_ctx t = {.clock_ms = sign_ms + 1000};
    es_buf ofd, v, bad;
    stamp_ok(&ofd, signer_key, signer, &t);
    read_value(&v, &ofd);
    /* The last byte of SignedValue.dat is the last byte of the token: its signature value. */
    v.ptr[v.len - 1] ^= 0x01;
    replace_value(&bad, &ofd, es_buf_span(&v));
    eseal_report *rep = verify(&bad, trust);
    static const char *const invalid[] = {"TIMESTAMP_INVALID", NULL};
    expect(rep, ESEAL_INVALID, invalid);
    assert_check(sig0(rep), "timestamp", ESEAL_CHECK_FAILED); /* the token's own signature fails */
    assert_has(sig0(rep), "checks.timestamp.detail", "SIG_CRYPTO_FAILURE");
    assert_field(sig0(rep), "time.source", "claimed");
    assert_check(sig0(rep), "signature", ESEAL_CHECK_PASSED); /* the stamp itself is intact */
    eseal_report_free(rep);
    es_buf_free(&bad);

    /* A genuine token over other data: imprint mismatch. */
    es_buf plain_ofd, plain_v, token = ES_BUF_INIT(1 << 20), with = ES_BUF_INIT(1 << 20);
    stamp_ok(&plain_ofd, signer_key, signer, NULL);
    read_value(&plain_v, &plain_ofd);
    uint8_t other[32];
    memset(other, 0x5a, sizeof(other));
    get_token(&token, &t, ESEAL_HASH_SM3, es_span_of(other, sizeof(other)));
    assert_true(es_ok(es_ses_signature_add_timestamp(&with, es_buf_span(&plain_v), es_buf_span(&token))));
    replace_value(&bad, &plain_ofd, es_buf_span(&with));
    rep = verify(&bad, trust);
    expect(rep, ESEAL_INVALID, invalid);
    assert_check(sig0(rep), "timestamp", ESEAL_CHECK_FAILED); /* the imprint is not the signature value's */
    assert_has(sig0(rep), "checks.timestamp.detail", "HASH_FAILURE");
    eseal_report_free(rep);
    es_buf_free(&bad);

    /* Bytes that are not a token at all. */
    with.len = 0;
    assert_true(es_ok(es_ses_signature_add_timestamp(&with, es_buf_span(&plain_v), es_span_of("junk", 4))));
    replace_value(&bad, &plain_ofd, es_buf_span(&with));
    rep = verify(&bad, trust);
    expect(rep, ESEAL_INVALID, invalid);
    assert_check(sig0(rep), "timestamp", ESEAL_CHECK_FAILED);
    eseal_report_free(rep);
    es_buf_free(&bad);

    es_buf_free(&with);
    es_buf_free(&token);
    es_buf_free(&plain_v);
    es_buf_free(&plain_ofd);
    es_buf_free(&v);
    es_buf_free(&ofd);
}

/* An untrusted TSA: INDETERMINATE TIMESTAMP_UNTRUSTED and the time stays the claim. */
static void untrusted_tsa_is_indeterminate(void **state)
{
    (void)state;
    tsa_ctx t = {.clock_ms = sign_ms + 1000};
    es_buf ofd;
    stamp_ok(&ofd, signer_key, signer, &t);
    eseal_trust *no_tsa = make_trust(false, NULL, 0);
    eseal_report *rep = verify(&ofd, no_tsa);
    static const char *const untrusted[] = {"TIMESTAMP_UNTRUSTED", NULL};
    expect(rep, ESEAL_INDETERMINATE, untrusted);
    assert_int_equal(eseal_report_reason_count(sig0(rep)), 1);
    assert_check(sig0(rep), "timestamp", ESEAL_CHECK_INDETERMINATE);
    assert_field(sig0(rep), "time.source", "claimed");
    eseal_report_free(rep);
    eseal_trust_free(no_tsa);
    es_buf_free(&ofd);
}

/* Refusals: nothing is written when the callback fails or returns no usable token, and a plain
 * signature cannot be timestamped (the callback is not even asked). */
static void failures_write_nothing(void **state)
{
    (void)state;
    static const struct {
        int mode;
        int code;
        const char *msg;
    } cases[] = {
        {1, ESEAL_EIO, "test: the TSA did not answer"},
        {2, ESEAL_EMALFORMED, "other than a TimeStampToken"},
        {3, ESEAL_EMALFORMED, "does not fit the signature value (HASH_FAILURE"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tsa_ctx t = {.clock_ms = sign_ms + 1000, .mode = cases[i].mode};
        es_buf out;
        es_result r = stamp(&out, signer_key, signer, &t, 0);
        if (es_code(r) != cases[i].code || strstr(eseal_error_last()->message, cases[i].msg) == NULL) {
            fail_msg("case %zu: expected %s \"%s\", got %s: %s", i, eseal_code_name(cases[i].code), cases[i].msg,
                     eseal_code_name(es_code(r)), eseal_error_last()->message);
        }
        assert_int_equal(t.calls, 1);
        assert_int_equal(out.len, 0);
        es_buf_free(&out);
    }
    tsa_ctx t = {.clock_ms = sign_ms + 1000};
    es_buf out;
    es_result r = stamp(&out, signer_key, signer, &t, 1);
    assert_int_equal(es_code(r), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "plain signature"));
    assert_int_equal(t.calls, 0);
    assert_int_equal(out.len, 0);
    es_buf_free(&out);
    /* A V1 (GM/T 0031-2014) stamp has no timeStamp field: refused before signing too. */
    out = (es_buf)ES_BUF_INIT((size_t)16 << 20);
    es_ofd_stamp_options o = {.page = 1, .x_mm = 20, .y_mm = 30, .time_ms = sign_ms, .timestamp = timestamp_cb,
                              .timestamp_ctx = &t};
    r = es_ofd_stamp(&out, es_buf_span(&unsigned_ofd), es_span_of(v1_seal.ptr, v1_seal.size), signer_key, signer, &o);
    assert_int_equal(es_code(r), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "GM/T 0031-2014"));
    assert_int_equal(t.calls, 0);
    assert_int_equal(out.len, 0);
    /* Without the callback the V1 seal stamps (the refusal is about the timestamp only). */
    o.timestamp = NULL;
    r = es_ofd_stamp(&out, es_buf_span(&unsigned_ofd), es_span_of(v1_seal.ptr, v1_seal.size), signer_key, signer, &o);
    if (!es_ok(r)) {
        fail_msg("V1 stamp: %s", eseal_error_last()->message);
    }
    es_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timestamped_stamp_is_valid_with_poe),
        cmocka_unit_test(embedded_token_verifies_over_signature_value),
        cmocka_unit_test(without_timestamp_time_is_claimed),
        cmocka_unit_test(p256_signer_gets_sha256),
        cmocka_unit_test(expired_signer_valid_with_timestamp_only),
        cmocka_unit_test(revocation_judged_at_gen_time),
        cmocka_unit_test(altered_token_is_invalid),
        cmocka_unit_test(untrusted_tsa_is_indeterminate),
        cmocka_unit_test(failures_write_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
