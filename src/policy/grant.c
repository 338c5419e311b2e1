/* SPDX-License-Identifier: Apache-2.0 */
/* Grants, their approval policies and the grant decision (eseal/governance.h, grant.h). */
#include <stdio.h>
#include <string.h>

#include "grant.h"

/* The roles an approval step may name: those of an organisation (not platform-admin). */
static const char *const org_roles[] = {ESEAL_ROLE_ORG_ADMIN, ESEAL_ROLE_SEAL_KEEPER, ESEAL_ROLE_APPROVER,
                                        ESEAL_ROLE_STAMPER, ESEAL_ROLE_AUDITOR};

/* A login or a document type: [a-z0-9._-], starting with a letter or digit, 1..max bytes. */
static bool name_ok(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
            return false;
        }
    }
    return true;
}

static bool org_role(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(org_roles) / sizeof(org_roles[0]); i++) {
        if (strlen(org_roles[i]) == len && memcmp(org_roles[i], s, len) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether the comma-separated `list` has `item` (exactly). */
static bool list_has(const char *list, const char *item, size_t len)
{
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, item, len) == 0) {
            return true;
        }
        p += n + (p[n] == ',' ? 1 : 0);
    }
    return false;
}

/* Whether every item of `sub` is in `list` (an empty `sub` is in any list). */
static bool list_within(const char *sub, const char *list)
{
    for (const char *p = sub; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (!list_has(list, p, n)) {
            return false;
        }
        p += n + (p[n] == ',' ? 1 : 0);
    }
    return true;
}

/* ---- approval policies -------------------------------------------------------------------- */

static ES_RESULT parse_step(eseal_approval_step *st, const char *s, size_t len, size_t index)
{
    memset(st, 0, sizeof(*st));
    const char *colon = memchr(s, ':', len);
    const char *m = s;
    st->k = 1;
    if (colon != NULL) {
        size_t kl = (size_t)(colon - s);
        unsigned int k = 0;
        bool digits = kl > 0 && kl <= 2;
        for (size_t i = 0; digits && i < kl; i++) {
            digits = s[i] >= '0' && s[i] <= '9';
            k = k * 10 + (unsigned int)(s[i] - '0');
        }
        ES_ENSURE(digits && k >= 1, ESEAL_EINVAL, "approval step %zu: '%.*s' is not a number of approvals (1 or more)",
                  index, (int)kl, s);
        st->k = k;
        m = colon + 1;
    }
    size_t rest = len - (size_t)(m - s);
    bool roles = false;
    for (const char *p = m, *end = m + rest; p <= end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = comma != NULL ? (size_t)(comma - p) : (size_t)(end - p);
        bool role = n > 0 && p[0] == '@';
        bool ok = role ? org_role(p + 1, n - 1) : name_ok(p, n, ESEAL_LOGIN_MAX);
        ES_ENSURE(ok, ESEAL_EINVAL,
                  "approval step %zu: '%.*s' is neither a login nor @ROLE (@approver, @org-admin, @seal-keeper, "
                  "@stamper, @auditor)",
                  index, (int)n, p);
        ES_ENSURE(st->n < ESEAL_APPROVAL_MEMBERS_MAX, ESEAL_EINVAL, "approval step %zu: more than %d members", index,
                  ESEAL_APPROVAL_MEMBERS_MAX);
        for (size_t i = 0; i < st->n; i++) {
            ES_ENSURE(strlen(st->member[i]) != n || memcmp(st->member[i], p, n) != 0, ESEAL_EINVAL,
                      "approval step %zu: '%.*s' named twice", index, (int)n, p);
        }
        memcpy(st->member[st->n], p, n);
        st->member[st->n][n] = '\0';
        st->n++;
        roles = roles || role;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    /* With a role, how many members it has is known only when approving: k is checked then. */
    ES_ENSURE(roles || st->k <= st->n, ESEAL_EINVAL, "approval step %zu: %u approvals of %zu named approvers", index,
              st->k, st->n);
    return ES_OK;
}

static ES_RESULT policy_parse(eseal_approval_policy *out, const char *text)
{
    memset(out, 0, sizeof(*out));
    ES_ENSURE(text != NULL, ESEAL_EINVAL, "approval policy: none given (\"\" is no approval)");
    size_t len = strnlen(text, ESEAL_APPROVAL_TEXT_MAX + 1);
    ES_ENSURE(len <= ESEAL_APPROVAL_TEXT_MAX, ESEAL_EINVAL, "approval policy: longer than %d bytes",
              ESEAL_APPROVAL_TEXT_MAX);
    if (len == 0) {
        return ES_OK;
    }
    for (const char *p = text;;) {
        size_t n = strcspn(p, ";");
        ES_ENSURE(out->steps < ESEAL_APPROVAL_STEPS_MAX, ESEAL_EINVAL, "approval policy: more than %d steps",
                  ESEAL_APPROVAL_STEPS_MAX);
        es_result r = parse_step(&out->step[out->steps], p, n, out->steps + 1);
        if (!es_ok(r)) {
            memset(out, 0, sizeof(*out));
            return r;
        }
        out->steps++;
        if (p[n] == '\0') {
            return ES_OK;
        }
        p += n + 1;
    }
}

int eseal_approval_policy_parse(eseal_approval_policy *out, const char *text)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    ES_RETURN_PUBLIC(policy_parse(out, text));
}

