/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: the stamp's four phases (prepare, authorise, record, publish; docs/audit-log.md) —
 * the entry's before/after digests are those of the real input and output, also in place (the
 * input replaced); an audit failure during an in-place stamp leaves the input byte for byte; a
 * request without a principal, or with a malformed one, is refused (ESEAL_EINVAL) and one the
 * policy denies gets ESEAL_EDENIED, with nothing written or recorded; a publication that fails
 * after the record gets a "stamp.failed" entry, and no receipt when its batch's receipts are made;
 * a stamp left pending after its rename is recovered by its output's digest (published when it
 * matches; a changed or removed output gets a stamp.failed entry saying so, never "published"); a stamp
 * whose publication cannot be committed (another process holds the store's write lock past its wait, as
 * several `eseal serve` processes on one store can) is not acknowledged: the caller may remove the output
 * it was given (a server does once it has answered), and the recovery would then find it missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "service/stamp_phase.h"
#include "util/util.h"
#include "../test_instance.h"
#include "../ofd/ofd_fixture.h"

static char home[] = "/tmp/eseal-stampphases-XXXXXX";
static const char pass[] = "correct-horse-battery";
static eseal_instance *inst;
static char esid[64];

static char *path(const char *name)
{
    static char p[8][600];
    static int k;
    k = (k + 1) % 8;
    (void)snprintf(p[k], sizeof(p[k]), "%s/%s", home, name);
    return p[k];
}

static char ihome[600];

/* What the log keeps privately about entry `index`'s pending publication, read on a connection of
 * the test's own (it is not on the front door: only the stamper needs it). */
static int pending_publication(uint64_t index) { return test_pending_publication(ihome, index); }

static int setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass);
    inst = test_instance_open(ihome, pass);
    test_instance_seal(inst, ESEAL_ALG_SM2, esid, sizeof(esid));
    assert_int_equal(mkdir(path("d"), 0755), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_instance_close(inst);
    return test_scratch_remove(home);
}

static void read_all(eseal_buf *b, const char *p)
{
    *b = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(b, p, 64u << 20), ESEAL_OK);
}

static void hex_of(char out[65], eseal_hash hash, const eseal_buf *b)
{
    uint8_t h[64];
    size_t hl = 0;
    assert_true(es_ok(es_digest(h, &hl, hash, es_span_of(b->ptr, b->size))));
    for (size_t i = 0; i < 32; i++) {
        (void)snprintf(out + 2 * i, 3, "%02x", h[i]);
    }
}

static uint64_t log_size(void) { return test_log_size(inst); }
static void entry_at(eseal_audit_entry_parsed *p, uint64_t index) { test_log_entry(inst, p, index); }

/* Files in folder d whose name holds `part` (temporary files: ".tmp-"). */
static int files_with(const char *part)
{
    int n = 0;
    DIR *d = opendir(path("d"));
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        n += strstr(e->d_name, part) != NULL;
    }
    (void)closedir(d);
    return n;
}

static eseal_stamp_request request(void)
{
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.page = 1;
    q.x_mm = 20;
    q.y_mm = 30;
    q.in_place = 1;
    return q;
}

