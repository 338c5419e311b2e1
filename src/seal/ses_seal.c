/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SESeal codec: GM/T 0031-2014 (format 1), GB/T 38540-2020 (4), GM/T 0031-2025 (5).
 * ASN.1 and what each version signs: shared/research/standards.md §2–§4.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "ses.h"
#include "util/versions.h"

void es_notes_add(es_notes *n, const char *fmt, ...)
{
    if (n->n >= ES_SES_MAX_NOTES) {
        return;
    }
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < n->n; i++) {
        if (strcmp(n->items[i], tmp) == 0) {
            return;
        }
    }
    char *s = es_strdup(tmp);
    if (s != NULL) {
        n->items[n->n++] = s;
    }
}

void es_notes_free(es_notes *n)
{
    for (size_t i = 0; i < n->n; i++) {
        es_free(n->items[i]);
    }
    n->n = 0;
}

static const struct {
    eseal_seal_type type;
    const char *name;
} seal_types[] = {
    {ESEAL_SEAL_OFFICIAL, "official"}, {ESEAL_SEAL_PERSONAL, "personal"},   {ESEAL_SEAL_CONTRACT, "contract"},
    {ESEAL_SEAL_FINANCE, "finance"},   {ESEAL_SEAL_INVOICE, "invoice"},     {ESEAL_SEAL_LEGAL_REP, "legal-rep"},
    {ESEAL_SEAL_SIGNATURE, "signature"}, {ESEAL_SEAL_OTHER, "other"},
};

const char *eseal_seal_type_name(int64_t type)
{
    for (size_t i = 0; i < sizeof(seal_types) / sizeof(seal_types[0]); i++) {
        if ((int64_t)seal_types[i].type == type) {
            return seal_types[i].name;
        }
    }
    return NULL;
}

int eseal_seal_type_from_name(eseal_seal_type *out, const char *name)
{
    if (out == NULL || name == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    if (es_strcasecmp(name, "legal-representative") == 0) {
        name = "legal-rep";
    }
    for (size_t i = 0; i < sizeof(seal_types) / sizeof(seal_types[0]); i++) {
        if (es_strcasecmp(seal_types[i].name, name) == 0) {
            *out = seal_types[i].type;
            return ESEAL_OK;
        }
    }
    return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                "unknown seal type '%s' (official, contract, finance, invoice, legal-rep, personal, "
                                "signature, other)",
                                name));
}

/* ---- reading ------------------------------------------------------------- */

