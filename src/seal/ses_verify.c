/* SPDX-License-Identifier: Apache-2.0 */
/* Signature checks and the seal verification report (GB/T 38540-2020 seal verification, standards.md §3.2). */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "ses.h"
#include "util/report.h"

const char *eseal_sig_alg_name(const char *oid)
{
    static const struct {
        const char *oid, *name;
    } names[] = {
        {ESEAL_OID_SM2_SM3, "SM2-with-SM3"},
        {"1.2.156.10197.501", "SM2-with-SM3"}, /* ofdrw's spelling, see es_ses_sig_alg */
        {ESEAL_OID_ECDSA_SHA256, "ecdsa-with-SHA256"},
        {ESEAL_OID_ECDSA_SHA384, "ecdsa-with-SHA384"},
        {ESEAL_OID_RSA_SHA256, "sha256WithRSAEncryption"},
        {"1.2.840.113549.1.1.12", "sha384WithRSAEncryption"},
    };
    for (size_t i = 0; oid != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(names[i].oid, oid) == 0) {
            return names[i].name;
        }
    }
    return oid != NULL ? oid : "";
}

ES_RESULT es_ses_sig_alg(es_sig_alg *out, const char *oid)
{
    static const struct {
        const char *oid;
        eseal_hash hash;
        eseal_key_alg key;
        bool alias;
    } algs[] = {
        {ESEAL_OID_SM2_SM3, ESEAL_HASH_SM3, ESEAL_ALG_SM2, false},
        /* ofdrw OIDs.java spells SM3withSM2 without ".1" (standards.md §5); read it, say so. */
        {"1.2.156.10197.501", ESEAL_HASH_SM3, ESEAL_ALG_SM2, true},
        {ESEAL_OID_ECDSA_SHA256, ESEAL_HASH_SHA256, ESEAL_ALG_P256, false},
        {ESEAL_OID_ECDSA_SHA384, ESEAL_HASH_SHA384, ESEAL_ALG_P256, false},
        {ESEAL_OID_RSA_SHA256, ESEAL_HASH_SHA256, ESEAL_ALG_RSA2048, false},
        {"1.2.840.113549.1.1.12", ESEAL_HASH_SHA384, ESEAL_ALG_RSA2048, false},
    };
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(algs[i].oid, oid) == 0) {
            *out = (es_sig_alg){algs[i].hash, ESEAL_SCHEME_DEFAULT, algs[i].key, algs[i].alias};
            return ES_OK;
        }
    }
    ES_BAIL(ESEAL_EUNSUPPORTED, "seal: signature algorithm %s is not supported", oid);
}

ES_RESULT es_ses_alg_for_key(const char **oid, eseal_hash *hash, eseal_key_alg alg)
{
    switch (alg) {
    case ESEAL_ALG_SM2: *oid = ESEAL_OID_SM2_SM3; *hash = ESEAL_HASH_SM3; return ES_OK;
    case ESEAL_ALG_P256: *oid = ESEAL_OID_ECDSA_SHA256; *hash = ESEAL_HASH_SHA256; return ES_OK;
    case ESEAL_ALG_P384: *oid = ESEAL_OID_ECDSA_SHA384; *hash = ESEAL_HASH_SHA384; return ES_OK;
    case ESEAL_ALG_RSA2048:
    case ESEAL_ALG_RSA3072: *oid = ESEAL_OID_RSA_SHA256; *hash = ESEAL_HASH_SHA256; return ES_OK;
    default:
        ES_BAIL(ESEAL_EUNSUPPORTED, "seal: %s keys cannot sign seals (SM2, ECDSA or RSA)", eseal_key_alg_name(alg));
    }
}

static bool key_fits(eseal_key_alg want, eseal_key_alg have)
{
    switch (want) {
    case ESEAL_ALG_SM2: return have == ESEAL_ALG_SM2;
    case ESEAL_ALG_P256: return have == ESEAL_ALG_P256 || have == ESEAL_ALG_P384;
    case ESEAL_ALG_RSA2048: return have == ESEAL_ALG_RSA2048 || have == ESEAL_ALG_RSA3072;
    default: return false;
    }
}

