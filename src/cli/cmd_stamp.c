/* eseal stamp IN.pdf -o OUT.pdf --seal ID|SEAL.esl [--page N|last] [--at X,Y] [--cert ID] [--reason T] [--location T] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"output", 'o', true, false}, {"seal", 0, true, false},
                                    {"page", 0, true, false},     {"at", 0, true, false},
                                    {"cert", 0, true, false},     {"reason", 0, true, false},
                                    {"location", 0, true, false}, {"adbe", 0, false, false},
                                    {NULL, 0, false, false}};

static int parse_page(const char *s, int *out)
{
    if (strcmp(s, "last") == 0) {
        *out = -1;
        return CLI_OK;
    }
    char *end = NULL;
    long v = strtol(s, &end, 10); /* !checksrc! allowed: checked below */
    if (end == NULL || *end != '\0' || v < 1 || v > 1000000) {
        return cli_usage_error(&cli_cmd_stamp, "--page takes a page number or 'last', not '%s'", s);
    }
    *out = (int)v;
    return CLI_OK;
}

static int parse_at(const char *s, double *x, double *y)
{
    char *end = NULL;
    *x = strtod(s, &end); /* !checksrc! allowed: checked below */
    if (end != NULL && *end == ',') {
        *y = strtod(end + 1, &end); /* !checksrc! allowed: checked below */
    } else {
        end = NULL;
    }
    if (end == NULL || *end != '\0' || !(*x >= 0 && *x <= 5000) || !(*y >= 0 && *y <= 5000)) {
        return cli_usage_error(&cli_cmd_stamp, "--at takes X,Y in millimetres from the top-left, not '%s'", s);
    }
    return CLI_OK;
}

static int run(cli_args *a)
{
    const char *out = cli_get(a, "output");
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.seal_ref = cli_get(a, "seal");
    if (a->npos != 1 || out == NULL || q.seal_ref == NULL) {
        return cli_usage_error(&cli_cmd_stamp, "stamp needs IN.pdf, -o OUT.pdf and --seal ID|SEAL.esl");
    }
    const char *page = cli_get(a, "page");
    if (page != NULL && parse_page(page, &q.page) != CLI_OK) {
        return CLI_USAGE;
    }
    const char *at = cli_get(a, "at");
    if (at != NULL && parse_at(at, &q.x_mm, &q.y_mm) != CLI_OK) {
        return CLI_USAGE;
    }
    q.cert_ref = cli_get(a, "cert");
    q.reason = cli_get(a, "reason");
    q.location = cli_get(a, "location");
    q.adbe = cli_flag(a, "adbe");
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_stamp_result res;
    rc = eseal_instance_stamp_pdf(inst, &res, a->pos[0], out, &q);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        printf("{\"output\": ");
        cli_json_str(out);
        printf(", \"serial\": ");
        cli_json_str(res.serial);
        printf(", \"seal\": ");
        cli_json_str(res.esid);
        printf(", \"certificate\": ");
        cli_json_str(res.cert_id);
        printf("}\n");
    } else {
        printf("%s\n", res.serial);
    }
    return CLI_OK;
}

const cli_cmd cli_cmd_stamp = {
    "stamp", "stamp a PDF with a seal: a visible imprint and a PAdES signature",
    "Usage: eseal stamp IN.pdf -o OUT.pdf --seal ID|SEAL.esl [--page N|last] [--at X,Y]\n"
    "                   [--cert ID] [--reason TEXT] [--location TEXT] [--adbe]\n\n"
    "Appends one incremental update to IN.pdf (its bytes stay an exact prefix): the seal's\n"
    "GB/T 38540 data, a PAdES baseline B-B signature (ETSI.CAdES.detached, or adbe.pkcs7.detached\n"
    "with --adbe) by a certificate the seal allows, and the imprint drawn as vectors at its true\n"
    "size at --at X,Y millimetres from the page's top-left (default: 20 mm from the bottom-right\n"
    "corner) on --page (default: the last page), with the stamp serial printed under it.\n"
    "The seal must be active in this registry. Prints the stamp serial. Needs the passphrase.\n"
    "Encrypted PDFs and PDFs that need repair are refused.\n",
    opts, run};
