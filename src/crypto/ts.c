/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 3161 / RFC 5816 time-stamp authority (responder) and token check.
 *
 * ECDSA and RSA keys: the responder is OpenSSL's TS_RESP_CTX. It parses the
 * request, rejects unaccepted hashes, wrong imprint lengths, foreign policies
 * and unknown extensions with the PKIFailureInfo of RFC 3161 §2.4.2, echoes the
 * nonce, includes the certificates only on certReq, and signs the TSTInfo. We
 * give it the key backend's EVP_PKEY (es_key_signing_pkey: key files and libp11
 * tokens), SHA-256 ESSCertIDv2 (RFC 5816; OpenSSL 3.0 defaults to a SHA-1
 * ESSCertID v1, research/tlog.md §4.1), the serial and clock callbacks, and
 * millisecond genTime. A TS_RESP_CTX is not thread-safe and costs a few
 * allocations to set up, so a responder keeps a pool of them, one per request
 * in flight (tlog.md §4.1, as uts-server does).
 *
 * SM2 keys: the TS code signs through the legacy PKCS7 path, which cannot sign
 * with SM2 (research/probes.md §3). We apply the same request rules ourselves
 * (sm2_check_request, in OpenSSL's order and with its status texts), build the
 * TSTInfo with TS_TST_INFO_*, and sign it as CMS SignedData with
 * es_cms_build_signed (cms.c): eContentType id-ct-TSTInfo, signed attributes
 * contentType, messageDigest and signingCertificateV2, SM2 over SM3 with the Z
 * value of the GM/T 0009 ID 1234567812345678. The ESSCertIDv2 hash of SM2
 * tokens is SM3, not SHA-256: the token then uses one algorithm suite (GM/T
 * 0033 time-stamp profiles are SM2/SM3 throughout) and a verifier that can
 * check the SM2 signature has SM3 anyway.
 */
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>

#include <openssl/ess.h>
#include <openssl/ts.h>

#include "chain.h"
#include "ossl.h"
#include "eseal/tsa.h"
#include "util/der.h"
#include "util/report.h"
#include "util/versions.h"

ES_DEFINE_FREEP(TS_RESP_CTX, TS_RESP_CTX_free)
ES_DEFINE_FREEP(TS_RESP, TS_RESP_free)
ES_DEFINE_FREEP(TS_REQ, TS_REQ_free)
ES_DEFINE_FREEP(TS_TST_INFO, TS_TST_INFO_free)
ES_DEFINE_FREEP(TS_VERIFY_CTX, TS_VERIFY_CTX_free)
ES_DEFINE_FREEP(TS_STATUS_INFO, TS_STATUS_INFO_free)
ES_DEFINE_FREEP(TS_ACCURACY, TS_ACCURACY_free)
ES_DEFINE_FREEP(PKCS7, PKCS7_free)
ES_DEFINE_FREEP(ASN1_OBJECT, ASN1_OBJECT_free)
ES_DEFINE_FREEP(ASN1_GENERALIZEDTIME, ASN1_GENERALIZEDTIME_free)
ES_DEFINE_FREEP(ASN1_BIT_STRING, ASN1_BIT_STRING_free)
ES_DEFINE_FREEP(GENERAL_NAME, GENERAL_NAME_free)
ES_DEFINE_FREEP(ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free)

static const eseal_tsa_config default_cfg = ESEAL_TSA_CONFIG_INIT;

/* One idle TS_RESP_CTX of a responder's pool. */
typedef struct pooled_ctx {
    TS_RESP_CTX *ctx;
    struct pooled_ctx *next;
} pooled_ctx;

struct eseal_tsa_responder {
    eseal_tsa_config cfg;  /* the caller's; key, cert and chain are borrowed */
    bool sm2;              /* signs through es_cms_build_signed, not TS_RESP_CTX */
    EVP_PKEY *pk;          /* ECDSA/RSA: the backend's signing EVP_PKEY (borrowed) */
    ASN1_OBJECT *policy;
    STACK_OF(X509) *chain; /* cfg->chain as OpenSSL objects (references) */
    pthread_mutex_t lock;  /* guards idle */
    pooled_ctx *idle;
};

/* Content octets of a random serial (eseal_tsa_config.random_serial). */
#define TSA_RANDOM_SERIAL_LEN 16

/* The token's serial number, from the configuration's source; NULL when it fails (a rejection then). */
static ASN1_INTEGER *new_serial(const eseal_tsa_config *cfg)
{
    ASN1_INTEGER *ai = NULL;
    if (cfg->random_serial) {
        /* 126 random bits under the leading 01: positive, always 16 content octets, above 2^64. */
        uint8_t b[TSA_RANDOM_SERIAL_LEN];
        if (!es_ok(es_random(b, sizeof(b)))) {
            eseal_error_clear();
            return NULL;
        }
        b[0] = (uint8_t)((b[0] & 0x3f) | 0x40);
        BIGNUM *bn = BN_bin2bn(b, (int)sizeof(b), NULL);
        ai = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
        BN_free(bn);
        es_wipe(b, sizeof(b));
        return ai;
    }
    uint64_t serial = 0;
    if (cfg->next_serial(cfg->serial_ctx, &serial) == ESEAL_OK && serial > 0) {
        ai = ASN1_INTEGER_new();
        if (ai != NULL && ASN1_INTEGER_set_uint64(ai, serial) != 1) {
            ASN1_INTEGER_free(ai);
            ai = NULL;
        }
    }
    return ai;
}

static ASN1_INTEGER *serial_cb(TS_RESP_CTX *ctx, void *data)
{
    ASN1_INTEGER *ai = new_serial(data);
    if (ai == NULL) {
        /* As OpenSSL's own serial callback does (RFC 3161 §2.4.2 addInfoNotAvailable). */
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "Error during serial number generation.");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
    }
    return ai;
}

/* Now by the configuration's clock; none: the default context's (the system clock). */
static int64_t clock_ms(const eseal_tsa_config *cfg)
{
    return cfg->clock != NULL ? cfg->clock(cfg->clock_ctx) : es_ctx_now(NULL);
}

static int time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
    int64_t ms = clock_ms(data);
    if (ms <= 0) {
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "Time is not available.");
        TS_RESP_CTX_add_failure_info(ctx, TS_INFO_TIME_NOT_AVAILABLE);
        return 0;
    }
    *sec = (long)(ms / 1000);
    *usec = (long)(ms % 1000) * 1000;
    return 1;
}

static ES_RESULT check_cfg(const eseal_tsa_config *cfg)
{
    ES_CHECK_VERSION(cfg, tsa_config);
    ES_ENSURE(cfg->key != NULL && cfg->cert != NULL, ESEAL_EINVAL, "tsa: the configuration needs a key and a certificate");
    ES_ENSURE(cfg->next_serial != NULL || (cfg->version >= 2 && cfg->random_serial), ESEAL_EINVAL,
              "tsa: the configuration needs a serial number source");
    ES_ENSURE(cfg->chain_len == 0 || cfg->chain != NULL, ESEAL_EINVAL, "tsa: chain_len without chain");
    for (size_t i = 0; i < cfg->chain_len; i++) {
        ES_ENSURE(cfg->chain[i] != NULL, ESEAL_EINVAL, "tsa: chain certificate %zu is NULL", i + 1);
    }
    eseal_key_alg alg = cfg->key->alg;
    ES_ENSURE(alg == ESEAL_ALG_P256 || alg == ESEAL_ALG_P384 || alg == ESEAL_ALG_RSA2048 || alg == ESEAL_ALG_RSA3072 ||
                  alg == ESEAL_ALG_SM2,
              ESEAL_EUNSUPPORTED, "tsa: %s time-stamp tokens are not supported (SM2, ECDSA and RSA are)",
              eseal_key_alg_name(alg));
    ES_ENSURE(eseal_cert_matches_key(cfg->cert, cfg->key), ESEAL_EINVAL,
              "tsa: certificate %s does not belong to key %s", cfg->cert->subject, eseal_key_label(cfg->key));
    /* RFC 3161 §2.3: the TSA certificate has exactly one EKU, timeStamping, critical. */
    int purpose = X509_check_purpose(cfg->cert->x509, X509_PURPOSE_TIMESTAMP_SIGN, 0);
    ERR_clear_error();
    ES_ENSURE(purpose == 1, ESEAL_EINVAL,
              "tsa: certificate %s is not a time-stamping certificate (its only EKU must be a critical timeStamping)",
              cfg->cert->subject);
    return ES_OK;
}

