/* SPDX-License-Identifier: Apache-2.0 */
/* eseal user add|list|disable|enable|passwd|roles: the users of the platform (issue 19 §1;
 * include/eseal/accounts.h). Passwords are read from a file only this user may read, from
 * standard input, or from the terminal (twice); they are wiped after use and never printed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "eseal/accounts.h"

/* The longest password taken: the library refuses longer ones (ESEAL_EINVAL); the file reader
 * refuses them first with the file named. */
#define USER_PASSWORD_MAX 1024

static const cli_opt_spec opts[] = {{"org", 0, true, false},
                                    {"role", 0, true, true},
                                    {"name", 0, true, false},
                                    {"password-file", 0, true, false},
                                    {NULL, 0, false, false}};

static const char *status_name(eseal_user_status s)
{
    return s == ESEAL_USER_ACTIVE ? "active" : s == ESEAL_USER_DISABLED ? "disabled" : "?";
}

/* {"login", "display_name", "org", "roles": [...], "status", "created", "updated"} */
static void print_user_json(const eseal_user *u)
{
    char created[40], updated[40];
    cli_print_time(created, sizeof(created), u->created_ms);
    cli_print_time(updated, sizeof(updated), u->updated_ms);
    printf("{\"login\": ");
    cli_json_str(u->login);
    printf(", \"display_name\": ");
    cli_json_str(u->display_name);
    printf(", \"org\": ");
    cli_json_str(u->org_id);
    printf(", \"roles\": ");
    cli_json_csv(u->roles);
    printf(", \"status\": ");
    cli_json_str(status_name(u->status));
    printf(", \"created\": ");
    cli_json_str(created);
    printf(", \"updated\": ");
    cli_json_str(updated);
    printf("}");
}

/* The --role values (each ROLE[,ROLE]) joined with commas into out[ESEAL_ROLES_MAX + 1]. */
static int join_roles(const cli_args *a, const char *verb, char out[ESEAL_ROLES_MAX + 1])
{
    size_t n = cli_count(a, "role"), len = 0;
    if (n == 0) {
        return cli_usage_error(&cli_cmd_user, "user %s needs --role ROLE[,ROLE]", verb);
    }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *r = cli_get_n(a, "role", i);
        size_t rl = strlen(r);
        if (len + (i > 0 ? 1 : 0) + rl > ESEAL_ROLES_MAX) {
            return cli_usage_error(&cli_cmd_user, "the roles are longer than %d characters", ESEAL_ROLES_MAX);
        }
        if (i > 0) {
            out[len++] = ',';
        }
        memcpy(out + len, r, rl + 1);
        len += rl;
    }
    return CLI_OK;
}

/* The password: the first line of --password-file (or standard input for '-'), else asked twice
 * on the terminal when standard input is one, else a usage error (a script must say where it is). */
static int read_password(const cli_args *a, const char *verb, const char *login, char *out, size_t cap, size_t *len)
{
    const char *file = cli_get(a, "password-file");
    if (file != NULL) {
        return cli_read_secret(file, "password", out, cap, len);
    }
    if (isatty(STDIN_FILENO) == 0) {
        return cli_usage_error(&cli_cmd_user,
                               "user %s needs --password-file FILE ('-': standard input) when standard input is not "
                               "a terminal",
                               verb);
    }
    char prompt[ESEAL_LOGIN_MAX + 32];
    (void)snprintf(prompt, sizeof(prompt), "new password of %s", login);
    return cli_ask_new_secret(prompt, "password", out, cap, len);
}

/* Prints the user `login` as it is now: its object with --json, else "LOGIN: WHAT". */
static int print_after(const cli_args *a, eseal_instance *inst, const char *login, bool roles)
{
    eseal_user u;
    int rc = eseal_user_find(inst, cli_principal(), &u, login);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        print_user_json(&u);
        printf("\n");
    } else {
        printf("%s: %s\n", u.login, roles ? u.roles : status_name(u.status));
    }
    return CLI_OK;
}

static int do_add(cli_args *a)
{
    static const char *const allowed[] = {"org", "role", "name", "password-file", NULL};
    int rc = cli_options_only(&cli_cmd_user, a, "user add", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_user, "user add needs one LOGIN");
    }
    const char *login = a->pos[1];
    const char *org = cli_get(a, "org");
    if (org == NULL) {
        return cli_usage_error(&cli_cmd_user, "user add needs --org ORG (its id, code or name)");
    }
    char roles[ESEAL_ROLES_MAX + 1];
    rc = join_roles(a, "add", roles);
    if (rc != CLI_OK) {
        return rc;
    }
    char pw[USER_PASSWORD_MAX + 1];
    size_t pwlen = 0;
    rc = read_password(a, "add", login, pw, sizeof(pw), &pwlen);
    if (rc != CLI_OK) {
        explicit_bzero(pw, sizeof(pw));
        return rc;
    }
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        explicit_bzero(pw, sizeof(pw));
        return rc;
    }
    eseal_user u;
    int lrc = eseal_user_add(inst, cli_principal(), &u, login, cli_get(a, "name"), org, roles, pw);
    explicit_bzero(pw, sizeof(pw));
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_user_json(&u);
        printf("\n");
    } else {
        cli_note("user %s added to %s with roles %s", u.login, u.org_id, u.roles);
        printf("%s\n", u.login);
    }
    return CLI_OK;
}

