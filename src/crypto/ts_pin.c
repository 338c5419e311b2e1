/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pinned check of the instance's own TSA (issue 18): its tokens without parsing certificates.
 *
 * The client checklist (eseal_tsa_verify_token) decodes the token's certificates (OpenSSL 3 decodes
 * each public key through OSSL_DECODER), finds the signer, builds and validates its chain and reads
 * the CRLs again for every token: for the instance's in-process TSA that was a sixth of a batch
 * document, the same certificates checked against the same trust with the same result each time.
 *
 * A pin is made from ONE token of that TSA that passed the whole checklist (es_ts_pin_new): it keeps
 * what does not change from token to token (the certificates, the SignerInfo's identifier and
 * algorithms, the contentType and signingCertificateV2 attributes, the policy, byte for byte) and
 * the window of genTimes in which the chain check has the same outcome. A later token
 * (es_ts_pin_check) is then accepted only when, read with the DER reader (no certificate decoded):
 * the response is granted; every constant part equals the pinned bytes; messageDigest is the digest
 * of its TSTInfo; the signature over the signed attributes verifies with the pinned certificate's
 * public key (already parsed); the TSTInfo is version 1 with the request's imprint and nonce and the
 * pinned policy; its genTime is inside the window. Anything else is "not ok" and the caller puts a
 * fresh token through the full checklist, so a refusal reads as it always did.
 *
 * Why this is as safe as the checklist for the own TSA: the chain check depends on the
 * certificates, the trust (loaded once per timestamper: its anchors, intermediates and CRLs do not
 * change while the pin lives) and the validation time alone. The pin holds the certificates the full
 * check accepted and compares them byte for byte; the window is where every time-dependent part of
 * the chain check gives the same answer: [the latest notBefore, the earliest notAfter] of every
 * certificate that can be on the path (every trust or token certificate whose subject is an issuer
 * name met on the way up), cut at the earliest nextUpdate of the CRLs of those issuers (a stale CRL
 * makes the check INDETERMINATE) and before any revocation date they list for a certificate on the
 * path ("revoked later" turns into "revoked"). Candidates are all taken, so the window can only be
 * narrower than the real path's. And the key that signs was loaded by this process from the
 * instance's encrypted key files: what the signature check proves is that the token is the one our
 * responder made for this request, which is what the full check establishes too.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ts.h>

#include "chain.h"
#include "crypto.h"
#include "ossl.h"
#include "util/der.h"

ES_DEFINE_FREEP(TS_TST_INFO, TS_TST_INFO_free)
ES_DEFINE_FREEP(TS_REQ, TS_REQ_free)

_Atomic size_t es_ts_pin_accepted = 0;
_Atomic size_t es_ts_pin_refused = 0;

/* The constant parts, as byte strings (their whole TLVs). */
enum { P_DIGEST_ALGS, P_CERTS, P_SID, P_DIGEST_ALG, P_CONTENT_TYPE, P_ESS, P_SIG_ALG, P_POLICY, P_N };

struct es_ts_pin {
    es_span part[P_N];
    uint8_t *mem;
    eseal_hash hash;  /* the SignerInfo's digest algorithm */
    int64_t lo, hi;   /* genTime window, inclusive */
    X509 *cert;       /* the TSA certificate (its public key checks every signature) */
};

/* What es_ts_pin reads out of a token. */
typedef struct {
    es_span part[P_N];
    es_span econtent;      /* the TSTInfo DER */
    es_span signed_attrs;  /* [0] IMPLICIT SET OF Attribute, whole TLV */
    es_span message_digest;
    es_span sig;
    bool other_attr;       /* an attribute besides contentType, signingTime, messageDigest, ESS v2 */
} token_parts;

static const uint8_t OID_SIGNED_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
static const uint8_t OID_TSTINFO[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04};
static const uint8_t OID_CONTENT_TYPE[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03};
static const uint8_t OID_MESSAGE_DIGEST[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04};
static const uint8_t OID_SIGNING_TIME[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05};
static const uint8_t OID_ESS_V2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f};

