/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seal: the GB/T 38540 / GM/T 0031 codec against the third-party samples in
 * shared/testdata/ofd-samples (SOURCES.md says what each must verify to), and
 * seals and stamps made here: round trips, signatures, bindings, negatives.
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
#include "../test_vectors.h"
#include "util/der.h"

static const char *testdata; /* the vector sets (test_vectors.h), NULL when there are none */
static const char *ofdx;     /* the sample OFDs, unzipped by the ofd_extract fixture */

static void load(eseal_buf *out, const char *dir, const char *rel)
{
    char p[1024];
    (void)snprintf(p, sizeof(p), "%s/%s", dir, rel);
    int rc = eseal_file_read(out, p, 1 << 24);
    if (rc != ESEAL_OK) {
        fail_msg("cannot read %s: %s", p, eseal_error_last()->message);
    }
}

static eseal_ses_seal *load_seal(const char *rel)
{
    eseal_buf b = ESEAL_BUF_INIT;
    load(&b, testdata, rel);
    eseal_ses_seal *s = NULL;
    int rc = eseal_ses_seal_decode(&s, b.ptr, b.size);
    if (rc != ESEAL_OK) {
        fail_msg("%s: %s", rel, eseal_error_last()->message);
    }
    eseal_buf_dispose(&b);
    return s;
}

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(eseal_time_parse(&ms, rfc3339), ESEAL_OK);
    return ms;
}

static bool has_note(const eseal_ses_seal *s, const char *needle)
{
    for (size_t i = 0; i < eseal_ses_seal_note_count(s); i++) {
        if (strstr(eseal_ses_seal_note(s, i), needle) != NULL) {
            return true;
        }
    }
    return false;
}

static void reencode_equals(const eseal_ses_seal *s, bool expect_equal)
{
    eseal_buf out = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_seal_encode(&out, s), ESEAL_OK);
    eseal_bytes in = eseal_ses_seal_der(s);
    bool eq = out.size == in.len && memcmp(out.ptr, in.ptr, in.len) == 0;
    assert_true(eq == expect_equal);
    eseal_buf_dispose(&out);
}

/* UserV1.esl: GM/T 0031-2014, maker signs SEQUENCE{SealInfo, cert, alg}. */
static void sample_v1_seal(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    eseal_ses_seal *s = load_seal("ofd-samples/seals/UserV1.esl");
    const eseal_seal_info *in = eseal_ses_seal_info(s);
    assert_int_equal(eseal_ses_seal_format(s), 1);
    assert_int_equal(eseal_ses_seal_header_version(s), 1);
    assert_string_equal(in->vid, "OFDR&WTest");
    assert_string_equal(in->picture_type, "PNG");
    assert_int_equal(in->picture_width_mm, 40);
    assert_int_equal(in->cert_count, 1);
    assert_string_equal(eseal_ses_seal_sig_alg(s), ESEAL_OID_SM2_SM3);
    int valid = -1;
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 1);
    /* The V1 rule matters: over SealInfo alone (the V4 rule) the signature does not verify. */
    eseal_cert *maker = NULL;
    eseal_bytes mc = eseal_ses_seal_maker_cert(s);
    assert_int_equal(eseal_cert_parse(&maker, mc.ptr, mc.len), ESEAL_OK);
    eseal_bytes der = eseal_ses_seal_der(s), sig = eseal_ses_seal_signature(s);
    es_cur c = es_cur_of(es_span_of(der.ptr, der.len));
    es_der top, info;
    assert_true(es_ok(es_der_next(&c, &top)));
    es_cur ic = es_der_inner(&c, &top);
    assert_true(es_ok(es_der_next(&ic, &info)));
    assert_int_equal(eseal_cert_verify_data(&valid, maker, ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT, info.tlv.ptr,
                                            info.tlv.len, sig.ptr, sig.len),
                     ESEAL_OK);
    assert_int_equal(valid, 0);
    eseal_cert_free(maker);
    reencode_equals(s, true);
    eseal_ses_seal_free(s);
}

static void sample_v4_v5_seals(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    eseal_ses_seal *s = load_seal("ofd-samples/seals/UserV4.esl");
    assert_int_equal(eseal_ses_seal_format(s), 4);
    assert_int_equal(eseal_ses_seal_info(s)->type, 3);
    assert_int_equal(eseal_ses_seal_info(s)->cert_list_type, 1);
    assert_null(eseal_ses_seal_timestamp(s).ptr);
    int valid = -1;
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 1);
    reencode_equals(s, true);
    eseal_ses_seal_free(s);

    s = load_seal("ofd-samples/seals/UserV5_ts.esl");
    assert_int_equal(eseal_ses_seal_format(s), 5);
    eseal_bytes ts = eseal_ses_seal_timestamp(s);
    assert_int_equal(ts.len, 3);
    assert_memory_equal(ts.ptr, "\x01\x02\x03", 3);
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 1);
    reencode_equals(s, true); /* the explicit [0] is written back the same way */
    eseal_ses_seal_free(s);
}

