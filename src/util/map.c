/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only file mappings that survive the file shrinking under them (util.h, es_map).
 *
 * A page of a mapping past the end of its file faults with SIGBUS, and the default action kills
 * the process: a PDF truncated by another program while it is stamped would take a server down.
 * So the first mapping installs a SIGBUS handler (the technique of systemd's sd-journal): a fault
 * inside one of the mappings registered here is answered by putting an anonymous zero page over the
 * faulting page and marking that mapping damaged; the access is retried and reads zeros, and
 * es_map_check reports the damage afterwards, so nothing read from a damaged mapping is used. Any
 * other SIGBUS goes to the handler that was there before (or kills the process as it would have).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* At most this many mappings at once in a process (a server's workers each map one input); past
 * that es_map_fd says ESEAL_EUNSUPPORTED and the caller reads the file instead. */
#define MAP_SLOTS 256

typedef struct {
    atomic_uintptr_t start; /* 0: the slot is free */
    atomic_size_t len;
    atomic_int damaged;
} map_slot;

static map_slot slots[MAP_SLOTS];
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static bool install_failed;
static atomic_ulong sigbus_repaired;
static uintptr_t page_size; /* read once, before the handler is installed */

unsigned long es_map_repaired_count(void) { return atomic_load(&sigbus_repaired); }

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    uintptr_t a = (uintptr_t)si->si_addr;
    if (si->si_code > 0) { /* a fault, not a kill(2) */
        for (size_t i = 0; i < MAP_SLOTS; i++) {
            uintptr_t s = atomic_load(&slots[i].start);
            if (s != 0 && a >= s && a - s < atomic_load(&slots[i].len)) {
                uintptr_t page = a & ~(page_size - 1);
                void *p = mmap((void *)page, (size_t)page_size, PROT_READ,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                if (p != MAP_FAILED) {
                    atomic_store(&slots[i].damaged, 1);
                    atomic_fetch_add(&sigbus_repaired, 1);
                    errno = saved;
                    return;
                }
                break;
            }
        }
    }
    /* Not ours: whoever handled SIGBUS before, or the default action. */
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction != NULL) {
        previous.sa_sigaction(sig, si, uc);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
    } else {
        /* Back to the default: a fault happens again on return and kills as it would have; a SIGBUS
         * sent by kill(2) is sent again. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        (void)sigaction(SIGBUS, &dfl, NULL);
        if (si->si_code <= 0) {
            (void)raise(SIGBUS);
        }
    }
    errno = saved;
}

static void install(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    page_size = ps > 0 ? (uintptr_t)ps : 4096;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    (void)sigemptyset(&sa.sa_mask);
    install_failed = sigaction(SIGBUS, &sa, &previous) != 0;
}

ES_RESULT es_map_fd(es_map *m, int fd, size_t len)
{
    memset(m, 0, sizeof(*m));
    ES_ENSURE(len > 0, ESEAL_EUNSUPPORTED, "map: an empty file");
    (void)pthread_once(&installed, install);
    ES_ENSURE(!install_failed, ESEAL_EUNSUPPORTED, "map: no SIGBUS handler");
    size_t i = 0;
    for (; i < MAP_SLOTS; i++) {
        uintptr_t free_mark = 0;
        /* Claimed with a placeholder address no fault has: the real one is stored once mapped. */
        if (atomic_compare_exchange_strong(&slots[i].start, &free_mark, (uintptr_t)1)) {
            break;
        }
    }
    ES_ENSURE(i < MAP_SLOTS, ESEAL_EUNSUPPORTED, "map: %d files are mapped already", MAP_SLOTS);
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        atomic_store(&slots[i].start, 0);
        ES_BAIL(ESEAL_EUNSUPPORTED, "map: %s", strerror(e));
    }
    atomic_store(&slots[i].damaged, 0);
    atomic_store(&slots[i].len, len);
    atomic_store(&slots[i].start, (uintptr_t)p);
    m->ptr = p;
    m->len = len;
    m->slot = (int)i;
    return ES_OK;
}

bool es_map_damaged(const es_map *m)
{
    return m->ptr != NULL && atomic_load(&slots[m->slot].damaged) != 0;
}

ES_RESULT es_map_check(const es_map *m, const char *what)
{
    ES_ENSURE(!es_map_damaged(m), ESEAL_EIO,
              "%s changed while it was read (it is shorter than when it was opened): nothing read from it is used",
              what);
    return ES_OK;
}

void es_map_release(const es_map *m, size_t off, size_t len)
{
    if (m->ptr == NULL || off >= m->len || page_size == 0) {
        return;
    }
    len = len < m->len - off ? len : m->len - off;
    uintptr_t a = (uintptr_t)m->ptr + off, z = a + len;
    a = (a + page_size - 1) & ~(page_size - 1);
    z &= ~(page_size - 1);
    if (z > a) {
        (void)madvise((void *)a, z - a, MADV_DONTNEED);
    }
}

void es_map_close(es_map *m)
{
    if (m->ptr != NULL) {
        /* Unregistered first: once unmapped, the addresses may be another mapping's, whose faults are not ours. */
        atomic_store(&slots[m->slot].start, 0);
        atomic_store(&slots[m->slot].len, 0);
        (void)munmap((void *)(uintptr_t)m->ptr, m->len);
    }
    memset(m, 0, sizeof(*m));
}

/* ---- the public face (eseal/common.h) -------------------------------------- */

int eseal_file_map(eseal_mapped_file *out, const char *path, size_t max)
{
    if (out == NULL || path == NULL) {
        ES_BAIL_ARG("out == NULL || path == NULL");
    }
    memset(out, 0, sizeof(*out));
    int fd = -1;
    struct stat st;
    es_result r = es_open_regular(&fd, &st, path, true);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_map m;
    if ((uint64_t)st.st_size > (uint64_t)max) {
        r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "%s is %lld bytes, more than the limit of %zu", path,
                         (long long)st.st_size, max);
    } else {
        r = es_map_fd(&m, fd, (size_t)st.st_size); /* the mapping holds the file; the descriptor can go */
    }
    (void)close(fd);
    if (!es_ok(r)) {
        return es_code(r);
    }
    out->ptr = m.ptr;
    out->size = m.len;
    out->slot_ = m.slot;
    return ESEAL_OK;
}

static es_map internal_of(const eseal_mapped_file *m) { return (es_map){m->ptr, m->size, m->slot_}; }

int eseal_mapped_file_check(const eseal_mapped_file *m)
{
    if (m == NULL) {
        ES_BAIL_ARG("m == NULL");
    }
    es_map im = internal_of(m);
    return es_code(es_map_check(&im, "the file"));
}

void eseal_mapped_file_dispose(eseal_mapped_file *m)
{
    if (m != NULL) {
        es_map im = internal_of(m);
        es_map_close(&im);
        memset(m, 0, sizeof(*m));
    }
}