/* A bare 64-byte r||s (never seen in samples; standards.md §4) as DER SEQUENCE{r, s}. */
static ES_RESULT raw_to_der(es_buf *out, es_span raw)
{
    size_t m = es_der_open(out);
    for (int i = 0; i < 2; i++) {
        const uint8_t *p = raw.ptr + 32 * i;
        size_t n = 32;
        while (n > 1 && *p == 0) {
            p++;
            n--;
        }
        size_t k = es_der_open(out);
        if (*p & 0x80) {
            ES_GUARD(es_buf_append_byte(out, 0));
        }
        ES_GUARD(es_buf_append(out, p, n));
        ES_GUARD(es_der_close(out, k, ES_DER_INTEGER));
    }
    return es_der_close(out, m, ES_DER_SEQUENCE);
}

/*
 * es_ses_verify, and on ES_OK the certificate it parsed from `cert_der` in *parsed when `parsed`
 * is not NULL (the caller frees it): a seal's verification reads its maker certificate once for
 * the signature, the chain and the bindings (an X.509 parse costs more than the signature check).
 */
static ES_RESULT verify_keep(int *valid, es_notes *notes, eseal_cert **parsed, const eseal_cert *known,
                             es_span cert_der, const char *oid, es_span data, es_span sig)
{
    *valid = 0;
    es_sig_alg a;
    ES_GUARD(es_ses_sig_alg(&a, oid));
    if (a.alias) {
        es_notes_add(notes, "signature algorithm %s is a misspelling of %s", oid, ESEAL_OID_SM2_SM3);
    }
    eseal_cert *cert = NULL;
    ES_GUARD_CTX(es_cert_parse_as(&cert, es_span_of(cert_der.ptr, cert_der.len), known),
                 "seal: the certificate in the structure cannot be read");
    es_result r = ES_OK;
    ES_AUTO(es_buf_freep) es_buf conv = ES_BUF_INIT(ES_SES_SIG_DER_MAX);
    if (!key_fits(a.key_alg, eseal_cert_key_alg(cert))) {
        es_notes_add(notes, "signature algorithm %s does not match the certificate's %s key", oid,
                     eseal_key_alg_name(eseal_cert_key_alg(cert)));
    } else {
        if (a.key_alg == ESEAL_ALG_SM2 && sig.len == 64) {
            es_notes_add(notes, "the signature is a bare r||s, not DER SEQUENCE{r, s} (GB/T 35276)");
            r = raw_to_der(&conv, sig);
            sig = es_buf_span(&conv);
        }
        if (es_ok(r)) {
            r = es_from_code(eseal_cert_verify_data(valid, cert, a.hash, a.scheme, data.ptr, data.len, sig.ptr,
                                                    sig.len));
        }
    }
    if (es_ok(r) && parsed != NULL) {
        *parsed = cert;
    } else {
        eseal_cert_free(cert);
    }
    return r;
}

ES_RESULT es_ses_verify(int *valid, es_notes *notes, es_span cert_der, const char *oid, es_span data, es_span sig)
{
    return verify_keep(valid, notes, NULL, NULL, cert_der, oid, data, sig);
}

