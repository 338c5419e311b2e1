/* SPDX-License-Identifier: Apache-2.0 */
/* eseal seal make|show|verify|status|list|history|file|suspend|resume|revoke|cancel|renew|export|receipt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const cli_opt_spec opts[] = {
    {"cert", 0, true, true},        {"type", 0, true, false},     {"name", 0, true, false},
    {"image", 0, true, false},      {"size", 0, true, false},     {"text", 0, true, false},
    {"code", 0, true, false},       {"color", 0, true, false},    {"font", 0, true, false},
    {"maker", 0, true, false},      {"days", 0, true, false},     {"digests", 0, false, false},
    {"no-file", 0, false, false},   {"output", 'o', true, false}, {"reason", 0, true, false},
    {"at", 0, true, false},         {"imprint", 0, true, false},  {"trust", 0, true, false},
    {"seal", 0, true, false},       {"dpi", 0, true, false},      {"no-instance", 0, false, false},
    {NULL, 0, false, false}};

static void print_record_json(const eseal_seal_record *r)
{
    char a[40], b[40], c[40];
    cli_print_time(a, sizeof(a), r->valid_from_ms);
    cli_print_time(b, sizeof(b), r->valid_to_ms);
    cli_print_time(c, sizeof(c), r->created_ms);
    const char *tn = eseal_seal_type_name(r->type);
    const char *names[] = {"esid", "name", "type", "owner", "state", "valid_from", "valid_to", "created",
                           "certificates", "maker", "sha256", "renews", "renewed_by"};
    const char *values[] = {r->esid, r->name, tn != NULL ? tn : "?", r->owner, r->state, a, b, c,
                            r->cert_ids, r->maker_cert_id, r->sha256, r->prev_esid, r->next_esid};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        printf("%s\"%s\": ", i == 0 ? "{" : ", ", names[i]);
        cli_json_str(values[i]);
    }
    printf(", \"generation\": %lld}", (long long)r->generation);
}

/* Where the seal's keys are held, from what its maker signed (docs/seals.md): "hardware": [] for a
 * seal in software, null with the reason when the binding does not decode. */
static void print_hardware_json(const eseal_ses_seal *s)
{
    eseal_seal_hardware hw[ESEAL_SEAL_HARDWARE_MAX];
    size_t n = 0;
    int rc = eseal_ses_seal_hardware(s, hw, ESEAL_SEAL_HARDWARE_MAX, &n);
    if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
        printf(", \"hardware\": null, \"hardware_error\": ");
        cli_json_str(eseal_error_last()->message);
        return;
    }
    printf(", \"hardware\": [");
    for (size_t i = 0; i < n; i++) {
        char fp[65];
        for (size_t k = 0; k < 32; k++) {
            (void)snprintf(fp + 2 * k, 3, "%02x", hw[i].cert_sha256[k]);
        }
        const char *names[] = {"cert_sha256", "kind", "serial", "label", "key_id", "chip_id", "maker"};
        const char *values[] = {fp, hw[i].hw.kind, hw[i].hw.serial, hw[i].hw.label, hw[i].hw.key_id,
                                hw[i].hw.chip_id, hw[i].hw.maker};
        for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
            printf("%s\"%s\": ", f == 0 ? (i == 0 ? "{" : ", {") : ", ", names[f]);
            cli_json_str(values[f]);
        }
        printf("}");
    }
    printf("]");
}

static void print_hardware_text(const eseal_ses_seal *s)
{
    eseal_seal_hardware hw[ESEAL_SEAL_HARDWARE_MAX];
    size_t n = 0;
    int rc = eseal_ses_seal_hardware(s, hw, ESEAL_SEAL_HARDWARE_MAX, &n);
    if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
        printf("hardware:    (unreadable: %s)\n", eseal_error_last()->message);
        return;
    }
    if (n == 0) {
        printf("hardware:    none (keys in software)\n");
    }
    for (size_t i = 0; i < n; i++) {
        printf("hardware:    key held in %s %s \"%s\", serial %s%s%s\n", hw[i].hw.kind,
               hw[i].hw.chip_id[0] != '\0' ? "seal chip" : "token", hw[i].hw.label, hw[i].hw.serial,
               hw[i].hw.chip_id[0] != '\0' ? ", chip " : "", hw[i].hw.chip_id);
        printf("             key %s\n", hw[i].hw.key_id);
    }
}