/* In place: the entry's before is the input as it was, its after the file as it is now; SM3 too for OFD. */
static void in_place_digests(bool ofd)
{
    const char *in = path(ofd ? "d/inplace.ofd" : "d/inplace.pdf");
    if (ofd) {
        write_ofd(in, "in place");
    } else {
        test_write_pdf(in);
    }
    eseal_buf orig, now;
    read_all(&orig, in);
    eseal_stamp_request q = request();
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, in, &q), ESEAL_OK);
    read_all(&now, in);
    assert_true(now.size > orig.size);
    assert_memory_equal(now.ptr, orig.ptr, ofd ? 2 : orig.size); /* a PDF's update is appended */
    char before[65], after[65], before_sm3[65], after_sm3[65];
    hex_of(before, ESEAL_HASH_SHA256, &orig);
    hex_of(after, ESEAL_HASH_SHA256, &now);
    hex_of(before_sm3, ESEAL_HASH_SM3, &orig);
    hex_of(after_sm3, ESEAL_HASH_SM3, &now);
    eseal_audit_entry_parsed p;
    entry_at(&p, (uint64_t)res.log_index);
    assert_string_equal(p.e.type, "stamp");
    assert_string_equal(p.e.stamp, res.serial);
    assert_string_equal(p.e.doc_before_sha256, before);
    assert_string_equal(p.e.doc_after_sha256, after);
    if (ofd) {
        assert_string_equal(p.e.doc_before_sm3, before_sm3);
        assert_string_equal(p.e.doc_after_sm3, after_sm3);
    } else {
        assert_null(p.e.doc_before_sm3);
    }
    /* Who, and by which rule: the principal, not a free-text name. */
    assert_string_equal(p.e.actor, "tester");
    assert_string_equal(p.e.actor_kind, "operator");
    assert_string_equal(p.e.policy_rule, "local-operator");
    assert_non_null(p.e.ip_commitment);
    assert_non_null(p.e.device_commitment);
    eseal_audit_entry_parsed_dispose(&p);
    /* Published: the final mode, no temporary file left, no pending publication kept. */
    struct stat st;
    assert_int_equal(stat(in, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(files_with(".tmp-"), 0);
    assert_int_equal(pending_publication((uint64_t)res.log_index), ESEAL_ENOTFOUND);
    eseal_error_clear();
    eseal_buf_dispose(&orig);
    eseal_buf_dispose(&now);
}

static void in_place_pdf_digests_are_the_real_ones(void **state)
{
    (void)state;
    in_place_digests(false);
}

static void in_place_ofd_digests_are_the_real_ones(void **state)
{
    (void)state;
    in_place_digests(true);
}

/* The entry cannot be recorded (here: approvals the entry format refuses): the stamp fails in its
 * record phase, and the input, which was also the output, is still there byte for byte. */
static void audit_failure_in_place_leaves_the_input(void **state)
{
    (void)state;
    const char *in = path("d/keep.pdf");
    test_write_pdf(in);
    eseal_buf orig, now;
    read_all(&orig, in);
    uint64_t n0 = log_size();
    eseal_stamp_request q = request();
    q.approvals = "not an id list!";
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, in, &q), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "approvals"));
    read_all(&now, in);
    assert_int_equal(now.size, orig.size);
    assert_memory_equal(now.ptr, orig.ptr, orig.size);
    assert_int_equal(log_size(), n0);
    assert_int_equal(files_with(".tmp-"), 0);
    assert_string_equal(res.serial, "");
    eseal_buf_dispose(&orig);
    eseal_buf_dispose(&now);
}

/* Refused before anything: nothing written; a malformed request nothing recorded, a refusal (EDENIED)
 * its one "stamp.refused" entry (every refusal is evidence, docs/grants.md). */
static void refused(const eseal_principal *who, int code, const char *why)
{
    const char *in = path("d/who.pdf");
    test_write_pdf(in);
    uint64_t n0 = log_size();
    eseal_stamp_request q = request();
    q.who = who;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, path("d/who-out.pdf"), &q), code);
    if (strstr(eseal_error_last()->message, why) == NULL) {
        fail_msg("expected \"%s\" in: %s", why, eseal_error_last()->message);
    }
    assert_int_equal(access(path("d/who-out.pdf"), F_OK), -1);
    assert_int_equal(files_with("who-out"), 0);
    assert_int_equal(log_size(), n0 + (code == ESEAL_EDENIED ? 1 : 0));
}

static void principal_required_well_formed_and_allowed(void **state)
{
    (void)state;
    refused(NULL, ESEAL_EINVAL, "no principal");
    eseal_principal bad = *test_who();
    bad.version = 99;
    refused(&bad, ESEAL_EINVAL, "principal: version 99");
    bad = *test_who();
    bad.kind = (eseal_principal_kind)0;
    refused(&bad, ESEAL_EINVAL, "unknown kind");
    bad = *test_who();
    bad.id = "two words";
    refused(&bad, ESEAL_EINVAL, "a space or a control character");
    bad = *test_who();
    bad.id = NULL;
    refused(&bad, ESEAL_EINVAL, "no id");
    /* Well formed, but a user stamps only under a grant of the seal, and alice holds none. */
    eseal_principal user = *test_who();
    user.kind = ESEAL_PRINCIPAL_USER;
    user.id = "alice";
    user.organization = "ACME";
    refused(&user, ESEAL_EDENIED, "alice may not stamp with seal");
    assert_string_equal(eseal_error_last()->reason, ESEAL_REFUSAL_NO_GRANT);
}

