/* SPDX-License-Identifier: Apache-2.0 */
/* eseal: the command table, argument parsing, and helpers shared by the commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <pwd.h>
#include <sys/stat.h>

#include "cli.h"

static const cli_cmd *const commands[] = {&cli_cmd_init, &cli_cmd_cert, &cli_cmd_ca,
                                          &cli_cmd_seal, &cli_cmd_stamp, &cli_cmd_sign, &cli_cmd_verify, &cli_cmd_key, &cli_cmd_tsa,
                                          &cli_cmd_extend, &cli_cmd_ocsp, &cli_cmd_log, &cli_cmd_witness, &cli_cmd_passwd,
                                          &cli_cmd_serve, &cli_cmd_agent, &cli_cmd_org, &cli_cmd_user, &cli_cmd_token,
                                          &cli_cmd_grant, &cli_cmd_template, &cli_cmd_request, &cli_cmd_device,
                                          &cli_cmd_migrate, &cli_cmd_store, &cli_cmd_trustlist, &cli_cmd_trust};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_usage[] =
    "Global options (accepted by every command, before or after its name):\n"
    "  --home DIR        instance home (default: $ESEAL_HOME, else $XDG_DATA_HOME/eseal,\n"
    "                    else ~/.local/share/eseal; a service uses /var/lib/eseal)\n"
    "  --pass-file FILE  read the instance passphrase from the first line of FILE ('-': standard\n"
    "                    input; FILE may be a pipe, or a symlink as secret mounts are)\n"
    "  --pass-fd N       read the instance passphrase from the first line of file descriptor N\n"
    "                    (else $ESEAL_PASSPHRASE, else a prompt on the terminal: 3 tries)\n"
    "  --pin-file FILE   read the PIN of hardware tokens (pkcs11: keys) from the first line of FILE\n"
    "                    (else $ESEAL_TOKEN_PIN, else a prompt on the terminal when a token needs it)\n"
    "  --json            machine-readable output, errors included: {\"error\": {\"code\", \"message\"}}\n"
    "                    on stdout (refused with exit 2 by commands that have no JSON output)\n"
    "  -q, --quiet       no confirmations or progress on stderr (results still go to stdout)\n"
    "  -v, --verbose     with errors, also print the error code and source location\n"
    "Short options take their value attached or not (-ofile, -o file); flags may be bundled (-qv).\n";

static const cli_opt_spec global_specs[] = {
    {"home", 0, true, false},     {"pass-file", 0, true, false}, {"json", 0, false, false},
    {"verbose", 'v', false, false}, {"help", 'h', false, false},  {"pass-fd", 0, true, false},
    {"quiet", 'q', false, false}, {"pin-file", 0, true, false}, {NULL, 0, false, false}};
enum { G_HOME, G_PASS_FILE, G_JSON, G_VERBOSE, G_HELP, G_PASS_FD, G_QUIET, G_PIN_FILE };

static bool g_verbose;
static bool g_quiet;
static bool g_json;
static bool g_json_error_done; /* one JSON error object per run */

bool cli_quiet(void) { return g_quiet; }

void cli_note(const char *fmt, ...)
{
    if (g_quiet) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* {"error": {"code": CODE, "message": MESSAGE}} on stdout, through jansson. */
static bool json_error(const char *code, const char *message)
{
    if (!g_json || g_json_error_done) {
        return false;
    }
    json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    char *text = o != NULL ? json_dumps(o, 0) /* UTF-8 as it is, as every JSON eseal prints */ : NULL;
    json_decref(o);
    if (text == NULL) {
        return false;
    }
    (void)fflush(stdout);
    printf("%s\n", text);
    (void)fflush(stdout);
    free(text);
    g_json_error_done = true;
    return true;
}

static void verror(const char *code, const char *fmt, va_list ap)
{
    char msg[2048];
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    if (!json_error(code, msg)) {
        fprintf(stderr, "eseal: %s\n", msg);
    }
}

int cli_errorf(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(code == CLI_USAGE ? "ESEAL_EUSAGE" : "ESEAL_ERROR", fmt, ap);
    va_end(ap);
    return code;
}

int cli_fail(int rc)
{
    const eseal_error *e = eseal_error_last();
    const char *msg = (e->code == rc && e->message[0] != '\0') ? e->message : eseal_code_text(rc);
    if (!json_error(eseal_code_name(rc), msg)) {
        fprintf(stderr, "eseal: %s\n", msg);
    }
    if (g_verbose) {
        fprintf(stderr, "eseal: (%s at %s)\n", eseal_code_name(rc), e->where);
    }
    return rc == ESEAL_EINVAL ? CLI_USAGE : CLI_ERROR;
}

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror("ESEAL_EUSAGE", fmt, ap);
    va_end(ap);
    if (cmd != NULL && cmd->name[0] != '\0' && !g_json) {
        fprintf(stderr, "Try 'eseal help %s'.\n", cmd->name);
    }
    return CLI_USAGE;
}