int eseal_ses_seal_verify_signature(int *valid, const eseal_ses_seal *s)
{
    if (valid == NULL || s == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    eseal_bytes tbs = eseal_ses_seal_signed_bytes(s);
    es_notes notes = {{NULL}, 0};
    es_result r = es_ses_verify(valid, &notes, s->maker_cert, s->sig_alg, es_span_of(tbs.ptr, tbs.len), s->signature);
    es_notes_free(&notes);
    return es_code(r);
}

static bool digest_hash(const char *type, eseal_hash *h)
{
    static const struct {
        const char *name;
        eseal_hash hash;
    } names[] = {{"SM3", ESEAL_HASH_SM3},         {"1.2.156.10197.1.401", ESEAL_HASH_SM3},
                 {"SHA256", ESEAL_HASH_SHA256},   {"SHA-256", ESEAL_HASH_SHA256},
                 {"2.16.840.1.101.3.4.2.1", ESEAL_HASH_SHA256}};
    for (size_t i = 0; type != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
        if (es_strcasecmp(names[i].name, type) == 0) {
            *h = names[i].hash;
            return true;
        }
    }
    return false;
}

int eseal_ses_seal_allows_cert(const eseal_ses_seal *s, const void *cert_der, size_t len)
{
    if (s == NULL || cert_der == NULL) {
        return 0;
    }
    es_span want = es_span_of(cert_der, len);
    uint8_t dg[64];
    size_t dlen = 0;
    if (s->info.cert_list_type == 2) {
        eseal_hash h;
        if (!digest_hash(s->digest_type, &h) || !es_ok(es_digest(dg, &dlen, h, want))) {
            return 0;
        }
        want = es_span_of(dg, dlen);
    }
    for (size_t i = 0; i < s->info.cert_count; i++) {
        if ((s->info.cert_list_type == 2 || s->cert_tags[i] == ES_DER_OCTET_STRING) &&
            es_span_eq(es_span_of(s->certs[i].ptr, s->certs[i].len), want)) {
            return 1;
        }
    }
    return 0;
}

static void cert_freep(eseal_cert **c) { eseal_cert_free(*c); }

/* ---- parts of a report made elsewhere (a chain check, a token's report) ---------------------- */

static bool vobj_type(const char *name, es_vobj_type *out)
{
    static const struct {
        const char *name;
        es_vobj_type type;
    } types[] = {{"certificate", ES_VOBJ_CERTIFICATE}, {"crl", ES_VOBJ_CRL}, {"ocsp_response", ES_VOBJ_OCSP_RESPONSE},
                 {"timestamp", ES_VOBJ_TIMESTAMP},     {"seal", ES_VOBJ_SEAL}};
    for (size_t i = 0; name != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(types[i].name, name) == 0) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

ES_RESULT es_ses_report_take_objects(eseal_report *dst, const eseal_report *part)
{
    const eseal_value *objs = eseal_report_find(part, "validation_objects");
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        const eseal_value *o = eseal_value_item(objs, i);
        es_vobj_type type;
        const char *sha = eseal_value_string(eseal_value_find(o, "sha256"));
        if (!vobj_type(eseal_value_string(eseal_value_find(o, "type")), &type) || sha == NULL) {
            continue;
        }
        const eseal_value *poe = eseal_value_find(o, "poe");
        char id[ES_VOBJ_ID_LEN];
        ES_GUARD(es_report_object(dst, type, sha, eseal_value_string(eseal_value_find(o, "name")),
                                  eseal_value_string(eseal_value_find(o, "origin")),
                                  eseal_value_type_of(poe) == ESEAL_VALUE_TIME ? eseal_value_integer(poe) : 0, id));
    }
    return ES_OK;
}

ES_RESULT es_ses_report_take_reasons(eseal_report *dst, const eseal_report *part)
{
    for (size_t i = 0; i < eseal_report_reason_count(part); i++) {
        ES_GUARD(es_report_reason(dst, eseal_report_reason_verdict(part, i), eseal_report_reason_id(part, i), "%s",
                                  eseal_report_reason_text(part, i)));
    }
    return ES_OK;
}

/* The check of that id in part's list, or NULL. */
static const eseal_value *part_check(const eseal_report *part, const char *id)
{
    const eseal_value *checks = eseal_report_find(part, "checks");
    if (eseal_value_type_of(checks) != ESEAL_VALUE_LIST) {
        return NULL;
    }
    for (size_t i = 0; i < eseal_value_count(checks); i++) {
        const char *cid = eseal_value_string(eseal_value_find(eseal_value_item(checks, i), "id"));
        if (cid != NULL && strcmp(cid, id) == 0) {
            return eseal_value_item(checks, i);
        }
    }
    return NULL;
}

ES_RESULT es_ses_report_take_check(eseal_report *dst, const eseal_report *part, const char *id)
{
    const eseal_value *c = part_check(part, id);
    eseal_check_status st = eseal_report_check(part, id);
    if (c == NULL || st == ESEAL_CHECK_ABSENT) {
        return ES_OK;
    }
    const char *detail = eseal_value_string(eseal_value_find(c, "detail"));
    ES_GUARD(es_report_check(dst, id, st, eseal_value_string(eseal_value_find(c, "source")), detail != NULL ? "%s" : NULL,
                             detail));
    return es_report_check_uses_from(dst, id, c);
}

ES_RESULT es_ses_notes_text(es_buf *out, const es_notes *a, const es_notes *b)
{
    const es_notes *lists[2] = {a, b};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l] != NULL && i < lists[l]->n; i++) {
            ES_GUARD(es_buf_printf(out, "%s%s", out->len > 0 ? "; " : "", lists[l]->items[i]));
        }
    }
    return ES_OK;
}

