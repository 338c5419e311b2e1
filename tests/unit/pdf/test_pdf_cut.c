/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PDF cut while the stamper reads it (es_pdf_open_fd maps the file, util/map.c): the process
 * lives, and es_pdf_intact refuses what was read, so no stamp is built from the zeros past the cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pdf/pdf.h"
#include "util/util.h"

#define NPAGES 400

/* A PDF of NPAGES pages in one flat tree (a classic cross-reference table), written to `path`. */
static int write_pdf(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    long *off = calloc(NPAGES + 3, sizeof(*off));
    fprintf(f, "%%PDF-1.7\n");
    off[1] = ftell(f);
    fprintf(f, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = ftell(f);
    fprintf(f, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", NPAGES);
    for (int i = 0; i < NPAGES; i++) {
        fprintf(f, " %d 0 R", i + 3);
    }
    fprintf(f, " ] >>\nendobj\n");
    for (int i = 0; i < NPAGES; i++) {
        off[i + 3] = ftell(f);
        fprintf(f, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n", i + 3);
    }
    long x = ftell(f);
    fprintf(f, "xref\n0 %d\n0000000000 65535 f \n", NPAGES + 3);
    for (int i = 1; i < NPAGES + 3; i++) {
        fprintf(f, "%010ld 00000 n \n", off[i]);
    }
    fprintf(f, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", NPAGES + 3, x);
    free(off);
    return fclose(f);
}

/* Open, cut the file before its last page's object, read that page: refused as changed. */
/* The PDF written to a new file `path` (a mkstemp template), opened read-only: its descriptor, or -1. */
static int new_pdf(char *path, struct stat *st)
{
    int w = mkstemp(path);
    if (w < 0 || write_pdf(path) != 0) {
        return -1;
    }
    (void)close(w);
    int fd = open(path, O_RDONLY);
    if (fd >= 0 && fstat(fd, st) != 0) {
        (void)close(fd);
        fd = -1;
    }
    return fd;
}

/*
 * Opens the PDF through its mapping and reads its last page; with `cut`, the file is cut before its
 * pages' objects first (they are in its first half, the xref in the second): the read must then be
 * refused as changed, else it must be intact.
 */
static int child(bool cut)
{
    char path[] = "/tmp/eseal-cut-XXXXXX";
    struct stat st;
    int fd = new_pdf(path, &st);
    if (fd < 0) {
        return 11;
    }
    es_pdf_doc d;
    if (!es_ok(es_pdf_open_fd(&d, fd, (uint64_t)st.st_size, NULL))) {
        return 12;
    }
    int rc = 0;
    if (d.map.ptr == NULL || d.npages != NPAGES || !es_ok(es_pdf_intact(&d))) {
        rc = 13; /* read through the mapping, intact so far */
    } else if (cut && truncate(path, 4096) != 0) {
        rc = 14;
    } else {
        es_result loaded = es_pdf_load_pages(&d, NPAGES, NPAGES); /* past a cut: zeros */
        es_result r = es_pdf_intact(&d);
        if (cut) { /* whatever the load said: what counts is that the read is known to be damaged */
            rc = es_code(r) == ESEAL_EIO && strstr(eseal_error_last()->message, "changed while it was read") != NULL
                     ? 0
                     : 15;
        } else {
            rc = es_ok(loaded) && es_ok(r) ? 0 : 16;
        }
    }
    es_pdf_close(&d);
    (void)close(fd);
    (void)unlink(path);
    return rc;
}

/* In a process of its own: cmocka puts its own SIGBUS handler around each test. */
static int run_child(const char *mode)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "unit_pdf_cut", mode, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static void test_cut_while_read(void **state)
{
    (void)state;
    assert_int_equal(run_child("cut"), 0);
}

static void test_not_cut(void **state)
{
    (void)state;
    assert_int_equal(run_child("intact"), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        return strcmp(argv[1], "cut") == 0 ? child(true) : strcmp(argv[1], "intact") == 0 ? child(false) : 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_while_read),
        cmocka_unit_test(test_not_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
