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

/*
 * The room's handle (es_auditlog): everything the audit log needs, owned in one place and made
 * from what it needs, not from the instance: the home directory (the log's files), the owner's
 * store (audit events are appended inside the owner's transactions on it), its own copy of the
 * log settings, the context (limits, clock), and the owner's keys through callbacks (the log key
 * is under the owner's passphrase and its lock against eseal passwd). The handle owns the log
 * (struct eseal_log: its connections, reader, publisher and witness client; opened on first use),
 * the own TSA of audit entries' time tokens (es_audit_prepare) and the audit hook.
 */
typedef struct es_auditlog es_auditlog;

/* The log's settings (eseal.conf), copied by es_auditlog_open. */
typedef struct {
    char *origin;    /* log_origin; NULL: base_url without scheme + "/log" */
    char *base_url;
    char **witnesses; /* "NAME VKEY URL" lines, as written */
    size_t witness_count;
    unsigned int witness_quorum;
    unsigned int witness_timeout_ms;
    char *store; /* the store's location (es_store_location): where the log opens its own connections */
} es_auditlog_settings;

/* What es_auditlog_open is given. Strings and the config are copied; `store` and `owner` are
 * borrowed for the handle's life. */
typedef struct {
    const char *home;     /* HOME: HOME/log/, HOME/keys/log-ed25519.key (and HOME/eseal.db unless cfg's store says) */
    eseal_store *store;   /* the owner's store: events go inside its caller's transactions */
    const es_config *cfg; /* log_origin, base_url, log_witness* */
    const eseal_context *ctx; /* limits and clock (NULL: the defaults); es_auditlog_set_context */
    void *owner;          /* handed to the callbacks */
    /* Loads the log's key at `path` (the owner's passphrase); NULL: ESEAL_EPASS, no passphrase. */
    es_result (*key_load)(void *owner, eseal_key **key, const char *path);
    /* Saves a new key at `path` under the owner's passphrase; NULL: ESEAL_EPASS. */
    es_result (*key_save)(void *owner, eseal_key *key, const char *path);
    /* Opens the own TSA for entries' time tokens into *t; *none true: there is none now (no
     * passphrase, an instance being made). NULL: entries carry no time token of their own. */
    es_result (*tsa_open)(void *owner, es_timestamper *t, bool *none);
} es_auditlog_params;

/* Makes the handle (no I/O: the log itself opens on first use); es_auditlog_close frees it. */
ES_RESULT es_auditlog_open(es_auditlog **out, const es_auditlog_params *p);
/* Stops the publisher, closes the log and the audit TSA, frees the handle (NULL: nothing). */
void es_auditlog_close(es_auditlog *h);
/* The owner's context changed (limits and clock of later entries). */
void es_auditlog_set_context(es_auditlog *h, const eseal_context *ctx);
/* The log, opened on first use (safe from several threads); refused when the store is older than
 * the checkpoint published outside it. */
ES_RESULT es_auditlog_log(es_auditlog *h, struct eseal_log **out);
/* The settings the handle was opened with. */
const es_auditlog_settings *es_auditlog_config(const es_auditlog *h);
/* The audit hook (eseal_instance_set_audit_hook) and calling it: 0 when there is none. */
void es_auditlog_set_hook(es_auditlog *h, eseal_audit_hook hook, void *payload);
int es_auditlog_hook_call(const es_auditlog *h, const eseal_audit_event *ev);

/* Runs inside the transaction that appends an entry, with its index (a stamp record, salts, a token). */
typedef ES_RESULT (*es_log_tx_fn)(eseal_store *s, uint64_t index, void *ctx);
/* Appends one entry and returns once it is durable; fn (may be NULL) runs in the same transaction. */
ES_RESULT es_log_append(struct eseal_log *log, uint64_t *index, es_span entry, es_log_tx_fn fn, void *ctx);
/* Appends entries inside the caller's open transaction on `s` (lifecycle events change state in the same one). */
ES_RESULT es_log_append_tx(eseal_store *s, const es_span *entries, size_t n, uint64_t *first);
/* Creates the log's Ed25519 key (keys/log-ed25519.key, encrypted) and log/log.vkey. */
ES_RESULT es_log_key_create(es_auditlog *h);
/* Runs fn in one transaction on the log's writing connection (the one appends and checkpoints
 * commit on, taken in turn with them), committed durably when fn succeeds, else rolled back. A
 * process whose other writes go here syncs one SQLite connection's WAL, so SQLite's directory sync
 * at a connection's first WAL sync happens once (docs/performance.md, fsyncs). */
