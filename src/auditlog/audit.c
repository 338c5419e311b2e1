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
#include <stdio.h>
#include <string.h>

#include "eseal/audit.h"
#include "eseal/log.h"
#include "service/service.h"

static ES_RESULT sha256_hex(char out[65], es_span data)
{
    uint8_t h[64];
    size_t hl = 0;
    ES_GUARD(es_digest(h, &hl, ESEAL_HASH_SHA256, data));
    es_hex_lower(out, h, 32);
    return ES_OK;
}

ES_RESULT es_audit_prepare(eseal_instance *inst)
{
    if (inst->audit_ts != NULL || inst->pass.ptr == NULL || inst->creating) {
        return ES_OK;
    }
    es_timestamper *t = es_calloc(1, sizeof(*t));
    ES_ENSURE_ALLOC(t);
    es_result r = es_timestamper_open(t, inst, NULL, 0, 0, NULL);
    if (!es_ok(r)) {
        /* No TSA yet (an instance being created) or a wrong passphrase: entries then carry no
         * time token of their own, and the operation itself reports a key problem. */
        es_timestamper_close(t);
        es_free(t);
        eseal_error_clear();
        return ES_OK;
    }
    inst->audit_ts = t;
    return ES_OK;
}

void es_audit_close(eseal_instance *inst)
{
    if (inst->audit_ts != NULL) {
        es_timestamper_close(inst->audit_ts);
        es_free(inst->audit_ts);
        inst->audit_ts = NULL;
    }
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
        uint8_t h[64];
        size_t hl = 0;
        es_doc_time dt = {ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
        r = es_digest(h, &hl, ESEAL_HASH_SHA256, es_span_of(core.ptr, core.size));
        if (es_ok(r)) {
            rc = es_doc_timestamp(&dt, token, ESEAL_HASH_SHA256, h, hl);
            r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
        char th[65];
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

/* Appends `e` inside the caller's transaction on inst->store. */
static ES_RESULT event_in_tx(eseal_instance *inst, eseal_audit_entry *e)
{
    ES_AUTO(es_buf_freep) es_buf entry = ES_BUF_INIT(ESEAL_AUDIT_MAX_ENTRY);
    eseal_buf token = ESEAL_BUF_INIT;
    es_result r = encode_with_time(&entry, e, inst->audit_ts, &token);
    es_span s = es_buf_span(&entry);
    uint64_t index = 0;
    if (es_ok(r)) {
        r = es_log_append_tx(inst->store, &s, 1, &index);
    }
    if (es_ok(r) && token.size > 0) {
        int rc = eseal_store_log_private_put(inst->store, index, "time-token", token.ptr, token.size);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    eseal_buf_dispose(&token);
    return r;
}

ES_RESULT es_audit_seal_event(eseal_instance *inst, const char *esid, const char *from, const char *to, int64_t at,
                              const char *actor, const char *reason)
{
    char type[64];
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
    e.actor = actor != NULL && actor[0] != '\0' ? actor : "unknown";
    e.seal = esid;
    e.detail = es_buf_cstr(&detail);
    return event_in_tx(inst, &e);
}

ES_RESULT es_audit_cert_event(eseal_instance *inst, const char *type, const eseal_cert_record *rec, const char *detail)
{
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = type;
    e.time_ms = es_now_ms();
    e.actor = "operator";
    e.actor_cert = NULL;
    e.cert = rec->id;
    e.detail = detail;
    return event_in_tx(inst, &e);
}

/* ---- stamps ------------------------------------------------------------------------ */

typedef struct {
    const eseal_stamp_record *rec;
    uint8_t salt_ip[32], salt_device[32];
    bool has_ip, has_device;
    const eseal_buf *token;
} stamp_tx;

/* In the append's transaction: the stamp record (with its log index), the salts, the token. */
static es_result stamp_tx_fn(eseal_store *s, uint64_t index, void *ctx)
{
    stamp_tx *x = ctx;
    eseal_stamp_record rec = *x->rec;
    rec.log_index = (int64_t)index;
    int rc = eseal_store_stamp_insert(s, &rec);
    if (rc == ESEAL_OK && x->has_ip) {
        rc = eseal_store_log_private_put(s, index, "salt.ip", x->salt_ip, 32);
    }
    if (rc == ESEAL_OK && x->has_device) {
        rc = eseal_store_log_private_put(s, index, "salt.device", x->salt_device, 32);
    }
    if (rc == ESEAL_OK && x->token != NULL && x->token->size > 0) {
        rc = eseal_store_log_private_put(s, index, "time-token", x->token->ptr, x->token->size);
    }
    ES_GUARD(es_from_code(rc));
    return ES_OK;
}

static ES_RESULT file_hashes(const char *path, bool sm3, char sha[65], char sm3hex[65])
{
    uint8_t h[64];
    size_t hl = 0;
    uint64_t max = eseal_limits_default()->max_input_bytes;
    ES_GUARD(es_digest_file(h, &hl, ESEAL_HASH_SHA256, path, max));
    es_hex_lower(sha, h, 32);
    if (sm3) {
        ES_GUARD(es_digest_file(h, &hl, ESEAL_HASH_SM3, path, max));
        es_hex_lower(sm3hex, h, 32);
    }
    return ES_OK;
}

ES_RESULT es_audit_stamp(eseal_instance *inst, const es_audit_stamp_in *in, uint64_t *index)
{
    eseal_log *log = NULL;
    int rc = eseal_instance_log(inst, &log);
    ES_GUARD(es_from_code(rc));
    const eseal_stamp_request *q = in->q;
    char before[65], before_sm3[65] = "", after[65], after_sm3[65] = "";
    ES_GUARD(file_hashes(in->in_path, in->ofd, before, before_sm3));
    ES_GUARD(file_hashes(in->out_path, in->ofd, after, after_sm3));
    stamp_tx x = {0};
    char ipc[65], devc[65];
    eseal_audit_entry e = ESEAL_AUDIT_ENTRY_INIT;
    e.type = "stamp";
    e.time_ms = in->time_ms;
    e.actor = q->actor != NULL && q->actor[0] != '\0' ? q->actor : "unknown";
    e.actor_cert = in->crec->fingerprint;
    e.seal = in->esid;
    e.stamp = in->serial;
    e.doc_format = in->ofd ? "ofd" : "pdf";
    e.doc_before_sha256 = before;
    e.doc_before_sm3 = in->ofd ? before_sm3 : NULL;
    e.doc_after_sha256 = after;
    e.doc_after_sm3 = in->ofd ? after_sm3 : NULL;
    e.approvals = q->approvals;
    if (q->client_ip != NULL && q->client_ip[0] != '\0') {
        ES_GUARD(es_random(x.salt_ip, 32));
        rc = eseal_audit_commitment(ipc, "ip", x.salt_ip, q->client_ip);
        ES_GUARD(es_from_code(rc));
        e.ip_commitment = ipc;
        x.has_ip = true;
    }
    if (q->device != NULL && q->device[0] != '\0') {
        ES_GUARD(es_random(x.salt_device, 32));
        rc = eseal_audit_commitment(devc, "device", x.salt_device, q->device);
        ES_GUARD(es_from_code(rc));
        e.device_commitment = devc;
        x.has_device = true;
    }
    char th[65];
    if (in->sig_token != NULL && in->sig_token->size > 0) {
        ES_GUARD(sha256_hex(th, es_span_of(in->sig_token->ptr, in->sig_token->size)));
        e.time_proof_kind = "signature";
        e.time_proof_sha256 = th;
    }
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
    if (es_ok(r)) {
        r = es_log_append(log, index, es_buf_span(&entry), stamp_tx_fn, &x);
    }
    eseal_buf_dispose(&token);
    es_wipe(&x, sizeof(x));
    return r;
}

/* ---- the receipts of a batch ---------------------------------------------------------- */

ES_RESULT es_audit_receipts(eseal_instance *inst, const char (*serials)[40], const int64_t *indices, size_t n)
{
    eseal_log *log = NULL;
    int rc = eseal_instance_log(inst, &log);
    ES_GUARD(es_from_code(rc));
    /* One checkpoint for the whole batch; a witness quorum not met still leaves a signed checkpoint. */
    rc = eseal_log_publish(log, NULL);
    es_result r = ES_OK;
    if (rc != ESEAL_OK && rc != ESEAL_ESTATE) {
        r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        if (serials[i][0] == '\0' || indices[i] < 0) {
            continue;
        }
        eseal_buf rcpt = ESEAL_BUF_INIT;
        rc = eseal_log_receipt(log, &rcpt, (uint64_t)indices[i]);
        if (rc == ESEAL_OK) {
            rc = eseal_store_stamp_receipt_put(inst->store, serials[i], (const char *)rcpt.ptr);
        }
        eseal_buf_dispose(&rcpt);
        if (rc != ESEAL_OK) {
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
    }
    return r;
}

int eseal_instance_stamp_receipt(eseal_instance *inst, eseal_buf *out, const char *serial)
{
    if (inst == NULL || out == NULL || serial == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || serial == NULL");
    }
    eseal_stamp_record rec;
    int rc = eseal_store_stamp_find(inst->store, &rec, serial);
    if (rc != ESEAL_OK) {
        return rc;
    }
    es_buf b = ES_BUF_INIT(256 * 1024);
    es_result r = ES_OK;
    if (rec.receipt != NULL && rec.receipt[0] != '\0') {
        r = es_buf_append_str(&b, rec.receipt);
    } else if (rec.log_index >= 0) {
        /* Not made at stamping time (no checkpoint then): make it now, and keep it. */
        eseal_log *log = NULL;
        eseal_buf rc_buf = ESEAL_BUF_INIT;
        rc = eseal_instance_log(inst, &log);
        if (rc == ESEAL_OK) {
            rc = eseal_log_receipt(log, &rc_buf, (uint64_t)rec.log_index);
        }
        if (rc == ESEAL_OK) {
            (void)eseal_store_stamp_receipt_put(inst->store, serial, (const char *)rc_buf.ptr);
            r = es_buf_append(&b, rc_buf.ptr, rc_buf.size);
        } else {
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
        eseal_buf_dispose(&rc_buf);
    } else {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "stamp %s has no audit entry", serial);
    }
    eseal_stamp_record_dispose(&rec);
    if (es_ok(r)) {
        es_buf_move_out(out, &b);
    }
    es_buf_free(&b);
    return es_code(r);
}