/* The rename fails (the output is a folder): the entry stands, and a "stamp.failed" entry right after
 * it says that this stamp was not published; the temporary file is gone. */
static void failed_publication_is_recorded(void **state)
{
    (void)state;
    const char *in = path("d/pub.pdf");
    test_write_pdf(in);
    assert_int_equal(mkdir(path("d/pub-out.pdf"), 0755), 0);
    assert_int_equal(mkdir(path("d/pub-out.pdf/x"), 0755), 0);
    uint64_t n0 = log_size();
    eseal_stamp_request q = request();
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, path("d/pub-out.pdf"), &q), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "cannot rename into"));
    assert_int_equal(log_size(), n0 + 2);
    eseal_audit_entry_parsed st, fail;
    entry_at(&st, n0);
    entry_at(&fail, n0 + 1);
    assert_string_equal(st.e.type, "stamp");
    assert_string_equal(fail.e.type, "stamp.failed");
    assert_string_equal(fail.e.stamp, st.e.stamp);
    assert_string_equal(fail.e.seal, st.e.seal);
    assert_non_null(strstr(fail.e.detail, "not published: cannot rename into"));
    assert_string_equal(fail.e.actor, "tester");
    eseal_audit_entry_parsed_dispose(&st);
    eseal_audit_entry_parsed_dispose(&fail);
    assert_int_equal(files_with("pub-out.pdf.tmp-"), 0);
    assert_int_equal(pending_publication(n0), ESEAL_ENOTFOUND);
    eseal_error_clear();
}

/* The output renamed into place but its directory not synced (an EIO there): not acknowledged, and
 * not "stamp.failed" either (the file is there); the entry stays pending, and the next stamp's
 * recovery finds it published. */
static void unsynced_publication_stays_pending(void **state)
{
    (void)state;
    const char *in = path("d/sync.pdf"), *out = path("d/sync-out.pdf");
    test_write_pdf(in);
    uint64_t n0 = log_size();
    eseal_stamp_request q = request();
    eseal_stamp_result res;
    es_sync_dir_fail = true;
    int rc = eseal_instance_stamp_pdf(inst, &res, in, out, &q);
    es_sync_dir_fail = false;
    assert_int_equal(rc, ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "in place but not yet durable"));
    assert_int_equal(log_size(), n0 + 1);
    eseal_audit_entry_parsed st;
    entry_at(&st, n0);
    assert_string_equal(st.e.type, "stamp");
    char serial[64];
    (void)snprintf(serial, sizeof(serial), "%s", st.e.stamp);
    eseal_audit_entry_parsed_dispose(&st);
    assert_int_equal(pending_publication(n0), ESEAL_OK);
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    /* The next stamp recovers it: published (no stamp.failed), and its receipt can be had. */
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, path("d/sync-next.pdf"), &q), ESEAL_OK);
    for (uint64_t k = n0; k < log_size(); k++) {
        eseal_audit_entry_parsed p;
        entry_at(&p, k);
        assert_string_not_equal(p.e.type, "stamp.failed");
        eseal_audit_entry_parsed_dispose(&p);
    }
    assert_int_equal(pending_publication(n0), ESEAL_ENOTFOUND);
    eseal_buf r = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_stamp_receipt(inst, &r, serial), ESEAL_OK);
    eseal_buf_dispose(&r);
    eseal_error_clear();
}

/* The store's write lock, taken on a connection of the test's own once the output is renamed into place
 * (the phase hook, "published") and held until the stamp returns: the commit that forgets where the
 * output waited (with the batch's checkpoint and receipts) waits for it and fails, as it does when other
 * processes on the store hold it longer than the store's wait. */
