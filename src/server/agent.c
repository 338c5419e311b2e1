/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eseal agent (agent.h has the protocol and the checks): holds the instance's KEK and hands it
 * to processes of its own user that ask on HOME/agent.sock.
 *
 * The KEK lives in one page of its own, mapped anonymous and private, locked (mlock(2): never
 * written to swap), left out of core dumps (MADV_DONTDUMP), and wiped before it is unmapped; the
 * serving process is made undumpable (PR_SET_DUMPABLE 0: no core file, and other processes of
 * the same user cannot ptrace it or read its memory through /proc), as ssh-agent does.
 *
 * The socket: the home must be a directory of the agent's user that nobody else may write to
 * (else another user could swap the socket under it); created with umask 077 and made 0600; a
 * socket left by a dead agent (connect: ECONNREFUSED) is replaced, a live one refused
 * (ESEAL_EEXISTS), anything else at that path is refused and left alone. The agent removes the
 * socket as it exits only while it is still the file it made (same device and inode), and exits
 * by itself when that file is gone or replaced (nobody could reach it any more).
 *
 * Connections are served one at a time, each within ES_AGENT_IO_MS: a client of another uid is
 * closed before anything is read from it (and logged); a slow or silent one is dropped at the
 * deadline. Only a KEK request resets the idle timer: STATUS and STOP do not keep an agent alive.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define AGENT_BACKLOG 16
/* OpenSSL's secure heap of the serving process: the decoded keys of its stamps (a P-256 or SM2
 * key takes well under 1 KiB, an RSA-3072 one a few, with room for a signature's temporaries). */
#define AGENT_SECURE_HEAP (512u * 1024u)
#define STAMP_WATCHED 4 /* the files and folders whose change reopens the stamps' instance */

struct eseal_agent {
    es_kek *kek;       /* in its own locked page (kek_map) */
    void *kek_map;
    size_t kek_map_len;
    es_agent_addr addr;
    int listen_fd;
    int stop_fd;       /* the connection that asked STOP: closed last, as the agent exits */
    dev_t sock_dev;    /* the socket file this agent made */
    ino_t sock_ino;
    unsigned int timeout_s;
    int64_t last_ms;   /* monotonic time of the last KEK request (or of the start) */
    char home[ES_AGENT_LINE_MAX];
    char home_abs[PATH_MAX]; /* the stamps' instance is opened here (the daemon's cwd is "/") */
    eseal_agent_log_fn log;
    void *log_ctx;
    /* Stamps (agent.h, STAMP): one at a time in `stamper`, one thread for the agent's life (what a
     * thread keeps, such as the imprint's compressed memo of pdf_stamp.c, serves the next stamp),
     * in the agent's own instance `inst`, which only that thread touches; reopened when the home
     * changed (`seen`). `job` is handed over under `mu`; `quit` ends the thread once it is idle. */
    atomic_bool busy;
    bool heap_locked; /* the secure heap is locked in memory (else mlock was refused) */
    bool stamper_started;
    pthread_t stamper;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct stamp_job *job;
    bool quit;
    eseal_instance *inst;
    struct stat seen[STAMP_WATCHED];
};

__attribute__((format(printf, 2, 3))) static void logf_(const eseal_agent *ag, const char *fmt, ...)
{
    if (ag->log == NULL) {
        return;
    }
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    ag->log(ag->log_ctx, line);
}

static void kek_free(eseal_agent *ag)
{
    if (ag->kek_map != NULL) {
        es_wipe(ag->kek_map, ag->kek_map_len);
        (void)munlock(ag->kek_map, ag->kek_map_len);
        (void)munmap(ag->kek_map, ag->kek_map_len);
        ag->kek_map = NULL;
        ag->kek = NULL;
    }
}

static ES_RESULT kek_lock(eseal_agent *ag)
{
    ES_ENSURE(mlock(ag->kek_map, ag->kek_map_len) == 0, ESEAL_EIO,
              "eseal agent: cannot lock the key's memory (mlock: %s; see ulimit -l)", strerror(errno));
#ifdef MADV_DONTDUMP
    (void)madvise(ag->kek_map, ag->kek_map_len, MADV_DONTDUMP);
#endif
    return ES_OK;
}

