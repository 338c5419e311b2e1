/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: seals made by an instance — the lifecycle and its audit events,
 * the registry's status at a time, renewal, filing receipts, and the seal
 * verdict with the registry's view.
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

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../test_vectors.h"

static char home[] = "/tmp/eseal-sealsvc-XXXXXX";
static const char pass[] = "correct-horse-battery";
static eseal_instance *inst;

/* A lifecycle action by the tests' operator (test_who). */
static int transition(eseal_seal_record *rec, const char *esid, eseal_seal_action action, const char *reason)
{
    return eseal_instance_seal_transition(inst, test_who(), rec, esid, action, reason);
}
static char cert_id[64];

typedef struct {
    int calls;
    int refuse_at; /* refuse the n-th call (0: never) */
    char last_to[16];
    char last_actor[64];
    int64_t last_seq;
} hook_state;

static int hook(const eseal_audit_event *ev, void *payload)
{
    hook_state *h = payload;
    h->calls++;
    assert_string_equal(ev->kind, "seal.transition");
    assert_true(ev->seq >= 1);
    assert_non_null(ev->esid);
    (void)snprintf(h->last_to, sizeof(h->last_to), "%s", ev->to_state);
    (void)snprintf(h->last_actor, sizeof(h->last_actor), "%s", ev->actor);
    h->last_seq = ev->seq;
    return h->refuse_at != 0 && h->calls == h->refuse_at ? ESEAL_ERROR : 0;
}

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(home));
    char h[512];
    (void)snprintf(h, sizeof(h), "%s/i", home);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    assert_int_equal(eseal_instance_init(h, &o), ESEAL_OK);
    assert_int_equal(eseal_instance_open(&inst, h), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(inst, pass, strlen(pass)), ESEAL_OK);
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "上海某某贸易有限公司";
    q.uscc = "91110000MA01ABCDEX";
    eseal_cert_record rec;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &rec, &q), ESEAL_OK);
    (void)snprintf(cert_id, sizeof(cert_id), "%s", rec.id);
    eseal_cert_record_dispose(&rec);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_instance_close(inst);
    char cmd[600];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

static void make(eseal_seal_record *rec, eseal_buf *der, eseal_seal_type type, int no_file)
{
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_id;
    q.type = type;
    q.name = "上海某某贸易有限公司合同专用章";
    q.no_file = no_file;
    int rc = eseal_instance_seal_make(inst, test_who(), rec, der, &q);
    if (rc != ESEAL_OK) {
        fail_msg("seal make: %s", eseal_error_last()->message);
    }
}

static eseal_verdict verdict_at(const eseal_buf *der, int64_t at, const char *reason)
{
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    q.at_ms = at;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_seal_verify(inst, &rep, der->ptr, der->size, &q), ESEAL_OK);
    eseal_verdict v = eseal_report_verdict(rep);
    if (reason != NULL) {
        assert_true(eseal_report_has_reason(rep, reason));
    }
    /* The registry was consulted: its check and its view at that time and now, as the schema's enum. */
    assert_int_not_equal(eseal_report_check(rep, "registry"), ESEAL_CHECK_ABSENT);
    assert_non_null(eseal_report_string(rep, "seal.registry.at_signing"));
    assert_non_null(eseal_report_string(rep, "seal.registry.now"));
    eseal_report_free(rep);
    return v;
}

/* The registry's view of the seal at `at`: seal.registry.at_signing and .now, and check "registry". */
static void registry_view(const eseal_buf *der, int64_t at, const char *then, const char *now, eseal_check_status st)
{
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    q.at_ms = at;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_seal_verify(inst, &rep, der->ptr, der->size, &q), ESEAL_OK);
    assert_string_equal(eseal_report_string(rep, "seal.registry.at_signing"), then);
    assert_string_equal(eseal_report_string(rep, "seal.registry.now"), now);
    assert_int_equal(eseal_report_check(rep, "registry"), st);
    eseal_report_free(rep);
}