static ES_RESULT policy_format(char *out, size_t cap, const eseal_approval_policy *p)
{
    ES_ENSURE(p->steps <= ESEAL_APPROVAL_STEPS_MAX, ESEAL_EINVAL, "approval policy: %zu steps", p->steps);
    es_buf b = ES_BUF_INIT(ESEAL_APPROVAL_TEXT_MAX * 2);
    es_result r = ES_OK;
    for (size_t s = 0; s < p->steps && es_ok(r); s++) {
        const eseal_approval_step *st = &p->step[s];
        r = st->n > 0 && st->n <= ESEAL_APPROVAL_MEMBERS_MAX
                ? es_buf_printf(&b, "%s%u:", s > 0 ? ";" : "", st->k)
                : es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "approval step %zu: %zu members", s + 1, st->n);
        for (size_t i = 0; i < st->n && es_ok(r); i++) {
            r = es_buf_printf(&b, "%s%s", i > 0 ? "," : "", st->member[i]);
        }
    }
    if (es_ok(r) && b.len + 1 > cap) {
        r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "approval policy: %zu bytes, room for %zu", b.len, cap);
    }
    if (es_ok(r)) {
        memcpy(out, b.len > 0 ? (const char *)b.ptr : "", b.len);
        out[b.len] = '\0';
    }
    es_buf_free(&b);
    return r;
}

int eseal_approval_policy_format(char *out, size_t cap, const eseal_approval_policy *p)
{
    if (out == NULL || p == NULL || cap == 0) {
        ES_BAIL_ARG("out == NULL || p == NULL || cap == 0");
    }
    ES_RETURN_PUBLIC(policy_format(out, cap, p));
}

/* ---- grants ------------------------------------------------------------------------------- */

