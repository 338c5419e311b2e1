/* SPDX-License-Identifier: Apache-2.0 */
/* Offline verification of audit receipts (C2SP tlog-proof whose extra line is the audit entry). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/log.h"
#include "maxima.h"
#include "tlog/tlog.h"
#include "util/versions.h"

void eseal_receipt_info_dispose(eseal_receipt_info *info)
{
    if (info != NULL) {
        eseal_audit_entry_parsed_dispose(&info->entry);
        memset(info, 0, sizeof(*info));
    }
}

static es_result refuse(eseal_receipt_info *info, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static es_result refuse(eseal_receipt_info *info, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(info->problem, sizeof(info->problem), fmt, ap);
    va_end(ap);
    return es_error_set(ESEAL_EVERIFY, __FILE__, __LINE__, "receipt: %s", info->problem);
}

static bool hex_eq(const uint8_t *h, const char *hex)
{
    char have[ES_LOG_SHA256_HEX];
    es_hex_lower(have, h, 32);
    return hex != NULL && strcmp(have, hex) == 0;
}

static ES_RESULT check_doc(eseal_receipt_info *info, const char *path)
{
    const eseal_audit_entry *e = &info->entry.e;
    if (e->doc_after_sha256 == NULL) {
        return refuse(info, "the entry (%s) names no stamped document", e->type);
    }
    uint8_t h[ES_LOG_DIGEST_MAX];
    size_t hl = 0;
    uint64_t max = es_ctx_limits(NULL)->max_input_bytes;
    ES_GUARD(es_digest_file(h, &hl, ESEAL_HASH_SHA256, path, max));
    bool ok = hex_eq(h, e->doc_after_sha256);
    if (ok && e->doc_after_sm3 != NULL) {
        ES_GUARD(es_digest_file(h, &hl, ESEAL_HASH_SM3, path, max));
        ok = hex_eq(h, e->doc_after_sm3);
    }
    info->doc_match = ok ? 1 : 0;
    if (!ok) {
        return refuse(info, "%s is not the document this receipt records (stamp %s): its hash differs", path,
                      e->stamp != NULL ? e->stamp : "?");
    }
    return ES_OK;
}

static ES_RESULT verify(eseal_receipt_info *info, es_span in, const eseal_receipt_check *chk)
{
    ES_ENSURE(chk->log_vkey != NULL, ESEAL_EINVAL,
              "receipt: the log's verifier key is required");
    ES_ENSURE(chk->witness_count <= ES_LOG_RECEIPT_WITNESSES_MAX && chk->quorum <= chk->witness_count, ESEAL_EINVAL,
              "receipt: a quorum of %u from %zu witness keys", chk->quorum, chk->witness_count);
    ES_AUTO(es_freep) es_note_verifier *vs = es_calloc(chk->witness_count + 1, sizeof(*vs));
    ES_ENSURE_ALLOC(vs);
    ES_GUARD(es_note_vkey_parse(&vs[0], chk->log_vkey));
    ES_ENSURE(vs[0].type == ES_NOTE_ED25519, ESEAL_EINVAL, "receipt: the log key is not an Ed25519 note key");
    for (size_t i = 0; i < chk->witness_count; i++) {
        ES_GUARD(es_note_vkey_parse(&vs[i + 1], chk->witness_vkeys[i]));
        ES_ENSURE(vs[i + 1].type == ES_NOTE_COSIG_V1, ESEAL_EINVAL,
                  "receipt: witness key %s is not a cosignature key (type 0x04)", vs[i + 1].name);
    }

    es_tlog_proof p;
    memset(&p, 0, sizeof(p));
    es_result r = es_tlog_proof_parse(&p, in);
    if (!es_ok(r)) {
        return refuse(info, "not a tlog-proof: %s", eseal_error_last()->message);
    }
    ES_AUTO(es_freep) es_note *n = es_calloc(1, sizeof(*n));
    es_checkpoint cp;
    uint64_t verified = 0;
    if (n == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    if (es_ok(r) && !es_ok(es_note_parse(n, p.checkpoint))) {
        r = refuse(info, "its checkpoint is not a signed note: %s", eseal_error_last()->message);
    }
    if (es_ok(r) && !es_ok(es_note_verify(n, vs, chk->witness_count + 1, &verified, NULL))) {
        r = refuse(info, "its checkpoint does not verify: %s", eseal_error_last()->message);
    }
    if (es_ok(r) && (verified & 1) == 0) {
        r = refuse(info, "its checkpoint is not signed by the log %s", vs[0].name);
    }
    if (es_ok(r) && !es_ok(es_checkpoint_parse(&cp, n->text))) {
        r = refuse(info, "its checkpoint body is malformed: %s", eseal_error_last()->message);
    }
    if (es_ok(r)) {
        (void)snprintf(info->origin, sizeof(info->origin), "%s", cp.origin);
        info->index = p.index;
        info->size = cp.size;
        for (size_t i = 1; i <= chk->witness_count; i++) {
            info->cosigned += (verified >> i) & 1;
        }
        if (strcmp(cp.origin, vs[0].name) != 0) {
            r = refuse(info, "its checkpoint is for log %s, not %s", cp.origin, vs[0].name);
        } else if (info->cosigned < chk->quorum) {
            r = refuse(info, "%u of the %u witness cosignatures required", info->cosigned, chk->quorum);
        } else if (!p.has_extra) {
            r = refuse(info, "it carries no audit entry (no extra line)");
        }
    }
    if (es_ok(r) && eseal_audit_entry_parse(&info->entry, p.extra.ptr, p.extra.len) != ESEAL_OK) {
        r = refuse(info, "its entry is not a canonical audit entry: %s", eseal_error_last()->message);
    }
    if (es_ok(r)) {
        es_hash32 leaf;
        r = es_tlog_leaf_hash(leaf, es_buf_span(&p.extra));
        if (es_ok(r) && !es_ok(es_tlog_verify_inclusion(p.index, cp.size, leaf, p.proof, p.count, cp.root))) {
            r = refuse(info, "entry %llu is not in the tree of checkpoint %llu: %s", (unsigned long long)p.index,
                       (unsigned long long)cp.size, eseal_error_last()->message);
        }
    }
    es_tlog_proof_free(&p);
    ES_GUARD(r);
    info->doc_match = -1;
    if (chk->doc_path != NULL) {
        ES_GUARD(check_doc(info, chk->doc_path));
    }
    return ES_OK;
}

int eseal_receipt_verify(eseal_receipt_info *info, const void *receipt, size_t len, const eseal_receipt_check *chk)
{
    ES_CHECK_VERSION_INT(chk, receipt_check);
    if (info == NULL || (receipt == NULL && len != 0)) {
        ES_BAIL_ARG("info == NULL || (receipt == NULL && len != 0)");
    }
    memset(info, 0, sizeof(*info));
    info->doc_match = -1;
    es_result r = verify(info, es_span_of(receipt, len), chk);
    if (!es_ok(r) && info->problem[0] == '\0') {
        (void)snprintf(info->problem, sizeof(info->problem), "%s", eseal_error_last()->message);
    }
    return es_code(r);
}

/* ---- a receipt in its parts ------------------------------------------------------------------ */