int cli_dispatch(const cli_cmd *cmd, cli_args *a, const cli_sub *subs, size_t n)
{
    if (a->npos > 0) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(a->pos[0], subs[i].name) == 0) {
                return subs[i].run(a);
            }
        }
        return cli_usage_error(cmd, "unknown subcommand '%s %s'", cmd->name, a->pos[0]);
    }
    char names[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof(names); i++) {
        int k = snprintf(names + len, sizeof(names) - len, "%s%s", i > 0 ? ", " : "", subs[i].name);
        len += k > 0 ? (size_t)k : 0;
    }
    return cli_usage_error(cmd, "%s needs a subcommand: %s", cmd->name, names);
}

static int find_spec(const cli_opt_spec *specs, const char *name, char short_name)
{
    for (int i = 0; specs != NULL && specs[i].name != NULL; i++) {
        if ((name != NULL && strcmp(specs[i].name, name) == 0) ||
            (short_name != 0 && specs[i].short_name == short_name)) {
            return i;
        }
    }
    return -1;
}

/* Records option `sp` (global or the command's index ci) with value `val` (NULL for a flag). */
static int take_option(cli_args *a, const cli_cmd *cmd, const cli_opt_spec *sp, int gi, int ci, const char *val)
{
    if (gi >= 0) {
        switch (gi) {
        case G_HOME:
            a->home = val;
            break;
        case G_PASS_FILE:
            a->pass_file = val;
            break;
        case G_PASS_FD:
            a->pass_fd = val;
            break;
        case G_PIN_FILE:
            a->pin_file = val;
            break;
        case G_JSON:
            a->json = g_json = true;
            break;
        case G_VERBOSE:
            a->verbose = g_verbose = true;
            break;
        case G_QUIET:
            a->quiet = g_quiet = true;
            break;
        default:
            fputs(cmd->usage, stdout);
            fputs("\n", stdout);
            fputs(global_usage, stdout);
            exit(CLI_OK);
        }
        return CLI_OK;
    }
    if (a->counts[ci] > 0 && !sp->repeatable) {
        return cli_usage_error(cmd, "option --%s given twice", sp->name);
    }
    if (a->counts[ci] >= CLI_MAX_REPEAT) {
        return cli_usage_error(cmd, "option --%s given too often", sp->name);
    }
    a->values[ci][a->counts[ci]++] = val != NULL ? val : "";
    return CLI_OK;
}

/*
 * getopt_long conventions: "--name VALUE", "--name=VALUE"; "-x VALUE" or "-xVALUE" (the rest of the
 * word is the value of a short option that takes one); flags may be bundled ("-qv"); "--" ends the
 * options; "-" alone is an argument (standard input or output).
 */
int cli_parse(cli_args *a, const cli_cmd *cmd, int argc, char **argv)
{
    a->specs = cmd->opts;
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (only_pos || arg[0] != '-' || arg[1] == '\0') {
            if (a->npos >= CLI_MAX_POS) {
                return cli_usage_error(cmd, "too many arguments");
            }
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (arg[1] != '-') {
            /* One or more short options in one word. */
            for (const char *c = arg + 1; *c != '\0'; c++) {
                int gi = find_spec(global_specs, NULL, *c);
                int ci = gi >= 0 ? -1 : find_spec(cmd->opts, NULL, *c);
                if (gi < 0 && ci < 0) {
                    return cli_usage_error(cmd, "unknown option '-%c'%s", *c,
                                           c == arg + 1 ? "" : " (in a bundle of short options)");
                }
                const cli_opt_spec *sp = gi >= 0 ? &global_specs[gi] : &cmd->opts[ci];
                const char *val = NULL;
                if (sp->has_arg) {
                    if (c[1] != '\0') {
                        val = c + 1;
                    } else if (i + 1 < argc) {
                        val = argv[++i];
                    } else {
                        return cli_usage_error(cmd, "option -%c needs a value", *c);
                    }
                }
                int rc = take_option(a, cmd, sp, gi, ci, val);
                if (rc != CLI_OK) {
                    return rc;
                }
                if (sp->has_arg) {
                    break;
                }
            }
            continue;
        }
        char nbuf[64] = "";
        const char *eq = strchr(arg + 2, '=');
        size_t n = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (n == 0 || n >= sizeof(nbuf)) {
            return cli_usage_error(cmd, "bad option '%s'", arg);
        }
        memcpy(nbuf, arg + 2, n);
        nbuf[n] = '\0';
        const char *inline_val = eq != NULL ? eq + 1 : NULL;
        int gi = find_spec(global_specs, nbuf, 0);
        int ci = gi >= 0 ? -1 : find_spec(cmd->opts, nbuf, 0);
        if (gi < 0 && ci < 0) {
            return cli_usage_error(cmd, "unknown option '%s'", arg);
        }
        const cli_opt_spec *sp = gi >= 0 ? &global_specs[gi] : &cmd->opts[ci];
        const char *val = NULL;
        if (sp->has_arg) {
            if (inline_val != NULL) {
                val = inline_val;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                return cli_usage_error(cmd, "option --%s needs a value", sp->name);
            }
        } else if (inline_val != NULL) {
            return cli_usage_error(cmd, "option --%s takes no value", sp->name);
        }
        int rc = take_option(a, cmd, sp, gi, ci, val);
        if (rc != CLI_OK) {
            return rc;
        }
    }
    return CLI_OK;
}

