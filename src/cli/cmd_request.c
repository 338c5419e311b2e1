/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal request list|show|save: the stamp requests, read by the local operator (issue 20 §2;
 * include/eseal/governance.h, docs/requests.md).
 *
 * Why only reading: the CLI acts as the local operator (cli_principal), and a request is submitted,
 * approved and executed by users of its organisation (the library refuses an operator: a requester
 * holds a grant, an approver is named by a step, and both are people of the organisation). The CLI
 * has no way to act as a user (no --as, no login), so the flow goes through the API
 * (docs/http-api.md) and the pages; the operator reads what happened and copies the documents out.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "eseal/governance.h"

/* A request document's bytes as the CLI copies them out: a stamp's output stays within this. */
#define CLI_REQUEST_DOC_MAX ((size_t)1u << 30)

static const cli_opt_spec opts[] = {
    {"status", 0, true, false}, {"out", 'o', true, false}, {"original", 0, false, false}, {NULL, 0, false, false}};

static void print_request_json(const eseal_request *r)
{
    printf("{\"id\": ");
    cli_json_str(r->id);
    printf(", \"org\": ");
    cli_json_str(r->org_id);
    printf(", \"seal\": ");
    cli_json_str(r->seal);
    printf(", \"requester\": ");
    cli_json_str(r->requester);
    printf(", \"grant\": ");
    cli_json_str(r->grant);
    printf(", \"approval\": ");
    cli_json_str(r->approval);
    printf(", \"type\": ");
    cli_json_str(r->doc_type);
    printf(", \"purpose\": ");
    cli_json_str(r->purpose);
    printf(", \"status\": \"%s\", \"step\": %u, \"total\": %lld, \"done\": %lld", eseal_request_status_name(r->status),
           r->step, (long long)r->docs, (long long)r->done);
    cli_json_time("created", r->created_ms);
    cli_json_time("updated", r->updated_ms);
}

typedef struct {
    bool json;
    size_t n;
} list_state;

static int list_cb(const eseal_request *r, void *payload)
{
    list_state *st = payload;
    if (st->json) {
        printf("%s", st->n++ == 0 ? "" : ",\n");
        print_request_json(r);
        printf("}");
        return 0;
    }
    char created[40], docs[48];
    cli_print_time_s(created, sizeof(created), r->created_ms);
    (void)snprintf(docs, sizeof(docs), "%lld/%lld", (long long)r->done, (long long)r->docs);
    printf("%-20s  %-8s  %4u  %-11s  %-24s  %-16s  %-20s  %s\n", r->id, eseal_request_status_name(r->status),
           r->step + 1, docs, r->seal, r->requester, created, r->doc_type);
    return 0;
}

static int status_of(const char *s, eseal_request_status *out)
{
    static const eseal_request_status all[] = {ESEAL_REQUEST_PENDING, ESEAL_REQUEST_APPROVED, ESEAL_REQUEST_REJECTED,
                                               ESEAL_REQUEST_EXECUTED};
    *out = 0;
    for (size_t i = 0; s != NULL && i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, eseal_request_status_name(all[i])) == 0) {
            *out = all[i];
            return CLI_OK;
        }
    }
    if (s == NULL) {
        return CLI_OK;
    }
    return cli_usage_error(&cli_cmd_request, "--status is pending, approved, rejected or executed, not '%s'", s);
}

static int do_list(cli_args *a)
{
    static const char *const allowed[] = {"status", NULL};
    int rc = cli_options_only(&cli_cmd_request, a, "request list", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_request, "request list takes no argument (--status S for one status's)");
    }
    eseal_request_status status;
    if ((rc = status_of(cli_get(a, "status"), &status)) != CLI_OK) {
        return rc;
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    list_state st = {a->json, 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-20s  %-8s  %4s  %-11s  %-24s  %-16s  %-20s  %s\n", "ID", "STATUS", "STEP", "STAMPED", "SEAL",
               "REQUESTER", "CREATED", "TYPE");
    }
    int lrc = eseal_request_list(inst, cli_principal(), status, 0, list_cb, &st);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    }
    return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
}

static int doc_cb(const eseal_request_doc *d, void *payload)
{
    size_t *n = payload;
    printf("%s{\"index\": %lld, \"name\": ", (*n)++ == 0 ? "" : ", ", (long long)d->index);
    cli_json_str(d->name);
    printf(", \"format\": \"%s\", \"sha256\": \"%s\", \"size\": %lld, \"stamped\": ", d->format, d->sha256,
           (long long)d->size);
    if (d->serial[0] != '\0') {
        cli_json_str(d->serial);
    } else {
        printf("null");
    }
    printf("}");
    return 0;
}

static int decision_cb(const eseal_decision *d, void *payload)
{
    size_t *n = payload;
    printf("%s{\"id\": \"%s\", \"step\": %u, \"approver\": ", (*n)++ == 0 ? "" : ", ", d->id, d->step);
    cli_json_str(d->approver);
    printf(", \"decision\": \"%s\", \"comment\": ", d->approve ? "approve" : "reject");
    cli_json_str(d->comment);
    printf(", \"comment_sha256\": \"%s\", \"documents_sha256\": \"%s\"", d->comment_sha256, d->docs_sha256);
    cli_json_time("time", d->at_ms);
    printf("}");
    return 0;
}

