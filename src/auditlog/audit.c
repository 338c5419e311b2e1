/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail: every seal lifecycle change, certificate issue and
 * revocation, and stamp becomes an entry of the instance's transparency log
 * (audit.h for the format, log.h for the log).
 *
 * Lifecycle and certificate events are appended inside the store transaction
 * that makes the change, so the change and its entry commit together or not
 * at all. A stamp's entry is appended (durably) before the stamp is reported;
 * its stamp record, salts and time token commit with the entry.
 *
 * Time: an entry's time is proven by an RFC 3161 token: the stamp's own
 * signature timestamp (B-T and up, "time-proof signature"), or a token of the
 * instance's TSA over SHA-256 of the entry's bytes before its time-proof line
 * ("time-proof entry"), kept privately under the entry's index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eseal/audit.h"
#include "eseal/log.h"
#include "handle.h"
#include "maxima.h"

static ES_RESULT sha256_hex(char out[ES_LOG_SHA256_HEX], es_span data)
{
    uint8_t h[ES_LOG_DIGEST_MAX];
    size_t hl = 0;
    ES_GUARD(es_digest(h, &hl, ESEAL_HASH_SHA256, data));
    es_hex_lower(out, h, 32);
    return ES_OK;
}

ES_RESULT es_audit_prepare(es_auditlog *h)
{
    if (h->ts != NULL || h->tsa_open == NULL) {
        return ES_OK;
    }
    es_timestamper *t = es_calloc(1, sizeof(*t));
    ES_ENSURE_ALLOC(t);
    bool none = false;
    es_result r = h->tsa_open(h->owner, t, &none);
    if (!es_ok(r) || none) {
        /* No TSA yet (an instance being created) or a wrong passphrase: entries then carry no
         * time token of their own, and the operation itself reports a key problem. */
        es_timestamper_close(t);
        es_free(t);
        eseal_error_clear();
        return ES_OK;
    }
    h->ts = t;
    return ES_OK;
}

/*
 * Encodes `e`; with a time source (and no time proof yet), asks it for a token
 * over the entry's core and names the token in the entry. *token gets it.
 */