static eseal_store *holder;

static void hold_on_published(const char *phase, size_t doc)
{
    (void)doc;
    if (strcmp(phase, "published") == 0 && holder == NULL) {
        char dbp[700];
        (void)snprintf(dbp, sizeof(dbp), "%s/eseal.db", ihome);
        assert_int_equal(eseal_store_open(&holder, dbp), ESEAL_OK);
        assert_int_equal(eseal_store_begin(holder), ESEAL_OK);
    }
}

/* An acknowledged stamp is never recorded as failed: one whose publication could not be committed
 * fails (not acknowledged), its mark stays; once its output is gone (a server removes it after
 * answering) the next stamp's recovery gives it its stamp.failed entry, which then matches what the
 * caller was told. */
static void unsettled_publication_is_not_acknowledged(void **state)
{
    (void)state;
    char dbp[700];
    struct stat sb;
    (void)snprintf(dbp, sizeof(dbp), "%s/eseal.db", ihome);
    if (stat(dbp, &sb) != 0) {
        skip(); /* the lock is taken on the SQLite file: a store elsewhere is not held this way */
    }
    const char *in = path("d/busy.pdf"), *out = path("d/busy-out.pdf");
    test_write_pdf(in);
    uint64_t n0 = log_size();
    eseal_stamp_request q = request();
    eseal_stamp_result res;
    es_stamp_phase_hook = hold_on_published;
    int rc = eseal_instance_stamp_pdf(inst, &res, in, out, &q);
    es_stamp_phase_hook = NULL;
    char msg[512];
    (void)snprintf(msg, sizeof(msg), "%s", eseal_error_last()->message);
    assert_non_null(holder);
    assert_int_equal(eseal_store_rollback(holder), ESEAL_OK);
    eseal_store_close(holder);
    holder = NULL;
    assert_int_not_equal(rc, ESEAL_OK);
    assert_non_null(strstr(msg, "not acknowledged"));
    eseal_audit_entry_parsed st;
    entry_at(&st, n0);
    assert_string_equal(st.e.type, "stamp");
    char serial[64];
    (void)snprintf(serial, sizeof(serial), "%s", st.e.stamp);
    eseal_audit_entry_parsed_dispose(&st);
    assert_int_equal(pending_publication(n0), ESEAL_OK);
    assert_int_equal(unlink(out), 0);
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, path("d/busy-next.pdf"), &q), ESEAL_OK);
    size_t failed = 0;
    for (uint64_t k = n0 + 1; k < log_size(); k++) {
        eseal_audit_entry_parsed p;
        entry_at(&p, k);
        failed += strcmp(p.e.type, "stamp.failed") == 0 && strcmp(p.e.stamp, serial) == 0;
        eseal_audit_entry_parsed_dispose(&p);
    }
    assert_int_equal(failed, 1);
    assert_int_equal(pending_publication(n0), ESEAL_ENOTFOUND);
    eseal_error_clear();
}

/* What a crash between the rename and the commit that erases the mark leaves (issue 18, D: the erase
 * rides on the receipts' commit): the stamp's mark "where the output waits", put back under entry
 * `index` on a connection of the test's own, naming a temporary file that is gone. */
static void mark_pending_again(uint64_t index, const char *out)
{
    char dbp[700], pend[1400];
    test_store_location(ihome, dbp, sizeof(dbp));
    int n = snprintf(pend, sizeof(pend), "%s.tmp-gone\n%s\n", out, out);
    eseal_store *db = NULL;
    assert_int_equal(eseal_store_open(&db, dbp), ESEAL_OK);
    assert_int_equal(eseal_store_log_private_put(db, index, "publish", pend, (size_t)n), ESEAL_OK);
    eseal_store_close(db);
}

/* Recovery by the output's digest (D): of three stamps left pending after their rename, the one
 * whose output is intact is found published (no failure entry, its receipt stands); the one whose
 * output was changed since and the one whose output was removed are never marked published: each
 * gets a stamp.failed entry saying which, and no receipt. Every mark is gone after the recovery. */