static ES_RESULT setup_ctx(TS_RESP_CTX *ctx, eseal_tsa_responder *r)
{
    const eseal_tsa_config *cfg = &r->cfg;
    ES_GUARD_OSSL(TS_RESP_CTX_set_signer_cert(ctx, cfg->cert->x509), "tsa: setting the signer certificate");
    ES_GUARD_OSSL(TS_RESP_CTX_set_signer_key(ctx, r->pk), "tsa: setting the signer key");
    const EVP_MD *sig_md = es_md(eseal_cms_default_hash(cfg->key->alg));
    ES_GUARD_OSSL(TS_RESP_CTX_set_signer_digest(ctx, sig_md), "tsa: setting the signer digest");
    /* RFC 5816: signing-certificate-v2 with a SHA-256 ESSCertIDv2. */
    ES_GUARD_OSSL(TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()), "tsa: setting the ESSCertIDv2 digest");
    ES_GUARD_OSSL(TS_RESP_CTX_set_def_policy(ctx, r->policy), "tsa: setting the policy");
    /* Accepted imprints (tlog.md §4.5 item 3): no MD5, no SHA-1. */
    const EVP_MD *mds[] = {EVP_sha256(), EVP_sha384(), EVP_sha512(), EVP_sm3()};
    for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
        ES_ENSURE(mds[i] != NULL, ESEAL_ECRYPTO, "tsa: a digest is not available");
        ES_GUARD_OSSL(TS_RESP_CTX_add_md(ctx, mds[i]), "tsa: adding an accepted digest");
    }
    unsigned int acc = cfg->accuracy_ms != 0 ? cfg->accuracy_ms : 1000;
    ES_GUARD_OSSL(TS_RESP_CTX_set_accuracy(ctx, (int)(acc / 1000), (int)(acc % 1000), 0), "tsa: setting the accuracy");
    ES_GUARD_OSSL(TS_RESP_CTX_set_clock_precision_digits(ctx, 3), "tsa: setting the clock precision");
    if (cfg->include_tsa_name) {
        TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME);
    }
    if (sk_X509_num(r->chain) > 0) {
        ES_GUARD_OSSL(TS_RESP_CTX_set_certs(ctx, r->chain), "tsa: setting the chain"); /* copies the stack */
    }
    TS_RESP_CTX_set_serial_cb(ctx, serial_cb, &r->cfg);
    TS_RESP_CTX_set_time_cb(ctx, time_cb, &r->cfg);
    return ES_OK;
}

void eseal_tsa_responder_free(eseal_tsa_responder *r)
{
    if (r == NULL) {
        return;
    }
    while (r->idle != NULL) {
        pooled_ctx *p = r->idle;
        r->idle = p->next;
        TS_RESP_CTX_free(p->ctx);
        es_free(p);
    }
    pthread_mutex_destroy(&r->lock);
    sk_X509_pop_free(r->chain, X509_free);
    ASN1_OBJECT_free(r->policy);
    es_free(r);
}

static ES_RESULT responder_init(eseal_tsa_responder *r, const eseal_tsa_config *cfg)
{
    ES_GUARD(check_cfg(cfg));
    if (cfg->version >= 2) {
        r->cfg = *cfg;
    } else {
        /* A version-1 configuration ends before random_serial: copy what it has. */
        memcpy(&r->cfg, cfg, offsetof(eseal_tsa_config, random_serial));
        r->cfg.random_serial = 0;
    }
    r->sm2 = cfg->key->alg == ESEAL_ALG_SM2;
    if (!r->sm2) {
        r->pk = es_key_signing_pkey(cfg->key);
        ES_ENSURE(r->pk != NULL, ESEAL_EUNSUPPORTED, "tsa: key %s cannot sign through OpenSSL's TS code",
                  eseal_key_label(cfg->key));
    }
    const char *policy = cfg->policy_oid != NULL ? cfg->policy_oid : ESEAL_TSA_DEFAULT_POLICY;
    r->policy = OBJ_txt2obj(policy, 1);
    ERR_clear_error();
    ES_ENSURE(r->policy != NULL, ESEAL_EINVAL, "tsa: policy '%s' is not a dotted OID", policy);
    r->chain = sk_X509_new_null();
    ES_ENSURE_ALLOC(r->chain);
    for (size_t i = 0; i < cfg->chain_len; i++) {
        ES_GUARD_OSSL(X509_up_ref(cfg->chain[i]->x509), "tsa: referencing a chain certificate");
        if (sk_X509_push(r->chain, cfg->chain[i]->x509) <= 0) {
            X509_free(cfg->chain[i]->x509);
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
    }
    if (!r->sm2) {
        /* One context now, so that a configuration OpenSSL refuses fails here, not per request. */
        pooled_ctx *p = es_calloc(1, sizeof(*p));
        ES_ENSURE_ALLOC(p);
        r->idle = p;
        p->ctx = TS_RESP_CTX_new();
        ES_ENSURE_ALLOC(p->ctx);
        ES_GUARD(setup_ctx(p->ctx, r));
    }
    return ES_OK;
}

int eseal_tsa_responder_new(eseal_tsa_responder **out, const eseal_tsa_config *cfg)
{
    ES_CHECK_VERSION_INT(cfg, tsa_config);
    if (out == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "tsa: invalid argument"));
    }
    *out = NULL;
    eseal_tsa_responder *r = es_calloc(1, sizeof(*r));
    if (r == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        es_free(r);
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    es_result res = responder_init(r, cfg != NULL ? cfg : &default_cfg);
    if (!es_ok(res)) {
        eseal_tsa_responder_free(r);
        return es_code(res);
    }
    *out = r;
    return ESEAL_OK;
}

/* True when `req` is exactly one DER TimeStampReq (no trailing bytes). */
static bool request_parses(es_span req)
{
    if (req.len == 0 || req.len > ESEAL_TSA_MAX_REQUEST) {
        return false;
    }
    const unsigned char *p = req.ptr;
    TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)req.len);
    bool ok = r != NULL && p == req.ptr + req.len;
    TS_REQ_free(r);
    return ok;
}

static ES_RESULT encode_resp(es_buf *out, TS_RESP *resp)
{
    unsigned char *der = NULL;
    int n = i2d_TS_RESP(resp, &der);
    return es_take_der(out, der, n, "tsa: encoding the response");
}

static pooled_ctx *ctx_take(eseal_tsa_responder *r)
{
    pthread_mutex_lock(&r->lock);
    pooled_ctx *p = r->idle;
    if (p != NULL) {
        r->idle = p->next;
    }
    pthread_mutex_unlock(&r->lock);
    return p;
}

