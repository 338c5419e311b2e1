/* SPDX-License-Identifier: Apache-2.0 */
/* eseal cert issue|list|show|revoke|import */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"org", 0, true, false},      {"person", 0, true, false},
                                    {"uscc", 0, true, false},     {"id-number", 0, true, false},
                                    {"unit", 0, true, false},     {"country", 0, true, false},
                                    {"email", 0, true, false},    {"alg", 0, true, false},
                                    {"days", 0, true, false},     {"output", 'o', true, false},
                                    {"reason", 0, true, false},   {"at", 0, true, false},
                                    {"key", 0, true, false},      {"key-pass-file", 0, true, false},
                                    {"org-id", 0, true, false},   {NULL, 0, false, false}};

static void json_field(const char *name, const char *value, bool first)
{
    printf("%s\"%s\": ", first ? "{" : ", ", name);
    cli_json_str(value);
}

/* A key held in hardware (issue 23): its record names it by URI, not by a file under keys/. */
static bool key_in_hardware(const char *key_file)
{
    return key_file != NULL && (strncmp(key_file, "pkcs11:", 7) == 0 || strncmp(key_file, "skf:", 4) == 0);
}

static void print_record_json(const eseal_cert_record *r, const char *status)
{
    char nb[40], na[40], rv[40];
    cli_print_time(nb, sizeof(nb), r->not_before_ms);
    cli_print_time(na, sizeof(na), r->not_after_ms);
    const char *names[] = {"id", "role", "hierarchy", "alg", "subject", "serial", "fingerprint_sha256", "not_before",
                           "not_after"};
    const char *values[] = {r->id, r->role, r->hierarchy, r->alg, r->subject, r->serial, r->fingerprint, nb, na};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        json_field(names[i], values[i], i == 0);
    }
    printf(", \"has_key\": %s", r->key_file[0] != '\0' ? "true" : "false");
    /* A key in hardware: its URI, where the token or device holds it; a key file: null. */
    printf(", \"key_uri\": ");
    if (key_in_hardware(r->key_file)) {
        cli_json_str(r->key_file);
    } else {
        printf("null");
    }
    if (status != NULL) {
        json_field("status", status, false);
    }
    if (r->revoked_ms != 0) {
        cli_print_time(rv, sizeof(rv), r->revoked_ms);
        json_field("revoked_at", rv, false);
        printf(", \"revocation_reason\": %d", r->revocation_reason);
    } else {
        printf(", \"revoked_at\": null");
    }
    printf("}");
}

typedef struct {
    eseal_instance *inst;
    int n; /* text: rows printed; JSON: -1 before the first record, -2 after */
} list_state;

static int list_cb(const eseal_cert_record *r, void *payload)
{
    list_state *st = payload;
    eseal_cert_status status;
    int rc = eseal_instance_cert_status(st->inst, &status, r);
    if (rc != ESEAL_OK) {
        return rc;
    }
    char na[40];
    cli_print_time(na, sizeof(na), r->not_after_ms);
    na[10] = '\0';
    if (st->n < 0) {
        printf("%s", st->n == -1 ? "" : ",\n");
        print_record_json(r, eseal_cert_status_name(status));
        st->n = -2;
        return 0;
    }
    printf("%-16s  %-10s  %-5s  %-7s  %s  %-10s  %s\n", r->id, r->role, r->hierarchy[0] != '\0' ? r->hierarchy : "-",
           r->alg, na, eseal_cert_status_name(status), r->subject);
    st->n++;
    return 0;
}

