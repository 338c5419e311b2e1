/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the store (advanced API, under sys/): certificate records, serial counters, CRLs, the
 * seal registry, the audit log's tables, stamps, and the accounts (organisations, users, API
 * tokens, login throttling).
 *
 * One interface over SQLite (the embedded default, WAL mode, versioned migrations) and, later,
 * PostgreSQL: the store keeps the rules (reference forms, ambiguity, limits, messages) and hands
 * plain questions to one small backend per concern, registry, PKI, log and accounts, all on one
 * database (sys/store_backend.h). Every change is a transaction; eseal_store_begin .. commit spans
 * all four.
 *
 * Not part of the front door: nothing here asks who is acting, checks the policy or writes an
 * audit entry. Programs change the platform's state through eseal/instance.h and eseal/log.h
 * (which take an eseal_principal); this header is for backends, the library itself and tests
 * of the store. eseal/eseal.h does not include it.
 */
#ifndef ESEAL_SYS_STORE_H
#define ESEAL_SYS_STORE_H

#include "../accounts.h"
#include "../governance.h"
#include "../device.h"
#include "../common.h"
#include "../records.h"

ESEAL_BEGIN_DECL

typedef struct eseal_store eseal_store;

/**
 * Opens a store. `location` is "sqlite:PATH" or a plain path (SQLite), or
 * "postgresql://USER@HOST:PORT/DB[?PARAMS]" (PostgreSQL, libpq's URI; PARAMS may add eseal's
 * `schema=NAME`). The schema is created when the database has none; an older one is migrated to
 * the current version on SQLite (one file, one machine) and refused on PostgreSQL until
 * eseal_store_migrate() (many processes share it: the upgrade is the operator's step). A schema
 * newer than this eseal is refused.
 */
ESEAL_EXTERN(int) eseal_store_open(eseal_store **out, const char *location);
/**
 * Applies the migrations a store's schema lacks (`eseal migrate`), on any scheme; *from gets the
 * version found, *to the version reached (equal when there was nothing to do). A newer schema is
 * refused (ESEAL_ESTORE).
 */
ESEAL_EXTERN(int) eseal_store_migrate(const char *location, int *from, int *to);
/**
 * Copies every row of the store at `from` into the store at `to` (`eseal store copy`; created when it
 * has no schema, and it must be empty: ESEAL_EEXISTS), e.g. an instance's SQLite file into PostgreSQL.
 * All or nothing on the target; the source is held under its write lock while it is read (stop the
 * instance's processes first). ESEAL_EUNSUPPORTED when either store is not SQL of eseal's drivers, or
 * the source has a table this eseal does not know. cb (may be NULL) hears each table with its row
 * count; a non-zero return stops the copy (ESEAL_ECANCELED, the target left empty).
 */
ESEAL_EXTERN(int) eseal_store_copy(const char *from, const char *to,
                                   int (*cb)(const char *table, uint64_t rows, void *payload), void *payload);
ESEAL_EXTERN(void) eseal_store_close(eseal_store *s);

/** The schema version after migration. */
ESEAL_EXTERN(int) eseal_store_schema_version(eseal_store *s, int *out);

ESEAL_EXTERN(int) eseal_store_begin(eseal_store *s);
ESEAL_EXTERN(int) eseal_store_commit(eseal_store *s);
ESEAL_EXTERN(int) eseal_store_rollback(eseal_store *s);

ESEAL_EXTERN(int) eseal_store_cert_insert(eseal_store *s, const eseal_cert_record *rec);
/**
 * Finds by id, serial or fingerprint (either case), else by a unique id prefix; `ref` has 4 to 128
 * characters (else ESEAL_EINVAL). Two records answering `ref` (by any of the forms) are ESEAL_EAMBIGUOUS;
 * none ESEAL_ENOTFOUND.
 */
ESEAL_EXTERN(int) eseal_store_cert_find(eseal_store *s, eseal_cert_record *out, const char *ref);
/**
 * The current record with `role` in `hierarchy`: the newest one (older ones are superseded).
 * ESEAL_ESTATE when the newest is revoked (the role then has no current certificate until it is
 * renewed: eseal_instance_ca_renew), ESEAL_ENOTFOUND when there is none.
 */
ESEAL_EXTERN(int) eseal_store_cert_find_role(eseal_store *s, eseal_cert_record *out, const char *role,
                                             const char *hierarchy);
