/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file trustlist.h
 * Trust lists and registry answers: how platforms recognise each other (issue 24).
 *
 * A platform's **trust list** says what a verifier needs to trust it: its identity and its services
 * (CAs, seal makers, TSAs, OCSP responders, the audit log, witnesses, the registry) with their
 * certificates or keys and the history of their status. A **list of lists** (a scheme operator's,
 * the "national" level) has the same form: its services are other platforms' trust lists, each named
 * by its URL and the SHA-256 of its signing key.
 *
 * The form is the JSON data model of ETSI TS 119 602 ("lists of trusted entities", LoTE, the JSON
 * successor of the EU trusted lists of ETSI TS 119 612), signed as a compact JWS with ES256 (P-256
 * and SHA-256; RFC 7515, RFC 7518). docs/trust-lists.md gives the format and why, and
 * docs/trust-list.schema.json its JSON Schema. SM2 has no JOSE algorithm, so a list's signing key
 * is P-256 (a list may still name SM2 certificates among its services).
 *
 * A list is trusted by the SHA-256 of its signing key's SubjectPublicKeyInfo DER (lower-case hex),
 * given out of band the first time (the pin). A platform that changes its list key signs, with the
 * old key, a statement naming the new one, carried in the new list: the parser checks it and
 * reports the old key's fingerprint, and the importer follows the rotation when that fingerprint
 * is the one it pinned.
 *
 * A **registry answer** is a platform's signed statement of a seal's status at a time (like an
 * OCSP response, for seals): a compact JWS with ES256 by the key of the platform's registry
 * service, as its trust list names it.
 *
 * Parsers read untrusted bytes: every size is bounded by the limits below, and a document over them
 * is refused (ESEAL_ELIMIT); a signature that does not verify is ESEAL_EVERIFY.
 */
#ifndef ESEAL_TRUSTLIST_H
#define ESEAL_TRUSTLIST_H

#include "common.h"
#include "key.h"
#include "seal.h" /* eseal_bytes */

ESEAL_BEGIN_DECL

/** Limits of a trust list and of a registry answer as read. */
#define ESEAL_TRUSTLIST_MAX_BYTES (4u << 20)     /**< a whole list, the JWS as received */
#define ESEAL_TRUSTLIST_MAX_ENTITIES 1024        /**< trusted entities in one list (platforms of a list of lists) */
#define ESEAL_TRUSTLIST_MAX_SERVICES 256         /**< services of one entity */
#define ESEAL_TRUSTLIST_MAX_HISTORY 64           /**< earlier statuses of one service */
#define ESEAL_TRUSTLIST_MAX_STRING 2048          /**< one name, URL or key string */
#define ESEAL_TRUSTLIST_MAX_CERT 16384           /**< one certificate or public key, DER */
#define ESEAL_REGISTRY_ANSWER_MAX_BYTES 16384    /**< a registry answer, the JWS as received */

/** What a service is. docs/trust-lists.md gives each one's ServiceTypeIdentifier URI. */
typedef enum {
    ESEAL_TL_CA = 1,        /**< a CA (root or issuing): http://uri.etsi.org/TrstSvc/Svctype/CA/PKC */
    ESEAL_TL_SEAL_MAKER,    /**< makes seals (GB/T 38540 maker): urn:eseal:svc:seal-maker */
    ESEAL_TL_TSA,           /**< RFC 3161 time-stamps: http://uri.etsi.org/TrstSvc/Svctype/TSA */
    ESEAL_TL_OCSP,          /**< OCSP responder: http://uri.etsi.org/TrstSvc/Svctype/Certstatus/OCSP */
    ESEAL_TL_AUDIT_LOG,     /**< the transparency log's note key and origin: urn:eseal:svc:audit-log */
    ESEAL_TL_WITNESS,       /**< a witness of the log (C2SP tlog-witness): urn:eseal:svc:witness */
    ESEAL_TL_REGISTRY,      /**< the seal registry and its answers' key: urn:eseal:svc:registry */
    ESEAL_TL_TRUST_LIST,    /**< another platform's trust list (a list of lists): urn:eseal:svc:trust-list */
} eseal_tl_service_type;

