/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RFC 3161 responder (src/tsa) over arbitrary request bytes. Properties:
 * eseal_tsa_respond never fails because of the request (only the TSA's own
 * configuration may), the answer is always one whole DER TimeStampResp, and it
 * is granted only with a token, a rejection only without one. Each granted
 * token is then checked by eseal_tsa_verify_token against the same request,
 * which must find it VALID (the fuzzer's key and anchor are its own). The same
 * bytes go to an SM2 TSA too, whose request rules are eseal's own rather than
 * OpenSSL's TS_RESP_CTX: both must answer with the same PKIStatus and
 * PKIFailureInfo, and its granted tokens must verify as well.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static eseal_key *key, *sm2_key;
static eseal_cert *cert, *sm2_cert;
static eseal_trust *trust;
static uint64_t counter;

static int next_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    *serial = ++counter;
    return ESEAL_OK;
}

/* A self-issued TSA certificate (critical timeStamping EKU) that is also an anchor. */
static void make_tsa(eseal_key **k, eseal_cert **c, eseal_key_alg alg, const char *cn)
{
    eseal_buf spki = ESEAL_BUF_INIT;
    uint8_t serial[8] = {0x41, 2, 3, 4, 5, 6, 7, (uint8_t)alg};
    es_cert_spec s = {0};
    s.profile = ES_PROFILE_TSA;
    s.common_name = cn;
    s.not_before_ms = eseal_time_now() - 86400000LL;
    s.not_after_ms = eseal_time_now() + 86400000LL * 365;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    if (eseal_key_generate(k, alg) != ESEAL_OK || eseal_key_public_der(&spki, *k) != ESEAL_OK ||
        !es_ok(es_cert_issue(c, &s, es_span_of(spki.ptr, spki.size), *k, NULL)) ||
        eseal_trust_add_anchor(trust, *c) != ESEAL_OK) {
        abort();
    }
    eseal_buf_dispose(&spki);
}

static void init(void)
{
    if (key != NULL) {
        return;
    }
    if (eseal_trust_new(&trust) != ESEAL_OK) {
        abort();
    }
    make_tsa(&key, &cert, ESEAL_ALG_P256, "Fuzz TSA");
    make_tsa(&sm2_key, &sm2_cert, ESEAL_ALG_SM2, "Fuzz SM2 TSA");
}

/* Answers `data` with the TSA of k/c; checks the answer; returns its status and failure bits. */
static int answer(const uint8_t *data, size_t size, eseal_key *k, eseal_cert *c, unsigned int *fail)
{
    eseal_tsa_config cfg = ESEAL_TSA_CONFIG_INIT;
    cfg.key = k;
    cfg.cert = c;
    cfg.next_serial = next_serial;
    cfg.include_tsa_name = (int)(size & 1);
    eseal_buf resp = ESEAL_BUF_INIT;
    if (eseal_tsa_respond(&resp, data, size, &cfg) != ESEAL_OK) {
        abort(); /* a request never makes the TSA fail */
    }
    int status = -1;
    if (eseal_tsa_response_status(&status, fail, resp.ptr, resp.size) != ESEAL_OK) {
        abort(); /* always a parseable TimeStampResp */
    }
    if (status == ESEAL_TSA_GRANTED) {
        eseal_tsa_verify_options o = ESEAL_TSA_VERIFY_OPTIONS_INIT;
        o.request = data;
        o.request_len = size;
        eseal_report *rep = NULL;
        if (eseal_tsa_verify_token(&rep, NULL, resp.ptr, resp.size, trust, &o) != ESEAL_OK) {
            abort();
        }
        /* REVOCATION_UNKNOWN at most (the fuzzer publishes no CRL): never INVALID. */
        if (eseal_report_verdict(rep) == ESEAL_INVALID) {
            abort();
        }
        eseal_report_free(rep);
    } else if (status != ESEAL_TSA_REJECTION) {
        abort();
    }
    eseal_buf_dispose(&resp);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    unsigned int ec_fail = 0, sm2_fail = 0;
    int ec = answer(data, size, key, cert, &ec_fail);
    int sm2 = answer(data, size, sm2_key, sm2_cert, &sm2_fail);
    if (ec != sm2 || ec_fail != sm2_fail) {
        abort(); /* the SM2 path must apply OpenSSL's request rules exactly */
    }
    return 0;
}