static int spec_index(const cli_args *a, const char *name)
{
    int i = find_spec(a->specs, name, 0);
    if (i < 0) {
        fprintf(stderr, "eseal: internal error: option --%s is not declared\n", name);
        abort();
    }
    return i;
}

const char *cli_get(const cli_args *a, const char *name)
{
    int i = spec_index(a, name);
    return a->counts[i] > 0 ? a->values[i][a->counts[i] - 1] : NULL;
}

size_t cli_count(const cli_args *a, const char *name) { return a->counts[spec_index(a, name)]; }

const char *cli_get_n(const cli_args *a, const char *name, size_t n)
{
    int i = spec_index(a, name);
    return n < a->counts[i] ? a->values[i][n] : NULL;
}

bool cli_flag(const cli_args *a, const char *name) { return cli_count(a, name) > 0; }

int cli_options_only(const cli_cmd *cmd, const cli_args *a, const char *sub, const char *const allowed[])
{
    for (size_t i = 0; a->specs != NULL && a->specs[i].name != NULL; i++) {
        if (a->counts[i] == 0) {
            continue;
        }
        bool ok = false;
        for (size_t k = 0; allowed != NULL && allowed[k] != NULL && !ok; k++) {
            ok = strcmp(allowed[k], a->specs[i].name) == 0;
        }
        if (!ok) {
            return cli_usage_error(cmd, "%s takes no --%s", sub, a->specs[i].name);
        }
    }
    return CLI_OK;
}

const char *cli_home(const cli_args *a)
{
    if (a->home != NULL) {
        return a->home;
    }
    const char *env = getenv("ESEAL_HOME");
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    /* XDG Base Directory Specification 0.8: $XDG_DATA_HOME, default $HOME/.local/share; it
     * must be an absolute path ("a relative path ... is invalid and should be ignored"). */
    static char path[4096];
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg != NULL && xdg[0] == '/') {
        int n = snprintf(path, sizeof(path), "%s/eseal", xdg);
        if (n > 0 && (size_t)n < sizeof(path)) {
            return path;
        }
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] != '/') {
        const struct passwd *pw = getpwuid(getuid());
        home = pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
    }
    if (home != NULL) {
        int n = snprintf(path, sizeof(path), "%s/.local/share/eseal", home);
        if (n > 0 && (size_t)n < sizeof(path)) {
            return path;
        }
    }
    return "/var/lib/eseal";
}

static int read_tty_line(const char *prompt, char *out, size_t cap, size_t *len)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return cli_errorf(CLI_ERROR,
                          "no passphrase: set ESEAL_PASSPHRASE, use --pass-file or --pass-fd, or run on a terminal");
    }
    struct termios old, quiet;
    bool have_tc = tcgetattr(fd, &old) == 0;
    if (have_tc) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        (void)tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    (void)!write(fd, prompt, strlen(prompt));
    size_t n = 0;
    int rc = CLI_OK;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0 || ch == '\n' || ch == '\r') {
            break;
        }
        if (n + 1 >= cap) {
            rc = cli_errorf(CLI_ERROR, "passphrase too long");
            break;
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    *len = n;
    if (have_tc) {
        (void)tcsetattr(fd, TCSAFLUSH, &old);
    }
    (void)!write(fd, "\n", 1);
    close(fd);
    return rc;
}