static void agent_free(eseal_agent *ag, bool remove_socket)
{
    if (ag == NULL) {
        return;
    }
    if (ag->stamper_started) {
        (void)pthread_mutex_lock(&ag->mu);
        ag->quit = true;
        (void)pthread_cond_signal(&ag->cv);
        (void)pthread_mutex_unlock(&ag->mu);
        (void)pthread_join(ag->stamper, NULL); /* a stamp under way is finished and answered */
    }
    (void)pthread_cond_destroy(&ag->cv);
    (void)pthread_mutex_destroy(&ag->mu);
    eseal_instance_close(ag->inst);
    kek_free(ag);
    if (ag->listen_fd >= 0) {
        close(ag->listen_fd);
    }
    if (remove_socket && ag->addr.dirfd >= 0) {
        struct stat st;
        if (fstatat(ag->addr.dirfd, ES_AGENT_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
            st.st_dev == ag->sock_dev && st.st_ino == ag->sock_ino) {
            (void)unlinkat(ag->addr.dirfd, ES_AGENT_SOCKET, 0);
        }
    }
    es_agent_addr_close(&ag->addr);
    if (ag->stop_fd >= 0) {
        close(ag->stop_fd); /* last: its client takes the end of the stream for the end of the agent */
    }
    es_wipe(ag, sizeof(*ag));
    es_free(ag);
}

void eseal_agent_close(eseal_agent *ag) { agent_free(ag, true); }

void eseal_agent_forget(eseal_agent *ag) { agent_free(ag, false); }

/* The home: a directory of this user that nobody else can write to. */
static ES_RESULT check_home(const eseal_agent *ag)
{
    struct stat st;
    ES_ENSURE(fstat(ag->addr.dirfd, &st) == 0, ESEAL_EIO, "eseal agent: stat %s: %s", ag->home, strerror(errno));
    ES_ENSURE(st.st_uid == geteuid(), ESEAL_EDENIED, "eseal agent: the home %s belongs to uid %u, not to this user",
              ag->home, (unsigned)st.st_uid);
    ES_ENSURE((st.st_mode & (S_IWGRP | S_IWOTH)) == 0, ESEAL_EDENIED,
              "eseal agent: the home %s may be written by others (mode %03o): make it 0700", ag->home,
              (unsigned)(st.st_mode & 0777));
    return ES_OK;
}

/* Clears the way for the socket: nothing there, or a dead agent's socket (removed). */
static ES_RESULT clear_socket_path(const eseal_agent *ag)
{
    struct stat st;
    if (fstatat(ag->addr.dirfd, ES_AGENT_SOCKET, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        ES_ENSURE(errno == ENOENT, ESEAL_EIO, "eseal agent: stat %s/%s: %s", ag->home, ES_AGENT_SOCKET,
                  strerror(errno));
        return ES_OK;
    }
    ES_ENSURE(S_ISSOCK(st.st_mode), ESEAL_EEXISTS,
              "eseal agent: %s/%s exists and is not a socket: not touched (remove it yourself)", ag->home,
              ES_AGENT_SOCKET);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "eseal agent: socket: %s", strerror(errno));
    int rc = connect(fd, (const struct sockaddr *)&ag->addr.sa, ag->addr.len);
    int err = errno;
    close(fd);
    ES_ENSURE(rc != 0, ESEAL_EEXISTS, "an eseal agent already runs for %s (eseal agent status)", ag->home);
    ES_ENSURE(err == ECONNREFUSED, ESEAL_EIO, "eseal agent: cannot tell whether %s/%s is in use: %s", ag->home,
              ES_AGENT_SOCKET, strerror(err));
    /* Nobody listens: the socket of an agent that died. */
    ES_ENSURE(unlinkat(ag->addr.dirfd, ES_AGENT_SOCKET, 0) == 0 || errno == ENOENT, ESEAL_EIO,
              "eseal agent: cannot remove the dead socket %s/%s: %s", ag->home, ES_AGENT_SOCKET, strerror(errno));
    return ES_OK;
}

static ES_RESULT agent_listen(eseal_agent *ag)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "eseal agent: socket: %s", strerror(errno));
    ag->listen_fd = fd;
    mode_t old = umask(077);
    int rc = bind(fd, (const struct sockaddr *)&ag->addr.sa, ag->addr.len);
    int err = errno;
    (void)umask(old);
    ES_ENSURE(rc == 0, err == EADDRINUSE ? ESEAL_EEXISTS : ESEAL_EIO, "eseal agent: cannot bind %s/%s: %s", ag->home,
              ES_AGENT_SOCKET, strerror(err));
    struct stat st;
    ES_ENSURE(fstatat(ag->addr.dirfd, ES_AGENT_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode),
              ESEAL_EIO, "eseal agent: the socket %s/%s vanished as it was made", ag->home, ES_AGENT_SOCKET);
    ag->sock_dev = st.st_dev;
    ag->sock_ino = st.st_ino;
    ES_ENSURE(fchmodat(ag->addr.dirfd, ES_AGENT_SOCKET, 0600, 0) == 0, ESEAL_EIO, "eseal agent: chmod %s/%s: %s",
              ag->home, ES_AGENT_SOCKET, strerror(errno));
    ES_ENSURE(listen(fd, AGENT_BACKLOG) == 0, ESEAL_EIO, "eseal agent: listen: %s", strerror(errno));
    return ES_OK;
}