/* The vendor seal parses, its quirk is named, and its signature is reported bad. */
static void sample_hebei_gede_seal(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    eseal_ses_seal *s = load_seal("ofd-samples/seals/SESealData-HebeiGede-v4.DER");
    const eseal_seal_info *in = eseal_ses_seal_info(s);
    assert_int_equal(eseal_ses_seal_format(s), 4);
    assert_string_equal(in->esid, "esID130600");
    assert_string_equal(in->picture_type, "GIF");
    assert_int_equal(in->ext_count, 3);
    assert_string_equal(in->exts[0].oid, "1.2.156.112600.7.1");
    assert_true(has_note(s, "critical = FALSE explicitly"));
    int valid = -1;
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 0);
    reencode_equals(s, false); /* strict DER drops the explicit FALSE */
    eseal_report *rep = NULL;
    assert_int_equal(eseal_ses_seal_verify(&rep, s, NULL, at("2018-06-01T00:00:00Z")), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
    assert_int_equal(eseal_report_check(rep, "seal_signature"), ESEAL_CHECK_FAILED);
    eseal_report_free(rep);
    eseal_ses_seal_free(s);
}

static eseal_trust *ofdrw_trust(void)
{
    eseal_trust *t = NULL;
    char p[1024];
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    (void)snprintf(p, sizeof(p), "%s/ofd-samples/keys/pem/ROOT.cert.pem", testdata);
    assert_int_equal(eseal_trust_add_path(t, p, 1), ESEAL_OK);
    return t;
}

/* Full seal verification inside the certificates' validity: the signature and window are good. */
static void sample_seal_reports(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    static const char *files[] = {"ofd-samples/seals/UserV1.esl", "ofd-samples/seals/UserV4.esl",
                                  "ofd-samples/seals/UserV5_ts.esl"};
    eseal_trust *t = ofdrw_trust();
    for (size_t i = 0; i < 3; i++) {
        eseal_ses_seal *s = load_seal(files[i]);
        eseal_report *rep = NULL;
        assert_int_equal(eseal_ses_seal_verify(&rep, s, t, at("2021-06-01T00:00:00Z")), ESEAL_OK);
        /* The maker's signature verifies (seal_signature also carries the maker's chain: not passed here). */
        assert_non_null(strstr(eseal_report_string(rep, "checks.seal_signature.detail"), "over the seal verifies"));
        assert_string_equal(eseal_report_string(rep, "seal.maker.serial"), "01719D2E201D");
        assert_false(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
        /* V1 and V4 were made in 2020; the V5 sample in 2026, after its maker certificate expired. */
        assert_int_equal(eseal_report_check(rep, "seal_validity"), i < 2 ? ESEAL_CHECK_PASSED : ESEAL_CHECK_FAILED);
        assert_true(i < 2 || eseal_report_has_reason(rep, "SEAL_NOT_YET_VALID"));
        /* ROOT lacks keyCertSign (SOURCES.md): the chain cannot be VALID, and must not be. */
        assert_int_not_equal(eseal_report_verdict(rep), ESEAL_VALID);
        eseal_report_free(rep);
        if (i < 2) {
            /* After the seal's window (2022-04-22) the verdict says so. */
            assert_int_equal(eseal_ses_seal_verify(&rep, s, t, at("2024-06-01T00:00:00Z")), ESEAL_OK);
            assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
            assert_true(eseal_report_has_reason(rep, "SEAL_EXPIRED"));
            eseal_report_free(rep);
        }
        eseal_ses_seal_free(s);
    }
    eseal_trust_free(t);
}

static eseal_ses_signature *load_stamp(const char *dir, const char *rel)
{
    eseal_buf b = ESEAL_BUF_INIT;
    load(&b, dir, rel);
    eseal_ses_signature *s = NULL;
    int rc = eseal_ses_signature_decode(&s, b.ptr, b.size);
    if (rc != ESEAL_OK) {
        fail_msg("%s: %s", rel, eseal_error_last()->message);
    }
    eseal_buf_dispose(&b);
    return s;
}

/* ses/SignedValueV4.dat: signature and seal verify; dataHash is 32 zero bytes. */
static void sample_signed_value_v4(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    eseal_ses_signature *s = load_stamp(testdata, "ofd-samples/ses/SignedValueV4.dat");
    assert_int_equal(eseal_ses_signature_format(s), 4);
    assert_int_equal(eseal_ses_signature_version(s), 4);
    assert_string_equal(eseal_ses_signature_property_info(s), "/Doc_0/Signs/Sign_0/Signature.xml");
    assert_int_equal(eseal_ses_signature_time(s), at("2020-10-12T11:14:03Z"));
    eseal_bytes h = eseal_ses_signature_data_hash(s);
    static const uint8_t zeros[32] = {0};
    assert_int_equal(h.len, 32);
    assert_memory_equal(h.ptr, zeros, 32);
    int valid = -1;
    assert_int_equal(eseal_ses_signature_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 1);
    const eseal_ses_seal *seal = eseal_ses_signature_seal(s);
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, seal), ESEAL_OK);
    assert_int_equal(valid, 1);
    eseal_bytes signer = eseal_ses_signature_signer_cert(s);
    assert_int_equal(eseal_ses_seal_allows_cert(seal, signer.ptr, signer.len), 1);
    eseal_bytes maker = eseal_ses_seal_maker_cert(seal);
    assert_int_equal(eseal_ses_seal_allows_cert(seal, maker.ptr, maker.len), 0);
    /* The embedded seal is byte-identical to UserV4.esl. */
    eseal_buf v4 = ESEAL_BUF_INIT;
    load(&v4, testdata, "ofd-samples/seals/UserV4.esl");
    eseal_bytes sd = eseal_ses_seal_der(seal);
    assert_int_equal(sd.len, v4.size);
    assert_memory_equal(sd.ptr, v4.ptr, v4.size);
    eseal_buf_dispose(&v4);
    eseal_buf out = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_signature_encode(&out, s), ESEAL_OK);
    eseal_buf in = ESEAL_BUF_INIT;
    load(&in, testdata, "ofd-samples/ses/SignedValueV4.dat");
    assert_int_equal(out.size, in.size);
    assert_memory_equal(out.ptr, in.ptr, in.size);
    eseal_buf_dispose(&in);
    eseal_buf_dispose(&out);
    eseal_ses_signature_free(s);
}

