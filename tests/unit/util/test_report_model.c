/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The report as typed data (include/eseal/report.h, src/util/report.c): values keep their types
 * from the setter to the JSON, paths find list items by index and by id, checks replace by id,
 * validation objects go to the document once per digest with the earliest proof of existence,
 * merging keeps what the part does not say, and the JSON never turns a number, a boolean or a
 * list into a string, nor escapes Chinese.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/instance.h"
#include "util/report.h"

#define SHA_A "aaaaaaaaaaaaaaaa000000000000000000000000000000000000000000000000"
#define SHA_B "bbbbbbbbbbbbbbbb000000000000000000000000000000000000000000000000"

static eseal_report *document(void)
{
    eseal_report *r = NULL;
    assert_true(es_ok(es_report_new(&r)));
    assert_true(es_ok(es_report_document_init(r, "pdf", 1234, SHA_A, SHA_B, 1767225600123)));
    return r;
}

static void values_keep_their_types(void **state)
{
    (void)state;
    eseal_report *r = document();
    eseal_report *s = NULL;
    assert_true(es_ok(es_report_add_child(r, &s)));
    assert_true(es_ok(es_report_signature_init(s)));
    assert_true(es_ok(es_report_str(s, "signer.subject", "CN=%s", "示例")));
    assert_true(es_ok(es_report_time(s, "signer.not_before", 1700000000000)));
    assert_true(es_ok(es_report_bool(s, "coverage.whole_document", false)));
    eseal_value *br = NULL;
    assert_true(es_ok(es_value_append(es_report_root(s), "coverage.byte_ranges", ESEAL_VALUE_OBJECT, &br)));
    assert_true(es_ok(es_value_int(br, "offset", 0)));
    assert_true(es_ok(es_value_int(br, "length", 128713)));
    assert_true(es_ok(es_value_append(es_report_root(s), "coverage.byte_ranges", ESEAL_VALUE_OBJECT, &br)));
    assert_true(es_ok(es_value_int(br, "offset", 133329)));
    assert_true(es_ok(es_value_int(br, "length", 42416)));
    assert_true(es_ok(es_value_num(es_report_root(s), "signature.appearance.rect", 1.5)));

    assert_string_equal(eseal_report_string(s, "signer.subject"), "CN=示例");
    int64_t v = 0;
    assert_int_equal(eseal_report_time(s, "signer.not_before", &v), ESEAL_OK);
    assert_int_equal(v, 1700000000000);
    assert_int_equal(eseal_report_integer(s, "signer.not_before", &v), ESEAL_ENOTFOUND); /* a time is not an integer */
    assert_int_equal(eseal_report_integer(s, "coverage.byte_ranges.1.length", &v), ESEAL_OK);
    assert_int_equal(v, 42416);
    assert_null(eseal_report_find(s, "coverage.byte_ranges.2"));
    int b = 1;
    assert_int_equal(eseal_report_boolean(s, "coverage.whole_document", &b), ESEAL_OK);
    assert_int_equal(b, 0);
    assert_null(eseal_report_string(s, "coverage.whole_document"));
    assert_int_equal(eseal_value_type_of(eseal_report_find(s, "seal")), ESEAL_VALUE_NULL);
    assert_non_null(eseal_report_find(s, "seal")); /* present, and null: "does not apply" */
    assert_null(eseal_report_find(s, "nothing.here"));
    assert_int_equal(eseal_report_integer(r, "document.size", &v), ESEAL_OK);
    assert_int_equal(v, 1234);
    assert_int_equal(eseal_report_integer(r, "report_version", &v), ESEAL_OK);
    assert_int_equal(v, ESEAL_REPORT_VERSION);
    /* setting again replaces in place: the member keeps its position */
    const eseal_value *d = eseal_report_data(s);
    const char *first = eseal_value_key(d, 0);
    assert_true(es_ok(es_report_str(s, "signature.id", "Signature1")));
    assert_string_equal(eseal_value_key(d, 0), first);
    /* a path through a value that is not an object is a bug, and says so */
    assert_false(es_ok(es_report_str(s, "signer.subject.x", "y")));
    eseal_report_free(r);
}

