/* SPDX-License-Identifier: Apache-2.0 */
/* eseal serve --listen ADDR:PORT [--only LIST] [--tsa-alg p256|sm2] [--ca-alg sm2|p256|rsa] [--interval MS]
 *             [--max-upload BYTES] [--access-log FILE] [--no-pages] [--pdfjs-dir DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The largest --max-upload: 4 GiB (a document is verified from one mapping). */
#define CLI_MAX_UPLOAD (4ull << 30)

static const cli_opt_spec opts[] = {{"listen", 0, true, false},  {"only", 0, true, false},
                                    {"tsa-alg", 0, true, false}, {"ca-alg", 0, true, false},
                                    {"interval", 0, true, false}, {"threads", 0, true, false},
                                    {"max-upload", 0, true, false}, {"access-log", 0, true, false},
                                    {"tls-cert", 0, true, false},   {"tls-key", 0, true, false},
                                    {"no-pages", 0, false, false},  {"pdfjs-dir", 0, true, false},
                                    {NULL, 0, false, false}};

static const struct {
    const char *name;
    unsigned int bit;
} resources[] = {{"tsa", ESEAL_SERVE_TSA}, {"ocsp", ESEAL_SERVE_OCSP}, {"crl", ESEAL_SERVE_CRL},
                 {"ca", ESEAL_SERVE_CA},   {"log", ESEAL_SERVE_LOG},   {"api", ESEAL_SERVE_API},
                 {"pages", ESEAL_SERVE_PAGES}};

/* "tsa,ocsp": the resource bits. */
static int parse_only(const char *list, unsigned int *out)
{
    *out = 0;
    const char *p = list;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        size_t i = 0;
        while (i < sizeof(resources) / sizeof(resources[0]) &&
               (strlen(resources[i].name) != n || strncmp(resources[i].name, p, n) != 0)) {
            i++;
        }
        if (i == sizeof(resources) / sizeof(resources[0])) {
            return cli_usage_error(&cli_cmd_serve, "--only takes tsa, ocsp, crl, ca, log, api and pages, comma-separated, not '%.*s'",
                                   (int)n, p);
        }
        *out |= resources[i].bit;
        p += n + (p[n] == ',' ? 1 : 0);
    }
    return *out != 0 ? CLI_OK : cli_usage_error(&cli_cmd_serve, "--only names no resource");
}

static int run(cli_args *a)
{
    const char *listen = cli_get(a, "listen");
    if (a->npos != 0 || listen == NULL) {
        return cli_usage_error(&cli_cmd_serve, "serve needs --listen ADDR:PORT (and no other arguments)");
    }
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.listen = listen;
    if (cli_get(a, "only") != NULL && parse_only(cli_get(a, "only"), &o.resources) != CLI_OK) {
        return CLI_USAGE;
    }
    /* --no-pages: the web pages left out of what is served (all, or --only's list) */
    if (cli_flag(a, "no-pages")) {
        o.resources = (o.resources != 0 ? o.resources : ESEAL_SERVE_ALL) & ~ESEAL_SERVE_PAGES;
        if (o.resources == 0) {
            return cli_usage_error(&cli_cmd_serve, "--only pages with --no-pages serves nothing");
        }
    }
    o.pdfjs_dir = cli_get(a, "pdfjs-dir");
    o.tsa_hierarchy = cli_get(a, "tsa-alg");
    if (o.tsa_hierarchy != NULL && strcmp(o.tsa_hierarchy, "p256") != 0 && strcmp(o.tsa_hierarchy, "sm2") != 0) {
        return cli_usage_error(&cli_cmd_serve, "--tsa-alg must be p256 or sm2");
    }
    o.ca_hierarchy = cli_get(a, "ca-alg");
    if (o.ca_hierarchy != NULL && strcmp(o.ca_hierarchy, "sm2") != 0 && strcmp(o.ca_hierarchy, "p256") != 0 &&
        strcmp(o.ca_hierarchy, "rsa") != 0) {
        return cli_usage_error(&cli_cmd_serve, "--ca-alg must be sm2, p256 or rsa");
    }
    const char *iv = cli_get(a, "interval");
    if (iv != NULL) {
        char *end = NULL;
        unsigned long ms = strtoul(iv, &end, 10); /* !checksrc! allowed: checked below */
        if (iv[0] < '0' || iv[0] > '9' || end == NULL || *end != '\0' || ms < 1 || ms > CLI_MAX_LOG_INTERVAL_MS) {
            return cli_usage_error(&cli_cmd_serve, "--interval takes milliseconds (1 to %d), not '%s'",
                                   CLI_MAX_LOG_INTERVAL_MS, iv);
        }
        o.log_interval_ms = (unsigned int)ms;
    }
    const char *th = cli_get(a, "threads");
    if (th != NULL) {
        char *end = NULL;
        unsigned long n = strtoul(th, &end, 10); /* !checksrc! allowed: checked below */
        if (th[0] < '1' || th[0] > '9' || end == NULL || *end != '\0' || n > 64) {
            return cli_usage_error(&cli_cmd_serve, "--threads takes 1 to 64, not '%s'", th);
        }
        o.threads = (unsigned int)n;
    }
    const char *mu = cli_get(a, "max-upload");
    if (mu != NULL) {
        char *end = NULL;
        unsigned long long n = strtoull(mu, &end, 10); /* !checksrc! allowed: checked below */
        if (mu[0] < '1' || mu[0] > '9' || end == NULL || *end != '\0' || n > CLI_MAX_UPLOAD) {
            return cli_usage_error(&cli_cmd_serve, "--max-upload takes bytes (1 to %llu), not '%s'",
                                   (unsigned long long)CLI_MAX_UPLOAD, mu);
        }
        o.max_upload = (size_t)n;
    }
    o.access_log = cli_get(a, "access-log");
    o.tls_cert = cli_get(a, "tls-cert");
    o.tls_key = cli_get(a, "tls-key");
    if ((o.tls_cert == NULL) != (o.tls_key == NULL)) {
        return cli_usage_error(&cli_cmd_serve, "--tls-cert and --tls-key go together");
    }
    return cli_serve(a, "serve", &o);
}

