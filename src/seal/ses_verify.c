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

static void fmt_time(char out[ES_RFC3339_LEN], int64_t ms) { es_time_rfc3339(out, ms); }
static void cert_freep(eseal_cert **c) { eseal_cert_free(*c); }

static ES_RESULT describe(eseal_report *rep, const eseal_ses_seal *s)
{
    const eseal_seal_info *in = &s->info;
    char t[ES_RFC3339_LEN];
    static const char *const fmt_names[] = {"", "GM/T 0031-2014 (V1)", "", "", "GB/T 38540-2020 (V4)",
                                            "GM/T 0031-2025 (V5)"};
    ES_GUARD(es_report_set(rep, "seal.format", "%s", fmt_names[s->format]));
    ES_GUARD(es_report_set(rep, "seal.esid", "%s", in->esid));
    ES_GUARD(es_report_set(rep, "seal.name", "%s", in->name));
    const char *tn = eseal_seal_type_name(in->type);
    if (tn != NULL) {
        ES_GUARD(es_report_set(rep, "seal.type", "%s", tn));
    } else {
        ES_GUARD(es_report_set(rep, "seal.type", "%lld", (long long)in->type));
    }
    ES_GUARD(es_report_set(rep, "seal.vid", "%s", in->vid));
    fmt_time(t, in->create_ms);
    ES_GUARD(es_report_set(rep, "seal.created", "%s", t));
    fmt_time(t, in->valid_start_ms);
    ES_GUARD(es_report_set(rep, "seal.valid_from", "%s", t));
    fmt_time(t, in->valid_end_ms);
    ES_GUARD(es_report_set(rep, "seal.valid_to", "%s", t));
    ES_GUARD(es_report_set(rep, "seal.picture", "%s, %lldx%lld mm, %zu bytes", in->picture_type,
                           (long long)in->picture_width_mm, (long long)in->picture_height_mm, in->picture.len));
    ES_GUARD(es_report_set(rep, "seal.algorithm", "%s", eseal_sig_alg_name(s->sig_alg)));
    ES_GUARD(es_report_set(rep, "seal.algorithm_oid", "%s", s->sig_alg));
    return ES_OK;
}

/* `maker`: the seal's maker certificate as parsed from s->maker_cert, or NULL; a binding with the
 * same bytes is that certificate (one parse of one input). */
static ES_RESULT check_bindings(eseal_report *rep, const eseal_ses_seal *s, const eseal_cert *maker)
{
    const eseal_seal_info *in = &s->info;
    size_t good = 0;
    for (size_t i = 0; i < in->cert_count; i++) {
        char name[32];
        (void)snprintf(name, sizeof(name), "binding.%zu", i + 1);
        if (in->cert_list_type == 2) {
            ES_AUTO(es_buf_freep) es_buf hex = ES_BUF_INIT(ES_SHORT_TEXT_MAX);
            ES_GUARD(es_buf_append_hex(&hex, in->certs[i].ptr, in->certs[i].len > ES_SES_CERT_HEX_SHOWN ? ES_SES_CERT_HEX_SHOWN : in->certs[i].len, false));
            ES_GUARD(es_report_set(rep, name, "%s digest %s", in->digest_type, es_buf_cstr(&hex)));
            good++;
            continue;
        }
        eseal_cert *c = NULL;
        bool is_maker = maker != NULL && es_span_eq(es_span_of(in->certs[i].ptr, in->certs[i].len), s->maker_cert);
        if (s->cert_tags[i] == ES_DER_OCTET_STRING &&
            (is_maker || eseal_cert_parse(&c, in->certs[i].ptr, in->certs[i].len) == ESEAL_OK)) {
            const eseal_cert *b = is_maker ? maker : c;
            es_result r = es_report_set(rep, name, "%s (serial %s)", eseal_cert_subject(b), eseal_cert_serial(b));
            eseal_cert_free(c);
            ES_GUARD(r);
            good++;
        } else {
            ES_GUARD(es_report_set(rep, name, "not a certificate"));
        }
    }
    ES_GUARD(es_report_set(rep, "binding.count", "%zu", in->cert_count));
    if (good == 0) {
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, ESEAL_R_NO_BOUND_SIGNER,
                                  "the seal lists no usable signer certificate, so no stamp made with it can be "
                                  "checked against it"));
    }
    return ES_OK;
}