static void ctx_give_back(eseal_tsa_responder *r, pooled_ctx *p)
{
    pthread_mutex_lock(&r->lock);
    p->next = r->idle;
    r->idle = p;
    pthread_mutex_unlock(&r->lock);
}

static ES_RESULT respond_ts(es_buf *out, es_span req, TS_RESP_CTX *ctx)
{
    /* Oversized, malformed or trailing-garbage requests go in as no bytes at all: OpenSSL then
     * answers rejection / badDataFormat (RFC 3161 §2.4.2) without parsing anything further. */
    bool parses = request_parses(req);
    ERR_clear_error();
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new_mem_buf(parses ? req.ptr : (const uint8_t *)"", parses ? (int)req.len : 0);
    ES_ENSURE_ALLOC(bio);
    ES_AUTO(TS_RESP_freep) TS_RESP *resp = TS_RESP_create_response(ctx, bio);
    ES_ENSURE_OSSL(resp != NULL, ESEAL_ECRYPTO, "tsa: creating the response");
    ERR_clear_error(); /* a rejection leaves its reason on the queue */
    return encode_resp(out, resp);
}

/* ---- SM2 tokens --------------------------------------------------------------------- */

/* A rejection decided by sm2_check_request: PKIStatus, its text, one PKIFailureInfo bit. */
typedef struct {
    int status; /* TS_STATUS_GRANTED or TS_STATUS_REJECTION */
    const char *text;
    int fail_bit;
} verdict;

/* PKIStatusInfo (RFC 3161 §2.4.2) DER; OpenSSL has no public setter for its text and failInfo. */
static ES_RESULT status_info_der(es_buf *out, const verdict *v)
{
    size_t m = es_der_open(out);
    ES_GUARD(es_der_put_int(out, v->status));
    if (v->text != NULL) {
        size_t t = es_der_open(out);
        ES_GUARD(es_der_put_str(out, ES_DER_UTF8STRING, v->text));
        ES_GUARD(es_der_close(out, t, ES_DER_SEQUENCE));
    }
    if (v->status != TS_STATUS_GRANTED) {
        /* A named bit list in DER has no trailing zero bits (X.690 §11.2.2): let OpenSSL encode it. */
        ES_AUTO(ASN1_BIT_STRING_freep) ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
        ES_ENSURE_ALLOC(bits);
        ES_GUARD_OSSL(ASN1_BIT_STRING_set_bit(bits, v->fail_bit, 1), "tsa: setting a failure bit");
        unsigned char *der = NULL;
        int n = i2d_ASN1_BIT_STRING(bits, &der);
        ES_GUARD(es_take_der(out, der, n, "tsa: encoding the failure info"));
    }
    return es_der_close(out, m, ES_DER_SEQUENCE);
}

static ES_RESULT new_resp(TS_RESP **out, const verdict *v)
{
    ES_AUTO(es_buf_freep) es_buf der = ES_BUF_INIT(ES_TS_STATUS_DER_MAX);
    ES_GUARD(status_info_der(&der, v));
    const unsigned char *p = der.ptr;
    ES_AUTO(TS_STATUS_INFO_freep) TS_STATUS_INFO *si = d2i_TS_STATUS_INFO(NULL, &p, (long)der.len);
    ES_ENSURE_OSSL(si != NULL, ESEAL_ECRYPTO, "tsa: decoding the status");
    TS_RESP *resp = TS_RESP_new();
    ES_ENSURE_ALLOC(resp);
    if (TS_RESP_set_status_info(resp, si) != 1) { /* copies */
        TS_RESP_free(resp);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    *out = resp;
    return ES_OK;
}

static bool accepted_md(int nid)
{
    return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512 || nid == NID_sm3;
}

/*
 * The request rules of the TS_RESP_CTX path, in its order and with its texts (OpenSSL 3.0
 * ts_rsp_sign.c), so that both paths answer every request alike: version, imprint algorithm,
 * its parameters, the imprint length, the policy, then extensions (none is supported).
 */
static verdict sm2_check_request(const TS_REQ *req, const ASN1_OBJECT *policy)
{
    if (TS_REQ_get_version(req) != 1) {
        return (verdict){TS_STATUS_REJECTION, "Bad request version.", TS_INFO_BAD_REQUEST};
    }
    TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint((TS_REQ *)(uintptr_t)req);
    X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
    const ASN1_OBJECT *oid = NULL;
    int ptype = V_ASN1_UNDEF;
    X509_ALGOR_get0(&oid, &ptype, NULL, alg);
    int nid = OBJ_obj2nid(oid);
    if (!accepted_md(nid)) {
        return (verdict){TS_STATUS_REJECTION, "Message digest algorithm is not supported.", TS_INFO_BAD_ALG};
    }
    if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
        return (verdict){TS_STATUS_REJECTION, "Superfluous message digest parameter.", TS_INFO_BAD_ALG};
    }
    const EVP_MD *md = EVP_get_digestbynid(nid);
    if (md == NULL || ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)) != EVP_MD_get_size(md)) {
        return (verdict){TS_STATUS_REJECTION, "Bad message digest.", TS_INFO_BAD_DATA_FORMAT};
    }
    const ASN1_OBJECT *want = TS_REQ_get_policy_id((TS_REQ *)(uintptr_t)req);
    if (want != NULL && OBJ_cmp(want, policy) != 0) {
        return (verdict){TS_STATUS_REJECTION, "Requested policy is not supported.", TS_INFO_UNACCEPTED_POLICY};
    }
    if (TS_REQ_get_ext_count((TS_REQ *)(uintptr_t)req) > 0) {
        return (verdict){TS_STATUS_REJECTION, "Unsupported extension.", TS_INFO_UNACCEPTED_EXTENSION};
    }
    return (verdict){TS_STATUS_GRANTED, NULL, 0};
}

