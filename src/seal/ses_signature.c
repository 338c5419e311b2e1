/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SES_Signature (a stamp) codec: GM/T 0031-2014 §6.2.1 (format 1) and
 * GB/T 38540-2020 (4/5). The signer signs the exact DER of TBS_Sign.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "ses.h"
#include "util/versions.h"

ES_RESULT es_ses_read_exts(const es_cur *outer, const es_der *d, eseal_seal_ext **exts, char ***oids, size_t *count,
                           es_notes *notes);
ES_RESULT es_ses_put_exts(es_buf *b, const eseal_seal_ext *exts, size_t n);
ES_RESULT es_ses_seal_encode(es_buf *out, const eseal_ses_seal *s);

/*
 * V1 timeInfo is a BIT STRING with no fixed content (standards.md §2): DER
 * UTCTime/GeneralizedTime bytes, "yyyy-MM-dd HH:mm:ss" (ofdrw) or
 * "yyyy-MM-ddTHH:mm:ss.sssZ" (dms360). Returns 0 when none fits.
 */
static int64_t v1_time(es_span raw)
{
    int64_t ms = 0;
    es_cur c = es_cur_of(raw);
    es_der d;
    if (raw.len > 2 && (raw.ptr[0] == ES_DER_UTCTIME || raw.ptr[0] == ES_DER_GENERALIZEDTIME) &&
        es_ok(es_der_next(&c, &d)) && es_cur_eof(&c) && es_ok(es_der_time(&d, &ms))) {
        return ms;
    }
    char text[40];
    if (raw.len < ES_SES_TIME_TEXT_MIN || raw.len >= sizeof(text)) {
        return 0;
    }
    memcpy(text, raw.ptr, raw.len);
    text[raw.len] = 0;
    if (text[10] == ' ') {
        text[10] = 'T'; /* ofdrw's local time has no zone: read it as UTC, and say so in the report */
    }
    if (raw.len == 19) {
        text[19] = 'Z';
        text[20] = 0;
    }
    if (es_ok(es_time_parse_rfc3339(text, &ms))) {
        return ms;
    }
    return 0;
}

