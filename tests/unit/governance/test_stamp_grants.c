/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user stamps only under a grant (issue 20; src/service/grant_gate.c, stamp.c), on a real instance
 * with a clock the test sets (eseal_context_set_clock):
 *   - a window that ends at T allows at T and refuses at T + 1 s (GRANT_EXPIRED) with nothing having
 *     run in between; one that starts later refuses before (GRANT_NOT_YET_VALID);
 *   - a quota: the uses are counted in the stamp's transaction, the grant's and its ancestors', and
 *     processes that race for the last use (each its own instance on the home) stamp exactly once;
 *   - document types; a template grant: the template itself, and the template stamped once by
 *     someone else (an incremental update of it), are allowed; another document is refused with
 *     DOCUMENT_NOT_ALLOWED saying what differs;
 *   - a delegated grant ends when its parent is revoked;
 *   - every refusal leaves no output and is itself evidence: one "stamp.refused" entry whose detail
 *     starts with the refusal's code; an allowed stamp's entry names the
 *     rule "grant" and the grant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "eseal/eseal.h"
#include "../test_instance.h"
#include "gov_fixture.h"
#include "../test_principal.h"
#include "service/stamp_phase.h"
#include "util/util.h"

#define PASS "stamp-grants-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USER_PW "Stamp-Grants-Passphrase-2291"
#define HOUR_MS INT64_C(3600000)

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_context *ctx;
static int64_t now_ms; /* the instance's clock */
static eseal_org org_a;
static char seal_a[64];
static const char *stamper_r[] = {"stamper"};

static int64_t clock_fn(void *payload)
{
    (void)payload;
    return now_ms;
}

static char *path(const char *name)
{
    static char p[8][700];
    static int k;
    k = (k + 1) % 8;
    (void)snprintf(p[k], sizeof(p[k]), "%s/%s", tmpl, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    now_ms = eseal_time_now();
    gov_setup(&(gov_setup_args){.tag = "stampgrants", .pass = PASS, .tmpl = tmpl, .ihome = ihome,
                                .ihome_cap = sizeof(ihome), .inst = &inst, .ctx = &ctx, .clock = clock_fn,
                                .org_a = &org_a, .name_a = "Alpha Trading Ltd", .uscc_a = USCC_A,
                                .seal_a = seal_a, .seal_name = "Alpha Contract Seal"});
    const char *users[] = {"lena", "li", "wu", "zoe", "max", "ivy", "rae", "uma"};
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        eseal_user u;
        assert_int_equal(eseal_user_add(inst, test_who(), &u, users[i], users[i], org_a.id, "stamper", USER_PW),
                         ESEAL_OK);
    }
    test_write_pdf(path("doc.pdf"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = test_instance_done(inst, tmpl);
    eseal_context_free(ctx);
    return rc;
}

static uint64_t log_size(void) { return test_log_size(inst); }

static eseal_grant grant(const char *login, int64_t from, int64_t until, int64_t max_uses, const char *types,
                         const char *parent, int delegable)
{
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.user = login;
    q.not_before_ms = from;
    q.not_after_ms = until;
    q.max_uses = max_uses;
    q.types = types;
    q.parent = parent;
    q.delegable = delegable;
    eseal_grant g;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    return g;
}

/* Stamps in (a PDF) as `login` (a stamper of A) into out: the code; the reason when refused. */
static int stamp_as(const char *login, const char *in, const char *out, const char *type, char reason[48])
{
    eseal_principal who = test_user(login, org_a.id, stamper_r, 1);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = &who;
    q.seal_ref = seal_a;
    q.doc_type = type;
    (void)unlink(out);
    eseal_stamp_result res;
    int rc = eseal_instance_stamp_pdf(inst, &res, in, out, &q);
    if (reason != NULL) {
        (void)snprintf(reason, 48, "%s", rc == ESEAL_OK ? "" : eseal_error_last()->reason);
    }
    return rc;
}

/* The newest audit entry's type, actor, rule and detail. */
typedef struct {
    char rule[32], detail[128], type[32], actor[64];
} last;
static last newest(void);

/* Refused with `reason`: no output, one audit entry "stamp.refused" saying why, by whom. */
static void refused(const char *login, const char *in, const char *type, const char *reason)
{
    uint64_t n0 = log_size();
    char got[48], msg[512];
    int rc = stamp_as(login, in, path("refused.pdf"), type, got);
    (void)snprintf(msg, sizeof(msg), "%s", eseal_error_last()->message);
    if (rc != ESEAL_EDENIED || strcmp(got, reason) != 0) {
        fail_msg("%s: code %d reason '%s' (%s); wanted EDENIED %s", login, rc, got, msg, reason);
    }
    assert_int_equal(access(path("refused.pdf"), F_OK), -1);
    assert_int_equal(log_size(), n0 + 1);
    last l = newest();
    assert_string_equal(l.type, "stamp.refused");
    assert_string_equal(l.actor, login);
    assert_true(strncmp(l.detail, reason, strlen(reason)) == 0 && l.detail[strlen(reason)] == ':');
    /* the caller reads the refusal's message after this */
    (void)es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "%s", msg), got);
}

