/* SPDX-License-Identifier: Apache-2.0 */
/* Signature timestamps in CMS SignerInfos (cms_ts.c); src/crypto only. */
#ifndef ES_TSATTR_H
#define ES_TSATTR_H

#include "eseal/tsa_client.h"
#include "crypto.h"
#include "ossl.h"

/*
 * Checks the signature timestamp of `si`, if any, against `t`: the token's
 * fields go to `rep` as "timestamp.*"; a VALID token sets *poe_ms to its
 * genTime (0 otherwise: no timestamp, or one that proves nothing, with the
 * reason TIMESTAMP_INVALID or TIMESTAMP_UNTRUSTED on `rep`).
 */
ES_RESULT es_cms_check_signature_timestamp(eseal_report *rep, CMS_SignerInfo *si, const eseal_trust *t,
                                           const es_revocation_opts *ro, int64_t *poe_ms);

#endif
