/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: what a verification on an instance adds about this platform's own stamps (report
 * version 5, docs/verify-report.md): signature.log and the check log_inclusion (the stamp's audit
 * entry, its inclusion proof in a signed checkpoint, and that the entry records this very
 * document), seal.filing (the registry's filing receipt) and signer.uscc. A stamp verifies with the
 * log's own numbers (eseal_instance_stamp_inclusion, what GET /api/v1/stamps/{serial} gives); a
 * stamp whose serial names another real stamp is FAILED and not VALID; a serial this platform never
 * gave, and a verification without an instance, have no log section at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "../ofd/ofd_fixture.h"

static char home[] = "/tmp/eseal-verifylog-XXXXXX";
static const char pass[] = "correct-horse-battery";
static eseal_instance *inst;
static char esid[64];

static int setup(void **state)
{
    (void)state;
    inst = test_instance_with_seal(home, NULL, 0, pass, ESEAL_ALG_SM2, esid, sizeof(esid));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, home);
}

/* Stamps the test PDF (or a fresh OFD) into HOME/<name>-out.<ext>, reads it into `out` and the
 * stamp's serial into `serial`. */
static void stamp(const char *name, int ofd, eseal_buf *out, char serial[40])
{
    char in[700], path[700];
    (void)snprintf(in, sizeof(in), "%s/%s.%s", home, name, ofd ? "ofd" : "pdf");
    (void)snprintf(path, sizeof(path), "%s/%s-out.%s", home, name, ofd ? "ofd" : "pdf");
    if (ofd) {
        write_ofd(in, name);
    } else {
        test_write_pdf(in);
    }
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.page = 1;
    eseal_stamp_result res;
    int rc = ofd ? eseal_instance_stamp_ofd(inst, &res, in, path, &q) : eseal_instance_stamp_pdf(inst, &res, in, path, &q);
    if (rc != ESEAL_OK) {
        fail_msg("stamp %s: %s", name, eseal_error_last()->message);
    }
    (void)snprintf(serial, 40, "%s", res.serial);
    assert_int_equal(eseal_file_read(out, path, 1 << 24), ESEAL_OK);
}

static eseal_report *verify(const eseal_buf *doc, int ofd, eseal_instance *on)
{
    eseal_report *rep = NULL;
    int rc = ofd ? eseal_instance_verify_ofd(on, &rep, doc->ptr, doc->size, NULL)
                 : eseal_instance_verify_pdf(on, &rep, doc->ptr, doc->size, NULL);
    if (rc != ESEAL_OK) {
        fail_msg("verify: %s", eseal_error_last()->message);
    }
    assert_int_equal(eseal_report_child_count(rep), 1);
    return rep;
}

/* The signature's log section is the log's own: the entry's index, the checkpoint's size and root,
 * the proof, the checkpoint, the key, as eseal_instance_stamp_inclusion gives them for `serial`. */
static void log_matches(const eseal_report *sig, const char *serial)
{
    eseal_stamp_info st;
    assert_int_equal(eseal_instance_stamp_find(inst, &st, serial), ESEAL_OK);
    eseal_receipt_parts p;
    assert_int_equal(eseal_instance_stamp_inclusion(inst, &p, serial), ESEAL_OK);
    int64_t v = -1;
    assert_string_equal(eseal_report_string(sig, "signature.log.serial"), serial);
    assert_int_equal(eseal_report_integer(sig, "signature.log.index", &v), ESEAL_OK);
    assert_int_equal(v, st.log_index);
    assert_int_equal(v, (int64_t)p.index);
    assert_int_equal(eseal_report_integer(sig, "signature.log.tree_size", &v), ESEAL_OK);
    assert_int_equal(v, (int64_t)p.tree_size);
    assert_string_equal(eseal_report_string(sig, "signature.log.origin"), p.origin);
    assert_string_equal(eseal_report_string(sig, "signature.log.root"), p.root);
    assert_string_equal(eseal_report_string(sig, "signature.log.leaf_hash"), p.leaf_hash);
    assert_string_equal(eseal_report_string(sig, "signature.log.checkpoint"), (const char *)p.checkpoint.ptr);
    assert_string_equal(eseal_report_string(sig, "signature.log.key"), p.key);
    const eseal_value *proof = eseal_report_find(sig, "signature.log.proof");
    assert_int_equal(eseal_value_type_of(proof), ESEAL_VALUE_LIST);
    assert_int_equal(eseal_value_count(proof), p.proof_count);
    for (size_t i = 0; i < p.proof_count; i++) {
        assert_string_equal(eseal_value_string(eseal_value_item(proof, i)), p.proof[i]);
    }
    eseal_receipt_parts_dispose(&p);
}