/* The seal inside every SignedValue.dat of the sample OFDs parses; signatures verify as SOURCES.md says. */
static void sample_ofd_stamps(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    static const struct {
        const char *rel;
        int format;
        int stamp_ok; /* the signer's signature over TBS_Sign */
        int seal_ok;
    } cases[] = {
        {"v4-ofdrw-SESV4SignDoc/Doc_0/Signs/Sign_0/SignedValue.dat", 4, 1, 1},
        {"v4-invoice-baiwang-v4signed/Doc_0/Signs/Sign_0/SignedValue.dat", 4, 1, 1},
        {"v4-two-seals-h/Doc_0/Signs/Sign_0/SignedValue.dat", 4, 1, 1},
        {"v4-two-seals-h/Doc_0/Signs/Sign_1/SignedValue.dat", 4, 1, 1},
        /* dms360 signs e = dataHash, not TBS_Sign (standards.md §9): the stamp must not verify. */
        {"v1-dms360-n/Doc_0/Signs/Sign_0/SignedValue.dat", 1, 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eseal_ses_signature *s = load_stamp(ofdx, cases[i].rel);
        assert_int_equal(eseal_ses_signature_format(s), cases[i].format);
        int valid = -1;
        assert_int_equal(eseal_ses_signature_verify_signature(&valid, s), ESEAL_OK);
        if (valid != cases[i].stamp_ok) {
            fail_msg("%s: stamp signature %d, expected %d", cases[i].rel, valid, cases[i].stamp_ok);
        }
        assert_int_equal(eseal_ses_seal_verify_signature(&valid, eseal_ses_signature_seal(s)), ESEAL_OK);
        if (valid != cases[i].seal_ok) {
            fail_msg("%s: seal signature %d, expected %d", cases[i].rel, valid, cases[i].seal_ok);
        }
        eseal_ses_signature_free(s);
    }
    /* The V1 dms360 quirks are named, not hidden. */
    eseal_ses_signature *s = load_stamp(ofdx, "v1-dms360-n/Doc_0/Signs/Sign_0/SignedValue.dat");
    assert_int_equal(eseal_ses_signature_time(s), at("2020-01-25T07:31:56.377Z"));
    assert_true(has_note(eseal_ses_signature_seal(s), "is a string, not a certificate"));
    eseal_ses_signature_free(s);
}

/* ---- made here ----------------------------------------------------------- */

typedef struct {
    eseal_key *root_key, *maker_key, *user_key, *other_key;
    eseal_cert *root, *maker, *user, *other;
} pki;

static void issue(eseal_cert **out, eseal_key **key, eseal_key_alg alg, es_cert_profile prof, const char *cn,
                  eseal_key *issuer_key, eseal_cert *issuer)
{
    int64_t now = eseal_time_now();
    test_issue(out, key, alg, prof, cn, issuer_key, issuer, now - 60000, now + 365LL * 86400 * 1000);
}

static void make_pki(pki *p, eseal_key_alg alg)
{
    issue(&p->root, &p->root_key, alg, ES_PROFILE_ROOT_CA, "Root", NULL, NULL);
    issue(&p->maker, &p->maker_key, alg, ES_PROFILE_SEAL_MAKER, "Seal maker", p->root_key, p->root);
    issue(&p->user, &p->user_key, alg, ES_PROFILE_ORG, "User", p->root_key, p->root);
    issue(&p->other, &p->other_key, alg, ES_PROFILE_ORG, "Other", p->root_key, p->root);
}

static void free_pki(pki *p)
{
    eseal_key *keys[] = {p->root_key, p->maker_key, p->user_key, p->other_key};
    eseal_cert *certs[] = {p->root, p->maker, p->user, p->other};
    for (size_t i = 0; i < 4; i++) {
        eseal_key_free(keys[i]);
        eseal_cert_free(certs[i]);
    }
}

static void make_seal(eseal_buf *out, pki *p, int format, int list_type)
{
    eseal_buf user = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&user, p->user), ESEAL_OK);
    uint8_t dg[64];
    size_t dlen = 0;
    eseal_bytes cert = {user.ptr, user.size};
    if (list_type == 2) {
        assert_true(es_ok(es_digest(dg, &dlen, ESEAL_HASH_SM3, es_span_of(user.ptr, user.size))));
        cert = (eseal_bytes){dg, dlen};
    }
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    eseal_seal_ext ext = {"1.3.6.1.4.1.99999.1", 0, {(const uint8_t *)"hello", 5}};
    int64_t now = eseal_time_now() / 1000 * 1000;
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.format = format;
    in.esid = "ES-TEST-0001";
    in.type = ESEAL_SEAL_CONTRACT;
    in.name = "北京示例科技有限公司合同专用章";
    in.cert_list_type = list_type;
    in.cert_count = 1;
    in.certs = &cert;
    in.digest_type = "SM3";
    in.create_ms = now;
    in.valid_start_ms = now - 1000;
    in.valid_end_ms = now + 86400000LL * 30;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){png, sizeof(png) - 1};
    in.picture_width_mm = 40;
    in.picture_height_mm = 40;
    in.ext_count = 1;
    in.exts = &ext;
    assert_int_equal(eseal_ses_seal_make(out, &in, p->maker, p->maker_key), ESEAL_OK);
    eseal_buf_dispose(&user);
}

