/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: the options of long stamping work (eseal_stamp_request) — an output that is an
 * input refused unless in_place, colliding batch outputs refused before anything is stamped,
 * the cancel flag, skip_existing, the progress callback; and inputs that are not regular
 * files refused without blocking (a FIFO).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-stampbatch-XXXXXX";
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

static off_t size_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

static int setup(void **state)
{
    (void)state;
    char ihome[600];
    test_instance_init(home, ihome, sizeof(ihome), pass);
    inst = test_instance_open(ihome, pass);
    test_instance_seal(inst, ESEAL_ALG_SM2, esid, sizeof(esid));
    assert_int_equal(mkdir(path("a"), 0755), 0);
    assert_int_equal(mkdir(path("b"), 0755), 0);
    assert_int_equal(mkdir(path("o"), 0755), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_instance_close(inst);
    return test_scratch_remove(home);
}

static void output_is_input_refused_unless_in_place(void **state)
{
    (void)state;
    const char *in = path("a/self.pdf");
    test_write_pdf(in);
    off_t before = size_of(in);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, in, &q), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "is the input"));
    /* the same file under another name: by device and inode */
    assert_int_equal(link(in, path("a/self-link.pdf")), 0);
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, path("a/self-link.pdf"), &q), ESEAL_EINVAL);
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, in, path("a/../a/self.pdf"), &q), ESEAL_EINVAL);
    assert_int_equal(size_of(in), before);
    q.in_place = 1;
    eseal_stamp_result r;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &r, in, in, &q), ESEAL_OK);
    assert_true(size_of(in) > before);
    assert_int_equal(size_of(path("a/self-link.pdf")), before); /* replaced by a rename */
    /* in_place is for a document's own input only: not another document's */
    const char *ins[2] = {path("a/self-link.pdf"), path("b/other.pdf")};
    const char *outs[2] = {path("o/one.pdf"), path("a/self-link.pdf")};
    test_write_pdf(ins[1]);
    assert_int_equal(eseal_instance_stamp_pdfs(inst, NULL, ins, outs, 2, &q), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "of another document"));
    assert_int_equal(size_of(outs[0]), -1);
}

static void colliding_outputs_refused_before_stamping(void **state)
{
    (void)state;
    const char *ins[3] = {path("a/x.pdf"), path("a/y.pdf"), path("b/x.pdf")};
    const char *outs[3] = {path("o/x.pdf"), path("o/y.pdf"), path("o/./x.pdf")};
    for (int i = 0; i < 3; i++) {
        test_write_pdf(ins[i]);
    }
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    assert_int_equal(eseal_instance_stamp_pdfs(inst, NULL, ins, outs, 3, &q), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "would both be written to"));
    assert_int_equal(size_of(outs[0]), -1);
    assert_int_equal(size_of(outs[1]), -1);
    /* one file listed twice would be stamped twice into one output */
    const char *twice[2] = {path("a/x.pdf"), path("a/../a/x.pdf")};
    const char *touts[2] = {path("o/x.pdf"), path("o/x.pdf")};
    assert_int_equal(eseal_instance_stamp_pdfs(inst, NULL, twice, touts, 2, &q), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "is listed twice"));
    assert_int_equal(size_of(touts[0]), -1);
}

typedef struct {
    size_t calls, skipped, stamped;
    size_t cancel_after; /* set the flag after this many calls (0: never) */
    volatile sig_atomic_t *flag;
} progress_state;

static void progress(void *ctx, size_t i, const eseal_stamp_result *r)
{
    progress_state *p = ctx;
    (void)i;
    p->calls++;
    p->skipped += r->skipped != 0;
    p->stamped += r->code == ESEAL_OK && r->serial[0] != '\0';
    if (p->cancel_after != 0 && p->calls == p->cancel_after) {
        *p->flag = 1;
    }
}

static void cancel_skip_and_progress(void **state)
{
    (void)state;
    const char *ins[4] = {path("b/c1.pdf"), path("b/c2.pdf"), path("b/c3.pdf"), path("b/c4.pdf")};
    const char *outs[4] = {path("o/c1.pdf"), path("o/c2.pdf"), path("o/c3.pdf"), path("o/c4.pdf")};
    for (int i = 0; i < 4; i++) {
        test_write_pdf(ins[i]);
    }
    volatile sig_atomic_t flag = 1;
    progress_state p = {0, 0, 0, 0, &flag};
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.jobs = 1; /* one document after the other: the cancel lands between two */
    q.cancel = &flag;
    q.progress = progress;
    q.progress_ctx = &p;
    eseal_stamp_result res[4];
    /* cancelled before the start: nothing stamped, nothing reported */
    assert_int_equal(eseal_instance_stamp_pdfs(inst, res, ins, outs, 4, &q), ESEAL_ECANCELED);
    assert_int_equal(p.calls, 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(res[i].code, ESEAL_ECANCELED);
        assert_int_equal(size_of(outs[i]), -1);
    }
    /* cancelled after the first document: it is finished and reported, the others are left */
    flag = 0;
    p.cancel_after = 1;
    assert_int_equal(eseal_instance_stamp_pdfs(inst, res, ins, outs, 4, &q), ESEAL_ECANCELED);
    assert_non_null(strstr(eseal_error_last()->message, "1 of 4 documents stamped, 3 not started"));
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.stamped, 1);
    assert_true(size_of(outs[0]) > size_of(ins[0]));
    for (int i = 1; i < 4; i++) {
        assert_int_equal(res[i].code, ESEAL_ECANCELED);
        assert_int_equal(size_of(outs[i]), -1);
    }
    /* resumed with skip_existing: the first is skipped (not stamped twice), the others stamped */
    flag = 0;
    p = (progress_state){0, 0, 0, 0, &flag};
    off_t first = size_of(outs[0]);
    eseal_buf before = ESEAL_BUF_INIT, after = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&before, outs[0], 1 << 24), ESEAL_OK);
    q.skip_existing = 1;
    assert_int_equal(eseal_instance_stamp_pdfs(inst, res, ins, outs, 4, &q), ESEAL_OK);
    assert_int_equal(p.calls, 4);
    assert_int_equal(p.skipped, 1);
    assert_int_equal(p.stamped, 3);
    assert_int_equal(res[0].skipped, 1);
    assert_int_equal(res[0].code, ESEAL_OK);
    assert_string_equal(res[0].serial, "");
    assert_int_equal(eseal_file_read(&after, outs[0], 1 << 24), ESEAL_OK);
    assert_int_equal(size_of(outs[0]), first);
    assert_memory_equal(before.ptr, after.ptr, before.size);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(res[i].skipped, 0);
        assert_true(res[i].serial[0] != '\0');
        assert_true(size_of(outs[i]) > size_of(ins[i]));
    }
    eseal_buf_dispose(&before);
    eseal_buf_dispose(&after);
}

static void fifo_input_refused_without_blocking(void **state)
{
    (void)state;
    const char *fifo = path("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20); /* a blocking open would hang: fail instead */
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, fifo, 1024), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "is not a regular file (it is a FIFO)"));
    assert_int_equal(eseal_file_read(&b, home, 1024), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "(it is a directory)"));
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    assert_int_equal(eseal_instance_stamp_pdf(inst, NULL, fifo, path("o/fifo.pdf"), &q), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "is not a regular file (it is a FIFO)"));
    assert_int_equal(size_of(path("o/fifo.pdf")), -1);
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_is_input_refused_unless_in_place),
        cmocka_unit_test(colliding_outputs_refused_before_stamping),
        cmocka_unit_test(cancel_skip_and_progress),
        cmocka_unit_test(fifo_input_refused_without_blocking),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
