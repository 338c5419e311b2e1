/* SPDX-License-Identifier: Apache-2.0 */
/* eseal passwd: change the instance passphrase (every key re-encrypted, all or nothing). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {
    {"new-pass-file", 0, true, false}, {"new-pass-fd", 0, true, false}, {NULL, 0, false, false}};

static int run(cli_args *a)
{
    if (a->npos != 0) {
        return cli_usage_error(&cli_cmd_passwd, "passwd takes no arguments");
    }
    const char *nf = cli_get(a, "new-pass-file");
    const char *nfd = cli_get(a, "new-pass-fd");
    if (nf != NULL && a->pass_file != NULL && strcmp(nf, "-") == 0 && strcmp(a->pass_file, "-") == 0) {
        return cli_usage_error(&cli_cmd_passwd, "the current and the new passphrase cannot both come from stdin");
    }
    eseal_instance *inst = NULL;
    /* The passphrase itself, never a running agent's key: changing it takes knowing it (as
     * ssh-keygen -p asks for the old one), and the check below needs it. */
    int rc = cli_open_pass(a, &inst);
    if (rc != CLI_OK) {
        return rc;
    }
    /* The current passphrase must open the keys before a new one is asked for. */
    int lrc = eseal_instance_passphrase_check(inst);
    if (lrc != ESEAL_OK) {
        eseal_instance_close(inst);
        return cli_fail(lrc);
    }
    char pass[1024];
    size_t len = 0;
    rc = cli_new_passphrase(nf, nfd, pass, sizeof(pass), &len);
    if (rc == CLI_OK) {
        lrc = eseal_instance_passwd(inst, cli_principal(), pass, len);
        rc = lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
    }
    explicit_bzero(pass, sizeof(pass));
    eseal_instance_close(inst);
    if (rc == CLI_OK) {
        cli_note("the passphrase of %s is changed: every key is re-encrypted", cli_home(a));
    }
    return rc;
}

const cli_cmd cli_cmd_passwd = {
    "passwd", "change the instance passphrase (every key re-encrypted)",
    "Usage: eseal passwd [--new-pass-file FILE | --new-pass-fd N]\n\n"
    "Changes the passphrase that encrypts every private key of the instance (keys/). The\n"
    "current passphrase comes as for any command (--pass-file, --pass-fd, $ESEAL_PASSPHRASE or\n"
    "the terminal); the new one from --new-pass-file FILE ('-': standard input),\n"
    "--new-pass-fd N, or the terminal (asked twice). At least 8 characters.\n\n"
    "All or nothing: the keys are re-encrypted into HOME/keys.passwd, synced, and exchanged\n"
    "with HOME/keys in one atomic rename; after a failure or a crash every key opens with the\n"
    "old passphrase or every key with the new one. Stop 'eseal serve' and other commands of\n"
    "the instance first (a key issued during the change would be lost). A running 'eseal agent'\n"
    "is not used for the current passphrase, and its key opens nothing afterwards: restart it.\n",
    opts, run};