/* A list of names (types) or of SHA-256s (templates): well formed, at most `max`, no duplicate. */
static ES_RESULT list_check(const char *what, const char *list, size_t max, bool hashes)
{
    size_t count = 0;
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ",");
        bool ok = hashes ? n == 64 && strspn(p, "0123456789abcdef") >= 64 : name_ok(p, n, ESEAL_DOC_TYPE_MAX);
        ES_ENSURE(ok, ESEAL_EINVAL, "%s: '%.*s' is not %s", what, (int)(n > 80 ? 80 : n), p,
                  hashes ? "a SHA-256 (64 lower-case hex digits)"
                         : "a document type ([a-z0-9._-], starting with a letter or digit, at most 32)");
        ES_ENSURE(++count <= max, ESEAL_EINVAL, "%s: more than %zu", what, max);
        /* a duplicate: the same item earlier in the list */
        for (const char *q = list; q < p;) {
            size_t m = strcspn(q, ",");
            ES_ENSURE(m != n || memcmp(q, p, n) != 0, ESEAL_EINVAL, "%s: '%.*s' named twice", what, (int)n, p);
            q += m + 1;
        }
        ES_ENSURE(p[n] != ',' || p[n + 1] != '\0', ESEAL_EINVAL, "%s: a list ends with a comma", what);
        p += n + (p[n] == ',' ? 1 : 0);
    }
    ES_ENSURE(list[0] != ',', ESEAL_EINVAL, "%s: a list starts with a comma", what);
    return ES_OK;
}

static ES_RESULT grant_check(const eseal_grant *g)
{
    ES_ENSURE(g->holder_kind == ESEAL_GRANT_TO_USER || g->holder_kind == ESEAL_GRANT_TO_ROLE, ESEAL_EINVAL,
              "grant: a holder is a user or a role");
    size_t hl = strnlen(g->holder, sizeof(g->holder));
    ES_ENSURE(hl < sizeof(g->holder), ESEAL_EINVAL, "grant: holder too long");
    if (g->holder_kind == ESEAL_GRANT_TO_USER) {
        ES_ENSURE(name_ok(g->holder, hl, ESEAL_LOGIN_MAX), ESEAL_EINVAL, "grant: '%s' is not a login", g->holder);
    } else {
        ES_ENSURE(org_role(g->holder, hl), ESEAL_EINVAL,
                  "grant: '%s' is not a role of an organisation (org-admin, seal-keeper, approver, stamper, auditor)",
                  g->holder);
    }
    ES_ENSURE(strnlen(g->types, sizeof(g->types)) < sizeof(g->types) &&
                  strnlen(g->templates, sizeof(g->templates)) < sizeof(g->templates) &&
                  strnlen(g->approval, sizeof(g->approval)) < sizeof(g->approval),
              ESEAL_EINVAL, "grant: a list without its end");
    ES_GUARD(list_check("document types", g->types, ESEAL_GRANT_TYPES_MAX, false));
    ES_GUARD(list_check("templates", g->templates, ESEAL_GRANT_TEMPLATES_MAX, true));
    ES_ENSURE(g->not_before_ms >= 0 && g->not_after_ms >= 0, ESEAL_EINVAL, "grant: a time before 1970");
    ES_ENSURE(g->not_before_ms == 0 || g->not_after_ms == 0 || g->not_after_ms >= g->not_before_ms, ESEAL_EINVAL,
              "grant: it ends before it starts");
    ES_ENSURE(g->max_uses >= 0 && g->uses >= 0, ESEAL_EINVAL, "grant: a negative number of uses");
    eseal_approval_policy ap;
    ES_GUARD(policy_parse(&ap, g->approval));
    char canon[ESEAL_APPROVAL_TEXT_MAX + 1];
    ES_GUARD(policy_format(canon, sizeof(canon), &ap));
    ES_ENSURE(strcmp(canon, g->approval) == 0, ESEAL_EINVAL,
              "grant: approval policy '%s' is not in its canonical form '%s'", g->approval, canon);
    return ES_OK;
}

int eseal_grant_check(const eseal_grant *g)
{
    if (g == NULL) {
        ES_BAIL_ARG("g == NULL");
    }
    ES_RETURN_PUBLIC(grant_check(g));
}

/* The end of a window as a number that compares: 0 (no end) is the latest. */
static int64_t end_of(int64_t not_after) { return not_after == 0 ? INT64_MAX : not_after; }

