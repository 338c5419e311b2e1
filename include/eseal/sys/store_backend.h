/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — store backends (advanced API).
 *
 * A backend is a versioned table of operations; eseal_store_open() picks one
 * by the location's scheme ("sqlite:", later "postgresql:"). Callers of
 * store.h never see which. Every function returns ESEAL_OK or a negative code
 * with eseal_error_last() set; lookups return ESEAL_ENOTFOUND when nothing
 * matches.
 */
#ifndef ESEAL_SYS_STORE_BACKEND_H
#define ESEAL_SYS_STORE_BACKEND_H

#include "store.h"

ESEAL_BEGIN_DECL

#define ESEAL_STORE_BACKEND_VERSION 4

typedef struct {
    unsigned int version; /**< ESEAL_STORE_BACKEND_VERSION */
    const char *scheme;   /**< "sqlite", "postgresql" */
    int (*open)(void **db, const char *location);
    void (*close)(void *db);
    /** Creates or migrates the schema inside one transaction; reports the version reached. */
    int (*migrate)(void *db, int *schema_version);
    int (*begin)(void *db);
    int (*commit)(void *db);
    int (*rollback)(void *db);
    int (*cert_insert)(void *db, const eseal_cert_record *rec);
    int (*cert_find)(void *db, eseal_cert_record *out, const char *ref);
    /* The newest record (created, then insertion order) with role in hierarchy, revoked or not. */
    int (*cert_find_role)(void *db, eseal_cert_record *out, const char *role, const char *hierarchy);
    int (*cert_list)(void *db, int (*cb)(const eseal_cert_record *, void *), void *payload);
    int (*cert_revoke)(void *db, const char *id, int64_t at_ms, int reason);
    int (*counter_next)(void *db, const char *name, uint64_t *out);
    int (*crl_put)(void *db, const char *issuer_id, uint64_t number, const void *der, size_t len,
                   int64_t this_update_ms, int64_t next_update_ms);
    int (*crl_latest)(void *db, eseal_buf *der, const char *issuer_id);
    /* version 2: the seal registry */
    int (*seal_insert)(void *db, const eseal_seal_record *rec, const void *der, size_t len);
    int (*seal_find)(void *db, eseal_seal_record *out, eseal_buf *der, const char *ref);
    int (*seal_update)(void *db, const char *esid, const char *state, int64_t at_ms, const char *next_esid);
    int (*seal_receipt_put)(void *db, const char *esid, const void *der, size_t len);
    int (*seal_receipt)(void *db, eseal_buf *der, const char *esid);
    int (*seal_list)(void *db, int (*cb)(const eseal_seal_record *, void *), void *payload);
    int (*seal_event_add)(void *db, const eseal_seal_event *ev, int64_t *seq);
    int (*seal_events)(void *db, const char *esid, int (*cb)(const eseal_seal_event *, void *), void *payload);
    /* version 3: a block of counter values in one durable step (see eseal_store_counter_reserve) */
    int (*counter_reserve)(void *db, const char *name, uint64_t n, uint64_t floor, uint64_t *first);
    /* version 4: the audit log, stamps, named values (see store.h) */
    int (*log_state)(void *db, eseal_buf *out);
    int (*log_state_put)(void *db, const void *state, size_t len);
    int (*log_entries_put)(void *db, uint64_t first, const eseal_store_bytes *entries, size_t n);
    int (*log_entry)(void *db, eseal_buf *out, uint64_t index);
    int (*log_entries)(void *db, uint64_t from, uint64_t to,
                       int (*cb)(uint64_t index, const void *data, size_t len, void *payload), void *payload);
    int (*log_tile)(void *db, eseal_buf *out, unsigned level, uint64_t n);
    int (*log_tile_put)(void *db, unsigned level, uint64_t n, const void *data, size_t len);
    int (*log_checkpoint_put)(void *db, uint64_t size, const char *note, int64_t at_ms);
    int (*log_checkpoint)(void *db, eseal_buf *note, uint64_t size, uint64_t *size_out);
    int (*log_checkpoints)(void *db, int (*cb)(uint64_t size, const char *note, int64_t at_ms, void *payload),
                           void *payload);
    int (*log_private_put)(void *db, uint64_t index, const char *kind, const void *data, size_t len);
    int (*log_private)(void *db, eseal_buf *out, uint64_t index, const char *kind);
    int (*log_private_erase)(void *db, uint64_t index, const char *kind);
    int (*meta)(void *db, eseal_buf *out, const char *name);
    int (*meta_put)(void *db, const char *name, const void *data, size_t len);
    int (*stamp_insert)(void *db, const eseal_stamp_record *rec);
    int (*stamp_find)(void *db, eseal_stamp_record *out, const char *serial);
    int (*stamp_receipt_put)(void *db, const char *serial, const char *receipt);
} eseal_store_backend;

/** The built-in SQLite backend. */
ESEAL_EXTERN(const eseal_store_backend *) eseal_store_backend_sqlite(void);

ESEAL_END_DECL

#endif
