/* eseal ca export|crl */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {
    {"alg", 0, true, false}, {"output", 'o', true, false}, {"tsa", 0, false, false}, {NULL, 0, false, false}};

static const char *hierarchy_of(const char *alg)
{
    eseal_key_alg k;
    if (alg == NULL || eseal_key_alg_from_name(&k, alg) != ESEAL_OK) {
        return NULL;
    }
    return k == ESEAL_ALG_SM2 ? "sm2" : (k == ESEAL_ALG_RSA2048 || k == ESEAL_ALG_RSA3072) ? "rsa" : "p256";
}

static int run(cli_args *a)
{
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_ca, "ca needs a subcommand: export or crl");
    }
    const char *h = hierarchy_of(cli_get(a, "alg") != NULL ? cli_get(a, "alg") : "sm2");
    if (h == NULL) {
        return cli_usage_error(&cli_cmd_ca, "--alg must be sm2, p256 or rsa");
    }
    const char *out = cli_get(a, "output");
    bool crl = strcmp(a->pos[0], "crl") == 0;
    if (!crl && strcmp(a->pos[0], "export") != 0) {
        return cli_usage_error(&cli_cmd_ca, "unknown subcommand 'ca %s'", a->pos[0]);
    }
    if (cli_flag(a, "tsa") && (crl || strcmp(h, "rsa") == 0)) {
        return cli_usage_error(&cli_cmd_ca, "--tsa goes with 'ca export --alg sm2|p256'");
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, crl);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf data = ESEAL_BUF_INIT;
    rc = crl ? eseal_instance_crl_issue(inst, &data, h) : eseal_instance_ca_export(inst, &data, h, cli_flag(a, "tsa"));
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    int crc = cli_write_file(out != NULL ? out : "-", data.ptr, data.size);
    if (crc == CLI_OK && out != NULL && strcmp(out, "-") != 0 && !a->json) {
        fprintf(stderr, "wrote %s\n", out);
    }
    eseal_buf_dispose(&data);
    return crc;
}

const cli_cmd cli_cmd_ca = {
    "ca", "export CA chains, publish CRLs",
    "Usage:\n"
    "  eseal ca export --alg sm2|p256|rsa [--tsa] [-o CHAIN.pem]\n"
    "  eseal ca crl --alg sm2|p256|rsa [-o CRL.der]\n\n"
    "export: writes the issuing CA certificate followed by the root (PEM); with --tsa, the TSA\n"
    "certificate, then the issuing CA and the root.\n"
    "crl: issues fresh CRLs (DER) for the root and the issuing CA of the hierarchy, stores them,\n"
    "writes them under HOME/crl/, and outputs the issuing CA's CRL. Needs the passphrase.\n",
    opts, run};
