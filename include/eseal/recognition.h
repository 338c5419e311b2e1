/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file recognition.h
 * Mutual recognition between platforms (issue 24; docs/trust-lists.md): the instance's own signed
 * trust list, and the lists of other platforms it imported and follows.
 *
 * Publishing and importing change what the platform trusts, so each is asked for by a principal
 * (platform.h), allowed by the policy (the local operator and platform administrators only) and
 * recorded in the audit log in the same store transaction as the change: "trustlist.published",
 * "trustlist.key-rotated", "trust.added", "trust.refreshed", "trust.removed".
 */
#ifndef ESEAL_RECOGNITION_H
#define ESEAL_RECOGNITION_H

#include "common.h"
#include "instance.h"
#include "platform.h"
#include "records.h"

ESEAL_BEGIN_DECL

#define ESEAL_TRUSTLIST_PUBLISH_OPTIONS_VERSION 1

/** What the published list says of the platform; NULL fields come from eseal.conf or defaults. */
typedef struct {
    unsigned int version;          /**< ESEAL_TRUSTLIST_PUBLISH_OPTIONS_VERSION */
    const char *name;              /**< the platform's name (TEName); eseal.conf `organization` */
    const char *operator_name;     /**< SchemeOperatorName; default: the name */
    const char *territory;         /**< ISO 3166-1 alpha-2; eseal.conf `country` */
    const char *base_url;          /**< where the platform answers (TEInformationURI, the registry's and the list's
                                    *   URLs are made from it); eseal.conf `base_url` */
    unsigned int validity_days;    /**< NextUpdate after the issue time; 0: 30 days */
    /**
     * 1: publish a scheme operator's list of lists instead: one entity per platform whose list this
     * instance imported directly from an http(s) URL (eseal trust add, under its pin), with that
     * list's key and URL; `name` is then the scheme's name. Kept apart from the platform's own list
     * (its own sequence numbers; served at /.well-known/eseal/list-of-lists).
     */
    int list_of_lists;
} eseal_trustlist_publish_options;

/** Only the version is set: the defaults. */
#define ESEAL_TRUSTLIST_PUBLISH_OPTIONS_INIT { .version = ESEAL_TRUSTLIST_PUBLISH_OPTIONS_VERSION }
/** Zeroes `o` and sets its version: the same as ESEAL_TRUSTLIST_PUBLISH_OPTIONS_INIT. ESEAL_EINVAL for NULL or
 *  another version. */
ESEAL_EXTERN(int) eseal_trustlist_publish_options_init(eseal_trustlist_publish_options *o, unsigned int version);

/**
 * Signs and returns the instance's trust list (a compact JWS, docs/trust-lists.md) with the next
 * sequence number: its CAs, seal makers, TSAs and OCSP responders of every hierarchy with their
 * certificates and status history (a revoked certificate is listed withdrawn from its revocation),
 * the audit log's note key, and the registry. The list key (P-256, keys/trust-list-p256.key,
 * encrypted under the passphrase) is made the first time. `fingerprint` gets the key's SHA-256
 * (hex), the pin others import it with. The list is recorded (audit entry "trustlist.published"
 * with its digest) and kept as the instance's current list, which `eseal serve` answers at
 * /.well-known/eseal/trust-list.
 */
ESEAL_EXTERN(int) eseal_instance_trustlist_publish(eseal_instance *inst, const eseal_principal *who, eseal_buf *jws,
                                                   char fingerprint[65], const eseal_trustlist_publish_options *o);

/**
 * The platform's own trust bundle (trustlist.h) for verifiers without network: its current published
 * list, the CRL it published last for each of its CAs (not revoked), and its registry's signed answer,
 * now, for each of the `n` seals `esids` names (whole esIDs of this registry; ESEAL_ENOTFOUND for
 * another). ESEAL_ENOTFOUND before the first publish. Those verifiers import it with
 * eseal_instance_trust_add under the list's pin. Read-only.
 */
ESEAL_EXTERN(int) eseal_instance_trustlist_bundle(eseal_instance *inst, const char *const *esids, size_t n,
                                                  eseal_buf *out);

/** The instance's current published list, or (list_of_lists 1) list of lists; ESEAL_ENOTFOUND before the
 *  first publish. */
ESEAL_EXTERN(int) eseal_instance_trustlist_current(eseal_instance *inst, int list_of_lists, eseal_buf *jws);

/**
 * Replaces the list key with a new one. The next published list is signed by the new key and
 * carries a statement signed by the old one, so that platforms which pinned the old key follow.
 * `fingerprint` gets the new key's SHA-256. Recorded ("trustlist.key-rotated").
 */
ESEAL_EXTERN(int) eseal_instance_trustlist_rotate_key(eseal_instance *inst, const eseal_principal *who,
                                                      char fingerprint[65]);