static ES_RESULT agent_open(eseal_agent **out, eseal_instance *inst, unsigned int timeout_s)
{
    ES_ENSURE_ARG(out != NULL && inst != NULL);
    ES_ENSURE(timeout_s <= ES_AGENT_MAX_TIMEOUT_S, ESEAL_EINVAL, "eseal agent: an idle timeout of at most %u seconds",
              ES_AGENT_MAX_TIMEOUT_S);
    size_t hl = strlen(inst->home);
    ES_ENSURE(hl < ES_AGENT_LINE_MAX, ESEAL_ELIMIT, "eseal agent: the home path is longer than %d bytes",
              ES_AGENT_LINE_MAX - 1);
    eseal_agent *ag = es_calloc(1, sizeof(*ag));
    ES_ENSURE_ALLOC(ag);
    ag->listen_fd = -1;
    ag->stop_fd = -1;
    ag->addr.dirfd = -1;
    ag->timeout_s = timeout_s;
    memcpy(ag->home, inst->home, hl + 1);
    atomic_init(&ag->busy, false);
    if (pthread_mutex_init(&ag->mu, NULL) != 0 || pthread_cond_init(&ag->cv, NULL) != 0) {
        es_free(ag); /* nothing else is held yet */
        ES_BAIL(ESEAL_ENOMEM, "eseal agent: cannot make its stamper's lock");
    }
    if (realpath(inst->home, ag->home_abs) == NULL) {
        (void)snprintf(ag->home_abs, sizeof(ag->home_abs), "%s", inst->home);
    }
    es_result r = es_agent_addr_of(&ag->addr, ag->home);
    if (es_ok(r)) {
        r = check_home(ag);
    }
    if (es_ok(r)) {
        long pg = sysconf(_SC_PAGESIZE);
        ag->kek_map_len = pg > 0 ? (size_t)pg : 4096;
        void *m = mmap(NULL, ag->kek_map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "eseal agent: mmap: %s", strerror(errno));
        } else {
            ag->kek_map = m;
            ag->kek = m;
            r = kek_lock(ag);
        }
    }
    if (es_ok(r)) {
        /* The one derivation of this agent's life (none when the instance already has the KEK). */
        r = es_instance_kek(inst, ag->kek);
    }
    if (es_ok(r)) {
        r = clear_socket_path(ag);
    }
    if (es_ok(r)) {
        r = agent_listen(ag);
    }
    if (!es_ok(r)) {
        /* A socket bound before a later failure is this agent's: removed (agent_free checks the inode). */
        agent_free(ag, ag->sock_ino != 0);
        return r;
    }
    ag->last_ms = es_agent_mono_ms();
    *out = ag;
    return ES_OK;
}

