/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the audit log: an append-only transparency log (RFC 9162 Merkle
 * tree over SHA-256) whose state is published as C2SP signed checkpoints
 * (Ed25519 signed notes, optionally cosigned by witnesses) and C2SP
 * tlog-tiles, and whose entries (audit.h) get offline-verifiable receipts
 * (C2SP tlog-proof).
 *
 * Entries are written by the platform's operations themselves (a stamp, a
 * lifecycle change, a certificate, a forgotten salt), in the transaction of
 * the change; the raw writer is not part of this header (sys/log_writer.h).
 * A checkpoint is signed by eseal_instance_log_publish (or the background
 * publisher) only when it
 * is consistent with the previous one; the last checkpoint is also kept in
 * HOME/log/checkpoint, outside the database, so that a store restored from
 * an older backup is refused instead of forking the log.
 */
#ifndef ESEAL_LOG_H
#define ESEAL_LOG_H

#include "audit.h"
#include "common.h"
#include "platform.h"

ESEAL_BEGIN_DECL

typedef struct eseal_instance eseal_instance;
typedef struct eseal_log eseal_log;

/**
 * The instance's audit log (opened on first use, closed with the instance).
 * Fails with ESEAL_ESTATE when the store is behind the checkpoint kept outside
 * it (a restored backup) or disagrees with it.
 */
ESEAL_EXTERN(int) eseal_instance_log(eseal_instance *inst, eseal_log **out);

/**
 * Signs a checkpoint of the current tree if it grew (needs the instance
 * passphrase for the log key), after checking that it is consistent with the
 * last published one; then asks the configured witnesses to cosign it.
 * *size (may be NULL) gets the size of the newest checkpoint. `who` must be
 * allowed "log.publish" (ESEAL_EDENIED otherwise). A checkpoint is not an
 * audit entry (an entry per checkpoint would grow the tree it signs).
 */
ESEAL_EXTERN(int) eseal_instance_log_publish(eseal_instance *inst, const eseal_principal *who, uint64_t *size);

/** The private data of an entry that can be forgotten: the salt of its address or its device commitment. */
typedef enum {
    ESEAL_LOG_FIELD_IP = 1,     /**< the salt of ip_commitment ("salt.ip") */
    ESEAL_LOG_FIELD_DEVICE = 2, /**< the salt of device_commitment ("salt.device") */
} eseal_log_field;

/** Parses "ip" or "device"; ESEAL_EINVAL otherwise. */
ESEAL_EXTERN(int) eseal_log_field_from_name(eseal_log_field *out, const char *name);

/**
 * Forgets the salt of entry `index`'s address or device commitment (a request to erase personal
 * data): the log is unchanged, but the commitment can no longer be linked to a value. Needs the
 * passphrase (ESEAL_EPASS when it is not set or wrong, before anything changes); `who` must be
 * allowed "log.forget" (ESEAL_EDENIED). The erasure and a new audit entry "log.forgotten" (actor
 * `who`, detail "entry INDEX: the ip salt is erased") commit in one transaction, so nothing is
 * forgotten off the record. ESEAL_ENOTFOUND when the entry has no such salt (never had one, or
 * it was forgotten already); *entry (may be NULL) gets the new entry's index.
 */
ESEAL_EXTERN(int) eseal_instance_log_forget(eseal_instance *inst, const eseal_principal *who, uint64_t index,
                                            eseal_log_field field, uint64_t *entry);

/**
 * Starts a thread that publishes at most `interval_ms` (1..1000; 0: 250)
 * after each append. It stops when the instance is closed.
 */
ESEAL_EXTERN(int) eseal_log_publisher_start(eseal_log *log, unsigned int interval_ms);

