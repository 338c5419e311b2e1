/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — an instance: the operations a user asks for (service layer).
 *
 * An instance lives in a home directory: eseal.conf, the store (eseal.db), and
 * keys/ with every private key encrypted under the instance passphrase. Init
 * creates three CA hierarchies: SM2 and ECDSA P-256 (each: root, issuing CA,
 * seal-maker and TSA certificates) and RSA (root and issuing CA).
 *
 * The front door (eseal/platform.h): the CLI and the server call only these
 * functions. Every one that changes state takes the acting principal `who`
 * right after the instance; inside, in one place per operation, the policy
 * (src/policy) decides whether `who` may do it (ESEAL_EDENIED when not, with
 * the rule and the reason), and the audit entry of the change records who
 * ("KIND:ID", e.g. "operator:alice") and, as salted commitments, from where
 * (address) and with what (device): docs/principal.md.
 */
#ifndef ESEAL_INSTANCE_H
#define ESEAL_INSTANCE_H

#include <signal.h>

#include "audit.h"
#include "cert.h"
#include "cms.h"
#include "common.h"
#include "context.h"
#include "report.h"
#include "imprint.h"
#include "pdf.h"
#include "platform.h"
#include "seal.h"
#include "records.h"
#include "trust.h"

ESEAL_BEGIN_DECL

typedef struct eseal_instance eseal_instance;

/**
 * A PIN callback: asked when a token first needs its PIN and none was set (a prompt, say). It
 * writes at most `cap` bytes of PIN into `pin`, sets *len and returns ESEAL_OK, or returns an
 * error code (ESEAL_EPASS: no PIN to give). The PIN it gives is then kept as set_token_pin keeps
 * it; a PIN the token refuses is forgotten, so the callback is asked again next time. `token` is
 * the token's label.
 */
typedef int (*eseal_token_pin_cb)(void *payload, const char *token, char *pin, size_t cap, size_t *len);

#define ESEAL_INSTANCE_INIT_OPTIONS_VERSION 5 /* 2: ctx; 3: who; 4: store; 5: token */

