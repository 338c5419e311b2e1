/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed notes and checkpoints (src/tlog/note.c) over arbitrary bytes.
 * Properties: a note that parses has 1..100 signatures and a text that is a
 * prefix of the input ending in '\n'; verification against fixed keys (an
 * Ed25519 log key and a type 0x04 cosigner) only ever says OK or EVERIFY; a
 * checkpoint body without extension lines formats back to the same bytes; and
 * any input a signer accepts as note text signs into a note that parses back
 * to exactly that text and verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "tlog/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_note_verifier known[2];
static es_note_signer signer;
static eseal_key *signer_key;
static es_note *note; /* 40 KB: kept off the stack */

static void init(void)
{
    if (note != NULL) {
        return;
    }
    static const uint8_t seed[32] = {7, 7, 7, 7, 7, 7, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8,
                                     9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
    note = es_calloc(1, sizeof(*note));
    if (note == NULL ||
        !es_ok(es_note_vkey_parse(&known[0], "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")) ||
        !es_ok(es_note_vkey_parse(&known[1], "witness.example.org+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN")) ||
        !es_ok(es_ed25519_key_from_seed(&signer_key, seed)) ||
        !es_ok(es_note_signer_init(&signer, "fuzz.example/log", ES_NOTE_ED25519, signer_key))) {
        abort();
    }
}

static void check_note(const uint8_t *data, size_t size)
{
    es_result r = es_note_parse(note, es_span_of(data, size));
    if (!es_ok(r)) {
        if (es_code(r) != ESEAL_EMALFORMED && es_code(r) != ESEAL_ELIMIT) {
            abort();
        }
        return;
    }
    if (note->count < 1 || note->count > ES_NOTE_MAX_SIGS || note->text.ptr != data || note->text.len == 0 ||
        note->text.len >= size || note->text.ptr[note->text.len - 1] != '\n') {
        abort();
    }
    uint64_t bits = 0, ts[2] = {0, 0};
    r = es_note_verify(note, known, 2, &bits, ts);
    if (es_ok(r) ? bits == 0 : (es_code(r) != ESEAL_EVERIFY)) {
        abort();
    }
    if ((bits & 2) != 0 && ts[1] > (uint64_t)INT64_MAX) {
        abort(); /* tlog-cosignature: no timestamp above 2^63 - 1 is accepted */
    }
    es_checkpoint cp;
    if (es_ok(es_checkpoint_parse(&cp, note->text)) && cp.ext_lines == 0) {
        es_buf again = ES_BUF_INIT(ES_NOTE_MAX_LEN);
        if (!es_ok(es_checkpoint_format(&again, &cp)) || !es_span_eq(es_buf_span(&again), note->text)) {
            abort(); /* a checkpoint body has exactly one spelling */
        }
        es_buf_free(&again);
    }
}

static void check_sign(const uint8_t *data, size_t size)
{
    /* Signing costs an Ed25519 signature: only for small inputs. */
    if (size > 4096) {
        return;
    }
    es_buf out = ES_BUF_INIT(2 * ES_NOTE_MAX_LEN);
    if (es_ok(es_note_sign(&out, es_span_of(data, size), &signer, 1))) {
        uint64_t bits = 0;
        if (!es_ok(es_note_parse(note, es_buf_span(&out))) || !es_span_eq(note->text, es_span_of(data, size)) ||
            note->count != 1 || !es_ok(es_note_verify(note, &signer.v, 1, &bits, NULL)) || bits != 1) {
            abort();
        }
    }
    es_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    check_note(data, size);
    /* The same bytes as a checkpoint body on its own. */
    es_checkpoint cp;
    es_result r = es_checkpoint_parse(&cp, es_span_of(data, size));
    if (!es_ok(r) && es_code(r) != ESEAL_EMALFORMED && es_code(r) != ESEAL_ELIMIT) {
        abort();
    }
    check_sign(data, size);
    return 0;
}