/* Seals bound to hardware (issue 23): the ExtData's value round-trips, is carried by a made seal
 * inside what its maker signs, and a malformed value is refused, not half read. */
static void hardware_binding_ext(void **state)
{
    (void)state;
    eseal_seal_hardware in[2];
    memset(in, 0, sizeof(in));
    for (int i = 0; i < 2; i++) {
        memset(in[i].cert_sha256, 0xa0 + i, sizeof(in[i].cert_sha256));
        (void)snprintf(in[i].hw.kind, sizeof(in[i].hw.kind), "%s", i == 0 ? "pkcs11" : "skf");
        (void)snprintf(in[i].hw.serial, sizeof(in[i].hw.serial), "SN-%d", 1000 + i);
        (void)snprintf(in[i].hw.label, sizeof(in[i].hw.label), "%s", i == 0 ? "seal token" : "合同章 UKey");
        (void)snprintf(in[i].hw.key_id, sizeof(in[i].hw.key_id), "pkcs11:token=seal%%20token;object=k%d", i);
        (void)snprintf(in[i].hw.chip_id, sizeof(in[i].hw.chip_id), "%s", i == 0 ? "" : "CHIP-7");
        (void)snprintf(in[i].hw.maker, sizeof(in[i].hw.maker), "SoftHSM project");
    }
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_seal_hardware_encode(&der, in, 2), ESEAL_OK);
    eseal_seal_hardware out[ESEAL_SEAL_HARDWARE_MAX];
    size_t n = 0;
    assert_int_equal(eseal_seal_hardware_decode(out, ESEAL_SEAL_HARDWARE_MAX, &n, der.ptr, der.size), ESEAL_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, in, sizeof(in));
    /* Room for one only: a limit, not a truncated answer. */
    assert_int_equal(eseal_seal_hardware_decode(out, 1, &n, der.ptr, der.size), ESEAL_ELIMIT);
    /* Every truncation, and one byte more, is refused. */
    for (size_t cut = 0; cut < der.size; cut++) {
        assert_int_not_equal(eseal_seal_hardware_decode(out, ESEAL_SEAL_HARDWARE_MAX, &n, der.ptr, cut), ESEAL_OK);
    }
    uint8_t more[1024];
    assert_true(der.size + 1 <= sizeof(more));
    memcpy(more, der.ptr, der.size);
    more[der.size] = 0;
    assert_int_equal(eseal_seal_hardware_decode(out, ESEAL_SEAL_HARDWARE_MAX, &n, more, der.size + 1), ESEAL_EMALFORMED);
    /* A flipped byte inside the first serial ("SN-1000" → "SN\xff1000") is not UTF-8. */
    memcpy(more, der.ptr, der.size);
    uint8_t *sn = memmem(more, der.size, "SN-1000", 7);
    assert_non_null(sn);
    sn[2] = 0xff;
    assert_int_equal(eseal_seal_hardware_decode(out, ESEAL_SEAL_HARDWARE_MAX, &n, more, der.size), ESEAL_EMALFORMED);
    eseal_buf_dispose(&der);
    eseal_error_clear();

    /* What is refused on the way in: none, too many, no serial. */
    assert_int_equal(eseal_seal_hardware_encode(&der, in, 0), ESEAL_EINVAL);
    eseal_seal_hardware many[ESEAL_SEAL_HARDWARE_MAX + 1];
    for (size_t i = 0; i < ESEAL_SEAL_HARDWARE_MAX + 1; i++) {
        many[i] = in[0];
    }
    assert_int_equal(eseal_seal_hardware_encode(&der, many, ESEAL_SEAL_HARDWARE_MAX + 1), ESEAL_EINVAL);
    assert_int_equal(eseal_seal_hardware_encode(&der, many, ESEAL_SEAL_HARDWARE_MAX), ESEAL_OK);
    eseal_buf_dispose(&der);
    many[0].hw.serial[0] = '\0';
    assert_int_equal(eseal_seal_hardware_encode(&der, many, 1), ESEAL_EINVAL);
    eseal_error_clear();

    /* In a seal: signed by the maker, read back by a verifier from the seal alone. */
    pki p = {0};
    make_pki(&p, ESEAL_ALG_SM2);
    eseal_buf plain = ESEAL_BUF_INIT;
    make_seal(&plain, &p, 4, 1);
    eseal_ses_seal *s = NULL;
    assert_int_equal(eseal_ses_seal_decode(&s, plain.ptr, plain.size), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_hardware(s, out, ESEAL_SEAL_HARDWARE_MAX, &n), ESEAL_ENOTFOUND);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&plain);

    assert_int_equal(eseal_seal_hardware_encode(&der, in, 1), ESEAL_OK);
    eseal_seal_ext ext = {ESEAL_OID_SEAL_HARDWARE, 0, {der.ptr, der.size}};
    eseal_buf user = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&user, p.user), ESEAL_OK);
    eseal_bytes cert = {user.ptr, user.size};
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    int64_t now = eseal_time_now() / 1000 * 1000;
    eseal_seal_info si = ESEAL_SEAL_INFO_INIT;
    si.esid = "ES-TEST-HW";
    si.type = ESEAL_SEAL_CONTRACT;
    si.name = "bound";
    si.cert_count = 1;
    si.certs = &cert;
    si.create_ms = now;
    si.valid_start_ms = now;
    si.valid_end_ms = now + 86400000LL;
    si.picture_type = "PNG";
    si.picture = (eseal_bytes){png, sizeof(png) - 1};
    si.picture_width_mm = 40;
    si.picture_height_mm = 40;
    si.ext_count = 1;
    si.exts = &ext;
    eseal_buf bound = ESEAL_BUF_INIT;
    assert_int_equal(eseal_ses_seal_make(&bound, &si, p.maker, p.maker_key), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_decode(&s, bound.ptr, bound.size), ESEAL_OK);
    assert_string_equal(eseal_ses_seal_info(s)->exts[0].oid, "2.25.148747660797756603356242542536755846475.1");
    assert_int_equal(eseal_ses_seal_hardware(s, out, ESEAL_SEAL_HARDWARE_MAX, &n), ESEAL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].hw.serial, "SN-1000");
    assert_string_equal(out[0].hw.key_id, "pkcs11:token=seal%20token;object=k0");
    int valid = -1;
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 1); /* inside what the maker signs */
    eseal_ses_seal_free(s);
    /* The serial changed in the seal's bytes: the maker's signature no longer holds. */
    uint8_t *at = memmem(bound.ptr, bound.size, "SN-1000", 7);
    assert_non_null(at);
    at[3] = '2';
    assert_int_equal(eseal_ses_seal_decode(&s, bound.ptr, bound.size), ESEAL_OK);
    assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
    assert_int_equal(valid, 0);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&bound);
    eseal_buf_dispose(&user);
    eseal_buf_dispose(&der);
    free_pki(&p);
}

