/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compact JWS (RFC 7515 §7.1) of trust lists, key-rotation statements and registry answers, with
 * ES256 alone (RFC 7518 §3.4: ECDSA P-256 and SHA-256, the signature r || s).
 *
 * A reader of JWS is where the classic attacks live (RFC 8725 §2): "alg":"none", an HMAC "alg" keyed
 * with the public key, a "crit" extension that changes what is signed ("b64":false, RFC 7797), a
 * document of one kind passed off as another. So the algorithm is not read from the header and
 * obeyed: ES256 is the only one, whatever the header says; "crit" is refused (we implement no
 * extension, RFC 7515 §4.1.11); "typ" must name the expected kind (RFC 8725 §3.11); and a JWK must be
 * a P-256 point on the curve (a point off it is the invalid-curve attack's input).
 */
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "tl_int.h"

/* ---- base64url (RFC 4648 §5): OpenSSL's base64 (crypto/), with the URL alphabet and no padding ---- */

ES_RESULT es_b64url_encode(es_buf *out, es_span in)
{
    /* Through a buffer of its own: the padding base64 writes would count against out's limit. */
    ES_AUTO(es_buf_freep) es_buf std = ES_BUF_INIT(in.len / 3 * 4 + 8);
    ES_GUARD(es_base64_encode(&std, in));
    while (std.len > 0 && std.ptr[std.len - 1] == '=') {
        std.len--;
    }
    for (size_t i = 0; i < std.len; i++) {
        std.ptr[i] = std.ptr[i] == '+' ? '-' : std.ptr[i] == '/' ? '_' : std.ptr[i];
    }
    return es_buf_append(out, std.ptr, std.len);
}

ES_RESULT es_b64url_decode(es_buf *out, es_span in, const char *what)
{
    /* A last group of one character carries 6 bits, not a byte: no encoder writes it. */
    ES_ENSURE(in.len % 4 != 1, ESEAL_EMALFORMED, "%s: base64url of a length no encoder writes (%zu)", what, in.len);
    ES_AUTO(es_buf_freep) es_buf std = ES_BUF_INIT(in.len + 4);
    for (size_t i = 0; i < in.len; i++) {
        uint8_t c = in.ptr[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        ES_ENSURE(ok, ESEAL_EMALFORMED, "%s: byte %zu (0x%02x) is not base64url", what, i, c);
        ES_GUARD(es_buf_append_byte(&std, c == '-' ? '+' : c == '_' ? '/' : c));
    }
    while (std.len % 4 != 0) {
        ES_GUARD(es_buf_append_byte(&std, '='));
    }
    /* Into a buffer of its own (OpenSSL reserves for the padded length), then into out. */
    ES_AUTO(es_buf_freep) es_buf raw = ES_BUF_INIT(std.len / 4 * 3 + 4);
    ES_GUARD(es_base64_decode(&raw, es_buf_span(&std)));
    /* RFC 4648 §3.5: the pad bits are zero, so that each value has one spelling: the bytes must encode
     * back to the text read. */
    ES_AUTO(es_buf_freep) es_buf again = ES_BUF_INIT(in.len + 8);
    ES_GUARD(es_b64url_encode(&again, es_buf_span(&raw)));
    ES_ENSURE(again.len == in.len && memcmp(again.ptr, in.ptr, in.len) == 0, ESEAL_EMALFORMED,
              "%s: base64url with non-zero bits after its last byte", what);
    return es_buf_append(out, raw.ptr, raw.len);
}

/* ---- signing -------------------------------------------------------------------------------- */

ES_RESULT es_jws_key_p256(const eseal_key *key, const char *what)
{
    eseal_key_alg alg = eseal_key_algorithm(key);
    ES_ENSURE(alg == ESEAL_ALG_P256, ESEAL_EUNSUPPORTED,
              "%s is P-256 (JWS ES256), not %s: JOSE has no SM2 algorithm (RFC 7518), so the key that signs is P-256",
              what, alg == ESEAL_ALG_NONE ? "none" : eseal_key_alg_name(alg));
    return ES_OK;
}

ES_RESULT es_jws_sign_header(es_buf *out, es_span header, es_span payload, eseal_key *key)
{
    ES_GUARD(es_b64url_encode(out, header));
    ES_GUARD(es_buf_append_byte(out, '.'));
    ES_GUARD(es_b64url_encode(out, payload));
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_key_sign(&der, key, ESEAL_HASH_SHA256, ESEAL_SCHEME_DEFAULT, out->ptr, out->len);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&der);
        return es_from_code(rc);
    }
    uint8_t raw[64];
    es_result r = es_ecdsa_p256_der_to_raw(raw, es_span_of(der.ptr, der.size));
    eseal_buf_dispose(&der);
    ES_GUARD(r);
    ES_GUARD(es_buf_append_byte(out, '.'));
    return es_b64url_encode(out, es_span_of(raw, sizeof(raw)));
}