ES_RESULT es_ses_report_signer(eseal_report *rep, const eseal_cert *cert, es_span der, const char *origin,
                                char id[ES_VOBJ_ID_LEN])
{
    eseal_value *root = es_report_root(rep);
    eseal_key_alg ka = eseal_cert_key_alg(cert);
    ES_GUARD(es_value_str(root, "signer.subject", "%s", eseal_cert_subject(cert)));
    ES_GUARD(es_value_str(root, "signer.issuer", "%s", eseal_cert_issuer(cert)));
    ES_GUARD(es_value_str(root, "signer.serial", "%s", eseal_cert_serial(cert)));
    ES_GUARD(es_value_str(root, "signer.fingerprint_sha256", "%s", eseal_cert_fingerprint(cert)));
    ES_GUARD(ka != ESEAL_ALG_NONE ? es_value_str(root, "signer.key_algorithm", "%s", eseal_key_alg_name(ka))
                                  : es_value_null(root, "signer.key_algorithm"));
    ES_GUARD(es_value_time(root, "signer.not_before", eseal_cert_not_before(cert)));
    ES_GUARD(es_value_time(root, "signer.not_after", eseal_cert_not_after(cert)));
    ES_GUARD(es_report_evidence(rep, ES_VOBJ_CERTIFICATE, der, eseal_cert_subject(cert), origin, 0, id));
    ES_GUARD(es_value_str(root, "signer.certificate", "%s", id));
    return es_report_signer_uscc(rep, cert);
}

/* ---- the seal section -------------------------------------------------------------------------- */

/* seal.{esid, name, type, version, owner, valid_from, valid_to, picture} and the seal as a validation object. */
static ES_RESULT describe(eseal_report *rep, const eseal_ses_seal *s)
{
    const eseal_seal_info *in = &s->info;
    eseal_value *seal = NULL;
    ES_GUARD(es_value_object(es_report_root(rep), "seal", &seal));
    ES_GUARD(es_value_str(seal, "esid", "%s", in->esid));
    ES_GUARD(es_value_str(seal, "name", "%s", in->name));
    ES_GUARD(es_value_int(seal, "type", in->type));
    const char *tname = eseal_seal_type_name(in->type); /* eseal's names of the GB/T 38540 type codes */
    ES_GUARD(tname != NULL ? es_value_str(seal, "type_name", "%s", tname) : es_value_null(seal, "type_name"));
    ES_GUARD(es_value_int(seal, "version", s->header_version));
    /* SES_SealInfo has no owner field (GB/T 38540-2020 §7.1); a registry that holds the seal says it. */
    ES_GUARD(es_value_null(seal, "owner"));
    ES_GUARD(es_value_time(seal, "valid_from", in->valid_start_ms));
    ES_GUARD(es_value_time(seal, "valid_to", in->valid_end_ms));
    ES_GUARD(es_value_str(seal, "picture.format", "%s", in->picture_type != NULL ? in->picture_type : ""));
    ES_GUARD(in->picture_width_mm > 0 ? es_value_int(seal, "picture.width_mm", in->picture_width_mm)
                                      : es_value_null(seal, "picture.width_mm"));
    ES_GUARD(in->picture_height_mm > 0 ? es_value_int(seal, "picture.height_mm", in->picture_height_mm)
                                       : es_value_null(seal, "picture.height_mm"));
    ES_GUARD(es_value_int(seal, "picture.bytes", (int64_t)in->picture.len));
    /* Report version 4: the picture's bytes only when the verification asked for them (the verify
     * request's `pictures`, filled in by the service's seal hook): a report stays small by default. */
    ES_GUARD(es_value_null(seal, "picture.data"));
    ES_GUARD(es_value_null(seal, "maker"));
    ES_GUARD(es_value_list(seal, "bindings", NULL));
    ES_GUARD(es_value_null(seal, "registry"));
    char id[ES_VOBJ_ID_LEN];
    ES_GUARD(es_report_evidence(rep, ES_VOBJ_SEAL, es_buf_span(&s->der), in->name, "signature", 0, id));
    return es_value_str(seal, "object", "%s", id);
}