/** Tree size, and the size of the newest signed checkpoint. */
ESEAL_EXTERN(int) eseal_log_size(eseal_log *log, uint64_t *size, uint64_t *checkpoint_size);
/** The log's origin (its name in checkpoints), e.g. "seal.example.com/log". */
ESEAL_EXTERN(const char *) eseal_log_origin(const eseal_log *log);
/** The verifier key: "<origin>+<hex key id>+<base64(0x01 || Ed25519 public key)>". */
ESEAL_EXTERN(int) eseal_log_vkey(eseal_log *log, eseal_buf *out);
/** The signed checkpoint of `size`, or the newest with UINT64_MAX (C2SP note text). */
ESEAL_EXTERN(int) eseal_log_checkpoint(eseal_log *log, eseal_buf *note, uint64_t size);
/** Entry `index` (its canonical bytes). */
ESEAL_EXTERN(int) eseal_log_entry(eseal_log *log, eseal_buf *out, uint64_t index);

/**
 * The receipt of entry `index`: a C2SP tlog-proof whose "extra" line is the
 * entry, with its inclusion proof in the newest checkpoint (and that
 * checkpoint's cosignatures). ESEAL_ESTATE when no checkpoint covers it yet.
 */
ESEAL_EXTERN(int) eseal_log_receipt(eseal_log *log, eseal_buf *out, uint64_t index);

/** Inclusion proof of `index` in the tree of `size`: one base64 hash per line, leaf side first. */
ESEAL_EXTERN(int) eseal_log_prove_inclusion(eseal_log *log, eseal_buf *out, uint64_t index, uint64_t size);
/** Consistency proof from size m to size n (0 < m <= n <= size): one base64 hash per line. */
ESEAL_EXTERN(int) eseal_log_prove_consistency(eseal_log *log, eseal_buf *out, uint64_t m, uint64_t n);

/**
 * A resource of the log as C2SP tlog-tiles names it: "checkpoint",
 * "tile/<L>/<N>[.p/<W>]", "tile/entries/<N>[.p/<W>]" — only what the newest
 * checkpoint covers. ESEAL_ENOTFOUND for anything else; *immutable is 1 for
 * tiles (cache forever), 0 for the checkpoint.
 */
ESEAL_EXTERN(int) eseal_log_read(eseal_log *log, eseal_buf *out, const char *path, int *immutable);

/* Served over HTTP (GET /checkpoint, /tile/...) by eseal_instance_serve (eseal/server.h). */

/**
 * Writes the log as static files under `dir`: dir/checkpoint and dir/tile/...
 * exactly as C2SP tlog-tiles lays them out (full tiles, and the partial tiles
 * of every stored checkpoint size). Files are written atomically; running it
 * again brings the directory up to date.
 */
ESEAL_EXTERN(int) eseal_log_export(eseal_log *log, const char *dir, uint64_t *files_written);

typedef struct {
    uint64_t entries;      /**< entries re-hashed */
    uint64_t tiles;        /**< stored tile hashes compared */
    uint64_t checkpoints;  /**< stored checkpoints whose signature and root were checked */
    uint64_t time_tokens;  /**< entry time tokens found and checked against their hash */
    int ok;                /**< 1: everything matches */
    char problem[512];     /**< the first mismatch, "" when ok */
} eseal_log_audit_report;

/**
 * Re-derives the whole tree from the stored entries and compares it with
 * every stored tile hash, the stored state, every stored checkpoint (root and
 * log signature) and the checkpoint kept outside the store. A mismatch is
 * reported in `rep` (ok = 0), not as an error.
 */
ESEAL_EXTERN(int) eseal_log_audit(eseal_log *log, eseal_log_audit_report *rep);

/* ---- receipts, verified offline ------------------------------------------- */

#define ESEAL_RECEIPT_CHECK_VERSION 1