/** The ServiceTypeIdentifier URI of `t`, NULL for no type. */
ESEAL_EXTERN(const char *) eseal_tl_service_type_uri(eseal_tl_service_type t);
/** A short name for reports and the CLI: "ca", "seal-maker", "tsa", "ocsp", "audit-log", "witness", "registry",
 *  "trust-list"; NULL for no type. */
ESEAL_EXTERN(const char *) eseal_tl_service_type_name(eseal_tl_service_type t);
/** Parses a URI or a short name; ESEAL_EINVAL for anything else. */
ESEAL_EXTERN(int) eseal_tl_service_type_parse(eseal_tl_service_type *out, const char *text);

/** One status of a service from a time on: granted (trusted) or withdrawn (no longer). */
typedef struct {
    int withdrawn;        /**< 0: granted (…/Svcstatus/granted), 1: withdrawn (…/Svcstatus/withdrawn) */
    int64_t since_ms;     /**< StatusStartingTime, ms since 1970 UTC */
} eseal_tl_status;

/**
 * One service. Strings and bytes are borrowed (for signing: the caller's; for a parsed list: the
 * list's, valid until it is freed). A service has a certificate, a public key, or both (a key
 * identity must be there); a trust-list service has the public key of that list's signing key.
 */
typedef struct {
    eseal_tl_service_type type;
    const char *name;              /**< ServiceName (English), e.g. "p256 seal maker"; required */
    const uint8_t *cert_der;       /**< X509Certificates[0], DER, or NULL */
    size_t cert_len;
    const uint8_t *spki_der;       /**< PublicKeyValues[0]: SubjectPublicKeyInfo DER, or NULL */
    size_t spki_len;
    const char *note_key;          /**< a C2SP signed-note verifier key (audit log, witness), or NULL */
    const char *supply_point;      /**< ServiceSupplyPoints[0]: where the service answers (a URL), or NULL */
    eseal_tl_status status;        /**< the current status (ServiceStatus, StatusStartingTime) */
    const eseal_tl_status *history; /**< ServiceHistory: the earlier statuses, newest first */
    size_t history_count;
} eseal_tl_service;

/** One trusted entity: a platform, with its services. */
typedef struct {
    const char *name;              /**< TEName (English); required */
    const char *info_uri;          /**< TEInformationURI: the platform's base URL, or NULL */
    const eseal_tl_service *services;
    size_t service_count;
} eseal_tl_entity;

#define ESEAL_TL_INFO_VERSION 1

/** ListAndSchemeInformation. */
typedef struct {
    unsigned int version;          /**< ESEAL_TL_INFO_VERSION */
    int list_of_lists;             /**< LoTEType: 0 a platform's list, 1 a scheme operator's list of lists */
    uint64_t sequence;             /**< LoTESequenceNumber, from 1, grows with every list published */
    int64_t issued_ms;             /**< ListIssueDateTime */
    int64_t next_update_ms;        /**< NextUpdate: after it the list is stale */
    const char *operator_name;     /**< SchemeOperatorName (English); required */
    const char *scheme_name;       /**< SchemeName (English); required */
    const char *territory;         /**< SchemeTerritory: ISO 3166-1 alpha-2, e.g. "CN"; required */
    const char *distribution_point; /**< DistributionPoints[0]: where this list is fetched, or NULL */
} eseal_tl_info;

/** Only the version is set (added by h-tlcodec: versioned structs have an init, src/util/versions.h). */
#define ESEAL_TL_INFO_INIT { .version = ESEAL_TL_INFO_VERSION }
/** Zeroes `o` and sets its version: the same as ESEAL_TL_INFO_INIT. ESEAL_EINVAL for NULL or another version. */
ESEAL_EXTERN(int) eseal_tl_info_init(eseal_tl_info *o, unsigned int version);

/**
 * Writes a signed list: the compact JWS (ASCII, no line break) of the LoTE JSON of `info` and
 * `entities`, signed by `key` (P-256; another algorithm is ESEAL_EUNSUPPORTED). When `previous` is
 * not NULL the list carries a key-rotation statement signed by it (the list key being replaced).
 * A field out of the limits, a missing required one or a service without a key identity is
 * ESEAL_EINVAL, naming it.
 */
ESEAL_EXTERN(int) eseal_trustlist_sign(eseal_buf *out, const eseal_tl_info *info, const eseal_tl_entity *entities,
                                       size_t entity_count, eseal_key *key, eseal_key *previous);

