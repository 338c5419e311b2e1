/*
 * The RFC 3161 responder (src/tsa) over arbitrary request bytes. Properties:
 * eseal_tsa_respond never fails because of the request (only the TSA's own
 * configuration may), the answer is always one whole DER TimeStampResp, and it
 * is granted only with a token, a rejection only without one. Each granted
 * token is then checked by eseal_tsa_verify_token against the same request,
 * which must find it VALID (the fuzzer's key and anchor are its own).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static eseal_key *key;
static eseal_cert *cert;
static eseal_trust *trust;
static uint64_t counter;

static int next_serial(void *ctx, uint64_t *serial)
{
    (void)ctx;
    *serial = ++counter;
    return ESEAL_OK;
}

static void init(void)
{
    if (key != NULL) {
        return;
    }
    /* A self-issued TSA certificate (critical timeStamping EKU) that is also the anchor. */
    eseal_buf spki = ESEAL_BUF_INIT;
    uint8_t serial[8] = {0x41, 2, 3, 4, 5, 6, 7, 8};
    es_cert_spec s = {0};
    s.profile = ES_PROFILE_TSA;
    s.common_name = "Fuzz TSA";
    s.not_before_ms = eseal_time_now() - 86400000LL;
    s.not_after_ms = eseal_time_now() + 86400000LL * 365;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    if (eseal_key_generate(&key, ESEAL_ALG_P256) != ESEAL_OK || eseal_key_public_der(&spki, key) != ESEAL_OK ||
        !es_ok(es_cert_issue(&cert, &s, es_span_of(spki.ptr, spki.size), key, NULL)) ||
        eseal_trust_new(&trust) != ESEAL_OK || eseal_trust_add_anchor(trust, cert) != ESEAL_OK) {
        abort();
    }
    eseal_buf_dispose(&spki);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    eseal_tsa_config c = ESEAL_TSA_CONFIG_INIT;
    c.key = key;
    c.cert = cert;
    c.next_serial = next_serial;
    c.include_tsa_name = (int)(size & 1);
    eseal_buf resp = ESEAL_BUF_INIT;
    if (eseal_tsa_respond(&resp, data, size, &c) != ESEAL_OK) {
        abort(); /* a request never makes the TSA fail */
    }
    int status = -1;
    if (eseal_tsa_response_status(&status, NULL, resp.ptr, resp.size) != ESEAL_OK) {
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
    return 0;
}