/* seal_format: the structure as read, and what it took to read it (vendor quirks). */
static ES_RESULT check_format(eseal_report *rep, const eseal_ses_seal *s, const es_notes *vnotes)
{
    static const char *const fmt_names[] = {"", "GM/T 0031-2014 (V1)", "", "", "GB/T 38540-2020 (V4)",
                                            "GM/T 0031-2025 (V5)"};
    char created[ES_RFC3339_LEN];
    es_time_rfc3339(created, s->info.create_ms);
    ES_AUTO(es_buf_freep) es_buf notes = ES_BUF_INIT(ES_SES_MAX_NOTES * ES_SHORT_TEXT_MAX * 4);
    ES_GUARD(es_ses_notes_text(&notes, &s->notes, vnotes));
    return es_report_check(rep, "seal_format", ESEAL_CHECK_PASSED, "embedded", "%s, vendor %s, made %s%s%s",
                           fmt_names[s->format], s->info.vid != NULL ? s->info.vid : "", created,
                           notes.len > 0 ? "; notes: " : "", es_buf_cstr(&notes));
}

/* seal.hardware (issue 23; docs/seals.md): where the keys of the seal's certificates are held, as
 * the seal says inside what its maker signed; left out for a seal in software. A binding that does
 * not decode is shown as such, not dropped. */
static ES_RESULT report_hardware(eseal_report *rep, const eseal_ses_seal *s)
{
    eseal_seal_hardware hw[ESEAL_SEAL_HARDWARE_MAX];
    size_t n = 0;
    int rc = eseal_ses_seal_hardware(s, hw, ESEAL_SEAL_HARDWARE_MAX, &n);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK;
    }
    eseal_value *o = NULL;
    if (rc != ESEAL_OK) {
        ES_GUARD(es_value_append(es_report_root(rep), "seal.hardware", ESEAL_VALUE_OBJECT, &o));
        ES_GUARD(es_value_str(o, "kind", "unknown"));
        ES_GUARD(es_value_str(o, "serial", "%s", ""));
        ES_GUARD(es_value_str(o, "detail", "the seal's hardware binding does not decode: %s",
                              eseal_error_last()->message));
        eseal_error_clear();
        return ES_OK;
    }
    for (size_t i = 0; i < n; i++) {
        const eseal_key_hardware *h = &hw[i].hw;
        char hex[65];
        es_hex_lower(hex, hw[i].cert_sha256, sizeof(hw[i].cert_sha256));
        ES_GUARD(es_value_append(es_report_root(rep), "seal.hardware", ESEAL_VALUE_OBJECT, &o));
        ES_GUARD(es_value_str(o, "cert_sha256", "%s", hex));
        ES_GUARD(es_value_str(o, "kind", "%s", h->kind));
        ES_GUARD(es_value_str(o, "serial", "%s", h->serial));
        ES_GUARD(es_value_str(o, "label", "%s", h->label));
        ES_GUARD(es_value_str(o, "key_id", "%s", h->key_id));
        ES_GUARD(es_value_str(o, "chip_id", "%s", h->chip_id));
        ES_GUARD(es_value_str(o, "maker", "%s", h->maker));
        if (h->chip_id[0] != '\0') {
            ES_GUARD(es_value_str(o, "detail", "key held in the chip %s of a physical seal (%s), serial %s", h->chip_id,
                                  h->kind, h->serial));
        } else {
            ES_GUARD(es_value_str(o, "detail", "key held in hardware token \"%s\" (%s), serial %s", h->label, h->kind,
                                  h->serial));
        }
    }
    return ES_OK;
}

/* `maker`: the seal's maker certificate as parsed from s->maker_cert, or NULL; a binding with the
 * same bytes is that certificate (one parse of one input). */