static int parse_size(const char *s, double *w, double *h)
{
    char *end = NULL;
    *w = strtod(s, &end); /* !checksrc! allowed: bounded below */
    *h = 0;
    if (end != NULL && (*end == 'x' || *end == 'X')) {
        *h = strtod(end + 1, &end); /* !checksrc! allowed: bounded below */
    }
    if (end == NULL || *end != '\0' || !(*w >= CLI_MIN_SEAL_MM && *w <= CLI_MAX_SEAL_MM) ||
        !(*h == 0 || (*h >= CLI_MIN_SEAL_MM && *h <= CLI_MAX_SEAL_MM))) {
        return cli_usage_error(&cli_cmd_seal, "--size takes MM or WxH in millimetres (%d..%d), not '%s'",
                               CLI_MIN_SEAL_MM, CLI_MAX_SEAL_MM, s);
    }
    return CLI_OK;
}

static int do_make(cli_args *a)
{
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    /* --cert may repeat: every certificate given may stamp with the seal; the first names the owner. */
    const char *more[CLI_MAX_REPEAT];
    size_t ncert = cli_count(a, "cert");
    q.cert_ref = ncert > 0 ? cli_get_n(a, "cert", 0) : NULL;
    for (size_t i = 1; i < ncert; i++) {
        more[i - 1] = cli_get_n(a, "cert", i);
    }
    q.more_certs = more;
    q.more_cert_count = ncert > 0 ? ncert - 1 : 0;
    q.name = cli_get(a, "name");
    if (q.cert_ref == NULL || q.name == NULL) {
        return cli_usage_error(&cli_cmd_seal, "seal make needs --cert ID|CERT.pem and --name TEXT");
    }
    const char *type = cli_get(a, "type");
    eseal_seal_type t = ESEAL_SEAL_OFFICIAL;
    if (type != NULL && eseal_seal_type_from_name(&t, type) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_seal, "%s", eseal_error_last()->message);
    }
    q.type = t;
    q.image_path = cli_get(a, "image");
    q.text = cli_get(a, "text");
    q.code = cli_get(a, "code");
    q.font_path = cli_get(a, "font");
    q.hierarchy = cli_get(a, "maker");
    q.cert_digests = cli_flag(a, "digests");
    q.no_file = cli_flag(a, "no-file");
    q.reason = cli_get(a, "reason");
    const char *size = cli_get(a, "size");
    if (size != NULL && parse_size(size, &q.width_mm, &q.height_mm) != CLI_OK) {
        return CLI_USAGE;
    }
    const char *color = cli_get(a, "color");
    if (color != NULL) {
        unsigned long v = 0;
        const char *hex = color[0] == '#' ? color + 1 : color;
        char *end = NULL;
        v = strtoul(hex, &end, 16); /* !checksrc! allowed: checked below */
        if (strlen(hex) != 6 || end == NULL || *end != '\0' || v == 0) {
            return cli_usage_error(&cli_cmd_seal, "--color takes RRGGBB (e.g. E60012), not '%s'", color);
        }
        q.color = (uint32_t)v;
    }
    const char *days = cli_get(a, "days");
    if (days != NULL) {
        char *end = NULL;
        unsigned long d = strtoul(days, &end, 10); /* !checksrc! allowed: checked below */
        if (end == NULL || *end != '\0' || d == 0 || d > CLI_MAX_DAYS) {
            return cli_usage_error(&cli_cmd_seal, "--days takes 1..%d, not '%s'", CLI_MAX_DAYS, days);
        }
        q.days = (unsigned)d;
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    rc = eseal_instance_seal_make(inst, cli_principal(), &rec, &der, &q);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    const char *out = cli_get(a, "output");
    int crc = out != NULL ? cli_write_file(out, der.ptr, der.size) : CLI_OK;
    if (crc == CLI_OK) {
        if (a->json) {
            print_record_json(&rec);
            printf("\n");
        } else {
            printf("%s\n", rec.esid);
            if (a->verbose) {
                cli_note("seal %s: %s, %zu bytes%s%s", rec.esid, rec.state, der.size, out ? " -> " : "", out ? out : "");
            }
        }
    }
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
    return crc;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A seal given as a file, or by esID from the registry. */
static int load_seal(cli_args *a, const char *ref, eseal_buf *der, eseal_instance **inst_out)
{
    if (is_file(ref)) {
        return cli_read_file(ref, der, 16u << 20);
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_seal_record rec;
    rc = eseal_instance_seal_get(inst, &rec, der, ref);
    if (rc == ESEAL_OK) {
        eseal_seal_record_dispose(&rec);
    }
    if (inst_out != NULL && rc == ESEAL_OK) {
        *inst_out = inst;
    } else {
        eseal_instance_close(inst);
    }
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

/* --imprint OUT.png|.svg|.pdf: drawn again from the registry when the seal is ours, else its picture. */
static int write_imprint(cli_args *a, const eseal_ses_seal *s, const char *path)
{
    const eseal_seal_info *in = eseal_ses_seal_info(s);
    size_t n = strlen(path);
    const char *ext = n > 4 ? path + n - 4 : "";
    eseal_imprint_format fmt;
    if (strcmp(path, "-") == 0 || strcmp(ext, ".png") == 0) { /* "-": PNG on standard output */
        fmt = ESEAL_IMPRINT_PNG;
    } else if (strcmp(ext, ".svg") == 0) {
        fmt = ESEAL_IMPRINT_SVG;
    } else if (strcmp(ext, ".pdf") == 0) {
        fmt = ESEAL_IMPRINT_PDF;
    } else {
        return cli_usage_error(&cli_cmd_seal, "--imprint writes OUT.png, OUT.svg or OUT.pdf");
    }
    unsigned dpi = 0;
    const char *dpis = cli_get(a, "dpi");
    if (dpis != NULL) {
        char *end = NULL;
        unsigned long v = strtoul(dpis, &end, 10); /* !checksrc! allowed: checked below */
        if (end == NULL || *end != '\0' || v < CLI_MIN_DPI || v > CLI_MAX_DPI) {
            return cli_usage_error(&cli_cmd_seal, "--dpi takes %d..%d, not '%s'", CLI_MIN_DPI, CLI_MAX_DPI, dpis);
        }
        dpi = (unsigned)v;
    }
    eseal_instance *inst = NULL;
    eseal_buf img = ESEAL_BUF_INIT;
    int rc = ESEAL_ENOTFOUND;
    if (!cli_flag(a, "no-instance") && eseal_instance_open(&inst, cli_home(a)) == ESEAL_OK) {
        eseal_seal_record rec;
        if (eseal_instance_seal_get(inst, &rec, NULL, in->esid) == ESEAL_OK) {
            if (strcmp(rec.esid, in->esid) == 0) {
                rc = eseal_instance_seal_imprint(inst, &img, rec.esid, fmt, dpi);
            }
            eseal_seal_record_dispose(&rec);
        }
        eseal_instance_close(inst);
        if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
            return cli_fail(rc);
        }
    }
    if (rc == ESEAL_OK) {
        rc = cli_write_file(path, img.ptr, img.size);
        eseal_buf_dispose(&img);
        return rc;
    }
    /* Not ours: the picture in the seal is all there is. */
    bool png = in->picture_type != NULL && strcasecmp(in->picture_type, "PNG") == 0;
    bool svg = in->picture_type != NULL && strcasecmp(in->picture_type, "SVG") == 0;
    if ((png && fmt == ESEAL_IMPRINT_PNG) || (svg && fmt == ESEAL_IMPRINT_SVG)) {
        return cli_write_file(path, in->picture.ptr, in->picture.len);
    }
    return cli_errorf(CLI_ERROR, "the seal's picture is %s and the seal is not in this registry: it can be written "
                      "only as %s",
                      in->picture_type, png ? "OUT.png" : svg ? "OUT.svg" : "it is (extract it with --json tools)");
}

static int do_show(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_seal, "seal show needs one FILE.esl or seal id");
    }
    eseal_buf der = ESEAL_BUF_INIT;
    eseal_instance *inst = NULL;
    int rc = load_seal(a, a->pos[1], &der, &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    char state[64] = "";
    if (inst != NULL) {
        eseal_seal_record rec;
        if (eseal_instance_seal_get(inst, &rec, NULL, a->pos[1]) == ESEAL_OK) {
            (void)snprintf(state, sizeof(state), "%s", rec.state);
            eseal_seal_record_dispose(&rec);
        }
        eseal_instance_close(inst);
    }
    eseal_ses_seal *s = NULL;
    rc = eseal_ses_seal_decode(&s, der.ptr, der.size);
    eseal_buf_dispose(&der);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    const eseal_seal_info *in = eseal_ses_seal_info(s);
    char c[40], f[40], t[40];
    cli_print_time(c, sizeof(c), in->create_ms);
    cli_print_time(f, sizeof(f), in->valid_start_ms);
    cli_print_time(t, sizeof(t), in->valid_end_ms);
    const char *tn = eseal_seal_type_name(in->type);
    static const char *const fmts[] = {"", "GM/T 0031-2014 (V1)", "", "", "GB/T 38540-2020 (V4)",
                                       "GM/T 0031-2025 (V5)"};
    const char *imprint = cli_get(a, "imprint");
    if (imprint != NULL && strcmp(imprint, "-") == 0) {
        /* standard output holds the picture: no description */
    } else if (a->json) {
        const char *names[] = {"esid", "name", "vid", "format", "created", "valid_from", "valid_to", "picture_type",
                               "algorithm", "algorithm_oid"};
        const char *values[] = {in->esid, in->name, in->vid, fmts[eseal_ses_seal_format(s)], c, f, t,
                                in->picture_type, eseal_sig_alg_name(eseal_ses_seal_sig_alg(s)),
                                eseal_ses_seal_sig_alg(s)};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            printf("%s\"%s\": ", i == 0 ? "{" : ", ", names[i]);
            cli_json_str(values[i]);
        }
        printf(", \"type\": ");
        if (tn != NULL) {
            cli_json_str(tn);
        } else {
            printf("%lld", (long long)in->type);
        }
        printf(", \"picture_mm\": [%lld, %lld], \"certificates\": %zu, \"cert_list_type\": %d",
               (long long)in->picture_width_mm, (long long)in->picture_height_mm, in->cert_count,
               in->cert_list_type);
        print_hardware_json(s);
        printf("}\n");
    } else {
        printf("esID:        %s\n", in->esid);
        if (state[0] != '\0') {
            printf("registry:    %s\n", state);
        }
        printf("name:        %s\n", in->name);
        if (tn != NULL) {
            printf("type:        %s (%lld)\n", tn, (long long)in->type);
        } else {
            printf("type:        %lld\n", (long long)in->type);
        }
        printf("format:      %s, header version %lld, vendor %s\n", fmts[eseal_ses_seal_format(s)],
               (long long)eseal_ses_seal_header_version(s), in->vid);
        printf("created:     %s\n", c);
        printf("valid:       %s .. %s\n", f, t);
        printf("picture:     %s, %lldx%lld mm, %zu bytes\n", in->picture_type, (long long)in->picture_width_mm,
               (long long)in->picture_height_mm, in->picture.len);
        printf("signers:     %zu %s\n", in->cert_count, in->cert_list_type == 2 ? "certificate digest(s)" : "certificate(s)");
        for (size_t i = 0; i < in->cert_count && in->cert_list_type == 1; i++) {
            eseal_cert *cert = NULL;
            if (eseal_cert_parse(&cert, in->certs[i].ptr, in->certs[i].len) == ESEAL_OK) {
                printf("  %s (serial %s)\n", eseal_cert_subject(cert), eseal_cert_serial(cert));
                eseal_cert_free(cert);
            } else {
                printf("  (not a certificate)\n");
            }
        }
        eseal_bytes mc = eseal_ses_seal_maker_cert(s);
        eseal_cert *maker = NULL;
        if (eseal_cert_parse(&maker, mc.ptr, mc.len) == ESEAL_OK) {
            printf("maker:       %s\n", eseal_cert_subject(maker));
            eseal_cert_free(maker);
        }
        printf("algorithm:   %s\n", eseal_sig_alg_name(eseal_ses_seal_sig_alg(s)));
        print_hardware_text(s);
        for (size_t i = 0; i < eseal_ses_seal_note_count(s); i++) {
            printf("note:        %s\n", eseal_ses_seal_note(s, i));
        }
    }
    rc = CLI_OK;
    if (imprint != NULL) {
        rc = write_imprint(a, s, imprint);
    }
    eseal_ses_seal_free(s);
    return rc;
}

