/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stamp requests and their approvals (issue 20 §2; src/governance/request.c, docs/requests.md), on a
 * real instance with a clock the test sets:
 *   - a grant without approvals: a request is approved at once and executed; executing it again
 *     stamps nothing;
 *   - ordered steps ("1:alice;1:bob"): pending, in the right inbox only; execution refused while
 *     pending (APPROVAL_REQUIRED); self-approval (SELF_APPROVAL), an approver of another step
 *     (NOT_AN_APPROVER), another organisation's user (not found), a disabled approver, a second
 *     decision by one approver: all refused and recorded; then approved step by step, executed, each
 *     stamp's entry carrying the request and its approval chain, and the receipt showing it;
 *   - a rejection ends the request (APPROVAL_REJECTED on execution);
 *   - a document swapped after the approval is refused (DOCUMENT_CHANGED_AFTER_APPROVAL);
 *   - a batch interrupted by a crash resumes without stamping a document twice;
 *   - processes racing: 20 approvals of a 2-of-3 step give one transition; executions of approved
 *     requests under a grant of one use give exactly one stamp.
 */
#include <setjmp.h>
#include <stdbool.h>
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
#include <zip.h>

#include "../ofd/ofd_fixture.h"
#include "../test_principal.h"
#include "service/stamp_phase.h"

#define PASS "requests-pass-1"
#define USCC_A "91110000MA01ABCDEX"
#define USCC_B "91110108MA01ABCD2H"
#define USER_PW "Requests-Passphrase-2291"

static char tmpl[64];
static char ihome[600];
static eseal_instance *inst;
static eseal_context *ctx;
static int64_t now_ms;
static eseal_org org_a, org_b;
static char seal_a[64];
static const char *stamper_r[] = {"stamper"};
static const char *approver_r[] = {"approver"};

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

static void add_user(const char *login, const char *org, const char *roles)
{
    eseal_user u;
    assert_int_equal(eseal_user_add(inst, test_who(), &u, login, login, org, roles, USER_PW), ESEAL_OK);
}

static int setup(void **state)
{
    (void)state;
    now_ms = eseal_time_now();
    gov_setup(&(gov_setup_args){.tag = "requests", .pass = PASS, .tmpl = tmpl, .ihome = ihome,
                                .ihome_cap = sizeof(ihome), .inst = &inst, .ctx = &ctx, .clock = clock_fn,
                                .org_a = &org_a, .name_a = "Alpha Trading Ltd", .uscc_a = USCC_A, .org_b = &org_b,
                                .name_b = "Beta Logistics Ltd", .uscc_b = USCC_B, .seal_a = seal_a,
                                .seal_name = "Alpha Contract Seal"});
    const char *stampers[] = {"lena", "li", "rae", "sam"};
    for (size_t i = 0; i < sizeof(stampers) / sizeof(stampers[0]); i++) {
        add_user(stampers[i], org_a.id, "stamper");
    }
    const char *approvers[] = {"alice", "bob", "carol", "dan"};
    for (size_t i = 0; i < sizeof(approvers) / sizeof(approvers[0]); i++) {
        add_user(approvers[i], org_a.id, "approver");
    }
    add_user("olaf", org_b.id, "approver");
    test_write_pdf(path("doc.pdf"));
    test_write_pdf(path("doc2.pdf"));
    FILE *f = fopen(path("doc2.pdf"), "ab"); /* another document: other bytes */
    assert_non_null(f);
    (void)fputs("% another\n", f);
    (void)fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = test_instance_done(inst, tmpl);
    eseal_context_free(ctx);
    return rc;
}

static eseal_grant grant(const char *login, int64_t max_uses, const char *approval)
{
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    q.seal = seal_a;
    q.user = login;
    q.max_uses = max_uses;
    q.approval = approval;
    eseal_grant g;
    if (eseal_grant_add(inst, test_who(), &q, &g) != ESEAL_OK) {
        fail_msg("grant: %s", eseal_error_last()->message);
    }
    return g;
}

static eseal_principal stamper(const char *login) { return test_user(login, org_a.id, stamper_r, 1); }
static eseal_principal approver(const char *login) { return test_user(login, org_a.id, approver_r, 1); }