/* make -> active with 5 audited events; the seal verifies VALID and names its registry state. */
static void make_records_and_audits(void **state)
{
    (void)state;
    hook_state h = {0};
    eseal_instance_set_audit_hook(inst, hook, &h);
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_CONTRACT, 0);
    assert_string_equal(rec.state, "active");
    assert_string_equal(rec.owner, "上海某某贸易有限公司");
    assert_int_equal(rec.generation, 1);
    assert_int_equal(h.calls, 5);
    assert_string_equal(h.last_to, "active");
    assert_string_equal(h.last_actor, "operator:tester");
    assert_int_equal(h.last_seq, 5);
    eseal_ses_seal *s = NULL;
    assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, der.size), ESEAL_OK);
    assert_string_equal(eseal_ses_seal_info(s)->esid, rec.esid);
    assert_string_equal(eseal_ses_seal_info(s)->picture_type, "PNG");
    assert_int_equal(eseal_ses_seal_info(s)->picture_width_mm, 40);
    /* What seal make writes round-trips: decode -> encode gives the same bytes. */
    eseal_buf re = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_seal_encode(&re, s), ESEAL_OK);
    assert_int_equal(re.size, der.size);
    assert_memory_equal(re.ptr, der.ptr, der.size);
    eseal_buf_dispose(&re);
    eseal_ses_seal_free(s);
    assert_int_equal(verdict_at(&der, 0, NULL), ESEAL_VALID);
    /* The vector imprint is drawn again from the registry. */
    eseal_buf svg = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_seal_imprint(inst, &svg, rec.esid, ESEAL_IMPRINT_SVG, 0), ESEAL_OK);
    assert_non_null(memmem(svg.ptr, svg.size, "width=\"40mm\"", 12));
    eseal_buf_dispose(&svg);
    eseal_instance_set_audit_hook(inst, NULL, NULL);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
}

static int count_named(const eseal_seal_record *r, void *p)
{
    if (strcmp(r->name, "rolled back") == 0) {
        (*(int *)p)++;
    }
    return 0;
}

/* A refused audit event undoes the whole change: no seal, no events. */
static void refused_audit_rolls_back(void **state)
{
    (void)state;
    hook_state h = {0};
    h.refuse_at = 3;
    eseal_instance_set_audit_hook(inst, hook, &h);
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_id;
    q.name = "rolled back";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_ERROR);
    assert_non_null(strstr(eseal_error_last()->message, "audit hook refused"));
    int n = 0;
    h.refuse_at = 0;
    eseal_instance_set_audit_hook(inst, NULL, NULL);
    assert_int_equal(eseal_instance_seal_list(inst, count_named, &n), ESEAL_OK);
    assert_int_equal(n, 0);

    /* A refused suspension leaves the seal active. */
    eseal_buf der = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_OFFICIAL, 0);
    h.calls = 0;
    h.refuse_at = 1;
    eseal_instance_set_audit_hook(inst, hook, &h);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_SUSPEND, "why"), ESEAL_ERROR);
    eseal_instance_set_audit_hook(inst, NULL, NULL);
    eseal_seal_status stt;
    assert_int_equal(eseal_instance_seal_status(inst, &stt, rec.esid, 0), ESEAL_OK);
    assert_string_equal(stt.state, "active");
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
}

/* active <-> suspended -> revoked, with the registry answering for each moment. */
static void lifecycle_and_status_at_time(void **state)
{
    (void)state;
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_FINANCE, 0);
    int64_t t_active = eseal_time_now();
    /* Not allowed: resume an active seal, file it again. */
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_RESUME, "x"), ESEAL_ESTATE);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_FILE, "x"), ESEAL_ESTATE);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_SUSPEND, ""), ESEAL_EINVAL);
    sleep(1);
    eseal_seal_record r2;
    assert_int_equal(transition(&r2, rec.esid, ESEAL_SEAL_SUSPEND, "audit"), ESEAL_OK);
    assert_string_equal(r2.state, "suspended");
    eseal_seal_record_dispose(&r2);
    int64_t t_suspended = eseal_time_now();
    assert_int_equal(verdict_at(&der, t_suspended, "SEAL_SUSPENDED"), ESEAL_INVALID);
    sleep(1);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_RESUME, "done"), ESEAL_OK);
    int64_t t_resumed = eseal_time_now();
    sleep(1);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_REVOKE, "lost"), ESEAL_OK);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_REVOKE, "x"), ESEAL_ESTATE);

    eseal_seal_status st;
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, t_active), ESEAL_OK);
    assert_string_equal(st.state, "active");
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, t_suspended), ESEAL_OK);
    assert_string_equal(st.state, "suspended");
    assert_string_equal(st.reason, "audit");
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, t_resumed), ESEAL_OK);
    assert_string_equal(st.state, "active");
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, 0), ESEAL_OK);
    assert_string_equal(st.state, "revoked");
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, rec.created_ms - 5000), ESEAL_OK);
    assert_string_equal(st.state, "none");
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, rec.valid_to_ms + 1000), ESEAL_OK);
    assert_string_equal(st.state, "revoked"); /* a final state stays final past validEnd */

    /* Valid before the revocation, invalid after. */
    assert_int_equal(verdict_at(&der, t_resumed, NULL), ESEAL_VALID);
    assert_int_equal(verdict_at(&der, 0, "SEAL_REVOKED"), ESEAL_INVALID);
    registry_view(&der, t_suspended, "suspended", "revoked", ESEAL_CHECK_FAILED);
    registry_view(&der, t_resumed, "active", "revoked", ESEAL_CHECK_PASSED);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
}