int eseal_agent_open(eseal_agent **out, eseal_instance *inst, unsigned int idle_timeout_s)
{
    if (out == NULL || inst == NULL) {
        ES_BAIL_ARG("out == NULL || inst == NULL");
    }
    *out = NULL;
    return ES_PUBLIC(agent_open(out, inst, idle_timeout_s));
}

int eseal_agent_prepare(eseal_agent *ag)
{
    if (ag == NULL || ag->kek_map == NULL) {
        ES_BAIL_ARG("ag == NULL");
    }
    /* Memory locks are not inherited by a child of fork(2): locked again in the serving process. */
    es_result r = kek_lock(ag);
    if (!es_ok(r)) {
        return es_code(r);
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        ES_BAIL_INT(ESEAL_EIO, "eseal agent: prctl(PR_SET_DUMPABLE): %s", strerror(errno));
    }
    struct rlimit no_core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &no_core);
    /* The private keys its stamps decode go to OpenSSL's secure heap: locked, undumped. */
    r = es_secure_heap_init(AGENT_SECURE_HEAP, &ag->heap_locked);
    if (!es_ok(r)) {
        return es_code(r);
    }
    ag->last_ms = es_agent_mono_ms();
    return ESEAL_OK;
}

static unsigned int seconds_left(const eseal_agent *ag, int64_t now)
{
    if (ag->timeout_s == 0) {
        return 0;
    }
    int64_t end = ag->last_ms + (int64_t)ag->timeout_s * 1000;
    return end > now ? (unsigned int)((end - now + 999) / 1000) : 0;
}



/* ---- STAMP: a stamp in the agent's warm instance ---------------------------------------------- */

typedef struct stamp_job {
    eseal_agent *ag;
    int cfd;    /* the client's connection: answered and closed by the stamper */
    int cwd;    /* the client's working directory */
    pid_t pid;
    es_agent_stamp_req req;
} stamp_job;

static void stamp_job_free(stamp_job *j)
{
    if (j == NULL) {
        return;
    }
    if (j->cfd >= 0) {
        close(j->cfd);
    }
    if (j->cwd >= 0) {
        close(j->cwd);
    }
    es_agent_stamp_req_free(&j->req);
    es_free(j);
}

/* Whether `a` and `b` are the same file. */
static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The instance the stamps use: opened once and kept warm; opened again when eseal.conf or
 * keys/kdf.params changed since (an edited configuration, `eseal passwd`), or the folders keys/
 * (a certificate issued or renewed: its key file) and crl/ (a revocation publishes a CRL there), so
 * that its own TSA's timestamper and trust are made again from what is now in the home. ESEAL_EPASS
 * when the KEK no longer opens the keys. */
static ES_RESULT stamp_instance(eseal_agent *ag)
{
    static const char *const watched[STAMP_WATCHED] = {"eseal.conf", "keys/kdf.params", "keys", "crl"};
    struct stat now[STAMP_WATCHED];
    memset(now, 0, sizeof(now));
    bool same = ag->inst != NULL;
    for (size_t i = 0; i < STAMP_WATCHED; i++) {
        (void)fstatat(ag->addr.dirfd, watched[i], &now[i], 0); /* missing: all zero, compared as such */
        same = same && same_file(&now[i], &ag->seen[i]);
    }
    if (same) {
        return ES_OK;
    }
    eseal_instance_close(ag->inst);
    ag->inst = NULL;
    eseal_instance *inst = NULL;
    ES_GUARD(es_from_code(eseal_instance_open(&inst, ag->home_abs)));
    es_result r = es_instance_set_kek(inst, ag->kek);
    if (!es_ok(r)) {
        eseal_instance_close(inst);
        return r;
    }
    ag->inst = inst;
    memcpy(ag->seen, now, sizeof(now));
    logf_(ag, "opened its instance %s for stamps", ag->home_abs);
    return ES_OK;
}