static void made_seals_round_trip_and_verify(void **state)
{
    (void)state;
    static const struct {
        eseal_key_alg alg;
        int format, list_type;
        const char *oid;
    } cases[] = {{ESEAL_ALG_SM2, 4, 1, ESEAL_OID_SM2_SM3},
                 {ESEAL_ALG_SM2, 4, 2, ESEAL_OID_SM2_SM3},
                 {ESEAL_ALG_SM2, 1, 1, ESEAL_OID_SM2_SM3},
                 {ESEAL_ALG_SM2, 5, 1, ESEAL_OID_SM2_SM3},
                 {ESEAL_ALG_P256, 4, 1, ESEAL_OID_ECDSA_SHA256}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pki p = {0};
        make_pki(&p, cases[i].alg);
        eseal_buf der = ESEAL_BUF_INIT;
        make_seal(&der, &p, cases[i].format, cases[i].list_type);
        eseal_ses_seal *s = NULL;
        assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, der.size), ESEAL_OK);
        assert_int_equal(eseal_ses_seal_format(s), cases[i].format);
        assert_int_equal(eseal_ses_seal_note_count(s), 0); /* what we write has no quirks */
        assert_string_equal(eseal_ses_seal_sig_alg(s), cases[i].oid);
        assert_string_equal(eseal_ses_seal_info(s)->name, "北京示例科技有限公司合同专用章");
        reencode_equals(s, true);
        int valid = -1;
        assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
        assert_int_equal(valid, 1);

        eseal_trust *t = NULL;
        assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
        assert_int_equal(eseal_trust_add_anchor(t, p.root), ESEAL_OK);
        es_buf crl = ES_BUF_INIT(1 << 20);
        int64_t now = eseal_time_now();
        assert_true(es_ok(es_crl_issue(&crl, p.root_key, p.root, NULL, 0, 1, now - 60000, now + 86400000LL * 90)));
        assert_int_equal(eseal_trust_add_crl(t, crl.ptr, crl.len), ESEAL_OK);
        es_buf_free(&crl);
        eseal_report *rep = NULL;
        assert_int_equal(eseal_ses_seal_verify(&rep, s, t, 0), ESEAL_OK);
        if (eseal_report_verdict(rep) != ESEAL_VALID) {
            eseal_buf txt = ESEAL_BUF_INIT;
            assert_int_equal(eseal_report_to_text(&txt, rep, 0), ESEAL_OK);
            fail_msg("case %zu: %s", i, (const char *)txt.ptr);
        }
        eseal_report_free(rep);
        /* Outside the seal's window: invalid, with the seal's own reason. */
        assert_int_equal(eseal_ses_seal_verify(&rep, s, t, eseal_time_now() + 86400000LL * 60), ESEAL_OK);
        assert_true(eseal_report_has_reason(rep, "SEAL_EXPIRED"));
        eseal_report_free(rep);

        /* The binding: the listed certificate may stamp, another may not. */
        eseal_buf u = ESEAL_BUF_INIT, o = ESEAL_BUF_INIT;
        assert_int_equal(eseal_cert_der(&u, p.user), ESEAL_OK);
        assert_int_equal(eseal_cert_der(&o, p.other), ESEAL_OK);
        assert_int_equal(eseal_ses_seal_allows_cert(s, u.ptr, u.size), 1);
        assert_int_equal(eseal_ses_seal_allows_cert(s, o.ptr, o.size), 0);

        /* A stamp: made, decoded, round-tripped and verified; another signer is refused. */
        uint8_t hash[32];
        memset(hash, 0x5a, sizeof(hash));
        eseal_ses_sign_request req = ESEAL_SES_SIGN_REQUEST_INIT;
        req.seal_der = der.ptr;
        req.seal_len = der.size;
        req.data_hash = hash;
        req.data_hash_len = sizeof(hash);
        req.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
        eseal_buf st = ESEAL_BUF_INIT;
        assert_int_equal(eseal_ses_signature_make(&st, &req, p.user, p.user_key), ESEAL_OK);
        assert_int_equal(eseal_ses_signature_make(&st, &req, p.other, p.other_key), ESEAL_ESTATE);
        eseal_ses_signature *sig = NULL;
        assert_int_equal(eseal_ses_signature_decode(&sig, st.ptr, st.size), ESEAL_OK);
        assert_int_equal(eseal_ses_signature_format(sig), cases[i].format);
        assert_int_equal(eseal_ses_signature_verify_signature(&valid, sig), ESEAL_OK);
        assert_int_equal(valid, 1);
        assert_int_equal(eseal_ses_signature_note_count(sig), 0);
        eseal_bytes sd = eseal_ses_seal_der(eseal_ses_signature_seal(sig));
        assert_int_equal(sd.len, der.size);
        assert_memory_equal(sd.ptr, der.ptr, der.size);
        eseal_buf re = ESEAL_BUF_INIT;
        assert_int_equal(eseal_ses_signature_encode(&re, sig), ESEAL_OK);
        assert_int_equal(re.size, st.size);
        assert_memory_equal(re.ptr, st.ptr, st.size);
        eseal_ses_signature_free(sig);
        /* One flipped byte of the stamped hash breaks the signer's signature. */
        uint8_t *hp = memmem(st.ptr, st.size, hash, sizeof(hash));
        assert_non_null(hp);
        hp[3] ^= 1;
        assert_int_equal(eseal_ses_signature_decode(&sig, st.ptr, st.size), ESEAL_OK);
        assert_int_equal(eseal_ses_signature_verify_signature(&valid, sig), ESEAL_OK);
        assert_int_equal(valid, 0);
        eseal_ses_signature_free(sig);

        eseal_buf_dispose(&re);
        eseal_buf_dispose(&st);
        eseal_buf_dispose(&u);
        eseal_buf_dispose(&o);
        eseal_trust_free(t);
        eseal_ses_seal_free(s);
        eseal_buf_dispose(&der);
        free_pki(&p);
    }
}