static bool oid_is(const es_der *d, const uint8_t *oid, size_t n)
{
    return d->tag == ES_DER_OID && es_span_eq(d->val, es_span_of(oid, n));
}

/* One attribute of the signed attributes. */
static ES_RESULT read_attr(token_parts *t, es_cur *c)
{
    es_der a, oid, set, v;
    ES_GUARD(es_der_expect(c, ES_DER_SEQUENCE, &a, "attribute"));
    es_cur in = es_der_inner(c, &a);
    ES_GUARD(es_der_expect(&in, ES_DER_OID, &oid, "attribute type"));
    ES_GUARD(es_der_expect(&in, ES_DER_SET, &set, "attribute values"));
    ES_GUARD(es_der_end(&in, "attribute"));
    es_cur vs = es_der_inner(&in, &set);
    ES_GUARD(es_der_next(&vs, &v));
    ES_GUARD(es_der_end(&vs, "attribute values"));
    if (oid_is(&oid, OID_CONTENT_TYPE, sizeof(OID_CONTENT_TYPE))) {
        t->part[P_CONTENT_TYPE] = a.tlv;
    } else if (oid_is(&oid, OID_ESS_V2, sizeof(OID_ESS_V2))) {
        t->part[P_ESS] = a.tlv;
    } else if (oid_is(&oid, OID_MESSAGE_DIGEST, sizeof(OID_MESSAGE_DIGEST)) && v.tag == ES_DER_OCTET_STRING) {
        t->message_digest = v.val;
    } else if (!oid_is(&oid, OID_SIGNING_TIME, sizeof(OID_SIGNING_TIME))) {
        t->other_attr = true;
    }
    return ES_OK;
}