typedef struct eseal_trustlist eseal_trustlist;

/**
 * Reads a signed list: checks the JWS (ES256 only; "none" and every other algorithm refused), its
 * signature by the key its header carries, and the rotation statement when there is one, then the
 * LoTE JSON against the format. It does NOT decide whether the key is trusted: the caller compares
 * eseal_trustlist_key_sha256() (or, for a rotation, eseal_trustlist_previous_key_sha256()) with
 * its pin. ESEAL_EVERIFY when a signature does not verify, ESEAL_EMALFORMED for anything not in
 * the format, ESEAL_ELIMIT over the limits.
 */
ESEAL_EXTERN(int) eseal_trustlist_parse(eseal_trustlist **out, const void *jws, size_t len);

/** The list's information (borrowed from `tl`). */
ESEAL_EXTERN(const eseal_tl_info *) eseal_trustlist_info(const eseal_trustlist *tl);
ESEAL_EXTERN(size_t) eseal_trustlist_entity_count(const eseal_trustlist *tl);
/** Entity `i` (borrowed from `tl`), NULL past the end. */
ESEAL_EXTERN(const eseal_tl_entity *) eseal_trustlist_entity(const eseal_trustlist *tl, size_t i);
/** SHA-256 of the signing key's SubjectPublicKeyInfo DER, 64 lower-case hex digits. */
ESEAL_EXTERN(const char *) eseal_trustlist_key_sha256(const eseal_trustlist *tl);
/** The signing key's SubjectPublicKeyInfo DER (borrowed). */
ESEAL_EXTERN(const uint8_t *) eseal_trustlist_key_spki(const eseal_trustlist *tl, size_t *len);
/** When the list carries a verified rotation statement: the replaced key's SHA-256 (hex); else NULL. */
ESEAL_EXTERN(const char *) eseal_trustlist_previous_key_sha256(const eseal_trustlist *tl);
/** The JSON payload the signature covers (borrowed; for `trust show --json`). */
ESEAL_EXTERN(const char *) eseal_trustlist_json(const eseal_trustlist *tl);
ESEAL_EXTERN(void) eseal_trustlist_free(eseal_trustlist *tl);

/** SHA-256 of a key's SubjectPublicKeyInfo DER as 64 lower-case hex digits and a NUL: a list key's pin. */
ESEAL_EXTERN(int) eseal_key_spki_sha256(char hex[65], const eseal_key *key);
/** The same for a SubjectPublicKeyInfo DER. */
ESEAL_EXTERN(int) eseal_spki_sha256(char hex[65], const void *spki_der, size_t len);

#define ESEAL_REGISTRY_ANSWER_VERSION 1

/** A seal's status as its platform's registry states it (the JWS payload's fields). */
typedef struct {
    unsigned int version;          /**< ESEAL_REGISTRY_ANSWER_VERSION */
    const char *esid;              /**< the seal's esID */
    const char *status;            /**< "active", "suspended", "revoked" or "unknown" (no such seal then) */
    int64_t since_ms;              /**< since when it has that status (0 for unknown) */
    const char *reason;            /**< why (revoked, suspended), or NULL */
    int64_t at_ms;                 /**< the time asked about (the signing time of a stamp) */
    int64_t produced_ms;           /**< when the answer was made */
    int64_t next_update_ms;        /**< until when it may be used without asking again */
    const char *platform;          /**< the answering platform's name (its trust list's TEName) */
} eseal_registry_answer;

/** Only the version is set (added by h-tlcodec, as ESEAL_TL_INFO_INIT). */
#define ESEAL_REGISTRY_ANSWER_INIT { .version = ESEAL_REGISTRY_ANSWER_VERSION }
/** Zeroes `o` and sets its version: the same as ESEAL_REGISTRY_ANSWER_INIT. ESEAL_EINVAL for NULL or another
 *  version. */
ESEAL_EXTERN(int) eseal_registry_answer_init(eseal_registry_answer *o, unsigned int version);

/** Writes a registry answer: a compact JWS with ES256 by `key` (P-256), "kid" the key's SHA-256 (hex). */
ESEAL_EXTERN(int) eseal_registry_answer_sign(eseal_buf *out, const eseal_registry_answer *a, eseal_key *key);

