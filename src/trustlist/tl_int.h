/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal pieces of trust lists and registry answers (include/eseal/trustlist.h, issue 24): base64url,
 * the compact JWS with ES256 they share, and the parts of the parsers the unit test and the fuzz
 * harnesses reach one by one (a harness cannot forge a signature, so it calls the payload parsers
 * directly; the test signs payloads the public signer would refuse, to see the reader refuse them).
 */
#ifndef ES_TL_INT_H
#define ES_TL_INT_H

#include "eseal/trustlist.h"
#include "util/util.h"

/* RFC 7515 §4.1.9 "typ" of each kind of JWS we write and read (RFC 8725 §3.11: explicit typing, so
 * that one kind is never taken for another). */
#define ES_JWS_TYP_LIST "eseal-trust-list+jws"
#define ES_JWS_TYP_ANSWER "eseal-registry-answer+jws"
#define ES_JWS_TYP_ROTATION "eseal-key-rotation+jws"

/* A protected header is a few short members: a JWK's coordinates are the longest (43 characters each). */
#define ES_JWS_HEADER_MAX 4096
/* A P-256 coordinate: 32 bytes, 43 characters of base64url; room for either. */
#define ES_JWS_COORD_B64_MAX 64
/* An ES256 signature: r || s, 64 bytes (86 characters, decoded into this). */
#define ES_JWS_SIG_B64_MAX 64
/* An ECDSA P-256 signature as DER SEQUENCE{r, s}: at most 72 bytes (two 33-byte INTEGERs and headers). */
#define ES_ECDSA_P256_DER_MAX 128
/* A key-rotation statement: a short header and payload, and 86 characters of signature. */
#define ES_JWS_ROTATION_MAX ESEAL_TRUSTLIST_MAX_STRING

/* RFC 4648 §5 base64url without padding (RFC 7515 §2), appended to out. */
ES_RESULT es_b64url_encode(es_buf *out, es_span in);
/* The bytes that n characters of unpadded base64url decode to (n % 4 == 1 is no encoding: one less). */
static inline size_t es_b64url_decoded_len(size_t n) { return n / 4 * 3 + n % 4 * 3 / 4; }
/* The strict inverse: only the URL alphabet, no padding, no line breaks, unused bits zero (one spelling
 * for each value). ESEAL_EMALFORMED naming `what` otherwise. */
ES_RESULT es_b64url_decode(es_buf *out, es_span in, const char *what);

/* How a JWS names its key: a JWK of the P-256 key (trust lists), a "kid" with the SHA-256 of its
 * SubjectPublicKeyInfo (registry answers), or nothing (a rotation statement: the list names the key). */
typedef enum {
    ES_JWS_JWK,
    ES_JWS_KID,
    ES_JWS_BARE,
} es_jws_keyref;

/* ESEAL_EUNSUPPORTED unless `key` is P-256: `what` ("a trust list's key") is ES256, JOSE has no SM2. */
ES_RESULT es_jws_key_p256(const eseal_key *key, const char *what);

/* A compact JWS of `payload` with the protected header {"alg":"ES256","typ":typ} and the key named as
 * `ref` asks, signed by `key` (P-256). */
ES_RESULT es_jws_sign(es_buf *out, const char *typ, es_jws_keyref ref, es_span payload, eseal_key *key);
/* The same with any header text (the test's forgeries: another alg, a crit, a swapped key). */
ES_RESULT es_jws_sign_header(es_buf *out, es_span header, es_span payload, eseal_key *key);

/* A compact JWS read but not yet verified. */
typedef struct {
    es_buf payload;        /* decoded, NUL-terminated */
    es_buf key_spki;       /* ES_JWS_JWK: the header's JWK as SubjectPublicKeyInfo DER */
    char kid[65];          /* ES_JWS_KID: the header's kid */
    es_span signing_input; /* ASCII(header "." payload), borrowed from the input */
    uint8_t sig[64];       /* r || s */
} es_jws;

/*
 * Splits and decodes a compact JWS: the header must say alg ES256 (anything else, "none" included, is
 * ESEAL_EVERIFY: no ES256 signature), typ `typ`, no crit, and name its key as `ref` says; a payload of
 * more than `max_payload` bytes is ESEAL_ELIMIT, anything else out of the form ESEAL_EMALFORMED.
 * `what` names the document in messages. es_jws_free releases it (also after a failure).
 */
ES_RESULT es_jws_read(es_jws *j, es_span in, const char *typ, es_jws_keyref ref, size_t max_payload,
                      const char *what);
/* ESEAL_EVERIFY unless j's signature verifies with `spki` (P-256: ESEAL_EUNSUPPORTED for another key). */
ES_RESULT es_jws_verify(const es_jws *j, es_span spki, const char *what);
void es_jws_free(es_jws *j);
/* The "kid" of a compact JWS's header, nothing else checked (eseal_registry_answer_kid). */
ES_RESULT es_jws_kid(char hex[65], es_span in, const char *what);

/* The LoTE payload alone, as the parser reads it after the signature: no signature and no rotation
 * statement checked (the fuzz harness; eseal_trustlist_parse does both around it). The list's key
 * fingerprint and SPKI are left empty. */
ES_RESULT es_trustlist_parse_payload(eseal_trustlist **out, es_span payload);
/* A registry answer's payload alone (the fuzz harness). */
ES_RESULT es_registry_answer_parse_payload(eseal_registry_answer_doc **out, es_span payload);

/* Times as the formats write them: a list's whole seconds "YYYY-MM-DDTHH:MM:SSZ" (ms truncated), an
 * answer's with milliseconds. false when `ms` is outside years 1970..9999. */
#define ES_TL_TIME_LEN 32
bool es_tl_time_text(char out[ES_TL_TIME_LEN], int64_t ms, bool with_ms);
/* Reads them back: "YYYY-MM-DDTHH:MM:SSZ", and with `fraction` also ".f" to ".fffffffff" before the Z
 * (milliseconds kept, the rest dropped). ESEAL_EMALFORMED naming `what` otherwise. */
ES_RESULT es_tl_time_parse(int64_t *ms, const char *text, bool fraction, const char *what);
/* True when s[0..n) is UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
bool es_tl_utf8(const char *s, size_t n);

#endif
