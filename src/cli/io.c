/* SPDX-License-Identifier: Apache-2.0 */
/* File I/O habits of the CLI: "-" for standard input and output, progress on a terminal, SIGINT. */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted = 0;

static void on_interrupt(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_interrupt_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    /* The first signal asks the work to stop cleanly; a second one is the default: it ends the process. */
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    (void)sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
}

bool cli_stderr_tty(void) { return isatty(STDERR_FILENO) == 1; }

int cli_read_stdin(eseal_buf *out, size_t max)
{
    eseal_buf_dispose(out);
    size_t cap = 0;
    for (;;) {
        if (out->size == cap) {
            /* One byte past the limit tells "too big" from "exactly the limit"; never more memory than that. */
            if (cap > max) {
                eseal_buf_dispose(out);
                return cli_errorf(CLI_ERROR, "standard input is more than the limit of %zu bytes", max);
            }
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            ncap = ncap > max + 1 ? max + 1 : ncap;
            uint8_t *p = realloc(out->ptr, ncap + 1); /* !checksrc! allowed: eseal_buf owns malloc memory */
            if (p == NULL) {
                eseal_buf_dispose(out);
                return cli_errorf(CLI_ERROR, "out of memory reading standard input");
            }
            out->ptr = p;
            cap = ncap;
        }
        ssize_t n = read(STDIN_FILENO, out->ptr + out->size, cap - out->size);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR && !cli_interrupted) {
                continue;
            }
            int e = errno;
            eseal_buf_dispose(out);
            return cli_errorf(CLI_ERROR, "reading standard input: %s", strerror(e));
        }
        out->size += (size_t)n;
    }
    if (out->size > max) {
        eseal_buf_dispose(out);
        return cli_errorf(CLI_ERROR, "standard input is more than the limit of %zu bytes", max);
    }
    if (out->ptr != NULL) {
        out->ptr[out->size] = '\0'; /* text lists are read as strings */
    }
    return CLI_OK;
}

static int spool_dir(cli_spool *s)
{
    if (s->dir[0] != '\0') {
        return CLI_OK;
    }
    const char *tmp = getenv("TMPDIR"); /* !checksrc! allowed: where temporary files go */
    int n = snprintf(s->dir, sizeof(s->dir), "%s/eseal-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(s->dir) || mkdtemp(s->dir) == NULL) {
        int e = errno;
        s->dir[0] = '\0';
        return cli_errorf(CLI_ERROR, "cannot create a temporary directory: %s", strerror(e));
    }
    return CLI_OK;
}

int cli_spool_input(cli_spool *s, const char *path, const char **use)
{
    *use = path;
    if (strcmp(path, "-") != 0) {
        return CLI_OK;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = cli_read_stdin(&b, (size_t)eseal_limits_default()->max_input_bytes);
    if (rc == CLI_OK && b.size == 0) {
        rc = cli_errorf(CLI_ERROR, "standard input is empty");
    }
    if (rc == CLI_OK) {
        rc = spool_dir(s);
    }
    if (rc == CLI_OK) {
        (void)snprintf(s->in, sizeof(s->in), "%s/stdin", s->dir);
        int wrc = eseal_file_create(s->in, b.ptr, b.size, 0600);
        rc = wrc == ESEAL_OK ? CLI_OK : cli_fail(wrc);
        *use = s->in;
    }
    eseal_buf_dispose(&b);
    return rc;
}

int cli_spool_output(cli_spool *s, const char *path, const char **use)
{
    *use = path;
    if (strcmp(path, "-") != 0) {
        return CLI_OK;
    }
    int rc = spool_dir(s);
    if (rc == CLI_OK) {
        (void)snprintf(s->out, sizeof(s->out), "%s/stdout", s->dir);
        *use = s->out;
    }
    return rc;
}

int cli_spool_finish(cli_spool *s)
{
    if (s->out[0] == '\0') {
        return CLI_OK;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = cli_read_file(s->out, &b, (size_t)eseal_limits_default()->max_input_bytes);
    if (rc == CLI_OK) {
        rc = cli_write_file("-", b.ptr, b.size);
    }
    eseal_buf_dispose(&b);
    return rc;
}

void cli_spool_cleanup(cli_spool *s)
{
    if (s->in[0] != '\0') {
        (void)unlink(s->in);
    }
    if (s->out[0] != '\0') {
        (void)unlink(s->out);
    }
    if (s->dir[0] != '\0') {
        (void)rmdir(s->dir);
    }
    memset(s, 0, sizeof(*s));
}

const eseal_principal *cli_principal(void)
{
    static char name[129];
    static eseal_principal who;
    const struct passwd *pw = getpwuid(geteuid());
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0' && strlen(pw->pw_name) < sizeof(name)) {
        (void)snprintf(name, sizeof(name), "%s", pw->pw_name);
    } else {
        (void)snprintf(name, sizeof(name), "uid:%u", (unsigned)geteuid());
    }
    who = (eseal_principal){.version = ESEAL_PRINCIPAL_VERSION,
                            .kind = ESEAL_PRINCIPAL_OPERATOR,
                            .id = name,
                            .address = "local",
                            .device = "eseal-cli"};
    return &who;
}

int cli_number(const cli_cmd *cmd, const char *s, const char *what, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return cli_usage_error(cmd, "%s must be a number, not '%s'", what, s != NULL ? s : "");
    }
    unsigned long long v = strtoull(s, &end, 10); /* !checksrc! allowed: checked below */
    if (end == NULL || *end != '\0' || v < 1 || v > max) {
        return cli_usage_error(cmd, "%s must be a number from 1 to %llu, not '%s'", what, (unsigned long long)max, s);
    }
    *out = v;
    return CLI_OK;
}

void cli_json_time(const char *name, int64_t ms)
{
    printf(", \"%s\": ", name);
    if (ms == 0) {
        printf("null");
        return;
    }
    char t[40];
    cli_print_time(t, sizeof(t), ms);
    cli_json_str(t);
}
