/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The clients of eseal agent (agent.h has the protocol): eseal_instance_use_agent (every CLI
 * command that needs its keys tries it before asking for a passphrase), eseal_agent_status and
 * eseal_agent_stop; and the pieces the agent shares with them (its address, bounded line I/O, the
 * peer's credentials).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "util/versions.h"

/* How long eseal_agent_stop waits for the agent to be gone after it said OK. */
#define AGENT_STOP_WAIT_MS 5000

ES_RESULT es_agent_addr_of(es_agent_addr *a, const char *home)
{
    ES_ENSURE_ARG(a != NULL && home != NULL);
    memset(a, 0, sizeof(*a));
    a->dirfd = -1;
    a->sa.sun_family = AF_UNIX;
    int fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ES_ENSURE(fd >= 0, errno == ENOENT ? ESEAL_ENOTFOUND : ESEAL_EIO, "cannot open the home %s: %s", home,
              strerror(errno));
    a->dirfd = fd;
    int n = snprintf(a->sa.sun_path, sizeof(a->sa.sun_path), "%s/%s", home, ES_AGENT_SOCKET);
    if (n < 0 || (size_t)n >= sizeof(a->sa.sun_path)) {
        /* unix(7): sun_path holds 108 bytes; a deeper home is reached through its descriptor. */
        n = snprintf(a->sa.sun_path, sizeof(a->sa.sun_path), "/proc/self/fd/%d/%s", fd, ES_AGENT_SOCKET);
    }
    a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
    return ES_OK;
}

void es_agent_addr_close(es_agent_addr *a)
{
    if (a != NULL && a->dirfd >= 0) {
        close(a->dirfd);
        a->dirfd = -1;
    }
}

int64_t es_agent_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for `events` before `deadline` (monotonic ms). */
static ES_RESULT wait_fd(int fd, short events, int64_t deadline, const char *what)
{
    for (;;) {
        int64_t left = deadline - es_agent_mono_ms();
        ES_ENSURE(left > 0, ESEAL_EIO, "eseal agent: no %s within %d ms", what, ES_AGENT_IO_MS);
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        ES_ENSURE(r >= 0, ESEAL_EIO, "eseal agent: poll: %s", strerror(errno));
        if (r > 0) {
            return ES_OK;
        }
    }
}

/* The descriptors of one recvmsg: kept in fds[] up to max_fds, the others closed. */
static void take_fds(struct msghdr *m, int *fds, size_t max_fds, size_t *nfds)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (fds != NULL && *nfds < max_fds) {
                fds[(*nfds)++] = got;
            } else {
                close(got);
            }
        }
    }
}

ES_RESULT es_agent_read_request(int fd, char *buf, size_t cap, int timeout_ms, size_t *len, int *fds, size_t max_fds,
                                size_t *nfds)
{
    ES_ENSURE_ARG(buf != NULL && cap > 1 && len != NULL && nfds != NULL && max_fds <= ES_AGENT_STAMP_FDS);
    *nfds = 0;
    int64_t deadline = es_agent_mono_ms() + timeout_ms;
    size_t n = 0;
    for (;;) {
        ES_GUARD(wait_fd(fd, POLLIN, deadline, "line"));
        union {
            struct cmsghdr h;
            char space[CMSG_SPACE(ES_AGENT_STAMP_FDS * sizeof(int))];
        } ctl;
        struct iovec iov = {buf + n, cap - 1 - n};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                           .msg_controllen = sizeof(ctl.space)};
        ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            continue;
        }
        ES_ENSURE(r >= 0, ESEAL_EIO, "eseal agent: reading: %s", strerror(errno));
        take_fds(&m, fds, max_fds, nfds);
        ES_ENSURE((m.msg_flags & MSG_CTRUNC) == 0, ESEAL_EMALFORMED, "eseal agent: too many descriptors");
        ES_ENSURE(r > 0, ESEAL_EIO, "eseal agent: the other end closed before a whole line");
        char *nl = memchr(buf + n, '\n', (size_t)r);
        n += (size_t)r;
        if (nl != NULL) {
            ES_ENSURE(nl == buf + n - 1, ESEAL_EMALFORMED, "eseal agent: more than one line");
            *nl = '\0';
            *len = (size_t)(nl - buf);
            return ES_OK;
        }
        ES_ENSURE(n < cap - 1, ESEAL_ELIMIT, "eseal agent: a line longer than %zu bytes", cap - 1);
    }
}