/** Calls cb for every record, oldest first; a non-zero return from cb stops and is returned. */
ESEAL_EXTERN(int) eseal_store_cert_list(eseal_store *s, int (*cb)(const eseal_cert_record *rec, void *payload),
                                        void *payload);
/** At most this many roles in one eseal_store_cert_list_roles call. */
#define ESEAL_STORE_MAX_ROLES 8
/**
 * Calls cb for every record whose role is one of roles[0..n) (1 to ESEAL_STORE_MAX_ROLES of them),
 * oldest first, as eseal_store_cert_list would among them; the backend reads no other row. A
 * non-zero return from cb stops and is returned.
 */
ESEAL_EXTERN(int) eseal_store_cert_list_roles(eseal_store *s, const char *const *roles, size_t n,
                                              int (*cb)(const eseal_cert_record *rec, void *payload), void *payload);
/** Marks a record revoked. ESEAL_ESTATE when it already is. */
ESEAL_EXTERN(int) eseal_store_cert_revoke(eseal_store *s, const char *id, int64_t at_ms, int reason);
/** Next value of a named monotonic counter (starts at 1). */
ESEAL_EXTERN(int) eseal_store_counter_next(eseal_store *s, const char *name, uint64_t *out);
/**
 * Reserves the `n` (1 .. 2^20) next values of a named counter in one durable
 * transaction: *first .. *first + n - 1, all above `floor` (0: none), never
 * handed out again by any process sharing the store. The values of a block
 * its holder does not use (a crash, a stop) are skipped, not reused.
 */
ESEAL_EXTERN(int) eseal_store_counter_reserve(eseal_store *s, const char *name, uint64_t n, uint64_t floor,
                                              uint64_t *first);
ESEAL_EXTERN(int) eseal_store_crl_put(eseal_store *s, const char *issuer_id, uint64_t number, const void *der,
                                      size_t len, int64_t this_update_ms, int64_t next_update_ms);
/** The CRL with the highest number for issuer_id. */
ESEAL_EXTERN(int) eseal_store_crl_latest(eseal_store *s, eseal_buf *der, const char *issuer_id);

/** The largest trust list the store keeps (the JWS as received): ESEAL_TRUSTLIST_MAX_BYTES of trustlist.h. */
#define ESEAL_TRUSTLIST_STORE_MAX (4u << 20)
/**
 * Keeps an imported trust list (issue 24): the record and the list as received (the JWS), replacing
 * the one of the same name. The caller has checked the list; the store keeps what it is given.
 */
ESEAL_EXTERN(int) eseal_store_trusted_list_put(eseal_store *s, const eseal_trusted_list_record *rec, const void *jws,
                                               size_t len);
/** The imported list `name`; `jws` (may be NULL) receives the list as received. ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_trusted_list_get(eseal_store *s, eseal_trusted_list_record *out, eseal_buf *jws,
                                               const char *name);
/** Every imported list, in name order; a non-zero return of cb stops and is returned. */
ESEAL_EXTERN(int) eseal_store_trusted_list_each(eseal_store *s,
                                                int (*cb)(const eseal_trusted_list_record *rec, const void *jws,
                                                          size_t len, void *payload),
                                                void *payload);
/** Forgets the imported list `name`. ESEAL_ENOTFOUND when there is none. */
ESEAL_EXTERN(int) eseal_store_trusted_list_delete(eseal_store *s, const char *name);

/** Records a new seal and its DER. ESEAL_EEXISTS when the esID is taken. */
ESEAL_EXTERN(int) eseal_store_seal_insert(eseal_store *s, const eseal_seal_record *rec, const void *der, size_t len);
/**
 * Finds by esID (case-sensitive) or a unique esID prefix; `ref` has 4 to 256 characters (else
 * ESEAL_EINVAL). `der` (may be NULL) receives the seal. ESEAL_EAMBIGUOUS / ESEAL_ENOTFOUND.
 */
ESEAL_EXTERN(int) eseal_store_seal_find(eseal_store *s, eseal_seal_record *out, eseal_buf *der, const char *ref);
/** Sets the current state (and updated time); next_esid too when not NULL. */
ESEAL_EXTERN(int) eseal_store_seal_update(eseal_store *s, const char *esid, const char *state, int64_t at_ms,
                                          const char *next_esid);
