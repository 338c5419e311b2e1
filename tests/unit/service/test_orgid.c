/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal_org_id_parse: ETSI EN 319 412-1 §5.1.4 organisation identifiers, good ones split into
 * their parts and bad ones refused with the exact problem (and ESEAL_EINVAL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "eseal/eseal.h"

static void good_ones(void **state)
{
    (void)state;
    static const struct {
        const char *text, *type, *country, *value;
    } good[] = {
        {"VATDE-123456789", "VAT", "DE", "123456789"},
        {"VATNL-123456789B01", "VAT", "NL", "123456789B01"},
        {"VATIE-1234567T*", "VAT", "IE", "1234567T*"},
        {"VATEU-372009975", "VAT", "EU", "372009975"},
        {"NTRDE-HRB12345", "NTR", "DE", "HRB12345"},
        {"NTRFR-552100554", "NTR", "FR", "552100554"},
        {"NTRGB-SC123456", "NTR", "GB", "SC123456"},
        {"NTRBE-0403.170.701", "NTR", "BE", "0403.170.701"},
        {"NTRCN-91110000MA01ABCDEX", "NTR", "CN", "91110000MA01ABCDEX"},
        {"PSDGB-FCA-123456", "PSD", "GB", "FCA-123456"},
        {"PSDBE-NBB-0403.170.701", "PSD", "BE", "NBB-0403.170.701"},
        {"LEIXG-5493001KJTIIGC8Y1R12", "LEI", "XG", "5493001KJTIIGC8Y1R12"},
        {"LEIXG-529900T8BM49AURSDO55", "LEI", "XG", "529900T8BM49AURSDO55"},
        {"NO:NO-123456789", "NO:", "NO", "123456789"},
        {"VATDE-12", "VAT", "DE", "12"},
        {"VATDE-1234567890123456", "VAT", "DE", "1234567890123456"},
        {"NTRDE-12345678901234567890123456789012", "NTR", "DE", "12345678901234567890123456789012"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        eseal_org_id id;
        int rc = eseal_org_id_parse(&id, good[i].text);
        if (rc != ESEAL_OK) {
            fail_msg("%s refused: %s", good[i].text, eseal_error_last()->message);
        }
        assert_int_equal(id.problem, ESEAL_ORGID_OK);
        assert_string_equal(id.type, good[i].type);
        assert_string_equal(id.country, good[i].country);
        assert_string_equal(id.value, good[i].value);
    }
}

static void bad_ones(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        eseal_org_id_problem problem;
        const char *message_part;
    } bad[] = {
        {"", ESEAL_ORGID_SYNTAX, "not TYPE + COUNTRY"},
        {"VATDE123456789", ESEAL_ORGID_SYNTAX, "not TYPE + COUNTRY"},
        {"VATDE-", ESEAL_ORGID_SYNTAX, "not TYPE + COUNTRY"},
        {"VAT-DE-12345", ESEAL_ORGID_SYNTAX, "not TYPE + COUNTRY"},
        {"XYZDE-12345", ESEAL_ORGID_TYPE, "unknown type reference"},
        {"vatDE-12345", ESEAL_ORGID_TYPE, "unknown type reference"},
        {"N1:NO-12345", ESEAL_ORGID_TYPE, "unknown type reference"},
        {"VATde-12345", ESEAL_ORGID_COUNTRY, "two upper-case letters"},
        {"VATD1-12345", ESEAL_ORGID_COUNTRY, "two upper-case letters"},
        {"VATXG-12345", ESEAL_ORGID_COUNTRY, "XG is the country of an LEI only"},
        {"LEIDE-5493001KJTIIGC8Y1R12", ESEAL_ORGID_COUNTRY, "its country is XG"},
        {"LEIXG-5493001KJTIIGC8Y1R1", ESEAL_ORGID_LENGTH, "20 characters"},
        {"LEIXG-5493001KJTIIGC8Y1R123", ESEAL_ORGID_LENGTH, "20 characters"},
        {"LEIXG-5493001KJTIIGC8Y1RAB", ESEAL_ORGID_CHARSET, "2 check digits"},
        {"LEIXG-5493001kjtiigc8y1r12", ESEAL_ORGID_CHARSET, "2 check digits"},
        {"LEIXG-5493001KJTIIGC8Y1R13", ESEAL_ORGID_CHECK, "check digits are wrong"},
        {"LEIXG-5493001KJTIIGC8Y1S12", ESEAL_ORGID_CHECK, "check digits are wrong"},
        {"VATDE-1", ESEAL_ORGID_LENGTH, "2 to 16"},
        {"VATDE-12345678901234567", ESEAL_ORGID_LENGTH, "2 to 16"},
        {"VATDE-123 456", ESEAL_ORGID_CHARSET, "upper-case letters and digits"},
        {"VATDE-de123456", ESEAL_ORGID_CHARSET, "upper-case letters and digits"},
        {"NTRDE-HRB 12345", ESEAL_ORGID_CHARSET, "register number"},
        {"NTRDE-.HRB12345", ESEAL_ORGID_CHARSET, "register number"},
        {"NTRDE-HRB12345/", ESEAL_ORGID_CHARSET, "register number"},
        {"NTRDE-HRB\xc3\xa4" "12345", ESEAL_ORGID_CHARSET, "register number"},
        {"NTRDE-123456789012345678901234567890123", ESEAL_ORGID_LENGTH, "at most 32"},
        {"NTRCN-91110000MA01ABCDE5", ESEAL_ORGID_CHECK, "unified social credit code"},
        {"NTRCN-91110000MA01ABCD", ESEAL_ORGID_LENGTH, "18-character"},
        {"PSDGB-123456", ESEAL_ORGID_CHARSET, "competent authority"},
        {"PSDGB-FCA", ESEAL_ORGID_LENGTH, "authority of 2 to 8 letters"},
        {"PSDGB-F-123456", ESEAL_ORGID_LENGTH, "authority of 2 to 8 letters"},
        {"PSDGB-FCAFCAFCA-123456", ESEAL_ORGID_LENGTH, "authority of 2 to 8 letters"},
        {"PSDGB-FCA-", ESEAL_ORGID_LENGTH, "authority of 2 to 8 letters"},
        {"PSDGB-FCA-12 34", ESEAL_ORGID_CHARSET, "authorisation number"},
        {"NTRDE-12345678901234567890123456789012345678901234567890123456789", ESEAL_ORGID_LENGTH,
         "longer than 64"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        eseal_org_id id;
        int rc = eseal_org_id_parse(&id, bad[i].text);
        if (rc != ESEAL_EINVAL || id.problem != bad[i].problem ||
            strstr(eseal_error_last()->message, bad[i].message_part) == NULL) {
            fail_msg("%s: rc %d problem %d (wanted %d) '%s'", bad[i].text, rc, (int)id.problem, (int)bad[i].problem,
                     eseal_error_last()->message);
        }
    }
    eseal_org_id id;
    assert_int_equal(eseal_org_id_parse(&id, NULL), ESEAL_EINVAL);
    assert_int_equal(eseal_org_id_parse(NULL, "VATDE-123456789"), ESEAL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_ones),
        cmocka_unit_test(bad_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
