/* SPDX-License-Identifier: Apache-2.0 */
/* eseal grant add|list|show|change|revoke and eseal template add|list: who may stamp with which seal, and the
 * organisations' templates (issue 20; include/eseal/governance.h, docs/grants.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eseal/governance.h"

#define CLI_MAX_USES 1000000000ULL /* --max-uses: a billion stamps */
#define CLI_MAX_K 16               /* --k: at most the members of a step (ESEAL_APPROVAL_MEMBERS_MAX) */

static const cli_opt_spec opts[] = {
    {"seal", 0, true, false},      {"user", 0, true, false},      {"role", 0, true, false},
    {"type", 0, true, true},       {"template", 0, true, true},   {"from", 0, true, false},
    {"until", 0, true, false},     {"max-uses", 0, true, false},  {"approvers", 0, true, false},
    {"k", 0, true, false},         {"steps", 0, true, false},     {"delegable", 0, false, false},
    {"parent", 0, true, false},    {"note", 0, true, false},      {"reason", 0, true, false},
    {"org", 0, true, false},       {"name", 0, true, false},      {"any-type", 0, false, false},
    {"any-template", 0, false, false}, {"no-end", 0, false, false}, {"no-limit", 0, false, false},
    {"no-approval", 0, false, false},  {"not-delegable", 0, false, false}, {NULL, 0, false, false}};

/* Joins the values of a repeatable list option (each V[,V]) with commas into out[cap]. */
static int join(const cli_cmd *cmd, const cli_args *a, const char *name, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < cli_count(a, name); i++) {
        const char *v = cli_get_n(a, name, i);
        size_t n = strlen(v);
        if (len + 1 + n >= cap) {
            return cli_usage_error(cmd, "--%s: the list is longer than %zu characters", name, cap - 1);
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len > 0 ? "," : "", v);
    }
    return CLI_OK;
}

static void print_grant_json(const eseal_grant *g)
{
    printf("{\"id\": ");
    cli_json_str(g->id);
    printf(", \"org\": ");
    cli_json_str(g->org_id);
    printf(", \"seal\": ");
    cli_json_str(g->seal);
    printf(", \"%s\": ", g->holder_kind == ESEAL_GRANT_TO_USER ? "user" : "role");
    cli_json_str(g->holder);
    printf(", \"types\": ");
    cli_json_csv(g->types);
    printf(", \"templates\": ");
    cli_json_csv(g->templates);
    cli_json_time("not_before", g->not_before_ms);
    cli_json_time("not_after", g->not_after_ms);
    printf(", \"max_uses\": %lld, \"uses\": %lld, \"approval\": ", (long long)g->max_uses, (long long)g->uses);
    cli_json_str(g->approval);
    printf(", \"delegable\": %s, \"parent\": ", g->delegable ? "true" : "false");
    if (g->parent[0] != '\0') {
        cli_json_str(g->parent);
    } else {
        printf("null");
    }
    printf(", \"created_by\": ");
    cli_json_str(g->created_by);
    cli_json_time("created", g->created_ms);
    cli_json_time("revoked", g->revoked_ms);
    printf("}");
}

/* --template FILE...: each registered as a template of the seal's organisation (one registered
 * already is used as it is), its SHA-256 added to out. */
static int templates_of(cli_args *a, eseal_instance *inst, const char *org, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < cli_count(a, "template"); i++) {
        const char *path = cli_get_n(a, "template", i);
        eseal_buf b = ESEAL_BUF_INIT;
        if (cli_read_file(path, &b, ESEAL_TEMPLATE_MAX_BYTES) != CLI_OK) {
            return CLI_ERROR;
        }
        const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
        eseal_template t;
        int rc = eseal_template_add(inst, cli_principal(), org, base, b.ptr, b.size, &t);
        eseal_buf_dispose(&b);
        if (rc != ESEAL_OK && rc != ESEAL_EEXISTS) {
            return cli_fail(rc);
        }
        if (len + 66 >= cap) {
            return cli_usage_error(&cli_cmd_grant, "at most %d templates", ESEAL_GRANT_TEMPLATES_MAX);
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len > 0 ? "," : "", t.sha256);
    }
    return CLI_OK;
}

/* --approvers LIST [--k N] is one step of N of them (N: 1); --steps is the whole policy. *out: the
 * policy's text (in buf, or --steps), NULL when neither is given. */