/* Cancel is final; an active seal past its validEnd reads as expired, and verifies as expired. */
static void cancel_and_expiry(void **state)
{
    (void)state;
    eseal_seal_record rec, got;
    eseal_buf der = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_CONTRACT, 0);
    eseal_seal_status st;
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, rec.valid_to_ms - 1000), ESEAL_OK);
    assert_string_equal(st.state, "active");
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, rec.valid_to_ms + 1000), ESEAL_OK);
    assert_string_equal(st.state, "expired");
    assert_int_equal(verdict_at(&der, rec.valid_to_ms + 1000, "SEAL_EXPIRED"), ESEAL_INVALID);
    sleep(1);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_CANCEL, "closed"), ESEAL_OK);
    assert_int_equal(eseal_instance_seal_get(inst, &got, NULL, rec.esid), ESEAL_OK);
    assert_string_equal(got.state, "cancelled");
    eseal_seal_record_dispose(&got);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_RESUME, "x"), ESEAL_ESTATE);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_CANCEL, "x"), ESEAL_ESTATE);
    assert_int_equal(eseal_instance_seal_status(inst, &st, rec.esid, rec.valid_to_ms + 1000), ESEAL_OK);
    assert_string_equal(st.state, "cancelled"); /* final states win over expiry */
    assert_string_equal(st.reason, "closed");
    assert_int_equal(verdict_at(&der, 0, "SEAL_CANCELLED"), ESEAL_INVALID);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
}

