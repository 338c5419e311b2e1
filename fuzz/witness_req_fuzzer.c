/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlog-witness add-checkpoint request bodies (src/tlog/proof.c) over arbitrary
 * bytes. Properties: a body that parses has at most 63 proof hashes and a note
 * that is the rest of the input, and formats back to the same bytes; the note
 * inside then goes through the signed-note parser and the checkpoint parser,
 * and the proof through RFC 9162 consistency checking (old size to the
 * checkpoint's size): verdicts only, never another error or a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_note *note;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (note == NULL && (note = es_calloc(1, sizeof(*note))) == NULL) {
        abort();
    }
    es_witness_req req;
    es_result r = es_witness_req_parse(&req, es_span_of(data, size));
    if (!es_ok(r)) {
        if (es_code(r) != ESEAL_EMALFORMED && es_code(r) != ESEAL_ELIMIT) {
            abort();
        }
        return 0;
    }
    if (req.count > 63 || req.note.len == 0 || req.note.ptr + req.note.len != data + size) {
        abort();
    }
    es_buf again = ES_BUF_INIT(2 * ES_NOTE_MAX_LEN);
    if (!es_ok(es_witness_req_format(&again, req.old_size, req.proof, req.count, req.note)) ||
        !es_span_eq(es_buf_span(&again), es_span_of(data, size))) {
        abort();
    }
    es_buf_free(&again);
    es_checkpoint cp;
    if (!es_ok(es_note_parse(note, req.note)) || !es_ok(es_checkpoint_parse(&cp, note->text))) {
        return 0;
    }
    /* The old root is unknown here: the first proof hash stands in for it. */
    es_hash32 old_root;
    memset(old_root, 0, sizeof(old_root));
    if (req.count > 0) {
        memcpy(old_root, req.proof[0], sizeof(old_root));
    }
    int c = es_code(es_tlog_verify_consistency(req.old_size, cp.size, old_root, cp.root, req.proof, req.count));
    if (c != ESEAL_OK && c != ESEAL_EVERIFY) {
        abort();
    }
    return 0;
}