/** Stores the signed filing receipt of a seal. */
ESEAL_EXTERN(int) eseal_store_seal_receipt_put(eseal_store *s, const char *esid, const void *der, size_t len);
/** The filing receipt; ESEAL_ENOTFOUND when the seal was not filed. */
ESEAL_EXTERN(int) eseal_store_seal_receipt(eseal_store *s, eseal_buf *der, const char *esid);
/** Calls cb for every seal, oldest first. */
ESEAL_EXTERN(int) eseal_store_seal_list(eseal_store *s, int (*cb)(const eseal_seal_record *rec, void *payload),
                                        void *payload);
/** Appends an event; ev->seq is ignored and set to the next number. */
ESEAL_EXTERN(int) eseal_store_seal_event_add(eseal_store *s, const eseal_seal_event *ev, int64_t *seq);
/** Calls cb for the events of one seal, in order. */
ESEAL_EXTERN(int) eseal_store_seal_events(eseal_store *s, const char *esid,
                                          int (*cb)(const eseal_seal_event *ev, void *payload), void *payload);

/* ---- the audit log (schema 3; the service layer owns the meaning) ---------- */

/** A borrowed byte string. */
typedef struct {
    const void *data;
    size_t len;
} eseal_store_bytes;

/** The log's state (the service's encoding of size, root and right edge); ESEAL_ENOTFOUND before any. */
ESEAL_EXTERN(int) eseal_store_log_state(eseal_store *s, eseal_buf *out);
ESEAL_EXTERN(int) eseal_store_log_state_put(eseal_store *s, const void *state, size_t len);
/** Stores entries first .. first + n - 1 (at most 65,535 bytes each); ESEAL_EEXISTS when an index is taken. */
ESEAL_EXTERN(int) eseal_store_log_entries_put(eseal_store *s, uint64_t first, const eseal_store_bytes *entries,
                                              size_t n);
/** Entry `index`; ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_log_entry(eseal_store *s, eseal_buf *out, uint64_t index);
/** Calls cb for the entries from .. to - 1 in order; a missing index is ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_log_entries(eseal_store *s, uint64_t from, uint64_t to,
                                          int (*cb)(uint64_t index, const void *data, size_t len, void *payload),
                                          void *payload);
/** The latest version of hash tile (level, n) (C2SP tlog-tiles); ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_log_tile(eseal_store *s, eseal_buf *out, unsigned level, uint64_t n);
ESEAL_EXTERN(int) eseal_store_log_tile_put(eseal_store *s, unsigned level, uint64_t n, const void *data, size_t len);
/** Records the signed checkpoint of `size` (a note of the same size is replaced: more cosignatures). */
ESEAL_EXTERN(int) eseal_store_log_checkpoint_put(eseal_store *s, uint64_t size, const char *note, int64_t at_ms);
/** The checkpoint of `size`, or the largest when size is UINT64_MAX; *size_out (may be NULL) gets its size. */
ESEAL_EXTERN(int) eseal_store_log_checkpoint(eseal_store *s, eseal_buf *note, uint64_t size, uint64_t *size_out);
/** Calls cb for every stored checkpoint, smallest size first. */
ESEAL_EXTERN(int) eseal_store_log_checkpoints(eseal_store *s,
                                              int (*cb)(uint64_t size, const char *note, int64_t at_ms,
                                                        void *payload),
                                              void *payload);
/**
 * Private data about entry `index` ("salt.ip", "salt.device", "time-token"...): kept apart
 * from the log and never published.
 */
ESEAL_EXTERN(int) eseal_store_log_private_put(eseal_store *s, uint64_t index, const char *kind, const void *data,
                                              size_t len);
ESEAL_EXTERN(int) eseal_store_log_private(eseal_store *s, eseal_buf *out, uint64_t index, const char *kind);
/** Erases private data (a salt: its commitment becomes unlinkable); ESEAL_ENOTFOUND when there was none. */
ESEAL_EXTERN(int) eseal_store_log_private_erase(eseal_store *s, uint64_t index, const char *kind);
/** Small named values (a witness's state, the sizes witnesses last cosigned); ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_meta(eseal_store *s, eseal_buf *out, const char *name);
ESEAL_EXTERN(int) eseal_store_meta_put(eseal_store *s, const char *name, const void *data, size_t len);

/** A stamp: what the serial printed under an imprint refers to. Strings are owned by the record. */
typedef struct {
    char *serial;     /**< "ST20261121-0A1B2C3D4E" */
    char *esid;       /**< the seal */
    char *cert_id;    /**< the signing certificate */
    char *kind;       /**< "pdf", "ofd" */
    char *doc_sha256; /**< of the stamped document, lower-case hex */
    int64_t at_ms;
    int64_t log_index; /**< the audit entry; -1 when none */
    char *receipt;     /**< the C2SP tlog-proof, "" until made */
} eseal_stamp_record;

