/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seal: what a seal's verification reports for each certificate it binds, when one of them has
 * the maker certificate's bytes (ses_verify.c parses the maker certificate once and takes that
 * binding from it) and the others do not (parsed on their own).
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
#include "eseal/eseal.h"
#include "../test_pki.h"

/* Binding i of the seal section: the certificate's subject and SHA-256 fingerprint. */
static void expect_binding(const eseal_report *r, size_t i, const eseal_cert *c)
{
    char key[64];
    (void)snprintf(key, sizeof(key), "seal.bindings.%zu.subject", i);
    assert_non_null(eseal_report_string(r, key));
    assert_string_equal(eseal_report_string(r, key), eseal_cert_subject(c));
    (void)snprintf(key, sizeof(key), "seal.bindings.%zu.fingerprint_sha256", i);
    assert_non_null(eseal_report_string(r, key));
    assert_string_equal(eseal_report_string(r, key), eseal_cert_fingerprint(c));
}

/* Bindings [user, maker, other]: each reported as itself, the maker's too; the maker's chain still checked. */
static void maker_among_bindings(void **state)
{
    (void)state;
    int64_t now = eseal_time_now();
    eseal_key *root_key = NULL, *maker_key = NULL, *user_key = NULL, *other_key = NULL;
    eseal_cert *root = NULL, *maker = NULL, *user = NULL, *other = NULL;
    int64_t from = now - 60000, to = now + 365LL * 86400 * 1000;
    test_issue(&root, &root_key, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "Root", NULL, NULL, from, to);
    test_issue(&maker, &maker_key, ESEAL_ALG_P256, ES_PROFILE_SEAL_MAKER, "Seal maker", root_key, root, from, to);
    test_issue(&user, &user_key, ESEAL_ALG_P256, ES_PROFILE_ORG, "User", root_key, root, from, to);
    test_issue(&other, &other_key, ESEAL_ALG_P256, ES_PROFILE_ORG, "Other", root_key, root, from, to);
    eseal_buf der[3] = {ESEAL_BUF_INIT, ESEAL_BUF_INIT, ESEAL_BUF_INIT};
    const eseal_cert *bound[3] = {user, maker, other};
    eseal_bytes certs[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(eseal_cert_der(&der[i], bound[i]), ESEAL_OK);
        certs[i] = (eseal_bytes){der[i].ptr, der[i].size};
    }
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.format = 4;
    in.esid = "ES-TEST-BIND";
    in.type = ESEAL_SEAL_OFFICIAL;
    in.name = "Bindings";
    in.cert_list_type = 1;
    in.cert_count = 3;
    in.certs = certs;
    in.digest_type = "SM3";
    in.create_ms = now / 1000 * 1000;
    in.valid_start_ms = in.create_ms - 1000;
    in.valid_end_ms = in.create_ms + 86400000LL * 30;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){png, sizeof(png) - 1};
    in.picture_width_mm = 40;
    in.picture_height_mm = 40;
    eseal_buf seal = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_seal_make(&seal, &in, maker, maker_key), ESEAL_OK);
    eseal_ses_seal *s = NULL;
    assert_int_equal(eseal_ses_seal_decode(&s, seal.ptr, seal.size), ESEAL_OK);

    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(t, root), ESEAL_OK);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_ses_seal_verify(&rep, s, t, 0), ESEAL_OK);
    /* The maker's signature, and its chain of two (maker, root): seal_signature says so and names both
     * certificates (no CRL here: the maker's revocation status is unknown, so not passed). */
    const char *detail = eseal_report_string(rep, "checks.seal_signature.detail");
    assert_non_null(detail);
    assert_non_null(strstr(detail, "over the seal verifies"));
    assert_non_null(strstr(detail, "chain passed (2 certificates"));
    assert_int_equal(eseal_report_check(rep, "seal_signature"), ESEAL_CHECK_INDETERMINATE);
    assert_true(eseal_report_has_reason(rep, "REVOCATION_UNKNOWN"));
    assert_int_equal(eseal_value_count(eseal_report_find(rep, "checks.seal_signature.objects")), 2);
    assert_string_equal(eseal_report_string(rep, "seal.maker.subject"), eseal_cert_subject(maker));
    assert_string_equal(eseal_report_string(rep, "seal.maker.serial"), eseal_cert_serial(maker));
    assert_string_equal(eseal_report_string(rep, "seal.maker.issuer"), eseal_cert_subject(root));
    expect_binding(rep, 0, user);
    expect_binding(rep, 1, maker);
    expect_binding(rep, 2, other);
    assert_int_equal(eseal_value_count(eseal_report_find(rep, "seal.bindings")), 3);
    assert_int_equal(eseal_report_check(rep, "seal_binding"), ESEAL_CHECK_PASSED);
    assert_false(eseal_report_has_reason(rep, "NO_BOUND_SIGNER"));
    eseal_report_free(rep);

    /* Without anchors the maker's chain cannot be built: the kept certificate still went to the chain check. */
    eseal_trust *none = NULL;
    assert_int_equal(eseal_trust_new(&none), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_verify(&rep, s, none, 0), ESEAL_OK);
    assert_int_not_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_int_not_equal(eseal_report_check(rep, "seal_signature"), ESEAL_CHECK_PASSED);
    expect_binding(rep, 1, maker);
    eseal_report_free(rep);

    eseal_trust_free(none);
    eseal_trust_free(t);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&seal);
    for (size_t i = 0; i < 3; i++) {
        eseal_buf_dispose(&der[i]);
    }
    eseal_key *keys[] = {root_key, maker_key, user_key, other_key};
    eseal_cert *all[] = {root, maker, user, other};
    for (size_t i = 0; i < 4; i++) {
        eseal_key_free(keys[i]);
        eseal_cert_free(all[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maker_among_bindings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
