/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust sets and chain validation (RFC 5280 §6 through OpenSSL, with SM2 IDs),
 * certificate validity at the validation time, and revocation (CRLs and OCSP
 * responses, revocation.c) with the ETSI EN 319 102-1 outcomes (REVOKED vs
 * REVOKED_NO_POE).
 */
#include <dirent.h>
#include <string.h>

#include <openssl/pem.h>

#include "chain.h"
#include "ossl.h"
#include "util/report.h"

int eseal_trust_new(eseal_trust **out)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    eseal_trust *t = es_calloc(1, sizeof(*t));
    if (t == NULL || (t->anchors = sk_X509_new_null()) == NULL || (t->intermediates = sk_X509_new_null()) == NULL ||
        (t->crls = sk_X509_CRL_new_null()) == NULL) {
        eseal_trust_free(t);
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    *out = t;
    return ESEAL_OK;
}

void eseal_trust_free(eseal_trust *t)
{
    if (t == NULL) {
        return;
    }
    sk_X509_pop_free(t->anchors, X509_free);
    sk_X509_pop_free(t->intermediates, X509_free);
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    es_free(t);
}

static ES_RESULT push_cert(STACK_OF(X509) *sk, X509 *x)
{
    ES_ENSURE(sk_X509_num(sk) < ES_TRUST_MAX_CERTS, ESEAL_ELIMIT, "more than %d certificates in the trust set",
              ES_TRUST_MAX_CERTS);
    ES_GUARD_OSSL(X509_up_ref(x), "referencing a certificate");
    if (sk_X509_push(sk, x) <= 0) {
        X509_free(x);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    return ES_OK;
}

int eseal_trust_add_anchor(eseal_trust *t, const eseal_cert *c)
{
    if (t == NULL || c == NULL) {
        ES_BAIL_ARG("t == NULL || c == NULL");
    }
    return es_code(push_cert(t->anchors, c->x509));
}

int eseal_trust_add_intermediate(eseal_trust *t, const eseal_cert *c)
{
    if (t == NULL || c == NULL) {
        ES_BAIL_ARG("t == NULL || c == NULL");
    }
    return es_code(push_cert(t->intermediates, c->x509));
}

size_t eseal_trust_anchor_count(const eseal_trust *t) { return t == NULL ? 0 : (size_t)sk_X509_num(t->anchors); }

/*
 * The CRLs of a PEM bundle (`eseal ca export --bundle` writes the anchors and the CAs' CRLs in
 * one file, as `openssl verify -CAfile` reads them): each "X509 CRL" block joins the trust set's
 * CRLs. A block that is not a CRL is skipped; a CRL block that cannot be read is an error.
 */
static ES_RESULT add_pem_crls(eseal_trust *t, es_span data, const char *path, size_t *n)
{
    static const char mark[] = "-----BEGIN X509 CRL-----";
    const uint8_t *p = data.ptr, *end = data.ptr + data.len;
    size_t count = 0;
    *n = 0;
    while (p < end) {
        const uint8_t *b = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1);
        if (b == NULL) {
            break;
        }
        ES_ENSURE(++count <= ES_TRUST_MAX_CRLS, ESEAL_ELIMIT, "%s: more than %d CRLs", path, ES_TRUST_MAX_CRLS);
        BIO *bio = BIO_new_mem_buf(b, (int)(end - b));
        ES_ENSURE_ALLOC(bio);
        X509_CRL *crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (crl == NULL) {
            ERR_clear_error();
            ES_BAIL(ESEAL_EMALFORMED, "%s: CRL %zu of the file cannot be read", path, count);
        }
        if (sk_X509_CRL_push(t->crls, crl) <= 0) {
            X509_CRL_free(crl);
            ES_BAIL(ESEAL_ENOMEM, "out of memory");
        }
        p = b + sizeof(mark) - 1;
        *n = count;
    }
    return ES_OK;
}