static void stamp_answer(stamp_job *j, const char *line, size_t n)
{
    es_result r = es_agent_write_all(j->cfd, line, n, ES_AGENT_IO_MS);
    if (!es_ok(r)) {
        logf_(j->ag, "pid %ld: the stamp's answer was not delivered: %s", (long)j->pid, eseal_error_last()->message);
    }
}

static void stamp_refuse(stamp_job *j, const char *why)
{
    char line[ES_AGENT_LINE_MAX];
    int n = snprintf(line, sizeof(line), "%s ERR %s\n", ES_AGENT_PROTO, why);
    if (n > 0 && (size_t)n < sizeof(line)) {
        stamp_answer(j, line, (size_t)n);
    }
}

/* READY, then the request's JSON line (within ES_AGENT_IO_MS, at most ES_AGENT_REQUEST_MAX). */
static ES_RESULT stamp_read(stamp_job *j)
{
    static const char ready[] = ES_AGENT_PROTO " OK READY\n";
    static const char prefix[] = ES_AGENT_PROTO " STAMP ";
    ES_GUARD(es_agent_write_all(j->cfd, ready, sizeof(ready) - 1, ES_AGENT_IO_MS));
    ES_AUTO(es_freep) char *line = es_malloc(ES_AGENT_REQUEST_MAX);
    ES_ENSURE_ALLOC(line);
    size_t len = 0;
    ES_GUARD(es_agent_read_line(j->cfd, line, ES_AGENT_REQUEST_MAX, ES_AGENT_IO_MS, &len));
    ES_ENSURE(es_str_starts(line, prefix), ESEAL_EMALFORMED, "eseal agent: not a STAMP request line");
    return es_agent_stamp_request_parse(&j->req, line + sizeof(prefix) - 1, len - (sizeof(prefix) - 1));
}

/* The stamp itself, in the client's working directory and under its umask. */
static void stamp_run(stamp_job *j)
{
    eseal_agent *ag = j->ag;
    es_result r = stamp_read(j);
    if (!es_ok(r)) {
        char why[ES_AGENT_LINE_MAX - 40];
        (void)snprintf(why, sizeof(why), "request: %s", eseal_error_last()->message);
        logf_(ag, "pid %ld: no stamp: %s", (long)j->pid, why);
        stamp_refuse(j, why);
        return;
    }
    r = stamp_instance(ag);
    if (!es_ok(r)) {
        logf_(ag, "pid %ld: no stamp: %s", (long)j->pid, eseal_error_last()->message);
        stamp_refuse(j, es_code(r) == ESEAL_EPASS ? "keys: the agent's key no longer opens this instance"
                                                  : "instance: the agent cannot open its instance");
        return;
    }
    int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (back < 0 || fchdir(j->cwd) != 0) {
        logf_(ag, "pid %ld: no stamp: cannot enter its working directory: %s", (long)j->pid, strerror(errno));
        stamp_refuse(j, "cwd: cannot enter the client's working directory");
        if (back >= 0) {
            close(back);
        }
        return;
    }
    mode_t old_umask = umask((mode_t)j->req.umask_bits);
    es_agent_stamp_principal(&j->req);
    eseal_stamp_result res;
    memset(&res, 0, sizeof(res));
    res.log_index = -1;
    int code = eseal_instance_stamp_pdf(ag->inst, &res, j->req.in_path, j->req.out_path, &j->req.q);
    char msg[1024];
    (void)snprintf(msg, sizeof(msg), "%s", code == ESEAL_OK ? "" : eseal_error_last()->message);
    eseal_buf rcpt = ESEAL_BUF_INIT;
    int rcode = ESEAL_OK;
    char rmsg[1024] = "";
    if (code == ESEAL_OK && j->req.receipt && !res.skipped) {
        rcode = eseal_instance_stamp_receipt(ag->inst, &rcpt, res.serial);
        if (rcode != ESEAL_OK) {
            (void)snprintf(rmsg, sizeof(rmsg), "%s", eseal_error_last()->message);
        }
    }
    (void)umask(old_umask);
    if (fchdir(back) != 0) {
        logf_(ag, "cannot return to its own directory: %s", strerror(errno));
    }
    close(back);
    if (code == ESEAL_OK) {
        logf_(ag, "pid %ld: %s %s (audit entry %lld)", (long)j->pid, res.skipped ? "skipped" : "stamped",
              res.skipped ? j->req.out_path : res.serial, (long long)res.log_index);
    } else {
        logf_(ag, "pid %ld: stamp failed: %s", (long)j->pid, msg);
    }
    es_buf line = ES_BUF_INIT(ES_AGENT_REQUEST_MAX);
    r = es_buf_append_str(&line, ES_AGENT_PROTO " OK STAMP ");
    if (es_ok(r)) {
        r = es_agent_stamp_answer_json(&line, code, msg, &res, rcode, rmsg,
                                       es_span_of(rcpt.ptr, rcode == ESEAL_OK ? rcpt.size : 0));
    }
    if (es_ok(r)) {
        r = es_buf_append_byte(&line, '\n');
    }
    if (es_ok(r)) {
        stamp_answer(j, (const char *)line.ptr, line.len);
    } else {
        /* Attempted but not describable (a receipt too large for a line, no memory): the client
         * says so and does not stamp again. */
        logf_(ag, "pid %ld: the stamp's answer could not be made: %s", (long)j->pid, eseal_error_last()->message);
    }
    es_buf_free(&line);
    eseal_buf_dispose(&rcpt);
}