typedef struct {
    unsigned int version;                /**< ESEAL_RECEIPT_CHECK_VERSION */
    const char *log_vkey;                /**< the log's verifier key (required) */
    const char *const *witness_vkeys;    /**< cosigner keys (C2SP type 0x04) */
    size_t witness_count;
    unsigned int quorum;                 /**< cosignatures required from witness_vkeys (0: none) */
    const char *doc_path;                /**< the stamped document, to compare with the entry (may be NULL) */
} eseal_receipt_check;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_RECEIPT_CHECK_INIT { .version = ESEAL_RECEIPT_CHECK_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_RECEIPT_CHECK_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_RECEIPT_CHECK_VERSION.
 */
ESEAL_EXTERN(int) eseal_receipt_check_init(eseal_receipt_check *o, unsigned int version);

typedef struct {
    uint64_t index;
    uint64_t size;          /**< of the checkpoint */
    char origin[256];
    unsigned int cosigned;  /**< witnesses of the check whose cosignature verified */
    int doc_match;          /**< -1: no document given; 1: its SHA-256 (and SM3) are the entry's "after" */
    eseal_audit_entry_parsed entry;
    char problem[512];      /**< why it is not valid, "" when valid */
} eseal_receipt_info;

ESEAL_EXTERN(void) eseal_receipt_info_dispose(eseal_receipt_info *info);

/**
 * Checks a receipt: the checkpoint's log signature, the cosignature quorum,
 * the entry (canonical) and its inclusion proof, and the document when given.
 * ESEAL_OK when valid; ESEAL_EVERIFY with info->problem (and the error) when
 * not; other codes when the check could not run.
 */
ESEAL_EXTERN(int) eseal_receipt_verify(eseal_receipt_info *info, const void *receipt, size_t len,
                                       const eseal_receipt_check *chk);

/* ---- receipts, split for a client that checks them itself ----------------- */

#define ESEAL_HASH_B64_MAX 45 /**< base64 of a SHA-256 hash (44 characters) and its NUL */

/**
 * A receipt (C2SP tlog-proof whose extra line is the audit entry) in its parts, for a client that
 * recomputes the root itself (the stamp record page, docs/web.md): nothing here is checked but the
 * syntax and that the checkpoint's body parses; eseal_receipt_verify checks.
 */
typedef struct {
    uint64_t index;                                 /**< the entry's index in the log */
    uint64_t tree_size;                             /**< the size of the checkpoint's tree */
    char origin[256];                               /**< the checkpoint's origin: the log's name */
    eseal_buf entry;                                /**< the entry's bytes (the receipt's "extra", decoded) */
    eseal_buf entry_base64;                         /**< the same in base64 (NUL-terminated) */
    char leaf_hash[ESEAL_HASH_B64_MAX];             /**< base64 of SHA-256(0x00 || entry), RFC 9162 §2.1.1 */
    char root[ESEAL_HASH_B64_MAX];                  /**< base64 of the checkpoint's root */
    size_t proof_count;                             /**< hashes in proof */
    char proof[64][ESEAL_HASH_B64_MAX];             /**< the inclusion proof in base64, leaf side first */
    eseal_buf checkpoint;                           /**< the signed note, verbatim (NUL-terminated) */
    char key[512];                                  /**< the log's verifier key when the caller knows it, else "" */
} eseal_receipt_parts;

/** Frees what `p` holds and zeroes it. */
ESEAL_EXTERN(void) eseal_receipt_parts_dispose(eseal_receipt_parts *p);

/**
 * Splits a receipt into `out` (zeroed first; eseal_receipt_parts_dispose it, also after a failure).
 * ESEAL_EMALFORMED for a receipt or checkpoint body that does not parse, or a receipt without an
 * entry. The checkpoint's signatures and the proof are not checked (eseal_receipt_verify does).
 */
ESEAL_EXTERN(int) eseal_receipt_split(eseal_receipt_parts *out, const void *receipt, size_t len);

/**
 * What a client needs to check by itself that stamp `serial`'s audit entry is in the log: the
 * stamp's receipt (eseal_instance_stamp_receipt: kept from the stamp, or made now) split into its
 * parts, and the log's verifier key in out->key ("" when the log has none yet). No principal, as
 * for eseal_instance_stamp_receipt: the entry, its proof and the checkpoint are the public log's own
 * (GET /tile/entries/..., /checkpoint). The public record (GET /api/v1/stamps/{serial}) gives all but
 * the entry, which names who stamped and approved (docs/web.md, "The stamp record"). Fails as
 * eseal_instance_stamp_receipt does: ESEAL_ENOTFOUND (an unknown serial, a stamp without entry),
 * ESEAL_ESTATE (a stamp never published, or no checkpoint covers its entry yet).
 */
ESEAL_EXTERN(int) eseal_instance_stamp_inclusion(eseal_instance *inst, eseal_receipt_parts *out, const char *serial);

ESEAL_END_DECL

#endif