/* Made but not filed: not active; filing issues a receipt that verifies offline and names the bytes. */
static void filing_and_receipts(void **state)
{
    (void)state;
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT, receipt = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_OFFICIAL, 1);
    assert_string_equal(rec.state, "made");
    assert_int_equal(eseal_instance_seal_receipt(inst, &receipt, rec.esid), ESEAL_ENOTFOUND);
    assert_int_equal(verdict_at(&der, 0, "SEAL_NOT_ACTIVE"), ESEAL_INDETERMINATE);
    assert_int_equal(transition(NULL, rec.esid, ESEAL_SEAL_FILE, "filing"), ESEAL_OK);
    assert_int_equal(verdict_at(&der, 0, NULL), ESEAL_VALID);
    assert_int_equal(eseal_instance_seal_receipt(inst, &receipt, rec.esid), ESEAL_OK);
    eseal_filing_receipt *fr = NULL;
    assert_int_equal(eseal_filing_receipt_decode(&fr, receipt.ptr, receipt.size), ESEAL_OK);
    assert_string_equal(eseal_filing_receipt_info(fr)->esid, rec.esid);
    assert_string_equal(eseal_filing_receipt_info(fr)->owner, "上海某某贸易有限公司");
    eseal_filing_receipt_free(fr);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_receipt_verify(inst, &rep, receipt.ptr, receipt.size, der.ptr, der.size, NULL),
                     ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_int_equal(eseal_report_check(rep, "signature"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_check(rep, "digest"), ESEAL_CHECK_PASSED);
    assert_string_equal(eseal_report_string(rep, "receipt.owner"), "上海某某贸易有限公司");
    int64_t v = 0;
    assert_int_equal(eseal_report_time(rep, "receipt.filed_at", &v), ESEAL_OK);
    assert_true(v > 0);
    assert_int_equal(eseal_report_integer(rep, "receipt.serial", &v), ESEAL_OK);
    assert_non_null(eseal_report_string(rep, "signer.certificate"));
    eseal_report_free(rep);
    /* Other seal bytes: the receipt is not theirs. */
    eseal_buf other = ESEAL_BUF_INIT;
    eseal_seal_record orec;
    make(&orec, &other, ESEAL_SEAL_OFFICIAL, 0);
    assert_int_equal(eseal_instance_receipt_verify(inst, &rep, receipt.ptr, receipt.size, other.ptr, other.size, NULL),
                     ESEAL_OK);
    assert_true(eseal_report_has_reason(rep, "HASH_FAILURE"));
    assert_int_equal(eseal_report_check(rep, "digest"), ESEAL_CHECK_FAILED);
    eseal_report_free(rep);
    /* A changed byte in the signed part of the receipt breaks its signature. */
    uint8_t *p = memmem(receipt.ptr, receipt.size, "上海", strlen("上海"));
    assert_non_null(p);
    p[0] ^= 1;
    assert_int_equal(eseal_instance_receipt_verify(inst, &rep, receipt.ptr, receipt.size, NULL, 0, NULL), ESEAL_OK);
    assert_true(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
    assert_int_equal(eseal_report_check(rep, "signature"), ESEAL_CHECK_FAILED);
    eseal_report_free(rep);
    eseal_seal_record_dispose(&orec);
    eseal_buf_dispose(&other);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
    eseal_buf_dispose(&receipt);
}

/* Renewal: a new generation linked both ways; the old seal is cancelled from then on. */
static void renewal_links_versions(void **state)
{
    (void)state;
    eseal_seal_record rec, fresh, old;
    eseal_buf der = ESEAL_BUF_INIT, nder = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_CONTRACT, 0);
    sleep(1);
    assert_int_equal(eseal_instance_seal_renew(inst, test_who(), &fresh, rec.esid, "new key"), ESEAL_OK);
    assert_int_equal(fresh.generation, 2);
    assert_string_equal(fresh.prev_esid, rec.esid);
    assert_string_equal(fresh.state, "active");
    assert_string_equal(fresh.cert_ids, rec.cert_ids);
    assert_string_equal(fresh.imprint, rec.imprint);
    assert_int_equal(eseal_instance_seal_get(inst, &old, NULL, rec.esid), ESEAL_OK);
    assert_string_equal(old.state, "cancelled");
    assert_string_equal(old.next_esid, fresh.esid);
    eseal_seal_record_dispose(&old);
    assert_int_equal(eseal_instance_seal_get(inst, &old, &nder, fresh.esid), ESEAL_OK);
    eseal_seal_record_dispose(&old);
    assert_int_equal(verdict_at(&nder, 0, NULL), ESEAL_VALID);
    assert_int_equal(verdict_at(&der, 0, "SEAL_CANCELLED"), ESEAL_INVALID);
    assert_int_equal(verdict_at(&der, rec.created_ms + 500, NULL), ESEAL_VALID);
    assert_int_equal(eseal_instance_seal_renew(inst, test_who(), NULL, rec.esid, "again"), ESEAL_ESTATE);
    eseal_seal_record_dispose(&fresh);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
    eseal_buf_dispose(&nder);
}

