/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's contract on PostgreSQL (issue 22; eseal/sys/store.h over src/store/postgresql.c and
 * sql_backends.c): every concern through the public store API, values read back and compared, on
 * a throw-away cluster (scripts/pg-cluster.sh, started by the group's setup in a mkdtemp folder) or
 * on the location in $ESEAL_TEST_PG. Each test opens its stores in a schema of its own
 * (`?schema=t_<pid>_<n>`), so that a shared database never mixes two runs.
 *
 * What only a server with several connections can show is tested with two stores (two connections):
 * counters never hand one value twice, a single-use grant is spent once, a second writer's begin
 * waits for the first's commit (the advisory lock); a constraint failure inside a transaction
 * leaves it usable (the savepoint). Migrations: an older schema is refused until
 * eseal_store_migrate, a newer one always. eseal_store_copy from SQLite to PostgreSQL and back keeps
 * every row, in the same order. Without PostgreSQL's server binaries (and no $ESEAL_TEST_PG) the
 * test is skipped (77).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"

#ifndef ESEAL_PG_CLUSTER
#error "ESEAL_PG_CLUSTER: the path of scripts/pg-cluster.sh (tests/CMakeLists.txt defines it)"
#endif

/* A call that must succeed; its message when it does not. */
#define OK(call)                                                                                               \
    do {                                                                                                       \
        int ok_rc_ = (call);                                                                                   \
        if (ok_rc_ != ESEAL_OK) {                                                                              \
            fail_msg("%s: %d %s", #call, ok_rc_, eseal_error_last()->message);                                 \
        }                                                                                                      \
    } while (0)

#define ORG_A "org_00000000000000aa"
#define ORG_B "org_00000000000000bb"
#define SEAL_A "SEAL-A-0001"
#define WHK_1 "whk_0000000000000001"
#define SECRET "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_U "ABCDEFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_L "abcdefaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TILE_1 "0123456789abcdef\x00\x01\x02\x03\x04\x05\x06\x07\x80\x81\x82\x83\x84\x85\x86\xff"
#define TILE_2 TILE_1 "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char dir[] = "/tmp/eseal-store-pg-XXXXXX";
static int own_cluster;   /* 1: the setup started it (the teardown stops it) */
static char base[256];    /* postgresql://eseal@127.0.0.1:PORT/eseal */
static char loc[400];     /* the current test's location (base?schema=...) */
static char schema[64];   /* its schema */
static int schema_n;

/* ---- the cluster and the locations ---------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *env = getenv("ESEAL_TEST_PG");
    if (env != NULL && env[0] != '\0') {
        (void)snprintf(base, sizeof(base), "%s", env);
        return 0;
    }
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    /* the folder itself: as root the script hands it to the postgres user, who could not enter a
     * folder below it (mkdtemp makes it 0700) */
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "sh '%s' start '%s'", ESEAL_PG_CLUSTER, dir);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return -1;
    }
    char line[256] = "";
    char *got = fgets(line, sizeof(line), p);
    int status = pclose(p);
    if (got == NULL || status != 0 || strncmp(line, "postgresql://", 13) != 0) {
        (void)snprintf(cmd, sizeof(cmd), "sh '%s' stop '%s'; rm -rf '%s'", ESEAL_PG_CLUSTER, dir, dir);
        int cleaned = system(cmd); /* the setup failed either way */
        (void)cleaned;
        return -1;
    }
    line[strcspn(line, "\n")] = '\0';
    (void)snprintf(base, sizeof(base), "%s", line);
    own_cluster = 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!own_cluster) {
        return 0;
    }
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "sh '%s' stop '%s' && rm -rf '%s'", ESEAL_PG_CLUSTER, dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A new schema's location in `loc` (the test's), and a store opened on it. */
static eseal_store *open_fresh(void)
{
    (void)snprintf(schema, sizeof(schema), "t_%ld_%d", (long)getpid(), ++schema_n);
    (void)snprintf(loc, sizeof(loc), "%s?schema=%s", base, schema);
    eseal_store *s = NULL;
    int rc = eseal_store_open(&s, loc);
    if (rc != ESEAL_OK) {
        print_error("open %s: %s\n", loc, eseal_error_last()->message);
    }
    OK(rc);
    return s;
}

/* Another store (another connection) on the current test's location. */
static eseal_store *open_again(void)
{
    eseal_store *s = NULL;
    OK(eseal_store_open(&s, loc));
    return s;
}

/* Runs SQL in the current schema with psql (what an operator, or an older eseal, would have done). */
static void psql(const char *sql)
{
    char cmd[1024];
    (void)snprintf(cmd, sizeof(cmd),
                   "PGOPTIONS='-c search_path=%s' psql -qX -v ON_ERROR_STOP=1 '%s' -c \"%s\" >/dev/null",
                   schema, base, sql);
    assert_int_equal(system(cmd), 0);
}

static void expect_error(int rc, int code, const char *message)
{
    assert_int_equal(rc, code);
    assert_string_equal(eseal_error_last()->message, message);
}

static void expect_prefix(int rc, int code, const char *prefix)
{
    assert_int_equal(rc, code);
    if (strncmp(eseal_error_last()->message, prefix, strlen(prefix)) != 0) {
        fail_msg("message '%s' does not start with '%s'", eseal_error_last()->message, prefix);
    }
}

/* ---- records ---------------------------------------------------------------------------------- */

static eseal_cert_record cert(const char *id, const char *role, const char *serial, const char *fp, int64_t created)
{
    eseal_cert_record r;
    memset(&r, 0, sizeof(r));
    r.id = (char *)(uintptr_t)id;
    r.role = (char *)(uintptr_t)role;
    r.hierarchy = (char *)(uintptr_t) "sm2";
    r.alg = (char *)(uintptr_t) "sm2";
    r.subject = (char *)(uintptr_t) "CN=测试,O=Example";
    r.serial = (char *)(uintptr_t)serial;
    r.issuer_id = (char *)(uintptr_t) "";
    r.fingerprint = (char *)(uintptr_t)fp;
    r.pem = (char *)(uintptr_t) "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n";
    r.key_file = (char *)(uintptr_t) "keys/x.key";
    r.not_before_ms = 1;
    r.not_after_ms = 4102444800000;
    r.created_ms = created;
    r.revocation_reason = -1;
    return r;
}

static eseal_seal_record seal(const char *esid, int64_t created)
{
    eseal_seal_record r;
    memset(&r, 0, sizeof(r));
    r.esid = (char *)(uintptr_t)esid;
    r.name = (char *)(uintptr_t) "合同专用章";
    r.owner = (char *)(uintptr_t) "Example Co";
    r.cert_ids = (char *)(uintptr_t) "c1,c2";
    r.maker_cert_id = (char *)(uintptr_t) "m1";
    r.state = (char *)(uintptr_t) "made";
    r.prev_esid = (char *)(uintptr_t) "";
    r.next_esid = (char *)(uintptr_t) "";
    r.sha256 = (char *)(uintptr_t)SHA_A;
    r.imprint = (char *)(uintptr_t) "{\"shape\":\"circle\"}";
    r.type = 3;
    r.generation = 1;
    r.created_ms = r.valid_from_ms = r.updated_ms = created;
    r.valid_to_ms = created + 1000;
    return r;
}

static eseal_org org(const char *id, const char *name, const char *uscc, const char *identifier, int64_t created)
{
    eseal_org o;
    memset(&o, 0, sizeof(o));
    (void)snprintf(o.id, sizeof(o.id), "%s", id);
    (void)snprintf(o.name, sizeof(o.name), "%s", name);
    (void)snprintf(o.uscc, sizeof(o.uscc), "%s", uscc);
    (void)snprintf(o.identifier, sizeof(o.identifier), "%s", identifier);
    o.created_ms = created;
    return o;
}

static eseal_user user(const char *login, const char *org_id, int64_t created)
{
    eseal_user u;
    memset(&u, 0, sizeof(u));
    (void)snprintf(u.login, sizeof(u.login), "%s", login);
    (void)snprintf(u.display_name, sizeof(u.display_name), "%s 张", login);
    (void)snprintf(u.org_id, sizeof(u.org_id), "%s", org_id);
    (void)snprintf(u.roles, sizeof(u.roles), "stamper");
    u.status = ESEAL_USER_ACTIVE;
    u.created_ms = u.updated_ms = created;
    return u;
}

static eseal_token_info token(const char *id, const char *login, const char *org_id, int64_t created)
{
    eseal_token_info t;
    memset(&t, 0, sizeof(t));
    (void)snprintf(t.id, sizeof(t.id), "%s", id);
    (void)snprintf(t.login, sizeof(t.login), "%s", login);
    (void)snprintf(t.org_id, sizeof(t.org_id), "%s", org_id);
    (void)snprintf(t.scopes, sizeof(t.scopes), "stamp,verify");
    t.created_ms = created;
    t.expires_ms = created + 1000;
    return t;
}

static eseal_grant grant(const char *id, const char *org_id, const char *seal_id, int64_t max_uses, int64_t created)
{
    eseal_grant g;
    memset(&g, 0, sizeof(g));
    (void)snprintf(g.id, sizeof(g.id), "%s", id);
    (void)snprintf(g.org_id, sizeof(g.org_id), "%s", org_id);
    (void)snprintf(g.seal, sizeof(g.seal), "%s", seal_id);
    g.holder_kind = ESEAL_GRANT_TO_ROLE;
    (void)snprintf(g.holder, sizeof(g.holder), "stamper");
    (void)snprintf(g.types, sizeof(g.types), "contract,invoice");
    (void)snprintf(g.created_by, sizeof(g.created_by), "operator:root");
    g.max_uses = max_uses;
    g.not_after_ms = 9000000000000;
    g.created_ms = created;
    return g;
}

static eseal_webhook webhook(const char *id, const char *org_id, int64_t created)
{
    eseal_webhook w;
    memset(&w, 0, sizeof(w));
    (void)snprintf(w.id, sizeof(w.id), "%s", id);
    (void)snprintf(w.org_id, sizeof(w.org_id), "%s", org_id);
    (void)snprintf(w.url, sizeof(w.url), "https://hooks.example.com/eseal?o=%s", org_id);
    (void)snprintf(w.events, sizeof(w.events), "grant.changed,alert");
    (void)snprintf(w.secret, sizeof(w.secret), "%s", SECRET);
    (void)snprintf(w.created_by, sizeof(w.created_by), "user:alice");
    w.active = 1;
    w.created_ms = created;
    return w;
}

static eseal_delivery *delivery(const char *id, int64_t created, int64_t next)
{
    eseal_delivery *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    (void)snprintf(d->id, sizeof(d->id), "%s", id);
    (void)snprintf(d->webhook_id, sizeof(d->webhook_id), WHK_1);
    (void)snprintf(d->event_id, sizeof(d->event_id), "evt_00000000000000%.2s", id + 18);
    (void)snprintf(d->event_type, sizeof(d->event_type), "alert");
    (void)snprintf(d->body, sizeof(d->body), "{\"id\":\"%s\",\"text\":\"caf\xc3\xa9 \\\"q\\\"\"}", d->event_id);
    d->status = ESEAL_DELIVERY_PENDING;
    d->created_ms = d->updated_ms = created;
    d->next_attempt_ms = next;
    return d;
}

static eseal_request request(const char *id, const char *org_id, const char *requester, int64_t created)
{
    eseal_request r;
    memset(&r, 0, sizeof(r));
    (void)snprintf(r.id, sizeof(r.id), "%s", id);
    (void)snprintf(r.org_id, sizeof(r.org_id), "%s", org_id);
    (void)snprintf(r.seal, sizeof(r.seal), SEAL_A);
    (void)snprintf(r.requester, sizeof(r.requester), "%s", requester);
    (void)snprintf(r.grant, sizeof(r.grant), "grt_0000000000000001");
    (void)snprintf(r.approval, sizeof(r.approval), "1:@approver");
    (void)snprintf(r.doc_type, sizeof(r.doc_type), "contract");
    (void)snprintf(r.purpose, sizeof(r.purpose), "采购合同 \"Q4\"");
    r.page = -1;
    r.x_mm = 120.25;
    r.y_mm = -3.5;
    r.xy_exact = 1;
    r.level = 2;
    r.qr = 1;
    r.status = ESEAL_REQUEST_PENDING;
    r.docs = 2;
    r.created_ms = r.updated_ms = created;
    return r;
}

static eseal_request_doc doc(const char *name, const char *sha, int64_t size)
{
    eseal_request_doc d;
    memset(&d, 0, sizeof(d));
    (void)snprintf(d.name, sizeof(d.name), "%s", name);
    (void)snprintf(d.format, sizeof(d.format), "pdf");
    (void)snprintf(d.sha256, sizeof(d.sha256), "%s", sha);
    d.size = size;
    return d;
}

