/* SPDX-License-Identifier: Apache-2.0 */
/* eseal witness: run a C2SP tlog-witness (init, add-log, key, add-checkpoint, serve). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eseal/witness.h"

static const cli_opt_spec opts[] = {{"name", 0, true, false},   {"origin", 0, true, false},
                                    {"vkey", 0, true, false},   {"listen", 0, true, false},
                                    {NULL, 0, false, false}};

/* A witness home is never an instance's: --home, else $ESEAL_WITNESS_HOME, and no default. */
static const char *witness_home(cli_args *a)
{
    if (a->home != NULL) {
        return a->home;
    }
    const char *env = getenv("ESEAL_WITNESS_HOME");
    return env != NULL && env[0] != '\0' ? env : NULL;
}

#define NEED_HOME(a, home, what)                                                                               \
    const char *home = witness_home(a);                                                                        \
    if (home == NULL) {                                                                                        \
        return cli_usage_error(&cli_cmd_witness, "witness %s needs --home DIR (or $ESEAL_WITNESS_HOME)", what); \
    }

static int init(cli_args *a)
{
    NEED_HOME(a, home, "init");
    const char *name = cli_get(a, "name");
    if (a->npos != 1 || name == NULL) {
        return cli_usage_error(&cli_cmd_witness, "witness init needs --name NAME (e.g. witness.example.org)");
    }
    char pass[1024];
    size_t len = 0;
    int rc = cli_passphrase(a, pass, sizeof(pass), &len, true);
    if (rc != CLI_OK) {
        return rc;
    }
    rc = eseal_witness_init(home, name, pass, len);
    explicit_bzero(pass, sizeof(pass));
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    eseal_buf vkey = ESEAL_BUF_INIT;
    rc = eseal_witness_home_vkey(home, &vkey);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        printf("{\"home\": ");
        cli_json_str(home);
        printf(", \"name\": ");
        cli_json_str(name);
        printf(", \"vkey\": ");
        cli_json_str((const char *)vkey.ptr);
        printf("}\n");
    } else {
        printf("initialised witness %s in %s\nvkey: %s\nnext: eseal witness add-log --home %s --origin ORIGIN --vkey VKEY\n",
               name, home, (const char *)vkey.ptr, home);
    }
    eseal_buf_dispose(&vkey);
    return CLI_OK;
}

static int add_log(cli_args *a)
{
    NEED_HOME(a, home, "add-log");
    const char *origin = cli_get(a, "origin");
    const char *vkey = cli_get(a, "vkey");
    if (a->npos != 1 || origin == NULL || vkey == NULL) {
        return cli_usage_error(&cli_cmd_witness, "witness add-log needs --origin ORIGIN and --vkey VKEY");
    }
    int rc = eseal_witness_add_log(home, origin, vkey);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (!a->json) {
        printf("witness in %s now trusts %s for %s\n", home, vkey, origin);
    } else {
        printf("{\"origin\": ");
        cli_json_str(origin);
        printf(", \"vkey\": ");
        cli_json_str(vkey);
        printf("}\n");
    }
    return CLI_OK;
}

static int key(cli_args *a)
{
    NEED_HOME(a, home, "key");
    if (a->npos != 1) {
        return cli_usage_error(&cli_cmd_witness, "witness key takes no arguments");
    }
    eseal_buf vkey = ESEAL_BUF_INIT;
    int rc = eseal_witness_home_vkey(home, &vkey);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        printf("{\"vkey\": ");
        cli_json_str((const char *)vkey.ptr);
        printf("}\n");
    } else {
        printf("%s\n", (const char *)vkey.ptr);
    }
    eseal_buf_dispose(&vkey);
    return CLI_OK;
}