static ES_RESULT narrows(const eseal_grant *c, const eseal_grant *p)
{
    ES_ENSURE(strcmp(c->seal, p->seal) == 0 && strcmp(c->org_id, p->org_id) == 0, ESEAL_EDENIED,
              "a delegated grant is for the seal of its parent (%s)", p->seal);
    ES_ENSURE(p->delegable, ESEAL_EDENIED, "grant %s may not be delegated", p->id);
    ES_ENSURE(p->revoked_ms == 0, ESEAL_EDENIED, "grant %s is revoked", p->id);
    ES_ENSURE(c->not_before_ms >= p->not_before_ms, ESEAL_EDENIED,
              "a delegated grant cannot start before its parent %s", p->id);
    ES_ENSURE(end_of(c->not_after_ms) <= end_of(p->not_after_ms), ESEAL_EDENIED,
              "a delegated grant cannot end after its parent %s", p->id);
    if (p->max_uses > 0) {
        int64_t left = p->max_uses > p->uses ? p->max_uses - p->uses : 0;
        ES_ENSURE(c->max_uses > 0 && c->max_uses <= left, ESEAL_EDENIED,
                  "a delegated grant allows at most the %lld uses its parent %s has left", (long long)left, p->id);
    }
    ES_ENSURE(p->types[0] == '\0' || (c->types[0] != '\0' && list_within(c->types, p->types)), ESEAL_EDENIED,
              "a delegated grant allows only document types its parent %s allows (%s)", p->id, p->types);
    ES_ENSURE(p->templates[0] == '\0' || (c->templates[0] != '\0' && list_within(c->templates, p->templates)),
              ESEAL_EDENIED, "a delegated grant allows only templates its parent %s allows", p->id);
    ES_ENSURE(strcmp(c->approval, p->approval) == 0, ESEAL_EDENIED,
              "a delegated grant keeps the approval policy of its parent %s ('%s')", p->id, p->approval);
    return ES_OK;
}

int eseal_grant_narrows(const eseal_grant *child, const eseal_grant *parent)
{
    if (child == NULL || parent == NULL) {
        ES_BAIL_ARG("child == NULL || parent == NULL");
    }
    ES_RETURN_PUBLIC(narrows(child, parent));
}

/* ---- the decision ------------------------------------------------------------------------- */

/* How far a grant got in the order of grant.h (1 window .. 5 approvals; 6: it allows). */
enum { STAGE_WINDOW = 1, STAGE_QUOTA, STAGE_TYPE, STAGE_TEMPLATE, STAGE_APPROVAL, STAGE_ALLOWED };

/* What refused, each with its stable code. */
typedef enum { WHY_NONE, WHY_NOT_YET, WHY_EXPIRED, WHY_QUOTA, WHY_TYPE, WHY_TEMPLATE, WHY_APPROVAL, WHY_OK } why_t;
static const char *const why_code[] = {
    [WHY_NONE] = ESEAL_REFUSAL_NO_GRANT,
    [WHY_NOT_YET] = ESEAL_REFUSAL_GRANT_NOT_YET_VALID,
    [WHY_EXPIRED] = ESEAL_REFUSAL_GRANT_EXPIRED,
    [WHY_QUOTA] = ESEAL_REFUSAL_QUOTA_EXHAUSTED,
    [WHY_TYPE] = ESEAL_REFUSAL_DOCUMENT_TYPE_NOT_ALLOWED,
    [WHY_TEMPLATE] = ESEAL_REFUSAL_DOCUMENT_NOT_ALLOWED,
    [WHY_APPROVAL] = ESEAL_REFUSAL_APPROVAL_REQUIRED,
    [WHY_OK] = NULL,
};