static void recovery_checks_the_output_digest(void **state)
{
    (void)state;
    const char *in = path("d/rec.pdf");
    const char *out[3] = {path("d/rec-intact.pdf"), path("d/rec-changed.pdf"), path("d/rec-removed.pdf")};
    test_write_pdf(in);
    eseal_stamp_request q = request();
    q.in_place = 0;
    eseal_stamp_result res[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(eseal_instance_stamp_pdf(inst, &res[i], in, out[i], &q), ESEAL_OK);
        assert_int_equal(pending_publication((uint64_t)res[i].log_index), ESEAL_ENOTFOUND); /* settled */
    }
    for (int i = 0; i < 3; i++) { /* after the three: each stamp's recovery would settle the marks before it */
        mark_pending_again((uint64_t)res[i].log_index, out[i]);
    }
    FILE *f = fopen(out[1], "ab");
    assert_non_null(f);
    assert_int_equal(fputs("\n% changed after the crash\n", f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(unlink(out[2]), 0);
    uint64_t n0 = log_size();
    eseal_stamp_result next;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &next, in, path("d/rec-next.pdf"), &q), ESEAL_OK);
    /* Two failure entries (in entry order), then the new stamp. */
    assert_int_equal(log_size(), n0 + 3);
    const char *why[2] = {"does not have the recorded SHA-256", "is missing"};
    for (int k = 0; k < 2; k++) {
        eseal_audit_entry_parsed p;
        entry_at(&p, n0 + (uint64_t)k);
        assert_string_equal(p.e.type, "stamp.failed");
        assert_string_equal(p.e.stamp, res[k + 1].serial);
        assert_non_null(strstr(p.e.detail, "or the output was changed or removed since"));
        assert_non_null(strstr(p.e.detail, why[k]));
        eseal_audit_entry_parsed_dispose(&p);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pending_publication((uint64_t)res[i].log_index), ESEAL_ENOTFOUND);
        eseal_buf r = ESEAL_BUF_INIT;
        assert_int_equal(eseal_instance_stamp_receipt(inst, &r, res[i].serial), i == 0 ? ESEAL_OK : ESEAL_ESTATE);
        eseal_buf_dispose(&r);
    }
    eseal_error_clear();
}

/* The receipt kept with stamp `serial` in the store ("" until made), read on a connection of the test's own. */
static void stored_receipt(char *out, size_t cap, const char *serial)
{
    char dbp[700];
    eseal_store *db = NULL;
    eseal_stamp_record rec;
    test_store_location(ihome, dbp, sizeof(dbp));
    assert_int_equal(eseal_store_open(&db, dbp), ESEAL_OK);
    assert_int_equal(eseal_store_stamp_find(db, &rec, serial), ESEAL_OK);
    (void)snprintf(out, cap, "%s", rec.receipt != NULL ? rec.receipt : "");
    eseal_stamp_record_dispose(&rec);
    eseal_store_close(db);
}

/* A batch whose second document cannot be published (its output is a folder that is not empty):
 * that stamp is recorded, then failed (stamp.failed), and the batch's receipts leave it out: no
 * serial or entry in its result, no receipt kept with its record; the other two are published and
 * their receipts are kept with their records. */