static int approval_of(const cli_args *a, char buf[ESEAL_APPROVAL_TEXT_MAX + 1], const char **out)
{
    const char *approvers = cli_get(a, "approvers"), *k = cli_get(a, "k"), *steps = cli_get(a, "steps");
    if ((approvers != NULL || k != NULL) && steps != NULL) {
        return cli_usage_error(&cli_cmd_grant, "--approvers/--k or --steps, not both");
    }
    if (k != NULL && approvers == NULL) {
        return cli_usage_error(&cli_cmd_grant, "--k needs --approvers");
    }
    uint64_t kn = 1;
    int rc;
    if (k != NULL && (rc = cli_number(&cli_cmd_grant, k, "--k", CLI_MAX_K, &kn)) != CLI_OK) {
        return rc;
    }
    *out = steps;
    if (approvers != NULL) {
        int w = snprintf(buf, ESEAL_APPROVAL_TEXT_MAX + 1, "%llu:%s", (unsigned long long)kn, approvers);
        if (w < 0 || w > ESEAL_APPROVAL_TEXT_MAX) {
            return cli_usage_error(&cli_cmd_grant, "--approvers is longer than %d characters", ESEAL_APPROVAL_TEXT_MAX);
        }
        *out = buf;
    }
    return CLI_OK;
}

static int do_add(cli_args *a)
{
    static const char *const allowed[] = {"seal",      "user",  "role",  "type",      "template", "from",  "until",
                                          "max-uses",  "approvers", "k", "steps",     "delegable", "parent", "note",
                                          NULL};
    int rc = cli_options_only(&cli_cmd_grant, a, "grant add", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1 || cli_get(a, "seal") == NULL) {
        return cli_usage_error(&cli_cmd_grant, "grant add needs --seal ID and --user LOGIN or --role ROLE");
    }
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = cli_get(a, "seal");
    q.user = cli_get(a, "user");
    q.role = cli_get(a, "role");
    q.parent = cli_get(a, "parent");
    q.note = cli_get(a, "note");
    q.delegable = cli_flag(a, "delegable");
    char types[ESEAL_GRANT_TYPES_MAX * (ESEAL_DOC_TYPE_MAX + 1)];
    if ((rc = join(&cli_cmd_grant, a, "type", types, sizeof(types))) != CLI_OK) {
        return rc;
    }
    q.types = types;
    if (cli_get(a, "from") != NULL && (rc = cli_parse_time(cli_get(a, "from"), &q.not_before_ms)) != CLI_OK) {
        return rc;
    }
    if (cli_get(a, "until") != NULL && (rc = cli_parse_time(cli_get(a, "until"), &q.not_after_ms)) != CLI_OK) {
        return rc;
    }
    uint64_t n = 0;
    if (cli_get(a, "max-uses") != NULL) {
        if ((rc = cli_number(&cli_cmd_grant, cli_get(a, "max-uses"), "--max-uses", CLI_MAX_USES, &n)) != CLI_OK) {
            return rc;
        }
        q.max_uses = (int64_t)n;
    }
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1] = "";
    if ((rc = approval_of(a, approval, &q.approval)) != CLI_OK) {
        return rc;
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    char tpl[ESEAL_GRANT_TEMPLATES_MAX * 65 + 1] = "";
    if (cli_count(a, "template") > 0) {
        char org[ESEAL_OWNER_ORG_MAX + 1];
        eseal_seal_record rec;
        int lrc = eseal_instance_seal_read(inst, cli_principal(), &rec, NULL, q.seal, org);
        if (lrc == ESEAL_OK) {
            eseal_seal_record_dispose(&rec);
        }
        rc = lrc != ESEAL_OK ? cli_fail(lrc) : templates_of(a, inst, org, tpl, sizeof(tpl));
        if (rc != CLI_OK) {
            eseal_instance_close(inst);
            return rc;
        }
        q.templates = tpl;
    }
    eseal_grant g;
    int lrc = eseal_grant_add(inst, cli_principal(), &q, &g);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_grant_json(&g);
        printf("\n");
        return CLI_OK;
    }
    cli_note("grant %s: seal %s to %s %s%s%s", g.id, g.seal, g.holder_kind == ESEAL_GRANT_TO_USER ? "user" : "role",
             g.holder, g.parent[0] != '\0' ? ", delegated from " : "", g.parent);
    printf("%s\n", g.id);
    return CLI_OK;
}

typedef struct {
    bool json;
    size_t n;
} list_state;

