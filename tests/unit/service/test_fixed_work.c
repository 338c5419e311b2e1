/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed work of one stamp and one verification (issue 18, branch h-lazy). Counted, never timed
 * (the test hooks es_x509_decodes, es_trust_decoded, es_x509_memo_hits, es_store_opens). Each count
 * starts from a fresh process's state: the instance closed and reopened, the certificate memo
 * emptied (es_x509_memo_clear), as a CLI stamp or verify starts.
 * - a stamp of one PDF decodes at most STAMP_DECODES certificates (14 at 9015ab8: the trust set's 6
 *   CA certificates twice, ...; see NOTES-README-h-lazy.md) and opens eseal.db at most STAMP_OPENS
 *   times (3 at 9015ab8: the instance's, the log's writer and reader);
 * - a verification decodes at most VERIFY_DECODES and opens eseal.db at most twice: the instance's,
 *   and (report version 5) the log's reader, for the receipt of a stamp of this platform (its
 *   signature.log and check log_inclusion);
 * - the lazy trust set gives the same report, byte for byte (JSON, at a fixed time), as the same
 *   trust with every certificate decoded beforehand: for the stamped file (VALID), with the issuing
 *   CA revoked (not VALID), and with a trust of the other hierarchies' CAs only (the issuer unknown:
 *   INDETERMINATE, NO_CERTIFICATE_CHAIN_FOUND);
 * - a certificate decoded twice in a process is decoded once (the memo hands out the same X509).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ossl.h"
#include "eseal/eseal.h"
#include "store/store_hooks.h"
#include "util/util.h"
#include "../test_instance.h"

/* The bounds this test holds the code to (measured on this fixture: see the print_message lines). */
#define STAMP_DECODES 8
#define STAMP_OPENS 2
#define VERIFY_DECODES 7
#define VERIFY_OPENS 2

static char home[] = "/tmp/eseal-fixed-work-XXXXXX";
static char ihome[600];
static const char pass[] = "fixed-work-pass-1";
static char esid[64];
static char in_pdf[700], out_pdf[700];

static int setup(void **state)
{
    (void)state;
    eseal_instance *inst = test_instance_with_seal(home, ihome, sizeof(ihome), pass, ESEAL_ALG_P256, esid, sizeof(esid));
    (void)snprintf(in_pdf, sizeof(in_pdf), "%s/in.pdf", home);
    (void)snprintf(out_pdf, sizeof(out_pdf), "%s/out.pdf", home);
    test_write_pdf(in_pdf);
    /* A first stamp: the log has entries and a published checkpoint, as in daily use. */
    char first[700];
    (void)snprintf(first, sizeof(first), "%s/first.pdf", home);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in_pdf, first, &q), ESEAL_OK);
    eseal_instance_close(inst);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_scratch_remove(home);
}

typedef struct {
    size_t decodes, trust_decoded, memo_hits, opens;
} counts;

static counts counts_now(void) { return (counts){es_x509_decodes, es_trust_decoded, es_x509_memo_hits, es_store_opens}; }

static counts counts_since(counts a)
{
    counts b = counts_now();
    return (counts){b.decodes - a.decodes, b.trust_decoded - a.trust_decoded, b.memo_hits - a.memo_hits,
                    b.opens - a.opens};
}

static void stamp_counts(void **state)
{
    (void)state;
    es_x509_memo_clear();
    counts c0 = counts_now();
    eseal_instance *inst = test_instance_open(ihome, pass);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in_pdf, out_pdf, &q), ESEAL_OK);
    eseal_instance_close(inst);
    counts c = counts_since(c0);
    print_message("stamp: %zu certificates decoded (%zu of them trust certificates), %zu memo hits, %zu store opens\n",
                  c.decodes, c.trust_decoded, c.memo_hits, c.opens);
    assert_true(c.decodes <= STAMP_DECODES);
    assert_true(c.opens <= STAMP_OPENS);
    assert_true(c.trust_decoded <= 2); /* the TSA's chain: its issuing CA and the root */
}

static eseal_report *verify_file(eseal_instance *inst)
{
    eseal_buf f = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&f, out_pdf, 64u << 20), ESEAL_OK);
    eseal_verify_request vq = ESEAL_VERIFY_REQUEST_INIT;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_verify_pdf(inst, &rep, f.ptr, f.size, &vq), ESEAL_OK);
    eseal_buf_dispose(&f);
    return rep;
}

