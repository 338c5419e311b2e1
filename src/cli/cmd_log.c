/* SPDX-License-Identifier: Apache-2.0 */
/* eseal log: the audit log (a transparency log of every stamp and lifecycle change). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {
    {"output", 'o', true, false}, {"size", 0, true, false},    {"index", 0, true, false},
    {"doc", 0, true, false},      {"key", 0, true, false},     {"key-file", 0, true, false},
    {"witness", 0, true, true},   {"quorum", 0, true, false},  {"listen", 0, true, false},
    {"field", 0, true, false},    {"interval", 0, true, false}, {NULL, 0, false, false}};

static int number(const char *s, const char *what, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return cli_usage_error(&cli_cmd_log, "%s must be a number, not '%s'", what, s != NULL ? s : "");
    }
    unsigned long long v = strtoull(s, &end, 10); /* !checksrc! allowed: checked below */
    if (end == NULL || *end != '\0' || v > max) {
        return cli_usage_error(&cli_cmd_log, "%s must be a number up to %llu, not '%s'", what,
                               (unsigned long long)max, s);
    }
    *out = v;
    return CLI_OK;
}

/* Opens the instance and its log; with_pass for what signs. */
static int open_log(cli_args *a, eseal_instance **inst, eseal_log **log, bool with_pass)
{
    int rc = cli_open(a, inst, with_pass);
    if (rc != CLI_OK) {
        return rc;
    }
    int lrc = eseal_instance_log(*inst, log);
    if (lrc != ESEAL_OK) {
        eseal_instance_close(*inst);
        *inst = NULL;
        return cli_fail(lrc);
    }
    return CLI_OK;
}

/* Prints `b` (text) and closes. */
static int print_and_close(eseal_instance *inst, int rc, eseal_buf *b)
{
    if (rc == ESEAL_OK) {
        (void)fwrite(b->ptr, 1, b->size, stdout);
    }
    eseal_buf_dispose(b);
    int out = rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
    eseal_instance_close(inst);
    return out;
}

