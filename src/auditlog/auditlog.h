/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log room (src/auditlog): the instance's transparency log (log.c, log_read.c,
 * log_witness.c with the witness client), its entries (entry.c), receipts (receipt.c), the audit
 * events every operation records (audit.c) and forgetting a salt (forget.c). Built on src/core;
 * the CA and the service above call it.
 */
#ifndef ES_AUDITLOG_H
#define ES_AUDITLOG_H

#include "core/core.h"
#include "eseal/audit.h"
#include "eseal/sys/log_writer.h"
#include "tlog/tlog.h"

/* Runs inside the transaction that appends an entry, with its index (a stamp record, salts, a token). */
typedef ES_RESULT (*es_log_tx_fn)(eseal_store *s, uint64_t index, void *ctx);
/* Appends one entry and returns once it is durable; fn (may be NULL) runs in the same transaction. */
ES_RESULT es_log_append(struct eseal_log *log, uint64_t *index, es_span entry, es_log_tx_fn fn, void *ctx);
/* Appends entries inside the caller's open transaction on `s` (lifecycle events change state in the same one). */
ES_RESULT es_log_append_tx(eseal_store *s, const es_span *entries, size_t n, uint64_t *first);
/* Creates the log's Ed25519 key (keys/log-ed25519.key, encrypted) and log/log.vkey. */
ES_RESULT es_log_key_create(eseal_instance *inst);
/* The log's reading connection, locked until es_log_reader_end. */
eseal_store *es_log_reader_begin(struct eseal_log *log);
void es_log_reader_end(struct eseal_log *log);
/* The stored right edge (empty before the first append), and MTH of the first `size` leaves, on `s`. */
ES_RESULT es_log_state_read(eseal_store *s, es_tlog_edge *e);
ES_RESULT es_log_tree_hash_in(eseal_store *s, uint64_t size, es_hash32 out);
ES_RESULT es_log_consistency_in(eseal_store *s, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF],
                                size_t *count);
/* The instance configuration the log was opened with. */
const es_config *es_log_config(const struct eseal_log *log);
/* A connection of the log's own for witness bookkeeping (named values), opened on first use. */
ES_RESULT es_log_meta_store(struct eseal_log *log, eseal_store **out);
/* The length of a note's text, blank line and first (the log's) signature line; 0 when malformed. */
size_t es_log_note_base_len(es_span note);
/* Asks the witnesses again for the stored checkpoint of `size` when it lacks the quorum. */
ES_RESULT es_log_witness_recosign(struct eseal_log *log, uint64_t size);
/* Adds the cosignature lines of `note` (the stored checkpoint of `size` with more cosignatures) to the
 * stored note, except those of cosigners already there. */
ES_RESULT es_log_store_cosigned(struct eseal_log *log, uint64_t size, es_span note);
/* Every stored checkpoint size, smallest first (es_free the array). */
ES_RESULT es_log_checkpoint_sizes(struct eseal_log *log, uint64_t **sizes, size_t *count);
/* Checks a checkpoint note with the log's key; out gets its body. */
ES_RESULT es_log_open_checkpoint(const struct eseal_log *log, es_span note, es_checkpoint *out);
/* The checkpoint kept outside the store (HOME/log/checkpoint); *present false when none. */
ES_RESULT es_log_outside_checkpoint(struct eseal_log *log, es_checkpoint *cp, bool *present);
/* Closes the instance's log (stops its publisher). */
void es_log_close(eseal_instance *inst);
/* Asks the configured witnesses to cosign a new checkpoint note and stores the cosigned note. */
ES_RESULT es_log_witness_cosign(struct eseal_log *log, es_buf *note, const es_checkpoint *cp, uint64_t prev_size);

/* Opens the instance's own TSA for audit time tokens (with the passphrase; quietly none without). Call
 * before beginning a store transaction that records audit events. */
ES_RESULT es_audit_prepare(eseal_instance *inst);
void es_audit_close(eseal_instance *inst);
/* Audit entries inside the caller's transaction on inst->store. */
ES_RESULT es_audit_seal_event(eseal_instance *inst, const es_acting *by, const char *esid, const char *from,
                              const char *to, int64_t at, const char *reason);
ES_RESULT es_audit_cert_event(eseal_instance *inst, const es_acting *by, const char *type,
                              const eseal_cert_record *rec, const char *detail);
/* A forgotten salt (eseal_instance_log_forget): "log.forgotten", naming the entry and the field. */
ES_RESULT es_audit_forget_event(eseal_instance *inst, const es_acting *by, uint64_t index, const char *field,
                                uint64_t *entry);
/* One stamped document, prepared and authorised, not yet published (src/service/stamp.c). */
typedef struct {
    const eseal_stamp_request *q; /* q->who: the acting principal */
    const char *policy_rule;      /* the policy rule that allowed the stamp */
    const char *serial;
    const char *esid;
    const eseal_cert_record *crec;
    const es_doc_digests *dg;     /* of the bytes read and written (SM3 too for OFD) */
    const char *tmp_path;         /* the prepared output under its temporary name */
    const char *out_path;         /* where it is published */
    bool ofd;
    int64_t time_ms;
    const eseal_buf *sig_token; /* the signature timestamp (B-T and up), else NULL */
    const es_timestamper *ts;   /* for an entry token when there is no signature timestamp (may be NULL) */
} es_audit_stamp_in;
/* Appends the stamp's entry (durably), with its stamp record and, kept privately under the entry
 * until es_audit_stamps_published, where its output waits to be published; *index: its position. */
ES_RESULT es_audit_stamp(eseal_instance *inst, const es_audit_stamp_in *in, uint64_t *index);
/* The outputs of these entries (index < 0: skipped) are published and durable: forgets where they waited. */
ES_RESULT es_audit_stamps_published(eseal_instance *inst, const int64_t *indices, size_t n);
/* The output of the stamp entry `index` could not be published: a "stamp.failed" entry says so (durably;
 * ts, may be NULL: the source of its time token). */
ES_RESULT es_audit_stamp_unpublished(eseal_instance *inst, const eseal_principal *who, uint64_t index,
                                     const es_timestamper *ts, const char *why);
/* After a crash between a stamp's record and its publication (only call when no other process is
 * stamping): each such stamp is found published (its output has the entry's after digest) or gets
 * its "stamp.failed" entry, and its temporary file goes. *recovered: how many were found. */
ES_RESULT es_audit_stamps_recover(eseal_instance *inst, const eseal_principal *who, size_t *recovered);
/* Publishes a checkpoint and stores the receipt of every stamp (serial "" or index -1: skipped). */
ES_RESULT es_audit_receipts(eseal_instance *inst, const char (*serials)[40], const int64_t *indices, size_t n);

#endif