/* TSTInfo (RFC 3161 §2.4.2) for an accepted request; a rejection in *v when serial or clock fail. */
static ES_RESULT sm2_tst_info(TS_TST_INFO **out, verdict *v, const TS_REQ *req, const eseal_tsa_responder *r)
{
    const eseal_tsa_config *cfg = &r->cfg;
    ES_AUTO(ASN1_INTEGER_freep) ASN1_INTEGER *sn = new_serial(cfg);
    if (sn == NULL) {
        *v = (verdict){TS_STATUS_REJECTION, "Error during serial number generation.", TS_INFO_ADD_INFO_NOT_AVAILABLE};
        return ES_OK;
    }
    int64_t ms = clock_ms(cfg);
    if (ms <= 0) {
        *v = (verdict){TS_STATUS_REJECTION, "Time is not available.", TS_INFO_TIME_NOT_AVAILABLE};
        return ES_OK;
    }
    ES_AUTO(TS_TST_INFO_freep) TS_TST_INFO *tst = TS_TST_INFO_new();
    ES_ENSURE_ALLOC(tst);
    ES_GUARD_OSSL(TS_TST_INFO_set_version(tst, 1), "tsa: TSTInfo version");
    ES_GUARD_OSSL(TS_TST_INFO_set_policy_id(tst, r->policy), "tsa: TSTInfo policy");
    ES_GUARD_OSSL(TS_TST_INFO_set_msg_imprint(tst, TS_REQ_get_msg_imprint((TS_REQ *)(uintptr_t)req)),
                  "tsa: TSTInfo imprint");
    ES_GUARD_OSSL(TS_TST_INFO_set_serial(tst, sn), "tsa: TSTInfo serial");
    /* genTime with milliseconds, no trailing zeros in the fraction (RFC 3161 §2.4.2, X.690 §11.7). */
    char gt[ES_GENTIME_LEN];
    es_time_gentime(gt, ms, true);
    ES_AUTO(ASN1_GENERALIZEDTIME_freep) ASN1_GENERALIZEDTIME *t = ASN1_GENERALIZEDTIME_new();
    ES_ENSURE_ALLOC(t);
    ES_GUARD_OSSL(ASN1_GENERALIZEDTIME_set_string(t, gt), "tsa: genTime");
    ES_GUARD_OSSL(TS_TST_INFO_set_time(tst, t), "tsa: TSTInfo genTime");
    unsigned int acc = cfg->accuracy_ms != 0 ? cfg->accuracy_ms : 1000;
    ES_AUTO(TS_ACCURACY_freep) TS_ACCURACY *a = TS_ACCURACY_new();
    ES_ENSURE_ALLOC(a);
    ES_AUTO(ASN1_INTEGER_freep) ASN1_INTEGER *secs = ASN1_INTEGER_new();
    ES_AUTO(ASN1_INTEGER_freep) ASN1_INTEGER *millis = ASN1_INTEGER_new();
    ES_ENSURE(secs != NULL && millis != NULL, ESEAL_ENOMEM, "out of memory");
    /* Like TS_RESP_CTX_set_accuracy: zero parts are left out. */
    if (acc / 1000 != 0) {
        ES_GUARD_OSSL(ASN1_INTEGER_set(secs, (long)(acc / 1000)), "tsa: accuracy");
        ES_GUARD_OSSL(TS_ACCURACY_set_seconds(a, secs), "tsa: accuracy");
    }
    if (acc % 1000 != 0) {
        ES_GUARD_OSSL(ASN1_INTEGER_set(millis, (long)(acc % 1000)), "tsa: accuracy");
        ES_GUARD_OSSL(TS_ACCURACY_set_millis(a, millis), "tsa: accuracy");
    }
    ES_GUARD_OSSL(TS_TST_INFO_set_accuracy(tst, a), "tsa: TSTInfo accuracy");
    const ASN1_INTEGER *nonce = TS_REQ_get_nonce(req);
    if (nonce != NULL) {
        ES_GUARD_OSSL(TS_TST_INFO_set_nonce(tst, nonce), "tsa: TSTInfo nonce");
    }
    if (cfg->include_tsa_name) {
        ES_AUTO(GENERAL_NAME_freep) GENERAL_NAME *gn = GENERAL_NAME_new();
        ES_ENSURE_ALLOC(gn);
        X509_NAME *dn = X509_NAME_dup(X509_get_subject_name(cfg->cert->x509));
        ES_ENSURE_ALLOC(dn);
        GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dn);
        ES_GUARD_OSSL(TS_TST_INFO_set_tsa(tst, gn), "tsa: TSTInfo tsa name");
    }
    *out = tst;
    tst = NULL;
    return ES_OK;
}

static ES_RESULT respond_sm2(es_buf *out, es_span reqder, eseal_tsa_responder *r)
{
    ES_AUTO(TS_REQ_freep) TS_REQ *req = NULL;
    if (request_parses(reqder)) {
        const unsigned char *p = reqder.ptr;
        req = d2i_TS_REQ(NULL, &p, (long)reqder.len);
    }
    ERR_clear_error();
    verdict v = req != NULL ? sm2_check_request(req, r->policy)
                            : (verdict){TS_STATUS_REJECTION, "Bad request format or system error.",
                                        TS_INFO_BAD_DATA_FORMAT};
    ES_AUTO(TS_TST_INFO_freep) TS_TST_INFO *tst = NULL;
    if (v.status == TS_STATUS_GRANTED) {
        ES_GUARD(sm2_tst_info(&tst, &v, req, r));
    }
    ES_AUTO(TS_RESP_freep) TS_RESP *resp = NULL;
    ES_GUARD(new_resp(&resp, &v));
    if (v.status != TS_STATUS_GRANTED) {
        return encode_resp(out, resp);
    }
    unsigned char *tder = NULL;
    int tn = i2d_TS_TST_INFO(tst, &tder);
    ES_ENSURE_OSSL(tn > 0, ESEAL_ECRYPTO, "tsa: encoding the TSTInfo");
    uint8_t dg[64];
    size_t dlen = 0;
    es_result res = es_digest(dg, &dlen, ESEAL_HASH_SM3, es_span_of(tder, (size_t)tn));
    ES_AUTO(es_buf_freep) es_buf cms = ES_BUF_INIT(ES_TS_TOKEN_MAX);
    if (es_ok(res)) {
        /* RFC 3161 §2.4.2: the certificates only when certReq; ESSCertIDv2 with SM3 (see the top). */
        const eseal_cert *const *chain = r->cfg.chain;
        es_cms_build b = {NID_id_smime_ct_TSTInfo, es_span_of(tder, (size_t)tn), ESEAL_HASH_SM3, ESEAL_SCHEME_DEFAULT,
                          false, 0, ESEAL_HASH_SM3, !TS_REQ_get_cert_req(req), chain, r->cfg.chain_len};
        res = es_cms_build_signed(&cms, r->cfg.key, r->cfg.cert, es_span_of(dg, dlen), &b);
    }
    OPENSSL_free(tder);
    ES_GUARD(res);
    const unsigned char *p = cms.ptr;
    PKCS7 *token = d2i_PKCS7(NULL, &p, (long)cms.len);
    es_x509_count_p7(token);
    ES_ENSURE_OSSL(token != NULL && p == cms.ptr + cms.len, ESEAL_ECRYPTO, "tsa: reading back the token");
    TS_RESP_set_tst_info(resp, token, tst); /* takes both */
    tst = NULL;
    return encode_resp(out, resp);
}

int eseal_tsa_responder_respond(eseal_tsa_responder *r, eseal_buf *resp_der, const void *req_der, size_t len)
{
    if (r == NULL || resp_der == NULL || (req_der == NULL && len > 0)) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "tsa: invalid argument"));
    }
    es_buf b = ES_BUF_INIT(ES_TS_RESPONSE_MAX);
    es_span req = es_span_of(req_der, len);
    es_result res = ES_OK;
    if (r->sm2) {
        res = respond_sm2(&b, req, r);
    } else {
        pooled_ctx *p = ctx_take(r);
        if (p == NULL) {
            p = es_calloc(1, sizeof(*p));
            if (p == NULL || (p->ctx = TS_RESP_CTX_new()) == NULL) {
                es_free(p);
                ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
            }
            res = setup_ctx(p->ctx, r);
        }
        if (es_ok(res)) {
            res = respond_ts(&b, req, p->ctx);
        }
        ctx_give_back(r, p);
    }
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(resp_der, &b);
    return ESEAL_OK;
}

int eseal_tsa_respond(eseal_buf *resp_der, const void *req_der, size_t len, const eseal_tsa_config *cfg)
{
    ES_CHECK_VERSION_INT(cfg, tsa_config);
    if (resp_der == NULL || (req_der == NULL && len > 0)) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "tsa: invalid argument"));
    }
    eseal_tsa_responder *r = NULL;
    int rc = eseal_tsa_responder_new(&r, cfg);
    if (rc == ESEAL_OK) {
        rc = eseal_tsa_responder_respond(r, resp_der, req_der, len);
    }
    eseal_tsa_responder_free(r);
    return rc;
}


