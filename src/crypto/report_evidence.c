/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of a report that need a digest: the document's SHA-256 and SM3, and the validation
 * objects (certificates, CRLs, OCSP responses, timestamps, seals) named by the SHA-256 of their DER
 * (ETSI TS 119 102-2 §4.4, "validation objects"). src/util/report.c keeps the tree; this file hashes.
 */
#include "crypto.h"
#include "util/report.h"

static ES_RESULT hex_digest(char out[129], eseal_hash h, es_span data)
{
    uint8_t md[64];
    size_t n = 0;
    ES_GUARD(es_digest(md, &n, h, data));
    es_hex_lower(out, md, n);
    return ES_OK;
}

ES_RESULT es_report_document(eseal_report *r, const char *format, es_span data, int64_t validation_time_ms)
{
    char sha256[129], sm3[129];
    ES_GUARD(hex_digest(sha256, ESEAL_HASH_SHA256, data));
    ES_GUARD(hex_digest(sm3, ESEAL_HASH_SM3, data));
    return es_report_document_init(r, format, data.len, sha256, sm3, validation_time_ms);
}

ES_RESULT es_report_evidence(eseal_report *r, es_vobj_type type, es_span der, const char *name, const char *origin,
                             int64_t poe_ms, char id[ES_VOBJ_ID_LEN])
{
    char sha256[129];
    ES_GUARD(hex_digest(sha256, ESEAL_HASH_SHA256, der));
    return es_report_object(r, type, sha256, name, origin, poe_ms, id);
}

ES_RESULT es_report_digest_hex(char out[129], eseal_hash h, es_span data) { return hex_digest(out, h, data); }