/* A TimeStampToken (ContentInfo of one SignedData over a TSTInfo), read strictly, nothing decoded. */
static ES_RESULT read_token(token_parts *t, es_span der)
{
    memset(t, 0, sizeof(*t));
    es_cur c = es_cur_of(der);
    es_der ci, oid, x, sd, d;
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &ci, "ContentInfo"));
    ES_GUARD(es_der_end(&c, "token"));
    es_cur cin = es_der_inner(&c, &ci);
    ES_GUARD(es_der_expect(&cin, ES_DER_OID, &oid, "contentType"));
    ES_ENSURE(oid_is(&oid, OID_SIGNED_DATA, sizeof(OID_SIGNED_DATA)), ESEAL_EMALFORMED, "tsa pin: not SignedData");
    ES_GUARD(es_der_expect(&cin, ES_DER_CTX0_CONS, &x, "content"));
    ES_GUARD(es_der_end(&cin, "ContentInfo"));
    es_cur xin = es_der_inner(&cin, &x);
    ES_GUARD(es_der_expect(&xin, ES_DER_SEQUENCE, &sd, "SignedData"));
    ES_GUARD(es_der_end(&xin, "content"));
    es_cur s = es_der_inner(&xin, &sd);
    ES_GUARD(es_der_expect(&s, ES_DER_INTEGER, &d, "version"));
    ES_GUARD(es_der_expect(&s, ES_DER_SET, &d, "digestAlgorithms"));
    t->part[P_DIGEST_ALGS] = d.tlv;
    es_der eci, eoid, ex, eoct;
    ES_GUARD(es_der_expect(&s, ES_DER_SEQUENCE, &eci, "encapContentInfo"));
    es_cur e = es_der_inner(&s, &eci);
    ES_GUARD(es_der_expect(&e, ES_DER_OID, &eoid, "eContentType"));
    ES_ENSURE(oid_is(&eoid, OID_TSTINFO, sizeof(OID_TSTINFO)), ESEAL_EMALFORMED, "tsa pin: not a TSTInfo");
    ES_GUARD(es_der_expect(&e, ES_DER_CTX0_CONS, &ex, "eContent"));
    ES_GUARD(es_der_end(&e, "encapContentInfo"));
    es_cur ein = es_der_inner(&e, &ex);
    ES_GUARD(es_der_expect(&ein, ES_DER_OCTET_STRING, &eoct, "eContent"));
    ES_GUARD(es_der_end(&ein, "eContent"));
    t->econtent = eoct.val;
    if (es_der_peek(&s, ES_DER_CTX0_CONS)) {
        ES_GUARD(es_der_next(&s, &d));
        t->part[P_CERTS] = d.tlv;
    }
    ES_ENSURE(!es_der_peek(&s, 0xa1), ESEAL_EMALFORMED, "tsa pin: CRLs in the token");
    es_der sis, si;
    ES_GUARD(es_der_expect(&s, ES_DER_SET, &sis, "signerInfos"));
    ES_GUARD(es_der_end(&s, "SignedData"));
    es_cur sc = es_der_inner(&s, &sis);
    ES_GUARD(es_der_expect(&sc, ES_DER_SEQUENCE, &si, "SignerInfo"));
    ES_GUARD(es_der_end(&sc, "signerInfos (one)"));
    es_cur i = es_der_inner(&sc, &si);
    es_der v;
    ES_GUARD(es_der_expect(&i, ES_DER_INTEGER, &v, "SignerInfo version"));
    ES_GUARD(es_der_next(&i, &d));
    t->part[P_SID] = es_span_of(v.tlv.ptr, (size_t)(d.tlv.ptr + d.tlv.len - v.tlv.ptr)); /* version and sid */
    ES_GUARD(es_der_expect(&i, ES_DER_SEQUENCE, &d, "digestAlgorithm"));
    t->part[P_DIGEST_ALG] = d.tlv;
    es_der attrs;
    ES_GUARD(es_der_expect(&i, ES_DER_CTX0_CONS, &attrs, "signedAttrs"));
    t->signed_attrs = attrs.tlv;
    es_cur ac = es_der_inner(&i, &attrs);
    while (!es_cur_eof(&ac)) {
        ES_GUARD(read_attr(t, &ac));
    }
    ES_GUARD(es_der_expect(&i, ES_DER_SEQUENCE, &d, "signatureAlgorithm"));
    t->part[P_SIG_ALG] = d.tlv;
    ES_GUARD(es_der_expect(&i, ES_DER_OCTET_STRING, &d, "signature"));
    t->sig = d.val;
    ES_GUARD(es_der_end(&i, "SignerInfo (no unsigned attributes)"));
    ES_ENSURE(t->part[P_CONTENT_TYPE].len > 0 && t->part[P_ESS].len > 0 && t->message_digest.len > 0 && !t->other_attr,
              ESEAL_EMALFORMED, "tsa pin: not the signed attributes of the pinned TSA");
    return ES_OK;
}

/* The TSTInfo: version 1; *gen_ms; the policy OID's TLV out of the DER (for the pin). */
static ES_RESULT read_tst(TS_TST_INFO **out, int64_t *gen_ms, es_span *policy, es_span der)
{
    const unsigned char *p = der.ptr;
    TS_TST_INFO *tst = d2i_TS_TST_INFO(NULL, &p, (long)der.len);
    if (tst == NULL || p != der.ptr + der.len || TS_TST_INFO_get_version(tst) != 1) {
        TS_TST_INFO_free(tst);
        ERR_clear_error();
        ES_BAIL(ESEAL_EMALFORMED, "tsa pin: not a version 1 TSTInfo");
    }
    const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
    es_result r = gt != NULL ? es_time_parse_gentime(es_span_of(ASN1_STRING_get0_data(gt), (size_t)ASN1_STRING_length(gt)),
                                                     gen_ms)
                             : es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "tsa pin: no genTime");
    /* TSTInfo ::= SEQUENCE { version INTEGER, policy OBJECT IDENTIFIER, ... } */
    es_cur c = es_cur_of(der);
    es_der seq, v, oid;
    if (es_ok(r)) {
        r = es_der_expect(&c, ES_DER_SEQUENCE, &seq, "TSTInfo");
    }
    es_cur in = es_der_inner(&c, &seq);
    if (es_ok(r)) {
        r = es_der_expect(&in, ES_DER_INTEGER, &v, "TSTInfo version");
    }
    if (es_ok(r)) {
        r = es_der_expect(&in, ES_DER_OID, &oid, "TSTInfo policy");
    }
    if (!es_ok(r)) {
        TS_TST_INFO_free(tst);
        return r;
    }
    *policy = oid.tlv;
    *out = tst;
    return ES_OK;
}