static int list_cb(const eseal_grant *g, void *payload)
{
    list_state *st = payload;
    if (st->json) {
        printf("%s", st->n++ == 0 ? "" : ",\n");
        print_grant_json(g);
        return 0;
    }
    char from[40] = "-", until[40] = "-", uses[48];
    if (g->not_before_ms != 0) {
        cli_print_time_s(from, sizeof(from), g->not_before_ms);
    }
    if (g->not_after_ms != 0) {
        cli_print_time_s(until, sizeof(until), g->not_after_ms);
    }
    if (g->max_uses != 0) {
        (void)snprintf(uses, sizeof(uses), "%lld/%lld", (long long)g->uses, (long long)g->max_uses);
    } else {
        (void)snprintf(uses, sizeof(uses), "%lld", (long long)g->uses);
    }
    char holder[ESEAL_LOGIN_MAX + 8];
    (void)snprintf(holder, sizeof(holder), "%s%s", g->holder_kind == ESEAL_GRANT_TO_ROLE ? "@" : "", g->holder);
    printf("%-20s  %-24.64s  %-16s  %-20s  %-20s  %-11s  %-8s  %s\n", g->id, g->seal, holder, from, until, uses,
           g->revoked_ms != 0 ? "revoked" : "active", g->approval[0] != '\0' ? g->approval : "-");
    st->n++;
    return 0;
}

static int do_list(cli_args *a)
{
    static const char *const allowed[] = {"seal", NULL};
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_grant, a, "grant list", allowed, 1, "grant list takes no argument (--seal ID for one seal's)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    list_state st = {a->json, 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-20s  %-24s  %-16s  %-20s  %-20s  %-11s  %-8s  %s\n", "ID", "SEAL", "HOLDER", "FROM", "UNTIL", "USES",
               "STATE", "APPROVAL");
    }
    int lrc = eseal_grant_list(inst, cli_principal(), cli_get(a, "seal"), list_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
}

static int do_show(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_grant, a, "grant show", NULL, 2, "grant show needs one grant ID (grt_...)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_grant g;
    int lrc = eseal_grant_find(inst, cli_principal(), &g, a->pos[1]);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    print_grant_json(&g); /* one grant: its whole record, the same with or without --json */
    printf("\n");
    return CLI_OK;
}

static int do_revoke(cli_args *a)
{
    static const char *const allowed[] = {"reason", NULL};
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_grant, a, "grant revoke", allowed, 2, "grant revoke needs one grant ID (grt_...)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    int lrc = eseal_grant_revoke(inst, cli_principal(), a->pos[1], cli_get(a, "reason"));
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        printf("{\"revoked\": ");
        cli_json_str(a->pos[1]);
        printf("}\n");
    } else {
        cli_note("revoked %s (and every grant delegated from it)", a->pos[1]);
    }
    return CLI_OK;
}

/* Two options that say opposite things: a usage error naming both. */
static int either(const cli_args *a, const char *set, const char *clear, bool *cleared)
{
    bool s = cli_count(a, set) > 0, c = cli_flag(a, clear);
    if (s && c) {
        return cli_usage_error(&cli_cmd_grant, "--%s or --%s, not both", set, clear);
    }
    *cleared = c;
    return CLI_OK;
}

/* eseal grant change ID: the options given replace the grant's limits, the others keep them; the
 * --any-/--no- options clear one (eseal_grant_change: "" a list, -1 a limit). */