static eseal_request submit(const char *login, const char *const *docs, size_t n, const char *type)
{
    eseal_principal who = stamper(login);
    eseal_request_submit_options o = ESEAL_REQUEST_SUBMIT_OPTIONS_INIT;
    o.seal = seal_a;
    o.doc_type = type;
    o.purpose = "the supply contract with Gamma";
    o.paths = docs;
    o.n_docs = n;
    eseal_request r;
    if (eseal_request_submit(inst, &who, &o, &r) != ESEAL_OK) {
        fail_msg("submit: %s", eseal_error_last()->message);
    }
    return r;
}

static int decide_as(const eseal_principal *who, const char *id, int approve, char reason[48])
{
    const char *ids[1] = {id};
    int rc = eseal_request_decide(inst, who, ids, 1, approve, approve ? "looks right" : "wrong supplier", NULL);
    if (reason != NULL) {
        (void)snprintf(reason, 48, "%s", rc == ESEAL_OK ? "" : eseal_error_last()->reason);
    }
    return rc;
}

static eseal_request find(const char *id)
{
    eseal_request r;
    assert_int_equal(eseal_request_find(inst, test_who(), &r, id), ESEAL_OK);
    return r;
}

/* ---- the audit entries -------------------------------------------------------------------------- */

typedef struct {
    char type[32], actor[64], detail[1024], approvals[1024], stamp[48];
} entry;

typedef struct {
    entry *e;
    size_t n, cap;
} entries;

static int keep(uint64_t i, const eseal_audit_entry *e, const char *org, void *p)
{
    (void)i;
    (void)org;
    entries *l = p;
    if (l->n == l->cap) {
        return 0;
    }
    entry *x = &l->e[l->n++];
    (void)snprintf(x->type, sizeof(x->type), "%s", e->type);
    (void)snprintf(x->actor, sizeof(x->actor), "%s", e->actor != NULL ? e->actor : "");
    (void)snprintf(x->detail, sizeof(x->detail), "%s", e->detail != NULL ? e->detail : "");
    (void)snprintf(x->approvals, sizeof(x->approvals), "%s", e->approvals != NULL ? e->approvals : "");
    (void)snprintf(x->stamp, sizeof(x->stamp), "%s", e->stamp != NULL ? e->stamp : "");
    return 0;
}

/* The entries from index `from` on (at most 64). */
static entries since(uint64_t from)
{
    static entry buf[64];
    entries l = {buf, 0, 64};
    uint64_t next = 0;
    assert_int_equal(eseal_instance_audit_read(inst, test_who(), from, 64, keep, &l, &next), ESEAL_OK);
    return l;
}

static size_t count(const entries *l, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        n += strcmp(l->e[i].type, type) == 0;
    }
    return n;
}

static const entry *last_of(const entries *l, const char *type)
{
    for (size_t i = l->n; i > 0; i--) {
        if (strcmp(l->e[i - 1].type, type) == 0) {
            return &l->e[i - 1];
        }
    }
    fail_msg("no %s entry", type);
    return NULL;
}

typedef struct {
    char ids[16][24];
    size_t n;
} id_list;

static int keep_id(const eseal_request *r, void *p)
{
    id_list *l = p;
    if (l->n < 16) {
        (void)snprintf(l->ids[l->n++], sizeof(l->ids[0]), "%s", r->id);
    }
    return 0;
}

static bool in_inbox(const char *login, const char *id)
{
    eseal_principal who = approver(login);
    id_list l = {.n = 0};
    assert_int_equal(eseal_request_inbox(inst, &who, keep_id, &l), ESEAL_OK);
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.ids[i], id) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- the tests ---------------------------------------------------------------------------------- */