static ES_RESULT dup_text(char **out, const es_der *d, const char *what, es_notes *notes)
{
    ES_ENSURE(d->val.len <= ES_SES_MAX_TEXT, ESEAL_ELIMIT, "seal: %s at offset %zu is longer than %d bytes", what,
              d->off, ES_SES_MAX_TEXT);
    ES_ENSURE(memchr(d->val.ptr, 0, d->val.len) == NULL, ESEAL_EMALFORMED, "seal: %s at offset %zu contains NUL",
              what, d->off);
    if (!es_der_text_ok(d)) {
        es_notes_add(notes, "%s is not valid %s text", what, d->tag == ES_DER_UTF8STRING ? "UTF-8" : "ASCII");
    }
    *out = es_strndup((const char *)d->val.ptr, d->val.len);
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

static bool is_string_tag(uint8_t t)
{
    return t == ES_DER_UTF8STRING || t == ES_DER_IA5STRING || t == ES_DER_PRINTABLESTRING || t == 0x1e /* BMP */ ||
           t == 0x14 /* T61 */;
}

static ES_RESULT read_string(es_cur *c, uint8_t want, char **out, const char *what, es_notes *notes)
{
    es_der d;
    size_t at = c->pos;
    ES_ENSURE(!es_cur_eof(c), ESEAL_EMALFORMED, "seal: %s missing at offset %zu", what, at);
    ES_GUARD(es_der_next(c, &d));
    ES_ENSURE(is_string_tag(d.tag), ESEAL_EMALFORMED, "seal: %s at offset %zu is not a string (tag 0x%02x)", what,
              at, d.tag);
    ES_ENSURE(d.tag != 0x1e, ESEAL_EUNSUPPORTED, "seal: %s at offset %zu is a BMPString", what, at);
    if (d.tag != want) {
        es_notes_add(notes, "%s uses string tag 0x%02x instead of 0x%02x", what, d.tag, want);
    }
    return dup_text(out, &d, what, notes);
}

static ES_RESULT read_int(es_cur *c, int64_t *out, const char *what)
{
    es_der d;
    ES_GUARD(es_der_expect(c, ES_DER_INTEGER, &d, what));
    return es_der_int64(&d, out);
}

static ES_RESULT read_time(es_cur *c, int64_t *out, bool v1, const char *what, es_notes *notes)
{
    es_der d;
    size_t at = c->pos;
    ES_ENSURE(!es_cur_eof(c), ESEAL_EMALFORMED, "seal: %s missing at offset %zu", what, at);
    ES_GUARD(es_der_next(c, &d));
    uint8_t want = v1 ? ES_DER_UTCTIME : ES_DER_GENERALIZEDTIME;
    if (d.tag != want) {
        es_notes_add(notes, "%s is a %s (the standard says %s)", what,
                     d.tag == ES_DER_UTCTIME ? "UTCTime" : "GeneralizedTime", v1 ? "UTCTime" : "GeneralizedTime");
    }
    return es_der_time(&d, out);
}

/* BIT STRING as the standard says, or an OCTET STRING (tolerated, noted). */
static ES_RESULT read_bits(es_cur *c, es_span *out, const char *what, es_notes *notes, bool *was_bits)
{
    es_der d;
    size_t at = c->pos;
    ES_ENSURE(!es_cur_eof(c), ESEAL_EMALFORMED, "seal: %s missing at offset %zu", what, at);
    ES_GUARD(es_der_next(c, &d));
    if (d.tag == ES_DER_OCTET_STRING) {
        es_notes_add(notes, "%s is an OCTET STRING (the standard says BIT STRING)", what);
        *out = d.val;
        if (was_bits != NULL) {
            *was_bits = false;
        }
        return ES_OK;
    }
    ES_ENSURE(d.tag == ES_DER_BIT_STRING, ESEAL_EMALFORMED, "seal: %s at offset %zu is not a BIT STRING (tag 0x%02x)",
              what, at, d.tag);
    if (was_bits != NULL) {
        *was_bits = true;
    }
    return es_der_bits(&d, out);
}

static ES_RESULT read_oid(es_cur *c, char *out, size_t len, const char *what)
{
    es_der d;
    ES_GUARD(es_der_expect(c, ES_DER_OID, &d, what));
    return es_der_oid_text(&d, out, len);
}

/* ExtensionDatas ::= SEQUENCE OF ExtData; the element `d` is that SEQUENCE. */
ES_RESULT es_ses_read_exts(const es_cur *outer, const es_der *d, eseal_seal_ext **exts, char ***oids, size_t *count,
                           es_notes *notes);
ES_RESULT es_ses_read_exts(const es_cur *outer, const es_der *d, eseal_seal_ext **exts, char ***oids, size_t *count,
                           es_notes *notes)
{
    es_cur c = es_der_inner(outer, d);
    size_t n = 0;
    es_cur probe = c;
    while (!es_cur_eof(&probe)) {
        es_der e;
        ES_GUARD(es_der_expect(&probe, ES_DER_SEQUENCE, &e, "ExtData"));
        n++;
        ES_ENSURE(n <= ES_SES_MAX_EXTS, ESEAL_ELIMIT, "seal: more than %d ExtData entries", ES_SES_MAX_EXTS);
    }
    *count = 0;
    if (n == 0) {
        return ES_OK;
    }
    *exts = es_calloc(n, sizeof(**exts));
    ES_ENSURE_ALLOC(*exts);
    *oids = es_calloc(n, sizeof(**oids));
    ES_ENSURE_ALLOC(*oids);
    for (size_t i = 0; i < n; i++) {
        es_der e, f;
        ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &e, "ExtData"));
        es_cur ec = es_der_inner(&c, &e);
        char oid[128];
        ES_GUARD(read_oid(&ec, oid, sizeof(oid), "ExtData.extnID"));
        (*oids)[i] = es_strdup(oid);
        ES_ENSURE_ALLOC((*oids)[i]);
        (*exts)[i].oid = (*oids)[i];
        *count = i + 1;
        if (es_der_peek(&ec, ES_DER_BOOLEAN)) {
            ES_GUARD(es_der_next(&ec, &f));
            ES_ENSURE(f.val.len == 1, ESEAL_EMALFORMED, "seal: ExtData.critical at offset %zu is not one octet", f.off);
            (*exts)[i].critical = f.val.ptr[0] != 0;
            if (f.val.ptr[0] == 0) {
                /* X.690 §11.5: a DEFAULT value is never encoded in DER (the Hebei Gede seal does). */
                es_notes_add(notes, "ExtData %s encodes critical = FALSE explicitly (not DER)", oid);
            }
        }
        ES_GUARD(es_der_expect(&ec, ES_DER_OCTET_STRING, &f, "ExtData.extnValue"));
        (*exts)[i].value = (eseal_bytes){f.val.ptr, f.val.len};
        ES_GUARD(es_der_end(&ec, "ExtData"));
    }
    return ES_OK;
}