/* `x` is not self-issued and another certificate of `list` issued it. */
static bool issued_within(X509 *x, eseal_cert *const *list, size_t n)
{
    if (X509_check_issued(x, x) == X509_V_OK) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (list[i]->x509 != x && X509_check_issued(list[i]->x509, x) == X509_V_OK) {
            return true;
        }
    }
    return false;
}

static ES_RESULT add_file(eseal_trust *t, const char *path, int as_anchor)
{
    es_buf data = ES_BUF_INIT(es_ctx_limits(NULL)->max_text_bytes);
    ES_GUARD(es_file_read(&data, path, data.max));
    eseal_cert **list = NULL;
    size_t n = 0;
    es_result r = es_cert_parse_all(&list, &n, es_buf_span(&data), 1000);
    if (!es_ok(r)) {
        es_buf_free(&data);
        return es_error_set(es_code(r), __FILE__, __LINE__, "%s: %s", path, eseal_error_last()->message);
    }
    size_t ncrl = 0;
    r = add_pem_crls(t, es_buf_span(&data), path, &ncrl);
    es_buf_free(&data);
    /*
     * A bundle (a file that brings CRLs too, as `eseal ca export --bundle` writes it): its
     * certificates issued by another of its certificates help build paths to the top ones and
     * are judged like any CA, revocation included, with the bundle's CRLs. Trusting them as
     * anchors would end the path there (partial chains) and skip their revocation check. A file
     * of certificates only keeps the plain meaning: every certificate is an anchor.
     */
    for (size_t i = 0; i < n && es_ok(r); i++) {
        bool anchor = as_anchor && (ncrl == 0 || !issued_within(list[i]->x509, list, n));
        r = push_cert(anchor ? t->anchors : t->intermediates, list[i]->x509);
    }
    es_cert_list_free(list, n);
    return r;
}

static bool cert_file_name(const char *name)
{
    size_t n = strlen(name);
    static const char *exts[] = {".pem", ".crt", ".cer", ".der"};
    for (size_t i = 0; i < 4; i++) {
        if (n > 4 && es_strcasecmp(name + n - 4, exts[i]) == 0) {
            return true;
        }
    }
    return false;
}

int eseal_trust_add_path(eseal_trust *t, const char *path, int as_anchor)
{
    if (t == NULL || path == NULL) {
        ES_BAIL_ARG("t == NULL || path == NULL");
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return es_code(add_file(t, path, as_anchor));
    }
    es_result r = ES_OK;
    struct dirent *e;
    while (es_ok(r) && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !cert_file_name(e->d_name)) {
            continue;
        }
        es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
        r = es_buf_printf(&p, "%s/%s", path, e->d_name);
        if (es_ok(r)) {
            r = add_file(t, es_buf_cstr(&p), as_anchor);
        }
        es_buf_free(&p);
    }
    closedir(d);
    return es_code(r);
}

int eseal_trust_add_crl(eseal_trust *t, const void *data, size_t len)
{
    if (t == NULL || data == NULL) {
        ES_BAIL_ARG("t == NULL || data == NULL");
    }
    if (len > es_ctx_limits(NULL)->max_der_bytes) {
        return es_code(es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "CRL larger than %zu bytes",
                                    es_ctx_limits(NULL)->max_der_bytes));
    }
    X509_CRL *crl = NULL;
    if (memmem(data, len, "-----BEGIN", 10) != NULL) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        crl = bio != NULL ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl != NULL && p != (const unsigned char *)data + len) {
            X509_CRL_free(crl);
            return es_code(es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "CRL has trailing bytes"));
        }
    }
    if (crl == NULL) {
        return es_code(es_ossl_error(ESEAL_EMALFORMED, __FILE__, __LINE__, "not a PEM or DER CRL"));
    }
    if (sk_X509_CRL_push(t->crls, crl) <= 0) {
        X509_CRL_free(crl);
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory"));
    }
    return ESEAL_OK;
}