ESEAL_EXTERN(void) eseal_stamp_record_dispose(eseal_stamp_record *rec);
/** Records a stamp, its serial upper-cased (at most 64 characters); ESEAL_EEXISTS when the serial is taken. */
ESEAL_EXTERN(int) eseal_store_stamp_insert(eseal_store *s, const eseal_stamp_record *rec);
/** Finds a stamp by serial (case-insensitive: serials are kept upper-case); ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_stamp_find(eseal_store *s, eseal_stamp_record *out, const char *serial);
ESEAL_EXTERN(int) eseal_store_stamp_receipt_put(eseal_store *s, const char *serial, const char *receipt);

/* ---- the accounts (issue 19 §1; the front door, eseal/accounts.h, owns the meaning) ---------- */

/*
 * The rules every accounts backend shares (src/store/store.c): every string is checked against
 * its bound in eseal/accounts.h (an empty or longer one is ESEAL_EINVAL "store: invalid ...", as
 * is a string of a record that fills its array without a NUL); logins are folded to lower case
 * before they are stored and before they are looked up; unified social credit codes are kept and
 * looked up upper-case; a token digest is 64 hex digits, kept lower-case. Nothing here checks who
 * acts, the policy, a password's quality or a role's name: that is the front door's.
 */

/**
 * Adds an organisation (its uscc upper-cased; "" for none). ESEAL_EEXISTS "an organisation named
 * '%s' exists" / "an organisation with code '%s' exists" / "an organisation with id '%s' exists".
 */
ESEAL_EXTERN(int) eseal_store_org_insert(eseal_store *s, const eseal_org *org);
/**
 * The organisation whose id, uscc or name equals `ref` exactly (ids first, then codes, upper-cased,
 * then names); `ref` has 1 to ESEAL_ORG_NAME_MAX bytes (else ESEAL_EINVAL). ESEAL_ENOTFOUND
 * "no organisation '%s'".
 */
ESEAL_EXTERN(int) eseal_store_org_find(eseal_store *s, eseal_org *out, const char *ref);
/** Every organisation, oldest first (created, then insertion order); a non-zero return of cb stops and is returned. */
ESEAL_EXTERN(int) eseal_store_org_list(eseal_store *s, int (*cb)(const eseal_org *org, void *payload), void *payload);

/**
 * Adds a user with its password hash (the PHC string; "" or NULL for none). Its org_id is an
 * organisation's id (ESEAL_ENOTFOUND "no organisation '%s'" otherwise) or "" for a user of no
 * organisation; its status ESEAL_USER_ACTIVE or ESEAL_USER_DISABLED. ESEAL_EEXISTS "a user '%s'
 * exists".
 */
ESEAL_EXTERN(int) eseal_store_user_insert(eseal_store *s, const eseal_user *u, const char *pw_hash);
/** The longest password hash the store keeps (a PHC string of argon2id is about 100). */
#define ESEAL_STORE_PW_HASH_MAX 191
/**
 * The user `login` (exact; logins are stored lower-case and looked up lower-cased); pw_hash (may
 * be NULL, else ESEAL_STORE_PW_HASH_MAX + 1 bytes) receives its hash. ESEAL_ENOTFOUND "no user '%s'".
 */
ESEAL_EXTERN(int) eseal_store_user_get(eseal_store *s, eseal_user *out, char *pw_hash, const char *login);
/** The users of org_id (NULL: all), oldest first (created, then insertion order). */
ESEAL_EXTERN(int) eseal_store_user_list(eseal_store *s, const char *org_id,
                                        int (*cb)(const eseal_user *u, void *payload), void *payload);
/**
 * Changes a user: roles (NULL: kept), status (0: kept), pw_hash (NULL: kept); updated_ms = at_ms.
 * ESEAL_ENOTFOUND "no user '%s'".
 */
ESEAL_EXTERN(int) eseal_store_user_update(eseal_store *s, const char *login, const char *roles, int status,
                                          const char *pw_hash, int64_t at_ms);

/**
 * Adds a token record with the SHA-256 hex of the token (64 hex digits, kept lower-case). Its
 * login is folded to lower case and must name a user (ESEAL_ENOTFOUND "no user '%s'"). ESEAL_EEXISTS
 * "a token '%s' exists" when the id is taken, "a token with the same digest exists" when the digest is.
 */