void es_ses_exts_free(eseal_seal_ext *exts, char **oids, size_t n)
{
    for (size_t i = 0; oids != NULL && i < n; i++) {
        es_free(oids[i]);
    }
    es_free(oids);
    es_free(exts);
}

static ES_RESULT read_cert_list(eseal_ses_seal *s, es_cur *pc, bool v1)
{
    es_der d;
    ES_GUARD(es_der_expect(pc, ES_DER_SEQUENCE, &d, "certList"));
    es_cur c = es_der_inner(pc, &d);
    size_t n = 0;
    es_cur probe = c;
    size_t max = es_ctx_limits(NULL)->max_certs;
    while (!es_cur_eof(&probe)) {
        es_der e;
        ES_GUARD(es_der_next(&probe, &e));
        ES_ENSURE(++n <= max, ESEAL_ELIMIT, "seal: certList has more than %zu entries", max);
    }
    s->info.cert_count = n;
    if (n == 0) {
        return ES_OK;
    }
    s->certs = es_calloc(n, sizeof(*s->certs));
    ES_ENSURE_ALLOC(s->certs);
    s->cert_tags = es_calloc(n, 1);
    ES_ENSURE_ALLOC(s->cert_tags);
    for (size_t i = 0; i < n; i++) {
        es_der e;
        size_t at = c.pos;
        ES_GUARD(es_der_next(&c, &e));
        s->cert_tags[i] = e.tag;
        if (s->info.cert_list_type == 2) {
            ES_ENSURE(e.tag == ES_DER_SEQUENCE, ESEAL_EMALFORMED,
                      "seal: certDigestList entry at offset %zu is not a SEQUENCE", at);
            es_cur ec = es_der_inner(&c, &e);
            es_der t, v;
            ES_GUARD(es_der_next(&ec, &t));
            ES_ENSURE(is_string_tag(t.tag), ESEAL_EMALFORMED, "seal: CertDigestObj.type at offset %zu is not a string",
                      t.off);
            ES_GUARD(es_der_expect(&ec, ES_DER_OCTET_STRING, &v, "CertDigestObj.value"));
            ES_GUARD(es_der_end(&ec, "CertDigestObj"));
            if (s->digest_type == NULL) {
                ES_GUARD(dup_text(&s->digest_type, &t, "CertDigestObj.type", &s->notes));
            }
            s->certs[i] = (eseal_bytes){v.val.ptr, v.val.len};
            continue;
        }
        if (e.tag != ES_DER_OCTET_STRING) {
            /* dms360 writes IA5String "1" here (reading GM/T 0031's dangling `certID ::= IA5String`). */
            ES_ENSURE(v1 && is_string_tag(e.tag), ESEAL_EMALFORMED,
                      "seal: certList entry at offset %zu is not an OCTET STRING (tag 0x%02x)", at, e.tag);
            es_notes_add(&s->notes, "certList entry %zu is a string, not a certificate: it binds no signer", i + 1);
        }
        s->certs[i] = (eseal_bytes){e.val.ptr, e.val.len};
    }
    return ES_OK;
}

static ES_RESULT read_property(eseal_ses_seal *s, es_cur *outer)
{
    es_der d;
    ES_GUARD(es_der_expect(outer, ES_DER_SEQUENCE, &d, "SES_ESPropertyInfo"));
    es_cur c = es_der_inner(outer, &d);
    bool v1 = s->format == 1;
    ES_GUARD(read_int(&c, &s->info.type, "property.type"));
    ES_GUARD(read_string(&c, ES_DER_UTF8STRING, &s->name, "property.name", &s->notes));
    s->info.name = s->name;
    s->info.cert_list_type = 1;
    if (es_der_peek(&c, ES_DER_INTEGER)) {
        int64_t t;
        ES_GUARD(read_int(&c, &t, "property.certListType"));
        ES_ENSURE(t == 1 || t == 2, ESEAL_EMALFORMED, "seal: certListType %lld is neither 1 nor 2", (long long)t);
        if (v1) {
            es_notes_add(&s->notes, "a GM/T 0031-2014 seal carries a certListType");
        }
        s->info.cert_list_type = (int)t;
    } else if (!v1) {
        ES_BAIL(ESEAL_EMALFORMED, "seal: certListType missing at offset %zu", c.pos);
    }
    ES_GUARD(read_cert_list(s, &c, v1));
    ES_GUARD(read_time(&c, &s->info.create_ms, v1, "property.createDate", &s->notes));
    ES_GUARD(read_time(&c, &s->info.valid_start_ms, v1, "property.validStart", &s->notes));
    ES_GUARD(read_time(&c, &s->info.valid_end_ms, v1, "property.validEnd", &s->notes));
    return es_der_end(&c, "SES_ESPropertyInfo");
}