/* ---- chain validation ---------------------------------------------------------------- */

static void fmt_time(char out[ES_RFC3339_LEN], int64_t ms) { es_time_rfc3339(out, ms); }

static const char *cert_label(X509 *x, char *buf, size_t n)
{
    X509_NAME *nm = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    const unsigned char *s = NULL;
    if (i >= 0) {
        s = ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)));
    }
    (void)snprintf(buf, n, "\"%s\"", s != NULL ? (const char *)s : "(no common name)");
    return buf;
}

static const char *crl_reason_name(int r)
{
    static const char *names[] = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
                                  "superseded", "cessationOfOperation", "certificateHold", "(unused)",
                                  "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
    return (r >= 0 && r <= ES_CRL_REASON_MAX) ? names[r] : "unspecified";
}

/* The validation object of the CRL or OCSP response `st` used (named after the issuer it speaks for), named by check "revocation". */
static ES_RESULT revocation_evidence(eseal_report *rep, const es_rev_status *st, X509 *issuer)
{
    if (st->used_sha256[0] == '\0') {
        return ES_OK;
    }
    /* The issuer's name as eseal prints names (RFC 2253, UTF-8 kept), as certificates are named. */
    ES_AUTO(BIO_free_allp) BIO *bio = BIO_new(BIO_s_mem());
    ES_ENSURE_ALLOC(bio);
    ES_ENSURE_OSSL(X509_NAME_print_ex(bio, X509_get_subject_name(issuer), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0,
                   ESEAL_ECRYPTO, "printing a name");
    ES_GUARD_OSSL(BIO_write(bio, "", 1) == 1, "printing a name");
    char *name = NULL;
    (void)BIO_get_mem_data(bio, &name);
    char id[ES_VOBJ_ID_LEN];
    ES_GUARD(es_report_object(rep, st->used_ocsp ? ES_VOBJ_OCSP_RESPONSE : ES_VOBJ_CRL, st->used_sha256, name,
                              st->used_origin, 0, id));
    return es_report_check_uses(rep, "revocation", id);
}

static ES_RESULT check_revocation(eseal_report *rep, const eseal_trust *t, STACK_OF(X509) *chain,
                                  STACK_OF(X509) *extra, int64_t at_ms, int64_t claimed_ms,
                                  const es_revocation_opts *ro)
{
    char lbl[300];
    char tb[ES_RFC3339_LEN];
    int n = sk_X509_num(chain);
    if (n < 2) {
        return es_report_check(rep, "revocation", ESEAL_CHECK_NOT_APPLICABLE, NULL, "the signer is a trust anchor");
    }
    bool all_good = true, failed = false, crl = false, ocsp = false;
    /* What each certificate's status rests on, for the check's detail: "signer: CRL, trust set; CA ...". */
    es_buf detail = ES_BUF_INIT(ES_TRUST_SOURCES_MAX);
    /* Set first so that the loop can name what it uses; its status and detail are final below. */
    es_result r = es_report_check(rep, "revocation", ESEAL_CHECK_INDETERMINATE, NULL, "%s", "being judged");
    /* The last element is the trust anchor: anchors are trusted directly (RFC 5280 §6.1). */
    for (int i = 0; i + 1 < n && es_ok(r); i++) {
        X509 *x = sk_X509_value(chain, i);
        X509 *issuer = sk_X509_value(chain, i + 1);
        const char *who = i == 0 ? "signer certificate" : "CA certificate";
        es_rev_status st;
        r = es_revocation_status(&st, t, x, issuer, extra, at_ms, ro);
        if (!es_ok(r)) {
            break;
        }
        if (!st.found) {
            all_good = false;
            r = es_buf_printf(&detail, "%s%s %s: unknown%s%s", detail.len > 0 ? "; " : "", who,
                              cert_label(x, lbl, sizeof(lbl)), st.note[0] != '\0' ? ", " : "", st.note);
            if (!es_ok(r)) {
                break;
            }
            if (st.stale) {
                r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_REVOCATION_OUT_OF_DATE,
                                     "no current revocation information for %s %s: %s", who,
                                     cert_label(x, lbl, sizeof(lbl)), st.note);
            } else {
                r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_REVOCATION_UNKNOWN,
                                     "no CRL or OCSP response covers %s %s: its revocation status is unknown%s%s%s",
                                     who, cert_label(x, lbl, sizeof(lbl)), st.note[0] != '\0' ? " (" : "",
                                     st.note, st.note[0] != '\0' ? ")" : "");
            }
            continue;
        }
        crl = crl || !st.used_ocsp;
        ocsp = ocsp || st.used_ocsp;
        r = revocation_evidence(rep, &st, issuer);
        if (!es_ok(r)) {
            break;
        }
        r = es_buf_printf(&detail, "%s%s: %s", detail.len > 0 ? "; " : "", i == 0 ? "signer" : "CA", st.source);
        if (!es_ok(r) || !st.revoked) {
            continue;
        }
        fmt_time(tb, st.revoked_ms);
        if (st.revoked_ms > at_ms) {
            /* Revoked only after the validation time: at that time it was not revoked. */
            r = es_buf_printf(&detail, ", revoked later, at %s (%s)", tb, crl_reason_name(st.reason));
            continue;
        }
        all_good = false;
        r = es_buf_printf(&detail, ", revoked at %s (%s)", tb, crl_reason_name(st.reason));
        /*
         * ETSI EN 319 102-1 §5.2.6: revoked with no proof of existence before the
         * revocation is INDETERMINATE (REVOKED_NO_POE) when the claimed signing
         * time precedes it; a claim after it (or no claim) leaves no doubt.
         */
        if (!es_ok(r)) {
            break;
        }
        if (claimed_ms != 0 && claimed_ms < st.revoked_ms) {
            r = es_report_reason(rep, ESEAL_INDETERMINATE, i == 0 ? ESEAL_R_REVOKED_NO_POE : ESEAL_R_REVOKED_CA_NO_POE,
                                 "%s %s was revoked at %s (%s, %s); the signature claims an earlier time "
                                 "but no timestamp proves it",
                                 who, cert_label(x, lbl, sizeof(lbl)), tb, crl_reason_name(st.reason), st.source);
        } else {
            failed = true;
            r = es_report_reason(rep, ESEAL_INVALID, i == 0 ? ESEAL_R_REVOKED : ESEAL_R_REVOKED_CA, "%s %s was revoked at %s (%s, %s)",
                                 who, cert_label(x, lbl, sizeof(lbl)), tb, crl_reason_name(st.reason), st.source);
        }
    }
    if (es_ok(r)) {
        const char *source = crl && ocsp ? "crl_ocsp" : crl ? "crl" : ocsp ? "ocsp" : NULL;
        eseal_check_status status = all_good ? ESEAL_CHECK_PASSED : failed ? ESEAL_CHECK_FAILED : ESEAL_CHECK_INDETERMINATE;
        r = es_report_check(rep, "revocation", status, source, "%s", es_buf_cstr(&detail));
    }
    es_buf_free(&detail);
    return r;
}

