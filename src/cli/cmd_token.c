/* SPDX-License-Identifier: Apache-2.0 */
/* eseal token create|list|revoke: the API tokens of programs acting for a user (issue 19 §1;
 * include/eseal/accounts.h). A token is printed once, when it is made: the platform keeps only
 * its SHA-256, so list shows what is kept (id, scopes, times), never the token. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eseal/accounts.h"

#define MS_PER_HOUR INT64_C(3600000)
#define MS_PER_DAY INT64_C(86400000)

static const cli_opt_spec opts[] = {{"scope", 0, true, true}, {"expires", 0, true, false}, {NULL, 0, false, false}};

/* {"id", "login", "org", "scopes": [...], "created", "expires", "last_used", "revoked"}, and "token"
 * only when `token` is not NULL (token create, the one time it exists). */
static void print_info_json(const eseal_token_info *t, const char *token)
{
    printf("{\"id\": ");
    cli_json_str(t->id);
    printf(", \"login\": ");
    cli_json_str(t->login);
    printf(", \"org\": ");
    cli_json_str(t->org_id);
    printf(", \"scopes\": ");
    cli_json_csv(t->scopes);
    cli_json_time("created", t->created_ms);
    cli_json_time("expires", t->expires_ms);
    cli_json_time("last_used", t->last_used_ms);
    cli_json_time("revoked", t->revoked_ms);
    if (token != NULL) {
        printf(", \"token\": ");
        cli_json_str(token);
    }
    printf("}");
}

/*
 * --expires: a duration from now (N d or N h, N >= 1, at most CLI_MAX_DAYS days) or an RFC 3339
 * time, which must be in the future. A usage error otherwise.
 */
static int parse_expires(const char *s, int64_t now_ms, int64_t *out)
{
    size_t n = strlen(s);
    char unit = n > 1 ? s[n - 1] : '\0';
    if ((unit == 'd' || unit == 'h') && strspn(s, "0123456789") == n - 1) {
        int64_t max = unit == 'd' ? CLI_MAX_DAYS : (int64_t)CLI_MAX_DAYS * 24;
        int64_t v = 0;
        /* digit by digit, stopping once past max: no overflow however many digits */
        for (size_t i = 0; i + 1 < n && v <= max; i++) {
            v = v * 10 + (s[i] - '0');
        }
        if (v < 1 || v > max) {
            return cli_usage_error(&cli_cmd_token, "--expires %s: from 1 to %lld %s", s, (long long)max,
                                   unit == 'd' ? "days" : "hours");
        }
        *out = now_ms + v * (unit == 'd' ? MS_PER_DAY : MS_PER_HOUR);
        return CLI_OK;
    }
    if (eseal_time_parse(out, s) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_token,
                               "--expires takes a duration (30d, 12h) or an RFC 3339 time (2027-01-31T00:00:00Z), "
                               "not '%s'",
                               s);
    }
    if (*out <= now_ms) {
        return cli_usage_error(&cli_cmd_token, "--expires %s is in the past", s);
    }
    return CLI_OK;
}

/* The --scope values (each S[,S]) joined with commas into out[ESEAL_SCOPES_MAX + 1]; "" for none. */
static int join_scopes(const cli_args *a, char out[ESEAL_SCOPES_MAX + 1])
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < cli_count(a, "scope"); i++) {
        const char *s = cli_get_n(a, "scope", i);
        size_t sl = strlen(s);
        if (len + (i > 0 ? 1 : 0) + sl > ESEAL_SCOPES_MAX) {
            return cli_usage_error(&cli_cmd_token, "the scopes are longer than %d characters", ESEAL_SCOPES_MAX);
        }
        if (i > 0) {
            out[len++] = ',';
        }
        memcpy(out + len, s, sl + 1);
        len += sl;
    }
    return CLI_OK;
}