static int open_for_verify(cli_args *a, eseal_instance **inst)
{
    *inst = NULL;
    if (cli_flag(a, "no-instance")) {
        return CLI_OK;
    }
    int rc = eseal_instance_open(inst, cli_home(a));
    if (rc != ESEAL_OK && rc != ESEAL_ENOTFOUND) {
        return cli_fail(rc);
    }
    return CLI_OK;
}

static int do_verify(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_seal, "seal verify needs one FILE.esl");
    }
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    q.trust_path = cli_get(a, "trust");
    const char *at = cli_get(a, "at");
    if (at != NULL && cli_parse_time(at, &q.at_ms) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_buf der = ESEAL_BUF_INIT;
    if (cli_read_file(a->pos[1], &der, 16u << 20) != CLI_OK) {
        return CLI_ERROR;
    }
    eseal_instance *inst = NULL;
    int rc = open_for_verify(a, &inst);
    if (rc != CLI_OK) {
        eseal_buf_dispose(&der);
        return rc;
    }
    eseal_report *rep = NULL;
    rc = eseal_instance_seal_verify(inst, &rep, der.ptr, der.size, &q);
    eseal_instance_close(inst);
    eseal_buf_dispose(&der);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    return cli_print_report(a, rep);
}

static int do_receipt(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_seal, "seal receipt needs one seal id or RECEIPT file");
    }
    eseal_buf der = ESEAL_BUF_INIT, seal = ESEAL_BUF_INIT;
    const char *out = cli_get(a, "output");
    if (!is_file(a->pos[1])) {
        /* Export the receipt of a seal in this registry. */
        eseal_instance *inst = NULL;
        int rc = cli_open(a, &inst, false);
        if (rc != CLI_OK) {
            return rc;
        }
        rc = eseal_instance_seal_receipt(inst, &der, a->pos[1]);
        eseal_instance_close(inst);
        if (rc != ESEAL_OK) {
            return cli_fail(rc);
        }
        if (out == NULL) {
            eseal_buf_dispose(&der);
            return cli_usage_error(&cli_cmd_seal, "seal receipt ID needs -o FILE");
        }
        rc = cli_write_file(out, der.ptr, der.size);
        eseal_buf_dispose(&der);
        if (rc == CLI_OK && a->json) {
            printf("{\"seal\": ");
            cli_json_str(a->pos[1]);
            printf(", \"receipt\": ");
            cli_json_str(out);
            printf("}\n");
        } else if (rc == CLI_OK) {
            cli_note("filing receipt of %s -> %s", a->pos[1], out);
        }
        return rc;
    }
    if (cli_read_file(a->pos[1], &der, 1u << 20) != CLI_OK) {
        return CLI_ERROR;
    }
    const char *sealp = cli_get(a, "seal");
    if (sealp != NULL && cli_read_file(sealp, &seal, 16u << 20) != CLI_OK) {
        eseal_buf_dispose(&der);
        return CLI_ERROR;
    }
    eseal_verify_request q = ESEAL_VERIFY_REQUEST_INIT;
    q.trust_path = cli_get(a, "trust");
    eseal_instance *inst = NULL;
    int rc = open_for_verify(a, &inst);
    eseal_report *rep = NULL;
    if (rc == CLI_OK) {
        rc = eseal_instance_receipt_verify(inst, &rep, der.ptr, der.size, sealp != NULL ? seal.ptr : NULL, seal.size,
                                           &q);
        rc = rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
    }
    eseal_instance_close(inst);
    eseal_buf_dispose(&der);
    eseal_buf_dispose(&seal);
    return rc == CLI_OK ? cli_print_report(a, rep) : rc;
}