/* A stamp of this platform: log_inclusion PASSED with the log's numbers; the seal's filing receipt,
 * verified; the signer's USCC from its organizationIdentifier; the text report says it. */
static void pdf_stamp_is_in_the_log(void **state)
{
    (void)state;
    eseal_buf doc = ESEAL_BUF_INIT;
    char serial[40];
    stamp("a", 0, &doc, serial);
    eseal_report *rep = verify(&doc, 0, inst);
    const eseal_report *sig = eseal_report_child(rep, 0);
    assert_int_equal(eseal_report_verdict(sig), ESEAL_VALID);
    assert_int_equal(eseal_report_check(sig, "log_inclusion"), ESEAL_CHECK_PASSED);
    log_matches(sig, serial);
    assert_string_equal(eseal_report_string(sig, "signer.uscc"), "91110000MA01ABCDEX");
    int64_t filed = 0;
    int verified = 0;
    assert_int_equal(eseal_report_time(sig, "seal.filing.filed_at", &filed), ESEAL_OK);
    assert_true(filed > 0);
    assert_int_equal(eseal_report_boolean(sig, "seal.filing.verified", &verified), ESEAL_OK);
    assert_int_equal(verified, 1);
    assert_non_null(eseal_report_string(sig, "seal.filing.registry"));
    /* the receipt is the registry's own */
    eseal_buf der = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_seal_receipt(inst, &der, esid), ESEAL_OK);
    const char *b64 = eseal_report_string(sig, "seal.filing.receipt");
    assert_non_null(b64);
    assert_int_equal(strlen(b64), (der.size + 2) / 3 * 4);
    eseal_buf_dispose(&der);
    eseal_buf text = ESEAL_BUF_INIT;
    assert_int_equal(eseal_report_to_text(&text, rep, 0), ESEAL_OK);
    assert_non_null(strstr((const char *)text.ptr, "  Logged: entry "));
    assert_non_null(strstr((const char *)text.ptr, "included in checkpoint of size "));
    assert_non_null(strstr((const char *)text.ptr, "  Filed: "));
    eseal_buf_dispose(&text);
    eseal_report_free(rep);
    /* No instance: nothing of this platform's to say. */
    rep = verify(&doc, 0, NULL);
    sig = eseal_report_child(rep, 0);
    assert_int_equal(eseal_report_check(sig, "log_inclusion"), ESEAL_CHECK_ABSENT);
    assert_int_equal(eseal_value_type_of(eseal_report_find(sig, "signature.log")), ESEAL_VALUE_NULL);
    assert_null(eseal_report_find(sig, "seal.filing"));
    assert_string_equal(eseal_report_string(sig, "signer.uscc"), "91110000MA01ABCDEX"); /* the certificate's */
    eseal_report_free(rep);
    eseal_buf_dispose(&doc);
}

/* Every occurrence of `from` in `doc` replaced by `to` (the same length). */
static void replace_all(eseal_buf *doc, const char *from, const char *to)
{
    size_t n = strlen(from), hits = 0;
    assert_int_equal(strlen(to), n);
    for (uint8_t *p = doc->ptr; (p = memmem(p, doc->size - (size_t)(p - (uint8_t *)doc->ptr), from, n)) != NULL;
         p += n) {
        memcpy(p, to, n);
        hits++;
    }
    assert_true(hits > 0);
}

