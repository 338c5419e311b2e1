/* eseal: the command table, argument parsing, and helpers shared by the commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

static const cli_cmd *const commands[] = {&cli_cmd_init, &cli_cmd_cert, &cli_cmd_ca,
                                          &cli_cmd_seal, &cli_cmd_stamp, &cli_cmd_sign, &cli_cmd_verify, &cli_cmd_key, &cli_cmd_tsa,
                                          &cli_cmd_extend, &cli_cmd_ocsp, &cli_cmd_log, &cli_cmd_witness};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_usage[] =
    "Global options (accepted by every command):\n"
    "  --home DIR        instance home (default: $ESEAL_HOME, else ./var/eseal)\n"
    "  --pass-file FILE  read the instance passphrase from FILE (else $ESEAL_PASSPHRASE,\n"
    "                    else a prompt on the terminal)\n"
    "  --json            machine-readable output\n"
    "  -v, --verbose     with errors, also print the error code and source location\n";

static const cli_opt_spec global_specs[] = {
    {"home", 0, true, false}, {"pass-file", 0, true, false}, {"json", 0, false, false},
    {"verbose", 'v', false, false}, {"help", 'h', false, false}, {NULL, 0, false, false}};

static bool g_verbose;

static void vwarn(const char *fmt, va_list ap)
{
    fputs("eseal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_errorf(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    return code;
}

int cli_fail(int rc)
{
    const eseal_error *e = eseal_error_last();
    const char *msg = (e->code == rc && e->message[0] != '\0') ? e->message : eseal_code_text(rc);
    fprintf(stderr, "eseal: %s\n", msg);
    if (g_verbose) {
        fprintf(stderr, "eseal: (%s at %s)\n", eseal_code_name(rc), e->where);
    }
    return rc == ESEAL_EINVAL ? CLI_USAGE : CLI_ERROR;
}

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    if (cmd != NULL) {
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
        char nbuf[64] = "";
        const char *name = NULL;
        char short_name = 0;
        const char *inline_val = NULL;
        if (arg[1] == '-') {
            const char *eq = strchr(arg + 2, '=');
            size_t n = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            if (n == 0 || n >= sizeof(nbuf)) {
                return cli_usage_error(cmd, "bad option '%s'", arg);
            }
            memcpy(nbuf, arg + 2, n);
            nbuf[n] = '\0';
            name = nbuf;
            inline_val = eq != NULL ? eq + 1 : NULL;
        } else {
            if (arg[2] != '\0') {
                return cli_usage_error(cmd, "bad option '%s' (one letter per dash)", arg);
            }
            short_name = arg[1];
        }
        int gi = find_spec(global_specs, name, short_name);
        int ci = gi >= 0 ? -1 : find_spec(cmd->opts, name, short_name);
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
        if (gi >= 0) {
            switch (gi) {
            case 0:
                a->home = val;
                break;
            case 1:
                a->pass_file = val;
                break;
            case 2:
                a->json = true;
                break;
            case 3:
                a->verbose = g_verbose = true;
                break;
            default:
                fputs(cmd->usage, stdout);
                fputs(global_usage, stdout);
                exit(CLI_OK);
            }
            continue;
        }
        if (a->counts[ci] > 0 && !sp->repeatable) {
            return cli_usage_error(cmd, "option --%s given twice", sp->name);
        }
        if (a->counts[ci] >= CLI_MAX_REPEAT) {
            return cli_usage_error(cmd, "option --%s given too often", sp->name);
        }
        a->values[ci][a->counts[ci]++] = val != NULL ? val : "";
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

const char *cli_home(const cli_args *a)
{
    if (a->home != NULL) {
        return a->home;
    }
    const char *env = getenv("ESEAL_HOME");
    return (env != NULL && env[0] != '\0') ? env : "./var/eseal";
}

static int read_tty_line(const char *prompt, char *out, size_t cap, size_t *len)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return cli_errorf(CLI_ERROR, "no passphrase: set ESEAL_PASSPHRASE, use --pass-file, or run on a terminal");
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

int cli_passphrase(const cli_args *a, char *out, size_t cap, size_t *len, bool confirm)
{
    const char *env = getenv("ESEAL_PASSPHRASE");
    if (a->pass_file != NULL) {
        eseal_buf b = ESEAL_BUF_INIT;
        int rc = eseal_file_read(&b, a->pass_file, 4096);
        if (rc != ESEAL_OK) {
            return cli_fail(rc);
        }
        size_t n = b.size;
        /* The first line is the passphrase (a trailing newline is not part of it). */
        for (size_t i = 0; i < b.size; i++) {
            if (b.ptr[i] == '\n' || b.ptr[i] == '\r') {
                n = i;
                break;
            }
        }
        if (n + 1 > cap) {
            eseal_buf_dispose(&b);
            return cli_errorf(CLI_ERROR, "passphrase in %s is too long", a->pass_file);
        }
        memcpy(out, b.ptr, n);
        out[n] = '\0';
        *len = n;
        eseal_buf_dispose(&b); /* wipes */
        return CLI_OK;
    }
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

int cli_open(const cli_args *a, eseal_instance **out, bool with_pass)
{
    int rc = eseal_instance_open(out, cli_home(a));
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (with_pass) {
        char pass[1024];
        size_t len = 0;
        int prc = cli_passphrase(a, pass, sizeof(pass), &len, false);
        if (prc == CLI_OK) {
            rc = eseal_instance_set_passphrase(*out, pass, len);
        }
        explicit_bzero(pass, sizeof(pass));
        if (prc != CLI_OK || rc != ESEAL_OK) {
            eseal_instance_close(*out);
            *out = NULL;
            return prc != CLI_OK ? prc : cli_fail(rc);
        }
    }
    return CLI_OK;
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
    int rc = a->json ? eseal_report_to_json(&out, rep) : eseal_report_to_text(&out, rep);
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

int main(int argc, char **argv)
{
    int i = 1;
    cli_args a;
    memset(&a, 0, sizeof(a));
    /* Global options may come before the command name. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
            a.home = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--home=", 7) == 0) {
            a.home = argv[i++] + 7;
        } else if (strcmp(argv[i], "--pass-file") == 0 && i + 1 < argc) {
            a.pass_file = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--json") == 0) {
            a.json = true;
            i++;
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            a.verbose = g_verbose = true;
            i++;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("eseal %s\n", eseal_version());
            return CLI_OK;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_overview(stdout);
            return CLI_OK;
        } else {
            return cli_usage_error(NULL, "unknown option '%s' (try 'eseal help')", argv[i]);
        }
    }
    if (i >= argc) {
        print_overview(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[i++];
    if (strcmp(name, "version") == 0) {
        printf("eseal %s\n", eseal_version());
        return CLI_OK;
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
    int rc = cli_parse(&a, cmd, argc - i, argv + i);
    if (rc != CLI_OK) {
        return rc;
    }
    return cmd->run(&a);
}
