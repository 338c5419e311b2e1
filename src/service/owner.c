/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who owns what (issue 19 §2): "a certificate, and the seals made with it, belong to the
 * organisation whose USCC (or other identifier) the certificate carries". A certificate of this
 * instance carries its organisation's identifier as the subject's organizationIdentifier
 * (2.5.4.97, ETSI EN 319 412-1 §5.1.4; instance.c org_identity): "NTRCN-<USCC>" for an
 * organisation in China, "VATDE-123456789", "LEIXG-...", "PSDBE-NBB-..." elsewhere. The platform's
 * organisations (eseal/accounts.h) have a USCC or an organisation identifier (never both), so a
 * certificate belongs to the organisation whose USCC its NTRCN identifier names, or whose
 * identifier is exactly its organizationIdentifier (byte for byte: another case, a prefix or
 * another number is another organisation, and "NTRCN-..." is never an organisation's identifier).
 * A certificate whose identifier no organisation has, a person's certificate and the platform's
 * own certificates belong to no organisation. A seal belongs to the organisation of
 * the certificates it allows to stamp (all those that name one must name the same one; seals
 * whose certificates disagree belong to none). What belongs to none is seen and acted on only by
 * the platform's side (the local operator, a platform administrator).
 *
 * The reads here decide visibility by the policy's "seal.read" / "cert.read": what belongs to
 * another organisation and the caller may not read is "not found", like a missing one (nothing
 * of another organisation leaks); what belongs to none is refused by the policy (EDENIED).
 */
#include <stdio.h>
#include <string.h>

#include "eseal/accounts.h"
#include "service.h"
#include "util/versions.h"

#define OWNER_ATTR "organizationIdentifier="
/* eseal_instance_audit_read: the most entries one call looks at (whatever it returns). */
#define AUDIT_READ_SCAN_MAX 10000
#define OWNER_ATTR_OID "2.5.4.97="

/* The value of the organizationIdentifier of an RFC 2253 subject (attributes split at unescaped
 * commas), unescaped into out; false when it has none. */
static bool subject_org_identifier(const char *subject, char *out, size_t cap)
{
    const char *p = subject;
    while (p != NULL && *p != '\0') {
        /* one attribute: [p, end) */
        const char *end = p;
        while (*end != '\0' && *end != ',' && *end != '+') {
            end += end[0] == '\\' && end[1] != '\0' ? 2 : 1;
        }
        size_t skip = strncmp(p, OWNER_ATTR, strlen(OWNER_ATTR)) == 0         ? strlen(OWNER_ATTR)
                      : strncmp(p, OWNER_ATTR_OID, strlen(OWNER_ATTR_OID)) == 0 ? strlen(OWNER_ATTR_OID)
                                                                                  : 0;
        if (skip > 0) {
            size_t n = 0;
            for (const char *v = p + skip; v < end; v++) {
                if (*v == '\\' && v + 1 < end) {
                    v++;
                }
                if (n + 1 >= cap) {
                    return false;
                }
                out[n++] = *v;
            }
            out[n] = '\0';
            return n > 0;
        }
        p = *end != '\0' ? end + 1 : end;
    }
    return false;
}

ES_RESULT es_cert_org(eseal_instance *inst, const eseal_cert_record *rec, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    org[0] = '\0';
    char id[ES_ORGID_MAX];
    if (rec->subject == NULL || !subject_org_identifier(rec->subject, id, sizeof(id))) {
        return ES_OK; /* no organisation identifier: a person, the platform's own, an import */
    }
    return es_identifier_org(inst, id, org);
}

ES_RESULT es_identifier_org(eseal_instance *inst, const char *id, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    org[0] = '\0';
    static const char ntrcn[] = "NTRCN-";
    bool china = strncmp(id, ntrcn, sizeof(ntrcn) - 1) == 0;
    /* in China the USCC (an organisation's identifier is never NTRCN: eseal_org_add_ext refuses it) */
    const char *key = china ? id + sizeof(ntrcn) - 1 : id;
    if (china && (strlen(key) != 18 || eseal_uscc_valid(key) != 1)) {
        return ES_OK;
    }
    if (!china && strlen(key) > ESEAL_ORGID_MAX) {
        return ES_OK; /* longer than any organisation's identifier */
    }
    eseal_org o;
    int rc = eseal_store_org_find(inst->store, &o, key);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK; /* a USCC or an identifier of no organisation of the platform */
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* the lookup also takes an id, a code or a name: only the organisation of that very USCC or
     * identifier counts (compared byte for byte) */
    if (strcmp(china ? o.uscc : o.identifier, key) == 0) {
        (void)snprintf(org, ESEAL_OWNER_ORG_MAX + 1, "%s", o.id);
    }
    return ES_OK;
}

ES_RESULT es_seal_org(eseal_instance *inst, const char *cert_ids, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    org[0] = '\0';
    char first[ESEAL_OWNER_ORG_MAX + 1] = "";
    for (const char *p = cert_ids; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        char id[128];
        if (n > 0 && n < sizeof(id)) {
            memcpy(id, p, n);
            id[n] = '\0';
            eseal_cert_record rec;
            int rc = eseal_store_cert_find(inst->store, &rec, id);
            if (rc == ESEAL_ENOTFOUND) {
                eseal_error_clear();
            } else {
                ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
                char o[ESEAL_OWNER_ORG_MAX + 1];
                es_result r = es_cert_org(inst, &rec, o);
                eseal_cert_record_dispose(&rec);
                ES_GUARD(r);
                if (o[0] != '\0' && first[0] == '\0') {
                    memcpy(first, o, sizeof(first));
                } else if (o[0] != '\0' && strcmp(o, first) != 0) {
                    return ES_OK; /* certificates of two organisations: the seal is nobody's but the platform's */
                }
            }
        }
        p += n + (p[n] == ',' ? 1 : 0);
    }
    memcpy(org, first, ESEAL_OWNER_ORG_MAX + 1);
    return ES_OK;
}

int eseal_instance_cert_org(eseal_instance *inst, char org[ESEAL_OWNER_ORG_MAX + 1], const eseal_cert_record *rec)
{
    if (inst == NULL || org == NULL || rec == NULL) {
        ES_BAIL_ARG("inst == NULL || org == NULL || rec == NULL");
    }
    ES_RETURN_PUBLIC(es_cert_org(inst, rec, org));
}

int eseal_instance_seal_org(eseal_instance *inst, char org[ESEAL_OWNER_ORG_MAX + 1], const eseal_seal_record *rec)
{
    if (inst == NULL || org == NULL || rec == NULL) {
        ES_BAIL_ARG("inst == NULL || org == NULL || rec == NULL");
    }
    ES_RETURN_PUBLIC(es_seal_org(inst, rec->cert_ids, org));
}

/* ---- seals ---------------------------------------------------------------------------------- */

bool es_owner_hidden(const eseal_principal *who, es_action read, const es_object *obj)
{
    if (obj == NULL || obj->org == NULL || es_policy_may(who, read, obj).kind == ES_ALLOW) {
        return false;
    }
    return who == NULL || who->organization == NULL || strcmp(who->organization, obj->org) != 0;
}

ES_RESULT es_seal_visible(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec, eseal_buf *der,
                          const char *ref, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    ES_ENSURE_ARG(inst != NULL && rec != NULL && ref != NULL);
    ES_GUARD(es_from_code(eseal_store_seal_find(inst->store, rec, der, ref)));
    es_result r = es_seal_org(inst, rec->cert_ids, org);
    es_object obj = {"seal", rec->esid, org[0] != '\0' ? org : NULL, NULL};
    if (es_ok(r) && es_owner_hidden(who, ES_ACT_SEAL_READ, &obj)) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no seal '%.100s'", ref);
    }
    if (!es_ok(r)) {
        eseal_seal_record_dispose(rec);
        if (der != NULL) {
            eseal_buf_dispose(der);
        }
    }
    return r;
}