static eseal_decision decision(const char *id, const char *req, const char *approver, int64_t at)
{
    eseal_decision d;
    memset(&d, 0, sizeof(d));
    (void)snprintf(d.id, sizeof(d.id), "%s", id);
    (void)snprintf(d.request_id, sizeof(d.request_id), "%s", req);
    (void)snprintf(d.approver, sizeof(d.approver), "%s", approver);
    d.approve = 1;
    (void)snprintf(d.comment, sizeof(d.comment), "同意 ok");
    (void)snprintf(d.comment_sha256, sizeof(d.comment_sha256), SHA_A);
    (void)snprintf(d.docs_sha256, sizeof(d.docs_sha256), SHA_B);
    d.at_ms = at;
    return d;
}

/* ---- a text of what lists return -------------------------------------------------------------- */

typedef struct {
    char *text;
    size_t len;
    size_t cap;
} seen;

static void note(seen *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(seen *w, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(line));
    if (w->len + (size_t)n + 2 > w->cap) {
        w->cap = (w->len + (size_t)n + 2) * 2;
        w->text = realloc(w->text, w->cap);
        assert_non_null(w->text);
    }
    memcpy(w->text + w->len, line, (size_t)n);
    w->len += (size_t)n;
    w->text[w->len++] = ';';
    w->text[w->len] = '\0';
}

static const char *text(seen *w)
{
    return w->text != NULL ? w->text : "";
}

static int cert_cb(const eseal_cert_record *r, void *p)
{
    note(p, "cert %s %s %s %s %s %s %s %s %s %lld %lld %lld %lld %d", r->id, r->role, r->hierarchy, r->subject,
         r->serial, r->issuer_id, r->fingerprint, r->pem, r->key_file, (long long)r->not_before_ms,
         (long long)r->not_after_ms, (long long)r->created_ms, (long long)r->revoked_ms, r->revocation_reason);
    return 0;
}

static int seal_cb(const eseal_seal_record *r, void *p)
{
    note(p, "seal %s %s %s %s %s %s %s %s %s %s %lld %lld %lld %lld %lld %lld", r->esid, r->name, r->owner,
         r->cert_ids, r->maker_cert_id, r->state, r->prev_esid, r->next_esid, r->sha256, r->imprint,
         (long long)r->type, (long long)r->generation, (long long)r->created_ms, (long long)r->valid_from_ms,
         (long long)r->valid_to_ms, (long long)r->updated_ms);
    return 0;
}

static int event_cb(const eseal_seal_event *e, void *p)
{
    note(p, "event %s %lld %lld %s>%s %s %s", e->esid, (long long)e->seq, (long long)e->at_ms, e->from_state,
         e->to_state, e->actor, e->reason);
    return 0;
}

static int entry_cb(uint64_t index, const void *data, size_t len, void *p)
{
    note(p, "entry %llu %.*s", (unsigned long long)index, (int)len, (const char *)data);
    return 0;
}

static int checkpoint_cb(uint64_t size, const char *n, int64_t at_ms, void *p)
{
    note(p, "checkpoint %llu %s %lld", (unsigned long long)size, n, (long long)at_ms);
    return 0;
}

static int org_cb(const eseal_org *o, void *p)
{
    note(p, "org %s %s %s %s %lld", o->id, o->name, o->uscc, o->identifier, (long long)o->created_ms);
    return 0;
}

static int user_cb(const eseal_user *u, void *p)
{
    note(p, "user %s %s %s %s %d %lld %lld", u->login, u->display_name, u->org_id, u->roles, (int)u->status,
         (long long)u->created_ms, (long long)u->updated_ms);
    return 0;
}

static int token_cb(const eseal_token_info *t, void *p)
{
    note(p, "token %s %s %s %s %lld %lld %lld %lld", t->id, t->login, t->org_id, t->scopes, (long long)t->created_ms,
         (long long)t->expires_ms, (long long)t->last_used_ms, (long long)t->revoked_ms);
    return 0;
}

static int grant_cb(const eseal_grant *g, void *p)
{
    note(p, "grant %s %s %s %d %s %s %s %lld %lld %lld %lld %s %d %s %s %lld %lld", g->id, g->org_id, g->seal,
         (int)g->holder_kind, g->holder, g->types, g->templates, (long long)g->not_before_ms,
         (long long)g->not_after_ms, (long long)g->max_uses, (long long)g->uses, g->approval, g->delegable,
         g->parent, g->created_by, (long long)g->created_ms, (long long)g->revoked_ms);
    return 0;
}

static int template_cb(const eseal_template *t, void *p)
{
    note(p, "template %s %s %s %s %lld %s %lld", t->org_id, t->sha256, t->name, t->format, (long long)t->size,
         t->created_by, (long long)t->created_ms);
    return 0;
}

static int webhook_cb(const eseal_webhook *w, void *p)
{
    note(p, "webhook %s %s %s %s %s %d %s %lld", w->id, w->org_id, w->url, w->events, w->secret, w->active,
         w->created_by, (long long)w->created_ms);
    return 0;
}

static int delivery_cb(const eseal_delivery *d, void *p)
{
    note(p, "delivery %s %s %s %s %s %s %d %lld %lld %lld %s %lld %lld", d->id, d->webhook_id, d->org_id, d->event_id,
         d->event_type, d->body, (int)d->status, (long long)d->attempts, (long long)d->next_attempt_ms,
         (long long)d->last_status, d->last_error, (long long)d->created_ms, (long long)d->updated_ms);
    return 0;
}

static int request_cb(const eseal_request *r, void *p)
{
    note(p, "request %s %s %s %s %s %s %s %s %d %.2f %.2f %d %d %d %d %d %u %lld %lld %lld %lld", r->id, r->org_id,
         r->seal, r->requester, r->grant, r->approval, r->doc_type, r->purpose, r->page, r->x_mm, r->y_mm,
         r->xy_exact, r->cross_page, r->level, r->qr, (int)r->status, r->step, (long long)r->docs,
         (long long)r->done, (long long)r->created_ms, (long long)r->updated_ms);
    return 0;
}

static int request_id_cb(const eseal_request *r, void *p)
{
    note(p, "%s", r->id + 18);
    return 0;
}

static int doc_cb(const eseal_request_doc *d, void *p)
{
    note(p, "doc %s %lld %s %s %s %lld %s %lld", d->request_id, (long long)d->index, d->name, d->format, d->sha256,
         (long long)d->size, d->serial, (long long)d->log_index);
    return 0;
}

static int decision_cb(const eseal_decision *d, void *p)
{
    note(p, "decision %s %s %u %s %d %s %s %s %lld", d->id, d->request_id, d->step, d->approver, d->approve,
         d->comment, d->comment_sha256, d->docs_sha256, (long long)d->at_ms);
    return 0;
}

/* ---- certificates and counters ---------------------------------------------------------------- */

static void certificates(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_cert_record a = cert("aaaa000000000001", "root-ca", "0A1B2C3D", SHA_A, 10);
    eseal_cert_record b = cert("aaaa000000000002", "issuing-ca", "0A1B2C3E", SHA_B, 20);
    eseal_cert_record c = cert("bbbb000000000003", "issuing-ca", "0A1B2C3F",
                               "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 30);
    eseal_cert_record d = cert("dddd000000000004", "org", "0A1B2C40",
                               "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", 40);
    OK(eseal_store_cert_insert(s, &a));
    OK(eseal_store_cert_insert(s, &b));
    OK(eseal_store_cert_insert(s, &c));
    OK(eseal_store_cert_insert(s, &d));
    assert_int_equal(eseal_store_cert_insert(s, &a), ESEAL_EEXISTS);
    eseal_cert_record same_serial = cert("eeee000000000005", "org", "0A1B2C40",
                                         "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", 50);
    (void)same_serial; /* serials are not unique keys across issuers: not asserted */

    eseal_cert_record out;
    memset(&out, 0, sizeof(out));
    OK(eseal_store_cert_find(s, &out, "aaaa000000000002")); /* id */
    assert_string_equal(out.id, "aaaa000000000002");
    assert_string_equal(out.subject, "CN=测试,O=Example");
    assert_string_equal(out.key_file, "keys/x.key");
    assert_int_equal(out.not_after_ms, 4102444800000);
    assert_int_equal(out.revoked_ms, 0);
    eseal_cert_record_dispose(&out);
    OK(eseal_store_cert_find(s, &out, "0a1b2c3f")); /* serial, lower case */
    assert_string_equal(out.id, "bbbb000000000003");
    eseal_cert_record_dispose(&out);
    OK(eseal_store_cert_find(s, &out, "0A1B2C3F")); /* serial, upper case */
    assert_string_equal(out.id, "bbbb000000000003");
    eseal_cert_record_dispose(&out);
    OK(eseal_store_cert_find(s, &out, SHA_B)); /* fingerprint */
    assert_string_equal(out.id, "aaaa000000000002");
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find(s, &out, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
                     ESEAL_OK); /* fingerprint, upper case */
    assert_string_equal(out.id, "aaaa000000000002");
    eseal_cert_record_dispose(&out);
    OK(eseal_store_cert_find(s, &out, "bbbb00")); /* unique prefix */
    assert_string_equal(out.id, "bbbb000000000003");
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find(s, &out, "aaaa0000"), ESEAL_EAMBIGUOUS);
    assert_int_equal(eseal_store_cert_find(s, &out, "ffff0000"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_cert_find(s, &out, "aa%_"), ESEAL_ENOTFOUND); /* LIKE's characters are literal */
    assert_int_equal(eseal_store_cert_find(s, &out, "aaa"), ESEAL_EINVAL);

    OK(eseal_store_cert_find_role(s, &out, "issuing-ca", "sm2")); /* the newest */
    assert_string_equal(out.id, "bbbb000000000003");
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find_role(s, &out, "tsa", "sm2"), ESEAL_ENOTFOUND);

    seen all = {0};
    OK(eseal_store_cert_list(s, cert_cb, &all));
    assert_non_null(strstr(text(&all), "cert aaaa000000000001 root-ca"));
    assert_true(strstr(text(&all), "aaaa000000000001") < strstr(text(&all), "aaaa000000000002"));
    assert_true(strstr(text(&all), "aaaa000000000002") < strstr(text(&all), "bbbb000000000003"));
    assert_true(strstr(text(&all), "bbbb000000000003") < strstr(text(&all), "dddd000000000004"));
    seen roles = {0};
    const char *const two[] = {"org", "root-ca"};
    OK(eseal_store_cert_list_roles(s, two, 2, cert_cb, &roles));
    assert_non_null(strstr(text(&roles), "cert aaaa000000000001"));
    assert_non_null(strstr(text(&roles), "cert dddd000000000004"));
    assert_null(strstr(text(&roles), "aaaa000000000002"));
    assert_true(strstr(text(&roles), "aaaa000000000001") < strstr(text(&roles), "dddd000000000004"));

    OK(eseal_store_cert_revoke(s, "bbbb000000000003", 777, 4));
    assert_int_equal(eseal_store_cert_revoke(s, "bbbb000000000003", 778, 4), ESEAL_ESTATE);
    OK(eseal_store_cert_find(s, &out, "bbbb000000000003"));
    assert_int_equal(out.revoked_ms, 777);
    assert_int_equal(out.revocation_reason, 4);
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find_role(s, &out, "issuing-ca", "sm2"), ESEAL_ESTATE);
    free(all.text);
    free(roles.text);
    eseal_store_close(s);
}

static void counters_and_crls(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_store *t = open_again();
    uint64_t v = 0;
    OK(eseal_store_counter_next(s, "serial", &v));
    assert_int_equal(v, 1);
    uint64_t first = 0;
    OK(eseal_store_counter_reserve(s, "serial", 5, 100, &first)); /* above the floor */
    assert_int_equal(first, 101);
    OK(eseal_store_counter_next(t, "serial", &v));
    assert_int_equal(v, 106);
    OK(eseal_store_counter_reserve(t, "serial", 3, 50, &first)); /* a floor below: none */
    assert_int_equal(first, 107);
    /* two connections taking values alternately: each value once, in order */
    uint64_t last = 109;
    for (int i = 0; i < 20; i++) {
        OK(eseal_store_counter_next(i % 2 == 0 ? s : t, "serial", &v));
        assert_int_equal(v, last + 1);
        last = v;
    }
    OK(eseal_store_counter_next(t, "other", &v));
    assert_int_equal(v, 1);

    static const unsigned char crl1[] = {0x30, 0x00, 0xff, 0x00, 0x01};
    static const unsigned char crl2[] = {0x30, 0x03, 0x00, 0x80, 0x7f};
    eseal_cert_record ca = cert("cccc000000000001", "issuing-ca", "01", SHA_A, 1);
    OK(eseal_store_cert_insert(s, &ca));
    eseal_buf der = {0};
    assert_int_equal(eseal_store_crl_latest(s, &der, "cccc000000000001"), ESEAL_ENOTFOUND);
    OK(eseal_store_crl_put(s, "cccc000000000001", 2, crl2, sizeof(crl2), 10, 20));
    OK(eseal_store_crl_put(s, "cccc000000000001", 1, crl1, sizeof(crl1), 5, 15));
    OK(eseal_store_crl_latest(t, &der, "cccc000000000001")); /* the highest number */
    assert_int_equal(der.size, sizeof(crl2));
    assert_memory_equal(der.ptr, crl2, sizeof(crl2));
    eseal_buf_dispose(&der);
    eseal_store_close(t);
    eseal_store_close(s);
}