static void window_ends_by_itself(void **state)
{
    (void)state;
    int64_t base = now_ms, T = base + HOUR_MS;
    grant("lena", base, T, 0, NULL, NULL, 0);
    refused("li", path("doc.pdf"), NULL, ESEAL_REFUSAL_NO_GRANT); /* li holds none */
    now_ms = T;
    assert_int_equal(stamp_as("lena", path("doc.pdf"), path("lena.pdf"), NULL, NULL), ESEAL_OK);
    now_ms = T + 1000; /* nothing ran in between */
    refused("lena", path("doc.pdf"), NULL, ESEAL_REFUSAL_GRANT_EXPIRED);
    assert_non_null(strstr(eseal_error_last()->message, "ended at"));
    /* one that starts later */
    grant("wu", T + 2 * HOUR_MS, 0, 0, NULL, NULL, 0);
    refused("wu", path("doc.pdf"), NULL, ESEAL_REFUSAL_GRANT_NOT_YET_VALID);
    now_ms = T + 2 * HOUR_MS;
    assert_int_equal(stamp_as("wu", path("doc.pdf"), path("wu.pdf"), NULL, NULL), ESEAL_OK);
}


/* A change applies from the next stamp on (issue 20 §1): the decision reads the grant as it is now. */
static void the_decision_follows_a_change(void **state)
{
    (void)state;
    int64_t base = now_ms;
    eseal_grant g = grant("uma", base - HOUR_MS, base + 10 * HOUR_MS, 0, NULL, NULL, 0);
    assert_int_equal(stamp_as("uma", path("doc.pdf"), path("uma1.pdf"), "contract", NULL), ESEAL_OK);
    /* the window shortened to end a second ago refuses at once */
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.not_after_ms = base - 1000;
    eseal_grant out;
    assert_int_equal(eseal_grant_change(inst, test_who(), g.id, &q, "ends early", &out), ESEAL_OK);
    assert_int_equal(out.not_after_ms, base - 1000);
    refused("uma", path("doc.pdf"), "contract", ESEAL_REFUSAL_GRANT_EXPIRED);
    /* no end again, invoices only */
    q = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    q.not_after_ms = -1;
    q.types = "invoice";
    assert_int_equal(eseal_grant_change(inst, test_who(), g.id, &q, "invoices only", &out), ESEAL_OK);
    refused("uma", path("doc.pdf"), "contract", ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED);
    assert_int_equal(stamp_as("uma", path("doc.pdf"), path("uma2.pdf"), "invoice", NULL), ESEAL_OK);
    /* a quota of the uses made: none left */
    q = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    q.max_uses = 2;
    assert_int_equal(eseal_grant_change(inst, test_who(), g.id, &q, "enough", &out), ESEAL_OK);
    refused("uma", path("doc.pdf"), "invoice", ESEAL_REFUSAL_QUOTA_EXHAUSTED);
    /* no limit, but an approval now */
    q = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    q.max_uses = -1;
    q.approval = "@approver";
    assert_int_equal(eseal_grant_change(inst, test_who(), g.id, &q, "four eyes", &out), ESEAL_OK);
    refused("uma", path("doc.pdf"), "invoice", ESEAL_REFUSAL_APPROVAL_REQUIRED);
    /* and none again: allowed */
    q = (eseal_grant_request)ESEAL_GRANT_REQUEST_INIT;
    q.approval = "";
    assert_int_equal(eseal_grant_change(inst, test_who(), g.id, &q, NULL, &out), ESEAL_OK);
    assert_int_equal(stamp_as("uma", path("doc.pdf"), path("uma3.pdf"), "invoice", NULL), ESEAL_OK);
    assert_int_equal(eseal_grant_find(inst, test_who(), &out, g.id), ESEAL_OK);
    assert_int_equal(out.uses, 3);
}

static int keep(uint64_t i, const eseal_audit_entry *e, const char *org, void *p)
{
    (void)i;
    (void)org;
    last *l = p;
    (void)snprintf(l->type, sizeof(l->type), "%s", e->type);
    (void)snprintf(l->rule, sizeof(l->rule), "%s", e->policy_rule != NULL ? e->policy_rule : "");
    (void)snprintf(l->detail, sizeof(l->detail), "%s", e->detail != NULL ? e->detail : "");
    (void)snprintf(l->actor, sizeof(l->actor), "%s", e->actor != NULL ? e->actor : "");
    return 0;
}