static ES_RESULT hash_of_alg(eseal_hash *out, es_span alg_tlv)
{
    const unsigned char *p = alg_tlv.ptr;
    ES_AUTO(X509_ALGOR_freep) X509_ALGOR *a = d2i_X509_ALGOR(NULL, &p, (long)alg_tlv.len);
    ERR_clear_error();
    ES_ENSURE(a != NULL, ESEAL_EMALFORMED, "tsa pin: unreadable digest algorithm");
    const ASN1_OBJECT *o = NULL;
    X509_ALGOR_get0(&o, NULL, NULL, a);
    *out = es_hash_from_nid(OBJ_obj2nid(o));
    ES_ENSURE(*out != ESEAL_HASH_DEFAULT, ESEAL_EMALFORMED, "tsa pin: digest algorithm not accepted");
    return ES_OK;
}

/* The signature over the signed attributes (re-tagged SET OF, RFC 5652 §5.4) with the pinned key. */
static ES_RESULT signature_ok(bool *ok, const es_ts_pin *p, const token_parts *t)
{
    es_buf attrs = ES_BUF_INIT(t->signed_attrs.len);
    es_result r = es_buf_append(&attrs, t->signed_attrs.ptr, t->signed_attrs.len);
    int valid = 0;
    if (es_ok(r)) {
        attrs.ptr[0] = ES_DER_SET;
        r = es_verify_pkey(&valid, X509_get0_pubkey(p->cert), p->hash, ESEAL_SCHEME_DEFAULT,
                           EVP_PKEY_is_a(X509_get0_pubkey(p->cert), "SM2") ? ES_SM2_ID : NULL, es_buf_span(&attrs),
                           t->sig);
    }
    es_buf_free(&attrs);
    ERR_clear_error();
    *ok = es_ok(r) && valid == 1;
    return r;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Narrows [lo, hi] by certificate x's validity, the CRLs of its issuer's name and what they say of x. */
static void narrow(es_ts_pin *p, X509 *x, const eseal_trust *trust)
{
    p->lo = max64(p->lo, es_asn1_time_ms(X509_get0_notBefore(x)));
    p->hi = min64(p->hi, es_asn1_time_ms(X509_get0_notAfter(x)));
    for (int i = 0; trust->crls != NULL && i < sk_X509_CRL_num(trust->crls); i++) {
        X509_CRL *crl = sk_X509_CRL_value(trust->crls, i);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(x)) != 0) {
            continue;
        }
        const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
        if (next != NULL) {
            p->hi = min64(p->hi, es_asn1_time_ms(next));
        }
        X509_REVOKED *rv = NULL;
        if (X509_CRL_get0_by_cert(crl, &rv, x) == 1 && rv != NULL) {
            p->hi = min64(p->hi, es_asn1_time_ms(X509_REVOKED_get0_revocationDate(rv)) - 1);
        }
    }
    ERR_clear_error();
}