ES_RESULT es_agent_read_line(int fd, char *buf, size_t cap, int timeout_ms, size_t *len)
{
    size_t nfds = 0;
    return es_agent_read_request(fd, buf, cap, timeout_ms, len, NULL, 0, &nfds);
}

ES_RESULT es_agent_write_all(int fd, const char *p, size_t n, int timeout_ms)
{
    int64_t deadline = es_agent_mono_ms() + timeout_ms;
    while (n > 0) {
        ES_GUARD(wait_fd(fd, POLLOUT, deadline, "room to write"));
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            continue;
        }
        ES_ENSURE(w > 0, ESEAL_EIO, "eseal agent: writing: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return ES_OK;
}

ES_RESULT es_agent_peer(int fd, uid_t *uid, pid_t *pid)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);
    ES_ENSURE(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && len == sizeof(cr), ESEAL_EIO,
              "eseal agent: SO_PEERCRED: %s", strerror(errno));
    *uid = cr.uid;
    *pid = cr.pid;
    return ES_OK;
}

/* Connects to the agent of `home` and checks that it runs as this process's user. */
static ES_RESULT agent_connect(const char *home, int *out)
{
    es_agent_addr a;
    ES_GUARD(es_agent_addr_of(&a, home));
    struct stat st;
    if (fstatat(a.dirfd, ES_AGENT_SOCKET, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(st.st_mode)) {
        es_agent_addr_close(&a);
        ES_BAIL(ESEAL_ENOTFOUND, "no eseal agent runs for %s", home);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        es_agent_addr_close(&a);
        ES_BAIL(ESEAL_EIO, "eseal agent: socket: %s", strerror(errno));
    }
    int rc = connect(fd, (const struct sockaddr *)&a.sa, a.len);
    int err = errno;
    es_agent_addr_close(&a);
    if (rc != 0) {
        close(fd);
        /* ECONNREFUSED: a socket left by an agent that died; ENOENT: removed meanwhile. */
        ES_ENSURE(err != ECONNREFUSED && err != ENOENT, ESEAL_ENOTFOUND, "no eseal agent runs for %s", home);
        ES_BAIL(ESEAL_EIO, "eseal agent: cannot connect to %s/%s: %s", home, ES_AGENT_SOCKET, strerror(err));
    }
    uid_t uid = 0;
    pid_t pid = 0;
    es_result r = es_agent_peer(fd, &uid, &pid);
    if (es_ok(r) && uid != geteuid()) {
        r = es_error_set(ESEAL_EDENIED, __FILE__, __LINE__,
                         "the eseal agent of %s runs as uid %u, not as this user (uid %u): not used", home,
                         (unsigned)uid, (unsigned)geteuid());
    }
    if (!es_ok(r)) {
        close(fd);
        return r;
    }
    *out = fd;
    return ES_OK;
}

/* One request (`what`: "KEK", "STATUS", "STOP") and its answer's words after "OK WHAT ". The
 * connection stays open in *fd_out when fd_out is not NULL (STOP waits for its end). */
static ES_RESULT agent_ask(const char *home, const char *what, char *answer, size_t cap, int *fd_out)
{
    int fd = -1;
    ES_GUARD(agent_connect(home, &fd));
    char req[ES_AGENT_LINE_MAX];
    int n = snprintf(req, sizeof(req), "%s %s\n", ES_AGENT_PROTO, what);
    size_t len = 0;
    es_result r = es_agent_write_all(fd, req, (size_t)n, ES_AGENT_IO_MS);
    if (es_ok(r)) {
        r = es_agent_read_line(fd, answer, cap, ES_AGENT_IO_MS, &len);
    }
    if (es_ok(r)) {
        char ok[64];
        (void)snprintf(ok, sizeof(ok), "%s OK %s", ES_AGENT_PROTO, what);
        size_t ol = strlen(ok);
        if (!es_str_starts(answer, ES_AGENT_PROTO " ")) {
            r = es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                             "the eseal agent of %s speaks another protocol than %s", home, ES_AGENT_PROTO);
        } else if (strncmp(answer, ok, ol) != 0 || (answer[ol] != '\0' && answer[ol] != ' ')) {
            /* Its words are shown, except for a KEK request: what came back may hold key bytes. */
            bool show = strcmp(what, "KEK") != 0;
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "the eseal agent of %s answered %s%.80s%s to %s",
                             home, show ? "'" : "", show ? answer : "unexpectedly", show ? "'" : "", what);
        } else {
            size_t skip = ol + (answer[ol] == ' ' ? 1 : 0);
            memmove(answer, answer + skip, len - skip + 1); /* the words and the NUL */
        }
    }
    if (!es_ok(r) || fd_out == NULL) {
        close(fd);
    } else {
        *fd_out = fd;
    }
    return r;
}

