/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlog-proof receipts (src/tlog/proof.c) over arbitrary bytes, then the whole
 * check of a parsed receipt against the Tessera test log's key. Properties: a
 * receipt that parses formats back to the same bytes (one spelling; the only
 * exception is an empty "extra " line, which the formatter never writes);
 * es_tlog_proof_verify says OK, EVERIFY, EMALFORMED or ELIMIT and nothing else;
 * it says OK only when the inclusion proof also holds on its own against the
 * checkpoint (re-checked here); and the RFC 9162 check of the parsed hashes at
 * any index and size never crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_note_verifier log_key;
static es_hash32 leaves[15];

static void init(void)
{
    static bool done;
    if (done) {
        return;
    }
    static const char *entries[15] = {"one",    "two",   "three",    "four",    "five",
                                      "six",    "seven", "eit",      "nain",    "ten",
                                      "ileven", "twelf", "threeten", "fourten", "fivten"};
    if (!es_ok(es_note_vkey_parse(&log_key,
                                  "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"))) {
        abort();
    }
    for (int i = 0; i < 15; i++) {
        if (!es_ok(es_tlog_leaf_hash(leaves[i], es_span_of(entries[i], strlen(entries[i]))))) {
            abort();
        }
    }
    done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    es_tlog_proof p;
    es_result r = es_tlog_proof_parse(&p, es_span_of(data, size));
    if (!es_ok(r)) {
        if (es_code(r) != ESEAL_EMALFORMED && es_code(r) != ESEAL_ELIMIT) {
            abort();
        }
        return 0;
    }
    if (p.count > 63 || p.checkpoint.len == 0 || p.checkpoint.ptr + p.checkpoint.len != data + size) {
        abort();
    }
    if (!(p.has_extra && p.extra.len == 0)) {
        es_buf again = ES_BUF_INIT(2 * ES_NOTE_MAX_LEN);
        if (!es_ok(es_tlog_proof_format(&again, es_buf_span(&p.extra), p.index, p.proof, p.count, p.checkpoint)) ||
            !es_span_eq(es_buf_span(&again), es_span_of(data, size))) {
            abort();
        }
        es_buf_free(&again);
    }
    const uint8_t *leaf = p.index < 15 ? leaves[p.index] : leaves[0];
    es_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    r = es_tlog_proof_verify(&p, leaf, "example.com/log/testdata", &log_key, 1, NULL, &cp);
    int c = es_code(r);
    if (c != ESEAL_OK && c != ESEAL_EVERIFY && c != ESEAL_EMALFORMED && c != ESEAL_ELIMIT) {
        abort();
    }
    if (c == ESEAL_OK && !es_ok(es_tlog_verify_inclusion(p.index, cp.size, leaf, p.proof, p.count, cp.root))) {
        abort();
    }
    /* The hashes as a proof for other shapes of tree: a verdict, never a crash. */
    const uint64_t sizes[] = {0, 1, p.index + 1, p.index + 2, 2 * p.index + 3, UINT64_MAX};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        c = es_code(es_tlog_verify_inclusion(p.index, sizes[i], leaf, p.proof, p.count, leaf));
        if (c != ESEAL_OK && c != ESEAL_EVERIFY) {
            abort();
        }
        c = es_code(es_tlog_verify_consistency(p.index, sizes[i], leaf, leaves[1], p.proof, p.count));
        if (c != ESEAL_OK && c != ESEAL_EVERIFY) {
            abort();
        }
    }
    es_tlog_proof_free(&p);
    return 0;
}
