/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal agent start|stop|status: one process per instance home holds the instance's unlocked
 * key-encryption key, so that later commands need no passphrase and pay no key derivation
 * (eseal/instance.h eseal_agent_*, docs/agent.md). Every command that needs the keys uses a
 * running agent of its home by itself (cli_open in main.c).
 *
 * start: the passphrase is read here, as for any command, and the agent opened (the KEK derived
 * and locked, the socket listening) in this process; then it forks. The child leaves the session
 * (setsid), logs to HOME/agent.log, locks the key again and says "ready" on a pipe before it
 * serves; the parent returns only then, so a command run right after `eseal agent start` finds the
 * agent listening with the keys unlocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define AGENT_DEFAULT_TIMEOUT_S 3600u                /* an hour: a working session */
#define AGENT_MAX_TIMEOUT_S (366u * 24u * 3600u) /* a year, as the library allows */
#define AGENT_LOG "agent.log"
#define READY_MAX 1024 /* the child's one line on the pipe: "ready" or its error */

static const cli_opt_spec opts[] = {
    {"timeout", 0, true, false}, {"foreground", 0, false, false}, {NULL, 0, false, false}};

static volatile sig_atomic_t stop_flag;

/* The descriptors above stderr that the caller handed this process (a --pass-fd pipe, whatever a
 * shell or a service manager left open), noted before anything is opened: the daemon closes them,
 * so that nobody waits on a pipe the agent keeps open for hours. Each with its device and inode, so
 * that a number reused since for one of our own is not closed. */
#define INHERITED_MAX 64
static struct {
    int fd;
    dev_t dev;
    ino_t ino;
} inherited[INHERITED_MAX];
static size_t n_inherited;

static void note_inherited(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n_inherited < INHERITED_MAX) {
        int fd = 0;
        const char *p = e->d_name;
        for (; *p >= '0' && *p <= '9' && fd < CLI_DIGITS_MAX; p++) {
            fd = fd * 10 + (*p - '0');
        }
        struct stat st;
        if (p == e->d_name || *p != '\0' || fd <= STDERR_FILENO || fd == dirfd(d) || fstat(fd, &st) != 0) {
            continue;
        }
        inherited[n_inherited].fd = fd;
        inherited[n_inherited].dev = st.st_dev;
        inherited[n_inherited].ino = st.st_ino;
        n_inherited++;
    }
    closedir(d);
}

static void close_inherited(void)
{
    for (size_t i = 0; i < n_inherited; i++) {
        struct stat st;
        if (fstat(inherited[i].fd, &st) == 0 && st.st_dev == inherited[i].dev && st.st_ino == inherited[i].ino) {
            close(inherited[i].fd);
        }
    }
}

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* One log line: "TIME eseal agent[PID]: LINE" on stderr (HOME/agent.log once daemonized). */
static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    char t[64];
    eseal_time_format(t, sizeof(t), eseal_time_now());
    fprintf(stderr, "%s eseal agent[%ld]: %s\n", t, (long)getpid(), line);
    (void)fflush(stderr);
}

static int parse_timeout(const cli_args *a, unsigned int *out)
{
    const char *s = cli_get(a, "timeout");
    *out = AGENT_DEFAULT_TIMEOUT_S;
    if (s == NULL) {
        return CLI_OK;
    }
    unsigned long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && v <= AGENT_MAX_TIMEOUT_S; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (s[0] == '\0' || *p != '\0' || v > AGENT_MAX_TIMEOUT_S) {
        return cli_usage_error(&cli_cmd_agent, "--timeout takes a number of seconds from 0 (none) to %u, not '%s'",
                               AGENT_MAX_TIMEOUT_S, s);
    }
    *out = (unsigned int)v;
    return CLI_OK;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: poll returns EINTR and the loop looks at the flag */
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The daemon: out of the session, stdin/stdout on /dev/null, stderr on the log; "ready" or the
 * error on `ready_fd`; then serves. Never returns. */
__attribute__((noreturn)) static void run_child(eseal_agent *ag, int ready_fd, int log_fd)
{
    (void)setsid();
    if (chdir("/") != 0) {
        /* not fatal: the agent opens nothing by a relative path */
    }
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
        (void)dup2(null_fd, STDIN_FILENO);
        (void)dup2(null_fd, STDOUT_FILENO);
        close(null_fd);
    }
    (void)dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    close_inherited();
    catch_stop_signals();
    int rc = eseal_agent_prepare(ag);
    char line[READY_MAX];
    int n = rc == ESEAL_OK ? snprintf(line, sizeof(line), "ready %ld\n", (long)getpid())
                           : snprintf(line, sizeof(line), "error %s\n", eseal_error_last()->message);
    if (rc != ESEAL_OK) {
        log_line(NULL, eseal_error_last()->message);
    }
    (void)!write(ready_fd, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
    close(ready_fd);
    if (rc == ESEAL_OK) {
        rc = eseal_agent_serve(ag, &stop_flag, log_line, NULL);
    }
    eseal_agent_close(ag); /* the KEK wiped, the socket removed, a STOP's connection closed last */
    log_line(NULL, "exited");
    exit(rc == ESEAL_OK ? CLI_OK : CLI_ERROR);
}

static int open_log(const char *home, int *out)
{
    char path[4200];
    int n = snprintf(path, sizeof(path), "%s/%s", home, AGENT_LOG);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return cli_errorf(CLI_ERROR, "the home path %s is too long", home);
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        return cli_errorf(CLI_ERROR, "cannot open the agent's log %s: %s", path, strerror(errno));
    }
    *out = fd;
    return CLI_OK;
}