/* "name=value" words of an answer, in order: the value of the next word, which must be `name`. */
static ES_RESULT next_word(char **cur, const char *name, char **value)
{
    char *s = *cur;
    size_t nl = strlen(name);
    ES_ENSURE(strncmp(s, name, nl) == 0 && s[nl] == '=', ESEAL_EMALFORMED, "eseal agent: no %s= in its answer",
              name);
    s += nl + 1;
    *value = s;
    char *sp = strchr(s, ' ');
    /* One space between words, none at the end: one spelling per answer. */
    ES_ENSURE(sp == NULL || (sp[1] != '\0' && sp[1] != ' '), ESEAL_EMALFORMED,
              "eseal agent: a stray space after %s= in its answer", name);
    if (sp != NULL) {
        *sp = '\0';
        *cur = sp + 1;
    } else {
        *cur = s + strlen(s);
    }
    return ES_OK;
}

static ES_RESULT word_uint(char **cur, const char *name, uint64_t max, uint64_t *out)
{
    char *v = NULL;
    ES_GUARD(next_word(cur, name, &v));
    /* The agent writes plain decimal: one spelling per number (no leading zero, no sign). */
    ES_ENSURE(v[0] != '0' || v[1] == '\0', ESEAL_EMALFORMED, "eseal agent: %s has a leading zero", name);
    ES_GUARD_CTX(es_parse_uint(v, max, out), "eseal agent: %s", name);
    return ES_OK;
}