static int do_issue(cli_args *a)
{
    const char *org = cli_get(a, "org");
    const char *person = cli_get(a, "person");
    if ((org == NULL) == (person == NULL)) {
        return cli_usage_error(&cli_cmd_cert, "cert issue needs exactly one of --org NAME or --person NAME");
    }
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.person = person != NULL;
    q.name = person != NULL ? person : org;
    q.uscc = cli_get(a, "uscc");
    q.person_id = cli_get(a, "id-number");
    q.org_unit = cli_get(a, "unit");
    q.country = cli_get(a, "country");
    q.email = cli_get(a, "email");
    q.org_id = cli_get(a, "org-id");
    q.key_ref = cli_get(a, "key"); /* a key in a device: "pkcs11:token=...;object=..." or "skf:..." (issue 23) */
    if (q.key_ref != NULL && strncmp(q.key_ref, "pkcs11:", 7) != 0 && strncmp(q.key_ref, "skf:", 4) != 0) {
        return cli_usage_error(&cli_cmd_cert, "cert issue --key takes a pkcs11: URI or an skf: reference (a key file is imported with "
                                              "cert import CERT.pem --key KEY.pem)");
    }
    if (org != NULL && q.uscc == NULL && q.org_id == NULL) {
        return cli_usage_error(&cli_cmd_cert, "an organisation certificate needs --uscc CODE (China) or --org-id ID");
    }
    const char *alg = cli_get(a, "alg");
    if (alg != NULL) {
        int rc = eseal_key_alg_from_name(&q.alg, alg);
        if (rc != ESEAL_OK) {
            return cli_usage_error(&cli_cmd_cert, "%s", eseal_error_last()->message);
        }
    }
    const char *days = cli_get(a, "days");
    if (days != NULL) {
        unsigned v = 0;
        for (const char *p = days; *p != '\0'; p++) {
            if (*p < '0' || *p > '9' || v > CLI_DIGITS_MAX) {
                return cli_usage_error(&cli_cmd_cert, "--days needs a number of days");
            }
            v = v * 10 + (unsigned)(*p - '0');
        }
        q.days = v;
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_cert_record rec;
    rc = eseal_instance_cert_issue(inst, cli_principal(), &rec, &q);
    if (rc != ESEAL_OK) {
        eseal_instance_close(inst);
        return cli_fail(rc);
    }
    const char *out = cli_get(a, "output");
    int crc = CLI_OK;
    if (out != NULL) {
        crc = cli_write_file(out, rec.pem, strlen(rec.pem));
    }
    if (a->json) {
        print_record_json(&rec, NULL);
        printf("\n");
    } else {
        /* -o -: standard output holds the certificate; its id goes to stderr */
        fprintf(out != NULL && strcmp(out, "-") == 0 ? stderr : stdout, "%s\n", rec.id);
    }
    eseal_cert_record_dispose(&rec);
    eseal_instance_close(inst);
    return crc;
}

static int do_list(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    list_state st = {inst, a->json ? -1 : 0};
    if (a->json) {
        printf("[");
    } else {
        printf("%-16s  %-10s  %-5s  %-7s  %-10s  %-10s  %s\n", "ID", "ROLE", "CA", "ALG", "EXPIRES", "STATUS",
               "SUBJECT");
    }
    rc = eseal_instance_cert_list(inst, list_cb, &st);
    if (a->json) {
        printf("]\n");
    }
    eseal_instance_close(inst);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int do_show(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_cert, "cert show needs a certificate id or file");
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_cert *cert = NULL;
    eseal_cert_record rec;
    rc = eseal_instance_cert_get(inst, &cert, &rec, a->pos[1]);
    if (rc != ESEAL_OK) {
        eseal_instance_close(inst);
        return cli_fail(rc);
    }
    const char *out = cli_get(a, "output");
    int crc = CLI_OK;
    if (out != NULL) {
        eseal_buf pem = ESEAL_BUF_INIT;
        rc = eseal_cert_pem(&pem, cert);
        crc = rc == ESEAL_OK ? cli_write_file(out, pem.ptr, pem.size) : cli_fail(rc);
        eseal_buf_dispose(&pem);
    }
    eseal_cert_status status = ESEAL_CERT_CURRENT;
    if (rec.id != NULL && (rc = eseal_instance_cert_status(inst, &status, &rec)) != ESEAL_OK) {
        crc = cli_fail(rc);
    }
    if (out != NULL && strcmp(out, "-") == 0) {
        /* standard output holds the certificate: no description */
    } else if (a->json && rec.id != NULL) {
        print_record_json(&rec, eseal_cert_status_name(status));
        printf("\n");
    } else {
        char nb[40], na[40];
        cli_print_time(nb, sizeof(nb), eseal_cert_not_before(cert));
        cli_print_time(na, sizeof(na), eseal_cert_not_after(cert));
        printf("id:          %s\nrole:        %s\nsubject:     %s\nissuer:      %s\nserial:      %s\n"
               "algorithm:   %s\nvalid:       %s .. %s\nsha256:      %s\nprivate key: %s\n",
               rec.id != NULL ? rec.id : "(not in this instance)", rec.role != NULL ? rec.role : "-",
               eseal_cert_subject(cert), eseal_cert_issuer(cert), eseal_cert_serial(cert),
               eseal_key_alg_name(eseal_cert_key_alg(cert)), nb, na, eseal_cert_fingerprint(cert),
               rec.key_file == NULL || rec.key_file[0] == '\0' ? "none"
               : key_in_hardware(rec.key_file)                ? rec.key_file /* in hardware: its URI */
                                                              : "in this instance (encrypted)");
        if (rec.id != NULL) {
            printf("status:      %s\n", eseal_cert_status_name(status));
        }
        if (rec.revoked_ms != 0) {
            char rv[40];
            cli_print_time(rv, sizeof(rv), rec.revoked_ms);
            printf("revoked:     %s (reason %d)\n", rv, rec.revocation_reason);
        }
    }
    eseal_cert_record_dispose(&rec);
    eseal_cert_free(cert);
    eseal_instance_close(inst);
    return crc;
}

static int do_revoke(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_cert, "cert revoke needs a certificate id");
    }
    int reason = 0;
    const char *rn = cli_get(a, "reason");
    if (rn != NULL && eseal_crl_reason_from_name(&reason, rn) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_cert, "%s", eseal_error_last()->message);
    }
    int64_t at = 0;
    const char *at_s = cli_get(a, "at");
    if (at_s != NULL && cli_parse_time(at_s, &at) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    rc = eseal_instance_cert_revoke(inst, cli_principal(), a->pos[1], reason, at);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (!a->json) {
        cli_note("revoked %s; a new CRL was published", a->pos[1]);
    } else {
        printf("{\"revoked\": ");
        cli_json_str(a->pos[1]);
        printf("}\n");
    }
    return CLI_OK;
}