/* ---- responses ---------------------------------------------------------------------- */

static ES_RESULT decode_resp(TS_RESP **out, es_span der)
{
    ES_ENSURE(der.len > 0 && der.len <= LONG_MAX, ESEAL_EMALFORMED, "tsa: not a TimeStampResp");
    const unsigned char *p = der.ptr;
    TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)der.len);
    if (resp == NULL || p != der.ptr + der.len) {
        TS_RESP_free(resp);
        ERR_clear_error();
        ES_BAIL(ESEAL_EMALFORMED, "tsa: not a DER TimeStampResp");
    }
    *out = resp;
    return ES_OK;
}

static unsigned int fail_bits(const TS_STATUS_INFO *si)
{
    const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
    unsigned int bits = 0;
    for (int i = 0; fi != NULL && i < 32; i++) {
        if (ASN1_BIT_STRING_get_bit(fi, i)) {
            bits |= 1u << i;
        }
    }
    return bits;
}

int eseal_tsa_response_status(int *status, unsigned int *fail_info, const void *resp, size_t len)
{
    if (status == NULL || resp == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "tsa: invalid argument"));
    }
    TS_RESP *r = NULL;
    es_result res = decode_resp(&r, es_span_of(resp, len));
    if (!es_ok(res)) {
        return es_code(res);
    }
    const TS_STATUS_INFO *si = TS_RESP_get_status_info(r);
    *status = (int)ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    if (fail_info != NULL) {
        *fail_info = fail_bits(si);
    }
    TS_RESP_free(r);
    return ESEAL_OK;
}

/* ---- client check (research/tlog.md §4.5) ------------------------------------------- */

static const char *const fail_names[] = {
    [0] = "badAlg", [2] = "badRequest", [5] = "badDataFormat", [14] = "timeNotAvailable",
    [15] = "unacceptedPolicy", [16] = "unacceptedExtension", [17] = "addInfoNotAvailable", [25] = "systemFailure",
};

static ES_RESULT report_status(eseal_report *rep, const TS_STATUS_INFO *si, bool *granted)
{
    long st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    static const char *const names[] = {"granted", "grantedWithMods", "rejection", "waiting",
                                        "revocationWarning", "revocationNotification"};
    const char *name = st >= 0 && st <= 5 ? names[st] : "unknown";
    *granted = st == 0 || st == 1;
    if (*granted) {
        return es_report_check(rep, "ts_status", ESEAL_CHECK_PASSED, NULL, "%s", name);
    }
    ES_AUTO(es_buf_freep) es_buf why = ES_BUF_INIT(ES_LINE_MAX);
    unsigned int bits = fail_bits(si);
    for (unsigned int i = 0; i < 32; i++) {
        if (bits & (1u << i)) {
            const char *nm = i < sizeof(fail_names) / sizeof(fail_names[0]) ? fail_names[i] : NULL;
            ES_GUARD(es_buf_printf(&why, "%s%s", why.len > 0 ? "," : "", nm != NULL ? nm : "unknown"));
        }
    }
    ES_GUARD(es_report_check(rep, "ts_status", ESEAL_CHECK_FAILED, NULL, "%s%s%s", name, why.len > 0 ? ": " : "",
                             es_buf_cstr(&why)));
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_TSA_REJECTED, "the TSA did not grant the time-stamp (status %ld%s%s)",
                            st, why.len > 0 ? ", " : "", es_buf_cstr(&why));
}

static ES_RESULT oid_text(char *out, size_t n, const ASN1_OBJECT *o)
{
    ES_ENSURE(o != NULL && OBJ_obj2txt(out, (int)n, o, 1) > 0, ESEAL_EMALFORMED, "tsa: unreadable OID");
    return ES_OK;
}

static ES_RESULT check_imprint(eseal_report *rep, TS_TST_INFO *tst, TS_REQ *req,
                               const eseal_tsa_verify_options *o)
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
    ASN1_OCTET_STRING *dg = TS_MSG_IMPRINT_get_msg(mi);
    const ASN1_OBJECT *oid = NULL;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    char txt[80];
    ES_GUARD(oid_text(txt, sizeof(txt), oid));
    eseal_hash h = es_hash_from_nid(OBJ_obj2nid(oid));
    ES_GUARD(es_report_str(rep, "token.imprint_algorithm", "%s", h != ESEAL_HASH_DEFAULT ? eseal_hash_name(h) : txt));
    if (h == ESEAL_HASH_DEFAULT) {
        ES_GUARD(es_report_check(rep, "ts_imprint", ESEAL_CHECK_FAILED, NULL, "%s is not accepted", txt));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_ALGORITHM_NOT_ACCEPTED,
                                "the imprint uses %s; SHA-256, SHA-384, SHA-512 or SM3 are required", txt);
    }
    es_span got = es_span_of(ASN1_STRING_get0_data(dg), (size_t)ASN1_STRING_length(dg));
    bool match = true;
    if (req != NULL) {
        TS_MSG_IMPRINT *rmi = TS_REQ_get_msg_imprint(req);
        ASN1_OCTET_STRING *rdg = TS_MSG_IMPRINT_get_msg(rmi);
        const ASN1_OBJECT *roid = NULL;
        X509_ALGOR_get0(&roid, NULL, NULL, TS_MSG_IMPRINT_get_algo(rmi));
        match = roid != NULL && OBJ_cmp(roid, oid) == 0 &&
                es_span_eq(got, es_span_of(ASN1_STRING_get0_data(rdg), (size_t)ASN1_STRING_length(rdg)));
    }
    if (match && o->data != NULL) {
        uint8_t want[64];
        size_t wl = 0;
        ES_GUARD(es_digest(want, &wl, h, es_span_of(o->data, o->data_len)));
        match = es_span_eq(got, es_span_of(want, wl));
    }
    if (!match) {
        ES_GUARD(es_report_check(rep, "ts_imprint", ESEAL_CHECK_FAILED, NULL, "%s",
                                 "not the imprint of the request or the data"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE,
                                "the token's message imprint is not the one of the request or the data");
    }
    return es_report_check(rep, "ts_imprint", ESEAL_CHECK_PASSED, NULL, "%s of the %s", eseal_hash_name(h),
                           req != NULL ? "request" : "data");
}

static ES_RESULT check_nonce_policy(eseal_report *rep, TS_TST_INFO *tst, TS_REQ *req,
                                    const eseal_tsa_verify_options *o)
{
    const ASN1_INTEGER *tn = TS_TST_INFO_get_nonce(tst);
    const ASN1_INTEGER *rn = req != NULL ? TS_REQ_get_nonce(req) : NULL;
    if (rn == NULL) {
        ES_GUARD(es_report_check(rep, "ts_nonce", ESEAL_CHECK_NOT_APPLICABLE, NULL, "%s", "not requested"));
    } else if (tn == NULL || ASN1_INTEGER_cmp(tn, rn) != 0) {
        ES_GUARD(es_report_check(rep, "ts_nonce", ESEAL_CHECK_FAILED, NULL, "%s",
                                 tn == NULL ? "missing" : "not the request's"));
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_NONCE_MISMATCH,
                                  "the token's nonce is %s the request's", tn == NULL ? "missing, unlike" : "not"));
    } else {
        ES_GUARD(es_report_check(rep, "ts_nonce", ESEAL_CHECK_PASSED, NULL, "%s", "the request's"));
    }
    char got[128];
    ES_GUARD(oid_text(got, sizeof(got), TS_TST_INFO_get_policy_id(tst)));
    ES_GUARD(es_report_str(rep, "token.policy", "%s", got));
    char want[128] = "";
    if (o->policy_oid != NULL) {
        ES_ENSURE(strlen(o->policy_oid) < sizeof(want), ESEAL_EINVAL, "tsa: policy OID too long");
        memcpy(want, o->policy_oid, strlen(o->policy_oid) + 1);
    } else if (req != NULL && TS_REQ_get_policy_id(req) != NULL) {
        ES_GUARD(oid_text(want, sizeof(want), TS_REQ_get_policy_id(req)));
    }
    if (want[0] == '\0') {
        return es_report_check(rep, "ts_policy", ESEAL_CHECK_NOT_APPLICABLE, NULL, "%s", "not required");
    }
    if (strcmp(want, got) != 0) {
        ES_GUARD(es_report_check(rep, "ts_policy", ESEAL_CHECK_FAILED, NULL, "%s, not %s", got, want));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_POLICY_MISMATCH, "the token's policy is %s, not %s", got, want);
    }
    return es_report_check(rep, "ts_policy", ESEAL_CHECK_PASSED, NULL, "%s", got);
}