static ES_RESULT word_hex(char **cur, const char *name, uint8_t *out, size_t n)
{
    char *v = NULL;
    ES_GUARD(next_word(cur, name, &v));
    ES_ENSURE(strlen(v) == 2 * n && es_is_lower_hex(v, 2 * n), ESEAL_EMALFORMED,
              "eseal agent: %s is not %zu lower-case hex digits", name, 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned hi = (unsigned)(v[2 * i] <= '9' ? v[2 * i] - '0' : v[2 * i] - 'a' + 10);
        unsigned lo = (unsigned)(v[2 * i + 1] <= '9' ? v[2 * i + 1] - '0' : v[2 * i + 1] - 'a' + 10);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return ES_OK;
}

ES_RESULT es_agent_parse_info(char *s, eseal_agent_info *out)
{
    uint64_t pid = 0;
    uint64_t timeout = 0;
    uint64_t left = 0;
    ES_GUARD(word_uint(&s, "pid", INT32_MAX, &pid));
    ES_GUARD(word_uint(&s, "timeout", ES_AGENT_MAX_TIMEOUT_S, &timeout));
    ES_GUARD(word_uint(&s, "left", ES_AGENT_MAX_TIMEOUT_S, &left));
    ES_ENSURE(*s == '\0', ESEAL_EMALFORMED, "eseal agent: more words than expected in its status");
    out->pid = (long)pid;
    out->timeout_s = (unsigned)timeout;
    out->left_s = (unsigned)left;
    return ES_OK;
}

ES_RESULT es_agent_parse_kek(char *s, es_kek *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t n = 0;
    uint64_t r = 0;
    uint64_t p = 0;
    ES_GUARD(word_hex(&s, "salt", out->salt, sizeof(out->salt)));
    ES_GUARD(word_uint(&s, "n", UINT64_MAX, &n));
    ES_GUARD(word_uint(&s, "r", UINT32_MAX, &r));
    ES_GUARD(word_uint(&s, "p", UINT32_MAX, &p));
    ES_GUARD(word_hex(&s, "key", out->key, sizeof(out->key)));
    ES_ENSURE(*s == '\0', ESEAL_EMALFORMED, "eseal agent: more words than expected after the key");
    out->n = n;
    out->r = (uint32_t)r;
    out->p = (uint32_t)p;
    return ES_OK;
}

static ES_RESULT use_agent(eseal_instance *inst)
{
    ES_ENSURE_ARG(inst != NULL);
    char ans[ES_AGENT_LINE_MAX];
    es_result res = agent_ask(inst->home, "KEK", ans, sizeof(ans), NULL);
    if (!es_ok(res)) {
        es_wipe(ans, sizeof(ans)); /* whatever arrived of a refused answer */
        return res;
    }
    es_kek k;
    res = es_agent_parse_kek(ans, &k);
    if (es_ok(res)) {
        /* ESEAL_EPASS when the KEK does not open this instance (changed passphrase): ignored. */
        res = es_instance_set_kek(inst, &k);
    }
    es_wipe(&k, sizeof(k));
    es_wipe(ans, sizeof(ans));
    return res;
}

int eseal_instance_use_agent(eseal_instance *inst) { return ES_PUBLIC(use_agent(inst)); }

static ES_RESULT agent_status(const char *home, eseal_agent_info *out)
{
    memset(out, 0, sizeof(*out));
    char ans[ES_AGENT_LINE_MAX];
    ES_GUARD(agent_ask(home, "STATUS", ans, sizeof(ans), NULL));
    return es_agent_parse_info(ans, out);
}

int eseal_agent_status(const char *home, eseal_agent_info *out)
{
    if (home == NULL || out == NULL) {
        ES_BAIL_ARG("home == NULL || out == NULL");
    }
    return ES_PUBLIC(agent_status(home, out));
}

static ES_RESULT agent_stop(const char *home, eseal_agent_info *out)
{
    eseal_agent_info info;
    ES_GUARD(agent_status(home, &info));
    if (out != NULL) {
        *out = info;
    }
    char ans[ES_AGENT_LINE_MAX];
    int fd = -1;
    ES_GUARD(agent_ask(home, "STOP", ans, sizeof(ans), &fd));
    /* The agent closes this connection last, once the key is wiped and the socket removed, as it
     * exits: the end of the stream is the end of the agent. */
    int64_t deadline = es_agent_mono_ms() + AGENT_STOP_WAIT_MS;
    es_result r = ES_OK;
    for (;;) {
        char b[16];
        r = wait_fd(fd, POLLIN, deadline, "end of the stopping agent");
        if (!es_ok(r)) {
            break;
        }
        ssize_t got = recv(fd, b, sizeof(b), MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
            break;
        }
    }
    close(fd);
    return r;
}

int eseal_agent_stop(const char *home, eseal_agent_info *out)
{
    if (home == NULL) {
        ES_BAIL_ARG("home == NULL");
    }
    return ES_PUBLIC(agent_stop(home, out));
}

/* ---- STAMP: the agent makes the stamp ------------------------------------------------------------ */

/* This process's umask without changing it (umask(2) would, for a moment, in every thread):
 * proc(5) "Umask:" (Linux 4.7). 022 when it cannot be read. */
static unsigned int current_umask(void)
{
    unsigned int m = 022;
    FILE *f = fopen("/proc/self/status", "re");
    if (f == NULL) {
        return m;
    }
    char line[256];
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned int v = 0;
        if (sscanf(line, "Umask: %o", &v) == 1) { /* !checksrc! allowed: a kernel-written line */
            m = v & 0777;
            break;
        }
    }
    fclose(f);
    return m;
}

