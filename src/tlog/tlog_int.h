/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the text formats of src/tlog (notes, checkpoints, receipts, witness bodies). */
#ifndef ES_TLOG_INT_H
#define ES_TLOG_INT_H

#include "tlog.h"

/*
 * Strict RFC 4648 §4 base64 (standard alphabet, padding): only the canonical
 * encoding of its bytes is accepted, so no two texts decode alike (no
 * whitespace, no misplaced '=', zero padding bits). Writes the first `cap`
 * decoded bytes to out and the full decoded length to *total. Returns NULL,
 * or why the text was refused.
 */
const char *es_tlog_b64_decode(uint8_t *out, size_t cap, size_t *total, es_span in);

/* An ASCII decimal without leading zeros ("0" itself is fine), at most max; NULL or why not. */
const char *es_tlog_decimal(es_span s, uint64_t max, uint64_t *out);

/* A hash line: the base64 of exactly 32 bytes; NULL or why not. */
const char *es_tlog_hash_b64(es_hash32 out, es_span s);

/* Appends the base64 of a hash. */
ES_RESULT es_tlog_append_hash_b64(es_buf *out, const es_hash32 h);

/*
 * C2SP signed-note: valid UTF-8 without ASCII control characters other than
 * '\n'. `what` prefixes the message ("note", "checkpoint"); offsets are from
 * the start of s.
 */
ES_RESULT es_tlog_text_check(es_span s, const char *what);

/* The largest tree size a checkpoint may state (Go's tlog, tlog-cosignature timestamps). */
#define ES_TLOG_MAX_SIZE ((uint64_t)INT64_MAX)

#endif
