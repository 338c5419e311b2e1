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

/* Entries written before the `org` line existed (eseal at main 67f5106, `eseal log show`): they
 * parse, carry no organisation, and re-encode to the very same bytes (so their leaf hashes stay). */
static const char OLD_USER_ADDED[] =
    "eseal-audit/v1\n"
    "type user.added\n"
    "time 1796449424909\n"
    "actor root\n"
    "actor-kind operator\n"
    "policy-rule local-operator\n"
    "ip-commitment ea175674e17dca827ac07c80c1854f5ddb851ac47e479da54a89b5bfba27d197\n"
    "device-commitment 4c7616a1c8d0660ca3063a31137cc4de7a056e7aaedc8da316dad590d9d6f0c2\n"
    "detail alice of org_536e50e3d6f86023, roles stamper\n";
static const char OLD_CRL_ISSUED[] =
    "eseal-audit/v1\n"
    "type crl.issued\n"
    "time 1796449424883\n"
    "actor root\n"
    "actor-kind operator\n"
    "cert 2712224ea7a393cb\n"
    "doc-format crl\n"
    "doc-after-sha256 08017a53813c3f0df5b02176c29707bf76a92b4ed290d5f76263c1b9c054f6b9\n"
    "policy-rule local-operator\n"
    "ip-commitment c3543ea220b9f1d1b7a541156427fd4ce992d3a9639a8155021f8c76e746b7c6\n"
    "device-commitment dfad86903887826c0d67ade78c1bb51e74bb1a72faee4bd943e489e732d74b39\n"
    "detail rsa issuing-ca CRL number 1, thisUpdate 2026-12-05T05:43:44.883Z, nextUpdate 2026-12-12T05:43:44.883Z\n";

static void old_entries_keep_their_bytes(void **state)
{
    (void)state;
    const char *const vectors[] = {OLD_USER_ADDED, OLD_CRL_ISSUED};
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        eseal_audit_entry_parsed p;
        assert_int_equal(eseal_audit_entry_parse(&p, vectors[i], strlen(vectors[i])), ESEAL_OK);
        assert_null(p.e.org);
        eseal_buf b = ESEAL_BUF_INIT;
        assert_int_equal(eseal_audit_entry_encode(&b, &p.e), ESEAL_OK);
        assert_int_equal(b.size, strlen(vectors[i]));
        assert_memory_equal(b.ptr, vectors[i], b.size);
        eseal_buf_dispose(&b);
        eseal_audit_entry_parsed_dispose(&p);
    }
}

/* The `org` line: written only when set, right after actor-cert (before seal), parsed back. */
static void org_round_trip(void **state)
{
    (void)state;
    /* full() with an organisation: every line in place, org between actor-cert and seal */
    eseal_audit_entry e = full();
    e.org = "org_536e50e3d6f86023";
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_OK);
    assert_non_null(strstr((const char *)b.ptr, "\nactor-cert " "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                                "\norg org_536e50e3d6f86023\nseal ES-110108-0001\n"));
    eseal_audit_entry_parsed p;
    assert_int_equal(eseal_audit_entry_parse(&p, b.ptr, b.size), ESEAL_OK);
    assert_string_equal(p.e.org, "org_536e50e3d6f86023");
    assert_string_equal(p.e.seal, "ES-110108-0001");
    assert_string_equal(p.e.detail, e.detail);
    assert_string_equal(p.e.time_proof_sha256, H2);
    eseal_buf b2 = ESEAL_BUF_INIT;
    assert_int_equal(eseal_audit_entry_encode(&b2, &p.e), ESEAL_OK);
    assert_int_equal(b2.size, b.size);
    assert_memory_equal(b2.ptr, b.ptr, b.size);
    eseal_audit_entry_parsed_dispose(&p);
    eseal_buf_dispose(&b);
    eseal_buf_dispose(&b2);

    /* the old user.added with its organisation: exactly one more line, after actor-kind */
    assert_int_equal(eseal_audit_entry_parse(&p, OLD_USER_ADDED, strlen(OLD_USER_ADDED)), ESEAL_OK);
    e = p.e;
    e.org = "org_536e50e3d6f86023";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_OK);
    static const char with_org[] =
        "eseal-audit/v1\n"
        "type user.added\n"
        "time 1796449424909\n"
        "actor root\n"
        "actor-kind operator\n"
        "org org_536e50e3d6f86023\n"
        "policy-rule local-operator\n"
        "ip-commitment ea175674e17dca827ac07c80c1854f5ddb851ac47e479da54a89b5bfba27d197\n"
        "device-commitment 4c7616a1c8d0660ca3063a31137cc4de7a056e7aaedc8da316dad590d9d6f0c2\n"
        "detail alice of org_536e50e3d6f86023, roles stamper\n";
    assert_int_equal(b.size, strlen(with_org));
    assert_memory_equal(b.ptr, with_org, b.size);
    eseal_audit_entry_parsed_dispose(&p);
    eseal_audit_entry_parsed q;
    assert_int_equal(eseal_audit_entry_parse(&q, b.ptr, b.size), ESEAL_OK);
    assert_string_equal(q.e.org, "org_536e50e3d6f86023");
    assert_string_equal(q.e.type, "user.added");
    assert_string_equal(q.e.actor_kind, "operator");
    assert_string_equal(q.e.policy_rule, "local-operator");
    eseal_audit_entry_parsed_dispose(&q);
    eseal_buf_dispose(&b);

    /* what the org line refuses: two ids, a space, too long, empty, out of order, twice */
    e = full();
    e.org = "org_a,org_b";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e.org = "org a";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    e.org = "";
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    char long_id[ESEAL_AUDIT_MAX_ORG + 2];
    memset(long_id, 'o', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    e.org = long_id;
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_EINVAL);
    long_id[ESEAL_AUDIT_MAX_ORG] = '\0'; /* 64 bytes: the most */
    assert_int_equal(eseal_audit_entry_encode(&b, &e), ESEAL_OK);
    eseal_buf_dispose(&b);
    static const char minimal[] = "eseal-audit/v1\ntype user.added\ntime 5\norg org_1\n";
    assert_int_equal(eseal_audit_entry_parse(&p, minimal, strlen(minimal)), ESEAL_OK);
    assert_string_equal(p.e.org, "org_1");
    eseal_audit_entry_parsed_dispose(&p);
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\norg org_1,org_2\n");
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\norg org 1\n");
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\norg \n");
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\norg org_1\norg org_1\n");       /* repeated */
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\nseal ES-1\norg org_1\n");       /* after seal */
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\norg org_1\nactor-kind user\n"); /* before actor-kind */
    parse_fails("eseal-audit/v1\ntype user.added\ntime 5\norg "
                "ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo\n"); /* 65 bytes */
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
    const struct CMUnitTest tests[] = {cmocka_unit_test(round_trip),       cmocka_unit_test(non_canonical),
                                       cmocka_unit_test(old_entries_keep_their_bytes),
                                       cmocka_unit_test(org_round_trip),   cmocka_unit_test(encode_refuses),
                                       cmocka_unit_test(commitments)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
