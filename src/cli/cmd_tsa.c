/* SPDX-License-Identifier: Apache-2.0 */
/* eseal tsa respond REQ.tsq -o RESP.tsr */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"alg", 0, true, false}, {"output", 'o', true, false},
                                    {"listen", 0, true, false}, {NULL, 0, false, false}};

/* The hierarchy whose TSA answers: --alg p256 (default) or sm2; NULL for anything else. */
static const char *tsa_alg(cli_args *a)
{
    const char *alg = cli_get(a, "alg") != NULL ? cli_get(a, "alg") : "p256";
    eseal_key_alg k;
    if (eseal_key_alg_from_name(&k, alg) != ESEAL_OK) {
        return NULL;
    }
    return k == ESEAL_ALG_P256 ? "p256" : k == ESEAL_ALG_SM2 ? "sm2" : NULL;
}

static int respond(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_tsa, "tsa respond needs exactly one REQ.tsq");
    }
    const char *out = cli_get(a, "output");
    if (out == NULL) {
        return cli_usage_error(&cli_cmd_tsa, "tsa respond needs -o RESP.tsr");
    }
    const char *alg = tsa_alg(a);
    if (alg == NULL) {
        return cli_usage_error(&cli_cmd_tsa, "--alg must be p256 or sm2");
    }
    eseal_buf req = ESEAL_BUF_INIT;
    /* Read a little past the TSA's cap so that an oversized request is answered (rejected), not refused. */
    int rc = cli_read_file(a->pos[1], &req, ESEAL_TSA_MAX_REQUEST + 1);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_instance *inst = NULL;
    rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        eseal_buf_dispose(&req);
        return rc;
    }
    eseal_buf resp = ESEAL_BUF_INIT;
    rc = eseal_instance_tsa_respond(inst, &resp, req.ptr, req.size, alg);
    eseal_instance_close(inst);
    eseal_buf_dispose(&req);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    int status = -1;
    unsigned int fail = 0;
    rc = eseal_tsa_response_status(&status, &fail, resp.ptr, resp.size);
    int crc = rc == ESEAL_OK ? cli_write_file(out, resp.ptr, resp.size) : cli_fail(rc);
    if (crc == CLI_OK) {
        bool granted = status == ESEAL_TSA_GRANTED || status == ESEAL_TSA_GRANTED_WITH_MODS;
        if (a->json) {
            printf("{\"response\": ");
            cli_json_str(out);
            printf(", \"status\": %d, \"fail_info\": %u, \"bytes\": %zu}\n", status, fail, resp.size);
        } else if (strcmp(out, "-") != 0) {
            printf("%s -> %s (%zu bytes, status %s", a->pos[1], out, resp.size, granted ? "granted" : "rejection");
            if (!granted) {
                printf(", failInfo 0x%x", fail);
            }
            printf(")\n");
        }
        crc = granted ? CLI_OK : CLI_NOT_VALID;
    }
    eseal_buf_dispose(&resp);
    return crc;
}

/* eseal tsa serve --listen ADDR:PORT: `eseal serve --only tsa --tsa-alg ALG`. */
static int serve(cli_args *a)
{
    const char *listen = cli_get(a, "listen");
    if (a->npos != 1 || listen == NULL) {
        return cli_usage_error(&cli_cmd_tsa, "tsa serve needs --listen ADDR:PORT");
    }
    const char *alg = tsa_alg(a);
    if (alg == NULL) {
        return cli_usage_error(&cli_cmd_tsa, "--alg must be p256 or sm2");
    }
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.listen = listen;
    o.resources = ESEAL_SERVE_TSA;
    o.tsa_hierarchy = alg;
    return cli_serve(a, "tsa", &o);
}

static const cli_sub subs[] = {{"respond", respond}, {"serve", serve}};

static int run(cli_args *a) { return cli_dispatch(&cli_cmd_tsa, a, subs, sizeof(subs) / sizeof(subs[0])); }

const cli_cmd cli_cmd_tsa = {
    "tsa", "answer RFC 3161 time-stamp requests",
    "Usage: eseal tsa respond REQ.tsq -o RESP.tsr [--alg p256|sm2]\n"
    "       eseal tsa serve --listen ADDR:PORT [--alg p256|sm2]\n\n"
    "Answers a DER TimeStampReq (e.g. from `openssl ts -query -data FILE -sha256 -cert`) with a\n"
    "DER TimeStampResp signed by the instance's P-256 (default) or SM2 TSA certificate (needs the\n"
    "passphrase). SM2 tokens are SM2 over SM3 with the ID 1234567812345678 (GM/T 0009), which\n"
    "`openssl ts -verify` cannot check (it verifies SM2 without the ID); see the manual.\n"
    "RFC 3161 with RFC 5816 signing-certificate-v2, genTime in milliseconds, accuracy 1 s, the\n"
    "nonce echoed, the TSA and issuing CA certificates included when the request asks (certReq).\n"
    "Accepted imprints: SHA-256, SHA-384, SHA-512, SM3; others are answered with a rejection\n"
    "(badAlg), as are malformed requests (badDataFormat) and foreign policies (unacceptedPolicy).\n"
    "Serial numbers come from the instance store. Check a P-256 response with\n"
    "  eseal ca export --tsa --alg p256 -o tsachain.pem\n"
    "  openssl ts -verify -data FILE -in RESP.tsr -CAfile tsachain.pem\n"
    "Exit status 0 when the time-stamp was granted, 1 when the response is a rejection.\n\n"
    "tsa serve answers the same over HTTP until SIGINT/SIGTERM: POST application/timestamp-query to\n"
    "http://ADDR:PORT/tsa (and /tsa/ALG), answered application/timestamp-reply (404 other paths, 405\n"
    "other methods, 415 other content types, 413 bodies over 64 KiB). The key is unlocked once, at\n"
    "start. It is 'eseal serve --only tsa --tsa-alg ALG': the same server restricted to this TSA.\n",
    opts, run};
