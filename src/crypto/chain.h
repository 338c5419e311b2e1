/* Chain validation shared by the CMS, PDF and OFD verifiers (src/crypto only). */
#ifndef ES_CHAIN_H
#define ES_CHAIN_H

#include "ossl.h"

/*
 * Validates `signer` against the trust set at `at_ms` and records the outcome
 * in `rep` (reasons and checks.* fields). `extra` are untrusted certificates
 * from the signature. `claimed_ms` (0 = none) is the signer's claimed time.
 * Returns an error only when the check could not run.
 */
ES_RESULT es_chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                         int64_t at_ms, int64_t claimed_ms);

#endif