static ES_RESULT read_tbs(eseal_ses_signature *s, es_cur *outer)
{
    es_der d, e;
    ES_GUARD(es_der_expect(outer, ES_DER_SEQUENCE, &d, "TBS_Sign"));
    s->tbs_tlv = d.tlv;
    es_cur c = es_der_inner(outer, &d);
    ES_GUARD(es_der_expect(&c, ES_DER_INTEGER, &e, "TBS_Sign.version"));
    ES_GUARD(es_der_int64(&e, &s->version));
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &e, "TBS_Sign.eseal"));
    int rc = eseal_ses_seal_decode(&s->seal, e.tlv.ptr, e.tlv.len);
    ES_GUARD_CTX(es_from_code(rc), "stamp: the embedded seal at offset %zu", e.off);
    if (s->format == 4 && s->seal->format == 1) {
        es_notes_add(&s->notes, "a GB/T 38540 stamp carries a GM/T 0031-2014 seal");
    }

    size_t at = c.pos;
    ES_ENSURE(!es_cur_eof(&c), ESEAL_EMALFORMED, "stamp: timeInfo missing at offset %zu", at);
    ES_GUARD(es_der_next(&c, &e));
    s->time_tag = e.tag;
    if (e.tag == ES_DER_GENERALIZEDTIME || e.tag == ES_DER_UTCTIME) {
        if (s->format == 1) {
            es_notes_add(&s->notes, "V1 timeInfo is a time type, not a BIT STRING");
        } else if (e.tag == ES_DER_UTCTIME) {
            es_notes_add(&s->notes, "timeInfo is a UTCTime (GB/T 38540 says GeneralizedTime)");
        }
        s->time_raw = e.val;
        ES_GUARD(es_der_time(&e, &s->time_ms));
    } else if (e.tag == ES_DER_BIT_STRING || e.tag == ES_DER_OCTET_STRING) {
        ES_ENSURE(s->format == 1, ESEAL_EMALFORMED, "stamp: timeInfo at offset %zu must be a GeneralizedTime", at);
        if (e.tag == ES_DER_OCTET_STRING) {
            es_notes_add(&s->notes, "timeInfo is an OCTET STRING (the standard says BIT STRING)");
            s->time_raw = e.val;
        } else {
            ES_GUARD(es_der_bits(&e, &s->time_raw));
        }
        s->time_ms = v1_time(s->time_raw);
        if (s->time_ms == 0) {
            es_notes_add(&s->notes, "timeInfo could not be read as a time");
        }
    } else {
        ES_BAIL(ESEAL_EMALFORMED, "stamp: timeInfo at offset %zu has tag 0x%02x", at, e.tag);
    }

    at = c.pos;
    ES_ENSURE(!es_cur_eof(&c), ESEAL_EMALFORMED, "stamp: dataHash missing at offset %zu", at);
    ES_GUARD(es_der_next(&c, &e));
    if (e.tag == ES_DER_OCTET_STRING) {
        es_notes_add(&s->notes, "dataHash is an OCTET STRING (the standard says BIT STRING)");
        s->data_hash = e.val;
    } else {
        ES_ENSURE(e.tag == ES_DER_BIT_STRING, ESEAL_EMALFORMED, "stamp: dataHash at offset %zu is not a BIT STRING",
                  at);
        ES_GUARD(es_der_bits(&e, &s->data_hash));
    }

    ES_ENSURE(!es_cur_eof(&c), ESEAL_EMALFORMED, "stamp: propertyInfo missing at offset %zu", c.pos);
    ES_GUARD(es_der_next(&c, &e));
    ES_ENSURE(e.tag == ES_DER_IA5STRING || e.tag == ES_DER_UTF8STRING || e.tag == ES_DER_PRINTABLESTRING,
              ESEAL_EMALFORMED, "stamp: propertyInfo at offset %zu is not a string", e.off);
    ES_ENSURE(e.val.len <= ES_SES_MAX_TEXT && memchr(e.val.ptr, 0, e.val.len) == NULL, ESEAL_EMALFORMED,
              "stamp: propertyInfo at offset %zu is too long or holds NUL", e.off);
    if (e.tag != ES_DER_IA5STRING) {
        es_notes_add(&s->notes, "propertyInfo uses string tag 0x%02x, not IA5String", e.tag);
    }
    s->property_info = es_strndup((const char *)e.val.ptr, e.val.len);
    ES_ENSURE_ALLOC(s->property_info);

    if (s->format == 1) {
        ES_GUARD(es_der_expect(&c, ES_DER_OCTET_STRING, &e, "TBS_Sign.cert"));
        s->signer_cert = e.val;
        ES_GUARD(es_der_expect(&c, ES_DER_OID, &e, "TBS_Sign.signatureAlgorithm"));
        ES_GUARD(es_der_oid_text(&e, s->sig_alg, sizeof(s->sig_alg)));
    } else if (!es_cur_eof(&c)) {
        /* extDatas [0] ExtensionDatas OPTIONAL: written EXPLICIT; a bare SEQUENCE is read too (§3.1). */
        at = c.pos;
        ES_GUARD(es_der_next(&c, &e));
        if (e.tag == ES_DER_CTX0_CONS) {
            es_cur ic = es_der_inner(&c, &e);
            if (es_der_peek(&ic, ES_DER_SEQUENCE)) {
                es_der inner;
                ES_GUARD(es_der_next(&ic, &inner));
                if (es_cur_eof(&ic) && (inner.val.len == 0 || inner.val.ptr[0] == ES_DER_SEQUENCE)) {
                    ES_GUARD(es_ses_read_exts(&ic, &inner, &s->exts, &s->ext_oids, &s->ext_count, &s->notes));
                } else {
                    /* IMPLICIT [0]: the ExtData SEQUENCEs sit directly inside the tag. */
                    es_notes_add(&s->notes, "extDatas is IMPLICIT [0]");
                    ES_GUARD(es_ses_read_exts(&c, &e, &s->exts, &s->ext_oids, &s->ext_count, &s->notes));
                }
            }
        } else {
            ES_ENSURE(e.tag == ES_DER_SEQUENCE, ESEAL_EMALFORMED, "stamp: extDatas at offset %zu has tag 0x%02x", at,
                      e.tag);
            es_notes_add(&s->notes, "extDatas has no [0] tag");
            ES_GUARD(es_ses_read_exts(&c, &e, &s->exts, &s->ext_oids, &s->ext_count, &s->notes));
        }
    }
    return es_der_end(&c, "TBS_Sign");
}