int eseal_instance_seal_read(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec, eseal_buf *der,
                             const char *ref, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    if (inst == NULL || rec == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || rec == NULL || ref == NULL");
    }
    char own[ESEAL_OWNER_ORG_MAX + 1];
    char *o = org != NULL ? org : own;
    es_result r = es_seal_visible(inst, who, rec, der, ref, o);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_object obj = {"seal", rec->esid, o[0] != '\0' ? o : NULL, NULL};
    r = es_policy_require(who, ES_ACT_SEAL_READ, &obj, NULL);
    if (!es_ok(r)) {
        eseal_seal_record_dispose(rec);
        if (der != NULL) {
            eseal_buf_dispose(der);
        }
    }
    ES_RETURN_PUBLIC(r);
}

typedef struct {
    eseal_instance *inst;
    const eseal_principal *who;
    int (*seal_cb)(const eseal_seal_record *rec, const char *org, void *payload);
    int (*cert_cb)(const eseal_cert_record *rec, const char *org, void *payload);
    void *payload;
    int rc; /* a failure of our own (not the caller's callback) */
} list_ctx;

static int seal_each(const eseal_seal_record *rec, void *payload)
{
    list_ctx *c = payload;
    char org[ESEAL_OWNER_ORG_MAX + 1];
    es_result r = es_seal_org(c->inst, rec->cert_ids, org);
    if (!es_ok(r)) {
        c->rc = es_code(r);
        return c->rc;
    }
    es_object obj = {"seal", rec->esid, org[0] != '\0' ? org : NULL, NULL};
    if (es_policy_may(c->who, ES_ACT_SEAL_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return c->seal_cb(rec, org, c->payload);
}

int eseal_instance_seal_list_for(eseal_instance *inst, const eseal_principal *who,
                                 int (*cb)(const eseal_seal_record *rec, const char *org, void *payload),
                                 void *payload)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    if (inst == NULL || cb == NULL) {
        ES_BAIL_ARG("inst == NULL || cb == NULL");
    }
    list_ctx c = {inst, who, cb, NULL, payload, ESEAL_OK};
    return eseal_store_seal_list(inst->store, seal_each, &c);
}

/* ---- certificates --------------------------------------------------------------------------- */

int eseal_instance_cert_read(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *rec,
                             const char *ref, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    if (inst == NULL || rec == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || rec == NULL || ref == NULL");
    }
    /* the store's references only (id, prefix, serial, fingerprint): never a file */
    int rc = eseal_store_cert_find(inst->store, rec, ref);
    if (rc != ESEAL_OK) {
        return rc;
    }
    char own[ESEAL_OWNER_ORG_MAX + 1];
    char *o = org != NULL ? org : own;
    es_result r = es_cert_org(inst, rec, o);
    es_object obj = {"cert", rec->id, o[0] != '\0' ? o : NULL, NULL};
    if (es_ok(r) && es_owner_hidden(who, ES_ACT_CERT_READ, &obj)) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no certificate '%.100s'", ref);
    } else if (es_ok(r)) {
        r = es_policy_require(who, ES_ACT_CERT_READ, &obj, NULL);
    }
    if (!es_ok(r)) {
        eseal_cert_record_dispose(rec);
    }
    ES_RETURN_PUBLIC(r);
}

