/* SPDX-License-Identifier: Apache-2.0 */
/* eseal verify FILE.p7s --data FILE [--json] [--trust DIR] [--at TIME] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"data", 0, true, false},   {"trust", 0, true, false},
                                    {"crl", 0, true, true},     {"at", 0, true, false},
                                    {"signer", 0, true, false}, {"no-instance", 0, false, false},
                                    {"batch", 0, true, false},  {"online", 0, false, false},
                                    {"detail", 0, false, false}, {"digests", 0, true, false},
                                    {"report", 0, true, false},  {"lang", 0, true, false},
                                    {"report-alg", 0, true, false}, {"pictures", 0, false, false},
                                    {NULL, 0, false, false}};

/* --report OUT.html|OUT.pdf: which document, by the name's extension (case-insensitive). */
typedef enum { REPORT_NONE, REPORT_HTML, REPORT_PDF } report_kind;

static bool ends_with(const char *s, const char *ext)
{
    size_t n = strlen(s), e = strlen(ext);
    if (n <= e) {
        return false;
    }
    for (size_t i = 0; i < e; i++) {
        char c = s[n - e + i];
        if ((c >= 'A' && c <= 'Z' ? (char)(c + 32) : c) != ext[i]) {
            return false;
        }
    }
    return true;
}

/* --lang en|zh, else the environment's LANG (zh_CN.UTF-8 -> zh), else en. */
static const char *report_lang(const cli_args *a)
{
    const char *l = cli_get(a, "lang");
    if (l != NULL) {
        return l;
    }
    const char *env = getenv("LANG");
    return env != NULL && strncmp(env, "zh", 2) == 0 ? "zh" : "en";
}

/* Writes the report document: HTML from the report alone, a PDF signed by the instance's seal maker. */
static int write_report(const cli_args *a, eseal_instance *inst, const eseal_report *rep, report_kind kind)
{
    eseal_report_doc_options o = ESEAL_REPORT_DOC_OPTIONS_INIT;
    o.lang = report_lang(a);
    o.file_name = strcmp(a->pos[0], "-") == 0 ? NULL : a->pos[0];
    o.hierarchy = cli_get(a, "report-alg");
    eseal_buf doc = ESEAL_BUF_INIT;
    int rc = kind == REPORT_HTML ? eseal_report_to_html(&doc, rep, &o) : eseal_instance_report_pdf(inst, &doc, rep, &o);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    /* Written as every output of eseal is: a temporary file beside it, synced, renamed over it. */
    int wrc = cli_write_file(cli_get(a, "report"), doc.ptr, doc.size);
    eseal_buf_dispose(&doc);
    if (wrc == CLI_OK && strcmp(cli_get(a, "report"), "-") != 0) {
        cli_note("report written to %s (%s)", cli_get(a, "report"),
                 kind == REPORT_PDF ? "PDF, signed by the platform's seal maker" : "HTML, self-contained");
    }
    return wrc;
}

/* --digests LIST: "sha256", "sm3" or both, comma-separated (the report's document.sha256 / .sm3). */
static int parse_digests(cli_args *a, unsigned int *out, unsigned int dflt)
{
    const char *v = cli_get(a, "digests");
    *out = dflt;
    if (v == NULL) {
        return CLI_OK;
    }
    if (eseal_document_digests_parse(out, v) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_verify, "--digests takes sha256, sm3 or sha256,sm3, not '%s'", v);
    }
    return CLI_OK;
}

/* The file verified: a mapping, or a buffer read whole. */
static void release(eseal_buf *sig, eseal_mapped_file *map)
{
    if (map->ptr != NULL) {
        eseal_mapped_file_dispose(map);
        *sig = (eseal_buf)ESEAL_BUF_INIT;
    } else {
        eseal_buf_dispose(sig);
    }
}

