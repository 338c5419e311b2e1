/* SPDX-License-Identifier: Apache-2.0 */
/* Audit entries (include/eseal/audit.h): one encoding per event, strict parsing, commitments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "eseal/eseal.h"

static const char H1[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char H2[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static eseal_audit_entry full(void)
{
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = "stamp";
    e.time_ms = 1795145112123;
    e.actor = "alice";
    e.actor_cert = H1;
    e.seal = "ES-110108-0001";
    e.stamp = "ST20261121-0A1B2C3D4E";
    e.doc_format = "ofd";
    e.doc_before_sha256 = H1;
    e.doc_before_sm3 = H2;
    e.doc_after_sha256 = H2;
    e.doc_after_sm3 = H1;
    e.approvals = "A-17,A-18";
    e.actor_kind = "operator";
    e.policy_rule = "local-operator";
    e.ip_commitment = H2;
    e.device_commitment = H1;
    e.detail = "合同专用章 stamped";
    e.time_proof_kind = "entry";
    e.time_proof_sha256 = H2;
    return e;
}

static void round_trip(void **state)
{
    (void)state;
    eseal_audit_entry e = full();
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_OK);
    assert_true(strncmp((const char *)b.ptr, "eseal-audit/v1\ntype stamp\ntime 1795145112123\nactor alice\n", 57) == 0);
    /* The principal's kind right after the actor; the policy rule right after the approvals. */
    assert_non_null(strstr((const char *)b.ptr, "\nactor alice\nactor-kind operator\nactor-cert "));
    assert_non_null(strstr((const char *)b.ptr, "\napprovals A-17,A-18\npolicy-rule local-operator\nip-commitment "));
    eseal_audit_entry_parsed p;
    assert_int_equal(eseal_audit_entry_parse(&p, b.ptr, b.size), ESEAL_OK);
    assert_string_equal(p.e.type, "stamp");
    assert_int_equal(p.e.time_ms, 1795145112123);
    assert_string_equal(p.e.detail, e.detail);
    assert_string_equal(p.e.approvals, "A-17,A-18");
    assert_string_equal(p.e.actor_kind, "operator");
    assert_string_equal(p.e.policy_rule, "local-operator");
    assert_string_equal(p.e.time_proof_kind, "entry");
    assert_string_equal(p.e.time_proof_sha256, H2);
    assert_null(p.e.cert);
    /* Re-encoding the parsed entry gives the same bytes. */
    eseal_buf b2 = ESEAL_BUF_INIT;
    assert_int_equal(eseal_audit_entry_encode(&b2, &p.e), ESEAL_OK);
    assert_int_equal(b2.size, b.size);
    assert_memory_equal(b2.ptr, b.ptr, b.size);
    /* The core is everything before the time-proof line. */
    size_t core = eseal_audit_entry_core_len(b.ptr, b.size);
    assert_true(core < b.size);
    assert_memory_equal(b.ptr + core, "time-proof entry ", 17);
    eseal_audit_entry_parsed_dispose(&p);
    eseal_buf_dispose(&b);
    eseal_buf_dispose(&b2);
}

static void parse_fails(const char *text)
{
    eseal_audit_entry_parsed p;
    int rc = eseal_audit_entry_parse(&p, text, strlen(text));
    if (rc == ESEAL_OK) {
        fail_msg("accepted a non-canonical entry:\n%s", text);
    }
    assert_int_equal(rc, ESEAL_EMALFORMED);
}

static void non_canonical(void **state)
{
    (void)state;
    /* The minimal valid entry first, so each refusal below is about its one change. */
    eseal_audit_entry_parsed p;
    const char *ok = "eseal-audit/v1\ntype seal.suspended\ntime 5\nseal ES-1\n";
    assert_int_equal(eseal_audit_entry_parse(&p, ok, strlen(ok)), ESEAL_OK);
    eseal_audit_entry_parsed_dispose(&p);
    parse_fails("eseal-audit/v2\ntype seal.suspended\ntime 5\nseal ES-1\n");
    parse_fails("eseal-audit/v1\ntype Seal.suspended\ntime 5\nseal ES-1\n");
    parse_fails("eseal-audit/v1\ntype seal..suspended\ntime 5\nseal ES-1\n");
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 05\nseal ES-1\n");
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\nseal ES-1");          /* no final newline */
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\nseal ES-1 \n");       /* trailing space */
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\nseal  ES-1\n");       /* leading space */
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\nseal ES-1\nseal ES-2\n"); /* repeated */
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\nseal ES-1\nactor bob\n"); /* out of order */
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\ncolour red\n");       /* unknown field */
    parse_fails("eseal-audit/v1\ntype seal.suspended\ntime 5\nactor-cert ABCDEF\n"); /* not 64 hex */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\ndoc-after-sha256 "
                "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n"); /* upper case */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\ndetail a\tb\n");              /* control character */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\ndetail \xc0\xaf\n");          /* overlong UTF-8 */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\napprovals A,,B\n");
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\nactor a\nactor-kind Operator\n");     /* not lower case */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\nactor-kind user\nactor a\n");         /* out of order */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\npolicy-rule local operator\n");      /* not one word */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\r\nseal ES-1\n");
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\ntime-proof entry "
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nseal ES-1\n"); /* not last */
    parse_fails("eseal-audit/v1\ntype stamp\ntime 5\ntime-proof clock "
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
}

static void encode_refuses(void **state)
{
    (void)state;
    eseal_buf b = ESEAL_BUF_INIT;
    eseal_audit_entry e = full();
    e.actor = "bob\nseal forged";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e = full();
    e.doc_after_sha256 = "abc";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e = full();
    e.time_proof_kind = NULL;
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e = full();
    e.actor_kind = "the operator";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e = full();
    e.policy_rule = "";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e = full();
    e.type = NULL;
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    assert_null(b.ptr);
}

static void commitments(void **state)
{
    (void)state;
    uint8_t salt[32], salt2[32];
    memset(salt, 7, sizeof(salt));
    memset(salt2, 8, sizeof(salt2));
    char a[65], b[65], c[65], d[65];
    assert_int_equal(eseal_audit_commitment(a, "ip", salt, "10.0.0.1"), ESEAL_OK);
    assert_int_equal(eseal_audit_commitment(b, "ip", salt, "10.0.0.1"), ESEAL_OK);
    assert_int_equal(eseal_audit_commitment(c, "ip", salt2, "10.0.0.1"), ESEAL_OK);
    assert_int_equal(eseal_audit_commitment(d, "device", salt, "10.0.0.1"), ESEAL_OK);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c); /* another salt: unlinkable */
    assert_string_not_equal(a, d); /* another field */
    assert_int_equal(strlen(a), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(round_trip), cmocka_unit_test(non_canonical),
                                       cmocka_unit_test(encode_refuses), cmocka_unit_test(commitments)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
