/* SPDX-License-Identifier: Apache-2.0 */
/* Filing receipts: the registry's signed statement that a seal was filed (seal.h). */
#include <string.h>

#include "crypto/crypto.h"
#include "ses.h"
#include "util/report.h"

struct eseal_filing_receipt {
    es_buf der;
    eseal_filing_info info;
    char *esid, *owner, *registry;
    es_span tbs, cert, sig;
    char alg[128];
};

void eseal_filing_receipt_free(eseal_filing_receipt *r)
{
    if (r == NULL) {
        return;
    }
    es_buf_free(&r->der);
    es_free(r->esid);
    es_free(r->owner);
    es_free(r->registry);
    es_free(r);
}

static ES_RESULT text(char **out, es_cur *c, uint8_t tag, const char *what)
{
    es_der d;
    ES_GUARD(es_der_expect(c, tag, &d, what));
    ES_ENSURE(d.val.len <= ES_SES_MAX_TEXT && memchr(d.val.ptr, 0, d.val.len) == NULL && es_der_text_ok(&d),
              ESEAL_EMALFORMED, "receipt: %s is not valid text", what);
    *out = es_strndup((const char *)d.val.ptr, d.val.len);
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

static ES_RESULT decode(eseal_filing_receipt *r)
{
    es_cur top = es_cur_of(es_buf_span(&r->der));
    es_der d, t, e;
    ES_GUARD(es_der_expect(&top, ES_DER_SEQUENCE, &d, "EsealFilingReceipt"));
    ES_GUARD(es_der_end(&top, "the receipt file"));
    es_cur c = es_der_inner(&top, &d);
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &t, "receipt tbs"));
    r->tbs = t.tlv;
    es_cur tc = es_der_inner(&c, &t);
    int64_t version;
    ES_GUARD(es_der_expect(&tc, ES_DER_INTEGER, &e, "receipt version"));
    ES_GUARD(es_der_int64(&e, &version));
    ES_ENSURE(version == 1, ESEAL_EUNSUPPORTED, "receipt: version %lld is not supported", (long long)version);
    ES_GUARD(text(&r->esid, &tc, ES_DER_IA5STRING, "esID"));
    ES_GUARD(es_der_expect(&tc, ES_DER_OCTET_STRING, &e, "sealSha256"));
    ES_ENSURE(e.val.len == 32, ESEAL_EMALFORMED, "receipt: sealSha256 is %zu bytes, not 32", e.val.len);
    r->info.seal_sha256 = (eseal_bytes){e.val.ptr, e.val.len};
    ES_GUARD(text(&r->owner, &tc, ES_DER_UTF8STRING, "owner"));
    ES_GUARD(es_der_expect(&tc, ES_DER_GENERALIZEDTIME, &e, "filedAt"));
    ES_GUARD(es_der_time(&e, &r->info.filed_ms));
    ES_GUARD(text(&r->registry, &tc, ES_DER_UTF8STRING, "registry"));
    ES_GUARD(es_der_expect(&tc, ES_DER_INTEGER, &e, "serial"));
    ES_GUARD(es_der_int64(&e, &r->info.serial));
    ES_GUARD(es_der_end(&tc, "receipt tbs"));
    ES_GUARD(es_der_expect(&c, ES_DER_OCTET_STRING, &e, "receipt cert"));
    r->cert = e.val;
    ES_GUARD(es_der_expect(&c, ES_DER_OID, &e, "receipt signAlgID"));
    ES_GUARD(es_der_oid_text(&e, r->alg, sizeof(r->alg)));
    ES_GUARD(es_der_expect(&c, ES_DER_BIT_STRING, &e, "receipt signature"));
    ES_GUARD(es_der_bits(&e, &r->sig));
    ES_GUARD(es_der_end(&c, "EsealFilingReceipt"));
    r->info.esid = r->esid;
    r->info.owner = r->owner;
    r->info.registry = r->registry;
    return ES_OK;
}