static int do_status(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_seal, "seal status needs one seal id");
    }
    int64_t at = 0;
    const char *ats = cli_get(a, "at");
    if (ats != NULL && cli_parse_time(ats, &at) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_seal_status st;
    rc = eseal_instance_seal_status(inst, &st, a->pos[1], at);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    char since[40], when[40];
    cli_print_time(since, sizeof(since), st.since_ms);
    cli_print_time(when, sizeof(when), at != 0 ? at : eseal_time_now());
    if (a->json) {
        printf("{\"at\": ");
        cli_json_str(when);
        printf(", \"state\": ");
        cli_json_str(st.state);
        printf(", \"since\": ");
        if (st.since_ms != 0) {
            cli_json_str(since);
        } else {
            printf("null");
        }
        printf(", \"actor\": ");
        cli_json_str(st.actor);
        printf(", \"reason\": ");
        cli_json_str(st.reason);
        printf("}\n");
    } else if (st.since_ms != 0) {
        printf("%s at %s (since %s, by %s: %s)\n", st.state, when, since, st.actor, st.reason);
    } else {
        printf("none at %s (the seal did not exist yet)\n", when);
    }
    return strcmp(st.state, "active") == 0 ? CLI_OK : CLI_NOT_VALID;
}

static int list_cb(const eseal_seal_record *r, void *payload)
{
    int *n = payload;
    if (*n < 0) {
        printf("%s", *n == -1 ? "" : ",\n");
        print_record_json(r);
        *n = -2;
        return 0;
    }
    char b[40];
    cli_print_time(b, sizeof(b), r->valid_to_ms);
    b[10] = '\0';
    printf("%-24s  %-9s  %-10s  %s  %s\n", r->esid, r->state,
           eseal_seal_type_name(r->type) != NULL ? eseal_seal_type_name(r->type) : "?", b, r->name);
    (*n)++;
    return 0;
}