static ES_RESULT decode_signature(eseal_ses_signature *s)
{
    es_cur top = es_cur_of(es_buf_span(&s->der));
    es_der d, e;
    ES_GUARD(es_der_expect(&top, ES_DER_SEQUENCE, &d, "SES_Signature"));
    ES_GUARD(es_der_end(&top, "the signature file"));
    es_cur c = es_der_inner(&top, &d);
    size_t n = 0;
    es_cur probe = c;
    while (!es_cur_eof(&probe)) {
        ES_GUARD(es_der_next(&probe, &e));
        n++;
    }
    ES_ENSURE(n == 2 || n == 4 || n == 5, ESEAL_EMALFORMED,
              "stamp: SES_Signature has %zu elements (2 for GM/T 0031-2014, 4 or 5 for GB/T 38540)", n);
    s->format = n == 2 ? 1 : 4;
    ES_GUARD(read_tbs(s, &c));
    if (s->format != 1) {
        s->format = s->version == 5 ? 5 : 4;
        ES_GUARD(es_der_expect(&c, ES_DER_OCTET_STRING, &e, "SES_Signature.cert"));
        s->signer_cert = e.val;
        ES_GUARD(es_der_expect(&c, ES_DER_OID, &e, "SES_Signature.signatureAlgID"));
        ES_GUARD(es_der_oid_text(&e, s->sig_alg, sizeof(s->sig_alg)));
    }
    size_t at = c.pos;
    ES_GUARD(es_der_next(&c, &e));
    if (e.tag == ES_DER_OCTET_STRING) {
        es_notes_add(&s->notes, "signature is an OCTET STRING (the standard says BIT STRING)");
        s->value = e.val;
    } else {
        ES_ENSURE(e.tag == ES_DER_BIT_STRING, ESEAL_EMALFORMED, "stamp: signature at offset %zu is not a BIT STRING",
                  at);
        ES_GUARD(es_der_bits(&e, &s->value));
    }
    if (!es_cur_eof(&c)) {
        at = c.pos;
        ES_GUARD(es_der_next(&c, &e));
        if (e.tag == ES_DER_CTX0_CONS) {
            es_cur tc = es_der_inner(&c, &e);
            es_der b;
            ES_GUARD(es_der_expect(&tc, ES_DER_BIT_STRING, &b, "SES_Signature.timeStamp"));
            ES_GUARD(es_der_bits(&b, &s->timestamp));
            ES_GUARD(es_der_end(&tc, "SES_Signature.timeStamp"));
        } else {
            ES_ENSURE(e.tag == ES_DER_CTX0_PRIM, ESEAL_EMALFORMED,
                      "stamp: the fifth element at offset %zu is not timeStamp [0]", at);
            es_notes_add(&s->notes, "timeStamp is IMPLICIT [0] (eseal writes EXPLICIT)");
            ES_GUARD(es_der_bits(&e, &s->timestamp));
        }
    }
    return es_der_end(&c, "SES_Signature");
}

int eseal_ses_signature_decode(eseal_ses_signature **out, const void *der, size_t len)
{
    if (out == NULL || (der == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    *out = NULL;
    size_t max = es_ctx_limits(NULL)->max_der_bytes;
    if (len > max) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "stamp: %zu bytes exceed the %zu-byte limit",
                                    len, max));
    }
    eseal_ses_signature *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    s->der = (es_buf)ES_BUF_INIT(max);
    es_result r = es_buf_append(&s->der, der, len);
    if (es_ok(r)) {
        r = decode_signature(s);
    }
    if (!es_ok(r)) {
        eseal_ses_signature_free(s);
        return es_code(r);
    }
    *out = s;
    return ESEAL_OK;
}

void eseal_ses_signature_free(eseal_ses_signature *s)
{
    if (s == NULL) {
        return;
    }
    es_buf_free(&s->der);
    eseal_ses_seal_free(s->seal);
    es_free(s->property_info);
    es_ses_exts_free(s->exts, s->ext_oids, s->ext_count);
    es_notes_free(&s->notes);
    es_free(s);
}

