/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log publisher's side of C2SP tlog-witness: asking witnesses to cosign a
 * checkpoint (POST <submission prefix>/add-checkpoint) and keeping the
 * cosignatures that verify.
 */
#ifndef ES_WITNESS_CLIENT_H
#define ES_WITNESS_CLIENT_H

#include "eseal/sys/store.h"
#include "tlog/tlog.h"
#include "util/util.h"

/* At most this many witnesses per call (one thread each). */
#define ES_WITNESS_MAX 64

typedef struct {
    char *name;         /* the witness's name: its store record "log.witness.<name>.size" and its reasons */
    es_note_verifier v; /* its cosignature key (type 0x04) */
    char *url;          /* submission prefix: requests go to url + "/add-checkpoint" */
} es_witness_cfg;

/* An eseal.conf log_witness line "NAME VKEY URL" -> cfg (name and url owned by cfg, es_free them); the key
 * must be a cosignature key (C2SP type 0x04) and the URL http(s). ESEAL_EMALFORMED otherwise. */
ES_RESULT es_witness_cfg_parse(es_witness_cfg *cfg, const char *line);

/* A consistency proof PROOF(m, D[n]) of the log, 0 < m < n (es_tlog_prove_consistency's contract). */
typedef es_result (*es_consistency_fn)(void *ctx, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF],
                                       size_t *count);

/*
 * Asks the n witnesses of `ws` (in parallel, one thread each) to cosign `note`,
 * the signed checkpoint `cp`. Each request's old size is the size that witness
 * last cosigned for this log (the named value "log.witness.<name>.size" in `st`,
 * decimal; 0 when absent, and 0 when it exceeds cp->size), with a consistency
 * proof from `prove` (none for old size 0 or cp->size). On 409 the witness's
 * size is read from the answer and the request is sent once more from it (the
 * witness's size must not exceed cp->size). A cosignature line is accepted only
 * when it verifies with the witness's key (type 0x04, non-zero timestamp) over
 * the checkpoint text; lines by other keys are ignored; one line per witness is
 * kept. Accepted lines are appended to `cosig_lines` in the order of `ws`,
 * *got counts the witnesses that cosigned, and their sizes are recorded in `st`.
 * Each witness that did not cosign adds one line "<name>: <reason>\n" to `why`.
 *
 * A failing witness (unreachable, slow, refusing, answering nonsense) never
 * makes the call fail; errors are bad arguments, a `note` that does not parse,
 * memory, or the store failing to read. `timeout_ms` bounds each HTTP exchange
 * (two with a retry). `prove` is called from the worker threads, one call at a
 * time; `st` only from the calling thread.
 */
ES_RESULT es_witness_collect(eseal_store *st, const es_witness_cfg *ws, size_t n, es_span note,
                             const es_checkpoint *cp, es_consistency_fn prove, void *ctx, unsigned timeout_ms,
                             es_buf *cosig_lines, unsigned *got, es_buf *why);

#endif
