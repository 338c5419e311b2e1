/* SPDX-License-Identifier: Apache-2.0 */
/* eseal extend FILE.pdf [-o OUT.pdf] [--level B-LT|B-LTA] [--tsa URL ...] [--tsa-timeout MS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"output", 'o', true, false}, {"level", 0, true, false},
                                    {"tsa", 0, true, true},       {"tsa-timeout", 0, true, false},
                                    {NULL, 0, false, false}};

static int run(cli_args *a)
{
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_extend, "extend needs one signed PDF");
    }
    const char *in = a->pos[0];
    /* Without -o, FILE is extended in place: replaced atomically (rename) by itself plus the new updates, its
     * bytes an exact prefix of the result, so nothing of it is lost. "extend -" writes to standard output. */
    const char *out = cli_get(a, "output") != NULL ? cli_get(a, "output") : in;
    eseal_extend_request q = ESEAL_EXTEND_REQUEST_INIT;
    q.level = ESEAL_LEVEL_B_LTA; /* the default (what level 0 means), named in the output below */
    const char *level = cli_get(a, "level");
    if (level != NULL && (eseal_level_from_name(&q.level, level) != ESEAL_OK ||
                          (q.level != ESEAL_LEVEL_B_LT && q.level != ESEAL_LEVEL_B_LTA))) {
        return cli_usage_error(&cli_cmd_extend, "--level takes B-LT or B-LTA, not '%s'", level);
    }
    const char *tsa[CLI_MAX_REPEAT];
    if (cli_tsa_options(a, &cli_cmd_extend, tsa, &q.n_tsa_urls, &q.tsa_timeout_ms) != CLI_OK) {
        return CLI_USAGE;
    }
    q.tsa_urls = q.n_tsa_urls > 0 ? tsa : NULL;
    cli_spool sp = CLI_SPOOL_INIT;
    const char *in_path = NULL, *out_path = NULL;
    eseal_instance *inst = NULL;
    int rc = cli_spool_input(&sp, in, &in_path);
    if (rc == CLI_OK) {
        rc = cli_spool_output(&sp, out, &out_path);
    }
    if (rc == CLI_OK) {
        rc = cli_open(a, &inst, true); /* the instance's OCSP responder (and TSA) sign */
    }
    if (rc != CLI_OK) {
        cli_spool_cleanup(&sp);
        return rc;
    }
    eseal_stamp_result res;
    rc = eseal_instance_extend_pdf(inst, cli_principal(), &res, in_path, out_path, &q);
    eseal_instance_close(inst);
    int src = rc == ESEAL_OK ? cli_spool_finish(&sp) : CLI_OK;
    cli_spool_cleanup(&sp);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (src != CLI_OK) {
        return src;
    }
    if (strcmp(out, "-") == 0) {
        fprintf(stderr, "-: %s\n", eseal_level_name(q.level)); /* standard output holds the document */
    } else if (a->json) {
        printf("{\"output\": ");
        cli_json_str(out);
        cli_print_time_json(eseal_level_name(q.level), res.time_ms, res.time_source);
        printf("}\n");
    } else {
        printf("%s: %s\n", out, eseal_level_name(q.level));
        if (res.time_ms != 0) {
            cli_print_time_line(res.time_ms, res.time_source);
        }
    }
    return CLI_OK;
}

const cli_cmd cli_cmd_extend = {
    "extend", "raise a signed PDF to PAdES B-LT or B-LTA (validation data, document timestamp)",
    "Usage: eseal extend FILE.pdf [-o OUT.pdf] [--level B-LT|B-LTA] [--tsa URL ...] [--tsa-timeout MS]\n\n"
    "Adds to an already signed PDF, in incremental updates that leave every signed byte as it was:\n"
    "  B-LT   a document security store (/DSS) with the signers' and seal makers' certificates, this\n"
    "         instance's CA and TSA certificates, the CAs' latest CRLs and OCSP responses for the\n"
    "         signers', seal makers' and TSAs' chains (merged with any DSS already there);\n"
    "  B-LTA  (the default) also a document timestamp (/SubFilter /ETSI.RFC3161) over the whole file.\n"
    "Extending a B-LTA file again adds a new archive timestamp over the previous ones: do it before\n"
    "the last timestamp's TSA certificate expires to keep the proof alive.\n"
    "--tsa URL asks that RFC 3161 TSA (repeat for fallbacks, asked in order; default: this instance's\n"
    "own TSA of the newest signer's algorithm, SM2 or P-256). Needs the passphrase: OCSP responses for the DSS are signed by this instance's responders. A token is used only when it passes every client check\n"
    "(status, imprint, nonce, ESSCertIDv2, critical timeStamping EKU, chain and validity at its\n"
    "time); when no TSA gives one the command fails and writes nothing. The local clock is never used.\n"
    "Writes OUT.pdf atomically. Without -o, FILE.pdf itself is extended in place: replaced by a rename,\n"
    "its bytes an exact prefix of the new file (a hard link to it keeps the old version). FILE '-'\n"
    "reads standard input and then writes to standard output (or -o), only once the file is complete.\n",
    opts, run};