static void verify_counts(void **state)
{
    (void)state;
    es_x509_memo_clear();
    counts c0 = counts_now();
    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    eseal_report *rep = verify_file(inst);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_instance_close(inst);
    counts c = counts_since(c0);
    print_message("verify: %zu certificates decoded (%zu of them trust certificates), %zu memo hits, %zu store opens\n",
                  c.decodes, c.trust_decoded, c.memo_hits, c.opens);
    assert_true(c.decodes <= VERIFY_DECODES);
    assert_true(c.opens <= VERIFY_OPENS);
}

/* ---- the lazy trust against the same trust fully decoded --------------------------------- */

typedef struct {
    eseal_trust *t;
    const char *skip_hierarchy; /* NULL: every CA */
} trust_rows;

static int add_row(const eseal_cert_record *rec, void *payload)
{
    trust_rows *tr = payload;
    bool root = strcmp(rec->role, "root-ca") == 0;
    if ((!root && strcmp(rec->role, "issuing-ca") != 0) ||
        (tr->skip_hierarchy != NULL && strcmp(rec->hierarchy, tr->skip_hierarchy) == 0)) {
        return 0;
    }
    assert_true(es_ok(es_trust_add_lazy(tr->t, es_span_of(rec->pem, strlen(rec->pem)), root)));
    return 0;
}

/* The instance's CA certificates (without those of skip_hierarchy) and the CRLs of its trust. */
static eseal_trust *trust_of(eseal_instance *inst, const char *skip_hierarchy, bool decode_all)
{
    eseal_trust *full = NULL;
    assert_int_equal(eseal_instance_trust(inst, &full), ESEAL_OK);
    trust_rows tr = {NULL, skip_hierarchy};
    assert_int_equal(eseal_trust_new(&tr.t), ESEAL_OK);
    assert_int_equal(eseal_instance_cert_list(inst, add_row, &tr), ESEAL_OK);
    for (int i = 0; i < sk_X509_CRL_num(full->crls); i++) {
        unsigned char *der = NULL;
        int n = i2d_X509_CRL(sk_X509_CRL_value(full->crls, i), &der);
        assert_true(n > 0);
        assert_int_equal(eseal_trust_add_crl(tr.t, der, (size_t)n), ESEAL_OK);
        OPENSSL_free(der);
    }
    eseal_trust_free(full);
    for (size_t i = 0; decode_all && i < tr.t->n; i++) {
        assert_non_null(es_trust_cert_at(tr.t, i));
    }
    return tr.t;
}

/* The report of the stamped file against t at a fixed time, as JSON (caller frees). */
static char *report_with(const eseal_trust *t, int64_t at_ms, eseal_verdict *verdict)
{
    eseal_buf f = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&f, out_pdf, 64u << 20), ESEAL_OK);
    eseal_pdf_verify_options o = ESEAL_PDF_VERIFY_OPTIONS_INIT;
    o.at_ms = at_ms;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_pdf_verify(&rep, f.ptr, f.size, t, &o), ESEAL_OK);
    *verdict = eseal_report_verdict(rep);
    eseal_buf json = ESEAL_BUF_INIT;
    assert_int_equal(eseal_report_to_json(&json, rep), ESEAL_OK);
    char *s = es_strndup((const char *)json.ptr, json.size);
    assert_non_null(s);
    eseal_buf_dispose(&json);
    eseal_report_free(rep);
    eseal_buf_dispose(&f);
    return s;
}

/* Lazy and fully decoded trusts give the same report; returns its verdict. */
static eseal_verdict same_report(eseal_instance *inst, const char *skip_hierarchy, int64_t at_ms)
{
    eseal_trust *lazy = trust_of(inst, skip_hierarchy, false);
    eseal_trust *eager = trust_of(inst, skip_hierarchy, true);
    eseal_verdict vl, ve;
    size_t d0 = es_trust_decoded;
    char *a = report_with(lazy, at_ms, &vl);
    size_t lazy_decoded = es_trust_decoded - d0;
    char *b = report_with(eager, at_ms, &ve);
    print_message("%s%s: %s; the lazy trust decoded %zu of its %zu certificates\n",
                  skip_hierarchy != NULL ? "without the CAs of " : "every CA",
                  skip_hierarchy != NULL ? skip_hierarchy : "", eseal_verdict_name(vl), lazy_decoded, lazy->n);
    for (size_t i = 0; getenv("FIXED_WORK_DEBUG") != NULL && i < lazy->n; i++) {
        char *sn = X509_NAME_oneline(lazy->certs[i].subject, NULL, 0);
        print_message("  %s %s %s\n", lazy->certs[i].x != NULL ? "decoded" : "kept   ", lazy->certs[i].anchor ? "anchor" : "inter ", sn);
        OPENSSL_free(sn);
    }
    assert_int_equal(vl, ve);
    assert_string_equal(a, b);
    assert_true(lazy_decoded < lazy->n || lazy->n == 0);
    es_free(a);
    es_free(b);
    eseal_trust_free(lazy);
    eseal_trust_free(eager);
    return vl;
}