static ES_RESULT seal_verify(eseal_report *rep, const eseal_ses_seal *s, const eseal_trust *trust, int64_t at_ms,
                             const es_revocation_opts *ro, const eseal_cert *known)
{
    char t1[ES_RFC3339_LEN], t2[ES_RFC3339_LEN];
    ES_GUARD(describe(rep, s));
    fmt_time(t1, at_ms);
    ES_GUARD(es_report_set(rep, "validation_time", "%s", t1));

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
    ES_GUARD(es_ses_report_notes(rep, "notes", &s->notes, &vnotes));
    if (!es_ok(r)) {
        ES_GUARD(es_report_set(rep, "checks.signature", "not checked"));
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE,
                                  es_code(r) == ESEAL_EUNSUPPORTED ? ESEAL_R_CRYPTO_CONSTRAINTS_FAILURE : ESEAL_R_FORMAT_FAILURE,
                                  "the maker signature could not be checked: %s", eseal_error_last()->message));
        return ES_OK;
    }
    if (!valid) {
        ES_GUARD(es_report_set(rep, "checks.signature", "bad"));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                                  "the seal maker's signature does not verify: the seal was altered or forged"));
    } else {
        ES_GUARD(es_report_set(rep, "checks.signature", "good"));
    }

    /* 2. the maker certificate (read in 1.): chain, validity and revocation at the validation time. */
    if (maker != NULL) {
        ES_GUARD(es_report_set(rep, "maker.subject", "%s", eseal_cert_subject(maker)));
        ES_GUARD(es_report_set(rep, "maker.issuer", "%s", eseal_cert_issuer(maker)));
        ES_GUARD(es_report_set(rep, "maker.serial", "%s", eseal_cert_serial(maker)));
        fmt_time(t1, eseal_cert_not_before(maker));
        fmt_time(t2, eseal_cert_not_after(maker));
        ES_GUARD(es_report_set(rep, "maker.valid", "%s .. %s", t1, t2));
        ES_GUARD(es_cert_chain_check_ex(rep, trust, maker, NULL, 0, at_ms, 0, ro));
    }

    /* 3. the seal's own validity window (GB/T 38540 seal verification step 4). */
    const eseal_seal_info *in = &s->info;
    if (at_ms < in->valid_start_ms) {
        fmt_time(t2, in->valid_start_ms);
        ES_GUARD(es_report_set(rep, "checks.seal_validity", "not yet valid"));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_NOT_YET_VALID, "the seal is valid only from %s", t2));
    } else if (at_ms > in->valid_end_ms) {
        fmt_time(t2, in->valid_end_ms);
        ES_GUARD(es_report_set(rep, "checks.seal_validity", "expired"));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_EXPIRED, "the seal expired at %s", t2));
    } else {
        ES_GUARD(es_report_set(rep, "checks.seal_validity", "good"));
    }

    /* 4. the certificates allowed to stamp with it. */
    return check_bindings(rep, s, maker);
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

ES_RESULT es_ses_report_notes(eseal_report *rep, const char *prefix, const es_notes *a, const es_notes *b)
{
    size_t k = 0;
    const es_notes *lists[2] = {a, b};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l] != NULL && i < lists[l]->n; i++) {
            char name[64];
            (void)snprintf(name, sizeof(name), "%s.%zu", prefix, ++k);
            ES_GUARD(es_report_set(rep, name, "%s", lists[l]->items[i]));
        }
    }
    return ES_OK;
}
