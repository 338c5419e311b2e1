/* SPDX-License-Identifier: Apache-2.0 */
/* eseal stamp IN.pdf -o OUT.pdf --seal ID|SEAL.esl [--page N|last] [--at X,Y] [--cert ID] [--reason T] [--location T] */
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"output", 'o', true, false}, {"seal", 0, true, false},
                                    {"page", 0, true, false},     {"at", 0, true, false},
                                    {"cert", 0, true, false},     {"reason", 0, true, false},
                                    {"location", 0, true, false}, {"adbe", 0, false, false},
                                    {"batch", 0, true, false},    {"outdir", 'O', true, false},
                                    {"qr", 0, false, false},      {"certify", 0, true, false},
                                    {"cross-page", 0, true, false}, {"pss", 0, false, false},
                                    {"jobs", 'j', true, false},  {"lock", 0, true, false},
                                    {"lock-except", 0, true, false}, {"plain", 0, false, false},
                                    {"level", 0, true, false},   {"tsa", 0, true, true},
                                    {"tsa-timeout", 0, true, false},
                                    {"receipt", 0, true, false},
                                    {"approvals", 0, true, false}, {"client-ip", 0, true, false},
                                    {"device", 0, true, false},
                                    {"in-place", 0, false, false}, {"skip-existing", 0, false, false},
                                    {NULL, 0, false, false}};

#define BATCH_MAX 100000

/* What a batch has told so far: one line per document as soon as it is durable, and on a
 * terminal a progress line "[12/200] name" on stderr that the result lines do not garble. */
typedef struct {
    const char *const *in;
    char *const *out;
    size_t n, done, stamped, skipped, failed;
    bool tty;
} batch_view;

static void batch_progress(void *ctx, size_t i, const eseal_stamp_result *r)
{
    batch_view *v = ctx;
    v->done++;
    if (v->tty) {
        fputs("\r\033[K", stderr);
    }
    if (r->code != ESEAL_OK) {
        v->failed++;
        fprintf(stderr, "eseal: %s: %s\n", v->in[i], r->message);
    } else if (r->skipped) {
        v->skipped++;
        printf("skipped  %s -> %s (it exists)\n", v->in[i], v->out[i]);
    } else {
        v->stamped++;
        printf("%s  %s -> %s\n", r->serial, v->in[i], v->out[i]);
    }
    (void)fflush(stdout);
    if (v->tty) {
        const char *base = strrchr(v->in[i], '/');
        fprintf(stderr, "\r[%zu/%zu] %s", v->done, v->n, base != NULL ? base + 1 : v->in[i]);
    }
    (void)fflush(stderr);
}