/* Every certificate that can be on a path up from the TSA's: candidates by issuer name, all taken. */
static ES_RESULT window(es_ts_pin *p, const eseal_trust *trust, STACK_OF(X509) *token_certs)
{
    p->lo = INT64_MIN;
    p->hi = INT64_MAX;
    narrow(p, p->cert, trust);
    /* The trust set's certificates that a path up from the TSA's can meet (decoded only those). */
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *anchors = sk_X509_new_null();
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *intermediates = sk_X509_new_null();
    ES_ENSURE_ALLOC(anchors);
    ES_ENSURE_ALLOC(intermediates);
    ES_GUARD(es_trust_path_certs(trust, &p->cert, 1, token_certs, anchors, intermediates));
    const STACK_OF(X509) *lists[] = {anchors, intermediates, token_certs};
    /* names to climb from (a bounded walk: 8 levels, 16 names) */
    X509_NAME *issuers[16];
    size_t n = 0, at = 0;
    int depth[16];
    if (X509_NAME_cmp(X509_get_issuer_name(p->cert), X509_get_subject_name(p->cert)) != 0) {
        issuers[n] = X509_get_issuer_name(p->cert);
        depth[n++] = 0;
    }
    for (; at < n; at++) {
        ES_ENSURE(depth[at] < 8, ESEAL_ELIMIT, "tsa pin: a path longer than 8 certificates");
        for (size_t l = 0; l < 3; l++) {
            for (int i = 0; lists[l] != NULL && i < sk_X509_num(lists[l]); i++) {
                X509 *x = sk_X509_value(lists[l], i);
                if (X509_NAME_cmp(X509_get_subject_name(x), issuers[at]) != 0) {
                    continue;
                }
                narrow(p, x, trust);
                bool anchor = l == 0;
                if (anchor || X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)) == 0) {
                    continue; /* anchors end the path (and are not checked for revocation, but narrowing more is safe) */
                }
                bool seen = false;
                for (size_t k = 0; k < n; k++) {
                    seen = seen || X509_NAME_cmp(issuers[k], X509_get_issuer_name(x)) == 0;
                }
                if (!seen) {
                    ES_ENSURE(n < 16, ESEAL_ELIMIT, "tsa pin: too many issuer names");
                    issuers[n] = X509_get_issuer_name(x);
                    depth[n++] = depth[at] + 1;
                }
            }
        }
    }
    return ES_OK;
}

void es_ts_pin_free(es_ts_pin *p)
{
    if (p != NULL) {
        X509_free(p->cert);
        es_free(p->mem);
        es_free(p);
    }
}

static ES_RESULT pin_fill(es_ts_pin *p, const token_parts *t, es_span policy, const eseal_cert *const *known,
                          size_t n_known, const eseal_trust *trust)
{
    size_t total = 0;
    es_span parts[P_N];
    memcpy(parts, t->part, sizeof(parts));
    parts[P_POLICY] = policy;
    for (size_t i = 0; i < P_N; i++) {
        total += parts[i].len;
    }
    p->mem = es_malloc(total + 1);
    ES_ENSURE_ALLOC(p->mem);
    size_t at = 0;
    for (size_t i = 0; i < P_N; i++) {
        if (parts[i].len > 0) {
            memcpy(p->mem + at, parts[i].ptr, parts[i].len);
        }
        p->part[i] = es_span_of(p->mem + at, parts[i].len);
        at += parts[i].len;
    }
    ES_GUARD(hash_of_alg(&p->hash, t->part[P_DIGEST_ALG]));
    /* The token's certificates must be ones this process parsed already (the TSA's and its issuer,
     * compared as DER): they are then the candidates of the window, and nothing is decoded again. */
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *certs = sk_X509_new_null();
    ES_ENSURE_ALLOC(certs);
    if (t->part[P_CERTS].len > 0) {
        es_cur c = es_cur_of(t->part[P_CERTS]);
        es_der all, one;
        ES_GUARD(es_der_next(&c, &all));
        es_cur in = es_der_inner(&c, &all);
        while (!es_cur_eof(&in)) {
            ES_GUARD(es_der_next(&in, &one));
            X509 *x = NULL;
            for (size_t i = 0; x == NULL && i < n_known; i++) {
                unsigned char *der = NULL;
                int len = i2d_X509(known[i]->x509, &der);
                if (len > 0 && es_span_eq(one.tlv, es_span_of(der, (size_t)len))) {
                    x = known[i]->x509;
                }
                OPENSSL_free(der);
            }
            ES_ENSURE(x != NULL, ESEAL_ESTATE, "tsa pin: the token carries a certificate other than the TSA's and its issuer's");
            ES_GUARD_OSSL(X509_up_ref(x), "referencing a certificate");
            if (sk_X509_push(certs, x) <= 0) {
                X509_free(x);
                ES_BAIL(ESEAL_ENOMEM, "out of memory");
            }
        }
    }
    return window(p, trust, certs);
}