static ES_RESULT check_bindings(eseal_report *rep, const eseal_ses_seal *s, const eseal_cert *maker)
{
    const eseal_seal_info *in = &s->info;
    size_t good = 0;
    for (size_t i = 0; i < in->cert_count; i++) {
        eseal_value *b = NULL;
        ES_GUARD(es_value_append(es_report_root(rep), "seal.bindings", ESEAL_VALUE_OBJECT, &b));
        if (in->cert_list_type == 2) {
            /* A digest of the certificate (GB/T 38540-2020 CertDigestList): its subject is not known. */
            ES_GUARD(es_value_null(b, "subject"));
            eseal_hash h;
            if (digest_hash(in->digest_type, &h) && h == ESEAL_HASH_SHA256 && in->certs[i].len == 32) {
                char hex[65];
                es_hex_lower(hex, in->certs[i].ptr, 32);
                ES_GUARD(es_value_str(b, "fingerprint_sha256", "%s", hex));
            } else {
                ES_GUARD(es_value_null(b, "fingerprint_sha256"));
            }
            good++;
            continue;
        }
        eseal_cert *c = NULL;
        bool is_maker = maker != NULL && es_span_eq(es_span_of(in->certs[i].ptr, in->certs[i].len), s->maker_cert);
        if (s->cert_tags[i] == ES_DER_OCTET_STRING &&
            (is_maker || eseal_cert_parse(&c, in->certs[i].ptr, in->certs[i].len) == ESEAL_OK)) {
            const eseal_cert *bc = is_maker ? maker : c;
            es_result r = es_value_str(b, "subject", "%s", eseal_cert_subject(bc));
            if (es_ok(r)) {
                r = es_value_str(b, "fingerprint_sha256", "%s", eseal_cert_fingerprint(bc));
            }
            eseal_cert_free(c);
            ES_GUARD(r);
            good++;
        } else {
            eseal_error_clear();
            ES_GUARD(es_value_null(b, "subject"));
            ES_GUARD(es_value_null(b, "fingerprint_sha256"));
        }
    }
    if (good == 0) {
        ES_GUARD(es_report_check(rep, "seal_binding", ESEAL_CHECK_NOT_APPLICABLE, "embedded",
                                 "the seal lists %zu entries, none a usable signer certificate", in->cert_count));
        return es_report_reason(rep, ESEAL_VALID, ESEAL_R_NO_BOUND_SIGNER,
                                "the seal lists no usable signer certificate, so no stamp made with it can be "
                                "checked against it");
    }
    return es_report_check(rep, "seal_binding", ESEAL_CHECK_PASSED, "embedded",
                           "the seal lists %zu signer certificate(s)%s%s%s", good,
                           in->cert_list_type == 2 ? " by " : "", in->cert_list_type == 2 ? in->digest_type : "",
                           in->cert_list_type == 2 ? " digest" : "");
}

/* The worse of two check statuses (not_applicable counts for nothing). */
static eseal_check_status worse(eseal_check_status a, eseal_check_status b)
{
    static const int rank[] = {[ESEAL_CHECK_PASSED] = 1, [ESEAL_CHECK_FAILED] = 3, [ESEAL_CHECK_INDETERMINATE] = 2,
                               [ESEAL_CHECK_NOT_APPLICABLE] = 0, [ESEAL_CHECK_ABSENT] = 0};
    return rank[b] > rank[a] ? b : a;
}

/*
 * The maker certificate's chain, validity and revocation at at_ms, judged in a report of its own
 * (its checks would otherwise take the place of the signer's in a signature's report): its reasons
 * and validation objects go to rep, and its checks become part of seal_signature (the schema has no
 * maker checks: the maker's signature is only as good as the maker's certificate).
 */