bool es_grant_holds(const eseal_principal *who, const eseal_grant *g)
{
    if (who == NULL || who->kind != ESEAL_PRINCIPAL_USER || who->id == NULL || who->organization == NULL ||
        strcmp(who->organization, g->org_id) != 0) {
        return false;
    }
    if (g->holder_kind == ESEAL_GRANT_TO_USER) {
        return strcmp(g->holder, who->id) == 0;
    }
    for (size_t i = 0; g->holder_kind == ESEAL_GRANT_TO_ROLE && i < who->role_count; i++) {
        if (who->roles[i] != NULL && strcmp(who->roles[i], g->holder) == 0) {
            return true;
        }
    }
    return false;
}

static const eseal_grant *by_id(const eseal_grant *grants, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(grants[i].id, id) == 0) {
            return &grants[i];
        }
    }
    return NULL;
}

typedef struct {
    int stage;               /* the stage that refused (STAGE_ALLOWED: none) */
    why_t why;
    const eseal_grant *by;   /* the grant of the chain whose limit refused */
    const eseal_grant *chain[ESEAL_GRANT_CHAIN_MAX]; /* when allowed: the grant, then its ancestors */
    size_t len;
} judged;

/* One grant with its chain of ancestors (at most ESEAL_GRANT_CHAIN_MAX); stage 0: not usable at
 * all (revoked, an ancestor missing or revoked or for another seal, a loop). */