/* Other makers and list types, an imported scan, and refusals with clear codes. */
static void variants_and_refusals(void **state)
{
    (void)state;
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_id;
    q.name = "Example seal";
    q.hierarchy = "p256";
    q.cert_digests = 1;
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, &der, &q), ESEAL_OK);
    eseal_ses_seal *s = NULL;
    assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, der.size), ESEAL_OK);
    assert_string_equal(eseal_ses_seal_sig_alg(s), ESEAL_OID_ECDSA_SHA256);
    assert_int_equal(eseal_ses_seal_info(s)->cert_list_type, 2);
    eseal_ses_seal_free(s);
    assert_int_equal(verdict_at(&der, 0, NULL), ESEAL_VALID);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);

    /* Several certificates may stamp with one seal; each is in the list, none twice. */
    eseal_cert_request cq = ESEAL_CERT_REQUEST_INIT;
    cq.person = 1;
    cq.name = "李四";
    eseal_cert_record prec;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &prec, &cq), ESEAL_OK);
    const char *more[] = {prec.id};
    q = (eseal_seal_request)ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_id;
    q.name = "two signers";
    q.more_certs = more;
    q.more_cert_count = 1;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, &der, &q), ESEAL_OK);
    assert_non_null(strstr(rec.cert_ids, prec.id));
    assert_non_null(strstr(rec.cert_ids, cert_id));
    assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, der.size), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_info(s)->cert_count, 2);
    eseal_cert *pc = NULL;
    eseal_buf pder = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_cert_get(inst, &pc, NULL, prec.id), ESEAL_OK);
    assert_int_equal(eseal_cert_der(&pder, pc), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_allows_cert(s, pder.ptr, pder.size), 1);
    eseal_buf_dispose(&pder);
    eseal_cert_free(pc);
    eseal_ses_seal_free(s);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
    more[0] = cert_id;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "listed twice"));
    eseal_cert_record_dispose(&prec);

    /* A transparent PNG scan is accepted as the picture. */
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    assert_int_equal(eseal_imprint_template(&sp, "official", "扫描印章测试有限公司", NULL), ESEAL_OK);
    eseal_buf png = ESEAL_BUF_INIT;
    assert_int_equal(eseal_imprint_render(&png, &sp, ESEAL_IMPRINT_PNG, 150), ESEAL_OK);
    char path[600];
    (void)snprintf(path, sizeof(path), "%s/scan.png", home);
    assert_int_equal(eseal_file_write(path, png.ptr, png.size, 0600), ESEAL_OK);
    q = (eseal_seal_request)ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_id;
    q.name = "scanned";
    q.image_path = path;
    q.width_mm = 42;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, &der, &q), ESEAL_OK);
    assert_string_equal(rec.imprint, "");
    eseal_buf svg = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_seal_imprint(inst, &svg, rec.esid, ESEAL_IMPRINT_SVG, 0), ESEAL_EUNSUPPORTED);
    assert_int_equal(eseal_instance_seal_imprint(inst, &svg, rec.esid, ESEAL_IMPRINT_PNG, 0), ESEAL_OK);
    assert_int_equal(svg.size, png.size);
    eseal_buf_dispose(&svg);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
    eseal_buf_dispose(&png);

    /* An opaque image is refused; so are unknown makers and missing names. */
    static const uint8_t not_png[] = "GIF89a....";
    assert_int_equal(eseal_file_write(path, not_png, sizeof(not_png), 0600), ESEAL_OK);
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_EMALFORMED);
    q = (eseal_seal_request)ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = cert_id;
    q.name = "x";
    q.hierarchy = "rsa";
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_EINVAL);
    q.hierarchy = NULL;
    q.name = NULL;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_EINVAL);
    q.name = "x";
    q.cert_ref = "ffffffffffff";
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_ENOTFOUND);
}

/* A seal bytes-altered after making fails. */
static void altered_and_foreign_seals(void **state)
{
    (void)state;
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    make(&rec, &der, ESEAL_SEAL_OFFICIAL, 0);
    uint8_t *p = memmem(der.ptr, der.size, "合同", strlen("合同"));
    assert_non_null(p);
    memcpy(p, "财务", strlen("财务"));
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_seal_verify(inst, &rep, der.ptr, der.size, NULL), ESEAL_OK);
    assert_true(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
    assert_true(eseal_report_has_reason(rep, "SEAL_NOT_REGISTERED"));
    eseal_report_free(rep);
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
}

/* A seal of another registry (der): its maker signature is good, this registry does not know it,
   and it is not VALID here (its maker is not trusted). */
static void foreign_seal_is_named(const eseal_buf *der)
{
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_seal_verify(inst, &rep, der->ptr, der->size, NULL), ESEAL_OK);
    assert_non_null(eseal_report_string(rep, "seal.registry.now"));
    assert_string_equal(eseal_report_string(rep, "seal.registry.now"), "unknown");
    assert_string_equal(eseal_report_string(rep, "seal.registry.at_signing"), "unknown");
    assert_int_equal(eseal_report_check(rep, "registry"), ESEAL_CHECK_NOT_APPLICABLE);
    assert_string_equal(eseal_report_string(rep, "checks.registry.detail"),
                        "not in this registry, nor made by a seal maker of a platform recognised here");
    assert_non_null(strstr(eseal_report_string(rep, "checks.seal_signature.detail"), "over the seal verifies"));
    assert_false(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
    assert_int_not_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
}