static ES_RESULT check_maker(eseal_report *rep, const eseal_ses_seal *s, const eseal_cert *maker,
                             const eseal_trust *trust, int64_t at_ms, const es_revocation_opts *ro)
{
    ES_GUARD(es_value_str(es_report_root(rep), "seal.maker.subject", "%s", eseal_cert_subject(maker)));
    ES_GUARD(es_value_str(es_report_root(rep), "seal.maker.issuer", "%s", eseal_cert_issuer(maker)));
    ES_GUARD(es_value_str(es_report_root(rep), "seal.maker.serial", "%s", eseal_cert_serial(maker)));
    char maker_id[ES_VOBJ_ID_LEN];
    ES_GUARD(es_report_evidence(rep, ES_VOBJ_CERTIFICATE, s->maker_cert, eseal_cert_subject(maker), "seal", 0,
                                maker_id));
    ES_AUTO(es_report_freep) eseal_report *mk = NULL;
    ES_GUARD(es_report_new(&mk));
    ES_GUARD(es_cert_chain_check_ex(mk, trust, maker, NULL, 0, at_ms, 0, ro));
    ES_GUARD(es_ses_report_take_reasons(rep, mk));
    ES_GUARD(es_ses_report_take_objects(rep, mk));
    static const char *const ids[] = {"chain", "validity", "revocation"};
    ES_AUTO(es_buf_freep) es_buf detail = ES_BUF_INIT(ES_SES_MAX_TEXT);
    eseal_check_status st = ESEAL_CHECK_PASSED;
    const char *source = "embedded";
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        eseal_check_status cs = eseal_report_check(mk, ids[i]);
        const eseal_value *c = part_check(mk, ids[i]);
        const char *d = eseal_value_string(eseal_value_find(c, "detail"));
        ES_GUARD(es_buf_printf(&detail, "%s %s %s%s%s%s", i == 0 ? "" : ",", ids[i],
                               cs == ESEAL_CHECK_ABSENT ? "not reported" : eseal_check_status_name(cs),
                               d != NULL ? " (" : "", d != NULL ? d : "", d != NULL ? ")" : ""));
        st = worse(st, cs); /* an absent check counts for nothing: the verdict is the reasons' */
        if (i == 0 && eseal_value_string(eseal_value_find(c, "source")) != NULL) {
            source = eseal_value_string(eseal_value_find(c, "source"));
        }
    }
    ES_GUARD(es_report_check(rep, "seal_signature", st, source,
                             "the maker's %s signature over the seal verifies; maker certificate:%s",
                             eseal_sig_alg_name(s->sig_alg), es_buf_cstr(&detail)));
    ES_GUARD(es_report_check_uses(rep, "seal_signature", maker_id));
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        ES_GUARD(es_report_check_uses_from(rep, "seal_signature", part_check(mk, ids[i])));
    }
    return ES_OK;
}