static int do_import(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_cert, "cert import needs a certificate file (PEM, DER, or .p12)");
    }
    char kpass[1024] = "";
    const char *kpf = cli_get(a, "key-pass-file");
    bool have_kpass = false;
    if (kpf != NULL) {
        eseal_buf b = ESEAL_BUF_INIT;
        if (cli_read_file(kpf, &b, 1000) != CLI_OK) {
            return CLI_ERROR;
        }
        size_t n = strcspn((const char *)b.ptr, "\r\n");
        memcpy(kpass, b.ptr, n);
        kpass[n] = '\0';
        eseal_buf_dispose(&b);
        have_kpass = true;
    }
    eseal_instance *inst = NULL;
    const char *key = cli_get(a, "key");
    size_t plen = strlen(a->pos[1]);
    bool p12 = plen > 4 && (strcmp(a->pos[1] + plen - 4, ".p12") == 0 || strcmp(a->pos[1] + plen - 4, ".pfx") == 0);
    int rc = cli_open(a, &inst, key != NULL || p12);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_cert_record rec;
    rc = eseal_instance_cert_import(inst, cli_principal(), &rec, a->pos[1], key, have_kpass ? kpass : NULL);
    explicit_bzero(kpass, sizeof(kpass));
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        print_record_json(&rec, NULL);
        printf("\n");
    } else {
        printf("%s\n", rec.id);
    }
    eseal_cert_record_dispose(&rec);
    return CLI_OK;
}

static int do_issue_only(cli_args *a)
{
    return a->npos == 1 ? do_issue(a) : cli_usage_error(&cli_cmd_cert, "unexpected argument '%s'", a->pos[1]);
}

static int run(cli_args *a)
{
    static const cli_sub subs[] = {
        {"issue", do_issue_only}, {"list", do_list}, {"show", do_show}, {"revoke", do_revoke}, {"import", do_import},
    };
    return cli_dispatch(&cli_cmd_cert, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_cert = {
    "cert", "issue, list, show, revoke and import certificates",
    "Usage:\n"
    "  eseal cert issue --org NAME --uscc CODE [--alg sm2|p256|p384|rsa|rsa3072|ed25519] [--unit U]\n"
    "                   [--country CN] [--email E] [--days N] [-o CERT.pem]\n"
    "  eseal cert issue --org NAME --org-id ID [--country CC] [--alg ...] [--unit U] [--email E] ...\n"
    "  eseal cert issue --person NAME [--id-number ID] [--alg ...] [-o CERT.pem]\n"
    "  eseal cert issue --org NAME --uscc CODE --key 'pkcs11:token=LABEL;object=L' [-o CERT.pem]\n"
    "  eseal cert list\n"
    "  eseal cert show ID|CERT.pem [-o CERT.pem]\n"
    "  eseal cert revoke ID [--reason keyCompromise|superseded|...] [--at TIME]\n"
    "  eseal cert import CERT.pem --key KEY.pem [--key-pass-file F] | eseal cert import FILE.p12 [--key-pass-file F]\n\n"
    "issue: generates a key (encrypted under the instance passphrase) and a certificate from the\n"
    "issuing CA of the key's hierarchy (sm2 for SM2, rsa for RSA, p256 otherwise). Organisation\n"
    "certificates carry O, CN, C and organizationIdentifier (ETSI EN 319 412-1 §5.1.4). The\n"
    "country (C) is --country, else the --org-id's country, else the instance's (CN by default).\n"
    "In China (CN) the identifier is NTRCN-<USCC>: --uscc is required and its check character is\n"
    "checked (GB 32100-2015); --org-id NTRCN-<USCC> is the same. Elsewhere --org-id is required:\n"
    "VATDE-123456789, NTRDE-HRB12345, PSDGB-FCA-123456, LEIXG-<20-character LEI> (ISO 17442\n"
    "check digits; give --country), or a national scheme XX:CC-...; type, country, characters,\n"
    "length and check digits are checked. Key usage: digitalSignature, nonRepudiation. Prints\n"
    "the new certificate's id.\n"
    "With --key pkcs11:... the certificate is for a key in a hardware token (made with eseal key\n"
    "generate --token): no key is generated, the record keeps the URI, and every signature with\n"
    "the certificate is made by the token (its PIN: --pin-file, $ESEAL_TOKEN_PIN or the terminal).\n"
    "revoke: marks the certificate revoked and publishes a new CRL of its CA.\n"
    "import: records an external certificate, with its key re-encrypted under the instance\n"
    "passphrase; PKCS#12 files may use legacy algorithms (RC2-40).\n",
    opts, run};