static void approved_at_once(void **state)
{
    (void)state;
    grant("li", 0, NULL);
    const char *docs[] = {path("doc.pdf")};
    eseal_request r = submit("li", docs, 1, "contract");
    assert_int_equal(r.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(r.docs, 1);
    uint64_t n0 = test_log_size(inst);
    eseal_principal li = stamper("li");
    eseal_request out;
    assert_int_equal(eseal_request_execute(inst, &li, r.id, NULL, NULL, &out), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_EXECUTED);
    assert_int_equal(out.done, 1);
    entries l = since(n0);
    assert_int_equal(count(&l, "stamp"), 1);
    assert_string_equal(last_of(&l, "stamp")->approvals, r.id); /* the request, no approvals */
    assert_int_equal(count(&l, "request.executed"), 1);
    char stamped[700];
    assert_int_equal(eseal_request_doc_path(inst, &li, r.id, 0, 1, stamped, sizeof(stamped)), ESEAL_OK);
    assert_int_equal(access(stamped, R_OK), 0);
    /* again: nothing changes */
    uint64_t n1 = test_log_size(inst);
    assert_int_equal(eseal_request_execute(inst, &li, r.id, NULL, NULL, &out), ESEAL_OK);
    assert_int_equal(test_log_size(inst), n1);
}

static void steps_in_order(void **state)
{
    (void)state;
    grant("lena", 0, "1:alice;1:bob");
    const char *docs[] = {path("doc.pdf"), path("doc2.pdf")};
    uint64_t n0 = test_log_size(inst);
    eseal_request r = submit("lena", docs, 2, "contract");
    assert_int_equal(r.status, ESEAL_REQUEST_PENDING);
    assert_int_equal(r.step, 0);
    assert_string_equal(r.approval, "1:alice;1:bob");
    assert_true(in_inbox("alice", r.id));
    assert_false(in_inbox("bob", r.id));
    eseal_principal lena = stamper("lena");
    char reason[48];
    /* not yet */
    assert_int_equal(eseal_request_execute(inst, &lena, r.id, NULL, NULL, NULL), ESEAL_EDENIED);
    assert_string_equal(eseal_error_last()->reason, ESEAL_REFUSAL_APPROVAL_REQUIRED);
    /* the requester never approves */
    eseal_principal lena_as_approver = test_user("lena", org_a.id, approver_r, 1);
    assert_int_equal(decide_as(&lena_as_approver, r.id, 1, reason), ESEAL_EDENIED);
    assert_string_equal(reason, ESEAL_REFUSAL_SELF_APPROVAL);
    /* bob decides step 2, not step 1 */
    eseal_principal bob = approver("bob"), alice = approver("alice");
    assert_int_equal(decide_as(&bob, r.id, 1, reason), ESEAL_EDENIED);
    assert_string_equal(reason, ESEAL_REFUSAL_NOT_AN_APPROVER);
    /* another organisation's user does not see it */
    eseal_principal olaf = test_user("olaf", org_b.id, approver_r, 1);
    assert_int_equal(decide_as(&olaf, r.id, 1, reason), ESEAL_ENOTFOUND);
    /* alice approves step 1 */
    assert_int_equal(decide_as(&alice, r.id, 1, reason), ESEAL_OK);
    eseal_request now = find(r.id);
    assert_int_equal(now.status, ESEAL_REQUEST_PENDING);
    assert_int_equal(now.step, 1);
    assert_false(in_inbox("alice", r.id));
    assert_true(in_inbox("bob", r.id));
    assert_int_equal(decide_as(&alice, r.id, 1, reason), ESEAL_EDENIED); /* not an approver of step 2 */
    now_ms += 60000;
    assert_int_equal(decide_as(&bob, r.id, 1, reason), ESEAL_OK);
    now = find(r.id);
    assert_int_equal(now.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(decide_as(&bob, r.id, 1, reason), ESEAL_ESTATE); /* nothing left to decide */
    /* executed: two stamps, each entry with the chain */
    eseal_request out;
    assert_int_equal(eseal_request_execute(inst, &lena, r.id, NULL, NULL, &out), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_EXECUTED);
    assert_int_equal(out.done, 2);
    entries l = since(n0);
    assert_int_equal(count(&l, "request.submitted"), 1);
    assert_int_equal(count(&l, "request.approved"), 2);
    assert_int_equal(count(&l, "request.refused"), 4); /* execute too early, self, bob at step 1, alice at step 2 */
    assert_int_equal(count(&l, "stamp"), 2);
    assert_int_equal(count(&l, "request.executed"), 1);
    const entry *st = last_of(&l, "stamp");
    char want[64];
    (void)snprintf(want, sizeof(want), "%s,1:alice:", r.id);
    assert_true(strncmp(st->approvals, want, strlen(want)) == 0);
    assert_non_null(strstr(st->approvals, ",2:bob:"));
    const entry *self = NULL;
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.e[i].type, "request.refused") == 0 && strstr(l.e[i].detail, "SELF_APPROVAL") == l.e[i].detail) {
            self = &l.e[i];
        }
    }
    assert_non_null(self);
    assert_string_equal(self->actor, "lena");
    /* the receipt of a stamp proves the chain: its entry, verified offline against the log's key */
    eseal_buf rc = ESEAL_BUF_INIT, vkey = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_stamp_receipt_for(inst, &lena, &rc, st->stamp), ESEAL_OK);
    eseal_log *log = NULL;
    assert_int_equal(eseal_instance_log(inst, &log), ESEAL_OK);
    assert_int_equal(eseal_log_vkey(log, &vkey), ESEAL_OK);
    char *vk = strndup((const char *)vkey.ptr, vkey.size);
    eseal_receipt_check chk = ESEAL_RECEIPT_CHECK_INIT;
    chk.log_vkey = vk;
    eseal_receipt_info info0;
    assert_int_equal(eseal_receipt_verify(&info0, rc.ptr, rc.size, &chk), ESEAL_OK);
    assert_non_null(info0.entry.e.approvals);
    assert_string_equal(info0.entry.e.approvals, st->approvals);
    eseal_receipt_info_dispose(&info0);
    free(vk);
    eseal_buf_dispose(&vkey);
    eseal_buf_dispose(&rc);
    /* the QR record: the public sees that approvals happened and how many */
    eseal_stamp_info info;
    assert_int_equal(eseal_instance_stamp_find(inst, &info, st->stamp), ESEAL_OK);
    assert_string_equal(info.request, r.id);
    assert_int_equal(info.approvals, 2);
    /* the organisation sees who approved; another organisation does not see the stamp */
    char chain[1100];
    assert_int_equal(eseal_instance_stamp_approvals(inst, &alice, st->stamp, chain, sizeof(chain)), ESEAL_OK);
    assert_string_equal(chain, st->approvals);
    assert_int_equal(eseal_instance_stamp_approvals(inst, &olaf, st->stamp, chain, sizeof(chain)), ESEAL_ENOTFOUND);
    /* the verification report of a stamped document says so too */
    char stamped[700];
    assert_int_equal(eseal_request_doc_path(inst, &lena, r.id, 1, 1, stamped, sizeof(stamped)), ESEAL_OK);
    eseal_buf doc = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&doc, stamped, 1 << 24), ESEAL_OK);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_verify_pdf(inst, &rep, doc.ptr, doc.size, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    assert_int_equal(eseal_report_child_count(rep), 1);
    int64_t napp = 0;
    assert_int_equal(eseal_report_integer(eseal_report_child(rep, 0), "signature.approvals.count", &napp), ESEAL_OK);
    assert_int_equal(napp, 2);
    eseal_buf txt = ESEAL_BUF_INIT;
    assert_int_equal(eseal_report_to_text(&txt, rep, 0), ESEAL_OK);
    char *t = strndup((const char *)txt.ptr, txt.size);
    assert_non_null(strstr(t, "Approved: 2 approvals before it was stamped"));
    assert_null(strstr(t, "alice")); /* names are the organisation's */
    free(t);
    eseal_buf_dispose(&txt);
    eseal_report_free(rep);
    eseal_buf_dispose(&doc);
    /* the decisions, as stored: approver, step, comment and what it covers */
}