static ES_RESULT encode_with_time(es_buf *out, eseal_audit_entry *e, const es_timestamper *ts, eseal_buf *token)
{
    eseal_buf core = ESEAL_BUF_INIT;
    int rc = eseal_audit_entry_encode(&core, e);
    ES_GUARD(es_from_code(rc));
    es_result r = ES_OK;
    if (ts != NULL && e->time_proof_kind == NULL) {
        uint8_t h[ES_LOG_DIGEST_MAX];
        size_t hl = 0;
        es_doc_time dt = {ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
        r = es_digest(h, &hl, ESEAL_HASH_SHA256, es_span_of(core.ptr, core.size));
        if (es_ok(r)) {
            rc = es_doc_timestamp(&dt, token, ESEAL_HASH_SHA256, h, hl);
            r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
        char th[ES_LOG_SHA256_HEX];
        if (es_ok(r)) {
            r = sha256_hex(th, es_span_of(token->ptr, token->size));
        }
        if (es_ok(r)) {
            e->time_proof_kind = "entry";
            e->time_proof_sha256 = th;
            eseal_buf_dispose(&core);
            rc = eseal_audit_entry_encode(&core, e);
            r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
            e->time_proof_kind = NULL;
            e->time_proof_sha256 = NULL;
        }
        eseal_tsa_client_result_free(&dt.got);
    }
    if (es_ok(r)) {
        r = es_buf_append(out, core.ptr, core.size);
    }
    eseal_buf_dispose(&core);
    return r;
}

/*
 * Appends `e` inside the caller's transaction on the handle's store. With a principal (`by`), the entry's
 * actor is its id, actor-kind its kind and policy-rule the rule that allowed it (as a stamp's), and its address ("local" when none) and device (when named) are recorded
 * as salted commitments, the salts kept privately under the entry's index (eseal_instance_log_forget
 * erases them); without one, the actor is "platform". *index (may be NULL) gets the entry's index.
 */
static ES_RESULT event_in_tx(es_auditlog *h, const es_acting *by, eseal_audit_entry *e, uint64_t *index_out)
{
    uint8_t salt_ip[ES_LOG_SALT_LEN], salt_device[ES_LOG_SALT_LEN];
    char ipc[ES_LOG_SHA256_HEX], devc[ES_LOG_SHA256_HEX];
    const char *address = NULL, *device = NULL;
    e->actor = by != NULL ? by->who->id : "platform";
    if (by != NULL) {
        e->actor_kind = eseal_principal_kind_name(by->who->kind);
        e->policy_rule = by->rule;
        address = by->who->address != NULL && by->who->address[0] != '\0' ? by->who->address : "local";
        device = by->who->device != NULL && by->who->device[0] != '\0' ? by->who->device : NULL;
        ES_GUARD(es_random(salt_ip, sizeof(salt_ip)));
        int rc = eseal_audit_commitment(ipc, "ip", salt_ip, address);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        e->ip_commitment = ipc;
        if (device != NULL) {
            ES_GUARD(es_random(salt_device, sizeof(salt_device)));
            rc = eseal_audit_commitment(devc, "device", salt_device, device);
            ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
            e->device_commitment = devc;
        }
    }
    ES_AUTO(es_buf_freep) es_buf entry = ES_BUF_INIT(ESEAL_AUDIT_MAX_ENTRY);
    eseal_buf token = ESEAL_BUF_INIT;
    es_result r = encode_with_time(&entry, e, h->ts, &token);
    es_span s = es_buf_span(&entry);
    uint64_t index = 0;
    int rc = ESEAL_OK;
    if (es_ok(r)) {
        r = es_log_append_tx(h->store, &s, 1, &index);
    }
    if (es_ok(r) && token.size > 0) {
        rc = eseal_store_log_private_put(h->store, index, "time-token", token.ptr, token.size);
    }
    if (es_ok(r) && rc == ESEAL_OK && address != NULL) {
        rc = eseal_store_log_private_put(h->store, index, "salt.ip", salt_ip, sizeof(salt_ip));
    }
    if (es_ok(r) && rc == ESEAL_OK && device != NULL) {
        rc = eseal_store_log_private_put(h->store, index, "salt.device", salt_device, sizeof(salt_device));
    }
    if (es_ok(r) && rc != ESEAL_OK) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    es_wipe(salt_ip, sizeof(salt_ip));
    es_wipe(salt_device, sizeof(salt_device));
    eseal_buf_dispose(&token);
    if (es_ok(r) && index_out != NULL) {
        *index_out = index;
    }
    return r;
}

ES_RESULT es_audit_seal_event(es_auditlog *h, const es_acting *by, const char *esid, const char *from,
                              const char *to, int64_t at, const char *reason)
{
    char type[ES_LOG_TYPE_MAX];
    (void)snprintf(type, sizeof(type), "seal.%s", to);
    ES_AUTO(es_buf_freep) es_buf detail = ES_BUF_INIT(ESEAL_AUDIT_MAX_FIELD);
    if (from[0] == '\0') {
        ES_GUARD(es_buf_printf(&detail, "-> %s", to));
    } else {
        ES_GUARD(es_buf_printf(&detail, "%s -> %s", from, to));
    }
    if (reason != NULL && reason[0] != '\0') {
        es_result r = es_buf_printf(&detail, ": %s", reason);
        if (!es_ok(r)) {
            /* A very long reason: the store keeps it whole; the entry keeps its first part. */
            detail.len = detail.max > 4 ? detail.max - 4 : 0;
            eseal_error_clear();
        }
    }
    /* Entries are single-line fields: control characters in a reason become spaces. */
    for (size_t i = 0; i < detail.len; i++) {
        if (detail.ptr[i] < 0x20 || detail.ptr[i] == 0x7f) {
            detail.ptr[i] = ' ';
        }
    }
    while (detail.len > 0 && detail.ptr[detail.len - 1] == ' ') {
        detail.ptr[--detail.len] = '\0';
    }
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = at;
    e.seal = esid;
    e.detail = es_buf_cstr(&detail);
    return event_in_tx(h, by, &e, NULL);
}

ES_RESULT es_audit_cert_event(es_auditlog *h, const es_acting *by, const char *type,
                              const eseal_cert_record *rec, const char *detail)
{
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = es_ctx_now(h->ctx);
    e.actor_cert = NULL;
    e.cert = rec->id;
    e.detail = detail;
    return event_in_tx(h, by, &e, NULL);
}

ES_RESULT es_audit_forget_event(es_auditlog *h, const es_acting *by, uint64_t index, const char *field,
                                uint64_t *entry)
{
    char detail[ES_LOG_DETAIL_MAX];
    (void)snprintf(detail, sizeof(detail), "entry %llu: the %s salt is erased", (unsigned long long)index, field);
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = "log.forgotten";
    e.time_ms = es_ctx_now(h->ctx);
    e.detail = detail;
    return event_in_tx(h, by, &e, entry);
}

/* Private data of an entry whose result waits to be published ("<temporary path>\n<output path>\n"),
 * see the stamps below. */
#define PUBLISH_KIND "publish"
static ES_RESULT absolute_path(es_buf *out, const char *path);

/* An event in a transaction of its own on the handle's store: durable when this returns (the
 * store commits with synchronous=FULL), so the operation may then publish its result. *index (may
 * be NULL) gets the entry's index; `pending` (len > 0), where the result waits to be published, is
 * kept privately under the entry in the same transaction. */
static ES_RESULT event_own_tx(es_auditlog *h, const es_acting *by, eseal_audit_entry *e, uint64_t *index,
                              es_span pending)
{
    ES_GUARD(es_audit_prepare(h));
    int rc = eseal_store_begin(h->store);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    uint64_t at = 0;
    es_result r = event_in_tx(h, by, e, &at);
    if (es_ok(r) && pending.len > 0) {
        rc = eseal_store_log_private_put(h->store, at, PUBLISH_KIND, pending.ptr, pending.len);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (index != NULL) {
        *index = at;
    }
    if (es_ok(r)) {
        rc = eseal_store_commit(h->store);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (!es_ok(r)) {
        (void)eseal_store_rollback(h->store);
    }
    return r;
}

ES_RESULT es_audit_account_event(es_auditlog *h, const es_acting *by, const char *type, const char *org,
                                 const char *detail, bool own_tx)
{
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = es_ctx_now(h->ctx);
    e.org = org != NULL && org[0] != '\0' ? org : NULL;
    e.detail = detail;
    return own_tx ? event_own_tx(h, by, &e, NULL, es_span_of(NULL, 0)) : event_in_tx(h, by, &e, NULL);
}

ES_RESULT es_audit_account_event_at(es_auditlog *h, const es_acting *by, const char *type, const char *org,
                                    const char *seal, const char *detail, uint64_t *index)
{
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = es_ctx_now(h->ctx);
    e.org = org != NULL && org[0] != '\0' ? org : NULL;
    e.seal = seal != NULL && seal[0] != '\0' ? seal : NULL;
    e.detail = detail;
    return event_in_tx(h, by, &e, index);
}

ES_RESULT es_audit_passwd_event(es_auditlog *h, const es_acting *by, size_t keys, uint64_t *index)
{
    char detail[ES_LOG_DETAIL_MAX];
    (void)snprintf(detail, sizeof(detail), "the instance passphrase is changed: %zu key files re-encrypted", keys);
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = "passphrase.changed";
    e.time_ms = es_ctx_now(h->ctx);
    e.detail = detail;
    return event_own_tx(h, by, &e, index, es_span_of(NULL, 0));
}

ES_RESULT es_audit_crl_event(es_auditlog *h, const es_acting *by, const eseal_cert_record *ca, uint64_t number,
                             int64_t this_update, int64_t next_update, es_span der)
{
    char this_s[ES_RFC3339_LEN], next_s[ES_RFC3339_LEN], dg[ES_LOG_SHA256_HEX];
    es_time_rfc3339(this_s, this_update);
    es_time_rfc3339(next_s, next_update);
    ES_GUARD(sha256_hex(dg, der));
    char detail[ES_LOG_DETAIL_MAX];
    (void)snprintf(detail, sizeof(detail), "%s %s CRL number %llu, thisUpdate %s, nextUpdate %s", ca->hierarchy,
                   ca->role, (unsigned long long)number, this_s, next_s);
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = "crl.issued";
    e.time_ms = this_update;
    e.cert = ca->id;
    e.doc_format = "crl";
    e.doc_after_sha256 = dg;
    e.detail = detail;
    return event_in_tx(h, by, &e, NULL);
}

ES_RESULT es_audit_document_event(es_auditlog *h, const es_acting *by, const char *type,
                                  const eseal_cert_record *signer, const char *format, es_span before, es_span after,
                                  const char *detail, const char *tmp_path, const char *out_path, uint64_t *index)
{
    ES_AUTO(es_buf_freep) es_buf pending = ES_BUF_INIT(ES_LOG_PENDING_MAX);
    if (tmp_path != NULL && out_path != NULL) {
        ES_GUARD(absolute_path(&pending, tmp_path));
        ES_GUARD(absolute_path(&pending, out_path));
    }
    char b[ES_LOG_SHA256_HEX], a[ES_LOG_SHA256_HEX];
    ES_GUARD(sha256_hex(b, before));
    if (after.ptr != NULL) {
        ES_GUARD(sha256_hex(a, after));
    }
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = es_ctx_now(h->ctx);
    e.actor_cert = signer != NULL ? signer->fingerprint : NULL;
    e.cert = signer != NULL ? signer->id : NULL;
    e.doc_format = format;
    e.doc_before_sha256 = b;
    e.doc_after_sha256 = after.ptr != NULL ? a : NULL;
    e.detail = detail;
    return event_own_tx(h, by, &e, index, es_buf_span(&pending));
}

/* ---- stamps ------------------------------------------------------------------------ */

/*
 * A stamp in four phases (stamp.c): prepare, authorise, record (here), publish. The entry is
 * durable before the output is published; until the publication is durable too, the entry's
 * private data "publish" says where the output waits ("<temporary path>\n<output path>\n",
 * absolute). So a crash between record and publish is found by the next stamp
 * (es_audit_stamps_recover) and never leaves an entry without either the published file or a
 * "stamp.failed" entry saying it was not published.
 */
/* Kept under a stamp's entry by its "stamp.failed" entry (whose index it holds), in the same
 * transaction: the stamp was never published, so no receipt is made for it, now or later. */
#define FAILED_KIND "failed"
/* The first entry index not yet looked at by a recovery (store meta, decimal). */
#define PUBLISH_FROM "stamp.publish-from"
/* How many entries a recovery looks at again rather than moving the mark (a write and a sync). */
#define PUBLISH_MARK_STEP 64

typedef struct {
    const eseal_stamp_record *rec;
    uint8_t salt_ip[ES_LOG_SALT_LEN], salt_device[ES_LOG_SALT_LEN];
    bool has_ip, has_device;
    const eseal_buf *token;
    es_span pending; /* the "publish" private data */
    const char (*grants)[ESEAL_GRANT_ID_LEN + 1];
    size_t ngrants;
    const char *request_id; /* with the stamped document's SHA-256 (before) */
    const char *before;
} stamp_tx;

/* In the append's transaction: the stamp record (with its log index), the salts, the token, where
 * the output waits. */
static es_result stamp_tx_fn(eseal_store *s, uint64_t index, void *ctx)
{
    stamp_tx *x = ctx;
    eseal_stamp_record rec = *x->rec;
    rec.log_index = (int64_t)index;
    int rc = eseal_store_stamp_insert(s, &rec);
    if (rc == ESEAL_OK && x->has_ip) {
        rc = eseal_store_log_private_put(s, index, "salt.ip", x->salt_ip, ES_LOG_SALT_LEN);
    }
    if (rc == ESEAL_OK && x->has_device) {
        rc = eseal_store_log_private_put(s, index, "salt.device", x->salt_device, ES_LOG_SALT_LEN);
    }
    if (rc == ESEAL_OK && x->token != NULL && x->token->size > 0) {
        rc = eseal_store_log_private_put(s, index, "time-token", x->token->ptr, x->token->size);
    }
    if (rc == ESEAL_OK && x->pending.len > 0) {
        rc = eseal_store_log_private_put(s, index, PUBLISH_KIND, x->pending.ptr, x->pending.len);
    }
    /* the grant's use, and its ancestors': in this transaction, so that no stamp overspends a quota */
    for (size_t i = 0; rc == ESEAL_OK && i < x->ngrants; i++) {
        rc = eseal_store_grant_use(s, x->grants[i]);
        if (rc == ESEAL_ESTATE) {
            /* spent, or revoked, since the stamp was authorised: which, from the grant as it is now */
            char msg[256];
            (void)snprintf(msg, sizeof(msg), "%s", eseal_error_last()->message);
            eseal_grant g;
            bool revoked = eseal_store_grant_get(s, &g, x->grants[i]) == ESEAL_OK && g.revoked_ms != 0;
            return es_error_reason(es_error_set(ESEAL_EDENIED, __FILE__, __LINE__, "stamp: %s", msg),
                                   revoked ? ESEAL_REFUSAL_NO_GRANT : ESEAL_REFUSAL_QUOTA_EXHAUSTED);
        }
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* a request's document: stamped once, whatever executions run at once or after a crash */
    if (x->request_id != NULL) {
        rc = eseal_store_request_doc_stamped(s, x->request_id, x->before, x->rec->serial, (int64_t)index,
                                             x->rec->at_ms, NULL);
        ES_ENSURE(rc == ESEAL_OK, rc, "stamp: %s", eseal_error_last()->message);
    }
    return ES_OK;
}

/* `path` made absolute by its directory (a recovery may run from another working directory). */
static ES_RESULT absolute_path(es_buf *out, const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[ES_LOG_DIR_MAX];
    size_t dl = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    ES_ENSURE(dl < sizeof(dir), ESEAL_EINVAL, "stamp: path too long: %s", path);
    memcpy(dir, slash == NULL ? "." : path, dl);
    dir[dl] = '\0';
    char *real = realpath(dir, NULL);
    ES_ENSURE(real != NULL, ESEAL_EIO, "stamp: cannot resolve the directory of %s: %s", path, strerror(errno));
    es_result r = es_buf_printf(out, "%s/%s\n", strcmp(real, "/") == 0 ? "" : real, slash == NULL ? path : slash + 1);
    free(real); /* !checksrc! allowed: realpath's malloc */
    return r;
}

ES_RESULT es_audit_stamp(es_auditlog *h, const es_audit_stamp_in *in, uint64_t *index)
{
    eseal_log *log = NULL;
    ES_GUARD(es_auditlog_log(h, &log));
    int rc = ESEAL_OK;
    const eseal_stamp_request *q = in->q;
    const eseal_principal *who = q->who;
    /* The digests of the bytes the stamper read and wrote (never the paths again: in place, the
     * input is the output). */
    char before[ES_LOG_SHA256_HEX], before_sm3[ES_LOG_SHA256_HEX] = "", after[ES_LOG_SHA256_HEX],
        after_sm3[ES_LOG_SHA256_HEX] = "";
    es_hex_lower(before, in->dg->before_sha256, 32);
    es_hex_lower(after, in->dg->after_sha256, 32);
    if (in->ofd) {
        ES_ENSURE(in->dg->sm3, ESEAL_ERROR, "stamp: an OFD entry needs the SM3 digests");
        es_hex_lower(before_sm3, in->dg->before_sm3, 32);
        es_hex_lower(after_sm3, in->dg->after_sm3, 32);
    }
    stamp_tx x = {0};
    char ipc[ES_LOG_SHA256_HEX], devc[ES_LOG_SHA256_HEX];
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = "stamp";
    e.time_ms = in->time_ms;
    e.actor = who->id;
    e.actor_kind = eseal_principal_kind_name(who->kind);
    e.policy_rule = in->policy_rule;
    e.actor_cert = in->crec->fingerprint;
    e.seal = in->esid;
    e.stamp = in->serial;
    e.doc_format = in->ofd ? "ofd" : "pdf";
    e.doc_before_sha256 = before;
    e.doc_before_sm3 = in->ofd ? before_sm3 : NULL;
    e.doc_after_sha256 = after;
    e.doc_after_sm3 = in->ofd ? after_sm3 : NULL;
    e.approvals = in->request_id != NULL ? in->approvals : q->approvals;
    char under[ESEAL_GRANT_ID_LEN + 32];
    if (in->ngrants > 0) {
        (void)snprintf(under, sizeof(under), "under grant %s", in->grants[0]);
        e.detail = under;
    }
    /* From where, only as salted commitments (the log is public and cannot be erased). */
    if (who->address != NULL && who->address[0] != '\0') {
        ES_GUARD(es_random(x.salt_ip, 32));
        rc = eseal_audit_commitment(ipc, "ip", x.salt_ip, who->address);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        e.ip_commitment = ipc;
        x.has_ip = true;
    }
    if (who->device != NULL && who->device[0] != '\0') {
        ES_GUARD(es_random(x.salt_device, 32));
        rc = eseal_audit_commitment(devc, "device", x.salt_device, who->device);
        ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
        e.device_commitment = devc;
        x.has_device = true;
    }
    char th[ES_LOG_SHA256_HEX];
    if (in->sig_token != NULL && in->sig_token->size > 0) {
        ES_GUARD(sha256_hex(th, es_span_of(in->sig_token->ptr, in->sig_token->size)));
        e.time_proof_kind = "signature";
        e.time_proof_sha256 = th;
    }
    ES_AUTO(es_buf_freep) es_buf pending = ES_BUF_INIT(ES_LOG_PENDING_MAX);
    ES_GUARD(absolute_path(&pending, in->tmp_path));
    ES_GUARD(absolute_path(&pending, in->out_path));
    x.pending = es_buf_span(&pending);
    ES_AUTO(es_buf_freep) es_buf entry = ES_BUF_INIT(ESEAL_AUDIT_MAX_ENTRY);
    eseal_buf token = ESEAL_BUF_INIT;
    es_result r = encode_with_time(&entry, &e, in->ts, &token);
    eseal_stamp_record rec = {0};
    rec.serial = (char *)(uintptr_t)in->serial; /* the store only reads these */
    rec.esid = (char *)(uintptr_t)in->esid;
    rec.cert_id = in->crec->id;
    rec.kind = (char *)(uintptr_t)(in->ofd ? "ofd" : "pdf");
    rec.doc_sha256 = after;
    rec.at_ms = in->time_ms;
    rec.receipt = (char *)(uintptr_t)"";
    x.rec = &rec;
    x.token = &token;
    x.grants = in->grants;
    x.ngrants = in->ngrants;
    x.request_id = in->request_id;
    x.before = before;
    if (es_ok(r)) {
        r = es_log_append(log, index, es_buf_span(&entry), stamp_tx_fn, &x);
    }
    eseal_buf_dispose(&token);
    es_wipe(&x, sizeof(x));
    return r;
}

/* The bookkeeping that follows durable publications, in one transaction on the log's writing
 * connection (es_log_write: the stamp's other commits are there, so SQLite syncs the home directory
 * once per process, not once per connection): where each output waited is forgotten, and each
 * receipt made (receipts != NULL, size > 0) is kept with its stamp record. */
typedef struct {
    const int64_t *indices;
    size_t n;
    bool erase;
    const char (*serials)[40];
    const eseal_buf *receipts;
} settle_tx;

static es_result settle_tx_fn(eseal_store *s, void *ctx)
{
    const settle_tx *x = ctx;
    int rc = ESEAL_OK;
    for (size_t i = 0; i < x->n && rc == ESEAL_OK; i++) {
        if (x->indices[i] < 0) {
            continue;
        }
        if (x->erase) {
            rc = eseal_store_log_private_erase(s, (uint64_t)x->indices[i], PUBLISH_KIND);
            rc = rc == ESEAL_ENOTFOUND ? ESEAL_OK : rc;
        }
        if (rc == ESEAL_OK && x->receipts != NULL && x->receipts[i].size > 0 && x->serials[i][0] != '\0') {
            rc = eseal_store_stamp_receipt_put(s, x->serials[i], (const char *)x->receipts[i].ptr);
        }
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

ES_RESULT es_audit_stamps_published(es_auditlog *h, const int64_t *indices, size_t n)
{
    eseal_log *log = NULL;
    ES_GUARD(es_auditlog_log(h, &log));
    settle_tx x = {indices, n, true, NULL, NULL};
    return es_log_write(log, settle_tx_fn, &x);
}

/* In the failure entry's transaction: the output no longer waits anywhere, and the stamp's entry
 * is marked as never published (FAILED_KIND, naming the failure entry). */
static es_result unpublished_tx_fn(eseal_store *s, uint64_t index, void *ctx)
{
    const uint64_t *stamp_index = ctx;
    int rc = eseal_store_log_private_erase(s, *stamp_index, PUBLISH_KIND);
    ES_ENSURE(rc == ESEAL_OK || rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
    char num[ES_LOG_DECIMAL_MAX];
    int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)index);
    rc = eseal_store_log_private_put(s, *stamp_index, FAILED_KIND, num, (size_t)n);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    /* a stamp request's document it stamped is not stamped: resuming the execution stamps it */
    rc = eseal_store_request_doc_unstamp(s, (int64_t)*stamp_index);
    if (rc == ESEAL_EUNSUPPORTED) {
        eseal_error_clear(); /* a store without governance has no requests */
        rc = ESEAL_OK;
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

/*
 * The failure entry of a recorded entry whose result was then not published, one type per operation
 * (the operation's name and ".failed", as "stamp.failed" came first): a reader selecting an
 * operation's entries by type sees its failures with them, without parsing details. Anything else
 * recorded before its publication is refused here (ESEAL_EINVAL) rather than given a vague type.
 */
static const char *failed_type(const char *type, const char **what)
{
    if (strcmp(type, "stamp") == 0 || strcmp(type, "document.extended") == 0) {
        *what = "not published";
        return type[0] == 's' ? "stamp.failed" : "document.extend.failed";
    }
    *what = "not in effect";
    return strcmp(type, "passphrase.changed") == 0 ? "passphrase.change.failed" : NULL;
}

static ES_RESULT unpublished(es_auditlog *h, const eseal_principal *who, const char *rule, uint64_t index,
                             const es_timestamper *ts, const char *why)
{
    eseal_log *log = NULL;
    ES_GUARD(es_auditlog_log(h, &log));
    eseal_buf raw = ESEAL_BUF_INIT;
    int rc = eseal_store_log_entry(h->store, &raw, index);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    eseal_audit_entry_parsed p = {0};
    rc = eseal_audit_entry_parse(&p, raw.ptr, raw.size);
    eseal_buf_dispose(&raw);
    ES_ENSURE(rc == ESEAL_OK, rc, "audit: entry %llu: %s", (unsigned long long)index, eseal_error_last()->message);
    const char *what = "";
    const char *type = failed_type(p.e.type, &what);
    es_result r = type != NULL ? ES_OK
                               : es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "audit: entry %llu (%s) has no failure entry",
                                              (unsigned long long)index, p.e.type);
    ES_AUTO(es_buf_freep) es_buf detail = ES_BUF_INIT(ESEAL_AUDIT_MAX_FIELD);
    if (es_ok(r)) {
        r = es_buf_printf(&detail, "entry %llu %s: %s", (unsigned long long)index, what, why);
        if (!es_ok(r)) {
            detail.len = detail.max > 4 ? detail.max - 4 : 0; /* a very long reason: its first part */
            detail.ptr[detail.len] = '\0';
            eseal_error_clear();
            r = ES_OK;
        }
    }
    for (size_t i = 0; i < detail.len; i++) {
        detail.ptr[i] = detail.ptr[i] < 0x20 || detail.ptr[i] == 0x7f ? ' ' : detail.ptr[i];
    }
    while (detail.len > 0 && detail.ptr[detail.len - 1] == ' ') {
        detail.ptr[--detail.len] = '\0';
    }
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = es_ctx_now(h->ctx);
    e.actor = who->id;
    e.actor_kind = eseal_principal_kind_name(who->kind);
    e.policy_rule = rule;
    e.seal = p.e.seal;
    e.stamp = p.e.stamp;
    e.doc_format = p.e.doc_format;
    e.detail = es_buf_cstr(&detail);
    ES_AUTO(es_buf_freep) es_buf entry = ES_BUF_INIT(ESEAL_AUDIT_MAX_ENTRY);
    eseal_buf token = ESEAL_BUF_INIT;
    if (es_ok(r)) {
        r = encode_with_time(&entry, &e, ts, &token);
    }
    uint64_t at = 0, stamp_index = index;
    if (es_ok(r)) {
        r = es_log_append(log, &at, es_buf_span(&entry), unpublished_tx_fn, &stamp_index);
    }
    if (es_ok(r) && token.size > 0) {
        /* The entry's own time token: kept like any other (a failure here loses only that proof). */
        if (eseal_store_log_private_put(h->store, at, "time-token", token.ptr, token.size) != ESEAL_OK) {
            eseal_error_clear();
        }
    }
    eseal_buf_dispose(&token);
    eseal_audit_entry_parsed_dispose(&p);
    return r;
}

ES_RESULT es_audit_stamp_unpublished(es_auditlog *h, const eseal_principal *who, uint64_t index,
                                     const es_timestamper *ts, const char *why)
{
    return unpublished(h, who, NULL, index, ts, why);
}

ES_RESULT es_audit_unpublished(es_auditlog *h, const es_acting *by, uint64_t index, const char *why)
{
    ES_ENSURE_ARG(h != NULL && by != NULL && why != NULL);
    return unpublished(h, by->who, by->rule, index, h->ts, why);
}

/* Whether `path` is a regular file whose SHA-256 is the 64 hex digits `want`. */
static bool has_digest(const char *path, const char *want, uint64_t max)
{
    uint8_t h[ES_LOG_DIGEST_MAX];
    size_t hl = 0;
    char hex[ES_LOG_SHA256_HEX];
    if (want == NULL || !es_ok(es_digest_file(h, &hl, ESEAL_HASH_SHA256, path, max))) {
        eseal_error_clear();
        return false;
    }
    es_hex_lower(hex, h, 32);
    return strcmp(hex, want) == 0;
}

/* One entry whose output waited: published after all, or recorded as not published. */
static ES_RESULT recover_one(es_auditlog *h, const eseal_principal *who, uint64_t index, const eseal_buf *pending)
{
    char tmp[ES_LOG_PENDING_PATH_MAX] = "", out[ES_LOG_PENDING_PATH_MAX] = "";
    const char *p = (const char *)pending->ptr, *nl = memchr(p, '\n', pending->size);
    size_t tl = nl != NULL ? (size_t)(nl - p) : 0;
    const char *o = nl != NULL ? nl + 1 : NULL;
    size_t ol = o != NULL ? pending->size - tl - 1 : 0;
    bool readable = nl != NULL && tl > 0 && tl < sizeof(tmp) && ol > 1 && ol <= sizeof(out) && o[ol - 1] == '\n';
    if (readable) {
        memcpy(tmp, p, tl);
        memcpy(out, o, ol - 1);
    }
    eseal_buf raw = ESEAL_BUF_INIT;
    int rc = eseal_store_log_entry(h->store, &raw, index);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    eseal_audit_entry_parsed e = {0};
    rc = eseal_audit_entry_parse(&e, raw.ptr, raw.size);
    eseal_buf_dispose(&raw);
    ES_ENSURE(rc == ESEAL_OK, rc, "stamp: entry %llu: %s", (unsigned long long)index, eseal_error_last()->message);
    /* Renamed before the crash (the temporary name is gone and the output is what was recorded):
     * published; only the bookkeeping was left (the mark is erased after the publication, with the
     * batch's receipts: es_audit_stamps_settle). Otherwise it is not counted as published, and never
     * will be (the input may have changed since): its failure entry says which case it was. An output
     * that does not match is never marked published, whatever the reason (not renamed before the
     * crash, or changed or removed since). */
    struct stat st;
    bool tmp_left = readable && lstat(tmp, &st) == 0;
    bool out_there = readable && !tmp_left && stat(out, &st) == 0;
    bool published = readable && !tmp_left && out_there &&
                     has_digest(out, e.e.doc_after_sha256, es_ctx_limits(h->ctx)->max_input_bytes);
    eseal_audit_entry_parsed_dispose(&e);
    if (published) {
        int64_t i = (int64_t)index;
        return es_audit_stamps_published(h, &i, 1);
    }
    if (tmp_left) {
        (void)unlink(tmp);
    }
    char why[ES_LOG_PENDING_PATH_MAX + ES_LOG_WHY_TEXT];
    if (!readable) {
        (void)snprintf(why, sizeof(why), "the process that recorded it stopped before the publication; where the "
                                         "output waited is not readable");
    } else if (tmp_left) {
        (void)snprintf(why, sizeof(why), "the process that recorded it stopped before it renamed the output into place");
    } else {
        (void)snprintf(why, sizeof(why),
                       "the process that recorded it stopped before it renamed the output into place, or the output "
                       "was changed or removed since: %s %s",
                       out, out_there ? "does not have the recorded SHA-256" : "is missing");
    }
    return es_audit_stamp_unpublished(h, who, index, h->ts, why);
}

/* The PUBLISH_FROM mark (decimal `ctx`), on the log's writing connection (es_log_write). */
static es_result meta_put_tx(eseal_store *s, void *ctx)
{
    const char *num = ctx;
    int rc = eseal_store_meta_put(s, PUBLISH_FROM, num, strlen(num));
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

ES_RESULT es_audit_stamps_recover(es_auditlog *h, const eseal_principal *who, size_t *recovered)
{
    *recovered = 0;
    eseal_log *log = NULL;
    ES_GUARD(es_auditlog_log(h, &log));
    uint64_t size = 0, from = 0;
    int rc = eseal_log_size(log, &size, NULL);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    eseal_buf m = ESEAL_BUF_INIT;
    rc = eseal_store_meta(h->store, &m, PUBLISH_FROM);
    /* The mark moves only when it saves real work: each write is a commit, a sync of the store,
     * on every stamp; looking again at a few entries (one indexed lookup each) costs less. */
    bool kept = false;
    if (rc == ESEAL_OK) {
        es_cur c = es_cur_of(es_span_of(m.ptr, m.size));
        if (!es_ok(es_cur_uint(&c, UINT64_MAX, &from)) || !es_cur_eof(&c) || from > size) {
            from = 0; /* not ours to trust: look at everything again */
        }
        kept = size - from < PUBLISH_MARK_STEP;
    }
    eseal_buf_dispose(&m);
    eseal_error_clear();
    es_result r = ES_OK;
    for (uint64_t i = from; i < size && es_ok(r); i++) {
        eseal_buf pending = ESEAL_BUF_INIT;
        rc = eseal_store_log_private(h->store, &pending, i, PUBLISH_KIND);
        if (rc == ESEAL_OK) {
            /* The instance's TSA for the failure entries' time tokens (rare: opened only now). */
            r = *recovered == 0 ? es_audit_prepare(h) : ES_OK;
            if (es_ok(r)) {
                r = recover_one(h, who, i, &pending);
            }
            *recovered += 1;
        } else if (rc != ESEAL_ENOTFOUND) {
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
        eseal_buf_dispose(&pending);
    }
    eseal_error_clear();
    if (es_ok(r) && (!kept || *recovered > 0)) {
        char num[ES_LOG_DECIMAL_MAX];
        (void)snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
        r = es_log_write(log, meta_put_tx, num);
    }
    return r;
}

/* ---- after a batch: receipts, and the publications settled ------------------------------ */

ES_RESULT es_audit_stamps_settle(es_auditlog *h, const char (*serials)[40], const int64_t *indices, size_t n,
                                 bool published)
{
    eseal_log *log = NULL;
    ES_GUARD(es_auditlog_log(h, &log));
    /* One checkpoint for the whole batch; a witness quorum not met still leaves a signed checkpoint. */
    int rc = eseal_log_publish(log, NULL);
    es_result r = ES_OK;
    if (rc != ESEAL_OK && rc != ESEAL_ESTATE) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    eseal_buf *receipts = es_calloc(n > 0 ? n : 1, sizeof(*receipts));
    ES_ENSURE_ALLOC(receipts);
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        if (serials[i][0] == '\0' || indices[i] < 0) {
            continue;
        }
        rc = eseal_log_receipt(log, &receipts[i], (uint64_t)indices[i]);
        if (rc != ESEAL_OK) {
            /* Made when asked for (es_audit_stamp_receipt); the others are still kept. */
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
            eseal_buf_dispose(&receipts[i]);
        }
    }
    /* The marks go whatever became of the receipts: a mark left behind would make the next recovery
     * look at an output that may have changed by then (recover_one). */
    settle_tx x = {indices, n, published, serials, receipts};
    es_result w = es_log_write(log, settle_tx_fn, &x);
    for (size_t i = 0; i < n; i++) {
        eseal_buf_dispose(&receipts[i]);
    }
    es_free(receipts);
    if (es_ok(w) && !es_ok(r)) {
        eseal_error_clear(); /* a checkpoint or receipt not made now is made when asked for */
    }
    return w;
}

/* Whether the stamp entry `index` has a "stamp.failed" entry (*failed; its index into at[]). */
static ES_RESULT stamp_failed(es_auditlog *h, int64_t index, bool *failed, char at[ES_LOG_DECIMAL_MAX])
{
    eseal_buf v = ESEAL_BUF_INIT;
    int rc = eseal_store_log_private(h->store, &v, (uint64_t)index, FAILED_KIND);
    *failed = rc == ESEAL_OK;
    size_t n = *failed && v.size < ES_LOG_DECIMAL_MAX ? v.size : 0;
    memcpy(at, n > 0 ? (const char *)v.ptr : "?", n > 0 ? n : 1);
    at[n > 0 ? n : 1] = '\0';
    eseal_buf_dispose(&v);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK;
    }
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    return ES_OK;
}

ES_RESULT es_audit_stamp_receipt(es_auditlog *h, es_buf *out, const char *serial)
{
    ES_ENSURE_ARG(h != NULL && out != NULL && serial != NULL);
    eseal_stamp_record rec;
    int rc = eseal_store_stamp_find(h->store, &rec, serial);
    ES_GUARD(es_from_code(rc));
    bool failed = false;
    char failed_at[ES_LOG_DECIMAL_MAX];
    es_result r = rec.log_index >= 0 ? stamp_failed(h, rec.log_index, &failed, failed_at) : ES_OK;
    if (!es_ok(r)) {
        /* the store could not say */
    } else if (failed) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                         "stamp %s was never published (entry %lld; its stamp.failed entry is %s): it has no receipt",
                         serial, (long long)rec.log_index, failed_at);
    } else if (rec.receipt != NULL && rec.receipt[0] != '\0') {
        r = es_buf_append_str(out, rec.receipt);
    } else if (rec.log_index >= 0) {
        /* Not made at stamping time (no checkpoint then): make it now, and keep it. */
        eseal_log *log = NULL;
        eseal_buf rc_buf = ESEAL_BUF_INIT;
        r = es_auditlog_log(h, &log);
        if (es_ok(r)) {
            rc = eseal_log_receipt(log, &rc_buf, (uint64_t)rec.log_index);
            r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
        if (es_ok(r)) {
            (void)eseal_store_stamp_receipt_put(h->store, serial, (const char *)rc_buf.ptr);
            r = es_buf_append(out, rc_buf.ptr, rc_buf.size);
        }
        eseal_buf_dispose(&rc_buf);
    } else {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "stamp %s has no audit entry", serial);
    }
    eseal_stamp_record_dispose(&rec);
    return r;
}