ES_RESULT es_ts_pin_new(es_ts_pin **out, es_span token, const eseal_cert *tsa, const eseal_cert *issuer,
                        const eseal_trust *trust)
{
    *out = NULL;
    ES_ENSURE(tsa != NULL && trust != NULL && token.len > 0, ESEAL_EINVAL, "tsa pin: invalid argument");
    token_parts t;
    ES_GUARD(read_token(&t, token));
    TS_TST_INFO *tst = NULL;
    int64_t gen = 0;
    es_span policy;
    ES_GUARD(read_tst(&tst, &gen, &policy, t.econtent));
    TS_TST_INFO_free(tst);
    es_ts_pin *p = es_calloc(1, sizeof(*p));
    ES_ENSURE_ALLOC(p);
    p->cert = tsa->x509;
    X509_up_ref(p->cert);
    const eseal_cert *known[2] = {tsa, issuer};
    es_result r = pin_fill(p, &t, policy, known, issuer != NULL ? 2 : 1, trust);
    bool ok = false;
    if (es_ok(r)) {
        /* The pinned certificate's key made this token's signature (the full check found its signer by
         * the token's ESSCertIDv2; this ties that signer to the certificate given here). */
        r = signature_ok(&ok, p, &t);
    }
    if (es_ok(r) && (!ok || gen < p->lo || gen > p->hi)) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "tsa pin: the token is not one of this TSA at a time its chain holds");
    }
    if (!es_ok(r)) {
        es_ts_pin_free(p);
        return r;
    }
    *out = p;
    return ES_OK;
}

void es_ts_pin_window(const es_ts_pin *p, int64_t *lo, int64_t *hi)
{
    *lo = p->lo;
    *hi = p->hi;
}

/* The response's status (granted) and its token's span. */
static ES_RESULT read_resp(es_span *token, es_span resp)
{
    es_cur c = es_cur_of(resp);
    es_der seq, si, st, tok;
    ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &seq, "TimeStampResp"));
    ES_GUARD(es_der_end(&c, "response"));
    es_cur in = es_der_inner(&c, &seq);
    ES_GUARD(es_der_expect(&in, ES_DER_SEQUENCE, &si, "PKIStatusInfo"));
    es_cur sc = es_der_inner(&in, &si);
    ES_GUARD(es_der_expect(&sc, ES_DER_INTEGER, &st, "status"));
    ES_ENSURE(st.val.len == 1 && (st.val.ptr[0] == 0 || st.val.ptr[0] == 1), ESEAL_EMALFORMED, "tsa pin: not granted");
    ES_GUARD(es_der_expect(&in, ES_DER_SEQUENCE, &tok, "timeStampToken"));
    ES_GUARD(es_der_end(&in, "TimeStampResp"));
    *token = tok.tlv;
    return ES_OK;
}

static bool same_imprint_nonce(TS_TST_INFO *tst, TS_REQ *req)
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst), *rmi = TS_REQ_get_msg_imprint(req);
    const ASN1_OBJECT *a = NULL, *b = NULL;
    X509_ALGOR_get0(&a, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    X509_ALGOR_get0(&b, NULL, NULL, TS_MSG_IMPRINT_get_algo(rmi));
    const ASN1_INTEGER *tn = TS_TST_INFO_get_nonce(tst), *rn = TS_REQ_get_nonce(req);
    return a != NULL && b != NULL && OBJ_cmp(a, b) == 0 &&
           ASN1_STRING_cmp(TS_MSG_IMPRINT_get_msg(mi), TS_MSG_IMPRINT_get_msg(rmi)) == 0 && rn != NULL && tn != NULL &&
           ASN1_INTEGER_cmp(tn, rn) == 0;
}