static int do_list(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    int n = a->json ? -1 : 0;
    if (a->json) {
        printf("[");
    }
    rc = eseal_instance_seal_list(inst, list_cb, &n);
    eseal_instance_close(inst);
    if (a->json) {
        printf("]\n");
    } else if (rc == ESEAL_OK && n == 0) {
        printf("no seals yet (make one with 'eseal seal make')\n");
    }
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int history_cb(const eseal_seal_event *e, void *payload)
{
    bool *json = payload;
    char t[40];
    cli_print_time(t, sizeof(t), e->at_ms);
    if (*json) {
        printf("%s{\"seq\": %lld, \"at\": ", e->seq == 1 ? "" : ",\n", (long long)e->seq);
        cli_json_str(t);
        printf(", \"from\": ");
        cli_json_str(e->from_state);
        printf(", \"to\": ");
        cli_json_str(e->to_state);
        printf(", \"actor\": ");
        cli_json_str(e->actor);
        printf(", \"reason\": ");
        cli_json_str(e->reason);
        printf("}");
    } else {
        printf("%3lld  %s  %-9s -> %-9s  %s: %s\n", (long long)e->seq, t, e->from_state[0] ? e->from_state : "-",
               e->to_state, e->actor, e->reason);
    }
    return 0;
}

static int do_history(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_seal, "seal history needs one seal id");
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    bool json = a->json;
    if (json) {
        printf("[");
    }
    rc = eseal_instance_seal_events(inst, a->pos[1], history_cb, &json);
    eseal_instance_close(inst);
    if (json) {
        printf("]\n");
    }
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int do_action(cli_args *a, const char *verb)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_seal, "seal %s needs one seal id", verb);
    }
    const char *reason = cli_get(a, "reason");
    if (reason == NULL) {
        return cli_usage_error(&cli_cmd_seal, "seal %s needs --reason TEXT (it is recorded)", verb);
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, strcmp(verb, "file") == 0 || strcmp(verb, "renew") == 0);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_seal_record rec;
    if (strcmp(verb, "renew") == 0) {
        rc = eseal_instance_seal_renew(inst, cli_principal(), &rec, a->pos[1], reason);
    } else {
        static const struct {
            const char *verb;
            eseal_seal_action action;
        } acts[] = {{"file", ESEAL_SEAL_FILE},
                    {"suspend", ESEAL_SEAL_SUSPEND},
                    {"resume", ESEAL_SEAL_RESUME},
                    {"revoke", ESEAL_SEAL_REVOKE},
                    {"cancel", ESEAL_SEAL_CANCEL}};
        size_t i = 0;
        while (strcmp(acts[i].verb, verb) != 0) {
            i++;
        }
        rc = eseal_instance_seal_transition(inst, cli_principal(), &rec, a->pos[1], acts[i].action, reason);
    }
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        print_record_json(&rec);
        printf("\n");
    } else if (strcmp(verb, "renew") == 0) {
        printf("%s\n", rec.esid);
    } else {
        printf("%s: %s\n", rec.esid, rec.state);
    }
    eseal_seal_record_dispose(&rec);
    return CLI_OK;
}