#define PASS_MAX 4096

/*
 * The first line of the open descriptor `fd` (at most PASS_MAX bytes read; a trailing CR/LF is
 * not part of it). `what` names the source in messages, `noun` the secret ("passphrase",
 * "password").
 */
static int read_secret_fd(int fd, const char *what, const char *noun, char *out, size_t cap, size_t *len)
{
    char buf[PASS_MAX];
    size_t n = 0;
    /* One byte at a time: stop at the end of the first line and leave the rest of a pipe or of
     * standard input to whoever reads it next. */
    while (n < sizeof(buf)) {
        ssize_t r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            explicit_bzero(buf, sizeof(buf));
            return cli_errorf(CLI_ERROR, "cannot read the %s from %s: %s", noun, what, strerror(errno));
        }
        if (r == 0 || buf[n] == '\n') {
            break;
        }
        n++;
    }
    if (n > 0 && buf[n - 1] == '\r') {
        n--;
    }
    if (n + 1 > cap || n == sizeof(buf)) {
        explicit_bzero(buf, sizeof(buf));
        return cli_errorf(CLI_ERROR, "the %s in %s is too long", noun, what);
    }
    memcpy(out, buf, n);
    out[n] = '\0';
    *len = n;
    explicit_bzero(buf, sizeof(buf));
    return CLI_OK;
}

/*
 * --pass-file FILE. Unlike key files (opened O_NOFOLLOW so that a planted link cannot redirect a
 * write or a read of a key), the pass file may be a symbolic link: secret mounts (Kubernetes
 * secrets, Docker/Podman secrets, systemd credentials) present files as links into a hidden
 * directory. What matters is the target: a regular file, and not readable by group or others
 * (warned about, not refused, as ssh does for a config file but gpg does for a home).
 * `noun` names the secret and `file_noun` the file in messages; `refuse_readable` turns the
 * warning into a refusal (cli_read_secret: a password file made for one user, issue 19).
 */
static int read_secret_file(const char *path, const char *noun, const char *file_noun, bool refuse_readable,
                            char *out, size_t cap, size_t *len)
{
    if (strcmp(path, "-") == 0) {
        return read_secret_fd(STDIN_FILENO, "standard input", noun, out, cap, len);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        return cli_errorf(CLI_ERROR, "cannot open the %s %s: %s", file_noun, path, strerror(errno));
    }
    struct stat st;
    /* A regular file, or a pipe (--pass-file <(pass show eseal), /dev/stdin): only the first
     * line is read, with a bound, so a pipe cannot make it read forever. O_NONBLOCK (so that
     * opening a FIFO with no writer cannot hang) is cleared for the read itself. */
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
        close(fd);
        return cli_errorf(CLI_ERROR, "the %s %s is not a file or a pipe", file_noun, path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        close(fd);
        return cli_errorf(CLI_ERROR, "cannot read the %s %s: %s", file_noun, path, strerror(errno));
    }
    if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        const char *by = (st.st_mode & S_IROTH) != 0 ? "others" : "its group";
        if (refuse_readable) {
            close(fd);
            return cli_errorf(CLI_ERROR, "the %s %s is readable by %s (mode %03o): make it 0600 or 0400", file_noun,
                              path, by, (unsigned)(st.st_mode & 0777));
        }
        fprintf(stderr, "eseal: warning: the %s %s is readable by %s (mode %03o); make it 0600 or 0400\n", file_noun,
                path, by, (unsigned)(st.st_mode & 0777));
    }
    int rc = read_secret_fd(fd, path, noun, out, cap, len);
    close(fd);
    return rc;
}

int cli_read_secret(const char *path, const char *noun, char *out, size_t cap, size_t *len)
{
    char file_noun[64];
    (void)snprintf(file_noun, sizeof(file_noun), "%s file", noun);
    return read_secret_file(path, noun, file_noun, true, out, cap, len);
}

static int pass_from_option(const cli_args *a, char *out, size_t cap, size_t *len)
{
    if (a->pass_fd != NULL) {
        const char *s = a->pass_fd;
        long fd = 0;
        for (; *s >= '0' && *s <= '9' && fd < CLI_DIGITS_MAX; s++) {
            fd = fd * 10 + (*s - '0');
        }
        if (a->pass_fd[0] == '\0' || *s != '\0' || fd >= CLI_DIGITS_MAX) {
            return cli_errorf(CLI_USAGE, "--pass-fd needs a file descriptor number, not '%s'", a->pass_fd);
        }
        if (fcntl((int)fd, F_GETFD) < 0) {
            return cli_errorf(CLI_ERROR, "--pass-fd %ld: the descriptor is not open", fd);
        }
        char what[64];
        (void)snprintf(what, sizeof(what), "file descriptor %ld", fd);
        return read_secret_fd((int)fd, what, "passphrase", out, cap, len);
    }
    return read_secret_file(a->pass_file, "passphrase", "pass file", false, out, cap, len);
}