static void failed_publication_gets_no_receipt(void **state)
{
    (void)state;
    const char *ins[3] = {path("d/r0.pdf"), path("d/r1.pdf"), path("d/r2.pdf")};
    const char *outs[3] = {path("d/r0-out.pdf"), path("d/r1-out.pdf"), path("d/r2-out.pdf")};
    for (size_t i = 0; i < 3; i++) {
        test_write_pdf(ins[i]);
    }
    assert_int_equal(mkdir(outs[1], 0755), 0);
    assert_int_equal(mkdir(path("d/r1-out.pdf/x"), 0755), 0);
    uint64_t n0 = log_size();
    eseal_stamp_request q = request();
    q.in_place = 0;
    q.jobs = 1;
    eseal_stamp_result res[3];
    assert_int_equal(eseal_instance_stamp_pdfs(inst, res, ins, outs, 3, &q), ESEAL_ERROR);
    assert_non_null(strstr(eseal_error_last()->message, "1 of 3 documents failed"));
    assert_int_equal(log_size(), n0 + 4);
    /* The failed one: no serial, no entry index in its result. */
    assert_int_equal(res[1].code, ESEAL_EIO);
    assert_string_equal(res[1].serial, "");
    assert_int_equal(res[1].log_index, -1);
    char failed_serial[64] = "";
    for (uint64_t k = n0; k < n0 + 4; k++) {
        eseal_audit_entry_parsed p;
        entry_at(&p, k);
        if (strcmp(p.e.type, "stamp.failed") == 0) {
            (void)snprintf(failed_serial, sizeof(failed_serial), "%s", p.e.stamp);
        }
        eseal_audit_entry_parsed_dispose(&p);
    }
    assert_true(failed_serial[0] != '\0');
    static char rcpt[256 * 1024];
    for (size_t i = 0; i < 3; i += 2) {
        assert_int_equal(res[i].code, ESEAL_OK);
        stored_receipt(rcpt, sizeof(rcpt), res[i].serial);
        assert_non_null(strstr(rcpt, "c2sp.org/tlog-proof@v1"));
    }
    stored_receipt(rcpt, sizeof(rcpt), failed_serial);
    assert_string_equal(rcpt, "");
    /* Nor later, asked for by its serial (eseal log receipt): it was never published. */
    eseal_buf later = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_stamp_receipt(inst, &later, failed_serial), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "never published"));
    assert_int_equal(later.size, 0);
    stored_receipt(rcpt, sizeof(rcpt), failed_serial);
    assert_string_equal(rcpt, "");
    /* A published one still gets its receipt that way. */
    assert_int_equal(eseal_instance_stamp_receipt(inst, &later, res[0].serial), ESEAL_OK);
    assert_non_null(strstr((const char *)later.ptr, "c2sp.org/tlog-proof@v1"));
    eseal_buf_dispose(&later);
}

/* How many LATER_STAMP_MISSING notes the instance's verification of `file` (an OFD) gives. */
static size_t later_notes(const char *file)
{
    eseal_buf b;
    read_all(&b, file);
    eseal_report *rep = NULL;
    if (eseal_instance_verify_ofd(inst, &rep, b.ptr, b.size, NULL) != ESEAL_OK) {
        fail_msg("verify %s: %s", file, eseal_error_last()->message);
    }
    size_t n = 0;
    for (size_t i = 0; i < eseal_report_reason_count(rep); i++) {
        n += strcmp(eseal_report_reason_code(rep, i), "LATER_STAMP_MISSING") == 0;
    }
    eseal_report_free(rep);
    eseal_buf_dispose(&b);
    return n;
}

/* A stamp recorded but never published (stamp.failed) is not a later version of its input; a
 * published one is. */
static void failed_stamp_is_not_a_later_stamp(void **state)
{
    (void)state;
    const char *in = path("d/later.ofd");
    write_ofd(in, "later");
    assert_int_equal(mkdir(path("d/later-out.ofd"), 0755), 0);
    eseal_stamp_request q = request();
    q.in_place = 0;
    assert_int_equal(eseal_instance_stamp_ofd(inst, NULL, in, path("d/later-out.ofd"), &q), ESEAL_EIO);
    assert_int_equal(later_notes(in), 0);
    assert_int_equal(eseal_instance_stamp_ofd(inst, NULL, in, path("d/later-ok.ofd"), &q), ESEAL_OK);
    assert_int_equal(later_notes(in), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_place_pdf_digests_are_the_real_ones),
        cmocka_unit_test(in_place_ofd_digests_are_the_real_ones),
        cmocka_unit_test(audit_failure_in_place_leaves_the_input),
        cmocka_unit_test(principal_required_well_formed_and_allowed),
        cmocka_unit_test(failed_publication_is_recorded),
        cmocka_unit_test(failed_stamp_is_not_a_later_stamp),
        cmocka_unit_test(failed_publication_gets_no_receipt),
        cmocka_unit_test(unsynced_publication_stays_pending),
        cmocka_unit_test(recovery_checks_the_output_digest),
        cmocka_unit_test(unsettled_publication_is_not_acknowledged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