typedef struct {
    unsigned int version;     /**< ESEAL_INSTANCE_INIT_OPTIONS_VERSION */
    const char *passphrase;   /**< protects every key file; required, at least 8 bytes */
    size_t passphrase_len;
    const char *organization; /**< the platform operator, in CA names; default "eseal Platform" */
    const char *country;      /**< ISO 3166 code; default "CN" */
    const char *base_url;     /**< public URL of this platform, for CRL/OCSP/verification links;
                                   default "http://127.0.0.1:8080" */
    /** Key generation takes seconds: called before each step with what it makes
     * ("the SM2 hierarchy: root CA, issuing CA, seal maker, TSA"); may be NULL. */
    void (*progress)(void *ctx, const char *what);
    void *progress_ctx;
    const eseal_context *ctx; /**< version 2. Limits, clock and fetch while it is made; NULL: eseal_context_default() */
    /** version 3. Who creates the instance (policy action "init"): the actor of its set-up audit
     * entries (every certificate and CRL it makes). NULL, and versions 1 and 2: "platform". */
    const eseal_principal *who;
    /** version 4. Where its store is made, written to eseal.conf as `store`: a location of
     * eseal/sys/store.h ("postgresql://USER@HOST:PORT/DB[?PARAMS]", "sqlite:/PATH"), never with a
     * password in it (ESEAL_EINVAL: use libpq's password file). "schema=auto" among PostgreSQL's PARAMS
     * makes a new schema for it (eseal_ and 16 hex digits). The store must hold no instance
     * (ESEAL_EEXISTS). NULL, and versions 1 to 3: $ESEAL_STORE when set, else HOME/eseal.db. */
    const char *store;
    /** version 5 (issue 23). The label of a PKCS#11 token that holds the instance's CA keys from
     * the start: the p256 and rsa hierarchies' root CA, issuing CA, seal maker, TSA and OCSP
     * responder keys are generated in it (sensitive, never extractable, sign only; labelled
     * eseal-HIERARCHY-ROLE-8HEX) and their certificates record them by RFC 7512 URI (token label
     * and serial); renewals of those roles, and new responders of a CA in the token, make their
     * key in the same token. The token and the PIN are checked before anything is made. The sm2
     * hierarchy stays in key files (PKCS#11 has no SM2 mechanism), and so does the audit log's key.
     * NULL: every key in a file. */
    const char *token;
    /** version 5. The PKCS#11 module (an absolute path), written to eseal.conf as pkcs11_module;
     * NULL: SoftHSM2's module when installed. */
    const char *pkcs11_module;
    /** version 5. The token's PIN (copied into locked memory; the caller wipes its own copy), or
     * NULL to ask `token_pin_cb` when the token first needs it. */
    const char *token_pin;
    size_t token_pin_len;
    eseal_token_pin_cb token_pin_cb;
    void *token_pin_payload;
} eseal_instance_init_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_INSTANCE_INIT_OPTIONS_INIT { .version = ESEAL_INSTANCE_INIT_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_INSTANCE_INIT_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_INSTANCE_INIT_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_instance_init_options_init(eseal_instance_init_options *o, unsigned int version);

/** Creates a new instance in `home` (which must not hold one yet: ESEAL_EEXISTS). */
ESEAL_EXTERN(int) eseal_instance_init(const char *home, const eseal_instance_init_options *opts);

/**
 * Applies the store migrations the instance in `home` lacks (`eseal migrate`, issue 22): its
 * eseal.conf names the store (`store`, else HOME/eseal.db). *from gets the schema version found, *to
 * the version reached. A PostgreSQL store is never upgraded by another call (eseal_instance_open
 * refuses an older schema until this ran: many processes share it); SQLite's is upgraded by any open.
 * A schema newer than this eseal is refused. Changes no record, so it writes no audit entry (and cannot:
 * the log's store is what it upgrades).
 */
ESEAL_EXTERN(int) eseal_instance_migrate(const char *home, int *from, int *to);

/** Opens an existing instance (ESEAL_ENOTFOUND when `home` holds none). */
ESEAL_EXTERN(int) eseal_instance_open(eseal_instance **out, const char *home);

/**
 * Every later operation of `inst` runs under `ctx` (its limits, clock and fetch; NULL: the default
 * context). Not copied: it must outlive the instance or the next call of this function, and is not
 * to be changed while an operation of the instance runs.
 */
ESEAL_EXTERN(int) eseal_instance_set_context(eseal_instance *inst, const eseal_context *ctx);
ESEAL_EXTERN(void) eseal_instance_close(eseal_instance *inst);

/** Sets the passphrase used to unlock keys (copied; wiped on close). */
ESEAL_EXTERN(int) eseal_instance_set_passphrase(eseal_instance *inst, const char *pass, size_t len);

/**
 * Checks the passphrase set with eseal_instance_set_passphrase() by opening one key of the
 * instance: ESEAL_EPASS when it is wrong (for a prompt that asks again).
 */
ESEAL_EXTERN(int) eseal_instance_passphrase_check(eseal_instance *inst);

/**
 * Keys in hardware tokens (issue 23, docs/keys.md): a certificate whose key is a "pkcs11:" URI is
 * opened in the token with the token's PIN, which the caller gives in one of two ways.
 *
 * eseal_instance_set_token_pin: the PIN now (copied into a page locked with mlock, excluded from
 * core dumps, wiped on close or when replaced). It is never logged nor put in an error message.
 */
ESEAL_EXTERN(int) eseal_instance_set_token_pin(eseal_instance *inst, const char *pin, size_t len);

/** Sets (or, with NULL, removes) the PIN callback of `inst`. */
ESEAL_EXTERN(int) eseal_instance_set_token_pin_callback(eseal_instance *inst, eseal_token_pin_cb cb, void *payload);

/**
 * Generates a key pair in the token labelled `token` (the instance's PKCS#11 module: pkcs11_module
 * of eseal.conf, else SoftHSM2's when installed), `alg` ESEAL_ALG_P256, ESEAL_ALG_RSA2048 or
 * ESEAL_ALG_RSA3072 (SM2: ESEAL_EUNSUPPORTED, PKCS#11 has no standard SM2 mechanism), labelled
 * `label`. The private key is CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE: it
 * never leaves the token. Writes the key's RFC 7512 URI (NUL-terminated) to `uri`: what
 * eseal_cert_request.key_ref takes. ESEAL_EEXISTS when the token holds an object with that label.
 */
ESEAL_EXTERN(int) eseal_instance_token_key_generate(eseal_instance *inst, eseal_buf *uri, const char *token,
                                                    eseal_key_alg alg, const char *label);

/**
 * Opens a key in hardware by its reference (a "pkcs11:" URI) with the instance's module and token
 * PIN: signs in the token until eseal_key_free. ESEAL_EPASS for a wrong PIN (the message says how
 * many tries the token has left when it tells), ESEAL_EDENIED for a locked one.
 */
ESEAL_EXTERN(int) eseal_instance_open_hw_key(eseal_instance *inst, eseal_key **out, const char *ref);

/**
 * Changes the instance passphrase to `new_pass` (at least 8 bytes): every key file under keys/
 * is re-encrypted, all or nothing. The current passphrase must be set. The new files are
 * written and synced beside keys/, then exchanged with keys/ in one atomic rename
 * (renameat2 RENAME_EXCHANGE): after a failure or a crash at any point, every key opens with
 * exactly one of the two passphrases. Key writers of other processes wait for it on
 * HOME/keys.lock, and one that set the passphrase before the change is refused (ESEAL_EPASS)
 * rather than writing a key under the old passphrase. Afterwards the instance handle holds the
 * new passphrase.
 */
ESEAL_EXTERN(int) eseal_instance_passwd(eseal_instance *inst, const eseal_principal *who, const char *new_pass,
                                        size_t len);

ESEAL_EXTERN(const char *) eseal_instance_home(const eseal_instance *inst);

/**
 * Opens another handle on the home of `from`, for another thread of the same process (a server's
 * pool): it runs under the same context (eseal_instance_set_context) and opens keys as `from`
 * does (its passphrase, and the key-encryption key `from` holds, derived or installed from an
 * agent, so that the new handle does not derive it again; none is derived here). Not to be called
 * while another thread changes `from` (its passphrase, eseal_instance_passwd).
 */
ESEAL_EXTERN(int) eseal_instance_open_like(eseal_instance **out, eseal_instance *from);

/* Version 2 added org_id, version 3 key_ref; older requests are still accepted. */
#define ESEAL_CERT_REQUEST_VERSION 3

typedef struct {
    unsigned int version;  /**< ESEAL_CERT_REQUEST_VERSION */
    int person;            /**< 0: organisation certificate, 1: person certificate */
    const char *name;      /**< organisation name (O and CN) or person name (CN) */
    const char *uscc;      /**< organisation in China: 18-character unified social credit code (GB 32100-2015) */
    const char *person_id; /**< person: identity number (subject serialNumber), optional */
    const char *org_unit;  /**< optional */
    const char *country;   /**< default: the org_id's country (not XG/EU), else the instance's (CN by default) */
    const char *email;     /**< optional */
    eseal_key_alg alg;     /**< key algorithm; 0 (ESEAL_ALG_NONE): SM2. The issuing hierarchy follows it (SM2 -> sm2,
                                RSA -> rsa, else p256) */
    unsigned int days;     /**< validity; 0: the configured default (365) */
    /**
     * Version 2. Organisation outside China: its ETSI EN 319 412-1 §5.1.4 identifier
     * ("VATDE-123456789", "NTRDE-HRB12345", "LEIXG-...", "PSDGB-FCA-123456", "XX:CC-..."),
     * checked by eseal_org_id_parse and written as organizationIdentifier. An organisation whose
     * country is CN is identified by its USCC: uscc, or org_id "NTRCN-<USCC>" (the same thing);
     * any other identifier is refused for it, and uscc is refused outside CN.
     */
    const char *org_id;
    /**
     * Version 3. A key in hardware (a "pkcs11:" URI, issue 23): the certificate is for that key's
     * public key (its algorithm chooses the hierarchy; alg must be 0 or the same), no key is
     * generated, and the record's key_file is the URI, so every signing path opens the key in the
     * token. NULL: a new key, encrypted under the instance passphrase.
     */
    const char *key_ref;
} eseal_cert_request;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_CERT_REQUEST_INIT { .version = ESEAL_CERT_REQUEST_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_CERT_REQUEST_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_CERT_REQUEST_VERSION.
 */
ESEAL_EXTERN(int) eseal_cert_request_init(eseal_cert_request *o, unsigned int version);

/** Checks a unified social credit code, including its check character. 1 valid, 0 not. */
ESEAL_EXTERN(int) eseal_uscc_valid(const char *code);

/** Why eseal_org_id_parse refused an organisation identifier. */
typedef enum {
    ESEAL_ORGID_OK = 0,
    ESEAL_ORGID_SYNTAX,  /**< not TYPE + COUNTRY + '-' + IDENTIFIER */
    ESEAL_ORGID_TYPE,    /**< a type reference other than VAT, NTR, PSD, LEI or a national "XX:" */
    ESEAL_ORGID_COUNTRY, /**< country not two upper-case letters; XG without LEI or LEI without XG */
    ESEAL_ORGID_CHARSET, /**< a character the identifier's type does not use */
    ESEAL_ORGID_LENGTH,  /**< too short or too long for its type, or over ESEAL_ORGID_MAX */
    ESEAL_ORGID_CHECK,   /**< wrong check digits: LEI (ISO 17442 MOD 97-10), NTRCN (GB 32100-2015) */
} eseal_org_id_problem;

#define ESEAL_ORGID_MAX 64

/** An organisation identifier split into its parts (ETSI EN 319 412-1 §5.1.4). */
typedef struct {
    char type[4];                    /**< "VAT", "NTR", "PSD", "LEI", or a national scheme "XX:" */
    char country[3];                 /**< ISO 3166-1 alpha-2; "XG" for an LEI */
    char value[ESEAL_ORGID_MAX + 1]; /**< the identifier after the '-' */
    eseal_org_id_problem problem;    /**< ESEAL_ORGID_OK, or why it was refused */
} eseal_org_id;

/**
 * Parses and strictly checks an organisation identifier such as "VATDE-123456789" (the rules,
 * register by register, are in src/core/orgid.c). ESEAL_OK, or ESEAL_EINVAL with
 * out->problem set and eseal_error_last() naming the fault.
 */
ESEAL_EXTERN(int) eseal_org_id_parse(eseal_org_id *out, const char *text);

/** Generates a key, issues and records a certificate; `out` receives the record. Needs the passphrase. */
ESEAL_EXTERN(int) eseal_instance_cert_issue(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *out,
                                            const eseal_cert_request *req);

/**
 * Imports an external certificate (PEM/DER), optionally with its key (PEM
 * file, or the same PKCS#12 file), so it can sign. `cert_path` may be a
 * .p12/.pfx file; then `key_pass` is its password. The key is re-encrypted
 * under the instance passphrase.
 */
ESEAL_EXTERN(int) eseal_instance_cert_import(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *out,
                                             const char *cert_path, const char *key_path, const char *key_pass);

/**
 * Resolves `ref` (an id, id prefix, serial, fingerprint, or a certificate
 * file) to a certificate; `rec` (may be NULL) receives the store record.
 */
ESEAL_EXTERN(int) eseal_instance_cert_get(eseal_instance *inst, eseal_cert **cert, eseal_cert_record *rec,
                                          const char *ref);

/** Calls cb for every certificate record of the instance, oldest first; a non-zero return from cb stops and is
 * returned. */
ESEAL_EXTERN(int) eseal_instance_cert_list(eseal_instance *inst,
                                           int (*cb)(const eseal_cert_record *rec, void *payload), void *payload);

/** Revokes a certificate issued here (RFC 5280 reason code) and publishes a new CRL. */
ESEAL_EXTERN(int) eseal_instance_cert_revoke(eseal_instance *inst, const eseal_principal *who, const char *ref,
                                             int reason, int64_t at_ms);

/** Parses "keyCompromise", "superseded", ... (RFC 5280 §5.3.1) into a code. */
ESEAL_EXTERN(int) eseal_crl_reason_from_name(int *out, const char *name);

/**
 * Issues fresh CRLs for the CAs of `hierarchy` ("sm2", "p256", "rsa"): the root, the current
 * issuing CA, and every superseded issuing CA that is neither revoked nor expired (what it
 * certified is still valid). A revoked CA signs no more CRLs; its last one stays published.
 * `der` gets the current issuing CA's.
 */
ESEAL_EXTERN(int) eseal_instance_crl_issue(eseal_instance *inst, const eseal_principal *who, eseal_buf *der,
                                           const char *hierarchy);

/**
 * Called by eseal_instance_ca_renew for each certificate it replaced: `old` (now superseded, or
 * revoked) and the new one. A non-zero return stops the renewal there.
 */
typedef int (*eseal_ca_renew_cb)(const eseal_cert_record *old, const eseal_cert_record *renewed, void *payload);

/**
 * Renews a platform certificate of `hierarchy` ("sm2", "p256", "rsa"): `role` "issuing-ca",
 * "seal-maker" or "tsa" (not "root-ca": a new root is a new trust anchor). A new key and
 * certificate, issued by the current parent (the root for the issuing CA, the current issuing CA
 * for the others), becomes the current one; the one it replaces stays in the store, superseded
 * (or revoked, if it was), so that what it signed still verifies. A new issuing CA gets a CRL and
 * an OCSP responder at once; when the issuing CA replaced was revoked, the seal maker and the TSA
 * it certified are renewed under the new one as well. Each new certificate is an audit entry
 * "cert.renewed". `out` (may be NULL) gets the record of `role`'s new certificate; `cb` (may be
 * NULL) hears of each replacement. Needs the passphrase.
 */
ESEAL_EXTERN(int) eseal_instance_ca_renew(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *out,
                                          const char *role, const char *hierarchy, eseal_ca_renew_cb cb,
                                          void *payload);

/** Where a certificate of the instance stands. */
typedef enum {
    ESEAL_CERT_CURRENT,    /**< in use: the newest of its role (platform roles), or simply valid */
    ESEAL_CERT_SUPERSEDED, /**< replaced by a newer certificate of its role; kept for verification */
    ESEAL_CERT_REVOKED,
    ESEAL_CERT_EXPIRED,
} eseal_cert_status;

/** The status of a record of this instance's store (revoked, then expired, then superseded or current). */
ESEAL_EXTERN(int) eseal_instance_cert_status(eseal_instance *inst, eseal_cert_status *out,
                                             const eseal_cert_record *rec);
/** "current", "superseded", "revoked", "expired". */
ESEAL_EXTERN(const char *) eseal_cert_status_name(eseal_cert_status s);

/**
 * PEM of a hierarchy's chain: the issuing CA then the root (tsa=0), or the TSA
 * certificate, issuing CA and root (tsa=1).
 */
ESEAL_EXTERN(int) eseal_instance_ca_export(eseal_instance *inst, eseal_buf *pem, const char *hierarchy, int tsa);

/** What eseal_instance_ca_bundle wrote, and what a recipient should be told. */
typedef struct {
    size_t anchors;        /**< root certificates */
    size_t intermediates;  /**< issuing CA certificates */
    size_t crls;           /**< CRLs (the latest of each CA) */
    size_t stale;          /**< CAs whose latest CRL has expired, or that have none */
    char stale_cas[1024];  /**< those CAs and why, "; "-separated (may be cut short) */
} eseal_ca_bundle_info;

/**
 * The trust bundle for recipients, in one PEM file: the root certificates (trust anchors), the
 * issuing CA certificates, and the latest CRL of every CA, of `hierarchy` ("sm2", "p256", "rsa")
 * or of all (NULL). An expired or missing CRL is not an error: `info` says which (a verifier
 * then reports REVOCATION_OUT_OF_DATE / REVOCATION_UNKNOWN for what it covers). No passphrase.
 */
ESEAL_EXTERN(int) eseal_instance_ca_bundle(eseal_instance *inst, eseal_buf *pem, const char *hierarchy,
                                           eseal_ca_bundle_info *info);

/**
 * Answers the DER RFC 3161 TimeStampReq `req` with the TSA certificate and key of
 * `hierarchy` ("p256", NULL for it, or "sm2"; needs the passphrase): a DER
 * TimeStampResp, granted or a rejection (see tsa.h). Serial numbers come from the
 * store's counter tsa-serial-<hierarchy>; a service (eseal_instance_tsa_open)
 * reserves them 1024 at a time, in one durable transaction per block, so they are
 * unique across processes and restarts; a service that stops or crashes skips
 * the rest of its block. The value of a pre-store counter file
 * HOME/tsa/serial-<hierarchy> is a floor: serials continue above it.
 */
ESEAL_EXTERN(int) eseal_instance_tsa_respond(eseal_instance *inst, eseal_buf *resp, const void *req, size_t len,
                                             const char *hierarchy);

/**
 * A time-stamp authority of this instance loaded once (its key unlocked: needs
 * the passphrase) to answer many requests, from any thread.
 */
typedef struct eseal_tsa_service eseal_tsa_service;
ESEAL_EXTERN(int) eseal_instance_tsa_open(eseal_instance *inst, eseal_tsa_service **out, const char *hierarchy);
/** A DER TimeStampResp for the DER TimeStampReq `req` (granted or a rejection). */
ESEAL_EXTERN(int) eseal_tsa_service_respond(eseal_tsa_service *t, eseal_buf *resp, const void *req, size_t len);
ESEAL_EXTERN(void) eseal_tsa_service_close(eseal_tsa_service *t);

/* Served over HTTP by eseal_instance_serve (eseal/server.h). */

/** A trust set with the instance's roots, issuing CAs and latest CRLs. */
ESEAL_EXTERN(int) eseal_instance_trust(eseal_instance *inst, eseal_trust **out);

/** Signs a file with the certificate `cert_ref` and its key: detached CMS (DER). */
ESEAL_EXTERN(int) eseal_instance_sign_file(eseal_instance *inst, const eseal_principal *who, eseal_buf *p7s,
                                           const char *path, const char *cert_ref, const eseal_cms_sign_options *opts);

#define ESEAL_VERIFY_REQUEST_VERSION 3 /* 2: document_digests; 3: pictures */

typedef struct {
    unsigned int version;       /**< ESEAL_VERIFY_REQUEST_VERSION */
    const char *trust_path;     /**< extra anchors: a PEM bundle or a directory; may be NULL */
    const char *const *crl_paths; /**< extra CRL files */
    size_t crl_count;
    int64_t at_ms;              /**< validation time, 0: now */
    const char *expected_signer; /**< certificate ref or file; may be NULL */
    int online;                 /**< PDF: 1 to fetch OCSP (else the CRL) for certificates nothing else covers,
                                     cached under HOME/cache/revocation until their nextUpdate. PDF, OFD and
                                     seals: 1 also to ask the registry of another platform (recognised through
                                     its trust list, recognition.h) about its seal when no answer the document
                                     carries or one kept under HOME/cache/registry covers the time */
    unsigned int document_digests; /**< version 2. Which digests of the whole file the report carries:
                                        ESEAL_DOCUMENT_* bits (report.h); 0: both (SHA-256 and SM3) */
    int pictures;               /**< version 3. PDF and OFD: 1 to have each embedded seal's picture in the report
                                     (seal.picture.data, base64: what a page or a report shows); 0: null */
} eseal_verify_request;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_VERIFY_REQUEST_INIT { .version = ESEAL_VERIFY_REQUEST_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_VERIFY_REQUEST_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_VERIFY_REQUEST_VERSION.
 */
ESEAL_EXTERN(int) eseal_verify_request_init(eseal_verify_request *o, unsigned int version);

/** What a file handed to verification is. */
typedef enum {
    ESEAL_FILE_PDF = 1, /**< starts with "%PDF-" (ISO 32000-2 §7.5.2) */
    ESEAL_FILE_OFD,     /**< a zip package ("PK\\3\\4"), as OFD is (GB/T 33190-2016 §7.2) */
    ESEAL_FILE_CMS      /**< a DER ContentInfo of type signedData (RFC 5652 §3, §5.1), or PEM */
} eseal_file_kind;

/**
 * Tells from its first bytes what a file to verify is. `name` (may be NULL) names it in the
 * error: ESEAL_EMALFORMED "NAME is empty" for no bytes, "NAME is not a PDF, OFD or CMS file"
 * for anything else.
 */
ESEAL_EXTERN(int) eseal_file_kind_detect(eseal_file_kind *out, const void *p, size_t len, const char *name);

/** Verifies a detached CMS signature over the file at `data_path`, trusting the instance's CAs. */
ESEAL_EXTERN(int) eseal_instance_verify_cms(eseal_instance *inst, eseal_report **out, const void *p7s, size_t len,
                                            const char *data_path, const eseal_verify_request *req);

/* ---- audit hook ---------------------------------------------------------- */

#define ESEAL_AUDIT_EVENT_VERSION 1

/** Something that must be on the record: today, every seal lifecycle transition. */
typedef struct {
    unsigned int version;   /**< ESEAL_AUDIT_EVENT_VERSION */
    const char *kind;       /**< "seal.transition" */
    const char *esid;
    int64_t seq;            /**< the seal's event number */
    int64_t at_ms;
    const char *from_state; /**< "" for the first event */
    const char *to_state;
    const char *actor;
    const char *reason;
} eseal_audit_event;

/**
 * Called for every audit event inside the store transaction that makes the
 * change; a non-zero return rolls the change back (nothing happens that is not
 * on the record). The audit-log issue connects the transparency log here.
 */
typedef int (*eseal_audit_hook)(const eseal_audit_event *ev, void *payload);

ESEAL_EXTERN(void) eseal_instance_set_audit_hook(eseal_instance *inst, eseal_audit_hook hook, void *payload);

/* ---- seals: making, lifecycle, registry ----------------------------------- */

/* Version 2 dropped `actor`: who asks is the principal argument of eseal_instance_seal_make (a version-1
 * request, laid out with it, is refused). */
#define ESEAL_SEAL_REQUEST_VERSION 2

typedef struct {
    unsigned int version;   /**< ESEAL_SEAL_REQUEST_VERSION */
    const char *cert_ref;   /**< the certificate allowed to stamp (id, prefix, serial, fingerprint or file) */
    eseal_seal_type type;   /**< 0: ESEAL_SEAL_OFFICIAL */
    const char *name;       /**< seal name, e.g. "北京示例科技有限公司合同专用章" */
    const char *image_path; /**< transparent PNG of a scanned seal; NULL: draw the imprint */
    double width_mm;        /**< imprint size; 0: the template's (and for --image: 40) */
    double height_mm;
    const char *text;       /**< imprint text; NULL: the certificate's O (organisation) or CN (person) */
    const char *code;       /**< bottom code line / invoice tax ID, optional */
    uint32_t color;         /**< 0xRRGGBB; 0: red (ESEAL_IMPRINT_RED); black: ESEAL_IMPRINT_BLACK */
    const char *font_path;  /**< NULL: the default Song font */
    const char *hierarchy;  /**< maker: "sm2" (default) or "p256" */
    unsigned int days;      /**< validity; 0: until the certificate expires */
    int cert_digests;       /**< 1: list the certificate's SM3 digest (certListType 2) */
    int no_file;            /**< 1: stop at "made" (file later with ESEAL_SEAL_FILE) */
    const char *reason;     /**< why; recorded */
    const char *const *more_certs; /**< further certificates allowed to stamp (at most 15) */
    size_t more_cert_count;
} eseal_seal_request;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_SEAL_REQUEST_INIT { .version = ESEAL_SEAL_REQUEST_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_SEAL_REQUEST_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_SEAL_REQUEST_VERSION.
 */
ESEAL_EXTERN(int) eseal_seal_request_init(eseal_seal_request *o, unsigned int version);

/**
 * Makes a seal: draws (or imports) the imprint, signs the SES_Seal with the
 * instance's seal-maker key, and records applied -> approved -> made, then
 * (unless no_file) filed -> active with a signed filing receipt. `rec` and
 * `der` (each may be NULL) receive the record and the seal.
 */
ESEAL_EXTERN(int) eseal_instance_seal_make(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec,
                                           eseal_buf *der, const eseal_seal_request *req);

/** Looks up a seal by esID or unique prefix; `der` (may be NULL) receives the seal. */
ESEAL_EXTERN(int) eseal_instance_seal_get(eseal_instance *inst, eseal_seal_record *rec, eseal_buf *der,
                                          const char *ref);

/** Calls cb for every seal of the registry, oldest first; a non-zero return from cb stops and is returned. */
ESEAL_EXTERN(int) eseal_instance_seal_list(eseal_instance *inst,
                                           int (*cb)(const eseal_seal_record *rec, void *payload), void *payload);

typedef enum {
    ESEAL_SEAL_FILE,    /**< made -> filed -> active, with a filing receipt */
    ESEAL_SEAL_SUSPEND, /**< active -> suspended */
    ESEAL_SEAL_RESUME,  /**< suspended -> active */
    ESEAL_SEAL_REVOKE,  /**< -> revoked (final) */
    ESEAL_SEAL_CANCEL,  /**< -> cancelled (final) */
} eseal_seal_action;

/** Applies a lifecycle action; ESEAL_ESTATE when the seal's state does not allow it. */
ESEAL_EXTERN(int) eseal_instance_seal_transition(eseal_instance *inst, const eseal_principal *who,
                                                 eseal_seal_record *rec, const char *ref, eseal_seal_action action,
                                                 const char *reason);

/**
 * Renews a seal: a new seal (next generation, linked to the old one) with the
 * same name, type, picture and certificates, made and filed; the old one is
 * cancelled as superseded. `rec` receives the new seal.
 */
ESEAL_EXTERN(int) eseal_instance_seal_renew(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec,
                                            const char *ref, const char *reason);

/** The registry's answer to "what was seal X's status at time T". */
typedef struct {
    char state[16];   /**< a state name, "expired" past validEnd, or "none" before the seal existed */
    int64_t since_ms; /**< time of the event that set it (0 for "none") */
    int64_t seq;
    char actor[160]; /**< who set it: "KIND:ID" of the principal (docs/principal.md), "registry" for "expired" */
    char reason[512];
} eseal_seal_status;

/** The state set by the last event at or before `at_ms` (0: now); event times are whole seconds. */
ESEAL_EXTERN(int) eseal_instance_seal_status(eseal_instance *inst, eseal_seal_status *out, const char *ref,
                                             int64_t at_ms);

/** Calls cb for every event of a seal, in order. */
ESEAL_EXTERN(int) eseal_instance_seal_events(eseal_instance *inst, const char *ref,
                                             int (*cb)(const eseal_seal_event *ev, void *payload), void *payload);

/**
 * The imprint of a seal of this registry: drawn again from its recorded
 * geometry (PNG at `dpi`, SVG or PDF vectors), or, for a seal made from a
 * scanned picture, that PNG (other formats: ESEAL_EUNSUPPORTED).
 */
ESEAL_EXTERN(int) eseal_instance_seal_imprint(eseal_instance *inst, eseal_buf *out, const char *ref,
                                              eseal_imprint_format fmt, unsigned int dpi);

/** The signed filing receipt of a filed seal (DER). */
ESEAL_EXTERN(int) eseal_instance_seal_receipt(eseal_instance *inst, eseal_buf *der, const char *ref);

/**
 * Verifies a seal (DER) at req->at_ms: maker signature, chain (instance
 * anchors plus req->trust_path), validity, bindings, and, when the seal is in
 * this registry, its registry status at that time. `inst` may be NULL.
 */
ESEAL_EXTERN(int) eseal_instance_seal_verify(eseal_instance *inst, eseal_report **out, const void *der, size_t len,
                                             const eseal_verify_request *req);

/** Verifies a filing receipt (optionally against the seal bytes) with the instance's trust. */
ESEAL_EXTERN(int) eseal_instance_receipt_verify(eseal_instance *inst, eseal_report **out, const void *receipt,
                                                size_t len, const void *seal_der, size_t seal_len,
                                                const eseal_verify_request *req);

/* ---- stamping ------------------------------------------------------------ */

/* Version 3 added xy_exact: in a version-3 request 0 in x_mm or y_mm is the default place on that axis (as
 * -1 was); version-2 requests (0: the page's edge) are still accepted. Version 4 added doc_type,
 * version 5 request_id. */
#define ESEAL_STAMP_REQUEST_VERSION 5

struct eseal_stamp_result; /* below: what happened to one document */

typedef struct {
    unsigned int version;  /**< ESEAL_STAMP_REQUEST_VERSION */
    const char *seal_ref;  /**< a seal of this registry: esID (or prefix) or its .esl file */
    const char *cert_ref;  /**< the signing certificate; NULL: the first certificate the seal allows that has a key here */
    int page;              /**< 1-based; 0 (the default) or -1: the last page */
    /** The imprint's top-left from the visible page's top-left as displayed, in millimetres. 0 (the
     *  default) or negative: the default on that axis, 20 mm from the right (x) or bottom (y) edge
     *  (cross-page: y centred); with xy_exact, 0 is the left or top edge. */
    double x_mm, y_mm;
    const char *reason;
    const char *location;
    int adbe;              /**< 1: /SubFilter /adbe.pkcs7.detached */
    int qr;                /**< 1: a QR code of "<base_url>/v/<serial>" right of the imprint */
    int certify;           /**< 1, 2, 3: certify the document (DocMDP P); only the first signature */
    int cross_page;        /**< 1: a cross-page seal over pages cross_first..cross_last (0: all) */
    int cross_first, cross_last;
    int pss;               /**< 1: RSA keys sign with PSS */
    int jobs;              /**< eseal_instance_stamp_pdfs: worker threads; 0: four per online CPU (at most 64) */
    int lock;              /**< a field lock: ESEAL_PDF_LOCK_* (eseal/pdf.h) */
    const char *lock_fields; /**< its comma-separated full field names (INCLUDE, EXCLUDE) */
    int plain;             /**< OFD: 1 for a plain digital signature (Type="Sign", the bare signature of the
                                seal's signer over Signature.xml, no seal embedded) instead of a seal stamp */
    int level;             /**< ESEAL_LEVEL_*: B-B (the default), B-T, B-LT, B-LTA */
    const char *const *tsa_urls; /**< B-T and up: the TSAs asked in order; NULL: the instance's own TSA */
    size_t n_tsa_urls;
    unsigned int tsa_timeout_ms; /**< per TSA; 0: ESEAL_TSA_CLIENT_DEFAULT_TIMEOUT_MS */
    /** Who asks (required; ESEAL_EINVAL without it or when eseal_principal_check refuses it): authorised
     * by the platform's policy (ESEAL_EDENIED, nothing written) and recorded in each stamp's audit entry
     * (audit.h): its id and kind, the policy rule that allowed it, and its address and device only as
     * salted commitments. */
    const eseal_principal *who;
    const char *approvals; /**< approval ids, comma-separated; NULL: none */
    /* Long batches (eseal_instance_stamp_pdfs; the one-document calls honour them too). */
    const volatile sig_atomic_t *cancel; /**< non-NULL: once *cancel is non-zero (a signal handler may set it),
                                              documents not yet started are left alone (their result:
                                              ESEAL_ECANCELED) and the call returns ESEAL_ECANCELED; documents
                                              being stamped are finished, so no temporary file stays behind */
    int skip_existing;     /**< 1: a document whose output already exists is not stamped (result.skipped = 1):
                                a cancelled batch resumes without stamping a document twice */
    int in_place;          /**< 1: an output may be its own input (the same file by device and inode: also a
                                hard link); it is then replaced atomically. 0: refused (ESEAL_EINVAL) */
    /** Called once per document, as soon as its output is durable (the file and its directory synced, its
     * audit entry appended), or when it failed or was skipped; never for documents left by a cancel. Calls
     * are serialised (one at a time) but come from the worker threads. */
    void (*progress)(void *ctx, size_t index, const struct eseal_stamp_result *res);
    void *progress_ctx;
    int xy_exact;          /**< version 3. 1: a 0 in x_mm or y_mm is the page's left or top edge, not the default */
    /** version 4. The document type the requester declares ("contract", eseal/governance.h): a user
     *  stamps under a grant (docs/grants.md), whose types, when it names some, must include it. */
    const char *doc_type;
    /** version 5. A stamp request's id (eseal/governance.h; eseal_request_execute sets it): each document
     *  must be one of the request's approved documents not stamped yet (by its SHA-256; else
     *  DOCUMENT_CHANGED_AFTER_APPROVAL), the requester `who`, the request approved; the stamp's
     *  audit entry carries the request and its approval chain (`approvals` is then ignored). */
    const char *request_id;
} eseal_stamp_request;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_STAMP_REQUEST_INIT { .version = ESEAL_STAMP_REQUEST_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_STAMP_REQUEST_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_STAMP_REQUEST_VERSION.
 */
ESEAL_EXTERN(int) eseal_stamp_request_init(eseal_stamp_request *o, unsigned int version);

/**
 * Signature levels (ETSI EN 319 142-1 for PDF). B-B: the signature, its time
 * only claimed. B-T: with a signature timestamp from a TSA, which proves the
 * time. B-LT: also the certificates and revocation data needed to validate it
 * later (PDF: the /DSS dictionary). B-LTA: also a document timestamp over all
 * of it, which an archive can renew (eseal_instance_extend_pdf).
 */
typedef enum { ESEAL_LEVEL_B_B = 0, ESEAL_LEVEL_B_T, ESEAL_LEVEL_B_LT, ESEAL_LEVEL_B_LTA } eseal_level;

/** Parses "B-B", "B-T", "B-LT", "B-LTA" (case-insensitive, the "B-" optional). ESEAL_EINVAL otherwise. */
ESEAL_EXTERN(int) eseal_level_from_name(int *out, const char *name);
/** "B-B", "B-T", "B-LT", "B-LTA"; NULL for anything else. */
ESEAL_EXTERN(const char *) eseal_level_name(int level);

/** What a stamp was: its serial (printed under the imprint), the seal and the signing certificate. */
typedef struct eseal_stamp_result {
    char serial[40];   /**< "" when this document failed */
    char esid[64];
    char cert_id[24];
    int code;          /**< ESEAL_OK, or why this document failed */
    char message[256]; /**< the error, "" when stamped */
    int64_t time_ms;   /**< the signing time: the timestamp's genTime (B-T and up), else the local clock */
    char time_source[700]; /**< where time_ms came from: "RFC 3161 timestamp from URL (serial ...)" or
                                "local clock (claimed by the signer, not proven)" */
    int64_t log_index;     /**< the stamp's audit log entry; -1 when none */
    int skipped;           /**< 1: not stamped because its output exists (skip_existing); code is ESEAL_OK */
} eseal_stamp_result;

/**
 * The receipt of a stamp (C2SP tlog-proof, log.h) by its serial: made when the
 * stamp was, or now if no checkpoint covered it then.
 */
ESEAL_EXTERN(int) eseal_instance_stamp_receipt(eseal_instance *inst, eseal_buf *out, const char *serial);

/** What a stamp's serial (printed under its imprint, in its QR code) tells anyone: eseal_instance_stamp_find. */
typedef struct {
    char serial[40];
    char esid[64];           /**< the seal */
    char seal_name[512];     /**< the seal's name */
    char organisation[512];  /**< the seal's owner as recorded in the registry */
    char kind[8];            /**< "pdf", "ofd" */
    char document_sha256[65];/**< of the stamped document, lower-case hex */
    int64_t time_ms;         /**< when it was stamped */
    /** What proves time_ms (the audit entry's time proof): "signature" (the stamp's own RFC 3161
     *  timestamp, in the document), "entry" (a token over the audit entry), or "clock" (the
     *  platform's clock alone: no entry, or an entry without a proof). */
    char time_source[16];
    char seal_state[16];     /**< the seal's state now ("active", "suspended", "revoked", ...) */
    /** 1 when the seal was valid at time_ms: the platform stamps only with an active seal, so a
     *  stamp on record was made while its seal was active; this says time_ms is also within the
     *  seal's validity period. 0 otherwise. */
    int seal_valid_at_time;
    int64_t log_index;       /**< the stamp's audit log entry; -1 when none */
    int receipt_present;     /**< 1 when a receipt (C2SP tlog-proof) was made for it */
    /** The stamp request it was made under ("req_…", eseal/governance.h), "" none; and how many
     *  approvals that request had (its audit entry's `approvals` line). The public sees that approvals
     *  happened and how many; who approved, the organisation: eseal_instance_stamp_approvals. */
    char request[24];
    int approvals;
} eseal_stamp_info;

/**
 * The public record of a stamp by its serial ("ST20261121-0A1B2C3D4E": what the QR code of a
 * stamp points to). No principal: a stamp's serial, seal, owner, time, document digest and state
 * are public by design (anyone holding the document can check them), so this is a read anyone may
 * make. ESEAL_EINVAL for a serial of other characters than [A-Z0-9-] or over 39 bytes,
 * ESEAL_ENOTFOUND for an unknown serial.
 */
ESEAL_EXTERN(int) eseal_instance_stamp_find(eseal_instance *inst, eseal_stamp_info *out, const char *serial);

/**
 * The approval chain of stamp `serial` as its audit entry carries it ("req_…,STEP:LOGIN:TIME:HASH,…",
 * docs/requests.md; "" for a stamp made under no request), for `who`, a member of the organisation
 * whose seal made it (the platform's side: any). ESEAL_ENOTFOUND for a stamp `who` may not see;
 * ESEAL_ELIMIT when `cap` is short (1025 bytes are enough).
 */
ESEAL_EXTERN(int) eseal_instance_stamp_approvals(eseal_instance *inst, const eseal_principal *who, const char *serial,
                                                 char *out, size_t cap);

/**
 * Stamps the PDF at `in_path` with a seal of this registry and writes
 * `out_path`, in four phases (docs/audit-log.md): prepare (the stamped
 * document is written to a temporary file beside `out_path` and synced, its
 * SHA-256 before and after taken from the bytes read and written), authorise
 * (req->who, by the platform's policy), record (the audit entry is appended
 * durably), publish (the temporary file is renamed onto `out_path`). A failure
 * before the publication leaves only the input, untouched (in-place stamping
 * is safe); a publication that fails after the record gets a "stamp.failed"
 * entry, and so does one cut short by a crash (found by the next stamp).
 * The seal must be active, and the signing certificate one it allows. Needs
 * the passphrase.
 */
ESEAL_EXTERN(int) eseal_instance_stamp_pdf(eseal_instance *inst, eseal_stamp_result *res, const char *in_path,
                                           const char *out_path, const eseal_stamp_request *req);

/**
 * Stamps the OFD package at `in_path` (GB/T 38540 seal stamp: a new Sign_N
 * with Signature.xml, a V4 SES_Signature and the seal; the signature list
 * extended; every other entry kept) and writes `out_path` atomically. The
 * eseal_instance_stamp_pdf* calls take OFD inputs as well (by content).
 */
ESEAL_EXTERN(int) eseal_instance_stamp_ofd(eseal_instance *inst, eseal_stamp_result *res, const char *in_path,
                                           const char *out_path, const eseal_stamp_request *req);

/**
 * Stamps n documents with one seal: the seal, the key (one passphrase
 * derivation) and the imprint are prepared once, then req->jobs threads
 * stamp the documents in parallel. Each output is synced, and the output
 * directories are synced once, before the call returns. `res` (n entries,
 * may be NULL) says what happened to each; a failed document does not stop
 * the others, and the call then returns ESEAL_ERROR.
 */
ESEAL_EXTERN(int) eseal_instance_stamp_pdfs(eseal_instance *inst, eseal_stamp_result *res,
                                            const char *const *in_paths, const char *const *out_paths, size_t n,
                                            const eseal_stamp_request *req);

#define ESEAL_EXTEND_REQUEST_VERSION 1

typedef struct {
    unsigned int version;        /**< ESEAL_EXTEND_REQUEST_VERSION */
    int level;                   /**< ESEAL_LEVEL_B_LT or ESEAL_LEVEL_B_LTA; 0: ESEAL_LEVEL_B_LTA */
    const char *const *tsa_urls; /**< B-LTA: the TSAs asked in order; NULL: the instance's own TSA */
    size_t n_tsa_urls;
    unsigned int tsa_timeout_ms; /**< per TSA; 0: ESEAL_TSA_CLIENT_DEFAULT_TIMEOUT_MS */
} eseal_extend_request;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_EXTEND_REQUEST_INIT { .version = ESEAL_EXTEND_REQUEST_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_EXTEND_REQUEST_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_EXTEND_REQUEST_VERSION.
 */
ESEAL_EXTERN(int) eseal_extend_request_init(eseal_extend_request *o, unsigned int version);

/**
 * Raises an already signed PDF (by anyone) to req->level without touching its
 * signed bytes: one incremental update adds a document security store (/DSS:
 * the signers' certificates, this instance's CA and TSA certificates, the CAs'
 * latest CRLs and OCSP responses for the signers' and TSA's chains, merged
 * with any DSS already there); for B-LTA a second adds
 * a document timestamp over everything (which also renews an archive: extend a
 * B-LTA file again before its last timestamp's TSA certificate expires).
 * Written to `out_path` atomically (it may be `in_path`). `res` (may be NULL)
 * gets the timestamp's time and source. Needs the passphrase (the instance's
 * OCSP responders and TSA sign).
 */
ESEAL_EXTERN(int) eseal_instance_extend_pdf(eseal_instance *inst, const eseal_principal *who, eseal_stamp_result *res,
                                            const char *in_path, const char *out_path, const eseal_extend_request *req);

/** Verifies every signature of a PDF with the instance's trust and registry (inst may be NULL). */
ESEAL_EXTERN(int) eseal_instance_verify_pdf(eseal_instance *inst, eseal_report **out, const void *pdf, size_t len,
                                            const eseal_verify_request *req);

/**
 * Verifies every signature of an OFD package with the instance's trust and
 * registry (inst may be NULL); req->expected_signer is the certificate of
 * plain (Type="Sign") signatures.
 */
ESEAL_EXTERN(int) eseal_instance_verify_ofd(eseal_instance *inst, eseal_report **out, const void *ofd, size_t len,
                                            const eseal_verify_request *req);

/**
 * The report as JSON (docs/verify-report.schema.json): report_version, verdict, reasons (the
 * document's and every signature's), the document's data, signatures (each with its verdict,
 * reasons and sections) and validation_objects. UTF-8 as it is. out receives a NUL-terminated
 * buffer the caller disposes of with eseal_buf_dispose.
 */
ESEAL_EXTERN(int) eseal_report_to_json(eseal_buf *out, const eseal_report *r);
/** eseal_report_to_text flag: every section in a fixed, grouped order instead of the short answer. */
#define ESEAL_REPORT_TEXT_DETAIL 1u
/**
 * The report as text for people: by default the short answer (the verdict, then one paragraph per
 * signature: which seal, who signed, when and how that time is known, what it covers, why it is
 * not VALID); with ESEAL_REPORT_TEXT_DETAIL every section, check and validation object.
 */
ESEAL_EXTERN(int) eseal_report_to_text(eseal_buf *out, const eseal_report *r, unsigned flags);

/* ---- the report as a document for people: HTML and signed PDF (docs/verify-report.md, "The HTML and
 * PDF reports") ---- */

#define ESEAL_REPORT_DOC_OPTIONS_VERSION 1

typedef struct {
    unsigned int version;  /**< ESEAL_REPORT_DOC_OPTIONS_VERSION */
    const char *lang;      /**< "en" or "zh" (anything else is ESEAL_EINVAL); NULL: "en" */
    const char *file_name; /**< the verified file as people know it, in the header; NULL: none */
    const char *hierarchy; /**< PDF: the seal maker that signs it, "p256" (NULL: the default: what PDF readers
                                check) or "sm2" (GB/T 38540 readers) */
} eseal_report_doc_options;

/** Only the version is set; a zero field means its documented default. */
#define ESEAL_REPORT_DOC_OPTIONS_INIT { .version = ESEAL_REPORT_DOC_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_REPORT_DOC_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_REPORT_DOC_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_report_doc_options_init(eseal_report_doc_options *o, unsigned int version);

/**
 * The report as one self-contained HTML file: its JSON, the verify page's template (web/report-view.js),
 * strings, fields and style inlined, under a Content-Security-Policy that allows no request at all
 * (the inline script and style by their SHA-256). It shows what the verify page shows for the same
 * report; the seal pictures appear when the report carries them (eseal_verify_request.pictures).
 * `opts` may be NULL. No instance and no passphrase are needed.
 */
ESEAL_EXTERN(int) eseal_report_to_html(eseal_buf *out, const eseal_report *r, const eseal_report_doc_options *opts);

/**
 * The report as an A4 PDF drawn with cairo (the sections and fields of web/report-fields.json in
 * their order, the verdict large in its colour, the imprints, a header with the file name, its
 * SHA-256, the validation time and the platform), signed by the instance's seal maker of
 * opts->hierarchy: an invisible PAdES signature (ETSI.CAdES.detached) over the whole file, the issuing
 * CA in the CMS. Needs the passphrase: without it ESEAL_EPASS, and no PDF is given (a report is never
 * left unsigned). `opts` may be NULL.
 */
ESEAL_EXTERN(int) eseal_instance_report_pdf(eseal_instance *inst, eseal_buf *out, const eseal_report *r,
                                            const eseal_report_doc_options *opts);

/* ---- OCSP responder (RFC 6960) --------------------------------------------- */

/**
 * The instance's OCSP responder loaded once to answer many requests, from any
 * thread: every CA of `hierarchy` ("sm2", "p256", "rsa"; NULL: all of them)
 * answers through its delegated responder certificate (EKU OCSPSigning,
 * id-pkix-ocsp-nocheck, 30 days), issued now when it has none with at least a
 * week left (needs the passphrase, which unlocks the responder keys). The
 * status of each certificate is read from the store at each request: good,
 * revoked (time and reason of eseal_instance_cert_revoke) or unknown.
 */
typedef struct eseal_ocsp_service eseal_ocsp_service;
ESEAL_EXTERN(int) eseal_instance_ocsp_open(eseal_instance *inst, eseal_ocsp_service **out, const char *hierarchy);
/** A DER OCSPResponse for the DER OCSPRequest `req` (see eseal/ocsp.h). */
ESEAL_EXTERN(int) eseal_ocsp_service_respond(eseal_ocsp_service *s, eseal_buf *resp, const void *req, size_t len);
/**
 * The same for the GET form of RFC 6960 appendix A.1: `b64` is the base64 of the DER request as
 * it stands in the URL path after /ocsp/ (URL-decoded; a '+' turned into a space is taken
 * back). What is not base64 is answered malformedRequest.
 */
ESEAL_EXTERN(int) eseal_ocsp_service_respond_get(eseal_ocsp_service *s, eseal_buf *resp, const char *b64, size_t len);
ESEAL_EXTERN(void) eseal_ocsp_service_close(eseal_ocsp_service *s);
/** Opens the responder of `hierarchy` (NULL: all), answers one request, closes it. */
ESEAL_EXTERN(int) eseal_instance_ocsp_respond(eseal_instance *inst, eseal_buf *resp, const void *req, size_t len,
                                              const char *hierarchy);
/**
 * The latest CRL published for the CA `ca_id` (its full id, as in the CRL distribution point
 * URL <base_url>/crl/<id>.crl), DER. ESEAL_ENOTFOUND when none was published.
 */
ESEAL_EXTERN(int) eseal_ocsp_service_crl(eseal_ocsp_service *s, eseal_buf *der, const char *ca_id);
/**
 * The certificate of the CA `ca_id` (root or issuing CA of any hierarchy; its full id, as in
 * the caIssuers URL <base_url>/ca/<id>.crt), DER. ESEAL_ENOTFOUND for any other id.
 */
ESEAL_EXTERN(int) eseal_ocsp_service_ca_cert(eseal_ocsp_service *s, eseal_buf *der, const char *ca_id);
/* Served over HTTP by eseal_instance_serve (eseal/server.h): POST /ocsp, GET /ocsp/BASE64,
 * GET /crl/ID.crl, GET /ca/ID.crt. */

/* ---- eseal agent: the instance's key-encryption key held by one process (docs/agent.md) ---- */

/**
 * Unlocks `inst` with the key-encryption key (KEK) held by the agent of its home, if one runs
 * (HOME/agent.sock, `eseal agent start`): no passphrase and no key derivation are needed then.
 * The agent must run as the caller's own user (checked with SO_PEERCRED). Returns ESEAL_OK when
 * the instance is unlocked by the agent's KEK; ESEAL_ENOTFOUND when no agent runs for that home
 * (no socket, or nobody listening on it); ESEAL_EPASS when the agent's KEK no longer opens this
 * instance's keys (the passphrase was changed since it started; the instance is left as it was);
 * ESEAL_EDENIED when the socket's listener runs as another user; ESEAL_EIO / ESEAL_EMALFORMED /
 * ESEAL_EUNSUPPORTED when the agent does not answer in time or answers what this version does not
 * understand. In every case but ESEAL_OK the caller falls back to the passphrase
 * (eseal_instance_set_passphrase).
 */
ESEAL_EXTERN(int) eseal_instance_use_agent(eseal_instance *inst);

/** What a running agent says of itself (eseal_agent_status). */
typedef struct {
    long pid;                  /**< the agent's process id */
    unsigned int timeout_s;    /**< its idle timeout in seconds; 0: none */
    unsigned int left_s;       /**< seconds before it forgets the key unless asked for it; 0 with no timeout */
} eseal_agent_info;

/** Asks the agent of `home` about itself: ESEAL_ENOTFOUND when none runs (other codes as
 * eseal_instance_use_agent). */
ESEAL_EXTERN(int) eseal_agent_status(const char *home, eseal_agent_info *out);

/**
 * Asks the agent of `home` to wipe its key, remove its socket and exit, and returns once it has
 * (its connection closes as it exits; at most a few seconds). `out` (may be NULL) receives what it
 * said of itself just before. ESEAL_ENOTFOUND when none runs.
 */
ESEAL_EXTERN(int) eseal_agent_stop(const char *home, eseal_agent_info *out);

/**
 * Asks the agent of `home` to make one stamp, as eseal_instance_stamp_pdf(inst, res, in_path,
 * out_path, req) would, in the agent's own instance, whose keys it holds unlocked and whose store,
 * certificates and time-stamping authority it keeps open: this process opens no key, no store and
 * derives nothing (docs/agent.md, "Stamps by the agent"). Paths (and a seal or certificate given as
 * a file) are resolved from this process's working directory; files are created under its umask.
 * The acting principal is the agent's user, which is this process's user (both ends check it):
 * req->who's id is not sent, its address and device are. req->cancel and req->progress are not
 * used (a stamp under way is finished).
 *
 * `*made` (required) says who answered: 1 when the agent attempted the stamp, so the return value
 * and `res` are the stamp's own and final (do not stamp again, even on an error: ESEAL_EIO when
 * the agent ended before it answered, and the stamp may have been made); 0 when it did not (no
 * agent: ESEAL_ENOTFOUND; ESEAL_EUNSUPPORTED: an agent that is busy with another stamp, runs
 * under another root or mount namespace, whose key no longer opens the instance, or an older
 * agent) and the caller stamps by itself. `receipt` (may be NULL) receives the stamp's receipt
 * (eseal_instance_stamp_receipt), made by the agent; `*receipt_rc` (may be NULL) its code, whose
 * message is then the last error.
 */
ESEAL_EXTERN(int) eseal_agent_stamp(const char *home, eseal_stamp_result *res, const char *in_path,
                                    const char *out_path, const eseal_stamp_request *req, eseal_buf *receipt,
                                    int *receipt_rc, int *made);

/**
 * The agent itself, for a program that runs one (the eseal CLI's `eseal agent start`):
 *   eseal_agent_open      in the process that has the passphrase: derives the KEK (or takes the
 *                         one `inst` already has) into locked memory and listens on HOME/agent.sock
 *                         (ESEAL_EEXISTS when an agent already listens there; a socket nobody
 *                         listens on is replaced; anything else at that path is refused). `inst`
 *                         may be closed afterwards: the agent keeps only the KEK.
 *   eseal_agent_prepare   in the process that will serve (after a fork, for a daemon): locks the
 *                         KEK's memory again (locks are not inherited) and makes the process
 *                         undumpable (no core file, no ptrace by other processes of the user).
 *   eseal_agent_serve     answers requests until `*stop` becomes non-zero, a STOP request, or
 *                         idle_timeout_s seconds without a KEK request (0: never). `log` (may be
 *                         NULL) receives one line for each thing worth knowing: a refused
 *                         connection, the timeout, the stop. Returns ESEAL_OK on any of those.
 *   eseal_agent_close     wipes the KEK, closes the socket and removes HOME/agent.sock if it is
 *                         still the one this agent made, then frees.
 *   eseal_agent_forget    in a process that forked the serving one off: wipes this process's copy
 *                         of the KEK and closes its descriptors, leaving the socket to the other.
 */
typedef struct eseal_agent eseal_agent;
typedef void (*eseal_agent_log_fn)(void *ctx, const char *line);
ESEAL_EXTERN(int) eseal_agent_open(eseal_agent **out, eseal_instance *inst, unsigned int idle_timeout_s);
ESEAL_EXTERN(int) eseal_agent_prepare(eseal_agent *ag);
ESEAL_EXTERN(int) eseal_agent_serve(eseal_agent *ag, const volatile sig_atomic_t *stop, eseal_agent_log_fn log,
                                    void *log_ctx);
ESEAL_EXTERN(void) eseal_agent_close(eseal_agent *ag);
ESEAL_EXTERN(void) eseal_agent_forget(eseal_agent *ag);

/* ---- ownership: whose certificates, seals and audit entries (issue 19 §2) ---------------- */

/** An organisation's id (eseal/accounts.h: "org_" and 16 hex digits), with room. */
#define ESEAL_OWNER_ORG_MAX 32

/**
 * The organisation a certificate record belongs to: the platform's organisation (eseal/accounts.h)
 * whose USCC the subject's organizationIdentifier "NTRCN-<USCC>" names. `org` receives its id, or
 * "" when it names none (a person's certificate, the platform's own, an identifier other than a
 * USCC, a USCC no organisation has): then only the platform's side (the local operator, a
 * platform administrator) may act on it.
 */
ESEAL_EXTERN(int) eseal_instance_cert_org(eseal_instance *inst, char org[ESEAL_OWNER_ORG_MAX + 1],
                                          const eseal_cert_record *rec);
/**
 * The organisation a seal belongs to: that of the certificates it allows to stamp (all of them
 * that name one must name the same one; "" otherwise, and when none does).
 */
ESEAL_EXTERN(int) eseal_instance_seal_org(eseal_instance *inst, char org[ESEAL_OWNER_ORG_MAX + 1],
                                          const eseal_seal_record *rec);

/**
 * eseal_instance_seal_get for `who` (policy "seal.read": the platform's side, the members of the
 * seal's organisation): a seal of another organisation is ESEAL_ENOTFOUND, as a missing one; one of
 * no organisation (the platform's only) ESEAL_EDENIED for an organisation's user. `der` and
 * `org` (its organisation's id, "" for none) may be NULL.
 */
ESEAL_EXTERN(int) eseal_instance_seal_read(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec,
                                           eseal_buf *der, const char *ref, char org[ESEAL_OWNER_ORG_MAX + 1]);
/** The seals `who` may read, oldest first, each with its organisation's id ("" for none). */
ESEAL_EXTERN(int) eseal_instance_seal_list_for(eseal_instance *inst, const eseal_principal *who,
                                               int (*cb)(const eseal_seal_record *rec, const char *org,
                                                         void *payload),
                                               void *payload);
/**
 * The certificate record `ref` (an id, id prefix, serial or fingerprint of the store; never a
 * file) for `who` (policy "cert.read"; ESEAL_ENOTFOUND for another organisation's, ESEAL_EDENIED
 * for one of no organisation). `org` may be NULL.
 */
ESEAL_EXTERN(int) eseal_instance_cert_read(eseal_instance *inst, const eseal_principal *who, eseal_cert_record *rec,
                                           const char *ref, char org[ESEAL_OWNER_ORG_MAX + 1]);
/** The certificate records `who` may read, oldest first, each with its organisation's id. */
ESEAL_EXTERN(int) eseal_instance_cert_list_for(eseal_instance *inst, const eseal_principal *who,
                                               int (*cb)(const eseal_cert_record *rec, const char *org,
                                                         void *payload),
                                               void *payload);

/** One audit entry for eseal_instance_audit_read: its index, the entry, its organisation ("" for none). */
typedef int (*eseal_audit_read_cb)(uint64_t index, const eseal_audit_entry *e, const char *org, void *payload);
/**
 * The audit entries `who` may read (policy "audit.read": the platform's side all of them; an
 * auditor or organisation administrator those of its organisation: an entry is of the
 * organisation it records (eseal_audit_entry.org), else of its seal's, else of its certificate's,
 * else of its acting user's when that user existed when it was written), from index `from`
 * on, at most `limit` of them, looking at no more than 10,000 entries in one call. ESEAL_EDENIED
 * when `who` may read none. `*next` (may be NULL) receives the index to ask from next time (the
 * log's size when it was all read): fewer than `limit` entries and `*next` below the log's size
 * means the call stopped looking, not that there are no more.
 */
ESEAL_EXTERN(int) eseal_instance_audit_read(eseal_instance *inst, const eseal_principal *who, uint64_t from,
                                            size_t limit, eseal_audit_read_cb cb, void *payload, uint64_t *next);

/* ---- the audit trail, filtered (issue 21 §2) ---------------------------------------------------- */

#define ESEAL_AUDIT_QUERY_VERSION 1

/**
 * What eseal_instance_audit_query looks for. Every filter is optional (NULL or 0: any) and they all
 * must hold. Entries are not indexed by seal, user or time in the store (they are the log's leaves,
 * kept as bytes): a query scans the log from `cursor`, in the order asked, looking at no more than
 * `scan_max` entries in one call, so a filter that matches nothing in a huge log still answers soon,
 * with the place to go on from.
 */
typedef struct {
    unsigned int version; /**< ESEAL_AUDIT_QUERY_VERSION */
    const char *seal;     /**< the seal's esID, exactly (the entry's `seal` line) */
    const char *user;     /**< the acting user's login, exactly (an entry whose actor is that login and whose
                               actor kind is "user", or absent in entries written before the kind was) */
    int64_t since_ms;     /**< entries at or after this time (inclusive; 0: no lower bound) */
    int64_t until_ms;     /**< entries before this time (exclusive; 0: no upper bound) */
    const char *type;     /**< the entry's type exactly ("stamp"), or a family ending in '.' ("seal.") */
    int newest_first;     /**< 1: from the newest entry back; 0: oldest first (the log's order) */
    size_t limit;         /**< at most this many entries given (0: 100) */
    /**
     * Where to start: oldest first, the first index to look at (0: the log's start); newest first,
     * one past the first index to look at (0: the log's end). The answer's `next` is the value to
     * give to go on.
     */
    uint64_t cursor;
    size_t scan_max; /**< at most this many entries looked at (0, or above 10,000: 10,000) */
} eseal_audit_query;

/** Only the version is set; a zero field means its documented default. */
#define ESEAL_AUDIT_QUERY_INIT {.version = ESEAL_AUDIT_QUERY_VERSION}
/** Zeroes `o` and sets its version (ESEAL_EINVAL for NULL or a version other than the current one). */
ESEAL_EXTERN(int) eseal_audit_query_init(eseal_audit_query *o, unsigned int version);

/**
 * The audit entries `who` may read (the rule of eseal_instance_audit_read, the same decision) that
 * `q` asks for, given to `cb` in the order asked. `*next` (may be NULL) receives the cursor to go on
 * from; `*more` (may be NULL) 1 when entries may remain beyond it (the scan stopped at `limit` or
 * `scan_max`), 0 when the log was read to its end (oldest first: to the size it had) or its start.
 * ESEAL_EDENIED when `who` may read none; ESEAL_EINVAL for since >= until (both set). A cursor at or
 * beyond the log's size is its end.
 */
ESEAL_EXTERN(int) eseal_instance_audit_query(eseal_instance *inst, const eseal_principal *who,
                                             const eseal_audit_query *q, eseal_audit_read_cb cb, void *payload,
                                             uint64_t *next, int *more);
/**
 * eseal_instance_stamp_receipt for `who`: a stamp with a seal of its organisation, for an auditor,
 * an organisation administrator or a stamper of it (and the platform's side); ESEAL_EDENIED for
 * another member of it; ESEAL_ENOTFOUND for anyone else, as for a missing stamp.
 */
ESEAL_EXTERN(int) eseal_instance_stamp_receipt_for(eseal_instance *inst, const eseal_principal *who, eseal_buf *out,
                                                   const char *serial);

ESEAL_END_DECL

#endif