static ES_RESULT check_validity(eseal_report *rep, STACK_OF(X509) *chain, int64_t at_ms, int64_t claimed_ms)
{
    char lbl[300];
    char tb[ES_RFC3339_LEN];
    char ab[ES_RFC3339_LEN];
    fmt_time(ab, at_ms);
    bool ok = true;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        int64_t nb = es_asn1_time_ms(X509_get0_notBefore(x));
        int64_t na = es_asn1_time_ms(X509_get0_notAfter(x));
        const char *who = i == 0 ? "signer certificate" : "CA certificate";
        if (at_ms > na) {
            ok = false;
            fmt_time(tb, na);
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_OUT_OF_BOUNDS_NO_POE,
                                      "%s %s expired at %s (validation time %s) and no timestamp proves the "
                                      "signature existed before",
                                      who, cert_label(x, lbl, sizeof(lbl)), tb, ab));
        } else if (at_ms < nb) {
            ok = false;
            fmt_time(tb, nb);
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NOT_YET_VALID,
                                      "%s %s is valid only from %s (validation time %s)", who,
                                      cert_label(x, lbl, sizeof(lbl)), tb, ab));
        }
        if (i == 0 && claimed_ms != 0 && (claimed_ms < nb || claimed_ms > na)) {
            ok = false;
            fmt_time(tb, claimed_ms);
            ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CLAIMED_TIME_OUT_OF_BOUNDS,
                                      "the claimed signing time %s is outside the validity of the signer "
                                      "certificate",
                                      tb));
        }
    }
    return es_report_check(rep, "validity", ok ? ESEAL_CHECK_PASSED : ESEAL_CHECK_INDETERMINATE, NULL,
                           "%d certificate%s at %s", sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s", ab);
}