/* The other registry: a second instance made here. */
static void seal_of_another_instance(void **state)
{
    (void)state;
    char h[512];
    (void)snprintf(h, sizeof(h), "%s/other", home);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    assert_int_equal(eseal_instance_init(h, &o), ESEAL_OK);
    eseal_instance *other = NULL;
    assert_int_equal(eseal_instance_open(&other, h), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(other, pass, strlen(pass)), ESEAL_OK);
    eseal_cert_request cq = ESEAL_CERT_REQUEST_INIT;
    cq.name = "另一家贸易有限公司";
    cq.uscc = "91110000MA01ABCDEX";
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_issue(other, test_who(), &crec, &cq), ESEAL_OK);
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = crec.id;
    q.type = ESEAL_SEAL_CONTRACT;
    q.name = "另一家贸易有限公司合同专用章";
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_seal_make(other, test_who(), &rec, &der, &q), ESEAL_OK);
    foreign_seal_is_named(&der);
    eseal_buf_dispose(&der);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&crec);
    eseal_instance_close(other);
}

/* The other registry: ofdrw's V4 sample seal (expired, untrusted maker). */
static void sample_seal_of_another_registry(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/ofd-samples/seals/UserV4.esl", test_vectors_root());
    eseal_buf v4 = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&v4, path, 1 << 20), ESEAL_OK);
    foreign_seal_is_named(&v4);
    eseal_buf_dispose(&v4);
}

/* The trust a verification reuses is rebuilt when the instance publishes a CRL. */
static void pdf_verify_sees_a_new_revocation(void **state)
{
    (void)state;
    eseal_cert_request cq = ESEAL_CERT_REQUEST_INIT;
    cq.name = "Revoked Later Ltd";
    cq.uscc = "91110000MA01ABCDEX";
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &crec, &cq), ESEAL_OK);
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    q.cert_ref = crec.id;
    q.name = "to be revoked";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &q), ESEAL_OK);
    static const char pdf[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                              "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
                              "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n";
    char in[600], out[600], body[1024];
    int n = snprintf(body, sizeof(body), "%sxref\n0 4\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n"
                                         "%010d 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
                     pdf, 9, 58, 115, (int)strlen(pdf));
    (void)snprintf(in, sizeof(in), "%s/r-in.pdf", home);
    (void)snprintf(out, sizeof(out), "%s/r-out.pdf", home);
    assert_int_equal(eseal_file_write(in, body, (size_t)n, 0600), ESEAL_OK);
    eseal_stamp_request sq = ESEAL_STAMP_REQUEST_INIT;
    sq.who = test_who();
    sq.seal_ref = rec.esid;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, out, &sq), ESEAL_OK);
    eseal_buf f = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&f, out, 1 << 24), ESEAL_OK);
    eseal_report *r = NULL;
    assert_int_equal(eseal_instance_verify_pdf(inst, &r, f.ptr, f.size, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(r), ESEAL_VALID);
    eseal_report_free(r);
    sleep(1); /* CRL times have whole seconds */
    assert_int_equal(eseal_instance_cert_revoke(inst, test_who(), crec.id, 1, 0), ESEAL_OK);
    assert_int_equal(eseal_instance_verify_pdf(inst, &r, f.ptr, f.size, NULL), ESEAL_OK);
    assert_int_not_equal(eseal_report_verdict(r), ESEAL_VALID);
    assert_true(eseal_report_has_reason(r, "REVOKED") || eseal_report_has_reason(r, "REVOKED_NO_POE"));
    eseal_report_free(r);
    eseal_buf_dispose(&f);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&crec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(make_records_and_audits),   cmocka_unit_test(refused_audit_rolls_back),
        cmocka_unit_test(lifecycle_and_status_at_time), cmocka_unit_test(filing_and_receipts),
        cmocka_unit_test(cancel_and_expiry),
        cmocka_unit_test(renewal_links_versions),    cmocka_unit_test(variants_and_refusals),
        cmocka_unit_test(altered_and_foreign_seals),
        cmocka_unit_test(seal_of_another_instance),
        cmocka_unit_test(sample_seal_of_another_registry),
        cmocka_unit_test(pdf_verify_sees_a_new_revocation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