static ES_RESULT key_spki(es_buf *spki, const eseal_key *key)
{
    eseal_buf pub = ESEAL_BUF_INIT;
    int rc = eseal_key_public_der(&pub, key);
    es_result r = rc == ESEAL_OK ? es_buf_append(spki, pub.ptr, pub.size) : es_from_code(rc);
    eseal_buf_dispose(&pub);
    return r;
}

ES_RESULT es_jws_sign(es_buf *out, const char *typ, es_jws_keyref ref, es_span payload, eseal_key *key)
{
    ES_AUTO(es_buf_freep) es_buf spki = ES_BUF_INIT(ES_SPKI_DER_MAX);
    ES_GUARD(key_spki(&spki, key));
    ES_AUTO(json_decrefp) json_t *h = json_pack("{s:s, s:s}", "alg", "ES256", "typ", typ);
    ES_ENSURE_ALLOC(h);
    if (ref == ES_JWS_JWK) {
        uint8_t x[32], y[32];
        ES_GUARD(es_p256_spki_point(x, y, es_buf_span(&spki)));
        ES_AUTO(es_buf_freep) es_buf bx = ES_BUF_INIT(ES_JWS_COORD_B64_MAX);
        ES_AUTO(es_buf_freep) es_buf by = ES_BUF_INIT(ES_JWS_COORD_B64_MAX);
        ES_GUARD(es_b64url_encode(&bx, es_span_of(x, 32)));
        ES_GUARD(es_b64url_encode(&by, es_span_of(y, 32)));
        /* RFC 7517 §4, RFC 7518 §6.2.1: the members of an EC public key. */
        json_t *jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", es_buf_cstr(&bx), "y",
                                es_buf_cstr(&by));
        ES_ENSURE_ALLOC(jwk);
        ES_ENSURE(json_object_set_new(h, "jwk", jwk) == 0, ESEAL_ENOMEM, "out of memory");
    } else if (ref == ES_JWS_KID) {
        uint8_t md[32];
        es_span part = es_buf_span(&spki);
        ES_GUARD(es_sha256(md, &part, 1));
        char hex[65];
        es_hex_lower(hex, md, sizeof(md));
        ES_ENSURE(json_object_set_new(h, "kid", json_string(hex)) == 0, ESEAL_ENOMEM, "out of memory");
    }
    char *text = json_dumps(h, JSON_COMPACT);
    ES_ENSURE_ALLOC(text);
    es_result r = es_jws_sign_header(out, es_span_of(text, strlen(text)), payload, key);
    free(text); /* !checksrc! allowed: jansson's allocation */
    return r;
}

/* ---- reading -------------------------------------------------------------------------------- */

/* The three parts of a compact serialization: exactly two dots (RFC 7515 §7.1; five parts would be JWE). */
static ES_RESULT split(es_span parts[3], es_span in, const char *what)
{
    es_cur c = es_cur_of(in);
    ES_ENSURE(es_cur_until(&c, '.', &parts[0]) && es_cur_until(&c, '.', &parts[1]), ESEAL_EMALFORMED,
              "%s: not a compact JWS (three base64url parts separated by dots)", what);
    parts[2] = es_span_of(in.ptr + c.pos, es_cur_left(&c));
    ES_ENSURE(memchr(parts[2].ptr, '.', parts[2].len) == NULL, ESEAL_EMALFORMED,
              "%s: more than three parts: not a compact JWS", what);
    ES_ENSURE(parts[0].len > 0 && parts[1].len > 0, ESEAL_EMALFORMED, "%s: a JWS with an empty header or payload",
              what);
    return ES_OK;
}