/* ---- seals, stamps, the log ------------------------------------------------------------------- */

static void seals_and_stamps(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_seal_record a = seal("ES-2026-A001", 100);
    eseal_seal_record b = seal("ES-2026-B002", 50); /* older, inserted later: listed by creation? by insertion */
    static const unsigned char der[] = {0x30, 0x82, 0x00, 0x00, 0xff};
    OK(eseal_store_seal_insert(s, &a, der, sizeof(der)));
    OK(eseal_store_seal_insert(s, &b, "\x30\x00", 2));
    assert_int_equal(eseal_store_seal_insert(s, &a, der, sizeof(der)), ESEAL_EEXISTS);

    eseal_seal_record out;
    memset(&out, 0, sizeof(out));
    eseal_buf got = {0};
    OK(eseal_store_seal_find(s, &out, &got, "ES-2026-A"));
    assert_string_equal(out.esid, "ES-2026-A001");
    assert_string_equal(out.name, "合同专用章");
    assert_string_equal(out.imprint, "{\"shape\":\"circle\"}");
    assert_int_equal(out.valid_to_ms, 1100);
    assert_int_equal(got.size, sizeof(der));
    assert_memory_equal(got.ptr, der, sizeof(der));
    eseal_buf_dispose(&got);
    eseal_seal_record_dispose(&out);
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "ES-2026"), ESEAL_EAMBIGUOUS);
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "es-2026-a001"), ESEAL_ENOTFOUND); /* case-sensitive */

    OK(eseal_store_seal_update(s, "ES-2026-A001", "revoked", 500, "ES-2026-B002"));
    OK(eseal_store_seal_find(s, &out, NULL, "ES-2026-A001"));
    assert_string_equal(out.state, "revoked");
    assert_string_equal(out.next_esid, "ES-2026-B002");
    assert_int_equal(out.updated_ms, 500);
    eseal_seal_record_dispose(&out);

    assert_int_equal(eseal_store_seal_receipt(s, &got, "ES-2026-A001"), ESEAL_ENOTFOUND);
    OK(eseal_store_seal_receipt_put(s, "ES-2026-A001", "\x00receipt", 8));
    OK(eseal_store_seal_receipt(s, &got, "ES-2026-A001"));
    assert_int_equal(got.size, 8);
    assert_memory_equal(got.ptr, "\x00receipt", 8);
    eseal_buf_dispose(&got);

    seen list = {0};
    OK(eseal_store_seal_list(s, seal_cb, &list));
    assert_non_null(strstr(text(&list), "seal ES-2026-A001 合同专用章 Example Co c1,c2 m1 revoked  ES-2026-B002"));
    char *pa = strstr(text(&list), "ES-2026-A001"), *pb = strstr(text(&list), "seal ES-2026-B002");
    assert_non_null(pb);
    assert_true(pb < pa); /* oldest first: B was created at 50 */

    eseal_seal_event ev = {.esid = (char *)(uintptr_t) "ES-2026-A001", .at_ms = 7,
                           .from_state = (char *)(uintptr_t) "", .to_state = (char *)(uintptr_t) "made",
                           .actor = (char *)(uintptr_t) "user:alice", .reason = (char *)(uintptr_t) "新"};
    int64_t seq = 0;
    OK(eseal_store_seal_event_add(s, &ev, &seq));
    assert_int_equal(seq, 1);
    ev.from_state = (char *)(uintptr_t) "made";
    ev.to_state = (char *)(uintptr_t) "revoked";
    ev.at_ms = 8;
    OK(eseal_store_seal_event_add(s, &ev, &seq));
    assert_int_equal(seq, 2);
    ev.esid = (char *)(uintptr_t) "ES-2026-B002";
    OK(eseal_store_seal_event_add(s, &ev, &seq));
    assert_int_equal(seq, 1); /* per seal */
    seen events = {0};
    OK(eseal_store_seal_events(s, "ES-2026-A001", event_cb, &events));
    assert_string_equal(text(&events), "event ES-2026-A001 1 7 >made user:alice 新;"
                                       "event ES-2026-A001 2 8 made>revoked user:alice 新;");

    eseal_stamp_record st = {.serial = (char *)(uintptr_t) "st20261121-0a1b2c3d4e",
                             .esid = (char *)(uintptr_t) "ES-2026-A001",
                             .cert_id = (char *)(uintptr_t) "aaaa000000000001",
                             .kind = (char *)(uintptr_t) "pdf",
                             .doc_sha256 = (char *)(uintptr_t)SHA_A,
                             .at_ms = 99,
                             .log_index = 12,
                             .receipt = (char *)(uintptr_t) ""};
    OK(eseal_store_stamp_insert(s, &st));
    st.serial = (char *)(uintptr_t) "ST20261121-0A1B2C3D4E";
    assert_int_equal(eseal_store_stamp_insert(s, &st), ESEAL_EEXISTS); /* the same serial, the other case */
    eseal_stamp_record so;
    memset(&so, 0, sizeof(so));
    OK(eseal_store_stamp_find(s, &so, "st20261121-0a1b2c3d4e"));
    assert_string_equal(so.serial, "ST20261121-0A1B2C3D4E");
    assert_string_equal(so.receipt, "");
    assert_int_equal(so.log_index, 12);
    assert_int_equal(so.at_ms, 99);
    eseal_stamp_record_dispose(&so);
    OK(eseal_store_stamp_receipt_put(s, "ST20261121-0A1B2C3D4E", "proof\nline"));
    OK(eseal_store_stamp_find(s, &so, "ST20261121-0a1b2c3d4e"));
    assert_string_equal(so.receipt, "proof\nline");
    assert_string_equal(so.doc_sha256, SHA_A);
    eseal_stamp_record_dispose(&so);
    assert_int_equal(eseal_store_stamp_find(s, &so, "ST-NONE"), ESEAL_ENOTFOUND);
    free(list.text);
    free(events.text);
    eseal_store_close(s);
}

static void the_log(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_buf b = {0};
    assert_int_equal(eseal_store_log_state(s, &b), ESEAL_ENOTFOUND);
    OK(eseal_store_log_state_put(s, "\x01\x00state", 7));
    OK(eseal_store_log_state_put(s, "\x02\x00state", 7));
    OK(eseal_store_log_state(s, &b));
    assert_int_equal(b.size, 7);
    assert_memory_equal(b.ptr, "\x02\x00state", 7);
    eseal_buf_dispose(&b);

    eseal_store_bytes e[3] = {{"e0", 2}, {"e1", 2}, {"e2", 2}};
    OK(eseal_store_log_entries_put(s, 0, e, 3));
    eseal_store_bytes f[2] = {{"x2", 2}, {"x3", 2}};
    assert_int_equal(eseal_store_log_entries_put(s, 2, f, 2), ESEAL_EEXISTS); /* index 2 is taken */
    assert_int_equal(eseal_store_log_entry(s, &b, 3), ESEAL_ENOTFOUND);       /* nothing of it stored */
    OK(eseal_store_log_entry(s, &b, 2));
    assert_memory_equal(b.ptr, "e2", 2);
    eseal_buf_dispose(&b);
    seen entries = {0};
    OK(eseal_store_log_entries(s, 0, 3, entry_cb, &entries));
    assert_string_equal(text(&entries), "entry 0 e0;entry 1 e1;entry 2 e2;");
    seen more = {0};
    assert_int_equal(eseal_store_log_entries(s, 1, 5, entry_cb, &more), ESEAL_ENOTFOUND);

    assert_int_equal(eseal_store_log_tile(s, &b, 0, 0), ESEAL_ENOTFOUND);
    OK(eseal_store_log_tile_put(s, 0, 0, TILE_1, 32)); /* a partial tile of one hash, ... */
    OK(eseal_store_log_tile_put(s, 0, 0, TILE_2, 64)); /* ... replaced by one of two */
    OK(eseal_store_log_tile_put(s, 1, 0, TILE_1, 32));
    OK(eseal_store_log_tile(s, &b, 0, 0));
    assert_int_equal(b.size, 64);
    assert_memory_equal(b.ptr, TILE_2, 64);
    eseal_buf_dispose(&b);

    OK(eseal_store_log_checkpoint_put(s, 3, "note 3\n", 100));
    OK(eseal_store_log_checkpoint_put(s, 2, "note 2\n", 90));
    OK(eseal_store_log_checkpoint_put(s, 3, "note 3\n+cosig\n", 200));
    uint64_t size = 0;
    OK(eseal_store_log_checkpoint(s, &b, 3, &size));
    assert_int_equal(size, 3);
    assert_int_equal(b.size, strlen("note 3\n+cosig\n"));
    assert_memory_equal(b.ptr, "note 3\n+cosig\n", b.size);
    eseal_buf_dispose(&b);
    OK(eseal_store_log_checkpoint(s, &b, UINT64_MAX, &size));
    assert_int_equal(size, 3);
    eseal_buf_dispose(&b);
    seen cps = {0};
    OK(eseal_store_log_checkpoints(s, checkpoint_cb, &cps));
    /* the cosigned note replaced the first, which kept its time */
    assert_string_equal(text(&cps), "checkpoint 2 note 2\n 90;checkpoint 3 note 3\n+cosig\n 100;");

    assert_int_equal(eseal_store_log_private(s, &b, 1, "salt.ip"), ESEAL_ENOTFOUND);
    OK(eseal_store_log_private_put(s, 1, "salt.ip", "\x00\x01\x02", 3));
    OK(eseal_store_log_private_put(s, 1, "salt.device", "dev", 3));
    OK(eseal_store_log_private(s, &b, 1, "salt.ip"));
    assert_int_equal(b.size, 3);
    assert_memory_equal(b.ptr, "\x00\x01\x02", 3);
    eseal_buf_dispose(&b);
    OK(eseal_store_log_private_erase(s, 1, "salt.ip"));
    assert_int_equal(eseal_store_log_private_erase(s, 1, "salt.ip"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_log_private(s, &b, 1, "salt.ip"), ESEAL_ENOTFOUND);
    OK(eseal_store_log_private(s, &b, 1, "salt.device"));
    eseal_buf_dispose(&b);

    assert_int_equal(eseal_store_meta(s, &b, "witness"), ESEAL_ENOTFOUND);
    OK(eseal_store_meta_put(s, "witness", "one", 3));
    OK(eseal_store_meta_put(s, "witness", "two!", 4));
    OK(eseal_store_meta(s, &b, "witness"));
    assert_int_equal(b.size, 4);
    assert_memory_equal(b.ptr, "two!", 4);
    eseal_buf_dispose(&b);
    free(entries.text);
    free(more.text);
    free(cps.text);
    eseal_store_close(s);
}

/* ---- accounts --------------------------------------------------------------------------------- */

static void accounts(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_org a = org(ORG_A, "Alpha 甲", "91350100m000100y43", "", 20);
    eseal_org b = org(ORG_B, "Beta", "", "VATDE-123456789", 10);
    eseal_org c = org("org_00000000000000cc", "Gamma", "", "", 30); /* no code, no identifier, like ... */
    eseal_org d = org("org_00000000000000dd", "Delta", "", "", 30); /* ... this one: they do not collide */
    OK(eseal_store_org_insert(s, &a));
    OK(eseal_store_org_insert(s, &b));
    OK(eseal_store_org_insert(s, &c));
    OK(eseal_store_org_insert(s, &d));
    eseal_org dup = org("org_00000000000000ee", "Other", "91350100M000100Y43", "", 1);
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS,
                 "an organisation with code '91350100M000100Y43' exists");
    dup = org("org_00000000000000ee", "Other", "", "VATDE-123456789", 1);
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS,
                 "an organisation with identifier 'VATDE-123456789' exists");
    dup = org("org_00000000000000ee", "Beta", "", "", 1);
    expect_error(eseal_store_org_insert(s, &dup), ESEAL_EEXISTS, "an organisation named 'Beta' exists");

    eseal_org o;
    OK(eseal_store_org_find(s, &o, "91350100m000100y43")); /* code, either case */
    assert_string_equal(o.id, ORG_A);
    assert_string_equal(o.uscc, "91350100M000100Y43");
    assert_string_equal(o.name, "Alpha 甲");
    OK(eseal_store_org_find(s, &o, "VATDE-123456789"));
    assert_string_equal(o.id, ORG_B);
    OK(eseal_store_org_find(s, &o, "Gamma"));
    assert_string_equal(o.id, "org_00000000000000cc");
    assert_string_equal(o.identifier, "");
    OK(eseal_store_org_find(s, &o, ORG_B));
    assert_string_equal(o.name, "Beta");
    expect_error(eseal_store_org_find(s, &o, "gamma"), ESEAL_ENOTFOUND, "no organisation 'gamma'");
    seen orgs = {0};
    OK(eseal_store_org_list(s, org_cb, &orgs));
    assert_string_equal(text(&orgs), "org " ORG_B " Beta  VATDE-123456789 10;"
                                     "org " ORG_A " Alpha 甲 91350100M000100Y43  20;"
                                     "org org_00000000000000cc Gamma   30;org org_00000000000000dd Delta   30;");

    eseal_user u1 = user("Alice", ORG_A, 5), u2 = user("bob", ORG_B, 3), u3 = user("carol", "", 4);
    OK(eseal_store_user_insert(s, &u1, "$argon2id$v=19$x"));
    OK(eseal_store_user_insert(s, &u2, NULL));
    OK(eseal_store_user_insert(s, &u3, ""));
    expect_error(eseal_store_user_insert(s, &u1, NULL), ESEAL_EEXISTS, "a user 'alice' exists");
    eseal_user u4 = user("dave", "org_00000000000000ff", 1);
    expect_error(eseal_store_user_insert(s, &u4, NULL), ESEAL_ENOTFOUND, "no organisation 'org_00000000000000ff'");
    eseal_user uo;
    char hash[ESEAL_STORE_PW_HASH_MAX + 1];
    OK(eseal_store_user_get(s, &uo, hash, "ALICE"));
    assert_string_equal(uo.login, "alice");
    assert_string_equal(uo.display_name, "Alice 张");
    assert_string_equal(hash, "$argon2id$v=19$x");
    OK(eseal_store_user_update(s, "alice", "admin,stamper", ESEAL_USER_DISABLED, "$new", 77));
    OK(eseal_store_user_get(s, &uo, hash, "alice"));
    assert_string_equal(uo.roles, "admin,stamper");
    assert_int_equal(uo.status, ESEAL_USER_DISABLED);
    assert_int_equal(uo.updated_ms, 77);
    assert_string_equal(hash, "$new");
    OK(eseal_store_user_get(s, &uo, hash, "bob"));
    assert_string_equal(hash, "");
    expect_error(eseal_store_user_update(s, "nobody", NULL, 0, NULL, 1), ESEAL_ENOTFOUND, "no user 'nobody'");
    seen users = {0};
    OK(eseal_store_user_list(s, NULL, user_cb, &users));
    assert_string_equal(text(&users), "user bob bob 张 " ORG_B " stamper 1 3 3;user carol carol 张  stamper 1 4 4;"
                                      "user alice Alice 张 " ORG_A " admin,stamper 2 5 77;");
    seen users_a = {0};
    OK(eseal_store_user_list(s, ORG_A, user_cb, &users_a));
    assert_string_equal(text(&users_a), "user alice Alice 张 " ORG_A " admin,stamper 2 5 77;");

    eseal_token_info t1 = token("tok_0000000000000001", "ALICE", ORG_A, 300);
    eseal_token_info t2 = token("tok_0000000000000002", "bob", ORG_B, 100);
    OK(eseal_store_token_insert(s, &t1, DIGEST_U));
    OK(eseal_store_token_insert(s, &t2, SHA_B));
    expect_error(eseal_store_token_insert(s, &t1, SHA_A), ESEAL_EEXISTS, "a token 'tok_0000000000000001' exists");
    eseal_token_info t3 = token("tok_0000000000000003", "bob", ORG_B, 100);
    expect_error(eseal_store_token_insert(s, &t3, SHA_B), ESEAL_EEXISTS, "a token with the same digest exists");
    eseal_token_info to;
    OK(eseal_store_token_by_digest(s, &to, DIGEST_L)); /* kept lower-case */
    assert_string_equal(to.id, "tok_0000000000000001");
    assert_string_equal(to.login, "alice");
    assert_int_equal(to.expires_ms, 1300);
    OK(eseal_store_token_update(s, "tok_0000000000000001", 400, 0));
    OK(eseal_store_token_update(s, "tok_0000000000000001", 0, 500));
    OK(eseal_store_token_get(s, &to, "tok_0000000000000001"));
    assert_int_equal(to.last_used_ms, 400);
    assert_int_equal(to.revoked_ms, 500);
    seen tokens = {0};
    OK(eseal_store_token_list(s, NULL, NULL, token_cb, &tokens));
    assert_string_equal(text(&tokens), "token tok_0000000000000002 bob " ORG_B " stamp,verify 100 1100 0 0;"
                                       "token tok_0000000000000001 alice " ORG_A " stamp,verify 300 1300 400 500;");
    seen tokens_b = {0};
    OK(eseal_store_token_list(s, NULL, ORG_B, token_cb, &tokens_b));
    assert_string_equal(text(&tokens_b), "token tok_0000000000000002 bob " ORG_B " stamp,verify 100 1100 0 0;");

    uint32_t failures = 9;
    int64_t until = 9;
    OK(eseal_store_throttle_get(s, "login:alice", &failures, &until));
    assert_int_equal(failures, 0);
    assert_int_equal(until, 0);
    OK(eseal_store_throttle_put(s, "login:alice", 3, 5000));
    OK(eseal_store_throttle_put(s, "login:alice", 4, 6000));
    OK(eseal_store_throttle_get(s, "login:alice", &failures, &until));
    assert_int_equal(failures, 4);
    assert_int_equal(until, 6000);
    OK(eseal_store_throttle_put(s, "login:alice", 0, 0));
    OK(eseal_store_throttle_get(s, "login:alice", &failures, &until));
    assert_int_equal(failures, 0);

    char login[ESEAL_LOGIN_MAX + 1], csrf[65];
    int64_t created = 0, last = 0;
    OK(eseal_store_session_insert(s, SHA_A, "alice", SHA_B, 1000));
    OK(eseal_store_session_insert(s, SHA_B, "bob", SHA_B, 1000));
    OK(eseal_store_session_touch(s, SHA_A, 1500));
    OK(eseal_store_session_get(s, SHA_A, login, csrf, &created, &last));
    assert_string_equal(login, "alice");
    assert_string_equal(csrf, SHA_B);
    assert_int_equal(created, 1000);
    assert_int_equal(last, 1500);
    OK(eseal_store_session_end(s, SHA_A));
    assert_int_equal(eseal_store_session_end(s, SHA_A), ESEAL_ENOTFOUND);
    OK(eseal_store_session_end_user(s, "bob"));
    assert_int_equal(eseal_store_session_get(s, SHA_B, login, csrf, &created, &last), ESEAL_ENOTFOUND);
    OK(eseal_store_session_end_user(s, "bob")); /* none: not an error */
    free(orgs.text);
    free(users.text);
    free(users_a.text);
    free(tokens.text);
    free(tokens_b.text);
    eseal_store_close(s);
}

