/* SPDX-License-Identifier: Apache-2.0 */
/* eseal key generate|public: standalone encrypted key files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt_spec opts[] = {{"alg", 0, true, false},
                                    {"output", 'o', true, false},
                                    {"token", 0, true, false},
                                    {"label", 0, true, false},
                                    {NULL, 0, false, false}};

/* key generate --token LABEL --alg p256|rsa --label L: a key pair made in the token (issue 23). */
static int generate_in_token(cli_args *a, const char *token)
{
    const char *label = cli_get(a, "label");
    const char *an = cli_get(a, "alg");
    if (label == NULL || an == NULL) {
        return cli_usage_error(&cli_cmd_key, "key generate --token needs --alg p256|rsa|rsa3072 and --label L");
    }
    if (cli_get(a, "output") != NULL) {
        return cli_usage_error(&cli_cmd_key, "a key in a token is not written to a file: no -o with --token");
    }
    eseal_key_alg alg = ESEAL_ALG_NONE;
    if (eseal_key_alg_from_name(&alg, an) != ESEAL_OK) {
        return cli_usage_error(&cli_cmd_key, "%s", eseal_error_last()->message);
    }
    eseal_instance *inst = NULL;
    int rc = cli_open(a, &inst, false);
    if (rc != CLI_OK) {
        return rc;
    }
    eseal_buf uri = ESEAL_BUF_INIT;
    rc = eseal_instance_token_key_generate(inst, &uri, token, alg, label);
    eseal_instance_close(inst);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        printf("{\"uri\": ");
        cli_json_str((const char *)uri.ptr);
        printf(", \"alg\": \"%s\"}\n", eseal_key_alg_name(alg));
    } else {
        printf("%s\n", (const char *)uri.ptr);
    }
    eseal_buf_dispose(&uri);
    return CLI_OK;
}

static int run(cli_args *a)
{
    if (a->npos < 1) {
        return cli_usage_error(&cli_cmd_key, "key needs a subcommand: generate or public");
    }
    bool gen = strcmp(a->pos[0], "generate") == 0;
    if (!gen && strcmp(a->pos[0], "public") != 0) {
        return cli_usage_error(&cli_cmd_key, "unknown subcommand 'key %s'", a->pos[0]);
    }
    const char *token = cli_get(a, "token");
    if (gen && token != NULL) {
        return generate_in_token(a, token);
    }
    if (token != NULL || cli_get(a, "label") != NULL) {
        return cli_usage_error(&cli_cmd_key, "--token and --label go with key generate --token");
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
    "key", "generate or check a standalone encrypted key file, or generate a key in a token",
    "Usage:\n  eseal key generate --alg sm2|p256|p384|rsa|rsa3072|ed25519 -o KEYFILE\n"
    "  eseal key generate --token LABEL --alg p256|rsa|rsa3072 --label L\n"
    "  eseal key public KEYFILE\n\n"
    "generate --token: makes a key pair inside the PKCS#11 token labelled LABEL (the module is\n"
    "pkcs11_module of eseal.conf, else SoftHSM2's; the PIN comes from --pin-file, $ESEAL_TOKEN_PIN\n"
    "or the terminal). The private key is sensitive and never extractable: it never leaves the\n"
    "token. Prints the key's RFC 7512 URI, for eseal cert issue --key URI. sm2 is refused: PKCS#11\n"
    "has no standard SM2 mechanism (SM2 keys live in SKF devices). See docs/keys.md.\n"
    "generate: writes a new key as PKCS#8 PEM encrypted with PBES2 (scrypt, AES-256-CBC),\n"
    "created with mode 0600; the file must not exist.\n"
    "public: loads KEYFILE with the passphrase and reports its algorithm (a passphrase check).\n",
    opts, run};