static int do_show(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_begin(&cli_cmd_request, a, "request show", NULL, 2, "request show needs one request ID (req_...)", &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_request r;
    int lrc = eseal_request_find(inst, cli_principal(), &r, a->pos[1]);
    if (lrc == ESEAL_OK) {
        /* one request: its whole record with documents and decisions, the same with or without --json */
        print_request_json(&r);
        size_t n = 0;
        printf(", \"documents\": [");
        lrc = eseal_request_docs(inst, cli_principal(), r.id, doc_cb, &n);
        printf("], \"decisions\": [");
        n = 0;
        if (lrc == ESEAL_OK) {
            lrc = eseal_request_decisions(inst, cli_principal(), r.id, decision_cb, &n);
        }
        printf("]}\n");
    }
    eseal_instance_close(inst);
    return lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
}

typedef struct {
    eseal_instance *inst;
    const char *dir;
    bool original;
    int rc;         /* the first failure, as the CLI's exit code (printed already) */
    size_t saved;   /* documents copied */
    size_t skipped; /* not stamped yet */
} save_state;

static int save_cb(const eseal_request_doc *d, void *payload)
{
    save_state *s = payload;
    if (s->rc != CLI_OK) {
        return 0;
    }
    if (!s->original && d->serial[0] == '\0') {
        s->skipped++;
        return 0;
    }
    char from[4096], to[4400];
    int lrc = eseal_request_doc_path(s->inst, cli_principal(), d->request_id, d->index, s->original ? 0 : 1, from,
                                     sizeof(from));
    if (lrc != ESEAL_OK) {
        s->rc = cli_fail(lrc);
        return 0;
    }
    /* the stored name's last component only: a name is the submitter's, never a path here */
    const char *base = strrchr(d->name, '/') != NULL ? strrchr(d->name, '/') + 1 : d->name;
    int w = snprintf(to, sizeof(to), "%s/%lld-%s", s->dir, (long long)d->index, base);
    if (w <= 0 || (size_t)w >= sizeof(to)) {
        s->rc = cli_errorf(CLI_ERROR, "%s/%lld-%s: the path is too long", s->dir, (long long)d->index, base);
        return 0;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = cli_read_file(from, &b, CLI_REQUEST_DOC_MAX);
    rc = rc == CLI_OK ? cli_write_file(to, b.ptr, b.size) : rc;
    eseal_buf_dispose(&b);
    if (rc == CLI_OK) {
        cli_note("%s", to);
        s->saved++;
    }
    s->rc = rc;
    return 0;
}

static int do_save(cli_args *a)
{
    static const char *const allowed[] = {"out", "original", NULL};
    int rc = cli_options_only(&cli_cmd_request, a, "request save", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    const char *dir = cli_get(a, "out");
    if (a->npos != 2 || dir == NULL) {
        return cli_usage_error(&cli_cmd_request, "request save needs one request ID and --out DIR");
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return cli_usage_error(&cli_cmd_request, "--out %s is not a directory", dir);
    }
    eseal_instance *inst = NULL;
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        return rc;
    }
    eseal_request r;
    int lrc = eseal_request_find(inst, cli_principal(), &r, a->pos[1]);
    save_state s = {inst, dir, cli_flag(a, "original"), CLI_OK, 0, 0};
    if (lrc == ESEAL_OK) {
        lrc = eseal_request_docs(inst, cli_principal(), r.id, save_cb, &s);
    }
    eseal_instance_close(inst);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (s.rc != CLI_OK) {
        return s.rc;
    }
    printf("%zu\n", s.saved);
    if (s.skipped > 0) {
        cli_note("%zu document%s of %s not stamped yet (--original saves them as submitted)", s.skipped,
                 s.skipped == 1 ? "" : "s", r.id);
    }
    return CLI_OK;
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {{"list", do_list}, {"show", do_show}, {"save", do_save}};
    return cli_dispatch(&cli_cmd_request, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_request = {
    "request", "read the stamp requests (submitted, approved and executed through the API)",
    "Usage:\n"
    "  eseal request list [--status pending|approved|rejected|executed]\n"
    "  eseal request show ID\n"
    "  eseal request save ID --out DIR [--original]\n\n"
    "A stamp request (docs/requests.md) is submitted by a user holding a grant of the seal, approved\n"
    "or rejected by the users its grant's approval policy names, and executed (stamped) by its\n"
    "requester: all of them people of the seal's organisation, through the API (POST\n"
    "/api/v1/requests, /approve, /reject, /execute, /api/v1/approvals: docs/http-api.md). This command\n"
    "acts as the local operator, who is none of them, so it reads: it cannot submit, approve or\n"
    "execute.\n"
    "list: the requests, newest first (of one status with --status): id, status, the step waiting\n"
    "(1-based), documents stamped of all, seal, requester, creation time, declared type.\n"
    "show: one request, whole, as JSON: its placement, status, documents (name, SHA-256 as submitted,\n"
    "the stamp's serial once stamped) and decisions (approver, step, decision, comment, time).\n"
    "save: copies the request's stamped documents into DIR as N-NAME (N its 0-based index), or with\n"
    "--original every document as submitted; prints how many it copied. DIR must exist; an existing\n"
    "file is replaced.\n",
    opts, run};