/* ---- governance ------------------------------------------------------------------------------- */

/* A store with organisations A and B and seal SEAL_A. */
static eseal_store *open_governed(void)
{
    eseal_store *s = open_fresh();
    eseal_org a = org(ORG_A, "Alpha", "", "", 1), b = org(ORG_B, "Beta", "", "", 2);
    OK(eseal_store_org_insert(s, &a));
    OK(eseal_store_org_insert(s, &b));
    eseal_seal_record r = seal(SEAL_A, 1000);
    OK(eseal_store_seal_insert(s, &r, "\x30\x00", 2));
    return s;
}

typedef struct {
    const char *id;
    int rc;
} use_arg;

static void *use_thread(void *p)
{
    use_arg *a = p;
    eseal_store *s = NULL;
    a->rc = eseal_store_open(&s, loc);
    if (a->rc == ESEAL_OK) {
        a->rc = eseal_store_grant_use(s, a->id);
        eseal_store_close(s);
    }
    return NULL;
}

static void grants_and_templates(void **state)
{
    (void)state;
    eseal_store *s = open_governed();
    eseal_grant g1 = grant("grt_0000000000000001", ORG_A, SEAL_A, 2, 20);
    eseal_grant g2 = grant("grt_0000000000000002", ORG_A, SEAL_A, 0, 10);
    g2.holder_kind = ESEAL_GRANT_TO_USER;
    memset(g2.holder, 0, sizeof(g2.holder)); /* compared whole below */
    (void)snprintf(g2.holder, sizeof(g2.holder), "alice");
    (void)snprintf(g2.parent, sizeof(g2.parent), "grt_0000000000000001");
    (void)snprintf(g2.approval, sizeof(g2.approval), "1:@approver");
    g2.delegable = 1;
    OK(eseal_store_grant_insert(s, &g1));
    OK(eseal_store_grant_insert(s, &g2));
    expect_error(eseal_store_grant_insert(s, &g1), ESEAL_EEXISTS, "a grant 'grt_0000000000000001' exists");
    eseal_grant orphan = grant("grt_0000000000000009", ORG_A, SEAL_A, 0, 1);
    (void)snprintf(orphan.parent, sizeof(orphan.parent), "grt_00000000000000ff");
    assert_int_equal(eseal_store_grant_insert(s, &orphan), ESEAL_ENOTFOUND);

    eseal_grant go;
    OK(eseal_store_grant_get(s, &go, "grt_0000000000000002"));
    assert_memory_equal(&go, &g2, sizeof(go)); /* every field, byte for byte (both zero-filled) */
    seen list = {0};
    OK(eseal_store_grant_list(s, ORG_A, NULL, grant_cb, &list));
    assert_non_null(strstr(text(&list), "grant grt_0000000000000002"));
    assert_true(strstr(text(&list), "grt_0000000000000002") < strstr(text(&list), "grant grt_0000000000000001"));
    seen none = {0};
    OK(eseal_store_grant_list(s, ORG_B, NULL, grant_cb, &none));
    assert_string_equal(text(&none), "");

    OK(eseal_store_grant_use(s, "grt_0000000000000001"));
    OK(eseal_store_grant_use(s, "grt_0000000000000001"));
    expect_error(eseal_store_grant_use(s, "grt_0000000000000001"), ESEAL_ESTATE,
                 "grant 'grt_0000000000000001' has no use left");
    OK(eseal_store_grant_get(s, &go, "grt_0000000000000001"));
    assert_int_equal(go.uses, 2);
    g2.max_uses = 5;
    (void)snprintf(g2.types, sizeof(g2.types), "invoice");
    OK(eseal_store_grant_update(s, &g2));
    OK(eseal_store_grant_get(s, &go, "grt_0000000000000002"));
    assert_int_equal(go.max_uses, 5);
    assert_string_equal(go.types, "invoice");
    OK(eseal_store_grant_revoke(s, "grt_0000000000000002", 900));
    expect_error(eseal_store_grant_revoke(s, "grt_0000000000000002", 901), ESEAL_ESTATE,
                 "grant 'grt_0000000000000002' is revoked already");
    expect_error(eseal_store_grant_update(s, &g2), ESEAL_ESTATE, "grant 'grt_0000000000000002' is revoked");
    assert_int_equal(eseal_store_grant_use(s, "grt_0000000000000002"), ESEAL_ESTATE);

    /* a single-use grant, two connections at once: exactly one use */
    for (int round = 0; round < 5; round++) {
        char id[32];
        (void)snprintf(id, sizeof(id), "grt_00000000000001%02d", round);
        eseal_grant once = grant(id, ORG_A, SEAL_A, 1, 30);
        OK(eseal_store_grant_insert(s, &once));
        use_arg a = {.id = id}, b = {.id = id};
        pthread_t ta, tb;
        assert_int_equal(pthread_create(&ta, NULL, use_thread, &a), 0);
        assert_int_equal(pthread_create(&tb, NULL, use_thread, &b), 0);
        assert_int_equal(pthread_join(ta, NULL), 0);
        assert_int_equal(pthread_join(tb, NULL), 0);
        assert_true((a.rc == ESEAL_OK && b.rc == ESEAL_ESTATE) || (a.rc == ESEAL_ESTATE && b.rc == ESEAL_OK));
        OK(eseal_store_grant_get(s, &go, id));
        assert_int_equal(go.uses, 1);
    }

    eseal_template t = {.org_id = ORG_A, .name = "红章 template", .format = "pdf", .size = 4,
                        .created_by = "user:alice", .created_ms = 50};
    (void)snprintf(t.sha256, sizeof(t.sha256), "ABCDEF%s", SHA_A + 6);
    OK(eseal_store_template_insert(s, &t, "%PDF", 4));
    assert_int_equal(eseal_store_template_insert(s, &t, "%PDF", 4), ESEAL_EEXISTS);
    eseal_template to;
    eseal_buf bytes = {0};
    char lower[65];
    (void)snprintf(lower, sizeof(lower), "abcdef%s", SHA_A + 6);
    OK(eseal_store_template_get(s, &to, &bytes, ORG_A, lower));
    assert_string_equal(to.sha256, lower);
    assert_string_equal(to.name, "红章 template");
    assert_int_equal(bytes.size, 4);
    assert_memory_equal(bytes.ptr, "%PDF", 4);
    eseal_buf_dispose(&bytes);
    assert_int_equal(eseal_store_template_get(s, &to, NULL, ORG_B, lower), ESEAL_ENOTFOUND);
    seen tl = {0};
    OK(eseal_store_template_list(s, NULL, template_cb, &tl));
    char want[300];
    (void)snprintf(want, sizeof(want), "template " ORG_A " %s 红章 template pdf 4 user:alice 50;", lower);
    assert_string_equal(text(&tl), want);
    free(list.text);
    free(none.text);
    free(tl.text);
    eseal_store_close(s);
}