static int cmd_key(cli_args *a)
{
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    rc = eseal_log_vkey(log, &b);
    if (rc == ESEAL_OK) {
        printf("%s\n", (const char *)b.ptr);
    }
    eseal_buf_dispose(&b);
    eseal_instance_close(inst);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int cmd_checkpoint(cli_args *a)
{
    uint64_t size = UINT64_MAX;
    if (cli_get(a, "size") != NULL && number(cli_get(a, "size"), "--size", UINT64_MAX - 1, &size) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    return print_and_close(inst, eseal_log_checkpoint(log, &b, size), &b);
}

static int cmd_publish(cli_args *a)
{
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, true);
    if (rc != CLI_OK) {
        return rc;
    }
    uint64_t size = 0;
    rc = eseal_instance_log_publish(inst, cli_principal(), &size);
    if (rc == ESEAL_OK) {
        printf("checkpoint: %s, size %llu\n", eseal_log_origin(log), (unsigned long long)size);
    }
    eseal_instance_close(inst);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int cmd_show(cli_args *a)
{
    uint64_t index = 0;
    if (a->npos != 2 || number(a->pos[1], "INDEX", UINT64_MAX - 1, &index) != CLI_OK) {
        return a->npos != 2 ? cli_usage_error(&cli_cmd_log, "log show needs one INDEX") : CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    return print_and_close(inst, eseal_log_entry(log, &b, index), &b);
}

static int cmd_proof(cli_args *a)
{
    uint64_t index = 0, size = 0;
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_log, "log proof needs one INDEX");
    }
    if (number(a->pos[1], "INDEX", UINT64_MAX - 1, &index) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    uint64_t cs = 0;
    if (cli_get(a, "size") != NULL) {
        if (number(cli_get(a, "size"), "--size", UINT64_MAX - 1, &size) != CLI_OK) {
            eseal_instance_close(inst);
            return CLI_USAGE;
        }
    } else if ((rc = eseal_log_size(log, NULL, &cs)) != ESEAL_OK) {
        eseal_instance_close(inst);
        return cli_fail(rc);
    } else {
        size = cs; /* the newest signed checkpoint */
    }
    eseal_buf b = ESEAL_BUF_INIT;
    return print_and_close(inst, eseal_log_prove_inclusion(log, &b, index, size), &b);
}

static int cmd_consistency(cli_args *a)
{
    uint64_t m = 0, n = 0;
    if (a->npos != 3) {
        return cli_usage_error(&cli_cmd_log, "log consistency needs OLD-SIZE NEW-SIZE");
    }
    if (number(a->pos[1], "OLD-SIZE", UINT64_MAX - 1, &m) != CLI_OK ||
        number(a->pos[2], "NEW-SIZE", UINT64_MAX - 1, &n) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    return print_and_close(inst, eseal_log_prove_consistency(log, &b, m, n), &b);
}

/* log receipt SERIAL | --index N [-o FILE] */
static int cmd_receipt(cli_args *a)
{
    const char *idx = cli_get(a, "index");
    if ((a->npos == 2) == (idx != NULL)) {
        return cli_usage_error(&cli_cmd_log, "log receipt needs a stamp SERIAL or --index N");
    }
    uint64_t index = 0;
    if (idx != NULL && number(idx, "--index", UINT64_MAX - 1, &index) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf b = ESEAL_BUF_INIT;
    rc = idx != NULL ? eseal_log_receipt(log, &b, index) : eseal_instance_stamp_receipt(inst, &b, a->pos[1]);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&b);
        return cli_fail(rc);
    }
    const char *out = cli_get(a, "output");
    int crc = cli_write_file(out != NULL ? out : "-", b.ptr, b.size);
    eseal_buf_dispose(&b);
    return crc;
}

/* The log key for verify-receipt: --key, --key-file, or the instance's own. */
static int log_key(cli_args *a, char *out, size_t cap)
{
    const char *k = cli_get(a, "key");
    const char *kf = cli_get(a, "key-file");
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = ESEAL_OK;
    if (k != NULL) {
        (void)snprintf(out, cap, "%s", k);
        return CLI_OK;
    }
    if (kf != NULL) {
        int crc = cli_read_file(kf, &b, 4096);
        if (crc != CLI_OK) {
            return crc;
        }
    } else {
        eseal_instance *inst = NULL;
        eseal_log *log = NULL;
        int crc = open_log(a, &inst, &log, false);
        if (crc != CLI_OK) {
            return cli_errorf(CLI_USAGE, "give the log's key with --key VKEY or --key-file FILE");
        }
        rc = eseal_log_vkey(log, &b);
        eseal_instance_close(inst);
    }
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    size_t n = b.size;
    while (n > 0 && (b.ptr[n - 1] == '\n' || b.ptr[n - 1] == '\r' || b.ptr[n - 1] == ' ')) {
        n--;
    }
    (void)snprintf(out, cap, "%.*s", (int)n, (const char *)b.ptr);
    eseal_buf_dispose(&b);
    return CLI_OK;
}

static void print_receipt(const cli_args *a, const eseal_receipt_info *info, int rc)
{
    const eseal_audit_entry *e = &info->entry.e;
    bool valid = rc == ESEAL_OK;
    if (a->json) {
        printf("{\"valid\": %s, \"index\": %llu, \"checkpoint_size\": %llu, \"origin\": ", valid ? "true" : "false",
               (unsigned long long)info->index, (unsigned long long)info->size);
        cli_json_str(info->origin);
        printf(", \"cosignatures\": %u, \"document\": %s, \"type\": ", info->cosigned,
               info->doc_match < 0 ? "null" : info->doc_match ? "\"matches\"" : "\"differs\"");
        cli_json_str(valid ? e->type : "");
        printf(", \"stamp\": ");
        cli_json_str(valid && e->stamp != NULL ? e->stamp : "");
        printf(", \"seal\": ");
        cli_json_str(valid && e->seal != NULL ? e->seal : "");
        printf(", \"problem\": ");
        cli_json_str(info->problem);
        printf("}\n");
        return;
    }
    if (!valid) {
        printf("INVALID: %s\n", info->problem);
        return;
    }
    char tb[40];
    cli_print_time(tb, sizeof(tb), e->time_ms);
    printf("VALID: entry %llu of %s is in its checkpoint of size %llu", (unsigned long long)info->index,
           info->origin, (unsigned long long)info->size);
    if (info->cosigned > 0) {
        printf(", cosigned by %u witness%s", info->cosigned, info->cosigned == 1 ? "" : "es");
    }
    printf("\n  %s at %s", e->type, tb);
    if (e->stamp != NULL) {
        printf(", stamp %s", e->stamp);
    }
    if (e->seal != NULL) {
        printf(", seal %s", e->seal);
    }
    printf("\n");
    if (info->doc_match == 1) {
        printf("  the document is the one stamped (SHA-256%s)\n", e->doc_after_sm3 != NULL ? " and SM3" : "");
    }
}

static int cmd_verify_receipt(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_log, "log verify-receipt needs one RECEIPT file");
    }
    char key[1024];
    int rc = log_key(a, key, sizeof(key));
    if (rc != CLI_OK) {
        return rc;
    }
    const char *ws[CLI_MAX_REPEAT];
    size_t nw = cli_count(a, "witness");
    for (size_t i = 0; i < nw; i++) {
        ws[i] = cli_get_n(a, "witness", i);
    }
    uint64_t quorum = 0;
    if (cli_get(a, "quorum") != NULL && number(cli_get(a, "quorum"), "--quorum", nw, &quorum) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_buf r = ESEAL_BUF_INIT;
    rc = cli_read_file(a->pos[1], &r, 1024 * 1024);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_receipt_check chk = ESEAL_RECEIPT_CHECK_INIT;
    chk.log_vkey = key;
    chk.witness_vkeys = ws;
    chk.witness_count = nw;
    chk.quorum = (unsigned)quorum;
    chk.doc_path = cli_get(a, "doc");
    eseal_receipt_info info;
    rc = eseal_receipt_verify(&info, r.ptr, r.size, &chk);
    eseal_buf_dispose(&r);
    if (rc != ESEAL_OK && rc != ESEAL_EVERIFY) {
        eseal_receipt_info_dispose(&info);
        return cli_fail(rc);
    }
    print_receipt(a, &info, rc);
    eseal_receipt_info_dispose(&info);
    return rc == ESEAL_OK ? CLI_OK : CLI_NOT_VALID;
}

/* log audit: eseal_log_audit_run, which records the result in the store (GET /api/v1/audit/status) and
 * tells a failure to the organisations (issue 20 §3): an alert to each one subscribed (docs/webhooks.md). */
static int cmd_audit(cli_args *a)
{
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_log_audit_record rep;
    size_t told = 0;
    rc = eseal_log_audit_run(inst, cli_principal(), &rep, &told);
    eseal_instance_close(inst);
    int out = rc != ESEAL_OK ? cli_fail(rc) : CLI_OK; /* said first: the note below is about the alert */
    if (told > 0) {
        cli_note("alert queued to %zu organisation%s", told, told == 1 ? "" : "s");
    }
    if (rc != ESEAL_OK) {
        return out;
    }
    if (a->json) {
        printf("{\"ok\": %s, \"entries\": %llu, \"tile_hashes\": %llu, \"checkpoints\": %llu, \"time_tokens\": %llu, "
               "\"problem\": ",
               rep.ok ? "true" : "false", (unsigned long long)rep.entries, (unsigned long long)rep.tile_hashes,
               (unsigned long long)rep.checkpoints, (unsigned long long)rep.time_tokens);
        cli_json_str(rep.problem);
        printf("}\n");
    } else if (rep.ok) {
        printf("OK: %llu entries re-hashed; %llu tile hashes, %llu checkpoints and %llu time tokens match\n",
               (unsigned long long)rep.entries, (unsigned long long)rep.tile_hashes,
               (unsigned long long)rep.checkpoints, (unsigned long long)rep.time_tokens);
    } else {
        printf("FAILED: %s\n", rep.problem);
    }
    return rep.ok ? CLI_OK : CLI_NOT_VALID;
}

static int cmd_export(cli_args *a)
{
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_log, "log export needs one DIR");
    }
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    int rc = open_log(a, &inst, &log, false);
    if (rc != CLI_OK) {
        return rc;
    }
    uint64_t files = 0, size = 0, cs = 0;
    rc = eseal_log_export(log, a->pos[1], &files);
    if (rc == ESEAL_OK) {
        rc = eseal_log_size(log, &size, &cs);
    }
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    cli_note("%s: checkpoint of size %llu and its tiles (%llu files written)", a->pos[1], (unsigned long long)cs,
             (unsigned long long)files);
    return CLI_OK;
}

