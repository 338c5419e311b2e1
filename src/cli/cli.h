/* SPDX-License-Identifier: Apache-2.0 */
/* The eseal command-line tool: a thin layer over include/eseal (no internal headers). */
#ifndef ESEAL_CLI_H
#define ESEAL_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "eseal/eseal.h"

/* Exit codes (eseal(1)): 0 ok / valid, 1 not valid, 2 usage, 3 error. */
#define CLI_OK 0
#define CLI_NOT_VALID 1
#define CLI_USAGE 2
#define CLI_ERROR 3

#define CLI_MAX_OPTS 32
#define CLI_MAX_POS 8
#define CLI_MAX_REPEAT 16

/* Ranges of numeric options (one line each: why that value). */
#define CLI_DIGITS_MAX 100000       /* a number read digit by digit stops here: no overflow, above any fd/days */
#define CLI_MAX_PAGE 1000000        /* --page, --cross-page: past any real document's page count */
#define CLI_MAX_AT_MM 5000          /* --at: 5 m is off the largest page (ISO 32000: 14400 pt, 5.08 m) */
#define CLI_MAX_JOBS 64             /* --jobs: stamping threads of one batch; more only contend for the disk */
#define CLI_MAX_LOG_INTERVAL_MS 1000 /* --interval: log entries wait for it; eseal_serve_options allows 1000 */
#define CLI_MAX_TIMEOUT_MS 600000   /* --tsa-timeout: ten minutes, longer than any TSA should take */
#define CLI_MIN_SEAL_MM 10          /* --size: a seal smaller than 1 cm cannot be read */
#define CLI_MAX_SEAL_MM 100         /* --size: larger than any seal the standards describe (GB/T 38540 §5) */
#define CLI_MAX_DAYS 36500          /* --days of a seal: a century */
#define CLI_MIN_DPI 72              /* --dpi: screen resolution */
#define CLI_MAX_DPI 2400            /* --dpi: beyond print resolution; the PNG grows with its square */

typedef struct {
    const char *name;  /* long name without "--" */
    char short_name;   /* 0 when none */
    bool has_arg;
    bool repeatable;
} cli_opt_spec;

typedef struct {
    const cli_opt_spec *specs;
    const char *values[CLI_MAX_OPTS][CLI_MAX_REPEAT];
    size_t counts[CLI_MAX_OPTS];
    const char *pos[CLI_MAX_POS];
    size_t npos;
    /* global options */
    const char *home;
    const char *pass_file; /* "-": standard input */
    const char *pass_fd;   /* --pass-fd N: the first line read from file descriptor N */
    const char *pin_file;  /* --pin-file F: the token PIN (issue 23), else $ESEAL_TOKEN_PIN, else the terminal */
    bool json;
    bool verbose;
    bool quiet;            /* -q: no confirmations or progress on stderr (results still on stdout) */
} cli_args;

typedef struct {
    const char *name;
    const char *summary;
    const char *usage; /* full help text */
    const cli_opt_spec *opts;
    int (*run)(cli_args *a);
} cli_cmd;

/* Parses argv for a command; prints the usage error and returns CLI_USAGE on failure. */
int cli_parse(cli_args *a, const cli_cmd *cmd, int argc, char **argv);
/* The value of option `name` (last given), or NULL. */
const char *cli_get(const cli_args *a, const char *name);
size_t cli_count(const cli_args *a, const char *name);
const char *cli_get_n(const cli_args *a, const char *name, size_t i);
bool cli_flag(const cli_args *a, const char *name);
/* A usage error "SUB takes no --NAME" for the first option given that is not in `allowed` (NULL-
 * terminated; NULL: none): subcommands sharing one option table refuse each other's options. */
int cli_options_only(const cli_cmd *cmd, const cli_args *a, const char *sub, const char *const allowed[]);

/*
 * Errors. Without --json: "eseal: <message>" on stderr. With --json: one object
 * {"error": {"code": CODE, "message": MESSAGE}} on stdout (only the first error of a run; any
 * later one goes to stderr), where CODE is the library's stable code name (eseal_code_name:
 * "ESEAL_ENOTFOUND", ...) for library errors, "ESEAL_EUSAGE" for usage errors, and
 * "ESEAL_ERROR" for other errors found by the CLI itself. Exit codes do not change.
 */