static void webhooks_and_deliveries(void **state)
{
    (void)state;
    eseal_store *s = open_governed();
    eseal_store *t = open_again();
    eseal_webhook w1 = webhook(WHK_1, ORG_A, 10), w2 = webhook("whk_0000000000000002", ORG_B, 5);
    OK(eseal_store_webhook_insert(s, &w1));
    OK(eseal_store_webhook_insert(s, &w2));
    expect_error(eseal_store_webhook_insert(s, &w1), ESEAL_EEXISTS, "a webhook '" WHK_1 "' exists");
    eseal_webhook wo;
    OK(eseal_store_webhook_get(t, &wo, WHK_1));
    assert_memory_equal(&wo, &w1, sizeof(wo));
    seen wl = {0};
    OK(eseal_store_webhook_list(s, NULL, webhook_cb, &wl));
    assert_true(strstr(text(&wl), "webhook whk_0000000000000002") < strstr(text(&wl), "webhook " WHK_1));

    eseal_delivery *d1 = delivery("dlv_0000000000000001", 100, 300);
    eseal_delivery *d2 = delivery("dlv_0000000000000002", 200, 250);
    eseal_delivery *d3 = delivery("dlv_0000000000000003", 300, 900);
    OK(eseal_store_delivery_insert(s, d1));
    OK(eseal_store_delivery_insert(s, d2));
    OK(eseal_store_delivery_insert(s, d3));
    eseal_delivery *got = calloc(1, sizeof(*got));
    assert_non_null(got);
    OK(eseal_store_delivery_get(s, got, "dlv_0000000000000001"));
    assert_string_equal(got->org_id, ORG_A); /* read back from its webhook */
    assert_string_equal(got->body, d1->body);
    seen due = {0};
    OK(eseal_store_delivery_due(s, 400, 10, delivery_cb, &due));
    assert_non_null(strstr(text(&due), "delivery dlv_0000000000000002"));
    assert_null(strstr(text(&due), "dlv_0000000000000003"));
    assert_true(strstr(text(&due), "dlv_0000000000000002") < strstr(text(&due), "delivery dlv_0000000000000001"));
    seen newest = {0};
    OK(eseal_store_delivery_list(s, WHK_1, 2, delivery_cb, &newest));
    assert_non_null(strstr(text(&newest), "delivery dlv_0000000000000003"));
    assert_null(strstr(text(&newest), "dlv_0000000000000001"));

    OK(eseal_store_delivery_claim(s, "dlv_0000000000000002", 250, 5000));
    expect_error(eseal_store_delivery_claim(t, "dlv_0000000000000002", 250, 5000), ESEAL_ESTATE,
                 "delivery 'dlv_0000000000000002' is taken");
    d2->status = ESEAL_DELIVERY_DELIVERED;
    d2->attempts = 1;
    d2->last_status = 204;
    d2->updated_ms = 260;
    d2->last_error[0] = '\0';
    OK(eseal_store_delivery_update(t, d2));
    OK(eseal_store_delivery_get(s, got, "dlv_0000000000000002"));
    assert_int_equal(got->status, ESEAL_DELIVERY_DELIVERED);
    assert_int_equal(got->last_status, 204);
    assert_int_equal(got->attempts, 1);
    OK(eseal_store_webhook_remove(s, WHK_1));
    assert_int_equal(eseal_store_delivery_get(s, got, "dlv_0000000000000001"), ESEAL_ENOTFOUND);
    expect_error(eseal_store_webhook_remove(s, WHK_1), ESEAL_ENOTFOUND, "no webhook '" WHK_1 "'");
    free(d1);
    free(d2);
    free(d3);
    free(got);
    free(wl.text);
    free(due.text);
    free(newest.text);
    eseal_store_close(t);
    eseal_store_close(s);
}

/* Requests: R1 A alice pending, R2 A bob approved, R3 B alice rejected, R4 A alice executed... */
static void requests_every_filter(void **state)
{
    (void)state;
    eseal_store *s = open_governed();
    static const struct {
        const char *id, *org, *requester;
        eseal_request_status status;
    } rows[] = {
        {"req_0000000000000001", ORG_A, "alice", ESEAL_REQUEST_PENDING},
        {"req_0000000000000002", ORG_A, "bob", ESEAL_REQUEST_APPROVED},
        {"req_0000000000000003", ORG_B, "alice", ESEAL_REQUEST_REJECTED},
        {"req_0000000000000004", ORG_A, "alice", ESEAL_REQUEST_APPROVED},
        {"req_0000000000000005", ORG_B, "bob", ESEAL_REQUEST_PENDING},
        {"req_0000000000000006", ORG_B, "alice", ESEAL_REQUEST_APPROVED},
    };
    size_t n = sizeof(rows) / sizeof(rows[0]);
    eseal_request_doc docs[2] = {doc("a.pdf", SHA_A, 10), doc("b.pdf", SHA_B, 20)};
    for (size_t i = 0; i < n; i++) {
        eseal_request r = request(rows[i].id, rows[i].org, rows[i].requester, (int64_t)(100 + i));
        OK(eseal_store_request_insert(s, &r, docs, 2));
        if (rows[i].status != ESEAL_REQUEST_PENDING) {
            assert_int_equal(eseal_store_request_advance(s, rows[i].id, ESEAL_REQUEST_PENDING, 0, rows[i].status, 1,
                                                         (int64_t)(500 + i)),
                             ESEAL_OK);
        }
    }
    eseal_request r1 = request("req_0000000000000001", ORG_A, "alice", 1);
    expect_error(eseal_store_request_insert(s, &r1, docs, 2), ESEAL_EEXISTS, "a request 'req_0000000000000001' exists");

    const char *orgs[] = {NULL, ORG_A, ORG_B};
    const char *requesters[] = {NULL, "alice", "bob", "carol"};
    int combos = 0;
    for (size_t o = 0; o < 3; o++) {
        for (int st = 0; st <= 4; st++) {
            for (size_t q = 0; q < 4; q++) {
                seen want = {0}, got = {0};
                for (size_t i = n; i-- > 0;) { /* newest first */
                    if ((orgs[o] == NULL || strcmp(orgs[o], rows[i].org) == 0) &&
                        (st == 0 || (int)rows[i].status == st) &&
                        (requesters[q] == NULL || strcmp(requesters[q], rows[i].requester) == 0)) {
                        note(&want, "%s", rows[i].id + 18);
                    }
                }
                int rc = eseal_store_request_list(s, orgs[o], (eseal_request_status)st, requesters[q], request_id_cb,
                                                  &got);
                if (rc != ESEAL_OK || strcmp(text(&want), text(&got)) != 0) {
                    fail_msg("list org=%s status=%d requester=%s: rc %d (%s), '%s' wanted '%s'",
                             orgs[o] != NULL ? orgs[o] : "-", st, requesters[q] != NULL ? requesters[q] : "-", rc,
                             eseal_error_last()->message, text(&got), text(&want));
                }
                free(want.text);
                free(got.text);
                combos++;
            }
        }
    }
    assert_int_equal(combos, 60);

    eseal_request ro;
    OK(eseal_store_request_get(s, &ro, "req_0000000000000004"));
    seen one = {0};
    assert_int_equal(request_cb(&ro, &one), 0);
    assert_string_equal(text(&one), "request req_0000000000000004 " ORG_A " " SEAL_A " alice grt_0000000000000001 "
                                    "1:@approver contract 采购合同 \"Q4\" -1 120.25 -3.50 1 0 2 1 2 1 2 0 103 503;");
    expect_error(eseal_store_request_advance(s, "req_0000000000000004", ESEAL_REQUEST_PENDING, 0,
                                             ESEAL_REQUEST_REJECTED, 0, 1),
                 ESEAL_ESTATE, "request 'req_0000000000000004' has moved on");

    /* documents: stamped in order of index, the last makes the request executed; unstamped back */
    int64_t index = -1;
    assert_int_equal(eseal_store_request_doc_stamped(s, "req_0000000000000004", SHA_B, "ST-2", 42, 600, &index),
                     ESEAL_OK);
    assert_int_equal(index, 1);
    assert_int_equal(eseal_store_request_doc_stamped(s, "req_0000000000000004", SHA_B, "ST-3", 43, 600, &index),
                     ESEAL_ESTATE);
    assert_int_equal(eseal_store_request_doc_stamped(s, "req_0000000000000004", SHA_A, "ST-1", 41, 610, &index),
                     ESEAL_OK);
    assert_int_equal(index, 0);
    OK(eseal_store_request_get(s, &ro, "req_0000000000000004"));
    assert_int_equal(ro.status, ESEAL_REQUEST_EXECUTED);
    assert_int_equal(ro.done, 2);
    assert_int_equal(ro.updated_ms, 610);
    assert_int_equal(eseal_store_request_doc_stamped(s, "req_0000000000000001", SHA_A, "ST-9", 49, 600, &index),
                     ESEAL_ESTATE); /* pending: not approved */
    seen dl = {0};
    OK(eseal_store_request_docs(s, "req_0000000000000004", doc_cb, &dl));
    assert_string_equal(text(&dl), "doc req_0000000000000004 0 a.pdf pdf " SHA_A " 10 ST-1 41;"
                                   "doc req_0000000000000004 1 b.pdf pdf " SHA_B " 20 ST-2 42;");
    OK(eseal_store_request_doc_unstamp(s, 42));
    OK(eseal_store_request_doc_unstamp(s, 4242)); /* none: nothing changes */
    OK(eseal_store_request_get(s, &ro, "req_0000000000000004"));
    assert_int_equal(ro.status, ESEAL_REQUEST_APPROVED);
    assert_int_equal(ro.done, 1);
    seen dl2 = {0};
    OK(eseal_store_request_docs(s, "req_0000000000000004", doc_cb, &dl2));
    assert_string_equal(text(&dl2), "doc req_0000000000000004 0 a.pdf pdf " SHA_A " 10 ST-1 41;"
                                    "doc req_0000000000000004 1 b.pdf pdf " SHA_B " 20  -1;");

    eseal_decision d1 = decision("dec_0000000000000001", "req_0000000000000001", "carol", 700);
    eseal_decision d2 = decision("dec_0000000000000002", "req_0000000000000001", "dave", 650);
    OK(eseal_store_decision_insert(s, &d1));
    OK(eseal_store_decision_insert(s, &d2));
    eseal_decision d3 = decision("dec_0000000000000003", "req_0000000000000001", "carol", 800);
    expect_error(eseal_store_decision_insert(s, &d3), ESEAL_EEXISTS,
                 "carol has decided on request 'req_0000000000000001' already");
    eseal_decision d4 = decision("dec_0000000000000004", "req_00000000000000ff", "carol", 800);
    expect_error(eseal_store_decision_insert(s, &d4), ESEAL_ENOTFOUND, "no request 'req_00000000000000ff'");
    seen decs = {0};
    OK(eseal_store_decision_list(s, "req_0000000000000001", decision_cb, &decs));
    assert_string_equal(text(&decs), "decision dec_0000000000000002 req_0000000000000001 0 dave 1 同意 ok " SHA_A
                                     " " SHA_B " 650;decision dec_0000000000000001 req_0000000000000001 0 carol 1 "
                                     "同意 ok " SHA_A " " SHA_B " 700;");
    free(one.text);
    free(dl.text);
    free(dl2.text);
    free(decs.text);
    eseal_store_close(s);
}

/* ---- transactions ----------------------------------------------------------------------------- */

static void rollback_and_savepoints(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    OK(eseal_store_begin(s));
    eseal_cert_record c = cert("aaaa000000000001", "org", "01", SHA_A, 1);
    OK(eseal_store_cert_insert(s, &c));
    eseal_seal_record r = seal("ES-1", 1);
    OK(eseal_store_seal_insert(s, &r, "x", 1));
    eseal_org o = org(ORG_A, "Alpha", "", "", 1);
    OK(eseal_store_org_insert(s, &o));
    uint64_t v = 0;
    OK(eseal_store_counter_next(s, "n", &v));
    eseal_store_bytes e = {"e", 1};
    OK(eseal_store_log_entries_put(s, 0, &e, 1));
    OK(eseal_store_rollback(s));
    eseal_cert_record co;
    eseal_seal_record so;
    eseal_buf b = {0};
    assert_int_equal(eseal_store_cert_find(s, &co, "aaaa000000000001"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_seal_find(s, &so, NULL, "ES-1"), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_org_find(s, &o, ORG_A), ESEAL_ENOTFOUND);
    assert_int_equal(eseal_store_log_entry(s, &b, 0), ESEAL_ENOTFOUND);
    OK(eseal_store_counter_next(s, "n", &v));
    assert_int_equal(v, 1);

    /* a constraint refused inside a transaction: the transaction goes on, and commit keeps the rest */
    OK(eseal_store_begin(s));
    OK(eseal_store_cert_insert(s, &c));
    assert_int_equal(eseal_store_cert_insert(s, &c), ESEAL_EEXISTS);
    o = org(ORG_A, "Alpha", "", "", 1);
    OK(eseal_store_org_insert(s, &o));
    expect_error(eseal_store_org_insert(s, &o), ESEAL_EEXISTS, "an organisation named 'Alpha' exists");
    OK(eseal_store_log_entries_put(s, 0, &e, 1));
    assert_int_equal(eseal_store_log_entries_put(s, 0, &e, 1), ESEAL_EEXISTS);
    OK(eseal_store_seal_insert(s, &r, "x", 1));
    OK(eseal_store_commit(s));
    OK(eseal_store_cert_find(s, &co, "aaaa000000000001"));
    eseal_cert_record_dispose(&co);
    OK(eseal_store_seal_find(s, &so, NULL, "ES-1"));
    eseal_seal_record_dispose(&so);
    OK(eseal_store_org_find(s, &o, "Alpha"));
    OK(eseal_store_log_entry(s, &b, 0));
    eseal_buf_dispose(&b);
    eseal_store_close(s);
}

typedef struct {
    eseal_store *s;
    volatile int began;
    int rc;
    uint64_t value;
} waiter;

static void *begin_thread(void *p)
{
    waiter *w = p;
    w->rc = eseal_store_begin(w->s);
    w->began = 1;
    if (w->rc == ESEAL_OK) {
        w->rc = eseal_store_counter_next(w->s, "lock", &w->value);
    }
    if (w->rc == ESEAL_OK) {
        w->rc = eseal_store_commit(w->s);
    }
    return NULL;
}

static void second_begin_waits(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_store *t = open_again();
    OK(eseal_store_begin(s));
    uint64_t v = 0;
    OK(eseal_store_counter_next(s, "lock", &v));
    assert_int_equal(v, 1);
    waiter w = {.s = t};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, begin_thread, &w), 0);
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 400 * 1000 * 1000};
    (void)nanosleep(&nap, NULL);
    assert_int_equal(w.began, 0); /* still waiting for the lock */
    OK(eseal_store_counter_next(s, "lock", &v));
    assert_int_equal(v, 2);
    OK(eseal_store_commit(s));
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.began, 1);
    OK(w.rc);
    assert_int_equal(w.value, 3); /* it saw the first's committed values */
    eseal_store_close(t);
    eseal_store_close(s);
}