/* The field of stamp A renamed to stamp B's serial (a real one of this platform): B's entry records
 * another document, so log_inclusion FAILED and the signature is not VALID, with the reason. */
static void copied_serial_fails(void **state)
{
    (void)state;
    eseal_buf a = ESEAL_BUF_INIT, b = ESEAL_BUF_INIT;
    char sa[40], sb[40];
    stamp("copy-a", 0, &a, sa);
    stamp("copy-b", 0, &b, sb);
    assert_string_not_equal(sa, sb);
    replace_all(&a, sa, sb);
    eseal_report *rep = verify(&a, 0, inst);
    const eseal_report *sig = eseal_report_child(rep, 0);
    assert_int_equal(eseal_report_check(sig, "log_inclusion"), ESEAL_CHECK_FAILED);
    assert_true(eseal_report_has_reason(sig, "LOG_INCLUSION_FAILURE"));
    assert_int_equal(eseal_report_verdict(sig), ESEAL_INVALID);
    log_matches(sig, sb); /* B's entry, shown as it is */
    const eseal_value *chk = eseal_report_find(sig, "checks.log_inclusion.detail");
    assert_non_null(strstr(eseal_value_string(chk), "another document"));
    eseal_report_free(rep);
    /* B itself still verifies */
    rep = verify(&b, 0, inst);
    assert_int_equal(eseal_report_check(eseal_report_child(rep, 0), "log_inclusion"), ESEAL_CHECK_PASSED);
    eseal_report_free(rep);
    eseal_buf_dispose(&a);
    eseal_buf_dispose(&b);
}

/* A serial this platform never gave: not a stamp of this platform, no log section, no check. */
static void unknown_serial_has_no_log(void **state)
{
    (void)state;
    eseal_buf a = ESEAL_BUF_INIT;
    char sa[40], fake[40];
    stamp("fake", 0, &a, sa);
    (void)snprintf(fake, sizeof(fake), "%s", sa);
    for (char *p = fake + strlen(fake) - 4; *p != '\0'; p++) {
        *p = *p == '0' ? '1' : '0'; /* still [0-9A-Z-], another serial */
    }
    replace_all(&a, sa, fake);
    eseal_stamp_info st;
    assert_int_equal(eseal_instance_stamp_find(inst, &st, fake), ESEAL_ENOTFOUND);
    eseal_error_clear();
    eseal_report *rep = verify(&a, 0, inst);
    const eseal_report *sig = eseal_report_child(rep, 0);
    assert_int_equal(eseal_report_check(sig, "log_inclusion"), ESEAL_CHECK_ABSENT);
    assert_int_equal(eseal_value_type_of(eseal_report_find(sig, "signature.log")), ESEAL_VALUE_NULL);
    assert_false(eseal_report_has_reason(sig, "LOG_INCLUSION_FAILURE"));
    eseal_report_free(rep);
    eseal_buf_dispose(&a);
}

/* An OFD stamp: found by its package's SHA-256 (doc-after-sha256), PASSED with the log's numbers. */
static void ofd_stamp_is_in_the_log(void **state)
{
    (void)state;
    eseal_buf doc = ESEAL_BUF_INIT;
    char serial[40];
    stamp("o", 1, &doc, serial);
    eseal_report *rep = verify(&doc, 1, inst);
    const eseal_report *sig = eseal_report_child(rep, 0);
    assert_int_equal(eseal_report_check(sig, "log_inclusion"), ESEAL_CHECK_PASSED);
    log_matches(sig, serial);
    int verified = 0;
    assert_int_equal(eseal_report_boolean(sig, "seal.filing.verified", &verified), ESEAL_OK);
    assert_int_equal(verified, 1);
    eseal_report_free(rep);
    eseal_buf_dispose(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pdf_stamp_is_in_the_log),
        cmocka_unit_test(copied_serial_fails),
        cmocka_unit_test(unknown_serial_has_no_log),
        cmocka_unit_test(ofd_stamp_is_in_the_log),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