/* Prints the last library error and returns CLI_ERROR (or CLI_USAGE for EINVAL). */
int cli_fail(int rc);
/* Prints "eseal: <formatted>" and returns `code`. */
int cli_errorf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A subcommand of a command ("seal show"): its name and the function that runs it. */
typedef struct {
    const char *name;
    int (*run)(cli_args *a);
} cli_sub;
/* Runs the subcommand named by a->pos[0] from subs[0..n); a usage error naming them all when
 * there is none, and one naming the word when it is unknown. */
int cli_dispatch(const cli_cmd *cmd, cli_args *a, const cli_sub *subs, size_t n);

/* Opens the instance (with the passphrase), serves what `o` names (eseal_instance_serve), prints
 * the banner "eseal NAME: listening on ADDR (port N), ROUTES; ..." and serves until SIGINT or
 * SIGTERM; then stops and frees everything. `eseal serve` and its aliases (tsa, ocsp, log serve). */
int cli_serve(const cli_args *a, const char *name, const eseal_serve_options *o);
/* For a server that is not an instance's (witness serve): block SIGINT and SIGTERM before any
 * thread starts, then wait for one of them. */
void cli_stop_signals_block(void);
void cli_stop_signals_wait(void);
/* --tsa URL (repeatable) and --tsa-timeout MS of `cmd`; a usage error for a bad timeout. */
int cli_tsa_options(const cli_args *a, const cli_cmd *cmd, const char *urls[CLI_MAX_REPEAT], size_t *n,
                    unsigned int *timeout_ms);
/* "time: TIME, SOURCE": where a stamp's time came from. */
void cli_print_time_line(int64_t time_ms, const char *source);
/* The ", \"level\": ..., \"time\": ..., \"time_source\": ..." members of a JSON answer. */
void cli_print_time_json(const char *level, int64_t time_ms, const char *source);

/* A confirmation or progress line on stderr ("wrote X"); nothing with --quiet. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True with --quiet. */
bool cli_quiet(void);

/* The instance home: --home, else $ESEAL_HOME, else $XDG_DATA_HOME/eseal, else
 * ~/.local/share/eseal ($HOME, else the passwd entry; /var/lib/eseal when there is no home at
 * all): never the current directory. Never NULL. */
const char *cli_home(const cli_args *a);
/* Reads the passphrase (--pass-fd, --pass-file, $ESEAL_PASSPHRASE, or a terminal prompt). confirm: ask twice. */
int cli_passphrase(const cli_args *a, char *out, size_t cap, size_t *len, bool confirm);
/* A new passphrase: from the file (or "-") or descriptor given, else asked twice on the terminal. */
int cli_new_passphrase(const char *file, const char *fd, char *out, size_t cap, size_t *len);
/* The first line of a file holding a secret of an account (`noun`: "password"), "-" for standard
 * input. Unlike --pass-file it is refused, not only warned about, when it is a regular file readable
 * by its group or others ("the password file F is readable by others (mode 644): make it 0600 or
 * 0400", CLI_ERROR). A symbolic link is followed, as for --pass-file (secret mounts). */
int cli_read_secret(const char *path, const char *noun, char *out, size_t cap, size_t *len);
/* Asks for a new secret on the terminal twice ("PROMPT: ", "PROMPT (again): "), without echo;
 * "the NOUNs do not match" (CLI_ERROR) when the two differ. `out` is wiped on failure. */
int cli_ask_new_secret(const char *prompt, const char *noun, char *out, size_t cap, size_t *len);
/* Gives `inst` the token PIN (--pin-file, $ESEAL_TOKEN_PIN, or a terminal prompt when a token asks);
 * cli_open does it for every instance it opens. */
int cli_token_pin(const cli_args *a, eseal_instance *inst);
/* The token PIN into `pin` (at most cap - 1 bytes, NUL-terminated; the caller wipes it) from
 * --pin-file or $ESEAL_TOKEN_PIN; neither: *ask is set, for cli_tty_token_pin to ask when needed. */
int cli_token_pin_read(const cli_args *a, char *pin, size_t cap, size_t *len, bool *ask);
/* The PIN callback that asks on the terminal (eseal_token_pin_cb). */
int cli_tty_token_pin(void *payload, const char *token, char *pin, size_t cap, size_t *len);
/* Opens the instance; with_pass also unlocks its keys: with the key of a running agent of the home
 * (eseal agent; no passphrase asked then), else with the passphrase (asked up to 3 times at a
 * terminal). An agent that does not answer as it should, or whose key no longer opens the keys,
 * is said so on stderr (not with -q) and passed over for the passphrase. */