static void rejected_and_disabled(void **state)
{
    (void)state;
    grant("rae", 0, "1:@approver");
    const char *docs[] = {path("doc.pdf")};
    eseal_request r = submit("rae", docs, 1, NULL);
    assert_true(in_inbox("carol", r.id));
    /* a disabled approver decides nothing */
    assert_int_equal(eseal_user_set_status(inst, test_who(), "dan", ESEAL_USER_DISABLED), ESEAL_OK);
    eseal_principal dan = approver("dan"), carol = approver("carol");
    char reason[48];
    assert_int_equal(decide_as(&dan, r.id, 1, reason), ESEAL_EDENIED);
    assert_non_null(strstr(eseal_error_last()->message, "disabled"));
    assert_int_equal(find(r.id).status, ESEAL_REQUEST_PENDING);
    assert_int_equal(decide_as(&carol, r.id, 0, reason), ESEAL_OK);
    assert_int_equal(find(r.id).status, ESEAL_REQUEST_REJECTED);
    eseal_principal rae = stamper("rae");
    assert_int_equal(eseal_request_execute(inst, &rae, r.id, NULL, NULL, NULL), ESEAL_EDENIED);
    assert_string_equal(eseal_error_last()->reason, ESEAL_REFUSAL_APPROVAL_REJECTED);
    /* another user of the organisation executes nobody's request but their own */
    eseal_principal li = stamper("li");
    assert_int_equal(eseal_request_execute(inst, &li, r.id, NULL, NULL, NULL), ESEAL_EDENIED);
}