/* A byte changed in the seal's name: it still parses, the maker signature fails. */
static void tampered_seal_is_invalid(void **state)
{
    (void)state;
    pki p = {0};
    make_pki(&p, ESEAL_ALG_SM2);
    eseal_buf der = ESEAL_BUF_INIT;
    make_seal(&der, &p, 4, 1);
    uint8_t *name = memmem(der.ptr, der.size, "合同", strlen("合同"));
    assert_non_null(name);
    memcpy(name, "财务", strlen("财务"));
    eseal_ses_seal *s = NULL;
    assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, der.size), ESEAL_OK);
    eseal_trust *t = NULL;
    assert_int_equal(eseal_trust_new(&t), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(t, p.root), ESEAL_OK);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_ses_seal_verify(&rep, s, t, 0), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_INVALID);
    assert_true(eseal_report_has_reason(rep, "SIG_CRYPTO_FAILURE"));
    eseal_report_free(rep);
    eseal_trust_free(t);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&der);
    free_pki(&p);
}

/* timeStamp [0]: eseal writes EXPLICIT (A0 03 ...); an IMPLICIT primitive 80 is read too, and named. */
static void v5_timestamp_tagging(void **state)
{
    (void)state;
    pki p = {0};
    make_pki(&p, ESEAL_ALG_SM2);
    eseal_buf der = ESEAL_BUF_INIT;
    make_seal(&der, &p, 5, 1);
    es_cur c = es_cur_of(es_span_of(der.ptr, der.size));
    es_der top;
    assert_true(es_ok(es_der_next(&c, &top)));
    static const uint8_t forms[2][8] = {{0xa0, 0x06, 0x03, 0x04, 0x00, 0x01, 0x02, 0x03},
                                        {0x80, 0x04, 0x00, 0x01, 0x02, 0x03}};
    static const size_t lens[2] = {8, 6};
    for (int f = 0; f < 2; f++) {
        es_buf b = ES_BUF_INIT(1 << 20);
        size_t m = es_der_open(&b);
        assert_true(es_ok(es_buf_append(&b, top.val.ptr, top.val.len)));
        assert_true(es_ok(es_buf_append(&b, forms[f], lens[f])));
        assert_true(es_ok(es_der_close(&b, m, ES_DER_SEQUENCE)));
        eseal_ses_seal *s = NULL;
        assert_int_equal(eseal_ses_seal_decode(&s, b.ptr, b.len), ESEAL_OK);
        eseal_bytes ts = eseal_ses_seal_timestamp(s);
        assert_int_equal(ts.len, 3);
        assert_memory_equal(ts.ptr, "\x01\x02\x03", 3);
        assert_true(has_note(s, "IMPLICIT") == (f == 1));
        int valid = -1;
        assert_int_equal(eseal_ses_seal_verify_signature(&valid, s), ESEAL_OK);
        assert_int_equal(valid, 1); /* the timestamp is outside what the maker signs */
        /* Re-encoding writes the EXPLICIT form. */
        eseal_buf re = ESEAL_BUF_INIT;
        assert_int_equal(eseal_ses_seal_encode(&re, s), ESEAL_OK);
        assert_non_null(memmem(re.ptr, re.size, forms[0], lens[0]));
        eseal_buf_dispose(&re);
        eseal_ses_seal_free(s);
        es_buf_free(&b);
    }
    eseal_buf_dispose(&der);
    free_pki(&p);
}