int cli_open(const cli_args *a, eseal_instance **out, bool with_pass);
/* Opens the instance and sets the passphrase, never taking a key from an agent (eseal agent start). */
int cli_open_pass(const cli_args *a, eseal_instance **out);
/* How a reading or account subcommand starts: only the options `allowed` (cli_options_only), exactly
 * `npos` positional words (the subcommand's name is the first; else the usage error `usage`), then
 * cli_open without the keys. CLI_OK with *out open (the caller closes it), or the code to return. */
int cli_begin(const cli_cmd *cmd, cli_args *a, const char *sub, const char *const allowed[], size_t npos,
              const char *usage, eseal_instance **out);
/* The acting principal of this command: the local operator, named by the login of the process's
 * effective user (getpwuid; "uid:N" when it has no passwd entry), from "local", with device
 * "eseal-cli". The strings live in static storage until the next call. */
const eseal_principal *cli_principal(void);
/* Writes a whole file atomically (0644) or to stdout when path is "-". */
int cli_write_file(const char *path, const void *data, size_t len);
/* Reads a whole file (at most max bytes); "-" reads standard input. */
int cli_read_file(const char *path, eseal_buf *out, size_t max);
/* Parses an RFC 3339 time. */
int cli_parse_time(const char *s, int64_t *ms);
/* A decimal number of `what` from 1 to max (a usage error of `cmd` otherwise). */
int cli_number(const cli_cmd *cmd, const char *s, const char *what, uint64_t max, uint64_t *out);
void cli_print_time(char *out, size_t n, int64_t ms);
/* The same to the second ("2026-12-05T02:40:03Z"): for the columns of lists. */
void cli_print_time_s(char *out, size_t n, int64_t ms);
/* Prints a report (JSON with --json, else text), frees it, and returns 0 for VALID, 1 otherwise. */
int cli_print_report(const cli_args *a, eseal_report *rep);
/* Prints a JSON-escaped string. */
void cli_json_str(const char *s);
/* Prints a comma-separated list ("approver,stamper") as a JSON array of strings; "" is []. */
void cli_json_csv(const char *csv);
/* `, "NAME": ` and the RFC 3339 time of ms, or null for 0 (never, not yet, not revoked). */
void cli_json_time(const char *name, int64_t ms);

/* ---- file I/O (io.c): "-" for standard input/output, progress, interruption ---- */

/* Reads all of standard input (at most max bytes; NUL-terminated after size). */
int cli_read_stdin(eseal_buf *out, size_t max);
/* Library calls that take paths get "-" as temporary files in a private directory under $TMPDIR:
 * an input spooled from standard input, an output copied to standard output only once it is
 * complete (a failed stamp writes nothing there). */
typedef struct {
    char dir[4096];
    char in[4200];
    char out[4200];
} cli_spool;
#define CLI_SPOOL_INIT {"", "", ""}
/* *use is path, or the spooled copy of standard input when path is "-". */
int cli_spool_input(cli_spool *s, const char *path, const char **use);
/* *use is path, or a temporary file that cli_spool_finish copies to standard output when path is "-". */
int cli_spool_output(cli_spool *s, const char *path, const char **use);
int cli_spool_finish(cli_spool *s);
/* Removes the temporary files and directory (always call it). */
void cli_spool_cleanup(cli_spool *s);
/* SIGINT and SIGTERM set cli_interrupted (a second signal ends the process): long work stops cleanly. */
extern volatile sig_atomic_t cli_interrupted;
void cli_interrupt_catch(void);
#define CLI_INTERRUPTED 130 /* 128 + SIGINT, as shells report it */
/* Progress lines only when stderr is a terminal. */
bool cli_stderr_tty(void);

/* eseal device simulate (cmd_device_sim.c), a subcommand of cli_cmd_device. */
int cli_device_simulate(cli_args *a);

extern const cli_cmd cli_cmd_init, cli_cmd_cert, cli_cmd_ca, cli_cmd_sign, cli_cmd_verify, cli_cmd_key,
    cli_cmd_seal, cli_cmd_stamp, cli_cmd_tsa, cli_cmd_extend, cli_cmd_ocsp, cli_cmd_log, cli_cmd_witness,
    cli_cmd_passwd, cli_cmd_serve, cli_cmd_agent, cli_cmd_org, cli_cmd_user, cli_cmd_token, cli_cmd_grant,
    cli_cmd_template, cli_cmd_request, cli_cmd_device, cli_cmd_migrate, cli_cmd_store, cli_cmd_trustlist,
    cli_cmd_trust;

#endif