static void checks_by_id(void **state)
{
    (void)state;
    eseal_report *r = document();
    eseal_report *s = NULL;
    assert_true(es_ok(es_report_add_child(r, &s)));
    assert_true(es_ok(es_report_signature_init(s)));
    assert_int_equal(eseal_report_check(s, "chain"), ESEAL_CHECK_ABSENT);
    assert_true(es_ok(es_report_check(s, "digest", ESEAL_CHECK_PASSED, NULL, NULL)));
    assert_true(es_ok(es_report_check(s, "chain", ESEAL_CHECK_INDETERMINATE, "trust_set", "no anchor")));
    assert_true(es_ok(es_report_check(s, "chain", ESEAL_CHECK_PASSED, "trust_set", "%d certificates", 3)));
    assert_int_equal(eseal_value_count(eseal_report_find(s, "checks")), 2);
    assert_int_equal(eseal_report_check(s, "chain"), ESEAL_CHECK_PASSED);
    assert_string_equal(eseal_report_string(s, "checks.chain.detail"), "3 certificates");
    assert_string_equal(eseal_report_string(s, "checks.1.id"), "chain");
    assert_int_equal(eseal_value_type_of(eseal_report_find(s, "checks.digest.detail")), ESEAL_VALUE_NULL);
    char id[ES_VOBJ_ID_LEN];
    assert_true(es_ok(es_report_object(s, ES_VOBJ_CERTIFICATE, SHA_A, "CN=Root", "trust_set", 0, id)));
    assert_string_equal(id, "CERT-aaaaaaaaaaaaaaaa");
    assert_true(es_ok(es_report_check_uses(s, "chain", id)));
    assert_true(es_ok(es_report_check_uses(s, "chain", id))); /* once */
    assert_int_equal(eseal_value_count(eseal_report_find(s, "checks.chain.objects")), 1);
    assert_false(es_ok(es_report_check_uses(s, "revocation", id))); /* no such check */
    assert_false(es_ok(es_report_check(s, "x", (eseal_check_status)9, NULL, NULL)));
    assert_string_equal(eseal_check_status_name(ESEAL_CHECK_NOT_APPLICABLE), "not_applicable");
    assert_null(eseal_check_status_name(ESEAL_CHECK_ABSENT));
    eseal_report_free(r);
}