static ES_RESULT read_sealinfo(eseal_ses_seal *s, es_cur *outer)
{
    es_der d, h;
    ES_GUARD(es_der_expect(outer, ES_DER_SEQUENCE, &d, "SES_SealInfo"));
    s->sealinfo_tlv = d.tlv;
    es_cur c = es_der_inner(outer, &d);
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &h, "SES_Header"));
    es_cur hc = es_der_inner(&c, &h);
    char *id = NULL;
    ES_GUARD(read_string(&hc, ES_DER_IA5STRING, &id, "header.ID", &s->notes));
    if (strcmp(id, "ES") != 0) {
        es_notes_add(&s->notes, "header ID is \"%.16s\", not \"ES\"", id);
    }
    es_free(id);
    ES_GUARD(read_int(&hc, &s->header_version, "header.version"));
    ES_GUARD(read_string(&hc, ES_DER_IA5STRING, &s->vid, "header.Vid", &s->notes));
    ES_GUARD(es_der_end(&hc, "SES_Header"));
    s->info.vid = s->vid;
    if (s->format != 1) {
        /* Both V4 and V5 have 4-5 elements; the header tells them apart (ofdrw VersionParser). */
        s->format = s->header_version == 5 ? 5 : 4;
        if (s->header_version != 4 && s->header_version != 5) {
            es_notes_add(&s->notes, "header version is %lld (GB/T 38540-2020 says 4)", (long long)s->header_version);
        }
    }
    s->info.format = s->format;
    ES_GUARD(read_string(&c, ES_DER_IA5STRING, &s->esid, "esID", &s->notes));
    s->info.esid = s->esid;
    ES_GUARD(read_property(s, &c));
    es_der p, v;
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &p, "SES_ESPictrueInfo"));
    es_cur pc = es_der_inner(&c, &p);
    ES_GUARD(read_string(&pc, ES_DER_IA5STRING, &s->picture_type, "picture.type", &s->notes));
    s->info.picture_type = s->picture_type;
    ES_GUARD(es_der_expect(&pc, ES_DER_OCTET_STRING, &v, "picture.data"));
    s->info.picture = (eseal_bytes){v.val.ptr, v.val.len};
    ES_GUARD(read_int(&pc, &s->info.picture_width_mm, "picture.width"));
    ES_GUARD(read_int(&pc, &s->info.picture_height_mm, "picture.height"));
    ES_GUARD(es_der_end(&pc, "SES_ESPictrueInfo"));
    if (!es_cur_eof(&c)) {
        es_der e;
        size_t at = c.pos;
        ES_GUARD(es_der_next(&c, &e));
        es_cur ic = es_der_inner(&c, &e);
        if ((e.tag & 0xe0) == 0xa0 || e.tag == ES_DER_OCTET_STRING) {
            /* GM/T 0031-2014 writes "EXPLICIT" without a tag number; some producers add [n] or wrap. */
            es_notes_add(&s->notes, "extDatas is wrapped in tag 0x%02x", e.tag);
            es_der inner;
            ES_GUARD(es_der_expect(&ic, ES_DER_SEQUENCE, &inner, "extDatas"));
            ES_GUARD(es_der_end(&ic, "extDatas wrapper"));
            ES_GUARD(es_ses_read_exts(&ic, &inner, &s->exts, &s->ext_oids, &s->info.ext_count, &s->notes));
        } else {
            ES_ENSURE(e.tag == ES_DER_SEQUENCE, ESEAL_EMALFORMED, "seal: extDatas at offset %zu is not a SEQUENCE",
                      at);
            ES_GUARD(es_ses_read_exts(&c, &e, &s->exts, &s->ext_oids, &s->info.ext_count, &s->notes));
        }
        s->info.exts = s->exts;
    }
    ES_GUARD(es_der_end(&c, "SES_SealInfo"));
    s->info.certs = s->certs;
    s->info.digest_type = s->digest_type;
    return ES_OK;
}