static int cert_each(const eseal_cert_record *rec, void *payload)
{
    list_ctx *c = payload;
    char org[ESEAL_OWNER_ORG_MAX + 1];
    es_result r = es_cert_org(c->inst, rec, org);
    if (!es_ok(r)) {
        c->rc = es_code(r);
        return c->rc;
    }
    es_object obj = {"cert", rec->id, org[0] != '\0' ? org : NULL, NULL};
    if (es_policy_may(c->who, ES_ACT_CERT_READ, &obj).kind != ES_ALLOW) {
        return 0;
    }
    return c->cert_cb(rec, org, c->payload);
}

int eseal_instance_cert_list_for(eseal_instance *inst, const eseal_principal *who,
                                 int (*cb)(const eseal_cert_record *rec, const char *org, void *payload),
                                 void *payload)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    if (inst == NULL || cb == NULL) {
        ES_BAIL_ARG("inst == NULL || cb == NULL");
    }
    list_ctx c = {inst, who, NULL, cb, payload, ESEAL_OK};
    return eseal_store_cert_list(inst->store, cert_each, &c);
}

/* ---- the audit trail ------------------------------------------------------------------------ */

/* The organisation an entry is of: the one it records (its `org` line, written with it: account
 * events); else, for an entry without one (written before the line existed, or of no organisation's
 * account), its seal's, else its certificate's, else its acting user's when that user existed when
 * the entry was written (a login that named nobody then is nobody's, whoever has that login now).
 * "" for none: the platform's side only. */