static eseal_bytes bytes_of(es_span s) { return (eseal_bytes){s.ptr, s.len}; }

int eseal_ses_signature_format(const eseal_ses_signature *s) { return s != NULL ? s->format : 0; }
int64_t eseal_ses_signature_version(const eseal_ses_signature *s) { return s != NULL ? s->version : 0; }
const eseal_ses_seal *eseal_ses_signature_seal(const eseal_ses_signature *s) { return s != NULL ? s->seal : NULL; }
int64_t eseal_ses_signature_time(const eseal_ses_signature *s) { return s != NULL ? s->time_ms : 0; }
eseal_bytes eseal_ses_signature_time_raw(const eseal_ses_signature *s) { return s != NULL ? bytes_of(s->time_raw) : (eseal_bytes){0}; }
eseal_bytes eseal_ses_signature_data_hash(const eseal_ses_signature *s) { return s != NULL ? bytes_of(s->data_hash) : (eseal_bytes){0}; }
const char *eseal_ses_signature_property_info(const eseal_ses_signature *s) { return s != NULL ? s->property_info : ""; }
eseal_bytes eseal_ses_signature_signer_cert(const eseal_ses_signature *s) { return s != NULL ? bytes_of(s->signer_cert) : (eseal_bytes){0}; }
const char *eseal_ses_signature_sig_alg(const eseal_ses_signature *s) { return s != NULL ? s->sig_alg : ""; }
eseal_bytes eseal_ses_signature_value(const eseal_ses_signature *s) { return s != NULL ? bytes_of(s->value) : (eseal_bytes){0}; }
eseal_bytes eseal_ses_signature_tbs(const eseal_ses_signature *s) { return s != NULL ? bytes_of(s->tbs_tlv) : (eseal_bytes){0}; }
eseal_bytes eseal_ses_signature_timestamp(const eseal_ses_signature *s) { return s != NULL ? bytes_of(s->timestamp) : (eseal_bytes){0}; }
size_t eseal_ses_signature_ext_count(const eseal_ses_signature *s) { return s != NULL ? s->ext_count : 0; }
const eseal_seal_ext *eseal_ses_signature_ext(const eseal_ses_signature *s, size_t i)
{
    return s != NULL && i < s->ext_count ? &s->exts[i] : NULL;
}
size_t eseal_ses_signature_note_count(const eseal_ses_signature *s) { return s != NULL ? s->notes.n : 0; }
const char *eseal_ses_signature_note(const eseal_ses_signature *s, size_t i)
{
    return s != NULL && i < s->notes.n ? s->notes.items[i] : NULL;
}

int eseal_ses_signature_verify_signature(int *valid, const eseal_ses_signature *s)
{
    if (valid == NULL || s == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    es_notes notes = {{NULL}, 0};
    es_result r = es_ses_verify(valid, &notes, s->signer_cert, s->sig_alg, s->tbs_tlv, s->value);
    es_notes_free(&notes);
    return es_code(r);
}

/* ---- writing ------------------------------------------------------------- */

typedef struct {
    int format;
    int64_t version;
    es_span seal;        /* SESeal TLV */
    uint8_t time_tag;
    es_span time_raw;
    es_span data_hash;
    const char *property_info;
    es_span cert;
    const char *alg;
    const eseal_seal_ext *exts;
    size_t ext_count;
} tbs_parts;

static ES_RESULT put_tbs(es_buf *b, const tbs_parts *p)
{
    size_t m = es_der_open(b);
    ES_GUARD(es_der_put_int(b, p->version));
    ES_GUARD(es_buf_append(b, p->seal.ptr, p->seal.len));
    if (p->time_tag == ES_DER_BIT_STRING) {
        ES_GUARD(es_der_put_bits(b, p->time_raw));
    } else {
        ES_GUARD(es_der_put(b, p->time_tag, p->time_raw));
    }
    ES_GUARD(es_der_put_bits(b, p->data_hash));
    ES_GUARD(es_der_put_str(b, ES_DER_IA5STRING, p->property_info));
    if (p->format == 1) {
        ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, p->cert));
        ES_GUARD(es_der_put_oid(b, p->alg));
    } else if (p->ext_count > 0) {
        size_t t = es_der_open(b);
        ES_GUARD(es_ses_put_exts(b, p->exts, p->ext_count));
        ES_GUARD(es_der_close(b, t, ES_DER_CTX0_CONS));
    }
    return es_der_close(b, m, ES_DER_SEQUENCE);
}