ES_RESULT es_log_write(struct eseal_log *log, es_result (*fn)(eseal_store *s, void *ctx), void *ctx);
/* The log's reading connection (opened at the first read), locked until es_log_reader_end, which is
 * called whatever this returns. */
ES_RESULT es_log_reader_begin(struct eseal_log *log, eseal_store **out);
void es_log_reader_end(struct eseal_log *log);
/* The stored right edge (empty before the first append), and MTH of the first `size` leaves, on `s`. */
ES_RESULT es_log_state_read(eseal_store *s, es_tlog_edge *e);
ES_RESULT es_log_tree_hash_in(eseal_store *s, uint64_t size, es_hash32 out);
ES_RESULT es_log_consistency_in(eseal_store *s, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF],
                                size_t *count);
/* The settings of the handle the log belongs to. */
const es_auditlog_settings *es_log_config(const struct eseal_log *log);
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
/* Asks the configured witnesses to cosign a new checkpoint note and stores the cosigned note. */
ES_RESULT es_log_witness_cosign(struct eseal_log *log, es_buf *note, const es_checkpoint *cp, uint64_t prev_size);

/* Opens the instance's own TSA for audit time tokens (with the passphrase; quietly none without). Call
 * before beginning a store transaction that records audit events. */
ES_RESULT es_audit_prepare(es_auditlog *h);
/* Audit entries inside the caller's transaction on the handle's store. */
ES_RESULT es_audit_seal_event(es_auditlog *h, const es_acting *by, const char *esid, const char *from,
                              const char *to, int64_t at, const char *reason);
ES_RESULT es_audit_cert_event(es_auditlog *h, const es_acting *by, const char *type,
                              const eseal_cert_record *rec, const char *detail);
/* An event of the accounts (src/accounts): "org.added", "user.added", "user.roles", "token.created",
 * "auth.failed"...; `org` the id of the organisation it concerns (of the user or token concerned,
 * or the organisation added), recorded in the entry's `org` line so that organisation's auditor
 * sees it; NULL or "" when it concerns none (a login that names no user). `detail` one line (never
 * a secret). In the caller's transaction on the handle's store, or, with own_tx, in a transaction
 * of its own (durable when this returns). */
ES_RESULT es_audit_account_event(es_auditlog *h, const es_acting *by, const char *type, const char *org,
                                 const char *detail, bool own_tx);
/* es_audit_account_event inside the caller's transaction, naming the seal concerned (may be NULL), with
 * the entry's index in *index (a physical seal's impression keeps it: its receipt is that entry's). */
ES_RESULT es_audit_account_event_at(es_auditlog *h, const es_acting *by, const char *type, const char *org,
                                    const char *seal, const char *detail, uint64_t *index);
/* A forgotten salt (eseal_instance_log_forget): "log.forgotten", naming the entry and the field. */
ES_RESULT es_audit_forget_event(es_auditlog *h, const es_acting *by, uint64_t index, const char *field,
                                uint64_t *entry);
/* "passphrase.changed" (eseal passwd; never the passphrase), in a transaction of its own: durable
 * before the new passphrase takes effect. `keys`: how many key files were re-encrypted; *index (may
 * be NULL): the entry's index, for es_audit_unpublished when the switch then fails. */
ES_RESULT es_audit_passwd_event(es_auditlog *h, const es_acting *by, size_t keys, uint64_t *index);
/* "crl.issued" inside the caller's transaction that stores the CRL: the CA, the CRL number,
 * thisUpdate/nextUpdate, and SHA-256 of the CRL's DER. */
ES_RESULT es_audit_crl_event(es_auditlog *h, const es_acting *by, const eseal_cert_record *ca, uint64_t number,
                             int64_t this_update, int64_t next_update, es_span der);
