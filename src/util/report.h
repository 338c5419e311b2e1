/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal construction of eseal_report trees (see include/eseal/report.h).
 *
 * Values are set at dotted paths below a node's data ("signer.subject"); the objects on the way
 * are created, and a null on the way becomes an object. Setting a path again replaces its value
 * in place (the order of members stays the order of first setting). Paths here never index lists:
 * es_value_append adds an item and returns it for its members to be set with the es_value_* setters.
 */
#ifndef ES_REPORT_H
#define ES_REPORT_H

#include <stdarg.h>

#include "eseal/report.h"
#include "util.h"

ES_RESULT es_report_new(eseal_report **out);
/* Adds reason `code` (ESEAL_R_..., include/eseal/report.h) imposing `verdict` (VALID for an informative
 * note); ESEAL_ERROR when the table does not list that verdict for the code. */
__attribute__((format(printf, 4, 5))) ES_RESULT es_report_reason(eseal_report *r, eseal_verdict verdict,
                                                                 eseal_reason code, const char *fmt, ...);
/* Appends a new child and returns it (owned by r). */
ES_RESULT es_report_add_child(eseal_report *r, eseal_report **child);
/* The node's data, to be written with the es_value_* setters. */
eseal_value *es_report_root(eseal_report *r);

/* Setters below an object value (the node's data, or an item es_value_append returned). */
__attribute__((format(printf, 3, 4))) ES_RESULT es_value_str(eseal_value *obj, const char *path, const char *fmt, ...);
ES_RESULT es_value_vstr(eseal_value *obj, const char *path, const char *fmt, va_list ap);
/* A string kept as it is, line feeds included (every other setter turns them into spaces): a signed
 * note (signature.log.checkpoint), whose signature covers its lines. */
ES_RESULT es_value_text(eseal_value *obj, const char *path, const char *text);
ES_RESULT es_value_int(eseal_value *obj, const char *path, int64_t v);
ES_RESULT es_value_bool(eseal_value *obj, const char *path, bool v);
ES_RESULT es_value_time(eseal_value *obj, const char *path, int64_t ms);
ES_RESULT es_value_num(eseal_value *obj, const char *path, double d);
/* Sets path to null (keeps the key: "does not apply" rather than "not looked at"). */
ES_RESULT es_value_null(eseal_value *obj, const char *path);
/* Sets path to an empty object or list (replacing what was there) and returns it in *out (may be NULL). */
ES_RESULT es_value_object(eseal_value *obj, const char *path, eseal_value **out);
ES_RESULT es_value_list(eseal_value *obj, const char *path, eseal_value **out);
/* Appends a new item of `type` (ESEAL_VALUE_OBJECT for a record) to the list at path, creating
 * the list; *item is the new item (owned by the report). */
ES_RESULT es_value_append(eseal_value *obj, const char *path, eseal_value_type type, eseal_value **item);
/* Appends a string or integer item to the list at path. */
__attribute__((format(printf, 3, 4))) ES_RESULT es_value_append_str(eseal_value *obj, const char *path,
                                                                    const char *fmt, ...);
ES_RESULT es_value_append_int(eseal_value *obj, const char *path, int64_t v);
ES_RESULT es_value_append_num(eseal_value *obj, const char *path, double d);
/* Sets path to a deep copy of v (null when v is NULL): a value read from another report. */
ES_RESULT es_value_set(eseal_value *obj, const char *path, const eseal_value *v);
/* A writable value at path, or NULL. */
eseal_value *es_value_at(eseal_value *obj, const char *path);

/* The same, at the node's data. */
__attribute__((format(printf, 3, 4))) ES_RESULT es_report_str(eseal_report *r, const char *path, const char *fmt,
                                                              ...);
static inline ES_RESULT es_report_int(eseal_report *r, const char *path, int64_t v)
{
    return es_value_int(es_report_root(r), path, v);
}
static inline ES_RESULT es_report_bool(eseal_report *r, const char *path, bool v)
{
    return es_value_bool(es_report_root(r), path, v);
}
static inline ES_RESULT es_report_time(eseal_report *r, const char *path, int64_t ms)
{
    return es_value_time(es_report_root(r), path, ms);
}
static inline ES_RESULT es_report_null(eseal_report *r, const char *path)
{
    return es_value_null(es_report_root(r), path);
}

/*
 * The sections, all keys present (null) in a fixed order, so that PDF, OFD and CMS reports have
 * one shape. es_report_document_init: report_version, format, document {size, sha256, sm3},
 * validation_time, policy, validation_objects. es_report_signature_init: signature, signer,
 * seal, time, coverage, checks (docs/verify-report.md lists every key).
 */
ES_RESULT es_report_document_init(eseal_report *r, const char *format, uint64_t size, const char *sha256_hex,
                                  const char *sm3_hex, int64_t validation_time_ms);
ES_RESULT es_report_signature_init(eseal_report *sig);

/* The ESEAL_DOCUMENT_* bits a caller asked for (report.h): 0 means all of them; an unknown bit is
 * ESEAL_EINVAL. ES_OPT_DIGESTS reads the field of options `o` whose version `since` added it. */
ES_RESULT es_document_digests(unsigned int *out, unsigned int asked);
#define ES_OPT_DIGESTS(o, since) ((o) != NULL && (o)->version >= (since) ? (o)->document_digests : 0u)

/* Sets check `id` of the node (replacing an earlier check of that id, keeping its place):
 * status, detail (the prose; may be NULL), source (crl, ocsp, embedded, trust_set, ...; NULL for none). */
__attribute__((format(printf, 5, 6))) ES_RESULT es_report_check(eseal_report *r, const char *id,
                                                                eseal_check_status status, const char *source,
                                                                const char *fmt, ...);
/* Names validation object `object_id` (from es_report_object) as used by check `id` of the node. */
ES_RESULT es_report_check_uses(eseal_report *r, const char *id, const char *object_id);
/* Names, as used by check `id` of r, every object that `check` (a check of another report) names. */
ES_RESULT es_report_check_uses_from(eseal_report *r, const char *id, const eseal_value *check);

/* The types of validation objects. */
typedef enum {
    ES_VOBJ_CERTIFICATE,
    ES_VOBJ_CRL,
    ES_VOBJ_OCSP_RESPONSE,
    ES_VOBJ_TIMESTAMP,
    ES_VOBJ_SEAL,
} es_vobj_type;
#define ES_VOBJ_ID_LEN 24 /* "CRL-" + 16 hex digits + NUL, and room */
/*
 * Records a validation object (a certificate, CRL, OCSP response, time-stamp token or seal, by the
 * SHA-256 of its DER in hex: es_report_evidence in src/crypto/crypto.h computes it) in the
 * document report above r (r itself when it has no parent), once per digest:
 * {id, type, name, sha256, origin, poe}. `name` says what it is for people (a subject, an issuer);
 * `origin` where it came from (signature, dss, trust_set, instance, network, cache, package);
 * poe_ms the proof-of-existence time (0: none, null in the data). id receives the object's id.
 */
ES_RESULT es_report_object(eseal_report *r, es_vobj_type type, const char *sha256_hex, const char *name,
                           const char *origin, int64_t poe_ms, char id[ES_VOBJ_ID_LEN]);

/*
 * Copies src's reasons, data and validation objects into dst (not its children): objects are
 * merged member by member (src wins), lists are appended, except checks, which replace dst's
 * check of the same id. With prefix, src's data goes below that path of dst's data instead.
 */
ES_RESULT es_report_merge(eseal_report *dst, const eseal_report *src, const char *prefix);
static inline void es_report_freep(eseal_report **r) { eseal_report_free(*r); }

#endif