static last newest(void)
{
    last l;
    memset(&l, 0, sizeof(l));
    uint64_t n = log_size();
    uint64_t next = 0;
    assert_int_equal(eseal_instance_audit_read(inst, test_who(), n - 1, 1, keep, &l, &next), ESEAL_OK);
    return l;
}

static void quota_types_and_the_chain(void **state)
{
    (void)state;
    eseal_grant p = grant("zoe", 0, 0, 3, "contract,invoice", NULL, 1);
    eseal_grant_request dq = ESEAL_GRANT_REQUEST_INIT;
    dq.seal = seal_a;
    dq.user = "max";
    dq.parent = p.id;
    dq.max_uses = 2;
    dq.types = "invoice";
    eseal_grant c;
    eseal_principal zoe = test_user("zoe", org_a.id, stamper_r, 1);
    assert_int_equal(eseal_grant_add(inst, &zoe, &dq, &c), ESEAL_OK); /* the holder delegates */
    /* types: declared and allowed */
    refused("max", path("doc.pdf"), NULL, ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED);
    refused("max", path("doc.pdf"), "contract", ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED);
    assert_int_equal(stamp_as("max", path("doc.pdf"), path("max1.pdf"), "invoice", NULL), ESEAL_OK);
    last l = newest();
    assert_string_equal(l.type, "stamp");
    assert_string_equal(l.rule, "grant");
    char want[64];
    (void)snprintf(want, sizeof(want), "under grant %s", c.id);
    assert_string_equal(l.detail, want);
    /* a use counts against the grant and its parent */
    eseal_grant g;
    assert_int_equal(eseal_grant_find(inst, test_who(), &g, c.id), ESEAL_OK);
    assert_int_equal(g.uses, 1);
    assert_int_equal(eseal_grant_find(inst, test_who(), &g, p.id), ESEAL_OK);
    assert_int_equal(g.uses, 1);
    assert_int_equal(stamp_as("zoe", path("doc.pdf"), path("zoe1.pdf"), "contract", NULL), ESEAL_OK);
    assert_int_equal(stamp_as("max", path("doc.pdf"), path("max2.pdf"), "invoice", NULL), ESEAL_OK);
    /* the parent's three uses are spent (zoe 1, max 2): both are refused now */
    refused("zoe", path("doc.pdf"), "contract", ESEAL_REFUSAL_QUOTA_EXHAUSTED);
    refused("max", path("doc.pdf"), "invoice", ESEAL_REFUSAL_QUOTA_EXHAUSTED);
    assert_int_equal(eseal_grant_find(inst, test_who(), &g, p.id), ESEAL_OK);
    assert_int_equal(g.uses, 3);
}

static void delegated_grant_ends_with_its_parent(void **state)
{
    (void)state;
    eseal_grant p = grant("ivy", 0, 0, 0, NULL, NULL, 1);
    eseal_grant_request dq = ESEAL_GRANT_REQUEST_INIT;
    dq.seal = seal_a;
    dq.user = "li";
    dq.parent = p.id;
    eseal_grant c;
    eseal_principal ivy = test_user("ivy", org_a.id, stamper_r, 1);
    assert_int_equal(eseal_grant_add(inst, &ivy, &dq, &c), ESEAL_OK);
    assert_int_equal(stamp_as("li", path("doc.pdf"), path("li1.pdf"), NULL, NULL), ESEAL_OK);
    assert_int_equal(eseal_grant_revoke(inst, test_who(), p.id, "ivy left"), ESEAL_OK);
    refused("li", path("doc.pdf"), NULL, ESEAL_REFUSAL_NO_GRANT);
    refused("ivy", path("doc.pdf"), NULL, ESEAL_REFUSAL_NO_GRANT);
}

