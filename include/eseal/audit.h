/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — audit entries: what the transparency log records (docs/audit-log.md).
 *
 * An entry is canonical UTF-8 text, one "key value" line per field in a fixed
 * order, versioned by its first line "eseal-audit/v1". The same event always
 * gives the same bytes, so the leaf hash (RFC 9162: SHA-256(0x00 || entry))
 * identifies it. Personal data (client IP, device) is never in an entry: only
 * salted commitments, whose salts the platform keeps apart (erasing a salt
 * makes its commitment unlinkable without touching the log).
 */
#ifndef ESEAL_AUDIT_H
#define ESEAL_AUDIT_H

#include "common.h"

ESEAL_BEGIN_DECL

#define ESEAL_AUDIT_ENTRY_VERSION 1
/** The first line of every version-1 entry. */
#define ESEAL_AUDIT_HEADER "eseal-audit/v1"
/** Entries are at most 65,535 bytes (C2SP tlog-tiles); one text field at most 1,024. */
#define ESEAL_AUDIT_MAX_ENTRY 65535
#define ESEAL_AUDIT_MAX_FIELD 1024
/** An `org` line's value (one identifier of [A-Za-z0-9_.:-]) is at most 64 bytes. */
#define ESEAL_AUDIT_MAX_ORG 64

/**
 * One audit event. Every string is optional (NULL: the line is absent)
 * except `type`; hashes and commitments are 64 lower-case hex digits.
 */
typedef struct {
    unsigned int version;          /**< ESEAL_AUDIT_ENTRY_VERSION */
    const char *type;              /**< "stamp", "seal.made", "seal.suspended", "cert.issued"... ([a-z0-9.-]) */
    int64_t time_ms;               /**< when it happened (the platform clock; proven by time_proof) */
    const char *actor;             /**< the user id who asked */
    const char *actor_cert;        /**< SHA-256 fingerprint of the actor's (or signing) certificate */
    const char *seal;              /**< the seal's esID */
    const char *cert;              /**< the certificate concerned (certificate events), its id */
    const char *stamp;             /**< the stamp serial */
    const char *doc_format;        /**< "pdf", "ofd", "cms" */
    const char *doc_before_sha256; /**< the document before the stamp */
    const char *doc_before_sm3;    /**< OFD: SM3 as well */
    const char *doc_after_sha256;  /**< the document as stamped */
    const char *doc_after_sm3;
    const char *approvals;         /**< approval ids of the chain, comma-separated */
    const char *ip_commitment;     /**< see eseal_audit_commitment() */
    const char *device_commitment;
    const char *detail;            /**< e.g. "active -> suspended: key holder on leave" */
    /**
     * What proves `time_ms`: "signature" (the stamp's own RFC 3161 signature
     * timestamp, in the document) or "entry" (a token over SHA-256 of the
     * entry's bytes before the time-proof line, kept by the platform).
     */
    const char *time_proof_kind;
    const char *time_proof_sha256; /**< SHA-256 of that TimeStampToken (DER) */
    const char *actor_kind;        /**< the acting principal's kind: "operator", "user", "device" (platform.h) */
    const char *policy_rule;       /**< the policy rule that allowed the action, e.g. "local-operator" */
    /**
     * The platform's organisation the event concerns (its id, "org_..."), as it was when the
     * entry was written: set by the accounts' events (the organisation of the user or token
     * concerned, of the organisation added); NULL when the entry concerns none or was written
     * before the field existed (docs/audit-log.md). One identifier of [A-Za-z0-9_.:-], at most
     * ESEAL_AUDIT_MAX_ORG bytes.
     */
    const char *org;
} eseal_audit_entry;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_AUDIT_ENTRY_INIT { .version = ESEAL_AUDIT_ENTRY_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_AUDIT_ENTRY_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_AUDIT_ENTRY_VERSION.
 */
ESEAL_EXTERN(int) eseal_audit_entry_init(eseal_audit_entry *o, unsigned int version);

/** Encodes `e` canonically into `out`; ESEAL_EINVAL names the field that cannot be encoded. */
ESEAL_EXTERN(int) eseal_audit_entry_encode(eseal_buf *out, const eseal_audit_entry *e);

/** A parsed entry: the fields point into `storage`, which eseal_audit_entry_parsed_dispose frees. */
typedef struct {
    eseal_audit_entry e;
    char *storage;
} eseal_audit_entry_parsed;

/**
 * Parses an entry strictly: the bytes must be exactly what
 * eseal_audit_entry_encode() gives for the result (ESEAL_EMALFORMED otherwise).
 */
ESEAL_EXTERN(int) eseal_audit_entry_parse(eseal_audit_entry_parsed *out, const void *data, size_t len);
ESEAL_EXTERN(void) eseal_audit_entry_parsed_dispose(eseal_audit_entry_parsed *p);

/** Length of an entry's bytes before its time-proof line (what an "entry" time token covers). */
ESEAL_EXTERN(size_t) eseal_audit_entry_core_len(const void *data, size_t len);

/**
 * A salted commitment: hex SHA-256("eseal-commitment/v1\n" || field || "\n" ||
 * salt || value). `field` is "ip" or "device"; salt is 32 random bytes.
 */
ESEAL_EXTERN(int) eseal_audit_commitment(char out[65], const char *field, const uint8_t salt[32], const char *value);

ESEAL_END_DECL

#endif