/* The protected header as a JSON object, duplicates refused (RFC 7515 §4: names unique). */
static ES_RESULT header_json(json_t **out, es_span b64, const char *what)
{
    ES_ENSURE(b64.len <= ES_JWS_HEADER_MAX, ESEAL_ELIMIT, "%s: a JWS header of %zu characters (at most %d)", what,
              b64.len, ES_JWS_HEADER_MAX);
    ES_AUTO(es_buf_freep) es_buf h = ES_BUF_INIT(ES_JWS_HEADER_MAX);
    ES_GUARD_CTX(es_b64url_decode(&h, b64, "JWS header"), "%s", what);
    json_error_t err;
    json_t *j = json_loadb((const char *)h.ptr, h.len, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(j != NULL, ESEAL_EMALFORMED, "%s: the JWS header is not JSON: %s", what, err.text);
    if (!json_is_object(j)) {
        json_decref(j);
        ES_BAIL(ESEAL_EMALFORMED, "%s: the JWS header is not a JSON object", what);
    }
    *out = j;
    return ES_OK;
}

static ES_RESULT jwk_coordinate(uint8_t out[32], json_t *jwk, const char *name, const char *what)
{
    const char *v = json_string_value(json_object_get(jwk, name));
    ES_ENSURE(v != NULL, ESEAL_EMALFORMED, "%s: the JWS header's jwk has no \"%s\"", what, name);
    /* RFC 7518 §6.2.1.2: the full 32 bytes, leading zeros kept: 43 characters. */
    size_t n = strlen(v);
    ES_ENSURE(n == 43, ESEAL_EMALFORMED, "%s: the jwk's \"%s\" is %zu characters, not the 43 of a P-256 coordinate",
              what, name, n);
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_JWS_COORD_B64_MAX);
    ES_GUARD_CTX(es_b64url_decode(&b, es_span_of(v, n), "jwk coordinate"), "%s", what);
    ES_ENSURE(b.len == 32, ESEAL_EMALFORMED, "%s: the jwk's \"%s\" is not 32 bytes", what, name);
    memcpy(out, b.ptr, 32);
    return ES_OK;
}

static ES_RESULT header_key(es_jws *j, json_t *h, es_jws_keyref ref, const char *what)
{
    if (ref == ES_JWS_JWK) {
        json_t *jwk = json_object_get(h, "jwk");
        ES_ENSURE(json_is_object(jwk), ESEAL_EMALFORMED, "%s: the JWS header has no jwk object", what);
        const char *kty = json_string_value(json_object_get(jwk, "kty"));
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        ES_ENSURE(kty != NULL && strcmp(kty, "EC") == 0 && crv != NULL && strcmp(crv, "P-256") == 0,
                  ESEAL_EMALFORMED, "%s: the jwk is not a P-256 key (kty EC, crv P-256)", what);
        /* A private key published in a header is a leak, never a key to trust (RFC 7517 §9.2). */
        ES_ENSURE(json_object_get(jwk, "d") == NULL, ESEAL_EMALFORMED, "%s: the jwk carries a private key (\"d\")",
                  what);
        uint8_t x[32], y[32];
        ES_GUARD(jwk_coordinate(x, jwk, "x", what));
        ES_GUARD(jwk_coordinate(y, jwk, "y", what));
        ES_GUARD_CTX(es_p256_spki_from_point(&j->key_spki, x, y), "%s", what);
    } else if (ref == ES_JWS_KID) {
        const char *kid = json_string_value(json_object_get(h, "kid"));
        ES_ENSURE(kid != NULL, ESEAL_EMALFORMED, "%s: the JWS header has no kid", what);
        size_t n = strlen(kid);
        ES_ENSURE(n == 64 && es_is_lower_hex(kid, 64), ESEAL_EMALFORMED,
                  "%s: the kid is not a SHA-256 in lower-case hex (64 digits)", what);
        memcpy(j->kid, kid, 65);
    }
    return ES_OK;
}

