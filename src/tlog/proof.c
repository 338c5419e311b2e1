/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C2SP tlog-proof receipts and tlog-witness add-checkpoint request bodies:
 * line formats around a verbatim checkpoint note.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "tlog_int.h"

/* A proof line is 44 base64 characters; RFC 9162 proofs have at most 63 hashes below 2^63. */
#define MAX_PROOF_LINES 63
/* The opaque "extra" data of a receipt, decoded. */
#define MAX_EXTRA (64 * 1024)
#define MAX_FRAMING (MAX_EXTRA / 3 * 4 + 64 + MAX_PROOF_LINES * 45 + 64)

/* Reads proof lines up to the empty line; `what` names the format in messages. */
static ES_RESULT read_hashes(es_cur *c, es_hash32 *proof, size_t *count, const char *what)
{
    size_t n = 0;
    for (;;) {
        es_span line;
        ES_ENSURE(es_cur_until(c, '\n', &line), ESEAL_EMALFORMED, "%s: no empty line before the checkpoint", what);
        if (line.len == 0) {
            break;
        }
        ES_ENSURE(n < MAX_PROOF_LINES, ESEAL_EMALFORMED, "%s: more than %d proof hashes", what, MAX_PROOF_LINES);
        const char *why = es_tlog_hash_b64(proof[n], line);
        ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "%s: proof hash %zu: %s", what, n + 1, why);
        n++;
    }
    *count = n;
    return ES_OK;
}

static ES_RESULT write_hashes(es_buf *out, const es_hash32 *proof, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        ES_GUARD(es_tlog_append_hash_b64(out, proof[i]));
        ES_GUARD(es_buf_append_byte(out, '\n'));
    }
    return ES_OK;
}

/* ---- tlog-proof ------------------------------------------------------------------------------- */

static ES_RESULT proof_parse(es_tlog_proof *out, es_span in)
{
    ES_ENSURE(in.len <= (size_t)ES_NOTE_MAX_LEN + MAX_FRAMING, ESEAL_ELIMIT,
              "tlog-proof: %zu bytes, more than the limit of %d", in.len, ES_NOTE_MAX_LEN + MAX_FRAMING);
    es_cur c = es_cur_of(in);
    es_span line;
    ES_ENSURE(es_cur_until(&c, '\n', &line) && es_span_eq(line, es_span_of(ES_TLOG_PROOF_HEADER,
                                                                             strlen(ES_TLOG_PROOF_HEADER))),
              ESEAL_EMALFORMED, "tlog-proof: the first line is not '%s'", ES_TLOG_PROOF_HEADER);
    ES_ENSURE(es_cur_until(&c, '\n', &line), ESEAL_EMALFORMED, "tlog-proof: no index line");
    es_cur lc = es_cur_of(line);
    if (es_cur_peek_is(&lc, "extra ")) {
        es_span b64;
        ES_GUARD(es_cur_skip(&lc, 6));
        ES_GUARD(es_cur_take(&lc, es_cur_left(&lc), &b64));
        out->has_extra = true;
        if (b64.len > 0) {
            /* C2SP allows any data here, even none; eseal refuses only what is not base64. */
            size_t total = 0;
            const char *why = es_tlog_b64_decode(NULL, 0, &total, b64);
            ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "tlog-proof: extra line: %s", why);
            ES_ENSURE(total <= MAX_EXTRA, ESEAL_ELIMIT, "tlog-proof: %zu bytes of extra data, more than %d", total,
                      MAX_EXTRA);
            ES_GUARD(es_buf_reserve(&out->extra, total));
            (void)es_tlog_b64_decode(out->extra.ptr, total, &total, b64);
            out->extra.len = total;
            out->extra.ptr[total] = '\0';
        }
        ES_ENSURE(es_cur_until(&c, '\n', &line), ESEAL_EMALFORMED, "tlog-proof: no index line after the extra line");
        lc = es_cur_of(line);
    }
    ES_ENSURE(es_cur_peek_is(&lc, "index "), ESEAL_EMALFORMED, "tlog-proof: expected 'index <N>' on line %d",
              out->has_extra ? 3 : 2);
    ES_GUARD(es_cur_skip(&lc, 6));
    es_span num;
    ES_GUARD(es_cur_take(&lc, es_cur_left(&lc), &num));
    const char *why = es_tlog_decimal(num, ES_TLOG_MAX_SIZE - 1, &out->index);
    ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "tlog-proof: index: %s", why);
    ES_GUARD(read_hashes(&c, out->proof, &out->count, "tlog-proof"));
    ES_ENSURE(!es_cur_eof(&c), ESEAL_EMALFORMED, "tlog-proof: no checkpoint after the empty line");
    ES_GUARD(es_cur_take(&c, es_cur_left(&c), &out->checkpoint));
    return ES_OK;
}

ES_RESULT es_tlog_proof_parse(es_tlog_proof *out, es_span in)
{
    ES_ENSURE_ARG(out != NULL);
    memset(out, 0, sizeof(*out));
    out->extra = (es_buf)ES_BUF_INIT(MAX_EXTRA);
    es_result r = proof_parse(out, in);
    if (!es_ok(r)) {
        es_tlog_proof_free(out);
    }
    return r;
}

void es_tlog_proof_free(es_tlog_proof *p)
{
    if (p == NULL) {
        return;
    }
    es_buf_free(&p->extra);
    size_t max = p->extra.max;
    memset(p, 0, sizeof(*p));
    p->extra.max = max;
}