static int do_export(cli_args *a)
{
    const char *out = cli_get(a, "output");
    if (a->npos != 2 || out == NULL) {
        return cli_usage_error(&cli_cmd_seal, "seal export needs one seal id and -o FILE.esl");
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    rc = eseal_instance_seal_get(inst, &rec, &der, a->pos[1]);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    rc = cli_write_file(out, der.ptr, der.size);
    if (rc == CLI_OK && !a->json && strcmp(out, "-") != 0) {
        cli_note("%s -> %s (%zu bytes, %s)", rec.esid, out, der.size, rec.state);
    }
    eseal_seal_record_dispose(&rec);
    eseal_buf_dispose(&der);
    return rc;
}

static int do_make_only(cli_args *a)
{
    return a->npos == 1 ? do_make(a) : cli_usage_error(&cli_cmd_seal, "unexpected argument '%s'", a->pos[1]);
}

static int do_lifecycle(cli_args *a) { return do_action(a, a->pos[0]); }

static int run(cli_args *a)
{
    static const cli_sub subs[] = {
        {"make", do_make_only},    {"show", do_show},         {"verify", do_verify},     {"status", do_status},
        {"list", do_list},         {"history", do_history},   {"export", do_export},     {"receipt", do_receipt},
        {"file", do_lifecycle},    {"suspend", do_lifecycle}, {"resume", do_lifecycle},  {"revoke", do_lifecycle},
        {"cancel", do_lifecycle},  {"renew", do_lifecycle},
    };
    return cli_dispatch(&cli_cmd_seal, a, subs, sizeof(subs) / sizeof(subs[0]));
}

const cli_cmd cli_cmd_seal = {
    "seal", "make seals, keep their lifecycle, verify them",
    "Usage:\n"
    "  eseal seal make --cert ID|CERT.pem [--cert ...] --name TEXT\n"
    "                  [--type official|contract|finance|invoice|legal-rep|personal|signature|other]\n"
    "                  [--image SCAN.png] [--size MM|WxH] [--text TEXT] [--code CODE] [--color RRGGBB]\n"
    "                  [--font FILE.ttf] [--maker sm2|p256] [--days N] [--digests] [--no-file]\n"
    "                  [--reason TEXT] [-o SEAL.esl]\n"
    "  eseal seal show FILE.esl|ID [--imprint OUT.png|OUT.svg|OUT.pdf|-] [--dpi N]   ('-': PNG to stdout)\n"
    "  eseal seal verify FILE.esl [--at TIME] [--trust CA.pem] [--no-instance] [--detail]\n"
    "  eseal seal status ID [--at TIME]\n"
    "  eseal seal list\n"
    "  eseal seal history ID\n"
    "  eseal seal file|suspend|resume|revoke|cancel|renew ID --reason TEXT\n"
    "  eseal seal export ID -o FILE.esl\n"
    "  eseal seal receipt ID -o RECEIPT.der | eseal seal receipt RECEIPT.der [--seal FILE.esl]\n\n"
    "make: draws the imprint (or checks --image, a transparent PNG of a scanned seal), builds a\n"
    "GB/T 38540-2020 seal binding the certificate(s), signs it with the instance's seal maker\n"
    "(SM2/SM3; --maker p256 for ECDSA P-256 outside China), and records it applied -> approved ->\n"
    "made -> filed -> active with a signed filing receipt (--no-file stops at made). The imprint\n"
    "text is the certificate's organisation (O) or, for personal types, its name (CN) unless\n"
    "--text is given; --code is the seal code on the bottom line, or the invoice seal's tax ID.\n"
    "The seal is valid until the certificate expires (or --days). Prints the esID.\n"
    "verify: the maker's signature, its certificate chain, the seal's validity at --at, the bound\n"
    "certificates and, for seals of this registry, the registry status at that time. Exit 0 when\n"
    "VALID, 1 otherwise.\n"
    "status: the registry's state of the seal now or at --at (exit 0 only when active).\n"
    "suspend/resume/revoke/cancel: lifecycle changes; each records who, when and why.\n"
    "renew: makes and files a new version linked to the old one, which is cancelled.\n"
    "receipt: exports a seal's filing receipt, or verifies one (offline, with the registry's\n"
    "certificate chain), optionally against the seal file.\n",
    opts, run};