static ES_RESULT report_tst(eseal_report *rep, TS_TST_INFO *tst, int64_t *gen_ms)
{
    const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
    ES_ENSURE(gt != NULL, ESEAL_EMALFORMED, "tsa: TSTInfo has no genTime");
    es_result r = es_time_parse_gentime(es_span_of(ASN1_STRING_get0_data(gt), (size_t)ASN1_STRING_length(gt)), gen_ms);
    if (!es_ok(r)) {
        *gen_ms = 0;
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the token's genTime is not a GeneralizedTime");
    }
    ES_GUARD(es_report_time(rep, "token.gen_time", *gen_ms));
    const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
    ES_AUTO(BN_freep) BIGNUM *bn = serial != NULL ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    if (bn != NULL) {
        /* Upper-case hex, as every serial number eseal prints (certificates, the stamp's time line). */
        char *hex = BN_bn2hex(bn);
        ES_ENSURE_ALLOC(hex);
        r = es_report_str(rep, "token.serial", "%s", hex);
        OPENSSL_free(hex);
        ES_GUARD(r);
    }
    TS_ACCURACY *acc = TS_TST_INFO_get_accuracy(tst);
    if (acc == NULL) {
        return es_report_null(rep, "token.accuracy_ms");
    }
    const ASN1_INTEGER *s = TS_ACCURACY_get_seconds(acc), *m = TS_ACCURACY_get_millis(acc),
                       *u = TS_ACCURACY_get_micros(acc);
    long ms = (s != NULL ? ASN1_INTEGER_get(s) * 1000 : 0) + (m != NULL ? ASN1_INTEGER_get(m) : 0) +
              (u != NULL ? (ASN1_INTEGER_get(u) + 999) / 1000 : 0);
    return es_report_int(rep, "token.accuracy_ms", ms);
}

/* RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, critical. */
static ES_RESULT check_eku(eseal_report *rep, X509 *signer)
{
    int idx = X509_get_ext_by_NID(signer, NID_ext_key_usage, -1);
    bool ok = false;
    if (idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(signer, idx))) {
        EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(signer, NID_ext_key_usage, NULL, NULL);
        ok = eku != NULL && sk_ASN1_OBJECT_num(eku) == 1 &&
             OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_time_stamp;
        EXTENDED_KEY_USAGE_free(eku);
    }
    ERR_clear_error();
    if (!ok) {
        ES_GUARD(es_report_check(rep, "ts_tsa_eku", ESEAL_CHECK_FAILED, NULL, "%s",
                                 "not a sole critical id-kp-timeStamping"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                "the signer certificate's only extended key usage is not a critical timeStamping");
    }
    return es_report_check(rep, "ts_tsa_eku", ESEAL_CHECK_PASSED, NULL, "%s", "critical id-kp-timeStamping");
}

static ES_RESULT check_ess(eseal_report *rep, PKCS7_SIGNER_INFO *si, X509 *signer, const eseal_tsa_verify_options *o)
{
    ASN1_TYPE *v2 = PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificateV2);
    if (v2 == NULL) {
        bool v1 = PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificate) != NULL;
        if (v1 && o->allow_ess_v1) {
            /* TS_RESP_verify_token checks the v1 ESSCertID */
            return es_report_check(rep, "signing_certificate", ESEAL_CHECK_PASSED, NULL, "%s",
                                   "signing-certificate (v1) only, allowed");
        }
        ES_GUARD(es_report_check(rep, "signing_certificate", ESEAL_CHECK_FAILED, NULL, "%s",
                                 v1 ? "signing-certificate (v1) only" : "no signing-certificate-v2 attribute"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIGNING_CERTIFICATE_MISSING,
                                "the token has no signing-certificate-v2 attribute (RFC 5816)%s",
                                v1 ? "; only a SHA-1 ESSCertID" : "");
    }
    ES_AUTO(ESS_SIGNING_CERT_V2_freep) ESS_SIGNING_CERT_V2 *sc = NULL;
    if (v2->type == V_ASN1_SEQUENCE) {
        const unsigned char *p = v2->value.sequence->data;
        sc = d2i_ESS_SIGNING_CERT_V2(NULL, &p, v2->value.sequence->length);
    }
    int found = -1;
    if (sc != NULL) {
        STACK_OF(X509) *one = sk_X509_new_null();
        if (one != NULL && sk_X509_push(one, signer) > 0) {
            found = OSSL_ESS_check_signing_certs(NULL, sc, one, 0);
        }
        sk_X509_free(one);
    }
    ERR_clear_error();
    if (found != 1) {
        ES_GUARD(es_report_check(rep, "signing_certificate", ESEAL_CHECK_FAILED, NULL, "%s",
                                 "signing-certificate-v2 names another certificate"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIGNING_CERTIFICATE_MISMATCH,
                                "the signing-certificate-v2 attribute does not name the signer certificate");
    }
    return es_report_check(rep, "signing_certificate", ESEAL_CHECK_PASSED, NULL, "%s",
                           "signing-certificate-v2 names the TSA certificate");
}

/* The signature over the TSTInfo, by OpenSSL's TS verifier with the signer itself as the only
 * anchor (the chain is judged by es_chain_check at genTime): signature, ESS, purpose. */
static ES_RESULT check_signature_ts(eseal_report *rep, PKCS7 *token, X509 *signer, int64_t gen_ms)
{
    ES_AUTO(TS_VERIFY_CTX_freep) TS_VERIFY_CTX *vc = TS_VERIFY_CTX_new();
    ES_ENSURE_ALLOC(vc);
    X509_STORE *store = X509_STORE_new();
    ES_ENSURE_ALLOC(store);
    if (X509_STORE_add_cert(store, signer) != 1) {
        X509_STORE_free(store);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    if (gen_ms > 0) {
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)(gen_ms / 1000));
    }
    TS_VERIFY_CTX_set_store(vc, store); /* owned by vc */
    /* The signer for tokens without certificates (certReq false); owned by vc as well. */
    STACK_OF(X509) *certs = sk_X509_new_null();
    ES_ENSURE_ALLOC(certs);
    if (X509_up_ref(signer) != 1 || sk_X509_push(certs, signer) <= 0) {
        sk_X509_pop_free(certs, X509_free);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    TS_VERIFY_CTX_set_certs(vc, certs);
    TS_VERIFY_CTX_set_flags(vc, TS_VFY_SIGNATURE);
    int ok = TS_RESP_verify_token(vc, token);
    if (ok == 1) {
        ERR_clear_error();
        return es_report_check(rep, "signature", ESEAL_CHECK_PASSED, NULL, "%s", "the TSA's signature over the TSTInfo");
    }
    unsigned long e = ERR_peek_last_error();
    char why[256];
    ERR_error_string_n(e, why, sizeof(why));
    ERR_clear_error();
    ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_FAILED, NULL, "%s", "does not verify"));
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SIG_CRYPTO_FAILURE, "the time-stamp token's signature does not verify (%s)",
                            e != 0 ? ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e) : why : "unknown");
}