/* A document event ("document.signed", "document.extended") in a transaction of its own, durable
 * before the result is handed out or published: SHA-256 of the document before and (after.ptr not
 * NULL) after, the signing certificate (may be NULL), the format and a detail; *index (may be NULL):
 * the entry's index. With tmp_path and out_path (else NULL), where the result waits to be published
 * is kept privately under the entry, as for a stamp, until es_audit_stamps_published (or a failure
 * entry): es_audit_stamps_recover settles it after a crash. */
ES_RESULT es_audit_document_event(es_auditlog *h, const es_acting *by, const char *type,
                                  const eseal_cert_record *signer, const char *format, es_span before, es_span after,
                                  const char *detail, const char *tmp_path, const char *out_path, uint64_t *index);
/* The result of the recorded entry `index` ("document.extended", "passphrase.changed") did not take
 * effect (its rename or directory exchange failed): its failure entry ("document.extend.failed",
 * "passphrase.change.failed"), durably, by the same principal, naming the entry and `why`; the
 * recorded entry is marked privately as failed in the same transaction. */
ES_RESULT es_audit_unpublished(es_auditlog *h, const es_acting *by, uint64_t index, const char *why);
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
    /* A user's stamp: the grant that allows it, then its ancestors; the append's transaction counts a
     * use of each (eseal_store_grant_use) and fails with the reason QUOTA_EXHAUSTED when one has none
     * left. ngrants 0: no grant (the local operator). */
    const char (*grants)[ESEAL_GRANT_ID_LEN + 1];
    size_t ngrants;
    /* A stamp request's document (NULL: none): the transaction marks the request's first unstamped
     * document with the stamped bytes' SHA-256 (before) as stamped (eseal_store_request_doc_stamped),
     * and fails with ESEAL_ESTATE when there is none (another execution stamped it); `approvals`,
     * the request's approval chain, is the entry's approvals line instead of q->approvals. */
    const char *request_id;
    const char *approvals;
} es_audit_stamp_in;
/* Appends the stamp's entry (durably), with its stamp record and, kept privately under the entry
 * until es_audit_stamps_published, where its output waits to be published; *index: its position. */
ES_RESULT es_audit_stamp(es_auditlog *h, const es_audit_stamp_in *in, uint64_t *index);
/* The outputs of these entries (index < 0: skipped) are published and durable: forgets where they waited. */
ES_RESULT es_audit_stamps_published(es_auditlog *h, const int64_t *indices, size_t n);
/* The output of the stamp entry `index` could not be published: a "stamp.failed" entry says so (durably;
 * ts, may be NULL: the source of its time token). */
ES_RESULT es_audit_stamp_unpublished(es_auditlog *h, const eseal_principal *who, uint64_t index,
                                     const es_timestamper *ts, const char *why);
/* After a crash between a stamp's (or an extend's) record and its publication (only call when no
 * other process is stamping or extending): each such entry is found published (its output has the
 * entry's after digest) or gets its failure entry ("stamp.failed", "document.extend.failed"), and its
 * temporary file goes. *recovered: how many were found. */
ES_RESULT es_audit_stamps_recover(es_auditlog *h, const eseal_principal *who, size_t *recovered);
/* After a batch, in one commit on the log's writing connection: publishes a checkpoint, stores the
 * receipt of every stamp (serial "" or index -1: skipped) and, when `published` (every output is in
 * place and durable), forgets where each output waited, as es_audit_stamps_published does. The marks
 * are settled even when the checkpoint or a receipt fails (a missing receipt is made when asked for):
 * the error returned is that commit's alone, so that the caller knows the marks are still there. Until
 * this commits, a crash leaves the marks, and the next recovery finds each output published by its
 * digest (es_audit_stamps_recover). */
ES_RESULT es_audit_stamps_settle(es_auditlog *h, const char (*serials)[40], const int64_t *indices, size_t n,
                                 bool published);
/* The receipt of stamp `serial` (made now and kept when it was not made at stamping time). */
ES_RESULT es_audit_stamp_receipt(es_auditlog *h, es_buf *out, const char *serial);
/* Forgets the salt of entry `index`'s `field` ("ip", "device") and records "log.forgotten", in one
 * transaction on the handle's store (the caller checked the principal and the passphrase). */
ES_RESULT es_audit_forget(es_auditlog *h, const es_acting *by, uint64_t index, const char *field, uint64_t *entry);

#endif