void eseal_receipt_parts_dispose(eseal_receipt_parts *p)
{
    if (p != NULL) {
        eseal_buf_dispose(&p->entry);
        eseal_buf_dispose(&p->entry_base64);
        eseal_buf_dispose(&p->checkpoint);
        memset(p, 0, sizeof(*p));
    }
}

/* base64 of one hash into a fixed field (44 characters and the NUL). */
static ES_RESULT hash_b64(char out[ESEAL_HASH_B64_MAX], const es_hash32 h)
{
    es_buf b = ES_BUF_INIT(ESEAL_HASH_B64_MAX);
    es_result r = es_base64_encode(&b, es_span_of(h, sizeof(es_hash32)));
    if (es_ok(r)) {
        (void)snprintf(out, ESEAL_HASH_B64_MAX, "%s", es_buf_cstr(&b));
    }
    es_buf_free(&b);
    return r;
}

static ES_RESULT split(eseal_receipt_parts *out, es_span in)
{
    es_tlog_proof p;
    memset(&p, 0, sizeof(p));
    ES_GUARD(es_tlog_proof_parse(&p, in));
    es_result r = ES_OK;
    ES_AUTO(es_freep) es_note *n = es_calloc(1, sizeof(*n));
    es_checkpoint cp;
    if (n == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    } else if (!p.has_extra || p.extra.len == 0) {
        r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "receipt: it carries no audit entry (no extra line)");
    }
    /* The body is read so that the page gets the tree size and root the proof must reach; the
     * signatures are the client's to check (or eseal_receipt_verify's). */
    if (es_ok(r)) {
        r = es_note_parse(n, p.checkpoint);
    }
    if (es_ok(r)) {
        r = es_checkpoint_parse(&cp, n->text);
    }
    if (es_ok(r)) {
        out->index = p.index;
        out->tree_size = cp.size;
        (void)snprintf(out->origin, sizeof(out->origin), "%s", cp.origin);
        out->proof_count = p.count;
        es_hash32 leaf;
        r = es_tlog_leaf_hash(leaf, es_buf_span(&p.extra));
        if (es_ok(r)) {
            r = hash_b64(out->leaf_hash, leaf);
        }
        if (es_ok(r)) {
            r = hash_b64(out->root, cp.root);
        }
        for (size_t i = 0; es_ok(r) && i < p.count; i++) {
            r = hash_b64(out->proof[i], p.proof[i]);
        }
    }
    if (es_ok(r)) {
        es_buf cpt = ES_BUF_INIT(ES_NOTE_MAX_LEN);
        r = es_buf_append(&cpt, p.checkpoint.ptr, p.checkpoint.len);
        if (es_ok(r)) {
            es_buf_move_out(&out->checkpoint, &cpt);
        }
        es_buf_free(&cpt);
    }
    if (es_ok(r)) {
        es_buf b64 = ES_BUF_INIT(ES_LOG_RECEIPT_MAX);
        r = es_base64_encode(&b64, es_buf_span(&p.extra));
        if (es_ok(r)) {
            es_buf_move_out(&out->entry_base64, &b64);
            es_buf_move_out(&out->entry, &p.extra);
        }
        es_buf_free(&b64);
    }
    es_tlog_proof_free(&p);
    return r;
}

int eseal_receipt_split(eseal_receipt_parts *out, const void *receipt, size_t len)
{
    if (out == NULL || (receipt == NULL && len != 0)) {
        ES_BAIL_ARG("out == NULL || (receipt == NULL && len != 0)");
    }
    memset(out, 0, sizeof(*out));
    return es_code(split(out, es_span_of(receipt, len)));
}