const cli_cmd cli_cmd_serve = {
    "serve", "serve the instance over HTTP: the JSON API, TSA, OCSP, CRLs, CA certificates, the log",
    "Usage: eseal serve --listen ADDR:PORT [--only tsa,ocsp,crl,ca,log,api,pages] [--tsa-alg p256|sm2]\n"
    "                   [--ca-alg sm2|p256|rsa] [--interval MS] [--threads N] [--max-upload BYTES]\n"
    "                   [--access-log FILE] [--tls-cert CERT.pem --tls-key KEY.pem]\n"
    "                   [--no-pages] [--pdfjs-dir DIR]\n\n"
    "Serves every protocol resource of the instance on one port until SIGINT/SIGTERM (needs the\n"
    "passphrase: the keys are unlocked once, at start). ADDR is a numeric IPv4 or [IPv6] address;\n"
    "port 0 picks a free one (the banner says which):\n"
    "  POST /tsa, /tsa/p256, /tsa/sm2  RFC 3161 time-stamps, application/timestamp-query ->\n"
    "                                 application/timestamp-reply (/tsa: P-256, or --tsa-alg)\n"
    "  POST /ocsp, GET /ocsp/BASE64    RFC 6960 OCSP of every CA (or of --ca-alg's),\n"
    "                                 application/ocsp-request -> application/ocsp-response\n"
    "  GET  /crl/ID.crl               the latest CRL of CA ID, application/pkix-crl\n"
    "  GET  /ca/ID.crt                the certificate of CA ID, application/pkix-cert\n"
    "  GET  /checkpoint, /tile/...    the audit log (C2SP tlog-tiles), read-only; a publisher signs a\n"
    "                                 checkpoint within --interval ms (default 250) of appends\n"
    "  /api/v1/...                    the JSON API of the platform's users (docs/openapi.yaml,\n"
    "                                 docs/http-api.md): login and sessions (cookie eseal_session with\n"
    "                                 X-CSRF-Token), API tokens (Authorization: Bearer esk_...),\n"
    "                                 organisations, users, tokens; errors are application/problem+json;\n"
    "                                 POST /api/v1/verify takes a PDF or OFD of at most --max-upload\n"
    "                                 bytes (default 100000000), spooled to HOME/tmp, not memory\n"
    "  GET  /healthz, /readyz         liveness; readiness (the store reads, the keys are unlocked)\n"
    "  GET  /metrics                  Prometheus text format 0.0.4 (requests, durations, verifications)\n"
    "  GET  /, /v/SERIAL, /assets/... the web pages (docs/web.md): the verify page, a stamp's record\n"
    "                                 page (its QR code's target), their files (built into eseal);\n"
    "                                 GET /vendor/pdfjs/pdf.js and pdf.worker.js from Debian's libjs-pdf\n"
    "                                 (/usr/share/javascript/pdf/build, or --pdfjs-dir DIR); --no-pages\n"
    "                                 leaves them out\n"
    "Every request is logged as one JSON line (time, request id, principal, route, status,\n"
    "duration) on standard error, or appended to --access-log FILE; X-Request-Id is echoed.\n"
    "These are the URLs issued certificates name (AIA, CRL distribution point) when the instance's\n"
    "base URL points at this server. Other paths are 404, other methods 405 (with Allow), POST\n"
    "bodies of another media type 415, bodies over the resource's cap 413 (64 KiB for TSA and\n"
    "OCSP requests); TSA and OCSP requests that do not parse are answered inside the protocol\n"
    "(rejection, malformedRequest). --only serves some resources; --tsa-alg serves that TSA only;\n"
    "--threads sets the worker threads (1 to 64; default two per CPU). --tls-cert and --tls-key serve\n"
    "HTTPS (PEM; the key unencrypted and mode 0600); the session cookie is then Secure. Without\n"
    "them the server speaks plain HTTP: put a TLS proxy in front of it on any network.\n"
    "'eseal tsa serve', 'ocsp serve' and 'log serve' are this command restricted to theirs. The\n"
    "witness is a separate product: 'eseal witness serve'. Endpoints: docs/server.md.\n",
    opts, run};