static void swapped_after_approval(void **state)
{
    (void)state;
    grant("sam", 0, "1:carol");
    const char *docs[] = {path("doc.pdf")};
    eseal_request r = submit("sam", docs, 1, NULL);
    eseal_principal carol = approver("carol"), sam = stamper("sam");
    assert_int_equal(decide_as(&carol, r.id, 1, NULL), ESEAL_OK);
    /* someone replaces the kept document after carol approved it */
    char kept[700];
    assert_int_equal(eseal_request_doc_path(inst, &sam, r.id, 0, 0, kept, sizeof(kept)), ESEAL_OK);
    FILE *f = fopen(kept, "ab");
    assert_non_null(f);
    (void)fputs("% one more line\n", f);
    (void)fclose(f);
    uint64_t n0 = test_log_size(inst);
    assert_int_equal(eseal_request_execute(inst, &sam, r.id, NULL, NULL, NULL), ESEAL_EDENIED);
    assert_string_equal(eseal_error_last()->reason, ESEAL_REFUSAL_DOCUMENT_CHANGED_AFTER_APPROVAL);
    entries l = since(n0);
    assert_int_equal(count(&l, "stamp"), 0);
    assert_int_equal(count(&l, "stamp.refused"), 1);
    assert_int_equal(find(r.id).done, 0);
    /* a suspended seal refuses an approved request too (SEAL_NOT_ACTIVE), and says so in the log */
    const char *docs2[] = {path("doc2.pdf")};
    eseal_request r2 = submit("sam", docs2, 1, NULL);
    assert_int_equal(decide_as(&carol, r2.id, 1, NULL), ESEAL_OK);
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_transition(inst, test_who(), &rec, seal_a, ESEAL_SEAL_SUSPEND, "audit"),
                     ESEAL_OK);
    eseal_seal_record_dispose(&rec);
    n0 = test_log_size(inst);
    assert_int_equal(eseal_request_execute(inst, &sam, r2.id, NULL, NULL, NULL), ESEAL_ESTATE);
    assert_string_equal(eseal_error_last()->reason, ESEAL_REFUSAL_SEAL_NOT_ACTIVE);
    l = since(n0);
    assert_int_equal(count(&l, "stamp.refused"), 1);
    assert_true(strncmp(last_of(&l, "stamp.refused")->detail, "SEAL_NOT_ACTIVE: ", 17) == 0);
    assert_int_equal(eseal_instance_seal_transition(inst, test_who(), &rec, seal_a, ESEAL_SEAL_RESUME, "done"),
                     ESEAL_OK);
    eseal_seal_record_dispose(&rec);
    assert_int_equal(eseal_request_execute(inst, &sam, r2.id, NULL, NULL, NULL), ESEAL_OK);
}

/* A crash in the middle of a batch: the child dies at `die_phase` of its second document. */
static int phase_calls;
static const char *die_phase;
static void die_on_second(const char *name, size_t doc)
{
    (void)doc;
    if (strcmp(name, die_phase) == 0 && ++phase_calls == 2) {
        _exit(9);
    }
}

/* Submits three documents as li, lets a child die at `phase` of the second, resumes: each document
 * stamped once, published, the request executed. `marked`: the documents counted after the crash. */