int eseal_filing_receipt_decode(eseal_filing_receipt **out, const void *der, size_t len)
{
    if (out == NULL || (der == NULL && len > 0)) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument"));
    }
    *out = NULL;
    eseal_filing_receipt *r = es_calloc(1, sizeof(*r));
    if (r == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    r->der = (es_buf)ES_BUF_INIT(es_ctx_limits(NULL)->max_der_bytes);
    es_result res = es_buf_append(&r->der, der, len);
    if (es_ok(res)) {
        res = decode(r);
    }
    if (!es_ok(res)) {
        eseal_filing_receipt_free(r);
        return es_code(res);
    }
    *out = r;
    return ESEAL_OK;
}

const eseal_filing_info *eseal_filing_receipt_info(const eseal_filing_receipt *r) { return r != NULL ? &r->info : NULL; }
eseal_bytes eseal_filing_receipt_cert(const eseal_filing_receipt *r)
{
    return r != NULL ? (eseal_bytes){r->cert.ptr, r->cert.len} : (eseal_bytes){0};
}

static ES_RESULT receipt_make(es_buf *out, const eseal_filing_info *in, const eseal_cert *cert, eseal_key *key)
{
    ES_ENSURE(in != NULL && cert != NULL && key != NULL && in->esid != NULL && in->owner != NULL &&
                  in->registry != NULL && in->seal_sha256.len == 32,
              ESEAL_EINVAL, "receipt: esID, owner, registry, a 32-byte seal digest, certificate and key are required");
    ES_ENSURE(eseal_cert_matches_key(cert, key) == 1, ESEAL_EINVAL, "receipt: the key does not match the certificate");
    const char *oid;
    eseal_hash hash;
    ES_GUARD(es_ses_alg_for_key(&oid, &hash, eseal_key_algorithm(key)));
    ES_AUTO(es_buf_freep) es_buf tbs = ES_BUF_INIT(ES_SES_RECEIPT_MAX);
    size_t m = es_der_open(&tbs);
    ES_GUARD(es_der_put_int(&tbs, 1));
    ES_GUARD(es_der_put_str(&tbs, ES_DER_IA5STRING, in->esid));
    ES_GUARD(es_der_put(&tbs, ES_DER_OCTET_STRING, es_span_of(in->seal_sha256.ptr, 32)));
    ES_GUARD(es_der_put_str(&tbs, ES_DER_UTF8STRING, in->owner));
    ES_GUARD(es_der_put_gentime(&tbs, in->filed_ms));
    ES_GUARD(es_der_put_str(&tbs, ES_DER_UTF8STRING, in->registry));
    ES_GUARD(es_der_put_int(&tbs, in->serial));
    ES_GUARD(es_der_close(&tbs, m, ES_DER_SEQUENCE));
    eseal_buf sig = ESEAL_BUF_INIT, cder = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_key_sign(&sig, key, hash, ESEAL_SCHEME_DEFAULT, tbs.ptr, tbs.len));
    if (es_ok(r)) {
        r = es_cert_der(&cder, cert);
    }
    if (es_ok(r)) {
        size_t top = es_der_open(out);
        r = es_buf_append(out, tbs.ptr, tbs.len);
        if (es_ok(r)) {
            r = es_der_put(out, ES_DER_OCTET_STRING, es_span_of(cder.ptr, cder.size));
        }
        if (es_ok(r)) {
            r = es_der_put_oid(out, oid);
        }
        if (es_ok(r)) {
            r = es_der_put_bits(out, es_span_of(sig.ptr, sig.size));
        }
        if (es_ok(r)) {
            r = es_der_close(out, top, ES_DER_SEQUENCE);
        }
    }
    eseal_buf_dispose(&sig);
    eseal_buf_dispose(&cder);
    return r;
}

int eseal_filing_receipt_make(eseal_buf *der, const eseal_filing_info *info, const eseal_cert *cert, eseal_key *key)
{
    if (der == NULL) {
        ES_BAIL_ARG("der == NULL");
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_SES_RECEIPT_MAX);
    es_result r = receipt_make(&b, info, cert, key);
    if (es_ok(r)) {
        es_buf_move_out(der, &b);
    }
    return es_code(r);
}

/*
 * The report of a filing receipt (not a document: no format, no signatures): receipt {esid, owner,
 * filed_at, registry, serial}, the registry's certificate as signer, checks signature (the
 * registry's signature over the receipt), digest (the seal given is the one filed) and the
 * registry certificate's chain, validity and revocation at the filing time.
 */
