/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — store backends (advanced API).
 *
 * A store is one database and five concerns, each served by a small backend (the shape of
 * libgit2's object database: backends as versioned tables added with a priority,
 * git_odb_add_backend):
 *
 *  - the database (eseal_store_db): the connection, the schema and its migrations, and the
 *    transaction. Every concern of one store lives in the same database, so ONE transaction spans
 *    them: a stamp's audit entry and its stamp record, a seal's transition and its audit entry,
 *    commit or roll back together.
 *  - the registry (eseal_store_registry_backend): seals, their lifecycle events and filing
 *    receipts, stamps. What the public registry answers from ("was seal X valid at T", "what is
 *    stamp S").
 *  - PKI (eseal_store_pki_backend): certificate records, CRLs and the counters that number signed
 *    objects (CRL numbers, time-stamp serials, filing-receipt serials). What the CA and the
 *    responders read.
 *  - the log (eseal_store_log_backend): the audit log's state, entries, tiles, checkpoints, the
 *    private values kept beside entries (salts, tokens) and small named values (the publisher's
 *    and witnesses' state). Append-mostly and read by the tile server; the concern most likely to
 *    be tuned on its own (partitions, another tablespace).
 *  - the accounts (eseal_store_accounts_backend, issue 19): organisations, users with their
 *    password hashes, API tokens (kept as their SHA-256 only) and the login throttle's counters.
 *    What authentication and the front door's account calls read and write.
 *  - governance (eseal_store_governance_backend, issue 20): grants (with their use counts) and
 *    the organisations' templates. What every stamp of a user reads, and counts a use in.
 *
 * The split follows who reads and writes the rows, not the tables: each concern is a few tables
 * that a PostgreSQL backend writes as plain SQL.
 *
 * The shared rules are above the backends, in the store (eseal/sys/store.h, src/store/store.c):
 * argument checks and size limits; which forms a reference may take (an exact id, serial or
 * fingerprint; an id prefix of at least 4 characters) and their case; ambiguity; and the wording
 * of "not found", "ambiguous" and "already recorded". A backend answers plain questions: "the ids
 * of the rows whose id is / starts with K, at most `max`", "the row with id K". ESEAL_ENOTFOUND
 * (no such row), ESEAL_EEXISTS (the key is taken) and, for cert_revoke, ESEAL_ESTATE (no
 * unrevoked row) are answers: a backend returns them without a message and the store words them.
 * Every other failure is ESEAL_ESTORE (or ESEAL_ENOMEM, ESEAL_ELIMIT) with eseal_error_last() set
 * by the backend.
 *
 * Backends are objects, like git_odb_backend: every function receives the backend it was called
 * on; an implementation puts the public struct first in a struct of its own to keep its state
 * (its database connection). A function left NULL makes the call fail with ESEAL_EUNSUPPORTED,
 * so a small backend (a test's) implements only what it needs.
 *
 * Registration: eseal_store_open() picks the scheme from the location ("sqlite:PATH" or a plain
 * path; "postgresql://..." or "postgres://..."), which opens the database and makes its five
 * concern backends, added at priority 0. eseal_store_add_*_backend() adds another backend for one
 * concern: every call of that concern then goes to the backend of highest priority (the one added
 * last among equals). Unlike libgit2's odb, reads do not fall through to lower backends: registry
 * and PKI rows are changed in place, and a read answered by another backend than the writer's
 * would find rows the writer cannot change. A backend takes part in the store's transactions
 * through the database it uses: a wrapper around the store's own backend (obtained with
 * eseal_store_*_backend()) does; one that keeps its rows elsewhere does not.
 *
 * The store owns what it was given: eseal_store_close() calls each backend's `free` (may be NULL),
 * concern by concern, the most recently added first (a wrapper before what it wraps), and the
 * database's last.
 */
#ifndef ESEAL_SYS_STORE_BACKEND_H
#define ESEAL_SYS_STORE_BACKEND_H

#include "store.h"

ESEAL_BEGIN_DECL

/** The longest id a backend hands back from a lookup (esIDs, certificate ids): 256 bytes. */
#define ESEAL_STORE_ID_MAX 256

/** One id a lookup found (NUL-terminated). */
typedef struct {
    char id[ESEAL_STORE_ID_MAX + 1];
} eseal_store_id;

/** What a lookup compares the key with. */
typedef enum {
    ESEAL_STORE_MATCH_ID = 1,      /**< the id equals the key */
    ESEAL_STORE_MATCH_PREFIX,      /**< the id starts with the key */
    ESEAL_STORE_MATCH_SERIAL,      /**< certificates: the serial (upper-case hex) equals the key */
    ESEAL_STORE_MATCH_FINGERPRINT, /**< certificates: the fingerprint (lower-case hex) equals the key */
    ESEAL_STORE_MATCH_CODE,        /**< organisations: the unified social credit code (upper-case) equals the key */
    ESEAL_STORE_MATCH_NAME,        /**< organisations: the name equals the key (exact, case-sensitive) */
    ESEAL_STORE_MATCH_IDENTIFIER,  /**< organisations: the organisation identifier equals the key (exact) */
} eseal_store_match;

/* ---- the database ------------------------------------------------------------------------- */

#define ESEAL_STORE_DB_VERSION 1

typedef struct eseal_store_db eseal_store_db;

/** The connection all concerns of one store share. */
struct eseal_store_db {
    unsigned int version; /**< ESEAL_STORE_DB_VERSION */
    /** Creates or migrates the schema of every concern inside one transaction; reports the version reached. */
    int (*migrate)(eseal_store_db *db, int *schema_version);
    int (*begin)(eseal_store_db *db);
    int (*commit)(eseal_store_db *db);
    int (*rollback)(eseal_store_db *db);
    void (*free)(eseal_store_db *db);
};

/* ---- the registry: seals, seal events, filing receipts, stamps ---------------------------- */

#define ESEAL_STORE_REGISTRY_BACKEND_VERSION 1

typedef struct eseal_store_registry_backend eseal_store_registry_backend;

struct eseal_store_registry_backend {
    unsigned int version; /**< ESEAL_STORE_REGISTRY_BACKEND_VERSION */
    /** ESEAL_EEXISTS when the esID is taken. */
    int (*seal_insert)(eseal_store_registry_backend *be, const eseal_seal_record *rec, const void *der, size_t len);
    /** The esIDs matching `key` (ESEAL_STORE_MATCH_ID or _PREFIX, case-sensitive), at most `max`, into ids; *n gets how many. */
    int (*seal_ids)(eseal_store_registry_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                    size_t max, size_t *n);
    /** The seal with esID `esid`; `der` (may be NULL) receives its DER. ESEAL_ENOTFOUND. */
    int (*seal_get)(eseal_store_registry_backend *be, eseal_seal_record *out, eseal_buf *der, const char *esid);
    /** Sets state and updated time, and next_esid when not NULL. ESEAL_ENOTFOUND. */
    int (*seal_update)(eseal_store_registry_backend *be, const char *esid, const char *state, int64_t at_ms,
                       const char *next_esid);
    /** ESEAL_ENOTFOUND when there is no such seal. */
    int (*seal_receipt_put)(eseal_store_registry_backend *be, const char *esid, const void *der, size_t len);
    /** ESEAL_ENOTFOUND when there is no such seal or it has no receipt. */
    int (*seal_receipt)(eseal_store_registry_backend *be, eseal_buf *der, const char *esid);
    /** Every seal, oldest first (created, then insertion order); a non-zero return of cb stops and is returned. */
    int (*seal_list)(eseal_store_registry_backend *be, int (*cb)(const eseal_seal_record *, void *), void *payload);
    /** Appends with the next sequence number of that seal (1 for the first); *seq (may be NULL) gets it. */
    int (*seal_event_add)(eseal_store_registry_backend *be, const eseal_seal_event *ev, int64_t *seq);
    int (*seal_events)(eseal_store_registry_backend *be, const char *esid,
                       int (*cb)(const eseal_seal_event *, void *), void *payload);
    /** ESEAL_EEXISTS when the serial is taken. Serials arrive upper-case (the store folds them). */
    int (*stamp_insert)(eseal_store_registry_backend *be, const eseal_stamp_record *rec);
    /** The stamp with that serial; ESEAL_ENOTFOUND. */
    int (*stamp_get)(eseal_store_registry_backend *be, eseal_stamp_record *out, const char *serial);
    /** ESEAL_ENOTFOUND when there is no such stamp. */
    int (*stamp_receipt_put)(eseal_store_registry_backend *be, const char *serial, const char *receipt);
    void (*free)(eseal_store_registry_backend *be);
};

/* ---- PKI: certificate records, CRLs, counters ---------------------------------------------- */

/* Version 2 (issue 18): cert_list_roles, so that a verification's trust set reads only the CA rows
 * (a store with every certificate ever issued would otherwise be read whole at each load).
 * Version 3 (issue 24): the imported trust lists (trusted_list_*), the anchors of other platforms. */
#define ESEAL_STORE_PKI_BACKEND_VERSION 3

typedef struct eseal_store_pki_backend eseal_store_pki_backend;

struct eseal_store_pki_backend {
    unsigned int version; /**< ESEAL_STORE_PKI_BACKEND_VERSION */
    /** ESEAL_EEXISTS when the id, the fingerprint or (issuer, serial) is taken. */
    int (*cert_insert)(eseal_store_pki_backend *be, const eseal_cert_record *rec);
    /** The ids of the records matching `key` (any eseal_store_match), at most `max`. Keys arrive in the case stored. */
    int (*cert_ids)(eseal_store_pki_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                    size_t max, size_t *n);
    /** The record with id `id`; ESEAL_ENOTFOUND. */
    int (*cert_get)(eseal_store_pki_backend *be, eseal_cert_record *out, const char *id);
    /** The newest record (created, then insertion order) with `role` in `hierarchy`, revoked or not; ESEAL_ENOTFOUND. */
    int (*cert_newest)(eseal_store_pki_backend *be, eseal_cert_record *out, const char *role, const char *hierarchy);
    /** Every record, oldest first (created, then insertion order). */
    int (*cert_list)(eseal_store_pki_backend *be, int (*cb)(const eseal_cert_record *, void *), void *payload);
    /**
     * The records whose role is one of roles[0..n) (1 <= n <= ESEAL_STORE_MAX_ROLES, exact
     * comparison), in cert_list's order (created, then insertion order), rows of other roles never
     * read: a plain filtered query on the role (SQLite: the index certs_role(role, hierarchy); SQL:
     * "WHERE role IN (...) ORDER BY created, <insertion order>"). A non-zero return of cb stops
     * and is returned.
     */
    int (*cert_list_roles)(eseal_store_pki_backend *be, const char *const *roles, size_t n,
                           int (*cb)(const eseal_cert_record *, void *), void *payload);
    /** Marks the record revoked; ESEAL_ESTATE when there is no unrevoked record with that id. */
    int (*cert_revoke)(eseal_store_pki_backend *be, const char *id, int64_t at_ms, int reason);
    /**
     * Raises counter `name` (absent: 0) to max(value, floor) + n in one durable step and reports
     * the new value in *last. eseal_store_counter_next is this with n = 1, floor = 0.
     */
    int (*counter_add)(eseal_store_pki_backend *be, const char *name, uint64_t n, uint64_t floor, uint64_t *last);
    int (*crl_put)(eseal_store_pki_backend *be, const char *issuer_id, uint64_t number, const void *der, size_t len,
                   int64_t this_update_ms, int64_t next_update_ms);
    /** The CRL with the highest number for issuer_id; ESEAL_ENOTFOUND. */
    int (*crl_latest)(eseal_store_pki_backend *be, eseal_buf *der, const char *issuer_id);
    /** Version 3: inserts, or replaces the list of the same name (one statement). */
    int (*trusted_list_put)(eseal_store_pki_backend *be, const eseal_trusted_list_record *rec, const void *jws,
                            size_t len);
    /** Version 3: the list `name`; `jws` may be NULL. ESEAL_ENOTFOUND. */
    int (*trusted_list_get)(eseal_store_pki_backend *be, eseal_trusted_list_record *out, eseal_buf *jws,
                            const char *name);
    /** Version 3: every list, in name order (bytewise); a non-zero return of cb stops and is returned. */
    int (*trusted_list_each)(eseal_store_pki_backend *be,
                             int (*cb)(const eseal_trusted_list_record *, const void *, size_t, void *), void *payload);
    /** Version 3: ESEAL_ENOTFOUND when there is no list of that name. */
    int (*trusted_list_delete)(eseal_store_pki_backend *be, const char *name);
    void (*free)(eseal_store_pki_backend *be);
};

/* ---- the audit log: state, entries, tiles, checkpoints, private values, named values ---------- */

#define ESEAL_STORE_LOG_BACKEND_VERSION 1

typedef struct eseal_store_log_backend eseal_store_log_backend;

struct eseal_store_log_backend {
    unsigned int version; /**< ESEAL_STORE_LOG_BACKEND_VERSION */
    /** ESEAL_ENOTFOUND before any state was written. */
    int (*state)(eseal_store_log_backend *be, eseal_buf *out);
    int (*state_put)(eseal_store_log_backend *be, const void *state, size_t len);
    /** ESEAL_EEXISTS when one of the indices is taken (then none is stored: the store's transaction rolls back). */
    int (*entries_put)(eseal_store_log_backend *be, uint64_t first, const eseal_store_bytes *entries, size_t n);
    /** ESEAL_ENOTFOUND. */
    int (*entry)(eseal_store_log_backend *be, eseal_buf *out, uint64_t index);
    /** The stored entries with from <= index < to, in index order (the store checks there is no gap). */
    int (*entries)(eseal_store_log_backend *be, uint64_t from, uint64_t to,
                   int (*cb)(uint64_t index, const void *data, size_t len, void *payload), void *payload);
    /** ESEAL_ENOTFOUND. */
    int (*tile)(eseal_store_log_backend *be, eseal_buf *out, unsigned level, uint64_t n);
    /** Replaces the tile's previous version. */
    int (*tile_put)(eseal_store_log_backend *be, unsigned level, uint64_t n, const void *data, size_t len);
    /** A note of the same size is replaced (more cosignatures); its time stays the first one's. */
    int (*checkpoint_put)(eseal_store_log_backend *be, uint64_t size, const char *note, int64_t at_ms);
    /** The checkpoint of `size`, or the largest when size is UINT64_MAX; ESEAL_ENOTFOUND. */
    int (*checkpoint)(eseal_store_log_backend *be, eseal_buf *note, uint64_t size, uint64_t *size_out);
    /** Every checkpoint, smallest size first. */
    int (*checkpoints)(eseal_store_log_backend *be, int (*cb)(uint64_t size, const char *note, int64_t at_ms,
                                                             void *payload),
                       void *payload);
    /** Replaces a previous value of the same (index, kind). */
    int (*private_put)(eseal_store_log_backend *be, uint64_t index, const char *kind, const void *data, size_t len);
    /** ESEAL_ENOTFOUND. */
    int (*private_get)(eseal_store_log_backend *be, eseal_buf *out, uint64_t index, const char *kind);
    /** ESEAL_ENOTFOUND when there was none. */
    int (*private_erase)(eseal_store_log_backend *be, uint64_t index, const char *kind);
    /** ESEAL_ENOTFOUND. */
    int (*meta)(eseal_store_log_backend *be, eseal_buf *out, const char *name);
    int (*meta_put)(eseal_store_log_backend *be, const char *name, const void *data, size_t len);
    void (*free)(eseal_store_log_backend *be);
};

/* ---- the accounts: organisations, users, API tokens, the login throttle -------------------- */

/* 2: eseal_org has its organisation identifier (org_insert keeps it, ESEAL_STORE_MATCH_IDENTIFIER). */
#define ESEAL_STORE_ACCOUNTS_BACKEND_VERSION 2

typedef struct eseal_store_accounts_backend eseal_store_accounts_backend;

/*
 * Strings arrive checked against the bounds of eseal/accounts.h and in the case stored (logins
 * lower-case, codes upper-case, digests lower-case hex); a record read back whose string does not
 * fit its array is ESEAL_ESTORE. "" for an organisation's uscc or identifier or a user's org_id means
 * none (two organisations without a code or an identifier do not collide). Lists are oldest first: created, then insertion
 * order; a non-zero return of cb stops and is returned.
 */
struct eseal_store_accounts_backend {
    unsigned int version; /**< ESEAL_STORE_ACCOUNTS_BACKEND_VERSION */
    /** ESEAL_EEXISTS when the id, the name, the uscc or the identifier is taken (no message: the store asks which). */
    int (*org_insert)(eseal_store_accounts_backend *be, const eseal_org *org);
    /** how: ESEAL_STORE_MATCH_ID (the id), ESEAL_STORE_MATCH_CODE (uscc), ESEAL_STORE_MATCH_NAME,
     * ESEAL_STORE_MATCH_IDENTIFIER (exactly: never a prefix, nor another case); ESEAL_ENOTFOUND. */
    int (*org_get)(eseal_store_accounts_backend *be, eseal_org *out, eseal_store_match how, const char *key);
    int (*org_list)(eseal_store_accounts_backend *be, int (*cb)(const eseal_org *, void *), void *payload);
    /** ESEAL_EEXISTS when the login is taken; ESEAL_ENOTFOUND when org_id (not "") names no organisation. */
    int (*user_insert)(eseal_store_accounts_backend *be, const eseal_user *u, const char *pw_hash);
    /** pw_hash may be NULL, else ESEAL_STORE_PW_HASH_MAX + 1 bytes. ESEAL_ENOTFOUND. */
    int (*user_get)(eseal_store_accounts_backend *be, eseal_user *out, char *pw_hash, const char *login);
    /** The users of org_id (NULL: all). */
    int (*user_list)(eseal_store_accounts_backend *be, const char *org_id, int (*cb)(const eseal_user *, void *),
                     void *payload);
    /** roles NULL, status 0 and pw_hash NULL keep the stored value; updated = at_ms. ESEAL_ENOTFOUND. */
    int (*user_update)(eseal_store_accounts_backend *be, const char *login, const char *roles, int status,
                       const char *pw_hash, int64_t at_ms);
    /** ESEAL_EEXISTS when the id or the digest is taken; ESEAL_ENOTFOUND when the login names no user. */
    int (*token_insert)(eseal_store_accounts_backend *be, const eseal_token_info *t, const char *digest_hex);
    /** ESEAL_ENOTFOUND. */
    int (*token_by_digest)(eseal_store_accounts_backend *be, eseal_token_info *out, const char *digest_hex);
    /** ESEAL_ENOTFOUND. */
    int (*token_get)(eseal_store_accounts_backend *be, eseal_token_info *out, const char *id);
    /** The tokens of login (NULL: those whose org_id is org_id; both NULL: all). */
    int (*token_list)(eseal_store_accounts_backend *be, const char *login, const char *org_id,
                      int (*cb)(const eseal_token_info *, void *), void *payload);
    /** A 0 keeps the stored value. ESEAL_ENOTFOUND. */
    int (*token_update)(eseal_store_accounts_backend *be, const char *id, int64_t last_used_ms, int64_t revoked_ms);
    /** Both 0 when the key has no row. */
    int (*throttle_get)(eseal_store_accounts_backend *be, const char *key, uint32_t *failures, int64_t *until_ms);
    /** failures 0 removes the row. */
    int (*throttle_put)(eseal_store_accounts_backend *be, const char *key, uint32_t failures, int64_t until_ms);
    /** Sessions, by the SHA-256 hex of their id: ESEAL_EEXISTS when the digest is taken. */
    int (*session_insert)(eseal_store_accounts_backend *be, const char *digest_hex, const char *login,
                          const char *csrf_digest_hex, int64_t created_ms);
    /** ESEAL_ENOTFOUND. */
    int (*session_get)(eseal_store_accounts_backend *be, const char *digest_hex, char login[ESEAL_LOGIN_MAX + 1],
                       char csrf_digest_hex[65], int64_t *created_ms, int64_t *last_ms);
    /** ESEAL_ENOTFOUND. */
    int (*session_touch)(eseal_store_accounts_backend *be, const char *digest_hex, int64_t at_ms);
    /** The session digest_hex (ESEAL_ENOTFOUND when none), or with digest_hex NULL every session of login. */
    int (*session_end)(eseal_store_accounts_backend *be, const char *digest_hex, const char *login);
    void (*free)(eseal_store_accounts_backend *be);
};

/* ---- governance (issue 20): grants and templates ------------------------------------------- */

/* Version 2 (issue 20 §3): webhooks and deliveries appended; version 3 (issue 20 §2): stamp requests,
 * their documents and decisions; version 4 (issue 23 §4): devices, unlocks, impressions; version 5: the
 * impressions a request's unlocks hold (unlock_committed). A backend of an older version is refused. */
#define ESEAL_STORE_GOVERNANCE_BACKEND_VERSION 5

typedef struct eseal_store_governance_backend eseal_store_governance_backend;

/*
 * Records arrive checked (eseal_grant_check, the bounds of eseal/governance.h); ids and digests
 * in the case stored (lower-case). Lists are oldest first: created, then insertion order; a
 * non-zero return of cb stops and is returned.
 */
struct eseal_store_governance_backend {
    unsigned int version; /**< ESEAL_STORE_GOVERNANCE_BACKEND_VERSION */
    /** ESEAL_EEXISTS when the id is taken; ESEAL_ENOTFOUND when the organisation or parent is unknown. */
    int (*grant_insert)(eseal_store_governance_backend *be, const eseal_grant *g);
    /** ESEAL_ENOTFOUND. */
    int (*grant_get)(eseal_store_governance_backend *be, eseal_grant *out, const char *id);
    /** Those of `seal` (not NULL), else of `org_id` (not NULL), else all. */
    int (*grant_list)(eseal_store_governance_backend *be, const char *org_id, const char *seal,
                      int (*cb)(const eseal_grant *, void *), void *payload);
    /** ESEAL_ENOTFOUND (no unrevoked grant `id`: the store asks which). */
    int (*grant_revoke)(eseal_store_governance_backend *be, const char *id, int64_t at_ms);
    /** uses + 1 if unrevoked and below max_uses (0: no limit), in one statement; ESEAL_ESTATE otherwise. */
    int (*grant_use)(eseal_store_governance_backend *be, const char *id);
    /** ESEAL_EEXISTS (org_id, sha256) taken; ESEAL_ENOTFOUND unknown organisation. */
    int (*template_insert)(eseal_store_governance_backend *be, const eseal_template *t, const void *bytes, size_t len);
    /** ESEAL_ENOTFOUND; `bytes` may be NULL. */
    int (*template_get)(eseal_store_governance_backend *be, eseal_template *out, eseal_buf *bytes,
                        const char *org_id, const char *sha256);
    /** Those of `org_id` (NULL: all). */
    int (*template_list)(eseal_store_governance_backend *be, const char *org_id,
                         int (*cb)(const eseal_template *, void *), void *payload);
    void (*free)(eseal_store_governance_backend *be);
    /* ---- version 2 (issue 20 §3): webhooks and their deliveries (docs/webhooks.md) ---- */
    /** ESEAL_EEXISTS id taken; ESEAL_ENOTFOUND unknown organisation. */
    int (*webhook_insert)(eseal_store_governance_backend *be, const eseal_webhook *w);
    /** ESEAL_ENOTFOUND. */
    int (*webhook_get)(eseal_store_governance_backend *be, eseal_webhook *out, const char *id);
    /** Those of `org_id` (NULL: all), oldest first. */
    int (*webhook_list)(eseal_store_governance_backend *be, const char *org_id,
                        int (*cb)(const eseal_webhook *, void *), void *payload);
    /** Removes the webhook and its deliveries; ESEAL_ENOTFOUND. */
    int (*webhook_remove)(eseal_store_governance_backend *be, const char *id);
    /** ESEAL_EEXISTS id taken; ESEAL_ENOTFOUND unknown webhook. */
    int (*delivery_insert)(eseal_store_governance_backend *be, const eseal_delivery *d);
    /** ESEAL_ENOTFOUND. */
    int (*delivery_get)(eseal_store_governance_backend *be, eseal_delivery *out, const char *id);
    /** Those of `webhook_id`, newest first (created, then insertion order), at most `max`. */
    int (*delivery_list)(eseal_store_governance_backend *be, const char *webhook_id, size_t max,
                         int (*cb)(const eseal_delivery *, void *), void *payload);
    /** The pending ones with next_attempt <= now_ms, soonest first, at most `max`. */
    int (*delivery_due)(eseal_store_governance_backend *be, int64_t now_ms, size_t max,
                        int (*cb)(const eseal_delivery *, void *), void *payload);
    /** Writes status, attempts, next_attempt, last_status, last_error, updated of d->id; ESEAL_ENOTFOUND. */
    int (*delivery_update)(eseal_store_governance_backend *be, const eseal_delivery *d);
    /** Moves a pending delivery's next_attempt from `expect_ms` to `until_ms` in one conditional
     *  statement; ESEAL_ESTATE when it is not pending at expect_ms any more (another sender took it). */
    int (*delivery_claim)(eseal_store_governance_backend *be, const char *id, int64_t expect_ms, int64_t until_ms);
    /* ---- version 3 (issue 20 §2): stamp requests (docs/requests.md); as eseal/sys/store.h says ---- */
    /** The request and its documents in one transaction (or the caller's). ESEAL_EEXISTS, ESEAL_ENOTFOUND (organisation). */
    int (*request_insert)(eseal_store_governance_backend *be, const eseal_request *r, const eseal_request_doc *docs,
                          size_t n);
    /** ESEAL_ENOTFOUND. */
    int (*request_get)(eseal_store_governance_backend *be, eseal_request *out, const char *id);
    /** Newest first; filters as eseal_store_request_list. */
    int (*request_list)(eseal_store_governance_backend *be, const char *org_id, eseal_request_status status,
                        const char *requester, int (*cb)(const eseal_request *, void *), void *payload);
    /** One conditional statement; ESEAL_ESTATE when not at (from_status, from_step); ESEAL_ENOTFOUND. */
    int (*request_advance)(eseal_store_governance_backend *be, const char *id, eseal_request_status from_status,
                           unsigned int from_step, eseal_request_status to_status, unsigned int to_step, int64_t at_ms);
    /** By index. */
    int (*request_docs)(eseal_store_governance_backend *be, const char *id,
                        int (*cb)(const eseal_request_doc *, void *), void *payload);
    /** Conditional statements; ESEAL_ESTATE when no unstamped document has that SHA-256 or the request is not approved. */
    int (*request_doc_stamped)(eseal_store_governance_backend *be, const char *id, const char *sha256,
                               const char *serial, int64_t log_index, int64_t at_ms, int64_t *index);
    /** ESEAL_EEXISTS (request_id, approver) taken; ESEAL_ENOTFOUND unknown request. */
    int (*decision_insert)(eseal_store_governance_backend *be, const eseal_decision *d);
    /** In the order made. */
    int (*decision_list)(eseal_store_governance_backend *be, const char *id,
                         int (*cb)(const eseal_decision *, void *), void *payload);
    /** As eseal_store_request_doc_unstamp (none stamped by that entry: ESEAL_OK, nothing changes). */
    int (*request_doc_unstamp)(eseal_store_governance_backend *be, int64_t log_index);
    /** The mutable fields of g->id (types, templates, window, max_uses, approval, delegable) in one conditional
     * statement; ESEAL_ENOTFOUND (no unrevoked grant g->id: the store asks which). */
    int (*grant_update)(eseal_store_governance_backend *be, const eseal_grant *g);
    /* ---- version 4 (issue 23 §4): smart physical seals (docs/devices.md); as eseal/sys/store.h says ---- */
    /** ESEAL_EEXISTS id taken; ESEAL_ENOTFOUND unknown organisation. */
    int (*device_insert)(eseal_store_governance_backend *be, const eseal_device *d);
    /** ESEAL_ENOTFOUND. */
    int (*device_get)(eseal_store_governance_backend *be, eseal_device *out, const char *id);
    /** Those of `seal` (not NULL), else of `org_id` (not NULL), else all; oldest first. */
    int (*device_list)(eseal_store_governance_backend *be, const char *org_id, const char *seal,
                       int (*cb)(const eseal_device *, void *), void *payload);
    /** One conditional statement; ESEAL_ENOTFOUND (no active device `id`: the store asks which). */
    int (*device_retire)(eseal_store_governance_backend *be, const char *id, int64_t at_ms);
    /** ESEAL_EEXISTS id or (device, nonce) taken; ESEAL_ENOTFOUND unknown device or request. */
    int (*unlock_insert)(eseal_store_governance_backend *be, const eseal_unlock *u);
    /** ESEAL_ENOTFOUND. */
    int (*unlock_get)(eseal_store_governance_backend *be, eseal_unlock *out, const char *id);
    /** used + 1 when used < impressions, in one statement; ESEAL_ESTATE otherwise. */
    int (*unlock_use)(eseal_store_governance_backend *be, const char *id);
    /** ESEAL_EEXISTS (unlock, seq) taken; ESEAL_ENOTFOUND unknown unlock. */
    int (*impression_insert)(eseal_store_governance_backend *be, const eseal_impression *m);
    /** Those of `request_id`, in the order received. */
    int (*impression_list)(eseal_store_governance_backend *be, const char *request_id,
                           int (*cb)(const eseal_impression *, void *), void *payload);
    /* ---- version 5: the request as the limit of its impressions; as eseal/sys/store.h says ---- */
    /** Over the unlocks of `request_id`: used for those expired before now_ms, impressions for the others. */
    int (*unlock_committed)(eseal_store_governance_backend *be, const char *request_id, int64_t now_ms, int64_t *n);
};

/* ---- schemes and registration -------------------------------------------------------------- */

/* Version 2 (issue 19): open makes a fourth backend, the accounts'. Version 3 (issue 20): and
 * `governance` a fifth on the same database. */
#define ESEAL_STORE_SCHEME_VERSION 3

/** A kind of database: what eseal_store_open() finds by the location's scheme. */
typedef struct {
    unsigned int version; /**< ESEAL_STORE_SCHEME_VERSION */
    const char *scheme;   /**< "sqlite"; later "postgresql" */
    /**
     * Opens the database at `location` (the part after "scheme:") and makes the four concern
     * backends on it. On success the caller owns all five (the store frees them at close); on
     * failure nothing is left.
     */
    int (*open)(eseal_store_db **db, eseal_store_registry_backend **registry, eseal_store_pki_backend **pki,
                eseal_store_log_backend **log, eseal_store_accounts_backend **accounts, const char *location);
    /**
     * Version 3: makes the governance backend on the database `open` made (the store owns it from
     * then). NULL: the scheme has none, and governance calls fail with ESEAL_EUNSUPPORTED.
     */
    int (*governance)(eseal_store_db *db, eseal_store_governance_backend **out);
} eseal_store_scheme;

/** The built-in SQLite scheme (WAL, versioned migrations). */
ESEAL_EXTERN(const eseal_store_scheme *) eseal_store_scheme_sqlite(void);
/**
 * The built-in PostgreSQL scheme (issue 22): "postgresql://USER@HOST:PORT/DB?PARAMS" (or postgres://)
 * as libpq reads it, plus `schema=NAME` for the schema the instance's tables are in. libpq is loaded
 * with the first PostgreSQL store (ESEAL_EUNSUPPORTED when it cannot be). See docs/store.md.
 */
ESEAL_EXTERN(const eseal_store_scheme *) eseal_store_scheme_postgresql(void);

/**
 * Adds a backend for one concern (git_odb_add_backend): calls of that concern go to the backend
 * of highest priority from now on (the built-in ones have priority 0). The store owns `be` from
 * then (also when the call fails). ESEAL_EINVAL for a wrong version or a NULL backend, ESEAL_ELIMIT
 * past 8 backends for one concern.
 */
ESEAL_EXTERN(int) eseal_store_add_registry_backend(eseal_store *s, eseal_store_registry_backend *be, int priority);
ESEAL_EXTERN(int) eseal_store_add_pki_backend(eseal_store *s, eseal_store_pki_backend *be, int priority);
ESEAL_EXTERN(int) eseal_store_add_log_backend(eseal_store *s, eseal_store_log_backend *be, int priority);
ESEAL_EXTERN(int) eseal_store_add_accounts_backend(eseal_store *s, eseal_store_accounts_backend *be, int priority);
ESEAL_EXTERN(int) eseal_store_add_governance_backend(eseal_store *s, eseal_store_governance_backend *be, int priority);

/** The backend a concern's calls go to now (borrowed: the store still owns it); what a wrapper wraps. */
ESEAL_EXTERN(eseal_store_registry_backend *) eseal_store_registry_backend_current(eseal_store *s);
ESEAL_EXTERN(eseal_store_pki_backend *) eseal_store_pki_backend_current(eseal_store *s);
ESEAL_EXTERN(eseal_store_log_backend *) eseal_store_log_backend_current(eseal_store *s);
ESEAL_EXTERN(eseal_store_accounts_backend *) eseal_store_accounts_backend_current(eseal_store *s);
ESEAL_EXTERN(eseal_store_governance_backend *) eseal_store_governance_backend_current(eseal_store *s);

ESEAL_END_DECL

#endif