static int open_witness(cli_args *a, const char *home, eseal_witness **w)
{
    char pass[1024];
    size_t len = 0;
    int rc = cli_passphrase(a, pass, sizeof(pass), &len, false);
    if (rc != CLI_OK) {
        return rc;
    }
    rc = eseal_witness_open(w, home, pass, len);
    explicit_bzero(pass, sizeof(pass));
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

static int add_checkpoint(cli_args *a)
{
    NEED_HOME(a, home, "add-checkpoint");
    if (a->npos != 2) {
        return cli_usage_error(&cli_cmd_witness, "witness add-checkpoint needs exactly one FILE");
    }
    eseal_buf body = ESEAL_BUF_INIT;
    /* A little past the cap, so that an oversized request is answered (413), not refused. */
    int rc = cli_read_file(a->pos[1], &body, ESEAL_WITNESS_MAX_REQUEST + 1);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_witness *w = NULL;
    rc = open_witness(a, home, &w);
    if (rc != CLI_OK) {
        eseal_buf_dispose(&body);
        return rc;
    }
    int status = 0;
    eseal_buf resp = ESEAL_BUF_INIT;
    char ctype[96] = "";
    int lrc = eseal_witness_add_checkpoint(w, body.ptr, body.size, &status, &resp, ctype, sizeof(ctype));
    eseal_witness_close(w);
    eseal_buf_dispose(&body);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    fprintf(stderr, "status: %d\n", status);
    rc = fwrite(resp.ptr, 1, resp.size, stdout) == resp.size && fflush(stdout) == 0
             ? (status == 200 ? CLI_OK : CLI_NOT_VALID)
             : cli_errorf(CLI_ERROR, "writing to standard output failed");
    eseal_buf_dispose(&resp);
    return rc;
}

static int serve(cli_args *a)
{
    NEED_HOME(a, home, "serve");
    const char *listen = cli_get(a, "listen");
    if (a->npos != 1 || listen == NULL) {
        return cli_usage_error(&cli_cmd_witness, "witness serve needs --listen ADDR:PORT");
    }
    cli_stop_signals_block();
    eseal_witness *w = NULL;
    int rc = open_witness(a, home, &w);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_server *srv = NULL;
    int lrc = eseal_witness_listen(w, &srv, listen);
    if (lrc != ESEAL_OK) {
        eseal_witness_close(w);
        return cli_fail(lrc);
    }
    printf("eseal witness: listening on %s (port %u), POST /add-checkpoint, GET /<sha256(origin)>/checkpoint; "
           "stop with Ctrl-C\n",
           listen, eseal_server_port(srv));
    (void)fflush(stdout);
    cli_stop_signals_wait();
    eseal_server_stop(srv);
    eseal_witness_close(w);
    return CLI_OK;
}

static const cli_sub subs[] = {
    {"init", init}, {"add-log", add_log}, {"key", key}, {"add-checkpoint", add_checkpoint}, {"serve", serve}};

static int run(cli_args *a) { return cli_dispatch(&cli_cmd_witness, a, subs, sizeof(subs) / sizeof(subs[0])); }

const cli_cmd cli_cmd_witness = {
    "witness", "run a transparency-log witness (C2SP tlog-witness)",
    "Usage: eseal witness init --home DIR --name NAME\n"
    "       eseal witness add-log --home DIR --origin ORIGIN --vkey VKEY\n"
    "       eseal witness key --home DIR\n"
    "       eseal witness add-checkpoint --home DIR FILE\n"
    "       eseal witness serve --home DIR --listen ADDR:PORT\n\n"
    "A witness cosigns the checkpoints of the transparency logs it trusts after checking that\n"
    "each is consistent with the last one it cosigned (C2SP tlog-witness v1.0.0), so that a log\n"
    "cannot show two histories. It lives in its own directory, never in an eseal instance:\n"
    "--home DIR, else $ESEAL_WITNESS_HOME (there is no default). See docs/witness.md.\n\n"
    "init creates DIR/witness.conf, an Ed25519 key in DIR/keys/witness.key encrypted under the\n"
    "passphrase ($ESEAL_PASSPHRASE, --pass-file, or a prompt asked twice; at least 8 characters),\n"
    "the store DIR/witness.db, and DIR/witness.vkey. NAME is the key name of its cosignatures\n"
    "(printable ASCII without spaces or '+', e.g. witness.example.org). It prints the witness's\n"
    "verifier key: give it to the logs, which list it among the witnesses they ask.\n\n"
    "add-log trusts a log: checkpoints with the origin line ORIGIN signed by VKEY (a C2SP\n"
    "signed-note Ed25519 key, NAME+ID+BASE64, type 0x01). Repeat it for a second key of the same\n"
    "log. A running witness sees new logs after a restart.\n\n"
    "key prints the verifier key (NAME+ID+BASE64, tlog-cosignature type 0x04); no passphrase.\n\n"
    "add-checkpoint answers one add-checkpoint request body read from FILE (needs the\n"
    "passphrase): \"status: N\" on standard error, the response body on standard output. Exit\n"
    "status 0 for 200 (the body is the cosignature line), 1 for any other status:\n"
    "  400 malformed, or old size above the checkpoint size   403 no valid signature by the log\n"
    "  404 unknown origin   409 old size is not the size last cosigned (the body is that size)\n"
    "  413 over 128 KiB   422 size 0 without the empty root, proof with old size 0, a consistency\n"
    "  proof that does not verify, or the size last cosigned with another root hash.\n\n"
    "serve answers the same over HTTP until SIGINT/SIGTERM: POST http://ADDR:PORT/add-checkpoint,\n"
    "and GET http://ADDR:PORT/<hex sha256(origin)>/checkpoint for the latest cosigned checkpoint\n"
    "(404 before the first). The key is unlocked once, at start. Check and update of a log's\n"
    "state are one store transaction, so several processes may serve one DIR.\n",
    opts, run};