static judged judge(const eseal_grant *g, const eseal_grant *grants, size_t n, const es_grant_use *u)
{
    const eseal_grant *chain[ESEAL_GRANT_CHAIN_MAX];
    size_t len = 0;
    for (const eseal_grant *c = g; c != NULL;) {
        if (len == ESEAL_GRANT_CHAIN_MAX || c->revoked_ms != 0 || strcmp(c->seal, u->seal) != 0 ||
            strcmp(c->org_id, u->seal_org) != 0) {
            return (judged){.stage = 0, .why = WHY_NONE, .by = c};
        }
        chain[len++] = c;
        c = c->parent[0] != '\0' ? by_id(grants, n, c->parent) : NULL;
        if (c == NULL && chain[len - 1]->parent[0] != '\0') {
            return (judged){.stage = 0, .why = WHY_NONE, .by = chain[len - 1]};
        }
    }
    for (size_t i = 0; i < len; i++) {
        const eseal_grant *c = chain[i];
        if (c->not_before_ms != 0 && u->now_ms < c->not_before_ms) {
            return (judged){.stage = STAGE_WINDOW, .why = WHY_NOT_YET, .by = c};
        }
        if (c->not_after_ms != 0 && u->now_ms > c->not_after_ms) {
            return (judged){.stage = STAGE_WINDOW, .why = WHY_EXPIRED, .by = c};
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (chain[i]->max_uses != 0 && chain[i]->uses >= chain[i]->max_uses) {
            return (judged){.stage = STAGE_QUOTA, .why = WHY_QUOTA, .by = chain[i]};
        }
    }
    for (size_t i = 0; i < len; i++) {
        const char *t = u->doc_type != NULL ? u->doc_type : "";
        if (chain[i]->types[0] != '\0' && (t[0] == '\0' || !list_has(chain[i]->types, t, strlen(t)))) {
            return (judged){.stage = STAGE_TYPE, .why = WHY_TYPE, .by = chain[i]};
        }
    }
    for (size_t i = 0; i < len; i++) {
        const char *h = u->template_sha256 != NULL ? u->template_sha256 : "";
        if (!u->template_unknown && chain[i]->templates[0] != '\0' &&
            (h[0] == '\0' || !list_has(chain[i]->templates, h, strlen(h)))) {
            return (judged){.stage = STAGE_TEMPLATE, .why = WHY_TEMPLATE, .by = chain[i]};
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (chain[i]->approval[0] != '\0' &&
            (u->approved_policy == NULL || strcmp(chain[i]->approval, u->approved_policy) != 0)) {
            return (judged){.stage = STAGE_APPROVAL, .why = WHY_APPROVAL, .by = chain[i]};
        }
    }
    judged ok = {.stage = STAGE_ALLOWED, .why = WHY_OK, .by = g, .len = len};
    memcpy(ok.chain, chain, len * sizeof(chain[0]));
    return ok;
}

static void explain(es_grant_decision *d, const judged *j, const es_grant_use *u)
{
    const eseal_grant *g = j->by;
    char t[ES_RFC3339_LEN];
    const char *type = u->doc_type != NULL && u->doc_type[0] != '\0' ? u->doc_type : NULL;
    switch (j->why) {
    case WHY_NOT_YET:
        es_time_rfc3339(t, g->not_before_ms);
        (void)snprintf(d->reason, sizeof(d->reason), "grant %s on seal %.64s starts at %s", g->id, g->seal, t);
        break;
    case WHY_EXPIRED:
        es_time_rfc3339(t, g->not_after_ms);
        (void)snprintf(d->reason, sizeof(d->reason), "grant %s on seal %.64s ended at %s", g->id, g->seal, t);
        break;
    case WHY_QUOTA:
        (void)snprintf(d->reason, sizeof(d->reason), "grant %s on seal %.64s has used all its %lld stamps", g->id,
                       g->seal, (long long)g->max_uses);
        break;
    case WHY_TYPE:
        (void)snprintf(d->reason, sizeof(d->reason), "grant %s on seal %.64s allows documents of type %.120s, not %s%.32s%s",
                       g->id, g->seal, g->types, type != NULL ? "'" : "", type != NULL ? type : "an undeclared type",
                       type != NULL ? "'" : "");
        break;
    case WHY_TEMPLATE:
        (void)snprintf(d->reason, sizeof(d->reason),
                       "grant %s on seal %.64s allows only its registered templates, and the document is none of them "
                       "nor a form filled from one",
                       g->id, g->seal);
        break;
    case WHY_APPROVAL:
        (void)snprintf(d->reason, sizeof(d->reason), "grant %s on seal %.64s needs approval (%.100s): submit a stamp request",
                       g->id, g->seal, g->approval);
        break;
    case WHY_NONE:
    case WHY_OK:
        (void)snprintf(d->reason, sizeof(d->reason), "allowed by grant %s on seal %.64s", g->id, g->seal);
        break;
    }
}

es_grant_decision es_grant_decide(const eseal_principal *who, const es_grant_use *use, const eseal_grant *grants,
                                  size_t n)
{
    es_grant_decision d = {.refusal = ESEAL_REFUSAL_NO_GRANT, .grant = NULL, .reason = "", .chain = {NULL}, .chain_len = 0};
    if (who == NULL || use == NULL || use->seal == NULL || use->seal_org == NULL || who->id == NULL ||
        who->kind != ESEAL_PRINCIPAL_USER || who->organization == NULL || strcmp(who->organization, use->seal_org) != 0) {
        (void)snprintf(d.reason, sizeof(d.reason), "no grant of seal %.64s is held by %.128s",
                       use != NULL && use->seal != NULL ? use->seal : "?", who != NULL && who->id != NULL ? who->id : "?");
        return d;
    }
    judged best = {.stage = 0, .why = WHY_NONE, .by = NULL};
    for (size_t i = 0; i < n && best.stage != STAGE_ALLOWED; i++) {
        if (!es_grant_holds(who, &grants[i])) {
            continue;
        }
        judged j = judge(&grants[i], grants, n, use);
        if (j.stage > best.stage) {
            best = j;
            d.grant = &grants[i];
        }
    }
    if (best.stage == 0) {
        (void)snprintf(d.reason, sizeof(d.reason), "%.128s holds no grant of seal %.64s", who->id, use->seal);
        d.grant = NULL;
        return d;
    }
    d.refusal = why_code[best.why];
    if (best.stage == STAGE_ALLOWED) {
        memcpy(d.chain, best.chain, best.len * sizeof(best.chain[0]));
        d.chain_len = best.len;
    }
    explain(&d, &best, use);
    return d;
}