/* ---- several connections at once, without a transaction of the caller's --------------------- */

#define RACERS 4

typedef struct {
    int kind; /* 0 counter_next, 1 seal_event_add, 2 log_entries_put, 3 request_advance, 4 delivery_claim */
    int n;    /* calls */
    int ok;   /* calls that succeeded */
    int rc;   /* the first other answer (0: none) */
    char message[256]; /* its message (the error is the thread's) */
    uint64_t values[32];
    pthread_barrier_t *start;
} racer;

static void *race_thread(void *p)
{
    racer *r = p;
    eseal_store *s = NULL;
    int rc = eseal_store_open(&s, loc);
    (void)pthread_barrier_wait(r->start);
    for (int i = 0; rc == ESEAL_OK && i < r->n; i++) {
        int got = ESEAL_OK;
        if (r->kind == 0) {
            got = eseal_store_counter_next(s, "race", &r->values[i]);
        } else if (r->kind == 1) {
            eseal_seal_event ev = {.esid = (char *)(uintptr_t) "ES-1", .at_ms = 1, .from_state = (char *)(uintptr_t) "",
                                   .to_state = (char *)(uintptr_t) "made", .actor = (char *)(uintptr_t) "a",
                                   .reason = (char *)(uintptr_t) "r"};
            int64_t seq = 0;
            got = eseal_store_seal_event_add(s, &ev, &seq);
            r->values[i] = (uint64_t)seq;
        } else if (r->kind == 2) {
            eseal_store_bytes e = {"mine", 4};
            got = eseal_store_log_entries_put(s, 7, &e, 1);
        } else if (r->kind == 3) {
            got = eseal_store_request_advance(s, "req_0000000000000001", ESEAL_REQUEST_PENDING, 0,
                                              ESEAL_REQUEST_APPROVED, 1, 9);
        } else {
            got = eseal_store_delivery_claim(s, "dlv_0000000000000001", 40, 9000);
        }
        if (got == ESEAL_OK) {
            r->ok++;
        } else if (r->rc == 0) {
            r->rc = got;
            (void)snprintf(r->message, sizeof(r->message), "%s", eseal_error_last()->message);
        }
    }
    if (rc != ESEAL_OK) {
        r->rc = rc;
    }
    eseal_store_close(s);
    return NULL;
}

/* RACERS connections run `n` calls each of `kind` at once. */
static void race(racer rs[RACERS], int kind, int n)
{
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, RACERS), 0);
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        memset(&rs[i], 0, sizeof(rs[i]));
        rs[i].kind = kind;
        rs[i].n = n;
        rs[i].start = &start;
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &rs[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    (void)pthread_barrier_destroy(&start);
}

/* Every value 1 .. RACERS * n once among the racers'. */
static void each_once(racer rs[RACERS], int n)
{
    int seen_values[RACERS * 32 + 1] = {0};
    for (int i = 0; i < RACERS; i++) {
        if (rs[i].ok != n) {
            fail_msg("racer %d: %d of %d, then %d %s", i, rs[i].ok, n, rs[i].rc, rs[i].message);
        }
        for (int j = 0; j < n; j++) {
            uint64_t v = rs[i].values[j];
            assert_true(v >= 1 && v <= (uint64_t)(RACERS * n));
            assert_int_equal(seen_values[v]++, 0);
        }
    }
}

static void connections_racing(void **state)
{
    (void)state;
    eseal_store *s = open_governed();
    eseal_seal_record r = seal("ES-1", 1);
    OK(eseal_store_seal_insert(s, &r, "x", 1));
    eseal_request q = request("req_0000000000000001", ORG_A, "alice", 1);
    eseal_request_doc d = doc("a.pdf", SHA_A, 1);
    q.docs = 1;
    OK(eseal_store_request_insert(s, &q, &d, 1));
    eseal_webhook w = webhook(WHK_1, ORG_A, 1);
    OK(eseal_store_webhook_insert(s, &w));
    eseal_delivery *dl = delivery("dlv_0000000000000001", 4, 40);
    OK(eseal_store_delivery_insert(s, dl));
    free(dl);

    racer rs[RACERS];
    race(rs, 0, 25); /* counters */
    each_once(rs, 25);
    race(rs, 1, 10); /* a seal's events: each its own seq */
    each_once(rs, 10);
    seen events = {0};
    OK(eseal_store_seal_events(s, "ES-1", event_cb, &events));
    assert_non_null(strstr(text(&events), "event ES-1 40 1 >made a r;"));
    assert_null(strstr(text(&events), "event ES-1 41 "));

    static const int one_winner[] = {2, 3, 4};
    static const int loser_rc[] = {ESEAL_EEXISTS, ESEAL_ESTATE, ESEAL_ESTATE};
    for (size_t k = 0; k < 3; k++) {
        race(rs, one_winner[k], 1);
        int wins = 0;
        for (int i = 0; i < RACERS; i++) {
            wins += rs[i].ok;
            if (rs[i].ok == 0 && rs[i].rc != loser_rc[k]) {
                fail_msg("race %d: a loser answered %d (%s)", one_winner[k], rs[i].rc, rs[i].message);
            }
        }
        assert_int_equal(wins, 1);
    }
    free(events.text);
    eseal_store_close(s);
}

/* ---- transactions and connections ------------------------------------------------------------- */

static void close_inside_a_transaction(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    OK(eseal_store_begin(s));
    OK(eseal_store_meta_put(s, "left", "x", 1));
    eseal_store_close(s); /* neither committed nor rolled back: the connection is not kept for reuse */
    eseal_store *t = open_again();
    eseal_buf b = {0};
    assert_int_equal(eseal_store_meta(t, &b, "left"), ESEAL_ENOTFOUND);
    waiter w = {.s = t};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, begin_thread, &w), 0); /* the lock went with it */
    assert_int_equal(pthread_join(th, NULL), 0);
    OK(w.rc);
    assert_int_equal(w.value, 1);
    eseal_store *u = open_again(); /* a pooled connection: idle, no transaction of anyone's */
    OK(eseal_store_begin(u));
    OK(eseal_store_meta_put(u, "kept", "y", 1));
    OK(eseal_store_commit(u));
    assert_int_equal(eseal_store_meta(t, &b, "kept"), ESEAL_OK);
    eseal_buf_dispose(&b);
    eseal_store_close(u);
    eseal_store_close(t);
}

/* A begin inside a transaction is refused on both schemes, and the transaction goes on. */
static void nested_begin(eseal_store *s, const char *scheme)
{
    OK(eseal_store_begin(s));
    OK(eseal_store_meta_put(s, "a", "1", 1));
    int rc = eseal_store_begin(s);
    if (rc != ESEAL_ESTORE) {
        fail_msg("%s: a begin inside a transaction: %d", scheme, rc);
    }
    OK(eseal_store_meta_put(s, "b", "2", 1));
    OK(eseal_store_rollback(s));
    eseal_buf b = {0};
    assert_int_equal(eseal_store_meta(s, &b, "a"), ESEAL_ENOTFOUND); /* the inner begin committed nothing */
    assert_int_equal(eseal_store_meta(s, &b, "b"), ESEAL_ENOTFOUND);
}

static void nested_begin_refused(void **state)
{
    (void)state;
    char tmp[] = "/tmp/eseal-store-pgnest-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    char lite[300];
    (void)snprintf(lite, sizeof(lite), "sqlite:%s/a.db", tmp);
    eseal_store *s = NULL;
    OK(eseal_store_open(&s, lite));
    nested_begin(s, "sqlite");
    eseal_store_close(s);
    s = open_fresh();
    nested_begin(s, "postgresql");
    eseal_store_close(s);
    char cmd[300];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

/* ---- values at their bounds ------------------------------------------------------------------- */

static int stop_at_second(const eseal_cert_record *r, void *p)
{
    (void)r;
    return ++*(int *)p == 2 ? 42 : 0;
}

static void values_at_bounds(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_cert_record c = cert("aaaa000000000001", "org", "01", SHA_A, -5);
    c.not_before_ms = INT64_MIN;
    c.not_after_ms = INT64_MAX;
    OK(eseal_store_cert_insert(s, &c));
    eseal_cert_record c2 = cert("aaaa000000000002", "org", "02", SHA_B, 1);
    OK(eseal_store_cert_insert(s, &c2));
    eseal_cert_record c3 = cert("aaaa000000000003", "org", "03",
                                "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 2);
    OK(eseal_store_cert_insert(s, &c3));
    eseal_cert_record out;
    OK(eseal_store_cert_find(s, &out, "aaaa000000000001"));
    assert_true(out.not_before_ms == INT64_MIN);
    assert_true(out.not_after_ms == INT64_MAX);
    assert_int_equal(out.created_ms, -5);
    eseal_cert_record_dispose(&out);
    int n = 0;
    assert_int_equal(eseal_store_cert_list(s, stop_at_second, &n), 42); /* a callback's answer stops the list */
    assert_int_equal(n, 2);

    eseal_buf b = {0};
    OK(eseal_store_meta_put(s, "empty", NULL, 0)); /* an empty value, not a missing one */
    OK(eseal_store_meta(s, &b, "empty"));
    assert_int_equal(b.size, 0);
    eseal_buf_dispose(&b);
    static unsigned char all[256];
    for (size_t i = 0; i < sizeof(all); i++) {
        all[i] = (unsigned char)i;
    }
    OK(eseal_store_meta_put(s, "bytes", all, sizeof(all)));
    OK(eseal_store_meta(s, &b, "bytes"));
    assert_int_equal(b.size, sizeof(all));
    assert_memory_equal(b.ptr, all, sizeof(all));
    eseal_buf_dispose(&b);

    eseal_org o = org(ORG_A, "", "", "", 1);
    size_t used = 0;
    while (used + 3 <= ESEAL_ORG_NAME_MAX) { /* the longest name, in three-byte characters */
        memcpy(o.name + used, "章", 3);
        used += 3;
    }
    o.name[used] = '\0';
    OK(eseal_store_org_insert(s, &o));
    eseal_org back;
    OK(eseal_store_org_find(s, &back, o.name));
    assert_string_equal(back.name, o.name);

    uint64_t first = 0;
    OK(eseal_store_counter_reserve(s, "big", 1u << 20, (uint64_t)1 << 40, &first));
    assert_true(first == ((uint64_t)1 << 40) + 1);
    uint64_t v = 0;
    OK(eseal_store_counter_next(s, "big", &v));
    assert_true(v == ((uint64_t)1 << 40) + (1u << 20) + 1);
    eseal_store_close(s);
}


/* Bytes that are not UTF-8 in a text: SQLite keeps them, PostgreSQL's TEXT cannot. Refused (ESTORE)
 * without the server: inside a transaction a refusal by the server would abort the transaction (a
 * lookup by a reference someone typed), so the rest of it goes on and commits. */
static void text_not_utf8(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    OK(eseal_store_begin(s));
    OK(eseal_store_meta_put(s, "before", "1", 1));
    eseal_cert_record out;
    expect_error(eseal_store_cert_find(s, &out, "abc\xff\xfe"), ESEAL_ESTORE,
                 "store: looking up a certificate: parameter $1 is not UTF-8 text");
    eseal_seal_record so;
    assert_int_equal(eseal_store_seal_find(s, &so, NULL, "ES-\xc0\xaf-1"), ESEAL_ESTORE); /* an overlong '/' */
    eseal_cert_record c = cert("aaaa000000000001", "org", "01", SHA_A, 1);
    c.subject = (char *)(uintptr_t) "CN=\xed\xa0\x80"; /* a surrogate */
    assert_int_equal(eseal_store_cert_insert(s, &c), ESEAL_ESTORE);
    c.subject = (char *)(uintptr_t) "CN=\xf0\x9f\x94\x8f \xe7\xab\xa0 \xc3\xa9"; /* four, three and two bytes */
    OK(eseal_store_cert_insert(s, &c));
    OK(eseal_store_meta_put(s, "after", "2", 1));
    OK(eseal_store_commit(s));
    eseal_buf b = {0};
    OK(eseal_store_meta(s, &b, "before"));
    eseal_buf_dispose(&b);
    OK(eseal_store_meta(s, &b, "after"));
    eseal_buf_dispose(&b);
    OK(eseal_store_cert_find(s, &out, "aaaa000000000001"));
    assert_string_equal(out.subject, "CN=\xf0\x9f\x94\x8f \xe7\xab\xa0 \xc3\xa9");
    eseal_cert_record_dispose(&out);
    eseal_store_close(s);
}


/* Two schemas of one database are two stores: their own rows, their own write lock; a copy from one
 * to the other; the postgres:// spelling of the scheme. */
static void schemas_apart(void **state)
{
    (void)state;
    eseal_store *a = open_fresh();
    char first[400];
    (void)snprintf(first, sizeof(first), "%s", loc);
    OK(eseal_store_begin(a));
    OK(eseal_store_meta_put(a, "where", "a", 1));
    eseal_store *b = open_fresh(); /* the next schema */
    waiter w = {.s = b};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, begin_thread, &w), 0);
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    for (int i = 0; i < 250 && !w.began; i++) {
        (void)nanosleep(&nap, NULL);
    }
    assert_int_equal(w.began, 1); /* not held by a's transaction */
    assert_int_equal(pthread_join(th, NULL), 0);
    OK(w.rc);
    assert_int_equal(w.value, 1);
    eseal_buf v = {0};
    assert_int_equal(eseal_store_meta(b, &v, "where"), ESEAL_ENOTFOUND);
    OK(eseal_store_commit(a));
    eseal_store_close(a);
    eseal_store_close(b);

    /* a copy from the first schema into a third, named with postgres:// */
    char third[400];
    const char *rest = strstr(base, "://");
    assert_non_null(rest);
    (void)snprintf(third, sizeof(third), "postgres%s?schema=t_%ld_copy", rest, (long)getpid());
    OK(eseal_store_copy(first, third, NULL, NULL));
    eseal_store *c = NULL;
    OK(eseal_store_open(&c, third));
    OK(eseal_store_meta(c, &v, "where"));
    assert_int_equal(v.size, 1);
    assert_memory_equal(v.ptr, "a", 1);
    eseal_buf_dispose(&v);
    uint64_t n = 0;
    OK(eseal_store_counter_next(c, "lock", &n)); /* b's counter is not in the first schema */
    assert_int_equal(n, 1);
    eseal_store_close(c);
}