/* --batch LIST: verify every PDF listed (one per line), one line each; exit 0 only when all are VALID. */
static int run_batch(cli_args *a, const eseal_verify_request *q)
{
    eseal_buf text = ESEAL_BUF_INIT;
    if (cli_read_file(cli_get(a, "batch"), &text, 64u << 20) != CLI_OK) {
        return CLI_ERROR;
    }
    eseal_instance *inst = NULL;
    if (!cli_flag(a, "no-instance")) {
        int orc = eseal_instance_open(&inst, cli_home(a));
        if (orc != ESEAL_OK && orc != ESEAL_ENOTFOUND) {
            eseal_buf_dispose(&text);
            return cli_fail(orc);
        }
    }
    int rc = CLI_OK;
    size_t n = 0, valid = 0;
    char *p = (char *)text.ptr;
    while (p != NULL && *p != '\0') {
        char *nl = strchr(p, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        if (*p != '\0' && *p != '#') {
            n++;
            eseal_buf pdf = ESEAL_BUF_INIT;
            eseal_mapped_file map = {0};
            eseal_report *rep = NULL;
            size_t max = (size_t)eseal_limits_default()->max_input_bytes;
            int vrc = eseal_file_map(&map, p, max);
            if (vrc == ESEAL_OK) {
                pdf.ptr = (uint8_t *)(uintptr_t)map.ptr; /* borrowed from the mapping */
                pdf.size = map.size;
            } else if (vrc == ESEAL_EUNSUPPORTED) {
                vrc = eseal_file_read(&pdf, p, max);
            }
            if (vrc == ESEAL_OK) {
                bool ofd = pdf.size >= 4 && memcmp(pdf.ptr, "PK\x03\x04", 4) == 0;
                vrc = ofd ? eseal_instance_verify_ofd(inst, &rep, pdf.ptr, pdf.size, q)
                          : eseal_instance_verify_pdf(inst, &rep, pdf.ptr, pdf.size, q);
            }
            if (vrc == ESEAL_OK && map.ptr != NULL && eseal_mapped_file_check(&map) != ESEAL_OK) {
                vrc = ESEAL_EIO; /* a report of zeros where the file was cut is not given */
                eseal_report_free(rep);
                rep = NULL;
            }
            if (vrc != ESEAL_OK) {
                printf("ERROR          %s: %s\n", p, eseal_error_last()->message);
                rc = CLI_ERROR;
            } else {
                eseal_verdict v = eseal_report_verdict(rep);
                printf("%-14s %s\n", eseal_verdict_name(v), p);
                valid += v == ESEAL_VALID;
                if (v != ESEAL_VALID && rc == CLI_OK) {
                    rc = CLI_NOT_VALID;
                }
                eseal_report_free(rep);
            }
            release(&pdf, &map);
        }
        p = nl != NULL ? nl + 1 : NULL;
    }
    eseal_instance_close(inst);
    eseal_buf_dispose(&text);
    cli_note("%zu of %zu documents VALID", valid, n);
    return rc;
}

static int run(cli_args *a)
{
    if (cli_get(a, "batch") != NULL) {
        if (a->npos != 0) {
            return cli_usage_error(&cli_cmd_verify, "verify --batch LIST takes no other file");
        }
        eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
        q.trust_path = cli_get(a, "trust");
        q.online = cli_flag(a, "online");
        const char *at = cli_get(a, "at");
        if (at != NULL && cli_parse_time(at, &q.at_ms) != CLI_OK) {
            return CLI_USAGE;
        }
        /* A batch prints verdicts only: no SM3 pass over every file unless asked for. */
        if (parse_digests(a, &q.document_digests, ESEAL_DOCUMENT_SHA256) != CLI_OK) {
            return CLI_USAGE;
        }
        return run_batch(a, &q);
    }
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_verify, "verify needs exactly one signature file");
    }
    const char *report = cli_get(a, "report");
    report_kind rk = report == NULL               ? REPORT_NONE
                     : ends_with(report, ".html") ? REPORT_HTML
                     : ends_with(report, ".htm")  ? REPORT_HTML
                     : ends_with(report, ".pdf")  ? REPORT_PDF
                                                  : (report_kind)-1;
    if ((int)rk == -1) {
        return cli_usage_error(&cli_cmd_verify, "--report takes a file name ending in .html or .pdf, not '%s'", report);
    }
    if (rk == REPORT_NONE && (cli_get(a, "lang") != NULL || cli_get(a, "report-alg") != NULL)) {
        return cli_usage_error(&cli_cmd_verify, "--lang and --report-alg go with --report");
    }
    if (rk != REPORT_NONE && strcmp(report_lang(a), "en") != 0 && strcmp(report_lang(a), "zh") != 0) {
        return cli_usage_error(&cli_cmd_verify, "--lang takes en or zh, not '%s'", report_lang(a));
    }
    if (rk == REPORT_PDF && cli_flag(a, "no-instance")) {
        return cli_usage_error(&cli_cmd_verify, "a PDF report is signed by the instance's seal maker: not with --no-instance");
    }
    if (rk != REPORT_NONE && strcmp(report, a->pos[0]) == 0) {
        return cli_usage_error(&cli_cmd_verify, "--report %s would replace the file verified", report);
    }
    const char *data = cli_get(a, "data");
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    q.trust_path = cli_get(a, "trust");
    q.online = cli_flag(a, "online");
    const char *crls[CLI_MAX_REPEAT];
    q.crl_count = cli_count(a, "crl");
    for (size_t i = 0; i < q.crl_count; i++) {
        crls[i] = cli_get_n(a, "crl", i);
    }
    q.crl_paths = crls;
    q.expected_signer = cli_get(a, "signer");
    const char *at = cli_get(a, "at");
    if (at != NULL && cli_parse_time(at, &q.at_ms) != CLI_OK) {
        return CLI_USAGE;
    }
    if (parse_digests(a, &q.document_digests, 0) != CLI_OK) {
        return CLI_USAGE;
    }
    q.pictures = cli_flag(a, "pictures"); /* seal.picture.data in the report (--json, report version 4) */
    if (rk != REPORT_NONE) {
        q.pictures = 1; /* the HTML and PDF reports show the imprints */
    }
    if (data != NULL && strcmp(data, "-") == 0 && strcmp(a->pos[0], "-") == 0) {
        return cli_usage_error(&cli_cmd_verify, "the signature and --data cannot both be standard input");
    }
    eseal_buf sig = ESEAL_BUF_INIT;
    eseal_mapped_file map = {0};
    bool pdf = false, ofd = false;
    if (data == NULL) {
        /* No --data: the file carries its own signatures (a PDF, an OFD): mapped, not copied, when it
         * can be (a large PDF is read once, by the verifier's hashes), and checked intact at the end. */
        size_t max = (size_t)eseal_limits_default()->max_input_bytes;
        int mrc = strcmp(a->pos[0], "-") != 0 ? eseal_file_map(&map, a->pos[0], max) : ESEAL_EUNSUPPORTED;
        if (mrc == ESEAL_OK) {
            sig.ptr = (uint8_t *)(uintptr_t)map.ptr; /* borrowed: never disposed as a buffer */
            sig.size = map.size;
        } else if (mrc != ESEAL_EUNSUPPORTED) {
            return cli_fail(mrc);
        } else if (cli_read_file(a->pos[0], &sig, max) != CLI_OK) {
            return CLI_ERROR;
        }
    } else if (cli_read_file(a->pos[0], &sig, 16u << 20) != CLI_OK) {
        return CLI_ERROR;
    }
    eseal_file_kind kind;
    int krc = eseal_file_kind_detect(&kind, sig.ptr, sig.size, a->pos[0]);
    if (krc != ESEAL_OK) {
        release(&sig, &map);
        return cli_fail(krc);
    }
    pdf = data == NULL && kind == ESEAL_FILE_PDF;
    ofd = data == NULL && kind == ESEAL_FILE_OFD;
    if (data == NULL && kind == ESEAL_FILE_CMS) {
        release(&sig, &map);
        return cli_usage_error(&cli_cmd_verify, "verify FILE.p7s needs --data FILE (the signed file)");
    }
    /* Verification needs no passphrase. Without an instance, only --trust anchors count. A PDF report
     * does: the seal maker's key signs it (asked for now, as the stamping commands ask, before the
     * verification's work; a wrong one at a terminal is asked again). */
    eseal_instance *inst = NULL;
    int rc = ESEAL_OK;
    if (rk == REPORT_PDF) {
        if (cli_open(a, &inst, true) != CLI_OK) {
            release(&sig, &map);
            return CLI_ERROR;
        }
    } else if (!cli_flag(a, "no-instance")) {
        rc = eseal_instance_open(&inst, cli_home(a));
        if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
            release(&sig, &map);
            return cli_fail(rc);
        }
    }
    eseal_report *rep = NULL;
    /* --data -: the signed content from standard input, through a private temporary file. */
    cli_spool sp = CLI_SPOOL_INIT;
    const char *data_path = data;
    if (!pdf && !ofd && cli_spool_input(&sp, data, &data_path) != CLI_OK) {
        eseal_instance_close(inst);
        release(&sig, &map);
        return CLI_ERROR;
    }
    rc = pdf   ? eseal_instance_verify_pdf(inst, &rep, sig.ptr, sig.size, &q)
         : ofd ? eseal_instance_verify_ofd(inst, &rep, sig.ptr, sig.size, &q)
               : eseal_instance_verify_cms(inst, &rep, sig.ptr, sig.size, data_path, &q);
    cli_spool_cleanup(&sp);
    if (rc == ESEAL_OK && map.ptr != NULL && eseal_mapped_file_check(&map) != ESEAL_OK) {
        rc = ESEAL_EIO; /* the report is of zeros where the file was cut: not given */
        eseal_report_free(rep);
        rep = NULL;
    }
    release(&sig, &map);
    if (rc != ESEAL_OK) {
        eseal_instance_close(inst);
        return cli_fail(rc);
    }
    if (rk != REPORT_NONE) {
        int wrc = write_report(a, inst, rep, rk);
        if (wrc != CLI_OK) {
            eseal_instance_close(inst);
            eseal_report_free(rep);
            return wrc;
        }
    }
    eseal_instance_close(inst);
    return cli_print_report(a, rep);
}