static int do_create(cli_args *a)
{
    static const char *const allowed[] = {"scope", "expires", NULL};
    int rc = cli_options_only(&cli_cmd_token, a, "token create", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_token, "token create needs one LOGIN");
    }
    char scopes[ESEAL_SCOPES_MAX + 1];
    rc = join_scopes(a, scopes);
    if (rc != CLI_OK) {
        return rc;
    }
    int64_t expires = 0;
    const char *ex = cli_get(a, "expires");
    if (ex != NULL && (rc = parse_expires(ex, eseal_time_now(), &expires)) != CLI_OK) {
        return rc;
    }
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    char token[ESEAL_TOKEN_MAX + 1];
    eseal_token_info info;
    memset(&info, 0, sizeof(info));
    int lrc = eseal_token_create(inst, cli_principal(), a->pos[1], scopes, expires, token, &info);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        explicit_bzero(token, sizeof(token));
        return cli_fail(lrc);
    }
    if (a->json) {
        print_info_json(&info, token);
        printf("\n");
    } else {
        char until[40] = "never";
        if (info.expires_ms != 0) {
            cli_print_time_s(until, sizeof(until), info.expires_ms);
        }
        cli_note("token %s for %s (scopes %s; expires %s); it is shown once, here, and cannot be shown again:",
                 info.id, info.login, info.scopes[0] != '\0' ? info.scopes : "all", until);
        printf("%s\n", token);
    }
    explicit_bzero(token, sizeof(token));
    return fflush(stdout) == 0 ? CLI_OK : cli_errorf(CLI_ERROR, "writing the token to standard output failed");
}

typedef struct {
    bool json;
    size_t n;
} list_state;

static int list_cb(const eseal_token_info *t, void *payload)
{
    list_state *st = payload;
    if (st->json) {
        printf("%s", st->n == 0 ? "" : ",\n");
        print_info_json(t, NULL);
        st->n++;
        return 0;
    }
    char created[40], expires[40] = "never", used[40] = "-", revoked[40] = "-";
    cli_print_time_s(created, sizeof(created), t->created_ms);
    if (t->expires_ms != 0) {
        cli_print_time_s(expires, sizeof(expires), t->expires_ms);
    }
    if (t->last_used_ms != 0) {
        cli_print_time_s(used, sizeof(used), t->last_used_ms);
    }
    if (t->revoked_ms != 0) {
        cli_print_time_s(revoked, sizeof(revoked), t->revoked_ms);
    }
    printf("%-20s  %-16s  %-20s  %-20s  %-20s  %-20s  %s\n", t->id, t->login, created, expires, used, revoked,
           t->scopes[0] != '\0' ? t->scopes : "all");
    st->n++;
    return 0;
}

static int do_list(cli_args *a)
{
    int rc = cli_options_only(&cli_cmd_token, a, "token list", NULL);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos > 2) {
        return cli_usage_error(&cli_cmd_token, "token list takes at most one LOGIN");
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
        printf("%-20s  %-16s  %-20s  %-20s  %-20s  %-20s  %s\n", "ID", "LOGIN", "CREATED", "EXPIRES", "LAST-USED",
               "REVOKED", "SCOPES");
    }
    rc = eseal_token_list(inst, cli_principal(), a->npos == 2 ? a->pos[1] : NULL, list_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int do_revoke(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_token, a, "token revoke", NULL, 2, "token revoke needs one token ID (tok_...)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    int lrc = eseal_token_revoke(inst, cli_principal(), a->pos[1]);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        printf("{\"revoked\": ");
        cli_json_str(a->pos[1]);
        printf("}\n");
    } else {
        cli_note("revoked %s", a->pos[1]);
    }
    return CLI_OK;
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"create", do_create}, {"list", do_list}, {"revoke", do_revoke}};
    return cli_dispatch(&cli_cmd_token, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_token = {
    "token", "create, list and revoke API tokens",
    "Usage:\n"
    "  eseal token create LOGIN [--scope SCOPE[,SCOPE]] [--expires 30d|12h|TIME]\n"
    "  eseal token list [LOGIN]\n"
    "  eseal token revoke ID\n\n"
    "create: a new API token for user LOGIN, printed on the last line of standard output:\n"
    "esk_ and 43 base64url characters (the prefix lets secret scanners find a leaked one). It\n"
    "is shown this once: the platform keeps only its SHA-256. A program presents it as\n"
    "'Authorization: Bearer TOKEN'. It never gives more than the user's roles allow, and only\n"
    "what its scopes name: stamp, verify, seals:read, seals:write, audit:read, users:read,\n"
    "users:write (--scope may repeat; none: all). --expires: N days (30d) or N hours (12h)\n"
    "from now, or an RFC 3339 time; without it the token does not expire. A disabled user's\n"
    "tokens are refused.\n"
    "list: the tokens (of LOGIN only when given), oldest first, revoked ones too: id, login,\n"
    "creation, expiry, last use, revocation, scopes; never the token itself.\n"
    "revoke: the token ID is refused from now on; a token already revoked is an error.\n"
    "The command acts as the local operator; every change is an audit entry.\n",
    opts, run};