static ES_RESULT put_signature(es_buf *b, const tbs_parts *p, es_span tbs, es_span sig, es_span timestamp)
{
    size_t m = es_der_open(b);
    ES_GUARD(es_buf_append(b, tbs.ptr, tbs.len));
    if (p->format != 1) {
        ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, p->cert));
        ES_GUARD(es_der_put_oid(b, p->alg));
    }
    ES_GUARD(es_der_put_bits(b, sig));
    if (p->format != 1 && timestamp.len > 0) {
        size_t t = es_der_open(b);
        ES_GUARD(es_der_put_bits(b, timestamp));
        ES_GUARD(es_der_close(b, t, ES_DER_CTX0_CONS));
    }
    return es_der_close(b, m, ES_DER_SEQUENCE);
}

static ES_RESULT signature_make(es_buf *out, const eseal_ses_sign_request *req, const eseal_cert *signer,
                                eseal_key *key)
{
    ES_CHECK_VERSION(req, ses_sign_request);
    ES_ENSURE(signer != NULL && key != NULL, ESEAL_EINVAL, "stamp: request, certificate and key are required");
    ES_ENSURE(req->data_hash != NULL && req->data_hash_len > 0 && req->data_hash_len <= ES_SES_MAX_HASH, ESEAL_EINVAL,
              "stamp: dataHash must be 1..%d bytes", ES_SES_MAX_HASH);
    ES_ENSURE(req->property_info != NULL && strlen(req->property_info) <= ES_SES_MAX_TEXT, ESEAL_EINVAL,
              "stamp: propertyInfo is required");
    es_der pd = {ES_DER_IA5STRING, {0}, es_span_of(req->property_info, strlen(req->property_info)), 0, 0, true};
    ES_ENSURE(es_der_text_ok(&pd), ESEAL_EINVAL, "stamp: propertyInfo must be printable ASCII (IA5String)");
    ES_ENSURE(eseal_cert_matches_key(signer, key) == 1, ESEAL_EINVAL,
              "stamp: the key does not belong to the signer certificate %s", eseal_cert_subject(signer));
    eseal_ses_seal *seal = NULL;
    int rc = eseal_ses_seal_decode(&seal, req->seal_der, req->seal_len);
    ES_GUARD_CTX(es_from_code(rc), "stamp: the seal");

    es_result r = ES_OK;
    eseal_buf cder = ESEAL_BUF_INIT, sig = ESEAL_BUF_INIT;
    const eseal_context *ctx = ES_OPT_CTX(req, 2);
    ES_AUTO(es_buf_freep) es_buf tbs = ES_BUF_INIT(es_ctx_limits(ctx)->max_der_bytes);
    ES_AUTO(es_buf_freep) es_buf time = ES_BUF_INIT(ES_SES_TIME_MAX);
    tbs_parts p = {0};
    eseal_hash hash = ESEAL_HASH_DEFAULT;
    rc = eseal_cert_der(&cder, signer);
    if (rc != ESEAL_OK) {
        r = es_from_code(rc);
        goto done;
    }
    /* GM/T 0031-2014 §6.2.2 c: the signer certificate must be one the seal lists. */
    if (!eseal_ses_seal_allows_cert(seal, cder.ptr, cder.size)) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                         "stamp: seal %s does not allow certificate %s (not in its certificate list)",
                         seal->info.esid, eseal_cert_subject(signer));
        goto done;
    }
    p.format = seal->format;
    p.version = seal->format == 1 ? seal->header_version : seal->format;
    p.seal = es_span_of(req->seal_der, req->seal_len);
    p.data_hash = es_span_of(req->data_hash, req->data_hash_len);
    p.property_info = req->property_info;
    p.cert = es_span_of(cder.ptr, cder.size);
    p.exts = req->exts;
    p.ext_count = req->ext_count;
    r = es_ses_alg_for_key(&p.alg, &hash, eseal_key_algorithm(key));
    int64_t when = req->time_ms != 0 ? req->time_ms : es_ctx_now(ctx);
    if (es_ok(r) && p.format == 1) {
        /* V1: a DER GeneralizedTime inside the BIT STRING, the least ambiguous of the forms in use. */
        p.time_tag = ES_DER_BIT_STRING;
        r = es_der_put_gentime(&time, when);
        p.time_raw = es_buf_span(&time);
        if (es_ok(r) && req->ext_count > 0) {
            r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "stamp: GM/T 0031-2014 stamps have no extDatas");
        }
    } else if (es_ok(r)) {
        char g[ES_GENTIME_LEN];
        es_time_gentime(g, when, false);
        p.time_tag = ES_DER_GENERALIZEDTIME;
        r = es_buf_append(&time, g, strlen(g));
        p.time_raw = es_buf_span(&time);
    }
    if (es_ok(r)) {
        r = put_tbs(&tbs, &p);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_key_sign(&sig, key, hash, ESEAL_SCHEME_DEFAULT, tbs.ptr, tbs.len));
    }
    if (es_ok(r)) {
        r = put_signature(out, &p, es_buf_span(&tbs), es_span_of(sig.ptr, sig.size), es_span_of(NULL, 0));
    }
