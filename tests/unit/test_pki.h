/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests' certificate maker: a fresh key of `alg` and a certificate of
 * profile `prof` for it, signed by issuer_key/issuer (NULL: self-signed),
 * valid from nb_ms to na_ms, with a random positive serial. Include after
 * <cmocka.h>, "crypto/crypto.h" and "eseal/eseal.h".
 */
#ifndef ESEAL_TEST_PKI_H
#define ESEAL_TEST_PKI_H

static inline void test_issue(eseal_cert **out, eseal_key **key, eseal_key_alg alg, es_cert_profile prof,
                              const char *cn, eseal_key *issuer_key, eseal_cert *issuer, int64_t nb_ms, int64_t na_ms)
{
    assert_int_equal(eseal_key_generate(key, alg), ESEAL_OK);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, *key), ESEAL_OK);
    uint8_t serial[8];
    assert_true(es_ok(es_random(serial, sizeof(serial))));
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 1);
    es_cert_spec s = {0};
    s.profile = prof;
    s.common_name = cn;
    s.organization = "Test";
    s.country = "CN";
    s.not_before_ms = nb_ms;
    s.not_after_ms = na_ms;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    assert_true(es_ok(es_cert_issue(out, &s, es_span_of(spki.ptr, spki.size), issuer_key != NULL ? issuer_key : *key,
                                    issuer)));
    eseal_buf_dispose(&spki);
}

#endif