/*
 * SM2 tokens: OpenSSL's PKCS7/TS verifier checks SM2 without the Z value and CMS_verify only
 * with an empty ID (probes.md §2, §3), so neither can check a token signed as GM/T 0009
 * requires. The SignedData is checked as eseal's CMS verifier does (es_cms_check_signature:
 * SM3 with the Z value of 1234567812345678 over the DER signed attributes), plus what CMS_verify
 * would check besides: contentType = id-ct-TSTInfo (RFC 5652 §11.1) and messageDigest = the
 * digest of the encapsulated TSTInfo. ESSCertIDv2, EKU and chain are checked by the caller.
 */
static ES_RESULT check_signature_cms(eseal_report *rep, PKCS7 *token, X509 *signer)
{
    unsigned char *der = NULL;
    int n = i2d_PKCS7(token, &der);
    ES_ENSURE_OSSL(n > 0, ESEAL_EMALFORMED, "tsa: re-encoding the token");
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, n);
    es_x509_count_cms(cms);
    OPENSSL_free(der);
    ERR_clear_error();
    if (cms == NULL) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the token is not a CMS SignedData");
    }
    ES_AUTO(CMS_ContentInfo_freep) CMS_ContentInfo *owned = cms;
    ASN1_OCTET_STRING **content = CMS_get0_content(cms);
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    if (content == NULL || *content == NULL || OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo ||
        sis == NULL || sk_CMS_SignerInfo_num(sis) != 1) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                                "the token is not one SignerInfo over an encapsulated TSTInfo");
    }
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    ES_ENSURE(CMS_SignerInfo_cert_cmp(si, signer) == 0, ESEAL_EMALFORMED, "tsa: the SignerInfo names another signer");
    X509_ALGOR *digalg = NULL;
    CMS_SignerInfo_get0_algs(si, NULL, NULL, &digalg, NULL);
    const ASN1_OBJECT *doid = NULL;
    X509_ALGOR_get0(&doid, NULL, NULL, digalg);
    eseal_hash hash = es_hash_from_nid(OBJ_obj2nid(doid));
    if (hash == ESEAL_HASH_DEFAULT) {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_FAILED, NULL, "%s", "digest algorithm not accepted"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CRYPTO_CONSTRAINTS_FAILURE,
                                "the token's digest algorithm is not accepted (SM3 or SHA-256/384/512 are)");
    }
    int ct = CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1);
    ASN1_TYPE *ctv = ct >= 0 ? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, ct), 0) : NULL;
    if (ctv == NULL || ctv->type != V_ASN1_OBJECT || OBJ_obj2nid(ctv->value.object) != NID_id_smime_ct_TSTInfo) {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_FAILED, NULL, "%s", "contentType is not id-ct-TSTInfo"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE,
                                "the contentType signed attribute is missing or is not id-ct-TSTInfo");
    }
    ASN1_OCTET_STRING *md = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
                                                        V_ASN1_OCTET_STRING);
    uint8_t dg[64];
    size_t dlen = 0;
    ES_GUARD(es_digest(dg, &dlen, hash,
                       es_span_of(ASN1_STRING_get0_data(*content), (size_t)ASN1_STRING_length(*content))));
    if (md == NULL || (size_t)ASN1_STRING_length(md) != dlen || memcmp(ASN1_STRING_get0_data(md), dg, dlen) != 0) {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_FAILED, NULL, "%s",
                                 "messageDigest is not the TSTInfo's digest"));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE,
                                "the signed messageDigest is not the digest of the token's TSTInfo");
    }
    return es_cms_check_signature(rep, si, signer, hash);
}

static ES_RESULT check_signature(eseal_report *rep, PKCS7 *token, X509 *signer, int64_t gen_ms)
{
    EVP_PKEY *pub = X509_get0_pubkey(signer);
    ERR_clear_error();
    if (pub != NULL && EVP_PKEY_is_a(pub, "SM2")) {
        return check_signature_cms(rep, token, signer);
    }
    return check_signature_ts(rep, token, signer, gen_ms);
}

/*
 * A second opinion on what the request fixes, from OpenSSL's TS verifier without the
 * signature and signer steps (probes.md §3: those get SM2 wrong; the signature is checked
 * above): TSTInfo version, imprint, nonce and, when requested, the policy.
 */
static ES_RESULT check_against_request(eseal_report *rep, PKCS7 *token, TS_REQ *req)
{
    ES_AUTO(TS_VERIFY_CTX_freep) TS_VERIFY_CTX *vc = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
    ES_ENSURE_OSSL(vc != NULL, ESEAL_ENOMEM, "tsa: preparing the request check");
    int flags = TS_VFY_VERSION | TS_VFY_IMPRINT;
    if (TS_REQ_get_nonce(req) != NULL) {
        flags |= TS_VFY_NONCE;
    }
    if (TS_REQ_get_policy_id(req) != NULL) {
        flags |= TS_VFY_POLICY;
    }
    TS_VERIFY_CTX_set_flags(vc, flags);
    int ok = TS_RESP_verify_token(vc, token);
    ERR_clear_error();
    if (ok == 1) {
        return es_report_check(rep, "ts_request", ESEAL_CHECK_PASSED, NULL, "%s", "OpenSSL's TS check of the request");
    }
    ES_GUARD(es_report_check(rep, "ts_request", ESEAL_CHECK_FAILED, NULL, "%s", "OpenSSL's TS check of the request"));
    return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_REQUEST_MISMATCH,
                            "OpenSSL's TS check finds the token's version, imprint, nonce or policy not the request's");
}

static ES_RESULT find_signer(X509 **out, PKCS7 *token, const eseal_trust *t)
{
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *pool = sk_X509_new_null();
    ES_ENSURE_ALLOC(pool);
    /* The trust set's certificates that can match the SignerInfo's issuerAndSerialNumber: those of its
     * issuer name (PKCS7_get0_signers looks in the pool first, by that name and serial), intermediates
     * before anchors as before; the others are not decoded. */
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(token);
    PKCS7_SIGNER_INFO *si = sis != NULL && sk_PKCS7_SIGNER_INFO_num(sis) == 1 ? sk_PKCS7_SIGNER_INFO_value(sis, 0) : NULL;
    if (si != NULL && si->issuer_and_serial != NULL) {
        ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *anchors = sk_X509_new_null();
        ES_ENSURE_ALLOC(anchors);
        ES_GUARD(es_trust_issued_by(t, si->issuer_and_serial->issuer, pool, anchors));
        for (int i = 0; i < sk_X509_num(anchors); i++) {
            X509 *x = sk_X509_value(anchors, i);
            ES_GUARD_OSSL(X509_up_ref(x), "referencing a certificate");
            if (sk_X509_push(pool, x) <= 0) {
                X509_free(x);
                ES_BAIL(ESEAL_ENOMEM, "out of memory");
            }
        }
    }
    STACK_OF(X509) *signers = PKCS7_get0_signers(token, pool, 0);
    X509 *s = signers != NULL && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : NULL;
    if (s != NULL && X509_up_ref(s) != 1) {
        s = NULL;
    }
    sk_X509_free(signers);
    ERR_clear_error();
    *out = s;
    return ES_OK;
}

