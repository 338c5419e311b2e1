/* SPDX-License-Identifier: Apache-2.0 */
/* eseal key generate|public: standalone encrypted key files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"alg", 0, true, false}, {"output", 'o', true, false}, {NULL, 0, false, false}};

static int run(cli_args *a)
{
    if (a->npos < 1) {
        return cli_usage_error(&cli_cmd_key, "key needs a subcommand: generate or public");
    }
    bool gen = strcmp(a->pos[0], "generate") == 0;
    if (!gen && strcmp(a->pos[0], "public") != 0) {
        return cli_usage_error(&cli_cmd_key, "unknown subcommand 'key %s'", a->pos[0]);
    }
    const char *path = gen ? cli_get(a, "output") : (a->npos == 2 ? a->pos[1] : NULL);
    if (path == NULL) {
        return cli_usage_error(&cli_cmd_key, gen ? "key generate needs -o KEYFILE" : "key public needs KEYFILE");
    }
    char pass[1024];
    size_t len = 0;
    int rc = cli_passphrase(a, pass, sizeof(pass), &len, gen);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_key *key = NULL;
    if (gen) {
        eseal_key_alg alg = ESEAL_ALG_SM2;
        const char *an = cli_get(a, "alg");
        if (an != NULL && eseal_key_alg_from_name(&alg, an) != ESEAL_OK) {
            explicit_bzero(pass, sizeof(pass));
            return cli_usage_error(&cli_cmd_key, "%s", eseal_error_last()->message);
        }
        rc = eseal_key_generate(&key, alg);
        if (rc == ESEAL_OK) {
            rc = eseal_key_save(key, path, pass, len);
        }
    } else {
        rc = eseal_key_load(&key, path, pass, len);
    }
    explicit_bzero(pass, sizeof(pass));
    if (rc != ESEAL_OK) {
        eseal_key_free(key);
        return cli_fail(rc);
    }
    eseal_buf spki = ESEAL_BUF_INIT;
    rc = eseal_key_public_der(&spki, key);
    if (rc == ESEAL_OK) {
        printf("%s key %s\n", eseal_key_alg_name(eseal_key_algorithm(key)), gen ? "generated" : "loaded");
    }
    eseal_buf_dispose(&spki);
    eseal_key_free(key);
    return rc == ESEAL_OK ? CLI_OK : cli_fail(rc);
}

const cli_cmd cli_cmd_key = {
    "key", "generate or check a standalone encrypted key file",
    "Usage:\n  eseal key generate --alg sm2|p256|p384|rsa|rsa3072|ed25519 -o KEYFILE\n"
    "  eseal key public KEYFILE\n\n"
    "generate: writes a new key as PKCS#8 PEM encrypted with PBES2 (scrypt, AES-256-CBC),\n"
    "created with mode 0600; the file must not exist.\n"
    "public: loads KEYFILE with the passphrase and reports its algorithm (a passphrase check).\n",
    opts, run};