typedef struct {
    bool json;
    size_t n;
} list_state;

static int list_cb(const eseal_user *u, void *payload)
{
    list_state *st = payload;
    if (st->json) {
        printf("%s", st->n == 0 ? "" : ",\n");
        print_user_json(u);
    } else {
        char created[40];
        cli_print_time_s(created, sizeof(created), u->created_ms);
        printf("%-16s  %-20s  %-8s  %-28s  %-20s  %s\n", u->login, u->org_id, status_name(u->status),
               u->roles[0] != '\0' ? u->roles : "-", created, u->display_name);
    }
    st->n++;
    return 0;
}

static int do_list(cli_args *a)
{
    static const char *const allowed[] = {"org", NULL};
    int rc = cli_options_only(&cli_cmd_user, a, "user list", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_user, "unexpected argument '%s' (the organisation is given with --org)",
                               a->pos[1]);
    }
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    list_state st = {a->json, 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-16s  %-20s  %-8s  %-28s  %-20s  %s\n", "LOGIN", "ORG", "STATUS", "ROLES", "CREATED", "NAME");
    }
    rc = eseal_user_list(inst, cli_principal(), cli_get(a, "org"), list_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

/* user disable|enable LOGIN */
static int do_status(cli_args *a)
{
    const char *verb = a->pos[0];
    char sub[32];
    (void)snprintf(sub, sizeof(sub), "user %s", verb);
    int rc = cli_options_only(&cli_cmd_user, a, sub, NULL);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_user, "user %s needs one LOGIN", verb);
    }
    eseal_user_status status = strcmp(verb, "disable") == 0 ? ESEAL_USER_DISABLED : ESEAL_USER_ACTIVE;
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    int lrc = eseal_user_set_status(inst, cli_principal(), a->pos[1], status);
    rc = lrc == ESEAL_OK ? print_after(a, inst, a->pos[1], false) : cli_fail(lrc);
    eseal_instance_close(inst);
    return rc;
}

static int do_roles(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_user, a, "user roles", NULL, 3, "user roles needs LOGIN and ROLE[,ROLE]", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    int lrc = eseal_user_set_roles(inst, cli_principal(), a->pos[1], a->pos[2]);
    rc = lrc == ESEAL_OK ? print_after(a, inst, a->pos[1], true) : cli_fail(lrc);
    eseal_instance_close(inst);
    return rc;
}

static int do_passwd(cli_args *a)
{
    static const char *const allowed[] = {"password-file", NULL};
    int rc = cli_options_only(&cli_cmd_user, a, "user passwd", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_user, "user passwd needs one LOGIN");
    }
    char pw[USER_PASSWORD_MAX + 1];
    size_t pwlen = 0;
    rc = read_password(a, "passwd", a->pos[1], pw, sizeof(pw), &pwlen);
    if (rc != CLI_OK) {
        explicit_bzero(pw, sizeof(pw));
        return rc;
    }
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        explicit_bzero(pw, sizeof(pw));
        return rc;
    }
    int lrc = eseal_user_passwd(inst, cli_principal(), a->pos[1], pw);
    explicit_bzero(pw, sizeof(pw));
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        printf("{\"login\": ");
        cli_json_str(a->pos[1]);
        printf(", \"password_changed\": true}\n");
    } else {
        cli_note("the password of %s is changed", a->pos[1]);
    }
    return CLI_OK;
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"add", do_add},         {"list", do_list},     {"disable", do_status},
                                   {"enable", do_status},   {"passwd", do_passwd}, {"roles", do_roles}};
    return cli_dispatch(&cli_cmd_user, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_user = {
    "user", "add, list, disable and enable users; their roles and passwords",
    "Usage:\n"
    "  eseal user add LOGIN --org ORG --role ROLE[,ROLE] [--name DISPLAY] [--password-file FILE]\n"
    "  eseal user list [--org ORG]\n"
    "  eseal user disable LOGIN | eseal user enable LOGIN\n"
    "  eseal user passwd LOGIN [--password-file FILE]\n"
    "  eseal user roles LOGIN ROLE[,ROLE]\n\n"
    "add: a new user of organisation ORG (its id, code or exact name). LOGIN: 1 to 64 of a-z,\n"
    "0-9, '.', '_', '-', starting with a letter or digit; logins are unique on the platform.\n"
    "ROLE: platform-admin, org-admin, seal-keeper, approver, stamper, auditor (--role may\n"
    "repeat). --name is the display name (default: the login). Prints the login.\n"
    "The password is the first line of --password-file FILE ('-': standard input); the file\n"
    "must be readable by its owner only (0600 or 0400), else it is refused. Without\n"
    "--password-file it is asked twice on the terminal; when standard input is not a terminal\n"
    "that is a usage error. A weak password is refused (\"password too weak: ...\").\n"
    "list: the users, oldest first (of ORG only with --org): login, organisation, status,\n"
    "roles, creation time, display name; --json gives an array of objects.\n"
    "disable: the user's password and tokens are refused until enable. Prints LOGIN: STATUS.\n"
    "passwd: sets a new password, read as for add.\n"
    "roles: replaces the user's roles. Prints LOGIN: ROLES.\n"
    "The command acts as the local operator; every change is an audit entry.\n",
    opts, run};