typedef struct {
    char id[64];
} found_ca;

static int find_p256_issuing(const eseal_cert_record *rec, void *payload)
{
    found_ca *f = payload;
    if (strcmp(rec->role, "issuing-ca") == 0 && strcmp(rec->hierarchy, "p256") == 0) {
        (void)snprintf(f->id, sizeof(f->id), "%s", rec->id);
    }
    return 0;
}

static void lazy_trust_same_reports(void **state)
{
    (void)state;
    eseal_instance *inst = test_instance_open(ihome, pass);
    int64_t now = eseal_time_now();
    /* The stamped file: VALID with both. */
    assert_int_equal(same_report(inst, NULL, now), ESEAL_VALID);
    /* The signer's issuer unknown (only the SM2 and RSA hierarchies trusted): not VALID, the same. */
    assert_int_not_equal(same_report(inst, "p256", now), ESEAL_VALID);
    /* The signer's issuing CA revoked (keyCompromise, before the signature): not VALID, the same. */
    found_ca f = {{0}};
    assert_int_equal(eseal_instance_cert_list(inst, find_p256_issuing, &f), ESEAL_OK);
    assert_true(f.id[0] != '\0');
    assert_int_equal(eseal_instance_cert_revoke(inst, test_who(), f.id, 1, now - 3600 * 1000), ESEAL_OK);
    assert_int_not_equal(same_report(inst, NULL, now + 1000), ESEAL_VALID);
    eseal_instance_close(inst);
}

/* The same DER decoded twice in a process: once, and the same certificate. */
static void memo_decodes_once(void **state)
{
    (void)state;
    eseal_instance *inst = test_instance_open(ihome, pass);
    eseal_trust *t = trust_of(inst, NULL, false);
    eseal_instance_close(inst);
    assert_true(t->n > 0);
    es_x509_memo_clear();
    size_t d0 = es_x509_decodes, h0 = es_x509_memo_hits;
    X509 *a = NULL, *b = NULL;
    assert_true(es_ok(es_x509_from_der(&a, es_span_of(t->certs[0].der, t->certs[0].len))));
    assert_true(es_ok(es_x509_from_der(&b, es_span_of(t->certs[0].der, t->certs[0].len))));
    assert_ptr_equal(a, b);
    assert_int_equal(es_x509_decodes - d0, 1);
    assert_int_equal(es_x509_memo_hits - h0, 1);
    /* Different bytes (one changed in the signature) are another certificate: decoded, not shared. */
    unsigned char *der = malloc(t->certs[0].len);
    assert_non_null(der);
    memcpy(der, t->certs[0].der, t->certs[0].len);
    der[t->certs[0].len - 1] ^= 1;
    X509 *c = NULL;
    assert_true(es_ok(es_x509_from_der(&c, es_span_of(der, t->certs[0].len))));
    assert_ptr_not_equal(a, c);
    assert_int_equal(es_x509_decodes - d0, 2);
    /* Trailing bytes are refused, as before. */
    unsigned char *longer = malloc(t->certs[0].len + 1);
    assert_non_null(longer);
    memcpy(longer, t->certs[0].der, t->certs[0].len);
    longer[t->certs[0].len] = 0;
    X509 *d = NULL;
    assert_false(es_ok(es_x509_from_der(&d, es_span_of(longer, t->certs[0].len + 1))));
    eseal_error_clear();
    X509_free(a);
    X509_free(b);
    X509_free(c);
    free(der);
    free(longer);
    eseal_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stamp_counts),
        cmocka_unit_test(verify_counts),
        cmocka_unit_test(memo_decodes_once),
        cmocka_unit_test(lazy_trust_same_reports),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