static ES_RESULT decode_seal(eseal_ses_seal *s)
{
    es_cur top = es_cur_of(es_buf_span(&s->der));
    es_der d;
    ES_GUARD(es_der_expect(&top, ES_DER_SEQUENCE, &d, "SESeal"));
    ES_GUARD(es_der_end(&top, "the seal file"));
    es_cur c = es_der_inner(&top, &d);
    /* V1 has two elements, V4/V5 four or five (standards.md §0). */
    size_t n = 0;
    es_cur probe = c;
    while (!es_cur_eof(&probe)) {
        es_der e;
        ES_GUARD(es_der_next(&probe, &e));
        n++;
    }
    ES_ENSURE(n == 2 || n == 4 || n == 5, ESEAL_EMALFORMED,
              "seal: SESeal has %zu elements (2 for GM/T 0031-2014, 4 or 5 for GB/T 38540)", n);
    s->format = n == 2 ? 1 : 4;
    if (!d.der_ok) {
        es_notes_add(&s->notes, "lengths are not minimally encoded (not DER)");
    }
    ES_GUARD(read_sealinfo(s, &c));
    es_der cert, alg;
    if (s->format == 1) {
        es_der si;
        ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &si, "SES_SignInfo"));
        es_cur sc = es_der_inner(&c, &si);
        ES_GUARD(es_der_expect(&sc, ES_DER_OCTET_STRING, &cert, "SES_SignInfo.cert"));
        ES_GUARD(es_der_expect(&sc, ES_DER_OID, &alg, "SES_SignInfo.signatureAlgorithm"));
        ES_GUARD(es_der_oid_text(&alg, s->sig_alg, sizeof(s->sig_alg)));
        ES_GUARD(read_bits(&sc, &s->signature, "SES_SignInfo.signData", &s->notes, &s->signature_bits));
        ES_GUARD(es_der_end(&sc, "SES_SignInfo"));
        /* GM/T 0031-2014 §6.1.1.2: the maker signs SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}. */
        size_t mark = es_der_open(&s->signed_v1);
        ES_GUARD(es_buf_append(&s->signed_v1, s->sealinfo_tlv.ptr, s->sealinfo_tlv.len));
        ES_GUARD(es_buf_append(&s->signed_v1, cert.tlv.ptr, cert.tlv.len));
        ES_GUARD(es_buf_append(&s->signed_v1, alg.tlv.ptr, alg.tlv.len));
        ES_GUARD(es_der_close(&s->signed_v1, mark, ES_DER_SEQUENCE));
    } else {
        ES_GUARD(es_der_expect(&c, ES_DER_OCTET_STRING, &cert, "SESeal.cert"));
        ES_GUARD(es_der_expect(&c, ES_DER_OID, &alg, "SESeal.signAlgID"));
        ES_GUARD(es_der_oid_text(&alg, s->sig_alg, sizeof(s->sig_alg)));
        ES_GUARD(read_bits(&c, &s->signature, "SESeal.signedValue", &s->notes, &s->signature_bits));
        if (!es_cur_eof(&c)) {
            es_der t;
            size_t at = c.pos;
            ES_GUARD(es_der_next(&c, &t));
            if (t.tag == ES_DER_CTX0_CONS) {
                es_cur tc = es_der_inner(&c, &t);
                ES_GUARD(read_bits(&tc, &s->timestamp, "SESeal.timeStamp", &s->notes, NULL));
                ES_GUARD(es_der_end(&tc, "SESeal.timeStamp"));
            } else {
                ES_ENSURE(t.tag == ES_DER_CTX0_PRIM, ESEAL_EMALFORMED,
                          "seal: the fifth SESeal element at offset %zu is not timeStamp [0]", at);
                es_notes_add(&s->notes, "timeStamp is IMPLICIT [0] (eseal writes EXPLICIT, as ofdrw)");
                ES_GUARD(es_der_bits(&t, &s->timestamp));
            }
            if (s->format != 5) {
                es_notes_add(&s->notes, "a timeStamp in a version %lld seal", (long long)s->header_version);
            }
        }
    }
    s->maker_cert = cert.val;
    return es_der_end(&c, "SESeal");
}

int eseal_ses_seal_decode(eseal_ses_seal **out, const void *der, size_t len)
{
    if (out == NULL || (der == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_ses_seal_decode"));
    }
    *out = NULL;
    size_t max = es_ctx_limits(NULL)->max_der_bytes;
    if (len > max) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "seal: %zu bytes exceed the %zu-byte limit", len,
                                    max));
    }
    eseal_ses_seal *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    s->der = (es_buf)ES_BUF_INIT(max);
    s->signed_v1 = (es_buf)ES_BUF_INIT(max + 16);
    s->info = (eseal_seal_info)ESEAL_SEAL_INFO_INIT;
    es_result r = es_buf_append(&s->der, der, len);
    if (es_ok(r)) {
        r = decode_seal(s);
    }
    if (!es_ok(r)) {
        eseal_ses_seal_free(s);
        return es_code(r);
    }
    *out = s;
    return ESEAL_OK;
}