/* 1 when the passphrase will come from the terminal prompt. */
static bool pass_from_tty(const cli_args *a)
{
    const char *env = getenv("ESEAL_PASSPHRASE");
    return a->pass_fd == NULL && a->pass_file == NULL && (env == NULL || env[0] == '\0');
}

int cli_passphrase(const cli_args *a, char *out, size_t cap, size_t *len, bool confirm)
{
    if (a->pass_fd != NULL && a->pass_file != NULL) {
        return cli_errorf(CLI_USAGE, "--pass-fd and --pass-file cannot be given together");
    }
    if (a->pass_fd != NULL || a->pass_file != NULL) {
        return pass_from_option(a, out, cap, len);
    }
    const char *env = getenv("ESEAL_PASSPHRASE");
    if (env != NULL && env[0] != '\0') {
        size_t n = strlen(env);
        if (n + 1 > cap) {
            return cli_errorf(CLI_ERROR, "ESEAL_PASSPHRASE is too long");
        }
        memcpy(out, env, n + 1);
        *len = n;
        return CLI_OK;
    }
    int rc = read_tty_line("eseal passphrase: ", out, cap, len);
    if (rc != CLI_OK || !confirm) {
        return rc;
    }
    char again[1024];
    size_t alen = 0;
    rc = read_tty_line("eseal passphrase (again): ", again, sizeof(again), &alen);
    bool same = rc == CLI_OK && alen == *len && memcmp(again, out, alen) == 0;
    explicit_bzero(again, sizeof(again));
    if (rc == CLI_OK && !same) {
        return cli_errorf(CLI_ERROR, "the passphrases do not match");
    }
    return rc;
}

int cli_new_passphrase(const char *file, const char *fd, char *out, size_t cap, size_t *len)
{
    if (file != NULL || fd != NULL) {
        if (file != NULL && fd != NULL) {
            return cli_errorf(CLI_USAGE, "--new-pass-fd and --new-pass-file cannot be given together");
        }
        cli_args o;
        memset(&o, 0, sizeof(o));
        o.pass_file = file;
        o.pass_fd = fd;
        return pass_from_option(&o, out, cap, len);
    }
    int rc = read_tty_line("new eseal passphrase: ", out, cap, len);
    if (rc != CLI_OK) {
        return rc;
    }
    char again[1024];
    size_t alen = 0;
    rc = read_tty_line("new eseal passphrase (again): ", again, sizeof(again), &alen);
    bool same = rc == CLI_OK && alen == *len && memcmp(again, out, alen) == 0;
    explicit_bzero(again, sizeof(again));
    if (rc == CLI_OK && !same) {
        return cli_errorf(CLI_ERROR, "the passphrases do not match");
    }
    return rc;
}

int cli_ask_new_secret(const char *prompt, const char *noun, char *out, size_t cap, size_t *len)
{
    /* read_tty_line's own words for a missing terminal are about the instance passphrase */
    int probe = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (probe < 0) {
        return cli_errorf(CLI_ERROR, "cannot ask for the %s: no terminal (/dev/tty: %s)", noun, strerror(errno));
    }
    close(probe);
    char first[256], second[256];
    (void)snprintf(first, sizeof(first), "%s: ", prompt);
    (void)snprintf(second, sizeof(second), "%s (again): ", prompt);
    int rc = read_tty_line(first, out, cap, len);
    if (rc != CLI_OK) {
        explicit_bzero(out, cap);
        return rc;
    }
    char again[PASS_MAX];
    size_t alen = 0;
    rc = read_tty_line(second, again, sizeof(again), &alen);
    bool same = rc == CLI_OK && alen == *len && memcmp(again, out, alen) == 0;
    explicit_bzero(again, sizeof(again));
    if (rc == CLI_OK && !same) {
        rc = cli_errorf(CLI_ERROR, "the %ss do not match", noun);
    }
    if (rc != CLI_OK) {
        explicit_bzero(out, cap);
        *len = 0;
    }
    return rc;
}

#define TTY_TRIES 3