/* Truncations, trailing bytes and bad encodings around a valid seal DER: every one refused. */
static void malformed_around(const eseal_buf *good)
{
    const eseal_buf der = *good;
    eseal_ses_seal *s = NULL;
    /* Every truncation fails cleanly. */
    for (size_t n = 0; n < der.size; n += (n < 64 ? 1 : 97)) {
        assert_int_equal(eseal_ses_seal_decode(&s, der.ptr, n), ESEAL_EMALFORMED);
        assert_null(s);
    }
    /* Trailing bytes after the seal. */
    static uint8_t longer[1 << 16];
    assert_true(der.size < sizeof(longer));
    memcpy(longer, der.ptr, der.size);
    longer[der.size] = 0;
    assert_int_equal(eseal_ses_seal_decode(&s, longer, der.size + 1), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "unexpected bytes"));
    /* Indefinite length (BER) is refused. */
    static const uint8_t ber[] = {0x30, 0x80, 0x00, 0x00};
    assert_int_equal(eseal_ses_seal_decode(&s, ber, sizeof(ber)), ESEAL_EMALFORMED);
    assert_non_null(strstr(eseal_error_last()->message, "indefinite"));
    /* Three elements is neither V1 nor V4. */
    static const uint8_t three[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    assert_int_equal(eseal_ses_seal_decode(&s, three, 5), ESEAL_EMALFORMED);
    (void)three;
    /* A length that claims more than the input. */
    static const uint8_t big[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00};
    assert_int_equal(eseal_ses_seal_decode(&s, big, sizeof(big)), ESEAL_EMALFORMED);
    eseal_ses_signature *sig = NULL;
    assert_int_equal(eseal_ses_signature_decode(&sig, der.ptr, der.size), ESEAL_EMALFORMED);
    assert_null(sig);
}

/* Around a V4 seal made here. */
static void malformed_inputs(void **state)
{
    (void)state;
    pki p;
    make_pki(&p, ESEAL_ALG_SM2);
    eseal_buf der = ESEAL_BUF_INIT;
    make_seal(&der, &p, 4, 1);
    malformed_around(&der);
    eseal_buf_dispose(&der);
    free_pki(&p);
}

/* Around the ofdrw V4 seal. */
static void sample_malformed_inputs(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    eseal_buf der = ESEAL_BUF_INIT;
    load(&der, testdata, "ofd-samples/seals/UserV4.esl");
    malformed_around(&der);
    eseal_buf_dispose(&der);
}