static int do_change(cli_args *a)
{
    static const char *const allowed[] = {"type",     "any-type",   "template", "any-template", "from",
                                          "until",    "no-end",     "max-uses", "no-limit",     "approvers",
                                          "k",        "steps",      "no-approval", "delegable", "not-delegable",
                                          "reason",   NULL};
    int rc = cli_options_only(&cli_cmd_grant, a, "grant change", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_grant, "grant change needs one grant ID (grt_...)");
    }
    bool any_type = false, any_template = false, no_end = false, no_limit = false, not_delegable = false;
    if ((rc = either(a, "type", "any-type", &any_type)) != CLI_OK ||
        (rc = either(a, "template", "any-template", &any_template)) != CLI_OK ||
        (rc = either(a, "until", "no-end", &no_end)) != CLI_OK ||
        (rc = either(a, "max-uses", "no-limit", &no_limit)) != CLI_OK ||
        (rc = either(a, "delegable", "not-delegable", &not_delegable)) != CLI_OK) {
        return rc;
    }
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    char types[ESEAL_GRANT_TYPES_MAX * (ESEAL_DOC_TYPE_MAX + 1)];
    if ((rc = join(&cli_cmd_grant, a, "type", types, sizeof(types))) != CLI_OK) {
        return rc;
    }
    q.types = any_type ? "" : cli_count(a, "type") > 0 ? types : NULL;
    if (cli_get(a, "from") != NULL && (rc = cli_parse_time(cli_get(a, "from"), &q.not_before_ms)) != CLI_OK) {
        return rc;
    }
    if (cli_get(a, "until") != NULL && (rc = cli_parse_time(cli_get(a, "until"), &q.not_after_ms)) != CLI_OK) {
        return rc;
    }
    if (no_end) {
        q.not_after_ms = -1;
    }
    uint64_t n = 0;
    if (cli_get(a, "max-uses") != NULL) {
        if ((rc = cli_number(&cli_cmd_grant, cli_get(a, "max-uses"), "--max-uses", CLI_MAX_USES, &n)) != CLI_OK) {
            return rc;
        }
        if (n == 0) {
            return cli_usage_error(&cli_cmd_grant, "--max-uses 0: give --no-limit for no limit");
        }
        q.max_uses = (int64_t)n;
    }
    if (no_limit) {
        q.max_uses = -1;
    }
    char approval[ESEAL_APPROVAL_TEXT_MAX + 1] = "";
    if ((rc = approval_of(a, approval, &q.approval)) != CLI_OK) {
        return rc;
    }
    bool no_approval = cli_flag(a, "no-approval");
    if (no_approval && q.approval != NULL) {
        return cli_usage_error(&cli_cmd_grant, "--approvers/--steps or --no-approval, not both");
    }
    if (no_approval) {
        q.approval = "";
    }
    q.delegable = cli_flag(a, "delegable") ? 1 : not_delegable ? -1 : 0;
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    char tpl[ESEAL_GRANT_TEMPLATES_MAX * 65 + 1] = "";
    if (any_template) {
        q.templates = "";
    } else if (cli_count(a, "template") > 0) {
        eseal_grant g; /* the templates are registered by the grant's organisation */
        int lrc = eseal_grant_find(inst, cli_principal(), &g, a->pos[1]);
        rc = lrc != ESEAL_OK ? cli_fail(lrc) : templates_of(a, inst, g.org_id, tpl, sizeof(tpl));
        if (rc != CLI_OK) {
            eseal_instance_close(inst);
            return rc;
        }
        q.templates = tpl;
    }
    eseal_grant g;
    int lrc = eseal_grant_change(inst, cli_principal(), a->pos[1], &q, cli_get(a, "reason"), &g);
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_grant_json(&g);
        printf("\n");
        return CLI_OK;
    }
    cli_note("changed %s (the next stamp under it obeys the change)", g.id);
    printf("%s\n", g.id);
    return CLI_OK;
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"add", do_add}, {"list", do_list}, {"show", do_show},
                                   {"change", do_change}, {"revoke", do_revoke}};
    return cli_dispatch(&cli_cmd_grant, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_grant = {
    "grant", "grant the use of a seal to a user or a role, with limits",
    "Usage:\n"
    "  eseal grant add --seal ID (--user LOGIN | --role ROLE) [--type T[,T]] [--template FILE]\n"
    "                  [--from TIME] [--until TIME] [--max-uses N] [--approvers LOGIN,... [--k N] | --steps P]\n"
    "                  [--delegable] [--parent GRANT] [--note TEXT]\n"
    "  eseal grant list [--seal ID]\n"
    "  eseal grant show ID\n"
    "  eseal grant change ID [--type T[,T] | --any-type] [--template FILE | --any-template] [--from TIME]\n"
    "                  [--until TIME | --no-end] [--max-uses N | --no-limit]\n"
    "                  [--approvers LOGIN,... [--k N] | --steps P | --no-approval]\n"
    "                  [--delegable | --not-delegable] [--reason TEXT]\n"
    "  eseal grant revoke ID [--reason TEXT]\n\n"
    "add: the user LOGIN, or every user with ROLE, of the seal's organisation may stamp with the\n"
    "seal, within the limits given (docs/grants.md), all checked when the seal is used: --type, the\n"
    "document types the requester may declare (--type may repeat); --template FILE, the document\n"
    "must be FILE (a PDF or OFD, registered as a template of the organisation) or that form filled\n"
    "in (may repeat); --from/--until, RFC 3339 times, both included (the right starts and ends by\n"
    "itself); --max-uses, how many stamps; --approvers with --k N, N of them approve each request\n"
    "(N: 1; @ROLE names every user with the role), or --steps for ordered steps, each K:MEMBERS,\n"
    "separated by ';' (\"1:dept-head;2:legal-1,legal-2\"). --delegable lets the holder delegate it;\n"
    "--parent GRANT delegates that grant, narrowed (never wider than it: a window within its, at\n"
    "most the uses it has left, types and templates within its, the same approvals). The grant id\n"
    "is printed on the last line.\n"
    "list: the grants (of one seal with --seal), oldest first, revoked ones too.\n"
    "show: one grant, whole, as JSON.\n"
    "change: the limits given replace the grant's, the others stay; --any-type, --any-template,\n"
    "--no-end, --no-limit, --no-approval, --not-delegable clear one. Its seal and holder never change\n"
    "(revoke it and add another); a delegated grant stays within its parent; --max-uses is at least\n"
    "the uses made. The next stamp obeys the change. The grant id is printed on the last line.\n"
    "revoke: the grant, and every grant delegated from it, end now.\n"
    "The command acts as the local operator; every change is an audit entry.\n",
    opts, run};

/* ---- eseal template add|list --------------------------------------------------------------- */

static void print_template(const eseal_template *t, bool json)
{
    if (!json) {
        char created[40];
        cli_print_time_s(created, sizeof(created), t->created_ms);
        printf("%-64s  %-3s  %10lld  %-20s  %-20s  %s\n", t->sha256, t->format, (long long)t->size, created,
               t->org_id, t->name);
        return;
    }
    printf("{\"sha256\": ");
    cli_json_str(t->sha256);
    printf(", \"org\": ");
    cli_json_str(t->org_id);
    printf(", \"name\": ");
    cli_json_str(t->name);
    printf(", \"format\": ");
    cli_json_str(t->format);
    printf(", \"size\": %lld, \"created_by\": ", (long long)t->size);
    cli_json_str(t->created_by);
    cli_json_time("created", t->created_ms);
    printf("}");
}

static int t_add(cli_args *a)
{
    static const char *const allowed[] = {"org", "name", NULL};
    int rc = cli_options_only(&cli_cmd_template, a, "template add", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_template, "template add needs one FILE (and --org ORG)");
    }
    eseal_buf b = ESEAL_BUF_INIT;
    if (cli_read_file(a->pos[1], &b, ESEAL_TEMPLATE_MAX_BYTES) != CLI_OK) {
        return CLI_ERROR;
    }
    const char *base = strrchr(a->pos[1], '/') != NULL ? strrchr(a->pos[1], '/') + 1 : a->pos[1];
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        eseal_buf_dispose(&b);
        return rc;
    }
    eseal_template t;
    int lrc = eseal_template_add(inst, cli_principal(), cli_get(a, "org"),
                                 cli_get(a, "name") != NULL ? cli_get(a, "name") : base, b.ptr, b.size, &t);
    eseal_instance_close(inst);
    eseal_buf_dispose(&b);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (a->json) {
        print_template(&t, true);
        printf("\n");
        return CLI_OK;
    }
    cli_note("template \"%s\" (%s, %lld bytes) of %s", t.name, t.format, (long long)t.size, t.org_id);
    printf("%s\n", t.sha256);
    return CLI_OK;
}

