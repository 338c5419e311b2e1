/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recipient's trust (issue #14 §2): a PEM bundle of anchors, intermediates and CRLs read by
 * eseal_trust_add_path, and certificates a document brings (a PDF's /DSS /Certs, through
 * es_revocation_opts.certs) completing a chain to a root-only trust set. SM2 throughout: the
 * document's certificates must carry the SM2 ID like every other (probes.md §1).
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

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "util/report.h"
#include "../test_pki.h"

typedef struct {
    eseal_key *root_key, *ca_key, *leaf_key;
    eseal_cert *root, *ca, *leaf;
    es_buf root_crl, ca_crl, ca_revoked_crl; /* DER */
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    int64_t now = eseal_time_now(), year = 365LL * 86400 * 1000;
    test_issue(&f->root, &f->root_key, ESEAL_ALG_SM2, ES_PROFILE_ROOT_CA, "Root", NULL, NULL, now - 1000, now + 10 * year);
    test_issue(&f->ca, &f->ca_key, ESEAL_ALG_SM2, ES_PROFILE_ISSUING_CA, "Issuing", f->root_key, f->root, now - 1000,
               now + 5 * year);
    test_issue(&f->leaf, &f->leaf_key, ESEAL_ALG_SM2, ES_PROFILE_ORG, "Leaf", f->ca_key, f->ca, now - 1000, now + year);
    f->root_crl = (es_buf)ES_BUF_INIT(1 << 20);
    f->ca_crl = (es_buf)ES_BUF_INIT(1 << 20);
    f->ca_revoked_crl = (es_buf)ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&f->root_crl, f->root_key, f->root, NULL, 0, 1, now - 1000, now + 86400000)));
    assert_true(es_ok(es_crl_issue(&f->ca_crl, f->ca_key, f->ca, NULL, 0, 1, now - 1000, now + 86400000)));
    /* The root's CRL that revokes the issuing CA. */
    es_buf serial = ES_BUF_INIT(64);
    assert_true(es_ok(es_hex_decode(&serial, eseal_cert_serial(f->ca))));
    es_crl_entry e = {serial.ptr, serial.len, now - 60000, 1};
    assert_true(es_ok(es_crl_issue(&f->ca_revoked_crl, f->root_key, f->root, &e, 1, 2, now - 1000, now + 86400000)));
    es_buf_free(&serial);
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/eseal-bundle-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    eseal_key_free(f->root_key);
    eseal_key_free(f->ca_key);
    eseal_key_free(f->leaf_key);
    eseal_cert_free(f->root);
    eseal_cert_free(f->ca);
    eseal_cert_free(f->leaf);
    es_buf_free(&f->root_crl);
    es_buf_free(&f->ca_crl);
    es_buf_free(&f->ca_revoked_crl);
    char cmd[128];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void add_cert_pem(es_buf *out, const eseal_cert *c)
{
    eseal_buf pem = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_pem(&pem, c), ESEAL_OK);
    assert_true(es_ok(es_buf_append(out, pem.ptr, pem.size)));
    eseal_buf_dispose(&pem);
}

static void add_crl_pem(es_buf *out, const es_buf *der)
{
    int64_t next = 0;
    assert_true(es_ok(es_buf_append_str(out, "# a comment line, as ca export --bundle writes them\n")));
    assert_true(es_ok(es_crl_to_pem(out, es_buf_span(der), &next)));
    assert_true(next > eseal_time_now());
}

/* Writes `pem` to DIR/NAME and returns a trust set read from it with eseal_trust_add_path. */
static int trust_from(eseal_trust **t, const fixture *f, const char *name, const es_buf *pem)
{
    char path[128];
    (void)snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(pem->ptr, 1, pem->len, fp), pem->len);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(eseal_trust_new(t), ESEAL_OK);
    return eseal_trust_add_path(*t, path, 1);
}

static eseal_report *chain_check(const eseal_trust *t, const eseal_cert *c, const es_revocation_opts *ro)
{
    eseal_report *rep = NULL;
    assert_true(es_ok(es_report_new(&rep)));
    assert_true(es_ok(es_cert_chain_check_ex(rep, t, c, NULL, 0, eseal_time_now(), 0, ro)));
    return rep;
}

static void expect(eseal_report *rep, eseal_verdict v, const char *code)
{
    if (eseal_report_verdict(rep) != v || (code != NULL && !eseal_report_has_reason(rep, code))) {
        eseal_buf txt = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&txt, rep, 0);
        print_error("want %s %s, got:\n%s", eseal_verdict_name(v), code != NULL ? code : "", txt.ptr);
        eseal_buf_dispose(&txt);
        fail();
    }
}