/* ---- migrations ------------------------------------------------------------------------------- */

static void migrations(void **state)
{
    (void)state;
    eseal_store *s = open_fresh(); /* a new schema: created */
    int version = 0;
    OK(eseal_store_schema_version(s, &version));
    assert_true(version >= 8);
    int current = version;
    eseal_org o = org(ORG_A, "Alpha", "", "", 1);
    OK(eseal_store_org_insert(s, &o));
    eseal_store_close(s);
    int from = -1, to = -1;
    OK(eseal_store_migrate(loc, &from, &to)); /* nothing to do */
    assert_int_equal(from, current);
    assert_int_equal(to, current);

    /* an older schema: the last two migrations undone (11's table, 10's column), the version two less */
    char sql[256];
    (void)snprintf(sql, sizeof(sql),
                   "DROP TABLE trusted_lists; ALTER TABLE seals DROP COLUMN hardware; "
                   "UPDATE eseal_schema SET version = %d",
                   current - 2);
    psql(sql);
    s = NULL;
    char want[300];
    (void)snprintf(want, sizeof(want),
                   "store: schema version %d is older than this eseal's (%d): run 'eseal migrate' once, with every "
                   "eseal process of this store stopped or upgraded",
                   current - 2, current);
    expect_error(eseal_store_open(&s, loc), ESEAL_ESTORE, want);
    assert_null(s);
    /* the library never prints: the server's notices (IF NOT EXISTS ... skipping) do not reach stderr */
    char err_path[] = "/tmp/eseal-store-pg-stderr-XXXXXX";
    int err_fd = mkstemp(err_path);
    assert_true(err_fd >= 0);
    (void)fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0 && dup2(err_fd, 2) == 2);
    int mrc = eseal_store_migrate(loc, &from, &to);
    (void)fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    (void)close(saved);
    off_t printed = lseek(err_fd, 0, SEEK_END);
    (void)close(err_fd);
    (void)unlink(err_path);
    OK(mrc);
    assert_int_equal(printed, 0);
    assert_int_equal(from, current - 2);
    assert_int_equal(to, current);
    s = open_again();
    OK(eseal_store_org_find(s, &o, "Alpha")); /* rows kept */
    eseal_request r = request("req_0000000000000001", ORG_A, "alice", 1);
    eseal_request_doc d = doc("a.pdf", SHA_A, 1);
    r.docs = 1;
    OK(eseal_store_request_insert(s, &r, &d, 1)); /* the tables are back */
    eseal_store_close(s);

    /* a newer schema: refused by open and by migrate */
    (void)snprintf(sql, sizeof(sql), "UPDATE eseal_schema SET version = %d", current + 1);
    psql(sql);
    (void)snprintf(want, sizeof(want), "store: schema version %d is newer than this eseal (%d); upgrade eseal",
                   current + 1, current);
    s = NULL;
    expect_error(eseal_store_open(&s, loc), ESEAL_ESTORE, want);
    expect_error(eseal_store_migrate(loc, &from, &to), ESEAL_ESTORE, want);
}

/* ---- eseal_store_copy ------------------------------------------------------------------------- */

/* A row (at least) in every table. */
static void fill(eseal_store *s)
{
    eseal_cert_record c1 = cert("aaaa000000000001", "root-ca", "0A", SHA_A, 10);
    eseal_cert_record c2 = cert("bbbb000000000002", "org", "0B", SHA_B, 5);
    OK(eseal_store_cert_insert(s, &c1));
    OK(eseal_store_cert_insert(s, &c2));
    OK(eseal_store_cert_revoke(s, "bbbb000000000002", 11, 1));
    uint64_t v;
    OK(eseal_store_counter_reserve(s, "serial", 10, 1000, &v));
    OK(eseal_store_crl_put(s, "aaaa000000000001", 3, "\x30\x00\xff", 3, 1, 2));
    /* an imported trust list (issue 24), with the CRLs kept beside it */
    uint8_t crls[] = {0x30, 0x00, 0x30, 0x00};
    char name[] = "Platform A", src[] = "https://a.example/tl", pin[] = SHA_A, key[] = SHA_B, via[] = "";
    eseal_trusted_list_record tl = {.name = name, .source = src, .pin = pin,
                                    .key_sha256 = key, .via = via, .sequence = 3, .issued_ms = 1,
                                    .next_update_ms = 2, .fetched_ms = 3, .added_ms = 4, .crls = crls,
                                    .crls_len = sizeof(crls)};
    OK(eseal_store_trusted_list_put(s, &tl, "h.p.s", 5));
    eseal_seal_record r1 = seal("ES-2", 200), r2 = seal("ES-1", 100);
    OK(eseal_store_seal_insert(s, &r1, "\x30\x01\x00", 3));
    OK(eseal_store_seal_insert(s, &r2, "\x30\x02", 2));
    OK(eseal_store_seal_receipt_put(s, "ES-1", "rcpt\x00", 5));
    eseal_seal_event ev = {.esid = (char *)(uintptr_t) "ES-1", .at_ms = 7, .from_state = (char *)(uintptr_t) "",
                           .to_state = (char *)(uintptr_t) "made", .actor = (char *)(uintptr_t) "a",
                           .reason = (char *)(uintptr_t) "r"};
    int64_t seq;
    OK(eseal_store_seal_event_add(s, &ev, &seq));
    OK(eseal_store_log_state_put(s, "st\x00", 3));
    eseal_store_bytes e[2] = {{"e0", 2}, {"e1\x00", 3}};
    OK(eseal_store_log_entries_put(s, 0, e, 2));
    OK(eseal_store_log_tile_put(s, 0, 0, TILE_1, 32));
    OK(eseal_store_log_checkpoint_put(s, 2, "cp 2\n", 30));
    OK(eseal_store_log_private_put(s, 1, "salt.ip", "salt", 4));
    OK(eseal_store_meta_put(s, "witness", "w", 1));
    eseal_stamp_record st = {.serial = (char *)(uintptr_t) "ST-1", .esid = (char *)(uintptr_t) "ES-1",
                             .cert_id = (char *)(uintptr_t) "aaaa000000000001", .kind = (char *)(uintptr_t) "ofd",
                             .doc_sha256 = (char *)(uintptr_t)SHA_B, .at_ms = 5, .log_index = 1,
                             .receipt = (char *)(uintptr_t) "p"};
    OK(eseal_store_stamp_insert(s, &st));
    eseal_org a = org(ORG_A, "Alpha", "91350100M000100Y43", "", 20), b = org(ORG_B, "Beta", "", "VATDE-1", 10);
    OK(eseal_store_org_insert(s, &a));
    OK(eseal_store_org_insert(s, &b));
    eseal_user u1 = user("alice", ORG_A, 5), u2 = user("bob", "", 3);
    OK(eseal_store_user_insert(s, &u1, "$h"));
    OK(eseal_store_user_insert(s, &u2, NULL));
    eseal_token_info t = token("tok_0000000000000001", "alice", ORG_A, 8);
    OK(eseal_store_token_insert(s, &t, SHA_A));
    OK(eseal_store_throttle_put(s, "login:bob", 2, 99));
    OK(eseal_store_session_insert(s, SHA_B, "alice", SHA_A, 4));
    eseal_seal_record r3 = seal(SEAL_A, 300);
    OK(eseal_store_seal_insert(s, &r3, "\x30", 1));
    eseal_grant g1 = grant("grt_0000000000000001", ORG_A, SEAL_A, 3, 9), g2 = grant("grt_0000000000000002", ORG_A,
                                                                                      SEAL_A, 0, 9);
    (void)snprintf(g2.parent, sizeof(g2.parent), "grt_0000000000000001");
    OK(eseal_store_grant_insert(s, &g1));
    OK(eseal_store_grant_insert(s, &g2));
    OK(eseal_store_grant_use(s, "grt_0000000000000001"));
    eseal_template tp = {.org_id = ORG_A, .name = "t", .format = "ofd", .size = 3, .created_by = "u:a",
                         .created_ms = 1};
    (void)snprintf(tp.sha256, sizeof(tp.sha256), SHA_A);
    OK(eseal_store_template_insert(s, &tp, "a\x00z", 3));
    eseal_webhook w = webhook(WHK_1, ORG_A, 3);
    OK(eseal_store_webhook_insert(s, &w));
    eseal_delivery *d = delivery("dlv_0000000000000001", 4, 40);
    OK(eseal_store_delivery_insert(s, d));
    free(d);
    eseal_request_doc docs[2] = {doc("a.pdf", SHA_A, 10), doc("b.pdf", SHA_B, 20)};
    eseal_request q1 = request("req_0000000000000001", ORG_A, "alice", 50);
    eseal_request q2 = request("req_0000000000000002", ORG_B, "bob", 50); /* same time: insertion order */
    OK(eseal_store_request_insert(s, &q1, docs, 2));
    OK(eseal_store_request_insert(s, &q2, docs, 2));
    eseal_decision de = decision("dec_0000000000000001", "req_0000000000000001", "carol", 60);
    OK(eseal_store_decision_insert(s, &de));
    /* a physical seal's device, an unlock, an impression (migration 9) */
    eseal_device dv = {.id = "dev_0000000000000001", .org_id = ORG_A, .seal = "ES-1", .chip_id = "CHIP-1",
                       .alg = "p256", .key = {0x30, 0x01, 0x00}, .key_len = 3, .status = ESEAL_DEVICE_ACTIVE,
                       .added_ms = 70};
    OK(eseal_store_device_insert(s, &dv));
    eseal_unlock ul = {.id = "unl_0000000000000001", .device_id = "dev_0000000000000001",
                       .request_id = "req_0000000000000001", .org_id = ORG_A,
                       .nonce = "000102030405060708090a0b0c0d0e0f", .impressions = 2, .issued_ms = 80,
                       .expires_ms = 90};
    OK(eseal_store_unlock_insert(s, &ul));
    eseal_impression im = {.device_id = "dev_0000000000000001", .unlock_id = "unl_0000000000000001",
                           .request_id = "req_0000000000000001", .seq = 1, .time_ms = 85, .lat = "1.5", .lon = "2.5",
                           .photo_sha256 = SHA_A, .operator_id = "op", .sig = {1, 2, 3}, .sig_len = 3,
                           .received_ms = 86, .log_index = 1};
    OK(eseal_store_impression_insert(s, &im));
    OK(eseal_store_unlock_use(s, "unl_0000000000000001"));
    /* what the request's unlocks hold: a live one its impressions (to its last millisecond), an expired one its used */
    int64_t held = -1;
    OK(eseal_store_unlock_committed(s, "req_0000000000000001", 90, &held));
    assert_int_equal(held, 2);
    OK(eseal_store_unlock_committed(s, "req_0000000000000001", 91, &held));
    assert_int_equal(held, 1);
    OK(eseal_store_unlock_committed(s, "req_00000000000000ff", 91, &held));
    assert_int_equal(held, 0);
}

