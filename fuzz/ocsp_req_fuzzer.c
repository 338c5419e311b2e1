/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RFC 6960 responder (src/revoke) over arbitrary request bytes, and the
 * verifiers' OCSP response check (src/crypto/revocation.c) over the same bytes.
 * Properties: eseal_ocsp_respond never fails because of the request, the
 * answer is always one whole DER OCSPResponse whose status is successful,
 * malformedRequest or unauthorized; a successful answer is one the verifier
 * accepts for the harness's certificate when the request asked about it.
 * Arbitrary bytes given to the verifier as an embedded OCSP response never
 * cover a certificate (nothing unsigned is believed).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/chain.h"
#include "crypto/crypto.h"
#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static eseal_key *ca_key, *resp_key, *leaf_key;
static eseal_cert *ca, *responder, *leaf;
static eseal_trust *trust;
static eseal_ocsp_issuer issuer;

static int lookup(void *ctx, size_t ca_index, const uint8_t *serial, size_t len, eseal_ocsp_status *out)
{
    (void)ctx;
    (void)ca_index;
    /* Serials with an odd last byte are revoked an hour ago; the rest good. */
    out->status = len > 0 && (serial[len - 1] & 1) ? ESEAL_OCSP_REVOKED : ESEAL_OCSP_GOOD;
    out->revoked_ms = eseal_time_now() - 3600000;
    out->reason = serial[0] % 11;
    return ESEAL_OK;
}

static void issue(eseal_cert **out, eseal_key **key, es_cert_profile prof, const char *cn, eseal_key *ikey,
                  const eseal_cert *icert)
{
    eseal_buf spki = ESEAL_BUF_INIT;
    uint8_t serial[8] = {0x41, 2, 3, 4, 5, 6, 7, (uint8_t)prof};
    es_cert_spec s = {0};
    s.profile = prof;
    s.common_name = cn;
    s.not_before_ms = eseal_time_now() - 86400000LL;
    s.not_after_ms = eseal_time_now() + 86400000LL * 365;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    if (eseal_key_generate(key, ESEAL_ALG_P256) != ESEAL_OK || eseal_key_public_der(&spki, *key) != ESEAL_OK ||
        !es_ok(es_cert_issue(out, &s, es_span_of(spki.ptr, spki.size), ikey != NULL ? ikey : *key, icert))) {
        abort();
    }
    eseal_buf_dispose(&spki);
}

static const eseal_ocsp_config *config(void)
{
    static eseal_ocsp_config c = ESEAL_OCSP_CONFIG_INIT;
    if (ca == NULL) {
        issue(&ca, &ca_key, ES_PROFILE_ROOT_CA, "Fuzz CA", NULL, NULL);
        issue(&responder, &resp_key, ES_PROFILE_OCSP, "Fuzz OCSP", ca_key, ca);
        issue(&leaf, &leaf_key, ES_PROFILE_ORG, "Fuzz Leaf", ca_key, ca);
        if (eseal_trust_new(&trust) != ESEAL_OK || eseal_trust_add_anchor(trust, ca) != ESEAL_OK) {
            abort();
        }
        issuer = (eseal_ocsp_issuer){ca, responder, resp_key};
        c.issuers = &issuer;
        c.issuer_count = 1;
        c.lookup = lookup;
    }
    return &c;
}

static void check_response(const uint8_t *req, size_t len, const eseal_ocsp_config *c)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    if (eseal_ocsp_respond(&resp, req, len, c) != ESEAL_OK) {
        abort(); /* a request never makes the responder fail */
    }
    int status = -1;
    if (eseal_ocsp_response_status(&status, NULL, resp.ptr, resp.size) != ESEAL_OK) {
        abort(); /* always a parseable OCSPResponse */
    }
    if (status != ESEAL_OCSP_SUCCESSFUL && status != ESEAL_OCSP_MALFORMED_REQUEST &&
        status != ESEAL_OCSP_UNAUTHORIZED) {
        abort();
    }
    if (status == ESEAL_OCSP_SUCCESSFUL) {
        /* If it speaks about the leaf, the verifier believes it (good or revoked, never ignored). */
        es_span one = es_span_of(resp.ptr, resp.size);
        es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
        ro.ocsp = &one;
        ro.ocsp_count = 1;
        es_rev_status st;
        if (!es_ok(es_revocation_status(&st, NULL, leaf->x509, ca->x509, NULL, eseal_time_now(), &ro))) {
            abort();
        }
        if (st.note[0] != '\0' && strstr(st.note, "does not know") == NULL) {
            abort(); /* a response of ours was set aside: signature, signer or times are wrong */
        }
    }
    eseal_buf_dispose(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const eseal_ocsp_config *c = config();
    check_response(data, size, c);
    /* A real request about the leaf, so that every run also covers the successful path. */
    eseal_buf req = ESEAL_BUF_INIT;
    if (eseal_ocsp_request(&req, leaf, ca, (int)(size & 1), (int)((size >> 1) & 1)) != ESEAL_OK) {
        abort();
    }
    check_response(req.ptr, req.size, c);
    eseal_buf_dispose(&req);
    /* The input as an embedded response: unsigned bytes never cover the leaf. */
    es_span one = es_span_of(data, size);
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.ocsp = &one;
    ro.ocsp_count = 1;
    ro.crls = &one;
    ro.crl_count = 1;
    es_rev_status st;
    if (!es_ok(es_revocation_status(&st, NULL, leaf->x509, ca->x509, NULL, eseal_time_now(), &ro)) || st.found) {
        abort();
    }
    return 0;
}