ES_RESULT es_jws_read(es_jws *j, es_span in, const char *typ, es_jws_keyref ref, size_t max_payload,
                      const char *what)
{
    memset(j, 0, sizeof(*j));
    j->payload = (es_buf)ES_BUF_INIT(max_payload);
    j->key_spki = (es_buf)ES_BUF_INIT(ES_P256_SPKI_LEN);
    es_span parts[3];
    ES_GUARD(split(parts, in, what));
    ES_AUTO(json_decrefp) json_t *h = NULL;
    ES_GUARD(header_json(&h, parts[0], what));
    /* The algorithm is ours to decide, not the header's (RFC 8725 §3.1): ES256, or no signature at all. */
    json_t *alg = json_object_get(h, "alg");
    ES_ENSURE(json_is_string(alg), ESEAL_EVERIFY, "%s: the JWS header names no algorithm: not signed", what);
    ES_ENSURE(strcmp(json_string_value(alg), "ES256") == 0, ESEAL_EVERIFY,
              "%s: JWS algorithm \"%.32s\" refused: only ES256 signatures are read", what, json_string_value(alg));
    ES_ENSURE(json_object_get(h, "crit") == NULL, ESEAL_EMALFORMED,
              "%s: the JWS header has \"crit\": no extension is understood here (RFC 7515 §4.1.11)", what);
    const char *t = json_string_value(json_object_get(h, "typ"));
    ES_ENSURE(t != NULL, ESEAL_EMALFORMED, "%s: the JWS header has no typ (\"%s\" expected)", what, typ);
    ES_ENSURE(strcmp(t, typ) == 0, ESEAL_EMALFORMED, "%s: a JWS of type \"%.64s\", not \"%s\"", what, t, typ);
    ES_GUARD(header_key(j, h, ref, what));
    /* Four characters for three bytes: a longer payload is refused before it is decoded. */
    ES_ENSURE(es_b64url_decoded_len(parts[1].len) <= max_payload, ESEAL_ELIMIT,
              "%s: a payload of more than %zu bytes", what, max_payload);
    ES_GUARD_CTX(es_b64url_decode(&j->payload, parts[1], "JWS payload"), "%s", what);
    ES_ENSURE(parts[2].len == 86, ESEAL_EMALFORMED,
              "%s: a JWS signature of %zu characters, not the 86 of an ES256 r || s (64 bytes)", what, parts[2].len);
    ES_AUTO(es_buf_freep) es_buf s = ES_BUF_INIT(ES_JWS_SIG_B64_MAX);
    ES_GUARD_CTX(es_b64url_decode(&s, parts[2], "JWS signature"), "%s", what);
    ES_ENSURE(s.len == 64, ESEAL_EMALFORMED, "%s: a JWS signature of %zu bytes, not 64", what, s.len);
    memcpy(j->sig, s.ptr, 64);
    j->signing_input = es_span_of(in.ptr, parts[0].len + 1 + parts[1].len);
    return ES_OK;
}

ES_RESULT es_jws_verify(const es_jws *j, es_span spki, const char *what)
{
    uint8_t x[32], y[32];
    ES_GUARD_CTX(es_p256_spki_point(x, y, spki), "%s: the key to check it with", what);
    ES_AUTO(es_buf_freep) es_buf der = ES_BUF_INIT(ES_ECDSA_P256_DER_MAX);
    ES_GUARD(es_ecdsa_p256_raw_to_der(&der, j->sig));
    int valid = 0;
    int rc = eseal_signature_verify(&valid, spki.ptr, spki.len, ESEAL_HASH_SHA256, ESEAL_SCHEME_DEFAULT,
                                    j->signing_input.ptr, j->signing_input.len, der.ptr, der.len);
    ES_GUARD(es_from_code(rc));
    ES_ENSURE(valid == 1, ESEAL_EVERIFY, "%s: the ES256 signature does not verify", what);
    return ES_OK;
}

void es_jws_free(es_jws *j)
{
    es_buf_free(&j->payload);
    es_buf_free(&j->key_spki);
}

ES_RESULT es_jws_kid(char hex[65], es_span in, const char *what)
{
    es_span parts[3];
    ES_GUARD(split(parts, in, what));
    ES_AUTO(json_decrefp) json_t *h = NULL;
    ES_GUARD(header_json(&h, parts[0], what));
    es_jws j;
    memset(&j, 0, sizeof(j));
    ES_GUARD(header_key(&j, h, ES_JWS_KID, what));
    memcpy(hex, j.kid, 65);
    return ES_OK;
}