ESEAL_EXTERN(int) eseal_store_token_insert(eseal_store *s, const eseal_token_info *t, const char *digest_hex);
/** The token whose digest is `digest_hex` (64 hex digits); ESEAL_ENOTFOUND "no token with that digest". */
ESEAL_EXTERN(int) eseal_store_token_by_digest(eseal_store *s, eseal_token_info *out, const char *digest_hex);
/** The token with id `id`; ESEAL_ENOTFOUND "no token '%s'". */
ESEAL_EXTERN(int) eseal_store_token_get(eseal_store *s, eseal_token_info *out, const char *id);
/** The tokens of `login` (NULL: of every user of org_id; both NULL: all), oldest first; revoked ones too. */
ESEAL_EXTERN(int) eseal_store_token_list(eseal_store *s, const char *login, const char *org_id,
                                         int (*cb)(const eseal_token_info *t, void *payload), void *payload);
/** Notes a use (last_used_ms, 0: kept) and/or a revocation (revoked_ms, 0: kept). ESEAL_ENOTFOUND "no token '%s'". */
ESEAL_EXTERN(int) eseal_store_token_update(eseal_store *s, const char *id, int64_t last_used_ms, int64_t revoked_ms);

/** The longest throttle key: "login:" or "addr:" and a login or an address, with room. */
#define ESEAL_STORE_THROTTLE_KEY_MAX 128
/**
 * The failure count and the time before which no attempt is taken for a throttle key ("login:alice",
 * "addr:10.0.0.1"; 1 to ESEAL_STORE_THROTTLE_KEY_MAX bytes); both 0 when there is no row.
 */
ESEAL_EXTERN(int) eseal_store_throttle_get(eseal_store *s, const char *key, uint32_t *failures, int64_t *until_ms);
/** A browser session, by the SHA-256 hex of its id (eseal/accounts.h keeps nothing else of it). */
ESEAL_EXTERN(int) eseal_store_session_insert(eseal_store *s, const char *digest_hex, const char *login,
                                             const char *csrf_digest_hex, int64_t created_ms);
/** The session's user, CSRF digest, creation and last use; ESEAL_ENOTFOUND "no session". */
ESEAL_EXTERN(int) eseal_store_session_get(eseal_store *s, const char *digest_hex, char login[ESEAL_LOGIN_MAX + 1],
                                          char csrf_digest_hex[65], int64_t *created_ms, int64_t *last_ms);
/** Notes a use of the session; ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_session_touch(eseal_store *s, const char *digest_hex, int64_t at_ms);
/** Ends one session; ESEAL_ENOTFOUND when there is none. */
ESEAL_EXTERN(int) eseal_store_session_end(eseal_store *s, const char *digest_hex);
/** Ends every session of a user (none is not an error). */
ESEAL_EXTERN(int) eseal_store_session_end_user(eseal_store *s, const char *login);
/** Sets them (failures 0: the row is removed). */
ESEAL_EXTERN(int) eseal_store_throttle_put(eseal_store *s, const char *key, uint32_t failures, int64_t until_ms);

/* ---- governance (issue 20): grants and templates ------------------------------------------- */

/**
 * Adds a grant. The store checks its bounds (every string within its array, the id of
 * ESEAL_GRANT_ID_LEN); the rules of a grant (eseal_grant_check, eseal_grant_narrows) are the
 * caller's. Its org_id must name an organisation and its parent, when named, a grant:
 * ESEAL_ENOTFOUND. ESEAL_EEXISTS "a grant '%s' exists" when the id is taken.
 */
ESEAL_EXTERN(int) eseal_store_grant_insert(eseal_store *s, const eseal_grant *g);
/** The grant `id` (the whole id); ESEAL_ENOTFOUND "no grant '%s'". */
ESEAL_EXTERN(int) eseal_store_grant_get(eseal_store *s, eseal_grant *out, const char *id);
/**
 * The grants of seal `seal` (not NULL), or of organisation `org_id` (seal NULL; both NULL: all),
 * revoked ones too, oldest first (created, then insertion order); a non-zero return of cb stops
 * and is returned.
 */
ESEAL_EXTERN(int) eseal_store_grant_list(eseal_store *s, const char *org_id, const char *seal,
                                         int (*cb)(const eseal_grant *g, void *payload), void *payload);