static ES_RESULT seal_verify(eseal_report *rep, const eseal_ses_seal *s, const eseal_trust *trust, int64_t at_ms,
                             const es_revocation_opts *ro, const eseal_cert *known)
{
    ES_GUARD(describe(rep, s));
    ES_GUARD(es_report_check(rep, "registry", ESEAL_CHECK_NOT_APPLICABLE, NULL, "no seal registry was consulted"));

    /* 1. the maker's signature over what this version signs (standards.md §4). */
    int valid = 0;
    eseal_bytes tbs = eseal_ses_seal_signed_bytes(s);
    ES_AUTO(es_notes_freep) es_notes vnotes = {{NULL}, 0};
    ES_AUTO(cert_freep) eseal_cert *maker = NULL;
    es_result r = verify_keep(&valid, &vnotes, &maker, known, s->maker_cert, s->sig_alg, es_span_of(tbs.ptr, tbs.len),
                              s->signature);
    if (!es_ok(r) && es_code(r) != ESEAL_EUNSUPPORTED && es_code(r) != ESEAL_EMALFORMED) {
        return r;
    }
    ES_GUARD(check_format(rep, s, &vnotes));
    if (!es_ok(r)) {
        const char *why = eseal_error_last()->message;
        ES_GUARD(es_report_check(rep, "seal_signature", ESEAL_CHECK_INDETERMINATE, "embedded",
                                 "the maker's signature (%s) could not be checked: %s", eseal_sig_alg_name(s->sig_alg),
                                 why));
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE,
                                  es_code(r) == ESEAL_EUNSUPPORTED ? ESEAL_R_CRYPTO_CONSTRAINTS_FAILURE : ESEAL_R_FORMAT_FAILURE,
                                  "the maker signature could not be checked: %s", why));
        return ES_OK;
    }
    if (!valid) {
        ES_GUARD(es_report_check(rep, "seal_signature", ESEAL_CHECK_FAILED, "embedded",
                                 "the maker's %s signature over the seal does not verify",
                                 eseal_sig_alg_name(s->sig_alg)));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                                  "the seal maker's signature does not verify: the seal was altered or forged"));
    }

    /* 2. the maker certificate (read in 1.): chain, validity and revocation at the validation time. */
    if (maker != NULL) {
        if (valid) {
            ES_GUARD(check_maker(rep, s, maker, trust, at_ms, ro));
        } else {
            /* Who claims to have made it, with its reasons: the signature already failed. */
            ES_AUTO(es_report_freep) eseal_report *mk = NULL;
            ES_GUARD(es_report_new(&mk));
            ES_GUARD(es_value_str(es_report_root(rep), "seal.maker.subject", "%s", eseal_cert_subject(maker)));
            ES_GUARD(es_value_str(es_report_root(rep), "seal.maker.issuer", "%s", eseal_cert_issuer(maker)));
            ES_GUARD(es_value_str(es_report_root(rep), "seal.maker.serial", "%s", eseal_cert_serial(maker)));
            ES_GUARD(es_cert_chain_check_ex(mk, trust, maker, NULL, 0, at_ms, 0, ro));
            ES_GUARD(es_ses_report_take_reasons(rep, mk));
            ES_GUARD(es_ses_report_take_objects(rep, mk));
        }
    }

    /* 3. the seal's own validity window (GB/T 38540 seal verification step 4). */
    const eseal_seal_info *in = &s->info;
    char t[ES_RFC3339_LEN];
    if (at_ms < in->valid_start_ms) {
        es_time_rfc3339(t, in->valid_start_ms);
        ES_GUARD(es_report_check(rep, "seal_validity", ESEAL_CHECK_FAILED, "embedded", "not yet valid: valid from %s",
                                 t));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_NOT_YET_VALID, "the seal is valid only from %s", t));
    } else if (at_ms > in->valid_end_ms) {
        es_time_rfc3339(t, in->valid_end_ms);
        ES_GUARD(es_report_check(rep, "seal_validity", ESEAL_CHECK_FAILED, "embedded", "expired at %s", t));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_EXPIRED, "the seal expired at %s", t));
    } else {
        es_time_rfc3339(t, at_ms);
        ES_GUARD(es_report_check(rep, "seal_validity", ESEAL_CHECK_PASSED, "embedded", "valid at %s", t));
    }

    /* 4. the certificates allowed to stamp with it, and where their keys are held. */
    ES_GUARD(check_bindings(rep, s, maker));
    return report_hardware(rep, s);
}

ES_RESULT es_ses_seal_verify_rev(eseal_report **out, const eseal_ses_seal *s, const eseal_trust *trust,
                                 int64_t at_ms, const es_revocation_opts *ro)
{
    return es_ses_seal_verify_known(out, s, trust, at_ms, ro, NULL);
}

ES_RESULT es_ses_seal_verify_known(eseal_report **out, const eseal_ses_seal *s, const eseal_trust *trust,
                                   int64_t at_ms, const es_revocation_opts *ro, const eseal_cert *known)
{
    ES_ENSURE(out != NULL && s != NULL, ESEAL_EINVAL, "invalid argument to eseal_ses_seal_verify");
    *out = NULL;
    eseal_report *rep = NULL;
    es_result r = es_report_new(&rep);
    if (es_ok(r)) {
        r = seal_verify(rep, s, trust, at_ms != 0 ? at_ms : es_ctx_now(ro != NULL ? ro->ctx : NULL), ro, known);
    }
    if (!es_ok(r)) {
        eseal_report_free(rep);
        return r;
    }
    *out = rep;
    return ES_OK;
}

int eseal_ses_seal_verify(eseal_report **out, const eseal_ses_seal *s, const eseal_trust *trust, int64_t at_ms)
{
    return es_code(es_ses_seal_verify_rev(out, s, trust, at_ms, NULL));
}
