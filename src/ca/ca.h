/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA room (src/ca): the instance's CA hierarchies, certificates and CRLs (ca.c), the OCSP
 * responder and revocation evidence (ocsp_responder.c), bundles (bundle.c). Built on src/core and
 * src/auditlog (issuing and revoking are audit events); the service above calls it.
 */
#ifndef ES_CA_H
#define ES_CA_H

#include "auditlog/auditlog.h"
#include "core/core.h"

#define ES_CA_ID_MAX 64 /* a CA id in a URL: es_ca ids are 16 hex digits, a SHA-256 is 64 */
/* A path inside the home named by a CA id, "crl/<id>.crl" (ES_CA_ID_MAX and a few bytes). */
#define ES_CA_REL_PATH_MAX 256
/* A common name we compose: the organization (one line of eseal.conf) and the role, hierarchy and generation. */
#define ES_CA_CN_MAX 512
/* An OCSP GET request's base64 (4/3 of ESEAL_OCSP_MAX_REQUEST) as it came, before its '+' are restored. */
#define ES_OCSP_GET_B64_MAX (2 * ESEAL_OCSP_MAX_REQUEST)
/* The CA bundle: the PEMs of the roots, of the issuing CAs (a few KiB each, a thousand fit), of the
 * CRLs (a CRL grows with its revocations: 16 MiB is ~300,000 entries), and the whole with its headers. */
#define ES_CA_BUNDLE_PEMS_MAX (4 << 20)
#define ES_CA_BUNDLE_CRLS_MAX (16 << 20)
#define ES_CA_BUNDLE_MAX (2 * ES_CA_BUNDLE_PEMS_MAX + ES_CA_BUNDLE_CRLS_MAX)

/* Creates the sm2, p256 and rsa hierarchies on behalf of `by` (the actor of their audit entries;
 * NULL: the platform); progress (may be NULL) is told before each. */
ES_RESULT es_ca_create_hierarchies(eseal_instance *inst, const es_acting *by,
                                   void (*progress)(void *ctx, const char *what), void *ctx);
/* Issues and stores a certificate for a new key, saving the key under keys/; the platform's own act
 * (es_ca_issue_as: on behalf of `by`, recorded in the audit entry). */
ES_RESULT es_ca_issue_as(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                         const char *hierarchy, eseal_key_alg alg, const es_cert_spec *spec_in,
                         const eseal_cert_record *issuer_rec);
/* Issues and stores a certificate for `key`, a key in hardware already opened, recorded under its
 * reference `key_ref` (a "pkcs11:" URI) as its key_file: nothing is generated nor saved. */
ES_RESULT es_ca_issue_for_key(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                              const char *hierarchy, const es_cert_spec *spec_in, const eseal_cert_record *issuer_rec,
                              eseal_key *key, const char *key_ref);
/* es_ca_issue_as with the new key where `issuer`'s is: generated in the issuer's PKCS#11 token when
 * its key is in one (not for SM2), else a key file. A CA's delegated OCSP responders follow it so. */
ES_RESULT es_ca_issue_beside(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                             const char *hierarchy, eseal_key_alg alg, const es_cert_spec *spec,
                             const eseal_cert_record *issuer);
ES_RESULT es_ca_issue(eseal_instance *inst, eseal_cert_record *out, const char *role, const char *hierarchy,
                      eseal_key_alg alg, const es_cert_spec *spec_in, const eseal_cert_record *issuer_rec);
/* Issues a fresh CRL for the CA record `ca` and stores it with its "crl.issued" audit entry (on
 * behalf of `by`; NULL: the platform), then writes HOME/crl/<id>.crl; der may be NULL. */
ES_RESULT es_ca_publish_crl(eseal_instance *inst, const es_acting *by, const eseal_cert_record *ca, es_buf *der);
/* The hierarchy that issues certificates for keys of `alg`. */
const char *es_hierarchy_for_alg(eseal_key_alg alg);

/* A current delegated OCSP responder certificate of the CA record `ca` (role "ocsp"), issued now
 * (on behalf of `by`; NULL: the platform) when there is none with at least a week left; out (may
 * be NULL) gets its record. */
ES_RESULT es_ocsp_responder_ensure(eseal_instance *inst, const es_acting *by, eseal_cert_record *out,
                                  const eseal_cert_record *ca);

/*
 * Current revocation evidence for a chain (chain[0] the signer, each next one its issuer; the
 * last one's own status is not gathered): for a certificate issued by one of the instance's CAs,
 * an OCSP response built in-process by that CA's responder (needs the passphrase) and the CA's
 * latest CRL; for others, fetched online (OCSP from the AIA URL, else the CRL from the CRL
 * distribution point), cached under HOME/cache/revocation until their nextUpdate. Everything
 * goes into `out` (once each). ESEAL_ENOTFOUND when nothing can be had for a certificate.
 */
ES_RESULT es_instance_revocation_evidence(eseal_instance *inst, const eseal_cert *const *chain, size_t n,
                                          es_revocation_data *out);

#endif