static void hex_note(seen *w, const char *what, const eseal_buf *b)
{
    char hex[256] = "";
    for (size_t i = 0; i < b->size && 2 * i + 2 < sizeof(hex); i++) {
        (void)snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)b->ptr)[i]);
    }
    note(w, "%s %s", what, hex);
}

/* Everything fill() wrote, as the API reads it back. */
static void digest(eseal_store *s, seen *w)
{
    OK(eseal_store_cert_list(s, cert_cb, w));
    uint64_t v = 0;
    eseal_buf b = {0};
    OK(eseal_store_crl_latest(s, &b, "aaaa000000000001"));
    hex_note(w, "crl", &b);
    eseal_buf_dispose(&b);
    eseal_trusted_list_record tl;
    OK(eseal_store_trusted_list_get(s, &tl, &b, "Platform A"));
    note(w, "trusted list %s %s %s %s %llu %lld %lld %lld %lld crls %zu", tl.name, tl.source, tl.pin, tl.key_sha256,
         (unsigned long long)tl.sequence, (long long)tl.issued_ms, (long long)tl.next_update_ms,
         (long long)tl.fetched_ms, (long long)tl.added_ms, tl.crls_len);
    hex_note(w, "trusted list jws", &b);
    eseal_buf_dispose(&b);
    eseal_trusted_list_record_dispose(&tl);
    OK(eseal_store_seal_list(s, seal_cb, w));
    eseal_seal_record so;
    OK(eseal_store_seal_find(s, &so, &b, "ES-2"));
    hex_note(w, "seal der", &b);
    eseal_buf_dispose(&b);
    eseal_seal_record_dispose(&so);
    OK(eseal_store_seal_receipt(s, &b, "ES-1"));
    hex_note(w, "receipt", &b);
    eseal_buf_dispose(&b);
    OK(eseal_store_seal_events(s, "ES-1", event_cb, w));
    OK(eseal_store_log_state(s, &b));
    hex_note(w, "state", &b);
    eseal_buf_dispose(&b);
    OK(eseal_store_log_entries(s, 0, 2, entry_cb, w));
    OK(eseal_store_log_entry(s, &b, 1));
    hex_note(w, "entry 1", &b);
    eseal_buf_dispose(&b);
    OK(eseal_store_log_tile(s, &b, 0, 0));
    hex_note(w, "tile", &b);
    eseal_buf_dispose(&b);
    OK(eseal_store_log_checkpoints(s, checkpoint_cb, w));
    OK(eseal_store_log_private(s, &b, 1, "salt.ip"));
    hex_note(w, "private", &b);
    eseal_buf_dispose(&b);
    OK(eseal_store_meta(s, &b, "witness"));
    hex_note(w, "meta", &b);
    eseal_buf_dispose(&b);
    eseal_stamp_record st;
    OK(eseal_store_stamp_find(s, &st, "st-1"));
    note(w, "stamp %s %s %s %s %s %lld %lld %s", st.serial, st.esid, st.cert_id, st.kind, st.doc_sha256,
         (long long)st.at_ms, (long long)st.log_index, st.receipt);
    eseal_stamp_record_dispose(&st);
    OK(eseal_store_org_list(s, org_cb, w));
    OK(eseal_store_user_list(s, NULL, user_cb, w));
    OK(eseal_store_token_list(s, NULL, NULL, token_cb, w));
    uint32_t failures = 0;
    int64_t until = 0;
    OK(eseal_store_throttle_get(s, "login:bob", &failures, &until));
    note(w, "throttle %u %lld", failures, (long long)until);
    char login[ESEAL_LOGIN_MAX + 1], csrf[65];
    int64_t created = 0, last = 0;
    OK(eseal_store_session_get(s, SHA_B, login, csrf, &created, &last));
    note(w, "session %s %s %lld %lld", login, csrf, (long long)created, (long long)last);
    OK(eseal_store_grant_list(s, NULL, NULL, grant_cb, w));
    OK(eseal_store_template_list(s, NULL, template_cb, w));
    eseal_template tp;
    OK(eseal_store_template_get(s, &tp, &b, ORG_A, SHA_A));
    hex_note(w, "template bytes", &b);
    eseal_buf_dispose(&b);
    OK(eseal_store_webhook_list(s, NULL, webhook_cb, w));
    OK(eseal_store_delivery_list(s, WHK_1, 10, delivery_cb, w));
    OK(eseal_store_request_list(s, NULL, 0, NULL, request_cb, w));
    OK(eseal_store_request_docs(s, "req_0000000000000001", doc_cb, w));
    OK(eseal_store_decision_list(s, "req_0000000000000001", decision_cb, w));
    /* last: the counter's next value (it changes the store) */
    OK(eseal_store_counter_next(s, "serial", &v));
    note(w, "counter %llu", (unsigned long long)v);
}

static int table_cb(const char *table, uint64_t rows, void *p)
{
    note(p, "%s=%llu", table, (unsigned long long)rows);
    return 0;
}

static void copy_sqlite_to_pg_and_back(void **state)
{
    (void)state;
    char tmp[] = "/tmp/eseal-store-pgcopy-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    char lite[300], back[300];
    (void)snprintf(lite, sizeof(lite), "sqlite:%s/a.db", tmp);
    (void)snprintf(back, sizeof(back), "sqlite:%s/b.db", tmp);
    eseal_store *s = NULL;
    OK(eseal_store_open(&s, lite));
    fill(s);
    eseal_store_close(s);

    eseal_store *pg = open_fresh(); /* an empty schema (made by open) */
    eseal_store_close(pg);
    seen tables = {0};
    int rc = eseal_store_copy(lite, loc, table_cb, &tables);
    if (rc != ESEAL_OK) {
        fail_msg("copy: %d %s", rc, eseal_error_last()->message);
    }
    assert_string_equal(text(&tables), "certs=2;counters=1;crls=1;seals=3;seal_events=1;log_state=1;log_entries=2;"
                                       "log_tiles=1;log_checkpoints=1;log_private=1;meta=1;stamps=1;orgs=2;users=2;"
                                       "tokens=1;throttle=1;sessions=1;grants=2;templates=1;webhooks=1;deliveries=1;"
                                       "requests=2;request_docs=4;decisions=1;devices=1;unlocks=1;impressions=1;"
                                       "trusted_lists=1;");

    /* read back through the API on both (the digest's last line takes a counter value on each) */
    seen a = {0}, b = {0};
    OK(eseal_store_open(&s, lite));
    digest(s, &a);
    eseal_store_close(s);
    pg = open_again();
    digest(pg, &b);
    eseal_store_close(pg);
    assert_string_equal(text(&a), text(&b));
    assert_non_null(strstr(text(&a), "counter 1011"));

    /* a target with rows is refused and left as it was */
    seen again = {0};
    assert_int_equal(eseal_store_copy(lite, loc, table_cb, &again), ESEAL_EEXISTS);
    seen c = {0};
    pg = open_again();
    digest(pg, &c);
    eseal_store_close(pg);
    char *last = strstr(text(&b), "counter 1011");
    assert_non_null(last);
    memcpy(last, "counter 1012", 12); /* the digest took one more value */
    assert_string_equal(text(&b), text(&c));

    /* and back into a new SQLite file */
    seen tables2 = {0};
    OK(eseal_store_copy(loc, back, table_cb, &tables2));
    assert_string_equal(text(&tables), text(&tables2));
    seen d = {0};
    OK(eseal_store_open(&s, back));
    digest(s, &d);
    eseal_store_close(s);
    last = strstr(text(&c), "counter 1012");
    assert_non_null(last);
    memcpy(last, "counter 1013", 12);
    assert_string_equal(text(&c), text(&d));

    free(tables.text);
    free(tables2.text);
    free(again.text);
    free(a.text);
    free(b.text);
    free(c.text);
    free(d.text);
    char cmd[300];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}


static int cancel_at_seals(const char *table, uint64_t rows, void *p)
{
    (void)rows;
    ++*(int *)p;
    return strcmp(table, "seals") == 0 ? 1 : 0;
}

static void copy_cancelled(void **state)
{
    (void)state;
    char tmp[] = "/tmp/eseal-store-pgcancel-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    char lite[300];
    (void)snprintf(lite, sizeof(lite), "sqlite:%s/a.db", tmp);
    eseal_store *s = NULL;
    OK(eseal_store_open(&s, lite));
    fill(s);
    eseal_store_close(s);
    eseal_store *pg = open_fresh();
    eseal_store_close(pg);
    int heard = 0;
    assert_int_equal(eseal_store_copy(lite, loc, cancel_at_seals, &heard), ESEAL_ECANCELED);
    assert_int_equal(heard, 4); /* certs, counters, crls, seals */
    pg = open_again();
    eseal_cert_record out;
    assert_int_equal(eseal_store_cert_find(pg, &out, "aaaa000000000001"), ESEAL_ENOTFOUND); /* the target left empty */
    eseal_store_close(pg);
    OK(eseal_store_copy(lite, loc, NULL, NULL)); /* and still empty enough for a copy */
    pg = open_again();
    OK(eseal_store_cert_find(pg, &out, "aaaa000000000001"));
    eseal_cert_record_dispose(&out);
    eseal_store_close(pg);
    char cmd[300];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

/* ---- the location ----------------------------------------------------------------------------- */

static void locations(void **state)
{
    (void)state;
    static const char *const bad[] = {"1abc", "Abc", "a-b", "a;drop", "a%20b",
                                      "a234567890123456789012345678901234567890123456789012345678901234", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char l[400];
        (void)snprintf(l, sizeof(l), "%s?schema=%s", base, bad[i]);
        eseal_store *s = NULL;
        int rc = eseal_store_open(&s, l);
        if (rc != ESEAL_EINVAL) {
            fail_msg("schema '%s': %d %s", bad[i], rc, rc != ESEAL_OK ? eseal_error_last()->message : "");
        }
        assert_null(s);
    }
    /* the longest name is fine */
    char l[400];
    (void)snprintf(l, sizeof(l), "%s?schema=a23456789012345678901234567890123456789012345678901234567890123", base);
    eseal_store *s = NULL;
    OK(eseal_store_open(&s, l));
    eseal_store_close(s);

    /* a password in the location: the store takes it (the cluster trusts loopback) */
    const char *at = strchr(base, '@');
    assert_non_null(at);
    (void)snprintf(l, sizeof(l), "postgresql://eseal:s3cret@%s?schema=t_%ld_pw", at + 1, (long)getpid());
    s = NULL;
    int rc = eseal_store_open(&s, l);
    if (rc != ESEAL_OK) {
        fail_msg("password: %s", eseal_error_last()->message);
    }
    eseal_store_close(s);

    /* a port nobody listens on */
    const char *colon = strrchr(base, ':');
    assert_non_null(colon);
    (void)snprintf(l, sizeof(l), "%.*s:1/eseal?schema=t_x", (int)(colon - base), base);
    s = NULL;
    expect_prefix(eseal_store_open(&s, l), ESEAL_ESTORE, "store: cannot connect to PostgreSQL");
    assert_null(s);
}

int main(void)
{
    const char *env = getenv("ESEAL_TEST_PG");
    if (env == NULL || env[0] == '\0') {
        glob_t g;
        int found = glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0;
        if (found) {
            globfree(&g);
        } else {
            (void)printf("SKIP: no PostgreSQL server (apt-get install postgresql, or set ESEAL_TEST_PG)\n");
            return 77;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(certificates),
        cmocka_unit_test(counters_and_crls),
        cmocka_unit_test(seals_and_stamps),
        cmocka_unit_test(the_log),
        cmocka_unit_test(accounts),
        cmocka_unit_test(grants_and_templates),
        cmocka_unit_test(webhooks_and_deliveries),
        cmocka_unit_test(requests_every_filter),
        cmocka_unit_test(rollback_and_savepoints),
        cmocka_unit_test(second_begin_waits),
        cmocka_unit_test(connections_racing),
        cmocka_unit_test(close_inside_a_transaction),
        cmocka_unit_test(nested_begin_refused),
        cmocka_unit_test(values_at_bounds),
        cmocka_unit_test(text_not_utf8),
        cmocka_unit_test(schemas_apart),
        cmocka_unit_test(migrations),
        cmocka_unit_test(copy_sqlite_to_pg_and_back),
        cmocka_unit_test(copy_cancelled),
        cmocka_unit_test(locations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
