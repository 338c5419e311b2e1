/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust bundles (include/eseal/trustlist.h, src/trustlist/bundle.c): what is written reads back part
 * for part, and the reader refuses what is not a bundle, another version and what is over the limits,
 * each with its code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"
#include "eseal/trustlist.h"

static const char list[] = "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.c2ln";
static const uint8_t crl1[] = {0x30, 0x03, 0x02, 0x01, 0x01};
static const uint8_t crl2[] = {0x30, 0x00, 0xff, 0x00};
static const char ans[] = "eyJraWQiOiJ4In0.eyJlc2lkIjoiRVMxIn0.c2ln";

static int parse_text(const char *text, eseal_trust_bundle **b)
{
    return eseal_trust_bundle_parse(b, text, strlen(text));
}

static void round_trip(void **state)
{
    (void)state;
    eseal_bytes crls[] = {{crl1, sizeof(crl1)}, {crl2, sizeof(crl2)}};
    eseal_bytes answers[] = {{(const uint8_t *)ans, strlen(ans)}};
    eseal_buf out = ESEAL_BUF_INIT;
    assert_int_equal(eseal_trust_bundle_write(&out, list, strlen(list), crls, 2, answers, 1), ESEAL_OK);
    assert_true(eseal_trust_bundle_is(out.ptr, out.size));
    assert_false(eseal_trust_bundle_is(list, strlen(list)));
    eseal_trust_bundle *b = NULL;
    assert_int_equal(eseal_trust_bundle_parse(&b, out.ptr, out.size), ESEAL_OK);
    eseal_bytes l = eseal_trust_bundle_list(b);
    assert_int_equal(l.len, strlen(list));
    assert_memory_equal(l.ptr, list, l.len);
    assert_int_equal(eseal_trust_bundle_crl_count(b), 2);
    assert_int_equal(eseal_trust_bundle_crl(b, 1).len, sizeof(crl2));
    assert_memory_equal(eseal_trust_bundle_crl(b, 1).ptr, crl2, sizeof(crl2));
    assert_int_equal(eseal_trust_bundle_answer_count(b), 1);
    assert_memory_equal(eseal_trust_bundle_answer(b, 0).ptr, ans, strlen(ans));
    assert_null(eseal_trust_bundle_crl(b, 2).ptr); /* past the end */
    eseal_trust_bundle_free(b);
    eseal_buf_dispose(&out);
}

static void refusals(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
    } cases[] = {
        {"eyJhbGciOiJFUzI1NiJ9.e30.AAAA", ESEAL_EMALFORMED},                        /* a list, not a bundle */
        {"[]", ESEAL_EMALFORMED},                                                   /* not an object */
        {"{\"format\":\"x\",\"version\":1,\"list\":\"a\"}", ESEAL_EMALFORMED},        /* another format */
        {"{\"format\":\"eseal-trust-bundle\",\"version\":2,\"list\":\"a\"}", ESEAL_EUNSUPPORTED},
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1}", ESEAL_EMALFORMED},      /* no list */
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"\"}", ESEAL_EMALFORMED},
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"list\":\"b\"}", ESEAL_EMALFORMED},
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"crls\":[\"%%%\"]}", ESEAL_EMALFORMED},
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"crls\":{}}", ESEAL_EMALFORMED},
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"answers\":[7]}", ESEAL_EMALFORMED},
        {"{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"answers\":[\"\"]}", ESEAL_EMALFORMED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eseal_trust_bundle *b = NULL;
        int rc = parse_text(cases[i].text, &b);
        if (rc != cases[i].rc) {
            print_error("case %zu (%s): %d, wanted %d\n", i, cases[i].text, rc, cases[i].rc);
        }
        assert_int_equal(rc, cases[i].rc);
        assert_null(b);
        eseal_error_clear();
    }
}

/* Over the limits: an answer longer than an answer may be, more answers than a bundle takes. */
static void limits(void **state)
{
    (void)state;
    size_t n = ESEAL_REGISTRY_ANSWER_MAX_BYTES + 1;
    size_t cap = n + 128;
    char *text = malloc(cap);
    assert_non_null(text);
    int k = snprintf(text, cap, "{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"answers\":[\"");
    memset(text + k, 'A', n);
    (void)snprintf(text + k + n, cap - k - n, "\"]}");
    eseal_trust_bundle *b = NULL;
    assert_int_equal(parse_text(text, &b), ESEAL_ELIMIT);
    free(text);
    size_t many = ESEAL_TRUST_BUNDLE_MAX_ANSWERS + 1;
    cap = many * 4 + 128;
    text = malloc(cap);
    assert_non_null(text);
    k = snprintf(text, cap, "{\"format\":\"eseal-trust-bundle\",\"version\":1,\"list\":\"a\",\"answers\":[");
    for (size_t i = 0; i < many; i++) {
        k += snprintf(text + k, cap - (size_t)k, "%s\"a\"", i == 0 ? "" : ",");
    }
    (void)snprintf(text + k, cap - (size_t)k, "]}");
    assert_int_equal(parse_text(text, &b), ESEAL_ELIMIT);
    free(text);
    /* and the writer refuses what the reader would */
    eseal_bytes big = {(const uint8_t *)list, ESEAL_REGISTRY_ANSWER_MAX_BYTES + 1};
    char *space = calloc(1, big.len);
    assert_non_null(space);
    big.ptr = (const uint8_t *)space;
    eseal_buf out = ESEAL_BUF_INIT;
    assert_int_equal(eseal_trust_bundle_write(&out, list, strlen(list), NULL, 0, &big, 1), ESEAL_EINVAL);
    free(space);
    eseal_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(refusals),
        cmocka_unit_test(limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