/* The bundle: the root is the anchor, the issuing CA a path helper judged with the root's CRL. */
static void bundle_anchors_intermediates_and_crls(void **state)
{
    fixture *f = *state;
    es_buf pem = ES_BUF_INIT(1 << 20);
    add_cert_pem(&pem, f->root);
    add_cert_pem(&pem, f->ca);
    add_crl_pem(&pem, &f->root_crl);
    add_crl_pem(&pem, &f->ca_crl);
    eseal_trust *t = NULL;
    assert_int_equal(trust_from(&t, f, "bundle.pem", &pem), ESEAL_OK);
    assert_int_equal(eseal_trust_anchor_count(t), 1);
    eseal_report *rep = chain_check(t, f->leaf, NULL);
    expect(rep, ESEAL_VALID, NULL);
    assert_int_equal(eseal_value_count(eseal_report_find(rep, "checks.chain.objects")), 3);
    assert_true(strncmp(eseal_report_string(rep, "checks.chain.detail"), "3 certificates to ", 18) == 0);
    assert_non_null(strstr(eseal_report_string(rep, "checks.revocation.detail"), "CA: CRL, trust set"));
    assert_string_equal(eseal_report_string(rep, "checks.revocation.source"), "crl");
    eseal_report_free(rep);
    eseal_trust_free(t);

    /* The same bundle whose root CRL revokes the issuing CA: the CA is checked, not trusted. */
    es_buf_clear(&pem);
    add_cert_pem(&pem, f->root);
    add_cert_pem(&pem, f->ca);
    add_crl_pem(&pem, &f->ca_revoked_crl);
    add_crl_pem(&pem, &f->ca_crl);
    assert_int_equal(trust_from(&t, f, "revoked.pem", &pem), ESEAL_OK);
    rep = chain_check(t, f->leaf, NULL);
    expect(rep, ESEAL_INVALID, "REVOKED_CA");
    eseal_report_free(rep);
    eseal_trust_free(t);

    /* Certificates only: every certificate is an anchor (the plain meaning), and without CRLs
     * the leaf's status is unknown. */
    es_buf_clear(&pem);
    add_cert_pem(&pem, f->root);
    add_cert_pem(&pem, f->ca);
    assert_int_equal(trust_from(&t, f, "certs.pem", &pem), ESEAL_OK);
    assert_int_equal(eseal_trust_anchor_count(t), 2);
    rep = chain_check(t, f->leaf, NULL);
    expect(rep, ESEAL_INDETERMINATE, "REVOCATION_UNKNOWN");
    eseal_report_free(rep);
    eseal_trust_free(t);

    /* A CRL block that cannot be read is an error, not a CRL silently dropped. */
    es_buf_clear(&pem);
    add_cert_pem(&pem, f->root);
    assert_true(es_ok(es_buf_append_str(&pem, "-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n")));
    assert_int_equal(trust_from(&t, f, "bad.pem", &pem), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "CRL 1"));
    eseal_trust_free(t);
    es_buf_free(&pem);
}

/* A document's certificates (PDF /DSS /Certs) complete the path to a root-only trust set. */
static void document_certificates_complete_the_chain(void **state)
{
    fixture *f = *state;
    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(t, f->root), ESEAL_OK);
    assert_int_equal(eseal_trust_add_crl(t, f->root_crl.ptr, f->root_crl.len), ESEAL_OK);
    assert_int_equal(eseal_trust_add_crl(t, f->ca_crl.ptr, f->ca_crl.len), ESEAL_OK);
    eseal_report *rep = chain_check(t, f->leaf, NULL);
    expect(rep, ESEAL_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
    eseal_report_free(rep);

    eseal_buf ca_der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&ca_der, f->ca), ESEAL_OK);
    es_span certs[2] = {es_span_of("junk", 4), es_span_of(ca_der.ptr, ca_der.size)};
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.certs = certs;
    ro.cert_count = 2;
    rep = chain_check(t, f->leaf, &ro);
    expect(rep, ESEAL_VALID, NULL); /* the SM2-signed CA certificate verifies: it got the SM2 ID */
    assert_int_equal(eseal_value_count(eseal_report_find(rep, "checks.chain.objects")), 3);
    /* The CA's certificate is the document's (a PDF's /DSS): so its validation object says. */
    assert_string_equal(eseal_report_string(rep, "validation_objects.1.origin"), "dss");
    eseal_report_free(rep);

    /* Helpers are never anchors: the CA alone, without the root, does not make a chain. */
    eseal_trust *empty = NULL;
    assert_int_equal(eseal_trust_new(&empty), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(empty, f->leaf), ESEAL_OK); /* some unrelated anchor */
    rep = chain_check(empty, f->ca, &ro);
    expect(rep, ESEAL_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
    eseal_report_free(rep);
    eseal_trust_free(empty);
    eseal_buf_dispose(&ca_der);
    eseal_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_anchors_intermediates_and_crls),
        cmocka_unit_test(document_certificates_complete_the_chain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