const cli_cmd cli_cmd_verify = {
    "verify", "verify a signature: VALID, INVALID or INDETERMINATE with reasons",
    "Usage: eseal verify FILE.p7s --data FILE [--detail|--json] [--trust PATH] [--crl FILE]... [--at TIME]\n"
    "       eseal verify FILE.pdf [--detail|--json] [--trust PATH] [--crl FILE]... [--at TIME]\n"
    "       eseal verify FILE.ofd [--detail|--json] [--trust PATH] [--at TIME] [--signer CERT.pem]\n"
    "       eseal verify FILE --report OUT.html|OUT.pdf [--lang en|zh] [--report-alg p256|sm2] [...]\n"
    "       eseal verify --batch LIST [--trust PATH] [--at TIME]   (PDFs and OFDs, one path per line)\n"
    "                    [--signer ID|CERT.pem] [--no-instance] [--digests LIST] [--pictures]\n\n"
    "Checks a detached CMS signature over FILE: the message digest, the signature value, the\n"
    "signing-certificate-v2 attribute, the signer's chain to the trust anchors (the instance's\n"
    "roots plus --trust, a PEM bundle or a directory), every certificate's validity at the\n"
    "validation time (--at, RFC 3339, default now) and revocation (the instance's CRLs plus --crl).\n"
    "A PDF or an OFD (recognised by content) carries its own signatures: each is checked (for an\n"
    "OFD: every Reference, unprotected files, dataHash, the signature over TBS_Sign, the chain, the\n"
    "seal and the signer's right to use it; the signature list against the package; with an\n"
    "instance, a later stamp of this very package in its audit log: LATER_STAMP_MISSING).\n"
    "Prints the verdict, then one paragraph per signature (which seal, who signed, when and how that\n"
    "time is known, what it covers, why it is not VALID, with ETSI EN 319 102-1 reason codes);\n"
    "--detail prints every section of the report (signature, signer, seal, time, coverage, checks,\n"
    "validation objects); --json the report as JSON (docs/verify-report.schema.json, explained in\n"
    "docs/verify-report.md). No passphrase is needed.\n\n"
    "  --signer REF    the signature must be made with this certificate (for an OFD: the certificate\n"
    "                  of plain Type=\"Sign\" signatures, which do not carry one)\n"
    "  --no-instance   ignore the local instance (trust only --trust)\n"
    "  --trust FILE    a PEM file with CRLs too ('eseal ca export --bundle') is read whole: its CRLs\n"
    "                  count, and its certificates issued by another of its certificates are\n"
    "                  intermediates, checked for revocation (docs/verifying.md)\n"
    "  --online        PDF: when neither the document's /DSS nor the trust set's CRLs cover a\n"
    "                  certificate, ask its OCSP responder (AIA), else fetch its CRL (CRL DP);\n"
    "                  answers are cached under HOME/cache/revocation until their nextUpdate.\n"
    "                  PDF and OFD: a seal of another platform recognised here (eseal trust) is\n"
    "                  asked about at its registry when neither the document nor the answers\n"
    "                  kept under HOME/cache/registry cover the time (without: INDETERMINATE,\n"
    "                  SEAL_STATUS_UNKNOWN); the answer is kept\n"
    "  --digests LIST  which digests of the whole file the report carries: sha256, sm3 or\n"
    "                  sha256,sm3 (the default; --batch: sha256); one left out is null and not\n"
    "                  computed (the SM3 pass is most of the time of a large file's verification)\n"
    "  --report OUT    also write the report as a document for people, by OUT's extension: .html\n"
    "                  one self-contained page (the verify page's view, the seal pictures inlined,\n"
    "                  no network request when opened); .pdf an A4 report signed by the platform's\n"
    "                  seal maker (a PAdES signature: needs the passphrase, and the instance)\n"
    "  --lang en|zh    the report's language; default from LANG (zh* -> zh, else en)\n"
    "  --report-alg A  which seal maker signs the PDF report: p256 (default: what PDF readers\n"
    "                  check) or sm2\n"
    "  --pictures      PDF and OFD: each embedded seal's picture in the report, base64, as\n"
    "                  seal.picture.data (--json; null without it): what a page shows of a stamp\n\n"
    "FILE '-' reads standard input (a PDF, an OFD, or with --data a CMS signature); --data - reads the\n"
    "signed content from standard input; --batch - reads the list from standard input. Only regular\n"
    "files are read: a FIFO, a device or a directory is refused (\"X is not a regular file\").\n\n"
    "Exit status: 0 VALID, 1 INVALID or INDETERMINATE, 2 usage, 3 could not verify.\n",
    opts, run};