static void objects_live_in_the_document(void **state)
{
    (void)state;
    eseal_report *r = document();
    eseal_report *s1 = NULL, *s2 = NULL;
    assert_true(es_ok(es_report_add_child(r, &s1)));
    assert_true(es_ok(es_report_add_child(r, &s2)));
    char id[ES_VOBJ_ID_LEN];
    assert_true(es_ok(es_report_object(s1, ES_VOBJ_CRL, SHA_B, "CN=CA", "dss", 0, id)));
    assert_true(es_ok(es_report_object(s2, ES_VOBJ_CRL, SHA_B, "CN=CA", "dss", 1700000000000, id)));
    assert_true(es_ok(es_report_object(s2, ES_VOBJ_CRL, SHA_B, "CN=CA", "dss", 1800000000000, id)));
    assert_string_equal(id, "CRL-bbbbbbbbbbbbbbbb");
    assert_int_equal(eseal_value_count(eseal_report_find(r, "validation_objects")), 1);
    assert_null(eseal_report_find(s1, "validation_objects"));
    int64_t poe = 0;
    assert_int_equal(eseal_report_time(r, "validation_objects.0.poe", &poe), ESEAL_OK);
    assert_int_equal(poe, 1700000000000); /* the earliest proof wins */
    assert_false(es_ok(es_report_object(s1, ES_VOBJ_CRL, "abc", NULL, NULL, 0, id)));

    /* a part verified on its own (a CMS report) brings its objects to the document it joins */
    eseal_report *part = NULL, *ps = NULL;
    assert_true(es_ok(es_report_new(&part)));
    assert_true(es_ok(es_report_add_child(part, &ps)));
    assert_true(es_ok(es_report_signature_init(ps)));
    assert_true(es_ok(es_report_object(ps, ES_VOBJ_CERTIFICATE, SHA_A, "CN=Signer", "signature", 0, id)));
    assert_true(es_ok(es_report_str(ps, "signer.subject", "CN=Signer")));
    assert_true(es_ok(es_report_check(ps, "signature", ESEAL_CHECK_PASSED, NULL, NULL)));
    assert_true(es_ok(es_report_reason(ps, ESEAL_INDETERMINATE, ESEAL_R_REVOCATION_UNKNOWN, "no CRL")));
    assert_true(es_ok(es_report_signature_init(s1)));
    assert_true(es_ok(es_report_str(s1, "signature.id", "Sig1")));
    assert_true(es_ok(es_report_check(s1, "signature", ESEAL_CHECK_FAILED, NULL, "before")));
    assert_true(es_ok(es_report_merge(s1, ps, NULL)));
    assert_int_equal(eseal_value_count(eseal_report_find(r, "validation_objects")), 2);
    assert_string_equal(eseal_report_string(s1, "signer.subject"), "CN=Signer");
    assert_string_equal(eseal_report_string(s1, "signature.id"), "Sig1"); /* the part's null keeps it */
    assert_int_equal(eseal_report_check(s1, "signature"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_value_count(eseal_report_find(s1, "checks")), 1);
    assert_int_equal(eseal_report_verdict(s1), ESEAL_INDETERMINATE);
    /* a value and a check's objects taken from another report: deep copies */
    assert_true(es_ok(es_report_check(ps, "chain", ESEAL_CHECK_PASSED, "trust_set", NULL)));
    assert_true(es_ok(es_report_check_uses(ps, "chain", id)));
    assert_true(es_ok(es_value_set(es_report_root(s1), "signer.copy", eseal_report_find(ps, "checks"))));
    assert_true(es_ok(es_report_check(s1, "chain", ESEAL_CHECK_PASSED, NULL, NULL)));
    assert_true(es_ok(es_report_check_uses_from(s1, "chain", eseal_report_find(ps, "checks.chain"))));
    eseal_report_free(part);
    assert_string_equal(eseal_report_string(s1, "signer.copy.1.id"), "chain");
    assert_string_equal(eseal_report_string(s1, "checks.chain.objects.0"), "CERT-aaaaaaaaaaaaaaaa");
    assert_true(es_ok(es_value_set(es_report_root(s1), "signer.copy", NULL)));
    assert_int_equal(eseal_value_type_of(eseal_report_find(s1, "signer.copy")), ESEAL_VALUE_NULL);
    eseal_report_free(r);
}

/* The JSON of every value type, read back with jansson-independent string checks. */
static void json_is_typed(void **state)
{
    (void)state;
    eseal_report *r = document();
    eseal_report *s = NULL;
    assert_true(es_ok(es_report_add_child(r, &s)));
    assert_true(es_ok(es_report_signature_init(s)));
    assert_true(es_ok(es_report_str(s, "signer.subject", "CN=示例贸易有限公司")));
    assert_true(es_ok(es_report_int(s, "time.accuracy_ms", 1000)));
    assert_true(es_ok(es_report_bool(s, "coverage.whole_document", true)));
    assert_true(es_ok(es_report_time(s, "time.value", 1767225600123)));
    eseal_buf out = ESEAL_BUF_INIT;
    assert_int_equal(eseal_report_to_json(&out, r), ESEAL_OK);
    const char *j = (const char *)out.ptr;
    assert_non_null(strstr(j, "\"report_version\": 6"));
    assert_non_null(strstr(j, "\"size\": 1234"));
    assert_non_null(strstr(j, "\"accuracy_ms\": 1000"));
    assert_non_null(strstr(j, "\"whole_document\": true"));
    assert_non_null(strstr(j, "\"value\": \"2026-01-01T00:00:00.123Z\""));
    assert_non_null(strstr(j, "\"validation_time\": \"2026-01-01T00:00:00.123Z\""));
    assert_non_null(strstr(j, "示例贸易有限公司")); /* UTF-8 as it is */
    assert_null(strstr(j, "\\u"));
    assert_non_null(strstr(j, "\"seal\": null"));
    assert_non_null(strstr(j, "\"validation_objects\": []"));
    eseal_buf_dispose(&out);

    assert_int_equal(eseal_report_to_text(&out, r, ESEAL_REPORT_TEXT_DETAIL), ESEAL_OK);
    assert_non_null(strstr((const char *)out.ptr, "accuracy_ms: 1000"));
    eseal_buf_dispose(&out);
    assert_int_equal(eseal_report_to_text(&out, r, 0), ESEAL_OK);
    assert_non_null(strstr((const char *)out.ptr, "Signed by: 示例贸易有限公司"));
    eseal_buf_dispose(&out);
    assert_int_equal(eseal_report_to_text(&out, r, 8), ESEAL_EINVAL);
    eseal_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_keep_their_types),
        cmocka_unit_test(checks_by_id),
        cmocka_unit_test(objects_live_in_the_document),
        cmocka_unit_test(json_is_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
