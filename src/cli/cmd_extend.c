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
    const char *out = cli_get(a, "output") != NULL ? cli_get(a, "output") : in;
    eseal_extend_request q = ESEAL_EXTEND_REQUEST_INIT;
    const char *level = cli_get(a, "level");
    if (level != NULL && (eseal_level_from_name(&q.level, level) != ESEAL_OK ||
                          (q.level != ESEAL_LEVEL_B_LT && q.level != ESEAL_LEVEL_B_LTA))) {
        return cli_usage_error(&cli_cmd_extend, "--level takes B-LT or B-LTA, not '%s'", level);
    }
    const char *tsa[CLI_MAX_REPEAT];
    q.n_tsa_urls = cli_count(a, "tsa");
    for (size_t i = 0; i < q.n_tsa_urls; i++) {
        tsa[i] = cli_get_n(a, "tsa", i);
    }
    q.tsa_urls = q.n_tsa_urls > 0 ? tsa : NULL;
    const char *tmo = cli_get(a, "tsa-timeout");
    if (tmo != NULL) {
        char *end = NULL;
        long ms = strtol(tmo, &end, 10); /* !checksrc! allowed: checked below */
        if (end == NULL || *end != '\0' || ms < 1 || ms > 600000) {
            return cli_usage_error(&cli_cmd_extend, "--tsa-timeout takes milliseconds (1 to 600000), not '%s'", tmo);
        }
        q.tsa_timeout_ms = (unsigned int)ms;
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, q.level == ESEAL_LEVEL_B_LTA && q.n_tsa_urls == 0);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_stamp_result res;
    rc = eseal_instance_extend_pdf(inst, &res, in, out, &q);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    char tb[40] = "";
    if (res.time_ms != 0) {
        eseal_time_format(tb, sizeof(tb), res.time_ms);
    }
    if (a->json) {
        printf("{\"output\": ");
        cli_json_str(out);
        printf(", \"level\": ");
        cli_json_str(eseal_level_name(q.level));
        printf(", \"time\": ");
        cli_json_str(tb);
        printf(", \"time_source\": ");
        cli_json_str(res.time_source);
        printf("}\n");
    } else {
        printf("%s: %s\n", out, eseal_level_name(q.level));
        if (res.time_ms != 0) {
            printf("time: %s, %s\n", tb, res.time_source);
        }
    }
    return CLI_OK;
}

const cli_cmd cli_cmd_extend = {
    "extend", "raise a signed PDF to PAdES B-LT or B-LTA (validation data, document timestamp)",
    "Usage: eseal extend FILE.pdf [-o OUT.pdf] [--level B-LT|B-LTA] [--tsa URL ...] [--tsa-timeout MS]\n\n"
    "Adds to an already signed PDF, in incremental updates that leave every signed byte as it was:\n"
    "  B-LT   a document security store (/DSS) with the signers' certificates, this instance's CA and\n"
    "         TSA certificates and the CAs' latest CRLs (merged with any DSS already there);\n"
    "  B-LTA  (the default) also a document timestamp (/SubFilter /ETSI.RFC3161) over the whole file.\n"
    "Extending a B-LTA file again adds a new archive timestamp over the previous ones: do it before\n"
    "the last timestamp's TSA certificate expires to keep the proof alive.\n"
    "--tsa URL asks that RFC 3161 TSA (repeat for fallbacks, asked in order; default: this instance's\n"
    "own TSA, which needs the passphrase). A token is used only when it passes every client check\n"
    "(status, imprint, nonce, ESSCertIDv2, critical timeStamping EKU, chain and validity at its\n"
    "time); when no TSA gives one the command fails and writes nothing. The local clock is never used.\n"
    "Writes OUT.pdf (default: FILE.pdf itself) atomically.\n",
    opts, run};