void eseal_ses_seal_free(eseal_ses_seal *s)
{
    if (s == NULL) {
        return;
    }
    es_buf_free(&s->der);
    es_buf_free(&s->signed_v1);
    es_free(s->vid);
    es_free(s->esid);
    es_free(s->name);
    es_free(s->picture_type);
    es_free(s->digest_type);
    es_free(s->certs);
    es_free(s->cert_tags);
    es_ses_exts_free(s->exts, s->ext_oids, s->info.ext_count);
    es_notes_free(&s->notes);
    es_free(s);
}

/* ---- accessors ----------------------------------------------------------- */

static eseal_bytes bytes_of(es_span s) { return (eseal_bytes){s.ptr, s.len}; }

const eseal_seal_info *eseal_ses_seal_info(const eseal_ses_seal *s) { return s != NULL ? &s->info : NULL; }
int eseal_ses_seal_format(const eseal_ses_seal *s) { return s != NULL ? s->format : 0; }
int64_t eseal_ses_seal_header_version(const eseal_ses_seal *s) { return s != NULL ? s->header_version : 0; }
eseal_bytes eseal_ses_seal_der(const eseal_ses_seal *s) { return s != NULL ? bytes_of(es_buf_span(&s->der)) : (eseal_bytes){0}; }
eseal_bytes eseal_ses_seal_maker_cert(const eseal_ses_seal *s) { return s != NULL ? bytes_of(s->maker_cert) : (eseal_bytes){0}; }
const char *eseal_ses_seal_sig_alg(const eseal_ses_seal *s) { return s != NULL ? s->sig_alg : ""; }
eseal_bytes eseal_ses_seal_signature(const eseal_ses_seal *s) { return s != NULL ? bytes_of(s->signature) : (eseal_bytes){0}; }
eseal_bytes eseal_ses_seal_timestamp(const eseal_ses_seal *s) { return s != NULL ? bytes_of(s->timestamp) : (eseal_bytes){0}; }
size_t eseal_ses_seal_note_count(const eseal_ses_seal *s) { return s != NULL ? s->notes.n : 0; }
const char *eseal_ses_seal_note(const eseal_ses_seal *s, size_t i)
{
    return s != NULL && i < s->notes.n ? s->notes.items[i] : NULL;
}

eseal_bytes eseal_ses_seal_signed_bytes(const eseal_ses_seal *s)
{
    if (s == NULL) {
        return (eseal_bytes){0};
    }
    return s->format == 1 ? bytes_of(es_buf_span(&s->signed_v1)) : bytes_of(s->sealinfo_tlv);
}

/* ---- writing ------------------------------------------------------------- */

static ES_RESULT check_text(const char *s, const char *what, bool ascii, size_t max)
{
    ES_ENSURE(s != NULL && s[0] != 0, ESEAL_EINVAL, "seal: %s is required", what);
    size_t n = strlen(s);
    ES_ENSURE(n <= max, ESEAL_EINVAL, "seal: %s is longer than %zu bytes", what, max);
    es_der d = {ascii ? ES_DER_IA5STRING : ES_DER_UTF8STRING, {0}, es_span_of(s, n), 0, 0, true};
    ES_ENSURE(es_der_text_ok(&d), ESEAL_EINVAL, "seal: %s must be %s", what,
              ascii ? "printable ASCII" : "valid UTF-8 text");
    return ES_OK;
}

ES_RESULT es_ses_put_exts(es_buf *b, const eseal_seal_ext *exts, size_t n);
ES_RESULT es_ses_put_exts(es_buf *b, const eseal_seal_ext *exts, size_t n)
{
    ES_ENSURE(n <= ES_SES_MAX_EXTS, ESEAL_EINVAL, "seal: more than %d extensions", ES_SES_MAX_EXTS);
    size_t m = es_der_open(b);
    for (size_t i = 0; i < n; i++) {
        ES_ENSURE(exts[i].oid != NULL && (exts[i].value.ptr != NULL || exts[i].value.len == 0), ESEAL_EINVAL,
                  "seal: extension %zu is incomplete", i + 1);
        size_t e = es_der_open(b);
        ES_GUARD(es_der_put_oid(b, exts[i].oid));
        if (exts[i].critical) {
            uint8_t t = 0xff;
            ES_GUARD(es_der_put(b, ES_DER_BOOLEAN, es_span_of(&t, 1)));
        }
        ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, es_span_of(exts[i].value.ptr, exts[i].value.len)));
        ES_GUARD(es_der_close(b, e, ES_DER_SEQUENCE));
    }
    return es_der_close(b, m, ES_DER_SEQUENCE);
}

