/* SPDX-License-Identifier: Apache-2.0 */
/* eseal sign FILE --cert ID|CERT.pem [-o FILE.p7s] */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"cert", 0, true, false}, {"output", 'o', true, false},
                                    {"hash", 0, true, false}, {"pss", 0, false, false},
                                    {"no-signing-time", 0, false, false}, {NULL, 0, false, false}};

static int run(cli_args *a)
{
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_sign, "sign needs exactly one FILE");
    }
    const char *cert = cli_get(a, "cert");
    if (cert == NULL) {
        return cli_usage_error(&cli_cmd_sign, "sign needs --cert ID|CERT.pem");
    }
    eseal_cms_sign_options o = ESEAL_CMS_SIGN_OPTIONS_INIT;
    const char *hash = cli_get(a, "hash");
    if (hash != NULL && eseal_hash_from_name(&o.hash, hash) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_sign, "%s", eseal_error_last()->message);
    }
    o.scheme = cli_flag(a, "pss") ? ESEAL_SCHEME_RSA_PSS : ESEAL_SCHEME_DEFAULT;
    o.omit_signing_time = cli_flag(a, "no-signing-time");
    char defout[4096];
    const char *out = cli_get(a, "output");
    if (out == NULL && strcmp(a->pos[0], "-") == 0) {
        out = "-"; /* sign - : from standard input to standard output */
    } else if (out == NULL) {
        int n = snprintf(defout, sizeof(defout), "%s.p7s", a->pos[0]);
        if (n < 0 || (size_t)n >= sizeof(defout)) {
            return cli_usage_error(&cli_cmd_sign, "file name too long");
        }
        out = defout;
    }
    /* "-": the content from standard input, through a private temporary file. */
    cli_spool sp = CLI_SPOOL_INIT;
    const char *in = NULL;
    eseal_instance *inst = NULL;
    int rc = cli_spool_input(&sp, a->pos[0], &in);
    if (rc == CLI_OK) {
        rc = cli_open(a, &inst, true);
    }
    if (rc != CLI_OK) {
        cli_spool_cleanup(&sp);
        return rc;
    }
    eseal_buf p7s = ESEAL_BUF_INIT;
    rc = eseal_instance_sign_file(inst, cli_principal(), &p7s, in, cert, &o);
    cli_spool_cleanup(&sp);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    int crc = cli_write_file(out, p7s.ptr, p7s.size);
    if (crc == CLI_OK) {
        if (a->json) {
            printf("{\"signature\": ");
            cli_json_str(out);
            printf(", \"bytes\": %zu}\n", p7s.size);
        } else if (strcmp(out, "-") != 0) {
            cli_note("signed %s -> %s (%zu bytes, detached CMS)", a->pos[0], out, p7s.size);
        }
    }
    eseal_buf_dispose(&p7s);
    return crc;
}

const cli_cmd cli_cmd_sign = {
    "sign", "make a detached CMS (CAdES) signature of any file",
    "Usage: eseal sign FILE --cert ID|CERT.pem [-o FILE.p7s] [--hash sha256|sha384|sha512|sm3]\n"
    "                  [--pss] [--no-signing-time]\n\n"
    "Signs FILE with the certificate's key (needs the passphrase) and writes a DER detached CMS\n"
    "SignedData (default FILE.p7s; '-' for standard output; FILE '-' signs standard input and\n"
    "writes to standard output unless -o) with the signed attributes\n"
    "contentType, messageDigest, signingTime and signing-certificate-v2, and the issuing CA\n"
    "certificate. SM2 keys sign with SM3 and the ID 1234567812345678; --pss selects RSA-PSS.\n",
    opts, run};