static ES_RESULT entry_org(eseal_instance *inst, const eseal_audit_entry *e, char org[ESEAL_OWNER_ORG_MAX + 1])
{
    org[0] = '\0';
    if (e->org != NULL && e->org[0] != '\0') {
        /* an id longer than ours is no organisation of this platform: nobody's but the platform's */
        if (strlen(e->org) <= ESEAL_OWNER_ORG_MAX) {
            memcpy(org, e->org, strlen(e->org) + 1);
        }
        return ES_OK;
    }
    if (e->seal != NULL && e->seal[0] != '\0') {
        eseal_seal_record rec;
        int rc = eseal_store_seal_find(inst->store, &rec, NULL, e->seal);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
            return ES_OK;
        }
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        es_result r = es_seal_org(inst, rec.cert_ids, org);
        eseal_seal_record_dispose(&rec);
        return r;
    }
    if (e->cert != NULL && e->cert[0] != '\0') {
        eseal_cert_record rec;
        int rc = eseal_store_cert_find(inst->store, &rec, e->cert);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
            return ES_OK;
        }
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        es_result r = es_cert_org(inst, &rec, org);
        eseal_cert_record_dispose(&rec);
        return r;
    }
    if (e->actor_kind != NULL && strcmp(e->actor_kind, "user") == 0 && e->actor != NULL) {
        eseal_user u;
        int rc = eseal_store_user_get(inst->store, &u, NULL, e->actor);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
            return ES_OK;
        }
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        if (u.created_ms <= e->time_ms) {
            (void)snprintf(org, ESEAL_OWNER_ORG_MAX + 1, "%s", u.org_id);
        }
    }
    return ES_OK;
}

/* Whether entry `e` is one `q` asks for: the cheap tests on the entry's own lines, before its
 * organisation (store reads) is looked for. */
static bool query_matches(const eseal_audit_query *q, const eseal_audit_entry *e)
{
    if (q->seal != NULL && (e->seal == NULL || strcmp(e->seal, q->seal) != 0)) {
        return false;
    }
    if (q->user != NULL && (e->actor == NULL || strcmp(e->actor, q->user) != 0 ||
                            (e->actor_kind != NULL && strcmp(e->actor_kind, "user") != 0))) {
        return false;
    }
    if ((q->since_ms != 0 && e->time_ms < q->since_ms) || (q->until_ms != 0 && e->time_ms >= q->until_ms)) {
        return false;
    }
    if (q->type != NULL && q->type[0] != '\0') {
        size_t n = strlen(q->type);
        /* "seal." is the family seal.made, seal.suspended...; anything else the exact type */
        bool family = q->type[n - 1] == '.';
        if (e->type == NULL || (family ? strncmp(e->type, q->type, n) != 0 : strcmp(e->type, q->type) != 0)) {
            return false;
        }
    }
    return true;
}

/* One entry looked at: read, parsed, filtered, its organisation decided and, when `who` may read
 * it, given to `cb` (*given counts it). */
static ES_RESULT query_one(eseal_instance *inst, eseal_log *log, const eseal_principal *who, const eseal_audit_query *q,
                           uint64_t i, eseal_audit_read_cb cb, void *payload, size_t *given)
{
    eseal_buf b = ESEAL_BUF_INIT;
    eseal_audit_entry_parsed p;
    memset(&p, 0, sizeof(p));
    es_result r = es_from_code(eseal_log_entry(log, &b, i));
    if (es_ok(r)) {
        r = es_from_code(eseal_audit_entry_parse(&p, b.ptr, b.size));
    }
    char org[ESEAL_OWNER_ORG_MAX + 1] = "";
    bool wanted = es_ok(r) && query_matches(q, &p.e);
    if (wanted) {
        r = entry_org(inst, &p.e, org);
    }
    if (wanted && es_ok(r)) {
        es_object obj = {"audit", NULL, org[0] != '\0' ? org : NULL, NULL};
        if (es_policy_may(who, ES_ACT_AUDIT_READ, &obj).kind == ES_ALLOW) {
            int rc = cb(i, &p.e, org, payload);
            (*given)++;
            if (rc != 0) {
                r = es_error_set(rc, __FILE__, __LINE__, "audit read: stopped by its caller");
            }
        }
    }
    eseal_audit_entry_parsed_dispose(&p);
    eseal_buf_dispose(&b);
    return r;
}

/* The one scan of the audit trail behind eseal_instance_audit_read and eseal_instance_audit_query: the
 * access rule is decided here, for both. */