/*
 * The key of a running agent of the home (eseal agent): true when it unlocked the instance. No
 * agent (ESEAL_ENOTFOUND) is the common case and silent; any other failure is said (the agent of
 * another user, one whose key no longer opens the keys since eseal passwd, one that does not
 * answer) and the passphrase is asked for as if there were none.
 */
static bool unlock_with_agent(const cli_args *a, eseal_instance *inst)
{
    int rc = eseal_instance_use_agent(inst);
    if (rc == ESEAL_OK) {
        return true;
    }
    if (rc != ESEAL_ENOTFOUND) {
        const eseal_error *e = eseal_error_last();
        cli_note("eseal: the agent of %s is not used: %s", cli_home(a),
                 e->code == rc && e->message[0] != '\0' ? e->message : eseal_code_text(rc));
    }
    return false;
}

/* The token PIN asked on the terminal when a token first needs it (and none came from --pin-file or
 * $ESEAL_TOKEN_PIN): the library calls this back; the answer is not echoed. */
int cli_tty_token_pin(void *payload, const char *token, char *pin, size_t cap, size_t *len)
{
    (void)payload;
    char prompt[128];
    (void)snprintf(prompt, sizeof(prompt), "PIN of token %.64s: ", token);
    int probe = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (probe < 0) {
        return ESEAL_EPASS; /* the library sets the message (no terminal) !checksrc! allowed */
    }
    close(probe);
    return read_tty_line(prompt, pin, cap, len) == CLI_OK ? ESEAL_OK : ESEAL_EPASS;
}

int cli_token_pin_read(const cli_args *a, char *pin, size_t cap, size_t *len, bool *ask)
{
    *len = 0;
    *ask = false;
    const char *env = getenv("ESEAL_TOKEN_PIN");
    if (a->pin_file != NULL) {
        return read_secret_file(a->pin_file, "token PIN", "PIN file", false, pin, cap, len);
    }
    if (env != NULL && env[0] != '\0') {
        size_t n = strlen(env);
        if (n >= cap) {
            return cli_usage_error(NULL, "ESEAL_TOKEN_PIN is longer than %zu bytes", cap - 1);
        }
        memcpy(pin, env, n + 1);
        *len = n;
        return CLI_OK;
    }
    *ask = true;
    return CLI_OK;
}

/* Gives the instance the token PIN: --pin-file, else $ESEAL_TOKEN_PIN, else the terminal on demand. */
int cli_token_pin(const cli_args *a, eseal_instance *inst)
{
    char pin[260];
    size_t len = 0;
    bool ask = false;
    int rc = cli_token_pin_read(a, pin, sizeof(pin), &len, &ask);
    if (rc == CLI_OK && ask) {
        (void)eseal_instance_set_token_pin_callback(inst, cli_tty_token_pin, NULL);
    } else if (rc == CLI_OK && (rc = eseal_instance_set_token_pin(inst, pin, len)) != ESEAL_OK) {
        rc = cli_fail(rc);
    }
    explicit_bzero(pin, sizeof(pin));
    return rc;
}

static int open_instance(const cli_args *a, eseal_instance **out, bool with_pass, bool agent)
{
    int rc = eseal_instance_open(out, cli_home(a));
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    rc = cli_token_pin(a, *out);
    if (rc != CLI_OK) {
        eseal_instance_close(*out);
        *out = NULL;
        return rc;
    }
    if (!with_pass || (agent && unlock_with_agent(a, *out))) {
        return CLI_OK;
    }
    /* At a terminal a mistyped passphrase is asked again (TTY_TRIES in all), as sudo and gpg do;
     * from a file, a descriptor or the environment it is not: retrying cannot change it. */
    bool tty = pass_from_tty(a);
    for (int attempt = 1;; attempt++) {
        char pass[1024];
        size_t len = 0;
        int prc = cli_passphrase(a, pass, sizeof(pass), &len, false);
        if (prc == CLI_OK) {
            rc = eseal_instance_set_passphrase(*out, pass, len);
            if (rc == ESEAL_OK && tty) {
                rc = eseal_instance_passphrase_check(*out);
            }
        }
        explicit_bzero(pass, sizeof(pass));
        if (prc == CLI_OK && rc == ESEAL_EPASS && tty && attempt < TTY_TRIES) {
            fprintf(stderr, "eseal: wrong passphrase, try again (%d of %d)\n", attempt + 1, TTY_TRIES);
            continue;
        }
        if (prc != CLI_OK || rc != ESEAL_OK) {
            eseal_instance_close(*out);
            *out = NULL;
            return prc != CLI_OK ? prc : cli_fail(rc);
        }
        return CLI_OK;
    }
}