ES_RESULT es_tlog_proof_format(es_buf *out, es_span extra, uint64_t index, const es_hash32 *proof, size_t count,
                               es_span checkpoint_note)
{
    ES_ENSURE_ARG(out != NULL && (proof != NULL || count == 0));
    ES_ENSURE(count <= MAX_PROOF_LINES, ESEAL_EINVAL, "tlog-proof: %zu proof hashes, at most %d", count,
              MAX_PROOF_LINES);
    ES_ENSURE(extra.len <= MAX_EXTRA, ESEAL_EINVAL, "tlog-proof: %zu bytes of extra data, at most %d", extra.len,
              MAX_EXTRA);
    ES_ENSURE(index <= ES_TLOG_MAX_SIZE - 1, ESEAL_EINVAL, "tlog-proof: index %llu out of range",
              (unsigned long long)index);
    ES_ENSURE(checkpoint_note.len > 0, ESEAL_EINVAL, "tlog-proof: no checkpoint");
    ES_GUARD(es_buf_append_str(out, ES_TLOG_PROOF_HEADER "\n"));
    if (extra.len > 0) {
        ES_GUARD(es_buf_append_str(out, "extra "));
        ES_GUARD(es_base64_encode(out, extra));
        ES_GUARD(es_buf_append_byte(out, '\n'));
    }
    ES_GUARD(es_buf_printf(out, "index %llu\n", (unsigned long long)index));
    ES_GUARD(write_hashes(out, proof, count));
    ES_GUARD(es_buf_append_byte(out, '\n'));
    return es_buf_append(out, checkpoint_note.ptr, checkpoint_note.len);
}

ES_RESULT es_tlog_proof_verify(const es_tlog_proof *p, const es_hash32 leaf, const char *origin,
                               const es_note_verifier *vs, size_t nv, uint64_t *verified, es_checkpoint *cp)
{
    ES_ENSURE_ARG(p != NULL && leaf != NULL);
    if (verified != NULL) {
        *verified = 0;
    }
    /* tlog-proof: the log's signature (and cosignatures) first, then the checkpoint, then inclusion. */
    ES_AUTO(es_freep) es_note *note = es_calloc(1, sizeof(*note));
    ES_ENSURE_ALLOC(note);
    ES_GUARD(es_note_parse(note, p->checkpoint));
    ES_GUARD(es_note_verify(note, vs, nv, verified, NULL));
    es_checkpoint c;
    ES_GUARD(es_checkpoint_parse(&c, note->text));
    if (cp != NULL) {
        *cp = c;
    }
    ES_ENSURE(origin == NULL || strcmp(origin, c.origin) == 0, ESEAL_EVERIFY,
              "tlog-proof: the checkpoint is from log '%s', not '%s'", c.origin, origin);
    return es_tlog_verify_inclusion(p->index, c.size, leaf, p->proof, p->count, c.root);
}

/* ---- tlog-witness add-checkpoint --------------------------------------------------------------- */

ES_RESULT es_witness_req_parse(es_witness_req *out, es_span body)
{
    ES_ENSURE_ARG(out != NULL);
    memset(out, 0, sizeof(*out));
    ES_ENSURE(body.len <= (size_t)ES_NOTE_MAX_LEN + MAX_FRAMING, ESEAL_ELIMIT,
              "witness request: %zu bytes, more than the limit of %d", body.len, ES_NOTE_MAX_LEN + MAX_FRAMING);
    es_cur c = es_cur_of(body);
    es_span line;
    ES_ENSURE(es_cur_until(&c, '\n', &line), ESEAL_EMALFORMED, "witness request: no 'old <size>' line");
    es_cur lc = es_cur_of(line);
    ES_ENSURE(es_cur_peek_is(&lc, "old "), ESEAL_EMALFORMED, "witness request: the first line is not 'old <size>'");
    ES_GUARD(es_cur_skip(&lc, 4));
    es_span num;
    ES_GUARD(es_cur_take(&lc, es_cur_left(&lc), &num));
    uint64_t old = 0;
    const char *why = es_tlog_decimal(num, ES_TLOG_MAX_SIZE, &old);
    ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "witness request: old size: %s", why);
    es_witness_req r;
    memset(&r, 0, sizeof(r));
    r.old_size = old;
    ES_GUARD(read_hashes(&c, r.proof, &r.count, "witness request"));
    ES_ENSURE(!es_cur_eof(&c), ESEAL_EMALFORMED, "witness request: no checkpoint after the empty line");
    ES_GUARD(es_cur_take(&c, es_cur_left(&c), &r.note));
    *out = r;
    return ES_OK;
}

ES_RESULT es_witness_req_format(es_buf *out, uint64_t old_size, const es_hash32 *proof, size_t count, es_span note)
{
    ES_ENSURE_ARG(out != NULL && (proof != NULL || count == 0));
    ES_ENSURE(count <= MAX_PROOF_LINES, ESEAL_EINVAL, "witness request: %zu proof hashes, at most %d", count,
              MAX_PROOF_LINES);
    ES_ENSURE(old_size <= ES_TLOG_MAX_SIZE, ESEAL_EINVAL, "witness request: old size %llu exceeds 2^63 - 1",
              (unsigned long long)old_size);
    ES_ENSURE(note.len > 0, ESEAL_EINVAL, "witness request: no checkpoint");
    ES_GUARD(es_buf_printf(out, "old %llu\n", (unsigned long long)old_size));
    ES_GUARD(write_hashes(out, proof, count));
    ES_GUARD(es_buf_append_byte(out, '\n'));
    return es_buf_append(out, note.ptr, note.len);
}
