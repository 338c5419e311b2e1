/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the records the platform keeps, as the front door hands them out: certificates, seals
 * and their lifecycle events (eseal_instance_cert_get / cert_list, seal_get / seal_list /
 * seal_events). Where they are kept is the store's business (sys/store.h).
 */
#ifndef ESEAL_RECORDS_H
#define ESEAL_RECORDS_H

#include "common.h"

ESEAL_BEGIN_DECL

/** A certificate known to the instance. Strings are owned by the record. */
typedef struct {
    char *id;          /**< short stable id: the first 16 hex digits of the SHA-256 fingerprint */
    char *role;        /**< "root-ca", "issuing-ca", "seal-maker", "tsa", "ocsp", "org", "person", "imported" */
    char *hierarchy;   /**< "sm2", "p256", "rsa", or "" for imported certificates */
    char *alg;         /**< key algorithm, "sm2", "p256", "rsa2048", ... */
    char *subject;     /**< RFC 2253 */
    char *serial;      /**< upper-case hex */
    char *issuer_id;   /**< id of the issuing record, "" when external or self-signed */
    char *fingerprint; /**< SHA-256 of the DER, lower-case hex */
    char *pem;         /**< the certificate */
    char *key_file;    /**< key file relative to the instance home, "" when none */
    int64_t not_before_ms;
    int64_t not_after_ms;
    int64_t created_ms;
    int64_t revoked_ms;    /**< 0 when not revoked */
    int revocation_reason; /**< RFC 5280 CRLReason, -1 when not revoked */
} eseal_cert_record;

/** Frees the strings of a record and zeroes it. */
ESEAL_EXTERN(void) eseal_cert_record_dispose(eseal_cert_record *rec);

/**
 * A trust list the instance imported (issue 24; docs/trust-lists.md): another platform's, or a
 * scheme operator's list of lists, or a platform recognised through one. Strings are owned by the
 * record.
 */
typedef struct {
    char *name;            /**< the platform's or scheme's name (the list's TEName or SchemeName); unique */
    char *source;          /**< the URL or file it was added or last fetched from */
    char *pin;             /**< the SHA-256 (hex) of the list key pinned when it was added */
    char *key_sha256;      /**< the SHA-256 of the key of the list held now (differs from pin after a rotation) */
    char *via;             /**< "" when added directly; else the name of the list of lists that names it */
    int list_of_lists;     /**< 1 for a scheme operator's list of lists */
    uint64_t sequence;     /**< the list's LoTESequenceNumber */
    int64_t issued_ms;     /**< ListIssueDateTime */
    int64_t next_update_ms; /**< NextUpdate */
    int64_t fetched_ms;    /**< when this version was read */
    int64_t added_ms;      /**< when the list was first added */
    uint8_t *crls;         /**< the latest CRLs of the platform's CAs, DER one after the other, as fetched at the
                            *   last add or refresh (NULL: none), so that verification needs no network */
    size_t crls_len;
} eseal_trusted_list_record;

/** Frees the strings of a record and zeroes it. */
ESEAL_EXTERN(void) eseal_trusted_list_record_dispose(eseal_trusted_list_record *rec);

/** A seal in the registry. Strings are owned by the record. */
typedef struct {
    char *esid;          /**< the seal's esID */
    char *name;
    char *owner;         /**< organisation or person the seal belongs to */
    char *cert_ids;      /**< ids of the certificates allowed to stamp, comma-separated */
    char *maker_cert_id; /**< the seal maker certificate that signed it */
    char *state;         /**< "applied", "approved", "made", "filed", "active", "suspended", "revoked",
                              "cancelled", "expired" */
    char *prev_esid;     /**< renewal: the seal this one replaces, "" when none */
    char *next_esid;     /**< renewal: the seal that replaced this one, "" when none */
    char *sha256;        /**< of the seal DER, lower-case hex */
    char *imprint;       /**< how the imprint was drawn (JSON), "" for an imported picture */
    int64_t type;        /**< eseal_seal_type */
    int64_t generation;  /**< 1 for a new seal, +1 per renewal */
    int64_t created_ms;
    int64_t valid_from_ms;
    int64_t valid_to_ms;
    int64_t updated_ms;
    /**
     * Where the keys of its certificates are held when in hardware (issue 23; docs/seals.md, "Seals
     * bound to hardware"): a JSON array of {"cert", "kind", "serial", "label", "key_id", "chip_id",
     * "maker"}, one per certificate whose key is in a token or a seal's chip; "" for a seal whose keys
     * are all in software. A bound seal stamps only with its token, present, with that serial.
     */
    char *hardware;
} eseal_seal_record;

ESEAL_EXTERN(void) eseal_seal_record_dispose(eseal_seal_record *rec);

/** One lifecycle transition: who, when, why. */
typedef struct {
    char *esid;
    int64_t seq;       /**< 1, 2, ... per seal */
    int64_t at_ms;
    char *from_state;  /**< "" for the first event */
    char *to_state;
    char *actor;
    char *reason;
} eseal_seal_event;

ESEAL_EXTERN(void) eseal_seal_event_dispose(eseal_seal_event *ev);

ESEAL_END_DECL

#endif