static ES_RESULT receipt_verify(eseal_report *rep, const eseal_filing_receipt *r, const eseal_trust *t,
                                const void *seal, size_t seal_len)
{
    eseal_value *root = es_report_root(rep);
    ES_GUARD(es_value_str(root, "receipt.esid", "%s", r->esid));
    ES_GUARD(es_value_str(root, "receipt.owner", "%s", r->owner));
    ES_GUARD(es_value_time(root, "receipt.filed_at", r->info.filed_ms));
    ES_GUARD(es_value_str(root, "receipt.registry", "%s", r->registry));
    ES_GUARD(es_value_int(root, "receipt.serial", r->info.serial));
    ES_GUARD(es_value_list(root, "checks", NULL));
    int valid = 0;
    ES_AUTO(es_notes_freep) es_notes notes = {{NULL}, 0};
    ES_GUARD(es_ses_verify(&valid, &notes, r->cert, r->alg, r->tbs, r->sig));
    ES_AUTO(es_buf_freep) es_buf nt = ES_BUF_INIT(ES_SES_MAX_NOTES * ES_SHORT_TEXT_MAX * 4);
    ES_GUARD(es_ses_notes_text(&nt, &notes, NULL));
    ES_GUARD(es_report_check(rep, "signature", valid ? ESEAL_CHECK_PASSED : ESEAL_CHECK_FAILED, "embedded",
                             "the registry's %s signature over the receipt %s%s%s", eseal_sig_alg_name(r->alg),
                             valid ? "verifies" : "does not verify", nt.len > 0 ? "; notes: " : "", es_buf_cstr(&nt)));
    if (!valid) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE,
                                  "the registry's signature on the receipt does not verify"));
    }
    if (seal != NULL) {
        uint8_t dg[64];
        size_t n = 0;
        ES_GUARD(es_digest(dg, &n, ESEAL_HASH_SHA256, es_span_of(seal, seal_len)));
        bool same = n == 32 && memcmp(dg, r->info.seal_sha256.ptr, 32) == 0;
        ES_GUARD(es_report_check(rep, "digest", same ? ESEAL_CHECK_PASSED : ESEAL_CHECK_FAILED, NULL,
                                 "the SHA-256 of the seal given %s the one the receipt names",
                                 same ? "is" : "is not"));
        if (!same) {
            ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE,
                                      "the receipt was issued for other seal bytes than the seal given"));
        }
    } else {
        ES_GUARD(es_report_check(rep, "digest", ESEAL_CHECK_NOT_APPLICABLE, NULL, "no seal was given"));
    }
    ES_AUTO(es_report_freep) eseal_report *part = NULL;
    ES_GUARD(es_report_new(&part));
    eseal_cert *c = NULL;
    ES_GUARD(es_cert_parse(&c, es_span_of(r->cert.ptr, r->cert.len)));
    char id[ES_VOBJ_ID_LEN];
    es_result res = es_ses_report_signer(rep, c, r->cert, "signature", id);
    if (es_ok(res)) {
        res = es_cert_chain_check(part, t, c, NULL, 0, r->info.filed_ms, 0);
    }
    eseal_cert_free(c);
    ES_GUARD(res);
    ES_GUARD(es_ses_report_take_reasons(rep, part));
    ES_GUARD(es_ses_report_take_objects(rep, part));
    ES_GUARD(es_ses_report_take_check(rep, part, "chain"));
    ES_GUARD(es_ses_report_take_check(rep, part, "validity"));
    return es_ses_report_take_check(rep, part, "revocation");
}

int eseal_filing_receipt_verify(eseal_report **out, const eseal_filing_receipt *r, const eseal_trust *trust,
                                const void *seal_der, size_t seal_len)
{
    if (out == NULL || r == NULL) {
        ES_BAIL_ARG("out == NULL || r == NULL");
    }
    *out = NULL;
    eseal_report *rep = NULL;
    es_result res = es_report_new(&rep);
    if (es_ok(res)) {
        res = receipt_verify(rep, r, trust, seal_der, seal_len);
    }
    if (!es_ok(res)) {
        eseal_report_free(rep);
        return es_code(res);
    }
    *out = rep;
    return ESEAL_OK;
}
