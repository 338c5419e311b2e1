/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OpenSSL half of the time-stamp client (src/tsa/tsa_client.c): the DER TimeStampReq it
 * sends and the token it takes out of a granted TimeStampResp. The client itself (sources,
 * transport, the checklist) has no OpenSSL in it (docs/architecture.md).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/ts.h>

#include "crypto.h"
#include "ossl.h"

ES_DEFINE_FREEP(TS_REQ, TS_REQ_free)
ES_DEFINE_FREEP(TS_RESP, TS_RESP_free)
ES_DEFINE_FREEP(TS_MSG_IMPRINT, TS_MSG_IMPRINT_free)

/* The DER TimeStampReq: version 1, the imprint, a random 64-bit nonce, certReq, the policy. */
ES_RESULT es_ts_request_der(es_buf *out, eseal_hash hash, es_span digest, const char *policy)
{
    const EVP_MD *md = es_md(hash);
    ES_ENSURE(md != NULL, ESEAL_EINVAL, "tsa client: unsupported hash");
    ES_ENSURE(digest.len == (size_t)EVP_MD_get_size(md), ESEAL_EINVAL,
              "tsa client: a %s digest is %d bytes, not %zu", eseal_hash_name(hash), EVP_MD_get_size(md), digest.len);
    ES_AUTO(TS_REQ_freep) TS_REQ *req = TS_REQ_new();
    ES_AUTO(TS_MSG_IMPRINT_freep) TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    ES_AUTO(X509_ALGOR_freep) X509_ALGOR *alg = X509_ALGOR_new();
    ES_AUTO(ASN1_INTEGER_freep) ASN1_INTEGER *nonce = NULL;
    ES_ENSURE_ALLOC(req);
    ES_ENSURE_ALLOC(mi);
    ES_ENSURE_ALLOC(alg);
    X509_ALGOR_set_md(alg, md);
    ES_GUARD_OSSL(TS_MSG_IMPRINT_set_algo(mi, alg), "setting the imprint algorithm");
    unsigned char md_buf[EVP_MAX_MD_SIZE];
    memcpy(md_buf, digest.ptr, digest.len);
    ES_GUARD_OSSL(TS_MSG_IMPRINT_set_msg(mi, md_buf, (int)digest.len), "setting the imprint");
    ES_GUARD_OSSL(TS_REQ_set_version(req, 1), "setting the request version");
    ES_GUARD_OSSL(TS_REQ_set_msg_imprint(req, mi), "setting the request imprint");
    uint8_t rnd[8];
    ES_GUARD(es_random(rnd, sizeof(rnd)));
    rnd[0] &= 0x7f; /* a positive INTEGER */
    rnd[0] |= 0x40; /* of a fixed length: 63 significant bits */
    BIGNUM *bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
    ES_ENSURE_ALLOC(bn);
    nonce = BN_to_ASN1_INTEGER(bn, NULL);
    BN_free(bn);
    ES_ENSURE_ALLOC(nonce);
    ES_GUARD_OSSL(TS_REQ_set_nonce(req, nonce), "setting the nonce");
    ES_GUARD_OSSL(TS_REQ_set_cert_req(req, 1), "setting certReq");
    if (policy != NULL) {
        ASN1_OBJECT *o = OBJ_txt2obj(policy, 1);
        ES_ENSURE(o != NULL, ESEAL_EINVAL, "tsa client: \"%s\" is not an OID", policy);
        int ok = TS_REQ_set_policy_id(req, o);
        ASN1_OBJECT_free(o);
        ES_GUARD_OSSL(ok, "setting the request policy");
    }
    unsigned char *der = NULL;
    int n = i2d_TS_REQ(req, &der);
    return es_take_der(out, der, n, "tsa client: encoding the request");
}

/* The token inside a granted response, and its serial number in hex. */
ES_RESULT es_ts_response_token(eseal_buf *token, char *serial, size_t serial_cap, es_span resp)
{
    const unsigned char *p = resp.ptr;
    ES_AUTO(TS_RESP_freep) TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp.len);
    es_x509_count_p7(r != NULL ? TS_RESP_get_token(r) : NULL);
    ES_ENSURE_OSSL(r != NULL && TS_RESP_get_token(r) != NULL, ESEAL_EMALFORMED, "tsa client: no token in the answer");
    unsigned char *der = NULL;
    int n = i2d_PKCS7(TS_RESP_get_token(r), &der);
    es_buf tok = ES_BUF_INIT(ESEAL_TSA_CLIENT_MAX_RESPONSE);
    es_result rr = es_take_der(&tok, der, n, "tsa client: encoding the token");
    if (!es_ok(rr)) {
        es_buf_free(&tok);
        return rr;
    }
    es_buf_move_out(token, &tok);
    const ASN1_INTEGER *sn = TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r));
    BIGNUM *bn = sn != NULL ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    (void)snprintf(serial, serial_cap, "%s", hex != NULL ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    return ES_OK;
}