/* Waits for the child's line on the pipe (it writes it once, then closes its end). */
static int wait_ready(const char *home, pid_t pid, int fd, unsigned int timeout_s)
{
    char line[READY_MAX];
    size_t n = 0;
    while (n + 1 < sizeof(line)) {
        ssize_t r = read(fd, line + n, sizeof(line) - 1 - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    line[n] = '\0';
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "ready ", 6) == 0) {
        if (timeout_s != 0) {
            cli_note("eseal agent (pid %ld) holds the keys of %s; it forgets them after %u s without a request",
                     (long)pid, home, timeout_s);
        } else {
            cli_note("eseal agent (pid %ld) holds the keys of %s until 'eseal agent stop'", (long)pid, home);
        }
        return CLI_OK;
    }
    int status = 0;
    (void)waitpid(pid, &status, 0);
    if (strncmp(line, "error ", 6) == 0) {
        return cli_errorf(CLI_ERROR, "the agent did not start: %s", line + 6);
    }
    return cli_errorf(CLI_ERROR, "the agent did not start (it exited with status %d; see %s/%s)",
                      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), home, AGENT_LOG);
}

static int start(cli_args *a)
{
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_agent, "agent start takes no arguments");
    }
    unsigned int timeout_s = 0;
    int rc = parse_timeout(a, &timeout_s);
    if (rc != CLI_OK) {
        return rc;
    }
    note_inherited();
    const char *home = cli_home(a);
    eseal_agent_info info;
    if (eseal_agent_status(home, &info) == ESEAL_OK) {
        return cli_errorf(CLI_ERROR, "an eseal agent already runs for %s (pid %ld): 'eseal agent stop' first", home,
                          info.pid);
    }
    eseal_instance *inst = NULL;
    rc = cli_open_pass(a, &inst); /* the passphrase itself, never another agent */
    if (rc != CLI_OK) {
        return rc;
    }
    /* A wrong passphrase is refused here, from any source, rather than held by the agent. */
    int lrc = eseal_instance_passphrase_check(inst);
    eseal_agent *ag = NULL;
    if (lrc == ESEAL_OK) {
        lrc = eseal_agent_open(&ag, inst, timeout_s);
    }
    eseal_instance_close(inst); /* the passphrase wiped: the agent keeps the KEK alone */
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (cli_flag(a, "foreground")) {
        catch_stop_signals();
        lrc = eseal_agent_prepare(ag);
        if (lrc == ESEAL_OK) {
            lrc = eseal_agent_serve(ag, &stop_flag, log_line, NULL);
        }
        eseal_agent_close(ag);
        return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
    }
    int log_fd = -1;
    rc = open_log(home, &log_fd);
    if (rc != CLI_OK) {
        eseal_agent_close(ag);
        return rc;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        close(log_fd);
        eseal_agent_close(ag);
        return cli_errorf(CLI_ERROR, "pipe: %s", strerror(errno));
    }
    (void)fflush(stdout);
    (void)fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(pfd[0]);
        close(pfd[1]);
        close(log_fd);
        eseal_agent_close(ag);
        return cli_errorf(CLI_ERROR, "fork: %s", strerror(err));
    }
    if (pid == 0) {
        close(pfd[0]);
        run_child(ag, pfd[1], log_fd);
    }
    close(pfd[1]);
    close(log_fd);
    eseal_agent_forget(ag); /* this process's copy of the KEK wiped; the socket is the child's */
    rc = wait_ready(home, pid, pfd[0], timeout_s);
    close(pfd[0]);
    return rc;
}

/* True once process `pid` has exited: no such process, or a zombie waiting for its parent (the
 * agent's parent is whoever adopted it, which need not reap it soon). */
static bool exited(long pid)
{
    char path[64];
    (void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    }
    char buf[512];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')'); /* "PID (COMM) STATE ...": COMM may hold anything */
    return rp != NULL && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

#define STOP_EXIT_WAIT_MS 3000
#define STOP_EXIT_STEP_MS 10