/** Revokes a grant at at_ms: ESEAL_ENOTFOUND "no grant '%s'", ESEAL_ESTATE "grant '%s' is revoked already". */
ESEAL_EXTERN(int) eseal_store_grant_revoke(eseal_store *s, const char *id, int64_t at_ms);
/**
 * Writes the fields of grant g->id that may change (issue 20 §1): types, templates, not_before,
 * not_after, max_uses, approval, delegable; the others of `g` are ignored (its seal, holder, parent,
 * uses and dates stay). One conditional UPDATE that refuses a revoked grant (ESEAL_ESTATE "grant
 * '%s' is revoked", nothing changes) and an unknown one (ESEAL_ENOTFOUND "no grant '%s'"). Bounds
 * as for eseal_store_grant_insert (ESEAL_EINVAL); the rules of a grant are the caller's.
 */
ESEAL_EXTERN(int) eseal_store_grant_update(eseal_store *s, const eseal_grant *g);
/**
 * Counts one use of grant `id`: its uses grow by one when it is not revoked and has uses left (or no
 * limit); else ESEAL_ESTATE "grant '%s' has no use left" and nothing changes. One conditional
 * update, so that concurrent uses (threads, processes on one database) never overspend: call it
 * inside the transaction of the stamp it counts, for the grant and each of its ancestors.
 */
ESEAL_EXTERN(int) eseal_store_grant_use(eseal_store *s, const char *id);

/**
 * Adds a template of an organisation: `t` (sha256 as 64 hex digits, kept lower-case; name; format
 * "pdf" or "ofd"; size; created_*) and its bytes, `len` of them, which must be t's size
 * (ESEAL_EINVAL), at most ESEAL_TEMPLATE_MAX_BYTES (ESEAL_ELIMIT). That the bytes have that SHA-256
 * is the caller's to know (the store does no cryptography). ESEAL_EEXISTS "the organisation has
 * that template already"; ESEAL_ENOTFOUND for an unknown organisation.
 */
ESEAL_EXTERN(int) eseal_store_template_insert(eseal_store *s, const eseal_template *t, const void *bytes, size_t len);
/** The template `sha256` of organisation `org_id`, and its bytes into `bytes` (may be NULL). ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_template_get(eseal_store *s, eseal_template *out, eseal_buf *bytes, const char *org_id,
                                           const char *sha256);
/** The templates of `org_id` (NULL: all), oldest first, without their bytes. */
ESEAL_EXTERN(int) eseal_store_template_list(eseal_store *s, const char *org_id,
                                            int (*cb)(const eseal_template *t, void *payload), void *payload);

/* ---- governance (issue 20 §3): webhooks and their deliveries ------------------------------- */

/**
 * Adds a webhook: its strings within their arrays (the id of ESEAL_WEBHOOK_ID_LEN, a url and a
 * secret), ESEAL_EINVAL otherwise; the rules (which URLs, which events) are the caller's.
 * ESEAL_ENOTFOUND "no organisation '%s'"; ESEAL_EEXISTS "a webhook '%s' exists".
 */
ESEAL_EXTERN(int) eseal_store_webhook_insert(eseal_store *s, const eseal_webhook *w);
/** The webhook `id`; ESEAL_ENOTFOUND "no webhook '%s'". */
ESEAL_EXTERN(int) eseal_store_webhook_get(eseal_store *s, eseal_webhook *out, const char *id);
/** The webhooks of `org_id` (NULL: all), oldest first; a non-zero return of cb stops and is returned. */
ESEAL_EXTERN(int) eseal_store_webhook_list(eseal_store *s, const char *org_id,
                                           int (*cb)(const eseal_webhook *w, void *payload), void *payload);
/** Removes webhook `id` and its deliveries; ESEAL_ENOTFOUND "no webhook '%s'". */
ESEAL_EXTERN(int) eseal_store_webhook_remove(eseal_store *s, const char *id);
/**
 * Queues a delivery (call it in the transaction of what it reports). Its strings within bounds and
 * its status one of eseal_delivery_status (ESEAL_EINVAL); ESEAL_ENOTFOUND "no webhook '%s'";
 * ESEAL_EEXISTS "a delivery '%s' exists". Its org_id is read back from its webhook.
 */
