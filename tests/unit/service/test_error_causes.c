/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error messages that name the real cause (issue #14 §3), at the place they are made: what a
 * file handed to verification is (eseal_file_kind_detect), an OFD in the pre-2016 draft
 * namespace (es_ofd_xml_parse_named), and algorithm names instead of OIDs (eseal_sig_alg_name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "eseal/eseal.h"
#include "ofd/ofd.h"

static void assert_error(int rc, int code, const char *fragment)
{
    assert_int_equal(rc, code);
    assert_int_equal(eseal_error_last()->code, code);
    if (strstr(eseal_error_last()->message, fragment) == NULL) {
        fail_msg("'%s' is not in '%s'", fragment, eseal_error_last()->message);
    }
}

static void file_kinds(void **state)
{
    (void)state;
    eseal_file_kind k = 0;
    assert_error(eseal_file_kind_detect(&k, "", 0, "a.p7s"), ESEAL_EMALFORMED, "a.p7s is empty");
    static const uint8_t noise[] = {0x8b, 0x1f, 0x00, 0x42, 0x17, 0xfe, 0x30, 0x31};
    assert_error(eseal_file_kind_detect(&k, noise, sizeof(noise), "r.bin"), ESEAL_EMALFORMED,
                 "r.bin is not a PDF, OFD or CMS file");
    assert_int_equal(eseal_file_kind_detect(&k, "%PDF-1.7\n", 9, NULL), ESEAL_OK);
    assert_int_equal(k, ESEAL_FILE_PDF);
    assert_int_equal(eseal_file_kind_detect(&k, "PK\x03\x04....", 8, NULL), ESEAL_OK);
    assert_int_equal(k, ESEAL_FILE_OFD);
    /* ContentInfo: SEQUENCE (long form length) { OID signedData ... } (RFC 5652 §3) */
    static const uint8_t cms[] = {0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2A, 0x86,
                                  0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0};
    assert_int_equal(eseal_file_kind_detect(&k, cms, sizeof(cms), NULL), ESEAL_OK);
    assert_int_equal(k, ESEAL_FILE_CMS);
    static const uint8_t cms_short[] = {0x30, 0x40, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
    assert_int_equal(eseal_file_kind_detect(&k, cms_short, sizeof(cms_short), NULL), ESEAL_OK);
    assert_int_equal(k, ESEAL_FILE_CMS);
    /* A SEQUENCE that is a ContentInfo of another type (data, 1.2.840.113549.1.7.1) is not a signature. */
    static const uint8_t data_ci[] = {0x30, 0x40, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
    assert_error(eseal_file_kind_detect(&k, data_ci, sizeof(data_ci), NULL), ESEAL_EMALFORMED,
                 "the file is not a PDF, OFD or CMS file");
    assert_int_equal(eseal_file_kind_detect(&k, "-----BEGIN PKCS7-----\n", 22, NULL), ESEAL_OK);
    assert_int_equal(k, ESEAL_FILE_CMS);
    /* "%PDF" without the dash is not a PDF header (ISO 32000-2 §7.5.2). */
    assert_error(eseal_file_kind_detect(&k, "%PDF1.7", 7, "x.pdf"), ESEAL_EMALFORMED, "x.pdf is not a PDF");
}

static void ofd_draft_namespace(void **state)
{
    (void)state;
    static const char old_ns[] = "<?xml version=\"1.0\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org\" Version=\"1.0\">"
                                 "<ofd:DocBody/></ofd:OFD>";
    static const char new_ns[] = "<?xml version=\"1.0\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\" "
                                 "Version=\"1.0\"><ofd:DocBody/></ofd:OFD>";
    static const char no_ns[] = "<?xml version=\"1.0\"?><OFD Version=\"1.0\"><DocBody/></OFD>";
    xmlDocPtr d = NULL;
    es_result r = es_ofd_xml_parse_named(&d, es_span_of(old_ns, strlen(old_ns)), "OFD.xml", NULL);
    assert_error(es_code(r), ESEAL_EUNSUPPORTED, "OFD.xml uses the pre-2016 namespace http://www.ofdspec.org");
    assert_null(d);
    r = es_ofd_xml_parse_named(&d, es_span_of(new_ns, strlen(new_ns)), "OFD.xml", NULL);
    assert_true(es_ok(r));
    es_ofd_xml_freep(&d);
    d = NULL;
    r = es_ofd_xml_parse_named(&d, es_span_of(no_ns, strlen(no_ns)), "OFD.xml", NULL);
    assert_true(es_ok(r)); /* some producers omit the namespace: read as before */
    es_ofd_xml_freep(&d);
}

static void algorithm_names(void **state)
{
    (void)state;
    assert_string_equal(eseal_sig_alg_name(ESEAL_OID_SM2_SM3), "SM2-with-SM3");
    assert_string_equal(eseal_sig_alg_name("1.2.156.10197.501"), "SM2-with-SM3");
    assert_string_equal(eseal_sig_alg_name(ESEAL_OID_ECDSA_SHA256), "ecdsa-with-SHA256");
    assert_string_equal(eseal_sig_alg_name(ESEAL_OID_RSA_SHA256), "sha256WithRSAEncryption");
    assert_string_equal(eseal_sig_alg_name("1.2.3.4"), "1.2.3.4"); /* unknown: the OID, not a guess */
    assert_string_equal(eseal_sig_alg_name(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_kinds),
        cmocka_unit_test(ofd_draft_namespace),
        cmocka_unit_test(algorithm_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