/* SES_SealInfo in strict DER; `cert_tags` (may be NULL) keeps V1 string entries as read. */
static ES_RESULT put_sealinfo(es_buf *b, const eseal_seal_info *in, int64_t header_version, const uint8_t *cert_tags)
{
    int format = in->format == 0 ? 4 : in->format;
    ES_ENSURE(format == 1 || format == 4 || format == 5, ESEAL_EINVAL, "seal: format %d (1, 4 or 5)", format);
    bool v1 = format == 1;
    ES_GUARD(check_text(in->esid, "esID", true, 256));
    ES_GUARD(check_text(in->name, "name", false, 1024));
    ES_GUARD(check_text(in->vid != NULL ? in->vid : "eseal", "Vid", true, 256));
    ES_GUARD(check_text(in->picture_type, "picture type", true, 16));
    ES_ENSURE(in->picture.ptr != NULL && in->picture.len > 0, ESEAL_EINVAL, "seal: the picture is required");
    ES_ENSURE(in->picture_width_mm > 0 && in->picture_height_mm > 0 && in->picture_width_mm <= ES_SES_PICTURE_MAX_MM &&
                  in->picture_height_mm <= ES_SES_PICTURE_MAX_MM,
              ESEAL_EINVAL, "seal: picture size %lldx%lld mm is not sensible", (long long)in->picture_width_mm,
              (long long)in->picture_height_mm);
    ES_ENSURE(in->valid_start_ms < in->valid_end_ms, ESEAL_EINVAL, "seal: validEnd must be after validStart");
    /* Zero means the default: a list of certificates (1). */
    int list_type = in->cert_list_type != 0 ? in->cert_list_type : 1;
    ES_ENSURE(list_type == 1 || list_type == 2, ESEAL_EINVAL, "seal: certListType must be 1 or 2");
    ES_ENSURE(!(v1 && list_type == 2), ESEAL_EINVAL,
              "seal: GM/T 0031-2014 seals list certificates, not digests");
    ES_ENSURE(in->cert_count == 0 || in->certs != NULL, ESEAL_EINVAL, "seal: certificate list missing");
    ES_ENSURE(in->cert_count <= es_ctx_limits(NULL)->max_certs, ESEAL_EINVAL, "seal: too many certificates");

    size_t info = es_der_open(b);
    size_t h = es_der_open(b);
    ES_GUARD(es_der_put_str(b, ES_DER_IA5STRING, "ES"));
    ES_GUARD(es_der_put_int(b, header_version));
    ES_GUARD(es_der_put_str(b, ES_DER_IA5STRING, in->vid != NULL ? in->vid : "eseal"));
    ES_GUARD(es_der_close(b, h, ES_DER_SEQUENCE));
    ES_GUARD(es_der_put_str(b, ES_DER_IA5STRING, in->esid));

    size_t p = es_der_open(b);
    ES_GUARD(es_der_put_int(b, in->type));
    ES_GUARD(es_der_put_str(b, ES_DER_UTF8STRING, in->name));
    if (!v1) {
        ES_GUARD(es_der_put_int(b, list_type));
    }
    size_t l = es_der_open(b);
    for (size_t i = 0; i < in->cert_count; i++) {
        es_span v = es_span_of(in->certs[i].ptr, in->certs[i].len);
        if (list_type == 2) {
            size_t o = es_der_open(b);
            const char *t = in->digest_type != NULL ? in->digest_type : "SM3";
            ES_GUARD(check_text(t, "digest type", true, 64));
            ES_GUARD(es_der_put_str(b, ES_DER_PRINTABLESTRING, t));
            ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, v));
            ES_GUARD(es_der_close(b, o, ES_DER_SEQUENCE));
        } else {
            ES_GUARD(es_der_put(b, cert_tags != NULL ? cert_tags[i] : ES_DER_OCTET_STRING, v));
        }
    }
    ES_GUARD(es_der_close(b, l, ES_DER_SEQUENCE));
    if (v1) {
        ES_GUARD(es_der_put_utctime(b, in->create_ms));
        ES_GUARD(es_der_put_utctime(b, in->valid_start_ms));
        ES_GUARD(es_der_put_utctime(b, in->valid_end_ms));
    } else {
        ES_GUARD(es_der_put_gentime(b, in->create_ms));
        ES_GUARD(es_der_put_gentime(b, in->valid_start_ms));
        ES_GUARD(es_der_put_gentime(b, in->valid_end_ms));
    }
    ES_GUARD(es_der_close(b, p, ES_DER_SEQUENCE));

    size_t pic = es_der_open(b);
    ES_GUARD(es_der_put_str(b, ES_DER_IA5STRING, in->picture_type));
    ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, es_span_of(in->picture.ptr, in->picture.len)));
    ES_GUARD(es_der_put_int(b, in->picture_width_mm));
    ES_GUARD(es_der_put_int(b, in->picture_height_mm));
    ES_GUARD(es_der_close(b, pic, ES_DER_SEQUENCE));
    if (in->ext_count > 0) {
        ES_GUARD(es_ses_put_exts(b, in->exts, in->ext_count));
    }
    return es_der_close(b, info, ES_DER_SEQUENCE);
}