/* The stamper: takes each job as it is handed over, until `quit` with none waiting. */
static void *stamp_thread(void *arg)
{
    eseal_agent *ag = arg;
    for (;;) {
        (void)pthread_mutex_lock(&ag->mu);
        while (!ag->quit && ag->job == NULL) {
            (void)pthread_cond_wait(&ag->cv, &ag->mu);
        }
        stamp_job *j = ag->job;
        ag->job = NULL;
        (void)pthread_mutex_unlock(&ag->mu);
        if (j == NULL) {
            return NULL; /* quit */
        }
        stamp_run(j);
        stamp_job_free(j);
        /* An idle agent gives back what a large stamp's parse took (glibc keeps freed memory). */
        (void)malloc_trim(0);
        atomic_store(&ag->busy, false);
    }
}

/* Whether descriptor fd is the same file as path (the client's root, its mount namespace). */
static bool same_as(int fd, const char *path)
{
    struct stat a;
    struct stat b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A STAMP request, with the descriptors it brought (closed here). Returns true when a stamper took
 * the connection (it says READY, reads the request, stamps, answers and closes); false when `ans`
 * holds the refusal to send. The stamper is reserved here (busy) so that a second client is told
 * at once, before it sends its request. */
static bool stamp_start(eseal_agent *ag, int cfd, pid_t pid, int *fds, size_t nfds, char *ans, size_t cap)
{
    bool taken = false;
    if (nfds != ES_AGENT_STAMP_FDS) {
        (void)snprintf(ans, cap, "%s ERR descriptors: a stamp needs its working directory, root and namespace\n",
                       ES_AGENT_PROTO);
    } else if (!same_as(fds[1], "/") || !same_as(fds[2], "/proc/self/ns/mnt")) {
        (void)snprintf(ans, cap, "%s ERR elsewhere: another root or mount namespace than the agent's\n",
                       ES_AGENT_PROTO);
    } else if (atomic_exchange(&ag->busy, true)) {
        (void)snprintf(ans, cap, "%s ERR busy: another stamp is being made\n", ES_AGENT_PROTO);
    } else {
        stamp_job *j = es_calloc(1, sizeof(*j));
        if (j == NULL) {
            (void)snprintf(ans, cap, "%s ERR busy: no memory for the stamp\n", ES_AGENT_PROTO);
            atomic_store(&ag->busy, false);
        } else {
            j->ag = ag;
            j->cfd = cfd;
            j->cwd = fds[0];
            fds[0] = -1;
            j->pid = pid;
            if (!ag->stamper_started && pthread_create(&ag->stamper, NULL, stamp_thread, ag) == 0) {
                ag->stamper_started = true;
            }
            if (ag->stamper_started) {
                (void)pthread_mutex_lock(&ag->mu);
                ag->job = j; /* busy was false: the stamper is idle and the slot empty */
                (void)pthread_cond_signal(&ag->cv);
                (void)pthread_mutex_unlock(&ag->mu);
                taken = true;
            } else {
                j->cfd = -1;
                stamp_job_free(j);
                atomic_store(&ag->busy, false);
                (void)snprintf(ans, cap, "%s ERR busy: no thread for the stamp\n", ES_AGENT_PROTO);
            }
        }
    }
    for (size_t i = 0; i < nfds; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    return taken;
}

/* Answers one connection. *stop set for a STOP request (the connection is then kept in stop_fd). */
static void serve_one(eseal_agent *ag, int cfd, bool *stop)
{
    uid_t uid = 0;
    pid_t pid = 0;
    es_result r = es_agent_peer(cfd, &uid, &pid);
    if (!es_ok(r)) {
        logf_(ag, "a connection without credentials: closed (%s)", eseal_error_last()->message);
        close(cfd);
        return;
    }
    if (uid != geteuid()) {
        logf_(ag, "refused a connection from uid %u (pid %ld): not the agent's user (uid %u); closed unanswered",
              (unsigned)uid, (long)pid, (unsigned)geteuid());
        close(cfd);
        return;
    }
    char req[ES_AGENT_LINE_MAX];
    size_t len = 0;
    int fds[ES_AGENT_STAMP_FDS];
    size_t nfds = 0;
    r = es_agent_read_request(cfd, req, sizeof(req), ES_AGENT_IO_MS, &len, fds, ES_AGENT_STAMP_FDS, &nfds);
    if (!es_ok(r)) {
        logf_(ag, "pid %ld: request dropped: %s", (long)pid, eseal_error_last()->message);
        for (size_t i = 0; i < nfds; i++) {
            close(fds[i]);
        }
        close(cfd);
        return;
    }
    /* The KEK answer: 256 bytes hold it (agent.h); wiped below whatever happens. */
    char ans[ES_AGENT_LINE_MAX];
    int n = 0;
    int64_t now = es_agent_mono_ms();
    if (strcmp(req, ES_AGENT_PROTO " STAMP") == 0) {
        ag->last_ms = now; /* a stamp is a use of the keys */
        if (stamp_start(ag, cfd, pid, fds, nfds, ans, sizeof(ans))) {
            return;
        }
        n = (int)strlen(ans);
        nfds = 0;
    } else if (!es_str_starts(req, ES_AGENT_PROTO " ")) {
        n = snprintf(ans, sizeof(ans), "%s ERR version: this agent speaks %s\n", ES_AGENT_PROTO, ES_AGENT_PROTO);
    } else if (strcmp(req, ES_AGENT_PROTO " KEK") == 0) {
        char salt[2 * ES_KEK_SALT + 1];
        char key[2 * sizeof(ag->kek->key) + 1];
        es_hex_lower(salt, ag->kek->salt, sizeof(ag->kek->salt));
        es_hex_lower(key, ag->kek->key, sizeof(ag->kek->key));
        n = snprintf(ans, sizeof(ans), "%s OK KEK salt=%s n=%llu r=%lu p=%lu key=%s\n", ES_AGENT_PROTO, salt,
                     (unsigned long long)ag->kek->n, (unsigned long)ag->kek->r, (unsigned long)ag->kek->p, key);
        es_wipe(key, sizeof(key));
        ag->last_ms = now;
    } else if (strcmp(req, ES_AGENT_PROTO " STATUS") == 0) {
        n = snprintf(ans, sizeof(ans), "%s OK STATUS pid=%ld timeout=%u left=%u\n", ES_AGENT_PROTO, (long)getpid(),
                     ag->timeout_s, seconds_left(ag, now));
    } else if (strcmp(req, ES_AGENT_PROTO " STOP") == 0) {
        n = snprintf(ans, sizeof(ans), "%s OK STOP\n", ES_AGENT_PROTO);
        *stop = true;
    } else {
        n = snprintf(ans, sizeof(ans), "%s ERR unknown request\n", ES_AGENT_PROTO);
    }
    if (n > 0 && (size_t)n < sizeof(ans)) {
        r = es_agent_write_all(cfd, ans, (size_t)n, ES_AGENT_IO_MS);
        if (!es_ok(r)) {
            logf_(ag, "pid %ld: answer not delivered: %s", (long)pid, eseal_error_last()->message);
        }
    }
    es_wipe(ans, sizeof(ans));
    for (size_t i = 0; i < nfds; i++) {
        close(fds[i]); /* only a STAMP brings descriptors */
    }
    if (*stop) {
        logf_(ag, "stop asked by pid %ld", (long)pid);
        ag->stop_fd = cfd;
    } else {
        close(cfd);
    }
}

/* Whether HOME/agent.sock is still the socket this agent made. */
static bool socket_in_place(const eseal_agent *ag)
{
    struct stat st;
    return fstatat(ag->addr.dirfd, ES_AGENT_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
           st.st_dev == ag->sock_dev && st.st_ino == ag->sock_ino;
}

int eseal_agent_serve(eseal_agent *ag, const volatile sig_atomic_t *stop, eseal_agent_log_fn log, void *log_ctx)
{
    if (ag == NULL || ag->kek == NULL || ag->listen_fd < 0) {
        ES_BAIL_ARG("ag == NULL");
    }
    ag->log = log;
    ag->log_ctx = log_ctx;
    logf_(ag, "pid %ld listening on %s/%s, idle timeout %u s%s; keys decoded for stamps in a secure heap of %u KiB%s",
          (long)getpid(), ag->home, ES_AGENT_SOCKET, ag->timeout_s, ag->timeout_s == 0 ? " (none)" : "",
          AGENT_SECURE_HEAP / 1024, ag->heap_locked ? "" : " (not locked: mlock refused, see ulimit -l)");
    bool stopping = false;
    while (!stopping) {
        if (stop != NULL && *stop != 0) {
            logf_(ag, "stopped by a signal");
            break;
        }
        int64_t now = es_agent_mono_ms();
        int wait = ES_AGENT_TICK_MS;
        if (ag->timeout_s != 0) {
            int64_t left = ag->last_ms + (int64_t)ag->timeout_s * 1000 - now;
            if (atomic_load(&ag->busy)) {
                left = ag->timeout_s * 1000LL; /* a stamp under way is a use: counted from its end */
                ag->last_ms = now;
            }
            if (left <= 0) {
                logf_(ag, "idle for %u s: the key is forgotten", ag->timeout_s);
                break;
            }
            if (left < wait) {
                wait = (int)left;
            }
        }
        if (!socket_in_place(ag)) {
            logf_(ag, "%s/%s was removed or replaced: nobody can reach this agent, exiting", ag->home,
                  ES_AGENT_SOCKET);
            break;
        }
        struct pollfd p = {.fd = ag->listen_fd, .events = POLLIN};
        int pr = poll(&p, 1, wait);
        if (pr < 0 && errno != EINTR) {
            logf_(ag, "poll: %s", strerror(errno));
            ES_BAIL_INT(ESEAL_EIO, "eseal agent: poll: %s", strerror(errno));
        }
        if (pr <= 0) {
            continue;
        }
        int cfd = accept4(ag->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            continue; /* EINTR, ECONNABORTED, EMFILE for a moment: the next tick tries again */
        }
        serve_one(ag, cfd, &stopping);
    }
    return ESEAL_OK;
}