/* --batch LIST -O DIR: one input path per line (LIST "-": standard input); outputs are DIR/<input's file name>. */
static int run_batch(cli_args *a, eseal_stamp_request *q)
{
    const char *list = cli_get(a, "batch"), *dir = cli_get(a, "outdir");
    if (dir == NULL || a->npos != 0) {
        return cli_usage_error(&cli_cmd_stamp, "stamp --batch LIST needs -O DIR and no other input");
    }
    eseal_buf text = ESEAL_BUF_INIT;
    if (cli_read_file(list, &text, 64u << 20) != CLI_OK) {
        return CLI_ERROR;
    }
    size_t cap = 0;
    for (size_t i = 0; i < text.size; i++) {
        cap += text.ptr[i] == '\n';
    }
    cap++;
    if (cap > BATCH_MAX) {
        eseal_buf_dispose(&text);
        return cli_usage_error(&cli_cmd_stamp, "--batch takes at most %d documents", BATCH_MAX);
    }
    const char **in = calloc(cap, sizeof(*in));      /* !checksrc! allowed: CLI scratch */
    char **out = calloc(cap, sizeof(*out));          /* !checksrc! allowed: CLI scratch */
    eseal_stamp_result *res = calloc(cap, sizeof(*res)); /* !checksrc! allowed: CLI scratch */
    int rc = CLI_OK;
    size_t n = 0;
    char *p = (char *)text.ptr;
    while (in != NULL && out != NULL && res != NULL && p != NULL && *p != '\0') {
        char *nl = strchr(p, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        if (*p != '\0' && *p != '#') {
            const char *base = strrchr(p, '/');
            base = base != NULL ? base + 1 : p;
            size_t len = strlen(dir) + strlen(base) + 2;
            out[n] = malloc(len); /* !checksrc! allowed: CLI scratch */
            if (out[n] == NULL) {
                break;
            }
            (void)snprintf(out[n], len, "%s/%s", dir, base);
            in[n++] = p;
        }
        p = nl != NULL ? nl + 1 : NULL;
    }
    eseal_instance *inst = NULL;
    if (in == NULL || out == NULL || res == NULL) {
        rc = cli_errorf(CLI_ERROR, "out of memory");
    } else if (n == 0) {
        rc = cli_usage_error(&cli_cmd_stamp, "%s lists no documents", strcmp(list, "-") == 0 ? "standard input" : list);
    } else if ((rc = cli_open(a, &inst, true)) == CLI_OK) {
        cli_interrupt_catch();
        batch_view v = {in, out, n, 0, 0, 0, 0, cli_stderr_tty()};
        q->progress = batch_progress;
        q->progress_ctx = &v;
        int lrc = eseal_instance_stamp_pdfs(inst, res, in, (const char *const *)out, n, q);
        eseal_instance_close(inst);
        if (v.tty && v.done > 0) {
            fputs("\r\033[K", stderr);
        }
        if (lrc == ESEAL_ECANCELED) {
            rc = cli_errorf(CLI_INTERRUPTED, "interrupted: %zu of %zu documents stamped (listed above), %zu skipped, "
                            "%zu failed, %zu not started; run again with --skip-existing to finish",
                            v.stamped, n, v.skipped, v.failed, n - v.done);
        } else if (lrc != ESEAL_OK && v.done == 0) {
            rc = cli_fail(lrc); /* before any document: the seal, the key, an output refused */
        } else if (v.failed > 0) {
            rc = cli_errorf(CLI_ERROR, "%zu of %zu documents were not stamped", v.failed, n);
        } else if (lrc != ESEAL_OK) {
            rc = cli_fail(lrc);
        }
    }
    for (size_t i = 0; out != NULL && i < n; i++) {
        free(out[i]); /* !checksrc! allowed: CLI scratch */
    }
    free(out); /* !checksrc! allowed: CLI scratch */
    free(in);  /* !checksrc! allowed: CLI scratch */
    free(res); /* !checksrc! allowed: CLI scratch */
    eseal_buf_dispose(&text);
    return rc;
}

static int parse_page(const char *s, int *out)
{
    if (strcmp(s, "last") == 0) {
        *out = -1;
        return CLI_OK;
    }
    char *end = NULL;
    long v = strtol(s, &end, 10); /* !checksrc! allowed: checked below */
    if (end == NULL || *end != '\0' || v < 1 || v > CLI_MAX_PAGE) {
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
    if (end == NULL || *end != '\0' || !(*x >= 0 && *x <= CLI_MAX_AT_MM) || !(*y >= 0 && *y <= CLI_MAX_AT_MM)) {
        return cli_usage_error(&cli_cmd_stamp, "--at takes X,Y in millimetres from the top-left, not '%s'", s);
    }
    return CLI_OK;
}

static int run(cli_args *a)
{
    const char *out = cli_get(a, "output");
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.seal_ref = cli_get(a, "seal");
    bool batch = cli_get(a, "batch") != NULL;
    q.in_place = cli_flag(a, "in-place");
    q.skip_existing = cli_flag(a, "skip-existing");
    if (q.in_place && q.skip_existing) {
        return cli_usage_error(&cli_cmd_stamp, "--in-place and --skip-existing exclude each other");
    }
    if (q.in_place && !batch && out == NULL && a->npos == 1) {
        out = a->pos[0]; /* stamp IN --in-place */
    }
    if (q.in_place && !batch && a->npos == 1 && (strcmp(a->pos[0], "-") == 0 || strcmp(out, "-") == 0)) {
        return cli_usage_error(&cli_cmd_stamp, "--in-place needs a file, not standard input or output");
    }
    if (q.seal_ref == NULL || (!batch && (a->npos != 1 || out == NULL))) {
        return cli_usage_error(&cli_cmd_stamp, "stamp needs IN.pdf, -o OUT.pdf (or --batch LIST -O DIR) and --seal ID|SEAL.esl");
    }
    const char *page = cli_get(a, "page");
    if (page != NULL && parse_page(page, &q.page) != CLI_OK) {
        return CLI_USAGE;
    }
    const char *at = cli_get(a, "at");
    if (at != NULL && parse_at(at, &q.x_mm, &q.y_mm) != CLI_OK) {
        return CLI_USAGE;
    }
    q.xy_exact = at != NULL; /* --at 0,Y means the left edge, not the default place */
    q.cert_ref = cli_get(a, "cert");
    q.reason = cli_get(a, "reason");
    q.location = cli_get(a, "location");
    q.adbe = cli_flag(a, "adbe");
    q.qr = cli_flag(a, "qr");
    q.pss = cli_flag(a, "pss");
    q.plain = cli_flag(a, "plain");
    const char *cross = cli_get(a, "cross-page");
    if (cross != NULL) {
        q.cross_page = 1;
        if (strcmp(cross, "all") != 0) {
            char *end = NULL;
            long f = strtol(cross, &end, 10); /* !checksrc! allowed: checked below */
            long l = 0;
            if (end != NULL && *end == '-') {
                l = strtol(end + 1, &end, 10); /* !checksrc! allowed: checked below */
            } else {
                end = NULL;
            }
            if (end == NULL || *end != '\0' || f < 1 || l <= f || l > CLI_MAX_PAGE) {
                return cli_usage_error(&cli_cmd_stamp, "--cross-page takes 'all' or FIRST-LAST, not '%s'", cross);
            }
            q.cross_first = (int)f;
            q.cross_last = (int)l;
        }
    }
    const char *certify = cli_get(a, "certify");
    if (certify != NULL) {
        if (strlen(certify) != 1 || certify[0] < '1' || certify[0] > '3') {
            return cli_usage_error(&cli_cmd_stamp, "--certify takes 1 (no changes), 2 (form filling and signing) "
                                                   "or 3 (also annotations), not '%s'", certify);
        }
        q.certify = certify[0] - '0';
    }
    const char *lock = cli_get(a, "lock"), *except = cli_get(a, "lock-except");
    if (lock != NULL && except != NULL) {
        return cli_usage_error(&cli_cmd_stamp, "--lock and --lock-except exclude each other");
    }
    if (lock != NULL) {
        q.lock = strcmp(lock, "all") == 0 ? ESEAL_PDF_LOCK_ALL : ESEAL_PDF_LOCK_INCLUDE;
        q.lock_fields = q.lock == ESEAL_PDF_LOCK_INCLUDE ? lock : NULL;
    } else if (except != NULL) {
        q.lock = ESEAL_PDF_LOCK_EXCLUDE;
        q.lock_fields = except;
    }
    const char *jobs = cli_get(a, "jobs");
    if (jobs != NULL) {
        char *end = NULL;
        long j = strtol(jobs, &end, 10); /* !checksrc! allowed: checked below */
        if (!batch || end == NULL || *end != '\0' || j < 1 || j > CLI_MAX_JOBS) {
            return cli_usage_error(&cli_cmd_stamp, "--jobs N (1 to %d) goes with --batch, not '%s'", CLI_MAX_JOBS,
                                   jobs);
        }
        q.jobs = (int)j;
    }
    const char *level = cli_get(a, "level");
    if (level != NULL && eseal_level_from_name(&q.level, level) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_stamp, "--level takes B-B, B-T, B-LT or B-LTA, not '%s'", level);
    }
    const char *tsa[CLI_MAX_REPEAT];
    if (cli_tsa_options(a, &cli_cmd_stamp, tsa, &q.n_tsa_urls, &q.tsa_timeout_ms) != CLI_OK) {
        return CLI_USAGE;
    }
    q.tsa_urls = q.n_tsa_urls > 0 ? tsa : NULL;
    /* Who asks: the local operator (the login of the effective user, not a name anyone may claim),
     * from where (--client-ip: a front end calling eseal on a client's behalf) and with what device. */
    eseal_principal who = *cli_principal();
    who.address = cli_get(a, "client-ip") != NULL ? cli_get(a, "client-ip") : who.address;
    who.device = cli_get(a, "device") != NULL ? cli_get(a, "device") : who.device;
    q.who = &who;
    q.approvals = cli_get(a, "approvals");
    const char *receipt = cli_get(a, "receipt");
    if (receipt != NULL && batch) {
        return cli_usage_error(&cli_cmd_stamp, "--receipt is for one document (a batch's receipts: eseal log receipt SERIAL)");
    }
    if (q.n_tsa_urls > 0 && q.level < ESEAL_LEVEL_B_T) {
        return cli_usage_error(&cli_cmd_stamp, "--tsa goes with --level B-T, B-LT or B-LTA");
    }
    /* SIGINT/SIGTERM once the passphrase is in (a Ctrl-C at the prompt just ends eseal): the documents
     * being stamped are finished (no temporary file stays), no other starts. */
    q.cancel = &cli_interrupted;
    if (batch) {
        return run_batch(a, &q);
    }
    /* "-": standard input (PDF or OFD, by content) and standard output, through private temporary files;
     * the document goes to standard output only once it is complete, and the results then go to stderr. */
    bool to_stdout = strcmp(out, "-") == 0;
    if (to_stdout && receipt != NULL && strcmp(receipt, "-") == 0) {
        return cli_usage_error(&cli_cmd_stamp, "-o - and --receipt - cannot both use standard output");
    }
    /* A passphrase on standard input comes before a document there: read first, as it always was. */
    bool pass_first = (a->pass_file != NULL && strcmp(a->pass_file, "-") == 0) ||
                      (a->pass_fd != NULL && strcmp(a->pass_fd, "0") == 0);
    eseal_instance *inst = NULL;
    int rc = pass_first ? cli_open(a, &inst, true) : CLI_OK;
    if (rc != CLI_OK) {
        return rc;
    }
    cli_spool sp = CLI_SPOOL_INIT;
    const char *in_path = NULL, *out_path = NULL;
    rc = cli_spool_input(&sp, a->pos[0], &in_path);
    cli_interrupt_catch(); /* from here on there are temporary files to remove */
    if (rc == CLI_OK) {
        rc = cli_spool_output(&sp, out, &out_path);
    }
    if (rc != CLI_OK) {
        eseal_instance_close(inst);
        cli_spool_cleanup(&sp);
        return rc;
    }
    eseal_stamp_result res;
    eseal_buf rcpt = ESEAL_BUF_INIT;
    int rrc = ESEAL_OK;
    /* A running agent of this home makes the stamp in its warm instance (docs/agent.md); when it
     * does not take it (none, busy, an older one), this process stamps. */
    int made = 0;
    if (inst == NULL) {
        rc = eseal_agent_stamp(cli_home(a), &res, in_path, out_path, &q, receipt != NULL ? &rcpt : NULL, &rrc,
                               &made);
    }
    if (!made) {
        int orc = inst == NULL ? cli_open(a, &inst, true) : CLI_OK;
        if (orc != CLI_OK) {
            cli_spool_cleanup(&sp);
            return orc;
        }
        rc = eseal_instance_stamp_pdf(inst, &res, in_path, out_path, &q);
        rrc = ESEAL_OK;
        if (rc == ESEAL_OK && receipt != NULL && !res.skipped) {
            rrc = eseal_instance_stamp_receipt(inst, &rcpt, res.serial);
        }
        eseal_instance_close(inst);
    }
    int src = rc == ESEAL_OK ? cli_spool_finish(&sp) : CLI_OK;
    cli_spool_cleanup(&sp);
    if (rc != ESEAL_OK || src != CLI_OK || res.skipped) {
        eseal_buf_dispose(&rcpt);
    }
    if (rc == ESEAL_ECANCELED) {
        return cli_errorf(CLI_INTERRUPTED, "interrupted: %s was not stamped", a->pos[0]);
    }
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (src != CLI_OK) {
        (void)fprintf(stderr, "eseal: the stamp %s (audit entry %lld) was made but not written out\n", res.serial,
                      (long long)res.log_index);
        return src;
    }
    if (res.skipped) {
        fprintf(stderr, "eseal: skipped: %s exists (--skip-existing)\n", out);
        return CLI_OK;
    }
    FILE *rf = to_stdout ? stderr : stdout; /* standard output holds the document */
    if (receipt != NULL) {
        int wrc = rrc == ESEAL_OK ? cli_write_file(receipt, rcpt.ptr, rcpt.size) : cli_fail(rrc);
        eseal_buf_dispose(&rcpt);
        if (wrc != CLI_OK) {
            (void)fprintf(stderr, "eseal: %s is stamped (serial %s, audit entry %lld) but its receipt was not "
                                  "written; get it with: eseal log receipt %s\n",
                          out, res.serial, (long long)res.log_index, res.serial);
            return wrc;
        }
    }
    if (to_stdout && a->json) {
        fprintf(rf, "{\"output\": \"-\", \"serial\": \"%s\", \"log_index\": %lld}\n", res.serial,
                (long long)res.log_index);
    } else if (to_stdout) {
        fprintf(rf, "%s\n", res.serial);
    } else if (a->json) {
        printf("{\"output\": ");
        cli_json_str(out);
        printf(", \"serial\": ");
        cli_json_str(res.serial);
        printf(", \"seal\": ");
        cli_json_str(res.esid);
        printf(", \"certificate\": ");
        cli_json_str(res.cert_id);
        cli_print_time_json(eseal_level_name(q.level), res.time_ms, res.time_source);
        printf(", \"log_index\": %lld}\n", (long long)res.log_index);
    } else {
        printf("%s\n", res.serial);
        if (q.level >= ESEAL_LEVEL_B_T) {
            cli_print_time_line(res.time_ms, res.time_source);
        }
    }
    return CLI_OK;
}

const cli_cmd cli_cmd_stamp = {
    "stamp", "stamp a PDF with a seal: a visible imprint and a PAdES signature",
    "Usage: eseal stamp IN.pdf -o OUT.pdf --seal ID|SEAL.esl [--page N|last] [--at X,Y]\n"
    "                   [--cert ID] [--reason TEXT] [--location TEXT] [--adbe] [--qr] [--certify 1|2|3]\n"
    "                   [--cross-page all|FIRST-LAST] [--pss] [--lock all|FIELD,... | --lock-except FIELD,...]\n"
    "                   [--level B-B|B-T|B-LT|B-LTA] [--tsa URL]... [--tsa-timeout MS]\n"
    "                   [--receipt OUT.receipt] [--approvals ID,...] [--client-ip IP]\n"
    "                   [--device ID] [--in-place] [--skip-existing]\n"
    "       eseal stamp --batch LIST -O DIR [-j N] [--skip-existing] --seal ID [same options]\n\n"
    "Appends one incremental update to IN.pdf (its bytes stay an exact prefix): the seal's\n"
    "GB/T 38540 data, a PAdES baseline B-B signature (ETSI.CAdES.detached, or adbe.pkcs7.detached\n"
    "with --adbe) by a certificate the seal allows, and the imprint drawn as vectors at its true\n"
    "size at --at X,Y millimetres from the top-left corner of the page as a viewer shows it (its\n"
    "CropBox, turned by its /Rotate; default: 20 mm from the right and bottom edges) on --page\n"
    "(default: the last page), upright, with the stamp serial printed under it.\n"
    "--cross-page: a riding-seam seal instead, sliced across the right edge of the pages (all, or\n"
    "FIRST-LAST), one signature; --at 0,Y sets its height (default centred). Pages are grouped\n"
    "so that no slice is narrower than 4 mm.\n"
    "--pss: RSA keys sign with RSA-PSS instead of PKCS#1 v1.5.\n"
    "--certify P makes the first signature of a document a certification signature (DocMDP):\n"
    "1 allows no later change, 2 form filling and further signatures, 3 also annotations.\n"
    "--lock locks form fields with this signature (FieldMDP): 'all', or the fields named (full\n"
    "names, comma-separated); --lock-except every field but those. Filling a locked field later\n"
    "makes the signature INVALID; filling the others is allowed.\n"
    "--qr adds a 16 mm QR code of <base_url>/v/<serial> (base_url from eseal.conf) to its right.\n"
    "The seal must be active in this registry. Prints the stamp serial. Needs the passphrase.\n"
    "--batch: stamps every PDF listed in LIST (one path per line; '-': standard input) into DIR under\n"
    "its own name, preparing the seal and unlocking the key once; prints one 'SERIAL IN -> OUT' line per\n"
    "document as soon as its output is durable (file and DIR synced, audit entry written), and on a\n"
    "terminal a progress line '[K/N] NAME' on stderr; exits 3 when any document failed (the others are\n"
    "still stamped). -j/--jobs N stamps with N threads (default: four per CPU). Two inputs with the same\n"
    "file name (a/x.pdf, b/x.pdf) are refused before anything is stamped.\n"
    "Ctrl-C (SIGINT) or SIGTERM: the documents being stamped are finished, no other is started, no\n"
    "temporary file is left; the ones done are listed and the exit status is 130. --skip-existing\n"
    "then resumes: a document whose output exists is not stamped again ('skipped IN -> OUT').\n\n"
    "IN '-' reads the document from standard input, -o - writes it to standard output (only once it is\n"
    "complete; the serial then goes to stderr). Only regular files are read: a FIFO, a device or a\n"
    "directory is refused. An output that is an input (the same file, also as ./IN, a hard link or\n"
    "-O the input's folder) is refused, so nothing is destroyed; --in-place (alone, or -o IN) replaces\n"
    "IN atomically by its stamped version (a rename).\n"
    "Encrypted PDFs and PDFs that need repair are refused.\n"
    "--level: B-B (default) claims the time in /M; B-T adds a signature timestamp (RFC 3161) to the\n"
    "CMS; B-LT also a /DSS (certificates and CRLs) in a further update; B-LTA also a document\n"
    "timestamp. Tokens come from each --tsa URL in order (default: this instance's TSA of the\n"
    "signer's algorithm, SM2 for an SM2 signer, else P-256) and must\n"
    "pass every client check; without one the stamp fails and writes nothing (the local clock is\n"
    "never used instead). A second output line 'time: ...' says where the time came from.\n\n"
    "eseal stamp IN.ofd -o OUT.ofd --seal ID [--page N|last] [--at X,Y] stamps an OFD package instead\n"
    "(recognised by content): a GB/T 38540 seal stamp in a new Sign_N (Signature.xml, a V4\n"
    "SES_Signature, the seal) shown by a StampAnnot at X,Y mm from the page's top-left (default 20 mm\n"
    "from the bottom-right corner); every other entry is kept byte for byte (docs/formats.md).\n"
    "--plain: a plain digital signature (Type=\"Sign\") by the seal's signer instead: the bare\n"
    "signature over Signature.xml, no seal and no imprint; verifiers need the signer's certificate.\n"
    "--level B-T puts the TSA's token into SES_Signature.timeStamp (not with --plain).\n\n"
    "Every stamp is an entry of the audit log (eseal log; docs/audit-log.md), durable before the\n"
    "stamped document is published: it is prepared under a temporary name beside OUT, authorised,\n"
    "recorded, and only then renamed into place; a failure before that leaves IN and OUT untouched\n"
    "(so --in-place is safe), and a crash after the record is written down as 'stamp.failed' by the\n"
    "next stamp. The entry names who stamped: the local operator (the login name of the effective\n"
    "user, kind 'operator') and the policy rule that allowed it; --client-ip (default 'local') and\n"
    "--device (default 'eseal-cli') say from where, held in the log only as salted commitments;\n"
    "--approvals names the approvals. --receipt writes the stamp's receipt (C2SP tlog-proof), which\n"
    "`eseal log verify-receipt RECEIPT --doc OUT.pdf` checks offline.\n",
    opts, run};