static void write_bytes(const char *file, const void *p, size_t n)
{
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* The stamp phase hook: on "prepared", the input at swap_to becomes the template's bytes. */
static const char *swap_to;
static void swap_on_prepared(const char *phase, size_t doc)
{
    (void)doc;
    if (strcmp(phase, "prepared") == 0 && swap_to != NULL) {
        char body[1024];
        size_t n = test_pdf_bytes(body);
        write_bytes(swap_to, body, n);
        swap_to = NULL;
    }
}

static void template_grant(void **state)
{
    (void)state;
    /* the template, and another document of the same length (another page size) */
    char body[1024];
    size_t n = test_pdf_bytes(body);
    write_bytes(path("template.pdf"), body, n);
    char *box = strstr(body, "595 842");
    assert_non_null(box);
    box[6] = '1';
    write_bytes(path("other.pdf"), body, n);
    eseal_buf tb = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&tb, path("template.pdf"), 1 << 20), ESEAL_OK);
    eseal_template t;
    assert_int_equal(eseal_template_add(inst, test_who(), org_a.id, "Form", tb.ptr, tb.size, &t), ESEAL_OK);
    eseal_buf_dispose(&tb);
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.role = "stamper";
    q.templates = t.sha256;
    eseal_grant g;
    assert_int_equal(eseal_grant_add(inst, test_who(), &q, &g), ESEAL_OK);
    /* and one that needs an approval: before the document is read it looks closer to allowing than
     * the template grant does, which must not refuse the stamp before the template is judged */
    eseal_grant_request aq = ESEAL_GRANT_REQUEST_INIT;
    aq.seal = seal_a;
    aq.role = "stamper";
    aq.approval = "1:ivy";
    eseal_grant ag;
    assert_int_equal(eseal_grant_add(inst, test_who(), &aq, &ag), ESEAL_OK);
    /* lena's own grant has ended (window_ends_by_itself): the template grant, her role's, allows */
    assert_int_equal(stamp_as("lena", path("template.pdf"), path("t1.pdf"), NULL, NULL), ESEAL_OK);
    /* the template stamped once (an incremental update that adds a signature) derives from it */
    assert_int_equal(stamp_as("lena", path("t1.pdf"), path("t2.pdf"), NULL, NULL), ESEAL_OK);
    /* another document: the approval grant is now the closest, and says so */
    refused("lena", path("other.pdf"), NULL, ESEAL_REFUSAL_APPROVAL_REQUIRED);
    assert_int_equal(eseal_grant_revoke(inst, test_who(), ag.id, "no longer"), ESEAL_OK);
    refused("lena", path("other.pdf"), NULL, ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED);
    assert_non_null(strstr(eseal_error_last()->message, "against template"));
    /* The input replaced by the template once the other document is prepared (read and signed):
     * the template is not what was stamped, and the stamp is refused, not judged by the new bytes. */
    write_bytes(path("swap.pdf"), body, n);
    swap_to = path("swap.pdf");
    es_stamp_phase_hook = swap_on_prepared;
    uint64_t n0 = log_size();
    assert_int_equal(stamp_as("lena", path("swap.pdf"), path("swapped.pdf"), NULL, NULL), ESEAL_EIO);
    es_stamp_phase_hook = NULL;
    assert_non_null(strstr(eseal_error_last()->message, "changed while it was being stamped"));
    assert_int_equal(access(path("swapped.pdf"), F_OK), -1);
    assert_int_equal(log_size(), n0);
    assert_int_equal(eseal_grant_revoke(inst, test_who(), g.id, "done"), ESEAL_OK);
}

/* Processes race for the last use: each opens its own instance on the home and stamps once. */
#define RACERS 8
static void processes_race_for_the_last_use(void **state)
{
    (void)state;
    eseal_grant g = grant("rae", 0, 0, 1, NULL, NULL, 0); /* rae's only grant: one use */
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(pipefd[1]);
            eseal_instance *mine = test_instance_open(ihome, PASS);
            (void)eseal_instance_set_context(mine, ctx);
            char b;
            if (read(pipefd[0], &b, 1) != 0) {
                _exit(4);
            }
            eseal_principal who = test_user("rae", org_a.id, stamper_r, 1);
            eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
            q.who = &who;
            q.seal_ref = seal_a;
            char out[700];
            (void)snprintf(out, sizeof(out), "%s/race-%d.pdf", tmpl, i);
            eseal_stamp_result res;
            int rc = eseal_instance_stamp_pdf(mine, &res, path("doc.pdf"), out, &q);
            const char *reason = rc == ESEAL_OK ? "" : eseal_error_last()->reason;
            int code = rc == ESEAL_OK ? 0 : strcmp(reason, ESEAL_REFUSAL_QUOTA_EXHAUSTED) == 0 ? 1 : 2;
            if (code == 2) {
                fprintf(stderr, "racer %d: %d %s\n", i, rc, eseal_error_last()->message);
            }
            eseal_instance_close(mine);
            _exit(code);
        }
    }
    close(pipefd[0]);
    close(pipefd[1]);
    int won = 0, refused_n = 0;
    for (int i = 0; i < RACERS; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st));
        won += WEXITSTATUS(st) == 0;
        refused_n += WEXITSTATUS(st) == 1;
    }
    assert_int_equal(won, 1);
    assert_int_equal(refused_n, RACERS - 1);
    eseal_grant now;
    assert_int_equal(eseal_grant_find(inst, test_who(), &now, g.id), ESEAL_OK);
    assert_int_equal(now.uses, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_ends_by_itself),
        cmocka_unit_test(the_decision_follows_a_change),
        cmocka_unit_test(quota_types_and_the_chain),
        cmocka_unit_test(delegated_grant_ends_with_its_parent),
        cmocka_unit_test(template_grant),
        cmocka_unit_test(processes_race_for_the_last_use),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