/* SESeal around finished parts. */
static ES_RESULT put_seal(es_buf *b, int format, es_span sealinfo, es_span cert, const char *alg, es_span sig,
                          es_span timestamp)
{
    size_t top = es_der_open(b);
    ES_GUARD(es_buf_append(b, sealinfo.ptr, sealinfo.len));
    size_t si = format == 1 ? es_der_open(b) : 0;
    ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, cert));
    ES_GUARD(es_der_put_oid(b, alg));
    ES_GUARD(es_der_put_bits(b, sig));
    if (format == 1) {
        ES_GUARD(es_der_close(b, si, ES_DER_SEQUENCE));
    } else if (timestamp.len > 0) {
        size_t t = es_der_open(b);
        ES_GUARD(es_der_put_bits(b, timestamp));
        ES_GUARD(es_der_close(b, t, ES_DER_CTX0_CONS));
    }
    return es_der_close(b, top, ES_DER_SEQUENCE);
}

static ES_RESULT seal_make(es_buf *out, const eseal_seal_info *in, const eseal_cert *maker, eseal_key *key)
{
    ES_CHECK_VERSION(in, seal_info);
    ES_ENSURE(maker != NULL && key != NULL, ESEAL_EINVAL, "seal: info, maker certificate and key are required");
    ES_ENSURE(eseal_cert_matches_key(maker, key) == 1, ESEAL_EINVAL,
              "seal: the maker key does not belong to the maker certificate %s", eseal_cert_subject(maker));
    const char *oid;
    eseal_hash hash;
    ES_GUARD(es_ses_alg_for_key(&oid, &hash, eseal_key_algorithm(key)));
    int format = in->format == 0 ? 4 : in->format;
    ES_AUTO(es_buf_freep) es_buf info = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    ES_GUARD(put_sealinfo(&info, in, format, NULL));
    eseal_buf cder = ESEAL_BUF_INIT;
    ES_GUARD(es_cert_der(&cder, maker));
    es_span cert = es_span_of(cder.ptr, cder.size);
    ES_AUTO(es_buf_freep) es_buf tbs = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes + 4096);
    es_result r = ES_OK;
    if (format == 1) {
        size_t m = es_der_open(&tbs);
        r = es_buf_append(&tbs, info.ptr, info.len);
        if (es_ok(r)) {
            r = es_der_put(&tbs, ES_DER_OCTET_STRING, cert);
        }
        if (es_ok(r)) {
            r = es_der_put_oid(&tbs, oid);
        }
        if (es_ok(r)) {
            r = es_der_close(&tbs, m, ES_DER_SEQUENCE);
        }
    } else {
        r = es_buf_append(&tbs, info.ptr, info.len);
    }
    eseal_buf sig = ESEAL_BUF_INIT;
    if (es_ok(r)) {
        r = es_from_code(eseal_key_sign(&sig, key, hash, ESEAL_SCHEME_DEFAULT, tbs.ptr, tbs.len));
    }
    if (es_ok(r)) {
        r = put_seal(out, format, es_buf_span(&info), cert, oid, es_span_of(sig.ptr, sig.size), es_span_of(NULL, 0));
    }
    eseal_buf_dispose(&sig);
    eseal_buf_dispose(&cder);
    return r;
}

int eseal_ses_seal_make(eseal_buf *der, const eseal_seal_info *info, const eseal_cert *maker, eseal_key *maker_key)
{
    ES_CHECK_VERSION_INT(info, seal_info);
    if (der == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_ses_seal_make"));
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result r = seal_make(&b, info, maker, maker_key);
    if (es_ok(r)) {
        es_buf_move_out(der, &b);
    }
    return es_code(r);
}

ES_RESULT es_ses_seal_encode(es_buf *out, const eseal_ses_seal *s);
ES_RESULT es_ses_seal_encode(es_buf *out, const eseal_ses_seal *s)
{
    ES_AUTO(es_buf_freep) es_buf info = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    ES_GUARD(put_sealinfo(&info, &s->info, s->header_version, s->cert_tags));
    return put_seal(out, s->format, es_buf_span(&info), s->maker_cert, s->sig_alg, s->signature, s->timestamp);
}

int eseal_ses_seal_encode(eseal_buf *der, const eseal_ses_seal *s)
{
    if (der == NULL || s == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument to eseal_ses_seal_encode"));
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result r = es_ses_seal_encode(&b, s);
    if (es_ok(r)) {
        es_buf_move_out(der, &b);
    }
    return es_code(r);
}