static ES_RESULT audit_scan(eseal_instance *inst, const eseal_principal *who, const eseal_audit_query *q,
                            eseal_audit_read_cb cb, void *payload, uint64_t *next, int *more)
{
    ES_ENSURE_ARG(inst != NULL && cb != NULL);
    ES_ENSURE(q->since_ms == 0 || q->until_ms == 0 || q->since_ms < q->until_ms, ESEAL_EINVAL,
              "audit query: since (%lld) is not before until (%lld)", (long long)q->since_ms, (long long)q->until_ms);
    /* who may read audit entries at all: of its own organisation (nothing of another one) */
    es_object mine = {"audit", NULL, who->organization, NULL};
    ES_GUARD(es_policy_require(who, ES_ACT_AUDIT_READ, &mine, NULL));
    eseal_log *log = NULL;
    ES_GUARD(es_from_code(eseal_instance_log(inst, &log)));
    uint64_t size = 0, cp = 0;
    ES_GUARD(es_from_code(eseal_log_size(log, &size, &cp)));
    size_t limit = q->limit != 0 ? q->limit : 100;
    size_t scan_max = q->scan_max != 0 && q->scan_max < AUDIT_READ_SCAN_MAX ? q->scan_max : AUDIT_READ_SCAN_MAX;
    size_t given = 0, looked = 0;
    es_result r = ES_OK;
    /* Each entry looked at costs a few store reads (its seal's certificates, their organisation):
     * one call looks at no more than scan_max, and *next says where to go on. Newest first walks
     * `at` down: it is one past the index looked at. */
    uint64_t at = q->newest_first ? (q->cursor != 0 && q->cursor < size ? q->cursor : size) : q->cursor;
    for (; given < limit && looked < scan_max && es_ok(r); looked++) {
        if (q->newest_first ? at == 0 : at >= size) {
            break;
        }
        uint64_t i = q->newest_first ? at - 1 : at;
        r = query_one(inst, log, who, q, i, cb, payload, &given);
        at = q->newest_first ? at - 1 : at + 1;
    }
    ES_GUARD(r);
    if (next != NULL) {
        *next = at;
    }
    if (more != NULL) {
        *more = q->newest_first ? at > 0 : at < size;
    }
    return ES_OK;
}

int eseal_instance_audit_read(eseal_instance *inst, const eseal_principal *who, uint64_t from, size_t limit,
                              eseal_audit_read_cb cb, void *payload, uint64_t *next)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    if (limit == 0) {
        ES_RETURN_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "audit read: limit 0"));
    }
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    q.cursor = from;
    q.limit = limit;
    ES_RETURN_PUBLIC(audit_scan(inst, who, &q, cb, payload, next, NULL));
}

static ES_RESULT audit_query(eseal_instance *inst, const eseal_principal *who, const eseal_audit_query *q,
                             eseal_audit_read_cb cb, void *payload, uint64_t *next, int *more)
{
    ES_CHECK_VERSION(q, audit_query);
    return audit_scan(inst, who, q, cb, payload, next, more);
}

int eseal_instance_audit_query(eseal_instance *inst, const eseal_principal *who, const eseal_audit_query *q,
                               eseal_audit_read_cb cb, void *payload, uint64_t *next, int *more)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    ES_RETURN_PUBLIC(audit_query(inst, who, q, cb, payload, next, more));
}

static ES_RESULT receipt_for(eseal_instance *inst, const eseal_principal *who, eseal_buf *out, const char *serial)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL && serial != NULL);
    eseal_stamp_record st;
    int rc = eseal_store_stamp_find(inst->store, &st, serial);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    char org[ESEAL_OWNER_ORG_MAX + 1] = "";
    eseal_seal_record rec;
    rc = eseal_store_seal_find(inst->store, &rec, NULL, st.esid);
    es_result r = ES_OK;
    if (rc == ESEAL_OK) {
        r = es_seal_org(inst, rec.cert_ids, org);
        eseal_seal_record_dispose(&rec);
    } else if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
    } else {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    eseal_stamp_record_dispose(&st);
    ES_GUARD(r);
    /* a stamp's receipt: for whoever reads its organisation's audit trail, or stamps with its seals */
    es_object obj = {"audit", serial, org[0] != '\0' ? org : NULL, NULL};
    es_object seal = {"seal", serial, org[0] != '\0' ? org : NULL, NULL};
    if (es_policy_may(who, ES_ACT_AUDIT_READ, &obj).kind != ES_ALLOW &&
        es_policy_may(who, ES_ACT_STAMP, &seal).kind != ES_ALLOW) {
        /* another organisation's stamp does not exist for who; anyone else is told no */
        ES_ENSURE(!es_owner_hidden(who, ES_ACT_SEAL_READ, &seal), ESEAL_ENOTFOUND, "no stamp '%.64s'", serial);
        ES_GUARD(es_policy_require(who, ES_ACT_AUDIT_READ, &obj, NULL));
    }
    return es_from_code(eseal_instance_stamp_receipt(inst, out, serial));
}

int eseal_instance_stamp_receipt_for(eseal_instance *inst, const eseal_principal *who, eseal_buf *out,
                                     const char *serial)
{
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    ES_RETURN_PUBLIC(receipt_for(inst, who, out, serial));
}