static void crash_and_resume(const char *phase, int64_t marked)
{
    const char *docs[] = {path("doc.pdf"), path("doc2.pdf"), path("doc.pdf")};
    eseal_request r = submit("li", docs, 3, NULL);
    assert_int_equal(r.status, ESEAL_REQUEST_APPROVED);
    uint64_t n0 = test_log_size(inst);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        eseal_instance *mine = test_instance_open(ihome, PASS);
        (void)eseal_instance_set_context(mine, ctx);
        phase_calls = 0;
        die_phase = phase;
        es_stamp_phase_hook = die_on_second;
        eseal_principal li = stamper("li");
        (void)eseal_request_execute(mine, &li, r.id, NULL, NULL, NULL);
        _exit(0); /* not reached */
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 9);
    assert_int_equal(find(r.id).done, marked);
    eseal_principal li = stamper("li");
    eseal_request out;
    assert_int_equal(eseal_request_execute(inst, &li, r.id, NULL, NULL, &out), ESEAL_OK);
    assert_int_equal(out.status, ESEAL_REQUEST_EXECUTED);
    assert_int_equal(out.done, 3);
    for (int64_t i = 0; i < 3; i++) {
        char p[700];
        assert_int_equal(eseal_request_doc_path(inst, &li, r.id, i, 1, p, sizeof(p)), ESEAL_OK);
        assert_int_equal(access(p, R_OK), 0);
    }
    entries l = since(n0);
    /* one stamp per document, none twice (a stamp recorded and never published has its stamp.failed
     * entry, and its document was stamped again) */
    assert_int_equal(count(&l, "stamp") - count(&l, "stamp.failed"), 3);
}

static void resumed_after_a_crash(void **state)
{
    (void)state;
    grant("li", 0, NULL); /* li has a grant without approvals already; one more changes nothing */
    crash_and_resume("preparing", 1); /* before the second was recorded: nothing of it */
    crash_and_resume("recorded", 2);  /* recorded, not published: settled, then stamped again */
}

/* Forks `n` children that wait on a pipe, then each runs fn(i) on its own instance of the home:
 * returns how many exited with each status (0..3). */
typedef int (*racer_fn)(eseal_instance *mine, int i, void *arg);
static void race(int n, racer_fn fn, void *arg, int tally[4])
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pids[64];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(pipefd[1]);
            eseal_instance *mine = test_instance_open(ihome, PASS);
            (void)eseal_instance_set_context(mine, ctx);
            char b;
            if (read(pipefd[0], &b, 1) != 0) {
                _exit(3);
            }
            int code = fn(mine, i, arg);
            eseal_instance_close(mine);
            _exit(code);
        }
    }
    close(pipefd[0]);
    close(pipefd[1]); /* all start */
    memset(tally, 0, 4 * sizeof(int));
    for (int i = 0; i < n; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) <= 3);
        tally[WEXITSTATUS(st)]++;
    }
}

/* 0 approved, 1 refused as expected (decided already, nothing left to decide), 2 anything else */
static int approve_racer(eseal_instance *mine, int i, void *arg)
{
    static const char *const who[] = {"alice", "bob", "carol"};
    eseal_principal p = approver(who[i % 3]);
    const char *ids[1] = {arg};
    int rc = eseal_request_decide(mine, &p, ids, 1, 1, NULL, NULL);
    if (rc != ESEAL_OK && rc != ESEAL_ESTATE) {
        fprintf(stderr, "approver %d: %d %s\n", i, rc, eseal_error_last()->message);
    }
    return rc == ESEAL_OK ? 0 : rc == ESEAL_ESTATE ? 1 : 2;
}

#define APPROVERS 20
static void approvals_race(void **state)
{
    (void)state;
    add_user("max", org_a.id, "stamper");
    grant("max", 0, "2:alice,bob,carol");
    const char *docs[] = {path("doc2.pdf")};
    eseal_request r = submit("max", docs, 1, NULL);
    assert_int_equal(r.status, ESEAL_REQUEST_PENDING);
    uint64_t n0 = test_log_size(inst);
    int tally[4];
    race(APPROVERS, approve_racer, r.id, tally);
    assert_int_equal(tally[0], 2); /* the second approval moves the step; the third finds it decided */
    assert_int_equal(tally[1], APPROVERS - 2);
    assert_int_equal(tally[2], 0);
    assert_int_equal(find(r.id).status, ESEAL_REQUEST_APPROVED);
    entries l = since(n0);
    assert_int_equal(count(&l, "request.approved"), 2);
    size_t transitions = 0;
    for (size_t i = 0; i < l.n; i++) {
        transitions += strcmp(l.e[i].type, "request.approved") == 0 && strstr(l.e[i].detail, "request approved") != NULL;
    }
    assert_int_equal(transitions, 1);
}

