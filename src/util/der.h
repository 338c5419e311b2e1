/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small DER reader and writer (ITU-T X.690) for the seal structures of
 * GB/T 38540-2020 / GM/T 0031-2014, which OpenSSL does not know.
 *
 * Why not OpenSSL's ASN1 templates: a verifier must hash and verify the exact
 * TLV bytes found in the file (standards.md §4, "raw bytes vs re-encoding"),
 * and must read vendor quirks (explicit DEFAULT values, IA5String where an
 * OCTET STRING belongs) without re-encoding them. The reader hands out spans
 * of the input and reports absolute offsets; it never allocates.
 *
 * Reading is bounded: definite lengths only (no BER indefinite form), low tag
 * numbers only, every length checked against what is left. Non-minimal length
 * encodings are accepted but flagged (`der_ok = false`) so callers can report
 * them; writing is always strict DER.
 */
#ifndef ES_DER_H
#define ES_DER_H

#include "util.h"

/* Identifier octets used by the seal structures (class, constructed, number). */
#define ES_DER_BOOLEAN 0x01
#define ES_DER_INTEGER 0x02
#define ES_DER_BIT_STRING 0x03
#define ES_DER_OCTET_STRING 0x04
#define ES_DER_NULL 0x05
#define ES_DER_OID 0x06
#define ES_DER_UTF8STRING 0x0c
#define ES_DER_PRINTABLESTRING 0x13
#define ES_DER_IA5STRING 0x16
#define ES_DER_UTCTIME 0x17
#define ES_DER_GENERALIZEDTIME 0x18
#define ES_DER_SEQUENCE 0x30
#define ES_DER_SET 0x31
#define ES_DER_CTX0_CONS 0xa0 /* [0] constructed: EXPLICIT tagging */
#define ES_DER_CTX0_PRIM 0x80 /* [0] primitive: IMPLICIT tagging of a primitive type */

typedef struct {
    uint8_t tag;  /* identifier octet */
    es_span tlv;  /* the whole element: tag, length and value */
    es_span val;  /* the contents */
    size_t off;   /* absolute offset of the tag byte in the input */
    size_t val_off;
    bool der_ok;  /* false when the length was not minimally encoded */
} es_der;

/* Reads the next element. ESEAL_EMALFORMED with the offset on any defect. */
ES_RESULT es_der_next(es_cur *c, es_der *out);
/* Reads the next element and requires its identifier octet to be `tag`. */
ES_RESULT es_der_expect(es_cur *c, uint8_t tag, es_der *out, const char *what);
/* True when the next element (if any) has identifier `tag`. */
bool es_der_peek(const es_cur *c, uint8_t tag);
/* A cursor over the contents of a constructed element, keeping absolute offsets. */
es_cur es_der_inner(const es_cur *outer, const es_der *d);
/* Requires the cursor to be at its end ("trailing data in <what>"). */
ES_RESULT es_der_end(const es_cur *c, const char *what);

/* INTEGER contents to int64 (at most 8 bytes, minimal form not enforced). */
ES_RESULT es_der_int64(const es_der *d, int64_t *out);
/* OBJECT IDENTIFIER contents to dotted text; out holds at least 128 bytes. */
ES_RESULT es_der_oid_text(const es_der *d, char *out, size_t out_len);
/* BIT STRING contents without the unused-bits octet (which must be 0). */
ES_RESULT es_der_bits(const es_der *d, es_span *out);
/* UTCTime (RFC 5280 window: YY < 50 is 20YY) or GeneralizedTime to ms since the epoch. */
ES_RESULT es_der_time(const es_der *d, int64_t *out_ms);
/* True when every byte is printable ASCII or the string is valid UTF-8 (per tag). */
bool es_der_text_ok(const es_der *d);

/* ---- writing (strict DER) ----------------------------------------------- */

/* Appends one primitive element. */
ES_RESULT es_der_put(es_buf *b, uint8_t tag, es_span val);
ES_RESULT es_der_put_int(es_buf *b, int64_t v);
/* BIT STRING with 0 unused bits around `bits`. */
ES_RESULT es_der_put_bits(es_buf *b, es_span bits);
/* OBJECT IDENTIFIER from dotted text ("1.2.156.10197.1.501"). */
ES_RESULT es_der_put_oid(es_buf *b, const char *dotted);
/* GeneralizedTime "YYYYMMDDHHMMSSZ" (whole seconds, DER form). */
ES_RESULT es_der_put_gentime(es_buf *b, int64_t ms);
/* UTCTime "YYMMDDHHMMSSZ" (years 1950..2049). */
ES_RESULT es_der_put_utctime(es_buf *b, int64_t ms);
ES_RESULT es_der_put_str(es_buf *b, uint8_t tag, const char *s);

/* Constructed elements: remember b->len, append the contents, then close. */
static inline size_t es_der_open(const es_buf *b) { return b->len; }
ES_RESULT es_der_close(es_buf *b, size_t mark, uint8_t tag);

#endif