typedef struct eseal_registry_answer_doc eseal_registry_answer_doc;

/**
 * Reads a registry answer and checks its signature with `spki_der` (the registry service's key as
 * the platform's trust list names it). ESEAL_EVERIFY when it does not verify (another key, a
 * changed byte), ESEAL_EMALFORMED when it is not an answer, ESEAL_ELIMIT over the limits,
 * ESEAL_EUNSUPPORTED when `spki_der` is not a P-256 key (answers are ES256).
 */
ESEAL_EXTERN(int) eseal_registry_answer_parse(eseal_registry_answer_doc **out, const void *jws, size_t len,
                                              const void *spki_der, size_t spki_len);
/** The answer's fields (borrowed from `doc`). */
ESEAL_EXTERN(const eseal_registry_answer *) eseal_registry_answer_get(const eseal_registry_answer_doc *doc);
/**
 * The "kid" of an answer's protected header (the signing key's SHA-256, hex), read without checking
 * anything: which platform's registry key to check it with. ESEAL_EMALFORMED when there is none.
 */
ESEAL_EXTERN(int) eseal_registry_answer_kid(char hex[65], const void *jws, size_t len);
ESEAL_EXTERN(void) eseal_registry_answer_free(eseal_registry_answer_doc *doc);

/*
 * Trust bundles: what a verifier without network needs to recognise a platform, carried as one file
 * (docs/trust-lists.md, "Bundles"): the platform's signed list, the latest CRLs of its CAs, and its
 * registry's signed answers for seals. JSON: {"format": "eseal-trust-bundle", "version": 1,
 * "list": "<compact JWS>", "crls": ["<base64 DER>", ...], "answers": ["<compact JWS>", ...]}. The
 * bundle itself is not signed: each part is checked where it is used (the list under its pin, a CRL
 * against the list's CAs, an answer under the list's registry key), so the reader only bounds it.
 */
#define ESEAL_TRUST_BUNDLE_MAX_BYTES (64u << 20) /**< a whole bundle as read */
#define ESEAL_TRUST_BUNDLE_MAX_CRLS 256          /**< CRLs in one bundle */
#define ESEAL_TRUST_BUNDLE_MAX_CRL (4u << 20)    /**< one CRL, DER */
#define ESEAL_TRUST_BUNDLE_MAX_ANSWERS 4096      /**< registry answers in one bundle */

typedef struct eseal_trust_bundle eseal_trust_bundle;

/** Writes a bundle of `list` (a compact JWS), `crls` (DER) and `answers` (compact JWS). ESEAL_EINVAL over the
 *  limits. */
ESEAL_EXTERN(int) eseal_trust_bundle_write(eseal_buf *out, const void *list, size_t list_len, const eseal_bytes *crls,
                                           size_t ncrls, const eseal_bytes *answers, size_t nanswers);
/** Reads a bundle: ESEAL_EMALFORMED when it is not one, ESEAL_ELIMIT over the limits, ESEAL_EUNSUPPORTED for
 *  another version. Nothing in it is checked but its shape. */
ESEAL_EXTERN(int) eseal_trust_bundle_parse(eseal_trust_bundle **out, const void *data, size_t len);
/** 1 when `data` looks like a bundle (a JSON object) rather than a list (a compact JWS). */
ESEAL_EXTERN(int) eseal_trust_bundle_is(const void *data, size_t len);
/** The parts, borrowed from the bundle. */
ESEAL_EXTERN(eseal_bytes) eseal_trust_bundle_list(const eseal_trust_bundle *b);
ESEAL_EXTERN(size_t) eseal_trust_bundle_crl_count(const eseal_trust_bundle *b);
ESEAL_EXTERN(eseal_bytes) eseal_trust_bundle_crl(const eseal_trust_bundle *b, size_t i);
ESEAL_EXTERN(size_t) eseal_trust_bundle_answer_count(const eseal_trust_bundle *b);
ESEAL_EXTERN(eseal_bytes) eseal_trust_bundle_answer(const eseal_trust_bundle *b, size_t i);
ESEAL_EXTERN(void) eseal_trust_bundle_free(eseal_trust_bundle *b);

ESEAL_END_DECL

#endif
