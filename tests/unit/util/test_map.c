/* SPDX-License-Identifier: Apache-2.0 */
/*
 * es_map (src/util/map.c): a file that shrinks under its mapping reads zeros where it was cut and
 * is reported damaged, instead of killing the process with SIGBUS; a SIGBUS that is not about one
 * of these mappings still reaches the handler installed before, or kills as it would have.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

#define PAGES 16

/* A temporary file of PAGES pages of 'x', opened read-only in *fd; its name in path. */
static void make_file(char path[64], int *fd, size_t *len)
{
    long ps = sysconf(_SC_PAGESIZE);
    *len = (size_t)ps * PAGES;
    strcpy(path, "/tmp/eseal-map-XXXXXX");
    int w = mkstemp(path);
    assert_true(w >= 0);
    char *buf = malloc(*len);
    assert_non_null(buf);
    memset(buf, 'x', *len);
    assert_int_equal(write(w, buf, *len), (ssize_t)*len);
    free(buf);
    (void)close(w);
    *fd = open(path, O_RDONLY);
    assert_true(*fd >= 0);
}

static void test_intact(void **state)
{
    (void)state;
    char path[64];
    int fd;
    size_t len;
    make_file(path, &fd, &len);
    es_map m;
    assert_true(es_ok(es_map_fd(&m, fd, len)));
    assert_int_equal(m.len, len);
    size_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += m.ptr[i] == 'x';
    }
    assert_int_equal(sum, len);
    assert_false(es_map_damaged(&m));
    assert_true(es_ok(es_map_check(&m, "the file")));
    es_map_close(&m);
    assert_null(m.ptr);
    es_map_close(&m); /* twice is harmless */
    (void)close(fd);
    (void)unlink(path);
}

/* The file is cut to half while mapped: the cut half reads zeros, the mapping says it is damaged. */
static int shrunk_child(void)
{
    char path[64];
    int fd;
    size_t len;
    make_file(path, &fd, &len);
    es_map m;
    if (!es_ok(es_map_fd(&m, fd, len))) {
        return 10;
    }
    unsigned long before = es_map_repaired_count();
    if (truncate(path, (off_t)(len / 2)) != 0) {
        return 11;
    }
    size_t xs = 0, zeros = 0;
    for (size_t i = 0; i < len; i++) {
        xs += m.ptr[i] == 'x';
        zeros += m.ptr[i] == 0;
    }
    if (xs != len / 2 || zeros != len / 2) {
        return 12;
    }
    if (es_map_repaired_count() - before < 1 || !es_map_damaged(&m)) {
        return 13;
    }
    es_result r = es_map_check(&m, "the input");
    if (es_code(r) != ESEAL_EIO || strstr(eseal_error_last()->message, "the input changed while it was read") == NULL) {
        return 14;
    }
    es_map_close(&m);
    /* A new mapping in the freed slot starts intact. */
    es_map m2;
    if (!es_ok(es_map_fd(&m2, fd, len / 2)) || es_map_damaged(&m2) || m2.ptr[0] != 'x') {
        return 15;
    }
    es_map_close(&m2);
    (void)close(fd);
    (void)unlink(path);
    return 0;
}

/* A SIGBUS of a mapping not made here still kills the process, as without es_map. */
static int foreign_child(void)
{
    char path[64];
    int fd;
    size_t len;
    make_file(path, &fd, &len);
    es_map m;
    if (!es_ok(es_map_fd(&m, fd, len))) { /* the handler is installed */
        return 10;
    }
    volatile const char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || truncate(path, 0) != 0) {
        return 11;
    }
    (void)unlink(path);
    char c = p[len - 1];
    return c == 0 ? 12 : 13; /* reached only if the fault was swallowed */
}

static volatile sig_atomic_t theirs;
static sigjmp_buf back;

static void their_handler(int sig)
{
    (void)sig;
    theirs++;
    siglongjmp(back, 1);
}

/*
 * The application's own SIGBUS handler, installed before eseal's first mapping, still gets the
 * faults that are not eseal's, while eseal's mapping is repaired. In a process of its own (the
 * handler is installed once per process): this program run again with "chain".
 */
static int chain_child(void)
{
    char path[64];
    int fd;
    size_t len;
    make_file(path, &fd, &len);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = their_handler;
    (void)sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) != 0) {
        return 10;
    }
    es_map m;
    if (!es_ok(es_map_fd(&m, fd, len))) {
        return 11;
    }
    volatile const char *foreign = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (foreign == MAP_FAILED || truncate(path, 0) != 0) {
        return 12;
    }
    if (sigsetjmp(back, 1) == 0) {
        char c = foreign[len - 1];
        (void)c;
        return 13; /* the fault was swallowed */
    }
    if (theirs != 1) {
        return 14;
    }
    if (m.ptr[len - 1] != 0 || !es_map_damaged(&m) || theirs != 1) {
        return 15;
    }
    es_map_close(&m);
    (void)unlink(path);
    return 0;
}

/* This program again with `mode`, in a process of its own: cmocka puts its own SIGBUS handler in
 * place around every test (and the one before back after it), so the scenarios run outside it. */
static int run_child(const char *mode)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "unit_map", mode, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static void test_shrunk(void **state)
{
    (void)state;
    assert_int_equal(run_child("shrunk"), 0);
}

static void test_foreign_still_kills(void **state)
{
    (void)state;
    int rc = run_child("foreign");
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer handles SIGBUS itself (the handler before eseal's): it reports and exits 1. */
    assert_int_equal(rc, 1);
#else
    assert_int_equal(rc, -SIGBUS);
#endif
}

static void test_chains_to_previous(void **state)
{
    (void)state;
    assert_int_equal(run_child("chain"), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        return strcmp(argv[1], "shrunk") == 0    ? shrunk_child()
               : strcmp(argv[1], "foreign") == 0 ? foreign_child()
               : strcmp(argv[1], "chain") == 0   ? chain_child()
                                                 : 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact),
        cmocka_unit_test(test_shrunk),
        cmocka_unit_test(test_foreign_still_kills),
        cmocka_unit_test(test_chains_to_previous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