int cli_open(const cli_args *a, eseal_instance **out, bool with_pass) { return open_instance(a, out, with_pass, true); }

int cli_open_pass(const cli_args *a, eseal_instance **out) { return open_instance(a, out, true, false); }

int cli_begin(const cli_cmd *cmd, cli_args *a, const char *sub, const char *const allowed[], size_t npos,
              const char *usage, eseal_instance **out)
{
    int rc = cli_options_only(cmd, a, sub, allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != npos) {
        return cli_usage_error(cmd, "%s", usage);
    }
    return cli_open(a, out, false);
}

int cli_write_file(const char *path, const void *data, size_t len)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            return cli_errorf(CLI_ERROR, "writing to standard output: %s", strerror(errno));
        }
        return CLI_OK;
    }
    int rc = eseal_file_write(path, data, len, 0644);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

int cli_read_file(const char *path, eseal_buf *out, size_t max)
{
    if (strcmp(path, "-") == 0) {
        return cli_read_stdin(out, max); /* io.c */
    }
    int rc = eseal_file_read(out, path, max);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

int cli_parse_time(const char *s, int64_t *ms)
{
    int rc = eseal_time_parse(ms, s);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

void cli_print_time(char *out, size_t n, int64_t ms) { eseal_time_format(out, n, ms); }

void cli_print_time_s(char *out, size_t n, int64_t ms)
{
    char full[40];
    eseal_time_format(full, sizeof(full), ms);
    /* "2026-12-05T02:40:03.123Z" -> "2026-12-05T02:40:03Z" */
    char *dot = strchr(full, '.');
    if (dot != NULL) {
        dot[0] = 'Z';
        dot[1] = '\0';
    }
    (void)snprintf(out, n, "%s", full);
}

void cli_json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

void cli_json_csv(const char *csv)
{
    putchar('[');
    const char *p = csv;
    for (bool first = true; *p != '\0'; first = false) {
        size_t n = strcspn(p, ",");
        char item[256];
        if (n >= sizeof(item)) {
            n = sizeof(item) - 1; /* longer than any role or scope name: cut, never overrun */
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (!first) {
            printf(", ");
        }
        cli_json_str(item);
        p += strcspn(p, ",");
        p += *p == ',' ? 1 : 0;
    }
    putchar(']');
}

static void print_overview(FILE *f)
{
    fprintf(f, "eseal %s - electronic seals: keys, certificates, signatures\n\n"
               "Usage: eseal [--home DIR] COMMAND [ARGS...]\n\nCommands:\n",
            eseal_version());
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
    }
    fprintf(f, "  %-8s %s\n  %-8s %s\n\n", "help", "show help for a command", "version", "print the version");
    fputs(global_usage, f);
    fputs("\nExit status: 0 ok or VALID, 1 not valid (INVALID or INDETERMINATE), 2 usage error, 3 error.\n"
          "See eseal(1) for details.\n",
          f);
}

int cli_print_report(const cli_args *a, eseal_report *rep)
{
    eseal_buf out = ESEAL_BUF_INIT;
    /* --detail: every section instead of the short answer (declared by the commands that print reports) */
    bool detail = find_spec(a->specs, "detail", 0) >= 0 && cli_flag(a, "detail");
    int rc = a->json ? eseal_report_to_json(&out, rep)
                     : eseal_report_to_text(&out, rep, detail ? ESEAL_REPORT_TEXT_DETAIL : 0);
    eseal_verdict v = eseal_report_verdict(rep);
    eseal_report_free(rep);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    fwrite(out.ptr, 1, out.size, stdout);
    eseal_buf_dispose(&out);
    return v == ESEAL_VALID ? CLI_OK : CLI_NOT_VALID;
}

static const cli_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

/*
 * The commands and subcommands whose results have a JSON form. Any other one given --json is a
 * usage error (exit 2) rather than text where a program expects JSON. Keep docs/man/eseal.1
 * (--json) in step.
 */
static const char *const json_commands[] = {
    "init",         "cert issue",    "cert list",       "cert show",    "cert revoke",  "cert import",
    "seal make",    "seal show",     "seal verify",     "seal receipt", "seal status",  "seal list",
    "seal history", "seal file",     "seal suspend",    "seal resume",  "seal revoke",  "seal cancel",
    "seal renew",   "stamp",         "sign",            "verify",       "extend",       "tsa respond",
    "ocsp respond", "log key",       "log verify-receipt", "log audit", "witness init", "witness add-log",
    "witness key",  "ca renew",      "agent status",    "org add",      "org list",     "user add",
    "user list",    "user disable",  "user enable",     "user roles",   "user passwd",  "token create",
    "token list",   "token revoke",  "grant add",       "grant list",   "grant show",   "grant revoke",
    "grant change", "device add",    "device list",     "device show",
    "template add", "template list", "request list", "request show", "migrate", "store copy",
    "trust add",    "trust list",    "trust show"};
/* Commands whose first argument is a subcommand. */
static const char *const sub_commands[] = {"cert", "ca",      "seal", "key", "tsa",  "ocsp",
                                           "log",  "witness", "agent", "org", "user", "token",
                                           "grant", "template", "request", "device", "store",
                                           "trustlist", "trust"};

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* A usage error when --json was given to a command without a JSON form. */
static int json_check(const cli_cmd *cmd, const cli_args *a)
{
    if (!a->json) {
        return CLI_OK;
    }
    /* -o - puts the document (or certificate, token, response) on standard output: JSON there too
     * would make both unreadable. */
    int oi = find_spec(a->specs, "output", 0);
    if (oi >= 0 && a->counts[oi] > 0 && strcmp(a->values[oi][a->counts[oi] - 1], "-") == 0) {
        return cli_usage_error(cmd, "--json and -o - both write to standard output: give -o a file");
    }
    char full[128];
    bool has_subs = in_list(sub_commands, sizeof(sub_commands) / sizeof(sub_commands[0]), cmd->name);
    if (has_subs && a->npos == 0) {
        return CLI_OK; /* the command reports the missing subcommand itself */
    }
    (void)snprintf(full, sizeof(full), "%s%s%s", cmd->name, has_subs ? " " : "", has_subs ? a->pos[0] : "");
    if (in_list(json_commands, sizeof(json_commands) / sizeof(json_commands[0]), full)) {
        return CLI_OK;
    }
    return cli_usage_error(cmd, "--json is not supported by 'eseal %s'", full);
}

/* Options before the command name: the global ones only (the command's own come after it). */
static const cli_cmd global_cmd = {"", "", "", NULL, NULL};

int main(int argc, char **argv)
{
    cli_args a;
    memset(&a, 0, sizeof(a));
    /* --json anywhere makes every error JSON, even one found before the command is known. */
    for (int k = 1; k < argc && strcmp(argv[k], "--") != 0; k++) {
        if (strcmp(argv[k], "--json") == 0) {
            g_json = true;
        }
    }
    int i = 1;
    while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
        const char *o = argv[i];
        if (strcmp(o, "--version") == 0) {
            printf("eseal %s\n", eseal_version());
            return CLI_OK;
        }
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            print_overview(stdout);
            return CLI_OK;
        }
        /* Which global options take a value, to find where the command name is. */
        bool takes = strcmp(o, "--home") == 0 || strcmp(o, "--pass-file") == 0 || strcmp(o, "--pass-fd") == 0 ||
                     strcmp(o, "--pin-file") == 0;
        i += takes ? 2 : 1;
    }
    if (i > argc) {
        return cli_usage_error(NULL, "option %s needs a value", argv[argc - 1]);
    }
    int rc = cli_parse(&a, &global_cmd, i - 1, argv + 1);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a.npos > 0) {
        return cli_usage_error(NULL, "unexpected argument '%s' before the command", a.pos[0]);
    }
    if (i >= argc) {
        if (g_json) {
            return cli_usage_error(NULL, "no command given (try 'eseal help')");
        }
        print_overview(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[i++];
    if (strcmp(name, "version") == 0) {
        if (g_json) {
            printf("{\"version\": \"%s\"}\n", eseal_version());
        } else {
            printf("eseal %s\n", eseal_version());
        }
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0 && g_json) {
        return cli_usage_error(NULL, "--json is not supported by 'eseal help'");
    }
    if (strcmp(name, "help") == 0) {
        if (i >= argc) {
            print_overview(stdout);
            return CLI_OK;
        }
        const cli_cmd *c = find_cmd(argv[i]);
        if (c == NULL) {
            return cli_usage_error(NULL, "no command '%s' (try 'eseal help')", argv[i]);
        }
        fputs(c->usage, stdout);
        fputs("\n", stdout);
        fputs(global_usage, stdout);
        return CLI_OK;
    }
    const cli_cmd *cmd = find_cmd(name);
    if (cmd == NULL) {
        return cli_usage_error(NULL, "no command '%s' (try 'eseal help')", name);
    }
    rc = cli_parse(&a, cmd, argc - i, argv + i);
    if (rc != CLI_OK) {
        return rc;
    }
    rc = json_check(cmd, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    return cmd->run(&a);
}