done:
    eseal_buf_dispose(&cder);
    eseal_buf_dispose(&sig);
    eseal_ses_seal_free(seal);
    return r;
}

int eseal_ses_signature_make(eseal_buf *der, const eseal_ses_sign_request *req, const eseal_cert *signer,
                             eseal_key *key)
{
    ES_CHECK_VERSION_INT(req, ses_sign_request);
    if (der == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result r = signature_make(&b, req, signer, key);
    if (es_ok(r)) {
        es_buf_move_out(der, &b);
    }
    return es_code(r);
}

ES_RESULT es_ses_signature_add_timestamp(es_buf *out, es_span der, es_span token)
{
    ES_ENSURE(token.len > 0, ESEAL_EINVAL, "stamp: an empty time-stamp token");
    eseal_ses_signature *s = NULL;
    ES_GUARD(es_from_code(eseal_ses_signature_decode(&s, der.ptr, der.len)));
    int format = s->format;
    size_t had = s->timestamp.len;
    eseal_ses_signature_free(s);
    ES_ENSURE(format != 1, ESEAL_EINVAL, "stamp: a GM/T 0031-2014 (V1) SES_Signature has no timeStamp field");
    ES_ENSURE(had == 0, ESEAL_EINVAL, "stamp: the SES_Signature already has a timeStamp");
    /* The four elements as they are (the signature covers TBS_Sign only, but nothing is re-encoded). */
    es_cur top = es_cur_of(der);
    es_der d;
    ES_GUARD(es_der_expect(&top, ES_DER_SEQUENCE, &d, "SES_Signature"));
    size_t m = es_der_open(out);
    ES_GUARD(es_buf_append(out, d.val.ptr, d.val.len));
    size_t t = es_der_open(out);
    ES_GUARD(es_der_put_bits(out, token));
    ES_GUARD(es_der_close(out, t, ES_DER_CTX0_CONS)); /* EXPLICIT, as put_signature writes it */
    return es_der_close(out, m, ES_DER_SEQUENCE);
}

static ES_RESULT signature_encode(es_buf *out, const eseal_ses_signature *s)
{
    ES_AUTO(es_buf_freep) es_buf seal = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    ES_GUARD(es_ses_seal_encode(&seal, s->seal));
    tbs_parts p = {s->format, s->version, es_buf_span(&seal), s->time_tag, s->time_raw, s->data_hash,
                   s->property_info, s->signer_cert, s->sig_alg, s->exts, s->ext_count};
    if (p.time_tag == ES_DER_OCTET_STRING) {
        p.time_tag = ES_DER_BIT_STRING;
    }
    ES_AUTO(es_buf_freep) es_buf tbs = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    ES_GUARD(put_tbs(&tbs, &p));
    return put_signature(out, &p, es_buf_span(&tbs), s->value, s->timestamp);
}

int eseal_ses_signature_encode(eseal_buf *der, const eseal_ses_signature *s)
{
    if (der == NULL || s == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result r = signature_encode(&b, s);
    if (es_ok(r)) {
        es_buf_move_out(der, &b);
    }
    return es_code(r);
}