static void der_primitives(void **state)
{
    (void)state;
    es_buf b = ES_BUF_INIT(1024);
    static const int64_t ints[] = {0, 1, 127, 128, 255, 256, -1, -128, -129, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        es_buf_clear(&b);
        assert_true(es_ok(es_der_put_int(&b, ints[i])));
        es_cur c = es_cur_of(es_buf_span(&b));
        es_der d;
        int64_t v = 0;
        assert_true(es_ok(es_der_expect(&c, ES_DER_INTEGER, &d, "int")));
        assert_true(es_ok(es_der_int64(&d, &v)));
        assert_true(v == ints[i]);
    }
    es_buf_clear(&b);
    assert_true(es_ok(es_der_put_int(&b, 128)));
    assert_memory_equal(b.ptr, "\x02\x02\x00\x80", 4);
    es_buf_clear(&b);
    assert_true(es_ok(es_der_put_oid(&b, "1.2.156.10197.1.501")));
    assert_memory_equal(b.ptr, "\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 10);
    es_cur c = es_cur_of(es_buf_span(&b));
    es_der d;
    char oid[128];
    assert_true(es_ok(es_der_next(&c, &d)));
    assert_true(es_ok(es_der_oid_text(&d, oid, sizeof(oid))));
    assert_string_equal(oid, "1.2.156.10197.1.501");
    /* A UUID's arc under 2.25 (X.667) is 128 bits: eseal's own arc (docs/seals.md). The bytes were
     * made by an independent base-128 encoder (Python's integers). */
    es_buf_clear(&b);
    assert_true(es_ok(es_der_put_oid(&b, "2.25.148747660797756603356242542536755846475.1")));
    assert_int_equal(b.len, 23);
    assert_memory_equal(b.ptr, "\x06\x15\x69\x81\xdf\xe7\xe0\xf9\xb1\xaf\xb2\xa7\xa7\x96\x8f\x9e\x98\xfd\xc1\xc4\xba\x4b\x01",
                        23);
    c = es_cur_of(es_buf_span(&b));
    assert_true(es_ok(es_der_next(&c, &d)));
    assert_true(es_ok(es_der_oid_text(&d, oid, sizeof(oid))));
    assert_string_equal(oid, "2.25.148747660797756603356242542536755846475.1");
    /* The largest arc there is, then one over it; arcs written with a leading zero; empty arcs. */
    es_buf_clear(&b);
    assert_true(es_ok(es_der_put_oid(&b, "2.25.340282366920938463463374607431768211455")));
    c = es_cur_of(es_buf_span(&b));
    assert_true(es_ok(es_der_next(&c, &d)));
    assert_true(es_ok(es_der_oid_text(&d, oid, sizeof(oid))));
    assert_string_equal(oid, "2.25.340282366920938463463374607431768211455");
    static const char *const bad[] = {"2.25.340282366920938463463374607431768211456", "1.2.03", "1..2", "1.2.",
                                      "1", "3.1", "1.40", "1.2.x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_buf_clear(&b);
        assert_int_equal(es_code(es_der_put_oid(&b, bad[i])), ESEAL_EINVAL);
        eseal_error_clear();
    }
    /* An arc of 19 septets (over 128 bits) is refused by the reader. */
    static const uint8_t big[] = {0x06, 0x14, 0x69, 0x84, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    c = es_cur_of(es_span_of(big, sizeof(big)));
    assert_true(es_ok(es_der_next(&c, &d)));
    assert_int_equal(es_code(es_der_oid_text(&d, oid, sizeof(oid))), ESEAL_EMALFORMED);
    eseal_error_clear();
    /* Long-form lengths and the close/memmove path. */
    es_buf_clear(&b);
    size_t m = es_der_open(&b);
    uint8_t blob[300] = {0};
    assert_true(es_ok(es_der_put(&b, ES_DER_OCTET_STRING, es_span_of(blob, sizeof(blob)))));
    assert_true(es_ok(es_der_close(&b, m, ES_DER_SEQUENCE)));
    assert_memory_equal(b.ptr, "\x30\x82\x01\x30\x04\x82\x01\x2c", 8);
    es_buf_free(&b);
}

int main(void)
{
    testdata = test_vectors_root();
    ofdx = getenv("ESEAL_OFDX"); /* used only by a case that has the vectors (TEST_VECTORS) */
    if (ofdx == NULL) {
        ofdx = "ofdx";
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(der_primitives),
        cmocka_unit_test(sample_v1_seal),
        cmocka_unit_test(sample_v4_v5_seals),
        cmocka_unit_test(sample_hebei_gede_seal),
        cmocka_unit_test(sample_seal_reports),
        cmocka_unit_test(sample_signed_value_v4),
        cmocka_unit_test(sample_ofd_stamps),
        cmocka_unit_test(made_seals_round_trip_and_verify),
        cmocka_unit_test(hardware_binding_ext),
        cmocka_unit_test(tampered_seal_is_invalid),
        cmocka_unit_test(v5_timestamp_tagging),
        cmocka_unit_test(malformed_inputs),
        cmocka_unit_test(sample_malformed_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
