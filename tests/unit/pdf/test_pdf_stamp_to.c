/* SPDX-License-Identifier: Apache-2.0 */
/*
 * es_pdf_stamp_to, file to file: the output is the input followed by the update, and the digests
 * it hands the audit entry are those of the bytes written — whether the input is copied after
 * qpdf read it (small files) or by a second thread meanwhile (large files, es_pdf_copy_threads).
 * A stamp that fails while the thread copies stops it and leaves nothing.
 *
 * Issue 18 (branch h-bigstamp): a large input is copied in the kernel (copy_file_range,
 * es_pdf_copy_ranges) and hashed from the output's pages. When the kernel refuses (EXDEV, ENOSYS,
 * EINVAL, EOPNOTSUPP: forced through es_copy_range_refuse, from the start or in the middle) the
 * copy goes on by read and write, and the output is the same but for the signature's /Contents
 * (ECDSA is randomised; same signing time). An input changed in the middle of the copy gives
 * digests and a signature of what was written; an input cut in the middle is refused (ESEAL_EIO)
 * and leaves nothing; an in-place stamp (the input is the output) keeps the original as prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "pdf/pdf.h"
#include "util/util.h"
#include "../test_pki.h"
#include "pdf_fixture.h"

/* A one-page PDF with an unreferenced stream of `pad` bytes (qpdf never reads it), written to `path`. */
static void write_pdf(const char *path, size_t pad)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    long off[5];
    fprintf(f, "%%PDF-1.7\n");
    off[1] = ftell(f);
    fprintf(f, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = ftell(f);
    fprintf(f, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = ftell(f);
    fprintf(f, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n");
    off[4] = ftell(f);
    fprintf(f, "4 0 obj\n<< /Length %zu >>\nstream\n", pad);
    for (size_t i = 0; i < pad; i++) {
        (void)fputc('a' + (int)(i % 26), f);
    }
    fprintf(f, "\nendstream\nendobj\n");
    long x = ftell(f);
    fprintf(f, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 1; i <= 4; i++) {
        fprintf(f, "%010ld 00000 n \n", off[i]);
    }
    fprintf(f, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", x);
    assert_int_equal(fclose(f), 0);
}

static void read_all(const char *path, eseal_buf *out)
{
    *out = (eseal_buf)ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(out, path, 1u << 30), ESEAL_OK);
}

/* Stamps `pad` bytes of padding into a file; checks the output and the digests; returns the threads used. */
static unsigned long stamp_checked(const fixture *f, size_t pad)
{
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    (void)close(fd);
    write_pdf(in, pad);
    (void)snprintf(outp, sizeof(outp), "%s.out.pdf", in);
    unsigned long threads = es_pdf_copy_threads;
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    es_doc_digests dg;
    es_atomic_file af;
    assert_true(es_ok(es_atomic_open(&af, outp, 0600)));
    assert_true(es_ok(es_pdf_stamp_to(&af, in, f->outline, es_span_of(f->seal.ptr, f->seal.size), f->key, f->cert, &o,
                                      0, &dg)));
    assert_true(es_ok(es_atomic_commit(&af)));
    es_atomic_abort(&af);
    threads = es_pdf_copy_threads - threads;
    eseal_buf a, b;
    read_all(in, &a);
    read_all(outp, &b);
    assert_true(b.size > a.size);
    assert_memory_equal(a.ptr, b.ptr, a.size); /* the input, unchanged, then the update */
    uint8_t h[64];
    size_t hn = 0;
    assert_true(es_ok(es_digest(h, &hn, ESEAL_HASH_SHA256, es_span_of(a.ptr, a.size))));
    assert_memory_equal(h, dg.before_sha256, 32);
    assert_true(es_ok(es_digest(h, &hn, ESEAL_HASH_SHA256, es_span_of(b.ptr, b.size))));
    assert_memory_equal(h, dg.after_sha256, 32);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_pdf_verify(&rep, b.ptr, b.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&a);
    eseal_buf_dispose(&b);
    (void)unlink(in);
    (void)unlink(outp);
    return threads;
}

static void test_small_inline(void **state)
{
    assert_int_equal(stamp_checked(*state, 1000), 0);
}

static void test_large_threaded(void **state)
{
    assert_int_equal(stamp_checked(*state, 9u << 20), 1);
}

/* The stamp fails (no page 9) while the thread copies: the error is the stamp's, the output never appears. */
static void test_large_failure_stops_the_copy(void **state)
{
    const fixture *f = *state;
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    (void)close(fd);
    write_pdf(in, 9u << 20);
    (void)snprintf(outp, sizeof(outp), "%s.out.pdf", in);
    unsigned long threads = es_pdf_copy_threads;
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.page = 9;
    es_doc_digests dg;
    es_atomic_file af;
    assert_true(es_ok(es_atomic_open(&af, outp, 0600)));
    es_result r = es_pdf_stamp_to(&af, in, f->outline, es_span_of(f->seal.ptr, f->seal.size), f->key, f->cert, &o, 0, &dg);
    assert_false(es_ok(r));
    assert_non_null(strstr(eseal_error_last()->message, "page"));
    es_atomic_abort(&af);
    assert_int_equal(es_pdf_copy_threads - threads, 1);
    assert_int_equal(access(outp, F_OK), -1);
    (void)unlink(in);
}

/* ---- issue 18 (branch h-bigstamp): the copy in the kernel, its fallback, changes meanwhile ---- */

#define BIG_PAD ((9u << 20) + 12345) /* past the thread's threshold, not a whole number of ranges */

typedef struct {
    unsigned long threads, ranges, calls;
} copy_counts;

static copy_counts counts_now(void)
{
    return (copy_counts){es_pdf_copy_threads, es_pdf_copy_ranges, es_copy_range_calls};
}

/* A new input of BIG_PAD padding at `in` (a mkstemp template), and its output path beside it. */
static void new_input(char *in, char *outp, size_t outn)
{
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    (void)close(fd);
    write_pdf(in, BIG_PAD);
    (void)snprintf(outp, outn, "%s.out.pdf", in);
}

/* Stamps in -> outp at a fixed signing time: the result, with the digests in *dg. */
static es_result stamp_fixed(const fixture *f, const char *in, const char *outp, es_doc_digests *dg)
{
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    static int64_t at_ms; /* the same /M in every output: the first stamp's time */
    if (at_ms == 0) {
        at_ms = (int64_t)time(NULL) * 1000;
    }
    o.time_ms = at_ms;
    es_atomic_file af;
    es_result r = es_atomic_open(&af, outp, 0600);
    if (es_ok(r)) {
        /* A fixed room for the signature: its length varies by a byte or two (ECDSA's DER integers). */
        r = es_pdf_stamp_to(&af, in, f->outline, es_span_of(f->seal.ptr, f->seal.size), f->key, f->cert, &o, 8192, dg);
    }
    if (es_ok(r)) {
        r = es_atomic_commit(&af);
    }
    es_atomic_abort(&af);
    return r;
}

/* The output's digests are its own bytes' (before: its first `in_len` bytes), and it verifies VALID. */
static void check_output(const fixture *f, const eseal_buf *b, size_t in_len, const es_doc_digests *dg)
{
    uint8_t h[64];
    size_t hn = 0;
    assert_true(es_ok(es_digest(h, &hn, ESEAL_HASH_SHA256, es_span_of(b->ptr, in_len))));
    assert_memory_equal(h, dg->before_sha256, 32);
    assert_true(es_ok(es_digest(h, &hn, ESEAL_HASH_SHA256, es_span_of(b->ptr, b->size))));
    assert_memory_equal(h, dg->after_sha256, 32);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_pdf_verify(&rep, b->ptr, b->size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
}

/* Where the /Contents gap is in a stamped file: the second and third /ByteRange numbers. */
static void contents_gap(const eseal_buf *b, size_t *g0, size_t *g1)
{
    const char *key = "/ByteRange [";
    const uint8_t *p = NULL;
    for (size_t i = b->size - strlen(key); i > 0 && p == NULL; i--) { /* the last one: ours */
        if (memcmp(b->ptr + i, key, strlen(key)) == 0) {
            p = b->ptr + i + strlen(key);
        }
    }
    assert_non_null(p);
    unsigned long long v[4];
    char tmp[96];
    size_t n = (size_t)(b->ptr + b->size - p) < sizeof(tmp) - 1 ? (size_t)(b->ptr + b->size - p) : sizeof(tmp) - 1;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    char *e = tmp;
    for (int i = 0; i < 4; i++) {
        v[i] = strtoull(e, &e, 10);
    }
    assert_true(v[1] > 0 && v[2] > v[1] && v[2] + v[3] == b->size);
    *g0 = (size_t)v[1];
    *g1 = (size_t)v[2];
}

/* Where the last "/ID [" array is: from its "[" to its "]" included. */
static void id_array(const eseal_buf *b, size_t *i0, size_t *i1)
{
    const char *key = "/ID [";
    size_t n = strlen(key), at = 0;
    for (size_t i = b->size - n; i > 0 && at == 0; i--) {
        if (memcmp(b->ptr + i, key, n) == 0) {
            at = i + n - 1;
        }
    }
    assert_true(at > 0);
    const uint8_t *end = memchr(b->ptr + at, ']', b->size - at);
    assert_non_null(end);
    *i0 = at;
    *i1 = (size_t)(end - b->ptr) + 1;
}

/* Two stamps of the same input at the same time: the same bytes but for the two random parts of a
 * stamp, the signature's /Contents (ECDSA) and the trailer's /ID (its new part is random). */
static void assert_same_but_random(const eseal_buf *a, const eseal_buf *b)
{
    assert_int_equal(a->size, b->size);
    size_t a0, a1, b0, b1, ia0, ia1, ib0, ib1;
    contents_gap(a, &a0, &a1);
    contents_gap(b, &b0, &b1);
    id_array(a, &ia0, &ia1);
    id_array(b, &ib0, &ib1);
    assert_int_equal(a0, b0);
    assert_int_equal(a1, b1);
    assert_int_equal(ia0, ib0);
    assert_int_equal(ia1, ib1);
    assert_true(a1 < ia0); /* the update's trailer comes after the signature dictionary */
    assert_memory_equal(a->ptr, b->ptr, a0);
    assert_memory_equal(a->ptr + a1, b->ptr + a1, ia0 - a1);
    assert_memory_equal(a->ptr + ia1, b->ptr + ia1, a->size - ia1);
}

/* Stamps the input with the kernel copy refused with `err` once `after` more calls copied (0: from
 * the start): the counts, the output checked against the input and returned in *out. */
static void stamp_refused(const fixture *f, const char *in, const eseal_buf *orig, int err, unsigned long after,
                          eseal_buf *out)
{
    char outp[96];
    (void)snprintf(outp, sizeof(outp), "%s.refused.pdf", in);
    copy_counts c0 = counts_now();
    es_copy_range_refuse = err;
    es_copy_range_refuse_after = c0.calls + after;
    es_doc_digests dg;
    es_result r = stamp_fixed(f, in, outp, &dg);
    es_copy_range_refuse = 0;
    assert_true(es_ok(r));
    copy_counts c1 = counts_now();
    assert_int_equal(c1.threads - c0.threads, 1);
    assert_int_equal(c1.ranges - c0.ranges, 0); /* not wholly in the kernel */
    assert_int_equal(c1.calls - c0.calls, after);
    read_all(outp, out);
    assert_memory_equal(out->ptr, orig->ptr, orig->size);
    check_output(f, out, orig->size, &dg);
    (void)unlink(outp);
}

/* The kernel copies the whole input in 1 MB ranges; refused from the start or in the middle, with
 * each errno taken for "not here", the copy by read and write gives the same output. */
static void test_copy_range_and_fallbacks(void **state)
{
    const fixture *f = *state;
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    new_input(in, outp, sizeof(outp));
    eseal_buf orig, ranged;
    read_all(in, &orig);
    copy_counts c0 = counts_now();
    es_doc_digests dg;
    assert_true(es_ok(stamp_fixed(f, in, outp, &dg)));
    copy_counts c1 = counts_now();
    assert_int_equal(c1.threads - c0.threads, 1);
    assert_int_equal(c1.ranges - c0.ranges, 1);
    assert_true(c1.calls - c0.calls >= (orig.size + (1u << 20) - 1) >> 20); /* at most 1 MB a call */
    read_all(outp, &ranged);
    assert_memory_equal(ranged.ptr, orig.ptr, orig.size);
    check_output(f, &ranged, orig.size, &dg);

    const int errs[] = {EXDEV, ENOSYS, EINVAL, EOPNOTSUPP};
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        eseal_buf fb;
        stamp_refused(f, in, &orig, errs[i], 0, &fb); /* from the start */
        assert_same_but_random(&ranged, &fb);
        eseal_buf_dispose(&fb);
        stamp_refused(f, in, &orig, errs[i], 3, &fb); /* after 3 ranges: read and write from there */
        assert_same_but_random(&ranged, &fb);
        eseal_buf_dispose(&fb);
    }
    eseal_buf_dispose(&orig);
    eseal_buf_dispose(&ranged);
    (void)unlink(in);
    (void)unlink(outp);
}

/* Any other error of the kernel's copy is the stamp's: ESEAL_EIO, nothing left behind. */
static void test_copy_range_error_fails(void **state)
{
    const fixture *f = *state;
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    new_input(in, outp, sizeof(outp));
    es_copy_range_refuse = EIO;
    es_copy_range_refuse_after = es_copy_range_calls + 2;
    es_doc_digests dg;
    es_result r = stamp_fixed(f, in, outp, &dg);
    es_copy_range_refuse = 0;
    assert_int_equal(es_code(r), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "copying into"));
    assert_int_equal(access(outp, F_OK), -1);
    (void)unlink(in);
}

/* The input changed or cut by the copy hook once `at` bytes are copied. */
static const char *hook_path;
static uint64_t hook_at;
static bool hook_cut, hook_done;

static void change_input(uint64_t done)
{
    if (hook_done || done < hook_at) {
        return;
    }
    hook_done = true;
    if (hook_cut) {
        assert_int_equal(truncate(hook_path, 4096), 0);
        return;
    }
    FILE *fp = fopen(hook_path, "r+b"); /* the padding, ahead of the copy: qpdf never reads it */
    assert_non_null(fp);
    assert_int_equal(fseek(fp, (long)(BIG_PAD / 2 + 4096), SEEK_SET), 0);
    assert_int_equal(fwrite("CHANGED", 1, 7, fp), 7);
    assert_int_equal(fclose(fp), 0);
}

static void hook_on(const char *path, uint64_t at, bool cut)
{
    hook_path = path;
    hook_at = at;
    hook_cut = cut;
    hook_done = false;
    es_pdf_copy_hook = change_input;
}

/* Changed in the middle (same size), in the kernel's copy and in read and write: the output holds
 * the new bytes, and its digests and signature are of them. */
static void test_input_changed_meanwhile(void **state)
{
    const fixture *f = *state;
    for (int refuse = 0; refuse <= 1; refuse++) {
        char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
        new_input(in, outp, sizeof(outp));
        eseal_buf orig;
        read_all(in, &orig);
        hook_on(in, 1u << 20, false);
        es_copy_range_refuse = refuse ? EXDEV : 0;
        es_copy_range_refuse_after = es_copy_range_calls;
        es_doc_digests dg;
        es_result r = stamp_fixed(f, in, outp, &dg);
        es_copy_range_refuse = 0;
        es_pdf_copy_hook = NULL;
        assert_true(es_ok(r));
        assert_true(hook_done);
        eseal_buf now, b;
        read_all(in, &now);
        read_all(outp, &b);
        assert_int_equal(now.size, orig.size);
        assert_memory_not_equal(now.ptr, orig.ptr, orig.size);
        assert_memory_equal(b.ptr, now.ptr, now.size); /* what was copied: the changed input */
        check_output(f, &b, now.size, &dg);
        eseal_buf_dispose(&orig);
        eseal_buf_dispose(&now);
        eseal_buf_dispose(&b);
        (void)unlink(in);
        (void)unlink(outp);
    }
}

/* Cut in the middle, in the kernel's copy and in read and write: refused, nothing left behind.
 * Runs in a process of its own (cut_child): a read of the input's mapping past the cut faults with
 * SIGBUS, which eseal's handler answers; under cmocka's runner, cmocka's own handler (put in place
 * around each test, after eseal's was installed in an earlier one) would take it instead and fail
 * the test whenever a reader met the cut before the copy did (seen in CI under load). */
static void input_cut_meanwhile(const fixture *f)
{
    for (int refuse = 0; refuse <= 1; refuse++) {
        char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
        new_input(in, outp, sizeof(outp));
        hook_on(in, 2u << 20, true);
        es_copy_range_refuse = refuse ? EXDEV : 0;
        es_copy_range_refuse_after = es_copy_range_calls;
        es_doc_digests dg;
        es_result r = stamp_fixed(f, in, outp, &dg);
        es_copy_range_refuse = 0;
        es_pdf_copy_hook = NULL;
        assert_true(hook_done);
        if (es_code(r) != ESEAL_EIO) {
            print_message("cut meanwhile (%s): code %d: %s\n", refuse ? "read/write" : "kernel", es_code(r),
                          eseal_error_last()->message);
        }
        assert_int_equal(es_code(r), ESEAL_EIO);
        /* Whichever reader meets the cut first says so: the copy ("shrank"), the mapping's check
         * ("changed while it was read"), or qpdf's read of the input, which since the copy starts
         * first may run into it under load ("unexpected end"). */
        const char *m = eseal_error_last()->message;
        if (strstr(m, "shrank") == NULL && strstr(m, "changed while it was read") == NULL &&
            strstr(m, "reading the input: unexpected end") == NULL) {
            print_message("cut meanwhile (%s): %s\n", refuse ? "read/write" : "kernel", m);
            fail();
        }
        assert_int_equal(access(outp, F_OK), -1);
        (void)unlink(in);
    }
}

static int cut_child(void)
{
    void *state = NULL;
    if (setup(&state) != 0) {
        return 3;
    }
    input_cut_meanwhile(state); /* a failed assertion outside cmocka's runner exits non-zero */
    return teardown(&state) == 0 ? 0 : 4;
}

static void test_input_cut_meanwhile(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "unit_pdf_stamp_to", "cut", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* The input is the output: the stamped file replaces it, with the original as its prefix. */
static void test_in_place(void **state)
{
    const fixture *f = *state;
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    new_input(in, outp, sizeof(outp));
    eseal_buf orig, b;
    read_all(in, &orig);
    copy_counts c0 = counts_now();
    es_doc_digests dg;
    assert_true(es_ok(stamp_fixed(f, in, in, &dg)));
    assert_int_equal(es_pdf_copy_ranges - c0.ranges, 1);
    read_all(in, &b);
    assert_true(b.size > orig.size);
    assert_memory_equal(b.ptr, orig.ptr, orig.size);
    check_output(f, &b, orig.size, &dg);
    eseal_buf_dispose(&orig);
    eseal_buf_dispose(&b);
    (void)unlink(in);
}

/* This process's resident memory (VmRSS) or its peak (VmHWM), in KiB, from /proc/self/status. */
static long status_kib(const char *key)
{
    FILE *fp = fopen("/proc/self/status", "r");
    assert_non_null(fp);
    char line[256];
    long v = -1;
    while (v < 0 && fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, key, strlen(key)) == 0) {
            v = strtol(line + strlen(key), NULL, 10);
        }
    }
    (void)fclose(fp);
    assert_true(v >= 0);
    return v;
}