/* Where the TSA certificate came from: the token (certReq), else the trust set. */
static const char *tsa_cert_origin(X509 *x, STACK_OF(X509) *certs, const eseal_trust *t)
{
    for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
        if (X509_cmp(x, sk_X509_value(certs, i)) == 0) {
            return "timestamp";
        }
    }
    return t != NULL ? "trust_set" : NULL;
}

static ES_RESULT verify_token(eseal_report *rep, int64_t *gen_ms, es_span der, const eseal_trust *trust,
                              const es_revocation_opts *ro,
                              const eseal_tsa_verify_options *o, const eseal_context *ctx)
{
    *gen_ms = 0;
    ES_ENSURE(der.len > 0 && der.len <= LONG_MAX, ESEAL_EMALFORMED, "tsa: empty time-stamp token");
    ES_AUTO(TS_REQ_freep) TS_REQ *req = NULL;
    if (o->request != NULL) {
        const unsigned char *p = o->request;
        req = d2i_TS_REQ(NULL, &p, (long)o->request_len);
        ES_ENSURE_OSSL(req != NULL && p == (const unsigned char *)o->request + o->request_len, ESEAL_EINVAL,
                       "tsa: the request given to check against is not a DER TimeStampReq");
    }
    /* A TimeStampResp, or a bare token (ContentInfo). */
    ES_AUTO(TS_RESP_freep) TS_RESP *resp = NULL;
    ES_AUTO(PKCS7_freep) PKCS7 *own = NULL;
    PKCS7 *token = NULL;
    const unsigned char *p = der.ptr;
    resp = d2i_TS_RESP(NULL, &p, (long)der.len);
    es_x509_count_p7(resp != NULL ? TS_RESP_get_token(resp) : NULL);
    if (resp != NULL && p == der.ptr + der.len) {
        bool granted = false;
        ES_GUARD(report_status(rep, TS_RESP_get_status_info(resp), &granted));
        if (!granted) {
            return ES_OK;
        }
        token = TS_RESP_get_token(resp);
        if (token == NULL) {
            return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "a granted response without a token");
        }
    } else {
        TS_RESP_free(resp);
        resp = NULL;
        p = der.ptr;
        own = d2i_PKCS7(NULL, &p, (long)der.len);
        es_x509_count_p7(own);
        ERR_clear_error();
        ES_ENSURE(own != NULL && p == der.ptr + der.len, ESEAL_EMALFORMED,
                  "tsa: neither a DER TimeStampResp nor a time-stamp token");
        token = own;
    }
    ES_AUTO(TS_TST_INFO_freep) TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(token);
    ERR_clear_error();
    if (tst == NULL) {
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "the token is not SignedData over a TSTInfo");
    }
    if (TS_TST_INFO_get_version(tst) != 1) {
        ES_GUARD(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_FORMAT_FAILURE, "TSTInfo version %ld, not 1",
                                  TS_TST_INFO_get_version(tst)));
    }
    ES_GUARD(report_tst(rep, tst, gen_ms));
    ES_GUARD(check_imprint(rep, tst, req, o));
    ES_GUARD(check_nonce_policy(rep, tst, req, o));
    if (req != NULL) {
        ES_GUARD(check_against_request(rep, token, req));
    }

    STACK_OF(X509) *certs = token->d.sign != NULL ? token->d.sign->cert : NULL;
    ES_ENSURE(certs == NULL || sk_X509_num(certs) <= (int)es_ctx_limits(ctx)->max_certs, ESEAL_ELIMIT,
              "tsa: the token carries too many certificates");
    for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
        /* SM2-signed certificates are checked with the GM/T 0009 ID (probes.md §2). */
        if (es_x509_is_sm2_signed(sk_X509_value(certs, i))) {
            ES_GUARD(es_x509_set_sm2_id(sk_X509_value(certs, i)));
        }
    }
    ES_AUTO(X509_freep) X509 *signer = NULL;
    ES_GUARD(find_signer(&signer, token, trust));
    if (signer == NULL) {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_INDETERMINATE, NULL, "%s", "the TSA certificate is not found"));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_SIGNING_CERTIFICATE_FOUND,
                                "the TSA certificate is neither in the token (certReq) nor in the trust set");
    }
    ES_GUARD(es_report_signer(rep, signer, tsa_cert_origin(signer, certs, trust)));
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(token);
    ES_ENSURE(sis != NULL && sk_PKCS7_SIGNER_INFO_num(sis) == 1, ESEAL_EMALFORMED,
              "tsa: a time-stamp token has exactly one SignerInfo");
    ES_GUARD(check_ess(rep, sk_PKCS7_SIGNER_INFO_value(sis, 0), signer, o));
    size_t before = eseal_report_reason_count(rep);
    ES_GUARD(check_eku(rep, signer));
    if (eseal_report_reason_count(rep) == before) {
        ES_GUARD(check_signature(rep, token, signer, *gen_ms));
    } else {
        ES_GUARD(es_report_check(rep, "signature", ESEAL_CHECK_INDETERMINATE, NULL, "%s",
                                 "not checked: the TSA certificate's extended key usage is wrong"));
    }
    /* tlog.md §4.5 item 7: the TSA certificate must be valid at genTime. */
    /* A TSA another platform's list vouches for must be one of its TSA services at the token's time. */
    return es_chain_check_svc(rep, trust, signer, certs, *gen_ms > 0 ? *gen_ms : es_ctx_now(ctx), 0, ro,
                              ES_TRUST_SVC_TSA);
}

static const eseal_tsa_verify_options default_vopts = ESEAL_TSA_VERIFY_OPTIONS_INIT;

ES_RESULT es_tsa_verify_token_rev(eseal_report **out, int64_t *gen_time_ms, es_span token, const eseal_trust *trust,
                                  const eseal_tsa_verify_options *opts, const es_revocation_opts *ro)
{
    ES_CHECK_VERSION_OPT(opts, tsa_verify_options);
    ES_ENSURE(out != NULL && token.ptr != NULL, ESEAL_EINVAL, "tsa: invalid argument");
    if (opts == NULL) {
        opts = &default_vopts;
    }
    ES_ENSURE(opts->request != NULL || opts->data != NULL, ESEAL_EINVAL,
              "tsa: give the request or the data the token should cover");
    ES_AUTO(es_report_freep) eseal_report *rep = NULL;
    ES_GUARD(es_report_new(&rep));
    int64_t gen = 0;
    /* The caller's context: the revocation options' (a PDF or CMS verification), else the options'. */
    const eseal_context *ctx = ro != NULL && ro->ctx != NULL ? ro->ctx : ES_OPT_CTX(opts, 2);
    ES_GUARD(verify_token(rep, &gen, token, trust, ro, opts, ctx));
    *out = rep;
    rep = NULL;
    if (gen_time_ms != NULL) {
        *gen_time_ms = gen;
    }
    return ES_OK;
}

int eseal_tsa_verify_token(eseal_report **out, int64_t *gen_time_ms, const void *token, size_t len,
                           const eseal_trust *trust, const eseal_tsa_verify_options *opts)
{
    return ES_PUBLIC(es_tsa_verify_token_rev(out, gen_time_ms, es_span_of(token, len), trust, opts, NULL));
}