static int stop(cli_args *a)
{
    if (a->npos != 1 || cli_get(a, "timeout") != NULL || cli_flag(a, "foreground")) {
        return cli_usage_error(&cli_cmd_agent, "agent stop takes no arguments or options");
    }
    const char *home = cli_home(a);
    eseal_agent_info info;
    int rc = eseal_agent_stop(home, &info);
    if (rc == ESEAL_ENOTFOUND) {
        cli_note("no eseal agent runs for %s", home);
        return CLI_NOT_VALID;
    }
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    /* Its connection closed once the key was wiped and the socket removed; the process itself
     * ends right after. */
    for (int waited = 0; !exited(info.pid) && waited < STOP_EXIT_WAIT_MS; waited += STOP_EXIT_STEP_MS) {
        struct timespec ts = {0, STOP_EXIT_STEP_MS * 1000000L};
        (void)nanosleep(&ts, NULL);
    }
    cli_note("eseal agent (pid %ld) of %s stopped: its key is wiped", info.pid, home);
    return CLI_OK;
}

static int status(cli_args *a)
{
    if (a->npos != 1 || cli_get(a, "timeout") != NULL || cli_flag(a, "foreground")) {
        return cli_usage_error(&cli_cmd_agent, "agent status takes no arguments or options");
    }
    const char *home = cli_home(a);
    eseal_agent_info info;
    int rc = eseal_agent_status(home, &info);
    if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
        return cli_fail(rc);
    }
    if (a->json) {
        if (rc == ESEAL_OK) {
            printf("{\"running\": true, \"pid\": %ld, \"timeout_s\": %u, \"left_s\": %u, \"home\": ", info.pid,
                   info.timeout_s, info.left_s);
        } else {
            printf("{\"running\": false, \"home\": ");
        }
        cli_json_str(home);
        printf("}\n");
        return rc == ESEAL_OK ? CLI_OK : CLI_NOT_VALID;
    }
    if (rc == ESEAL_ENOTFOUND) {
        printf("not running (%s)\n", home);
        return CLI_NOT_VALID;
    }
    if (info.timeout_s != 0) {
        printf("running, pid %ld, idle timeout %u s, %u s left (%s)\n", info.pid, info.timeout_s, info.left_s, home);
    } else {
        printf("running, pid %ld, no idle timeout (%s)\n", info.pid, home);
    }
    return CLI_OK;
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"start", start}, {"stop", stop}, {"status", status}};
    return cli_dispatch(&cli_cmd_agent, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_agent = {
    "agent", "hold the unlocked keys for later commands (start, stop, status)",
    "Usage:\n  eseal agent start [--timeout SECONDS] [--foreground]\n"
    "  eseal agent stop\n"
    "  eseal agent status\n\n"
    "Like ssh-agent: one process per instance home holds the instance's key-encryption key,\n"
    "derived once from the passphrase, so that later commands of the same user need no\n"
    "passphrase and pay no key derivation (about 0.1 s of CPU each). Every command that needs\n"
    "the keys uses a running agent of its home by itself; without one, or when the agent's key\n"
    "no longer opens the keys (the passphrase was changed since), it asks for the passphrase.\n"
    "'eseal stamp' of one document is made by the agent itself, in an instance it keeps open (its\n"
    "store, its TSA, the signers' decoded keys in OpenSSL's secure heap): paths are the command's,\n"
    "the seal's state and certificate are read for every stamp; a busy agent leaves it to the\n"
    "command. --batch stamps in the command, with the agent's key.\n\n"
    "start: takes the passphrase as any command does (--pass-file, --pass-fd,\n"
    "$ESEAL_PASSPHRASE or the terminal), checks it, and returns once the agent listens on\n"
    "HOME/agent.sock with the keys unlocked. The agent logs to HOME/agent.log.\n"
    "  --timeout SECONDS  forget the key and exit after SECONDS without a request for it\n"
    "                     (default 3600; 0: never)\n"
    "  --foreground       serve in this process (logging to stderr) until stopped: for a\n"
    "                     service manager\n"
    "stop: the agent wipes its key, removes its socket and exits; returns once it is gone.\n"
    "status: 'running, pid N, idle timeout S s, L s left' (exit 0) or 'not running' (exit 1);\n"
    "  with --json: {\"running\": true, \"pid\": N, \"timeout_s\": S, \"left_s\": L, \"home\": H}.\n\n"
    "Security: the socket is 0600 in the home, which must belong to the user and be writable by\n"
    "nobody else; the agent answers only processes of its own uid (SO_PEERCRED; any other is\n"
    "refused unanswered and logged) and a command takes a key only from an agent of its own uid.\n"
    "The key is kept in locked memory (never swapped), out of core dumps, and wiped on exit.\n"
    "Exit status of stop and status: 0 an agent ran, 1 none runs.\n",
    opts, run};