static void close_all(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

/* Sends the line with the three descriptors on its first byte. */
static ES_RESULT send_with_fds(int fd, char *p, size_t n, const int *fds)
{
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(ES_AGENT_STAMP_FDS * sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {p, n};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof(ctl.space)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(ES_AGENT_STAMP_FDS * sizeof(int));
    memcpy(CMSG_DATA(c), fds, ES_AGENT_STAMP_FDS * sizeof(int));
    ssize_t w;
    do {
        w = sendmsg(fd, &m, MSG_NOSIGNAL);
    } while (w < 0 && errno == EINTR);
    ES_ENSURE(w > 0, ESEAL_EIO, "eseal agent: sending the stamp request: %s", strerror(errno));
    return es_agent_write_all(fd, p + w, n - (size_t)w, ES_AGENT_IO_MS);
}

typedef struct {
    int sock;
    int fds[ES_AGENT_STAMP_FDS];
    es_buf line;
    char *ans;
    es_agent_stamp_answer a;
} stamp_call;

static void stamp_call_free(stamp_call *c)
{
    if (c->sock >= 0) {
        close(c->sock);
    }
    close_all(c->fds, ES_AGENT_STAMP_FDS);
    es_buf_free(&c->line);
    es_free(c->ans);
    es_buf_free(&c->a.receipt);
}

static ES_RESULT agent_stamp(const char *home, eseal_stamp_result *res, const char *in_path, const char *out_path,
                             const eseal_stamp_request *req, eseal_buf *receipt, int *receipt_rc, int *made)
{
    ES_CHECK_VERSION(req, stamp_request);
    int prc = eseal_principal_check(req->who);
    ES_ENSURE(prc == ESEAL_OK, prc, "stamp: %s", eseal_error_last()->message);
    ES_AUTO(stamp_call_free) stamp_call c = {.sock = -1, .fds = {-1, -1, -1},
                                             .line = ES_BUF_INIT(ES_AGENT_REQUEST_MAX),
                                             .a = {.receipt = ES_BUF_INIT(ES_AGENT_REQUEST_MAX)}};
    static const char first[] = ES_AGENT_PROTO " STAMP\n";
    ES_GUARD(es_buf_append_str(&c.line, ES_AGENT_PROTO " STAMP "));
    ES_GUARD(es_agent_stamp_request_json(&c.line, in_path, out_path, req, receipt != NULL, current_umask()));
    ES_GUARD(es_buf_append_byte(&c.line, '\n'));
    ES_ENSURE(c.line.len <= ES_AGENT_REQUEST_MAX, ESEAL_ELIMIT, "eseal agent: the stamp request is too long");
    c.fds[0] = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    c.fds[1] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    c.fds[2] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    ES_ENSURE(c.fds[0] >= 0 && c.fds[1] >= 0 && c.fds[2] >= 0, ESEAL_EUNSUPPORTED,
              "eseal agent: cannot name this process's directory, root or namespace: %s", strerror(errno));
    ES_GUARD(agent_connect(home, &c.sock));
    /* Two steps, so that an agent that cannot stamp (an older one: "ERR unknown request"; a busy
     * one) says so before it is sent what it would not read: the short line with the descriptors,
     * READY, then the request. */
    char copy[sizeof(first)];
    memcpy(copy, first, sizeof(first));
    ES_GUARD(send_with_fds(c.sock, copy, sizeof(first) - 1, c.fds));
    close_all(c.fds, ES_AGENT_STAMP_FDS);
    c.ans = es_malloc(ES_AGENT_REQUEST_MAX);
    ES_ENSURE_ALLOC(c.ans);
    size_t len = 0;
    ES_GUARD(es_agent_read_line(c.sock, c.ans, ES_AGENT_LINE_MAX, ES_AGENT_IO_MS, &len));
    static const char err[] = ES_AGENT_PROTO " ERR ";
    ES_ENSURE(!es_str_starts(c.ans, err), ESEAL_EUNSUPPORTED, "the eseal agent did not stamp: %.200s",
              c.ans + sizeof(err) - 1);
    ES_ENSURE(strcmp(c.ans, ES_AGENT_PROTO " OK READY") == 0, ESEAL_EUNSUPPORTED,
              "the eseal agent of %s does not take stamps (it answered %.60s)", home, c.ans);
    ES_GUARD(es_agent_write_all(c.sock, (const char *)c.line.ptr, c.line.len, ES_AGENT_IO_MS));
    /* From here on the agent may have stamped: whatever happens, the caller must not stamp again. */
    *made = 1;
    es_result r = es_agent_read_line(c.sock, c.ans, ES_AGENT_REQUEST_MAX, ES_AGENT_STAMP_MS, &len);
    ES_ENSURE(es_ok(r), ESEAL_EIO,
              "the eseal agent of %s did not answer the stamp of %s (%s): it may have been made; see 'eseal log'",
              home, in_path, eseal_error_last()->message);
    static const char ok[] = ES_AGENT_PROTO " OK STAMP ";
    if (es_str_starts(c.ans, err)) {
        *made = 0; /* the request refused before anything was done: the caller stamps */
        ES_BAIL(ESEAL_EUNSUPPORTED, "the eseal agent did not stamp: %.200s", c.ans + sizeof(err) - 1);
    }
    ES_ENSURE(es_str_starts(c.ans, ok), ESEAL_EMALFORMED,
              "the eseal agent of %s answered the stamp unexpectedly: it may have been made; see 'eseal log'", home);
    ES_GUARD_CTX(es_agent_stamp_answer_parse(&c.a, c.ans + sizeof(ok) - 1, len - (sizeof(ok) - 1)),
                 "the stamp may have been made; see 'eseal log'");
    *res = c.a.res;
    if (receipt_rc != NULL) {
        *receipt_rc = c.a.receipt_code;
    }
    if (c.a.code != ESEAL_OK) {
        ES_BAIL(c.a.code, "%s", c.a.message);
    }
    if (receipt != NULL && c.a.receipt_code == ESEAL_OK && c.a.receipt.len > 0) {
        es_buf_move_out(receipt, &c.a.receipt);
    }
    if (c.a.receipt_code != ESEAL_OK) {
        /* The stamp is made; the receipt's error is the last one, for the caller to say. */
        (void)es_error_set(c.a.receipt_code, __FILE__, __LINE__, "%s", c.a.receipt_message);
    }
    return ES_OK;
}

int eseal_agent_stamp(const char *home, eseal_stamp_result *res, const char *in_path, const char *out_path,
                      const eseal_stamp_request *req, eseal_buf *receipt, int *receipt_rc, int *made)
{
    if (made == NULL || home == NULL || res == NULL || in_path == NULL || out_path == NULL) {
        ES_BAIL_ARG("made, home, res, in_path and out_path are required");
    }
    *made = 0;
    memset(res, 0, sizeof(*res));
    res->log_index = -1;
    if (receipt_rc != NULL) {
        *receipt_rc = ESEAL_OK;
    }
    int code = ES_PUBLIC(agent_stamp(home, res, in_path, out_path, req, receipt, receipt_rc, made));
    if (code != ESEAL_OK && *made && res->code == ESEAL_OK) {
        res->code = code;
        (void)snprintf(res->message, sizeof(res->message), "%s", eseal_error_last()->message);
    }
    return code;
}