ESEAL_EXTERN(int) eseal_store_delivery_insert(eseal_store *s, const eseal_delivery *d);
/** The delivery `id` (with its webhook's org_id); ESEAL_ENOTFOUND "no delivery '%s'". */
ESEAL_EXTERN(int) eseal_store_delivery_get(eseal_store *s, eseal_delivery *out, const char *id);
/** The deliveries of webhook `webhook_id`, newest first, at most `max` (1 to 1000). */
ESEAL_EXTERN(int) eseal_store_delivery_list(eseal_store *s, const char *webhook_id, size_t max,
                                            int (*cb)(const eseal_delivery *d, void *payload), void *payload);
/** The pending deliveries due at now_ms (next_attempt_ms <= now_ms), soonest first, at most `max` (1 to 1000). */
ESEAL_EXTERN(int) eseal_store_delivery_due(eseal_store *s, int64_t now_ms, size_t max,
                                           int (*cb)(const eseal_delivery *d, void *payload), void *payload);
/** Records an attempt's outcome: d's status, attempts, next_attempt_ms, last_status, last_error, updated_ms. */
ESEAL_EXTERN(int) eseal_store_delivery_update(eseal_store *s, const eseal_delivery *d);
/**
 * Takes delivery `id` for one attempt: if it is pending and its next attempt is still `expect_ms`
 * (as the due list read it), its next attempt becomes `until_ms` (a lease: due again then if the
 * sender never records the outcome), in one conditional statement; ESEAL_ESTATE "delivery '%s' is
 * taken" otherwise (another sender, another process on the same database, took it first).
 */
ESEAL_EXTERN(int) eseal_store_delivery_claim(eseal_store *s, const char *id, int64_t expect_ms, int64_t until_ms);


/* ---- governance (issue 20 §2): stamp requests, their documents and decisions --------------- */

/**
 * Adds a request with its `n` documents (1 to ESEAL_REQUEST_DOCS_MAX; their request_id is the
 * request's, their index 0..n-1 in order, serial "" and log_index -1), in one transaction of its own
 * unless the caller's is open. Bounds as for grants (ESEAL_EINVAL); ESEAL_ENOTFOUND "no organisation
 * '%s'"; ESEAL_EEXISTS "a request '%s' exists".
 */
ESEAL_EXTERN(int) eseal_store_request_insert(eseal_store *s, const eseal_request *r, const eseal_request_doc *docs,
                                             size_t n);
/** The request `id`; ESEAL_ENOTFOUND "no request '%s'". */
ESEAL_EXTERN(int) eseal_store_request_get(eseal_store *s, eseal_request *out, const char *id);
/**
 * The requests of `org_id` (NULL: all), newest first (created, then insertion order, both
 * descending): `status` 0 any, else that one; `requester` NULL any, else that login's. A non-zero
 * return of cb stops and is returned.
 */
ESEAL_EXTERN(int) eseal_store_request_list(eseal_store *s, const char *org_id, eseal_request_status status,
                                           const char *requester, int (*cb)(const eseal_request *r, void *payload),
                                           void *payload);
/**
 * Moves request `id` from (`from_status`, `from_step`) to (`to_status`, `to_step`), updated_ms =
 * at_ms, in one conditional statement: ESEAL_ESTATE "request '%s' has moved on" when it is not at
 * (from_status, from_step) any more (another decision moved it first); ESEAL_ENOTFOUND.
 */
ESEAL_EXTERN(int) eseal_store_request_advance(eseal_store *s, const char *id, eseal_request_status from_status,
                                              unsigned int from_step, eseal_request_status to_status,
                                              unsigned int to_step, int64_t at_ms);
/** The documents of request `id`, by index. */
ESEAL_EXTERN(int) eseal_store_request_docs(eseal_store *s, const char *id,
                                           int (*cb)(const eseal_request_doc *d, void *payload), void *payload);
/**
 * Marks the first document of request `id` (by index) with SHA-256 `sha256` that is not stamped yet
 * as stamped by `serial` (log entry `log_index`), counts it in the request's done, and makes the
 * request executed (updated_ms = at_ms) when that was its last one; in conditional statements, so
 * that two executions never both stamp one document: call it in the transaction of the stamp's
 * audit entry. *index (may be NULL) receives the document's index. ESEAL_ESTATE "request '%s' has no
 * unstamped document with that SHA-256" (or it is not approved); ESEAL_ENOTFOUND.
 */
ESEAL_EXTERN(int) eseal_store_request_doc_stamped(eseal_store *s, const char *id, const char *sha256,
                                                  const char *serial, int64_t log_index, int64_t at_ms,
                                                  int64_t *index);