typedef struct {
    bool json;
    size_t n;
} t_state;

static int t_cb(const eseal_template *t, void *payload)
{
    t_state *st = payload;
    if (st->json && st->n > 0) {
        printf(",\n");
    }
    print_template(t, st->json);
    st->n++;
    return 0;
}

static int t_list(cli_args *a)
{
    static const char *const allowed[] = {"org", NULL};
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_template, a, "template list", allowed, 1, "template list takes no argument (--org ORG for one's)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    t_state st = {a->json, 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-64s  %-3s  %10s  %-20s  %-20s  %s\n", "SHA256", "FMT", "BYTES", "CREATED", "ORG", "NAME");
    }
    int lrc = eseal_template_list(inst, cli_principal(), cli_get(a, "org"), t_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
}

static int t_run(cli_args *a)
{
    static const cli_sub subs[] = {{"add", t_add}, {"list", t_list}};
    return cli_dispatch(&cli_cmd_template, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_template = {
    "template", "register the documents template grants name",
    "Usage:\n"
    "  eseal template add FILE --org ORG [--name NAME]\n"
    "  eseal template list [--org ORG]\n\n"
    "add: FILE (a PDF or OFD, at most 64 MiB) becomes a template of organisation ORG (its id, code,\n"
    "identifier or name), kept by its SHA-256, which is printed on the last line; NAME defaults to\n"
    "the file's name. A template grant (eseal grant add --template) then allows only that document\n"
    "or that form filled in (docs/grants.md). Registering it again is an error naming the first.\n"
    "list: the templates (of ORG), oldest first.\n"
    "The command acts as the local operator; every change is an audit entry.\n",
    opts, t_run};
