/* SPDX-License-Identifier: Apache-2.0 */
/* eseal ca export|crl */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"alg", 0, true, false},
                                    {"output", 'o', true, false},
                                    {"tsa", 0, false, false},
                                    {"bundle", 0, false, false},
                                    {NULL, 0, false, false}};

/* ca export --bundle: anchors, issuing CAs and CRLs for recipients; a warning for each stale CRL. */
static int export_bundle(cli_args *a, const char *h, const char *out)
{
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf data = ESEAL_BUF_INIT;
    eseal_ca_bundle_info info;
    rc = eseal_instance_ca_bundle(inst, &data, h, &info);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (info.stale > 0) {
        fprintf(stderr, "warning: %zu CA%s without a current CRL (recipients will see REVOCATION_OUT_OF_DATE or "
                        "REVOCATION_UNKNOWN): %s\n",
                info.stale, info.stale == 1 ? "" : "s", info.stale_cas);
    }
    int crc = cli_write_file(out != NULL ? out : "-", data.ptr, data.size);
    if (crc == CLI_OK && out != NULL && !a->json) {
        fprintf(stderr, "wrote %s: %zu root certificate%s, %zu issuing CA%s, %zu CRL%s\n", out, info.anchors,
                info.anchors == 1 ? "" : "s", info.intermediates, info.intermediates == 1 ? "" : "s", info.crls,
                info.crls == 1 ? "" : "s");
    }
    eseal_buf_dispose(&data);
    return crc;
}

static const char *hierarchy_of(const char *alg)
{
    eseal_key_alg k;
    if (alg == NULL || eseal_key_alg_from_name(&k, alg) != ESEAL_OK) {
        return NULL;
    }
    return k == ESEAL_ALG_SM2 ? "sm2" : (k == ESEAL_ALG_RSA2048 || k == ESEAL_ALG_RSA3072) ? "rsa" : "p256";
}

typedef struct {
    bool json;
    bool first;
} renew_out;

static int print_renewed(const eseal_cert_record *old, const eseal_cert_record *renewed, void *payload)
{
    renew_out *o = payload;
    if (o->json) {
        printf("%s{\"role\": ", o->first ? "" : ", ");
        cli_json_str(renewed->role);
        printf(", \"hierarchy\": ");
        cli_json_str(renewed->hierarchy);
        printf(", \"id\": ");
        cli_json_str(renewed->id);
        printf(", \"subject\": ");
        cli_json_str(renewed->subject);
        printf(", \"replaces\": ");
        cli_json_str(old->id);
        printf(", \"replaced_status\": \"%s\"}", old->revoked_ms != 0 ? "revoked" : "superseded");
        o->first = false;
    } else {
        printf("%s\n", renewed->id);
        fprintf(stderr, "renewed %s %s: %s replaces %s (%s)\n", renewed->hierarchy, renewed->role, renewed->id,
                old->id, old->revoked_ms != 0 ? "revoked" : "now superseded");
    }
    return 0;
}

/* eseal ca renew ROLE --alg ALG */
static int do_renew(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_ca, "ca renew needs a role: issuing-ca, seal-maker or tsa");
    }
    const char *h = hierarchy_of(cli_get(a, "alg") != NULL ? cli_get(a, "alg") : "sm2");
    if (h == NULL) {
        return cli_usage_error(&cli_cmd_ca, "--alg must be sm2, p256 or rsa");
    }
    if (cli_get(a, "output") != NULL || cli_flag(a, "tsa")) {
        return cli_usage_error(&cli_cmd_ca, "ca renew takes only ROLE and --alg");
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    renew_out o = {a->json, true};
    if (a->json) {
        printf("{\"renewed\": [");
    }
    rc = eseal_instance_ca_renew(inst, cli_principal(), NULL, a->pos[1], h, print_renewed, &o);
    if (a->json) {
        printf("]}\n");
    }
    eseal_instance_close(inst);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int run(cli_args *a)
{
    if (a->npos >= 1 && strcmp(a->pos[0], "renew") == 0) {
        return do_renew(a);
    }
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
    if (cli_flag(a, "bundle")) {
        if (crl || cli_flag(a, "tsa")) {
            return cli_usage_error(&cli_cmd_ca, "--bundle goes with 'ca export' alone (not --tsa)");
        }
        return export_bundle(a, cli_get(a, "alg") != NULL ? h : NULL, out);
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, crl);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf data = ESEAL_BUF_INIT;
    rc = crl ? eseal_instance_crl_issue(inst, cli_principal(), &data, h)
             : eseal_instance_ca_export(inst, &data, h, cli_flag(a, "tsa"));
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    int crc = cli_write_file(out != NULL ? out : "-", data.ptr, data.size);
    if (crc == CLI_OK && out != NULL && strcmp(out, "-") != 0 && !a->json) {
        cli_note("wrote %s", out);
    }
    eseal_buf_dispose(&data);
    return crc;
}

const cli_cmd cli_cmd_ca = {
    "ca", "export CA chains and trust bundles, publish CRLs",
    "Usage:\n"
    "  eseal ca export --alg sm2|p256|rsa [--tsa] [-o CHAIN.pem]\n"
    "  eseal ca export --bundle [--alg sm2|p256|rsa] [-o BUNDLE.pem]\n"
    "  eseal ca crl --alg sm2|p256|rsa [-o CRL.der]\n"
    "  eseal ca renew issuing-ca|seal-maker|tsa --alg sm2|p256|rsa\n\n"
    "export: writes the issuing CA certificate followed by the root (PEM); with --tsa, the TSA\n"
    "certificate, then the issuing CA and the root.\n"
    "export --bundle: what a recipient needs to verify stamped documents offline, in one PEM file:\n"
    "the root certificates (trust anchors) of every hierarchy (or of --alg), the issuing CA\n"
    "certificates, and the latest CRL of every CA. Give it to 'eseal verify --no-instance --trust'.\n"
    "A CA whose latest CRL has expired (or that has none) is named in a warning on stderr:\n"
    "run 'eseal ca crl' first. No passphrase.\n"
    "crl: issues fresh CRLs (DER) for the root and the issuing CA of the hierarchy (and for every\n"
    "superseded issuing CA that is neither revoked nor expired), stores them, writes them under\n"
    "HOME/crl/, and outputs the current issuing CA's CRL. Needs the passphrase.\n"
    "renew: a new key and certificate for ROLE, issued by the current parent (the root for the\n"
    "issuing CA, the current issuing CA otherwise); it becomes the current one and the old one is\n"
    "kept (superseded, or revoked) so that what it signed still verifies. Run it after revoking\n"
    "one of them. A new issuing CA publishes its CRL at once; when the one it replaces was revoked,\n"
    "the seal maker and the TSA it certified are renewed too. Prints each new certificate's id;\n"
    "each is an audit log entry (cert.renewed). The root is not renewed (a new root is a new trust\n"
    "anchor). Needs the passphrase.\n",
    opts, run};