/**
 * Adds a decision. ESEAL_EEXISTS "%s has decided on request '%s' already" when its approver has a
 * decision on that request (one per approver and request); ESEAL_ENOTFOUND "no request '%s'";
 * ESEAL_EINVAL for bounds.
 */
ESEAL_EXTERN(int) eseal_store_decision_insert(eseal_store *s, const eseal_decision *d);
/**
 * The document of a request stamped by audit entry `log_index`, if any, is not stamped after all:
 * that stamp was recorded and then never published (its "stamp.failed" entry; call it in that
 * entry's transaction). Its serial and entry are cleared and its request's done is one less (an
 * executed request is approved again), so that resuming the execution stamps it. No document
 * stamped by that entry: ESEAL_OK, nothing changes.
 */
ESEAL_EXTERN(int) eseal_store_request_doc_unstamp(eseal_store *s, int64_t log_index);
/** The decisions on request `id`, in the order made (at_ms, then insertion order). */
ESEAL_EXTERN(int) eseal_store_decision_list(eseal_store *s, const char *id,
                                            int (*cb)(const eseal_decision *d, void *payload), void *payload);

/* ---- smart physical seals (issue 23 §4; docs/devices.md) ------------------------------------ */

/**
 * Adds a device. Bounds (ESEAL_EINVAL): ids whole, chip id and seal within their arrays, alg "p256"
 * or "sm2", a key of 1..ESEAL_DEVICE_KEY_MAX bytes, status active. ESEAL_ENOTFOUND "no organisation
 * '%s'"; ESEAL_EEXISTS "a device '%s' exists".
 */
ESEAL_EXTERN(int) eseal_store_device_insert(eseal_store *s, const eseal_device *d);
/** The device `id`; ESEAL_ENOTFOUND "no device '%s'". */
ESEAL_EXTERN(int) eseal_store_device_get(eseal_store *s, eseal_device *out, const char *id);
/** The devices of seal `seal` (not NULL), or of organisation `org_id` (both NULL: all), oldest first. */
ESEAL_EXTERN(int) eseal_store_device_list(eseal_store *s, const char *org_id, const char *seal,
                                          int (*cb)(const eseal_device *d, void *payload), void *payload);
/** Retires device `id` at at_ms: ESEAL_ENOTFOUND "no device '%s'", ESEAL_ESTATE "device '%s' is retired already". */
ESEAL_EXTERN(int) eseal_store_device_retire(eseal_store *s, const char *id, int64_t at_ms);
/**
 * Adds an unlock (used 0). ESEAL_EEXISTS "device '%s' used nonce %s already" when the device has an
 * unlock of that nonce (or the id is taken); ESEAL_ENOTFOUND "no device or request for unlock '%s'".
 */
ESEAL_EXTERN(int) eseal_store_unlock_insert(eseal_store *s, const eseal_unlock *u);
/** The unlock `id`; ESEAL_ENOTFOUND "no unlock '%s'". Its state is derived: spent when used == impressions. */
ESEAL_EXTERN(int) eseal_store_unlock_get(eseal_store *s, eseal_unlock *out, const char *id);
/** Counts one impression of unlock `id` in one conditional statement: ESEAL_ESTATE "unlock '%s' has no
 * impression left" when used == impressions; ESEAL_ENOTFOUND. Call it in the impression's transaction. */
ESEAL_EXTERN(int) eseal_store_unlock_use(eseal_store *s, const char *id);
/**
 * The impressions the unlocks of request `request_id` hold at now_ms (*n; 0 when it has none): for each,
 * its used when it expired before now_ms (what it did not use comes back), else its impressions (a live
 * unlock holds its whole quota). Call it in the transaction that inserts an unlock: the store's write
 * transaction serialises writers, so the count stays true until that insert commits.
 */
ESEAL_EXTERN(int) eseal_store_unlock_committed(eseal_store *s, const char *request_id, int64_t now_ms, int64_t *n);
/** Adds an impression. ESEAL_EEXISTS "impression %lld of unlock '%s' is reported already"; ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_store_impression_insert(eseal_store *s, const eseal_impression *m);
/** The impressions of request `request_id`, in the order received. */
ESEAL_EXTERN(int) eseal_store_impression_list(eseal_store *s, const char *request_id,
                                              int (*cb)(const eseal_impression *m, void *payload), void *payload);

ESEAL_END_DECL

#endif
