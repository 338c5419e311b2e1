/* SPDX-License-Identifier: Apache-2.0 */
/* eseal ocsp respond REQ.der -o RESP.der | eseal ocsp serve --listen ADDR:PORT */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"alg", 0, true, false}, {"output", 'o', true, false},
                                    {"listen", 0, true, false}, {NULL, 0, false, false}};

/* --alg sm2|p256|rsa selects one hierarchy; without it every CA of the instance answers. */
static int hierarchy_of(const cli_args *a, const char **out)
{
    const char *alg = cli_get(a, "alg");
    *out = NULL;
    if (alg == NULL) {
        return CLI_OK;
    }
    if (strcmp(alg, "sm2") == 0 || strcmp(alg, "p256") == 0 || strcmp(alg, "rsa") == 0) {
        *out = alg;
        return CLI_OK;
    }
    return cli_usage_error(&cli_cmd_ocsp, "--alg must be sm2, p256 or rsa");
}

static const char *status_name(int s)
{
    static const char *names[] = {"successful", "malformedRequest", "internalError", "tryLater",
                                  "(unused)", "sigRequired", "unauthorized"};
    return s >= 0 && s <= 6 ? names[s] : "?";
}

static int respond(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_ocsp, "ocsp respond needs exactly one REQ.der");
    }
    const char *out = cli_get(a, "output");
    if (out == NULL) {
        return cli_usage_error(&cli_cmd_ocsp, "ocsp respond needs -o RESP.der");
    }
    const char *h = NULL;
    int rc = hierarchy_of(a, &h);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf req = ESEAL_BUF_INIT;
    /* A little past the cap, so that an oversized request is answered (malformedRequest), not refused. */
    rc = cli_read_file(a->pos[1], &req, ESEAL_OCSP_MAX_REQUEST + 1);
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
    rc = eseal_instance_ocsp_respond(inst, &resp, req.ptr, req.size, h);
    eseal_instance_close(inst);
    eseal_buf_dispose(&req);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    int status = -1, cert_status = -1;
    rc = eseal_ocsp_response_status(&status, &cert_status, resp.ptr, resp.size);
    int crc = rc == ESEAL_OK ? cli_write_file(out, resp.ptr, resp.size) : cli_fail(rc);
    if (crc == CLI_OK) {
        static const char *cs[] = {"good", "revoked", "unknown"};
        const char *first = cert_status >= 0 && cert_status <= 2 ? cs[cert_status] : "-";
        if (a->json) {
            printf("{\"response\": ");
            cli_json_str(out);
            printf(", \"status\": \"%s\", \"cert_status\": \"%s\", \"bytes\": %zu}\n", status_name(status), first,
                   resp.size);
        } else if (strcmp(out, "-") != 0) {
            printf("%s -> %s (%zu bytes, %s", a->pos[1], out, resp.size, status_name(status));
            if (status == ESEAL_OCSP_SUCCESSFUL) {
                printf(", first certificate %s", first);
            }
            printf(")\n");
        }
        crc = status == ESEAL_OCSP_SUCCESSFUL ? CLI_OK : CLI_NOT_VALID;
    }
    eseal_buf_dispose(&resp);
    return crc;
}

/* eseal ocsp serve --listen ADDR:PORT: `eseal serve --only ocsp,crl,ca --ca-alg ALG`. */
static int serve(cli_args *a)
{
    const char *listen = cli_get(a, "listen");
    if (a->npos != 1 || listen == NULL) {
        return cli_usage_error(&cli_cmd_ocsp, "ocsp serve needs --listen ADDR:PORT");
    }
    const char *h = NULL;
    int rc = hierarchy_of(a, &h);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.listen = listen;
    o.resources = ESEAL_SERVE_OCSP | ESEAL_SERVE_CRL | ESEAL_SERVE_CA;
    o.ca_hierarchy = h;
    return cli_serve(a, "ocsp", &o);
}

static const cli_sub subs[] = {{"respond", respond}, {"serve", serve}};

static int run(cli_args *a) { return cli_dispatch(&cli_cmd_ocsp, a, subs, sizeof(subs) / sizeof(subs[0])); }

const cli_cmd cli_cmd_ocsp = {
    "ocsp", "answer RFC 6960 OCSP requests, serve CRLs",
    "Usage: eseal ocsp respond REQ.der -o RESP.der [--alg sm2|p256|rsa]\n"
    "       eseal ocsp serve --listen ADDR:PORT [--alg sm2|p256|rsa]\n\n"
    "Answers a DER OCSPRequest (e.g. from `openssl ocsp -issuer CA.pem -cert CERT.pem -reqout REQ.der`)\n"
    "with a DER OCSPResponse (needs the passphrase). Each CA of the instance (root and issuing CA of\n"
    "every hierarchy, or of --alg only) answers through a delegated responder certificate it issued\n"
    "(EKU OCSPSigning, id-pkix-ocsp-nocheck, valid 30 days; created by init, renewed here when less\n"
    "than a week is left). The status comes from the store: good, revoked with the time and reason\n"
    "given to `eseal cert revoke`, or unknown for a serial that CA never issued. thisUpdate is now,\n"
    "nextUpdate an hour later; a nonce is echoed; SHA-1 and SHA-256 CertIDs are accepted. Requests\n"
    "that are not DER OCSPRequests, over 64 KiB or with more than 64 CertIDs are answered\n"
    "malformedRequest; requests about other CAs' certificates unauthorized.\n"
    "Exit status 0 for a successful response, 1 otherwise. Check one with\n"
    "  openssl ocsp -respin RESP.der -issuer CA.pem -cert CERT.pem -CAfile ROOT.pem -resp_text\n\n"
    "ocsp serve answers the same over HTTP until SIGINT/SIGTERM (RFC 6960 appendix A):\n"
    "  POST http://ADDR:PORT/ocsp      application/ocsp-request -> application/ocsp-response\n"
    "  GET  http://ADDR:PORT/ocsp/B64  the base64 request in the path\n"
    "  GET  http://ADDR:PORT/crl/ID.crl   the CRLs published under HOME/crl (application/pkix-crl)\n"
    "  GET  http://ADDR:PORT/ca/ID.crt    the CA certificates (application/pkix-cert)\n"
    "(404 other paths, 405 other methods, 415 other content types, 413 bodies over 64 KiB), the URLs\n"
    "that issued certificates name in their AIA and CRL distribution point extensions when the\n"
    "instance's base URL points at this server. The keys are unlocked once, at start. It is\n"
    "'eseal serve --only ocsp,crl,ca --ca-alg ALG': the same server restricted to these. Try\n"
    "  openssl ocsp -issuer CA.pem -cert CERT.pem -url http://ADDR:PORT/ocsp -CAfile ROOT.pem\n",
    opts, run};
