/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto: es_cert_parse_as, the parse that shares a certificate already parsed in the same
 * verification when the bytes are exactly its DER, and otherwise is es_cert_parse.
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

static void same_bytes_share_other_bytes_parse(void **state)
{
    (void)state;
    int64_t now = eseal_time_now();
    eseal_key *ka = NULL, *kb = NULL;
    eseal_cert *a = NULL, *b = NULL;
    test_issue(&a, &ka, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "A", NULL, NULL, now - 60000, now + 86400000);
    test_issue(&b, &kb, ESEAL_ALG_P256, ES_PROFILE_ROOT_CA, "B", NULL, NULL, now - 60000, now + 86400000);
    eseal_buf da = ESEAL_BUF_INIT, db = ESEAL_BUF_INIT, pa = ESEAL_BUF_INIT;
    es_buf longer = ES_BUF_INIT(1 << 16);
    assert_int_equal(eseal_cert_der(&da, a), ESEAL_OK);
    assert_int_equal(eseal_cert_der(&db, b), ESEAL_OK);
    assert_int_equal(eseal_cert_pem(&pa, a), ESEAL_OK);

    /* Exactly a's DER: a's certificate. */
    eseal_cert *c = NULL;
    assert_true(es_ok(es_cert_parse_as(&c, es_span_of(da.ptr, da.size), a)));
    assert_string_equal(eseal_cert_fingerprint(c), eseal_cert_fingerprint(a));
    assert_string_equal(eseal_cert_subject(c), eseal_cert_subject(a));
    eseal_cert_free(c); /* its own reference: a stays usable */
    assert_string_equal(eseal_cert_subject(a), "CN=A,O=Test,C=CN");

    /* Other bytes: parsed as themselves, whatever is known. */
    assert_true(es_ok(es_cert_parse_as(&c, es_span_of(db.ptr, db.size), a)));
    assert_string_equal(eseal_cert_fingerprint(c), eseal_cert_fingerprint(b));
    eseal_cert_free(c);
    assert_true(es_ok(es_cert_parse_as(&c, es_span_of(db.ptr, db.size), NULL)));
    assert_string_equal(eseal_cert_fingerprint(c), eseal_cert_fingerprint(b));
    eseal_cert_free(c);
    /* a as PEM: read as PEM (es_cert_parse), the same certificate. */
    assert_true(es_ok(es_cert_parse_as(&c, es_span_of(pa.ptr, pa.size), a)));
    assert_string_equal(eseal_cert_fingerprint(c), eseal_cert_fingerprint(a));
    eseal_cert_free(c);

    /* a's DER with a trailing byte, or cut short: refused as es_cert_parse refuses them. */
    assert_true(es_ok(es_buf_append(&longer, da.ptr, da.size)));
    assert_true(es_ok(es_buf_append(&longer, "\0", 1)));
    c = NULL;
    assert_int_equal(es_code(es_cert_parse_as(&c, es_buf_span(&longer), a)), ESEAL_EMALFORMED);
    assert_null(c);
    assert_int_equal(es_code(es_cert_parse_as(&c, es_span_of(da.ptr, da.size - 1), a)), ESEAL_EMALFORMED);
    assert_null(c);

    eseal_buf_dispose(&da);
    eseal_buf_dispose(&db);
    eseal_buf_dispose(&pa);
    es_buf_free(&longer);
    eseal_cert_free(a);
    eseal_cert_free(b);
    eseal_key_free(ka);
    eseal_key_free(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_share_other_bytes_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