/* The kernel's copy hashes a 48 MB input through a mapping of the output, dropping each range once
 * hashed (es_map_release): the stamp's peak memory stays far below the file's size. */
static void test_copy_memory(void **state)
{
    const fixture *f = *state;
    char in[] = "/tmp/eseal-stampto-XXXXXX", outp[64];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    (void)close(fd);
    write_pdf(in, 48u << 20);
    (void)snprintf(outp, sizeof(outp), "%s.out.pdf", in);
    FILE *cr = fopen("/proc/self/clear_refs", "w"); /* "5": the peak starts again from now */
    bool reset = cr != NULL && fputs("5", cr) >= 0;
    if (cr != NULL && fclose(cr) != 0) {
        reset = false;
    }
    if (!reset) {
        skip();
    }
    long base = status_kib("VmRSS:");
    unsigned long ranges = es_pdf_copy_ranges;
    es_doc_digests dg;
    assert_true(es_ok(stamp_fixed(f, in, outp, &dg)));
    long peak = status_kib("VmHWM:");
    assert_int_equal(es_pdf_copy_ranges - ranges, 1);
    assert_true(peak - base < 16 * 1024); /* the output's 48 MB once held: over 48 * 1024 */
    (void)unlink(in);
    (void)unlink(outp);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        return strcmp(argv[1], "cut") == 0 ? cut_child() : 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_inline),
        cmocka_unit_test(test_large_threaded),
        cmocka_unit_test(test_large_failure_stops_the_copy),
        cmocka_unit_test(test_copy_range_and_fallbacks),
        cmocka_unit_test(test_copy_range_error_fails),
        cmocka_unit_test(test_input_changed_meanwhile),
        cmocka_unit_test(test_input_cut_meanwhile),
        cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_copy_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