/* log serve --listen ADDR:PORT: `eseal serve --only log`, the tiles and a publisher that signs
 * within --interval of appends. */
static int cmd_serve(cli_args *a)
{
    const char *listen = cli_get(a, "listen");
    if (a->npos != 1 || listen == NULL) {
        return cli_usage_error(&cli_cmd_log, "log serve needs --listen ADDR:PORT");
    }
    uint64_t interval = 250;
    if (cli_get(a, "interval") != NULL &&
        number(cli_get(a, "interval"), "--interval (milliseconds)", 1000, &interval) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.listen = listen;
    o.resources = ESEAL_SERVE_LOG;
    o.log_interval_ms = (unsigned)interval;
    return cli_serve(a, "log", &o);
}

/* log forget INDEX --field ip|device: erases a salt, so that the commitment can no longer be linked; the
 * erasure is itself an audit entry (eseal_instance_log_forget), which needs the passphrase. */
static int cmd_forget(cli_args *a)
{
    uint64_t index = 0;
    const char *field = cli_get(a, "field");
    eseal_log_field f = ESEAL_LOG_FIELD_IP;
    if (a->npos != 2 || field == NULL || eseal_log_field_from_name(&f, field) != ESEAL_OK) {
        eseal_error_clear();
        return cli_usage_error(&cli_cmd_log, "log forget needs INDEX and --field ip|device");
    }
    if (number(a->pos[1], "INDEX", UINT64_MAX - 1, &index) != CLI_OK) {
        return CLI_USAGE;
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, true);
    if (rc != CLI_OK) {
        return rc;
    }
    uint64_t entry = 0;
    rc = eseal_instance_log_forget(inst, cli_principal(), index, f, &entry);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    printf("entry %llu: the %s salt is erased; its commitment can no longer be linked to a value (recorded as entry "
           "%llu)\n",
           (unsigned long long)index, field, (unsigned long long)entry);
    return CLI_OK;
}

static const cli_sub subs[] = {
    {"key", cmd_key},         {"checkpoint", cmd_checkpoint}, {"publish", cmd_publish},
    {"show", cmd_show},       {"proof", cmd_proof},           {"consistency", cmd_consistency},
    {"receipt", cmd_receipt}, {"verify-receipt", cmd_verify_receipt}, {"audit", cmd_audit},
    {"export", cmd_export},   {"serve", cmd_serve},           {"forget", cmd_forget}};

static int run(cli_args *a) { return cli_dispatch(&cli_cmd_log, a, subs, sizeof(subs) / sizeof(subs[0])); }

const cli_cmd cli_cmd_log = {
    "log", "the audit log: checkpoints, proofs, receipts, audit, export, serve",
    "Usage: eseal log key | checkpoint [--size N] | publish\n"
    "       eseal log show INDEX | proof INDEX [--size N] | consistency OLD-SIZE NEW-SIZE\n"
    "       eseal log receipt SERIAL|--index N [-o FILE]\n"
    "       eseal log verify-receipt RECEIPT [--doc FILE] [--key VKEY|--key-file FILE]\n"
    "                                [--witness VKEY]... [--quorum K]\n"
    "       eseal log audit | export DIR | serve --listen ADDR:PORT [--interval MS]\n"
    "       eseal log forget INDEX --field ip|device\n\n"
    "Every stamp, signature, extension, seal lifecycle change, certificate issue or revocation,\n"
    "CRL and passphrase change is an entry of an append-only transparency log (RFC 9162 Merkle\n"
    "tree over SHA-256; entries: docs/audit-log.md), recorded before the result is published.\n"
    "A checkpoint publication is not an entry (it would need a checkpoint of its own).\n"
    "Its state is published as C2SP signed checkpoints (Ed25519 signed notes, cosigned by any\n"
    "configured witnesses) and C2SP tlog-tiles; each stamp gets a receipt (C2SP tlog-proof).\n\n"
    "  key             the log's verifier key, name+id+base64 (give it to whoever verifies)\n"
    "  checkpoint      the newest signed checkpoint (or of size N), as note text\n"
    "  publish         sign a checkpoint of the current tree now (needs the passphrase); it is\n"
    "                  signed only if consistent with the previous one, then sent to witnesses\n"
    "  show INDEX      entry INDEX, as stored\n"
    "  proof INDEX     its inclusion proof in the newest checkpoint (or the tree of size N):\n"
    "                  base64 hashes, leaf side first\n"
    "  consistency M N the consistency proof from tree size M to N\n"
    "  receipt         a stamp's receipt by serial (or entry N's): tlog-proof text\n"
    "  verify-receipt  offline check: the checkpoint's log signature (key from --key, --key-file or\n"
    "                  this instance), K of the --witness cosignatures, the entry's inclusion, and\n"
    "                  with --doc that FILE is the document the entry records. Exit 0 valid, 1 not.\n"
    "  audit           re-hash every entry and compare with every stored tile hash, the tree state,\n"
    "                  every checkpoint and HOME/log/checkpoint. Exit 0 when all match, 1 when not.\n"
    "                  Every run is recorded (GET /api/v1/audit/status, the console's audit section).\n"
    "  export DIR      write DIR/checkpoint and DIR/tile/... as C2SP tlog-tiles lays them out (any\n"
    "                  static web server or object store can serve DIR)\n"
    "  serve           serve the same paths over HTTP, read-only, and sign a checkpoint within\n"
    "                  --interval ms (default 250) of appends by any process (needs the passphrase);\n"
    "                  it is 'eseal serve --only log', the same server restricted to the log\n"
    "  forget          erase the salt of entry INDEX's client IP or device commitment: the entry is\n"
    "                  unchanged, but the commitment can no longer be linked to a value. Needs the\n"
    "                  passphrase; the erasure is itself recorded, in the same transaction, as an\n"
    "                  entry \"log.forgotten\" naming the entry, the field and who asked\n",
    opts, run};