static ES_RESULT pin_check(const es_ts_pin *p, bool *ok, es_span resp, es_span reqder, eseal_buf *token, int64_t *gen_ms,
                           char *serial, size_t serial_cap)
{
    es_span tokspan;
    token_parts t;
    ES_GUARD(read_resp(&tokspan, resp));
    ES_GUARD(read_token(&t, tokspan));
    for (size_t i = 0; i < P_POLICY; i++) {
        ES_ENSURE(es_span_eq(t.part[i], p->part[i]), ESEAL_EMALFORMED, "tsa pin: part %zu differs from the pinned token", i);
    }
    uint8_t md[64];
    size_t mdl = 0;
    ES_GUARD(es_digest(md, &mdl, p->hash, t.econtent));
    ES_ENSURE(es_span_eq(t.message_digest, es_span_of(md, mdl)), ESEAL_EMALFORMED,
              "tsa pin: messageDigest is not the TSTInfo's digest");
    TS_TST_INFO *tst = NULL;
    int64_t gen = 0;
    es_span policy;
    ES_GUARD(read_tst(&tst, &gen, &policy, t.econtent));
    ES_AUTO(TS_TST_INFO_freep) TS_TST_INFO *owned = tst;
    const unsigned char *q = reqder.ptr;
    ES_AUTO(TS_REQ_freep) TS_REQ *req = d2i_TS_REQ(NULL, &q, (long)reqder.len);
    ERR_clear_error();
    ES_ENSURE(req != NULL, ESEAL_EINVAL, "tsa pin: the request does not parse");
    ES_ENSURE(same_imprint_nonce(tst, req) && es_span_eq(policy, p->part[P_POLICY]), ESEAL_EMALFORMED,
              "tsa pin: not the request's imprint, nonce or the pinned policy");
    ES_ENSURE(gen >= p->lo && gen <= p->hi, ESEAL_ESTATE, "tsa pin: genTime outside the window of the pinned chain");
    bool sig = false;
    ES_GUARD(signature_ok(&sig, p, &t));
    ES_ENSURE(sig, ESEAL_EMALFORMED, "tsa pin: the signature does not verify");
    /* Accepted: the token as it is in the response (the bytes signed and checked), its serial in hex. */
    const ASN1_INTEGER *sn = TS_TST_INFO_get_serial(tst);
    ES_AUTO(BN_freep) BIGNUM *bn = sn != NULL ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    ES_ENSURE_ALLOC(hex);
    (void)snprintf(serial, serial_cap, "%s", hex);
    OPENSSL_free(hex);
    es_buf out = ES_BUF_INIT(tokspan.len + 1);
    es_result r = es_buf_append(&out, tokspan.ptr, tokspan.len);
    if (!es_ok(r)) {
        es_buf_free(&out);
        return r;
    }
    es_buf_move_out(token, &out);
    *gen_ms = gen;
    *ok = true;
    return ES_OK;
}

ES_RESULT es_ts_pin_check(const es_ts_pin *p, bool *ok, es_span resp, es_span req, eseal_buf *token, int64_t *gen_ms,
                          char *serial, size_t serial_cap)
{
    *ok = false;
    es_result r = pin_check(p, ok, resp, req, token, gen_ms, serial, serial_cap);
    if (es_code(r) == ESEAL_ENOMEM) {
        return r;
    }
    if (!es_ok(r) || !*ok) {
        /* Not the pinned TSA's token for this request: the caller asks again through the full checklist. */
        *ok = false;
        eseal_error_clear();
        es_ts_pin_refused++;
        return ES_OK;
    }
    es_ts_pin_accepted++;
    return ES_OK;
}