/* 0 stamped, 1 QUOTA_EXHAUSTED, 2 anything else */
static int execute_racer(eseal_instance *mine, int i, void *arg)
{
    char (*ids)[24] = arg;
    eseal_principal p = stamper("ivy");
    int rc = eseal_request_execute(mine, &p, ids[i], NULL, NULL, NULL);
    if (rc != ESEAL_OK && strcmp(eseal_error_last()->reason, ESEAL_REFUSAL_QUOTA_EXHAUSTED) != 0) {
        fprintf(stderr, "executor %d: %d %s\n", i, rc, eseal_error_last()->message);
    }
    return rc == ESEAL_OK ? 0 : strcmp(eseal_error_last()->reason, ESEAL_REFUSAL_QUOTA_EXHAUSTED) == 0 ? 1 : 2;
}

#define EXECUTORS 12
static void executions_race_for_one_use(void **state)
{
    (void)state;
    add_user("ivy", org_a.id, "stamper");
    eseal_grant g = grant("ivy", 1, NULL);
    static char ids[EXECUTORS][24];
    const char *docs[] = {path("doc.pdf")};
    for (int i = 0; i < EXECUTORS; i++) {
        eseal_request r = submit("ivy", docs, 1, NULL);
        assert_int_equal(r.status, ESEAL_REQUEST_APPROVED);
        (void)snprintf(ids[i], sizeof(ids[i]), "%s", r.id);
    }
    uint64_t n0 = test_log_size(inst);
    int tally[4];
    race(EXECUTORS, execute_racer, ids, tally);
    assert_int_equal(tally[0], 1);
    assert_int_equal(tally[1], EXECUTORS - 1);
    eseal_grant now;
    assert_int_equal(eseal_grant_find(inst, test_who(), &now, g.id), ESEAL_OK);
    assert_int_equal(now.uses, 1);
    entries l = since(n0);
    assert_int_equal(count(&l, "stamp"), 1);
    assert_int_equal(count(&l, "stamp.refused"), EXECUTORS - 1); /* each refusal is evidence */
}

/* An OFD names no serial in its signatures: its report finds the stamp whose output it is. */
static void ofd_report_counts_approvals(void **state)
{
    (void)state;
    write_ofd(path("doc.ofd"), "request");
    const char *docs[] = {path("doc.ofd")};
    eseal_request r = submit("sam", docs, 1, NULL); /* sam's grant: "1:carol" */
    assert_int_equal(r.status, ESEAL_REQUEST_PENDING);
    eseal_principal carol = approver("carol"), sam = stamper("sam");
    assert_int_equal(decide_as(&carol, r.id, 1, NULL), ESEAL_OK);
    assert_int_equal(eseal_request_execute(inst, &sam, r.id, NULL, NULL, NULL), ESEAL_OK);
    char stamped[700];
    assert_int_equal(eseal_request_doc_path(inst, &sam, r.id, 0, 1, stamped, sizeof(stamped)), ESEAL_OK);
    eseal_buf doc = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&doc, stamped, 1 << 24), ESEAL_OK);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_verify_ofd(inst, &rep, doc.ptr, doc.size, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_child_count(rep), 1);
    int64_t n = 0;
    assert_int_equal(eseal_report_integer(eseal_report_child(rep, 0), "signature.approvals.count", &n), ESEAL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(eseal_report_string(eseal_report_child(rep, 0), "signature.approvals.request"), r.id);
    eseal_report_free(rep);
    eseal_buf_dispose(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(approved_at_once),
        cmocka_unit_test(steps_in_order),
        cmocka_unit_test(rejected_and_disabled),
        cmocka_unit_test(swapped_after_approval),
        cmocka_unit_test(resumed_after_a_crash),
        cmocka_unit_test(approvals_race),
        cmocka_unit_test(executions_race_for_one_use),
        cmocka_unit_test(ofd_report_counts_approvals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