/**
 * Imports another platform's list, or a scheme operator's list of lists: it must verify, and its
 * key's SHA-256 must be `pin` (hex, case-insensitive). A list of lists brings the platforms it
 * names when their lists are added with eseal_instance_trust_refresh. ESEAL_EVERIFY for a wrong
 * signature or pin, ESEAL_EEXISTS when a list of that name is already imported (refresh it
 * instead), ESEAL_ESTATE for a list past its NextUpdate; nothing is changed then. `source` is the
 * URL or file it came from, and where eseal_instance_trust_refresh looks for newer versions; when
 * `jws` is NULL the list is read from there (an http or https URL is fetched, anything else is a
 * file). `out` (may be NULL) gets the record. The bytes may also be a trust bundle (trustlist.h,
 * eseal_instance_trust_bundle): its list is imported as above, its CRLs are kept with it (each must be
 * signed by one of the list's CAs) and its registry answers with those verifications keep (each must be
 * signed by the list's registry key); any that is not refuses the whole bundle. The same holds for
 * eseal_instance_trust_refresh, where a bundle with the list held still brings its CRLs and answers.
 */
ESEAL_EXTERN(int) eseal_instance_trust_add(eseal_instance *inst, const eseal_principal *who, const void *jws,
                                           size_t len, const char *source, const char *pin,
                                           eseal_trusted_list_record *out);

/**
 * Replaces the imported list `name` with a newer version `jws`: same name, a higher sequence
 * number, signed by the key held or by a new key whose rotation statement the held key signed.
 * ESEAL_EVERIFY (signature, key), ESEAL_ESTATE (a sequence not higher: a replay or an old copy);
 * nothing is changed then. The very bytes held are not a change: ESEAL_OK, `out` the held record,
 * no entry. When `jws` is NULL the list is read again from its source (URL or file).
 */
ESEAL_EXTERN(int) eseal_instance_trust_refresh(eseal_instance *inst, const eseal_principal *who, const char *name,
                                               const void *jws, size_t len, eseal_trusted_list_record *out);

/**
 * Asks the registry of the imported platform `name` again, now, about every seal of it whose
 * answers earlier verifications kept (HOME/cache/registry), and keeps the new answers: a seal that
 * platform revoked since is then found revoked by verifications without network. *refreshed and
 * *failed count the seals. The answers are the platform's signed statements, checked under the
 * registry key its list names; nothing of the instance's state changes (no principal, no entry).
 */
ESEAL_EXTERN(int) eseal_instance_trust_refresh_answers(eseal_instance *inst, const char *name, size_t *refreshed,
                                                       size_t *failed);

/**
 * A trust bundle (trustlist.h) of the imported platform `name`, for a verifier without network: its
 * list as held, the CRLs kept with it and every registry answer of it that verifications kept. That
 * verifier imports it with eseal_instance_trust_add (under the platform's pin) or, later, gives it to
 * eseal_instance_trust_refresh: the list, each CRL (one of the list's CAs must have signed it) and
 * each answer (the list's registry key must have) are checked there. Read-only.
 */
ESEAL_EXTERN(int) eseal_instance_trust_bundle(eseal_instance *inst, const char *name, eseal_buf *out);

/** Forgets the imported list `name` (ESEAL_ENOTFOUND). Recorded ("trust.removed"). */
ESEAL_EXTERN(int) eseal_instance_trust_remove(eseal_instance *inst, const eseal_principal *who, const char *name);

/** Every imported list, in name order; a non-zero return of cb stops and is returned. */
ESEAL_EXTERN(int) eseal_instance_trust_each(eseal_instance *inst,
                                            int (*cb)(const eseal_trusted_list_record *rec, void *payload),
                                            void *payload);

/** The imported list `name` and (jws may be NULL) its bytes. ESEAL_ENOTFOUND. */
ESEAL_EXTERN(int) eseal_instance_trust_get(eseal_instance *inst, eseal_trusted_list_record *out, eseal_buf *jws,
                                           const char *name);

/**
 * The registry's signed answer for seal `esid` at `at_ms` (0: now): a registry answer
 * (trustlist.h, docs/trust-lists.md) signed by the registry key (P-256, keys/registry-p256.key, made
 * the first time), which the platform's trust list names as its registry service. The status is
 * "active", "suspended", "revoked" (revoked, cancelled or expired, the reason saying which) or
 * "unknown" (no such seal then, or not yet active); it may be used until `next_update` (a day).
 * Public and read-only: it takes no principal, like the registry itself.
 */
ESEAL_EXTERN(int) eseal_instance_registry_answer(eseal_instance *inst, eseal_buf *jws, const char *esid,
                                                 int64_t at_ms);

ESEAL_END_DECL

#endif