/* Where certificate `x` of a path came from, as a validation object's origin. */
static const char *cert_origin(X509 *x, const eseal_trust *t, const es_revocation_opts *ro, bool anchor)
{
    if (anchor) {
        return "trust_set";
    }
    for (int i = 0; i < sk_X509_num(t->intermediates); i++) {
        if (X509_cmp(x, sk_X509_value(t->intermediates, i)) == 0) {
            return "trust_set";
        }
    }
    unsigned char *der = NULL;
    int n = ro != NULL && ro->cert_count > 0 ? i2d_X509(x, &der) : 0;
    bool dss = false;
    for (size_t i = 0; n > 0 && !dss && i < ro->cert_count && i < ES_REV_MAX_EMBEDDED; i++) {
        dss = es_span_eq(es_span_of(der, (size_t)n), ro->certs[i]);
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return dss ? "dss" : "signature";
}

ES_RESULT es_chain_check(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra, int64_t at_ms,
                         int64_t claimed_ms)
{
    return es_chain_check_ex(rep, t, signer, extra, at_ms, claimed_ms, NULL);
}

_Atomic size_t es_chain_validations = 0;

ES_RESULT es_chain_check_ex(eseal_report *rep, const eseal_trust *t, X509 *signer, STACK_OF(X509) *extra,
                            int64_t at_ms, int64_t claimed_ms, const es_revocation_opts *ro)
{
    char lbl[300];
    es_chain_validations++;
    if (t == NULL || sk_X509_num(t->anchors) == 0) {
        ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_INDETERMINATE, NULL, "no trust anchors"));
        return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_CERTIFICATE_CHAIN_FOUND,
                                "no trust anchors are configured, so the signer cannot be trusted");
    }
    ES_AUTO(X509_STORE_freep) X509_STORE *store = X509_STORE_new();
    ES_ENSURE_ALLOC(store);
    for (int i = 0; i < sk_X509_num(t->anchors); i++) {
        ES_GUARD_OSSL(X509_STORE_add_cert(store, sk_X509_value(t->anchors, i)), "adding a trust anchor");
    }
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *untrusted = sk_X509_new_null();
    ES_ENSURE_ALLOC(untrusted);
    for (int i = 0; i < sk_X509_num(t->intermediates); i++) {
        ES_GUARD(push_cert(untrusted, sk_X509_value(t->intermediates, i)));
    }
    for (int i = 0; extra != NULL && i < sk_X509_num(extra); i++) {
        ES_GUARD(push_cert(untrusted, sk_X509_value(extra, i)));
    }
    /* The document's own certificates (a PDF's /DSS /Certs) may complete the path; they are never anchors. */
    for (size_t i = 0; ro != NULL && i < ro->cert_count && i < ES_REV_MAX_EMBEDDED; i++) {
        const unsigned char *p = ro->certs[i].ptr;
        X509 *x = d2i_X509(NULL, &p, (long)ro->certs[i].len);
        es_x509_decodes += x != NULL;
        if (x == NULL) {
            ERR_clear_error(); /* not a certificate: it simply does not help */
            continue;
        }
        es_result pr = es_x509_is_sm2_signed(x) ? es_x509_set_sm2_id(x) : ES_OK;
        if (es_ok(pr)) {
            pr = push_cert(untrusted, x);
        }
        X509_free(x);
        ES_GUARD(pr);
    }
    ES_AUTO(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    ES_ENSURE_ALLOC(ctx);
    ES_GUARD_OSSL(X509_STORE_CTX_init(ctx, store, signer, untrusted), "starting chain validation");
    /* Time is judged below, per certificate, so that expiry gets its own outcome. A trust anchor is
     * whatever certificate the user trusts (RFC 5280 §6.1.1 (d)): an intermediate or the signer's own
     * certificate ends the chain too (partial chains), not only a self-signed root. */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
    int ok = X509_verify_cert(ctx);
    ERR_clear_error();
    if (ok != 1) {
        int err = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        const char *txt = X509_verify_cert_error_string(err);
        bool sig_failure = err == X509_V_ERR_CERT_SIGNATURE_FAILURE || err == X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE;
        ES_GUARD(es_report_check(rep, "chain", sig_failure ? ESEAL_CHECK_FAILED : ESEAL_CHECK_INDETERMINATE,
                                 "trust_set", "%s", txt));
        switch (err) {
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
            return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_CERTIFICATE_SIGNATURE_FAILURE,
                                    "certificate %s (chain depth %d) has an invalid signature",
                                    bad != NULL ? cert_label(bad, lbl, sizeof(lbl)) : "?", depth);
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_CERTIFICATE_CHAIN_FOUND,
                                    "the signer certificate does not chain to a trust anchor (%s at %s)", txt,
                                    bad != NULL ? cert_label(bad, lbl, sizeof(lbl)) : "?");
        default:
            return es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                    "certificate chain rejected: %s (at %s, depth %d)", txt,
                                    bad != NULL ? cert_label(bad, lbl, sizeof(lbl)) : "?", depth);
        }
    }
    ES_AUTO(es_x509_stack_freep) STACK_OF(X509) *chain = X509_STORE_CTX_get1_chain(ctx);
    ES_ENSURE_ALLOC(chain);
    X509 *anchor = sk_X509_value(chain, sk_X509_num(chain) - 1);
    ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_PASSED, "trust_set", "%d certificate%s to %s",
                             sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s",
                             cert_label(anchor, lbl, sizeof(lbl))));
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        char id[ES_VOBJ_ID_LEN];
        ES_GUARD(es_x509_evidence(rep, x, cert_origin(x, t, ro, i + 1 == sk_X509_num(chain)), id));
        ES_GUARD(es_report_check_uses(rep, "chain", id));
    }
    uint32_t ku = X509_get_key_usage(signer);
    if (ku != UINT32_MAX && (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
        ES_GUARD(es_report_check(rep, "chain", ESEAL_CHECK_INDETERMINATE, "trust_set",
                                 "%d certificate%s to %s; the signer's key usage does not allow signatures",
                                 sk_X509_num(chain), sk_X509_num(chain) == 1 ? "" : "s",
                                 cert_label(anchor, lbl, sizeof(lbl))));
        ES_GUARD(es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_CHAIN_CONSTRAINTS_FAILURE,
                                  "the signer certificate's key usage does not allow signatures"));
    }
    ES_GUARD(check_validity(rep, chain, at_ms, claimed_ms));
    return check_revocation(rep, t, chain, untrusted, at_ms, claimed_ms, ro);
}
